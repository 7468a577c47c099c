"""Self-contained HTML report: one file that opens offline.

No script, font, stylesheet or image is fetched: the CSS is inline, the charts are SVG drawn
here in Python, and a Content-Security-Policy forbids the browser from loading anything else.
``fragment=True`` returns a ``<div>`` with its scoped ``<style>`` for Jupyter
(:meth:`ScanResult._repr_html_`).

What it shows: the headline verdict; per file the sensitivity level with its meaning and
reasons; per table a map of the columns coloured by role, the flagged columns with masked
examples, the risk block and charts (equivalence-class sizes, individual risk, riskiest key
combinations — each drawn only when the risk stage gave the figures); findings by severity
(chart) and each finding with its explanation, guidance citation and fix.
"""

from __future__ import annotations

import re
from html import escape

from datasafe.model import ROLES, SEVERITIES, ScanResult
from datasafe.report.common import (
    Figure,
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

# white text on every label colour reaches 4.5:1 (WCAG AA): readable on a projector
SEV_COLOR = {"critical": "#8b0000", "high": "#d1332e", "medium": "#a85d00", "low": "#1f6aa5",
             "info": "#646464"}
ROLE_COLOR = {"direct": "#d1332e", "sensitive": "#8e44ad", "quasi": "#a85d00", "none": "#b8bec6"}
SENS_COLOR = {"severe": "#8b0000", "high": "#d1332e", "moderate": "#a85d00", "low": "#227349"}
VERDICT_COLOR = {"pass": "#227349", "fail": "#c0392b", "error": "#8b0000"}

CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src 'none'; "
       "script-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'")

