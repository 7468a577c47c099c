"""Readers: turn a CSV/TSV/TXT (plain or gzip), Excel (xlsx, xlsm, xls, ods) or Parquet file into
tables of text.

Every value is read as text first, so that ``+243812345678`` never becomes a float and ``00123``
keeps its zeros. Missing cells are ``NA``. A table knows its header row, its HXL hashtag row (which
is not data), whether its sheet is hidden, and how many ragged rows it had.

Inputs are opened read-only and never modified.
"""

from __future__ import annotations

import csv
import datetime as _dt
import gzip
import io
import os
import re
from collections import Counter
from collections.abc import Iterator
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

HXL_TAG_RE = re.compile(r"^\s*#[A-Za-z][A-Za-z0-9_]*(\s*[+][A-Za-z][A-Za-z0-9_]*)*\s*$")


class ReadError(Exception):
    """A file that cannot be read. ``str(err)`` is one line naming the cause (not the path)."""

    def __init__(self, path: str | os.PathLike, cause: str):
        self.path = str(path)
        self.cause = cause
        super().__init__(cause)

    def line(self) -> str:
        return f"{self.path}: {self.cause}"


@dataclass
class ReadLimits:
    max_columns: int = DEFAULT_MAX_COLUMNS
    max_cell_chars: int = DEFAULT_MAX_CELL_CHARS
    max_inflate_ratio: float = DEFAULT_MAX_INFLATE_RATIO
    max_uncompressed_bytes: int = DEFAULT_MAX_UNCOMPRESSED


