"""Which columns the risk is measured on: key variables, sampling weight, household id.

Key variables default to the columns detection classified ``quasi``, plus ``sensitive`` columns
that are also key variables (ethnicity, religion, clan, nationality/origin: the contract says
"report sensitive, still use as a quasi-identifier"). They are ordered by how likely an intruder
is to know the attribute (the SDCG's disclosure scenarios: geography, sex and age first) and
capped (profile parameter ``max_key_vars``, default 8), because every extra key variable makes
almost every record unique and the measure stops telling anything.
"""

from __future__ import annotations

import re
from typing import Any

DEFAULT_MAX_KEY_VARS = 8

# (tier, entity types, reason) — lower tier first.
_TIERS: list[tuple[int, set[str], str]] = [
    (0, {"ADMIN_AREA", "LOCATION"}, "geography: known to anyone who knows where the person lives"),
    (1, {"SEX_GENDER"}, "sex/gender: visible and widely known"),
    (2, {"AGE", "DATE_OF_BIRTH"}, "age or date of birth: widely known"),
    (3, {"HOUSEHOLD_SIZE"}, "household size: known to neighbours"),
    (4, {"DISPLACEMENT_STATUS", "NATIONALITY", "LEGAL_STATUS"},
     "displacement status / origin: known in the community and in registration lists"),
    (5, {"ETHNICITY", "RELIGION", "CLAN"},
     "group attribute (ethnicity, religion, clan): sensitive and also a key variable"),
    (6, {"MARITAL_STATUS", "OCCUPATION", "EDUCATION"},
     "marital status / occupation / education: known to acquaintances"),
]
_KEY_SENSITIVE = {"ETHNICITY", "RELIGION", "NATIONALITY", "CLAN"}
_CLAN_RE = re.compile(r"(clan|tribe|tribu|caste|ethnic|ethni|qabiil|lineage|sub_?clan|origin)",
                      re.I)


def norm(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "_", str(name).strip().lower()).strip("_")


def as_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        items = [v.strip() for v in value.split(",")]
    else:
        items = [str(v).strip() for v in value]
    items = [v for v in items if v]
    return items or None


def setting(name: str, options: Any, profile: Any) -> Any:
    """An override: the scan option wins over the config, the config over the profile."""
    v = getattr(options, name, None) if options is not None else None
    if v not in (None, "", []):
        return v
    cfg = getattr(options, "config", None) or {}
    if cfg.get(name) not in (None, "", []):
        return cfg.get(name)
    params = getattr(profile, "params", None) or {}
    if params.get(name) not in (None, "", []):
        return params.get(name)
    return None


def resolve_column(result: Any, name: str) -> Any:
    """The ColumnResult a user's column name refers to: exact header or key, then a
    case/space-insensitive match, then an HXL hashtag."""
    for c in result.columns:
        if c.name == name or c.key == name:
            return c
    n = norm(name)
    for c in result.columns:
        if norm(c.name) == n or norm(c.key) == n:
            return c
    if name.strip().startswith("#"):
        tag = re.sub(r"\s+", "", name).lower()
        for c in result.columns:
            if c.hxl and c.hxl.lower() == tag:
                return c
    return None


def _entity_types(col: Any) -> list[str]:
    return [e.type for e in (col.entities or [])]


def _is_clan_like(col: Any) -> bool:
    return bool(_CLAN_RE.search(norm(col.name)))


def tier_of(col: Any) -> tuple[int, str]:
    types = _entity_types(col)
    if col.role == "sensitive" and _is_clan_like(col) and not (set(types) & _KEY_SENSITIVE):
        types = types + ["CLAN"]
    for t in types:
        for tier, ents, reason in _TIERS:
            if t in ents:
                return tier, reason
    return 7, "classified as a quasi-identifier"


def same_information(data: Any, a: str, b: str, codes: tuple | None = None) -> bool:
    """True when two columns are one-to-one (a name and its P-code): as key variables they carry
    the same information, so the second adds nothing to the risk and only takes a slot.
    ``codes``: the profiler's ``(codes, dictionary)`` of both columns of ``data`` when it has
    them (no pass over the text); an empty cell and a missing one are the same value."""
    import pandas as pd

    if codes is not None and codes[0] is not None and codes[1] is not None:
        return _codes_one_to_one(*codes[0], *codes[1])
    if all(isinstance(data[c].dtype, pd.CategoricalDtype) for c in (a, b)):
        import pyarrow as pa

        # compact columns (the streaming redaction): their codes and categories, no text
        ca, cb = [(data[c].cat.codes.to_numpy(),
                   pa.array(data[c].cat.categories, type=pa.string())) for c in (a, b)]
        return _codes_one_to_one(*ca, *cb)
    pair = data[[a, b]].astype("str").fillna("")
    na = pair[a].nunique()
    nb = pair[b].nunique()
    return bool(na == nb == len(pair.drop_duplicates())) and na > 0 and len(pd.unique(
        pair[a])) > 1


