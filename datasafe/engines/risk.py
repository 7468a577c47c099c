"""Re-identification risk from merged frequency tables (out-of-core), with the same measures and
the same ``RiskResult`` as :func:`datasafe.risk.assess_table`.

Each record's ``fk``, ``Fk`` and risk depend only on its key combination (missing values
matching any category, sdcMicro ``freqCalc``), so every record-level total is a sum over the
distinct combinations weighted by their record counts; medians are weighted medians. The
household risk needs the per-record risk grouped by household: a third pass
(:func:`datasafe.engines.core.household_part`).
"""

from __future__ import annotations

from typing import Any

from datasafe.engines.core import KeyCoder, RiskPlan, decode_keys


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


def freq_codes(freq, plan: RiskPlan):
    """Codes (g × p, ``-1`` missing) of the combinations of a frequency table."""
    import numpy as np

    if plan.packed:
        return decode_keys(freq["key"].to_numpy(dtype=np.int64), plan)
    return np.column_stack([freq[f"c{j}"].to_numpy(dtype=np.int64)
                            for j in range(len(plan.keys))]) if len(plan.keys) else \
        np.zeros((len(freq), 0), dtype=np.int64)


def pattern_measures(freq, plan: RiskPlan, weight_median: float | None):
    """Per distinct combination: codes, records, ``fk``, ``Fk``, risk (numpy arrays)."""
    import numpy as np

    from datasafe.risk.measures import _pattern_matches, individual_risk

    pcnt = freq["__n"].to_numpy(dtype=float)
    if plan.weight is not None:
        pw = freq["__w"].to_numpy(dtype=float) + freq["__bad"].to_numpy(dtype=float) * (
            weight_median if weight_median is not None else 0.0)
    else:
        pw = pcnt.copy()
    codes = None
    missing = False
    if plan.packed:
        key = freq["key"].to_numpy(dtype=np.int64)
        rest = key.copy()
        for j in range(len(plan.bases) - 1, -1, -1):  # a code of 0 in any digit = missing
            rest, r = np.divmod(rest, plan.bases[j])
            if (r == 0).any():
                missing = True
                break
    else:
        codes = freq_codes(freq, plan)
        missing = bool((codes < 0).any())
    if missing:
        if codes is None:
            codes = freq_codes(freq, plan)
        cards = [len(plan.coders[c]) for c in plan.keys]
        fk, Fk = _pattern_matches(codes, cards, pcnt, pw)
    elif plan.weight is None:
        # one array for fk and Fk, and 1/fk in one pass: the table can hold one row per record
        del pw
        fk = Fk = pcnt
        risk = np.divide(1.0, pcnt, out=np.zeros_like(pcnt), where=pcnt > 0)
        return codes, missing, pcnt, fk, Fk, risk
    else:
        fk, Fk = pcnt, pw
    risk = individual_risk(fk, Fk if plan.weight is not None else None)
    return codes, missing, pcnt, fk, Fk, risk


def _l_diversity(pairs, freq_index, l_min: int, k: int, c: float = 2.0):
    """sdcMicro l-diversity from (combination, sensitive value) counts."""
    import numpy as np

    from datasafe.risk.measures import l_diversity_from_counts, l_diversity_summary

    keys_sorted, order = freq_index
    g_of = order[np.searchsorted(keys_sorted, pairs["key"].to_numpy())]
    ld = l_diversity_from_counts(g_of, pairs["__n"].to_numpy(dtype=float),
                                 pairs["__s"].to_numpy() < 0, len(order), c)
    return l_diversity_summary(ld, l_min, k)


def combo_lookup(freq, plan: RiskPlan, risk):
    """Sorted combination keys and their risks: a record's risk by binary search (8 + 8 bytes
    per combination, no hash table)."""
    import numpy as np

    key = freq["key"].to_numpy()
    order = np.argsort(key, kind="stable")
    return key[order], np.asarray(risk)[order]


