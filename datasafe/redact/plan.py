"""The redaction plan: which column gets which treatment, and why.

A plan is derived from a scan (each column's role and entity, the table's kind and risk) and the
profile (its k, its destination, its small-cell threshold). A user prints it with
``datasafe redact FILE --plan``, saves it with ``--write-plan plan.yaml``, edits it and passes it
back with ``--plan-file plan.yaml`` on this month's file and the next. Entries in a plan file
override the derived plan column by column; columns the file does not name keep their derived
treatment (set ``default: keep`` in a table to keep them unchanged instead).

Plan file (YAML)::

    version: 1
    tables:
      - table: null            # sheet name in a workbook; "*" or absent: every table
        columns:
          Name:       {treatment: drop}
          Phone:      {treatment: mask, keep_last: 2}
          Case ID:    {treatment: pseudonymise, context: case_id}
          Household:  {treatment: encrypt}   # reversible: the custodian key of `datasafe keygen`
          Age:        {treatment: generalise, method: age_band, bands: [0, 5, 12, 18, 60]}
          Visit date: {treatment: generalise, method: date, level: month}
          GPS:        {treatment: generalise, method: gps_centroid, pcode: admin2_pcode}
          Income:     {treatment: generalise, method: top_bottom, high: 95, low: 5}
          Village:    {treatment: generalise, method: rare_merge, min_count: 5}
          Notes:      {treatment: free_text}
        local_suppression: {k: 5, key_vars: [Age, Sex, Village], importance: [Sex, Age, Village]}
        small_cells: {threshold: 5, columns: [Cases], group_columns: [District]}

``key_vars: auto`` (what ``--write-plan`` saves for derived key variables) chooses them again from
each run's scan, as the proof scan of the copy will; a list pins them.

``importance`` lists the key variables most important first: those are suppressed last (the
order sdcMicro's importance vector gives). The plan never holds a key or a raw value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasafe.redact.treatments import GENERALISE_METHODS, TreatmentError, canonical, ner_available
from datasafe.report.common import Figure, Messages, Phrase, say

PLAN_VERSION = 1


class PlanError(ValueError):
    pass


def _why(reason: str, **params: Any) -> Phrase:
    """The reason of a derived treatment, said in the reader's language when printed (the
    catalogue's ``plan.reason.*``; plan files and logs keep the English)."""
    return Phrase(f"plan.reason.{reason}", **params)


@dataclass
class ColumnPlan:
    column: str
    treatment: str = "keep"
    params: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    source: str = "derived"  # derived | plan-file

    @property
    def needs_key(self) -> bool:
        return self.treatment in ("pseudonymise", "encrypt")

    def describe(self) -> str:
        if self.treatment == "generalise":
            method = self.params.get("method")
            rest = {k: v for k, v in self.params.items() if k != "method"}
            return f"generalise:{method}" + (f" {_fmt(rest)}" if rest else "")
        return self.treatment + (f" {_fmt(self.params)}" if self.params else "")

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"treatment": self.treatment}
        d.update(self.params)
        if self.reason:
            d["reason"] = str(self.reason)  # plain text in a plan file, whatever it was built as
        return d


def _fmt(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items() if not k.startswith("_"))


@dataclass
class TablePlan:
    table: str | None
    columns: list[ColumnPlan] = field(default_factory=list)
    local_suppression: dict[str, Any] | None = None
    small_cells: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)
    # public copies: e-mails, phones and GPS pairs left in columns kept as they are (a phone in
    # 'remarks') are replaced (treatments.scrub_stray_contacts)
    scrub_contacts: bool = False
    # not serialised: the scan's TableResult and the risk settings, so that local suppression
    # can choose its key variables on the treated table as the rescan will (``auto_keys``:
    # the key variables were derived, not given by --key-vars or a plan file)
    context: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def column(self, name: str) -> ColumnPlan | None:
        for c in self.columns:
            if c.column == name:
                return c
        return None

    @property
    def changes(self) -> bool:
        return bool(self.local_suppression or self.small_cells or self.scrub_contacts or any(
            c.treatment != "keep" for c in self.columns))

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"table": self.table,
                             "columns": {c.column: c.to_dict() for c in self.columns}}
        if self.local_suppression:
            d["local_suppression"] = dict(self.local_suppression)
            if self.context.get("auto_keys"):
                # derived key variables are derived again at each run (a saved plan that
                # listed them would pin them, and the proof scan, which chooses its own, could
                # then find variables suppression never saw); list them to pin them
                d["local_suppression"]["key_vars"] = "auto"
        if self.small_cells:
            d["small_cells"] = dict(self.small_cells)
        if self.scrub_contacts:
            d["scrub_contacts"] = True
        return d


