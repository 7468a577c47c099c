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


class OptionError(ValueError):
    """A scan option that cannot be used as given: a value that is not one of its choices, or a
    column name that is in none of the tables read (a typo must not quietly weaken the risk
    measure). ``option`` is the option's name in :class:`ScanOptions` (the command line says
    which flag or config key it came from); the message is a
    :class:`~datasafe.report.common.Phrase`."""

    def __init__(self, message, option: str, name: str | None = None, columns: str = ""):
        super().__init__(message)
        self.option, self.name, self.columns = option, name, columns


CHOICES = {
    "fail_on": ("critical", "high", "medium", "low", "info"),
    "destination": ("public", "partner", "internal"),
    "ner": ("auto", "on", "off"),
    "engine": ("local", "stream", "dask"),
}


def _names(value) -> list[str]:
    """Column names given as a list or as one comma-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [str(v).strip() for v in value if str(v).strip()]


def check_choices(options: ScanOptions) -> None:
    """Refuse an option value that is not one of its choices (``fail_on="Medium"`` quietly
    meant "high", ``destination="Public"`` "not public")."""
    from datasafe.report.common import Phrase

    for name, allowed in CHOICES.items():
        value = getattr(options, name)
        if value is not None and value not in allowed:
            raise OptionError(Phrase("fail.bad_choice", option=name, value=str(value),
                                     allowed=", ".join(allowed)), name)


def check_named_columns(result: ScanResult, options: ScanOptions) -> None:
    """Every column named by ``key_vars``, ``weight`` or ``household_id`` must be in one of the
    tables read, and a sampling weight must not be a direct identifier (phone numbers as
    weights made every record look safe)."""
    from datasafe.report.common import Phrase
    from datasafe.risk.keys import resolve_column

    tables = [t for f in result.files if not f.error for t in f.tables]
    if not tables:
        return
    named = [("key_vars", n) for n in _names(options.key_vars)]
    named += [(opt, str(v).strip()) for opt, v in (("weight", options.weight),
                                                   ("household_id", options.household_id))
              if v and str(v).strip().lower() not in ("none", "off", "no", "false", "-")]
    for opt, name in named:
        found = [c for t in tables for c in [resolve_column(t, name)] if c is not None]
        if not found:
            columns = ", ".join(dict.fromkeys(c.name for t in tables for c in t.columns))
            if len(columns) > 300:
                columns = columns[:300] + "…"
            raise OptionError(Phrase("fail.no_column", option=opt, name=name, columns=columns),
                              opt, name, columns)
        if opt == "weight" and any(c.role == "direct" for c in found):
            c = next(c for c in found if c.role == "direct")
            what = c.entities[0].type if c.entities else "direct identifier"
            raise OptionError(Phrase("fail.weight_direct", option=opt, name=name, entity=what),
                              opt, name)


def sha256_file(path: str | os.PathLike, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while True:
            b = fh.read(chunk)
            if not b:
                break
            h.update(b)
    return h.hexdigest()


def _profile_and_analyse(table: Table, options: ScanOptions):
    """The table's profile, and the detectors' per-column step run on each column by the worker
    that profiled it (see :func:`datasafe.detect.column_analyser`)."""
    from datasafe.detect import column_analyser
    from datasafe.profiling import profile_table

    if not table.keys:  # nothing to detect: no word list loaded (as before)
        return profile_table(table), None
    analyse = column_analyser(table, options)
    analysed: dict[int, Any] = {}

    def then(col) -> None:
        analysed[col.index] = analyse(col)

    tres = profile_table(table, then=then)
    return tres, [analysed[c.index] for c in tres.columns]


def analyse_tables(tables: list[Table], file_result: FileResult, options: ScanOptions,
                   profile) -> None:
    """Profile, detect and assess risk for each table of one file, filling ``file_result``."""
    from datasafe.detect import detect_table
    from datasafe.risk import assess_table

    for table in tables:
        tres, analysed = _profile_and_analyse(table, options)
        detect_table(table, tres, options, analysed)
        tres.risk = assess_table(table, tres, options, profile)
        file_result.tables.append(tres)


def _import_detectors() -> None:
    import datasafe.detect.values  # noqa: F401
    import datasafe.profiling  # noqa: F401


def _import_phone_metadata() -> None:
    import phonenumbers  # noqa: F401


def _import_risk_and_checks() -> None:
    import datasafe.checking  # noqa: F401
    import datasafe.risk  # noqa: F401


def warm_up_analysis() -> None:
    """Ask for what the analysis loads after the read to be loaded while pyarrow reads a big
    CSV (the main thread would otherwise wait for it, 0.1-0.5 s on the 1M benchmark): the
    header word lists, the detectors, the phone metadata, the risk and check modules."""
    from datasafe.concurrency import when_idle
    from datasafe.detect.headers import load_word_lists

    for task in (load_word_lists, _import_detectors, _import_phone_metadata,
                 _import_risk_and_checks):
        when_idle(task)


def scan(target: Any, *, options: ScanOptions | None = None, named_columns: bool = True,
         **kwargs: Any) -> ScanResult:
    """Scan files, folders or pandas DataFrames and return a :class:`ScanResult`.

    ``target`` is a path, a list of paths, a DataFrame or a ``{name: DataFrame}`` mapping.
    Keyword arguments set :class:`ScanOptions` fields (``profile="hdx-public"``,
    ``key_vars=[...]``…). ``options`` is not changed: the keyword arguments apply to a copy.

    Raises :class:`OptionError` (a ``ValueError``) for an option value that is not one of its
    choices, and, once the files are read, for a column named in ``key_vars``, ``weight`` or
    ``household_id`` that none of them has (``named_columns=False``: not checked — a
    redaction's proof scan, whose copy no longer has the columns it dropped).
    """
    import copy

    options = copy.copy(options) if options is not None else ScanOptions()
    for k, v in kwargs.items():
        if not hasattr(options, k):
            raise TypeError(f"unknown scan option: {k}")
        setattr(options, k, v)
    check_choices(options)
    target = _checked_target(target)
    profile = options.resolved_profile()
    from datasafe import __version__

    result = ScanResult(profile=profile.name, profile_sha256=profile.sha256 or None,
                        tool_version=__version__)
    result.root = options.config.get("_root") or options.root
    result.destination = options.destination or profile.destination
    result.fail_on = options.fail_on or options.config.get("fail_on") or profile.fail_on
    tables_by_file: list[tuple[FileResult, list[Table]]] = []

    from datasafe.detect.headers import project_lists

    with project_lists(options):  # the project's name lists, for headers that are names
        warm_up_analysis()
        for fres, tables in _read_all(target, options):
            if fres.error is None and not fres.tables:  # partitioned engines analyse as they read
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

    if named_columns:
        check_named_columns(result, options)
    run_checks(result, tables_by_file, options, profile)
    if options.baseline is not None or options.config.get("allow"):
        from datasafe.baseline import apply_acceptance

        apply_acceptance(result, options.config, options.baseline, options.root)
    from datasafe.detect import ner_backend_name

    result.ner_backend = ner_backend_name()
    return result


def _checked_target(target: Any) -> Any:
    """A path, paths, a DataFrame or a ``{name: DataFrame}`` mapping; anything else (a pandas
    Series, whose values would be taken for file names and echoed) is refused without a word
    of its content."""
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(target, (pd.Series, pd.Index)):
        raise TypeError("scan() takes a path, a list of paths, a DataFrame or a {name: "
                        "DataFrame} mapping, not a pandas Series: use series.to_frame()")
    if isinstance(target, (str, os.PathLike, dict)) or (
            pd is not None and isinstance(target, pd.DataFrame)):
        return target
    try:
        items = list(target)
    except TypeError:
        raise TypeError(f"scan() takes a path, a list of paths, a DataFrame or a {{name: "
                        f"DataFrame}} mapping, not {type(target).__name__}") from None
    if not all(isinstance(p, (str, os.PathLike)) for p in items):
        raise TypeError("scan() takes a list of paths (str or os.PathLike); this list holds "
                        "other things")
    return items


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
                try:
                    tables = _engine_tables(path, fres, options, "stream")
                except ReadError as exc:
                    if getattr(exc.cause, "key", None) != "read_error.empty":
                        raise
                    tables = read_tables(path, options.limits)  # an empty table and its note
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
