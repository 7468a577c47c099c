"""Repository configuration: [tool.datasafe] in pyproject.toml or .datasafe.yaml."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from datasafe.cli import main
from datasafe.config import ConfigError, glob_match, is_ignored, load_config
from tests.test_baseline import repo, stub_stages  # noqa: F401 - fixtures


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_config_is_read_and_normalised(tmp_path):
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".datasafe.yaml", """
profile: hdx-public
fail-on: MEDIUM
ignore: archive/
key_vars: Age, Sex ,Village
phone_regions: [cd, ng]
allow:
  - file: data/*.csv
    column: District
    check: DR-QI-*
    reason: admin-2 names are published by OCHA
""")
    sub = tmp_path / "data" / "deep"
    sub.mkdir(parents=True)
    cfg = load_config(sub)  # found walking up from a sub-folder
    assert cfg["profile"] == "hdx-public" and cfg["fail_on"] == "medium"
    assert cfg["ignore"] == ["archive/"]
    assert cfg["key_vars"] == ["Age", "Sex", "Village"]
    assert cfg["phone_regions"] == ["CD", "NG"]
    assert cfg["allow"] == [{"file": "data/*.csv", "sheet": None, "column": "District",
                             "check": "DR-QI-*", "reason": "admin-2 names are published by OCHA"}]
    assert cfg["_root"] == str(tmp_path.resolve())


def test_pyproject_tool_table(tmp_path):
    write(tmp_path / "pyproject.toml", """
[project]
name = "x"

[tool.datasafe]
profile = "partner-restricted"
fail-on = "critical"
key-vars = ["Age", "Sex"]
ignore = ["**/raw/**"]

[[tool.datasafe.allow]]
file = "a.csv"
column = "Phone"
reason = "staff work numbers, published"
""")
    cfg = load_config(tmp_path)
    assert cfg["profile"] == "partner-restricted" and cfg["fail_on"] == "critical"
    assert cfg["key_vars"] == ["Age", "Sex"]
    assert cfg["allow"][0]["reason"] == "staff work numbers, published"


def test_no_config_and_yaml_preferred(tmp_path):
    (tmp_path / ".git").mkdir()
    assert load_config(tmp_path) == {}
    write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    assert load_config(tmp_path) == {}
    write(tmp_path / "pyproject.toml", "[tool.datasafe]\nprofile = 'internal'\n")
    write(tmp_path / ".datasafe.yaml", "profile: workshop\n")
    assert load_config(tmp_path)["profile"] == "workshop"


@pytest.mark.parametrize("text,msg", [
    ("allow:\n  - file: a.csv\n    column: Phone\n", "has no reason"),
    ("allow:\n  - file: a.csv\n    column: Phone\n    reason: ''\n", "has no reason"),
    ("allow:\n  - column: Phone\n    reason: ok\n", "needs 'file'"),
    ("allow:\n  - file: a.csv\n    colum: Phone\n    reason: ok\n", "unknown field"),
    ("allow: yes\n", "must be a list"),
    ("fail_on: severe\n", "'fail_on' must be one of"),
    ("key_vars: {a: 1}\n", "'key_vars' must be a list"),
    ("destination: moon\n", "'destination'"),
    ("profile: [a]\n", "'profile' must be a string"),
    ("lang: klingon\n", "'lang' must be one of en, fr"),
    ("- just\n- a list\n", "must be a mapping"),
    ("a: [unclosed\n", "not valid YAML"),
])
def test_bad_config_raises_clear_error(tmp_path, text, msg):
    (tmp_path / ".git").mkdir()
    write(tmp_path / ".datasafe.yaml", text)
    with pytest.raises(ConfigError, match=msg) as exc:
        load_config(tmp_path)
    assert ".datasafe.yaml" in str(exc.value) and "\n" not in str(exc.value)


def test_bad_toml_raises(tmp_path):
    write(tmp_path / "pyproject.toml", "[tool.datasafe\nprofile = 1\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path)


def test_missing_reason_exits_2_with_one_line(repo):  # noqa: F811
    write(repo / ".datasafe.yaml", "allow:\n  - file: data/contacts.csv\n    column: Phone\n")
    r = subprocess.run([sys.executable, "-m", "datasafe", "scan", "data/stock.csv"],
                       capture_output=True, text=True, cwd=repo)
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "allow entry 1 (Phone) has no reason" in lines[0]
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("rel,pattern,expected", [
    ("archive/old.csv", "archive/", True),
    ("archive/2020/old.csv", "archive", True),
    ("data/archive/old.csv", "archive/", True),  # no slash inside: matches at any depth
    ("data/archive/old.csv", "/archive/", False),  # anchored
    ("data/a.csv", "data/*.csv", True),
    ("data/sub/a.csv", "data/*.csv", False),  # '*' stays in one folder
    ("data/sub/a.csv", "data/**/*.csv", True),
    ("data/a.csv", "data/**/*.csv", True),
    ("x/raw/y/a.csv", "**/raw/**", True),
    ("notes.tmp.csv", "*.tmp.csv", True),
    ("data/notes.tmp.csv", "*.tmp.csv", True),
    ("data/a.csv", "b.csv", False),
])
def test_glob_match(rel, pattern, expected):
    assert glob_match(rel, pattern) is expected


