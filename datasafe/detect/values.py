"""Value recognizers: what a column's values look like.

Everything here works on the profiled sample (at most 500 distinct values, weighted by their
frequency when the column has no more distinct values than that) with vectorised pandas ``.str``
operations; a few checks are confirmed on the full column where that is cheap (one regex pass).
Python loops run over the bounded sample only (checksums, phone parsing).
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field

from datasafe.detect.lexicon import load_given_names, load_value_lists

# A humanitarian default: regions whose local (not +international) numbers we try.
DEFAULT_PHONE_REGIONS = (
    "CD", "NG", "SO", "SY", "YE", "SD", "SS", "ET", "KE", "UG", "AF", "IQ", "LB", "JO", "TR",
    "BF", "ML", "NE", "TD", "CM", "CF", "HT", "CO", "VE", "MZ", "UA", "BD", "MM", "PS", "LY",
    "RW", "BI", "ER", "PK", "GT", "HN", "SV", "EC", "PE",
)

EMAIL_RE = r"[A-Za-z0-9._%+'\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}"
URL_RE = r"(?:https?://|ftp://|www\.)[^\s@]+|[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.(?:com|org|net|int|info|io|gov|edu|ngo)(?:/[^\s]*)?"
IPV4_RE = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}"
IPV6_RE = r"(?=[0-9A-Fa-f:]*:[0-9A-Fa-f:]*:)[0-9A-Fa-f:]{2,39}"
PHONE_PRE_RE = r"(?:\+|00)?[\d][\d\s\-().]{5,20}\d"
IBAN_RE = r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}"
CARD_RE = r"\d{4}[ \-]?\d{4}[ \-]?\d{4}[ \-]?\d{1,7}"
INT_RE = r"[+-]?\d+"
NUM_RE = r"[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)"
DEC_RE = r"[+-]?\d{1,3}[.,](\d+)"
DATE_RE = (r"(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?"
           r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}(?: \d{1,2}:\d{2}(?::\d{2})?)?"
           r"|\d{1,2}[ \-][A-Za-z\u00c0-\u00ff]{3,10}\.?[ \-,]+\d{2,4}"
           r"|[A-Za-z]{3,10}\.? \d{1,2},? \d{4})")
YEAR_RE = r"(?:^|\D)((?:19|20)\d{2})(?:\D|$)"
LATLON_RE = (r"\[?\(?\s*([-+]?\d{1,2}(?:\.\d+)?)\s*[,; ]\s*([-+]?\d{1,3}(?:\.\d+)?)"
             r"(?:\s+[-+]?\d+(?:\.\d+)?){0,2}\s*\)?\]?")
WKT_RE = r"(?i)(?:SRID=\d+;)?POINT\s*Z?\s*\(\s*[-+]?\d+(?:\.\d+)?\s+[-+]?\d+(?:\.\d+)?(?:\s+[-+]?\d+(?:\.\d+)?)?\s*\)"
DMS_RE = (r"(?i)\s*[NSEW]?\s*\d{1,3}\s*[°º:d ]\s*\d{1,2}\s*['′m:]?\s*(?:\d{1,2}(?:[.,]\d+)?\s*[\"″s]?)?\s*[NSEW]?"
          r"(?:\s*[,; ]\s*[NSEW]?\s*\d{1,3}\s*[°º:d ]\s*\d{1,2}\s*['′m:]?\s*(?:\d{1,2}(?:[.,]\d+)?\s*[\"″s]?)?\s*[NSEW]?)?\s*")
HEMI_RE = r"(?i)\s*(?:[NSEW]\s*\d{1,3}\.\d{2,}|\d{1,3}\.\d{2,}\s*°?\s*[NSEW])(?:\s*[,; ]\s*(?:[NSEW]\s*\d{1,3}\.\d{2,}|\d{1,3}\.\d{2,}\s*°?\s*[NSEW]))?\s*"
PCODE_RE = r"[A-Z]{2,3}\d{2,10}"
AGE_BAND_RE = r"\d{1,3}\s*(?:-|–|to|à|a|y)\s*\d{1,3}\s*(?:ans|years|yrs|anos|años|y)?|\d{1,3}\s*\+|<\s*\d{1,3}|>\s*\d{1,3}|\d{1,3}\s*(?:ans|years|yrs|anos|años|months|mois|meses)(?: and over| et plus| y mas)?"
NAME_TOKEN = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’\-]+|[A-ZÀ-ÖØ-Þ]\.?|[A-ZÀ-ÖØ-Þ]{2,}|(?:bin|ben|ibn|bint|de|da|del|van|von|el|al|wa|ould|ag|dan|abu|oumar|la|le|du|dos|das)"
ARABIC_WORD = r"[\u0621-\u064a\u0660-\u0669]{2,}"


@dataclass
class ValueHit:
    entity: str
    share: float
    confidence: float
    matched: list[str] = field(default_factory=list)  # raw sample values (never serialised)


@dataclass
class Features:
    n: int = 0  # distinct sampled values
    weighted: bool = False
    numeric: float = 0.0
    integer: float = 0.0
    boolean: float = 0.0
    num_min: float | None = None
    num_max: float | None = None
    decimals: float = 0.0  # median digits after the decimal point
    date: float = 0.0
    year_span: int = 0
    years_min: int | None = None
    years_max: int | None = None
    year_only: float = 0.0
    age_band: float = 0.0
    sex_share: float = 0.0
    sex_both: bool = False
    name_shape: float = 0.0
    given_name: float = 0.0
    multiword: float = 0.0
    alpha: float = 0.0
    id_shape: float = 0.0
    id_consistent: float = 0.0
    sequential: bool = False
    digits_heavy: float = 0.0
    pcode: float = 0.0
    uniqueness: float = 0.0
    lists: dict[str, float] = field(default_factory=dict)
    list_matched: dict[str, list[str]] = field(default_factory=dict)
    hits: list[ValueHit] = field(default_factory=list)

    def hit(self, entity: str) -> ValueHit | None:
        for h in self.hits:
            if h.entity == entity:
                return h
        return None


def _share(mask, w) -> float:
    if w is None:
        return float(mask.mean()) if len(mask) else 0.0
    tot = float(w.sum())
    return float((mask.astype("float64") * w).sum() / tot) if tot else 0.0


def _examples(values, mask, k: int = 3) -> list[str]:
    return [str(v) for v in values[mask.to_numpy()].tolist()[:k]]


def luhn_ok(digits: str) -> bool:
    total, alt = 0, False
    for ch in reversed(digits):
        d = ord(ch) - 48
        if alt:
            d *= 2
            if d > 9:
                d -= 9
        total += d
        alt = not alt
    return total % 10 == 0


def iban_ok(value: str) -> bool:
    v = re.sub(r"\s+", "", value).upper()
    if not re.fullmatch(IBAN_RE, v):
        return False
    r = v[4:] + v[:4]
    num = "".join(str(int(c, 36)) for c in r)
    return int(num) % 97 == 1


def phone_valid(values: list[str], regions) -> list[bool]:
    """Which values parse as valid phone numbers (+international, 00-prefixed, or local in one of
    ``regions``). Runs on a bounded sample."""
    import phonenumbers

    out = []
    for v in values:
        s = v.strip()
        ok = False
        try:
            if s.startswith("+") or s.startswith("00"):
                s2 = "+" + s[2:] if s.startswith("00") else s
                ok = phonenumbers.is_valid_number(phonenumbers.parse(s2, None))
            else:
                digits = re.sub(r"\D", "", s)
                for region in regions:
                    try:
                        num = phonenumbers.parse(s, region)
                    except phonenumbers.NumberParseException:
                        continue
                    if phonenumbers.is_valid_number(num):
                        ok = True
                        break
                if not ok and 11 <= len(digits) <= 13 and not digits.startswith("0"):
                    # international number written without the +
                    try:
                        ok = phonenumbers.is_valid_number(phonenumbers.parse("+" + digits, None))
                    except phonenumbers.NumberParseException:
                        ok = False
        except phonenumbers.NumberParseException:
            ok = False
        out.append(ok)
    return out


def compute(sample, weights, full, stats, regions=None, value_list_files=(),
            names_files=()) -> Features:
    """Features and value hits of one column.

    ``sample``: pandas Series of distinct raw values; ``weights``: their frequencies (or None);
    ``full``: the whole column (non-empty values) for cheap confirmations, or None.
    """
    import pandas as pd

    f = Features()
    # object dtype: on <= 500 values Python's re beats Arrow's regex translation overhead
    s = pd.Series([str(v).strip() for v in sample.tolist()], index=sample.index, dtype=object)
    s = s[s != ""]
    w = None
    if weights is not None:
        w = weights.reindex(s.index).fillna(1).astype("float64")
        f.weighted = True
    f.n = len(s)
    if not f.n:
        return f
    f.uniqueness = stats.distinct / stats.non_empty if stats.non_empty else 0.0
    lengths = s.str.len()

    # -- numbers -----------------------------------------------------------------------------
    is_int = s.str.fullmatch(INT_RE)
    is_num = s.str.fullmatch(NUM_RE)
    f.integer = _share(is_int, w)
    f.numeric = _share(is_num, w)
    if is_num.any():
        nums = pd.to_numeric(s[is_num].str.replace(",", ".", regex=False), errors="coerce")
        nums = nums.dropna()
        if len(nums):
            f.num_min, f.num_max = float(nums.min()), float(nums.max())
        dec = s.str.extract(DEC_RE, expand=False).dropna()
        f.decimals = float(dec.str.len().median()) if len(dec) else 0.0
        ints = nums[nums == nums.round()]
        if f.integer > 0.98 and len(ints) >= 10 and stats.distinct == stats.non_empty:
            srt = ints.sort_values()
            f.sequential = bool(srt.iloc[-1] - srt.iloc[0] + 1 <= len(ints) * 1.2 + 2
                                and stats.distinct >= stats.rows * 0.9)

    low = s.str.lower()
    lists = load_value_lists(tuple(value_list_files))
    from datasafe.detect.lexicon import norm_value

    normed = pd.Series([norm_value(v) for v in s.tolist()], index=s.index, dtype=object)

    def member(values, ser=normed):
        return ser.map(values.__contains__).astype(bool)

    f.boolean = _share(member(lists["boolean"].values), w)

    # -- sex -----------------------------------------------------------------------------------
    fem = member(lists["sex_female"].values)
    mal = member(lists["sex_male"].values)
    oth = member(lists["sex_other"].values)
    f.sex_share = _share(fem | mal | oth, w)
    f.sex_both = bool(fem.any() and mal.any())

    # -- value lists -----------------------------------------------------------------------------
    for name, vl in lists.items():
        if name.startswith("sex_") or name == "boolean":
            continue
        m = member(vl.values)
        if m.any():
            f.lists[name] = _share(m, w)
            f.list_matched[name] = _examples(s, m)

    # -- dates ---------------------------------------------------------------------------------
    is_date = s.str.fullmatch(DATE_RE)
    f.date = _share(is_date, w)
    years = s.str.extract(YEAR_RE, expand=False)
    yr = pd.to_numeric(years, errors="coerce")
    if f.date > 0.5 or (f.integer > 0.9 and yr.notna().mean() > 0.9):
        yv = yr[is_date | is_int].dropna()
        if len(yv):
            f.years_min, f.years_max = int(yv.min()), int(yv.max())
            f.year_span = f.years_max - f.years_min
    f.year_only = _share(s.str.fullmatch(r"(?:19|20)\d{2}"), w)
    f.age_band = _share(low.str.fullmatch(AGE_BAND_RE), w)

    # -- text shape ------------------------------------------------------------------------------
    has_digit = s.str.contains(r"\d", regex=True)
    f.alpha = _share(~has_digit, w)
    words = s.str.split()
    nwords = words.str.len()
    f.multiword = _share(nwords >= 2, w)
    name_tok = rf"(?:{NAME_TOKEN})"
    latin_name = s.str.fullmatch(rf"{name_tok}(?:[ \-]{name_tok}){{0,4}}") & ~has_digit
    arabic_name = s.str.fullmatch(rf"{ARABIC_WORD}(?: {ARABIC_WORD}){{1,4}}")
    shaped = (latin_name | arabic_name) & (nwords <= 5)
    f.name_shape = _share(shaped, w)
    given = load_given_names(tuple(names_files))
    first = pd.Series([v.split(" ")[0] for v in normed.tolist()], index=s.index, dtype=object)
    last = pd.Series([v.split(" ")[-1] for v in normed.tolist()], index=s.index, dtype=object)
    f.given_name = _share(shaped & (member(given, first) | member(given, last)), w)
    if f.name_shape > 0.5:
        f.list_matched["_names"] = _examples(s, shaped)

    # -- ID-like codes ---------------------------------------------------------------------------
    idm = s.str.fullmatch(r"[A-Za-z0-9][A-Za-z0-9\-_/.]{3,30}") & has_digit & (lengths >= 4)
    f.id_shape = _share(idm, w)
    if idm.any():
        shape = s[idm].str.replace(r"[A-Za-z]", "A", regex=True).str.replace(r"\d", "9",
                                                                             regex=True)
        f.id_consistent = float(shape.value_counts(normalize=True).iloc[0])
    f.digits_heavy = _share(s.str.count(r"\d") >= 6, w)
    pc = s.str.fullmatch(PCODE_RE)
    if pc.any():
        prefixes = s[pc].str[:2].value_counts(normalize=True)
        f.pcode = _share(pc, w) * float(prefixes.iloc[0])

    # -- strong value recognizers ------------------------------------------------------------------
    email = s.str.fullmatch(EMAIL_RE)
    esh = _share(email, w)
    if esh >= 0.3:
        esh = _confirm(full, EMAIL_RE, esh, stats)
        f.hits.append(ValueHit("EMAIL_ADDRESS", esh, min(0.99, 0.55 + 0.45 * esh),
                               _examples(s, email)))
    else:
        url = s.str.fullmatch(URL_RE) & ~s.str.contains("@", regex=False)
        ush = _share(url, w)
        if ush >= 0.5:
            f.hits.append(ValueHit("URL", ush, 0.5 + 0.4 * ush, _examples(s, url)))

    ip4 = s.str.fullmatch(IPV4_RE)
    ip6 = s.str.fullmatch(IPV6_RE)
    if ip6.any():
        import ipaddress

        ok6 = []
        for v in s[ip6].tolist():
            try:
                ipaddress.IPv6Address(v)
                ok6.append(True)
            except ValueError:
                ok6.append(False)
        ip6 = ip6.copy()
        ip6[ip6] = ok6
    ipsh = _share(ip4 | ip6, w)
    if ipsh >= 0.5 and f.decimals < 1:
        f.hits.append(ValueHit("IP_ADDRESS", ipsh, 0.6 + 0.39 * ipsh, _examples(s, ip4 | ip6)))

    compact = s.str.replace(r"[\s\-]", "", regex=True)
    ib = compact.str.upper().str.fullmatch(IBAN_RE)
    if ib.mean() >= 0.3:
        okv = [iban_ok(v) for v in compact[ib].tolist()[:200]]
        sh = _share(ib, w) * (sum(okv) / len(okv))
        if sh >= 0.4:
            f.hits.append(ValueHit("IBAN_CODE", sh, 0.6 + 0.39 * sh, _examples(s, ib)))

    cc = s.str.fullmatch(CARD_RE)
    if cc.mean() >= 0.3:
        digits = compact[cc]
        okv = [13 <= len(d) <= 19 and luhn_ok(d) for d in digits.tolist()[:200]]
        sh = _share(cc, w) * (sum(okv) / len(okv))
        if sh >= 0.6:
            f.hits.append(ValueHit("CREDIT_CARD", sh, 0.5 + 0.45 * sh, _examples(s, cc)))

    # phones: a cheap shape filter, then phonenumbers on at most 80 values
    pre = (s.str.fullmatch(PHONE_PRE_RE) & ~is_date & ~s.str.fullmatch(r"[+-]?\d+[.,]\d+")
           & (s.str.count(r"\d").between(7, 15)))
    pre_share = _share(pre, w)
    if pre_share >= 0.3 and stats.distinct >= 3:
        cand = s[pre]
        take = cand.iloc[:80]
        valid = phone_valid(take.tolist(), tuple(regions or DEFAULT_PHONE_REGIONS))
        rate = sum(valid) / len(valid) if valid else 0.0
        sh = pre_share * rate
        if sh >= 0.3:
            vmask = pd.Series(False, index=s.index)
            vmask[take.index[[i for i, ok in enumerate(valid) if ok]]] = True
            f.hits.append(ValueHit("PHONE_NUMBER", sh, min(0.97, 0.45 + 0.5 * sh),
                                   _examples(s, vmask)))

    # GPS shapes that need no header: "lat, lon" in one cell, WKT, DMS, hemispheres, Kobo lists
    ll = s.str.fullmatch(LATLON_RE)
    if ll.any():
        parts = s[ll].str.extract(LATLON_RE)
        la = pd.to_numeric(parts[0], errors="coerce")
        lo = pd.to_numeric(parts[1], errors="coerce")
        dec_ok = parts[0].str.contains(r"\.\d{3,}", regex=True) & parts[1].str.contains(
            r"\.\d{3,}", regex=True)
        ok = (la.abs() <= 90) & (lo.abs() <= 180) & dec_ok
        ll = ll.copy()
        ll[ll] = ok.to_numpy()
    wkt = s.str.fullmatch(WKT_RE)
    dms = s.str.fullmatch(DMS_RE) & s.str.contains(r"[°º'′\"″]|\d\s*[NSEWnsew]\b", regex=True)
    hemi = s.str.fullmatch(HEMI_RE)
    gsh = _share(ll | wkt | dms | hemi, w)
    if gsh >= 0.5:
        f.hits.append(ValueHit("GPS_COORDINATE", gsh, 0.6 + 0.35 * gsh,
                               _examples(s, ll | wkt | dms | hemi)))
    return f


def _confirm(full, pattern: str, share: float, stats) -> float:
    """Share of the whole column matching ``pattern`` (when the sample is not the column)."""
    if full is None or stats.distinct <= 500:
        return share
    try:
        return float(full.str.fullmatch(pattern).mean())
    except Exception:  # noqa: BLE001 - a confirmation only
        return share


def decimal_gps(f: Features, kind: str) -> bool:
    """Values that can be a latitude (kind='lat') or longitude (kind='lon')."""
    if f.numeric < 0.9 or f.num_min is None:
        return False
    lim = 90 if kind == "lat" else 180
    return f.num_min >= -lim and f.num_max <= lim and f.decimals >= 2


def now_year() -> int:
    return _dt.date.today().year
