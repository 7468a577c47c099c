"""Streaming redaction of large CSV and Parquet files in bounded memory.

1. **Plan**: the first ``SAMPLE_ROWS`` rows are scanned (profile, detect, risk, checks) and the
   plan derived from them, then merged with the plan file.
2. **First pass** (only when the plan needs it): the columns whose treatment needs a statistic
   of the whole column (percentiles, category counts, P-code centroids) and the key variables
   of local suppression — and only those — are loaded; the statistics are fitted and local
   suppression decides which cells to empty, as in memory (the key variables chosen again on
   the treated columns, a name and its P-code suppressed together, a key variable it would
   mostly empty removed whole). Memory: those columns, not the file.
3. **Second pass**: record batches (pyarrow's CSV reader, or Parquet row groups) are treated
   and written one at a time with :class:`datasafe.write.CsvSink` / ``ParquetSink``.

The proof scans the whole copy with the same profile through :func:`datasafe.pipeline.scan`,
which streams large CSV and Parquet files itself; the log also records the smallest class size
over all rows that local suppression reached.
"""

from __future__ import annotations

import codecs
import gzip
from pathlib import Path
from typing import Any

from datasafe.report.common import Phrase

SAMPLE_ROWS = 100_000
BATCH_ROWS = 65_536
HEAD_BYTES = 4 * 1024**2


# ---------------------------------------------------------------------------------------------
# CSV layout


def sniff_csv(path: Path, fmt: str, limits) -> tuple[Any, int, dict]:
    """Header, keys and HXL of a CSV from its first bytes, with the read module's own layout
    rules (the ones its pyarrow fast path uses).

    Returns (Table with no rows, number of physical lines before the data, meta)."""
    from datasafe import read as R

    with open(path, "rb") as fh:
        magic = fh.read(2)
    gz = magic == b"\x1f\x8b"
    opener = gzip.open if gz else open
    with opener(path, "rb") as fh:
        raw = fh.read(HEAD_BYTES + 1)
    if not raw.strip():
        raise R.ReadError(path, R.error_cause("empty"))
    encoding = R._detect_encoding(raw, path)
    complete = len(raw) <= HEAD_BYTES
    head = raw if complete else raw[:HEAD_BYTES]
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=complete)
    delim = R._sniff_delimiter(text, fmt)
    rows, ends = R._parse_rows(text, delim, limits, path, max_rows=400)
    if not complete and len(rows) > 1:
        rows, ends = rows[:-1], ends[:-1]
    width = R._csv_width(rows)
    lay = R._layout(rows, width)
    keys = R._unique_keys(lay.headers)
    skip = ends[lay.data_start - 1] if lay.data_start > 0 else 0
    import pandas as pd

    table = R.Table(name=None, data=pd.DataFrame({k: pd.Series([], dtype="str") for k in keys}),
                    headers=lay.headers, keys=keys, hxl=lay.hxl, header_row=lay.header_row,
                    hxl_row=None if lay.hxl_idx is None else lay.hxl_idx + 1)
    meta = {"delimiter": delim, "encoding": encoding, "gzip": gz}
    table.meta.update(meta)
    R._mark_headerless(table, lay)
    R.mask_person_headers(table)  # CSV columns are read by position: the labels are the keys
    return table, skip, meta


