"""The scan pipeline: read → profile → detect → assess risk → check → summary.

Each stage lives in its own module; this one only wires them together, one way.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasafe.concurrency import in_background
from datasafe.model import FileResult, ScanResult
from datasafe.read import (
    ReadError,
    ReadLimits,
    Table,
    error_cause,
    file_format,
    iter_files,
    read_tables,
)

log = logging.getLogger("datasafe")


@dataclass
class ScanOptions:
    """Everything a scan can be told. Command-line options win over config, config over the
    profile's defaults."""

    profile: str | None = None  # a profile name or a path to a profile YAML
    destination: str | None = None  # public | partner | internal
    fail_on: str | None = None  # severity at which the exit code becomes 1
    key_vars: list[str] | None = None
    weight: str | None = None
    household_id: str | None = None
    phone_regions: list[str] | None = None
    ner: str = "auto"  # auto | on | off
    limits: ReadLimits = field(default_factory=ReadLimits)
    config: dict[str, Any] = field(default_factory=dict)
    lang: str = "en"
    root: str | None = None  # repository/working root (for sidecars, git dates, audit)
    progress: Any = None  # callable(path) for a progress display
    baseline: Any = None  # datasafe.baseline.Baseline: its accepted findings do not fail
    engine: str = "local"  # local | stream | dask (datasafe.engines); big files stream anyway

    def resolved_profile(self):
        from datasafe.profiles import load_profile

        return load_profile(self.profile or self.config.get("profile") or "default")


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            b = fh.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def analyse_tables(tables: list[Table], file_result: FileResult, options: ScanOptions,
                   profile) -> None:
    """Profile, detect and assess risk for each table of one file, filling ``file_result``."""
    from datasafe.detect import detect_table
    from datasafe.profiling import profile_table
    from datasafe.risk import assess_table

    for table in tables:
        tres = profile_table(table)
        detect_table(table, tres, options)
        tres.risk = assess_table(table, tres, options, profile)
        file_result.tables.append(tres)


def scan(target: Any, *, options: ScanOptions | None = None, **kwargs: Any) -> ScanResult:
    """Scan files, folders or pandas DataFrames and return a :class:`ScanResult`.

    ``target`` is a path, a list of paths, a DataFrame or a ``{name: DataFrame}`` mapping.
    Keyword arguments set :class:`ScanOptions` fields (``profile="hdx-public"``,
    ``key_vars=[...]``…).
    """
    options = options or ScanOptions()
    for k, v in kwargs.items():
        if not hasattr(options, k):
            raise TypeError(f"unknown scan option: {k}")
        setattr(options, k, v)
    profile = options.resolved_profile()
    from datasafe import __version__

    result = ScanResult(profile=profile.name, tool_version=__version__)
    result.destination = options.destination or profile.destination
    result.fail_on = options.fail_on or options.config.get("fail_on") or profile.fail_on
    tables_by_file: list[tuple[FileResult, list[Table]]] = []

    for fres, tables in _read_all(target, options):
        if fres.error is None and not fres.tables:  # the partitioned engines analyse as they read
            try:
                analyse_tables(tables, fres, options, profile)
            except ReadError as exc:
                fres.error = exc.cause
            except Exception as exc:  # noqa: BLE001 - one bad file never stops the others
                log.debug("analysis failed", exc_info=True)
                fres.error = error_cause("analysis_failed", error=type(exc).__name__)
        result.files.append(fres)
        tables_by_file.append((fres, tables))

    from datasafe.checking import run_checks

    run_checks(result, tables_by_file, options, profile)
    if options.baseline is not None or options.config.get("allow"):
        from datasafe.baseline import apply_acceptance

        apply_acceptance(result, options.config, options.baseline, options.root)
    from datasafe.detect import ner_backend_name

    result.ner_backend = ner_backend_name()
    return result


def _read_all(target: Any, options: ScanOptions):
    """Yield (FileResult, tables) for every input; unreadable files carry ``error``."""
    # a DataFrame exists only once pandas is imported; the readers import it while they parse
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(target, pd.DataFrame):
        from datasafe.read import table_from_dataframe

        t = table_from_dataframe(target)
        yield FileResult(path="<dataframe>", format="dataframe"), [t]
        return
    if isinstance(target, dict):
        from datasafe.read import table_from_dataframe

        tables = [table_from_dataframe(df, name=str(name)) for name, df in target.items()]
        yield FileResult(path="<dataframe>", format="dataframe"), tables
        return
    paths = [target] if isinstance(target, (str, os.PathLike)) else list(target)
    ignore = options.config.get("ignore")
    if options.engine == "dask":  # folders of Parquet files become one dask table each
        from datasafe.engines.dask_engine import split_paths

        datasets, paths = split_paths(paths)
        yield from _engine_results(datasets, options, "dask")
    for path in iter_files(paths):
        if ignore:
            from datasafe.config import is_ignored

            if is_ignored(path, options.config):
                continue
        display = str(path)
        fres = FileResult(path=display, format=file_format(path) or Path(path).suffix.lstrip("."))
        if options.progress:
            options.progress(display)
        try:
            from datasafe.engines import wants_stream

            # the content hash is computed on a second thread while the file is read
            # (hashlib and file reads release the GIL)
            digest = in_background(sha256_file, path)
            if wants_stream(Path(path), options):  # large CSV/Parquet: bounded memory
                tables = _engine_tables(path, fres, options, "stream")
            else:
                tables = read_tables(path, options.limits)
            fres.sha256 = digest.result()
        except ReadError as exc:
            fres.error = exc.cause
            tables = []
        except OSError as exc:
            fres.error = error_cause("cannot_read", cause=exc.strerror or type(exc).__name__)
            tables = []
        yield fres, tables


def _engine_tables(path, fres: FileResult, options: ScanOptions, engine: str) -> list[Table]:
    """Analyse one input with a partitioned engine (:mod:`datasafe.engines`)."""
    from datasafe.engines import run_engine

    return run_engine(path, fres, options, engine)


def _engine_results(datasets, options: ScanOptions, engine: str):
    for path in datasets:
        fres = FileResult(path=str(path), format="parquet")
        if options.progress:
            options.progress(str(path))
        try:
            tables = _engine_tables(path, fres, options, engine)
        except ReadError as exc:
            fres.error = exc.cause
            tables = []
        yield fres, tables
