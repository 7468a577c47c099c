"""Property: any rectangle of text written as CSV (any of the four delimiters, UTF-8 with or
without BOM, UTF-16, cp1252; values with quotes, delimiters, line breaks, leading zeros and
``+``) reads back cell for cell, by both CSV paths."""

from __future__ import annotations

import csv
import io

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import datasafe.read as dread  # noqa: E402

DELIMS = [",", ";", "\t", "|"]
ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1252"]


@st.composite
def tables(draw):
    delim = draw(st.sampled_from(DELIMS))
    # values may hold the table's own delimiter (quoted by the writer), never another
    # candidate delimiter, and no '#' (a row of hashtags is an HXL row by design)
    alphabet = st.sampled_from(list("abcXYZ019+ -_.é'\"\n") + [delim])
    cell = st.text(alphabet, max_size=12)
    width = draw(st.integers(2, 6))
    n = draw(st.integers(1, 12))
    rows = draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=n,
                         max_size=n))
    headers = [f"col{i}" for i in range(width)]
    encoding = draw(st.sampled_from(ENCODINGS))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return delim, headers, rows, encoding, newline


def expected_rows(rows):
    out = []
    for r in rows:
        norm = [None if c.strip() == "" else c for c in r]
        if any(c is not None for c in norm):  # a row with no value at all is not a record
            out.append(norm)
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(case=tables(), fast=st.booleans())
def test_csv_round_trip(tmp_path_factory, case, fast):
    delim, headers, rows, encoding, newline = case
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delim, lineterminator=newline)
    w.writerow(headers)
    w.writerows(rows)
    path = tmp_path_factory.mktemp("prop") / "t.csv"
    path.write_bytes(buf.getvalue().encode(encoding))
    saved = dread.FAST_CSV_MIN_BYTES
    dread.FAST_CSV_MIN_BYTES = 0 if fast else 1 << 62
    try:
        (t,) = dread.read_tables(path)
    finally:
        dread.FAST_CSV_MIN_BYTES = saved
    assert t.meta["delimiter"] == delim
    assert t.headers == headers and t.header_row == 1 and t.hxl is None
    got = [[None if v != v else v for v in r] for r in t.data.values.tolist()]
    assert got == expected_rows(rows)
    assert t.ragged_rows == 0
