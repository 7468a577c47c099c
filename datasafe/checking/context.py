"""What a check sees: :class:`CheckContext` wraps one file (and, for column and table checks, one
table) with the helpers checks share — parameter lookup, roles and entities, raw values, HXL
parts, admin levels, sidecar declarations — so that each check stays a few lines long."""

from __future__ import annotations

import re
from functools import cached_property
from typing import Any

from datasafe.checking import lexicon as lx
from datasafe.checking import values as vals

ROW_LEVEL_META = {"_uuid", "uuid", "instanceid", "_submission_time", "submissiondate", "_index",
                  "meta_instanceid"}
PERSON_ATTRIBUTES = ("AGE", "SEX_GENDER", "DATE_OF_BIRTH", "MARITAL_STATUS", "HEALTH",
                     "DISABILITY", "ETHNICITY", "RELIGION", "EDUCATION", "OCCUPATION", "INCOME",
                     "HOUSEHOLD_SIZE", "LEGAL_STATUS", "PROTECTION_INCIDENT")
_ADM_HXL = re.compile(r"^#adm([1-5])$")
_ADM_HEADER = re.compile(r"(?:^|_)adm(?:in)?_?([0-5])(?:_|$)")


class RunState:
    """State shared by every context of one run."""

    def __init__(self, result, tables_by_file, options, profile):
        self.result = result
        self.tables_by_file = tables_by_file
        self.options = options
        self.profile = profile
        dest = getattr(options, "destination", None) or getattr(profile, "destination", None)
        self.destination = str(dest) if dest else None
        self._sidecars: dict[str, dict] = {}

    def sidecar(self, fres) -> dict[str, Any]:
        path = fres.path
        if path not in self._sidecars:
            data: dict[str, Any] = {}
            if fres.format != "dataframe" and not path.startswith("<"):
                try:
                    from datasafe.sidecar import load_sidecar

                    data = load_sidecar(path)
                except Exception:  # noqa: BLE001 - a broken sidecar is reported, never fatal
                    data = {"_error": "cannot read sidecar"}
            self._sidecars[path] = data
        return self._sidecars[path]


