"""Per-column treatments, vectorised over pandas Series of text (``NA`` for empty cells).

Every treatment has ``apply(series, params, state, frame) -> series``; those that need a
statistic of the whole column (percentiles, category counts, P-code centroids) also have
``fit(series, params, frame) -> state``. In memory ``fit`` sees the whole column; when a large
file is streamed the engine fits on a first pass that loads only those columns and then applies
chunk by chunk, so that both give the same result.

Treatments (the names a plan file uses):

- ``keep``; ``drop`` (the column is removed); ``blank`` (the header stays, every cell empty);
- ``mask``: keep the last ``keep_last`` characters (default 4) behind a fixed ``****``, so the
  length of the value is hidden too;
- ``pseudonymise``: keyed HMAC-SHA-256 (RFC 2104) of the value under a per-column sub-key,
  ``HMAC(HMAC(key, "datasafe/pseudonym/v1/" + context), value)``, truncated to ``length`` hex
  characters (default 16 = 64 bits). The same key and context give the same pseudonym in every
  run and every file, so joins survive; without the key nobody can recompute or test a guess,
  which a plain or salted hash allows (a phone number or ID space is small enough to hash
  exhaustively). ``context`` defaults to the column name folded to lower case;
- ``generalise`` with ``method``:
  ``age_band`` (``bands``: lower bounds, default 0, 5, 12, 18, 60 → ``0-4 … 60+``),
  ``date`` (``level``: ``month`` → ``2024-03`` or ``year``),
  ``dob_age_band`` (age at ``reference_date``, default today, then ``age_band``),
  ``gps_round`` (``decimals``, default 2 ≈ 1.1 km),
  ``gps_centroid`` (``pcode``: the P-code column; each point becomes the mean of the points of
  its P-code; P-codes with fewer than ``min_points`` points — default the profile's k — are
  emptied, since their centroid would be a real location),
  ``top_bottom`` (``high``/``low`` percentiles, default 95/none: values beyond are replaced by
  the percentile value),
  ``rare_merge`` (categories seen fewer than ``min_count`` times — default k — become
  ``other``, default ``Other``);
- ``free_text``: entities replaced in place by their type (``<PERSON>``, ``<PHONE_NUMBER>``,
  ``<EMAIL_ADDRESS>``…) with the detection module's recognisers when it offers them, else with
  the built-in patterns (no names: a plan asks for ``drop`` when names must go and no NER runs).
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from datasafe.detect.values import TEXT_CASE_ID_RE, TEXT_DOB_RE

DEFAULT_AGE_BANDS = [0, 5, 12, 18, 60]
PSEUDONYM_VERSION = b"datasafe/pseudonym/v1/"

TREATMENT_NAMES = ("keep", "drop", "blank", "mask", "pseudonymise", "encrypt", "generalise",
                   "free_text", "suppress_small")
ALIASES = {"pseudonymize": "pseudonymise", "pseudonym": "pseudonymise", "hmac": "pseudonymise",
           "generalize": "generalise", "remove": "drop", "delete": "drop", "redact_text":
           "free_text", "replace_entities": "free_text", "small_cells": "suppress_small",
           "reversible": "encrypt", "aes_siv": "encrypt", "encrypted": "encrypt"}
GENERALISE_METHODS = ("age_band", "date", "dob_age_band", "gps_round", "gps_centroid",
                      "top_bottom", "rare_merge")
REFUSED = {"hash": "a plain or salted hash of a small value space (phones, IDs) can be reversed "
                   "by hashing every candidate; use 'pseudonymise' (keyed HMAC) instead",
           "sha256": "use 'pseudonymise' (keyed HMAC) instead of a plain hash",
           "md5": "use 'pseudonymise' (keyed HMAC) instead of a plain hash"}


class TreatmentError(ValueError):
    pass


def canonical(name: str) -> str:
    n = str(name).strip().lower().replace("-", "_")
    if n in REFUSED:
        raise TreatmentError(f"treatment '{name}' is refused: {REFUSED[n]}")
    n = ALIASES.get(n, n)
    if n not in TREATMENT_NAMES:
        raise TreatmentError(f"unknown treatment '{name}' (known: {', '.join(TREATMENT_NAMES)})")
    return n


# ---------------------------------------------------------------------------------------------
# helpers


# plain decimal numbers, which Arrow's cast parses exactly as pandas does (both correctly
# rounded); anything else ("inf", "1_000", other digits) is left to pandas
_DECIMAL = r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
# below this share of distinct values an elementwise parse runs on the distinct values only
DISTINCT_SHARE = 0.5


def arrow_text(s):
    """The values of a text Series as one Arrow string array (nulls where missing; a column
    read in blocks is chunked, and dictionary encoding of chunks gives no single dictionary)."""
    import pyarrow as pa

    arr = pa.array(s, type=pa.string(), from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def on_distinct(s, fn):
    """``fn`` (elementwise, text Series → float or datetime Series) applied to the distinct
    values of ``s`` only and put back in place: an age or date column of a million rows holds
    a few hundred or thousand values. Columns of mostly distinct values are passed whole."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    n = len(s)
    if n < 10_000:
        return fn(s)
    try:
        arr = arrow_text(s)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # not text: elementwise on the whole column
        return fn(s)
    # a probe of 10,000 values spread over the column: when nearly all differ the column has
    # more than ~100,000 distinct values (GPS coordinates) and encoding it would not pay
    probe = arr.take(np.arange(0, n, n // 10_000))
    if pc.count_distinct(probe).as_py() > 0.95 * len(probe):
        return fn(s)
    enc = pc.dictionary_encode(arr)
    if len(enc.dictionary) > DISTINCT_SHARE * n:
        return fn(s)
    vals = fn(pd.Series(enc.dictionary.to_pandas(), dtype="str"))
    kind = vals.dtype.kind if isinstance(vals.dtype, np.dtype) else None
    if kind not in ("f", "M"):
        return fn(s)
    arr = vals.to_numpy()
    missing = np.array([np.nan if kind == "f" else np.datetime64("NaT")], dtype=arr.dtype)
    idx = enc.indices.fill_null(len(arr)).to_numpy(zero_copy_only=False)
    return pd.Series(np.concatenate([arr, missing])[idx], index=s.index, name=s.name)


def _to_number(s):
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = arrow_text(s)
    try:  # a column Arrow reads whole (the usual case) needs no per-value test
        vals = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
        return pd.Series(vals, index=s.index, name=s.name, dtype="float64")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass  # spaces, decimal commas, words: value by value below (the same numbers)
    # a plain decimal holds no white space and no comma, so stripping and reading a decimal
    # comma leave it as it is: only the other values go through them
    vals, plain = _plain_decimals(arr)
    rest = ~plain & s.notna().to_numpy(dtype=bool)
    if rest.any():
        idx = np.flatnonzero(rest)
        t = s.iloc[idx].str.strip().str.replace(",", ".", regex=False)
        sub, plain2 = _plain_decimals(arrow_text(t))
        other = ~plain2 & t.notna().to_numpy(dtype=bool)
        if other.any():
            sub[other] = pd.to_numeric(t[other], errors="coerce").to_numpy(
                dtype="float64", na_value=np.nan)
        vals[idx] = sub
    return pd.Series(vals, index=s.index, name=s.name, dtype="float64")


def _plain_decimals(arr):
    """(float values, NaN elsewhere; mask of the plain decimals) of an Arrow string array."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    plain = pc.match_substring_regex(arr, _DECIMAL).fill_null(False)
    plain_np = plain.to_numpy(zero_copy_only=False)
    if plain_np.all():
        return pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False).copy(), plain_np
    vals = np.full(len(arr), np.nan)
    if plain_np.any():
        vals[plain_np] = pc.cast(arr.filter(plain), pa.float64()).to_numpy(zero_copy_only=False)
    return vals, plain_np


def to_number(s):
    """Text → float Series (NaN where not a number); accepts a decimal comma. Plain decimals
    are parsed by Arrow, other forms by ``pandas.to_numeric`` (the same numbers)."""
    return on_distinct(s, _to_number)


def number_text(x, integer: bool = False):
    """Float Series → text Series (NA where NaN), vectorised through pyarrow. A long column of
    few numbers (rounded coordinates, top-coded counts) is written once per distinct number:
    numbers are told apart by their bits, so -0.0 stays "-0" beside a "0"."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    vals = x.to_numpy(dtype="float64", na_value=float("nan"))

    def text(v):
        arr = pa.array(v, from_pandas=True)
        if integer:
            arr = pc.cast(pc.round(arr), pa.int64())
        return pc.cast(arr, pa.string())

    out = None
    n = len(vals)
    # a probe first, as on_distinct does: nearly unique numbers are written whole
    probe = vals[:: n // 10_000].view(np.int64) if n >= 10_000 else None
    if probe is not None and len(np.unique(probe)) <= 0.95 * len(probe):
        codes, bits = pd.factorize(vals.view(np.int64))
        if len(bits) <= DISTINCT_SHARE * n:
            out = text(np.asarray(bits).view(np.float64)).take(pa.array(codes, pa.int32()))
    if out is None:
        out = text(vals)
    return pd.Series(out.to_pandas(types_mapper=pd.ArrowDtype).astype("str"), index=x.index)


def count_distinct(s) -> int:
    """The number of distinct non-empty values of a Series (pandas' hash table is faster
    than Arrow's ``count_distinct`` on nearly unique text)."""
    return int(s.nunique(dropna=True))


def _looks_integer(s) -> bool:
    sample = s.dropna().head(200)
    return bool(len(sample)) and bool(sample.str.strip().str.fullmatch(r"[+-]?\d+").all())


def band_labels(bands: list[float]) -> list[str]:
    labels = []
    for i, lo in enumerate(bands):
        lo_i = int(lo)
        if i + 1 < len(bands):
            labels.append(f"{lo_i}-{int(bands[i + 1]) - 1}")
        else:
            labels.append(f"{lo_i}+")
    return labels


def age_to_band(age, bands: list[float] | None = None):
    """Float Series of ages → text bands (NA where missing or negative)."""
    import numpy as np
    import pandas as pd

    bands = sorted(float(b) for b in (bands or DEFAULT_AGE_BANDS))
    edges = bands + [np.inf]
    cut = pd.cut(age, bins=edges, right=False, labels=band_labels(bands))
    out = cut.astype("object").where(cut.notna(), None)
    return pd.Series(out, index=age.index, dtype="str")


def parse_dates(s):
    """Text → datetime Series (NaT where not a date): ISO first, then day-first forms (parsed
    once per distinct value)."""
    return on_distinct(s, _parse_dates)


def _parse_dates(s):
    import pandas as pd

    t = s.str.strip()
    d = pd.to_datetime(t, errors="coerce", format="ISO8601")
    rest = d.isna() & t.notna()
    if rest.any():
        d2 = pd.to_datetime(t[rest], errors="coerce", dayfirst=True, format="mixed")
        # microseconds hold years 1-9999 ('01/01/0001' overflows nanoseconds)
        d = d.astype("datetime64[us]")
        d[rest] = d2.astype("datetime64[us]")
    return d


_PAIR = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*[,; ]\s*([+-]?\d+(?:\.\d+)?)\s*$")


_COMMA_DECIMAL = r"^\s*[+-]?\d{1,3},\d+\s*$"


def _comma_decimals(s) -> bool:
    """Whether a column writes its coordinates with a decimal comma (``-1,559691``: French and
    other locales' exports, e.g. a Kobo CSV with ``;``), not as ``lat,lon`` pairs."""
    sample = s.dropna().head(200)
    return bool(len(sample)) and not sample.str.contains(".", regex=False).any() and \
        sample.str.match(_COMMA_DECIMAL).mean() > 0.8


def roundable(values: list[str]) -> float:
    """Share of sampled GPS values that ``gps_round`` can round: one number in decimal degrees
    (a decimal comma too) or a 'lat, lon' pair. Grid references, Plus codes, what3words,
    degrees-minutes-seconds, WKT and Kobo geopoints cannot be, and would be emptied."""
    vals = [v.strip() for v in values if v and v.strip()]
    if not vals:
        return 1.0
    num = re.compile(r"[-+]?\d{1,3}(?:[.,]\d+)?")
    return sum(1 for v in vals if num.fullmatch(v) or _PAIR.match(v)) / len(vals)


def _is_pair_column(s) -> bool:
    sample = s.dropna().head(200)
    return bool(len(sample)) and not _comma_decimals(s) and \
        sample.str.match(_PAIR.pattern).mean() > 0.8


def _split_pair(s):
    import pandas as pd

    parts = s.str.extract(_PAIR.pattern)
    return (pd.to_numeric(parts[0], errors="coerce"), pd.to_numeric(parts[1], errors="coerce"))


def _join_pair(a, b, sep=", "):
    out = number_text(a) + sep + number_text(b)
    return out.where(a.notna() & b.notna(), None).astype("str")


# ---------------------------------------------------------------------------------------------
# treatments


def t_blank(s, params, state, frame):
    import pandas as pd

    return pd.Series([None] * len(s), index=s.index, dtype="str")


def t_mask(s, params, state, frame):
    n = int(params.get("keep_last", 4))
    stars = str(params.get("mask", "****"))
    t = s.str.strip()
    last = t.str.slice(start=-n) if n > 0 else t.str.slice(0, 0)
    out = stars + last
    short = t.str.len() <= n
    out = out.where(~short.fillna(False).astype(bool), stars)
    return out.where(s.notna(), None).astype("str")


def pseudonym_subkey(key: bytes, context: str) -> bytes:
    return hmac.new(key, PSEUDONYM_VERSION + context.encode("utf-8"), hashlib.sha256).digest()


def hmac_sha256_fn(key: bytes) -> Callable[[bytes], bytes]:
    """HMAC-SHA-256 under ``key`` (RFC 2104) with the inner and outer pad states hashed once:
    the same bytes as ``hmac.digest(key, msg, "sha256")``, about twice as fast per value."""
    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    kb = key.ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in kb))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in kb))

    def mac(msg: bytes) -> bytes:
        i = inner.copy()
        i.update(msg)
        o = outer.copy()
        o.update(i.digest())
        return o.digest()

    return mac


