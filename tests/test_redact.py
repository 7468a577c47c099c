"""Redaction: treatments, plans, suppression, the engine and the command, on real small files."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from click.testing import CliRunner

import datasafe
from datasafe.cli import main
from datasafe.read import read_tables
from datasafe.redact import RedactError
from datasafe.redact import treatments as T
from datasafe.redact.plan import PlanError, parse_plan
from datasafe.redact.suppress import local_suppression, suppress_small_cells

KEY = "test-key-0123456789abcdef"


def S(values):
    return pd.Series(values, dtype="str")


def vals(s):
    return [None if pd.isna(v) else v for v in s]


# ---------------------------------------------------------------------------------------------
# treatments


def test_mask_keeps_last_n_and_hides_length():
    out = T.t_mask(S(["+243812345678", "ab", None]), {"keep_last": 3}, None, None)
    assert vals(out) == ["****678", "****", None]


def test_pseudonyms_keyed_stable_contextual():
    s = S(["C001", "C002", "C001 ", None])
    p = {"_key": KEY.encode(), "_column": "Case ID"}
    a = T.t_pseudonymise(s, p, None, None)
    b = T.t_pseudonymise(s, dict(p), None, None)
    assert vals(a) == vals(b)  # stable across runs
    assert a[0] == a[2] and a[0] != a[1] and pd.isna(a[3])
    assert len(a[0]) == 16
    other_ctx = T.t_pseudonymise(s, {**p, "context": "household"}, None, None)
    assert other_ctx[0] != a[0]
    other_key = T.t_pseudonymise(s, {**p, "_key": b"another-key-0123456789"}, None, None)
    assert other_key[0] != a[0]
    # not a plain or salted hash of the value
    for h in (hashlib.sha256(b"C001").hexdigest(), hashlib.md5(b"C001").hexdigest()):
        assert not h.startswith(a[0])
    # the same context in another file (another column name) gives the same pseudonym
    joined = T.t_pseudonymise(S(["C001"]), {"_key": KEY.encode(), "_column": "x",
                                            "context": "case id"}, None, None)
    assert joined[0] == a[0]
    with pytest.raises(T.TreatmentError):
        T.t_pseudonymise(s, {"_column": "x"}, None, None)


def test_hmac_is_rfc2104():
    import hmac as std

    for key in (b"k" * 16, b"x" * 100):
        mac = T.hmac_sha256_fn(key)
        for msg in (b"", b"C001", "Amélie".encode()):
            assert mac(msg) == std.digest(key, msg, "sha256")
    # the pseudonym is HMAC(subkey(context), value)
    sub = T.pseudonym_subkey(KEY.encode(), "case")
    out = T.t_pseudonymise(S(["C001"]), {"_key": KEY.encode(), "context": "case"}, None, None)
    assert out[0] == std.new(sub, b"C001", "sha256").hexdigest()[:16]


def test_hash_treatment_refused():
    with pytest.raises(T.TreatmentError, match="keyed HMAC"):
        T.canonical("hash")
    with pytest.raises(PlanError):
        parse_plan({"columns": {"Phone": "hash"}})
    with pytest.raises(PlanError, match="never holds a key"):
        parse_plan({"columns": {"ID": {"treatment": "pseudonymise", "key": "x"}}})


def test_age_bands_dates_dob():
    assert vals(T.t_age_band(S(["0", "4", "5", "17", "18", "59", "60", "99", "x", None, "-1"]),
                             {}, None, None)) == [
        "0-4", "0-4", "5-11", "12-17", "18-59", "18-59", "60+", "60+", None, None, None]
    assert vals(T.t_age_band(S(["25"]), {"bands": [0, 10, 20, 30]}, None, None)) == ["20-29"]
    d = S(["2024-03-17", "17/03/2024", "2024-03-17 10:22:00", "not a date", None])
    assert vals(T.t_date(d, {"level": "month"}, None, None)) == [
        "2024-03", "2024-03", "2024-03", None, None]
    assert vals(T.t_date(d, {"level": "year"}, None, None))[:2] == ["2024", "2024"]
    dob = S(["2000-06-15", "2020-06-16", "1950-01-01"])
    bands = T.t_dob_age_band(dob, {"reference_date": "2026-06-15"}, None, None)
    assert vals(bands) == ["18-59", "5-11", "60+"]


def test_gps_round_and_centroid():
    assert vals(T.t_gps_round(S(["-5.947131", "29.194882", None]), {"decimals": 1}, None,
                              None)) == ["-5.9", "29.2", None]
    assert vals(T.t_gps_round(S(["-5.94713, 29.19488"]), {"decimals": 2}, None, None)) == [
        "-5.95, 29.19"]
    frame = pd.DataFrame({"lat": S(["1.0", "3.0", "2.0", "10.0"]),
                          "pcode": S(["A", "A", "A", "B"])})
    params = {"pcode": "pcode", "min_points": 2, "decimals": 2}
    st = T.f_gps_centroid(frame["lat"], params, frame)
    out = T.t_gps_centroid(frame["lat"], params, st, frame)
    # centroid = mean of the points of the P-code; a P-code with fewer than min_points is emptied
    assert vals(out) == ["2", "2", "2", None]


def test_top_bottom_and_rare_merge():
    s = S([str(i) for i in range(1, 101)])
    p = {"high": 90, "low": 10}
    st = T.f_top_bottom(s, p, None)
    out = T.t_top_bottom(s, p, st, None)
    nums = pd.to_numeric(out)
    assert nums.max() == pytest.approx(st["high"]) and nums.min() == pytest.approx(st["low"])
    assert out[50] == "51"  # middle values unchanged
    cats = S(["a"] * 5 + ["b"] * 2 + ["c"] + [None])
    st = T.f_rare_merge(cats, {"min_count": 3}, None)
    assert vals(T.t_rare_merge(cats, {}, st, None)) == ["a"] * 5 + ["Other"] * 3 + [None]


def test_free_text_patterns():
    s = S(["call +243 812 345 678 or mail a.b@c.org", "id 12345678 at 1.2.3.4", None])
    out = vals(T.t_free_text(s, {"ner": False}, None, None))
    assert out[0] == "call <PHONE_NUMBER> or mail <EMAIL_ADDRESS>"
    assert "12345678" not in out[1] and "1.2.3.4" not in out[1]


# ---------------------------------------------------------------------------------------------
# suppression


def _risk_fk(frame, keys):
    from datasafe.risk import frequencies

    fk, _ = frequencies(frame, keys)
    return fk


def test_local_suppression_reaches_k_with_importance():
    rng = np.random.default_rng(7)
    n = 400
    df = pd.DataFrame({"age": S(rng.choice(["0-4", "5-11", "12-17", "18-59", "60+"], n)),
                       "sex": S(rng.choice(["F", "M"], n)),
                       "village": S(rng.choice([f"v{i}" for i in range(40)], n))})
    keys = ["age", "sex", "village"]
    assert _risk_fk(df, keys).min() < 5
    out, per_var, records = local_suppression(df, keys, 5, importance=["sex", "age", "village"])
    assert _risk_fk(out, keys).min() >= 5  # k holds with sdcMicro's NA-matches-any rule
    assert per_var["village"] >= per_var["age"] >= per_var["sex"]
    assert per_var["sex"] == 0
    assert records <= n and sum(per_var.values()) >= records
    assert df["village"].notna().all()  # input untouched
    # importance reversed: the other variable goes first
    out2, per_var2, _ = local_suppression(df, keys, 5, importance=["village", "sex", "age"])
    assert _risk_fk(out2, keys).min() >= 5
    assert per_var2["age"] > per_var["age"]


def test_local_suppression_minimal_by_hand():
    # five identical records and one unique: only the unique record loses one value
    df = pd.DataFrame({"a": S(["x"] * 5 + ["x"]), "b": S(["1"] * 5 + ["2"])})
    out, per_var, records = local_suppression(df, ["a", "b"], 5, importance=["a", "b"])
    assert records == 1 and per_var == {"a": 0, "b": 1}
    assert vals(out["b"]) == ["1"] * 5 + [None]


def _reference_local_suppression(codes, k, order):
    """The search record by record (frequencies recomputed over every record at each step),
    as it ran before it moved to distinct combinations: the two must suppress the same cells."""
    from datasafe.redact.suppress import sample_frequencies

    codes = codes.copy()
    for _ in range((codes.shape[1] + 2) * 4):
        fk = sample_frequencies(codes)
        if not (fk < k).any():
            break
        progressed = False
        for j in order:
            risky = (sample_frequencies(codes) < k) & (codes[:, j] >= 0)
            if risky.any():
                trial = codes.copy()
                trial[risky, j] = -1
                ok = risky & (sample_frequencies(trial) >= k)
                codes[ok, j] = -1
                progressed |= bool(ok.any())
        risky = sample_frequencies(codes) < k
        if not risky.any() or progressed:
            continue
        for j in order:
            sel = risky & (codes[:, j] >= 0)
            codes[sel, j] = -1
            risky &= ~sel
    return codes


def test_local_suppression_on_combinations_equals_record_by_record():
    from datasafe.redact.suppress import key_codes, suppression_order

    rng = np.random.default_rng(11)
    for trial in range(25):
        n = int(rng.integers(20, 1500))
        m = int(rng.integers(1, 5))
        df = pd.DataFrame({f"v{j}": S(rng.choice([None] + [f" c{i}" if i % 3 else f"c{i}"
                                                          for i in range(int(rng.integers(2, 25)))],
                                                         n)) for j in range(m)})
        keys, k = list(df.columns), int(rng.integers(2, 12))
        out, per_var, records = local_suppression(df, keys, k)
        codes = key_codes(df[keys])
        ref = _reference_local_suppression(codes, k, suppression_order(df, keys))
        sup = (ref < 0) & (codes >= 0)
        assert per_var == {v: int(sup[:, j].sum()) for j, v in enumerate(keys)}, trial
        assert records == int(sup.any(axis=1).sum())
        for j, v in enumerate(keys):
            assert out[v].isna().to_numpy().tolist() == (ref[:, j] < 0).tolist()


def test_suppression_masks_equal_the_suppressed_frame():
    """The streaming path's masks (no suppressed copy of the text) mark exactly the cells the
    in-memory path empties, twins included, and the smallest class they give equals the
    frequencies of the suppressed frame, on all key variables and without one of them."""
    from datasafe.redact.engine import _suppress_or_recode
    from datasafe.redact.suppress import frequencies

    rng = np.random.default_rng(5)
    for trial in range(15):
        n = int(rng.integers(30, 1200))
        m = int(rng.integers(2, 5))
        df = pd.DataFrame({f"v{j}": S(rng.choice([None] + [f"c{i}" for i in range(
            int(rng.integers(2, 20)))], n)) for j in range(m)})
        df["twin"] = df["v0"].str.replace("c", "P", regex=False)
        keys, k = [f"v{j}" for j in range(m)], int(rng.integers(2, 9))
        twins = {"v0": ["twin"]}
        red, per_var, records, recoded = _suppress_or_recode(df, list(keys), k, None, twins,
                                                             recode=False)
        done, per_var2, records2, _ = _suppress_or_recode(df, list(keys), k, None, twins,
                                                          recode=False, masks_only=True)
        assert (per_var, records) == (per_var2, records2), trial
        for c in keys + ["twin"]:
            emptied = (df[c].notna() & red[c].isna()).to_numpy()
            mask = done.masks.get(c, np.zeros(n, dtype=bool))
            assert (emptied == (mask & df[c].notna().to_numpy())).all(), (trial, c)
        for kv in (keys, keys[1:]):
            assert done.smallest_class(kv) == int(frequencies(red, kv).min()), (trial, kv)


def test_treatments_on_columns_read_in_blocks():
    # a large file is read in blocks: its columns are chunked Arrow arrays
    from datasafe.redact.suppress import key_codes

    rng = np.random.default_rng(3)
    n = 30_000
    raw = {"age": [None if i % 97 == 0 else str(v) for i, v in enumerate(rng.integers(0, 99, n))],
           "date": [f"20{10 + v % 15}-{1 + v % 12:02d}-{1 + v % 28:02d}"
                    for v in rng.integers(0, 10_000, n)],
           "id": [f"ID{v}" for v in rng.integers(0, 5_000, n)],
           "note": [f"call +243 81{v:07d} now" for v in rng.integers(0, 200, n)]}
    for col, values in raw.items():
        whole = S(values)
        chunked = pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array(
            [pa.array(values[i:i + 7_000], type=pa.large_string())
             for i in range(0, n, 7_000)])), dtype="str")
        assert chunked.array._pa_array.num_chunks > 1
        pd.testing.assert_series_equal(T.to_number(chunked), T.to_number(whole))
        pd.testing.assert_series_equal(T.parse_dates(chunked), T.parse_dates(whole))
        for name, params in [("pseudonymise", {"_key": KEY.encode(), "_column": col}),
                             ("free_text", {"ner": "off"})]:
            t = T.resolve(name, params)
            assert vals(t.apply(chunked, params, None, None)) == vals(
                t.apply(whole, params, None, None))
        assert (key_codes(pd.DataFrame({col: chunked}))
                == key_codes(pd.DataFrame({col: whole}))).all()


def test_small_cells_with_secondary_suppression():
    df = pd.DataFrame({"district": S(["D1", "D2", "D3", "Total"]),
                       "women": S(["12", "3", "40", "55"]),
                       "men": S(["20", "30", "25", "75"]),
                       "total": S(["32", "33", "65", "130"])})
    out, prim, sec = suppress_small_cells(df, ["women", "men", "total"], 5,
                                          group_cols=["district"], total_cols=["total"])
    assert prim == 1 and sec >= 2
    sup = out[["women", "men"]].isna().to_numpy()
    body = sup[:3]
    assert all(r.sum() in (0, 2) or r.sum() >= 2 for r in body)  # no row with a lone cell
    assert all(c.sum() != 1 for c in body.T)  # no column with a lone cell
    assert pd.isna(out.loc[1, "women"])


# ---------------------------------------------------------------------------------------------
# engine, end to end on files


def _survey(n=240, seed=3):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "Name": [f"Person {i}" for i in range(n)],
        "Phone": [f"+2438123{i:05d}" for i in range(n)],
        "Case ID": [f"C{i:04d}" for i in range(n)],
        "Age": rng.integers(0, 90, n).astype(str),
        "Sex": rng.choice(["F", "M"], n),
        "Village": rng.choice([f"V{i}" for i in range(12)], n),
        "Income": rng.integers(0, 1000, n).astype(str),
        "Notes": ["=HYPERLINK(\"http://x\")"] + ["call +243 812 345 678"] * (n - 1),
    })


PLAN = {"columns": {"Name": "drop", "Phone": {"treatment": "mask", "keep_last": 2},
                    "Case ID": {"treatment": "pseudonymise", "context": "case"},
                    "Age": {"treatment": "generalise", "method": "age_band"},
                    "Income": {"treatment": "generalise", "method": "top_bottom", "high": 95},
                    "Notes": "free_text", "Sex": "keep", "Village": "keep"},
        "local_suppression": {"k": 3, "key_vars": ["Age", "Sex", "Village"],
                              "importance": ["Sex", "Age", "Village"]}}


def _no_raw_values(text: str, df: pd.DataFrame, cols=("Name", "Phone", "Case ID")):
    for c in cols:
        for v in df[c].head(50):
            assert str(v) not in text, f"raw value of {c} leaked"


def test_redact_csv_semicolon_hxl_end_to_end(tmp_path):
    df = _survey()
    src = tmp_path / "survey.csv"
    hxl = ["#beneficiary+name", "#contact+phone", "#beneficiary+code", "#age", "#gender",
           "#loc+name", "#value", "#description"]
    lines = [";".join(df.columns), ";".join(hxl)] + [";".join(r) for r in df.astype(str).values]
    src.write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8-sig"))
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(PLAN))
    res = datasafe.redact(str(src), plan=str(plan_file), key=KEY)
    out = tmp_path / "survey.redacted.csv"
    assert res.files[0].output == str(out)
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    t = read_tables(out)[0]
    assert t.meta["delimiter"] == ";"
    assert t.headers == ["Phone", "Case ID", "Age", "Sex", "Village", "Income", "Notes"]
    assert t.hxl[0] == "#contact+phone"
    assert set(t.data["Age"].dropna()) <= {"0-4", "5-11", "12-17", "18-59", "60+"}
    assert t.data["Phone"].str.match(r"^\*\*\*\*\d\d$").all()
    assert t.data["Notes"][0].startswith("'=")
    assert (t.data["Notes"][1:] == "call <PHONE_NUMBER>").all()
    assert _risk_fk(t.data, ["Age", "Sex", "Village"]).min() >= 3
    # logs: JSON + text, no raw values, no key
    log_json = out.with_name(out.name + ".redaction-log.json")
    log_md = out.with_name(out.name + ".redaction-log.md")
    text = log_json.read_text() + log_md.read_text() + out.read_text(encoding="utf-8-sig")
    assert KEY not in text
    _no_raw_values(log_json.read_text() + log_md.read_text(), df)
    log = json.loads(log_json.read_text())
    cols = {c["column"]: c for c in log["files"][0]["tables"][0]["columns"]}
    assert cols["Name"]["treatment"] == "drop" and cols["Name"]["cells_removed"] == len(df)
    assert cols["Age"]["values_changed"] == len(df)
    assert 0 < cols["Income"]["values_changed"] < len(df)
    ls = log["files"][0]["tables"][0]["local_suppression"]
    assert ls["k"] == 3 and ls["cells_suppressed"] > 0
    assert log["files"][0]["after"] is not None and log["key_id"] == res.key_id
    assert src.read_bytes().startswith(b"\xef\xbb\xbf")  # input untouched


def test_pseudonyms_stable_across_files_and_runs(tmp_path):
    a = tmp_path / "march.csv"
    b = tmp_path / "april.csv"
    pd.DataFrame({"case": ["C1", "C2", "C3"], "x": ["1", "2", "3"]}).to_csv(a, index=False)
    pd.DataFrame({"Case": ["C3", "C1"], "y": ["9", "8"]}).to_csv(b, index=False)
    plan_a = {"columns": {"case": {"treatment": "pseudonymise", "context": "case-id"}},
              "local_suppression": False}
    plan_b = {"columns": {"Case": {"treatment": "pseudonymise", "context": "case-id"}},
              "local_suppression": False}
    datasafe.redact(str(a), plan=plan_a, key=KEY, rescan=False)
    datasafe.redact(str(b), plan=plan_b, key=KEY, rescan=False)
    ra = pd.read_csv(tmp_path / "march.redacted.csv", dtype=str)
    rb = pd.read_csv(tmp_path / "april.redacted.csv", dtype=str)
    assert ra["case"][2] == rb["Case"][0] and ra["case"][0] == rb["Case"][1]
    first = ra["case"].tolist()
    datasafe.redact(str(a), plan=plan_a, key=KEY, rescan=False)
    assert pd.read_csv(tmp_path / "march.redacted.csv", dtype=str)["case"].tolist() == first


def test_refuses_without_key_and_short_key(tmp_path, monkeypatch):
    monkeypatch.delenv("DATASAFE_KEY", raising=False)
    src = tmp_path / "d.csv"
    pd.DataFrame({"case": ["C1", "C2"]}).to_csv(src, index=False)
    plan = {"columns": {"case": "pseudonymise"}}
    with pytest.raises(RedactError, match="no key"):
        datasafe.redact(str(src), plan=plan)
    assert not (tmp_path / "d.redacted.csv").exists()
    with pytest.raises(RedactError, match="too short"):
        datasafe.redact(str(src), plan=plan, key="short")
    monkeypatch.setenv("DATASAFE_KEY", KEY)
    res = datasafe.redact(str(src), plan=plan, rescan=False)
    assert res.key_id and (tmp_path / "d.redacted.csv").exists()
    keyfile = tmp_path / "k.bin"
    keyfile.write_bytes(os.urandom(32))
    res2 = datasafe.redact(str(src), plan=plan, key_file=str(keyfile), rescan=False)
    assert res2.key_id != res.key_id


def test_never_overwrites_input(tmp_path):
    src = tmp_path / "d.csv"
    pd.DataFrame({"a": ["1"]}).to_csv(src, index=False)
    before = src.read_bytes()
    link = tmp_path / "alias.csv"
    os.symlink(src, link)
    for out in (src, link, tmp_path / "D.CSV"):
        with pytest.raises(RedactError, match="overwrite"):
            datasafe.redact(str(src), output=str(out), plan={"columns": {"a": "drop"}})
    assert src.read_bytes() == before


def test_excel_all_sheets(tmp_path):
    import openpyxl

    src = tmp_path / "book.xlsx"
    df = _survey(60)
    with pd.ExcelWriter(src, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name="register", index=False)
        pd.DataFrame({"code": ["V1", "V2"], "name": ["North", "South"]}).to_excel(
            xw, sheet_name="villages", index=False)
    plan = {"tables": [{"table": "register", "columns": {
        "Name": "drop", "Phone": "drop", "Case ID": "drop", "Notes": "free_text",
        "Age": {"treatment": "generalise", "method": "age_band"}},
        "local_suppression": False}]}
    res = datasafe.redact(str(src), plan=plan, rescan=False)
    wb = openpyxl.load_workbook(res.files[0].output)
    assert wb.sheetnames == ["register", "villages"]
    reg = wb["register"]
    assert [c.value for c in reg[1]] == ["Age", "Sex", "Village", "Income", "Notes"]
    # pandas wrote the first note as a formula; treated text replaces it
    assert reg["E3"].value == "call <PHONE_NUMBER>"
    assert reg["A2"].value in {"0-4", "5-11", "12-17", "18-59", "60+"}
    assert reg["D2"].value == int(df["Income"][0])  # untouched numbers stay numbers
    assert [c.value for c in wb["villages"][2]] == ["V1", "North"]


def test_parquet_schema_and_streaming_equal(tmp_path):
    df = _survey(300)
    df["Age"] = df["Age"].astype("int64")
    df["lat"] = np.round(np.linspace(-5.9, -5.1, len(df)), 6)
    df["pcode"] = ["CD01", "CD02", "CD03"] * 100
    src = tmp_path / "s.parquet"
    df.to_parquet(src, index=False)
    plan = {"columns": {**PLAN["columns"],
                        "lat": {"treatment": "generalise", "method": "gps_centroid",
                                "pcode": "pcode", "decimals": 1}},
            "local_suppression": PLAN["local_suppression"]}
    datasafe.redact(str(src), plan=plan, key=KEY, output=str(tmp_path / "mem.parquet"),
                    stream=False, rescan=False)
    datasafe.redact(str(src), plan=plan, key=KEY, output=str(tmp_path / "st.parquet"),
                    stream=True, rescan=False)
    mem = pq.read_table(tmp_path / "mem.parquet")
    st = pq.read_table(tmp_path / "st.parquet")
    assert mem.equals(st)
    assert "Name" not in mem.column_names
    assert mem.schema.field("lat").type == pa.float64()
    assert mem.schema.field("Sex").type == pq.read_schema(src).field("Sex").type
    assert pa.types.is_string(mem.schema.field("Age").type) or pa.types.is_large_string(
        mem.schema.field("Age").type)
    assert sorted(set(mem.column("lat").to_pylist())) == sorted(
        set(np.round(df.groupby("pcode")["lat"].mean(), 1).tolist()))


def test_streaming_csv_equals_memory(tmp_path):
    df = _survey(500)
    src = tmp_path / "s.csv.gz"
    df.to_csv(src, index=False, compression="gzip")
    kw = {"plan": PLAN, "key": KEY, "rescan": False}
    datasafe.redact(str(src), output=str(tmp_path / "m.csv.gz"), stream=False, **kw)
    from datasafe.redact import stream as S_

    old = S_.BATCH_ROWS
    try:
        S_.BATCH_ROWS = 64  # several batches
        res = datasafe.redact(str(src), output=str(tmp_path / "s2.csv.gz"), stream=True, **kw)
    finally:
        S_.BATCH_ROWS = old
    assert res.files[0].streamed
    import gzip

    assert gzip.decompress((tmp_path / "m.csv.gz").read_bytes()) == gzip.decompress(
        (tmp_path / "s2.csv.gz").read_bytes())


def test_dataframe_input():
    df = _survey(100)
    res = datasafe.redact(df, plan=PLAN, key=KEY)
    out = res.data
    assert "Name" not in out.columns and list(out.columns)[0] == "Phone"
    assert res.files[0].after is not None
    assert _risk_fk(out, ["Age", "Sex", "Village"]).min() >= 3


def test_plan_round_trip_reproduces_output(tmp_path):
    df = _survey(120)
    src = tmp_path / "d.csv"
    df.to_csv(src, index=False)
    res = datasafe.redact(str(src), plan=PLAN, key=KEY, output=str(tmp_path / "a.csv"),
                          rescan=False)
    saved = tmp_path / "plan.yaml"
    saved.write_text(res.plan.to_yaml())
    data = yaml.safe_load(saved.read_text())
    assert data["version"] == 1 and KEY not in saved.read_text()
    datasafe.redact(str(src), plan=str(saved), key=KEY, output=str(tmp_path / "b.csv"),
                    rescan=False)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_aggregate_small_cells_end_to_end(tmp_path):
    src = tmp_path / "agg.csv"
    pd.DataFrame({"District": ["D1", "D2", "D3", "D4"], "Girls": ["12", "3", "40", "9"],
                  "Boys": ["20", "30", "2", "11"]}).to_csv(src, index=False)
    plan = {"small_cells": {"threshold": 5, "columns": ["Girls", "Boys"],
                            "group_columns": ["District"]}, "local_suppression": False}
    res = datasafe.redact(str(src), plan=plan, rescan=False)
    out = pd.read_csv(res.files[0].output, dtype=str)
    sup = out[["Girls", "Boys"]].isna().to_numpy()
    assert sup[1, 0] and sup[2, 1]
    assert all(r.sum() != 1 for r in sup) and all(c.sum() != 1 for c in sup.T)
    sc = json.loads(Path(res.files[0].log_path).read_text())["files"][0]["tables"][0]["small_cells"]
    assert sc["primary_suppressed"] == 2 and sc["secondary_suppressed"] >= 2


# ---------------------------------------------------------------------------------------------
# command line


def test_cli_plan_write_plan_and_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("DATASAFE_KEY", raising=False)
    src = tmp_path / "d.csv"
    _survey(80).to_csv(src, index=False)
    runner = CliRunner()
    pf = tmp_path / "p.yaml"
    pf.write_text(yaml.safe_dump(PLAN))
    r = runner.invoke(main, ["redact", str(src), "--plan", "--plan-file", str(pf),
                             "--write-plan", str(tmp_path / "saved.yaml")])
    assert r.exit_code == 0, r.output
    assert "pseudonymise" in r.output and "Name" in r.output
    assert (tmp_path / "saved.yaml").exists()
    assert not (tmp_path / "d.redacted.csv").exists()  # --plan writes nothing
    r = runner.invoke(main, ["redact", str(src), "--plan-file", str(pf)])
    assert r.exit_code == 2 and "no key" in r.output
    r = runner.invoke(main, ["redact", str(src), "--plan-file", str(pf), "-o", str(src)])
    assert r.exit_code == 2 and "overwrite" in r.output
    before = src.read_bytes()
    r = runner.invoke(main, ["redact", str(src), "--plan", "--write-plan", str(src)])
    assert r.exit_code == 2 and src.read_bytes() == before
    bad = tmp_path / "bad.yaml"
    bad.write_text("columns: {Phone: hash}\n")
    r = runner.invoke(main, ["redact", str(src), "--plan-file", str(bad)])
    assert r.exit_code == 2 and "HMAC" in r.output
    keyfile = tmp_path / "key"
    keyfile.write_text(KEY)
    r = runner.invoke(main, ["redact", str(src), "--plan-file", str(pf), "--key-file",
                             str(keyfile), "--format", "json"])
    assert r.exit_code in (0, 1), r.output
    log = json.loads(r.output)
    assert log["files"][0]["after"]["exit_code"] == r.exit_code
    assert KEY not in r.output


def test_cli_exit_code_reflects_rescan(tmp_path):
    """Exit 0 when the copy passes the profile, 1 when it still fails."""
    src = tmp_path / "d.csv"
    _survey(80).to_csv(src, index=False)
    runner = CliRunner()
    keep_all = tmp_path / "keep.yaml"
    keep_all.write_text(yaml.safe_dump({"tables": [{"default": "keep"}],
                                        "local_suppression": False}))
    r = runner.invoke(main, ["redact", str(src), "--plan-file", str(keep_all), "-o",
                             str(tmp_path / "o1.csv")])
    res_scan = datasafe.scan(str(tmp_path / "o1.csv"))
    assert r.exit_code == res_scan.exit_code


def test_free_text_ner_replaces_names_in_place():
    if not T.ner_available():
        pytest.skip("no spaCy model installed (the datasafe[ner] extra)")
    out = T.t_free_text(S(["Survivor referred by Jean Kabila", "No remarks", None]), {}, None,
                        None)
    assert "Kabila" not in out[0] and "<PERSON>" in out[0]
    assert out[1] == "No remarks" and pd.isna(out[2])


def test_folder_to_output_dir_keeps_layout(tmp_path):
    data = tmp_path / "data"
    (data / "march").mkdir(parents=True)
    (data / "april").mkdir()
    for sub in ("march", "april"):
        pd.DataFrame({"Name": ["A", "B"], "x": ["1", "2"]}).to_csv(data / sub / "list.csv",
                                                                   index=False)
    (data / "april" / "list.redacted.csv").write_text("old copy\n")  # not an input
    plan = {"columns": {"Name": "drop"}, "local_suppression": False}
    r = CliRunner().invoke(main, ["redact", str(data), "--output-dir", str(tmp_path / "out"),
                                  "--plan-file", _write_plan(tmp_path, plan), "--no-rescan"])
    assert r.exit_code == 0, r.output
    for sub in ("march", "april"):
        out = pd.read_csv(tmp_path / "out" / sub / "list.csv", dtype=str)
        assert list(out.columns) == ["x"]
    assert not (tmp_path / "out" / "april" / "list.redacted.csv").exists()


def _write_plan(tmp_path, plan) -> str:
    p = tmp_path / "plan.yaml"
    p.write_text(yaml.safe_dump(plan))
    return str(p)


def test_ods_input_stays_ods(tmp_path):
    """A LibreOffice workbook comes back as one: every sheet (a hidden one stays hidden), the
    treated sheet without its dropped column, numbers as numbers, text cells neutralised; the
    copy reads back through the same reader, and naming the output .xlsx gives an xlsx."""
    pytest.importorskip("odf")
    import zipfile

    src = tmp_path / "list.ods"
    with pd.ExcelWriter(src, engine="odf") as xw:
        pd.DataFrame({"Name": ["Zawadi K", "Amina O"], "Age": ["34", "7"],
                      "Note": ["=1+1", "ok"]}).to_excel(xw, sheet_name="beneficiaires",
                                                          index=False)
        pd.DataFrame({"Site": ["Goma", "Beni"], "Households": [12, 40]}).to_excel(
            xw, sheet_name="sites", index=False)
    plan = {"columns": {"Name": "drop",
                        "Age": {"treatment": "generalise", "method": "age_band"}},
            "local_suppression": False}
    with pytest.raises(RedactError, match=r"\.ods"):
        datasafe.redact(str(src), plan=plan, output=str(tmp_path / "o.csv"), rescan=False)
    res = datasafe.redact(str(src), plan=plan, rescan=True)
    out = res.files[0].output
    assert out.endswith("list.redacted.ods")
    assert zipfile.ZipFile(out).read("mimetype") == b"application/vnd.oasis.opendocument.spreadsheet"
    back = {t.name: t for t in read_tables(out)}
    assert list(back) == ["beneficiaires", "sites"]
    assert back["beneficiaires"].headers == ["Age", "Note"]
    assert back["beneficiaires"].data["Age"].tolist() == ["18-59", "5-11"]
    assert back["beneficiaires"].data["Note"].tolist() == ["'=1+1", "ok"]
    assert back["sites"].data["Households"].tolist() == ["12", "40"]
    assert "Zawadi" not in zipfile.ZipFile(out).read("content.xml").decode()
    assert res.files[0].after is not None
    # named .xlsx, the same copy as an xlsx workbook
    res = datasafe.redact(str(src), plan=plan, output=str(tmp_path / "o.xlsx"), rescan=False)
    back = {t.name: t for t in read_tables(res.files[0].output)}
    assert back["beneficiaires"].data["Age"].tolist() == ["18-59", "5-11"]
    assert any("xlsx" in n for n in res.files[0].notes)


def test_hidden_sheet_stays_hidden_in_a_rebuilt_ods(tmp_path):
    from datasafe.read import Table
    from datasafe.write import write_excel

    def table(name, hidden):
        df = pd.DataFrame({"a": S(["x", "2"])})
        return Table(name=name, data=df, headers=["a"], keys=["a"], hidden=hidden)

    dest = tmp_path / "w.ods"
    write_excel(tmp_path / "src.ods", dest, {}, [table("shown", False), table("secret", True)],
                out_format="ods")
    back = {t.name: t for t in read_tables(dest)}
    assert back["secret"].hidden and not back["shown"].hidden
    assert back["shown"].data["a"].tolist() == ["x", "2"]


@pytest.mark.parametrize("stream", [False, True])
def test_removed_names_leave_free_text_too(tmp_path, stream):
    src = tmp_path / "cases.csv"
    pd.DataFrame({"Name": ["Zqxcanary Mbuyi", "Amina Okafor"],
                  "Notes": ["Called Zqxcanary about food", "no remarks"]}).to_csv(src,
                                                                                 index=False)
    plan = {"columns": {"Name": "drop", "Notes": {"treatment": "free_text", "ner": "off"}},
            "local_suppression": False}
    res = datasafe.redact(str(src), plan=plan, stream=stream, rescan=False)
    text = Path(res.files[0].output).read_text()
    assert "Zqxcanary" not in text and "Mbuyi" not in text
    assert "no remarks" in text


def test_dates_before_1678_do_not_break_date_parsing():
    """'01/01/0001' overflows pandas' nanosecond timestamps; the parse keeps it as a date."""
    d = T.parse_dates(S(["2024-01-02", "01/01/0001", "31/12/2020", "1.", None]))
    assert [x.year if x == x else None for x in d.tolist()] == [2024, 1, 2020, None, None]


