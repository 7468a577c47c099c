"""Sensitivity classification of a file: ``low``, ``moderate``, ``high`` or ``severe``.

The four levels are those of the OCHA/IASC information-sharing protocols (rules file section (a)
A3); what falls at each level follows the country ISPs summarised in A4. The classifier works from
*data types* — "individual records with direct identifiers", "survey aggregates at ADM3", … —
each mapped to a level. The mapping below is the default ISP's; a profile may override it with an
``isp: {classification: {data_type: level}}`` block (see ``profiles/isp-template.yaml``), because
the same data type sits at different levels in different countries (A4 "context overrides").

A file's level is the highest level of any data type found in it, as the HDX sensitive-data
pipeline does ("if multiple sensitivity levels might apply, always choose the highest", rules
file section (b) preamble).
"""

from __future__ import annotations

import re

from datasafe.model import SENSITIVITY_RANK

# data type → (default level, reason shown in the report)
DATA_TYPES: dict[str, tuple[str, str]] = {
    "individual_records": ("severe", "row-level records of people with direct identifiers "
                           "(beneficiary list, registration, line list)"),
    "severe_topic_records": ("severe", "row-level records on a severe topic (GBV, child "
                             "protection, case management, complaints)"),
    "row_level_coordinates": ("severe", "GPS coordinates of people or households"),
    "located_sensitive_groups": ("severe", "sensitive or vulnerable groups located by "
                                 "coordinates or fine administrative units"),
    "security_military": ("severe", "security, access or armed-group information"),
    "biometric": ("severe", "biometric data"),
    "linkable_pseudonyms": ("severe", "pseudonymous identifiers with their key file beside them"),
    "survey_microdata": ("high", "row-level survey or assessment responses (individual or "
                         "household level)"),
    "anonymised_microdata": ("low", "row-level data after disclosure control (k-anonymity "
                             "reached, global and individual risk under the thresholds)"),
    "sensitive_attributes": ("high", "sensitive attributes (health, ethnicity, religion, legal "
                             "status…) at row level"),
    "pseudonymous_ids": ("high", "pseudonymous identifiers or unsalted hashes of identifiers"),
    "keyed_pseudonyms": ("moderate", "record ids replaced by keyed pseudonyms (linkable across "
                         "files that share the key)"),
    "high_reidentification_risk": ("high", "re-identification risk above the profile's "
                                   "thresholds"),
    "contact_list_no_consent": ("high", "contact details of aid workers without recorded consent"),
    "contact_list_consent": ("low", "contact details of aid workers shared with consent"),
    "site_coordinates": ("high", "exact coordinates of sites, camps or facilities"),
    "severe_topic_aggregate": ("high", "aggregates on a severe topic"),
    "aggregate_household": ("high", "results aggregated at community/household level"),
    "aggregate_adm5": ("high", "aggregates at ADM5"),
    "aggregate_adm4": ("high", "aggregates at village, settlement or site level (ADM4)"),
    "aggregate_adm3": ("moderate", "aggregates at sub-district level (ADM3)"),
    "aggregate_adm2": ("low", "aggregates at district level (ADM2)"),
    "aggregate_adm1": ("low", "aggregates at region/province level (ADM1)"),
    "aggregate_adm0": ("low", "national aggregates"),
    "small_cells": ("moderate", "aggregates with small cells"),
    "group_aggregates": ("moderate", "counts of ethnic, religious or other identity groups by "
                         "area"),
    "disaggregated_age_sex": ("moderate", "data disaggregated by age or sex without personal "
                              "identifiers"),
    "collection_metadata": ("moderate", "collection metadata (devices, enumerators, "
                            "submission times)"),
    "free_text": ("high", "free-text answers in row-level data"),
    "no_personal_data": ("low", "no personal or sensitive data found"),
}


