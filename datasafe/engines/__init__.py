"""Scan engines for data that outgrows the in-memory path.

- ``local`` (default): :mod:`datasafe.read` loads each table whole; used for every file up to
  the streaming threshold.
- ``stream`` (automatic for CSV/TSV and Parquet files larger than the threshold,
  :data:`DEFAULT_STREAM_THRESHOLD_MB`, set with ``DATASAFE_STREAM_THRESHOLD_MB`` or
  ``stream_threshold_mb`` in the config; ``--engine stream`` forces it): the file is read in
  record batches, twice (profile; risk), holding only bounded state: per-column counters, the
  500-value samples, a row sample of :data:`~datasafe.engines.core.ROW_SAMPLE` rows, and one
  bucket at a time of what is spilled to a temporary folder: the distinct values' hashes, the
  frequency table of key combinations and the (combination, household) of every record, split
  by hash into buckets of about :data:`~datasafe.engines.stream.BUCKET_ROWS` rows (see
  :mod:`datasafe.engines.stream`).
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
    if fmt != "parquet":
        with open(path, "rb") as fh:
            if fh.read(2) == b"\x1f\x8b":
                # gzip: read whole by the local reader (its uncompressed size limit applies),
                # also under --engine stream, rather than refused
                return False
    if getattr(options, "engine", "local") == "stream":
        return True
    return st.st_size > stream_threshold(options)


class Runner:
    """The passes over partitions; engines implement them."""

    _tmp = None  # the run's spill folder, made on first use (:meth:`_folder`)

    def _folder(self) -> Path:
        """The run's private spill folder (:mod:`datasafe.engines.spill`), made on first use
        after removing the folders of killed runs."""
        if self._tmp is None:
            from datasafe.engines import spill

            self._tmp = spill.create()
        return self._tmp.path

    def close(self) -> None:
        """Remove the spill folder (engines with more to release extend this)."""
        if self._tmp is not None:
            self._tmp.close()
            self._tmp = None

    def profile(self):  # -> (ProfilePart, distinct counts per column)
        raise NotImplementedError

    def freqs(self, plan):  # -> {"freq": DataFrame, "weights"?: Series, "s<j>": DataFrame}
        raise NotImplementedError

    def households(self, plan, lookup):  # -> DataFrame indexed by household: log, n
        raise NotImplementedError

    def assess(self, plan, ctx):
        """The ``RiskResult`` of the key combinations. This default holds the whole frequency
        table (one bucket); the streaming engine overrides it with a bucketed, out-of-core
        version, the dask engine with buckets pulled one at a time from its workers."""
        return self.accumulate(plan, ctx, self.freqs(plan))

    def accumulate(self, plan, ctx, freqs):
        """The ``RiskResult`` of a whole frequency table (``freqs`` as :meth:`freqs` returns)."""
        from datasafe.engines.risk import (
            RiskAccumulator,
            freq_codes,
            weight_median,
            weight_notes,
        )

        freq = freqs["freq"]
        bad = int(freq["__bad"].sum()) if plan.weight is not None else 0
        wmed = weight_notes(plan, ctx, weight_median(freqs), bad)
        missing = bool(len(freq)) and bool((freq_codes(freq, plan) < 0).any())
        acc = RiskAccumulator(plan, ctx, wmed, missing)
        pairs = {j: freqs[f"s{j}"] for j in range(len(plan.sensitive))}
        lookup = acc.bucket(freq, pairs)
        if plan.household is not None:
            hh = self.households(plan, lookup)
            acc.households(hh["log"].to_numpy(dtype=float), hh["n"].to_numpy(dtype=float))
        return acc.result()


def analyse(runner: Runner, fres, layout, options, profile, name=None):
    """Profile, detect and assess risk of one partitioned table into ``fres``; returns the
    row-sample ``Table`` that the checks read."""
    from datasafe.detect import detect_table
    from datasafe.engines.core import table_result
    from datasafe.engines.risk import plan_risk
    from datasafe.risk import assess_table

    prof, distinct = runner.profile()
    tres, table = table_result(prof, name, layout.headers, layout.keys, layout.hxl, distinct,
                               header_row=layout.header_row, hxl_row=layout.hxl_row)
    table.meta.update(layout.meta)
    if layout.meta.get("headerless"):
        from datasafe.read import note

        tres.notes.append(note("headerless"))
    if layout.meta.get("masked_headers"):
        from datasafe.read import person_headers_note

        tres.notes.append(person_headers_note([layout.headers[i]
                                               for i in layout.meta["masked_headers"]]))
    detect_table(table, tres, options)
    plan, ctx = plan_risk(table, tres, options, profile)
    if plan is None:
        tres.risk = assess_table(table, tres, options, profile) if ctx == "aggregate" else None
    else:
        tres.risk = runner.assess(plan, ctx)
    fres.tables.append(tres)
    return table


def run_engine(path, fres, options, engine: str) -> list[Any]:
    """Analyse one input (a file, or for dask a Parquet file or folder) with a partitioned
    engine into ``fres``; returns the row-sample tables for the checks. Read problems raise
    ``ReadError``; any other failure becomes ``fres.error`` (one bad input never stops the
    others)."""
    import logging

    from datasafe.read import ReadError, error_cause

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
        raise ReadError(path, error_cause("engine_memory")) from None
    except Exception as exc:  # noqa: BLE001
        logging.getLogger("datasafe").debug("engine failed", exc_info=True)
        fres.error = error_cause("analysis_failed", error=type(exc).__name__)
        fres.tables.clear()
        return []
    finally:
        runner.close()
