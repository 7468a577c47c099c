"""Re-identification risk measures with sdcMicro's definitions, vectorised with numpy/pandas.

Every function here works on a pandas DataFrame (any dtypes; datasafe's tables hold text) and
returns one value per record, in record order, so that redaction can reuse them.

Definitions (sdcMicro, sdcTools/sdcMicro):

- ``fk``: sample frequency of a record's key (combination of key-variable values), and
  ``Fk``: the sum of the sampling weights of the records sharing it (``freqCalc``,
  ``R/freqCalc.r``). Without weights every weight is 1, so ``Fk == fk``.
- **Missing values** in key variables (``freqCalc``, ``alpha = 1``): "a missing value stands for
  any of the possible categories of the variable considered". Two records *match* when, on
  every key variable, their values are equal or at least one of them is missing; ``fk`` of a
  record is the number of records that match it (itself included) and ``Fk`` their weight sum.
  A record whose key values are all missing therefore matches every record (``fk = n``).
- **Individual risk** (``indivRisk``, ``R/indivRisk.R``, method ``"approx"``, the default that
  ``measure_risk`` uses when a weight is given), with ``pk = fk / Fk``::

      fk == 1:  r = pk / (1 - pk) * log(1 / pk)
      fk == 2:  r = pk / (1 - pk) - (pk / (1 - pk))**2 * log(1 / pk)
      fk >= 3:  r = pk / (fk - (1 - pk))
      fk == Fk: r = 1 / fk          (the sample is the population)

  Without weights ``measure_risk`` calls ``indivRisk(survey = FALSE)``: ``r = 1 / fk``.
- **Global risk** (``measure_risk``, ``R/measure_risk.R``): ``global_risk_ER = sum(r)``, the
  expected number of re-identifications, and ``global_risk = sum(r) / n``.
- **Household (hierarchical) risk** (``measure_risk`` with ``hid``, ``fast_hier = TRUE``): every
  member of a household gets ``1 - prod(1 - r)`` over the household's members; ``hier_risk_ER``
  is the sum of that over *records* and ``hier_risk`` that sum divided by n.
- **k-anonymity** (``kAnon`` / ``print.freqCalc``): a record violates k-anonymity when
  ``fk < k``.
- **l-diversity** (``ldiversity``, ``src/Measure_Risk.h``): within each equivalence class, the
  number of distinct values of a sensitive variable (a missing value counts as one more value
  when other values exist), entropy l-diversity ``exp(-sum p log p)`` and recursive
  (c, l)-diversity with ``c = 2``.

Deviations, all documented where they apply: a record without a household id is treated as a
household of its own (sdcMicro drops it from the hierarchical sum, which understates the risk);
individual risks are clipped to [0, 1] (the approximation can leave that range only when weights
are below 1, i.e. invalid); l-diversity classes are exact key combinations (a missing key value is
its own category there).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

#: Text that counts as a missing value in a key variable (after stripping spaces), besides
#: empty cells. Configurable through the profile parameter ``missing_values``.
DEFAULT_MISSING = ("", "NA", "N/A", "#N/A", "NaN", "nan", "NULL", "null", "None", ".")

_MAX_RADIX = 1 << 62
THREADED_ROWS = 200_000  # key columns of tables this long are encoded a column per core
_DENSE_LOOKUP = 1 << 24  # key ranges up to this use a lookup table (≤ 128 MB of int64)
_DENSE_MIN_ROWS = 50_000  # ... when the side looked up is at least this long


# ---------------------------------------------------------------------------------------------
# Encoding


def encode_column(values: Any, missing: Iterable[str] = DEFAULT_MISSING):
    """Integer codes of one column: ``-1`` for a missing value, ``0..m-1`` for the categories.

    Values are compared as text with surrounding spaces removed. Returns ``(codes, m)``.
    """
    import pandas as pd

    s = values if isinstance(values, pd.Series) else pd.Series(values)
    raw, uniques = pd.factorize(s, use_na_sentinel=True)
    return _normalised_codes(raw, uniques, missing)


def encode_from_dictionary(codes: Any, dictionary: Any,
                           missing: Iterable[str] = DEFAULT_MISSING):
    """:func:`encode_column` from a dictionary encoding of the column (int codes per row, -1
    for null, in order of first appearance — what the profiler keeps): the same result
    without hashing the column again."""
    import numpy as np
    import pandas as pd

    uniques = pd.Series(dictionary.to_pylist(), dtype=object)
    return _normalised_codes(np.asarray(codes, dtype=np.int64), uniques, missing)


def _encode(data: Any, col: str, missing: tuple, dictionaries: dict | None):
    """:func:`encode_column` of ``data[col]``, from its dictionary codes when given."""
    pre = (dictionaries or {}).get(col)
    if pre is not None and len(pre[0]) == len(data):
        return encode_from_dictionary(pre[0], pre[1], missing)
    return encode_column(data[col], missing)


def _normalised_codes(raw, uniques, missing):
    """Raw codes (-1 = null) and their values → codes of the trimmed values with the missing
    markers as -1, and the number of categories."""
    import numpy as np
    import pandas as pd

    if len(uniques) == 0:
        return np.full(len(raw), -1, dtype=np.int64), 0
    if len(uniques) >= 10_000 and _already_normal(uniques, missing):
        # household ids, dates of birth: no value to trim, no missing marker — the raw codes
        # are the codes (250,000 household ids: 10 ms instead of 90 ms)
        return np.asarray(raw, dtype=np.int64), int(len(uniques))
    u = pd.Series(uniques).astype(str).str.strip()
    miss = set(missing)
    is_missing = u.isin(miss).to_numpy()
    norm_codes, norm_uniques = pd.factorize(u.where(~is_missing, None), use_na_sentinel=True)
    mapping = np.append(norm_codes.astype(np.int64), -1)  # raw -1 (NaN) -> index -1 -> -1
    codes = mapping[raw]
    return codes, int(len(norm_uniques))


def _already_normal(uniques, missing) -> bool:
    """Whether distinct text values are already what :func:`_normalised_codes` makes of them:
    none with surrounding spaces, none a missing marker (pyarrow kernels over the values)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        arr = pa.array(uniques, from_pandas=True)
    except (pa.ArrowException, TypeError, ValueError):
        return False
    if arr.null_count or not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return False
    trimmed = pc.utf8_trim_whitespace(arr)
    # only text markers can equal a text value (as in the isin of the general route)
    markers = pa.array([m for m in missing if isinstance(m, str)], arr.type)
    return bool(pc.all(pc.equal(trimmed, arr)).as_py()) and not pc.any(
        pc.is_in(trimmed, value_set=markers)).as_py()