# French wording of the reasons (field staff read reports in French).
DATA_TYPES_FR: dict[str, str] = {
    "individual_records": "enregistrements individuels avec identifiants directs (liste de "
                          "bénéficiaires, enregistrement, liste nominative)",
    "severe_topic_records": "enregistrements individuels sur un sujet très sensible (VBG, "
                            "protection de l'enfance, gestion de cas, plaintes)",
    "row_level_coordinates": "coordonnées GPS de personnes ou de ménages",
    "located_sensitive_groups": "groupes sensibles ou vulnérables localisés par coordonnées ou "
                                "unités administratives fines",
    "security_military": "informations de sécurité, d'accès ou sur des groupes armés",
    "biometric": "données biométriques",
    "linkable_pseudonyms": "identifiants pseudonymes accompagnés de leur table de correspondance",
    "survey_microdata": "réponses individuelles d'enquête ou d'évaluation (niveau individu ou "
                        "ménage)",
    "anonymised_microdata": "données individuelles après contrôle de la divulgation "
                            "(k-anonymat atteint, risques global et individuel sous les seuils)",
    "sensitive_attributes": "attributs sensibles (santé, ethnie, religion, statut légal…) au "
                            "niveau individuel",
    "pseudonymous_ids": "identifiants pseudonymes ou empreintes non salées d'identifiants",
    "keyed_pseudonyms": "identifiants remplacés par des pseudonymes à clé (qui permettent de "
                        "relier les fichiers partageant la clé)",
    "high_reidentification_risk": "risque de ré-identification au-dessus des seuils du profil",
    "contact_list_no_consent": "coordonnées d'humanitaires sans consentement enregistré",
    "contact_list_consent": "coordonnées d'humanitaires partagées avec consentement",
    "site_coordinates": "coordonnées exactes de sites, camps ou structures",
    "severe_topic_aggregate": "agrégats sur un sujet très sensible",
    "aggregate_household": "résultats agrégés au niveau communauté/ménage",
    "aggregate_adm5": "agrégats au niveau ADM5",
    "aggregate_adm4": "agrégats au niveau village, localité ou site (ADM4)",
    "aggregate_adm3": "agrégats au niveau sous-district (ADM3)",
    "aggregate_adm2": "agrégats au niveau district (ADM2)",
    "aggregate_adm1": "agrégats au niveau région/province (ADM1)",
    "aggregate_adm0": "agrégats nationaux",
    "small_cells": "agrégats avec de petites cellules",
    "group_aggregates": "effectifs de groupes ethniques, religieux ou d'autres groupes "
                        "identitaires par zone",
    "disaggregated_age_sex": "données désagrégées par âge ou sexe sans identifiants personnels",
    "collection_metadata": "métadonnées de collecte (appareils, enquêteurs, heures de "
                           "soumission)",
    "free_text": "réponses en texte libre dans des données individuelles",
    "no_personal_data": "aucune donnée personnelle ou sensible trouvée",
}


def classification(profile) -> dict[str, str]:
    """data type → level, with the profile's ``isp.classification`` overrides."""
    levels = {k: v[0] for k, v in DATA_TYPES.items()}
    raw = getattr(profile, "raw", None) or {}
    isp = raw.get("isp") or {}
    for k, v in (isp.get("classification") or {}).items():
        if str(v) in SENSITIVITY_RANK:
            levels[str(k)] = str(v)
    return levels


# not a data type: the level the file's owner declared in its sidecar, a floor for the level
DECLARED = {"en": "declared by the file's owner in its sidecar (sensitivity:)",
            "fr": "déclarée par le responsable du fichier dans son fichier annexe (sensitivity:)"}


def reason_text(data_type: str, profile=None, lang: str = "en") -> str:
    if data_type == "declared":
        return DECLARED.get(lang, DECLARED["en"])
    raw = getattr(profile, "raw", None) or {}
    custom = ((raw.get("isp") or {}).get("reasons") or {}).get(data_type)
    if isinstance(custom, dict):
        custom = custom.get(lang) or custom.get("en")
    if custom:
        return str(custom)
    if lang == "fr" and data_type in DATA_TYPES_FR:
        return DATA_TYPES_FR[data_type]
    return DATA_TYPES.get(data_type, ("", data_type.replace("_", " ")))[1]


LEVELS_FR = {"severe": "sévère", "high": "élevée", "moderate": "modérée", "low": "faible"}
_WHERE_FR = re.compile(r"(^|, )(sheet|column) ")


def _where_in(text: str, lang: str) -> str:
    if lang != "fr":
        return text
    return _WHERE_FR.sub(lambda m: m.group(1) + ("feuille " if m.group(2) == "sheet"
                                                 else "colonne "), text)


def reasons_in(details: list[dict], lang: str = "en", profile=None) -> list[str]:
    """Reason lines in ``lang`` from ``FileResult.extra["sensitivity_details"]`` (what reports
    use to translate ``sensitivity_reasons``)."""
    out = []
    for d in details or []:
        where = [_where_in(str(w), lang) for w in d.get("where") or []]
        suffix = f" ({', '.join(where[:4])}{', …' if len(where) > 4 else ''})" if where else ""
        level = str(d.get("level"))
        if lang == "fr":
            head = f"{LEVELS_FR.get(level, level)}\u00a0: "
        else:
            head = f"{level}: "
        out.append(f"{head}{reason_text(str(d.get('data_type')), profile, lang)}{suffix}")
    return out


def classify(hints: list[tuple[str, str]], profile) -> tuple[str, list[str]]:
    """Level and reasons from ``(data_type, where)`` hints. ``where`` names the table/column."""
    level, details = classify_details(hints, profile)
    return level, reasons_in(details, "en", profile)


def classify_details(hints: list[tuple[str, str]], profile) -> tuple[str, list[dict]]:
    """Level and structured reasons ``[{level, data_type, where}]``, highest level first."""
    levels = classification(profile)
    best = "low"
    found: dict[str, list[str]] = {}
    for data_type, where in hints:
        level = levels.get(data_type)
        if level is None:
            continue
        found.setdefault(data_type, [])
        if where and where not in found[data_type]:
            found[data_type].append(where)
        if SENSITIVITY_RANK[level] > SENSITIVITY_RANK[best]:
            best = level
    if not found:
        return "low", [{"level": "low", "data_type": "no_personal_data", "where": []}]
    ordered = sorted(found, key=lambda d: -SENSITIVITY_RANK[levels[d]])
    return best, [{"level": levels[d], "data_type": d, "where": found[d]} for d in ordered]
