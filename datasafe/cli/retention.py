"""``datasafe retention``: files past or near their retention date, and their destruction."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import click

from datasafe.cli import confirm, fail, lang_option, messages
from datasafe.cli.audit import audit_options


@click.command(short_help="Files past or near their retention date; --destroy them.",
               help="""List data files past or near their retention date; --destroy deletes those past it.

The retention date comes from the file's sidecar (retain_until, else collected + the period),
else from its latest date column + the period, else from its last git commit + the period.
With --destroy, each file past a date declared in its sidecar (inferred dates too with
--include-inferred) is overwritten and deleted after confirmation (--yes for scripts), a disposal record (what, when, how, by whom) goes to the audit log, and you are
warned when git history still holds the file. Nothing else is deleted.

Exit 0 when no file is past its date (or all such files were destroyed), 1 when some are.

\b
Examples:
  datasafe retention data/
  datasafe retention data/ --within 60 --period 180
  datasafe retention data/old-survey.csv --destroy --yes
""")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--within", type=click.IntRange(min=0), default=30, show_default=True,
              metavar="DAYS", help="Also list files whose date falls within DAYS days.")
@click.option("--period", type=click.IntRange(min=1), default=365, show_default=True,
              metavar="DAYS", help="Retention period for dates from `collected`, date columns "
                                    "or git.")
@click.option("--destroy", is_flag=True, help="Delete the files past their retention date.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (scripts).")
@click.option("--no-git", is_flag=True, help="Do not use git commit dates.")
@click.option("--include-inferred", is_flag=True,
              help="With --destroy, also destroy files whose date was inferred from date "
                   "columns or git (by default only dates declared in sidecars count).")
@audit_options
@lang_option("Language of the messages.")
def retention(paths, within, period, destroy, yes, no_git, include_inferred, actor, audit_log,
              lang):
    from datasafe.accountability import retention as ret
    from datasafe.accountability.audit import file_sha256, record
    from datasafe.read import iter_files

    m = messages(lang)
    for p in paths:
        if not Path(p).exists():
            fail(m("fail.no_such_file", path=p))
    today = _dt.date.today()
    statuses = [ret.retention_status(f, today=today, period_days=period, use_git=not no_git)
                for f in iter_files(list(paths))]
    past = [s for s in statuses if s.past]
    near = [s for s in statuses if s.near(within)]
    unknown = [s for s in statuses if s.due is None]
    for s in sorted(past + near, key=lambda s: s.days_left):
        click.echo(m("retention.past" if s.past else "retention.due", path=s.path,
                     days=m.plural("retention.days", abs(s.days_left)), due=m.date(s.due),
                     basis=_basis(s, m)))
    click.echo(m("retention.total", files=len(statuses), past=len(past), near=len(near),
                 within=within, unknown=len(unknown)))
    if not destroy:
        raise SystemExit(1 if past else 0)
    targets = [s for s in past if s.declared or include_inferred]
    for s in past:
        if s not in targets:
            click.echo(m("retention.kept_inferred", path=s.path, basis=_basis(s, m)))
    if not targets:
        click.echo(m("retention.nothing"))
        raise SystemExit(1 if past else 0)
    if not yes and not confirm(m, m("retention.confirm", n=len(targets))):
        click.echo(m("retention.cancelled"))
        raise SystemExit(1)  # the files are still past their retention date
    failed = 0
    for s in targets:
        sha = file_sha256(s.path)
        try:
            how = ret.destroy(s.path)
        except OSError as exc:
            failed += 1
            why = exc.strerror or (str(exc.args[0]) if exc.args else type(exc).__name__)
            click.echo(f"datasafe: {s.path}: not destroyed: {why}", err=True)
            record("destroy", path=s.path, sha256=sha, outcome="failed", actor=actor,
                   details={"retain_until": s.due.isoformat(), "basis": s.basis},
                   log_path=audit_log)
            continue
        commits = ret.git_history_commits(s.path)
        record("destroy", path=s.path, sha256=sha, outcome="destroyed", actor=actor,
               details={"method": how, "retain_until": s.due.isoformat(), "basis": s.basis,
                        "days_past": -s.days_left, "git_history_commits": commits},
               log_path=audit_log)
        click.echo(m("retention.destroyed", path=s.path, how=m(f"retention.how.{how}")))
        if commits:
            click.echo("datasafe: " + m("retention.git_warning", path=s.path, commits=commits),
                       err=True)
    raise SystemExit(1 if failed or len(targets) < len(past) else 0)


def _basis(s, m) -> str:
    days = s.detail.get("period_days")
    if s.basis == "retain_until":
        return m("retention.basis_retain_until")
    if s.basis == "collected":
        return m("retention.basis_collected", date=s.detail.get("collected"), days=days)
    if s.basis == "date-column":
        return m("retention.basis_column", column=s.detail.get("column"), days=days)
    if s.basis == "git":
        return m("retention.basis_git", date=s.detail.get("committed"), days=days)
    return m("retention.basis_unknown")
