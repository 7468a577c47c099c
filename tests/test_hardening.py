"""Hostile and broken inputs (issue 11): each gives a correct scan or exit 2 with one clear
stderr line naming the file and the cause; never a traceback, a hang or runaway memory.

Every input is generated here, in ``tmp_path``; every run is a real ``datasafe`` subprocess
with a timeout and a peak-RSS bound (see ``test_hardening_util``)."""

from __future__ import annotations

import gzip
import json
import os
import zipfile
from pathlib import Path

import pytest

from tests.test_hardening_util import base_env, run_datasafe

# ---------------------------------------------------------------------------------------------
# xlsx built by hand (so that every part is under our control)

CT_HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
           '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
           '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
           'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
           '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
           'officedocument.spreadsheetml.sheet.main+xml"/>')
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def col_name(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def sheet_xml(rows: list[list[str]]) -> str:
    out = [f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>']
    for r, row in enumerate(rows, 1):
        out.append(f'<row r="{r}">')
        for c, v in enumerate(row):
            v = v.replace("&", "&amp;").replace("<", "&lt;")
            out.append(f'<c r="{col_name(c)}{r}" t="inlineStr"><is><t>{v}</t></is></c>')
        out.append("</row>")
    out.append("</sheetData></worksheet>")
    return "".join(out)


def write_xlsx(path: Path, sheets: dict[str, str], *, extra: dict[str, bytes] | None = None,
               shared_strings: str | None = None, wb_rels_extra: str = "",
               ct_extra: str = "", wb_extra: str = "", compresslevel: int = 6) -> Path:
    """A minimal xlsx: ``sheets`` maps sheet name → worksheet XML."""
    ct = CT_HEAD
    wb_sheets, rels = [], []
    for i, name in enumerate(sheets, 1):
        ct += (f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
               'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
        wb_sheets.append(f'<sheet name="{name}" sheetId="{i}" r:id="rId{i}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" '
                    f'Target="worksheets/sheet{i}.xml"/>')
    if shared_strings is not None:
        ct += ('<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
               'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>')
        rels.append(f'<Relationship Id="rIdSS" Type="{REL}/sharedStrings" '
                    'Target="sharedStrings.xml"/>')
    ct += ct_extra + "</Types>"
    wb = (f'<?xml version="1.0" encoding="UTF-8"?><workbook {NS} {RNS}><sheets>'
          + "".join(wb_sheets) + "</sheets>" + wb_extra + "</workbook>")
    wb_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
               'openxmlformats.org/package/2006/relationships">' + "".join(rels) + wb_rels_extra
               + "</Relationships>")
    root_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                 'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                 f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", root_rels)
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        for i, xml in enumerate(sheets.values(), 1):
            z.writestr(f"xl/worksheets/sheet{i}.xml", xml)
        if shared_strings is not None:
            z.writestr("xl/sharedStrings.xml", shared_strings)
        for name, data in (extra or {}).items():
            z.writestr(name, data)
    return path


# a sector column survives a public redaction (names, phones and, on two rows, the district go)
SMALL = [["name", "phone", "district", "sector"],
         ["Amina Diallo", "+243 812 345 678", "Goma", "WASH"],
         ["Jean Mukendi", "+243 899 111 222", "Bukavu", "Health"]]


def good_xlsx(path: Path) -> Path:
    return write_xlsx(path, {"Data": sheet_xml(SMALL)})


# ---------------------------------------------------------------------------------------------
# the bad inputs: name -> builder(folder) -> path (or None to skip, with a reason via pytest.skip)


def b_truncated_xlsx(d: Path) -> Path:
    raw = good_xlsx(d / "full.xlsx").read_bytes()
    (d / "full.xlsx").unlink()
    p = d / "truncated.xlsx"
    p.write_bytes(raw[: len(raw) // 2])
    return p


def b_truncated_xlsx_tail(d: Path) -> Path:  # central directory kept, local data cut
    raw = good_xlsx(d / "full.xlsx").read_bytes()
    (d / "full.xlsx").unlink()
    p = d / "chopped.xlsx"
    p.write_bytes(raw[:40] + raw[-300:])
    return p


def b_corrupt_xlsx(d: Path) -> Path:
    raw = bytearray(good_xlsx(d / "full.xlsx").read_bytes())
    (d / "full.xlsx").unlink()
    for i in range(200, min(len(raw) - 200, 900)):  # garble the compressed streams
        raw[i] ^= 0x5A
    p = d / "corrupt.xlsx"
    p.write_bytes(bytes(raw))
    return p


def b_corrupt_sheet_xml(d: Path) -> Path:
    return write_xlsx(d / "badxml.xlsx", {"Data": '<?xml version="1.0"?><worksheet><sheetData>'
                                                  '<row r="1"><c r="A1" t="inlineStr"><is><t>'
                                                  'name</t></is></c></row><row'})


def b_zip_bomb_inflate(d: Path) -> Path:
    """~80 MB of worksheet XML that deflates to well under 1 MB."""
    p = d / "bomb.xlsx"
    good_xlsx(p)
    with zipfile.ZipFile(p, "a", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("xl/media/padding.xml", "w", force_zip64=True) as fh:
            chunk = b" " * (1 << 20)
            for _ in range(80):
                fh.write(chunk)
    return p


def b_zip_bomb_sheet(d: Path) -> Path:
    """A worksheet of 60 MB (whitespace between cells) under the 200:1 ratio threshold test."""
    p = d / "bombsheet.xlsx"
    body = sheet_xml(SMALL)
    pad = " " * (60 << 20)
    body = body.replace("</row>", "</row>" + pad, 1)
    write_xlsx(p, {"Data": body}, compresslevel=9)
    return p


def b_huge_shared_strings(d: Path) -> Path:
    """A shared-strings table of 1,000,000 entries (a few MB deflated) used by three cells."""
    n = 1_000_000
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="{n}" uniqueCount="{n}">'
           + "<si><t>x</t></si>" * n + "</sst>")
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>'
             '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
             '<row r="2"><c r="A2" t="s"><v>999999</v></c><c r="B2"><v>3</v></c></row>'
             "</sheetData></worksheet>")
    return write_xlsx(d / "sst.xlsx", {"Data": sheet}, shared_strings=sst, compresslevel=9)


def b_huge_shared_string_entry(d: Path) -> Path:
    """One 50 MB shared string (inflate ratio in the thousands)."""
    big = "A" * (50 << 20)
    sst = (f'<?xml version="1.0" encoding="UTF-8"?><sst {NS} count="2" uniqueCount="2">'
           f"<si><t>name</t></si><si><t>{big}</t></si></sst>")
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>'
             '<row r="1"><c r="A1" t="s"><v>0</v></c></row>'
             '<row r="2"><c r="A2" t="s"><v>1</v></c></row></sheetData></worksheet>')
    return write_xlsx(d / "sstbig.xlsx", {"Data": sheet}, shared_strings=sst, compresslevel=9)


def _cfb(payload: bytes = b"") -> bytes:
    """An OLE2 / Compound File Binary header (how Excel stores a password-protected xlsx)."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    header[0x18:0x1A] = (0x3E).to_bytes(2, "little")
    header[0x1A:0x1C] = (3).to_bytes(2, "little")
    header[0x1C:0x1E] = b"\xfe\xff"
    header[0x1E:0x20] = (9).to_bytes(2, "little")
    header[0x20:0x22] = (6).to_bytes(2, "little")
    return bytes(header) + payload + b"\x00" * 1024


def b_password_xlsx(d: Path) -> Path:
    p = d / "protected.xlsx"
    p.write_bytes(_cfb(b"EncryptionInfo\x00EncryptedPackage"))
    return p


def b_password_xls(d: Path) -> Path:
    p = d / "protected.xls"
    p.write_bytes(_cfb(b"Workbook\x00FILEPASS"))
    return p


def b_macro_xlsm(d: Path) -> Path:
    ct = ('<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>')
    rels = '<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
    vba = _cfb(b"VBA\x00dir\x00Module1\x00Sub AutoOpen() Shell \"calc\" End Sub")
    return write_xlsx(d / "macro.xlsm", {"Data": sheet_xml(SMALL)},
                      extra={"xl/vbaProject.bin": vba}, ct_extra=ct, wb_rels_extra=rels)


def b_external_links(d: Path) -> Path:
    ext = (f'<?xml version="1.0" encoding="UTF-8"?><externalLink {NS} {RNS}><externalBook '
           'r:id="rId1"><sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook>'
           '</externalLink>')
    ext_rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
                'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" '
                f'Type="{REL}/externalLinkPath" Target="http://127.0.0.1:9/secret.xlsx" '
                'TargetMode="External"/></Relationships>')
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c>'
             '<c r="B1" t="inlineStr"><is><t>linked</t></is></c></row>'
             '<row r="2"><c r="A2" t="inlineStr"><is><t>Amina</t></is></c>'
             '<c r="B2"><f>[1]Sheet1!A1</f><v>42</v></c></row>'
             '<row r="3"><c r="A3" t="inlineStr"><is><t>Jean</t></is></c>'
             '<c r="B3"><f>WEBSERVICE("http://127.0.0.1:9/x")</f><v>0</v></c></row>'
             "</sheetData></worksheet>")
    ct = ('<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
          'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>')
    return write_xlsx(d / "extlinks.xlsx", {"Data": sheet},
                      extra={"xl/externalLinks/externalLink1.xml": ext,
                             "xl/externalLinks/_rels/externalLink1.xml.rels": ext_rels},
                      ct_extra=ct,
                      wb_rels_extra=f'<Relationship Id="rIdX" Type="{REL}/externalLink" '
                                    'Target="externalLinks/externalLink1.xml"/>',
                      wb_extra='<externalReferences><externalReference r:id="rIdX"/>'
                               '</externalReferences>')


def b_empty_sheets(d: Path) -> Path:
    empty = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData/></worksheet>'
    return write_xlsx(d / "empties.xlsx", {"Empty1": empty, "Empty2": empty})


def b_empty_and_full_sheets(d: Path) -> Path:
    empty = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData/></worksheet>'
    return write_xlsx(d / "mixed_sheets.xlsx", {"Empty": empty, "Data": sheet_xml(SMALL),
                                                "Blank": sheet_xml([[" ", ""], ["", " "]])})


def b_xlsx_big_cell(d: Path) -> Path:
    return write_xlsx(d / "bigcell.xlsx", {"Data": sheet_xml([["notes"], ["x" * (10 << 20)]])})


def b_xlsx_100k_columns(d: Path) -> Path:
    row1 = "".join(f'<c r="{col_name(i)}1"><v>{i}</v></c>' for i in range(100_000))
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData><row r="1">'
             f"{row1}</row></sheetData></worksheet>")
    return write_xlsx(d / "wide.xlsx", {"Data": sheet})


def b_xlsx_dimension_lie(d: Path) -> Path:
    """A <dimension> claiming A1:XFD1048576 on a tiny sheet (readers that trust it allocate
    17 billion cells)."""
    body = sheet_xml(SMALL).replace("<sheetData>", '<dimension ref="A1:XFD1048576"/><sheetData>')
    return write_xlsx(d / "dimension.xlsx", {"Data": body})


def b_xlsx_far_cell(d: Path) -> Path:
    """Two cells: A1 and XFD1048576 (the bottom-right corner of the grid)."""
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>'
             '<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c></row>'
             '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>')
    return write_xlsx(d / "farcell.xlsx", {"Data": sheet})


def b_ods_repeat_bomb(d: Path) -> Path:
    """An OpenDocument sheet whose one cell is repeated 16384 x 1048576 times."""
    p = d / "repeat.ods"
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               '<office:body><office:spreadsheet><table:table table:name="S">'
               '<table:table-row><table:table-cell office:value-type="string"><text:p>name'
               '</text:p></table:table-cell></table:table-row>'
               '<table:table-row table:number-rows-repeated="1048576"><table:table-cell '
               'table:number-columns-repeated="16384" office:value-type="float" '
               'office:value="1"><text:p>1</text:p></table:table-cell></table:table-row>'
               '</table:table></office:spreadsheet></office:body></office:document-content>')
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
    return p


def b_xlsx_is_csv(d: Path) -> Path:
    p = d / "text.xlsx"
    p.write_text("name,phone\nAmina,+243812345678\n")
    return p


def b_xlsx_no_workbook(d: Path) -> Path:
    p = d / "plainzip.xlsx"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("readme.txt", "hello")
    return p


def b_ods_garbage(d: Path) -> Path:
    p = d / "garbage.ods"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content><not-closed")
    return p


def b_xls_garbage(d: Path) -> Path:
    p = d / "garbage.xls"
    p.write_bytes(_cfb(os.urandom(3000)))
    return p


def b_csv_nul(d: Path) -> Path:
    p = d / "nul.csv"
    p.write_bytes(b"name,phone\x00,district,sector\nAmina\x00 Diallo,+243812345678,Goma,WASH\n"
                  b"Jean,+243899111222\x00\x00,Bukavu,Health\n")
    return p


def b_csv_mostly_nul(d: Path) -> Path:
    p = d / "nulls.csv"
    p.write_bytes(b"\x00" * 50_000)
    return p


def b_csv_mixed_encodings(d: Path) -> Path:
    p = d / "mixed.csv"
    p.write_bytes("name,district,count\nAmina Diallo,Gôma,1\n".encode()
                  + "Jean Mukendi,Bénin,2\n".encode("cp1252")
                  + "Зоя,Київ,3\n".encode() + b"Bad,\x81\x8d\x8f\x90\x9d,4\n")
    return p


def b_csv_mixed_encodings_large(d: Path) -> Path:
    """Over the fast-path threshold: UTF-8 head, cp1252 bytes far below."""
    p = d / "mixed_large.csv"
    body = "".join(f"Person {i},Gôma,{i}\n" for i in range(60_000)).encode()
    p.write_bytes(b"name,district,n\n" + body + "Jos\xe9,B\xe9nin,1\n".encode("latin-1"))
    return p


def b_csv_10mb_cell(d: Path) -> Path:
    p = d / "bigcell.csv"
    p.write_bytes(b"name,notes\nAmina,\"" + b"x" * (10 << 20) + b"\"\n")
    return p


def b_csv_10mb_unquoted_line(d: Path) -> Path:
    p = d / "bigline.csv"
    p.write_bytes(b"name,notes\nAmina," + b"y" * (10 << 20) + b"\n")
    return p


def b_csv_unbalanced_quote(d: Path) -> Path:
    p = d / "quote.csv"
    p.write_bytes(b'name,notes\nAmina,"never closed\n' + b"more text,\n" * 2000)
    return p


def b_csv_100k_columns(d: Path) -> Path:
    p = d / "wide.csv"
    p.write_text(",".join(f"c{i}" for i in range(100_000)) + "\n"
                 + ",".join(str(i % 7) for i in range(100_000)) + "\n")
    return p


def b_csv_bad_headers(d: Path) -> Path:
    p = d / "headers.csv"
    p.write_text("name,name,,  ,\t,Name , name\nAmina,Diallo,x,y,z,1,2\nJean,Mukendi,a,b,c,3,4\n"
                 "Zoe,K,e,f,g,5,6\n")
    return p


def b_csv_only_header(d: Path) -> Path:
    p = d / "onlyheader.csv"
    p.write_text("name,phone,district\n")
    return p


def b_csv_whitespace(d: Path) -> Path:
    p = d / "spaces.csv"
    p.write_text("   \n\n\t\n")
    return p


def b_csv_png(d: Path) -> Path:
    p = d / "image.csv"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(2000))
    return p


def b_csv_random_binary(d: Path) -> Path:
    p = d / "random.csv"
    p.write_bytes(os.urandom(20_000))
    return p


def b_csv_utf16_no_bom(d: Path) -> Path:
    p = d / "utf16.csv"
    p.write_bytes("name,phone,sector\nAmina,+243812345678,WASH\n".encode("utf-16-le"))
    return p


def b_csv_gzip_bomb(d: Path) -> Path:
    p = d / "bomb.csv.gz"
    with gzip.open(p, "wb", compresslevel=9) as g:
        g.write(b"a,b\n")
        chunk = b"1,2\n" * (1 << 18)
        for _ in range(80):  # 80 MB
            g.write(chunk)
    return p


def b_csv_truncated_gzip(d: Path) -> Path:
    p = d / "cut.csv.gz"
    raw = gzip.compress(b"name,phone\n" + b"Amina,+243812345678\n" * 1000)
    p.write_bytes(raw[: len(raw) // 2])
    return p


def b_csv_many_rows_one_col(d: Path) -> Path:
    p = d / "tall.csv"
    p.write_bytes(b"id\n" + b"".join(b"%d\n" % i for i in range(300_000)))
    return p


def b_csv_bare_cr(d: Path) -> Path:
    p = d / "cr.csv"
    p.write_bytes(b"name,phone,sector\rAmina,+243812345678,WASH\rJean,+243899111222,Health\r")
    return p


def b_parquet_nested(d: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    t = pa.table({
        "name": pa.array(["Amina Diallo", "Jean Mukendi", None]).dictionary_encode(),
        "person": pa.array([{"first": "Amina", "age": 31}, {"first": "Jean", "age": 40}, None]),
        "phones": pa.array([["+243812345678"], [], None], pa.list_(pa.string())),
        "attrs": pa.array([[("religion", "x")], [], None], pa.map_(pa.string(), pa.string())),
        "deep": pa.array([[{"a": [1, 2]}], None, [{"a": None}]]),
        "blob": pa.array([b"\x00\xff", None, b"ok"]),
        "district": pa.array(["Goma", "Goma", "Bukavu"]).dictionary_encode(),
    })
    p = d / "nested.parquet"
    pq.write_table(t, p, use_dictionary=True)
    return p


def b_parquet_truncated(d: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = d / "cut.parquet"
    pq.write_table(pa.table({"a": list(range(1000))}), p)
    raw = p.read_bytes()
    p.write_bytes(raw[: len(raw) // 2] + b"PAR1")
    return p


def b_parquet_zero_columns(d: Path) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    p = d / "nocols.parquet"
    pq.write_table(pa.table({}), p)
    return p


def b_parquet_is_csv(d: Path) -> Path:
    p = d / "text.parquet"
    p.write_text("name,phone\nAmina,1\n")
    return p


def b_empty_file(d: Path) -> Path:
    p = d / "empty.csv"
    p.write_bytes(b"")
    return p


def b_folder_named_csv(d: Path) -> Path:
    p = d / "folder.csv"
    p.mkdir()
    return p


def b_fifo_csv(d: Path) -> Path:
    p = d / "pipe.csv"
    os.mkfifo(p)
    return p


def b_symlink_loop_file(d: Path) -> Path:
    a, b = d / "loop_a.csv", d / "loop_b.csv"
    a.symlink_to(b)
    b.symlink_to(a)
    return a


def b_dangling_symlink(d: Path) -> Path:
    p = d / "dangling.csv"
    p.symlink_to(d / "nowhere.csv")
    return p


def b_unsupported_ext(d: Path) -> Path:
    p = d / "data.json"
    p.write_text("{}")
    return p


BAD_INPUTS = {k[2:]: v for k, v in globals().items() if k.startswith("b_")}
# inputs that must be refused (exit 2); the others may also scan correctly
MUST_FAIL = {"truncated_xlsx", "corrupt_xlsx", "zip_bomb_inflate", "password_xlsx",
             "password_xls", "csv_png", "csv_random_binary", "csv_10mb_cell",
             "csv_10mb_unquoted_line", "csv_100k_columns", "xlsx_100k_columns",
             "csv_gzip_bomb", "csv_truncated_gzip", "parquet_truncated", "parquet_is_csv",
             "fifo_csv", "xlsx_far_cell", "symlink_loop_file",
             "dangling_symlink", "unsupported_ext", "xlsx_is_csv",
             "xlsx_no_workbook", "xls_garbage", "csv_mostly_nul",
             "huge_shared_string_entry", "zip_bomb_sheet", "xlsx_big_cell"}
# inputs that must scan (exit 0 or 1): damaged but readable, or odd but valid
MUST_SCAN = {"macro_xlsm", "external_links", "csv_nul", "csv_mixed_encodings",
             "csv_mixed_encodings_large", "csv_bad_headers", "parquet_nested",
             "empty_and_full_sheets", "csv_utf16_no_bom", "csv_bare_cr", "xlsx_dimension_lie",
             "huge_shared_strings", "csv_many_rows_one_col", "csv_only_header",
             "empty_file", "csv_whitespace"}  # empty: nothing to check, a note (not an error)


HEAVY = {"zip_bomb_inflate", "zip_bomb_sheet", "huge_shared_strings", "huge_shared_string_entry",
         "csv_gzip_bomb", "xlsx_big_cell", "csv_10mb_cell", "csv_10mb_unquoted_line",
         "csv_100k_columns", "xlsx_100k_columns", "xlsx_far_cell", "ods_repeat_bomb",
         "csv_mixed_encodings_large", "csv_many_rows_one_col"}
GROUPS = {"light": sorted(set(BAD_INPUTS) - HEAVY),
          "bombs": sorted(HEAVY & {"zip_bomb_inflate", "zip_bomb_sheet", "huge_shared_strings",
                                   "huge_shared_string_entry", "csv_gzip_bomb",
                                   "ods_repeat_bomb", "xlsx_far_cell"}),
          "big": sorted(HEAVY - {"zip_bomb_inflate", "zip_bomb_sheet", "huge_shared_strings",
                                 "huge_shared_string_entry", "csv_gzip_bomb", "ods_repeat_bomb",
                                 "xlsx_far_cell"})}


def build(cases, folder: Path) -> dict[str, Path]:
    built = {}
    for case in cases:
        p = BAD_INPUTS[case](folder)
        if p is not None:
            built[case] = p
    return built


def check_run(run, built: dict[str, Path], report_files: list[dict] | None) -> None:
    """Every stderr line names one input and a cause; every input is in the report (scanned,
    or with its error), except a folder named .csv (walked: nothing inside)."""
    assert "Traceback" not in run.stderr + run.stdout, str(run)
    assert "internal error" not in run.stderr, str(run)
    names = {p.name for p in built.values()}
    lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
    failed = set()
    for ln in lines:
        hit = [n for n in names if f" {n}: " in ln or f"/{n}: " in ln]
        assert len(hit) == 1, f"stderr line naming no single input: {ln!r}\n{run}"
        cause = ln.split(f"{hit[0]}: ", 1)[-1]
        assert len(cause) >= 8 and "\\x" not in cause, ln
        failed.add(hit[0])
    if report_files is not None:
        errors = {Path(f["path"]).name for f in report_files if f.get("error")}
        assert errors == failed, (errors ^ failed, run)
    for case, p in built.items():
        if case in MUST_FAIL:
            assert p.name in failed, f"{case} ({p.name}) should be refused\n{run}"
        if case in MUST_SCAN:
            assert p.name not in failed, f"{case} ({p.name}) should scan\n{run}"


@pytest.mark.slow
@pytest.mark.parametrize("group", sorted(GROUPS))
def test_bad_inputs_scan(group, tmp_path):
    """All the bad inputs of a group in one run (one subprocess, timeout and RSS bound):
    correct scans or one clear line each; the good inputs are still scanned."""
    built = build(GROUPS[group], tmp_path)
    args = [p.name for p in built.values()]
    run = run_datasafe(["scan", *args, "--format", "json", "--ner", "off"], cwd=tmp_path)
    assert run.returncode == 2, str(run)
    report = json.loads(run.stdout)
    check_run(run, built, report["files"])
    scanned = [f for f in report["files"] if not f.get("error")]
    if group == "light":
        assert len(scanned) >= 8


@pytest.mark.slow
def test_bad_inputs_stream_engine(tmp_path):
    """The streaming engine (CSV/Parquet) takes the same bad inputs without a crash."""
    cases = [c for c in GROUPS["light"] if c.startswith(("csv_", "parquet_", "fifo", "empty",
                                                           "symlink", "dangling"))]
    built = build(cases, tmp_path)
    run = run_datasafe(["scan", *[p.name for p in built.values()], "--format", "json",
                        "--ner", "off", "--engine", "stream"], cwd=tmp_path)
    check_run(run, built, json.loads(run.stdout)["files"])


REDACT_GOOD = ["macro_xlsm", "external_links", "csv_nul", "csv_bad_headers",
               "parquet_nested", "empty_and_full_sheets", "csv_utf16_no_bom", "csv_bare_cr"]
REDACT_BAD = ["corrupt_xlsx", "password_xlsx", "csv_png", "csv_10mb_cell", "fifo_csv",
              "xlsx_far_cell", "parquet_truncated", "csv_only_header", "empty_sheets"]


@pytest.mark.slow
def test_bad_inputs_redact_readable(tmp_path):
    """Damaged but readable inputs are redacted (one run: redact stops at a file it cannot
    do, so the refused ones are run one by one below)."""
    built = build(REDACT_GOOD, tmp_path)
    run = run_datasafe(["redact", *[p.name for p in built.values()], "--profile", "hdx-public",
                        "--ner", "off", "--output-dir", "out"], cwd=tmp_path,
                       env=base_env(tmp_path, {"DATASAFE_KEY": "k" * 40}))
    assert run.returncode in (0, 1), str(run)
    check_run(run, built, None)
    written = {p.name for p in (tmp_path / "out").iterdir()}
    for p in built.values():
        assert p.name in written, (p.name, written, run)
    assert not [n for n in written if n.endswith(".tmp")], written


@pytest.mark.slow
@pytest.mark.parametrize("case", REDACT_BAD)
def test_bad_inputs_redact_refused(case, tmp_path):
    built = build([case], tmp_path)
    run = run_datasafe(["redact", built[case].name, "--profile", "hdx-public", "--ner", "off",
                        "--output-dir", "out"], cwd=tmp_path,
                       env=base_env(tmp_path, {"DATASAFE_KEY": "k" * 40}))
    check_run(run, built, None)
    out = tmp_path / "out"
    if run.returncode == 2:
        assert not out.exists() or not any(out.iterdir()), list(out.iterdir())


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("running as root: chmod 000 does not stop root from reading (the FIFO "
                    "and folder cases cover inputs that cannot be opened as files)")
    p = tmp_path / "secret.csv"
    p.write_text("name\nAmina\n")
    p.chmod(0)
    try:
        run = run_datasafe(["scan", p.name, "--ner", "off"], cwd=tmp_path)
        assert run.returncode == 2 and "secret.csv: permission denied" in run.stderr, str(run)
    finally:
        p.chmod(0o600)


def test_bad_input_count():
    assert len(BAD_INPUTS) >= 50
    assert sum(len(v) for v in GROUPS.values()) == len(BAD_INPUTS)


@pytest.mark.slow
def test_folder_of_bad_inputs(tmp_path):
    """A folder holding a directory symlink loop, a FIFO, a corrupt workbook and a good file:
    the walk skips the loop, the bad files each get one line, the good file is scanned."""
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to(tmp_path, target_is_directory=True)
    b_corrupt_xlsx(tmp_path / "sub")
    os.mkfifo(tmp_path / "sub" / "pipe.csv")
    (tmp_path / "sub" / "good.csv").write_text("district,count\nGoma,12\nBukavu,40\n")
    run = run_datasafe(["scan", "sub", "--format", "json", "--ner", "off"], cwd=tmp_path)
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, str(run)
    assert run.returncode == 2, str(run)
    report = json.loads(run.stdout)
    paths = {Path(f["path"]).name: f for f in report["files"]}
    assert "good.csv" in paths and not paths["good.csv"].get("error")
    assert paths["corrupt.xlsx"]["error"]
    for ln in run.stderr.splitlines():
        assert "corrupt.xlsx" in ln or "pipe.csv" in ln, str(run)


@pytest.mark.slow
def test_non_utf8_file_names(tmp_path):
    """A file name that is not valid UTF-8 (bytes path): scanned explicitly and inside a folder,
    in every report format, without a crash."""
    folder = tmp_path / "odd"
    folder.mkdir()
    bname = b"caf\xe9_\xff.csv"
    bpath = os.path.join(os.fsencode(folder), bname)
    with open(bpath, "wb") as fh:
        fh.write(b"name,phone,sector\nAmina Diallo,+243812345678,WASH\n"
                 b"Jean Mukendi,+243899111222,Health\n")
    # the bytes name given explicitly (argv is bytes on POSIX)
    import subprocess
    import sys

    env = base_env(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "datasafe", "scan", bpath, "--format", "text",
                           "--ner", "off", "-o", "r.json", "-o", "r.html", "-o", "r.md",
                           "-o", "r.sarif"], cwd=tmp_path, env=env, capture_output=True,
                          timeout=180)
    err = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in err and "internal error" not in err, err
    assert proc.returncode in (0, 1), (proc.returncode, err)
    assert not err.strip(), err  # the audit record too was written
    for ext in ("json", "sarif"):
        json.loads((tmp_path / f"r.{ext}").read_text(encoding="utf-8"))
    run = run_datasafe(["scan", "odd", "--format", "json", "--ner", "off"], cwd=tmp_path)
    assert run.returncode in (0, 1), str(run)
    assert len(json.loads(run.stdout)["files"]) == 1
    run = run_datasafe(["redact", "odd", "--profile", "hdx-public", "--ner", "off",
                        "--output-dir", "red"], cwd=tmp_path,
                       env=base_env(tmp_path, {"DATASAFE_KEY": "k" * 32}))
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, str(run)
    assert run.returncode in (0, 1), str(run)


@pytest.mark.slow
def test_max_columns_option_and_limits_configurable(tmp_path):
    p = tmp_path / "w.csv"
    p.write_text(",".join(f"c{i}" for i in range(300)) + "\n" + ",".join("1" * 300) + "\n")
    run = run_datasafe(["scan", "w.csv", "--max-columns", "100", "--ner", "off"], cwd=tmp_path)
    assert run.returncode == 2 and "300 columns" in run.stderr, str(run)
    # limits from the config: [tool.datasafe.limits]
    (tmp_path / "pyproject.toml").write_text("[tool.datasafe.limits]\nmax_columns = 1000\n"
                                             "max_cells = 4\nmax_cell_chars = 5\n")
    good_xlsx(tmp_path / "g.xlsx")
    write_xlsx(tmp_path / "c.xlsx", {"S": sheet_xml([["a"], ["abcdefgh"]])})
    run = run_datasafe(["scan", "w.csv", "g.xlsx", "c.xlsx", "--format", "json", "--ner", "off"],
                       cwd=tmp_path)
    errors = {f["path"]: f.get("error") for f in json.loads(run.stdout)["files"]}
    assert errors["w.csv"] is None, str(run)
    assert "3 rows x 4 columns" in errors["g.xlsx"] and "4 cells" in errors["g.xlsx"], errors
    assert "longer than 5 characters" in errors["c.xlsx"], errors


def test_read_limits_from_config():
    from datasafe.read import ReadLimits

    lim = ReadLimits.from_config({"limits": {"max_cells": 10, "max_seconds": 2.5, "bogus": 1,
                                             "max_columns": "x", "max_cell_chars": True}})
    assert lim.max_cells == 10 and lim.max_seconds == 2.5
    assert lim.max_columns == ReadLimits().max_columns
    assert lim.max_cell_chars == ReadLimits().max_cell_chars


def test_read_time_limit(tmp_path, monkeypatch):
    """A reader that takes longer than max_seconds is stopped with one clear line."""
    import time

    import datasafe.read as R

    p = tmp_path / "slow.csv"
    p.write_text("a,b\n1,2\n")
    monkeypatch.setattr(R, "_read_csv", lambda *a, **k: time.sleep(5))
    with pytest.raises(R.ReadError) as err:
        R.read_tables(p, R.ReadLimits(max_seconds=0.3))
    assert "longer than 0.3 s" in err.value.cause
