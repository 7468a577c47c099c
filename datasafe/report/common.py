"""What every human-readable report shares: the message catalogues, localised findings, and
the risk figures pulled out of a :class:`~datasafe.model.RiskResult` in one shape.

Message catalogues are data (``datasafe/report/locales/<lang>.yaml``): a new language is a new
file, no code. Keys missing from a language fall back to English. Check titles, messages and
fixes come from the check catalogue (``datasafe.checking.catalogue()``), whose entries may hold
a block per language (``fr: {title, message, fix, explanation}``); they too fall back to
English, then to what the finding itself carries.

Nothing here reads data values: reports only ever see masked examples.
"""

from __future__ import annotations

import math
import re
import string
from dataclasses import dataclass
from functools import cache
from typing import Any

from datasafe.detect.mask import SENSITIVE_MASK
from datasafe.model import SENSITIVITY_RANK, SEVERITIES, SEVERITY_RANK, ScanResult

DEFAULT_LANG = "en"


# --------------------------------------------------------------------------- message catalogue


def locales_dir():
    from datasafe.resources import package_file

    return package_file("report", "locales")


def available_languages() -> list[str]:
    return sorted(p.stem for p in locales_dir().glob("*.yaml"))


@cache
def _load_locale(lang: str) -> dict:
    import yaml

    path = locales_dir() / f"{lang}.yaml"
    if not path.is_file():
        return {}
    data = yaml.load(path.read_text(encoding="utf-8"),  # noqa: S506 - a safe loader
                     Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    return data if isinstance(data, dict) else {}


class _SafeDict(dict):
    def __missing__(self, key):  # leave unknown placeholders visible rather than failing
        return "{" + key + "}"


def safe_format(template: str, params: dict[str, Any] | None) -> str:
    """``str.format_map`` that never raises on a missing key or a stray brace."""
    if not params:
        return template
    try:
        return string.Formatter().vformat(template, (), _SafeDict(params))
    except (ValueError, IndexError, AttributeError, KeyError):
        return template


_LEVEL_DETAILS = ("sensitivity_level", "allowed", "detected", "declared")


class Phrase(str):
    """A sentence built in code that can be said in the reader's language.

    It *is* its English text (a ``str``: JSON logs, plan files and every other place that
    stores or compares it keep the English wording, as the report contract does), and it
    remembers its catalogue key and parameters, so that :func:`say` renders it in another
    language. A parameter that is itself a Phrase is said in the same language."""

    key: str
    params: dict[str, Any]

    def __new__(cls, key: str, **params: Any) -> Phrase:
        obj = super().__new__(cls, Messages(DEFAULT_LANG)(key, **params))
        obj.key, obj.params = key, params
        return obj

    def __reduce__(self):  # pickled as what it says (plain text) plus how to say it again
        return (_phrase, (self.key, self.params))

    def said(self, m: Messages) -> str:
        def one(k: str, v: Any) -> Any:
            if k == "entity" and isinstance(v, str) and not hasattr(v, "said"):
                named = m.raw(f"entity_names.{v}")  # "numéro de téléphone", not PHONE_NUMBER
                if isinstance(named, str) and m.lang != DEFAULT_LANG:
                    return named
            return say(m, v)

        return m(self.key, **{k: one(k, v) for k, v in self.params.items()})


def _phrase(key: str, params: dict[str, Any]) -> Phrase:
    return Phrase(key, **params)


_FIGURE_NUMBER = re.compile(r"(?<![\w.])(\d+)(?:\.(\d+))?(?![\w.])")


class Figure(str):
    """A number a check writes in English within its text ("7.8 %", "0.1 m", "100%"): it *is*
    that text (the JSON report keeps it), and :func:`say` writes its numbers the way of the
    reader's language ("7,8 %", "0,1 m")."""

    def said(self, m: Messages) -> str:
        def number(match: re.Match) -> str:
            whole, frac = match.group(1), match.group(2)
            text = m.num(int(whole), 0)
            return text + (m.decimal + frac if frac else "")

        text = _FIGURE_NUMBER.sub(number, str(self))
        return re.sub(r"\s?%", m.percent_sign, text)


def said_number(m: Messages, value: Any) -> Any:
    """A number among a finding's details written the way of ``m``'s language (as the tables
    of the report write theirs): a decimal comma, thousands grouped ("1 200"), at most two
    decimals with no trailing zero; anything else as it is."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if isinstance(value, int):
        return m.num(value, 0)
    if value != value or value in (float("inf"), float("-inf")):
        return m.num(value)
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return Figure(text).said(m)


def say(m: Messages, text: Any) -> Any:
    """``text`` in ``m``'s language when it knows how to say itself (a :class:`Phrase`, or any
    ``str`` with a ``said(m)`` method); anything else as it is (a reason typed into a plan file
    is shown as typed)."""
    said = getattr(text, "said", None)
    return said(m) if callable(said) and m.lang != DEFAULT_LANG else text


def error_line(m: Messages, path: str, error: Any) -> str:
    """``path: why it could not be read``, in ``m``'s language."""
    return m("errors.line", path=path, error=say(m, error))


