"""Profiling: structural statistics of every column, computed by vectorised passes over the whole
column, plus a deterministic (seeded) sample of distinct non-empty values for the detectors: the
values with the smallest seeded hash, so the sample does not depend on row order or on how the
rows are split into batches or partitions.

The sample holds raw values: it lives in memory only and is never serialised.
"""

from __future__ import annotations

import re

from datasafe.concurrency import map_on_cores
from datasafe.model import ColumnResult, ColumnStats, TableResult
from datasafe.read import Table, blank_mask, shown_name

SAMPLE_SIZE = 500
SEED = 20211001  # fixed: the same file gives the same sample, run after run

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+[.,]\d*|\d*[.,]\d+)([eE][+-]?\d+)?$")
_BOOL = {"true", "false", "yes", "no", "oui", "non", "si", "sí", "y", "n", "vrai", "faux"}
_DATE = re.compile(r"^(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4})$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")


def infer_type(values: list[str]) -> str:
    """Type of a column from its sampled distinct values (the dominant shape, >= 90 %)."""
    vals = [v.strip() for v in values if v is not None and v.strip()]
    if not vals:
        return "empty"
    n = len(vals)

    def share(pred) -> float:
        return sum(1 for v in vals if pred(v)) / n

    if share(lambda v: bool(_INT.match(v))) >= 0.9 and not any(
            (len(v) > 1 and v[0] == "0") or v[0] == "+" for v in vals if _INT.match(v)):
        return "integer"  # a leading 0 or + is an identifier or a phone number, not a count
    if share(lambda v: bool(_INT.match(v) or _FLOAT.match(v))) >= 0.9:
        return "float" if any(_FLOAT.match(v) for v in vals) else "string"
    if share(lambda v: v.lower() in _BOOL) >= 0.95:
        return "boolean"
    if share(lambda v: bool(_DATETIME.match(v))) >= 0.9:
        return "datetime"
    if share(lambda v: bool(_DATE.match(v))) >= 0.9:
        return "date"
    words = sum(len(v.split()) for v in vals) / n
    mean_len = sum(len(v) for v in vals) / n
    if words >= 4 and mean_len >= 25:
        return "text"
    return "string"


def _offsets(arr):
    """The value offsets of a pyarrow (large) string array, as numpy int64 (``len + 1``)."""
    import numpy as np
    import pyarrow as pa

    odt = np.dtype(np.int64 if pa.types.is_large_string(arr.type) else np.int32)
    return np.frombuffer(arr.buffers()[1], dtype=odt, count=len(arr) + 1,
                         offset=arr.offset * odt.itemsize).astype(np.int64)


def length_stats(arr) -> tuple[int, int, int]:
    """(shortest, longest, total) length in characters of a pyarrow string array without
    nulls. ASCII text (no byte with its high bit set) has one
    character per byte, so the lengths are the offsets' differences; other text is measured
    by pyarrow's ``utf8_length``."""
    import numpy as np
    import pyarrow.compute as pc

    off = _offsets(arr)
    base, total = int(off[0]), int(off[-1] - off[0])
    data = arr.buffers()[2]
    raw = np.frombuffer(data, dtype=np.uint8, count=total, offset=base) if total else None
    if raw is None or raw.max() < 0x80:  # ASCII: a character per byte
        lengths = np.diff(off)
        return int(lengths.min()), int(lengths.max()), total
    lengths = pc.utf8_length(arr)
    mm = pc.min_max(lengths).as_py()
    return int(mm["min"]), int(mm["max"]), int(pc.sum(lengths).as_py())


def _weighted_length_stats(uniques, counts) -> tuple[int, int, int]:
    """:func:`length_stats` of a column from its distinct values and their counts (a pass over
    a few hundred values instead of the million cells)."""
    import numpy as np
    import pyarrow.compute as pc

    lengths = np.asarray(pc.utf8_length(uniques).to_numpy(zero_copy_only=False), dtype=np.int64)
    return (int(lengths.min()), int(lengths.max()),
            int(np.dot(lengths, np.asarray(counts, dtype=np.int64))))


