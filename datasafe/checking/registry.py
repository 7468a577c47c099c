"""The check registry.

A check is one small class registered by id. It looks at one column, one table or one file and
yields :class:`Hit` objects: *where* it fired and the parameters of its message. Everything else —
iterating over files, tables and columns, looking up parameters in the profile, choosing the
severity for the destination, formatting the message, creating the :class:`~datasafe.model.Finding`
— is done by :mod:`datasafe.checking.core`, so a check stays a few lines long::

    @register
    class PhoneNumbers(Check):
        '''Phone numbers in row-level data.

        Bad:  ``name,phone`` / ``Amina,+243812345678``
        Good: ``village,households`` / ``Kalemie,120``
        '''
        id = "DR-PII-02"
        scope = "column"

        def check_column(self, ctx, col):
            if ctx.row_level and ctx.has_entity(col, "PHONE_NUMBER"):
                yield Hit(column=col)

The catalogue entry (``checks/DR-PII-02.yaml``) holds the title, severities, parameters with
their defaults, message template, guidance, fix, explanation and French translations.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

REGISTRY: dict[str, type[Check]] = {}


class Hit:
    """One place where a check fired.

    ``column`` is a :class:`~datasafe.model.ColumnResult` (or None for a table/file finding);
    ``variant`` picks a severity variant of the catalogue entry (``severity_variants``);
    ``params`` fill the message template (never raw values of direct or sensitive columns);
    ``sensitivity`` names a data type of the sensitivity classification (overrides the entry's).
    """

    def __init__(self, column: Any = None, variant: str | None = None,
                 sensitivity: str | None = None, at_table: tuple | None = None, **params: Any):
        self.column = column
        self._table = at_table  # (Table, TableResult) for a file-level check's table finding
        self.variant = variant
        self.sensitivity = sensitivity
        self.params = params

    def __repr__(self) -> str:
        col = getattr(self.column, "name", self.column)
        return f"Hit(column={col!r}, variant={self.variant!r}, params={self.params!r})"


class Check:
    """Base class: set ``id`` and ``scope`` and implement the matching ``check_*`` method."""

    id: str = ""
    scope: str = "table"  # column | table | file
    phase: int = 1  # 1: content checks; 2: file-level checks that need the file's sensitivity

    def check_column(self, ctx, col) -> Iterable[Hit]:  # pragma: no cover - interface
        return ()

    def check_table(self, ctx) -> Iterable[Hit]:  # pragma: no cover - interface
        return ()

    def check_file(self, ctx) -> Iterable[Hit]:  # pragma: no cover - interface
        return ()


def register(cls: type[Check]) -> type[Check]:
    if not cls.id:
        raise ValueError(f"{cls.__name__} has no id")
    if cls.id in REGISTRY and REGISTRY[cls.id] is not cls:
        raise ValueError(f"duplicate check id {cls.id}")
    REGISTRY[cls.id] = cls
    return cls


def all_checks() -> dict[str, type[Check]]:
    """Every registered check, by id (imports the rule modules on first use)."""
    import datasafe.checking.rules  # noqa: F401 - registers the checks

    return dict(sorted(REGISTRY.items()))
