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
    r"returnees|survivors|patients|deaths|incidents|reported|children|enfants|men|women|boys|"
    r"girls|male|female|"
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


def _plain(text: str) -> str:
    """A header or value as words without accents ('Cas de choléra' → 'cas_de_cholera')."""
    import unicodedata

    return norm("".join(ch for ch in unicodedata.normalize("NFKD", str(text))
                        if not unicodedata.combining(ch)))


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


# numbers that are not counts of people: sites, partners, activities covered; money, weight
_NOT_PEOPLE = re.compile(r"(^|_)(sites?|villages?|locations?|localites?|localities|partners?|"
                         r"partenaires|socios|organi[sz]ations?|orgs?|agencies|activit(y|ies)|"
                         r"activites|projects?|projets|facilit(y|ies)|structures?|schools?|"
                         r"ecoles|points?|distributions?|months?|mois|days|jours|weeks|km|kg|"
                         r"tons?|mt|litres?|liters?|usd|eur|cdf|amount|montant|budget|price|"
                         r"prix|cost|cout|value|valeur)($|_)")
_PEOPLE = re.compile(r"(^|_)(people|persons|individuals|individus|personnes|households|menages|"
                     r"hogares|hh|ind|idps?|pdi|refugees|refugies|returnees|retournes|survivors|"
                     r"patients|deaths|deces|children|enfants|ninos|men|women|boys|girls|male|"
                     r"female|hommes|femmes|beneficiaries|beneficiaires|pop|population|cases|"
                     r"cas)($|_)")
_NOT_PEOPLE_TAGS = ("#loc", "#org", "#activity", "#date", "#value", "#capacity", "#sector",
                    "#adm1", "#adm2", "#adm3", "#adm4", "#adm5", "#geo", "#operations")
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
        if not by_tag and (base in _NOT_PEOPLE_TAGS or (
                _NOT_PEOPLE.search(norm(col.name)) and not _PEOPLE.search(norm(col.name)))):
            continue  # 'Sites' (#loc+num), 'Partners', 'Villages covered': not people
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
        if t in ("float", "text") or percent_columns({col.key: col.name}, set()):
            continue  # a share ('14.6%') is a figure, not a breakdown
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
        if text and _SEVERE_RE.search(_plain(str(text).rsplit("/", 1)[-1])):
            return f"{what} names a GBV, protection or health topic"
    return None


# shares and rates computed from the counts: one beside a small count is a small cell too
_PCT_HEADER = re.compile(r"(^|_)(pct|percent|percentage|pourcentage|porcentaje|share|part|rate|"
                         r"taux|tasa|ratio|proportion|prop)($|_)|%")


def percent_columns(names: dict[str, str], skip: set[str]) -> list[str]:
    """Keys of the columns whose header says they are a share or rate ('pct_female_headed',
    '% IDPs', 'taux')."""
    return [k for k, name in names.items() if k not in skip and _PCT_HEADER.search(
        norm(name) + (" %" if "%" in name else ""))]


_NAMED_TOTAL = re.compile(r"^\s*(total|sous[- ]?total|subtotal|sub-total)\s+(?!g[eé]n[eé]ral\b|"
                          r"general\b|overall\b)(\S.{0,60})$", re.I)
_ALL_VALUE = r"\s*(all|total|totals|ensemble|tous|toutes|todos|todas|total general)\s*"
_SUBTOTAL_VALUE = re.compile(r"^\s*(sous[- ]?total|sub[- ]?total|subtotal)", re.I)


def _sums_to(total, parts, share: float = 0.9, min_rows: int = 2) -> bool:
    """Whether the column ``total`` is the sum of ``parts`` on at least ``share`` of the rows
    where all are known (and there are ``min_rows`` such rows)."""
    import numpy as np

    stack = np.vstack(parts)
    complete = np.isfinite(stack).all(axis=0) & np.isfinite(total)
    if complete.sum() < min_rows:
        return False
    return bool(np.isclose(stack[:, complete].sum(axis=0), total[complete]).mean() >= share)


