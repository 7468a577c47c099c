"""Sign-off before sharing: an approval names who approved which exact content (SHA-256), for
which destination, under which profile, with which scan verdict, when and why. It lives in the
file's sidecar (``FILE.datasafe.yaml``, key ``approvals``; see :mod:`datasafe.sidecar`).

An approval is valid for a file only while the file's content hash, the destination and the
profile are exactly the ones approved: changing one cell changes the hash and voids it. An
approval also records the SHA-256 of the profile's rules (``profile_sha256``): editing the
profile after sign-off (or a datasafe release that changes a shipped profile) voids it too, and
the transfer check says so. Approvals recorded before that field existed match on the profile's
name only.

For the checks (a transfer check under profiles with ``require_approval: true``)::

    from datasafe.accountability.approval import find_valid_approval
    ok = find_valid_approval(path, sha256, destination, profile_name)   # Approval | None

A finding that only says "no approval yet" should set ``details["requires_approval"] = True``
(its check id or message mentioning "approval" works too), so that ``datasafe approve``
records the verdict of everything else rather than a verdict failed by the missing approval
itself.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from typing import Any

APPROVALS_KEY = "approvals"


class ApprovalError(Exception):
    """The approval cannot be recorded (one line, no data value)."""


@dataclass
class Approval:
    by: str
    destination: str
    reason: str
    sha256: str
    profile: str | None
    verdict: str | None
    time: str
    # ``ed25519:…``: the approver's signature of every other field (see
    # :mod:`datasafe.accountability.signing`); None when unsigned
    signature: str | None = None
    # SHA-256 of the profile's resolved rules when approved (None in older approvals)
    profile_sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("signature", "profile_sha256"):  # absent from older, signed approvals
            if d[k] is None:
                del d[k]
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Approval | None:
        if not isinstance(d, dict) or not d.get("sha256"):
            return None
        if any(isinstance(v, (dict, list, tuple, set)) for v in d.values()):
            return None  # every field of an approval is one value
        return cls(by=str(d.get("by") or ""), destination=str(d.get("destination") or ""),
                   reason=str(d.get("reason") or ""), sha256=str(d.get("sha256")),
                   profile=None if d.get("profile") is None else str(d.get("profile")),
                   verdict=None if d.get("verdict") is None else str(d.get("verdict")),
                   time=str(d.get("time") or ""),
                   signature=None if d.get("signature") is None else str(d.get("signature")),
                   profile_sha256=None if d.get("profile_sha256") is None
                   else str(d.get("profile_sha256")))


def _same_profile(a: str | None, b: str | None) -> bool:
    return (a or "default") == (b or "default")


def list_approvals(path: str | os.PathLike) -> list[Approval]:
    from datasafe.sidecar import load_sidecar

    side = load_sidecar(path)
    items = side.get(APPROVALS_KEY) or []
    if not isinstance(items, list):
        return []
    out = []
    for d in items:
        a = Approval.from_dict(d)
        if a is not None:
            out.append(a)
    return out


def signed_by_approver(a: Approval, approvers: dict[str, str]) -> bool:
    """Whether ``a`` is signed by the key the project lists for the approver it names."""
    import unicodedata

    from datasafe.accountability.signing import verify

    name = unicodedata.normalize("NFC", a.by)
    return bool(a.signature) and name in approvers and verify(approvers[name], a.to_dict())


def find_valid_approval(path: str | os.PathLike, sha256: str | None, destination: str | None,
                        profile_name: str | None,
                        approvers: dict[str, str] | None = None,
                        profile_sha256: str | None = None) -> Approval | None:
    """The most recent approval of ``path`` for exactly this content hash, destination and
    profile, or ``None``. ``sha256=None`` means: hash the file now. With ``approvers`` (name →
    public key, the project's list), only an approval signed by the approver it names counts.
    With ``profile_sha256`` (the profile's rules now), an approval that recorded other rules
    does not count."""
    if sha256 is None:
        from datasafe.pipeline import sha256_file

        try:
            sha256 = sha256_file(path)
        except OSError:
            return None
    if not destination:
        return None
    return select_approval(list_approvals(path), sha256, destination, profile_name, approvers,
                           profile_sha256)


def select_approval(approvals: list[Approval], sha256: str, destination: str | None,
                    profile_name: str | None, approvers: dict[str, str] | None = None,
                    profile_sha256: str | None = None) -> Approval | None:
    """:func:`find_valid_approval` over approvals already read (a check that asks several
    questions of one sidecar reads it once)."""
    if not destination:
        return None
    for a in reversed(approvals):
        if a.sha256 == sha256 and a.destination == destination and \
                _same_profile(a.profile, profile_name):
            if approvers and not signed_by_approver(a, approvers):
                continue  # typed into the sidecar, edited, or by someone not listed
            if profile_sha256 and a.profile_sha256 and a.profile_sha256 != profile_sha256:
                continue  # approved under rules that have changed since
            return a
    return None


def is_approval_finding(finding) -> bool:
    details = getattr(finding, "details", None) or {}
    if details.get("requires_approval"):
        return True
    text = f"{finding.check} {finding.message}".lower()
    return "approval" in text or "approve" in text


def verdict_without_approval(result) -> str:
    """The scan's verdict, leaving out findings that only ask for an approval."""
    from datasafe.model import SEVERITY_RANK

    if any(f.error for f in result.files):
        return "error"
    limit = SEVERITY_RANK.get(result.fail_on, 3)
    failing = [f for f in result.findings
               if SEVERITY_RANK.get(f.severity, 0) >= limit and not is_approval_finding(f)]
    return "fail" if failing else "pass"


def add_approval(path: str | os.PathLike, approval: Approval) -> None:
    """Append ``approval`` to the file's sidecar (atomically; the data file is not touched)."""
    from datasafe.sidecar import load_sidecar, save_sidecar, sidecar_path

    side = load_sidecar(path)
    if "_error" in side:
        raise ApprovalError(f"{sidecar_path(path).name}: the sidecar cannot be read; fix it "
                            "before approving")
    items = side.get(APPROVALS_KEY)
    if items is None:
        items = []
    if not isinstance(items, list):
        raise ApprovalError(f"{sidecar_path(path).name}: `approvals` is not a list")
    side = dict(side)
    side[APPROVALS_KEY] = [*items, approval.to_dict()]
    save_sidecar(path, side)
