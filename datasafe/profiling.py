"""Profiling: structural statistics of every column, computed by vectorised passes over the whole
column, plus a deterministic (seeded) sample of distinct non-empty values for the detectors.

The sample holds raw values: it lives in memory only and is never serialised.
"""

from __future__ import annotations

import re

from datasafe.model import ColumnResult, ColumnStats, TableResult
from datasafe.read import Table

SAMPLE_SIZE = 500
SEED = 20211001  # fixed: the same file gives the same sample, run after run

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+[.,]\d*|\d*[.,]\d+)([eE][+-]?\d+)?$")
_BOOL = {"true", "false", "yes", "no", "oui", "non", "si", "sí", "y", "n", "vrai", "faux"}
_DATE = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def infer_type(values: list[str]) -> str:
    """Type of a column from its sampled distinct values (the dominant shape, >= 90 %)."""
    vals = [v.strip() for v in values if v is not None and v.strip()]
    if not vals:
        return "empty"
    n = len(vals)

    def share(pred) -> float:
        return sum(1 for v in vals if pred(v)) / n

    if share(lambda v: bool(_INT.match(v))) >= 0.9 and not any(
            len(v) > 1 and v[0] == "0" for v in vals if _INT.match(v)):
        return "integer"
    if share(lambda v: bool(_INT.match(v) or _FLOAT.match(v))) >= 0.9:
        return "float" if any(_FLOAT.match(v) for v in vals) else "string"
    if share(lambda v: v.lower() in _BOOL) >= 0.95:
        return "boolean"
    if share(lambda v: bool(_DATETIME.match(v))) >= 0.9:
        return "datetime"
    if share(lambda v: bool(_DATE.match(v))) >= 0.9:
        return "date"
    words = sum(len(v.split()) for v in vals) / n
    mean_len = sum(len(v) for v in vals) / n
    if words >= 4 and mean_len >= 25:
        return "text"
    return "string"


def profile_column(table: Table, index: int) -> ColumnResult:
    key = table.keys[index]
    s = table.data[key] if key in table.data.columns else None
    col = ColumnResult(name=table.headers[index], key=key, index=index,
                       hxl=(table.hxl[index] if table.hxl else None))
    rows = table.rows
    if s is None or rows == 0:
        col.stats = ColumnStats(rows=rows)
        return col
    nonnull = s.dropna()
    stripped = nonnull.str.strip()
    nonnull = nonnull[stripped != ""]
    non_empty = int(len(nonnull))
    if non_empty == 0:
        col.stats = ColumnStats(rows=rows)
        return col
    lengths = nonnull.str.len()
    uniques = nonnull.drop_duplicates()
    distinct = int(len(uniques))
    if distinct > SAMPLE_SIZE:
        sample = uniques.sample(n=SAMPLE_SIZE, random_state=SEED)
    else:
        sample = uniques
    col.sample = [str(v) for v in sample.tolist()]
    col.stats = ColumnStats(
        inferred_type=infer_type(col.sample),
        rows=rows,
        non_empty=non_empty,
        distinct=distinct,
        min_length=int(lengths.min()),
        max_length=int(lengths.max()),
        mean_length=float(lengths.mean()),
    )
    return col


def profile_table(table: Table) -> TableResult:
    result = TableResult(
        name=table.name,
        rows=table.rows,
        hidden=table.hidden,
        header_row=table.header_row,
        hxl_row=table.hxl_row,
        ragged_rows=table.ragged_rows,
        notes=list(table.notes),
    )
    result.columns = [profile_column(table, i) for i in range(len(table.keys))]
    return result