@dataclass
class Table:
    """One table of text read from a file.

    ``data`` holds one column per header, keyed by ``keys`` (unique labels: a repeated header
    gets a ``.1`` suffix); ``headers`` keeps each header exactly as it appears in the file.
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
    if name.endswith(".gz"):
        name = name[:-3]
    ext = os.path.splitext(name)[1]
    if ext in {".csv", ".txt"}:
        return "csv"
    if ext in {".tsv", ".tab"}:
        return "tsv"
    if ext in EXCEL_EXTS:
        return ext[1:]
    if ext in PARQUET_EXTS:
        return "parquet"
    return None


def iter_files(paths: list[str | os.PathLike]) -> Iterator[Path]:
    """Expand files and folders into supported files: folders recurse, hidden folders and
    symlink loops are skipped. Paths that do not exist are yielded so that reading reports them."""
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
    if ident in seen:
        return
    seen.add(ident)
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
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
    fmt = file_format(p)
    if fmt is None:
        raise ReadError(path, f"unsupported file type '{p.suffix or p.name}' "
                              "(supported: csv, tsv, txt, xlsx, xlsm, xls, ods, parquet)")
    if not p.exists():
        raise ReadError(path, "no such file")
    if p.is_dir():
        raise ReadError(path, "is a folder, not a file")
    if not os.access(p, os.R_OK):
        raise ReadError(path, "permission denied")
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise ReadError(path, f"cannot read: {exc.strerror or exc}") from None
    if size == 0:
        raise ReadError(path, "file is empty")
    try:
        if fmt in ("csv", "tsv"):
            tables = [_read_csv(p, fmt, limits)]
        elif fmt == "parquet":
            tables = [_read_parquet(p, limits)]
        else:
            tables = _read_excel(p, fmt, limits)
    except ReadError:
        raise
    except PermissionError:
        raise ReadError(path, "permission denied") from None
    except MemoryError:
        raise ReadError(path, "file too large to read in memory") from None
    except Exception as exc:  # noqa: BLE001 - any parser failure becomes one clear line
        raise ReadError(path, f"cannot parse as {fmt}: {_short(exc)}") from None
    for t in tables:
        t.source = str(path)
        t.format = fmt
    return tables


def _short(exc: BaseException) -> str:
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return msg[:200]


# ---------------------------------------------------------------------------------------------
# Sniffing helpers

_MAGIC = [
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (an Excel workbook or other zip file?)"),
    (b"\xd0\xcf\x11\xe0", "an OLE2 binary (an old Excel or Word file?)"),
    (b"PAR1", "a Parquet file"),
    (b"\x7fELF", "an executable"),
    (b"BZh", "a bzip2 archive"),
    (b"\xfd7zXZ", "an xz archive"),
]


def _binary_kind(head: bytes) -> str | None:
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return None


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    """Decode bytes to text: BOM first (UTF-8, UTF-16 LE/BE as Excel writes), then UTF-8,
    then cp1252 with a latin-1 fallback. Returns (text, encoding)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    if raw.startswith(b"\xff\xfe") or raw.startswith(b"\xfe\xff"):
        return raw.decode("utf-16", errors="replace"), "utf-16"
    head = raw[:4096]
    if head and b"\x00" in head:
        # UTF-16 without BOM: every other byte zero in ASCII text.
        even = head[0::2].count(0)
        odd = head[1::2].count(0)
        if odd > len(head) / 4 and even == 0:
            return raw.decode("utf-16-le", errors="replace"), "utf-16-le"
        if even > len(head) / 4 and odd == 0:
            return raw.decode("utf-16-be", errors="replace"), "utf-16-be"
        kind = _binary_kind(raw) or "binary data"
        raise ReadError(path, f"not a text table: the file holds {kind}")
    kind = _binary_kind(raw)
    if kind:
        raise ReadError(path, f"not a text table: the file holds {kind}")
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _sniff_delimiter(text: str, fmt: str) -> str:
    lines = [ln for ln in text[:65536].splitlines()[:50] if ln.strip()]
    if not lines:
        return "\t" if fmt == "tsv" else ","
    best, best_score = ("\t" if fmt == "tsv" else ","), -1.0
    for d in (",", ";", "\t", "|"):
        counts = [ln.count(d) for ln in lines]
        common, freq = Counter(counts).most_common(1)[0]
        if common == 0:
            continue
        score = freq / len(lines) * (1 + min(common, 50) / 50)
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
        if v != v:  # NaN
            return None
        if v.is_integer() and abs(v) < 1e16:
            return str(int(v))
        return repr(v)
    if isinstance(v, int):
        return str(v)
    if isinstance(v, _dt.datetime):
        if v.time() == _dt.time(0, 0):
            return v.date().isoformat()
        return v.isoformat(sep=" ")
    if isinstance(v, (_dt.date, _dt.time)):
        return v.isoformat()
    if isinstance(v, _dt.timedelta):
        return str(v)
    return str(v)


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


