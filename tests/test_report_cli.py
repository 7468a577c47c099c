"""End to end: ``datasafe scan`` on a generated file, every report format at once, no canary
in any of them; --quiet, colour only on a TTY, NO_COLOR, the progress line."""

from __future__ import annotations

import csv
import io
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from datasafe.cli import main
from tests.conftest import validate_report
from tests.test_report_sarif import validate_sarif

CANARY_NAME = "Zanzibarina Quetzalcoatl-Oyelaran"
CANARY_PHONE = "+243 812 775 3141"
CANARY_ID = "CANARY-ID-99417733"
# pieces of the canaries that a careless masker could still let through
CANARY_PIECES = [CANARY_NAME, "Zanzibarina", "Quetzalcoatl", "Oyelaran", CANARY_PHONE,
                 "812 775 3141", "8127753141", CANARY_ID, "99417733"]


def write_registration(path: Path, rows: int = 240) -> Path:
    rnd = random.Random(7)
    firsts = ["Amani", "Baraka", "Chausiku", "Dalila", "Faraji", "Imani", "Jabari", "Neema"]
    lasts = ["Mwamba", "Kabila", "Ilunga", "Mbuyi", "Kasongo", "Lukusa", "Ngoy"]
    villages = ["Kalemie", "Nyunzu", "Moba", "Kongolo", "Manono"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Nom complet", "Téléphone", "Numéro carte", "Âge", "Sexe", "Village",
                    "Taille ménage"])
        for i in range(rows):
            row = [f"{rnd.choice(firsts)} {rnd.choice(lasts)}",
                   f"+243 81{rnd.randint(0, 9)} {rnd.randint(100, 999)} {rnd.randint(1000, 9999)}",
                   f"ID-{rnd.randint(10**7, 10**8)}", str(rnd.randint(18, 80)),
                   rnd.choice(["F", "M"]), rnd.choice(villages), str(rnd.randint(1, 9))]
            if i in (0, 17, rows - 1):  # first, middle and last rows: samples see them
                row[:3] = [CANARY_NAME, CANARY_PHONE, CANARY_ID]
            w.writerow(row)
    return path


def write_clean(path: Path) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Province", "Sector", "Projects"])
        for i in range(30):
            w.writerow([["Tanganyika", "Haut-Katanga", "Kasai"][i % 3],
                        ["WASH", "Health", "Food"][i % 3], str(10 + i)])
    return path


def assert_no_canary(text: str, where: str) -> None:
    for piece in CANARY_PIECES:
        assert piece not in text, f"{piece!r} leaked into {where}"


@pytest.fixture
def registration(tmp_path) -> Path:
    return write_registration(tmp_path / "registration.csv")


@pytest.mark.slow
def test_one_scan_writes_every_format_and_leaks_nothing(registration, tmp_path):
    outs = {ext: tmp_path / f"report.{ext}" for ext in ("html", "sarif", "md", "json", "txt")}
    runner = CliRunner()
    res = runner.invoke(main, ["scan", str(registration), "--profile", "hdx-public",
                               *[x for p in outs.values() for x in ("--output", str(p))]])
    assert res.exit_code in (0, 1), res.output
    for ext, path in outs.items():
        assert path.is_file(), ext
        assert_no_canary(path.read_text(encoding="utf-8"), path.name)
    validate_sarif(json.loads(outs["sarif"].read_text(encoding="utf-8")))
    validate_report(json.loads(outs["json"].read_text(encoding="utf-8")))
    html = outs["html"].read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "<script" not in html.lower()
    assert outs["md"].read_text(encoding="utf-8").startswith("## datasafe report")
    assert "registration.csv" in outs["txt"].read_text(encoding="utf-8")
    # on stdout through the CLI, in both languages
    for args in (["--format", "text"], ["--format", "markdown", "--lang", "fr"]):
        res = runner.invoke(main, ["scan", str(registration), *args])
        assert res.exit_code in (0, 1), res.output
        assert res.stdout.strip()
        assert_no_canary(res.stdout, f"stdout of {args}")
        assert_no_canary(res.stderr, f"stderr of {args}")
    # every format in both languages from one library scan
    import datasafe
    from datasafe.report import render

    result = datasafe.scan(str(registration), profile="hdx-public")
    for fmt in ("text", "markdown", "html", "sarif", "json"):
        for lang in ("en", "fr"):
            assert_no_canary(render(result, fmt, lang=lang), f"{fmt}/{lang}")
    assert_no_canary(result.to_json(), "ScanResult.to_json()")
    assert_no_canary(result._repr_html_(), "the notebook view")


