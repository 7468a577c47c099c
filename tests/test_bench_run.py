"""Smoke test of the benchmark command on a tiny generated file (no timing assertion)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO


@pytest.mark.slow
def test_bench_run_small(tmp_path):
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, str(REPO / "bench" / "run.py"), "--rows", "2000",
                        "--skip-presidio", "--data", str(tmp_path / "data"), "--json", str(out)],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    assert "scan / pyarrow read" in r.stdout
    doc = json.loads(out.read_text())
    res = doc["results"]
    for name in ("pyarrow read (CSV)", "pyarrow read+write (CSV)", "datasafe scan (CSV)",
                 "datasafe scan (Parquet)"):
        assert res[name]["rc"] in (0, 1), (name, res[name]["stderr"])
        assert res[name]["seconds"] > 0 and res[name]["peak_mb"] > 0
    # every truth column is classified; the bench's own F1 is computed
    assert 0.0 <= doc["f1"]["datasafe"]["any"] <= 1.0
    assert doc["f1"]["datasafe"]["any"] >= 0.9
