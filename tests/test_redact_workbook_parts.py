"""A redacted workbook keeps no text the scan did not read: pivot caches, chart caches, macros,
hyperlinks, titles above the table, formula text, filter criteria, conditional-format texts,
drop-down lists and prompts, labels naming people. Each of these carried the names and phones of
a beneficiary list into a public copy whose proof scan said PASS (review of 2026-11-26)."""

from __future__ import annotations

import random
import zipfile

import pytest

openpyxl = pytest.importorskip("openpyxl")

NAMES = ["Amina Kabila", "Zawadi Lukusa", "Jean Mutombo", "Neema Kasongo", "Baraka Ilunga",
         "Furaha Mbuyi", "Imani Tshibanda", "Faraja Nzuzi"]
LEAKS = ["Kabila", "Lukusa", "Mutombo", "Kasongo", "Ilunga", "Mbuyi", "Tshibanda", "Nzuzi",
         "81555", "CD77"]
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
N = 60


def _rels(items):
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Id="{i}" Type="{REL}/{t}" Target="{tg}"/>'
                      for i, t, tg in items) + "</Relationships>")


def _patch(src, dest, add, edit):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for n in zin.namelist():
            data = zin.read(n)
            if n in edit:
                data = edit[n](data.decode()).encode()
            z.writestr(n, data)
        for n, d in add.items():
            z.writestr(n, d)


def _override(part, ctype):
    return f'<Override PartName="/{part}" ContentType="{ctype}"/>'