@dataclass
class Plan:
    tables: list[TablePlan] = field(default_factory=list)
    profile: str | None = None
    source: str | None = None  # the plan file merged in, if any
    warnings: list[str] = field(default_factory=list)

    @property
    def needs_key(self) -> bool:
        return any(c.needs_key for t in self.tables for c in t.columns)

    def table(self, name: str | None) -> TablePlan | None:
        for t in self.tables:
            if t.table == name:
                return t
        return None

    def to_dict(self) -> dict[str, Any]:
        return {"version": PLAN_VERSION, "profile": self.profile,
                "tables": [t.to_dict() for t in self.tables]}

    def to_yaml(self) -> str:
        import yaml

        head = ("# datasafe redaction plan: edit the treatments, keep it beside your data and "
                "reuse it with\n# datasafe redact FILE --plan-file THIS.yaml\n")
        return head + yaml.safe_dump(self.to_dict(), sort_keys=False, allow_unicode=True,
                                     width=100)

    def render(self, lang: str | None = None, key_given: bool = False) -> str:
        """The plan as text for ``datasafe redact FILE --plan``, in ``lang`` (treatments and
        their parameters stay as a plan file writes them). ``key_given``: a key is set, so
        the reminder that pseudonyms need one is not printed."""
        m = Messages(lang)
        note, colon = m("redact.note"), m.colon
        lines = [m("plan.heading_file", profile=self.profile or "default", source=self.source)
                 if self.source else m("plan.heading", profile=self.profile or "default")]
        for t in self.tables:
            lines.append("")
            lines.append(m("plan.table_named", name=t.table) if t.table is not None
                         else m("plan.table"))
            width = max([len(c.column) for c in t.columns] + [6])
            for c in t.columns:
                mark = " *" if c.source == "plan-file" else ""
                lines.append(f"  {c.column:<{width}}  {c.describe():<34} "
                             f"{say(m, c.reason)}{mark}")
            if t.local_suppression:
                ls = t.local_suppression
                lines.append("  " + m("plan.local_suppression", k=ls.get("k"),
                                      keys=", ".join(ls.get("key_vars") or []))
                             + (m("plan.importance", importance=", ".join(ls["importance"]))
                                if ls.get("importance") else ""))
            if t.small_cells:
                sc = t.small_cells
                lines.append("  " + m("plan.small_cells", threshold=sc.get("threshold"),
                                      columns=", ".join(sc.get("columns") or [])))
            for n in t.notes:
                lines.append(f"  {note}{colon}{say(m, n)}")
        if any(c.source == "plan-file" for t in self.tables for c in t.columns):
            lines.append("")
            lines.append("  " + m("plan.plan_file_mark"))
        for w in self.warnings:
            lines.append(f"{m('redact.warning')}{colon}{say(m, w)}")
        if self.needs_key and not key_given:
            lines.append("")
            lines.append(m("plan.needs_key"))
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# derivation

_DROP_DIRECT = {"PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "NATIONAL_ID", "ADDRESS",
                "IP_ADDRESS", "URL", "CREDIT_CARD", "IBAN_CODE"}
_PCODE_HXL = ("#adm1+code", "#adm2+code", "#adm3+code", "#adm4+code", "#adm5+code")


def _pcode_column(result) -> str | None:
    """The finest P-code column of a table (HXL #admN+code, or a header naming a P-code)."""
    import re

    best, best_level = None, -1
    for c in result.columns:
        tag = (c.hxl or "").lower()
        m = re.match(r"#adm(\d)\+code", tag)
        level = int(m.group(1)) if m else -1
        if level < 0:
            name = c.name.lower().replace(" ", "").replace("-", "_")
            m = re.search(r"adm(?:in)?_?(\d)_?p?code|p_?code", name)
            if m:
                level = int(m.group(1)) if m.lastindex and m.group(1) else 0
        if level > best_level:
            best, best_level = c.key, level
    return best


def _is_household_id(col, options, table_result=None) -> bool:
    """The household id given (``--household-id``) or the one risk detected."""
    hid = getattr(options, "household_id", None)
    if not hid and table_result is not None and table_result.risk is not None:
        hid = table_result.risk.extra.get("household_id")
    return bool(hid) and hid not in ("none",) and col.name == hid


