"""The streaming engine's temporary folder: private, owned, and cleaned up after killed runs.

What the streaming engine spills (64-bit hashes of column values with a fixed public seed,
frequency tables of key combinations, household splits) can be reversed by brute force for
phone numbers or ids, so a folder left behind is a privacy problem, not only a disk one.

- :func:`create` makes ``datasafe-stream-*`` in :func:`tempfile.gettempdir` (``TMPDIR``,
  ``TEMP``, ``TMP``, else the platform default). :func:`tempfile.mkdtemp` creates it mode
  0700 (only the owner can list or open what is inside); the spill files are opened 0600 too
  (:func:`private_open`).
- Inside it, the marker file :data:`MARKER` holds a ``flock`` for the life of the run (the
  kernel releases it when the process dies, however it dies) and says which process owns the
  folder: pid, process start time, boot id and host.
- :class:`SpillFolder.close` removes the folder (normal exit, exceptions, Ctrl-C: the engine
  closes it in a ``finally``); SIGKILL, the OOM killer or a power cut leave it behind, so
  every new streaming run first calls :func:`sweep`, which removes the leftovers in the same
  temporary directory. A folder is removed only when all of these hold: its name starts with
  ``datasafe-stream-``, it is a real directory (not a symlink) of the current user, it holds
  a regular marker file of this user that starts with :data:`MAGIC`, the marker's lock can be
  taken (no live process holds it), and its owner is not running (the recorded pid is gone,
  or was reused: a different start time or boot id); a folder from another host is kept.
  Anything else (no marker, a marker being written, a marker of a live owner) is left alone.

Without ``fcntl`` (Windows) folders are still private and removed on exit, but nothing is
swept.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import stat
import tempfile
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

PREFIX = "datasafe-stream-"
MARKER = "datasafe-owner"
MAGIC = "datasafe streaming-engine spill folder"
_MAX_MARKER = 4096

log = logging.getLogger("datasafe")


def _private_opener(path, flags):
    return os.open(path, flags, 0o600)


def private_open(path, mode: str = "ab"):
    """``open`` for spill files: created mode 0600 (the folder is 0700 already)."""
    return open(path, mode, opener=_private_opener)


def _boot_id() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def _start_time(pid: int) -> str | None:
    """The process's start time (clock ticks since boot, ``/proc/PID/stat`` field 22): ``""``
    when unknown (no /proc), None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except FileNotFoundError:
        return None if os.path.isdir("/proc/self") else ""
    except OSError:
        return ""
    fields = data.rsplit(b")", 1)[-1].split()
    return fields[19].decode() if len(fields) > 19 else ""  # fields after the (comm)


def _owner_text() -> str:
    pid = os.getpid()
    return (f"{MAGIC}\npid={pid}\nstart={_start_time(pid) or ''}\nboot={_boot_id()}\n"
            f"host={socket.gethostname()}\n")


def _parse(text: str) -> dict | None:
    lines = text.split("\n")
    if lines[0] != MAGIC:
        return None
    info = dict(line.split("=", 1) for line in lines[1:] if "=" in line)
    try:
        info["pid"] = int(info["pid"])
    except (KeyError, ValueError):
        return None
    return info


def _owner_alive(info: dict) -> bool:
    """Whether the process recorded in a marker may still run (True when unsure)."""
    if info.get("host") != socket.gethostname():
        return True  # a shared temporary directory: its pid means nothing here
    boot = _boot_id()
    if info.get("boot") and boot and info["boot"] != boot:
        return False  # recorded before the last reboot
    pid = info["pid"]
    if pid <= 0:
        return True
    start = _start_time(pid)
    if start is None:
        return False
    if start and info.get("start"):
        return start == info["start"]  # a different start time: the pid was reused
    if start:
        return True
    try:  # no /proc: the pid only
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class SpillFolder:
    """A private spill folder with its owner marker locked until :meth:`close`."""

    def __init__(self, path: Path, fd: int | None):
        self.path = path
        self._fd = fd

    def close(self) -> None:
        """Remove the folder, then release the lock (so a sweep never sees it unlocked)."""
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)
            self.path = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def create(dir: str | os.PathLike | None = None) -> SpillFolder:
    """Sweep the temporary directory, then make a new spill folder owned by this process."""
    base = Path(dir) if dir is not None else Path(tempfile.gettempdir())
    try:
        removed = sweep(base)
    except OSError:
        removed = []
    if removed:
        log.info("removed %d spill folder(s) left by killed datasafe runs in %s",
                 len(removed), base)
    path = Path(tempfile.mkdtemp(prefix=PREFIX, dir=base))
    fd = None
    try:
        fd = os.open(path / MARKER, os.O_RDWR | os.O_CREAT | os.O_EXCL
                     | getattr(os, "O_NOFOLLOW", 0), 0o600)
        if fcntl is not None:
            try:
                # blocking: a sweep that opened the still-empty marker skips it and lets go
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:  # a file system without flock: the pid check still protects it
                log.debug("spill folder lock unavailable", exc_info=True)
        os.write(fd, _owner_text().encode())
    except BaseException:
        if fd is not None:
            os.close(fd)
        shutil.rmtree(path, ignore_errors=True)
        raise
    return SpillFolder(path, fd)


def sweep(base: str | os.PathLike) -> list[Path]:
    """Remove the spill folders in ``base`` left by datasafe runs that are no longer running
    (see the module docstring for every condition); returns the folders removed."""
    if fcntl is None:
        return []
    removed = []
    with os.scandir(base) as entries:
        for entry in entries:
            if entry.name.startswith(PREFIX):
                try:
                    if _remove_if_stale(Path(entry.path)):
                        removed.append(Path(entry.path))
                except OSError:
                    log.debug("spill folder sweep", exc_info=True)
    return removed


def _remove_if_stale(path: Path) -> bool:
    uid = os.getuid()
    st = os.lstat(path)
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != uid:
        return False
    marker = path / MARKER
    try:
        fd = os.open(marker, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False  # no marker (not ours, or from a version without one), or a symlink
    try:
        mst = os.fstat(fd)
        if not stat.S_ISREG(mst.st_mode) or mst.st_uid != uid or mst.st_size > _MAX_MARKER:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # held: the owner runs (or another run is sweeping it)
        info = _parse(os.read(fd, _MAX_MARKER).decode("utf-8", "replace"))
        if info is None or _owner_alive(info):
            return False
        now = os.lstat(marker)  # still the same marker in the same folder
        if (now.st_ino, now.st_dev) != (mst.st_ino, mst.st_dev):
            return False
        shutil.rmtree(path)
        return True
    finally:
        os.close(fd)
