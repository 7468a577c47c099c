"""Column detection: roles, entities, evidence, traps, languages, HXL, table kind."""

from __future__ import annotations

import random

import pandas as pd
import pytest

from datasafe.pipeline import ScanOptions, scan

N = 120


def _scan_df(df: pd.DataFrame, **opts):
    res = scan(df, options=ScanOptions(ner=opts.pop("ner", "off"), **opts))
    return res.files[0].tables[0]


def _scan_csv(tmp_path, df: pd.DataFrame, name="data.csv", hxl=None, **opts):
    path = tmp_path / name
    if hxl:
        lines = [",".join(df.columns), ",".join(hxl)]
        lines += [",".join("" if v is None else str(v) for v in row) for row in df.itertuples(index=False)]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        df.to_csv(path, index=False)
    res = scan(str(path), options=ScanOptions(ner=opts.pop("ner", "off"), **opts))
    assert res.files[0].error is None, res.files[0].error
    return res.files[0].tables[0]


def roles(table) -> dict[str, str]:
    return {c.name: c.role for c in table.columns}


def ents(table) -> dict[str, str | None]:
    return {c.name: c.entity for c in table.columns}


FIRST = ["Amina", "Mohamed", "Fatuma", "Jean", "Marie", "Ahmed", "Halima", "John", "Grace", "Ali",
         "Hodan", "Ibrahim", "Esperance", "Yusuf", "Aisha", "Patrick"]
LAST = ["Yusuf", "Okafor", "Mwamba", "Kabila", "Hassan", "Abdi", "Diallo", "Traore", "Bukar",
        "Ilunga", "Farah", "Sani"]


def names(r, n=N):
    return [f"{r.choice(FIRST)} {r.choice(LAST)}" for _ in range(n)]


def cd_phones(r, n=N):
    return [f"+243 99{r.randint(0, 9)} {r.randint(100, 999)} {r.randint(100, 999)}" for _ in range(n)]


@pytest.fixture
def rng():
    return random.Random(42)


def beneficiary_df(r):
    return pd.DataFrame({
        "Nom complet": names(r),
        "Téléphone": cd_phones(r),
        "Sexe": [r.choice(["Homme", "Femme"]) for _ in range(N)],
        "grp_demo/Q12_age": [str(r.randint(0, 90)) for _ in range(N)],
        "Village": [r.choice(["Kalemie", "Bunia", "Goma", "Uvira", "Beni"]) for _ in range(N)],
        "Religion": [r.choice(["Catholique", "Protestant", "Musulman", "Kimbanguiste"]) for _ in range(N)],
        "Statut": [r.choice(["Déplacé", "Retourné", "Communauté hôte"]) for _ in range(N)],
        "email": [f"user{i}@example.org" if i % 3 == 0 else None for i in range(N)],
    })


def test_roles_entities_and_evidence(rng):
    t = _scan_df(beneficiary_df(rng))
    r, e = roles(t), ents(t)
    assert r["Nom complet"] == "direct" and e["Nom complet"] == "PERSON"
    assert r["Téléphone"] == "direct" and e["Téléphone"] == "PHONE_NUMBER"
    assert r["email"] == "direct" and e["email"] == "EMAIL_ADDRESS"
    assert r["Sexe"] == "quasi" and e["Sexe"] == "SEX_GENDER"
    assert r["grp_demo/Q12_age"] == "quasi" and e["grp_demo/Q12_age"] == "AGE"
    assert r["Village"] == "quasi"
    assert r["Religion"] == "sensitive" and e["Religion"] == "RELIGION"
    assert e["Statut"] == "DISPLACEMENT_STATUS"
    assert t.kind == "microdata"
    phone = t.column("Téléphone")
    ent = phone.entities[0]
    assert 0.9 <= ent.confidence <= 1.0
    assert ent.share is not None and ent.share > 0.8
    assert ent.evidence == ["header", "values"]
    # the status column was recognised from its values alone
    assert t.column("Statut").entities[0].evidence == ["values"]


def test_values_alone_find_email_phone_and_sex(rng):
    df = pd.DataFrame({
        "col_a": [f"person{i}@mail.example.com" for i in range(N)],
        "col_b": [f"+252 61 {rng.randint(1000000, 9999999)}" for _ in range(N)],
        "col_c": [rng.choice(["M", "F"]) for _ in range(N)],
        "col_d": [f"08{rng.choice('0123')}{rng.randint(10000000, 99999999)}" for _ in range(N)],
    })
    t = _scan_df(df)
    e = ents(t)
    assert e["col_a"] == "EMAIL_ADDRESS"
    assert e["col_b"] == "PHONE_NUMBER"
    assert e["col_c"] == "SEX_GENDER"
    assert e["col_d"] == "PHONE_NUMBER"  # Nigerian local numbers through the default regions


def test_phone_regions_option(rng):
    # Malian local numbers (8 digits) only parse when ML is among the regions tried
    df = pd.DataFrame({"contact": [f"{rng.choice(['65', '66', '76'])} {rng.randint(10, 99)} "
                                   f"{rng.randint(10, 99)} {rng.randint(10, 99)}" for _ in range(N)]})
    t = _scan_df(df, phone_regions=["ML"])
    assert t.column("contact").entity == "PHONE_NUMBER"
    t2 = _scan_df(df, phone_regions=["GB"])
    assert t2.column("contact").entity != "PHONE_NUMBER"