CSS = """
.dsr{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif;
color:#1d2733;background:#fff;line-height:1.45;font-size:15px;max-width:1100px;margin:0 auto;padding:16px 20px}
.dsr *{box-sizing:border-box}
.dsr h1{font-size:1.6em;margin:.2em 0 .1em}
.dsr h2{font-size:1.25em;margin:1.4em 0 .5em;border-bottom:2px solid #e3e7ec;padding-bottom:.2em}
.dsr h3{font-size:1.08em;margin:1.1em 0 .4em}
.dsr h4{font-size:1em;margin:1em 0 .3em;color:#3a4756}
.dsr .muted{color:#5d6b7a;font-size:.9em}
.dsr .note{color:#7a4d00;background:#fff6e0;padding:.3em .6em;border-radius:4px}
.dsr .banner{border-radius:10px;padding:14px 18px;color:#fff;margin:12px 0 6px;display:flex;
flex-wrap:wrap;gap:10px 22px;align-items:center}
.dsr .banner .big{font-size:1.7em;font-weight:800;letter-spacing:.04em}
.dsr .banner .txt{flex:1 1 320px}
.dsr .counts{display:flex;gap:8px;flex-wrap:wrap}
.dsr .pill{display:inline-block;border-radius:999px;padding:2px 10px;font-size:.85em;font-weight:600;
color:#fff;white-space:nowrap}
.dsr .card{border:1px solid #dde3ea;border-radius:10px;padding:12px 16px;margin:12px 0;background:#fbfcfd}
.dsr .sens{border-left:8px solid #999;padding:8px 12px;margin:8px 0;background:#fff;border-radius:6px}
.dsr .sens b{font-size:1.05em}
.dsr ul.reasons{margin:.3em 0 .2em 1.2em;padding:0}
.dsr .colmap{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0 10px}
.dsr .chip{border-radius:6px;padding:3px 8px;font-size:.82em;border:1px solid rgba(0,0,0,.08);
max-width:260px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.dsr .chip small{opacity:.85;margin-left:4px}
.dsr .legend{display:flex;gap:14px;flex-wrap:wrap;font-size:.85em;margin:4px 0}
.dsr .legend span::before{content:"";display:inline-block;width:11px;height:11px;border-radius:3px;
margin-right:5px;vertical-align:-1px;background:var(--c)}
.dsr table{border-collapse:collapse;width:100%;margin:6px 0 10px;font-size:.92em}
.dsr th,.dsr td{border-bottom:1px solid #e3e7ec;padding:5px 8px;text-align:left;vertical-align:top}
.dsr th{background:#f1f4f7;font-weight:600}
.dsr code,.dsr .mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;
font-size:.9em;background:#f1f4f7;border-radius:4px;padding:0 4px}
.dsr .charts{display:flex;flex-wrap:wrap;gap:16px;margin:8px 0}
.dsr figure{margin:0;flex:1 1 440px;min-width:300px;background:#fff;border:1px solid #e3e7ec;
border-radius:8px;padding:8px 10px}
.dsr figcaption{font-weight:600;font-size:.92em;margin-bottom:4px}
.dsr svg{display:block;max-width:100%;height:auto}
.dsr .finding{border:1px solid #dde3ea;border-left:6px solid #999;border-radius:8px;padding:10px 14px;
margin:10px 0;background:#fff}
.dsr .finding .head{display:flex;flex-wrap:wrap;gap:8px;align-items:baseline}
.dsr .finding .title{font-weight:700}
.dsr .finding .loc{color:#5d6b7a;font-size:.9em}
.dsr .finding p{margin:.35em 0}
.dsr .finding .fix{background:#eef8f1;border-radius:6px;padding:6px 10px}
.dsr .finding.accepted{opacity:.7}
.dsr dl.risk{display:grid;grid-template-columns:max-content 1fr;gap:3px 16px;margin:6px 0}
.dsr dl.risk dt{color:#3a4756}
.dsr dl.risk dd{margin:0;font-weight:600}
.dsr .footer{margin-top:28px;color:#5d6b7a;font-size:.85em;border-top:1px solid #e3e7ec;padding-top:8px}
.dsr .error{color:#8b0000;font-weight:600}
@media print{.dsr .banner{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""


def _e(value) -> str:
    return escape("" if value is None else str(value), quote=True)


def render_html(result: ScanResult, *, lang: str = "en", fragment: bool = False) -> str:
    m = Messages(lang)
    body = _body(result, m)
    if fragment:
        return f'<div class="dsr" lang="{_e(m.lang)}"><style>{CSS}</style>{body}</div>'
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{_e(m.lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_e(m('title'))}</title>\n<style>{CSS}body{{margin:0;background:#fff}}</style>\n"
        f'</head>\n<body>\n<main class="dsr">{body}</main>\n</body>\n</html>\n'
    )


# --------------------------------------------------------------------------- page parts


def _body(result: ScanResult, m: Messages) -> str:
    v = verdict(result)
    counts = severity_counts(result)
    sens = overall_sensitivity(result)
    parts: list[str] = [
        f"<h1>{_e(m('title'))}</h1>",
        f'<div class="muted">{_e(m("subtitle"))} · '
        f"{_e(m('tool_line', version=result.tool_version or '', profile=result.profile or '–', destination=result.destination or '–'))}</div>",
    ]
    pills = "".join(
        f'<span class="pill" style="background:{SEV_COLOR[s]}">'
        f"{_e(m.counted(s, counts[s]))}</span>" for s in SEVERITIES)
    sens_txt = (f"<div>{_e(m('sensitivity.label') + m.colon)}<b>{_e(m.sensitivity(sens))}</b></div>"
                if sens else "")
    parts.append(
        f'<section class="banner" role="status" style="background:{VERDICT_COLOR[v]}">'
        f'<div class="big">{_e(m(f"verdict.{v}"))}</div>'
        f'<div class="txt"><div>{_e(verdict_text(m, result, v))}</div>'
        f"{sens_txt}</div>"
        f'<div class="counts">{pills}</div></section>')
    if all_clear(result):
        parts.append(f"<p>{_e(m('verdict.all_clear'))}</p>")

    errors = [f for f in result.files if f.error]
    if errors:
        parts.append(f"<h2>{_e(m('errors.heading'))}</h2><ul>")
        for f in errors:
            parts.append(f'<li><code>{_e(f.path)}</code>: <span class="error">{_e(say(m, f.error))}</span></li>')
        parts.append("</ul>")

    active = [x for x in sorted_findings(result.findings) if getattr(x, "accepted", None) is None]
    accepted = [x for x in sorted_findings(result.findings)
                if getattr(x, "accepted", None) is not None]

    if result.findings:
        parts.append(f"<h2>{_e(m('findings.by_severity'))}</h2>")
        parts.append('<div class="charts"><figure>' + _severity_chart(m, counts)
                     + "</figure></div>")

    for f in result.files:
        if f.error:
            continue
        parts.append(_file_section(f, m))

    parts.append(f"<h2>{_e(m('findings.heading'))} ({len(active)})</h2>")
    if not active:
        parts.append(f"<p>{_e(no_findings(m, result))}</p>")
    for fd in active:
        parts.append(_finding_card(fd, m))
    if accepted:
        parts.append(f"<h3>{_e(m('findings.accepted_heading'))} ({len(accepted)})</h3>")
        for fd in accepted:
            parts.append(_finding_card(fd, m, accepted=True))

    parts.append(f'<div class="footer">{_e(m("labels.generated_by", version=result.tool_version or ""))}'
                 f"<br>{_e(m('sensitivity.source'))}</div>")
    return "\n".join(parts)


def _file_section(f, m: Messages) -> str:
    out = [f'<section class="card"><h2 style="margin-top:.2em"><code>{_e(f.path)}</code> '
           f'<span class="muted">({_e(f.format)})</span></h2>']
    if f.sensitivity:
        color = SENS_COLOR.get(f.sensitivity, "#999")
        out.append(f'<div class="sens" style="border-left-color:{color}">'
                   f'<span class="pill" style="background:{color}">'
                   f"{_e(m('sensitivity.label') + m.colon)}{_e(m.sensitivity(f.sensitivity))}</span> "
                   f"<span>{_e(m.sensitivity_meaning(f.sensitivity))}</span>")
        if f.sensitivity_reasons:
            out.append(f"<div class=\"muted\" style=\"margin-top:4px\">{_e(m('sensitivity.why') + m.colon.rstrip())}</div>"
                       '<ul class="reasons">'
                       + "".join(f"<li>{_e(r)}</li>" for r in m.sensitivity_reasons(f)) + "</ul>")
        out.append("</div>")
    for t in f.tables:
        out.append(_table_section(t, m))
    out.append("</section>")
    return "\n".join(out)


def _table_section(t, m: Messages) -> str:
    label = table_label(m, t)
    summary = m.table_summary(int(t.rows or 0), len(t.columns))
    if t.hidden:
        summary += f", {m('labels.hidden')}"
    if t.kind in ("microdata", "aggregate"):
        summary += f" · {m(f'kind.{t.kind}')}"
    out = [f"<h3>{_e(label)} <span class=\"muted\">— {_e(summary)}</span></h3>"]
    for n in t.notes:  # what reading noticed: ragged rows, an unclosed quote…
        out.append(f'<p class="note">⚠ {_e(say(m, n))}</p>')

    # map of columns by role
    if t.columns:
        out.append(f"<h4>{_e(m('columns.map_heading'))}</h4>")
        present = [r for r in ROLES if any(c.role == r for c in t.columns)]
        out.append('<div class="legend">' + "".join(
            f'<span style="--c:{ROLE_COLOR[r]}">{_e(m.role(r))} '
            f"({sum(1 for c in t.columns if c.role == r)}) — {_e(m(f'role.meaning.{r}'))}</span>"
            for r in present) + "</div>")
        out.append(_role_strip(t, m))
        chips = []
        for c in t.columns:
            color = ROLE_COLOR.get(c.role, "#ccc")
            fg = "#fff" if c.role in ("direct", "sensitive") else "#1d2733"
            ent = column_entity(c)
            title = f"{c.name} — {m.role(c.role)}" + (f" — {ent}" if ent else "")
            chips.append(f'<span class="chip" title="{_e(title)}" style="background:{color};color:{fg}">'
                         f"{_e(c.name)}" + (f"<small>{_e(ent)}</small>" if ent else "") + "</span>")
        out.append('<div class="colmap">' + "".join(chips) + "</div>")

    flagged = flagged_columns(t)
    if flagged:
        out.append(f"<h4>{_e(m('columns.heading'))}</h4>")
        out.append("<table><thead><tr>" + "".join(
            f"<th>{_e(h)}</th>" for h in (m("labels.column"), m("role.label"), m("labels.entity"),
                                          m("labels.evidence"), m("labels.examples")))
                   + "</tr></thead><tbody>")
        for c in flagged:
            ex = " ".join(f'<span class="mono">{_e(x)}</span>' for x in c.examples[:3])
            out.append(
                f"<tr><td>{_e(c.name)}" + (f' <span class="muted">{_e(c.hxl)}</span>' if c.hxl else "")
                + f'</td><td><span class="pill" style="background:{ROLE_COLOR.get(c.role, "#999")}'
                f'{";color:#1d2733" if c.role in ("quasi", "none") else ""}">{_e(m.role(c.role))}</span></td>'
                f"<td>{_e(column_entity(c))}</td><td>{_e(m.evidence(column_evidence(c)))}</td>"
                f"<td>{ex}</td></tr>")
        out.append("</tbody></table>")
    elif t.columns:
        out.append(f"<p class=\"muted\">{_e(m('columns.none_flagged'))}</p>")

    rv = risk_view(t)
    if rv is not None:
        out.append(f"<h4>{_e(risk_heading(m, rv))}</h4><dl class=\"risk\">")
        for k, val in risk_lines(m, rv):
            out.append(f"<dt>{_e(k)}</dt><dd>{_e(val)}</dd>")
        out.append("</dl>")
        charts = []
        if rv.class_sizes:
            charts.append(_figure(m("risk.class_sizes"), _histogram(
                rv.class_sizes, m("risk.class_sizes_axis"), m("risk.records_axis"), m,
                highlight=lambda label: _below(label, rv.k_threshold))))
        elif rv.violations:
            charts.append(_figure(m("risk.violations"), _histogram(
                [(f"k={k}", n) for k, n in rv.violations], "k", m("risk.records_axis"), m,
                highlight=lambda label: True)))
        if rv.risk_histogram:
            thr = rv.risk_threshold if rv.risk_threshold is not None else 0.05
            charts.append(_figure(m("risk.risk_distribution"), _histogram(
                rv.risk_histogram, m("risk.risk_axis"), m("risk.records_axis"), m,
                highlight=lambda label: _above(label, thr))))
        if rv.riskiest:
            charts.append(_figure(m("risk.riskiest"), _riskiest_chart(rv.riskiest, m)))
        if charts:
            out.append('<div class="charts">' + "".join(charts) + "</div>")
    return "\n".join(out)


def _finding_card(fd, m: Messages, accepted: bool = False) -> str:
    lf = localize(fd, m.lang)
    color = SEV_COLOR.get(lf.severity, "#999")
    out = [f'<article class="finding{" accepted" if accepted else ""}" style="border-left-color:{color}">'
           '<div class="head">'
           f'<span class="pill" style="background:{color}">{_e(m.severity(lf.severity))}</span>'
           f"<code>{_e(lf.check)}</code>"
           f'<span class="title">{_e(lf.title)}</span>'
           f'<span class="loc">{_e(lf.location)}</span></div>'
           f"<p>{_e(lf.message)}</p>"]
    if lf.explanation:
        out.append(f"<p><b>{_e(m('labels.why') + m.colon.rstrip())}</b> {_e(lf.explanation)}</p>")
    if lf.guidance:
        cite = _e(lf.guidance)
        if lf.guidance_url:
            cite += f' <span class="muted">({_e(lf.guidance_url)})</span>'
        out.append(f"<p class=\"muted\"><b>{_e(m('labels.guidance') + m.colon.rstrip())}</b> {cite}</p>")
    if lf.fix:
        out.append(f"<p class=\"fix\"><b>{_e(m('labels.fix') + m.colon.rstrip())}</b> {_e(lf.fix)}</p>")
    if accepted and fd.accepted:
        reason = fd.accepted.get("reason") or fd.accepted.get("source") or ""
        out.append(f"<p class=\"muted\">{_e(m('labels.accepted_by', reason=reason))}</p>")
    out.append("</article>")
    return "".join(out)


# --------------------------------------------------------------------------- charts (SVG)


def _figure(caption: str, svg: str) -> str:
    return f"<figure><figcaption>{_e(caption)}</figcaption>{svg}</figure>"


def _severity_chart(m: Messages, counts: dict[str, int]) -> str:
    w, row, left, right = 520, 30, 110, 50
    h = row * len(SEVERITIES) + 10
    top = max(max(counts.values(), default=0), 1)
    bars = []
    for i, s in enumerate(SEVERITIES):
        y = 5 + i * row
        bw = (w - left - right) * counts.get(s, 0) / top
        bars.append(
            f'<text x="{left - 8}" y="{y + 19}" text-anchor="end" font-size="13" fill="#1d2733">'
            f"{_e(m.severity(s))}</text>"
            f'<rect x="{left}" y="{y + 4}" width="{bw:.1f}" height="{row - 10}" rx="3" fill="{SEV_COLOR[s]}"/>'
            f'<text x="{left + bw + 6:.1f}" y="{y + 19}" font-size="13" fill="#1d2733">{counts.get(s, 0)}</text>')
    title = m("findings.by_severity")
    return (f'<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{_e(title)}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{_e(title)}</title>'
            f'<line x1="{left}" y1="2" x2="{left}" y2="{h - 2}" stroke="#aab4bf"/>'
            + "".join(bars) + "</svg>")


def _role_strip(t, m: Messages) -> str:
    """One cell per column in file order, coloured by role: where the identifying columns sit."""
    n = len(t.columns)
    w, h = 720, 26
    cell = w / max(n, 1)
    rects = []
    for i, c in enumerate(t.columns):
        rects.append(f'<rect x="{i * cell:.2f}" y="0" width="{max(cell - (1 if cell > 3 else 0), 0.5):.2f}" '
                     f'height="{h}" fill="{ROLE_COLOR.get(c.role, "#ccc")}"><title>{_e(c.name)} — '
                     f"{_e(m.role(c.role))}</title></rect>")
    title = m("columns.map_heading")
    return (f'<svg viewBox="0 0 {w} {h}" width="100%" height="{h}" role="img" aria-label="{_e(title)}" '
            f'preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg"><title>{_e(title)}</title>'
            + "".join(rects) + "</svg>")


def _histogram(pairs, xlabel: str, ylabel: str, m: Messages, highlight=None) -> str:
    pairs = list(pairs)[:40]
    w, h = 520, 240
    left, right, top, bottom = 52, 12, 14, 58
    pw, ph = w - left - right, h - top - bottom
    vmax = max((c for _, c in pairs), default=0) or 1
    n = max(len(pairs), 1)
    bw = pw / n
    parts = [f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#aab4bf"/>',
             f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#aab4bf"/>']
    for frac in (0.5, 1.0):
        y = top + ph - ph * frac
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + pw}" y2="{y:.1f}" stroke="#eef1f4"/>'
                     f'<text x="{left - 5}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
                     f'fill="#5d6b7a">{_e(m.num(vmax * frac, 0))}</text>')
    step = max(1, n // 12)
    for i, (label, count) in enumerate(pairs):
        bh = ph * count / vmax
        x = left + i * bw
        hot = bool(highlight and highlight(label))
        fill = "#d1332e" if hot else "#2f7fc1"
        if m.lang != "en":  # "0.01–0.05" → "0,01–0,05"
            label = Figure(str(label)).said(m)
        parts.append(f'<rect x="{x + bw * 0.1:.1f}" y="{top + ph - bh:.1f}" width="{bw * 0.8:.1f}" '
                     f'height="{bh:.1f}" fill="{fill}"><title>{_e(label)}{m.colon}{_e(m.num(count, 0))}'
                     f"</title></rect>")
        if i % step == 0:
            parts.append(f'<text x="{x + bw / 2:.1f}" y="{top + ph + 14}" text-anchor="middle" '
                         f'font-size="10.5" fill="#3a4756">{_e(_short(label, 9))}</text>')
    parts.append(f'<text x="{left + pw / 2:.1f}" y="{h - 22}" text-anchor="middle" font-size="11.5" '
                 f'fill="#3a4756">{_e(xlabel)}</text>')
    parts.append(f'<text x="12" y="{top + ph / 2:.1f}" text-anchor="middle" font-size="11.5" '
                 f'fill="#3a4756" transform="rotate(-90 12 {top + ph / 2:.1f})">{_e(ylabel)}</text>')
    return (f'<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{_e(xlabel)}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{_e(xlabel)}</title>' + "".join(parts) + "</svg>")


def _riskiest_chart(combos: list[dict], m: Messages) -> str:
    combos = combos[:8]
    row = 34
    w = 520
    h = row * len(combos) + 12
    left = 8
    parts = []
    values = [c["risk"] if c["risk"] is not None else
              (1 / c["records"] if c["records"] else 0) for c in combos]
    vmax = max(max(values, default=0), 1e-9)
    scale_max = 1.0 if vmax <= 1 else vmax
    for i, (combo, val) in enumerate(zip(combos, values)):
        y = 6 + i * row
        bw = (w - 2 * left) * val / scale_max
        label = _short(combination_text(combo), 52)
        counts = combination_counts(m, combo)
        parts.append(f'<text x="{left}" y="{y + 11}" font-size="11.5" fill="#1d2733">{_e(label)}'
                     f'<tspan fill="#5d6b7a"> — {_e(counts)}</tspan></text>'
                     f'<rect x="{left}" y="{y + 16}" width="{max(bw, 1):.1f}" height="11" rx="2" '
                     f'fill="#d1332e"/>')
    title = m("risk.riskiest")
    return (f'<svg viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{_e(title)}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{_e(title)}</title>' + "".join(parts) + "</svg>")


def _short(text, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def _first_number(label) -> float | None:
    mt = re.search(r"-?\d+(?:[.,]\d+)?", str(label))
    if not mt:
        return None
    try:
        return float(mt.group(0).replace(",", "."))
    except ValueError:
        return None


def _below(label, k: int) -> bool:
    v = _first_number(label)
    return v is not None and v < k


def _above(label, threshold: float) -> bool:
    text = str(label).strip()
    if text.startswith(">"):
        return True
    if text.startswith(("≤", "<")):
        return False
    nums = [float(x.replace(",", ".")) for x in re.findall(r"\d+(?:[.,]\d+)?", str(label))]
    if not nums:
        return False
    return max(nums) > threshold and nums[0] >= threshold