def _ner_param(cp, options) -> None:
    """``--ner off`` (or on) reaches the free-text treatment: it ran NER whatever was asked."""
    mode = getattr(options, "ner", None)
    if cp.treatment == "free_text" and mode in ("on", "off"):
        cp.params = {**(cp.params or {}), "ner": mode}


def derive_column(col, table_result, profile, options, *, key_available: bool,
                  destination: str | None) -> ColumnPlan:
    """The treatment of one column from its role and entity."""
    from datasafe.checking import lexicon as lx

    ent = col.entity
    role = col.role
    public = destination == "public"
    cp = ColumnPlan(column=col.key)

    def gps() -> None:
        from datasafe.redact.treatments import roundable

        pcode = _pcode_column(table_result)  # only for coordinates: a pass over every column
        # DR-GEO-01 flags row-level points with min_decimals (default 2) or more decimals
        geo = (profile.check_config("DR-GEO-01") if profile else {}) or {}
        min_dec = int((geo.get("params") or {}).get("min_decimals", 2))
        dec = max(0, min_dec - 1)
        if pcode and pcode != col.key:
            cp.treatment, cp.params = "generalise", {"method": "gps_centroid", "pcode": pcode,
                                                     "decimals": dec}
            cp.reason = _why("gps_centroid", role=Phrase(f"role.short.{role}"), pcode=pcode,
                             dec=dec)
        elif col.sample and roundable(col.sample) < 0.5:
            # a grid reference, a code or degrees-minutes-seconds cannot be rounded: say that
            # the column is removed (the plan said 'rounded' and the copy emptied it)
            cp.treatment = "drop"
            cp.reason = _why("gps_unroundable", role=Phrase(f"role.short.{role}"))
        else:
            cp.treatment, cp.params = "generalise", {"method": "gps_round", "decimals": dec}
            cp.reason = _why("gps_round", role=Phrase(f"role.short.{role}"), dec=dec,
                             km=111 if dec == 0 else 11 if dec == 1 else 1.1)

    if col.stats.non_empty == 0:
        cp.reason = _why("empty")
        return cp
    if public and lx.is_collection_metadata(lx.norm(col.name)):  # what DR-PII-12 reports
        cp.treatment = "drop"
        cp.reason = _why("collection_metadata")
        return cp
    prose = col.free_text or (role == "quasi" and col.stats.inferred_type == "text")
    if role in ("direct", "quasi") and prose and (public or ner_available()):
        # a narrative that names IDs, dates of birth or places is still a narrative: scrubbed
        # in place for partners (it was dropped as an ID column), dropped from public copies;
        # so is an 'other (specify)' answer read as an occupation (it was kept verbatim)
        cp.treatment = "drop" if public else "free_text"
        cp.reason = _why("free_text_public" if public else "free_text_ner")
        _ner_param(cp, options)
        return cp
    if role == "direct" or _is_household_id(col, options, table_result):
        if ent in ("CASE_ID",) or _is_household_id(col, options, table_result):
            if public:
                # a keyed pseudonym is still linkable (pseudonymisation is not anonymisation):
                # a public-use file carries no record or household ID
                cp.treatment = "drop"
                cp.reason = _why("id_public")
            elif key_available:
                cp.treatment = "pseudonymise"
                cp.params = {"context": col.name.strip().casefold()}
                cp.reason = _why("id_pseudonym")
            else:
                cp.treatment = "drop"
                cp.reason = _why("id_no_key")
            return cp
        if ent == "GPS_COORDINATE":
            gps()
            return cp
        if ent == "DATE_OF_BIRTH":
            cp.treatment, cp.params = "generalise", {"method": "dob_age_band"}
            cp.reason = _why("dob")
            return cp
        if col.free_text and public:
            cp.treatment = "drop"
            cp.reason = _why("free_text_public")
            return cp
        if col.free_text and ner_available():
            cp.treatment = "free_text"
            cp.reason = _why("free_text_ner")
            _ner_param(cp, options)
            return cp
        cp.treatment = "drop"
        cp.reason = _why("direct", entity=ent or Phrase("plan.unknown_type"))
        return cp
    if role == "sensitive":
        if public:
            cp.treatment = "drop"
            cp.reason = _why("sensitive_public", entity=ent or Phrase("plan.sensitive_word"))
        else:
            cp.reason = _why("sensitive_kept", entity=ent or Phrase("plan.sensitive_word"))
        return cp
    if role == "quasi":
        typ = col.stats.inferred_type
        if ent == "AGE":
            cp.treatment, cp.params = "generalise", {"method": "age_band"}
            cp.reason = _why("age")
        elif ent == "DATE_OF_BIRTH":
            cp.treatment, cp.params = "generalise", {"method": "dob_age_band"}
            cp.reason = _why("dob")
        elif ent == "GPS_COORDINATE":
            gps()
        elif ent in ("HOUSEHOLD_SIZE",) and typ in ("integer", "float"):
            cp.treatment, cp.params = "generalise", {"method": "top_bottom", "high": 95}
            cp.reason = _why("household_size")
        elif ent == "INCOME" and typ in ("integer", "float"):
            cp.treatment, cp.params = "generalise", {"method": "top_bottom", "high": 95, "low": 5}
            cp.reason = _why("income")
        elif typ in ("date", "datetime"):
            cp.treatment, cp.params = "generalise", {"method": "date", "level": "month"}
            cp.reason = _why("event_date")
        elif typ in ("string", "boolean") and col.stats.distinct > 10:
            kk = effective_k(profile, table_result)[0]
            cp.treatment, cp.params = "generalise", {"method": "rare_merge", "min_count": kk}
            # the merged category is named in the team's language ('Autre' in French data)
            other = Messages(getattr(options, "lang", None) or "en")("redact.other_category")
            if other != "Other":
                cp.params["other"] = other
            cp.reason = _why("rare_merge", k=kk, other=other)
        else:
            cp.reason = _why("quasi_kept")
        return cp
    # biometric data, photos and signatures (DR-PII-07, found by header or image links): no
    # shared copy needs them, and no treatment makes them safe
    if any(f.check == "DR-PII-07" and f.column == col.name
           for f in getattr(table_result, "findings", None) or ()):
        cp.treatment = "drop"
        cp.reason = _why("biometric")
        return cp
    # free text as detection classed it, or as DR-PII-10 found it (a column a stray quote
    # filled with merged rows of names and phones is free text whatever its header says)
    flagged = any(f.check == "DR-PII-10" and f.column == col.name
                  for f in getattr(table_result, "findings", None) or ())
    if col.free_text or flagged:
        if public:
            cp.treatment = "drop"
            cp.reason = _why("free_text_public")
            return cp
        cp.treatment = "free_text"
        cp.reason = _why("free_text_contacts")
        return cp
    return cp