def _text_array(s):
    """A pandas column of text → a pyarrow string array (zero-copy for the ``str`` dtype)."""
    import pyarrow as pa

    try:
        arr = pa.array(s.array) if str(s.dtype) == "str" else None
    except (pa.ArrowException, TypeError, ValueError):
        arr = None
    if arr is None:
        from datasafe.read import array_to_text

        try:
            arr = array_to_text(pa.array(s, from_pandas=True))
        except (pa.ArrowException, TypeError, ValueError):
            arr = pa.array([None if v is None or v != v else str(v) for v in s.tolist()],
                           pa.string())
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    if not pa.types.is_string(arr.type):
        arr = arr.cast(pa.string())
    return arr


_U64_GOLDEN = 0x9E3779B97F4A7C15
_U64_LEN = 0xC2B2AE3D27D4EB4F


def _finalise(x):
    """splitmix64's finaliser: every input bit reaches every output bit."""
    import numpy as np

    u = np.uint64
    x = x ^ (x >> u(30))
    x = x * u(0xBF58476D1CE4E5B9)
    x = x ^ (x >> u(27))
    x = x * u(0x94D049BB133111EB)
    return x ^ (x >> u(31))


def value_hashes(values):
    """Seeded 64-bit hash of each text value (a pyarrow string array): the same value gets the
    same hash in every file, partition and run, whatever the platform.

    Vectorised over the array's UTF-8 buffer: the bytes of every string are read eight at a
    time (one 64-bit word per string per round, assembled from two aligned words; strings
    sorted by length so each round touches only the strings still running), mixed into the
    state, then finalised with splitmix64. Cost grows with the bytes of the column, with no Python object per value.
    Nulls hash like the empty string."""
    import numpy as np
    import pyarrow as pa

    if not isinstance(values, (pa.Array, pa.ChunkedArray)):
        values = pa.array([None if v is None else str(v) for v in values], pa.string())
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = values.cast(pa.string())
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    off = _offsets(values)
    lens = np.diff(off)
    if values.null_count:
        valid = np.asarray(values.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        lens = np.where(valid, lens, 0)
    if n >= _BY_LENGTH_MIN and int(lens.max()) <= _BY_LENGTH_MAX_BYTES:
        return _hashes_by_length(values, off, lens)
    return _hashes_word_rounds(values, off, lens)


# value_hashes reads strings of one length as a matrix (a row per string, a column per 8 bytes)
# when the column is long enough and its strings short enough. On the 1M benchmark (best of 5,
# 2-core EPYC): case numbers of 14 bytes 64 ms instead of 129 ms, GPS latitudes 100 instead of
# 180, the 20-63-byte notes 128 instead of 382. Both ways give the same hashes (tested).
_BY_LENGTH_MIN = 4096
_BY_LENGTH_MAX_BYTES = 4096


def _mix_words(h, words):
    """Mix the 64-bit words of each string (the columns of ``words``, zero-padded) into ``h``."""
    import numpy as np

    u = np.uint64
    for j in range(words.shape[1]):
        h ^= words[:, j]
        h *= u(_U64_GOLDEN)
        h ^= h >> u(29)
    return h


def _hashes_by_length(values, off, lens):
    """:func:`value_hashes` of a string array, its strings taken a length at a time: the bytes
    of ``c`` strings of ``L`` bytes laid end to end are a ``c × L`` matrix, padded with zeros to
    whole words and mixed a word column at a time (no gather, no mask per word). Strings of
    several lengths are first ordered by length (a radix sort of their lengths and one pyarrow
    take)."""
    import numpy as np

    u = np.uint64
    n = len(values)
    lengths = lens.astype(np.uint16)  # <= _BY_LENGTH_MAX_BYTES: numpy sorts it by radix
    first = int(lengths[0])
    if (lengths == first).all():
        order, arr, slen, soff = None, values, lengths, off
    else:
        order = np.argsort(lengths, kind="stable")
        arr = values.take(order)
        slen = lengths[order]
        soff = _offsets(arr)
    data = arr.buffers()[2]
    out = np.empty(n, dtype=np.uint64)
    # where each run of one length starts and ends in the ordered strings
    cuts = np.flatnonzero(np.diff(slen.astype(np.int32))) + 1
    starts = np.concatenate(([0], cuts))
    ends = np.concatenate((cuts, [n]))
    with np.errstate(over="ignore"):
        for a, b in zip(starts.tolist(), ends.tolist()):
            length = int(slen[a])
            h = np.full(b - a, (u(SEED) * u(_U64_GOLDEN)) ^ (u(length) * u(_U64_LEN)),
                        dtype=np.uint64)
            if length:
                lo = int(soff[a])
                raw = np.frombuffer(data, dtype=np.uint8, count=(b - a) * length,
                                    offset=lo).reshape(b - a, length)
                width = (length + 7) >> 3
                if width * 8 == length:
                    words = np.ascontiguousarray(raw).view(np.uint64)
                else:
                    padded = np.zeros((b - a, width * 8), dtype=np.uint8)
                    padded[:, :length] = raw
                    words = padded.view(np.uint64)
                _mix_words(h, words)
            out[a:b] = _finalise(h)
    if order is not None:
        res = np.empty(n, dtype=np.uint64)
        res[order] = out
        return res
    return out


def _hashes_word_rounds(values, off, lens):
    """:func:`value_hashes` of any string array: one round per 8 bytes over all the strings
    still running (long strings, short arrays)."""
    import numpy as np

    u = np.uint64
    n = len(values)
    bufs = values.buffers()
    base, total = int(off[0]), int(off[-1] - off[0])
    # the bytes in an 8-byte-aligned buffer with 16 bytes of padding; a string's word at any
    # byte position is assembled from two aligned words (an unaligned gather is 4x slower)
    aligned = np.zeros((total + 7) // 8 + 3, dtype=np.uint64)
    if total:
        aligned.view(np.uint8)[:total] = np.frombuffer(bufs[2], dtype=np.uint8, count=total,
                                                       offset=base)
    starts = off[:-1] - base
    nwords = (lens + 7) >> 3
    with np.errstate(over="ignore"):
        h = (u(SEED) * u(_U64_GOLDEN)) ^ (lens.astype(np.uint64) * u(_U64_LEN))
        rounds = int(nwords.max())
        # strings of fewer words than the longest (an empty one among 1-word ones too) are
        # ordered by length, so each is mixed with its own words only: "" hashes alike in
        # every array
        if rounds >= 1 and not (nwords == rounds).all():
            order = np.argsort(-nwords, kind="stable")
            starts, lens, h = starts[order], lens[order], h[order]
            # running[j]: how many strings (a prefix, in this order) have a word j
            running = np.searchsorted(-nwords[order], -np.arange(1, rounds + 2), side="right")
        else:
            order = None
            running = np.array([n] * rounds + [0], dtype=np.int64)
        q = starts >> 3  # aligned word holding each string's next byte
        shift = ((starts & 7) * 8).astype(np.uint64)
        up = u(63) - shift  # hi << (64 - s) written as (hi << (63 - s)) << 1: no shift by 64
        lo = np.take(aligned, q[: int(running[0])]) if rounds else None
        for j in range(rounds):
            m, m_next = int(running[j]), int(running[j + 1])  # [m_next, m) end at word j
            hi = np.take(aligned, q[:m] + (j + 1))
            w = (lo[:m] >> shift[:m]) | ((hi << up[:m]) << u(1))
            if m_next < m:  # keep only each ending string's own bytes of its last word
                rest = lens[m_next:m] - 8 * j
                bits = np.clip(rest, 0, 7).astype(np.uint64) * u(8)
                w[m_next:m] &= np.where(rest < 8, (u(1) << bits) - u(1), ~u(0))
            hj = h[:m]
            hj ^= w
            hj *= u(_U64_GOLDEN)
            hj ^= hj >> u(29)
            lo = hi
        h = _finalise(h)
    if order is not None:
        out = np.empty(n, dtype=np.uint64)
        out[order] = h
        return out
    return h


def bottom_k(hashes, k: int = SAMPLE_SIZE):
    """Indices of the ``k`` values with the smallest hashes, in hash order."""
    import numpy as np

    n = len(hashes)
    if n > k:
        idx = np.argpartition(hashes, k - 1)[:k]
    else:
        idx = np.arange(n)
    return idx[np.argsort(hashes[idx], kind="stable")]


def sample_distinct(uniques, k: int = SAMPLE_SIZE) -> list[str]:
    """The sample of a column's distinct non-empty values: the ``k`` with the smallest seeded
    hash, in hash order. Independent of row order and of how the rows are split into batches
    or partitions (the bottom-k of a union is the bottom-k of the parts' bottom-k), so the
    streaming and distributed engines draw exactly the same sample."""
    if len(uniques) == 0:
        return []
    h = value_hashes(uniques)
    return uniques.take(bottom_k(h, k)).to_pylist()


THREADED_CELLS = 2_000_000  # tables at least this big are profiled a column per core
COUNTS_MAX = 200_000  # value counts kept for columns with at most this many distinct values
_PROBE = 20_000  # rows looked at to guess whether a column is nearly unique
# share of distinct values among the probed rows above which a column is hashed and sorted:
# 0.9 of 20,000 rows is about 95,000 equally frequent values; below it the hash table is as
# cheap (dates of birth, amounts: 30,000 distinct in 1M rows counted in 55 ms instead of hashed
# in 120 ms and then counted anyway, their counts being kept)
_NEARLY_UNIQUE = 0.9


def _dictionary(full):
    """Dictionary encoding of a whole column (nulls and blanks included): ``(codes, dictionary,
    counts)`` with ``codes`` int32 per row (-1 for null) — kept so that the risk stage encodes
    its key variables without hashing the column again."""
    import numpy as np
    import pyarrow.compute as pc

    d = pc.dictionary_encode(full)
    codes = np.asarray(d.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int32)
    counts = np.bincount(codes.astype(np.int64) + 1, minlength=len(d.dictionary) + 1)[1:]
    return codes, d.dictionary, counts


def _nonblank(dictionary, counts):
    """The non-empty, non-whitespace entries of a dictionary and their counts."""
    import numpy as np

    if len(dictionary) == 0:
        return dictionary, counts
    blank = blank_mask(dictionary)
    keep = np.invert(np.asarray(blank.fill_null(True).to_numpy(zero_copy_only=False), dtype=bool))
    return dictionary.filter(keep), counts[keep]


def _distinct_and_sample(nonnull, k: int = SAMPLE_SIZE, full=None):
    """(distinct count, sample, value counts or None, codes or None) of an array of non-empty
    texts (``full``: the whole column, nulls and blanks included, when codes are wanted).

    Two routes to the same answer: a column with few distinct values goes through pyarrow's
    hash table (dictionary codes and value counts, kept for the detectors, checks and risk); a
    nearly unique column (IDs, phones, coordinates) is hashed with :func:`value_hashes` and the
    hashes sorted, which is several times cheaper than a string hash table with a million
    entries. Either way the sample is the ``k`` distinct values with the smallest seeded
    hash."""
    import numpy as np
    import pyarrow.compute as pc

    n = len(nonnull)

    def counted():
        if full is not None:
            codes, dictionary, counts = _dictionary(full)
            uniques, cnt = _nonblank(dictionary, counts)
            return uniques, cnt, (codes, dictionary)
        vc = pc.value_counts(nonnull)
        return vc.field("values"), vc.field("counts").to_numpy(), None

    probe = nonnull.slice(0, _PROBE) if n > 4 * _PROBE else None
    if probe is None or pc.count_distinct(probe).as_py() <= _NEARLY_UNIQUE * len(probe):
        uniques, cnt, codes = counted()
        sample = sample_distinct(uniques, k)
        small = len(uniques) <= COUNTS_MAX
        return len(uniques), sample, ((uniques, cnt) if small else None), \
            (codes if small else None)
    h = value_hashes(nonnull)
    hs = np.sort(h)
    new = np.empty(len(hs), dtype=bool)
    new[0] = True
    np.not_equal(hs[1:], hs[:-1], out=new[1:])
    distinct_hashes = hs[new]
    chosen = distinct_hashes[:k]
    rows = np.flatnonzero(h <= chosen[-1])  # the rows holding the chosen values (and repeats)
    order = np.argsort(h[rows], kind="stable")
    rows = rows[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = h[rows][1:] != h[rows][:-1]
    sample = nonnull.take(rows[first]).to_pylist()
    distinct = int(len(distinct_hashes))
    keep, codes = None, None
    if distinct <= min(COUNTS_MAX, n // 4):  # the probe was fooled (dates, many repeats)
        uniques, cnt, codes = counted()
        keep = (uniques, cnt)
    return distinct, sample, keep, codes


def nonblank_values(arr, blanks_nulled: bool = False):
    """The non-empty values of a text array: not null, not empty, not whitespace only (the
    profiler's definition, shared by the partitioned engines). ``blanks_nulled``: the reader
    already made empty and whitespace-only cells null (the CSV readers): no pass for them."""
    import pyarrow.compute as pc

    nonnull = arr.drop_null()
    if len(nonnull) and not blanks_nulled:
        blank = blank_mask(nonnull)
        if pc.any(blank).as_py():
            nonnull = nonnull.filter(pc.invert(blank))
    return nonnull


def profile_column(table: Table, index: int) -> ColumnResult:
    """Vectorised statistics of one column (pyarrow compute over the whole column) and a
    seeded sample of its distinct non-empty values."""

    key = table.keys[index]
    s = table.data[key] if key in table.data.columns else None
    col = ColumnResult(name=table.headers[index], key=key, index=index,
                       hxl=(table.hxl[index] if table.hxl else None))
    rows = table.rows
    if s is None or rows == 0:
        col.stats = ColumnStats(rows=rows)
        return col
    if getattr(s, "ndim", 1) != 1:  # a repeated label in a hand-made frame
        s = s.iloc[:, 0]
    arr = _text_array(s)
    nonnull = nonblank_values(arr, bool(table.meta.get("blanks_nulled")))
    non_empty = len(nonnull)
    if non_empty == 0:
        col.stats = ColumnStats(rows=rows)
        return col
    # codes for the risk stage only for text columns (a column of numbers or mixed objects from
    # the library API is encoded from its own values there, as before)
    text = str(s.dtype) == "str"
    distinct, col.sample, col.counts, col.codes = _distinct_and_sample(
        nonnull, full=arr if text else None)
    if col.counts is not None:  # the lengths of the distinct values, weighted by their counts
        shortest, longest, chars = _weighted_length_stats(*col.counts)
    else:
        shortest, longest, chars = length_stats(nonnull)
    col.stats = ColumnStats(
        inferred_type=infer_type(col.sample),
        rows=rows,
        non_empty=int(non_empty),
        distinct=int(distinct),
        min_length=shortest,
        max_length=longest,
        mean_length=chars / non_empty,
    )
    return col


def profile_table(table: Table, then=None) -> TableResult:
    """Profile every column; ``then(column)``, when given, runs on each profiled column on the
    worker that profiled it (the detectors' per-column step)."""
    result = TableResult(
        name=shown_name(table),
        rows=table.rows,
        hidden=table.hidden,
        header_row=table.header_row,
        hxl_row=table.hxl_row,
        ragged_rows=table.ragged_rows,
        notes=list(table.notes),
    )
    n = len(table.keys)
    # big tables are profiled a column per core (1M x 20 on 2 idle cores: 3.0 s -> 1.5 s; no
    # loss when the cores are busy)
    def one(i: int) -> ColumnResult:
        col = profile_column(table, i)
        if then is not None:
            then(col)
        return col

    result.columns = map_on_cores(one, range(n), big=table.rows * n >= THREADED_CELLS)
    return result