class OneToOne:
    """:func:`same_information` for many pairs of columns of one table: each column's text is
    factorised once, then a pair costs one pass over two integer arrays (a wide Kobo export
    compared hundreds of pairs, each through pandas, for seconds). The same answers:
    empty and missing cells are one value, at least two values, as many distinct pairs as
    distinct values on each side."""

    def __init__(self, data: Any):
        self.data = data
        self._codes: dict[str, tuple[Any, int]] = {}

    def codes(self, col: str):
        got = self._codes.get(col)
        if got is None:
            import pandas as pd

            s = self.data[col]
            if isinstance(s.dtype, pd.CategoricalDtype):
                s = s.astype(object)
            s = s.astype("str").fillna("")
            codes, uniques = pd.factorize(s, use_na_sentinel=False)
            got = self._codes[col] = (codes.astype("int64"), len(uniques))
        return got

    def __call__(self, a: str, b: str) -> bool:
        import numpy as np

        ca, na = self.codes(a)
        cb, nb = self.codes(b)
        if na != nb or na < 2:
            return False
        # a → b is a function (every row of one a-value has one b-value); onto nb == na
        # values, it is one-to-one
        f = np.empty(na, dtype=np.int64)
        f[ca] = cb
        return bool((f[ca] == cb).all())


def _codes_one_to_one(ca, da, cb, db) -> bool:
    """:func:`same_information` on dictionary codes (-1 for missing, as the profiler keeps
    them): the same count of distinct values in each column and of distinct pairs, at least
    two values."""
    import numpy as np
    import pandas as pd
    import pyarrow.compute as pc

    def slots(codes, dictionary):
        """1 + the code of each row's value (0 for missing, as the empty string is), int32: the
        transient copies stay small on tens of millions of rows."""
        empty = pc.index(dictionary, "").as_py() if len(dictionary) else -1
        c = np.asarray(codes).astype(np.int32)
        if empty >= 0:
            c[c < 0] = empty
        c += 1
        return c

    a = slots(ca, da)
    na = int(np.count_nonzero(np.bincount(a)))
    if na < 2:
        return False
    b = slots(cb, db)
    if na != int(np.count_nonzero(np.bincount(b))):
        return False
    width = len(db) + 1
    if (len(da) + 1) * width <= 1 << 22:  # few combinations: count them without hashing
        key = a * np.int32(width) + b
        return int(np.count_nonzero(np.bincount(key))) == na
    return len(pd.unique(a.astype(np.int64) * width + b)) == na


def _may_be_twins(a: Any, b: Any, rows: int) -> bool:
    """False when the profiler's counts already rule out a one-to-one pair: two columns filled
    on every row with different numbers of distinct values (spares a pass over both)."""
    sa, sb = a.stats, b.stats
    if sa is None or sb is None or not (sa.rows == sb.rows == rows):
        return True
    if sa.non_empty == sb.non_empty == rows:
        return sa.distinct == sb.distinct
    return True


def default_key_vars(result: Any, exclude: set[str], cap: int, data: Any = None,
                     profiled: bool = False, reasons: bool = True
                     ) -> tuple[list[Any], list[dict], list[dict]]:
    """Columns used by default, their order with reasons, and the candidates left out. With
    ``data``, a column of the same entity type one-to-one with a column already chosen (an admin
    name and its P-code) is left out. ``profiled``: ``data`` is the very table that ``result``'s
    statistics describe (not a treated copy), so its distinct counts can rule pairs out.
    ``reasons=False``: the caller needs the chosen columns only; once ``cap`` are chosen the
    others are not looked at (why each is left out is not worked out)."""
    cands = []
    for col in result.columns:
        if col.key in exclude or col.free_text:
            continue
        if col.role == "quasi":
            pass
        elif col.role == "sensitive":
            types = set(_entity_types(col))
            if not (types & _KEY_SENSITIVE or _is_clan_like(col)):
                continue
        else:
            continue
        if col.stats.non_empty == 0:
            continue
        tier, reason = tier_of(col)
        cands.append((tier, col.index, col, reason))
    cands.sort(key=lambda t: (t[0], t[1]))
    same = OneToOne(data) if data is not None and not profiled else None
    chosen: list[tuple] = []
    left: list[dict] = []
    for cand in cands:
        _, _, c, r = cand
        if not reasons and len(chosen) >= cap:
            break
        twin = None
        if data is not None and c.key in data.columns:
            twin = next((o for _, _, o, _ in chosen
                         if o.entity is not None and o.entity == c.entity
                         and o.key in data.columns
                         and (not profiled or _may_be_twins(o, c, len(data)))
                         and (same(o.key, c.key) if same is not None else
                              same_information(data, o.key, c.key, (o.codes, c.codes)))),
                        None)
        if twin is not None:
            left.append({"column": c.name,
                         "reason": f"same information as '{twin.name}' (one-to-one)"})
        elif len(chosen) >= cap:
            left.append({"column": c.name,
                         "reason": f"beyond the cap of {cap} key variables ({r})"})
        else:
            chosen.append(cand)
    order = [{"column": c.name, "reason": r} for _, _, c, r in chosen]
    return [c for _, _, c, _ in chosen], order, left


