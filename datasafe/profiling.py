"""Profiling: structural statistics of every column, computed by vectorised passes over the whole
column, plus a deterministic (seeded) sample of distinct non-empty values for the detectors: the
values with the smallest seeded hash, so the sample does not depend on row order or on how the
rows are split into batches or partitions.

The sample holds raw values: it lives in memory only and is never serialised.
"""

from __future__ import annotations

import re

from datasafe.model import ColumnResult, ColumnStats, TableResult
from datasafe.read import Table

SAMPLE_SIZE = 500
SEED = 20211001  # fixed: the same file gives the same sample, run after run
HASH_KEY = f"datasafe{SEED:08d}"  # 16 bytes: the key of the seeded value hash

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
            (len(v) > 1 and v[0] == "0") or v[0] == "+" for v in vals if _INT.match(v)):
        return "integer"  # a leading 0 or + is an identifier or a phone number, not a count
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


def _text_array(s):
    """A pandas column of text → a pyarrow string array (zero-copy for the ``str`` dtype)."""
    import pyarrow as pa

    try:
        arr = pa.array(s.array) if str(s.dtype) == "str" else None
    except (pa.ArrowException, TypeError, ValueError):
        arr = None
    if arr is None:
        from datasafe.read import array_to_text

        try:
            arr = array_to_text(pa.array(s, from_pandas=True))
        except (pa.ArrowException, TypeError, ValueError):
            arr = pa.array([None if v is None or v != v else str(v) for v in s.tolist()],
                           pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    return arr


def value_hashes(values):
    """Seeded 64-bit hash of each text value (a pyarrow string array): the same value gets the
    same hash in every file, partition and run."""
    import numpy as np
    import pandas as pd

    obj = np.asarray(values.to_numpy(zero_copy_only=False), dtype=object)
    return pd.util.hash_array(obj, hash_key=HASH_KEY, categorize=False)


def bottom_k(hashes, k: int = SAMPLE_SIZE):
    """Indices of the ``k`` values with the smallest hashes, in hash order."""
    import numpy as np

    n = len(hashes)
    if n > k:
        idx = np.argpartition(hashes, k - 1)[:k]
    else:
        idx = np.arange(n)
    return idx[np.argsort(hashes[idx], kind="stable")]


def sample_distinct(uniques, k: int = SAMPLE_SIZE) -> list[str]:
    """The sample of a column's distinct non-empty values: the ``k`` with the smallest seeded
    hash, in hash order. Independent of row order and of how the rows are split into batches
    or partitions (the bottom-k of a union is the bottom-k of the parts' bottom-k), so the
    streaming and distributed engines draw exactly the same sample."""
    if len(uniques) == 0:
        return []
    h = value_hashes(uniques)
    return uniques.take(bottom_k(h, k)).to_pylist()


def profile_column(table: Table, index: int) -> ColumnResult:
    """Vectorised statistics of one column (pyarrow compute over the whole column) and a
    seeded sample of its distinct non-empty values."""
    import pyarrow.compute as pc

    key = table.keys[index]
    s = table.data[key] if key in table.data.columns else None
    col = ColumnResult(name=table.headers[index], key=key, index=index,
                       hxl=(table.hxl[index] if table.hxl else None))
    rows = table.rows
    if s is None or rows == 0:
        col.stats = ColumnStats(rows=rows)
        return col
    if getattr(s, "ndim", 1) != 1:  # a repeated label in a hand-made frame
        s = s.iloc[:, 0]
    arr = _text_array(s)
    # non-empty: not null, not empty, not only whitespace (the readers already null those)
    nonnull = arr.drop_null()
    if len(nonnull):
        blank = pc.utf8_is_space(nonnull)
        if pc.any(blank).as_py():
            nonnull = nonnull.filter(pc.invert(blank))
        empty = pc.equal(pc.binary_length(nonnull), 0)
        if pc.any(empty).as_py():
            nonnull = nonnull.filter(pc.invert(empty))
    non_empty = len(nonnull)
    if non_empty == 0:
        col.stats = ColumnStats(rows=rows)
        return col
    lengths = pc.utf8_length(nonnull)
    mm = pc.min_max(lengths).as_py()
    uniques = pc.unique(nonnull)
    distinct = len(uniques)
    col.sample = sample_distinct(uniques)
    col.stats = ColumnStats(
        inferred_type=infer_type(col.sample),
        rows=rows,
        non_empty=int(non_empty),
        distinct=int(distinct),
        min_length=int(mm["min"]),
        max_length=int(mm["max"]),
        mean_length=float(pc.mean(lengths).as_py()),
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
