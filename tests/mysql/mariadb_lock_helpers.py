"""Two MariaDB sessions, one holding a lock while the other runs, decided from the server's own
state, never from a clock (docs/mysql.md, fix-tests14 and fix-tests15): the holder holds its
statement's locks once it is asleep after it, a session waits when INNODB_TRX or the
processlist says so, and the holder is killed once the test has seen what it looks for."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

#: how long the server may take to reach a state on a slow, loaded machine (a bound, not a
#: measure: every decision below reads the server's own state, never a clock)
PATIENCE = 30.0
#: between two reads of INNODB_TRX: InnoDB refreshes its copy of the transactions only once
#: it has not been read for 0.1 s (polled faster, a new lock wait never shows: seen on 10.11)
POLL = 0.25


def client(mariadb, database: str, sql: str) -> subprocess.Popen:
    return subprocess.Popen([mariadb.client, "--no-defaults", f"--socket={mariadb.socket}",
                             "-uroot", database, "-e", sql],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _ids(mariadb, query: str) -> list[int]:
    return [int(line) for line in mariadb.run(query, "mysql").stdout.split()]


def _blocked(mariadb, database: str, ignored: list[int]) -> list[int]:
    """The sessions in `database` (but `ignored`) that wait for a lock: InnoDB's (INNODB_TRX's
    LOCK WAIT, how a DDL waits for c's table lock and c's writes behind it on 10.11) or a
    metadata lock (the processlist's 'Waiting for table metadata lock' and its kin)."""
    return _ids(mariadb, "SELECT l.ID FROM information_schema.PROCESSLIST l LEFT JOIN "
                "information_schema.INNODB_TRX t ON t.trx_mysql_thread_id = l.ID WHERE "
                f"l.DB = '{database}' AND l.ID NOT IN ({', '.join(map(str, ignored))}) AND "
                "(t.trx_state = 'LOCK WAIT' OR l.STATE LIKE 'Waiting for%')")


def _holding(mariadb, database: str) -> list[int]:
    """The sessions in `database` asleep in the holder's `SELECT SLEEP`: the client sends one
    statement after the other, so the holder's statement (and its locks) is then done and
    open."""
    return _ids(mariadb, "SELECT ID FROM information_schema.PROCESSLIST WHERE "
                f"DB = '{database}' AND STATE = 'User sleep' AND INFO LIKE 'SELECT SLEEP%'")


def waits_or_ends(mariadb, database: str, session: subprocess.Popen, holder: int,
                  ignored: list[int]) -> tuple[bool, int | None]:
    """Whether `session` (a client just started) waits for a lock while the holder holds its
    own, and its connection id when it does; it does not when it ends while the holder still
    sleeps. Polled until one of the two is seen (at most PATIENCE seconds)."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        blocked = _blocked(mariadb, database, ignored)
        if blocked:
            assert holder in _holding(mariadb, database), "the holder ended before the wait"
            return True, blocked[0]
        if session.poll() is not None:
            assert session.returncode == 0, session.stderr.read() if session.stderr else ""
            assert holder in _holding(mariadb, database), "the holder ended first: undecided"
            return False, None
        time.sleep(POLL)
    state = mariadb.run("SELECT l.ID, l.DB, l.STATE, l.INFO, t.trx_state FROM information_schema."
                        "PROCESSLIST l LEFT JOIN information_schema.INNODB_TRX t ON "
                        "t.trx_mysql_thread_id = l.ID", "mysql").stdout
    pytest.fail(f"neither waited nor ended within {PATIENCE} s:\n{state}")


@contextmanager
def holding(mariadb, database: str, blocker: str
            ) -> Iterator[tuple[int, list[subprocess.Popen]]]:
    """A second session that has run `blocker` in an open transaction and sleeps: yields its
    connection id and a list the caller appends its own sessions to. On leaving, the holder is
    killed (its connection ends: its transaction rolls back) and each appended session must
    then end without error; on a failure every session is ended."""
    holder = client(mariadb, database, f"BEGIN; {blocker}; SELECT SLEEP({PATIENCE * 4})")
    sessions, holder_id = [holder], None
    try:
        deadline = time.monotonic() + PATIENCE
        while not (held := _holding(mariadb, database)):
            assert holder.poll() is None, holder.stderr.read() if holder.stderr else ""
            assert time.monotonic() < deadline, f"the holder did not reach its sleep: {blocker}"
            time.sleep(0.05)
        (holder_id,) = held
        yield holder_id, sessions
        assert mariadb.run(f"KILL {holder_id}", "mysql").returncode == 0
        holder_id = None
        for session in sessions[1:]:
            assert session.wait(timeout=PATIENCE) == 0, (
                session.stderr.read() if session.stderr else "")
    finally:
        if holder_id is not None:  # (a failure: its server session would hold on asleep)
            mariadb.run(f"KILL {holder_id}", "mysql")
        for session in sessions:
            if session.poll() is None:
                session.kill()
            session.wait(timeout=PATIENCE)


def waits(mariadb, database: str, sql: str, blocker: str, later: str = "") -> tuple:
    """Whether `sql` waits while another session holds `blocker` open, and, when `later` is
    given, whether `later` (run while `sql` waits) waits too."""
    with holding(mariadb, database, blocker) as (holder_id, sessions):
        running = client(mariadb, database, sql)
        sessions.append(running)
        waited, ddl_id = waits_or_ends(mariadb, database, running, holder_id, [holder_id])
        queued = None
        if later:
            assert waited and ddl_id is not None, "`later` queues only behind a waiting DDL"
            behind = client(mariadb, database, later)
            sessions.append(behind)
            queued = waits_or_ends(mariadb, database, behind, holder_id,
                                   [holder_id, ddl_id])[0]
    return waited, queued


# --- fix-flaky1: a session started while a DDL is in one phase of its work --------------------

def _holds(held: str | None) -> str:
    """The condition that the processlist row `l` holds a metadata lock of mode `held` (none
    when `held` is None): a phase some of whose STATE is spent holding another lock (MariaDB
    10.11 shows REBUILD PARTITION as 'setup' while it copies, holding MDL_SHARED_NO_WRITE, and
    still while it renames, holding MDL_EXCLUSIVE)."""
    return "" if held is None else (
        " AND EXISTS (SELECT 1 FROM information_schema.METADATA_LOCK_INFO m WHERE "
        f"m.THREAD_ID = l.ID AND m.LOCK_MODE = '{held}')")


def state_of(mariadb, connection: int, held: str | None = None) -> str | None:
    """The processlist STATE of `connection` (None once it is gone, or while it does not hold
    a metadata lock of mode `held` when given)."""
    ran = mariadb.run("SELECT l.STATE FROM information_schema.PROCESSLIST l WHERE l.ID = "
                      f"{connection}{_holds(held)}", "mysql")
    return ran.stdout.strip() if ran.stdout else None


def start_in_phase(mariadb, database: str, sql: str, shown: str, phase: frozenset[str],
                   held: str | None = None) -> tuple[subprocess.Popen, int | None]:
    """`sql` started in a session of its own, and its connection id once the statement that
    starts with `shown` is in a STATE of `phase` (holding a metadata lock of mode `held` when
    given; None when it was not seen there)."""
    if held is not None:  # (the plugin that shows metadata locks; 1: already installed)
        assert mariadb.run("INSTALL SONAME 'metadata_lock_info'", "mysql").returncode in (0, 1)
    ddl = client(mariadb, database, sql)
    deadline = time.monotonic() + PATIENCE
    while ddl.poll() is None and time.monotonic() < deadline:
        found = mariadb.run("SELECT l.ID, l.STATE FROM information_schema.PROCESSLIST l WHERE "
                            f"l.DB = '{database}' AND l.INFO LIKE '{shown}%'{_holds(held)}",
                            "mysql").stdout.split("\t")
        if len(found) == 2 and found[1].strip() in phase:
            return ddl, int(found[0])
        time.sleep(0.01)
    return ddl, None


def waits_during(mariadb, database: str, sql: str, ddl: int, phase: frozenset[str],
                 held: str | None = None) -> bool | None:
    """Whether `sql`, started while session `ddl` is in `phase` (states it goes through once,
    in one stretch), waits for a lock in that phase. Decided only when conclusive, whatever
    the machine's speed: True when `sql` is seen waiting and `ddl` is still in the phase after
    that, False when `sql` has ended and `ddl` is still in the phase after that; None
    (undecided) when `ddl` leaves the phase first (a session arriving at its final rename
    legitimately waits for it). `held`: as start_in_phase's."""
    if state_of(mariadb, ddl, held) not in phase:
        return None
    session = client(mariadb, database, sql)
    try:
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            ended = session.poll() is not None
            waiting = _ids(mariadb, "SELECT ID FROM information_schema.PROCESSLIST WHERE "
                           f"DB = '{database}' AND ID <> {ddl} AND STATE LIKE 'Waiting for%'")
            if state_of(mariadb, ddl, held) not in phase:  # (read last: held all along)
                return None
            if waiting:
                return True
            if ended:
                assert session.returncode == 0, session.stderr.read() if session.stderr else ""
                return False
            time.sleep(0.01)
        pytest.fail(f"{sql} neither waited nor ended within {PATIENCE} s")
    finally:
        session.wait(timeout=PATIENCE * 4)


#: the ALTER's copy, as the processlist shows it on MariaDB 10.11: the rows copied, then the
#: copy's keys built; after it the ALTER waits for its exclusive lock and renames the copy
#: ('Waiting for table metadata lock', 'Rename result table'), where a read legitimately waits
COPYING = frozenset({"copy to tmp table", "Repair by sorting", "Repair with keycache",
                     "Creating index", "Enabling keys"})

#: how many times a DDL runs before a test gives up on a decision (each time on a bigger table)
TRIES = 5


def decide_during(mariadb, database: str, fill: Callable[[int], None], rows: int, ddl: str,
                  phase: frozenset[str], probe: str, held: str | None = None) -> bool:
    """Whether `probe` waits while `ddl` is in `phase` (waits_during), on a table `fill(rows)`
    made. An undecided run (the DDL ended its phase, or was never seen in it, before the probe
    was decided: a slow or loaded machine) runs again on a bigger table (`fill` given more
    rows), at most TRIES times; then the test fails, never passes undecided."""
    for attempt in range(TRIES):
        fill(rows * (attempt + 1))
        running, ddl_id = start_in_phase(mariadb, database, ddl, ddl, phase, held)
        try:
            decided = None if ddl_id is None else waits_during(mariadb, database, probe,
                                                               ddl_id, phase, held)
        finally:
            assert running.wait(timeout=PATIENCE * 4) == 0, (
                running.stderr.read() if running.stderr else "")
        if decided is not None:
            return decided
    pytest.fail(f"{probe} undecided in {TRIES} runs of {ddl} (up to {rows * TRIES} rows)")
