"""``datasafe audit verify`` and ``datasafe audit show``; ``audit_options`` for the commands that
write audit records."""

from __future__ import annotations

import json

import click

from datasafe.cli import fail, lang_option, messages


def audit_options(f):
    """``--actor`` and ``--audit-log`` for a command that writes audit records."""
    f = click.option("--audit-log", type=click.Path(dir_okay=False), default=None,
                     help="Audit log to append to (default: $DATASAFE_AUDIT_LOG, else "
                          ".datasafe-audit.jsonl at the git root or working directory).")(f)
    f = click.option("--actor", default=None, metavar="NAME",
                     help="Who is acting, for the audit log (default: $DATASAFE_ACTOR, else "
                          "the operating-system user).")(f)
    return f


def _where_broken(m, problem) -> str:
    """Where the chain breaks and why, in the language of ``m`` (a message catalogue)."""
    from datasafe.report.common import say

    if not problem.line:  # records missing from the end: there is no line to point at
        return m("audit.at_end", seq=problem.seq, reason=say(m, problem.reason))
    return m("audit.at", seq=problem.seq, line=problem.line, reason=say(m, problem.reason))


def _read_failure(m, path, exc: OSError) -> None:
    fail(m("fail.cannot_read", path=path, cause=exc.strerror or type(exc).__name__))


_LANG_OPTION = lang_option("Language of the messages.")

_LOG_OPTION = click.option(
    "--audit-log", type=click.Path(dir_okay=False), default=None,
    help="The audit log (default: $DATASAFE_AUDIT_LOG, else .datasafe-audit.jsonl at the git "
         "root or working directory).")


@click.group(help="""Check or list the audit trail.

Every scan, redaction, approval, re-personalisation and destruction appends one record (who,
when, what, which file and its content hash, profile, outcome; never a data value) to an
append-only log whose records are chained by hashes.

\b
Examples:
  datasafe audit verify
  datasafe audit show --file survey.csv --action approve
""")
def audit():
    pass


@audit.command(help="""Check that no record was edited, deleted, inserted or moved.

Exit 0 when the chain is intact, 1 when it is broken (naming the first bad record), 2 when the
log cannot be read. Keep the printed head hash elsewhere and pass it back with --head to also
catch records deleted from the end.
""")
@_LOG_OPTION
@click.option("--head", metavar="HASH", help="A head hash printed by an earlier verify; it must "
                                              "still be in the log.")
@_LANG_OPTION
def verify(audit_log, head, lang):
    from datasafe.accountability import audit as trail

    m = messages(lang)
    path = trail.log_path(audit_log)
    if not path.is_file():
        fail(m("audit.no_log", path=path))
    try:
        v = trail.verify(path, head=head)
    except OSError as exc:
        _read_failure(m, path, exc)
        return
    if v.ok:
        click.echo(m("audit.intact", path=path, records=v.records, head=v.head or "-"))
        return
    click.echo(m("audit.tampered", path=path, problem=_where_broken(m, v.problem)), err=True)
    raise SystemExit(1)


@audit.command(help="""List audit records, oldest first.

\b
Examples:
  datasafe audit show
  datasafe audit show --file data/survey.csv
  datasafe audit show --action destroy --format json
""")
@_LOG_OPTION
@click.option("--file", "file_", metavar="PATH", help="Only records about this file.")
@click.option("--action", type=click.Choice(["scan", "redact", "approve", "repersonalise",
                                             "destroy"]), help="Only this action.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="text: one line a record; json: JSON Lines.")
@_LANG_OPTION
def show(audit_log, file_, action, fmt, lang):
    from datasafe.accountability import audit as trail

    m = messages(lang)
    path = trail.log_path(audit_log)
    if not path.is_file():
        fail(m("audit.no_log", path=path))
    try:
        records = trail.read_records(path)
        check = trail.verify(path)
    except OSError as exc:
        _read_failure(m, path, exc)
        return
    if not check.ok:
        click.echo("datasafe: " + m("audit.broken", path=path, problem=_where_broken(m, check.problem)),
                   err=True)
    for rec in records:
        if action and rec.get("action") != action:
            continue
        if file_ and not trail.matches_file(rec, file_, path):
            continue
        if fmt == "json":
            click.echo(json.dumps(rec, ensure_ascii=False, sort_keys=True))
            continue
        sha = (rec.get("sha256") or "")[:12] or "-"
        extra = ""
        d = rec.get("details") or {}
        for k in ("destination", "by", "method", "columns", "reason"):
            if d.get(k):
                v = d[k]
                extra += f" {_said(m, 'fields', k)}={','.join(v) if isinstance(v, list) else v}"
        what = rec.get("action", "?")
        outcome = rec.get("outcome") or "-"
        click.echo(f"{rec.get('seq', '?'):>4} {rec.get('time', '?')} {rec.get('actor', '?')} "
                   f"{_said(m, 'actions', what)} {rec.get('path') or '-'} sha256:{sha} "
                   f"{_said(m, 'fields', 'profile')}={rec.get('profile') or '-'} "
                   f"{_said(m, 'fields', 'outcome')}={_said(m, 'outcomes', outcome)}{extra}")


def _said(m, kind: str, word: str) -> str:
    """A field name, action or outcome of the audit log in the reader's language (the log
    itself stays English: it is read by programs too); the word itself when it has none."""
    said = m.raw(f"audit.show.{kind}.{word}")
    return str(said) if isinstance(said, str) else word
