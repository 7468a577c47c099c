"""Benchmark of the re-identification risk (issue 4): 1,000,000 rows × 6 key variables of text,
as the readers deliver them, with a sampling weight and a household id.

    python bench/bench_risk.py [--rows 1000000] [--missing 0.0] [--repeat 3]

Reports wall time of ``assess_table`` (best of ``--repeat``), of the bare ``measure_risk``, and
peak memory: the process's peak RSS (``resource.getrusage``) and the peak of Python allocations
during one assessment (``tracemalloc``, which sees numpy buffers too). Target: ≤ 3 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import time
import tracemalloc


def make_table(rows: int, missing: float, seed: int = 20261125):
    import numpy as np
    import pandas as pd

    from datasafe.read import table_from_dataframe

    rng = np.random.default_rng(seed)
    cards = {"region": 12, "district": 150, "sex": 2, "age_group": 18, "hh_size": 15,
             "displacement": 4}
    data = {}
    for name, m in cards.items():
        codes = rng.integers(0, m, rows)
        labels = np.array([f"{name}_{i}" for i in range(m)], dtype=object)
        s = pd.Series(labels[codes], dtype="str")
        if missing:
            s[rng.random(rows) < missing] = None
        data[name] = s
    data["weight"] = pd.Series(np.round(rng.uniform(50, 400, rows), 2).astype(str), dtype="str")
    data["household_id"] = pd.Series((np.arange(rows) // 5).astype(str), dtype="str")
    df = pd.DataFrame(data)
    return table_from_dataframe(df, name="bench"), list(cards)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--missing", type=float, default=0.0,
                    help="share of missing values per key variable (exercises NA matching)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    from datasafe.pipeline import ScanOptions
    from datasafe.profiles import load_profile
    from datasafe.profiling import profile_table
    from datasafe.risk import assess_table, measure_risk, parse_weights

    t0 = time.perf_counter()
    table, keys = make_table(args.rows, args.missing)
    result = profile_table(table)
    setup = time.perf_counter() - t0
    opts = ScanOptions(key_vars=keys, weight="weight", household_id="household_id")
    profile = load_profile("default")

    times = []
    cpu = []
    risk = None
    for _ in range(args.repeat):
        t = time.perf_counter()
        c = time.process_time()
        risk = assess_table(table, result, opts, profile)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    w, _ = parse_weights(table.data["weight"])
    t = time.perf_counter()
    measure_risk(table.data, keys, weights=w, household_ids=table.data["household_id"])
    bare = time.perf_counter() - t

    tracemalloc.start()
    assess_table(table, result, opts, profile)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_mb = rss / 1024 if sys.platform != "darwin" else rss / 1024 / 1024

    print(f"machine: {platform.machine()} {platform.processor() or ''} cores={os.cpu_count()} "
          f"python={platform.python_version()}")
    print(f"rows={args.rows:,} key variables={len(keys)} missing={args.missing:.0%} "
          f"(setup: generate + profile {setup:.1f} s)")
    print(f"assess_table: best {min(times):.2f} s, all {', '.join(f'{x:.2f}' for x in times)}"
          f" (CPU best {min(cpu):.2f} s); load average {os.getloadavg()[0]:.1f}")
    print(f"measure_risk (bare): {bare:.2f} s")
    print(f"peak RSS (process, incl. the table): {rss_mb:.0f} MB; "
          f"tracemalloc peak during one assessment: {traced_peak / 1e6:.0f} MB")
    print(f"result: k_min={risk.k_min} below k={risk.records_below_k:,} "
          f"expected re-identifications={risk.expected_reidentifications:.2f} "
          f"household={risk.extra['household_expected_reidentifications']:.2f}")
    print("target ≤ 3 s:", "OK" if min(times) <= 3.0 else "SLOW")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
