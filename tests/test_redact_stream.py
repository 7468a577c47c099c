"""Streaming redaction (datasafe.redact.stream) gives the in-memory result for a public copy:
a name and its P-code suppressed together (twins), a key variable local suppression would
empty removed whole (recoded), and a GPS centroid of a removed P-code removed with it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import datasafe
from datasafe.redact import stream as S_

KEY = "0123456789abcdef0123456789abcdef"
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "beneficiary_registration.csv"

PROVINCES = [("Sud-Kivu", "CD62"), ("Nord-Kivu", "CD61"), ("Ituri", "CD54"),
             ("Tanganyika", "CD74"), ("Kasai", "CD92"), ("Maniema", "CD63")]
FIRST = ["Amani", "Baraka", "Furaha", "Neema", "Zawadi", "Imani", "Riziki", "Tumaini"]
LAST = ["Mukendi", "Kabila", "Tshisekedi", "Mbuyi", "Ilunga", "Kasongo", "Banza", "Lukusa"]


def _beneficiaries(n: int, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    # occupations of ~50 people each, every one in one province: frequent enough to survive
    # the merge of rare categories, too fine for k (local suppression would empty most of
    # them). (A village column would be removed before suppression: too fine a location for
    # public row-level data, DR-GEO-04.)
    village = rng.integers(0, n // 50, n)
    prov = village % (len(PROVINCES) - 1)
    # the last province has a dozen people in one village: some of its cells are suppressed
    prov[:12], village[:12] = len(PROVINCES) - 1, n // 50
    return pd.DataFrame({
        "full_name": [f"{FIRST[a]} {LAST[b]}" for a, b in zip(rng.integers(0, 8, n),
                                                                rng.integers(0, 8, n))],
        "phone": [f"08{x:08d}" for x in rng.integers(0, 10**8, n)],
        "sex": rng.choice(["M", "F"], n),
        "age": rng.integers(0, 90, n).astype(str),
        "admin1": [PROVINCES[i][0] for i in prov],
        "admin1_pcode": [PROVINCES[i][1] for i in prov],
        "occupation": [f"Occupation {x}" for x in village],
    })


def _redact_both(src: Path, tmp_path: Path, suffix: str):
    kw = {"profile": "hdx-public", "key": KEY, "rescan": False}
    mem = datasafe.redact(str(src), output=str(tmp_path / f"m{suffix}"), stream=False, **kw)
    old = S_.BATCH_ROWS
    try:
        S_.BATCH_ROWS = 256  # several batches
        st = datasafe.redact(str(src), output=str(tmp_path / f"s{suffix}"), stream=True, **kw)
    finally:
        S_.BATCH_ROWS = old
    assert st.files[0].streamed and not mem.files[0].streamed
    return mem.files[0].tables[0], st.files[0].tables[0]


def _same_logs(tm: dict, ts: dict) -> None:
    lm, ls = tm["local_suppression"], ts["local_suppression"]
    assert lm and ls
    for field in ("key_vars", "twins", "recoded", "cells_suppressed", "records_affected",
                  "by_column"):
        assert ls[field] == lm[field], field
    assert ts["dropped"] == tm["dropped"]
    mem_cols = {e["column"]: e for e in tm["columns"]}
    for e in ts["columns"]:
        m = mem_cols[e["column"]]
        assert (e["treatment"], e["reason"]) == (m["treatment"], m["reason"]), e["column"]
        for a in ("values_changed", "cells_suppressed", "non_empty"):
            assert e.get(a) == m.get(a), (e["column"], a)


def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])


def test_stream_twins_and_recode_equal_memory(tmp_path):
    src = tmp_path / "b.csv"
    _beneficiaries(3000).to_csv(src, index=False)
    tm, ts = _redact_both(src, tmp_path, ".csv")
    _same_logs(tm, ts)
    lm = tm["local_suppression"]
    # the case under test happened: the name and its P-code are one key variable, the
    # occupations were recoded away
    assert lm["twins"] == {"admin1": ["admin1_pcode"]}
    assert "occupation" in lm["recoded"] and "occupation" in tm["dropped"]
    assert lm["by_column"]["admin1_pcode"] == lm["by_column"]["admin1"] > 0
    assert (tmp_path / "m.csv").read_bytes() == (tmp_path / "s.csv").read_bytes()
    out = _read(tmp_path / "s.csv")
    assert "occupation" not in out.columns and "full_name" not in out.columns
    assert (out["admin1"].isna() == out["admin1_pcode"].isna()).all()


def test_stream_example_equals_memory(tmp_path):
    """The bundled beneficiary list: admin2 and its P-code recoded away, and the GPS centroid
    of that P-code removed with them, in both paths."""
    tm, ts = _redact_both(EXAMPLE, tmp_path, ".csv")
    _same_logs(tm, ts)
    assert "admin2_pcode" in tm["dropped"] and "gps_latitude" in tm["dropped"]
    assert (tmp_path / "m.csv").read_bytes() == (tmp_path / "s.csv").read_bytes()


def test_stream_parquet_twins_and_recode_equal_memory(tmp_path):
    src = tmp_path / "b.parquet"
    _beneficiaries(3000, seed=11).to_parquet(src, index=False)
    tm, ts = _redact_both(src, tmp_path, ".parquet")
    _same_logs(tm, ts)
    assert tm["local_suppression"]["twins"] == {"admin1": ["admin1_pcode"]}
    assert "occupation" in tm["local_suppression"]["recoded"]
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "m.parquet"),
                                  pd.read_parquet(tmp_path / "s.parquet"))


def test_compact_key_columns_give_the_codes_and_twins_their_text_gives():
    """The streamed first pass holds repetitive key columns as codes and distinct values
    (pandas Categorical) instead of text: suppression's codes (white space trimmed, numbered by
    first appearance), the one-to-one test and the decoded text are the same as from the text."""
    import numpy as np
    import pandas as pd

    from datasafe.redact.stream import as_text, compact
    from datasafe.redact.suppress import key_codes
    from datasafe.risk.keys import same_information

    rng = np.random.default_rng(8)
    values = np.array(["Goma", " Goma", "Goma ", "Beni", "", "  ", None, "Uvira"], dtype=object)
    a = pd.Series(list(rng.choice(values, 40_000)), dtype="str")
    b = a.str.strip().str.upper()  # one-to-one with a once trimmed? no: " Goma" and "Goma" differ
    text = pd.DataFrame({"a": a, "b": b, "c": a.copy()})
    small = pd.DataFrame({c: compact(text[c]) for c in text.columns})
    assert all(isinstance(small[c].dtype, pd.CategoricalDtype) for c in small.columns)
    assert np.array_equal(key_codes(text), key_codes(small))
    for x, y in (("a", "b"), ("a", "c"), ("b", "a")):
        assert same_information(text, x, y) == same_information(small, x, y)
    assert same_information(small, "a", "c") is True
    for c in text.columns:
        back = as_text(small[c])
        assert str(back.dtype) == "str"
        assert back.fillna("<NA>").tolist() == text[c].fillna("<NA>").tolist()
    unique = pd.Series([f"id-{i}" for i in range(1000)], dtype="str")
    assert compact(unique) is unique  # mostly distinct: kept as text