def key_id(key: bytes) -> str:
    """A short fingerprint that says which key was used (it reveals nothing about the key):
    the one ``datasafe keygen`` prints, so a log and a key file can be matched."""
    from datasafe.accountability.reversible import key_fingerprint

    return key_fingerprint(key)


def t_pseudonymise(s, params, state, frame):
    key = params.get("_key")
    if not key:
        raise TreatmentError("pseudonymise needs a key (DATASAFE_KEY or --key-file)")
    context = str(params.get("context") or params.get("_column", "")).strip().casefold()
    length = max(8, min(64, int(params.get("length", 16))))
    prefix = str(params.get("prefix", ""))
    sub = pseudonym_subkey(key, context)
    t = s.str.strip() if params.get("strip", True) else s
    if params.get("casefold"):
        t = t.str.casefold()
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    # one HMAC per distinct value (not per cell; hmac.digest is the one-shot C path), then the
    # tokens are put back in place with Arrow's take
    enc = pc.dictionary_encode(arrow_text(t))
    mac = hmac_sha256_fn(sub)
    tokens = [prefix + mac(v).hex()[:length]
              for v in enc.dictionary.cast(pa.binary()).to_pylist()]
    out = pa.array(tokens, type=pa.string()).take(enc.indices)
    return pd.Series(out.to_pandas(), index=s.index, dtype="str")


