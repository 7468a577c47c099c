"""SARIF 2.1.0, so that GitHub and GitLab code scanning show findings on data files.

- Each scanned file is an artifact (``run.artifacts``, with its SHA-256).
- A finding's location is the file (``physicalLocation``; ``region.startLine`` is the header
  row for delimited text, else 1 — code-scanning UIs require a line) plus the sheet and the
  column as logical locations (``kind`` ``module`` for a sheet, ``member`` for a column,
  the column's ``parentIndex`` pointing at its sheet).
- Rules come from the check catalogue: title, rationale, fix, guidance citation, default
  level from the check's severity for the run's destination, and GitHub's
  ``security-severity``.
- Accepted findings (baseline or allow-list) carry an external, accepted suppression.
- Messages are plain text in English (SARIF consumers translate through their own UI).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import PurePath
from urllib.parse import quote

from datasafe.model import SEVERITY_RANK, ScanResult
from datasafe.report import common
from datasafe.report.common import (
    DEFAULT_LANG,
    guidance_text,
    guidance_url,
    localize,
    sorted_findings,
)

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0",
                     "info": "1.0"}
DELIMITED = {"csv", "tsv", "txt"}


def artifact_uri(path: str) -> str:
    """A relative URI with forward slashes (percent-encoded), or ``file://`` for absolute paths."""
    p = str(path)
    if p.startswith("<"):
        return quote(p.strip("<>"))
    if os.path.isabs(p):
        return PurePath(p).as_uri()
    # bytes: a file name that is not valid UTF-8 (surrogate escapes) is percent-encoded as is
    return quote(os.fsencode(p.replace(os.sep, "/")), safe="/-._~")


def _rule_severity(entry: dict, destination: str | None) -> str | None:
    sev = entry.get("severity")
    if isinstance(sev, str):
        return sev if sev in SEVERITY_RANK else None
    if isinstance(sev, dict):
        if destination and isinstance(sev.get(destination), str):
            return sev[destination]
        vals = [v for v in sev.values() if isinstance(v, str) and v in SEVERITY_RANK]
        if vals:
            return max(vals, key=lambda s: SEVERITY_RANK[s])
    return None


def _rule(check_id: str, entry: dict, destination: str | None, sample=None) -> dict:
    title = str(entry.get("title") or (sample.title if sample else None) or check_id)
    rationale = entry.get("rationale") or entry.get("detects") or entry.get("explanation") \
        or (sample.explanation if sample else None)
    fix = entry.get("fix") or (sample.fix if sample else None)
    guidance = guidance_text(entry.get("guidance")) or (sample.guidance if sample else None)
    rule: dict = {
        "id": check_id,
        "name": "".join(w[:1].upper() + w[1:] for w in
                        "".join(ch if ch.isalnum() else " " for ch in title).split()) or check_id,
        "shortDescription": {"text": title},
    }
    if rationale:
        rule["fullDescription"] = {"text": " ".join(str(rationale).split())}
    help_lines = []
    md_lines = []
    if rationale:
        help_lines.append(" ".join(str(rationale).split()))
        md_lines.append(" ".join(str(rationale).split()))
    if fix:
        help_lines.append(f"Fix: {' '.join(str(fix).split())}")
        md_lines.append(f"**Fix:** {' '.join(str(fix).split())}")
    if guidance:
        help_lines.append(f"Guidance: {guidance}")
        md_lines.append(f"**Guidance:** {guidance}")
    if help_lines:
        rule["help"] = {"text": "\n\n".join(help_lines), "markdown": "\n\n".join(md_lines)}
    url = guidance_url(entry.get("guidance"))
    if url:
        rule["helpUri"] = url
    sev = _rule_severity(entry, destination) or (sample.severity if sample else None)
    props: dict = {"tags": ["privacy", "data-responsibility"]}
    if entry.get("area"):
        props["tags"].append(str(entry["area"]))
    if sev:
        rule["defaultConfiguration"] = {"level": LEVEL.get(sev, "warning")}
        props["security-severity"] = SECURITY_SEVERITY.get(sev, "5.0")
        props["severity"] = sev
    if guidance:
        props["guidance"] = guidance
    rule["properties"] = props
    return rule


def render_sarif(result: ScanResult) -> str:
    return json.dumps(sarif_log(result), ensure_ascii=False, indent=2) + "\n"


SRCROOT = "%SRCROOT%"


def _locator(root: str | None):
    """``location(path)`` → an artifactLocation: relative to the run's repository root (with
    ``uriBaseId`` %SRCROOT%) for a file inside it, whatever the working directory was — so code
    scanning finds the file and fingerprints do not depend on where the scan ran — else
    :func:`artifact_uri` of the path as given."""
    from pathlib import Path

    base = Path(root).resolve() if root else None
    seen: dict[str, dict] = {}  # each path resolved once, not once per finding

    def location(path: str) -> dict:
        p = str(path)
        if p not in seen:
            rel = None
            if base is not None and not p.startswith("<"):
                try:
                    rel = Path(p).resolve().relative_to(base)
                except (ValueError, OSError):
                    rel = None
            seen[p] = ({"uri": artifact_uri(rel.as_posix()), "uriBaseId": SRCROOT}
                       if rel is not None else {"uri": artifact_uri(p)})
        return dict(seen[p])  # a copy: callers add an index to it

    return location


