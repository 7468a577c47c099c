"""Numbers and counts as French readers write them, in every report meant for people; the
JSON report keeps the English text of the contract."""

from __future__ import annotations

import json

from click.testing import CliRunner

from datasafe.cli import main
from datasafe.report.common import Figure, Messages, said_number


def test_figures_and_numbers_said_the_french_way():
    fr, en = Messages("fr"), Messages("en")
    assert Figure("7.8 %").said(fr) == "7,8\u202f%"
    assert Figure("100%").said(fr) == "100\u202f%"
    assert Figure("0.1 m").said(fr) == "0,1 m"
    assert Figure("1.1 km").said(fr) == "1,1 km" and str(Figure("1.1 km")) == "1.1 km"
    assert said_number(fr, 1200) == "1 200" and said_number(fr, 49.7) == "49,7"
    assert said_number(fr, 5) == "5" and said_number(fr, True) is True
    assert said_number(fr, "Kasenga") == "Kasenga"
    # the adjective agrees with the number of findings; zero is singular in French
    assert fr.counted("high", 3) == "3 élevés" and fr.counted("critical", 0) == "0 critique"
    assert fr.counted("medium", 1) == "1 moyen"
    assert en.counted("high", 3) == "3 high" and en.counted("critical", 0) == "0 critical"


def _survey(tmp_path):
    rows = ["full_name,phone,village,age,sex,gps_lat,gps_lon,date_of_birth"]
    for i in range(1200):
        rows.append(f"Person {i},+24381{i:07d},Village {i % 7},{18 + i % 60},{'FM'[i % 2]},"
                    f"-6.{123456 + i},29.{654321 + i},19{50 + i % 50}-0{1 + i % 9}-1{i % 9}")
    f = tmp_path / "liste.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return f


def test_french_reports_write_numbers_and_counts_the_french_way(tmp_path):
    f = _survey(tmp_path)
    md, js = tmp_path / "r.md", tmp_path / "r.json"
    r = CliRunner().invoke(main, ["scan", str(f), "--ner", "off", "--lang", "fr", "--format",
                                  "text", "--output", str(md), "--output", str(js)])
    assert r.exit_code == 1
    text, mdtext = r.stdout, md.read_text(encoding="utf-8")
    assert "(1 200 cellules, 100\u202f% des cellules remplies)" in text
    assert "environ 0,1 m" in text and "0.1 m" not in text
    assert "élevés" in text and "élevée," not in text.split("\n")[-3]
    assert "Profil : `default`" in mdtext and "Sensibilité : **" in mdtext
    # the JSON report keeps the English figures of the contract
    doc = json.loads(js.read_text(encoding="utf-8"))
    dob = [x for x in doc["findings"] if x["check"] == "DR-PII-05"][0]
    assert dob["details"]["share"] == "100%"
    geo = [x for x in doc["findings"] if x["check"] == "DR-GEO-02"][0]
    assert "0.1 m" in geo["message"]


def test_entity_codes_in_french_sentences_are_named():
    """Tables and JSON keep the contract's entity codes; French sentences name them."""
    from datasafe.report.common import Phrase, say

    fr = Messages("fr")
    p = Phrase("plan.reason.direct", entity="PHONE_NUMBER")
    assert str(p) == "direct identifier (PHONE_NUMBER) removed — DR-DEID-01"
    assert say(fr, p) == "identifiant direct (numéro de téléphone) retiré — DR-DEID-01"
    from pathlib import Path

    src = Path(__file__).resolve().parent.parent / "examples" / "household_survey_fr.csv"
    r = CliRunner().invoke(main, ["scan", str(src), "--lang", "fr", "--ner", "off"])
    assert "contient un attribut sensible (appartenance ethnique)" in r.stdout
    assert "attribut sensible (ETHNICITY)" not in r.stdout


def test_dates_in_french_sentences_are_written_the_french_way():
    from pathlib import Path

    src = Path(__file__).resolve().parent.parent / "examples" / "household_survey_fr.csv"
    r = CliRunner().invoke(main, ["scan", str(src), "--lang", "fr", "--ner", "off",
                                  "--format", "json"])
    doc = json.loads(r.stdout)
    ret = [f for f in doc["findings"] if f["check"] == "DR-RET-02"][0]
    assert ret["details"]["date"] == "2024-03-30"  # the contract keeps ISO dates
    r = CliRunner().invoke(main, ["scan", str(src), "--lang", "fr", "--ner", "off"])
    assert "_submission_time : 30/03/2024)" in r.stdout


def test_one_row_is_singular_in_both_languages(tmp_path):
    f = tmp_path / "one.csv"
    f.write_text("name,village\nAmina Yusuf,Goma\nJean Mbuyi\n", encoding="utf-8")
    r = CliRunner().invoke(main, ["scan", str(f), "--ner", "off"])
    assert "2 rows, 2 columns" in r.stdout and "1 row has a different number of fields" in r.stdout
    r = CliRunner().invoke(main, ["scan", str(f), "--ner", "off", "--lang", "fr"])
    assert "2 lignes, 2 colonnes" in r.stdout
    assert "1 ligne n'a pas le même nombre de champs" in r.stdout
    assert Messages("fr").plural("labels.rows", 0) == "0 ligne"
    assert Messages("en").plural("labels.rows", 0) == "0 rows"
