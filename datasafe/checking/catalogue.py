"""The check catalogue: one YAML file per check in ``checks/`` (shipped as ``datasafe/_data/checks``).

Each entry holds: ``id, title, area, scope, detects, rationale, severity`` (per sharing target:
``public``, ``partner``, ``internal``), optional ``severity_variants``, ``sensitivity`` (data type
of the sensitivity classification it implies), ``parameters`` (name → ``{default, description}``),
``guidance`` (``summary`` and ``citations`` of source key + section of the rules file),
``examples`` (``bad``, ``good``), ``fix``, ``explanation``, ``message`` (a template with
``{placeholders}``), ``fr`` (translations of title, message, fix and explanation) and ``tests``.
"""

from __future__ import annotations

import string
from functools import cache
from typing import Any

RULES_FILE = "shared/guidance/data-responsibility-rules.md"
TRANSLATED = ("title", "message", "fix", "explanation")


@cache
def _load() -> dict[str, dict[str, Any]]:
    import yaml

    from datasafe.resources import data_dir

    # libyaml's loader when present: ~9x faster on the 45 entries (~1 s of every scan otherwise)
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    out: dict[str, dict[str, Any]] = {}
    for path in sorted(data_dir("checks").glob("*.yaml")):
        entry = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}  # noqa: S506
        if isinstance(entry, dict) and "id" in entry:
            entry.setdefault("_path", str(path))
            out[str(entry["id"])] = entry
    tests_dir = data_dir("checks") / "tests"
    if tests_dir.is_dir():
        for path in sorted(tests_dir.glob("*.yaml")):
            cases = yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or []  # noqa: S506
            if path.stem in out and isinstance(cases, list):
                out[path.stem].setdefault("tests", []).extend(cases)
    return out


@cache
def sources() -> dict[str, dict[str, Any]]:
    """Source key → ``{title, url}`` of the documents the checks cite (``checks/sources.yaml``)."""
    import yaml

    from datasafe.resources import data_dir

    path = data_dir("checks") / "sources.yaml"
    if not path.is_file():
        return {}
    doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return dict(doc.get("sources") or {})


def cited_sources(e: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """``(key, title, url)`` of each document a catalogue entry cites, in citation order, once
    each (the project's own rule digest, RULES, is not a document to look up)."""
    g = e.get("guidance") or {}
    out, seen = [], set()
    for c in (g.get("citations") or []) if isinstance(g, dict) else []:
        key = str(c.get("source", "")) if isinstance(c, dict) else ""
        if not key or key == "RULES" or key in seen:
            continue
        seen.add(key)
        src = sources().get(key) or {}
        out.append((key, str(src.get("title") or key), src.get("url")))
    return out


def catalogue(include_tests: bool = False) -> dict[str, dict[str, Any]]:
    """id → the check's catalogue entry (a copy; ``tests`` only when asked)."""
    import copy

    out = {}
    for cid, entry in _load().items():
        e = {k: v for k, v in entry.items() if not k.startswith("_")
             and (include_tests or k != "tests")}
        out[cid] = copy.deepcopy(e)
    return out


def entry(check_id: str) -> dict[str, Any]:
    return _load().get(check_id, {})


class _Params(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def format_message(template: str, params: dict[str, Any]) -> str:
    """Fill ``{placeholders}``; unknown ones become ``?`` (a message never fails to render)."""
    try:
        return string.Formatter().vformat(template or "", (), _Params(params))
    except (ValueError, IndexError, AttributeError):
        return template or ""


def citation(e: dict[str, Any]) -> str:
    """The guidance string of a finding: summary plus source keys and sections."""
    g = e.get("guidance") or {}
    if isinstance(g, str):
        return g
    cites = []
    for c in g.get("citations") or []:
        if isinstance(c, dict):
            src = c.get("source", "")
            if src == "RULES":
                src = "data-responsibility-rules.md"
            sec = c.get("section", "")
            cites.append(f"{src} {sec}".strip())
    summary = str(g.get("summary", "")).strip()
    if cites:
        return f"{summary} [{'; '.join(cites)}]" if summary else "; ".join(cites)
    return summary


# a variant of a check may carry its own texts: ``messages: {variant: …}``, and likewise
# ``titles``, ``fixes`` and ``explanations`` (a risk just under the limit is not 'above' it)
VARIANT_KEYS = {"message": "messages", "title": "titles", "fix": "fixes",
                "explanation": "explanations"}


def text(check_id: str, key: str, lang: str = "en", variant: str | None = None) -> str | None:
    """A catalogue text (title, message, fix, explanation) in ``lang`` (English fallback).
    A variant may carry its own text in ``messages``/``titles``/``fixes``/``explanations``."""
    e = entry(check_id)
    if not e:
        return None
    plural = VARIANT_KEYS.get(key)
    if plural and variant:
        msgs = e.get(plural) or {}
        if lang != "en":
            tr = ((e.get(lang) or {}).get(plural) or {}).get(variant)
            if tr:
                return str(tr)
        if variant in msgs:
            return str(msgs[variant])
    if lang != "en":
        tr = (e.get(lang) or {}).get(key)
        if tr:
            return str(tr)
    val = e.get(key)
    return None if val is None else str(val)


def translate(finding, lang: str = "fr") -> dict[str, str | None]:
    """Title, message, fix and explanation of a finding in ``lang``, from the catalogue and the
    message parameters kept in ``finding.details``. Reports call this for ``--lang fr``."""
    details = dict(getattr(finding, "details", None) or {})
    variant = details.get("variant")
    out: dict[str, str | None] = {}
    for key in TRANSLATED:
        t = text(finding.check, key, lang, variant)
        if t is None:
            out[key] = getattr(finding, key, None)
        else:
            out[key] = format_message(" ".join(t.split()), details)
    return out
