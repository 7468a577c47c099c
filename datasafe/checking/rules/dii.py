"""Group data and sensitive attributes (DR-DII): rules file section (b) "Group / sensitive
attributes" and section (a) A1 (Demographically Identifiable Information)."""

from __future__ import annotations

from datasafe.checking import lexicon as lx
from datasafe.checking.registry import Check, Hit, register
from datasafe.report.common import Phrase


def _listed(parts: list) -> Phrase | str:
    """"a; b; c" of up to three phrases, said in the report's language."""
    if not parts:
        return ""
    return Phrase(f"finding_details.list_{len(parts)}", **dict(zip("abc", parts)))

SENSITIVE_ENTITIES = ("ETHNICITY", "RELIGION", "LEGAL_STATUS", "SEXUAL_ORIENTATION",
                      "POLITICAL_AFFILIATION")
SENSITIVE_TOKENS = {"ethnicity", "ethnic", "ethnie", "etnia", "tribe", "clan", "caste", "religion",
                    "religious", "sexual_orientation", "orientation_sexuelle", "orientacion_sexual",
                    "legal_status", "statut_legal", "estatus_migratorio", "asylum", "political",
                    "party_affiliation"}


@register
class SensitiveAttributes(Check):
    """Sensitive attributes of people (ethnicity, clan, religion, legal status, sexual
    orientation, political affiliation…) in row-level data.

    Bad::

        respondent,age,clan,legal_status
        R1,34,Hawiye,undocumented

    Good (attribute removed from the shared file, or only in aggregates at a coarse level)::

        respondent,age_group
        R1,30-39
    """

    id = "DR-DII-01"
    scope = "column"

    def check_column(self, ctx, col):
        if not ctx.row_level or col.stats.non_empty == 0:
            return
        if ctx.has_entity(col, "HEALTH", "DISABILITY", "PROTECTION_INCIDENT"):
            return  # DR-PII-09 and DR-DII-02
        n = ctx.norm(col)
        by_entity = ctx.has_entity(col, *SENSITIVE_ENTITIES) or (
            col.role == "sensitive" and not ctx.has_entity(col, "FREE_TEXT"))
        by_header = n in SENSITIVE_TOKENS or bool(ctx.tokens(col) & SENSITIVE_TOKENS)
        if not (by_entity or by_header):
            return
        ids = [c.name for c in ctx.direct_columns if c is not col]
        if ids:
            yield Hit(col, variant="with_identifier", attribute=col.entity or n,
                      identifiers=", ".join(ids[:5]))
        else:
            yield Hit(col, attribute=col.entity or n)


@register
class SevereTopic(Check):
    """A severe topic — GBV, sexual exploitation and abuse, child protection, case management,
    referrals, complaints — recognised by headers, sheet or file name, or values.

    Bad::

        case_id,survivor_age,incident_type,referral
        C-17,15,rape,health

    Good (only aggregates at ADM2 or above, with small cells suppressed)::

        province,incidents_reported
        Tanganyika,(suppressed)
    """

    id = "DR-DII-02"
    scope = "table"

    def check_table(self, ctx):
        if not ctx.severe_topic or not ctx.columns:
            return
        evidence = []
        if not ctx.row_level and not (ctx.severe_topic_headers or ctx.severe_topic_title):
            return  # values that mention GBV in an aggregate (e.g. a 3W activity) are context
        if ctx.severe_topic_headers:
            evidence.append(Phrase("finding_details.topic_headers",
                                   columns=", ".join(ctx.severe_topic_headers[:5])))
        if ctx.severe_topic_title:
            evidence.append(Phrase("finding_details.topic_title"))
        if ctx.severe_topic_values and ctx.row_level:
            evidence.append(Phrase("finding_details.topic_values",
                                   columns=", ".join(ctx.severe_topic_values[:5])))
        col = ctx.tres.column(ctx.severe_topic_headers[0]) if ctx.severe_topic_headers else None
        if ctx.row_level:
            yield Hit(col, variant="row_level", evidence=_listed(evidence),
                      sensitivity="severe_topic_records")
        elif not ctx.aggregate and not ctx.severe_topic_headers and not ctx.severe_topic_values:
            return  # a file name alone on a table that is neither rows nor counts
        else:
            level, _ = ctx.finest_admin
            if level is not None and level >= 3:
                yield Hit(col, variant="fine_aggregate", evidence=_listed(evidence),
                          level=level, sensitivity="severe_topic_aggregate")
            else:
                yield Hit(col, variant="aggregate", evidence=_listed(evidence),
                          level=level if level is not None else 0,
                          sensitivity="severe_topic_aggregate")


@register
class SecurityData(Check):
    """Security, access or military information: checkpoints, armed-group presence, areas of
    control, convoy movements, humanitarian notifications (HXL ``#group``, ``#access``).

    Bad::

        location,armed_group,checkpoint_type,convoy_date
        Nyunzu,Group X,illegal,2024-03-14

    Good::

        province,access_incidents_month
        Tanganyika,14
    """

    id = "DR-DII-03"
    scope = "table"

    def check_table(self, ctx):
        hits = []
        for c in ctx.columns:
            tag, _ = ctx.hxl(c)
            n = ctx.norm(c)
            if tag in lx.SECURITY_HXL or n in lx.SECURITY_WORDS or ctx.tokens(c) & lx.SECURITY_WORDS \
                    or any(w in n for w in lx.SECURITY_WORDS if "_" in w):
                hits.append(c)
        if hits:
            yield Hit(hits[0], columns=", ".join(c.name for c in hits[:5]))


@register
class SensitiveSites(Check):
    """Exact coordinates of sites where displaced or vulnerable people live or are served:
    IDP camps, collective centres, shelters, safe spaces, health facilities, warehouses.

    Bad::

        site_name,site_type,latitude,longitude
        Katanika,idp_camp,-5.94713,29.19488

    Good (site listed by admin unit only, or coordinates rounded per the ISP)::

        site_name,site_type,territory
        Katanika,idp_camp,Kalemie
    """

    id = "DR-DII-04"
    scope = "table"

    def check_table(self, ctx):
        if ctx.row_level:
            return  # people's rows: DR-GEO-01/02
        coords = [(c, d) for c, d in ctx.coordinate_columns
                  if d["median"] >= int(ctx.param("min_decimals", 3))]
        if not coords:
            return
        sites = [c for c in ctx.columns if ctx.tokens(c) & lx.SITE_WORDS
                 or ctx.hxl(c)[1] & lx.SITE_HXL_ATTRS or ctx.norm(c) in lx.SITE_WORDS]
        if not sites:
            return
        c, d = coords[0]
        from datasafe.checking.rules.geo import _m

        yield Hit(c, site_column=sites[0].name, decimals=d["median"], metres=_m(d["median"]))
