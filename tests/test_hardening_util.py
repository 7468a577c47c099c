"""Helpers for the hardening, leak, offline and read-only tests: run the real ``datasafe``
command in a subprocess with a timeout, and measure its peak memory with ``os.wait4``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

# generous bounds: a hang or runaway memory, not a slow machine, should trip them
TIMEOUT = 180
MAX_RSS_BYTES = int(1.5 * 1024**3)


@dataclass
class Run:
    args: list
    returncode: int
    stdout: str
    stderr: str
    maxrss: int  # bytes
    elapsed: float = 0.0

    def __str__(self) -> str:
        return (f"datasafe {self.args!r} -> {self.returncode}\n--- stdout\n{self.stdout[-3000:]}"
                f"\n--- stderr\n{self.stderr[-3000:]}")


def base_env(tmp: Path, extra: dict | None = None) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DATASAFE_", "PYTEST_", "HYPOTHESIS"))}
    env["DATASAFE_AUDIT_LOG"] = str(tmp / "audit.jsonl")
    env["NO_COLOR"] = "1"
    env.pop("PYTHONPATH", None)
    if extra:
        env.update(extra)
    return env


def run_datasafe(args, *, cwd: Path, env: dict | None = None, timeout: float = TIMEOUT,
                 stdin=subprocess.DEVNULL) -> Run:
    """``python -m datasafe ARGS`` with a timeout; ``maxrss`` is the child's peak RSS."""
    cmd = [sys.executable, "-m", "datasafe", *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env if env is not None else base_env(cwd),
                                stdout=out, stderr=err, stdin=stdin, start_new_session=True)
        t0 = time.monotonic()
        deadline = t0 + timeout
        status = rusage = None
        while True:
            pid, status, rusage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                os.wait4(proc.pid, 0)
                proc.returncode = -9
                raise AssertionError(f"datasafe {args!r} hung (killed after {timeout}s)")
            time.sleep(0.05)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        run = Run(list(args), proc.returncode, out.read().decode("utf-8", "replace"),
                  err.read().decode("utf-8", "replace"), rusage.ru_maxrss * 1024,
                  time.monotonic() - t0)
    assert run.maxrss < MAX_RSS_BYTES, f"runaway memory: {run.maxrss / 1e6:.0f} MB\n{run}"
    return run


def assert_clean_failure_or_scan(run: Run, name: str) -> None:
    """A correct scan (exit 0/1), or exit 2 with one clear stderr line naming the file; never
    a traceback or an internal error."""
    assert "Traceback" not in run.stderr and "Traceback" not in run.stdout, str(run)
    assert "internal error" not in run.stderr, str(run)
    assert run.returncode in (0, 1, 2), str(run)
    if run.returncode == 2:
        lines = [ln for ln in run.stderr.splitlines() if ln.strip()]
        named = [ln for ln in lines if name in ln]
        assert named, f"no stderr line names {name!r}\n{run}"
        assert len(lines) == 1, f"expected one stderr line\n{run}"
        cause = named[0].split(name, 1)[1].strip(" :")
        assert len(cause) >= 8, f"no cause given\n{run}"
