"""Atomic output: write to a temporary file in the destination folder, then rename it into
place, so that a crash never leaves a partial file and readers never see one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike, private: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``dest``; on success it replaces ``dest`` atomically.
    ``private``: readable by its owner only (restored values)."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp makes the file private (0600): the result gets the mode the file had, or a new
    # file's usual mode, so that a rewritten sidecar or a shared copy stays readable by the
    # team (a key file sets 0600 itself, inside the block)
    with contextlib.suppress(OSError):
        os.chmod(tmp_path, 0o600 if private else _mode_for(dest))
    try:
        yield tmp_path
        os.replace(tmp_path, dest)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def _umask() -> int:
    """The process's umask, read without changing it (Linux), else the usual 022."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def _mode_for(dest: Path) -> int:
    import stat

    try:
        return stat.S_IMODE(os.stat(dest).st_mode)
    except OSError:
        return 0o666 & ~_umask()


def write_text(dest: str | os.PathLike, text: str, encoding: str = "utf-8") -> None:
    # a file name that is not valid UTF-8 reaches reports as surrogate escapes: written as
    # backslash escapes (``\udce9``), never a crash
    with atomic_path(dest) as tmp:
        tmp.write_text(text, encoding=encoding, errors="backslashreplace")


def write_bytes(dest: str | os.PathLike, data: bytes) -> None:
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)
