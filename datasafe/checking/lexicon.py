"""Small structural vocabularies the checks need beyond detection's roles: Kobo/ODK system columns,
coordinate and admin-level headers, severe-topic keywords, count tags. Headers are compared after
:func:`norm` (lower case, accents and Kobo group prefixes stripped, separators → ``_``).

Lists follow section (c) and (d) of ``shared/guidance/data-responsibility-rules.md``; entries the
guidance marks (s) are suggestions.
"""

from __future__ import annotations

import re
import unicodedata

_SEP = re.compile(r"[^a-z0-9]+")


def norm(header: str | None) -> str:
    """``'grp_demo/Sexe du chef de ménage'`` → ``'sexe_du_chef_de_menage'``."""
    if not header:
        return ""
    h = str(header)
    if "/" in h and " " not in h.split("/", 1)[0]:
        h = h.rsplit("/", 1)[-1] or h
    h = unicodedata.normalize("NFKD", h)
    h = "".join(c for c in h if not unicodedata.combining(c)).lower().strip()
    lead = "_" if h.startswith("_") else ""
    return lead + _SEP.sub("_", h).strip("_")


def tokens(header: str | None) -> set[str]:
    return {t for t in norm(header).split("_") if t}


def hxl_parts(tag: str | None) -> tuple[str, set[str]]:
    """``'#contact+phone+f'`` → ``('#contact', {'phone', 'f'})``."""
    if not tag:
        return "", set()
    parts = str(tag).strip().lower().replace(" ", "").split("+")
    return parts[0], {p for p in parts[1:] if p}


# --- Kobo / ODK collection metadata (DR-PII-12) ----------------------------------------------
KOBO_META = {
    "_uuid", "uuid", "instanceid", "_id", "_index", "_submission_time", "submissiondate",
    "submission_date", "_submitted_by", "_validation_status", "_status", "_xform_id_string",
    "_version", "__version__", "_tags", "_notes", "_parent_index", "_parent_table_name",
    "start", "end", "today", "deviceid", "device_id", "imei", "subscriberid", "simserial",
    "simid", "username", "audit", "enumerator", "enumerator_name", "enumerator_id", "enqueteur",
    "nom_enqueteur", "encuestador", "inqueridor", "interviewer", "interviewer_name",
    "starttime", "endtime", "instancename", "formhub_uuid", "meta_instanceid",
    # ODK Central's export
    "submitterid", "submittername", "reviewstate", "formversion", "attachmentspresent",
    "attachmentsexpected",
    # a repeat group's sheet of a Kobo xlsx export: its rows point back at their submission
    # (normalised: "_submission__uuid" → "_submission_uuid")
    "_submission_id", "_submission_uuid", "_submission_submission_time",
    "_submission_validation_status", "_submission_notes", "_submission_status",
    "_submission_submitted_by", "_submission_version", "_submission_tags",
}
KOBO_META_HIGH = {
    "deviceid", "device_id", "imei", "subscriberid", "simserial", "simid", "username",
    "_submitted_by", "enumerator", "enumerator_name", "enumerator_id", "enqueteur",
    "nom_enqueteur", "encuestador", "inqueridor", "interviewer", "interviewer_name",
}
KOBO_META_SUFFIXES = ("_precision", "_altitude", "_accuracy")


def is_collection_metadata(header: str) -> bool:
    """A normalised header (:func:`norm`) of a Kobo/ODK system column: ids, submission times,
    device, enumerator (``KOBO_META`` holds ``KOBO_META_HIGH``), GPS precision and altitude —
    what DR-PII-12 reports and a public-use copy drops."""
    return header in KOBO_META or header.endswith(KOBO_META_SUFFIXES)

# --- Coordinates (DR-GEO) ---------------------------------------------------------------------
COORD_TOKENS = {"lat", "latitude", "lon", "lng", "long", "longitude", "gps", "geopoint",
                "geolocation", "coordinates", "coordonnees", "coordenadas", "coord", "coords",
                "utm", "mgrs", "easting", "northing", "pluscode", "what3words", "w3w"}
COORD_EXACT = {"_geolocation", "geo_location", "location_coordinates", "site_coordinates", "x",
               "y", "gps_actif"}

# --- Admin levels (DR-GEO-04, DR-AGG-03) ------------------------------------------------------
ADMIN_WORDS = {
    1: {"admin1", "adm1", "region", "province", "governorate", "state", "muhafaza", "etat"},
    2: {"admin2", "adm2", "district", "county", "departement", "departamento", "municipio",
        "cercle", "prefecture", "lga", "qada", "woreda"},
    3: {"admin3", "adm3", "sub_district", "subdistrict", "commune", "municipality", "sous_prefecture",
        "nahiya", "ward", "vdc", "vdc_municipality", "chiefdom", "posto_administrativo",
        "parroquia", "upazila", "tehsil"},
    4: {"admin4", "adm4", "village", "settlement", "locality", "localite", "quartier", "bairro",
        "aldeia", "qarya", "lugar_poblado", "community", "comunidad", "neighbourhood", "cluster_village",
        "camp", "site", "idp_settlement", "idp_settlement_name", "idp_site", "site_name",
        "camp_name", "localidade", "mukhayyam"},
    5: {"admin5", "adm5", "block", "bloc", "bloque", "blk", "household_location"},
}

