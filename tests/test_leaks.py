"""Leak canaries (issue 11): unique values planted in direct and sensitive columns of CSV,
xlsx and Parquet files never appear in any output of any command: reports in every format,
redaction summaries, logs and copies, plans, baselines, approvals, the audit trail, the hook,
the GX suite, and error messages (``--debug`` off)."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.test_hardening_util import base_env, run_datasafe

CANARY_NAME = "Zqxcanaryname Vorbluktest"
CANARY_PHONE = "+243 897 613 542"
CANARY_EMAIL = "zqxcanary.mailbox@example.org"
CANARY_RELIGION = "Zqxreligioncanary"
CANARY_HEALTH = "Zqxhealthcanary syndrome"
CANARY_ID = "ZQX-88411-CAN"
# the canaries and recognisable fragments of them (case-insensitive)
FRAGMENTS = ["zqxcanary", "vorbluk", "897613542", "897 613 542", "613 542", "613542",
             "canary.mailbox", "zqxreligion", "zqxhealth", "88411"]

FIRST = ["Amina", "Jean", "Fatou", "Moise", "Grace", "Pascal", "Esther", "Idrissa", "Nadia",
         "Patrice", "Aline", "Joseph"]
LAST = ["Diallo", "Mukendi", "Kabila", "Mbuyi", "Kasongo", "Ilunga", "Tshisekedi", "Banza"]
RELIGIONS = ["Catholic", "Protestant", "Muslim", "Kimbanguist", "None"]
HEALTH = ["none", "diabetes", "HIV positive", "malaria", "tuberculosis", "disability"]
DISTRICTS = ["Goma", "Bukavu", "Uvira", "Beni"]


def rows(n: int = 60) -> list[dict]:
    out = []
    for i in range(n):
        out.append({
            "full_name": f"{FIRST[i % len(FIRST)]} {LAST[(i * 7) % len(LAST)]}",
            "phone_number": f"+243 81{i % 10} {100 + i:03d} {200 + 3 * i:03d}",
            "email": f"{FIRST[i % len(FIRST)].lower()}{i}@example.org",
            "national_id": f"CD-{10000 + 37 * i}-{i % 9}",
            "religion": RELIGIONS[i % len(RELIGIONS)],
            "health_condition": HEALTH[i % len(HEALTH)],
            "district": DISTRICTS[i % len(DISTRICTS)],
            "sex": "F" if i % 2 else "M",
            "age": str(18 + (i * 3) % 60),
            "notes": (f"Visited {FIRST[i % len(FIRST)]} {LAST[i % len(LAST)]} at home in "
                      f"{DISTRICTS[i % 4]}; follow-up needed next week for the family."),
        })
    canary = {"full_name": CANARY_NAME, "phone_number": CANARY_PHONE, "email": CANARY_EMAIL,
              "national_id": CANARY_ID, "religion": CANARY_RELIGION,
              "health_condition": CANARY_HEALTH, "district": "Goma", "sex": "F", "age": "34",
              "notes": f"Called {CANARY_NAME} on {CANARY_PHONE} about the {CANARY_HEALTH} case."}
    out.insert(n // 2, canary)
    out.insert(n // 3, dict(canary, age="35", sex="M"))
    return out


def write_inputs(folder: Path) -> dict[str, Path]:
    import pandas as pd

    df = pd.DataFrame(rows())
    paths = {"csv": folder / "people.csv", "xlsx": folder / "people.xlsx",
             "parquet": folder / "people.parquet"}
    df.to_csv(paths["csv"], index=False)
    with pd.ExcelWriter(paths["xlsx"], engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name="Registration", index=False)
        df[["district", "religion", "health_condition"]].to_excel(xw, sheet_name="Hidden",
                                                                   index=False)
        xw.book["Hidden"].sheet_state = "hidden"
    df.to_parquet(paths["parquet"], index=False)
    return paths


def find_leaks(text: str) -> list[str]:
    low = text.lower()
    return [f for f in FRAGMENTS if f in low]


def scan_tree(root: Path, exclude: set[Path]) -> dict[str, list[str]]:
    leaks = {}
    for p in sorted(root.rglob("*")):
        if p.is_dir() or p in exclude or ".git" in p.parts:
            continue
        data = p.read_bytes()
        text = data.decode("utf-8", "replace")
        if p.suffix == ".xlsx":
            import zipfile

            with zipfile.ZipFile(p) as z:
                text = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        elif p.suffix == ".parquet":
            import pyarrow.parquet as pq

            text += json.dumps(pq.read_table(p).to_pylist(), default=str)
        hits = find_leaks(text)
        if hits:
            leaks[str(p.relative_to(root))] = hits
    return leaks


@pytest.fixture(scope="module")
def leak_run(tmp_path_factory):
    """Run every command on the canary files once; collect every stdout/stderr."""
    root = tmp_path_factory.mktemp("leaks")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    paths = write_inputs(root)
    subprocess.run(["git", "add", "."], cwd=root, check=True)
    (root / "broken.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 100)  # a corrupt sibling
    env = base_env(root, {"DATASAFE_KEY": "leak-test-key-0123456789abcdef0123"})
    runs = []

    def ds(*args):
        r = run_datasafe(list(args), cwd=root, env=env)
        runs.append(r)
        return r

    names = [p.name for p in paths.values()]
    ds("scan", *names, "--ner", "off", "-o", "rep.json", "-o", "rep.html", "-o", "rep.md",
       "-o", "rep.sarif", "-o", "rep.txt")
    ds("scan", *names, "--ner", "off", "--profile", "hdx-public", "--format", "json")
    ds("scan", *names, "--ner", "off", "--profile", "hdx-public", "--format", "sarif",
       "--lang", "fr")
    ds("redact", *names, "--profile", "hdx-public", "--ner", "off", "--plan")
    ds("redact", "people.csv", "--profile", "hdx-public", "--ner", "off",
       "--write-plan", "plan.yaml", "--plan")
    ds("redact", *names, "--profile", "hdx-public", "--output-dir", "red_text")
    ds("redact", *names, "--profile", "partner-restricted", "--ner", "off", "--format", "json",
       "--output-dir", "red_partner")
    ds("approve", "people.xlsx", "--by", "Test Officer", "--reason", "DSA-1", "--destination",
       "partner", "--ner", "off")
    ds("hook", *names, "--ner", "off")
    # NER on the free-text column (Presidio + spaCy when installed)
    ds("scan", "people.csv", "--ner", "on", "--format", "html", "-o", "ner.json")
    # a folder with a corrupt sibling: error path with --debug off
    ds("scan", ".", "--ner", "off", "--format", "text")
    ds("redact", "broken.xlsx", "--profile", "hdx-public", "--ner", "off")
    ds("baseline", "create")
    ds("audit", "show")
    ds("audit", "verify")
    try:
        import great_expectations  # noqa: F401

        ds("gx", "export", "people.csv", "--profile", "hdx-public", "--output", "suite.json")
        ds("gx", "export", "red_text/people.csv", "--profile", "hdx-public",
           "--output", "suite_red.json")
    except ImportError:
        pass
    return root, paths, runs


@pytest.mark.slow
def test_no_canary_in_any_stdout_or_stderr(leak_run):
    _, _, runs = leak_run
    for r in runs:
        assert "Traceback" not in r.stderr, str(r)
        assert "internal error" not in r.stderr, str(r)
        hits = find_leaks(r.stdout) + find_leaks(r.stderr)
        assert not hits, f"canary {hits} leaked by datasafe {r.args}\n{r}"


@pytest.mark.slow
def test_no_canary_in_any_written_file(leak_run):
    root, paths, _ = leak_run
    leaks = scan_tree(root, set(paths.values()) | {root / "broken.xlsx"})
    # partner-restricted keeps sensitive columns by design: only direct canaries count there
    sensitive = {"zqxreligion", "zqxhealth"}
    leaks = {k: v for k, v in leaks.items()
             if not (k.startswith("red_partner/") and "redaction-log" not in k
                     and set(v) <= sensitive)}
    assert not leaks, f"canaries found in written files: {leaks}"


@pytest.mark.slow
def test_commands_ran_and_wrote_outputs(leak_run):
    root, _, runs = leak_run
    for ext in ("json", "html", "md", "sarif", "txt"):
        assert (root / f"rep.{ext}").stat().st_size > 0
    copies = sorted(p.name for p in (root / "red_text").iterdir())
    assert any(n.endswith(".csv") for n in copies) and any(n.endswith(".xlsx") for n in copies)
    assert any(n.endswith(".parquet") for n in copies)
    assert any(n.endswith(".redaction-log.json") for n in copies)
    assert (root / ".datasafe-baseline.json").exists()
    assert (root / "audit.jsonl").stat().st_size > 0
    # the scans actually found the columns the canaries are in
    rep = json.loads((root / "rep.json").read_text())
    roles = {c["name"]: c["role"] for t in rep["files"][0]["tables"] for c in t["columns"]}
    assert roles["full_name"] == "direct" and roles["phone_number"] == "direct"
    assert roles["religion"] == "sensitive"
    # the broken sibling gave a one-line error, not a traceback
    folder = next(r for r in runs if r.args[:2] == ["scan", "."])
    assert folder.returncode == 2 and "broken.xlsx" in folder.stderr


@pytest.mark.slow
def test_redacted_copies_hold_no_canary(leak_run):
    """hdx-public drops or pseudonymises every direct and sensitive column: the copies hold no
    canary at all (the whole-tree test covers them too; this one names the copies)."""
    root, _, _ = leak_run
    copies = [p for p in (root / "red_text").iterdir() if "redaction-log" not in p.name]
    assert copies
    for p in copies:
        assert not scan_tree(p.parent, set(p.parent.iterdir()) - {p}), p.name


def test_fragments_cover_each_canary():
    for canary in (CANARY_NAME, CANARY_PHONE, CANARY_EMAIL, CANARY_RELIGION, CANARY_HEALTH,
                   CANARY_ID):
        assert find_leaks(canary), canary
    assert not find_leaks(json.dumps(rows()[:5]))
    assert re.sub(r"\D", "", CANARY_PHONE).endswith("897613542")


def test_sensitive_categories_show_nothing_in_examples_or_combinations(tmp_path):
    """A first letter and a length are enough to read a religion or an incident type when the
    categories are few: sensitive values are shown as ••• only, in the masked examples and in
    the riskiest key combinations of every report."""
    from click.testing import CliRunner

    from datasafe.cli import main

    rows = ["village,sex,age,religion,incident_type"]
    faiths, incidents = ["musulmane", "catholique", "protestante"], ["viol", "vol", "menace"]
    for i in range(60):
        rows.append(f"Kaya,{'FM'[i % 2]},{20 + i},{faiths[i % 3]},{incidents[i % 3]}")
    f = tmp_path / "incidents.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    outs = [tmp_path / n for n in ("r.json", "r.md", "r.html", "r.sarif")]
    args = ["scan", str(f), "--ner", "off", "--format", "text"]
    for o in outs:
        args += ["--output", str(o)]
    r = CliRunner().invoke(main, args)
    assert r.exit_code in (0, 1), r.output
    doc = json.loads(outs[0].read_text(encoding="utf-8"))
    cols = {c["name"]: c for c in doc["files"][0]["tables"][0]["columns"]}
    assert cols["religion"]["role"] == "sensitive" and cols["religion"]["examples"] == ["•••"]
    combos = doc["files"][0]["tables"][0]["risk"]["riskiest_combinations"]
    assert combos and all(c["values"]["religion"] == "•••" for c in combos)
    for text in [r.stdout] + [o.read_text(encoding="utf-8") for o in outs]:
        for word in faiths + incidents:
            assert not re.search(rf"\b{word}\b", text), word
        assert not re.search(r"\b[mcp]•{5,}", text)  # no first letter of a faith either
