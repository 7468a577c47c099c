"""Run the YAML test cases of the check catalogue (``tests:`` in each ``checks/ID.yaml``).

A case is a small table on which a check must fire (``expect: fire``) or must not
(``expect: pass``)::

    - name: names in a registration list
      expect: fire                 # fire | pass
      variant: with_identifier     # optional: the hit's severity variant
      severity: critical           # optional: the finding's severity
      or_checks: [DR-PII-01]       # optional: these checks firing instead also satisfy "fire"
      destination: public          # optional: --destination
      profile: hdx-public          # optional: --profile
      sidecar: {consent: true}     # optional: FILE.datasafe.yaml beside the table
      files: {keys.csv: "…"}       # optional: other files in the same folder
      key_vars: [age, sex]         # optional: key variables for the risk stage
      roles: {full_name: direct/PERSON}   # hand-filled detection (role/ENTITY)
      kind: microdata              # hand-filled table kind
      risk: {k_min: 1, …}          # hand-filled RiskResult (+ extra); without it, key_vars
                                   # runs the real risk stage in unit mode too
      csv: |
        full_name,age
        …
      sheets: {Summary: "…csv…", raw: "…csv…"}   # instead of csv: an xlsx workbook
      hidden: [raw]                               # its hidden sheets

Two modes run each case:

- ``unit``: read and profile the real table, then apply the hand-filled roles, kind and risk
  instead of detection and risk, and run the real :func:`run_checks`. Runs everywhere.
- ``pipeline``: ``datasafe.scan`` on the CSV file — detection and risk included. A case that
  hand-fills roles or kind needs real detection, one that hand-fills risk needs real risk (and
  ``key_vars`` or detected quasi-identifiers); :func:`pipeline_ready` says whether they exist yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def detection_available() -> bool:
    """True once the detection stage fills roles (a phone column is not ``none``)."""
    import pandas as pd

    from datasafe.detect import detect_table
    from datasafe.pipeline import ScanOptions
    from datasafe.profiling import profile_table
    from datasafe.read import table_from_dataframe

    df = pd.DataFrame({"full_name": ["Amina Yusuf", "Jean Mbuyi", "Esther Kabila"],
                       "phone": ["+243812345678", "+243998877665", "+243810000001"]})
    t = table_from_dataframe(df)
    r = profile_table(t)
    try:
        detect_table(t, r, ScanOptions(ner="off"))
    except Exception:  # noqa: BLE001
        return False
    return any(c.role != "none" for c in r.columns)


def risk_available() -> bool:
    import pandas as pd

    from datasafe.pipeline import ScanOptions
    from datasafe.profiles import load_profile
    from datasafe.profiling import profile_table
    from datasafe.read import table_from_dataframe
    from datasafe.risk import assess_table

    df = pd.DataFrame({"age": ["34", "51", "34"], "sex": ["F", "M", "F"]})
    t = table_from_dataframe(df)
    r = profile_table(t)
    try:
        return assess_table(t, r, ScanOptions(key_vars=["age", "sex"]), load_profile()) is not None
    except Exception:  # noqa: BLE001
        return False


def pipeline_ready(case: dict[str, Any], detection: bool, risk: bool) -> str | None:
    """None when the case can run through the full pipeline, else the reason it cannot yet."""
    if case.get("unit_only"):
        return "unit-only case"
    if (case.get("roles") or case.get("kind")) and not detection:
        return "needs detection"
    if case.get("risk") is not None and not (risk and case.get("key_vars")):
        return "needs risk with key_vars"
    return None


def _write_xlsx(path: Path, sheets: dict[str, str], hidden: list[str]) -> None:
    import csv
    import io

    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, text in sheets.items():
        ws = wb.create_sheet(str(name))
        for row in csv.reader(io.StringIO(str(text))):
            ws.append(row)
        if name in hidden:
            ws.sheet_state = "hidden"
    wb.save(path)


def write_case(case: dict[str, Any], folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    if case.get("sheets"):
        path = folder / case.get("filename", "case.xlsx")
        _write_xlsx(path, case["sheets"], list(case.get("hidden") or []))
    else:
        path = folder / case.get("filename", "case.csv")
        path.write_text(case.get("csv", ""), encoding="utf-8")
    for fname, content in (case.get("files") or {}).items():
        (folder / fname).write_text(str(content), encoding="utf-8")
    if case.get("sidecar") is not None:
        from datasafe.sidecar import save_sidecar

        save_sidecar(path, dict(case["sidecar"]))
    return path


def _options(case: dict[str, Any]):
    from datasafe.pipeline import ScanOptions

    return ScanOptions(profile=case.get("profile"), destination=case.get("destination"),
                       key_vars=case.get("key_vars"), ner="off")


def run_unit(case: dict[str, Any], folder: Path):
    """Real reading, profiling and checks; hand-filled detection and risk."""
    from datasafe import __version__
    from datasafe.checking import run_checks
    from datasafe.model import Entity, FileResult, RiskResult, ScanResult
    from datasafe.pipeline import sha256_file
    from datasafe.profiling import profile_table
    from datasafe.read import file_format, read_tables

    path = write_case(case, folder)
    options = _options(case)
    profile = options.resolved_profile()
    result = ScanResult(profile=profile.name, profile_sha256=profile.sha256 or None,
                        tool_version=__version__)
    result.destination = options.destination or profile.destination
    result.fail_on = profile.fail_on
    fres = FileResult(path=str(path), format=file_format(path) or "csv", sha256=sha256_file(path))
    tables = read_tables(path)
    roles = case.get("roles") or {}
    for table in tables:
        tres = profile_table(table)
        for col in tres.columns:
            spec = roles.get(col.name)
            if spec:
                role, _, ent = str(spec).partition("/")
                col.role = role
                if ent:
                    col.entities = [Entity(type=ent, confidence=0.95, evidence=["header"])]
        tres.kind = case.get("kind", "unknown")
        if case.get("risk") is not None:
            r = dict(case["risk"])
            tres.risk = RiskResult(
                quasi_identifiers=list(r.pop("quasi_identifiers", [])),
                k_min=r.pop("k_min", None), records_below_k=r.pop("records_below_k", 0),
                k_threshold=r.pop("k_threshold", 5),
                expected_reidentifications=r.pop("expected_reidentifications", 0.0),
                global_risk=r.pop("global_risk", 0.0), extra=r.pop("extra", {}) or {})
        elif case.get("key_vars"):
            from datasafe.risk import assess_table

            tres.risk = assess_table(table, tres, options, profile)
        fres.tables.append(tres)
    result.files.append(fres)
    run_checks(result, [(fres, tables)], options, profile)
    return result


def run_pipeline(case: dict[str, Any], folder: Path):
    import datasafe

    path = write_case(case, folder)
    return datasafe.scan(str(path), options=_options(case))


def verdict(check_id: str, case: dict[str, Any], result) -> str | None:
    """None when the result meets the case's expectation, else what went wrong."""
    accepted = {check_id, *(case.get("or_checks") or [])}
    mine = [f for f in result.findings if f.check in accepted]
    if case.get("expect", "fire") == "pass":
        if mine:
            return f"expected no {check_id} finding, got: {[f.message for f in mine]}"
        return None
    if not mine:
        others = sorted({f.check for f in result.findings})
        return f"expected {check_id} to fire; findings: {others}"
    if case.get("variant"):
        mine = [f for f in mine if (f.details or {}).get("variant") == case["variant"]
                or f.check != check_id]
        if not mine:
            return f"expected variant {case['variant']}"
    if case.get("severity") and not any(f.severity == case["severity"] for f in mine):
        return f"expected severity {case['severity']}, got {[f.severity for f in mine]}"
    if case.get("column") and not any(f.column == case["column"] for f in mine):
        return f"expected column {case['column']}, got {[f.column for f in mine]}"
    return None


def all_cases() -> list[tuple[str, int, dict[str, Any]]]:
    from datasafe.checking.catalogue import catalogue

    out = []
    for cid, e in catalogue(include_tests=True).items():
        for i, case in enumerate(e.get("tests") or []):
            out.append((cid, i, case))
    return out
