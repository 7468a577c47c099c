"""Re-identification risk. (Placeholder until the risk issue lands.)"""

from __future__ import annotations


def assess_table(table, result, options, profile):
    return None
