"""The bundled examples: the generator reproduces them byte for byte, and they read as the
realistic shapes they are meant to show."""

from __future__ import annotations

import re
import subprocess
import sys

from datasafe.read import read_tables
from tests.conftest import EXAMPLES

FILES = ["beneficiary_registration.csv", "beneficiary_registration.parquet",
         "household_survey_fr.csv", "3w_activities.xlsx", "protection_incidents.csv",
         "aid_worker_contacts.csv"]


def test_generator_reproduces_committed_examples(tmp_path):
    r = subprocess.run([sys.executable, str(EXAMPLES / "generate.py"), str(tmp_path)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    for name in FILES:
        if name.endswith(".csv"):
            assert (tmp_path / name).read_bytes() == (EXAMPLES / name).read_bytes(), name
        else:
            # Parquet and xlsx carry the writer's version: compare what they hold
            new, old = read_tables(tmp_path / name), read_tables(EXAMPLES / name)
            assert [(t.name, t.hidden, t.headers, t.hxl) for t in new] == \
                [(t.name, t.hidden, t.headers, t.hxl) for t in old], name
            assert all(a.data.equals(b.data) for a, b in zip(new, old)), name


def test_example_sizes_and_readme():
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for name in FILES:
        tables = read_tables(EXAMPLES / name)
        assert all(t.rows <= 1500 for t in tables)
        assert 300 <= max(t.rows for t in tables) <= 1500
        assert name in readme
    assert "synthetic" in readme.lower()


def test_registration_has_the_promised_shapes():
    (t,) = read_tables(EXAMPLES / "beneficiary_registration.csv")
    d = t.data
    phones = d["phone"].dropna()
    for prefix in ("+243", "0", "+234", "+252", "+963"):
        assert phones.str.startswith(prefix).any(), prefix
    assert d["registration_no"].str.fullmatch(r"COD-24-\d{6}").all()
    assert d["admin2_pcode"].str.fullmatch(r"CD\d{4}").all()
    assert d["national_id"].dropna().str.startswith("0").any()  # leading zeros kept
    lat = d["gps_latitude"].str.split(".").str[1].str.len()
    assert set(lat.unique()) <= {5, 6}
    notes = " ".join(d["vulnerability_notes"].dropna())
    assert re.search(r"VBG|GBV|viol", notes) and re.search(r"VIH|TB|diabet", notes)
    assert re.search(r"\+?\d[\d ]{8,}", notes)  # some notes carry a phone number
    (p,) = read_tables(EXAMPLES / "beneficiary_registration.parquet")
    assert p.meta["row_groups"] >= 2
    assert p.data["phone"].equals(d["phone"])


def test_three_w_small_cells_and_hidden_sheet():
    tables = {t.name: t for t in read_tables(EXAMPLES / "3w_activities.xlsx")}
    w = tables["3W"]
    assert w.header_row == 3 and w.hxl and "#reached+f+adults" in w.hxl
    counts = w.data[w.keys[w.hxl.index("#reached+f+adults")]].astype(int)
    assert ((counts > 0) & (counts < 5)).any()
    assert tables["Listes"].hidden and not tables["Contacts"].hidden
