"""``datasafe gx``: Great Expectations suites from de-identified files (the gx extra)."""

from __future__ import annotations

import click

from datasafe.cli import fail


@click.group(help="""Keep a de-identified file de-identified in Great Expectations pipelines.

\b
Examples:
  datasafe gx export redacted.csv --profile hdx-public --output suite.json
  datasafe gx validate next_month.csv --suite suite.json
""")
def gx():
    pass


@gx.command("export", help="Write a GX 1.x expectation suite from a scan of a de-identified file.")
@click.argument("path", type=click.Path())
@click.option("--output", "-o", required=True, type=click.Path(), help="Suite JSON to write.")
@click.option("--profile", "-p", metavar="NAME|FILE", help="Sharing profile (sets k).")
@click.option("--sheet", help="Workbook sheet to describe (default: the first).")
@click.option("--key-vars", metavar="COL,COL", help="Key variables for the k-anonymity guarantee.")
def export(path, output, profile, sheet, key_vars):
    from datasafe.cli.scan import split_list
    from datasafe.gx import GXUnavailable, export_suite
    from datasafe.profiles import ProfileError
    from datasafe.read import ReadError
    from datasafe.write import OutputError, check_output_path

    try:
        check_output_path(path, output)
    except OutputError as exc:
        fail(f"{output}: {exc} ({path}); write the suite to another file")
    try:
        doc = export_suite(path, output, profile=profile, sheet=sheet,
                           key_vars=split_list(key_vars))
    except ReadError as exc:
        fail(exc.line())
    except (ProfileError, ValueError, GXUnavailable) as exc:
        fail(f"{path}: {exc}")
    else:
        click.echo(f"wrote {output}: {len(doc['expectations'])} expectations")


@gx.command("validate", help="Validate a file against an exported suite with great-expectations.")
@click.argument("path", type=click.Path())
@click.option("--suite", "suite_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--sheet", help="Workbook sheet to validate (default: the first).")
@click.pass_context
def validate(ctx, path, suite_path, sheet):
    import json

    from datasafe.gx import GXUnavailable, validate_dataframe
    from datasafe.read import ReadError, read_tables

    try:
        tables = read_tables(path)
        table = tables[0] if sheet is None else next(t for t in tables if t.name == sheet)
        doc = json.loads(open(suite_path, encoding="utf-8").read())
        df = table.data.copy()
        df.columns = table.headers
        report = validate_dataframe(df, doc)
    except ReadError as exc:
        fail(exc.line())
    except StopIteration:
        fail(f"{path}: no sheet named {sheet!r}")
    except (ValueError, GXUnavailable) as exc:
        fail(f"{suite_path}: {exc}")
    if report.success:
        click.echo(f"{path}: all {len(report.results)} expectations met")
        ctx.exit(0)
    click.echo(f"{path}: {len(report.failures)} expectation(s) failed")
    for line in report.failures:
        click.echo(f"  - {line}")
    ctx.exit(1)
