"""Redaction engine: scan → plan → treat → write (same format) → rescan → log.

Files up to ``STREAM_THRESHOLD`` bytes are read whole with :mod:`datasafe.read`; larger CSV and
Parquet files are streamed (see :mod:`datasafe.redact.stream`): the plan comes from a scan of
the first rows, a first pass loads only the columns that need whole-column statistics or local
suppression, and a second pass treats and writes one batch at a time.
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasafe.detect.headers import project_lists
from datasafe.model import FileResult, ScanResult
from datasafe.read import shown_name
from datasafe.redact.plan import (
    Plan,
    PlanError,
    derive_table,
    fine_locations,
    merge_plan,
    parse_plan,
)
from datasafe.redact.treatments import (
    REMOVING_TREATMENTS,
    TreatmentError,
    count_distinct,
    key_id,
    resolve,
    scrub_stray_contacts,
)
from datasafe.report.common import Phrase

log = logging.getLogger("datasafe")

STREAM_THRESHOLD = 256 * 1024**2
MIN_KEY_BYTES = 16
KEY_ENV = "DATASAFE_KEY"


class RedactError(Exception):
    """The redaction cannot be done; ``str(err)`` is one line (never a value or a key)."""


# ---------------------------------------------------------------------------------------------
# keys


def resolve_key(key: str | bytes | None = None, key_file: str | os.PathLike | None = None,
                env: dict | None = None) -> bytes | None:
    """The pseudonymisation key: ``key`` given directly, else ``key_file``, else the
    ``DATASAFE_KEY`` environment variable. A key file may be a datasafe key file (``datasafe
    keygen``) or any file of at least 16 bytes. Returns None when there is none."""
    env = os.environ if env is None else env
    if key is not None:
        k = key.encode("utf-8") if isinstance(key, str) else bytes(key)
    elif key_file:
        p = Path(key_file)
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise RedactError(f"{p}: cannot read key file: {exc.strerror or type(exc).__name__}"
                              ) from None
        k = raw.strip() if raw.strip() else raw  # a passphrase file's trailing newline
        try:
            from datasafe.accountability.reversible import KEY_PREFIX, load_key

            if raw.strip().startswith(KEY_PREFIX.encode()):
                k = load_key(p)  # raw key bytes: never stripped (a byte may be a space)
        except ImportError:  # pragma: no cover
            pass
        except Exception as exc:  # noqa: BLE001 - a damaged key file: its message names no key
            raise RedactError(exc.args[0] if exc.args else type(exc).__name__) from None
    elif env.get(KEY_ENV):
        k = env[KEY_ENV].encode("utf-8")
    else:
        return None
    if len(k) < MIN_KEY_BYTES:
        raise RedactError(Phrase("redact.key_too_short", min=MIN_KEY_BYTES))
    return k


# ---------------------------------------------------------------------------------------------
# results


@dataclass
class FileRedaction:
    input: str
    output: str | None
    format: str
    plan: Plan
    tables: list[dict[str, Any]] = field(default_factory=list)
    before: ScanResult | None = None
    after: ScanResult | None = None
    log_path: str | None = None
    summary_path: str | None = None
    streamed: bool = False
    notes: list[str] = field(default_factory=list)
    input_sha256: str | None = None
    output_sha256: str | None = None
    # sheets the copy renamed because their name held a removed value ('HH Mutombo' →
    # 'Sheet3'): the logs say the new name (never serialised as such)
    renamed_sheets: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def passed(self) -> bool | None:
        if self.after is None:
            return None
        return self.after.exit_code == 0


@dataclass
class RedactionResult:
    """What :func:`redact` did. ``data`` holds the redacted DataFrame(s) for DataFrame input."""

    files: list[FileRedaction] = field(default_factory=list)
    profile: str | None = None
    key_id: str | None = None
    data: Any = None
    lang: str = "en"  # of the text summary and the Markdown log (the JSON log stays English)

    @property
    def exit_code(self) -> int:
        """0 when every redacted copy passes the profile on rescan, 1 when one still fails."""
        codes = [f.after.exit_code for f in self.files if f.after is not None]
        if any(c == 2 for c in codes):
            return 2
        return 1 if any(c == 1 for c in codes) else 0

    @property
    def plan(self) -> Plan | None:
        return self.files[0].plan if self.files else None

    def to_dict(self) -> dict[str, Any]:
        return build_log(self)

    def summary(self) -> str:
        return render_summary(self)


# ---------------------------------------------------------------------------------------------
# scanning helpers


def _input_scan_options(options, profile, override):
    """Options for the scan of the input. For a public release with the derived plan every
    free-text column is dropped whatever NER would find in it, so NER (3-5 s of Presidio and
    spaCy start-up) is skipped; ``--ner on`` or a plan override keeps it."""
    import dataclasses

    destination = getattr(options, "destination", None) or getattr(profile, "destination", None)
    if destination == "public" and override is None and getattr(options, "ner", None) == "auto":
        try:
            return dataclasses.replace(options, ner="off")
        except TypeError:  # not a dataclass: leave it as it is
            return options
    return options


def scan_tables(tables, fres: FileResult, options, profile) -> ScanResult:
    """Run profile → detect → risk → checks on tables already read (the pipeline's stages)."""
    from datasafe import __version__
    from datasafe.checking import run_checks
    from datasafe.pipeline import analyse_tables, check_named_columns

    result = ScanResult(profile=profile.name, profile_sha256=profile.sha256 or None,
                        tool_version=__version__)
    result.destination = options.destination or profile.destination
    result.fail_on = options.fail_on or options.config.get("fail_on") or profile.fail_on
    if hasattr(result, "never_fail"):
        try:
            result.never_fail = bool(getattr(profile, "never_fail", False))
        except Exception:  # noqa: BLE001
            pass
    analyse_tables(tables, fres, options, profile)
    result.files.append(fres)
    check_named_columns(result, options)  # a mistyped --key-vars is refused, as by scan
    run_checks(result, [(fres, tables)], options, profile)
    try:
        from datasafe.detect import ner_backend_name

        result.ner_backend = ner_backend_name()
    except ImportError:  # pragma: no cover
        pass
    return result


def build_plan(before: ScanResult, tables, profile, options, *, key_available: bool,
               override: dict | None, importance: list[str] | None) -> Plan:
    fres = before.files[0]
    plan = Plan(profile=before.profile)
    for tres, table in zip(fres.tables, tables):
        plan.tables.append(derive_table(tres, table, profile, options,
                                        key_available=key_available,
                                        destination=before.destination, importance=importance,
                                        fine_locations=fine_locations(before, fres, tres)))
    if override:
        merge_plan(plan, override, k=int(profile.param("k", 5)))
    if importance:
        for tp in plan.tables:
            if tp.local_suppression:
                names = {c.column: c.column for c in tp.columns}
                tp.local_suppression["importance"] = [names[v] for v in importance if v in names]
    return plan


def check_plan_columns(plan: Plan) -> None:
    """Validate every treatment (and its method) before anything is written."""
    for tp in plan.tables:
        for cp in tp.columns:
            try:
                resolve(cp.treatment, cp.params)
            except TreatmentError as exc:
                raise RedactError(f"column '{cp.column}': {exc}") from None
            if cp.params.get("method") == "gps_centroid":
                pc = cp.params.get("pcode")
                if not pc or tp.column(str(pc)) is None:
                    raise RedactError(f"column '{cp.column}': gps_centroid needs 'pcode', the "
                                      "name of a P-code column of the same table")


# ---------------------------------------------------------------------------------------------
# treating one table in memory


def distinct_counts(columns: list) -> list[int]:
    """The number of distinct non-empty values of each Series; a column passed twice (the
    same Arrow array) is counted once, and on large tables a column per core (Arrow's hashing
    runs without the GIL)."""
    keyed, first = [], {}
    for s in columns:
        arr = getattr(s.array, "_pa_array", None)
        key = id(arr if arr is not None else s)
        keyed.append(key)
        first.setdefault(key, s)  # holds the array, so that its id stays its own
    from datasafe.concurrency import map_on_cores

    counts = dict(zip(first, map_on_cores(count_distinct, first.values(),
                                          big=len(columns) > 0 and len(columns[0]) >= 100_000)))
    return [counts[k] for k in keyed]


def _changed_stats(old, new) -> dict[str, int]:
    o_na = old.isna()
    n_na = new.isna()
    suppressed = int((~o_na & n_na).sum())
    both = ~o_na & ~n_na
    changed = int((both & (old.astype("str") != new.astype("str"))).fillna(False).sum())
    return {"values_changed": changed, "cells_suppressed": suppressed,
            "non_empty": int((~o_na).sum())}


def treat_table(table, tp, *, key: bytes | None, k: int,
                regions: list[str] | None = None) -> tuple[Any, dict[str, Any]]:
    """Apply a table plan to a Table read in memory.

    Returns (frame of text with every original key — dropped ones still present — and the
    table's log entry)."""
    df = table.data
    out = df.copy(deep=False)  # columns are replaced, never modified in place
    entries: dict[str, dict[str, Any]] = {}
    dropped: list[str] = []
    notes: list[str] = []
    for cp in tp.columns:
        if cp.column not in df.columns:
            continue
        params = dict(cp.params)
        params.update({"_key": key, "_column": _header(table, cp.column), "_k": k,
                       "_notes": notes, "_regions": regions or ()})
        if cp.treatment == "free_text":  # the removed identifiers are removed from texts too
            params["_removed_columns"] = [c.column for c in tp.columns if c.column in df.columns
                                          and c.treatment in REMOVING_TREATMENTS]
        entry = {"column": _header(table, cp.column), "treatment": cp.treatment,
                 "params": {a: b for a, b in cp.params.items() if not str(a).startswith("_")},
                 "reason": cp.reason}
        if cp.treatment == "drop":
            dropped.append(cp.column)
            nonempty = int(df[cp.column].notna().sum())
            entry.update({"cells_removed": nonempty, "values_changed": 0,
                          "cells_suppressed": 0, "non_empty": nonempty,
                          "information_loss": 1.0 if nonempty else 0.0})
            entries[cp.column] = entry
            continue
        treatment = resolve(cp.treatment, params)
        if cp.treatment != "keep":
            try:
                state = treatment.fit(df[cp.column], params, df) if treatment.fit else None
                out[cp.column] = treatment.apply(df[cp.column], params, state, df)
            except TreatmentError as exc:
                raise RedactError(f"column '{cp.column}': {exc}") from None
        entries[cp.column] = entry
    if tp.scrub_contacts:
        _scrub_kept_columns(table, tp, out, notes)
    ls_log = None
    if tp.local_suppression:
        ls = tp.local_suppression
        kv = [v for v in ls.get("key_vars", []) if v in out.columns and v not in dropped]
        kk = int(ls.get("k", k))
        ctx = getattr(tp, "context", None) or {}
        auto = bool(ctx.get("auto_keys") and ctx.get("result") is not None)
        # key variables given by the user (--key-vars, a plan file) are suppressed, never removed
        out, per_var, records, recoded, kv, twins = suppress_on_rescan_keys(
            ctx, out, dropped, kv, kk, ls.get("importance"), auto, twins_in(df))
        both = kv + [t for v in kv for t in twins.get(v, [])]
        kv, per_var, removals = settle_suppression(
            filled_cells(df, both), filled_cells(out, both), kv, twins, per_var, recoded, kk,
            tp.columns, entries, dropped, lambda c: _header(table, c))
        for c, reason, replace in removals:
            nonempty = int(df[c].notna().sum())
            entries[c]["removed_by"] = reason  # said in the summary: the plan did not drop it
            entries[c]["treatment"] = "drop"
            entries[c]["reason"] = reason if replace else (
                entries[c]["reason"] + "; " + reason).lstrip("; ")
            entries[c].update({"cells_removed": nonempty, "values_changed": 0,
                               "cells_suppressed": 0, "non_empty": nonempty,
                               "information_loss": 1.0 if nonempty else 0.0})
        ls_log = {"k": kk, "key_vars": [_header(table, v) for v in kv],
                  "twins": {_header(table, v): [_header(table, t) for t in ts]
                            for v, ts in twins.items() if v in kv and ts},
                  "recoded": [_header(table, v) for v, _ in recoded],
                  "importance": [_header(table, v) for v in ls.get("importance") or []],
                  "cells_suppressed": int(sum(per_var.values())), "records_affected": records,
                  "by_column": {_header(table, v): n for v, n in per_var.items()}}
    sc_log = None
    if tp.small_cells:
        from datasafe.redact.suppress import suppress_small_cells

        sc = tp.small_cells
        cols = [c for c in sc.get("columns", []) if c in out.columns and c not in dropped]
        out, prim, sec = suppress_small_cells(
            out, cols, int(sc.get("threshold", 5)), group_cols=sc.get("group_columns"),
            include_zero=bool(sc.get("include_zeros", False)),
            secondary=bool(sc.get("secondary", True)), marker=sc.get("marker"),
            total_cols=sc.get("total_columns"))
        sc_log = {"threshold": int(sc.get("threshold", 5)),
                  "columns": [_header(table, c) for c in cols],
                  "primary_suppressed": prim, "secondary_suppressed": sec}
    # the scan already counted the input's distinct values; they are the ones counted here
    # when the reader made blank cells null (the profiler's "non-empty" is then "not null")
    scanned = (getattr(tp, "context", None) or {}).get("result")
    known = {c.key: c.stats.distinct for c in scanned.columns
             if c.stats is not None and c.stats.rows == len(df)} \
        if scanned is not None and table.meta.get("blanks_nulled") else {}
    to_count: list[tuple[dict, str, Any]] = []
    for key_, entry in entries.items():
        if entry["treatment"] == "drop":
            continue
        entry.update(_changed_stats(df[key_], out[key_]))
        ne = entry["non_empty"]
        entry["information_loss"] = round((entry["values_changed"] + entry["cells_suppressed"])
                                          / ne, 4) if ne else 0.0
        if key_ in known:
            entry["distinct_before"] = known[key_]
        else:
            to_count.append((entry, "distinct_before", df[key_]))
        # no value changed, none emptied and none filled: the same values
        same = (not entry["values_changed"] and not entry["cells_suppressed"]
                and int(out[key_].notna().sum()) == ne)
        if same and key_ in known:
            entry["distinct_after"] = known[key_]
        else:
            to_count.append((entry, "distinct_after", df[key_] if same else out[key_]))
    for (entry, name, _), n in zip(to_count, distinct_counts([c[2] for c in to_count])):
        entry[name] = n
    tlog = {"table": shown_name(table), "rows": int(len(df)), "dropped_keys": list(dropped),
            "columns": [entries[c] for c in table.keys if c in entries],
            "dropped": [_header(table, c) for c in dropped],
            "local_suppression": ls_log, "small_cells": sc_log}
    if notes:
        tlog["notes"] = notes
    return out, tlog


_NOT_TEXT = ("integer", "float", "date", "datetime", "boolean", "empty")


def stray_contact_columns(tp, columns) -> list[str]:
    """Which of ``columns`` a public plan screens for contact details (a phone in 'remarks'
    among 'ok' and 'moved', too rare for the scan's sample to make it a phone column): the
    text columns it keeps as they are. None for other plans."""
    if not tp.scrub_contacts:
        return []
    scanned = (getattr(tp, "context", None) or {}).get("result")
    types = {c.key: (c.stats.inferred_type if c.stats is not None else None)
             for c in (scanned.columns if scanned is not None else [])}
    treatment = {cp.column: cp.treatment for cp in tp.columns}
    return [c for c in columns if treatment.get(c, "keep") == "keep"
            and types.get(c) not in _NOT_TEXT]


def stray_contacts_note(found: list[tuple[str, int]]) -> Phrase:
    """The note of :func:`stray_contact_columns`' replacements: ``(header, cells)`` each."""
    return Phrase("redact.notes.stray_contacts", n=sum(n for _, n in found),
                  columns=", ".join(f"{h} ({n})" for h, n in found))


def _scrub_kept_columns(table, tp, out, notes: list) -> None:
    """Contact details left in the columns :func:`stray_contact_columns` picks: replaced in
    ``out``, said in a note."""
    found = []
    for col in stray_contact_columns(tp, [cp.column for cp in tp.columns
                                          if cp.column in out.columns]):
        new, cells = scrub_stray_contacts(out[col])
        if cells:
            out[col] = new
            found.append((_header(table, col), cells))
    if found:
        notes.append(stray_contacts_note(found))


RECODE_SHARE = 0.5


def treated_key_vars(ctx: dict, treated, dropped: list[str], same
                     ) -> tuple[list[str], dict[str, list[str]]]:
    """The key variables local suppression works on: the risk module's own default selection
    (:func:`datasafe.risk.keys.default_key_vars`) made on the *treated* table, after drops and
    generalisation — the ones the rescan measures — and, for each, the columns that carry the
    same information in the input (an admin name and its P-code), whose cells are suppressed
    together with it. ``same(a, b)``: whether two input columns are one-to-one
    (:func:`twins_in` or :func:`twin_pairs`)."""
    from datasafe.risk.keys import default_key_vars

    result = ctx["result"]
    exclude = set(dropped) | set(ctx.get("exclude") or ())
    exclude |= {c.key for c in result.columns if c.key not in treated.columns}
    cols, _, _ = default_key_vars(result, exclude, int(ctx.get("max_key_vars", 8)), treated,
                                  reasons=False)
    kv = [c.key for c in cols]
    twins: dict[str, list[str]] = {}
    for c in cols:
        for o in result.columns:
            if (o.key in exclude or o.key in kv or o.entity is None or o.entity != c.entity
                    or any(o.key in t for t in twins.values())):
                continue
            if same(c.key, o.key):
                twins.setdefault(c.key, []).append(o.key)
    return kv, twins


def twins_in(raw):
    """``same(a, b)`` for :func:`treated_key_vars` over the input table ``raw``."""
    from datasafe.risk.keys import OneToOne

    same = OneToOne(raw)
    return lambda a, b: b in raw.columns and same(a, b)


def twin_pairs(ctx: dict, raw, columns: list[str]):
    """``same(a, b)`` for :func:`treated_key_vars`, every pair of ``columns`` of one entity
    type compared now, while the input's text is at hand, so that the streaming path can let
    it go before suppression."""
    from datasafe.risk.keys import OneToOne

    same = OneToOne(raw)
    cols = [c for c in ctx["result"].columns if c.key in columns and c.entity is not None
            and c.key in raw.columns]
    pairs = {(a.key, b.key): same(a.key, b.key)
             for a in cols for b in cols if a.key != b.key and a.entity == b.entity}
    return lambda a, b: pairs.get((a, b), False)


def suppress_on_rescan_keys(ctx: dict, treated, dropped: list[str], kv: list[str], k: int,
                            importance, auto: bool, same, *, masks_only: bool = False):
    """Local suppression to ``k`` on the key variables the rescan of the copy will measure.

    With key variables chosen automatically, suppression may remove (recode) a variable it
    would mostly empty; that frees a place under the cap, which the rescan fills with the next
    candidate (a tenth column of a survey, say education). So the choice is made again without
    the removed variables (and their twins) and suppression runs again from the treated table,
    until no variable is removed or the choice adds nothing new. Returns (the suppressed frame
    or :class:`Suppressed`, cells per variable, records, every removed variable with its share,
    the key variables, their twins — of every round). ``same``: see
    :func:`treated_key_vars`."""
    twins: dict[str, list[str]] = {}
    if auto:
        kv, twins = treated_key_vars(ctx, treated, dropped, same)
    all_twins = dict(twins)
    removed: list = []
    while True:
        cols = list(dict.fromkeys(kv + [t for v in kv for t in twins.get(v, [])]))
        frame = treated[cols] if masks_only else treated
        res, per_var, records, recoded = _suppress_or_recode(
            frame, list(kv), k, importance, twins, recode=auto, masks_only=masks_only)
        removed += recoded
        if not auto or not recoded:
            return res, per_var, records, removed, kv, all_twins
        gone = [v for v, _ in removed]
        gone += [t for v in gone for t in all_twins.get(v, [])]
        kv2, twins2 = treated_key_vars(ctx, treated, list(dropped) + gone, same)
        if set(kv2) <= set(kv):  # nothing the rescan would add: this round stands
            return res, per_var, records, removed, kv, all_twins
        kv, twins = kv2, twins2
        all_twins.update(twins)


def key_var_columns(ctx: dict, dropped: list[str]) -> list[str]:
    """Every column :func:`treated_key_vars` may read: the candidate key variables of
    :func:`datasafe.risk.keys.default_key_vars` (with no cap) and the columns of their entity
    types (possible twins). The streaming path loads only these in its first pass."""
    from datasafe.risk.keys import default_key_vars

    result = ctx["result"]
    exclude = set(dropped) | set(ctx.get("exclude") or ())
    cands, _, _ = default_key_vars(result, exclude, len(result.columns) + 1, None)
    entities = {c.entity for c in cands if c.entity is not None}
    keys = {c.key for c in cands} | {o.key for o in result.columns
                                     if o.key not in exclude and o.entity in entities}
    return [c.key for c in result.columns if c.key in keys]


def filled_cells(frame, columns):
    """Which cells of ``columns`` hold a value in ``frame`` (one bool array per column): all
    that :func:`settle_suppression` needs of the input and of the suppressed key variables, so
    the streaming path holds masks, not text."""
    return {c: frame[c].notna().to_numpy() for c in dict.fromkeys(columns) if c in frame.columns}


def settle_suppression(filled, kept, kv: list[str], twins: dict[str, list[str]], per_var: dict,
                       recoded: list, k: int, plan_columns, known, dropped: list[str], header
                       ) -> tuple[list[str], dict[str, int], list[tuple[str, str, bool]]]:
    """What follows local suppression, the same in memory and when streaming (``filled``: the
    input's :func:`filled_cells` of the key variables and their twins, ``kept``: the same after
    suppression). Columns are removed — and
    appended to ``dropped`` — in this order: a recoded variable with its twins; a GPS centroid
    of a removed P-code (it would give the P-code back); a key variable suppression emptied
    completely (its header would still say what was collected). Returns the key variables
    kept, the cells suppressed per variable (twins included) and the removals as
    ``(column, reason, replaces the plan's reason)``."""
    removals: list[tuple[str, str, bool]] = []

    def remove(c: str, reason: str, replace: bool = False) -> None:
        dropped.append(c)
        removals.append((c, reason, replace))

    from datasafe.report.common import Figure

    for v, share in recoded:
        for c in [v] + twins.get(v, []):
            remove(c, Phrase("redact.removed_by.recoded", k=k, share=Figure(f"{share:.0%}")))
    for cp in plan_columns:
        if (cp.params.get("method") == "gps_centroid" and cp.params.get("pcode") in dropped
                and cp.column not in dropped and cp.column in known):
            remove(cp.column, Phrase("redact.removed_by.centroid",
                                     pcode=header(cp.params["pcode"])), True)
    kv = [v for v in kv if v not in dropped]
    per_var = {v: per_var.get(v, 0) for v in kv}
    for v in kv:  # the same cells are suppressed in a name and its P-code
        for t in twins.get(v, []):
            per_var[t] = int((~kept[t] & filled[t]).sum())
    for v in [x for x in per_var if x not in dropped]:
        if len(kept[v]) and not kept[v].any() and filled[v].any():
            remove(v, Phrase("redact.removed_by.emptied"))
    return kv, per_var, removals


@dataclass
class Suppressed:
    """Local suppression's outcome without the suppressed text (the streaming path): per
    column, the rows whose cell is suppressed (twins included); and the distinct key
    combinations after suppression with the records each stands for, from which the smallest
    class size follows without encoding the rows again."""

    masks: dict
    after: Any  # distinct combinations × key variables, codes (-1 missing or suppressed)
    weights: Any  # records per distinct combination
    key_vars: list

    def smallest_class(self, key_vars: list[str]) -> int | None:
        """The smallest (conservative) class size on ``key_vars`` — the suppression's key
        variables minus those removed afterwards — as ``frequencies`` of the suppressed rows
        gives it."""
        from datasafe.redact.suppress import sample_frequencies

        idx = [self.key_vars.index(v) for v in key_vars if v in self.key_vars]
        if not idx or not len(self.weights):
            return None
        fk = sample_frequencies(self.after[:, idx], self.weights)
        return int(fk.min()) if len(fk) else None


def _suppress_or_recode(frame, kv: list[str], k: int, importance, twins: dict[str, list[str]],
                        recode: bool = True, masks_only: bool = False):
    """Local suppression to ``k`` on ``kv``; a key variable it would empty for more than half
    of its values is removed whole instead (a recode to the coarser variables that remain,
    e.g. district dropped, province kept), and suppression runs again. Suppressed cells are
    mirrored into each variable's twins. Returns (frame, suppressed per variable, records
    touched, [(removed variable, share it would have lost), ...]). ``masks_only``: instead of
    the frame, ``{column: rows whose cell is suppressed}`` (twins included) — the streaming
    path applies them batch by batch and never builds the suppressed text."""
    from datasafe.redact.suppress import (
        apply_suppression,
        distinct_rows,
        empty_where,
        key_codes,
        suppressed_counts,
        suppression_order,
        suppression_search,
    )

    kv = [v for v in kv if v in frame.columns]
    if not kv or k <= 1 or len(frame) == 0:
        return (None if masks_only else frame.copy(deep=False)), {v: 0 for v in kv}, 0, []
    # the codes, their distinct combinations and the category counts are taken once; a recode
    # only leaves a column out, and the search runs on the combinations (weighted by records)
    all_kv = list(kv)
    inv, ucodes, weights = distinct_rows(key_codes(frame[all_kv]))
    distinct = dict(zip(all_kv, distinct_counts([frame[v] for v in all_kv])))
    non_empty = {v: int(weights[ucodes[:, j] >= 0].sum()) for j, v in enumerate(all_kv)}
    recoded: list[tuple[str, float]] = []
    while True:
        idx = [all_kv.index(v) for v in kv]
        u = ucodes[:, idx]
        # the combinations of every key variable are distinct; without one they may merge
        after = suppression_search(u, k, suppression_order(frame, kv, importance, distinct),
                                   weights=weights, distinct=len(kv) == len(all_kv))
        per_var, _ = suppressed_counts(u, after, kv, weights)
        if len(kv) <= 1 or not recode:
            break
        shares = {}
        for v in kv:
            ne = non_empty[v]
            if ne and per_var.get(v, 0) / ne > RECODE_SHARE:
                shares[v] = per_var[v] / ne
        if not shares:
            break
        worst = max(shares, key=lambda v: (shares[v], kv.index(v)))
        recoded.append((worst, shares[worst]))
        kv.remove(worst)
    per_var, records = suppressed_counts(u, after, kv, weights)
    sup = (after < 0) & (u >= 0)
    if masks_only:
        masks: dict[str, Any] = {}
        for j, v in enumerate(kv):
            if sup[:, j].any():
                masks[v] = sup[:, j][inv]
                for t in twins.get(v, []):
                    masks[t] = masks[t] | masks[v] if t in masks else masks[v]
        return Suppressed(masks, after, weights, list(kv)), per_var, records, recoded
    res = apply_suppression(frame, kv, sup, inv)
    for j, v in enumerate(kv):
        if twins.get(v) and sup[:, j].any():
            mask = sup[:, j][inv]
            for t in twins[v]:
                res[t] = empty_where(res[t], mask)
    return res, per_var, records, recoded


def _header(table, key: str) -> str:
    try:
        return table.headers[table.keys.index(key)]
    except (ValueError, IndexError):
        return key


# ---------------------------------------------------------------------------------------------
# output naming


def default_output(path: Path, output_dir: str | os.PathLike | None = None) -> Path:
    name = path.name
    gz = name.lower().endswith(".gz")
    base = name[:-3] if gz else name
    stem, ext = os.path.splitext(base)
    if ext.lower() in (".xls", ".xlsb"):  # no maintained writer: the copy is xlsx
        ext = ".xlsx"
    if output_dir is not None:
        out = Path(output_dir) / (stem + ext + (".gz" if gz else ""))
    else:
        out = path.with_name(f"{stem}.redacted{ext}" + (".gz" if gz else ""))
    return out


def log_paths(output: Path) -> tuple[Path, Path]:
    return (output.with_name(output.name + ".redaction-log.json"),
            output.with_name(output.name + ".redaction-log.md"))


# ---------------------------------------------------------------------------------------------
# writing


WRITE_ROWS = 200_000


def write_tables(src: Path, dest_tmp: Path, fmt: str, tables, treated: dict[int, Any],
                 plans: dict[int, Any], drops: dict[int, list[str]] | None = None,
                 out_format: str | None = None) -> dict | None:
    """Write every table of ``src`` (treated ones from ``treated``, without the columns in
    ``drops``) to ``dest_tmp`` (a workbook as ``out_format`` when given: ``"ods"``)."""
    from datasafe import write as W

    drops = drops or {}
    if fmt in ("csv", "tsv") and tables[0].meta.get("prose"):
        _write_prose(dest_tmp, tables[0], treated.get(0, tables[0].data),
                     set(drops.get(0, [])), W.detect_eol(src, bool(tables[0].meta.get("gzip"))))
        return
    if fmt in ("csv", "tsv"):
        t = tables[0]
        df = treated.get(0, t.data)
        tp = plans.get(0)
        dropped = set(drops.get(0, []))
        keep = [k for k in t.keys if k not in dropped]
        idx = [t.keys.index(k) for k in keep]
        meta = t.meta
        with W.CsvSink(dest_tmp, [t.headers[i] for i in idx],
                       hxl=[t.hxl[i] for i in idx] if t.hxl else None,
                       delimiter=meta.get("delimiter", ","),
                       encoding=meta.get("encoding", "utf-8"), gz=bool(meta.get("gzip")),
                       eol=W.detect_eol(src, bool(meta.get("gzip")))) as sink:
            # in slices: the CSV text of the whole table at once set the peak memory
            for start in range(0, len(df), WRITE_ROWS):
                sink.write_frame(df[keep].iloc[start:start + WRITE_ROWS])
        return
    if fmt == "parquet":
        _write_parquet_memory(src, dest_tmp, tables[0], treated.get(0), set(drops.get(0, [])))
        return
    updates = {}
    for i, t in enumerate(tables):
        tp = plans.get(i)
        if i not in treated or tp is None or not tp.changes:
            continue
        dropped = list(drops.get(i, []))
        numeric = set()
        for c in tp.columns:
            try:
                if resolve(c.treatment, c.params).numeric:
                    numeric.add(c.column)
            except TreatmentError:
                pass
        df = treated[i]
        changed = [k for k in t.keys if k not in dropped and not df[k].equals(t.data[k])]
        updates[t.name] = W.SheetUpdate(table=t, data=df, changed=changed, dropped=dropped,
                                        numeric=numeric)
    try:
        return W.write_excel(src, dest_tmp, updates, tables=tables, out_format=out_format)
    except W.WorkbookError as exc:
        from datasafe.read import error_cause

        raise RedactError(Phrase("errors.line", path=str(src), error=error_cause(
            "workbook_unwritable", cause=str(exc)))) from None


def _write_prose(dest_tmp: Path, table, df, dropped: set, eol: str) -> None:
    """A text file of prose, written back as lines of text (no header, no CSV quoting)."""
    import gzip

    meta = table.meta
    lines = [] if "text" in dropped else [
        "" if v is None or v != v else str(v) for v in df["text"].tolist()]
    data = (eol.join(lines) + (eol if lines else "")).encode(meta.get("encoding") or "utf-8",
                                                            errors="replace")
    if meta.get("gzip"):
        data = gzip.compress(data, mtime=0)
    Path(dest_tmp).write_bytes(data)


def _write_parquet_memory(src: Path, dest_tmp: Path, table, df, dropped: set) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    from datasafe import write as W

    orig = pq.read_table(src)
    schema = orig.schema
    drop_idx = {table.keys.index(k) for k in dropped if k in table.keys}
    arrays, text_cols = [], set()
    for i, key in enumerate(table.keys):
        if i in drop_idx:
            continue
        col = W.compact_dictionary(orig.column(i))
        if df is not None and not df[key].equals(table.data[key]):
            text = pa.array(df[key], type=pa.string(), from_pandas=True)
            typed = W.text_to_type(text, schema.field(i).type)
            if typed is None:
                typed = text
                text_cols.add(i)
            col = typed
        arrays.append(col)
    masked = table.meta.get("masked_headers") or {}
    out_schema = W.output_schema(schema, text_cols, drop_idx,
                                 {i: table.headers[i] for i in masked})
    out = pa.Table.from_arrays([a.cast(f.type) if a.type != f.type else a
                                for a, f in zip(arrays, out_schema)], schema=out_schema)
    pq.write_table(out, str(dest_tmp))


# ---------------------------------------------------------------------------------------------
# logs


_RISK_FIELDS = ("quasi_identifiers", "k_min", "records_below_k", "k_threshold",
                "expected_reidentifications", "global_risk")
_RISK_EXTRA_NUMERIC = ("household_expected_reidentifications", "household_global_risk",
                       "records_above_risk_threshold", "violations", "sample_uniques",
                       "max_individual_risk", "table_kind")


def risk_summary(risk) -> dict[str, Any] | None:
    """The numbers of a RiskResult, without any value of the data (no riskiest combinations,
    no cell examples)."""
    if risk is None:
        return None
    d = {k: v for k, v in risk.to_dict().items() if k in _RISK_FIELDS}
    for k in _RISK_EXTRA_NUMERIC:
        if k in risk.extra:
            d[k] = risk.extra[k]
    sc = risk.extra.get("small_cells")
    if isinstance(sc, dict):
        d["small_cells"] = {k: sc.get(k) for k in ("threshold", "small", "recoverable_count",
                                                   "min_count") if k in sc}
    return d


def findings_summary(result: ScanResult | None) -> dict[str, Any] | None:
    if result is None:
        return None
    items = [{"check": f.check, "severity": f.severity, "table": f.table, "column": f.column,
              "message": f.message} for f in result.findings]
    return {"verdict": result.summary.verdict or ("fail" if result.exit_code == 1 else "pass"),
            "exit_code": result.exit_code, "sensitivity": result.summary.sensitivity,
            "findings_by_severity": dict(result.summary.findings_by_severity),
            "findings": items}


def _file_log(fr: FileRedaction) -> dict[str, Any]:
    before_tables = fr.before.files[0].tables if fr.before and fr.before.files else []
    after_tables = fr.after.files[0].tables if fr.after and fr.after.files else []
    tables = []
    for i, t in enumerate(fr.tables):
        t = dict(t)
        t["risk_before"] = risk_summary(before_tables[i].risk) if i < len(before_tables) else None
        match = [a for a in after_tables if a.name == t["table"]]
        t["risk_after"] = risk_summary(match[0].risk) if match else None
        tables.append(t)
    return {
        "input": {"path": fr.input, "format": fr.format, "sha256": fr.input_sha256},
        "output": {"path": fr.output, "sha256": fr.output_sha256},
        "streamed": fr.streamed,
        "plan_source": fr.plan.source,
        "plan_warnings": list(fr.plan.warnings),
        "tables": tables,
        "before": findings_summary(fr.before),
        "after": findings_summary(fr.after),
        "passed": fr.passed,
        "notes": list(fr.notes),
    }


def build_log(res: RedactionResult) -> dict[str, Any]:
    from datasafe import __version__

    return {
        "tool": {"name": "datasafe", "version": __version__},
        "created": _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat(),
        "profile": res.profile,
        "key_id": res.key_id,
        "exit_code": res.exit_code,
        "files": [_file_log(f) for f in res.files],
    }


def _pct(x) -> str:
    return f"{100 * float(x):.2f} %"


def _count_said(m, n):
    """A count in the summary: as it is in English (unchanged logs), '1 200' in French."""
    return m.num(n, 0) if m.lang != "en" and isinstance(n, int) else n


def _risk_line(r: dict | None, m) -> str:
    if not r:
        return m("redact.no_key_variables")
    if r.get("table_kind") == "aggregate":
        sc = r.get("small_cells") or {}
        return m("redact.risk_small_cells", n=sc.get("small", r.get("records_below_k", 0)),
                 threshold=sc.get("threshold", r.get("k_threshold")))
    return m("redact.risk_line", k_min=r.get("k_min"), below=_count_said(m, r.get(
                 "records_below_k")),
             k=r.get("k_threshold"), risk=_pct(r.get("global_risk", 0)) if m.lang == "en"
             else m.pct(r.get("global_risk", 0)))


def _findings_line(f: dict | None, m) -> str:
    if not f:
        return m("redact.not_scanned")
    sev = f["findings_by_severity"]
    parts = [m.counted(s, n) for s, n in sev.items() if n]
    return (f"{m('verdict.pass') if f['exit_code'] == 0 else m('verdict.fail')}  "
            + (", ".join(parts) if parts else m("findings.none")))


def _messages(lang: str | None):
    from datasafe.report.common import Messages

    return Messages(lang or "en")


def _aligned(indent: str, m, colon: str, rows: list[tuple[str, str]]) -> list[str]:
    """``label: value`` lines with the values aligned (``risk before:`` / ``risk after: ``)."""
    labels = [m(key) for key, _ in rows]
    w = max(len(x) for x in labels)
    return [f"{indent}{lab}{colon}{' ' * (w - len(lab))}{val}"
            for lab, (_, val) in zip(labels, rows)]


def render_summary(res: RedactionResult) -> str:
    """The short text summary (no values, no key), in ``res.lang``."""
    from datasafe.report.common import localize, say, table_label

    m = _messages(res.lang)
    c_ = m.colon
    lines = []
    for fr in res.files:
        lines.append(m("redact.header", input=fr.input, output=fr.output or "(dataframe)",
                       profile=res.profile))
        for bt in (fr.before.files[0].tables if fr.before and fr.before.files else []):
            for n in bt.notes:  # what reading noticed (an unclosed quote merged rows…)
                where = f"{table_label(m, bt)}{c_}" if bt.name is not None else ""
                lines.append(f"  {m('redact.note')}{c_}{where}{say(m, n)}")
        for t in _file_log(fr)["tables"]:
            if t["table"] is not None:
                lines.append("  " + m("redact.table", name=t["table"]))
            width = max([len(c["column"]) for c in t["columns"]] + [6])
            for c in t["columns"]:
                if c["treatment"] == "keep" and not c.get("cells_suppressed"):
                    continue
                if c["treatment"] == "drop":
                    what = m("redact.removed", n=_count_said(m, c["cells_removed"]))
                else:
                    what = m("redact.changed",
                             changed=_count_said(m, c.get("values_changed", 0)),
                             suppressed=_count_said(m, c.get("cells_suppressed", 0)),
                             loss=f"{100 * c.get('information_loss', 0):.0f}")
                desc = c["treatment"] + (f":{c['params']['method']}" if c["params"].get(
                    "method") and c["treatment"] != "drop" else "")
                lines.append(f"    {c['column']:<{width}}  {desc:<24} {what}")
                if c.get("removed_by"):  # not in the plan: local suppression decided it
                    lines.append(f"    {'':<{width}}  ↳ {say(m, c['removed_by'])}")
            ls = t.get("local_suppression")
            if ls:
                by = ", ".join(f"{k} {v}" for k, v in ls["by_column"].items() if v)
                lines.append("    " + m("redact.local_suppression", k=ls["k"],
                                         cells=ls["cells_suppressed"],
                                         records=ls["records_affected"])
                             + (f" ({by})" if by else ""))
            sc = t.get("small_cells")
            if sc:
                lines.append("    " + m("redact.small_cells", threshold=sc["threshold"],
                                         primary=sc["primary_suppressed"],
                                         secondary=sc["secondary_suppressed"]))
            for n in t.get("notes") or []:
                lines.append(f"    {m('redact.note')}{c_}{say(m, n)}")
            lines += _aligned("    ", m, c_, [
                ("redact.risk_before", _risk_line(t.get("risk_before"), m)),
                ("redact.risk_after", _risk_line(t.get("risk_after"), m))])
        lines += _aligned("  ", m, c_, [
            ("redact.before", _findings_line(findings_summary(fr.before), m)),
            ("redact.after", _findings_line(findings_summary(fr.after), m))])
        if fr.after is not None:
            remaining = [f for f in fr.after.findings
                         if f.severity in ("critical", "high", "medium")][:8]
            for f in remaining:
                where = f" [{f.column}]" if f.column else ""
                msg = localize(f, res.lang or "en").message or f.message
                lines.append(f"    {m('redact.still')}{c_}{m.severity(f.severity).lower()} "
                             f"{f.check}{where} {msg}")
        for w in fr.plan.warnings:
            lines.append(f"  {m('redact.warning')}{c_}{say(m, w)}")
        for n in fr.notes:
            lines.append(f"  {m('redact.note')}{c_}{say(m, n)}")
        if fr.log_path:
            lines.append(f"  {m('redact.log')}{c_}{fr.log_path}")
    if res.key_id:
        lines.append(f"{m('redact.key_id')}{c_}{res.key_id}")
    return "\n".join(lines) + "\n"


def write_logs(res: RedactionResult, fr: FileRedaction) -> None:
    from datasafe.atomic import write_text

    if fr.output is None:
        return
    jpath, tpath = log_paths(Path(fr.output))
    one = RedactionResult(files=[fr], profile=res.profile, key_id=res.key_id, lang=res.lang)
    fr.log_path, fr.summary_path = str(jpath), str(tpath)
    doc = json.dumps(build_log(one), ensure_ascii=False, indent=2, default=str)
    # the .md log renders as Markdown: a heading, then the summary as preformatted text
    # (its aligned columns would collapse into one paragraph otherwise)
    summary = render_summary(one)
    heading = summary.splitlines()[0] if summary else "datasafe redact"
    md = f"# {heading}\n\n```text\n{summary.rstrip()}\n```\n"
    # a sheet the copy renamed because its name held a removed value is named so in the logs
    # too: the logs hold no data value, and 'HH Mutombo' is one
    for old, new in sorted(fr.renamed_sheets.items(), key=lambda kv: -len(kv[0])):
        doc = doc.replace(json.dumps(old, ensure_ascii=False)[1:-1], new)
        md = md.replace(old, new)
    write_text(jpath, doc)
    write_text(tpath, md)


# ---------------------------------------------------------------------------------------------
# entry point


def _options(options, profile, kwargs):
    import copy

    from datasafe.pipeline import ScanOptions

    options = copy.copy(options) if options is not None else ScanOptions()  # the caller's stays
    if profile is not None:
        options.profile = profile
    for k, v in kwargs.items():
        if not hasattr(options, k):
            raise TypeError(f"unknown option: {k}")
        setattr(options, k, v)
    from datasafe.pipeline import check_choices

    check_choices(options)
    return options


def _load_override(plan) -> dict | None:
    if plan is None:
        return None
    if isinstance(plan, Plan):
        return parse_plan(plan.to_dict(), "plan")
    if isinstance(plan, dict):
        return parse_plan(plan, "plan")
    from datasafe.redact.plan import load_plan_file

    return load_plan_file(plan)


def redact(target, *, profile: str | None = None, plan=None, output=None, output_dir=None,
           key: str | bytes | None = None, key_file=None, options=None,
           importance: list[str] | None = None, rescan: bool = True, stream: bool | None = None,
           write_log: bool = True, dry_run: bool = False, reversible: list[str] | None = None,
           **scan_kwargs) -> RedactionResult:
    """Write a redacted copy of a file (or of a DataFrame) and prove it passes.

    ``target``: a path, a list of paths / a folder (with ``output_dir``), a pandas DataFrame or
    a ``{name: DataFrame}`` mapping (then ``result.data`` holds the redacted frame(s) and
    nothing is written unless ``output`` is given).
    ``profile``: a profile name or YAML path. ``plan``: a plan file path, a mapping or a
    :class:`Plan` that overrides the derived plan. ``key``/``key_file``: the pseudonym key
    (default: the ``DATASAFE_KEY`` environment variable). ``importance``: key variables, most
    important first, for local suppression. ``rescan``: scan the copy again (the proof).
    ``stream``: force (True) or forbid (False) streaming of CSV/Parquet; by default files
    larger than 256 MB are streamed. ``dry_run``: derive the plan only (nothing is written).
    ``reversible``: columns encrypted under the custodian key (``key_file`` made by
    ``datasafe keygen``) rather than removed; ``datasafe repersonalise`` restores them.
    Other keyword arguments set :class:`datasafe.pipeline.ScanOptions` fields.
    """
    options = _options(options, profile, scan_kwargs)
    try:
        prof = options.resolved_profile()
    except Exception as exc:  # ProfileError (its message may be a Phrase: kept to be said)
        raise RedactError(exc.args[0] if exc.args else str(exc)) from None
    k = int(prof.param("k", 5))
    keyb = resolve_key(key, key_file)
    try:
        override = _load_override(plan)
        if reversible:  # --reversible COL,COL: encrypted under the custodian key, in every table
            more = parse_plan({"tables": [{"table": "*", "columns": {
                c: {"treatment": "encrypt"} for c in reversible}}]}, "--reversible")
            for e in more["tables"][0]["columns"]:
                e.reason = Phrase("plan.reason.reversible")
            override = override or {"tables": [], "source": None}
            override["tables"] = list(override["tables"]) + more["tables"]
    except PlanError as exc:
        raise RedactError(str(exc)) from None
    res = RedactionResult(profile=prof.name, key_id=key_id(keyb) if keyb else None,
                          lang=getattr(options, "lang", None) or "en")

    # a DataFrame exists only once pandas is imported (the readers import it while they parse)
    pd = sys.modules.get("pandas")
    if isinstance(target, dict) or (pd is not None and isinstance(target, pd.DataFrame)):
        _redact_frames(res, target, options, prof, keyb, override, importance, output, rescan,
                       dry_run)
        return res
    from datasafe.pipeline import warm_up_analysis
    from datasafe.read import iter_files

    paths = [target] if isinstance(target, (str, os.PathLike)) else list(target)
    files: list[tuple[Path, Path | None]] = []  # (file, path relative to a folder given)
    out_root = Path(output_dir).resolve() if output_dir is not None else None
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in iter_files([p]):
                if ".redacted." in f.name:  # an earlier run's copy, not an input
                    continue
                if out_root is not None and Path(f).resolve().is_relative_to(out_root):
                    continue  # the copies of an earlier run into --output-dir
                files.append((Path(f), Path(f).relative_to(p)))
        else:
            files.append((p, None))
    if output is not None and len(files) > 1:
        raise RedactError("--output names one file; use --output-dir for several inputs")
    if not files:
        raise RedactError(f"{', '.join(map(str, paths))}: no supported file to redact")
    for path, rel in files:
        _refuse_identifying_partitions(path, rel)
    for path, rel in files:
        if output is not None:
            out = Path(output)
        elif output_dir is not None and rel is not None:
            out = default_output(path, Path(output_dir) / rel.parent)
        else:
            out = default_output(path, output_dir)
        with project_lists(options):  # the project's name lists, for headers that are names
            warm_up_analysis()
            fr = redact_file(path, out, options=options, profile=prof, key=keyb,
                             override=override, importance=importance, rescan=rescan,
                             stream=stream, k=k, dry_run=dry_run)
        res.files.append(fr)
        if write_log and not dry_run:
            write_logs(res, fr)
    return res


# entities a folder name may not carry into a copy: who someone is, a sensitive attribute, or
# the village, camp or site they live in
_PARTITION_REFUSED = {"LOCATION"}


_CONTACT_VALUE = re.compile(r"[^@\s]+@[^@\s]+\.\w+|\+?\d[\d\s().-]{7,}\d")


def _identifying_value(value: str) -> str | None:
    """The entity of a partition value that identifies someone by itself: an e-mail or a
    phone number, or a full name written as one (:mod:`datasafe.detect.headers`)."""
    from urllib.parse import unquote

    from datasafe.detect.headers import person_headers

    v = unquote(value).strip()
    if _CONTACT_VALUE.fullmatch(v):
        return "EMAIL_ADDRESS" if "@" in v else "PHONE_NUMBER"
    if person_headers([v]):
        return "PERSON"
    return None


def _refuse_identifying_partitions(path: Path, rel: Path | None) -> None:
    """A partitioned dataset (``village=Kalunga/part-0.parquet``) keeps the partition's value
    in the folder name, which the copy would repeat and the scan never reads. Refused when
    the partition key names a direct identifier, a sensitive attribute or a fine location
    (provinces, years and sectors are fine). The message names the key, never the value."""
    if rel is None:
        return
    from datasafe.detect.lexicon import load_lexicon

    lex = load_lexicon()
    root = Path(*path.parts[:len(path.parts) - len(rel.parts)]) if len(path.parts) > len(
        rel.parts) else Path(".")
    for i, part in enumerate(rel.parent.parts):
        key, eq, value = part.partition("=")
        if not eq or not key:
            continue
        hits = lex.match(key)
        # a specific term first; a generic one ('name', 'contact', 'beneficiary') counts when
        # it names a person or a contact
        top = next((m for m in hits if not m.generic), None) or next(
            (m for m in hits if m.role == "direct"), None)
        if top is not None and (top.role in ("direct", "sensitive")
                                or top.entity in _PARTITION_REFUSED):
            entity = top.entity
        else:  # 'registered_by=Amina Yusuf', 'hh_head=+243…'
            entity = _identifying_value(value)
        if entity is not None:
            # the folder as far as the partition, its value left out: it is what is protected
            shown = root.joinpath(*rel.parent.parts[:i]) / f"{key}=…"
            raise RedactError(Phrase("redact.partition_refused", path=str(shown), name=key,
                                     entity=entity))


def redact_file(path: Path, out: Path, *, options, profile, key, override, importance, rescan,
                stream, k, dry_run=False) -> FileRedaction:
    from datasafe import write as W
    from datasafe.atomic import atomic_path
    from datasafe.concurrency import in_background
    from datasafe.pipeline import sha256_file
    from datasafe.read import ReadError, file_format, read_tables

    fmt = file_format(path)
    if fmt is None:
        from datasafe.read import SUPPORTED_LIST, error_cause

        kind = "".join(Path(path).suffixes[-2:]) or Path(path).name
        raise RedactError(Phrase("errors.line", path=str(path), error=error_cause(
            "unsupported", kind=kind, supported=SUPPORTED_LIST)))
    if fmt in ("xls", "xlsb") and out.suffix.lower() not in (".xlsx",):
        raise RedactError(f"{out}: a redacted {fmt} workbook is written as .xlsx "
                          f"(no maintained library writes {fmt}); name the output .xlsx")
    if fmt == "ods" and out.suffix.lower() not in (".ods", ".xlsx"):
        raise RedactError(f"{out}: a redacted ods workbook is written as .ods (or as .xlsx "
                          "when the output is named so)")
    out_fmt = file_format(out)
    same = {"xlsx": ("xlsx", "xlsm"), "xlsm": ("xlsx", "xlsm"), "xls": ("xlsx",),
            "xlsb": ("xlsx",), "ods": ("ods", "xlsx")}.get(fmt, (fmt,))
    if out_fmt not in same:
        # the copy is written in the input's own format: CSV bytes in a file named .parquet
        # were a broken copy and a failed proof
        raise RedactError(Phrase("redact.copy_format", out=str(out), fmt=fmt, ext=same[0]))
    if not dry_run:
        try:
            W.check_output_path(path, out)
            for extra in log_paths(out):
                W.check_output_path(path, extra)
        except W.OutputError as exc:
            raise RedactError(f"{out}: {exc}") from None
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise RedactError(Phrase("errors.line", path=str(path),
                                 error=Phrase("read_error.no_such_file"))) from None
    except OSError as exc:
        raise RedactError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if stream is None:
        stream = size > STREAM_THRESHOLD and fmt in ("csv", "tsv", "parquet")
    if stream and fmt in ("csv", "tsv", "parquet"):
        from datasafe.redact.stream import redact_stream

        try:
            return redact_stream(path, out, fmt, options=options, profile=profile, key=key,
                                 override=override, importance=importance, rescan=rescan, k=k,
                                 dry_run=dry_run)
        except ReadError as exc:  # a row the streaming reader cannot take, met on the way
            raise RedactError(exc.line()) from None
    digest = in_background(sha256_file, path)  # hashed while the file is read
    try:
        tables = read_tables(path, options.limits)
    except ReadError as exc:
        raise RedactError(exc.line()) from None
    fres = FileResult(path=str(path), format=fmt)
    fres.sha256 = digest.result()
    scan_opts = _input_scan_options(options, profile, override)
    before = scan_tables(tables, fres, scan_opts, profile)
    plan = build_plan(before, tables, profile, options, key_available=key is not None,
                      override=override, importance=importance)
    fr = FileRedaction(input=str(path), output=None if dry_run else str(out), format=fmt,
                       plan=plan, before=before, input_sha256=fres.sha256)
    if getattr(scan_opts, "ner", None) != getattr(options, "ner", None) and any(
            c.free_text for t in fres.tables for c in t.columns):
        # the 'before' counts can be lower than a scan's: say why, before anyone compares
        fr.notes.append(Phrase("redact.notes.ner_skipped"))
    if dry_run:
        return fr
    _require_key(plan, key)
    check_plan_columns(plan)
    treated, plans, drops = {}, {}, {}
    for i, (t, tp) in enumerate(zip(tables, plan.tables)):
        plans[i] = tp
        if not tp.changes:
            fr.tables.append({"table": shown_name(t), "rows": t.rows, "columns": [],
                              "dropped": [],
                              "local_suppression": None, "small_cells": None,
                              "unchanged": True})
            continue
        df, tlog = treat_table(t, tp, key=key, k=k, regions=options.phone_regions)
        treated[i] = df
        drops[i] = tlog.pop("dropped_keys")
        fr.tables.append(tlog)
    if any(t.keys for t in tables) and all(len(drops.get(i, ())) >= len(t.keys)
                                           for i, t in enumerate(tables) if t.keys):
        raise RedactError(Phrase("redact.all_removed", path=str(path), profile=profile.name))
    if fmt in ("xls", "xlsb") or (fmt == "ods" and out.suffix.lower() == ".xlsx"):
        fr.notes.append(Phrase("redact.notes.rebuilt_xlsx", fmt=fmt))
    elif fmt == "ods":
        fr.notes.append(Phrase("redact.notes.rebuilt_ods"))
    try:
        with atomic_path(out) as tmp:
            written = write_tables(path, tmp, fmt, tables, treated, plans, drops,
                                   out_format="ods" if out.suffix.lower() == ".ods" else None)
        if written and written.get("formulas_frozen"):
            fr.notes.append(Phrase("redact.notes.formulas_frozen",
                                   n=written["formulas_frozen"]))
        if written and written.get("comments_removed"):
            fr.notes.append(Phrase("redact.notes.comments_removed",
                                   n=written["comments_removed"]))
        for key in ("metadata_removed", "hyperlinks_removed", "objects_removed",
                    "title_rows_removed", "rules_removed"):
            if written and written.get(key):
                fr.notes.append(Phrase(f"redact.notes.{key}", n=written[key]))
        if written and written.get("renamed_sheets"):
            fr.renamed_sheets = dict(written["renamed_sheets"])
    except OSError as exc:
        raise RedactError(f"{out}: cannot write: {exc.strerror or type(exc).__name__}") from None
    out_digest = in_background(sha256_file, out)  # hashed while the copy is rescanned
    # the input and its treated copy are not needed any more: the rescan reads the copy
    # back, and holding both beside it set the peak memory
    tables = treated = t = df = None
    if rescan:
        from datasafe.pipeline import scan as run_scan

        fr.after = run_scan(str(out), options=options, named_columns=False)
    fr.output_sha256 = out_digest.result()
    return fr


def _require_key(plan: Plan, key: bytes | None) -> None:
    if plan.needs_key and key is None:
        cols = [c.column for t in plan.tables for c in t.columns if c.needs_key]
        if any(c.treatment == "encrypt" for t in plan.tables for c in t.columns):
            enc = [c.column for t in plan.tables for c in t.columns if c.treatment == "encrypt"]
            raise RedactError(f"the plan encrypts {', '.join(enc[:5])} (reversible) but no "
                              "custodian key was given: pass the key of `datasafe keygen` with "
                              "--key-file")
        raise RedactError(f"the plan pseudonymises {', '.join(cols[:5])} but no key was given: "
                          f"set {KEY_ENV} or pass --key-file (pseudonyms are never a plain hash)")


def _redact_frames(res, target, options, prof, keyb, override, importance, output, rescan,
                   dry_run) -> None:
    import pandas as pd

    from datasafe.read import table_from_dataframe

    single = isinstance(target, pd.DataFrame)
    frames = {None: target} if single else dict(target)
    tables = [table_from_dataframe(df, name=None if name is None else str(name))
              for name, df in frames.items()]
    fres = FileResult(path="<dataframe>", format="dataframe")
    before = scan_tables(tables, fres, options, prof)
    plan = build_plan(before, tables, prof, options, key_available=keyb is not None,
                      override=override, importance=importance)
    fr = FileRedaction(input="<dataframe>", output=None, format="dataframe", plan=plan,
                       before=before)
    res.files.append(fr)
    if dry_run:
        return
    _require_key(plan, keyb)
    check_plan_columns(plan)
    out_frames = {}
    for t, tp in zip(tables, plan.tables):
        df, tlog = treat_table(t, tp, key=keyb, k=int(prof.param("k", 5)),
                               regions=options.phone_regions)
        dropped = set(tlog.pop("dropped_keys"))
        fr.tables.append(tlog)
        keep = [k for k in t.keys if k not in dropped]
        red = df[keep].copy()
        red.columns = [t.headers[t.keys.index(k)] for k in keep]
        out_frames[t.name] = red
    res.data = out_frames[None] if single else out_frames
    if rescan:
        from datasafe.pipeline import scan as run_scan

        fr.after = run_scan(res.data, options=options, named_columns=False)
    if output is not None:
        _write_frames(res, out_frames, Path(output))
        fr.output = str(output)


def _write_frames(res, frames: dict, out: Path) -> None:
    from datasafe import write as W
    from datasafe.atomic import atomic_path

    df = next(iter(frames.values()))
    suffix = out.suffix.lower()
    if len(frames) > 1 and suffix not in (".xlsx", ".xlsm"):
        # a CSV or Parquet file holds one table: the others were silently left out
        raise RedactError(f"{out}: {len(frames)} tables cannot go into one {suffix or 'text'} "
                          "file; name the output .xlsx (a sheet each) or redact them one by one")
    with atomic_path(out) as tmp:
        if suffix in (".parquet", ".pq"):
            df.to_parquet(tmp, index=False)
        elif suffix in (".xlsx", ".xlsm"):
            with pd_excel(tmp) as xw:
                for name, f in frames.items():
                    W.neutralise_frame(f).to_excel(xw, sheet_name=(name or "Sheet1")[:31],
                                                   index=False)
        else:
            W.write_csv(tmp, df, [str(c) for c in df.columns],
                        delimiter="\t" if suffix in (".tsv", ".tab") else ",")


def pd_excel(path):
    import pandas as pd

    return pd.ExcelWriter(path, engine="openpyxl")