def test_numbers_are_read_and_written_the_same_whatever_the_route(monkeypatch):
    """to_number reads a clean column with one Arrow cast and a messy one value by value;
    number_text writes a column of few numbers once per number: same results as the slow
    routes, -0.0 kept apart from 0.0, missing values missing."""
    import numpy as np
    import pandas as pd

    from datasafe.redact import treatments as T

    rng = np.random.default_rng(11)
    clean = pd.Series(np.char.mod("%.5f", rng.normal(0, 3, 60_000)).tolist(), dtype="str")
    messy = clean.copy()
    messy[[3, 9, 27]] = [" 4,25", "n/a", None]
    fast = T._to_number(clean)
    assert np.array_equal(fast.to_numpy(), T._plain_decimals(T.arrow_text(clean))[0])
    slow = T._to_number(messy)
    assert slow[3] == 4.25 and np.isnan(slow[9]) and np.isnan(slow[27])
    assert slow.drop([3, 9, 27]).equals(fast.drop([3, 9, 27]))

    rounded = fast.round(1)
    rounded[[0, 1, 2]] = [-0.0, 0.0, np.nan]
    few, few_int = T.number_text(rounded), T.number_text(rounded * 10, integer=True)
    monkeypatch.setattr(T, "DISTINCT_SHARE", 0.0)  # every number written one by one
    whole, whole_int = T.number_text(rounded), T.number_text(rounded * 10, integer=True)
    assert few.fillna("NA").tolist() == whole.fillna("NA").tolist()
    assert few_int.fillna("NA").tolist() == whole_int.fillna("NA").tolist()
    assert few[0] == "-0" and few[1] == "0" and pd.isna(few[2])


