"""An approval is bound to the profile's rules, not only to its name: editing the profile after
sign-off voids the sign-off, and a file of one's own cannot pass for a shipped profile."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from datasafe.cli import main
from datasafe.resources import data_dir


@pytest.fixture(autouse=True)
def audit_env(tmp_path, monkeypatch):
    monkeypatch.setenv("DATASAFE_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    monkeypatch.setenv("DATASAFE_ACTOR", "tester")
    monkeypatch.delenv("DATASAFE_AUDIT", raising=False)


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture
def people(tmp_path):
    p = tmp_path / "people.csv"
    p.write_text("name,phone,village,age\n"
                 "Amina Kabila,+243812345678,Kasenga,34\n"
                 "Jean Mbuyi,+243998877665,Kasenga,41\n"
                 "Amina Kabila,+243812345678,Pweto,34\n", encoding="utf-8")
    return p


ACME = """\
name: acme-partner
extends: partner-restricted
description: Sharing with ACME under ISP-2026-07
params:
  k: {k}
"""


def _scan(people, profile, *extra):
    r = run("scan", people, "--profile", profile, "--format", "json", *extra)
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout)


def _xfer(report):
    return [f for f in report["findings"] if f["check"] == "DR-XFER-02"]


def test_editing_the_profile_after_sign_off_voids_the_approval(tmp_path, people):
    from datasafe.sidecar import load_sidecar, save_sidecar

    prof = tmp_path / "acme.yaml"
    prof.write_text(ACME.format(k=5), encoding="utf-8")
    before = _scan(people, prof)
    assert before["profile"] == "acme-partner"
    assert len(before["profile_sha256"]) == 64
    assert _xfer(before), "the partner profile asks for an approval"

    r = run("approve", people, "--by", "A. Diallo", "--destination", "partner",
            "--profile", prof, "--reason", "ISP-2026-07")
    assert r.exit_code == 0, r.output
    (approval,) = load_sidecar(people)["approvals"]
    assert approval["profile"] == "acme-partner"
    assert approval["profile_sha256"] == before["profile_sha256"]
    assert _xfer(_scan(people, prof)) == []

    # a comment or a reordering is not a change of the rules
    prof.write_text("# reviewed by the IM team\n" + ACME.format(k=5), encoding="utf-8")
    assert _xfer(_scan(people, prof)) == []

    # loosening a rule after sign-off: the approval no longer counts, and the finding says why
    prof.write_text(ACME.format(k=2), encoding="utf-8")
    after = _scan(people, prof)
    assert after["profile"] == "acme-partner"
    assert after["profile_sha256"] != before["profile_sha256"]
    (f,) = _xfer(after)
    assert "under other rules of profile 'acme-partner'" in f["message"]
    assert f["details"]["requires_approval"] is True
    r = run("scan", people, "--profile", prof, "--lang", "fr")
    assert "sous d'autres règles du profil « acme-partner »" in r.stdout

    # approving again under the new rules is what makes it count
    r = run("approve", people, "--by", "A. Diallo", "--destination", "partner",
            "--profile", prof, "--reason", "ISP-2026-07, k relaxed by the DPO")
    assert r.exit_code == 0, r.output
    assert _xfer(_scan(people, prof)) == []

    # approvals recorded before the rules were part of them still match on the name
    older = {k: v for k, v in approval.items() if k != "profile_sha256"}
    save_sidecar(people, {"approvals": [older]})
    assert _xfer(_scan(people, prof)) == []


def test_a_signed_approvals_rules_cannot_be_edited(tmp_path, monkeypatch, people):
    from datasafe.sidecar import load_sidecar, save_sidecar

    monkeypatch.chdir(tmp_path)
    r = run("keygen", "--approver", "A. Diallo", "--output", tmp_path / "diallo.pem")
    assert r.exit_code == 0, r.output
    entry = [ln for ln in r.stdout.splitlines() if ln.startswith("  ")][0]
    (tmp_path / ".datasafe.yaml").write_text("approvers:\n" + entry + "\n", encoding="utf-8")
    prof = tmp_path / "acme.yaml"
    prof.write_text(ACME.format(k=5), encoding="utf-8")
    r = run("approve", people, "--by", "A. Diallo", "--destination", "partner",
            "--profile", prof, "--reason", "ISP-2026-07", "--key-file", tmp_path / "diallo.pem")
    assert r.exit_code == 0, r.output
    assert _xfer(_scan(people, prof)) == []

    prof.write_text(ACME.format(k=2), encoding="utf-8")
    (f,) = _xfer(_scan(people, prof))
    assert "under other rules" in f["message"]
    # writing the new rules' hash into the signed approval breaks its signature
    (signed,) = load_sidecar(people)["approvals"]
    new_rules = _scan(people, prof)["profile_sha256"]
    save_sidecar(people, {"approvals": [dict(signed, profile_sha256=new_rules)]})
    (f,) = _xfer(_scan(people, prof))
    assert "not signed by an approver the project lists" in f["message"]


def test_a_file_of_ones_own_cannot_pass_for_a_shipped_profile(tmp_path, people):
    from datasafe.profiles import load_profile

    shipped = load_profile("partner-restricted")
    assert shipped.shipped and shipped.name == "partner-restricted"
    # an exact copy is the same profile: same name, same rules
    copy = tmp_path / "partner-restricted.yaml"
    shutil.copy(data_dir("profiles") / "partner-restricted.yaml", copy)
    same = load_profile(str(copy))
    assert same.name == "partner-restricted" and same.sha256 == shipped.sha256
    assert not same.shipped

    # an edited copy, or a file that names itself after a shipped profile, is shown as local
    copy.write_text(copy.read_text(encoding="utf-8").replace("require_approval: true",
                                                             "require_approval: false"),
                    encoding="utf-8")
    assert load_profile(str(copy)).name == "partner-restricted (local)"
    other = tmp_path / "mine.yaml"
    other.write_text("name: hdx-public\nextends: internal\n", encoding="utf-8")
    report = _scan(people, other)
    assert report["profile"] == "hdx-public (local)"
    assert report["profile_sha256"] != load_profile("hdx-public").sha256

    # so an approval given under the shipped profile does not carry over to the look-alike
    r = run("approve", people, "--by", "A. Diallo", "--destination", "partner",
            "--profile", "partner-restricted", "--reason", "DSA-12")
    assert r.exit_code == 0, r.output
    assert _xfer(_scan(people, "partner-restricted")) == []
    copy.write_text(copy.read_text(encoding="utf-8").replace("require_approval: false",
                                                             "require_approval: true")
                    .replace("k: 3", "k: 2"), encoding="utf-8")
    lookalike = _scan(people, copy)
    assert lookalike["profile"] == "partner-restricted (local)"
    assert _xfer(lookalike)