def t_encrypt(s, params, state, frame):
    """Reversible de-personalisation: each value encrypted with AES-SIV under the custodian key
    (``datasafe keygen``), deterministic within the column, so that the key holder alone can
    restore it (``datasafe repersonalise``). The encryption context is the column's header
    (``context`` to set another), as ``repersonalise`` expects."""
    from datasafe.accountability.reversible import KEY_BYTES, encrypt_column

    key = params.get("_key")
    if not key or len(key) != KEY_BYTES:
        raise TreatmentError("encrypt needs the custodian key made by `datasafe keygen`: pass "
                             "it with --key-file")
    context = str(params.get("context") or params.get("_column", ""))
    t = s.str.strip() if params.get("strip", True) else s
    return encrypt_column(t, bytes(key), context)


# a value that already is a band: '0-17', '18 - 59', '60+', '<5', '5 to 17', '65 and over'
_AGE_BAND_TEXT = re.compile(
    r"^\s*(?:\d{1,3}\s*(?:-|–|to|à|a)\s*\d{1,3}|\d{1,3}\s*\+|[<>≤≥]\s*=?\s*\d{1,3}|"
    r"\d{1,3}\s*(?:and|et|y|e)\s*(?:over|older|above|plus|more|más|mais)|"
    r"(?:under|over|moins de|plus de|menos de|más de)\s*\d{1,3})\s*"
    r"(?:years?|yrs?|ans|años|anos|y)?\s*$", re.IGNORECASE)


