"""``datasafe approve``: sign-off before sharing, recorded in the file's sidecar."""

from __future__ import annotations

from pathlib import Path

import click

from datasafe.cli import fail, lang_option, messages, said
from datasafe.cli.audit import audit_options
from datasafe.cli.scan import build_options, scan_options

# the shipped profile of each destination (used when neither --profile nor the config names one)
DESTINATION_PROFILES = {"public": "hdx-public", "partner": "partner-restricted",
                        "internal": "internal"}


@click.command(help="""Record that NAME approves sharing FILE with a destination.

The file is scanned first; the approval is bound to the file's content hash (SHA-256), the
profile, the scan's verdict and the destination, and stored in the file's sidecar
(FILE.datasafe.yaml, key `approvals`). Changing one cell of the file voids it. Under profiles
that require approval, the transfer check fails unless a valid approval exists for exactly this
content and destination. Without --profile (or a profile in the config), the profile of the
destination is used: hdx-public, partner-restricted or internal. The approval is also written
to the audit log.

When the project lists its approvers (`approvers:` in .datasafe.yaml, with the public keys
`datasafe keygen --approver` printed), an approval must be signed: pass your signing key with
--key-file. Only approvals signed by the approver they name then count.

\b
Examples:
  datasafe approve survey.csv --by "A. Diallo" --destination partner --reason "DSA-2026-04"
  datasafe approve survey.xlsx --by IMO --destination public --profile hdx-public \\
      --reason "k>=5 after recoding"
""")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--by", "by", required=True, metavar="NAME", help="Who approves.")
@click.option("--reason", required=True, help="Why (e.g. the data-sharing agreement). Do not "
                                              "put data values here.")
@click.option("--key-file", type=click.Path(dir_okay=False), default=None,
              help="Your signing key (datasafe keygen --approver): signs the approval.")
@scan_options
@audit_options
@lang_option("Language of the messages.")
def approve(file, by, reason, key_file, profile, destination, key_vars, weight, household_id,
            phone_regions, ner, max_columns, actor, audit_log, lang):
    from datasafe.accountability.approval import (
        Approval,
        ApprovalError,
        add_approval,
        verdict_without_approval,
    )
    from datasafe.accountability.audit import now_utc, record
    from datasafe.pipeline import scan as run_scan
    from datasafe.profiles import ProfileError

    path = Path(file)
    if not path.is_file():
        fail(messages(lang)("fail.no_such_file", path=file))
    if not by.strip() or not reason.strip():
        fail("--by and --reason must not be empty")
    bad = _unwritable(by) or _unwritable(reason)
    if bad:
        fail(f"--by and --reason must be one line of text ({bad})")
    import unicodedata

    by = unicodedata.normalize("NFC", by)
    try:
        options = build_options(profile=profile, destination=destination, key_vars=key_vars,
                                weight=weight, household_id=household_id,
                                phone_regions=phone_regions, ner=ner, max_columns=max_columns)
        if not options.profile and destination:
            # the approval is bound to a profile: without one named (flag or config), the
            # profile made for that destination, the one its transfer check will run under
            options.profile = DESTINATION_PROFILES[destination]
        result = run_scan(str(path), options=options)
    except ProfileError as exc:
        fail(said(exc, lang))
        return
    fres = result.files[0] if result.files else None
    if fres is None or fres.error or not fres.sha256:
        fail(f"{file}: {fres.error if fres and fres.error else 'cannot be scanned'}")
        return
    dest = destination or result.destination
    if not dest:
        fail("say where the file goes with --destination public|partner|internal")
    verdict = verdict_without_approval(result)
    approval = Approval(by=by.strip(), destination=dest, reason=reason.strip(),
                        sha256=fres.sha256, profile=result.profile, verdict=verdict,
                        time=now_utc(), profile_sha256=result.profile_sha256)
    _sign(approval, key_file, path)
    try:
        add_approval(path, approval)
    except ApprovalError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{file}: cannot write the sidecar: {exc.strerror or type(exc).__name__}")
    record("approve", path=path, sha256=fres.sha256, profile=result.profile, outcome=verdict,
           actor=actor, details={"by": approval.by, "destination": dest,
                                 "reason": approval.reason,
                                 "signed": approval.signature is not None,
                                 "profile_sha256": result.profile_sha256},
           log_path=audit_log)
    m = messages(lang, options.config)
    # the destination and the verdict are words of the language too
    said_verdict = m(f"verdict.{verdict}").lower() if verdict in ("pass", "fail") else verdict
    click.echo(m("approve.done", file=file, by=approval.by,
                 destination=m(f"destination_names.{dest}"), profile=result.profile,
                 sha=fres.sha256[:12], verdict=said_verdict))
    if verdict != "pass":
        click.echo("datasafe: " + m("approve.failing", file=file, profile=result.profile),
                   err=True)


def _unwritable(text: str) -> str | None:
    """Why ``text`` cannot be kept as typed in a sidecar and signed (a control character or
    a line break would not read back the same, bytes that are not UTF-8 cannot be written);
    None when it can."""
    import unicodedata

    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cs":
            return "bytes that are not UTF-8 text"
        if cat in ("Cc", "Zl", "Zp") and ch != "\t":
            return "a line break or a control character"
    return None


def _sign(approval, key_file, path) -> None:
    """Sign ``approval`` with the approver's key; refused when the file's repository lists
    approvers (the outermost configuration above the file, as the transfer check reads it) and
    the key is missing, or the name given with --by is not listed, or the key is not theirs."""
    from datasafe.accountability import signing
    from datasafe.config import ConfigError, approvers_for

    try:
        listed, source = approvers_for(path)
    except ConfigError as exc:
        fail(str(exc))
        return
    if key_file is None:
        if listed:
            fail(f"{source} lists the approvers: sign the approval with your key "
                 "(--key-file, made by `datasafe keygen --approver NAME`)")
        return
    try:
        key = signing.load_key(key_file)
    except signing.SigningError as exc:
        fail(str(exc))
        return
    if listed and approval.by not in listed:
        fail(f"'{approval.by}' is not listed under approvers in {source}")
    if listed and listed[approval.by] != signing.public_key(key):
        fail(f"{key_file}: not the signing key listed for '{approval.by}' in {source}")
    approval.signature = signing.sign(key, approval.to_dict())