def encode_keys(data: Any, key_vars: Sequence[str],
                missing: Iterable[str] = DEFAULT_MISSING,
                dictionaries: dict | None = None) -> tuple[Any, list[int]]:
    """Code matrix (n × p, int64, ``-1`` = missing) of the key variables, and their category
    counts. ``dictionaries``: column → (codes, dictionary) already computed for it (the
    profiler's), used instead of hashing the column again."""
    import numpy as np

    n = len(data)
    mat = np.empty((n, len(key_vars)), dtype=np.int64, order="F")  # column access is hot
    from datasafe.concurrency import map_on_cores

    missing = tuple(missing)
    # the hash passes release the GIL: one key column per core on long tables
    encoded = map_on_cores(lambda kv: _encode(data, kv, missing, dictionaries), key_vars,
                           big=n >= THREADED_ROWS)
    cards = []
    for j, (codes, m) in enumerate(encoded):
        mat[:, j] = codes
        cards.append(m)
    return mat, cards


def _combine(codes: Any, cards: Sequence[int], cols: Sequence[int]):
    """One int64 id per row for the combination of the given columns (missing = its own
    value). Mixed radix; re-factorised whenever the radix product could overflow."""
    import numpy as np
    import pandas as pd

    n = codes.shape[0]
    key = np.zeros(n, dtype=np.int64)
    radix = 1
    for j in cols:
        base = cards[j] + 1
        if radix * base >= _MAX_RADIX:
            key, uniq = pd.factorize(key)
            key = key.astype(np.int64)
            radix = len(uniq)
        key = key * base + (codes[:, j] + 1)
        radix *= base
    return key


def group_ids(codes: Any, cards: Sequence[int]) -> tuple[Any, int]:
    """Equivalence classes of exact key combinations (missing as its own value):
    ``(ids 0..g-1 per record, g)``. Ids follow the order of the combined key."""
    import numpy as np

    n = codes.shape[0]
    if codes.shape[1] == 0:
        return np.zeros(n, dtype=np.int64), 1 if n else 0
    return classes(_combine(codes, cards, range(codes.shape[1])))