# --- Severe topics (DR-DII-02), security (DR-DII-03), sites (DR-DII-04) ------------------------
SEVERE_TOPIC_WORDS = {
    "gbv", "sgbv", "vbg", "vbgs", "gender_based_violence", "violence_basee_sur_le_genre", "sea",
    "psea", "seah", "child_protection", "protection_de_l_enfance", "case_management",
    "gestion_des_cas", "referral", "referencement", "survivor", "survivant", "survivante",
    "sobreviviente", "sobrevivente", "complaint", "complaints", "plainte", "plaintes", "queja",
    "cfm", "feedback_mechanism", "rape", "viol", "sexual_violence", "violence_sexuelle",
    "violencia_sexual", "abuse", "uasc", "unaccompanied", "non_accompagne", "separated_children",
    "trafficking", "traite", "patient", "line_list", "protection_incident", "incident_type",
    "gbv_case_type", "confidential_notes", "protection_monitoring",
}
SEVERE_VALUE_RE = re.compile(
    r"\b(gbv|sgbv|vbg|rape|raped|viol(?:ée|e)?|sexual (?:assault|violence|abuse|exploitation)|"
    r"violence sexuelle|agression sexuelle|violencia sexual|child marriage|mariage (?:précoce|forcé)|"
    r"trafficking|traite|abduct(?:ed|ion)|enl[eè]vement|survivor|survivant(?:e)?|unaccompanied)\b",
    re.IGNORECASE)
SECURITY_WORDS = {
    "checkpoint", "checkpoints", "check_point", "armed_group", "armed_groups", "groupe_arme",
    "groupes_armes", "militia", "milice", "military", "militaire", "military_presence",
    "control_zone", "area_of_control", "areas_of_control", "zone_de_controle", "convoy", "convoi",
    "escort", "escorte", "humanitarian_notification", "deconfliction", "evacuation_route",
    "frontline", "front_line", "ied", "airstrike", "shelling",
}
SECURITY_HXL = {"#group", "#access", "#operations"}
SITE_WORDS = {
    "camp", "camps", "site", "sites", "idp_site", "idp_camp", "collective_site", "collective_centre",
    "shelter", "shelters", "abri", "warehouse", "entrepot", "distribution_point",
    "health_facility", "facility", "facilities", "hospital", "hopital", "clinic", "clinique",
    "school", "ecole", "safe_space", "safe_house", "women_safe_space",
}
SITE_HXL_ATTRS = {"camp", "facility", "shelter", "warehouse", "site"}

# --- Contact lists (DR-PII-11) ----------------------------------------------------------------
CONTACT_LIST_WORDS = {
    "organisation", "organization", "org", "agency", "agence", "organisme", "cluster", "sector",
    "secteur", "position", "title", "poste", "fonction", "focal", "focal_point", "point_focal",
    "role", "job_title",
}
# Headers that say the rows are people served, not staff (a contact list never has them).
SERVED_PEOPLE_WORDS = {
    "beneficiary", "beneficiaries", "beneficiaire", "beneficiaires", "household", "households",
    "menage", "hh", "registration", "enregistrement", "case", "cas", "patient", "survivor",
    "survivant", "respondent", "repondant", "refugee", "refugie", "idp", "deplace", "ration",
}

# --- Date of birth (DR-PII-05) ----------------------------------------------------------------
DOB_HEADERS = {
    "dob", "date_of_birth", "birth_date", "birthdate", "date_birth", "birthday",
    "date_naissance", "date_de_naissance", "datenaissance", "fecha_nacimiento",
    "fecha_de_nacimiento", "data_nascimento", "data_de_nascimento", "tarikh_al_milad",
}

# --- Pseudonymous IDs (DR-DEID-09) ------------------------------------------------------------
ID_TOKENS = {"id", "code", "identifier", "identifiant", "uid", "ref", "key", "pseudonym",
             "pseudo", "token"}
KEY_FILE_RE = re.compile(r"(key|lookup|look_up|mapping|crosswalk|link(ing)?|correspondan|"
                         r"pseudonym|reference|cle|clef|table_de_passage)", re.IGNORECASE)

# --- Aggregates (DR-AGG, DR-HXL-03) -----------------------------------------------------------
COUNT_HXL = {"#population", "#affected", "#inneed", "#targeted", "#reached", "#indicator+num",
             "#value+num"}
COUNT_HXL_TAGS = {"#population", "#affected", "#inneed", "#targeted", "#reached"}
COUNT_WORDS = {"count", "counts", "number", "nb", "nbr", "num", "n", "total", "population",
               "affected", "cases", "cas", "individuals", "individus", "households", "menages",
               "hh", "ind", "persons", "personnes", "people", "men", "women", "boys", "girls",
               "hommes", "femmes", "garcons", "filles", "children", "enfants", "idps", "refugees",
               "returnees", "beneficiaries", "beneficiaires", "reached", "targeted", "inneed",
               "pin", "survivors", "incidents", "deaths", "injured", "killed"}
TOTAL_WORDS = {"total", "totals", "sum", "all", "ensemble", "tous", "todos"}
DISAGG_WORDS = {"male", "female", "men", "women", "boys", "girls", "hommes", "femmes",
                "garcons", "filles", "m", "f", "hombres", "mujeres", "ninos", "ninas",
                "children", "adults", "elderly", "infants", "adolescents", "0_4", "5_17",
                "18_59", "60", "under5", "u5"}
DISAGG_HXL_ATTRS = {"f", "m", "i", "infants", "children", "adolescents", "adults", "elderly"}
