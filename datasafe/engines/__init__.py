"""Scan engines for data that outgrows the in-memory path.

- ``local`` (default): :mod:`datasafe.read` loads each table whole; used for every file up to
  the streaming threshold.
- ``stream`` (automatic for CSV/TSV and Parquet files larger than the threshold,
  :data:`DEFAULT_STREAM_THRESHOLD_MB`, set with ``DATASAFE_STREAM_THRESHOLD_MB`` or
  ``stream_threshold_mb`` in the config; ``--engine stream`` forces it): the file is read in
  record batches, three times (profile; frequency tables; households), holding only bounded
  state: per-column counters, the 500-value samples, a row sample of
  :data:`~datasafe.engines.core.ROW_SAMPLE` rows, the distinct values' hashes (spilled to a
  temporary folder and counted one column at a time) and the frequency table of key
  combinations (one row per distinct combination, not per record).
- ``dask`` (``--engine dask``): the same passes as dask tasks over the row groups of a Parquet
  file or of a folder of Parquet files (one table), with dask's group-by for the frequency
  tables and distinct counts; see :mod:`datasafe.engines.dask_engine`.

All three give the same report on the same rows when the table has at most ``ROW_SAMPLE``
rows; above that, see the README ("Large files and the dask engine") for what is computed on
the row sample.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

DEFAULT_STREAM_THRESHOLD_MB = 512
ENGINES = ("local", "stream", "dask")


def stream_threshold(options) -> int:
    """Bytes above which a CSV/TSV/Parquet file is scanned by the streaming engine."""
    env = os.environ.get("DATASAFE_STREAM_THRESHOLD_MB")
    cfg = (getattr(options, "config", None) or {}).get("stream_threshold_mb")
    mb = env if env not in (None, "") else cfg
    try:
        mb = float(mb) if mb is not None else DEFAULT_STREAM_THRESHOLD_MB
    except (TypeError, ValueError):
        mb = DEFAULT_STREAM_THRESHOLD_MB
    return int(mb * (1 << 20))


def wants_stream(path: Path, options) -> bool:
    from datasafe.read import file_format

    fmt = file_format(path)
    if fmt not in ("csv", "tsv", "parquet"):
        return False
    try:
        st = path.stat()
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False  # a FIFO or device would block on open: the reader refuses it
    if getattr(options, "engine", "local") == "stream":
        return True
    size = st.st_size
    if fmt != "parquet":
        with open(path, "rb") as fh:
            if fh.read(2) == b"\x1f\x8b":
                return False  # gzip: read whole by the local reader (its size limit applies)
    return size > stream_threshold(options)


class Runner:
    """The three passes over partitions; engines implement them."""

    def profile(self):  # -> (ProfilePart, distinct counts per column)
        raise NotImplementedError

    def freqs(self, plan):  # -> {"freq": DataFrame, "weights"?: Series, "s<j>": DataFrame}
        raise NotImplementedError

    def households(self, plan, lookup):  # -> DataFrame indexed by household: log, n
        raise NotImplementedError


def analyse(runner: Runner, fres, layout, options, profile, name=None):
    """Profile, detect and assess risk of one partitioned table into ``fres``; returns the
    row-sample ``Table`` that the checks read."""
    from datasafe.detect import detect_table
    from datasafe.engines.core import table_result
    from datasafe.engines.risk import (
        combo_lookup,
        pattern_measures,
        plan_risk,
        risk_result,
        weight_median,
    )
    from datasafe.risk import assess_table

    prof, distinct = runner.profile()
    tres, table = table_result(prof, name, layout.headers, layout.keys, layout.hxl, distinct,
                               header_row=layout.header_row, hxl_row=layout.hxl_row)
    table.meta.update(layout.meta)
    detect_table(table, tres, options)
    plan, ctx = plan_risk(table, tres, options, profile)
    if plan is None:
        tres.risk = assess_table(table, tres, options, profile) if ctx == "aggregate" else None
    else:
        freqs = runner.freqs(plan)
        wmed = None
        if plan.weight is not None:
            wmed = weight_median(freqs)
            wcol = ctx["weight_col"]
            if wmed is None:
                ctx["notes"].append(f"weight column '{wcol.name}' holds no positive number; "
                                    "risk computed without weights")
                plan.weight = None
                ctx["weight_col"] = None
            else:
                bad = int(freqs["freq"]["__bad"].sum())
                if bad:
                    ctx["notes"].append(f"{bad} records with a missing or invalid weight got "
                                        "the median weight")
        measures = pattern_measures(freqs["freq"], plan, wmed)
        hh = None
        if plan.household is not None:
            hh = runner.households(plan, combo_lookup(freqs["freq"], plan, measures[5]))
        tres.risk = risk_result(freqs, plan, ctx, measures, hh)
    fres.tables.append(tres)
    return table


def run_engine(path, fres, options, engine: str) -> list[Any]:
    """Analyse one input (a file, or for dask a Parquet file or folder) with a partitioned
    engine into ``fres``; returns the row-sample tables for the checks. Read problems raise
    ``ReadError``; any other failure becomes ``fres.error`` (one bad input never stops the
    others)."""
    import logging

    from datasafe.read import ReadError

    profile = options.resolved_profile()
    fres.extra["engine"] = engine
    if engine == "dask":
        from datasafe.engines.dask_engine import DaskRunner

        runner = DaskRunner.for_path(Path(path), options)
    else:
        from datasafe.engines.stream import StreamRunner

        runner = StreamRunner.for_path(Path(path), options)
    try:
        return [analyse(runner, fres, runner.layout, options, profile)]
    except ReadError:
        raise
    except MemoryError:
        raise ReadError(path, "out of memory in the partitioned engine") from None
    except Exception as exc:  # noqa: BLE001
        logging.getLogger("datasafe").debug("engine failed", exc_info=True)
        fres.error = f"analysis failed: {type(exc).__name__}"
        fres.tables.clear()
        return []
    finally:
        runner.close()