def csv_batches(path: Path, table, skip: int, meta: dict, columns: list[str] | None = None,
                batch_rows: int = BATCH_ROWS):
    """Record batches of text (nulls for empty cells) with pyarrow's streaming CSV reader."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    enc = meta.get("encoding", "utf-8")
    enc = "utf8" if enc in ("utf-8", "utf-8-sig") else enc
    source = pa.input_stream(str(path), compression="gzip" if meta.get("gzip") else None)
    keys = list(table.keys)
    ro = pacsv.ReadOptions(skip_rows=skip, column_names=keys, encoding=enc,
                           block_size=8 * 1024**2)
    po = pacsv.ParseOptions(delimiter=meta.get("delimiter", ","), newlines_in_values=True)
    co = pacsv.ConvertOptions(column_types={k: pa.string() for k in keys},
                              strings_can_be_null=True, null_values=[""],
                              quoted_strings_can_be_null=True,
                              include_columns=columns if columns is not None else None)
    from datasafe import read as R

    try:
        reader = pacsv.open_csv(source, read_options=ro, parse_options=po, convert_options=co)
        yield from reader
    except (pa.ArrowInvalid, UnicodeError) as exc:  # Arrow quotes the row: never repeated
        raise R.ReadError(path, R.error_cause("stream_not_rectangular",
                                              cause=R.row_shape_cause(exc))) from None


def parquet_batches(path: Path, columns: list[str] | None = None, batch_rows: int = BATCH_ROWS):
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(path)
    yield from pf.iter_batches(batch_size=batch_rows, columns=columns)


def _text(batch_or_table, keys: list[str]):
    """pyarrow batch/table of any types → pandas DataFrame of text with ``keys`` as columns."""
    import pandas as pd

    from datasafe.read import array_to_text

    data = {}
    for k, col in zip(keys, batch_or_table.columns):
        arr = array_to_text(col)
        data[k] = pd.Series(arr.to_pandas(), dtype="str")
    return pd.DataFrame(data) if data else pd.DataFrame()


COMPACT_SHARE = 0.5  # a gathered column with at most this share of distinct values is compact


def as_text(s):
    """A gathered column as text (a compact one decoded: what treatments read)."""
    import pandas as pd
    import pyarrow as pa

    if not isinstance(s.dtype, pd.CategoricalDtype):
        return s
    codes = s.cat.codes.to_numpy()
    values = pa.array(s.cat.categories, type=pa.string()).take(
        pa.array(codes, mask=codes < 0))  # Arrow's take: no Python object per row
    return pd.Series(values.to_pandas(), index=s.index, name=s.name, dtype="str")


def compact(s):
    """A column of text held as codes and its distinct values (a pandas Categorical) when at
    most :data:`COMPACT_SHARE` of its rows are distinct: 1-4 bytes a row instead of the
    text. The values, missing ones included, are the same."""
    import pandas as pd

    if isinstance(s.dtype, pd.CategoricalDtype) or len(s) == 0:
        return s
    codes, uniques = pd.factorize(s)  # one hash pass; -1 for a missing value
    if len(uniques) > COMPACT_SHARE * len(s):
        return s
    return pd.Series(pd.Categorical.from_codes(codes, categories=pd.Index(uniques, dtype="str")),
                     index=s.index, name=s.name)


def _gather_text(batches, keys: list[str], compact_keys=()):
    """The batches' columns as one DataFrame of text (what ``pd.concat`` of :func:`_text` of
    each batch gives), each column the batches' arrays as the chunks of one Arrow column — the
    layout the in-memory reader's columns have too. ``pd.concat`` copied the batches into one
    table while still holding them, and the many small arrays it freed stayed in the
    allocator's pages (1.2 GB of text held 2.9 GB at 10M rows). ``compact_keys``: columns
    gathered as each batch's dictionary codes and held as a Categorical when they repeat
    (see :func:`compact`; key variables: 2.6 → 1.3 GB peak for a 10M-row redaction)."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    from datasafe.read import array_to_text

    chunks: dict[str, list] = {k: [] for k in keys}
    small = set(compact_keys)
    for batch in batches:
        for k, col in zip(keys, batch.columns):
            if k in small:  # each batch's codes and distinct values, not its text
                chunks[k].append(pc.dictionary_encode(array_to_text(col)))
            else:
                # large_string: the in-memory reader's type (one column may pass 2 GB of text)
                chunks[k].append(array_to_text(col).cast(pa.large_string()))
    data = {}
    for k in keys:
        if k in small and chunks[k]:
            col = pa.chunked_array(chunks[k]).unify_dictionaries()
            chunks[k] = None
            rows = len(col)
            if len(col.chunk(0).dictionary) <= COMPACT_SHARE * rows:
                # one dictionary for every chunk: pandas takes it as the categories
                data[k] = pd.Series(pd.Categorical.from_codes(
                    col.combine_chunks().indices.fill_null(-1).to_numpy(zero_copy_only=False),
                    categories=pd.Index(col.chunk(0).dictionary.to_pandas(), dtype="str")))
            else:
                data[k] = pd.Series(col.cast(pa.large_string()).to_pandas(), dtype="str")
            continue
        col = pa.chunked_array(chunks[k], type=pa.large_string())
        chunks[k] = None
        data[k] = pd.Series(col.to_pandas(), dtype="str")
    pa.default_memory_pool().release_unused()
    return pd.DataFrame(data) if keys else pd.DataFrame()


