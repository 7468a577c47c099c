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


def decimals(series) -> dict | None:
    """Decimal places of coordinate values (first number in each cell: plain degrees, Kobo
    ``lat lon alt acc`` strings and ``[lat, lon]`` pairs). Returns ``{median, max, values}``."""
    s = nonempty(series)
    if s is None or s.empty:
        return None
    frac = s.str.extract(r"[-+]?\d{1,3}\.(\d+)", expand=False)
    if frac.isna().all():  # a decimal comma, one number a cell ("-1,559691")
        frac = s.str.extract(r"^\s*[-+]?\d{1,3},(\d+)\s*$", expand=False)
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
