"""Generate the labelled evaluation corpus for column detection (seeded, reproducible).

    python bench/eval/gen_corpus.py [--out bench/eval/corpus] [--rows 250] [--seed 7]

Writes realistic synthetic humanitarian files (beneficiary lists, Kobo survey exports, incident
logs, 3W tables, site lists, contact lists, cash lists) with English, French, Spanish, Arabic
(and Portuguese) headers, and ``labels.yaml`` beside them: for every column its true role
(direct | sensitive | quasi | none), entity, and whether it is a trap (a column that looks
personal but is not, which must never come out direct). Every value is invented.

Labelling follows shared/contract.md: direct = identifies on its own (names, phones, e-mails,
IDs, case numbers, addresses, dwelling-precise GPS, IPs, bank/card numbers); quasi = age, DOB,
sex, admin areas and places, household size, displacement status, nationality, occupation,
education, marital status, income, dates of events in person-level files; sensitive = health,
disability, GBV/protection, ethnicity/clan, religion, legal status, political affiliation.
"""

from __future__ import annotations

import argparse
import random
import string
from datetime import date, timedelta
from pathlib import Path

import yaml

# ---------------------------------------------------------------------------------------------
# Vocabularies

FIRST = {
    "cd": ["Jean", "Marie", "Josephine", "Patrick", "Esperance", "Dieudonne", "Furaha", "Neema",
           "Celestin", "Chantal", "Innocent", "Solange", "Fidele", "Mapendo", "Bahati", "Aline",
           "Kavira", "Masika", "Kambale", "Muhindo", "Sifa", "Riziki", "Amani", "Baraka"],
    "ng": ["Musa", "Aisha", "Fatima", "Ibrahim", "Hauwa", "Abubakar", "Yagana", "Bukar",
           "Falmata", "Modu", "Zainab", "Usman", "Hadiza", "Aliyu", "Kaltume", "Babagana",
           "Chinedu", "Ngozi", "Amina", "Garba", "Bintu", "Adamu", "Maryam", "Haruna"],
    "so": ["Abdi", "Hodan", "Faduma", "Mohamed", "Ahmed", "Asha", "Hamdi", "Nimco", "Abdirahman",
           "Ayan", "Deeqa", "Hassan", "Sahra", "Omar", "Ruqia", "Yusuf", "Nasra", "Ali", "Hibo"],
    "sy": ["محمد", "أحمد", "فاطمة", "مريم", "خالد", "علي", "زينب", "عمر", "هدى", "يوسف", "سارة",
           "حسن", "ليلى", "نور", "إبراهيم", "رنا", "سلمى", "مصطفى"],
    "co": ["María", "José", "Luis", "Ana", "Carlos", "Yuliana", "Andrés", "Daniela", "Jorge",
           "Valentina", "Miguel", "Carmen", "Yesenia", "Pedro", "Luz", "Oscar", "Gloria", "Diego"],
    "ye": ["Mohammed", "Ahmed", "Abdullah", "Fatima", "Amal", "Saleh", "Nabil", "Huda", "Khaled",
           "Arwa", "Ali", "Samira", "Fouad", "Rania", "Yahya", "Bushra", "Tariq", "Maha"],
    "mz": ["João", "Maria", "Ana", "Carlos", "Fátima", "Armando", "Rosa", "Felisberto", "Luísa",
           "Abílio", "Celeste", "Ernesto", "Graça", "Zacarias", "Amélia", "Inácio"],
    "en": ["John", "Grace", "Peter", "Sarah", "James", "Esther", "Samuel", "Rebecca", "David",
           "Joyce", "Moses", "Agnes", "Daniel", "Florence", "Isaac", "Mary", "Emma", "Lucas"],
}
LAST = {
    "cd": ["Kabila", "Mwamba", "Kasongo", "Ilunga", "Mukendi", "Kahindo", "Paluku", "Mumbere",
           "Bisimwa", "Lukusa", "Tshibanda", "Ngoy", "Kyakimwa", "Mapenzi", "Bahati", "Zawadi"],
    "ng": ["Mohammed", "Bukar", "Ali", "Umar", "Goni", "Kyari", "Modu", "Lawan", "Abba",
           "Okafor", "Adebayo", "Ibrahim", "Sani", "Bello", "Abdullahi", "Usman"],
    "so": ["Hussein", "Farah", "Warsame", "Abdullahi", "Jama", "Osman", "Ali", "Hassan",
           "Mohamud", "Ismail", "Aden", "Elmi", "Dahir", "Yusuf", "Nur", "Guled"],
    "sy": ["الأحمد", "الخطيب", "الحسن", "العلي", "الشامي", "الحلبي", "السيد", "المصري", "النجار",
           "الحمصي", "القاسم", "الزعبي"],
    "co": ["García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez",
           "Sánchez", "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Mendoza"],
    "ye": ["Al-Ahmadi", "Saleh", "Al-Hakimi", "Qasem", "Al-Sanani", "Hizam", "Al-Maqtari",
           "Nasser", "Al-Haddad", "Murshed", "Al-Absi", "Ghaleb"],
    "mz": ["Macuácua", "Cossa", "Mondlane", "Sitoe", "Nhantumbo", "Langa", "Muianga", "Tembe",
           "Chissano", "Mabunda", "Matsinhe", "Sambo"],
    "en": ["Lokuru", "Deng", "Okello", "Achieng", "Wani", "Lado", "Kiden", "Ochieng", "Atim",
           "Juma", "Odongo", "Nyandeng", "Smith", "Brown", "Taylor", "Wilson"],
}
PLACES = {
    "cd": {"province": ["Nord-Kivu", "Sud-Kivu", "Ituri", "Tanganyika"],
           "territoire": ["Beni", "Lubero", "Rutshuru", "Masisi", "Djugu", "Kalehe", "Kalemie"],
           "village": ["Kanyabayonga", "Kirumba", "Kiwanja", "Sake", "Minova", "Bule", "Fataki",
                       "Nyunzu", "Kabalo", "Mweso", "Kitchanga", "Bunagana", "Luofu", "Kayna"]},
    "ng": {"state": ["Borno", "Adamawa", "Yobe"],
           "lga": ["Maiduguri", "Jere", "Konduga", "Bama", "Gwoza", "Dikwa", "Monguno", "Mubi North",
                   "Madagali", "Damaturu", "Gujba"],
           "ward": ["Bolori I", "Bolori II", "Gwange", "Dala", "Mafoni", "Limanti", "Shehuri"],
           "village": ["Dalori", "Muna Garage", "Farm Centre", "Gubio Camp", "Bakassi", "Teachers Village",
                       "Kofa", "Ngomari", "Ajilari", "Gongulong"]},
    "so": {"region": ["Banadir", "Bay", "Gedo", "Lower Shabelle", "Hiraan", "Mudug"],
           "district": ["Baidoa", "Dollow", "Afgooye", "Beletweyne", "Galkayo", "Kahda", "Daynile"],
           "settlement": ["Towfiq", "Dolow Camp 3", "Kaxda Central", "Garasbaley", "Bakool IDP",
                          "Kaharey", "Sigale", "Ceel Jaale"]},
    "sy": {"gov": ["حلب", "إدلب", "الحسكة", "دير الزور", "ريف دمشق", "حمص"],
           "village": ["الأتارب", "سرمدا", "الدانا", "معرة مصرين", "أعزاز", "الباب", "جرابلس", "تل أبيض"]},
    "co": {"departamento": ["La Guajira", "Norte de Santander", "Arauca", "Nariño", "Antioquia"],
           "municipio": ["Riohacha", "Maicao", "Cúcuta", "Villa del Rosario", "Arauca", "Tumaco",
                         "Medellín", "Uribia"]},
    "ye": {"governorate": ["Aden", "Taiz", "Marib", "Hajjah", "Al Hodeidah", "Lahj"],
           "district": ["Al Mansura", "Sheikh Othman", "Al Qahirah", "Marib City", "Abs", "Haradh",
                        "Al Khawkhah", "Tuban"],
           "village": ["Al Jufainah", "Al Sowayda", "Bani Hassan", "Al Mahwa", "Dar Saad", "Al Khadra"]},
    "mz": {"provincia": ["Cabo Delgado", "Nampula", "Niassa"],
           "distrito": ["Pemba", "Metuge", "Montepuez", "Chiure", "Mecufi", "Ancuabe"],
           "bairro": ["Paquitequete", "Natite", "Cariacó", "Ingonane", "Alto Gingone", "Mahate"]},
}