def _find_header(rows: list[list[str | None]], width: int) -> int:
    """Index of the header row among the first rows: the first row that fills at least half
    of the table's width with text, skipping title rows above it."""
    if not rows:
        return 0
    need = max(2, (width + 1) // 2) if width > 1 else 1
    for i, row in enumerate(rows[:30]):
        filled = [c for c in row if c is not None and str(c).strip()]
        if len(filled) >= need:
            return i
    return 0


def _build_headers(rows: list[list[str | None]], header_idx: int) -> tuple[list[str], int]:
    """Header names; joins a multi-row header (a group label row right above the header row,
    with merged/sparse labels) as 'group label'. Returns (headers, rows_used_above)."""
    header = [("" if c is None else str(c).strip()) for c in rows[header_idx]]
    above_used = 0
    if header_idx > 0:
        above = rows[header_idx - 1]
        labels = [c for c in above if c is not None and str(c).strip()]
        # A group row: several labels, sparser than the header, not a single title cell.
        if len(labels) >= 2 and len(labels) < sum(1 for h in header if h):
            filled, last = [], ""
            for c in above[: len(header)]:
                if c is not None and str(c).strip():
                    last = str(c).strip()
                filled.append(last)
            header = [f"{g} {h}".strip() if g and h and g != h else (h or g)
                      for g, h in zip(filled, header)]
            above_used = 1
    return header, above_used


def _unique_keys(headers: list[str]) -> list[str]:
    seen: Counter = Counter()
    keys = []
    for i, h in enumerate(headers):
        base = h if h.strip() else f"column_{i + 1}"
        key = base if seen[base] == 0 else f"{base}.{seen[base]}"
        while key in seen and seen[key]:
            seen[base] += 1
            key = f"{base}.{seen[base]}"
        seen[base] += 1
        seen[key] += 1 if key != base else 0
        keys.append(key)
    return keys


def _assemble(name: str | None, rows: list[list[str | None]], width: int, *,
              limits: ReadLimits, path: Path, hidden: bool = False,
              header_idx: int | None = None) -> Table:
    """Rows of text (header, maybe HXL, data) → Table."""
    import pandas as pd

    if width > limits.max_columns:
        raise ReadError(path, f"{width} columns exceed the limit of {limits.max_columns} "
                              "(raise it with --max-columns)")
    if header_idx is None:
        header_idx = _find_header(rows, width)
    hxl = None
    hxl_row = None
    # HXL row directly above the header (rare) or directly below it.
    if header_idx > 0 and _is_hxl_row(rows[header_idx - 1]):
        hxl_idx = header_idx - 1
        hxl = rows[hxl_idx]
        hxl_row = hxl_idx + 1
        headers, _ = [("" if c is None else str(c).strip()) for c in rows[header_idx]], 0
        data_start = header_idx + 1
    elif _is_hxl_row(rows[header_idx]) and header_idx + 1 < len(rows) and not _is_hxl_row(
            rows[header_idx + 1]) and header_idx > 0:
        # the hashtag row was taken for the header: header is the row above
        hxl = rows[header_idx]
        hxl_row = header_idx + 1
        headers = [("" if c is None else str(c).strip()) for c in rows[header_idx - 1]]
        header_idx -= 1
        data_start = header_idx + 2
    else:
        headers, _ = _build_headers(rows, header_idx)
        data_start = header_idx + 1
        if data_start < len(rows) and _is_hxl_row(rows[data_start]):
            hxl = rows[data_start]
            hxl_row = data_start + 1
            data_start += 1
    headers = (headers + [""] * width)[:width]
    if hxl is not None:
        hxl = [_normalise_hxl(c) for c in (list(hxl) + [None] * width)[:width]]
    data_rows = rows[data_start:]
    keys = _unique_keys(headers)
    cols = {k: [r[i] if i < len(r) else None for r in data_rows] for i, k in enumerate(keys)}
    df = pd.DataFrame(cols, dtype="str") if data_rows else pd.DataFrame(
        {k: pd.Series([], dtype="str") for k in keys})
    return Table(name=name, data=df, headers=headers, keys=keys, hxl=hxl, hidden=hidden,
                 header_row=header_idx + 1, hxl_row=hxl_row)


# ---------------------------------------------------------------------------------------------
# CSV


def _read_csv(path: Path, fmt: str, limits: ReadLimits) -> Table:
    with open(path, "rb") as fh:
        raw = fh.read()
    gz = raw[:2] == b"\x1f\x8b"
    if gz:
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(raw)) as g:
                raw = g.read(limits.max_uncompressed_bytes + 1)
        except (OSError, EOFError) as exc:
            raise ReadError(path, f"corrupt gzip data: {_short(exc)}") from None
        if len(raw) > limits.max_uncompressed_bytes:
            raise ReadError(path, "gzip content exceeds the uncompressed size limit")
    elif str(path).lower().endswith(".gz"):
        raise ReadError(path, "named .gz but not gzip data")
    if not raw.strip():
        raise ReadError(path, "file is empty")
    text, encoding = _decode(raw, path)
    if "\x00" in text:
        text = text.replace("\x00", "")
    delim = _sniff_delimiter(text, fmt)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delim)
    csv.field_size_limit(max(limits.max_cell_chars, 131072))
    try:
        rows: list[list[str | None]] = [[c if c.strip() != "" else None for c in r] for r in reader]
    except csv.Error as exc:
        raise ReadError(path, f"malformed CSV: {_short(exc)}") from None
    while rows and not any(c is not None for c in rows[-1]):
        rows.pop()
    if not rows:
        raise ReadError(path, "file is empty")
    # Width: the most common field count among the first rows (title rows are narrower).
    head_counts = Counter(len(r) for r in rows[:200] if any(c is not None for c in r))
    width = max(head_counts.most_common(1)[0][0], 1)
    header_idx = _find_header(rows, width)
    width = max(width, len(rows[header_idx]))
    ragged = sum(1 for r in rows[header_idx + 1:] if r and len(r) != width
                 and any(c is not None for c in r))
    table = _assemble(None, rows, width, limits=limits, path=path, header_idx=header_idx)
    # blank lines inside the data are not records
    if len(table.data):
        table.data = table.data.dropna(how="all").reset_index(drop=True)
    table.ragged_rows = ragged
    if ragged:
        table.notes.append(f"{ragged} row(s) have a different number of fields than the header")
    table.meta.update({"delimiter": delim, "encoding": encoding, "gzip": gz})
    return table


