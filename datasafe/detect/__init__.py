"""Detection: classify every column as direct identifier, quasi-identifier, sensitive attribute
or none, and say whether a table is microdata (one row per person or household) or aggregate.

Signals, combined per column into a confidence (``Entity.evidence`` says which fired):
  header  - the normalised header against the lexicon (``data/headers.yaml``), whole tokens;
  hxl     - HXL hashtags and attributes (``data/hxl.yaml``);
  values  - recognizers over the profiled sample, confirmed on the full column where cheap;
  ner     - Presidio/spaCy on free-text columns only (imported lazily).
Role precedence: direct > sensitive > quasi > none.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from datasafe.detect.mask import mask_value
from datasafe.model import ROLE_RANK, Entity

log = logging.getLogger("datasafe.detect")

__all__ = ["detect_table", "ner_backend_name", "mask_value", "ENTITY_ROLES"]

# Default role of each entity type (the contract's definitions).
ENTITY_ROLES = {
    "PERSON": "direct", "PHONE_NUMBER": "direct", "EMAIL_ADDRESS": "direct",
    "NATIONAL_ID": "direct", "CASE_ID": "direct", "GPS_COORDINATE": "direct",
    "ADDRESS": "direct", "IP_ADDRESS": "direct", "CREDIT_CARD": "direct", "IBAN_CODE": "direct",
    "DATE_OF_BIRTH": "quasi", "AGE": "quasi", "SEX_GENDER": "quasi", "ADMIN_AREA": "quasi",
    "LOCATION": "quasi", "HOUSEHOLD_SIZE": "quasi", "DISPLACEMENT_STATUS": "quasi",
    "NATIONALITY": "quasi", "OCCUPATION": "quasi", "EDUCATION": "quasi",
    "MARITAL_STATUS": "quasi", "INCOME": "quasi", "LANGUAGE": "quasi", "DATE": "quasi",
    "ETHNICITY": "sensitive", "RELIGION": "sensitive", "HEALTH": "sensitive",
    "DISABILITY": "sensitive", "PROTECTION_INCIDENT": "sensitive", "LEGAL_STATUS": "sensitive",
    "POLITICAL_AFFILIATION": "sensitive", "SEXUAL_ORIENTATION": "sensitive",
    "URL": "none", "FREE_TEXT": "none",
}
DIRECT_STRONG = {"PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "NATIONAL_ID", "CASE_ID",
                 "ADDRESS", "IP_ADDRESS", "CREDIT_CARD", "IBAN_CODE"}
PERSON_ATTRS = {"AGE", "SEX_GENDER", "DATE_OF_BIRTH", "MARITAL_STATUS", "EDUCATION",
                "OCCUPATION", "ETHNICITY", "RELIGION", "DISABILITY", "HEALTH",
                "HOUSEHOLD_SIZE", "DISPLACEMENT_STATUS", "NATIONALITY", "LEGAL_STATUS",
                "PROTECTION_INCIDENT", "INCOME", "LANGUAGE"}
CATEGORICAL = {"MARITAL_STATUS", "EDUCATION", "OCCUPATION", "DISPLACEMENT_STATUS",
               "NATIONALITY", "ETHNICITY", "RELIGION", "LANGUAGE", "LEGAL_STATUS",
               "POLITICAL_AFFILIATION", "SEXUAL_ORIENTATION", "LOCATION", "ADMIN_AREA",
               "DISABILITY", "HEALTH", "PROTECTION_INCIDENT", "INCOME"}
# categories that make a column a quasi-identifier (not a sensitive attribute)
_QUASI_CATEGORIES = {"MARITAL_STATUS", "EDUCATION", "OCCUPATION", "DISPLACEMENT_STATUS",
                     "NATIONALITY", "LANGUAGE", "LOCATION", "ADMIN_AREA", "INCOME"}
# Header entities that, on integer values next to a count word, are counts of people.
COUNTABLE = {"COUNT", "SEX_GENDER", "AGE", "DISABILITY", "HEALTH", "DISPLACEMENT_STATUS",
             "PROTECTION_INCIDENT", "PERSON", "HOUSEHOLD_SIZE", "NATIONALITY", "ETHNICITY",
             "RELIGION", "MARITAL_STATUS", "EDUCATION", "OCCUPATION", "LEGAL_STATUS"}
COUNT_WORDS = {"number", "nb", "nbr", "nbre", "num", "count", "total", "nombre", "cantidad",
               "qty", "quantity", "many", "combien", "cuantos", "cuantas", "numero", "adad",
               "عدد", "no", "sum", "tot", "n"}
SEX_DISAGG = {"female", "male", "women", "men", "girls", "boys", "femmes", "hommes", "filles",
              "garcons", "mujeres", "hombres", "ninas", "ninos", "f", "m"}
VALUE_LIST_MIN = 0.6
NER_TEXTS = 120  # texts of a free-text column given to NER (the longest of the sample)
ACCEPT = 0.5

_SENSITIVE_TEXT: re.Pattern | None = None


def ner_backend_name() -> str | None:
    """Which NER ran in this process (None when no free-text column needed one)."""
    import sys

    mod = sys.modules.get("datasafe.detect.ner")
    if mod is None:
        return None
    used = mod.used_backends()
    return ", ".join(used) if used else None


@dataclass
class _Col:
    col: object
    header: list = field(default_factory=list)  # HeaderMatch
    hxl: list = field(default_factory=list)  # (entity, role, weight)
    hxl_count: bool = False
    hxl_person: bool = False
    feats: object = None
    count: bool = False
    count_inner: str | None = None
    free_text: bool = False
    blocked: bool = False
    ev: dict = field(default_factory=dict)  # entity -> {signal: strength}
    shares: dict = field(default_factory=dict)
    matched: dict = field(default_factory=dict)
    roles: dict = field(default_factory=dict)
    header_tokens: list = field(default_factory=list)
    value_list_files: tuple = ()
    is_list: bool = False  # a Parquet list of values: the features are of its items


def _config_files(options, key: str) -> tuple[str, ...]:
    cfg = getattr(options, "config", None) or {}
    if not isinstance(cfg, dict):
        return ()
    v = cfg.get(key) or cfg.get(key.replace("_", "-"))
    if not v:
        return ()
    import os

    root = cfg.get("_root")
    paths = [v] if isinstance(v, str) else [str(x) for x in v]
    # relative paths are relative to the repository root that holds the configuration
    return tuple(p if (os.path.isabs(p) or not root) else os.path.join(str(root), p)
                 for p in paths)


_KOBO_SYSTEM = {"id", "uuid", "index", "submission", "validation", "status", "notes", "tags",
                "parent", "version", "xform", "attachments", "submitted", "duration"}


def _kobo_system(name: str | None) -> bool:
    """Kobo/ODK system columns (``_id``, ``_uuid``, ``_index``…): record metadata."""
    if not name or not name.startswith("_"):
        return False
    words = set(re.split(r"[\W_]+", name.lower()))
    return bool(words & _KOBO_SYSTEM)


def _parse_hxl(tag: str | None):
    if not tag:
        return None, []
    parts = re.split(r"\s*(?=[+])", tag.strip().lower())
    return parts[0], [p for p in parts[1:] if p]


def _hxl_matches(tag: str | None) -> tuple[list, bool, bool]:
    from datasafe.detect.lexicon import load_hxl

    hx = load_hxl()
    base, attrs = _parse_hxl(tag)
    if not base:
        return [], False, False
    out = []
    is_count = base in hx.get("count_tags", [])
    person = base in hx.get("person_tags", [])
    if is_count:
        return [("COUNT", "none", 0.9)], True, False
    amap = hx.get("attributes", {})
    for a in attrs:
        # +marital_status, +age_years: Kobo-style attributes named like the listed ones
        spec = amap.get(a) or amap.get(a.split("_")[0])
        if spec and spec["entity"] == "PERSON" and not person:
            continue  # #loc+name, #org+name, #item+name: the name of a thing
        if spec:
            out.append((spec["entity"], spec["role"], float(spec["weight"])))
        elif person and a in hx.get("person_id_attributes", []):
            out.append(("CASE_ID", "direct", 0.85))
    if base.startswith("#adm") or base == "#loc":
        # +origin on a place is where people come from: still a place (quasi)
        out = [o for o in out if o[0] != "NATIONALITY"] or out
    if base == "#country" and "+origin" in attrs:
        out = [("NATIONALITY", "quasi", 0.8)]
    if not out and not (person and attrs and base != "#contact"):
        # #respondee+head+household_size is a trait of the respondent, not the respondent: only
        # the bare tag (or an attribute naming or numbering the person) says "person" (rules §c)
        spec = hx.get("tags", {}).get(base)
        if spec:
            out.append((spec["entity"], spec["role"], float(spec["weight"])))
    if base == "#geo" and any(a in attrs for a in ("+bounds", "+elevation")):
        out = [("NONE", "none", 0.9)]
    return out, False, person


def _weights(series, col):
    """Frequencies of the sampled values when the sample holds every distinct value (from the
    value counts the profiler kept, else one count over the column)."""
    if col.stats.distinct > len(col.sample) or col.stats.distinct > 500:
        return None
    import numpy as np

    if col.counts is not None:
        uniques, counts = col.counts
        freq = dict(zip(uniques.to_pylist(), counts.tolist()))
        return np.array([float(freq.get(v, 1.0)) for v in col.sample], dtype="float64")
    if series is None:
        return None
    vc = series.dropna().value_counts()
    return vc.reindex(col.sample).to_numpy(dtype="float64", na_value=1.0)


def _is_free_text(c: _Col) -> bool:
    st = c.col.stats
    f = c.feats
    if st.non_empty == 0 or f is None or f.n == 0:
        return False
    if f.hits:
        return False
    top = c.header[0] if c.header else None
    if top is not None and not top.generic and top.entity not in (
            "FREE_TEXT", "NONE", "COUNT", "HEALTH", "PROTECTION_INCIDENT", "DISABILITY",
            "LEGAL_STATUS"):
        return False  # "site name", "address": a known kind of value, not free text
    varied = st.distinct >= max(3, 0.2 * st.non_empty)
    if st.inferred_type == "text" and varied:
        return True
    words_ok = st.mean_length >= 20 and f.multiword >= 0.6
    header_text = any(m.entity == "FREE_TEXT" for m in c.header)
    if header_text and st.distinct >= max(3, 0.05 * st.non_empty) and (
            st.mean_length >= 12 and f.multiword >= 0.4):
        return True
    return words_ok and varied and st.mean_length >= 30 and f.name_shape < 0.5


# Humanitarian sectors and clusters (English, French, Spanish): a "Secteur"/"Sector" column
# holding them is the 3W's sector, not the DRC's administrative secteur.
_SECTORS = frozenset("""
wash water sanitation hygiene health nutrition education protection shelter nfi shelter/nfi
food security fsl livelihoods logistics cccm camp coordination early recovery telecommunications
emergency telecommunications child protection gbv gender-based violence mine action cash
multi-purpose cash mpca agriculture coordination
eau assainissement eha eah sante education abris ame abris/ame securite alimentaire
moyens de subsistance logistique releve precoce relevement precoce protection de l'enfance
vbg lutte antimines coordination humanitaire
agua saneamiento salud educacion proteccion alojamiento seguridad alimentaria logistica
""".replace("\n", " ").split(" ")) - {""}
_SECTOR_PHRASES = ("food security", "early recovery", "child protection", "mine action",
                   "camp coordination", "securite alimentaire", "moyens de subsistance",
                   "protection de l'enfance", "lutte antimines", "seguridad alimentaria",
                   "relevement precoce", "gender-based violence", "multi-purpose cash")


def _sector_share(sample) -> float:
    """Share of sampled values that are names of humanitarian sectors or clusters."""
    import unicodedata

    vals = [str(v).strip().lower() for v in (sample or []) if str(v).strip()]
    if not vals:
        return 0.0

    def plain(v: str) -> str:
        return "".join(ch for ch in unicodedata.normalize("NFKD", v)
                       if not unicodedata.combining(ch))

    hits = 0
    for v in vals:
        p = plain(v)
        words = [w for w in p.replace("&", " ").replace(",", " ").split() if w]
        if p in _SECTORS or any(ph in p for ph in _SECTOR_PHRASES) or (
                words and all(w in _SECTORS or w in ("and", "et", "y", "de", "/") for w in words)):
            hits += 1
    return hits / len(vals)


def _enough_distinct(st) -> bool:
    """Enough different values for an identifier: three, or, in a file of one or two filled
    rows, all of them (a two-row list of names and IDs is still a list of names and IDs)."""
    return st.distinct >= 3 or (0 < st.non_empty < 3 and st.distinct == st.non_empty)


def _compatible(entity: str, c: _Col, generic: bool) -> bool:
    """Do the values allow what the header (or HXL) claims?"""
    f = c.feats
    st = c.col.stats
    if f is None or f.n == 0:
        return entity not in ("COUNT",)  # an empty column keeps its header's meaning
    few = st.non_empty >= 8 and st.distinct <= 2
    boolean = f.boolean >= 0.8
    if entity == "PERSON":
        # full names with known given names ("John Smith", "Mary Jones") are names even when
        # one or two of them fill the column (the two caseworkers of a small office)
        full_names = f.given_name >= 0.8 and f.multiword >= 0.8 and f.name_shape >= 0.6
        # under a name header ('full_name'), two people repeated over a small list are still
        # names when the values are shaped as names
        named = full_names or (not generic and f.multiword >= 0.8 and f.name_shape >= 0.8
                               and f.given_name >= 0.3)
        if f.numeric > 0.5 or boolean or (few and not named) or f.sex_share > 0.8 \
                or f.hit("EMAIL_ADDRESS") or f.hit("PHONE_NUMBER"):
            return False
        if f.place_words >= 0.3:
            return False  # names of camps, schools, organisations
        if generic:
            # names repeat in a list of cases or visits (a caseworker, an enumerator): values
            # that are mostly known given names are names however often they repeat
            return (f.name_shape >= 0.6 and (_enough_distinct(st) or full_names)
                    and max(f.lists.values(), default=0) < 0.3
                    # a register of visits repeats its patients: 55 names over 200 visits
                    # (uniqueness 0.28) are still 55 people
                    and (((f.uniqueness >= 0.3 or st.distinct >= 20) and (
                        f.given_name >= 0.05 or (f.multiword >= 0.8 and f.uniqueness >= 0.7)))
                         or (f.given_name >= 0.5 and f.multiword >= 0.8)
                         # known given names alone, beside a surname column ('nome' of a
                         # Mozambican list: 15 first names over 200 people)
                         or (f.given_name >= 0.8 and st.distinct >= 10)))
        # a name header over values that hold known given names stays a name even when the
        # values carry digits ("Amina K1", test or badly merged exports): missing a name column
        # costs far more than a false alarm
        return f.alpha >= 0.6 or f.given_any >= 0.3
    if entity == "PHONE_NUMBER":
        h = f.hit("PHONE_NUMBER")
        if generic:  # "Contact": only numbers that dial make it a phone column
            return bool(h and h.share >= 0.5)
        return bool(h and h.share >= 0.2) or (f.digits_heavy >= 0.6 and not boolean and not few)
    if entity == "EMAIL_ADDRESS":
        h = f.hit("EMAIL_ADDRESS")
        return bool(h and h.share >= 0.2)
    if entity in ("NATIONAL_ID", "CASE_ID"):
        if boolean or few or f.hit("EMAIL_ADDRESS") or f.hit("PHONE_NUMBER") and entity == "CASE_ID" and generic:
            return False
        if generic:
            return False  # decided once the table kind is known
        if f.dense_ints:
            return False  # 1, 2, 3 … : a key inside this file, meaningless outside it
        return (f.id_shape >= 0.5 or (f.integer >= 0.9 and (f.num_max or 0) >= 1000)
                or f.digits_heavy >= 0.5) and _enough_distinct(st)
    if entity == "ADDRESS":
        return not boolean and not few and f.numeric < 0.5 and _enough_distinct(st)
    if entity == "GPS_COORDINATE":
        from datasafe.detect.values import decimal_gps

        return bool(f.hit("GPS_COORDINATE")) or decimal_gps(f, "lon")
    if entity in ("IP_ADDRESS", "IBAN_CODE", "CREDIT_CARD", "URL"):
        return bool(f.hit(entity)) or (entity != "URL" and f.digits_heavy >= 0.6 and not few)
    if entity == "DATE_OF_BIRTH":
        return f.date >= 0.5 or f.year_only >= 0.8 or f.age_band >= 0.8 or (f.integer >= 0.9 and f.num_min is not None
                                                      and 1900 <= f.num_min and f.num_max <= 2100)
    if entity == "AGE":
        if f.numeric >= 0.8:
            return f.num_min is not None and f.num_min >= 0 and f.num_max <= 130
        return f.age_band >= 0.4 or (st.distinct <= 15 and f.numeric < 0.3 and not boolean)
    if entity == "SEX_GENDER":
        # codes (1/2, H/F) pass; phrases do not: "نوع الحادثة" (incident type) holds "عنف جنسي"
        return f.sex_share >= 0.6 or (st.distinct <= 5 and not boolean and f.multiword < 0.5)
    if entity == "HOUSEHOLD_SIZE":
        return f.integer >= 0.9 and f.num_max is not None and f.num_max <= 60
    if entity == "COUNT":
        return f.numeric >= 0.9
    if entity == "DATE":
        return f.date >= 0.5
    if entity in CATEGORICAL:
        if f.date >= 0.8:
            return False  # "When did you arrive in this site?": a date, not a place
        if generic and boolean and entity in _QUASI_CATEGORIES:
            # 0/1 options of a Kobo multiple choice under a group named for the topic
            # ("education/raison_non_scolarisation/cout"): answers, not a person's education.
            # Sensitive topics keep their reading: a yes under "sante/" may be a diagnosis.
            return False
        if entity in ("ADMIN_AREA", "LOCATION") and _sector_share(c.col.sample) >= 0.6:
            return False  # "Secteur" of a 3W: WASH, Santé, Protection… clusters, not places
        for e in ("EMAIL_ADDRESS", "PHONE_NUMBER"):
            h = f.hit(e)
            if h is not None and h.confidence >= ACCEPT:
                return False
        return True
    return True


_LIST_TYPES = ("list<", "large_list<", "fixed_size_list<", "list_view<", "large_list_view<")


def _nested_columns(table) -> dict[str, str]:
    """The keys of a table's columns that were nested Arrow values (Parquet): ``"list"`` for a
    list of plain values (read as its items joined by '; '), ``"json"`` for structs, maps and
    lists of them (read as JSON)."""
    meta = getattr(table, "meta", None) or {}
    types = meta.get("types")
    if types is None and meta.get("schema") is not None:
        types = {k: str(f.type) for k, f in zip(table.keys, meta["schema"])}
    out = {}
    for k, t in (types or {}).items():
        if t.startswith(("struct<", "map<")) or (t.startswith(_LIST_TYPES) and (
                "struct<" in t or "map<" in t or t.count("list<") > 1)):
            out[k] = "json"
        elif t.startswith(_LIST_TYPES):
            out[k] = "list"
    return out


def _leaves(value: str, kind: str) -> list[str]:
    """The inner values of one nested cell as text (its items, or the leaves of its JSON)."""
    if kind == "list":
        return [x.strip() for x in value.split("; ") if x.strip()]
    import json

    try:
        doc = json.loads(value)
    except ValueError:
        return [value]
    out, stack = [], [doc]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            stack.extend(reversed(list(v.values())))
        elif isinstance(v, (list, tuple)):
            stack.extend(reversed(list(v)))
        elif v is not None and str(v).strip():
            out.append(str(v).strip())
    return out


_LAT_KEYS = {"lat", "latitude", "y", "lat_dd"}
_LON_KEYS = {"lon", "lng", "long", "longitude", "x", "lon_dd"}


def _struct_points(sample: list[str]) -> float:
    """Share of JSON cells (Parquet structs and maps) holding a point: a latitude and a
    longitude field with decimal degrees in range, at any depth."""
    import json

    def point(doc) -> bool:
        stack = [doc]
        while stack:
            d = stack.pop()
            if isinstance(d, dict):
                keys = {str(k).strip().lower(): v for k, v in d.items()}
                lat = next((keys[k] for k in _LAT_KEYS if k in keys), None)
                lon = next((keys[k] for k in _LON_KEYS if k in keys), None)
                try:
                    if lat is not None and lon is not None and abs(float(lat)) <= 90 \
                            and abs(float(lon)) <= 180 and float(lat) != int(float(lat)):
                        return True
                except (TypeError, ValueError):
                    pass
                stack.extend(d.values())
            elif isinstance(d, list):
                stack.extend(d)
        return False

    cells = [v for v in sample if v and v.strip()]
    if not cells:
        return 0.0
    hits = 0
    for v in cells:
        try:
            hits += point(json.loads(v))
        except ValueError:
            continue
    share = hits / len(cells)
    return share if share >= 0.5 else 0.0


def _analyse(table, col, lex, options, regions, nested: dict[str, str]) -> _Col:
    from datasafe.detect import values as V

    c = _Col(col=col)
    c.value_list_files = _config_files(options, "value_lists")
    c.header = lex.match(col.name) if col.name else []
    c.header_tokens = lex.header_tokens(col.name or "")
    c.hxl, c.hxl_count, c.hxl_person = _hxl_matches(col.hxl)
    c.feats = None
    if col.sample:
        try:
            series = table.data[col.key] if col.key in table.data.columns else None
            if series is not None and getattr(series, "ndim", 1) != 1:
                series = series.iloc[:, 0]
            weights = _weights(series, col)
            sample = col.sample
            kind = nested.get(col.key)
            if kind is not None:
                # a Parquet list or struct ('members': [Amina Y., …], 'hoh': {name: …}) is
                # read as text: the recognizers look at its inner values (a list of household
                # members' names was role none)
                sample = list(dict.fromkeys(x for v in col.sample
                                            for x in _leaves(v, kind)))[:500]
                series, weights, c.is_list = None, None, True
            c.feats = V.compute(sample, weights, series, col.stats,
                                regions=regions,
                                value_list_files=_config_files(options, "value_lists"),
                                names_files=_config_files(options, "given_names"))
            if c.is_list and not c.feats.hits and c.feats.name_shape < 0.8:
                # names mixed with ages or ID numbers ({name, age}, [name, CD-1234…]): the
                # names are looked at on their own
                words = [x for x in sample if 2 * sum(ch.isalpha() for ch in x) >= len(x)
                         and not any(ch.isdigit() for ch in x)]
                if 3 <= len(words) < len(sample):
                    c.feats = V.compute(words, None, None, col.stats, regions=regions,
                                        value_list_files=c.value_list_files,
                                        names_files=_config_files(options, "given_names"))
            if kind == "json" and c.feats is not None and not c.feats.hit("GPS_COORDINATE"):
                point = _struct_points(col.sample)
                if point:  # {lat: 8.99…, lon: 38.78…}: a point, whatever its leaves look like
                    c.feats.hits.append(V.ValueHit("GPS_COORDINATE", point, 0.6 + 0.35 * point,
                                                   col.sample[:5]))
        except Exception as exc:  # noqa: BLE001 - odd values never stop a scan
            if isinstance(exc, OSError) or type(exc).__module__.startswith("yaml"):
                raise  # a missing or broken user value list is the user's to fix
            # header and HXL evidence remain
            log.debug("value recognizers failed on column %d", col.index, exc_info=False)
            c.feats = None
    # a list's items are values, not prose
    c.free_text = _is_free_text(c) if c.feats is not None and not c.is_list else False
    return c


def _count_semantics(c: _Col) -> None:
    f = c.feats
    if f is None or f.n == 0 or f.numeric < 0.9:
        return
    if c.hxl_count:
        c.count, c.count_inner = True, "COUNT"
        return
    ph = f.hit("PHONE_NUMBER")
    if ph is not None and ph.share >= 0.8:
        return  # 243849607983…: phone numbers stored as numbers, not counts of people
    top = c.header[0] if c.header else None
    toks = set(c.header_tokens)
    has_count_word = bool(toks & COUNT_WORDS)
    if top is None:
        if toks & SEX_DISAGG and f.integer >= 0.9:
            c.count, c.count_inner = True, "COUNT"
        return
    if top.entity == "HOUSEHOLD_SIZE":
        return
    if top.entity == "COUNT":
        c.count, c.count_inner = True, "COUNT"
        return
    if top.entity in COUNTABLE and f.integer >= 0.9:
        if any(m.entity == "AGE" for m in c.header) and not has_count_word:
            return  # an age, also when the header names whose ("Âge survivant(e)")
        if has_count_word:
            c.count, c.count_inner = True, top.entity
            return
        if top.entity in CATEGORICAL | {"SEX_GENDER", "PERSON"} and (
                (f.num_max or 0) > 20 or f.n > 15):
            c.count, c.count_inner = True, top.entity
    # age disaggregation headers such as "F 0-5", "M 18-59", "Femmes 60+"
    if not c.count and f.integer >= 0.9 and toks & SEX_DISAGG and top.entity in (
            "AGE", "SEX_GENDER", "COUNT"):
        c.count, c.count_inner = True, "COUNT"


def _collect(c: _Col) -> None:
    """Evidence per entity from header, HXL and values (before the table kind is known)."""
    f = c.feats
    ev = c.ev
    top_header = c.header[0] if c.header else None
    if c.count:
        return
    # blockers: a header about something else
    blocker = None
    for m in c.header:
        if m.entity == "NONE" and (top_header is m or m.weight >= top_header.weight - 0.05):
            blocker = m
    for e, _r, _w in c.hxl:
        if e == "NONE":
            blocker = blocker or True
    if f is not None and f.lists.get("sectors", 0) >= VALUE_LIST_MIN and not (
            top_header and not top_header.generic and top_header.entity in ("HEALTH",
                                                                         "PROTECTION_INCIDENT")):
        blocker = True  # values are humanitarian sectors (3W tables)
    if blocker is not None:
        c.blocked = True
    specific = None
    # only the header's strongest reading that its values allow counts: "Âge survivant(e)" is
    # an age (its integers rule the protection-incident reading out), not nothing
    # (readings come strongest first: c.header is sorted by weight)
    readings = [m for m in c.header if m.entity not in ("NONE", "COUNT", "FREE_TEXT")]
    allowed = {id(m): _compatible(m.entity, c, m.generic) for m in readings}
    strongest = next((m for m in readings if allowed[id(m)]), top_header)
    for m in readings:
        if strongest is not None and m.weight < strongest.weight - 0.02:
            continue  # only the header's strongest (allowed) reading counts
        if not m.generic and specific is None:
            specific = m.entity
        if c.blocked and (m.generic or m.weight < 0.85):
            continue
        if allowed[id(m)]:
            ev.setdefault(m.entity, {})["header"] = min(0.97, m.weight)
            c.roles.setdefault(m.entity, m.role)
    for e, r, w in c.hxl:
        if e in ("NONE", "COUNT", "FREE_TEXT"):
            continue
        if _compatible(e, c, False):
            ev.setdefault(e, {})["hxl"] = w
            c.roles.setdefault(e, r)
    if f is None or f.n == 0 or c.free_text:
        return
    st = c.col.stats
    for h in f.hits:
        if h.entity == "PHONE_NUMBER" and (st.distinct < 5 and "PHONE_NUMBER" not in ev):
            continue
        strong = h.share >= 0.8 and h.entity in ("EMAIL_ADDRESS", "PHONE_NUMBER", "IBAN_CODE",
                                                 "CREDIT_CARD", "IP_ADDRESS", "CASE_ID")
        if c.blocked and not strong:
            continue
        if h.entity == "PHONE_NUMBER" and any(e in ev for e in ("NATIONAL_ID", "CASE_ID")):
            continue  # an ID column whose digits happen to dial
        ev.setdefault(h.entity, {})["values"] = h.confidence
        c.shares[h.entity] = h.share
        c.matched[h.entity] = h.matched
    if c.blocked:
        return
    # sex codes
    if f.sex_share >= 0.9 and f.sex_both and st.distinct <= 6:
        ev.setdefault("SEX_GENDER", {})["values"] = 0.6 + 0.3 * f.sex_share
        c.shares["SEX_GENDER"] = f.sex_share
    elif "SEX_GENDER" in ev and f.sex_share >= 0.6:
        ev["SEX_GENDER"]["values"] = 0.5 + 0.3 * f.sex_share
        c.shares["SEX_GENDER"] = f.sex_share
    # value lists
    from datasafe.detect.lexicon import load_value_lists

    lists = load_value_lists(c.value_list_files)
    best = sorted(f.lists.items(), key=lambda kv: -kv[1])
    for name, share in best:
        vl = lists.get(name)
        if vl is None or vl.entity == "NONE":
            continue
        if specific is not None and vl.entity != specific and not (
                specific in ("NATIONALITY",) and vl.entity == "ETHNICITY"):
            continue  # the header says what it is ("region": Afar, Amhara are regions too)
        if f.numeric > 0.5:
            continue
        if share >= VALUE_LIST_MIN or (vl.entity in ev and share >= 0.3):
            ev.setdefault(vl.entity, {})["values"] = min(0.95, 0.45 + 0.45 * share)
            c.shares[vl.entity] = share
            c.matched[vl.entity] = f.list_matched.get(name, [])
            c.roles.setdefault(vl.entity, vl.role)
    # dates
    if f.date >= 0.8 and not any(e in ev for e in ("DATE_OF_BIRTH",)):
        from datasafe.detect.values import now_year

        ny = now_year()
        if (f.years_min is not None and f.year_span >= 18 and f.years_min >= ny - 110
                and f.years_max <= ny and st.inferred_type == "date"):
            ev.setdefault("DATE_OF_BIRTH", {})["values"] = 0.55
        else:
            ev.setdefault("DATE", {})["values"] = 0.6 + 0.3 * f.date
        c.shares["DATE"] = f.date
    elif "DATE_OF_BIRTH" in ev and (f.date >= 0.5 or f.year_only >= 0.8):
        ev["DATE_OF_BIRTH"]["values"] = 0.6
        c.shares["DATE_OF_BIRTH"] = max(f.date, f.year_only)
    # names without a telling header
    # (a list of names is names whatever its header: 'household_members' is not a size)
    only_generic = not c.header or all(m.generic for m in c.header) or c.is_list
    if (only_generic and f.name_shape >= 0.8 and f.given_name >= 0.15 and f.multiword >= 0.6
            and (f.uniqueness >= 0.5 or (st.distinct >= 20 and f.given_name >= 0.5))
            and st.distinct >= 10 and f.place_words < 0.1):
        # (a list of visits repeats its people: 20 names, half of them known given names)
        ev.setdefault("PERSON", {})["values"] = min(0.9, 0.5 + 0.8 * f.given_name)
        c.shares["PERSON"] = f.name_shape
    elif c.is_list and f.given_name >= 0.6 and f.name_shape >= 0.8 and f.place_words < 0.1:
        # a list of first names ('children': [Omar, Abdi]): people however short their names
        ev.setdefault("PERSON", {})["values"] = min(0.9, 0.4 + 0.5 * f.given_name)
        c.shares["PERSON"] = f.name_shape
    elif "PERSON" in ev and f.name_shape >= 0.5:
        ev["PERSON"]["values"] = min(0.9, 0.4 + 0.5 * f.name_shape)
        c.shares["PERSON"] = f.name_shape
    # P-codes
    if f.pcode >= 0.9 and (f.uniqueness < 0.9 or "ADMIN_AREA" in ev or st.distinct < 50):
        ev.setdefault("ADMIN_AREA", {})["values"] = 0.65
        c.shares["ADMIN_AREA"] = f.pcode
    # a date of birth generalised to age bands (as a redacted copy holds it) is an age key
    if "DATE_OF_BIRTH" in ev and "AGE" not in ev and f.age_band >= 0.8 and f.date < 0.5:
        ev["AGE"] = {k: v for k, v in ev.pop("DATE_OF_BIRTH").items() if k in ("header", "hxl")}
    # ages in a header-confirmed column
    if "AGE" in ev and (f.numeric >= 0.8 or f.age_band >= 0.4):
        ev["AGE"]["values"] = 0.5
        c.shares["AGE"] = max(f.numeric, f.age_band)
    if "GPS_COORDINATE" in ev and "values" not in ev["GPS_COORDINATE"] and f.numeric >= 0.9:
        ev["GPS_COORDINATE"]["values"] = 0.5
        c.shares["GPS_COORDINATE"] = f.numeric
    if "HOUSEHOLD_SIZE" in ev:
        ev["HOUSEHOLD_SIZE"]["values"] = 0.4


def _gps_pairs(cols: list[_Col]) -> None:
    """Two neighbouring float columns, latitude then longitude range, >= 4 decimals, no header
    claim: coordinates."""
    from datasafe.detect.values import decimal_gps

    for a, b in zip(cols, cols[1:]):
        fa, fb = a.feats, b.feats
        if fa is None or fb is None or a.ev or b.ev or a.count or b.count:
            continue
        if a.blocked or b.blocked:
            continue
        if fa.decimals >= 4 and fb.decimals >= 4 and decimal_gps(fa, "lat") and decimal_gps(
                fb, "lon") and a.col.stats.distinct >= 5:
            for c in (a, b):
                c.ev["GPS_COORDINATE"] = {"values": 0.65}
                c.shares["GPS_COORDINATE"] = c.feats.numeric


def _confidence(signals: dict) -> float:
    p = 1.0
    for v in signals.values():
        p *= (1.0 - max(0.0, min(0.99, v)))
    return 1.0 - p


# words of a header naming a contact person of an organisation (a 3W's focal point), not one
# of the people the data is about
CONTACT_WORDS = frozenset({"contact", "contacts", "focal", "focale", "responsable", "manager",
                           "gestionnaire", "coordinator", "coordinateur", "coordinatrice",
                           "focalpoint"})


def _is_contact(c: _Col) -> bool:
    tag = (c.col.hxl or "").lower()
    return tag.startswith("#contact") or bool(set(c.header_tokens) & CONTACT_WORDS)


def _table_kind(cols: list[_Col], result) -> str:
    direct = 0
    contacts = 0  # direct identifiers of an organisation's contact person
    attrs = set()
    big_counts = 0
    counts = 0
    for c in cols:
        if c.hxl_person and not _is_contact(c):
            direct += 1
        if c.count:
            counts += 1
            f = c.feats
            if f is not None and (f.num_max or 0) > 30:
                big_counts += 1
            continue
        strong = {e for e, s in c.ev.items() if _confidence(s) >= ACCEPT}
        if strong & DIRECT_STRONG or c.hxl_person:
            if _is_contact(c):
                contacts += 1
            elif strong & DIRECT_STRONG:
                direct += 1
        attrs |= strong & PERSON_ATTRS
        if c.free_text:
            attrs.add("FREE_TEXT")
    if direct:
        return "microdata"
    if big_counts:
        return "aggregate"  # a 3W with its focal points' names and e-mails is still counts
    if contacts:
        return "microdata"
    if len(attrs - {"FREE_TEXT"}) >= 2:
        return "microdata"
    if counts:
        return "aggregate"
    if attrs and result.rows >= 50:
        return "microdata"
    return "unknown"


_MEASURE_WORDS = COUNT_WORDS | {"value", "valeur", "valor", "people", "persons", "individuals",
                                "individus", "personnes", "households", "menages", "hogares",
                                "freq", "frequency", "cases", "cas", "beneficiaries",
                                "beneficiaires", "effectif", "pin", "affected", "reached",
                                "incidents", "survivors", "deaths", "patients", "idps",
                                "refugees", "returnees", "children", "enfants"}


def _long_counts(cols: list[_Col], table, result) -> bool:
    """A count table in long ('tidy') layout: one to three columns of whole counts ('n',
    'value', 'people') beside categorical breakdown columns (admin areas, sex, age group,
    population group) whose combination names each row once. Person attributes among the
    breakdowns made it look like records of people, however many dimensions it had (the HDX
    layout of five or more was read as microdata, its small cells never checked)."""
    if result.rows < 8 or any(c.free_text for c in cols):
        return False
    measures, others = [], []
    for c in cols:
        f, st = c.feats, c.col.stats
        if st.non_empty == 0:
            continue
        strong = {e for e, sv in c.ev.items() if _confidence(sv) >= ACCEPT}
        if strong & DIRECT_STRONG or c.hxl_person:
            return False
        top = c.header[0].entity if c.header else None
        if (f is not None and f.integer >= 0.98 and (f.num_min or 0) >= 0
                and top not in ("AGE", "HOUSEHOLD_SIZE", "DATE_OF_BIRTH")
                and (c.count or set(c.header_tokens) & _MEASURE_WORDS)):
            measures.append(c)
        elif st.inferred_type in ("float", "text", "datetime", "date") or (
                st.inferred_type == "integer" and (
                    top in ("AGE", "HOUSEHOLD_SIZE") or strong & PERSON_ATTRS)):
            return False  # exact ages, household sizes, amounts or dates: values of people
        elif st.distinct > max(2, st.non_empty // 2):
            return False
        else:
            others.append(c)
    if not 1 <= len(measures) <= 3 or len(others) < 2:
        return False
    keys = [c.col.key for c in others if c.col.key in table.data.columns]
    if len(keys) != len(others):
        return False
    frame = table.data[keys]
    if frame.duplicated().mean() > 0.01:
        return False
    # a count table fills its template: each area holds most combinations of the other
    # breakdowns; records of people that happen to be unique leave it sparse
    places = [c.col.key for c in others if set(c.ev) & {"ADMIN_AREA", "LOCATION"}]
    rest = [k for k in keys if k not in places]
    cells = frame[places].drop_duplicates().shape[0] if places else 1
    for k in rest:
        cells *= max(1, frame[k].nunique(dropna=False))
    return len(frame) >= 0.6 * cells


def _finalise_kind_dependent(c: _Col, kind: str, cols: list[_Col]) -> None:
    f = c.feats
    st = c.col.stats
    if (kind == "aggregate" and not c.count and f is not None and f.n and f.integer >= 0.98
            and (f.num_min or 0) >= 0 and c.ev
            and set(c.ev) <= {"PROTECTION_INCIDENT", "HEALTH", "DISABILITY"}
            and all(set(sig) <= {"header", "hxl"} for sig in c.ev.values())):
        # whole numbers under a sensitive header in a table of counts: how many (unaccompanied
        # children, survivors) — a count of the topic, whatever the numbers' range (a copy
        # whose small cells were hidden left 12 and 15, and the column turned 'sensitive')
        c.count, c.count_inner = True, next(iter(c.ev))
        c.ev.clear()
        return
    if c.count:
        if kind == "microdata" and f is not None and (f.num_max or 0) <= 40:
            inner = c.count_inner or "COUNT"
            if inner in ("DISABILITY", "HEALTH", "PROTECTION_INCIDENT"):
                c.ev[inner] = {"header": 0.7, "values": 0.3}
                c.roles[inner] = "sensitive"
            else:
                c.ev["HOUSEHOLD_SIZE"] = {"header": 0.6, "values": 0.3}
        return
    # generic ID headers ("id", "code", "ref") on near-unique codes in person-level tables
    generic_id = any(m.entity == "CASE_ID" and m.generic for m in c.header)
    if (generic_id and not c.ev and not c.blocked and kind == "microdata" and f is not None
            and f.n >= 5 and st.distinct >= 0.9 * st.non_empty and f.id_shape >= 0.8
            and f.id_consistent >= 0.6 and not f.sequential and not f.dense_ints
            and f.alpha < 0.2 and not _kobo_system(c.col.name)):
        c.ev["CASE_ID"] = {"header": 0.35, "values": 0.4}
        c.shares["CASE_ID"] = f.id_shape
    elif (generic_id and set(c.ev) == {"PHONE_NUMBER"} and not c.blocked and kind == "microdata"
          and st.distinct >= 0.9 * st.non_empty and c.shares.get("PHONE_NUMBER", 0) >= 0.8):
        # 'Numéro' over numbers that all dial (DRC mobiles without their 0): a number of a
        # person either way; the phone reading is the more precise
        c.ev["PHONE_NUMBER"]["header"] = 0.35
    # needs and services received (HXL #need, #service) are sensitive in records of people
    # ('GBV case management' beside a person: rules (c), SENS at row level); in a 3W they are
    # a dimension of counts
    if kind == "microdata" and not c.ev and _parse_hxl(c.col.hxl)[0] in ("#need", "#service"):
        c.ev["NEED_OR_SERVICE"] = {"hxl": 0.8}
        c.roles["NEED_OR_SERVICE"] = "sensitive"
    if "DATE" in c.ev and kind != "microdata":
        del c.ev["DATE"]
    if "DATE" in c.ev and len(c.ev) > 1:
        del c.ev["DATE"]


def _role_of(c: _Col, entity: str, kind: str) -> str:
    role = c.roles.get(entity) or ENTITY_ROLES.get(entity, "quasi")
    if entity == "GPS_COORDINATE":
        f = c.feats
        precise = f is None or f.decimals >= 3 or bool(f.hit("GPS_COORDINATE"))
        role = "direct" if (precise and kind == "microdata") else "quasi"
    return role


def _sensitive_text_re():
    global _SENSITIVE_TEXT
    if _SENSITIVE_TEXT is None:
        from datasafe.detect.lexicon import load_value_lists

        lists = load_value_lists()
        words = set()
        for name in ("health", "protection", "disability"):
            words |= {w for w in lists[name].values if len(w) >= 4}
        words |= {"gbv", "sgbv", "hiv", "vih", "rape", "raped", "pregnant", "survivor",
                  "disabled", "disability", "trauma", "abused", "beaten", "violence",
                  "enceinte", "violee", "violencia", "embarazada", "handicap", "discapacidad",
                  "ptsd", "suicidal", "psychosocial", "mental health", "sante mentale"}
        alt = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
        _SENSITIVE_TEXT = re.compile(rf"(?<!\w)(?:{alt})(?!\w)")
    return _SENSITIVE_TEXT


def _free_text(c: _Col, table, options, regions) -> None:
    """Embedded entities in a free-text column: regexes on the whole column, NER on a sample."""
    from datasafe.detect import values as V
    from datasafe.detect.lexicon import norm_value

    col = c.col
    sample = [v for v in col.sample if v and v.strip()]
    if not sample:
        return
    import pandas as pd

    s = pd.Series(sample, dtype="str")
    found: dict[str, float] = {}
    examples: dict[str, list[str]] = {}
    emails = s.str.contains(V.EMAIL_RE, regex=True)
    if emails.any():
        found["EMAIL_ADDRESS"] = float(emails.mean())
        examples["EMAIL_ADDRESS"] = s[emails].str.extract(f"({V.EMAIL_RE})")[0].tolist()[:3]
    phone_like = s.str.extract(r"((?:\+|00)?\d[\d \-().]{6,18}\d)", expand=False)
    cand = phone_like.dropna()
    # '1.69935' in 'lives at -1.69935, 29.27223': a coordinate, not a number to dial
    cand = cand[~cand.str.fullmatch(r"\d{1,3}\.\d{3,}")]
    if len(cand):
        valid = V.phone_valid(cand.tolist()[:200], tuple(regions))
        nvalid = sum(valid)
        if nvalid:
            found["PHONE_NUMBER"] = nvalid / len(s)
            examples["PHONE_NUMBER"] = [v for v, ok in zip(cand.tolist(), valid) if ok][:3]
    # ID numbers and dates of birth written into the narrative (the patterns the redactor's
    # free-text treatment replaces: what the copy replaces is what the scan reports)
    for ent, pat, flags in (("CASE_ID", V.TEXT_CASE_ID_RE, 0),
                            ("DATE_OF_BIRTH", V.TEXT_DOB_RE, re.I)):
        hits = s.str.contains(pat, flags=flags, regex=True)
        if hits.any():
            found[ent] = float(hits.mean())
            examples[ent] = s[hits].str.extract(f"({pat})", flags=flags)[0].tolist()[:3]
    normed = s.map(norm_value)
    sens = normed.str.contains(_sensitive_text_re(), regex=True)
    ner_person = 0.0
    backend = None
    if getattr(options, "ner", "auto") != "off":
        texts = sorted(sample, key=lambda t: (-len(t), t))[:NER_TEXTS]
        try:
            from datasafe.detect import ner

            res, backend = ner.analyse_texts(texts, tuple(regions))
            n = max(1, len(res))
            ner_person = sum(1 for r in res if r.get("PERSON")) / n
            ner_phone = sum(1 for r in res if r.get("PHONE_NUMBER")) / n
            ner_email = sum(1 for r in res if r.get("EMAIL_ADDRESS")) / n
            if ner_phone > found.get("PHONE_NUMBER", 0):
                found["PHONE_NUMBER"] = ner_phone
            if ner_email > found.get("EMAIL_ADDRESS", 0):
                found["EMAIL_ADDRESS"] = ner_email
            for ent in ("CREDIT_CARD", "IBAN_CODE", "IP_ADDRESS"):
                sh = sum(1 for r in res if r.get(ent)) / n
                if sh >= 0.02:
                    found[ent] = sh
        except ImportError:
            log.debug("NER unavailable: presidio-analyzer is not installed")
        except Exception:  # noqa: BLE001 - NER must never break a scan
            log.debug("NER failed", exc_info=True)
    ev = c.ev
    # a header that says what the text is about ("medical notes", "GBV narrative") still counts
    kept = {e: {"header": s["header"]} for e, s in ev.items()
            if "header" in s and ENTITY_ROLES.get(e) == "sensitive"}
    ev.clear()
    ev.update(kept)
    evidence = "ner" if backend else "values"
    for ent, sh in found.items():
        if sh >= 0.02 and (sh * len(s) >= 2 or len(s) < 20):
            ev[ent] = {evidence: min(0.95, 0.6 + sh)}
            if ent in ("PHONE_NUMBER", "EMAIL_ADDRESS"):
                ev[ent] = {"values": min(0.95, 0.6 + sh)}
                if backend:
                    ev[ent]["ner"] = 0.3
            c.shares[ent] = sh
    if ner_person >= 0.15:
        ev["PERSON"] = {"ner": min(0.9, 0.45 + ner_person)}
        c.shares["PERSON"] = ner_person
    sens_share = float(sens.mean())
    if sens_share >= 0.08:
        kinds = ("PROTECTION_INCIDENT", "HEALTH")
        ent = kinds[0] if re.search(r"gbv|rape|viol|violen|abuse|surviv|assault|agress",
                                   " ".join(normed[sens].tolist()[:50])) else kinds[1]
        ev[ent] = {"values": min(0.9, 0.5 + sens_share)}
        c.shares[ent] = sens_share
        c.roles[ent] = "sensitive"
    # FREE_TEXT says what the column is; what it holds (names, phones, health) comes first
    ev["FREE_TEXT"] = {"values": 0.55}
    if any(m.entity == "FREE_TEXT" for m in c.header):
        ev["FREE_TEXT"]["header"] = 0.01
    c.shares["FREE_TEXT"] = None
    c.matched.update({k: v for k, v in examples.items()})


def column_analyser(table, options):
    """The first, per-column step of :func:`detect_table` (headers, HXL and the recognizers
    over the column's sample) as a function of one profiled column: the profiler runs it on
    each column as soon as that column is profiled, on the same worker (its Python then
    overlaps the next column's GIL-free kernels)."""
    from datasafe.detect.lexicon import load_lexicon

    lex = load_lexicon(_config_files(options, "lexicon"))
    regions = _phone_regions(options)
    nested = _nested_columns(table)  # once per table: its Parquet types

    def analyse(col) -> _Col:
        return _analyse(table, col, lex, options, regions, nested)

    return analyse


def _phone_regions(options) -> tuple[str, ...]:
    from datasafe.detect.values import DEFAULT_PHONE_REGIONS

    return tuple(r.upper() for r in (getattr(options, "phone_regions", None)
                                     or DEFAULT_PHONE_REGIONS))


def detect_table(table, result, options, analysed: list | None = None) -> None:
    """Fill ``role``, ``entities`` (most confident first), masked ``examples`` and ``free_text``
    of each column of ``result``, and ``result.kind``. ``analysed``: what
    :func:`column_analyser` returned for each column, when the profiler already ran it."""
    if not result.columns:
        result.kind = "unknown"
        return
    regions = _phone_regions(options)
    cols = analysed if analysed is not None else list(map(column_analyser(table, options),
                                                          result.columns))
    for c in cols:
        _count_semantics(c)
        _collect(c)
    _gps_pairs(cols)
    kind = _table_kind(cols, result)
    if kind != "aggregate" and _long_counts(cols, table, result):
        kind = "aggregate"
    result.kind = kind
    for c in cols:
        _finalise_kind_dependent(c, kind, cols)
        if c.free_text:
            _free_text(c, table, options, regions)
        _write(c, kind)


def _write(c: _Col, kind: str) -> None:
    col = c.col
    col.free_text = bool(c.free_text)
    ents = []
    for ent, signals in c.ev.items():
        conf = _confidence(signals)
        if conf < ACCEPT and ent != "FREE_TEXT":
            continue
        share = c.shares.get(ent)
        if "values" not in signals and "ner" not in signals:
            share = None
        order = [s for s in ("header", "hxl", "values", "ner") if s in signals]
        ents.append(Entity(type=ent, confidence=round(conf, 3), share=share, evidence=order))
    ents.sort(key=lambda e: (-e.confidence, -ROLE_RANK.get(_role_of(c, e.type, kind), 0)))
    role = "none"
    for e in ents:
        r = _role_of(c, e.type, kind)
        if ROLE_RANK[r] > ROLE_RANK[role]:
            role = r
    col.role = role
    col.entities = ents
    col.examples = []
    if role != "none" and ents:
        # the entity that gave the role decides the examples
        lead = next((e for e in ents if _role_of(c, e.type, kind) == role), ents[0])
        raw = list(c.matched.get(lead.type) or [])
        if not raw and not col.free_text:
            raw = list(col.sample[:3])
        if col.free_text and not raw:
            raw = list(col.sample[:2])
        seen = []
        for v in raw:
            m = mask_value(v, "FREE_TEXT" if col.free_text and lead.type not in (
                "PHONE_NUMBER", "EMAIL_ADDRESS") else lead.type)
            if m and m not in seen:
                seen.append(m)
            if len(seen) == 3:
                break
        col.examples = seen