@pytest.mark.slow
def test_scan_report_shows_what_the_pipeline_found(registration):
    res = CliRunner().invoke(main, ["scan", str(registration), "--profile", "hdx-public"])
    out = res.stdout
    assert "registration.csv" in out and "Sensitivity" in out
    if res.exit_code == 1:  # detection and checks are in: the report explains the failure
        assert "FAIL" in out and "Fix" in out
    assert "\x1b[" not in out  # not a TTY: no colour


def test_no_sensitivity_level_is_claimed_when_no_file_could_be_read(tmp_path):
    """An unreadable file was not assessed: the text and Markdown reports say so and do not
    call it "low" (the JSON keeps the contract's level)."""
    bad = tmp_path / "export.csv"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    runner = CliRunner()
    r = runner.invoke(main, ["scan", str(bad), "--ner", "off"])
    assert r.exit_code == 2
    last = [line for line in r.output.splitlines() if "exit code 2" in line]
    assert last and "sensitivity" not in last[0].lower()
    r = runner.invoke(main, ["scan", str(bad), "--ner", "off", "-f", "markdown",
                             "--lang", "fr"])
    assert r.exit_code == 2 and "sensibilité" not in r.output.lower()
    r = runner.invoke(main, ["scan", str(bad), "--ner", "off", "-f", "json"])
    doc = json.loads(r.output[r.output.index("{"):r.output.rindex("}") + 1])
    assert doc["summary"]["sensitivity"] in ("low", "moderate", "high", "severe")
    assert doc["files"][0]["error"]


def test_quiet_prints_nothing_on_a_passing_run(tmp_path):
    reg = write_registration(tmp_path / "r.csv", 60)
    runner = CliRunner()
    # the workshop profile never fails: a passing run, so --quiet prints nothing at all
    res = runner.invoke(main, ["scan", str(reg), "--profile", "workshop", "--quiet"])
    assert res.exit_code == 0, res.output
    assert res.stdout == "" and res.stderr == ""
    # without --quiet the same run reports
    res = runner.invoke(main, ["scan", str(reg), "--profile", "workshop"])
    assert res.exit_code == 0 and "r.csv" in res.stdout
    # a failing run is never silent
    res = runner.invoke(main, ["scan", str(reg), "--fail-on", "info", "--quiet"])
    assert res.exit_code == 1 and "FAIL" in res.stdout


def _run_in_pty(args: list[str], env: dict) -> str:
    """Run the CLI with stdout and stderr on a pseudo-terminal; return what it printed."""
    import pty
    import select

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "datasafe", *args], stdin=subprocess.DEVNULL,
                            stdout=slave, stderr=slave, env=env, close_fds=True)
    os.close(slave)
    chunks = []
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1.0)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_colour_on_a_tty_unless_no_color(tmp_path):
    reg = write_registration(tmp_path / "r.csv", 60)
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TERM")}
    env["TERM"] = "xterm"
    coloured = _run_in_pty(["scan", str(reg), "--fail-on", "info"], env)
    assert "r.csv" in coloured
    assert "\x1b[" in coloured
    plain = _run_in_pty(["scan", str(reg), "--fail-on", "info"], {**env, "NO_COLOR": "1"})
    assert "r.csv" in plain
    assert "\x1b[1m" not in plain and "\x1b[31m" not in plain and "\x1b[0m" not in plain
    assert_no_canary(coloured + plain, "the terminal")


# --------------------------------------------------------------------------- progress line


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_line_draws_on_a_tty_and_erases_itself():
    from datasafe.report.progress import ScanProgress

    stream = _Tty()
    p = ScanProgress(stream, delay=0.0, interval=0.01)
    p("data/big file.csv")
    deadline = time.monotonic() + 10
    while "big file.csv" not in stream.getvalue() and time.monotonic() < deadline:
        time.sleep(0.02)
    p.close()
    out = stream.getvalue()
    assert "scanning data/big file.csv" in out and "[" in out
    assert out.endswith("\r\x1b[K")  # erased at the end


