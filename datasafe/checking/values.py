"""Value-level helpers for checks that need the raw table (GPS decimals, full dates, hex hashes,
numbers). Every helper works on a whole pandas Series of text with vectorised string methods and
returns counts or summary numbers, never values."""

from __future__ import annotations

import re

DECIMAL_METRES = {0: 111_000, 1: 11_100, 2: 1_100, 3: 111, 4: 11, 5: 1.1, 6: 0.11}

_NUM = r"[+-]?\d+(?:[.,]\d+)?"
NUMBER_RE = r"^\s*[+-]?\d{1,3}(?:[ ,\u00a0\u202f]?\d{3})*(?:[.,]\d+)?\s*$|^\s*[+-]?\d+(?:[.,]\d+)?\s*$"
HASH_RE = r"^\s*(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64})\s*$"
FULL_DATE_RE = (r"^\s*(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|"
                r"\d{1,2}\s+[A-Za-zéû]{3,9}\.?\s+\d{4})(?:[T ]\d{1,2}:\d{2}.*)?\s*$")
# Coordinates written as text: hemisphere letters, degree signs, or a "lat, lon" pair.
COORD_TEXT_RE = (r"(?:\d{1,3}(?:\.\d+)?\s*°\s*(?:\d{1,2}\s*['′]\s*)?(?:\d{1,2}(?:\.\d+)?\s*[\"″]\s*)?"
                 r"[NSEWnsew]\b|\b\d{1,3}\.\d{3,}\s*°?\s*[NSEWnsew]\b|"
                 r"[-+]?\d{1,2}\.\d{3,}\s*[,;]\s*[-+]?\d{1,3}\.\d{3,})")


def nonempty(series):
    """The non-empty, stripped values of a text Series."""
    if series is None:
        return None
    s = series.dropna().astype("str").str.strip()
    return s[s != ""]


def sample_share(col, pattern) -> float:
    """Share of a column's profiled sample (<= 500 distinct values) matching a compiled regex."""
    sample = [v for v in (col.sample or []) if v and v.strip()]
    if not sample:
        return 0.0
    return sum(1 for v in sample if pattern.search(v)) / len(sample)


def sample_series(col):
    """The profiled sample of distinct values of a column as a Series (column-level work runs
    on samples; whole columns only where a count matters)."""
    import pandas as pd

    return pd.Series(list(col.sample or []), dtype="str")