@pytest.mark.parametrize("stream", [False, True])
def test_a_profile_that_would_remove_every_column_writes_nothing(tmp_path, stream):
    """Five people with names, phones, towns and ages, bound for public release: every column
    goes. One clear line, exit 2, no one-byte 'copy' and no log beside it."""
    from click.testing import CliRunner

    from datasafe.cli import main

    f = tmp_path / "s.csv"
    f.write_text("nom,telephone,ville,age\nJose M,+243812345678,Goma,34\n"
                 "Andre K,+243998877665,Bukavu,45\nCecile M,+243812340000,Goma,22\n"
                 "Jerome T,+243812341111,Uvira,61\nHelene K,+243812342222,Goma,38\n",
                 encoding="utf-8")
    out = tmp_path / "s_pub.csv"
    args = ["redact", str(f), "--profile", "hdx-public", "-o", str(out)]
    r = CliRunner().invoke(main, args + (["--stream"] if stream else []))
    assert r.exit_code == 2
    assert "every column would be removed" in r.stderr and "nothing was written" in r.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.csv"]


@pytest.mark.parametrize("stream", [False, True])
def test_the_summary_says_why_a_column_the_plan_kept_was_removed(tmp_path, stream):
    """--plan shows the plan; the run may still remove key variables local suppression would
    empty. The plan warns of it, and the summary gives each such column its reason."""
    import shutil

    from click.testing import CliRunner

    from datasafe.cli import main

    src = Path(__file__).resolve().parent.parent / "examples" / "beneficiary_registration.csv"
    f = tmp_path / "b.csv"
    shutil.copy(src, f)
    r = CliRunner().invoke(main, ["redact", str(f), "--profile", "hdx-public", "--plan"])
    assert "local suppression may still remove a key variable" in r.stdout
    assert "household_size       generalise" in r.stdout
    args = ["redact", str(f), "--profile", "hdx-public", "-o", str(tmp_path / "p.csv"),
            "--lang", "fr"] + (["--stream"] if stream else [])
    r = CliRunner(env={"DATASAFE_KEY": "k" * 32}).invoke(main, args)
    assert r.exit_code == 0, r.output
    lines = r.stdout.splitlines()
    i = next(n for n, ln in enumerate(lines) if ln.strip().startswith("household_size"))
    assert "drop" in lines[i] and "↳ retirée : la suppression locale jusqu'à k=34" in lines[i + 1]
    log = json.loads((tmp_path / "p.csv.redaction-log.json").read_text(encoding="utf-8"))
    cols = {c["column"]: c for c in log["files"][0]["tables"][0]["columns"]}
    assert cols["household_size"]["removed_by"].startswith("removed: local suppression to k=34")
    assert "removed_by" not in cols["full_name"]


