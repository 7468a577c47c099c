"""Retention dates of data files, and their destruction.

A file's retention date (``due``) comes from, in order:

1. its sidecar's ``retain_until``;
2. its sidecar's ``collected`` date plus the retention period;
3. the latest date in its date columns plus the period (how old its newest record is);
4. the date of the last git commit that touched it plus the period.

The period defaults to 365 days (the ICRC's "a year" example, DR-RET-02 in
``shared/guidance/data-responsibility-rules.md``; no sector-wide default exists, DR-RET-04).

Dates from columns or git are *inferred*: they are listed, but ``datasafe retention --destroy``
only destroys files whose date was *declared* in the sidecar unless told to include inferred
ones. Birth dates and future-facing dates (expiry, due) are not used.

Dates are read as the retention checks (``datasafe.checking.rules.retention``, DR-RET-01/02)
read them: their sidecar-date parser, newest-date parser, birth-date headers and git date are
used when present, so that ``datasafe scan`` and ``datasafe retention`` agree.

``retention_status(path, today=, period_days=)`` works on a path alone (no scan needed); ``destroy(path, ...)``
deletes a file (overwriting its bytes first) and ``git_history_commits(path)`` says whether git
history still holds it (DR-RET-03: deleting a file in git keeps it in history).
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_PERIOD_DAYS = 365
DEFAULT_WITHIN_DAYS = 30
GUIDANCE = "DR-RET-01/02/03 (ICRC Handbook §2.7, §2.8; IASC Operational Guidance, " \
           "Retention & Destruction)"


@dataclass
class RetentionStatus:
    path: str
    due: _dt.date | None  # the retention date (None: unknown)
    basis: str | None  # retain_until | collected | date-column | git | None
    days_left: int | None  # negative when past
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def past(self) -> bool:
        return self.days_left is not None and self.days_left < 0

    @property
    def declared(self) -> bool:
        """Whether the date was declared in the sidecar (rather than inferred from the data or
        from git)."""
        return self.basis in ("retain_until", "collected")

    def near(self, within: int) -> bool:
        return self.days_left is not None and 0 <= self.days_left <= within


def _as_date(value: Any) -> _dt.date | None:
    """A sidecar date, parsed as the retention checks parse it (``2026-06-30``, ``2026-06``,
    ``2026``), falling back to ISO dates."""
    if value is None or value == "":
        return None
    try:
        from datasafe.checking.values import parse_date
    except ImportError:
        parse_date = None
    if parse_date is not None:
        return parse_date(value)
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout if r.returncode == 0 else None


def git_commit_date(path: str | os.PathLike) -> _dt.date | None:
    """The date of the last commit that touched ``path`` (None outside git or when untracked);
    the retention checks' function when present."""
    try:
        from datasafe.checking.rules.retention import git_commit_date as checks_git_date
    except ImportError:
        checks_git_date = None
    if checks_git_date is not None:
        return checks_git_date(str(path))
    p = Path(path).resolve()
    out = _git(["log", "-1", "--format=%cI", "--", p.name], p.parent)
    return _as_date(out.strip()) if out and out.strip() else None


def git_history_commits(path: str | os.PathLike) -> int:
    """How many commits (on any branch) hold ``path``; 0 outside git."""
    p = Path(path).resolve()
    out = _git(["log", "--all", "--format=%H", "--", p.name], p.parent)
    return len([ln for ln in (out or "").splitlines() if ln.strip()])


# Date columns that say nothing about when the data were collected: births (the youngest
# person's birth date is not the age of the file) and dates in the future by nature.
_NOT_COLLECTION = re.compile(
    r"birth|\bdob\b|naiss|nacim|\bborn\b|expir|valid|until|due|deadline|echeance|échéance",
    re.IGNORECASE)


def _not_collection(header: str | None) -> bool:
    if _NOT_COLLECTION.search(header or ""):
        return True
    try:
        from datasafe.checking import lexicon as lx
    except ImportError:
        return False
    return lx.norm(header) in lx.DOB_HEADERS


