"""Terminal report (placeholder until the reports issue lands)."""

from __future__ import annotations


def render_text(result, *, lang: str = "en", color: bool = False, quiet: bool = False) -> str:
    if quiet and result.exit_code == 0:
        return ""
    lines = []
    for f in result.files:
        if f.error:
            lines.append(f"{f.path}: ERROR {f.error}")
            continue
        lines.append(f"{f.path} ({f.format})")
        for t in f.tables:
            label = f"  sheet {t.name!r}" if t.name is not None else "  table"
            lines.append(f"{label}: {t.rows} rows, {len(t.columns)} columns"
                         + (" [hidden]" if t.hidden else ""))
            for c in t.columns:
                ent = f" {c.entity}" if c.entity else ""
                lines.append(f"    {c.name!s:<30} {c.stats.inferred_type:<9} {c.role}{ent}")
    for fd in result.findings:
        where = " / ".join(x for x in (fd.file, fd.table, fd.column) if x)
        lines.append(f"{fd.severity.upper():<8} {fd.check} {where}: {fd.message}")
    s = result.summary
    lines.append(f"sensitivity: {s.sensitivity}; verdict: {s.verdict}")
    return "\n".join(lines) + "\n"
