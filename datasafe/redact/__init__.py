"""Redacted copies: ``datasafe.redact(path_or_dataframe, profile=…, plan=…)``.

Scan → plan (which column gets which treatment, and why) → treatments → a copy in the input's
own format (written atomically, never over the input, formula injection neutralised) → rescan
of the copy with the same profile → redaction log (JSON and a short text summary, no values, no
key). See :mod:`datasafe.redact.plan` for the plan file, :mod:`datasafe.redact.treatments` for
the treatments and :mod:`datasafe.redact.suppress` for local and small-cell suppression.
"""

from __future__ import annotations

from datasafe.redact.engine import (
    KEY_ENV,
    FileRedaction,
    RedactError,
    RedactionResult,
    redact,
    resolve_key,
)
from datasafe.redact.plan import ColumnPlan, Plan, PlanError, TablePlan, load_plan_file

__all__ = ["redact", "RedactionResult", "FileRedaction", "RedactError", "Plan", "TablePlan",
           "ColumnPlan", "PlanError", "load_plan_file", "resolve_key", "KEY_ENV"]


class _CallableModule(__import__("types").ModuleType):
    """``datasafe.redact`` is both this package and the function: calling the package calls
    :func:`redact` (importing a sub-module rebinds the attribute to the package)."""

    def __call__(self, *args, **kwargs):
        return redact(*args, **kwargs)


__import__("sys").modules[__name__].__class__ = _CallableModule