def test_multilingual_headers(rng):
    df = pd.DataFrame({
        "الاسم الكامل": [f"محمد {rng.choice(['أحمد', 'علي', 'خالد'])} {rng.choice(['الحسن', 'الخطيب'])}" for _ in range(N)],
        "العمر": [str(rng.randint(1, 80)) for _ in range(N)],
        "الجنس": [rng.choice(["ذكر", "أنثى"]) for _ in range(N)],
        "nombre_completo": names(rng),
        "edad": [str(rng.randint(1, 80)) for _ in range(N)],
        "pertenencia_etnica": [rng.choice(["Afrocolombiano", "Indígena", "Ninguna"]) for _ in range(N)],
        "Sexe_du_chef_de_menage": [rng.choice(["Homme", "Femme"]) for _ in range(N)],
        "COM12_statut_matrimonial_chef_menage": [rng.choice(["Marié", "Veuve", "Célibataire"]) for _ in range(N)],
        "Taille_Menage": [str(rng.randint(1, 12)) for _ in range(N)],
        "idade": [str(rng.randint(1, 80)) for _ in range(N)],
        "umr": [str(rng.randint(1, 80)) for _ in range(N)],
    })
    e = ents(_scan_df(df))
    assert e["الاسم الكامل"] == "PERSON"
    assert e["العمر"] == "AGE" and e["الجنس"] == "SEX_GENDER"
    assert e["nombre_completo"] == "PERSON" and e["edad"] == "AGE"
    assert e["pertenencia_etnica"] == "ETHNICITY"
    assert e["Sexe_du_chef_de_menage"] == "SEX_GENDER"
    assert e["COM12_statut_matrimonial_chef_menage"] == "MARITAL_STATUS"
    assert e["Taille_Menage"] == "HOUSEHOLD_SIZE"
    assert e["idade"] == "AGE" and e["umr"] == "AGE"


def test_header_normalisation_whole_tokens():
    from datasafe.detect.lexicon import load_lexicon, tokens

    lex = load_lexicon()
    assert tokens("dateOfBirth") == ["date", "birth"]
    assert tokens("Sexe_du_chef_de_ménage") == ["sexe", "chef", "menage"]
    assert lex.header_tokens("Q12_age") == ["age"]
    assert lex.header_tokens("admin1Pcode") == ["admin1", "pcode"]
    top = lambda h: (lex.match(h) or [None])[0]  # noqa: E731
    assert top("grp_demo/resp_age").entity == "AGE"
    assert top("public_lic") is None  # "lic" is not a word here, and never a substring
    assert top("republic") is None
    assert top("Téléphone").entity == "PHONE_NUMBER"
    assert top("village name").entity == "LOCATION"


def test_hxl_tags(tmp_path, rng):
    df = pd.DataFrame({
        "Ben": names(rng), "Tel": cd_phones(rng),
        "Y": [f"{rng.uniform(1, 3):.6f}" for _ in range(N)],
        "X": [f"{rng.uniform(28, 30):.6f}" for _ in range(N)],
        "Grp": [rng.choice(["Hema", "Lendu", "Nande"]) for _ in range(N)],
        "Kit": [rng.choice(["NFI kit", "Food basket"]) for _ in range(N)],
    })
    t = _scan_csv(tmp_path, df, hxl=["#beneficiary+name", "#contact+phone", "#geo+lat", "#geo+lon",
                                      "#beneficiary+ethnicity", "#item+name"])
    e, r = ents(t), roles(t)
    assert e["Ben"] == "PERSON" and "hxl" in t.column("Ben").entities[0].evidence
    assert e["Tel"] == "PHONE_NUMBER"
    assert e["Y"] == "GPS_COORDINATE" and r["Y"] == "direct"
    assert r["Grp"] == "sensitive" and e["Grp"] == "ETHNICITY"
    assert r["Kit"] == "none"  # +name on an item is not a person
    assert t.column("Y").hxl == "#geo+lat"


def test_hxl_aggregate_kind(tmp_path, rng):
    n = 40
    df = pd.DataFrame({
        "Organisation": [rng.choice(["WFP", "UNICEF", "NRC"]) for _ in range(n)],
        "District": [rng.choice(["Baidoa", "Dollow", "Afgooye"]) for _ in range(n)],
        "Affected": [str(rng.randint(100, 9000)) for _ in range(n)],
    })
    t = _scan_csv(tmp_path, df, hxl=["#org", "#adm2+name", "#affected"])
    assert t.kind == "aggregate"
    assert roles(t)["Affected"] == "none"
    assert roles(t)["District"] == "quasi"


def test_gps_shapes(rng):
    df = pd.DataFrame({
        "where": [f"{rng.uniform(-4, 4):.6f}, {rng.uniform(20, 30):.6f}" for _ in range(N)],
        "wkt": [f"POINT ({rng.uniform(20, 30):.5f} {rng.uniform(-4, 4):.5f})" for _ in range(N)],
        "dms": [f"{rng.randint(1, 9)}°{rng.randint(0, 59)}'{rng.randint(0, 59)}\"N "
                f"{rng.randint(20, 30)}°{rng.randint(0, 59)}'{rng.randint(0, 59)}\"E" for _ in range(N)],
        "_geolocation": [f"[{rng.uniform(-4, 4):.6f}, {rng.uniform(20, 30):.6f}]" for _ in range(N)],
        "hemi": [f"{rng.uniform(1, 9):.5f}N {rng.uniform(20, 30):.5f}E" for _ in range(N)],
        "Full name": names(rng),
    })
    e = ents(_scan_df(df))
    for c in ("where", "wkt", "dms", "_geolocation", "hemi"):
        assert e[c] == "GPS_COORDINATE", c