# ---------------------------------------------------------------------------------------------
# Sampling weights and household ids

_WEIGHT_EXACT = {
    "weight", "weights", "wt", "wgt", "wght", "poids", "peso", "pesos", "ponderation",
    "ponderacion", "ponderacao", "sampling_weight", "sample_weight", "survey_weight",
    "sampling_weights", "final_weight", "weight_final", "finalweight", "weights_general",
    "weight_general", "ind_weight", "indweight", "person_weight", "expansion_factor",
    "factor_expansion", "factor_de_expansion", "wgt_final", "pw", "pweight",
}
_WEIGHT_RE = re.compile(r"(^|_)(weights?|wgt|wght|wt|poids|peso|pesos|pond\w*|pweight)($|_)")
_HH_WORD = re.compile(r"(^|_)(hh|household|households|menage|hogar|hoh)(_|$)")
_BODY_RE = re.compile(r"(^|_)(height|length|muac|oedema|edema|bmi|kg|body|birth|taille|"
                      r"poids_naissance|haz|whz|waz)($|_)")
_HHID_EXACT = {
    "household_id", "householdid", "hh_id", "hhid", "hh_code", "hhcode", "hh_no", "hh_num",
    "hh_number", "household_code", "household_number", "household_no", "id_menage",
    "menage_id", "idmenage", "code_menage", "num_menage", "numero_menage", "id_hogar",
    "hogar_id", "ori_hid", "hid", "hh_key", "household_key", "parent_index", "hhkey",
}
_HHID_RE = re.compile(r"(^|_)(hh|household|menage|hogar)_?(id|code|no|num|number|key)($|_)|"
                      r"(^|_)(id|code|num|numero)_(hh|household|menage|hogar)($|_)")


def _numeric_share(series: Any) -> float:
    import pandas as pd

    s = series.dropna()
    if len(s) == 0:
        return 0.0
    v = pd.to_numeric(s.astype(str).str.strip(), errors="coerce")
    return float(((v > 0) & v.notna()).mean())


def detect_weight(table: Any, result: Any, exclude: set[str]) -> tuple[Any, str] | None:
    """A sampling-weight column, by header (weight, weights, poids, peso, wt, sampling_weight…)
    and positive numeric values. Person weights are preferred to household weights; a table
    with anthropometric columns (height, MUAC…) is not searched for a bare ``weight``, which
    there is a body weight."""
    headers = [norm(c.name) for c in result.columns]
    # 'taille' is a child's height, but 'taille_menage' a household's size
    anthropometric = any(_BODY_RE.search(h) and not _HH_WORD.search(h) for h in headers)
    ranked = []
    for col in result.columns:
        if col.key in exclude:
            continue
        h = norm(col.name)
        if h.lstrip("_") in _WEIGHT_EXACT:
            rank = 0
        elif _WEIGHT_RE.search(h):
            rank = 1
        else:
            continue
        if _BODY_RE.search(h):
            continue
        if anthropometric and h in {"weight", "weights", "wt", "poids", "peso"}:
            continue
        if _HH_WORD.search(h):
            rank += 2
        if col.key not in table.data.columns:
            continue
        if _numeric_share(table.data[col.key]) < 0.95:
            continue
        ranked.append((rank, col.index, col))
    if not ranked:
        return None
    ranked.sort(key=lambda t: (t[0], t[1]))
    col = ranked[0][2]
    return col, f"detected from the header '{col.name}' (positive numbers)"


def detect_household_id(table: Any, result: Any, exclude: set[str]) -> tuple[Any, str] | None:
    """A household identifier column, by header (household_id, hh_id, hhid, id_menage,
    ori_hid, _parent_index…), that repeats (several records per household)."""
    for col in result.columns:
        if col.key in exclude:
            continue
        h = norm(col.name)
        if not (h in _HHID_EXACT or _HHID_RE.search(h)):
            continue
        if col.key not in table.data.columns:
            continue
        s = table.data[col.key].dropna()
        if len(s) == 0 or len(s) < 0.5 * len(table.data):
            continue
        st = col.stats
        if st is not None and st.rows == len(table.data) and st.non_empty == len(s):
            unique = st.distinct >= st.non_empty  # the profiler counted them already
        else:
            unique = s.nunique() >= len(s)
        if unique:
            continue  # one record per household: the household risk is the individual risk
        return col, f"detected from the header '{col.name}' (values repeat across records)"
    return None
