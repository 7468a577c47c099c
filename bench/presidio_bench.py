"""Presidio on the bench data: presidio-structured's column analysis plus Presidio's
``BatchAnalyzerEngine.analyze_dict`` over the first ``--rows`` rows of a generated CSV.

    python bench/presidio_bench.py --bench-csv bench/data/beneficiaries_1000000.csv --rows 2000

Prints a final JSON line ``{"seconds", "rows", "roles", ...}`` that ``bench/run.py`` reads and
extrapolates to the whole file (Presidio's cost is linear in the cells it analyses).
The analyzer is built by ``bench/compare_presidio.py`` (offline: the installed small spaCy model,
or ``--engine patterns`` for Presidio's pattern recognisers only) and its entity → role mapping
is the one used there, so both comparisons score Presidio the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bench-csv", type=Path, required=True)
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--engine", choices=["spacy", "patterns"], default="spacy")
    a = ap.parse_args(argv)

    import pandas as pd
    from compare_presidio import build_analyzer, presidio_role
    from presidio_analyzer import BatchAnalyzerEngine
    from presidio_structured import PandasAnalysisBuilder

    df = pd.read_csv(a.bench_csv, nrows=a.rows, dtype=str, keep_default_na=True)
    df = df.astype(object).where(df.notna(), float("nan"))
    t_build = time.perf_counter()
    analyzer = build_analyzer(a.engine)
    t0 = time.perf_counter()
    # 1. presidio-structured: which entity is each column (its default "most_common" strategy)
    analysis = PandasAnalysisBuilder(analyzer=analyzer, batch_size=64).generate_analysis(
        df, n=len(df), selection_strategy="most_common")
    t1 = time.perf_counter()
    # 2. Presidio's batch analyzer over every cell (what finding PII in each value costs)
    batch = BatchAnalyzerEngine(analyzer_engine=analyzer)
    cols = {c: [None if v != v else str(v) for v in df[c].tolist()] for c in df.columns}
    results = list(batch.analyze_dict(cols, language="en", batch_size=64))
    t2 = time.perf_counter()
    hits = Counter()
    for r in results:
        for cell in r.recognizer_results or []:
            for hit in cell or []:
                hits[(r.key, hit.entity_type)] += 1
    roles = {c: presidio_role(analysis.entity_mapping.get(c)) for c in df.columns}
    print(json.dumps({"seconds": round(t2 - t0, 3), "structured_seconds": round(t1 - t0, 3),
                      "batch_seconds": round(t2 - t1, 3), "build_seconds": round(t0 - t_build, 3),
                      "rows": len(df), "engine": a.engine, "roles": roles,
                      "entities": dict(analysis.entity_mapping),
                      "batch_hits": len(hits)}))


if __name__ == "__main__":
    main()
