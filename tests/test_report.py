"""Reports (text, Markdown, HTML, SARIF) on hand-built scan results with rich content.

The builders here (``rich_result``, ``clean_result``, ``CANARIES``) are imported by the other
``tests/test_report_*.py`` files."""

from __future__ import annotations

import json

import pytest

from datasafe.model import (
    ColumnResult,
    ColumnStats,
    Entity,
    FileResult,
    Finding,
    RiskResult,
    ScanResult,
    Summary,
    TableResult,
)
from datasafe.report import render

# Raw values that sit in a direct/sensitive column's raw sample: they must never be printed.
CANARIES = ["Zanzibarina Quetzalcoatl-Oyelaran", "+243 812 775 3141", "CANARY-ID-99417733",
            "kwashiorkor-canary"]


def _col(name, role, entity=None, evidence=("header", "values"), examples=(), index=0,
         sample=(), hxl=None, share=0.9, free_text=False):
    ents = [Entity(entity, 0.95, share, list(evidence))] if entity else []
    return ColumnResult(name=name, key=name, index=index, hxl=hxl, role=role, entities=ents,
                        examples=list(examples), stats=ColumnStats("string", 1200, 1180, 1100),
                        sample=list(sample), free_text=free_text)


def rich_result(with_histograms: bool = True) -> ScanResult:
    cols = [
        _col("Nom complet", "direct", "PERSON", examples=["Z•••••••• Q•••"],
             sample=[CANARIES[0]], index=0, hxl="#beneficiary+name"),
        _col("Téléphone", "direct", "PHONE_NUMBER", ("header", "hxl", "values"),
             examples=["+243 8•• ••• •41"], sample=[CANARIES[1]], index=1, hxl="#contact+phone"),
        _col("ID carte", "direct", "NATIONAL_ID", examples=["CAN•••••••••33"],
             sample=[CANARIES[2]], index=2),
        _col("Âge", "quasi", "AGE", ("header",), examples=["34"], index=3, share=None),
        _col("Sexe", "quasi", "SEX_GENDER", examples=["F"], index=4),
        _col("Village", "quasi", "LOCATION", examples=["K•••••"], index=5),
        _col("Diagnostic | santé", "sensitive", "HEALTH", ("header", "values"),
             examples=["k•••••••••"], sample=[CANARIES[3]], index=6),
        _col("Observations <b>", "none", None, free_text=True, examples=["<PERSON> a dit…"],
             index=7),
        _col("Ménage taille", "none", None, index=8),
    ]
    extra = {
        "household_global_risk": 0.0113, "household_expected_reidentifications": 51.81,
        "records_above_risk_threshold": 64, "individual_risk_threshold": 0.05,
        "violations": {"2": 31, "3": 58, "5": 87},
        "riskiest_combinations": [
            {"values": {"Âge": "34", "Sexe": "F", "Village": "Kalemie"}, "count": 1, "risk": 1.0},
            {"values": {"Âge": "71", "Sexe": "M", "Diagnostic | santé": CANARIES[3]},
             "count": 1, "risk": 1.0},
            {"values": {"Âge": "19", "Sexe": "F", "Village": "Nyunzu"}, "count": 2, "risk": 0.5},
        ],
    }
    if with_histograms:
        extra["class_size_histogram"] = {"1": 31, "2": 27, "3-4": 29, "5-9": 140, "10+": 973}
        extra["risk_histogram"] = [
            {"bin": [0.0, 0.01], "count": 900}, {"bin": [0.01, 0.05], "count": 236},
            {"bin": [0.05, 0.2], "count": 20}, {"bin": [0.2, 0.5], "count": 13},
            {"bin": [0.5, 1.0], "count": 31}]
    risk = RiskResult(quasi_identifiers=["Âge", "Sexe", "Village"], k_min=1, records_below_k=87,
                      k_threshold=5, expected_reidentifications=10.78, global_risk=0.0024,
                      extra=extra)
    t1 = TableResult(name="Bénéficiaires", rows=1200, columns=cols, risk=risk, header_row=2,
                     kind="microdata")
    t2 = TableResult(name="Lookup", rows=12, hidden=True, kind="unknown",
                     columns=[_col("Code", "none", None, index=0),
                              _col("Label", "none", None, index=1)])
    path = "data/registration 2024.xlsx"
    f1 = FileResult(path=path, format="xlsx", tables=[t1, t2], sensitivity="severe",
                    sensitivity_reasons=["microdata with direct identifiers (names, phones)",
                                         "health data in row-level records"],
                    sha256="ab" * 32)
    f2 = FileResult(path="data/broken.csv", format="csv", error="cannot read: corrupt gzip")
    f3 = FileResult(path="data/3w.csv", format="csv", sensitivity="low",
                    tables=[TableResult(name=None, rows=40, header_row=1, kind="aggregate",
                                        columns=[_col("Admin2", "quasi", "ADMIN_AREA",
                                                      examples=["Tanganyika"], index=0),
                                                 _col("People reached", "none", None, index=1)])])
    findings = [
        Finding("DR-DEID-01", "critical", path, "Bénéficiaires", "Nom complet",
                "Direct identifier (PERSON) in a file bound for public release",
                "OCHA DRG 2021, de-identification", title="Direct identifier present",
                fix="Drop the column or replace it with keyed pseudonyms (datasafe redact).",
                explanation="A name identifies a person on its own; anyone holding the file can "
                            "find them.",
                details={"entity": "PERSON", "destination": "public"}),
        Finding("DR-DEID-01", "critical", path, "Bénéficiaires", "Téléphone",
                "Direct identifier (PHONE_NUMBER) in a file bound for public release",
                "OCHA DRG 2021, de-identification", title="Direct identifier present",
                fix="Drop the column.", details={"entity": "PHONE_NUMBER"}),
        Finding("DR-SDC-01", "high", path, "Bénéficiaires", None,
                "87 records in groups smaller than k=5 (k_min 1)",
                "HDX SDC workflow, k-anonymity", title="k-anonymity below threshold",
                fix="Generalise or locally suppress key variables.",
                explanation="Records unique on age, sex and village can be singled out.",
                details={"k": 5, "records": 87}),
        Finding("DR-DII-01", "medium", path, "Bénéficiaires", "Diagnostic | santé",
                "Sensitive attribute HEALTH in row-level data", "IASC 2023, DII",
                title="Sensitive attribute in microdata", fix="Aggregate or drop.",
                details={"entity": "HEALTH"}),
        Finding("DR-META-01", "low", path, "Lookup", None, "Hidden sheet present",
                "OCHA DRG 2021", title="Hidden sheet", fix="Delete hidden sheets before sharing."),
        Finding("DR-AGG-01", "info", "data/3w.csv", None, "People reached",
                "Aggregate table at admin 2 level", "OCHA ISP", title="Aggregation level"),
        Finding("DR-RET-01", "high", path, None, None, "Past retention date",
                "OCHA DRG 2021, retention", title="Retention", fix="Delete or review.",
                accepted={"source": "baseline", "by": "im-officer", "reason": "approved by DPO"}),
    ]
    summary = Summary(sensitivity="severe", max_severity="critical",
                      findings_by_severity={"critical": 2, "high": 1, "medium": 1, "low": 1,
                                            "info": 1},
                      reasons=["microdata with direct identifiers"], verdict="fail", errors=1)
    return ScanResult(files=[f1, f2, f3], findings=findings, summary=summary,
                      profile="hdx-public", destination="public", fail_on="high",
                      tool_version="0.3.0")


