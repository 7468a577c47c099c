"""``datasafe baseline create|update|audit``: keep ``.datasafe-baseline.json``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import click

from datasafe.cli import fail, lang_option, messages
from datasafe.cli.scan import scan_options


@click.group(help="""Keep the baseline of accepted findings (.datasafe-baseline.json).

`datasafe scan` and the pre-commit hook fail only on findings that are not in the baseline.
The baseline holds file, sheet, column, check and a keyed hash of the column's identity;
never a data value, a row number or a timestamp.

\b
Examples:
  datasafe baseline create                 # every data file tracked by git
  datasafe baseline update data/new.csv    # add the findings of one file
  datasafe baseline audit                  # say who accepts each finding and why
  datasafe baseline audit --yes --reason "public admin names" --by "A. Officer"
""")
def baseline() -> None:
    pass


def _root() -> Path:
    from datasafe.config import find_root

    return find_root(os.getcwd()) or Path(os.getcwd()).resolve()


def _baseline_path(path_opt: str | None, config: dict, root: Path) -> Path:
    if path_opt:
        return Path(path_opt)
    if config.get("baseline"):
        p = Path(config["baseline"])
        return p if p.is_absolute() else root / p
    from datasafe.baseline import default_path

    return default_path(root)


def _tracked_data_files(root: Path) -> list[str]:
    """Data files tracked (or staged) in git under ``root``; the root itself without git."""
    from datasafe.read import file_format

    try:
        r = subprocess.run(["git", "ls-files", "-z", "--cached"], cwd=root, capture_output=True,
                           timeout=60)
    except (OSError, subprocess.SubprocessError):
        return [str(root)]
    if r.returncode != 0:
        return [str(root)]
    names = [n for n in r.stdout.decode("utf-8", "surrogateescape").split("\0") if n]
    return [str(root / n) for n in sorted(names)
            if file_format(n) and (root / n).is_file() and not n.endswith(".redaction-log.json")]


def _scan(paths, kw):
    from datasafe.cli.scan import build_options
    from datasafe.pipeline import scan as run_scan
    from datasafe.profiles import ProfileError

    try:
        options = build_options(**kw)
        options.baseline = None  # the raw findings (the allow-list still applies)
        result = run_scan(list(paths), options=options)
    except ProfileError as exc:
        fail(str(exc))
    bad = [f for f in result.files if f.error]
    for f in bad:
        click.echo(f"datasafe: {f.path}: {f.error}", err=True)
    if bad:
        fail("the baseline was not written: fix or ignore the unreadable files first")
    return options, result


def _write(kind: str, paths, file_opt, scan_kw, lang=None):
    from datasafe.baseline import Baseline, BaselineError, entries_from_result, merge
    from datasafe.config import relative_path

    root = _root()
    scan_kw = dict(scan_kw)
    explicit = bool(paths)
    if not paths:
        paths = _tracked_data_files(root)
    options, result = _scan(paths, scan_kw)
    dest = _baseline_path(file_opt, options.config, root)
    try:
        old = Baseline.load(dest) if dest.is_file() else None
    except BaselineError as exc:
        if kind == "update":
            fail(str(exc))
        old = None  # create replaces an unreadable baseline
    b = Baseline(salt=old.salt, path=dest) if old else Baseline.new(dest)
    fresh_all = entries_from_result(result, b.salt, root)
    accepted_by_allow = {id(f) for f in result.findings if f.accepted is not None}
    allowed_keys = set()
    if accepted_by_allow:
        from datasafe.baseline import finding_key

        allowed_keys = {finding_key(result, f, b.salt, root) for f in result.findings
                        if id(f) in accepted_by_allow}
    fresh = [e for e in fresh_all if e.key not in allowed_keys]
    if kind == "create":
        for e in fresh:  # keep the audit of findings that were already recorded
            prev = old.get(e.key) if old else None
            if prev is not None:
                e.status, e.by, e.reason = prev.status, prev.by, prev.reason
            b.entries[e.key] = e
        stats = {"added": len(fresh) - sum(1 for e in fresh if old and old.get(e.key)),
                 "removed": 0 if old is None else sum(1 for k in old.entries
                                                      if k not in b.entries),
                 "total": len(b.entries)}
    else:
        if old is not None:
            b.entries = dict(old.entries)
        scanned = {relative_path(f.path, root) for f in result.files} if explicit else None
        stats = merge(b, fresh, scanned, root)
    try:
        b.save(dest)
    except OSError as exc:
        fail(f"{dest}: cannot write baseline: {exc.strerror or exc}")
    unreviewed = sum(1 for e in b.entries.values() if e.status == "unreviewed")
    shown = relative_path(dest, root) if str(dest).startswith(str(root)) else str(dest)
    m = messages(lang, options.config)
    click.echo(m("baseline.written", path=shown, total=stats["total"], added=stats["added"],
                 removed=stats["removed"], unreviewed=unreviewed))
    if unreviewed:
        click.echo(m("baseline.next"))


def _common(f):
    f = click.option("--file", "file_opt", metavar="FILE", type=click.Path(dir_okay=False),
                     help="Baseline file (default: .datasafe-baseline.json at the repository "
                          "root).")(f)
    f = scan_options(f)
    f = click.argument("paths", nargs=-1, type=click.Path())(f)
    return f


def _scan_kw(profile, destination, key_vars, weight, household_id, phone_regions, ner,
             max_columns):
    return dict(profile=profile, destination=destination, key_vars=key_vars, weight=weight,
                household_id=household_id, phone_regions=phone_regions, ner=ner,
                max_columns=max_columns)


@baseline.command(help="""Scan and write a new baseline with every current finding.

