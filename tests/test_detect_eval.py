"""``datasafe eval``: per-role precision/recall/F1 on labelled files, and the quality targets on
the shipped corpus (bench/eval)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "bench" / "eval" / "corpus"


def _small_labels(tmp_path: Path) -> Path:
    d = tmp_path / "labels"
    d.mkdir()
    n = 40
    pd.DataFrame({
        "full_name": [f"{a} {b}" for a in ("Amina", "Jean", "Halima", "Musa", "Grace")
                      for b in ("Yusuf", "Kabila", "Farah", "Okello", "Diallo", "Bukar", "Sani",
                                "Abdi")][:n],
        "age": [str(20 + i) for i in range(n)],
        "amount": [f"{10 + i}.50" for i in range(n)],
    }).to_csv(d / "list.csv", index=False)
    (d / "labels.yaml").write_text(yaml.safe_dump({"files": {"list.csv": {"kind": "microdata", "columns": {
        "full_name": {"role": "direct", "entity": "PERSON"},
        "age": {"role": "quasi", "entity": "AGE"},
        "amount": {"role": "none", "trap": True}}}}}), encoding="utf-8")
    return d


def _cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "datasafe", *args], capture_output=True, text=True,
                          timeout=600)


def test_eval_command_prints_per_role_scores(tmp_path):
    d = _small_labels(tmp_path)
    p = _cli("eval", str(d), "--ner", "off")
    assert p.returncode == 0, p.stderr
    assert "direct" in p.stdout and "precision" in p.stdout and "F1" in p.stdout
    assert "traps classified direct: 0 of 1" in p.stdout
    # values never appear, only headers
    assert "Amina" not in p.stdout and "Kabila" not in p.stdout
    pj = _cli("eval", str(d), "--ner", "off", "--json")
    data = json.loads(pj.stdout)
    assert data["score"]["roles"]["direct"]["f1"] == 1.0
    assert data["score"]["columns"] == 3


def test_eval_bad_folder_is_exit_2(tmp_path):
    p = _cli("eval", str(tmp_path))
    assert p.returncode == 2
    assert p.stderr.startswith("datasafe: ") and len(p.stderr.strip().splitlines()) == 1


def test_score_function():
    from datasafe.cli.evaluate import score

    rows = [
        {"file": "f", "column": "a", "truth_role": "direct", "pred_role": "direct", "truth_entity": "PERSON", "pred_entity": "PERSON"},
        {"file": "f", "column": "b", "truth_role": "quasi", "pred_role": "none", "truth_entity": "AGE", "pred_entity": None},
        {"file": "f", "column": "c", "truth_role": "none", "pred_role": "direct", "trap": True, "truth_entity": None, "pred_entity": "PHONE_NUMBER"},
    ]
    s = score(rows)
    assert s["roles"]["direct"]["precision"] == 0.5 and s["roles"]["direct"]["recall"] == 1.0
    assert s["roles"]["quasi"]["recall"] == 0.0
    assert s["traps_direct"] == ["f:c"]


@pytest.mark.slow
def test_quality_targets_on_the_corpus():
    if not (CORPUS / "labels.yaml").exists():
        pytest.skip("bench/eval/corpus is not in this checkout")
    from datasafe.cli.evaluate import evaluate

    out = evaluate([CORPUS], ner="off")
    s = out["score"]
    assert s["columns"] >= 150
    assert s["roles"]["direct"]["f1"] >= 0.95
    assert s["roles"]["quasi"]["f1"] >= 0.85
    assert s["roles"]["sensitive"]["f1"] >= 0.85
    assert s["traps_direct"] == []
    assert not out["missing"]


def test_corpus_generator_is_reproducible(tmp_path):
    gen = REPO / "bench" / "eval" / "gen_corpus.py"
    if not gen.exists():
        pytest.skip("bench/ is not in this checkout")
    p = subprocess.run([sys.executable, str(gen), "--out", str(tmp_path / "c"), "--rows", "30"],
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    labels = yaml.safe_load((tmp_path / "c" / "labels.yaml").read_text(encoding="utf-8"))
    assert len(labels["files"]) >= 15
    first = (tmp_path / "c" / "beneficiaries_ng_en.csv").read_bytes()
    subprocess.run([sys.executable, str(gen), "--out", str(tmp_path / "c"), "--rows", "30"],
                   capture_output=True, text=True, timeout=300, check=True)
    assert (tmp_path / "c" / "beneficiaries_ng_en.csv").read_bytes() == first
