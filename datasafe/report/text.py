"""Terminal report: a short verdict per file, the flagged columns, the risk block and the
findings by severity with a one-line fix each.

Plain text unless ``color`` is set (the CLI sets it only on a TTY without ``NO_COLOR``); the
colours are bare ANSI escapes, so nothing extra is imported. When all is well it says so in a
line or two; ``quiet`` prints nothing at all on a passing run.
"""

from __future__ import annotations

import unicodedata

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

RESET = "\x1b[0m"
STYLES = {
    "bold": "\x1b[1m", "dim": "\x1b[2m", "red": "\x1b[31m", "green": "\x1b[32m",
    "yellow": "\x1b[33m", "blue": "\x1b[34m", "magenta": "\x1b[35m", "cyan": "\x1b[36m",
    "bred": "\x1b[1;31m", "bgreen": "\x1b[1;32m", "byellow": "\x1b[1;33m",
}
SEVERITY_STYLE = {"critical": "bred", "high": "red", "medium": "yellow", "low": "cyan",
                  "info": "dim"}
SENSITIVITY_STYLE = {"severe": "bred", "high": "red", "moderate": "yellow", "low": "green"}
ROLE_STYLE = {"direct": "red", "sensitive": "magenta", "quasi": "yellow", "none": "dim"}
MAX_COLUMN_ROWS = 40
MAX_WIDTH = 38


class _Painter:
    def __init__(self, color: bool):
        self.color = color

    def __call__(self, text: str, style: str | None) -> str:
        if not self.color or not style or not text:
            return text
        return STYLES.get(style, "") + text + RESET


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else
               0 if unicodedata.combining(ch) else 1 for ch in text)


