"""Sidecar metadata: ``FILE.datasafe.yaml`` beside a data file, or a ``datasafe`` block in a
Frictionless ``datapackage.json`` in the same folder.

Keys (all optional): ``purpose``, ``sensitivity`` (low|moderate|high|severe), ``isp`` (reference
of the information-sharing protocol or data-sharing agreement), ``consent`` (bool, for contact
lists), ``collected`` (date), ``retain_until`` (date), ``review_date`` (date), ``destination``,
``dia`` (data impact assessment reference) and ``approvals`` (a list written by
``datasafe approve``: ``{by, destination, reason, sha256, profile, verdict, time}``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

SUFFIX = ".datasafe.yaml"


def sidecar_path(data_path: str | os.PathLike) -> Path:
    p = Path(data_path)
    return p.with_name(p.name + SUFFIX)


def load_sidecar(data_path: str | os.PathLike) -> dict[str, Any]:
    """The sidecar declarations for a data file ({} when there are none)."""
    p = sidecar_path(data_path)
    if p.is_file():
        import yaml

        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            return {"_error": f"cannot read sidecar {p.name}"}
        return data if isinstance(data, dict) else {}
    dp = Path(data_path).parent / "datapackage.json"
    if dp.is_file():
        try:
            pkg = json.loads(dp.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        name = Path(data_path).name
        for res in pkg.get("resources", []) or []:
            if isinstance(res, dict) and str(res.get("path", "")).endswith(name):
                block = res.get("datasafe")
                if isinstance(block, dict):
                    return block
        block = pkg.get("datasafe")
        if isinstance(block, dict):
            return block
    return {}


def save_sidecar(data_path: str | os.PathLike, data: dict[str, Any]) -> Path:
    """Write the sidecar atomically (never touches the data file)."""
    import yaml

    from datasafe.atomic import write_text

    p = sidecar_path(data_path)
    clean = {k: v for k, v in data.items() if not str(k).startswith("_")}
    write_text(p, yaml.safe_dump(clean, allow_unicode=True, sort_keys=False))
    return p
