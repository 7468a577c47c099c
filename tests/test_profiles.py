"""Shipped profiles, ``extends``, the workshop profile that never fails, and the catalogue CLI."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

import datasafe
from datasafe.cli import main
from datasafe.profiles import ProfileError, available_profiles, load_profile
from tests.conftest import validate_report

SHIPPED = ["default", "hdx-public", "partner-restricted", "internal", "workshop", "isp-template"]


def test_shipped_profiles_load_and_extend_default():
    assert set(SHIPPED) <= set(available_profiles())
    for name in SHIPPED:
        p = load_profile(name)
        assert p.name == name and p.description
        assert p.params["k"] >= 3 and p.params["global_risk_max"] == 0.03


def test_profile_settings():
    pub = load_profile("hdx-public")
    assert pub.destination == "public" and pub.fail_on == "medium"
    assert pub.params["max_admin_level"] == 2
    part = load_profile("partner-restricted")
    assert part.destination == "partner" and part.raw["require_approval"] is True
    assert {"sensitivity", "purpose", "isp"} <= set(part.raw["require_declarations"])
    ws = load_profile("workshop")
    assert ws.never_fail and ws.explain
    assert load_profile("internal").destination == "internal"


def test_user_profile_extends_a_shipped_one(tmp_path):
    p = tmp_path / "mine.yaml"
    p.write_text("name: mine\nextends: hdx-public\nparams: {k: 10}\n", encoding="utf-8")
    prof = load_profile(str(p))
    assert prof.name == "mine" and prof.destination == "public"
    assert prof.params["k"] == 10 and prof.params["global_risk_max"] == 0.03


def test_unknown_and_cyclic_profiles(tmp_path):
    with pytest.raises(ProfileError):
        load_profile("no-such-profile")
    a = tmp_path / "a.yaml"
    a.write_text(f"extends: {a}\n", encoding="utf-8")
    with pytest.raises(ProfileError):
        load_profile(str(a))


def _names(tmp_path):
    f = tmp_path / "reg.csv"
    f.write_text("full_name,phone,age\nAmina Yusuf,+243812345678,34\n"
                 "Jean Mbuyi,+243998877665,51\nEsther Kabila,+243810000001,27\n",
                 encoding="utf-8")
    return f


def test_workshop_never_fails_and_explains(tmp_path):
    f = _names(tmp_path)
    r = datasafe.scan(str(f), profile="workshop", destination="public", ner="off")
    assert r.findings and r.summary.max_severity in ("critical", "high")
    # the run never fails (exit 0), but a list of names is not a "pass": the verdict says so
    assert r.never_fail and r.explain and r.exit_code == 0 and r.summary.verdict == "fail"
    assert all(x.explanation for x in r.findings)
    res = CliRunner().invoke(main, ["scan", str(f), "--profile", "workshop",
                                    "--destination", "public", "--format", "json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["never_fail"] is True and report["summary"]["verdict"] == "fail"
    for lang, words in (("en", ["FAIL", "exit code 0", "With the workshop profile the command "
                                "always ends with exit code 0 (an exercise), but these "
                                "findings are real"]),
                        ("fr", ["NON CONFORME", "code de sortie 0", "Avec le profil workshop, la "
                                "commande se termine toujours par le code 0 (exercice)"])):
        res = CliRunner().invoke(main, ["scan", str(f), "--profile", "workshop", "--lang", lang])
        assert res.exit_code == 0
        for w in words:
            assert w in res.stdout, (lang, w)
        assert "PASS" not in res.stdout
        assert res.stdout.count("CONFORME ·") == res.stdout.count("NON CONFORME ·")
    # a clean file is still a pass under the workshop profile
    clean = tmp_path / "clean.csv"
    clean.write_text("sector,households\nWASH,120\nHealth,80\n", encoding="utf-8")
    assert datasafe.scan(str(clean), profile="workshop", ner="off").summary.verdict == "pass"


def test_exit_code_follows_profile_and_fail_on(tmp_path):
    f = _names(tmp_path)
    runner = CliRunner()
    res = runner.invoke(main, ["scan", str(f), "--profile", "hdx-public", "--format", "json"])
    assert res.exit_code == 1
    report = json.loads(res.output)
    validate_report(report)
    assert report["profile"] == "hdx-public" and report["summary"]["verdict"] == "fail"
    assert report["summary"]["sensitivity"] == "severe"
    found = {x["check"] for x in report["findings"]}
    assert {"DR-XFER-01"} <= found
    res = runner.invoke(main, ["scan", str(f), "--profile", "internal", "--format", "json"])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["scan", str(f), "--profile", "internal", "--fail-on", "low",
                               "--format", "json"])
    assert res.exit_code == 1


def test_clean_aggregate_passes_public(tmp_path):
    f = tmp_path / "adm2.csv"
    f.write_text("district,households_in_need\nKalemie,2840\nNyunzu,1850\nMoba,1320\n",
                 encoding="utf-8")
    r = datasafe.scan(str(f), profile="hdx-public", ner="off")
    assert r.summary.sensitivity == "low"
    assert r.exit_code == 0, [(x.check, x.message) for x in r.findings]


# --- catalogue CLI ---------------------------------------------------------------------------

def test_checks_list_and_explain():
    runner = CliRunner()
    res = runner.invoke(main, ["checks", "list"])
    assert res.exit_code == 0 and len(res.output.splitlines()) >= 25
    assert "DR-GEO-02" in res.output
    res = runner.invoke(main, ["checks", "list", "--area", "retention", "--lang", "fr"])
    assert res.exit_code == 0 and "DR-RET-01" in res.output and "DR-PII-01" not in res.output
    res = runner.invoke(main, ["checks", "explain", "dr-geo-02"])
    assert res.exit_code == 0
    for part in ("Detects:", "Why:", "Guidance:", "Bad:", "Good:", "Fix:", "In plain words:",
                 "DD "):
        assert part in res.output
    # a message's slots are filled by a scan: no template braces for a reader to puzzle over
    assert "{metres}" not in res.output and "precise to about …" in res.output
    for cid in ("DR-AGG-01", "DR-GEO-02", "DR-DEID-02"):
        fr = runner.invoke(main, ["checks", "explain", cid, "--lang", "fr"]).output
        assert not re.search(r"\{[a-z_]+\}", fr), cid
    res = runner.invoke(main, ["checks", "explain", "DR-PII-01", "--lang", "fr"])
    assert "Noms de personnes" in res.output
    res = runner.invoke(main, ["checks", "explain", "DR-NOPE-99"])
    assert res.exit_code == 2


def test_profiles_list_and_show():
    runner = CliRunner()
    res = runner.invoke(main, ["profiles", "list"])
    assert res.exit_code == 0
    for name in SHIPPED:
        assert name in res.output
    res = runner.invoke(main, ["profiles", "show", "hdx-public"])
    assert res.exit_code == 0 and res.output.startswith("name: hdx-public")
    assert "global_risk_max: 0.03" in res.output  # inherited from default
    res = runner.invoke(main, ["profiles", "show", "nope"])
    assert res.exit_code == 2


@pytest.mark.parametrize("body", ["fail_on: hgh\n", "destination: everyone\n",
                                  "checks: [DR-PII-01]\n"])
def test_profile_typos_are_one_clear_error(tmp_path, body):
    p = tmp_path / "bad.yaml"
    p.write_text("extends: default\n" + body, encoding="utf-8")
    with pytest.raises(ProfileError, match="bad"):
        load_profile(str(p))


def test_fail_on_alias(tmp_path):
    p = tmp_path / "alias.yaml"
    p.write_text("extends: default\nfail_on: severe\n", encoding="utf-8")
    assert load_profile(str(p)).fail_on == "critical"


def test_a_mistyped_profile_is_named_with_the_closest_one_in_the_users_language(tmp_path):
    f = _names(tmp_path)
    r = CliRunner().invoke(main, ["scan", str(f), "--profile", "hdx-publc"])
    assert r.exit_code == 2 and len(r.stderr.strip().splitlines()) == 1
    assert "unknown profile 'hdx-publc' (did you mean hdx-public?" in r.stderr
    r = CliRunner().invoke(main, ["redact", str(f), "--profile", "hdx-publc", "--lang", "fr",
                                  "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and "profil inconnu « hdx-publc » (vouliez-vous dire hdx-public" \
        in r.stderr
    r = CliRunner().invoke(main, ["redact", str(tmp_path / "absent.csv"), "--lang", "fr",
                                  "-o", str(tmp_path / "x.csv")])
    assert r.exit_code == 2 and "absent.csv : fichier introuvable" in r.stderr


def test_profiles_list_in_french():
    r = CliRunner().invoke(main, ["profiles", "list", "--lang", "fr"])
    assert r.exit_code == 0
    lines = {ln.split()[0]: ln for ln in r.stdout.splitlines()}
    assert "Publication (jeux de données publics sur HDX" in lines["hdx-public"]
    assert "n'échoue jamais" in lines["workshop"] and "interne" in lines["internal"]
    assert "échoue dès : moyenne" in lines["hdx-public"]
    r = CliRunner().invoke(main, ["profiles", "list"])
    assert "Public release (HDX public datasets" in r.stdout and "fail never" in r.stdout


def test_the_english_catalogue_repeats_the_shipped_profiles_descriptions():
    from datasafe.report.common import _load_locale

    en = _load_locale("en")["profile_descriptions"]
    for name in SHIPPED:
        assert en[name] == " ".join(load_profile(name).description.split()), name
    assert set(_load_locale("fr")["profile_descriptions"]) == set(SHIPPED)


@pytest.mark.parametrize("text,said", [
    ("name: mine\nextend: hdx-public\n", "unknown key 'extend' (did you mean 'extends'?)"),
    ("name: mine\ndestinaton: internal\n", "did you mean 'destination'"),
    ("name: mine\nchecks: {DR-PII-99: {enabled: false}}\n", "no check 'DR-PII-99'"),
    ("name: mine\nchecks: {DR-PII-01: {enabeld: false}}\n", "unknown setting 'enabeld'"),
    ("name: mine\nparams: {global_risk_maxx: 0.01}\n", "did you mean 'global_risk_max'"),
])
def test_a_profile_typo_is_named_not_silently_ignored(tmp_path, text, said):
    """'extend: hdx-public' scanned under a profile with no destination, exit 1, and nothing
    said the profile was not what its author wrote."""
    p = tmp_path / "mine.yaml"
    p.write_text(text, encoding="utf-8")
    r = CliRunner().invoke(main, ["scan", str(_names(tmp_path)), "--profile", str(p)])
    assert r.exit_code == 2 and said in r.stderr and len(r.stderr.strip().splitlines()) == 1
