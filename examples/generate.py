"""Generate the synthetic humanitarian example datasets in this folder.

Every person, phone number, ID, place-to-person link and story below is invented by a seeded
random generator: running this script again gives byte-identical CSV files (the xlsx and Parquet
files carry fixed timestamps too). Nothing here comes from a real operation.

    python examples/generate.py            # rewrite the files next to this script
    python examples/generate.py OUT_DIR    # write them somewhere else

Only the standard library plus pandas, pyarrow and openpyxl are used (no Faker), so the script
runs in datasafe's own environment.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import sys
import uuid
from pathlib import Path

SEED = 20240611
FIXED_TIME = dt.datetime(2024, 6, 11, 8, 0, 0)

# --------------------------------------------------------------------------------------------
# Name pools (given names / family names per region). Spelling as found in registration lists.

NAMES = {
    "congolese": {
        "m": ["Jean-Pierre", "Patrick", "Héritier", "Christian", "Dieudonné", "Joseph", "Pascal",
              "Trésor", "Fiston", "Jonathan", "Emmanuel", "Gloire", "Espoir", "Blaise", "Serge",
              "Kambale", "Kasereka", "Muhindo", "Paluku", "Baraka"],
        "f": ["Esther", "Furaha", "Neema", "Chantal", "Mapendo", "Sifa", "Françoise", "Bahati",
              "Aline", "Rachel", "Kavira", "Masika", "Kahindo", "Grâce", "Solange", "Odette",
              "Clarisse", "Nadège", "Zawadi", "Riziki"],
        "family": ["Mukendi", "Kabamba", "Ilunga", "Kasongo", "Tshibangu", "Mbuyi", "Nzuzi",
                   "Kalala", "Lukusa", "Mwamba", "Kabila", "Mutombo", "Bahati", "Mumbere",
                   "Kambale", "Kasereka", "Sikuli", "Vahwere", "Mastaki", "Bisimwa", "Cirhuza",
                   "Mugisho", "Ngandu", "Mbala", "Kahindo", "Lobo"],
    },
    "hausa": {
        "m": ["Abubakar", "Musa", "Usman", "Ibrahim", "Sani", "Aminu", "Bashir", "Yusuf",
              "Nasiru", "Kabiru", "Haruna", "Lawal", "Garba", "Shehu"],
        "f": ["Aisha", "Hauwa", "Zainab", "Hadiza", "Fatima", "Maryam", "Halima", "Rakiya",
              "Amina", "Binta", "Jummai", "Hafsat", "Saadatu", "Khadija"],
        "family": ["Bello", "Abdullahi", "Mohammed", "Danjuma", "Suleiman", "Umar", "Aliyu",
                   "Yakubu", "Adamu", "Lawan", "Shettima", "Bukar", "Modu", "Goni"],
    },
    "somali": {
        "m": ["Mohamed", "Abdi", "Ahmed", "Hassan", "Abdirahman", "Omar", "Yusuf", "Ismail",
              "Abdullahi", "Farah", "Mahad", "Liban", "Guled", "Bashir"],
        "f": ["Fadumo", "Hodan", "Ayaan", "Hawa", "Sahra", "Asha", "Khadija", "Ubah", "Ifrah",
              "Nimco", "Deeqa", "Sagal", "Hibo", "Faadumo"],
        "family": ["Hassan", "Warsame", "Ali", "Abdi", "Farah", "Osman", "Jama", "Nur", "Aden",
                   "Mohamud", "Hirsi", "Egal", "Dahir", "Gedi"],
    },
    "syrian": {
        "m": ["Ahmad", "Khaled", "Omar", "Mahmoud", "Yousef", "Ali", "Hussein", "Samer", "Bassel",
              "Rami", "Tarek", "Mohammad", "Fadi", "Ibrahim"],
        "f": ["Fatima", "Rania", "Lama", "Hiba", "Nour", "Reem", "Yasmin", "Rasha", "Dima",
              "Maysa", "Salma", "Ghada", "Layal", "Aya"],
        "family": ["Al-Hassan", "Al-Khatib", "Haddad", "Al-Ahmad", "Kassem", "Al-Ali", "Hamdan",
                   "Al-Masri", "Al-Halabi", "Darwish", "Shami", "Al-Homsi", "Saleh", "Najjar"],
    },
    "sahel": {
        "m": ["Moussa", "Oumar", "Boubacar", "Amadou", "Seydou", "Issa", "Mamadou", "Adama",
              "Souleymane", "Hamidou", "Ousmane", "Abdoulaye", "Idrissa", "Salif"],
        "f": ["Aminata", "Fatoumata", "Mariam", "Kadiatou", "Awa", "Ramatou", "Salamata",
              "Aïssata", "Hadjara", "Oumou", "Djeneba", "Rokia", "Assétou", "Bintou"],
        "family": ["Traoré", "Diallo", "Coulibaly", "Keïta", "Maïga", "Sawadogo", "Ouédraogo",
                   "Cissé", "Touré", "Sidibé", "Diarra", "Barry", "Sanogo", "Kaboré", "Zongo"],
    },
}
REGION_WEIGHTS = [("congolese", 60), ("hausa", 10), ("somali", 8), ("syrian", 7), ("sahel", 15)]

# DRC admin areas with OCHA-style P-codes (admin1 CDxx, admin2 CDxxxx) and rough centres.
ADMIN = {
    ("Nord-Kivu", "CD61"): [("Goma", "CD6101", -1.679, 29.226), ("Beni", "CD6102", 0.491, 29.473),
                            ("Lubero", "CD6103", -0.158, 29.243),
                            ("Masisi", "CD6104", -1.401, 28.815),
                            ("Rutshuru", "CD6105", -1.187, 29.448),
                            ("Nyiragongo", "CD6106", -1.518, 29.253),
                            ("Walikale", "CD6107", -1.419, 28.054)],
    ("Sud-Kivu", "CD62"): [("Bukavu", "CD6201", -2.508, 28.860), ("Fizi", "CD6202", -4.301, 28.944),
                           ("Kabare", "CD6204", -2.449, 28.797),
                           ("Kalehe", "CD6205", -2.104, 28.911),
                           ("Uvira", "CD6208", -3.395, 29.138),
                           ("Shabunda", "CD6207", -2.696, 27.337)],
    ("Ituri", "CD54"): [("Bunia", "CD5401", 1.566, 30.252), ("Djugu", "CD5403", 1.922, 30.502),
                        ("Irumu", "CD5404", 1.450, 29.866), ("Mahagi", "CD5405", 2.306, 30.996),
                        ("Mambasa", "CD5406", 1.359, 29.034)],
    ("Tanganyika", "CD74"): [("Kalemie", "CD7401", -5.947, 29.194),
                             ("Nyunzu", "CD7406", -5.955, 28.019),
                             ("Manono", "CD7404", -7.300, 27.417)],
}
VILLAGES = ["Kibumba", "Kanyaruchinya", "Bulengo", "Lushagala", "Rusayo", "Mugunga", "Kitchanga",
            "Mweso", "Sake", "Minova", "Kalehe-centre", "Nyangezi", "Kavumu", "Oicha", "Mavivi",
            "Eringeti", "Mangina", "Rhoe", "Plaine Savo", "Komanda", "Nizi", "Katanika",
            "Kalunga", "Tabacongo"]

ASSISTANCE = [("cash", 60), ("food", 20), ("nfi_kit", 8), ("shelter_kit", 5), ("hygiene_kit", 7)]
AMOUNTS = {"cash": [45, 60, 75, 90, 120, 150], "food": [0], "nfi_kit": [0], "shelter_kit": [0],
           "hygiene_kit": [0]}


def wchoice(rng: random.Random, pairs):
    items, weights = zip(*pairs)
    return rng.choices(items, weights=weights, k=1)[0]


def person_name(rng: random.Random, region: str, sex: str, style: str = "mixed") -> str:
    pool = NAMES[region]
    given = rng.choice(pool[sex])
    fam = rng.choice(pool["family"])
    if region == "congolese":
        # "NOM Postnom Prénom" as on Congolese cards, or "Prénom Nom"
        if rng.random() < 0.5:
            return f"{fam.upper()} {rng.choice(pool['family'])} {given}"
        return f"{given} {fam}"
    if region == "somali":
        return f"{given} {rng.choice(NAMES['somali']['m'])} {fam}"
    if region == "hausa" and rng.random() < 0.3:
        return f"{given} {rng.choice(NAMES['hausa']['m'])} {fam}"
    if region == "sahel" and rng.random() < 0.4:
        return f"{fam.upper()} {given}"
    return f"{given} {fam}"


def phone(rng: random.Random, region: str) -> str:
    d = lambda n: "".join(str(rng.randrange(10)) for _ in range(n))  # noqa: E731
    if region in ("congolese",) or rng.random() < 0.5:
        op = rng.choice(["81", "82", "83", "84", "85", "89", "97", "98", "99", "90"])
        rest = d(7)
        form = rng.randrange(6)
        if form == 0:
            return f"+243{op}{rest}"
        if form == 1:
            return f"0{op}{rest}"
        if form == 2:
            return f"+243 {op} {rest[:3]} {rest[3:]}"
        if form == 3:
            return f"00243{op}{rest}"
        if form == 4:
            return f"0{op} {rest[:3]} {rest[3:5]} {rest[5:]}"
        return f"243{op}{rest}"
    if region == "hausa":
        op = rng.choice(["803", "806", "813", "816", "703", "706", "810", "902"])
        rest = d(7)
        return rng.choice([f"+234 {op} {rest[:3]} {rest[3:]}", f"0{op}{rest}",
                           f"+234{op}{rest}"])
    if region == "somali":
        op = rng.choice(["61", "62", "63", "65", "90"])
        rest = d(7)
        return rng.choice([f"+252 {op} {rest}", f"+252{op}{rest}", f"0{op}{rest}"])
    if region == "syrian":
        op = rng.choice(["93", "94", "95", "96", "98", "99"])
        rest = d(7)
        return rng.choice([f"+963 {op}{rest[0]} {rest[1:4]} {rest[4:]}", f"0{op}{rest}",
                           f"+963{op}{rest}", f"00963 {op} {rest}"])
    # Sahel: Burkina Faso / Mali / Niger
    cc, first = rng.choice([("226", "7"), ("226", "6"), ("223", "7"), ("227", "9")])
    rest = first + d(7)
    return rng.choice([f"+{cc} {rest[:2]} {rest[2:4]} {rest[4:6]} {rest[6:]}", f"+{cc}{rest}",
                       f"{rest[:2]} {rest[2:4]} {rest[4:6]} {rest[6:]}"])


def rdate(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def det_uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def write_csv(path: Path, header: list[str], rows: list[list], hxl: list[str] | None = None):
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        if hxl:
            w.writerow(hxl)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])


# --------------------------------------------------------------------------------------------
# 1. Beneficiary registration list

HEALTH_NOTES = [
    "femme enceinte, suivi prénatal au CS {village}",
    "enfant malnutri (MAS) référé à l'UNTA",
    "chef de ménage vivant avec le VIH, sous ARV",
    "diabetic, needs insulin",
    "handicap moteur, utilise une chaise roulante",
    "personne âgée seule, malvoyante",
    "TB patient on treatment",
    "enfant avec épilepsie",
]
GBV_NOTES = [
    "survivante de violence sexuelle, référée au CS {village} (cas VBG)",
    "GBV survivor, referred to psychosocial support",
    "a fui après un viol par des hommes armés, suivie par {org}",
    "mariage forcé évité, fille de 15 ans placée en famille d'accueil",
    "violence conjugale signalée, voir agent de protection",
]
NAME_NOTES = [
    "enfant non accompagné, confié à {name}",
    "le mari {name} est détenu à Munzenze",
    "contacter {name} au {phone} pour la distribution",
    "ménage recommandé par le chef de village {name}",
    "veuve de {name}, tué à {village}",
    "call brother {name} on {phone} if absent",
]
PLAIN_NOTES = [
    "ménage déplacé depuis 2023", "maison détruite", "arrivée récente du site de {village}",
    "famille d'accueil", "aucun revenu", "orphelins à charge", "besoin en AME", "RAS",
    "nouvel arrivant, sans document", "déplacé pour la 3e fois",
]
ORGS = ["AIDES", "CARITAS Goma", "HEAL Africa", "Panzi", "SOFEPADI", "AVSI", "NRC", "IRC",
        "Save the Children", "MSF", "PAM", "UNICEF", "HCR", "OIM", "ACTED", "Mercy Corps",
        "World Vision", "COOPI", "Solidarités International", "ALIMA", "CONCERN"]


def beneficiary_registration(rng: random.Random, n: int = 1200):
    header = ["registration_no", "full_name", "sex", "date_of_birth", "national_id", "phone",
              "admin1", "admin1_pcode", "admin2", "admin2_pcode", "village", "gps_latitude",
              "gps_longitude", "household_id", "household_size", "registration_date",
              "assistance_type", "amount", "currency", "vulnerability_notes"]
    rows = []
    admins = [(a1, p1, a2) for (a1, p1), lst in ADMIN.items() for a2 in lst]
    hh_counter = 0
    current_hh = None
    hh_left = 0
    for _ in range(n):
        region = wchoice(rng, REGION_WEIGHTS)
        sex = rng.choice("mf")
        if hh_left <= 0:
            hh_counter += 1
            a1, p1, (a2, p2, lat0, lon0) = rng.choice(admins)
            size = max(1, min(14, int(rng.gauss(6, 2.5))))
            current_hh = {
                "id": f"HH-{p2}-{hh_counter:05d}", "a1": a1, "p1": p1, "a2": a2, "p2": p2,
                "lat": lat0 + rng.uniform(-0.15, 0.15), "lon": lon0 + rng.uniform(-0.15, 0.15),
                "size": size, "village": rng.choice(VILLAGES),
            }
            # most households register one person, some two or three
            hh_left = wchoice(rng, [(1, 75), (2, 20), (3, 5)])
        hh_left -= 1
        h = current_hh
        dob = rdate(rng, dt.date(1940, 1, 1), dt.date(2006, 6, 1))
        if rng.random() < 0.08:  # the classic "1st of January" registration default
            dob = dt.date(dob.year, 1, 1)
        nid_form = rng.randrange(3)
        if nid_form == 0:
            nid = f"{rng.randrange(10**9):010d}"  # keeps leading zeros
        elif nid_form == 1:
            nid = f"{rng.randrange(10**12, 10**13)}"
        else:
            nid = f"CD{rng.randrange(10**7):07d}{rng.choice('ABCDEFGH')}"
        if rng.random() < 0.12:
            nid = ""
        assistance = wchoice(rng, ASSISTANCE)
        amount = rng.choice(AMOUNTS[assistance])
        note = ""
        r = rng.random()
        tmpl_args = {"village": h["village"], "org": rng.choice(ORGS),
                     "name": person_name(rng, region, rng.choice("mf")),
                     "phone": phone(rng, region)}
        if r < 0.10:
            note = rng.choice(HEALTH_NOTES).format(**tmpl_args)
        elif r < 0.16:
            note = rng.choice(GBV_NOTES).format(**tmpl_args)
        elif r < 0.24:
            note = rng.choice(NAME_NOTES).format(**tmpl_args)
        elif r < 0.45:
            note = rng.choice(PLAIN_NOTES).format(**tmpl_args)
        reg_date = rdate(rng, dt.date(2024, 1, 8), dt.date(2024, 5, 31))
        rows.append([
            f"COD-24-{rng.randrange(10**6):06d}",
            person_name(rng, region, sex),
            rng.choice(["F", "Féminin", "f"]) if sex == "f" and rng.random() < 0.1 else
            ("F" if sex == "f" else "M"),
            dob.isoformat(),
            nid,
            phone(rng, region) if rng.random() > 0.06 else "",
            h["a1"], h["p1"], h["a2"], h["p2"], h["village"],
            f"{h['lat'] + rng.uniform(-0.004, 0.004):.{rng.choice([5, 6])}f}",
            f"{h['lon'] + rng.uniform(-0.004, 0.004):.{rng.choice([5, 6])}f}",
            h["id"], h["size"],
            reg_date.isoformat(),
            assistance,
            amount if amount else "",
            "USD" if amount else "",
            note,
        ])
    return header, rows


def write_parquet(path: Path, header: list[str], rows: list[list]) -> None:
    """The registration list as typed Parquet (several row groups; dictionary-encoded
    categories), as a data warehouse export would hold it."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cols = {h: [r[i] for r in rows] for i, h in enumerate(header)}

    def nullable(vals):
        return [None if v == "" else v for v in vals]

    arrays = {}
    for h, vals in cols.items():
        vals = nullable(vals)
        if h in ("date_of_birth", "registration_date"):
            arrays[h] = pa.array([None if v is None else dt.date.fromisoformat(v) for v in vals],
                                 pa.date32())
        elif h in ("gps_latitude", "gps_longitude"):
            arrays[h] = pa.array([None if v is None else float(v) for v in vals], pa.float64())
        elif h in ("household_size",):
            arrays[h] = pa.array(vals, pa.int16())
        elif h == "amount":
            arrays[h] = pa.array([None if v is None else float(v) for v in vals], pa.float64())
        elif h in ("sex", "admin1", "admin1_pcode", "admin2", "admin2_pcode", "assistance_type",
                   "currency"):
            arrays[h] = pa.array(vals, pa.string()).dictionary_encode()
        else:
            arrays[h] = pa.array(vals, pa.string())
    table = pa.table(arrays)
    pq.write_table(table, path, row_group_size=500, compression="zstd")


