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


def test_dask_on_a_local_cluster_equals_local(data, monkeypatch):
    """The passes run as tasks on a dask.distributed cluster of two worker processes (what
    DATASAFE_DASK_SCHEDULER=tcp://… gives), with the risk pulled a bucket at a time: the
    report is the local engine's."""
    pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    from datasafe.engines import stream

    kw = {"key_vars": ["admin1", "admin2", "household_size", "displacement_status"],
          "weight": "weight", "config": {"sensitive_vars": ["assistance_type"]}}
    local = _report(data / "all.parquet", "local", **kw)
    monkeypatch.setattr(stream, "BUCKET_ROWS", 256)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        monkeypatch.setenv("DATASAFE_DASK_SCHEDULER", cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            with distributed.get_task_stream(client) as tasks:
                doc = _report(data / "lake", "dask", **kw)
            workers = set(client.scheduler_info()["workers"])
    assert len(workers) == 2
    # the reads, profiles and group-bys ran as tasks on the worker processes (which of the two
    # takes them is the scheduler's choice: on a loaded machine one may take them all)
    ran_on = {t["worker"] for t in tasks.data}
    assert len(tasks.data) > 20 and ran_on and ran_on <= workers
    _same(local, doc)
    assert doc["files"][0]["engine"] == "dask"


def test_stream_refuses_a_ragged_csv_with_one_clear_line(tmp_path):
    """A row with extra fields stops pyarrow's streaming reader: exit code 2, the file and the
    cause on one line, what to do instead, and no cell of the bad row in the output."""
    rows = ["name,age,village"] + [f"Person{i},{i % 90},V{i % 7}" for i in range(3000)]
    rows[2500] = "Zawadi Mukendi,31,V1,+243991234567,extra"
    path = tmp_path / "ragged.csv"
    path.write_text("\n".join(rows) + "\n")
    r = subprocess.run([sys.executable, "-m", "datasafe", "scan", str(path), "--engine",
                        "stream", "--ner", "off", "-f", "json"], capture_output=True,
                       text=True, cwd=tmp_path)
    assert r.returncode == 2
    doc = json.loads(r.stdout)
    assert doc["files"][0]["error"] == ("the streaming reader needs a rectangular CSV "
                                        "(a row has 5 cells where the header has 3); scan it "
                                        "with --engine local")
    err = [line for line in r.stderr.splitlines() if line.strip()]
    assert err == [f"datasafe: {path}: {doc['files'][0]['error']}"]
    assert "Zawadi" not in r.stdout + r.stderr and "99123" not in r.stdout + r.stderr
    # the local engine keeps and counts the ragged row
    doc = _report(path, "local")
    assert doc["files"][0]["tables"][0]["ragged_rows"] == 1


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

    from datasafe.engines import core, sources

    monkeypatch.setattr(core, "ROW_SAMPLE", 300)
    t = _table(1200, seed=3)
    pacsv.write_csv(t, tmp_path / "b.csv")
    local = _report(tmp_path / "b.csv", "local")
    stream = _report(tmp_path / "b.csv", "stream")
    # read in many small batches: the sample (rows past a full sample are skipped), the value
    # samples and every count do not depend on the batches
    monkeypatch.setattr(sources, "READ_BLOCK_BYTES", 4096)
    monkeypatch.setattr(sources, "BLOCK_BYTES", 16384)
    _same(stream, _report(tmp_path / "b.csv", "stream"))
    lt, st = local["files"][0]["tables"][0], stream["files"][0]["tables"][0]
    assert lt["rows"] == st["rows"] == 1200
    assert [c["stats"] for c in lt["columns"]] == [c["stats"] for c in st["columns"]]
    if lt["risk"]["quasi_identifiers"] == st["risk"]["quasi_identifiers"]:
        for k in ("k_min", "records_below_k", "expected_reidentifications", "global_risk"):
            assert lt["risk"][k] == pytest.approx(st["risk"][k])


@pytest.mark.parametrize("kw", [
    {"weight": "weight", "config": {"sensitive_vars": ["assistance_type"]}},
    {"config": {"sensitive_vars": ["assistance_type", "email"]}},
    # few key variables: combinations with a missing value match many others, across buckets;
    # sex and age missing together match everything
    {"key_vars": ["sex", "age"], "weight": "weight"},
    {"key_vars": ["admin1", "sex", "age", "household_size"], "hashed": True},
    # more distinct combinations than an int64 mixed radix holds: hashed combination keys
    {"key_vars": ["full_name", "phone", "national_id", "case_number", "gps_lat", "gps_lon",
                  "age", "sex"], "weight": "weight"},
], ids=["weighted", "unweighted", "two-keys", "forced-hash", "hashed-keys"])
def test_stream_buckets_equal_local(data, monkeypatch, kw):
    """A tiny bucket budget: the frequency tables, the missing-value matches, the households and
    the distinct counts all go through many spilled buckets, and the report stays the local
    engine's."""
    from datasafe.engines import core, risk, stream

    kw = dict(kw)
    forced = kw.pop("hashed", False)
    if forced:
        monkeypatch.setattr(core.RiskPlan, "packed", property(lambda self: False))
    monkeypatch.setattr(stream, "BUCKET_ROWS", 64)
    monkeypatch.setattr(stream, "DISTINCT_ROWS", 100)
    used = {"buckets": [], "matched": 0, "cover": 0, "packed": None}
    n_buckets, bucket = stream.n_buckets, risk.RiskAccumulator.bucket

    def spy_buckets(*a):
        used["buckets"].append(n_buckets(*a))
        return used["buckets"][-1]

    def spy_bucket(self, freq, pairs=None, matched=None):
        used["matched"] += 0 if matched is None else len(matched)
        used["cover"] = len(self.cover)
        used["packed"] = self.plan.packed
        return bucket(self, freq, pairs, matched)

    monkeypatch.setattr(stream, "n_buckets", spy_buckets)
    monkeypatch.setattr(risk.RiskAccumulator, "bucket", spy_bucket)
    local = _report(data / "all.csv", "local", **kw)
    doc = _report(data / "all.csv", "stream", **kw)
    _same(local, doc)
    # 1500 rows in buckets of 64 (32 buckets); distinct counts of >100 hashes partitioned too
    assert used["buckets"].count(32) >= 1 and len(used["buckets"]) > 3
    risk = doc["files"][0]["tables"][0]["risk"]
    assert risk["missing_in_key_variables"] > 0 and risk["households"] > 0
    assert risk["weight"] == kw.get("weight")
    assert used["packed"] == ("full_name" not in kw.get("key_vars", []) and not forced)
    if "key_vars" not in kw:
        assert set(risk["l_diversity"]) >= {"assistance_type"}
    elif len(kw["key_vars"]) < 5:
        assert used["matched"] > 100
        # with two key variables every pattern pairs with one that misses what it has
        assert used["cover"] == (4 if len(kw["key_vars"]) == 2 else 0)


@pytest.mark.parametrize("kw", [
    {"key_vars": ["admin1", "admin2", "household_size", "displacement_status"],
     "weight": "weight", "config": {"sensitive_vars": ["assistance_type"]}},
    {"key_vars": ["admin1", "admin2", "village", "household_size"]},
    # every weight valid: the median is never needed (nor the weights' value counts)
    {"key_vars": ["admin1", "admin2", "household_size"], "weight": "amount"},
    # no valid weight at all: computed unweighted, with the note
    {"key_vars": ["admin1", "admin2", "household_size"], "weight": "displacement_status"},
    # a missing value matches combinations in every bucket: the whole table comes back
    {"key_vars": ["sex", "age", "admin1"], "weight": "weight"},
], ids=["weighted", "unweighted", "valid-weights", "no-valid-weight", "missing-values"])
def test_dask_buckets_equal_local(data, monkeypatch, kw):
    """With more records than a bucket holds, the dask engine pulls the grouped frequency
    tables one bucket at a time and sums households on the workers; the report stays the local
    engine's."""
    pytest.importorskip("dask.dataframe")
    import dask

    from datasafe.engines import risk, stream

    monkeypatch.setattr(stream, "BUCKET_ROWS", 64)
    sizes = []
    bucket = risk.RiskAccumulator.bucket

    def spy(self, freq, pairs=None, matched=None):
        sizes.append(len(freq))
        return bucket(self, freq, pairs, matched)

    monkeypatch.setattr(risk.RiskAccumulator, "bucket", spy)
    local = _report(data / "all.parquet", "local", **kw)
    assert sizes == []  # the local engine measures risk without the accumulator
    with dask.config.set(scheduler="synchronous"):
        doc = _report(data / "lake", "dask", **kw)
    _same(local, doc)
    r = doc["files"][0]["tables"][0]["risk"]
    assert r["households"] > 0
    if kw.get("weight") == "displacement_status":
        assert r["weight"] is None
    else:
        assert r["weight"] == kw.get("weight")
    if "sex" in kw["key_vars"]:
        assert r["missing_in_key_variables"] > 0 and len(sizes) == 1
    else:
        assert len(sizes) == 32 and max(sizes) < sum(sizes)  # 1500 rows, buckets of 64
        if "config" in kw:
            assert set(r["l_diversity"]) == {"assistance_type"}


@pytest.mark.parametrize("seed", range(6))
def test_bucketed_top_and_median_equal_whole(seed):
    """The riskiest classes and the medians computed part by part equal ``top_classes`` and
    ``np.median`` on the whole arrays: ties in risk with different fk, more than 1000 tied
    candidates (pruned by file order), parts smaller than the top."""
    import numpy as np
    import pandas as pd

    from datasafe.engines.risk import _Top, median_of
    from datasafe.risk import top_classes

    rng = np.random.default_rng(seed)
    n = int(rng.choice([3, 40, 3000, 20000]))
    risk = rng.choice([1.0, 0.5, 0.25, 0.2, 0.1], n) if seed % 2 else rng.random(n).round(2)
    fk = rng.integers(1, 6, n).astype(float)
    first = rng.permutation(n * 3)[:n]
    counts = rng.integers(1, 4, n).astype(float)
    expected = top_classes(risk, fk, first, 5)
    top = _Top(5)
    cuts = np.sort(rng.choice(np.arange(1, n), min(n - 1, int(rng.integers(1, 40))),
                              replace=False)) if n > 1 else []
    for part in np.split(np.arange(n), cuts):
        top.add(risk[part], first[part], lambda idx, part=part: pd.DataFrame(
            {"risk": risk[part][idx], "fk": fk[part][idx], "first": first[part][idx]}))
    assert top.result()["first"].tolist() == first[expected].tolist()

    def chunks():
        for part in np.split(np.arange(n), cuts):
            yield risk[part], counts[part]

    assert median_of(chunks) == np.median(np.repeat(risk, counts.astype(int)))


def test_engine_stream_reads_a_gzip_csv_whole_instead_of_refusing_it(tmp_path):
    import gzip

    f = tmp_path / "list.csv.gz"
    f.write_bytes(gzip.compress(b"name,phone\nAmina Yusuf,+243812345678\n"
                                b"Jean Mbuyi,+243998877665\nEsther Kabila,+243810000001\n"))
    r = subprocess.run([sys.executable, "-m", "datasafe", "scan", str(f), "--engine", "stream",
                        "--ner", "off", "-f", "json"], capture_output=True, text=True,
                       cwd=tmp_path)
    assert r.returncode == 1, r.stderr
    doc = json.loads(r.stdout)
    assert not doc["files"][0].get("error")
    roles = {c["name"]: c["role"] for c in doc["files"][0]["tables"][0]["columns"]}
    assert roles == {"name": "direct", "phone": "direct"}


def test_dask_setup_problems_are_one_line_naming_their_cause(tmp_path, monkeypatch):
    """A wrong DATASAFE_DASK_SCHEDULER gave 'analysis failed: ValueError' (or an internal
    OSError after 30 s), and a folder with a mismatched file did not say which file."""
    pytest.importorskip("dask.dataframe")
    import pandas as pd
    from click.testing import CliRunner

    from datasafe.cli import main
    from datasafe.pipeline import OptionError, ScanOptions, scan

    df = pd.DataFrame({"age": [str(i % 60) for i in range(300)], "sex": ["F", "M"] * 150,
                       "district": ["Goma", "Beni", "Uvira"] * 100})
    f = tmp_path / "b.parquet"
    df.to_parquet(f)
    monkeypatch.setenv("DATASAFE_DASK_SCHEDULER", "bogus")
    r = CliRunner().invoke(main, ["scan", str(f), "--engine", "dask", "--ner", "off"])
    assert r.exit_code == 2
    assert "DATASAFE_DASK_SCHEDULER: 'bogus' is not a dask scheduler" in r.stderr
    with pytest.raises(OptionError):
        scan(str(f), options=ScanOptions(engine="dask", ner="off"))
    monkeypatch.delenv("DATASAFE_DASK_SCHEDULER")
    lake = tmp_path / "lake"
    lake.mkdir()
    df.iloc[:100].to_parquet(lake / "a.parquet")
    df.iloc[100:].rename(columns={"district": "zone"}).to_parquet(lake / "b.parquet")
    r = CliRunner().invoke(main, ["scan", str(lake), "--engine", "dask", "--ner", "off"])
    assert r.exit_code == 2 and "b.parquet: its columns differ from those of a.parquet" in r.stderr
    (lake / "b.parquet").unlink()
    (lake / "c.parquet").write_bytes(b"PAR1garbagePAR1")
    r = CliRunner().invoke(main, ["scan", str(lake), "--engine", "dask", "--ner", "off"])
    assert r.exit_code == 2 and "c.parquet: corrupt" in r.stderr
