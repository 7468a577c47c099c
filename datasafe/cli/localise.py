"""The command line's own words in the user's language: ``--help`` texts of every command and
option, and the words click writes itself (``Usage:``, ``Error: No such option``…).

The language is the one the run speaks (:func:`datasafe.cli.resolve_lang`): ``--lang`` on the
command line, else ``DATASAFE_LANG``, else the config's ``lang``, else English. Here it is
worked out before click parses anything (``--help`` is answered while parsing), and only when
needed: help texts are translated when the command line asks for help, and click's words when
click first writes one, so a run that needs neither pays nothing.

Translations live in ``datasafe/cli/locales/<lang>.yaml``: ``click:`` maps click's English
strings to the language's, ``commands:`` maps a command path (``datasafe``, ``scan``,
``audit show``) to its ``help``, ``short`` and ``options`` (option name → help). A line ``\\b``
stands for click's no-rewrap marker. English is the source text and has no file; a missing entry
stays English (``tests/test_cli_help_lang.py`` checks that French has every one).
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import click

HERE = Path(__file__).parent / "locales"
_ENGLISH = "_datasafe_english"  # attribute keeping a command's own (English) texts
_HELP_FLAGS = ("-h", "--help")


def lang_values(args: list[str]) -> list[str]:
    """The values given to ``--lang`` on the command line, in order (none checked)."""
    out = []
    for i, a in enumerate(args):
        if a == "--":
            break
        if a == "--lang" and i + 1 < len(args):
            out.append(args[i + 1])
        elif a.startswith("--lang="):
            out.append(a.split("=", 1)[1])
    return out


def env_lang(raw: str) -> str:
    """The language part of a ``DATASAFE_LANG``/``LANG``-style value: "fr", "FR", "fr_FR.UTF-8",
    "fr-CD" → "fr" (not checked against the known languages)."""
    return raw.strip().split(".")[0].replace("-", "_").split("_")[0].lower()


def lang_in(args: list[str]) -> str | None:
    """The value of ``--lang`` on the command line, when it names a known language."""
    from datasafe.report import languages

    return next((v for v in lang_values(args) if v in languages()), None)


def help_lang(args: list[str]) -> str:
    """The language of the run's help and of click's words. Unlike the run itself, a wrong
    ``DATASAFE_LANG`` or a broken config file is not an error here: the command reports it
    when it runs; its help stays English."""
    from datasafe.report import languages

    lang = lang_in(args)
    if lang:
        return lang
    raw = os.environ.get("DATASAFE_LANG", "").strip()
    if raw:
        env = env_lang(raw)
        return env if env in languages() else "en"
    try:
        from datasafe.config import load_config

        lang = (load_config(os.getcwd()) or {}).get("lang")
    except Exception:  # noqa: BLE001 - the command reports a broken config itself
        return "en"
    return lang if lang in languages() else "en"


@functools.cache
def catalogue(lang: str) -> dict:
    """The translations of one language (empty for English and for languages without a file)."""
    path = HERE / f"{lang}.yaml"
    if lang == "en" or not path.is_file():
        return {}
    import yaml

    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {"click": doc.get("click") or {}, "commands": doc.get("commands") or {}}


def _text(value: str) -> str:
    return "\n".join("\b" if line.strip() == "\\b" else line for line in value.split("\n"))


def localise(cmd: click.Command, path: str, lang: str) -> None:
    """Give ``cmd`` (and, for a group, its sub-commands) its help texts in ``lang``. English
    texts are kept on the command, so a later run in English (the same process, as in tests)
    gets them back."""
    english = getattr(cmd, _ENGLISH, None)
    if english is None:
        english = {"help": cmd.help, "short": cmd.short_help,
                   "options": {p.name: getattr(p, "help", None) for p in cmd.params}}
        setattr(cmd, _ENGLISH, english)
    entry = catalogue(lang).get("commands", {}).get(path) or {}
    cmd.help = _text(entry["help"]) if entry.get("help") else english["help"]
    cmd.short_help = _text(entry["short"]) if entry.get("short") else english["short"]
    if getattr(cmd, "_help_option", None) is not None:
        cmd._help_option = None  # click keeps its --help option, worded in the first run's language
    options = entry.get("options") or {}
    for p in cmd.params:
        if p.name in options:
            p.help = _text(options[p.name])
        elif p.name in english["options"]:
            p.help = english["options"][p.name]
    if isinstance(cmd, click.Group) and not hasattr(cmd, "lazy_commands"):
        for name, sub in cmd.commands.items():
            localise(sub, f"{path} {name}".replace("datasafe ", "", 1), lang)


class ClickWords:
    """click's own words in the run's language, the language worked out the first time one is
    written (most runs write none)."""

    def __init__(self) -> None:
        self.args: list[str] = []
        self._words: dict | None = None

    def start(self, args: list[str], lang: str | None = None) -> None:
        self.args = list(args)
        self._words = None if lang is None else catalogue(lang).get("click", {})

    def words(self) -> dict:
        if self._words is None:
            self._words = catalogue(help_lang(self.args)).get("click", {})
        return self._words

    def gettext(self, message: str) -> str:
        return self.words().get(message, message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.gettext(singular if n == 1 else plural)


WORDS = ClickWords()
_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui")


def install() -> None:
    """Route click's ``gettext`` calls through :data:`WORDS` (click imports ``gettext as _`` in
    each module; those names are the only hook it offers without a compiled catalogue)."""
    import importlib

    for name in _CLICK_MODULES:
        try:
            mod = importlib.import_module(f"click.{name}")
        except ImportError:  # pragma: no cover - a click without that module
            continue
        if hasattr(mod, "_"):
            mod._ = WORDS.gettext
        if hasattr(mod, "ngettext"):
            mod.ngettext = WORDS.ngettext


def wants_help(args: list[str], groups: set[str]) -> bool:
    """Whether click will print a help text: ``-h``/``--help``, no command at all, or a group
    (``datasafe baseline``) without its sub-command."""
    head = args[: args.index("--")] if "--" in args else args
    if any(a in _HELP_FLAGS for a in head):
        return True
    words = [a for a in head if not a.startswith("-")]
    return not words or (len(words) == 1 and words[0] in groups)