class CheckContext:
    def __init__(self, state: RunState, fres, tables, table=None, tres=None):
        self.state = state
        self.file = fres
        self.tables = tables
        self.table = table
        self.tres = tres
        self.check = None  # set by the core before each call
        self.entry: dict[str, Any] = {}
        self._cache: dict[str, Any] = {}

    def for_table(self, table, tres) -> CheckContext:
        return CheckContext(self.state, self.file, self.tables, table, tres)

    # --- run-level ---------------------------------------------------------------------------
    @property
    def profile(self):
        return self.state.profile

    @property
    def options(self):
        return self.state.options

    @property
    def destination(self) -> str | None:
        return self.state.destination

    @property
    def sidecar(self) -> dict[str, Any]:
        return self.state.sidecar(self.file)

    def param(self, name: str, default: Any = None) -> Any:
        """Check parameter: the profile's ``checks.ID.params`` → the profile's shared ``params``
        → the catalogue default."""
        cfg = self.state_check_config()
        p = cfg.get("params") or {}
        if name in p:
            return p[name]
        if name in (self.profile.params or {}):
            return self.profile.params[name]
        spec = (self.entry.get("parameters") or {}).get(name)
        if isinstance(spec, dict) and "default" in spec:
            return spec["default"]
        if spec is not None and not isinstance(spec, dict):
            return spec
        return default

    def state_check_config(self) -> dict[str, Any]:
        from datasafe.checking.core import check_config

        return check_config(self.profile, self.check.id if self.check else "")

    # --- table-level facts -------------------------------------------------------------------
    @property
    def columns(self):
        return self.tres.columns if self.tres is not None else []

    def series(self, col):
        if self.table is None or col.key not in self.table.data.columns:
            return None
        return self.table.data[col.key]

    @staticmethod
    def has_entity(col, *types: str) -> bool:
        for i, e in enumerate(col.entities or []):
            if e.type in types and (i == 0 or e.confidence >= 0.6):
                return True
        return False

    @staticmethod
    def hxl(col) -> tuple[str, set[str]]:
        return lx.hxl_parts(col.hxl)

    @staticmethod
    def norm(col) -> str:
        return lx.norm(col.name)

    @staticmethod
    def tokens(col) -> set[str]:
        return lx.tokens(col.name)

    def where(self, col=None) -> str:
        parts = []
        if self.tres is not None and self.tres.name is not None:
            parts.append(f"sheet {self.tres.name}")
        if col is not None:
            parts.append(f"column {col.name}")
        return ", ".join(parts)

    @cached_property
    def direct_columns(self):
        return [c for c in self.columns if c.role == "direct"]

    @cached_property
    def row_level(self) -> bool:
        """One row per person or household: detection's ``kind``, else structural signals
        (direct identifiers, HXL ``#respondee``, Kobo submission ids)."""
        if self.tres is None:
            return False
        if self.tres.kind == "microdata":
            return True
        if self.tres.kind == "aggregate":
            return False
        risk_kind = (getattr(self.tres.risk, "extra", None) or {}).get("table_kind")
        if risk_kind == "aggregate":
            return False
        if self.table is not None and self.table.meta.get("prose"):
            # lines of a text file: about people only when they name or reach someone (a
            # methodology note that mentions gender-based violence is not a case list)
            return any(c.role == "direct" for c in self.columns)
        person_attr = False
        for c in self.columns:
            if c.role == "direct" and not self.has_entity(c, "GPS_COORDINATE", "URL"):
                return True
            tag, _ = self.hxl(c)
            if tag == "#respondee":
                return True
            if self.norm(c) in ROW_LEVEL_META:
                return True
            if self.has_entity(c, *PERSON_ATTRIBUTES):
                person_attr = True
        # attributes of a person (age, sex, health…) and no count columns: one row per person
        return person_attr and not any(self.is_count_column(c) for c in self.columns)

    @cached_property
    def aggregate(self) -> bool:
        if self.tres is None:
            return False
        if self.tres.kind == "aggregate":
            return True
        if self.tres.kind == "microdata" or self.row_level:
            return False
        return any(self.is_count_column(c) for c in self.columns)

    def is_coordinate(self, col) -> bool:
        if self.has_entity(col, "GPS_COORDINATE"):
            return True
        tag, attrs = self.hxl(col)
        if tag == "#geo" and attrs & {"lat", "lon", "coord"}:
            return True
        n = self.norm(col)
        if lx.is_collection_metadata(n):
            return False  # a reading's altitude or accuracy is not a coordinate
        if n in lx.COORD_EXACT or self.tokens(col) & lx.COORD_TOKENS or n.endswith(
                ("_latitude", "_longitude")):
            if col.stats.inferred_type in ("string", "float", "text", "empty") or n == "_geolocation":
                return True
        return False

    @cached_property
    def coordinate_columns(self):
        out = []
        for c in self.columns:
            if self.is_coordinate(c):
                # precision from the profiled sample of distinct values (column-level work)
                d = vals.decimals(vals.sample_series(c) if c.sample else self.series(c))
                if d is not None:
                    out.append((c, d))
        return out

    def admin_level(self, col) -> int | None:
        tag, attrs = self.hxl(col)
        m = _ADM_HXL.match(tag)
        if m:
            return int(m.group(1))
        if tag == "#loc" and "num" not in attrs:  # '#loc+num' counts sites, names none
            return 4
        if col.role not in ("quasi", "none") and not self.has_entity(col, "ADMIN_AREA",
                                                                      "LOCATION"):
            return None
        n = self.norm(col)
        m = _ADM_HEADER.search(n)
        if m:
            return int(m.group(1))
        for level in (5, 4, 3, 2, 1):
            if n in lx.ADMIN_WORDS[level]:
                return level
        # a word inside a longer header ("idp_site_name") only when detection says it is a place
        if self.has_entity(col, "ADMIN_AREA", "LOCATION"):
            toks = self.tokens(col)
            if not toks & {"origin", "size", "type", "pcode_origin"}:
                for level in (5, 4, 3):
                    if toks & lx.ADMIN_WORDS[level]:
                        return level
        return None

    @cached_property
    def finest_admin(self):
        """(level, column) of the finest administrative column, or (None, None)."""
        best = (None, None)
        for c in self.columns:
            lvl = self.admin_level(c)
            if lvl is not None and (best[0] is None or lvl > best[0]):
                best = (lvl, c)
        return best

    def is_count_column(self, col) -> bool:
        tag, attrs = self.hxl(col)
        if tag in lx.COUNT_HXL_TAGS and not attrs & {"type", "name", "code", "label", "text"}:
            return True
        if col.stats.inferred_type != "integer":
            return False
        if self.admin_level(col) is not None or col.role == "direct":
            return False
        if self.has_entity(col, "AGE", "HOUSEHOLD_SIZE", "INCOME", "DATE_OF_BIRTH"):
            return False
        toks = self.tokens(col)
        if toks & {"year", "annee", "ano", "code", "pcode", "id", "age", "phone", "size",
                   "taille"}:
            return False
        return bool(toks & lx.COUNT_WORDS)

    @cached_property
    def severe_topic_headers(self) -> list[str]:
        hits = []
        names = [c.name for c in self.columns]
        for c in self.columns:
            n = self.norm(c)
            toks = self.tokens(c)
            if n in lx.SEVERE_TOPIC_WORDS or toks & lx.SEVERE_TOPIC_WORDS or any(
                    w in n for w in lx.SEVERE_TOPIC_WORDS if "_" in w):
                hits.append(c.name)
            elif self.has_entity(c, "PROTECTION_INCIDENT"):
                hits.append(c.name)
        del names
        return hits

    @cached_property
    def severe_topic_title(self) -> bool:
        """The sheet or file name names a severe topic."""
        name = " ".join(x for x in (self.tres.name if self.tres else None, self.file.path) if x)
        n = lx.norm(name.replace("/", "_").replace("\\", "_"))
        return bool(set(n.split("_")) & lx.SEVERE_TOPIC_WORDS) or any(
            w in n for w in lx.SEVERE_TOPIC_WORDS if "_" in w)

    @cached_property
    def severe_topic_values(self) -> list[str]:
        """Columns whose sampled values mention a severe topic (the values never leave here)."""
        out = []
        for c in self.columns:
            if c.stats.inferred_type not in ("string", "text") or not c.sample:
                continue
            if any(lx.SEVERE_VALUE_RE.search(v) for v in c.sample[:200]):
                out.append(c.name)
        return out

    @property
    def severe_topic(self) -> bool:
        return bool(self.severe_topic_headers or self.severe_topic_title
                    or (self.row_level and self.severe_topic_values))

    @cached_property
    def contact_list(self) -> bool:
        """A list of aid-worker or partner contacts: contact columns beside organisation /
        position / focal-point columns, and no survey answers."""
        if self.tres is None:
            return False
        contact = [c for c in self.columns if self.has_entity(
            c, "PERSON", "PHONE_NUMBER", "EMAIL_ADDRESS") or self.hxl(c)[0] == "#contact"]
        if not contact:
            return False
        org = any(self.hxl(c)[0] == "#org" or self.tokens(c) & lx.CONTACT_LIST_WORDS
                  or self.norm(c) in lx.CONTACT_LIST_WORDS for c in self.columns)
        if not org:
            return False
        if any(self.tokens(c) & lx.SERVED_PEOPLE_WORDS for c in self.columns):
            return False
        survey = any(c.role == "sensitive" or self.has_entity(
            c, "AGE", "DATE_OF_BIRTH", "HOUSEHOLD_SIZE", "DISPLACEMENT_STATUS", "HEALTH",
            "DISABILITY", "ETHNICITY", "RELIGION", "PROTECTION_INCIDENT") for c in self.columns)
        return not survey