def _point_precision(v: str) -> int | None:
    """A point written in another form than decimal degrees, as the decimals of a degree with
    the same precision on the ground (4 ≈ 11 m, 5 ≈ 1.1 m): degrees-minutes(-seconds), MGRS,
    UTM metres, Plus codes, what3words. None for decimal degrees (and anything else)."""
    import re

    from datasafe.detect import values as V

    if re.fullmatch(V.W3W_RE, v):
        return 5  # a 3 m square
    m = re.fullmatch(r"\s*[23456789CFGHJMPQRVWX]{4,8}\+([23456789CFGHJMPQRVWX]{0,3}).*", v)
    if m and "+" in v:
        return {0: 3, 1: 3, 2: 4}.get(len(m.group(1)), 5)  # 8+0 ≈ 275 m, 8+2 ≈ 14 m, 8+3 ≈ 3 m
    if re.fullmatch(V.MGRS_RE, v):
        digits = sum(ch.isdigit() for ch in re.sub(r"^\s*\d{1,2}", "", v))
        return max(1, min(digits // 2, 5))  # 5 digits an axis = 1 m
    if re.fullmatch(V.UTM_RE, v):
        return 5  # whole metres
    # (in a column already judged to hold points, whole Garmin minutes and colons count too)
    if re.fullmatch(V.DMS_RE, v) and re.search(
            V.DMS_MARK_RE + r"|\b[NSEW]\d{1,3}\s+\d|\d{1,3}:\d{1,2}:\d", v):
        first = re.match(r"\s*[NSEWOnsewo]?\s*\d{1,3}\s*[°º:d ]\s*(\d{1,2})([.,]\d+)?\s*['′m:]?"
                         r"\s*(?:(\d{1,2})([.,]\d+)?)?", v)
        if not first:
            return None
        if first.group(3) is not None:  # seconds: 1" ≈ 31 m, each decimal 10 times finer
            return 4 + len((first.group(4) or "x")[1:])
        return 2 + len((first.group(2) or "x")[1:])  # minutes: 1' ≈ 1.9 km
    return None


def decimals(series) -> dict | None:
    """Decimal places of coordinate values (first number in each cell: plain degrees, Kobo
    ``lat lon alt acc`` strings and ``[lat, lon]`` pairs), or for points written otherwise
    (degrees-minutes-seconds, MGRS, UTM, Plus codes, what3words) the decimals of a degree with
    the same precision on the ground. Returns ``{median, max, values}``."""
    s = nonempty(series)
    if s is None or s.empty:
        return None
    other = [_point_precision(v) for v in s.head(500).tolist()]
    known = [p for p in other if p is not None]
    if known and len(known) * 2 >= len(other):
        known.sort()
        return {"median": known[len(known) // 2], "max": known[-1], "values": len(s)}
    frac = s.str.extract(r"[-+]?\d{1,3}\.(\d+)", expand=False)
    if frac.isna().all():  # decimal commas: "-1,559691", or a geopoint "12,39 -1,56 0 5"
        frac = s.str.extract(r"^\s*[-+]?\d{1,3},(\d+)(?:\s|$)", expand=False)
    n_numeric = int(s.str.contains(r"\d", regex=True).sum())
    if n_numeric == 0:
        return None
    # trailing zeros are padding, not precision ('-5.94710000' is 4 decimals)
    lengths = frac.str.rstrip("0").str.len().fillna(0)
    return {"median": int(lengths.median()), "max": int(lengths.max()), "values": n_numeric}


def metres(dec: int) -> float:
    return DECIMAL_METRES.get(max(0, min(dec, 6)), 0.11)


def share_matching(series, pattern: str, col=None) -> tuple[int, int]:
    """(matching, non-empty) counts for a regular expression (full-cell patterns use ^…$).

    When the profiler kept the column's value counts (``col.counts``), the pattern runs once
    per distinct value and the matches are weighted by their counts: the same numbers for a
    fraction of the work."""
    counts = getattr(col, "counts", None)
    if counts is not None:
        import numpy as np

        u = _stripped_uniques(counts)
        n = counts[1]
        keep = (u != "").to_numpy()
        hit = u.str.contains(pattern, regex=True).fillna(False).to_numpy(dtype=bool)
        n = np.asarray(n)
        return int(n[keep & hit].sum()), int(n[keep].sum())
    s = nonempty(series)
    if s is None or s.empty:
        return 0, 0
    return int(s.str.contains(pattern, regex=True).sum()), int(len(s))


def hash_kind(series) -> str | None:
    """'MD5' / 'SHA-1' / 'SHA-256' when >= 90 % of a column's values are hex digests of one
    length, else None."""
    s = nonempty(series)
    if s is None or len(s) < 2:
        return None
    hits = s.str.fullmatch(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{40}|[0-9a-fA-F]{64}")
    if hits.mean() < 0.9:
        return None
    length = int(s[hits].str.len().mode().iloc[0])
    return {32: "MD5", 40: "SHA-1", 64: "SHA-256"}.get(length)


def numbers(series):
    """Numeric values of a text column (thousands separators tolerated); NaN where not a number."""
    import pandas as pd

    s = nonempty(series)
    if s is None:
        return None
    cleaned = s.str.replace(r"[\s\u00a0\u202f]", "", regex=True)
    # '1,234' thousands vs '1,5' decimal comma: treat a comma followed by exactly 3 digits as
    # thousands, any other comma as decimal.
    cleaned = cleaned.str.replace(r",(?=\d{3}(?:\D|$))", "", regex=True).str.replace(",", ".")
    return pd.to_numeric(cleaned, errors="coerce")


def _stripped_uniques(counts):
    """The profiler's kept distinct values (``col.counts``: values, counts) as a Series of
    stripped text, aligned with the counts."""
    import pandas as pd

    return pd.Series(counts[0].to_pandas(), dtype="str").str.strip()


def distinct_values(series, col=None):
    """The distinct non-empty, stripped values of a text column — from the profiler's value
    counts when it kept them (``col.counts``), else from one pass over the column."""
    counts = getattr(col, "counts", None)
    if counts is not None:
        u = _stripped_uniques(counts)
        return u[u != ""].drop_duplicates()
    s = nonempty(series)
    return None if s is None else s.drop_duplicates()


def newest_date(series, col=None):
    """Newest date in a text column (ignoring dates in the future), or None. Works on the
    distinct values (``col``: the profiled column, whose value counts spare a pass)."""
    import datetime as dt

    import pandas as pd

    s = distinct_values(series, col)
    if s is None or s.empty:
        return None
    s = s[s.str.contains(r"\d{4}", regex=True)]
    if s.empty:
        return None
    parsed = pd.to_datetime(s, errors="coerce", format="ISO8601")
    if parsed.isna().mean() > 0.5:  # not ISO: parse a bounded sample value by value
        part = s.sample(n=min(len(s), 2000), random_state=0) if len(s) > 2000 else s
        try:
            parsed = pd.to_datetime(part, errors="coerce", format="mixed", dayfirst=True)
        except (TypeError, ValueError):
            parsed = pd.to_datetime(part, errors="coerce")
    try:
        parsed = parsed.dt.tz_localize(None)
    except (TypeError, AttributeError):
        pass
    parsed = parsed.dropna()
    today = pd.Timestamp(dt.date.today()) + pd.Timedelta(days=1)
    parsed = parsed[(parsed <= today) & (parsed.dt.year >= 1900)]
    if parsed.empty:
        return None
    return parsed.max().date()


def parse_date(value):
    """A date from a sidecar value (date, datetime or ISO text), or None."""
    import datetime as dt

    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    m = re.match(r"^(\d{4})-(\d{1,2})-(\d{1,2})", text)
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return None
    m = re.match(r"^(\d{4})-(\d{1,2})$", text)
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), 1)
    m = re.match(r"^(\d{4})$", text)
    if m:
        return dt.date(int(m.group(1)), 12, 31)
    return None
