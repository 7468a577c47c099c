"""Where the time of one local scan goes, stage by stage, in a fresh process.

    python bench/stages.py bench/data/beneficiaries_1000000.csv [--ner off] [--repeat 3]

Each repeat is its own process (imports are part of the cost a user pays). Per stage: wall
seconds and CPU seconds (CPU above wall means the stage used the second core). The stages are
the pipeline's own functions, called in the pipeline's order: import, read, profile (with
detection's per-column step, which runs on the profiling workers), detect (the table-level
rest), risk, checks, report (JSON). Numbers are noisy on a shared 2-core machine: compare minimums.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

CHILD = r"""
import json, sys, time
t0, c0 = time.perf_counter(), time.process_time()
out = {}
def mark(name):
    global t0, c0
    t, c = time.perf_counter(), time.process_time()
    out[name] = (t - t0, c - c0)
    t0, c0 = t, c
import pandas, pyarrow  # noqa: F401 (what every scan imports)
from datasafe.checking import run_checks
from datasafe.detect import detect_table
from datasafe.model import FileResult, ScanResult
from datasafe.pipeline import ScanOptions, _profile_and_analyse
from datasafe.read import read_tables
from datasafe.report import render
from datasafe.risk import assess_table
mark("imports")
path, ner = sys.argv[1], sys.argv[2]
opts = ScanOptions(ner=ner)
prof = opts.resolved_profile()
tables = read_tables(path, opts.limits)
mark("read")
fres = FileResult(path=path, format=tables[0].format or "csv")
pairs = [_profile_and_analyse(t, opts) for t in tables]  # detection's per-column step inside
results = [r for r, _ in pairs]
mark("profile")
for t, (r, analysed) in zip(tables, pairs):
    detect_table(t, r, opts, analysed)
mark("detect")
for t, r in zip(tables, results):
    r.risk = assess_table(t, r, opts, prof)
mark("risk")
fres.tables.extend(results)
res = ScanResult(profile=prof.name)
res.files.append(fres)
run_checks(res, [(fres, tables)], opts, prof)
mark("checks")
render(res, "json")
mark("report")
print(json.dumps(out))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("path")
    ap.add_argument("--ner", default="off", choices=["auto", "on", "off"])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    runs = []
    for _ in range(args.repeat):
        t = time.perf_counter()
        r = subprocess.run([sys.executable, "-c", CHILD, args.path, args.ner],
                           capture_output=True, text=True, check=True)
        runs.append((time.perf_counter() - t, json.loads(r.stdout.strip().splitlines()[-1])))
    stages = list(runs[0][1])
    print(f"{args.path}: {args.repeat} runs, load {os.getloadavg()[0]:.2f}, "
          f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"{'stage':10s} {'wall min':>9s} {'wall med':>9s} {'cpu min':>8s}")
    for s in stages:
        walls = sorted(r[s][0] for _, r in runs)
        cpus = sorted(r[s][1] for _, r in runs)
        print(f"{s:10s} {walls[0]:9.2f} {walls[len(walls) // 2]:9.2f} {cpus[0]:8.2f}")
    totals = sorted(t for t, _ in runs)
    print(f"{'process':10s} {totals[0]:9.2f} {totals[len(totals) // 2]:9.2f}   "
          "(interpreter start-up included)")


if __name__ == "__main__":
    main()
