"""datasafe: check humanitarian data files for personal and sensitive data before they are shared.

    >>> import datasafe
    >>> result = datasafe.scan("beneficiaries.xlsx", profile="hdx-public")
    >>> result.summary.sensitivity
    'severe'

Heavy modules (pandas, spaCy, Presidio) are imported only when a scan needs them.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["scan", "redact", "__version__"]


def scan(target, **kwargs):
    """Scan a path, a list of paths, a pandas DataFrame or a ``{name: DataFrame}`` mapping.

    Returns a :class:`datasafe.model.ScanResult`; ``.to_dict()`` gives the JSON report.
    """
    from datasafe.pipeline import scan as _scan

    return _scan(target, **kwargs)


def __getattr__(name):
    # ``datasafe.redact(path_or_dataframe, profile=…, plan=…)``: imported on first use, so that
    # ``import datasafe`` (and the pre-commit hook) stays light. The sub-package is a callable
    # module, so the attribute works whether Python bound it to the package or the function.
    if name in ("redact", "gx"):  # datasafe.gx.check_batch(...) after a plain import datasafe
        import importlib

        return importlib.import_module(f"datasafe.{name}")
    raise AttributeError(f"module 'datasafe' has no attribute {name!r}")
