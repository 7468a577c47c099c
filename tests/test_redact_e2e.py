"""End to end with the real detection, risk and checks: scan → plan → redact → rescan with the
shipped profiles."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import datasafe
from datasafe.cli import main

KEY = "e2e-key-0123456789abcdef"

AGG = """District,District P-code,Girls,Boys,Total
#adm2+name,#adm2+code,#affected+f,#affected+m,#affected+total
Goma,CD7401,12,20,32
Nyiragongo,CD7402,3,30,33
Rutshuru,CD7403,40,2,42
Masisi,CD7404,19,11,30
Beni,CD7405,25,27,52
"""


def test_aggregate_csv_passes_hdx_public_after_redaction(tmp_path):
    src = tmp_path / "children_by_district.csv"
    src.write_text(AGG)
    before = datasafe.scan(str(src), profile="hdx-public")
    assert before.exit_code == 1
    assert {"DR-AGG-01", "DR-AGG-02"} <= {f.check for f in before.findings}
    out = tmp_path / "shared" / "children_by_district.csv"
    r = CliRunner().invoke(main, ["redact", str(src), "--profile", "hdx-public", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert "after:  PASS" in r.output
    after = datasafe.scan(str(out), profile="hdx-public")
    assert after.exit_code == 0 and after.summary.verdict == "pass"
    text = out.read_text()
    assert text.splitlines()[1].startswith("#adm2+name")  # HXL row kept
    df = pd.read_csv(out, skiprows=[1], dtype=str)
    cells = df[["Girls", "Boys"]].isna().to_numpy()
    assert cells[1, 0] and cells[2, 1]  # the small cells
    assert all(row.sum() != 1 for row in cells)  # none recoverable from the Total column
    assert df["Total"].notna().all()
    log = json.loads(out.with_name(out.name + ".redaction-log.json").read_text())
    f = log["files"][0]
    assert f["before"]["exit_code"] == 1 and f["after"]["exit_code"] == 0
    assert f["tables"][0]["small_cells"]["primary_suppressed"] == 2


def test_workbook_aggregate_sheet_redacted_other_sheets_kept(tmp_path):
    import openpyxl

    src = tmp_path / "report.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "by district"
    for line in AGG.strip().splitlines():
        ws.append([int(v) if v.isdigit() else v for v in line.split(",")])
    notes = wb.create_sheet("readme")
    notes.append(["Source: partner reports, aggregated at ADM2"])
    wb.save(src)
    res = datasafe.redact(str(src), profile="hdx-public")
    fr = res.files[0]
    assert fr.passed, res.summary()
    out = openpyxl.load_workbook(fr.output)
    assert out.sheetnames == ["by district", "readme"]
    assert out["readme"]["A1"].value == "Source: partner reports, aggregated at ADM2"
    sheet = out["by district"]
    assert sheet["C4"].value is None and sheet["D5"].value is None  # small cells
    assert sheet["E4"].value == 33  # totals stay numbers


def _microdata(n=1500, seed=11):
    rng = np.random.default_rng(seed)
    first = rng.choice(["Amina", "Jean", "Fatuma", "Pierre", "Grace", "Moses"], n)
    last = rng.choice(["Kabila", "Mukendi", "Ilunga", "Kasongo", "Mwamba"], n)
    return pd.DataFrame({
        "full_name": [f"{a} {b}" for a, b in zip(first, last)],
        "phone": [f"+2438{v}" for v in rng.integers(10_000_000, 99_999_999, n)],
        "age": rng.integers(0, 90, n).astype(str),
        "sex": rng.choice(["female", "male"], n),
        "admin2_pcode": rng.choice(["CD7401", "CD7402", "CD7403"], n),
        "household_size": rng.integers(1, 12, n).astype(str),
        "latitude": (rng.random(n) * 0.5 - 5.9).round(6).astype(str),
        "longitude": (rng.random(n) * 0.5 + 29.1).round(6).astype(str),
        "hiv_status": rng.choice(["positive", "negative"], n),
    })


@pytest.mark.slow
def test_microdata_identifiers_and_risk_findings_gone_after_redaction(tmp_path, monkeypatch):
    """Row-level microdata is never 'low' sensitivity, so hdx-public still refuses it
    (DR-DEID-01/DR-XFER-01 are policy, not treatment); every identifier, location-precision
    and k-anonymity finding must be gone, and local suppression must reach the k that the
    profile's risk limits imply."""
    monkeypatch.setenv("DATASAFE_KEY", KEY)
    src = tmp_path / "registration.csv"
    df = _microdata()
    df.to_csv(src, index=False)
    res = datasafe.redact(str(src), profile="hdx-public")
    fr = res.files[0]
    before = {f.check for f in fr.before.findings}
    after = {f.check for f in fr.after.findings}
    assert {"DR-GEO-01", "DR-DEID-02"} <= before
    assert any(c.startswith("DR-PII") for c in before)
    assert not any(c.startswith("DR-PII") or c.startswith("DR-GEO") for c in after), after
    assert not {"DR-DEID-02", "DR-DEID-05"} & after, after
    risk = fr.after.files[0].tables[0].risk
    assert risk is not None and risk.k_min >= 5
    out = pd.read_csv(fr.output, dtype=str)
    assert "full_name" not in out.columns and "hiv_status" not in out.columns
    text = "".join(Path(p).read_text() for p in (fr.output, fr.log_path, fr.summary_path))
    for v in df["full_name"].head(20).tolist() + df["phone"].head(20).tolist():
        assert v not in text
    assert KEY not in text


