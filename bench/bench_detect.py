"""Benchmark: classify every column of a 100,000-row × 30-column CSV (I/O included).

    python bench/bench_detect.py [--rows 100000] [--repeat 3] [--dir /tmp/datasafe-bench]

Generates a seeded synthetic beneficiary list (names, phones, e-mails, IDs, GPS, dates,
categorical quasi-identifiers and sensitive attributes, counts, money, one free-text column),
then times in fresh processes:
  read        datasafe.read.read_tables (CSV → text table)
  profile     datasafe.profiling.profile_table
  detect      datasafe.detect.detect_table (header + HXL + values; NER on the free-text column)
  total       the three together, interpreter start and imports included
with NER off and with NER auto (spaCy model when installed). Target (issue 3): total <= 5 s with
NER auto. ``cpu`` is the child's user+system time: on a shared machine it moves less than the
wall-clock times, which follow the load average printed beside them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
from datasafe.read import read_tables
from datasafe.profiling import profile_table
from datasafe.detect import detect_table, ner_backend_name
from datasafe.pipeline import ScanOptions
t1 = time.perf_counter()
tables = read_tables(sys.argv[1])
t2 = time.perf_counter()
res = profile_table(tables[0])
t3 = time.perf_counter()
detect_table(tables[0], res, ScanOptions(ner=sys.argv[2]))
t4 = time.perf_counter()
roles = {}
for c in res.columns:
    roles[c.role] = roles.get(c.role, 0) + 1
print(json.dumps({"imports": t1 - t0, "read": t2 - t1, "profile": t3 - t2, "detect": t4 - t3,
                  "in_process": t4 - t0, "roles": roles, "kind": res.kind,
                  "ner": ner_backend_name()}))
"""