def test_progress_line_silent_when_not_a_tty_or_quick():
    from datasafe.report.progress import ScanProgress

    stream = io.StringIO()
    p = ScanProgress(stream, delay=0.0, interval=0.01)
    p("a.csv")
    time.sleep(0.05)
    p.close()
    assert stream.getvalue() == ""
    tty = _Tty()
    quick = ScanProgress(tty, delay=60, interval=0.01)
    quick("a.csv")
    time.sleep(0.05)
    quick.close()
    assert tty.getvalue() == ""  # files that take less than a moment draw nothing


def test_progress_in_french():
    from datasafe.report.progress import ScanProgress

    p = ScanProgress(_Tty(), lang="fr")
    assert "analyse de x.csv" in p._line("x.csv", 1, 2.0)


@pytest.mark.slow
def test_french_report_uses_the_catalogues_french(registration):
    """With the real check catalogue: the fixes of the checks that fired come from their
    ``fr:`` block (English when a check has none)."""
    from html import unescape

    import datasafe
    from datasafe.checking import catalogue
    from datasafe.report import render
    from datasafe.report.common import clear_catalogue_cache

    clear_catalogue_cache()
    cat = catalogue()
    result = datasafe.scan(str(registration), profile="hdx-public")
    fired = {f.check for f in result.findings}
    french_fixes = {cid: (cat.get(cid, {}).get("fr") or {}).get("fix") for cid in fired}
    french_fixes = {cid: fix for cid, fix in french_fixes.items()
                    if isinstance(fix, str) and "{" not in fix}
    if not french_fixes:
        pytest.skip("no check that fired has a French fix in the catalogue yet")
    text = render(result, "text", lang="fr")
    html = render(result, "html", lang="fr")
    for cid, fix in french_fixes.items():
        first = " ".join(fix.strip().splitlines()[0].split())
        assert first in text, cid
        assert " ".join(fix.split())[:40] in " ".join(unescape(html).split()), cid


@pytest.mark.parametrize("fmt", ["text", "markdown", "html"])
def test_sensitivity_reasons_are_written_in_french(tmp_path, fmt):
    """A French-speaking information manager reads why the file is sensitive in French; the
    JSON report keeps the English reasons (the contract)."""
    import datasafe

    p = tmp_path / "liste.csv"
    rows = ["nom,telephone,latitude,longitude,sexe"]
    rows += [f"Amina Kabila {i},+243 81{i:07d},-4.{3000 + i},15.{2000 + i},F" for i in range(40)]
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = datasafe.scan(str(p))
    from datasafe.report import render

    out = render(result, fmt, lang="fr")
    assert "coordonnées GPS de personnes ou de ménages" in out
    assert "colonne latitude" in out
    assert "sévère" in out
    assert "GPS coordinates of people or households" not in out  # the English reason
    assert "GPS coordinates of people or households" in json.dumps(result.to_dict())


def test_what_a_check_found_is_said_in_french_too():
    """The bundled beneficiary list in French: the details a check writes into its message
    (where the date came from, which headers and values showed a severe topic) are French, the
    expected count reads '1200', and the JSON report keeps the English details."""
    import json

    from click.testing import CliRunner

    from datasafe.cli import main

    example = Path(__file__).resolve().parents[1] / "examples" / "beneficiary_registration.csv"
    fr = CliRunner().invoke(main, ["scan", str(example), "--ner", "off", "--lang", "fr"]).output
    assert "date la plus récente de la colonne registration_date" in fr
    assert "(en-têtes : vulnerability_notes ; valeurs dans : vulnerability_notes)" in fr
    assert "newest date in column" not in fr and "headers:" not in fr
    assert "environ 1 200 enregistrements sur 1 200" in fr and "1200.0" not in fr
    js = json.loads(CliRunner().invoke(main, ["scan", str(example), "--ner", "off", "--format",
                                              "json"]).output)
    details = {f["check"]: f["details"] for f in js["findings"]}
    assert details["DR-RET-02"]["source"] == "newest date in column registration_date"
    assert details["DR-DII-02"]["evidence"] == ("headers: vulnerability_notes; values in: "
                                                "vulnerability_notes")
    assert details["DR-DEID-04"]["expected"] == 1200