def _workbook(tmp_path, ext=".xlsx"):
    """A beneficiary list with the identifiers hidden in every part a careless copy keeps."""
    from openpyxl.formatting.rule import FormulaRule
    from openpyxl.styles import PatternFill
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    rng = random.Random(5)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Beneficiaries"
    ws.append(["Distribution list, focal point Amina Kabila +243815550000"])  # a title row
    ws.append(["full_name", "phone", "national_id", "sex", "age", "province", "kits"])
    for i in range(N):
        ws.append([NAMES[i % 8], f"+24381555{i:04d}", f"CD77{i:06d}X", "FM"[i % 2],
                   rng.randint(18, 70), rng.choice(["Nord-Kivu", "Sud-Kivu"]), i % 3 + 1])
        ws.cell(row=3 + i, column=6).hyperlink = f"mailto:{NAMES[i % 8].split()[1]}@example.org"
    ws.auto_filter.ref = f"A2:G{N + 2}"
    ws.auto_filter.add_filter_column(0, ["Amina Kabila"])
    names = DataValidation(type="list", formula1='"Amina Kabila,Jean Mutombo"')
    names.add(f"G3:G{N + 2}")  # a list of names over the kits column
    ws.add_data_validation(names)
    red = PatternFill(start_color="FF0000", end_color="FF0000", fill_type="solid")
    ws.conditional_formatting.add(f"A3:G{N + 2}", FormulaRule(formula=['$A3="Neema Kasongo"'],
                                                               fill=red))
    ws["G3"].number_format = '"Baraka Ilunga "0'
    notes = wb.create_sheet("HH Furaha Mbuyi")  # a sheet named for a household head
    notes.append(["item", "total"])
    notes.append(["kits", "=SUM(Beneficiaries!G3:G62)"])  # G moves when columns go
    notes.append(["contact", '=IF(1=1,"Imani Tshibanda","")'])  # a text inside a formula
    notes.append(["tarps", 12])
    items = DataValidation(type="list", formula1='"kits,tarps,contact"',
                           prompt="Ask Zawadi Lukusa")
    items.add("A2:A4")
    notes.add_data_validation(items)
    notes.conditional_formatting.add("B2:B4", FormulaRule(formula=["$B2>10"], fill=red))
    notes.conditional_formatting.add("A2:B4", FormulaRule(formula=['$A2="Imani Tshibanda"'],
                                                           fill=red))
    notes.conditional_formatting.add("B2:B4", FormulaRule(formula=["$B2=243815550003"],
                                                           fill=red))
    custom = DataValidation(type="custom", formula1='B2<>"Amina Kabila +243815550001"')
    custom.add("B2:B4")
    notes.add_data_validation(custom)
    notes["B5"] = 12
    notes["B5"].number_format = '0 "kg"'  # a unit stays
    by_word = wb.create_sheet("HH Mutombo")  # a household head's surname alone
    by_word.append(["item", "qty"])
    by_word.append(["tarps", 3])
    wb.defined_names["contact_note"] = DefinedName(
        "contact_note", attr_text='Beneficiaries!$A$3&"Kasongo Tshibanda +243815550002"')
    wb.defined_names["Faraja_Nzuzi_row"] = DefinedName("Faraja_Nzuzi_row",
                                                       attr_text="Beneficiaries!$A$10:$G$10")
    wb.defined_names["data_range"] = DefinedName("data_range",
                                                 attr_text=f"Beneficiaries!$A$2:$G${N + 2}")
    base = tmp_path / f"base{ext}"
    wb.save(base)
    # parts openpyxl cannot make: a pivot table whose cache holds every row, a chart whose
    # cache holds the names, and (.xlsm) a macro project
    recs = "".join(f'<r><s v="{NAMES[i % 8]}"/><s v="+24381555{i:04d}"/></r>' for i in range(N))
    cdef = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><pivotCacheDefinition '
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r='
            f'"{REL}" r:id="rId1" recordCount="{N}"><cacheSource type="worksheet">'
            f'<worksheetSource ref="A2:B{N + 2}" sheet="Beneficiaries"/></cacheSource>'
            '<cacheFields count="2"><cacheField name="full_name" numFmtId="0"><sharedItems/>'
            '</cacheField><cacheField name="phone" numFmtId="0"><sharedItems/></cacheField>'
            '</cacheFields></pivotCacheDefinition>')
    crec = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><pivotCacheRecords xmlns='
            f'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="{N}">{recs}'
            '</pivotCacheRecords>')
    ptab = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><pivotTableDefinition '
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" name="P1" '
            'cacheId="1" dataCaption="Values"><location ref="D1:E3" firstHeaderRow="1" '
            'firstDataRow="1" firstDataCol="1"/><pivotFields count="2"><pivotField '
            'showAll="0"/><pivotField showAll="0"/></pivotFields></pivotTableDefinition>')
    cats = "".join(f'<c:pt idx="{i}"><c:v>{NAMES[i % 8]}</c:v></c:pt>' for i in range(N))
    chart = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><c:chartSpace xmlns:c='
             '"http://schemas.openxmlformats.org/drawingml/2006/chart" xmlns:a="http://schemas'
             f'.openxmlformats.org/drawingml/2006/main" xmlns:r="{REL}"><c:chart><c:plotArea>'
             '<c:layout/><c:barChart><c:barDir val="col"/><c:grouping val="clustered"/><c:ser>'
             '<c:idx val="0"/><c:order val="0"/><c:cat><c:strRef><c:f>Beneficiaries!$A$3:$A$62'
             f'</c:f><c:strCache><c:ptCount val="{N}"/>{cats}</c:strCache></c:strRef></c:cat>'
             '<c:val><c:numRef><c:f>Beneficiaries!$E$3:$E$62</c:f></c:numRef></c:val></c:ser>'
             '<c:axId val="10"/><c:axId val="20"/></c:barChart><c:catAx><c:axId val="10"/>'
             '<c:scaling><c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos '
             'val="b"/><c:crossAx val="20"/></c:catAx><c:valAx><c:axId val="20"/><c:scaling>'
             '<c:orientation val="minMax"/></c:scaling><c:delete val="0"/><c:axPos val="l"/>'
             '<c:crossAx val="10"/></c:valAx></c:plotArea></c:chart></c:chartSpace>')
    drawing = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?><xdr:wsDr xmlns:xdr='
               '"http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing" xmlns:a='
               '"http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:c="http://schemas'
               f'.openxmlformats.org/drawingml/2006/chart" xmlns:r="{REL}"><xdr:twoCellAnchor>'
               '<xdr:from><xdr:col>9</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>1</xdr:row>'
               '<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>15</xdr:col><xdr:colOff>0'
               '</xdr:colOff><xdr:row>15</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to>'
               '<xdr:graphicFrame macro=""><xdr:nvGraphicFramePr><xdr:cNvPr id="2" name="C1"/>'
               '<xdr:cNvGraphicFramePr/></xdr:nvGraphicFramePr><xdr:xfrm><a:off x="0" y="0"/>'
               '<a:ext cx="0" cy="0"/></xdr:xfrm><a:graphic><a:graphicData uri="http://schemas'
               '.openxmlformats.org/drawingml/2006/chart"><c:chart r:id="rId1"/></a:graphicData>'
               '</a:graphic></xdr:graphicFrame><xdr:clientData/></xdr:twoCellAnchor></xdr:wsDr>')
    types = "".join([
        _override("xl/pivotCache/pivotCacheDefinition1.xml", "application/vnd.openxmlformats-"
                  "officedocument.spreadsheetml.pivotCacheDefinition+xml"),
        _override("xl/pivotCache/pivotCacheRecords1.xml", "application/vnd.openxmlformats-"
                  "officedocument.spreadsheetml.pivotCacheRecords+xml"),
        _override("xl/pivotTables/pivotTable1.xml", "application/vnd.openxmlformats-"
                  "officedocument.spreadsheetml.pivotTable+xml"),
        _override("xl/drawings/drawing1.xml", "application/vnd.openxmlformats-officedocument."
                  "drawing+xml"),
        _override("xl/charts/chart1.xml", "application/vnd.openxmlformats-officedocument."
                  "drawingml.chart+xml")])
    add = {
        "xl/pivotCache/pivotCacheDefinition1.xml": cdef,
        "xl/pivotCache/pivotCacheRecords1.xml": crec,
        "xl/pivotCache/_rels/pivotCacheDefinition1.xml.rels":
            _rels([("rId1", "pivotCacheRecords", "pivotCacheRecords1.xml")]),
        "xl/pivotTables/pivotTable1.xml": ptab,
        "xl/pivotTables/_rels/pivotTable1.xml.rels":
            _rels([("rId1", "pivotCacheDefinition", "../pivotCache/pivotCacheDefinition1.xml")]),
        "xl/worksheets/_rels/sheet2.xml.rels":
            _rels([("rId1", "pivotTable", "../pivotTables/pivotTable1.xml")]),
        "xl/charts/chart1.xml": chart, "xl/drawings/drawing1.xml": drawing,
        "xl/drawings/_rels/drawing1.xml.rels": _rels([("rId1", "chart", "../charts/chart1.xml")]),
    }
    edit = {
        "[Content_Types].xml": lambda s: s.replace("</Types>", types + "</Types>"),
        "xl/workbook.xml": lambda s: s.replace(
            "</workbook>", '<pivotCaches><pivotCache cacheId="1" r:id="rId99"/></pivotCaches>'
                           "</workbook>"),
        "xl/_rels/workbook.xml.rels": lambda s: s.replace(
            "</Relationships>", f'<Relationship Id="rId99" Type="{REL}/pivotCacheDefinition" '
                                'Target="pivotCache/pivotCacheDefinition1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": lambda s: s.replace(
            "</worksheet>", f'<drawing xmlns:r="{REL}" r:id="rId98"/></worksheet>'),
    }
    with zipfile.ZipFile(base) as z:
        sheet_rels = "xl/worksheets/_rels/sheet1.xml.rels"
        old = z.read(sheet_rels).decode() if sheet_rels in z.namelist() else None
    link = f'<Relationship Id="rId98" Type="{REL}/drawing" Target="../drawings/drawing1.xml"/>'
    if old is None:
        add[sheet_rels] = _rels([]).replace("</Relationships>", link + "</Relationships>")
    else:
        edit[sheet_rels] = lambda s: s.replace("</Relationships>", link + "</Relationships>")
    if ext == ".xlsm":
        add["xl/vbaProject.bin"] = b"Attribute VB_Name = \"Module1\"\nConst C = \"Jean Mutombo\""
        main_xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
        main_xlsm = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
        types += '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
        edit["[Content_Types].xml"] = lambda s: s.replace(main_xlsx, main_xlsm).replace(
            "</Types>", types + "</Types>")
        edit["xl/_rels/workbook.xml.rels"] = lambda s: s.replace(
            "</Relationships>", f'<Relationship Id="rId99" Type="{REL}/pivotCacheDefinition" '
            'Target="pivotCache/pivotCacheDefinition1.xml"/><Relationship Id="rId97" Type='
            '"http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target='
            '"vbaProject.bin"/></Relationships>')
    src = tmp_path / f"beneficiaries{ext}"
    _patch(base, src, add, edit)
    base.unlink()
    return src


