"""Great Expectations integration, with the real great-expectations package."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner

gx = pytest.importorskip("great_expectations", reason="the gx extra is not installed")

from datasafe.cli import main  # noqa: E402

ADMIN2 = ["Goma", "Nyiragongo", "Rutshuru", "Masisi"]


def _raw_rows(n=900, seed=7):
    rnd = random.Random(seed)
    rows = []
    for i in range(n):
        age = rnd.randint(20, 79)
        rows.append({
            "full_name": f"Canaryname{i} Mbuyi",
            "phone": f"+24381{rnd.randint(1000000, 9999999)}",
            "age": str(age),
            "sex": rnd.choice(["F", "M"]),
            "admin2": rnd.choice(ADMIN2),
            "latitude": f"{-1.6 + rnd.random() / 10:.6f}",
            "longitude": f"{29.2 + rnd.random() / 10:.6f}",
            "ration_size": str(rnd.randint(1, 9)),
        })
    return rows


def _band(age: int) -> str:
    lo = (age // 20) * 20
    return f"{lo}-{lo + 19}"


def _write_csv(path, rows):
    import csv

    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


@pytest.fixture
def files(tmp_path):
    raw = _raw_rows()
    deid = [{"age": _band(int(r["age"])), "sex": r["sex"], "admin2": r["admin2"],
             "latitude": f"{float(r['latitude']):.2f}", "longitude": f"{float(r['longitude']):.2f}",
             "ration_size": r["ration_size"]} for r in raw]
    # same columns as the de-identified file, but exact ages and precise coordinates
    leaky = [{"age": r["age"], "sex": r["sex"], "admin2": r["admin2"], "latitude": r["latitude"],
              "longitude": r["longitude"], "ration_size": r["ration_size"]} for r in raw]
    paths = {name: tmp_path / f"{name}.csv" for name in ("raw", "deid", "leaky")}
    _write_csv(paths["raw"], raw)
    _write_csv(paths["deid"], deid)
    _write_csv(paths["leaky"], leaky)
    return paths


def test_export_suite_passes_on_deidentified_and_fails_on_raw(files, tmp_path):
    suite = tmp_path / "suite.json"
    runner = CliRunner()
    r = runner.invoke(main, ["gx", "export", str(files["deid"]), "--key-vars",
                             "age,sex,admin2", "--output", str(suite)])
    assert r.exit_code == 0, r.output
    doc = json.loads(suite.read_text())
    types = [e["type"] for e in doc["expectations"]]
    assert "expect_table_columns_to_match_set" in types
    assert "unexpected_rows_expectation" in types
    assert doc["meta"]["datasafe"]["key_variables"] == ["age", "sex", "admin2"]
    # the suite document loads as a real GX 1.x suite
    context = gx.get_context(mode="ephemeral")
    assert context is not None
    loaded = gx.ExpectationSuite(**doc)
    assert len(loaded.expectations) == len(doc["expectations"])

    ok = runner.invoke(main, ["gx", "validate", str(files["deid"]), "--suite", str(suite)])
    assert ok.exit_code == 0, ok.output
    assert "expectations met" in ok.output

    bad = runner.invoke(main, ["gx", "validate", str(files["raw"]), "--suite", str(suite)])
    assert bad.exit_code == 1
    assert "column set changed" in bad.output
    assert "Canaryname" not in bad.output and "+24381" not in bad.output


def test_leaky_copy_fails_on_precision_bands_and_k(files, tmp_path):
    suite = tmp_path / "suite.json"
    CliRunner().invoke(main, ["gx", "export", str(files["deid"]), "--key-vars",
                              "age,sex,admin2", "--output", str(suite)])
    r = CliRunner().invoke(main, ["gx", "validate", str(files["leaky"]), "--suite", str(suite)])
    assert r.exit_code == 1
    out = r.output
    assert "column 'latitude'" in out and "column 'age'" in out
    assert "k-anonymity" in out
    # readable, and no raw value leaks into the failure text
    assert "-1.6" not in out and "29.2" not in out


def test_check_batch_on_a_gx_batch(files):
    import pandas as pd

    from datasafe.gx import check_batch

    context = gx.get_context(mode="ephemeral")
    df = pd.read_csv(files["deid"], dtype=str)
    batch = (context.data_sources.add_pandas("p").add_dataframe_asset("a")
             .add_batch_definition_whole_dataframe("b").get_batch(
                 batch_parameters={"dataframe": df}))
    res = check_batch(batch, profile="default")
    doc = res.to_json_dict()
    assert set(doc) >= {"success", "results", "statistics", "meta"}
    assert isinstance(res.success, bool)
    assert doc["meta"]["validator"] == "datasafe"


def test_suite_from_a_datasafe_redacted_copy(tmp_path, monkeypatch):
    """The real workflow: redact for public release, export the suite from the copy; the suite
    passes on the copy and fails on the raw registration list."""
    from pathlib import Path

    import datasafe

    monkeypatch.setenv("DATASAFE_AUDIT", "off")
    raw = Path(__file__).resolve().parent.parent / "examples" / "beneficiary_registration.csv"
    copy = tmp_path / "public.csv"
    red = datasafe.redact(str(raw), profile="hdx-public", output=str(copy),
                          key="0123456789abcdef0123456789abcdef")
    assert red.exit_code == 0
    suite = tmp_path / "suite.json"
    runner = CliRunner()
    r = runner.invoke(main, ["gx", "export", str(copy), "--profile", "hdx-public",
                             "--output", str(suite)])
    assert r.exit_code == 0, r.output
    doc = json.loads(suite.read_text())
    assert any(e["type"] == "unexpected_rows_expectation" for e in doc["expectations"])
    ok = runner.invoke(main, ["gx", "validate", str(copy), "--suite", str(suite)])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(main, ["gx", "validate", str(raw), "--suite", str(suite)])
    assert bad.exit_code == 1
    assert "column set changed" in bad.output
    assert "+243" not in bad.output


def test_a_copy_that_lost_a_key_variable_fails_k_anonymity_instead_of_passing(files, tmp_path):
    """SQLite reads a quoted column name it cannot find as a string: the k-anonymity query
    grouped by a constant and passed on a copy whose admin2 was renamed."""
    import pandas as pd

    from datasafe.gx import validate_dataframe

    suite = tmp_path / "suite.json"
    CliRunner().invoke(main, ["gx", "export", str(files["deid"]), "--key-vars",
                              "age,sex,admin2", "--output", str(suite)])
    df = pd.read_csv(files["deid"], dtype=str)
    df["admin2_x"] = [f"P{i}" for i in range(len(df))]
    df = df.drop(columns=["admin2"])
    rep = validate_dataframe(df, json.loads(suite.read_text()))
    assert not rep.success
    text = str(rep)
    assert "'admin2' missing from the data, so k-anonymity cannot be checked" in text
    assert "None value(s)" not in text and "P1" not in text


def test_check_batch_statistics_count_checks_not_findings(files):
    import logging

    import pandas as pd

    from datasafe.gx import check_batch

    level = logging.getLogger("great_expectations").level
    df = pd.read_csv(files["deid"], dtype=str)
    res = check_batch(df, profile="hdx-public")
    stats = res.to_json_dict()["statistics"]
    assert stats["evaluated_checks"] >= 20
    assert stats["successful_checks"] + stats["unsuccessful_checks"] == stats["evaluated_checks"]
    assert stats["findings"] == len(res.findings)
    failing = [r for r in res.to_json_dict()["results"] if not r["success"]]
    assert bool(failing) == (not res.success)
    assert logging.getLogger("great_expectations").level == level


def test_check_batch_takes_a_profile_file_of_ones_own(files, tmp_path):
    """A team's own profile (a path) counts its own checks: it was looked up by its name."""
    import pandas as pd

    from datasafe.gx import check_batch

    prof = tmp_path / "acme.yaml"
    prof.write_text("name: acme-public\nextends: hdx-public\n"
                    "checks:\n  DR-PII-12: {enabled: false}\n", encoding="utf-8")
    df = pd.read_csv(files["deid"], dtype=str)
    mine = check_batch(df, profile=str(prof)).to_json_dict()["statistics"]
    shipped = check_batch(df, profile="hdx-public").to_json_dict()["statistics"]
    assert mine["evaluated_checks"] == shipped["evaluated_checks"] - 1


def test_the_gx_module_is_reached_from_a_plain_import():
    import subprocess
    import sys

    code = ("import sys, datasafe; f = datasafe.gx.check_batch; "
            "print(callable(f), 'great_expectations' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "False"]  # reachable, and great-expectations still not imported
