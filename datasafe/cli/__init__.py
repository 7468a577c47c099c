"""The ``datasafe`` command line.

Sub-commands are loaded lazily from their own modules (listed in ``COMMANDS``) so that
``datasafe scan`` on a small clean file never imports what it does not use.
"""

from __future__ import annotations

import importlib
import os
import sys

import click

from datasafe import __version__

# name -> "module:attribute"; each command lives in its own module.
COMMANDS: dict[str, str] = {
    "scan": "datasafe.cli.scan:scan",
    "eval": "datasafe.cli.evaluate:evaluate_cmd",
    "redact": "datasafe.cli.redact:redact",
    "checks": "datasafe.cli.catalogue:checks",
    "profiles": "datasafe.cli.catalogue:profiles",
    "approve": "datasafe.cli.approve:approve",
    "audit": "datasafe.cli.audit:audit",
    "retention": "datasafe.cli.retention:retention",
    "repersonalise": "datasafe.cli.repersonalise:repersonalise",
    "keygen": "datasafe.cli.repersonalise:keygen",
    "baseline": "datasafe.cli.baseline:baseline", "hook": "datasafe.cli.hook:hook",
    "gx": "datasafe.cli.gx:gx",
    "demo": "datasafe.cli.demo:demo",
}

HELP = """Check data files for personal and sensitive data before you share them.

datasafe reads CSV, Excel (every sheet) and Parquet files, finds the columns that identify
people (names, phones, IDs, GPS points) or reveal sensitive facts about them (health,
ethnicity, protection incidents), measures the risk that someone in the file can be
re-identified, and tells you whether the file may go where you want to send it.

\b
Examples:
  datasafe scan beneficiaries.xlsx
  datasafe scan survey.csv --profile hdx-public --output report.html
  datasafe scan data/ --output report.json

Exit codes: 0 nothing at or above the failing severity, 1 findings that fail the run,
2 the run could not be done (bad arguments, unreadable input).
"""


# the commands that are groups of sub-commands (``datasafe baseline`` alone prints its help)
GROUPS = {"audit", "baseline", "checks", "gx", "profiles"}


class LazyGroup(click.Group):
    lazy_commands = True
    help_lang: str | None = None  # the language of help texts, when the run prints one

    def main(self, args=None, *rest, **kwargs):
        from datasafe.cli import localise

        argv = list(sys.argv[1:] if args is None else args)
        localise.install()
        self.help_lang = localise.help_lang(argv) if localise.wants_help(argv, GROUPS) else None
        localise.WORDS.start(argv, self.help_lang)
        localise.localise(self, "datasafe", self.help_lang or "en")
        self.argv = argv
        return super().main(args, *rest, **kwargs)

    def invoke(self, ctx):
        from datasafe.pipeline import OptionError

        try:
            return super().invoke(ctx)
        except OptionError as exc:
            from datasafe.cli.localise import lang_in
            from datasafe.report.common import say

            argv = getattr(self, "argv", sys.argv[1:])
            fail(str(say(messages(lang_in(argv)), option_problem(exc, argv))))

    def list_commands(self, ctx):
        return sorted(COMMANDS)

    def get_command(self, ctx, name):
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        cmd = getattr(importlib.import_module(module), attr)
        if self.help_lang or hasattr(cmd, "_datasafe_english"):
            from datasafe.cli.localise import localise

            localise(cmd, name, self.help_lang or "en")
        return cmd