def t_age_band(s, params, state, frame):
    """Exact ages → bands; a value that already is a band ('0-17', '60+') stays as it is (it
    was emptied: a column of age groups lost every value)."""
    age = to_number(s)
    age = age.where(age >= 0)
    out = age_to_band(age, params.get("bands"))
    # only the values that are not ages can be bands, and each distinct one is matched once (a
    # per-cell regex over a million numeric ages took 2.5 s)
    rest = age.isna() & s.notna()
    if rest.any():
        text = s[rest].astype("str")
        bands = [v for v in text.unique() if _AGE_BAND_TEXT.match(v)]
        if bands:
            banded = text[text.isin(bands)]
            out = out.copy()
            out.loc[banded.index] = banded.str.strip()
    return out


def t_date(s, params, state, frame):
    level = str(params.get("level", "month")).lower()
    d = parse_dates(s)
    fmt = {"month": "%Y-%m", "year": "%Y", "quarter": None}.get(level, "%Y-%m")
    if level == "quarter":
        out = d.dt.year.astype("Int64").astype("str") + "-Q" + d.dt.quarter.astype(
            "Int64").astype("str")
    else:
        out = _year_month_text(d, level == "year") if fmt in ("%Y-%m", "%Y") else None
        if out is None:
            out = d.dt.strftime(fmt)
    return out.where(d.notna(), None).astype("str")