class Messages:
    """Look up dotted keys in a language's catalogue, falling back to English."""

    def __init__(self, lang: str | None = None):
        lang = (lang or DEFAULT_LANG).lower().split("-")[0].split("_")[0]
        self.lang = lang if _load_locale(lang) else DEFAULT_LANG
        self._chain = [_load_locale(self.lang)]
        if self.lang != DEFAULT_LANG:
            self._chain.append(_load_locale(DEFAULT_LANG))

    def raw(self, key: str) -> Any:
        for cat in self._chain:
            node: Any = cat
            for part in key.split("."):
                if isinstance(node, dict) and part in node:
                    node = node[part]
                else:
                    node = None
                    break
            if node is not None:
                return node
        return None

    def __call__(self, key: str, **params: Any) -> str:
        value = self.raw(key)
        if value is None:
            return key.rsplit(".", 1)[-1]
        return safe_format(str(value), params)

    # numbers ------------------------------------------------------------------------------
    def num(self, value: Any, digits: int = 2) -> str:
        """A number written the language's way (decimal comma in French)."""
        if value is None:
            return "–"
        try:
            f = float(value)
        except (TypeError, ValueError):
            return str(value)
        if math.isnan(f):
            return "–"
        if math.isinf(f):
            return "∞"
        if digits == 0 or (isinstance(value, int) and not isinstance(value, bool)):
            text = f"{round(f):,}"
        else:
            text = f"{f:,.{digits}f}"
        dec = str(self.raw("decimal") or ".")
        thou = str(self.raw("thousands") or ",")
        return text.replace(",", "\x00").replace(".", dec).replace("\x00", thou)

    def pct(self, value: Any, digits: int = 2) -> str:
        if value is None:
            return "–"
        try:
            f = float(value) * 100
        except (TypeError, ValueError):
            return str(value)
        text = self.num(round(f, digits), digits)
        return text + self.percent_sign

    # labels --------------------------------------------------------------------------------
    @property
    def colon(self) -> str:
        return str(self.raw("colon") or ": ")

    def date(self, d) -> str:
        """A calendar date the way of the language (2025-03-30; 30/03/2025 in French)."""
        fmt = self.raw("date_format")
        return d.strftime(str(fmt)) if fmt and hasattr(d, "strftime") else str(d)

    @property
    def decimal(self) -> str:
        return str(self.raw("decimal") or ".")

    @property
    def percent_sign(self) -> str:
        """What follows a percentage: "%" in English, a narrow no-break space and "%" in
        French."""
        return "\u202f%" if self.lang == "fr" else "%"

    def severity(self, sev: str | None) -> str:
        return self(f"severity.{sev}") if sev else self("none")

    def singular(self, n: Any) -> bool:
        """Whether a count takes the singular: 1, and 0 in French (``zero_is_singular``)."""
        try:
            return int(n) == 1 or (int(n) == 0 and bool(self.raw("zero_is_singular")))
        except (TypeError, ValueError):
            return False

    def plural(self, key: str, n: Any, **params: Any) -> str:
        """``key_one`` or ``key_many`` (the singular for 1, and for 0 in French) with
        ``n`` written the language's way; ``key`` itself when the catalogue has no forms."""
        form = f"{key}_one" if self.singular(n) else f"{key}_many"
        return self(form if self.raw(form) is not None else key,
                    n=self.num(n, 0) if isinstance(n, (int, float)) and not isinstance(n, bool)
                    else n, **params)

    def table_summary(self, rows: int, columns: int) -> str:
        """"1 row, 8 columns" / « 1 ligne, 8 colonnes »."""
        return self("labels.table_summary", rows=self.plural("labels.rows", rows),
                    columns=self.plural("labels.columns", columns))

    def counted(self, sev: str, n: int) -> str:
        """``n`` findings of a severity ("3 high", « 3 élevés », « 0 critique »): the adjective
        agrees with the number (French takes the singular for 0 and 1)."""
        form = "one" if self.singular(n) else "many"
        return f"{self.num(n, 0)} " + self(f"redact.counted.{sev}.{form}")

    def sensitivity(self, level: str | None) -> str:
        return self(f"sensitivity.levels.{level}") if level else self("unknown")

    def sensitivity_meaning(self, level: str | None) -> str:
        return self(f"sensitivity.meaning.{level}") if level else ""

    def sensitivity_reasons(self, file_result) -> list[str]:
        """A file's sensitivity reasons in this language (the JSON report keeps English)."""
        details = (getattr(file_result, "extra", None) or {}).get("sensitivity_details")
        if self.lang == DEFAULT_LANG or not details:
            return list(file_result.sensitivity_reasons)
        from datasafe.checking.sensitivity import reasons_in

        return reasons_in(details, self.lang)

    def role(self, role: str) -> str:
        return self(f"role.{role}")

    def role_short(self, role: str) -> str:
        return self(f"role.short.{role}")

    def evidence(self, items: list[str]) -> str:
        return ", ".join(self(f"evidence.{e}") for e in items)