def classes(key: Any) -> tuple[Any, int]:
    """Rows with equal keys (non-negative int64): ``(ids 0..g-1 per row, g)``, ids in the
    keys' order. Keys no larger than the number of rows are counted; otherwise, when a key
    and a row number fit in one 64-bit word they are packed and sorted — numpy's sort is
    several times faster than a hash table (1M rows, 1M classes: about 30 ms instead of
    150-200 ms for ``pandas.factorize``); wider keys are hashed."""
    import numpy as np
    import pandas as pd

    n = len(key)
    if n == 0:
        return np.zeros(0, dtype=np.int64), 0
    lo, hi = int(key.min()), int(key.max())
    if lo >= 0 and hi < n:
        # key space no larger than the table: a counting pass
        present = np.bincount(key, minlength=hi + 1) > 0
        rank = np.cumsum(present.view(np.int8), dtype=np.int64) - 1
        return rank[key].astype(np.int64), int(present.sum())
    row_bits = max(1, (n - 1).bit_length())
    if lo >= 0 and hi.bit_length() + row_bits <= 64:
        u = np.uint64
        packed = (key.astype(u) << u(row_bits)) | np.arange(n, dtype=u)
        packed.sort()
        rows = (packed & u((1 << row_bits) - 1)).astype(np.int64)
        packed >>= u(row_bits)
        new = np.empty(n, dtype=bool)
        new[0] = True
        np.not_equal(packed[1:], packed[:-1], out=new[1:])
        ids = np.empty(n, dtype=np.int64)
        ids[rows] = np.cumsum(new, dtype=np.int64) - 1
        return ids, int(new.sum())
    ids, uniq = pd.factorize(key)
    return ids.astype(np.int64), len(uniq)


# ---------------------------------------------------------------------------------------------
# Frequencies


def frequencies_from_codes(codes: Any, cards: Sequence[int], weights: Any = None,
                           ids: Any = None, n_groups: int | None = None):
    """``(fk, Fk)`` per record from a code matrix (see :func:`frequencies`); ``ids``/``n_groups``
    are the exact classes of :func:`group_ids` when already computed."""
    import numpy as np

    n, p = codes.shape
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if n == 0:
        return np.zeros(0), np.zeros(0)
    if ids is None:
        ids, n_groups = group_ids(codes, cards)
    g = n_groups
    miss = codes < 0
    if not miss.any():
        fk = np.bincount(ids, minlength=g).astype(float)[ids]
        Fk = np.bincount(ids, weights=w, minlength=g)[ids]
        return fk, Fk

    # Work on distinct key patterns (missing as its own value), then map back to records.
    pid, n_pat = ids, g
    first = np.full(n_pat, -1, dtype=np.int64)
    first[pid[::-1]] = np.arange(n - 1, -1, -1)
    pcodes = codes[first]
    pcnt = np.bincount(pid, minlength=n_pat).astype(float)
    pw = np.bincount(pid, weights=w, minlength=n_pat)
    pfk, pFk = _pattern_matches(pcodes, cards, pcnt, pw)
    return pfk[pid], pFk[pid]