def _year_month_text(d, year_only: bool):
    """``strftime("%Y-%m")`` / ``("%Y")`` of a datetime Series from its year and month numbers
    in Arrow (strftime formats every value in Python); None for years strftime would not
    write with four digits."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    year = d.dt.year
    ok = d.notna()
    if ok.any() and not ((year[ok] >= 1000) & (year[ok] <= 9999)).all():
        return None
    y = pc.cast(pa.array(year.astype("Int64"), type=pa.int64(), from_pandas=True), pa.string())
    if year_only:
        txt = y
    else:
        m = pc.cast(pa.array(d.dt.month.astype("Int64"), type=pa.int64(), from_pandas=True),
                    pa.string())
        txt = pc.binary_join_element_wise(y, pc.utf8_lpad(m, 2, "0"), "-")
    return pd.Series(txt.to_pandas(), index=d.index, dtype="str")


def _reference(params) -> _dt.date:
    ref = params.get("reference_date")
    if ref:
        return _dt.date.fromisoformat(str(ref)[:10])
    return _dt.date.today()


def t_dob_age_band(s, params, state, frame):
    import pandas as pd

    d = parse_dates(s)
    ref = pd.Timestamp(_reference(params))
    age = (ref.year - d.dt.year) - ((d.dt.month > ref.month) | ((d.dt.month == ref.month) & (
        d.dt.day > ref.day))).astype(int)
    age = age.astype("float64").where(d.notna())
    age = age.where(age >= 0)
    return age_to_band(age, params.get("bands"))


def t_gps_round(s, params, state, frame):
    dec = int(params.get("decimals", 2))
    if _is_pair_column(s):
        a, b = _split_pair(s)
        return _join_pair(a.round(dec), b.round(dec))
    x = to_number(s)
    out = number_text(x.round(dec))
    if _comma_decimals(s):  # written as the file writes its numbers
        out = out.str.replace(".", ",", regex=False)
    return out


def f_gps_centroid(s, params, frame):
    """Mean point per P-code (for a 'lat, lon' column, of both numbers)."""
    pcode = params.get("pcode")
    if not pcode or frame is None or pcode not in frame.columns:
        raise TreatmentError("gps_centroid needs 'pcode': the name of a P-code column")
    codes = frame[pcode].str.strip()
    min_points = int(params.get("min_points", params.get("_k", 5)))
    if _is_pair_column(s):
        a, b = _split_pair(s)
        g = a.groupby(codes).agg(["mean", "count"])
        h = b.groupby(codes).mean()
        g = g[g["count"] >= min_points]
        return {"pair": True, "a": g["mean"].to_dict(), "b": h.reindex(g.index).to_dict()}
    x = to_number(s)
    g = x.groupby(codes).agg(["mean", "count"])
    g = g[g["count"] >= min_points]
    return {"pair": False, "a": g["mean"].to_dict()}


def t_gps_centroid(s, params, state, frame):
    codes = frame[params["pcode"]].str.strip()
    dec = int(params.get("decimals", 4))
    a = codes.map(state["a"]).astype("float64").round(dec)
    if state["pair"]:
        b = codes.map(state["b"]).astype("float64").round(dec)
        return _join_pair(a, b).where(s.notna(), None).astype("str")
    return number_text(a).where(s.notna(), None).astype("str")


def f_top_bottom(s, params, frame):
    x = to_number(s)
    hi = params.get("high", 95)
    lo = params.get("low")
    # "nearest": the cut-off is a value of the column, so integers stay integers
    return {"high": None if hi is None else float(x.quantile(float(hi) / 100,
                                                              interpolation="nearest")),
            "low": None if lo is None else float(x.quantile(float(lo) / 100,
                                                            interpolation="nearest")),
            "integer": _looks_integer(s)}


def t_top_bottom(s, params, state, frame):
    x = to_number(s)
    y = x
    if state.get("high") is not None and state["high"] == state["high"]:
        y = y.where(~(y > state["high"]), state["high"])
    if state.get("low") is not None and state["low"] == state["low"]:
        y = y.where(~(y < state["low"]), state["low"])
    changed = (y != x) & x.notna()
    txt = number_text(y, integer=state.get("integer", False))
    return s.where(~changed, txt).astype("str")


def f_rare_merge(s, params, frame):
    counts = s.str.strip().value_counts()
    min_count = int(params.get("min_count", params.get("_k", 5)))
    return {"rare": set(counts[counts < min_count].index)}


def t_rare_merge(s, params, state, frame):
    other = str(params.get("other", "Other"))
    rare = s.str.strip().isin(state["rare"])
    return s.where(~rare, other).astype("str")


# free text --------------------------------------------------------------------------------

# RE2 syntax (no look-around), so that pyarrow applies them in C++ over whole batches
_TEXT_PATTERNS = [
    # a date of birth said as one ('DOB 22/02/2011', 'née le 03/04/1990', 'fecha de
    # nacimiento: 1/2/85'), UNHCR / proGres numbers ('SYR-15C54321', '123-45C67890') and
    # dwellings in a camp or a street ('Block C3 Tent 89', 'Calle 58 # 24-67', 'avenue Lumumba
    # n°12'): first, before the phone and ID patterns take their digits
    ("DATE_OF_BIRTH", "(?i)" + TEXT_DOB_RE),
    ("CASE_ID", TEXT_CASE_ID_RE),
    ("ADDRESS", r"(?i)\b(?:block|bloc|blk|zone)\s*[A-Z]?\d{1,3}[A-Z]?\s*[-,/]?\s*(?:tent|tente|"
                r"shelter|abri|plot|parcelle)\s*(?:no\.?|n°|nº|#)?\s*\d{1,4}\b"),
    ("ADDRESS", r"(?:القطاع|قطاع|بلوك|مربع)\s*\d+\s*،?\s*(?:خيمة|خيمه|مأوى)\s*(?:رقم\s*)?\d+"),
    ("ADDRESS", r"(?i)\b(?:calle|carrera|avenida|av\.|avenue|rue|street|st\.)\s+[^\s,;]+"
                r"(?:\s+[^\s,;#]+)?\s*(?:#|n°|nº|no\.?|num\.?)\s*\d+[A-Za-z]?(?:\s*-\s*\d+)?"),
    ("EMAIL_ADDRESS", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
    ("URL", r"\bhttps?://[^\s]+|\bwww\.[^\s]+"),
    ("GPS_COORDINATE", r"[+-]?\d{1,3}\.\d{4,}\s*[,;]\s*[+-]?\d{1,3}\.\d{4,}"),
    ("IP_ADDRESS", r"\b(?:\d{1,3}\.){3}\d{1,3}\b"),
    ("PHONE_NUMBER", r"\+?\b\d[\d ().\-]{6,}\d\b"),
    ("NATIONAL_ID", r"\b[A-Z]{0,3}\d{6,}\b"),
]


# which bytes a value must hold for a pattern to be worth running on it
_PATTERN_NEEDS = {"EMAIL_ADDRESS": b"@", "URL": b".", "GPS_COORDINATE": b"0123456789",
                  "IP_ADDRESS": b"0123456789", "PHONE_NUMBER": b"0123456789",
                  "NATIONAL_ID": b"0123456789", "DATE_OF_BIRTH": b"0123456789",
                  "CASE_ID": b"0123456789", "ADDRESS": b"0123456789"}


# contact details that may hide in a column detection did not flag (a phone in 'remarks'
# among 'ok' and 'moved', an e-mail in a village column): Python patterns, run only on the
# distinct values an RE2 screen over the whole column picked
_STRAY = [
    ("EMAIL_ADDRESS",
     re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}")),
    ("GPS_COORDINATE", re.compile(r"[+-]?\d{1,3}\.\d{4,}\s*[,;]\s*[+-]?\d{1,3}\.\d{4,}")),
    ("PHONE_NUMBER", re.compile(r"\+\d[\d ().\-]{7,}\d")),  # international form only: +243 81…
]
_STRAY_SCREEN = "@|\\+\\d|\\d\\.\\d{4}"
STRAY_MIN_DIGITS = 9  # a phone number in international form has at least this many digits


def _scrub_text(text: str) -> str:
    """One value with its e-mails, international phone numbers and GPS pairs replaced."""
    for label, pat in _STRAY:
        def sub(m, label=label):
            if label == "PHONE_NUMBER" and sum(ch.isdigit() for ch in m.group()) < \
                    STRAY_MIN_DIGITS:
                return m.group()
            return f"<{label}>"
        text = pat.sub(sub, text)
    return text


def scrub_stray_contacts(s):
    """``(series, cells)``: e-mail addresses, phone numbers in international form and GPS
    pairs inside the values of a column kept as it is, replaced by ``<EMAIL_ADDRESS>`` and the
    like; ``cells`` how many cells changed. One RE2 screen over the column's distinct values,
    then Python on the few it picks."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = arrow_text(s)
    if not len(arr) or arr.null_count == len(arr):
        return s, 0
    enc = pc.dictionary_encode(arr)
    values = enc.dictionary
    picked = np.flatnonzero(np.asarray(pc.match_substring_regex(
        values, pattern=_STRAY_SCREEN).fill_null(False).to_numpy(zero_copy_only=False)))
    if not len(picked):
        return s, 0
    texts = values.to_pylist()
    changed = []
    for i in picked:
        new = _scrub_text(texts[i])
        if new != texts[i]:
            texts[i] = new
            changed.append(int(i))
    if not changed:
        return s, 0
    idx = enc.indices
    cells = int(pc.sum(pc.is_in(idx, value_set=pa.array(changed, type=idx.type))).as_py() or 0)
    out = pa.array(texts, type=pa.string()).take(idx)
    return pd.Series(out.to_pandas(), index=s.index, dtype="str"), cells


