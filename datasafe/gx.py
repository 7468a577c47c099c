"""Great Expectations integration (the optional ``datasafe[gx]`` extra, great-expectations 1.x).

Keep the guarantees datasafe established on a de-identified file true on every later load, in
pipelines that already validate with Great Expectations:

- :func:`build_suite` turns a scan of the de-identified file into a GX 1.x expectation suite
  (JSON): the allowed column set (dropped identifier columns may not come back), regex
  expectations that no e-mail, phone, ID or high-precision coordinate pattern appears in the
  columns that must be clean, value-set or range expectations for generalised columns (age
  bands, rounded coordinates), and a k-anonymity guarantee on the key variables.
- k-anonymity has no pandas expectation in GX 1.x. It is expressed as an
  ``UnexpectedRowsExpectation`` (a query-based expectation, SQL data sources only) that returns
  the key combinations shared by fewer than k records; :func:`validate_dataframe` runs it on a
  temporary SQLite copy of the frame. Unlike sdcMicro, SQL ``GROUP BY`` treats a missing value
  as its own category rather than a wildcard, so the guarantee is checked on complete keys only.
- :func:`check_batch` runs datasafe's own checks on a GX batch (or a pandas DataFrame) and
  returns a result shaped like a GX validation result.

great_expectations is imported only inside these functions: ``import datasafe`` stays fast.
Validation results never carry raw values: datasafe asks GX for counts only.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from typing import Any

# Patterns that must not appear in a column that is meant to be clean.
CLEAN_PATTERNS: dict[str, str] = {
    "EMAIL_ADDRESS": r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}",
    "PHONE_NUMBER": r"(?:^|[^\w.])\+?\d[\d \-().]{7,}\d(?:[^\w.]|$)",
    "CASE_ID": r"\b[A-Z]{2,4}[-/]\d{2,4}[-/]\d{3,}\b",
    "GPS_COORDINATE": r"^\s*-?\d{1,3}\.\d{4,}\s*$",
}
# A coordinate written with 3+ decimals (about 111 m or finer at the equator).
FINE_COORDINATE = r"^\s*-?\d{1,3}\.\d{3,}\s*$"
BAND_RE = re.compile(r"^\s*(\d{1,3})\s*[-–]\s*(\d{1,3})\s*$|^\s*(\d{1,3})\s*\+\s*$")
MAX_VALUE_SET = 60


class GXUnavailable(RuntimeError):
    """great-expectations is not installed (install the ``datasafe[gx]`` extra)."""


def _gx():
    try:
        import great_expectations as gx
        import great_expectations.expectations as gxe
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise GXUnavailable("great-expectations is not installed: pip install 'datasafe[gx]'"
                            ) from None
    return gx, gxe


def _expectation(kind: str, meta: dict[str, Any] | None = None, **kwargs: Any) -> dict[str, Any]:
    return {"type": kind, "kwargs": kwargs, "meta": meta or {}}


def _is_banded(values: list[str]) -> bool:
    vals = [v for v in values if v]
    return bool(vals) and all(BAND_RE.match(v) for v in vals)


def build_suite(result, *, table_index: int = 0, file_index: int = 0, k: int | None = None,
                name: str | None = None, data=None) -> dict[str, Any]:
    """A GX 1.x expectation-suite document (``ExpectationSuite(**doc)`` loads it) for one table
    of a scan of a de-identified file. ``data`` (a text DataFrame of the table) lets value-set
    and range expectations use the observed values of generalised columns."""
    fres = result.files[file_index]
    table = fres.tables[table_index]
    profile_k = k or (table.risk.k_threshold if table.risk else None) or 5
    columns = [c.name for c in table.columns]
    not_guaranteed: list[str] = []
    exps: list[dict[str, Any]] = [
        _expectation("expect_table_columns_to_match_set",
                     {"datasafe": "allowed column set: dropped identifier columns may not "
                                  "come back"},
                     column_set=columns, exact_match=True),
    ]
    for col in table.columns:
        entity = col.entity
        values = None
        if data is not None and col.key in data.columns:
            s = data[col.key].dropna()
            if s.nunique() <= MAX_VALUE_SET:
                values = sorted(str(v) for v in s.unique())
        if col.role == "direct":
            # A direct identifier left in the file: nothing to certify (the scan flags it).
            not_guaranteed.append(col.name)
            continue
        if entity == "GPS_COORDINATE" or col.stats.inferred_type == "float" and re.search(
                r"\b(lat|lon|lng|latitude|longitude)\b", col.name.lower()):
            exps.append(_expectation(
                "expect_column_values_to_not_match_regex",
                {"datasafe": "coordinates stay rounded to at most 2 decimals (~1.1 km)"},
                column=col.name, regex=FINE_COORDINATE))
            exps.append(_expectation(
                "expect_column_values_to_match_regex",
                {"datasafe": "a coordinate with at most 2 decimals"},
                column=col.name, regex=r"^\s*-?\d{1,3}(?:\.\d{1,2})?\s*$"))
            continue
        if values is not None and _is_banded(values):
            exps.append(_expectation("expect_column_values_to_be_in_set",
                                     {"datasafe": "generalised column keeps its bands"},
                                     column=col.name, value_set=values))
            continue
        if col.stats.inferred_type in ("integer", "float", "empty", "boolean"):
            continue
        exps.append(_expectation(
            "expect_column_values_to_not_match_regex_list",
            {"datasafe": "no e-mail, phone number, case/ID number or fine coordinate may "
                         "appear in a column that must be clean"},
            column=col.name, regex_list=list(CLEAN_PATTERNS.values())))
    key_vars = list(table.risk.quasi_identifiers) if table.risk else []
    if key_vars:
        cols = ", ".join(_sql_ident(c) for c in key_vars)
        not_null = " AND ".join(f"{_sql_ident(c)} IS NOT NULL" for c in key_vars)
        exps.append(_expectation(
            "unexpected_rows_expectation",
            {"datasafe": f"k-anonymity: every combination of the key variables is shared by at "
                         f"least {profile_k} records (SQL data sources only)",
             "key_variables": key_vars, "k": profile_k},
            unexpected_rows_query=(f"SELECT {cols}, COUNT(*) AS records FROM {{batch}} WHERE "
                                   f"{not_null} GROUP BY {cols} HAVING COUNT(*) < {profile_k}"),
            description=f"k-anonymity (k={profile_k}) on {', '.join(key_vars)}"))
    suite_name = name or f"datasafe-{os.path.basename(fres.path)}"
    return {
        "name": suite_name,
        "expectations": exps,
        "meta": {"datasafe": {"profile": result.profile, "source": os.path.basename(fres.path),
                              "table": table.name, "key_variables": key_vars, "k": profile_k,
                              "columns_not_guaranteed": not_guaranteed,
                              "generated_by": "datasafe gx export"}},
        "notes": "Generated by datasafe from a scan of the de-identified file. Regex "
                 "expectations assume columns loaded as text (as datasafe reads them).",
    }


def _sql_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass
class GXReport:
    """Outcome of validating a frame against an exported suite: no raw values, only counts."""

    success: bool
    failures: list[str] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        if self.success:
            return "all expectations met"
        return "\n".join(self.failures)


def _describe(exp_type: str, kwargs: dict[str, Any], observed: Any) -> str:
    col = kwargs.get("column")
    where = f"column '{col}'" if col else "table"
    if exp_type == "unexpected_rows_expectation":
        return (f"{where}: {observed} key combination(s) are shared by fewer records than "
                f"k-anonymity allows ({kwargs.get('description', '')})")
    if exp_type == "expect_table_columns_to_match_set":
        return "table: the column set changed (an identifier column may have come back)"
    return f"{where}: {observed} value(s) break {exp_type}"


def validate_dataframe(df, suite_doc: dict[str, Any]) -> GXReport:
    """Validate a DataFrame against an exported suite with the real great-expectations:
    pandas expectations on a pandas data source, the k-anonymity query on a temporary SQLite
    copy. Only counts are requested, so failures never show raw values."""
    import logging

    gx_log = logging.getLogger("great_expectations")
    level = gx_log.level
    gx_log.setLevel(logging.ERROR)  # its warnings, for the time of this call only
    try:
        return _validate(df, suite_doc)
    finally:
        gx_log.setLevel(level)


def _validate(df, suite_doc: dict[str, Any]) -> GXReport:
    gx, gxe = _gx()
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    ctx = gx.get_context(mode="ephemeral")
    try:  # no progress bars on the user's terminal
        from great_expectations.data_context.types.base import ProgressBarsConfig

        ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    except Exception:  # noqa: BLE001 - cosmetic only
        pass
    pandas_doc = dict(suite_doc)
    sql_exps = [e for e in suite_doc["expectations"] if e["type"] == "unexpected_rows_expectation"]
    pandas_doc["expectations"] = [e for e in suite_doc["expectations"] if e not in sql_exps]
    fmt = {"result_format": "BASIC", "partial_unexpected_count": 0}
    report = GXReport(success=True)

    suite = gx.ExpectationSuite(**pandas_doc)
    src = ctx.data_sources.add_pandas("datasafe_pandas")
    batch = src.add_dataframe_asset("frame").add_batch_definition_whole_dataframe(
        "whole").get_batch(batch_parameters={"dataframe": df})
    res = batch.validate(suite, result_format=fmt)
    for r in res.results:
        cfg = r.expectation_config
        kwargs = dict(cfg.kwargs)
        observed = r.result.get("unexpected_count", r.result.get("observed_value"))
        entry = {"type": cfg.type, "column": kwargs.get("column"), "success": bool(r.success),
                 "unexpected_count": r.result.get("unexpected_count")}
        report.results.append(entry)
        if not r.success:
            report.success = False
            col = kwargs.get("column")
            if col is not None and col not in df.columns:
                report.failures.append(f"column '{col}': missing from the data, so "
                                       f"{cfg.type} cannot be checked")
            else:
                report.failures.append(_describe(cfg.type, kwargs, observed))
    for e in list(sql_exps):
        # SQLite reads a quoted name it cannot find as a string: GROUP BY a constant, and the
        # k-anonymity check would pass on a copy that renamed or lost a key variable
        missing = [c for c in (e.get("meta") or {}).get("key_variables") or []
                   if c not in df.columns]
        if missing:
            sql_exps.remove(e)
            report.success = False
            report.results.append({"type": e["type"], "column": None, "success": False,
                                   "unexpected_count": None})
            report.failures.append(
                "table: key variable(s) " + ", ".join(f"'{c}'" for c in missing)
                + " missing from the data, so k-anonymity cannot be checked")
    if sql_exps:
        import sqlite3

        with tempfile.TemporaryDirectory(prefix="datasafe-gx-") as tmp:
            db = os.path.join(tmp, "batch.db")
            con = sqlite3.connect(db)
            try:
                df.astype("object").where(df.notna(), None).to_sql("batch", con, index=False)
            finally:
                con.close()
            sql = ctx.data_sources.add_sqlite("datasafe_sqlite", connection_string=f"sqlite:///{db}")
            sbatch = sql.add_table_asset("batch", table_name="batch") \
                .add_batch_definition_whole_table("whole").get_batch()
            for e in sql_exps:
                exp = gxe.UnexpectedRowsExpectation(
                    unexpected_rows_query=e["kwargs"]["unexpected_rows_query"],
                    description=e["kwargs"].get("description"))
                r = sbatch.validate(exp, result_format="BOOLEAN_ONLY")
                observed = (r.result or {}).get("observed_value")
                if observed is None:
                    r2 = sbatch.validate(exp)
                    observed = (r2.result or {}).get("observed_value")
                report.results.append({"type": e["type"], "column": None,
                                       "success": bool(r.success), "unexpected_count": observed})
                if not r.success:
                    report.success = False
                    report.failures.append(_describe(e["type"], e["kwargs"], observed))
            sql_engine = getattr(sql, "get_engine", None)
            if callable(sql_engine):  # release the SQLite file before the folder goes
                try:
                    sql_engine().dispose()
                except Exception:  # noqa: BLE001
                    pass
    return report


def export_suite(path: str | os.PathLike, output: str | os.PathLike, *, profile: str | None = None,
                 sheet: str | None = None, key_vars: list[str] | None = None) -> dict[str, Any]:
    """Scan a de-identified file and write its GX suite (atomically). Returns the suite."""
    from datasafe.atomic import write_text
    from datasafe.pipeline import ScanOptions, scan
    from datasafe.read import read_tables

    options = ScanOptions(profile=profile, key_vars=key_vars)
    result = scan(str(path), options=options)
    fres = result.files[0]
    if fres.error:
        from datasafe.read import ReadError

        raise ReadError(path, fres.error)
    index = 0
    if sheet is not None:
        names = [t.name for t in fres.tables]
        if sheet not in names:
            raise ValueError(f"no sheet named {sheet!r}")
        index = names.index(sheet)
    tables = read_tables(path)
    doc = build_suite(result, table_index=index, data=tables[index].data)
    write_text(output, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
    return doc


@dataclass
class DatasafeBatchResult:
    """datasafe's own checks on a GX batch, shaped like a GX validation result."""

    success: bool
    findings: list[dict[str, Any]]
    sensitivity: str
    statistics: dict[str, int]

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "success": self.success,
            "statistics": self.statistics,
            "meta": {"validator": "datasafe", "sensitivity": self.sensitivity},
            "results": [
                {"success": not f.get("fails"),
                 "expectation_config": {"type": f"datasafe:{f['check']}",
                                        "kwargs": {"column": f.get("column")},
                                        "severity": f["severity"]},
                 "result": {"message": f["message"], "fix": f.get("fix")}}
                for f in self.findings
            ],
        }