def _clip(text: str, width: int = MAX_WIDTH) -> str:
    text = " ".join(str(text).split())  # no newlines or tabs from headers inside a table
    if _width(text) <= width:
        return text
    out = ""
    for ch in text:
        if _width(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def _table(rows: list[list[str]], styles: list[list[str | None]] | None, paint: _Painter,
           indent: str) -> list[str]:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for ri, row in enumerate(rows):
        cells = []
        for ci, cell in enumerate(row):
            pad = cell + " " * (widths[ci] - _width(cell))
            style = "bold" if ri == 0 else (styles[ri][ci] if styles else None)
            cells.append(paint(pad, style) if ci < len(row) - 1 else paint(cell, style))
        lines.append((indent + "  ".join(cells)).rstrip())
    return lines


def render_text(result: ScanResult, *, lang: str = "en", color: bool = False,
                quiet: bool = False) -> str:
    m = Messages(lang)
    paint = _Painter(color)
    v = verdict(result)
    if quiet and v == "pass" and result.exit_code == 0:
        return ""
    out: list[str] = []

    if all_clear(result):
        for f in result.files:
            level = f.sensitivity or overall_sensitivity(result) or "low"
            out.append(f"{paint('✓', 'green')} {f.path}{m.colon}"
                       f"{m('sensitivity.label').lower()} {m.sensitivity(level).lower()}")
        out.append(paint(m("verdict.pass"), "bgreen") + " " + m("verdict.all_clear"))
        return "\n".join(out) + "\n"

    header = m("tool_line", version=result.tool_version or "", profile=result.profile or "–",
               destination=result.destination or "–")
    out.append(paint(header, "dim"))

    for f in result.files:
        out.append("")
        if f.error:
            out.append(f"{paint(f.path, 'bold')}  {paint(m('verdict.error'), 'bred')}{m.colon}{say(m, f.error)}")
            continue
        level = f.sensitivity
        badge = ""
        if level:
            badge = paint(f"[{m('sensitivity.label')}{m.colon}{m.sensitivity(level)}]",
                          SENSITIVITY_STYLE.get(level))
        out.append(f"{paint(f.path, 'bold')} ({f.format})  {badge}".rstrip())
        if level:
            out.append(f"  {m.sensitivity_meaning(level)}")
        for reason in m.sensitivity_reasons(f)[:5]:
            out.append(f"  {paint('·', 'dim')} {reason}")
        for t in f.tables:
            _render_table(out, m, paint, t)

    findings = sorted_findings(result.findings)
    active = [x for x in findings if getattr(x, "accepted", None) is None]
    accepted = [x for x in findings if getattr(x, "accepted", None) is not None]
    out.append("")
    out.append(paint(m("findings.heading"), "bold") + f" ({len(active)})")
    if not active:
        out.append("  " + no_findings(m, result))
    for group in _same_finding_runs(active):
        _render_finding(out, m, paint, group[0], lang, explain=getattr(result, "explain", False))
        if len(group) > 1:
            names = [str(g.column) for g in group[1:]]
            shown = ", ".join(_clip(n) for n in names[:6]) + (", …" if len(names) > 6 else "")
            out.append(paint("            " + m("findings.same_more", count=len(names),
                                                 columns=shown), "dim"))
    if accepted:
        out.append("")
        out.append(paint(m("findings.accepted_heading"), "bold") + f" ({len(accepted)})")
        for fd in accepted:
            lf = localize(fd, lang)
            reason = (fd.accepted or {}).get("reason") or (fd.accepted or {}).get("source") or ""
            out.append(paint(f"  {lf.check}  {lf.location}{m.colon}{lf.message}"
                             + (f" — {m('labels.accepted_by', reason=reason)}" if reason else ""),
                             "dim"))

    out.append("")
    counts = severity_counts(result)
    out.append(_summary_line(m, paint, result, v, counts))
    return "\n".join(out) + "\n"


SAME_FINDING_RUN = 4  # from this many columns with one finding in a table, one entry


def _same_finding_runs(findings: list) -> list[list]:
    """Consecutive findings of one check, severity and table on several columns (69 health
    columns of a Kobo export next to names): runs of at least :data:`SAME_FINDING_RUN` become
    one group, shown once with the other columns named; the rest stay one a group."""
    runs: list[list] = []
    for f in findings:
        last = runs[-1][-1] if runs else None
        if (last is not None and f.column is not None and last.column is not None
                and (f.check, f.severity, f.file, f.table) ==
                (last.check, last.severity, last.file, last.table)):
            runs[-1].append(f)
        else:
            runs.append([f])
    out: list[list] = []
    for run in runs:
        out.extend([run] if len(run) >= SAME_FINDING_RUN else [[f] for f in run])
    return out


def _render_table(out: list[str], m: Messages, paint: _Painter, t) -> None:
    flagged = flagged_columns(t)
    rv = risk_view(t)
    if not flagged and rv is None and not t.findings and not t.notes:
        return
    label = table_label(m, t)
    extra = m.table_summary(int(t.rows or 0), len(t.columns))
    if t.hidden:
        extra += f", {m('labels.hidden')}"
    kind = m(f"kind.{t.kind}") if t.kind in ("microdata", "aggregate") else ""
    out.append(f"  {paint(label, 'bold')} — {extra}" + (f" · {kind}" if kind else ""))
    for n in t.notes:  # what reading noticed: ragged rows, an unclosed quote…
        out.append(f"    {paint('!', 'yellow')} {say(m, n)}")
    if len(flagged) > MAX_COLUMN_ROWS:
        # a wide Kobo export: the identifiers first (its GPS columns come last in the file)
        rank = {"direct": 0, "sensitive": 1, "quasi": 2}
        flagged = sorted(flagged, key=lambda c: rank.get(c.role, 3))
    if flagged:
        rows = [[m("labels.column"), m("role.label"), m("labels.entity"), m("labels.evidence"),
                 m("labels.example")]]
        styles: list[list[str | None]] = [[None] * 5]
        for c in flagged[:MAX_COLUMN_ROWS]:
            example = c.examples[0] if c.examples else ""
            rows.append([_clip(c.name), m.role_short(c.role), column_entity(c),
                         m.evidence(column_evidence(c)), _clip(example, 30)])
            styles.append([None, ROLE_STYLE.get(c.role), None, "dim", None])
        out.extend(_table(rows, styles, paint, "    "))
        if len(flagged) > MAX_COLUMN_ROWS:
            out.append("    " + m("labels.more_columns", count=len(flagged) - MAX_COLUMN_ROWS))
    if rv is not None:
        out.append(f"    {paint(risk_heading(m, rv), 'bold')}")
        lines = risk_lines(m, rv)
        w = max(_width(k) for k, _ in lines)
        for k, val in lines:
            out.append(f"      {k}{' ' * (w - _width(k))}  {val}")
        if rv.riskiest:
            out.append(f"      {m('risk.riskiest')}{m.colon.rstrip()}")
            for combo in rv.riskiest[:5]:
                counts = combination_counts(m, combo)
                out.append(f"        {_clip(combination_text(combo), 70)}"
                           + (f"  ({counts})" if counts else ""))


def _render_finding(out: list[str], m: Messages, paint: _Painter, fd, lang: str,
                    explain: bool = False) -> None:
    lf = localize(fd, lang)
    sev = paint(f"{m.severity(lf.severity).upper():<9}", SEVERITY_STYLE.get(lf.severity))
    out.append(f"  {sev} {paint(lf.check, 'bold')}  {lf.location}")
    out.append(f"            {lf.message}")
    if explain and lf.explanation:  # the workshop profile explains every finding
        out.append(f"            {' '.join(lf.explanation.split())}")
        if lf.guidance:
            out.append(f"            {paint(lf.guidance, 'dim')}")
    if lf.fix:
        out.append(f"            {paint(m('labels.fix') + m.colon.rstrip(), 'green')} {_first_line(lf.fix)}")


def _first_line(text: str) -> str:
    return " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""


def _summary_line(m: Messages, paint: _Painter, result: ScanResult, v: str,
                  counts: dict[str, int]) -> str:
    style = {"pass": "bgreen", "fail": "bred", "error": "bred"}[v]
    parts = [paint(m(f"verdict.{v}"), style)]
    sens = overall_sensitivity(result)
    if sens:
        parts.append(f"{m('sensitivity.label').lower()} {m.sensitivity(sens).lower()}")
    parts.append(", ".join(m.counted(s, counts[s]) for s in SEVERITIES if counts.get(s))
                 or no_findings(m, result))
    parts.append(m("verdict.exit_code", code=result.exit_code))
    text = " · ".join(parts)
    return text + "\n" + verdict_text(m, result, v)
