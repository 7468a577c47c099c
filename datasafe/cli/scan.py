"""``datasafe scan``."""

from __future__ import annotations

import os
import sys

import click

from datasafe.cli import fail, lang_option, resolve_lang, said

FORMATS = ["text", "json", "markdown", "html", "sarif"]


def split_list(value: str | None) -> list[str] | None:
    if not value:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


def scan_options(f):
    """Options shared by ``scan`` and the commands that scan first (redact, approve…)."""
    decorators = [
        click.option("--profile", "-p", metavar="NAME|FILE",
                     help="Sharing profile: hdx-public, partner-restricted, internal, workshop, "
                          "isp-template, or a path to your own YAML."),
        click.option("--destination", type=click.Choice(["public", "partner", "internal"]),
                     help="Where the file is going (default: the profile's)."),
        click.option("--key-vars", metavar="COL,COL", help="Key variables for the "
                     "re-identification risk (default: the detected quasi-identifiers)."),
        click.option("--weight", metavar="COL", help="Sampling-weight column."),
        click.option("--household-id", metavar="COL", help="Household identifier column."),
        click.option("--phone-regions", metavar="CC,CC",
                     help="Phone regions to try for local numbers (ISO codes, e.g. CD,NG,SO)."),
        click.option("--ner", type=click.Choice(["auto", "on", "off"]), default="auto",
                     show_default=True, help="Named-entity recognition on free-text columns."),
        click.option("--max-columns", type=int, default=None,
                     help="Refuse tables wider than this (default 20000)."),
    ]
    for d in reversed(decorators):
        f = d(f)
    return f


def config_base(start: str | os.PathLike | None) -> str:
    """Where to look for the repository (config, baseline, root of report paths): the working
    directory, unless the scanned path lies in a repository the working directory is not in
    ('datasafe scan /srv/repo/data' run from elsewhere uses /srv/repo's config and baseline)."""
    from pathlib import Path

    from datasafe.config import find_root

    cwd = os.getcwd()
    if start is None:
        return cwd
    target_root = find_root(start)
    if target_root is None:
        return cwd
    cwd_root = find_root(cwd)
    if cwd_root is not None and Path(start).resolve().is_relative_to(cwd_root):
        return cwd
    return str(target_root)


def build_options(*, profile, destination, key_vars, weight, household_id, phone_regions, ner,
                  max_columns, fail_on=None, lang="en", progress=None, start=None):
    from datasafe.config import ConfigError, find_root, load_config
    from datasafe.pipeline import ScanOptions
    from datasafe.read import ReadLimits

    base = config_base(start)
    try:
        config = load_config(base)
    except ConfigError as exc:
        fail(str(exc))
    if not config.get("_root"):
        root = find_root(base)
        if root is not None:  # no config file: the repository still has a root (its baseline)
            config = {**config, "_root": str(root)}
    limits = ReadLimits.from_config(config)  # [tool.datasafe.limits]
    if max_columns:
        limits.max_columns = max_columns
    return ScanOptions(
        profile=profile or config.get("profile"),
        destination=destination or config.get("destination"),
        fail_on=fail_on or config.get("fail_on"),
        key_vars=split_list(key_vars) or config.get("key_vars"),
        weight=weight or config.get("weight"),
        household_id=household_id or config.get("household_id"),
        phone_regions=split_list(phone_regions) or config.get("phone_regions"),
        ner=ner,
        limits=limits,
        config=config,
        lang=lang,
        progress=progress,
    )


@click.command(help="""Scan files or folders and report what they contain.

\b
Examples:
  datasafe scan registration.csv
  datasafe scan survey.xlsx --profile hdx-public
  datasafe scan data/ --output report.json
  datasafe scan survey.csv --output report.html --output report.sarif
""")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default=None,
              help="Report format on stdout (default text, or from --output's extension).")
@click.option("--output", "-o", "outputs", multiple=True, type=click.Path(),
              help="Write the report to this file (repeatable; format from the extension).")
@scan_options
@click.option("--fail-on", type=click.Choice(["critical", "high", "medium", "low", "info"]),
              help="Lowest severity that makes the exit code 1 (default: the profile's).")
@lang_option("Language of text, Markdown and HTML reports.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing when the run passes.")
@click.option("--baseline", "baseline_path", metavar="FILE", type=click.Path(dir_okay=False),
              help="Accepted findings (default: .datasafe-baseline.json at the repository "
                   "root when present): findings in it are reported as accepted and do not fail.")
