"""Profiling: per-column statistics and the seeded sample, per-table structure."""

from __future__ import annotations

import pytest

from datasafe.profiling import SAMPLE_SIZE, infer_type, profile_table
from datasafe.read import read_tables, table_from_dataframe


def test_column_stats_on_a_csv(tmp_path):
    f = tmp_path / "reg.csv"
    f.write_text("name,phone,code,age,amount,dob,seen,note,empty,flag\n"
                 "Amina,+243812345678,00123,34,1.5,1990-01-02,2024-03-01 10:00,"
                 "she was referred to the health centre on monday,,oui\n"
                 "Jean,+243998877665,00456,41,2,1985-07-30,2024-03-02 11:30,"
                 "household arrived last week from the north,,non\n"
                 "Amina,,00123,  ,3.25,1979-12-31,2024-03-03 09:15,"
                 "no documents and two children under five,,oui\n", encoding="utf-8")
    (t,) = read_tables(f)
    res = profile_table(t)
    assert res.rows == 3 and len(res.columns) == 10
    by = {c.name: c for c in res.columns}
    name = by["name"].stats
    assert (name.rows, name.non_empty, name.distinct) == (3, 3, 2)
    assert (name.min_length, name.max_length) == (4, 5)
    assert name.mean_length == pytest.approx(14 / 3)
    assert by["phone"].stats.non_empty == 2 and by["phone"].stats.inferred_type == "string"
    assert by["code"].stats.inferred_type == "string"  # leading zeros: an identifier
    assert by["age"].stats.inferred_type == "integer" and by["age"].stats.non_empty == 2
    assert by["amount"].stats.inferred_type == "float"
    assert by["dob"].stats.inferred_type == "date"
    assert by["seen"].stats.inferred_type == "datetime"
    assert by["note"].stats.inferred_type == "text"
    assert by["flag"].stats.inferred_type == "boolean"
    empty = by["empty"].stats
    assert (empty.inferred_type, empty.non_empty, empty.distinct) == ("empty", 0, 0)
    assert sorted(by["name"].sample) == ["Amina", "Jean"]
    d = by["phone"].to_dict()
    assert "sample" not in d and d["stats"]["non_empty"] == 2  # raw sample never serialised


def test_sample_is_seeded_distinct_and_bounded():
    pd = pytest.importorskip("pandas")
    values = [f"+24381{i:07d}" for i in range(3000)] * 2
    df = pd.DataFrame({"phone": values, "const": ["x"] * len(values)})
    a = profile_table(table_from_dataframe(df))
    b = profile_table(table_from_dataframe(df))
    pa_, pb = a.columns[0], b.columns[0]
    assert pa_.stats.distinct == 3000 and pa_.stats.non_empty == 6000
    assert len(pa_.sample) == SAMPLE_SIZE == len(set(pa_.sample))
    assert pa_.sample == pb.sample  # same input, same sample, run after run
    assert set(pa_.sample) <= set(values)
    assert a.columns[1].sample == ["x"]


def test_table_level_fields_from_a_workbook(tmp_path):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "3W"
    ws.append(["3W Q1 2024"])
    ws.append(["Organisation", "Province", "Femmes"])
    ws.append(["#org", "#adm1+name", "#reached+f"])
    ws.append(["NRC", "Ituri", 3])
    hidden = wb.create_sheet("Listes")
    hidden.append(["a"])
    hidden.append(["b"])
    hidden.sheet_state = "hidden"
    wb.create_sheet("Vide")
    path = tmp_path / "3w.xlsx"
    wb.save(path)
    results = [profile_table(t) for t in read_tables(path)]
    d = [r.to_dict() for r in results]
    assert [x["name"] for x in d] == ["3W", "Listes", "Vide"]
    assert d[0]["header_row"] == 2 and d[0]["hxl"] is True and d[0]["hidden"] is False
    assert [c["hxl"] for c in d[0]["columns"]] == ["#org", "#adm1+name", "#reached+f"]
    assert [c["role"] for c in d[0]["columns"]] == ["none"] * 3  # detection is not profiling
    assert d[1]["hidden"] is True and d[1]["rows"] == 1
    assert d[2]["rows"] == 0 and d[2]["columns"] == [] and "empty sheet" in d[2]["notes"]


