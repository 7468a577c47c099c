"""De-identification and statistical disclosure control (DR-DEID): rules file section (b)
"De-identification / statistical disclosure control". Risk measures come from
:mod:`datasafe.risk` (``TableResult.risk``); every field is read tolerantly."""

from __future__ import annotations

from pathlib import Path

from datasafe.checking import lexicon as lx
from datasafe.checking import values as vals
from datasafe.checking.registry import Check, Hit, register
from datasafe.report.common import Figure


def _risk(ctx):
    if ctx.contact_list:  # already identified people: DR-PII-11 (consent) is the question
        return None, {}
    r = ctx.tres.risk if ctx.tres is not None else None
    if r is None:
        return None, {}
    extra = r.extra or {}
    if extra.get("table_kind") == "aggregate":
        return None, extra
    return r, extra


def _pct(x: float) -> Figure:
    if x >= 0.1:
        return Figure(f"{x * 100:.0f} %")
    return Figure(f"{x * 100:.1f}".rstrip("0").rstrip(".") + " %")


@register
class Microdata(Check):
    """Row-level microdata (one row per person or household): disclosure control applies.

    Bad (published as is)::

        respondent_id,age,sex,village,displacement_status
        R1,34,F,Kabimba,idp

    Good (aggregated, or de-identified after a disclosure risk assessment)::

        territory,idp_households
        Kalemie,1240
    """

    id = "DR-DEID-01"
    scope = "table"

    def check_table(self, ctx):
        if ctx.row_level and ctx.tres.rows > 0 and not ctx.contact_list:
            yield Hit(records=ctx.tres.rows, columns=len(ctx.columns))


@register
class KAnonymity(Check):
    """Records whose combination of key variables is shared by fewer than k records.

    Bad (k = 1: the only 34-year-old woman of Kabimba)::

        age,sex,village
        34,F,Kabimba

    Good (age bands and coarser geography until every combination holds ≥ k records)::

        age_group,sex,territory
        30-39,F,Kalemie
    """

    id = "DR-DEID-02"
    scope = "table"

    def check_table(self, ctx):
        r, extra = _risk(ctx)
        if r is None or r.k_min is None:
            return
        k = int(ctx.param("k", r.k_threshold or 5))
        below = int(r.records_below_k or 0)
        if r.k_threshold and int(r.k_threshold) != k:
            below = int((extra.get("violations") or {}).get(str(k), below))
        if r.k_min >= k or below <= 0:
            return
        variant = "unique" if r.k_min <= 1 else "below_k"
        yield Hit(variant=variant, k=k, k_min=r.k_min, records_below_k=below,
                  key_variables=", ".join(r.quasi_identifiers[:8]))


@register
class GlobalRisk(Check):
    """Global re-identification risk (the mean individual risk, as sdcMicro reports it) above
    the profile's threshold (3 % on HDX).

    Bad::

        global risk 8.4 % (expected re-identifications 42 of 500)

    Good::

        global risk 0.9 % after recoding age and suppressing rare combinations
    """

    id = "DR-DEID-03"
    scope = "table"

    def check_table(self, ctx):
        r, _ = _risk(ctx)
        if r is None:
            return
        gmax = float(ctx.param("global_risk_max", 0.03))
        warn = float(ctx.param("global_risk_warn", 0.01))
        g = float(r.global_risk or 0.0)
        if g >= gmax:
            variant = "above"
        elif g >= warn:
            variant = "near"
        else:
            return
        yield Hit(variant=variant, global_risk=_pct(g), threshold=_pct(gmax),
                  expected=_count(r.expected_reidentifications), records=ctx.tres.rows)


def _count(x) -> float | int:
    """An expected number of records as people read it: one decimal, none when it is whole
    ("about 1200 of 1200 records", not "1200.0")."""
    v = round(float(x or 0.0), 1)
    return int(v) if v.is_integer() else v


@register
class ExpectedReidentifications(Check):
    """Expected number of re-identified records (records × global risk), reported beside the
    global risk so people see the count, not only the percentage.

    Bad::

        expected re-identifications: 42

    Good::

        expected re-identifications: 0.4
    """

    id = "DR-DEID-04"
    scope = "table"

    def check_table(self, ctx):
        r, _ = _risk(ctx)
        if r is None:
            return
        e = float(r.expected_reidentifications or 0.0)
        if e >= float(ctx.param("min_expected", 1.0)):
            yield Hit(expected=_count(e), records=ctx.tres.rows)


@register
class HighRiskRecords(Check):
    """Records whose individual re-identification risk is above the threshold (5 %), even when
    the global risk looks acceptable.

    Bad::

        12 records with individual risk > 5 %

    Good::

        0 records with individual risk > 5 %
    """

    id = "DR-DEID-05"
    scope = "table"

    def check_table(self, ctx):
        r, extra = _risk(ctx)
        if r is None:
            return
        n = extra.get("records_above_risk_threshold")
        if not n:
            return
        thr = extra.get("individual_risk_threshold") or ctx.param("individual_risk_threshold",
                                                                 0.05)
        yield Hit(records_above=int(n), threshold=_pct(float(thr)),
                  max_risk=_pct(float(extra.get("max_individual_risk") or 0.0)))


@register
class HouseholdRisk(Check):
    """Household (hierarchical) risk: when a household id links members, one re-identified
    member exposes the whole household.

    Bad::

        hh_id,member_age,member_sex
        HH-001,34,F
        HH-001,9,M

    Good (household id removed or replaced, household size recoded)::

        member_age_group,member_sex
        30-39,F
    """

    id = "DR-DEID-06"
    scope = "table"

    def check_table(self, ctx):
        r, extra = _risk(ctx)
        if r is None:
            return
        hg = extra.get("household_global_risk")
        if hg is None:
            return
        gmax = float(ctx.param("household_risk_max", ctx.param("global_risk_max", 0.03)))
        if float(hg) >= gmax:
            yield Hit(household_risk=_pct(float(hg)), threshold=_pct(gmax),
                      household_id=extra.get("household_id") or "?",
                      households=extra.get("households") or "?")


