"""The teaching datasets keep producing the findings their exercise sheets promise."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import datasafe

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
EXPECTED = yaml.safe_load((EXAMPLES / "expected_findings.yaml").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_example_produces_expected_findings(name):
    spec = EXPECTED[name]
    result = datasafe.scan(EXAMPLES / name, profile=spec["profile"])
    assert result.summary.sensitivity == spec["sensitivity"]
    assert result.exit_code == spec["exit_code"]
    found = {(f.check, f.table, f.column) for f in result.findings}
    for want in spec["findings"]:
        matches = [f for f in found if f[0] == want["check"]
                   and ("column" not in want or f[2] == want["column"])
                   and ("table" not in want or f[1] == want["table"])]
        assert matches, f"{name}: expected {want} among {sorted(found, key=str)}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_example_has_an_exercise_sheet_in_both_languages(name):
    stem = name.rsplit(".", 1)[0]
    for lang in ("en", "fr"):
        sheet = EXAMPLES / "exercises" / f"{stem}.{lang}.md"
        assert sheet.exists(), sheet
        text = sheet.read_text(encoding="utf-8")
        for want in EXPECTED[name]["findings"]:
            assert want["check"] in text, f"{sheet.name} does not mention {want['check']}"


def test_workshop_profile_never_fails_on_any_example():
    for name in EXPECTED:
        result = datasafe.scan(EXAMPLES / name, profile="workshop")
        assert result.exit_code == 0, name
        assert all(f.explanation for f in result.findings), name


def test_exercise_commands_can_be_copied_as_they_are():
    """'datasafe redact … --plan' and 'export DATASAFE_KEY=…' could not be run as written."""
    import re

    for sheet in sorted((EXAMPLES / "exercises").glob("*.md")):
        for cmd in re.findall(r"`(datasafe [^`]+)`", sheet.read_text(encoding="utf-8")):
            assert "…" not in cmd, (sheet.name, cmd)
            for path in re.findall(r"examples/[\w./-]+", cmd):
                assert (EXAMPLES.parent / path).exists(), (sheet.name, path)
        assert "DATASAFE_KEY=…" not in sheet.read_text(encoding="utf-8"), sheet.name
