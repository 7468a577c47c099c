"""The audit trail: one JSON Lines record per scan, redaction, approval, re-personalisation and
destruction, chained by hashes so that an edited, deleted or reordered record is detected.

Where the log lives (first that applies):

1. the ``log_path`` argument (the commands' ``--audit-log``);
2. the ``DATASAFE_AUDIT_LOG`` environment variable;
3. ``.datasafe-audit.jsonl`` at the root of the git repository that holds the working directory;
4. ``.datasafe-audit.jsonl`` in the working directory.

Writers: :func:`record` (one record; never raises), :func:`record_scan` (one ``scan`` record per
file of a scan result) and :func:`record_redaction` (one ``redact`` record per written copy).
Readers: :func:`verify` and :func:`read_records`.

``DATASAFE_AUDIT=off`` turns recording off (nothing is written). The actor is the ``actor``
argument (``--actor``), else ``DATASAFE_ACTOR``, else the operating-system user.

A record (one line of canonical JSON)::

    {"action": "scan", "actor": "amina", "details": {...}, "outcome": "pass",
     "path": "data/survey.csv", "prev_hash": "<hash of the record before, 64 zeros for the first>",
     "profile": "default", "seq": 1, "sha256": "<content hash of the file>",
     "time": "2026-11-25T20:31:07Z", "tool_version": "0.1.0", "hash": "<sha256 of the rest>"}

``hash`` is the SHA-256 of the record without ``hash``, serialised as canonical JSON (sorted keys,
no spaces, UTF-8). A record never holds a data value or a key: only paths, content hashes,
profile names, verdicts, counts, column names and the reasons people give.

The log is appended to (never rewritten) under an exclusive lock, so that concurrent runs keep
one chain; this is the one output that does not go through :mod:`datasafe.atomic` (a rewrite
would make every record cost the size of the log). The chain detects any change short of
rewriting every later record; to detect that, or the loss of the last records, keep the head hash
(``datasafe audit verify`` prints it) somewhere else and pass it back with ``--head``.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import getpass
import hashlib
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LOG_NAME = ".datasafe-audit.jsonl"
ENV_LOG = "DATASAFE_AUDIT_LOG"
ENV_SWITCH = "DATASAFE_AUDIT"
ENV_ACTOR = "DATASAFE_ACTOR"
GENESIS = "0" * 64
ACTIONS = ("scan", "redact", "approve", "repersonalise", "destroy")


# --------------------------------------------------------------------------------------------
# Locations and identities


def git_root(start: str | os.PathLike | None = None) -> Path | None:
    """The root of the git work tree holding ``start`` (the working directory by default)."""
    p = Path(start or os.getcwd()).resolve()
    for d in (p, *p.parents):
        if (d / ".git").exists():
            return d
    return None


def log_path(explicit: str | os.PathLike | None = None) -> Path:
    """Where records go (see the module docstring)."""
    if explicit:
        return Path(explicit)
    env = os.environ.get(ENV_LOG)
    if env:
        return Path(env)
    root = git_root() or Path(os.getcwd())
    return root / LOG_NAME


def enabled() -> bool:
    return os.environ.get(ENV_SWITCH, "").strip().lower() not in ("off", "0", "false", "no")


def current_actor(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    env = os.environ.get(ENV_ACTOR)
    if env:
        return env
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return f"uid:{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def now_utc() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace(
        "+00:00", "Z")


def display_path(path: str | os.PathLike, log: Path) -> str:
    """The file's path relative to the log's folder when it is inside it, else absolute (a
    name that is not valid UTF-8 gets U+FFFD for its bad bytes: records must encode)."""
    try:
        p = Path(path).resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symlink loop (Python < 3.13)
        return _valid_text(str(path))
    base = log.resolve().parent
    try:
        return _valid_text(p.relative_to(base).as_posix())
    except ValueError:
        return _valid_text(p.as_posix())


def _valid_text(text: str) -> str:
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def file_sha256(path: str | os.PathLike) -> str | None:
    try:
        from datasafe.pipeline import sha256_file

        return sha256_file(path)
    except OSError:
        return None


# --------------------------------------------------------------------------------------------
# Hashing


def canonical(obj: dict[str, Any]) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str).encode("utf-8")


def record_hash(rec: dict[str, Any]) -> str:
    body = {k: v for k, v in rec.items() if k != "hash"}
    return hashlib.sha256(canonical(body)).hexdigest()


# --------------------------------------------------------------------------------------------
# Writing


@contextlib.contextmanager
def _locked(fd: int):
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory lock
        yield
        return
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)


def _last_line(fd: int) -> bytes | None:
    size = os.lseek(fd, 0, os.SEEK_END)
    pos, buf = size, b""
    while pos > 0:
        n = min(8192, pos)
        pos -= n
        os.lseek(fd, pos, os.SEEK_SET)
        buf = os.read(fd, n) + buf
        body = buf.rstrip(b"\r\n")
        i = body.rfind(b"\n")
        if i >= 0:
            return body[i + 1:]
    body = buf.strip()
    return body or None


def _append(log: Path, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chain and append ``entries`` under one exclusive lock and one flush."""
    log.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(log, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
    out = []
    try:
        with _locked(fd):
            last = _last_line(fd)
            prev_hash, seq = GENESIS, 0
            if last:
                try:
                    prev = json.loads(last)
                    prev_hash = str(prev["hash"])
                    seq = int(prev["seq"])
                except (ValueError, KeyError, TypeError):
                    # A damaged last line: chain to its raw bytes; `audit verify` will name it.
                    prev_hash = hashlib.sha256(last).hexdigest()
                    with open(log, "rb") as fh:
                        seq = sum(1 for _ in fh)
            lines = []
            for entry in entries:
                seq += 1
                entry = dict(entry, seq=seq, prev_hash=prev_hash)
                entry["hash"] = prev_hash = record_hash(entry)
                lines.append(canonical(entry) + b"\n")
                out.append(entry)
            os.lseek(fd, 0, os.SEEK_END)
            os.write(fd, b"".join(lines))
            with contextlib.suppress(OSError):
                os.fsync(fd)
    finally:
        os.close(fd)
    return out


def _entry(log: Path, action: str, path=None, sha256=None, profile=None, outcome=None,
           actor=None, details=None) -> dict[str, Any]:
    from datasafe import __version__

    entry: dict[str, Any] = {
        "time": now_utc(),
        "actor": current_actor(actor),
        "action": str(action),
        "path": None if path is None else display_path(path, log),
        "sha256": sha256,
        "profile": profile,
        "outcome": outcome,
        "details": dict(details or {}),
        "tool_version": __version__,
    }
    if sha256 is None and path is not None and Path(path).is_file():
        entry["sha256"] = file_sha256(path)
    return entry


def _warn(exc: BaseException, log: Path | None) -> None:
    where = f" to {log}" if log is not None else ""
    reason = getattr(exc, "strerror", None) or type(exc).__name__
    print(f"datasafe: warning: could not write the audit record{where}: {reason}",
          file=sys.stderr)


def record(action: str, path: str | os.PathLike | None = None, sha256: str | None = None,
           profile: str | None = None, outcome: str | None = None, actor: str | None = None,
           details: dict[str, Any] | None = None,
           log_path: str | os.PathLike | None = None) -> dict[str, Any] | None:
    """Append one record to the audit log and return it (``None`` when recording is off or
    failed). Never raises: a failure to log prints one warning line on stderr.

    ``path`` is the file acted on; its content hash is computed when ``sha256`` is not given and
    the file exists. ``details`` holds counts, column names, destinations, reasons — never a data
    value or a key.
    """
    if not enabled():
        return None
    log = None
    try:
        log = _resolve(log_path)
        entry = _entry(log, action, path=path, sha256=sha256, profile=profile, outcome=outcome,
                       actor=actor, details=details)
        return _append(log, [entry])[0]
    except Exception as exc:  # noqa: BLE001 - logging never stops the work it records
        _warn(exc, log)
        return None


def record_many(items: list[dict[str, Any]], *, actor: str | None = None,
                log_path: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """Append several records at once (each item holds :func:`record`'s keyword arguments,
    ``action`` included). Never raises; returns the records written ([] on failure)."""
    if not enabled() or not items:
        return []
    log = None
    try:
        log = _resolve(log_path)
        entries = [_entry(log, **{"actor": actor, **item}) for item in items]
        return _append(log, entries)
    except Exception as exc:  # noqa: BLE001
        _warn(exc, log)
        return []


def _resolve(explicit: str | os.PathLike | None) -> Path:
    return log_path(explicit)


def record_scan(result, *, actor: str | None = None,
                log_path: str | os.PathLike | None = None) -> None:
    """One ``scan`` record per file of a :class:`~datasafe.model.ScanResult` (never raises)."""
    try:
        from datasafe.model import SEVERITY_RANK

        limit = SEVERITY_RANK.get(result.fail_on, 3)
        top: dict[str, list] = {}
        items: list[dict[str, Any]] = []
        for f in result.findings:
            top.setdefault(f.file, []).append(f)
        for fres in result.files:
            if fres.path == "<dataframe>":
                continue
            found = top.get(fres.path) or [f for t in fres.tables for f in t.findings]
            counts: dict[str, int] = {}
            for f in found:
                counts[f.severity] = counts.get(f.severity, 0) + 1
            if fres.error:
                outcome = "error"
            else:
                # accepted findings (baseline, allow-list) do not fail the file, as in the run
                failing = any(SEVERITY_RANK.get(f.severity, 0) >= limit for f in found
                              if getattr(f, "accepted", None) is None)
                outcome = "fail" if failing else "pass"
            details: dict[str, Any] = {"destination": result.destination,
                                       "findings": counts,
                                       "sensitivity": fres.sensitivity,
                                       "run_verdict": result.summary.verdict}
            if fres.error:
                details["error"] = fres.error
            items.append(dict(action="scan", path=fres.path, sha256=fres.sha256,
                              profile=result.profile, outcome=outcome, details=details))
        record_many(items, actor=actor, log_path=log_path)
    except Exception as exc:  # noqa: BLE001
        print(f"datasafe: warning: could not write the audit record: {type(exc).__name__}",
              file=sys.stderr)


def record_redaction(result, *, actor: str | None = None,
                     log_path: str | os.PathLike | None = None) -> None:
    """One ``redact`` record per written copy of a redaction result (never raises).

    The record is about the copy (its path and content hash); the input's path and hash, the
    treatments per column (names only) and the proof scan's verdict go in ``details``."""
    try:
        for f in getattr(result, "files", None) or []:
            out = getattr(f, "output", None)
            if not out or str(out).startswith("<"):
                continue
            after = getattr(f, "after", None)
            if after is None:
                outcome = "written"
            else:
                outcome = "pass" if after.exit_code == 0 else (
                    "error" if after.exit_code == 2 else "fail")
            inp = getattr(f, "input", None)
            details: dict[str, Any] = {
                "input": None,
                "input_sha256": getattr(f, "input_sha256", None),
                "key_id": getattr(result, "key_id", None),
            }
            try:
                lg = _resolve(log_path)
                details["input"] = display_path(inp, lg) if inp else None
                if details["input_sha256"] is None and inp and Path(inp).is_file():
                    details["input_sha256"] = file_sha256(inp)
            except Exception:  # noqa: BLE001
                pass
            # what was done (the log: local suppression may have removed planned columns),
            # else what was planned
            treatments = _treatments_done(getattr(f, "tables", None)) or _treatments(
                getattr(f, "plan", None))
            if treatments:
                details["treatments"] = treatments
            record("redact", path=out, sha256=getattr(f, "output_sha256", None),
                   profile=getattr(result, "profile", None), outcome=outcome, actor=actor,
                   details=details, log_path=log_path)
    except Exception as exc:  # noqa: BLE001
        print(f"datasafe: warning: could not write the audit record: {type(exc).__name__}",
              file=sys.stderr)


def _treatment_map(rows) -> dict[str, str]:
    """{column: treatment} from ``(sheet, column, treatment)`` triples (names only; ``keep``
    left out; a sheet's columns as ``sheet/column``)."""
    out: dict[str, str] = {}
    try:
        for sheet, col, tr in rows:
            if col is None or not isinstance(tr, str) or tr == "keep":
                continue
            out[f"{sheet}/{col}" if sheet else str(col)] = tr
    except Exception:  # noqa: BLE001
        return {}
    return out


def _treatments_done(tables) -> dict[str, str]:
    """What the redaction applied: its log's tables."""
    return _treatment_map((t.get("table"), e.get("column"), e.get("treatment"))
                          for t in tables or [] for e in t.get("columns") or [])


def _treatments(plan) -> dict[str, str]:
    """What a redaction plan planned."""
    return _treatment_map((getattr(tp, "table", None), getattr(c, "column", None),
                           getattr(c, "treatment", None))
                          for tp in getattr(plan, "tables", None) or []
                          for c in getattr(tp, "columns", None) or [])


# --------------------------------------------------------------------------------------------
# Reading and verifying


@dataclass
class Problem:
    """The first break in the chain."""

    seq: int  # the record's position (1-based) among the records
    line: int  # its line number in the file
    reason: str  # a Phrase (``audit.problem.*``): its English, said in other languages

    def message(self) -> str:
        if not self.line:  # records missing from the end: no line to point at
            return f"record {self.seq}: {self.reason}"
        return f"record {self.seq} (line {self.line}): {self.reason}"


def _why(key: str, **params) -> str:
    """Why the chain breaks, as a Phrase (English, said in the reader's language)."""
    from datasafe.report.common import Phrase

    return Phrase(f"audit.problem.{key}", **params)


@dataclass
class Verification:
    records: int
    head: str | None
    problem: Problem | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def iter_lines(log: Path):
    """Yield (line number, raw line) for the non-blank lines of the log."""
    with open(log, "rb") as fh:
        for n, raw in enumerate(fh, start=1):
            raw = raw.rstrip(b"\r\n")
            if raw.strip():
                yield n, raw


def read_records(log: str | os.PathLike | None = None) -> list[dict[str, Any]]:
    """The records that parse (use :func:`verify` to know whether they can be trusted)."""
    out = []
    for _, raw in iter_lines(_resolve(log)):
        try:
            rec = json.loads(raw)
        except ValueError:
            continue
        if isinstance(rec, dict):
            out.append(rec)
    return out


def verify(log: str | os.PathLike | None = None, head: str | None = None) -> Verification:
    """Check the chain; the first broken record is named in ``problem``.

    ``head``: a hash the caller kept from an earlier verification; it must be the hash of a
    record in the log (records deleted from the end are caught this way).
    """
    path = _resolve(log)
    expected_prev, count, last_hash = GENESIS, 0, None
    seen_head = head is None
    for n, raw in iter_lines(path):
        count += 1
        try:
            rec = json.loads(raw)
        except ValueError:
            return Verification(count - 1, last_hash,
                                Problem(count, n, _why("not_json")))
        if not isinstance(rec, dict) or not isinstance(rec.get("hash"), str):
            return Verification(count - 1, last_hash,
                                Problem(count, n, _why("no_hash")))
        if record_hash(rec) != rec["hash"]:
            return Verification(count - 1, last_hash,
                                Problem(count, n, _why("edited")))
        if rec.get("prev_hash") != expected_prev:
            why = _why("start") if count == 1 else _why("order", previous=count - 1)
            return Verification(count - 1, last_hash, Problem(count, n, why))
        if rec.get("seq") != count:
            return Verification(count - 1, last_hash, Problem(
                count, n, _why("sequence", found=repr(rec.get("seq")), expected=count)))
        expected_prev = last_hash = rec["hash"]
        if head is not None and rec["hash"] == head:
            seen_head = True
    if not seen_head:
        return Verification(count, last_hash, Problem(
            count + 1, 0, _why("head")))
    return Verification(count, last_hash)


def matches_file(rec: dict[str, Any], file: str | os.PathLike, log: Path) -> bool:
    """Whether a record is about ``file`` (by path as recorded, or by its name)."""
    want = display_path(file, log)
    got = rec.get("path")
    if not got:
        return False
    return got == want or got == str(file) or Path(got).name == str(file)