def test_is_ignored_relative_to_root(tmp_path):
    cfg = {"ignore": ["archive/"], "_root": str(tmp_path)}
    assert is_ignored(tmp_path / "archive" / "a.csv", cfg)
    assert not is_ignored(tmp_path / "data" / "a.csv", cfg)
    assert not is_ignored(tmp_path / "a.csv", {})


def _scan_json(*args):
    r = CliRunner().invoke(main, ["scan", *args, "--format", "json"], catch_exceptions=False)
    return r.exit_code, (json.loads(r.output) if r.output.startswith("{") else r.output)


def test_command_line_wins_over_config(repo, stub_stages):  # noqa: F811
    from datasafe.cli.scan import build_options

    write(repo / ".datasafe.yaml", "profile: no-such-profile\nfail_on: critical\n"
                                   "key_vars: [district]\nphone_regions: [CD]\n")
    # config applies when the command line says nothing
    o = build_options(profile=None, destination=None, key_vars=None, weight=None,
                      household_id=None, phone_regions=None, ner="auto", max_columns=None)
    assert (o.profile, o.fail_on, o.key_vars, o.phone_regions) == (
        "no-such-profile", "critical", ["district"], ["CD"])
    # the command line wins
    o = build_options(profile="default", destination=None, key_vars="name_code",
                      weight=None, household_id=None, phone_regions="NG,SO", ner="auto",
                      max_columns=None, fail_on="low")
    assert (o.profile, o.fail_on, o.key_vars, o.phone_regions) == (
        "default", "low", ["name_code"], ["NG", "SO"])
    # end to end: the config's profile is used (and is unknown: exit 2) unless --profile
    r = CliRunner().invoke(main, ["scan", "data/contacts.csv"])
    assert r.exit_code == 2 and "no-such-profile" in r.output
    code, report = _scan_json("data/contacts.csv", "--profile", "default")
    assert code == 0  # fail_on: critical from the config; the stub finding is high
    assert report["profile"] == "default"
    code, report = _scan_json("data/contacts.csv", "--profile", "default", "--fail-on", "high")
    assert code == 1


def test_allow_list_accepts_matching_findings_only(repo, stub_stages):  # noqa: F811
    write(repo / ".datasafe.yaml", """
allow:
  - file: data/contacts.csv
    column: Phone
    check: DR-PII-*
    reason: staff work numbers, published on the website
""")
    code, report = _scan_json("data/contacts.csv")
    assert code == 0
    (f,) = report["findings"]
    assert f["accepted"] == {"source": "allow",
                             "reason": "staff work numbers, published on the website"}
    write(repo / "data" / "other.csv", "Phone\n+243812345678\n")
    code, report = _scan_json("data/other.csv")
    assert code == 1 and "accepted" not in report["findings"][0]
    # allow-listed findings are not written to the baseline
    subprocess.run(["git", "add", "data/other.csv"], check=True, cwd=repo)
    r = CliRunner().invoke(main, ["baseline", "create"])
    assert r.exit_code == 0
    doc = json.loads((repo / ".datasafe-baseline.json").read_text(encoding="utf-8"))
    assert [d["file"] for d in doc["findings"]] == ["data/other.csv"]