class Gen:
    def __init__(self, seed: int, rows: int):
        self.r = random.Random(seed)
        self.rows = rows

    def choice(self, seq):
        return self.r.choice(seq)

    def maybe(self, p, value, empty=None):
        return value if self.r.random() < p else empty

    def name(self, loc, parts=2):
        if loc == "sy":
            return f"{self.choice(FIRST[loc])} {self.choice(FIRST[loc])} {self.choice(LAST[loc])}" \
                if parts == 3 else f"{self.choice(FIRST[loc])} {self.choice(LAST[loc])}"
        ns = [self.choice(FIRST[loc])] + [self.choice(LAST[loc]) for _ in range(parts - 1)]
        return " ".join(ns)

    def phone(self, region, style=None):
        import phonenumbers as P
        from phonenumbers import PhoneNumberType as T

        ex = P.example_number_for_type(region, T.MOBILE)
        nsn = str(ex.national_number)
        for _ in range(50):
            tail = "".join(self.choice(string.digits) for _ in range(min(5, len(nsn) - 2)))
            cand = nsn[: len(nsn) - len(tail)] + tail
            num = P.parse("+" + str(ex.country_code) + cand, None)
            if P.is_valid_number(num):
                break
        style = style or self.choice(["intl", "intl", "e164", "national", "national"])
        if style == "intl":
            return P.format_number(num, P.PhoneNumberFormat.INTERNATIONAL)
        if style == "e164":
            return P.format_number(num, P.PhoneNumberFormat.E164)
        if style == "00":
            return "00" + P.format_number(num, P.PhoneNumberFormat.E164)[1:]
        return P.format_number(num, P.PhoneNumberFormat.NATIONAL)

    def digits(self, n):
        return "".join(self.choice(string.digits) for _ in range(n))

    def email(self, name):
        user = (name.lower().replace(" ", self.choice([".", "_", ""]))
                .encode("ascii", "ignore").decode() or "user") + self.digits(2)
        return f"{user}@{self.choice(['gmail.com', 'yahoo.fr', 'hotmail.com', 'outlook.com', 'ngo-example.org'])}"

    def dob(self, min_age=0, max_age=90, fmt="%Y-%m-%d"):
        age = self.r.randint(min_age, max_age)
        d = date(2025, 6, 1) - timedelta(days=age * 365 + self.r.randint(0, 364))
        return d.strftime(fmt), age

    def day(self, start=date(2024, 1, 1), span=500, fmt="%Y-%m-%d"):
        return (start + timedelta(days=self.r.randint(0, span))).strftime(fmt)

    def coord(self, lat0, lon0, spread=0.5, decimals=6):
        return (f"{lat0 + self.r.uniform(-spread, spread):.{decimals}f}",
                f"{lon0 + self.r.uniform(-spread, spread):.{decimals}f}")


def L(role, entity=None, trap=False):
    d = {"role": role}
    if entity:
        d["entity"] = entity
    if trap:
        d["trap"] = True
    return d


# ---------------------------------------------------------------------------------------------
# Files. Each builder returns (rows as list of dicts, labels {column: label}, kind, hxl or None)


def beneficiaries_cd_fr(g: Gen):
    rows = []
    for i in range(g.rows):
        nm = g.name("cd", g.choice([2, 3]))
        lat, lon = g.coord(-0.5, 29.2, 1.5)
        rows.append({
            "N°": str(i + 1),
            "Nom complet": nm,
            "Sexe": g.choice(["Homme", "Femme"]),
            "Âge": str(g.r.randint(18, 85)),
            "Téléphone": g.maybe(0.85, g.phone("CD")),
            "Province": g.choice(PLACES["cd"]["province"]),
            "Territoire": g.choice(PLACES["cd"]["territoire"]),
            "Village": g.choice(PLACES["cd"]["village"]),
            "Statut de résidence": g.choice(["Déplacé", "Retourné", "Famille d'accueil",
                                             "Déplacé", "Résident permanent"]),
            "Taille du ménage": str(g.r.randint(1, 14)),
            "Numéro carte d'électeur": f"{g.digits(2)}{g.choice(string.ascii_uppercase)}{g.digits(7)}",
            "Personne vivant avec handicap": g.choice(["Oui", "Non", "Non", "Non"]),
            "Latitude": lat,
            "Longitude": lon,
            "Montant reçu (USD)": f"{g.choice([45, 60, 75, 90, 120])}.00",
            "Date de distribution": g.day(fmt="%d/%m/%Y"),
            "Code projet": g.choice(["NK-CASH-01", "NK-CASH-02", "SK-NFI-04"]),
            "Organisation partenaire": g.choice(["AIDES", "CARITAS Goma", "Solidarités", "NRC"]),
        })
    labels = {"N°": L("none"), "Nom complet": L("direct", "PERSON"), "Sexe": L("quasi", "SEX_GENDER"),
              "Âge": L("quasi", "AGE"), "Téléphone": L("direct", "PHONE_NUMBER"),
              "Province": L("quasi", "ADMIN_AREA"), "Territoire": L("quasi", "ADMIN_AREA"),
              "Village": L("quasi", "LOCATION"),
              "Statut de résidence": L("quasi", "DISPLACEMENT_STATUS"),
              "Taille du ménage": L("quasi", "HOUSEHOLD_SIZE"),
              "Numéro carte d'électeur": L("direct", "NATIONAL_ID"),
              "Personne vivant avec handicap": L("sensitive", "DISABILITY"),
              "Latitude": L("direct", "GPS_COORDINATE"), "Longitude": L("direct", "GPS_COORDINATE"),
              "Montant reçu (USD)": L("none", trap=True),
              "Date de distribution": L("quasi", "DATE"), "Code projet": L("none", trap=True),
              "Organisation partenaire": L("none")}
    return rows, labels, "microdata", None


NOTES_EN = [
    "Household visited on {d}. {n} reports that the shelter roof is leaking, needs NFI kit.",
    "Call {n} on {p} to confirm the distribution date.",
    "Mother is pregnant and the youngest child is malnourished, referred to the nutrition site.",
    "No issues reported during the visit; family received the full ration.",
    "Woman head of household, husband missing since the attack, children not in school.",
    "Referred to GBV case management after disclosure of sexual violence by a neighbour.",
    "Elderly man with a physical disability, cannot walk to the distribution point. Contact son {n} {p}.",
    "Family moved to another camp block, new contact number {p}.",
    "Requested cash instead of food, market is close to the site.",
    "Child has epilepsy and needs regular medication from the clinic.",
]