def check_batch(batch, *, profile: str = "hdx-public", fail_on: str | None = None,
                **scan_options: Any) -> DatasafeBatchResult:
    """Run datasafe's checks on a GX batch (pandas) or a DataFrame. ``success`` is False when a
    finding reaches the profile's failing severity, so a GX checkpoint action can stop the load."""
    df = batch
    data = getattr(batch, "data", None)
    if data is not None and hasattr(data, "dataframe"):
        df = data.dataframe
    elif hasattr(batch, "head_df"):  # pragma: no cover - other batch shapes
        df = batch.head_df
    from datasafe.checking.core import enabled
    from datasafe.checking.registry import all_checks
    from datasafe.model import SEVERITY_RANK
    from datasafe.pipeline import scan
    from datasafe.profiles import load_profile

    result = scan(df, profile=profile, fail_on=fail_on, **scan_options)
    limit = SEVERITY_RANK.get(result.fail_on, 3)
    findings = []
    for f in result.findings:
        d = f.to_dict()
        # a finding below the failing severity is a note, not an unmet expectation
        d["fails"] = f.accepted is None and SEVERITY_RANK[f.severity] >= limit
        findings.append(d)
    failing = result.exit_code != 0
    # GX statistics count expectations: here, the profile's checks, and those with a
    # finding at the failing severity
    prof = load_profile(profile or result.profile)  # a path stays a path (its name is no key)
    evaluated = sum(1 for cid in all_checks() if enabled(prof, cid))
    unmet = len({d["check"] for d in findings if d["fails"]})
    return DatasafeBatchResult(
        success=not failing,
        findings=findings,
        sensitivity=result.summary.sensitivity,
        statistics={"evaluated_checks": evaluated, "unsuccessful_checks": unmet,
                    "successful_checks": evaluated - unmet, "findings": len(findings)},
    )
