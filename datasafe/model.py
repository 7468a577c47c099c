"""The data classes that flow one way through datasafe.

read → profile → detect → assess risk → check → report or redact.

Each stage fills its own part of these objects; ``to_dict()`` gives the JSON of
``shared/contract.md`` (schema version 1). Fields of the contract are never renamed or
dropped; extra fields are added beside them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SCHEMA_VERSION = "1"

ROLES = ("direct", "sensitive", "quasi", "none")
ROLE_RANK = {"direct": 3, "sensitive": 2, "quasi": 1, "none": 0}

SEVERITIES = ("critical", "high", "medium", "low", "info")
SEVERITY_RANK = {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}

SENSITIVITY_LEVELS = ("low", "moderate", "high", "severe")
SENSITIVITY_RANK = {"low": 0, "moderate": 1, "high": 2, "severe": 3}

# Entity vocabulary of the contract. Never rename these; add when a real dataset needs one.
ENTITY_TYPES = (
    "PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS", "NATIONAL_ID", "CASE_ID", "GPS_COORDINATE",
    "ADDRESS", "DATE_OF_BIRTH", "AGE", "SEX_GENDER", "ADMIN_AREA", "LOCATION",
    "HOUSEHOLD_SIZE", "DISPLACEMENT_STATUS", "NATIONALITY", "ETHNICITY", "RELIGION", "HEALTH",
    "DISABILITY", "PROTECTION_INCIDENT", "LEGAL_STATUS", "OCCUPATION", "EDUCATION",
    "MARITAL_STATUS", "INCOME", "IP_ADDRESS", "URL", "CREDIT_CARD", "IBAN_CODE", "FREE_TEXT",
    # added by detection (issue 3): dates of events (quasi in microdata), language spoken
    # (quasi), political/armed-group affiliation and sexual orientation (sensitive)
    "DATE", "LANGUAGE", "POLITICAL_AFFILIATION", "SEXUAL_ORIENTATION",
)


@dataclass
class Entity:
    """One entity type found in a column, with the signals that support it."""

    type: str
    confidence: float
    share: float | None = None
    evidence: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "confidence": round(float(self.confidence), 3),
            "share": None if self.share is None else round(float(self.share), 3),
            "evidence": list(self.evidence),
        }


@dataclass
class ColumnStats:
    """Structural profile of one column (filled by :mod:`datasafe.profiling`)."""

    inferred_type: str = "empty"  # empty|integer|float|boolean|date|datetime|string|text
    rows: int = 0
    non_empty: int = 0
    distinct: int = 0
    min_length: int = 0
    max_length: int = 0
    mean_length: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.inferred_type,
            "rows": self.rows,
            "non_empty": self.non_empty,
            "distinct": self.distinct,
            "min_length": self.min_length,
            "max_length": self.max_length,
            "mean_length": round(self.mean_length, 2),
        }


@dataclass
class ColumnResult:
    """What datasafe knows about one column.

    ``key`` is the unique label of the column in the table's data frame (headers can repeat);
    ``name`` is the header exactly as it appears in the file.
    """

    name: str
    key: str
    index: int
    hxl: str | None = None
    role: str = "none"
    entities: list[Entity] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)
    stats: ColumnStats = field(default_factory=ColumnStats)
    sample: list[str] = field(default_factory=list, repr=False)  # raw; never serialised
    free_text: bool = False
    # (distinct non-empty values as a pyarrow array, their counts as numpy) when the column has
    # few distinct values; raw, in memory only, never serialised
    counts: Any = field(default=None, repr=False, compare=False)
    # (int32 code per row, -1 for null; the dictionary as a pyarrow array) of the whole column
    # when it has few distinct values: the risk stage's key encoding reuses it; never serialised
    codes: Any = field(default=None, repr=False, compare=False)

    @property
    def entity(self) -> str | None:
        return self.entities[0].type if self.entities else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "hxl": self.hxl,
            "role": self.role,
            "entities": [e.to_dict() for e in self.entities],
            "examples": list(self.examples[:3]),
            "stats": self.stats.to_dict(),
            "free_text": self.free_text,
        }


@dataclass
class RiskResult:
    """Re-identification risk of one table (filled by :mod:`datasafe.risk`).

    The first six fields are the contract's; the rest are additions.
    """

    quasi_identifiers: list[str]
    k_min: int | None
    records_below_k: int
    k_threshold: int
    expected_reidentifications: float
    global_risk: float
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {
            "quasi_identifiers": list(self.quasi_identifiers),
            "k_min": self.k_min,
            "records_below_k": int(self.records_below_k),
            "k_threshold": int(self.k_threshold),
            "expected_reidentifications": round(float(self.expected_reidentifications), 4),
            "global_risk": round(float(self.global_risk), 6),
        }
        d.update(self.extra)
        return d


@dataclass
class Finding:
    """One judgement of a data-responsibility check."""

    check: str
    severity: str
    file: str
    table: str | None
    column: str | None
    message: str
    guidance: str
    title: str | None = None
    fix: str | None = None
    explanation: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    # set when the finding is accepted (baseline or config allow-list): {"source", "by", "reason"}
    accepted: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "check": self.check,
            "severity": self.severity,
            "file": self.file,
            "table": self.table,
            "column": self.column,
            "message": self.message,
            "guidance": self.guidance,
        }
        if self.title:
            d["title"] = self.title
        if self.fix:
            d["fix"] = self.fix
        if self.explanation:
            d["explanation"] = self.explanation
        if self.details:
            d["details"] = self.details
        if self.accepted is not None:
            d["accepted"] = dict(self.accepted)
        return d


@dataclass
class TableResult:
    name: str | None
    rows: int
    columns: list[ColumnResult] = field(default_factory=list)
    risk: RiskResult | None = None
    findings: list[Finding] = field(default_factory=list)
    hidden: bool = False
    header_row: int | None = None  # 1-based row number of the header in the file
    hxl_row: int | None = None
    ragged_rows: int = 0
    kind: str = "unknown"  # microdata|aggregate|unknown (set by detection)
    notes: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def column(self, name: str) -> ColumnResult | None:
        for c in self.columns:
            if c.name == name or c.key == name:
                return c
        return None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "name": self.name,
            "rows": self.rows,
            "columns": [c.to_dict() for c in self.columns],
            "risk": None if self.risk is None else self.risk.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "hidden": self.hidden,
            "header_row": self.header_row,
            "hxl": self.hxl_row is not None,
            "ragged_rows": self.ragged_rows,
            "kind": self.kind,
        }
        if self.notes:
            d["notes"] = list(self.notes)
        d.update(self.extra)
        return d


@dataclass
class FileResult:
    path: str
    format: str
    tables: list[TableResult] = field(default_factory=list)
    error: str | None = None
    sensitivity: str | None = None
    sensitivity_reasons: list[str] = field(default_factory=list)
    sha256: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = {"path": self.path, "format": self.format, "tables": [t.to_dict() for t in self.tables]}
        if self.error is not None:
            d["error"] = self.error
        if self.sensitivity is not None:
            d["sensitivity"] = self.sensitivity
            d["sensitivity_reasons"] = list(self.sensitivity_reasons)
        if self.sha256:
            d["sha256"] = self.sha256
        d.update(self.extra)
        return d


@dataclass
class Summary:
    sensitivity: str = "low"
    max_severity: str | None = None
    findings_by_severity: dict[str, int] = field(
        default_factory=lambda: {s: 0 for s in SEVERITIES}
    )
    reasons: list[str] = field(default_factory=list)
    verdict: str | None = None  # "pass" | "fail"
    errors: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "sensitivity": self.sensitivity,
            "max_severity": self.max_severity,
            "findings_by_severity": dict(self.findings_by_severity),
            "reasons": list(self.reasons),
            "verdict": self.verdict,
            "errors": self.errors,
        }


@dataclass
class ScanResult:
    files: list[FileResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    summary: Summary = field(default_factory=Summary)
    profile: str | None = None
    # SHA-256 of the profile's resolved rules (profiles.content_sha256): approvals are bound to it
    profile_sha256: str | None = None
    destination: str | None = None
    fail_on: str = "high"
    ner_backend: str | None = None
    tool_version: str = ""
    never_fail: bool = False  # the profile never fails the run (workshop): exit 0 on findings
    explain: bool = False  # the profile asks reports to explain every finding in plain words
    # the repository root of the run (config/baseline); SARIF writes paths relative to it. Not
    # part of the JSON report (the contract's paths are as given)
    root: str | None = field(default=None, repr=False, compare=False)

    @property
    def tables(self) -> list[TableResult]:
        return [t for f in self.files for t in f.tables]

    @property
    def exit_code(self) -> int:
        """The contract's exit code: 2 on unreadable input, 1 on findings at or above fail_on."""
        if any(f.error for f in self.files):
            return 2
        if self.never_fail:
            return 0
        limit = SEVERITY_RANK.get(self.fail_on, 3)
        if any(SEVERITY_RANK[f.severity] >= limit for f in self.findings if f.accepted is None):
            return 1
        return 0

    def to_dict(self) -> dict[str, Any]:
        from datasafe import __version__

        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "datasafe", "version": self.tool_version or __version__},
            "profile": self.profile,
            "profile_sha256": self.profile_sha256,
            "destination": self.destination,
            "ner_backend": self.ner_backend,
            "never_fail": self.never_fail,
            "explain": self.explain,
            "files": [f.to_dict() for f in self.files],
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary.to_dict(),
        }

    def to_json(self, indent: int | None = 2) -> str:
        import json

        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def _repr_html_(self) -> str:  # rendered by Jupyter
        try:
            from datasafe.report.html import render_html

            return render_html(self, lang="en", fragment=True)
        except Exception:  # pragma: no cover - report module optional at this stage
            import html

            return "<pre>" + html.escape(self.to_json()) + "</pre>"
