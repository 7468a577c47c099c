"""Small cells in aggregate (count) tables, and totals that give a suppressed cell away.

DR-AGG-01 (small counts): a count cell with 1 … t−1 respondents is disclosive; t = 5 by default
(``small_cell_threshold``) and 10 for GBV, protection and health tables
(``small_cell_threshold_severe``). Zeros are not flagged unless the profile sets
``small_cell_include_zeros: true`` (research environments count zeros too).
DR-AGG-02 (secondary disclosure): when only one cell of a row or column is small, suppressing it
is useless while the row or column total is published — total minus the other cells gives it
back; at least two cells per row and column must be masked.
(``../shared/guidance/data-responsibility-rules.md`` section (b), DR-AGG-01 and DR-AGG-02.)

A count table is recognised by HXL people-count hashtags (``#affected``, ``#inneed``,
``#targeted``, ``#reached``, ``#population``) or by numeric count columns whose rows are broken
down by group columns (admin area, sex, age group…) that identify each row.
"""

from __future__ import annotations

import re
from typing import Any

from datasafe.risk.keys import norm

COUNT_TAGS = ("#affected", "#inneed", "#targeted", "#reached", "#population")
_COUNT_HEADER = re.compile(
    r"(^|_)(count|counts|number|nb|nbr|nombre|numero_de|total|totals|people|persons|"
    r"individuals|individus|personnes|households|menages|cases|cas|beneficiaries|"
    r"beneficiaires|population|pop|pin|affected|affectes|reached|targeted|idps|idp|refugees|"
    r"returnees|survivors|patients|deaths|children|enfants|men|women|boys|girls|male|female|"
    r"males|females|hommes|femmes|garcons|filles|hombres|mujeres|ninos|ninas)($|_)")
_TOTAL_HEADER = re.compile(r"(^|_)(total|totals|all|ensemble|sum|tous|todos|grand_total)($|_)")
_TOTAL_VALUE = re.compile(r"^\s*(grand\s+)?(total|totals|all|ensemble|sum|tous|todos|"
                          r"sous[- ]total|subtotal|sub-total)\b", re.I)
_SEVERE_RE = re.compile(
    r"(gbv|vbg|sgbv|gender_based|sexual|rape|viol|violence|protection|child_protection|"
    r"survivor|survivant|sea|psea|abuse|exploitation|trafficking|health|sante|salud|patient|"
    r"disease|maladie|cholera|hiv|aids|malnutrition|sam|mam|mental|disabilit|handicap|"
    r"medical|clinic|hospital|death|mortality|deces|uasc|unaccompanied|separated|"
    r"non_accompagnes|separes|no_acompanados|separados)")
_SEVERE_ENTITIES = {"PROTECTION_INCIDENT", "HEALTH", "DISABILITY"}
_INT = re.compile(r"^[+-]?\d+(\.0+)?$")


def _hxl_base(tag: str | None) -> str | None:
    if not tag:
        return None
    return tag.split("+")[0].strip().lower()


def _numeric(series: Any):
    """Counts as numbers: '1,234', '1 234' and '3 ' are 1234, 1234 and 3 (NaN where not a
    number). The scan and the redactor read counts with this one function."""
    import pandas as pd

    s = series.astype("str").str.strip().str.replace(r"[\s,](?=\d{3}\b)", "", regex=True)
    return pd.to_numeric(s, errors="coerce")


# cells a publisher already suppressed: '<5', 'x', '*', 'c', 's', '..', '-' (statistical
# offices' marks) or a word saying so
MARKER = re.compile(r"^\s*(<\s*\d{1,3}|[xXcCsS]|\*{1,3}|\.\.|[-–—]|suppressed|supprim[eé]|"
                    r"masked|masqu[eé])\s*$", re.I)


def markers(series: Any):
    """Which cells of a count column are suppression markers (boolean Series)."""
    return series.astype("str").str.match(MARKER).fillna(False).astype(bool)


_NOT_COUNT = re.compile(r"(^|_)(year|annee|ano|month|mois|date|code|pcode|p_code|id|lat|lon|"
                        r"latitude|longitude|x|y|zip|postcode|phone|tel)($|_)")


def count_columns(table: Any, result: Any) -> list[Any]:
    """Columns of counts: an HXL people-count hashtag, or a count-like header with whole,
    non-negative numbers in (nearly) every filled cell. When detection already called the
    table an aggregate, any whole-number column that is not a year, code or id counts."""
    loose = result.kind == "aggregate"
    out = []
    for col in result.columns:
        if col.key not in table.data.columns or col.role == "direct":
            continue
        if col.role == "sensitive" and not loose:
            continue  # in an aggregate, 'Enfants non accompagnés' holding numbers is a count
            # of a sensitive topic, the most sensitive count of all (it was skipped)
        base = _hxl_base(col.hxl)
        by_tag = base in COUNT_TAGS
        if not by_tag and not _COUNT_HEADER.search(norm(col.name)):
            if not loose or _NOT_COUNT.search(norm(col.name)) or (col.hxl or "").startswith(
                    ("#adm", "#date", "#geo", "#loc")):
                continue
        s = table.data[col.key].dropna()
        s = s[s.astype("str").str.strip() != ""]
        s = s[~markers(s)]  # cells already suppressed ('<5', 'x') are counts too
        if len(s) == 0:
            continue
        v = _numeric(s)
        whole = v.notna() & (v >= 0) & (v == v.round())
        if whole.mean() >= (0.9 if by_tag else 0.95):
            out.append(col)
    return out


