"""Aggregates and small cells (DR-AGG): rules file section (b) "Aggregates / small cells".
Small cells and recoverable totals come from ``risk.extra["small_cells"]`` (:mod:`datasafe.risk`);
when risk did not assess the table the checks count small cells themselves."""

from __future__ import annotations

from datasafe.checking import lexicon as lx
from datasafe.checking import values as vals
from datasafe.checking.registry import Check, Hit, register
from datasafe.report.common import Phrase


def _small_cells(ctx) -> dict | None:
    r = ctx.tres.risk if ctx.tres is not None else None
    if r is not None and isinstance((r.extra or {}).get("small_cells"), dict):
        return r.extra["small_cells"]
    return None


@register
class SmallCells(Check):
    """Count cells between 1 and t−1 (t = 5; 10 for GBV, protection and health tables).

    Bad::

        village,gbv_survivors
        Kabimba,2

    Good (cells below the threshold suppressed, or categories/areas merged)::

        territory,gbv_survivors
        Kalemie,37
    """

    id = "DR-AGG-01"
    scope = "table"

    def check_table(self, ctx):
        if ctx.row_level:
            return
        severe = ctx.severe_topic
        sc = _small_cells(ctx)
        if sc is not None:
            n = int(sc.get("small") or 0)
            t = sc.get("threshold")
            severe = bool(sc.get("severe_topic", severe))
            by_col = sc.get("by_column") or {}
            cols = [k for k, v in by_col.items() if v]
        else:
            if not ctx.aggregate:
                return
            t = int(ctx.param("small_cell_threshold_severe", 10) if severe
                    else ctx.param("small_cell_threshold", 5))
            n, cols = 0, []
            for c in ctx.columns:
                if not ctx.is_count_column(c) or (ctx.tokens(c) & lx.TOTAL_WORDS):
                    continue
                nums = vals.numbers(ctx.series(c))
                if nums is None:
                    continue
                k = int(((nums >= 1) & (nums < t)).sum())
                if k:
                    n += k
                    cols.append(c.name)
        if n <= 0:
            return
        col = ctx.tres.column(cols[0]) if cols else None
        yield Hit(col, variant="severe_topic" if severe else "general", cells=n, threshold=t,
                  columns=", ".join(cols[:5]),
                  sensitivity="severe_topic_aggregate" if severe else "small_cells")


@register
class SecondaryDisclosure(Check):
    """A suppressed or small cell that can be recovered by subtraction from a published row or
    column total.

    Bad::

        territory,boys,girls,total
        Nyunzu,*,14,17

    Good (a second cell in the row suppressed too, or the total suppressed)::

        territory,boys,girls,total
        Nyunzu,*,*,17
    """

    id = "DR-AGG-02"
    scope = "table"

    def check_table(self, ctx):
        if ctx.row_level:
            return
        sc = _small_cells(ctx)
        if sc is not None:
            n = int(sc.get("recoverable_count") or len(sc.get("recoverable") or []))
            if n:
                rec = (sc.get("recoverable") or [{}])[0]
                yield Hit(ctx.tres.column(rec.get("column", "")), cells=n,
                          via=rec.get("via") or Phrase("finding_details.via_total"))
                return
        yield from self._suppressed(ctx)  # cells already masked with *, x, <5…

    def _suppressed(self, ctx):
        """Rows with exactly one suppression marker (``*``, ``x``, ``<5``…) beside a total."""
        import pandas as pd

        total = [c for c in ctx.columns if ctx.tokens(c) & lx.TOTAL_WORDS
                 or "total" in ctx.hxl(c)[1]]
        if not total:
            return
        from datasafe.risk.aggregate import markers

        parts = [c for c in ctx.columns if c not in total and (ctx.is_count_column(c) or (
            ctx.series(c) is not None and markers(ctx.series(c).dropna()).any()))]
        if len(parts) < 2:
            return
        marks = pd.DataFrame({c.key: markers(ctx.series(c).fillna("")) for c in parts})
        # an empty cell is unknown too: a marker beside an empty cell is not given back
        empty = pd.DataFrame({c.key: ctx.series(c).isna()
                              | (ctx.series(c).astype("str").str.strip() == "") for c in parts})
        tot = vals.numbers(ctx.series(total[0]))
        if tot is None:
            return
        per_row = marks.sum(axis=1)
        alone = (marks | empty).sum(axis=1) == 1
        n = int(((per_row == 1) & alone & tot.reindex(marks.index).notna()).sum())
        if n:
            yield Hit(total[0], cells=n, via=Phrase("finding_details.via_row_total",
                                                    column=total[0].name))


