"""Direct identifiers (DR-PII): rules file section (b) "Direct identifiers"."""

from __future__ import annotations

import re

from datasafe.checking import lexicon as lx
from datasafe.checking import values as vals
from datasafe.checking.registry import Check, Hit, register
from datasafe.report.common import Figure

# keyed-hash pseudonyms (datasafe's pseudonymise: hex) and values encrypted for controlled
# re-personalisation (encrypt / redact --reversible: "siv1:" tokens, readable with the key only)
PSEUDONYM = re.compile(r"^\s*(?:[0-9a-fA-F]{12,64}|siv1:[A-Za-z0-9_\-]{16,}={0,2})\s*$")
IMAGE_LINK = re.compile(r"(?i)\.(?:jpe?g|png|heic|gif|bmp|wsq|tiff?)(?:\?|$|\s)")


class _EntityColumn(Check):
    """Shared shape of the direct-identifier checks: a row-level column whose detected entity is
    one of ``entities``. Contact lists of aid workers are left to DR-PII-11."""

    scope = "column"
    entities: tuple[str, ...] = ()
    header_tokens: frozenset[str] = frozenset()
    need_row_level = True

    def matches(self, ctx, col) -> bool:
        if ctx.has_entity(col, *self.entities):
            return True
        return bool(self.header_tokens and ctx.tokens(col) & self.header_tokens)

    def check_column(self, ctx, col):
        if col.stats.non_empty == 0 or not self.matches(ctx, col):
            return
        if self.need_row_level and not ctx.row_level:
            return
        if ctx.contact_list and self.id in ("DR-PII-01", "DR-PII-02", "DR-PII-03"):
            return
        yield Hit(col, filled=col.stats.non_empty)


@register
class PersonNames(_EntityColumn):
    """Person names in row-level data.

    Bad::

        full_name,age,village
        Amina Yusuf,34,Kalemie

    Good (names removed; a random code if rows must be linked)::

        age_group,village
        30-39,Kalemie
    """

    id = "DR-PII-01"
    entities = ("PERSON",)


@register
class PhoneNumbers(_EntityColumn):
    """Phone numbers in row-level data.

    Bad::

        household,phone
        HH-001,+243 812 345 678

    Good::

        household_size,village
        5,Kalemie
    """

    id = "DR-PII-02"
    entities = ("PHONE_NUMBER",)


@register
class EmailAddresses(_EntityColumn):
    """E-mail addresses in row-level data.

    Bad::

        respondent,email
        R1,amina.yusuf@example.org

    Good::

        respondent_age,province
        34,Tanganyika
    """

    id = "DR-PII-03"
    entities = ("EMAIL_ADDRESS",)


@register
class IdentityNumbers(_EntityColumn):
    """National ID, passport, refugee or case/registration numbers in row-level data.

    Bad::

        case_id,national_id,age
        UNHCR-123-45678,1-2345-67890-1,34

    Good (numbers dropped, or replaced by a random code kept apart from any key)::

        age,sex
        34,F
    """

    id = "DR-PII-04"
    entities = ("NATIONAL_ID", "CASE_ID")

    def check_column(self, ctx, col):
        for hit in super().check_column(ctx, col):
            if vals.sample_share(col, PSEUDONYM) >= 0.95:
                hit.variant = "pseudonymised"  # keyed-hash codes: linkable, not anonymous
                hit.sensitivity = "keyed_pseudonyms"
            yield hit


@register
class FullDatesOfBirth(Check):
    """Full dates of birth (day, month and year) in a date-of-birth column.

    Bad::

        date_of_birth,sex
        1989-03-14,F

    Good (age in years, a band, or the year only)::

        birth_year,sex
        1989,F
    """

    id = "DR-PII-05"
    scope = "column"

    def check_column(self, ctx, col):
        tag, attrs = ctx.hxl(col)
        is_dob = (ctx.has_entity(col, "DATE_OF_BIRTH") or ctx.norm(col) in lx.DOB_HEADERS
                  or (attrs & {"birth", "dob"}) or ("birth" in ctx.tokens(col)
                                                    and "date" in ctx.tokens(col)))
        if not is_dob:
            return
        hits, n = vals.share_matching(ctx.series(col), vals.FULL_DATE_RE, col)
        if n and hits / n >= float(ctx.param("min_share", 0.5)):
            yield Hit(col, full_dates=hits, share=Figure(f"{hits / n:.0%}"))


