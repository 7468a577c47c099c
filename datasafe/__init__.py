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


# ``datasafe.redact(path_or_dataframe, profile=…, plan=…)``: the package's function (imported
# here so that the attribute is the function, not the sub-package; the import is light).
from datasafe.redact import redact  # noqa: E402
