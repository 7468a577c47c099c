"""Never leak (masked examples, canaries across outputs) and lazy heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from datasafe.detect.mask import mask_value
from datasafe.pipeline import ScanOptions, scan


def test_mask_examples_from_the_contract():
    assert mask_value("+243 812 345 612", "PHONE_NUMBER") == "+243 8•• ••• •12"
    assert mask_value("John Doe", "PERSON") == "J••• D••"
    m = mask_value("amina.yusuf@example.org", "EMAIL_ADDRESS")
    assert m.startswith("a") and m.endswith(".org") and "yusuf" not in m and "example" not in m


@pytest.mark.parametrize("value,entity", [
    ("0803 555 1234", "PHONE_NUMBER"), ("NGA-24-012345", "CASE_ID"), ("12345678901", "NATIONAL_ID"),
    ("TR33 0006 1005 1978 6457 8413 26", "IBAN_CODE"), ("4111 1111 1111 1111", "CREDIT_CARD"),
    ("12.345678", "GPS_COORDINATE"), ("1987-05-12", "DATE_OF_BIRTH"), ("34", "AGE"),
    ("192.168.10.21", "IP_ADDRESS"), ("Muslim", "RELIGION"), ("M", "SEX_GENDER"),
    ("Fatuma Abdi Hassan", None), ("Call Amina on +252 61 5123456 tomorrow", "FREE_TEXT"),
    ("https://facebook.com/amina.y", "URL"), ("x", None),
])
def test_mask_never_returns_the_value(value, entity):
    m = mask_value(value, entity)
    assert m and m != value
    # no run of 4+ consecutive digits or letters of the original survives
    import re

    for run in re.findall(r"[0-9]{4,}|[A-Za-z]{4,}", value):
        if entity == "URL" and run in ("https", "http"):
            continue
        assert run not in m, (value, m)


CANARIES = {
    "name": "Zephyrine Quillfeather",
    "phone": "+243 997 654 321",
    "email": "zephyrine.quill@canary.example.org",
    "id": "CNRY-99-777111",
    "note": "Zephyrine disclosed HIV status; call +243 997 654 321",
    "religion": "Yazidi",
}


def _canary_file(tmp_path):
    import random

    r = random.Random(3)
    n = 60
    first = ["Amina", "Jean", "Halima", "Patrick", "Grace", "Ali"]
    last = ["Yusuf", "Kabila", "Hassan", "Mwamba", "Farah"]
    df = pd.DataFrame({
        "full_name": [f"{r.choice(first)} {r.choice(last)}" for _ in range(n)],
        "phone": [f"+243 99{r.randint(0, 9)} {r.randint(100, 999)} {r.randint(100, 999)}" for _ in range(n)],
        "email": [f"p{i}@mail.example.com" for i in range(n)],
        "case_id": [f"CD-24-{r.randint(100000, 999999)}" for _ in range(n)],
        "religion": [r.choice(["Catholic", "Protestant", "Muslim"]) for _ in range(n)],
        "notes": [r.choice(["Family needs blankets and a shelter kit before the rains start",
                            "Visited at home, the children are attending school again now",
                            "Woman is pregnant, referred to the health centre for care"]) + f" #{i}"
                  for i in range(n)],
        "age": [str(r.randint(1, 80)) for _ in range(n)],
    })
    row = {"full_name": CANARIES["name"], "phone": CANARIES["phone"], "email": CANARIES["email"],
           "case_id": CANARIES["id"], "religion": CANARIES["religion"], "notes": CANARIES["note"],
           "age": "44"}
    df = pd.concat([pd.DataFrame([row] * 3), df], ignore_index=True)
    path = tmp_path / "canary.csv"
    df.to_csv(path, index=False)
    return path


def _assert_no_canary(text: str):
    for key, value in CANARIES.items():
        assert value not in text, f"canary {key} leaked"
    for frag in ("Zephyrine", "Quillfeather", "997 654 321", "997654321", "CNRY-99", "777111",
                 "canary.example"):
        assert frag not in text, f"fragment {frag!r} leaked"


def test_canaries_never_leak_json_and_text(tmp_path, caplog):
    import logging

    from datasafe.report import render

    caplog.set_level(logging.DEBUG)
    path = _canary_file(tmp_path)
    res = scan(str(path), options=ScanOptions(ner="off"))
    t = res.files[0].tables[0]
    assert t.column("full_name").role == "direct"
    assert t.column("phone").examples  # masked examples are there
    _assert_no_canary(res.to_json())
    _assert_no_canary(json.dumps(res.to_dict(), ensure_ascii=False))
    for fmt in ("text", "json"):
        _assert_no_canary(render(res, fmt))
    _assert_no_canary(caplog.text)
    for c in t.columns:
        for ex in c.examples:
            assert "•" in ex


def test_canaries_never_leak_through_the_cli(tmp_path):
    path = _canary_file(tmp_path)
    for fmt in ("json", "text"):
        p = subprocess.run([sys.executable, "-m", "datasafe", "scan", str(path), "--format", fmt,
                            "--ner", "off"], capture_output=True, text=True, timeout=300)
        assert p.returncode in (0, 1), p.stderr
        _assert_no_canary(p.stdout)
        _assert_no_canary(p.stderr)


def _run(code: str) -> str:
    p = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr
    return p.stdout


def test_no_spacy_or_presidio_without_free_text(tmp_path):
    path = tmp_path / "plain.csv"
    pd.DataFrame({"name": ["Amina Yusuf", "Jean Kabila", "Ali Farah"] * 10,
                  "phone": ["+243 997 000 111", "+243 997 000 112", "+243 997 000 113"] * 10,
                  "age": ["3", "45", "67"] * 10}).to_csv(path, index=False)
    out = _run(f"""
        import sys
        import datasafe.detect
        assert "spacy" not in sys.modules and "presidio_analyzer" not in sys.modules
        from datasafe.pipeline import scan, ScanOptions
        res = scan({str(path)!r}, options=ScanOptions(ner="auto"))
        print("spacy" in sys.modules, "presidio_analyzer" in sys.modules, res.ner_backend)
    """)
    assert out.split() == ["False", "False", "None"]


def test_ner_backend_reported_when_free_text_present(tmp_path):
    path = tmp_path / "notes.csv"
    pd.DataFrame({"notes": [f"Visit {i}: the family moved to another block near the market and "
                            f"needs more water containers" for i in range(20)]}).to_csv(path, index=False)
    out = _run(f"""
        import sys
        from datasafe.pipeline import scan, ScanOptions
        res = scan({str(path)!r}, options=ScanOptions(ner="auto"))
        print("presidio_analyzer" in sys.modules, res.ner_backend)
        res2 = scan({str(path)!r}, options=ScanOptions(ner="off"))
    """)
    flag, backend = out.split(maxsplit=1)
    assert flag == "True" and backend.strip().startswith("presidio")


def test_tldextract_is_offline_after_ner_setup():
    pytest.importorskip("presidio_analyzer")
    from datasafe.detect import ner

    ner._neutralise_tldextract()
    import tldextract.tldextract as T

    assert tuple(T.TLD_EXTRACTOR.suffix_list_urls) == ()
