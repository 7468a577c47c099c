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
        """Pass 2: per-batch frequency tables, merged whenever the pending ones hold more
        rows than the merged table (so merging stays linear in the data)."""
        from datasafe.engines.core import freq_part, merge_freqs

        acc, pending, size = None, [], 0
        for df in self._batches(_needed(plan)):
            part = freq_part(df, plan)
            pending.append(part)
            size += len(part["freq"])
            if acc is None or size > len(acc["freq"]):
                acc = merge_freqs([acc] + pending)
                pending, size = [], 0
        if pending:
            acc = merge_freqs([acc] + pending)
        if acc is None:
            acc = freq_part(_empty(self.layout.keys), plan)
        return acc

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


def _needed(plan, household: bool = False) -> list[str]:
    cols = list(plan.keys)
    extra = [plan.household] if household else [plan.weight, *plan.sensitive]
    return cols + [c for c in extra if c and c not in cols]


def _empty(keys):
    import pandas as pd

    return pd.DataFrame({k: pd.Series([], dtype="str") for k in keys})
