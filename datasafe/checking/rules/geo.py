"""Location (DR-GEO): rules file section (b) "Location"."""

from __future__ import annotations

from datasafe.checking import values as vals
from datasafe.checking.registry import Check, Hit, register
from datasafe.report.common import Figure


@register
class RowLevelCoordinates(Check):
    """GPS coordinates on person or household rows.

    Bad::

        household_id,latitude,longitude,hh_size
        HH-001,-5.94713,29.19488,6

    Good (replace the point by the administrative unit or its P-code)::

        household_id,admin2_pcode,hh_size
        HH-001,CD7407,6
    """

    id = "DR-GEO-01"
    scope = "table"

    def check_table(self, ctx):
        if not ctx.row_level:
            return
        min_dec = int(ctx.param("min_decimals", 2))
        cols = [(c, d) for c, d in ctx.coordinate_columns if d["median"] >= min_dec]
        if cols:
            dec = max(d["median"] for _, d in cols)
            yield Hit(cols[0][0], columns=", ".join(c.name for c, _ in cols), decimals=dec,
                      metres=_m(dec))


@register
class CoordinatePrecision(Check):
    """Precision of coordinates in row-level data: decimals of a degree → metres on the ground
    (4 decimals ≈ 11 m: a dwelling; 3 ≈ 111 m: a street; 2 ≈ 1.1 km: a village).

    Bad::

        respondent,gps_latitude,gps_longitude
        R1,-5.947131,29.194882

    Good (rounded to 1 decimal, or displaced as DHS does)::

        respondent,gps_latitude,gps_longitude
        R1,-5.9,29.2
    """

    id = "DR-GEO-02"
    scope = "table"

    def check_table(self, ctx):
        if not ctx.row_level:
            return
        cols = ctx.coordinate_columns
        if not cols:
            return
        col, d = max(cols, key=lambda cd: cd[1]["median"])
        dec = d["median"]
        if dec >= 4:
            variant = "dwelling"
        elif dec == 3:
            variant = "street"
        elif dec == 2 and (ctx.severe_topic or any(c.role == "sensitive" for c in ctx.columns)):
            variant = "village"
        else:
            return
        yield Hit(col, variant=variant, decimals=dec, metres=_m(dec),
                  max_decimals=d["max"], columns=", ".join(c.name for c, _ in cols))


@register
class CoordinatesInText(Check):
    """Coordinates hidden in text or location-name cells (``34.5553° N``, ``14.4824N, 45.9132E``,
    ``-5.9471, 29.1949``).

    Bad::

        site,description
        S1,"Shelter at -5.94713, 29.19488 behind the school"

    Good::

        site,description
        S1,Shelter behind the school
    """

    id = "DR-GEO-03"
    scope = "column"

    def check_column(self, ctx, col):
        if col.stats.inferred_type not in ("string", "text") or ctx.is_coordinate(col):
            return
        import re

        pattern = re.compile(vals.COORD_TEXT_RE)
        if not any(pattern.search(v) for v in col.sample[:500]):
            return  # the sample decides; the whole column is counted only when it hits
        hits, n = vals.share_matching(ctx.series(col), vals.COORD_TEXT_RE, col)
        if hits:
            yield Hit(col, cells=hits, sensitivity="row_level_coordinates" if ctx.row_level
                      else "site_coordinates")


@register
class FineAdminInMicrodata(Check):
    """Fine administrative detail (ADM3 and below: villages, settlements, camps, sites) as a
    key variable in row-level data.

    Bad::

        respondent,age,sex,village
        R1,34,F,Kabimba

    Good (coarser geography, down to the level at which the sample is representative)::

        respondent,age_group,sex,territory
        R1,30-39,F,Kalemie
    """

    id = "DR-GEO-04"
    scope = "column"

    def check_column(self, ctx, col):
        if not ctx.row_level or col.stats.non_empty == 0:
            return
        level = ctx.admin_level(col)
        if level is not None and level >= int(ctx.param("fine_admin_level", 3)):
            yield Hit(col, level=level)


@register
class LocatedSensitiveGroups(Check):
    """Sensitive groups (ethnicity, religion, origin, displacement, health…) in the same table as
    coordinates or fine administrative units: the data can locate a small at-risk group.

    Bad::

        village,latitude,longitude,ethnicity,households
        Kabimba,-5.947,29.195,Twa,12

    Good (coarser location, or the group attribute dropped)::

        territory,households
        Kalemie,1240
    """

    id = "DR-GEO-05"
    scope = "table"
    GROUP_ENTITIES = ("ETHNICITY", "RELIGION", "NATIONALITY", "DISPLACEMENT_STATUS", "HEALTH",
                      "DISABILITY", "LEGAL_STATUS", "PROTECTION_INCIDENT")

    def check_table(self, ctx):
        groups = [c for c in ctx.columns if c.stats.non_empty and (
            c.role == "sensitive" or ctx.has_entity(c, *self.GROUP_ENTITIES)
            or (ctx.hxl(c)[1] & {"origin", "displaced", "idps", "refugees", "ethnicity",
                                 "religion"}))]
        if not groups:
            return
        # in a table of counts, 2-decimal points are the centroids of its areas (≈1 km): they
        # locate a group no better than the admin unit does (an HDX table of IDPs by district
        # with its centroids was 'severe'); 3 decimals (≈110 m) place it in a street
        min_dec = 2 if ctx.row_level else 3
        where = [c.name for c, d in ctx.coordinate_columns if d["median"] >= min_dec]
        level, admin_col = ctx.finest_admin
        if not where and level is not None and level >= int(ctx.param("fine_admin_level", 3)):
            where = [admin_col.name]
        if where:
            yield Hit(groups[0], groups=", ".join(c.name for c in groups[:5]),
                      located_by=", ".join(where[:3]))


def _m(dec: int) -> Figure:
    m = vals.metres(dec)
    return Figure(f"{m / 1000:.1f} km" if m >= 1000 else (f"{m:.0f} m" if m >= 10
                                                          else f"{m:.1f} m"))