def risk_result(freqs: dict, plan: RiskPlan, ctx: dict, measures, households=None):
    """The ``RiskResult`` of the merged tables (``measures`` from :func:`pattern_measures`)."""
    import numpy as np

    from datasafe.model import RiskResult
    from datasafe.risk import (
        _ALWAYS_MASK,
        CLASS_SIZE_BANDS,
        RISK_BANDS,
        RISKIEST_TOP,
        mask,
    )
    from datasafe.risk.measures import mad  # noqa: F401 - definition mirrored below

    freq = freqs["freq"]
    codes, has_missing, pcnt, fk, Fk, risk = measures
    cols, k, thr = ctx["cols"], ctx["k"], ctx["thr"]
    n = int(pcnt.sum())
    weighted = plan.weight is not None
    er = float((pcnt * risk).sum())
    ks = sorted({2, 3, 5, int(k)})
    if n and not weighted and not has_missing:
        # risk = 1/fk: the medians over records from the counts per class size
        by_fk = np.bincount(pcnt.astype(np.int64), weights=pcnt)
        sizes = np.flatnonzero(by_fk)
        rv, rc = 1.0 / sizes, by_fk[sizes]
        med = _weighted_median(rv, rc)
        mad_ = 1.4826 * _weighted_median(np.abs(rv - med), rc)
    else:
        med = _weighted_median(risk, pcnt) if n else 0.0
        mad_ = 1.4826 * _weighted_median(np.abs(risk - med), pcnt) if n else 0.0
    hh_er = hh_gr = hh_count = None
    if households is not None and n:
        hr = 1.0 - np.exp(households["log"].to_numpy(dtype=float))
        hh_er = float((hr * households["n"].to_numpy(dtype=float)).sum())
        hh_gr = hh_er / n
        hh_count = int(len(households))
    findex = None
    l_div = {}
    for j, c in enumerate(ctx["sens_cols"]):
        if findex is None:
            fk_keys = freq["key"].to_numpy()
            order = np.argsort(fk_keys, kind="stable")
            findex = (fk_keys[order], order)
        l_div[c.name] = _l_diversity(freqs[f"s{j}"], findex, ctx["l"], k)

    def bands(values, spec, label):
        out = []
        for i, (lo, hi) in enumerate(spec):
            v = values
            if label == "size":
                sel = (v >= lo) & (v <= hi) if hi is not None else v >= lo
                name = str(lo) if lo == hi else (f"{lo}+" if hi is None else f"{lo}-{hi}")
                out.append({"size": name, "records": int(pcnt[sel].sum())})
            else:
                sel = ((v >= lo) if i == 0 else (v > lo)) & (v <= hi)
                out.append({"range": [lo, hi], "records": int(pcnt[sel].sum())})
        return out

    first = freq["__first"].to_numpy()
    top = min(RISKIEST_TOP, len(freq))
    order = []
    if n:  # as datasafe.risk.riskiest_combinations
        from datasafe.risk import top_classes

        order = top_classes(risk, fk, first, top)
    riskiest = []
    top_codes = freq_codes(freq.iloc[np.asarray(order, dtype=np.int64)], plan)
    for i, cls in enumerate(list(order)):
        values = {}
        for j, c in enumerate(cols):
            code = int(top_codes[i, j])
            if code < 0:
                values[c.name] = None
                continue
            raw = str(plan.coders[c.key].values[code])
            if c.role in ("direct", "sensitive") or c.entity in _ALWAYS_MASK:
                raw = mask(raw, c.entity)
            values[c.name] = raw
        riskiest.append({"values": values, "fk": int(fk[cls]), "Fk": round(float(Fk[cls]), 4),
                         "risk": round(float(risk[cls]), 6), "records": int(pcnt[cls])})
    weight_col, hh_col = ctx["weight_col"], ctx["hh_col"]
    extra: dict[str, Any] = {
        "table_kind": "microdata",
        "method": ("sdcMicro indivRisk approx (weighted)" if weighted
                   else "1/fk (no sampling weight; sdcMicro indivRisk survey=FALSE)"),
        "weight": weight_col.name if weight_col is not None else None,
        "weight_source": ctx["weight_why"] if weight_col is not None else None,
        "household_id": hh_col.name if hh_col is not None else None,
        "household_id_source": ctx["hh_why"] if hh_col is not None else None,
        "violations": {str(x): int(pcnt[fk < x].sum()) for x in ks},
        "sample_uniques": int(pcnt[fk == 1].sum()),
        "equivalence_classes": int(len(freq)),
        "individual_risk_threshold": thr,
        "records_above_risk_threshold": int(pcnt[risk > thr].sum()),
        "max_individual_risk": round(float(risk.max()), 6) if n else 0.0,
        "higher_risk_than_main_part": int(pcnt[(risk > med + 3 * mad_) & (risk > 0.1)].sum())
        if n else 0,
        "household_expected_reidentifications": None if hh_er is None else round(hh_er, 4),
        "household_global_risk": None if hh_gr is None else round(hh_gr, 6),
        "households": hh_count,
        "l_diversity": l_div,
        "missing_in_key_variables": (int(pcnt[(codes < 0).any(axis=1)].sum())
                                     if n and has_missing else 0),
        "missing_value_rule": "a missing key value matches any category (sdcMicro freqCalc)",
        "key_variable_order": ctx["order"],
        "key_variables_not_used": ctx["not_used"],
        "riskiest_combinations": riskiest,
        "class_size_histogram": bands(fk, CLASS_SIZE_BANDS, "size"),
        "risk_histogram": bands(risk, RISK_BANDS, "range"),
        "guidance": "DR-DEID-02, DR-DEID-03, DR-DEID-04, DR-DEID-05, DR-DEID-06, DR-DEID-07",
    }
    if ctx["notes"]:
        extra["notes"] = ctx["notes"]
    return RiskResult(
        quasi_identifiers=[c.name for c in cols],
        k_min=int(fk.min()) if n else None,
        records_below_k=int(pcnt[fk < k].sum()),
        k_threshold=k,
        expected_reidentifications=er,
        global_risk=min(1.0, max(0.0, er / n if n else 0.0)),
        extra=extra,
    )


def weight_median(freqs) -> float | None:
    w = freqs.get("weights")
    if w is None or not len(w):
        return None
    return _weighted_median(w.index.to_numpy(dtype=float), w.to_numpy())
