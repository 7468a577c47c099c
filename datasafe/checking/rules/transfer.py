"""Transfer, sharing and metadata (DR-XFER, DR-META): rules file section (b) "Transfer & sharing"
and "Metadata / governance". These run after the file's sensitivity is known (phase 2)."""

from __future__ import annotations

from datasafe.checking.registry import Check, Hit, register
from datasafe.model import SENSITIVITY_RANK
from datasafe.report.common import Phrase

DEFAULT_ALLOWED = {"public": "low", "partner": "high", "internal": "severe"}


def personal(ctx) -> bool:
    """The file holds personal data: row-level records or a direct identifier anywhere."""
    for tres, table in zip(ctx.file.tables, ctx.tables):
        if tres.rows == 0:
            continue
        t = ctx.for_table(table, tres)
        if t.row_level or t.direct_columns:
            return True
    return False


def required(ctx) -> list[str]:
    raw = getattr(ctx.profile, "raw", None) or {}
    req = raw.get("require_declarations") or []
    return [str(x) for x in req] if isinstance(req, (list, tuple)) else []


def _rank(level) -> int:
    return SENSITIVITY_RANK.get(str(level).strip().lower(), -1) if level is not None else -1


class _FirstReason(str):
    """The file's first sensitivity reason: English text, said in a report's language from
    the sensitivity details (as the reports' own reason lines are)."""

    details = None

    def said(self, m) -> str:
        if not self.details:
            return str(self)
        from datasafe.checking.sensitivity import reasons_in

        return (reasons_in(self.details, m.lang) or [str(self)])[0]


@register
class DestinationAllowsSensitivity(Check):
    """The file's sensitivity is above what its destination allows (public: low only;
    partners under an ISP or data-sharing agreement: up to high; internal: any).

    Bad::

        datasafe scan beneficiaries.csv --destination public   # sensitivity severe

    Good::

        datasafe scan admin2_summary.csv --destination public  # sensitivity low
    """

    id = "DR-XFER-01"
    scope = "file"
    phase = 2

    def check_file(self, ctx):
        dest = ctx.destination
        level = ctx.file.sensitivity
        if not dest or not level:
            return
        allowed_map = dict(DEFAULT_ALLOWED)
        allowed_map.update(ctx.param("allowed_sensitivity", {}) or {})
        allowed = allowed_map.get(dest)
        if allowed is None or _rank(level) <= _rank(allowed):
            return
        reason = _FirstReason((ctx.file.sensitivity_reasons or [""])[0])
        reason.details = (getattr(ctx.file, "extra", None) or {}).get("sensitivity_details")
        yield Hit(variant=level, sensitivity_level=level, allowed=allowed, destination=dest,
                  reason=reason)


@register
class DeclaredSensitivity(Check):
    """The sidecar's declared sensitivity is missing (when the profile requires it), not one of
    low/moderate/high/severe, or lower than what datasafe detected.

    Bad (``survey.csv.datasafe.yaml`` for a file with names and GPS points)::

        sensitivity: low

    Good::

        sensitivity: severe
        isp: "DRC ISP 2023, section 4"
    """

    id = "DR-META-01"
    scope = "file"
    phase = 2

    def check_file(self, ctx):
        if ctx.file.format == "dataframe" or not ctx.file.sensitivity:
            return
        side = ctx.sidecar
        declared = side.get("sensitivity")
        detected = ctx.file.sensitivity
        if side.get("_error"):
            yield Hit(variant="unreadable", detected=detected)
            return
        if declared is None:
            if "sensitivity" in required(ctx) and (personal(ctx) or _rank(detected) >= 1):
                yield Hit(variant="missing", detected=detected)
            return
        if _rank(declared) < 0:
            yield Hit(variant="invalid", declared=str(declared), detected=detected)
        elif _rank(declared) < _rank(detected):
            yield Hit(variant="lower", declared=str(declared).lower(), detected=detected)