# ---------------------------------------------------------------------------------------------
# Excel


def _check_zip(path: Path, limits: ReadLimits) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except zipfile.BadZipFile:
        raise ReadError(path, "corrupt or truncated workbook (not a valid zip container)") from None
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos) or 1
    if total > limits.max_uncompressed_bytes:
        raise ReadError(path, f"workbook inflates to {total} bytes, over the limit")
    if total / packed > limits.max_inflate_ratio and total > 50 * 1024**2:
        raise ReadError(path, f"workbook inflate ratio {total / packed:.0f}:1 looks like a zip bomb")


def _read_excel(path: Path, fmt: str, limits: ReadLimits) -> list[Table]:
    from python_calamine import CalamineWorkbook

    with open(path, "rb") as fh:
        head = fh.read(8)
    if fmt in ("xlsx", "xlsm", "xlsb", "ods"):
        if head.startswith(b"\xd0\xcf\x11\xe0"):
            raise ReadError(path, "workbook is password-protected or encrypted")
        if not head.startswith(b"PK"):
            kind = _binary_kind(head)
            raise ReadError(path, f"not a valid {fmt} workbook" + (f" (the file holds {kind})"
                                                                    if kind else ""))
        _check_zip(path, limits)
    elif fmt == "xls" and not head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReadError(path, "not a valid xls workbook")
    try:
        wb = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # noqa: BLE001
        msg = _short(exc)
        if "password" in msg.lower() or "encrypt" in msg.lower():
            raise ReadError(path, "workbook is password-protected or encrypted") from None
        raise ReadError(path, f"corrupt workbook: {msg}") from None
    tables = []
    for meta in wb.sheets_metadata:
        hidden = "visible" not in str(meta.visible).lower()
        try:
            sheet = wb.get_sheet_by_name(meta.name)
            if sheet.width > limits.max_columns:
                raise ReadError(path, f"sheet '{meta.name}' has {sheet.width} columns, over the "
                                      f"limit of {limits.max_columns}")
            values = sheet.to_python(skip_empty_area=True)
        except ReadError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise ReadError(path, f"corrupt sheet '{meta.name}': {_short(exc)}") from None
        rows = [[_cell_text(v) for v in r] for r in values]
        while rows and not any(c is not None for c in rows[-1]):
            rows.pop()
        if not rows:
            import pandas as pd

            t = Table(name=meta.name, data=pd.DataFrame(), headers=[], keys=[], hidden=hidden,
                      header_row=None)
            t.notes.append("empty sheet")
            tables.append(t)
            continue
        # drop fully empty columns on the right
        width = max(len(r) for r in rows)
        while width > 0 and all((len(r) < width or r[width - 1] is None) for r in rows):
            width -= 1
        t = _assemble(meta.name, rows, max(width, 1), limits=limits, path=path, hidden=hidden)
        if len(t.data):
            t.data = t.data.dropna(how="all").reset_index(drop=True)
        tables.append(t)
    if not tables:
        raise ReadError(path, "workbook has no sheets")
    return tables


