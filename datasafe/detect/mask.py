"""Masking of example values: enough shape to recognise what a column holds, never the value.

``+243 812 345 612`` → ``+243 8•• ••• •12``; ``John Doe`` → ``J••• D••``;
``amina.yusuf@example.org`` → ``a••••••••••@e••••••.org``.
"""

from __future__ import annotations

import re

DOT = "•"
_PHONE_CC = re.compile(r"^(\+\d{1,3})(.*)$")


def _mask_digits(text: str, keep_head: int, keep_tail: int) -> str:
    pos = [i for i, ch in enumerate(text) if ch.isdigit()]
    keep = set(pos[:keep_head]) | set(pos[len(pos) - keep_tail:] if keep_tail else [])
    if len(keep) >= len(pos) and pos:  # too short to keep anything
        keep = set()
    return "".join(DOT if (ch.isdigit() and i not in keep) else ch for i, ch in enumerate(text))


def _mask_word(word: str) -> str:
    if not word:
        return word
    first = word[0]
    return first + "".join(DOT if ch.isalnum() else ch for ch in word[1:])


def _mask_phone(v: str) -> str:
    m = _PHONE_CC.match(v)
    if m:
        cc, rest = m.groups()
        return cc + _mask_digits(rest, 1, 2)
    return _mask_digits(v, 2, 2)


def _mask_email(v: str) -> str:
    local, _, domain = v.partition("@")
    parts = domain.split(".")
    tld = parts[-1] if len(parts) > 1 else ""
    host = ".".join(parts[:-1]) if len(parts) > 1 else domain
    return (_mask_word(local) if local else "") + "@" + _mask_word(host) + ("." + tld if tld else "")


def _mask_generic(v: str) -> str:
    if len(v) <= 2:
        return DOT * max(len(v), 1)
    out = []
    for i, ch in enumerate(v):
        if i == 0 and not ch.isdigit():
            out.append(ch)
        elif ch.isalnum():
            out.append(DOT)
        else:
            out.append(ch)
    return "".join(out)


# Sensitive categories: a masked value keeps nothing (a first letter and a length are enough
# to read "m••••••••" as a religion or "v•••" as an incident type when the categories are few).
SENSITIVE_CATEGORIES = frozenset({
    "ETHNICITY", "RELIGION", "HEALTH", "DISABILITY", "PROTECTION_INCIDENT", "LEGAL_STATUS",
    "SEXUAL_ORIENTATION", "POLITICAL_AFFILIATION"})
SENSITIVE_MASK = DOT * 3


def mask_value(value, entity: str | None) -> str:
    """Mask one value for display in a report. The result never contains the value itself,
    and of a sensitive category (:data:`SENSITIVE_CATEGORIES`) nothing at all."""
    v = "" if value is None else str(value).strip()
    if not v:
        return ""
    v = v[:80]
    e = (entity or "").upper()
    if e in SENSITIVE_CATEGORIES:
        return SENSITIVE_MASK
    if e == "PHONE_NUMBER":
        out = _mask_phone(v)
    elif e == "EMAIL_ADDRESS" and "@" in v:
        out = _mask_email(v)
    elif e in ("PERSON", "ADDRESS", "LOCATION", "ADMIN_AREA") and not any(c.isdigit() for c in v):
        out = " ".join(_mask_word(w) for w in v.split())
    elif e in ("NATIONAL_ID", "CASE_ID", "CREDIT_CARD", "IBAN_CODE"):
        out = re.sub(r"[A-Za-z]", DOT, _mask_digits(v, 0, 2)) if len(v) > 6 else DOT * len(v)
        if e == "IBAN_CODE" and len(v) > 4:
            out = v[:2] + out[2:]
    elif e in ("GPS_COORDINATE",):
        if not v.startswith(("{", "[")) and re.search(
                r"[°º'′\"″]|^\s*[NSEWOnsewo]?\s*\d{1,3}(?:\s+|:\d{1,2}:)\d|[A-Za-z]{2}\s*\d{4}|"
                r"\+|///", v):
            # degrees-minutes-seconds, MGRS, UTM, Plus codes, what3words: only the first number
            # (degrees, or the grid zone) is kept; minutes and seconds place a house
            head = re.match(r"\D*\d*", v).group(0)
            out = head + re.sub(r"[0-9A-Za-z]", DOT, v[len(head):])
        else:
            # decimal degrees: keep degrees, hide the rest
            out = re.sub(r"(\d+[.,])(\d+)", lambda m: m.group(1) + DOT * len(m.group(2)), v)
        if out == v:
            out = _mask_digits(v, 2, 0)
    elif e in ("DATE_OF_BIRTH", "DATE"):
        out = _mask_digits(v, 2, 0)
    elif e == "AGE":
        out = _mask_digits(v, 1, 0) if len(re.sub(r"\D", "", v)) > 1 else DOT
    elif e == "IP_ADDRESS":
        out = re.sub(r"[0-9A-Fa-f]", DOT, v)
    elif e == "URL":
        m = re.match(r"^(https?://)?([^/]+)(.*)$", v)
        out = ((m.group(1) or "") + _mask_word(m.group(2)) + re.sub(r"[^/]", DOT, m.group(3))
               if m else _mask_generic(v))
    elif e == "FREE_TEXT" or len(v.split()) > 3:
        words = v.split()
        out = " ".join(_mask_word(w) for w in words[:4]) + (" …" if len(words) > 4 else "")
    else:
        out = " ".join(_mask_generic(w) for w in v.split()) if " " in v else _mask_generic(v)
    if out == v and len(v) > 0:  # never return the value itself
        out = DOT * min(len(v), 8)
    return out