def beneficiaries_ng_en(g: Gen):
    rows = []
    for _i in range(g.rows):
        nm = g.name("ng", g.choice([2, 3]))
        dob, age = g.dob(16, 80)
        lat, lon = g.coord(11.8, 13.1, 0.4, g.choice([5, 6]))
        note = g.choice(NOTES_EN).format(n=g.name("ng"), p=g.phone("NG"), d=g.day())
        rows.append({
            "full_name": nm, "phone": g.phone("NG"), "email": g.maybe(0.35, g.email(nm)),
            "date_of_birth": dob, "age": str(age), "sex": g.choice(["M", "F"]),
            "admin1": g.choice(PLACES["ng"]["state"]), "admin2": g.choice(PLACES["ng"]["lga"]),
            "ward": g.choice(PLACES["ng"]["ward"]), "village": g.choice(PLACES["ng"]["village"]),
            "gps_lat": lat, "gps_lon": lon, "household_size": str(g.r.randint(1, 12)),
            "displacement_status": g.choice(["IDP", "IDP", "Returnee", "Host community"]),
            "national_id": g.digits(11), "case_number": f"NGA-24-{g.digits(6)}",
            "vulnerability_notes": g.maybe(0.8, note),
            "assistance_type": g.choice(["Cash", "Food", "NFI", "Shelter"]),
            "amount": str(g.choice([15000, 20000, 25000, 30000])),
        })
    labels = {"full_name": L("direct", "PERSON"), "phone": L("direct", "PHONE_NUMBER"),
              "email": L("direct", "EMAIL_ADDRESS"), "date_of_birth": L("quasi", "DATE_OF_BIRTH"),
              "age": L("quasi", "AGE"), "sex": L("quasi", "SEX_GENDER"),
              "admin1": L("quasi", "ADMIN_AREA"), "admin2": L("quasi", "ADMIN_AREA"),
              "ward": L("quasi", "ADMIN_AREA"), "village": L("quasi", "LOCATION"),
              "gps_lat": L("direct", "GPS_COORDINATE"), "gps_lon": L("direct", "GPS_COORDINATE"),
              "household_size": L("quasi", "HOUSEHOLD_SIZE"),
              "displacement_status": L("quasi", "DISPLACEMENT_STATUS"),
              "national_id": L("direct", "NATIONAL_ID"), "case_number": L("direct", "CASE_ID"),
              "vulnerability_notes": L("direct", "PERSON"), "assistance_type": L("none"),
              "amount": L("none", trap=True)}
    return rows, labels, "microdata", None


def kobo_msna_so(g: Gen):
    rows = []
    for i in range(g.rows):
        lat, lon = g.coord(3.1, 43.6, 0.8)
        start = f"{g.day(date(2025, 3, 1), 40)}T{g.r.randint(7, 16):02d}:{g.r.randint(0, 59):02d}:00.000+03:00"
        rows.append({
            "start": start, "end": start.replace(":00.000", ":35.000"),
            "grp_intro/enumerator_id": g.choice(["ENUM01", "ENUM02", "ENUM03", "ENUM04", "ENUM05"]),
            "grp_loc/region": g.choice(PLACES["so"]["region"]),
            "grp_loc/district": g.choice(PLACES["so"]["district"]),
            "grp_loc/idp_settlement_name": g.choice(PLACES["so"]["settlement"]),
            "grp_demo/resp_gender": g.choice(["female", "male"]),
            "grp_demo/resp_age": str(g.r.randint(18, 75)),
            "grp_demo/hoh_sex": g.choice(["female", "male"]),
            "grp_demo/hh_size": str(g.r.randint(1, 15)),
            "grp_demo/clan": g.choice(["Hawiye", "Darod", "Rahanweyn", "Dir", "Digil", "Somali Bantu"]),
            "grp_demo/breadwinner": g.choice(["yes", "no"]),
            "grp_health/chronic_illness": g.choice(["yes", "no", "no"]),
            "grp_health/wg_seeing": g.choice(["no_difficulty", "no_difficulty", "some_difficulty",
                                              "a_lot_of_difficulty", "cannot_do_at_all"]),
            "grp_food/fcs_score": str(g.r.randint(10, 80)),
            "grp_food/main_income_source": g.choice(["casual labour", "petty trade", "livestock",
                                                     "remittances", "humanitarian assistance"]),
            "_geolocation": f"[{lat}, {lon}]",
            "_gps_latitude": lat, "_gps_longitude": lon,
            "_uuid": f"{g.r.getrandbits(128):032x}"[:8] + "-" + f"{g.r.getrandbits(64):016x}"[:4] + "-4a1b-9c2d-" + f"{g.r.getrandbits(48):012x}",
            "_index": str(i + 1),
            "_submission_time": start[:10] + "T" + start[11:19],
        })
    labels = {"start": L("quasi", "DATE"), "end": L("quasi", "DATE"),
              "grp_intro/enumerator_id": L("none"),
              "grp_loc/region": L("quasi", "ADMIN_AREA"), "grp_loc/district": L("quasi", "ADMIN_AREA"),
              "grp_loc/idp_settlement_name": L("quasi", "LOCATION"),
              "grp_demo/resp_gender": L("quasi", "SEX_GENDER"), "grp_demo/resp_age": L("quasi", "AGE"),
              "grp_demo/hoh_sex": L("quasi", "SEX_GENDER"), "grp_demo/hh_size": L("quasi", "HOUSEHOLD_SIZE"),
              "grp_demo/clan": L("sensitive", "ETHNICITY"), "grp_demo/breadwinner": L("none"),
              "grp_health/chronic_illness": L("sensitive", "HEALTH"),
              "grp_health/wg_seeing": L("sensitive", "DISABILITY"),
              "grp_food/fcs_score": L("none"), "grp_food/main_income_source": L("quasi", "OCCUPATION"),
              "_geolocation": L("direct", "GPS_COORDINATE"),
              "_gps_latitude": L("direct", "GPS_COORDINATE"), "_gps_longitude": L("direct", "GPS_COORDINATE"),
              "_uuid": L("none"), "_index": L("none"), "_submission_time": L("quasi", "DATE")}
    return rows, labels, "microdata", None


NOTES_ES = [
    "La familia llegó de Venezuela hace tres meses, duermen en la calle.",
    "Contactar a {n} al {p} para seguimiento.",
    "Madre gestante sin control prenatal, remitida al hospital.",
    "Sin novedades en la visita.",
    "Niño con discapacidad física, requiere silla de ruedas.",
    "Refiere amenazas de grupo armado en el barrio, caso remitido a protección.",
]


