"""Column headers (and sheet names) that are people's names.

An attendance register or a distribution checklist often has one column per person::

    session_date,Amina Kabila,Jean-Pierre Mbuyi,Zawadi Lukusa
    2024-02-01,1,0,1

The names are in the header row, not in the cells, so no value recognizer sees them, and every
report, plan and log that prints a column name would print them. The reader replaces such headers
by ``person_1``, ``person_2``… (:func:`datasafe.read.mask_person_headers`), keeps the originals in
memory only, and every later stage, report and redacted copy sees the label.

One header at a time:

- it is *written like a name*: one to five words, capitalised (or all in capitals), no digit,
  once a Kobo group prefix (``attendance/``), a title (``Dr.``, ``Mme``), a trailing number or
  qualifier (``(2)``, `` - ECC``) and ``_``/``.``/comma joins (``Kabila, Amina``) are put aside;
- it is **strong** when it also holds a known given name (or follows a title) and no word the
  header lexicon knows ('Amina Yusuf', 'Dr. Jean Mbuyi');
- it is **weak** when it could be something else: a lone given name ('Amina'), a name holding a
  field word ('Amina Kabila': *kabila* is 'tribe' in Swahili), a name in lower case.

Then the table decides (places and organisations hold given names too: 'Nad Ali', 'Musa Qala',
'Don Bosco', 'Tumaini Letu'):

- a header under a place, organisation, sector or date HXL tag is never a person;
- a header starting with an article or a place word ('La Gloria', 'Sainte Marie') is not;
- among the headers written like names, at least half must hold a known given name: a pivot of
  districts where two of fourteen do ('Nad Ali' among 'Lashkargah', 'Sangin'…) is a list of
  places;
- weak headers count beside a strong one, or when there are at least three in all (a register of
  first names); words that are also ordinary words (*amani* 'peace', *neema* 'grace', 'Hope')
  never count alone;
- in a register (two strong names or more, most name-shaped headers holding a given name), the
  other headers written like names are people too, even with a given name the list does not know.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from contextvars import ContextVar

LABEL = "person_{n}"
CONTACT_LABEL = "contact_{n}"
MIN_SINGLE = 3  # weak headers alone count when the table has at least this many

# words of organisations, places and table vocabulary that a name header never holds
_NOT_A_PERSON = frozenset("""
aid corps relief international internationale council conseil committee comite children
foundation fondation fund fonds agency agence association society societe service services
mission vision care health sante hospital hopital clinic clinique school ecole university
universite college institute institut project projet programme program group groupe trust inc
ltd llc ngo ong camp site village town city ville district province region county state street
road avenue rue saint st san santa sao sainte ste santo port puerto lake lac mount mont river
north south east west nord sud est ouest central centre center upper lower haut bas new nouveau
total men women boys girls hommes femmes garcons filles church eglise ministry ministere union
federation cross crescent croix rouge red partners partenaires network reseau solidarity
solidarites action sector secteur cluster office bureau hub base team equipe week semaine month
mois day jour officer staff manager assistant coordinator agent worker volunteer supervisor
leader focal don villa vila ciudad bairro barrio colonia quartier localidad municipio
january february march april may june july august september october november december
janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
monday tuesday wednesday thursday friday saturday sunday
""".split())
# a header that starts with one of these is a place ('La Gloria', 'El Carmen', 'Le Robert')
_PLACE_START = frozenset("le la les el los las lo".split())
_PARTICLES = frozenset("de da do dos das du del della di van von der den bin ben binti bint wa "
                       "el al ibn la le".split())
# given names that are also ordinary words in the languages of the response: they never count
# on their own (groups, sites and churches are named 'Tumaini', 'Upendo', 'Amani')
_WORD_NAMES = frozenset("""
amani tumaini neema upendo imani baraka faraja furaha zawadi rehema mapendo bahati sifa
grace hope mercy patience chance divine innocent junior prosper tresor gloire merveille
esperance esperanca gloria luz rose said haji shah mir bol ana ann issa noor nour nur mya
""".split())
_TITLE = re.compile(r"^(?:dr|mr|mrs|ms|mme|mlle|m|sr|sra|srta|sister|soeur|sœur|pastor|"
                    r"pasteur|chief|chef|hon|prof|rev|fr|pere|père|mama|mzee|sheikh|cheikh)"
                    r"\.?\s+", re.IGNORECASE)
_TRAILER = re.compile(r"(?:\s*\((?:\d{1,3}|[A-Za-z]{1,3})\)|\s+\d{1,3}|\s+[-–]\s+[^\W\d_]{2,12})$")
_WORD = re.compile(r"^[^\W\d_]+(?:['’\-][^\W\d_]+)*$|^[^\W\d_]\.(?:-[^\W\d_]\.)?$")
_UNCASED = re.compile(r"[\u0600-\u06FF\u1200-\u137F]")  # Arabic, Ge'ez: no capitals
_NOT_PEOPLE_HXL = ("#adm", "#loc", "#geo", "#org", "#sector", "#date", "#region", "#country",
                   "#operations", "#activity", "#impact", "#severity", "#indicator", "#output")
_PLACE_ATTRS = ("adm", "loc", "org", "camp", "site", "district", "region", "country", "code")
# a header that is an e-mail address or an international phone number (a column per contact), or
# holds one ('tel: +243…', 'Amina +243…'); a local number only when it is the whole header
_EMAIL = re.compile(r"[^@\s,;:()]+@[^@\s,;:()]+\.[A-Za-z]{2,}")
_INTL_PHONE = re.compile(r"\+\d[\d\s().-]{7,}\d")
_LOCAL_PHONE = re.compile(r"0\d{8,10}")


def _words(header: str) -> tuple[list[str], bool]:
    """The words of a header written like a name, once its wrapping is put aside, and whether
    it began with a title ('Dr.'); empty when it is not written like one."""
    h = header.strip()
    if "/" in h:  # a Kobo group prefix: 'attendance/Amina Yusuf'
        h = h.rsplit("/", 1)[1].strip()
    titled = False
    m = _TITLE.match(h)
    if m and len(h) > m.end():
        h, titled = h[m.end():], True
    h = _TRAILER.sub("", h).strip()
    if h.count(",") == 1:  # 'Kabila, Amina'
        a, b = (x.strip() for x in h.split(","))
        h = f"{b} {a}"
    if " " not in h and re.fullmatch(r"[^\W\d_]+(?:[_.][^\W\d_]+){1,3}", h):
        h = re.sub(r"[_.]", " ", h)  # 'Amina_Kabila', 'Amina.Kabila'
    words = h.split()
    if not 1 <= len(words) <= 5 or not all(_WORD.match(w) for w in words):
        return [], False
    return words, titled


def _shape(header, lex, given) -> str | None:
    """``"strong"`` or ``"weak"`` (see the module's docstring); ``"shaped"`` when it is written
    like a name but is not one by itself (no known given name, a place or organisation word,
    an article first: 'Lashkargah', 'Mercy Corps', 'La Gloria'); None when it is not written
    like a name at all (a field: 'session_date', 'Age group')."""
    if not isinstance(header, str):
        return None
    words, titled = _words(header)
    if not words:
        return None
    lower = False
    if not _UNCASED.search(header):
        named = [w for w in words if w.lower() not in _PARTICLES]
        if not named:
            return None
        if all(w == w.lower() for w in words):
            lower = True  # 'amina kabila': a name, or a field
        elif not all(w[0].isupper() for w in named) or not words[0][0].isupper():
            return None
    joined = " ".join(words)
    toks = lex.header_tokens(joined)
    if not toks or any(m.entity == "NONE" for m in lex.match(joined)):
        return None  # a field the lexicon knows as harmless ('Grace period')
    vocabulary = lex.vocabulary
    field_word = any(t in vocabulary and t not in _PARTICLES for t in toks)
    if lower and (field_word or len(words) == 1):
        return None
    if any(t in _NOT_A_PERSON for t in toks) or (words[0].lower() in _PLACE_START
                                                 and len(words) > 1):
        return None if lower else "shaped"
    # the given name itself must not be a field word ('Patient name': patient is both)
    known = [t for t in toks if t in given and t not in vocabulary]
    if len(words) == 1:
        if titled and not lower:
            return "strong"  # 'Dr. Kasongo', 'Mme Furaha'
        if field_word:
            return None
        return "weak" if known and known[0] not in _WORD_NAMES else "shaped"
    initial = any(len(w) >= 2 and w.endswith(".") for w in words[:-1]) and len(words[-1]) > 2
    if not known and not titled:
        if initial and not lower:
            return "weak"  # 'A. Kabila', 'J.-P. Mbuyi'
        return None if (field_word or lower) else "shaped"
    if lower or all(t in _WORD_NAMES for t in known):
        return "weak"  # 'amina yusuf', 'Tumaini Letu'
    if field_word and lex.header_tokens(words[0]) != [known[0]]:
        return "weak"  # 'Kabila Amina': a field word first
    return "strong"  # 'Amina Yusuf'; 'Amina Kabila' too (kabila is 'tribe' in Swahili)


# the project's own name lists and lexicon (``given_names:``, ``lexicon:`` in its
# configuration), for the scan or redaction under way: the reader has no options to pass them
_CONFIG_FILES: ContextVar[tuple[tuple[str, ...], tuple[str, ...]]] = ContextVar(
    "datasafe_header_config", default=((), ()))


@contextmanager
def project_lists(options):
    """Use the configuration's ``given_names`` and ``lexicon`` files for the headers read
    inside the ``with`` block."""
    from datasafe.detect import _config_files

    token = _CONFIG_FILES.set((_config_files(options, "given_names"),
                               _config_files(options, "lexicon")))
    try:
        yield
    finally:
        _CONFIG_FILES.reset(token)


def load_word_lists() -> None:
    """Load the lexicon and the given names the current project uses into their caches (a
    warm-up while a big file is read)."""
    from datasafe.detect.lexicon import load_given_names, load_lexicon

    names_files, lexicon_files = _CONFIG_FILES.get()
    load_lexicon(lexicon_files)
    load_given_names(names_files)


def person_headers(headers: list, lex=None, given=None, hxl: list | None = None,
                   strict: bool = True) -> list[int]:
    """The indices of the headers that are people's names (see the module's docstring).
    ``strict=False`` (sheet names, beside 'Data' or 'Summary'): names need as many headers
    written like names as other words, not more."""
    if not headers:
        return []
    from datasafe.detect import _parse_hxl
    from datasafe.detect.lexicon import load_given_names, load_lexicon

    names_files, lexicon_files = _CONFIG_FILES.get()
    lex = lex if lex is not None else load_lexicon(lexicon_files)
    given = given if given is not None else load_given_names(names_files)
    shapes = {}
    for i, h in enumerate(headers):
        base, attrs = _parse_hxl(hxl[i] if hxl and i < len(hxl) else None)
        if (base or "").startswith(_NOT_PEOPLE_HXL) or any(
                a.lstrip("+").startswith(_PLACE_ATTRS) for a in attrs):
            continue  # '#adm2' or '#reached+adm2' under 'Nad Ali'
        s = _shape(h, lex, given)
        if s is not None:
            shapes[i] = s
    strong = [i for i, s in shapes.items() if s == "strong"]
    weak = [i for i, s in shapes.items() if s == "weak"]
    named = strong + weak
    shaped = [i for i, s in shapes.items() if s == "shaped"]
    if not named or len(named) < len(shaped) + (1 if strict else 0):
        return []  # mostly places or organisations: 'Nad Ali' among 'Lashkargah', 'Sangin'…
    found = list(strong)
    if weak and (strong or len(named) >= MIN_SINGLE):
        found += weak
    if len(strong) >= 2 and len(named) >= 2 * len(shaped):
        # a register: its other name-shaped headers are people whose given name the list lacks
        for i in shaped:
            words = _words(headers[i])[0]
            if len(words) > 1 and words[0].lower() not in _PLACE_START and not any(
                    t in _NOT_A_PERSON for t in lex.header_tokens(headers[i])):
                found.append(i)
    return sorted(found)


def contact_headers(headers: list) -> list[int]:
    """The indices of the headers that are or hold an e-mail address or an international phone
    number ('+243 81…', 'tel: +243…'), or are a local mobile number ('0812345678')."""
    out = []
    for i, h in enumerate(headers or []):
        v = h.strip() if isinstance(h, str) else ""
        if not v:
            continue
        phone = _INTL_PHONE.search(v)
        if _EMAIL.search(v) or (phone and sum(ch.isdigit() for ch in phone.group()) >= 9) \
                or _LOCAL_PHONE.fullmatch(v.replace(" ", "")):
            out.append(i)
    return out
