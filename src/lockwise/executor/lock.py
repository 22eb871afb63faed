"""One runner at a time: session-level advisory locks held on the runner's connections.

Session level, not transaction level: a transaction-level lock would keep a transaction open for
the whole run, and CREATE INDEX CONCURRENTLY waits for every transaction older than itself to
end, so it would wait for the runner's own lock transaction forever.

Two locks, always taken in this order:

* the runner lock, on a dedicated connection that is idle while migrations run: released when
  the runner ends or dies (that backend notices its dead client at once);
* the statement lock, on the connection that runs the migrations. A backend waiting for a lock
  does not notice that its client died: a killed runner's last statement may go on, and commit,
  long after the runner lock was released. The statement lock is released only when that
  backend ends, so the next runner waits for it too.

Only the runner lock is ever waited for while holding nothing, and the statement lock only by
the holder of the runner lock: a runner of an older lockwise (the runner lock only) and a
backend left running by a dead runner (the statement lock only, waiting for neither) close no
cycle. Both are polled with pg_try_advisory_lock, so no wait can deadlock on the server.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

#: application_name of the runner's own connection (the runner lock's); its migration
#: connection's names the runner lock's backend (`statement_connection_name`).
APPLICATION_NAME = "lockwise"


class LockBusy(RuntimeError):
    """Another runner held the lock for longer than we were willing to wait."""


def statement_connection_name(runner_pid: int) -> str:
    """application_name of the migration connection of the runner whose lock connection is the
    backend `runner_pid`: `status` tells a live runner's statement from a dead runner's."""
    return f"{APPLICATION_NAME} migrations (runner pid {runner_pid})"


def _poll(conn, key: int, deadline: float, poll_seconds: float) -> bool:
    """Whether `pg_try_advisory_lock(key)` succeeded on `conn` before `deadline`."""
    while True:
        if conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(min(poll_seconds, max(0.0, deadline - time.monotonic())) or poll_seconds)


def acquire(conn, key: int, wait_seconds: float, poll_seconds: float = 0.2) -> None:
    """Take the runner lock `key` on `conn` (autocommit), polling for up to `wait_seconds`;
    raise LockBusy naming the holder when it stays busy."""
    if _poll(conn, key, time.monotonic() + max(0.0, wait_seconds), poll_seconds):
        return
    holder = holder_pid(conn, key)
    who = f" (held by backend pid {holder})" if holder else ""
    raise LockBusy(f"another lockwise runner holds the migration lock{who}; "
                   f"waited {wait_seconds:g}s. Try again later or raise --wait.")


def await_statement(conn, key: int, wait_seconds: float, say: Callable[[str], None],
                    poll_seconds: float = 0.2) -> None:
    """Take the statement lock `key` on `conn`, the holder of the runner lock: when a backend a
    dead runner left behind still holds it, say so and wait for up to `wait_seconds` for that
    backend to end; LockBusy naming it when it does not."""
    deadline = time.monotonic() + max(0.0, wait_seconds)
    if _poll(conn, key, time.monotonic(), poll_seconds):
        return
    # What is left of --wait after the runner lock, to a tenth of a second.
    wait_seconds = round(wait_seconds, 1)
    pid = holder_pid(conn, key)
    if pid is not None:
        say(f"lockwise: a previous runner's statement is still running on backend PID {pid}: "
            f"waiting (up to {wait_seconds:g}s) for it to end")
    if _poll(conn, key, deadline, poll_seconds):
        return
    pid = holder_pid(conn, key) or pid
    raise LockBusy(f"a previous runner's statement is still running on backend PID {pid}; "
                   f"waited {wait_seconds:g}s. It may still commit: wait for it (raise --wait), "
                   f"or cancel it with `SELECT pg_cancel_backend({pid})` and check what it did "
                   "with `lockwise status`.")


def ended(conn, key: int, wait_seconds: float, poll_seconds: float = 0.2) -> bool:
    """Whether the backend holding the statement lock `key` (the runner's own migration
    connection, lost mid-COMMIT) ended within `wait_seconds`: once it has, what it committed
    is final and visible. The lock is taken on `conn`, the holder of the runner lock, and
    given back at once."""
    if not _poll(conn, key, time.monotonic() + max(0.0, wait_seconds), poll_seconds):
        return False
    release(conn, key)
    return True


def release(conn, key: int) -> None:
    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def holder_pid(conn, key: int) -> int | None:
    """The backend pid holding the advisory lock `key`, if any."""
    found = holder(conn, key)
    return found.pid if found else None


@dataclass(frozen=True, slots=True)
class Holder:
    """The backend holding an advisory lock."""

    pid: int
    #: When that backend started; None when pg_stat_activity hides it from this role.
    started: datetime | None

    def wrote(self, pid: int, at: datetime | None) -> bool:
        """Whether a history row written at `at` by the backend `pid` was written by this
        backend: the same pid, and not a later backend that was given a dead one's pid."""
        return pid == self.pid and (self.started is None or at is None or self.started <= at)


def holder(conn, key: int) -> Holder | None:
    """The backend holding the advisory lock `key`, if any (bigint keys are split into
    classid = high 32 bits and objid = low 32 bits, objsubid = 1)."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    row = conn.execute(
        "SELECT l.pid, a.backend_start FROM pg_locks l "
        "LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.locktype = 'advisory' AND l.granted "
        "AND l.classid::bigint = %s AND l.objid::bigint = %s AND l.objsubid = 1 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        (unsigned >> 32, unsigned & 0xFFFFFFFF)).fetchone()
    return Holder(int(row[0]), row[1]) if row else None


@dataclass(frozen=True, slots=True)
class Backend:
    """A backend as pg_stat_activity shows it (query and wait visible to superusers and to
    the same role; None otherwise)."""

    pid: int
    application_name: str | None
    state: str | None
    wait_event_type: str | None
    wait_event: str | None
    seconds: float | None
    query: str | None

    def describe(self) -> str:
        parts = [self.state or "state unknown"]
        if self.wait_event_type:
            parts.append(f"waiting for {self.wait_event_type} {self.wait_event or ''}".strip())
        if self.seconds is not None:
            parts.append(f"for {self.seconds:.0f}s")
        query = " ".join((self.query or "").split())
        shown = f": {query[:120]}{'...' if len(query) > 120 else ''}" if query else ""
        return f"backend PID {self.pid} ({', '.join(parts)}){shown}"


def backend(conn, pid: int) -> Backend | None:
    row = conn.execute(
        "SELECT pid, application_name, state, wait_event_type, wait_event, "
        "extract(epoch FROM clock_timestamp() - query_start)::float8, query "
        "FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()
    return Backend(*row) if row else None


def stray_statement(conn, statement_key: int, runner_key: int) -> Backend | None:
    """The backend holding the statement lock when no live runner owns it: a statement a dead
    runner left running (it may still commit). A live runner's migration connection is named
    after its runner lock's backend (`statement_connection_name`); repair and baseline hold
    both locks on one connection."""
    pid = holder_pid(conn, statement_key)
    if pid is None:
        return None
    runner = holder_pid(conn, runner_key)
    found = backend(conn, pid)
    if runner is not None and (pid == runner or (
            found is not None and found.application_name == statement_connection_name(runner))):
        return None
    return found or Backend(pid, None, None, None, None, None, None)
