"""How fast datasafe reads a large CSV, next to pyarrow's own reader (the I/O floor).

    python bench/bench_read.py                      # 1,000,000 rows x 20 columns
    python bench/bench_read.py --rows 200000 --repeat 5 --keep DIR

A seeded, vectorised generator writes a beneficiary-style CSV (IDs, names, phone numbers with
``+`` and leading zeros, dates, GPS, counts, categories, free text, some empty cells) into a
temporary folder; then each reader runs ``--repeat`` times in this process and the best and the
median wall times are printed:

- ``pyarrow.csv.read_csv`` with type inference (pyarrow's default),
- ``pyarrow.csv.read_csv`` with every column as a string (what datasafe asks pyarrow for),
- ``datasafe.read.read_tables`` (encoding and delimiter detection, layout, text DataFrame),
- ``datasafe.read.read_tables`` forced onto the csv-module path (the fallback for ragged files).

Numbers depend on the machine: report them with ``nproc`` and the CPU model.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def generate(path: Path, rows: int, seed: int = 20240611) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pcsv

    rng = np.random.default_rng(seed)
    given = np.array(["Amina", "Jean-Pierre", "Fatima", "Moussa", "Hodan", "Esther", "Abubakar",
                      "Furaha", "Khaled", "Aïssata", "Héritier", "Zainab", "Patrick", "Sahra"])
    family = np.array(["Mukendi", "Kabamba", "Bello", "Traoré", "Warsame", "Al-Hassan", "Ilunga",
                       "Diallo", "Kasongo", "Maïga", "Hassan", "Mbuyi", "Coulibaly", "Haddad"])
    admin1 = np.array(["Nord-Kivu", "Sud-Kivu", "Ituri", "Tanganyika"])
    pcode1 = np.array(["CD61", "CD62", "CD54", "CD74"])
    notes = np.array(["", "", "", "", "femme enceinte", "GBV survivor, referred",
                      "enfant non accompagné, confié à son oncle", "déplacé depuis 2023",
                      "handicap moteur", "RAS"])
    n = rows

    def digits(k: int) -> np.ndarray:
        return rng.integers(0, 10 ** k, n).astype(str)

    a1 = rng.integers(0, 4, n)
    dob = np.datetime64("1950-01-01") + rng.integers(0, 20000, n).astype("timedelta64[D]")
    reg = np.datetime64("2024-01-01") + rng.integers(0, 150, n).astype("timedelta64[D]")
    phone = np.char.add("+2438", np.char.zfill(digits(8), 8))
    phone_local = np.char.add("08", np.char.zfill(digits(8), 8))
    cols = {
        "registration_no": np.char.add("COD-24-", np.char.zfill(rng.integers(0, 10**6, n)
                                                               .astype(str), 6)),
        "full_name": np.char.add(np.char.add(rng.choice(given, n), " "), rng.choice(family, n)),
        "sex": rng.choice(np.array(["F", "M"]), n),
        "date_of_birth": dob.astype(str),
        "age": (2024 - dob.astype("datetime64[Y]").astype(int) - 1970).astype(str),
        "national_id": np.char.zfill(digits(9), 10),
        "phone": np.where(rng.random(n) < 0.5, phone, phone_local),
        "admin1": admin1[a1],
        "admin1_pcode": pcode1[a1],
        "admin2_pcode": np.char.add(pcode1[a1], np.char.zfill(rng.integers(1, 10, n)
                                                               .astype(str), 2)),
        "gps_latitude": np.round(rng.uniform(-8, 3, n), 6).astype(str),
        "gps_longitude": np.round(rng.uniform(26, 31, n), 6).astype(str),
        "household_id": np.char.add("HH-", np.char.zfill(rng.integers(0, n // 3 + 1, n)
                                                         .astype(str), 7)),
        "household_size": rng.integers(1, 15, n).astype(str),
        "registration_date": reg.astype(str),
        "assistance_type": rng.choice(np.array(["cash", "food", "nfi_kit", "shelter_kit"]), n),
        "amount": rng.choice(np.array(["", "45", "60", "75.5", "90", "120"]), n),
        "displacement_status": rng.choice(np.array(["IDP", "host", "returnee", "refugee"]), n),
        "disability": rng.choice(np.array(["yes", "no", "no", "no", ""]), n),
        "vulnerability_notes": rng.choice(notes, n),
    }
    table = pa.table({k: pa.array(v.tolist(), pa.string()) for k, v in cols.items()})
    pcsv.write_csv(table, path, write_options=pcsv.WriteOptions(quoting_style="needed"))


def timeit(fn, repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--keep", metavar="DIR", help="write the CSV here and keep it")
    ap.add_argument("--skip-fallback", action="store_true",
                    help="do not time the csv-module fallback path (slow on 1M rows)")
    args = ap.parse_args()

    import pyarrow as pa
    import pyarrow.csv as pcsv

    import datasafe.read as dread

    tmp = None
    if args.keep:
        folder = Path(args.keep)
        folder.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="datasafe-bench-")
        folder = Path(tmp.name)
    path = folder / f"bench_{args.rows}.csv"
    if not path.exists():
        t0 = time.perf_counter()
        generate(path, args.rows)
        print(f"generated {path} in {time.perf_counter() - t0:.1f} s")
    size_mb = path.stat().st_size / 1e6
    print(f"file: {args.rows:,} rows x 20 columns, {size_mb:.1f} MB; python "
          f"{platform.python_version()}, pyarrow {pa.__version__}, {os.cpu_count()} CPUs, "
          f"{platform.processor() or platform.machine()}")

    with open(path, encoding="utf-8") as fh:
        names = fh.readline().rstrip("\n").split(",")

    def arrow_default():
        return pcsv.read_csv(path)

    def arrow_strings():
        return pcsv.read_csv(path, convert_options=pcsv.ConvertOptions(
            column_types={c: pa.string() for c in names}))

    def datasafe_read():
        t = dread.read_tables(path)[0]
        assert t.rows == args.rows, t.rows
        assert t.meta["reader"] == "pyarrow"
        return t

    # Round-robin: each repeat runs every reader once, so that other load on the machine
    # hits all of them alike.
    readers = [("pyarrow.csv.read_csv (type inference)", arrow_default),
               ("pyarrow.csv.read_csv (all strings)", arrow_strings),
               ("datasafe read_tables (pyarrow path)", datasafe_read)]
    times: dict[str, list[float]] = {label: [] for label, _ in readers}
    for _ in range(args.repeat):
        for label, fn in readers:
            t0 = time.perf_counter()
            fn()
            times[label].append(time.perf_counter() - t0)
    results = []
    for label, _ in readers:
        best, med = min(times[label]), statistics.median(times[label])
        results.append((label, best, med))
        print(f"{label:45s} best {best:7.3f} s   median {med:7.3f} s")
    if not args.skip_fallback:
        saved = dread.FAST_CSV_MIN_BYTES
        dread.FAST_CSV_MIN_BYTES = 1 << 62
        try:
            best, med = timeit(lambda: dread.read_tables(path), 1)
        finally:
            dread.FAST_CSV_MIN_BYTES = saved
        results.append(("datasafe read_tables (csv-module fallback)", best, med))
        print(f"{'datasafe read_tables (csv-module fallback)':45s} best {best:7.3f} s   "
              f"(1 run)")
    for i, what in ((0, "type inference"), (1, "all strings")):
        print(f"datasafe / pyarrow {what}: best {results[2][1] / results[i][1]:.2f}x, "
              f"median {results[2][2] / results[i][2]:.2f}x")
    print(f"load average during the run: {os.getloadavg()[0]:.1f}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