def structure(values: dict, keys: list[str], names: dict[str, str], groups: list) -> dict:
    """How a count table adds up, for the scan and the redactor alike (``values``: key → float
    array; ``keys``: the count columns in order; ``groups``: the breakdown columns as text
    Series).

    - ``total_parts``: total column → the columns it adds up: the grand total ('total' = every
      other column), and partial totals ('total_female' = girls + women, the columns since the
      previous total);
    - ``total_row``: rows saying 'Total' (they add up the rows that are not totals);
    - ``blocks``: (subtotal row, the rows it adds up) for 'Sous-total' rows, each covering the
      rows since the previous total or subtotal row."""
    import numpy as np

    n = len(next(iter(values.values()))) if values else 0
    texts = [g.astype("str").fillna("").str.strip() for g in groups]
    total_row = np.zeros(n, dtype=bool)
    sub_row = np.zeros(n, dtype=bool)
    for text in texts:
        total_row |= text.str.match(_TOTAL_VALUE).to_numpy(dtype=bool)
        sub_row |= text.str.match(_SUBTOTAL_VALUE).to_numpy(dtype=bool)
    blocks = []
    start = 0
    for i in range(n):
        if sub_row[i]:
            rows = [r for r in range(start, i) if not total_row[r]]
            if rows:
                blocks.append((i, rows))
        if total_row[i]:
            start = i + 1
    # 'Total Tanganyika' (before or after its rows): the rows of Tanganyika
    named = [(i, m.group(2).strip().lower()) for t in texts for i, v in enumerate(t.tolist())
             if (m := _NAMED_TOTAL.match(v or ""))]
    for i, name in named:
        rows = [r for r in range(n) if r != i and not total_row[r] and not sub_row[r]
                and any(t.iat[r].lower() == name for t in texts)]
        if rows:
            blocks.append((i, rows))
            sub_row[i], total_row[i] = True, False
    # a long table's 'all' / 'Ensemble' / 'Total' category: the rows that share its other
    # breakdowns ('Kalemie, f, all' adds up 'Kalemie, f, 0-4', '…, 5-17', '…, 18+')
    if len(texts) >= 2 and n:
        import pandas as pd

        frame = pd.DataFrame({j: t.str.lower() for j, t in enumerate(texts)})
        frame.index = range(n)
        for j in range(len(texts)):
            is_all = frame[j].str.fullmatch(_ALL_VALUE).fillna(False).to_numpy(dtype=bool)
            if not is_all.any() or is_all.all():
                continue
            others = [o for o in frame.columns if o != j]
            combo = list(zip(*(frame[o].tolist() for o in others)))
            members: dict = {}
            for r in np.flatnonzero(~is_all).tolist():
                members.setdefault(combo[r], []).append(r)
            for i in np.flatnonzero(is_all).tolist():
                rows = members.get(combo[i])
                if rows:
                    blocks.append((i, [int(r) for r in rows]))
                    sub_row[i] = True
                    total_row[i] = False
    total_parts: dict[str, list[str]] = {}
    for idx, k in enumerate(keys):
        plain = [o for o in keys if o != k and o not in total_parts]
        run = []
        for o in reversed(keys[:idx]):  # the columns since the previous total
            if o in total_parts:
                break
            run.insert(0, o)
        header = bool(_TOTAL_HEADER.search(norm(names.get(k, ""))))
        for parts in ([run] if header and len(run) >= 2 else []) + [plain]:
            if len(parts) >= 2 and _sums_to(values[k], [values[o] for o in parts]):
                total_parts[k] = parts
                break
        else:
            # 'Total' with a few rows that do not add up
            if header and len(plain) >= 2 and _sums_to(values[k], [values[o] for o in plain],
                                                       share=0.5, min_rows=1):
                total_parts[k] = plain
    # a subtotal row is not a grand total row
    total_row &= ~sub_row
    return {"total_parts": total_parts, "total_row": total_row | sub_row,
            "grand_row": total_row, "blocks": blocks}