def _parts(path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8", "replace") for n in z.namelist()}


@pytest.mark.parametrize("ext", [".xlsx", ".xlsm"])
def test_no_part_of_a_public_workbook_copy_keeps_a_name_or_phone(tmp_path, ext):
    import datasafe

    src = _workbook(tmp_path, ext)
    before = src.read_bytes()
    parts = _parts(src)
    assert any("Lukusa" in t for n, t in parts.items() if "pivotCache" in n)  # the fixture
    assert any("Mutombo" in t for n, t in parts.items() if "charts" in n)
    out = tmp_path / f"public{ext}"
    res = datasafe.redact(str(src), profile="hdx-public", output=out, key="k" * 32, ner="off")
    assert src.read_bytes() == before
    assert res.files[0].passed
    for name, text in _parts(out).items():
        for leak in LEAKS:
            assert leak not in text, f"{leak} in {name}"
    assert not any(n.startswith(("xl/pivot", "xl/charts", "xl/drawings", "xl/vba"))
                   for n in _parts(out))
    notes = " ".join(str(n) for n in res.files[0].notes)
    for said in ("hyperlink(s) removed", "pivot table(s), chart(s) and image(s) removed",
                 "row(s) of text above or under a table emptied", "filter criteria",
                 "formula cell(s) replaced"):
        assert said in notes, said
    # what carries no one's data is kept, and the copy opens as the workbook it is
    wb = openpyxl.load_workbook(out)
    assert "data_range" in wb.defined_names and "Faraja_Nzuzi_row" not in wb.defined_names
    assert "HH Furaha Mbuyi" not in wb.sheetnames and "HH Mutombo" not in wb.sheetnames
    assert len(wb.sheetnames) == 3 and "contact_note" not in wb.defined_names
    assert not wb["Beneficiaries"].data_validations.dataValidation
    other = wb[wb.sheetnames[1]]
    # formulas became the values they showed (openpyxl, which wrote them, computed none)
    assert other["B2"].value is None and other["B3"].value is None
    dvs = other.data_validations.dataValidation
    assert [(str(dv.formula1), dv.prompt) for dv in dvs] == [('"kits,tarps,contact"', None)]
    assert [r.formula for cf in other.conditional_formatting for r in cf.rules] == [["$B2>10"]]
    assert other["B5"].number_format == '0 "kg"'
    if ext == ".xlsm":
        assert "macroEnabled.main" in _parts(out)["[Content_Types].xml"]
    # the proof scan reads the copy: no identifiers left in the cells either
    doc = datasafe.scan(str(out), ner="off")
    assert not [c.name for t in doc.files[0].tables for c in t.columns if c.role == "direct"]
    # nor do the logs name a sheet by the value it was renamed for ('HH Mutombo')
    for log in (out.with_name(out.name + ".redaction-log.json"),
                out.with_name(out.name + ".redaction-log.md")):
        text = log.read_text(encoding="utf-8")
        for leak in LEAKS:
            assert leak not in text, f"{leak} in {log.name}"


def test_a_workbook_that_can_be_read_but_not_rewritten_is_one_clear_refusal(tmp_path):
    """calamine read a sheet part that openpyxl cannot parse (an unbound prefix); the redaction
    said 'internal error: ParseError', naming neither the file nor what to do."""
    import subprocess
    import sys

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["full_name", "phone", "district"])
    for i in range(40):
        ws.append([NAMES[i % 8], f"+24381555{i:04d}", "Goma"])
    base = tmp_path / "base.xlsx"
    wb.save(base)
    src = tmp_path / "list.xlsx"
    _patch(base, src, {}, {"xl/worksheets/sheet1.xml": lambda s: s.replace(
        "</worksheet>", '<drawing r:id="rId9"/></worksheet>')})
    out = tmp_path / "public.xlsx"
    r = subprocess.run([sys.executable, "-m", "datasafe", "redact", str(src), "--profile",
                        "hdx-public", "--ner", "off", "-o", str(out)],
                       capture_output=True, text=True, env={"DATASAFE_KEY": "k" * 32,
                                                            **__import__("os").environ})
    assert r.returncode == 2
    err = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert err == [f"datasafe: {src}: the workbook can be read but not rewritten (ParseError in "
                   "one of its parts): open it in Excel or LibreOffice and save it again, or "
                   "export the sheets as CSV"]
    assert not out.exists() and not list(tmp_path.glob("public*"))
    assert "Kabila" not in r.stdout + r.stderr


