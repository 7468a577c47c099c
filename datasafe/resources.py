"""Where datasafe's data files live.

The top-level ``checks/`` and ``profiles/`` folders of the repository ship inside the wheel as
``datasafe/_data/checks`` and ``datasafe/_data/profiles``. In a source checkout (editable install
or tests) they are read from the repository itself.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """Folder of shipped data files: ``checks`` or ``profiles``."""
    packaged = PACKAGE_DIR / "_data" / name
    if packaged.is_dir():
        return packaged
    source = PACKAGE_DIR.parent / name
    if source.is_dir():
        return source
    raise FileNotFoundError(f"datasafe data folder '{name}' is missing from the installation")


def package_file(*parts: str) -> Path:
    """A data file kept inside the package itself (lexicons, schema, message catalogues)."""
    return PACKAGE_DIR.joinpath(*parts)
