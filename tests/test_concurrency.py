"""The engines' background helpers: prefetching batches and mapping columns over cores."""

import threading
import time

import pytest

from datasafe.concurrency import map_on_cores, prefetch


def test_prefetch_yields_every_item_in_order():
    assert list(prefetch(iter(range(50)))) == list(range(50))
    assert list(prefetch(iter([]))) == []


def test_prefetch_raises_the_source_error_after_the_items_before_it():
    def source():
        yield 1
        yield 2
        raise ValueError("bad block at row 3")

    got = []
    with pytest.raises(ValueError, match="bad block"):
        for x in prefetch(source()):
            got.append(x)
    assert got == [1, 2]


def test_a_consumer_that_stops_early_closes_the_source():
    closed = threading.Event()

    def source():
        try:
            yield from range(1000)
        finally:
            closed.set()

    it = prefetch(source())
    assert next(it) == 0
    it.close()
    assert closed.wait(5), "the source generator was left open"


def test_map_on_cores_keeps_the_order_of_the_items():
    def slow_square(x):
        time.sleep(0.01 * (5 - x))
        return x * x

    assert map_on_cores(slow_square, range(5), big=True) == [0, 1, 4, 9, 16]
    assert map_on_cores(slow_square, range(5), big=False) == [0, 1, 4, 9, 16]


def test_write_behind_keeps_order_and_raises_the_writers_error():
    """Writes run one at a time on a second thread, in the order submitted; leaving the block
    waits for the last one; a failing write is raised at the next submit (or at the end); an
    error in the block waits for the pending write before it propagates."""
    import threading
    import time

    import pytest

    from datasafe.concurrency import write_behind

    written, threads = [], set()

    def slow_write(x):
        time.sleep(0.01)
        threads.add(threading.get_ident())
        written.append(x)

    with write_behind(slow_write) as write:
        for i in range(20):
            write(i)
    assert written == list(range(20)) and threading.get_ident() not in threads

    def failing(x):
        if x == 3:
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        with write_behind(failing) as write:
            for i in range(10):
                write(i)

    done = []

    def slower(x):
        time.sleep(0.05)
        done.append(x)

    with pytest.raises(KeyError):
        with write_behind(slower) as write:
            write("last")
            raise KeyError("in the block")
    assert done == ["last"]  # the pending write ended before the error left the block


def test_warm_ups_run_while_waiting_once_each_and_a_failing_one_is_dropped():
    from concurrent.futures import Future

    from datasafe import concurrency as C

    ran = []

    def bad():
        ran.append("bad")
        raise OSError("word list unreadable")

    def good():
        ran.append("good")

    C.when_idle(bad)
    C.when_idle(good)
    C.when_idle(good)  # asked twice, runs once
    fut = Future()
    C.work_while_waiting(fut)
    assert ran == ["bad", "good"] and C._IDLE == []
    C.when_idle(good)
    fut.set_result(None)
    C.work_while_waiting(fut)  # the read is done: nothing more runs now
    assert ran == ["bad", "good"] and C._IDLE == [good]
    C._IDLE.clear()


def test_workers_see_the_callers_context_variables():
    """A project's word lists reach detection through a context variable: the profiling
    workers must see what the calling thread set."""
    import contextvars

    var = contextvars.ContextVar("lists", default="shipped")
    token = var.set("project")
    try:
        assert map_on_cores(lambda _: var.get(), range(8), big=True) == ["project"] * 8
    finally:
        var.reset(token)


def test_a_warm_up_taken_by_another_thread_is_not_an_error(monkeypatch):
    from concurrent.futures import Future

    from datasafe import concurrency as C

    class Racy(list):  # another thread reading another file pops the last task first
        def pop(self, i=-1):
            raise IndexError("pop from empty list")

    monkeypatch.setattr(C, "_IDLE", Racy([lambda: None]))
    C.work_while_waiting(Future())  # returns; the read it waits for is not failed