# ---------------------------------------------------------------------------------------------


def redact_stream(path: Path, out: Path, fmt: str, *, options, profile, key, override,
                  importance, rescan, k, dry_run=False, sample_rows: int = SAMPLE_ROWS,
                  batch_rows: int = BATCH_ROWS):
    import pyarrow as pa

    from datasafe import write as W
    from datasafe.atomic import atomic_path
    from datasafe.concurrency import prefetch, write_behind
    from datasafe.model import FileResult
    from datasafe.pipeline import sha256_file
    from datasafe.read import (
        ReadError,
        Table,
        _unique_keys,
        masked_layout,
        person_headers_note,
    )
    from datasafe.redact.engine import (
        FileRedaction,
        RedactError,
        _changed_stats,
        _header,
        _input_scan_options,
        _require_key,
        build_plan,
        check_plan_columns,
        filled_cells,
        key_var_columns,
        scan_tables,
        settle_suppression,
        suppress_on_rescan_keys,
        twin_pairs,
    )
    from datasafe.redact.treatments import TreatmentError, resolve

    # -- layout and sample ------------------------------------------------------------------
    try:
        if fmt == "parquet":
            import pyarrow.parquet as pq

            pf = pq.ParquetFile(path)
            schema = pf.schema_arrow
            headers = [f.name for f in schema]
            # people's names as headers are shown and written as person_N labels; the
            # columns are still read from the file by their own names (names_in_file)
            shown, keys_, masked = masked_layout(headers, _unique_keys(headers))
            base = Table(name=None, data=None, headers=shown, keys=keys_, header_row=None)
            base.meta.update({"schema": schema})
            if masked:
                base.meta["masked_headers"] = masked
                base.notes.append(person_headers_note([shown[i] for i in masked]))
            skip, meta = 0, {}

            def batches(columns=None):
                # the next batch is read and decoded on a second thread (pyarrow, GIL-free)
                # while this one is treated and written
                yield from prefetch(parquet_batches(path, columns, batch_rows))
        else:
            base, skip, meta = sniff_csv(path, fmt, options.limits)

            def batches(columns=None):
                yield from prefetch(csv_batches(path, base, skip, meta, columns, batch_rows))
    except ReadError as exc:
        raise RedactError(exc.line()) from None
    except Exception as exc:  # noqa: BLE001
        raise RedactError(f"{path}: cannot stream: {str(exc).splitlines()[0][:200]}") from None

    keys = list(base.keys)
    names_in_file = headers if fmt == "parquet" else keys

    def text_of(batch, cols=None):
        return _text(batch, cols or keys)

    sample_parts, got = [], 0
    for b in batches():
        sample_parts.append(b)
        got += b.num_rows
        if got >= sample_rows:
            break
    import pandas as pd

    sample_df = (pd.concat([text_of(b) for b in sample_parts], ignore_index=True)
                 if sample_parts else pd.DataFrame({k_: pd.Series([], dtype="str")
                                                    for k_ in keys}))
    sample_df = sample_df.iloc[:sample_rows]
    sample = Table(name=None, data=sample_df, headers=list(base.headers), keys=keys,
                   hxl=base.hxl, header_row=base.header_row, hxl_row=base.hxl_row,
                   source=str(path), format=fmt, meta=dict(base.meta), notes=list(base.notes))
    fres = FileResult(path=str(path), format=fmt)
    fres.sha256 = sha256_file(path)
    scan_options = _input_scan_options(options, profile, override)  # no NER for public copies
    before = scan_tables([sample], fres, scan_options, profile)
    plan = build_plan(before, [sample], profile, options, key_available=key is not None,
                      override=override, importance=importance)
    fr = FileRedaction(input=str(path), output=None if dry_run else str(out), format=fmt,
                       plan=plan, before=before, streamed=True, input_sha256=fres.sha256)
    fr.notes.append(Phrase("redact.notes.streamed", rows=len(sample_df)))
    if dry_run:
        return fr
    _require_key(plan, key)
    check_plan_columns(plan)
    tp = plan.tables[0]
    if tp.small_cells:
        raise RedactError("small-cell suppression needs the whole table (an aggregate table is "
                          "small): run without --stream")

    # -- first pass: fitted statistics and local suppression ----------------------------------
    cplans = {c.column: c for c in tp.columns if c.column in keys}
    fr_notes: list[str] = []
    treat = {}
    for col, cp in cplans.items():
        if cp.treatment in ("keep", "drop"):
            continue
        params = dict(cp.params)
        params.update({"_key": key, "_column": _header(base, col), "_k": k,
                       "_notes": fr_notes, "_regions": options.phone_regions or ()})
        if cp.treatment == "free_text":  # as in memory: removed identifiers leave texts too
            from datasafe.redact.treatments import REMOVING_TREATMENTS

            params["_removed_columns"] = [c.column for c in tp.columns if c.column in keys
                                          and c.treatment in REMOVING_TREATMENTS]
        try:
            treat[col] = (resolve(cp.treatment, params), params)
        except TreatmentError as exc:
            raise RedactError(f"column '{col}': {exc}") from None
    dropped = [c for c, cp in cplans.items() if cp.treatment == "drop"]
    fit_cols = [c for c, (t, _) in treat.items() if t.fit is not None]
    ls = tp.local_suppression
    kv = [v for v in (ls or {}).get("key_vars", []) if v in keys and v not in dropped]
    # as in memory: with key variables chosen automatically, the choice is made again on the
    # treated columns (treated_key_vars) and a name and its P-code are suppressed together;
    # only the columns that choice may read are loaded
    ctx = getattr(tp, "context", None) or {}
    auto = bool(ls and ctx.get("auto_keys") and ctx.get("result") is not None)
    kcols = ([c for c in key_var_columns(ctx, dropped) if c in keys] if auto else kv) if ls \
        else []
    # P-codes that centroids group by: loaded, and kept as text
    pcodes = list(dict.fromkeys(str(treat[c][1]["pcode"]) for c in fit_cols
                                if treat[c][1].get("pcode")))
    need = [c for c in dict.fromkeys(fit_cols + kcols + pcodes) if c in keys]
    states: dict[str, Any] = {}
    supp_mask: dict[str, Any] = {}
    removed_by: dict[str, Any] = {}
    ls_log = None
    k_reached = None

    def drop(c: str, reason: str) -> None:
        if c not in dropped:
            dropped.append(c)
        supp_mask.pop(c, None)
        treat.pop(c, None)
        states.pop(c, None)
        cp = cplans[c]
        cplans[c] = type(cp)(column=cp.column, treatment="drop", params=dict(cp.params),
                             reason=reason, source=cp.source)

    if need:
        cols_in_file = [names_in_file[keys.index(c)] for c in need]
        # the key variables are held compact (codes and distinct values) when they repeat
        full = _gather_text(batches(cols_in_file if fmt == "parquet" else need), need,
                            compact_keys=[c for c in kcols if c not in pcodes])
        for c in fit_cols:
            t, params = treat[c]
            states[c] = t.fit(as_text(full[c]), params, full)
        if kcols:
            # the key variables (and their twins), treated; untreated columns are shared
            tframe = full[kcols].copy(deep=False)
            for c in kcols:
                if c in treat:
                    t, params = treat[c]
                    tframe[c] = compact(t.apply(as_text(full[c]), params, states.get(c),
                                                full))
            kk = int(ls.get("k", k))
            # what the choice and the settling need of the input, taken before its text goes
            same = twin_pairs(ctx, full, kcols) if auto else None  # only auto choices ask
            filled = filled_cells(full, kcols)
            del full
            pa.default_memory_pool().release_unused()  # the pages go back before suppression
            # key variables given by the user (--key-vars, a plan file) are never removed;
            # the suppressed cells come back as row masks (no suppressed copy of the text)
            done, per_var, records, recoded, kv, twins = suppress_on_rescan_keys(
                ctx, tframe, dropped, kv, kk, ls.get("importance"), auto, same,
                masks_only=True)
            masks = done.masks if done is not None else {}
            kframe = tframe[list(dict.fromkeys(kv + [t for v in kv for t in twins.get(v, [])]))]
            del tframe
            treated_filled = filled_cells(kframe, list(kframe.columns))
            kept = {c: f & ~masks[c] if c in masks else f for c, f in treated_filled.items()}
            kv, per_var, removals = settle_suppression(
                filled, kept, kv, twins, per_var, recoded, kk, tp.columns, cplans, dropped,
                lambda c: _header(base, c))
            for c in per_var:
                m = treated_filled[c] & ~kept[c]
                if m.any() and c not in dropped:
                    supp_mask[c] = m
            for c, reason, replace in removals:
                removed_by[c] = reason  # said in the summary: the plan did not drop it
                drop(c, reason if replace else (cplans[c].reason + "; " + reason).lstrip("; "))
            if done is not None:
                k_reached = done.smallest_class(kv)
            else:  # no suppression ran (k <= 1, no key variable or no row)
                from datasafe.redact.suppress import frequencies

                fk = frequencies(kframe, kv) if kv else None
                k_reached = int(fk.min()) if fk is not None and len(fk) else None
            ls_log = {"k": kk, "key_vars": [_header(base, v) for v in kv],
                      "twins": {_header(base, v): [_header(base, t) for t in ts]
                                for v, ts in twins.items() if v in kv and ts},
                      "recoded": [_header(base, v) for v, _ in recoded],
                      "importance": [_header(base, v) for v in ls.get("importance") or []],
                      "cells_suppressed": int(sum(per_var.values())),
                      "records_affected": records,
                      "by_column": {_header(base, v): n for v, n in per_var.items()},
                      "smallest_class_all_rows": k_reached}
            del kframe, masks, filled, kept, treated_filled, done
        else:
            del full

    # -- second pass ------------------------------------------------------------------------
    keep_idx = [i for i, c in enumerate(keys) if c not in dropped]
    if keys and not keep_idx:
        raise RedactError(Phrase("redact.all_removed", path=str(path), profile=profile.name))
    stats = {c: {"values_changed": 0, "cells_suppressed": 0, "non_empty": 0} for c in keys}
    distinct_note = "not computed when streaming"
    # as in memory: contact details left in text columns a public copy keeps as they are
    from datasafe.redact.engine import stray_contact_columns, stray_contacts_note

    scrub = {c: 0 for c in stray_contact_columns(tp, keys)
             if c not in treat and c not in dropped}
    try:
        with atomic_path(out) as tmp:
            if fmt == "parquet":
                text_cols: set[int] = set()
                schema = base.meta["schema"]
                for i, c in enumerate(keys):
                    if c in treat and not treat[c][0].numeric:
                        text_cols.add(i)
                out_schema = W.output_schema(
                    schema, text_cols, {keys.index(c) for c in dropped},
                    {i: base.headers[i] for i in base.meta.get("masked_headers") or {}})
                sink = W.ParquetSink(tmp, out_schema)
            else:
                sink = W.CsvSink(tmp, [base.headers[i] for i in keep_idx],
                                 hxl=[base.hxl[i] for i in keep_idx] if base.hxl else None,
                                 delimiter=meta["delimiter"], encoding=meta["encoding"],
                                 gz=bool(meta.get("gzip")), eol=W.detect_eol(path, meta["gzip"]))
            offset = 0
            # written behind: CSV text / Parquet pages are built by Arrow kernels (GIL-free) on
            # a second thread while the next batch is treated
            with sink, write_behind(sink.write_table) as write:
                for batch in batches():
                    n = batch.num_rows
                    arrays = []
                    touched = [c for c in keys if (c in treat or c in supp_mask)
                               and c not in dropped]
                    tdf = text_of(batch.select([keys.index(c) for c in touched]), touched) \
                        if touched and fmt == "parquet" else None
                    for i in keep_idx:
                        c = keys[i]
                        col = batch.column(i)
                        if c not in treat and c not in supp_mask:
                            stats[c]["non_empty"] += n - col.null_count
                            if c in scrub and (pa.types.is_string(col.type)
                                               or pa.types.is_large_string(col.type)):
                                from datasafe.redact.treatments import scrub_stray_contacts

                                new, cells = scrub_stray_contacts(
                                    pd.Series(col.to_pandas(), dtype="str"))
                                if cells:
                                    scrub[c] += cells
                                    stats[c]["values_changed"] += cells
                                    col = pa.array(new, type=pa.string(),
                                                   from_pandas=True).cast(col.type)
                            arrays.append(W.compact_dictionary(col))
                            continue
                        s = tdf[c] if tdf is not None else pd.Series(col.to_pandas(),
                                                                     dtype="str")
                        new = s
                        if c in treat:
                            t, params = treat[c]
                            # a P-code for centroids comes from the same batch
                            frame = None
                            extra_cols = ([str(params["pcode"])] if params.get("pcode") else []) \
                                + list(params.get("_removed_columns") or [])
                            if extra_cols:
                                # P-codes for centroids, removed identifiers for free text: from
                                # the same batch (the known values of a text's own rows)
                                frame = pd.DataFrame({x: _series(batch, keys, x, fmt)
                                                      for x in dict.fromkeys(extra_cols)})
                            new = t.apply(s, params, states.get(c), frame)
                        if c in supp_mask:
                            m = supp_mask[c][offset:offset + n]
                            if m.any():
                                new = new.copy()
                                new[m] = None
                        st = _changed_stats(s, new)
                        for a in st:
                            stats[c][a] += st[a]
                        arr = pa.array(new, type=pa.string(), from_pandas=True)
                        if fmt == "parquet":
                            typed = W.text_to_type(arr, out_schema.field(
                                len(arrays)).type) if i not in text_cols else arr
                            if typed is None:
                                raise RedactError(f"column '{c}': treated values no longer fit "
                                                  "the Parquet type; use a text treatment")
                            arr = typed
                        arrays.append(arr)
                    for c in dropped:
                        stats[c]["non_empty"] += n - batch.column(keys.index(c)).null_count
                    offset += n
                    if fmt == "parquet":
                        table_out = pa.Table.from_arrays(
                            [a.cast(f.type) if a.type != f.type else a
                             for a, f in zip(arrays, out_schema)], schema=out_schema)
                    else:
                        table_out = pa.Table.from_arrays(
                            arrays, names=[f"c{j}" for j in range(len(arrays))])
                    write(table_out)
    except ReadError as exc:
        raise RedactError(exc.line()) from None
    except OSError as exc:
        raise RedactError(f"{out}: cannot write: {exc.strerror or type(exc).__name__}") from None
    except Exception as exc:  # noqa: BLE001 - pyarrow parse errors on odd rows
        import pyarrow as _pa

        if isinstance(exc, (_pa.ArrowInvalid,)):  # its message may quote a row: not repeated
            raise RedactError(f"{path}: cannot stream this file ({type(exc).__name__}); "
                              "redact it with --no-stream") from None
        raise
    entries = []
    for c in keys:
        cp = cplans.get(c)
        if cp is None:
            continue
        e = {"column": _header(base, c), "treatment": cp.treatment,
             "params": {a: b for a, b in cp.params.items() if not str(a).startswith("_")},
             "reason": cp.reason}
        if c in removed_by:
            e["removed_by"] = removed_by[c]
        if cp.treatment == "drop":
            ne = stats[c]["non_empty"]
            e.update({"cells_removed": ne, "values_changed": 0, "cells_suppressed": 0,
                      "non_empty": ne, "information_loss": 1.0 if ne else 0.0})
        else:
            e.update(stats[c])
            ne = stats[c]["non_empty"]
            e["information_loss"] = round((stats[c]["values_changed"]
                                           + stats[c]["cells_suppressed"]) / ne, 4) if ne else 0.0
            e["distinct_before"] = e["distinct_after"] = distinct_note
        entries.append(e)
    found = [(_header(base, c), n) for c, n in scrub.items() if n]
    if found:
        fr_notes.append(stray_contacts_note(found))
    for n in dict.fromkeys(fr_notes):  # once, not once per batch
        fr.notes.append(n)
    fr.tables.append({"table": None, "rows": offset, "columns": entries,
                      "dropped": [_header(base, c) for c in dropped],
                      "local_suppression": ls_log, "small_cells": None})
    fr.output_sha256 = sha256_file(out)
    if rescan:
        # the scanner streams large CSV/Parquet itself (datasafe.engines): the proof covers
        # every row of the copy
        from datasafe.pipeline import scan as run_scan

        fr.after = run_scan(str(out), options=options, named_columns=False)
    return fr


def _series(batch, keys, name, fmt):
    import pandas as pd

    from datasafe.read import array_to_text

    arr = array_to_text(batch.column(keys.index(name)))
    return pd.Series(arr.to_pandas(), dtype="str").str.strip()