def test_sdcmicro_testdata_local_suppression(shared_dir, tmp_path, monkeypatch):
    """sdcMicro's testdata with the key variables of its documentation: local suppression
    reaches k = 5 (with sdcMicro's NA rule, recomputed by datasafe.risk) while emptying few
    values, the detected household id becomes a keyed pseudonym, and the copy passes."""
    src = shared_dir / "data" / "sdcmicro-testdata" / "testdata.csv"
    monkeypatch.setenv("DATASAFE_KEY", KEY)
    keys = ["urbrur", "roof", "walls", "water", "electcon", "relat", "sex"]
    res = datasafe.redact(str(src), profile="default", key_vars=keys, weight="sampling_weight",
                          household_id="ori_hid", output=str(tmp_path / "testdata.csv"))
    fr = res.files[0]
    assert fr.passed
    risk_after = fr.after.files[0].tables[0].risk
    assert risk_after.k_min >= 5 and risk_after.records_below_k == 0
    ls = fr.tables[0]["local_suppression"]
    assert ls["k"] == 5  # a sampling weight is given: the profile's k, not the unweighted bound
    assert 0 < ls["cells_suppressed"] < 0.03 * 4580 * len(keys)
    out = pd.read_csv(tmp_path / "testdata.csv", dtype=str)
    assert out["ori_hid"].str.fullmatch(r"[0-9a-f]{16}").all()
    # the household structure survives pseudonymisation (joins)
    src_df = pd.read_csv(src, dtype=str)
    assert out["ori_hid"].nunique() == src_df["ori_hid"].nunique()


def test_public_release_skips_ner_on_the_input_and_writes_the_same_copy(tmp_path, monkeypatch):
    """For a public release every free-text column is dropped whatever NER finds in it, so the
    scan of the input runs without NER (seconds of Presidio/spaCy start-up saved); the copy is
    byte for byte the one written with NER forced on."""
    import shutil

    from datasafe.detect import ner

    monkeypatch.setenv("DATASAFE_KEY", "test-key-not-secret-0123456789")
    src = tmp_path / "registration.csv"
    shutil.copy(Path(__file__).parent.parent / "examples" / "beneficiary_registration.csv", src)
    calls = []
    real = ner.analyse_texts
    monkeypatch.setattr(ner, "analyse_texts", lambda *a, **k: calls.append(1) or real(*a, **k))
    outs = {}
    for mode in ("auto", "on"):
        out = tmp_path / f"public_{mode}.csv"
        r = CliRunner().invoke(main, ["redact", str(src), "--profile", "hdx-public", "--ner", mode,
                                      "--output", str(out)])
        assert r.exit_code == 0, r.output
        outs[mode] = out.read_bytes()
        if mode == "auto":
            assert not calls  # no NER for the public copy
    assert calls  # --ner on still runs it
    assert outs["auto"] == outs["on"]
    assert b"vulnerability_notes" not in outs["auto"]
