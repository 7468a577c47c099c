"""The baseline of accepted findings: ``.datasafe-baseline.json`` at the repository root.

A repository that already holds data it has decided to keep (an aggregate table whose admin
areas are public, a partner file with consented phone numbers…) records those findings once;
``datasafe scan`` and the pre-commit hook then fail only on *new* findings.

Each entry is keyed on ``(file, sheet, column, check, hash)`` where ``hash`` is an HMAC-SHA256
of the column's identity (file path, sheet, header and detected entity type) under a random
salt kept in the baseline itself. The file holds no raw values, no row numbers and no
timestamps; entries are sorted and the JSON is written the same way every time, so that
re-creating a baseline gives identical bytes and merges do not churn.

``audit`` records, per entry, ``status`` (``accepted`` or ``rejected``), ``by`` and ``reason``.
A ``rejected`` entry is not accepted: the finding fails again until the data is fixed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BASELINE_NAME = ".datasafe-baseline.json"
FORMAT_VERSION = 1
STATUSES = ("unreviewed", "accepted", "rejected")


class BaselineError(ValueError):
    """A baseline file that cannot be used (one line naming the file and the cause)."""


Key = tuple[str, str, str, str, str]  # file, sheet, column, check, hash ("" for None)


@dataclass
class Entry:
    file: str
    sheet: str | None
    column: str | None
    check: str
    hash: str
    severity: str | None = None
    status: str = "unreviewed"
    by: str | None = None
    reason: str | None = None

    @property
    def key(self) -> Key:
        return (self.file, self.sheet or "", self.column or "", self.check, self.hash)

    @property
    def accepted(self) -> bool:
        return self.status != "rejected"

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "file": self.file,
            "sheet": self.sheet,
            "column": self.column,
            "check": self.check,
            "hash": self.hash,
            "severity": self.severity,
            "status": self.status,
        }
        if self.by is not None:
            d["by"] = self.by
        if self.reason is not None:
            d["reason"] = self.reason
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str) -> Entry:
        try:
            e = cls(file=str(d["file"]), sheet=d.get("sheet"), column=d.get("column"),
                    check=str(d["check"]), hash=str(d["hash"]), severity=d.get("severity"),
                    status=str(d.get("status") or "unreviewed"), by=d.get("by"),
                    reason=d.get("reason"))
        except (KeyError, TypeError, AttributeError):
            raise BaselineError(f"{source}: an entry lacks file, check or hash") from None
        if e.status not in STATUSES:
            raise BaselineError(f"{source}: unknown status '{e.status}' (use "
                                f"{', '.join(STATUSES)})")
        return e


@dataclass
class Baseline:
    salt: str
    entries: dict[Key, Entry] = field(default_factory=dict)
    path: Path | None = None

    @classmethod
    def new(cls, path: str | os.PathLike | None = None) -> Baseline:
        return cls(salt=secrets.token_hex(16), path=Path(path) if path else None)

    @classmethod
    def load(cls, path: str | os.PathLike) -> Baseline:
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BaselineError(f"{path}: no such baseline (create one with "
                                "'datasafe baseline create')") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BaselineError(f"{path}: cannot read baseline: {exc}") from None
        except json.JSONDecodeError as exc:
            raise BaselineError(f"{path}: not a valid baseline (JSON error at line "
                                f"{exc.lineno}); resolve merge conflicts or re-create it") from None
        if not isinstance(data, dict) or not isinstance(data.get("salt"), str) \
                or not isinstance(data.get("findings", []), list):
            raise BaselineError(f"{path}: not a datasafe baseline (no salt or findings)")
        if int(data.get("version", FORMAT_VERSION)) > FORMAT_VERSION:
            raise BaselineError(f"{path}: baseline version {data.get('version')} is newer than "
                                "this datasafe understands; upgrade datasafe")
        b = cls(salt=data["salt"], path=path)
        for d in data.get("findings", []):
            if not isinstance(d, dict):
                raise BaselineError(f"{path}: every finding must be an object")
            e = Entry.from_dict(d, str(path))
            b.entries[e.key] = e
        return b

    def sorted_entries(self) -> list[Entry]:
        return [self.entries[k] for k in sorted(self.entries)]

    def to_json(self) -> str:
        doc = {
            "version": FORMAT_VERSION,
            "tool": "datasafe",
            "hash": "hmac-sha256(salt, file|sheet|column|entity)",
            "salt": self.salt,
            "findings": [e.to_dict() for e in self.sorted_entries()],
        }
        return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False) + "\n"

    def save(self, path: str | os.PathLike | None = None) -> Path:
        from datasafe.atomic import write_text

        dest = Path(path or self.path or BASELINE_NAME)
        write_text(dest, self.to_json())
        self.path = dest
        return dest

    def get(self, key: Key) -> Entry | None:
        return self.entries.get(key)


# ---------------------------------------------------------------------------------------------
# Keys of findings


def column_hash(salt: str, file: str, sheet: str | None, column: str | None,
                entity: str | None) -> str:
    """HMAC-SHA256 of the column's identity under the baseline's salt (hex, 32 characters)."""
    msg = "\x1f".join((file, sheet or "", column or "", entity or "")).encode("utf-8")
    return hmac.new(salt.encode("utf-8"), msg, hashlib.sha256).hexdigest()[:32]


def _column_entity(result, finding) -> str | None:
    if finding.column is None:
        return None
    for fres in result.files:
        if fres.path != finding.file:
            continue
        for t in fres.tables:
            if t.name != finding.table:
                continue
            col = t.column(finding.column)
            if col is not None:
                return col.entity
    return None


def finding_key(result, finding, salt: str, root: str | os.PathLike | None) -> Key:
    from datasafe.config import relative_path

    rel = relative_path(finding.file, root) if finding.file != "<dataframe>" else finding.file
    entity = _column_entity(result, finding)
    h = column_hash(salt, rel, finding.table, finding.column, entity)
    return (rel, finding.table or "", finding.column or "", finding.check, h)


def _all_findings(result):
    """Every Finding object of the result (top level and per table), each once."""
    seen: set[int] = set()
    for f in result.findings:
        if id(f) not in seen:
            seen.add(id(f))
            yield f
    for t in result.tables:
        for f in t.findings:
            if id(f) not in seen:
                seen.add(id(f))
                yield f


def entries_from_result(result, salt: str, root) -> list[Entry]:
    out = {}
    for f in result.findings:
        key = finding_key(result, f, salt, root)
        out[key] = Entry(file=key[0], sheet=f.table, column=f.column, check=f.check,
                         hash=key[4], severity=f.severity)
    return [out[k] for k in sorted(out)]


def _cwd_root() -> str | None:
    from datasafe.config import find_root

    r = find_root(os.getcwd())
    return str(r) if r else None


def resolve_for_scan(path: str | None, disabled: bool, config: dict[str, Any]) -> Baseline | None:
    """The baseline a scan uses: ``path`` when given (it must exist), else the config's
    ``baseline`` or ``.datasafe-baseline.json`` at the repository root when present."""
    if disabled:
        return None
    if path:
        return Baseline.load(path)
    root = config.get("_root") or _cwd_root()
    configured = config.get("baseline")
    if configured:
        p = Path(configured)
        if not p.is_absolute() and root:
            p = Path(root) / p
        return Baseline.load(p) if p.is_file() else None
    p = default_path(root)
    return Baseline.load(p) if p.is_file() else None


def default_path(root: str | os.PathLike | None) -> Path:
    return Path(root or ".") / BASELINE_NAME


def apply_acceptance(result, config: dict[str, Any], baseline: Baseline | None,
                     root: str | os.PathLike | None = None) -> int:
    """Mark the findings covered by the config allow-list or the baseline as accepted
    (``Finding.accepted``), then recompute the verdict. Returns how many were accepted."""
    from datasafe.config import allow_entry_for, relative_path

    root = root or config.get("_root") or _cwd_root()
    n = 0
    for f in _all_findings(result):
        rel = relative_path(f.file, root)
        entry = allow_entry_for(config, rel, f.table, f.column, f.check)
        if entry is not None:
            f.accepted = {"source": "allow", "reason": entry["reason"]}
            n += 1
            continue
        if baseline is None:
            continue
        be = baseline.get(finding_key(result, f, baseline.salt, root))
        if be is not None and be.accepted and _worse(f.severity, be.severity):
            # accepted at a lower severity (the data got worse since): new again
            f.escalated_from = be.severity
            be = None
        if be is not None and not be.accepted:
            # refused at the review: it fails, and the hook does not offer to accept it again
            f.rejected_by = be.by or "?"
        if be is not None and be.accepted:
            acc: dict[str, Any] = {"source": "baseline", "status": be.status}
            if be.by:
                acc["by"] = be.by
            if be.reason:
                acc["reason"] = be.reason
            f.accepted = acc
            n += 1
    if n:
        from datasafe.checking.core import verdict_of

        result.summary.verdict = verdict_of(result)
    return n


def _worse(now: str | None, accepted: str | None) -> bool:
    """Whether a finding's severity is above the one it was accepted at."""
    from datasafe.model import SEVERITY_RANK

    if not now or not accepted or accepted not in SEVERITY_RANK:
        return False
    return SEVERITY_RANK.get(now, 0) > SEVERITY_RANK[accepted]


