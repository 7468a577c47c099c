"""Writers: put a (redacted) table back into the format it was read from.

- CSV/TSV/TXT (plain or gzip): the same delimiter, encoding (a BOM stays a BOM), line ending and
  HXL hashtag row. Rows are written by pyarrow's CSV writer in batches, so a sink can be fed
  chunk by chunk and never holds the whole file.
- Excel (xlsx/xlsm): the source workbook is opened with openpyxl and only the sheets that have
  treatments are changed; every other sheet is copied as it was (styles, formulas, hidden state).
  Old binary formats (xls, xlsb) cannot be written by any maintained library: they are rebuilt
  as xlsx from the text of every sheet (the caller names the output ``.xlsx``).
- OpenDocument (ods): rebuilt as ods from the text of every sheet with odfpy (pandas' own ods
  engine): sheet names, order and hidden state, header and HXL rows, numbers as numbers.
- Parquet: the input's Arrow schema; a treated column keeps its type when its values still fit
  it (rounded coordinates, top-coded numbers) and becomes a string column otherwise
  (pseudonyms, bands).

Formula injection (OWASP "CSV injection"): in CSV and Excel outputs a text cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so that a
spreadsheet shows it as text instead of evaluating it. A value that is a plain number
(``-3.5``, ``+12``, ``1e-3``) is left alone: a number cannot run anything, and prefixing it would
turn a column of numbers into text. A phone number written with spaces (``+243 81 234 5678``) is
not a plain number and does get the apostrophe. Parquet is not opened by spreadsheets as text and
is written as is.

No writer here touches the input: callers pass a temporary path from
:func:`datasafe.atomic.atomic_path` and check the destination with :func:`check_output_path`.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_TRIGGER_RE = r"^[=+\-@\t\r]"
_NUMBER_RE = r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$"
_NUMBER = re.compile(_NUMBER_RE)


class OutputError(Exception):
    """The output cannot be written where asked (it is the input, or not writable)."""


# ---------------------------------------------------------------------------------------------
# Safety


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def check_output_path(input_path: str | os.PathLike, output_path: str | os.PathLike) -> None:
    """Refuse an output that is the input: the same path, a symlink or hard link to it, or a
    name that differs only in case (which is the same file on case-insensitive file systems).
    Raises :class:`OutputError`."""
    src = Path(input_path)
    dst = Path(output_path)
    rs, rd = src.resolve(), dst.resolve()
    if rs == rd or _same_file(src, dst):
        raise OutputError("the output would overwrite the input")
    if str(rs).casefold() == str(rd).casefold():
        raise OutputError("the output differs from the input only in letter case and would "
                          "overwrite it on a case-insensitive file system")
    if dst.is_dir():
        raise OutputError("the output is a folder")


# ---------------------------------------------------------------------------------------------
# Formula injection


def neutralise_text(value: Any) -> Any:
    """One cell: prefix an apostrophe when it would be read as a formula."""
    if isinstance(value, str) and value and value[0] in FORMULA_TRIGGERS \
            and not _NUMBER.match(value):
        return "'" + value
    return value


def _buffers(arr):
    """(offsets, data bytes) of a string/large_string array as numpy views (no copy)."""
    import numpy as np
    import pyarrow as pa

    bufs = arr.buffers()
    dtype = np.int64 if pa.types.is_large_string(arr.type) else np.int32
    offsets = np.frombuffer(bufs[1], dtype=dtype)[arr.offset:arr.offset + len(arr) + 1] \
        if bufs[1] is not None else np.zeros(len(arr) + 1, dtype=dtype)
    data = np.frombuffer(bufs[2], dtype=np.uint8) if bufs[2] is not None else np.zeros(
        0, dtype=np.uint8)
    return offsets, data


def first_byte_in(arr, chars: bytes):
    """Boolean numpy mask: the value's first byte is one of ``chars`` (nulls: False)."""
    import numpy as np

    offsets, data = _buffers(arr)
    starts, lens = offsets[:-1], np.diff(offsets)
    first = np.zeros(len(arr), dtype=np.uint8)
    has = lens > 0
    if len(data):
        first[has] = data[starts[has]]
    mask = np.isin(first, np.frombuffer(chars, dtype=np.uint8)) & has
    if arr.null_count:
        mask &= np.asarray(arr.is_valid())
    return mask


def rows_with_bytes(arr, chars: bytes):
    """Boolean numpy mask: the value holds any byte of ``chars`` anywhere (nulls: False).
    One pass over the data buffer, no regex."""
    import numpy as np

    offsets, data = _buffers(arr)
    mask = np.zeros(len(arr), dtype=bool)
    if not len(data) or not len(arr):
        return mask
    span = data[int(offsets[0]):int(offsets[-1])]
    hits = np.flatnonzero(np.isin(span, np.frombuffer(chars, dtype=np.uint8)))
    if len(hits):
        rows = np.searchsorted(offsets, hits + int(offsets[0]), side="right") - 1
        mask[np.unique(rows)] = True
    if arr.null_count:
        mask &= np.asarray(arr.is_valid())
    return mask


