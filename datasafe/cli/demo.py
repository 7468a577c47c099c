"""``datasafe demo``: the guided tour for workshops."""

from __future__ import annotations

import click

from datasafe.cli import lang_option, resolve_lang


@click.command(help="""A guided tour on bundled example data, for workshops.

Scans a synthetic beneficiary list, explains the findings in plain words, shows the
re-identification risk, makes a redacted copy for a public release and checks it again,
pausing between steps.

\b
Examples:
  datasafe demo
  datasafe demo --lang fr
  datasafe demo --no-pause        # for CI or a projector without a keyboard
""")
@lang_option("Language of the tour.")
@click.option("--no-pause", is_flag=True, help="Do not wait for Enter between steps.")
@click.option("--workdir", type=click.Path(file_okay=False),
              help="Folder for the redacted copy (default: a new temporary folder).")
@click.pass_context
def demo(ctx, lang, no_pause, workdir):
    from datasafe.demo import run_demo

    def pause(msg: str) -> None:
        click.prompt(msg, default="", show_default=False, prompt_suffix=" ")

    code = run_demo(lang=resolve_lang(lang), pause=None if no_pause else pause, echo=click.echo,
                    workdir=workdir)
    ctx.exit(code)
