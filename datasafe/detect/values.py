"""Value recognizers: what a column's values look like.

Everything here works on the profiled sample (at most 500 distinct values, weighted by their
frequency when the column has no more distinct values than that) with vectorised pandas ``.str``
operations; a few checks are confirmed on the full column where that is cheap (one regex pass).
Python loops run over the bounded sample only (checksums, phone parsing).
"""

from __future__ import annotations

import datetime as _dt
import re
import string
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
DMS_RE = (r"(?i)\s*[NSEWO]?\s*\d{1,3}\s*[°º:d ]\s*\d{1,2}(?:[.,]\d+)?\s*['′m:]?\s*(?:\d{1,2}(?:[.,]\d+)?\s*[\"″s]?)?\s*[NSEWO]?"
          r"(?:\s*[,; ]\s*[NSEWO]?\s*\d{1,3}\s*[°º:d ]\s*\d{1,2}(?:[.,]\d+)?\s*['′m:]?\s*(?:\d{1,2}(?:[.,]\d+)?\s*[\"″s]?)?\s*[NSEWO]?)?\s*")
# what tells a DMS_RE match from other numbers: a degree, minute or second sign, an upper-case
# hemisphere after a number, or a Garmin 'N11 50.577' (durations '0d 25m 10s' have none)
DMS_MARK_RE = r"[°º'′\"″]|\d\s*[NSEWO]\b|\b[NSEW]\d{1,3}\s+\d{1,2}\.\d"
# grid and code forms of a point: MGRS ('37PDK1234567890', 10 digits = 1 m), UTM ('37N 345678
# 1234567', metres), Plus codes ('7G83+XY2', 14 m), what3words ('///filled.count.soap', 3 m)
MGRS_RE = (r"\s*(?:[1-9]|[1-5]\d|60)\s*[C-HJ-NP-X]\s*(?!(?:AN|EB|AR|PR|AY|UN|UL|UG|EP|CT|OV|EC)\s*\d)"
           r"[A-HJ-NP-Z]{2}\s*(?:\d{6}|\d{8}|\d{10}|\d{3,5}\s+\d{3,5})\s*")
UTM_RE = (r"(?i)\s*(?:zone\s*)?(?:[1-9]|[1-5]\d|60)\s*[C-HJ-NP-X]?\s*[,;]?\s*(?:E\s*)?\d{6}(?:[.,]\d+)?\s*"
          r"(?:m\s*E)?\s*[,; ]\s*(?:N\s*)?\d{6,7}(?:[.,]\d+)?\s*(?:m\s*N)?\s*")
PLUS_CODE_RE = (r"\s*[23456789CFGHJMPQRVWX]{4,8}\+[23456789CFGHJMPQRVWX]{0,3}"
                r"(?:[ ,]+[^\d+]{2,60})?\s*")
W3W_RE = r"\s*(?:///|w3w://)\s*[^\W\d_]+\.[^\W\d_]+\.[^\W\d_]+\s*"
# a dwelling in a camp: 'Block C7 Tent 112', 'Bloc E3 / Abri 12', 'Zone 4, Plot 87'
SHELTER_RE = (r"(?i)\s*(?:block|bloc|blk|zone|sector|secteur|section|phase)\s*[-#:]?\s*[A-Z]?\d{1,3}[A-Z]?"
              r"\s*[-,/]?\s*(?:tent|tente|shelter|abri|plot|parcelle|house|maison|hh|carpa|"
              r"refugio)\s*(?:no\.?|n°|nº|#)?\s*[A-Z]?\d{1,4}[A-Z]?\s*")
# a GeoJSON point in a cell: {"type": "Point", "coordinates": [lon, lat]}
GEOJSON_RE = (r'(?i)\s*\{\s*"type"\s*:\s*"point"\s*,\s*"coordinates"\s*:\s*\[\s*[-+]?\d+(?:\.\d+)?'
              r'\s*,\s*[-+]?\d+(?:\.\d+)?(?:\s*,\s*[-+]?\d+(?:\.\d+)?)?\s*\]\s*\}\s*')
