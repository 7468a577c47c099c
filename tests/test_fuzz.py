"""Property and fuzz tests (issue 11) with hypothesis: the readers, the header normaliser, the
value recognisers and the masking function take anything without crashing and keep their
promises. ``max_examples`` is kept modest so that CI stays fast."""

from __future__ import annotations

import os
import re
import zipfile

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from datasafe.read import ReadError, ReadLimits, read_tables

FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60)


def _read(path, limits=None):
    """read_tables returns tables or raises ReadError: nothing else."""
    try:
        tables = read_tables(path, limits)
    except ReadError as exc:
        line = exc.line()
        assert "\n" not in line and line.startswith(str(path))
        return None
    for t in tables:
        assert list(t.data.columns) == t.keys
        assert len(t.keys) == len(set(t.keys)) == len(t.headers)
        for k in t.keys:
            assert str(t.data[k].dtype) == "str"
    return tables


# ---------------------------------------------------------------------------------------------
# readers


@FAST
@given(data=st.binary(max_size=3000), ext=st.sampled_from(
    [".csv", ".tsv", ".txt", ".csv.gz", ".xlsx", ".xls", ".ods", ".parquet", ".xlsm"]))
def test_random_bytes_never_crash_a_reader(tmp_path, data, ext):
    p = tmp_path / f"f{ext}"
    p.write_bytes(data)
    _read(p)


