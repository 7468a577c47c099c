"""Reversible de-personalisation: deterministic authenticated encryption (AES-SIV, RFC 5297)
with a custodian key, so that the key holder can restore the values and joins still work.

API (kept stable for :mod:`datasafe.redact`'s ``reversible`` treatment)::

    from datasafe.accountability.reversible import (
        generate_key, write_key, load_key, encrypt_column, decrypt_column, key_fingerprint,
        WrongKey, KeyFileError, NotEncrypted)

    key = load_key("custodian.key")               # 64 bytes (AES-SIV with two 256-bit keys)
    out = encrypt_column(series, key, "household_id")    # pandas Series -> Series of tokens
    back = decrypt_column(out, key, "household_id")      # the original values

- ``encrypt_column(series, key, column_context) -> Series``: each non-empty value becomes a token
  ``siv1:<base64url>``; missing values (NA) and empty strings stay as they are. The same value
  with the same key and ``column_context`` always gives the same token, so a column still joins
  with the same column of another file encrypted with the same key and context; the same value
  in two columns with different contexts gives unrelated tokens. Use the column's header as
  the context (``datasafe repersonalise`` assumes it unless told otherwise with ``--context``).
- ``decrypt_column(series, key, column_context) -> Series``: the inverse. Values that are not
  tokens (NA, empty, a suppression mark such as ``*``) are left as they are. Raises
  :class:`WrongKey` when the key (or the context) is not the one the tokens were made with,
  and :class:`NotEncrypted` when the column holds no token at all.
- ``key_fingerprint(key) -> str``: a short one-way identifier of a key (safe to log).

Like any pseudonym this is pseudonymisation, not anonymisation (ICRC Handbook §2.3): equal
values give equal tokens, so how often a value repeats stays visible, and a token gives the
length of its value to within 16 bytes (values are padded). Treat the output as personal data
for whoever may hold the key.

Keys are never printed, logged or put in a report; errors never contain a value or a key.
Work is done once per distinct value, not per cell. Key file format: one line
``datasafe-aes-siv-v1:<base64 of 64 bytes>`` (written with mode 0600); a raw 64-byte file is
accepted too.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

KEY_BYTES = 64
KEY_PREFIX = "datasafe-aes-siv-v1:"
TOKEN_PREFIX = "siv1:"
_AAD_DOMAIN = b"datasafe reversible v1"
PAD_BLOCK = 16


class KeyFileError(Exception):
    """A key file that is missing, unreadable or not a datasafe key (message names no key;
    a Phrase of the ``key.*`` messages, said in the reader's language)."""


def _why(key: str, **params) -> str:
    from datasafe.report.common import Phrase

    return Phrase(f"key.{key}", **params)


class WrongKey(Exception):
    """The key or context does not decrypt the tokens."""


class NotEncrypted(Exception):
    """A column to decrypt holds no token."""


def generate_key() -> bytes:
    from cryptography.hazmat.primitives.ciphers.aead import AESSIV

    return AESSIV.generate_key(KEY_BYTES * 8)


def write_key(path: str | os.PathLike, key: bytes | None = None, *, overwrite: bool = False) -> bytes:
    """Write a new (or the given) key to ``path`` with mode 0600 and return it."""
    key = key or generate_key()
    _check_key(key)
    p = Path(path)
    if p.exists() and not overwrite:
        raise KeyFileError(_why("exists", path=str(p)))
    from datasafe.atomic import atomic_path

    with atomic_path(p) as tmp:
        os.chmod(tmp, 0o600)
        tmp.write_text(KEY_PREFIX + base64.b64encode(key).decode("ascii") + "\n",
                       encoding="ascii")
    return key


def load_key(path: str | os.PathLike | None) -> bytes:
    """Read a key file; raises :class:`KeyFileError` with a one-line reason."""
    if not path:
        raise KeyFileError(_why("none"))
    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise KeyFileError(_why("missing", path=str(p))) from None
    except OSError as exc:
        cause = exc.strerror or type(exc).__name__
        raise KeyFileError(_why("unreadable", path=str(p), cause=cause)) from None
    text = raw.strip()
    if text.startswith(KEY_PREFIX.encode()):
        try:
            key = base64.b64decode(text[len(KEY_PREFIX):], validate=True)
        except ValueError:
            raise KeyFileError(_why("damaged", path=str(p))) from None
    elif len(raw) == KEY_BYTES:
        key = raw
    else:
        raise KeyFileError(_why("not_key", path=str(p), bytes=KEY_BYTES))
    if len(key) != KEY_BYTES:
        raise KeyFileError(_why("length", path=str(p)))
    return key


def key_fingerprint(key: bytes) -> str:
    """A short identifier of the key that reveals nothing about it."""
    return hmac.new(key, b"datasafe key fingerprint", hashlib.sha256).hexdigest()[:16]


def _check_key(key: bytes) -> None:
    if not isinstance(key, (bytes, bytearray)) or len(key) != KEY_BYTES:
        raise KeyFileError(f"an AES-SIV key must be {KEY_BYTES} bytes")


def _aad(column_context: str) -> list[bytes]:
    return [_AAD_DOMAIN, str(column_context).encode("utf-8")]


def _pad(data: bytes) -> bytes:
    """ISO/IEC 7816-4 padding to a multiple of 16 bytes, so that a token tells the length of
    its value only to within 16 bytes."""
    data += b"\x80"
    return data + b"\0" * (-len(data) % PAD_BLOCK)


def _unpad(data: bytes) -> bytes:
    body = data.rstrip(b"\0")
    if not body.endswith(b"\x80"):
        raise ValueError("bad padding")
    return body[:-1]


def is_token(value) -> bool:
    return isinstance(value, str) and value.startswith(TOKEN_PREFIX)


def encrypt_value(value: str, key: bytes, column_context: str) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESSIV

    _check_key(key)
    ct = AESSIV(bytes(key)).encrypt(_pad(value.encode("utf-8")), _aad(column_context))
    return TOKEN_PREFIX + base64.urlsafe_b64encode(ct).decode("ascii").rstrip("=")


def decrypt_value(token: str, key: bytes, column_context: str) -> str:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESSIV

    _check_key(key)
    body = token[len(TOKEN_PREFIX):]
    try:
        ct = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return _unpad(AESSIV(bytes(key)).decrypt(ct, _aad(column_context))).decode("utf-8")
    except (InvalidTag, ValueError):
        raise WrongKey("the key or the column context does not decrypt this column") from None


def _map_distinct(series, fn, mask):
    """Apply ``fn`` once per distinct selected value and map the results back (no per-cell
    Python work: the selection is vectorised and the mapping is a dictionary lookup)."""
    import pandas as pd

    out = series.astype("object")
    if not bool(mask.any()):
        return out, 0
    chosen = out[mask]
    table = {v: fn(v) for v in pd.unique(chosen)}
    out[mask] = chosen.map(table)
    return out, int(mask.sum())


def _text(series):
    return series.astype("string")


def encrypt_column(series, key: bytes, column_context: str):
    """Encrypt every non-empty value of ``series`` (see the module docstring)."""
    _check_key(key)
    st = _text(series)
    mask = (st.notna() & (st != "")).fillna(False).astype(bool)
    out, _ = _map_distinct(series, lambda v: encrypt_value(str(v), key, column_context), mask)
    out.name = series.name
    return out


def decrypt_column(series, key: bytes, column_context: str):
    """Restore the values of a column made by :func:`encrypt_column` with the same key and
    context. Raises :class:`WrongKey` or :class:`NotEncrypted`."""
    _check_key(key)
    mask = _text(series).str.startswith(TOKEN_PREFIX).fillna(False).astype(bool)
    out, n = _map_distinct(series, lambda v: decrypt_value(str(v), key, column_context), mask)
    if n == 0:
        raise NotEncrypted("the column holds no encrypted value")
    out.name = series.name
    return out