def group_columns(table: Any, result: Any, counts: list[Any]) -> list[Any]:
    """Columns that break the counts down: filled, mostly non-numeric (or coded) columns that are
    neither counts nor free text."""
    keys = {c.key for c in counts}
    out = []
    for col in result.columns:
        if col.key in keys or col.free_text or col.key not in table.data.columns:
            continue
        if col.stats.non_empty == 0:
            continue
        t = col.stats.inferred_type
        if t in ("float", "text"):
            continue
        out.append(col)
    return out


def is_aggregate(table: Any, result: Any) -> bool:
    """Detection's verdict when it gave one; else HXL count tags; else count columns whose rows
    are identified by the group columns (one row per cell of the breakdown)."""
    if result.kind == "aggregate":
        return True
    if result.kind == "microdata":
        return False
    counts = count_columns(table, result)
    if not counts:
        return False
    if any(_hxl_base(c.hxl) in COUNT_TAGS for c in counts):
        return True
    groups = group_columns(table, result, counts)
    # a count table has few breakdown columns; survey microdata has many categorical columns
    if not groups or len(groups) > 6 or table.rows < 2:
        return False
    if any(c.role == "direct" for c in result.columns):
        return False
    dup = table.data[[g.key for g in groups]].duplicated().mean()
    return bool(dup <= 0.01)


def severe_topic(table: Any, result: Any) -> str | None:
    """Why the table is about GBV, protection or health (then the severe threshold applies)."""
    for col in result.columns:
        ents = {e.type for e in col.entities or []}
        if ents & _SEVERE_ENTITIES:
            return f"column '{col.name}' holds {sorted(ents & _SEVERE_ENTITIES)[0].lower()} data"
    texts = [("table name", table.name), ("file name", getattr(table, "source", None))]
    texts += [("header", c.name) for c in result.columns]
    texts += [("HXL hashtag", c.hxl) for c in result.columns if c.hxl]
    for what, text in texts:
        if text and _SEVERE_RE.search(norm(str(text).rsplit("/", 1)[-1])):
            return f"{what} names a GBV, protection or health topic"
    return None