@pytest.mark.parametrize("corner", [None, " ", "\u00a0"])
def test_a_table_away_from_the_corner_is_redacted_in_place(tmp_path, corner):
    """A table starting at B3 lost its header and first record, and with a space in A1 (which
    moves calamine's origin) the treated values were written one column and two rows away:
    the raw names stayed and the proof scan passed."""
    import datasafe

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "List"
    if corner is not None:
        ws["A1"] = corner
    ws["B3"], ws["C3"], ws["D3"] = "full_name", "phone", "kits"
    for i in range(N):
        ws.cell(row=4 + i, column=2, value=NAMES[i % 8])
        ws.cell(row=4 + i, column=3, value=f"+24381555{i:04d}")
        ws.cell(row=4 + i, column=4, value=i % 3 + 1)
    src = tmp_path / "list.xlsx"
    wb.save(src)
    out = tmp_path / "partner.xlsx"
    res = datasafe.redact(str(src), profile="partner-restricted", output=out, key="k" * 32,
                          ner="off")
    assert res.files[0].passed
    for name, text in _parts(out).items():
        for leak in LEAKS:
            assert leak not in text, f"{leak} in {name}"
    got = openpyxl.load_workbook(out)["List"]
    header = [c.value for c in got[3]]
    kits = header.index("kits") + 1
    assert [got.cell(row=4 + i, column=kits).value for i in range(N)] == [
        i % 3 + 1 for i in range(N)]


