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
              help="Folder to keep the redacted copy in (default: a temporary folder, "
                   "removed at the end).")
@click.pass_context
def demo(ctx, lang, no_pause, workdir):
    import sys

    from datasafe.demo import run_demo

    pausing = [not no_pause]

    def pause(msg: str) -> None:
        if not pausing[0]:
            return
        click.echo(msg + " ", nl=False)
        # input closed (a projector script, `< /dev/null`): the tour runs through, as with
        # --no-pause, instead of stopping; Ctrl+C still stops it
        if sys.stdin is None or not sys.stdin.readline():
            pausing[0] = False
            click.echo("")

    code = run_demo(lang=resolve_lang(lang), pause=pause, echo=click.echo, workdir=workdir)
    ctx.exit(code)
