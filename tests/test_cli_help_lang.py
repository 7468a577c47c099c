"""``--help`` and click's own words (usage errors) in the user's language.

A French-speaking information manager who types ``datasafe scan --help`` with
``DATASAFE_LANG=fr`` (or ``lang: fr`` in the team's config) reads French; the French
catalogue covers every command and option, so a new option cannot slip in untranslated.
"""

import os
import re
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from datasafe.cli import COMMANDS, GROUPS, main
from datasafe.cli.localise import catalogue
from tests.conftest import REPO


def run_cli(*args, cwd=None, env_extra=None):
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "COLUMNS": "100"}
    env.pop("DATASAFE_LANG", None)
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "datasafe", *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=300)


def _commands():
    """Every command path with its click object, as the help catalogue names them."""
    ctx = click.Context(main)
    out = {}

    def walk(cmd, path):
        out[" ".join(path) or "datasafe"] = cmd
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                walk(cmd.get_command(ctx, name), path + [name])

    walk(main, [])
    return out


def _placeholders(text):
    return sorted(re.findall(r"\{[^}]*\}|%\([a-z]+\)s", text))


def test_the_french_catalogue_covers_every_command_and_option_and_nothing_else():
    fr = catalogue("fr")["commands"]
    commands = _commands()
    assert set(fr) == set(commands), "fr.yaml must name exactly the commands that exist"
    for path, cmd in commands.items():
        entry = fr[path]
        if cmd.help:
            assert entry.get("help"), f"{path}: no French help"
            english = cmd._datasafe_english["help"] if hasattr(cmd, "_datasafe_english") \
                else cmd.help
            assert entry["help"].count("\\b") == english.count("\b"), \
                f"{path}: the no-rewrap blocks (\\b) differ"
        wanted = {p.name for p in cmd.params if getattr(p, "help", None)}
        assert set(entry.get("options") or {}) == wanted, f"{path}: options differ"
    assert GROUPS == {p for p, c in commands.items() if isinstance(c, click.Group)
                      and p != "datasafe"}
    assert set(COMMANDS) < set(commands)


def test_french_click_words_keep_their_placeholders():
    words = catalogue("fr")["click"]
    assert words["Usage:"] != "Usage:" and words["Show this message and exit."]
    for english, french in words.items():
        assert _placeholders(english) == _placeholders(french), english


@pytest.mark.parametrize("how", ["env", "option", "config"])
def test_scan_help_is_french_when_the_run_speaks_french(tmp_path, how):
    args, env = ["scan", "--help"], {}
    if how == "env":
        env["DATASAFE_LANG"] = "fr_FR.UTF-8"
    elif how == "option":
        args = ["scan", "--lang", "fr", "--help"]
    else:
        (tmp_path / ".datasafe.yaml").write_text("lang: fr\n", encoding="utf-8")
    r = run_cli(*args, cwd=tmp_path, env_extra=env)
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert out.startswith("Utilisation : datasafe scan [OPTIONS] PATHS...")
    assert "Show this message and exit." not in out
    assert catalogue("fr")["click"]["Show this message and exit."] in out
    # the command's own text and an option's, in French; option names and values as typed
    first = catalogue("fr")["commands"]["scan"]["help"].splitlines()[0]
    assert first in out and "--profile" in out and "hdx-public" in out
    assert "Report format on stdout" not in out
    # the examples block (\b) is printed line for line, not re-wrapped
    assert "\n    datasafe scan " in out or "\n  datasafe scan " in out


def test_help_stays_english_by_default_and_after_a_french_run_in_the_same_process():
    runner = CliRunner()
    fr = runner.invoke(main, ["scan", "--help"], env={"DATASAFE_LANG": "fr"})
    assert fr.exit_code == 0 and fr.output.startswith("Utilisation")
    en = runner.invoke(main, ["scan", "--help"], env={"DATASAFE_LANG": "en"})
    assert en.exit_code == 0 and en.output.startswith("Usage: ")
    assert "Report format on stdout" in en.output and "Show this message and exit." in en.output
    # --lang on the command line wins over the environment, as it does for the run itself
    en2 = runner.invoke(main, ["scan", "--lang", "en", "--help"], env={"DATASAFE_LANG": "fr"})
    assert en2.output.startswith("Usage:")


def test_the_command_list_and_a_group_without_sub_command_are_french():
    r = run_cli(env_extra={"DATASAFE_LANG": "fr"})
    out = r.stdout + r.stderr
    assert "Commandes" in out and "Utilisation" in out
    short = catalogue("fr")["commands"]["scan"]
    assert (short.get("short") or short["help"]).split()[0] in out
    r = run_cli("baseline", env_extra={"DATASAFE_LANG": "fr"})
    out = r.stdout + r.stderr
    assert "Utilisation : datasafe baseline" in out and "Commandes" in out


def test_a_mistyped_option_is_explained_in_french(tmp_path):
    r = run_cli("scan", "x.csv", "--lang", "fr", "--profle", "hdx-public", cwd=tmp_path)
    assert r.returncode == 2
    assert "Erreur" in r.stderr and "--profle" in r.stderr and "Error:" not in r.stderr
    assert "Utilisation" in r.stderr
    # a wrong value of a choice, in French too
    r = run_cli("scan", "x.csv", "--ner", "maybe", cwd=tmp_path, env_extra={"DATASAFE_LANG": "fr"})
    assert r.returncode == 2 and "Erreur" in r.stderr and "Invalid value" not in r.stderr


def test_a_broken_config_leaves_help_in_english_and_the_run_reports_it(tmp_path):
    (tmp_path / ".datasafe.yaml").write_text("lang: [fr\n", encoding="utf-8")
    r = run_cli("scan", "--help", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.startswith("Usage: datasafe scan")
    f = tmp_path / "t.csv"
    f.write_text("a,b\n1,2\n", encoding="utf-8")
    r = run_cli("scan", f, cwd=tmp_path)
    assert r.returncode == 2 and ".datasafe.yaml" in r.stderr
