"""``datasafe repersonalise`` (restore reversibly de-personalised columns for the key holder)
and ``datasafe keygen`` (make a custodian key)."""

from __future__ import annotations

from pathlib import Path

import click

from datasafe.cli import fail, lang_option, messages, said
from datasafe.cli.audit import audit_options


@click.command(short_help="Make a custodian key, or an approver's signing key.",
               help="""Make a custodian key for reversible de-personalisation (AES-SIV, 64 bytes),
or with --approver an approver's signing key (Ed25519) for `datasafe approve --key-file`.

The key file is written with mode 0600 and never overwritten. Keep it away from the data and
from the repository: whoever holds a custodian key can restore the values, whoever holds a
signing key can approve in its owner's name. For a signing key, the line to add under
`approvers:` in the project's .datasafe.yaml is printed; once approvers are listed, only
approvals signed by them count.

\b
Examples:
  datasafe keygen --output ~/keys/survey-2026.key
  datasafe keygen --approver "A. Diallo" --output ~/keys/approver.pem
""")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="Where to write the key.")
@click.option("--approver", metavar="NAME", default=None,
              help="Make NAME's signing key for approvals instead of a custodian key.")
@lang_option("Language of the messages.")
def keygen(output, approver, lang):
    from datasafe.accountability.reversible import KeyFileError, key_fingerprint, write_key

    m = messages(lang)
    if approver is not None:
        _approver_key(output, approver.strip(), m)
        return
    try:
        key = write_key(output)
    except KeyFileError as exc:
        fail(said(exc, lang))
        return
    except OSError as exc:
        fail(m("fail.cannot_write", path=output, cause=exc.strerror or type(exc).__name__))
        return
    click.echo(m("keygen.wrote", path=output, fingerprint=key_fingerprint(key)))
    from datasafe.accountability.audit import git_root

    root = git_root(Path(output).resolve().parent)
    if root is not None:
        click.echo("datasafe: " + m("keygen.in_git", path=output, root=root), err=True)



def _approver_key(output, name: str, m) -> None:
    import json

    from datasafe.accountability.signing import SigningError, new_key

    if not name:
        fail("--approver needs the approver's name, as they will write it in --by")
    try:
        public = new_key(output)
    except SigningError as exc:
        fail(str(exc))
        return
    except OSError as exc:
        fail(m("fail.cannot_write", path=output, cause=exc.strerror or type(exc).__name__))
        return
    click.echo(m("keygen.approver", path=output))
    click.echo("approvers:")
    click.echo(f"  {json.dumps(name, ensure_ascii=False)}: {public}")
    from datasafe.accountability.audit import git_root

    root = git_root(Path(output).resolve().parent)
    if root is not None:
        click.echo("datasafe: " + m("keygen.in_git", path=output, root=root), err=True)


def _parse_contexts(items, m) -> dict[str, str]:
    out = {}
    for item in items:
        if "=" not in item:
            fail(m("repersonalise.bad_context", item=repr(item)))
        col, ctx = item.split("=", 1)
        out[col.strip()] = ctx
    return out


@click.command(short_help="Restore reversibly de-personalised columns (key holders).",
               help="""Restore the values of reversibly de-personalised columns (key holders only).

Reads FILE, decrypts the given columns with the custodian key and writes the result to
--output (CSV, Excel or Parquet, from its extension). A wrong or missing key is refused (exit 2).
As in every datasafe output, a text cell that a spreadsheet would run as a formula gets a
leading apostrophe in CSV and Excel copies.
The key never appears in any output or log; the audit log records who restored which columns
of which file.

\b
Examples:
  datasafe repersonalise shared.csv --key-file custodian.key --columns household_id,phone \\
      --output restored.csv
""")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--key-file", type=click.Path(dir_okay=False), default=None,
              help="The custodian key (made by `datasafe keygen`).")
@click.option("--columns", required=True, metavar="COL,COL", help="Columns to restore.")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False),
              help="Where to write the restored copy.")