def test_an_aggregate_table_keeps_its_dimensions(tmp_path):
    """A 3W counts people reached by territory and sector: its territories are not merged into
    'Other' as a rare category of people would be; its small cells are what is suppressed."""
    from click.testing import CliRunner

    from datasafe.cli import main
    from datasafe.read import read_tables

    src = Path(__file__).resolve().parent.parent / "examples" / "3w_activities.xlsx"
    out = tmp_path / "3w_public.xlsx"
    r = CliRunner().invoke(main, ["redact", str(src), "--profile", "hdx-public", "-o", str(out)])
    assert r.exit_code in (0, 1), r.output
    before = {t.name: t for t in read_tables(src)}["3W"]
    after = {t.name: t for t in read_tables(out)}["3W"]
    for col in ("Territoire", "Code territoire"):
        k_in, k_out = before.keys[before.headers.index(col)], after.keys[after.headers.index(col)]
        assert "Other" not in set(after.data[k_out].dropna())
        assert after.data[k_out].tolist() == before.data[k_in].tolist()
    assert __import__("re").search(r"small cells below (5|10)", r.stdout)  # 10 on the GBV activity rows


def test_gzip_copy_carries_no_temporary_name_and_plan_never_replaces_the_copy(tmp_path):
    import gzip

    from click.testing import CliRunner

    from datasafe.cli import main

    f = tmp_path / "ben.csv.gz"
    names = ["Amina Yusuf", "Jean Mbuyi", "Esther Kabila", "Kavira Kahindo", "Paul Ilunga"]
    rows = ["name,sector"] + [f"{names[i % 5]} {chr(65 + i)},{['WASH', 'Health'][i % 2]}"
                              for i in range(30)]
    f.write_bytes(gzip.compress(("\n".join(rows) + "\n").encode()))
    out = tmp_path / "ben.redacted.csv.gz"
    r = CliRunner().invoke(main, ["redact", str(f), "--profile", "hdx-public", "-o", str(out)])
    assert r.exit_code in (0, 1), r.output
    head = out.read_bytes()[:64]
    assert head[:2] == b"\x1f\x8b" and b".tmp" not in head and b"redacted" not in head
    assert "Amina" not in gzip.decompress(out.read_bytes()).decode()
    r = CliRunner().invoke(main, ["redact", str(f), "--profile", "hdx-public", "-o", str(out),
                                  "--write-plan", str(out)])
    assert r.exit_code == 2 and "--write-plan names the copy or its log" in r.stderr
    assert gzip.decompress(out.read_bytes()).startswith(b"sector")


