"""Signed approvals: an approval that only a named approver could have written.

An approval in a sidecar is a few lines of YAML: anyone who can edit the file can add one. A
project that wants sign-off to mean something lists its approvers and their public keys in its
configuration (``.datasafe.yaml`` or ``[tool.datasafe]``)::

    approvers:
      "A. Diallo": ed25519:3q2+7w…

Each approver makes a signing key once (``datasafe keygen --approver "A. Diallo" -o KEY``,
Ed25519, kept by that person alone) and signs with it (``datasafe approve … --key-file KEY``).
With approvers listed, the transfer check (DR-XFER-02) accepts only approvals signed by the
approver they name, over exactly what they say (content hash, destination, profile, verdict,
reason, time): an approval typed into a sidecar, copied to another file or edited afterwards
counts for nothing. Without approvers listed, approvals are accepted as before (unsigned).

The list that governs a file is the outermost configuration above it that has one
(:func:`datasafe.config.approvers_for`), for ``approve`` and for the check alike: a
configuration added in the data folder can neither hide the repository's approvers nor add its
own.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

PREFIX = "ed25519:"


class SigningError(Exception):
    """A signing key or an approvers list that cannot be used (one line)."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def payload(approval: dict[str, Any]) -> bytes:
    """The bytes an approval's signature covers: every field but the signature, canonical."""
    fields = {k: v for k, v in approval.items() if k != "signature"}
    return json.dumps(fields, sort_keys=True, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


def new_key(path: str | os.PathLike) -> str:
    """Write a new Ed25519 signing key (PEM, mode 0600, never over a file) to ``path``; returns
    its public key as ``ed25519:BASE64`` for the approvers list."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    p = Path(path)
    if p.exists():
        raise SigningError(f"{p}: already exists (refusing to overwrite a key)")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    from datasafe.atomic import atomic_path

    with atomic_path(p) as tmp:
        os.chmod(tmp, 0o600)
        tmp.write_bytes(pem)
    return public_key(key)


def public_key(key) -> str:
    from cryptography.hazmat.primitives import serialization

    raw = key.public_key().public_bytes(serialization.Encoding.Raw,
                                        serialization.PublicFormat.Raw)
    return PREFIX + _b64(raw)


def load_key(path: str | os.PathLike):
    """The Ed25519 signing key in ``path`` (a file of ``datasafe keygen --approver``)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    p = Path(path)
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise SigningError(f"{p}: no such key file") from None
    except OSError as exc:
        raise SigningError(f"{p}: cannot read key file: {exc.strerror or exc}") from None
    try:
        key = serialization.load_pem_private_key(raw, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, Ed25519PrivateKey):
        locked = b"ENCRYPTED" in raw[:200]
        raise SigningError(f"{p}: " + ("a key protected by a passphrase, which datasafe does not "
                                       "ask for: make one with `datasafe keygen --approver NAME`"
                                       if locked else "not an approver's signing key (make one "
                                       "with `datasafe keygen --approver NAME`)"))
    return key


def sign(key, approval: dict[str, Any]) -> str:
    return PREFIX + _b64(key.sign(payload(approval)))


def verify(public: str, approval: dict[str, Any]) -> bool:
    """Whether ``approval["signature"]`` is ``public``'s signature of the approval."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    sig = approval.get("signature")
    if not isinstance(sig, str) or not sig.startswith(PREFIX) or not isinstance(public, str) \
            or not public.startswith(PREFIX):
        return False
    try:
        pub = Ed25519PublicKey.from_public_bytes(base64.b64decode(public[len(PREFIX):],
                                                                  validate=True))
        pub.verify(base64.b64decode(sig[len(PREFIX):], validate=True), payload(approval))
    except (InvalidSignature, ValueError):
        return False
    return True
