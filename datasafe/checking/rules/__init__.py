"""The checks, one small registered class each, grouped by area (the catalogue's ``area``)."""

from datasafe.checking.rules import (  # noqa: F401 - importing registers the checks
    aggregates,
    deid,
    dii,
    geo,
    hxl,
    pii,
    retention,
    transfer,
)