Without PATHS, every data file tracked by git is scanned. Running it twice gives identical
bytes (the salt and the audit of findings still present are kept).""")
@_common
@lang_option("Language of the messages.")
def create(paths, file_opt, lang, **kw):
    _write("create", paths, file_opt, _scan_kw(**kw), lang)


@baseline.command(help="""Scan and merge the findings into the baseline.

New findings are added (unreviewed); findings no longer present in the scanned files are
removed; entries of files not scanned, and every audit record, are kept.""")
@_common
@lang_option("Language of the messages.")
def update(paths, file_opt, lang, **kw):
    _write("update", paths, file_opt, _scan_kw(**kw), lang)


@baseline.command(help="""Walk the findings of the baseline and record who accepts each and why.

For each finding not yet reviewed (every finding with --all): [a]ccept, [r]eject (the hook
fails on it again until the data is fixed), [s]kip or [q]uit. For scripts: --yes (accept) or
--reject, with --reason and optionally --by (default: git's user.name and user.email).
--list prints the baseline and changes nothing.""")
@click.option("--file", "file_opt", metavar="FILE", type=click.Path(dir_okay=False),
              help="Baseline file (default: .datasafe-baseline.json at the repository root).")
@click.option("--all", "all_", is_flag=True, help="Also walk findings already reviewed.")
@click.option("--yes", "-y", is_flag=True, help="Accept every selected finding (needs --reason).")
@click.option("--reject", is_flag=True, help="Reject every selected finding (needs --reason).")
@click.option("--reason", metavar="TEXT", help="Why (required to accept or reject).")
@click.option("--by", "by", metavar="WHO", help="Who decides (default: git user).")
@click.option("--check", "check_glob", metavar="ID", help="Only findings of this check (glob).")
@click.option("--path", "path_glob", metavar="GLOB", help="Only findings in these files.")
@click.option("--list", "list_", is_flag=True, help="Print the baseline; change nothing.")
@lang_option("Language of the review.")
def audit(file_opt, all_, yes, reject, reason, by, check_glob, path_glob, list_, lang):
    from fnmatch import fnmatchcase

    from datasafe.baseline import Baseline, BaselineError, who_am_i
    from datasafe.config import ConfigError, glob_match, load_config

    root = _root()
    try:
        config = load_config(root)
    except ConfigError as exc:
        fail(str(exc))
    dest = _baseline_path(file_opt, config, root)
    m = messages(lang, config)
    try:
        b = Baseline.load(dest)
    except BaselineError as exc:
        fail(str(exc))
    entries = b.sorted_entries()
    if check_glob:
        entries = [e for e in entries if fnmatchcase(e.check, check_glob)]
    if path_glob:
        entries = [e for e in entries if glob_match(e.file, path_glob)]
    if list_:
        for e in entries:
            click.echo(_describe(e, m) + f"  [{m(f'baseline.status.{e.status}')}"
                       + (m("baseline.by", who=e.by) if e.by else "")
                       + (f"{m.colon}{e.reason}" if e.reason else "") + "]")
        return
    if not all_:
        entries = [e for e in entries if e.status == "unreviewed"]
    if yes and reject:
        fail("--yes and --reject cannot be used together")
    if not entries:
        click.echo(m("baseline.nothing") + ("" if all_ else m("baseline.nothing_all")))
        return
    who = by or who_am_i(root)
    if yes or reject:
        if not reason or not reason.strip():
            fail("--reason is required with --yes or --reject: say why")
        for e in entries:
            e.status = "rejected" if reject else "accepted"
            e.by, e.reason = who, reason.strip()
        b.save(dest)
        click.echo(m("baseline.decided_rejected" if reject else "baseline.decided_accepted",
                     n=len(entries), who=who))
        return
    from datasafe.report.common import check_text

    done = 0
    try:
        for i, e in enumerate(entries, 1):
            click.echo(f"\n[{i}/{len(entries)}] " + _describe(e, m))
            title = check_text(e.check, "title", m.lang)
            if title:
                click.echo(f"    {title}")
            if e.status != "unreviewed":
                click.echo("    " + m("baseline.currently",
                                          status=m(f"baseline.status.{e.status}"))
                           + (m("baseline.by", who=e.by) if e.by else "")
                           + (f"{m.colon}{e.reason}" if e.reason else ""))
            # the same letters in English and French: accept/accepter, reject/refuser,
            # skip/sauter, quit/quitter
            choice = click.prompt(m("baseline.prompt"), prompt_suffix=m.colon,
                                  type=click.Choice(["a", "r", "s", "q"]), show_choices=False)
            if choice == "q":
                break
            if choice == "s":
                continue
            why = ""
            while not why.strip():
                why = click.prompt(m("baseline.reason"), default=e.reason or "",
                                   show_default=False, prompt_suffix=m.colon)
            e.status = "accepted" if choice == "a" else "rejected"
            e.by, e.reason = who, why.strip()
            done += 1
    except click.exceptions.Abort:  # input ended (no terminal) or Ctrl+C: keep what was decided
        stopped = True
    else:
        stopped = False
    finally:
        if done:
            b.save(dest)
    click.echo("\n" + m("baseline.reviewed", n=done, who=who))
    if stopped:
        click.echo("datasafe: " + m("baseline.stopped"), err=True)
        raise SystemExit(1)


def _describe(e, m) -> str:
    where = e.file
    if e.sheet:
        where += " › " + m("place.sheet", name=e.sheet)
    if e.column:
        where += " › " + m("place.column", name=e.column)
    sev = m.severity(e.severity) if e.severity else ""
    return f"{sev.upper():<8} {e.check:<12} {where}"