def sarif_log(result: ScanResult) -> dict:
    catalogue = common._catalogue()
    location_of = _locator(getattr(result, "root", None))
    findings = sorted_findings(result.findings)

    # rules: every catalogue check (stable order), plus any check a finding names that the
    # catalogue lacks
    rule_ids = sorted(catalogue)
    samples = {}
    for f in findings:
        lf = localize(f, DEFAULT_LANG)
        samples.setdefault(f.check, lf)
        if f.check not in catalogue and f.check not in rule_ids:
            rule_ids.append(f.check)
    rules = [_rule(cid, catalogue.get(cid, {}), result.destination, samples.get(cid))
             for cid in rule_ids]
    rule_index = {cid: i for i, cid in enumerate(rule_ids)}

    artifacts = []
    artifact_index = {}
    file_by_path = {}
    for fr in result.files:
        if fr.path in artifact_index:
            continue
        art: dict = {"location": location_of(fr.path), "roles": ["analysisTarget"]}
        if fr.sha256:
            art["hashes"] = {"sha-256": fr.sha256}
        art["properties"] = {"format": fr.format}
        if fr.sensitivity:
            art["properties"]["sensitivity"] = fr.sensitivity
        artifact_index[fr.path] = len(artifacts)
        file_by_path[fr.path] = fr
        artifacts.append(art)

    logical: list[dict] = []
    logical_index: dict[tuple, int] = {}

    def logical_for(path: str, table: str | None, column: str | None) -> list[dict]:
        refs = []
        parent = -1
        if table is not None:
            key = (path, table, None)
            if key not in logical_index:
                logical_index[key] = len(logical)
                logical.append({"name": str(table), "fullyQualifiedName": str(table),
                                "kind": "module", "properties": {"artifact": artifact_uri(path)}})
            parent = logical_index[key]
        if column is not None:
            key = (path, table, column)
            fq = f"{table}/{column}" if table is not None else str(column)
            if key not in logical_index:
                logical_index[key] = len(logical)
                entry = {"name": str(column), "fullyQualifiedName": fq, "kind": "member",
                         "properties": {"artifact": artifact_uri(path)}}
                if parent >= 0:
                    entry["parentIndex"] = parent
                logical.append(entry)
            refs.append({"name": str(column), "fullyQualifiedName": fq, "kind": "member",
                         "index": logical_index[key]})
        elif table is not None:
            refs.append({"name": str(table), "fullyQualifiedName": str(table), "kind": "module",
                         "index": parent})
        return refs

    results = []
    for f in findings:
        lf = localize(f, DEFAULT_LANG)
        fr = file_by_path.get(f.file)
        start_line = 1
        if fr is not None and fr.format in DELIMITED:
            t = next((t for t in fr.tables if t.name == f.table), None)
            if t is not None and t.header_row:
                start_line = int(t.header_row)
        phys: dict = {"artifactLocation": location_of(f.file),
                      "region": {"startLine": max(1, start_line)}}
        if f.file in artifact_index:
            phys["artifactLocation"]["index"] = artifact_index[f.file]
        location: dict = {"physicalLocation": phys}
        refs = logical_for(f.file, f.table, f.column)
        if refs:
            location["logicalLocations"] = refs
        text = lf.message
        where = " / ".join(str(x) for x in (f.table, f.column) if x is not None)
        if where and where not in text:
            text = f"{text} ({where})"
        if lf.fix:
            text = f"{text}. Fix: {lf.fix}" if not text.endswith(".") else f"{text} Fix: {lf.fix}"
        res: dict = {
            "ruleId": f.check,
            "ruleIndex": rule_index[f.check],
            "level": LEVEL.get(f.severity, "warning"),
            "kind": "fail",
            "message": {"text": text},
            "locations": [location],
            "partialFingerprints": {
                "datasafeFinding/v1": hashlib.sha256("\x1f".join(
                    str(x) for x in (f.check, location_of(f.file)["uri"], f.table,
                                     f.column)).encode(
                    "utf-8", "surrogateescape")).hexdigest(),
            },
            "properties": {"severity": f.severity,
                           "security-severity": SECURITY_SEVERITY.get(f.severity, "5.0")},
        }
        if lf.guidance:
            res["properties"]["guidance"] = lf.guidance
        if f.table is not None:
            res["properties"]["sheet"] = f.table
        if f.column is not None:
            res["properties"]["column"] = f.column
        if getattr(f, "accepted", None) is not None:
            acc = f.accepted or {}
            # SARIF's status: a baseline entry nobody has reviewed yet is under review
            sup = {"kind": "external",
                   "status": "underReview" if acc.get("status") == "unreviewed" else "accepted"}
            just = acc.get("reason") or acc.get("source")
            if just:
                sup["justification"] = str(just)
            res["suppressions"] = [sup]
        results.append(res)

    notifications = []
    for fr in result.files:
        if fr.error:
            notifications.append({
                "level": "error",
                "message": {"text": f"{fr.path}: {fr.error}"},
                "locations": [{"physicalLocation": {"artifactLocation": {
                    **location_of(fr.path), "index": artifact_index[fr.path]}}}],
            })
    invocation = {"executionSuccessful": not any(fr.error for fr in result.files),
                  "exitCode": result.exit_code}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications

    from datasafe import __version__

    version = result.tool_version or __version__
    run: dict = {
        "tool": {"driver": {
            "name": "datasafe",
            "fullName": f"datasafe {version}",
            "version": version,
            "semanticVersion": version,
            "rules": rules,
        }},
        "invocations": [invocation],
        "artifacts": artifacts,
        "results": results,
        "columnKind": "unicodeCodePoints",
        "properties": {
            "profile": result.profile,
            "destination": result.destination,
            "sensitivity": result.summary.sensitivity,
            "verdict": result.summary.verdict,
        },
    }
    if logical:
        run["logicalLocations"] = logical
    root = getattr(result, "root", None)
    if root and any(a["location"].get("uriBaseId") == SRCROOT for a in artifacts):
        from pathlib import Path

        run["originalUriBaseIds"] = {SRCROOT: {"uri": Path(root).resolve().as_uri() + "/"}}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}
