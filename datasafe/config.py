"""Repository configuration: ``[tool.datasafe]`` in ``pyproject.toml`` or ``.datasafe.yaml`` at the
repository root (the nearest one found walking up from the working directory).
Command-line options win over config."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def find_root(start: str | os.PathLike) -> Path | None:
    p = Path(start).resolve()
    for d in (p, *p.parents):
        if (d / ".datasafe.yaml").is_file() or (d / ".git").exists():
            return d
        if (d / "pyproject.toml").is_file():
            return d
    return None


def load_config(start: str | os.PathLike) -> dict[str, Any]:
    root = find_root(start)
    if root is None:
        return {}
    yml = root / ".datasafe.yaml"
    if yml.is_file():
        import yaml

        data = yaml.safe_load(yml.read_text(encoding="utf-8")) or {}
        if isinstance(data, dict):
            data["_root"] = str(root)
            return data
    pp = root / "pyproject.toml"
    if pp.is_file():
        try:
            import tomllib
        except ImportError:  # Python 3.10
            try:
                import tomli as tomllib  # type: ignore
            except ImportError:
                return {}
        try:
            data = tomllib.loads(pp.read_text(encoding="utf-8"))
        except Exception:  # noqa: BLE001
            return {}
        cfg = data.get("tool", {}).get("datasafe", {})
        if cfg:
            cfg = {k.replace("-", "_"): v for k, v in cfg.items()}
            cfg["_root"] = str(root)
            return cfg
    return {}
