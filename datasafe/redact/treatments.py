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

DEFAULT_AGE_BANDS = [0, 5, 12, 18, 60]
PSEUDONYM_VERSION = b"datasafe/pseudonym/v1/"

TREATMENT_NAMES = ("keep", "drop", "blank", "mask", "pseudonymise", "generalise", "free_text",
                   "suppress_small")
ALIASES = {"pseudonymize": "pseudonymise", "pseudonym": "pseudonymise", "hmac": "pseudonymise",
           "generalize": "generalise", "remove": "drop", "delete": "drop", "redact_text":
           "free_text", "replace_entities": "free_text", "small_cells": "suppress_small"}
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


def to_number(s):
    """Text → float Series (NaN where not a number); accepts a decimal comma."""
    import pandas as pd

    t = s.str.strip().str.replace(",", ".", regex=False)
    return pd.to_numeric(t, errors="coerce")


def number_text(x, integer: bool = False):
    """Float Series → text Series (NA where NaN), vectorised through pyarrow."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(x.to_numpy(dtype="float64", na_value=float("nan")), from_pandas=True)
    if integer:
        arr = pc.cast(pc.round(arr), pa.int64())
    out = pc.cast(arr, pa.string())
    return pd.Series(out.to_pandas(types_mapper=pd.ArrowDtype).astype("str"), index=x.index)


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
    """Text → datetime Series (NaT where not a date): ISO first, then day-first forms."""
    import pandas as pd

    t = s.str.strip()
    d = pd.to_datetime(t, errors="coerce", format="ISO8601")
    rest = d.isna() & t.notna()
    if rest.any():
        d2 = pd.to_datetime(t[rest], errors="coerce", dayfirst=True, format="mixed")
        d = d.astype("datetime64[ns]")
        d[rest] = d2.astype("datetime64[ns]")
    return d


_PAIR = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*[,; ]\s*([+-]?\d+(?:\.\d+)?)\s*$")


def _is_pair_column(s) -> bool:
    sample = s.dropna().head(200)
    return bool(len(sample)) and sample.str.match(_PAIR.pattern).mean() > 0.8


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


def key_id(key: bytes) -> str:
    """A short fingerprint that says which key was used (it reveals nothing about the key)."""
    return hmac.new(key, b"datasafe/key-id", hashlib.sha256).hexdigest()[:12]


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

    # one HMAC per distinct value (not per cell; hmac.digest is the one-shot C path), then the
    # codes are mapped back with a vectorised take
    codes, uniques = pd.factorize(t, use_na_sentinel=True)
    digest = hmac.digest
    tokens = [prefix + digest(sub, v.encode("utf-8"), "sha256").hex()[:length] for v in uniques]
    import numpy as np

    arr = np.array(tokens + [None], dtype=object)
    return pd.Series(arr[codes], index=s.index, dtype="str")


def t_age_band(s, params, state, frame):
    age = to_number(s)
    age = age.where(age >= 0)
    return age_to_band(age, params.get("bands"))


def t_date(s, params, state, frame):
    level = str(params.get("level", "month")).lower()
    d = parse_dates(s)
    fmt = {"month": "%Y-%m", "year": "%Y", "quarter": None}.get(level, "%Y-%m")
    if level == "quarter":
        out = d.dt.year.astype("Int64").astype("str") + "-Q" + d.dt.quarter.astype(
            "Int64").astype("str")
    else:
        out = d.dt.strftime(fmt)
    return out.where(d.notna(), None).astype("str")


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
    return number_text(x.round(dec))


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
    ("EMAIL_ADDRESS", r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}"),
    ("URL", r"\bhttps?://[^\s]+|\bwww\.[^\s]+"),
    ("GPS_COORDINATE", r"[+-]?\d{1,3}\.\d{4,}\s*[,;]\s*[+-]?\d{1,3}\.\d{4,}"),
    ("IP_ADDRESS", r"\b(?:\d{1,3}\.){3}\d{1,3}\b"),
    ("PHONE_NUMBER", r"\+?\b\d[\d ().\-]{6,}\d\b"),
    ("NATIONAL_ID", r"\b[A-Z]{0,3}\d{6,}\b"),
]


def _ner_replacer() -> Callable | None:
    """The detection module's in-place entity replacer, when it offers one."""
    try:
        from datasafe import detect
    except ImportError:  # pragma: no cover
        return None
    for name in ("redact_text_series", "replace_entities"):
        fn = getattr(detect, name, None)
        if callable(fn):
            return fn
    return None


def ner_available() -> bool:
    return _ner_replacer() is not None


def t_free_text(s, params, state, frame):
    fn = _ner_replacer()
    out = s
    if fn is not None and params.get("ner", True):
        try:
            out = fn(s)
        except Exception:  # noqa: BLE001 - fall back to the patterns
            out = s
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(out, type=pa.string(), from_pandas=True)
    for label, pat in _TEXT_PATTERNS:
        arr = pc.replace_substring_regex(arr, pattern=pat, replacement=f"<{label}>")
    return pd.Series(arr.to_pandas(), index=s.index, dtype="str")


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
