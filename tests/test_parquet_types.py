"""Parquet columns of less common Arrow types, found by a review of Parquet inputs (issue 9
notes): dates of birth stored as time-zone-aware timestamps, text stored as Windows-1252 bytes,
a struct with two fields of one name."""

from __future__ import annotations

import datetime
import json
import random

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

import datasafe
from datasafe.cli import main
from datasafe.read import array_to_text


def _dobs(n=300, seed=5):
    rng = random.Random(seed)
    return [datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randint(0, 24000))
            for _ in range(n)]


def test_a_date_of_birth_is_one_whatever_its_time_zone(tmp_path):
    dobs = _dobs()
    midnight_utc = [datetime.datetime(d.year, d.month, d.day, tzinfo=datetime.timezone.utc)
                    for d in dobs]
    rng = random.Random(1)
    tbl = pa.table({
        "q3_1": pa.array(dobs, pa.date32()),
        "q3_3": pa.array(midnight_utc, pa.timestamp("ms", tz="UTC")),
        # the same instants under a local zone: 01:00 in Kinshasa, still a date
        "q3_4": pa.array(midnight_utc, pa.timestamp("ms", tz="Africa/Kinshasa")),
        "sex": [rng.choice(["F", "M"]) for _ in dobs]})
    path = tmp_path / "dob.parquet"
    pq.write_table(tbl, path)
    res = datasafe.scan(str(path))
    ents = {c.name: c.entity for c in res.files[0].tables[0].columns}
    assert ents["q3_1"] == ents["q3_3"] == ents["q3_4"] == "DATE_OF_BIRTH", ents
    doc = json.dumps(res.to_dict())
    assert not any(d.isoformat() in doc for d in dobs)  # no full date of birth, anywhere


def test_midnight_in_its_own_zone_is_a_date_and_other_times_keep_their_time():
    kin = datetime.timezone(datetime.timedelta(hours=1))
    arr = pa.array([datetime.datetime(1976, 2, 16, tzinfo=kin),
                    datetime.datetime(2024, 5, 1, 9, 30, tzinfo=datetime.timezone.utc)],
                   pa.timestamp("s", tz="Africa/Kinshasa"))
    assert array_to_text(arr).to_pylist() == ["1976-02-16", "2024-05-01 10:30:00"]  # local
    utc = pa.array([datetime.datetime(2024, 5, 1, 9, 30, tzinfo=datetime.timezone.utc)],
                   pa.timestamp("ms", tz="UTC"))
    assert array_to_text(utc).to_pylist() == ["2024-05-01 09:30:00Z"]


def test_windows_1252_bytes_are_read_as_their_text(tmp_path):
    rng = random.Random(4)
    names = [f"{rng.choice(['André', 'Hélène', 'Zoé', 'Jérôme', 'Aimée', 'Cécile', 'Félix'])} "
             f"{rng.choice(['Kébé', 'Mbuyi', 'Ngoy', 'Kasongo', 'Lukusa', 'Tshibanda', 'Ilunga'])}"
             f"{rng.choice(['', ' Kalala', ' Mwamba', ' Banza'])}" for _ in range(200)]
    tbl = pa.table({"nom": pa.array([n.encode("cp1252") for n in names], pa.binary()),
                    "village": ["Kalemie"] * len(names)})
    path = tmp_path / "latin.parquet"
    pq.write_table(tbl, path)
    from datasafe.read import read_tables

    t = read_tables(str(path))[0]
    assert t.data["nom"].tolist() == names
    res = datasafe.scan(str(path))
    assert res.files[0].tables[0].columns[0].entity == "PERSON"


def test_a_struct_with_two_fields_of_one_name_is_read_not_refused(tmp_path):
    s = pa.StructArray.from_arrays([pa.array(["Amina", "Jean"] * 50), pa.array(["x", "y"] * 50)],
                                   names=["n", "n"])
    path = tmp_path / "dup.parquet"
    pq.write_table(pa.table({"person": s, "kits": list(range(100))}), path)
    r = CliRunner().invoke(main, ["scan", str(path)])
    assert r.exit_code in (0, 1), r.output
    assert "corrupt" not in r.output