@click.group(cls=LazyGroup, help=HELP, context_settings={"help_option_names": ["-h", "--help"],
                                                          "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="datasafe")
@click.option("--debug", is_flag=True, envvar="DATASAFE_DEBUG",
              help="Show where an error happened (a traceback; its message is withheld, as it "
                   "may quote data: DATASAFE_DEBUG=messages shows it).")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def lang_option(help_text: str):
    """``--lang``, the same on every command that speaks to people: no default of its own, so
    that a team can set its language once (``DATASAFE_LANG`` or ``lang:`` in the config)."""
    from datasafe.report import languages

    return click.option("--lang", type=click.Choice(languages()), default=None,
                        help=f"{help_text} [default: DATASAFE_LANG, then the config's lang, "
                             "then en]")


def resolve_lang(lang: str | None, config: dict | None = None) -> str:
    """The language to speak: ``--lang``, else ``DATASAFE_LANG``, else the config's ``lang``
    (``.datasafe.yaml`` / ``[tool.datasafe]``), else English. A value from the environment
    that is not a known language is refused (exit 2), as a wrong ``--lang`` is."""
    from datasafe.report import languages

    if lang:
        return lang
    raw = os.environ.get("DATASAFE_LANG", "").strip()
    from datasafe.cli.localise import env_lang

    env = env_lang(raw)  # "fr", "FR", "fr_FR.UTF-8", "fr-CD": the language part
    if raw:
        if env not in languages():
            fail(f"DATASAFE_LANG: unknown language '{raw}' (known: {', '.join(languages())})")
        return env
    if config is None:
        from datasafe.config import ConfigError, load_config

        try:
            config = load_config(os.getcwd())
        except ConfigError as exc:
            fail(str(exc))
    return (config or {}).get("lang") or "en"


def messages(lang: str | None, config: dict | None = None):
    """The message catalogue of the language :func:`resolve_lang` picks."""
    from datasafe.report.common import Messages

    return Messages(resolve_lang(lang, config))


def confirm(m, question: str) -> bool:
    """Ask a yes/no question on stderr in ``m``'s language ([y/N], [o/N] in French); only an
    explicit yes (y, yes, o, oui…) is a yes; Enter, no, or no input at all is a no."""
    click.echo(question + m("confirm.suffix"), nl=False, err=True)
    answer = sys.stdin.readline() if sys.stdin is not None else ""
    if not answer:
        click.echo("", err=True)
    yes = {str(w).lower() for w in (m.raw("confirm.accept") or ["y", "yes"])}
    return answer.strip().lower() in yes


def said(exc: BaseException, lang: str | None = None, config: dict | None = None) -> str:
    """An error's one line in the run's language (its message is a Phrase when the library
    knows how to say it in other languages; else as it is)."""
    from datasafe.report.common import say

    first = exc.args[0] if exc.args else str(exc)
    return str(say(messages(lang, config), first)) if hasattr(first, "said") else str(exc)


def option_problem(exc, argv: list[str]):
    """A scan option the library refused, named as the user gave it: the flag when it is on the
    command line (``--key-vars``), else the config key (``key_vars (config)``)."""
    from datasafe.report.common import Phrase

    message = exc.args[0] if exc.args else str(exc)
    if not hasattr(message, "key"):
        return message
    flag = "--" + exc.option.replace("_", "-")
    given = any(a == flag or a.startswith(flag + "=") for a in argv)
    label = flag if given else f"{exc.option} (config)"
    return Phrase(message.key, **{**message.params, "option": label})


def fail(message: str, code: int = 2) -> None:
    """Print one line on stderr and exit (2 by default: the run could not be done)."""
    click.echo(f"datasafe: {message}", err=True)
    sys.exit(code)


def _terminate_cleanly() -> None:
    """SIGTERM (a killed CI job, ``timeout``, a container stop) unwinds like Ctrl-C, so
    temporary files and spill folders are removed and no partial output is left."""
    import signal

    def handler(signum, frame):  # noqa: ARG001
        raise SystemExit(128 + signum)

    try:
        signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # not the main thread, or no such signal here
        pass


def _interrupted_word() -> str:
    """'interrupted' in the run's language — without importing anything or reading a file: a
    worker thread stopped mid-import may hold the import lock, and waiting for it would hang
    the Ctrl+C (so only --lang and DATASAFE_LANG count, and only once messages are loaded)."""
    common = sys.modules.get("datasafe.report.common")
    if common is None:
        return "interrupted"
    localise = sys.modules.get("datasafe.cli.localise")  # imported by every run's main()
    if localise is None:
        return "interrupted"
    given = localise.lang_values(sys.argv[1:])
    lang = given[-1] if given else (localise.env_lang(os.environ.get("DATASAFE_LANG", ""))
                                    or "en")
    try:
        return str(common.Messages(lang)("cli.interrupted"))
    except BaseException:  # noqa: BLE001 - an unknown language, a second Ctrl+C: English
        return "interrupted"


def run() -> None:  # console-script entry point
    _terminate_cleanly()
    try:
        # standalone_mode=False: click would turn Ctrl-C into "Aborted!" and exit code 1
        rv = main(prog_name="datasafe", standalone_mode=False)
    except (KeyboardInterrupt, click.exceptions.Abort):
        word = _interrupted_word()
        click.echo(f"datasafe: {word}", err=True)
        sys.exit(130)
    except click.ClickException as exc:  # usage errors: message and exit code as click gives
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # noqa: BLE001 - never a traceback without --debug
        debug = os.environ.get("DATASAFE_DEBUG", "")
        if debug.strip().lower() == "messages":
            raise  # a developer's own data: the exception's message too
        if debug or "--debug" in sys.argv:
            # where it failed, never what it read: parsers quote rows in their messages
            import traceback

            click.echo("Traceback (most recent call last):\n"
                       + "".join(traceback.format_tb(exc.__traceback__))
                       + f"{type(exc).__module__}.{type(exc).__qualname__} (message withheld: "
                         "it may quote data; DATASAFE_DEBUG=messages shows it)", err=True)
            sys.exit(2)
        click.echo(f"datasafe: internal error: {type(exc).__name__} (run with --debug for "
                   "details)", err=True)
        sys.exit(2)
    if isinstance(rv, int) and not isinstance(rv, bool):  # ctx.exit(code) returns the code
        sys.exit(rv)