def test_duplicate_headers_profile_separately(tmp_path):
    f = tmp_path / "dup.csv"
    f.write_text("name,name,\nA,B,\nC,D,E\n", encoding="utf-8")
    (t,) = read_tables(f)
    res = profile_table(t)
    assert [c.name for c in res.columns] == ["name", "name", ""]
    assert [c.key for c in res.columns] == ["name", "name.1", "column_3"]
    assert [sorted(c.sample) for c in res.columns] == [["A", "C"], ["B", "D"], ["E"]]


@pytest.mark.parametrize("vals,expected", [
    (["1", "22", "-3"], "integer"),
    (["0812345678", "0998877665"], "string"),
    (["+243812345678", "+243998877665"], "string"),
    (["1.5", "2,25", "3"], "float"),
    (["2024-01-01", "01/02/2024"], "date"),
    (["2024-01-01T10:00:00", "2024-01-02 11:00"], "datetime"),
    (["oui", "non"], "boolean"),
    ([], "empty"),
    (["Goma", "Beni"], "string"),
])
def test_infer_type(vals, expected):
    assert infer_type(vals) == expected


def test_value_hashes_are_stable_slice_independent_and_distinguish_values():
    import pyarrow as pa

    from datasafe.profiling import value_hashes

    arr = pa.array(["", "a", "ab", "abcdefgh", "abcdefghi", "a", "é" * 30, None,
                    "abcdefgh\x00", "CD-2024-000017"])
    h = value_hashes(arr)
    # pinned: a sample drawn today is the sample drawn on any machine tomorrow
    assert int(h[1]) == 4001527683596784854
    assert h[1] == h[5] and h[0] == h[7]  # same value, same hash; null hashes like ""
    assert len({int(x) for x in h}) == 8  # "abcdefgh" and "abcdefgh\0" differ (length mixed in)
    assert list(value_hashes(arr.slice(2, 4))) == list(h[2:6])
    assert list(value_hashes(pa.chunked_array([arr.slice(0, 3), arr.slice(3)]))) == list(h)
    assert list(value_hashes(arr.cast(pa.large_string()))) == list(h)


@pytest.mark.parametrize("kind", ["ids of one length", "mixed lengths", "unicode and nulls"])
def test_value_hashes_by_length_equal_the_word_rounds(kind):
    """Long columns are hashed a length at a time (a matrix per length); the hashes, hence the
    samples, are exactly those of the word-by-word rounds that short arrays take."""
    import random

    import numpy as np
    import pyarrow as pa

    from datasafe import profiling as P

    rng = random.Random(7)
    n = P._BY_LENGTH_MIN + 1000
    if kind == "ids of one length":
        vals = [f"CD-2024-{rng.randint(0, 10**6):06d}" for _ in range(n)]
    elif kind == "mixed lengths":
        vals = ["+243" + str(rng.randint(10**5, 10**rng.randint(6, 12))) for _ in range(n)]
    else:
        alphabet = "abcXYZ09 éà€日本\u00a0-+"
        vals = [None if rng.random() < 0.05 else
                "".join(rng.choice(alphabet) for _ in range(rng.choice([0, 1, 8, 9, 17, 64,
                                                                          rng.randint(0, 90)])))
                for _ in range(n)]
    for arr in (pa.array(vals, pa.string()), pa.array(vals, pa.large_string()).slice(11)):
        h = P.value_hashes(arr)
        off = P._offsets(arr)
        lens = np.diff(off)
        if arr.null_count:
            lens = np.where(np.asarray(arr.is_valid()), lens, 0)
        assert (h == P._hashes_word_rounds(arr, off, lens)).all()
        # and a value hashes alike in a long column and alone
        i = next(i for i, v in enumerate(arr.to_pylist()) if v)
        assert h[i] == P.value_hashes(pa.array([arr[i].as_py()]))[0]