def _newest_date(series, today: _dt.date) -> _dt.date | None:
    """The newest date of a text column that is not in the future: the retention checks'
    parser when present, else ISO first and day-first for the rest."""
    import pandas as pd

    try:
        from datasafe.checking.values import newest_date
    except ImportError:
        newest_date = None
    if newest_date is not None:
        d = newest_date(series)
        return d if d is None or d <= today else None
    s = series.dropna()
    iso = s.str.match(r"^\d{4}-\d{2}-\d{2}")
    parsed = pd.concat([
        pd.to_datetime(s[iso].str.slice(0, 10), errors="coerce", format="%Y-%m-%d"),
        pd.to_datetime(s[~iso], errors="coerce", dayfirst=True, format="mixed"),
    ])
    parsed = parsed[parsed.notna() & (parsed <= pd.Timestamp(today))]
    return None if parsed.empty else parsed.max().date()


def latest_column_date(path: str | os.PathLike, today: _dt.date | None = None) -> tuple[
        _dt.date | None, str | None]:
    """The latest date (not in the future) found in the date columns of a file, and the
    column's header; (None, None) when it has none or cannot be read."""
    from datasafe.profiling import profile_column
    from datasafe.read import ReadError, read_tables

    today = today or _dt.date.today()
    try:
        tables = read_tables(path)
    except (ReadError, OSError):
        return None, None
    best, best_col = None, None
    for t in tables:
        for i, key in enumerate(t.keys):
            col = profile_column(t, i)
            if col.stats.inferred_type not in ("date", "datetime"):
                continue
            if _not_collection(t.headers[i]):
                continue
            latest = _newest_date(t.data[key], today)
            if latest is None:
                continue
            if best is None or latest > best:
                best, best_col = latest, t.headers[i]
    return best, best_col


def retention_status(path: str | os.PathLike, today: _dt.date | None = None,
                     period_days: int = DEFAULT_PERIOD_DAYS,
                     use_columns: bool = True, use_git: bool = True) -> RetentionStatus:
    """When ``path`` is due for destruction, and why (see the module docstring)."""
    from datasafe.sidecar import load_sidecar

    today = today or _dt.date.today()
    period = _dt.timedelta(days=period_days)
    side = load_sidecar(path)
    due, basis, detail = None, None, {}
    if _as_date(side.get("retain_until")):
        due, basis = _as_date(side.get("retain_until")), "retain_until"
    elif _as_date(side.get("collected")):
        due, basis = _as_date(side.get("collected")) + period, "collected"
        detail["collected"] = _as_date(side.get("collected")).isoformat()
    if due is None and use_columns:
        latest, column = latest_column_date(path, today)
        if latest is not None:
            due, basis = latest + period, "date-column"
            detail.update(latest=latest.isoformat(), column=column)
    if due is None and use_git:
        committed = git_commit_date(path)
        if committed is not None:
            due, basis = committed + period, "git"
            detail["committed"] = committed.isoformat()
    if basis in ("collected", "date-column", "git"):
        detail["period_days"] = period_days
    days_left = None if due is None else (due - today).days
    return RetentionStatus(str(path), due, basis, days_left, detail)


def destroy(path: str | os.PathLike, method: str = "overwrite") -> str:
    """Delete ``path``; with ``method="overwrite"`` its bytes are overwritten with zeros and
    flushed first. Returns the method used. Only this one file is touched.

    Overwriting does not guarantee erasure on SSDs, copy-on-write file systems, backups or other
    copies (ICRC §2.8.3): the disposal record says what was done, not more.
    """
    p = Path(path)
    if not p.is_file() or p.is_symlink():
        raise OSError(f"{p}: not a regular file")
    if method == "overwrite":
        size = p.stat().st_size
        with open(p, "r+b", buffering=0) as fh:
            block = b"\0" * min(size, 1 << 20) if size else b""
            left = size
            while left > 0:
                n = fh.write(block[:min(left, len(block))])
                left -= n
            os.fsync(fh.fileno())
        p.unlink()
        return "overwrite-then-delete"
    p.unlink()
    return "delete"
