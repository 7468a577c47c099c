"""Record-batch sources for the partitioned engines: a CSV read in blocks by pyarrow's streaming
reader (the header, HXL row and delimiter found by the local reader's logic on the file's head),
and Parquet files read row group by row group. Every batch comes out as the local reader's text
(``datasafe.read``'s conversion), as a DataFrame indexed by global row number."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HEAD_BYTES = 4 << 20
BLOCK_BYTES = 16 << 20  # one CSV batch in memory at a time (and its text frame)
# pyarrow's streaming CSV reader reads up to 32 blocks ahead in a background thread (its
# readahead queue, refilled when half empty): 16 MB blocks held 0.5-0.6 GB of raw CSV whatever
# the consumer did. Small blocks bound that to ~32 MB; they are regrouped into BLOCK_BYTES
# batches so that the per-batch work stays as coarse as before.
READ_BLOCK_BYTES = 1 << 20


@dataclass
class Layout:
    headers: list[str]
    keys: list[str]
    hxl: list[str | None] | None = None
    header_row: int | None = None
    hxl_row: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def _frame(tbl, keys, offset: int):
    """Arrow table of text → DataFrame like ``Table.data`` (``str`` columns), indexed from
    ``offset``."""
    import pandas as pd

    df = tbl.to_pandas()
    df.columns = keys
    for k in keys:
        if str(df[k].dtype) != "str":
            df[k] = df[k].astype("str")
    df.index = pd.RangeIndex(offset, offset + len(df))
    return df


# ---------------------------------------------------------------------------------------------
# CSV


def csv_layout(path: Path, limits) -> tuple[Layout, dict]:
    """Header, HXL row, delimiter and encoding of a CSV from its head, as the local reader
    finds them; plus the pyarrow options that read the data rows."""
    from datasafe import read as R

    with open(path, "rb") as fh:
        raw = fh.read(HEAD_BYTES)
    if raw[:2] == b"\x1f\x8b":
        raise R.ReadError(path, R.error_cause("gzip_not_streamed"))
    if not raw or raw.isspace():
        raise R.ReadError(path, R.error_cause("empty"))
    encoding = R._detect_encoding(raw, path)
    text, complete = R._decode_head(raw, encoding)
    fmt = R.file_format(path) or "csv"
    delim = R._sniff_delimiter(text, fmt)
    rows, ends = R._parse_rows(text, delim, limits, path, max_rows=R.HEADER_SEARCH_ROWS + 200)
    if len(rows) > 1:
        rows, ends = rows[:-1], ends[:-1]
    width = R._csv_width(rows)
    R._check_width(width, limits, path)
    lay = R._layout(rows, width)
    keys = R._unique_keys(lay.headers)
    headers, masked = lay.headers, {}
    if not lay.headerless:  # CSV columns are read by position: the labels can be the keys
        headers, keys, masked = R.masked_layout(headers, keys, lay.hxl)
    skip = ends[lay.data_start - 1] if lay.data_start > 0 else 0
    head_newlines = any(c is not None and ("\n" in c or "\r" in c) for r in rows for c in r)
    layout = Layout(headers=headers, keys=keys, hxl=lay.hxl, header_row=lay.header_row,
                    hxl_row=None if lay.hxl_idx is None else lay.hxl_idx + 1,
                    meta={"delimiter": delim, "encoding": encoding, "reader": "pyarrow-stream",
                          **({"headerless": True} if lay.headerless else {}),
                          **({"masked_headers": masked} if masked else {})})
    opts = {"skip": skip, "delim": delim, "newlines": head_newlines,
            "encoding": "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding}
    return layout, opts


def csv_batches(path: Path, layout: Layout, opts: dict, columns: list[str] | None = None,
                stats: dict | None = None) -> Iterator[Any]:
    """DataFrames of text, block by block (rows with no value at all are not records; their
    number is added to ``stats["dropped"]``). With ``columns``, only those are converted: the
    caller knows from an earlier pass that no row is empty, so row numbers stay the same."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    from datasafe import read as R

    keys = layout.keys
    out_keys = list(columns) if columns else keys
    try:  # opening reads and parses the first block: a bad row there fails here
        reader = pcsv.open_csv(
            path,
            read_options=pcsv.ReadOptions(column_names=keys, skip_rows=opts["skip"],
                                          encoding=opts["encoding"],
                                          block_size=READ_BLOCK_BYTES),
            parse_options=pcsv.ParseOptions(delimiter=opts["delim"], quote_char='"',
                                            double_quote=True, escape_char=False,
                                            newlines_in_values=opts["newlines"],
                                            ignore_empty_lines=True),
            convert_options=pcsv.ConvertOptions(
                column_types={k: pa.string() for k in out_keys}, null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True, check_utf8=True,
                include_columns=out_keys if columns else None))
    except (pa.ArrowInvalid, UnicodeError) as exc:
        raise R.ReadError(path, R.error_cause("not_rectangular",
                                              cause=R.row_shape_cause(exc))) from None
    offset = 0
    try:
        for batch in _regroup(reader, BLOCK_BYTES):
            cols = []
            for col in batch.columns:
                space = pc.utf8_is_space(col)
                if pc.any(space).as_py():
                    col = pc.if_else(space, pa.scalar(None, pa.string()), col)
                cols.append(col)
            tbl = pa.Table.from_arrays(cols, names=out_keys)
            if tbl.num_rows and not columns:
                keep = R._any_valid(cols)
                if not pc.all(keep).as_py():
                    if stats is not None:
                        stats["dropped"] = stats.get("dropped", 0) + int(
                            tbl.num_rows - pc.sum(keep).as_py())
                    tbl = tbl.filter(keep)
            df = _frame(tbl, out_keys, offset)
            offset += len(df)
            yield df
    except (pa.ArrowInvalid, UnicodeError) as exc:
        raise R.ReadError(path, R.error_cause("not_rectangular",
                                              cause=R.row_shape_cause(exc))) from None