def test_nearly_unique_and_repetitive_columns_give_the_same_distinct_count_and_sample(monkeypatch):
    import numpy as np
    import pyarrow as pa

    from datasafe import profiling as P

    rng = np.random.default_rng(3)
    ids = [f"CD-{i:07d}" for i in rng.permutation(150_000)]
    ids += ids[:5000]  # a few repeats
    arr = pa.array(ids)
    fast = P._distinct_and_sample(arr)  # > 4 × probe rows, nearly unique: the hashing route
    monkeypatch.setattr(P, "_PROBE", 10**9)  # never probe: pyarrow's value counts
    slow = P._distinct_and_sample(arr)
    assert fast[0] == slow[0] == 150_000
    assert fast[1] == slow[1] and len(fast[1]) == P.SAMPLE_SIZE
    assert fast[2] is None  # counts are not kept for a nearly unique column


def test_a_column_of_repeated_dates_is_counted_once_and_keeps_its_counts(monkeypatch):
    """30,000 dates of birth over 200,000 rows look nearly unique in the first rows but repeat
    enough for the value counts the checks and risk use: counted straight away, and the answer
    is the one the hashing route gives."""
    import numpy as np
    import pyarrow as pa

    from datasafe import profiling as P

    rng = np.random.default_rng(5)
    days = np.datetime64("1950-01-01") + rng.integers(0, 30_000, 200_000)
    arr = pa.array(days.astype(str).tolist())
    calls = []
    real = P.value_hashes
    monkeypatch.setattr(P, "value_hashes", lambda v: calls.append(len(v)) or real(v))
    counted = P._distinct_and_sample(arr)
    assert max(calls) < 100_000  # only the sample's distinct values were hashed, not every row
    assert counted[2] is not None and int(counted[2][1].sum()) == 200_000
    monkeypatch.setattr(P, "_NEARLY_UNIQUE", 0.0)  # force the hashing route
    hashed = P._distinct_and_sample(arr)
    assert hashed[0] == counted[0] and hashed[1] == counted[1]
    assert hashed[2] is not None  # the probe was fooled: counted after all


@pytest.mark.parametrize("values", [
    ["Amani", "", "Goma-Nord", "x" * 40],
    ["Bénédicte", "Kŏ", "", "Ngoy 🙂", "plain"],
])
def test_length_stats_count_characters_not_bytes(values):
    import pyarrow as pa
    import pyarrow.compute as pc

    from datasafe.profiling import length_stats

    arr = pa.array(values)
    lengths = pc.utf8_length(arr).to_pylist()
    assert length_stats(arr) == (min(lengths), max(lengths), sum(lengths))
    assert length_stats(arr.slice(1)) == (min(lengths[1:]), max(lengths[1:]), sum(lengths[1:]))


def test_checks_and_detectors_get_the_same_numbers_from_kept_value_counts(tmp_path):
    """The value counts the profiler keeps give the checks the same counts as a pass over the
    whole column (dates of birth written in full, with blanks and padding)."""
    import pandas as pd

    from datasafe.checking import values as vals
    from datasafe.profiling import profile_table
    from datasafe.read import read_tables

    dob = ["1990-01-02", " 1985-12-31", "1985-12-31", "1990", "", "12 mars 1970", "unknown"] * 3000
    p = tmp_path / "people.csv"
    pd.DataFrame({"date_of_birth": dob, "sex": ["F", "M", "F"] * 7000}).to_csv(p, index=False)
    table = read_tables(p)[0]
    res = profile_table(table)
    col = res.columns[0]
    assert col.counts is not None
    series = table.data[col.key]
    with_counts = vals.share_matching(series, vals.FULL_DATE_RE, col)
    newest = vals.newest_date(series, col)
    col.counts = None
    assert with_counts == vals.share_matching(series, vals.FULL_DATE_RE, col) == (12000, 18000)
    assert newest == vals.newest_date(series, col) == vals.newest_date(series)
    assert str(newest) == "1990-01-02"