# --------------------------------------------------------------------------- check catalogue


@cache
def _catalogue() -> dict:
    try:
        from datasafe.checking import catalogue

        cat = catalogue()
        return cat if isinstance(cat, dict) else {}
    except Exception:  # noqa: BLE001 - a report never fails because the catalogue is absent
        return {}


def catalogue_entry(check_id: str) -> dict:
    entry = _catalogue().get(check_id)
    return entry if isinstance(entry, dict) else {}


def clear_catalogue_cache() -> None:
    _catalogue.cache_clear()


def _text(value: Any) -> str | None:
    """A catalogue value as one string (catalogue fields may be strings, lists or mappings)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (list, tuple)):
        parts = [_text(v) for v in value]
        return "; ".join(p for p in parts if p) or None
    if isinstance(value, dict):
        for key in ("text", "citation", "summary", "description"):
            if isinstance(value.get(key), str):
                return value[key].strip()
        parts = [str(v) for k, v in value.items() if isinstance(v, (str, int, float))
                 and k not in ("url", "uri", "href")]
        return ", ".join(parts) or None
    return str(value)


def guidance_text(value: Any) -> str | None:
    """A guidance citation: ``"OCHA-DRG21 §de-identification"``-like, from a string, a mapping
    ``{source, section, ...}`` or a list of them."""
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, (list, tuple)):
        parts = [guidance_text(v) for v in value]
        return "; ".join(p for p in parts if p) or None
    if isinstance(value, dict):
        if isinstance(value.get("citation"), str):
            return value["citation"]
        if "citations" in value or "summary" in value:
            cites = [guidance_text(c) for c in value.get("citations") or []]
            cites = [c for c in cites if c]
            summary = str(value.get("summary") or "").strip()
            if cites:
                return f"{summary} [{'; '.join(cites)}]" if summary else "; ".join(cites)
            return summary or None
        src = value.get("source") or value.get("key") or value.get("title")
        sec = value.get("section")
        bits = [str(b) for b in (src, sec) if b]
        return " ".join(bits) or _text(value)
    return str(value)


def guidance_url(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("url", "uri", "href"):
            v = value.get(key)
            if isinstance(v, str) and re.match(r"https?://", v):
                return v
    if isinstance(value, (list, tuple)):
        for v in value:
            u = guidance_url(v)
            if u:
                return u
    if isinstance(value, str):
        m = re.search(r"https?://\S+", value)
        if m:
            return m.group(0).rstrip(").,;")
    return None


def check_text(check_id: str, field: str, lang: str) -> str | None:
    """One field of a check in a language: the catalogue's ``<lang>:`` block, then English."""
    entry = catalogue_entry(check_id)
    if not entry:
        return None
    if lang != DEFAULT_LANG:
        block = entry.get(lang) or (entry.get("i18n") or {}).get(lang) \
            or (entry.get("translations") or {}).get(lang)
        if isinstance(block, dict) and block.get(field):
            return _text(block[field])
    return _text(entry.get(field))


@dataclass
class LocalFinding:
    """A finding as a report shows it, in the report's language."""

    check: str
    severity: str
    file: str
    table: str | None
    column: str | None
    title: str
    message: str
    fix: str | None
    explanation: str | None
    guidance: str | None
    guidance_url: str | None
    accepted: dict | None
    finding: Any

    @property
    def location(self) -> str:
        return " › ".join(str(x) for x in (self.file, self.table, self.column) if x)


