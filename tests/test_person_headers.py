"""People's names used as column headers (an attendance register: one column per person).

The names are not in the cells, so no value recognizer saw them: every report printed them as
column names, and a public copy kept them in its header row and passed (found by the second leak
review of redacted workbooks). The reader now shows them as person_1, person_2…, DR-PII-14 fires,
and every copy is written with the labels."""

from __future__ import annotations

import csv
import datetime
import json
import zipfile

import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

import datasafe
from datasafe.cli import main
from datasafe.detect.headers import person_headers

PEOPLE = ["Amina Kabila", "Jean-Pierre Mbuyi", "Zawadi Lukusa", "Furaha Mbuyi",
          "Imani Tshibanda", "Faraja Nzuzi", "Grace Ilunga", "Moses Kasongo"]
WORDS = ["kabila", "mbuyi", "lukusa", "tshibanda", "nzuzi", "ilunga", "kasongo", "amina",
         "zawadi", "furaha"]


def _leaks(text: str) -> list[str]:
    low = text.lower()
    return [w for w in WORDS if w in low]


@pytest.mark.parametrize("headers, expected", [
    (["session_date"] + PEOPLE[:3], [1, 2, 3]),
    (["date", "Amina Yusuf"], [1]),  # a full name alone is enough
    (["Province", "Amina", "Moses", "Fatuma"], [1, 2, 3]),  # given names: a register of three
    # words that are given names too name groups: 'peace', 'hope', 'love', 'grace'
    (["month", "Tumaini", "Upendo", "Amani", "Neema", "Mshikamano", "Umoja"], []),
    # the forms registers write names in (a header review)
    (["date", "A. Kabila", "J.-P. Mbuyi", "Z. Lukusa", "M. Kasongo"], [1, 2, 3, 4]),
    (["date", "amina yusuf", "jean-pierre mbuyi", "zawadi lukusa"], [1, 2, 3]),
    (["date", "Dr. Jean Mbuyi", "Dr. Moses Kasongo"], [1, 2]),
    (["date", "Amina Kabila (2)", "Jean Mbuyi 2", "Zawadi Lukusa (B)", "Moses Kasongo - ECC"],
     [1, 2, 3, 4]),
    (["date", "Amina Yusuf - signature", "Moses Kasongo - signature"], [1, 2]),
    (["date", "Kabila, Amina", "Mbuyi, Jean-Pierre", "Lukusa, Zawadi"], [1, 2, 3]),
    (["date", "Amina_Kabila", "Jean_Mbuyi", "Zawadi_Lukusa"], [1, 2, 3]),
    (["date", "attendance/Amina Yusuf", "attendance/Moses Kasongo"], [1, 2]),
    (["date", "Jean Pierre Mbuyi Wa Kasongo"], [1]),
    (["date", "Amina Kabila", "Jean Mbuyi"], [1, 2]),  # a weak name beside a strong one
    # a register names people whose given name the list does not know, beside those it does
    (["date", "Amina Yusuf", "Moses Kasongo", "Fatuma Diallo", "Okello Ochieng"], [1, 2, 3, 4]),
    # places and organisations that hold a given name, among others that do not
    (["cluster", "Lashkargah", "Nad Ali", "Nahr-e Saraj", "Musa Qala", "Sangin", "Garmser"], []),
    (["province", "Karachi", "Sukkur", "Tando Muhammad Khan", "Rahim Yar Khan", "Larkana"], []),
    (["Kakuma", "Dadaab", "Yusuf Batil", "Ali Addeh", "Aung Mingalar", "Doro"], []),
    (["site", "Don Bosco", "Bulengo", "Lushagala"], []),
    (["municipio", "El Carmen", "La Gloria", "Cucuta"], []),
    (["Le Robert", "Le François", "Sainte-Marie", "Sainte-Anne", "Fort-de-France"], []),
    (["county", "Tumaini Letu", "Amani Leo", "World Vision", "Caritas"], []),
    (["Province", "Amina", "total"], []),  # one given name alone is not
    (["date", "Amina Kabila"], [1]),  # a given name first: a name ('kabila' is 'tribe' too)
    (["date", "Kabila Amina"], []),  # a field word first: weak alone
    (["province", "Mercy Corps", "Christian Aid", "Save the Children", "Saint Louis"], []),
    (["Patient Name", "Grace Period", "Head of Household", "Junior Officer"], []),
    (["January", "February", "March", "April", "May", "June"], []),
    (["full_name", "phone", "age", "sex", "village"], []),
])
def test_which_headers_are_people(headers, expected):
    assert person_headers(headers) == expected