@register
class StreetAddresses(_EntityColumn):
    """Street or physical addresses in row-level data.

    Bad::

        name,address
        Amina,12 Avenue Lumumba Kalemie

    Good::

        commune,territoire
        Kalemie,Kalemie
    """

    id = "DR-PII-06"
    entities = ("ADDRESS",)


@register
class Biometrics(Check):
    """Biometric data, photos, signatures or links to them.

    Bad::

        beneficiary_code,fingerprint_template,photo
        B-17,Rk9PQkFS...,https://kc.example.org/attachments/b17.jpg

    Good::

        beneficiary_code,received
        B-17,yes
    """

    id = "DR-PII-07"
    scope = "column"
    TOKENS = frozenset({"fingerprint", "fingerprints", "biometric", "biometrics", "iris",
                        "signature", "photo", "photograph", "photos", "selfie", "face",
                        "empreinte", "empreintes", "huella", "huellas", "firma", "foto",
                        "attachments", "_attachments"})

    def check_column(self, ctx, col):
        if col.stats.non_empty == 0:
            return
        by_header = bool(ctx.tokens(col) & self.TOKENS) or ctx.norm(col) == "_attachments"
        by_values = vals.sample_share(col, IMAGE_LINK) >= 0.5
        if by_header or by_values:
            yield Hit(col, filled=col.stats.non_empty)


@register
class FinancialIdentifiers(_EntityColumn):
    """Bank, card, IBAN or mobile-money account numbers.

    Bad::

        beneficiary,iban,amount
        B-17,CD21 0001 2345 6789 0123 4567 89,120

    Good::

        province,transfers,total_amount
        Tanganyika,1520,182400
    """

    id = "DR-PII-08"
    entities = ("CREDIT_CARD", "IBAN_CODE")
    header_tokens = frozenset({"iban", "swift", "bic", "bank_account", "account", "momo",
                               "wallet", "compte", "cuenta", "mpesa"})
    need_row_level = False

    def matches(self, ctx, col) -> bool:
        if ctx.has_entity(col, *self.entities):
            return True
        toks = ctx.tokens(col)
        if toks & {"iban", "swift", "momo", "mpesa", "wallet"}:
            return True
        if ctx.has_entity(col, "NATIONAL_ID"):
            return False  # "numéro de carte d'électeur", "ID card number": identity cards
        return bool(toks & {"account", "compte", "cuenta", "card", "carte"}
                    and toks & {"number", "no", "num", "numero", "bank", "bancaire", "mobile",
                                "money", "banque"})


@register
class HealthData(Check):
    """Individual health or disability data at row level.

    Bad::

        name,hiv_status
        Amina Yusuf,positive

    Good (aggregated, no identifiers)::

        province,people_on_treatment
        Tanganyika,1240
    """

    id = "DR-PII-09"
    scope = "column"

    def check_column(self, ctx, col):
        if not ctx.row_level or col.stats.non_empty == 0:
            return
        if not ctx.has_entity(col, "HEALTH", "DISABILITY"):
            return
        ids = [c.name for c in ctx.direct_columns if c is not col]
        if ids:
            yield Hit(col, variant="with_identifier", identifiers=", ".join(ids[:5]))
        else:
            yield Hit(col)


@register
class FreeText(Check):
    """Free-text answers in row-level data (comments, "other, specify", case notes).

    Bad::

        respondent,comments
        R1,"My neighbour Amina was attacked near the water point"

    Good (free text removed, or recoded into categories)::

        respondent,main_concern
        R1,safety
    """

    id = "DR-PII-10"
    scope = "column"

    def check_column(self, ctx, col):
        if not ctx.row_level or col.stats.non_empty == 0:
            return
        if col.free_text or ctx.has_entity(col, "FREE_TEXT") or (
                col.stats.inferred_type == "text" and col.role in ("none", "sensitive", "quasi")):
            yield Hit(col, filled=col.stats.non_empty)