def recoverable_cells(exposed, unknown, cols: list[str], st: dict) -> list[tuple[int, int, str]]:
    """(row, column index, how) of every cell given back by subtraction: the only hidden or
    small cell among the parts of a total column in its row, of a column above a total row,
    or of a column within a subtotal's block ('unknown': hidden, small or empty cells, so
    that two unknowns together are not given back)."""
    import numpy as np

    idx = {c: j for j, c in enumerate(cols)}
    out, seen = [], set()

    def add(i, j, how):
        if (i, j) not in seen:
            seen.add((i, j))
            out.append((i, j, how))

    for total, parts in st["total_parts"].items():
        js = [idx[p] for p in parts if p in idx]
        if len(js) < 2:
            continue
        e, u = exposed[:, js], unknown[:, js]
        for i in np.flatnonzero((e.sum(axis=1) == 1) & (u.sum(axis=1) == 1)).tolist():
            add(i, js[int(np.flatnonzero(e[i])[0])], ("row", total))
    body = ~st["total_row"]
    for _sub, rows in st["blocks"]:
        body[rows] = False  # a subtotal's rows are its block's business
    if st["grand_row"].any():
        for j in range(len(cols)):
            e, u = exposed[body, j], unknown[body, j]
            if e.sum() == 1 and u.sum() == 1:
                add(int(np.flatnonzero(body)[np.flatnonzero(e)[0]]), j, ("column", None))
    for sub, rows in st["blocks"]:
        r = np.asarray(rows)
        for j in range(len(cols)):
            e, u = exposed[r, j], unknown[r, j]
            if e.sum() == 1 and u.sum() == 1:
                add(int(r[np.flatnonzero(e)[0]]), j, ("subtotal", sub))
    return out


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
                           if _SEVERE_RE.search(_plain(str(v)))}
            if severe_vals:
                hit = col.isin(severe_vals).fillna(False).to_numpy(dtype=bool)
                row_t[hit] = t_severe
                if reason is None:
                    reason = f"rows of column '{g.name}' name a GBV, protection or health topic"

    # how the table adds up: total columns (and the columns each adds up), total rows and
    # subtotal rows (see :func:`structure`)
    names = {c.key: c.name for c in counts}
    st = structure(values, [c.key for c in counts], names, [data[g.key] for g in groups])
    total_row = st["total_row"]
    total_cols = [c for c in counts if c.key in st["total_parts"]]
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

    # DR-AGG-02: a hidden or small cell alone among the parts of a total (a total column in
    # its row, a total row below its column, a subtotal row below its block) is given back by
    # subtraction
    recoverable = []
    for i, j, (how, by) in recoverable_cells(exposed, unknown, [c.key for c in cell_cols], st):
        via = (_via("row", column=names[by]) if how == "row" else _via("column")
               if how == "column" else _via("subtotal", row=where(by)["row"]))
        recoverable.append({**where(i), "column": cell_cols[j].name, "via": via})
    # a percentage or rate published in a row with a small or hidden count gives it back
    # (share × the total known elsewhere): rules (b) DR-AGG-02, "percentages or means based on
    # n < t count as small cells"
    seen = {(r["row"], r["column"]) for r in recoverable}
    pct = percent_columns({c.key: c.name for c in result.columns
                           if c.key in data.columns and c.role != "direct"},
                          {c.key for c in counts} | {g.key for g in groups})
    for k in pct:
        text = data[k].astype("str").str.strip()
        shown = (data[k].notna() & (text != "")).to_numpy(dtype=bool)  # '0.1%' too
        name = next(c.name for c in result.columns if c.key == k)
        for i in np.flatnonzero(exposed.any(axis=1) & shown).tolist():
            j = int(np.flatnonzero(exposed[i])[0])
            if (where(i)["row"], cell_cols[j].name) not in seen:
                recoverable.append({**where(i), "column": cell_cols[j].name,
                                    "via": _via("percent", column=name)})
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