def small_cells(table: Any, result: Any, profile: Any, mask_label=None) -> dict[str, Any]:
    """The ``small_cells`` block of an aggregate table (see the module docstring)."""
    import numpy as np

    params = getattr(profile, "params", {}) or {}
    reason = severe_topic(table, result)
    t_severe = int(params.get("small_cell_threshold_severe", 10))
    t = int(t_severe if reason else params.get("small_cell_threshold", 5))
    include_zeros = bool(params.get("small_cell_include_zeros", False))
    counts = count_columns(table, result)
    groups = group_columns(table, result, counts)
    data = table.data
    values = {c.key: _numeric(data[c.key]).to_numpy(dtype=float) for c in counts}
    n = len(data)
    # a 3W mixes topics: the rows of a GBV, protection or health activity or sector ('Gestion
    # de cas VBG', 'Protection de l'enfance', 'Santé') take the severe threshold
    row_t = np.full(n, t, dtype=float)
    if reason is None and n:
        for g in groups:
            col = data[g.key].astype("str")
            severe_vals = {v for v in col.dropna().unique().tolist()
                           if _SEVERE_RE.search(norm(str(v)))}
            if severe_vals:
                hit = col.isin(severe_vals).fillna(False).to_numpy(dtype=bool)
                row_t[hit] = t_severe
                if reason is None:
                    reason = f"rows of column '{g.name}' name a GBV, protection or health topic"

    # total rows (a group column says "Total") and total columns (header "total", or the sum of
    # the other count columns in nearly every row)
    total_row = np.zeros(n, dtype=bool)
    for g in groups:
        total_row |= data[g.key].astype("str").str.match(_TOTAL_VALUE).fillna(False).to_numpy()
    total_cols = []
    for c in counts:
        others = [o for o in counts if o.key != c.key]
        if len(others) < 2:
            continue
        parts = np.vstack([values[o.key] for o in others])
        comp = np.nansum(parts, axis=0)
        v = values[c.key]
        # rows with a hidden or empty part say nothing about the sum: judged on complete rows
        complete = np.isfinite(parts).all(axis=0)
        ok = np.isfinite(v) & (complete if complete.sum() >= 2 else True)
        if ok.sum() and (np.isclose(comp[ok], v[ok]).mean() >= 0.9
                         or (_TOTAL_HEADER.search(norm(c.name))
                             and np.isclose(comp[ok], v[ok]).mean() >= 0.5)):
            total_cols.append(c)
    total_keys = {c.key for c in total_cols}
    cell_cols = [c for c in counts if c.key not in total_keys]

    small = {}
    examples = []
    flagged = np.zeros((n, len(cell_cols)), dtype=bool)
    zeros = 0
    for j, c in enumerate(cell_cols):
        v = values[c.key]
        lo = 0 if include_zeros else 1
        is_small = np.isfinite(v) & (v >= lo) & (v < row_t)
        zeros += int((np.isfinite(v) & (v == 0)).sum())
        flagged[:, j] = is_small
        small[c.name] = int(is_small.sum())
    # cells the publisher already hid ('<5', 'x'): not small cells to report, but a row or
    # column with one of them alone still gives it back from its total
    hidden = np.column_stack([markers(data[c.key]).to_numpy(dtype=bool) for c in cell_cols]) \
        if cell_cols and n else np.zeros((n, len(cell_cols)), dtype=bool)
    exposed = flagged | hidden
    # an empty cell is an unknown too: with two unknowns in a row, the total gives only their sum
    unknown = exposed | np.column_stack([~np.isfinite(values[c.key]) for c in cell_cols]) \
        if cell_cols and n else exposed

    offset = (table.header_row or 0) + (1 if getattr(table, "hxl_row", None) else 0)

    def where(i: int) -> dict[str, Any]:
        labels = {}
        for g in groups[:4]:
            val = data[g.key].iloc[i]
            val = None if val is None or val != val else str(val)
            if val is not None and g.role in ("direct", "sensitive"):
                val = mask_label(val, g.entity) if mask_label else "•••"
            labels[g.name] = val
        return {"row": int(i) + 1 + offset if table.header_row else int(i) + 1,
                "groups": labels}

    rows, cols = np.nonzero(flagged)
    for i, j in list(zip(rows.tolist(), cols.tolist()))[:20]:
        # where a small cell is, never its count: the count is the protected value
        examples.append({**where(i), "column": cell_cols[j].name})

    # DR-AGG-02: a row (with a total column) or a column (with a total row) holding exactly one
    # small cell gives it back by subtraction.
    recoverable = []
    if total_cols:
        per_row = exposed.sum(axis=1)
        for i in np.flatnonzero((per_row == 1) & (unknown.sum(axis=1) == 1)).tolist():
            j = int(np.flatnonzero(exposed[i])[0])
            recoverable.append({**where(i), "column": cell_cols[j].name,
                                "via": _via("row", column=total_cols[0].name)})
    if total_row.any():
        body = exposed & ~total_row[:, None]
        alone = (unknown & ~total_row[:, None]).sum(axis=0) == 1
        seen = {(r["row"], r["column"]) for r in recoverable}
        for j in np.flatnonzero((body.sum(axis=0) == 1) & alone).tolist():
            i = int(np.flatnonzero(body[:, j])[0])
            cell = {**where(i), "column": cell_cols[j].name}
            if (cell["row"], cell["column"]) in seen:
                continue  # one cell, recoverable two ways: counted once
            recoverable.append({**cell, "via": _via("column")})
    return {
        "threshold": t_severe if reason is not None else t,
        "severe_topic": reason is not None,
        "severe_topic_reason": reason,
        "include_zeros": include_zeros,
        "count_columns": [c.name for c in counts],
        "total_columns": [c.name for c in total_cols],
        "total_rows": int(total_row.sum()),
        "group_columns": [g.name for g in groups],
        "cells_checked": int(sum(np.isfinite(values[c.key]).sum() for c in cell_cols)),
        "small": int(flagged.sum()),
        "zeros": zeros,
        "by_column": small,
        # the smallest count only when it is not itself a small cell (then it would be one
        # of the protected values): None says "below the threshold" with ``small`` > 0
        "min_count": (None if flagged.any() else
                      _min_positive([values[c.key] for c in cell_cols])),
        "cells": examples,
        "recoverable": recoverable[:20],
        "recoverable_count": len(recoverable),
        "guidance": "DR-AGG-01, DR-AGG-02",
    }


def _min_positive(arrays: list[Any]) -> int | None:
    import numpy as np

    vals = [a[np.isfinite(a) & (a > 0)] for a in arrays]
    vals = [v for v in vals if len(v)]
    return int(min(v.min() for v in vals)) if vals else None


def _via(kind: str, **params) -> str:
    """How a suppressed cell is given back, as a Phrase (said in the reader's language)."""
    from datasafe.report.common import Phrase

    return Phrase(f"finding_details.via_{kind}_total", **params)