def _pattern_matches(pcodes: Any, cards: Sequence[int], pcnt: Any, pw: Any):
    """fk/Fk of distinct patterns (missing as its own value) with missing values matching
    anything: a pattern of missing-mask A matches a pattern of mask B when they are equal on
    every variable missing in neither. Patterns are handled mask against mask; the smaller side
    of each pair is sorted and the larger one binary-searched into it, so a rare mask costs a
    pass over the common ones and nothing more."""
    import numpy as np

    n_pat, p = pcodes.shape
    bits = ((pcodes < 0).astype(np.int64) << np.arange(p, dtype=np.int64)).sum(axis=1)
    masks = np.unique(bits).tolist()
    rows = {a: np.flatnonzero(bits == a) for a in masks}
    fk = pcnt.astype(float).copy()  # a pattern matches itself; same-mask patterns are distinct
    Fk = pw.astype(float).copy()
    bases = [c + 1 for c in cards]
    total = 1
    for base in bases:
        total *= base
    if total < _MAX_RADIX:
        # One mixed-radix layout for every pair: a missing value (code -1) contributes 0, so
        # the key of a pair is the full key minus the columns missing on the other side only.
        strides = np.cumprod([1] + bases[:-1]).astype(np.int64)
        contrib = {a: np.asfortranarray((pcodes[rows[a]] + 1) * strides) for a in masks}
        full = {a: contrib[a].sum(axis=1) for a in masks}

        def pair_keys(a: int, b: int):
            ka = full[a]
            for j in range(p):
                if (b >> j) & 1 and not (a >> j) & 1:
                    ka = ka - contrib[a][:, j]
            return ka

        radix = total
        big = max(len(r) for r in rows.values())
        table = (np.full(total, -1, dtype=np.int64)
                 if total <= _DENSE_LOOKUP and big >= _DENSE_MIN_ROWS else None)
    else:
        table = None
        sub = {a: np.asfortranarray(pcodes[rows[a]]) for a in masks}
        radix = None

    for i, a in enumerate(masks):
        for b in masks[i + 1:]:
            ra, rb = rows[a], rows[b]
            if (a | b) == (1 << p) - 1:
                fk[ra] += pcnt[rb].sum()
                Fk[ra] += pw[rb].sum()
                fk[rb] += pcnt[ra].sum()
                Fk[rb] += pw[ra].sum()
                continue
            if radix is not None:
                ka, kb = pair_keys(a, b), pair_keys(b, a)
                r = table
            else:
                import pandas as pd

                cols = tuple(j for j in range(p) if not ((a | b) >> j) & 1)
                both, _ = pd.factorize(np.concatenate([_combine(sub[a], cards, cols),
                                                       _combine(sub[b], cards, cols)]))
                ka, kb, r = both[: len(ra)], both[len(ra):], None
            if len(ra) <= len(rb):
                _add_pair(ka, ra, kb, rb, pcnt, pw, fk, Fk, r)
            else:
                _add_pair(kb, rb, ka, ra, pcnt, pw, fk, Fk, r)
    return fk, Fk


def _add_pair(k_small, r_small, k_big, r_big, pcnt, pw, fk, Fk, table=None) -> None:
    """Patterns of two masks with equal keys match each other: add each side's counts and
    weights to the other. The smaller side's keys are indexed (a dense lookup table when the key
    range is small, else sorted for a binary search) and the larger side is looked up."""
    import numpy as np

    uk, inv = np.unique(k_small, return_inverse=True)
    if table is not None and len(k_big) >= _DENSE_MIN_ROWS:
        table[uk] = np.arange(len(uk))
        pos = table[k_big]
        table[uk] = -1  # the buffer is shared by every pair: leave it clean
        hit = np.flatnonzero(pos >= 0)
    else:
        pos = np.searchsorted(uk, k_big)
        np.minimum(pos, len(uk) - 1, out=pos)
        hit = np.flatnonzero(uk[pos] == k_big)
    if len(hit) == 0:
        return
    ph = pos[hit]
    rh = r_big[hit]
    g = len(uk)
    # big → small
    fk[r_small] += np.bincount(ph, weights=pcnt[rh], minlength=g)[inv]
    Fk[r_small] += np.bincount(ph, weights=pw[rh], minlength=g)[inv]
    # small → big
    fk[rh] += np.bincount(inv, weights=pcnt[r_small], minlength=g)[ph]
    Fk[rh] += np.bincount(inv, weights=pw[r_small], minlength=g)[ph]


def frequencies(data: Any, key_vars: Sequence[str], weights: Any = None, *,
                missing: Iterable[str] = DEFAULT_MISSING):
    """Sample frequency ``fk`` and weighted frequency ``Fk`` of every record (sdcMicro
    ``freqCalc``, ``alpha = 1``): the number of records sharing the record's key, and the sum of
    their sampling weights. A missing key value matches any category.

    ``weights``: None, a column name of ``data``, or an array of numbers (one per record).
    Returns two float arrays in record order.
    """
    codes, cards = encode_keys(data, key_vars, missing)
    if isinstance(weights, str):
        weights = parse_weights(data[weights])[0]
    return frequencies_from_codes(codes, cards, weights)