def _count_columns(result, table) -> list[str]:
    cols: list[str] = []
    counts = ("#affected", "#inneed", "#targeted", "#reached", "#population")
    for c in result.columns:
        if (c.hxl or "").startswith(counts) or (c.stats.inferred_type == "integer"
                                                  and c.role == "none"):
            cols.append(c.key)
    return cols


def fine_locations(scan_result, fres, tres) -> list[str]:
    """Columns of one table the scan found too fine for row-level data (DR-GEO-04 findings
    not accepted in a baseline)."""
    return [f.column for f in scan_result.findings
            if f.check == "DR-GEO-04" and f.file == fres.path and f.table == tres.name
            and f.column and not f.accepted]


def derive_plan(scan_result, tables_by_file, profile, options, *, key_available: bool,
                importance: list[str] | None = None) -> list[tuple[Any, Plan]]:
    """One plan per file of a scan: ``[(FileResult, Plan), ...]``."""
    out = []
    destination = scan_result.destination
    for fres, tables in tables_by_file:
        plan = Plan(profile=scan_result.profile)
        for tres, table in zip(fres.tables, tables):
            plan.tables.append(derive_table(tres, table, profile, options,
                                            key_available=key_available,
                                            destination=destination, importance=importance,
                                            fine_locations=fine_locations(scan_result, fres,
                                                                          tres)))
        out.append((fres, plan))
    return out


