"""Markdown report, to paste into an issue or a pull request (GitHub/GitLab flavour)."""

from __future__ import annotations

from datasafe.model import SEVERITIES, ScanResult
from datasafe.report.common import (
    Messages,
    all_clear,
    column_entity,
    column_evidence,
    combination_counts,
    combination_text,
    flagged_columns,
    localize,
    no_findings,
    overall_sensitivity,
    risk_heading,
    risk_lines,
    risk_view,
    say,
    severity_counts,
    sorted_findings,
    table_label,
    verdict,
    verdict_text,
)

ICON = {"pass": "✅", "fail": "❌", "error": "⚠️"}
SEV_ICON = {"critical": "🟥", "high": "🟧", "medium": "🟨", "low": "🟦", "info": "⬜"}
# GitHub comments stop at 65,536 characters: long lists are cut, the full report is in HTML/JSON
MAX_FINDING_ROWS = 150
MAX_COLUMN_ROWS = 60


def md_escape(text) -> str:
    """Escape what would break a table cell or start Markdown/HTML markup."""
    s = " ".join(str(text).split())
    for ch in ("\\", "`", "*", "_", "[", "]", "<", ">", "|", "#"):
        s = s.replace(ch, "\\" + ch)
    return s


def render_markdown(result: ScanResult, *, lang: str = "en") -> str:
    m = Messages(lang)
    v = verdict(result)
    out: list[str] = [f"## {m('title')}", ""]
    counts = severity_counts(result)
    sens = overall_sensitivity(result)
    head = f"{ICON[v]} **{m(f'verdict.{v}')}** — " + verdict_text(m, result, v)
    out.append(head)
    out.append("")
    meta = [f"{m('labels.profile')}{m.colon}`{md_escape(result.profile or '–')}`",
            f"{m('labels.destination')}{m.colon}`{md_escape(result.destination or '–')}`"]
    if sens:
        meta.append(f"{m('sensitivity.label')}{m.colon}**{m.sensitivity(sens)}**")
    meta.append(", ".join(f"{SEV_ICON[s]} {m.counted(s, counts[s])}" for s in SEVERITIES))
    out.append(" · ".join(meta))
    if all_clear(result):
        out += ["", m("verdict.all_clear"), "", _footer(m, result)]
        return "\n".join(out) + "\n"

    errors = [f for f in result.files if f.error]
    if errors:
        out += ["", f"### {m('errors.heading')}", ""]
        for f in errors:
            out.append(f"- `{md_escape(f.path)}`{m.colon}{md_escape(say(m, f.error))}")

    for f in result.files:
        if f.error:
            continue
        out += ["", f"### `{md_escape(f.path)}` ({md_escape(f.format)})", ""]
        if f.sensitivity:
            out.append(f"**{m('sensitivity.heading', level=m.sensitivity(f.sensitivity))}** — "
                       f"{m.sensitivity_meaning(f.sensitivity)}")
            for reason in m.sensitivity_reasons(f):
                out.append(f"- {md_escape(reason)}")
        for t in f.tables:
            _table_section(out, m, t)

    findings = sorted_findings(result.findings)
    active = [x for x in findings if getattr(x, "accepted", None) is None]
    accepted = [x for x in findings if getattr(x, "accepted", None) is not None]
    out += ["", f"### {m('findings.heading')} ({len(active)})", ""]
    if not active:
        out.append(no_findings(m, result))
    else:
        out.append(f"| {m('severity.label')} | {m('labels.check')} | {m('labels.location')} | "
                   f"{m('labels.message')} | {m('labels.fix')} |")
        out.append("|---|---|---|---|---|")
        for fd in active[:MAX_FINDING_ROWS]:
            lf = localize(fd, lang)
            out.append(f"| {SEV_ICON.get(lf.severity, '')} {m.severity(lf.severity)} | "
                       f"`{lf.check}` | {md_escape(lf.location)} | {md_escape(lf.message)} | "
                       f"{md_escape(lf.fix or '')} |")
        if len(active) > MAX_FINDING_ROWS:
            out += ["", "_" + md_escape(m("findings.more", count=len(active) - MAX_FINDING_ROWS))
                    + "_"]
        details = [localize(fd, lang) for fd in active]
        details = [lf for lf in details if lf.explanation or lf.guidance]
        if details:
            out += ["", "<details>", f"<summary>{m('labels.why')}</summary>", ""]
            seen = set()
            for lf in details:
                if lf.check in seen:
                    continue
                seen.add(lf.check)
                out.append(f"- **`{lf.check}` {md_escape(lf.title)}**"
                           + (f" — {md_escape(lf.explanation)}" if lf.explanation else ""))
                if lf.guidance:
                    out.append(f"  - {m('labels.guidance')}{m.colon}{md_escape(lf.guidance)}")
            out += ["", "</details>"]
    if accepted:
        out += ["", f"<details><summary>{m('findings.accepted_heading')} ({len(accepted)})"
                    "</summary>", ""]
        for fd in accepted:
            lf = localize(fd, lang)
            reason = (fd.accepted or {}).get("reason") or ""
            out.append(f"- `{lf.check}` {md_escape(lf.location)}{m.colon}{md_escape(lf.message)}"
                       + (f" ({md_escape(reason)})" if reason else ""))
        out += ["", "</details>"]
    out += ["", _footer(m, result)]
    return "\n".join(out) + "\n"


def _table_section(out: list[str], m: Messages, t) -> None:
    flagged = flagged_columns(t)
    rv = risk_view(t)
    if not flagged and rv is None and not t.notes:
        return
    summary = m.table_summary(int(t.rows or 0), len(t.columns))
    hidden = f", {m('labels.hidden')}" if t.hidden else ""
    label = table_label(m, t)
    out += ["", f"#### {md_escape(label)} — {summary}{hidden}", ""]
    for n in t.notes:  # what reading noticed: ragged rows, an unclosed quote…
        out += [f"> ⚠ {md_escape(say(m, n))}", ""]
    if flagged:
        out.append(f"| {m('labels.column')} | {m('role.label')} | {m('labels.entity')} | "
                   f"{m('labels.evidence')} | {m('labels.example')} |")
        out.append("|---|---|---|---|---|")
        for c in flagged[:MAX_COLUMN_ROWS]:
            example = c.examples[0] if c.examples else ""
            out.append(f"| {md_escape(c.name)} | {m.role_short(c.role)} | "
                       f"{md_escape(column_entity(c))} | {md_escape(m.evidence(column_evidence(c)))}"
                       f" | {'`' + example.replace('`', '') + '`' if example else ''} |")
        if len(flagged) > MAX_COLUMN_ROWS:
            out += ["", "_" + md_escape(m("labels.more_columns",
                                          count=len(flagged) - MAX_COLUMN_ROWS)) + "_"]
    if rv is not None:
        out += ["", f"**{risk_heading(m, rv)}**", ""]
        for k, val in risk_lines(m, rv):
            out.append(f"- {md_escape(k)}{m.colon}**{md_escape(val)}**")
        if rv.riskiest:
            out.append(f"- {m('risk.riskiest')}{m.colon.rstrip()}")
            for combo in rv.riskiest[:5]:
                counts = combination_counts(m, combo)
                out.append(f"  - `{combination_text(combo).replace('`', '')}`"
                           + (f" ({counts})" if counts else ""))


def _footer(m: Messages, result: ScanResult) -> str:
    return f"<sub>{md_escape(m('labels.generated_by', version=result.tool_version or ''))}</sub>"
