"""The partitioned scan: the same profile, detection and risk as the local engine, computed from
record batches (partitions) whose partial results merge.

A *partition* is a pandas DataFrame of text with the table's keys as columns and the records'
global row numbers (0-based, in file order) as its index — exactly a slice of the ``Table.data``
that the local engine would hold. Three passes:

1. **profile** (:func:`profile_part` / :func:`merge_profiles`): per column the non-empty count,
   lengths, the seeded bottom-k distinct sample with exact counts (the bottom-k of a union is
   the bottom-k of the parts' bottom-k), the distinct values' 64-bit hashes (counted exactly
   at the end: spilled to disk by the streaming engine, a distributed ``drop_duplicates`` in
   dask), and a bounded row sample (the ``ROW_SAMPLE`` rows whose seeded row-number hash is
   smallest, kept in file order) on which detection's value frequencies, the choice of key
   variables/weight/household id and the checks run. A table of at most ``ROW_SAMPLE`` rows is
   its own row sample, so everything then equals the local engine.
2. **frequencies** (:func:`freq_frame` → :func:`group_freq`, :func:`pair_frame` →
   :func:`group_pairs`): the frequency table of key combinations (missing as its own value):
   records, first record, weight sum; plus one (combination, sensitive value) table per
   sensitive column for l-diversity. The streaming engine spills them split by combination
   into buckets and groups one bucket at a time; dask groups them with its shuffle.
3. **households**, only with a household id (:func:`household_hashes`): each record's risk is
   a function of its combination, so households sum ``log(1 - r)`` of their records' risks
   (dask: one more pass, :func:`household_frame`; streaming: the (combination, household) of
   every record spilled in pass 2 and joined bucket by bucket).

:mod:`datasafe.engines.risk` turns the tables, bucket by bucket, into the same ``RiskResult``
as ``datasafe.risk.assess_table`` (sdcMicro's measures, missing values matching any category).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PART_THREADED_CELLS = 500_000  # a partition's columns are profiled a column per core above this
ROW_SAMPLE = 100_000  # rows kept for detection's frequencies, key choice and checks
_ROW_KEY = "datasafe-rows0001"[:16]
_COMBO_KEY = "datasafe-combo01"


# ---------------------------------------------------------------------------------------------
# Pass 1: profile


@dataclass
class ColumnPart:
    non_empty: int = 0
    min_len: int | None = None
    max_len: int | None = None
    sum_len: int = 0
    bottom: Any = None  # {"value", "hash", "count"} arrays, at most SAMPLE_SIZE, by hash
    hashes: Any = None  # uint64 hashes of the part's distinct values (None once spilled)


@dataclass
class ProfilePart:
    rows: int = 0
    columns: list[ColumnPart] = field(default_factory=list)
    sample: Any = None  # DataFrame: the row sample (row number index)
    sample_hash: Any = None  # uint64 row-number hashes of the sample rows


def _nonempty(s, blanks_nulled: bool = False):
    """Non-empty text values of one partition column as a pyarrow string array (the profiler's
    definition: not null, not empty, not whitespace only). ``blanks_nulled``: the source
    already made empty and whitespace-only cells null (the CSV batches)."""
    from datasafe.profiling import _text_array, nonblank_values

    return nonblank_values(_text_array(s), blanks_nulled)


def _bottom(values, hashes, counts, k: int) -> dict:
    """The ``k`` values with the smallest hashes, in hash order: arrays ``value`` (objects),
    ``hash`` and ``count``. Only those ``k`` values become Python objects."""
    import numpy as np
    import pyarrow as pa

    from datasafe.profiling import bottom_k

    idx = bottom_k(hashes, k)
    if isinstance(values, (pa.Array, pa.ChunkedArray)):
        vals = values.take(pa.array(idx, type=pa.int64())).to_numpy(zero_copy_only=False)
    else:
        vals = np.asarray(values, dtype=object)[idx]
    return {"value": np.asarray(vals, dtype=object), "hash": hashes[idx],
            "count": np.asarray(counts, dtype=np.int64)[idx]}


def _merge_bottom(parts: list[dict], k: int) -> dict:
    """Bottom-k of the union of bottom-k samples: counts of the same value (hash) added."""
    import numpy as np

    if len(parts) == 1:
        return parts[0]
    h = np.concatenate([p["hash"] for p in parts])
    uh, first, inv = np.unique(h, return_index=True, return_inverse=True)
    counts = np.zeros(len(uh), dtype=np.int64)
    np.add.at(counts, inv.ravel(), np.concatenate([p["count"] for p in parts]))
    values = np.concatenate([p["value"] for p in parts])
    return {"value": values[first[:k]], "hash": uh[:k], "count": counts[:k]}


def row_hashes(index):
    import numpy as np
    import pandas as pd

    return pd.util.hash_array(np.asarray(index, dtype=np.int64), hash_key=_ROW_KEY)


def profile_part(df, keep_hashes: bool = True, below=None,
                 blanks_nulled: bool = False) -> ProfilePart:
    """Pass 1 on one partition. ``below``: the largest row hash of a full row sample merged so
    far; rows above it cannot enter the sample and are not copied. ``blanks_nulled``: see
    :func:`_nonempty`."""
    import numpy as np
    import pyarrow.compute as pc

    from datasafe.concurrency import map_on_cores
    from datasafe.profiling import SAMPLE_SIZE, length_stats, value_hashes

    def column(key) -> ColumnPart:
        cp = ColumnPart()
        arr = _nonempty(df[key], blanks_nulled)
        cp.non_empty = len(arr)
        if len(arr):
            cp.min_len, cp.max_len, cp.sum_len = length_stats(arr)
            vc = pc.value_counts(arr)
            values = vc.field("values")
            h = value_hashes(values)
            cp.bottom = _bottom(values, h, vc.field("counts").to_numpy(), SAMPLE_SIZE)
            cp.hashes = h if keep_hashes else None
        return cp

    part = ProfilePart(rows=len(df))
    # a column per core on big batches (value counts and hashes are GIL-free kernels)
    part.columns = map_on_cores(column, list(df.columns),
                                big=len(df) * len(df.columns) >= PART_THREADED_CELLS)
    rh = row_hashes(df.index)
    if below is not None:
        cand = np.flatnonzero(rh <= np.uint64(below))
        idx = np.sort(cand[np.argsort(rh[cand], kind="stable")[:ROW_SAMPLE]])
    else:
        idx = np.sort(np.argsort(rh, kind="stable")[:ROW_SAMPLE])
    part.sample = df.iloc[idx]
    part.sample_hash = rh[idx]
    return part


def merge_profiles(a: ProfilePart, b: ProfilePart) -> ProfilePart:
    """Merge two partial profiles (associative; the order of parts does not matter)."""
    import numpy as np

    from datasafe.profiling import SAMPLE_SIZE

    if a is None:
        return b
    if b is None:
        return a
    out = ProfilePart(rows=a.rows + b.rows)
    for ca, cb in zip(a.columns, b.columns):
        c = ColumnPart(non_empty=ca.non_empty + cb.non_empty, sum_len=ca.sum_len + cb.sum_len)
        mins = [x for x in (ca.min_len, cb.min_len) if x is not None]
        maxs = [x for x in (ca.max_len, cb.max_len) if x is not None]
        c.min_len = min(mins) if mins else None
        c.max_len = max(maxs) if maxs else None
        bottoms = [f for f in (ca.bottom, cb.bottom) if f is not None]
        if bottoms:
            c.bottom = _merge_bottom(bottoms, SAMPLE_SIZE)
        hs = [h for h in (ca.hashes, cb.hashes) if h is not None]
        c.hashes = np.unique(np.concatenate(hs)) if hs else None
        out.columns.append(c)
    pieces = [(p.sample, p.sample_hash) for p in (a, b) if p.sample is not None]
    if pieces:
        out.sample, out.sample_hash = select_sample(pieces)
    return out


def select_sample(pieces):
    """The row sample of ``(rows, row hashes)`` pieces: the ``ROW_SAMPLE`` rows with the
    smallest hashes, in row-number order."""
    import numpy as np
    import pandas as pd

    sample = pd.concat([s for s, _ in pieces]) if len(pieces) > 1 else pieces[0][0]
    rh = np.concatenate([h for _, h in pieces])
    keep = np.sort(np.argsort(rh, kind="stable")[:ROW_SAMPLE])
    order = np.argsort(sample.index.to_numpy()[keep], kind="stable")
    return sample.iloc[keep[order]], rh[keep[order]]


def table_result(prof: ProfilePart, name, headers, keys, hxl, distinct: list[int], *,
                 header_row=None, hxl_row=None, notes=()):
    """The ``TableResult`` (stats and samples) of a merged profile, and the row-sample
    ``Table`` that detection, key choice and checks read."""
    from datasafe.model import ColumnResult, ColumnStats, TableResult
    from datasafe.profiling import infer_type
    from datasafe.read import Table

    sample = prof.sample
    if sample is None:
        import pandas as pd

        sample = pd.DataFrame({k: pd.Series([], dtype="str") for k in keys})
    sample = sample.reset_index(drop=True)
    table = Table(name=name, data=sample, headers=list(headers), keys=list(keys), hxl=hxl,
                  header_row=header_row, hxl_row=hxl_row)
    res = TableResult(name=name, rows=prof.rows, header_row=header_row, hxl_row=hxl_row,
                      notes=list(notes))
    for i, (key, cp) in enumerate(zip(keys, prof.columns)):
        col = ColumnResult(name=headers[i], key=key, index=i, hxl=(hxl[i] if hxl else None))
        if cp.non_empty == 0 or prof.rows == 0:
            col.stats = ColumnStats(rows=prof.rows)
        else:
            col.sample = cp.bottom["value"].tolist()
            col.stats = ColumnStats(
                inferred_type=infer_type(col.sample), rows=prof.rows,
                non_empty=int(cp.non_empty), distinct=int(distinct[i]),
                min_length=int(cp.min_len), max_length=int(cp.max_len),
                mean_length=float(cp.sum_len / cp.non_empty))
        res.columns.append(col)
    return res, table


# ---------------------------------------------------------------------------------------------
# Pass 2: frequency tables


@dataclass
class RiskPlan:
    """What pass 2 and 3 need: the key columns, the weight and household columns, the
    sensitive columns, the missing-value tokens, and the value dictionaries (``coders``)."""

    keys: list[str]
    weight: str | None = None
    household: str | None = None
    sensitive: list[str] = field(default_factory=list)
    missing: tuple = ()
    coders: dict = field(default_factory=dict)  # column key → KeyCoder
    bases: list[int] = field(default_factory=list)  # mixed radix of the combination key

    @property
    def packed(self) -> bool:
        """True when a combination fits one int64 (else a 64-bit hash of its codes)."""
        total = 1
        for b in self.bases:
            total *= b
        return total < (1 << 62)


def normalise(s, missing):
    """Text as the risk measures compare it: spaces stripped, missing tokens → None."""
    t = s.astype("str").str.strip() if len(s) else s.astype("str")
    miss = t.isna() | t.isin(list(missing))
    return t.astype(object).where(~miss, None) if miss.any() else t.astype(object)


class KeyCoder:
    """Integer codes of one column's normalised values (``-1`` = missing): a dictionary that
    grows as batches arrive (streaming), or fixed from the column's sorted distinct values
    (dask, so that every partition codes alike)."""

    def __init__(self, values=None):
        import pandas as pd

        self.values: list = [] if values is None else list(values)
        self.index = pd.Index(self.values, dtype=object)

    def encode(self, s, missing):
        import numpy as np
        import pandas as pd

        raw, uniq = pd.factorize(s, use_na_sentinel=True)  # on the raw text: fast
        norm = normalise(pd.Series(np.asarray(uniq, dtype=object), dtype=object), missing)
        ok = norm.notna().to_numpy()
        vals = norm[ok]
        vcodes, vuniq = pd.factorize(vals.to_numpy(dtype=object)) if len(vals) else (
            np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object))
        pos = self.index.get_indexer(pd.Index(vuniq, dtype=object)) if len(vuniq) else \
            np.zeros(0, dtype=np.int64)
        new = np.flatnonzero(pos < 0)
        if len(new):
            start = len(self.values)
            self.values.extend(vuniq[new].tolist())
            self.index = pd.Index(self.values, dtype=object)
            pos[new] = np.arange(start, start + len(new))
        mapping = np.full(len(uniq) + 1, -1, dtype=np.int64)
        mapping[np.flatnonzero(ok)] = pos.astype(np.int64)[vcodes]
        return mapping[raw]

    def __len__(self) -> int:
        return len(self.values)


def combo_keys(df, plan: RiskPlan):
    """Codes (n × p, int64, ``-1`` missing) of the key columns and one int64 combination key
    per record (mixed radix of ``code + 1``; a 64-bit hash when the radix would overflow)."""
    import numpy as np

    from datasafe.concurrency import map_on_cores

    n = len(df)
    codes = np.empty((n, len(plan.keys)), dtype=np.int64)
    # a column per core on big batches: each column has its own coder (factorize is GIL-free
    # on Arrow-backed text)
    encoded = map_on_cores(lambda c: plan.coders[c].encode(df[c], plan.missing), plan.keys,
                           big=n * len(plan.keys) >= PART_THREADED_CELLS)
    for j, col in enumerate(encoded):
        codes[:, j] = col
    return codes, codes_key(codes, plan)


def codes_key(codes, plan: RiskPlan):
    """The combination key of rows of codes (see :func:`combo_keys`)."""
    import numpy as np
    import pandas as pd

    n = codes.shape[0]
    if plan.packed:
        key = np.zeros(n, dtype=np.int64)
        for j, base in enumerate(plan.bases):
            key = key * base + (codes[:, j] + 1)
        return key
    return pd.util.hash_pandas_object(pd.DataFrame(codes), index=False,
                                      hash_key=_COMBO_KEY).to_numpy().view(np.int64)


def decode_keys(key, plan: RiskPlan):
    """Codes (g × p) of packed combination keys."""
    import numpy as np

    key = np.asarray(key, dtype=np.int64).copy()
    out = np.empty((len(key), len(plan.bases)), dtype=np.int64)
    for j in range(len(plan.bases) - 1, -1, -1):
        key, r = np.divmod(key, plan.bases[j])
        out[:, j] = r - 1
    return out


def _weights_text(s):
    import numpy as np
    import pandas as pd

    from datasafe.risk.measures import _to_float

    w = _to_float(pd.Series(s))
    ok = np.isfinite(w) & (w > 0)
    return w, ok


def freq_frame(df, plan: RiskPlan, ck=None):
    """One row per record: its combination ``key``, ``__n`` = 1, ``__first`` = the row number,
    with a weight ``__w`` (the valid weight, else 0) and ``__bad``; when the key is a hash,
    the codes ``c0..cp`` too. ``ck``: the partition's :func:`combo_keys` when already known."""
    import numpy as np
    import pandas as pd

    codes, key = combo_keys(df, plan) if ck is None else ck
    k = pd.DataFrame({"key": key, "__n": np.ones(len(df), dtype=np.int64),
                      "__first": df.index.to_numpy(dtype=np.int64)})
    if plan.weight is not None:
        w, ok = _weights_text(df[plan.weight])
        k["__w"] = np.where(ok, w, 0.0)
        k["__bad"] = (~ok).astype(np.int64)
    if not plan.packed:
        for j in range(codes.shape[1]):
            k[f"c{j}"] = codes[:, j]
    return k


