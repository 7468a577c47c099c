"""Points written in other forms than decimal degrees, found by a review of location data:
grid references (UTM, MGRS), Plus codes, what3words, degrees-minutes(-seconds), Kobo geopoints
with decimal commas, and camp shelter numbers. Each is found, judged at its real precision,
masked down to its degrees or zone in reports, and kept out of public copies."""

from __future__ import annotations

import csv
import json
import random

from click.testing import CliRunner

from datasafe.cli import main


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def scan_json(path, *extra):
    r = run("scan", path, "--profile", "hdx-public", "--format", "json", "--no-baseline", *extra)
    assert r.exit_code in (0, 1), r.output
    return json.loads(r.stdout)


def columns(doc):
    return {c["name"]: c for t in doc["files"][0]["tables"] for c in t["columns"]}


def findings(doc, check):
    return [f for f in doc["findings"] if f["check"] == check]


def _households(tmp_path, name, point_columns, delimiter=","):
    rng = random.Random(7)
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, delimiter=delimiter)
        w.writerow(["assistance", "sex", "age", "hh_size", *point_columns])
        for i in range(40):
            w.writerow([rng.choice(["Cash", "NFI", "Food"]), rng.choice("FM"),
                        rng.randint(18, 80), rng.randint(1, 9),
                        *[fn(rng, i) for fn in point_columns.values()]])
    return path


def test_grid_references_plus_codes_and_what3words_are_points(tmp_path):
    path = _households(tmp_path, "grid.csv", {
        "utm": lambda r, i: f"37P {r.randint(300000, 600000)} {r.randint(1300000, 1400000)}",
        "mgrs": lambda r, i: f"37PDK{r.randint(10000, 99999)}{r.randint(10000, 99999)}",
        "plus_code": lambda r, i: "7G8" + r.choice("3456") + "WXHR+" + r.choice("2345") + "6",
        "w3w": lambda r, i: "///" + ".".join(r.choice(["daring", "lion", "race", "index",
                                                       "home", "raft"]) for _ in range(3)),
    })
    doc = scan_json(path)
    cols = columns(doc)
    for name in ("utm", "mgrs", "plus_code", "w3w"):
        assert (cols[name]["role"], cols[name]["entities"][0]["type"]) == ("direct",
                                                                           "GPS_COORDINATE")
    (geo,) = findings(doc, "DR-GEO-01")
    assert "1.1 m" in geo["message"]  # whole metres / 10-digit MGRS: a dwelling
    # reports keep the grid zone only
    text = json.dumps(doc)
    raw = [row for row in csv.DictReader(path.open(encoding="utf-8"))]
    for row in raw:
        for name in ("utm", "mgrs"):
            assert row[name][4:] not in text
    out = tmp_path / "grid_public.csv"
    r = run("redact", path, "--profile", "hdx-public", "-o", out)
    assert r.exit_code in (0, 1), r.output
    header = out.read_text(encoding="utf-8").splitlines()[0]
    assert not {"utm", "mgrs", "plus_code", "w3w"} & set(header.split(","))


def test_degrees_minutes_seconds_are_judged_at_their_precision_and_masked(tmp_path):
    path = _households(tmp_path, "dms.csv", {
        # Garmin style: degrees and decimal minutes (0.001' ≈ 1.9 m)
        "lat_ddm": lambda r, i: f"11°{r.randint(40, 59)}.{r.randint(100, 999)}'N",
        "lon_ddm": lambda r, i: f"13°{r.randint(10, 30):02d}.{r.randint(100, 999)}'E",
        "waypoint": lambda r, i: f"N11 {r.randint(40, 59)}.{r.randint(100, 999)} "
                                 f"E013 {r.randint(10, 30):02d}.{r.randint(100, 999)}",
    })
    doc = scan_json(path)
    cols = columns(doc)
    for name in ("lat_ddm", "lon_ddm", "waypoint"):
        assert cols[name]["role"] == "direct", name
        # only the degrees are shown
        assert all(ex.count("•") >= 5 for ex in cols[name]["examples"]), cols[name]["examples"]
    (geo,) = findings(doc, "DR-GEO-01")
    assert "5 decimals" in geo["message"]
    assert findings(doc, "DR-GEO-02")[0]["details"].get("variant") in (None, "dwelling") or \
        "dwelling" in json.dumps(findings(doc, "DR-GEO-02"))
    out = tmp_path / "dms_public.csv"
    run("redact", path, "--profile", "hdx-public", "-o", out)
    kept = out.read_text(encoding="utf-8")
    assert "°" not in kept and "N11 " not in kept

    # whole seconds (≈ 31 m) count as a dwelling too: the check fires
    sec = _households(tmp_path, "dms_seconds.csv", {
        "Lat (DMS)": lambda r, i: f"11°{r.randint(40, 59)}'{r.randint(10, 59)}\"N",
        "Long (DMS)": lambda r, i: f"13°{r.randint(10, 30):02d}'{r.randint(10, 59)}\"E"})
    doc = scan_json(sec)
    assert "4 decimals" in findings(doc, "DR-GEO-01")[0]["message"]
    assert columns(doc)["Lat (DMS)"]["examples"][0].startswith("11°••'••\"")


