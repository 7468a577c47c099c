"""HXL-driven checks (DR-HXL): rules file sections (b) "HXL-driven checks" and (c)."""

from __future__ import annotations

from datasafe.checking import lexicon as lx
from datasafe.checking import values as vals
from datasafe.checking.registry import Check, Hit, register

ID_ATTRS = {"name", "code", "id", "contact", "phone", "email", "birth", "dob", "address"}


@register
class IdentifyingHashtags(Check):
    """HXL hashtags that mark identifiers: ``#contact`` (any attribute), ``#respondee`` or
    ``#beneficiary`` with ``+name``, ``+code``, ``+id``, ``+phone``…, ``#geo+lat/+lon`` on
    person rows. Reported when detection has not already flagged the column as a direct
    identifier.

    Bad::

        Name,Phone
        #contact+name,#contact+phone
        Amina Yusuf,+243812345678

    Good::

        Province,People in need
        #adm1+name,#inneed
        Tanganyika,120000
    """

    id = "DR-HXL-01"
    scope = "column"

    def check_column(self, ctx, col):
        if not col.hxl or col.role == "direct" or col.stats.non_empty == 0:
            return
        tag, attrs = ctx.hxl(col)
        hit = (tag == "#contact" and not attrs & {"url", "type"}) or (
            tag in ("#respondee", "#beneficiary") and attrs & ID_ATTRS) or (
            tag == "#geo" and attrs & {"lat", "lon", "coord"} and ctx.row_level)
        if hit:
            yield Hit(col, hashtag=col.hxl)


@register
class RespondeeMicrodata(Check):
    """The HXL ``#respondee`` hashtag: one row per survey respondent (HXL 1.1), i.e. microdata.

    Bad (shared as open data without disclosure control)::

        Age,Sex
        #respondee+age,#respondee+f
        34,1

    Good::

        Province,Women surveyed
        #adm1+name,#population+f
        Tanganyika,412
    """

    id = "DR-HXL-02"
    scope = "table"

    def check_table(self, ctx):
        cols = [c for c in ctx.columns if ctx.hxl(c)[0] == "#respondee"]
        if cols:
            yield Hit(cols[0], columns=", ".join(c.name for c in cols[:5]), count=len(cols))


@register
class CountTagValues(Check):
    """Values that do not fit their hashtag: non-numbers under people-count tags
    (``#affected``, ``#inneed``, ``#targeted``, ``#reached``, ``#population``) — often row-level
    data mislabelled as aggregates — or latitudes outside −90…90.

    Bad::

        Village,Affected
        #loc+name,#affected
        Kabimba,Amina Yusuf (widow)

    Good::

        Village,Affected
        #loc+name,#affected
        Kabimba,120
    """

    id = "DR-HXL-03"
    scope = "column"

    def check_column(self, ctx, col):
        tag, attrs = ctx.hxl(col)
        s = ctx.series(col)
        if tag in lx.COUNT_HXL_TAGS and not attrs & {"type", "name", "code", "label", "text"}:
            nums = vals.numbers(s)
            if nums is None or len(nums) == 0:
                return
            from datasafe.risk.aggregate import markers

            # '<5' and 'x' are how counts are suppressed: good practice, not stray text
            hidden = markers(s.reindex(nums.index).fillna(""))
            bad = int((nums.isna() & ~hidden).sum())
            if bad:
                yield Hit(col, variant="not_number", hashtag=col.hxl, cells=bad)
        elif tag == "#geo" and "lat" in attrs:
            nums = vals.numbers(s)
            if nums is None or len(nums) == 0:
                return
            bad = int(((nums < -90) | (nums > 90)).sum())
            if bad:
                yield Hit(col, variant="latitude", hashtag=col.hxl, cells=bad)
