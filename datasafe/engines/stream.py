"""The streaming engine: one large CSV/TSV or Parquet file, read in record batches (pyarrow's
streaming CSV reader, Parquet row groups), with bounded memory. See :mod:`datasafe.engines`.

Two passes over the file:

1. **profile**: per-batch partial profiles merged as they come; each column's distinct-value
   hashes appended to a file and counted at the end (sorted in partitions of
   ``DISTINCT_ROWS`` hashes when the file is larger).
2. **risk**: per batch, the frequency table of key combinations, the (combination, sensitive
   value) counts, the valid weights and, with a household id, each record's (combination,
   household) are spilled to disk, split by a hash of the combination into
   :func:`n_buckets` buckets sized for ``BUCKET_ROWS`` rows. Then bucket by bucket: the
   bucket's frequency table is grouped and its measures added up
   (:class:`~datasafe.engines.risk.RiskAccumulator`), its records' risks looked up and summed
   per household into a second spill split by household, and those households summed bucket
   by bucket. With missing key values (a missing value matches any category), the matches
   between combinations of different missing-value patterns are found out-of-core too
   (:meth:`StreamRunner._match_missing`).

Memory holds one batch, one bucket and the bounded state. The temporary folder holds, in
pass 1, 8 bytes per distinct value per batch and column, and in pass 2 about 40 bytes per
record (24 per combination and batch, 16 per record with a household id). It is private, and
removed after killed runs by the next one: :mod:`datasafe.engines.spill`.
"""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from datasafe.concurrency import prefetch
from datasafe.engines import Runner
from datasafe.engines.spill import private_open

BUCKET_ROWS = 1_000_000  # rows (key combinations or records) one bucket is sized for
DISTINCT_ROWS = 8_000_000  # distinct-value hashes sorted at once (8 bytes each)
MAX_BUCKETS = 4096
_GOLDEN = 0x9E3779B97F4A7C15


def n_buckets(rows: int, per_bucket: int | None = None) -> int:
    """A power of two: buckets of at most ``per_bucket`` (``BUCKET_ROWS``) of ``rows``."""
    per = max(1, int(per_bucket or BUCKET_ROWS))
    b = 1
    while b * per < rows and b < MAX_BUCKETS:
        b *= 2
    return b


def bucket_of(values, buckets: int):
    """Bucket (0 … ``buckets``-1, a power of two) of int64/uint64 keys: the top bits of a
    multiplicative hash, so packed (non-random) keys spread too."""
    import numpy as np

    v = np.ascontiguousarray(values).view(np.uint64)
    if buckets <= 1:
        return np.zeros(len(v), dtype=np.int64)
    bits = buckets.bit_length() - 1
    with np.errstate(over="ignore"):
        return ((v * np.uint64(_GOLDEN)) >> np.uint64(64 - bits)).astype(np.int64)


