"""Readers: turn a CSV/TSV/TXT (plain or gzip), Excel (xlsx, xlsm, xls, ods) or Parquet file into
tables of text.

Every value is read as text first, so that ``+243812345678`` never becomes a float and ``00123``
keeps its zeros. Missing and whitespace-only cells are ``NA``. A table knows its header row, its
HXL hashtag row (which is not data), whether its sheet is hidden, and how many ragged rows it had.

CSV files take one of two paths that give the same table:

- files of at least :data:`FAST_CSV_MIN_BYTES` go through ``pyarrow.csv`` (every column read as
  a string, the input transcoded to UTF-8 when it is not), so that a million-row file reads in
  about the time pyarrow itself takes;
- small files, and any file pyarrow cannot take as a clean rectangle (ragged rows, bytes that are
  not valid in the detected encoding), go through the ``csv`` module, which counts ragged rows
  and keeps them.

The layout (title rows, header row, a joined two-row header, the HXL row) is decided once, on the
first rows, by the same code for both paths.

Inputs are opened read-only and never modified.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as _dt
import functools
import gzip
import io
import itertools
import os
import re
import stat
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CSV_EXTS = {".csv", ".tsv", ".txt", ".tab"}
EXCEL_EXTS = {".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"}
PARQUET_EXTS = {".parquet", ".pq"}
SUPPORTED_EXTS = CSV_EXTS | EXCEL_EXTS | PARQUET_EXTS

# Limits (documented in the README; configurable through ReadLimits).
DEFAULT_MAX_COLUMNS = 20_000
DEFAULT_MAX_CELL_CHARS = 1_000_000
DEFAULT_MAX_INFLATE_RATIO = 200
DEFAULT_MAX_UNCOMPRESSED = 4 * 1024**3
# Cells of a sheet's grid (rows x columns of its used area): calamine allocates the whole grid,
# so one cell at XFD1048576 would ask for half a terabyte.
DEFAULT_MAX_CELLS = 50_000_000
# Seconds allowed to read one file (0: no limit).
DEFAULT_MAX_SECONDS = 900.0

# CSV files at least this large (after gzip) are read with pyarrow.csv.
FAST_CSV_MIN_BYTES = 1 << 20
# Bytes looked at to detect the encoding, the delimiter and the layout.
HEAD_BYTES = 1 << 18
# Rows of the head parsed to find the header (title rows above it are skipped).
HEADER_SEARCH_ROWS = 30
# Rows turned into Arrow columns at a time by the csv-module path and the Excel reader.
CHUNK_ROWS = 65_536
# Parquet record batches converted to text at a time.
PARQUET_BATCH_ROWS = 65_536
PARQUET_THREADED_CELLS = 2_000_000  # from this size a batch's columns are cast a column per core

HXL_TAG_RE = re.compile(r"^\s*#[A-Za-z][A-Za-z0-9_]*(\s*[+][A-Za-z][A-Za-z0-9_]*)*\s*$")
_NUMBERISH = re.compile(r"^\s*[-+]?[\d.,:/ ]+%?\s*$")

SUPPORTED_LIST = "csv, tsv, txt, csv.gz, xlsx, xlsm, xls, ods, parquet"


def note(key: str, **params):
    """A reading note (a ragged row, an empty sheet, a stray quote) as a Phrase: English in
    the JSON report, said in the reader's language elsewhere."""
    from datasafe.report.common import Phrase

    return Phrase(f"read_note.{key}", **params)


def error_cause(key: str, **params):
    """A read error's cause as a :class:`~datasafe.report.common.Phrase`: its English text,
    which reports in another language say in theirs (imported only when a file fails)."""
    from datasafe.report.common import Phrase

    return Phrase(f"read_error.{key}", **params)


class ReadError(Exception):
    """A file that cannot be read. ``str(err)`` is one line naming the cause (not the path)."""

    def __init__(self, path: str | os.PathLike, cause: str):
        self.path = str(path)
        self.cause = cause
        super().__init__(cause)

    def line(self) -> str:
        """``path: cause`` (a Phrase: reports and commands say it in their language)."""
        from datasafe.report.common import Phrase

        return Phrase("errors.line", path=self.path, error=self.cause)


@dataclass
class ReadLimits:
    max_columns: int = DEFAULT_MAX_COLUMNS
    max_cell_chars: int = DEFAULT_MAX_CELL_CHARS
    max_inflate_ratio: float = DEFAULT_MAX_INFLATE_RATIO
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED
    max_cells: int = DEFAULT_MAX_CELLS
    max_seconds: float = DEFAULT_MAX_SECONDS

    @classmethod
    def from_config(cls, config: dict | None) -> ReadLimits:
        """Limits from the ``limits`` table of the config (``[tool.datasafe.limits]`` or
        ``limits:`` in .datasafe.yaml); unknown keys and bad values are ignored."""
        limits = cls()
        for key, value in ((config or {}).get("limits") or {}).items():
            if key in cls.__dataclass_fields__ and isinstance(value, (int, float)) \
                    and not isinstance(value, bool) and value >= 0:
                setattr(limits, key, type(getattr(limits, key))(value))
        return limits


@dataclass
class Table:
    """One table of text read from a file.

    ``data`` holds one column per header, keyed by ``keys`` (unique labels: a repeated header
    gets a ``.1`` suffix, an empty one is ``column_N``); ``headers`` keeps each header exactly as
    it appears in the file.
    """

    name: str | None
    data: Any  # pandas.DataFrame of text columns
    headers: list[str]
    keys: list[str]
    hxl: list[str | None] | None = None
    hidden: bool = False
    header_row: int | None = 1
    hxl_row: int | None = None
    ragged_rows: int = 0
    source: str | None = None
    format: str = "dataframe"
    notes: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # format details a writer needs

    @property
    def rows(self) -> int:
        return int(len(self.data))


def file_format(path: str | os.PathLike) -> str | None:
    """The contract's ``format`` for a path, or None when the extension is not supported."""
    name = str(path).lower()
    gz = name.endswith(".gz")
    if gz:
        name = name[:-3]
    ext = os.path.splitext(name)[1]
    if ext in {".csv", ".txt"}:
        return "csv"
    if ext in {".tsv", ".tab"}:
        return "tsv"
    if gz:
        return None
    if ext in EXCEL_EXTS:
        return ext[1:]
    if ext in PARQUET_EXTS:
        return "parquet"
    return None


def iter_files(paths: list[str | os.PathLike]) -> Iterator[Path]:
    """Expand files and folders into supported files: folders recurse (in name order), hidden
    folders and files, Office lock files and symlink loops are skipped. Paths given explicitly
    are yielded as they are (even missing or unsupported ones) so that reading reports them."""
    for p in paths:
        p = Path(p)
        if p.is_dir():
            seen: set[tuple[int, int]] = set()
            yield from _walk(p, seen)
        else:
            yield p


def _walk(folder: Path, seen: set[tuple[int, int]]) -> Iterator[Path]:
    try:
        st = folder.stat()
    except OSError:
        return
    ident = (st.st_dev, st.st_ino)
    if ident in seen:  # a symlink loop, or the same folder reached twice
        return
    seen.add(ident)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith((".", "~$")):
            continue
        path = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=True):
                yield from _walk(path, seen)
            elif entry.is_file(follow_symlinks=True) and file_format(path):
                if _is_sidecar(path):
                    continue
                yield path
        except OSError:
            continue


def _is_sidecar(path: Path) -> bool:
    return ".datasafe." in path.name or path.name.endswith(".redaction-log.json")


# ---------------------------------------------------------------------------------------------
# Entry point


def read_tables(path: str | os.PathLike, limits: ReadLimits | None = None) -> list[Table]:
    """Read every table of a file. Raises :class:`ReadError` with a one-line cause."""
    limits = limits or ReadLimits()
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise ReadError(path, error_cause("no_such_file")) from None
    except PermissionError:
        raise ReadError(path, error_cause("permission_denied")) from None
    except OSError as exc:
        raise ReadError(path, error_cause("cannot_read", cause=exc.strerror or type(exc).__name__)) \
            from None
    if stat.S_ISDIR(st.st_mode):
        raise ReadError(path, error_cause("folder"))
    fmt = file_format(p)
    if fmt is None:
        kind = "".join(p.suffixes[-2:]) or p.name
        raise ReadError(path, error_cause("unsupported", kind=kind, supported=SUPPORTED_LIST))
    if not stat.S_ISREG(st.st_mode):
        raise ReadError(path, error_cause("not_regular"))
    try:
        with open(p, "rb"):
            pass
    except PermissionError:
        raise ReadError(path, error_cause("permission_denied")) from None
    except OSError as exc:
        raise ReadError(path, error_cause("cannot_read", cause=exc.strerror or type(exc).__name__)) \
            from None
    if st.st_size == 0:
        tables = [_empty_table()]  # a placeholder: nothing to check, nothing wrong
    elif _is_lfs_pointer(p, st.st_size):
        raise ReadError(path, error_cause("lfs_pointer"))
    else:
        tables = None
    try:
        if tables is None:
            with _time_limit(limits.max_seconds):
                if fmt in ("csv", "tsv"):
                    tables = [_prose_or_table(_read_csv(p, fmt, limits), p, limits)]
                elif fmt == "parquet":
                    tables = [_read_parquet(p, limits)]
                else:
                    tables = _read_excel(p, fmt, limits)
    except ReadError as exc:
        if getattr(exc.cause, "key", None) == "read_error.empty":
            tables = [_empty_table()]  # blank lines only: as empty as no byte at all
        else:
            raise
    except _ReadTimeout:
        raise ReadError(path, error_cause("too_slow", seconds=f"{limits.max_seconds:g}")) from None
    except PermissionError:
        raise ReadError(path, error_cause("permission_denied")) from None
    except MemoryError:
        raise ReadError(path, error_cause("too_large")) from None
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes one clear line
        raise ReadError(path, error_cause("cannot_parse", format=fmt, cause=_short(exc))) from None
    for t in tables:
        t.source = str(path)
        t.format = fmt
        mask_person_headers(t)
    if fmt not in ("csv", "tsv", "parquet"):
        _mask_sheet_names(tables)
    return tables