def localize(finding, lang: str = DEFAULT_LANG) -> LocalFinding:
    """Title, message, fix and explanation of a finding in ``lang``.

    In English the finding's own texts win (the check filled them with this scan's figures);
    in another language the catalogue's ``<lang>:`` block is used, its message formatted with
    ``finding.details``, and English is the fallback for whatever it lacks."""
    cid = finding.check
    details = dict(finding.details or {})
    details.setdefault("column", finding.column or "")
    details.setdefault("table", finding.table or "")
    details.setdefault("file", finding.file or "")

    variant = details.get("variant")
    if lang != DEFAULT_LANG:
        # phrases a check built ("newest date in column X"), sensitivity levels and
        # destinations are words of the report's language too
        m = Messages(lang)
        # the untranslated token, for a fix that gives a command or a setting to type
        # ("--destination {raw_destination}", "sensitivity: {raw_detected}")
        raw = {f"raw_{k}": details[k] for k in ("destination", *_LEVEL_DETAILS)
               if details.get(k) is not None}
        details = {k: say(m, v) if "year" in k else said_number(m, say(m, v))
                   for k, v in details.items()}
        for k in _LEVEL_DETAILS:
            if str(details.get(k)) in SENSITIVITY_RANK:
                details[k] = m.sensitivity(str(details[k])).lower()
        if details.get("destination"):
            named = _destination_names(lang)
            details["destination"] = named.get(str(details["destination"]),
                                               details["destination"])
        details.update(raw)
        for k in ("date", "retain_until", "review_date", "due"):  # 2024-03-30 → 30/03/2024
            v = details.get(k)
            if isinstance(v, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", v):
                import datetime as _dt

                try:
                    details[k] = m.date(_dt.date.fromisoformat(v))
                except ValueError:
                    pass
        for k in ("entity", "attribute"):  # an entity code in a sentence: its name
            named = m.raw(f"entity_names.{details.get(k)}") if details.get(k) else None
            if isinstance(named, str):
                details[k] = named

    def pick(field: str, own: str | None) -> str | None:
        if lang != DEFAULT_LANG:
            template = _translated(cid, field, lang, variant)
            filled = _fill(template, details) if template else None
            if filled:
                return filled
        if own:
            return own
        english = check_text(cid, field, DEFAULT_LANG)
        return _fill(english, details) if english else None

    entry = catalogue_entry(cid)
    title = pick("title", finding.title) or cid
    message = pick("message", finding.message) or title
    fix = pick("fix", finding.fix)
    explanation = pick("explanation", finding.explanation) or (
        pick("rationale", None) if not finding.explanation else None)
    guidance_raw = finding.guidance or entry.get("guidance")
    guidance = guidance_text(guidance_raw) or guidance_text(entry.get("guidance"))
    said = _translated(cid, "guidance", lang) if lang != DEFAULT_LANG else None
    if said and isinstance(entry.get("guidance"), dict):  # the summary in the reader's language;
        from datasafe.checking.catalogue import citation  # citations as published

        guidance = citation({"guidance": {**entry["guidance"], "summary": " ".join(said.split())}})
    return LocalFinding(
        check=cid, severity=finding.severity, file=finding.file, table=finding.table,
        column=finding.column, title=title, message=message, fix=fix, explanation=explanation,
        guidance=guidance,
        guidance_url=guidance_url(entry.get("guidance")) or guidance_url(finding.guidance),
        accepted=getattr(finding, "accepted", None), finding=finding,
    )


@cache
def _destination_names(lang: str) -> dict:
    return dict(_load_locale(lang).get("destination_names") or {})


def _translated(check_id: str, field: str, lang: str, variant: str | None = None) -> str | None:
    """The raw template of a field in the catalogue's ``<lang>:`` block (None when absent).
    A finding of a message variant uses the block's ``messages: {variant: ...}`` only: the
    generic translated message would not say the same thing."""
    entry = catalogue_entry(check_id)
    block = entry.get(lang) or (entry.get("i18n") or {}).get(lang) \
        or (entry.get("translations") or {}).get(lang)
    if not isinstance(block, dict):
        return None
    from datasafe.checking.catalogue import VARIANT_KEYS

    plural = VARIANT_KEYS.get(field)
    if plural and variant:
        translated = (block.get(plural) or {}).get(variant)
        if translated:
            return _text(translated)
        if variant in (entry.get(plural) or {}):
            return None
    return _text(block.get(field))


def _fill(template: str, params: dict[str, Any]) -> str | None:
    """Fill a template only when every placeholder has a value (else the caller falls back to
    the English text, which the check already filled)."""
    try:
        names = {name.split(".")[0].split("[")[0]
                 for _, name, _, _ in string.Formatter().parse(template) if name}
    except ValueError:
        return None
    if names - set(params):
        return None
    return safe_format(template, params)


def sorted_findings(findings) -> list:
    """Most severe first, then by file, sheet, column and check id (stable, deterministic)."""
    return sorted(findings, key=lambda f: (-SEVERITY_RANK.get(f.severity, 0), f.file or "",
                                           f.table or "", f.column or "", f.check))


def findings_by_severity(findings) -> dict[str, list]:
    out: dict[str, list] = {s: [] for s in SEVERITIES}
    for f in sorted_findings(findings):
        out.setdefault(f.severity, []).append(f)
    return out


def severity_counts(result: ScanResult) -> dict[str, int]:
    counts = {s: 0 for s in SEVERITIES}
    for f in result.findings:
        if getattr(f, "accepted", None) is None:
            counts[f.severity] = counts.get(f.severity, 0) + 1
    return counts


def combination_counts(m: Messages, combo: dict) -> str:
    """"records 1, risk 1.00" / « 1 enregistrement, risque 1,00 » of a riskiest combination."""
    bits = []
    if combo.get("records") is not None:
        bits.append(m.plural("risk.combo_records", combo["records"]))
    if combo.get("risk") is not None:
        bits.append(f"{m('risk.individual_risk').lower()} {m.num(combo['risk'], 2)}")
    return ", ".join(bits)


def verdict_text(m: Messages, result: ScanResult, v: str) -> str:
    """The verdict's sentence; under a profile that never fails the run (workshop), also why
    the exit code is 0 although the file should not be shared as it is."""
    text = m(f"verdict.{v}_long", fail_on=m.severity(result.fail_on).lower())
    if v == "fail" and getattr(result, "never_fail", False):
        text += " " + m("verdict.never_fail", profile=result.profile or "")
    return text


def no_findings(m: Messages, result: ScanResult) -> str:
    """"No findings.", or, when the baseline or allow-list accepted some, how many."""
    n = sum(1 for f in result.findings if getattr(f, "accepted", None) is not None)
    if not n:
        return m("findings.none")
    return m("findings.none_accepted_one" if n == 1 else "findings.none_accepted_many",
             n=m.num(n, 0))


def verdict(result: ScanResult) -> str:
    """``fail`` when a finding not accepted reaches the failing severity, else ``error`` when a
    file could not be read, else ``pass``."""
    limit = SEVERITY_RANK.get(result.fail_on, 3)
    if any(SEVERITY_RANK.get(f.severity, 0) >= limit for f in result.findings
            if getattr(f, "accepted", None) is None):
        return "fail"
    if any(f.error for f in result.files):
        return "error"
    return "pass"


def overall_sensitivity(result: ScanResult) -> str | None:
    """The level the reports show; None when no file could be read (nothing was assessed: the
    JSON summary keeps the contract's lowest level, the reports say nothing rather than "low")."""
    if result.files and all(f.error for f in result.files):
        return None
    levels = [f.sensitivity for f in result.files if f.sensitivity]
    if levels:
        return max(levels, key=lambda s: SENSITIVITY_RANK.get(s, 0))
    return result.summary.sensitivity


def all_clear(result: ScanResult) -> bool:
    """Nothing to tell: no error, no finding, no flagged column, no reading note (a stray
    quote that merged rows is worth saying even when nothing else is)."""
    if any(f.error for f in result.files) or result.findings:
        return False
    return not any(flagged_columns(t) or t.notes for t in result.tables)


# --------------------------------------------------------------------------- tables and columns


def flagged_columns(table) -> list:
    """Columns that identify or reveal: role other than ``none`` (free-text columns too)."""
    return [c for c in table.columns if c.role != "none" or c.free_text]


def table_label(m: Messages, table) -> str:
    if table.name is None:
        return m("labels.table")
    return m("labels.sheet_named", name=table.name)


def column_evidence(col) -> list[str]:
    if not col.entities:
        return []
    return list(col.entities[0].evidence)


def column_entity(col) -> str:
    ent = col.entity
    if ent:
        return ent
    return "FREE_TEXT" if col.free_text else ""


# --------------------------------------------------------------------------- masking fallback


def mask(value: Any, entity: str | None = None) -> str:
    """Mask one value with the detector's masker when it is there, else keep only the shape."""
    text = "" if value is None else str(value)
    try:
        from datasafe.detect.mask import mask_value

        return mask_value(text, entity)
    except Exception:  # noqa: BLE001 - masker not there yet, or it refused the value
        if len(text) <= 2:
            return "•" * len(text)
        return text[0] + "•" * min(len(text) - 1, 8)


# --------------------------------------------------------------------------- risk


@dataclass
class RiskView:
    """The risk block of one table, with the optional fields normalised."""

    quasi_identifiers: list[str]
    k_min: int | None
    k_threshold: int
    records_below_k: int
    rows: int
    global_risk: float
    expected_reidentifications: float
    household_global_risk: float | None
    household_expected_reidentifications: float | None
    records_above_risk_threshold: int | None
    risk_threshold: float | None
    violations: list[tuple[str, int]]
    class_sizes: list[tuple[str, float]]
    risk_histogram: list[tuple[str, float]]
    riskiest: list[dict]
    small_cells: Any


def _num(value: Any) -> float | None:
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else f


def histogram_pairs(obj: Any) -> list[tuple[str, float]]:
    """Normalise a histogram given as ``{label: count}``, ``[[label, count], ...]``,
    ``[{"bin"|"label"|"size"|"range"|..., "count"|"records"|...}, ...]``,
    ``{"bins"/"edges": [...], "counts": [...]}`` into ``[(label, count), ...]``."""
    if obj is None:
        return []
    out: list[tuple[str, float]] = []
    if isinstance(obj, dict):
        counts = obj.get("counts") or obj.get("count") or obj.get("records")
        bins = obj.get("labels") or obj.get("bins") or obj.get("edges") or obj.get("sizes")
        if isinstance(counts, (list, tuple)) and isinstance(bins, (list, tuple)):
            if len(bins) == len(counts) + 1:  # edges
                labels = [f"{_fmt_edge(bins[i])}–{_fmt_edge(bins[i + 1])}"
                          for i in range(len(counts))]
            else:
                labels = [_fmt_edge(b) for b in bins[:len(counts)]]
            for label, c in zip(labels, counts):
                n = _num(c)
                if n is not None:
                    out.append((str(label), n))
            return out
        for k, v in obj.items():
            n = _num(v)
            if n is not None:
                out.append((str(k), n))
        return out
    if isinstance(obj, (list, tuple)):
        for item in obj:
            if isinstance(item, (list, tuple)) and len(item) >= 2:
                n = _num(item[-1])
                if n is not None:
                    label = item[0] if len(item) == 2 else f"{_fmt_edge(item[0])}–{_fmt_edge(item[1])}"
                    out.append((str(_fmt_edge(label)), n))
            elif isinstance(item, dict):
                n = None
                for key in ("count", "records", "n", "frequency", "value"):
                    if key in item:
                        n = _num(item[key])
                        break
                if n is None:
                    continue
                label = None
                for key in ("label", "bin", "range", "size", "class_size", "k", "risk"):
                    if key in item:
                        label = item[key]
                        break
                if label is None and ("lower" in item or "from" in item or "min" in item):
                    lo = item.get("lower", item.get("from", item.get("min")))
                    hi = item.get("upper", item.get("to", item.get("max")))
                    label = f"{_fmt_edge(lo)}–{_fmt_edge(hi)}"
                out.append((str(_fmt_edge(label)) if label is not None else str(len(out)), n))
    return out


def _fmt_edge(v: Any) -> Any:
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, (list, tuple)) and len(v) == 2:
        return f"{_fmt_edge(v[0])}–{_fmt_edge(v[1])}"
    return v