def apply_text_patterns(values):
    """The built-in patterns over a string array, each run only on the values holding a byte
    it needs (an '@' for e-mail, a digit for phones and IDs), found from the Arrow buffer."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from datasafe.write import rows_with_bytes

    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    masks = {}
    for label, pat in _TEXT_PATTERNS:
        need = _PATTERN_NEEDS.get(label)
        if need not in masks:
            masks[need] = rows_with_bytes(values, need) if need else None
        mask = masks[need]
        if mask is not None and not mask.any():
            continue
        if mask is None or mask.mean() > 0.5:
            values = pc.replace_substring_regex(values, pattern=pat, replacement=f"<{label}>")
        else:
            sub = pc.replace_substring_regex(values.filter(pa.array(mask)), pattern=pat,
                                             replacement=f"<{label}>")
            values = pc.replace_with_mask(values, pa.array(mask), sub)
    return values


MAX_NER_VALUES = 50_000


def ner_available() -> bool:
    """True when the detection module's NER (Presidio with a local spaCy model) can run."""
    try:
        from datasafe.detect import ner
    except ImportError:  # pragma: no cover
        return False
    try:
        return any(ner.model_installed(lang) for lang in ner.MODELS)
    except Exception:  # noqa: BLE001
        return False


def ner_replace(texts: list[str], regions: tuple[str, ...] = ()) -> list[str]:
    """Each text with the entities the detection module's recognisers find replaced in place
    by ``<TYPE>`` (spans replaced from the end; overlapping spans keep the first, longest)."""
    from datasafe.detect import ner

    lang = ner.guess_language(texts[:200])
    if lang not in ner.MODELS or not ner.model_installed(lang):
        lang = "en"
    engine, _ = ner.get_engine(lang, tuple(regions))
    from presidio_analyzer import BatchAnalyzerEngine

    batch = BatchAnalyzerEngine(analyzer_engine=engine)
    results = batch.analyze_iterator(texts=texts, language=lang, batch_size=64,
                                     entities=ner.ENTITIES, score_threshold=ner.SCORE_THRESHOLD)
    out = []
    for text, res in zip(texts, results):
        spans = sorted(((r.start, r.end, r.entity_type) for r in res or []),
                       key=lambda x: (x[0], -(x[1] - x[0])))
        kept, last_end = [], -1
        for st, en, typ in spans:
            if st >= last_end:
                kept.append((st, en, typ))
                last_end = en
        for st, en, typ in reversed(kept):
            text = text[:st] + f"<{typ}>" + text[en:]
        out.append(text)
    return out