def test_threaded_profile_and_key_encoding_equal_the_sequential_ones(tmp_path, monkeypatch):
    import numpy as np
    import pandas as pd

    from datasafe import profiling as P
    from datasafe.read import read_tables
    from datasafe.risk import measures as M

    rng = np.random.default_rng(5)
    n = 3000
    df = pd.DataFrame({"id": [f"ID{i:06d}" for i in range(n)],
                       "age": rng.integers(0, 90, n).astype(str),
                       "sex": rng.choice(["F", "M", ""], n),
                       "village": rng.choice([f"V{i}" for i in range(40)], n)})
    p = tmp_path / "t.csv"
    df.to_csv(p, index=False)
    table = read_tables(p)[0]
    monkeypatch.setattr(P, "THREADED_CELLS", 10**12)
    monkeypatch.setattr(M, "THREADED_ROWS", 10**12)
    seq = P.profile_table(table)
    seq_codes = M.encode_keys(table.data, ["age", "sex", "village"])
    monkeypatch.setattr(P, "THREADED_CELLS", 0)
    monkeypatch.setattr(M, "THREADED_ROWS", 0)
    thr = P.profile_table(table)
    thr_codes = M.encode_keys(table.data, ["age", "sex", "village"])
    assert [c.to_dict() for c in seq.columns] == [c.to_dict() for c in thr.columns]
    assert [c.sample for c in seq.columns] == [c.sample for c in thr.columns]
    assert (seq_codes[0] == thr_codes[0]).all() and seq_codes[1] == thr_codes[1]


def test_risk_encoding_from_the_profilers_dictionary_equals_hashing_the_column(tmp_path):
    """The risk stage reuses the profiler's dictionary codes: same key codes, same measures."""
    import numpy as np
    import pandas as pd

    from datasafe.profiling import profile_table
    from datasafe.read import read_tables
    from datasafe.risk import measures as M

    rng = np.random.default_rng(9)
    n = 5000
    df = pd.DataFrame({"age": rng.integers(0, 90, n).astype(str),
                       "sex": rng.choice(["F", "M", "", " F", "NA", "."], n),
                       "village": rng.choice([f"V{i}" for i in range(300)] + [""], n),
                       "hh": [f"H{i // 3}" for i in range(n)],
                       "religion": rng.choice(["A", "B", "C", " ", "NA"], n)})
    p = tmp_path / "t.csv"
    df.to_csv(p, index=False)
    table = read_tables(p)[0]
    res = profile_table(table)
    dicts = {c.key: c.codes for c in res.columns if c.codes is not None}
    keys = ["age", "sex", "village"]
    assert set(keys) <= set(dicts)
    plain = M.encode_keys(table.data, keys)
    reused = M.encode_keys(table.data, keys, dictionaries=dicts)
    assert (plain[0] == reused[0]).all() and plain[1] == reused[1]
    a = M.measure_risk(table.data, keys, household_ids=table.data["hh"], sensitive=["religion"])
    b = M.measure_risk(table.data, keys, household_ids=table.data["hh"], sensitive=["religion"],
                       dictionaries=dicts)
    assert (a.fk == b.fk).all() and a.global_risk == b.global_risk
    assert a.l_diversity == b.l_diversity and "religion" in dicts