def _violations(obj: Any) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            n = v.get("records") if isinstance(v, dict) else v
            n = _num(n)
            if n is not None:
                out.append((str(k).lstrip("k"), int(n)))
    elif isinstance(obj, list):
        for item in obj:
            if isinstance(item, dict) and "k" in item:
                n = _num(item.get("records", item.get("count")))
                if n is not None:
                    out.append((str(item["k"]), int(n)))
    try:
        out.sort(key=lambda kv: float(kv[0]))
    except ValueError:
        pass
    return out


def class_sizes_from_violations(violations: list[tuple[str, int]], rows: int
                                ) -> list[tuple[str, float]]:
    """Records by equivalence-class size, derived from the k-anonymity violations when the risk
    stage gave no histogram: ``violations[k]`` counts the records in classes smaller than k, so
    the differences between successive k are the records in each band of sizes."""
    try:
        ks = sorted({int(float(k)) for k, _ in violations})
    except ValueError:
        return []
    counts = {int(float(k)): n for k, n in violations}
    if not ks or not rows or ks[0] < 2:
        return []
    out: list[tuple[str, float]] = []
    lower, below = 1, 0
    for k in ks:
        n = counts[k] - below
        label = str(lower) if k - 1 == lower else f"{lower}–{k - 1}"
        out.append((label, float(max(n, 0))))
        lower, below = k, counts[k]
    out.append((f"{lower}+", float(max(rows - below, 0))))
    return out


