"""Small ways of using a second core where the work releases the GIL (pyarrow and numpy
kernels, hashlib, file reads): a call on a background thread, a map a column per core, the
next batch read ahead, and writes done behind."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from typing import Any

# concurrent.futures is imported when first used: a pre-commit run on a small file never needs it


def in_background(fn: Callable[..., Any], *args: Any):
    """A future of ``fn(*args)`` running on a daemon thread; ``result()`` re-raises its
    exception (hashing a file while it is read, or while its copy is rescanned)."""
    from concurrent.futures import Future

    fut: Future = Future()

    def run() -> None:
        try:
            fut.set_result(fn(*args))
        except BaseException as exc:  # noqa: BLE001 - re-raised by result() in the caller
            fut.set_exception(exc)

    threading.Thread(target=run, name=f"datasafe-{getattr(fn, '__name__', 'task')}",
                     daemon=True).start()
    return fut


@contextmanager
def write_behind(write: Callable[[Any], Any]):
    """``submit(x)`` runs ``write(x)`` on a second thread while the caller prepares the next
    item: one write in flight, in order (``submit`` waits for the previous one and re-raises
    its error). Leaving the block waits for the last write; after an error in the block the
    pending write still ends before the caller goes on (closes its file), and the block's
    error is the one raised."""
    pending = None

    def submit(x: Any) -> None:
        nonlocal pending
        if pending is not None:
            pending.result()
        pending = in_background(write, x)

    try:
        yield submit
        if pending is not None:
            last, pending = pending, None
            last.result()
    finally:
        if pending is not None:
            pending.exception()


_IDLE: list[Callable[[], Any]] = []


def when_idle(task: Callable[[], Any]) -> None:
    """Ask for ``task()`` (a warm-up: an import, a word list loaded into its cache) to run the
    next time this thread waits for a GIL-free kernel, e.g. pyarrow reading a big CSV. Runs at
    most once; a task that fails is dropped silently (the real call raises later, in place)."""
    if task not in _IDLE:
        _IDLE.append(task)


def work_while_waiting(fut) -> None:
    """Run the tasks of :func:`when_idle`, one at a time, until ``fut`` is done."""
    while _IDLE and not fut.done():
        try:
            task = _IDLE.pop(0)
        except IndexError:  # another thread, reading another file, took the last one
            return
        try:
            task()
        except Exception:  # noqa: BLE001 - a warm-up only; its real call reports the error
            pass


def map_on_cores(fn: Callable[[Any], Any], items: Iterable[Any], big: bool) -> list[Any]:
    """``[fn(x) for x in items]``, one item per core (at most 4) when ``big`` — only worth it
    when ``fn`` spends its time in GIL-free kernels over large arrays."""
    items = list(items)
    workers = min(4, os.cpu_count() or 1, len(items))
    if not big or workers < 2:
        return [fn(x) for x in items]
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    # each item runs in a copy of the caller's context: context variables (the project's word
    # lists, detect.headers.project_lists) are seen on the workers as on the calling thread
    contexts = [contextvars.copy_context() for _ in items]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(lambda cx: cx[0].run(fn, cx[1]), zip(contexts, items)))


def prefetch(items: Iterable[Any], depth: int = 1):
    """Iterate ``items`` on a background thread, ``depth`` items ahead of the consumer: the
    next batch is read and converted (pyarrow, mostly GIL-free) while this one is processed.
    An exception of the source is raised here, at the item it failed on; when the consumer
    stops early (an error, Ctrl-C, ``close()``), the source is closed on its own thread."""
    import queue

    q: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for x in items:
                if not put((True, x)):
                    return
            put((True, end))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            put((False, exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    threading.Thread(target=run, name="datasafe-prefetch", daemon=True).start()
    try:
        while True:
            ok, x = q.get()
            if not ok:
                raise x
            if x is end:
                return
            yield x
    finally:
        stop.set()
