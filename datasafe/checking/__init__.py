"""Data-responsibility checks. (Placeholder until the checks issue lands: only the summary.)"""

from __future__ import annotations

from datasafe.model import SEVERITY_RANK


def run_checks(result, tables_by_file, options, profile) -> None:
    counts = {s: 0 for s in SEVERITY_RANK}
    for f in result.findings:
        counts[f.severity] += 1
    result.summary.findings_by_severity = counts
    result.summary.errors = sum(1 for f in result.files if f.error)
    worst = max(result.findings, key=lambda f: SEVERITY_RANK[f.severity], default=None)
    result.summary.max_severity = worst.severity if worst else None
    result.summary.verdict = "fail" if result.exit_code else "pass"


def catalogue() -> dict:
    """The check catalogue: id -> the check's YAML entry."""
    import yaml

    from datasafe.resources import data_dir

    out = {}
    for path in sorted(data_dir("checks").glob("*.yaml")):
        entry = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if isinstance(entry, dict) and "id" in entry:
            out[entry["id"]] = entry
    return out