@register
class LDiversity(Check):
    """Sensitive attribute with too little diversity inside a group of look-alike records
    (l-diversity): everyone in the group shares the sensitive value, so it is disclosed without
    identifying anyone.

    Bad (all three 30-39 women of Kalemie are HIV-positive)::

        age_group,sex,territory,hiv_status
        30-39,F,Kalemie,positive

    Good::

        sensitive attribute removed, or groups merged until each has ≥ 2 distinct values
    """

    id = "DR-DEID-07"
    scope = "table"

    def check_table(self, ctx):
        r, extra = _risk(ctx)
        ld = extra.get("l_diversity") if r is not None else None
        if not isinstance(ld, dict):
            return
        need = int(ctx.param("l", 2))
        for name, v in ld.items():
            lmin = v if isinstance(v, (int, float)) else (
                v.get("distinct_l_min", v.get("l_min")) if isinstance(v, dict) else None)
            if lmin is None:
                continue
            bad = v.get("classes_below_l", v.get("below")) if isinstance(v, dict) else None
            if float(lmin) < need:
                col = ctx.tres.column(name)
                yield Hit(col, l_min=int(lmin), l=need,
                          groups_below=bad if bad is not None else "?", attribute=name)


@register
class PseudonymsWithKeyFile(Check):
    """Pseudonymous ids (codes instead of names) shipped with the key file that maps them back
    to names, in the same folder or the same scan.

    Bad::

        survey.csv:            respondent_code,age,answer
        respondent_keys.csv:   respondent_code,full_name,phone

    Good::

        survey.csv only; the key file kept encrypted, elsewhere, never shared
    """

    id = "DR-DEID-09"
    scope = "file"

    def check_file(self, ctx):
        if ctx.file.format == "dataframe":
            return
        for tres, table in zip(ctx.file.tables, ctx.tables):
            tctx = ctx.for_table(table, tres)
            if any(c.role == "direct" and tctx.has_entity(c, "PERSON") for c in tres.columns):
                continue  # names are here: not pseudonymised (DR-PII-01 covers it)
            ids = [c for c in tres.columns if _is_pseudonym(tctx, c)]
            if not ids:
                continue
            key = _key_in_scan(ctx, ids) or _key_beside(ctx.file.path, ids)
            if key:
                yield Hit(ids[0], at_table=(table, tres), id_column=ids[0].name, key_file=key)


def _is_pseudonym(ctx, col) -> bool:
    if col.stats.non_empty == 0:
        return False
    if ctx.has_entity(col, "CASE_ID", "NATIONAL_ID"):
        return True
    tag, attrs = ctx.hxl(col)
    if tag in ("#respondee", "#beneficiary", "#meta") and attrs & {"code", "id"}:
        return True
    toks = ctx.tokens(col)
    return bool(toks & lx.ID_TOKENS) and col.stats.distinct >= 0.9 * max(1, col.stats.non_empty)


def _key_in_scan(ctx, ids) -> str | None:
    """Another scanned file holding one of these id columns beside names."""
    names = {lx.norm(c.name) for c in ids}
    for fres, _tables in ctx.state.tables_by_file:
        if fres is ctx.file or fres.error:
            continue
        for t in fres.tables:
            cols = {lx.norm(c.name) for c in t.columns}
            has_names = any(c.role == "direct" or c.entity == "PERSON"
                            or lx.tokens(c.name) & {"name", "nom", "nombre", "nome"}
                            for c in t.columns)
            if names & cols and has_names:
                return Path(fres.path).name
    return None


def _key_beside(path: str, ids) -> str | None:
    """A file named like a key/lookup/mapping file in the same folder whose header holds one of
    these id columns (only the header line is read)."""
    p = Path(path)
    names = {lx.norm(c.name) for c in ids}
    try:
        siblings = sorted(x for x in p.parent.iterdir() if x.is_file() and x != p)
    except OSError:
        return None
    for s in siblings[:500]:
        if not lx.KEY_FILE_RE.search(s.stem) or ".datasafe." in s.name:
            continue
        if s.suffix.lower() in (".csv", ".tsv", ".txt"):
            try:
                with open(s, encoding="utf-8", errors="replace") as fh:
                    head = fh.readline()
            except OSError:
                continue
            cols = {lx.norm(h.strip().strip('"')) for h in head.replace(";", ",").replace(
                "\t", ",").split(",")}
            if names & cols:
                return s.name
        elif s.suffix.lower() in (".xlsx", ".xls", ".xlsm", ".ods", ".parquet", ".enc",
                                  ".gpg", ".age"):
            return s.name
    return None


@register
class UnsaltedHashes(Check):
    """Columns of MD5, SHA-1 or SHA-256 hex digests: hashes of phone numbers or ID numbers
    without a secret salt are reversed by hashing every possible number (a dictionary attack).

    Bad::

        phone_md5,answer
        5f4dcc3b5aa765d61d8327deb882cf99,yes

    Good (a random code, or a keyed hash with a secret kept apart: HMAC)::

        respondent_code,answer
        R-7Q2K,yes
    """

    id = "DR-DEID-13"
    scope = "column"

    def check_column(self, ctx, col):
        if col.stats.non_empty < 2 or col.stats.max_length < 32:
            return
        kind = vals.hash_kind(vals.sample_series(col))
        if kind:
            yield Hit(col, algorithm=kind, filled=col.stats.non_empty)
