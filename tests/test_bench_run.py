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


def test_stage_timer_names_every_stage(tmp_path):
    """bench/stages.py times the pipeline's own stages in a fresh process (no timing
    assertion: only that every stage is there and the run completes)."""
    r = subprocess.run([sys.executable, str(REPO / "bench" / "stages.py"),
                        str(REPO / "examples" / "beneficiary_registration.csv"), "--repeat", "1"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    names = [line.split()[0] for line in r.stdout.splitlines()[2:]]
    assert names == ["imports", "read", "profile", "detect", "risk", "checks", "report",
                     "process"]
