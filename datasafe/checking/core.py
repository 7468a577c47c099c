"""Core mechanics of the checks: iterate over files, tables and columns; ask each registered check
for hits; resolve the severity for the destination and the profile; format the message; create the
findings; classify each file's sensitivity; fill the summary and the verdict.

Checks themselves (``datasafe/checking/rules/``) never do any of this.
"""

from __future__ import annotations

import logging
from typing import Any

from datasafe.checking.catalogue import citation, entry, format_message, text
from datasafe.checking.context import CheckContext, RunState
from datasafe.checking.registry import Hit, all_checks
from datasafe.checking.sensitivity import classify_details, reasons_in
from datasafe.model import SENSITIVITY_RANK, SEVERITIES, SEVERITY_RANK, Finding

log = logging.getLogger("datasafe.checking")

# The rules file speaks of SEVERE / HIGH / MODERATE / LOW / INFO; the contract's scale is
# critical / high / medium / low / info.
SEVERITY_ALIASES = {"severe": "critical", "moderate": "medium", "error": "high",
                    "warning": "medium", "warn": "medium"}
DESTINATIONS = ("public", "partner", "internal")


def check_config(profile, check_id: str) -> dict[str, Any]:
    """A check's configuration in a profile: ``checks: {ID: {...}}``; an area prefix
    (``DR-RET`` or ``DR-RET-*``) or ``"*"`` applies to every matching check, the exact id wins."""
    checks = getattr(profile, "checks", None) or {}
    out: dict[str, Any] = {}
    for key in sorted(checks, key=len):
        k = str(key).rstrip("*").rstrip("-")
        if key == "*" or (k and check_id.startswith(k) and key != check_id):
            cfg = checks[key] or {}
            if isinstance(cfg, dict):
                out.update(cfg)
    exact = checks.get(check_id)
    if isinstance(exact, dict):
        params = dict(out.get("params") or {})
        params.update(exact.get("params") or {})
        out.update(exact)
        out["params"] = params
    elif exact is False:
        out["enabled"] = False
    return out


def normalise_severity(sev: Any) -> str | None:
    if sev is None or sev is False:
        return None
    s = str(sev).strip().lower()
    if s in ("off", "none", "disabled", "false"):
        return None
    s = SEVERITY_ALIASES.get(s, s)
    return s if s in SEVERITY_RANK else None


def resolve_severity(e: dict[str, Any], variant: str | None, cfg: dict[str, Any],
                     destination: str | None) -> str | None:
    """Severity of one hit: the profile's override, else the catalogue's (variant first), chosen
    for the destination (``default``, else ``partner``, when none is given)."""
    sev = cfg.get("severity")
    if isinstance(sev, dict) and variant and variant in sev:
        sev = sev[variant]
    if sev is None:
        if variant:
            sev = (e.get("severity_variants") or {}).get(variant)
        if sev is None:
            sev = e.get("severity")
    if isinstance(sev, dict):
        if destination in sev:
            sev = sev[destination]
        elif "default" in sev:
            sev = sev["default"]
        else:
            sev = sev.get("partner")
    return normalise_severity(sev)


def enabled(profile, check_id: str) -> bool:
    cfg = check_config(profile, check_id)
    if cfg.get("enabled") is False:
        return False
    raw = getattr(profile, "raw", None) or {}
    select = raw.get("select")
    if select and not any(check_id.startswith(str(s).rstrip("*")) for s in select):
        return False
    exclude = raw.get("exclude") or []
    return not any(check_id.startswith(str(s).rstrip("*")) for s in exclude)