# written into a narrative (the scan reports them, the free-text treatment replaces them): a
# date of birth said as one ('DOB 22/02/2011', 'née le 03/04/1990', 'fecha de nacimiento:
# 1/2/85'; case-insensitive) and UNHCR / proGres numbers ('SYR-15C54321', '123-45C67890');
# RE2 syntax, so that pyarrow runs them in the redactor
TEXT_DOB_RE = (r"\b(?:d\.?o\.?b\.?|date of birth|born(?: on)?|n[ée]e? le|n[ée]e? en|"
               r"date de naissance|fecha de nacimiento|nacid[oa] el)\s*:?\s*"
               r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}")
TEXT_CASE_ID_RE = r"\b(?:[A-Z]{3}|\d{3})-\d{2}[A-Z]\d{5,8}\b"
# a Kobo/ODK geopoint written with decimal commas (French or Spanish locale): 'lat lon alt acc'
GEOPOINT_COMMA_RE = (r"\s*[-+]?\d{1,2},\d{3,}\s+[-+]?\d{1,3},\d{3,}"
                     r"(?:\s+[-+]?\d+(?:,\d+)?){0,2}\s*")
HEMI_RE = r"(?i)\s*(?:[NSEW]\s*\d{1,3}\.\d{2,}|\d{1,3}\.\d{2,}\s*°?\s*[NSEW])(?:\s*[,; ]\s*(?:[NSEW]\s*\d{1,3}\.\d{2,}|\d{1,3}\.\d{2,}\s*°?\s*[NSEW]))?\s*"
PCODE_RE = r"[A-Z]{2,3}\d{2,10}"
AGE_BAND_RE = r"\d{1,3}\s*(?:-|–|to|à|a|y)\s*\d{1,3}\s*(?:ans|years|yrs|anos|años|y)?|\d{1,3}\s*\+|<\s*\d{1,3}|>\s*\d{1,3}|\d{1,3}\s*(?:ans|years|yrs|anos|años|months|mois|meses)(?: and over| et plus| y mas)?"
NAME_TOKEN = r"[A-ZÀ-ÖØ-Þ][a-zà-öø-ÿ'’\-]+|[A-ZÀ-ÖØ-Þ]\.?|[A-ZÀ-ÖØ-Þ]{2,}|(?:bin|ben|ibn|bint|de|da|del|van|von|el|al|wa|ould|ag|dan|abu|oumar|la|le|du|dos|das)"
PLACE_WORDS = (r"(?i)\b(?:camp|site|village|town|city|district|region|province|county|block|zone|"
               r"sector|settlement|school|hospital|clinic|health|centre|center|market|office|"
               r"street|road|river|water|point|ngo|ministry|association|foundation|committee|"
               r"unit|team|group|project|programme|program|cluster|ville|quartier|ecole|école|"
               r"hopital|hôpital|centre|marche|marché|bureau|comite|comité|escuela|hospital|"
               r"centro|mercado|comunidad|barrio|asentamiento|albergue|vereda|colegio|"
               r"international|national|relief|aid|services|partners|society|red cross|"
               r"croix|cruz|caritas|church|mosque|eglise|église|iglesia|inc|ltd|llc|sarl)\b")
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
    given_any: float = 0.0  # values starting with a known given name, digits or not
    multiword: float = 0.0
    alpha: float = 0.0
    id_shape: float = 0.0
    id_consistent: float = 0.0
    sequential: bool = False
    dense_ints: bool = False
    digits_heavy: float = 0.0
    pcode: float = 0.0
    place_words: float = 0.0  # values naming places or organisations ("... Camp", "Hôpital ...")
    uniqueness: float = 0.0
    lists: dict[str, float] = field(default_factory=dict)
    list_matched: dict[str, list[str]] = field(default_factory=dict)
    hits: list[ValueHit] = field(default_factory=list)

    def hit(self, entity: str) -> ValueHit | None:
        for h in self.hits:
            if h.entity == entity:
                return h
        return None


_RX: dict[str, re.Pattern] = {}
_NO_DIGITS = str.maketrans("", "", "0123456789")
_NO_SPACE_DASH = str.maketrans("", "", " \t-")


