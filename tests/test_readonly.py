"""Data safety (issue 11): inputs are opened read-only and never changed (content and
modification time), outputs are atomic, and a redaction killed midway leaves no partial file."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.test_hardening_util import base_env, run_datasafe


def _fingerprint(p: Path) -> tuple[str, int, int]:
    st = p.stat()
    return hashlib.sha256(p.read_bytes()).hexdigest(), st.st_mtime_ns, st.st_size


def _inputs(folder: Path) -> list[Path]:
    import pandas as pd

    df = pd.DataFrame({
        "full_name": [f"Person {i} Mukendi" for i in range(40)],
        "phone": [f"+243 81{i % 10} 555 {100 + i}" for i in range(40)],
        "district": ["Goma", "Beni", "Uvira", "Bukavu"] * 10,
        "age": [str(20 + i) for i in range(40)],
    })
    paths = [folder / "in.csv", folder / "in.xlsx", folder / "in.parquet", folder / "in.csv.gz"]
    df.to_csv(paths[0], index=False)
    df.to_excel(paths[1], index=False)
    df.to_parquet(paths[2], index=False)
    df.to_csv(paths[3], index=False, compression="gzip")
    return paths


# a sitecustomize that records every open() of the inputs in a mode other than read
OPEN_SPY = textwrap.dedent('''
    import builtins, io, os
    _watch = set(filter(None, os.environ.get("DATASAFE_TEST_WATCH", "").split(os.pathsep)))
    _log = os.environ.get("DATASAFE_TEST_OPENLOG")
    _real_open, _real_os_open = builtins.open, os.open

    def _note(path, how):
        try:
            p = os.path.realpath(os.fsdecode(path))
        except Exception:
            return
        if p in _watch:
            with _real_open(_log, "a") as fh:
                fh.write(f"{p}\\t{how}\\n")

    def open(file, mode="r", *a, **k):
        if isinstance(file, (str, bytes, os.PathLike)) and any(c in mode for c in "wax+"):
            _note(file, mode)
        return _real_open(file, mode, *a, **k)

    def os_open(path, flags, *a, **k):
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_TRUNC):
            _note(path, f"flags={flags}")
        return _real_os_open(path, flags, *a, **k)

    builtins.open = io.open = open
    os.open = os_open
''')


@pytest.mark.slow
def test_read_only_inputs_unchanged(tmp_path):
    """Read-only inputs (chmod 444): scan, redact, approve, baseline and hook leave their bytes
    and modification time as they were, and no input is ever opened for writing."""
    data = tmp_path / "data"
    data.mkdir()
    paths = _inputs(data)
    for p in paths:
        p.chmod(0o444)
    before = {p: _fingerprint(p) for p in paths}
    spy = tmp_path / "spy"
    spy.mkdir()
    (spy / "sitecustomize.py").write_text(OPEN_SPY)
    openlog = tmp_path / "opens.log"
    env = base_env(tmp_path, {
        "PYTHONPATH": str(spy), "DATASAFE_KEY": "r" * 40,
        "DATASAFE_TEST_WATCH": os.pathsep.join(os.path.realpath(p) for p in paths),
        "DATASAFE_TEST_OPENLOG": str(openlog)})
    # the spy works: a write-mode open of a watched file is recorded
    probe = tmp_path / "probe.txt"
    probe.write_text("x")
    subprocess.run([sys.executable, "-c", f"open({str(probe)!r}, 'a').close()"], check=True,
                   env=dict(env, DATASAFE_TEST_WATCH=os.path.realpath(probe)))
    assert openlog.read_text().strip(), "the open() spy did not record a write"
    openlog.unlink()
    names = [f"data/{p.name}" for p in paths]
    time.sleep(0.05)  # a changed mtime would differ
    runs = [
        run_datasafe(["scan", *names, "--ner", "off", "-o", "r.json", "-o", "r.html"],
                     cwd=tmp_path, env=env),
        run_datasafe(["redact", *names, "--profile", "hdx-public", "--ner", "off",
                      "--output-dir", "out"], cwd=tmp_path, env=env),
        run_datasafe(["approve", "data/in.csv", "--by", "T", "--reason", "R", "--destination",
                      "partner", "--ner", "off"], cwd=tmp_path, env=env),
        run_datasafe(["hook", *names, "--ner", "off"], cwd=tmp_path, env=env),
        run_datasafe(["gx", "export", "out/in.csv", "--output", "suite.json"], cwd=tmp_path,
                     env=env),
    ]
    for r in runs:
        assert "Traceback" not in r.stderr and "internal error" not in r.stderr, str(r)
        assert r.returncode in (0, 1), str(r)
    after = {p: _fingerprint(p) for p in paths}
    assert after == before
    assert not openlog.exists() or not openlog.read_text().strip(), openlog.read_text()
    # outputs went elsewhere, and no temporary file stayed behind
    assert sorted(p.name for p in (tmp_path / "out").iterdir() if p.suffix in (".csv", ".xlsx",
                                                                               ".parquet", ".gz"))
    leftovers = [p for p in tmp_path.rglob("*") if p.name.endswith(".tmp")]
    assert not leftovers, leftovers


@pytest.mark.slow
def test_redact_refuses_to_overwrite_its_input(tmp_path):
    p = _inputs(tmp_path)[0]
    before = _fingerprint(p)
    r = run_datasafe(["redact", p.name, "--profile", "hdx-public", "--ner", "off", "-o", p.name],
                     cwd=tmp_path, env=base_env(tmp_path, {"DATASAFE_KEY": "r" * 40}))
    assert r.returncode == 2 and "Traceback" not in r.stderr, str(r)
    assert len([ln for ln in r.stderr.splitlines() if ln.strip()]) == 1, str(r)
    assert _fingerprint(p) == before


def _big_csv(path: Path, rows: int = 400_000) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("full_name,phone,email,district,age,notes\n")
        for i in range(rows):
            fh.write(f"Person {i} Mukendi,+243 81{i % 10} {i % 1000:03d} {i % 997:03d},"
                     f"p{i}@example.org,D{i % 50},{18 + i % 60},visit number {i} ok\n")


@pytest.mark.slow
def test_redaction_killed_midway_leaves_no_partial_file(tmp_path):
    """SIGKILL a redaction of a large CSV at several moments: the output is either absent or
    complete (atomic rename), never partial; a hidden .tmp may remain (SIGKILL cannot be
    cleaned up), nothing else."""
    src = tmp_path / "big.csv"
    _big_csv(src)
    env = base_env(tmp_path, {"DATASAFE_KEY": "r" * 40})
    killed_midway = 0
    for delay in (1.0, 2.5, 5.0):
        out = tmp_path / f"out{delay}"
        proc = subprocess.Popen([sys.executable, "-m", "datasafe", "redact", "big.csv",
                                 "--profile", "hdx-public", "--ner", "off", "--no-rescan",
                                 "--output-dir", out.name],
                                cwd=tmp_path, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        finished = proc.poll() is not None
        if not finished:
            os.killpg(proc.pid, signal.SIGKILL)
            killed_midway += 1
        proc.wait(timeout=60)
        files = sorted(out.iterdir()) if out.exists() else []
        visible = [f for f in files if not f.name.startswith(".")]
        hidden = [f for f in files if f.name.startswith(".")]
        assert all(f.name.endswith(".tmp") for f in hidden), hidden
        copy = out / "big.csv"
        if copy.exists():
            # present only when complete: every record is in it
            with open(copy, "rb") as fh:
                lines = sum(1 for _ in fh)
            assert lines == 400_001, (delay, lines)
        else:
            assert not visible, (delay, visible)
    assert killed_midway, "the redaction finished before every kill: make the file larger"


@pytest.mark.slow
def test_report_output_is_atomic_on_failure(tmp_path):
    """A report that cannot be written (its path is a folder) fails cleanly and leaves no
    temporary file; an existing report is replaced whole."""
    p = _inputs(tmp_path)[0]
    (tmp_path / "r.json").mkdir()
    r = run_datasafe(["scan", p.name, "--ner", "off", "-o", "r.json"], cwd=tmp_path)
    assert r.returncode == 2 and "r.json" in r.stderr and "Traceback" not in r.stderr, str(r)
    assert not [f for f in tmp_path.iterdir() if f.name.endswith(".tmp")]