def pair_frame(df, plan: RiskPlan, j: int, ck=None):
    """One row per record: its combination key and the code of the ``j``-th sensitive
    column's value."""
    import numpy as np
    import pandas as pd

    _, key = combo_keys(df, plan) if ck is None else ck
    s = plan.sensitive[j]
    return pd.DataFrame({"key": key, "__s": plan.coders[s].encode(df[s], plan.missing),
                         "__n": np.ones(len(df), dtype=np.int64)})


def weight_values(df, plan: RiskPlan):
    """The valid weights of one partition (float Series)."""
    import pandas as pd

    w, ok = _weights_text(df[plan.weight])
    return pd.Series(w[ok], dtype=float, name="w")


FREQ_AGG = {"__n": "sum", "__first": "min", "__w": "sum", "__bad": "sum"}


def _agg_spec(columns):
    return {c: FREQ_AGG.get(c, "first") for c in columns if c not in ("key", "__s")}


def group_freq(frame):
    return frame.groupby("key", sort=False).agg(_agg_spec(frame.columns)).reset_index()


def group_pairs(frame):
    return frame.groupby(["key", "__s"], sort=False)["__n"].sum().reset_index()


# ---------------------------------------------------------------------------------------------
# Pass 3: households


def household_hashes(df, plan: RiskPlan):
    """Each record's household: a 64-bit hash of its normalised id (uint64), and whether it
    has none (``lone``: a household of its own)."""
    import numpy as np
    import pandas as pd

    raw, uniq = pd.factorize(df[plan.household], use_na_sentinel=True)
    norm = normalise(pd.Series(np.asarray(uniq, dtype=object), dtype=object), plan.missing)
    uh = np.zeros(len(uniq) + 1, dtype=np.uint64)
    ok = norm.notna().to_numpy()
    uh[np.flatnonzero(ok)] = pd.util.hash_array(norm[ok].to_numpy(dtype=object),
                                                hash_key=_COMBO_KEY)
    valid = np.append(ok, False)
    return uh[raw], ~valid[raw]


