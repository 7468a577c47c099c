"""Re-identification risk (issue 4): sdcMicro's reference numbers, hand-computed small tables,
missing-value matching, l-diversity, key-variable defaults, weight and household detection."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from datasafe.model import Entity
from datasafe.pipeline import ScanOptions
from datasafe.profiles import load_profile
from datasafe.profiling import profile_table
from datasafe.read import read_tables, table_from_dataframe
from datasafe.risk import (
    assess_table,
    frequencies,
    household_risk,
    individual_risk,
    k_violations,
    measure_risk,
)

KEYS = ["urbrur", "roof", "walls", "water", "electcon", "relat", "sex"]


def _prepared(df: pd.DataFrame, roles: dict | None = None, name: str | None = None):
    table = table_from_dataframe(df, name=name)
    result = profile_table(table)
    for col, (role, entity) in (roles or {}).items():
        c = result.column(col)
        c.role = role
        c.entities = [Entity(type=entity, confidence=0.9)] if entity else []
    return table, result


def _assess(df, roles=None, profile="default", **opts):
    table, result = _prepared(df, roles)
    return assess_table(table, result, ScanOptions(**opts), load_profile(profile))


# ------------------------------------------------------------------------------------------
# sdcMicro's published result


def test_sdcmicro_testdata_reference(shared_dir):
    path = shared_dir / "data" / "sdcmicro-testdata" / "testdata.csv"
    table = read_tables(path)[0]
    result = profile_table(table)
    opts = ScanOptions(key_vars=KEYS, weight="sampling_weight", household_id="ori_hid")
    risk = assess_table(table, result, opts, load_profile("default"))
    er, hr = risk.expected_reidentifications, risk.extra["household_expected_reidentifications"]
    # the vignette prints round(x, 2) and round(pct, 2)
    assert f"{er:.2f} ({risk.global_risk * 100:.2f} %)" == "10.78 (0.24 %)"
    assert f"{hr:.2f} ({risk.extra['household_global_risk'] * 100:.2f} %)" == "51.81 (1.13 %)"
    assert risk.extra["higher_risk_than_main_part"] == 0
    assert risk.extra["weight"] == "sampling_weight"
    assert risk.extra["household_id"] == "ori_hid"
    assert risk.extra["violations"]["2"] == risk.extra["sample_uniques"]
    assert risk.to_dict()["expected_reidentifications"] == pytest.approx(10.7783, abs=1e-4)


def test_sdcmicro_testdata_detects_weight_and_household(shared_dir):
    """Without --weight/--household-id, the person weight (not household_weights) and ori_hid
    are found from their headers, and the numbers are the same."""
    path = shared_dir / "data" / "sdcmicro-testdata" / "testdata.csv"
    table = read_tables(path)[0]
    result = profile_table(table)
    risk = assess_table(table, result, ScanOptions(key_vars=KEYS), load_profile("default"))
    assert risk.extra["weight"] == "sampling_weight"
    assert risk.extra["weight_source"].startswith("detected")
    assert risk.extra["household_id"] == "ori_hid"
    assert round(risk.expected_reidentifications, 2) == 10.78
    assert round(risk.extra["household_expected_reidentifications"], 2) == 51.81


# ------------------------------------------------------------------------------------------
# hand-computed tables


def test_fk_and_unweighted_risk_by_hand():
    df = pd.DataFrame({"region": ["A", "A", "A", "B", "B", "B"],
                       "sex": ["M", "M", "F", "M", "M", "M"]})
    fk, Fk = frequencies(df, ["region", "sex"])
    assert fk.tolist() == [2, 2, 1, 3, 3, 3]
    assert Fk.tolist() == [2, 2, 1, 3, 3, 3]
    r = individual_risk(fk)
    assert r.tolist() == pytest.approx([0.5, 0.5, 1, 1 / 3, 1 / 3, 1 / 3])
    assert k_violations(df, ["region", "sex"], 3).tolist() == [True, True, True,
                                                               False, False, False]
    risk = _assess(df, key_vars=["region", "sex"])
    assert risk.k_min == 1
    assert risk.records_below_k == 6  # k = 5 in the default profile
    assert risk.k_threshold == 5
    assert risk.expected_reidentifications == pytest.approx(3.0)  # .5+.5+1+3·(1/3)
    assert risk.global_risk == pytest.approx(0.5)
    assert risk.extra["violations"] == {"2": 1, "3": 3, "5": 6}
    assert risk.extra["records_above_risk_threshold"] == 6
    assert risk.extra["method"].startswith("1/fk")


def test_individual_risk_approx_formula_by_hand():
    # pk = fk / Fk;  fk=1: pk/(1-pk)·log(1/pk);  fk=2: q − q²·log(1/pk);  fk≥3: pk/(fk−(1−pk))
    fk = np.array([1.0, 2.0, 3.0, 4.0])
    Fk = np.array([4.0, 10.0, 30.0, 4.0])
    r = individual_risk(fk, Fk)
    assert r[0] == pytest.approx((0.25 / 0.75) * math.log(4))          # 0.462098
    assert r[1] == pytest.approx(0.25 - 0.25 ** 2 * math.log(5))       # 0.149413
    assert r[2] == pytest.approx(0.1 / (3 - 0.9))                      # 0.047619
    assert r[3] == pytest.approx(0.25)  # fk == Fk: the sample is the population → 1/fk


def test_weighted_table_by_hand():
    df = pd.DataFrame({"district": ["X", "Y", "Y", "Z", "Z", "Z"],
                       "w": ["4", "5", "5", "10", "10", "10"]})
    risk = _assess(df, key_vars=["district"], weight="w")
    expected = [(0.25 / 0.75) * math.log(4)] + [0.25 - 0.0625 * math.log(5)] * 2 \
        + [0.1 / 2.1] * 3
    assert risk.expected_reidentifications == pytest.approx(sum(expected))
    assert risk.global_risk == pytest.approx(sum(expected) / 6)
    assert risk.extra["weight"] == "w"
    assert risk.extra["records_above_risk_threshold"] == 3  # 0.462 and 2 × 0.149 > 0.05


def test_household_risk_by_hand():
    r = np.array([0.5, 0.5, 1 / 3, 0.1])
    hh = pd.Series(["h1", "h1", "h2", None])
    hr = household_risk(r, hh)
    # 1 − (1 − .5)(1 − .5) = .75 for both members; a lone household keeps its own risk;
    # a record without a household id is a household of its own
    assert hr.tolist() == pytest.approx([0.75, 0.75, 1 / 3, 0.1])


def test_household_expected_reidentifications_in_result():
    df = pd.DataFrame({"sex": ["M", "M", "F", "F", "F"],
                       "hh_id": ["1", "1", "2", "2", "3"]})
    risk = _assess(df, key_vars=["sex"])  # household id detected from its header
    assert risk.extra["household_id"] == "hh_id"
    r = [0.5, 0.5, 1 / 3, 1 / 3, 1 / 3]
    h = [1 - 0.25, 1 - 0.25, 1 - (2 / 3) ** 2, 1 - (2 / 3) ** 2, 1 / 3]
    assert risk.expected_reidentifications == pytest.approx(sum(r))
    assert risk.extra["household_expected_reidentifications"] == pytest.approx(sum(h), abs=1e-4)
    assert risk.extra["household_global_risk"] == pytest.approx(sum(h) / 5, abs=1e-6)
    assert risk.extra["households"] == 3


# ------------------------------------------------------------------------------------------
# missing values match any category (sdcMicro freqCalc)


def test_missing_value_matches_any_category_by_hand():
    df = pd.DataFrame({"a": ["a", "a", "b", None, "b"],
                       "b": ["x", "", "x", "NA", "y"]})
    fk, Fk = frequencies(df, ["a", "b"], weights=np.array([1.0, 2.0, 3.0, 4.0, 5.0]))
    # (a,x) ~ (a,·) ~ (·,·): 3;  (a,·) ~ (a,x), (·,·): 3;  (b,x) ~ (·,·): 2;
    # (·,·) matches everyone: 5;  (b,y) ~ (·,·): 2
    assert fk.tolist() == [3, 3, 2, 5, 2]
    assert Fk.tolist() == [1 + 2 + 4, 1 + 2 + 4, 3 + 4, 15, 5 + 4]


def _brute_force(codes: np.ndarray, w: np.ndarray):
    n = len(codes)
    fk = np.zeros(n)
    Fk = np.zeros(n)
    for i in range(n):
        for j in range(n):
            ok = all(codes[i, v] < 0 or codes[j, v] < 0 or codes[i, v] == codes[j, v]
                     for v in range(codes.shape[1]))
            if ok:
                fk[i] += 1
                Fk[i] += w[j]
    return fk, Fk


def test_missing_matching_equals_brute_force():
    rng = np.random.default_rng(7)
    n = 150
    df = pd.DataFrame({c: pd.Series(rng.integers(0, m, n).astype(str), dtype="str")
                       for c, m in (("p", 3), ("q", 4), ("r", 2))})
    for c in df:
        df.loc[rng.random(n) < 0.15, c] = None
    w = rng.uniform(1, 50, n)
    fk, Fk = frequencies(df, ["p", "q", "r"], weights=w)
    codes = np.column_stack([np.where(df[c].isna(), -1, pd.to_numeric(df[c], errors="coerce")
                                      .fillna(-1)).astype(int) for c in df])
    bfk, bFk = _brute_force(codes, w)
    assert fk.tolist() == bfk.tolist()
    assert Fk == pytest.approx(bFk)


def test_missing_tokens_and_spaces():
    df = pd.DataFrame({"a": ["x", " x ", "N/A", "y"]})
    fk, _ = frequencies(df, ["a"])
    # " x " is "x"; "N/A" is missing and matches both categories
    assert fk.tolist() == [3, 3, 4, 2]
    risk = _assess(df, key_vars=["a"])
    assert risk.extra["missing_in_key_variables"] == 1


# ------------------------------------------------------------------------------------------
# l-diversity


def test_l_diversity_by_hand():
    df = pd.DataFrame({
        "zone": ["A", "A", "A", "B", "B", "C", "C", "D", "D", "E", "E", "E", "E"],
        "diagnosis": ["x", "x", "x", "x", "y", None, "x", None, None, "x", "x", "x", "y"],
    })
    roles = {"diagnosis": ("sensitive", "HEALTH")}
    risk = _assess(df, roles, key_vars=["zone"], profile="default")
    ld = risk.extra["l_diversity"]["diagnosis"]
    # distinct per class: A 1, B 2, C 2 (missing counts when another value exists), D 0, E 2
    assert ld["distinct_l_min"] == 0
    assert ld["classes_below_l"] == 2          # A and D
    assert ld["records_below_l"] == 5
    assert ld["entropy_l_min"] == pytest.approx(1.0)  # A: exp(0)
    # recursive (2,l): B [1,1] → 2; E [3,1] → 2·1 > 3 fails → 1
    assert ld["recursive_l_min"] == 1
    m = measure_risk(df, ["zone"], sensitive=["diagnosis"], k=3)
    assert m.l_diversity["diagnosis"]["homogeneous_k_anonymous_classes"] == 1  # A: 3 × "x"


def test_l_diversity_entropy_and_recursive_values():
    from datasafe.risk import encode_column, group_ids, l_diversity_from_ids

    zone = pd.Series(["B", "B", "E", "E", "E", "E"])
    sens = pd.Series(["x", "y", "x", "x", "y", "z"])
    zc, zm = encode_column(zone)
    ids, g = group_ids(zc.reshape(-1, 1), [zm])
    sc, sm = encode_column(sens)
    ld = l_diversity_from_ids(ids, g, sc, sm)
    assert ld["distinct"].tolist() == [2, 3]
    assert ld["entropy"][0] == pytest.approx(2.0)
    p = np.array([0.5, 0.25, 0.25])
    assert ld["entropy"][1] == pytest.approx(math.exp(-(p * np.log(p)).sum()))
    # E: counts [2,1,1]: 2·(1+1)=4 > 2 → l≥2; 2·1 = 2 > 2 fails → l = 2
    assert ld["recursive"].tolist() == [2, 2]


# ------------------------------------------------------------------------------------------
# key variables, weight and household id


def _survey():
    return pd.DataFrame({
        "district": ["d1", "d1", "d2", "d2", "d3", "d3"],
        "sex": ["F", "M", "F", "M", "F", "M"],
        "age": ["30", "41", "30", "22", "65", "30"],
        "ethnic_group": ["e1", "e1", "e2", "e2", "e1", "e3"],
        "hiv_status": ["neg", "pos", "neg", "neg", "pos", "neg"],
        "comment": ["a", "b", "c", "d", "e", "f"],
        "poids": ["120.5", "120.5", "80", "80", "95", "95"],
    })


ROLES = {
    "age": ("quasi", "AGE"),
    "sex": ("quasi", "SEX_GENDER"),
    "district": ("quasi", "ADMIN_AREA"),
    "ethnic_group": ("sensitive", "ETHNICITY"),
    "hiv_status": ("sensitive", "HEALTH"),
}


def test_default_key_variables_from_roles_and_order():
    risk = _assess(_survey(), ROLES)
    # geography, sex, age, then ethnicity (sensitive but a key variable); HIV is not a key
    # variable but its l-diversity is measured; the weight column is detected (poids)
    assert risk.quasi_identifiers == ["district", "sex", "age", "ethnic_group"]
    order = risk.extra["key_variable_order"]
    assert [o["column"] for o in order] == risk.quasi_identifiers
    assert all(o["reason"] for o in order)
    assert "ethnic" in order[3]["reason"]
    assert list(risk.extra["l_diversity"]) == ["hiv_status"]
    assert risk.extra["weight"] == "poids"
    # sensitive values never appear; ethnicity is masked in the riskiest combinations
    for combo in risk.extra["riskiest_combinations"]:
        assert combo["values"]["ethnic_group"] not in {"e1", "e2", "e3"}
        assert combo["fk"] == 1
    text = str(risk.to_dict())
    assert "'pos'" not in text and "'neg'" not in text and "'e1'" not in text


def test_clan_header_counts_as_key_variable():
    df = pd.DataFrame({"sex": ["F", "M", "F"], "clan": ["c1", "c2", "c1"]})
    risk = _assess(df, {"sex": ("quasi", "SEX_GENDER"), "clan": ("sensitive", None)})
    assert risk.quasi_identifiers == ["sex", "clan"]


def test_key_variable_cap():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({f"q{i}": rng.integers(0, 3, 30).astype(str) for i in range(10)})
    roles = {f"q{i}": ("quasi", None) for i in range(10)}
    risk = _assess(df, roles)
    assert len(risk.quasi_identifiers) == 8
    assert len(risk.extra["key_variables_not_used"]) == 2
    assert "cap" in risk.extra["key_variables_not_used"][0]["reason"]


def test_no_key_variables_gives_none():
    df = pd.DataFrame({"a": ["1", "2"], "b": ["x", "y"]})
    assert _assess(df) is None  # detection found nothing, nothing given
    assert _assess(df, key_vars=["nope"]) is None


def test_overrides_win_over_roles_config_and_profile(tmp_path):
    df = _survey()
    table, result = _prepared(df, ROLES)
    prof = load_profile("default")
    prof.params["key_vars"] = ["district"]
    r1 = assess_table(table, result, ScanOptions(), prof)
    assert r1.quasi_identifiers == ["district"]
    r2 = assess_table(table, result, ScanOptions(config={"key_vars": "sex,age"}), prof)
    assert r2.quasi_identifiers == ["sex", "age"]
    r3 = assess_table(table, result, ScanOptions(key_vars=["AGE"], weight="none",
                                                 config={"key_vars": "sex"}), prof)
    assert r3.quasi_identifiers == ["age"]  # case-insensitive match on the header
    assert r3.extra["weight"] is None


def test_body_weight_is_not_a_sampling_weight():
    df = pd.DataFrame({"sex": ["F", "M", "F"], "weight": ["12.1", "9.8", "11"],
                       "height": ["80", "75", "78"]})
    risk = _assess(df, key_vars=["sex"])
    assert risk.extra["weight"] is None


def test_invalid_weights_are_reported():
    df = pd.DataFrame({"sex": ["F", "M", "F", "M"], "weight": ["10", "", "abc", "30"]})
    risk = _assess(df, key_vars=["sex"], weight="weight")
    assert any("median weight" in n for n in risk.extra["notes"])


def test_profile_k_and_threshold():
    df = pd.DataFrame({"g": ["a"] * 3 + ["b"] * 7})
    prof = load_profile("default")
    prof.params["k"] = 4
    prof.params["individual_risk_threshold"] = 0.2
    table, result = _prepared(df)
    risk = assess_table(table, result, ScanOptions(key_vars=["g"]), prof)
    assert risk.k_threshold == 4
    assert risk.records_below_k == 3
    assert risk.extra["violations"] == {"2": 0, "3": 0, "4": 3, "5": 3}
    assert risk.extra["records_above_risk_threshold"] == 3  # 1/3 > 0.2, 1/7 is not


# ------------------------------------------------------------------------------------------
# real files and the pipeline


def test_scan_csv_and_parquet_files(tmp_path):
    import datasafe
    from tests.conftest import validate_report

    df = pd.DataFrame({"district": ["d1", "d1", "d2", "d2", "d2", ""],
                       "sex": ["F", "F", "M", "M", "F", "M"],
                       "hh_id": ["1", "1", "2", "2", "3", "3"]})
    csv = tmp_path / "survey.csv"
    df.to_csv(csv, index=False)
    pq = tmp_path / "survey.parquet"
    df.to_parquet(pq, index=False)
    for path in (csv, pq):
        res = datasafe.scan(str(path), key_vars=["district", "sex"])
        risk = res.tables[0].risk
        assert risk is not None
        assert risk.quasi_identifiers == ["district", "sex"]
        # ("", M) matches (d2, M) twice and itself: fk 3
        assert risk.k_min == 1
        assert risk.extra["missing_in_key_variables"] == 1
        assert risk.extra["household_id"] == "hh_id"
        validate_report(res.to_dict())


def test_speed_path_is_vectorised_on_a_larger_table():
    rng = np.random.default_rng(1)
    n = 20_000
    df = pd.DataFrame({f"k{j}": pd.Series(rng.integers(0, 6, n).astype(str), dtype="str")
                       for j in range(6)})
    df.loc[rng.random(n) < 0.01, "k0"] = None
    m = measure_risk(df, list(df.columns), k=5)
    assert m.n == n and m.records_with_missing_key > 0
    assert (m.fk >= 1).all()


def test_one_to_one_columns_take_one_slot():
    df = pd.DataFrame({"admin2": ["Goma", "Goma", "Beni", "Uvira"],
                       "admin2_pcode": ["CD6101", "CD6101", "CD6102", "CD6103"],
                       "sex": ["F", "M", "F", "F"]})
    roles = {"admin2": ("quasi", "ADMIN_AREA"), "admin2_pcode": ("quasi", "ADMIN_AREA"),
             "sex": ("quasi", "SEX_GENDER")}
    risk = _assess(df, roles)
    assert risk.quasi_identifiers == ["admin2", "sex"]
    assert "same information as 'admin2'" in risk.extra["key_variables_not_used"][0]["reason"]


def test_profiled_distinct_counts_rule_out_twins_only_on_the_profiled_table():
    """The profiler's distinct counts spare the one-to-one pass on the table they describe; on
    a treated copy (redaction's key-variable choice: codes merged after profiling) the pass
    runs on the copy's own values."""
    from datasafe.risk.keys import default_key_vars

    df = pd.DataFrame({"admin2": ["Goma", "Goma", "Beni", "Uvira"] * 3,
                       "admin2_pcode": ["CD6101", "CD6101", "CD6102", "CD6199"] * 3,
                       "sex": ["F", "M", "F", "F"] * 3})
    df.loc[0, "admin2_pcode"] = "CD6101x"  # a stray code: not one-to-one as profiled
    roles = {"admin2": ("quasi", "ADMIN_AREA"), "admin2_pcode": ("quasi", "ADMIN_AREA"),
             "sex": ("quasi", "SEX_GENDER")}
    table, result = _prepared(df, roles)
    cols, _, _ = default_key_vars(result, set(), 8, table.data, profiled=True)
    assert [c.key for c in cols] == ["admin2", "admin2_pcode", "sex"]
    treated = table.data.copy()
    treated["admin2_pcode"] = treated["admin2_pcode"].str.replace("x", "")  # merged
    cols, _, not_used = default_key_vars(result, set(), 8, treated)
    assert [c.key for c in cols] == ["admin2", "sex"]
    assert "same information as 'admin2'" in not_used[0]["reason"]


def test_missing_matching_property():
    """fk/Fk equal a brute-force count of matching records for any small table with gaps."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    cell = st.one_of(st.none(), st.sampled_from(["a", "b", "c"]))

    @settings(max_examples=60, deadline=None)
    @given(st.lists(st.tuples(cell, cell, cell, st.integers(1, 9)), min_size=1, max_size=25))
    def check(rows):
        df = pd.DataFrame([r[:3] for r in rows], columns=["x", "y", "z"])
        w = np.array([r[3] for r in rows], dtype=float)
        fk, Fk = frequencies(df, ["x", "y", "z"], weights=w)
        codes = np.array([[-1 if v is None else "abc".index(v) for v in r[:3]] for r in rows])
        bfk, bFk = _brute_force(codes, w)
        assert fk.tolist() == bfk.tolist()
        assert Fk == pytest.approx(bFk)

    check()


def test_riskiest_combinations_mask_dates_of_birth():
    df = pd.DataFrame({"sex": ["F", "M", "F"], "dob": ["1990-04-02", "1985-11-30", "2001-01-17"]})
    risk = _assess(df, {"sex": ("quasi", "SEX_GENDER"), "dob": ("quasi", "DATE_OF_BIRTH")})
    assert risk.quasi_identifiers == ["sex", "dob"]
    shown = [c["values"]["dob"] for c in risk.extra["riskiest_combinations"]]
    assert shown and not set(shown) & set(df["dob"])
    assert all(c["values"]["sex"] in ("F", "M") for c in risk.extra["riskiest_combinations"])


def test_kobo_parent_index_is_a_household_id():
    df = pd.DataFrame({"_parent_index": ["1", "1", "2", "2", "2"],
                       "sex": ["F", "M", "F", "M", "M"]})
    risk = _assess(df, key_vars=["sex"])
    assert risk.extra["household_id"] == "_parent_index"
    assert risk.extra["households"] == 2


@pytest.mark.parametrize("case", ["twins", "one_off", "null_vs_empty", "constant",
                                  "null_one_side", "spaces_differ"])
def test_one_to_one_columns_from_the_profilers_codes_as_from_the_text(case):
    """An admin name and its P-code are one key variable: the check on the profiler's codes
    (no pass over the text) answers as the check on the text does, an empty cell and a
    missing one being the same value."""
    import numpy as np
    import pandas as pd

    from datasafe.profiling import _dictionary, _text_array
    from datasafe.risk.keys import same_information

    rng = np.random.default_rng(4)
    adm = rng.integers(0, 12, 50_000)
    a = np.array([f"Zone {i}" for i in range(12)], dtype=object)[adm]
    b = np.array([f"CD{i:02d}" for i in range(12)], dtype=object)[adm]
    if case == "one_off":
        b[5] = "CD03" if b[5] != "CD03" else "CD04"
    elif case == "null_vs_empty":
        a[7], b[7] = None, ""
    elif case == "constant":
        a[:] = "same"
    elif case == "null_one_side":
        a[9] = None
    elif case == "spaces_differ":
        a[11] = " " + a[11]
    df = pd.DataFrame({"a": pd.Series(list(a), dtype="str"),
                       "b": pd.Series(list(b), dtype="str")})
    codes = tuple(_dictionary(_text_array(df[c]))[:2] for c in "ab")
    expected = {"twins": True, "null_vs_empty": True}.get(case, False)
    assert same_information(df, "a", "b") is expected
    assert same_information(df, "a", "b", codes) is expected


def test_one_to_one_for_many_pairs_agrees_with_same_information():
    """The factorised pair test used when redaction picks key variables gives the answers of
    same_information (admin name and P-code; a many-to-one pair; one value; missing cells)."""
    import pandas as pd

    from datasafe.risk.keys import OneToOne, same_information

    df = pd.DataFrame({
        "admin2": ["Goma", "Beni", "Goma", "Uvira", None, "Beni"],
        "pcode": ["CD61", "CD62", "CD61", "CD63", None, "CD62"],
        "admin1": ["NK", "NK", "NK", "SK", None, "NK"],
        "const": ["x"] * 6,
        "const2": ["y"] * 6,
        "gap": ["a", "b", "a", "c", "", "b"],
    }, dtype="str")
    same = OneToOne(df)
    for a in df.columns:
        for b in df.columns:
            if a != b:
                assert same(a, b) == same_information(df, a, b), (a, b)
    assert same("admin2", "pcode") and not same("admin2", "admin1") and not same("const", "const2")


def test_measure_risk_takes_a_weight_column_and_never_quotes_a_bad_weight():
    """A misaligned weight column put 'Amina Kabila +243812345678' in a ValueError."""
    import pandas as pd

    from datasafe.risk.measures import measure_risk

    df = pd.DataFrame({"admin2": ["Goma", "Beni"] * 10, "sex": ["F", "M", "M", "F"] * 5,
                       "w": ["1.5"] * 20})
    by_name = measure_risk(df, ["admin2", "sex"], weights="w")
    assert by_name.weighted and by_name.n == 20
    df.loc[5, "w"] = "Amina Kabila +243812345678"
    m = measure_risk(df, ["admin2", "sex"], weights=df["w"])  # the median stands in
    assert m.weighted
    with pytest.raises(ValueError) as err:
        measure_risk(df, ["admin2", "sex"], weights=["Amina Kabila +243812345678"] * 20)
    assert "Amina" not in str(err.value) and "+243" not in str(err.value)
    with pytest.raises(ValueError, match="no column 'poids'"):
        measure_risk(df, ["admin2", "sex"], weights="poids")


def test_riskiest_combinations_mask_a_key_variable_detection_did_not_class():
    """--key-vars 'Chef de ménage,Contact' on columns detection missed printed names and
    phone numbers in full in the riskiest combinations."""
    import pandas as pd

    import datasafe

    rng = __import__("random").Random(9)
    df = pd.DataFrame({"province": ["Kinshasa"] * 150,
                       "Contact": [str(243810000000 + rng.randint(1000000, 99999999))
                                   for _ in range(150)],
                       "sex": [rng.choice("FM") for _ in range(150)]})
    res = datasafe.scan(df, key_vars=["Contact", "sex"], ner="off")
    t = res.tables[0]
    role = {c.name: c.role for c in t.columns}["Contact"]
    combos = t.risk.extra.get("riskiest_combinations") or []
    assert combos
    shown = " ".join(str(v) for x in combos for v in x["values"].values())
    if role in ("none", "direct"):
        assert not any(p in shown for p in df["Contact"])


def test_a_household_size_named_taille_does_not_hide_the_sampling_weight():
    """'grp_demo/taille_menage' (household size) made the French survey look anthropometric,
    so 'poids' was taken for body weight and the risk was measured without weights (100 %
    instead of 14 %)."""
    from pathlib import Path

    import datasafe

    f = Path(__file__).resolve().parents[1] / "examples" / "household_survey_fr.csv"
    risk = datasafe.scan(str(f), profile="hdx-public", ner="off").tables[0].risk
    assert risk.extra["weight"] == "poids"


@pytest.mark.parametrize("n, cards", [(200_000, [5, 12, 399, 2, 30240, 90, 11, 4]),
                                      (3000, [2**20, 2**20, 2**20]),  # too wide to pack
                                      (5000, [3, 50, 7, 1000]), (1, [5, 5])])
def test_equivalence_classes_by_sorting_equal_hashing_the_keys(n, cards):
    """Classes found by sorting packed (key, row) words are the classes a hash table finds."""
    import numpy as np
    import pandas as pd

    from datasafe.risk import measures as M

    rng = np.random.default_rng(n)
    codes = np.asfortranarray(np.column_stack([rng.integers(-1, c, n) for c in cards]))
    codes[: n // 3] = codes[n // 3: 2 * (n // 3)]  # repeated combinations
    ids, g = M.group_ids(codes, cards)
    hashed, uniq = pd.factorize(M._combine(codes, cards, range(len(cards))))
    assert g == len(uniq) and ids.min() == 0 and ids.max() == g - 1
    assert len(set(zip(ids.tolist(), hashed.tolist()))) == g  # the same partition


@pytest.mark.parametrize("spoil", [None, " padded", "N/A"])
def test_codes_of_many_distinct_values_skip_normalising_only_when_nothing_changes(spoil):
    import pandas as pd

    from datasafe.risk import measures as M

    vals = [f"HH-{i % 12_000:05d}" for i in range(30_000)]
    if spoil:
        vals[5] = spoil if spoil == "N/A" else " HH-00007"  # the same household as row 7
    codes, m = M.encode_column(pd.Series(vals, dtype="str"))
    u = pd.Series(vals).str.strip()
    expected, uniq = pd.factorize(u.where(u != "N/A", None))
    assert m == len(uniq)
    assert (codes == expected).all()
    if spoil == " padded":
        assert codes[5] == codes[7] and m == 12_000
    if spoil == "N/A":
        assert codes[5] == -1


def test_codes_with_numeric_missing_markers_on_many_distinct_values():
    import pandas as pd

    from datasafe.risk import measures as M

    vals = [f"HH-{i:05d}" for i in range(12_000)] + ["-99"]
    codes, m = M.encode_column(pd.Series(vals, dtype="str"), missing=("-99", -99, None))
    assert m == 12_000 and codes[-1] == -1