def _rx(pattern: str) -> re.Pattern:
    r = _RX.get(pattern)
    if r is None:
        r = _RX[pattern] = re.compile(pattern)
    return r


class _Sample:
    """The bounded sample as a list plus numpy masks: one pass of a compiled regex per check."""

    def __init__(self, values: list[str], weights):
        import numpy as np

        self.np = np
        self.v = values
        self.n = len(values)
        self.w = None if weights is None else np.asarray(weights, dtype="float64")

    def mask(self, pred) -> object:
        return self.np.fromiter(map(bool, map(pred, self.v)), dtype=bool, count=self.n)

    def full(self, pattern: str):
        m = _rx(pattern).fullmatch
        return self.mask(m)

    def search(self, pattern: str):
        m = _rx(pattern).search
        return self.mask(m)

    def share(self, mask) -> float:
        if not self.n:
            return 0.0
        if self.w is None:
            return float(mask.mean())
        tot = float(self.w.sum())
        return float((mask * self.w).sum() / tot) if tot else 0.0

    def pick(self, mask, k: int = 3) -> list[str]:
        out = []
        for x, ok in zip(self.v, mask):
            if ok:
                out.append(x)
                if len(out) == k:
                    break
        return out

    def where(self, mask) -> list[str]:
        return [x for x, ok in zip(self.v, mask) if ok]


_SHAPE = str.maketrans({**{c: "A" for c in string.ascii_letters},
                       **{c: "9" for c in string.digits}})
_DIGIT, _LETTER = re.compile(r"\d"), re.compile(r"[A-Za-z]")


