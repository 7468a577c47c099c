"""Re-identification risk from frequency tables given bucket by bucket (out-of-core), with the
same measures and the same ``RiskResult`` as :func:`datasafe.risk.assess_table`.

Each record's ``fk``, ``Fk`` and risk depend only on its key combination (missing values
matching any category, sdcMicro ``freqCalc``), so every record-level total is a sum over the
distinct combinations weighted by their record counts, and those can come in buckets (a
combination's rows all in one bucket): :class:`RiskAccumulator` holds one bucket at a time and
bounded state (totals, the records per class size or the spilled (risk, records) pairs for the
medians, the riskiest-combination candidates, merged l-diversity summaries). The household
risk needs each record's risk summed by household: the engines look it up in the bucket's
sorted keys (:meth:`RiskAccumulator.bucket` returns them) and hand whole households back.
"""

from __future__ import annotations

from typing import Any

from datasafe.engines.core import (
    KeyCoder,
    RiskPlan,
    class_risk,
    class_weights,
    decode_keys,
    log_not_identified,
)


def plan_risk(table, result, options, profile):
    """Choose weight, household id, key variables and sensitive columns exactly as
    ``assess_table`` does (on the row sample). Returns ``(plan, context)`` or ``(None, why)``
    where ``why`` is ``"aggregate"`` or ``None`` (no key variables)."""
    from datasafe.risk import _missing_tokens, choose_variables
    from datasafe.risk.keys import as_list, resolve_column, setting

    if table is None or result is None or result.rows == 0:
        return None, None
    params = getattr(profile, "params", None) or {}
    sel = choose_variables(table, result, options, profile)
    if sel == "aggregate":
        return None, "aggregate"
    if sel is None:
        return None, None
    cols, order, not_used, notes, exclude = sel.cols, sel.order, sel.not_used, sel.notes, sel.exclude
    weight_col, weight_why, hh_col, hh_why = sel.weight_col, sel.weight_why, sel.hh_col, sel.hh_why
    key_keys = {c.key for c in cols}
    sens_cols = [c for c in result.columns
                 if c.role == "sensitive" and c.key not in key_keys and c.key not in exclude
                 and not c.free_text and c.key in table.data.columns]
    for name in as_list(setting("sensitive_vars", options, profile)) or []:
        c = resolve_column(result, name)
        if c is not None and c.key not in key_keys and c not in sens_cols:
            sens_cols.append(c)
    plan = RiskPlan(keys=[c.key for c in cols],
                    weight=weight_col.key if weight_col is not None else None,
                    household=hh_col.key if hh_col is not None else None,
                    sensitive=[c.key for c in sens_cols], missing=_missing_tokens(profile),
                    bases=[int(c.stats.distinct) + 1 for c in cols])
    plan.coders = {key: KeyCoder() for key in plan.keys + plan.sensitive}
    ctx = {"cols": cols, "order": order, "not_used": not_used, "notes": notes,
           "weight_col": weight_col, "weight_why": weight_why, "hh_col": hh_col,
           "hh_why": hh_why, "sens_cols": sens_cols, "k": int(params.get("k", 5)),
           "thr": float(params.get("individual_risk_threshold", 0.05)),
           "l": int(params.get("l", 2))}
    return plan, ctx


