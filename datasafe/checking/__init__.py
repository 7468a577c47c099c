"""Data-responsibility checks (issue 5).

``run_checks(result, tables_by_file, options, profile)`` fills findings, each file's sensitivity
and the summary; ``catalogue()`` returns the check catalogue (``checks/*.yaml``);
``translate(finding, lang)`` renders a finding's title, message, fix and explanation in another
language from the catalogue and the message parameters kept in ``finding.details``.

Layout: :mod:`.registry` (the ``Check`` base class and ``register``), :mod:`.core` (iteration,
severity per destination, parameter lookup, message formatting, finding creation, summary),
:mod:`.context` (what a check sees), :mod:`.sensitivity` (low/moderate/high/severe),
:mod:`.rules` (the checks, one small class each).
"""

from __future__ import annotations

from datasafe.checking.catalogue import catalogue, translate
from datasafe.checking.core import run_checks

__all__ = ["run_checks", "catalogue", "translate"]