def survey_co_es(g: Gen):
    rows = []
    for _i in range(g.rows):
        nm = g.name("co", g.choice([2, 3, 4]))
        rows.append({
            "nombre_completo": nm,
            "tipo_documento": g.choice(["Cédula de ciudadanía", "Pasaporte", "PEP", "Cédula venezolana"]),
            "numero_documento": g.digits(g.choice([8, 10])),
            "telefono": g.phone(g.choice(["CO", "CO", "VE"])),
            "correo": g.maybe(0.4, g.email(nm)),
            "edad": str(g.r.randint(18, 80)),
            "sexo": g.choice(["Hombre", "Mujer"]),
            "nacionalidad": g.choice(["Venezolana", "Colombiana", "Venezolana", "Colombo-venezolana"]),
            "estatus_migratorio": g.choice(["Regular", "Irregular", "En trámite", "PEP", "Sin documentos"]),
            "departamento": g.choice(PLACES["co"]["departamento"]),
            "municipio": g.choice(PLACES["co"]["municipio"]),
            "pertenencia_etnica": g.choice(["Ninguna", "Afrocolombiano", "Indígena", "Wayuu", "Ninguna"]),
            "discapacidad": g.choice(["Sí", "No", "No", "No"]),
            "nivel_educativo": g.choice(["Primaria", "Secundaria", "Bachillerato", "Técnico",
                                         "Universitario", "Ninguno"]),
            "ocupacion": g.choice(["Comerciante", "Jornalero", "Ama de casa", "Desempleado",
                                   "Vendedor ambulante", "Estudiante"]),
            "ingreso_mensual_hogar": str(g.choice([0, 200000, 350000, 500000, 800000, 1200000])),
            "fecha_encuesta": g.day(date(2025, 1, 1), 150, "%d/%m/%Y"),
            "observaciones": g.maybe(0.7, g.choice(NOTES_ES).format(n=g.name("co"), p=g.phone("CO"))),
            "socio_implementador": g.choice(["Cruz Roja", "Pastoral Social", "Consejo Noruego"]),
        })
    labels = {"nombre_completo": L("direct", "PERSON"), "tipo_documento": L("none"),
              "numero_documento": L("direct", "NATIONAL_ID"), "telefono": L("direct", "PHONE_NUMBER"),
              "correo": L("direct", "EMAIL_ADDRESS"), "edad": L("quasi", "AGE"),
              "sexo": L("quasi", "SEX_GENDER"), "nacionalidad": L("quasi", "NATIONALITY"),
              "estatus_migratorio": L("sensitive", "LEGAL_STATUS"),
              "departamento": L("quasi", "ADMIN_AREA"), "municipio": L("quasi", "ADMIN_AREA"),
              "pertenencia_etnica": L("sensitive", "ETHNICITY"),
              "discapacidad": L("sensitive", "DISABILITY"), "nivel_educativo": L("quasi", "EDUCATION"),
              "ocupacion": L("quasi", "OCCUPATION"), "ingreso_mensual_hogar": L("quasi", "INCOME"),
              "fecha_encuesta": L("quasi", "DATE"), "observaciones": L("direct", "PERSON"),
              "socio_implementador": L("none")}
    return rows, labels, "microdata", None


def survey_sy_ar(g: Gen):
    rows = []
    for _i in range(g.rows):
        rows.append({
            "الاسم الكامل": g.name("sy", 3),
            "رقم الهاتف": g.phone("SY", g.choice(["national", "intl", "e164"])),
            "العمر": str(g.r.randint(18, 80)),
            "الجنس": g.choice(["ذكر", "أنثى"]),
            "المحافظة": g.choice(PLACES["sy"]["gov"]),
            "القرية": g.choice(PLACES["sy"]["village"]),
            "الحالة الاجتماعية": g.choice(["متزوج", "متزوجة", "أرملة", "مطلقة", "أعزب"]),
            "عدد أفراد الأسرة": str(g.r.randint(1, 12)),
            "حالة النزوح": g.choice(["نازح", "نازح", "مقيم", "عائد"]),
            "الرقم الوطني": g.digits(11),
            "هل يوجد شخص ذو إعاقة في الأسرة": g.choice(["نعم", "لا", "لا"]),
            "مرض مزمن": g.choice(["سكري", "ضغط الدم", "لا يوجد", "لا يوجد", "ربو"]),
            "تاريخ المقابلة": g.day(date(2025, 2, 1), 60),
            "اسم المنظمة": g.choice(["الهلال الأحمر", "منظمة شفق", "بنفسج"]),
        })
    labels = {"الاسم الكامل": L("direct", "PERSON"), "رقم الهاتف": L("direct", "PHONE_NUMBER"),
              "العمر": L("quasi", "AGE"), "الجنس": L("quasi", "SEX_GENDER"),
              "المحافظة": L("quasi", "ADMIN_AREA"), "القرية": L("quasi", "LOCATION"),
              "الحالة الاجتماعية": L("quasi", "MARITAL_STATUS"),
              "عدد أفراد الأسرة": L("quasi", "HOUSEHOLD_SIZE"),
              "حالة النزوح": L("quasi", "DISPLACEMENT_STATUS"),
              "الرقم الوطني": L("direct", "NATIONAL_ID"),
              "هل يوجد شخص ذو إعاقة في الأسرة": L("sensitive", "DISABILITY"),
              "مرض مزمن": L("sensitive", "HEALTH"), "تاريخ المقابلة": L("quasi", "DATE"),
              "اسم المنظمة": L("none", trap=True)}
    return rows, labels, "microdata", None


def survey_ye_translit(g: Gen):
    """Arabic transliterated and camelCase English headers (Yemen registration)."""
    rows = []
    for _i in range(g.rows):
        dob, age = g.dob(0, 85, "%d/%m/%Y")
        rows.append({
            "firstName": g.choice(FIRST["ye"]), "fatherName": g.choice(FIRST["ye"]),
            "familyName": g.choice(LAST["ye"]),
            "dateOfBirth": dob, "jins": g.choice(["male", "female"]),
            "phoneNumber": g.phone("YE", g.choice(["national", "e164"])),
            "idCardNo": f"{g.digits(2)}{g.digits(9)}",
            "muhafaza": g.choice(PLACES["ye"]["governorate"]),
            "district": g.choice(PLACES["ye"]["district"]),
            "qarya": g.choice(PLACES["ye"]["village"]),
            "hhSize": str(g.r.randint(1, 13)),
            "isDisabled": g.choice(["TRUE", "FALSE", "FALSE", "FALSE"]),
            "chronicDisease": g.choice(["none", "none", "diabetes", "hypertension", "asthma", "kidney disease"]),
            "pregnantLactating": g.choice(["yes", "no", "no", "no"]),
            "maritalStatus": g.choice(["married", "single", "widowed", "divorced"]),
            "registrationDate": g.day(date(2024, 6, 1), 200),
            "registeredBy": g.choice(["staff01", "staff02", "staff07"]),
            "ipAddress": f"10.{g.r.randint(0, 255)}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}",
        })
    labels = {"firstName": L("direct", "PERSON"), "fatherName": L("direct", "PERSON"),
              "familyName": L("direct", "PERSON"), "dateOfBirth": L("quasi", "DATE_OF_BIRTH"),
              "jins": L("quasi", "SEX_GENDER"), "phoneNumber": L("direct", "PHONE_NUMBER"),
              "idCardNo": L("direct", "NATIONAL_ID"), "muhafaza": L("quasi", "ADMIN_AREA"),
              "district": L("quasi", "ADMIN_AREA"), "qarya": L("quasi", "LOCATION"),
              "hhSize": L("quasi", "HOUSEHOLD_SIZE"), "isDisabled": L("sensitive", "DISABILITY"),
              "chronicDisease": L("sensitive", "HEALTH"), "pregnantLactating": L("sensitive", "HEALTH"),
              "maritalStatus": L("quasi", "MARITAL_STATUS"), "registrationDate": L("quasi", "DATE"),
              "registeredBy": L("none"), "ipAddress": L("direct", "IP_ADDRESS")}
    return rows, labels, "microdata", None


NARRATIVE = [
    "Survivor reported that she was assaulted near the water point at night by two armed men.",
    "The survivor {n} was referred to the clinic for clinical management of rape within 72 hours.",
    "Incident occurred at the market; survivor fears retaliation and asked for relocation.",
    "Denial of resources by husband, survivor has no access to the cash transfer.",
    "Child bride, married at 14, caregiver {n} can be reached on {p}.",
    "Psychological abuse reported, survivor does not want further services at this stage.",
]


