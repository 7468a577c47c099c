"""Sensitivity classification (low/moderate/high/severe, rules file (a) A3/A4), the destination
gate, sidecar declarations, approvals and retention."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess

import pytest

import datasafe
from datasafe.checking.sensitivity import DATA_TYPES, classify
from datasafe.profiles import Profile, load_profile
from tests.test_checks import _scan_df


def _df(**cols):
    import pandas as pd

    return pd.DataFrame(cols)


def test_microdata_with_direct_identifiers_is_severe():
    r = _scan_df(_df(full_name=["Amina Yusuf", "Jean Mbuyi"], age=["34", "51"]),
                 {"full_name": "direct/PERSON", "age": "quasi/AGE"}, "microdata")
    f = r.files[0]
    assert f.sensitivity == "severe" and r.summary.sensitivity == "severe"
    assert f.sensitivity_reasons[0].startswith("severe: row-level records of people")
    assert "full_name" in f.sensitivity_reasons[0]
    assert r.summary.reasons and all(x.startswith("severe:") for x in r.summary.reasons)


def test_household_survey_without_identifiers_is_high():
    r = _scan_df(_df(age=["34", "51"], sex=["F", "M"], hh_size=["5", "7"]),
                 {"age": "quasi/AGE", "sex": "quasi/SEX_GENDER",
                  "hh_size": "quasi/HOUSEHOLD_SIZE"}, "microdata")
    assert r.files[0].sensitivity == "high"
    assert any("survey" in x for x in r.files[0].sensitivity_reasons)


@pytest.mark.parametrize(("header", "level"), [("province", "low"), ("district", "low"),
                                                ("commune", "moderate"), ("village", "high")])
def test_aggregates_by_admin_level(header, level):
    r = _scan_df(_df(**{header: ["A", "B"], "households_in_need": ["1240", "2280"]}),
                 kind="aggregate")
    assert r.files[0].sensitivity == level, r.files[0].sensitivity_reasons


def test_nothing_personal_is_low():
    r = _scan_df(_df(sector=["WASH", "Health"], budget_usd=["120000", "80000"]))
    assert r.files[0].sensitivity == "low"
    assert r.files[0].sensitivity_reasons == ["low: no personal or sensitive data found"]


def test_isp_profile_reclassifies_a_data_type(tmp_path):
    prof = tmp_path / "somalia.yaml"
    prof.write_text("extends: isp-template\nname: somalia\n"
                    "isp: {classification: {survey_microdata: severe, site_coordinates: low}}\n",
                    encoding="utf-8")
    r = _scan_df(_df(age=["34", "51"], sex=["F", "M"]),
                 {"age": "quasi/AGE", "sex": "quasi/SEX_GENDER"}, "microdata",
                 profile=str(prof))
    assert r.files[0].sensitivity == "severe"
    p = load_profile(str(prof))
    level, _ = classify([("site_coordinates", "")], p)
    assert level == "low"


def test_isp_template_lists_every_data_type():
    p = load_profile("isp-template")
    assert set(p.raw["isp"]["classification"]) == set(DATA_TYPES)


def test_classify_takes_the_highest_level():
    level, reasons = classify([("aggregate_adm2", "x"), ("small_cells", "y"),
                               ("survey_microdata", "")], Profile(name="p"))
    assert level == "high" and reasons[0].startswith("high:")


# --- destination gate ---------------------------------------------------------------------------

def test_destination_gate():
    df = _df(age=["34", "51"], sex=["F", "M"])
    roles = {"age": "quasi/AGE", "sex": "quasi/SEX_GENDER"}
    pub = _scan_df(df, roles, "microdata", destination="public")
    f = [f for f in pub.findings if f.check == "DR-XFER-01"]
    assert f and f[0].details["sensitivity_level"] == "high" and f[0].severity == "high"
    part = _scan_df(df, roles, "microdata", destination="partner")
    assert not [f for f in part.findings if f.check == "DR-XFER-01"]
    none = _scan_df(df, roles, "microdata")
    assert not [f for f in none.findings if f.check == "DR-XFER-01"]


def _csv(tmp_path, name="reg.csv"):
    p = tmp_path / name
    p.write_text("full_name,phone,age\nAmina Yusuf,+243812345678,34\n"
                 "Jean Mbuyi,+243998877665,51\nEsther Kabila,+243810000001,27\n",
                 encoding="utf-8")
    return p


def _unit(case_csv, tmp_path, **case):
    from datasafe.checking.testing import run_unit

    case.setdefault("roles", {"full_name": "direct/PERSON", "phone": "direct/PHONE_NUMBER"})
    case.setdefault("kind", "microdata")
    case["csv"] = case_csv
    return run_unit(case, tmp_path)


CSV = "full_name,phone,age\nAmina Yusuf,+243812345678,34\nJean Mbuyi,+243998877665,51\n"


def test_sidecar_declared_lower_than_detected(tmp_path):
    r = _unit(CSV, tmp_path, sidecar={"sensitivity": "moderate"})
    f = [f for f in r.findings if f.check == "DR-META-01"]
    assert f and f[0].details["variant"] == "lower" and f[0].severity == "high"
    assert f[0].details["declared"] == "moderate" and f[0].details["detected"] == "severe"


def test_datapackage_block_is_a_sidecar(tmp_path):
    import json

    (tmp_path / "datapackage.json").write_text(json.dumps({"resources": [
        {"path": "case.csv", "datasafe": {"sensitivity": "low"}}]}), encoding="utf-8")
    r = _unit(CSV, tmp_path)
    assert any(f.check == "DR-META-01" and f.details["declared"] == "low" for f in r.findings)


def test_missing_declarations_under_partner_profile(tmp_path):
    r = _unit(CSV, tmp_path, profile="partner-restricted")
    missing = {f.details.get("variant", "") + ":" + str(f.details.get("missing", ""))
               for f in r.findings if f.check in ("DR-META-01", "DR-META-02")}
    assert "missing:None" in missing or any(m.startswith("missing") for m in missing)
    m2 = next(f for f in r.findings if f.check == "DR-META-02")
    assert m2.details["missing"] == "purpose, isp"


def test_approval_required_then_found(tmp_path):
    pytest.importorskip("datasafe.accountability.approval")
    from datasafe.accountability.approval import Approval, add_approval
    from datasafe.pipeline import sha256_file

    path = _csv(tmp_path)
    opts = dict(profile="partner-restricted", ner="off")
    r = datasafe.scan(str(path), **opts)
    f = [f for f in r.findings if f.check == "DR-XFER-02"]
    assert f and f[0].details["requires_approval"] is True and r.exit_code == 1
    add_approval(path, Approval(by="tester", destination="partner", reason="test",
                                sha256=sha256_file(path), profile="partner-restricted",
                                verdict="fail", time=dt.datetime.now().isoformat()))
    r = datasafe.scan(str(path), **opts)
    assert not [f for f in r.findings if f.check == "DR-XFER-02"]


# --- retention ------------------------------------------------------------------------------------

def test_retention_from_newest_date_column(tmp_path):
    csv = ("full_name,interview_date\nAmina Yusuf,2021-03-14\nJean Mbuyi,2021-04-02\n"
           "Esther Kabila,2021-05-20\n")
    r = _unit(csv, tmp_path, roles={"full_name": "direct/PERSON"})
    f = next(f for f in r.findings if f.check == "DR-RET-02")
    assert f.details["date"] == "2021-05-20" and "interview_date" in f.details["source"]
    assert f.details["age_months"] > 12


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_retention_from_git_commit_date(tmp_path):
    path = _csv(tmp_path)
    env = dict(os.environ, GIT_AUTHOR_DATE="2020-01-15T10:00:00+00:00",
               GIT_COMMITTER_DATE="2020-01-15T10:00:00+00:00", GIT_AUTHOR_NAME="t",
               GIT_AUTHOR_EMAIL="t@example.org", GIT_COMMITTER_NAME="t",
               GIT_COMMITTER_EMAIL="t@example.org")
    for cmd in (["git", "init", "-q"], ["git", "add", path.name],
                ["git", "commit", "-q", "-m", "data"]):
        subprocess.run(cmd, cwd=tmp_path, env=env, check=True, capture_output=True)
    r = datasafe.scan(str(path), ner="off")
    f = [f for f in r.findings if f.check == "DR-RET-02"]
    assert f and f[0].details["source"] == "last git commit" and f[0].details["date"] == \
        "2020-01-15"


def test_retention_no_git_no_date_is_quiet(tmp_path):
    path = _csv(tmp_path)
    r = datasafe.scan(str(path), ner="off")
    assert not [f for f in r.findings if f.check == "DR-RET-02"]


def test_retention_expired_and_required(tmp_path):
    r = _unit(CSV, tmp_path, sidecar={"retain_until": "2021-01-01"})
    f = next(f for f in r.findings if f.check == "DR-RET-01")
    assert f.details["variant"] == "expired" and f.severity == "high"
    r = _unit(CSV, tmp_path / "b", profile="internal")
    assert any(f.check == "DR-RET-01" and f.details["variant"] == "missing"
               for f in r.findings)


def test_reasons_are_structured_and_translated():
    from datasafe.checking.sensitivity import reasons_in

    r = _scan_df(_df(full_name=["Amina Yusuf", "Jean Mbuyi"], age=["34", "51"]),
                 {"full_name": "direct/PERSON", "age": "quasi/AGE"}, "microdata")
    details = r.files[0].extra["sensitivity_details"]
    assert details[0] == {"level": "severe", "data_type": "individual_records",
                          "where": ["column full_name"]}
    fr = reasons_in(details, "fr")
    assert fr[0].startswith("sévère\u00a0: enregistrements individuels avec identifiants directs")
    assert r.files[0].to_dict()["sensitivity_details"] == details


def test_header_only_file_is_low(tmp_path):
    p = tmp_path / "empty.csv"
    p.write_text("full_name,phone,latitude\n", encoding="utf-8")
    r = datasafe.scan(str(p), ner="off")
    assert r.files[0].sensitivity == "low" and not r.findings


def test_microdata_after_disclosure_control_is_publishable():
    """HDX publishes microdata whose global risk is below 3 % (rules (b) DR-DEID-03)."""
    import pandas as pd

    from datasafe.model import RiskResult

    df = pd.DataFrame({"age_group": ["30-39"] * 6 + ["40-49"] * 6, "sex": ["F", "M"] * 6})
    roles = {"age_group": "quasi/AGE", "sex": "quasi/SEX_GENDER"}

    def run(risk):
        from datasafe.checking import run_checks
        from datasafe.model import Entity, FileResult, ScanResult
        from datasafe.pipeline import ScanOptions
        from datasafe.profiling import profile_table
        from datasafe.read import table_from_dataframe

        table = table_from_dataframe(df)
        tres = profile_table(table)
        for c in tres.columns:
            role, _, ent = roles[c.name].partition("/")
            c.role, c.entities = role, [Entity(type=ent, confidence=0.9)]
        tres.kind, tres.risk = "microdata", risk
        opts = ScanOptions(profile="hdx-public")
        prof = opts.resolved_profile()
        res = ScanResult(profile=prof.name, fail_on=prof.fail_on, destination="public")
        fres = FileResult(path="<dataframe>", format="dataframe", tables=[tres])
        res.files.append(fres)
        run_checks(res, [(fres, [table])], opts, prof)
        return res

    safe = run(RiskResult(["age_group", "sex"], 6, 0, 5, 0.5, 0.04 / 4,
                          extra={"table_kind": "microdata", "records_above_risk_threshold": 0}))
    assert safe.files[0].sensitivity == "low", safe.files[0].sensitivity_reasons
    assert not [f for f in safe.findings if f.check == "DR-XFER-01"]
    risky = run(RiskResult(["age_group", "sex"], 1, 3, 5, 2.0, 0.2,
                           extra={"table_kind": "microdata", "records_above_risk_threshold": 3}))
    assert risky.files[0].sensitivity == "high"
    assert [f for f in risky.findings if f.check == "DR-XFER-01"]


def test_a_declared_sensitivity_is_a_floor(tmp_path):
    """A staff contact list with consent, declared 'moderate' by its owner, was shown as
    'Low … usually fit for public release'."""
    import shutil
    from pathlib import Path

    import datasafe

    src = Path(__file__).resolve().parents[1] / "examples" / "aid_worker_contacts.csv"
    f = tmp_path / "contacts.csv"
    shutil.copy(src, f)
    (tmp_path / "contacts.csv.datasafe.yaml").write_text(
        "consent: true\npurpose: coordination\nsensitivity: moderate\n", encoding="utf-8")
    res = datasafe.scan(str(f), profile="partner-restricted", ner="off")
    assert res.files[0].sensitivity == "moderate"
    assert any("declared" in r for r in res.files[0].sensitivity_reasons)
    # a lower declaration does not lower what the data shows
    (tmp_path / "contacts.csv.datasafe.yaml").write_text("sensitivity: low\n", encoding="utf-8")
    assert datasafe.scan(str(f), profile="partner-restricted",
                         ner="off").files[0].sensitivity != "low"