def test_a_french_kobo_geopoint_with_decimal_commas(tmp_path):
    path = _households(tmp_path, "menage.csv", {
        "coordonnées GPS": lambda r, i: f"12,{r.randint(100000, 999999)} "
                                        f"-1,{r.randint(100000, 999999)} 0 5",
        "latitude": lambda r, i: f"12,{r.randint(100000, 999999)}",
        "longitude": lambda r, i: f"-1,{r.randint(100000, 999999)}"}, delimiter=";")
    doc = scan_json(path)
    assert columns(doc)["coordonnées GPS"]["role"] == "direct"
    assert "coordonnées GPS" in findings(doc, "DR-GEO-01")[0]["message"]
    out = tmp_path / "menage_public.csv"
    r = run("redact", path, "--profile", "hdx-public", "-o", out)
    lines = out.read_text(encoding="utf-8").splitlines()
    # the geopoint cannot be rounded: removed, and the plan says so; the split columns are
    assert "coordonnées GPS" not in lines[0] and "latitude" in lines[0]
    assert "cannot be rounded" in run("redact", path, "--profile", "hdx-public", "--plan").output
    # the copy (decimal commas in the rounded columns) reads back with its own ';'
    assert "after:  PASS" in r.output
    assert {"latitude", "longitude"} <= set(columns(scan_json(out)))


def test_camp_shelter_numbers_and_family_numbers_identify_households(tmp_path):
    path = _households(tmp_path, "camp.csv", {
        "shelter": lambda r, i: f"Block C{r.randint(1, 9)} Tent {r.randint(1, 200)}",
        "shelter_no": lambda r, i: f"C{r.randint(1, 9)}-{r.randint(100, 999)}",
        "family_no": lambda r, i: f"FCN-{4000000 + i}",
        "respondent": lambda r, i: f"R-{i:03d}",
        "protection_concern": lambda r, i: r.choice(["GBV survivor - referred", "UASC", ""])})
    cols = columns(scan_json(path))
    assert (cols["shelter"]["role"], cols["shelter"]["entities"][0]["type"]) == ("direct",
                                                                                 "ADDRESS")
    assert cols["shelter_no"]["role"] == "direct"
    assert (cols["family_no"]["role"], cols["family_no"]["entities"][0]["type"]) == (
        "direct", "CASE_ID")
    assert cols["respondent"]["role"] == "direct"


