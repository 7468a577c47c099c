"""``datasafe checks list|explain ID`` and ``datasafe profiles list|show NAME``: what the catalogue
and the shipped profiles hold."""

from __future__ import annotations

import click

from datasafe.cli import lang_option, resolve_lang


def _sev_line(sev, m=None) -> str:
    """"public high, partner medium…" in ``m``'s language."""
    def level(v):
        return m.severity(str(v)).lower() if m is not None else str(v)

    if isinstance(sev, dict):
        return ", ".join(f"{m(f'explain.destinations.{k}') if m is not None else k} {level(v)}"
                         for k, v in sev.items())
    return level(sev) if sev else ""


def _area(m, area: str) -> str:
    return m(f"explain.areas.{area.replace(' ', '_').replace('-', '_')}") if area else ""


def _guidance(entry: dict, lang: str) -> str:
    """The check's guidance (summary and citations), its summary in ``lang`` when the
    catalogue has it (``fr: {guidance: …}``); citations stay as published."""
    from datasafe.checking.catalogue import citation

    said = (entry.get(lang) or {}).get("guidance") if lang != "en" else None
    g = entry.get("guidance")
    if said and isinstance(g, dict):
        return citation({**entry, "guidance": {**g, "summary": " ".join(str(said).split())}})
    return citation(entry)


@click.group(help="List and explain the data-responsibility checks.")
def checks():
    pass


@checks.command("list", help="""List every check with its id, area, severity and title.

\b
Examples:
  datasafe checks list
  datasafe checks list --area retention --lang fr
""")
@click.option("--area", help="Only checks of this area (de-identification, group data, "
                             "aggregates, hxl, transfer, retention).")
@lang_option("Language of the titles.")
def checks_list(area, lang):
    lang = resolve_lang(lang)
    from datasafe.checking import catalogue
    from datasafe.report.common import Messages

    m = Messages(lang)
    for cid, c in catalogue().items():
        if area and str(c.get("area", "")).lower() != area.lower() \
                and _area(m, str(c.get("area", ""))).lower() != area.lower():
            continue
        title = ((c.get(lang) or {}).get("title") if lang != "en" else None) or c.get("title", "")
        sev = c.get("severity") or {}
        public = sev.get("public", "") if isinstance(sev, dict) else sev
        said = m.severity(str(public)).lower() if public else ""
        click.echo(f"{cid:<11} {_area(m, str(c.get('area', ''))):<20} {said:<9} {title}")