def household_keys(df, plan: RiskPlan):
    """One row per record: its combination ``key`` and its household ``h`` (a 64-bit hash of
    the normalised id; a record without one is a household of its own, keyed by its row
    number)."""
    import numpy as np
    import pandas as pd

    _, key = combo_keys(df, plan)
    hh, lone = household_hashes(df, plan)
    hh[lone] = pd.util.hash_array(np.char.add("row:", df.index.to_numpy()[lone].astype(str)
                                              ).astype(object), hash_key=_COMBO_KEY)
    return pd.DataFrame({"key": key, "h": hh})


def class_weights(freq, wmed: float | None):
    """Weight sum of each combination, invalid weights counted at the median ``wmed``."""
    return freq["__w"].to_numpy(dtype=float) + freq["__bad"].to_numpy(dtype=float) * (
        wmed if wmed is not None else 0.0)


def class_risk(pcnt, pw=None):
    """Record risk of combinations without missing key values: sdcMicro's individual risk with
    weight sums ``pw``, ``1/fk`` without."""
    import numpy as np

    from datasafe.risk.measures import individual_risk

    if pw is not None:
        return individual_risk(pcnt, pw)
    return np.divide(1.0, pcnt, out=np.zeros_like(pcnt), where=pcnt > 0)


def combination_risk(freq, plan: RiskPlan, wmed: float | None):
    """``key`` and ``risk`` of each combination of a grouped frequency table without missing
    key values (what :meth:`RiskAccumulator.bucket` computes for them)."""
    import numpy as np
    import pandas as pd

    pcnt = freq["__n"].to_numpy(dtype=float)
    risk = class_risk(pcnt, class_weights(freq, wmed) if plan.weight is not None else None)
    return pd.DataFrame({"key": freq["key"].to_numpy(), "risk": np.asarray(risk, dtype=float)})