@register
class AidWorkerContacts(Check):
    """Contact details of aid workers or focal points (names, phones, e-mails beside
    organisation or position columns).

    Bad (public, or without recorded consent)::

        organisation,focal_point,phone
        NGO A,Jean Mbuyi,+243 998 877 665

    Good (a generic organisational mailbox, or consent declared in the sidecar and shared
    privately)::

        organisation,contact
        NGO A,info@ngo-a.example
    """

    id = "DR-PII-11"
    scope = "table"

    def check_table(self, ctx):
        cols = [c.name for c in ctx.columns if ctx.has_entity(
            c, "PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS") or ctx.hxl(c)[0] == "#contact"]
        # a contact list, or the focal points of a count table (a 3W's "Point focal", "Email
        # point focal"): the people named are the organisations' staff
        in_counts = bool(cols) and ctx.tres is not None and ctx.tres.kind == "aggregate"
        if not (ctx.contact_list or in_counts):
            return
        consent = ctx.sidecar.get("consent")
        if consent is True or str(consent).strip().lower() in ("true", "yes", "oui", "1"):
            yield Hit(variant="consent", sensitivity="contact_list_consent",
                      columns=", ".join(cols[:6]), count=len(cols))
        else:
            yield Hit(variant="no_consent", sensitivity="contact_list_no_consent",
                      columns=", ".join(cols[:6]), count=len(cols))


@register
class CollectionMetadata(Check):
    """Kobo/ODK collection metadata: device ids, enumerator names, submission ids and times,
    GPS precision and altitude.

    Bad::

        _uuid,deviceid,enumerator,_submission_time,age
        9b1d…,collect:A1B2C3,Jean Mbuyi,2024-03-14T10:22:31,34

    Good::

        age,province
        34,Tanganyika
    """

    id = "DR-PII-12"
    scope = "table"
    WEAK = {"start", "end", "today", "username", "audit", "starttime", "endtime"}

    def check_table(self, ctx):
        strong, weak, high = [], [], []
        for c in ctx.columns:
            n = ctx.norm(c)
            if not (c.stats and c.stats.non_empty):
                continue  # an empty _notes or _tags column holds no metadata to remove
            if n in lx.KOBO_META_HIGH:
                high.append(c)
            elif lx.is_collection_metadata(n):
                (weak if n in self.WEAK else strong).append(c)
        if not (strong or high):
            return
        for c in high:
            yield Hit(c, variant="device_or_enumerator")
        rest = strong + weak
        if rest:
            yield Hit(variant="metadata", columns=", ".join(c.name for c in rest[:8]),
                      count=len(rest))


@register
class OtherDirectIdentifiers(Check):
    """Any other column detection marks as a direct identifier (IP address, online id…) that
    no specific check covers.

    Bad::

        ip_address,answer
        197.243.12.8,yes

    Good::

        answer
        yes
    """

    id = "DR-PII-13"
    scope = "column"
    COVERED = ("PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "NATIONAL_ID", "CASE_ID", "ADDRESS",
               "DATE_OF_BIRTH", "GPS_COORDINATE", "CREDIT_CARD", "IBAN_CODE")

    def check_column(self, ctx, col):
        if col.role != "direct" or col.stats.non_empty == 0:
            return
        if ctx.has_entity(col, *self.COVERED) or ctx.contact_list:
            return
        yield Hit(col, entity=col.entity or "unknown")


@register
class PeopleAsHeaders(Check):
    """People's names used as column headers (an attendance register, a distribution checklist:
    one column per person). The reader shows them as ``person_1``, ``person_2``…

    Bad::

        session_date,Amina Yusuf,Jean-Pierre Mbuyi,Zawadi Lukusa
        2024-02-01,1,0,1

    Good (the people replaced by labels; the key kept apart if they must be found again)::

        session_date,person_1,person_2,person_3
        2024-02-01,1,0,1
    """

    id = "DR-PII-14"
    scope = "table"

    def check_table(self, ctx):
        meta = ctx.table.meta if ctx.table is not None else {}
        if meta.get("shown_name"):  # a sheet named after a person
            yield Hit(variant="sheet", sheet=meta["shown_name"])
        if meta.get("masked_hxl"):  # '#indicator+amina_kabila'
            yield Hit(variant="hxl", count=len(meta["masked_hxl"]))
        masked = meta.get("masked_headers") or {}
        if not masked:
            return
        labels = [ctx.table.headers[i] for i in sorted(masked) if i < len(ctx.table.headers)]
        col = ctx.tres.column(labels[0]) if labels else None
        yield Hit(col, variant="columns", count=len(labels), columns=", ".join(labels[:5])
                  + ("…" if len(labels) > 5 else ""))
