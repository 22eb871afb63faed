"""A second core for long histories: one function run in a forked child while the parent goes
on with its own work.

Forking (not spawning) shares everything already imported and loaded, so the child starts at
once; its result comes back pickled through a pipe. Where fork is missing (Windows) or only
one CPU is usable, nothing runs in the background and the caller computes the result itself.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def cpus() -> int:
    """CPUs this process may run on (a container or taskset may allow fewer than exist)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class Background(Generic[T]):
    """`fn()` computed in a forked child; `result()` waits for it and returns it, or None when
    the child failed (the caller then computes it itself, and sees any error first hand)."""

    def __init__(self, fn: Callable[[], T]) -> None:
        read, write = os.pipe()
        self._pid = os.fork()
        if self._pid == 0:  # the child: compute, send, and leave without running cleanups
            code = 1
            try:
                os.close(read)
                import pickle

                data = pickle.dumps(fn(), protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(write, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)  # no atexit handlers, no flushing of the parent's buffers
        os.close(write)
        self._read = read

    def cancel(self) -> None:
        """Stop the child (the caller failed and will not want its result)."""
        import signal

        try:
            os.kill(self._pid, signal.SIGKILL)
            os.waitpid(self._pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass  # already gone
        os.close(self._read)

    def result(self) -> T | None:
        import pickle

        with os.fdopen(self._read, "rb") as handle:
            data = handle.read()  # before waiting: a full pipe would block the child
        _, status = os.waitpid(self._pid, 0)
        if os.waitstatus_to_exitcode(status) != 0 or not data:
            return None
        try:
            return pickle.loads(data)
        except Exception:  # noqa: BLE001 - a truncated result is a failed child
            return None


def can_fork() -> bool:
    """Whether a background child can help: fork() exists, a second CPU is usable, and this
    process runs no other thread (a child forked while another thread holds a lock, such as
    the logging module's, can hang on it; lockwise's own command line never starts one)."""
    import threading

    return hasattr(os, "fork") and cpus() > 1 and threading.active_count() == 1