def _risk_split(extra: dict, rows: int) -> list[tuple[str, float]]:
    """Records at or below / above the individual-risk threshold, when no histogram is given."""
    above = _num(extra.get("records_above_risk_threshold"))
    thr = _num(extra.get("individual_risk_threshold") or extra.get("risk_threshold"))
    if above is None or thr is None or not rows:
        return []
    pct = f"{thr * 100:g}%"
    return [(f"≤ {pct}", float(max(rows - above, 0))), (f"> {pct}", float(above))]


def _roles_by_name(table) -> dict[str, tuple[str, str | None]]:
    roles: dict[str, tuple[str, str | None]] = {}
    for c in table.columns:
        roles[c.name] = (c.role, c.entity)
        roles[c.key] = (c.role, c.entity)
    return roles


def riskiest_combinations(table, extra: dict) -> list[dict]:
    """``[{"values": [(column, value), ...], "records": n|None, "risk": r|None}, ...]``.

    Accepts the risk developer's shape loosely (``values``/``key``/``combination`` as a mapping
    or a list; ``count``/``fk``/``size``/``records``; ``risk``/``individual_risk``). A value of a
    ``direct`` or ``sensitive`` column is masked here again, whatever the risk stage did."""
    raw = extra.get("riskiest_combinations") or extra.get("riskiest_keys") or []
    if not isinstance(raw, (list, tuple)):
        return []
    roles = _roles_by_name(table)
    qi = list(table.risk.quasi_identifiers) if table.risk else []
    out = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        vals = None
        for key in ("values", "key", "combination", "keys", "combo"):
            if key in item:
                vals = item[key]
                break
        pairs: list[tuple[str, str]] = []
        if isinstance(vals, dict):
            pairs = [(str(k), v) for k, v in vals.items()]
        elif isinstance(vals, (list, tuple)):
            if vals and all(isinstance(v, (list, tuple)) and len(v) == 2 for v in vals):
                pairs = [(str(k), v) for k, v in vals]
            else:
                names = item.get("columns") or item.get("variables") or qi
                pairs = [(str(names[i]) if i < len(names) else f"#{i + 1}", v)
                         for i, v in enumerate(vals)]
        elif isinstance(vals, str):
            pairs = [("", vals)]
        safe_pairs = []
        for col, v in pairs:
            role, entity = roles.get(col, ("none", None))
            text = "∅" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
            if role in ("direct", "sensitive") and text != "∅" and "•" not in text:
                text = mask(text, entity)
            safe_pairs.append((col, text))
        records = None
        for key in ("records", "count", "fk", "size", "frequency", "n"):
            if key in item:
                records = _num(item[key])
                break
        risk = None
        for key in ("risk", "individual_risk", "max_risk"):
            if key in item:
                risk = _num(item[key])
                break
        out.append({"values": safe_pairs, "records": records, "risk": risk})
    return out