def effective_k(profile, tres=None) -> tuple[int, str | None]:
    """The class size local suppression aims for: the profile's k, raised so that without
    sampling weights every record's individual risk 1/fk stays within the profile's
    ``individual_risk_threshold`` and ``global_risk_max`` (sdcMicro's risk is 1/fk when the
    sample is the population). With a weight column the risk is lower and k alone is used."""
    import math

    k = int(profile.param("k", 5)) if profile else 5
    if profile is None:
        return k, None
    risk = getattr(tres, "risk", None) if tres is not None else None
    if risk is not None and risk.extra.get("weight"):
        return k, None
    limits = [float(v) for v in (profile.param("individual_risk_threshold"),
                                 profile.param("global_risk_max")) if v]
    if not limits:
        return k, None
    need = math.ceil(1 / min(limits) - 1e-9)
    if need <= k:
        return k, None
    return need, Phrase("plan.k_raised", k=k, need=need, limit=Figure(f"{min(limits):.0%}"))


def nested_columns(table) -> set[int]:
    """The indices of a Parquet table's nested columns (list, struct, map): the reader turns
    them into text, and the detectors do not look at each inner value."""
    schema = (getattr(table, "meta", None) or {}).get("schema")
    if schema is None:
        return set()
    import pyarrow as pa

    return {i for i, f in enumerate(schema) if pa.types.is_nested(f.type)}


def derive_table(tres, table, profile, options, *, key_available: bool, destination,
                 importance: list[str] | None = None,
                 fine_locations: list[str] | None = None) -> TablePlan:
    """``fine_locations``: columns the scan found too fine for row-level data (DR-GEO-04);
    removed from a public-use file."""
    tp = TablePlan(table=tres.name, scrub_contacts=destination == "public")
    fine = set(fine_locations or ())
    nested = nested_columns(table)
    for col in tres.columns:
        cp = derive_column(col, tres, profile, options, key_available=key_available,
                           destination=destination)
        if destination == "public" and col.name in fine and cp.treatment != "drop":
            cp.treatment, cp.params = "drop", {}
            cp.reason = _why("fine_location")
        if destination == "public" and col.index in nested and cp.treatment != "drop":
            cp.treatment, cp.params = "drop", {}
            cp.reason = _why("nested")
        tp.columns.append(cp)
    dropped = {c.column for c in tp.columns if c.treatment in ("drop", "blank", "pseudonymise")}
    extra = tres.risk.extra if tres.risk is not None else {}
    if tres.kind == "aggregate" or extra.get("table_kind") == "aggregate":
        # counts by area and sector are not records of people: merging rare categories into
        # 'Other' would erase the table's own dimensions (every territory of a 3W); its small
        # cells are what is suppressed
        sc = extra.get("small_cells") or {}
        by_key = {c.key: c for c in tres.columns}
        dims = {c.key: c for n in sc.get("group_columns") or []
                if (c := tres.column(str(n))) is not None}
        for cp in tp.columns:
            # nor would banding an age group column, which empties its 'all' rows, the
            # subtotals of a long table (their small cells then came back by subtraction)
            if cp.treatment == "generalise" and (cp.params.get("method") == "rare_merge" or (
                    cp.column in dims and cp.params.get("method") in ("age_band",
                                                                      "top_bottom"))):
                cp.treatment, cp.params = "keep", {}
                cp.reason = _why("aggregate_dimension")
        # the centroids of a count table's areas (2 decimals or fewer, ≈1 km) locate its areas,
        # not people: kept (they were emptied, with 'information loss 100 %', in copies of
        # tables that passed)
        from datasafe.checking import values as vals

        for cp in tp.columns:
            if cp.treatment == "generalise" and cp.params.get("method") in ("gps_round",
                                                                            "gps_centroid"):
                c = by_key.get(cp.column)
                d = vals.decimals(vals.sample_series(c)) if c is not None and c.sample else None
                if d is not None and d["median"] <= 2 and d["max"] <= 3:
                    cp.treatment, cp.params = "keep", {}
                    cp.reason = _why("aggregate_dimension")
        # a sensitive breakdown (incident type, disability, population group) is a dimension
        # of the counts: dropping it left the counts in the template's order, where anyone
        # who knows the template puts the dimension back; its small cells are suppressed
        breakdowns = {k for k, c in dims.items() if c.role == "sensitive" and not c.free_text}
        for cp in tp.columns:
            if cp.column in breakdowns and cp.treatment == "drop":
                cp.treatment, cp.params = "keep", {}
                cp.reason = _why("aggregate_dimension")
                dropped.discard(cp.column)

        def keys_of(names):
            out = []
            for n in names or []:
                c = tres.column(str(n))
                if c is not None and c.key not in dropped:
                    out.append(c.key)
            return out

        cols = keys_of(sc.get("count_columns")) or [c for c in _count_columns(tres, table)
                                                     if c not in dropped]
        if cols:
            thr = int(sc.get("threshold") or (profile.param("small_cell_threshold", 5)
                                              if profile else 5))
            groups = keys_of(sc.get("group_columns")) or [
                c.key for c in tres.columns if c.key not in cols
                and c.stats.inferred_type in ("string", "boolean")]
            tp.small_cells = {"threshold": thr, "columns": cols, "group_columns": groups}
            totals = keys_of(sc.get("total_columns"))
            if totals:
                tp.small_cells["total_columns"] = totals
            if sc.get("include_zeros"):
                tp.small_cells["include_zeros"] = True
        return tp
    key_vars: list[str] = []
    if options is not None and getattr(options, "key_vars", None):
        for name in options.key_vars:
            c = tres.column(name)
            if c is not None:
                key_vars.append(c.key)
    elif tres.risk is not None and tres.risk.quasi_identifiers:
        for name in tres.risk.quasi_identifiers:
            c = tres.column(name)
            if c is not None:
                key_vars.append(c.key)
    elif tres.kind == "microdata":
        key_vars = [c.key for c in tres.columns if c.role == "quasi"]
    # else: neither records of people nor counts (a lookup list of five provinces): the scan
    # measured no risk there, and suppression would empty the list a drop-down reads
    key_vars = [v for v in key_vars if v not in dropped]
    from datasafe.risk.keys import setting

    given = bool(setting("key_vars", options, profile))  # --key-vars, config or profile
    exclude = set()
    for name in (extra.get("household_id"), extra.get("weight")):
        c = tres.column(str(name)) if name else None
        if c is not None:
            exclude.add(c.key)
    tp.context = {"result": tres, "auto_keys": not given, "exclude": exclude,
                  "max_key_vars": int(profile.param("max_key_vars", 8)) if profile else 8}
    if key_vars:
        k_eff, why = effective_k(profile, tres)
        tp.local_suppression = {"k": k_eff, "key_vars": key_vars}
        if why:
            tp.notes.append(why)
        tp.notes.append(Phrase("plan.may_remove"))
        if importance:
            tp.local_suppression["importance"] = [v for v in importance if v in key_vars]
    return tp


