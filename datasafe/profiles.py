"""Profiles: YAML files that select checks, set their parameters and the failing severity, and
name the sharing target. A profile can ``extends:`` another; a user passes a shipped name
(``hdx-public``) or a path to their own YAML file."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasafe.resources import data_dir


class ProfileError(Exception):
    pass


@dataclass
class Profile:
    name: str
    description: str = ""
    destination: str | None = None
    fail_on: str = "high"
    never_fail: bool = False
    explain: bool = False
    checks: dict[str, Any] = field(default_factory=dict)  # id -> {enabled, severity, params}
    params: dict[str, Any] = field(default_factory=dict)  # shared parameters (k, thresholds…)
    raw: dict[str, Any] = field(default_factory=dict)
    # SHA-256 of the profile's resolved content (its own file merged over what it extends): an
    # approval is bound to it, so editing the rules after sign-off voids the sign-off
    sha256: str = ""
    shipped: bool = False  # a profile shipped with datasafe, not a file of the user's

    def param(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)

    def check_config(self, check_id: str) -> dict[str, Any]:
        return self.checks.get(check_id, {}) or {}


def available_profiles() -> list[str]:
    return sorted(p.stem for p in data_dir("profiles").glob("*.yaml"))


def _load_yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ProfileError(f"{path}: cannot read profile: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise ProfileError(f"{path}: a profile must be a YAML mapping")
    return data


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def _resolve(name_or_path: str, seen: set[str]) -> dict[str, Any]:
    p = Path(name_or_path)
    if p.suffix in (".yaml", ".yml") and p.exists():
        path = p
    else:
        path = data_dir("profiles") / f"{name_or_path}.yaml"
        if not path.exists():
            import difflib

            from datasafe.report.common import Phrase

            names = available_profiles()
            near = difflib.get_close_matches(str(name_or_path), names, n=1, cutoff=0.7)
            raise ProfileError(Phrase("fail.unknown_profile_near" if near else
                                      "fail.unknown_profile", name=str(name_or_path),
                                      near=near[0] if near else "",
                                      available=", ".join(names)))
    key = str(path.resolve())
    if key in seen:
        raise ProfileError(f"{path}: profile extends itself")
    seen.add(key)
    data = _load_yaml(path)
    data.setdefault("name", path.stem)
    parent = data.get("extends")
    if parent:
        base = _resolve(str(parent), seen)
        base.pop("name", None)
        base.pop("description", None)
        data = _merge(base, data)
    return data


DESTINATIONS = ("public", "partner", "internal")
_FAIL_ALIASES = {"severe": "critical", "moderate": "medium"}


def _validate(data: dict[str, Any], name: str) -> None:
    """One clear line for the settings a typo would silently break."""
    from datasafe.model import SEVERITIES

    fail_on = str(data.get("fail_on", "high")).strip().lower()
    fail_on = _FAIL_ALIASES.get(fail_on, fail_on)
    if fail_on not in SEVERITIES:
        raise ProfileError(f"profile '{name}': fail_on must be one of {', '.join(SEVERITIES)}, "
                           f"not '{data.get('fail_on')}'")
    data["fail_on"] = fail_on
    dest = data.get("destination")
    if dest is not None and str(dest) not in DESTINATIONS:
        raise ProfileError(f"profile '{name}': destination must be one of "
                           f"{', '.join(DESTINATIONS)}, not '{dest}'")
    for key in ("checks", "params"):
        if data.get(key) is not None and not isinstance(data.get(key), dict):
            raise ProfileError(f"profile '{name}': '{key}' must be a mapping")
    _no_typos(data, name)


PROFILE_KEYS = ("name", "description", "extends", "destination", "fail_on", "never_fail",
                "explain", "params", "checks", "isp", "require_approval",
                "require_declarations", "exclude", "select")
CHECK_KEYS = ("enabled", "severity", "params")


def _no_typos(data: dict[str, Any], name: str) -> None:
    """A near miss of a known key ('extend:', 'destinaton:', 'enabeld:'), a check that does
    not exist or a parameter no check reads would otherwise be ignored without a word: the
    profile would silently not do what its author wrote."""
    import difflib

    from datasafe.checking.catalogue import catalogue

    def near(word: str, known) -> str | None:
        found = difflib.get_close_matches(word, list(known), n=1, cutoff=0.8)
        return found[0] if found else None

    for key in data:
        if key not in PROFILE_KEYS and (hint := near(str(key), PROFILE_KEYS)):
            raise ProfileError(f"profile '{name}': unknown key '{key}' (did you mean "
                               f"'{hint}'?)")
    cat = catalogue()
    # the parameters the checks declare, and the one the risk stage reads beside them
    known_params = {"max_key_vars"}
    for entry in cat.values():
        known_params |= set((entry.get("parameters") or {}).keys())
    for key in data.get("params") or {}:
        if key not in known_params and (hint := near(str(key), known_params)):
            raise ProfileError(f"profile '{name}': unknown parameter '{key}' (did you mean "
                               f"'{hint}'?)")
    for cid, cfg in (data.get("checks") or {}).items():
        # an id, an area prefix ('DR-RET', 'DR-PII-*') or '*' for every check
        prefix = str(cid).rstrip("*")
        if str(cid) not in cat and not any(c.startswith(prefix) for c in cat):
            hint = near(str(cid).upper(), cat)
            raise ProfileError(f"profile '{name}': no check '{cid}'"
                               + (f" (did you mean '{hint}'?)" if hint else
                                  " (see: datasafe checks list)"))
        for key in (cfg or {}) if isinstance(cfg, dict) else ():
            if key not in CHECK_KEYS:
                hint = near(str(key), CHECK_KEYS)
                raise ProfileError(f"profile '{name}': check {cid}: unknown setting '{key}'"
                                   + (f" (did you mean '{hint}'?)" if hint else
                                      f" (known: {', '.join(CHECK_KEYS)})"))


def content_sha256(data: dict[str, Any]) -> str:
    """SHA-256 of a resolved profile's content, independent of key order and YAML layout."""
    import hashlib
    import json

    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str,
                      separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _is_shipped(name_or_path: str) -> bool:
    p = Path(name_or_path)
    return not (p.suffix in (".yaml", ".yml") and p.exists())


def load_profile(name_or_path: str = "default") -> Profile:
    data = _resolve(name_or_path, set())
    name = str(data.get("name", name_or_path))
    _validate(data, name)
    digest = content_sha256(data)
    shipped = _is_shipped(name_or_path)
    if not shipped and name in available_profiles() and \
            digest != load_profile(name).sha256:
        # a file of one's own that takes a shipped profile's name (copied and edited, or
        # 'name: hdx-public') must not pass for it in reports, approvals and the audit trail
        name = f"{name} (local)"
    return Profile(
        name=name,
        sha256=digest,
        shipped=shipped,
        description=str(data.get("description", "")),
        destination=data.get("destination"),
        fail_on=str(data.get("fail_on", "high")),
        never_fail=bool(data.get("never_fail", False)),
        explain=bool(data.get("explain", False)),
        checks=dict(data.get("checks") or {}),
        params=dict(data.get("params") or {}),
        raw=data,
    )