def test_merged_cells_over_a_table_do_not_stop_the_redaction(tmp_path):
    """A merged title, a header merged over two columns and a footer merged across the table
    made the redaction stop with 'internal error: AttributeError'."""
    import datasafe

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "List"
    ws["A1"] = "Distribution list"
    ws.merge_cells("A1:D1")
    ws.append(["kits", "kits", "full_name", "phone"])
    ws.merge_cells("A2:B2")
    for i in range(N):
        ws.append([i % 3 + 1, i % 2, NAMES[i % 8], f"+24381555{i:04d}"])
    ws.merge_cells("C5:D5")  # across a name and a phone (both removed)
    ws.merge_cells("D8:D9")  # within the phone column, the last one
    ws.cell(N + 4, 1, "Signed: Amina Kabila +243815550000")  # a signature under the table
    ws.merge_cells(start_row=N + 4, start_column=1, end_row=N + 4, end_column=4)
    src = tmp_path / "merged.xlsx"
    wb.save(src)
    out = tmp_path / "partner.xlsx"
    res = datasafe.redact(str(src), profile="hdx-public", output=out, ner="off")
    assert res.files[0].passed
    for name, text in _parts(out).items():
        for leak in LEAKS:
            assert leak not in text, f"{leak} in {name}"
    assert openpyxl.load_workbook(out)["List"].max_row >= N + 2