@click.option("--context", "contexts", multiple=True, metavar="COL=CONTEXT",
              help="The encryption context of a column when it was not its header "
                   "(repeatable).")
@audit_options
@lang_option("Language of the messages.")
def repersonalise(file, key_file, columns, output, contexts, actor, audit_log, lang):
    from datasafe.accountability.audit import file_sha256, record
    from datasafe.accountability.reversible import (
        TOKEN_PREFIX,
        KeyFileError,
        NotEncrypted,
        WrongKey,
        decrypt_column,
        key_fingerprint,
        load_key,
    )
    from datasafe.cli.scan import split_list
    from datasafe.read import ReadError, read_tables
    from datasafe.report.common import say

    m = messages(lang)
    src = Path(file)
    wanted = split_list(columns) or []
    ctx_of = _parse_contexts(contexts, m)
    if not wanted:
        fail(m("repersonalise.no_columns"))
    if not src.is_file():
        fail(m("fail.no_such_file", path=file))
    if Path(output).resolve() == src.resolve():
        fail(m("repersonalise.same_file"))
    try:
        from datasafe.write import OutputError, check_output_path
    except ImportError:
        pass
    else:
        try:
            check_output_path(src, output)
        except OutputError as exc:
            fail(f"{output}: {exc}")
    if not key_file:
        record("repersonalise", path=src, outcome="refused", actor=actor,
               details={"columns": wanted, "reason": "no key"}, log_path=audit_log)
        fail(m("repersonalise.key_required"))
    try:
        key = load_key(key_file)
    except KeyFileError as exc:
        record("repersonalise", path=src, outcome="refused", actor=actor,
               details={"columns": wanted, "reason": "unusable key file"}, log_path=audit_log)
        fail(said(exc, lang))
        return
    try:
        tables = read_tables(src)
    except ReadError as exc:
        fail(say(m, exc.line()))
        return
    except OSError as exc:
        fail(m("fail.cannot_read", path=file, cause=exc.strerror or type(exc).__name__))
        return

    found: set[str] = set()
    changed: dict[str, list[str]] = {}
    restored = 0
    try:
        for t in tables:
            for header, k in zip(t.headers, t.keys):
                name = header if header in wanted else (k if k in wanted else None)
                if name is None:
                    continue
                context = ctx_of.get(name, header)
                try:
                    col = decrypt_column(t.data[k], key, context)
                except NotEncrypted:
                    continue
                restored += int(t.data[k].astype("string").str.startswith(TOKEN_PREFIX).sum())
                t.data[k] = col
                found.add(name)
                changed.setdefault(t.name or "", []).append(k)
    except WrongKey:
        record("repersonalise", path=src, outcome="refused", actor=actor,
               details={"columns": wanted, "reason": "wrong key or context",
                        "key_id": key_fingerprint(key)}, log_path=audit_log)
        fail(m("repersonalise.wrong_key", file=file))
        return
    missing = [c for c in wanted if c not in found]
    if missing:
        record("repersonalise", path=src, outcome="refused", actor=actor,
               details={"columns": wanted, "reason": "columns not encrypted or absent"},
               log_path=audit_log)
        fail(m("repersonalise.not_encrypted", file=file, columns=", ".join(missing)))
    try:
        write_tables(tables, Path(output), src, changed)
    except ValueError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(m("fail.cannot_write", path=output, cause=exc.strerror or type(exc).__name__))
    record("repersonalise", path=src, sha256=file_sha256(src), outcome="restored", actor=actor,
           details={"columns": wanted, "values": restored, "output": str(output),
                    "output_sha256": file_sha256(output), "key_id": key_fingerprint(key)},
           log_path=audit_log)
    click.echo(m("repersonalise.restored", values=restored, columns=len(wanted), file=file,
                 output=output))


CSV_LIKE = (".csv", ".tsv", ".txt", ".tab")