# ---------------------------------------------------------------------------------------------
# Parquet


def _read_parquet(path: Path, limits: ReadLimits) -> Table:
    import pyarrow as pa
    import pyarrow.parquet as pq

    with open(path, "rb") as fh:
        head = fh.read(4)
    if head != b"PAR1":
        kind = _binary_kind(head)
        raise ReadError(path, "not a Parquet file" + (f" (the file holds {kind})" if kind else ""))
    try:
        pf = pq.ParquetFile(path)
    except Exception as exc:  # noqa: BLE001
        raise ReadError(path, f"corrupt Parquet file: {_short(exc)}") from None
    schema = pf.schema_arrow
    if len(schema) > limits.max_columns:
        raise ReadError(path, f"{len(schema)} columns exceed the limit of {limits.max_columns}")
    batches = []
    for batch in pf.iter_batches(batch_size=65536):
        batches.append(_batch_to_text(batch))
    text_table = pa.Table.from_batches(batches) if batches else pa.table(
        {f.name: pa.array([], pa.string()) for f in schema})
    df = text_table.to_pandas()
    headers = [f.name for f in schema]
    keys = _unique_keys(headers)
    df.columns = keys
    for k in keys:
        if str(df[k].dtype) != "str":
            df[k] = df[k].astype("str")
    t = Table(name=None, data=df, headers=headers, keys=keys, header_row=None)
    t.meta.update({"schema": schema, "row_groups": pf.metadata.num_row_groups})
    return t


def _batch_to_text(batch):
    """Cast every column of a record batch to text; nested types become JSON-like text."""
    import json

    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = []
    for col, fld in zip(batch.columns, batch.schema):
        typ = fld.type
        if pa.types.is_dictionary(typ):
            col = col.cast(typ.value_type)
            typ = typ.value_type
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            arrays.append(col.cast(pa.string()))
        elif pa.types.is_floating(typ):
            arrays.append(pa.array([_cell_text(v) for v in col.to_pylist()], pa.string()))
        elif (pa.types.is_integer(typ) or pa.types.is_boolean(typ) or pa.types.is_decimal(typ)
              or pa.types.is_date(typ)):
            arrays.append(pc.cast(col, pa.string()))
        elif pa.types.is_timestamp(typ):
            arrays.append(pa.array([_cell_text(v) for v in col.to_pylist()], pa.string()))
        elif pa.types.is_binary(typ) or pa.types.is_large_binary(typ):
            arrays.append(pa.array([None if v is None else v.decode("utf-8", "replace")
                                    for v in col.to_pylist()], pa.string()))
        else:
            arrays.append(pa.array([None if v is None else json.dumps(v, default=str,
                                                                      ensure_ascii=False)
                                    for v in col.to_pylist()], pa.string()))
    names = [f"c{i}" for i in range(len(arrays))]
    return pa.RecordBatch.from_arrays(arrays, names=names)


def table_from_dataframe(df, name: str | None = None) -> Table:
    """Wrap a pandas DataFrame (any dtypes) as a table of text."""
    import pandas as pd

    headers = [str(c) for c in df.columns]
    keys = _unique_keys(headers)
    out = {}
    for i, k in enumerate(keys):
        s = df.iloc[:, i]
        if str(s.dtype) == "str":
            out[k] = s.reset_index(drop=True)
        else:
            out[k] = pd.Series([_cell_text(v) for v in s.tolist()], dtype="str")
    data = pd.DataFrame(out) if out else pd.DataFrame()
    return Table(name=name, data=data, headers=headers, keys=keys, header_row=None)