def test_gps_pair_without_header_and_money_trap(rng):
    df = pd.DataFrame({
        "full_name": names(rng),
        "p1": [f"{rng.uniform(2, 12):.6f}" for _ in range(N)],
        "p2": [f"{rng.uniform(20, 40):.6f}" for _ in range(N)],
        "amount_usd": [f"{rng.uniform(10, 80):.2f}" for _ in range(N)],
        "cost": [f"{rng.uniform(10, 80):.4f}" for _ in range(N)],
    })
    t = _scan_df(df)
    r, e = roles(t), ents(t)
    assert e["p1"] == "GPS_COORDINATE" and e["p2"] == "GPS_COORDINATE"
    assert r["amount_usd"] == "none" and r["cost"] == "none"


def test_dates_and_dob(rng):
    df = pd.DataFrame({
        "date_of_birth": [f"{rng.randint(1940, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}" for _ in range(N)],
        "birthdate_values_only": [f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1945, 2015)}" for _ in range(N)],
        "interview": [f"2025-03-{rng.randint(1, 28):02d}" for _ in range(N)],
        "year_of_birth": [str(rng.randint(1950, 2015)) for _ in range(N)],
        "name": names(rng),
    })
    df = df.rename(columns={"birthdate_values_only": "colonne_x"})
    e, r = ents(_scan_df(df)), roles(_scan_df(df))
    assert e["date_of_birth"] == "DATE_OF_BIRTH" and r["date_of_birth"] == "quasi"
    assert e["colonne_x"] == "DATE_OF_BIRTH"  # ages 10-80 from the values alone
    assert e["interview"] == "DATE" and r["interview"] == "quasi"
    assert e["year_of_birth"] == "DATE_OF_BIRTH"


def test_ids_iban_card_ip_url(rng):
    def iban():
        bban = "".join(rng.choice("0123456789") for _ in range(18))
        num = int("".join(str(int(ch, 36)) for ch in bban + "TR00"))
        return f"TR{98 - num % 97:02d}{bban}"

    def card():
        digits = [rng.randint(0, 9) for _ in range(15)]
        for check in range(10):
            cand = "4" + "".join(map(str, digits[1:])) + str(check)
            from datasafe.detect.values import luhn_ok
            if luhn_ok(cand):
                return f"{cand[:4]} {cand[4:8]} {cand[8:12]} {cand[12:]}"

    df = pd.DataFrame({
        "national_id": [f"{rng.randint(10**10, 10**11 - 1)}" for _ in range(N)],
        "case_number": [f"NGA-24-{i:06d}" for i in range(N)],
        "bank": [iban() for _ in range(N)],
        "pan": [card() for _ in range(N)],
        "client": [f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}" for _ in range(N)],
        "link": [f"https://example.org/p/{i}" for i in range(N)],
        "full_name": names(rng),
    })
    t = _scan_df(df)
    e, r = ents(t), roles(t)
    assert e["national_id"] == "NATIONAL_ID" and r["national_id"] == "direct"
    assert e["case_number"] == "CASE_ID" and r["case_number"] == "direct"
    assert e["bank"] == "IBAN_CODE" and r["bank"] == "direct"
    assert e["pan"] == "CREDIT_CARD" and r["pan"] == "direct"
    assert e["client"] == "IP_ADDRESS" and r["client"] == "direct"
    assert e["link"] == "URL" and r["link"] == "none"


def test_pcodes_and_admin(rng):
    df = pd.DataFrame({
        "admin2": [rng.choice(["Baidoa", "Dollow"]) for _ in range(N)],
        "col_p": [rng.choice(["SO2401", "SO2104", "SO1702", "SO1401"]) for _ in range(N)],
        "age": [str(rng.randint(1, 80)) for _ in range(N)],
        "sex": [rng.choice(["male", "female"]) for _ in range(N)],
    })
    e = ents(_scan_df(df))
    assert e["admin2"] == "ADMIN_AREA"
    assert e["col_p"] == "ADMIN_AREA"


def test_value_lists_sensitive(rng):
    df = pd.DataFrame({
        "q7": [rng.choice(["Some difficulty", "No difficulty", "A lot of difficulty", "Cannot do at all"]) for _ in range(N)],
        "q8": [rng.choice(["Hawiye", "Darod", "Rahanweyn", "Dir"]) for _ in range(N)],
        "q9": [rng.choice(["Diabetes", "Hypertension", "HIV", "Tuberculosis"]) for _ in range(N)],
        "q10": [rng.choice(["Sunni", "Shia", "Christian", "Yazidi"]) for _ in range(N)],
        "q11": [rng.choice(["IDP", "Refugee", "Host community", "Returnee"]) for _ in range(N)],
        "q12": [rng.choice(["Married", "Single", "Widowed"]) for _ in range(N)],
    })
    t = _scan_df(df)
    e, r = ents(t), roles(t)
    assert e["q7"] == "DISABILITY" and r["q7"] == "sensitive"
    assert e["q8"] == "ETHNICITY" and r["q8"] == "sensitive"
    assert e["q9"] == "HEALTH" and r["q9"] == "sensitive"
    assert e["q10"] == "RELIGION" and r["q10"] == "sensitive"
    assert e["q11"] == "DISPLACEMENT_STATUS" and r["q11"] == "quasi"
    assert e["q12"] == "MARITAL_STATUS" and r["q12"] == "quasi"