def test_a_group_header_over_sub_labels_is_read_and_redacted_in_place(tmp_path):
    """'GPS' merged over two columns with 'latitude' and 'longitude' under it, the other
    headers merged down over both rows: the sub-label row was read as a record, the longitude
    column had no header, and its exact values stayed in the public copy (PASS)."""
    import datasafe
    from datasafe.read import read_tables

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "List"
    for j, h in enumerate(["full_name", "kits", "GPS", None], 1):
        ws.cell(1, j, h)
    for j in (1, 2):
        ws.merge_cells(start_row=1, start_column=j, end_row=2, end_column=j)
    ws.merge_cells("C1:D1")
    ws["C2"], ws["D2"] = "latitude", "longitude"
    for i in range(N):
        ws.append([NAMES[i % 8], i % 3 + 1, round(-1.6 - i * 0.00137, 6),
                   round(29.2 + i * 0.00091, 6)])
    src = tmp_path / "gps.xlsx"
    wb.save(src)
    (t,) = read_tables(src)
    assert t.rows == N and t.headers == ["full_name", "kits", "GPS latitude", "GPS longitude"]
    out = tmp_path / "public.xlsx"
    res = datasafe.redact(str(src), profile="hdx-public", output=out, ner="off")
    assert res.files[0].passed
    text = _parts(out)["xl/worksheets/sheet1.xml"]
    assert "29.2009" not in text and "-1.6013" not in text and "Kabila" not in text
    got = openpyxl.load_workbook(out)["List"]
    kits = [c.value for c in got[1]].index("kits") + 1
    assert [got.cell(row=3 + i, column=kits).value for i in range(N)] == [
        i % 3 + 1 for i in range(N)]


def test_a_lookup_sheet_keeps_its_list(tmp_path):
    """A 'Lookup' sheet of five provinces (the source of a drop-down on the 3W sheet) was
    emptied by local suppression meant for records of people: the drop-down then listed
    nothing."""
    from openpyxl.worksheet.datavalidation import DataValidation

    import datasafe

    provinces = ["Nord-Kivu", "Sud-Kivu", "Ituri", "Tanganyika", "Kasai"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "3W"
    ws.append(["Organisation", "Sector", "Admin1", "Beneficiaries"])
    for i in range(60):
        ws.append([f"Org {i % 7}", ["WASH", "Health", "Food"][i % 3], provinces[i % 5],
                   100 + i * 13])
    dv = DataValidation(type="list", formula1="=Lookup!$A$2:$A$6")
    dv.add("C2:C61")
    ws.add_data_validation(dv)
    lookup = wb.create_sheet("Lookup")
    lookup.append(["admin1"])
    for p in provinces:
        lookup.append([p])
    src = tmp_path / "3w.xlsx"
    wb.save(src)
    out = tmp_path / "public.xlsx"
    datasafe.redact(str(src), profile="hdx-public", output=out, ner="off")
    got = openpyxl.load_workbook(out)
    assert [c.value for c in got["Lookup"]["A"]][1:] == provinces
    assert [str(d.formula1) for d in got["3W"].data_validations.dataValidation] == [
        "=Lookup!$A$2:$A$6"]


def test_the_scan_says_a_workbook_holds_comments_it_does_not_read(tmp_path):
    """A comment naming a survivor and a phone was invisible to the scan (only redact removed
    it): the scan now says how many comments the workbook holds, never what they say."""
    import json

    from click.testing import CliRunner
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    from datasafe.cli import main

    wb = Workbook()
    ws = wb.active
    ws.title = "Cases"
    ws.append(["case_ref", "province", "age_group", "service"])
    for i in range(30):
        ws.append([f"C-{i:03d}", "Nord-Kivu", "18-59", "psychosocial"])
    ws["D5"].comment = Comment("Survivor Amina Kabila, call +243 81 234 5699 before visit",
                               "Jean Mbuyi")
    wb.properties.creator = "Jean Mbuyi"
    src = tmp_path / "casework.xlsx"
    wb.save(src)
    r = CliRunner().invoke(main, ["scan", str(src), "--profile", "partner-restricted",
                                  "--format", "json", "--no-baseline"])
    (f,) = [f for f in json.loads(r.stdout)["findings"] if f["check"] == "DR-META-03"]
    assert "1 cell comment(s) and names its author" in f["message"]
    assert "Amina" not in r.stdout and "Mbuyi" not in r.stdout and "5699" not in r.stdout
    out = tmp_path / "casework_partner.xlsx"
    CliRunner().invoke(main, ["redact", str(src), "--profile", "partner-restricted", "-o",
                              str(out)])
    r = CliRunner().invoke(main, ["scan", str(out), "--profile", "partner-restricted",
                                  "--format", "json", "--no-baseline"])
    assert not [f for f in json.loads(r.stdout)["findings"] if f["check"] == "DR-META-03"]