def merge(baseline: Baseline, fresh: list[Entry], scanned_files: set[str] | None,
          root: str | os.PathLike | None = None) -> dict:
    """Update ``baseline`` with ``fresh`` entries (found by a scan of ``scanned_files``; None
    means every file). New entries are added unreviewed, entries no longer found in a scanned
    file are dropped, entries of files not scanned are kept unless the file is gone (moved or
    deleted: its acceptance must not cover a new file at the old path), audit fields are
    preserved — but a finding whose severity rose since its review is unreviewed again."""
    fresh_keys = {e.key for e in fresh}
    added = removed = escalated = 0
    rejected_gone: dict[tuple, list[Entry]] = {}
    for key in list(baseline.entries):
        in_scope = scanned_files is None or key[0] in scanned_files
        gone = root is not None and not (Path(root) / key[0]).exists()
        if (in_scope and key not in fresh_keys) or (gone and key not in fresh_keys):
            old = baseline.entries.pop(key)
            removed += 1
            if old.status == "rejected":
                rejected_gone.setdefault((old.file, old.sheet or "", old.check), []).append(old)
    new_by_place: dict[tuple, list[Entry]] = {}
    for e in fresh:
        if e.key not in baseline.entries:
            new_by_place.setdefault((e.file, e.sheet or "", e.check), []).append(e)
    for place, olds in rejected_gone.items():
        news = new_by_place.get(place) or []
        if len(olds) == 1 and len(news) == 1:
            # the rejected column was renamed: renaming a header does not undo a rejection
            news[0].status, news[0].by, news[0].reason = "rejected", olds[0].by, olds[0].reason
    for e in fresh:
        old = baseline.entries.get(e.key)
        if old is None:
            baseline.entries[e.key] = e
            added += 1
        else:
            if _worse(e.severity, old.severity) and old.status != "unreviewed":
                old.status, old.by, old.reason = "unreviewed", None, None
                escalated += 1
            old.severity = e.severity
    return {"added": added, "removed": removed, "total": len(baseline.entries),
            "escalated": escalated}


def who_am_i(root: str | os.PathLike | None = None) -> str:
    """The person recording an audit: git's user.name <user.email>, else the login name."""
    import subprocess

    def git(key: str) -> str:
        try:
            r = subprocess.run(["git", "config", key], capture_output=True, text=True,
                               cwd=root or None, timeout=5)
            return r.stdout.strip() if r.returncode == 0 else ""
        except (OSError, subprocess.SubprocessError):
            return ""

    try:  # git's author identity: GIT_AUTHOR_NAME/EMAIL, then user.name/email
        r = subprocess.run(["git", "var", "GIT_AUTHOR_IDENT"], capture_output=True, text=True,
                           cwd=root or None, timeout=5)
        ident = r.stdout.strip() if r.returncode == 0 else ""
    except (OSError, subprocess.SubprocessError):
        ident = ""
    if "<" in ident and ">" in ident:
        return ident[:ident.rindex(">") + 1]
    name, email = git("user.name"), git("user.email")
    if name and email:
        return f"{name} <{email}>"
    if name or email:
        return name or email
    import getpass

    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001
        return "unknown"