# treatments that take a column's values out of the copy: those values are also taken out of
# the free-text columns of the same table (a name the NER misses is still a known name)
REMOVING_TREATMENTS = ("drop", "pseudonymise", "encrypt", "mask", "blank")
MAX_KNOWN_VALUES = 20_000


def replace_known_values(values, frame, columns):
    """Occurrences (case-insensitive) in a string array of the values of
    ``columns`` of ``frame``, and of their words of four letters or more, → ``<REDACTED>``.
    RE2 alternations in pyarrow, in chunks; at most :data:`MAX_KNOWN_VALUES` literals."""
    import re as _re

    import pyarrow as pa
    import pyarrow.compute as pc

    literals: set[str] = set()
    short: set[str] = set()  # capitalised three-letter words (Sow, Ali, Ngo): whole words only
    covered = _re.compile(r"@|\d{6}")  # e-mails and long digit runs: the patterns rewrite them
    for col in columns:
        for v in frame[col].dropna().unique().tolist()[:MAX_KNOWN_VALUES]:
            v = str(v).strip()
            if covered.search(v):
                continue
            if len(v) >= 4:
                literals.add(v)
            for w in _re.split(r"[\s,;/]+", v):
                if (len(w) >= 4 and w.isalpha()) or (w.isdigit() and len(w) >= 6):
                    literals.add(w)
                elif len(w) == 3 and w.isalpha() and w[0].isupper():
                    short.add(w)
        if len(literals) >= MAX_KNOWN_VALUES:
            break
    if short and len(values):
        alt = "|".join(_re.escape(x) for x in sorted(short)[:MAX_KNOWN_VALUES])
        try:
            values = pc.replace_substring_regex(values, pattern=f"(?i)\\b(?:{alt})\\b",
                                                replacement="<REDACTED>")
        except pa.ArrowException:
            pass
    if not literals or not len(values):
        return values
    # literals the built-in patterns already rewrite (e-mails, phone numbers, long digit runs)
    # cannot be left in a text that went through them: only the others (names) need a search
    lits = pa.array(sorted(literals), type=pa.string())
    same = pc.equal(apply_text_patterns(lits), lits)
    literals = set(lits.filter(same).to_pylist())
    if not literals:
        return values
    ordered = sorted(literals, key=len, reverse=True)[:MAX_KNOWN_VALUES]
    for i in range(0, len(ordered), 500):
        alt = "|".join(_re.escape(x) for x in ordered[i:i + 500])
        try:
            values = pc.replace_substring_regex(values, pattern=f"(?i)(?:{alt})",
                                                replacement="<REDACTED>")
        except pa.ArrowException:  # a pattern RE2 cannot take: the literals one by one
            for x in ordered[i:i + 500]:
                values = pc.replace_substring(values, pattern=x, replacement="<REDACTED>")
    return values


