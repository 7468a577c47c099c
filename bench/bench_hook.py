"""How long the pre-commit hook takes on a small clean CSV, against ``python -c "import pandas"``.

The issue's budget: the hook finishes within twice the time of ``import pandas`` on the same
machine. Both are measured in the same run, interleaved, as separate processes (the hook is
what pre-commit starts: ``datasafe hook FILE`` in the repository's root). Also reports which
heavy modules the hook imported (``-X importtime``) and the slowest imports.

    python bench/bench_hook.py [--runs 9] [--rows 50] [--python PYTHON] [--json OUT]

Timings on a shared VM are noisy: compare minimums, and rerun when the machine is busy.
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

HEAVY = ("pandas", "pyarrow", "numpy", "spacy", "presidio_analyzer", "great_expectations",
         "phonenumbers", "jinja2", "yaml", "openpyxl", "python_calamine", "cryptography",
         "scipy", "sklearn")


def make_repo(folder: Path, rows: int) -> Path:
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    lines = ["item,unit,quantity,warehouse"]
    items = ["rice", "beans", "oil", "salt", "soap", "blanket", "jerrycan", "tarpaulin"]
    for i in range(rows):
        lines.append(f"{items[i % len(items)]},kg,{100 + 37 * i % 900},WH-{1 + i % 3}")
    f = folder / "stock.csv"
    f.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f


def timed(cmd: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, int, str]:
    t0 = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    return time.perf_counter() - t0, r.returncode, r.stdout + r.stderr


def importtime(python: str, cwd: Path, env: dict[str, str], args: list[str]) -> dict:
    r = subprocess.run([python, "-X", "importtime", "-m", "datasafe", *args], cwd=cwd, env=env,
                       capture_output=True, text=True)
    rows = []
    top_level: dict[str, int] = {}
    for ln in r.stderr.splitlines():
        if not ln.startswith("import time:") or "self [us]" in ln:
            continue
        parts = ln[len("import time:"):].split("|")
        if len(parts) != 3:
            continue
        cum_us, name = int(parts[1]), parts[2][1:]  # one space after '|', then 2 per level
        depth = (len(name) - len(name.lstrip())) // 2
        mod = name.strip()
        rows.append((cum_us, mod, depth))
        root = mod.split(".")[0]
        if depth == 0 or root not in top_level:
            top_level[root] = max(top_level.get(root, 0), cum_us)
    heavy = sorted({m.split(".")[0] for _, m, _ in rows if m.split(".")[0] in HEAVY})
    slowest = sorted(((us, m) for m, us in top_level.items()), reverse=True)[:12]
    return {"heavy_imported": heavy,
            "slowest_top_level_ms": [[m, round(us / 1000, 1)] for us, m in slowest],
            "returncode": r.returncode}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--rows", type=int, default=50)
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--json", help="write the results to this file")
    ap.add_argument("--no-bytecode", action="store_true",
                    help="keep PYTHONDONTWRITEBYTECODE as set (every run recompiles datasafe's "
                         "sources); by default bytecode is cached in a temporary folder, as in "
                         "an installed package (pip compiles it)")
    args = ap.parse_args()

    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.pop("DATASAFE_DEBUG", None)
    with tempfile.TemporaryDirectory(prefix="bench-hook-") as tmp:
        repo = Path(tmp) / "repo"
        repo.mkdir()
        if not args.no_bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")  # nothing written in the tree
        f = make_repo(repo, args.rows)
        cmds = {
            "import pandas": [args.python, "-c", "import pandas"],
            "datasafe hook (clean CSV)": [args.python, "-m", "datasafe", "hook", f.name],
            "datasafe hook (no data file)": [args.python, "-m", "datasafe", "hook", "README.md"],
            "datasafe scan --quiet (clean CSV)": [args.python, "-m", "datasafe", "scan",
                                                  "--quiet", f.name],
        }
        for _ in range(2):  # warm-up (page cache, bytecode)
            for cmd in cmds.values():
                timed(cmd, repo, env)
        times: dict[str, list[float]] = {k: [] for k in cmds}
        codes: dict[str, set[int]] = {k: set() for k in cmds}
        for _ in range(args.runs):  # interleaved, so that load changes hit all alike
            for name, cmd in cmds.items():
                dt, rc, out = timed(cmd, repo, env)
                times[name].append(dt)
                codes[name].add(rc)
                if rc != 0 and name != "import pandas":
                    codes[name].add(-1)
                    last_out = out
        imp = importtime(args.python, repo, env, ["hook", f.name])

    res = {
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                    "python": platform.python_version(),
                    "load_avg": [round(x, 2) for x in os.getloadavg()]},
        "runs": args.runs, "rows": args.rows, "bytecode_cached": not args.no_bytecode,
        "timings_s": {k: {"min": round(min(v), 3), "median": round(statistics.median(v), 3)}
                      for k, v in times.items()},
        "exit_codes": {k: sorted(v) for k, v in codes.items()},
        "importtime": imp,
    }
    base = res["timings_s"]["import pandas"]
    hook = res["timings_s"]["datasafe hook (clean CSV)"]
    res["ratio_min"] = round(hook["min"] / base["min"], 2)
    res["ratio_median"] = round(hook["median"] / base["median"], 2)
    res["within_budget"] = res["ratio_min"] <= 2.0

    print(f"machine: {res['machine']['cpus']} CPUs, Python {res['machine']['python']}, "
          f"load {res['machine']['load_avg']}; {args.runs} runs, CSV of {args.rows} rows; "
          f"bytecode {'cached' if res['bytecode_cached'] else 'not cached'}")
    print(f"{'command':<36} {'min s':>7} {'median s':>9}  exit")
    for k, v in res["timings_s"].items():
        print(f"{k:<36} {v['min']:>7.3f} {v['median']:>9.3f}  {res['exit_codes'][k]}")
    print(f"hook / import pandas: {res['ratio_min']}x (min), {res['ratio_median']}x (median); "
          f"budget 2x: {'OK' if res['within_budget'] else 'OVER'}")
    print(f"heavy modules imported by the hook: {', '.join(imp['heavy_imported']) or 'none'}")
    print("slowest top-level imports (ms): "
          + ", ".join(f"{m} {ms}" for m, ms in imp["slowest_top_level_ms"]))
    if any(-1 in v for v in codes.values()):
        print("warning: a datasafe run did not exit 0:\n" + last_out[-2000:], file=sys.stderr)
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