class _Emitter:
    """Turns hits into findings for one file and collects sensitivity hints."""

    def __init__(self, state: RunState, fres, file_index: int):
        self.state = state
        self.file = fres
        self.file_index = file_index
        self.hints: list[tuple[str, str]] = []
        self.seen: set[tuple] = set()

    def emit(self, chk, ctx: CheckContext, hit: Hit, active: bool) -> None:
        e = ctx.entry
        col = hit.column
        variant = hit.variant
        tres = ctx.tres
        data_type = hit.sensitivity or (e.get("sensitivity_variants") or {}).get(variant) \
            or e.get("sensitivity")
        if data_type and data_type != "none":
            where = ctx.where(col) if (tres is not None or col is not None) else ""
            self.hints.append((str(data_type), where))
        if not active:
            return
        # the column's position too: two columns both headed 'phone' are two findings
        key = (chk.id, tres.name if tres else None, id(tres), getattr(col, "name", None),
               getattr(col, "index", None), variant,
               tuple(sorted((k, str(v)) for k, v in hit.params.items())))
        if key in self.seen:
            return
        self.seen.add(key)
        cfg = check_config(self.state.profile, chk.id)
        severity = resolve_severity(e, variant, cfg, self.state.destination)
        if severity is None:
            return
        params: dict[str, Any] = {
            "file": self.file.path,
            "table": tres.name if tres is not None else None,
            "column": getattr(col, "name", None),
            "destination": self.state.destination or "any destination",
            "rows": tres.rows if tres is not None else None,
        }
        params.update(hit.params)
        if variant:
            params["variant"] = variant
        params = {k: _plain(v) for k, v in params.items()}
        msg = format_message(" ".join((text(chk.id, "message", "en", variant)
                                       or e.get("title", chk.id)).split()), params)
        finding = Finding(
            check=chk.id,
            severity=severity,
            file=self.file.path,
            table=params["table"],
            column=params["column"],
            message=msg,
            guidance=citation(e),
            title=format_message(str(text(chk.id, "title", "en", variant) or "").strip(),
                                 params) or None,
            fix=format_message(str(text(chk.id, "fix", "en", variant) or "").strip(),
                               params) or None,
            explanation=format_message(" ".join(str(text(chk.id, "explanation", "en", variant)
                                                    or "").split()), params) or None,
            details={k: v for k, v in params.items() if k != "file"},
        )
        finding._order = (self.file_index, len(self.seen))  # type: ignore[attr-defined]
        self.state.result.findings.append(finding)
        if tres is not None:
            tres.findings.append(finding)


def _plain(v: Any) -> Any:
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return round(v, 4)
    if isinstance(v, (list, tuple, set)):
        return [_plain(x) for x in v]
    return str(v)


def _call(chk, method: str, ctx: CheckContext, *args) -> list[Hit]:
    try:
        out = getattr(chk, method)(ctx, *args)
        return [h for h in (out or ()) if isinstance(h, Hit)]
    except Exception as exc:  # noqa: BLE001 - one broken check never stops a scan
        log.debug("check %s failed", chk.id, exc_info=True)
        note = f"check {chk.id} could not run: {type(exc).__name__}"
        if ctx.tres is not None and note not in ctx.tres.notes:
            ctx.tres.notes.append(note)
        return []


def _microdata_type(ctx: CheckContext) -> str:
    """Row-level data that passed disclosure control (k reached, global and individual risk
    under the profile's thresholds, no direct identifier) is anonymised microdata, which HDX
    publishes (global risk < 3 %, rules (b) DR-DEID-03, DR-XFER-01); otherwise raw survey
    microdata."""
    r = ctx.tres.risk
    extra = (getattr(r, "extra", None) or {}) if r is not None else {}
    if r is None or extra.get("table_kind") == "aggregate" or r.k_min is None:
        return "survey_microdata"
    params = ctx.profile.params or {}
    if ctx.direct_columns and not all(
            c.entity in ("CASE_ID",) and vals_pseudonym(c) for c in ctx.direct_columns):
        return "survey_microdata"
    ok = (r.k_min >= int(params.get("k", 5))
          and float(r.global_risk or 0) < float(params.get("global_risk_max", 0.03))
          and not extra.get("records_above_risk_threshold")
          and float(extra.get("household_global_risk") or 0)
          < float(params.get("global_risk_max", 0.03)))
    return "anonymised_microdata" if ok else "survey_microdata"


def vals_pseudonym(col) -> bool:
    from datasafe.checking import values as vals
    from datasafe.checking.rules.pii import PSEUDONYM

    return vals.sample_share(col, PSEUDONYM) >= 0.95


def _structural_hints(ctx: CheckContext) -> list[tuple[str, str]]:
    """Data types that follow from the table's shape alone (its kind and admin level)."""
    out = []
    if ctx.contact_list:
        return out
    if ctx.row_level:
        if any(c.role in ("quasi", "sensitive") for c in ctx.columns) or \
                ctx.tres.kind == "microdata" or ctx.tres.risk is not None:
            out.append((_microdata_type(ctx), ctx.where()))
    elif ctx.aggregate:
        level, col = ctx.finest_admin
        dt = f"aggregate_adm{level}" if level is not None else "aggregate_adm0"
        out.append((dt, ctx.where(col) if col is not None else ctx.where()))
    return out


