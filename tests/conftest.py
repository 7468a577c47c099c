"""Shared test helpers. Fixtures are small files the tests generate."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("DATASAFE_SHARED", REPO.parent / "shared"))
EXAMPLES = REPO / "examples"


def validate_report(report: dict) -> None:
    """Validate a JSON report against the schema shipped in the package."""
    import jsonschema

    from datasafe.resources import package_file

    schema = json.loads(package_file("schema", "report.schema.json").read_text(encoding="utf-8"))
    jsonschema.validate(report, schema)


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present (a user's clone has none)")
    return SHARED