def t_free_text(s, params, state, frame):
    """Entities replaced in place: NER over the distinct texts (``ner``: auto|on|off; auto
    runs it when a model is installed and there are at most ``max_ner_values`` distinct
    texts), then the built-in patterns over the whole column in Arrow."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    mode = str(params.get("ner", "auto")).lower()
    if mode in ("false", "no", "0"):
        mode = "off"
    enc = pc.dictionary_encode(arrow_text(s))
    values = enc.dictionary
    limit = int(params.get("max_ner_values", MAX_NER_VALUES))
    run_ner = mode in ("on", "true", "yes", "1") or (mode == "auto" and ner_available()
                                                      and len(values) <= limit)
    if mode == "auto" and ner_available() and len(values) > limit:
        notes = params.get("_notes")
        if isinstance(notes, list):
            from datasafe.report.common import Phrase

            notes.append(Phrase("redact.notes.ner_limit", column=params.get("_column", ""),
                                n=len(values), limit=limit))
    if run_ner and len(values):
        values = pa.array(ner_replace(values.to_pylist(), tuple(params.get("_regions") or ())),
                          type=pa.string())
    values = apply_text_patterns(values)
    if params.get("_removed_columns") and frame is not None:
        values = replace_known_values(values, frame, params["_removed_columns"])
    out = values.take(enc.indices)
    return pd.Series(out.to_pandas(), index=s.index, dtype="str")


@dataclass
class Treatment:
    apply: Callable
    fit: Callable | None = None
    needs_key: bool = False
    numeric: bool = False  # output can stay numeric in typed formats


GENERALISE: dict[str, Treatment] = {
    "age_band": Treatment(t_age_band),
    "date": Treatment(t_date),
    "dob_age_band": Treatment(t_dob_age_band),
    "gps_round": Treatment(t_gps_round, numeric=True),
    "gps_centroid": Treatment(t_gps_centroid, fit=f_gps_centroid, numeric=True),
    "top_bottom": Treatment(t_top_bottom, fit=f_top_bottom, numeric=True),
    "rare_merge": Treatment(t_rare_merge, fit=f_rare_merge),
}

BASIC: dict[str, Treatment] = {
    "keep": Treatment(lambda s, p, st, f: s, numeric=True),
    "blank": Treatment(t_blank, numeric=True),
    "mask": Treatment(t_mask),
    "pseudonymise": Treatment(t_pseudonymise, needs_key=True),
    "encrypt": Treatment(t_encrypt, needs_key=True),
    "free_text": Treatment(t_free_text),
}


def resolve(treatment: str, params: dict[str, Any]) -> Treatment:
    name = canonical(treatment)
    if name == "generalise":
        method = str(params.get("method", "")).strip().lower()
        if method not in GENERALISE:
            raise TreatmentError(f"generalise needs a method ({', '.join(GENERALISE_METHODS)})"
                                 + (f", not '{method}'" if method else ""))
        return GENERALISE[method]
    if name in ("drop", "suppress_small"):
        return BASIC["keep"]  # handled by the engine
    return BASIC[name]
