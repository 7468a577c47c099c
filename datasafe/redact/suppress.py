"""Suppression: local suppression of key-variable values until k-anonymity holds, and small-cell
suppression (primary and secondary) in aggregate tables.

Local suppression follows sdcMicro's ``localSuppression(obj, k, importance)``: a suppressed
value (``NA``) matches any category, the variables the user ranks least important are
suppressed first, and values are only suppressed in records that violate k. To suppress as few
values as possible each round first suppresses, record by record, the least important single
value whose removal alone makes the record safe, and only when no single value does, the least
important remaining one; frequencies are recomputed after every step (a record that loses a
value changes its neighbours' counts).

Frequencies here are *conservative*: a record with missing values counts the records that agree
with it on its non-missing key values, and other records' missing values are not counted as
matches. sdcMicro's rule (a missing value matches anything) can only give larger counts, so a
file that is k-anonymous here is k-anonymous for sdcMicro and for ``datasafe.risk`` too.

Small cells (``suppress_small_cells``): count cells in 1…t−1 are suppressed (primary); then,
so that no suppressed cell can be recovered by subtracting the others from a row or column total,
every row and every column with exactly one suppressed cell gets a second one — the smallest
remaining cell (secondary suppression, guidance DR-AGG-02: "mask ≥2 cells per row and column").
"""

from __future__ import annotations

from typing import Any

import numpy as np