# --- traps ------------------------------------------------------------------------------------


def aggregate_df(r, n=60):
    return pd.DataFrame({
        "Region": [r.choice(["Bay", "Gedo", "Banadir"]) for _ in range(n)],
        "District": [r.choice(["Baidoa", "Dollow", "Kahda"]) for _ in range(n)],
        "Sector": [r.choice(["WASH", "Health", "Protection", "Food Security"]) for _ in range(n)],
        "Name of organization": [r.choice(["WFP", "Save the Children", "NRC"]) for _ in range(n)],
        "Female": [str(r.randint(10, 5000)) for _ in range(n)],
        "Male": [str(r.randint(10, 5000)) for _ in range(n)],
        "Hombres": [str(r.randint(10, 5000)) for _ in range(n)],
        "Mujeres": [str(r.randint(10, 5000)) for _ in range(n)],
        "Number of households": [str(r.randint(5, 900)) for _ in range(n)],
        "Year": [r.choice(["2023", "2024", "2025"]) for _ in range(n)],
        "code": [f"ACT-{r.randint(1, 30):02d}" for _ in range(n)],
        "site_id": [f"SITE-{i:03d}" for i in range(n)],
        "facility_code": [f"HF{i:04d}" for i in range(n)],
    })


def test_trap_aggregate_counts(rng):
    t = _scan_df(aggregate_df(rng))
    r = roles(t)
    assert t.kind == "aggregate"
    for c in ("Female", "Male", "Hombres", "Mujeres", "Number of households"):
        assert r[c] == "none", c


def test_trap_sex_counts_are_not_sex(rng):
    e = ents(_scan_df(aggregate_df(rng)))
    assert e["Female"] is None and e["Mujeres"] is None


def test_trap_site_and_facility_ids_not_direct(rng):
    r = roles(_scan_df(aggregate_df(rng)))
    assert r["site_id"] != "direct"
    assert r["facility_code"] != "direct"


def test_trap_year_column(rng):
    r = roles(_scan_df(aggregate_df(rng)))
    assert r["Year"] == "none"
    df = beneficiary_df(rng)
    df["year"] = [rng.choice(["2024", "2025"]) for _ in range(N)]
    assert roles(_scan_df(df))["year"] == "none"


def test_trap_money_like_coordinates(rng):
    df = beneficiary_df(rng)
    df["amount"] = [f"{rng.uniform(5, 89):.2f}" for _ in range(N)]
    df["transfer_value"] = [f"{rng.uniform(5, 89):.5f}" for _ in range(N)]
    df["montant"] = [f"{rng.uniform(5, 89):.6f}" for _ in range(N)]
    r = roles(_scan_df(df))
    assert r["amount"] == "none" and r["transfer_value"] == "none" and r["montant"] == "none"


def test_trap_name_of_organization_and_generic_code(rng):
    t = _scan_df(aggregate_df(rng))
    r = roles(t)
    assert r["Name of organization"] == "none"
    assert r["code"] == "none"
    df = beneficiary_df(rng)
    df["Name of organization"] = [rng.choice(["CARITAS", "AIDES", "NRC", "Solidarités"]) for _ in range(N)]
    df["code"] = [rng.choice(["A1", "B2", "C3", "D4"]) for _ in range(N)]
    r = roles(_scan_df(df))
    assert r["Name of organization"] == "none" and r["code"] == "none"


def test_trap_email_is_not_url(rng):
    df = pd.DataFrame({"contact": [f"someone{i}@ngo.example.org" for i in range(N)],
                       "web": [f"www.example{i}.org" for i in range(N)]})
    t = _scan_df(df)
    assert t.column("contact").entity == "EMAIL_ADDRESS"
    assert all(e.type != "URL" for e in t.column("contact").entities)
    assert t.column("web").entity == "URL"


def test_trap_disabled_reason(rng):
    df = beneficiary_df(rng)
    df["disabled_reason"] = [rng.choice(["Duplicate record", "Moved away", "Deceased", None]) for _ in range(N)]
    df["Disabled reason"] = df["disabled_reason"]
    t = _scan_df(df)
    for c in ("disabled_reason", "Disabled reason"):
        assert t.column(c).role == "none"
        assert t.column(c).entity != "DISABILITY"
    # while a real disability question is sensitive
    df["disabled"] = [rng.choice(["yes", "no", "no"]) for _ in range(N)]
    assert _scan_df(df).column("disabled").role == "sensitive"


def test_yes_no_question_about_phone_is_not_a_phone(rng):
    df = beneficiary_df(rng)
    df["has_phone"] = [rng.choice(["yes", "no"]) for _ in range(N)]
    df["phone_owner"] = [rng.choice(["self", "spouse", "neighbour"]) for _ in range(N)]
    r = roles(_scan_df(df))
    assert r["has_phone"] == "none" and r["phone_owner"] == "none"


def test_household_composition_counts_in_microdata(rng):
    df = beneficiary_df(rng)
    df["females_0_4"] = [str(rng.randint(0, 3)) for _ in range(N)]
    df["number_of_children_under5"] = [str(rng.randint(0, 5)) for _ in range(N)]
    t = _scan_df(df)
    assert t.column("females_0_4").role == "quasi"
    assert t.column("number_of_children_under5").entity == "HOUSEHOLD_SIZE"