def incident_log_gbv(g: Gen):
    rows = []
    for i in range(g.rows):
        rows.append({
            "incident_id": f"GBV-{g.choice(['2024', '2025'])}-{i + 1:04d}",
            "date_of_report": g.day(date(2024, 5, 1), 300),
            "date_of_incident": g.day(date(2024, 4, 1), 300),
            "survivor_age": str(g.r.randint(9, 60)),
            "survivor_sex": g.choice(["Female", "Female", "Female", "Male"]),
            "survivor_marital_status": g.choice(["Single", "Married", "Widowed", "Divorced/Separated"]),
            "incident_type": g.choice(["Rape", "Sexual Assault", "Physical Assault", "Forced Marriage",
                                       "Denial of Resources, Opportunities or Services",
                                       "Psychological/Emotional Abuse"]),
            "incident_location": g.choice(["Camp block A", "Camp block C", "Market", "Water point",
                                           "Firewood collection area", "Survivor's home"]),
            "alleged_perpetrator": g.choice(["Intimate partner", "Family member", "Armed actor",
                                             "Unknown", "Neighbour"]),
            "camp": g.choice(["Kakuma 1", "Kakuma 2", "Kalobeyei"]),
            "referred_to_health": g.choice(["Yes", "No"]),
            "caseworker": g.choice(["CW-01", "CW-02", "CW-03"]),
            "narrative": g.choice(NARRATIVE).format(n=g.name("en"), p=g.phone("KE")),
        })
    labels = {"incident_id": L("direct", "CASE_ID"), "date_of_report": L("quasi", "DATE"),
              "date_of_incident": L("quasi", "DATE"), "survivor_age": L("quasi", "AGE"),
              "survivor_sex": L("quasi", "SEX_GENDER"),
              "survivor_marital_status": L("quasi", "MARITAL_STATUS"),
              "incident_type": L("sensitive", "PROTECTION_INCIDENT"),
              "incident_location": L("quasi", "LOCATION"),
              "alleged_perpetrator": L("sensitive", "PROTECTION_INCIDENT"),
              "camp": L("quasi", "LOCATION"), "referred_to_health": L("sensitive", "HEALTH"),
              "caseworker": L("none"), "narrative": L("direct", "PERSON")}
    return rows, labels, "microdata", None


def protection_monitoring_fr(g: Gen):
    rows = []
    for _i in range(g.rows):
        rows.append({
            "Date de l'incident": g.day(date(2024, 1, 1), 400, "%d/%m/%Y"),
            "Province": g.choice(PLACES["cd"]["province"]),
            "Territoire": g.choice(PLACES["cd"]["territoire"]),
            "Localité": g.choice(PLACES["cd"]["village"]),
            "Type d'incident": g.choice(["Viol", "Enlèvement", "Extorsion", "Recrutement forcé",
                                         "Agression physique", "Travail des enfants", "Menaces"]),
            "Auteur présumé": g.choice(["Groupe armé", "Inconnu", "Forces de sécurité", "Civil"]),
            "Âge de la victime": g.choice(["0-17 ans", "18-59 ans", "60 ans et plus"]),
            "Sexe de la victime": g.choice(["F", "M"]),
            "Ethnie": g.choice(["Hema", "Lendu", "Nande", "Hutu", "Tutsi", "Hunde"]),
            "Statut de la victime": g.choice(["Déplacé", "Résident", "Retourné"]),
            "Source de l'information": g.choice(["Moniteur", "Leader communautaire", "Victime"]),
            "Commentaire": g.choice([
                "Incident signalé par le comité de protection du site.",
                "La victime {n} a été référée à l'hôpital de Beni.".format(n=g.name("cd")),
                "Les auteurs ont emporté le bétail et menacé la famille.",
                "Aucune prise en charge disponible dans la zone.",
                "Victime joignable au {p} via son frère.".format(p=g.phone("CD")),
            ]),
        })
    labels = {"Date de l'incident": L("quasi", "DATE"), "Province": L("quasi", "ADMIN_AREA"),
              "Territoire": L("quasi", "ADMIN_AREA"), "Localité": L("quasi", "LOCATION"),
              "Type d'incident": L("sensitive", "PROTECTION_INCIDENT"),
              "Auteur présumé": L("sensitive", "PROTECTION_INCIDENT"),
              "Âge de la victime": L("quasi", "AGE"), "Sexe de la victime": L("quasi", "SEX_GENDER"),
              "Ethnie": L("sensitive", "ETHNICITY"), "Statut de la victime": L("quasi", "DISPLACEMENT_STATUS"),
              "Source de l'information": L("none"), "Commentaire": L("direct", "PERSON")}
    return rows, labels, "microdata", None


def threew_so(g: Gen):
    rows = []
    orgs = ["WFP", "UNICEF", "Save the Children", "NRC", "CARE Somalia", "SCC", "Mercy Corps", "IOM"]
    districts = {"Baidoa": "SO2401", "Dollow": "SO2104", "Afgooye": "SO1702", "Beletweyne": "SO1401",
                 "Galkayo": "SO1301", "Kahda": "SO2214", "Daynile": "SO2206"}
    for _i in range(120):
        d = g.choice(list(districts))
        f, m = g.r.randint(50, 4000), g.r.randint(40, 3800)
        rows.append({
            "Organization": g.choice(orgs), "Org type": g.choice(["UN", "INGO", "NNGO"]),
            "Cluster": g.choice(["Food Security", "WASH", "Health", "Protection", "Shelter"]),
            "Activity": g.choice(["Unconditional cash transfer", "Water trucking", "Mobile clinic",
                                  "Hygiene kits", "Case management"]),
            "Region": g.choice(PLACES["so"]["region"]), "District": d, "District P-code": districts[d],
            "Status": g.choice(["Ongoing", "Completed", "Planned"]),
            "Start date": g.day(date(2025, 1, 1), 90), "End date": g.day(date(2025, 6, 1), 180),
            "Female": str(f), "Male": str(m), "Total beneficiaries": str(f + m),
            "Year": g.choice(["2025", "2025", "2024"]),
            "Code": g.choice(["FSC-01", "WSH-07", "HLT-02", "PRT-11", "SHL-03"]),
        })
    labels = {"Organization": L("none"), "Org type": L("none"), "Cluster": L("none"), "Activity": L("none"),
              "Region": L("quasi", "ADMIN_AREA"), "District": L("quasi", "ADMIN_AREA"),
              "District P-code": L("quasi", "ADMIN_AREA"), "Status": L("none"),
              "Start date": L("none"), "End date": L("none"),
              "Female": L("none", trap=True), "Male": L("none", trap=True),
              "Total beneficiaries": L("none"), "Year": L("none", trap=True), "Code": L("none", trap=True)}
    hxl = {"Organization": "#org", "Org type": "#org+type", "Cluster": "#sector", "Activity": "#activity",
           "Region": "#adm1+name", "District": "#adm2+name", "District P-code": "#adm2+code",
           "Status": "#status", "Start date": "#date+start", "End date": "#date+end",
           "Female": "#reached+f", "Male": "#reached+m", "Total beneficiaries": "#reached+total",
           "Year": "#date+year", "Code": "#activity+code"}
    return rows, labels, "aggregate", hxl