def test_a_place_tag_says_a_header_is_not_a_person():
    assert person_headers(["cluster", "Amina Yusuf"], hxl=["#sector", "#reached+adm2"]) == []
    assert person_headers(["cluster", "Amina Yusuf"], hxl=["#sector", None]) == [1]


def test_contact_headers_are_phones_and_e_mails_not_ranges_or_periods():
    from datasafe.detect.headers import contact_headers

    headers = ["50 000-100 000", "2023-10-01 - 2023-12-31", "tel: +243812345678",
               "Amina +243 812 345 678", "a.yusuf@example.org", "0812345678", "123456789",
               "2019 2020 2021"]
    assert contact_headers(headers) == [2, 3, 4, 5]


def _register(tmp_path):
    rows = [[f"2024-02-{d:02d}"] + [(d + j) % 2 for j in range(len(PEOPLE))]
            for d in range(1, 21)]
    path = tmp_path / "attendance.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["session_date"] + PEOPLE)
        w.writerows(rows)
    pd.read_csv(path, dtype=str).to_parquet(tmp_path / "attendance.parquet")
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sessions"
    ws.append(["date", "topic", "organisation"])
    ws.append([datetime.date(2024, 2, 1), "Hygiene", "Mercy Corps"])
    att = wb.create_sheet("Attendance")
    # the register starts at B3 under a title, with a phone column before the people
    att["A1"] = "Hygiene sessions, Kalemie"
    for r, row in enumerate([["session_date", "facilitator_phone"] + PEOPLE]
                            + [[datetime.date(2024, 2, d), f"+243 81555{d:04d}"]
                               + [(d + j) % 2 for j in range(len(PEOPLE))]
                               for d in range(1, 21)], start=3):
        for c, v in enumerate(row, start=2):
            att.cell(row=r, column=c, value=v)
    wb.create_sheet("Moses Kasongo").append(["date", "kits"])  # a sheet named after one
    wb.save(tmp_path / "attendance.xlsx")
    return tmp_path / "attendance.csv", tmp_path / "attendance.xlsx", \
        tmp_path / "attendance.parquet"


def test_a_register_is_scanned_with_labels_and_fails_for_public_release(tmp_path):
    for path in _register(tmp_path):
        res = datasafe.scan(str(path), profile="hdx-public")
        tables = [t for t in res.files[0].tables if len(t.columns) > 8]
        assert len(tables) == 1, path
        names = [c.name for c in tables[0].columns]
        assert [n for n in names if n.startswith("person_")] == [f"person_{i}" for i in
                                                                   range(1, 9)], (path, names)
        assert any("8 column headers are people's names or contact details" in str(n)
                   for n in tables[0].notes)
        hits = [f for f in res.findings if f.check == "DR-PII-14"]
        assert hits and hits[0].severity == "critical", path
        assert res.exit_code == 1


@pytest.mark.parametrize("fmt", ["json", "markdown", "html", "sarif", "text"])
def test_no_report_prints_the_names(tmp_path, fmt):
    csv_path, xlsx_path, _ = _register(tmp_path)
    for path in (csv_path, xlsx_path):
        r = CliRunner().invoke(main, ["scan", str(path), "--profile", "hdx-public", "-f", fmt,
                                      "--lang", "fr"])
        assert r.exit_code == 1, r.output[-2000:]
        assert not _leaks(r.output), (path, fmt, _leaks(r.output))
        if fmt == "text":
            assert "person_1" in r.output and "DR-PII-14" in r.output