def test_role_precedence_direct_over_sensitive():
    from datasafe.detect import _Col, _write

    class Stats:
        distinct = 10

    class Col:
        name = "x"
        sample = ["a"]
        stats = Stats()
        role = "none"
        entities = []
        examples = []
        free_text = False

    c = _Col(col=Col())
    c.ev = {"HEALTH": {"values": 0.9}, "PHONE_NUMBER": {"values": 0.6}, "AGE": {"header": 0.95}}
    _write(c, "microdata")
    assert c.col.role == "direct"
    assert [e.type for e in c.col.entities][0] == "AGE"  # most confident first


def test_empty_and_tiny_tables():
    t = _scan_df(pd.DataFrame({"name": pd.Series([], dtype="str"), "age": pd.Series([], dtype="str")}))
    assert t.kind in ("unknown", "microdata")
    t = _scan_df(pd.DataFrame({"phone": [None, None]}))
    assert t.columns[0].examples == []


def test_user_lexicon_extension(tmp_path, rng):
    lex = tmp_path / "my_lexicon.yaml"
    lex.write_text("- entity: NATIONAL_ID\n  role: direct\n  weight: 0.9\n  terms: [numero kipande]\n",
                   encoding="utf-8")
    df = pd.DataFrame({"Numero kipande": [f"KP{rng.randint(10**6, 10**7)}" for _ in range(N)],
                       "name": names(rng)})
    assert ents(_scan_df(df))["Numero kipande"] != "NATIONAL_ID"
    t = _scan_df(df, config={"lexicon": [str(lex)]})
    assert ents(t)["Numero kipande"] == "NATIONAL_ID"


def test_real_files_xlsx_and_parquet(tmp_path, rng):
    df = beneficiary_df(rng)
    agg = aggregate_df(rng)
    xlsx = tmp_path / "book.xlsx"
    with pd.ExcelWriter(xlsx, engine="openpyxl") as xw:
        df.to_excel(xw, sheet_name="List", index=False)
        agg.to_excel(xw, sheet_name="Summary", index=False)
    res = scan(str(xlsx), options=ScanOptions(ner="off"))
    tables = {t.name: t for t in res.files[0].tables}
    assert tables["List"].kind == "microdata" and tables["Summary"].kind == "aggregate"
    assert tables["List"].column("Téléphone").role == "direct"
    pq = tmp_path / "list.parquet"
    df.to_parquet(pq, index=False)
    t = scan(str(pq), options=ScanOptions(ner="off")).files[0].tables[0]
    assert t.column("Nom complet").entity == "PERSON"


def test_sdcmicro_testdata(shared_dir):
    path = shared_dir / "data" / "sdcmicro-testdata" / "testdata.csv"
    if not path.exists():
        pytest.skip("sdcMicro testdata not in ../shared")
    t = scan(str(path), options=ScanOptions(ner="off")).files[0].tables[0]
    r = roles(t)
    assert r["sex"] == "quasi" and r["age"] == "quasi"
    assert all(v != "direct" for v in r.values())
    assert t.kind == "microdata"


def test_user_value_list_extension(tmp_path, rng):
    vl = tmp_path / "my_values.yaml"
    vl.write_text("clans_local:\n  entity: ETHNICITY\n  role: sensitive\n"
                  "  values: [Zorbani, Quixite, Belmaru]\n", encoding="utf-8")
    df = pd.DataFrame({"grp": [rng.choice(["Zorbani", "Quixite", "Belmaru"]) for _ in range(N)],
                       "name": names(rng)})
    assert roles(_scan_df(df))["grp"] == "none"
    t = _scan_df(df, config={"value_lists": [str(vl)]})
    assert ents(t)["grp"] == "ETHNICITY" and roles(t)["grp"] == "sensitive"


def test_name_header_over_names_with_digits_is_still_a_name(tmp_path):
    """Exports sometimes glue a number to the name ("Amina K1"); the header and the given names
    keep the column a direct identifier, while numbered placeholders stay unflagged."""
    names = [f"{g} K{i}" for i, g in enumerate(["Amina", "Jean", "Fatuma", "Ibrahim"] * 15)]
    col = _scan_df(pd.DataFrame({"full_name": names, "sex": ["F", "M"] * 30})).columns[0]
    assert col.role == "direct" and col.entity == "PERSON"
    placeholders = [f"Beneficiary {i}" for i in range(60)]
    res = _scan_df(pd.DataFrame({"full_name": placeholders, "sex": ["F", "M"] * 30}))
    assert res.columns[0].role != "direct"


@pytest.mark.parametrize("tag, entity, role", [
    ("#respondee+head+marital_status", "MARITAL_STATUS", "quasi"),  # Kobo-style attribute
    ("#respondee+age_years", "AGE", "quasi"),
    ("#respondee+name", "PERSON", "direct"),
    ("#respondee+code", "CASE_ID", "direct"),
    ("#respondee", "PERSON", "direct"),  # the bare tag: the respondent
    ("#contact+organisation", "PERSON", "direct"),  # #contact with any attribute
])
def test_hxl_person_tags_mean_the_person_only_without_a_trait(tag, entity, role):
    from datasafe.detect import _hxl_matches

    found, _, person = _hxl_matches(tag)
    assert person and (entity, role) in [(e, r) for e, r, _ in found]


