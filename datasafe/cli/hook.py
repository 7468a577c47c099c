"""``datasafe hook``: the pre-commit hook (see ``.pre-commit-hooks.yaml``).

pre-commit passes the staged data files. The hook prints nothing and exits 0 when they hold
no new finding at or above the failing severity; otherwise it prints one readable block and
exits 1 (2 when a file cannot be read). Findings accepted in the baseline or in the config's
allow-list do not fail. Nothing heavy is imported before there is a file to scan.
"""

from __future__ import annotations

import os

import click

from datasafe.cli import fail, lang_option, resolve_lang

SEVERITY_ORDER = ("critical", "high", "medium", "low", "info")


@click.command(help="""Pre-commit hook: scan the given (staged) data files quietly.

Exits 0 silently when no new finding fails, 1 with a short message when one does, and 2 when
a file cannot be read. Findings accepted in .datasafe-baseline.json or allowed in the config
([tool.datasafe] in pyproject.toml or .datasafe.yaml) do not fail.

\b
In .pre-commit-config.yaml:
  - repo: https://github.com/OWNER/datasafe
    rev: vX.Y.Z
    hooks:
      - id: datasafe
        # args: [--profile, hdx-public]
""")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--profile", "-p", metavar="NAME|FILE", help="Sharing profile (default: config's).")
@click.option("--fail-on", type=click.Choice(list(SEVERITY_ORDER)),
              help="Lowest severity that fails the commit (default: config's, then profile's).")
@click.option("--phone-regions", metavar="CC,CC", help="Phone regions for local numbers.")
@click.option("--key-vars", metavar="COL,COL", help="Key variables for the risk measures.")
@click.option("--ner", type=click.Choice(["auto", "on", "off"]), default="auto",
              show_default=True, help="Named-entity recognition on free-text columns.")
@click.option("--baseline", "baseline_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Accepted findings (default: .datasafe-baseline.json at the root).")
@click.option("--no-baseline", is_flag=True, help="Ignore the baseline.")
@lang_option("Language of the message when the commit is blocked.")
@click.pass_context
def hook(ctx, paths, profile, fail_on, phone_regions, key_vars, ner, baseline_path,
         no_baseline, lang):
    if not paths:
        ctx.exit(0)
    from datasafe.config import ConfigError, is_ignored, load_config
    from datasafe.read import file_format

    try:
        config = load_config(os.getcwd())
    except ConfigError as exc:
        fail(str(exc))
        return
    files = [p for p in paths if file_format(p) and not is_ignored(p, config)]
    if not files:
        ctx.exit(0)

    from datasafe.baseline import BaselineError, resolve_for_scan
    from datasafe.cli.scan import build_options
    from datasafe.pipeline import scan as run_scan
    from datasafe.profiles import ProfileError

    try:
        options = build_options(profile=profile, destination=None, key_vars=key_vars,
                                weight=None, household_id=None, phone_regions=phone_regions,
                                ner=ner, max_columns=None, fail_on=fail_on)
        options.baseline = resolve_for_scan(baseline_path, no_baseline, options.config)
        result = run_scan(files, options=options)
    except (ProfileError, BaselineError) as exc:
        fail(str(exc))
        return
    code = result.exit_code
    if code == 0:
        ctx.exit(0)
    click.echo(failure_message(result, resolve_lang(lang, config)), nl=False)
    ctx.exit(code)


def failure_message(result, lang: str = "en") -> str:
    """The block printed when the commit is blocked, in ``lang``: each new finding with its
    place, message and fix (from the check catalogue's texts in that language)."""
    from datasafe.model import SEVERITY_RANK
    from datasafe.report.common import Messages, error_line, localize

    m = Messages(lang)
    limit = SEVERITY_RANK.get(result.fail_on, 3)
    new = [f for f in result.findings
           if f.accepted is None and SEVERITY_RANK.get(f.severity, 0) >= limit]
    new.sort(key=lambda f: (f.file, f.table or "", f.column or "",
                            -SEVERITY_RANK.get(f.severity, 0), f.check))
    lines = []
    errors = [f for f in result.files if f.error]
    for f in errors:
        lines.append("datasafe: " + error_line(m, f.path, f.error))
    if new:
        n = len(new)
        fail_on = m.severity(result.fail_on).lower() if result.fail_on else result.fail_on
        lines.append("datasafe: " + m("hook.blocked_one" if n == 1 else "hook.blocked_many",
                                      n=n, fail_on=fail_on))
        last_file = None
        fix_label = m("hook.fix")
        for f in new:
            if f.file != last_file:
                lines.append(f"  {f.file}")
                last_file = f.file
            where = []
            if f.table:
                where.append(m("place.sheet", name=f.table))
            if f.column:
                where.append(m("place.column", name=f.column))
            place = ", ".join(where) or m("hook.whole_file")
            said = localize(f, lang)
            severity = m.severity(f.severity).upper()
            lines.append(f"    {severity:<8} {f.check:<12} {place}{m.colon}"
                         f"{said.message or f.message}")
            fix = said.fix or f.fix
            if fix:
                lines.append(f"             {fix_label}{m.colon}{fix}")
            if getattr(f, "rejected_by", None):
                lines.append("             " + m("hook.rejected", who=f.rejected_by))
            if getattr(f, "escalated_from", None):
                lines.append("             " + m("hook.escalated",
                                                 was=m.severity(f.escalated_from).lower()))
        accepted = sum(1 for f in result.findings if f.accepted is not None)
        if accepted:
            lines.append("  " + m("hook.accepted_one" if accepted == 1 else "hook.accepted_many",
                                  n=accepted))
        if all(getattr(f, "rejected_by", None) for f in new):
            lines.append(m("hook.fix_rejected"))  # refused at review: accepting is no answer
        else:
            lines.append(m("hook.advice"))
            lines.append(m("hook.accept"))
    return "\n".join(lines) + "\n"