# ---------------------------------------------------------------------------------------------
# plan files


def _entry(name: str, spec: Any) -> ColumnPlan:
    if isinstance(spec, str):
        spec = {"treatment": spec}
    if not isinstance(spec, dict):
        raise PlanError(f"column '{name}': expected a treatment name or a mapping")
    spec = dict(spec)
    treatment = spec.pop("treatment", None) or spec.pop("action", None)
    if not treatment:
        raise PlanError(f"column '{name}': no treatment")
    try:
        treatment = canonical(str(treatment))
    except TreatmentError as exc:
        raise PlanError(f"column '{name}': {exc}") from None
    if treatment == "generalise":
        method = str(spec.get("method", "")).lower()
        if method not in GENERALISE_METHODS:
            raise PlanError(f"column '{name}': generalise needs a method "
                            f"({', '.join(GENERALISE_METHODS)})")
    for bad in ("key", "secret", "salt"):
        if bad in spec:
            raise PlanError(f"column '{name}': a plan never holds a key ('{bad}'); use "
                            "DATASAFE_KEY or --key-file")
    reason = str(spec.pop("reason", "") or "") or _why("plan_file")
    return ColumnPlan(column=str(name), treatment=treatment, params=spec, reason=reason,
                      source="plan-file")


def load_plan_file(path: str | os.PathLike) -> dict[str, Any]:
    """Read and validate a plan file; returns its normalised mapping."""
    import yaml

    p = Path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8"))
    except OSError as exc:
        raise PlanError(f"{path}: cannot read plan: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        raise PlanError(f"{path}: not valid YAML: {str(exc).splitlines()[0]}") from None
    return parse_plan(data, str(path))


def parse_plan(data: Any, label: str = "plan") -> dict[str, Any]:
    if not isinstance(data, dict):
        raise PlanError(f"{label}: a plan must be a YAML mapping")
    tables = data.get("tables")
    if tables is None:
        tables = [{k: v for k, v in data.items() if k in ("columns", "local_suppression",
                                                          "small_cells", "default", "table")}]
    if not isinstance(tables, list):
        raise PlanError(f"{label}: 'tables' must be a list")
    norm = []
    for t in tables:
        if not isinstance(t, dict):
            raise PlanError(f"{label}: each table must be a mapping")
        cols = t.get("columns") or {}
        if isinstance(cols, list):  # [{column: X, treatment: ...}]
            cols = {c.get("column"): c for c in cols if isinstance(c, dict)}
        if not isinstance(cols, dict):
            raise PlanError(f"{label}: 'columns' must be a mapping of column → treatment")
        entries = [_entry(str(n), s) for n, s in cols.items()]
        ls = t.get("local_suppression")
        if ls is not None and not isinstance(ls, (dict, bool)):
            raise PlanError(f"{label}: 'local_suppression' must be a mapping or false")
        kv = ls.get("key_vars") if isinstance(ls, dict) else None
        if kv is not None and kv != "auto" and not (
                isinstance(kv, list) and all(isinstance(v, str) for v in kv)):
            raise PlanError(f"{label}: 'local_suppression.key_vars' must be a list of column "
                            "names or auto")
        sc = t.get("small_cells")
        if sc is not None and not isinstance(sc, (dict, bool)):
            raise PlanError(f"{label}: 'small_cells' must be a mapping or false")
        default = str(t.get("default", "derived")).lower()
        if default not in ("derived", "keep"):
            raise PlanError(f"{label}: 'default' must be 'derived' or 'keep'")
        norm.append({"table": t.get("table", "*"), "columns": entries, "local_suppression": ls,
                     "small_cells": sc, "default": default})
    return {"tables": norm, "source": label}


def merge_plan(plan: Plan, override: dict[str, Any], *, k: int | None = None) -> Plan:
    """Apply a parsed plan file over a derived plan (in place; returns it)."""
    plan.source = override.get("source")
    for spec in override["tables"]:
        target = spec["table"]
        matched = [t for t in plan.tables if target in ("*", None) and len(plan.tables) == 1
                   or target == "*" or t.table == target]
        if target not in ("*", None) and not matched:
            plan.warnings.append(Phrase("plan.no_table", table=target))
            continue
        for tp in matched:
            if spec["default"] == "keep":
                for c in tp.columns:
                    c.treatment, c.params, c.reason = "keep", {}, _why("plan_default_keep")
            for entry in spec["columns"]:
                cur = tp.column(entry.column)
                if cur is None:
                    # tolerate a case or spacing difference next month
                    fold = entry.column.strip().casefold()
                    cur = next((c for c in tp.columns if c.column.strip().casefold() == fold),
                               None)
                if cur is None:
                    plan.warnings.append(
                        Phrase("plan.no_column_in", column=entry.column, table=tp.table)
                        if tp.table else Phrase("plan.no_column", column=entry.column))
                    continue
                same = (entry.treatment == cur.treatment and dict(entry.params) == cur.params
                         and (str(entry.reason) == str(cur.reason)
                              or getattr(entry.reason, "key", "") == "plan.reason.plan_file"))
                # an entry saved by --write-plan and left as it was keeps the derived reason,
                # which is said in the reader's language (the file holds its English)
                cur.treatment, cur.params = entry.treatment, dict(entry.params)
                cur.reason = cur.reason if same else entry.reason
                cur.source = "plan-file"
            ls = spec["local_suppression"]
            if ls is False:
                tp.local_suppression = None
            elif isinstance(ls, dict):
                merged = dict(tp.local_suppression or {})
                derived = merged.get("key_vars") or []
                merged.update(ls)
                if ls.get("key_vars") == "auto":
                    merged["key_vars"] = derived
                elif ls.get("key_vars"):
                    tp.context["auto_keys"] = False
                merged.setdefault("k", k or 5)
                names = {c.column for c in tp.columns}
                merged["key_vars"] = [v for v in merged.get("key_vars") or [] if v in names]
                tp.local_suppression = merged if merged["key_vars"] else None
            sc = spec["small_cells"]
            if sc is False:
                tp.small_cells = None
            elif isinstance(sc, dict):
                merged = dict(tp.small_cells or {})
                merged.update(sc)
                tp.small_cells = merged
    # treatments that remove a column take it out of the key variables
    for tp in plan.tables:
        gone = {c.column for c in tp.columns if c.treatment in ("drop", "blank")}
        if tp.local_suppression:
            kv = [v for v in tp.local_suppression.get("key_vars", []) if v not in gone]
            tp.local_suppression["key_vars"] = kv
            if not kv:
                tp.local_suppression = None
    return plan