def _weighted_median(values, counts) -> float:
    """``np.median`` of ``values`` repeated ``counts`` times, without repeating them."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    c = np.asarray(counts, dtype=np.int64)
    n = int(c.sum())
    if n == 0:
        return float("nan")
    o = np.argsort(v, kind="stable")
    v, c = v[o], c[o]
    cum = np.cumsum(c)
    lo = v[np.searchsorted(cum, (n - 1) // 2, side="right")]
    hi = v[np.searchsorted(cum, n // 2, side="right")]
    return float((lo + hi) / 2.0)


def _float_order(v):
    """float64 → uint64 with the same order (radix select on the bits)."""
    import numpy as np

    u = np.ascontiguousarray(v, dtype=np.float64).view(np.uint64)
    neg = (u >> np.uint64(63)).astype(bool)
    return np.where(neg, ~u, u | np.uint64(1 << 63))


def _float_of_order(u: int) -> float:
    import numpy as np

    u = np.uint64(u)
    bits = u & np.uint64((1 << 63) - 1) if u >> np.uint64(63) else ~u
    return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])


def select_ranks(chunks, ranks) -> list[float]:
    """The values at 0-based ``ranks`` of a multiset of floats given as ``(values, counts)``
    chunks (``chunks()`` returns a fresh iterator; it is walked four times): a radix select on
    16 bits of the values at a time, so memory holds one chunk and two 65,536-bin histograms
    whatever the number of values. Equals indexing the sorted, repeated values."""
    import numpy as np

    rem = [int(r) for r in ranks]
    prefix = [0] * len(rem)
    for level in range(4):
        shift = np.uint64(48 - 16 * level)
        hists = [np.zeros(1 << 16) for _ in rem]
        for v, c in chunks():
            if not len(v):
                continue
            u = _float_order(v)
            digit = ((u >> shift) & np.uint64(0xFFFF)).astype(np.intp)
            c = np.asarray(c, dtype=float)
            top = u >> np.uint64(64 - 16 * level) if level else None
            for i in range(len(rem)):
                if level:
                    sel = top == np.uint64(prefix[i])
                    hists[i] += np.bincount(digit[sel], weights=c[sel], minlength=1 << 16)
                else:
                    hists[i] += np.bincount(digit, weights=c, minlength=1 << 16)
        for i in range(len(rem)):
            cum = np.cumsum(hists[i])
            d = int(np.searchsorted(cum, rem[i], side="right"))
            if d:
                rem[i] -= int(cum[d - 1])
            prefix[i] = (prefix[i] << 16) | d
    return [_float_of_order(p) for p in prefix]


def median_of(chunks) -> float | None:
    """``np.median`` of the values repeated by their counts (``None`` when there is none)."""
    n = 0
    for _, c in chunks():
        n += int(round(float(c.sum())))
    if n == 0:
        return None
    lo, hi = select_ranks(chunks, [(n - 1) // 2, n // 2])
    return float((lo + hi) / 2.0)


class PairStore:
    """``(value, count)`` float64 pairs appended part by part, in memory or appended to a file,
    read back in chunks of at most ``rows``."""

    def __init__(self, path=None, rows: int = 1 << 22):
        self.path = path
        self.rows = rows
        self.parts: list = []
        self.size = 0

    def append(self, values, counts) -> None:
        import numpy as np

        rec = np.empty(len(values), dtype=[("v", "f8"), ("c", "f8")])
        rec["v"], rec["c"] = values, counts
        self.size += len(rec)
        if self.path is None:
            self.parts.append(rec)
        else:
            from datasafe.engines.spill import private_open

            with private_open(self.path, "ab") as fh:
                rec.tofile(fh)

    def chunks(self):
        import numpy as np

        if self.path is None:
            for rec in self.parts:
                yield rec["v"], rec["c"]
            return
        dt = np.dtype([("v", "f8"), ("c", "f8")])
        for off in range(0, self.size, self.rows):
            rec = np.fromfile(self.path, dtype=dt, count=min(self.rows, self.size - off),
                              offset=off * dt.itemsize)
            yield rec["v"], rec["c"]


def freq_codes(freq, plan: RiskPlan):
    """Codes (g × p, ``-1`` missing) of the combinations of a frequency table."""
    import numpy as np

    if plan.packed:
        return decode_keys(freq["key"].to_numpy(dtype=np.int64), plan)
    return np.column_stack([freq[f"c{j}"].to_numpy(dtype=np.int64)
                            for j in range(len(plan.keys))]) if len(plan.keys) else \
        np.zeros((len(freq), 0), dtype=np.int64)


def missing_bits(codes):
    """One int64 per row: bit ``j`` set when key variable ``j`` is missing."""
    import numpy as np

    p = codes.shape[1]
    return ((codes < 0).astype(np.int64) << np.arange(p, dtype=np.int64)).sum(axis=1)


def weight_median(freqs) -> float | None:
    """Median of the valid weights from their value counts (``freqs["weights"]``)."""
    w = freqs.get("weights")
    if w is None or not len(w):
        return None
    return _weighted_median(w.index.to_numpy(dtype=float), w.to_numpy())


def weight_notes(plan: RiskPlan, ctx: dict, wmed: float | None, bad: int) -> float | None:
    """The median that replaces invalid weights, with the report's notes; without any valid
    weight the risk is computed unweighted (as ``assess_table`` does)."""
    if plan.weight is None:
        return None
    wcol = ctx["weight_col"]
    if wmed is None:
        ctx["notes"].append(f"weight column '{wcol.name}' holds no positive number; "
                            "risk computed without weights")
        plan.weight = None
        ctx["weight_col"] = None
        return None
    if bad:
        ctx["notes"].append(f"{bad} records with a missing or invalid weight got the median "
                            "weight")
    return wmed


TIES_PRUNED = 1000  # datasafe.risk.top_classes keeps this many tied candidates before pruning


class _Top:
    """What :func:`datasafe.risk.top_classes` needs from classes that arrive part by part,
    bounded: every class above ``thr`` (the ``top``-th highest risk so far), the
    ``TIES_PRUNED`` classes at ``thr`` that come first in the file, and how many classes are
    at ``thr``. The result is the top of all classes, ties and pruning included."""

    def __init__(self, top: int):
        self.top = top
        self.rows = None  # DataFrame: risk, fk, first, and the payload of each kept class
        self.thr = None
        self.ties = 0
        self.count = 0

    @staticmethod
    def _keep(risk, first, thr):
        import numpy as np

        above = np.flatnonzero(risk > thr)
        tied = np.flatnonzero(risk == thr)
        n_tied = len(tied)
        if n_tied > TIES_PRUNED:
            tied = tied[np.argpartition(first[tied], TIES_PRUNED - 1)[:TIES_PRUNED]]
        return np.concatenate([above, tied]), n_tied

    def add(self, risk, first, payload) -> None:
        """One part: arrays ``risk`` and ``first`` of its classes, and ``payload(idx)`` → the
        DataFrame (columns risk, fk, first, …) of the classes at positions ``idx``."""
        import numpy as np
        import pandas as pd

        n = len(risk)
        if n == 0:
            return
        t = min(self.top, n)
        thr = float(np.partition(risk, n - t)[n - t]) if t else float(risk.max())
        idx, n_tied = self._keep(risk, first, thr)
        part = payload(idx)
        if self.rows is None:
            self.rows, self.thr, self.ties, self.count = part, thr, n_tied, n
            return
        rows = pd.concat([self.rows, part], ignore_index=True)
        count = self.count + n
        t = min(self.top, count)
        r = rows["risk"].to_numpy()
        new = float(np.partition(r, len(r) - t)[len(r) - t]) if t else float(r.max())
        ties = 0
        for state_thr, state_ties, state_rows in ((self.thr, self.ties, self.rows),
                                                  (thr, n_tied, part)):
            ties += (state_ties if state_thr == new
                     else int((state_rows["risk"].to_numpy() == new).sum()))
        keep, _ = self._keep(r, rows["first"].to_numpy(), new)
        self.rows = rows.iloc[np.sort(keep)].reset_index(drop=True)
        self.thr, self.ties, self.count = new, ties, count

    def result(self):
        """The kept rows of the top classes, riskiest first (``top_classes``' order)."""
        import numpy as np

        if self.rows is None or self.top == 0:
            return None
        t = min(self.top, self.count)
        rows = self.rows
        risk, first = rows["risk"].to_numpy(), rows["first"].to_numpy()
        above = np.flatnonzero(risk > self.thr)
        tied = np.flatnonzero(risk == self.thr)
        if len(above) + self.ties > TIES_PRUNED:  # top_classes prunes the ties by file order
            tied = tied[np.argsort(first[tied], kind="stable")[:t]]
        cand = np.concatenate([above, tied])
        fk = rows["fk"].to_numpy()
        order = cand[np.lexsort((first[cand], fk[cand], -risk[cand]))][:t]
        return rows.iloc[order]


def _merge_ldiv(a: dict | None, b: dict) -> dict:
    """Two parts' ``l_diversity_summary`` (classes in one part only): minima and sums."""
    if a is None:
        return dict(b)
    out = {}
    for key, v in a.items():
        w = b[key]
        if key == "l_threshold":
            out[key] = v
        elif key.endswith("_min"):
            vals = [x for x in (v, w) if x is not None]
            out[key] = min(vals) if vals else None
        else:
            out[key] = v + w
    return out


class RiskAccumulator:
    """The risk measures of a table from its frequency table given in buckets (every key
    combination in exactly one bucket, with its (combination, sensitive value) counts), so that
    one bucket at a time is in memory. Record-level totals are sums over the buckets; the
    medians are a radix select over the spilled (risk, records) pairs (or, without weights and
    missing values, over the records per class size); the riskiest combinations a bounded
    candidate set (:class:`_Top`); l-diversity per bucket, its summaries merged.

    ``missing``: some key combination has a missing value. Its ``fk``/``Fk`` then count the
    combinations it matches in every bucket: with one bucket, ``_pattern_matches`` computes them;
    with several (``partitioned``), the caller passes each bucket's matches from other
    combinations (``matched``) and the totals of combinations matching everything
    (``cover``)."""

    def __init__(self, plan: RiskPlan, ctx: dict, wmed: float | None, missing: bool, *,
                 partitioned: bool = False, store=None):
        from datasafe.risk import RISKIEST_TOP

        self.plan, self.ctx, self.wmed = plan, ctx, wmed
        self.missing, self.partitioned = bool(missing), partitioned
        self.cover: dict[int, tuple[float, float]] = {}
        self.simple = plan.weight is None and not self.missing
        self.ks = sorted({2, 3, 5, int(ctx["k"])})
        self.n = 0
        self.classes = 0
        self.er = 0.0
        self.k_min = None
        self.below_k = 0
        self.violations = dict.fromkeys(self.ks, 0)
        self.uniques = 0
        self.above = 0
        self.max_risk = 0.0
        self.missing_records = 0
        self.size_bands = None
        self.risk_bands = None
        self.sizes: list = []  # (class sizes, records) per bucket, for the simple medians
        self.store = PairStore(store)  # (risk, records) for the medians otherwise
        self.top = _Top(RISKIEST_TOP)
        self.ldiv: dict[int, dict | None] = {j: None for j in range(len(ctx["sens_cols"]))}
        self.hh_er = 0.0
        self.hh_count = 0
        self.has_households = False

    # -- one bucket ------------------------------------------------------------------------

    def bucket(self, freq, pairs: dict | None = None, matched=None):
        """Add one bucket's frequency table (``group_freq`` rows) and its sensitive pairs
        (``{j: group_pairs rows}``). Returns the bucket's combination keys sorted and their
        risks (a record's risk by binary search)."""
        import numpy as np

        from datasafe.risk.measures import (
            _pattern_matches,
            individual_risk,
            l_diversity_from_counts,
            l_diversity_summary,
        )

        plan, ctx = self.plan, self.ctx
        key = freq["key"].to_numpy()
        order = np.argsort(key, kind="stable")
        keys_sorted = key[order]
        pcnt = freq["__n"].to_numpy(dtype=float)
        weighted = plan.weight is not None
        pw = None
        if weighted:
            pw = class_weights(freq, self.wmed)
        codes = None
        if self.missing:
            codes = freq_codes(freq, plan)
            pwx = pw if weighted else pcnt.copy()
            if not self.partitioned:
                cards = [len(plan.coders[c]) for c in plan.keys]
                fk, Fk = _pattern_matches(codes, cards, pcnt, pwx)
            else:
                fk = pcnt.astype(float).copy()
                Fk = pwx.astype(float).copy()
                if matched is not None and len(matched):
                    pos = order[np.searchsorted(keys_sorted, matched["key"].to_numpy())]
                    fk[pos] += matched["n"].to_numpy(dtype=float)
                    Fk[pos] += matched["w"].to_numpy(dtype=float)
                if self.cover:
                    bits = missing_bits(codes)
                    for m, (cn, cw) in self.cover.items():
                        sel = bits == m
                        fk[sel] += cn
                        Fk[sel] += cw
            risk = individual_risk(fk, Fk if weighted else None)
        else:
            fk, Fk = pcnt, (pw if weighted else pcnt)
            risk = class_risk(pcnt, pw)  # as the dask engine's workers (combination_risk)

        self.classes += len(freq)
        if len(freq):
            self._totals(pcnt, fk, risk, codes)
            first = freq["__first"].to_numpy()

            def payload(idx):
                import pandas as pd

                out = pd.DataFrame({"risk": risk[idx], "fk": fk[idx], "Fk": Fk[idx],
                                    "n": pcnt[idx], "first": first[idx].astype(np.int64)})
                c = codes[idx] if codes is not None else freq_codes(freq.iloc[idx], plan)
                for j in range(len(plan.keys)):
                    out[f"c{j}"] = c[:, j]
                return out

            self.top.add(risk, first, payload)
        for j in self.ldiv:
            pr = (pairs or {}).get(j)
            if pr is None or not len(pr):
                g_of = np.zeros(0, dtype=np.int64)
                cnt, miss = np.zeros(0), np.zeros(0, dtype=bool)
            else:
                g_of = order[np.searchsorted(keys_sorted, pr["key"].to_numpy())]
                cnt, miss = pr["__n"].to_numpy(dtype=float), pr["__s"].to_numpy() < 0
            ld = l_diversity_from_counts(g_of, cnt, miss, len(freq))
            self.ldiv[j] = _merge_ldiv(self.ldiv[j],
                                       l_diversity_summary(ld, ctx["l"], int(ctx["k"])))
        return keys_sorted, risk[order]

    def _totals(self, pcnt, fk, risk, codes) -> None:
        import numpy as np

        from datasafe.risk import CLASS_SIZE_BANDS, RISK_BANDS

        k = int(self.ctx["k"])
        self.n += int(pcnt.sum())
        self.er += float((pcnt * risk).sum())
        kmin = int(fk.min())
        self.k_min = kmin if self.k_min is None else min(self.k_min, kmin)
        self.below_k += int(pcnt[fk < k].sum())
        for x in self.ks:
            self.violations[x] += int(pcnt[fk < x].sum())
        self.uniques += int(pcnt[fk == 1].sum())
        self.above += int(pcnt[risk > self.ctx["thr"]].sum())
        self.max_risk = max(self.max_risk, float(risk.max()))
        if self.missing:
            self.missing_records += int(pcnt[(codes < 0).any(axis=1)].sum())
        sizes = []
        for lo, hi in CLASS_SIZE_BANDS:
            sel = (fk >= lo) & (fk <= hi) if hi is not None else fk >= lo
            sizes.append(int(pcnt[sel].sum()))
        bands = []
        for i, (lo, hi) in enumerate(RISK_BANDS):
            sel = ((risk >= lo) if i == 0 else (risk > lo)) & (risk <= hi)
            bands.append(int(pcnt[sel].sum()))
        self.size_bands = sizes if self.size_bands is None else [
            a + b for a, b in zip(self.size_bands, sizes)]
        self.risk_bands = bands if self.risk_bands is None else [
            a + b for a, b in zip(self.risk_bands, bands)]
        if self.simple:  # risk = 1/fk: records per class size are enough for the medians
            u, inv = np.unique(pcnt.astype(np.int64), return_inverse=True)
            self.sizes.append((u, np.bincount(inv.ravel(), weights=pcnt, minlength=len(u))))
        else:
            self.store.append(risk, pcnt)

    # -- households ------------------------------------------------------------------------

    def households(self, log, n) -> None:
        """Whole households: the sum of ``log(1 - r)`` over the members, and their number."""
        import numpy as np

        log = np.asarray(log, dtype=float)
        self.has_households = True
        self.hh_er += float(((1.0 - np.exp(log)) * np.asarray(n, dtype=float)).sum())
        self.hh_count += len(log)

    def lone(self, risk, n) -> None:
        """Records without a household id (each a household of its own): their risk and how
        many records have it."""
        import numpy as np

        log = log_not_identified(risk)
        n = np.asarray(n, dtype=float)
        self.has_households = True
        self.hh_er += float(((1.0 - np.exp(log)) * n).sum())
        self.hh_count += int(n.sum())

    # -- the report ------------------------------------------------------------------------

    def _medians(self):
        """(median, mad, records above median + 3·mad and above 0.1) of the record risks."""
        import numpy as np

        if self.simple:
            u = np.concatenate([s for s, _ in self.sizes])
            r = np.concatenate([c for _, c in self.sizes])
            sizes, inv = np.unique(u, return_inverse=True)
            rc = np.bincount(inv.ravel(), weights=r, minlength=len(sizes))
            rv = 1.0 / sizes
            med = _weighted_median(rv, rc)
            mad_ = 1.4826 * _weighted_median(np.abs(rv - med), rc)
            return med, mad_, int(rc[(rv > med + 3 * mad_) & (rv > 0.1)].sum())
        med = median_of(self.store.chunks)

        def dev():
            for v, c in self.store.chunks():
                yield np.abs(v - med), c

        mad_ = 1.4826 * median_of(dev)
        higher = 0
        for v, c in self.store.chunks():
            higher += int(c[(v > med + 3 * mad_) & (v > 0.1)].sum())
        return med, mad_, higher

    def result(self):
        from datasafe.model import RiskResult
        from datasafe.risk import _ALWAYS_MASK, CLASS_SIZE_BANDS, RISK_BANDS, mask
        from datasafe.risk.measures import l_diversity_from_counts, l_diversity_summary

        plan, ctx = self.plan, self.ctx
        cols, k, thr = ctx["cols"], int(ctx["k"]), ctx["thr"]
        n = self.n
        weighted = plan.weight is not None
        higher = self._medians()[2] if n else 0
        hh_er = hh_gr = hh_count = None
        if self.has_households and n:
            hh_er, hh_gr, hh_count = self.hh_er, self.hh_er / n, self.hh_count
        l_div = {}
        for j, c in enumerate(ctx["sens_cols"]):
            s = self.ldiv[j]
            if s is None:
                import numpy as np

                s = l_diversity_summary(l_diversity_from_counts(
                    np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(0, dtype=bool), 0),
                    ctx["l"], k)
            l_div[c.name] = s
        riskiest = []
        top = self.top.result() if n else None
        for _, row in (top.iterrows() if top is not None else ()):
            values = {}
            for j, c in enumerate(cols):
                code = int(row[f"c{j}"])
                if code < 0:
                    values[c.name] = None
                    continue
                raw = str(plan.coders[c.key].values[code])
                if c.role in ("direct", "sensitive") or c.entity in _ALWAYS_MASK:
                    raw = mask(raw, c.entity)
                values[c.name] = raw
            riskiest.append({"values": values, "fk": int(row["fk"]),
                             "Fk": round(float(row["Fk"]), 4),
                             "risk": round(float(row["risk"]), 6), "records": int(row["n"])})

        def bands(counts, spec, label):
            out = []
            for i, (lo, hi) in enumerate(spec):
                rec = int(counts[i]) if counts is not None else 0
                if label == "size":
                    name = str(lo) if lo == hi else (f"{lo}+" if hi is None else f"{lo}-{hi}")
                    out.append({"size": name, "records": rec})
                else:
                    out.append({"range": [lo, hi], "records": rec})
            return out

        weight_col, hh_col = ctx["weight_col"], ctx["hh_col"]
        extra: dict[str, Any] = {
            "table_kind": "microdata",
            "method": ("sdcMicro indivRisk approx (weighted)" if weighted
                       else "1/fk (no sampling weight; sdcMicro indivRisk survey=FALSE)"),
            "weight": weight_col.name if weight_col is not None else None,
            "weight_source": ctx["weight_why"] if weight_col is not None else None,
            "household_id": hh_col.name if hh_col is not None else None,
            "household_id_source": ctx["hh_why"] if hh_col is not None else None,
            "violations": {str(x): int(v) for x, v in self.violations.items()},
            "sample_uniques": self.uniques,
            "equivalence_classes": int(self.classes),
            "individual_risk_threshold": thr,
            "records_above_risk_threshold": self.above,
            "max_individual_risk": round(float(self.max_risk), 6) if n else 0.0,
            "higher_risk_than_main_part": higher,
            "household_expected_reidentifications": None if hh_er is None else round(hh_er, 4),
            "household_global_risk": None if hh_gr is None else round(hh_gr, 6),
            "households": hh_count,
            "l_diversity": l_div,
            "missing_in_key_variables": self.missing_records if n and self.missing else 0,
            "missing_value_rule": "a missing key value matches any category (sdcMicro freqCalc)",
            "key_variable_order": ctx["order"],
            "key_variables_not_used": ctx["not_used"],
            "riskiest_combinations": riskiest,
            "class_size_histogram": bands(self.size_bands, CLASS_SIZE_BANDS, "size"),
            "risk_histogram": bands(self.risk_bands, RISK_BANDS, "range"),
            "guidance": "DR-DEID-02, DR-DEID-03, DR-DEID-04, DR-DEID-05, DR-DEID-06, DR-DEID-07",
        }
        if ctx["notes"]:
            extra["notes"] = ctx["notes"]
        return RiskResult(
            quasi_identifiers=[c.name for c in cols],
            k_min=self.k_min if n else None,
            records_below_k=self.below_k,
            k_threshold=k,
            expected_reidentifications=self.er,
            global_risk=min(1.0, max(0.0, self.er / n if n else 0.0)),
            extra=extra,
        )