def id_shape(value: str) -> str:
    """The shape of a code: ASCII letters as ``A``, digits as ``9`` (``AB-12`` → ``AA-99``).
    Digits of other scripts (Arabic-Indic…) count as digits too, as a regex's ``\\d`` does."""
    if value.isascii():
        return value.translate(_SHAPE)
    return _DIGIT.sub("9", _LETTER.sub("A", value))


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
    ``regions``). Runs on a bounded sample: the first local numbers are tried against every
    region, the rest only against the regions that worked for them."""
    import phonenumbers

    order = list(regions)
    out: list[bool] = []
    local_seen = 0
    working: list[str] = []
    for v in values:
        s = v.strip()
        ok = False
        try:
            if s.startswith("+") or s.startswith("00"):
                s2 = "+" + s[2:] if s.startswith("00") else s
                ok = phonenumbers.is_valid_number(phonenumbers.parse(s2, None))
            else:
                digits = re.sub(r"\D", "", s)
                local_seen += 1
                tries = order if local_seen <= 8 else working
                for region in tries:
                    try:
                        num = phonenumbers.parse(s, region)
                    except phonenumbers.NumberParseException:
                        continue
                    if phonenumbers.is_valid_number(num):
                        ok = True
                        if region not in working:
                            working.append(region)
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

    ``sample``: distinct raw values (a list or Series, at most 500); ``weights``: their
    frequencies in the column (or None); ``full``: the whole column (nulls allowed) for cheap
    confirmations, or None.
    """
    import numpy as np

    from datasafe.detect.lexicon import norm_value

    f = Features()
    raw = list(sample)
    keep = [i for i, v in enumerate(raw) if str(v).strip()]
    vals = [str(raw[i]).strip() for i in keep]
    w = None
    if weights is not None:
        wa = np.asarray(weights, dtype="float64")
        w = np.nan_to_num(wa[keep], nan=1.0) if len(wa) == len(raw) else None
        f.weighted = w is not None
    S = _Sample(vals, w)
    f.n = S.n
    if not f.n:
        return f
    f.uniqueness = stats.distinct / stats.non_empty if stats.non_empty else 0.0
    lengths = np.fromiter((len(x) for x in vals), dtype=int, count=S.n)

    # -- numbers -----------------------------------------------------------------------------
    # "8.0": an integer written by a tool that had a missing value in the column (pandas
    # writes int columns with NaN as floats); as the Parquet of the same data holds 8
    is_int = S.full(INT_RE) | S.full(r"[+-]?\d+\.0+")
    is_num = S.full(NUM_RE)
    f.integer = S.share(is_int)
    f.numeric = S.share(is_num)
    if is_num.any():
        nums = np.array([float(x.replace(",", ".")) for x in S.where(is_num)])
        f.num_min, f.num_max = float(nums.min()), float(nums.max())
        decs = [len(m.group(1)) for m in map(_rx(DEC_RE).fullmatch, vals) if m]
        f.decimals = float(np.median(decs)) if decs else 0.0
        ints = nums[nums == np.round(nums)]
        if f.integer > 0.98 and len(ints) >= 5 and stats.distinct >= 5:
            # a dense range of small integers: row numbers or survey keys, not real-world IDs
            f.dense_ints = bool(ints.max() < 10**7 and
                                ints.max() - ints.min() + 1 <= 1.5 * stats.distinct + 2)
        if f.integer > 0.98 and len(ints) >= 10 and stats.distinct == stats.non_empty:
            f.sequential = bool(ints.max() - ints.min() + 1 <= len(ints) * 1.2 + 2
                                and stats.distinct >= stats.rows * 0.9)

    lists = load_value_lists(tuple(value_list_files))
    normed = [norm_value(x) for x in vals]

    def member(values, seq=normed):
        return np.fromiter((x in values for x in seq), dtype=bool, count=len(seq))

    f.boolean = S.share(member(lists["boolean"].values))

    # -- sex -----------------------------------------------------------------------------------
    fem = member(lists["sex_female"].values)
    mal = member(lists["sex_male"].values)
    oth = member(lists["sex_other"].values)
    f.sex_share = S.share(fem | mal | oth)
    f.sex_both = bool(fem.any() and mal.any())

    # -- value lists -----------------------------------------------------------------------------
    if f.numeric < 0.9:
        for name, vl in lists.items():
            if name.startswith("sex_") or name == "boolean":
                continue
            m = member(vl.values)
            if m.any():
                f.lists[name] = S.share(m)
                f.list_matched[name] = S.pick(m)

    # -- dates ---------------------------------------------------------------------------------
    is_date = S.full(DATE_RE)
    f.date = S.share(is_date)
    if f.date > 0.5 or f.integer > 0.9:
        yr_rx = _rx(YEAR_RE)
        years = []
        for x, ok in zip(vals, is_date | is_int):
            if ok:
                m = yr_rx.search(x)
                if m:
                    years.append(int(m.group(1)))
        if years and (f.date > 0.5 or len(years) > 0.9 * S.n):
            f.years_min, f.years_max = min(years), max(years)
            f.year_span = f.years_max - f.years_min
    f.year_only = S.share(S.full(r"(?:19|20)\d{2}"))
    low = [x.lower() for x in vals]
    band = _rx(AGE_BAND_RE).fullmatch
    f.age_band = S.share(np.fromiter((bool(band(x)) for x in low), dtype=bool, count=S.n))

    # -- text shape ------------------------------------------------------------------------------
    ndig = np.fromiter((len(x) - len(x.translate(_NO_DIGITS)) for x in vals), dtype=int,
                       count=S.n)
    has_digit = ndig > 0
    f.alpha = S.share(~has_digit)
    nwords = np.fromiter((len(x.split()) for x in vals), dtype=int, count=S.n)
    f.multiword = S.share(nwords >= 2)
    if f.alpha >= 0.5:
        name_tok = rf"(?:{NAME_TOKEN})"
        # "Amina Yusuf", "MUKENDI Marie-Claire", "MUKENDI, Marie-Claire" (surname first)
        latin = S.full(rf"{name_tok}(?:,? {name_tok}|[ \-]{name_tok}){{0,4}}") & ~has_digit
        arabic = S.full(rf"{ARABIC_WORD}(?: {ARABIC_WORD}){{1,4}}")
        shaped = (latin | arabic) & (nwords <= 5)
        f.name_shape = S.share(shaped)
        if f.name_shape > 0.3:
            given = load_given_names(tuple(names_files))
            words = [x.replace(",", " ").split() for x in normed]
            gmask = np.fromiter((bool(w) and (w[0] in given or w[-1] in given) for w in words),
                                dtype=bool, count=S.n)
            f.given_name = S.share(shaped & gmask)
        if f.name_shape > 0.5:
            f.list_matched["_names"] = S.pick(shaped)
        f.place_words = S.share(S.search(PLACE_WORDS))
    else:
        # mostly values with digits: do they still start with given names ("Amina K1")?
        given = load_given_names(tuple(names_files))
        f.given_any = S.share(np.fromiter(
            (len(x.split()) >= 2 and x.split()[0] in given for x in normed), dtype=bool,
            count=S.n))

    # -- ID-like codes ---------------------------------------------------------------------------
    if f.alpha < 0.98:
        idm = S.full(r"[A-Za-z0-9][A-Za-z0-9\-_/.]{3,30}") & has_digit & (lengths >= 4)
        f.id_shape = S.share(idm)
        if idm.any():
            from collections import Counter

            shapes = Counter(id_shape(x) for x in S.where(idm))
            f.id_consistent = shapes.most_common(1)[0][1] / sum(shapes.values())
        f.digits_heavy = S.share(ndig >= 6)
        pc = S.full(PCODE_RE)
        if pc.any():
            from collections import Counter

            pref = Counter(x[:2] for x in S.where(pc))
            f.pcode = S.share(pc) * pref.most_common(1)[0][1] / sum(pref.values())

    # -- strong value recognizers ------------------------------------------------------------------
    at = S.search("@") if f.alpha < 1.0 or True else None
    if at.any():
        email = S.full(EMAIL_RE)
        esh = S.share(email)
        if esh >= 0.3:
            esh = _confirm(full, EMAIL_RE, esh, stats)
            f.hits.append(ValueHit("EMAIL_ADDRESS", esh, min(0.99, 0.55 + 0.45 * esh),
                                   S.pick(email)))
    if not f.hit("EMAIL_ADDRESS"):
        url = S.full(URL_RE) & ~at
        ush = S.share(url)
        if ush >= 0.5:
            f.hits.append(ValueHit("URL", ush, 0.5 + 0.4 * ush, S.pick(url)))
    if f.alpha >= 0.98:
        w3w = S.full(W3W_RE)  # '///filled.count.soap': a 3 m square, with no digit at all
        if S.share(w3w) >= 0.5:
            f.hits.append(ValueHit("GPS_COORDINATE", S.share(w3w), 0.6 + 0.35 * S.share(w3w),
                                   S.pick(w3w)))
        return f  # no digits at all: none of the recognizers below can fire

    ip4 = S.full(IPV4_RE)
    ip6 = S.full(IPV6_RE)
    if ip6.any():
        import ipaddress

        def _v6(x):
            try:
                ipaddress.IPv6Address(x)
                return True
            except ValueError:
                return False

        ip6 = ip6 & S.mask(_v6)
    ipsh = S.share(ip4 | ip6)
    if ipsh >= 0.5 and f.decimals < 1:
        f.hits.append(ValueHit("IP_ADDRESS", ipsh, 0.6 + 0.39 * ipsh, S.pick(ip4 | ip6)))

    compact = [x.translate(_NO_SPACE_DASH) for x in vals]
    ibrx = _rx(IBAN_RE).fullmatch
    ib = np.fromiter((bool(ibrx(x.upper())) for x in compact), dtype=bool, count=S.n)
    if ib.mean() >= 0.3:
        cands = [x for x, ok in zip(compact, ib) if ok][:200]
        okv = [iban_ok(x) for x in cands]
        sh = S.share(ib) * (sum(okv) / len(okv))
        if sh >= 0.4:
            f.hits.append(ValueHit("IBAN_CODE", sh, 0.6 + 0.39 * sh, S.pick(ib)))

    cc = S.full(CARD_RE)
    if cc.mean() >= 0.3:
        digits = [x for x, ok in zip(compact, cc) if ok][:200]
        okv = [13 <= len(d) <= 19 and luhn_ok(d) for d in digits]
        sh = S.share(cc) * (sum(okv) / len(okv))
        if sh >= 0.6:
            f.hits.append(ValueHit("CREDIT_CARD", sh, 0.5 + 0.45 * sh, S.pick(cc)))

    # phones: a cheap shape filter, then phonenumbers on at most 80 values
    flt = S.full(r"[+-]?\d+[.,]\d+")
    pre = S.full(PHONE_PRE_RE) & ~is_date & ~flt & (ndig >= 7) & (ndig <= 15)
    pre_share = S.share(pre)
    # two numbers repeated over a whole list (two focal points' phones) are phones too; a hit on
    # so few distinct values counts only under a phone header (detect._apply_values)
    if pre_share >= 0.3 and stats.distinct >= 1:
        idx = [i for i, ok in enumerate(pre) if ok][:50]
        valid = phone_valid([vals[i] for i in idx], tuple(regions or DEFAULT_PHONE_REGIONS))
        rate = sum(valid) / len(valid) if valid else 0.0
        sh = pre_share * rate
        if sh >= 0.3:
            vmask = np.zeros(S.n, dtype=bool)
            for i, ok in zip(idx, valid):
                vmask[i] = ok
            conf = min(0.97, 0.45 + 0.5 * sh)
            # bare integers (no +, 00 or trunk 0, no grouping) are amounts and codes far more
            # often than phone numbers: alone they are weak evidence
            styled = S.mask(lambda x: x[:1] in "+0(" or any(ch in x for ch in " -.()"))
            from collections import Counter

            lens = Counter(int(n) for n in ndig[vmask]) if vmask.any() else Counter()
            same_len = lens.most_common(1)[0][1] / max(1, sum(lens.values())) if lens else 0
            if S.share(styled & vmask) < 0.5 * S.share(vmask) or same_len < 0.5:
                conf = min(conf, 0.4)
            f.hits.append(ValueHit("PHONE_NUMBER", sh, conf, S.pick(vmask)))

    # GPS shapes that need no header: "lat, lon" in one cell, WKT, DMS, hemispheres, Kobo lists
    llrx = _rx(LATLON_RE).fullmatch

    def _latlon(x):
        m = llrx(x)
        if not m:
            return False
        a, b = m.group(1), m.group(2)
        if not (re.search(r"\.\d{3,}", a) and re.search(r"\.\d{3,}", b)):
            return False
        a, b = abs(float(a)), abs(float(b))
        # 'lat, lon', or GIS order 'lon, lat' (east of 90°E: Bangladesh, Myanmar, Philippines)
        return (a <= 90 and b <= 180) or (a <= 180 and b <= 90)

    ll = S.mask(_latlon)
    wkt = S.full(WKT_RE)
    dms = S.full(DMS_RE) & S.search(DMS_MARK_RE)
    hemi = S.full(HEMI_RE)
    # a submission's id as ODK Central exports it ('KEY': uuid:0f1e…): it points at the record
    uuid = S.full(r"(?i)uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    if S.share(uuid) >= 0.9:
        f.hits.append(ValueHit("CASE_ID", S.share(uuid), 0.85, S.pick(uuid)))
    shelter = S.full(SHELTER_RE)
    if S.share(shelter) >= 0.5:  # an address in a camp: where a household sleeps
        f.hits.append(ValueHit("ADDRESS", S.share(shelter), 0.6 + 0.3 * S.share(shelter),
                               S.pick(shelter)))
    geo = ll | wkt | dms | hemi | S.full(GEOPOINT_COMMA_RE) | S.full(GEOJSON_RE)
    grid = S.full(MGRS_RE) | S.full(UTM_RE) | S.full(PLUS_CODE_RE) | S.full(W3W_RE)
    if S.share(grid) >= 0.5:
        geo = geo | grid
    gsh = S.share(geo)
    if gsh >= 0.5:
        f.hits.append(ValueHit("GPS_COORDINATE", gsh, 0.6 + 0.35 * gsh, S.pick(geo)))
        # the digits of points dial too ('44.191 15.369' → a phone number): points win
        f.hits = [h for h in f.hits if h.entity != "PHONE_NUMBER" or h.share > gsh]
    return f


def _confirm(full, pattern: str, share: float, stats) -> float:
    """Share of the whole column matching ``pattern`` (when the sample is not the column)."""
    if full is None or stats.distinct <= 500:
        return share
    try:
        full = full.dropna()
        return float(full.str.fullmatch(pattern).mean()) if len(full) else share
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
