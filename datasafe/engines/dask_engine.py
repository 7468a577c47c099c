"""The dask engine: ``datasafe scan PATH --engine dask``.

A Parquet file, or a folder of Parquet files with the same columns (one table, rows in path
order), is split into one dask partition per row group (``dask.dataframe.from_map``; row numbers
from the footers, so no data is read to plan). The three passes of
:mod:`datasafe.engines.core` then run as dask tasks:

1. profile: a tree reduction of per-partition profiles (counters, bottom-k samples, row
   sample) and, per column, a distributed ``drop_duplicates`` of value hashes (distinct count);
2. the k-anonymity group-by: the distinct values of each key column (a distributed unique, so
   that every partition codes values alike), then ``groupby(combination).agg(...)`` over the
   records, and ``groupby((combination, sensitive value))`` for l-diversity;
3. with a household id, ``groupby(household)`` of ``log(1 - r)``.

Detection and the checks run on the driver on the merged samples, as in the local engine.

The scheduler is dask's default for dataframes (threads) unless ``DATASAFE_DASK_SCHEDULER`` says
``synchronous``, ``threads``, ``processes`` or the address of a ``dask.distributed`` scheduler
(``tcp://host:8786``; needs ``distributed`` installed).
"""

from __future__ import annotations

import os
from pathlib import Path

from datasafe.engines import Runner


def split_paths(paths) -> tuple[list[Path], list]:
    """Inputs for dask (Parquet files and folders holding Parquet files) and the rest (other
    files, scanned by the local engine; inside a dataset folder, its non-Parquet files)."""
    from datasafe.engines.sources import parquet_files
    from datasafe.read import file_format, iter_files

    datasets, rest = [], []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            files = parquet_files(path)
            if files:
                datasets.append(path)
                pq = {f.resolve() for f in files}
                rest.extend(f for f in iter_files([path]) if Path(f).resolve() not in pq)
            else:
                rest.append(p)
        elif path.is_file() and file_format(path) == "parquet":
            datasets.append(path)
        else:
            rest.append(p)
    return datasets, rest


LOCAL_SCHEDULERS = ("synchronous", "sync", "single-threaded", "threads", "threading",
                    "processes", "multiprocessing")


def _scheduler():
    """dask's scheduler from ``DATASAFE_DASK_SCHEDULER``. A name dask does not know, or an
    address no scheduler answers at, is an :class:`~datasafe.pipeline.OptionError` naming the
    variable (one line, exit 2), not an analysis failure of every file."""
    from datasafe.pipeline import OptionError
    from datasafe.report.common import Phrase

    name = os.environ.get("DATASAFE_DASK_SCHEDULER", "").strip()
    if name.startswith(("tcp://", "tls://", "inproc://", "ucx://")):
        from distributed import Client

        try:
            return {"scheduler": Client(name, timeout=10)}
        except (OSError, TimeoutError) as exc:
            raise OptionError(Phrase("fail.dask_unreachable", value=name,
                                     cause=type(exc).__name__), "engine") from None
    if name and name not in LOCAL_SCHEDULERS:
        raise OptionError(Phrase("fail.dask_scheduler", value=name), "engine")
    return {"scheduler": name} if name else {}


def _tree(delayed_fn, items, split: int = 8):
    """Tree reduction of dask delayed values with ``delayed_fn(list)``."""
    while len(items) > 1:
        items = [delayed_fn(items[i:i + split]) for i in range(0, len(items), split)]
    return items[0]


def _merge_profile_list(parts):
    from datasafe.engines.core import merge_profiles

    acc = None
    for p in parts:
        acc = merge_profiles(acc, p)
    return acc


def _nonempty_hashes(s):
    import numpy as np
    import pandas as pd

    from datasafe.engines.core import _nonempty
    from datasafe.profiling import value_hashes

    arr = _nonempty(s)
    if len(arr) == 0:
        return pd.Series(np.zeros(0, dtype=np.uint64))
    import pyarrow.compute as pc

    return pd.Series(value_hashes(pc.unique(arr)))


def _normalised_unique(s, missing):
    import pandas as pd

    from datasafe.engines.core import normalise

    v = normalise(s, missing).dropna()
    return pd.Series(pd.unique(v.to_numpy(dtype=object)), dtype=object)


def _with_bucket(frame, buckets: int):
    """A grouped table with the bucket ``__b`` of each combination key (the streaming engine's
    :func:`~datasafe.engines.stream.bucket_of`)."""
    from datasafe.engines.stream import bucket_of

    out = frame.copy()
    out["__b"] = bucket_of(frame["key"].to_numpy(), buckets)
    return out