def log_not_identified(risk):
    """``log(1 - r)`` of record risks (clipped to [0, 1]; ``-inf`` for a certain record): a
    household's records sum these, its risk is ``1 - exp(sum)``."""
    import numpy as np

    with np.errstate(divide="ignore"):
        return np.log1p(-np.clip(np.asarray(risk, dtype=float), 0.0, 1.0))


def household_logs(frame):
    """``(h, risk)`` records → per household: the sum of ``log(1 - r)`` and the records."""
    import numpy as np
    import pandas as pd

    out = pd.DataFrame({"h": frame["h"].to_numpy(), "log": log_not_identified(frame["risk"]),
                        "n": np.ones(len(frame), dtype=np.int64)})
    return out.groupby("h", sort=False).sum().reset_index()


def household_frame(df, plan: RiskPlan, lookup):
    """Pass 3, one row per record: its household (:func:`household_keys`), ``log(1 - r)`` of
    its risk and ``n`` = 1."""
    import numpy as np
    import pandas as pd

    keys_sorted, risk_sorted = lookup  # from datasafe.engines.risk.RiskAccumulator.bucket
    hk = household_keys(df, plan)
    r = risk_sorted[np.searchsorted(keys_sorted, hk["key"].to_numpy())]
    return pd.DataFrame({"h": hk["h"].to_numpy(), "log": log_not_identified(r),
                         "n": np.ones(len(df), dtype=np.int64)})