def test_public_copies_are_written_with_the_labels(tmp_path, monkeypatch):
    monkeypatch.setenv("DATASAFE_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    csv_path, xlsx_path, pq_path = _register(tmp_path)
    for path, streamed in [(csv_path, False), (csv_path, True), (pq_path, False),
                           (pq_path, True), (xlsx_path, False)]:
        out = tmp_path / f"pub{'_s' if streamed else ''}{path.suffix}"
        args = ["redact", str(path), "--profile", "hdx-public", "-o", str(out)]
        r = CliRunner().invoke(main, args + (["--stream"] if streamed else []))
        assert r.exit_code == 0, (path, r.output[-3000:])
        assert "after:  PASS" in r.output
        assert not _leaks(r.output)
        for log in (out.with_name(out.name + ".redaction-log.json"),
                    out.with_name(out.name + ".redaction-log.md")):
            assert not _leaks(log.read_text(encoding="utf-8")), log
        if path.suffix == ".csv":
            text = out.read_text(encoding="utf-8")
            assert text.splitlines()[0].startswith("session_date") and "person_8" in text
            assert not _leaks(text)
        elif path.suffix == ".parquet":
            f = pq.ParquetFile(out)
            assert f.schema_arrow.names[-8:] == [f"person_{i}" for i in range(1, 9)]
            assert not _leaks(json.dumps({k.decode(): v.decode(errors="replace") for k, v in
                                          (f.schema_arrow.metadata or {}).items()}))
            assert not _leaks(out.read_bytes().decode("latin-1"))
        else:
            with zipfile.ZipFile(out) as z:
                for part in z.namelist():
                    assert not _leaks(z.read(part).decode("utf-8", "replace")), part
            import openpyxl

            wb = openpyxl.load_workbook(out)
            ws = wb["Attendance"]
            header = [c.value for c in ws[3]]
            # the phone column (and the dates, emptied by local suppression in a 20-row file)
            # are gone: each label moved left with its own column
            at = header.index("person_1")
            assert header[at:at + 8] == [f"person_{i}" for i in range(1, 9)], header
            for j in range(8):
                marks = [ws.cell(row=r, column=at + 1 + j).value for r in range(4, 24)]
                assert marks == [(d + j) % 2 for d in range(1, 21)], j
            assert wb["Sessions"]["C2"].value == "Mercy Corps"  # organisations stay
            assert "Moses Kasongo" not in wb.sheetnames


def test_the_partitioned_engines_show_the_same_labels(tmp_path):
    csv_path, _, pq_path = _register(tmp_path)
    for path in (csv_path, pq_path):
        local = datasafe.scan(str(path)).to_dict()
        streamed = datasafe.scan(str(path), engine="stream").to_dict()
        names = [[c["name"] for c in d["files"][0]["tables"][0]["columns"]]
                 for d in (local, streamed)]
        assert names[0] == names[1] and "person_8" in names[0]
        assert not _leaks(json.dumps(streamed))
        assert {f["check"] for f in streamed["findings"]} == {
            f["check"] for f in local["findings"]}


def test_a_dataframe_with_people_as_columns(tmp_path):
    df = pd.DataFrame({"week": [1, 2, 3], "Amina Yusuf": [1, 0, 1], "Moses Kasongo": [0, 0, 1]})
    res = datasafe.scan(df)
    assert [c.name for c in res.files[0].tables[0].columns] == ["week", "person_1", "person_2"]
    doc = json.dumps(res.to_dict(), ensure_ascii=False)
    assert "Amina" not in doc and "Kasongo" not in doc


def test_an_organisation_table_is_left_as_it_is(tmp_path):
    path = tmp_path / "3w.csv"
    pd.DataFrame({"province": ["North Kivu", "Tanganyika"], "Mercy Corps": [120, 80],
                  "Christian Aid": [45, 30], "Save the Children": [10, 5]}).to_csv(path,
                                                                                  index=False)
    res = datasafe.scan(str(path))
    assert [c.name for c in res.files[0].tables[0].columns] == [
        "province", "Mercy Corps", "Christian Aid", "Save the Children"]
    assert not any(f.check == "DR-PII-14" for f in res.findings)


def test_a_phone_number_as_a_header_is_masked_too(tmp_path):
    path = tmp_path / "contacts.csv"
    path.write_text("week,+243 815 550 001,amina.y@example.org\n1,yes,no\n2,no,yes\n",
                    encoding="utf-8")
    res = datasafe.scan(str(path))
    assert [c.name for c in res.files[0].tables[0].columns] == ["week", "contact_1",
                                                                 "contact_2"]
    doc = json.dumps(res.to_dict(), ensure_ascii=False)
    assert "550 001" not in doc and "amina" not in doc.lower()


def _parquet_review_file(tmp_path):
    """A registration export as a Parquet review built it (issue 9 notes): names and IDs inside
    nested columns, names in pandas' attrs, and a blanked categorical column whose dictionary
    still lists every name."""
    import random

    rng = random.Random(3)
    n = 200
    names = [f"{rng.choice(['Amina', 'Jean', 'Zawadi', 'Moses'])} "
             f"{rng.choice(['Kabila', 'Lukusa', 'Tshibanda', 'Kasongo'])}" for _ in range(n)]
    df = pd.DataFrame({
        "members": [[nm, f"CD-{rng.randint(10**8, 10**9)}"] for nm in names],
        "hoh": [{"name": nm, "age": rng.randint(18, 80)} for nm in names],
        "comments": pd.Categorical([None] * n, categories=sorted(set(names))),
        "items": [rng.sample(["soap", "bucket", "tarpaulin", "jerrycan"], 2) for _ in range(n)],
        "sex": [rng.choice(["F", "M"]) for _ in range(n)],
        "province": [rng.choice(["Nord-Kivu", "Sud-Kivu"]) for _ in range(n)]})
    df.attrs = {"source": "registration list kept by Amina Kabila"}
    path = tmp_path / "registration.parquet"
    df.to_parquet(path)
    return path


@pytest.mark.parametrize("streamed", [False, True])
def test_a_public_parquet_copy_keeps_no_nested_name_no_attrs_no_unused_category(tmp_path,
                                                                                  monkeypatch,
                                                                                  streamed):
    monkeypatch.setenv("DATASAFE_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    src = _parquet_review_file(tmp_path)
    out = tmp_path / "pub.parquet"
    r = CliRunner().invoke(main, ["redact", str(src), "--profile", "hdx-public", "-o", str(out)]
                           + (["--stream"] if streamed else []))
    assert r.exit_code == 0, r.output[-3000:]
    f = pq.ParquetFile(out)
    assert "members" not in f.schema_arrow.names and "hoh" not in f.schema_arrow.names
    assert "sex" in f.schema_arrow.names and "province" in f.schema_arrow.names
    raw = out.read_bytes().decode("latin-1").lower()
    for word in ("kabila", "lukusa", "tshibanda", "kasongo", "cd-"):
        assert word not in raw, word
    # the names inside the lists are found (direct identifiers); a list of kit items, which
    # holds nothing recognised, goes too: its inner values are not checked one by one
    assert "items" not in f.schema_arrow.names
    log = json.loads(out.with_name(out.name + ".redaction-log.json").read_text())
    entries = {c["column"]: c for t in log["files"][0]["tables"] for c in t["columns"]}
    assert "nested values" in entries["items"]["reason"]
    assert "direct identifier" in entries["members"]["reason"]


def _households_workbook(tmp_path):
    """One sheet per household, named after its head, and a register formatted as an Excel
    table (what Ctrl+T makes), from a header review."""
    import openpyxl
    from openpyxl.worksheet.table import Table as XlTable

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Summary"
    ws.append(["province", "households"])
    ws.append(["Tanganyika", 2])
    for head in ("Amina Yusuf", "Moses Kasongo"):
        s = wb.create_sheet(head)
        s.append(["date", "kits"])
        for d in range(1, 8):
            s.append([datetime.date(2024, 3, d), d % 3])
    reg = wb.create_sheet("Register")
    reg.append(["date", "Amina Yusuf", "Jean-Pierre Mbuyi", "Zawadi Lukusa"])
    for d in range(1, 13):
        reg.append([datetime.date(2024, 3, d), d % 2, (d + 1) % 2, 1])
    reg.add_table(XlTable(displayName="Kits", ref="A1:D13"))
    path = tmp_path / "households.xlsx"
    wb.save(path)
    return path


def test_sheets_named_after_people_are_shown_and_written_as_labels(tmp_path, monkeypatch):
    monkeypatch.setenv("DATASAFE_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    src = _households_workbook(tmp_path)
    res = datasafe.scan(str(src), profile="hdx-public")
    assert [t.name for t in res.files[0].tables] == ["Summary", "Sheet2", "Sheet3", "Register"]
    said = [f.message for f in res.findings if f.check == "DR-PII-14"]
    assert any("sheet's name is a person's name (shown as Sheet2)" in m for m in said), said
    doc = json.dumps(res.to_dict(), ensure_ascii=False)
    assert "Yusuf" not in doc and "Kasongo" not in doc
    out = tmp_path / "pub.xlsx"
    r = CliRunner().invoke(main, ["redact", str(src), "--profile", "hdx-public", "-o", str(out)])
    assert r.exit_code == 0, r.output[-3000:]
    with zipfile.ZipFile(out) as z:
        for part in z.namelist():
            text = z.read(part).decode("utf-8", "replace")
            for word in ("Yusuf", "Kasongo", "Mbuyi", "Lukusa"):
                assert word not in text, (word, part)
    import openpyxl

    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Summary", "Sheet2", "Sheet3", "Register"]
    (table,) = wb["Register"].tables.values()
    assert [c.name for c in table.tableColumns][1:] == ["person_1", "person_2", "person_3"]
    assert [c.value for c in wb["Register"][1]][1:] == ["person_1", "person_2", "person_3"]


def test_sheets_named_after_camps_keep_their_names(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.title = "Doro"
    for camp in ("Yusuf Batil", "Gendrassa", "Kaya"):
        wb.create_sheet(camp)
    for ws in wb.worksheets:
        ws.append(["block", "households"])
        ws.append(["A", 120])
    path = tmp_path / "maban.xlsx"
    wb.save(path)
    res = datasafe.scan(str(path))
    assert [t.name for t in res.files[0].tables] == ["Doro", "Yusuf Batil", "Gendrassa", "Kaya"]


@pytest.mark.parametrize("rows", [4, 6])
def test_a_register_written_down_a_participant_column_is_found(tmp_path, rows):
    """Names down the first column under 'Participant' (a register turned round) passed a
    public scan under ten rows (header review)."""
    people = PEOPLE[:rows]
    path = tmp_path / "turned.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Participant", "2024-02-01", "2024-02-08", "2024-02-15"])
        w.writerows([[p, 1, 0, 1] for p in people])
    res = datasafe.scan(str(path), profile="hdx-public")
    col = res.files[0].tables[0].columns[0]
    assert (col.role, col.entity) == ("direct", "PERSON")
    assert res.exit_code == 1


def test_the_projects_own_given_names_find_headers_too(tmp_path, monkeypatch):
    """`given_names:` in the configuration was used for cell values only: a register of
    Ugandan names stayed in the clear (header review)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATASAFE_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    path = tmp_path / "register.csv"
    path.write_text("session_date,Okello Ochieng,Akello Atim,Kiiza Byaruhanga\n"
                    "2024-02-01,1,0,1\n2024-02-08,0,1,1\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["scan", str(path), "-f", "json"])
    assert "Okello Ochieng" in r.output  # not a name the shipped list knows
    (tmp_path / "names.yaml").write_text("given_names: [okello, akello, kiiza]\n",
                                         encoding="utf-8")
    (tmp_path / ".datasafe.yaml").write_text("given_names: [names.yaml]\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["scan", str(path), "-f", "json"])
    assert "Okello" not in r.output and "person_3" in r.output
    out = tmp_path / "pub.csv"
    r = CliRunner().invoke(main, ["redact", str(path), "--profile", "hdx-public", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").splitlines()[0].endswith("person_1,person_2,person_3")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_names_in_hxl_attributes_are_left_out(tmp_path, monkeypatch, fmt):
    """'#indicator+amina_kabila' over one column per person (header review): the hashtag row
    was copied as it was."""
    monkeypatch.setenv("DATASAFE_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    rows = [["session_date", "p1", "p2", "p3"],
            ["#date", "#indicator+amina_kabila", "#indicator+jean_pierre_mbuyi",
             "#indicator+zawadi_lukusa"]]
    rows += [[f"2024-02-{d:02d}", d % 2, 1, 0] for d in range(1, 11)]
    path = tmp_path / f"register.{fmt}"
    if fmt == "csv":
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows(rows)
    else:
        import openpyxl

        wb = openpyxl.Workbook()
        for r in rows:
            wb.active.append(r)
        wb.save(path)
    res = datasafe.scan(str(path), profile="hdx-public")
    assert res.files[0].tables[0].columns[1].hxl == "#indicator"
    assert any(f.check == "DR-PII-14" and "HXL" in f.message for f in res.findings)
    assert "kabila" not in json.dumps(res.to_dict()).lower()
    out = tmp_path / f"pub.{fmt}"
    r = CliRunner().invoke(main, ["redact", str(path), "--profile", "hdx-public", "-o", str(out)])
    assert r.exit_code == 0, r.output
    if fmt == "csv":
        text = out.read_text(encoding="utf-8")
    else:
        with zipfile.ZipFile(out) as z:
            text = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    for word in ("kabila", "mbuyi", "lukusa"):
        assert word not in text.lower(), word
    assert "#indicator" in text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_register_under_a_row_of_labels_keeps_its_labels(tmp_path, monkeypatch, fmt):
    """A title, then 'session_date, Participants' over a row of the people's names (header
    review): the copy lost 'session_date' (the names row was the header, its first cell
    blank, and the row of labels was emptied as a title)."""
    monkeypatch.setenv("DATASAFE_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    rows = [["Attendance register - Goma - February 2024", None, None, None],
            ["session_date", "Participants", None, None],
            [None, "Amina Yusuf", "Jean-Pierre Mbuyi", "Zawadi Lukusa"]]
    rows += [[f"2024-02-{d:02d}", d % 2, 1, 0] for d in range(1, 11)]
    path = tmp_path / f"register.{fmt}"
    if fmt == "csv":
        with open(path, "w", newline="", encoding="utf-8") as fh:
            csv.writer(fh).writerows([["" if v is None else v for v in r] for r in rows])
    else:
        import openpyxl

        wb = openpyxl.Workbook()
        for r in rows:
            wb.active.append(r)
        wb.save(path)
    res = datasafe.scan(str(path))
    assert [c.name for c in res.files[0].tables[0].columns] == [
        "session_date", "person_1", "person_2", "person_3"]
    out = tmp_path / f"pub.{fmt}"
    r = CliRunner().invoke(main, ["redact", str(path), "--profile", "hdx-public", "-o", str(out)])
    assert r.exit_code == 0, r.output
    if fmt == "csv":
        assert out.read_text(encoding="utf-8").splitlines()[0] == \
            "session_date,person_1,person_2,person_3"
    else:
        import openpyxl

        ws = openpyxl.load_workbook(out).active
        assert [c.value for c in ws[2]] == ["session_date", "Participants", None, None]
        assert [c.value for c in ws[3]][1:] == ["person_1", "person_2", "person_3"]
        assert ws["A1"].value is None  # the title row is emptied, as before
