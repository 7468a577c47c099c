"""The streaming engine: one large CSV/TSV or Parquet file, read in record batches (pyarrow's
streaming CSV reader, Parquet row groups), with bounded memory. See :mod:`datasafe.engines`."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from datasafe.engines import Runner


class StreamRunner(Runner):
    def __init__(self, batches, layout):
        self._batches = batches  # callable → iterator of text DataFrames
        self.layout = layout
        self._tmp = None

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
                for piece in pieces:
                    yield sources.read_piece(piece, layout.keys, columns if unique else None)
        else:
            layout, opts = sources.csv_layout(path, options.limits)

            def batches(columns=None):
                # columns only once pass 1 has seen every row hold a value
                ok = columns and stats.get("dropped", None) == 0
                yield from sources.csv_batches(path, layout, opts, columns if ok else None,
                                               stats)
        runner = cls(batches, layout)
        runner.stats = stats
        return runner

    def close(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def profile(self):
        """Pass 1; each batch's distinct-value hashes are appended to one file per column and
        counted at the end, one column at a time."""
        import numpy as np

        from datasafe.engines.core import merge_profiles, profile_part

        self._tmp = Path(tempfile.mkdtemp(prefix="datasafe-stream-"))
        acc = None
        width = len(self.layout.keys)
        files = [open(self._tmp / f"c{j}.u64", "wb") for j in range(width)]
        try:
            self.stats["dropped"] = 0
            for df in self._batches():
                part = profile_part(df)
                for j, cp in enumerate(part.columns):
                    if cp.hashes is not None:
                        cp.hashes.astype(np.uint64).tofile(files[j])
                        cp.hashes = None
                acc = merge_profiles(acc, part)
        finally:
            for f in files:
                f.close()
        if acc is None:
            from datasafe.engines.core import ColumnPart, ProfilePart

            acc = ProfilePart(rows=0, columns=[ColumnPart() for _ in range(width)])
        distinct = []
        for j in range(width):
            h = np.fromfile(self._tmp / f"c{j}.u64", dtype=np.uint64)
            h.sort()  # in place: one column's hashes at a time
            distinct.append(int(len(h) and 1 + np.count_nonzero(h[1:] != h[:-1])))
            del h
            (self._tmp / f"c{j}.u64").unlink()
        return acc, distinct

    def freqs(self, plan):
        """Pass 2, an out-of-core group-by: each batch's frequency tables are split into
        :data:`BUCKETS` buckets by combination key and appended to files; each bucket is then
        grouped on its own (a key lives in one bucket only), so memory holds the result and one
        bucket, never a merge of two whole tables."""
        import pandas as pd

        from datasafe.engines.core import freq_part, group_freq, group_pairs

        spill = _Spill(self._tmp / "freq")
        weights = None
        for df in self._batches(_needed(plan)):
            for name, frame in freq_part(df, plan).items():
                if name == "weights":
                    weights = frame if weights is None else weights.add(frame, fill_value=0)
                else:
                    spill.write(name, frame)
        out = {}
        for name in spill.names:
            group = group_freq if name == "freq" else group_pairs
            parts = [group(f) for f in spill.buckets(name)]
            out[name] = _compact(pd.concat(parts, ignore_index=True))
        spill.close()
        if "freq" not in out:  # no batch at all
            out = freq_part(_empty(self.layout.keys), plan)
        elif weights is not None:
            out["weights"] = weights
        return out

    def households(self, plan, lookup):
        from datasafe.engines.core import group_households, household_frame, merge_households

        acc, pending, size = None, [], 0
        for df in self._batches(_needed(plan, household=True)):
            part = group_households(household_frame(df, plan, lookup))
            pending.append(part)
            size += len(part)
            if acc is None or size > len(acc):
                acc = merge_households([acc] + pending)
                pending, size = [], 0
        if pending:
            acc = merge_households([acc] + pending)
        if acc is None:
            acc = group_households(household_frame(_empty(self.layout.keys), plan, lookup))
        return acc


BUCKETS = 32


class _Spill:
    """Frames of int64/float64 columns with a ``key`` column, split by key into bucket files
    (one raw file per column per bucket) and read back bucket by bucket."""

    def __init__(self, folder: Path):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.names: list[str] = []
        self.dtypes: dict[str, dict] = {}

    def write(self, name: str, frame) -> None:
        import numpy as np

        if name not in self.dtypes:
            self.names.append(name)
            self.dtypes[name] = {c: frame[c].to_numpy().dtype for c in frame.columns}
        key = frame["key"].to_numpy().view(np.uint64)
        with np.errstate(over="ignore"):
            bucket = ((key * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(59)).astype(np.int64)
        order = np.argsort(bucket, kind="stable")
        bounds = np.searchsorted(bucket[order], np.arange(BUCKETS + 1))
        for c, dt in self.dtypes[name].items():
            col = frame[c].to_numpy().astype(dt, copy=False)[order]
            for b in range(BUCKETS):
                lo, hi = bounds[b], bounds[b + 1]
                if hi > lo:
                    with open(self.folder / f"{name}.{b}.{c}", "ab") as fh:
                        col[lo:hi].tofile(fh)

    def buckets(self, name: str):
        import numpy as np
        import pandas as pd

        for b in range(BUCKETS):
            cols = {}
            for c, dt in self.dtypes[name].items():
                f = self.folder / f"{name}.{b}.{c}"
                if not f.exists():
                    break
                cols[c] = np.fromfile(f, dtype=dt)
                f.unlink()
            if cols:
                yield pd.DataFrame(cols)

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _compact(frame):
    """Smaller integer columns for the merged tables (counts and row numbers under 2**31)."""
    import numpy as np

    for c in ("__n", "__first", "__bad", "__s"):
        if c in frame.columns and len(frame):
            v = frame[c].to_numpy()
            if v.min() >= -(1 << 31) and v.max() < (1 << 31):
                frame[c] = v.astype(np.int32)
    return frame


def _needed(plan, household: bool = False) -> list[str]:
    cols = list(plan.keys)
    extra = [plan.household] if household else [plan.weight, *plan.sensitive]
    return cols + [c for c in extra if c and c not in cols]


def _empty(keys):
    import pandas as pd

    return pd.DataFrame({k: pd.Series([], dtype="str") for k in keys})