# --------------------------------------------------------------------------------------------
# 2. Household survey (Kobo export, French headers, HXL row)

COMMUNES = {  # Burkina Faso: commune -> localités
    "Djibo": ["Secteur 1", "Secteur 5", "Mentao", "Pelhoute"],
    "Kaya": ["Secteur 3", "Tangasgo", "Basnéré", "Delga"],
    "Dori": ["Secteur 2", "Wendou", "Bafélé", "Kampiti"],
    "Barsalogho": ["Centre", "Foubé", "Guendbila"],
    "Ouahigouya": ["Secteur 12", "Youba", "Kalsaka"],
    "Gorom-Gorom": ["Centre", "Tin-Akoff", "Markoye"],
    "Fada N'Gourma": ["Secteur 7", "Natiaboani", "Kikideni"],
    "Kongoussi": ["Centre", "Sabcé", "Tikaré"],
}
ETHNIES = [("Mossi", 45), ("Peul", 25), ("Gourmantché", 10), ("Fulsé", 5), ("Touareg", 3),
           ("Bella", 3), ("Dioula", 4), ("Samo", 3), ("Songhaï", 2)]
RELIGIONS = [("musulmane", 62), ("chrétienne_catholique", 18), ("chrétienne_protestante", 8),
             ("animiste", 10), ("aucune", 2)]