@register
class MissingDeclarations(Check):
    """Personal or high/severe data without the declarations the profile requires: purpose,
    ISP or data-sharing-agreement reference, data impact assessment.

    Bad (``partner-restricted`` profile, no sidecar)::

        registration.csv

    Good (``registration.csv.datasafe.yaml``)::

        purpose: "Cash distribution, Tanganyika, 2024"
        isp: "DRC ISP 2023"
        dia: "DIA-2024-07"
    """

    id = "DR-META-02"
    scope = "file"
    phase = 2
    KEYS = ("purpose", "isp", "dia", "collected")

    def check_file(self, ctx):
        if ctx.file.format == "dataframe" or not ctx.file.sensitivity:
            return
        need = [k for k in required(ctx) if k in self.KEYS]
        if not need or not (personal(ctx) or _rank(ctx.file.sensitivity) >= 2):
            return
        side = ctx.sidecar
        missing = [k for k in need if side.get(k) in (None, "", [])]
        if missing:
            yield Hit(missing=", ".join(missing), count=len(missing))


@register
class HiddenSheets(Check):
    """Hidden sheets that hold data (people often forget them when they share a workbook).

    Bad::

        workbook.xlsx: sheet "Summary" (visible), sheet "raw" (hidden) with names and phones

    Good::

        workbook.xlsx: sheet "Summary" only
    """

    id = "DR-META-03"
    scope = "table"

    def check_table(self, ctx):
        extras = (getattr(ctx.table, "meta", None) or {}).get("workbook_extras")
        if extras and extras.get("comments"):
            # text outside the cells that the scan does not read (a survivor's name and phone
            # in a comment): only its presence is said
            yield Hit(variant="comments", comments=int(extras["comments"]),
                      author=Phrase("finding_details.and_author") if extras.get("author")
                      else "")
        if not ctx.tres.hidden or ctx.tres.rows == 0:
            return
        personal_cols = [c.name for c in ctx.columns if c.role in ("direct", "sensitive")]
        if personal_cols or ctx.row_level:
            yield Hit(variant="personal", sheet=ctx.tres.name,
                      columns=", ".join(personal_cols[:5]) or "row-level records")
        else:
            yield Hit(variant="data", sheet=ctx.tres.name)


@register
class ApprovalRequired(Check):
    """Under profiles with ``require_approval: true``, a file above the minimum sensitivity
    needs a recorded approval (``datasafe approve``) bound to its exact content, destination and
    profile: the profile's name and its rules (an approval given before the profile was edited,
    variant ``rules_changed``, no longer counts).

    Bad::

        datasafe scan registration.csv --profile partner-restricted   # no approval recorded

    Good::

        datasafe approve registration.csv --destination partner --profile partner-restricted …
        datasafe scan registration.csv --profile partner-restricted   # approval found
    """

    id = "DR-XFER-02"
    scope = "file"
    phase = 2

    def check_file(self, ctx):
        raw = getattr(ctx.profile, "raw", None) or {}
        if not raw.get("require_approval") or ctx.file.format == "dataframe":
            return
        if _rank(ctx.file.sensitivity) < _rank(ctx.param("min_sensitivity", "moderate")):
            return
        dest = ctx.destination or "unspecified"
        try:
            from datasafe.accountability.approval import list_approvals, select_approval
        except ImportError:
            yield Hit(variant="unavailable", destination=dest, requires_approval=True)
            return
        from datasafe.config import ConfigError, approvers_for

        try:
            # the outermost configuration above the file that lists approvers governs it
            listed, _ = approvers_for(ctx.file.path)
        except ConfigError:
            listed = {"": ""}  # a broken list verifies nothing: no approval counts
        rules = getattr(ctx.profile, "sha256", None) or None
        variant = "missing"
        try:
            sha = ctx.file.sha256
            if sha is None:  # hashed once, like the sidecar read once
                from datasafe.pipeline import sha256_file

                sha = sha256_file(ctx.file.path)
            approvals = list_approvals(ctx.file.path)
            args = (approvals, sha, ctx.destination, ctx.profile.name)
            found = select_approval(*args, listed, rules)
            if found is None and rules and select_approval(*args, listed) is not None:
                variant = "rules_changed"  # approved, but under the profile's earlier rules
            elif found is None and listed and select_approval(*args) is not None:
                variant = "unsigned"  # an approval the project's approvers did not sign
        except Exception:  # noqa: BLE001 - an unreadable approval record is no approval
            found = None
        if found is None:
            yield Hit(variant=variant, destination=dest, profile=ctx.profile.name,
                      requires_approval=True)
