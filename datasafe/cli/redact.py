"""``datasafe redact``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from datasafe.cli import fail, lang_option, resolve_lang, said
from datasafe.cli.scan import build_options, scan_options, split_list


@click.command(help="""Write a redacted copy of a file that passes a sharing profile, and prove it.

The plan (which column gets which treatment, and why) is derived from a scan and the profile;
print it with --plan, save it with --write-plan, edit it and reuse it with --plan-file. The copy
keeps the input's format (CSV delimiter, encoding and HXL row; every Excel sheet; the Parquet
schema), is written atomically and never over the input, and is scanned again with the same
profile: exit 0 when it passes, 1 when it still fails, 2 when the run could not be done.

Keyed pseudonyms need a key: DATASAFE_KEY in the environment or --key-file (never a plain
hash). A redaction log (OUT.redaction-log.json and .md) records per column the treatment, the
values changed and suppressed, the information loss, and the risk and findings before and after;
it holds no data values and no key.

\b
Examples:
  datasafe redact survey.csv --profile hdx-public --plan
  datasafe redact survey.csv --profile hdx-public --write-plan survey.plan.yaml --plan
  datasafe redact survey.csv --profile hdx-public --plan-file survey.plan.yaml -o shared.csv
  datasafe redact data/ --profile partner-restricted --output-dir redacted/
""")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--output", "-o", type=click.Path(), help="The redacted copy (default: "
              "NAME.redacted.EXT beside the input).")
@click.option("--output-dir", type=click.Path(file_okay=False),
              help="Write the copies into this folder (for several files or a folder).")
@click.option("--plan", "show_plan", is_flag=True,
              help="Print the plan and stop (nothing is written).")
@click.option("--plan-file", type=click.Path(dir_okay=False),
              help="YAML plan that overrides the derived plan column by column.")
@click.option("--write-plan", type=click.Path(dir_okay=False),
              help="Save the plan (derived + plan file) as YAML to reuse next time.")
@click.option("--key-file", type=click.Path(dir_okay=False),
              help="Key for pseudonyms (default: the DATASAFE_KEY environment variable), or the "
                   "custodian key of `datasafe keygen` for --reversible columns.")
@click.option("--reversible", metavar="COL,COL",
              help="Encrypt these columns with the custodian key (--key-file) instead of "
                   "removing them: only its holder can restore them (datasafe repersonalise).")
@click.option("--importance", metavar="COL,COL",
              help="Key variables, most important first: local suppression empties the last "
                   "ones first (sdcMicro's importance vector).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="Summary on stdout: text, or the JSON redaction log.")
@click.option("--no-rescan", is_flag=True,
              help="Skip the proof scan of the copy (exit 0 after writing).")
@click.option("--stream/--no-stream", default=None,
              help="Stream CSV/Parquet in batches (default: for files over 256 MB).")
@scan_options
@click.option("--fail-on", type=click.Choice(["critical", "high", "medium", "low", "info"]),
              help="Lowest severity that makes the copy fail (default: the profile's).")
@lang_option("Language of the summary, the Markdown log and the plan (the JSON log and "
             "saved plans stay English, as the report contract).")
@click.pass_context
def redact(ctx, paths, output, output_dir, show_plan, plan_file, write_plan, key_file,
           reversible, importance, fmt, no_rescan, stream, profile, destination, key_vars, weight,
           household_id, phone_regions, ner, max_columns, fail_on, lang):
    from datasafe.profiles import ProfileError
    from datasafe.redact import RedactError
    from datasafe.redact import redact as run_redact

    if output and output_dir:
        fail("give --output or --output-dir, not both")
    if write_plan and output:
        from datasafe.redact.engine import log_paths
        from datasafe.write import OutputError, check_output_path

        for taken in (Path(output), *log_paths(Path(output))):
            try:  # the plan would replace the copy, or its log, just written
                check_output_path(taken, write_plan)
            except OutputError:
                fail(f"{write_plan}: --write-plan names the copy or its log ({taken})")
    try:
        options = build_options(profile=profile, destination=destination, key_vars=key_vars,
                                weight=weight, household_id=household_id,
                                phone_regions=phone_regions, ner=ner, max_columns=max_columns,
                                fail_on=fail_on, lang=lang)
        lang = options.lang = resolve_lang(lang, options.config)
        result = run_redact(list(paths) if len(paths) > 1 else paths[0], options=options,
                            plan=plan_file, output=output, output_dir=output_dir,
                            key_file=key_file, importance=split_list(importance),
                            reversible=split_list(reversible),
                            rescan=not no_rescan, stream=stream,
                            dry_run=show_plan)
    except (RedactError, ProfileError) as exc:
        fail(said(exc, lang))  # a Phrase (a read error's line…): said in the run's language
        return
    if write_plan:
        from datasafe.atomic import write_text

        plans = [f.plan for f in result.files]
        if len(plans) != 1:
            fail("--write-plan needs exactly one input file")
        from datasafe.write import OutputError, check_output_path

        try:
            check_output_path(result.files[0].input, write_plan)
        except OutputError as exc:
            fail(f"{write_plan}: {exc}")
        try:
            write_text(write_plan, plans[0].to_yaml())
        except OSError as exc:
            fail(f"{write_plan}: cannot write plan: {exc.strerror or exc}")
    if show_plan:
        for f in result.files:
            if len(result.files) > 1:
                click.echo(f"# {f.input}")
            click.echo(f.plan.render(lang, key_given=result.key_id is not None), nl=False)
        ctx.exit(0)
    from datasafe.accountability.audit import record_redaction  # audit trail (never raises)

    record_redaction(result)
    if fmt == "json":
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(result.summary(), nl=False)
    for f in result.files:  # exit 2 always comes with its line on stderr
        for e in (f.after.files if f.after is not None else []):
            if e.error:
                click.echo(f"datasafe: {f.output}: the proof scan of the copy failed: {e.error}",
                           err=True)
    ctx.exit(0 if no_rescan else result.exit_code)