def risk_view(table) -> RiskView | None:
    r = table.risk
    if r is None:
        return None
    x = dict(r.extra or {})
    thr = x.get("individual_risk_threshold") or x.get("risk_threshold")
    return RiskView(
        quasi_identifiers=list(r.quasi_identifiers),
        k_min=r.k_min,
        k_threshold=int(r.k_threshold),
        records_below_k=int(r.records_below_k),
        rows=int(table.rows or 0),
        global_risk=float(r.global_risk),
        expected_reidentifications=float(r.expected_reidentifications),
        household_global_risk=_num(x.get("household_global_risk")),
        household_expected_reidentifications=_num(x.get("household_expected_reidentifications")),
        records_above_risk_threshold=(None if _num(x.get("records_above_risk_threshold")) is None
                                      else int(_num(x.get("records_above_risk_threshold")))),
        risk_threshold=_num(thr),
        violations=_violations(x.get("violations")),
        class_sizes=histogram_pairs(x.get("class_size_histogram")
                                    or x.get("equivalence_class_sizes"))
        or class_sizes_from_violations(_violations(x.get("violations")), int(table.rows or 0)),
        risk_histogram=histogram_pairs(x.get("risk_histogram")
                                       or x.get("individual_risk_histogram"))
        or _risk_split(x, int(table.rows or 0)),
        riskiest=riskiest_combinations(table, x),
        small_cells=x.get("small_cells"),
    )