STATUT_DEP = [("pdi", 48), ("communaute_hote", 38), ("retourne", 10), ("refugie", 4)]
STATUT_MAT = [("marie_monogame", 45), ("marie_polygame", 20), ("veuf_veuve", 15),
              ("celibataire", 10), ("divorce_separe", 8), ("union_libre", 2)]
BESOINS = ["vivres", "abris", "eau", "sante", "education", "protection", "moyens_existence",
           "articles_menagers"]
SOURCES_EAU = ["forage", "puits_protege", "puits_non_protege", "eau_surface", "camion_citerne",
               "robinet_public"]
COMMENTS = ["", "", "", "", "", "Le chef de ménage est malade depuis 2 mois (paludisme)",
            "Ménage arrivé de {commune} après l'attaque du village",
            "La répondante demande à être rappelée au {phone}",
            "Présence d'une personne handicapée mentale",
            "Le fils aîné a été enlevé par des hommes armés",
            "Refus de répondre aux questions sur les revenus",
            "Enquête interrompue, à reprendre"]


def household_survey(rng: random.Random, n: int = 640):
    header = ["start", "end", "today", "deviceid", "enqueteur", "consentement",
              "grp_localisation/region", "grp_localisation/commune", "grp_localisation/localite",
              "grp_demo/sexe_chef_menage", "grp_demo/age_chef_menage",
              "grp_demo/statut_matrimonial", "grp_demo/taille_menage",
              "grp_demo/nb_enfants_moins5", "grp_demo/statut_deplacement",
              "grp_demo/annee_arrivee", "grp_demo/religion", "grp_demo/ethnie",
              "grp_demo/handicap", "grp_demo/niveau_instruction",
              "grp_besoins/besoin_prioritaire", "grp_besoins/source_eau",
              "grp_besoins/revenu_mensuel_fcfa", "grp_besoins/commentaire", "poids", "id_menage",
              "_id", "_uuid", "_submission_time", "_index"]
    hxl = ["#date+start", "#date+end", "#date+survey", "#meta+device", "#meta+enumerator",
           "#meta+consent", "#adm1+name", "#adm3+name", "#loc+name", "#respondee+head+sex",
           "#respondee+head+age", "#respondee+head+marital_status", "#affected+hh+size",
           "#affected+children+u5", "#population+type", "#date+arrival", "#respondee+religion",
           "#respondee+ethnicity", "#respondee+disability", "#respondee+education",
           "#need+priority", "#indicator+water_source", "#indicator+income+monthly",
           "#description+comment", "#meta+weight", "#household+id", "#meta+id", "#meta+uuid",
           "#date+submitted", "#meta+index"]
    enumerators = [person_name(rng, "sahel", rng.choice("mf")) for _ in range(14)]
    devices = [f"collect:{''.join(rng.choice('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789') for _ in range(16))}"
               for _ in range(14)]
    communes = list(COMMUNES)
    # strata weights: each commune has its own sampling weight, with a small per-record jitter
    strata_w = {c: rng.uniform(8, 60) for c in communes}
    rows = []
    for i in range(n):
        e = rng.randrange(len(enumerators))
        day = rdate(rng, dt.date(2024, 3, 4), dt.date(2024, 3, 29))
        start = dt.datetime.combine(day, dt.time(rng.randrange(7, 17), rng.randrange(60),
                                                 rng.randrange(60), rng.randrange(1000) * 1000))
        end = start + dt.timedelta(minutes=rng.randrange(18, 75), seconds=rng.randrange(60))
        sub = end + dt.timedelta(hours=rng.randrange(0, 30), minutes=rng.randrange(60))
        commune = rng.choice(communes)
        region = {"Djibo": "Sahel", "Dori": "Sahel", "Gorom-Gorom": "Sahel",
                  "Kaya": "Centre-Nord", "Barsalogho": "Centre-Nord", "Kongoussi": "Centre-Nord",
                  "Ouahigouya": "Nord", "Fada N'Gourma": "Est"}[commune]
        sex = "femme" if rng.random() < 0.38 else "homme"
        age = max(16, min(92, int(rng.gauss(42, 13))))
        taille = max(1, min(22, int(rng.gauss(7, 3))))
        dep = wchoice(rng, STATUT_DEP)
        comment = rng.choice(COMMENTS).format(commune=rng.choice(communes),
                                              phone=phone(rng, "sahel"))
        revenu = "" if rng.random() < 0.1 else str(rng.choice(
            [0, 5000, 10000, 15000, 20000, 25000, 30000, 40000, 50000, 75000, 100000, 150000]))
        rows.append([
            start.isoformat(timespec="milliseconds") + "+00:00",
            end.isoformat(timespec="milliseconds") + "+00:00",
            day.isoformat(),
            devices[e], enumerators[e], "oui", region, commune,
            rng.choice(COMMUNES[commune]), sex, age, wchoice(rng, STATUT_MAT), taille,
            rng.randrange(0, min(taille, 5) + 1), dep,
            "" if dep == "communaute_hote" else rng.choice(["2019", "2020", "2021", "2022",
                                                            "2023", "2024"]),
            wchoice(rng, RELIGIONS), wchoice(rng, ETHNIES),
            "oui" if rng.random() < 0.09 else "non",
            rng.choice(["aucun", "aucun", "coranique", "primaire", "secondaire", "superieur"]),
            rng.choice(BESOINS), rng.choice(SOURCES_EAU), revenu, comment,
            f"{strata_w[commune] * rng.uniform(0.9, 1.1):.6f}",
            f"BF-MEN-{i + 1:04d}",
            str(180_000_000 + rng.randrange(10**6)),
            det_uuid(rng),
            sub.strftime("%Y-%m-%dT%H:%M:%S"),
            str(i + 1),
        ])
    return header, hxl, rows