def _mask_sheet_names(tables: list[Table]) -> None:
    """Sheets named after people ('Moses Kasongo', one sheet per household; the sheet names
    are judged together, as a row of headers is) are shown as ``Sheet<position>`` in reports,
    plans and logs (``meta["shown_name"]``, see :func:`shown_name`); ``name`` stays the sheet's
    own, by which writers find it. A redacted copy renames the sheet to the same label."""
    from datasafe.detect.headers import person_headers

    names = [t.name or "" for t in tables]
    taken = set(names)
    for i in person_headers(names, strict=False):
        label = f"Sheet{i + 1}"
        while label in taken:
            label += "_"
        taken.add(label)
        tables[i].meta["shown_name"] = label
        tables[i].notes.append(note("person_sheet", name=label))


def shown_name(t: Table) -> str | None:
    """The table's name as reports print it (a sheet named after a person is not)."""
    return t.meta.get("shown_name", t.name)


def mask_person_headers(t: Table) -> None:
    """Headers that are people's names (an attendance register: one column per person) become
    ``person_1``, ``person_2``… in the table's headers and keys, so that no report, plan or
    log prints them and every copy is written with the label
    (:mod:`datasafe.detect.headers`). The originals stay in memory only, in
    ``meta["masked_headers"]`` (column index → header), for the Excel writer, which rewrites
    the header cells in place."""
    if not t.keys or t.meta.get("headerless") or t.meta.get("prose"):
        return
    _mask_hxl_names(t)
    headers, keys, masked = masked_layout(t.headers, t.keys, t.hxl)
    if not masked:
        return
    renamed = {old: new for old, new in zip(t.keys, keys) if old != new}
    t.headers, t.keys = headers, keys
    t.data = t.data.rename(columns=renamed)
    t.meta["masked_headers"] = masked
    t.notes.append(person_headers_note([headers[i] for i in masked]))


def _mask_hxl_names(t: Table) -> None:
    """HXL attributes that are people's names ('#indicator+amina_kabila', one column per
    person, as a register's hashtag row may hold them) are dropped from the tags; the
    originals stay in memory only (``meta["masked_hxl"]``, for the Excel writer)."""
    if not t.hxl:
        return
    from datasafe.detect.headers import person_headers

    where, words = [], []
    for i, tag in enumerate(t.hxl):
        for j, attr in enumerate((tag or "").split("+")[1:]):
            where.append((i, j))
            # HXL writes everything in lower case: the words are judged as written by hand
            words.append(attr.replace("_", " ").title())
    found = {where[k] for k in person_headers(words)}
    if not found:
        return
    masked = {}
    new = list(t.hxl)
    for i, tag in enumerate(t.hxl):
        parts = (tag or "").split("+")
        keep = [parts[0]] + [a for j, a in enumerate(parts[1:]) if (i, j) not in found]
        if len(keep) < len(parts):
            masked[i] = tag
            new[i] = "+".join(keep)
    t.hxl = new
    t.meta["masked_hxl"] = masked
    t.notes.append(note("person_hxl", n=len(masked)))


def masked_layout(headers: list[str], keys: list[str], hxl: list | None = None
                  ) -> tuple[list[str], list[str], dict[int, str]]:
    """``(headers, keys, masked)`` with the headers that are people's names replaced by
    ``person_N`` labels (``masked``: column index → original header; empty when none is)."""
    from datasafe.detect.headers import CONTACT_LABEL, LABEL, contact_headers, person_headers

    people, contacts = person_headers(headers, hxl=hxl), contact_headers(headers)
    if not people and not contacts:
        return headers, keys, {}
    headers, keys = list(headers), list(keys)
    used = set(keys) | set(headers)
    masked = {}
    for found, form in ((people, LABEL), (contacts, CONTACT_LABEL)):
        n = 0
        for i in found:
            if i in masked:
                continue
            n += 1
            label = form.format(n=n)
            while label in used:
                n += 1
                label = form.format(n=n)
            used.add(label)
            masked[i] = headers[i]
            headers[i] = keys[i] = label
    return headers, keys, dict(sorted(masked.items()))


def person_headers_note(labels: list[str]):
    """The reading note of :func:`masked_layout`'s labels."""
    if len(labels) == 1:
        return note("person_headers_one", label=labels[0])
    return note("person_headers_many", n=len(labels), labels=", ".join(labels[:3]) + (
        "…" if len(labels) > 3 else ""))


def _prose_or_table(table: Table, path: Path, limits: ReadLimits) -> Table:
    """A .txt file that is prose (field notes, a methodology note), not delimited data: one
    column whose 'header' is a sentence. It becomes a one-column table of its lines, under the
    name ``text``, without a header: the detectors read every line as free text (names, phone
    numbers…), and no sentence is taken for a column name. Prose is told apart by its first
    line (a sentence over a single column) or by its lines of many words that commas cut into
    ragged 'fields'."""
    name = str(path).lower().removesuffix(".gz")
    if not name.endswith(".txt") or table.hxl:
        return table
    import pandas as pd

    head = table.data.head(200)  # a decision on the first lines; a big .txt table pays nothing
    rows = head.astype(object).where(head.notna(), None).values.tolist()
    lines = [" ".join(str(h) for h in table.headers if str(h).strip())]
    lines += [" ".join(str(v) for v in r if v is not None and str(v).strip()) for r in rows]
    lines = [ln for ln in lines if ln.strip()]
    words = sum(len(ln.split()) for ln in lines) / max(1, len(lines))
    first = lines[0] if lines else ""
    one_column = len(table.keys) == 1 and len(first.split()) >= 4 and len(first) >= 25
    # commas in sentences split prose into ragged 'fields'
    ragged = table.ragged_rows >= 0.3 * max(1, table.rows) and words >= 6
    if not (one_column or ragged):
        return table  # "name", "phone number": a column of values under a short header
    raw, _gz = _load_csv_bytes(path, limits)
    text, _enc = _decode_all(raw, table.meta.get("encoding") or _detect_encoding(raw, path))
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    t = Table(name=table.name, data=pd.DataFrame({"text": pd.Series(lines, dtype="str")}),
              headers=["text"], keys=["text"], header_row=None)
    t.meta.update(table.meta)
    t.meta["prose"] = True
    t.notes.append(note("prose"))
    return t


def _empty_table() -> Table:
    """The table of an empty file: no rows, no columns, and a note saying why."""
    import pandas as pd

    t = Table(name=None, data=pd.DataFrame(), headers=[], keys=[], header_row=None)
    t.notes.append(note("empty_file"))
    return t


_LFS_HEAD = b"version https://git-lfs.github.com/spec/v1"


def _is_lfs_pointer(path: Path, size: int) -> bool:
    """A Git LFS pointer (the repository's placeholder for a file kept in LFS): scanning it
    would pass a file whose data was never looked at."""
    if size > 1024:
        return False
    try:
        with open(path, "rb") as fh:
            return fh.read(len(_LFS_HEAD)) == _LFS_HEAD
    except OSError:
        return False


class _ReadTimeout(BaseException):
    """Raised by the alarm of :func:`_time_limit` (a BaseException, so that the parsers'
    ``except Exception`` handlers let it through)."""


