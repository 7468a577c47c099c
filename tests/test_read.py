"""Readers on real files generated here: encodings, delimiters, gzip, quoting, ragged rows,
workbooks (title rows, two-row headers, hidden and empty sheets), ODS, Parquet, HXL, folders."""

from __future__ import annotations

import datetime as dt
import gzip
import os

import pytest

import datasafe.read as dread
from datasafe.read import ReadError, iter_files, read_tables

ROWS = [
    ["Prénom", "Téléphone", "Code", "Âge"],
    ["José", "+243812345678", "00123", "34"],
    ["Amina", "0812345678", "00456", "28"],
    ["Françoise", "+234 803 123 4567", "", "41"],
]


def _text(rows, delim=",", nl="\r\n"):
    return nl.join(delim.join(r) for r in rows) + nl


def one(path, **kw):
    tables = read_tables(path, **kw)
    assert len(tables) == 1
    return tables[0]


def values(table):
    return [[None if v != v else v for v in row] for row in table.data.values.tolist()]


@pytest.fixture(params=["csv-module", "pyarrow"])
def csv_path(request, monkeypatch):
    """Run a CSV test through both readers: the csv-module path and the pyarrow fast path
    (forced on for small files)."""
    if request.param == "pyarrow":
        monkeypatch.setattr(dread, "FAST_CSV_MIN_BYTES", 0)
    else:
        monkeypatch.setattr(dread, "FAST_CSV_MIN_BYTES", 1 << 62)
    return request.param


def expect_reader(table, csv_path):
    assert table.meta["reader"] == ("pyarrow" if csv_path == "pyarrow" else "csv")


# --------------------------------------------------------------------------------------------
# encodings and delimiters


