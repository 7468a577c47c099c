"""Re-identification risk of a table: k-anonymity and sdcMicro-compatible individual, global and
household risk for microdata; small cells and recoverable totals for aggregate tables.

``assess_table(table, result, options, profile) -> RiskResult | None`` fills the contract's
``risk`` block (DR-DEID-02…07 and DR-AGG-01/02 of
``../shared/guidance/data-responsibility-rules.md`` section (b)). The measures, with sdcMicro's
definitions (``R/freqCalc.r``, ``R/indivRisk.R`` method ``"approx"``, ``R/measure_risk.R``), live
in :mod:`datasafe.risk.measures`; the choice of key variables, weight and household id in
:mod:`datasafe.risk.keys`; small cells in :mod:`datasafe.risk.aggregate`.

Microdata → ``RiskResult`` with the contract fields, and in ``extra``:
``table_kind: "microdata"``, ``method``, ``weight``, ``household_id``, ``violations``
(``{"2": n, "3": n, "5": n, "<k>": n}``), ``sample_uniques``, ``equivalence_classes``,
``individual_risk_threshold``, ``records_above_risk_threshold``, ``max_individual_risk``,
``higher_risk_than_main_part`` (sdcMicro's print: risk > median + 3·mad and > 0.1),
``household_expected_reidentifications``, ``household_global_risk``, ``households``,
``l_diversity`` (per sensitive column), ``missing_in_key_variables``, ``key_variable_order``
(column + reason), ``key_variables_not_used``, ``riskiest_combinations`` (values of direct and
sensitive columns masked), ``notes``.

Aggregate (count) tables → a ``RiskResult`` too, so that every table with a breakdown has a
``risk`` block: ``quasi_identifiers`` are the group (breakdown) columns, ``k_threshold`` the
small-cell threshold, ``k_min`` the smallest count, ``records_below_k`` the number of small
*cells*; ``expected_reidentifications`` and ``global_risk`` are 0 (individual risk is defined for
microdata only); ``extra["table_kind"] == "aggregate"`` and ``extra["small_cells"]`` holds the
detail (threshold, severe topic, cells, recoverable totals). Checks must read ``table_kind``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from datasafe.detect.mask import SENSITIVE_MASK
from datasafe.model import RiskResult
from datasafe.risk.measures import (  # noqa: F401 - public API reused by redaction
    DEFAULT_MISSING,
    RiskMeasures,
    encode_column,
    encode_keys,
    frequencies,
    frequencies_from_codes,
    group_ids,
    household_risk,
    individual_risk,
    k_violations,
    l_diversity_from_ids,
    measure_risk,
    parse_weights,
)

log = logging.getLogger("datasafe")

__all__ = [
    "assess_table", "frequencies", "frequencies_from_codes", "individual_risk",
    "household_risk", "k_violations", "measure_risk", "RiskMeasures", "encode_keys",
    "encode_column", "group_ids", "parse_weights", "l_diversity_from_ids", "DEFAULT_MISSING",
    "riskiest_combinations", "mask",
]

RISKIEST_TOP = 5
# quasi-identifiers precise enough to point at one person on their own: masked like direct ones
_ALWAYS_MASK = {"DATE_OF_BIRTH", "GPS_COORDINATE", "ADDRESS", "PERSON", "PHONE_NUMBER",
                "EMAIL_ADDRESS", "NATIONAL_ID", "CASE_ID"}
CLASS_SIZE_BANDS = [(1, 1), (2, 2), (3, 4), (5, 9), (10, None)]
RISK_BANDS = [(0.0, 0.01), (0.01, 0.05), (0.05, 0.1), (0.1, 0.5), (0.5, 1.0)]


def _bands(values: Any, bands: list, label: str) -> list[dict]:
    """Records per band: class sizes ``[lo, hi]`` (inclusive) or risks ``(lo, hi]`` (the first
    band includes 0)."""
    import numpy as np

    v = np.asarray(values, dtype=float)
    out = []
    for i, (lo, hi) in enumerate(bands):
        if label == "size":
            sel = (v >= lo) & (v <= hi) if hi is not None else v >= lo
            name = str(lo) if lo == hi else (f"{lo}+" if hi is None else f"{lo}-{hi}")
            out.append({"size": name, "records": int(sel.sum())})
        else:
            sel = ((v >= lo) if i == 0 else (v > lo)) & (v <= hi)
            out.append({"range": [lo, hi], "records": int(sel.sum())})
    return out


def mask(value: str, entity: str | None) -> str:
    """Mask one value of a direct or sensitive column (detection's masker when present)."""
    try:
        from datasafe.detect.mask import mask_value
    except ImportError:
        return "•••"
    try:
        return mask_value(value, entity)
    except Exception:  # noqa: BLE001 - never leak because a masker failed
        return "•••"


def _missing_tokens(profile: Any) -> tuple[str, ...]:
    params = getattr(profile, "params", None) or {}
    extra = params.get("missing_values")
    if extra is None:
        return DEFAULT_MISSING
    return tuple(DEFAULT_MISSING) + tuple(str(v) for v in extra)


def _disabled(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in ("none", "off", "no", "false", "-")


@dataclass
class Selection:
    """What the risk is measured on: key variables (with the reason for their order), the
    sampling weight and household id (given or detected), and notes for the report."""

    cols: list
    order: list
    not_used: list
    weight_col: Any
    weight_why: str | None
    hh_col: Any
    hh_why: str | None
    notes: list
    exclude: set


_PLACES = {"ADMIN_AREA", "LOCATION", "PCODE"}


def choose_variables(table: Any, result: Any, options: Any, profile: Any):
    """Weight, household id and key variables of a table, from the options, config and profile
    or detected: a :class:`Selection`, ``"aggregate"`` for a count table, or None when there is
    no key variable. Shared by :func:`assess_table` and the streaming/dask engines."""
    from datasafe.risk import aggregate
    from datasafe.risk.keys import (
        DEFAULT_MAX_KEY_VARS,
        as_list,
        default_key_vars,
        detect_household_id,
        detect_weight,
        resolve_column,
        setting,
    )

    params = getattr(profile, "params", None) or {}
    notes: list[str] = []
    explicit = as_list(setting("key_vars", options, profile))

    if result.kind == "aggregate" or (not explicit and aggregate.is_aggregate(table, result)):
        return "aggregate"

    # --- weight and household id -------------------------------------------------------------
    exclude: set[str] = set()
    weight_col = hh_col = None
    weight_why = hh_why = None
    w_opt = setting("weight", options, profile)
    if w_opt and not _disabled(w_opt):
        weight_col = resolve_column(result, str(w_opt))
        if weight_col is None:
            notes.append(f"weight column '{w_opt}' not found in this table")
        else:
            weight_why = "given"
    h_opt = setting("household_id", options, profile)
    if h_opt and not _disabled(h_opt):
        hh_col = resolve_column(result, str(h_opt))
        if hh_col is None:
            notes.append(f"household id column '{h_opt}' not found in this table")
        else:
            hh_why = "given"
    if hh_col is None and not _disabled(h_opt):
        found = detect_household_id(table, result, exclude)
        if found:
            hh_col, hh_why = found
    if hh_col is not None:
        exclude.add(hh_col.key)
    if weight_col is None and not _disabled(w_opt):
        found = detect_weight(table, result, exclude)
        if found:
            weight_col, weight_why = found
    if weight_col is not None:
        exclude.add(weight_col.key)

    # --- key variables -----------------------------------------------------------------------
    cap = int(params.get("max_key_vars", DEFAULT_MAX_KEY_VARS))
    not_used: list[dict] = []
    if explicit:
        cols, order = [], []
        for name in explicit:
            c = resolve_column(result, name)
            if c is None:
                notes.append(f"key variable '{name}' not found in this table")
            elif c not in cols:
                cols.append(c)
                order.append({"column": c.name, "reason": "given"})
        if not cols:
            return None
    else:
        cols, order, not_used = default_key_vars(result, exclude, cap, table.data,
                                                 profiled=True)
        if not cols:
            return None
        if getattr(result, "kind", None) == "unknown" and all(
                c.entity in _PLACES for c in cols):
            # places alone, in a table that is neither row-level nor counts (a 3W without a
            # count column: a row is an activity, not a person): nobody to re-identify
            return None
    return Selection(cols, order, not_used, weight_col, weight_why, hh_col, hh_why, notes,
                     exclude)


def assess_table(table: Any, result: Any, options: Any, profile: Any) -> RiskResult | None:
    """Risk block of one table, or None when it has no key variables (and is no count table)."""
    from datasafe.risk.keys import as_list, resolve_column, setting

    if table is None or result is None or table.data is None or table.rows == 0:
        return None
    params = getattr(profile, "params", None) or {}
    sel = choose_variables(table, result, options, profile)
    if sel == "aggregate":
        return _assess_aggregate(table, result, profile)
    if sel is None:
        return None
    cols, order, not_used, notes, exclude = sel.cols, sel.order, sel.not_used, sel.notes, sel.exclude
    weight_col, weight_why, hh_col, hh_why = sel.weight_col, sel.weight_why, sel.hh_col, sel.hh_why

    # --- measures ----------------------------------------------------------------------------
    data = table.data
    missing = _missing_tokens(profile)
    k = int(params.get("k", 5))
    thr = float(params.get("individual_risk_threshold", 0.05))
    weights = None
    if weight_col is not None:
        weights, bad = parse_weights(data[weight_col.key])
        if weights is None:
            notes.append(f"weight column '{weight_col.name}' holds no positive number; "
                         "risk computed without weights")
            weight_col = None
        elif bad:
            notes.append(f"{bad} records with a missing or invalid weight got the median weight")
    key_keys = {c.key for c in cols}
    sens_cols = [c for c in result.columns
                 if c.role == "sensitive" and c.key not in key_keys and c.key not in exclude
                 and not c.free_text and c.key in data.columns]
    extra_sens = as_list(setting("sensitive_vars", options, profile)) or []
    for name in extra_sens:
        c = resolve_column(result, name)
        if c is not None and c.key not in key_keys and c not in sens_cols:
            sens_cols.append(c)
    hh_values = data[hh_col.key] if hh_col is not None else None

    m = measure_risk(data, [c.key for c in cols], weights=weights, household_ids=hh_values,
                     k=k, threshold=thr, sensitive=[c.key for c in sens_cols],
                     l_min=int(params.get("l", 2)), missing=missing,
                     dictionaries={c.key: c.codes for c in cols + sens_cols
                                   if getattr(c, "codes", None) is not None})

    extra: dict[str, Any] = {
        "table_kind": "microdata",
        "method": ("sdcMicro indivRisk approx (weighted)" if m.weighted
                   else "1/fk (no sampling weight; sdcMicro indivRisk survey=FALSE)"),
        "weight": weight_col.name if weight_col is not None else None,
        "weight_source": weight_why if weight_col is not None else None,
        "household_id": hh_col.name if hh_col is not None else None,
        "household_id_source": hh_why if hh_col is not None else None,
        "violations": m.violations,
        "sample_uniques": m.sample_uniques,
        "equivalence_classes": m.equivalence_classes,
        "individual_risk_threshold": thr,
        "records_above_risk_threshold": m.records_above_threshold,
        "max_individual_risk": round(float(m.risk.max()), 6) if m.n else 0.0,
        "higher_risk_than_main_part": m.higher_risk_than_main_part,
        "household_expected_reidentifications": (
            None if m.household_expected_reidentifications is None
            else round(m.household_expected_reidentifications, 4)),
        "household_global_risk": (None if m.household_global_risk is None
                                  else round(m.household_global_risk, 6)),
        "households": m.households,
        "l_diversity": {c.name: m.l_diversity[c.key] for c in sens_cols},
        "missing_in_key_variables": m.records_with_missing_key,
        "missing_value_rule": "a missing key value matches any category (sdcMicro freqCalc)",
        "key_variable_order": order,
        "key_variables_not_used": not_used,
        "riskiest_combinations": riskiest_combinations(data, m, cols, RISKIEST_TOP),
        "class_size_histogram": _bands(m.fk, CLASS_SIZE_BANDS, "size"),
        "risk_histogram": _bands(m.risk, RISK_BANDS, "range"),
        "guidance": "DR-DEID-02, DR-DEID-03, DR-DEID-04, DR-DEID-05, DR-DEID-06, DR-DEID-07",
    }
    if notes:
        extra["notes"] = notes
    return RiskResult(
        quasi_identifiers=[c.name for c in cols],
        k_min=m.k_min,
        records_below_k=m.records_below_k,
        k_threshold=k,
        expected_reidentifications=m.expected_reidentifications,
        global_risk=min(1.0, max(0.0, m.global_risk)),
        extra=extra,
    )


def top_classes(risk: Any, fk: Any, first: Any, top: int):
    """Indices of the ``top`` classes by risk, ties by smaller fk then file order (``first``
    record of the class) — without sorting every class."""
    import numpy as np

    n_cls = len(risk)
    top = min(top, n_cls)
    if top == 0:
        return np.zeros(0, dtype=np.int64)
    thr = np.partition(risk, n_cls - top)[n_cls - top]
    cand = np.flatnonzero(risk >= thr)
    if len(cand) > 1000:
        above = cand[risk[cand] > thr]
        tied = cand[risk[cand] == thr]
        f = first[tied]  # a class's first record: distinct numbers, so no ties among them
        if len(tied) > top:  # the `top` earliest, without sorting them all (1M: 160 -> 15 ms)
            tied = tied[np.argpartition(f, top - 1)[:top]]
        cand = np.concatenate([above, tied])
    return cand[np.lexsort((first[cand], fk[cand], -risk[cand]))][:top]


def riskiest_combinations(data: Any, m: RiskMeasures, cols: list[Any],
                          top: int = RISKIEST_TOP) -> list[dict]:
    """The ``top`` key combinations with the highest individual risk (ties: smallest fk first),
    with their fk, Fk and risk. Values of direct or sensitive columns are masked, and those of
    key variables detection did not class at all (named by the user: maybe a missed
    identifier)."""
    import numpy as np

    if not m.n:
        return []
    ids = m.class_ids
    n_cls = int(ids.max()) + 1
    first = np.full(n_cls, -1, dtype=np.int64)
    first[ids[::-1]] = np.arange(m.n - 1, -1, -1)  # first record of each class
    sizes = np.bincount(ids, minlength=n_cls)
    r = m.risk[first]
    f = m.fk[first]
    order = top_classes(r, f, first, top)
    out = []
    for cls in order.tolist():
        i = int(first[cls])
        values = {}
        for j, c in enumerate(cols):
            code = int(m.codes[i, j])
            if code < 0:
                values[c.name] = None
                continue
            v = data[c.key].iloc[i]
            raw = "" if v is None else str(v).strip()
            if c.role == "sensitive":
                # a category (an ethnicity, a religion, an incident type) shows through a
                # first letter and a length: in a unique record's combination, nothing of it
                raw = SENSITIVE_MASK
            elif c.role in ("direct", "none") or c.entity in _ALWAYS_MASK:
                # a column named a key variable that detection did not class as a quasi-
                # identifier may be an identifier it missed: masked as one
                raw = mask(raw, c.entity)
            values[c.name] = raw
        out.append({"values": values, "fk": int(f[cls]), "Fk": round(float(m.Fk[i]), 4),
                    "risk": round(float(r[cls]), 6),
                    "records": int(sizes[cls])})
    return out


def _assess_aggregate(table: Any, result: Any, profile: Any) -> RiskResult | None:
    from datasafe.risk import aggregate

    sc = aggregate.small_cells(table, result, profile, mask_label=mask)
    if not sc["count_columns"]:
        return None
    return RiskResult(
        quasi_identifiers=list(sc["group_columns"]),
        k_min=sc["min_count"],
        records_below_k=sc["small"],
        k_threshold=sc["threshold"],
        expected_reidentifications=0.0,
        global_risk=0.0,
        extra={"table_kind": "aggregate", "small_cells": sc,
               "guidance": "DR-AGG-01, DR-AGG-02"},
    )