@register
class AggregationLevel(Check):
    """Aggregates at an administrative level finer than the profile allows (e.g. public release
    at ADM2 or above only).

    Bad (public profile, ``max_admin_level: 2``)::

        admin3_pcode,households_in_need
        CD740101,120

    Good::

        admin2_pcode,households_in_need
        CD7401,2840
    """

    id = "DR-AGG-03"
    scope = "table"

    def check_table(self, ctx):
        if ctx.row_level or not ctx.aggregate:
            return
        level, col = ctx.finest_admin
        allowed = int(ctx.param("max_admin_level", 3))
        if level is not None and level > allowed:
            yield Hit(col, level=level, max_level=allowed,
                      sensitivity=f"aggregate_adm{level}")


@register
class DisaggregationDepth(Check):
    """Community- or village-level aggregates further disaggregated by sex or age: each cell
    describes a handful of identifiable people.

    Bad::

        village,girls_0_4,boys_0_4,women_60_plus
        Kabimba,3,2,1

    Good (disaggregate at ADM2, or drop the breakdown at village level)::

        territory,girls_0_4,boys_0_4
        Kalemie,812,790
    """

    id = "DR-AGG-04"
    scope = "table"

    def check_table(self, ctx):
        if ctx.row_level or not ctx.aggregate:
            return
        level, col = ctx.finest_admin
        if level is None or level < int(ctx.param("min_admin_level", 3)):
            return
        dis = [c.name for c in ctx.columns if ctx.tokens(c) & lx.DISAGG_WORDS
               or ctx.hxl(c)[1] & lx.DISAGG_HXL_ATTRS]
        if len(dis) >= 2:
            yield Hit(col, level=level, columns=", ".join(dis[:6]), count=len(dis),
                      sensitivity="aggregate_household" if level >= 4 else "aggregate_adm3")


_GROUP_ENTITIES = ("ETHNICITY", "RELIGION")
_GROUP_LISTS = ("ethnicity", "religion")
# identity groups only: refugees by country of origin, asylum figures or political-violence
# event counts are published routinely (their small cells are DR-AGG-01's)
_GROUP_TOKENS = {"ethnicity", "ethnic", "ethnie", "etnia", "tribe", "tribu", "clan", "caste",
                 "religion", "religious", "confession", "minority", "minorite", "minoria"}


@register
class GroupLevelHarm(Check):
    """Counts of ethnic, religious or other identity groups by area: no person is named, but
    the table tells where a group lives and how many they are (demographically identifiable
    information), which can be enough to target it. Not decidable by a tool: it asks a person
    to weigh it.

    Bad::

        district,yazidi_individuals,christian_individuals,shabak_individuals
        Sinjar,1380,95,12

    Good (the need, not the identity of the group; or shared under an ISP with a reviewer's
    sign-off)::

        district,idp_individuals
        Sinjar,1487
    """

    id = "DR-AGG-05"
    scope = "table"

    def check_table(self, ctx):
        if ctx.row_level or not ctx.aggregate:
            return
        from datasafe.detect.lexicon import load_value_lists

        lists = load_value_lists()
        names = set()
        for key in _GROUP_LISTS:
            names |= {v for v in lists[key].values if len(v) >= 4}
        found, first = [], None
        for c in ctx.columns:
            # a breakdown column of groups ('ethnic_group': Yazidi, Shabak…), or a count column
            # named after one ('yazidi_individuals')
            toks = ctx.tokens(c)
            sample = [v.strip().lower() for v in (c.sample or []) if v and v.strip()]
            # ... or whose values are groups ('population_group': Yazidi, Shabak, Christian)
            # (not place names: 'Kasai', 'Kongo Central' and 'Bari' are provinces too)
            by_values = bool(sample) and c.stats.inferred_type == "string" \
                and not ctx.has_entity(c, "ADMIN_AREA", "LOCATION") \
                and ctx.admin_level(c) is None and sum(
                    1 for v in sample if v in names or v.split(" (")[0] in names
                ) >= 0.5 * len(sample)
            if ctx.has_entity(c, *_GROUP_ENTITIES) or toks & _GROUP_TOKENS or toks & names \
                    or by_values:
                found.append(c.name)
                first = first or c
        if found:
            yield Hit(first, columns=", ".join(found[:6]), count=len(found),
                      sensitivity="group_aggregates")