@click.option("--no-baseline", is_flag=True, help="Ignore the baseline: report every finding.")
@click.option("--engine", type=click.Choice(["local", "stream", "dask"]), default="local",
              show_default=True,
              help="local: in memory (CSV/Parquet files over 512 MB stream anyway); stream: read "
                   "in batches with bounded memory; dask: Parquet files and folders of Parquet "
                   "files as dask tables (pip install 'datasafe[dask]').")
@click.pass_context
def scan(ctx, paths, fmt, outputs, profile, destination, key_vars, weight, household_id,
         phone_regions, ner, max_columns, fail_on, lang, quiet, baseline_path=None,
         no_baseline=False, engine="local"):
    from datasafe.pipeline import scan as run_scan
    from datasafe.profiles import ProfileError

    check_report_outputs(paths, outputs, fmt)
    from datasafe.report import format_for_path, render
    from datasafe.report.common import Messages, error_line
    from datasafe.report.progress import ScanProgress

    try:
        options = build_options(profile=profile, destination=destination, key_vars=key_vars,
                                weight=weight, household_id=household_id,
                                phone_regions=phone_regions, ner=ner, max_columns=max_columns,
                                fail_on=fail_on, lang=lang, start=paths[0] if paths else None)
        lang = options.lang = resolve_lang(lang, options.config)
        # a progress line on stderr (TTY only, never with --quiet) for files that take a moment
        options.progress = ScanProgress(sys.stderr, enabled=None if not quiet else False,
                                        lang=lang)
        from datasafe.baseline import BaselineError, resolve_for_scan

        try:
            options.baseline = resolve_for_scan(baseline_path, no_baseline, options.config)
        except BaselineError as exc:
            fail(str(exc))
        options.engine = engine
        if engine == "dask":
            try:
                import dask.dataframe  # noqa: F401
            except ImportError:
                fail("--engine dask needs dask: pip install 'datasafe[dask]'")
        try:
            result = run_scan(list(paths), options=options)
        finally:
            options.progress.close()
    except ProfileError as exc:
        fail(said(exc, lang))
        return
    if not result.files:  # folders with no data file in them: nothing was checked
        from datasafe.read import SUPPORTED_LIST

        fail(Messages(lang)("fail.no_data_file", paths=", ".join(map(str, paths)),
                            supported=SUPPORTED_LIST))
    for f in result.files:
        if f.error:
            click.echo("datasafe: " + error_line(Messages(lang), f.path, f.error), err=True)
    color = (sys.stdout.isatty() and not os.environ.get("NO_COLOR")
             and os.environ.get("TERM") != "dumb")
    for out in outputs:
        ofmt = format_for_path(out) or fmt or "json"
        from datasafe.atomic import write_text

        try:
            write_text(out, render(result, ofmt, lang=lang))
        except OSError as exc:
            fail(f"{out}: cannot write report: {exc.strerror or exc}")
    if fmt or not outputs:
        text = render(result, fmt or "text", lang=lang, color=color and (fmt or "text") == "text",
                      quiet=quiet)
        if text and not (quiet and result.exit_code == 0):
            click.echo(text, nl=False)
    elif not quiet:
        # only files were asked for: one line says where they went and how the run ended
        m = Messages(lang)
        click.echo("datasafe: " + m("scan.written", paths=", ".join(map(str, outputs)),
                                    verdict=m(f"verdict.{result.summary.verdict}"),
                                    code=result.exit_code), err=True)
    from datasafe.accountability.audit import record_scan  # audit trail (never raises)

    record_scan(result)
    ctx.exit(result.exit_code)


def check_report_outputs(inputs, outputs, fmt: str | None) -> None:
    """Refuse, before anything is read, a report that would overwrite one of the files being
    scanned (``scan data.csv -o data.csv`` would replace the data with JSON) or whose format
    cannot be told from its extension (``-o report.pdf`` without --format)."""
    from pathlib import Path

    from datasafe.read import file_format
    from datasafe.report import EXTENSIONS, format_for_path
    from datasafe.write import OutputError, check_output_path

    for out in outputs:
        if format_for_path(out) is None and not fmt:
            fail(f"{out}: cannot tell the report format from its extension (use "
                 f"{', '.join(sorted(EXTENSIONS))}, or give --format)")
        dest = Path(out).resolve()
        for src in inputs:
            if os.path.isdir(src):
                # a data file inside a scanned folder is an input too (scan data/ -o
                # data/list.csv would replace the list with the report)
                if dest.is_file() and file_format(dest) and dest.is_relative_to(
                        Path(src).resolve()):
                    fail(f"{out}: the report would overwrite a data file of the scanned "
                         f"folder {src}; write the report to another file")
                continue
            if not os.path.isfile(src):
                continue
            try:
                check_output_path(src, out)
            except OutputError as exc:
                fail(f"{out}: {exc} ({src}); write the report to another file")
