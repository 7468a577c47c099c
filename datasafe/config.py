"""Repository configuration: ``[tool.datasafe]`` in ``pyproject.toml`` or ``.datasafe.yaml`` at the
repository root (the nearest one found walking up from the working directory).
Command-line options win over config.

Keys (all optional)::

    profile: hdx-public            # a shipped profile name or a path to a profile YAML
    fail_on: high                  # lowest severity that fails the run / the hook
    destination: public            # public | partner | internal
    ignore: ["archive/**", "*.tmp.csv"]   # paths or globs (relative to the root) never scanned
    key_vars: [Age, Sex, Village]  # key variables for the re-identification risk
    phone_regions: [CD, NG]        # phone regions to try for local numbers
    baseline: .datasafe-baseline.json     # where the accepted findings are kept
    lang: fr                       # language of reports, summaries and the hook's message
    allow:                         # per-column allow-list; every entry needs a reason
      - file: data/aggregates.csv  # path or glob (required)
        sheet: Sheet1              # optional (Excel)
        column: District           # optional: header, or glob
        check: DR-PII-*            # optional: check id, or glob
        reason: admin-2 names are public
    approvers:                     # who may approve; approvals must then be signed
      "A. Diallo": ed25519:3q2+7w…   # the line `datasafe keygen --approver` prints

Hyphenated keys (``fail-on``) are accepted as well. A malformed file or an allow-list entry
without a reason raises :class:`ConfigError` (the command line exits 2 with its message).
Unknown keys are kept so that other features can add their own, except one that is a near
miss of a known key (``profle:``): that is a typo, refused with the key it resembles, as it
would otherwise be silently ignored.
"""

from __future__ import annotations

import os
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Any

SEVERITIES = ("critical", "high", "medium", "low", "info")
KNOWN_KEYS = ("profile", "fail_on", "destination", "ignore", "key_vars", "weight",
              "household_id", "phone_regions", "baseline", "lang", "allow", "limits",
              "lexicon", "value_lists", "given_names", "approvers")
ALLOW_FIELDS = ("file", "sheet", "column", "check", "reason")


class ConfigError(ValueError):
    """A configuration file that cannot be used. ``str(err)`` is one line naming file and cause."""


def find_root(start: str | os.PathLike) -> Path | None:
    p = Path(start).resolve()
    if p.is_file():
        p = p.parent
    for d in (p, *p.parents):
        if (d / ".datasafe.yaml").is_file() or (d / ".git").exists():
            return d
        if (d / "pyproject.toml").is_file():
            return d
    return None


def approvers_for(path: str | os.PathLike) -> tuple[dict[str, str], str | None]:
    """The approvers that govern ``path``, and the file that lists them (``({}, None)`` when
    none does): the **outermost** configuration above the file that has an ``approvers`` key
    (``.datasafe.yaml`` or ``[tool.datasafe]``). A configuration added deeper down, in the data
    folder, can neither remove the repository's approvers nor add its own (a review found
    that a bare ``.datasafe.yaml`` beside the data hid them, and an unsigned approval passed).
    Raises :class:`ConfigError` for a malformed list."""
    p = Path(path).resolve()
    if not p.is_dir():
        p = p.parent
    for d in reversed((p, *p.parents)):
        for name in (".datasafe.yaml", "pyproject.toml"):
            f = d / name
            if not f.is_file():
                continue
            raw = _raw_approvers(f)
            if raw is not _ABSENT:
                return _validate_approvers(raw, str(f)), str(f)
    return {}, None


_ABSENT = object()


def _raw_approvers(f: Path) -> Any:
    """The ``approvers`` value of one configuration file (None when written empty), or
    ``_ABSENT`` when it has no such key."""
    try:
        text = f.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return _ABSENT
    if "approvers" not in text:
        return _ABSENT
    if f.name == "pyproject.toml":
        cfg = _tool_table(text, f)
    else:
        import yaml

        try:
            cfg = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{f}: not valid YAML: {str(exc).splitlines()[0]}") from None
    return cfg.get("approvers") if isinstance(cfg, dict) and "approvers" in cfg else _ABSENT


