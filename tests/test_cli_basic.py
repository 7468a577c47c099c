import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

import datasafe
from datasafe.cli import main
from tests.conftest import EXAMPLES, REPO, validate_report


def run_cli(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    return subprocess.run([sys.executable, "-m", "datasafe", *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=600)


def test_version_and_help():
    runner = CliRunner()
    r = runner.invoke(main, ["--version"])
    assert r.exit_code == 0 and "datasafe" in r.output and datasafe.__version__ in r.output
    r = runner.invoke(main, ["--help"])
    assert r.exit_code == 0 and "datasafe scan" in r.output and "Examples:" in r.output
    r = runner.invoke(main, ["scan", "--help"])
    assert r.exit_code == 0 and "datasafe scan" in r.output and "--format" in r.output


def test_scan_json_keeps_text_and_validates(tmp_path):
    f = tmp_path / "t.csv"
    f.write_text("name,phone,code\nAmina,+243812345678,00123\nJean,+243998877665,00456\n",
                 encoding="utf-8")
    r = CliRunner().invoke(main, ["scan", str(f), "--format", "json", "--ner", "off"])
    report = json.loads(r.output)
    validate_report(report)
    table = report["files"][0]["tables"][0]
    assert table["rows"] == 2
    assert [c["name"] for c in table["columns"]] == ["name", "phone", "code"]
    assert "+243812345678" not in r.output  # a phone column's raw values never reach a report


def test_missing_file_exit_2_one_line(tmp_path):
    missing = tmp_path / "absent.csv"
    r = subprocess.run([sys.executable, "-m", "datasafe", "scan", str(missing)],
                       capture_output=True, text=True)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(missing) in lines[0] and "no such file" in lines[0]
    assert "Traceback" not in r.stderr


def test_clirunner_bad_file_among_good(tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("a,b\n1,2\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(200)))
    r = CliRunner().invoke(main, ["scan", str(good), str(bad), "--format", "json",
                                  "--ner", "off"])
    assert r.exit_code == 2
    assert r.exception is None or isinstance(r.exception, SystemExit)
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and str(bad) in lines[0] and "PNG" in lines[0]
    report = json.loads(r.stdout)
    validate_report(report)
    assert report["files"][0]["tables"][0]["rows"] == 1
    assert "error" in report["files"][1]


EXPECTED_TABLES = {
    "3w_activities.xlsx": [("3W", 320, 16, True, False), ("Contacts", 21, 5, False, False),
                           ("Listes", 8, 3, False, True)],
    "aid_worker_contacts.csv": [(None, 320, 8, False, False)],
    "beneficiary_registration.csv": [(None, 1200, 20, False, False)],
    "beneficiary_registration.parquet": [(None, 1200, 20, False, False)],
    "household_survey_fr.csv": [(None, 640, 30, True, False)],
    "protection_incidents.csv": [(None, 420, 14, False, False)],
}


def _check_examples_report(report):
    validate_report(report)
    got = {}
    for f in report["files"]:
        assert "error" not in f, f
        got[os.path.basename(f["path"])] = [
            (t["name"], t["rows"], len(t["columns"]), t["hxl"], t["hidden"]) for t in f["tables"]]
    assert got == EXPECTED_TABLES
    survey = next(f for f in report["files"] if f["path"].endswith("household_survey_fr.csv"))
    cols = {c["name"]: c for c in survey["tables"][0]["columns"]}
    assert cols["grp_demo/ethnie"]["hxl"] == "#respondee+ethnicity"
    assert cols["poids"]["hxl"] == "#meta+weight"
    three_w = next(f for f in report["files"] if f["path"].endswith(".xlsx"))
    assert three_w["tables"][0]["header_row"] == 3
    assert three_w["format"] == "xlsx"


def test_scan_examples_folder_clirunner():
    r = CliRunner().invoke(main, ["scan", str(EXAMPLES), "--format", "json", "--ner", "off"])
    assert r.exit_code in (0, 1), r.stderr
    _check_examples_report(json.loads(r.stdout))


def test_scan_examples_subprocess_output_file(tmp_path):
    out = tmp_path / "report.json"
    r = run_cli("scan", "examples", "--format", "json", "--output", out, "--ner", "off",
                cwd=REPO)
    assert r.returncode in (0, 1), r.stderr
    assert "Traceback" not in r.stderr and r.stderr.strip() == ""
    report = json.loads(out.read_text(encoding="utf-8"))
    _check_examples_report(report)
    assert json.loads(r.stdout) == report


def _fingerprint(folder):
    out = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            p = os.path.join(root, name)
            st = os.stat(p)
            with open(p, "rb") as fh:
                out[os.path.relpath(p, folder)] = (hashlib.sha256(fh.read()).hexdigest(),
                                                   st.st_mtime_ns, st.st_mode)
    return out


def test_inputs_unchanged_after_scan(tmp_path):
    """Content, mtime and mode of every input are the same after a scan, and the scan adds no
    file next to them."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("odf")
    data = tmp_path / "data"
    shutil.copytree(EXAMPLES, data, ignore=shutil.ignore_patterns("*.py", "*.md"))
    raw = (EXAMPLES / "aid_worker_contacts.csv").read_bytes()
    (data / "contacts.csv.gz").write_bytes(gzip.compress(raw, mtime=0))
    (data / "contacts_utf16.txt").write_bytes(raw.decode("utf-8").encode("utf-16"))
    pd.DataFrame({"a": ["1", "2"]}).to_excel(data / "small.ods", engine="odf", index=False)
    before = _fingerprint(data)
    r = run_cli("scan", data, "--format", "json", "--ner", "off")
    assert r.returncode in (0, 1), r.stderr
    validate_report(json.loads(r.stdout))
    assert _fingerprint(data) == before


def test_library_scan_file_and_dataframe(tmp_path):
    pd = pytest.importorskip("pandas")
    result = datasafe.scan(str(EXAMPLES / "3w_activities.xlsx"), ner="off")
    d = result.to_dict()
    validate_report(d)
    assert [t.name for t in result.tables] == ["3W", "Contacts", "Listes"]
    assert result.tables[2].hidden

    df = pd.DataFrame({"phone": ["+243812345678", "0812345678"], "code": ["00123", "00456"],
                       "n": [1, 2]})
    res = datasafe.scan(df, ner="off")
    d = res.to_dict()
    validate_report(d)
    assert d["files"][0]["format"] == "dataframe"
    assert d["files"][0]["tables"][0]["rows"] == 2
    assert json.loads(res.to_json()) == d


def test_ragged_rows_and_hidden_sheets_in_the_json(tmp_path):
    from openpyxl import Workbook

    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,c\n1,2,3\n4,5\n6,7,8,9\n", encoding="utf-8")
    wb = Workbook()
    wb.active.title = "visible"
    wb.active.append(["x", "y"])
    wb.active.append(["1", "2"])
    h = wb.create_sheet("secret")
    h.append(["k"])
    h.append(["v"])
    h.sheet_state = "hidden"
    wb.create_sheet("empty")
    book = tmp_path / "book.xlsx"
    wb.save(book)
    r = CliRunner().invoke(main, ["scan", str(ragged), str(book), "--format", "json",
                                  "--ner", "off"])
    assert r.exit_code in (0, 1), r.stderr
    report = json.loads(r.stdout)
    validate_report(report)
    t = report["files"][0]["tables"][0]
    assert t["ragged_rows"] == 2 and t["rows"] == 3
    assert any("different number of fields" in n for n in t["notes"])
    sheets = {s["name"]: s for s in report["files"][1]["tables"]}
    assert list(sheets) == ["visible", "secret", "empty"]
    assert sheets["secret"]["hidden"] is True and sheets["visible"]["hidden"] is False
    assert sheets["empty"]["rows"] == 0 and "empty sheet" in sheets["empty"]["notes"]


def test_scan_never_writes_its_report_over_a_scanned_file(tmp_path):
    """`scan data.csv -o data.csv` would replace the data with JSON: refused before anything
    is read (exit 2, one line), as is a report whose format its extension does not tell."""
    import hashlib

    from click.testing import CliRunner

    from datasafe.cli import main

    f = tmp_path / "staff.csv"
    f.write_text("name,phone\nAmina Yusuf,+243812345678\n", encoding="utf-8")
    before = hashlib.sha256(f.read_bytes()).hexdigest()
    for args in (["-o", str(f), "--format", "json"], ["--output", str(tmp_path / "STAFF.csv"),
                                                       "--format", "json"]):
        r = CliRunner().invoke(main, ["scan", str(f), *args])
        if r.exit_code == 2:
            assert "would overwrite the input" in r.stderr or "letter case" in r.stderr
            assert len(r.stderr.strip().splitlines()) == 1
    assert hashlib.sha256(f.read_bytes()).hexdigest() == before
    r = CliRunner().invoke(main, ["scan", str(f), "-o", str(tmp_path / "report.pdf")])
    assert r.exit_code == 2 and "cannot tell the report format" in r.stderr
    assert not (tmp_path / "report.pdf").exists()
    r = CliRunner().invoke(main, ["scan", str(f), "-o", str(tmp_path / "report.pdf"),
                                  "--format", "json"])
    assert r.exit_code == 1 and (tmp_path / "report.pdf").read_text().startswith("{")
    r = CliRunner().invoke(main, ["gx", "export", str(f), "--output", str(f)])
    assert r.exit_code == 2 and hashlib.sha256(f.read_bytes()).hexdigest() == before


def test_a_mistyped_column_option_is_an_error_not_a_silent_choice(tmp_path):
    from click.testing import CliRunner

    from datasafe.cli import main

    f = tmp_path / "survey.csv"
    rows = ["village,sex,age,phone,weight"] + [
        f"Kaya,{'FM'[i % 2]},{20 + i % 40},+24381{i:07d},{1.5 + i % 3}" for i in range(40)]
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    for args, said in ((["--key-vars", "village,sexe"], "--key-vars: no column 'sexe'"),
                       (["--weight", "poids"], "--weight: no column 'poids'"),
                       (["--household-id", "hh"], "--household-id: no column 'hh'"),
                       (["--weight", "phone"], "'phone' is a direct identifier (PHONE_NUMBER)")):
        r = CliRunner().invoke(main, ["scan", str(f), "--ner", "off", *args])
        assert r.exit_code == 2, args
        assert said in r.stderr and len(r.stderr.strip().splitlines()) == 1
        assert "+24381" not in r.output
    r = CliRunner().invoke(main, ["scan", str(f), "--ner", "off", "--key-vars", "Village,SEX",
                                  "--weight", "weight", "--format", "json"])
    assert r.exit_code in (0, 1), r.output
    import json

    risk = json.loads(r.stdout)["files"][0]["tables"][0]["risk"]
    assert risk["quasi_identifiers"] == ["village", "sex"] and risk["weight"] == "weight"
    assert CliRunner().invoke(main, ["scan", str(f), "--ner", "off", "--weight",
                                     "none"]).exit_code in (0, 1)


def test_a_folder_with_no_data_file_is_not_a_pass(tmp_path):
    from click.testing import CliRunner

    from datasafe.cli import main

    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04 not data")
    r = CliRunner().invoke(main, ["scan", str(tmp_path)])
    assert r.exit_code == 2 and "no data file to scan here" in r.stderr
    assert "PASS" not in r.stdout


def test_the_commonest_refusals_are_said_in_french(tmp_path):
    from click.testing import CliRunner

    from datasafe.cli import main

    f = tmp_path / "s.csv"
    f.write_text("village,sex\nGoma,F\nBeni,M\n", encoding="utf-8")
    empty = tmp_path / "vide"
    empty.mkdir()
    for args, said in (
            (["scan", str(f), "--key-vars", "sexe", "--lang", "fr"],
             "--key-vars : aucune colonne « sexe » dans les données"),
            (["scan", str(empty), "--lang", "fr"], "aucun fichier de données à analyser ici"),
            (["checks", "explain", "DR-XYZ", "--lang", "fr"], "contrôle inconnu « DR-XYZ »"),
            (["retention", str(tmp_path / "absent.csv"), "--lang", "fr"],
             "absent.csv : fichier introuvable")):
        r = CliRunner().invoke(main, args)
        assert r.exit_code == 2 and said in r.stderr, (args, r.stderr)


def test_a_mistyped_column_in_the_config_or_the_library_is_refused_too(tmp_path, monkeypatch):
    """key_vars with a typo in .datasafe.yaml made the run PASS on the one column it found."""
    from click.testing import CliRunner

    from datasafe.cli import main
    from datasafe.pipeline import OptionError

    f = tmp_path / "q.csv"
    rows = ["age,sex,admin2,household_size"] + [
        f"{18 + i % 60},{'MF'[i % 2]},{['Uvira', 'Fizi', 'Goma'][i % 3]},{1 + i % 9}"
        for i in range(300)]
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / ".datasafe.yaml").write_text(
        "profile: partner-restricted\nkey_vars: [Admin 2, Sexe, Age]\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["scan", str(f), "--ner", "off"])
    assert r.exit_code == 2
    assert "key_vars (config): no column 'Admin 2'" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    # the library raises instead of measuring a weaker risk
    with pytest.raises(OptionError, match="key_vars: no column 'admn2'"):
        datasafe.scan(str(f), key_vars=["admn2"], ner="off")
    with pytest.raises(OptionError, match="weight: no column"):
        datasafe.scan(str(f), weight="poids", ner="off")
    ok = datasafe.scan(str(f), key_vars="Admin2, SEX", ner="off")  # a string, as on the CLI
    assert ok.tables[0].risk.quasi_identifiers == ["admin2", "sex"]


@pytest.mark.parametrize("option,value", [("fail_on", "Medium"), ("fail_on", "severe"),
                                          ("destination", "Public"), ("ner", "Off"),
                                          ("engine", "spark")])
def test_the_library_refuses_an_option_value_it_does_not_know(tmp_path, option, value):
    from datasafe.pipeline import OptionError

    f = tmp_path / "t.csv"
    f.write_text("age,sex\n30,F\n41,M\n", encoding="utf-8")
    with pytest.raises(OptionError, match=f"{option}: '{value}' is not one of"):
        datasafe.scan(str(f), **{option: value})


def test_the_library_refuses_a_series_without_echoing_its_values():
    import pandas as pd

    names = pd.Series(["Grace Tshibanda", "Ali Kasongo"])
    with pytest.raises(TypeError) as err:
        datasafe.scan(names)
    assert "Series" in str(err.value) and "Grace" not in str(err.value)
    with pytest.raises(TypeError) as err:
        datasafe.scan([1, 2])
    assert "list of paths" in str(err.value)
    with pytest.raises(TypeError):
        datasafe.scan(42)


def test_scan_and_redact_leave_the_callers_options_as_they_were(tmp_path):
    from datasafe.pipeline import ScanOptions

    f = tmp_path / "t.csv"
    f.write_text("name,age,sex\nAmina Kabila,30,F\nJean Mukendi,41,M\n", encoding="utf-8")
    o = ScanOptions(ner="off")
    datasafe.scan(str(f), options=o, key_vars=["sex"], profile="hdx-public")
    datasafe.redact(str(f), options=o, profile="hdx-public", output=tmp_path / "r.csv",
                    key_vars=["age"], key="k" * 32)
    assert o.profile is None and o.key_vars is None


def test_redaction_names_a_key_variable_it_then_drops_without_failing_its_proof(tmp_path):
    """The proof scan reads a copy without the columns the plan dropped: a key variable named
    on the command line may be one of them."""
    rows = ["full_name,phone,village,sex,age"] + [
        f"Person {i},+2438{i:08d},Village {i % 30},{'MF'[i % 2]},{20 + i % 50}"
        for i in range(200)]
    f = tmp_path / "b.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = datasafe.redact(str(f), profile="hdx-public", output=tmp_path / "b.red.csv",
                          key_vars=["phone", "village"], ner="off", key="k" * 32)
    assert (tmp_path / "b.red.csv").exists() and res.files[0].after is not None


def test_redact_refuses_a_mistyped_key_variable_before_writing(tmp_path):
    from click.testing import CliRunner

    from datasafe.cli import main

    rows = ["full_name,village,sex,age"] + [
        f"Amina Kabila,Village {i % 30},{'MF'[i % 2]},{20 + i % 50}" for i in range(100)]
    f = tmp_path / "b.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["redact", str(f), "--key-vars", "sexe,village", "-o",
                                  str(tmp_path / "out.csv")], env={"DATASAFE_KEY": "k" * 32})
    assert r.exit_code == 2 and "--key-vars: no column 'sexe'" in r.stderr
    assert not (tmp_path / "out.csv").exists()