def neutralise_array(arr):
    """A pyarrow string array with :func:`neutralise_text` applied, vectorised (the first byte
    of every value is read from the Arrow buffer; the number pattern runs only when one of the
    trigger characters starts a value)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not (pa.types.is_string(arr.type) or pa.types.is_large_string(arr.type)):
        return arr
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not first_byte_in(arr, "".join(FORMULA_TRIGGERS).encode()).any():
        return arr
    trig = pc.match_substring_regex(arr, _TRIGGER_RE)
    num = pc.match_substring_regex(arr, _NUMBER_RE)
    mask = pc.and_(trig, pc.invert(num))
    prefixed = pc.binary_join_element_wise(pa.scalar("'", arr.type), arr, "")
    return pc.if_else(mask, prefixed, arr)


def neutralise_series(s):
    """A pandas Series of text with :func:`neutralise_text` applied, vectorised."""
    trig = s.str.match(_TRIGGER_RE).fillna(False).astype(bool)
    if not trig.any():
        return s
    num = s.str.match(_NUMBER_RE).fillna(False).astype(bool)
    mask = trig & ~num
    return s.where(~mask, "'" + s)


# ---------------------------------------------------------------------------------------------
# CSV


def detect_eol(path: str | os.PathLike, gz: bool = False) -> str:
    """``\\r\\n`` when the first line of the file ends that way, else ``\\n``."""
    opener = gzip.open if gz else open
    try:
        with opener(path, "rb") as fh:
            head = fh.read(65536)
    except OSError:
        return "\n"
    i = head.find(b"\n")
    if i > 0 and head[i - 1:i] == b"\r":
        return "\r\n"
    # UTF-16: "\r\0\n\0" or "\0\r\0\n"
    if b"\r\x00\n\x00" in head or b"\x00\r\x00\n" in head:
        return "\r\n"
    return "\n"


class CsvSink:
    """Write a CSV file batch by batch: header row, optional HXL row, then the data.

    ``encoding`` is the reader's (``utf-8``, ``utf-8-sig``, ``utf-16``, ``cp1252``…); the BOM
    is written once. ``gz`` compresses with gzip.
    """

    def __init__(self, path: str | os.PathLike, headers: list[str], *, hxl: list | None = None,
                 delimiter: str = ",", encoding: str = "utf-8", gz: bool = False,
                 eol: str = "\n", neutralise: bool = True):
        self.path = Path(path)
        self.delimiter = delimiter
        self.eol = eol
        self.neutralise = neutralise
        self.encoding = encoding or "utf-8"
        # after the header (which carries any BOM) UTF-8 bytes can go straight to the file
        self._utf8 = self.encoding.lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig")
        self._file = open(self.path, "wb")
        # no file name in the gzip header: the path written is a temporary one (atomic write)
        self._raw = gzip.GzipFile(filename="", mode="wb", fileobj=self._file) if gz \
            else self._file
        self._enc = codecs.getincrementalencoder(self.encoding)(errors="replace")
        self.rows = 0
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=delimiter, lineterminator=eol)
        heads = [neutralise_text(h) if neutralise else h for h in headers]
        w.writerow(heads)
        if hxl is not None:
            w.writerow(["" if t is None else t for t in hxl])
        self._write_text(buf.getvalue())

    def _write_text(self, text: str) -> None:
        self._raw.write(self._enc.encode(text))

    def write_table(self, table) -> None:
        """Append a pyarrow Table/RecordBatch of string columns (nulls become empty cells)."""
        import pyarrow as pa

        if isinstance(table, pa.RecordBatch):
            table = pa.Table.from_batches([table])
        if table.num_rows == 0:
            return
        cols = []
        for col in table.columns:
            col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
            if not (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
                col = col.cast(pa.string())
            if self.neutralise:
                col = neutralise_array(col)
            cols.append(col)
        self._write_utf8(csv_bytes(cols, self.delimiter, self.eol))
        self.rows += table.num_rows

    def _write_utf8(self, data: bytes) -> None:
        if self._utf8:
            self._raw.write(data)
        else:
            self._write_text(data.decode("utf-8"))

    def write_frame(self, df) -> None:
        """Append a pandas DataFrame of text."""
        self.write_table(frame_to_arrow(df))

    def close(self) -> None:
        tail = self._enc.encode("", final=True)
        if tail:
            self._raw.write(tail)
        self._raw.close()
        self._file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def csv_bytes(cols, delimiter: str = ",", eol: str = "\n") -> bytes:
    """CSV text (UTF-8 bytes) of string arrays, built with Arrow kernels over the whole batch:
    a cell is quoted only when it holds the delimiter, a quote or a line break (the csv
    module's QUOTE_MINIMAL, which pyarrow's writer cannot do: it quotes every string), quotes
    are doubled, nulls are empty."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    if not cols or len(cols[0]) == 0:
        return b""
    parts = []
    for c in cols:
        if isinstance(c, pa.ChunkedArray):
            c = c.combine_chunks()
        if c.type != pa.string():
            c = c.cast(pa.string())
        hit = rows_with_bytes(c, (delimiter + '"\r\n').encode("utf-8"))
        if hit.any():
            need = pa.array(hit)
            quoted = pc.binary_join_element_wise(
                '"', pc.replace_substring(c, '"', '""'), '"', "")
            c = pc.if_else(need, quoted, c)
        parts.append(pc.fill_null(c, ""))
    if len(parts) == 1:
        # a lone empty cell would be a blank line, which readers skip: quote it
        parts[0] = pc.if_else(pc.equal(parts[0], ""), pa.scalar('""'), parts[0])
    line = pc.binary_join_element_wise(*parts, delimiter) if len(parts) > 1 else parts[0]
    line = pc.binary_join_element_wise(line, pa.scalar(""), eol)
    line = line.cast(pa.large_string())
    offsets = np.frombuffer(line.buffers()[1], dtype=np.int64)[line.offset:
                                                                  line.offset + len(line) + 1]
    data = line.buffers()[2]
    return data.to_pybytes()[int(offsets[0]):int(offsets[-1])] if data is not None else b""