@pytest.mark.parametrize("rows", [60, 150_000])  # the csv-module path and the pyarrow path
def test_csv_readers_null_blanks_so_the_profiler_skips_that_pass(tmp_path, rows):
    """The CSV readers make empty and whitespace-only cells null and say so; the profile is the
    one the profiler's own blank pass gives."""
    from datasafe.profiling import profile_table
    from datasafe.read import read_tables

    vals = ["Goma", "  ", "", "\t", "Beni ", '""'] * (rows // 6)
    p = tmp_path / "sites.csv"
    p.write_text("site,n\n" + "".join(f"{v},{i}\n" for i, v in enumerate(vals)))
    table = read_tables(p)[0]
    assert table.meta.get("blanks_nulled") is True
    assert table.meta["reader"] == ("csv" if rows < 1000 else "pyarrow")
    fast = profile_table(table)
    table.meta["blanks_nulled"] = False
    slow = profile_table(table)
    for a, b in zip(fast.columns, slow.columns):
        assert a.stats == b.stats and a.sample == b.sample
    assert fast.columns[0].stats.non_empty == 2 * (rows // 6)


def test_detection_beside_profiling_gives_the_report_of_detection_after_it(tmp_path, monkeypatch):
    """The scan runs detection's per-column step on the worker that profiled the column; the
    roles, entities and masked examples are those of detecting after profiling."""
    import numpy as np
    import pandas as pd

    from datasafe import profiling as P
    from datasafe.detect import detect_table
    from datasafe.pipeline import ScanOptions, scan
    from datasafe.read import read_tables

    rng = np.random.default_rng(9)
    n = 2000
    df = pd.DataFrame({"Nom complet": [f"Amina {chr(65 + i % 26)}. Kabila" for i in range(n)],
                       "Téléphone": [f"+2438{rng.integers(10**7, 10**8)}" for _ in range(n)],
                       "age": rng.integers(0, 90, n).astype(str),
                       "sexe": rng.choice(["F", "M"], n),
                       "village": rng.choice([f"Kalemie {i}" for i in range(30)], n),
                       "lat": [f"{-5.9 + rng.random():.6f}" for _ in range(n)]})
    p = tmp_path / "menages.csv"
    df.to_csv(p, index=False)
    monkeypatch.setattr(P, "THREADED_CELLS", 0)  # a column per core, as on big tables
    together = scan(p, ner="off").files[0].tables[0]
    table = read_tables(p)[0]
    after = P.profile_table(table)
    detect_table(table, after, ScanOptions(ner="off"))
    assert [c.to_dict() for c in together.columns] == [c.to_dict() for c in after.columns]
    assert {c.name: c.role for c in after.columns}["Téléphone"] == "direct"


@pytest.mark.parametrize("route", ["few distinct values", "nearly unique"])
def test_lengths_from_value_counts_equal_a_pass_over_the_column(tmp_path, route):
    import pandas as pd

    from datasafe import profiling as P
    from datasafe.read import read_tables

    n = 120_000
    if route == "few distinct values":
        vals = ["Déplacé interne", "Résident", "Retourné", "", " Réfugié "] * (n // 5)
    else:
        vals = [f"CD-{i:07d}-é" if i % 7 else "" for i in range(n)]
    p = tmp_path / "t.csv"
    pd.DataFrame({"v": vals}).to_csv(p, index=False)
    table = read_tables(p)[0]
    col = P.profile_column(table, 0)
    arr = P.nonblank_values(P._text_array(table.data[table.keys[0]]), True)
    assert (col.counts is not None) == (route == "few distinct values")
    shortest, longest, chars = P.length_stats(arr)
    assert (col.stats.min_length, col.stats.max_length) == (shortest, longest)
    assert col.stats.mean_length == chars / len(arr)


def test_the_empty_string_hashes_alike_in_every_array():
    import pyarrow as pa

    from datasafe import profiling as P

    alone = P.value_hashes(pa.array([""]))[0]
    assert P.value_hashes(pa.array(["", "ab"]))[0] == alone  # 1-word strings beside it
    assert P.value_hashes(pa.array(["", "abcdefghijk"]))[0] == alone
    long = pa.array([""] + ["ab"] * (P._BY_LENGTH_MIN + 10))  # the by-length route
    assert P.value_hashes(long)[0] == alone


def test_a_file_without_columns_loads_no_word_list(tmp_path):
    """Nothing to detect, nothing loaded: a missing lexicon file in the config does not make an
    empty file fail (it does fail a file with columns, where the list is needed)."""
    from datasafe.pipeline import ScanOptions, scan

    (tmp_path / "empty.csv").write_text("")
    opts = ScanOptions(ner="off", config={"lexicon": str(tmp_path / "missing-lexicon.yaml")})
    assert scan(tmp_path / "empty.csv", options=opts).files[0].error is None
