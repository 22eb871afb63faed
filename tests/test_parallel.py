"""lockwise.parallel: a function computed in a forked child."""

from __future__ import annotations

import os

import pytest

from lockwise.parallel import Background, can_fork, cpus

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")


def test_the_result_comes_back_from_the_child() -> None:
    parent = os.getpid()
    child = Background(lambda: (os.getpid(), [{"kind": "missing-object"}] * 3))
    pid, value = child.result()  # type: ignore[misc]
    assert pid != parent
    assert value == [{"kind": "missing-object"}] * 3


def test_a_failing_child_gives_none() -> None:
    def boom() -> int:
        raise ValueError("broken")

    assert Background(boom).result() is None


def test_an_unpicklable_result_gives_none() -> None:
    assert Background(lambda: (lambda: 1)).result() is None


def test_a_large_result_does_not_block_on_the_pipe() -> None:
    text = "x" * 5_000_000  # far more than a pipe buffers
    assert Background(lambda: text).result() == text


def test_cancel_stops_the_child() -> None:
    import time

    child = Background(lambda: time.sleep(60))
    started = time.monotonic()
    child.cancel()
    assert time.monotonic() - started < 30
    with pytest.raises(ChildProcessError):
        os.waitpid(child._pid, os.WNOHANG)


def test_cpus_and_can_fork() -> None:
    import threading

    assert cpus() >= 1
    assert can_fork() == (cpus() > 1 and threading.active_count() == 1)


def test_no_fork_while_another_thread_runs() -> None:
    import threading

    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        assert not can_fork()
    finally:
        release.set()
        worker.join()