# --------------------------------------------------------------------------------------------
# 3. 3W / 5W workbook

SECTORS = ["Protection", "Santé", "Sécurité alimentaire", "WASH", "Abris/AME", "Nutrition",
           "Éducation", "CCCM"]
ACTIVITIES = {
    "Protection": ["Prise en charge psychosociale", "Gestion de cas VBG", "Monitoring de protection"],
    "Santé": ["Consultations curatives", "Vaccination rougeole", "Prise en charge médicale VBG"],
    "Sécurité alimentaire": ["Distribution de vivres", "Transferts monétaires", "Semences"],
    "WASH": ["Construction de latrines", "Water trucking", "Kits d'hygiène"],
    "Abris/AME": ["Kits AME", "Abris d'urgence"],
    "Nutrition": ["Dépistage MAS/MAM", "PEC MAS"],
    "Éducation": ["Espaces d'apprentissage temporaires", "Kits scolaires"],
    "CCCM": ["Gestion de site", "Enregistrement des ménages"],
}
ORG_TYPES = {"NRC": "INGO", "IRC": "INGO", "Save the Children": "INGO", "MSF": "INGO",
             "AVSI": "INGO", "ACTED": "INGO", "Mercy Corps": "INGO", "COOPI": "INGO",
             "World Vision": "INGO", "Solidarités International": "INGO", "ALIMA": "INGO",
             "CONCERN": "INGO", "PAM": "UN", "UNICEF": "UN", "HCR": "UN", "OIM": "UN",
             "AIDES": "NNGO", "CARITAS Goma": "NNGO", "HEAL Africa": "NNGO", "Panzi": "NNGO",
             "SOFEPADI": "NNGO"}


