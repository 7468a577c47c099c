"""A progress line on stderr for files that take more than a moment.

``ScanProgress`` is the ``ScanOptions.progress`` callback: the pipeline calls it with each
file's path as it starts. Nothing is drawn unless the stream is a terminal and the current file
has been running for ``delay`` seconds, so quick scans, pipes, CI logs and ``--quiet`` runs
stay clean. The line shows an indeterminate bar (the pipeline does not report progress inside a
file), the number of the file, its path and the time spent on it; it is erased when the scan
ends. Paths are shown, never data.
"""

from __future__ import annotations

import shutil
import sys
import threading
import time

BAR = 16


class ScanProgress:
    def __init__(self, stream=None, *, delay: float = 0.8, interval: float = 0.12,
                 enabled: bool | None = None, lang: str = "en"):
        self.stream = stream if stream is not None else sys.stderr
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.delay = delay
        self.interval = interval
        self.lang = lang
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._path: str | None = None
        self._started = 0.0
        self._count = 0
        self._tick = 0
        self._drawn = False

    # the ScanOptions.progress callback
    def __call__(self, path: str) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._path = str(path)
            self._started = time.monotonic()
            self._count += 1
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="datasafe-progress",
                                            daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                if self._path is None:
                    continue
                elapsed = time.monotonic() - self._started
                if elapsed < self.delay:
                    continue
                self._draw(self._line(self._path, self._count, elapsed))

    def _line(self, path: str, count: int, elapsed: float) -> str:
        from datasafe.report.common import Messages

        self._tick += 1
        pos = self._tick % (2 * (BAR - 3))
        pos = pos if pos < BAR - 3 else 2 * (BAR - 3) - pos
        bar = " " * pos + "███" + " " * (BAR - 3 - pos)
        label = Messages(self.lang)("progress.scanning", path=path)
        width = shutil.get_terminal_size((80, 20)).columns
        head = f"[{bar}] {count}  "
        tail = f"  {elapsed:4.1f}s"
        room = max(width - len(head) - len(tail) - 1, 10)
        if len(label) > room:
            label = "…" + label[-(room - 1):]
        return head + label + tail

    def _draw(self, line: str) -> None:
        try:
            self.stream.write("\r\x1b[K" + line)
            self.stream.flush()
            self._drawn = True
        except (OSError, ValueError):  # closed or broken stream: stop drawing
            self.enabled = False
            self._stop.set()

    def close(self) -> None:
        """Stop drawing and erase the line."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
        with self._lock:
            if self._drawn:
                try:
                    self.stream.write("\r\x1b[K")
                    self.stream.flush()
                except (OSError, ValueError):
                    pass
                self._drawn = False

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
