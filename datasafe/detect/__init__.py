"""Detection: classify every column as direct identifier, quasi-identifier, sensitive attribute
or none. (Placeholder until the detection issue lands: every role is ``none``.)"""

from __future__ import annotations


def detect_table(table, result, options) -> None:
    """Fill ``role``, ``entities`` and masked ``examples`` of each column of ``result``."""
    return None


def ner_backend_name() -> str | None:
    return None