def _missing_any(freq, plan):
    """Whether a partition of the grouped frequency table has a combination with a missing key
    value."""
    import pandas as pd

    from datasafe.engines.risk import freq_codes

    return pd.Series([bool(len(freq)) and bool((freq_codes(freq, plan) < 0).any())])


class DaskRunner(Runner):
    def __init__(self, ddf, layout, compute_kw):
        self.ddf = ddf
        self.layout = layout
        self.kw = compute_kw

    @classmethod
    def for_path(cls, path: Path, options) -> DaskRunner:
        import dask.dataframe as dd
        import pandas as pd

        from datasafe.engines.sources import parquet_files, parquet_layout, read_piece
        from datasafe.read import ReadError, error_cause

        files = parquet_files(path)
        if not files:
            raise ReadError(path, error_cause("no_parquet_for_dask"))
        layout, pieces = parquet_layout(files, options.limits)
        layout.meta["engine"] = "dask"
        keys = layout.keys
        meta = pd.DataFrame({k: pd.Series([], dtype="str") for k in keys})
        if not pieces:
            ddf = dd.from_pandas(meta, npartitions=1)
        else:
            ddf = dd.from_map(read_piece, pieces, keys=keys, meta=meta,
                              label="datasafe-read", enforce_metadata=False)
        return cls(ddf, layout, _scheduler())

    def close(self) -> None:
        super().close()
        client = self.kw.get("scheduler")
        if hasattr(client, "close"):  # the dask.distributed Client made for this scan
            client.close()
            self.kw = {}

    def _compute(self, *things):
        import warnings

        import dask

        with warnings.catch_warnings():  # delayed profiles beside dataframe expressions
            warnings.filterwarnings("ignore", message="Computing mixed collections")
            return dask.compute(*things, **self.kw)

    def profile(self):
        import dask

        from datasafe.engines.core import profile_part

        parts = [dask.delayed(profile_part)(p, keep_hashes=False)
                 for p in self.ddf.to_delayed()]
        tree = _tree(dask.delayed(_merge_profile_list), parts)
        counts = []
        for k in self.layout.keys:
            h = self.ddf[k].map_partitions(_nonempty_hashes, meta=("h", "uint64"))
            counts.append(h.drop_duplicates(split_out=True).size)
        prof, *distinct = self._compute(tree, *counts)
        return prof, [int(d) for d in distinct]

    def _fix_coders(self, plan) -> None:
        from datasafe.engines.core import KeyCoder

        cols = list(plan.coders)
        uniq = self._compute(*[
            self.ddf[c].map_partitions(_normalised_unique, plan.missing, meta=(c, object))
            .drop_duplicates() for c in cols])
        for c, u in zip(cols, uniq):
            plan.coders[c] = KeyCoder(sorted(u.tolist()))

    def freqs(self, plan):
        import pandas as pd

        from datasafe.engines.core import (
            _agg_spec,
            freq_frame,
            pair_frame,
            weight_values,
        )

        self._fix_coders(plan)
        empty = pd.DataFrame({k: pd.Series([], dtype="str") for k in self.layout.keys})
        fr = self.ddf.map_partitions(freq_frame, plan, meta=freq_frame(empty, plan),
                                     enforce_metadata=False)
        todo = {"freq": fr.groupby("key").agg(_agg_spec(fr.columns), split_out=True)}
        if plan.weight is not None:
            todo["weights"] = self.ddf.map_partitions(
                weight_values, plan, meta=("w", "float64")).value_counts()
        for j in range(len(plan.sensitive)):
            pf = self.ddf.map_partitions(pair_frame, plan, j, meta=pair_frame(empty, plan, j))
            todo[f"s{j}"] = pf.groupby(["key", "__s"])["__n"].sum(split_out=True)
        done = dict(zip(todo, self._compute(*todo.values())))
        done["freq"] = done["freq"].reset_index()
        for j in range(len(plan.sensitive)):
            done[f"s{j}"] = done[f"s{j}"].reset_index()
        return done

    def assess(self, plan, ctx):
        """With more records than one bucket holds (:func:`~datasafe.engines.stream.n_buckets`)
        and no missing key value, the grouped frequency tables stay partitioned on the workers
        and reach this process one bucket of combinations at a time, as the streaming engine's
        spilled buckets do; households are summed on the workers from each combination's risk
        (:func:`~datasafe.engines.core.combination_risk`) and come back a partition at a time.
        With missing key values (a missing value matches combinations in every bucket), the
        whole frequency table is brought here (:meth:`Runner.assess`)."""
        import dask
        import pandas as pd

        from datasafe.engines import core
        from datasafe.engines.risk import RiskAccumulator, weight_median, weight_notes
        from datasafe.engines.stream import n_buckets

        buckets = n_buckets(int(self.layout.meta.get("rows") or 0))
        if buckets <= 1:
            return super().assess(plan, ctx)
        self._fix_coders(plan)
        empty = pd.DataFrame({k: pd.Series([], dtype="str") for k in self.layout.keys})
        fr = self.ddf.map_partitions(core.freq_frame, plan, meta=core.freq_frame(empty, plan),
                                     enforce_metadata=False)
        fmeta = core.group_freq(core.freq_frame(empty, plan))
        freq = fr.groupby("key").agg(core._agg_spec(fr.columns), split_out=True).reset_index()
        freq = freq.map_partitions(_with_bucket, buckets, meta=_with_bucket(fmeta, buckets))
        pairs = []
        for j in range(len(plan.sensitive)):
            pf = self.ddf.map_partitions(core.pair_frame, plan, j,
                                         meta=core.pair_frame(empty, plan, j))
            g = pf.groupby(["key", "__s"])["__n"].sum(split_out=True).reset_index()
            pairs.append(g.map_partitions(
                _with_bucket, buckets,
                meta=_with_bucket(core.group_pairs(core.pair_frame(empty, plan, j)), buckets)))
        freq, *pairs = dask.persist(freq, *pairs, **self.kw)
        todo = [freq.map_partitions(_missing_any, plan, meta=("m", bool)).any()]
        weights = None
        if plan.weight is not None:
            weights = self.ddf.map_partitions(core.weight_values, plan, meta=("w", "float64"))
            todo += [weights.size, freq["__bad"].sum()]
        got = self._compute(*todo)
        counts = None
        if weights is not None and (got[0] or (got[1] and got[2])):
            # the median replaces invalid weights: only then are the weights' value counts
            # brought here (with every weight valid it is never used)
            (counts,) = self._compute(weights.value_counts())
        if got[0]:
            whole = {"freq": freq.drop(columns="__b").compute(**self.kw)}
            if weights is not None:
                whole["weights"] = counts
            for j, p in enumerate(pairs):
                whole[f"s{j}"] = p.drop(columns="__b").compute(**self.kw)
            return self.accumulate(plan, ctx, whole)
        wmed = None  # also when no weight is valid: computed unweighted, with a note
        if weights is not None:
            if got[1]:  # with no invalid weight, nothing takes the median (x 0 records)
                wmed = 0.0 if counts is None else weight_median({"weights": counts})
            wmed = weight_notes(plan, ctx, wmed, int(got[2]))
        acc = RiskAccumulator(plan, ctx, wmed, False, store=self._folder() / "risk.f8")
        for b in range(buckets):
            part = self._compute(freq[freq["__b"] == b],
                                 *[p[p["__b"] == b] for p in pairs])
            acc.bucket(part[0].drop(columns="__b"),
                       {j: p.drop(columns="__b") for j, p in enumerate(part[1:])})
        if plan.household is not None:
            risk = freq.map_partitions(core.combination_risk, plan, wmed,
                                       meta=core.combination_risk(fmeta, plan, wmed))
            rec = self.ddf.map_partitions(core.household_keys, plan,
                                          meta=core.household_keys(empty, plan))
            hh = rec.merge(risk, on="key", how="left").map_partitions(
                core.household_logs, meta=pd.DataFrame({"h": pd.Series([], dtype="uint64"),
                                                        "log": pd.Series([], dtype=float),
                                                        "n": pd.Series([], dtype="int64")}))
            hh = hh.groupby("h").agg({"log": "sum", "n": "sum"}, split_out=True)
            (hh,) = dask.persist(hh, **self.kw)
            for part in hh.to_delayed():
                (h,) = self._compute(part)
                acc.households(h["log"].to_numpy(dtype=float), h["n"].to_numpy(dtype=float))
        return acc.result()

    def households(self, plan, lookup):
        import pandas as pd

        from datasafe.engines.core import household_frame

        empty = pd.DataFrame({k: pd.Series([], dtype="str") for k in self.layout.keys})
        hf = self.ddf.map_partitions(household_frame, plan, lookup,
                                     meta=household_frame(empty, plan, lookup))
        (out,) = self._compute(hf.groupby("h").agg({"log": "sum", "n": "sum"}, split_out=True))
        return out
