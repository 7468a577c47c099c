"""The streaming engine's spill folder: private, removed on exit, swept after a killed run."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

import pytest

from tests.conftest import REPO, validate_report

pytest.importorskip("fcntl")

PAUSE = "DATASAFE_TEST_SPILL_PAUSE"


@pytest.fixture
def tmpdir_(tmp_path):
    d = tmp_path / "tmp"
    d.mkdir()
    return d


@pytest.fixture
def csv(tmp_path):
    p = tmp_path / "people.csv"
    rows = ["id,phone,age,sex,region"]
    rows += [f"P{i:05d},+2547{i * 7919 % 10**8:08d},{18 + i % 60},{'FM'[i % 2]},r{i % 9}"
             for i in range(600)]
    p.write_text("\n".join(rows) + "\n")
    return p


def _env(tmpdir, **extra):
    env = {k: v for k, v in os.environ.items() if k not in (PAUSE, "TEMP", "TMP")}
    return {**env, "TMPDIR": str(tmpdir), **extra}


def _cmd(csv):
    return [sys.executable, "-m", "datasafe", "scan", str(csv), "--engine", "stream", "--ner",
            "off", "--format", "json"]


def _scan(csv, tmpdir):
    r = subprocess.run(_cmd(csv), capture_output=True, text=True, env=_env(tmpdir), cwd=REPO,
                       timeout=300)
    assert r.returncode in (0, 1), r.stderr
    doc = json.loads(r.stdout)
    validate_report(doc)
    assert doc["files"][0]["engine"] == "stream" and doc["files"][0].get("error") is None
    return doc


def _as_from_a_shell() -> None:
    """In the child, before exec: Ctrl-C delivered and handled as a terminal delivers it. A
    pytest-xdist worker that ran other tests may have SIGINT ignored or blocked (children
    inherit both), and the interrupted scan would then never see the Ctrl-C the test sends."""
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _paused(csv, tmpdir):
    """A streaming scan held by the test hook after pass 1 spilled its hashes."""
    p = subprocess.Popen(_cmd(csv), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         text=True, env=_env(tmpdir, **{PAUSE: "120"}), cwd=REPO,
                         preexec_fn=_as_from_a_shell)
    lines = []
    for line in p.stderr:
        lines.append(line)
        if line.strip() == "datasafe: test pause":
            return p
    p.wait(timeout=60)
    pytest.fail("the scan ended before its pause: " + "".join(lines))


def _folders(tmpdir):
    return sorted(tmpdir.glob("datasafe-stream-*"))


def _mode(p):
    return stat.S_IMODE(os.lstat(p).st_mode)


def _stopped(p, timeout=60):
    """The exit code of ``p`` once it has stopped; when it does not stop in ``timeout``
    seconds, the test fails with the stacks of all its threads (the pause hook registers
    faulthandler on SIGUSR1), which say where it hangs."""
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGUSR1)
        time.sleep(2)  # the dump is written, then the run is killed so its stderr ends
        p.kill()
        _, err = p.communicate(timeout=30)
        pytest.fail(f"the scan did not stop within {timeout} s; its threads:\n{err}")


def _stop(p):
    if p.poll() is None:
        p.kill()
    p.wait(timeout=60)
    p.stderr.close()


def test_sigkilled_run_left_folder_is_swept_by_next_run(csv, tmpdir_):
    p = _paused(csv, tmpdir_)
    try:
        [folder] = _folders(tmpdir_)
        hashes = sorted(folder.glob("c*.u64"))
        assert len(hashes) == 5 and all(h.stat().st_size > 0 for h in hashes)
        # private: the folder 0700, the marker and the spilled hashes 0600
        assert _mode(folder) == 0o700
        assert {_mode(f) for f in folder.iterdir()} == {0o600}
        assert (folder / "datasafe-owner").read_text().startswith(
            f"datasafe streaming-engine spill folder\npid={p.pid}\n")
        p.send_signal(signal.SIGKILL)
        assert p.wait(timeout=60) == -signal.SIGKILL
    finally:
        _stop(p)
    assert _folders(tmpdir_) == [folder]  # what a kill leaves behind
    _scan(csv, tmpdir_)
    assert _folders(tmpdir_) == []  # swept by the next run, which removed its own too


def test_live_owner_kept_and_ctrl_c_cleans_up(csv, tmpdir_):
    p = _paused(csv, tmpdir_)
    try:
        [folder] = _folders(tmpdir_)
        before = sorted(f.name for f in folder.iterdir())
        _scan(csv, tmpdir_)  # another run while this one holds its lock
        assert _folders(tmpdir_) == [folder]
        assert sorted(f.name for f in folder.iterdir()) == before
        p.send_signal(signal.SIGINT)  # Ctrl-C: KeyboardInterrupt in the pause
        assert _stopped(p) == 130  # the shell's code for Ctrl-C
        assert "datasafe: interrupted" in p.stderr.read()
    finally:
        _stop(p)
    assert _folders(tmpdir_) == []


def test_sigterm_unwinds_like_ctrl_c(csv, tmpdir_):
    """A stopped CI job or container sends SIGTERM: the run removes its spill folder."""
    p = _paused(csv, tmpdir_)
    try:
        assert len(_folders(tmpdir_)) == 1
        p.send_signal(signal.SIGTERM)
        assert _stopped(p) == 128 + signal.SIGTERM
    finally:
        _stop(p)
    assert _folders(tmpdir_) == []


def test_folder_private_under_umask_0(tmpdir_):
    from datasafe.engines import spill

    old = os.umask(0)
    try:
        f = spill.create(tmpdir_)
        with spill.private_open(f.path / "x.u64", "ab") as fh:
            fh.write(b"12345678")
        (f.path / "freq").mkdir(mode=0o700)
    finally:
        os.umask(old)
    path = f.path
    try:
        assert _mode(f.path) == 0o700
        assert _mode(f.path / "datasafe-owner") == 0o600
        assert _mode(f.path / "x.u64") == 0o600
        assert _mode(f.path / "freq") == 0o700
        assert f.path.parent == tmpdir_ and f.path.name.startswith("datasafe-stream-")
    finally:
        f.close()
    assert not path.exists() and _folders(tmpdir_) == []


def _forge(tmpdir, name, text=None, **owner):
    """A folder with spilled data and (unless ``text`` is False) a marker: ``text``, or the
    marker of ``owner`` (pid, start, boot, host; this process's by default)."""
    from datasafe.engines import spill

    d = tmpdir / name
    d.mkdir(mode=0o700)
    (d / "c0.u64").write_bytes(b"\0" * 64)
    if text is False:
        return d
    if text is None:
        me = dict(line.split("=", 1) for line in spill._owner_text().splitlines()[1:])
        me.update({k: str(v) for k, v in owner.items()})
        text = spill.MAGIC + "\n" + "".join(f"{k}={v}\n" for k, v in me.items())
    (d / "datasafe-owner").write_text(text)
    os.chmod(d / "datasafe-owner", 0o600)
    return d


def _dead_pid():
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_sweep_removes_only_stale_marked_folders(tmpdir_, tmp_path):
    from datasafe.engines import spill

    if not os.path.exists("/proc/self/stat"):
        pytest.skip("process start times need /proc")
    live = spill.create(tmpdir_)  # a live run's folder: its lock is held (made first: it sweeps)
    gone = [
        _forge(tmpdir_, "datasafe-stream-dead", pid=_dead_pid()),
        _forge(tmpdir_, "datasafe-stream-reused", start=1),  # our pid, another start time
        _forge(tmpdir_, "datasafe-stream-reboot", boot="not-this-boot"),
    ]
    kept = [
        _forge(tmpdir_, "datasafe-stream-nomarker", text=False),
        _forge(tmpdir_, "datasafe-stream-foreign", text="my notes\npid=1\n"),
        _forge(tmpdir_, "datasafe-stream-empty", text=""),  # a marker being written
        _forge(tmpdir_, "datasafe-stream-alive"),  # this process, unlocked: still alive
        _forge(tmpdir_, "datasafe-stream-otherhost", pid=_dead_pid(), host="elsewhere"),
        _forge(tmpdir_, "other-dead", pid=_dead_pid()),  # not our prefix
    ]
    # a symlink to a stale folder, and a marker that is a symlink to a stale marker
    target = _forge(tmp_path, "target", pid=_dead_pid())
    (tmpdir_ / "datasafe-stream-link").symlink_to(target, target_is_directory=True)
    d = _forge(tmpdir_, "datasafe-stream-markerlink", text=False)
    (d / "datasafe-owner").symlink_to(target / "datasafe-owner")
    kept += [tmpdir_ / "datasafe-stream-link", d]
    kept.append(live.path)
    try:
        removed = spill.sweep(tmpdir_)
        assert sorted(removed) == sorted(gone)
        assert not any(g.exists() for g in gone)
        assert all(os.path.lexists(k) for k in kept)
        assert (target / "c0.u64").exists()
        assert spill.sweep(tmpdir_) == []
    finally:
        live.close()
    assert socket.gethostname() != "elsewhere"


def test_exception_and_keyboard_interrupt_remove_folder(csv, tmpdir_, monkeypatch):
    from datasafe.engines.stream import StreamRunner
    from datasafe.pipeline import ScanOptions, scan

    monkeypatch.setattr(tempfile, "tempdir", str(tmpdir_))
    assess = StreamRunner.assess
    seen = []

    def failing(exc):
        def run(self, plan, ctx):
            seen.append(_folders(tmpdir_))
            if exc is not None:
                raise exc("boom")
            return assess(self, plan, ctx)
        return run

    monkeypatch.setattr(StreamRunner, "assess", failing(None))
    assert scan(str(csv), options=ScanOptions(engine="stream", ner="off")).files[0].error is None
    assert _folders(tmpdir_) == []
    monkeypatch.setattr(StreamRunner, "assess", failing(RuntimeError))
    res = scan(str(csv), options=ScanOptions(engine="stream", ner="off"))
    assert res.files[0].error == "analysis failed: RuntimeError"
    assert _folders(tmpdir_) == []
    monkeypatch.setattr(StreamRunner, "assess", failing(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        scan(str(csv), options=ScanOptions(engine="stream", ner="off"))
    assert _folders(tmpdir_) == []
    assert [len(s) for s in seen] == [1, 1, 1]  # each run had its folder while it ran