def test_a_saved_plan_read_back_is_said_in_french(tmp_path):
    """--write-plan saves English reasons (the file is shared); read back unchanged, the plan
    is said in the reader's language."""
    from click.testing import CliRunner

    from datasafe.cli import main

    src = Path(__file__).resolve().parent.parent / "examples" / "household_survey_fr.csv"
    plan = tmp_path / "plan.yaml"
    r = CliRunner().invoke(main, ["redact", str(src), "--profile", "hdx-public", "--plan",
                                  "--write-plan", str(plan)])
    assert r.exit_code == 0, r.output
    assert "collection metadata" in plan.read_text(encoding="utf-8")
    r = CliRunner().invoke(main, ["redact", str(src), "--profile", "hdx-public", "--plan",
                                  "--plan-file", str(plan), "--lang", "fr"])
    assert "métadonnées de collecte" in r.stdout and "collection metadata" not in r.stdout
    assert "set by the plan file" not in r.stdout


def test_rare_categories_are_merged_into_autre_for_a_french_team(tmp_path):
    from click.testing import CliRunner

    from datasafe.cli import main

    jobs = ["agriculteur", "commerçant", "enseignant", "infirmier", "menuisier", "pêcheur",
            "tailleur", "chauffeur", "maçon", "coiffeur", "boulanger", "forgeron"]
    rows = ["profession,sexe,age"] + [
        f"{jobs[0] if i % 3 else jobs[(i // 3) % len(jobs)]},{'FM'[i % 2]},{20 + i % 5}"
        for i in range(300)]
    f = tmp_path / "enquete.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "pub.csv"
    r = CliRunner().invoke(main, ["redact", str(f), "--profile", "partner-restricted",
                                  "--lang", "fr", "-o", str(out)])
    assert r.exit_code in (0, 1), r.output
    assert "Other" not in out.read_text(encoding="utf-8")
    log = json.loads((tmp_path / "pub.csv.redaction-log.json").read_text(encoding="utf-8"))
    col = {c["column"]: c for c in log["files"][0]["tables"][0]["columns"]}["profession"]
    assert col["params"]["other"] == "Autre" and col["values_changed"] > 0
    r = CliRunner().invoke(main, ["redact", str(f), "--profile", "partner-restricted", "--plan",
                                  "--lang", "fr"])
    assert "regroupées dans « Autre »" in r.stdout and "other=Autre" in r.stdout