def test_a_person_trait_the_vocabulary_does_not_know_is_not_a_direct_identifier():
    """#respondee+head+water_source says the column is about the respondent, not who they are:
    the tag alone must not make it a direct identifier (rules §c: other attributes QI/SENS)."""
    from datasafe.detect import _hxl_matches

    found, _, person = _hxl_matches("#respondee+head+water_source")
    assert person and found == []


@pytest.mark.parametrize("rows", [1, 2])
def test_a_list_of_one_or_two_people_is_still_a_list_of_people(tmp_path, rows):
    """Names, ID numbers and addresses are flagged by their headers whatever the row count:
    a two-row file passed as clean, and its 'redacted' copy was the file itself."""
    data = [("John Smith", "CD6000399F", "12 Avenue Kasa-Vubu Goma"),
            ("Mary Jones", "CD6000512K", "4 Rue du Lac Bukavu")][:rows]
    df = pd.DataFrame(data, columns=["name", "national_id", "address"])
    cols = {c.name: c for c in _scan_csv(tmp_path, df).columns}
    assert {n: c.role for n, c in cols.items()} == {"name": "direct", "national_id": "direct",
                                                     "address": "direct"}
    path = tmp_path / "data.csv"
    assert scan(str(path), options=ScanOptions(ner="off")).exit_code == 1


@pytest.mark.parametrize("header", ["caseworker", "staff_name", "focal_point",
                                    "enumerator_name", "point_focal"])
def test_staff_names_that_repeat_over_many_cases_are_names(tmp_path, header):
    staff = ["Kavira Kahindo", "Jean-Pierre Mutombo", "Esther Mbuyi", "Amina Yusuf"]
    df = pd.DataFrame({header: [staff[i % 4] for i in range(400)],
                       "incident_date": [f"2025-0{1 + i % 9}-1{i % 9}" for i in range(400)]})
    col = _scan_csv(tmp_path, df).columns[0]
    assert col.role == "direct" and col.entities[0].type == "PERSON"


def test_repeated_place_and_organisation_names_are_not_people(tmp_path):
    df = pd.DataFrame({"name": [["Save the Children", "Camp Mugunga III", "Hopital General"][i % 3]
                                for i in range(300)]})
    assert _scan_csv(tmp_path, df).columns[0].role != "direct"


def test_a_3w_sector_is_not_an_administrative_secteur(tmp_path):
    """'Secteur' is an administrative level in DR Congo and the cluster in a 3W: the values
    decide (a 3W of three rows was failed as holding a quasi-identifier)."""
    df = pd.DataFrame({"Secteur": ["Eau, hygiène et assainissement", "Santé", "Protection",
                                   "Sécurité alimentaire", "Abris/AME", "Éducation"],
                       "Montant": ["1200", "3400", "800", "560", "900", "100"]})
    assert _scan_csv(tmp_path, df).columns[0].role == "none"
    df = pd.DataFrame({"secteur": ["Kamituga", "Basile", "Luhwindja", "Wamuzimu", "Itombwe"],
                       "age": ["34", "21", "45", "50", "27"]})
    col = _scan_csv(tmp_path, df, name="admin.csv").columns[0]
    assert col.role == "quasi" and col.entities[0].type == "ADMIN_AREA"


def test_two_caseworkers_over_sixty_cases_are_names(tmp_path):
    df = pd.DataFrame({"caseworker": [["John Smith", "Mary Jones"][i % 2] for i in range(60)],
                       "district": [["Goma", "Bukavu"][i % 3 % 2] for i in range(60)]})
    col = _scan_csv(tmp_path, df).columns[0]
    assert col.role == "direct" and col.entities[0].type == "PERSON"
    df = pd.DataFrame({"name": [["Yes", "No"][i % 2] for i in range(60)]})
    assert _scan_csv(tmp_path, df, name="yn.csv").columns[0].role != "direct"



def test_integers_written_as_floats_are_integers_as_in_parquet(tmp_path):
    """pandas writes an int column with one NaN as 8.0, 3.0…: household_size was a quasi-
    identifier in the Parquet and nothing in the CSV of the same data."""
    import numpy as np

    rng = np.random.default_rng(3)
    n = 2000
    df = pd.DataFrame({"age": rng.integers(0, 90, n).astype(float),
                       "household_size": rng.integers(1, 12, n).astype(float),
                       "sex": rng.choice(["M", "F"], n),
                       "district": rng.choice(["Goma", "Beni", "Uvira"], n)})
    df.loc[4, "household_size"] = np.nan
    df.to_csv(tmp_path / "f.csv", index=False)
    df.to_parquet(tmp_path / "f.parquet")
    got = {}
    for name in ("f.csv", "f.parquet"):
        t = scan(str(tmp_path / name), options=ScanOptions(ner="off")).files[0].tables[0]
        got[name] = (roles(t), t.risk.quasi_identifiers)
    assert got["f.csv"] == got["f.parquet"]
    assert got["f.csv"][0]["household_size"] == "quasi"


