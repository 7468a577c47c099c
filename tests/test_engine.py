"""The partitioned engines (streaming, dask) give the local engine's report on the same rows."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import REPO, validate_report

ROWS = 1500


def _table(rows: int = ROWS, seed: int = 11):
    """Beneficiary-style rows (bench generator) with missing key values, invalid weights and
    households with and without ids: every branch of the risk measures."""
    import numpy as np
    import pyarrow as pa

    sys.path.insert(0, str(REPO / "bench"))
    from generate import generate

    t = generate(rows, seed=seed)
    rng = np.random.default_rng(seed)
    age = np.array(t.column("age").to_pylist(), dtype=object)
    age[rng.random(rows) < 0.05] = None
    sex = np.array(t.column("sex").to_pylist(), dtype=object)
    sex[rng.random(rows) < 0.03] = "NA"  # a missing-value token
    hh = np.array(t.column("household_id").to_pylist(), dtype=object)
    hh[rng.random(rows) < 0.1] = None  # records without a household id
    weight = np.round(rng.uniform(50, 400, rows), 1).astype(object)
    weight[rng.random(rows) < 0.02] = "n/a"
    t = t.set_column(t.schema.get_field_index("age"), "age", pa.array(list(age), pa.int64()))
    t = t.set_column(t.schema.get_field_index("sex"), "sex", pa.array(list(sex), pa.string()))
    t = t.set_column(t.schema.get_field_index("household_id"), "household_id",
                     pa.array(list(hh), pa.string()))
    return t.append_column("weight", pa.array([str(w) for w in weight], pa.string()))


def _strip(x):
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items() if k not in ("file", "path", "engine")}
    if isinstance(x, list):
        return [_strip(v) for v in x]
    return x


def _report(path, engine: str, **kw) -> dict:
    from datasafe.pipeline import ScanOptions, scan

    doc = scan(str(path), options=ScanOptions(engine=engine, ner="off", **kw)).to_dict()
    assert [f.get("error") for f in doc["files"]] == [None] * len(doc["files"])
    return doc


def _same(a: dict, b: dict) -> None:
    a, b = _strip(a), _strip(b)
    ta = [t for f in a["files"] for t in f["tables"]]
    tb = [t for f in b["files"] for t in f["tables"]]
    assert len(ta) == len(tb) == 1
    for x, y in zip(ta, tb):
        assert [c["name"] for c in x["columns"]] == [c["name"] for c in y["columns"]]
        for cx, cy in zip(x["columns"], y["columns"]):
            assert cx == cy, cx["name"]  # role, entities, masked examples, stats
        assert x["risk"] == y["risk"]
        assert x == y
    assert a["findings"] == b["findings"]
    assert a["summary"] == b["summary"]


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    d = tmp_path_factory.mktemp("engine")
    t = _table()
    pacsv.write_csv(t, d / "all.csv")
    pq.write_table(t, d / "all.parquet", row_group_size=400)
    parts = d / "lake"
    (parts / "year=2024").mkdir(parents=True)
    # uneven files and row groups: the sample and every count must not depend on the split
    bounds = [0, 230, 900, ROWS]
    for i, (lo, hi) in enumerate(zip(bounds, bounds[1:])):
        pq.write_table(t.slice(lo, hi - lo), parts / "year=2024" / f"part-{i}.parquet",
                       row_group_size=170 + 50 * i)
    return d


def test_stream_csv_equals_local(data):
    _same(_report(data / "all.csv", "local"), _report(data / "all.csv", "stream"))


def test_stream_parquet_equals_local(data):
    _same(_report(data / "all.parquet", "local"), _report(data / "all.parquet", "stream"))


def test_dask_folder_equals_local(data):
    pytest.importorskip("dask.dataframe")
    import dask

    with dask.config.set(scheduler="synchronous"):
        doc = _report(data / "lake", "dask", weight="weight")
    local = _report(data / "all.parquet", "local", weight="weight")
    _same(local, doc)
    assert doc["files"][0]["engine"] == "dask" and doc["files"][0]["path"].endswith("lake")
    risk = doc["files"][0]["tables"][0]["risk"]
    assert risk["household_id"] == "household_id"  # the third pass ran
    assert risk["weight"] == "weight" and risk["missing_in_key_variables"] > 0


def test_cli_dask_and_threshold(data, tmp_path):
    pytest.importorskip("dask.dataframe")
    out = tmp_path / "r.json"
    env = {"DATASAFE_DASK_SCHEDULER": "threads"}
    import os

    r = subprocess.run([sys.executable, "-m", "datasafe", "scan", str(data / "lake"), "--engine",
                        "dask", "--ner", "off", "--output", str(out), "--quiet"],
                       capture_output=True, text=True, env={**os.environ, **env}, cwd=tmp_path)
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(out.read_text())
    validate_report(doc)
    assert doc["files"][0]["tables"][0]["rows"] == ROWS
    # a file over the threshold streams without being asked to
    r = subprocess.run([sys.executable, "-m", "datasafe", "scan", str(data / "all.csv"), "--ner",
                        "off", "-f", "json"], capture_output=True, text=True, cwd=tmp_path,
                       env={**os.environ, "DATASAFE_STREAM_THRESHOLD_MB": "0.01"})
    doc = json.loads(r.stdout)
    validate_report(doc)
    assert doc["files"][0]["engine"] == "stream"


def test_row_sample_bounded(tmp_path, monkeypatch):
    """Above ROW_SAMPLE rows the row sample is bounded; counts and risk stay exact."""
    import pyarrow.csv as pacsv

    from datasafe.engines import core

    monkeypatch.setattr(core, "ROW_SAMPLE", 300)
    t = _table(1200, seed=3)
    pacsv.write_csv(t, tmp_path / "b.csv")
    local = _report(tmp_path / "b.csv", "local")
    stream = _report(tmp_path / "b.csv", "stream")
    lt, st = local["files"][0]["tables"][0], stream["files"][0]["tables"][0]
    assert lt["rows"] == st["rows"] == 1200
    assert [c["stats"] for c in lt["columns"]] == [c["stats"] for c in st["columns"]]
    if lt["risk"]["quasi_identifiers"] == st["risk"]["quasi_identifiers"]:
        for k in ("k_min", "records_below_k", "expected_reidentifications", "global_risk"):
            assert lt["risk"][k] == pytest.approx(st["risk"][k])