def _nested_file(tmp_path):
    rng = random.Random(8)
    first = ["Amina", "Jean", "Zawadi", "Moses", "Fatuma", "Omar", "Grace", "Ibrahim", "Aisha",
             "Samuel"]
    last = ["Kabila", "Lukusa", "Okello", "Salim", "Mbuyi", "Abdi", "Kasongo", "Youssef"]

    def name():
        return f"{rng.choice(first)} {rng.choice(last)}"

    n = 200
    tbl = pa.table({
        "household_members": [[name() for _ in range(rng.randint(1, 4))] for _ in range(n)],
        "members_detail": [[{"name": name(), "age": rng.randint(1, 80)}
                            for _ in range(rng.randint(1, 3))] for _ in range(n)],
        "children": [[rng.choice(first) for _ in range(rng.randint(1, 3))] for _ in range(n)],
        "head": [{"first": rng.choice(first), "last": rng.choice(last),
                  "phone": f"+243 81{rng.randint(0, 9)} {rng.randint(100, 999)} "
                           f"{rng.randint(100, 999)}"} for _ in range(n)],
        "ages": [[rng.randint(0, 90) for _ in range(3)] for _ in range(n)],
        "sex": [rng.choice(["F", "M"]) for _ in range(n)]})
    path = tmp_path / "nested.parquet"
    pq.write_table(tbl, path)
    return path


def test_names_and_phones_inside_lists_and_structs_are_found(tmp_path):
    """A list of household members' names was role none: the recognizers saw 'a; b' or JSON,
    not the names (Parquet review)."""
    path = _nested_file(tmp_path)
    local = datasafe.scan(str(path), ner="off")
    roles = {c.name: (c.role, c.entity) for c in local.files[0].tables[0].columns}
    assert roles["household_members"] == ("direct", "PERSON"), roles
    assert roles["members_detail"] == ("direct", "PERSON"), roles  # names beside ages
    assert roles["children"] == ("direct", "PERSON"), roles  # first names alone, in a list
    assert roles["head"][0] == "direct", roles
    assert roles["ages"][0] != "direct", roles
    assert any(f.check == "DR-PII-01" for f in local.findings)
    streamed = datasafe.scan(str(path), ner="off", engine="stream")
    assert {c.name: (c.role, c.entity) for c in streamed.files[0].tables[0].columns} == roles


def test_a_struct_point_is_a_gps_coordinate_and_never_printed(tmp_path):
    """A Kobo export in Parquet with the point as a struct {lat, lon}: it was a quasi
    'LOCATION' key variable, printed at full precision in the riskiest combinations."""
    rng = random.Random(8)
    n = 40
    pts = [{"lat": round(8.9 + rng.random() / 10, 6), "lon": round(38.7 + rng.random() / 10, 6)}
           for _ in range(n)]
    tbl = pa.table({"gender": [rng.choice("FM") for _ in range(n)],
                    "age": [rng.randint(18, 70) for _ in range(n)],
                    "location": pa.array(pts, pa.struct([("lat", pa.float64()),
                                                         ("lon", pa.float64())]))})
    path = tmp_path / "kobo.parquet"
    pq.write_table(tbl, path)
    res = datasafe.scan(str(path), profile="hdx-public")
    col = res.files[0].tables[0].column("location")
    assert (col.role, col.entity) == ("direct", "GPS_COORDINATE")
    assert "DR-GEO-01" in {f.check for f in res.findings}
    for fmt in ("json", "text", "markdown"):
        out = CliRunner().invoke(main, ["scan", str(path), "--profile", "hdx-public", "--format",
                                        fmt, "--no-baseline"]).output
        assert not any(f"{p['lat']:.6f}"[:7] in out for p in pts), fmt


def test_float32_coordinates_have_their_own_precision(tmp_path):
    """Points stored as float32 and rounded to 1 decimal (11 km) are not '15 decimals'."""
    rng = random.Random(9)
    n = 60
    tbl = pa.table({"sex": [rng.choice("FM") for _ in range(n)],
                    "latitude": pa.array([round(11.0 + rng.random(), 1) for _ in range(n)],
                                         pa.float32()),
                    "longitude": pa.array([round(13.0 + rng.random(), 1) for _ in range(n)],
                                          pa.float32())})
    path = tmp_path / "rounded.parquet"
    pq.write_table(tbl, path)
    assert array_to_text(tbl["latitude"].combine_chunks()).to_pylist()[0].count(".") == 1
    assert len(array_to_text(tbl["latitude"].combine_chunks()).to_pylist()[0].split(".")[1]) == 1
    res = datasafe.scan(str(path), profile="hdx-public")
    assert not {"DR-GEO-01", "DR-GEO-02"} & {f.check for f in res.findings}