def three_w(rng: random.Random, path: Path, n: int = 320) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "datasafe example generator"
    ws = wb.active
    ws.title = "3W"
    ws.append(["3W — Qui fait quoi où — Est de la RDC, T1 2024 (données synthétiques)"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["Source : partenaires des clusters, mis à jour le 2024-04-15"])
    header = ["Organisation", "Type d'organisation", "Secteur", "Activité", "Province",
              "Code province", "Territoire", "Code territoire", "Statut", "Date de début",
              "Date de fin", "Femmes atteintes", "Hommes atteints", "Filles atteintes",
              "Garçons atteints", "Total atteint"]
    hxl = ["#org+name", "#org+type", "#sector", "#activity", "#adm1+name", "#adm1+code",
           "#adm2+name", "#adm2+code", "#status", "#date+start", "#date+end", "#reached+f+adults",
           "#reached+m+adults", "#reached+f+children", "#reached+m+children", "#reached+total"]
    ws.append(header)
    for c in ws[3]:
        c.font = Font(bold=True)
    ws.append(hxl)
    admins = [(a1, p1, a2) for (a1, p1), lst in ADMIN.items() for a2 in lst]
    seen = set()
    while len(seen) < n:
        org = rng.choice(list(ORG_TYPES))
        sector = rng.choice(SECTORS)
        act = rng.choice(ACTIVITIES[sector])
        a1, p1, (a2, p2, _, _) = rng.choice(admins)
        if (org, act, p2) in seen:
            continue
        seen.add((org, act, p2))
        scale = rng.choice([3, 10, 40, 150, 600, 2500])
        if "VBG" in act:
            scale = rng.choice([2, 3, 6, 12, 30])

        def cnt(s=scale):
            return max(0, int(rng.expovariate(1 / s)))

        f, m, g, b = cnt(), cnt(), cnt(), cnt()
        if "VBG" in act:
            m, b = rng.randrange(0, 3), rng.randrange(0, 3)
        start = rdate(rng, dt.date(2023, 10, 1), dt.date(2024, 2, 28))
        status = rng.choice(["En cours", "En cours", "Terminé", "Planifié"])
        end = start + dt.timedelta(days=rng.choice([30, 60, 90, 180, 365]))
        ws.append([org, ORG_TYPES[org], sector, act, a1, p1, a2, p2, status, start, end,
                   f, m, g, b, f + m + g + b])
        r = ws.max_row
        ws.cell(r, 10).number_format = "yyyy-mm-dd"
        ws.cell(r, 11).number_format = "yyyy-mm-dd"

    contacts = wb.create_sheet("Contacts")
    contacts.append(["Organisation", "Point focal", "Fonction", "Téléphone", "Email"])
    for org in ORG_TYPES:
        region = wchoice(rng, REGION_WEIGHTS)
        nm = person_name(rng, region, rng.choice("mf"))
        contacts.append([org, nm, rng.choice(["Coordinateur terrain", "IMO", "Chef de projet",
                                              "Point focal cluster", "Program Manager"]),
                         phone(rng, "congolese"), email_for(nm, org)])

    lists = wb.create_sheet("Listes")
    lists.append(["Secteurs", "Statuts", "Types"])
    statuses = ["En cours", "Terminé", "Planifié"]
    types = ["UN", "INGO", "NNGO", "Gouvernement"]
    for i in range(max(len(SECTORS), len(statuses), len(types))):
        lists.append([SECTORS[i] if i < len(SECTORS) else None,
                      statuses[i] if i < len(statuses) else None,
                      types[i] if i < len(types) else None])
    lists.sheet_state = "hidden"
    wb.save(path)
    _freeze_zip(path)


def _freeze_zip(path: Path) -> None:
    """openpyxl stamps the save time into the zip entries and docProps/core.xml; fix both so
    that the workbook is byte-identical run after run."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as zf:
        items = [(i.filename, zf.read(i.filename)) for i in zf.infolist()]
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp,
                              data)
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)


def email_for(name: str, org: str) -> str:
    import unicodedata

    def ascii_(s: str) -> str:
        return "".join(c for c in unicodedata.normalize("NFKD", s) if c.isascii())

    parts = [p for p in ascii_(name).lower().replace("-", " ").split() if p]
    domain = {"PAM": "wfp.org", "UNICEF": "unicef.org", "HCR": "unhcr.org", "OIM": "iom.int",
              "MSF": "msf.org", "NRC": "nrc.no", "IRC": "rescue.org",
              "Save the Children": "savethechildren.org"}.get(
        org, ascii_(org).lower().replace(" ", "") + ".org")
    local = f"{parts[0]}.{parts[-1]}" if len(parts) > 1 else parts[0]
    return f"{local}@{domain}"


# --------------------------------------------------------------------------------------------
# 4. Protection / GBV incident log

INCIDENTS = [("viol", 22), ("agression_sexuelle", 12), ("agression_physique", 14),
             ("mariage_force", 6), ("deni_ressources", 6), ("violence_psychologique", 8),
             ("enlevement", 7), ("recrutement_enfant", 4), ("arrestation_arbitraire", 8),
             ("extorsion", 7), ("meurtre", 3), ("travail_force", 3)]
PERPETRATORS = ["groupe armé non identifié", "partenaire intime", "membre de la famille",
                "militaires", "voisin", "inconnu", "employeur", "policier"]
NARRATIVES = {
    "sexual": [
        "{name} ({age} ans) a été {verb} près de {place} alors qu'elle allait chercher du bois. "
        "Elle a été référée au CS de {place}.",
        "Survivor reports being attacked by {perp} on the road to {place}. Her husband {man} "
        "threatened her afterwards. Referred to {org}.",
        "La survivante vit avec sa tante {woman}; contact au {phone}. Prise en charge médicale "
        "dans les 72h (kit PEP).",
        "Femme enceinte de 6 mois, victime de viol. Orientée vers {org} pour soutien "
        "psychosocial.",
        "Fille de {age} ans mariée de force à {man}, chef de quartier à {place}.",
    ],
    "physical": [
        "Le survivant, {age} ans, a été frappé par {perp} et a perdu l'usage de son bras.",
        "{name} battue par son mari devant les enfants; refuse d'être référée.",
        "Violence conjugale répétée; la survivante est hébergée chez {woman} ({phone}).",
        "Intimidation et menaces après la distribution à {place}; séquelles psychologiques.",
    ],
    "abduction": [
        "{name} was abducted from {place} and released after 3 days; family paid ransom.",
        "Enfant de {age} ans recruté par un groupe armé à {place}, s'est échappé et se trouve "
        "chez {man}.",
        "Arrêté sans mandat au barrage de {place} par {perp}, libéré contre 50 USD.",
        "Forced to carry goods for {perp} for two weeks near {place}.",
    ],
    "other": [
        "Cas signalé par le relais communautaire {man}. Pas de suivi possible (déplacement).",
        "Pas de détails supplémentaires. Consentement pour le partage de données : non.",
        "Extorsion de la ration par {perp} au point de distribution de {place}.",
        "{name} n'a plus accès aux champs depuis l'incident; ménage sans revenu.",
    ],
}
CATEGORY = {"viol": "sexual", "agression_sexuelle": "sexual", "mariage_force": "sexual",
            "agression_physique": "physical", "violence_psychologique": "physical",
            "deni_ressources": "other", "enlevement": "abduction",
            "recrutement_enfant": "abduction", "arrestation_arbitraire": "abduction",
            "extorsion": "other", "meurtre": "other", "travail_force": "abduction"}


def protection_incidents(rng: random.Random, n: int = 420):
    header = ["case_id", "date_reported", "incident_date", "incident_type", "survivor_age",
              "survivor_sex", "survivor_displacement_status", "admin2", "location",
              "perpetrator_type", "referred_to", "consent_to_share", "caseworker", "narrative"]
    caseworkers = [person_name(rng, "congolese", rng.choice("mf")) for _ in range(9)]
    admins = [(a1, p1, a2) for (a1, p1), lst in ADMIN.items() for a2 in lst]
    rows = []
    for i in range(n):
        itype = wchoice(rng, INCIDENTS)
        sexual = itype in ("viol", "agression_sexuelle", "mariage_force")
        sex = "F" if sexual and rng.random() < 0.94 else rng.choice(["F", "M"])
        if itype in ("recrutement_enfant", "mariage_force"):
            age = rng.randrange(11, 18)
        else:
            age = max(4, min(80, int(rng.gauss(24, 11))))
        incident = rdate(rng, dt.date(2023, 11, 1), dt.date(2024, 5, 20))
        reported = incident + dt.timedelta(days=int(rng.expovariate(1 / 6)))
        _, _, (a2, p2, _, _) = rng.choice(admins)
        place = rng.choice(VILLAGES)
        region = wchoice(rng, REGION_WEIGHTS[:1] + [("sahel", 3)])
        narrative = rng.choice(NARRATIVES[CATEGORY[itype]]).format(
            name=person_name(rng, region, "f" if sex == "F" else "m"),
            man=person_name(rng, region, "m"), woman=person_name(rng, region, "f"),
            age=age, place=place, perp=rng.choice(PERPETRATORS), org=rng.choice(ORGS),
            verb=rng.choice(["violée", "agressée"]), phone=phone(rng, "congolese"))
        rows.append([
            f"PRT-{p2}-{reported.year % 100:02d}-{i + 1:04d}",
            reported.isoformat(), incident.isoformat(), itype, age, sex,
            wchoice(rng, [("deplace", 60), ("hote", 30), ("retourne", 10)]),
            a2, place, rng.choice(PERPETRATORS),
            rng.choice(["santé", "psychosocial", "juridique", "santé;psychosocial", "aucun",
                        "abri sécurisé"]),
            rng.choice(["oui", "non", "non"]),
            rng.choice(caseworkers),
            narrative,
        ])
    return header, rows


# --------------------------------------------------------------------------------------------
# 5. Aid-worker contact list

ROLES = ["Coordinateur de projet", "Chargé de protection", "IMO", "Agent de terrain",
         "Logisticien", "Field Officer", "Program Manager", "Psychologue", "Infirmier(ère)",
         "Chauffeur", "Chargé de suivi-évaluation", "Assistant(e) cash", "Head of Office"]
STATIONS = ["Goma", "Bukavu", "Beni", "Bunia", "Uvira", "Kalemie", "Kinshasa", "Butembo",
            "Rutshuru", "Masisi"]


def aid_worker_contacts(rng: random.Random, n: int = 320):
    header = ["name", "organisation", "role", "duty_station", "phone", "phone_2", "email",
              "languages"]
    rows = []
    for _ in range(n):
        region = wchoice(rng, REGION_WEIGHTS)
        sex = rng.choice("mf")
        nm = person_name(rng, region, sex)
        org = rng.choice(ORGS)
        rows.append([
            nm, org, rng.choice(ROLES), rng.choice(STATIONS),
            phone(rng, "congolese"),
            phone(rng, region) if rng.random() < 0.3 else "",
            email_for(nm, org) if rng.random() > 0.05 else "",
            rng.choice(["fr", "fr;sw", "fr;ln", "en;fr", "fr;sw;en", "en", "fr;ha", "so;en",
                        "ar;en"]),
        ])
    return header, rows


# --------------------------------------------------------------------------------------------


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    header, rows = beneficiary_registration(random.Random(SEED + 1))
    write_csv(out / "beneficiary_registration.csv", header, rows)
    write_parquet(out / "beneficiary_registration.parquet", header, rows)

    header, hxl, rows = household_survey(random.Random(SEED + 2))
    write_csv(out / "household_survey_fr.csv", header, rows, hxl=hxl)

    three_w(random.Random(SEED + 3), out / "3w_activities.xlsx")

    header, rows = protection_incidents(random.Random(SEED + 4))
    write_csv(out / "protection_incidents.csv", header, rows)

    header, rows = aid_worker_contacts(random.Random(SEED + 5))
    write_csv(out / "aid_worker_contacts.csv", header, rows)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent)