@pytest.mark.parametrize("bom,codec", [(b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")])
def test_utf16_with_bom_as_excel_writes_it(tmp_path, csv_path, bom, codec):
    # Excel's "Unicode text" export: UTF-16 with BOM, tab-separated
    f = tmp_path / "export.txt"
    f.write_bytes(bom + _text(ROWS, "\t").encode(codec))
    t = one(f)
    expect_reader(t, csv_path)
    assert t.headers == ROWS[0]
    assert values(t)[0] == ["José", "+243812345678", "00123", "34"]
    assert t.meta["delimiter"] == "\t" and t.meta["encoding"].startswith("utf-16")
    assert t.rows == 3


def test_utf16_without_bom(tmp_path):
    f = tmp_path / "nobom.csv"
    f.write_bytes(_text(ROWS).encode("utf-16-le"))
    t = one(f)
    assert t.headers == ROWS[0] and values(t)[1][0] == "Amina"


def test_cp1252_semicolon(tmp_path, csv_path):
    f = tmp_path / "cp1252.csv"
    rows = ROWS + [["Zoë", "+243998877665", "007", "55"], ["Coût €", "x", "y", "1"]]
    f.write_bytes(_text(rows, ";").encode("cp1252"))
    t = one(f)
    expect_reader(t, csv_path)
    assert t.meta["encoding"] == "cp1252" and t.meta["delimiter"] == ";"
    assert t.headers == ["Prénom", "Téléphone", "Code", "Âge"]
    assert values(t)[3] == ["Zoë", "+243998877665", "007", "55"]
    assert values(t)[4][0] == "Coût €"


def test_utf8_bom_and_pipe(tmp_path, csv_path):
    f = tmp_path / "pipe.csv"
    f.write_bytes(b"\xef\xbb\xbf" + _text(ROWS, "|").encode("utf-8"))
    t = one(f)
    expect_reader(t, csv_path)
    assert t.meta["delimiter"] == "|"
    assert t.headers[0] == "Prénom"  # no BOM glued to the first header


def test_tsv_extension(tmp_path, csv_path):
    f = tmp_path / "data.tsv"
    f.write_text(_text(ROWS, "\t"), encoding="utf-8")
    t = one(f)
    assert t.format == "tsv" and t.headers == ROWS[0] and t.rows == 3


def test_utf8_head_then_cp1252_byte_later(tmp_path, csv_path):
    # UTF-8-looking head, one cp1252 byte deep in the file: falls back, never crashes
    body = "".join(f"Amina{i},+24381234{i:04d}\n" for i in range(20000))
    f = tmp_path / "mixed.csv"
    f.write_bytes(b"name,phone\n" + body.encode() + "José,0812\n".encode("cp1252"))
    t = one(f)
    assert t.rows == 20001
    assert values(t)[-1] == ["José", "0812"]
    assert t.meta["reader"] == "csv"  # pyarrow refuses invalid UTF-8: the fallback read it


def test_gzip_csv(tmp_path, csv_path):
    f = tmp_path / "data.csv.gz"
    f.write_bytes(gzip.compress(_text(ROWS, ";").encode("utf-8")))
    t = one(f)
    expect_reader(t, csv_path)
    assert t.format == "csv" and t.meta["gzip"] is True
    assert values(t)[0][1] == "+243812345678"


def test_quoted_newlines_and_delimiters(tmp_path, csv_path):
    f = tmp_path / "quoted.csv"
    f.write_text('id,note,phone\n1,"line one\nline two, with comma",+243812345678\n'
                 '2,"she said ""no""",00123\n', encoding="utf-8")
    t = one(f)
    expect_reader(t, csv_path)
    assert values(t) == [["1", "line one\nline two, with comma", "+243812345678"],
                         ["2", 'she said "no"', "00123"]]
    assert t.ragged_rows == 0


def test_leading_zeros_plus_and_long_digits_stay_text(tmp_path, csv_path):
    f = tmp_path / "ids.csv"
    f.write_text("id,phone,nid,amount\n00123,+243812345678,0012345678901234567,1.50\n"
                 "007,00243812345678,1e5,2\n", encoding="utf-8")
    t = one(f)
    assert values(t) == [["00123", "+243812345678", "0012345678901234567", "1.50"],
                         ["007", "00243812345678", "1e5", "2"]]
    assert all(str(t.data[k].dtype) == "str" for k in t.keys)


def test_ragged_rows_reported_not_fatal(tmp_path, csv_path):
    f = tmp_path / "ragged.csv"
    f.write_text("a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n", encoding="utf-8")
    t = one(f)
    assert t.meta["reader"] == "csv"  # the fast path hands ragged files to the csv module
    assert t.ragged_rows == 2 and t.rows == 4
    assert any("different number of fields" in n for n in t.notes)
    assert values(t)[1] == ["4", "5", None]


def test_blank_lines_whitespace_cells_and_title_row(tmp_path, csv_path):
    f = tmp_path / "title.csv"
    f.write_text("Registration list Q1\n\nname,phone,village\nAmina,+243812345678,Goma\n"
                 ",,\n   ,\t,Bukavu\n\nJean,0812345678,Beni\n", encoding="utf-8")
    t = one(f)
    expect_reader(t, csv_path)
    assert t.header_row == 3 and t.headers == ["name", "phone", "village"]
    assert values(t) == [["Amina", "+243812345678", "Goma"], [None, None, "Bukavu"],
                         ["Jean", "0812345678", "Beni"]]


def test_duplicate_empty_and_whitespace_headers(tmp_path, csv_path):
    f = tmp_path / "dup.csv"
    f.write_text("name,name,,phone,name.1, \nA,B,C,D,E,F\n", encoding="utf-8")
    t = one(f)
    assert t.headers == ["name", "name", "", "phone", "name.1", ""]
    assert len(set(t.keys)) == 6
    assert t.keys[:4] == ["name", "name.1", "column_3", "phone"]
    assert values(t) == [["A", "B", "C", "D", "E", "F"]]


def test_header_only_csv_has_zero_rows(tmp_path, csv_path):
    f = tmp_path / "header.csv"
    f.write_text("a,b,c\n", encoding="utf-8")
    t = one(f)
    assert t.rows == 0 and t.headers == ["a", "b", "c"]


def test_fast_path_is_used_for_large_files_and_matches(tmp_path, monkeypatch):
    """A file above FAST_CSV_MIN_BYTES takes the pyarrow path and gives exactly the table the
    csv-module path gives."""
    lines = ["Export du 2024-03-01", "", "id,nom,telephone,note,vide"]
    for i in range(30000):
        note = '"ligne\nsuivante"' if i % 5000 == 7 else ("  " if i % 7 == 0 else f"n{i}")
        lines.append(f"{i:06d},Nom {i},+2438{i:08d},{note},")
    f = tmp_path / "big.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert f.stat().st_size >= dread.FAST_CSV_MIN_BYTES
    fast = one(f)
    assert fast.meta["reader"] == "pyarrow"
    monkeypatch.setattr(dread, "FAST_CSV_MIN_BYTES", 1 << 62)
    slow = one(f)
    assert slow.meta["reader"] == "csv"
    assert fast.rows == slow.rows == 30000
    assert fast.headers == slow.headers and fast.keys == slow.keys
    assert fast.header_row == slow.header_row == 3
    assert fast.data.equals(slow.data)
    assert values(fast)[7][3] == "ligne\nsuivante"
    assert values(fast)[0][0] == "000000" and values(fast)[0][3] is None


# --------------------------------------------------------------------------------------------
# HXL


def test_hxl_row_under_header(tmp_path, csv_path):
    f = tmp_path / "hxl.csv"
    f.write_text("Province,Code,Femmes,Hommes,Note\n#adm1+name,#adm1 +code,#reached+f,"
                 "#reached+m,\nNord-Kivu,CD61,12,3,x\nIturi,CD54,4,0,\n", encoding="utf-8")
    t = one(f)
    assert t.hxl == ["#adm1+name", "#adm1+code", "#reached+f", "#reached+m", None]
    assert t.hxl_row == 2 and t.header_row == 1 and t.rows == 2
    assert values(t)[0][0] == "Nord-Kivu"  # the hashtag row is not data
    assert dread.parse_hxl(t.hxl[2]) == ("#reached", ["f"])


def test_hxl_row_above_header(tmp_path, csv_path):
    f = tmp_path / "hxl_above.csv"
    f.write_text("#org,#sector,#adm1\nOrganisation,Secteur,Province\nNRC,WASH,Ituri\n"
                 "IRC,Santé,Nord-Kivu\n", encoding="utf-8")
    t = one(f)
    assert t.headers == ["Organisation", "Secteur", "Province"]
    assert t.hxl == ["#org", "#sector", "#adm1"] and t.hxl_row == 1 and t.header_row == 2
    assert t.rows == 2


def test_hxl_only_file(tmp_path):
    f = tmp_path / "hxl_only.csv"
    f.write_text("#org,#reached\nNRC,12\nIRC,4\n", encoding="utf-8")
    t = one(f)
    assert t.headers == ["#org", "#reached"] and t.hxl == ["#org", "#reached"] and t.rows == 2


# --------------------------------------------------------------------------------------------
# Excel and ODS


@pytest.fixture
def workbook(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Données"
    ws.append(["Liste des bénéficiaires — Nord-Kivu"])
    ws.append([])
    ws.append(["Nom", "Téléphone", "Date de naissance", "Code", "Montant"])
    ws.append(["Amina", "+243812345678", dt.datetime(1990, 5, 1), "00123", 45])
    ws.append(["Jean", 243998877665, dt.datetime(1985, 1, 1, 10, 30), "00456", 60.5])
    ws.append([None, None, None, None, None])

    two = wb.create_sheet("Résumé")
    two.append(["Zone", None, "Atteints", None, "Ciblés", None])
    two.append(["Province", "Territoire", "Femmes", "Hommes", "Femmes", "Hommes"])
    two.append(["#adm1+name", "#adm2+name", "#reached+f", "#reached+m", "#targeted+f",
                "#targeted+m"])
    two.append(["Nord-Kivu", "Masisi", 3, 2, 40, 35])
    two.append(["Ituri", "Djugu", 120, 98, 150, 140])
    two.merge_cells("A1:B1")
    two.merge_cells("C1:D1")
    two.merge_cells("E1:F1")

    hidden = wb.create_sheet("Listes")
    hidden.append(["Secteurs"])
    hidden.append(["WASH"])
    hidden.append(["Santé"])
    hidden.sheet_state = "hidden"

    very = wb.create_sheet("Calc")
    very.append(["k", "v"])
    very.append(["a", 1])
    very.sheet_state = "veryHidden"

    wb.create_sheet("Vide")
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def test_workbook_every_sheet(workbook):
    tables = {t.name: t for t in read_tables(workbook)}
    assert list(tables) == ["Données", "Résumé", "Listes", "Calc", "Vide"]

    d = tables["Données"]
    assert d.header_row == 3  # title row and blank row above the header skipped
    assert d.headers == ["Nom", "Téléphone", "Date de naissance", "Code", "Montant"]
    assert values(d) == [["Amina", "+243812345678", "1990-05-01", "00123", "45"],
                         ["Jean", "243998877665", "1985-01-01 10:30:00", "00456", "60.5"]]
    assert not d.hidden and d.format == "xlsx"

    r = tables["Résumé"]
    assert r.headers == ["Zone Province", "Zone Territoire", "Atteints Femmes",
                         "Atteints Hommes", "Ciblés Femmes", "Ciblés Hommes"]
    assert r.header_row == 2 and r.hxl_row == 3
    assert r.hxl[2] == "#reached+f"
    assert values(r)[0] == ["Nord-Kivu", "Masisi", "3", "2", "40", "35"]

    assert tables["Listes"].hidden and tables["Listes"].rows == 2
    assert tables["Calc"].hidden
    v = tables["Vide"]
    assert v.rows == 0 and v.headers == [] and "empty sheet" in v.notes


def test_ods_workbook(tmp_path):
    pd = pytest.importorskip("pandas")
    pytest.importorskip("odf")
    path = tmp_path / "survey.ods"
    with pd.ExcelWriter(path, engine="odf") as xw:
        pd.DataFrame({"nom": ["Amina", "Jean"], "telephone": ["+243812345678", "0812345678"],
                      "code": ["00123", "00456"], "age": [34, 41]}).to_excel(
            xw, sheet_name="menages", index=False)
        pd.DataFrame({"commune": ["Djibo"], "total": [12]}).to_excel(
            xw, sheet_name="resume", index=False)
    tables = read_tables(path)
    assert [t.name for t in tables] == ["menages", "resume"]
    t = tables[0]
    assert t.format == "ods" and t.headers == ["nom", "telephone", "code", "age"]
    assert values(t) == [["Amina", "+243812345678", "00123", "34"],
                         ["Jean", "0812345678", "00456", "41"]]


def test_xlsm_extension(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["a", "b"])
    wb.active.append(["1", "2"])
    path = tmp_path / "macro.xlsm"
    wb.save(path)
    (t,) = read_tables(path)
    assert t.format == "xlsm" and t.rows == 1


# --------------------------------------------------------------------------------------------
# Parquet


def test_parquet_row_groups_dictionary_and_types(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    n = 2500
    table = pa.table({
        "phone_as_float": pa.array([243812345678.0 + i for i in range(n)], pa.float64()),
        "code": pa.array([f"{i:05d}" for i in range(n)]),
        "province": pa.array(["Nord-Kivu", "Ituri", None, "  "] * (n // 4), pa.string())
        .dictionary_encode(),
        "amount": pa.array([1.5, 2.0, None, float("nan"), 7.25] * (n // 5), pa.float64()),
        "dob": pa.array([dt.date(1990, 1, 2)] * n, pa.date32()),
        "seen": pa.array([dt.datetime(2024, 3, 1, 0, 0), dt.datetime(2024, 3, 1, 14, 5, 9)]
                         * (n // 2), pa.timestamp("us")),
        "hh_size": pa.array(list(range(n)), pa.int16()),
        "ok": pa.array([True, False] * (n // 2)),
    })
    path = tmp_path / "reg.parquet"
    pq.write_table(table, path, row_group_size=1000)
    assert pq.ParquetFile(path).metadata.num_row_groups == 3
    t = one(path)
    assert t.meta["row_groups"] == 3 and t.meta["row_group_rows"] == [1000, 1000, 500]
    assert t.rows == n and t.format == "parquet" and t.header_row is None
    assert t.headers == list(table.column_names)
    first = values(t)[:5]
    assert first[0] == ["243812345678", "00000", "Nord-Kivu", "1.5", "1990-01-02", "2024-03-01",
                        "0", "TRUE"]
    assert first[1][:6] == ["243812345679", "00001", "Ituri", "2", "1990-01-02",
                            "2024-03-01 14:05:09"]
    assert first[2][2] is None and first[2][3] is None  # null category, null float
    assert first[3][2] is None and first[3][3] is None  # whitespace category, NaN
    assert all(str(t.data[k].dtype) == "str" for k in t.keys)


def test_parquet_is_read_in_batches(tmp_path, monkeypatch):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"x": list(range(1000))}), tmp_path / "b.parquet",
                   row_group_size=100)
    seen = []
    real = dread._batch_to_text

    def spy(batch, keys, on_cores=False):
        seen.append(batch.num_rows)
        return real(batch, keys, on_cores)

    monkeypatch.setattr(dread, "PARQUET_BATCH_ROWS", 250)
    monkeypatch.setattr(dread, "_batch_to_text", spy)
    t = one(tmp_path / "b.parquet")
    assert t.rows == 1000 and len(seen) >= 4 and max(seen) <= 250
    # big files: the next batch decoded ahead, the columns cast a column per core — same text
    pq.write_table(pa.table({"x": list(range(1000)), "y": [i / 4 for i in range(1000)],
                             "z": [None if i % 7 else f" {i} " for i in range(1000)]}),
                   tmp_path / "c.parquet", row_group_size=100)
    serial = one(tmp_path / "c.parquet").data.to_dict("list")
    seen.clear()
    monkeypatch.setattr(dread, "PARQUET_THREADED_CELLS", 0)
    assert one(tmp_path / "c.parquet").data.to_dict("list") == serial
    assert len(seen) == 4


def test_dataframe_any_dtypes():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"phone": [243812345678.0, None], "code": ["00123", "  "],
                       "n": [1, 2], "when": pd.to_datetime(["2024-01-01 00:00", "2024-01-02 10:00"]),
                       "mixed": [1, "a"]})
    t = dread.table_from_dataframe(df)
    assert values(t) == [["243812345678", "00123", "1", "2024-01-01", "1"],
                         [None, None, "2", "2024-01-02 10:00:00", "a"]]


# --------------------------------------------------------------------------------------------
# Folders


def test_folder_recursion_skips_hidden_and_symlink_loops(tmp_path):
    root = tmp_path / "data"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / ".hidden_dir").mkdir()
    (root / "a.csv").write_text("x\n1\n")
    (root / "sub" / "b.tsv").write_text("x\n1\n")
    (root / "sub" / "deeper" / "c.csv.gz").write_bytes(gzip.compress(b"x\n1\n"))
    (root / "sub" / "notes.docx").write_bytes(b"PK\x03\x04")
    (root / ".git" / "d.csv").write_text("x\n1\n")
    (root / ".hidden_dir" / "e.csv").write_text("x\n1\n")
    (root / ".f.csv").write_text("x\n1\n")
    (root / "~$lock.xlsx").write_bytes(b"junk")
    os.symlink(root, root / "sub" / "loop")  # a folder that contains itself
    os.symlink(root / "sub", root / "sub" / "deeper" / "up")
    found = [p.relative_to(root).as_posix() for p in iter_files([root])]
    assert found == ["a.csv", "sub/b.tsv", "sub/deeper/c.csv.gz"]


def test_explicit_paths_are_yielded_as_given(tmp_path):
    paths = [tmp_path / "missing.csv", tmp_path / "x.docx"]
    assert list(iter_files(paths)) == paths


# --------------------------------------------------------------------------------------------
# Errors raised by the reader (the CLI side is in test_read_errors.py)


@pytest.mark.parametrize("name,content,cause", [
    ("pointer.csv", b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a2146"
                    b"0c1f2b3a\nsize 48213\n", "Git LFS pointer"),
    ("pointer.parquet", b"version https://git-lfs.github.com/spec/v1\noid sha256:aa\nsize 9\n",
     "Git LFS pointer"),
    ("image.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, "PNG image"),
    ("nul.csv", b"a,b\n\x00\x01\x02\x03\x00\x00\x05\x06\x00\x07" * 50, "binary data"),
    ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, "password-protected"),
    ("fake.xlsx", b"just text, not a workbook", "not a valid xlsx workbook"),
    ("fake.parquet", b"PAR1 but then nothing", "corrupt or truncated Parquet"),
    ("bad.csv.gz", b"\x1f\x8b\x08\x00garbage", "gzip"),
    ("notes.docx", b"PK\x03\x04", "unsupported file type"),
])
def test_bad_inputs_raise_one_line(tmp_path, name, content, cause):
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(ReadError) as ei:
        read_tables(f)
    assert cause in ei.value.cause and "\n" not in ei.value.cause
    assert ei.value.line().startswith(str(f))


def test_truncated_xlsx(workbook, tmp_path):
    data = workbook.read_bytes()
    bad = tmp_path / "truncated.xlsx"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(ReadError, match="corrupt or truncated"):
        read_tables(bad)


def test_missing_and_folder(tmp_path):
    with pytest.raises(ReadError, match="no such file"):
        read_tables(tmp_path / "nope.csv")
    with pytest.raises(ReadError, match="folder"):
        read_tables(tmp_path)


def test_column_limit(tmp_path):
    f = tmp_path / "wide.csv"
    f.write_text(",".join(f"c{i}" for i in range(50)) + "\n" + ",".join("1" * 50) + "\n")
    with pytest.raises(ReadError, match="over the limit of 10"):
        read_tables(f, limits=dread.ReadLimits(max_columns=10))


def test_fast_path_quoted_newlines_only_after_the_head(tmp_path, monkeypatch):
    """Line breaks inside quoted values that first appear beyond the sniffed head are still
    read right by the fast path (it retries with newlines allowed, or falls back)."""
    lines = ["id,nom,note,x"]
    for i in range(60000):
        note = f'"multi\nline, {i}"' if (i > 20000 and i % 997 == 0) else f"n{i}"
        lines.append(f"{i},Nom {i},{note},{i % 7}")
    f = tmp_path / "late.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert f.stat().st_size > max(dread.FAST_CSV_MIN_BYTES, dread.HEAD_BYTES)
    fast = one(f)
    assert fast.meta["reader"] == "pyarrow"
    monkeypatch.setattr(dread, "FAST_CSV_MIN_BYTES", 1 << 62)
    slow = one(f)
    assert fast.rows == slow.rows == 60000 and fast.data.equals(slow.data)
    assert values(fast)[20937][2] == "multi\nline, 20937"


def test_legacy_xls_workbook(tmp_path):
    xlwt = pytest.importorskip("xlwt", reason="the dev extra installs xlwt")
    wb = xlwt.Workbook()
    ws = wb.add_sheet("Beneficiaires")
    ws.write(0, 0, "Liste Q1")
    for j, h in enumerate(["nom", "telephone", "code", "naissance"]):
        ws.write(2, j, h)
    date = xlwt.easyxf(num_format_str="YYYY-MM-DD")
    ws.write(3, 0, "Amina")
    ws.write(3, 1, "+243812345678")
    ws.write(3, 2, "00123")
    ws.write(3, 3, dt.datetime(1990, 5, 1), date)
    ws.write(4, 0, "Jean")
    ws.write(4, 1, 243998877665)
    ws.write(4, 2, "00456")
    ws.write(4, 3, dt.datetime(1985, 1, 1), date)
    hidden = wb.add_sheet("Cache")
    hidden.write(0, 0, "k")
    hidden.write(1, 0, "v")
    hidden.visibility = 1
    path = tmp_path / "old.xls"
    wb.save(str(path))
    first, second = read_tables(path)
    assert first.format == "xls" and first.header_row == 3
    assert first.headers == ["nom", "telephone", "code", "naissance"]
    assert values(first) == [["Amina", "+243812345678", "00123", "1990-05-01"],
                             ["Jean", "243998877665", "00456", "1985-01-01"]]
    assert second.name == "Cache" and second.hidden and values(second) == [["v"]]


def test_sheet_starting_below_and_right_keeps_file_row_numbers(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws["C3"] = "Rapport mensuel"
    ws["C5"], ws["D5"], ws["E5"] = "nom", "telephone", "village"
    ws["C6"], ws["D6"], ws["E6"] = "#beneficiary+name", "#contact+phone", "#loc+name"
    ws["C7"], ws["D7"], ws["E7"] = "Amina", "+243812345678", "Goma"
    path = tmp_path / "offset.xlsx"
    wb.save(path)
    (t,) = read_tables(path)
    assert t.header_row == 5 and t.hxl_row == 6  # rows of the sheet, as Excel numbers them
    assert t.headers == ["nom", "telephone", "village"]
    assert values(t) == [["Amina", "+243812345678", "Goma"]]


def test_sparse_header_over_text_rows_is_not_a_two_row_header(tmp_path, csv_path):
    f = tmp_path / "sparse.csv"
    f.write_text("name,,village,\nAmina,F,Goma,x\nJean,M,Beni,y\n", encoding="utf-8")
    t = one(f)
    assert t.header_row == 1 and t.headers == ["name", "", "village", ""]
    assert t.rows == 2


def test_latin1_when_cp1252_cannot_decode(tmp_path, csv_path):
    f = tmp_path / "latin1.csv"
    # 0x81 and 0x8d are undefined in cp1252: only latin-1 decodes this file
    f.write_bytes("nom,ville\nJosé,Kinshasa\n".encode("latin-1") + b"X\x81Y,Z\x8d\n")
    t = one(f)
    assert t.meta["encoding"] == "latin-1"
    assert values(t) == [["José", "Kinshasa"], ["X\x81Y", "Z\x8d"]]


def test_cell_size_limit_on_both_csv_paths(tmp_path, csv_path):
    f = tmp_path / "bigcell.csv"
    f.write_text("a,b\n1," + "x" * 5000 + "\n2,y\n", encoding="utf-8")
    with pytest.raises(ReadError, match="longer than 1000 characters"):
        read_tables(f, limits=dread.ReadLimits(max_cell_chars=1000))
    assert one(f).rows == 2


def test_a_stray_quote_that_swallows_rows_is_noted(tmp_path):
    """One unclosed quote made a 320-row file read as 5 rows without a word: the table now
    carries a note (English in JSON, said in French in French reports)."""
    from click.testing import CliRunner

    from datasafe.cli import main

    rows = ["name,role,duty_station"] + [f"Person {i},Officer,Goma" for i in range(300)]
    rows[5] = 'Person 4,"Officer,Goma'
    f = tmp_path / "staff.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    (t,) = read_tables(f)
    assert t.rows < 10
    assert any("spans" in n and "unclosed quote" in n for n in t.notes)
    r = CliRunner().invoke(main, ["scan", str(f), "--ner", "off", "--lang", "fr"])
    assert "un guillemet non fermé a peut-être fusionné des lignes" in r.stdout
    # a multi-line free-text answer of a few lines is not a stray quote
    ok = ["id,notes"] + [f'{i},"line one\nline two"' for i in range(40)]
    g = tmp_path / "notes.csv"
    g.write_text("\n".join(ok) + "\n", encoding="utf-8")
    (t,) = read_tables(g)
    assert t.rows == 40 and not t.notes


def _headerless_rows(n=60):
    import random

    rng = random.Random(1)
    first = ["Amina", "Jean", "Fatuma", "Pierre", "Grace", "Moussa", "Esther", "Ali"]
    last = ["Kabila", "Mukendi", "Barry", "Diallo", "Tshibanda", "Omar", "Ngoy"]
    return [[f"{rng.choice(first)} {rng.choice(last)}", f"+24381{rng.randint(1000000, 9999999)}",
             str(rng.randint(18, 80)), rng.choice("FM")] for _ in range(n)]


def test_a_file_without_header_row_is_read_as_records_and_never_prints_its_first_one(tmp_path):
    """A first row 'Jean Kabila,+243815279348,…' was taken for the header: the phone number
    became a column name, printed by the hook and written into SARIF, JSON and the baseline."""
    import json

    from click.testing import CliRunner

    from datasafe.cli import main

    rows = _headerless_rows()
    f = tmp_path / "registration.csv"
    f.write_text("".join(",".join(r) + "\n" for r in rows), encoding="utf-8")
    t = read_tables(f)[0]
    assert t.headers == ["column_1", "column_2", "column_3", "column_4"]
    assert t.rows == len(rows) and t.header_row is None
    assert any("no header row" in n for n in t.notes)
    out = CliRunner().invoke(main, ["scan", str(f), "--ner", "off", "-o",
                                    str(tmp_path / "r.sarif"), "-o", str(tmp_path / "r.json")])
    first_phone = rows[0][1]
    for text in (out.output, (tmp_path / "r.sarif").read_text(), (tmp_path / "r.json").read_text()):
        assert first_phone not in text
    doc = json.loads((tmp_path / "r.json").read_text())
    cols = {c["name"]: c for c in doc["files"][0]["tables"][0]["columns"]}
    assert cols["column_2"]["role"] == "direct"
    assert doc["files"][0]["tables"][0]["header_row"] is None
    # a row of years over counts is a header (no cell below is a long number)
    agg = tmp_path / "agg.csv"
    agg.write_text("province,2022-01-01,2023-01-01\nNord-Kivu,120,140\nSud-Kivu,80,95\n",
                   encoding="utf-8")
    assert read_tables(agg)[0].headers == ["province", "2022-01-01", "2023-01-01"]


def test_a_headerless_sheet_is_redacted_row_for_row(tmp_path):
    from openpyxl import Workbook, load_workbook

    import datasafe

    rows = _headerless_rows(40)
    wb = Workbook()
    ws = wb.active
    ws.title = "liste"
    for r in rows:
        ws.append([r[0], r[1], int(r[2]), r[3]])
    ws2 = wb.create_sheet("notes")
    ws2.append(["topic", "text"])
    ws2.append(["distribution", "done"])
    f = tmp_path / "liste.xlsx"
    wb.save(f)
    out = tmp_path / "liste_hdx.xlsx"
    datasafe.redact(str(f), profile="hdx-public", output=out, key="k" * 32, ner="off")
    got = load_workbook(out)
    values = [[c for c in r] for r in got["liste"].iter_rows(values_only=True)]
    flat = " ".join(str(v) for r in values for v in r)
    assert not any(r[1] in flat for r in rows)  # no phone, the first record's included
    assert len([r for r in values if any(v is not None for v in r)]) == len(rows)
    assert [r for r in got["notes"].iter_rows(values_only=True)][0] == ("topic", "text")


@pytest.mark.parametrize("name,content", [("empty.csv", b""), ("blank.csv", b"  \n\r\n\t\n"),
                                          ("empty.xlsx", b""), ("empty.parquet", b"")])
def test_an_empty_file_is_nothing_to_check_not_an_error(tmp_path, name, content):
    """A 0-byte placeholder blocked the commit (exit 2) as if it were corrupt."""
    from click.testing import CliRunner

    from datasafe.cli import main

    f = tmp_path / name
    f.write_bytes(content)
    (t,) = read_tables(f)
    assert t.rows == 0 and t.keys == [] and any("empty file" in n for n in t.notes)
    r = CliRunner().invoke(main, ["hook", str(f)])
    assert r.exit_code == 0 and r.output == ""


def test_a_total_line_under_a_sheet_is_not_a_record(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["Nom", "Montant"])
    for i in range(10):
        ws.append([f"Personne {i}", 100 + i])
    ws.append([])
    ws.append(["TOTAL", "=SUM(B2:B11)"])
    f = tmp_path / "liste.xlsx"
    wb.save(f)
    (t,) = read_tables(f)
    assert t.rows == 10 and any("TOTAL line" in n for n in t.notes)
    # a column of statuses that says "Total" in a full row stays a record
    ws.append(["Personne 11", 111])
    wb.save(f)
    assert read_tables(f)[0].rows == 12


def test_prose_in_a_txt_file_is_read_as_free_text(tmp_path):
    """The hook takes .txt files: field notes with a name, a phone and an e-mail passed as
    'no personal data', while a methodology note that mentions gender-based violence was
    blocked as 'severe-topic data at row level' (its first sentence read as a column name)."""
    from click.testing import CliRunner

    from datasafe.cli import main

    notes = tmp_path / "field_notes.txt"
    notes.write_text(
        "Field visit notes, Kalemie, 12 March 2026\n"
        "Met with Amina Yusuf at the distribution point; she can be reached on +243 812 345 678.\n"
        "Her neighbour John Okello asked about the next cash round, email "
        "john.okello@example.org.\n"
        "The water point near block C is broken again; the committee will follow up next week.\n",
        encoding="utf-8")
    method = tmp_path / "methodology.txt"
    method.write_text(
        "Methodology note - Multi-sector needs assessment 2026\n"
        "The assessment covered 12 territories with a two-stage cluster sample of households.\n"
        "Questions on gender-based violence were asked only of key informants, never of "
        "households.\n"
        "Results are weighted by the inverse of the selection probability at each stage.\n",
        encoding="utf-8")
    (t,) = read_tables(notes)
    assert t.headers == ["text"] and t.rows == 4 and t.meta.get("prose")
    r = CliRunner().invoke(main, ["hook", str(method)])
    assert r.exit_code == 0 and r.output == ""
    r = CliRunner().invoke(main, ["hook", str(notes)])
    assert r.exit_code == 1 and "DR-PII-02" in r.output and "DR-PII-03" in r.output
    assert "812 345" not in r.output and "okello@" not in r.output
    # its redacted copy is text again: the same lines, the names and numbers replaced
    import datasafe

    out = tmp_path / "notes_partner.txt"
    datasafe.redact(str(notes), profile="partner-restricted", output=out, key="k" * 32)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Field visit notes, Kalemie, 12 March 2026" and len(lines) == 4
    assert "+243" not in out.read_text(encoding="utf-8")
    # a tab-separated export named .txt stays a table
    tab = tmp_path / "export.txt"
    tab.write_text("name\tphone\nAmina Yusuf\t+243812345678\nJohn Okello\t+243998877665\n",
                   encoding="utf-8")
    assert read_tables(tab)[0].headers == ["name", "phone"]


def test_a_first_record_of_names_and_categories_is_not_taken_for_a_header(tmp_path):
    """'Mariam Kasongo,Tutsi,Kimbanguist,positive,M,Kiwanja' became the column names: the
    religion and ethnicity of the first person were printed in every report, and the name and
    HIV columns were kept in a public copy that passed."""
    import random

    rng = random.Random(5)
    rows = [f"{rng.choice(['Amina', 'Fatou', 'Mariam', 'Moussa'])} "
            f"{rng.choice(['Mbuyi', 'Diallo', 'Kasongo', 'Haddad', 'Sow'])},"
            f"{rng.choice(['Hutu', 'Tutsi', 'Twa'])},"
            f"{rng.choice(['Muslim', 'Catholic', 'Kimbanguist'])},"
            f"{rng.choice(['positive', 'negative'])},{rng.choice('FM')},"
            f"{rng.choice(['Kiwanja', 'Rutshuru', 'Bunagana'])}" for _ in range(80)]
    f = tmp_path / "nohdr.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    t = read_tables(f)[0]
    assert t.headers[0] == "column_1" and t.rows == 80
    # a header repeated by concatenated exports is still the header
    g = tmp_path / "concat.csv"
    g.write_text("sex,district\nF,Goma\nM,Beni\nsex,district\nF,Uvira\nsex,district\nM,Goma\n",
                 encoding="utf-8")
    assert read_tables(g)[0].headers == ["sex", "district"]
    # and a header word that is also a value ('Total' over totals) does not turn the row
    h = tmp_path / "agg.csv"
    h.write_text("province,total\nNord-Kivu,120\nSud-Kivu,80\nTotal,200\n", encoding="utf-8")
    assert read_tables(h)[0].headers == ["province", "total"]


@pytest.mark.parametrize("at", [5, 59_950])
def test_a_stray_quote_in_a_big_file_is_never_read_as_fewer_rows(tmp_path, at):
    """Above FAST_CSV_MIN_BYTES pyarrow reads the file itself. With line breaks not allowed in
    values it read this 60,000-row file with one stray quote as 22,159 rows, without a word: the
    rows must now account for every line. A quote that swallows the rest of a big file is a
    clear refusal naming the likely cause; one near the end is the note; the file is untouched."""
    rows = ["name,role,duty_station"] + [f"Person {i},Officer,Goma {i % 7}"
                                         for i in range(60_000)]
    rows[at] = f'Person {at},"Officer,Goma'
    f = tmp_path / "staff.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert f.stat().st_size > max(dread.FAST_CSV_MIN_BYTES, dread.HEAD_BYTES)
    before = f.read_bytes()
    if at == 5:
        with pytest.raises(ReadError, match="longer than .* characters .an unclosed quote"):
            read_tables(f)
    else:
        (t,) = read_tables(f)
        assert t.rows == at  # the rows above, and the one that swallowed the rest
        assert any("spans" in n and "unclosed quote" in n for n in t.notes)
    assert f.read_bytes() == before
    clean = tmp_path / "clean.csv"
    clean.write_text("\n".join(r.replace('"', "") for r in rows) + "\n", encoding="utf-8")
    (c,) = read_tables(clean)
    assert c.rows == 60_000 and not c.notes and c.meta["reader"] == "pyarrow"
    assert c.meta["newlines_in_values"] is False  # the fast parse, its rows checked


def test_signature_lines_under_a_sheet_are_not_records(tmp_path):
    """'Prepared by …' and 'Validated by …' under a beneficiary list, after an empty row, were
    read as two records whose first column held a name (and a redacted copy kept them)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["household", "district", "kits"])
    for i in range(30):
        ws.append([f"HH-{i:03d}", "Goma", i % 3 + 1])
    ws.append([])
    ws.append(["Prepared by Jean Mutombo, IM officer"])
    ws.append(["Validated by Amina Kabila"])
    f = tmp_path / "list.xlsx"
    wb.save(f)
    (t,) = read_tables(f)
    assert t.rows == 30 and t.meta["footer_rows"] == 2
    assert any("2 line(s) of text under the table" in n for n in t.notes)
    # a last record after an empty row, with several cells, is still a record
    ws.delete_rows(33, 2)
    ws.append(["HH-999", "Bukavu", 2])
    wb.save(f)
    (t,) = read_tables(f)
    assert t.rows == 31 and "footer_rows" not in t.meta
