"""Column headers that are people's names.

An attendance register or a distribution checklist often has one column per person::

    session_date,Amina Kabila,Jean-Pierre Mbuyi,Zawadi Lukusa
    2024-02-01,1,0,1

The names are in the header row, not in the cells, so no value recognizer sees them, and every
report, plan and log that prints a column name would print them. The reader replaces such headers
by ``person_1``, ``person_2``… (:func:`datasafe.read.mask_person_headers`), keeps the originals in
memory only, and every later stage, report and redacted copy sees the label.

A header is a person's name when it is written like one (one to four capitalised words, no
digit, no punctuation but a hyphen, an apostrophe or an initial's dot) and holds a known given
name; a word of an organisation or a place ('Mercy Corps', 'Christian Aid', 'Saint Louis') or a
field the lexicon knows as harmless ('Grace period') rules it out. A weaker sign (a lone given
name, 'Amina'; a name holding a word the lexicon knows, 'Amina Kabila') counts only in a table
with at least three person headers: a register of people.
"""

from __future__ import annotations

import re

LABEL = "person_{n}"
CONTACT_LABEL = "contact_{n}"
# a header that is an e-mail address or a phone number (a column per contact)
_CONTACT = re.compile(r"[^@\s]+@[^@\s]+\.\w+|\+?\d[\d\s().-]{7,}\d")
MIN_SINGLE = 3  # lone given names count when the table has at least this many person headers

# words of organisations, places and table vocabulary that a name header never holds
_NOT_A_PERSON = frozenset("""
aid corps relief international internationale council conseil committee comite children
foundation fondation fund fonds agency agence association society societe service services
mission vision care health sante hospital hopital clinic clinique school ecole university
universite college institute institut project projet programme program group groupe trust inc
ltd llc ngo ong camp site village town city ville district province region county state street
road avenue rue saint st san santa sao port lake lac mount mont river north south east west
nord sud est ouest central centre center upper lower haut bas new nouveau total men women boys
girls hommes femmes garcons filles church eglise ministry ministere union federation cross
crescent croix rouge red partners partenaires network reseau solidarity solidarites action
sector secteur cluster office bureau hub base team equipe week semaine month mois day jour
officer staff manager assistant coordinator agent worker volunteer supervisor leader focal
january february march april may june july august september october november december
janvier fevrier mars avril mai juin juillet aout septembre octobre novembre decembre
monday tuesday wednesday thursday friday saturday sunday
""".split())
_PARTICLES = frozenset("de da do dos das du del della di van von der den bin ben binti bint wa "
                       "el al ibn la le".split())
_WORD = re.compile(r"^[^\W\d_]+(?:['’\-][^\W\d_]+)*$|^[^\W\d_]\.$")
_ARABIC = re.compile(r"[\u0600-\u06FF]")


def _shape(header, lex, given) -> str | None:
    """``"strong"`` for a header written like a person's full name ('Amina Yusuf'), ``"weak"``
    for one that could also be something else (a lone given name, or a name holding a word the
    lexicon knows: 'Amina Kabila', kabila being 'tribe' in Swahili), else None."""
    if not isinstance(header, str):
        return None
    words = header.split()
    if not 1 <= len(words) <= 4 or not all(_WORD.match(w) for w in words):
        return None
    if not _ARABIC.search(header):
        named = [w for w in words if w.lower() not in _PARTICLES]
        if not named or not all(w[0].isupper() for w in named) \
                or not (words[0][0].isupper() and words[-1][0].isupper()):
            return None
    toks = lex.header_tokens(header)
    if not toks or any(t in _NOT_A_PERSON for t in toks):
        return None
    vocabulary = lex.vocabulary
    # the given name itself must not be a field word ('Patient name': patient is both)
    if not any(t in given and t not in vocabulary for t in toks):
        return None
    if any(m.entity == "NONE" for m in lex.match(header)):
        return None  # a field the lexicon knows as harmless ('Grace period')
    if len(words) > 1 and not any(t in vocabulary for t in toks):
        return "strong"
    return "weak"


def person_headers(headers: list, lex=None, given=None) -> list[int]:
    """The indices of the headers that are people's names (see the module's docstring): the
    strong ones, and the weak ones too when the table has at least ``MIN_SINGLE`` in all (a
    register of people)."""
    if not headers:
        return []
    from datasafe.detect.lexicon import load_given_names, load_lexicon

    lex = lex if lex is not None else load_lexicon(())
    given = given if given is not None else load_given_names()
    shapes = [(i, _shape(h, lex, given)) for i, h in enumerate(headers)]
    found = [(i, s) for i, s in shapes if s is not None]
    if len(found) < MIN_SINGLE:
        found = [(i, s) for i, s in found if s == "strong"]
    return [i for i, _ in found]


def contact_headers(headers: list) -> list[int]:
    """The indices of the headers that are an e-mail address or a phone number (nine digits
    or more)."""
    out = []
    for i, h in enumerate(headers or []):
        v = h.strip() if isinstance(h, str) else ""
        if v and _CONTACT.fullmatch(v) and ("@" in v or sum(ch.isdigit() for ch in v) >= 9):
            out.append(i)
    return out