def clean_result() -> ScanResult:
    t = TableResult(name=None, rows=10, columns=[_col("Code", "none", None),
                                                 _col("Count", "none", None, index=1)])
    f = FileResult(path="clean.csv", format="csv", tables=[t], sensitivity="low")
    return ScanResult(files=[f], findings=[], summary=Summary(verdict="pass"),
                      profile="default", destination="internal", tool_version="0.3.0")


@pytest.fixture(autouse=True)
def _hand_built_catalogue(monkeypatch):
    """The hand-built findings use made-up texts: keep the real catalogue (written by the
    checks) out of these tests so they do not depend on its wording."""
    from datasafe.report import common

    monkeypatch.setattr(common, "_catalogue", lambda: {})


FORMATS = ["text", "markdown", "html", "sarif", "json"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_no_canary_in_any_format(fmt, lang):
    out = render(rich_result(), fmt, lang=lang)
    assert out.strip()
    for canary in CANARIES:
        assert canary not in out, (fmt, canary)
        assert canary.lower() not in out.lower()


def test_text_report_content():
    out = render(rich_result(), "text")
    assert "[Sensitivity: Severe]" in out
    assert "Strictly confidential" in out  # meaning of the level
    # flagged-columns table: role, entity, evidence, masked example
    line = next(x for x in out.splitlines() if "Téléphone" in x and "PHONE_NUMBER" in x)
    assert "direct" in line and "header, HXL tag, values" in line and "+243 8•• ••• •41" in line
    # risk block
    for s in ("Smallest group (k)", "1 (threshold 5)", "87 (7.2%)", "0.24%", "10.78",
              "Household risk", "1.13%", "51.81", "k=5: 87", "Riskiest key combinations",
              "Âge=34, Sexe=F, Village=Kalemie"):
        assert s in out, s
    # findings by severity, ids and a one-line fix
    crit = out.index("CRITICAL")
    assert crit < out.index("HIGH ") < out.index("MEDIUM") < out.index("LOW ") < out.index("INFO")
    assert "DR-DEID-01" in out and "Fix: Drop the column or replace it" in out
    # accepted finding shown apart, the error line, the verdict
    assert "Accepted findings (1)" in out and "approved by DPO" in out
    assert "cannot read: corrupt gzip" in out
    assert "FAIL" in out and "exit code 2" in out
    assert "\x1b[" not in out  # no colour unless asked


def test_text_colour_only_when_asked():
    assert "\x1b[" in render(rich_result(), "text", color=True)
    assert "\x1b[" not in render(rich_result(), "text", color=False)


def test_text_quiet_and_all_clear():
    clean = clean_result()
    assert render(clean, "text", quiet=True) == ""
    out = render(clean, "text")
    assert len(out.strip().splitlines()) <= 2 and "PASS" in out and "clean.csv" in out
    # quiet never hides a failing run
    assert "FAIL" in render(rich_result(), "text", quiet=True)


def test_text_french():
    out = render(rich_result(), "text", lang="fr")
    assert "[Sensibilité : Sévère]" in out or "[Sensibilité: Sévère]" in out
    assert "Strictement confidentiel" in out
    assert "Risque de ré-identification" in out
    assert "0,24\u202f%" in out  # decimal comma
    assert "Correction" in out and "CRITIQUE" in out
    assert "NON CONFORME" in out


def test_markdown_report():
    out = render(rich_result(), "markdown")
    assert out.startswith("## datasafe report")
    assert "❌ **FAIL**" in out
    assert "| Column | Role | Entity | Evidence | Masked example |" in out
    # a pipe in a header does not break the table; HTML in a header is escaped
    assert "Diagnostic \\| santé" in out
    assert "Observations \\<b\\>" in out
    assert "`+243 8•• ••• •41`" in out
    assert "| 🟥 Critical | `DR-DEID-01` |" in out
    assert "**Sensitivity: Severe**" in out
    assert "Global risk (mean individual risk): **0.24%**" in out
    fr = render(rich_result(), "markdown", lang="fr")
    assert "## Rapport datasafe" in fr and "Sensibilité : Sévère" in fr


def test_markdown_all_clear():
    out = render(clean_result(), "markdown")
    assert "✅ **PASS**" in out and "No personal or sensitive data found" in out


def test_json_unchanged_by_reports():
    d = json.loads(render(rich_result(), "json"))
    assert d["schema_version"] == "1"
    assert d["findings"][0]["check"] == "DR-DEID-01"


def test_unknown_language_falls_back_to_english():
    out = render(rich_result(), "text", lang="xx")
    assert "Re-identification risk" in out


def test_locales_have_the_same_keys():
    from datasafe.report.common import _load_locale, available_languages

    def keys(d, prefix=""):
        out = set()
        for k, v in d.items():
            out |= keys(v, f"{prefix}{k}.") if isinstance(v, dict) else {prefix + k}
        return out

    langs = available_languages()
    assert {"en", "fr"} <= set(langs)
    en = keys(_load_locale("en"))
    for lang in langs:
        assert keys(_load_locale(lang)) == en, lang


def test_risk_block_degrades_without_extras():
    r = rich_result()
    r.files[0].tables[0].risk.extra = {}
    for fmt in ("text", "markdown", "html"):
        out = render(r, fmt)
        assert "10.78" in out
        assert "Household risk" not in out


def test_french_check_texts_come_from_the_catalogue(monkeypatch):
    from datasafe.report import common

    fake = {"DR-DEID-01": {
        "id": "DR-DEID-01", "title": "Direct identifier present",
        "message": "Direct identifier ({entity}) in column {column}",
        "fix": "Drop the column.",
        "guidance": {"summary": "De-identify before sharing",
                     "citations": [{"source": "DRG21", "section": "de-identification"}]},
        "fr": {"title": "Identifiant direct présent",
               "message": "Identifiant direct ({entity}) dans la colonne {column}",
               "fix": "Supprimez la colonne."}}}
    monkeypatch.setattr(common, "_catalogue", lambda: fake)
    out = render(rich_result(), "text", lang="fr")
    assert "Identifiant direct (nom de personne) dans la colonne Nom complet" in out
    assert "Supprimez la colonne." in out
    # a check without a French block keeps its English text
    assert "87 records in groups smaller than k=5" in out
    html = render(rich_result(), "html", lang="fr")
    assert "Identifiant direct présent" in html
    en = common.localize(rich_result().findings[0], "en")
    assert en.message.startswith("Direct identifier (PERSON) in a file")  # finding's own text


def _edge_results():
    yield ScanResult()  # nothing scanned
    t = TableResult(name=None, rows=0, columns=[])
    yield ScanResult(files=[FileResult("empty.csv", "csv", tables=[t])])
    risk = RiskResult(["A"], None, 0, 5, 0.0, 0.0, extra={
        "riskiest_combinations": [{"values": ["x"]}, {"key": "weird"}, "junk", {"count": 3}],
        "class_size_histogram": [[1, 2, 5], ["a", "b"], {"label": "z", "count": "n/a"}],
        "risk_histogram": {"bins": [0, 0.1, 1], "counts": [4, 1]},
        "violations": {"k2": {"records": 1}, "bogus": "x"},
        "household_global_risk": float("nan")})
    cols = [_col("A", "quasi", "AGE", examples=[]), _col("B\nC\t|x", "direct", None)]
    t = TableResult(name="S|1 <i>", rows=3, columns=cols, risk=risk)
    f = Finding("X-1", "low", "e.xlsx", "S|1 <i>", "B\nC\t|x", "msg {not a placeholder",
                "guide", details={"variant": "v", "n": 1})
    yield ScanResult(files=[FileResult("e.xlsx", "xlsx", tables=[t], sensitivity="moderate")],
                     findings=[f], summary=Summary(verdict="pass"), fail_on="critical")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_reports_survive_odd_results(fmt, lang):
    for r in _edge_results():
        out = render(r, fmt, lang=lang)
        assert isinstance(out, str) and out.endswith("\n")
        if fmt == "sarif":
            from tests.test_report_sarif import validate_sarif

            validate_sarif(json.loads(out))


def test_markdown_stays_under_the_comment_limit():
    r = rich_result()
    base = r.findings[0]
    r.findings = [Finding(base.check, "high", base.file, base.table, f"col {i}", base.message * 3,
                          base.guidance, fix=base.fix) for i in range(2000)]
    out = render(r, "markdown")
    assert len(out) < 65536
    assert "… and 1850 more findings" in out



def test_a_wide_export_lists_its_identifiers_first_when_the_column_list_is_cut(tmp_path):
    """A Kobo export puts _gps_latitude/_gps_longitude last: the text report cut its list at
    40 columns in file order and never showed them."""
    import random

    from datasafe.pipeline import ScanOptions, scan
    from datasafe.report import render

    rng = random.Random(3)
    header = [f"sante/q{i}" for i in range(60)] + ["_gps_latitude", "_gps_longitude"]
    rows = [[rng.choice(["oui", "non"]) for _ in range(60)]
            + [f"{-1.5 - rng.random():.6f}", f"{29.1 + rng.random():.6f}"] for _ in range(200)]
    f = tmp_path / "kobo.csv"
    f.write_text(",".join(header) + "\n" + "".join(",".join(r) + "\n" for r in rows),
                 encoding="utf-8")
    text = render(scan(str(f), options=ScanOptions(ner="off")), "text")
    listed = text.split("Findings")[0]
    assert "_gps_latitude" in listed and "_gps_longitude" in listed


def test_one_finding_on_many_columns_is_one_entry_in_the_text_report(tmp_path):
    """A Kobo export gave 69 DR-PII-09 and 75 DR-DEID-07 entries, one per health column: 584
    lines. A run of one check on several columns of a table is one entry naming the others."""
    import random

    from datasafe.pipeline import ScanOptions, scan
    from datasafe.report import render

    rng = random.Random(3)
    header = ["nom_chef_menage", "telephone"] + [f"sante/q{i}" for i in range(12)]
    rows = [[f"{rng.choice(['Amina', 'Jean', 'Grace'])} {rng.choice(['Kabila', 'Mbuyi'])}",
             f"+24381{rng.randint(1000000, 9999999)}"]
            + [rng.choice(["oui", "non"]) for _ in range(12)] for _ in range(200)]
    f = tmp_path / "kobo.csv"
    f.write_text(",".join(header) + "\n" + "".join(",".join(r) + "\n" for r in rows),
                 encoding="utf-8")
    res = scan(str(f), options=ScanOptions(ner="off"))
    n09 = sum(1 for x in res.findings if x.check == "DR-PII-09")
    assert n09 >= 4
    text = render(res, "text")
    assert text.count("DR-PII-09  ") == 1
    assert f"the same finding for {n09 - 1} more columns" in text
    import json

    doc = json.loads(render(res, "json"))  # the contract keeps each
    assert sum(1 for x in doc["findings"] if x["check"] == "DR-PII-09") == n09
