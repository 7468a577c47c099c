"""SARIF 2.1.0 output, validated against the OASIS schema shipped in tests/data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datasafe.report import render
from tests.test_report import (  # noqa: F401 - the fixture applies to these tests too
    CANARIES,
    _hand_built_catalogue,
    clean_result,
    rich_result,
)

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


def validate_sarif(doc: dict) -> None:
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])


def test_schema_copy_is_a_valid_draft7_schema():
    import jsonschema

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["properties"]["version"] == {"enum": ["2.1.0"]}
    # the schema is strict: an unknown property is rejected
    validator = jsonschema.Draft7Validator(schema)
    assert list(validator.iter_errors({"version": "2.1.0", "runs": [], "bogus": 1}))


def test_sarif_valid_and_complete():
    doc = json.loads(render(rich_result(), "sarif"))
    validate_sarif(doc)
    assert doc["version"] == "2.1.0"
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "datasafe" and driver["version"] == "0.3.0"
    # the file is the artifact
    uris = [a["location"]["uri"] for a in run["artifacts"]]
    assert uris == ["data/registration%202024.xlsx", "data/broken.csv", "data/3w.csv"]
    assert run["artifacts"][0]["hashes"]["sha-256"] == "ab" * 32
    results = run["results"]
    assert len(results) == 7
    rule_ids = [r["id"] for r in driver["rules"]]
    for res in results:
        assert driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"]
        assert res["locations"][0]["physicalLocation"]["region"]["startLine"] >= 1
        assert res["partialFingerprints"]["datasafeFinding/v1"]
    assert set(rule_ids) >= {r["ruleId"] for r in results}
    first = results[0]
    assert first["ruleId"] == "DR-DEID-01" and first["level"] == "error"
    # sheet and column as logical locations
    loc = first["locations"][0]
    assert loc["physicalLocation"]["artifactLocation"] == {"uri": "data/registration%202024.xlsx",
                                                           "index": 0}
    ll = loc["logicalLocations"][0]
    assert ll["name"] == "Nom complet" and ll["fullyQualifiedName"] == "Bénéficiaires/Nom complet"
    assert ll["kind"] == "member"
    parent = run["logicalLocations"][run["logicalLocations"][ll["index"]]["parentIndex"]]
    assert parent["name"] == "Bénéficiaires" and parent["kind"] == "module"
    levels = {r["properties"]["severity"]: r["level"] for r in results}
    assert levels == {"critical": "error", "high": "error", "medium": "warning", "low": "note",
                      "info": "note"}
    # an accepted finding is suppressed, not dropped
    accepted = [r for r in results if r.get("suppressions")]
    assert len(accepted) == 1 and accepted[0]["suppressions"][0]["status"] == "accepted"
    # the unreadable file is a tool notification
    inv = run["invocations"][0]
    assert inv["executionSuccessful"] is False and inv["exitCode"] == 2
    assert "corrupt gzip" in inv["toolExecutionNotifications"][0]["message"]["text"]
    # the fix is in the message (what code-scanning UIs show)
    assert "Fix: Drop the column" in first["message"]["text"]
    for canary in CANARIES:
        assert canary not in json.dumps(doc, ensure_ascii=False)


def test_sarif_clean_run_is_valid():
    doc = json.loads(render(clean_result(), "sarif"))
    validate_sarif(doc)
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_sarif_delimited_region_is_the_header_row():
    r = rich_result()
    from datasafe.model import Finding

    r.findings.append(Finding("DR-X", "low", "data/3w.csv", None, "Admin2", "m", "g"))
    r.files[2].tables[0].header_row = 3
    doc = json.loads(render(r, "sarif"))
    validate_sarif(doc)
    res = [x for x in doc["runs"][0]["results"] if x["ruleId"] == "DR-X"][0]
    assert res["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}
    # no sheet for a CSV: the column is the only logical location
    assert res["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "Admin2"


def test_sarif_same_sheet_names_in_two_files_stay_unique():
    r = rich_result()
    from datasafe.model import Finding

    r.findings.append(Finding("DR-X", "low", "data/3w.csv", "Bénéficiaires", "Nom complet",
                              "m", "g"))
    validate_sarif(json.loads(render(r, "sarif")))  # logicalLocations has uniqueItems


def test_sarif_rules_from_the_catalogue(monkeypatch):
    from datasafe.report import common

    fake = {
        "DR-DEID-01": {
            "id": "DR-DEID-01", "title": "Direct identifier present", "area": "deidentification",
            "rationale": "Names, phones and ID numbers identify people on their own.",
            "severity": {"public": "critical", "partner": "high", "internal": "medium"},
            "fix": "Drop the column or pseudonymise it with a key.",
            "guidance": {"summary": "Remove direct identifiers before sharing",
                         "citations": [{"source": "DRG21", "section": "de-identification"}]},
        },
        "DR-OTHER-02": {"id": "DR-OTHER-02", "title": "Something else", "severity": "low"},
    }
    monkeypatch.setattr(common, "_catalogue", lambda: fake)
    doc = json.loads(render(rich_result(), "sarif"))
    validate_sarif(doc)
    rules = {r["id"]: r for r in doc["runs"][0]["tool"]["driver"]["rules"]}
    rule = rules["DR-DEID-01"]
    assert rule["shortDescription"]["text"] == "Direct identifier present"
    assert rule["fullDescription"]["text"].startswith("Names, phones")
    assert "Fix: Drop the column or pseudonymise" in rule["help"]["text"]
    assert "DRG21 de-identification" in rule["help"]["text"]
    assert rule["defaultConfiguration"]["level"] == "error"  # public destination → critical
    assert rule["properties"]["security-severity"] == "9.5"
    assert "DR-OTHER-02" in rules  # every catalogue check, not only those that fired
    assert "DR-META-01" in rules  # and checks that fired without a catalogue entry


@pytest.mark.parametrize("path,uri", [
    ("a b/c.csv", "a%20b/c.csv"), ("/abs/x.csv", "file:///abs/x.csv"),
    ("<dataframe>", "dataframe"), ("données/é.xlsx", "donn%C3%A9es/%C3%A9.xlsx"),
])
def test_artifact_uri(path, uri):
    from datasafe.report.sarif import artifact_uri

    assert artifact_uri(path) == uri


def test_sarif_paths_and_fingerprints_do_not_depend_on_where_the_scan_ran(tmp_path, monkeypatch):
    """From the repository root, from data/ or from elsewhere with an absolute path, the same
    finding has the same URI (relative to %SRCROOT%) and the same fingerprint; run from outside,
    the repository's config and baseline still apply."""
    import subprocess

    from click.testing import CliRunner

    from datasafe.cli import main

    repo = tmp_path / "repo"
    (repo / "data" / "micro").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    f = repo / "data" / "micro" / "survey.csv"
    f.write_text("full_name,phone,age\n" + "".join(
        f"Amina Kabila{i},+24381{1000000 + i * 7919},{20 + i}\n" for i in range(30)),
        encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    runs = {}
    for cwd, target in ((repo, "data/micro/survey.csv"), (repo / "data", "micro/survey.csv"),
                        (elsewhere, str(f))):
        monkeypatch.chdir(cwd)
        r = CliRunner().invoke(main, ["scan", target, "--ner", "off", "--format", "sarif"])
        doc = json.loads(r.stdout)
        validate_sarif(doc)
        run = doc["runs"][0]
        runs[str(cwd)] = run
        res = run["results"][0]
        loc = res["locations"][0]["physicalLocation"]["artifactLocation"]
        assert loc["uri"] == "data/micro/survey.csv" and loc["uriBaseId"] == "%SRCROOT%"
        assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"].endswith("/repo/")
    prints = {k: sorted(r["partialFingerprints"]["datasafeFinding/v1"] for r in v["results"])
              for k, v in runs.items()}
    assert len({tuple(v) for v in prints.values()}) == 1
    # the repository's config applies from outside too
    (repo / ".datasafe.yaml").write_text("fail_on: critical\n", encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    assert CliRunner().invoke(main, ["scan", str(f), "--ner", "off", "-q"]).exit_code == 0
