"""The workshop notebook executes top to bottom (nbclient) and renders scan results as HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOK = Path(__file__).resolve().parent.parent / "examples" / "workshop.ipynb"


def test_workshop_notebook_runs(tmp_path, monkeypatch):
    monkeypatch.setenv("DATASAFE_AUDIT_LOG", str(tmp_path / "audit.jsonl"))
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    html_outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
                    if "text/html" in o.get("data", {})]
    assert html_outputs, "scan results should render as HTML in the notebook"
    text = "\n".join(o["data"]["text/html"] for o in html_outputs)
    assert "full_name" in text  # the column map shows headers, not values
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert not errors
