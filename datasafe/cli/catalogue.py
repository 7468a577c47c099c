"""``datasafe checks`` and ``datasafe profiles``: what the catalogue holds."""

from __future__ import annotations

import click


@click.group(help="List and explain the data-responsibility checks.")
def checks():
    pass


@checks.command("list", help="List every check with its id, title and severity.")
def checks_list():
    from datasafe.checking import catalogue

    for c in catalogue().values():
        click.echo(f"{c['id']:<12} {c.get('title', '')}")


@checks.command("explain", help="Explain one check: what it detects, why, and how to fix it.")
@click.argument("check_id")
def checks_explain(check_id):
    import yaml

    from datasafe.checking import catalogue

    cat = catalogue()
    entry = cat.get(check_id.upper())
    if entry is None:
        raise click.ClickException(f"unknown check '{check_id}'")
    click.echo(yaml.safe_dump(entry, allow_unicode=True, sort_keys=False))


@click.group(help="List and show sharing profiles.")
def profiles():
    pass


@profiles.command("list", help="List the shipped profiles.")
def profiles_list():
    from datasafe.profiles import available_profiles, load_profile

    for name in available_profiles():
        p = load_profile(name)
        click.echo(f"{name:<20} {p.description.strip().splitlines()[0] if p.description else ''}")


@profiles.command("show", help="Show a profile with what it inherits.")
@click.argument("name")
def profiles_show(name):
    import yaml

    from datasafe.profiles import ProfileError, load_profile

    try:
        p = load_profile(name)
    except ProfileError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(yaml.safe_dump(p.raw, allow_unicode=True, sort_keys=False))