def threew_ml_fr(g: Gen):
    rows = []
    communes = {"Gao": "ML0701", "Ansongo": "ML0702", "Bourem": "ML0703", "Mopti": "ML0501",
                "Bandiagara": "ML0502", "Tombouctou": "ML0601", "Goundam": "ML0603"}
    for _i in range(100):
        c = g.choice(list(communes))
        fe, ho, fi, ga = (g.r.randint(10, 900) for _ in range(4))
        rows.append({
            "Organisation": g.choice(["PAM", "UNICEF", "Oxfam", "Médecins du Monde", "AMSS", "Tassaght"]),
            "Secteur": g.choice(["Sécurité alimentaire", "Santé", "Protection", "Éducation", "EHA"]),
            "Activité": g.choice(["Distribution de vivres", "Cliniques mobiles", "Espaces amis des enfants",
                                  "Réhabilitation de forages"]),
            "Région": g.choice(["Gao", "Mopti", "Tombouctou"]), "Cercle": g.choice(["Gao", "Ansongo", "Bandiagara", "Goundam"]),
            "Commune": c, "Pcode commune": communes[c],
            "Femmes": str(fe), "Hommes": str(ho), "Filles": str(fi), "Garçons": str(ga),
            "Total": str(fe + ho + fi + ga), "Nombre de ménages": str(g.r.randint(20, 600)),
            "Mois": g.choice(["Janvier", "Février", "Mars", "Avril"]), "Année": "2025",
            "Bailleur": g.choice(["ECHO", "BHA", "FCDO", "CERF"]),
        })
    labels = {"Organisation": L("none"), "Secteur": L("none"), "Activité": L("none"),
              "Région": L("quasi", "ADMIN_AREA"), "Cercle": L("quasi", "ADMIN_AREA"),
              "Commune": L("quasi", "ADMIN_AREA"), "Pcode commune": L("quasi", "ADMIN_AREA"),
              "Femmes": L("none", trap=True), "Hommes": L("none", trap=True),
              "Filles": L("none", trap=True), "Garçons": L("none", trap=True), "Total": L("none"),
              "Nombre de ménages": L("none", trap=True), "Mois": L("none"), "Année": L("none", trap=True),
              "Bailleur": L("none")}
    return rows, labels, "aggregate", None


def sites_es(g: Gen):
    rows = []
    for i in range(80):
        lat, lon = g.coord(11.3, -72.5, 1.0, 4)
        rows.append({
            "ID del sitio": f"CO-LG-{i + 1:03d}", "Nombre del sitio": f"Asentamiento {g.choice(['La Esperanza', 'Villa Fátima', 'Brisas del Norte', 'El Paraíso', 'Nuevo Horizonte'])} {i + 1}",
            "Departamento": g.choice(PLACES["co"]["departamento"]), "Municipio": g.choice(PLACES["co"]["municipio"]),
            "Latitud": lat, "Longitud": lon,
            "Número de hogares": str(g.r.randint(10, 400)), "Número de personas": str(g.r.randint(40, 1800)),
            "Hombres": str(g.r.randint(20, 900)), "Mujeres": str(g.r.randint(20, 900)),
            "Tipo de sitio": g.choice(["Asentamiento informal", "Albergue", "Centro colectivo"]),
            "Agencia gestora": g.choice(["ACNUR", "OIM", "Cruz Roja Colombiana"]),
            "Costo mensual estimado": f"{g.r.uniform(10, 80):.4f}",
        })
    labels = {"ID del sitio": L("quasi", "LOCATION", trap=True), "Nombre del sitio": L("quasi", "LOCATION"),
              "Departamento": L("quasi", "ADMIN_AREA"), "Municipio": L("quasi", "ADMIN_AREA"),
              "Latitud": L("quasi", "GPS_COORDINATE"), "Longitud": L("quasi", "GPS_COORDINATE"),
              "Número de hogares": L("none", trap=True), "Número de personas": L("none"),
              "Hombres": L("none", trap=True), "Mujeres": L("none", trap=True),
              "Tipo de sitio": L("none"), "Agencia gestora": L("none"),
              "Costo mensual estimado": L("none", trap=True)}
    return rows, labels, "aggregate", None


def health_facilities_en(g: Gen):
    rows = []
    for i in range(90):
        lat, lon = g.coord(9.0, 38.7, 2.0, 5)
        rows.append({
            "facility_id": f"HF{i + 1:04d}", "facility_name": f"{g.choice(['Abdi', 'Bole', 'Gode', 'Jijiga', 'Dolo Ado', 'Melkadida'])} Health Centre {i + 1}",
            "facility_type": g.choice(["Health Centre", "Health Post", "Hospital", "Mobile Clinic"]),
            "region": g.choice(["Somali", "Oromia", "Afar", "Tigray", "Amhara"]),
            "zone": g.choice(["Liben", "Dawa", "Afder", "Borena", "Zone 2"]),
            "woreda": g.choice(["Dolo Ado", "Bokolmayo", "Moyale", "Filtu", "Chifra"]),
            "latitude": lat, "longitude": lon, "beds": str(g.r.randint(0, 120)),
            "functional": g.choice(["yes", "yes", "no"]), "managed_by": g.choice(["MoH", "MSF", "IRC", "ARRA"]),
            "code": f"{g.choice(['HC', 'HP', 'HO'])}-{g.r.randint(1, 40)}",
            "last_update": g.day(date(2025, 1, 1), 100),
        })
    labels = {"facility_id": L("quasi", "LOCATION", trap=True), "facility_name": L("quasi", "LOCATION"),
              "facility_type": L("none"), "region": L("quasi", "ADMIN_AREA"), "zone": L("quasi", "ADMIN_AREA"),
              "woreda": L("quasi", "ADMIN_AREA"), "latitude": L("quasi", "GPS_COORDINATE"),
              "longitude": L("quasi", "GPS_COORDINATE"), "beds": L("none"), "functional": L("none"),
              "managed_by": L("none"), "code": L("none", trap=True), "last_update": L("none")}
    return rows, labels, "unknown", None


def contacts_en(g: Gen):
    rows = []
    for _i in range(60):
        loc = g.choice(["en", "so", "cd", "ye"])
        nm = g.name(loc)
        rows.append({
            "Name": nm, "Name of organization": g.choice(["UNHCR", "WFP", "IRC", "Concern Worldwide", "ACTED", "REACH"]),
            "Position": g.choice(["Cluster Coordinator", "IM Officer", "Field Officer", "Programme Manager"]),
            "Email": g.email(nm), "Phone": g.phone(g.choice(["SO", "KE", "CD", "YE"]), g.choice(["intl", "00", "e164"])),
            "Cluster": g.choice(["Protection", "Health", "WASH", "CCCM"]),
            "Duty station": g.choice(["Nairobi", "Mogadishu", "Goma", "Aden", "Baidoa"]),
            "Website": g.choice(["https://www.unhcr.org", "https://www.wfp.org", "https://www.rescue.org",
                                 "https://www.acted.org", "http://reach-initiative.org"]),
        })
    labels = {"Name": L("direct", "PERSON"), "Name of organization": L("none", trap=True),
              "Position": L("none"), "Email": L("direct", "EMAIL_ADDRESS"),
              "Phone": L("direct", "PHONE_NUMBER"),
              "Cluster": L("none"), "Duty station": L("quasi", "LOCATION"), "Website": L("none")}
    return rows, labels, "microdata", None


