"""Header normalisation and the header lexicon (data files in ``datasafe/detect/data``).

Matching is on whole tokens: a header is normalised (accents, case, separators, camelCase,
Kobo/ODK group prefixes, question numbers) into tokens, and a lexicon term matches when its
tokens appear consecutively in the header's tokens. ``lic`` never matches ``public``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"

# Small words dropped from headers and terms ("date of birth" == "date birth").
STOPWORDS = frozenset(
    "of the a an in on at for to by with from is are de du des la le les l d del el los las da do "
    "dos das e y et en au aux por para con al lo un una une".split()
)

_CAMEL1 = re.compile(r"([a-z\u00e0-\u00ff])([A-Z])")
_CAMEL2 = re.compile(r"([A-Z]+)([A-Z][a-z]{2,})")
_CAMEL3 = re.compile(r"([0-9])([A-Z][a-z])")
_SPLIT = re.compile(r"[\W_]+", re.UNICODE)
_POSSESSIVE = re.compile(r"['’]s\b", re.I)
# Kobo/ODK group path: "grp_demo/age", "group_hh/hh_size", "S1/Q3_age"
_GROUP_PREFIX = re.compile(r"^(?:[\w\-.]+[/:])+(?=[^/:]+$)")
# Question numbers and codes: q12, s2q3, 1, 2a, com12 (unless the token is a lexicon word)
_QNUM = re.compile(r"^(?:[a-z]{0,4}\d+[a-z]?\d*|[ivx]+)$")
_AR_DIACRITICS = re.compile(r"[\u064b-\u065f\u0670\u0640]")  # harakat, dagger alef, tatweel


def strip_accents(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def _arabic(token: str) -> str:
    token = _AR_DIACRITICS.sub("", token)
    token = (token.replace("أ", "ا").replace("إ", "ا").replace("آ", "ا").replace("ة", "ه")
             .replace("ى", "ي"))
    for prefix in ("وال", "بال", "لل", "ال"):
        if token.startswith(prefix) and len(token) - len(prefix) >= 2:
            token = token[len(prefix):]
            break
    return token


def _has_arabic(token: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in token)


def tokens(text: str, *, drop_numbers: bool = True, vocabulary: frozenset | None = None) -> list[str]:
    """Normalised tokens of a header or a lexicon term."""
    text = _POSSESSIVE.sub("", str(text))
    text = _CAMEL3.sub(r"\1 \2", _CAMEL2.sub(r"\1 \2", _CAMEL1.sub(r"\1 \2", text)))
    text = strip_accents(text).lower()
    out = []
    for tok in _SPLIT.split(text):
        if not tok:
            continue
        if _has_arabic(tok):
            tok = _arabic(tok)
        if tok in STOPWORDS:
            continue
        if drop_numbers and _QNUM.match(tok) and not (vocabulary and tok in vocabulary):
            continue
        out.append(tok)
    return out


def header_segments(header: str) -> list[str]:
    """The header's last path segment first (Kobo group prefixes removed), then the whole."""
    h = str(header).strip()
    m = _GROUP_PREFIX.match(h)
    if m and " " not in m.group(0):
        return [h[m.end():], h]
    return [h]


@dataclass(frozen=True)
class Term:
    tokens: tuple[str, ...]
    entity: str
    role: str
    weight: float
    generic: bool = False
    qualifier: bool = False
    text: str = ""


@dataclass
class HeaderMatch:
    entity: str
    role: str
    weight: float
    term: str
    generic: bool