def _regroup(reader, size: int):
    """Record batches of ``reader`` joined into tables of about ``size`` bytes (one contiguous
    chunk per column)."""
    import pyarrow as pa

    pending, nbytes = [], 0
    for b in reader:
        pending.append(b)
        nbytes += b.nbytes
        if nbytes >= size:
            yield pa.Table.from_batches(pending).combine_chunks()
            pending, nbytes = [], 0
    if pending:
        yield pa.Table.from_batches(pending).combine_chunks()


# ---------------------------------------------------------------------------------------------
# Parquet


def parquet_files(path: Path) -> list[Path]:
    """A Parquet file, or the Parquet files of a folder (recursively, sorted by path)."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file()
                      and p.suffix.lower() in (".parquet", ".pq", ".parq")
                      and not any(part.startswith((".", "_")) for part in
                                  p.relative_to(path).parts))
    return [path]


def parquet_layout(files: list[Path], limits) -> tuple[Layout, list[tuple[Path, int, int]]]:
    """Columns of the files (all must have the same column names) and the pieces to read:
    ``(file, row group, first row number)`` from the footers, without reading data."""
    import pyarrow.parquet as pq

    from datasafe import read as R

    pieces = []
    headers = schema = None
    offset = 0
    for f in files:
        try:
            pf = pq.ParquetFile(f)
        except Exception as exc:  # noqa: BLE001
            cause = R.error_cause("corrupt_parquet", cause=R._short(exc))
            if len(files) > 1:  # a folder: say which of its files
                cause = R.error_cause("in_file", file=f.name, cause=cause)
            raise R.ReadError(f, cause) from None
        names = [x.name for x in pf.schema_arrow]
        if headers is None:
            headers, schema = names, pf.schema_arrow
            R._check_width(len(headers), limits, f)
        elif names != headers:
            raise R.ReadError(f, R.error_cause("in_file", file=f.name, cause=R.error_cause(
                "parquet_columns_differ_from", first=files[0].name)))
        md = pf.metadata
        for i in range(md.num_row_groups):
            pieces.append((f, i, offset))
            offset += md.row_group(i).num_rows
    headers = headers or []
    keys = R._unique_keys(headers)
    # people's names as headers are shown as person_N labels; the keys stay the file's own
    # column names, by which the pieces are read
    shown, _, masked = R.masked_layout(headers, keys)
    return Layout(headers=shown, keys=keys,
                  meta={"rows": offset, "files": len(files),
                        "types": {k: str(f.type) for k, f in zip(keys, schema or [])},
                        **({"masked_headers": masked} if masked else {})}), pieces


def read_piece(piece: tuple, keys: list[str], columns: list[str] | None = None):
    """One Parquet row group as a text DataFrame indexed by global row number (with
    ``columns``, only those keys; the file's column names must then be unique)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from datasafe import read as R

    path, rg, offset = piece
    if columns:
        tbl = pq.ParquetFile(path).read_row_group(rg, columns=list(columns))
        keys = list(columns)
    else:
        tbl = pq.ParquetFile(path).read_row_group(rg)
    batches = [R._batch_to_text(b, keys) for b in tbl.to_batches()]
    text = (pa.Table.from_batches(batches) if batches
            else pa.table({k: pa.array([], pa.string()) for k in keys}))
    return _frame(text, keys, offset)