def _weight_array(data: Any, weights: Any):
    """Weights as float64: a column name of ``data``, numbers, or text (parsed, never quoted
    in an error: a misaligned weight column holds names and phone numbers)."""
    import numpy as np

    if isinstance(weights, str):
        if weights not in getattr(data, "columns", ()):
            raise ValueError(f"weights: no column '{weights}' in the data")
        weights = data[weights]
    try:
        return np.asarray(weights, dtype=float)
    except (TypeError, ValueError):
        parsed = parse_weights(weights)[0]
        if parsed is None:
            raise ValueError("weights: not one valid (positive) number") from None
        return np.asarray(parsed, dtype=float)


def parse_weights(values: Any):
    """Numbers from a weight column of text. Missing, non-numeric or non-positive weights are
    replaced by the median of the valid ones. Returns ``(weights, n_replaced)``, or
    ``(None, n)`` when no weight is valid."""
    import numpy as np
    import pandas as pd

    s = _to_float(pd.Series(values))
    ok = np.isfinite(s) & (s > 0)
    bad = int((~ok).sum())
    if not ok.any():
        return None, bad
    if bad:
        s = np.where(ok, s, float(np.median(s[ok])))
    return s, bad


def _to_float(series: Any):
    """Text → float64 (NaN where not a number; a decimal comma is accepted). Arrow's cast is the
    fast path; anything it refuses goes through pandas."""
    import numpy as np
    import pandas as pd

    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = pa.array(series.astype("str"), type=pa.large_string(), from_pandas=True)
        return pc.cast(pc.utf8_trim_whitespace(arr), pa.float64()).to_numpy(
            zero_copy_only=False).astype(float)
    except Exception:  # noqa: BLE001 - malformed numbers: the slow, forgiving path
        s = series.astype("str").str.strip().str.replace(",", ".", regex=False)
        return pd.to_numeric(s, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def k_violations(data: Any, key_vars: Sequence[str], k: int, *,
                 missing: Iterable[str] = DEFAULT_MISSING):
    """Boolean array: the records whose key is shared by fewer than ``k`` records (``fk < k``,
    missing values matching any category). Local suppression builds on this."""
    fk, _ = frequencies(data, key_vars, missing=missing)
    return fk < k


# ---------------------------------------------------------------------------------------------
# Risk


def individual_risk(fk: Any, Fk: Any = None):
    """Individual re-identification risk per record.

    With ``Fk`` (weighted data): sdcMicro ``indivRisk`` (``R/indivRisk.R``), method
    ``"approx"`` (Franconi & Polettini 2004), ``pk = fk / Fk``:
    ``fk = 1: pk/(1-pk)·log(1/pk)``; ``fk = 2: pk/(1-pk) − (pk/(1-pk))²·log(1/pk)``;
    ``fk ≥ 3: pk/(fk − (1 − pk))``; and ``1/fk`` where ``fk == Fk``.
    Without ``Fk``: ``1/fk`` (``indivRisk(survey = FALSE)``, what ``measure_risk`` does without
    weights). Values are clipped to [0, 1].
    """
    import numpy as np

    fk = np.asarray(fk, dtype=float)
    if Fk is None:
        with np.errstate(divide="ignore"):
            return np.clip(np.where(fk > 0, 1.0 / np.maximum(fk, 1e-300), 0.0), 0.0, 1.0)
    Fk = np.asarray(Fk, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        pk = fk / Fk
        q = pk / (1.0 - pk)
        lg = np.log(1.0 / pk)
        r = np.where(fk > 2, pk / (fk - (1.0 - pk)),
                     np.where(fk == 2, q - q * q * lg, np.where(fk == 1, q * lg, 0.0)))
        same = np.isclose(fk, Fk, rtol=1e-12, atol=0.0)
        r = np.where(same, 1.0 / np.maximum(fk, 1e-300), r)
    r = np.nan_to_num(r, nan=0.0, posinf=1.0, neginf=0.0)
    return np.clip(r, 0.0, 1.0)


def household_risk(risk: Any, household_ids: Any, *,
                   missing: Iterable[str] = DEFAULT_MISSING):
    """Household (hierarchical) risk per record: ``1 − ∏(1 − r)`` over the members of the
    record's household (sdcMicro ``measure_risk`` with ``hid``, ``fast_hier = TRUE``): the
    probability that at least one member is re-identified. A record without a household id is a
    household of its own."""
    import numpy as np

    r = np.asarray(risk, dtype=float)
    if isinstance(household_ids, tuple):  # already encoded: (codes, categories)
        codes, m = household_ids
    else:
        codes, m = encode_column(household_ids, missing)
    codes = codes.copy()
    lone = codes < 0
    codes[lone] = m + np.arange(int(lone.sum()))
    with np.errstate(divide="ignore"):
        logs = np.log1p(-np.clip(r, 0.0, 1.0))
    sums = np.bincount(codes, weights=logs)
    return 1.0 - np.exp(sums[codes])


def mad(x: Any) -> float:
    """R's ``mad()``: median absolute deviation scaled by 1.4826."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    if len(x) == 0:
        return 0.0
    return float(1.4826 * np.median(np.abs(x - np.median(x))))


# ---------------------------------------------------------------------------------------------
# l-diversity


def l_diversity_from_ids(ids: Any, n_groups: int, sensitive_codes: Any, card: int,
                         c: float = 2.0) -> dict[str, Any]:
    """Per-class l-diversity of one sensitive variable (sdcMicro ``ldiversity``,
    ``src/Measure_Risk.h``): arrays ``distinct``, ``entropy``, ``recursive`` (one per class) and
    ``size``. ``sensitive_codes`` uses ``-1`` for missing."""
    import numpy as np

    ids = np.asarray(ids, dtype=np.int64)
    s = np.asarray(sensitive_codes, dtype=np.int64)
    pair = ids * (card + 1) + (s + 1)
    pid, n_pairs = classes(pair)
    cnt = np.bincount(pid, minlength=n_pairs).astype(float)
    uniq = np.empty(n_pairs, dtype=np.int64)
    uniq[pid] = pair
    g = (uniq // (card + 1)).astype(np.int64)
    is_miss = (uniq % (card + 1)) == 0
    return l_diversity_from_counts(g, cnt, is_miss, n_groups, c)


def l_diversity_from_counts(g: Any, cnt: Any, is_miss: Any, n_groups: int,
                            c: float = 2.0) -> dict[str, Any]:
    """l-diversity from counts of (class, sensitive value) pairs: ``g`` the class of each pair,
    ``cnt`` its number of records, ``is_miss`` whether its value is missing. The streaming and
    dask engines merge such counts across batches; :func:`l_diversity_from_ids` builds them
    from records."""
    import numpy as np

    g = np.asarray(g, dtype=np.int64)
    cnt = np.asarray(cnt, dtype=float)
    is_miss = np.asarray(is_miss, dtype=bool)
    present = ~is_miss
    size = np.bincount(g, weights=cnt, minlength=n_groups)
    distinct = np.bincount(g[present], minlength=n_groups).astype(float)
    miss_cnt = np.bincount(g[is_miss], weights=cnt[is_miss], minlength=n_groups)
    # a missing value counts as one more value, unless no other value exists
    distinct = distinct + ((miss_cnt > 0) & (distinct > 0))
    use = present | (is_miss & (distinct[g] > 0))
    p = cnt / size[g]
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(use, p * np.log(p), 0.0)
    entropy = np.exp(-np.bincount(g, weights=term, minlength=n_groups))
    # recursive (c, l): largest l with r1 < c·(r_l + … + r_m), categories sorted by frequency
    gp, cp = g[present], cnt[present]
    order = np.lexsort((-cp, gp))
    gp, cp = gp[order], cp[order]
    recursive = np.ones(n_groups)
    if len(gp):
        starts = np.flatnonzero(np.r_[True, gp[1:] != gp[:-1]])
        grp_start = np.repeat(starts, np.diff(np.r_[starts, len(gp)]))
        pos = np.arange(len(gp)) - grp_start
        total = np.bincount(gp, weights=cp, minlength=n_groups)
        csum = np.cumsum(cp)
        before = csum - cp - np.r_[0.0, csum][grp_start]  # sum of earlier categories in group
        suffix = total[gp] - before
        top = cp[grp_start]
        ok = (pos >= 1) & (c * suffix > top)
        recursive += np.bincount(gp[ok], minlength=n_groups)
    return {"size": size, "distinct": distinct, "entropy": entropy, "recursive": recursive}


def l_diversity_summary(ld: dict[str, Any], l_min: int, k: int) -> dict[str, Any]:
    """The report's figures from the per-class arrays of :func:`l_diversity_from_counts`."""
    size, d = ld["size"], ld["distinct"]
    has = size > 0
    below = has & (d < l_min)
    return {
        "l_threshold": int(l_min),
        "distinct_l_min": int(d[has].min()) if has.any() else None,
        "entropy_l_min": round(float(ld["entropy"][has].min()), 4) if has.any() else None,
        "recursive_l_min": int(ld["recursive"][has].min()) if has.any() else None,
        "classes_below_l": int(below.sum()),
        "records_below_l": int(size[below].sum()),
        # classes that are k-anonymous yet share one sensitive value: attribute disclosure
        "homogeneous_k_anonymous_classes": int((below & (size >= k)).sum()),
        "records_in_homogeneous_k_anonymous_classes": int(size[below & (size >= k)].sum()),
    }


# ---------------------------------------------------------------------------------------------
# Everything at once


@dataclass
class RiskMeasures:
    """The measures of one table (record-level arrays plus totals)."""

    n: int
    key_vars: list[str]
    fk: Any
    Fk: Any
    risk: Any
    weighted: bool
    k: int
    k_min: int | None
    records_below_k: int
    violations: dict[str, int]
    expected_reidentifications: float
    global_risk: float
    records_above_threshold: int
    threshold: float
    higher_risk_than_main_part: int
    equivalence_classes: int
    sample_uniques: int
    records_with_missing_key: int
    household_risk: Any = None
    household_expected_reidentifications: float | None = None
    household_global_risk: float | None = None
    households: int | None = None
    l_diversity: dict[str, dict[str, Any]] = field(default_factory=dict)
    codes: Any = None
    cards: list[int] = field(default_factory=list)
    class_ids: Any = None


def measure_risk(data: Any, key_vars: Sequence[str], *, weights: Any = None,
                 household_ids: Any = None, k: int = 5, threshold: float = 0.05,
                 sensitive: Sequence[str] = (), l_min: int = 2,
                 missing: Iterable[str] = DEFAULT_MISSING,
                 dictionaries: dict | None = None) -> RiskMeasures:
    """All risk measures of ``data`` for ``key_vars`` (sdcMicro ``measure_risk``).

    ``weights``: None, the name of a weight column of ``data``, or one positive number per
    record (text is parsed as :func:`parse_weights` does: a non-number takes the median);
    ``household_ids``: None or one value per record; ``sensitive``: columns whose l-diversity
    to measure.
    """
    import numpy as np

    missing = tuple(missing)
    n = len(data)
    codes, cards = encode_keys(data, key_vars, missing, dictionaries)
    w = None if weights is None else _weight_array(data, weights)
    ids, g = group_ids(codes, cards)
    fk, Fk = frequencies_from_codes(codes, cards, w, ids, g)
    risk = individual_risk(fk, Fk if w is not None else None)
    er = float(risk.sum())
    ks = sorted({2, 3, 5, int(k)})
    m = RiskMeasures(
        n=n, key_vars=list(key_vars), fk=fk, Fk=Fk, risk=risk, weighted=w is not None, k=int(k),
        k_min=int(fk.min()) if n else None,
        records_below_k=int((fk < k).sum()),
        violations={str(x): int((fk < x).sum()) for x in ks},
        expected_reidentifications=er,
        global_risk=er / n if n else 0.0,
        records_above_threshold=int((risk > threshold).sum()),
        threshold=float(threshold),
        higher_risk_than_main_part=int(((risk > np.median(risk) + 3 * mad(risk))
                                        & (risk > 0.1)).sum()) if n else 0,
        equivalence_classes=int(g),
        sample_uniques=int((fk == 1).sum()),
        records_with_missing_key=int((codes < 0).any(axis=1).sum()) if n else 0,
        codes=codes, cards=cards, class_ids=ids,
    )
    if household_ids is not None and n:
        hcodes, hm = encode_column(household_ids, missing)
        hr = household_risk(risk, (hcodes, hm))
        m.household_risk = hr
        m.household_expected_reidentifications = float(hr.sum())
        m.household_global_risk = float(hr.sum()) / n
        m.households = int(hm + (hcodes < 0).sum())
    for col in sensitive:
        scodes, scard = _encode(data, col, missing, dictionaries)
        ld = l_diversity_from_ids(ids, g, scodes, scard)
        m.l_diversity[col] = l_diversity_summary(ld, l_min, k)
    return m