def _xlsx_with_formulas(path, rows):
    """A workbook whose last column holds =LEN(A<r>) with the value Excel showed cached in the
    file (openpyxl writes formulas without their values; Excel and LibreOffice store both)."""
    import re as _re
    import zipfile

    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["Full name", "Phone", "Age", "Sex", "Village", "Name length"])
    for r, row in enumerate(rows, start=2):
        ws.append(list(row) + [f"=LEN(A{r})"])
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    with zipfile.ZipFile(tmp) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                text = data.decode()
                for r, row in enumerate(rows, start=2):
                    text = text.replace(f"<f>LEN(A{r})</f><v />",
                                        f"<f>LEN(A{r})</f><v>{len(row[0])}</v>")
                assert not _re.search(r"<v />", text)
                data = text.encode()
            zout.writestr(item, data)
    tmp.unlink()
    return path


def test_formulas_of_a_treated_sheet_become_the_values_they_showed(tmp_path):
    """Column A (names) is removed: a kept =LEN(A4) would then measure the next column.
    Formula cells of a treated sheet are written as the values they showed, and said so."""
    import openpyxl
    from click.testing import CliRunner

    from datasafe.cli import main

    names = ["Amina Yusuf", "Jean Mbuyi", "Esther Kabila", "Kavira Kahindo", "Paul Ilunga"]
    rows = [(names[i % 5], f"+24381{i:07d}", 20 + i % 30, "FM"[i % 2], "Goma")
            for i in range(60)]
    src = _xlsx_with_formulas(tmp_path / "staff.xlsx", rows)
    out = tmp_path / "staff_partner.xlsx"
    r = CliRunner().invoke(main, ["redact", str(src), "--profile", "partner-restricted",
                                  "-o", str(out)])
    assert r.exit_code in (0, 1), r.output
    assert "formula cell(s) replaced by the values they showed" in r.stdout
    ws = openpyxl.load_workbook(out)["Data"]
    headers = [c.value for c in ws[1]]
    assert "Full name" not in headers and "Name length" in headers
    j = headers.index("Name length") + 1
    got = [ws.cell(row=r, column=j).value for r in range(2, 62)]
    assert got == [len(row[0]) for row in rows]
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_cell_comments_and_the_author_do_not_reach_a_redacted_workbook(tmp_path):
    """A comment on a cell ('Survivor Amina Yusuf +243811112222 HIV positive') and the
    author in the document properties stayed in the public copy; the proof scan passed."""
    import zipfile

    import openpyxl
    from click.testing import CliRunner
    from openpyxl.comments import Comment

    from datasafe.cli import main

    names = ["Amina Yusuf", "Jean Mbuyi", "Esther Kabila", "Kavira Kahindo", "Paul Ilunga"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["full_name", "phone", "district", "assistance"])
    for i in range(60):
        ws.append([names[i % 5], f"+24381{i:07d}", ["Goma", "Bukavu"][i % 2], "food"])
    ws["D5"].comment = Comment("Survivor Amina Yusuf +243811112222 HIV positive",
                               "caseworker Mary")
    wb.properties.creator = "Mary Jones (protection officer)"
    src = tmp_path / "cases.xlsx"
    wb.save(src)
    out = tmp_path / "public.xlsx"
    r = CliRunner().invoke(main, ["redact", str(src), "--profile", "hdx-public", "-o", str(out)])
    assert r.exit_code in (0, 1), r.output
    assert "cell comment(s) removed" in r.stdout
    with zipfile.ZipFile(out) as z:
        blob = b"".join(z.read(n) for n in z.namelist())
    for secret in (b"Amina", b"+243811112222", b"HIV", b"Mary"):
        assert secret not in blob, secret