def cash_tr_en(g: Gen):
    rows = []
    for _i in range(g.rows):
        nm = g.name(g.choice(["sy", "en"]))
        iban = _iban(g, "TR", 22)
        rows.append({
            "Beneficiary": nm, "Tax ID": g.digits(11),
            "Mobile": g.phone("TR", g.choice(["national", "e164"])),
            "IBAN": iban, "Province": g.choice(["Gaziantep", "Şanlıurfa", "Hatay", "Kilis", "İstanbul"]),
            "Nationality": g.choice(["Syrian", "Syrian", "Iraqi", "Afghan"]),
            "Transfer value (TRY)": str(g.choice([1000, 1500, 2000, 2500])),
            "Transfer date": g.day(date(2025, 1, 1), 120),
            "Disabled_reason": g.maybe(0.2, g.choice(["Duplicate record", "Moved out of province",
                                                      "Card not collected", "Deceased"])),
            "Record status": g.choice(["Active", "Active", "Disabled"]),
        })
    labels = {"Beneficiary": L("direct", "PERSON"), "Tax ID": L("direct", "NATIONAL_ID"),
              "Mobile": L("direct", "PHONE_NUMBER"), "IBAN": L("direct", "IBAN_CODE"),
              "Province": L("quasi", "ADMIN_AREA"), "Nationality": L("quasi", "NATIONALITY"),
              "Transfer value (TRY)": L("none", trap=True), "Transfer date": L("quasi", "DATE"),
              "Disabled_reason": L("none", trap=True), "Record status": L("none")}
    return rows, labels, "microdata", None


def _iban(g: Gen, cc: str, length: int) -> str:
    bban = g.digits(length - 4)
    num = int("".join(str(int(ch, 36)) for ch in bban + cc + "00"))
    check = 98 - num % 97
    raw = f"{cc}{check:02d}{bban}"
    return " ".join(raw[i:i + 4] for i in range(0, len(raw), 4))


def registration_mz_pt(g: Gen):
    rows = []
    for _i in range(g.rows):
        rows.append({
            "nome": g.name("mz"), "idade": str(g.r.randint(16, 80)), "sexo": g.choice(["Masculino", "Feminino"]),
            "telefone": g.phone("MZ"), "provincia": g.choice(PLACES["mz"]["provincia"]),
            "distrito": g.choice(PLACES["mz"]["distrito"]), "bairro": g.choice(PLACES["mz"]["bairro"]),
            "membros_familia": str(g.r.randint(1, 12)), "deslocado": g.choice(["Sim", "Não"]),
            "bilhete_identidade": f"{g.digits(12)}{g.choice(string.ascii_uppercase)}",
            "religiao": g.choice(["Católica", "Muçulmana", "Protestante", "Muçulmana"]),
            "escolaridade": g.choice(["Primário", "Secundário", "Nenhum", "Superior"]),
        })
    labels = {"nome": L("direct", "PERSON"), "idade": L("quasi", "AGE"), "sexo": L("quasi", "SEX_GENDER"),
              "telefone": L("direct", "PHONE_NUMBER"), "provincia": L("quasi", "ADMIN_AREA"),
              "distrito": L("quasi", "ADMIN_AREA"), "bairro": L("quasi", "LOCATION"),
              "membros_familia": L("quasi", "HOUSEHOLD_SIZE"), "deslocado": L("quasi", "DISPLACEMENT_STATUS"),
              "bilhete_identidade": L("direct", "NATIONAL_ID"), "religiao": L("sensitive", "RELIGION"),
              "escolaridade": L("quasi", "EDUCATION")}
    return rows, labels, "microdata", None


def hxl_distribution(g: Gen):
    """Short, unhelpful headers; the HXL row says what they are."""
    rows = []
    for _i in range(g.rows):
        lat, lon = g.coord(15.5, 32.5, 1.0)
        rows.append({
            "Ben": g.name("en"), "Tel": g.phone("SS"), "Loc": g.choice(["Renk", "Malakal POC", "Bentiu", "Juba 3"]),
            "Y": lat, "X": lon, "Grp": g.choice(["Dinka", "Nuer", "Shilluk", "Murle"]),
            "Orig": g.choice(["Sudan", "South Sudan"]), "Kit": g.choice(["Dignity kit", "NFI kit", "Food basket"]),
            "Qty": str(g.r.randint(1, 3)),
        })
    labels = {"Ben": L("direct", "PERSON"), "Tel": L("direct", "PHONE_NUMBER"), "Loc": L("quasi", "LOCATION"),
              "Y": L("direct", "GPS_COORDINATE"), "X": L("direct", "GPS_COORDINATE"),
              "Grp": L("sensitive", "ETHNICITY"), "Orig": L("quasi", "NATIONALITY"),
              "Kit": L("none"), "Qty": L("none")}
    hxl = {"Ben": "#beneficiary+name", "Tel": "#contact+phone", "Loc": "#loc+camp+name",
           "Y": "#geo+lat", "X": "#geo+lon", "Grp": "#beneficiary+ethnicity", "Orig": "#country+origin",
           "Kit": "#item+name", "Qty": "#item+num"}
    return rows, labels, "microdata", hxl


def household_roster_en(g: Gen):
    """Household survey: composition counts (household members by sex and age) per household."""
    rows = []
    for _i in range(g.rows):
        rows.append({
            "hh_id": f"HH-{g.digits(5)}", "interview_date": g.day(date(2025, 4, 1), 30),
            "county": g.choice(["Turkana", "Garissa", "Marsabit"]), "sub_county": g.choice(["Kakuma", "Dadaab", "Laisamis"]),
            "hoh_age": str(g.r.randint(18, 80)), "hoh_sex": g.choice(["Female", "Male"]),
            "hoh_marital_status": g.choice(["Married", "Widowed", "Single", "Divorced"]),
            "females_0_4": str(g.r.randint(0, 3)), "males_0_4": str(g.r.randint(0, 3)),
            "number_of_children_under5": str(g.r.randint(0, 5)),
            "pwd_in_household": g.choice(["yes", "no", "no"]),
            "religion": g.choice(["Muslim", "Christian", "Catholic", "Muslim"]),
            "hh_income_kes": str(g.choice([0, 2000, 5000, 8000, 15000])),
            "main_water_source": g.choice(["Borehole", "Water trucking", "River", "Piped"]),
            "fcs": str(g.r.randint(10, 90)),
            "weight": f"{g.r.uniform(0.5, 3):.3f}",
        })
    labels = {"hh_id": L("direct", "CASE_ID"), "interview_date": L("quasi", "DATE"),
              "county": L("quasi", "ADMIN_AREA"), "sub_county": L("quasi", "ADMIN_AREA"),
              "hoh_age": L("quasi", "AGE"), "hoh_sex": L("quasi", "SEX_GENDER"),
              "hoh_marital_status": L("quasi", "MARITAL_STATUS"),
              "females_0_4": L("quasi", "HOUSEHOLD_SIZE"), "males_0_4": L("quasi", "HOUSEHOLD_SIZE"),
              "number_of_children_under5": L("quasi", "HOUSEHOLD_SIZE"),
              "pwd_in_household": L("sensitive", "DISABILITY"), "religion": L("sensitive", "RELIGION"),
              "hh_income_kes": L("quasi", "INCOME"), "main_water_source": L("none"), "fcs": L("none"),
              "weight": L("none")}
    return rows, labels, "microdata", None


def feedback_web_en(g: Gen):
    rows = []
    for _i in range(150):
        nm = g.name(g.choice(["en", "ng", "so"]))
        rows.append({
            "Timestamp": g.day(date(2025, 5, 1), 60) + f" {g.r.randint(0, 23):02d}:{g.r.randint(0, 59):02d}:00",
            "Email Address": g.maybe(0.6, g.email(nm)),
            "Your name (optional)": g.maybe(0.5, nm),
            "Location": g.choice(["Maiduguri", "Baidoa", "Kakuma", "Goma", "Cox's Bazar"]),
            "Feedback": g.choice([
                "The distribution started late and elderly people waited in the sun for hours.",
                "Thank you for the help, the food was good quality.",
                "My name is {n}, I was not registered although my family lives in block 4, call me {p}".format(n=nm, p=g.phone("NG")),
                "The latrines near the school are not safe for girls at night.",
                "Staff asked for money to put names on the list, please investigate.",
                "Please add more water points, the queue is too long.",
            ]),
            "Rating": str(g.r.randint(1, 5)),
            "Source URL": g.choice(["https://feedback.example.org/form", "https://feedback.example.org/form?lang=fr"]),
            "IP": f"{g.r.randint(41, 197)}.{g.r.randint(0, 255)}.{g.r.randint(0, 255)}.{g.r.randint(1, 254)}",
        })
    labels = {"Timestamp": L("quasi", "DATE"), "Email Address": L("direct", "EMAIL_ADDRESS"),
              "Your name (optional)": L("direct", "PERSON"), "Location": L("quasi", "LOCATION"),
              "Feedback": L("direct", "PERSON"), "Rating": L("none"), "Source URL": L("none"),
              "IP": L("direct", "IP_ADDRESS")}
    return rows, labels, "microdata", None