def test_allow_list_by_sheet_and_check(repo):  # noqa: F811
    from datasafe.config import allow_entry_for, validate_config

    cfg = validate_config({"allow": [{"file": "**/*.xlsx", "sheet": "Public*",
                                      "check": "DR-QI-01", "reason": "aggregates"}]})
    assert allow_entry_for(cfg, "a/b.xlsx", "Public 2024", "District", "DR-QI-01")
    assert not allow_entry_for(cfg, "a/b.xlsx", "Raw", "District", "DR-QI-01")
    assert not allow_entry_for(cfg, "a/b.xlsx", "Public 2024", "District", "DR-PII-01")
    assert not allow_entry_for(cfg, "a/b.csv", "Public 2024", "District", "DR-QI-01")


def test_ignored_paths_are_not_scanned(repo, stub_stages):  # noqa: F811
    (repo / "archive").mkdir()
    write(repo / "archive" / "old.csv", "phone\n+243812345678\n")
    write(repo / ".datasafe.yaml", "ignore:\n  - archive/\n")
    code, report = _scan_json(".")
    paths = sorted(f["path"] for f in report["files"])
    assert not any("archive" in p for p in paths)
    assert any(p.endswith("stock.csv") for p in paths)


def test_the_teams_language_is_set_once(repo, monkeypatch):  # noqa: F811
    """A French-speaking team writes `lang: fr` in .datasafe.yaml (or sets DATASAFE_LANG) and
    every command speaks French; --lang still wins, then the environment, then the config."""
    from click.testing import CliRunner

    from datasafe.cli import main

    monkeypatch.chdir(repo)
    monkeypatch.delenv("DATASAFE_LANG", raising=False)
    write(repo / ".datasafe.yaml", "lang: fr\n")
    run = CliRunner().invoke
    r = run(main, ["scan", "data/contacts.csv", "--ner", "off"])
    assert r.exit_code == 1 and "Constats" in r.output and "Findings" not in r.output
    r = run(main, ["scan", "data/contacts.csv", "--ner", "off", "--lang", "en"])
    assert "Findings" in r.output and "Constats" not in r.output
    monkeypatch.setenv("DATASAFE_LANG", "en")
    r = run(main, ["scan", "data/contacts.csv", "--ner", "off"])
    assert "Findings" in r.output
    monkeypatch.setenv("DATASAFE_LANG", "fr")
    write(repo / ".datasafe.yaml", "profile: internal\n")
    r = run(main, ["checks", "explain", "DR-PII-02"])
    assert r.exit_code == 0 and "Correction :" in r.output and "Fix:" not in r.output
    assert "Une colonne de numéros de téléphone" in r.output  # what it detects, in French
    assert "A column of phone numbers" not in r.output
    r = run(main, ["redact", "data/contacts.csv", "--plan", "--ner", "off"])
    assert r.exit_code == 0 and r.output.startswith("Plan d'anonymisation (profil internal)")
    monkeypatch.setenv("DATASAFE_LANG", "fr_CD.UTF-8")  # a LANG-style value works too
    r = run(main, ["checks", "explain", "DR-PII-02"])
    assert "Correction :" in r.output
    monkeypatch.setenv("DATASAFE_LANG", "xx")
    r = run(main, ["scan", "data/contacts.csv", "--ner", "off"])
    assert r.exit_code == 2 and "DATASAFE_LANG: unknown language 'xx'" in r.output


def test_a_mistyped_config_key_is_named_not_ignored(tmp_path):
    """'profle: hdx-public' silently scanned under the default profile; a near miss of a known
    key is refused with the key it resembles. Keys of other tools stay allowed."""
    from click.testing import CliRunner

    from datasafe.cli import main
    from datasafe.config import ConfigError

    write(tmp_path / ".datasafe.yaml", "profle: hdx-public\n")
    with pytest.raises(ConfigError, match="unknown key 'profle' \\(did you mean 'profile'\\?\\)"):
        load_config(tmp_path)
    write(tmp_path / ".datasafe.yaml", "fail-onn: high\n")
    with pytest.raises(ConfigError, match="did you mean 'fail_on'"):
        load_config(tmp_path)
    write(tmp_path / ".datasafe.yaml", "profile: hdx-public\nmy_team_notes: keep\n")
    assert load_config(tmp_path)["my_team_notes"] == "keep"
    write(tmp_path / ".datasafe.yaml", "langg: fr\n")
    f = tmp_path / "a.csv"
    f.write_text("x\n1\n", encoding="utf-8")
    import os

    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        r = CliRunner().invoke(main, ["scan", str(f)])
    finally:
        os.chdir(cwd)
    assert r.exit_code == 2 and "did you mean 'lang'" in r.stderr