class StreamRunner(Runner):
    def __init__(self, batches, layout):
        self._batches = batches  # callable → iterator of text DataFrames
        self.layout = layout
        self.rows = 0

    @classmethod
    def for_path(cls, path: Path, options) -> StreamRunner:
        from datasafe.engines import sources
        from datasafe.read import file_format

        path = Path(path)
        stats: dict = {}
        if file_format(path) == "parquet":
            layout, pieces = sources.parquet_layout([path], options.limits)
            unique = len(set(layout.headers)) == len(layout.headers)

            def batches(columns=None):
                # the next row group is read while this one is processed
                yield from prefetch(sources.read_piece(piece, layout.keys,
                                                       columns if unique else None)
                                    for piece in pieces)
        else:
            layout, opts = sources.csv_layout(path, options.limits)

            def batches(columns=None):
                # columns only once pass 1 has seen every row hold a value
                ok = columns and stats.get("dropped", None) == 0
                yield from prefetch(sources.csv_batches(path, layout, opts,
                                                        columns if ok else None, stats))
        runner = cls(batches, layout)
        runner.stats = stats
        return runner

    # -- pass 1 ----------------------------------------------------------------------------

    def profile(self):
        """Pass 1; each batch's distinct-value hashes are appended to one file per column and
        counted at the end, one column at a time. The row sample is kept as pieces, cut back
        to ``ROW_SAMPLE`` rows when they reach twice that; rows above the ``ROW_SAMPLE``-th
        smallest row hash seen are not taken from a batch."""
        import numpy as np

        from datasafe.engines import core
        from datasafe.engines.core import merge_profiles, profile_part, select_sample

        tmp = self._folder()
        acc = None
        width = len(self.layout.keys)
        files = [private_open(tmp / f"c{j}.u64", "wb") for j in range(width)]
        pieces, held, below = [], 0, None
        # the streaming CSV reader nulls empty and whitespace-only cells (sources.csv_batches)
        clean = self.layout.meta.get("reader") == "pyarrow-stream"
        try:
            self.stats["dropped"] = 0
            for df in self._batches():
                part = profile_part(df, below=below, blanks_nulled=clean)
                for j, cp in enumerate(part.columns):
                    if cp.hashes is not None:
                        cp.hashes.astype(np.uint64).tofile(files[j])
                        cp.hashes = None
                if len(part.sample):
                    pieces.append((part.sample, part.sample_hash))
                    held += len(part.sample)
                part.sample = part.sample_hash = None
                acc = merge_profiles(acc, part)
                if held >= core.ROW_SAMPLE:
                    if held >= 2 * core.ROW_SAMPLE:
                        pieces = [select_sample(pieces)]
                        held = len(pieces[0][0])
                    rh = np.concatenate([h for _, h in pieces])
                    below = np.partition(rh, core.ROW_SAMPLE - 1)[core.ROW_SAMPLE - 1]
        finally:
            for f in files:
                f.close()
        _test_pause()
        if acc is not None and pieces:
            acc.sample, acc.sample_hash = select_sample(pieces)
        if acc is None:
            from datasafe.engines.core import ColumnPart, ProfilePart

            acc = ProfilePart(rows=0, columns=[ColumnPart() for _ in range(width)])
        self.rows = acc.rows
        distinct = []
        for j in range(width):
            distinct.append(count_distinct(tmp / f"c{j}.u64"))
            (tmp / f"c{j}.u64").unlink()
        return acc, distinct

    # -- pass 2 ----------------------------------------------------------------------------

    def assess(self, plan, ctx):
        """Pass 2 and the bucketed risk measures (see the module docstring)."""
        import numpy as np
        import pandas as pd

        from datasafe.engines.core import group_freq, group_pairs, household_logs
        from datasafe.engines.risk import (
            PairStore,
            RiskAccumulator,
            median_of,
            weight_notes,
        )

        tmp = self._folder()
        buckets = n_buckets(self.rows)
        spill = _Spill(tmp / "freq", buckets)
        weights = PairStore(tmp / "weights.f8")
        seen = {"bad": 0, "masks": {}}
        for df in self._batches(_needed(plan)):
            self._spill_batch(df, plan, spill, weights, seen)
        bad = seen["bad"]
        wmed = None
        if plan.weight is not None:
            wmed = median_of(weights.chunks) if weights.size else None
        wmed = weight_notes(plan, ctx, wmed, bad)
        masks = seen["masks"]
        missing = any(m != 0 for m in masks)
        partitioned = missing and buckets > 1
        acc = RiskAccumulator(plan, ctx, wmed, missing, partitioned=partitioned,
                              store=tmp / "risk.f8")
        matched = self._match_missing(plan, spill, masks, wmed, acc) if partitioned else None
        households = _Spill(tmp / "households", buckets) if plan.household else None
        for b in range(buckets):
            frame = spill.read("freq", b)
            freq = group_freq(frame) if frame is not None else _empty_freq(spill)
            pairs = {}
            for j in range(len(plan.sensitive)):
                pf = spill.read(f"s{j}", b)
                if pf is not None:
                    pairs[j] = group_pairs(pf)
            m = None
            if matched is not None:
                m = matched.read("c", b)
                if m is not None:
                    m = m.groupby("key", sort=False)[["n", "w"]].sum().reset_index()
            keys_sorted, risk_sorted = acc.bucket(freq, pairs, m)
            del freq, pairs, m, frame
            if households is None:
                continue
            hh = spill.read("hh", b)
            if hh is not None:
                r = risk_sorted[np.searchsorted(keys_sorted, hh["key"].to_numpy())]
                households.write("hsum", household_logs(pd.DataFrame(
                    {"h": hh["h"].to_numpy(), "risk": r})), by="h")
            lone = spill.read("lone", b)
            if lone is not None:
                lone = lone.groupby("key", sort=False)["n"].sum()
                acc.lone(risk_sorted[np.searchsorted(keys_sorted, lone.index.to_numpy())],
                         lone.to_numpy())
                acc.has_households = True
        if households is not None:
            acc.has_households = True
            for b in range(buckets):
                part = households.read("hsum", b)
                if part is not None:
                    g = part.groupby("h", sort=False).sum()
                    acc.households(g["log"].to_numpy(), g["n"].to_numpy())
            households.close()
        spill.close()
        if matched is not None:
            matched.close()
        return acc.result()

    def _spill_batch(self, df, plan, spill, weights, seen) -> None:
        """Pass 2 on one batch: its frequency tables, weights and household records to disk."""
        import numpy as np
        import pandas as pd

        from datasafe.engines.core import (
            _weights_text,
            combo_keys,
            freq_frame,
            group_freq,
            group_pairs,
            household_hashes,
            pair_frame,
        )
        from datasafe.engines.risk import missing_bits

        ck = combo_keys(df, plan)
        codes, key = ck
        spill.write("freq", group_freq(freq_frame(df, plan, ck)))
        for j in range(len(plan.sensitive)):
            spill.write(f"s{j}", group_pairs(pair_frame(df, plan, j, ck)))
        if len(df):
            bits, counts = np.unique(missing_bits(codes), return_counts=True)
            for m, c in zip(bits.tolist(), counts.tolist()):
                seen["masks"][m] = seen["masks"].get(m, 0) + c
        if plan.weight is not None:
            w, ok = _weights_text(df[plan.weight])
            seen["bad"] += int((~ok).sum())
            vc = pd.Series(w[ok]).value_counts(sort=False)
            if len(vc):
                weights.append(vc.index.to_numpy(dtype=float), vc.to_numpy(dtype=float))
        if plan.household is not None:
            h, lone = household_hashes(df, plan)
            has = ~lone
            spill.write("hh", pd.DataFrame({"key": key[has], "h": h[has].view(np.int64)}))
            if lone.any():
                lk = pd.Series(np.ones(int(lone.sum()), dtype=np.int64), index=key[lone])
                lk = lk.groupby(level=0, sort=False).sum()
                spill.write("lone", pd.DataFrame({"key": lk.index.to_numpy(dtype=np.int64),
                                                  "n": lk.to_numpy()}))

    def _match_missing(self, plan, spill, masks: dict, wmed, acc):
        """fk/Fk across buckets with missing key values: combinations of missing-value
        patterns ``a`` and ``b`` match when equal on the variables missing in neither, so for
        every pair of patterns each combination is keyed by its values on those variables
        (the other ones set missing), and both sides are spilled split by that key; each split
        then holds all the matches of its keys, and what each combination gets from the other
        side goes to a third spill, split like the frequency table, read with its bucket.
        Pairs that together miss every variable match whole: their totals go to
        ``acc.cover``."""
        import numpy as np
        import pandas as pd

        from datasafe.engines.core import codes_key, group_freq
        from datasafe.engines.risk import freq_codes, missing_bits

        p = len(plan.keys)
        full = (1 << p) - 1
        present = sorted(masks)
        pairs, cover_pairs = [], []
        for i, a in enumerate(present):
            for b in present[i + 1:]:
                (cover_pairs if (a | b) == full else pairs).append((a, b))
        emitted = sum(masks[a] + masks[b] for a, b in pairs)
        proj = _Spill(spill.folder.parent / "match", n_buckets(emitted))
        matched = _Spill(spill.folder.parent / "matched", spill.buckets)
        tot_n = dict.fromkeys(present, 0.0)
        tot_w = dict.fromkeys(present, 0.0)
        weighted = plan.weight is not None
        for bk in range(spill.buckets):
            frame = spill.read("freq", bk)
            if frame is None:
                continue
            freq = group_freq(frame)
            codes = freq_codes(freq, plan)
            bits = missing_bits(codes)
            key = freq["key"].to_numpy(dtype=np.int64)
            n = freq["__n"].to_numpy(dtype=float)
            w = (freq["__w"].to_numpy(dtype=float) + freq["__bad"].to_numpy(dtype=float)
                 * (wmed or 0.0)) if weighted else n
            for m in np.unique(bits).tolist():
                sel = bits == m
                tot_n[m] += float(n[sel].sum())
                tot_w[m] += float(w[sel].sum())
            for pid, (a, b) in enumerate(pairs):
                drop = [j for j in range(p) if ((a | b) >> j) & 1]
                for side, m in ((0, a), (1, b)):
                    rows = np.flatnonzero(bits == m)
                    if not len(rows):
                        continue
                    c = codes[rows].copy()
                    c[:, drop] = -1
                    pk = codes_key(c, plan)
                    with np.errstate(over="ignore"):
                        mix = pk.view(np.uint64) ^ np.uint64((pid + 1) * _GOLDEN % (1 << 64))
                    proj.write("p", pd.DataFrame({
                        "pid": np.full(len(rows), pid, dtype=np.int64),
                        "side": np.full(len(rows), side, dtype=np.int64),
                        "proj": pk, "key": key[rows], "n": n[rows], "w": w[rows]}),
                        by=mix)
        for a, b in cover_pairs:
            for x, y in ((a, b), (b, a)):
                cn, cw = acc.cover.get(x, (0.0, 0.0))
                acc.cover[x] = (cn + tot_n[y], cw + tot_w[y])
        for q in range(proj.buckets):
            df = proj.read("p", q)
            if df is None:
                continue
            g = df.groupby(["pid", "side", "proj"], sort=False)[["n", "w"]].sum().reset_index()
            g["side"] = 1 - g["side"]  # what the other side's combinations receive
            got = df[["pid", "side", "proj", "key"]].merge(g, on=["pid", "side", "proj"])
            if len(got):
                matched.write("c", got[["key", "n", "w"]])
        proj.close()
        return matched