@FAST
@given(data=st.data(), delim=st.sampled_from([",", ";", "\t", "|"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252", "latin-1"]),
       newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_random_csv_text(tmp_path, data, delim, encoding, newline):
    """Random rectangular tables of random text, written with the csv module in an encoding:
    read back, no value is lost (except title rows above the detected header)."""
    import csv
    import io

    width = data.draw(st.integers(2, 6))
    # (the csv module leaves a line break unquoted when it is not in its lineterminator:
    # read back, it ends the row — a property of the writer, not of the reader)
    cell = TEXT.map(lambda v: v.replace("\r", " ").replace("\n", " "))
    rows = data.draw(st.lists(st.lists(cell, min_size=width, max_size=width), min_size=2,
                              max_size=25))
    buf = io.StringIO()
    csv.writer(buf, delimiter=delim, lineterminator=newline).writerows(rows)
    try:
        raw = buf.getvalue().encode(encoding)
    except UnicodeEncodeError:
        raw = buf.getvalue().encode(encoding, "replace")
    p = tmp_path / "t.csv"
    p.write_bytes(raw)
    tables = _read(p)
    if not tables or encoding not in ("utf-8", "utf-8-sig", "utf-16"):
        return
    t = tables[0]
    if t.meta.get("delimiter") != delim:
        return  # a table whose cells hold more of another delimiter: a different reading
    seen = set(t.headers) | {str(h).strip() for h in t.headers}

    for k in t.keys:
        seen.update(t.data[k].dropna().tolist())
    above = {c for r in rows[: max((t.header_row or 1) - 1, 0)] for c in r}
    if t.hxl_row:
        above |= set(rows[t.hxl_row - 1]) if t.hxl_row <= len(rows) else set()
    written = {c for r in rows for c in r if c.strip() and "\x00" not in c}
    lost = {c for c in written - above if c not in seen and c.strip() not in seen
            # a two-row header is joined "group label header": its parts were read
            and not any(c.strip() in str(h) for h in t.headers)}
    assert not lost, (lost, t.headers, t.header_row)


@FAST
@given(data=st.binary(min_size=1, max_size=400), pos=st.integers(min_value=0, max_value=5000))
def test_mutated_xlsx(tmp_path, data, pos):
    """A valid workbook with bytes overwritten somewhere: tables or ReadError."""
    base = tmp_path / "base.xlsx"
    if not base.exists():
        import openpyxl

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["name", "phone", "district"])
        for i in range(20):
            ws.append([f"Person {i}", f"+24381234{i:04d}", "Goma"])
        wb.create_sheet("Other").append(["a", "b"])
        wb.save(base)
    raw = bytearray(base.read_bytes())
    pos %= len(raw)
    raw[pos:pos + len(data)] = data
    p = tmp_path / "m.xlsx"
    p.write_bytes(bytes(raw))
    _read(p)


@FAST
@given(cells=st.lists(st.tuples(st.integers(1, 1_048_576), st.integers(1, 16_384), TEXT),
                      min_size=1, max_size=6))
def test_sparse_xlsx_grid(tmp_path, cells):
    """Cells anywhere in the grid (XFD1048576 included): tables or ReadError, bounded memory
    (the grid limit refuses huge used areas before calamine allocates them)."""
    from tests.test_hardening import NS, col_name, write_xlsx

    body = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>']
    for r in sorted({c[0] for c in cells}):
        body.append(f'<row r="{r}">')
        for rr, c, v in sorted({(x[0], x[1]): x for x in cells}.values()):
            if rr == r:
                v = v.replace("&", "&amp;").replace("<", "&lt;").replace("\r", " ")
                v = "".join(ch for ch in v if ch in "\t\n" or ord(ch) >= 32)
                body.append(f'<c r="{col_name(c - 1)}{r}" t="inlineStr"><is><t>{v}</t></is></c>')
        body.append("</row>")
    body.append("</sheetData></worksheet>")
    p = write_xlsx(tmp_path / "s.xlsx", {"S": "".join(body)})
    _read(p, ReadLimits(max_cells=2_000_000))


@FAST
@given(data=st.binary(max_size=200))
def test_random_zip_member_in_xlsx(tmp_path, data):
    from tests.test_hardening import sheet_xml, write_xlsx

    p = write_xlsx(tmp_path / "z.xlsx", {"S": sheet_xml([["a"], ["1"]])},
                   extra={"xl/sharedStrings.xml": data, "xl/styles.xml": data[::-1]})
    _read(p)


# ---------------------------------------------------------------------------------------------
# header normaliser


@FAST
@given(header=st.text(max_size=80))
def test_header_normaliser(header):
    from datasafe.detect.lexicon import header_segments, load_lexicon, norm_value, tokens

    lex = load_lexicon()
    toks = tokens(header)
    assert all(isinstance(t, str) and t for t in toks)
    assert tokens(header) == toks  # deterministic
    segs = header_segments(header)
    assert all(isinstance(s, str) for s in segs)
    matches = lex.match(header)
    weights = [m.weight for m in matches]
    assert weights == sorted(weights, reverse=True)
    n = norm_value(header)
    assert isinstance(n, str)
    assert norm_value(n) == n  # idempotent


@FAST
@given(header=st.sampled_from(["Name", "phone number", "Téléphone", "religion", "DOB",
                               "nom du chef de ménage"]),
       pad=st.sampled_from(["", " ", "  ", "\t", "_", "\u00a0"]))
def test_header_normaliser_ignores_padding_and_case(header, pad):
    from datasafe.detect.lexicon import load_lexicon

    lex = load_lexicon()
    base = {(m.entity, m.role) for m in lex.match(header)}
    assert {(m.entity, m.role) for m in lex.match(pad + header.upper() + pad)} == base


# ---------------------------------------------------------------------------------------------
# value recognisers


@FAST
@given(values=st.lists(TEXT, min_size=1, max_size=40))
def test_value_recognisers_take_anything(values):
    from datasafe.detect.values import compute, iban_ok, luhn_ok, phone_valid
    from datasafe.model import ColumnStats

    stats = ColumnStats(inferred_type="string", rows=len(values),
                        non_empty=sum(1 for v in values if v.strip()),
                        distinct=len(set(values)))
    compute(values, None, None, stats, regions=["CD", "NG"])
    ok = phone_valid(values, ["CD"])
    assert len(ok) == len(values)
    for v in values:
        assert isinstance(iban_ok(v), bool)
        digits = re.sub(r"\D", "", v)
        if digits:
            assert isinstance(luhn_ok(digits), bool)


@FAST
@given(digits=st.text(alphabet="0123456789", min_size=2, max_size=19))
def test_luhn_check_digit(digits):
    from datasafe.detect.values import luhn_ok

    # exactly one check digit makes a number Luhn-valid
    valid = [d for d in "0123456789" if luhn_ok(digits + d)]
    assert len(valid) == 1


# ---------------------------------------------------------------------------------------------
# masking

ENTITIES = [None, "PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "NATIONAL_ID", "CASE_ID",
            "CREDIT_CARD", "IBAN_CODE", "GPS_COORDINATE", "DATE_OF_BIRTH", "DATE", "AGE",
            "IP_ADDRESS", "URL", "FREE_TEXT", "ADDRESS", "LOCATION", "ADMIN_AREA", "RELIGION",
            "HEALTH", "ETHNICITY"]


@settings(max_examples=300, deadline=None)
@given(value=st.text(min_size=1, max_size=100), entity=st.sampled_from(ENTITIES))
def test_mask_value_never_returns_the_value(value, entity):
    from datasafe.detect.mask import mask_value

    out = mask_value(value, entity)
    assert isinstance(out, str)
    v = value.strip()
    assume(len(v) >= 3)
    assert out != v
    assert v not in out


@settings(max_examples=200, deadline=None)
@given(word=st.text(alphabet=st.characters(categories=("Lu", "Ll")), min_size=6, max_size=20),
       entity=st.sampled_from(["PERSON", None, "FREE_TEXT", "LOCATION"]))
def test_mask_value_keeps_no_long_run_of_a_name(word, entity):
    """A masked name keeps at most its first letter: no run of 3 consecutive characters of
    the name beyond the first two survives."""
    from datasafe.detect.mask import mask_value

    out = mask_value(word, entity)
    for i in range(1, len(word) - 2):
        assert word[i:i + 3] not in out, (word, out)


@settings(max_examples=200, deadline=None)
@given(digits=st.text(alphabet="0123456789", min_size=9, max_size=12),
       fmt=st.sampled_from(["+243 {}", "00{}", "{}", "+{}", "({}) "]))
def test_mask_phone_hides_most_digits(digits, fmt):
    from datasafe.detect.mask import mask_value

    raw = fmt.format(digits)
    out = mask_value(raw, "PHONE_NUMBER")
    kept = re.sub(r"\D", "", out)
    assert len(kept) <= len(re.sub(r"\D", "", raw)) - 3, (raw, out)  # >= 3 hidden
    assert digits not in out


@settings(max_examples=100, deadline=None)
@given(user=st.from_regex(r"[a-z]{4,12}", fullmatch=True),
       domain=st.from_regex(r"[a-z]{3,10}\.(org|com|cd)", fullmatch=True))
def test_mask_email_hides_the_user(user, domain):
    from datasafe.detect.mask import mask_value

    out = mask_value(f"{user}@{domain}", "EMAIL_ADDRESS")
    assert user not in out and f"{user}@{domain}" not in out


@pytest.mark.skipif(not os.environ.get("DATASAFE_ATHERIS"), reason="atheris fuzzing is "
                    "optional: set DATASAFE_ATHERIS=1 with atheris installed")
def test_atheris_csv_reader(tmp_path):  # pragma: no cover - optional
    atheris = pytest.importorskip("atheris")
    p = tmp_path / "a.csv"

    def one(data: bytes) -> None:
        p.write_bytes(data)
        try:
            read_tables(p)
        except ReadError:
            pass

    atheris.Setup(["x", "-runs=2000"], one)
    atheris.Fuzz()


def test_zip_helpers_exist():
    # the fuzz tests reuse the hand-built workbooks of the hardening tests
    from tests.test_hardening import write_xlsx

    assert callable(write_xlsx) and zipfile.is_zipfile.__name__
