"""Retention and destruction (DR-RET): rules file section (b) "Retention & destruction".

The file's date comes from its sidecar (``collected``), else the newest date in its date
columns, else its last commit date in git (``git log -1 --format=%cI -- FILE``)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

from datasafe.checking import lexicon as lx
from datasafe.checking import values as vals
from datasafe.checking.registry import Check, Hit, register
from datasafe.checking.rules.transfer import _rank, personal, required
from datasafe.report.common import Phrase


def _concerned(ctx) -> bool:
    return personal(ctx) or _rank(ctx.file.sensitivity) >= 2


def _today() -> dt.date:
    return dt.date.today()


def git_commit_date(path: str) -> dt.date | None:
    p = Path(path)
    try:
        out = subprocess.run(["git", "log", "-1", "--format=%cI", "--", p.name],
                             cwd=str(p.parent.resolve()), capture_output=True, text=True,
                             timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    if out.returncode != 0:
        return None
    return vals.parse_date(out.stdout.strip()[:10])


def file_date(ctx) -> tuple[dt.date | None, str]:
    """(date, where it came from) of a file's data."""
    side = ctx.sidecar
    d = vals.parse_date(side.get("collected"))
    if d:
        return d, Phrase("finding_details.collected_sidecar")
    newest, source = None, ""
    for tres, table in zip(ctx.file.tables, ctx.tables):
        t = ctx.for_table(table, tres)
        for c in tres.columns:
            if c.stats.inferred_type not in ("date", "datetime"):
                continue
            if t.has_entity(c, "DATE_OF_BIRTH") or lx.norm(c.name) in lx.DOB_HEADERS:
                continue
            x = vals.newest_date(t.series(c), c)
            if x and (newest is None or x > newest):
                newest, source = x, Phrase("finding_details.newest_date", column=c.name)
    if newest:
        return newest, source
    if ctx.file.format != "dataframe":
        g = git_commit_date(ctx.file.path)
        if g:
            return g, Phrase("finding_details.last_commit")
    return None, ""


@register
class RetentionDate(Check):
    """Personal or high/severe data kept past its declared retention date, or without one when
    the profile requires it.

    Bad (``registration.csv.datasafe.yaml``, today 2026-11-25)::

        retain_until: 2025-06-30

    Good::

        retain_until: 2027-06-30
    """

    id = "DR-RET-01"
    scope = "file"
    phase = 2

    def check_file(self, ctx):
        if ctx.file.format == "dataframe" or not ctx.file.sensitivity or not _concerned(ctx):
            return
        side = ctx.sidecar
        until = vals.parse_date(side.get("retain_until"))
        if until is None:
            if "retain_until" in required(ctx) or ctx.param("require_retention_date", False):
                yield Hit(variant="missing", sensitivity_level=ctx.file.sensitivity)
            return
        if until < _today():
            yield Hit(variant="expired", retain_until=until.isoformat(),
                      days=(_today() - until).days, sensitivity_level=ctx.file.sensitivity)


@register
class StaleData(Check):
    """Personal or high/severe data older than the profile's maximum age (12 months by default)
    with no review date: is the purpose achieved, is every record still needed?

    Bad (collected 2023-02, no review date)::

        collected: 2023-02-01

    Good::

        collected: 2023-02-01
        review_date: 2027-01-31
    """

    id = "DR-RET-02"
    scope = "file"
    phase = 2

    def check_file(self, ctx):
        if ctx.file.format == "dataframe" or not ctx.file.sensitivity or not _concerned(ctx):
            return
        side = ctx.sidecar
        review = vals.parse_date(side.get("review_date"))
        if review and review >= _today():
            return
        until = vals.parse_date(side.get("retain_until"))
        if until and until >= _today():
            return
        date, source = file_date(ctx)
        if date is None:
            return
        months = (_today() - date).days / 30.44
        limit = float(ctx.param("max_age_months", 12))
        if months > limit:
            yield Hit(variant="review_past" if review else "no_review", age_months=int(months),
                      max_months=int(limit), date=date.isoformat(), source=source,
                      review_date=review.isoformat() if review else None)