def count_distinct(path: Path) -> int:
    """Number of distinct uint64 hashes in a file of hashes (with repeats): sorted in place
    when at most ``DISTINCT_ROWS``, else split by their top bits into files counted one by
    one."""
    import numpy as np

    n = path.stat().st_size // 8

    def count(h):
        h.sort()
        return int(len(h) and 1 + np.count_nonzero(h[1:] != h[:-1]))

    if n <= DISTINCT_ROWS:
        return count(np.fromfile(path, dtype=np.uint64))
    parts = n_buckets(n, DISTINCT_ROWS)
    bits = np.uint64(64 - (parts.bit_length() - 1))
    names = [path.with_suffix(f".{i}") for i in range(parts)]
    handles = [private_open(f, "wb") for f in names]
    step = max(1, min(DISTINCT_ROWS, 1 << 20))
    try:
        for off in range(0, n, step):
            h = np.fromfile(path, dtype=np.uint64, count=min(step, n - off), offset=off * 8)
            part = (h >> bits).astype(np.int64)
            order = np.argsort(part, kind="stable")
            bounds = np.searchsorted(part[order], np.arange(parts + 1))
            h = h[order]
            for i in range(parts):
                if bounds[i + 1] > bounds[i]:
                    h[bounds[i]:bounds[i + 1]].tofile(handles[i])
    finally:
        for fh in handles:
            fh.close()
    total = 0
    for f in names:
        total += count(np.fromfile(f, dtype=np.uint64))
        f.unlink()
    return total