def _count_table_lines(m: Messages, rv: RiskView, sc: dict) -> list[tuple[str, str]]:
    """The risk block of a table of counts: its cells, not people (no k, no global risk; never
    a small cell's count, which is the protected value)."""
    checked = int(sc.get("cells_checked") or 0)
    small = int(sc.get("small") or 0)
    threshold = sc.get("threshold", rv.k_threshold)
    lines = [
        (m("risk.breakdown_columns"), ", ".join(sc.get("group_columns") or []) or m("none")),
        (m("risk.count_cells_checked"), m.num(checked, 0)),
        (m("risk.small_cells_below", threshold=threshold),
         m.num(small, 0) + (f" ({m.pct(small / checked, 1)})" if checked else "")),
    ]
    if sc.get("min_count") is not None:
        lines.append((m("risk.smallest_count"), m.num(sc["min_count"], 0)))
    lines.append((m("risk.recoverable_cells"), m.num(int(sc.get("recoverable_count") or 0), 0)))
    return lines


def risk_heading(m: Messages, rv: RiskView) -> str:
    """The risk block's heading: a table of counts has small cells, not re-identification."""
    return m("risk.count_heading") if isinstance(rv.small_cells, dict) else m("risk.heading")


def risk_lines(m: Messages, rv: RiskView) -> list[tuple[str, str]]:
    """The risk block as (label, value) lines, shared by text, Markdown and HTML."""
    if isinstance(rv.small_cells, dict):
        return _count_table_lines(m, rv, rv.small_cells)
    lines = [
        (m("risk.key_variables"), ", ".join(rv.quasi_identifiers) or m("none")),
        (m("risk.k_min"), m("risk.k_min_value", k_min=m.num(rv.k_min, 0)
                            if rv.k_min is not None else "–", k_threshold=rv.k_threshold)),
        (m("risk.records_below_k", k_threshold=rv.k_threshold),
         f"{m.num(rv.records_below_k, 0)}"
         + (f" ({m.pct(rv.records_below_k / rv.rows, 1)})" if rv.rows else "")),
        (m("risk.global_risk"), m.pct(rv.global_risk)),
        (m("risk.expected_reidentifications"), m.num(rv.expected_reidentifications, 2)),
    ]
    if rv.household_global_risk is not None or rv.household_expected_reidentifications is not None:
        lines.append((m("risk.household_global_risk"), m.pct(rv.household_global_risk)))
        lines.append((m("risk.household_expected_reidentifications"),
                      m.num(rv.household_expected_reidentifications, 2)))
    if rv.records_above_risk_threshold is not None:
        label = m("risk.records_above_risk_threshold")
        if rv.risk_threshold is not None:
            label += f" ({m.num(rv.risk_threshold, 2)})"
        lines.append((label, m.num(rv.records_above_risk_threshold, 0)))
    if rv.violations:
        lines.append((m("risk.violations"), ", ".join(
            m("risk.violations_item", k=k, count=m.num(n, 0)) for k, n in rv.violations)))
    return lines


def combination_text(combo: dict) -> str:
    return ", ".join(f"{c}={v}" if c else str(v) for c, v in combo["values"])


def _mask_combination_values(table, combos: Any) -> Any:
    """A copy of ``riskiest_combinations`` whose direct/sensitive values are masked."""
    if not isinstance(combos, list):
        return combos
    roles = _roles_by_name(table)
    qi = list(table.risk.quasi_identifiers) if table.risk else []

    def safe(col, v):
        role, entity = roles.get(str(col), ("none", None))
        if role == "sensitive" and v is not None:
            return SENSITIVE_MASK
        if role == "direct" and v is not None and "•" not in str(v):
            return mask(str(v), entity)
        return v

    out = []
    for item in combos:
        if not isinstance(item, dict):
            out.append(item)
            continue
        item = dict(item)
        for key in ("values", "key", "combination", "keys", "combo"):
            vals = item.get(key)
            if isinstance(vals, dict):
                item[key] = {k: safe(k, v) for k, v in vals.items()}
            elif isinstance(vals, list):
                if vals and all(isinstance(v, (list, tuple)) and len(v) == 2 for v in vals):
                    item[key] = [[k, safe(k, v)] for k, v in vals]
                else:
                    names = item.get("columns") or item.get("variables") or qi
                    item[key] = [safe(names[i], v) if i < len(names) else v
                                 for i, v in enumerate(vals)]
        out.append(item)
    return out


def masked_dict(result: ScanResult) -> dict:
    """``result.to_dict()`` with the riskiest key combinations masked again (defence in depth:
    a value of a direct or sensitive column never reaches a report, whoever produced it)."""
    d = result.to_dict()
    for fres, fd in zip(result.files, d.get("files", [])):
        for t, td in zip(fres.tables, fd.get("tables", [])):
            risk = td.get("risk")
            if isinstance(risk, dict):
                for key in ("riskiest_combinations", "riskiest_keys"):
                    if key in risk:
                        risk[key] = _mask_combination_values(t, risk[key])
    return d