def kobo_labels_en(g: Gen):
    """A Kobo export with question labels as headers (not names), HDX-style caps, units."""
    rows = []
    for _i in range(g.rows):
        nm = g.name(g.choice(["so", "en"]))
        rows.append({
            "Enumerator": g.choice(["Team A", "Team B", "Team C"]),
            "What is the name of the respondent?": nm,
            "Respondent phone number (if consent given)": g.maybe(0.7, g.phone(g.choice(["SO", "KE"]))),
            "ADM1_EN": g.choice(PLACES["so"]["region"]),
            "ADM2_PCODE": g.choice(["SO2401", "SO2104", "SO1702", "SO1401", "SO1301"]),
            "Name of IDP site": g.choice(PLACES["so"]["settlement"]),
            "How old are you? (years)": str(g.r.randint(18, 80)),
            "Gender of respondent": g.choice(["Female", "Male"]),
            "How many people live in this household?": str(g.r.randint(1, 14)),
            "Does any member of the household have a disability?": g.choice(["Yes", "No", "No"]),
            "Which clan do you belong to?": g.choice(["Hawiye", "Darod", "Rahanweyn", "Dir"]),
            "When did you arrive in this site?": g.day(date(2023, 1, 1), 700),
            "What is your main source of income?": g.choice(["Casual labour", "Petty trade", "Remittances", "Livestock"]),
            "GPS coordinates": f"{3 + g.r.uniform(-1, 1):.6f} {43.6 + g.r.uniform(-1, 1):.6f} 0 5",
            "Please explain your main concern": g.choice([
                "We have no water since the borehole broke",
                "Fear of eviction by the landowner, we were told to leave",
                "Not enough food, only one meal per day for the whole family",
                "The latrines are far and not lit at night, women are afraid to go there",
                "My husband has diabetes and we cannot buy the medicine",
                "The children are sick with diarrhoea"]) + " " + g.choice([
                "since last month.", "and nobody has come to help.", "for the past two weeks.",
                "and the clinic is too far.", "", "since we arrived here.", "this is our biggest worry.",
                "we asked the camp leader several times."]),
            "Total score": str(g.r.randint(0, 100)),
        })
    labels = {"Enumerator": L("none"), "What is the name of the respondent?": L("direct", "PERSON"),
              "Respondent phone number (if consent given)": L("direct", "PHONE_NUMBER"),
              "ADM1_EN": L("quasi", "ADMIN_AREA"), "ADM2_PCODE": L("quasi", "ADMIN_AREA"),
              "Name of IDP site": L("quasi", "LOCATION"), "How old are you? (years)": L("quasi", "AGE"),
              "Gender of respondent": L("quasi", "SEX_GENDER"),
              "How many people live in this household?": L("quasi", "HOUSEHOLD_SIZE"),
              "Does any member of the household have a disability?": L("sensitive", "DISABILITY"),
              "Which clan do you belong to?": L("sensitive", "ETHNICITY"),
              "When did you arrive in this site?": L("quasi", "DATE"),
              "What is your main source of income?": L("quasi", "OCCUPATION"),
              "GPS coordinates": L("direct", "GPS_COORDINATE"),
              "Please explain your main concern": L("sensitive", "HEALTH"),
              "Total score": L("none")}
    return rows, labels, "microdata", None


BUILDERS = [
    ("beneficiaries_cd_fr.csv", beneficiaries_cd_fr),
    ("beneficiaries_ng_en.csv", beneficiaries_ng_en),
    ("kobo_msna_so.csv", kobo_msna_so),
    ("survey_co_es.csv", survey_co_es),
    ("survey_sy_ar.csv", survey_sy_ar),
    ("registration_ye.csv", survey_ye_translit),
    ("incident_log_gbv_en.csv", incident_log_gbv),
    ("protection_monitoring_cd_fr.csv", protection_monitoring_fr),
    ("3w_somalia_hxl.csv", threew_so),
    ("3w_mali_fr.csv", threew_ml_fr),
    ("sites_colombia_es.csv", sites_es),
    ("health_facilities_et.csv", health_facilities_en),
    ("contacts_cluster.csv", contacts_en),
    ("cash_turkey.xlsx", cash_tr_en),
    ("registration_mz_pt.csv", registration_mz_pt),
    ("distribution_ss_hxl.csv", hxl_distribution),
    ("household_survey_ke.parquet", household_roster_en),
    ("feedback_web.csv", feedback_web_en),
    ("kobo_labels_so.csv", kobo_labels_en),
]


def write(out: Path, name: str, rows, hxl):
    import pandas as pd

    df = pd.DataFrame(rows, dtype="object")
    path = out / name
    if name.endswith(".csv"):
        if hxl:
            import csv

            with open(path, "w", newline="", encoding="utf-8") as fh:
                w = csv.writer(fh)
                w.writerow(list(df.columns))
                w.writerow([hxl.get(c, "") for c in df.columns])
                for r in df.itertuples(index=False):
                    w.writerow(["" if v is None else v for v in r])
        else:
            df.to_csv(path, index=False, encoding="utf-8")
    elif name.endswith(".xlsx"):
        summary = (df.groupby("Province").size().reset_index(name="Number of households"))
        with pd.ExcelWriter(path, engine="openpyxl") as xw:
            df.to_excel(xw, sheet_name="Beneficiaries", index=False)
            summary.to_excel(xw, sheet_name="Summary", index=False)
    elif name.endswith(".parquet"):
        df.astype("string").to_parquet(path, index=False)
    return path


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(Path(__file__).parent / "corpus"))
    ap.add_argument("--rows", type=int, default=250)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args(argv)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    labels = {"description": "Labelled columns for `datasafe eval` (generated by gen_corpus.py; "
                             f"seed {a.seed}). Roles follow shared/contract.md.", "files": {}}
    total = 0
    for i, (name, builder) in enumerate(BUILDERS):
        g = Gen(a.seed * 1000 + i, a.rows)
        rows, lab, kind, hxl = builder(g)
        write(out, name, rows, hxl)
        entry = {"kind": kind, "columns": lab}
        if name.endswith(".xlsx"):
            entry = {"tables": {"Beneficiaries": {"kind": kind, "columns": lab},
                                "Summary": {"kind": "aggregate", "columns": {
                                    "Province": L("quasi", "ADMIN_AREA"),
                                    "Number of households": L("none", trap=True)}}}}
            total += 2
        labels["files"][name] = entry
        total += len(lab)
    with open(out / "labels.yaml", "w", encoding="utf-8") as fh:
        yaml.safe_dump(labels, fh, allow_unicode=True, sort_keys=False, width=100)
    print(f"wrote {len(BUILDERS)} files, {total} labelled columns to {out}")


if __name__ == "__main__":
    main()