@checks.command("explain", help="""Explain one check: what it detects, why, its severities,
parameters, guidance, examples and how to fix it.

\b
Examples:
  datasafe checks explain DR-GEO-02
  datasafe checks explain dr-pii-01 --lang fr
""")
@click.argument("check_id")
@lang_option("Language of the explanation.")
@click.option("--yaml", "as_yaml", is_flag=True, help="Print the raw catalogue entry.")
def checks_explain(check_id, lang, as_yaml):
    lang = resolve_lang(lang)
    from datasafe.checking import catalogue

    cat = catalogue()
    entry = cat.get(check_id.strip().upper())
    if entry is None:
        from datasafe.cli import fail
        from datasafe.report.common import Messages

        fail(Messages(lang)("fail.unknown_check", id=check_id))
    if as_yaml:
        import yaml

        click.echo(yaml.safe_dump(entry, allow_unicode=True, sort_keys=False))
        return
    tr = entry.get(lang) or {} if lang != "en" else {}

    def t(key):
        # a message's slots ({metres}, {threshold}) are filled by a scan; here they stand for
        # "the value found", shown as an ellipsis rather than as a template
        import re

        text = " ".join(str(tr.get(key) or entry.get(key) or "").split())
        return re.sub(r"\{[a-z_]+\}", "…", text)

    from datasafe.report.common import Messages

    m = Messages(lang)

    colon = m.colon.rstrip()  # "Area:", "Domaine :"

    def lab(key: str) -> str:  # "Area:" padded to the value column (13 wide in English)
        text = m(f"explain.{key}") + colon
        return f"{text:<13}" if len(text) < 13 else text + " "

    out = [f"{entry['id']}  {t('title')}", ""]
    out.append(f"{lab('area')}{_area(m, str(entry.get('area', '')))}")
    sev = entry.get("severity")
    out.append(f"{lab('severity')}{_sev_line(sev, m)}")
    for v, s in (entry.get("severity_variants") or {}).items():
        out.append(f"  {v + ':':<11}{_sev_line(s, m)}")
    if entry.get("sensitivity"):
        kind = str(entry["sensitivity"])
        if lang != "en":  # the data type as the sensitivity reasons say it
            from datasafe.checking.sensitivity import reason_text

            kind = reason_text(kind, lang=lang)
        out.append(f"{lab('implies')}" + m("explain.implies_text", kind=kind))
    out += ["", m("explain.detects") + colon, "  " + t("detects"), "",
            m("explain.why") + colon, "  " + t("rationale"), ""]
    if entry.get("parameters"):
        out.append(m("explain.parameters") + colon)
        said = (tr.get("parameters") or {}) if lang != "en" else {}
        for name, spec in entry["parameters"].items():
            if isinstance(spec, dict):
                desc = said.get(name) or spec.get("description", "")
                out.append(f"  {name} = {spec.get('default')!r}  {desc}")
            else:
                out.append(f"  {name} = {spec!r}")
        out.append("")
    out += [f"{lab('guidance')}{_guidance(entry, lang)}", ""]
    from datasafe.checking.catalogue import cited_sources

    cited = cited_sources(entry)
    if cited:
        out.append(m("explain.sources") + colon)
        for key, title, url in cited:
            out.append(f"  {key}: {title}" + (f"\n    {url}" if url else ""))
        out.append("")
    ex = entry.get("examples") or {}
    if ex.get("bad"):
        out += [m("explain.bad") + colon] + ["  " + ln for ln in str(ex["bad"]).rstrip().splitlines()] + [""]
    if ex.get("good"):
        out += [m("explain.good") + colon] + ["  " + ln for ln in str(ex["good"]).rstrip().splitlines()] + [""]
    out += [f"{lab('fix')}{t('fix')}", "", m("explain.plain") + colon, "  " + t("explanation")]
    click.echo("\n".join(out))


@click.group(help="List and show sharing profiles.")
def profiles():
    pass


@profiles.command("list", help="List the shipped profiles with their destination and failing "
                               "severity.")
@lang_option("Language of the descriptions.")
def profiles_list(lang):
    from datasafe.profiles import available_profiles, load_profile
    from datasafe.report.common import Messages

    m = Messages(resolve_lang(lang))
    for name in available_profiles():
        p = load_profile(name)
        # a shipped profile's description in the language; a team's own profile as written
        said = m.raw(f"profile_descriptions.{name}") if m.lang != "en" else None
        desc = " ".join(str(said or p.description).split())
        first = desc.split(". ")[0].split(" : ")[0].split(": ")[0].strip() if desc else ""
        fail = m("profiles.never") if p.never_fail else m("profiles.fails_at",
                                                            level=m.severity(p.fail_on).lower())
        dest = m(f"explain.destinations.{p.destination}") if p.destination else "-"
        click.echo(f"{name:<20} {dest:<11} {fail:<22} {first}")


@profiles.command("show", help="""Show a profile with what it inherits (its resolved YAML).

\b
Examples:
  datasafe profiles show hdx-public
  datasafe profiles show ./my-country-isp.yaml
""")
@click.argument("name")
def profiles_show(name):
    import yaml

    from datasafe.cli import fail
    from datasafe.profiles import ProfileError, load_profile

    try:
        p = load_profile(name)
    except ProfileError as exc:
        fail(str(exc))
        return
    first = {k: p.raw[k] for k in ("name", "description", "extends") if k in p.raw}
    rest = {k: v for k, v in p.raw.items() if k not in first}
    click.echo(yaml.safe_dump({**first, **rest}, allow_unicode=True, sort_keys=False))