def test_a_folder_scan_never_writes_its_report_over_a_file_of_the_folder(tmp_path):
    import shutil

    from click.testing import CliRunner

    from datasafe.cli import main

    folder = tmp_path / "data"
    folder.mkdir()
    src = Path(__file__).resolve().parent.parent / "examples" / "beneficiary_registration.csv"
    shutil.copy(src, folder)
    before = (folder / src.name).read_bytes()
    r = CliRunner().invoke(main, ["scan", str(folder), "-o", str(folder / src.name), "--format",
                                  "json"])
    assert r.exit_code == 2 and "would overwrite a data file of the scanned folder" in r.stderr
    assert (folder / src.name).read_bytes() == before


def test_a_column_free_text_by_the_check_is_free_text_for_the_plan(tmp_path):
    """A stray quote merged 50 rows of names and phones into one 'assistance_type' cell:
    DR-PII-10 called the column free text, the plan kept it, and the public copy held them.
    The plan now treats what DR-PII-10 flags as free text, and the summary repeats the
    reading note."""
    from click.testing import CliRunner

    from datasafe.cli import main

    names = ["Amina Yusuf", "Jean Mbuyi", "Esther Kabila", "Kavira Kahindo", "Paul Ilunga"]
    rows = ["full_name,phone,age,sex,assistance_type"]
    for i in range(200):
        kind = ("food" if i % 2 else "cash") if i != 150 else '"cash'
        rows.append(f"{names[i % 5]} {chr(65 + i % 26)},+24381{i:07d},{20 + i % 40},"
                    f"{'FM'[i % 2]},{kind}")
    f = tmp_path / "stray.csv"
    f.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "public.csv"
    r = CliRunner().invoke(main, ["redact", str(f), "--profile", "hdx-public", "-o", str(out)])
    assert "unclosed quote may have merged rows" in r.stdout
    if out.exists():
        text = out.read_text(encoding="utf-8")
        assert "+24381" not in text and "Amina" not in text


def test_write_plan_never_replaces_the_log_and_output_dir_is_not_an_input(tmp_path):
    import shutil

    from click.testing import CliRunner

    from datasafe.cli import main

    src = Path(__file__).resolve().parent.parent / "examples" / "aid_worker_contacts.csv"
    folder = tmp_path / "od"
    folder.mkdir()
    shutil.copy(src, folder)
    out = tmp_path / "c.csv"
    r = CliRunner().invoke(main, ["redact", str(folder / src.name), "--profile", "hdx-public",
                                  "-o", str(out), "--write-plan",
                                  str(tmp_path / "c.csv.redaction-log.json")])
    assert r.exit_code == 2 and "--write-plan names the copy or its log" in r.stderr
    for _ in range(2):  # the second run does not redact the first run's copies again
        r = CliRunner().invoke(main, ["redact", str(folder), "--profile", "hdx-public",
                                      "--output-dir", str(folder / "out")])
        assert r.exit_code in (0, 1), r.output
    assert not (folder / "out" / "out").exists()


def test_the_plan_asks_for_a_key_only_when_none_is_set(tmp_path):
    from datasafe.redact.plan import ColumnPlan, Plan, TablePlan

    plan = Plan(tables=[TablePlan(table=None, columns=[
        ColumnPlan(column="case_id", treatment="pseudonymise")])], profile="internal")
    assert "Pseudonyms need a key" in plan.render("en")
    assert "Pseudonyms need a key" not in plan.render("en", key_given=True)


def test_a_copy_is_written_in_the_inputs_format_or_not_at_all(tmp_path):
    """-o copy.parquet for a CSV input wrote CSV bytes named .parquet, then the proof failed."""
    import pandas as pd

    import datasafe
    from datasafe.redact import RedactError

    f = tmp_path / "b.csv"
    f.write_text("full_name,age\nAmina Kabila,30\nJean Mukendi,41\n", encoding="utf-8")
    for name in ("copy.parquet", "copy.xlsx", "copy.txt.pdf"):
        with pytest.raises(RedactError, match="redacted copy of a csv file is a csv file"):
            datasafe.redact(str(f), profile="hdx-public", output=tmp_path / name, key="k" * 32)
        assert not (tmp_path / name).exists()
    # several DataFrames cannot go into one CSV (the second was silently dropped)
    df = pd.DataFrame({"full_name": ["Amina Kabila", "Jean Mukendi"], "age": ["30", "41"]})
    with pytest.raises(RedactError, match="2 tables cannot go into one .csv"):
        datasafe.redact({"north": df, "south": df}, profile="hdx-public",
                        output=tmp_path / "two.csv", key="k" * 32)
    assert not (tmp_path / "two.csv").exists()


def test_drop_down_lists_and_widths_follow_their_columns_when_one_is_removed(tmp_path):
    """The F,M list stayed on column B once the name column went: Excel then refused every age
    typed into the column that moved there."""
    import random

    from openpyxl import Workbook, load_workbook
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    import datasafe

    rng = random.Random(3)
    wb = Workbook()
    ws = wb.active
    ws.append(["Nom et prénom", "Sexe", "Âge", "Cercle"])
    for _ in range(150):
        ws.append([f"{rng.choice(['Aïcha', 'Mamadou', 'Oumou', 'Seydou'])} "
                   f"{rng.choice(['Traoré', 'Diarra', 'Keïta', 'Touré'])}",
                   rng.choice("FM"), rng.randint(18, 80), rng.choice(["Mopti", "Djenné"])])
    dv = DataValidation(type="list", formula1='"F,M"', showErrorMessage=True)
    ws.add_data_validation(dv)
    dv.add("B2:B151")
    ws.conditional_formatting.add("C2:C151", CellIsRule(operator="greaterThan", formula=["60"],
                                                        fill=PatternFill("solid", "FFFF00")))
    ws.column_dimensions["A"].width = 30
    ws.column_dimensions["B"].width = 6
    ws.column_dimensions["C"].width = 9
    f = tmp_path / "dv.xlsx"
    wb.save(f)
    out = tmp_path / "dv_hdx.xlsx"
    datasafe.redact(str(f), profile="hdx-public", output=out, key="k" * 32, ner="off")
    got = load_workbook(out).active
    from openpyxl.utils import get_column_letter

    header = [c.value for c in got[1]]
    assert header[0] == "Sexe" and "Nom et prénom" not in header

    def letter(name):
        return get_column_letter(header.index(name) + 1)

    lists = [(str(d.sqref), d.formula1) for d in got.data_validations.dataValidation]
    assert lists == [(f"{letter('Sexe')}2:{letter('Sexe')}151", '"F,M"')]
    formats = [str(cf.sqref) for cf in got.conditional_formatting]
    assert formats == ([f"{letter('Âge')}2:{letter('Âge')}151"] if "Âge" in header else [])
    assert got.column_dimensions["A"].width == 6  # Sexe's width went with it