def verdict_of(result) -> str:
    """``fail`` when a file could not be read or a finding not accepted reaches the failing
    severity, else ``pass`` — also under a profile that never fails the run (workshop: exit
    code 0 whatever is found, but a beneficiary list is not a "pass")."""
    limit = SEVERITY_RANK.get(result.fail_on, 3)
    failing = any(f.error for f in result.files) or any(
        SEVERITY_RANK.get(f.severity, 0) >= limit for f in result.findings
        if getattr(f, "accepted", None) is None)
    return "fail" if failing else "pass"


def run_checks(result, tables_by_file, options, profile) -> None:
    """Fill findings, each file's sensitivity and the summary (see DEVELOPERS.md)."""
    state = RunState(result, tables_by_file, options, profile)
    checks = [cls() for cls in all_checks().values()]
    active = {c.id: enabled(profile, c.id) for c in checks}
    result.findings = [f for f in result.findings if not getattr(f, "_order", None)]

    for fi, (fres, tables) in enumerate(tables_by_file):
        if fres.error:
            continue
        em = _Emitter(state, fres, fi)
        fctx = CheckContext(state, fres, tables)
        for tres, table in zip(fres.tables, tables):
            if tres.rows == 0:
                continue  # a header without data holds nobody's data
            tctx = fctx.for_table(table, tres)
            for chk in checks:
                if chk.phase != 1 or chk.scope not in ("column", "table"):
                    continue
                tctx.check, tctx.entry = chk, entry(chk.id)
                if chk.scope == "column":
                    for col in tres.columns:
                        for hit in _call(chk, "check_column", tctx, col):
                            hit.column = hit.column or col
                            em.emit(chk, tctx, hit, active[chk.id])
                else:
                    for hit in _call(chk, "check_table", tctx):
                        em.emit(chk, tctx, hit, active[chk.id])
            em.hints.extend(_structural_hints(tctx))
        for phase in (1, 2):
            if phase == 2:
                fres.sensitivity, details = classify_details(em.hints, profile)
                declared = str((fctx.sidecar or {}).get("sensitivity") or "").strip().lower()
                if declared in SENSITIVITY_RANK and \
                        SENSITIVITY_RANK[declared] > SENSITIVITY_RANK[fres.sensitivity]:
                    # the owner's classification is a floor: a list of staff contacts declared
                    # moderate is not 'usually fit for public release'
                    fres.sensitivity = declared
                    details = [{"level": declared, "data_type": "declared", "where": []}] + [
                        d for d in details if d.get("data_type") != "no_personal_data"]
                fres.sensitivity_reasons = reasons_in(details, "en", profile)
                fres.extra["sensitivity_details"] = details
            for chk in checks:
                if chk.phase != phase or chk.scope != "file":
                    continue
                fctx.check, fctx.entry = chk, entry(chk.id)
                for hit in _call(chk, "check_file", fctx):
                    hctx = fctx
                    if getattr(hit, "_table", None) is not None:
                        hctx = fctx.for_table(*hit._table)
                        hctx.check, hctx.entry = chk, fctx.entry
                    em.emit(chk, hctx, hit, active[chk.id])

    result.findings.sort(key=lambda f: (getattr(f, "_order", (0, 0))[0],
                                        -SEVERITY_RANK[f.severity],
                                        getattr(f, "_order", (0, 0))[1]))
    summarise(result, profile)


def summarise(result, profile=None) -> None:
    counts = {s: 0 for s in SEVERITIES}
    for f in result.findings:
        counts[f.severity] += 1
    s = result.summary
    s.findings_by_severity = counts
    s.errors = sum(1 for f in result.files if f.error)
    worst = max(result.findings, key=lambda f: SEVERITY_RANK[f.severity], default=None)
    s.max_severity = worst.severity if worst else None
    levels = [f.sensitivity for f in result.files if f.sensitivity]
    s.sensitivity = max(levels, key=lambda x: SENSITIVITY_RANK[x]) if levels else "low"
    reasons = []
    for f in result.files:
        if f.sensitivity == s.sensitivity:
            for r in f.sensitivity_reasons:
                if not r.startswith(s.sensitivity + ":"):
                    continue
                reasons.append(r if len(result.files) == 1 else f"{f.path}: {r}")
    s.reasons = reasons
    if profile is not None:
        if hasattr(result, "never_fail"):
            result.never_fail = bool(getattr(profile, "never_fail", False))
        if hasattr(result, "explain"):
            result.explain = bool(getattr(profile, "explain", False))
    s.verdict = verdict_of(result)