def _importing(frame) -> bool:
    """Whether ``frame`` (or a caller of it) is running Python's import machinery."""
    import _imp

    if _imp.lock_held():
        return True
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib._bootstrap"):
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt reading after ``seconds`` (main thread on POSIX only; elsewhere, and when a
    timer is already running, no limit). Native parsers are interrupted when they return."""
    import signal
    import threading

    if (not seconds or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()
            or signal.getitimer(signal.ITIMER_REAL)[0] > 0):
        yield
        return

    def _alarm(signum, frame):
        if _importing(frame):
            # an exception raised inside Python's import machinery can leave the import lock
            # held: every later import on another thread (the profiling workers') then waits
            # for ever. Try again once the import is done.
            signal.setitimer(signal.ITIMER_REAL, 0.02)
            return
        raise _ReadTimeout()

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _check_cells(columns, limits: ReadLimits, path: Path) -> None:
    """Refuse a table with a cell longer than ``limits.max_cell_chars`` (vectorised over Arrow
    string columns; bytes first, characters only when the bytes are over)."""
    import pyarrow.compute as pc

    for col in columns:
        if len(col) and (pc.max(pc.binary_length(col)).as_py() or 0) > limits.max_cell_chars:
            if (pc.max(pc.utf8_length(col)).as_py() or 0) > limits.max_cell_chars:
                raise ReadError(path, error_cause("long_cell", limit=limits.max_cell_chars))


def _short(exc: BaseException) -> str:
    """A one-line, value-free description of a parser error (no cell content: parsers quote
    the offending row in their messages, and that row may hold personal data)."""
    return type(exc).__name__


def row_shape_cause(exc: BaseException):
    """What is wrong with a CSV row, from Arrow's "Expected 3 columns, got 2: <the row>"
    without the row (it may hold personal data); the exception type otherwise."""
    m = re.search(r"Expected (\d+) columns, got (\d+)", str(exc))
    if m:
        return error_cause("ragged_row", expected=int(m.group(1)), got=int(m.group(2)))
    return _short(exc)


# ---------------------------------------------------------------------------------------------
# Sniffing helpers

_MAGIC = [  # leading bytes → what the file holds (``read_error.kind.*``)
    (b"\x89PNG", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"GIF8", "gif"),
    (b"%PDF", "pdf"),
    (b"PK\x03\x04", "zip"),
    (b"\xd0\xcf\x11\xe0", "ole2"),
    (b"PAR1", "parquet"),
    (b"\x7fELF", "elf"),
    (b"MZ", "exe"),
    (b"BZh", "bzip2"),
    (b"\xfd7zXZ", "xz"),
    (b"7z\xbc\xaf", "7z"),
    (b"SQLite format 3", "sqlite"),
]

_BINARY_CTRL = bytes(range(0, 9)) + b"\x0b\x0e\x0f" + bytes(range(0x10, 0x1b)) + bytes(
    range(0x1c, 0x20))


def _binary_kind(head: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return error_cause(f"kind.{kind}")
    return None


def _binary_limit(n: int, per: int) -> int:
    """How many NUL or control bytes among ``n`` a text table may hold: one in ``per``, at
    least 8 — but in a file of a few bytes at most one in eight (14 bytes holding 0x00-0x03
    are not a table)."""
    return min(max(8, n // per), max(1, n // 8))


def _detect_encoding(raw: bytes, path: Path) -> str:
    """The Python codec of a CSV's bytes, from its first :data:`HEAD_BYTES`: BOM first (UTF-8,
    UTF-16 LE/BE as Excel writes), then UTF-16 without BOM, then UTF-8, else cp1252 (latin-1
    when cp1252 cannot decode). Raises ReadError for binary content."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        return "utf-16"
    head = raw[:HEAD_BYTES]
    kind = _binary_kind(head)
    if kind:
        raise ReadError(path, error_cause("not_text_kind", kind=kind))
    if b"\x00" in head[:4096]:
        probe = head[:4096]
        even, odd = probe[0::2].count(0), probe[1::2].count(0)
        if odd > len(probe) / 4 and even == 0:
            return "utf-16-le"
        if even > len(probe) / 4 and odd == 0:
            return "utf-16-be"
        if probe.count(0) > _binary_limit(len(probe), 100):
            raise ReadError(path, error_cause("binary"))
        # a few stray NUL bytes (a damaged export): read as text, the NULs are dropped
    ctrl = sum(head[:4096].count(b) for b in _BINARY_CTRL)
    if ctrl > _binary_limit(len(head[:4096]), 20):
        raise ReadError(path, error_cause("binary"))
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=len(head) == len(raw))
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        head.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _decode_all(raw: bytes, encoding: str) -> tuple[str, str]:
    """Decode a whole file; a UTF-8 guess made on the head falls back to cp1252/latin-1 when a
    later byte is not UTF-8. Returns (text, encoding actually used)."""
    if encoding in ("utf-8", "utf-8-sig"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            encoding = "cp1252"
    if encoding == "cp1252":
        try:
            return raw.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            encoding = "latin-1"
    return raw.decode(encoding, errors="replace"), encoding


def _decode_head(raw: bytes, encoding: str) -> tuple[str, bool]:
    """Decode the first :data:`HEAD_BYTES` (whole characters only). Returns (text, complete)
    where ``complete`` says the head is the whole file."""
    complete = len(raw) <= HEAD_BYTES
    head = raw if complete else raw[:HEAD_BYTES]
    dec = codecs.getincrementaldecoder(encoding)(errors="replace")
    return dec.decode(head, final=complete), complete


def _sniff_delimiter(text: str, fmt: str) -> str:
    """The delimiter among , ; tab | that splits the first records most consistently into more
    than one field. Records are parsed with the csv module for each candidate, so quoted values
    (holding delimiters or line breaks) do not mislead it."""
    default = "\t" if fmt == "tsv" else ","
    sample = text[:65536]
    truncated = len(text) > len(sample)
    best, best_score = default, -1.0
    for d in (",", ";", "\t", "|"):
        if d not in sample:
            continue
        counts = []
        try:
            for rec in csv.reader(io.StringIO(sample, newline=""), delimiter=d):
                if any(c.strip() for c in rec):
                    counts.append(len(rec))
                if len(counts) > 60:
                    break
        except csv.Error:
            continue
        if truncated and len(counts) > 1:
            counts.pop()  # the sample may end inside a record
        if not counts:
            continue
        common, freq = Counter(counts).most_common(1)[0]
        if common < 2:
            continue
        score = freq / len(counts) * (1 + min(common, 50) / 50)
        if counts[0] != common:
            # the header row does not split like the records: decimal commas in the values
            # ('12,391442 -1,560754;12,4;-1,6' under 'gps;lat;lon') are not the delimiter
            score *= 0.9
        if fmt == "tsv" and d == "\t":
            score += 0.5
        if score > best_score:
            best, best_score = d, score
    return best


def _cell_text(v: Any) -> str | None:
    """Excel/Parquet cell → text, or None for empty."""
    if v is None:
        return None
    if isinstance(v, str):
        return v if v.strip() != "" else None
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):  # NaN, inf
            return None if v != v else str(v)
        if v.is_integer() and abs(v) < 1e16:
            return str(int(v))
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, _dt.datetime):
        if v.time() == _dt.time(0, 0) and v.tzinfo is None:
            return v.date().isoformat()
        return v.isoformat(sep=" ")
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, _dt.timedelta):
        return str(v)
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return str(v)


# ---------------------------------------------------------------------------------------------
# Layout: title rows, header row(s), HXL row


def _filled(row: list[str | None]) -> int:
    return sum(1 for c in row if c is not None and str(c).strip())