def test_french_fixes_give_commands_and_settings_that_work(tmp_path):
    """A fix that gives a command or a setting keeps the token the tool reads back
    (--destination partner, sensitivity: severe), and the guidance sentence is French."""
    import shutil

    from datasafe.report.common import _load_locale

    src = Path(__file__).resolve().parent.parent / "examples" / "protection_incidents.csv"
    f = tmp_path / "incidents.csv"
    shutil.copy(src, f)
    r = CliRunner().invoke(main, ["scan", str(f), "--profile", "partner-restricted", "--lang",
                                  "fr", "--ner", "off", "--format", "markdown"])
    out = r.stdout
    assert (f'datasafe approve {f} --by "VOTRE NOM" --reason "…" --destination partner '
            "--profile partner-restricted") in out.replace("\\_", "_")
    assert "Indiquez sensitivity: severe (ou plus)" in out
    assert "Référence : Enregistrez qui a approuvé ce fichier précis" in out
    assert "Record who approved" not in out
    # the sentence given in the fix is accepted by the tool
    (tmp_path / "incidents.csv.datasafe.yaml").write_text("sensitivity: severe\n")
    r = CliRunner().invoke(main, ["scan", str(f), "--profile", "partner-restricted", "--lang",
                                  "fr", "--ner", "off", "--format", "json"])
    assert "DR-META-01" not in {x["check"] for x in json.loads(r.stdout)["findings"]}
    assert _load_locale("fr")["explain"]["areas"]["transfer"] == "transfert"


def test_checks_explain_and_list_in_french():
    r = CliRunner().invoke(main, ["checks", "explain", "DR-DEID-03", "--lang", "fr"])
    assert "Domaine :    dé-identification" in r.stdout
    assert "public critique, partenaire élevée, interne moyenne" in r.stdout
    assert "Référence :  Risque global inférieur à 3 % avant publication sur HDX [" in r.stdout
    r = CliRunner().invoke(main, ["checks", "list", "--lang", "fr", "--area", "transfert"])
    assert "DR-XFER-02  transfert" in r.stdout and "élevée" in r.stdout
    r = CliRunner().invoke(main, ["checks", "list", "--lang", "fr"])
    assert "Le hashtag HXL #respondee marque des microdonnées" in r.stdout


def test_checks_explain_says_parameters_in_french():
    r = CliRunner().invoke(main, ["checks", "explain", "DR-DEID-02", "--lang", "fr"])
    assert "k = 5  Taille minimale de chaque combinaison de variables clés" in r.stdout
    r = CliRunner().invoke(main, ["checks", "explain", "DR-DEID-03", "--lang", "fr"])
    assert "« risque de ré-identification au-dessus des seuils du profil »" in r.stdout
    r = CliRunner().invoke(main, ["checks", "explain", "DR-DEID-02"])
    assert "k = 5  Minimum size of every key-variable combination" in r.stdout


def test_writing_only_a_report_file_says_where_it_went(tmp_path):
    """'--output report.html' printed nothing: a non-programmer saw no sign of a result."""
    from click.testing import CliRunner

    from datasafe.cli import main

    f = tmp_path / "t.csv"
    f.write_text("full_name,phone\nAmina Kabila,+243812345678\nJean Mukendi,+243998877665\n",
                 encoding="utf-8")
    out = tmp_path / "report.html"
    r = CliRunner().invoke(main, ["scan", str(f), "--ner", "off", "-o", str(out)])
    assert r.stdout == "" and f"report written to {out} (FAIL, exit code 1)" in r.stderr
    r = CliRunner().invoke(main, ["scan", str(f), "--ner", "off", "-o", str(out), "-q"])
    assert r.stderr == ""


def test_checks_explain_names_the_documents_a_check_cites():
    """A citation key such as HDX-TOS meant nothing to a field user: `checks explain` lists each
    cited document with its title and address, and every key the catalogue cites has one."""
    from datasafe.checking import catalogue
    from datasafe.checking.catalogue import cited_sources, sources

    known = sources()
    for cid, entry in catalogue().items():
        for c in entry["guidance"]["citations"]:
            assert c["source"] in known, f"{cid} cites {c['source']}, missing in sources.yaml"
        for key, title, url in cited_sources(entry):
            assert title != key and (url is None or url.startswith("https://")), key
    r = CliRunner().invoke(main, ["checks", "explain", "DR-PII-03"])
    assert r.exit_code == 0
    assert "Sources:\n  HDX-TOS: HDX Terms of Service\n    https://centre.humdata.org/" in r.stdout
    assert "RULES" not in r.stdout.split("Sources:")[1]
    r = CliRunner().invoke(main, ["checks", "explain", "DR-PII-03", "--lang", "fr"])
    assert "Sources :\n  HDX-TOS" in r.stdout
