"""One runner at a time: a session-level advisory lock held on a dedicated connection.

Session level, not transaction level: a transaction-level lock would keep a transaction open for
the whole run, and CREATE INDEX CONCURRENTLY waits for every transaction older than itself to
end, so it would wait for the runner's own lock transaction forever. A dedicated connection
keeps the lock independent of the migrations' transactions; if the runner dies, PostgreSQL
releases the lock when the connection closes.
"""

from __future__ import annotations

import time


class LockBusy(RuntimeError):
    """Another runner held the lock for longer than we were willing to wait."""


def acquire(conn, key: int, wait_seconds: float, poll_seconds: float = 0.2) -> None:
    """Take `pg_advisory_lock(key)` on `conn` (autocommit), polling `pg_try_advisory_lock` for up
    to `wait_seconds`; raise LockBusy naming the holder when it stays busy."""
    deadline = time.monotonic() + max(0.0, wait_seconds)
    while True:
        got = conn.execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()[0]
        if got:
            return
        if time.monotonic() >= deadline:
            holder = holder_pid(conn, key)
            who = f" (held by backend pid {holder})" if holder else ""
            raise LockBusy(f"another lockwise runner holds the migration lock{who}; "
                           f"waited {wait_seconds:g}s. Try again later or raise --wait.")
        time.sleep(min(poll_seconds, max(0.0, deadline - time.monotonic())) or poll_seconds)


def release(conn, key: int) -> None:
    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def holder_pid(conn, key: int) -> int | None:
    """The backend pid holding the advisory lock `key`, if any (bigint keys are split into
    classid = high 32 bits and objid = low 32 bits, objsubid = 1)."""
    unsigned = key & 0xFFFFFFFFFFFFFFFF
    row = conn.execute(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
        "AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1 "
        "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
        (unsigned >> 32, unsigned & 0xFFFFFFFF)).fetchone()
    return int(row[0]) if row else None
