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
            data = yaml.load(p.read_text(encoding="utf-8"), Loader=_loader()) or {}  # noqa: S506
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
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
            # the resource's own file name: 'other_data.csv' is not 'data.csv'
            if isinstance(res, dict) and str(res.get("path", "")).replace("\\", "/").rsplit(
                    "/", 1)[-1] == name:
                block = res.get("datasafe")
                if isinstance(block, dict):
                    return block
        block = pkg.get("datasafe")
        if isinstance(block, dict):
            return block
    return {}


def _loader():
    """A safe YAML loader that refuses aliases: a sidecar has no use for them, and a few
    hundred bytes of nested aliases expand to minutes of work and gigabytes when read."""
    import yaml

    class NoAliases(yaml.SafeLoader):
        def compose_node(self, parent, index):
            if self.check_event(yaml.AliasEvent):
                raise yaml.YAMLError("aliases are not allowed in a sidecar")
            return super().compose_node(parent, index)

    return NoAliases


def save_sidecar(data_path: str | os.PathLike, data: dict[str, Any]) -> Path:
    """Write the sidecar atomically (never touches the data file)."""
    import yaml

    from datasafe.atomic import write_text

    p = sidecar_path(data_path)
    clean = {k: v for k, v in data.items() if not str(k).startswith("_")}
    write_text(p, yaml.safe_dump(clean, allow_unicode=True, sort_keys=False))
    return p