def test_kobo_multiple_choice_options_under_a_topic_group_are_not_key_variables():
    """education/raison_non_scolarisation/<option> (0/1) were 'quasi EDUCATION' from the group
    name alone, became key variables, and were then removed from the public copy."""
    rng = random.Random(1)
    n = 300
    d = {"province": [rng.choice(["Nord-Kivu", "Sud-Kivu"]) for _ in range(n)],
         "sexe": [rng.choice("FM") for _ in range(n)],
         "age": [str(rng.randint(18, 70)) for _ in range(n)]}
    for o in ("cout", "distance", "travail", "autre"):
        d[f"education/raison_non_scolarisation/{o}"] = [rng.choice("01") for _ in range(n)]
    d["sante/q1"] = [rng.choice(["oui", "non"]) for _ in range(n)]
    t = _scan_df(pd.DataFrame(d))
    r = roles(t)
    assert all(r[f"education/raison_non_scolarisation/{o}"] == "none"
               for o in ("cout", "distance", "travail", "autre"))
    assert r["sante/q1"] == "sensitive"  # a yes under a health group may be a diagnosis
    assert [o["column"] for o in t.risk.extra["key_variable_order"]] == ["province", "sexe", "age"]


def _lang_frame(columns: dict, n: int = N) -> pd.DataFrame:
    rng = random.Random(11)
    return pd.DataFrame({h: [v(rng, i) if callable(v) else rng.choice(v) for i in range(n)]
                         for h, v in columns.items()})


def test_swahili_registration_headers(tmp_path):
    """A Swahili registration export (East DRC/Kenya) had every column 'none' apart from the
    values that gave themselves away: names, ID, age, sex, places, HIV status, GBV incidents."""
    df = _lang_frame({
        "jina_la_kwanza": FIRST, "jina_la_ukoo": LAST,
        "nambari ya kitambulisho": lambda r, i: f"CD-{r.randrange(10**8, 10**9)}",
        "umri": lambda r, i: r.randint(18, 80), "jinsia": ["Mwanaume", "Mwanamke"],
        "mkoa": ["Kivu Kaskazini", "Kivu Kusini"], "wilaya": ["Rutshuru", "Masisi", "Kalehe"],
        "kijiji": [f"Kijiji {k}" for k in range(30)],
        "idadi ya watu katika kaya": lambda r, i: r.randint(1, 12),
        "ulemavu": ["Ndiyo", "Hapana"], "dini": ["Mkristo", "Mwislamu", "Mkatoliki"],
        "hali ya VVU": ["Chanya", "Hasi", "Haijulikani"],
        "aina ya tukio": ["Ubakaji", "Ukatili wa kimwili", "Ndoa za utotoni"],
        "bidhaa": ["Unga", "Mafuta", "Sabuni"]})
    t = _scan_csv(tmp_path, df)
    assert {c: (t_r, ents(t)[c]) for c, t_r in roles(t).items()} == {
        "jina_la_kwanza": ("direct", "PERSON"), "jina_la_ukoo": ("direct", "PERSON"),
        "nambari ya kitambulisho": ("direct", "NATIONAL_ID"), "umri": ("quasi", "AGE"),
        "jinsia": ("quasi", "SEX_GENDER"), "mkoa": ("quasi", "ADMIN_AREA"),
        "wilaya": ("quasi", "ADMIN_AREA"), "kijiji": ("quasi", "LOCATION"),
        "idadi ya watu katika kaya": ("quasi", "HOUSEHOLD_SIZE"),
        "ulemavu": ("sensitive", "DISABILITY"), "dini": ("sensitive", "RELIGION"),
        "hali ya VVU": ("sensitive", "HEALTH"),
        "aina ya tukio": ("sensitive", "PROTECTION_INCIDENT"), "bidhaa": ("none", None)}


def test_portuguese_and_arabic_headers_that_looked_like_other_things(tmp_path):
    """'estado' (a state) hid the HIV serostatus and the migration status; 'النوع' (gender)
    hid the incident type and the disability type; 'Cantidad' of kits became a household size;
    M-Pesa numbers, Yemeni district names and transliterated notes were not seen."""
    df = _lang_frame({
        "apelido": LAST, "conta_mpesa": lambda r, i: f"84{r.randrange(10**6, 10**7)}",
        "estado_serologico": ["Positivo", "Negativo", "Desconhecido"],
        "Estado migratório": ["Irregular", "Regular", "Requerente de asilo"],
        "nr_membros_agregado": lambda r, i: r.randint(1, 10),
        "centro_de_acomodacao": ["Centro 25 de Setembro", "Centro Mandruzi", "Centro Savane"],
        "نوع الحادثة": ["عنف جنسي", "زواج مبكر", "تجنيد أطفال"],
        "نوع الإعاقة": ["حركية", "بصرية", "سمعية"],
        "نوع المساعدة": ["سلة غذائية", "نقد", "مواد غير غذائية"],
        "أمراض مزمنة": ["سكري", "ضغط", "لا يوجد"],
        "mudiriya": ["Al Mudhaffar", "Al Qahirah", "Salah"], "madhhab": ["زيدي", "شافعي"],
        "grp_dist/cantidad_kits": lambda r, i: r.randint(1, 3)})
    t = _scan_csv(tmp_path, df)
    got = {c: (t_r, ents(t)[c]) for c, t_r in roles(t).items()}
    assert got == {
        "apelido": ("direct", "PERSON"), "conta_mpesa": ("direct", "PHONE_NUMBER"),
        "estado_serologico": ("sensitive", "HEALTH"),
        "Estado migratório": ("sensitive", "LEGAL_STATUS"),
        "nr_membros_agregado": ("quasi", "HOUSEHOLD_SIZE"),
        "centro_de_acomodacao": ("quasi", "LOCATION"),
        "نوع الحادثة": ("sensitive", "PROTECTION_INCIDENT"),
        "نوع الإعاقة": ("sensitive", "DISABILITY"), "نوع المساعدة": ("none", None),
        "أمراض مزمنة": ("sensitive", "HEALTH"), "mudiriya": ("quasi", "ADMIN_AREA"),
        "madhhab": ("sensitive", "RELIGION"), "grp_dist/cantidad_kits": ("none", None)}


