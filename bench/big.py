"""Memory on a file larger than the streaming threshold: a multi-GB CSV of beneficiary rows,
scanned by ``datasafe scan`` (streaming engine, chosen by size), beside pyarrow's streaming
CSV reader over the same file (the I/O floor of a bounded-memory pass).

    python bench/big.py --gb 5 [--data bench/data] [--json bench/results/big.json] [--scan-only]

The file is written chunk by chunk (one generated chunk, copied with fresh identifiers, villages
and households), so generating it needs no more memory than one chunk. Reports wall time and
peak RSS (``ru_maxrss``, what ``/usr/bin/time -v`` calls "Maximum resident set size") of each
process, with the load average before and after it.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import PY, timed  # noqa: E402


def write_big(path: Path, gb: float, chunk_rows: int = 2_000_000) -> int:
    """Append chunks until the CSV reaches ``gb`` GB; returns the rows written. One chunk is
    generated (``bench/generate.py``); each copy gets its own identifiers, villages and
    households (suffix ``-<chunk>``), so distinct values and key combinations keep growing
    with the file as in real data (the frequency table is as large as it gets)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    from generate import generate

    target = int(gb * 1e9)
    rows = 0
    base = generate(chunk_rows, 1000)
    tmp = path.with_suffix(".part")
    i = 0
    with open(tmp, "wb") as out:
        while out.tell() < target:
            t = base
            if i:
                for col in ("case_number", "household_id", "national_id", "village"):
                    j = t.schema.get_field_index(col)
                    t = t.set_column(j, col, pc.binary_join_element_wise(
                        t.column(col), pa.scalar(f"-{i}"), ""))
            pacsv.write_csv(t, out, pacsv.WriteOptions(include_header=rows == 0))
            rows += chunk_rows
            i += 1
    tmp.replace(path)
    (path.with_suffix(".rows")).write_text(str(rows))
    return rows


def _with_load(fn, *args) -> dict:
    """``fn(*args)`` with the 1-minute load average before and after (the machine is shared:
    a number means little without it)."""
    import os

    before = os.getloadavg()[0]
    r = fn(*args)
    r["load_before"], r["load_after"] = round(before, 2), round(os.getloadavg()[0], 2)
    return r


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--gb", type=float, default=5.0)
    ap.add_argument("--data", type=Path, default=HERE / "data")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--scan-only", action="store_true", help="skip the pyarrow read floor")
    a = ap.parse_args()
    a.data.mkdir(parents=True, exist_ok=True)
    csv = a.data / f"beneficiaries_{a.gb:g}gb.csv"
    if not csv.exists():
        t = time.perf_counter()
        rows = write_big(csv, a.gb)
        print(f"wrote {csv} ({rows:,} rows) in {time.perf_counter() - t:.0f} s", flush=True)
    rows = int(csv.with_suffix(".rows").read_text())
    size = csv.stat().st_size
    res = {}
    if not a.scan_only:
        # the engine's read block (pyarrow reads 32 blocks ahead: 16 MB blocks held ~0.6 GB)
        res["pyarrow streaming read"] = _with_load(timed, [PY, "-c", (
            "import pyarrow as pa, pyarrow.csv as c\n"
            "from datasafe.engines.sources import READ_BLOCK_BYTES\n"
            f"names = [h.strip(chr(34)) for h in open({str(csv)!r}).readline().strip()"
            ".split(',')]\n"
            f"r = c.open_csv({str(csv)!r}, read_options=c.ReadOptions("
            "block_size=READ_BLOCK_BYTES), "
            "convert_options=c.ConvertOptions(column_types={n: pa.string() for n in names}))\n"
            "n = sum(b.num_rows for b in r)\n")])
    res["datasafe scan (streaming)"] = _with_load(timed, [PY, "-m", "datasafe", "scan",
                                                          str(csv), "--ner", "off", "--format",
                                                          "json"])
    print(f"\n{csv.name}: {size / 1e9:.2f} GB, {rows:,} rows × 20 columns")
    print(f"{'measurement':<34}{'seconds':>10}{'peak MB':>10}{'rc':>5}  load (1-min avg)")
    for name, r in res.items():
        print(f"{name:<34}{r['seconds']:>10}{r['peak_mb']:>10}{r['rc']:>5}  "
              f"{r['load_before']} -> {r['load_after']}")
        if r["rc"] not in (0, 1):
            print(r["stderr"])
    try:
        doc = json.loads(res["datasafe scan (streaming)"]["stdout"])
        f = doc["files"][0]
        risk = f["tables"][0].get("risk") or {}
        print(f"engine: {f.get('engine')}, rows: {f['tables'][0]['rows']:,}, "
              f"key variables: {risk.get('quasi_identifiers')}, k_min: {risk.get('k_min')}")
    except (ValueError, KeyError, IndexError):
        pass
    if a.json:
        for r in res.values():
            r.pop("stdout", None)
        a.json.write_text(json.dumps({"file": str(csv), "bytes": size, "rows": rows,
                                      "results": res}, indent=2))


if __name__ == "__main__":
    main()
