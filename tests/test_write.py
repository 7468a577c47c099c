"""Writers: same delimiter, encoding, HXL row, gzip; Excel sheets copied; Parquet schema;
formula injection; never over the input."""

from __future__ import annotations

import gzip
import os

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from datasafe import write as W
from datasafe.atomic import atomic_path
from datasafe.read import read_tables


def test_neutralise_text_rules():
    assert W.neutralise_text("=SUM(A1)") == "'=SUM(A1)"
    assert W.neutralise_text("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    assert W.neutralise_text("@SUM(1)") == "'@SUM(1)"
    assert W.neutralise_text("\t=1") == "'\t=1"
    assert W.neutralise_text("-2+3") == "'-2+3"
    # plain numbers stay numbers
    for v in ("-3.5", "+12", "-0,5", "1e-3", "-7"):
        assert W.neutralise_text(v) == v
    # a phone number with spaces is not a plain number
    assert W.neutralise_text("+243 81 234 5678") == "'+243 81 234 5678"
    assert W.neutralise_text("hello") == "hello"
    assert W.neutralise_text(None) is None


def test_neutralise_array_matches_scalar():
    vals = ["=1+1", "-3.5", "+243812345678", "@x", None, "ok", "-a", "\rX"]
    arr = W.neutralise_array(pa.array(vals, pa.string()))
    assert arr.to_pylist() == [W.neutralise_text(v) for v in vals]
    s = W.neutralise_series(pd.Series(vals, dtype="str"))
    assert [None if pd.isna(v) else v for v in s] == [W.neutralise_text(v) for v in vals]


@pytest.mark.parametrize("delim,encoding,eol", [(",", "utf-8", "\n"), (";", "utf-8-sig", "\r\n"),
                                                ("\t", "cp1252", "\n"), ("|", "utf-16", "\r\n")])
def test_csv_roundtrip_keeps_delimiter_encoding_hxl(tmp_path, delim, encoding, eol):
    rows = [["Nom", "Âge", "Note"], ["#beneficiary+name", "#age", "#description"],
            ["Amélie", "34", "a, b"], ["Zoë", "5", 'say "hi"'], ["=HYPERLINK(1)", "-3", ""]]
    text = eol.join(delim.join(f'"{c}"' if (delim in c or '"' in c) and not c.startswith('"')
                               else c for c in
                               [x.replace('"', '""') if '"' in x else x for x in r])
                    for r in rows) + eol
    src = tmp_path / "in.csv"
    src.write_bytes(text.encode(encoding))
    t = read_tables(src)[0]
    assert t.meta["delimiter"] == delim
    out = tmp_path / "out.csv"
    with atomic_path(out) as tmp:
        W.write_csv(tmp, t.data, t.headers, hxl=t.hxl, delimiter=delim,
                    encoding=t.meta["encoding"], eol=W.detect_eol(src))
    raw = out.read_bytes()
    if encoding == "utf-8-sig":
        assert raw.startswith(b"\xef\xbb\xbf") and raw.count(b"\xef\xbb\xbf") == 1
    if encoding == "utf-16":
        assert raw[:2] in (b"\xff\xfe", b"\xfe\xff")
    assert (b"\r\n" in raw or b"\r\x00\n" in raw) == (eol == "\r\n")
    back = read_tables(out)[0]
    assert back.meta["delimiter"] == delim
    assert back.headers == t.headers
    assert back.hxl == t.hxl
    assert back.data["Âge"].tolist() == ["34", "5", "-3"]  # -3 stays a number
    assert back.data["Nom"].tolist() == ["Amélie", "Zoë", "'=HYPERLINK(1)"]
    assert back.data["Note"].tolist()[:2] == ["a, b", 'say "hi"']


def test_csv_minimal_quoting_and_gzip(tmp_path):
    out = tmp_path / "o.csv.gz"
    df = pd.DataFrame({"a": ["x", "y"], "b": ["1", None]}, dtype="str")
    with atomic_path(out) as tmp:
        W.write_csv(tmp, df, ["a", "b"], gz=True)
    text = gzip.decompress(out.read_bytes()).decode()
    assert text == "a,b\nx,1\ny,\n"


def test_excel_untouched_sheets_copied_and_changes_applied(tmp_path):
    import openpyxl

    src = tmp_path / "book.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "people"
    ws.append(["Register March"])  # title row above the header
    ws.append(["Name", "Age", "Village"])
    for r in (["Ann", 34, "A"], ["Bob", 51, "B"], [None, None, None], ["Cy", 7, "=cmd"]):
        ws.append(r)
    ws["C6"].data_type = "s"  # text that looks like a formula (as a CSV import leaves it)
    other = wb.create_sheet("lookup")
    other.append(["code", "label"])
    other.append(["A", "=1+1"])  # a real formula in an untouched sheet
    other["C1"].font = openpyxl.styles.Font(bold=True)
    hidden = wb.create_sheet("secret")
    hidden.sheet_state = "hidden"
    hidden.append(["x"])
    wb.save(src)
    tables = read_tables(src)
    t = tables[0]
    data = t.data.copy()
    data["Age"] = pd.Series(["30-39", "50-59", "0-9"], dtype="str")
    out = tmp_path / "out.xlsx"
    up = W.SheetUpdate(table=t, data=data, changed=["Age"], dropped=["Name"])
    with atomic_path(out) as tmp:
        W.write_excel(src, tmp, {"people": up}, tables=tables)
    wb2 = openpyxl.load_workbook(out)
    assert wb2.sheetnames == ["people", "lookup", "secret"]
    p = wb2["people"]
    assert p["A1"].value is None  # a title above the table is text the scan does not read
    assert [c.value for c in p[2]][:2] == ["Age", "Village"]
    assert [p.cell(row=r, column=1).value for r in (3, 4, 6)] == ["30-39", "50-59", "0-9"]
    assert p.cell(row=6, column=2).value == "'=cmd"
    assert wb2["lookup"]["B2"].value is None  # every formula becomes the value it showed
    # (openpyxl, which wrote this one, computed none)
    assert wb2["secret"].sheet_state == "hidden"


def test_parquet_schema_kept(tmp_path):
    src = tmp_path / "in.parquet"
    tbl = pa.table({"id": pa.array([1, 2, 3], pa.int32()), "lat": [1.23456, 2.5, None],
                    "name": ["a", "b", "c"]})
    pq.write_table(tbl, src)
    schema = pq.read_schema(src)
    out_schema = W.output_schema(schema, text_columns={0}, dropped={2})
    assert out_schema.names == ["id", "lat"]
    assert out_schema.field("id").type == pa.string()
    assert out_schema.field("lat").type == pa.float64()
    typed = W.text_to_type(pa.array(["1.2", None, "3"]), pa.float64())
    assert typed.to_pylist() == [1.2, None, 3.0]
    assert W.text_to_type(pa.array(["20-29"]), pa.int64()) is None


def test_check_output_path_refuses_input(tmp_path):
    src = tmp_path / "data.csv"
    src.write_text("a\n1\n")
    with pytest.raises(W.OutputError):
        W.check_output_path(src, src)
    with pytest.raises(W.OutputError):
        W.check_output_path(src, tmp_path / "sub" / ".." / "data.csv")
    link = tmp_path / "link.csv"
    os.symlink(src, link)
    with pytest.raises(W.OutputError):
        W.check_output_path(src, link)
    with pytest.raises(W.OutputError):
        W.check_output_path(link, src)
    hard = tmp_path / "hard.csv"
    os.link(src, hard)
    with pytest.raises(W.OutputError):
        W.check_output_path(src, hard)
    with pytest.raises(W.OutputError):
        W.check_output_path(src, tmp_path / "DATA.CSV")
    W.check_output_path(src, tmp_path / "data.redacted.csv")  # fine


def test_csv_bytes_equals_csv_module_minimal_quoting():
    import csv
    import io

    import numpy as np

    rng = np.random.default_rng(0)
    alphabet = list('ab ,;"\n\r\té=+-1')
    cols = []
    for _ in range(3):
        vals = ["".join(rng.choice(alphabet, rng.integers(0, 6))) for _ in range(300)]
        vals = [None if i % 17 == 0 else v for i, v in enumerate(vals)]
        cols.append(vals)
    for delim in (",", ";", "\t"):
        got = W.csv_bytes([pa.array(c, pa.string()) for c in cols], delim, "\r\n").decode()
        buf = io.StringIO()
        csv.writer(buf, delimiter=delim, lineterminator="\r\n").writerows(zip(*cols))
        assert got == buf.getvalue()
    # sliced arrays (non-zero offset) too
    arr = pa.array(["x,y", "plain", None, 'q"'], pa.string()).slice(1)
    assert W.csv_bytes([arr]) == b'plain\n""\n"q"""\n'
    mask = W.first_byte_in(pa.array(["=a", "b", None, "", "-1"]).slice(0), b"=-")
    assert mask.tolist() == [True, False, False, False, True]