def write_tables(tables, dest: Path, source: Path, changed: dict[str, list[str]] | None = None
                 ) -> None:
    """Write ``tables`` to ``dest`` (format from its extension), atomically. The project's
    writer (:mod:`datasafe.write`: same delimiter, encoding, HXL row; Excel workbooks keep
    their other sheets and styles) is used when it fits; else a plain writer here."""
    from datasafe.atomic import atomic_path

    changed = changed or {}
    try:
        from datasafe import write as w
    except ImportError:
        w = None
    ext_in, ext_out = source.suffix.lower(), dest.suffix.lower()
    if w is not None:
        try:
            if ext_out in CSV_LIKE and ext_in in CSV_LIKE and len(tables) == 1:
                t = tables[0]
                gz = bool(t.meta.get("gzip"))
                with atomic_path(dest, private=True) as tmp:  # restored values
                    w.write_csv(tmp, t.data[list(t.keys)], list(t.headers), hxl=t.hxl,
                                delimiter=t.meta.get("delimiter", ","),
                                encoding=t.meta.get("encoding", "utf-8"), gz=gz,
                                eol=w.detect_eol(source, gz))
                return
            if ext_out in (".xlsx", ".xlsm", ".ods") and ext_in in (".xlsx", ".xlsm", ".xls",
                                                                     ".ods", ".xlsb"):
                updates = {t.name: w.SheetUpdate(table=t, data=t.data,
                                                 changed=list(changed.get(t.name or "", [])))
                           for t in tables if changed.get(t.name or "")}
                with atomic_path(dest, private=True) as tmp:  # restored values
                    w.write_excel(source, tmp, updates, tables,
                                  out_format="ods" if ext_out == ".ods" else None)
                return
        except (AttributeError, TypeError):  # the shared writer changed its API: plain writer
            pass
    _write_tables_here(tables, dest)


def _frame(t):
    import pandas as pd

    df = t.data[list(t.keys)].copy()
    df.columns = list(t.headers)
    if t.hxl and any(t.hxl):
        hxl = pd.DataFrame([[h or "" for h in t.hxl]], columns=list(t.headers))
        df = pd.concat([hxl, df.astype("object")], ignore_index=True)
    return df


def _write_tables_here(tables, dest: Path) -> None:
    from datasafe.atomic import atomic_path

    ext = dest.suffix.lower()
    if ext in (".csv", ".tsv", ".txt", ".tab"):
        if len(tables) != 1:
            raise ValueError(f"{dest}: the input has {len(tables)} tables; write to .xlsx "
                             "instead")
        with atomic_path(dest, private=True) as tmp:  # restored values
            _frame(tables[0]).to_csv(tmp, index=False, sep="\t" if ext in (".tsv", ".tab")
                                     else ",", encoding="utf-8")
    elif ext in (".xlsx", ".xlsm", ".ods"):
        import pandas as pd

        with atomic_path(dest, private=True) as tmp:  # restored values
            with pd.ExcelWriter(tmp, engine="odf" if ext == ".ods" else "openpyxl") as xw:
                for n, t in enumerate(tables, start=1):
                    _frame(t).to_excel(xw, sheet_name=(t.name or f"Sheet{n}")[:31], index=False)
    elif ext in (".parquet", ".pq"):
        if len(tables) != 1:
            raise ValueError(f"{dest}: the input has {len(tables)} tables; write to .xlsx "
                             "instead")
        import pyarrow as pa
        import pyarrow.parquet as pq

        df = tables[0].data[list(tables[0].keys)].astype("object")
        df.columns = list(tables[0].headers)
        with atomic_path(dest, private=True) as tmp:  # restored values
            pq.write_table(pa.Table.from_pandas(df, preserve_index=False), tmp)
    else:
        raise ValueError(f"{dest}: unsupported output format {ext or '(none)'}; use .csv, "
                         ".tsv, .xlsx, .ods or .parquet")
