"""Seeded generator of beneficiary-style data for benchmarks (100k, 1M, 10M rows), as CSV and
Parquet, with the ground-truth role of every column.

    python bench/generate.py --rows 1000000 --out bench/data

Vectorised with numpy: 1M rows × 20 columns take a few seconds. The data is synthetic.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FIRST = ["Amina", "Jean", "Fatuma", "Ibrahim", "Aisha", "Mohamed", "Grace", "Yusuf", "Mariam",
         "Emmanuel", "Halima", "Abdi", "Chantal", "Omar", "Nadia", "Kwame", "Zainab", "Ali",
         "Esther", "Hassan", "Faduma", "Musa", "Rania", "Pierre", "Hawa", "Ahmed", "Bintou"]
LAST = ["Mbuyi", "Okafor", "Hassan", "Diallo", "Kabila", "Abdullahi", "Nkurunziza", "Haddad",
        "Traoré", "Mohamud", "Ilunga", "Bello", "Warsame", "Kouassi", "Al-Masri", "Mukendi",
        "Osman", "Sow", "Kamara", "Adeyemi", "Farah", "Keita", "Ndlovu", "Said", "Lumumba"]
ADMIN1 = ["Nord-Kivu", "Sud-Kivu", "Ituri", "Tanganyika", "Kasaï"]
ADMIN2 = ["Goma", "Nyiragongo", "Rutshuru", "Masisi", "Beni", "Lubero", "Bukavu", "Uvira",
          "Bunia", "Djugu", "Kalemie", "Tshikapa"]
STATUS = ["IDP", "Returnee", "Host community", "Refugee"]
ASSIST = ["Food", "Cash", "Shelter", "NFI", "WASH"]
NOTES = ["Needs follow-up visit", "Pregnant woman, referred to clinic",
         "Called {name} on {phone} about distribution", "Disabled head of household",
         "Survivor referred to GBV case management", "No remarks", "Lost documents",
         "Child separated from family, contact {phone}"]

TRUTH = {
    "full_name": "direct", "phone": "direct", "email": "direct", "date_of_birth": "quasi",
    "age": "quasi", "sex": "quasi", "admin1": "quasi", "admin2": "quasi", "village": "quasi",
    "gps_lat": "direct", "gps_lon": "direct", "household_size": "quasi",
    # displacement status is SENS/QI in the rules' header table and a key variable in HDX's
    # own SDC sets (Afghanistan MSNA): quasi, as in bench/eval/corpus. The notes hold names
    # and phone numbers ("a notes column holding phone numbers is a direct identifier").
    "household_id": "direct", "displacement_status": "quasi", "national_id": "direct",
    "case_number": "direct", "vulnerability_notes": "direct", "assistance_type": "none",
    "amount": "none", "registration_date": "quasi",
}


def generate(rows: int, seed: int = 42) -> pa.Table:
    rng = np.random.default_rng(seed)
    first = np.array(FIRST, dtype=object)[rng.integers(0, len(FIRST), rows)]
    last = np.array(LAST, dtype=object)[rng.integers(0, len(LAST), rows)]
    names = first + " " + last
    local = rng.integers(810_000_000, 999_999_999, rows).astype(str).astype(object)
    intl = rng.random(rows) < 0.5
    phone = np.where(intl, "+243 " + local, "0" + local)
    has_mail = rng.random(rows) < 0.35
    email = np.where(has_mail, np.char.lower(first.astype(str)).astype(object) + "."
                     + rng.integers(1, 9999, rows).astype(str).astype(object) + "@example.org",
                     None)
    age = rng.integers(0, 90, rows)
    birth_year = 2024 - age
    dob = (birth_year.astype(str).astype(object) + "-"
           + np.char.zfill(rng.integers(1, 13, rows).astype(str), 2).astype(object) + "-"
           + np.char.zfill(rng.integers(1, 29, rows).astype(str), 2).astype(object))
    sex = np.array(["F", "M"], dtype=object)[rng.integers(0, 2, rows)]
    a2 = rng.integers(0, len(ADMIN2), rows)
    admin2 = np.array(ADMIN2, dtype=object)[a2]
    admin1 = np.array(ADMIN1, dtype=object)[a2 % len(ADMIN1)]
    village = "Village " + rng.integers(1, 400, rows).astype(str).astype(object)
    lat = np.round(-1.5 + rng.random(rows) * 2, 6)
    lon = np.round(28.8 + rng.random(rows) * 1.5, 6)
    hh_size = rng.integers(1, 12, rows)
    hh_id = "HH-" + np.char.zfill((np.arange(rows) // 4).astype(str), 7).astype(object)
    status = np.array(STATUS, dtype=object)[rng.integers(0, len(STATUS), rows)]
    nat_id = np.char.zfill(rng.integers(0, 10**11, rows, dtype=np.int64).astype(str), 11)
    case = "COD-24-" + np.char.zfill(np.arange(rows).astype(str), 7).astype(object)
    note_idx = rng.integers(0, len(NOTES), rows)
    notes = np.array(NOTES, dtype=object)[note_idx]
    template = notes.astype(str)
    with_name = np.char.find(template, "{name}") >= 0
    with_phone = np.char.find(template, "{phone}") >= 0
    notes = np.where(with_name, "Called " + names + " on " + phone + " about distribution", notes)
    notes = np.where(with_phone & ~with_name,
                     "Child separated from family, contact " + phone, notes)
    assist = np.array(ASSIST, dtype=object)[rng.integers(0, len(ASSIST), rows)]
    amount = np.round(rng.gamma(2.0, 40.0, rows), 2)
    reg = ("2024-" + np.char.zfill(rng.integers(1, 13, rows).astype(str), 2).astype(object) + "-"
           + np.char.zfill(rng.integers(1, 29, rows).astype(str), 2).astype(object))
    return pa.table({
        "full_name": names.astype(str), "phone": phone.astype(str), "email": email,
        "date_of_birth": dob.astype(str), "age": age, "sex": sex.astype(str),
        "admin1": admin1.astype(str), "admin2": admin2.astype(str),
        "village": village.astype(str), "gps_lat": lat, "gps_lon": lon,
        "household_size": hh_size, "household_id": hh_id.astype(str),
        "displacement_status": status.astype(str), "national_id": nat_id.astype(str),
        "case_number": case.astype(str), "vulnerability_notes": notes.astype(str),
        "assistance_type": assist.astype(str), "amount": amount,
        "registration_date": reg.astype(str),
    })


def write(rows: int, out: Path, seed: int = 42) -> dict[str, Path]:
    out.mkdir(parents=True, exist_ok=True)
    table = generate(rows, seed)
    csv_path = out / f"beneficiaries_{rows}.csv"
    pq_path = out / f"beneficiaries_{rows}.parquet"
    pacsv.write_csv(table, csv_path)
    pq.write_table(table, pq_path, row_group_size=250_000)
    (out / "truth.json").write_text(json.dumps(TRUTH, indent=2))
    return {"csv": csv_path, "parquet": pq_path}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=Path("bench/data"))
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    t = time.perf_counter()
    paths = write(args.rows, args.out, args.seed)
    print(f"wrote {paths['csv']} and {paths['parquet']} in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