class Lexicon:
    def __init__(self, terms: list[Term]):
        self.terms = terms
        self.by_first: dict[str, list[Term]] = {}
        vocab = set()
        for t in terms:
            self.by_first.setdefault(t.tokens[0], []).append(t)
            vocab.update(t.tokens)
        self.vocabulary = frozenset(vocab)

    def header_tokens(self, header: str) -> list[str]:
        return tokens(header, vocabulary=self.vocabulary)

    def match_tokens(self, toks: list[str]) -> list[HeaderMatch]:
        hits: list[tuple[int, int, Term]] = []
        stems = [(t, t[:-1] if len(t) > 3 and t.endswith("s") else t) for t in toks]
        n = len(toks)
        for i in range(n):
            for cand in {stems[i][0], stems[i][1]}:
                for term in self.by_first.get(cand, ()):
                    k = len(term.tokens)
                    if i + k > n:
                        continue
                    if all(term.tokens[j] in stems[i + j] for j in range(k)):
                        hits.append((i, i + k, term))
        # a term inside a longer matching term gives way to it ("disabled" in "disabled reason")
        kept = [h for h in hits if not any(
            o is not h and o[0] <= h[0] and h[1] <= o[1] and (o[1] - o[0]) > (h[1] - h[0])
            for o in hits)]
        found: dict[tuple[str, str], HeaderMatch] = {}
        for i, j, term in kept:
            key = (term.entity, term.role)
            score = term.weight + 0.01 * (j - i)  # a longer term is more specific
            prev = found.get(key)
            if prev is None or score > prev.weight:
                found[key] = HeaderMatch(term.entity, term.role, score, term.text, term.generic)
        return list(found.values())

    def match(self, header: str) -> list[HeaderMatch]:
        """Entity candidates of a header, strongest first. Generic terms are dropped when a
        specific term of another entity (or a blocker) matches the same header."""
        matches: list[HeaderMatch] = []
        segments = header_segments(header)
        for k, seg in enumerate(segments):
            matches = self.match_tokens(self.header_tokens(seg))
            if matches and k:
                # only the group prefix matched ("grp_health/wg_seeing"): context, not meaning
                matches = [HeaderMatch(m.entity, m.role, m.weight * 0.85, m.term, True)
                           for m in matches]
            if matches:
                break
        specific = [m for m in matches if not m.generic]
        if specific:
            matches = specific + [m for m in matches if m.generic
                                  and any(s.entity == m.entity for s in specific)]
        return sorted(matches, key=lambda m: -m.weight)


def _load_yaml(path: Path):
    import yaml

    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506


def _terms_from(groups) -> list[Term]:
    out: list[Term] = []
    for g in groups or []:
        entity = str(g["entity"]).upper()
        role = str(g.get("role", "none"))
        weight = float(g.get("weight", 0.7))
        for raw in g.get("terms", []) or []:
            toks = tuple(tokens(str(raw), drop_numbers=False))
            if not toks:
                continue
            out.append(Term(toks, entity, role, weight, bool(g.get("generic", False)),
                            bool(g.get("qualifier", False)), str(raw)))
    return out


@lru_cache(maxsize=8)
def load_lexicon(extra: tuple[str, ...] = ()) -> Lexicon:
    terms = _terms_from(_load_yaml(DATA / "headers.yaml"))
    for p in extra:
        terms.extend(_terms_from(_load_yaml(Path(p))))
    return Lexicon(terms)


_NORM_SEP = re.compile(r"[\s_\-'’./]+")


def norm_value(text: str) -> str:
    """Normalised form of a categorical value, for value-list membership."""
    t = str(text)
    if t.isascii():
        return _NORM_SEP.sub(" ", t.lower()).strip()
    t = strip_accents(t).lower().strip()
    t = _NORM_SEP.sub(" ", t).strip()
    if _has_arabic(t):
        t = " ".join(_arabic(w) for w in t.split())
    return t


@dataclass
class ValueList:
    name: str
    entity: str
    role: str
    values: frozenset


@lru_cache(maxsize=8)
def load_value_lists(extra: tuple[str, ...] = ()) -> dict[str, ValueList]:
    raw = dict(_load_yaml(DATA / "values.yaml"))
    for p in extra:
        for k, v in (_load_yaml(Path(p)) or {}).items():
            if k in raw:
                raw[k] = dict(raw[k])
                raw[k]["values"] = list(raw[k].get("values", [])) + list(v.get("values", []))
            else:
                raw[k] = v
    out = {}
    for name, spec in raw.items():
        vals = frozenset(norm_value(v) for v in spec.get("values", []) or [])
        out[name] = ValueList(name, str(spec.get("entity", "NONE")).upper(),
                              str(spec.get("role", "none")), vals)
    return out


@lru_cache(maxsize=4)
def load_given_names(extra: tuple[str, ...] = ()) -> frozenset:
    names = set(norm_value(v) for v in (_load_yaml(DATA / "names.yaml") or {}).get(
        "given_names", []))
    for p in extra:
        names.update(norm_value(v) for v in (_load_yaml(Path(p)) or {}).get("given_names", []))
    return frozenset(names)


@lru_cache(maxsize=1)
def load_hxl() -> dict:
    return _load_yaml(DATA / "hxl.yaml")
