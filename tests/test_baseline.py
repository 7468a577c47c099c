"""Baseline of accepted findings: keys, stable bytes, merge, audit, and its use by scan and the
hook.

Detection and checks are other stages; these tests stand them in with a small stub (a column
whose header says "phone" is a direct identifier and gets one DR-PII-01 finding) so that the
baseline logic is tested on its own. The end-to-end run with the real stages and the real
pre-commit program is in tests/test_hook.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from datasafe.baseline import (
    BASELINE_NAME,
    Baseline,
    BaselineError,
    Entry,
    apply_acceptance,
    column_hash,
    entries_from_result,
    merge,
)
from datasafe.cli import main
from datasafe.model import ColumnResult, Entity, FileResult, Finding, ScanResult, TableResult

PHONES = ["+243812345678", "+243998877665", "+243970001122"]


def _stub_analyse(tables, fres, options, profile):
    for t in tables:
        tr = TableResult(name=t.name, rows=t.rows)
        for i, (h, k) in enumerate(zip(t.headers, t.keys)):
            c = ColumnResult(name=h, key=k, index=i)
            if "phone" in h.lower():
                c.role = "direct"
                c.entities = [Entity("PHONE_NUMBER", 0.95, 1.0, ["header", "values"])]
            tr.columns.append(c)
        fres.tables.append(tr)


def _stub_checks(result, tables_by_file, options, profile):
    for fres, _tables in tables_by_file:
        for t in fres.tables:
            for c in t.columns:
                if c.role == "direct":
                    f = Finding(check="DR-PII-01", severity="high", file=fres.path, table=t.name,
                                column=c.name, message=f"Direct identifier ({c.entity})",
                                guidance="IASC23, data minimisation", fix="Remove the column.")
                    result.findings.append(f)
                    t.findings.append(f)
    result.summary.verdict = "fail" if result.exit_code else "pass"


@pytest.fixture
def stub_stages(monkeypatch):
    """Stand-in detection and checks (see the module docstring)."""
    from datasafe import checking, pipeline

    monkeypatch.setattr(pipeline, "analyse_tables", _stub_analyse)
    monkeypatch.setattr(checking, "run_checks", _stub_checks)


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A git repository with one file holding phone numbers and one clean file."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "config", "user.name", "Test Officer"], check=True)
    subprocess.run(["git", "-C", str(tmp_path), "config", "user.email", "t@example.org"],
                   check=True)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "contacts.csv").write_text(
        "name_code,Phone,district\n" + "".join(f"P{i},{p},Goma\n" for i, p in enumerate(PHONES)),
        encoding="utf-8")
    (tmp_path / "data" / "stock.csv").write_text("item,kg\nrice,1200\nbeans,800\n",
                                                 encoding="utf-8")
    subprocess.run(["git", "-C", str(tmp_path), "add", "data"], check=True)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


# --------------------------------------------------------------------------------------------
# Unit level: keys and serialisation


def _result_with_finding(path="data/a.csv", column="Phone", entity="PHONE_NUMBER", sheet=None):
    r = ScanResult(fail_on="high")
    fres = FileResult(path=path, format="csv")
    t = TableResult(name=sheet, rows=3)
    c = ColumnResult(name=column, key=column, index=0)
    c.entities = [Entity(entity, 0.9)]
    t.columns.append(c)
    f = Finding(check="DR-PII-01", severity="high", file=path, table=sheet, column=column,
                message="m", guidance="g")
    t.findings.append(f)
    fres.tables.append(t)
    r.files.append(fres)
    r.findings.append(f)
    return r, f


def test_column_hash_is_keyed_and_depends_on_identity():
    h = column_hash("s1", "a.csv", None, "Phone", "PHONE_NUMBER")
    assert h == column_hash("s1", "a.csv", None, "Phone", "PHONE_NUMBER")
    assert len(h) == 32 and all(ch in "0123456789abcdef" for ch in h)
    assert h != column_hash("s2", "a.csv", None, "Phone", "PHONE_NUMBER")  # salt
    assert h != column_hash("s1", "a.csv", None, "Phone", "EMAIL_ADDRESS")  # entity changed
    assert h != column_hash("s1", "b.csv", None, "Phone", "PHONE_NUMBER")  # other file
    assert h != column_hash("s1", "a.csv", "Sheet1", "Phone", "PHONE_NUMBER")  # other sheet


def test_apply_acceptance_marks_finding_and_changes_exit_code(tmp_path):
    r, f = _result_with_finding()
    assert r.exit_code == 1
    b = Baseline.new()
    for e in entries_from_result(r, b.salt, tmp_path):
        b.entries[e.key] = e
    r2, f2 = _result_with_finding()
    assert apply_acceptance(r2, {}, b, tmp_path) == 1
    assert f2.accepted == {"source": "baseline", "status": "unreviewed"}
    assert r2.exit_code == 0 and r2.summary.verdict == "pass"
    assert r2.to_dict()["findings"][0]["accepted"]["source"] == "baseline"
    # same column, but now it holds e-mail addresses: a new finding
    r3, f3 = _result_with_finding(entity="EMAIL_ADDRESS")
    assert apply_acceptance(r3, {}, b, tmp_path) == 0 and r3.exit_code == 1


def test_rejected_entry_still_fails(tmp_path):
    r, _ = _result_with_finding()
    b = Baseline.new()
    for e in entries_from_result(r, b.salt, tmp_path):
        e.status, e.by, e.reason = "rejected", "x", "must be removed"
        b.entries[e.key] = e
    r2, f2 = _result_with_finding()
    apply_acceptance(r2, {}, b, tmp_path)
    assert f2.accepted is None and r2.exit_code == 1


def test_serialisation_sorted_stable_and_roundtrips(tmp_path):
    b = Baseline(salt="00" * 16)
    for file, col in [("z.csv", "b"), ("a.csv", "z"), ("a.csv", "a")]:
        e = Entry(file=file, sheet=None, column=col, check="DR-PII-01",
                  hash=column_hash(b.salt, file, None, col, None), severity="high")
        b.entries[e.key] = e
    text = b.to_json()
    doc = json.loads(text)
    assert [(d["file"], d["column"]) for d in doc["findings"]] == [
        ("a.csv", "a"), ("a.csv", "z"), ("z.csv", "b")]
    p = tmp_path / BASELINE_NAME
    b.save(p)
    assert Baseline.load(p).to_json() == text == p.read_text(encoding="utf-8")
    assert text.endswith("\n")


def test_merge_adds_removes_and_keeps(tmp_path):
    b = Baseline(salt="ab" * 16)

    def entry(file, col):
        return Entry(file=file, sheet=None, column=col, check="DR-PII-01",
                     hash=column_hash(b.salt, file, None, col, None))

    kept = entry("other.csv", "phone")
    old = entry("a.csv", "gone")
    audited = entry("a.csv", "phone")
    audited.status, audited.by, audited.reason = "accepted", "me", "consented"
    for e in (kept, old, audited):
        b.entries[e.key] = e
    stats = merge(b, [entry("a.csv", "phone"), entry("a.csv", "new")], {"a.csv"})
    assert stats == {"added": 1, "removed": 1, "total": 3, "escalated": 0}
    assert b.get(audited.key).reason == "consented"  # audit kept
    assert b.get(kept.key) is not None  # file not scanned: kept
    assert b.get(old.key) is None


@pytest.mark.parametrize("text,msg", [
    ("{not json", "not a valid baseline"),
    ('{"findings": []}', "not a datasafe baseline"),
    ('{"salt": "x", "findings": [{"file": "a"}]}', "lacks"),
    ('{"salt": "x", "version": 99, "findings": []}', "newer"),
])
def test_bad_baseline_files(tmp_path, text, msg):
    p = tmp_path / BASELINE_NAME
    p.write_text(text, encoding="utf-8")
    with pytest.raises(BaselineError, match=msg):
        Baseline.load(p)


# --------------------------------------------------------------------------------------------
# Command line (stub detection and checks)


def test_create_has_no_values_rows_or_timestamps_and_is_byte_stable(repo, stub_stages):
    r = run("baseline", "create")
    assert r.exit_code == 0, r.output
    assert "1 finding(s) (1 added, 0 removed); 1 not yet reviewed" in r.output
    path = repo / BASELINE_NAME
    first = path.read_bytes()
    doc = json.loads(first)
    assert set(doc) == {"version", "tool", "hash", "salt", "findings"}
    (entry,) = doc["findings"]
    assert entry == {"file": "data/contacts.csv", "sheet": None, "column": "Phone",
                     "check": "DR-PII-01", "hash": entry["hash"], "severity": "high",
                     "status": "unreviewed"}
    text = first.decode("utf-8")
    for p in PHONES:  # never a raw value, not even a part of one
        assert p not in text and p[-6:] not in text
    assert "P0" not in text and "Goma" not in text
    assert not any(w in text for w in ("row", "line", "time", "date", "2026"))
    r = run("baseline", "create")
    assert r.exit_code == 0 and path.read_bytes() == first  # create twice: identical bytes
    r = run("baseline", "update")
    assert r.exit_code == 0 and path.read_bytes() == first  # nothing new: no churn


def test_scan_reports_accepted_and_passes_and_new_finding_fails(repo, stub_stages):
    assert run("scan", "data/contacts.csv", "--format", "json").exit_code == 1
    assert run("baseline", "create").exit_code == 0
    r = run("scan", "data/contacts.csv", "--format", "json")
    assert r.exit_code == 0, r.output
    report = json.loads(r.output)
    (f,) = report["findings"]
    assert f["accepted"]["source"] == "baseline"
    from tests.conftest import validate_report

    validate_report(report)
    # --no-baseline reports it again
    assert run("scan", "data/contacts.csv", "--no-baseline", "--quiet").exit_code == 1
    # a new phone column is a new finding
    (repo / "data" / "contacts.csv").write_text(
        "name_code,Phone,Mobile phone\nP1,+243812345678,+243998877665\n", encoding="utf-8")
    r = run("scan", "data/contacts.csv", "--format", "json")
    assert r.exit_code == 1
    report = json.loads(r.output)
    states = {f["column"]: f.get("accepted") for f in report["findings"]}
    assert states["Phone"]["source"] == "baseline" and states["Mobile phone"] is None


def test_explicit_baseline_option_and_missing_file(repo, stub_stages):
    assert run("baseline", "create", "--file", "elsewhere.json").exit_code == 0
    assert not (repo / BASELINE_NAME).exists()
    assert run("scan", "data/contacts.csv", "--quiet").exit_code == 1
    assert run("scan", "data/contacts.csv", "--quiet", "--baseline", "elsewhere.json"
               ).exit_code == 0
    r = CliRunner().invoke(main, ["scan", "data/contacts.csv", "--baseline", "absent.json"])
    assert r.exit_code == 2 and "absent.json" in r.output and "no such baseline" in r.output


def test_corrupt_baseline_is_exit_2_one_line(repo, stub_stages):
    (repo / BASELINE_NAME).write_text("<<<<<<< HEAD\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["scan", "data/stock.csv"])
    assert r.exit_code == 2
    assert "not a valid baseline" in r.output and "Traceback" not in r.output


def test_update_merges_new_file_and_keeps_audit(repo, stub_stages):
    assert run("baseline", "create").exit_code == 0
    r = run("baseline", "audit", "--yes", "--reason", "consented contact list", "--by", "A. Officer")
    assert r.exit_code == 0 and "1 finding(s) accepted by A. Officer" in r.output
    (repo / "data" / "more.csv").write_text("phone\n+243812345670\n", encoding="utf-8")
    r = run("baseline", "update", "data/more.csv")
    assert r.exit_code == 0 and "2 finding(s) (1 added, 0 removed)" in r.output
    doc = json.loads((repo / BASELINE_NAME).read_text(encoding="utf-8"))
    by_file = {d["file"]: d for d in doc["findings"]}
    assert by_file["data/contacts.csv"]["by"] == "A. Officer"
    assert by_file["data/contacts.csv"]["reason"] == "consented contact list"
    assert by_file["data/more.csv"]["status"] == "unreviewed"
    # the phone column goes away: update removes its entry
    (repo / "data" / "more.csv").write_text("item\nrice\n", encoding="utf-8")
    r = run("baseline", "update", "data/more.csv")
    assert "1 finding(s) (0 added, 1 removed)" in r.output
    # create keeps the audit of the findings still present
    before = (repo / BASELINE_NAME).read_bytes()
    assert run("baseline", "create").exit_code == 0
    assert (repo / BASELINE_NAME).read_bytes() == before


def test_audit_interactive_records_who_and_why(repo, stub_stages):
    (repo / "data" / "more.csv").write_text("phone\n+243812345670\n", encoding="utf-8")
    subprocess.run(["git", "add", "data/more.csv"], check=True)
    assert run("baseline", "create").exit_code == 0
    # first: accept with a reason (an empty reason is asked again); second: reject
    r = run("baseline", "audit", input="a\n\nconsented for follow-up calls\nr\nnot needed\n")
    assert r.exit_code == 0, r.output
    assert "[1/2]" in r.output and "[2/2]" in r.output
    assert "2 finding(s) reviewed by Test Officer <t@example.org>" in r.output
    doc = json.loads((repo / BASELINE_NAME).read_text(encoding="utf-8"))
    by_file = {d["file"]: d for d in doc["findings"]}
    assert by_file["data/contacts.csv"]["status"] == "accepted"
    assert by_file["data/contacts.csv"]["reason"] == "consented for follow-up calls"
    assert by_file["data/contacts.csv"]["by"] == "Test Officer <t@example.org>"
    assert by_file["data/more.csv"]["status"] == "rejected"
    # the rejected one fails, the accepted one passes
    assert run("scan", "data/contacts.csv", "--quiet").exit_code == 0
    assert run("scan", "data/more.csv", "--quiet").exit_code == 1
    r = run("baseline", "audit")
    assert "Nothing to review" in r.output
    r = run("baseline", "audit", "--list")
    assert "accepted by Test Officer" in r.output and "rejected" in r.output
    # --all walks the reviewed ones again; quitting changes nothing
    before = (repo / BASELINE_NAME).read_bytes()
    r = run("baseline", "audit", "--all", input="q\n")
    assert r.exit_code == 0 and (repo / BASELINE_NAME).read_bytes() == before


def test_audit_needs_a_reason(repo, stub_stages):
    assert run("baseline", "create").exit_code == 0
    r = CliRunner().invoke(main, ["baseline", "audit", "--yes"])
    assert r.exit_code == 2 and "--reason is required" in r.output
    r = CliRunner().invoke(main, ["baseline", "audit", "--yes", "--reason", "  "])
    assert r.exit_code == 2


def test_workbook_sheets_are_part_of_the_key(repo, stub_stages):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Kinshasa"
    ws.append(["code", "phone"])
    ws.append(["A1", PHONES[0]])
    ws2 = wb.create_sheet("Goma")
    ws2.append(["code", "phone"])
    ws2.append(["B1", PHONES[1]])
    wb.save(repo / "data" / "lists.xlsx")
    subprocess.run(["git", "add", "data/lists.xlsx"], check=True)
    assert run("baseline", "create").exit_code == 0
    doc = json.loads((repo / BASELINE_NAME).read_text(encoding="utf-8"))
    sheets = sorted((d["sheet"] or "") for d in doc["findings"] if d["file"] == "data/lists.xlsx")
    assert sheets == ["Goma", "Kinshasa"]
    assert run("hook", "data/lists.xlsx").exit_code == 0
    # a third sheet with phones is new
    wb.create_sheet("Bukavu").append(["code", "phone"])
    wb["Bukavu"].append(["C1", PHONES[2]])
    wb.save(repo / "data" / "lists.xlsx")
    r = run("hook", "data/lists.xlsx")
    assert r.exit_code == 1 and "sheet 'Bukavu', column 'phone'" in r.output
    assert "Goma" not in r.output and "Kinshasa" not in r.output


def test_create_refuses_unreadable_files(repo, stub_stages):
    (repo / "data" / "broken.xlsx").write_bytes(b"not a workbook")
    subprocess.run(["git", "add", "data/broken.xlsx"], check=True)
    r = CliRunner().invoke(main, ["baseline", "create"])
    assert r.exit_code == 2 and "broken.xlsx" in r.output
    assert not (repo / BASELINE_NAME).exists()


# --------------------------------------------------------------------------------------------
# Hook command (stub detection and checks); the real pre-commit run is in test_hook.py


def test_hook_quiet_on_success_and_readable_on_failure(repo, stub_stages):
    r = run("hook", "data/stock.csv")
    assert r.exit_code == 0 and r.output == ""
    r = run("hook")  # no files: nothing to do
    assert r.exit_code == 0 and r.output == ""
    r = run("hook", "data/stock.csv", "data/contacts.csv", "README.md")
    assert r.exit_code == 1
    assert "1 new finding at or above 'high'" in r.output
    assert "data/contacts.csv" in r.output and "column 'Phone'" in r.output
    assert "DR-PII-01" in r.output and "datasafe baseline update" in r.output
    for p in PHONES:
        assert p not in r.output
    assert run("baseline", "create").exit_code == 0
    r = run("hook", "data/stock.csv", "data/contacts.csv")
    assert r.exit_code == 0 and r.output == ""


def test_hook_fail_on_option_wins_over_config(repo, stub_stages):
    (repo / ".datasafe.yaml").write_text("fail_on: critical\n", encoding="utf-8")
    assert run("hook", "data/contacts.csv").exit_code == 0  # high < critical
    assert run("hook", "data/contacts.csv", "--fail-on", "high").exit_code == 1


def test_hook_skips_ignored_paths(repo, stub_stages):
    (repo / ".datasafe.yaml").write_text("ignore: [data/contacts.csv]\n", encoding="utf-8")
    r = run("hook", "data/contacts.csv")
    assert r.exit_code == 0 and r.output == ""


def test_hook_bad_config_exit_2(repo, stub_stages):
    (repo / ".datasafe.yaml").write_text("allow:\n  - file: data/contacts.csv\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["hook", "data/contacts.csv"])
    assert r.exit_code == 2 and "reason" in r.output


def test_hook_does_not_import_heavy_modules_without_data_files(repo):
    code = ("import sys; from datasafe.cli import run; sys.argv=['datasafe','hook','README.md'];"
            "\ntry: run()\nexcept SystemExit as e: assert e.code in (0, None), e.code\n"
            "heavy=[m for m in ('pandas','pyarrow','spacy','presidio_analyzer',"
            "'great_expectations','jinja2') if m in sys.modules]\nprint(heavy)")
    env = dict(os.environ)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_a_french_team_reviews_its_baseline_in_french(repo, stub_stages, monkeypatch):
    """`lang: fr` in the settings: create, the interactive review (same letters: [a]ccepter,
    [r]efuser, [s]auter, [q]uitter) and --list speak French; the baseline file keeps its codes."""
    (repo / ".datasafe.yaml").write_text("lang: fr\n", encoding="utf-8")
    monkeypatch.delenv("DATASAFE_LANG", raising=False)
    r = run("baseline", "create")
    assert r.exit_code == 0 and "pas encore examiné(s)" in r.output
    assert "Indiquez qui les accepte et pourquoi" in r.output
    r = run("baseline", "audit", input="a\nconsentement recueilli\n")
    assert r.exit_code == 0, r.output
    assert "[a]ccepter, [r]efuser, [s]auter, [q]uitter" in r.output
    assert "colonne « Phone »" in r.output and "1 constat(s) examiné(s) par Test Officer" in r.output
    r = run("baseline", "audit", "--list")
    assert "[accepté par Test Officer <t@example.org> : consentement recueilli]" in r.output
    doc = json.loads((repo / BASELINE_NAME).read_text(encoding="utf-8"))
    assert doc["findings"][0]["status"] == "accepted"
    assert "Rien à examiner." in run("baseline", "audit").output


def test_hook_does_not_offer_to_accept_what_the_review_rejected(repo, stub_stages):
    """A finding rejected at the baseline review blocks the commit as before, but the hook
    says who rejected it and that the data must be fixed, instead of calling it new and
    suggesting to accept it."""
    assert run("baseline", "create").exit_code == 0
    r = run("baseline", "audit", "--reject", "--by", "IMO", "--reason", "phones must go")
    assert r.exit_code == 0, r.output
    r = run("hook", "data/contacts.csv")
    assert r.exit_code == 1
    assert "rejected at the baseline review by IMO: the data must be fixed" in r.output
    assert "were rejected at the baseline review: remove or redact the data" in r.output
    assert "datasafe baseline update" not in r.output
    for p in PHONES:
        assert p not in r.output


def test_a_finding_accepted_at_a_lower_severity_is_new_again_when_it_gets_worse(tmp_path):
    """Exact ages instead of age bands: DR-DEID-02 rose from low to medium (the failing
    level) and the accepted entry still let the commit through."""
    r, f = _result_with_finding()
    f.severity = "low"
    b = Baseline.new()
    for e in entries_from_result(r, b.salt, tmp_path):
        e.status, e.by, e.reason = "accepted", "A. Officer", "banded ages"
        b.entries[e.key] = e
    r2, f2 = _result_with_finding()  # now "high"
    assert apply_acceptance(r2, {}, b, tmp_path) == 0
    assert f2.accepted is None and f2.escalated_from == "low" and r2.exit_code == 1
    r3, f3 = _result_with_finding()
    f3.severity = "info"  # better than accepted: still covered
    assert apply_acceptance(r3, {}, b, tmp_path) == 1
    # baseline update records the new severity, and the old review no longer covers it
    fresh = entries_from_result(r2, b.salt, tmp_path)
    stats = merge(b, fresh, {"data/a.csv"})
    entry = b.get(fresh[0].key)
    assert stats["escalated"] == 1 and entry.status == "unreviewed" and entry.by is None
    assert entry.severity == "high"


def test_update_forgets_files_that_were_moved_or_deleted(repo, stub_stages):
    """After a move, the old path's acceptance let a different, unreviewed file at that path
    pass."""
    assert run("baseline", "create").exit_code == 0
    subprocess.run(["git", "mv", "data/contacts.csv", "data/archive.csv"], check=True)
    r = run("baseline", "update", "data/archive.csv")
    assert r.exit_code == 0
    doc = json.loads((repo / BASELINE_NAME).read_text(encoding="utf-8"))
    assert {d["file"] for d in doc["findings"]} == {"data/archive.csv"}
    (repo / "data" / "contacts.csv").write_text(
        "Phone\n+243811111111\n+243822222222\n", encoding="utf-8")
    assert run("hook", "data/contacts.csv").exit_code == 1


def test_sarif_says_an_unreviewed_baseline_entry_is_under_review(repo, stub_stages):
    assert run("baseline", "create").exit_code == 0
    r = run("scan", "data", "--format", "sarif")
    sups = [res["suppressions"][0] for res in json.loads(r.output)["runs"][0]["results"]
            if res.get("suppressions")]
    assert sups and all(s["status"] == "underReview" for s in sups)
    run("baseline", "audit", "--yes", "--reason", "consented", "--by", "A. Officer")
    r = run("scan", "data", "--format", "sarif")
    sups = [res["suppressions"][0] for res in json.loads(r.output)["runs"][0]["results"]
            if res.get("suppressions")]
    assert sups and all(s["status"] == "accepted" for s in sups)


def test_renaming_a_rejected_column_does_not_undo_the_rejection(tmp_path):
    """incident_type rejected at the review, renamed 'incident', baseline update: the new
    entry was unreviewed (accepted) and the hook passed."""
    b = Baseline(salt="ab" * 16)

    def entry(col):
        return Entry(file="cases.csv", sheet=None, column=col, check="DR-DII-02",
                     hash=column_hash(b.salt, "cases.csv", None, col, None))

    rejected = entry("incident_type")
    rejected.status, rejected.by, rejected.reason = "rejected", "DPO", "never share"
    b.entries[rejected.key] = rejected
    merge(b, [entry("incident")], {"cases.csv"})
    (e,) = b.entries.values()
    assert e.column == "incident" and e.status == "rejected" and e.by == "DPO"