class _Spill:
    """Frames of numeric columns split into ``buckets`` files by a hash of one column (or of
    given values), appended batch by batch and read back bucket by bucket: one raw file of
    fixed-width records per name and bucket."""

    def __init__(self, folder: Path, buckets: int):
        self.folder = folder
        self.buckets = buckets
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.dtypes: dict = {}

    def write(self, name: str, frame, by="key") -> None:
        import numpy as np

        n = len(frame)
        if n == 0:
            return
        if name not in self.dtypes:
            self.dtypes[name] = np.dtype([(c, frame[c].to_numpy().dtype)
                                          for c in frame.columns])
        dt = self.dtypes[name]
        rec = np.empty(n, dtype=dt)
        for c in dt.names:
            rec[c] = frame[c].to_numpy()
        values = frame[by].to_numpy() if isinstance(by, str) else by
        b = bucket_of(values, self.buckets)
        if self.buckets > 1:
            order = np.argsort(b, kind="stable")
            rec = rec[order]
            bounds = np.searchsorted(b[order], np.arange(self.buckets + 1))
        else:
            bounds = [0, n]
        for i in range(self.buckets):
            lo, hi = bounds[i], bounds[i + 1]
            if hi > lo:
                with private_open(self.folder / f"{name}.{i}", "ab") as fh:
                    rec[lo:hi].tofile(fh)

    def read(self, name: str, b: int):
        """The rows of bucket ``b`` (a DataFrame), or None."""
        import numpy as np
        import pandas as pd

        f = self.folder / f"{name}.{b}"
        if name not in self.dtypes or not f.exists():
            return None
        rec = np.fromfile(f, dtype=self.dtypes[name])
        return pd.DataFrame({c: rec[c] for c in rec.dtype.names})

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _test_pause() -> None:
    """Test hook (tests/test_engine_spill.py): ``DATASAFE_TEST_SPILL_PAUSE=SECONDS`` holds the
    run here, after pass 1 spilled its hashes, so that a test can kill or interrupt it."""
    seconds = os.environ.get("DATASAFE_TEST_SPILL_PAUSE")
    if seconds:
        import faulthandler
        import signal

        # SIGUSR1 prints every thread's stack on stderr: what a test reports when the run
        # does not stop when told to
        faulthandler.register(signal.SIGUSR1, all_threads=True)
        print("datasafe: test pause", file=sys.stderr, flush=True)
        # in short sleeps: a signal that the kernel hands to another thread (pyarrow's and
        # OpenBLAS's threads do not block SIGINT) only sets CPython's flag, which the main
        # thread checks between two sleeps, not during one
        end = time.monotonic() + float(seconds)
        while time.monotonic() < end:
            time.sleep(0.05)


def _empty_freq(spill):
    import numpy as np
    import pandas as pd

    dt = spill.dtypes.get("freq")
    if dt is None:
        return pd.DataFrame({"key": np.zeros(0, dtype=np.int64),
                             "__n": np.zeros(0, dtype=np.int64),
                             "__first": np.zeros(0, dtype=np.int64)})
    return pd.DataFrame({c: np.zeros(0, dtype=dt[c]) for c in dt.names})


def _needed(plan) -> list[str]:
    cols = list(plan.keys)
    extra = [plan.weight, plan.household, *plan.sensitive]
    return cols + [c for c in extra if c and c not in cols]


def _empty(keys):
    import pandas as pd

    return pd.DataFrame({k: pd.Series([], dtype="str") for k in keys})
