"""The workshop guided tour runs end to end without pauses, in English and French."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from datasafe.cli import main


@pytest.mark.parametrize("lang,words", [
    ("en", ["Step 1 of 5", "Step 3 of 5", "Step 5 of 5", "PASSES"]),
    ("fr", ["Étape 1 sur 5", "Étape 3 sur 5", "Étape 5 sur 5", "CONFORME"]),
])
def test_demo_tour_redacts_and_passes(tmp_path, monkeypatch, lang, words):
    monkeypatch.setenv("DATASAFE_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    r = CliRunner().invoke(main, ["demo", "--no-pause", "--lang", lang, "--workdir",
                                  str(tmp_path)])
    assert r.exit_code == 0, r.output[-3000:]
    for w in words:
        assert w in r.output
    # the redacted copy exists beside its log, and the tour never prints a raw phone number
    assert (tmp_path / "beneficiary_registration.public.csv").exists()
    import re

    assert not re.search(r"\+243 ?\d{3} ?\d{3} ?\d{3}", r.output)


def test_demo_pauses_between_steps(tmp_path, monkeypatch):
    monkeypatch.setenv("DATASAFE_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    r = CliRunner().invoke(main, ["demo", "--workdir", str(tmp_path)], input="\n" * 5)
    assert "Press Enter to continue" in r.output
    assert r.output.count("Press Enter to continue") == 5