def test_district_centroids_in_a_count_table_are_neither_alarming_nor_removed(tmp_path):
    """An HDX table of IDPs by district with its centroids (2 decimals) and HXL tags: it was
    'severe' (DR-GEO-05, because of +idps), and its copy lost the centroids."""
    path = tmp_path / "idps_adm2.csv"
    rows = ["admin1,admin2,admin2_pcode,lat,lon,idps_individuals,idps_households",
            "#adm1+name,#adm2+name,#adm2+code,#geo+lat,#geo+lon,#affected+idps+ind,"
            "#affected+idps+hh"]
    rng = random.Random(2)
    for i in range(8):
        rows.append(f"Nord-Kivu,District {i},CD61{i:02d},{-1 - rng.random():.2f},"
                    f"{29 + rng.random():.2f},{rng.randint(2000, 90000)},"
                    f"{rng.randint(400, 18000)}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    doc = scan_json(path)
    assert doc["findings"] == [] and doc["summary"]["sensitivity"] == "low"
    out = tmp_path / "idps_public.csv"
    run("redact", path, "--profile", "hdx-public", "-o", out)
    assert out.read_text(encoding="utf-8").splitlines() == rows


def test_geojson_points_lon_first_pairs_and_gps_metadata(tmp_path):
    path = _households(tmp_path, "kobo.csv", {
        "geojson": lambda r, i: '{"type": "Point", "coordinates": '
                                f'[{44 + r.random():.6f}, {15 + r.random():.6f}]}}',
        "pt": lambda r, i: f"{92 + r.random():.5f}, {21 + r.random():.5f}",  # GIS order
        "location-gps-Altitude": lambda r, i: f"{700 + r.random() * 50:.1f}",
        "location-gps-Accuracy": lambda r, i: f"{3 + r.random() * 5:.1f}"})
    doc = scan_json(path)
    cols = columns(doc)
    for name in ("geojson", "pt"):
        assert (cols[name]["role"], cols[name]["entities"][0]["type"]) == ("direct",
                                                                           "GPS_COORDINATE")
    assert not findings(doc, "DR-PII-02")  # the points' digits are not phone numbers
    # a reading's altitude and accuracy: collection metadata, not coordinates or key variables
    (geo,) = findings(doc, "DR-GEO-01")
    assert "Altitude" not in geo["message"] and "Accuracy" not in geo["message"]
    assert "location-gps-Accuracy" in findings(doc, "DR-PII-12")[0]["message"]
    qi = doc["files"][0]["tables"][0]["risk"]["quasi_identifiers"]
    assert not {"location-gps-Altitude", "location-gps-Accuracy"} & set(qi)


def test_codes_dates_and_plates_that_look_like_grid_references_are_not_points(tmp_path):
    """Stata dates ('25jun2024'), lot numbers ('22JAN2023'), number plates ('76 VWF 7447'),
    contract references ('99 334800 2463135') and call durations ('0d 25m 10s') are not
    points; 'shelter type' and 'type_abri' are not addresses."""
    rng = random.Random(5)
    path = tmp_path / "logistics.csv"
    lines = ["dispatch_date,lot,truck,contract,call_duration,shelter type,type_abri,quantity"]
    for _ in range(30):
        lines.append(f"{rng.randint(10, 28)}jun2024,{rng.randint(10, 28)}JAN2023,"
                     f"{rng.randint(10, 99)} VWF {rng.randint(1000, 9999)},"
                     f"99 {rng.randint(100000, 999999)} {rng.randint(1000000, 9999999)},"
                     f"0d {rng.randint(10, 59)}m {rng.randint(10, 59)}s,"
                     f"{rng.choice(['Tent', 'House', 'Collective'])},"
                     f"{rng.choice(['Tente', 'Maison', 'Abri collectif'])},{rng.randint(1, 90)}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    doc = scan_json(path)
    ents = {n: [e["type"] for e in c["entities"]] for n, c in columns(doc).items()}
    assert not any("GPS_COORDINATE" in e or "ADDRESS" in e for e in ents.values()), ents
    assert not [f for f in doc["findings"] if f["check"].startswith("DR-GEO")]


def test_west_in_french_colon_dms_and_odk_central_keys(tmp_path):
    path = _households(tmp_path, "fr.csv", {
        "longitude_ddm": lambda r, i: f"1°{r.randint(10, 59)},{r.randint(100, 999)}' O",
        "position": lambda r, i: f"11:{r.randint(10, 59)}:{r.randint(10, 59)}.{r.randint(1, 9)}N",
        "KEY": lambda r, i: f"uuid:{i:08d}-aaaa-bbbb-cccc-{r.randint(0, 10**12):012d}"})
    doc = scan_json(path)
    cols = columns(doc)
    assert cols["longitude_ddm"]["role"] == "direct"
    assert cols["position"]["examples"][0].startswith("11:••:••")
    assert (cols["KEY"]["role"], cols["KEY"]["entities"][0]["type"]) == ("direct", "CASE_ID")
    out = tmp_path / "fr_public.csv"
    run("redact", path, "--profile", "hdx-public", "-o", out)
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert not {"longitude_ddm", "position", "KEY"} & set(header)


def test_coordinates_inside_notes_are_coordinates_not_phone_numbers(tmp_path):
    path = _households(tmp_path, "notes.csv", {
        "enumerator_notes": lambda r, i: r.choice([
            f"Family lives at -1.{r.randint(10000, 99999)}, 29.{r.randint(10000, 99999)} "
            "near the well", "Visited, nobody home",
            f"Tent located 1.{r.randint(1000, 9999)}S 29.{r.randint(1000, 9999)}E, blue tarp"])})
    doc = scan_json(path, "--ner", "off")
    assert not findings(doc, "DR-PII-02")
    assert findings(doc, "DR-GEO-03")


def test_a_camp_block_is_a_fine_location(tmp_path):
    """'Bloc E3' beside protection incidents locates them within a camp (DR-GEO-04/05)."""
    path = _households(tmp_path, "registre.csv", {
        "Bloc": lambda r, i: f"Bloc {r.choice('ABCDE')}{r.randint(1, 9)}",
        "type_incident": lambda r, i: r.choice(["VBG", "Enfant non accompagné", "Vol", ""])})
    doc = scan_json(path)
    assert findings(doc, "DR-GEO-04") and "Bloc" in findings(doc, "DR-GEO-04")[0]["message"]
    assert any("Bloc" in f["message"] for f in findings(doc, "DR-GEO-05"))