def generate(path: Path, rows: int, seed: int = 42) -> None:
    import numpy as np
    import pandas as pd

    r = np.random.default_rng(seed)

    def pick(vals, p=None):
        return np.asarray(vals, dtype=object)[r.choice(len(vals), rows, p=p)]

    first = ["Amina", "Mohamed", "Fatuma", "Ibrahim", "Hauwa", "Musa", "Aisha", "Bukar", "Yagana",
             "Modu", "Falmata", "Usman", "Zainab", "Aliyu", "Grace", "John", "Chinedu", "Ngozi"]
    last = ["Bukar", "Ali", "Umar", "Goni", "Kyari", "Modu", "Lawan", "Abba", "Okafor", "Bello",
            "Sani", "Ibrahim", "Usman", "Abdullahi", "Mohammed", "Adamu"]
    names = pick(first) + " " + pick(last) + np.where(r.random(rows) < 0.4, " " + pick(last), "")
    nsn = r.integers(10**7, 10**8, rows).astype(str)
    pref = pick(["803", "806", "813", "703", "706", "905", "810", "816"])
    phone = np.where(r.random(rows) < 0.45, "+234 " + pref + " " + np.char.add(
        np.char.add(np.asarray([s[:3] for s in nsn], dtype=object).astype(str), " "),
        np.asarray([s[3:7] for s in nsn], dtype=object).astype(str)).astype(object),
        "0" + pref + np.asarray([s[:7] for s in nsn], dtype=object))
    email = np.where(r.random(rows) < 0.35, np.char.lower(
        (pick(first) + "." + pick(last)).astype(str)).astype(object) + r.integers(1, 99, rows).astype(str)
        + "@" + pick(["gmail.com", "yahoo.com", "example.org"]), None)
    age = r.integers(0, 95, rows)
    dob = pd.to_datetime("2025-06-01") - pd.to_timedelta(age * 365 + r.integers(0, 364, rows), "D")
    lat = np.char.mod("%.6f", 11.8 + r.uniform(-0.5, 0.5, rows))
    lon = np.char.mod("%.6f", 13.1 + r.uniform(-0.5, 0.5, rows))
    notes_t = np.asarray([
        "Household visited, {n} reports the shelter is damaged and needs a kit",
        "Call {n} on {p} to confirm the distribution date",
        "Mother is pregnant and the child is malnourished, referred to the clinic",
        "No issues reported during the visit, full ration received",
        "Referred to case management after a protection incident near the market",
    ], dtype=object)
    ti = r.integers(0, len(notes_t), rows)
    notes = np.array([notes_t[i].format(n=names[j], p=phone[j]) for j, i in enumerate(ti)], dtype=object)
    notes = np.where(r.random(rows) < 0.7, notes, None)
    df = pd.DataFrame({
        "full_name": names, "phone": phone, "email": email,
        "date_of_birth": dob.strftime("%Y-%m-%d"), "age": age.astype(str),
        "sex": pick(["M", "F"]), "admin1": pick(["Borno", "Adamawa", "Yobe"]),
        "admin2": pick(["Maiduguri", "Jere", "Konduga", "Bama", "Gwoza", "Dikwa", "Monguno", "Mubi North"]),
        "village": pick([f"Village {i}" for i in range(400)]),
        "gps_lat": lat, "gps_lon": lon, "household_size": r.integers(1, 15, rows).astype(str),
        "displacement_status": pick(["IDP", "Returnee", "Host community"]),
        "national_id": r.integers(10**10, 10**11, rows).astype(str),
        "case_number": np.char.add("NGA-24-", np.char.zfill(r.integers(0, 999999, rows).astype(str), 6)),
        "marital_status": pick(["Married", "Single", "Widowed", "Divorced"]),
        "education_level": pick(["None", "Primary", "Secondary", "Tertiary", "Koranic"]),
        "occupation": pick(["Farmer", "Trader", "Daily labourer", "Unemployed", "Student"]),
        "monthly_income": r.integers(0, 200000, rows).astype(str),
        "ethnicity": pick(["Kanuri", "Hausa", "Fulani", "Shuwa Arab", "Babur", "Marghi"]),
        "religion": pick(["Muslim", "Christian"]), "disability": pick(["yes", "no"], p=[0.1, 0.9]),
        "chronic_illness": pick(["none", "diabetes", "hypertension", "HIV"], p=[0.8, 0.08, 0.1, 0.02]),
        "interview_date": pick([f"2025-03-{d:02d}" for d in range(1, 29)]),
        "assistance_type": pick(["Cash", "Food", "NFI", "Shelter"]),
        "amount": np.char.mod("%.2f", r.uniform(10, 80, rows)),
        "partner": pick(["WFP", "NRC", "IRC", "INTERSOS"]),
        "project_code": pick(["NGA-FS-01", "NGA-FS-02", "NGA-SH-03"]),
        "_uuid": [f"{x:032x}" for x in r.integers(0, 2**62, rows)],
        "notes": notes,
    })
    assert df.shape[1] == 30, df.shape
    df.to_csv(path, index=False)


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(path: Path, ner: str) -> dict:
    t, c = time.perf_counter(), _children_cpu()
    p = subprocess.run([sys.executable, "-c", CHILD, str(path), ner], capture_output=True,
                       text=True, check=True)
    d = json.loads(p.stdout.strip().splitlines()[-1])
    d["total"] = time.perf_counter() - t
    d["cpu"] = _children_cpu() - c
    return d


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--dir", default=os.environ.get("TMPDIR", "/tmp") + "/datasafe-bench")
    ap.add_argument("--ner", default="off,auto", help="comma list of NER modes to time")
    a = ap.parse_args(argv)
    d = Path(a.dir)
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"beneficiaries_{a.rows}x30.csv"
    if not path.exists():
        t = time.perf_counter()
        generate(path, a.rows)
        print(f"generated {path} ({path.stat().st_size / 1e6:.1f} MB) in {time.perf_counter() - t:.1f} s")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    for mode in a.ner.split(","):
        runs = [run(path, mode) for _ in range(a.repeat)]
        keys = ("imports", "read", "profile", "detect", "total", "cpu")
        med = {k: statistics.median(r[k] for r in runs) for k in keys}
        best = {k: min(r[k] for r in runs) for k in keys}
        print(f"ner={mode}: " + "  ".join(f"{k} {best[k]:.2f}/{med[k]:.2f}s" for k in keys)
              + f"   (min/median of {a.repeat}; load average {os.getloadavg()[0]:.2f}; roles "
              f"{runs[0]['roles']}, kind {runs[0]['kind']}, NER {runs[0]['ner']})")


if __name__ == "__main__":
    main()