def load_config(start: str | os.PathLike, *, validate: bool = True) -> dict[str, Any]:
    """The configuration of the repository containing ``start`` (``{}`` when there is none).

    ``_root`` (the repository root) and ``_source`` (the file read) are added to a non-empty
    configuration. Raises :class:`ConfigError` when the file is malformed."""
    root = find_root(start)
    if root is None:
        return {}
    yml = root / ".datasafe.yaml"
    if yml.is_file():
        import yaml

        try:
            data = yaml.load(yml.read_text(encoding="utf-8"),  # noqa: S506
                             Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{yml}: cannot read: {exc}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"{yml}: not valid YAML: {str(exc).splitlines()[0]}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{yml}: must be a mapping of settings (key: value)")
        return _finish(data, root, yml, validate)
    pp = root / "pyproject.toml"
    if pp.is_file():
        try:
            text = pp.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return {}
        if "datasafe" not in text:  # cheap: no TOML parsing for projects without our table
            return {}
        cfg = _tool_table(text, pp)
        if cfg is None:
            return {}
        if not isinstance(cfg, dict):
            raise ConfigError(f"{pp}: [tool.datasafe] must be a table")
        if cfg:
            return _finish(dict(cfg), root, pp, validate)
    return {}


def _tool_table(text: str, source: Path) -> Any:
    """``[tool.datasafe]`` of a pyproject.toml's text ({} when it has none; None when no TOML
    parser is installed, on Python 3.10 without tomli). Raises :class:`ConfigError` for text
    that is not TOML."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        try:
            import tomli as tomllib  # type: ignore
        except ImportError:
            return None
    try:
        data = tomllib.loads(text)
    except Exception as exc:  # noqa: BLE001
        raise ConfigError(f"{source}: not valid TOML: {exc}") from None
    return data.get("tool", {}).get("datasafe", {})


def _finish(data: dict[str, Any], root: Path, source: Path, validate: bool) -> dict[str, Any]:
    data = {str(k).replace("-", "_"): v for k, v in data.items()}
    if validate:
        data = validate_config(data, str(source))
    data["_root"] = str(root)
    data["_source"] = str(source)
    return data


def _str_list(value: Any, key: str, source: str) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, (list, tuple)) and all(isinstance(v, (str, int)) for v in value):
        return [str(v).strip() for v in value if str(v).strip()]
    raise ConfigError(f"{source}: '{key}' must be a list of strings (or one comma-separated "
                      "string)")


def validate_config(data: dict[str, Any], source: str = "config") -> dict[str, Any]:
    """Check and normalise a configuration mapping (lists become lists of strings)."""
    import difflib

    out = dict(data)
    for key in out:
        norm = str(key).replace("-", "_")
        if norm.startswith("_") or norm in KNOWN_KEYS:
            continue
        near = difflib.get_close_matches(norm, KNOWN_KEYS, n=1, cutoff=0.8)
        if near:
            raise ConfigError(f"{source}: unknown key '{key}' (did you mean '{near[0]}'?)")
    for key in ("profile", "destination", "weight", "household_id", "baseline"):
        if key in out and out[key] is not None and not isinstance(out[key], str):
            raise ConfigError(f"{source}: '{key}' must be a string")
    if out.get("fail_on") is not None:
        fo = str(out["fail_on"]).lower()
        if fo not in SEVERITIES:
            raise ConfigError(f"{source}: 'fail_on' must be one of {', '.join(SEVERITIES)} "
                              f"(got '{out['fail_on']}')")
        out["fail_on"] = fo
    if out.get("destination") is not None and out["destination"] not in (
            "public", "partner", "internal"):
        raise ConfigError(f"{source}: 'destination' must be public, partner or internal")
    for key in ("ignore", "key_vars"):
        if out.get(key) is not None:
            out[key] = _str_list(out[key], key, source)
    if out.get("phone_regions") is not None:
        out["phone_regions"] = [r.upper() for r in _str_list(out["phone_regions"],
                                                              "phone_regions", source)]
    if out.get("allow") is not None:
        out["allow"] = _validate_allow(out["allow"], source)
    if "approvers" in out:  # an empty list would turn the check of signatures off
        out["approvers"] = _validate_approvers(out["approvers"], source)
    if out.get("lang") is not None:
        from datasafe.report import languages

        lang = str(out["lang"]).strip().lower()
        if lang not in languages():
            raise ConfigError(f"{source}: 'lang' must be one of {', '.join(languages())} "
                              f"(got '{out['lang']}')")
        out["lang"] = lang
    return out


def _validate_approvers(entries: Any, source: str) -> dict[str, str]:
    import base64
    import unicodedata

    if not isinstance(entries, dict) or not entries:
        raise ConfigError(f"{source}: 'approvers' must map each approver's name to the public "
                          "key `datasafe keygen --approver NAME` printed (an empty list would "
                          "turn the check of signatures off)")
    out = {}
    for name, key in entries.items():
        name = unicodedata.normalize("NFC", str(name).strip())
        if name in out:
            raise ConfigError(f"{source}: approver '{name}' is listed twice")
        text = str(key or "").strip()
        try:
            ok = text.startswith("ed25519:") and len(base64.b64decode(text[8:],
                                                                       validate=True)) == 32
        except ValueError:
            ok = False
        if not name or not ok:
            raise ConfigError(f"{source}: approver '{name}': not an ed25519 public key (the "
                              "line `datasafe keygen --approver NAME` printed)")
        out[name] = text
    return out


def _validate_allow(entries: Any, source: str) -> list[dict[str, Any]]:
    if isinstance(entries, dict):
        entries = [entries]
    if not isinstance(entries, list):
        raise ConfigError(f"{source}: 'allow' must be a list of entries "
                          "{file, sheet, column, check, reason}")
    out = []
    for i, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise ConfigError(f"{source}: allow entry {i} must be a mapping with file, column, "
                              "check and reason")
        unknown = sorted(set(entry) - set(ALLOW_FIELDS))
        if unknown:
            raise ConfigError(f"{source}: allow entry {i}: unknown field(s) {', '.join(unknown)} "
                              f"(allowed: {', '.join(ALLOW_FIELDS)})")
        reason = entry.get("reason")
        where = entry.get("column") or entry.get("file") or "?"
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{source}: allow entry {i} ({where}) has no reason: every "
                              "allow-list entry must say why the finding is acceptable "
                              "(reason: ...)")
        if not isinstance(entry.get("file"), str) or not entry["file"].strip():
            raise ConfigError(f"{source}: allow entry {i} ({where}) needs 'file' (a path or "
                              "glob relative to the repository root; '**' for every file)")
        for key in ("sheet", "column", "check"):
            if entry.get(key) is not None and not isinstance(entry[key], (str, int)):
                raise ConfigError(f"{source}: allow entry {i}: '{key}' must be a string")
        out.append({k: (None if entry.get(k) is None else str(entry[k]).strip())
                    for k in ALLOW_FIELDS})
    return out


# ---------------------------------------------------------------------------------------------
# Paths


def relative_path(path: str | os.PathLike, root: str | os.PathLike | None) -> str:
    """``path`` relative to ``root`` with forward slashes (as given when outside the root)."""
    p = Path(path)
    if root is not None:
        try:
            return Path(os.path.abspath(p)).relative_to(os.path.abspath(root)).as_posix()
        except ValueError:
            try:
                return p.resolve().relative_to(Path(root).resolve()).as_posix()
            except (ValueError, OSError):
                pass
    return p.as_posix()


def glob_match(rel: str, pattern: str) -> bool:
    """gitignore-like matching of a path relative to the root: a pattern without ``/`` matches a
    file or folder name at any depth, one with ``/`` (or starting with ``/``) is anchored at the
    root, a trailing ``/`` matches folders only, ``*`` stays within one folder, ``**`` crosses
    folders, and a matching folder covers everything below it."""
    pat = pattern.strip().replace("\\", "/")
    if pat.startswith("./"):
        pat = pat[2:]
    dir_only = pat.endswith("/")
    anchored = pat.startswith("/") or "/" in pat.strip("/")
    pat = pat.strip("/")
    if not pat:
        return False
    parts = PurePosixPath(rel.replace("\\", "/").lstrip("/")).parts
    n = len(parts)
    for i in range(1, n + 1):
        subject = "/".join(parts[:i]) if anchored else parts[i - 1]
        if dir_only and i == n:
            continue
        if _glob(subject, pat):
            return True
    return False


def _glob(name: str, pattern: str) -> bool:
    if "**" in pattern:
        # '**/' may match nothing; otherwise fnmatch's '*' already crosses '/'
        return fnmatchcase(name, pattern) or fnmatchcase(name, pattern.replace("**/", ""))
    if fnmatchcase(name, pattern):
        # '*' must not cross folders
        return name.count("/") == pattern.count("/")
    return False


def is_ignored(path: str | os.PathLike, config: dict[str, Any]) -> bool:
    patterns = config.get("ignore") or []
    if not patterns:
        return False
    rel = relative_path(path, config.get("_root"))
    return any(glob_match(rel, pat) for pat in patterns)


def allow_entry_for(config: dict[str, Any], rel_file: str, sheet: str | None,
                    column: str | None, check: str) -> dict[str, Any] | None:
    """The first allow-list entry that covers this finding, or None."""
    for entry in config.get("allow") or []:
        if not glob_match(rel_file, entry["file"]) and entry["file"] not in ("*", "**"):
            continue
        if entry.get("sheet") is not None and not fnmatchcase(str(sheet or ""), entry["sheet"]):
            continue
        if entry.get("column") is not None and not fnmatchcase(str(column or ""),
                                                               entry["column"]):
            continue
        if entry.get("check") is not None and not fnmatchcase(check, entry["check"]):
            continue
        return entry
    return None