def test_text_outside_the_cells_does_not_reach_a_redacted_workbook(tmp_path):
    """Page headers and footers, a named constant, the document's title and keywords and a
    custom property held names, phones and e-mails; the copy passed with all of them."""
    import random
    import zipfile

    import openpyxl
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.workbook.defined_name import DefinedName

    import datasafe

    rng = random.Random(4)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Data"
    ws.append(["province", "sex", "age_group", "kits"])
    for _ in range(120):
        ws.append(["Kinshasa", rng.choice("FM"), rng.choice(["18-59", "60+"]), rng.randint(1, 3)])
    ws.oddHeader.center.text = "Prepared by Jean Kasongo +243 899 111 222"
    ws.oddFooter.left.text = "amina.mukendi@example.org"
    wb.defined_names["secret_contact"] = DefinedName(
        "secret_contact", attr_text='"Zeinab Lukusa +243 970 000 111"')
    wb.defined_names["data_range"] = DefinedName("data_range", attr_text="Data!$A$1:$D$121")
    wb.properties.title = "Liste - Zeinab Lukusa"
    wb.properties.keywords = "HIV+ Amina Mbuyi"
    wb.custom_doc_props.append(StringProperty(name="Owner phone", value="+243 899 111 222"))
    f = tmp_path / "meta.xlsx"
    wb.save(f)
    out = tmp_path / "meta_pub.xlsx"
    res = datasafe.redact(str(f), profile="hdx-public", output=out, key="k" * 32, ner="off")
    with zipfile.ZipFile(out) as z:
        text = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    for leak in ("Kasongo", "mukendi", "Zeinab", "899 111", "Mbuyi"):
        assert leak not in text, leak
    assert "data_range" in text  # a named range of the data is kept
    assert any("outside the cells removed" in str(n) for n in res.files[0].notes)


def test_a_parquet_list_of_phones_and_the_files_metadata_do_not_reach_the_copy(tmp_path):
    import random

    import pyarrow as pa
    import pyarrow.parquet as pq

    import datasafe

    rng = random.Random(10)
    n = 120
    phones = [f"+243 81 {rng.randint(100, 999)} {rng.randint(1000, 9999)}" for _ in range(n)]
    t = pa.table({"province": ["Kinshasa"] * n, "sex": [rng.choice("FM") for _ in range(n)],
                  "contacts": pa.array([[p] for p in phones])})
    t = t.replace_schema_metadata({b"source": b"export by Jean Kasongo +243 899 111 222"})
    f = tmp_path / "nested.parquet"
    pq.write_table(t, f)
    cols = {c.name: c for c in datasafe.scan(str(f), ner="off").tables[0].columns}
    assert cols["contacts"].entity == "PHONE_NUMBER"
    out = tmp_path / "pub.parquet"
    datasafe.redact(str(f), profile="hdx-public", output=out, key="k" * 32)
    got = pq.read_table(out)
    assert "contacts" not in got.column_names
    assert not (got.schema.metadata or {}).get(b"source")


def test_short_surnames_of_removed_name_columns_leave_free_text_too():
    """'SOW, <PERSON> — follow up' kept a three-letter surname of the dropped name column."""
    import pandas as pd
    import pyarrow as pa

    from datasafe.redact.treatments import replace_known_values

    names = pd.DataFrame({"full_name": ["Moussa Sow", "Ali Haddad"]})
    texts = pa.array(["SOW, Moussa - follow up", "seeds sown by Ali", "Haddad came"])
    out = replace_known_values(texts, names, ["full_name"]).to_pylist()
    assert out == ["<REDACTED>, <REDACTED> - follow up", "seeds sown by <REDACTED>",
                   "<REDACTED> came"]  # whole words only: 'sown' stays


def test_the_markdown_redaction_log_renders_as_markdown(tmp_path):
    from pathlib import Path

    import datasafe

    f = Path(__file__).resolve().parents[1] / "examples" / "beneficiary_registration.csv"
    out = tmp_path / "pub.csv"
    datasafe.redact(str(f), profile="hdx-public", output=out, key="k" * 32, ner="off")
    md = (tmp_path / "pub.csv.redaction-log.md").read_text(encoding="utf-8")
    assert md.startswith("# datasafe redact") and "\n```text\n" in md and md.endswith("```\n")


def test_a_dataset_partitioned_by_village_or_name_is_refused_not_copied(tmp_path):
    """Folders 'village=Kalunga/' or 'full_name=Amina Kabila/' hold the partition's values, which
    the scan never reads and the copies repeated. Refused, naming the key and never a value; a
    dataset partitioned by province is redacted."""
    import os
    import random
    import subprocess
    import sys

    import pyarrow as pa
    import pyarrow.dataset as ds

    rng = random.Random(2)
    n = 300
    tbl = pa.table({
        "full_name": [f"{rng.choice(['Amina', 'Jean', 'Zawadi'])} {rng.choice(['Kabila', 'Lukusa'])}"
                      for _ in range(n)],
        "village": [rng.choice(["Kalunga", "Kibumba"]) for _ in range(n)],
        "province": [rng.choice(["Nord-Kivu", "Sud-Kivu"]) for _ in range(n)],
        "kits": [rng.randint(1, 3) for _ in range(n)]})
    # a generic person word as the key, and a neutral key over names or phone numbers (found
    # by a parquet review: only specific keys were refused)
    tbl = tbl.append_column("name", tbl["full_name"]).append_column(
        "registered_by", pa.array([rng.choice(["Imani Kabila", "Jean Lukusa"]) for _ in range(n)]))
    tbl = tbl.append_column("contact", pa.array([rng.choice(["+243 815 550 001",
                                                             "+243 815 550 002"])
                                                 for _ in range(n)]))
    for key in ("village", "full_name", "name", "registered_by", "contact"):
        root = tmp_path / f"by_{key}"
        ds.write_dataset(tbl, root, format="parquet", partitioning=[key],
                         partitioning_flavor="hive")
        r = subprocess.run([sys.executable, "-m", "datasafe", "redact", str(root), "--profile",
                            "hdx-public", "--ner", "off", "--output-dir", str(tmp_path / "out")],
                           capture_output=True, text=True)
        assert r.returncode == 2
        assert f"{root}{os.sep}{key}=…: the folder name '{key}=' holds" in r.stderr
        assert not any(v in r.stderr + r.stdout for v in ("Kalunga", "Kibumba", "Kabila",
                                                          "550 00"))
        assert not (tmp_path / "out").exists()
    root = tmp_path / "by_province"
    ds.write_dataset(tbl.drop(["full_name", "village", "name", "registered_by", "contact"]), root, format="parquet",
                     partitioning=["province"], partitioning_flavor="hive")
    r = subprocess.run([sys.executable, "-m", "datasafe", "redact", str(root), "--profile",
                        "hdx-public", "--ner", "off", "--output-dir", str(tmp_path / "out")],
                       capture_output=True, text=True)
    assert r.returncode in (0, 1), r.stderr
    assert sorted(p.parent.name for p in (tmp_path / "out").rglob("*.parquet")) == [
        "province=Nord-Kivu", "province=Sud-Kivu"]