def test_two_people_repeated_under_a_name_header_are_names(tmp_path):
    """An 8-row list with two people repeated under 'full_name' was classed none, and the
    public copy kept both names: under a name header, values shaped as names are names."""
    df = pd.DataFrame({"full_name": ["Amina Kabila", "Mugisha Ilunga"] * 4,
                       "admin1": ["Nord-Kivu"] * 8, "household_size": [4] * 8})
    t = _scan_csv(tmp_path, df)
    assert (roles(t)["full_name"], ents(t)["full_name"]) == ("direct", "PERSON")
    # a yes/no or one repeated word under the same header stays what it is
    df = pd.DataFrame({"full_name": ["Yes", "No"] * 4, "admin1": ["Nord-Kivu"] * 8})
    assert roles(_scan_csv(tmp_path, df, name="yn.csv"))["full_name"] == "none"


def test_mobile_money_wallet_columns_are_direct_identifiers(tmp_path):
    """DR-PII-08 flagged 'wallet' and 'momo' columns from their headers while detection called
    them none, so a redaction driven by roles kept them."""
    rng = random.Random(1)
    df = pd.DataFrame({"wallet": [f"{rng.randrange(10**9, 10**10)}" for _ in range(N)],
                       "momo": [f"0{rng.randrange(10**8, 10**9)}" for _ in range(N)],
                       "district": ["Goma", "Bukavu"] * (N // 2)})
    t = _scan_df(df)
    assert {c: roles(t)[c] for c in ("wallet", "momo")} == {"wallet": "direct", "momo": "direct"}


def test_given_names_alone_and_arabic_item_names(tmp_path):
    """'nome' held the first names of a Mozambican list (15 names over 200 people, the surname
    in 'apelido'): none. 'ism_al_madda' (the item's name) over two kinds of assistance must not
    become a person's name for holding two Arabic words."""
    rng = random.Random(8)
    first = ["Luísa", "Tomás", "Albino", "Esperança", "Benedita", "Celeste", "Custódio",
             "Ernesto", "João", "Armando", "Fátima", "Felizarda", "Lurdes", "Jacinto", "Graça"]
    df = pd.DataFrame({"nome": [rng.choice(first) for _ in range(200)],
                       "apelido": [rng.choice(["Machava", "Sitoe", "Cossa"]) for _ in range(200)],
                       "ism_al_madda": [rng.choice(["قسيمة نقدية", "سلة غذائية"])
                                        for _ in range(200)]})
    t = _scan_csv(tmp_path, df)
    assert roles(t) == {"nome": "direct", "apelido": "direct", "ism_al_madda": "none"}


def test_a_supervisor_column_holds_names(tmp_path):
    """A 'supervisor' block beside a list (one name, with a phone) kept the name in public
    copies: 'supervisor' was no person word."""
    df = pd.DataFrame({"household": [f"HH-{i:03d}" for i in range(N)],
                       "district": ["Goma", "Bukavu"] * (N // 2),
                       "supervisor": ["Amina Kabila"] + [None] * (N - 1)})
    assert roles(_scan_csv(tmp_path, df))["supervisor"] == "direct"


def test_needs_and_services_are_sensitive_in_records_not_in_a_3w(tmp_path):
    """HXL #need and #service at row level ('Manejo de casos VBG' received by a person) are
    sensitive (rules, HXL roles: SENS at row level); in a 3W they are a dimension of counts."""
    rng = random.Random(4)
    people = pd.DataFrame({
        "Nombre": [f"{rng.choice(FIRST)} {rng.choice(LAST)}" for _ in range(N)],
        "Edad": [rng.randint(18, 70) for _ in range(N)],
        "Necesidad": [rng.choice(["Atención VBG", "Salud mental", "Documentación"])
                      for _ in range(N)],
        "Servicio recibido": [rng.choice(["Manejo de casos VBG", "Apoyo psicosocial"])
                              for _ in range(N)]})
    t = _scan_csv(tmp_path, people, hxl=["#beneficiary+name", "#beneficiary+age",
                                         "#need+type", "#service+provided"])
    assert {c: (roles(t)[c], ents(t)[c]) for c in ("Necesidad", "Servicio recibido")} == {
        "Necesidad": ("sensitive", "NEED_OR_SERVICE"),
        "Servicio recibido": ("sensitive", "NEED_OR_SERVICE")}
    w3 = pd.DataFrame({"Organización": [f"Org {i % 6}" for i in range(N)],
                       "Departamento": [rng.choice(["Nariño", "Cauca"]) for _ in range(N)],
                       "Servicio": [rng.choice(["Salud", "Agua", "Protección"])
                                    for _ in range(N)],
                       "Personas alcanzadas": [rng.randint(50, 900) for _ in range(N)]})
    t = _scan_csv(tmp_path, w3, name="3w.csv",
                  hxl=["#org", "#adm1+name", "#service", "#reached"])
    assert roles(t)["Servicio"] == "none"