def key_codes(keys) -> np.ndarray:
    """Integer codes per key column (-1 for missing), shape (rows, vars), values compared
    after stripping surrounding white space."""
    import pandas as pd
    import pyarrow.compute as pc

    from datasafe.redact.treatments import arrow_text

    out = np.empty((len(keys), len(keys.columns)), dtype=np.int32, order="F")
    for j, c in enumerate(keys.columns):
        col = keys[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            # a compact column (the streaming path): its categories trimmed and merged, codes
            # numbered by first appearance among the rows, as the text route numbers them
            same = pd.factorize(pd.Series(col.cat.categories, dtype="str").str.strip())[0]
            raw = col.cat.codes.to_numpy()
            filled = raw >= 0
            codes = np.full(len(raw), -1, dtype=np.int32)
            codes[filled] = pd.factorize(same[raw[filled]])[0]
            out[:, j] = codes
            continue
        if isinstance(col.array, pd.arrays.ArrowStringArray):
            # Arrow's trim is what ``str.strip()`` runs on these arrays; trimmed on the
            # distinct values, whose first appearances give the codes the order a trim of
            # every row would (" F" and "F" become one code)
            enc = pc.dictionary_encode(arrow_text(col))
            merged = pc.dictionary_encode(pc.utf8_trim_whitespace(enc.dictionary))
            remap = merged.indices.to_numpy(zero_copy_only=False).astype(np.int32)
            idx = enc.indices.fill_null(-1).to_numpy(zero_copy_only=False)
            out[:, j] = np.append(remap, np.int32(-1))[idx]
            continue
        codes, _ = pd.factorize(col.str.strip() if str(col.dtype) == "str" else col,
                                use_na_sentinel=True)
        out[:, j] = codes
    return out


_codes = key_codes


def _bases(codes: np.ndarray) -> list[int]:
    """Per key column, the radix of its codes + 1 (codes only ever fall to -1 afterwards, so
    the radix taken once stays valid)."""
    return [int(codes[:, j].max(initial=-1)) + 2 for j in range(codes.shape[1])]


def _row_keys(codes: np.ndarray, cols, bases: list[int] | None = None) -> np.ndarray:
    """One int64 key per row for the codes on ``cols`` (mixed radix, re-factorised before it
    could overflow): equal keys ⇔ equal codes on ``cols``."""
    import pandas as pd

    n = codes.shape[0]
    key = np.zeros(n, dtype=np.int64)
    radix = 1
    for j in cols:
        base = bases[j] if bases is not None else int(codes[:, j].max(initial=-1)) + 2
        if radix * base >= (1 << 62):
            key = pd.factorize(key)[0].astype(np.int64)
            radix = int(key.max(initial=0)) + 1
        key = key * base + (codes[:, j] + 1)
        radix *= base
    return key


def _counts_on(codes: np.ndarray, cols: tuple[int, ...], weights: np.ndarray | None = None,
               bases: list[int] | None = None) -> np.ndarray:
    """For every row, how many rows share its codes on ``cols`` (missing = its own value);
    with ``weights``, the sum of the weights of those rows (rows standing for several
    records)."""
    n = codes.shape[0]
    total = n if weights is None else int(weights.sum())
    if not cols:
        return np.full(n, total, dtype=np.int64)
    from datasafe.risk.measures import classes

    # the classes of one int64 key (sorted, or hashed when wide) and a bincount
    ids, g = classes(_row_keys(codes, cols, bases))
    if weights is None:
        return np.bincount(ids, minlength=g)[ids]
    sums = np.bincount(ids, weights=weights, minlength=g)
    return np.rint(sums).astype(np.int64)[ids]


def missing_bits(codes: np.ndarray) -> np.ndarray:
    """The missing-value pattern of every row as a bit mask (bit j: column j is missing)."""
    bits = np.zeros(codes.shape[0], dtype=np.int64)
    for j in range(codes.shape[1]):
        bits |= (codes[:, j] < 0).astype(np.int64) << j
    return bits


def sample_frequencies(codes: np.ndarray, weights: np.ndarray | None = None,
                       bases: list[int] | None = None) -> np.ndarray:
    """Conservative fk of every record (see the module docstring). With ``weights`` each row
    of ``codes`` stands for that many records (e.g. one row per distinct key combination)."""
    n, m = codes.shape
    fk = np.empty(n, dtype=np.int64)
    if m == 0:
        fk[:] = n if weights is None else int(weights.sum())
        return fk
    import pandas as pd

    if bases is None:
        bases = _bases(codes)
    # missing-value patterns as bit masks (one int per record), not np.unique over rows
    bits = missing_bits(codes)
    pinv, patterns = pd.factorize(bits)
    if len(patterns) == 1:
        cols = tuple(j for j in range(m) if not (int(patterns[0]) >> j) & 1)
        return _counts_on(codes, cols, weights, bases)
    for p_i, pat in enumerate(patterns):
        rows = pinv == p_i
        cols = tuple(j for j in range(m) if not (int(pat) >> j) & 1)
        fk[rows] = _counts_on(codes, cols, weights, bases)[rows]
    return fk


def trial_frequencies(codes: np.ndarray, rows: np.ndarray, j: int,
                      weights: np.ndarray | None = None, bases: list[int] | None = None
                      ) -> np.ndarray:
    """The conservative fk each record of ``rows`` would have with its value in column ``j``
    suppressed (0 for the other records), without building that table: the records it would
    match agree on the columns other than ``j``, which the suppression leaves as they are."""
    import pandas as pd

    n, m = codes.shape
    fk = np.zeros(n, dtype=np.int64)
    if bases is None:
        bases = _bases(codes)
    idx = np.flatnonzero(rows)
    bits = missing_bits(codes[idx])
    bits |= 1 << j
    pinv, patterns = pd.factorize(bits)
    for p_i, pat in enumerate(patterns):
        cols = tuple(c for c in range(m) if not (int(pat) >> c) & 1)
        sel = idx[pinv == p_i]
        fk[sel] = _counts_on(codes, cols, weights, bases)[sel]
    return fk


def distinct_rows(codes: np.ndarray, bases: list[int] | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(inverse, distinct rows of ``codes``, how many rows of ``codes`` each stands for):
    ``distinct[inverse] == codes``."""
    import pandas as pd

    n, m = codes.shape
    if m == 0:
        return np.zeros(n, dtype=np.int64), np.zeros((min(n, 1), 0), dtype=np.int64), \
            np.array([n] if n else [], dtype=np.int64)
    inv, uniq = pd.factorize(_row_keys(codes, range(m), bases))
    inv = inv.astype(np.int64)
    distinct = np.empty((len(uniq), m), dtype=codes.dtype, order="F")
    distinct[inv] = codes
    return inv, distinct, np.bincount(inv, minlength=len(uniq)).astype(np.int64)


def frequencies(frame, key_vars: list[str]) -> np.ndarray:
    """Conservative sample frequency fk per record for ``key_vars`` of a text frame."""
    return sample_frequencies(_codes(frame[key_vars]))


def default_importance(frame, key_vars: list[str], distinct: dict[str, int] | None = None
                       ) -> list[str]:
    """sdcMicro's default when no importance is given: variables with fewer categories are
    more important (suppressed last). Returns the most important first. ``distinct``: the
    number of distinct values per variable, when already known."""
    from datasafe.redact.treatments import count_distinct

    distinct = dict(distinct or {})
    for v in key_vars:
        if v not in distinct:
            distinct[v] = count_distinct(frame[v])
    return sorted(key_vars, key=lambda v: (distinct[v], key_vars.index(v)))


def suppression_order(frame, key_vars: list[str], importance: list[str] | None = None,
                      distinct: dict[str, int] | None = None) -> list[int]:
    """Positions in ``key_vars``, least important first (the order values are suppressed in):
    ``importance`` (most important first), then the others in the default order."""
    order = [v for v in (importance or []) if v in key_vars]
    order += [v for v in default_importance(frame, key_vars, distinct) if v not in order]
    return [key_vars.index(v) for v in reversed(order)]


def suppression_search(codes: np.ndarray, k: int, suppress_order: list[int],
                       max_rounds: int | None = None, weights: np.ndarray | None = None,
                       distinct: bool = False) -> np.ndarray:
    """The codes after local suppression to ``k`` (-1 where a value is missing or suppressed);
    ``codes`` (from :func:`key_codes`) is not modified. With ``weights``, each row of
    ``codes`` stands for that many records (rows from :func:`distinct_rows`); ``distinct``:
    no two rows of ``codes`` are equal (they are not merged first)."""
    n, m = codes.shape
    total = n if weights is None else int(weights.sum())
    if m == 0 or k <= 1 or total == 0:
        return codes.copy()
    if total < k:  # no record can ever be k-anonymous: every key value goes
        return np.full_like(codes, -1)
    # every step treats records with the same key values alike, so the search runs on the
    # distinct key combinations, each weighted by how many records it stands for (thousands of
    # rows instead of millions), and the result is mapped back to the records at the end
    if distinct:
        inv, ucodes = np.arange(n), codes.copy(order="F")
        counts = np.ones(n, dtype=np.int64)
    else:
        inv, ucodes, counts = distinct_rows(codes)
    if weights is None:
        weights = counts
    elif len(ucodes) < n:
        weights = np.rint(np.bincount(inv, weights=weights, minlength=len(ucodes))
                          ).astype(np.int64)
    bases = _bases(ucodes)

    def freq(c):
        return sample_frequencies(c, weights, bases)

    def merge():
        # combinations that became equal (a value suppressed) are merged: nearly unique rows
        # (a village key) collapse after the first suppression, and every later step is cheaper
        nonlocal inv, ucodes, weights
        inv2, ucodes, _ = distinct_rows(ucodes, bases)
        if len(ucodes) < len(inv2):
            weights = np.bincount(inv2, weights=weights, minlength=len(ucodes))
            weights = np.rint(weights).astype(np.int64)
            inv = inv2[inv]
        return freq(ucodes)

    rounds = 0
    limit = max_rounds or (m + 2) * 4
    fk = freq(ucodes)
    while rounds < limit:
        rounds += 1
        risky = fk < k
        if not risky.any():
            break
        progressed = False
        # 1) a single suppression that alone makes the record safe, least important first
        for j in suppress_order:
            risky = (fk < k) & (ucodes[:, j] >= 0)
            if not risky.any():
                continue
            ok = risky & (trial_frequencies(ucodes, risky, j, weights, bases) >= k)
            if ok.any():
                ucodes[ok, j] = -1
                progressed = True
                fk = merge()
        risky = fk < k
        if not risky.any():
            break
        if progressed:
            continue
        # 2) no single value helps: suppress the least important value still present
        for j in suppress_order:
            sel = risky & (ucodes[:, j] >= 0)
            if sel.any():
                ucodes[sel, j] = -1
                risky = risky & ~sel
        fk = merge()
    return ucodes[inv]


def suppressed_counts(before: np.ndarray, after: np.ndarray, key_vars: list[str],
                      weights: np.ndarray | None = None) -> tuple[dict[str, int], int]:
    """(values suppressed per variable, records touched) between two code matrices (rows
    weighted by ``weights`` when given)."""
    sup = (after < 0) & (before >= 0)
    if weights is None:
        return ({v: int(sup[:, j].sum()) for j, v in enumerate(key_vars)},
                int(sup.any(axis=1).sum()))
    return ({v: int(weights[sup[:, j]].sum()) for j, v in enumerate(key_vars)},
            int(weights[sup.any(axis=1)].sum()))


def empty_where(col, mask: np.ndarray):
    """``col`` with the cells in ``mask`` emptied (a new Series; ``col`` is not modified)."""
    import pandas as pd

    if not mask.any():
        return col
    if isinstance(col.array, pd.arrays.ArrowStringArray):
        return col.mask(mask)  # Arrow's if_else, not an element-wise assignment
    col = col.copy()
    col[mask] = None
    return col


def apply_suppression(frame, key_vars: list[str], suppressed: np.ndarray,
                      inverse: np.ndarray | None = None) -> Any:
    """``frame`` with the cells in ``suppressed`` (bool, rows × ``key_vars``) emptied; with
    ``inverse`` (from :func:`distinct_rows`) the rows of ``suppressed`` are distinct
    combinations and record ``i`` takes row ``inverse[i]``."""
    out = frame.copy(deep=False)  # columns are replaced, never modified in place
    for j, v in enumerate(key_vars):
        col = suppressed[:, j]
        if not col.any():
            continue
        out[v] = empty_where(out[v], col if inverse is None else col[inverse])
    return out


def local_suppression(frame, key_vars: list[str], k: int, importance: list[str] | None = None,
                      max_rounds: int | None = None) -> tuple[Any, dict[str, int], int]:
    """Suppress key values until every record's fk ≥ k.

    ``importance``: key variables, most important first (suppressed last); missing ones are
    appended in the default order. Returns (frame with NA in suppressed cells, suppressed
    cells per variable, records touched). The input frame is not modified.
    """
    key_vars = [v for v in key_vars if v in frame.columns]
    if not key_vars or k <= 1 or len(frame) == 0:
        return frame.copy(deep=False), {v: 0 for v in key_vars}, 0
    order = suppression_order(frame, key_vars, importance)
    inv, ucodes, weights = distinct_rows(key_codes(frame[key_vars]))
    after = suppression_search(ucodes, k, order, max_rounds, weights, distinct=True)
    stats, records = suppressed_counts(ucodes, after, key_vars, weights)
    out = apply_suppression(frame, key_vars, (after < 0) & (ucodes >= 0), inv)
    return out, stats, records


# ---------------------------------------------------------------------------------------------
# aggregate tables



def suppress_small_cells(frame, count_cols: list[str], threshold: int, *,
                         group_cols: list[str] | None = None, include_zero: bool = False,
                         secondary: bool = True, marker: str | None = None,
                         total_cols: list[str] | None = None
                         ) -> tuple[Any, int, int]:
    """Primary and secondary small-cell suppression of ``count_cols``.

    Secondary suppression follows how the table adds up (:func:`datasafe.risk.aggregate.
    structure`, the scan's own reading): within the parts of every total column (the grand
    total and partial totals such as total_female), above total rows, and within the block of
    every subtotal row, a suppressed cell never stands alone; the next smallest cell beside it
    is suppressed too, or the total itself when no other part is left.

    Returns (frame, primary cells, secondary cells). Suppressed cells become ``NA`` (or
    ``marker`` when given, e.g. ``"<5"``). ``total_cols`` is accepted for older plans; the
    totals are read from the data."""
    # counts are read as the scan reads them ('1,234' is 1234, not 1.234)
    from datasafe.risk.aggregate import _numeric, markers, percent_columns, structure

    count_cols = [c for c in count_cols if c in frame.columns]
    out = frame.copy(deep=False)  # columns are replaced, never modified in place
    if not count_cols or len(frame) == 0:
        return out, 0, 0
    vals = np.column_stack([_numeric(out[c]).to_numpy(dtype="float64", na_value=np.nan)
                            for c in count_cols])
    st = structure({c: vals[:, j] for j, c in enumerate(count_cols)}, count_cols,
                   {c: c for c in count_cols},
                   [out[g] for g in (group_cols or []) if g in out.columns])
    lo = 0 if include_zero else 1
    primary = (vals >= lo) & (vals < threshold) & ~np.isnan(vals)
    # cells the publisher already hid ('<5', 'x') stay as they are, and count as suppressed:
    # the secondary suppression is completed around them
    hidden = np.column_stack([markers(out[c]).to_numpy(dtype=bool) for c in count_cols])
    sup = primary | hidden
    if secondary:
        big = np.where(np.isnan(vals), np.inf, vals)
        idx = {c: j for j, c in enumerate(count_cols)}
        groups = [([idx[p] for p in parts if p in idx], idx[t])
                  for t, parts in st["total_parts"].items()]
        # and, total column or not, a row never shows a lone gap among its cells (a total
        # may be published elsewhere: the HNO's figure for the area)
        plain = [j for j, c in enumerate(count_cols) if c not in st["total_parts"]]
        groups.append((plain, None))
        # a total row adds up the subtotal rows and the rows no subtotal covers (the rows
        # under a subtotal are its block's business)
        in_block = np.zeros(len(out), dtype=bool)
        for sub, rows in st["blocks"]:
            in_block[rows] = True
            in_block[sub] = False
        body = np.flatnonzero(~st["grand_row"] & ~in_block)
        blocks = [np.asarray(rows) for _, rows in st["blocks"]]
        sub_rows = [sub for sub, _ in st["blocks"]]

        def complete(cells_sup, cells_val, busy=None, summed=False) -> int | None:
            """Index (in the given cells) of the next cell to hide when exactly one is: the
            smallest, preferring cells whose row already hides one (``busy``), so that one
            more cell closes two gaps instead of opening a new row. Where a total publishes
            the hidden cells' sum (``summed``), hidden cells adding up to less than the
            threshold ('girls + boys = 5') take one more: the sum would tell they are tiny."""
            n_sup = int(cells_sup.sum())
            if n_sup == 0:
                return None
            if n_sup >= 2:
                hidden_vals = vals_of(cells_val, cells_sup)
                if not summed or hidden_vals is None or hidden_vals >= threshold:
                    return None
            cand = np.where(cells_sup | np.isinf(cells_val), np.inf, cells_val)
            if busy is not None and np.isfinite(cand[busy]).any():
                cand = np.where(busy, cand, np.inf)
            k = int(np.argmin(cand))
            return k if np.isfinite(cand[k]) else -1

        def vals_of(cells_val, cells_sup):
            v = cells_val[cells_sup]
            return float(v.sum()) if np.isfinite(v).all() else None  # a marker: unknown

        for _ in range(len(out) + len(count_cols) + 2):
            changed = False
            # within a row: the parts of each total column
            for js, t in groups:
                if len(js) < 2:
                    continue
                for i in np.flatnonzero(sup[:, js].sum(axis=1) >= 1).tolist():
                    k = complete(sup[i, js], big[i, js], summed=t is not None)
                    if k is None:
                        continue
                    if k >= 0:
                        sup[i, js[k]] = True
                    elif t is not None and not sup[i, t]:
                        sup[i, t] = True  # no other part to hide: the total goes
                    else:
                        continue
                    changed = True
            # within a column: the rows a total row adds up, and each subtotal's block
            spans = ([(body, None)] if st["grand_row"].any() else []) + \
                list(zip(blocks, sub_rows))
            if not st["grand_row"].any() and not blocks and len(out) >= 2:
                spans = [(body, None)]  # no total row: a column never shows a lone gap
            for rows, sub in spans:
                if len(rows) == 0:
                    continue
                summed = sub is not None or bool(st["grand_row"].any())
                for j in range(len(count_cols)):
                    k = complete(sup[rows, j], big[rows, j], sup[rows].any(axis=1), summed)
                    if k is None:
                        continue
                    if k >= 0:
                        sup[rows[k], j] = True
                    elif sub is not None and not sup[sub, j]:
                        sup[sub, j] = True
                    else:
                        continue
                    changed = True
            if not changed:
                break

    def hide(c, mask) -> int:
        if mask.any():
            col = out[c].copy()
            col[mask] = marker
            out[c] = col
        return int(mask.sum())

    # a share or rate in a row where a count is hidden gives it back (share × total): hidden too
    rows_hidden = sup.any(axis=1)
    pct_hidden = sum(hide(c, rows_hidden & out[c].notna().to_numpy(dtype=bool))
                     for c in percent_columns({c: c for c in out.columns},
                                              set(count_cols) | set(group_cols or [])))
    for j, c in enumerate(count_cols):
        hide(c, sup[:, j] & ~hidden[:, j])
    n_primary = int(primary.sum())
    return out, n_primary, int((sup & ~hidden).sum()) - n_primary + pct_hidden
