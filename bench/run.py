"""One command that measures datasafe side by side with the I/O floor and with Presidio.

    python bench/run.py --rows 1000000 [--presidio-rows 500] [--data bench/data]

Each measurement runs in its own process; wall time and peak RSS (``os.wait4``) are recorded.
The files are read once, untimed, before anything is measured, so that every measurement reads
them from the page cache (a cold first read made the floor look up to 1.5× slower than it is
and flattered the ratios); each measurement is repeated ``--repeat`` times (default 3) and
its median kept:

- I/O floor: ``pyarrow.csv.read_csv`` of the CSV; pyarrow read + write of the same file;
- ``datasafe scan`` (classification + risk + checks) of the CSV and of the Parquet file;
- ``datasafe redact`` of the CSV with the hdx-public profile;
- presidio-structured (``PandasAnalysisBuilder.generate_analysis``) and Presidio's
  ``BatchAnalyzerEngine.analyze_dict`` on the first ``--presidio-rows`` rows, offline engines only,
  extrapolated to the full file (marked as such);

then prints the ratios and the column-level F1 of each tool against the generator's truth.
Numbers depend on the machine: report them with ``nproc`` and the CPU model.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PY = sys.executable


def timed(cmd: list[str], env: dict | None = None, repeat: int = 1) -> dict:
    """Run ``cmd`` ``repeat`` times; return the median wall seconds (and every run's), the
    largest peak RSS (MB), the last exit code and stdout."""
    runs = [_timed_once(cmd, env) for _ in range(max(1, repeat))]
    out = dict(runs[-1])
    out["seconds"] = round(statistics.median(r["seconds"] for r in runs), 3)
    out["peak_mb"] = max(r["peak_mb"] for r in runs)
    if repeat > 1:
        out["runs"] = [r["seconds"] for r in runs]
    return out


def _timed_once(cmd: list[str], env: dict | None = None) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    return {"seconds": round(wall, 3), "peak_mb": round(usage.ru_maxrss / 1024, 1),
            "rc": os.waitstatus_to_exitcode(status), "stdout": out.decode("utf-8", "replace"),
            "stderr": err.decode("utf-8", "replace")[-500:]}


def io_floor_read(csv: Path) -> list[str]:
    return [PY, "-c", f"import pyarrow.csv as c; c.read_csv({str(csv)!r})"]


def io_floor_read_write(csv: Path, out: Path) -> list[str]:
    return [PY, "-c", f"import pyarrow.csv as c; t=c.read_csv({str(csv)!r}); "
                      f"c.write_csv(t, {str(out)!r})"]


def f1_by_role(pred: dict[str, str], truth: dict[str, str]) -> dict[str, float | None]:
    """Column-level F1 of 'is this column personal (direct, quasi or sensitive)?' and per role."""
    out = {}
    for role in ("direct", "quasi", "sensitive", "any"):
        def hit(r, role=role):
            return r != "none" if role == "any" else r == role
        tp = sum(1 for c, r in truth.items() if hit(r) and hit(pred.get(c, "none")))
        fp = sum(1 for c, r in pred.items() if hit(r) and not hit(truth.get(c, "none")))
        fn = sum(1 for c, r in truth.items() if hit(r) and not hit(pred.get(c, "none")))
        if tp + fp + fn == 0:  # no such column in the data and none claimed: nothing to score
            out[role] = None
            continue
        p = tp / (tp + fp) if tp + fp else 0.0
        rc = tp / (tp + fn) if tp + fn else 0.0
        out[role] = round(2 * p * rc / (p + rc), 3) if p + rc else 0.0
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--presidio-rows", type=int, default=500)
    ap.add_argument("--skip-presidio", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the results here")
    ap.add_argument("--repeat", type=int, default=3,
                    help="runs of each datasafe and pyarrow measurement (median kept)")
    args = ap.parse_args()

    sys.path.insert(0, str(HERE))
    from generate import TRUTH

    csv = args.data / f"beneficiaries_{args.rows}.csv"
    parquet = args.data / f"beneficiaries_{args.rows}.parquet"
    if not csv.exists() or not parquet.exists():
        print(f"generating {args.rows} rows …", flush=True)
        # in a child process: the generated table must not sit in this process's memory, where
        # the forked measurement children would count it in their peak RSS
        subprocess.run([PY, str(HERE / "generate.py"), "--rows", str(args.rows), "--out",
                        str(args.data)], check=True)
    results: dict[str, dict] = {}
    tmp = Path(tempfile.mkdtemp(prefix="datasafe-bench-"))

    for f in (csv, parquet):  # into the page cache: no measurement pays a cold read
        with open(f, "rb") as fh:
            while fh.read(1 << 24):
                pass
    rep = args.repeat
    results["pyarrow read (CSV)"] = timed(io_floor_read(csv), repeat=rep)
    results["pyarrow read+write (CSV)"] = timed(io_floor_read_write(csv, tmp / "copy.csv"),
                                                repeat=rep)
    report = tmp / "report.json"
    results["datasafe scan (CSV)"] = timed([PY, "-m", "datasafe", "scan", str(csv), "--ner",
                                            "off", "--output", str(report)], repeat=rep)
    results["datasafe scan (Parquet)"] = timed([PY, "-m", "datasafe", "scan", str(parquet),
                                                "--ner", "off", "--format", "json"], repeat=rep)
    results["datasafe redact (CSV)"] = timed(
        [PY, "-m", "datasafe", "redact", str(csv), "--profile", "hdx-public", "--output",
         str(tmp / "redacted.csv")], env={"DATASAFE_KEY": "bench-key-not-secret-0123456789"},
        repeat=rep)

    pred = {}
    if report.exists():
        doc = json.loads(report.read_text())
        for t in doc["files"][0]["tables"]:
            for c in t["columns"]:
                pred[c["name"]] = c["role"]
    f1 = {"datasafe": f1_by_role(pred, TRUTH)}

    if not args.skip_presidio:
        # bench/presidio_bench.py builds the analyzer the way bench/compare_presidio.py does
        pres = timed([PY, str(HERE / "presidio_bench.py"), "--bench-csv", str(csv), "--rows",
                      str(args.presidio_rows)])
        results["presidio (sample)"] = pres
        try:
            pdoc = json.loads(pres["stdout"].strip().splitlines()[-1])
            scale = args.rows / max(1, pdoc.get("rows", args.presidio_rows))
            results["presidio-structured + batch (extrapolated)"] = {
                "seconds": round(pdoc["seconds"] * scale, 1), "peak_mb": pres["peak_mb"],
                "rc": pres["rc"], "note": f"measured on {pdoc.get('rows')} rows, scaled ×{scale:.0f}"}
            f1["presidio-structured"] = f1_by_role(pdoc.get("roles", {}), TRUTH)
        except (ValueError, KeyError, IndexError):
            results["presidio (sample)"]["note"] = "no JSON result (see stderr)"

    print(f"\nmachine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}; {args.rows:,} rows × 20 columns")
    print(f"{'measurement':<46}{'seconds':>10}{'peak MB':>10}{'rc':>5}")
    for name, r in results.items():
        print(f"{name:<46}{r['seconds']:>10}{r['peak_mb']:>10}{r['rc']:>5}  {r.get('note', '')}")
    floor = results["pyarrow read (CSV)"]["seconds"]
    rw = results["pyarrow read+write (CSV)"]["seconds"]
    scan_s = results["datasafe scan (CSV)"]["seconds"]
    red_s = results["datasafe redact (CSV)"]["seconds"]
    print(f"\nscan / pyarrow read        = {scan_s / floor:.2f}×  (target ≤ 2×)")
    print(f"redact / pyarrow read+write = {red_s / rw:.2f}×  (target ≤ 2×: throughput ≥ half)")
    if "presidio-structured + batch (extrapolated)" in results:
        ps = results["presidio-structured + batch (extrapolated)"]["seconds"]
        print(f"presidio (extrapolated) / datasafe scan = {ps / scan_s:.0f}×  (target ≥ 50×)")
    print("column F1:", json.dumps(f1))
    if args.json:
        args.json.write_text(json.dumps({"results": results, "f1": f1}, indent=2))


if __name__ == "__main__":
    main()