def frame_to_arrow(df):
    """A DataFrame of text → a pyarrow Table of strings (positional names, duplicate-safe)."""
    import pyarrow as pa

    arrays = []
    for i in range(df.shape[1]):
        s = df.iloc[:, i]
        arrays.append(pa.array(s.astype("str") if str(s.dtype) != "str" else s,
                               type=pa.string(), from_pandas=True))
    return pa.Table.from_arrays(arrays, names=[f"c{i}" for i in range(len(arrays))])


def write_csv(path: str | os.PathLike, df, headers: list[str], *, hxl=None, delimiter=",",
              encoding="utf-8", gz=False, eol="\n") -> None:
    """Write one DataFrame of text as a CSV file (to a temporary path from atomic_path)."""
    with CsvSink(path, headers, hxl=hxl, delimiter=delimiter, encoding=encoding, gz=gz,
                 eol=eol) as sink:
        sink.write_frame(df)


# ---------------------------------------------------------------------------------------------
# Parquet


def text_to_type(arr, typ):
    """Cast a text array back to ``typ`` when every non-null value fits; else return None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if pa.types.is_string(typ) or pa.types.is_large_string(typ):
        return arr.cast(typ)
    if pa.types.is_dictionary(typ):
        inner = text_to_type(arr, typ.value_type)
        return None if inner is None else pc.dictionary_encode(inner)
    try:
        return pc.cast(arr, typ)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None


def output_schema(schema, text_columns: set[int], dropped: set[int],
                  names: dict[int, str] | None = None):
    """The output schema: the input's, minus dropped fields, with ``text_columns`` as strings
    and the fields of ``names`` renamed (people's names as headers: ``person_1``…). The pandas
    metadata is removed when a type or a name changed (it would describe the old ones)."""
    import pyarrow as pa

    fields = []
    changed = bool(names)
    for i, f in enumerate(schema):
        if i in dropped:
            changed = True
            continue
        if names and i in names:
            f = f.with_name(names[i])
        # field metadata is free text beside the data: not carried into a treated copy
        if i in text_columns and not (pa.types.is_string(f.type)
                                      or pa.types.is_large_string(f.type)):
            fields.append(pa.field(f.name, pa.string(), nullable=True))
            changed = True
        else:
            fields.append(pa.field(f.name, f.type, nullable=True))
    # of the file's key/value metadata only pandas' own (the column types and index) is kept,
    # and only when no type changed: 'source: export by Jean K. +243…' is free text too
    meta = {k: v for k, v in (schema.metadata or {}).items() if k == b"pandas"}
    if changed:
        meta.pop(b"pandas", None)
    elif b"pandas" in meta:
        meta[b"pandas"] = _pandas_meta_without_text(meta[b"pandas"])
        if meta[b"pandas"] is None:
            meta.pop(b"pandas")
    return pa.schema(fields, metadata=meta or None)


def _pandas_meta_without_text(raw: bytes) -> bytes | None:
    """pandas' metadata without ``DataFrame.attrs`` and the columns' ``attrs`` (free text an
    analyst attached: 'source: list of Amina Y. …'); None when it cannot be read."""
    import json

    try:
        doc = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(doc, dict):
        return None
    doc.pop("attrs", None)
    for col in doc.get("columns") or []:
        if isinstance(col, dict):
            col.pop("attrs", None)
    return json.dumps(doc).encode()


def compact_dictionary(col):
    """A dictionary-encoded column holds every category of its dictionary, used or not (a
    categorical column blanked by an analyst still carried its 227 names): re-encoded with the
    values it holds only. Other columns are returned as they are."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_dictionary(col.type):
        return col
    plain = pc.cast(col, col.type.value_type)
    out = pc.dictionary_encode(plain)
    if out.type != col.type:
        try:
            out = out.cast(col.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return col
    return out


@dataclass
class ParquetSink:
    path: str | os.PathLike
    schema: Any
    compression: str = "snappy"
    _writer: Any = field(default=None, init=False)
    rows: int = 0

    def write_table(self, table) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if isinstance(table, pa.RecordBatch):
            table = pa.Table.from_batches([table])
        table = table.cast(self.schema) if table.schema != self.schema else table
        if self._writer is None:
            self._writer = pq.ParquetWriter(str(self.path), self.schema,
                                            compression=self.compression)
        self._writer.write_table(table)
        self.rows += table.num_rows

    def close(self) -> None:
        import pyarrow.parquet as pq

        if self._writer is None:
            pq.ParquetWriter(str(self.path), self.schema, compression=self.compression).close()
        else:
            self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---------------------------------------------------------------------------------------------
# Excel


@dataclass
class SheetUpdate:
    """What changes in one sheet: the treated text of some columns, and dropped columns.

    ``table`` is the table as read (for its header and HXL rows); ``data`` the treated text
    frame with the same keys; ``changed`` the keys whose cells are rewritten; ``dropped`` the
    keys whose columns are deleted; ``numeric`` the keys whose values are written as numbers
    when they look like numbers."""

    table: Any
    data: Any
    changed: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    numeric: set[str] = field(default_factory=set)


def _excel_number(v: str):
    digits = v.lstrip("+-")
    if len(digits) > 1 and digits[0] == "0" and digits[1].isdigit():
        return None  # "00123" is a code, not a number
    if _NUMBER.match(v) and "," not in v:
        try:
            f = float(v)
        except ValueError:
            return None
        if f.is_integer() and "." not in v and "e" not in v.lower() and abs(f) < 1e15:
            return int(f)
        return f
    return None


def _locate(ws, table) -> tuple[int, int, list[int]]:
    """(origin_col, header_sheet_row, [sheet row of each data row]) for a table read by
    calamine (which skips the empty area at the top-left and drops empty data rows). The
    reader records where calamine's area starts (``meta["origin"]``, and header and HXL rows
    as sheet rows): the writer must put the cells back exactly there — a cell holding only a
    space moves that origin, and guessing it again from the cells wrote the treated values one
    column and two rows away from the raw ones, which stayed."""
    rows = list(ws.iter_rows(values_only=True))
    origin = getattr(table, "meta", {}).get("origin")
    headerless = bool(getattr(table, "meta", {}).get("headerless"))
    if origin is not None:
        r0, c0 = origin
        # 0-based sheet row of the header; a headerless table's first record is on row r0
        header_idx = r0 - 1 if headerless else (table.header_row or r0 + 1) - 1
        hxl_idx = None if table.hxl_row is None else table.hxl_row - 1
    else:  # a table from elsewhere: its area guessed from the cells
        nonempty = [i for i, r in enumerate(rows) if any(v is not None and str(v).strip() != ""
                                                         for v in r)]
        r0 = nonempty[0] if nonempty else 0
        c0 = None
        for r in rows:
            for j, v in enumerate(r):
                if v is not None and str(v).strip() != "":
                    c0 = j if c0 is None else min(c0, j)
                    break
        c0 = c0 or 0
        header_idx = r0 - 1 if headerless else r0 + (table.header_row or 1) - 1
        hxl_idx = None if table.hxl_row is None else r0 + table.hxl_row - 1
    start = header_idx + 1
    if hxl_idx is not None and hxl_idx == start:
        start += 1
    if getattr(table, "meta", {}).get("sub_header"):
        start += 1  # the row of sub-labels under the header ('GPS' / 'latitude')
    width = len(table.keys)
    data_rows = []
    for i in range(start, len(rows)):
        r = rows[i][c0:c0 + width]
        if any(v is not None and str(v).strip() != "" for v in r):
            data_rows.append(i + 1)  # 1-based for openpyxl
    return c0 + 1, (data_rows[0] if headerless and data_rows else header_idx + 1), data_rows


class WorkbookError(Exception):
    """openpyxl cannot open a workbook the reader (calamine) could read; ``str(err)`` names
    the exception's type, never its message (it may quote the file)."""


def _load_workbook(src, **kwargs):
    import openpyxl

    try:
        return openpyxl.load_workbook(src, **kwargs)
    except Exception as exc:  # noqa: BLE001 - any parser failure: the copy cannot be made
        raise WorkbookError(type(exc).__name__) from None


def write_excel(src: str | os.PathLike, dest: str | os.PathLike,
                updates: dict[str, SheetUpdate], tables: list | None = None,
                out_format: str | None = None) -> dict | None:
    """Write ``dest`` (a temporary path) from the workbook ``src`` with ``updates`` applied per
    sheet name. Sheets without an update keep their cells, but no workbook part keeps text the
    scan did not read: cell comments, hyperlinks, formulas (each becomes the value it showed),
    titles above a table, pivot tables and their caches, charts and their cached
    labels, images, macros and form controls, filter criteria, conditional-format rules that
    compare with a text, drop-down lists naming values the copy does not hold (and the prompts
    of all), document properties, page headers and footers, named constants. Returns the counts
    for the redaction log. For formats openpyxl cannot open (xls, xlsb, ods) ``tables`` (every
    sheet as read) is rebuilt: as ods when ``out_format`` is ``"ods"``, else as xlsx."""
    ext = Path(src).suffix.lower()
    if out_format == "ods":
        _rebuild_ods(dest, updates, tables or [])
        return
    if ext not in (".xlsx", ".xlsm"):
        _rebuild_excel(dest, updates, tables or [])
        return
    # macros, their forms and controls are never carried (keep_vba=False); an .xlsm copy is
    # still a macro-enabled workbook, without macros (see _macro_enabled)
    wb = _load_workbook(src, keep_vba=False, keep_links=False)
    # one pass over every cell: cell comments are free text beside the data (a note naming a
    # survivor, a phone number) and hyperlinks point somewhere the scan never looked
    # (mailto:, tel:), never carried into a redacted copy; the formulas are collected
    comments = links = 0
    formulas_of: dict[str, list] = {}
    for ws in wb.worksheets:
        found = formulas_of.setdefault(ws.title, [])
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None:
                    cell.comment = None
                    comments += 1
                if cell.hyperlink is not None:
                    cell.hyperlink = None
                    links += 1
                if cell.data_type == "f":
                    found.append(cell)
    values_wb = None  # the same workbook with each formula's last computed value
    frozen = removed_tables = 0
    for ws in wb.worksheets:
        formulas = formulas_of.get(ws.title, [])
        if formulas:
            # every formula becomes the value it showed: the scan read that value, not the
            # formula's text ('=IF(B2="x","Amina K. +243…","")'), and a formula kept while
            # columns are removed or treated would compute on other cells, in its own sheet or
            # another ('=SUM(Data!G3:G62)' once column G has moved)
            if values_wb is None:
                values_wb = _load_workbook(src, data_only=True, keep_links=False)
            shown = values_wb[ws.title]
            for c in formulas:
                c.value = shown.cell(row=c.row, column=c.column).value
            frozen += len(formulas)
    for name, up in updates.items():
        if name not in wb.sheetnames:
            continue
        ws = wb[name]
        col0, header_row, data_rows = _locate(ws, up.table)
        # merged cells over the table (a two-row header, a footer across the columns) cannot
        # be written nor moved: unmerged, the value staying in their first cell
        top = _table_top(up.table, header_row)
        for rng in list(ws.merged_cells.ranges):
            if rng.max_row >= top:
                ws.unmerge_cells(str(rng))
        keys = list(up.table.keys)
        n = min(len(data_rows), len(up.data))
        for key in up.changed:
            if key in up.dropped:
                continue
            j = col0 + keys.index(key)
            values = up.data[key].tolist()[:n]
            numeric = key in up.numeric
            for r, v in zip(data_rows[:n], values):
                cell = ws.cell(row=r, column=j)
                if v is None or v != v:  # None / NA
                    cell.value = None
                    continue
                v = str(v)
                num = _excel_number(v) if numeric else None
                if num is not None:
                    cell.value = num
                else:
                    cell.value = neutralise_text(v)
                    cell.data_type = "s"
        # neutralise the other text cells of the treated sheet (data region)
        for row in ws.iter_rows(min_row=header_row):
            for cell in row:
                if cell.data_type == "s" and isinstance(cell.value, str):
                    nv = neutralise_text(cell.value)
                    if nv is not cell.value:
                        cell.value = nv
                        cell.data_type = "s"
        if up.dropped and ws.tables:
            # an Excel table (ListObject) over the columns keeps its range and column list,
            # which would no longer match: Excel 'repairs' the file. Its cells stay, as cells.
            for name in list(ws.tables.keys()):
                del ws.tables[name]
                removed_tables += 1
        for key in sorted(up.dropped, key=lambda k: keys.index(k), reverse=True):
            _drop_column(ws, col0 + keys.index(key), _table_top(up.table, header_row))
    titles = 0  # after the updates, which find a table's rows from the top of its sheet
    for t in tables or []:
        if t.name in wb.sheetnames:
            ws = wb[t.name]
            col0, header_row, data_rows = _locate(ws, t)
            # the rows above the table (a title, 'focal point: Amina K. +243…') and the lines
            # of text the reader found under it ('Prepared by …', meta["footer_rows"]): the
            # scan reads neither as records
            first = _table_top(t, header_row)
            footer = int(t.meta.get("footer_rows") or 0)
            titles += _empty_rows(ws, list(range(1, first)) + (data_rows[-footer:] if footer
                                                                else []))
            up = updates.get(t.name)
            _write_masked_headers(ws, t, col0, header_row,
                                  up.dropped if up is not None else ())
    # nor the people named in the document properties, page headers and footers, or named
    # constants: free text outside the cells, which the proof scan does not read
    metadata = _clear_workbook_text(wb)
    objects = _remove_objects(wb) + removed_tables
    rules = _clear_rules(wb)
    renamed: dict[str, str] = {}
    for t in tables or []:
        # a sheet named after a person: the label the reports showed ('Sheet2')
        shown = t.meta.get("shown_name")
        if shown and t.name in wb.sheetnames and shown not in wb.sheetnames:
            wb[t.name].title = shown
            renamed[t.name] = shown
            metadata += 1
    metadata += _clear_labels(wb, updates, _masked_names(tables), renamed)
    wb.save(dest)
    if ext == ".xlsm":
        _macro_enabled(dest)
    return {"formulas_frozen": frozen, "comments_removed": comments,
            "metadata_removed": metadata, "hyperlinks_removed": links,
            "objects_removed": objects, "title_rows_removed": titles,
            "rules_removed": rules, "renamed_sheets": renamed}


def _write_masked_headers(ws, table, col0: int, header_row: int, dropped) -> None:
    """The header cells that were people's names (``meta["masked_headers"]``, see
    :func:`datasafe.read.mask_person_headers`) get the label the scan showed (``person_1``…),
    and the hashtags that named them (``meta["masked_hxl"]``) lose the name, at their column
    once the dropped columns are gone."""
    gone = {table.keys.index(k) for k in dropped if k in table.keys}

    def column(i: int) -> int:
        return col0 + i - sum(1 for g in gone if g < i)

    hxl_masked = table.meta.get("masked_hxl") or {}
    if hxl_masked and table.hxl_row is not None and table.header_row is not None:
        # the hashtag row, above or under the header: the tags without the names
        r = header_row - 1 if table.hxl_row < table.header_row else header_row + 1
        for i in hxl_masked:
            if i not in gone and i < len(table.hxl):
                ws.cell(row=r, column=column(i)).value = table.hxl[i]
    masked = table.meta.get("masked_headers") or {}
    if not masked:
        return
    # an Excel table (ListObject) over the register names its columns too
    labels = {str(masked[i]): table.headers[i] for i in masked if i < len(table.headers)}
    for xt in ws.tables.values():
        for tc in xt.tableColumns:
            if tc.name in labels:
                tc.name = labels[tc.name]
    sub = bool(table.meta.get("sub_header"))
    for i in masked:
        if i in gone or i >= len(table.headers):
            continue
        ws.cell(row=header_row, column=column(i)).value = table.headers[i]
        if sub:  # the name may be on either row of a two-row header
            ws.cell(row=header_row + 1, column=column(i)).value = None


def _table_top(table, header_row: int) -> int:
    """The sheet row where a table starts: its header row, or the HXL row or the row of group
    labels above it (part of the header, not a title to empty)."""
    above = (table.hxl_row is not None and table.header_row is not None
             and table.hxl_row < table.header_row)
    group = bool(getattr(table, "meta", {}).get("group_above"))
    return header_row - (1 if above else 0) - (1 if group else 0)


def _empty_rows(ws, rows: list[int]) -> int:
    """Empty the cells of the given sheet rows (merged cells keep their first cell's value,
    emptied too). Returns how many rows held a value."""
    from openpyxl.cell.cell import MergedCell

    n = 0
    for r in rows:
        filled = False
        for cell in ws[r]:
            if cell.value is not None and not isinstance(cell, MergedCell):
                cell.value = None
                filled = True
        n += filled
    return n


def _removed_values(updates: dict[str, SheetUpdate]) -> set[str]:
    """The raw values (lower case) of the columns a redaction changed or dropped, and the
    words of four letters or more of the short ones (names, places: not free text)."""
    out: set[str] = set()
    for up in updates.values():
        data = up.table.data
        for key in set(up.changed) | set(up.dropped):
            if key in data.columns:
                vals = data[key].dropna().astype(str).str.strip().str.lower().unique()
                for v in vals:
                    if len(v) >= 3:
                        out.add(v)
                    words = v.split()
                    if len(words) <= 4:
                        out.update(w for w in words if len(w) >= 4 and w.isalpha())
    return out


def _names_a_removed_value(label: str, removed: set[str]) -> bool:
    """Does a label ('HH Amina Kabila', 'Kabila_Amina_hh', 'HH Mutombo') hold a removed value
    or one of its words?"""
    words = [w for w in re.split(r"[\s_.\-]+", label.lower()) if w]
    return any(" ".join(words[i:j]) in removed
               for i in range(len(words)) for j in range(i + 1, min(len(words), i + 4) + 1))


def _masked_names(tables) -> set[str]:
    """The people's names that were column headers (lower case, and their words of four
    letters or more), for :func:`_clear_labels`: a sheet or a range named after one goes too."""
    out: set[str] = set()
    for t in tables or []:
        people = list((t.meta.get("masked_headers") or {}).values())
        if t.meta.get("shown_name") and t.name:
            people.append(t.name)  # a sheet named after a person
        for h in people:
            v = str(h).strip().lower()
            out.add(v)
            out.update(w for w in v.split() if len(w) >= 4 and w.isalpha())
    return out


def _clear_labels(wb, updates: dict[str, SheetUpdate], also: set[str] = frozenset(),
                  renamed: dict[str, str] | None = None) -> int:
    """Labels the scan does not read as data: defined names that hold a constant or a text, or
    whose name holds a value the redaction removed ('Amina_Kabila_row' goes, 'data_range'
    stays); sheets, code names and named styles holding a removed value ('HH Amina Kabila'
    becomes 'Sheet3'); scenarios, table totals and calculated-column formulas; and the literal
    text of number formats ('"Amina "0'). Returns how many were removed."""
    n = 0
    removed = _removed_values(updates) | set(also)
    for names in [wb.defined_names] + [getattr(ws, "defined_names", None) or {}
                                       for ws in wb.worksheets]:
        for key in list(names.keys()):
            dn = names[key]
            if not _destinations(dn) or not key.startswith("_xlnm.") and (
                    _holds_a_value(dn.attr_text)
                    or removed and _names_a_removed_value(key, removed)):
                # a constant ('"Zeinab L. +243…"'), text joined to a range
                # ('Data!$G$2:$G$41&"Kasongo T."'), a label naming someone ('Amina_Kabila_row')
                del names[key]
                n += 1
    from openpyxl.worksheet.scenario import ScenarioList

    for i, ws in enumerate(wb.worksheets, 1):
        if ws.sheet_properties.codeName and removed and _names_a_removed_value(
                ws.sheet_properties.codeName, removed):
            ws.sheet_properties.codeName = f"Sheet{i}"
            n += 1
        if ws.scenarios.scenario:  # what-if inputs, their author and comment
            n += len(ws.scenarios.scenario)
            ws.scenarios = ScenarioList()
        for table in ws.tables.values():
            for col in table.tableColumns:
                for attr in ("totalsRowLabel", "totalsRowFormula", "calculatedColumnFormula"):
                    if getattr(col, attr, None) is not None:
                        setattr(col, attr, None)
                        n += 1
                if col.totalsRowFunction == "custom":
                    col.totalsRowFunction = None
    for i, style in enumerate(wb._named_styles):
        if style.builtinId is None and removed and _names_a_removed_value(style.name, removed):
            style.name = f"Style {i}"
            n += 1
    if removed:
        for i, ws in enumerate(wb.worksheets + list(getattr(wb, "chartsheets", [])), 1):
            if _names_a_removed_value(ws.title, removed):
                title = f"Sheet{i}"
                while title in wb.sheetnames:
                    title += "_"
                if renamed is not None:
                    renamed[ws.title] = title
                ws.title = title
                n += 1
    formats = wb._number_formats
    for i, fmt in enumerate(list(formats)):
        # a literal of words or digits ('"Amina K. "0'); a unit stays ('0 "kg"', '"USD" 0')
        new = re.sub(r'"[^"]*"', lambda m: '""' if re.search(
            r"\d{3,}|\w+\s+\w+", m.group()[1:-1]) else m.group(), fmt)
        if new != fmt:
            list.__setitem__(formats, i, new)
            n += 1
    if n:
        formats._rebuild_dict()
    return n


def _remove_objects(wb) -> int:
    """Pivot tables (their cache keeps a copy of every source row), charts (their cached labels
    and titles), images (a photo, a scanned signature) and chart sheets. Returns how many."""
    n = 0
    for ws in wb.worksheets:
        for attr in ("_pivots", "_charts", "_images"):
            found = getattr(ws, attr, None)
            if found:
                n += len(found)
                setattr(ws, attr, [])
    for cs in list(getattr(wb, "chartsheets", [])):
        wb.remove(cs)
        n += 1
    return n


def _literal_list(formula: str | None) -> list[str] | None:
    """The items of a drop-down list written in the rule itself ('"F,M"'), or None."""
    f = (formula or "").strip()
    if len(f) >= 2 and f[0] == '"' and f[-1] == '"':
        return [x.strip() for x in f[1:-1].split(",")]
    return None


def _values_in(ws, sqref) -> set[str]:
    from openpyxl.worksheet.cell_range import MultiCellRange

    out: set[str] = set()
    for r in MultiCellRange(str(sqref)).ranges:
        for row in ws.iter_rows(min_row=r.min_row, max_row=min(r.max_row, ws.max_row),
                                min_col=r.min_col, max_col=min(r.max_col, ws.max_column),
                                values_only=True):
            out.update(str(v).strip() for v in row if v is not None)
    return out


def _clear_rules(wb) -> int:
    """Texts in a sheet's rules rather than its cells: filter criteria (a filter on 'Amina
    Kabila'), conditional-format rules that compare with a text ('$A2="Amina Kabila"'), the
    prompts and messages of drop-down lists, and lists whose items the cells they apply to do
    not hold (a list of names over a column that no longer has them; 'F,M' over F and M
    stays). Returns how many were removed."""
    from openpyxl.formatting.formatting import ConditionalFormattingList

    n = 0
    for ws in wb.worksheets:
        filters = [ws.auto_filter] + [t.autoFilter for t in ws.tables.values() if t.autoFilter]
        for af in filters:
            if af.filterColumn:
                n += len(af.filterColumn)
                af.filterColumn = []
            if getattr(af, "sortState", None) is not None:
                af.sortState = None
        old = ws.conditional_formatting
        if len(old):
            new, dropped = ConditionalFormattingList(), 0
            for cf in old:
                for rule in cf.rules:
                    if rule.text or any(_holds_a_value(f) for f in (rule.formula or [])):
                        dropped += 1
                    else:
                        new.add(str(cf.sqref), rule)
            if dropped:
                ws.conditional_formatting = new
                n += dropped
        dvs = ws.data_validations.dataValidation
        for dv in list(dvs):
            for attr in ("prompt", "promptTitle", "error", "errorTitle"):
                if getattr(dv, attr, None):
                    setattr(dv, attr, None)
                    n += 1
            items = _literal_list(dv.formula1)
            if items is not None:
                keep = set(items) <= _values_in(ws, dv.sqref) | {""}
            else:
                keep = not any(_holds_a_value(f) for f in (dv.formula1, dv.formula2) if f)
            if not keep:
                dvs.remove(dv)
                n += 1
    return n


# a text in quotes, or a number long or precise enough to be a phone, an ID or a coordinate
_VALUE_IN_FORMULA = re.compile(r'"|\d{5,}|\d\.\d{4,}')


def _holds_a_value(formula) -> bool:
    """Does a rule's formula hold a value of the data ('$A2="Amina K."', '$H2=29.20091',
    '<>243815550001') rather than only references and small numbers ('$E2>65')?"""
    return bool(formula) and bool(_VALUE_IN_FORMULA.search(str(formula)))


def _macro_enabled(path) -> None:
    """openpyxl writes a workbook saved without its macros as .xlsx content; an .xlsm file
    must say it is macro-enabled (Excel refuses the file otherwise): rewrite the one content
    type in [Content_Types].xml."""
    import shutil
    import tempfile
    import zipfile

    main_xlsx = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
    main_xlsm = b"application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".xlsm.tmp")
    os.close(fd)
    try:
        with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
            for info in zin.infolist():
                data = zin.read(info.filename)
                if info.filename == "[Content_Types].xml":
                    data = data.replace(main_xlsx, main_xlsm)
                zout.writestr(info, data)
        shutil.move(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _clear_workbook_text(wb) -> int:
    """Remove the free text a workbook holds outside its cells: document properties (title,
    subject, description, keywords, category, author), custom properties, page headers and
    footers (defined names: :func:`_clear_labels`). Returns how many such texts were
    removed."""
    n = 0
    props = wb.properties
    for attr in ("title", "subject", "description", "keywords", "category", "identifier",
                 "lastModifiedBy", "contentStatus", "version"):
        if getattr(props, attr, None):
            setattr(props, attr, None)
            n += 1
    props.creator = "datasafe"
    custom = getattr(wb, "custom_doc_props", None)
    if custom is not None and len(custom):
        n += len(custom)
        for name in [p.name for p in custom]:
            del custom[name]
    for ws in wb.worksheets:
        for hf in (ws.oddHeader, ws.oddFooter, ws.evenHeader, ws.evenFooter, ws.firstHeader,
                   ws.firstFooter):
            for part in (hf.left, hf.center, hf.right):
                if part.text:
                    part.text = None
                    n += 1
    return n


def _destinations(dn) -> list:
    try:
        return list(dn.destinations)
    except Exception:  # noqa: BLE001 - a formula openpyxl cannot parse: treat as a constant
        return []


def _drop_column(ws, col: int, first_row: int) -> None:
    """Remove one column of a table from ``first_row`` down, shifting the cells on its right
    left; rows above the table (titles, notes) are left as they were."""
    from openpyxl.utils import get_column_letter

    max_col, max_row = ws.max_column, ws.max_row
    if col < max_col:
        ws.move_range(f"{get_column_letter(col + 1)}{first_row}:"
                      f"{get_column_letter(max_col)}{max_row}", cols=-1)
    for r in range(first_row, max_row + 1):
        cell = ws.cell(row=r, column=max_col)
        cell.value = None
    _shift_sheet_ranges(ws, col)


def _without_column(ranges: str, col: int) -> str:
    """A space-separated list of cell ranges once column ``col`` is removed: ranges on it alone
    go, ranges across it shrink, ranges right of it move one column left."""
    from openpyxl.worksheet.cell_range import CellRange, MultiCellRange

    out = []
    for r in MultiCellRange(str(ranges)).ranges:
        lo, hi = r.min_col, r.max_col
        if lo == hi == col:
            continue
        if lo > col:
            lo, hi = lo - 1, hi - 1
        elif hi >= col:
            hi -= 1
        out.append(CellRange(min_col=lo, max_col=hi, min_row=r.min_row, max_row=r.max_row).coord)
    return " ".join(out)


def _shift_sheet_ranges(ws, col: int) -> None:
    """What openpyxl's move_range leaves behind when a column goes: drop-down lists (data
    validations), conditional formats and column widths stay on their old columns — a list of
    F,M would then refuse the ages that moved into its column."""
    from openpyxl.formatting.formatting import ConditionalFormattingList
    from openpyxl.utils import get_column_letter

    dvs = ws.data_validations.dataValidation
    for dv in list(dvs):
        left = _without_column(dv.sqref, col)
        if left:
            dv.sqref = left
        else:
            dvs.remove(dv)
    old = ws.conditional_formatting
    if len(old):
        new = ConditionalFormattingList()
        for cf in old:
            left = _without_column(cf.sqref, col)
            if left:
                for rule in cf.rules:
                    new.add(left, rule)
        ws.conditional_formatting = new
    dims = ws.column_dimensions
    for c in range(col, ws.max_column + 1):
        here, right = get_column_letter(c), get_column_letter(c + 1)
        if right in dims and dims[right].width:
            dims[here].width = dims[right].width
        else:
            dims.pop(here, None)  # the default width, as the column on its right had


def _rebuilt_sheets(updates: dict[str, SheetUpdate], tables: list):
    """Per sheet of a rebuilt workbook: ``(name, hidden, rows)``, the rows as lists of cell
    values (None, a number, or neutralised text): header, HXL row, data."""
    from datasafe.read import shown_name

    for i, t in enumerate(tables):
        up = updates.get(t.name) if t.name is not None else None

        def rows(t=t, up=up):
            data = up.data if up else t.data
            dropped = set(up.dropped) if up else set()
            numeric = up.numeric if up else set()
            keep = [k for k in t.keys if k not in dropped]
            yield [neutralise_text(t.headers[t.keys.index(k)]) for k in keep]
            if t.hxl:
                yield [t.hxl[t.keys.index(k)] for k in keep]
            if len(data):
                for row in data[keep].itertuples(index=False, name=None):
                    out = []
                    for k, v in zip(keep, row):
                        if v is None or v != v:
                            out.append(None)
                            continue
                        num = _excel_number(str(v)) if (k in numeric or up is None) else None
                        out.append(num if num is not None else neutralise_text(str(v)))
                    yield out

        yield (shown_name(t) or f"Sheet{i + 1}")[:31], bool(t.hidden), rows()


def _rebuild_excel(dest, updates: dict[str, SheetUpdate], tables: list) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, hidden, rows in _rebuilt_sheets(updates, tables):
        ws = wb.create_sheet(title=name)
        if hidden:
            ws.sheet_state = "hidden"
        for row in rows:
            ws.append(row)
    if not wb.sheetnames:
        wb.create_sheet("Sheet1")
    wb.save(dest)


def _rebuild_ods(dest, updates: dict[str, SheetUpdate], tables: list) -> None:
    """The workbook as OpenDocument, with odfpy: text cells as strings, numbers as floats."""
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import Style, TableProperties
    from odf.table import Table as OdsTable
    from odf.table import TableCell, TableRow
    from odf.text import P

    doc = OpenDocumentSpreadsheet()
    hidden_style = Style(name="datasafe-hidden", family="table")
    hidden_style.addElement(TableProperties(display=False))
    doc.automaticstyles.addElement(hidden_style)
    sheets = 0
    for name, hidden, rows in _rebuilt_sheets(updates, tables):
        sheet = OdsTable(name=name)
        if hidden:
            sheet.setAttribute("stylename", hidden_style)
        for row in rows:
            tr = TableRow()
            for v in row:
                if v is None:
                    tr.addElement(TableCell())
                elif isinstance(v, (int, float)):
                    cell = TableCell(valuetype="float", value=v)
                    cell.addElement(P(text=str(v)))
                    tr.addElement(cell)
                else:
                    cell = TableCell(valuetype="string")
                    cell.addElement(P(text=v))
                    tr.addElement(cell)
            sheet.addElement(tr)
        doc.spreadsheet.addElement(sheet)
        sheets += 1
    if not sheets:
        doc.spreadsheet.addElement(OdsTable(name="Sheet1"))
    doc.save(str(dest))


def neutralise_frame(df):
    """A copy of a DataFrame with every text column neutralised (for pandas-written outputs)."""
    out = df.copy()
    for i in range(out.shape[1]):
        s = out.iloc[:, i]
        if str(s.dtype) in ("str", "object", "string"):
            out.iloc[:, i] = neutralise_series(s.astype("str"))
    return out