def _is_hxl_row(cells: list[str | None]) -> bool:
    vals = [c for c in cells if c is not None and str(c).strip()]
    if not vals:
        return False
    tagged = sum(1 for c in vals if HXL_TAG_RE.match(str(c)))
    return tagged == len(vals) and tagged >= max(1, len(cells) // 4)


def _normalise_hxl(tag: str | None) -> str | None:
    if tag is None or not str(tag).strip():
        return None
    return re.sub(r"\s+", "", str(tag).strip()).lower()


def parse_hxl(tag: str | None) -> tuple[str, list[str]] | None:
    """``'#reached+f+adults'`` → ``('#reached', ['f', 'adults'])``; None for no tag."""
    tag = _normalise_hxl(tag)
    if not tag:
        return None
    parts = tag.split("+")
    return parts[0], [a for a in parts[1:] if a]


def _all_text(row: list[str | None]) -> bool:
    vals = [str(c) for c in row if c is not None and str(c).strip()]
    return bool(vals) and not any(_NUMBERISH.match(v) for v in vals)


def _has_gaps(row: list[str | None], width: int) -> bool:
    cells = (list(row) + [None] * width)[:width]
    return any(c is None or not str(c).strip() for c in cells)


def _find_header(rows: list[list[str | None]], width: int) -> int:
    """Index of the header row among the first rows: the first row that fills at least half
    of the table's width, skipping title rows above it. A sparse group row ("Reached" over
    "Women | Men") directly above a fuller row of labels is not the header: the row below is."""
    if not rows:
        return 0
    need = max(2, (width + 1) // 2) if width > 1 else 1
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        n = _filled(row)
        if n >= need:
            if (i + 1 < len(rows) and n * 2 <= width and _has_gaps(row, width)
                    and _filled(rows[i + 1]) > n and _all_text(rows[i + 1])
                    and not _is_hxl_row(rows[i + 1]) and not _is_hxl_row(row)
                    and not _looks_like_data_below(rows, i + 1)):
                return i + 1
            return i
    return 0


def _looks_like_data_below(rows: list[list[str | None]], i: int) -> bool:
    """True when the rows under row ``i`` have its very shape (all text, as full): then row
    ``i`` is more likely the first data row than a header under a sparse header row."""
    below = [r for r in rows[i + 1:i + 4] if _filled(r) and not _is_hxl_row(r)]
    return bool(below) and all(_all_text(r) and _filled(r) == _filled(rows[i]) for r in below)


def _is_group_row(above: list[str | None], header: list[str]) -> bool:
    """A row of group labels over the header (merged cells): several short labels, sparser
    than the header, spread beyond the first two columns (a title row is not one)."""
    labels = [(i, str(c).strip()) for i, c in enumerate(above[: len(header)])
              if c is not None and str(c).strip()]
    if len(labels) < 2 or len(labels) >= sum(1 for h in header if h.strip()):
        return False
    # a label over an empty header cell names that column ('session_date' over the blank
    # corner of a register whose header row holds the people): part of the header, even
    # near the left edge, where a title row usually sits
    over_blank = any(i < len(header) and not header[i].strip() for i, _ in labels)
    if (labels[-1][0] < 2 and not over_blank) or any(len(v) > 60 for _, v in labels):
        return False
    return not _is_hxl_row(above)


def _build_headers(rows: list[list[str | None]], header_idx: int) -> tuple[list[str], int]:
    """Header names; joins a two-row header (a group label row right above the header row,
    with merged/sparse labels) as 'group label'. Returns (headers, rows_used_above)."""
    header = [("" if c is None else str(c)) for c in rows[header_idx]]
    if header_idx > 0 and _is_group_row(rows[header_idx - 1], header):
        above = rows[header_idx - 1]
        filled, last = [], ""
        for i in range(len(header)):
            c = above[i] if i < len(above) else None
            if c is not None and str(c).strip():
                last = str(c).strip()
            filled.append(last)
        header = [f"{g} {h.strip()}" if g and h.strip() and g != h.strip() else (h or g)
                  for g, h in zip(filled, header)]
        return header, 1
    return header, 0


def _sub_headers(rows: list[list[str | None]], header_idx: int, header: list[str],
                 width: int) -> list[str] | None:
    """Headers joined with a row of sub-labels under them, or None. A group label merged over
    several columns ('GPS' over G:H) leaves the header row empty beside it, and the next row
    names the parts ('latitude', 'longitude'); columns merged down over both rows have nothing
    there. The next row is sparser than the header, holds only short labels, one of them under
    an empty header cell, and a record follows it."""
    if header_idx + 2 >= len(rows):
        return None
    sub = (list(rows[header_idx + 1]) + [None] * width)[:width]
    head = (list(header) + [""] * width)[:width]
    labels = [(j, str(c).strip()) for j, c in enumerate(sub) if c is not None and str(c).strip()]
    if not labels or len(labels) >= sum(1 for h in head if h.strip()):
        return None
    if not any(not head[j].strip() for j, _ in labels):
        return None  # no part under an empty header cell: a record, not sub-labels
    if any(len(v) > 40 or _value_like(v) or _NUMBERISH.match(v) for _, v in labels):
        return None
    if not _filled(rows[header_idx + 2]):
        return None
    out, group = [], ""
    for j in range(width):
        if head[j].strip():
            group = head[j].strip()
        part = "" if sub[j] is None else str(sub[j]).strip()
        if part:
            out.append(f"{group} {part}" if group and group != part else part)
        else:
            out.append(head[j])
    return out


@dataclass
class _Layout:
    header_idx: int
    headers: list[str]
    hxl: list[str | None] | None
    hxl_idx: int | None
    data_start: int
    headerless: bool = False  # the first row is a record: columns are column_1, column_2…
    sub_header: bool = False  # a row of sub-labels under the header ('GPS' / 'latitude')
    group_above: bool = False  # a row of group labels over the header ('Reached' / 'Women')

    @property
    def header_row(self) -> int | None:
        """1-based row of the header in the file (None when the file has none)."""
        return None if self.headerless else self.header_idx + 1


# a value no column name looks like: a phone or other long number, an e-mail address, a date
_VALUE_CELL = re.compile(r"^\s*(?:\+?\d[\d\s().\-/]{4,}\d|[^@\s]+@[^@\s]+\.[A-Za-z]{2,})\s*$")


def _value_like(cell) -> bool:
    v = "" if cell is None else str(cell).strip()
    return bool(_VALUE_CELL.match(v)) and ("@" in v or sum(ch.isdigit() for ch in v) >= 6)


def _header_is_data(rows: list[list[str | None]], h: int, width: int) -> bool:
    """Whether the row taken for the header is a record: a cell holds a phone number, an e-mail
    address, a long number or a date where a column name should be, and the cells below it in
    that column hold the same kind of value. Such a file has no header row — and its first
    record printed as column names would put a person's phone number in every report."""
    header = (list(rows[h]) + [None] * width)[:width]
    # (rows equal to the header are its repeats in concatenated exports, not records)
    below = [r for r in rows[h + 1:h + 201] if _filled(r)
             and (list(r) + [None] * width)[:width] != header]
    if not below:
        return False
    repeated = 0
    for j, cell in enumerate(header):
        col = [r[j] if j < len(r) else None for r in below]
        if _value_like(cell) and sum(1 for c in col if _value_like(c)) >= 0.5 * len(col[:20]):
            return True
        # a column name does not come back as a value of its own column ('M' over M/F,
        # 'positive' over positive/negative): a first row whose cells do, in several columns,
        # is a record
        v = "" if cell is None else str(cell).strip()
        if v and sum(1 for c in col if c is not None and str(c).strip() == v) >= 2:
            repeated += 1
    return repeated >= max(2, (sum(1 for c in header if c is not None and str(c).strip()) + 2) // 3)


def _layout(rows: list[list[str | None]], width: int) -> _Layout:
    """Where the header, the HXL row and the data are, among the first rows of a table."""
    if not rows:
        return _Layout(0, [""] * width, None, None, 0)
    h = _find_header(rows, width)
    hxl_idx = None
    sub_header = group_above = False
    if _is_hxl_row(rows[h]):
        nxt = rows[h + 1] if h + 1 < len(rows) else None
        if h > 0 and _filled(rows[h - 1]) and not _is_hxl_row(rows[h - 1]):
            # the hashtag row was taken for the header: the header is the row above it
            hxl_idx, h = h, h - 1
            headers = [("" if c is None else str(c)) for c in rows[h]]
            data_start = hxl_idx + 1
        elif (nxt is not None and _all_text(nxt) and _filled(nxt) >= _filled(rows[h])
              and h + 2 < len(rows)):
            # hashtag row above the header row
            hxl_idx, h = h, h + 1
            headers = [("" if c is None else str(c)) for c in rows[h]]
            data_start = h + 1
        else:
            # hashtags only: they are the headers
            hxl_idx = h
            headers = [("" if c is None else str(c)) for c in rows[h]]
            data_start = h + 1
    elif h > 0 and _is_hxl_row(rows[h - 1]):
        hxl_idx = h - 1
        headers = [("" if c is None else str(c)) for c in rows[h]]
        data_start = h + 1
    else:
        if _header_is_data(rows, h, width):
            return _Layout(h, [f"column_{j + 1}" for j in range(width)], None, None, h,
                           headerless=True)
        headers, above = _build_headers(rows, h)
        group_above = above > 0
        data_start = h + 1
        if data_start < len(rows) and _is_hxl_row(rows[data_start]):
            hxl_idx = data_start
            data_start += 1
        else:
            sub = _sub_headers(rows, h, headers, width)
            if sub is not None:
                headers, data_start, sub_header = sub, h + 2, True
    headers = (headers + [""] * width)[:width]
    hxl = None
    if hxl_idx is not None:
        hxl = [_normalise_hxl(c) for c in (list(rows[hxl_idx]) + [None] * width)[:width]]
    return _Layout(h, headers, hxl, hxl_idx, data_start, sub_header=sub_header,
                   group_above=group_above)


def _unique_keys(headers: list[str]) -> list[str]:
    """Unique, non-empty column labels: the header stripped, ``column_N`` for an empty one,
    ``name.1``, ``name.2``… for repeats."""
    used: set[str] = set()
    keys = []
    for i, h in enumerate(headers):
        base = str(h).strip() or f"column_{i + 1}"
        key, n = base, 1
        while key in used:
            key = f"{base}.{n}"
            n += 1
        used.add(key)
        keys.append(key)
    return keys


def _check_width(width: int, limits: ReadLimits, path: Path, sheet: str | None = None) -> None:
    if width > limits.max_columns:
        raise ReadError(path, error_cause("sheet_width", sheet=sheet, width=width,
                                     limit=limits.max_columns) if sheet is not None
                          else error_cause("table_width", width=width, limit=limits.max_columns))


def blank_mask(arr):
    """Which strings of a text array are empty or whitespace only (nulls stay null)."""
    import pyarrow.compute as pc

    return pc.or_(pc.equal(pc.binary_length(arr), 0), pc.utf8_is_space(arr))


def _blank_to_null(arr):
    """Empty and whitespace-only strings → null (vectorised)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    mask = blank_mask(arr)
    if pc.any(mask).as_py():
        arr = pc.if_else(mask, pa.scalar(None, pa.string()), arr)
    return arr


def _rows_to_batch(rows: list[list[str | None]], keys: list[str]):
    """A chunk of rows of text (possibly ragged: short rows padded, long rows cut to the
    header's width) → an Arrow record batch of string columns."""
    import pyarrow as pa

    width = len(keys)
    fixed = [r if len(r) == width else (list(r) + [None] * width)[:width] for r in rows]
    cols = zip(*fixed) if fixed else [() for _ in range(width)]
    arrays = [_blank_to_null(pa.array(c, pa.string())) for c in cols]
    return pa.RecordBatch.from_arrays(arrays, names=keys)


def _frame_from_arrow(batches_or_table, keys: list[str]):
    """Record batches (or a table) of string columns → DataFrame of ``str`` columns; rows with
    no value at all are not records and are dropped."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(batches_or_table, pa.Table):
        tbl = batches_or_table
    elif batches_or_table:
        tbl = pa.Table.from_batches(batches_or_table)
    else:
        return pd.DataFrame({k: pd.Series([], dtype="str") for k in keys})
    if tbl.num_rows and tbl.num_columns:
        keep = _any_valid(tbl.columns)
        if not pc.all(keep).as_py():
            tbl = tbl.filter(keep)
    df = tbl.to_pandas()
    df.columns = keys
    for k in keys:
        if str(df[k].dtype) != "str":
            df[k] = df[k].astype("str")
    return df


def _any_valid(cols):
    import pyarrow.compute as pc

    keep = pc.is_valid(cols[0])
    for c in cols[1:]:
        keep = pc.or_(keep, pc.is_valid(c))
    return keep


def _assemble(name: str | None, rows: list[list[str | None]], width: int, *,
              limits: ReadLimits, path: Path, hidden: bool = False) -> Table:
    """Rows of text (title rows, header, maybe HXL, data) → Table."""
    _check_width(width, limits, path)
    lay = _layout(rows, width)
    keys = _unique_keys(lay.headers)
    data = rows[lay.data_start:]
    data, footer = _without_footer(data, width)
    totals = 0
    while data and _is_total_row(data[-1], width):
        data = data[:-1]  # a TOTAL line under the list is not a record
        totals += 1
    batches = [_rows_to_batch(data[i:i + CHUNK_ROWS], keys)
               for i in range(0, len(data), CHUNK_ROWS)]
    for batch in batches:
        _check_cells(batch.columns, limits, path)
    df = _frame_from_arrow(batches, keys)
    t = Table(name=name, data=df, headers=lay.headers, keys=keys, hxl=lay.hxl, hidden=hidden,
              header_row=lay.header_row,
              hxl_row=None if lay.hxl_idx is None else lay.hxl_idx + 1)
    _mark_headerless(t, lay)
    if totals:
        t.notes.append(note("total_row"))
    if footer:
        t.meta["footer_rows"] = footer
        t.notes.append(note("footer_rows", n=footer))
    return t


FOOTER_MAX_ROWS = 5


def _without_footer(data: list, width: int) -> tuple[list, int]:
    """Lines of text under a table, after an empty row ('Prepared by Jean M., IM officer',
    'Validated: …'): not records. A block of at most :data:`FOOTER_MAX_ROWS` rows at the end,
    each with a single filled cell holding words, in a table at least three columns wide.
    Returns (the data without it, how many rows it had)."""
    if width < 3 or len(data) < 3:
        return data, 0
    end = len(data)
    while end and not _filled(data[end - 1]):
        end -= 1
    block = end
    while block and end - block < FOOTER_MAX_ROWS + 1:
        cells = [c for c in data[block - 1] if c is not None and str(c).strip()]
        if not cells:
            break  # the empty row above the block
        if len(cells) != 1 or not re.search(r"[^\W\d_]{2,}\s+\S", str(cells[0])):
            return data, 0
        block -= 1
    if block == end or block == 0 or end - block > FOOTER_MAX_ROWS or _filled(data[block - 1]):
        return data, 0
    return data[:block], end - block


_TOTAL = re.compile(r"^\s*(grand[ -]?)?(total|totals|totale|totaux|sous[ -]total|subtotal)\s*:?\s*$",
                    re.IGNORECASE)


def _is_total_row(row: list[str | None], width: int) -> bool:
    """A line of totals at the foot of a sheet: a cell saying TOTAL, and too few filled cells
    to be a record (the sums beside it)."""
    cells = [c for c in row if c is not None and str(c).strip()]
    return (bool(cells) and len(cells) <= max(2, width // 3)
            and any(_TOTAL.match(str(c)) for c in cells))


def _mark_headerless(table: Table, lay: _Layout) -> None:
    """A table whose first row is a record: said in the reports, and the writers put the
    treated first record back where it was (not over a header). A header with a row of
    sub-labels: the writers start the data one row lower."""
    if lay.headerless:
        table.meta["headerless"] = True
        table.notes.append(note("headerless"))
    if lay.sub_header:
        table.meta["sub_header"] = True
    if lay.group_above:
        table.meta["group_above"] = True


# ---------------------------------------------------------------------------------------------
# CSV


def while_pandas_loads(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` — a pyarrow read, which runs in C++ without the GIL — on a second
    thread while this one imports pandas, which the table needs next (the import is 0.5–0.9 s of
    Python that would otherwise follow the read), then does what the pipeline asked to be done
    while it waits (:func:`datasafe.concurrency.when_idle`: word lists, the detectors' imports).
    Plain call once pandas is loaded."""
    if "pandas" in sys.modules:
        return fn(*args, **kwargs)
    from datasafe.concurrency import in_background, work_while_waiting

    fut = in_background(lambda: fn(*args, **kwargs))
    import pandas  # noqa: F401

    work_while_waiting(fut)
    return fut.result()


def _load_csv_bytes(path: Path, limits: ReadLimits) -> tuple[bytes, bool]:
    with open(path, "rb") as fh:
        raw = fh.read()
    gz = raw[:2] == b"\x1f\x8b"
    if gz:
        # never inflate more than the ratio allows (above 50 MB) nor the size limit
        packed = max(len(raw), 1)
        cap = min(limits.max_uncompressed_bytes,
                  max(50 * 1024**2, int(packed * limits.max_inflate_ratio)))
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as g:
                raw = g.read(cap + 1)
        except (OSError, EOFError, zlib.error):
            raise ReadError(path, error_cause("gzip_corrupt")) from None
        if len(raw) > cap:
            if cap == limits.max_uncompressed_bytes:
                raise ReadError(path, error_cause("gzip_limit"))
            raise ReadError(path, error_cause("gzip_bomb", ratio=f"{limits.max_inflate_ratio:g}"))
    elif str(path).lower().endswith(".gz"):
        raise ReadError(path, error_cause("not_gzip"))
    return raw, gz


def _parse_rows(text: str, delim: str, limits: ReadLimits, path: Path,
                max_rows: int | None = None) -> tuple[list[list[str | None]], list[int]]:
    """csv-module parse; whitespace-only cells become None. Returns (rows, line numbers at the
    end of each row) — the second list lets the fast path skip the same physical lines."""
    csv.field_size_limit(max(limits.max_cell_chars, 131072))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    rows: list[list[str | None]] = []
    ends: list[int] = []
    try:
        for r in reader:
            rows.append([c if c.strip() != "" else None for c in r])
            ends.append(reader.line_num)
            if max_rows is not None and len(rows) >= max_rows:
                break
    except csv.Error as exc:
        raise _csv_error(exc, limits, path) from None
    return rows, ends


def _csv_width(rows: list[list[str | None]]) -> int:
    """Width of a table: the most common field count among the first non-empty rows (title
    rows are narrower), widened to the header row's."""
    counts = Counter(len(r) for r in rows[:200] if any(c is not None for c in r))
    if not counts:
        return 1
    width = max(counts.most_common(1)[0][0], 1)
    h = _find_header(rows, width)
    return max(width, len(rows[h]))


def _big_csv_head(path: Path) -> bytes | None:
    """The first :data:`HEAD_BYTES` (+1) bytes of a plain (not gzipped) CSV of at least
    :data:`FAST_CSV_MIN_BYTES`, or None. pyarrow then reads the file itself, on its I/O
    thread while the parser works, instead of from a copy of the whole file in memory (the
    copy took 0.2 s at 231 MB)."""
    try:
        if path.stat().st_size < FAST_CSV_MIN_BYTES or str(path).lower().endswith(".gz"):
            return None
        with open(path, "rb") as fh:
            head = fh.read(HEAD_BYTES + 1)
    except OSError:
        return None  # the whole-file read says why
    if len(head) <= HEAD_BYTES or head[:2] == b"\x1f\x8b" or head.isspace():
        return None
    return head


def _count_newlines(path: Path) -> int:
    """The newline bytes of a file, read in 1 MB pieces into one reused buffer and counted by
    numpy (231 MB: 0.1 s; ``bytes.count`` on a whole-file copy took 0.3-0.4 s)."""
    import numpy as np

    n = 0
    buf = bytearray(1 << 20)
    view = np.frombuffer(buf, dtype=np.uint8)
    with open(path, "rb", buffering=0) as fh:
        while got := fh.readinto(buf):
            n += int(np.count_nonzero(view[:got] == 10))
    return n


def _read_csv(path: Path, fmt: str, limits: ReadLimits) -> Table:
    head = _big_csv_head(path)
    if head is not None:
        from datasafe.concurrency import in_background

        # counted beside pyarrow's read (a memory-bound numpy pass of 0.1 s per 231 MB), for
        # the check that pyarrow lost no line
        counting = in_background(_count_newlines, path)
        lines = counting.result
        table = _read_csv_arrow(head, _detect_encoding(head, path), fmt, limits, path, lines,
                                source=path)
        if table is not None:
            table.meta["gzip"] = False
            if table.meta.get("newlines_in_values"):
                _note_long_quoted_cells(table, lines())
            return table
    raw, gz = _load_csv_bytes(path, limits)
    if not raw or raw.isspace():
        raise ReadError(path, error_cause("empty"))
    encoding = _detect_encoding(raw, path)
    lines = functools.cache(lambda: raw.count(b"\n"))
    table = None
    if len(raw) >= FAST_CSV_MIN_BYTES:
        table = _read_csv_arrow(raw, encoding, fmt, limits, path, lines)
    if table is None:
        table = _read_csv_python(raw, encoding, fmt, limits, path)
    table.meta["gzip"] = gz
    if table.meta.get("newlines_in_values", True):
        _note_long_quoted_cells(table, lines())
    return table


LONG_QUOTED_CELL_LINES = 20  # a quoted cell over this many lines is most likely a stray quote


def _note_long_quoted_cells(table: Table, newlines: int) -> None:
    """A stray quote makes one cell swallow every line up to the next quote, silently: 5 rows
    read from a file of 320. Only when the file has clearly more lines than rows (``newlines``:
    its count of newline bytes), the cells holding the most line breaks are looked for, and the
    table notes how many lines the longest spans. (Not called when pyarrow read the file with
    line breaks not allowed in values: no cell can then span lines.)"""
    extra = newlines - table.rows - (table.header_row or 1) - (1 if table.hxl_row else 0)
    if extra < LONG_QUOTED_CELL_LINES or table.rows == 0:
        return
    import pyarrow as pa
    import pyarrow.compute as pc

    longest, where = 0, None
    for header, key in zip(table.headers, table.keys):
        try:
            arr = pa.array(table.data[key].array) if key in table.data.columns else None
        except (pa.ArrowException, TypeError, ValueError):
            continue
        if arr is None or not pa.types.is_string(arr.type) and not pa.types.is_large_string(
                arr.type):
            continue
        n = pc.max(pc.count_substring(arr, "\n")).as_py() or 0
        if n > longest:
            longest, where = n, header
    if longest >= LONG_QUOTED_CELL_LINES:
        table.notes.append(note("long_quoted_cell", column=where, lines=longest + 1))


def _read_csv_python(raw: bytes, encoding: str, fmt: str, limits: ReadLimits,
                     path: Path) -> Table:
    """csv-module path: streams the rows into Arrow string columns, :data:`CHUNK_ROWS` at a
    time, counting ragged rows (kept: short rows padded, long rows cut to the header)."""
    text, encoding = _decode_all(raw, encoding)
    if "\x00" in text:
        text = text.replace("\x00", "")
    if not text or text.isspace():
        raise ReadError(path, error_cause("empty"))
    delim = _sniff_delimiter(text, fmt)
    csv.field_size_limit(max(limits.max_cell_chars, 131072))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    try:
        head = list(itertools.islice(reader, HEADER_SEARCH_ROWS + 200))
        rows = [[c if c.strip() != "" else None for c in r] for r in head]
        if not any(c is not None for r in rows for c in r):
            raise ReadError(path, error_cause("empty"))
        width = _csv_width(rows)
        _check_width(width, limits, path)
        lay = _layout(rows, width)
        keys = _unique_keys(lay.headers)
        batches, ragged = [], 0
        pending = head[lay.data_start:]

        def flush() -> None:
            nonlocal ragged
            ragged += sum(1 for r in pending if len(r) != width and any(c.strip() for c in r))
            batches.append(_rows_to_batch(pending, keys))
            _check_cells(batches[-1].columns, limits, path)
            pending.clear()

        for r in reader:
            pending.append(r)
            if len(pending) >= CHUNK_ROWS:
                flush()
        if pending:
            flush()
    except csv.Error as exc:
        raise _csv_error(exc, limits, path) from None
    table = Table(name=None, data=_frame_from_arrow(batches, keys), headers=lay.headers,
                  keys=keys, hxl=lay.hxl, header_row=lay.header_row,
                  hxl_row=None if lay.hxl_idx is None else lay.hxl_idx + 1)
    _mark_headerless(table, lay)
    table.ragged_rows = ragged
    if ragged:
        table.notes.append(note("ragged_one" if ragged == 1 else "ragged_many", n=ragged))
    table.meta.update({"delimiter": delim, "encoding": encoding, "reader": "csv",
                       "blanks_nulled": True})  # _rows_to_batch nulled them
    return table


def _csv_error(exc: Exception, limits: ReadLimits, path: Path) -> ReadError:
    if "field larger than field limit" in str(exc):
        return ReadError(path, error_cause("long_cell", limit=limits.max_cell_chars))
    return ReadError(path, error_cause("malformed_csv"))


def _read_csv_arrow(raw: bytes, encoding: str, fmt: str, limits: ReadLimits,
                    path: Path, lines: Callable[[], int],
                    source: Path | None = None) -> Table | None:
    """pyarrow.csv path: every column as a string. Returns None when the file is not a clean
    rectangle in that encoding (ragged rows, invalid bytes…): the csv-module path then reads it.
    ``raw``: the file's bytes, or only its head when pyarrow reads the file ``source``;
    ``lines()``: the file's count of newline bytes."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    text, complete = _decode_head(raw, encoding)
    if "\x00" in text:
        return None
    delim = _sniff_delimiter(text, fmt)
    rows, ends = _parse_rows(text, delim, limits, path, max_rows=HEADER_SEARCH_ROWS + 200)
    if not complete and len(rows) > 1:  # the last row of a truncated head may be cut
        rows, ends = rows[:-1], ends[:-1]
    if not rows:
        return None
    width = _csv_width(rows)
    _check_width(width, limits, path)
    lay = _layout(rows, width)
    if lay.data_start >= len(rows):
        return None
    keys = _unique_keys(lay.headers)
    skip = ends[lay.data_start - 1] if lay.data_start > 0 else 0
    arrow_encoding = "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding
    # Values with line breaks slow pyarrow's parallel reader down: allow them only when the
    # head has one, and retry with them allowed when the quick parse fails.
    head_newlines = any(c is not None and ("\n" in c or "\r" in c) for r in rows for c in r)
    tbl = None
    for newlines in ([True] if head_newlines else [False, True]):
        try:
            tbl = while_pandas_loads(
                pcsv.read_csv,
                str(source) if source is not None else pa.py_buffer(raw),
                read_options=pcsv.ReadOptions(column_names=keys, skip_rows=skip,
                                              encoding=arrow_encoding),
                parse_options=pcsv.ParseOptions(delimiter=delim, quote_char='"',
                                                double_quote=True, escape_char=False,
                                                newlines_in_values=newlines,
                                                ignore_empty_lines=True),
                convert_options=pcsv.ConvertOptions(
                    column_types={k: pa.large_string() for k in keys}, null_values=[""],
                    strings_can_be_null=True, quoted_strings_can_be_null=True,
                    check_utf8=True),
            )
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, UnicodeError, LookupError):
            tbl = None
            continue  # ragged rows, invalid bytes…: the csv-module path counts and keeps them
        # Without line breaks in values a record is one line. pyarrow can silently lose rows
        # there: a stray quote in a 60,000-line file gave 22,159 rows and no error. So the
        # rows must account for every line, the last one with or without its newline (blank
        # lines and CR-only endings make the count differ too: those take the careful parse).
        if newlines or tbl.num_rows + skip in (lines(), lines() + 1):
            break
        tbl = None
    if tbl is None:
        return None
    # whitespace-only cells are empty, and fully empty rows are not records (as in the csv
    # path); a column per core (pyarrow kernels: 1M x 20 in 0.27 s on one core)
    from datasafe.concurrency import map_on_cores

    def blanks_nulled(col):
        space = pc.utf8_is_space(col)
        if pc.any(space).as_py():
            col = pc.if_else(space, pa.scalar(None, col.type), col)
        _check_cells([col], limits, path)  # the same cell-size limit as the csv-module path
        return col

    cols = map_on_cores(blanks_nulled, tbl.columns, big=tbl.num_rows >= 100_000)
    tbl = pa.Table.from_arrays(cols, names=keys)
    if tbl.num_rows:
        keep = _any_valid(cols)
        if not pc.all(keep).as_py():
            tbl = tbl.filter(keep)
    # the first data row must be the one the csv module sees after the header
    first_expected = [c for c in (list(rows[lay.data_start]) + [None] * width)[:width]]
    first_row = [tbl.column(i)[0].as_py() for i in range(width)] if tbl.num_rows else None
    if any(c is not None for c in first_expected) and first_row != first_expected:
        return None
    df = tbl.to_pandas()
    df.columns = keys
    for k in keys:
        if str(df[k].dtype) != "str":
            df[k] = df[k].astype("str")
    table = Table(name=None, data=df, headers=lay.headers, keys=keys, hxl=lay.hxl,
                  header_row=lay.header_row,
                  hxl_row=None if lay.hxl_idx is None else lay.hxl_idx + 1)
    _mark_headerless(table, lay)
    # no cell is empty or whitespace only (null_values and the pass above): the profiler
    # does not look for them again
    table.meta.update({"delimiter": delim, "encoding": encoding, "reader": "pyarrow",
                       "blanks_nulled": True, "newlines_in_values": newlines})
    return table


# ---------------------------------------------------------------------------------------------
# Excel


def _check_zip(path: Path, limits: ReadLimits, fmt: str) -> dict[str, int]:
    """Refuse a workbook zip that is not one, or too big; return what it holds outside its
    cells that the reader does not read (``comments``: cell comments and notes; ``author``: 1
    when its properties name who wrote or last saved it), never the text itself."""
    import zipfile

    extras = {"comments": 0, "author": 0}
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            for i in infos:
                n = i.filename.lower()
                if i.file_size > 20 * 1024**2:
                    continue
                if re.fullmatch(r"xl/(?:comments\d*|comments/comment\d*)\.xml", n):
                    extras["comments"] += zf.read(i).count(b"<comment ")
                elif n == "docprops/core.xml":
                    core = zf.read(i)
                    extras["author"] = int(bool(re.search(
                        rb"<(?:dc:creator|cp:lastModifiedBy)>\s*[^<\s]", core)))
    except (zipfile.BadZipFile, EOFError, ValueError):
        raise ReadError(path, error_cause("workbook_zip")) from None
    if fmt == "ods":
        if "content.xml" not in names:
            raise ReadError(path, error_cause("ods_no_content"))
    elif "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        raise ReadError(path, error_cause("zip_without_workbook", format=fmt))
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > limits.max_uncompressed_bytes:
        raise ReadError(path, error_cause("workbook_limit", bytes=total))
    if total / packed > limits.max_inflate_ratio and total > 50 * 1024**2:
        raise ReadError(path, error_cause("workbook_bomb", ratio=f"{total / packed:.0f}"))
    if fmt in ("xlsx", "xlsm"):
        _check_xlsx_grid(path, infos, limits)
    return extras


# a row's or a cell's reference: <row r="12" …>, <c r="AB12" …>
_REF_ROW_RE = re.compile(rb'\sr="[A-Z]{0,3}([0-9]{1,7})"')
_REF_COL_RE = re.compile(rb'\sr="([A-Z]{1,3})[0-9]')


def _check_xlsx_grid(path: Path, infos, limits: ReadLimits) -> None:
    """Refuse a worksheet whose used area (rows x columns, from the cell references) is over
    ``limits.max_cells`` or wider than ``limits.max_columns`` *before* calamine allocates it: a
    sheet of two cells, A1 and XFD1048576, would otherwise ask for 17 billion cells. Two
    regex passes in C per chunk (about 1 s for 50 MB of sheet XML)."""
    import zipfile

    sheets = [i for i in infos if i.filename.startswith("xl/worksheets/")
              and i.filename.endswith(".xml")]
    with zipfile.ZipFile(path) as zf:
        for info in sheets:
            max_row = max_col = 0
            letters: set[bytes] = set()
            tail = b""
            with zf.open(info) as fh:
                while True:
                    chunk = fh.read(1 << 24)
                    if not chunk:
                        break
                    buf = tail + chunk
                    rows = _REF_ROW_RE.findall(buf)
                    if rows:
                        max_row = max(max_row, max(map(int, rows)))
                    letters.update(_REF_COL_RE.findall(buf))
                    tail = buf[-32:]
            for lt in letters:
                col = 0
                for ch in lt:
                    col = col * 26 + ch - 64
                max_col = max(max_col, col)
            name = info.filename.rsplit("/", 1)[-1]
            if max_col > limits.max_columns:
                raise ReadError(path, error_cause("sheet_width", sheet=name, width=max_col,
                                                 limit=limits.max_columns))
            if max_row * max_col > limits.max_cells:
                raise ReadError(path, error_cause("sheet_cells", sheet=name, rows=max_row, width=max_col,
                                                 limit=limits.max_cells))


def _check_cfb(path: Path) -> None:
    """Sanity of an OLE2 / Compound File container (xls) before calamine reads it: the header
    fields and the directory's stream sizes must fit in the file (a crafted header makes
    calamine allocate gigabytes)."""
    import struct

    size = path.stat().st_size
    with open(path, "rb") as fh:
        h = fh.read(512)
        bad = ReadError(path, error_cause("xls_ole2"))
        if len(h) < 512:
            raise bad
        major, order, sshift, mshift = struct.unpack_from("<HHHH", h, 0x1A)
        if order != 0xFFFE or (major, sshift) not in ((3, 9), (4, 12)) or mshift != 6:
            raise bad
        ssize = 1 << sshift
        nsect = max(1, (size - ssize + ssize - 1) // ssize)
        _ndir, nfat, dir0, _tx, cutoff, minifat0, nminifat, difat0, ndifat = \
            struct.unpack_from("<9I", h, 0x28)
        end, free = 0xFFFFFFFE, 0xFFFFFFFF
        if not (1 <= nfat <= nsect and dir0 < nsect and nminifat <= nsect and ndifat <= nsect
                and cutoff == 4096 and (minifat0 < nsect or minifat0 == end)
                and (difat0 < nsect or difat0 in (end, free))):
            raise bad
        difat = struct.unpack_from("<109I", h, 0x4C)
        if any(x >= nsect and x != free for x in difat):
            raise bad
        if nfat > 109:
            return  # a very large container: the header checks are all we do

        def sector(i: int) -> bytes:
            fh.seek((i + 1) * ssize)
            data = fh.read(ssize)
            if len(data) < ssize:
                raise bad
            return data

        fat: list[int] = []
        for i in difat[:nfat]:
            fat.extend(struct.unpack(f"<{ssize // 4}I", sector(i)))
        cur, steps = dir0, 0
        while cur != end:
            if cur >= len(fat) or cur >= nsect or steps > nsect:
                raise bad
            block = sector(cur)
            for off in range(0, ssize, 128):
                kind = block[off + 0x42]
                length = struct.unpack_from("<Q", block, off + 0x78)[0]
                if major == 3:
                    length &= 0xFFFFFFFF
                if kind in (1, 2, 5) and length > size:
                    raise bad
            cur, steps = fat[cur], steps + 1


def _read_excel(path: Path, fmt: str, limits: ReadLimits) -> list[Table]:
    from python_calamine import CalamineWorkbook

    with open(path, "rb") as fh:
        head = fh.read(8)
    if fmt in ("xlsx", "xlsm", "xlsb", "ods"):
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            # An OOXML workbook inside an OLE2 container is how Excel stores an encrypted file.
            raise ReadError(path, error_cause("encrypted_advice"))
        if not head.startswith(b"PK"):
            kind = _binary_kind(head)
            raise ReadError(path, error_cause("not_workbook_kind", format=fmt, kind=kind) if kind
                            else error_cause("not_workbook", format=fmt))
        extras = _check_zip(path, limits, fmt)
    elif fmt == "xls" and not head.startswith(b"\xd0\xcf\x11\xe0"):
        kind = _binary_kind(head)
        raise ReadError(path, error_cause("not_workbook_kind", format="xls", kind=kind) if kind
                          else error_cause("not_workbook", format="xls"))
    elif fmt == "xls":
        _check_cfb(path)
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001
        msg = str(exc).lower()
        if "password" in msg or "encrypt" in msg:
            raise ReadError(path, error_cause("encrypted")) from None
        raise ReadError(path, error_cause("corrupt_workbook", cause=_short(exc))) from None
    tables = []
    for meta in wb.sheets_metadata:
        if "chart" in str(meta.typ).lower():
            continue  # a chart sheet holds no cells
        hidden = _sheet_hidden(meta.visible)
        try:
            sheet = wb.get_sheet_by_name(meta.name)
            _check_width(sheet.width, limits, path, sheet=meta.name)
            values = sheet.to_python(skip_empty_area=True)
        except ReadError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise ReadError(path, error_cause("corrupt_sheet", sheet=meta.name, cause=_short(exc))) \
                    from None
        rows = [[(v if v.strip() else None) if type(v) is str else _cell_text(v) for v in r]
                for r in values]
        while rows and not any(c is not None for c in rows[-1]):
            rows.pop()
        if not rows:
            import pandas as pd

            t = Table(name=meta.name, data=pd.DataFrame(), headers=[], keys=[], hidden=hidden,
                      header_row=None)
            t.notes.append(note("empty_sheet"))
            tables.append(t)
            continue
        # drop fully empty columns on the right
        width = max(len(r) for r in rows)
        while width > 1 and all((len(r) < width or r[width - 1] is None) for r in rows):
            width -= 1
        rows = [r[:width] for r in rows]
        t = _assemble(meta.name, rows, max(width, 1), limits=limits, path=path, hidden=hidden)
        # calamine drops the empty rows above the used area: count them back into row numbers
        top, left = getattr(sheet, "start", None) or (0, 0)
        top, left = top or 0, left or 0
        if top:
            t.header_row = None if t.header_row is None else t.header_row + top
            t.hxl_row = None if t.hxl_row is None else t.hxl_row + top
        # where the table's first row and column are on the sheet (0-based): a writer puts the
        # treated cells back there (a cell holding only a space moves calamine's origin)
        t.meta["origin"] = (top, left)
        t.meta["visibility"] = str(meta.visible).rsplit(".", 1)[-1].lower()
        tables.append(t)
    if not tables:
        raise ReadError(path, error_cause("no_sheets"))
    if fmt in ("xlsx", "xlsm") and (extras["comments"] or extras["author"]):
        tables[0].meta["workbook_extras"] = extras  # reported once, with the first sheet
    return tables


def _sheet_hidden(visible: Any) -> bool:
    """calamine's SheetVisibleEnum.Visible / Hidden / VeryHidden → hidden?"""
    name = str(getattr(visible, "name", "") or str(visible).rsplit(".", 1)[-1]).lower()
    return name != "visible"


# ---------------------------------------------------------------------------------------------
# Parquet


def _read_parquet(path: Path, limits: ReadLimits) -> Table:
    """Read a Parquet file batch by batch (row group by row group), converting each batch to
    text before the next is decoded, so only the text form of the data is ever held whole."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    with open(path, "rb") as fh:
        head = fh.read(4)
        tail = b""
        if os.fstat(fh.fileno()).st_size >= 12:
            fh.seek(-4, os.SEEK_END)
            tail = fh.read(4)
    if head != b"PAR1":
        kind = _binary_kind(head)
        raise ReadError(path, error_cause("not_parquet_kind", kind=kind) if kind
                          else error_cause("not_parquet"))
    if tail != b"PAR1":
        raise ReadError(path, error_cause("parquet_footer"))
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001
        raise ReadError(path, error_cause("corrupt_parquet", cause=_short(exc))) from None
    schema = pf.schema_arrow
    _check_width(len(schema), limits, path)
    headers = [f.name for f in schema]
    keys = _unique_keys(headers)
    # big files: the next batch is decoded while this one's columns are cast to text, a column
    # per core (1M x 20: the casts took 0.95 s on one core, doubles 110-150 ms each)
    big = pf.metadata.num_rows * max(1, len(keys)) >= PARQUET_THREADED_CELLS

    def text_batches():
        from datasafe.concurrency import prefetch

        raw = pf.iter_batches(batch_size=PARQUET_BATCH_ROWS)
        return [_batch_to_text(b, keys, big) for b in (prefetch(raw) if big else raw)]

    try:
        batches = while_pandas_loads(text_batches)
    except Exception as exc:  # noqa: BLE001
        raise ReadError(path, error_cause("corrupt_parquet_data", cause=_short(exc))) from None
    if batches:
        text_table = pa.Table.from_batches(batches)
    else:
        text_table = pa.table({k: pa.array([], pa.string()) for k in keys})
    _check_cells(text_table.columns, limits, path)
    df = text_table.to_pandas()
    df.columns = keys
    for k in keys:
        if str(df[k].dtype) != "str":
            df[k] = df[k].astype("str")
    t = Table(name=None, data=df, headers=headers, keys=keys, header_row=None)
    md = pf.metadata
    t.meta.update({"schema": schema, "row_groups": md.num_row_groups,
                   "row_group_rows": [md.row_group(i).num_rows
                                      for i in range(md.num_row_groups)],
                   "types": {k: str(f.type) for k, f in zip(keys, schema)}})
    return t


def _batch_to_text(batch, keys: list[str], on_cores: bool = False):
    """Cast every column of a record batch to text (vectorised; a column per core when
    ``on_cores``)."""
    import pyarrow as pa

    from datasafe.concurrency import map_on_cores

    arrays = map_on_cores(array_to_text, batch.columns, big=on_cores)
    return pa.RecordBatch.from_arrays(arrays, names=keys)


def array_to_text(col):
    """One Arrow array → a string array, with the same text as :func:`_cell_text` gives a
    Python value: integral floats without ``.0``, dates ISO, midnight timestamps as dates,
    whitespace-only strings and NaN as null. Vectorised, except for nested types."""
    import json

    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    typ = col.type
    null = pa.scalar(None, pa.string())
    if pa.types.is_dictionary(typ):
        col = col.cast(typ.value_type)
        typ = typ.value_type
    if pa.types.is_null(typ):
        return pa.nulls(len(col), pa.string())
    if pa.types.is_string(typ) or pa.types.is_large_string(typ) or pa.types.is_string_view(typ):
        col = col.cast(pa.string())
        return pc.if_else(pc.utf8_is_space(col), null, col)
    if pa.types.is_boolean(typ):
        return pc.if_else(col, pa.scalar("TRUE"), pa.scalar("FALSE"))
    if pa.types.is_integer(typ) or pa.types.is_decimal(typ):
        return pc.cast(col, pa.string())
    if pa.types.is_floating(typ):
        # a float32 is written at its own precision ('11.8', not '11.800000190734863', which
        # read as 15 decimals made a point rounded to 11 km look precise to 0.1 m)
        own = col if typ in (pa.float32(), pa.float64()) else col.cast(pa.float32())
        col = col.cast(pa.float64())
        col = pc.if_else(pc.is_nan(col), pa.scalar(None, pa.float64()), col)
        own = pc.if_else(pc.is_nan(own), pa.scalar(None, own.type), own)
        integral = pc.and_(pc.equal(pc.floor(col), col), pc.less(pc.abs(col), 1e16))
        as_int = pc.cast(pc.if_else(integral, col, 0.0), pa.int64()).cast(pa.string())
        return pc.if_else(integral, as_int, pc.cast(own, pa.string()))
    if pa.types.is_date(typ):
        return pc.cast(col, pa.string())
    if pa.types.is_timestamp(typ):
        # midnight in the time's own zone is a date (a date of birth stored as a time-zone-aware
        # timestamp was read as '1976-02-16 00:00:00Z', a plain date, not a date of birth)
        # (midnight in UTC too: a date stored as UTC midnight under a local zone)
        local = col
        if typ.tz is not None:
            local = pc.local_timestamp(col)
            utc = col.cast(pa.timestamp(typ.unit))
            local = pc.if_else(pc.equal(pc.cast(pc.cast(local, pa.date32()), local.type), local),
                               local, utc)
        ltyp = local.type
        midnight = pc.equal(pc.cast(pc.cast(local, pa.date32()), ltyp), local)
        secs = pc.cast(col, pa.timestamp("s", tz=typ.tz), safe=False)
        whole = pc.equal(pc.cast(secs, typ), col)
        full = pc.if_else(whole, pc.strftime(secs, format="%Y-%m-%d %H:%M:%S"),
                          pc.strftime(col, format="%Y-%m-%d %H:%M:%S"))
        if typ.tz is not None:
            full = pc.binary_join_element_wise(full, pa.scalar("Z") if typ.tz in ("UTC", "Z")
                                               else pa.scalar(""), "")
        return pc.if_else(midnight, pc.cast(pc.cast(local, pa.date32()), pa.string()), full)
    if pa.types.is_time(typ) or pa.types.is_duration(typ):
        return pc.cast(col, pa.string())
    if pa.types.is_binary(typ) or pa.types.is_large_binary(typ) or pa.types.is_fixed_size_binary(
            typ):
        return pa.array([None if v is None else _bytes_text(v) for v in col.to_pylist()],
                        pa.string())
    if (pa.types.is_list(typ) or pa.types.is_large_list(typ)
            or pa.types.is_fixed_size_list(typ)) and not pa.types.is_nested(typ.value_type):
        # a list of values ('contacts': [+243 81 …]): its items as text, '; ' between them —
        # so the recognisers see a phone number, not a JSON array around one
        return pa.array([None if v is None else "; ".join(
            "" if x is None else str(x) for x in v) or None for v in col.to_pylist()],
            pa.string())
    try:
        values = col.to_pylist()
    except (ValueError, pa.ArrowException):  # a struct with two fields of one name
        return pa.array([None if not v.is_valid else str(v) for v in col], pa.string())
    return pa.array([None if v is None else json.dumps(v, default=str, ensure_ascii=False)
                     for v in values], pa.string())


def _bytes_text(v: bytes) -> str:
    """Bytes as text: UTF-8, or Windows-1252 when they are not (accented names from an old
    export were read with replacement characters, and no recognizer knew them)."""
    try:
        return v.decode("utf-8")
    except UnicodeDecodeError:
        return v.decode("cp1252", "replace")


def table_from_dataframe(df, name: str | None = None) -> Table:
    """Wrap a pandas DataFrame (any dtypes) as a table of text."""
    import pandas as pd
    import pyarrow as pa

    headers = [str(c) for c in df.columns]
    keys = _unique_keys(headers)
    out = {}
    for i, k in enumerate(keys):
        s = df.iloc[:, i].reset_index(drop=True)
        try:
            arr = pa.Array.from_pandas(s)
            text = array_to_text(arr)
            out[k] = pd.Series(text.to_pandas(), dtype="str")
        except (pa.ArrowException, TypeError, ValueError):
            out[k] = pd.Series([_cell_text(v) for v in s.tolist()], dtype="str")
    data = pd.DataFrame(out) if out else pd.DataFrame()
    t = Table(name=name, data=data, headers=headers, keys=keys, header_row=None)
    mask_person_headers(t)
    return t
