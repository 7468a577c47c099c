"""Every bad input through the real command line: exit 2, exactly one line on stderr naming
the file and the cause, no traceback; the other files of the run are still scanned."""

from __future__ import annotations

import builtins
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from datasafe.read import ReadError, read_tables
from tests.conftest import REPO, validate_report

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff"
       b"\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")
# An encrypted OOXML workbook is an OLE2 compound file: this is its header, then junk.
CFB = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 16 + b"\x3e\x00\x03\x00\xfe\xff\x09\x00"
       + bytes(range(256)) * 8)


def run_cli(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    env.pop("DATASAFE_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "datasafe", "scan", *map(str, args),
                           "--ner", "off"], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=300)


def good_csv(folder: Path) -> Path:
    f = folder / "good.csv"
    f.write_text("village,households\nGoma,12\nBeni,7\n", encoding="utf-8")
    return f


def make_xlsx(path: Path) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    for i in range(40):
        wb.active.append([f"name {i}", f"+2438123456{i:02d}", i])
    wb.save(path)
    return path


def _bad(kind: str, folder: Path) -> tuple[Path, str]:
    """(path, expected words of the cause) for one kind of bad input."""
    if kind == "missing":
        return folder / "absent.csv", "no such file"
    if kind == "truncated_xlsx":
        full = make_xlsx(folder / "full.xlsx").read_bytes()
        p = folder / "truncated.xlsx"
        p.write_bytes(full[: len(full) // 2])
        full_path = folder / "full.xlsx"
        full_path.unlink()
        return p, "corrupt or truncated workbook"
    if kind == "corrupt_xlsx":
        p = folder / "corrupt.xlsx"
        p.write_bytes(b"PK\x03\x04" + b"\x00garbage" * 100)
        return p, "corrupt or truncated workbook"
    if kind == "password_xlsx":
        p = folder / "protected.xlsx"
        p.write_bytes(CFB)
        return p, "password-protected"
    if kind == "png_as_csv":
        p = folder / "photo.csv"
        p.write_bytes(PNG)
        return p, "PNG image"
    if kind == "lfs_pointer":
        p = folder / "registration.csv"
        p.write_bytes(b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a\nsize 9\n")
        return p, "Git LFS pointer"
    if kind == "unsupported":
        p = folder / "report.docx"
        p.write_bytes(b"PK\x03\x04whatever")
        return p, "unsupported file type '.docx'"
    if kind == "corrupt_parquet":
        p = folder / "broken.parquet"
        p.write_bytes(b"PAR1" + os.urandom(64) + b"PAR1")
        return p, "Parquet"
    if kind == "corrupt_gzip":
        p = folder / "data.csv.gz"
        p.write_bytes(b"\x1f\x8b\x08\x00" + b"\x00" * 30)
        return p, "gzip"
    raise AssertionError(kind)


BAD_KINDS = ["missing", "truncated_xlsx", "corrupt_xlsx", "password_xlsx", "png_as_csv",
             "lfs_pointer", "unsupported", "corrupt_parquet", "corrupt_gzip"]


def assert_one_line(stderr: str, path: Path, cause: str) -> str:
    assert "Traceback" not in stderr
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, stderr
    assert str(path) in lines[0] and cause in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("kind", BAD_KINDS)
def test_bad_input_subprocess(tmp_path, kind):
    path, cause = _bad(kind, tmp_path)
    r = run_cli(path)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert_one_line(r.stderr, path, cause)


def test_permission_denied_subprocess(tmp_path):
    f = good_csv(tmp_path)
    f.chmod(0)
    try:
        try:
            with open(f, "rb"):
                readable = True
        except PermissionError:
            readable = False
        if readable:
            pytest.skip("running as root: a chmod 000 file is still readable")
        r = run_cli(f)
        assert r.returncode == 2
        assert_one_line(r.stderr, f, "permission denied")
    finally:
        f.chmod(0o644)


def test_permission_denied_message(tmp_path, monkeypatch):
    """The reader's permission path (runs even as root, where chmod 000 cannot deny a read):
    the OS refusing the open becomes 'permission denied'."""
    f = good_csv(tmp_path)
    real_open = builtins.open

    def deny(file, *a, **kw):
        if str(file) == str(f):
            raise PermissionError(13, "Permission denied", str(f))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(builtins, "open", deny)
    with pytest.raises(ReadError) as ei:
        read_tables(f)
    assert ei.value.cause == "permission denied"


def test_one_bad_file_among_several_json(tmp_path):
    """Bad files are reported (one stderr line each) and the good ones are still scanned;
    the JSON report validates and carries the error of each bad file."""
    good = good_csv(tmp_path)
    bad = {kind: _bad(kind, tmp_path) for kind in ("png_as_csv", "password_xlsx", "missing")}
    out = tmp_path / "report.json"
    r = run_cli(good, *[p for p, _ in bad.values()], "--format", "json", "--output", out)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 3
    for (p, cause), line in zip(bad.values(), lines):
        assert str(p) in line and cause in line
    for text in (r.stdout, out.read_text(encoding="utf-8")):
        report = json.loads(text)
        validate_report(report)
        files = {f["path"]: f for f in report["files"]}
        assert files[str(good)]["tables"][0]["rows"] == 2
        assert "error" not in files[str(good)]
        for p, cause in bad.values():
            assert cause in files[str(p)]["error"] and files[str(p)]["tables"] == []


def test_bad_file_in_a_folder(tmp_path):
    folder = tmp_path / "share"
    folder.mkdir()
    good_csv(folder)
    png, cause = _bad("png_as_csv", folder)
    r = run_cli(folder, "--format", "json")
    assert r.returncode == 2
    assert_one_line(r.stderr, png, cause)
    report = json.loads(r.stdout)
    validate_report(report)
    assert [Path(f["path"]).name for f in report["files"]] == ["good.csv", "photo.csv"]


def test_debug_shows_no_values(tmp_path):
    """Parser messages can quote a row; the cause line never does."""
    f = tmp_path / "secret.parquet"
    f.write_bytes(b"PAR1" + b"Amina +243812345678" * 3 + b"PAR1")
    r = run_cli(f)
    assert r.returncode == 2
    assert "+243812345678" not in r.stderr and "Amina" not in r.stderr


def test_errors_said_in_french_json_keeps_english(tmp_path):
    """A French-speaking user reads why a file failed in French, on stderr and in every report
    meant for people; the JSON report keeps the contract's English cause."""
    pdf = tmp_path / "liste.csv"
    pdf.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 4)
    missing = tmp_path / "absent.xlsx"
    fake = tmp_path / "faux.parquet"
    fake.write_text("pas du parquet\n", encoding="utf-8")
    html = tmp_path / "r.html"
    md = tmp_path / "r.md"
    js = tmp_path / "r.json"
    r = run_cli(pdf, missing, fake, good_csv(tmp_path), "--lang", "fr", "--output", html,
                "--output", md, "--output", js, "--format", "text")
    assert r.returncode == 2
    err = r.stderr.strip().splitlines()
    assert f"datasafe: {pdf} : ce n'est pas un tableau texte : le fichier contient un document " \
           "PDF" in err
    assert f"datasafe: {missing} : fichier introuvable" in err
    assert f"datasafe: {fake} : ce n'est pas un fichier Parquet" in err
    assert len(err) == 3 and "Traceback" not in r.stderr
    assert "ERREUR : fichier introuvable" in r.stdout
    assert "voir les fichiers illisibles" in r.stdout
    assert "ce n&#x27;est pas un fichier Parquet" in html.read_text(encoding="utf-8")
    assert "le fichier contient un document PDF" in md.read_text(encoding="utf-8")
    errors = {Path(f["path"]).name: f["error"] for f in json.loads(js.read_text())["files"]
              if f.get("error")}
    assert errors == {"liste.csv": "not a text table: the file holds a PDF document",
                      "absent.xlsx": "no such file", "faux.parquet": "not a Parquet file"}


def test_every_read_error_has_a_french_cause():
    """Each cause the readers can give (``read_error.*``) is in both catalogues."""
    from datasafe.report.common import _load_locale

    def keys(node, prefix=""):
        for k, v in node.items():
            if isinstance(v, dict):
                yield from keys(v, f"{prefix}{k}.")
            else:
                yield prefix + k

    en, fr = _load_locale("en")["read_error"], _load_locale("fr")["read_error"]
    assert sorted(keys(en)) == sorted(keys(fr))
    src = "".join(p.read_text(encoding="utf-8") for p in (REPO / "datasafe").rglob("*.py"))
    import re

    used = set(re.findall(r"error_cause\(\s*f?\"([a-z0-9_]+)", src))
    assert used and used <= set(en), used - set(en)


def test_a_ragged_row_is_described_never_quoted_even_with_debug(tmp_path):
    """Arrow's parse error quotes the offending row ("got 2: Mary Jones,+243998877665"): the
    streamed redaction and the streaming scan say what is wrong with it in one line, and
    --debug shows where it failed, not the row."""
    f = tmp_path / "ragged.csv"
    f.write_text("name,phone,age\nJohn Smith,+243812345678,34\nMary Jones,+243998877665\n",
                 encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1",
           "DATASAFE_AUDIT_LOG": str(tmp_path / "audit.jsonl")}
    env.pop("DATASAFE_DEBUG", None)
    for args in (["redact", str(f), "--stream", "--profile", "hdx-public", "-o",
                  str(tmp_path / "out.csv")],
                 ["--debug", "redact", str(f), "--stream", "--profile", "hdx-public", "-o",
                  str(tmp_path / "out.csv")],
                 ["scan", str(f), "--engine", "stream", "--ner", "off"]):
        r = subprocess.run([sys.executable, "-m", "datasafe", *args], capture_output=True,
                           text=True, env=env, timeout=300)
        assert r.returncode == 2, (args, r.stderr)
        assert "a row has 2 cells where the header has 3" in r.stderr, r.stderr
        for secret in ("Mary", "+243998877665", "John", "+243812345678"):
            assert secret not in r.stdout + r.stderr, (args, secret)
        assert not (tmp_path / "out.csv").exists()


def test_debug_traceback_withholds_the_message(tmp_path, monkeypatch):
    """An unexpected error under --debug: the traceback says where, not the message (which
    may quote data); DATASAFE_DEBUG=messages is the developer's explicit choice."""
    import click

    from datasafe import cli

    def boom(*a, **k):
        row = "Amina Yusuf," + "+2438" + "12345678"  # the source line shows no value
        raise ValueError(f"could not convert {row!r}")

    monkeypatch.setattr(cli, "main", boom)
    monkeypatch.setattr(sys, "argv", ["datasafe", "--debug", "scan", "x.csv"])
    monkeypatch.delenv("DATASAFE_DEBUG", raising=False)
    errors = []
    monkeypatch.setattr(click, "echo", lambda m="", **k: errors.append(str(m)))
    with pytest.raises(SystemExit) as e:
        cli.run()
    assert e.value.code == 2
    text = "\n".join(errors)
    assert "Traceback" in text and "builtins.ValueError (message withheld" in text
    assert "Amina" not in text and "+243812345678" not in text


def test_a_few_bytes_of_binary_are_not_a_table(tmp_path):
    """14 bytes holding 0x00-0x03 passed as a clean CSV; a short real CSV with one stray
    control byte still reads."""
    f = tmp_path / "b.csv"
    f.write_bytes(b"\x00\x01\x02\x03binary\xff\xfe")
    with pytest.raises(ReadError, match="binary data"):
        read_tables(f)
    g = tmp_path / "ok.csv"
    g.write_bytes(b"village,households\nGoma,12\x01\nBeni,7\n")
    (t,) = read_tables(g)
    assert t.rows == 2


def test_the_time_limit_never_interrupts_an_import(tmp_path, monkeypatch):
    """An exception raised inside Python's import machinery can leave the import lock held, and
    the next import on another thread (the profiling workers') then waits for ever: the read
    time limit waits for the import to finish, then stops the read."""
    import _imp
    import sys
    import threading

    from datasafe import read as R

    (tmp_path / "slow_to_import_mod.py").write_text("import time\ntime.sleep(0.4)\nDONE = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(R._ReadTimeout):
        with R._time_limit(0.05):
            import slow_to_import_mod  # noqa: F401
            while True:  # the read goes on after the import: the limit stops it here
                pass
    assert sys.modules["slow_to_import_mod"].DONE and not _imp.lock_held()
    done = []
    t = threading.Thread(target=lambda: done.append(__import__("json")))
    t.start()
    t.join(5)
    assert done
    sys.modules.pop("slow_to_import_mod", None)
