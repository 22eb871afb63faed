"""The metadata locks DDL takes on the tables related to its own by a foreign key, on MariaDB
(checked on 10.11 in information_schema.METADATA_LOCK_INFO and performance_schema.
metadata_locks, while the DDL waits for its own table behind another session).

ALTER TABLE k ADD FOREIGN KEY ... REFERENCES p run as ALGORITHM=COPY (foreign_key_checks on,
the default: InnoDB adds a key in place only with the checks off; or an ALGORITHM=COPY clause)
holds SHARED_NO_WRITE on p for the copy: p's writes wait. In place (the checks off) it holds
none that a read or a write of p waits for. The DDL of a parent (ALTER, DROP, RENAME TABLE p)
holds SHARED on the tables referencing it, which only an EXCLUSIVE lock (another DDL's) waits
for, and an InnoDB table lock on them at its end, which writes wait for (modelled as such:
test_mariadb_key_child_locks.py); a child's DDL asks for no lock on its parent before its
own."""

from __future__ import annotations

import time

import pytest
from mariadb_lock_helpers import PATIENCE, POLL, client, holding, waits, waits_or_ends

from lockwise.effects.mysql_locks import metadata_lock

SETUP = ("CREATE TABLE p (id INT PRIMARY KEY, v INT); CREATE TABLE c (id INT PRIMARY KEY, "
         "pid INT, FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE); CREATE TABLE k (id "
         "INT PRIMARY KEY, pid INT);")

NW = "SHARED_NO_WRITE"

#: (statement, the locks it holds on the tables other than k while it copies k)
ADDED = [
    ("ALTER TABLE k ADD FOREIGN KEY (pid) REFERENCES p (id)", {"p": NW}),
    ("ALTER TABLE k ADD CONSTRAINT k_p FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE, "
     "ALGORITHM=COPY", {"p": NW}),
    ("ALTER TABLE k ADD FOREIGN KEY (pid) REFERENCES p (id), ADD FOREIGN KEY (id) REFERENCES "
     "c (id)", {"p": NW, "c": NW}),
    ("ALTER TABLE k ADD FOREIGN KEY (pid) REFERENCES k (id)", {}),
    ("SET foreign_key_checks = 0; ALTER TABLE k ADD FOREIGN KEY (pid) REFERENCES p (id), "
     "ALGORITHM=COPY", {"p": NW}),
]


def _others(effect, own: str) -> dict[str, str]:
    return {t: metadata_lock(effect, mode) for t, mode in effect.locks.items() if t != own}


@pytest.mark.parametrize(("sql", "held"), ADDED)
def test_adding_a_key_by_copy_locks_the_parent(lint_change, sql: str, held: dict) -> None:
    """It held k's lock only."""
    statement = lint_change(sql.replace("; ", ";\n") + ";", "mariadb").statements[-1]
    assert _others(statement.effect, "k") == held, sql


def test_adding_a_key_in_place_locks_no_parent(lint_change) -> None:
    statement = lint_change("SET foreign_key_checks = 0;\nALTER TABLE k ADD FOREIGN KEY (pid) "
                            "REFERENCES p (id);", "mariadb").statements[-1]
    assert _others(statement.effect, "k") == {}


def _held_while_waiting(mariadb, database: str, ddl: str, blocker: str,
                        expected: dict[str, str]) -> dict[str, str]:
    """The metadata locks `ddl` holds (on the tables other than k) while it waits for k,
    which a second session holds with `blocker`: the `expected` ones as soon as they are seen
    (the DDL takes its locks one by one), else the last seen while it still waits (read from
    the server's state: the DDL waits for k's metadata lock, at most PATIENCE seconds)."""
    with holding(mariadb, database, blocker) as (holder_id, sessions):
        running = client(mariadb, database, ddl)
        sessions.append(running)
        waited, ddl_id = waits_or_ends(mariadb, database, running, holder_id, [holder_id])
        assert waited, f"it did not wait for k: {ddl}"
        deadline, held = time.monotonic() + PATIENCE, None
        while held != expected and time.monotonic() < deadline:
            seen = mariadb.run(
                "SELECT m.TABLE_NAME, m.LOCK_MODE FROM information_schema.METADATA_LOCK_INFO m "
                "JOIN information_schema.PROCESSLIST l ON l.ID = m.THREAD_ID WHERE "
                f"m.TABLE_SCHEMA = '{database}' AND l.ID = {ddl_id} AND l.STATE = "
                "'Waiting for table metadata lock'", "mysql")
            held = {table: mode.removeprefix("MDL_") for table, mode in
                    (line.split("\t") for line in seen.stdout.splitlines())
                    if table not in ("k", "")}
            if held != expected:
                time.sleep(POLL)
        return held or {}


def test_the_locks_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: while the ALTER waits for k (a second session reads it), it
    already holds SHARED_NO_WRITE on the tables its new keys reference when it copies k."""
    assert mariadb.run("INSTALL SONAME 'metadata_lock_info'", "mysql").returncode in (0, 1)
    for n, (sql, held) in enumerate(ADDED):
        database = f"ddl_key_locks{n}"
        assert mariadb.run(f"CREATE DATABASE {database}", "mysql").returncode == 0
        assert mariadb.run(SETUP, database).returncode == 0
        assert _held_while_waiting(mariadb, database, sql, "SELECT * FROM k", held) == held, sql


def test_in_place_it_waits_for_no_write_of_the_parent(mariadb) -> None:
    """Checked on MariaDB 10.11: with the checks off the ALTER ends while another session
    writes p (with them on, a copy, it waits for that session)."""
    for checks, blocked in ((0, False), (1, True)):
        database = f"ddl_key_locks_inplace{checks}"
        assert mariadb.run(f"CREATE DATABASE {database}", "mysql").returncode == 0
        assert mariadb.run(SETUP, database).returncode == 0
        assert waits(mariadb, database, f"SET foreign_key_checks = {checks}; ALTER TABLE k ADD "
                     "FOREIGN KEY (pid) REFERENCES p (id)",
                     "INSERT INTO p VALUES (9, 9)")[0] == blocked, checks


def test_a_parents_ddl_waits_for_the_writes_of_its_children(mariadb) -> None:
    """Checked on MariaDB 10.11 (modelled: test_mariadb_key_child_locks.py): ALTER and
    RENAME TABLE p hold SHARED on c, which references p, and no metadata lock a write waits
    for, yet InnoDB takes an exclusive table lock on c at the DDL's end (information_schema.
    INNODB_LOCKS: X, TABLE): the DDL waits for another session's open write of c (its IX),
    and c's new writes queue behind it; a read of c (no InnoDB table lock) neither waits nor
    is waited for."""
    database = "ddl_key_locks_parent"
    assert mariadb.run(f"CREATE DATABASE {database}", "mysql").returncode == 0
    assert mariadb.run(SETUP, database).returncode == 0
    for blocker, blocked, sql in (("INSERT INTO c VALUES (1, NULL)", True,
                                   "ALTER TABLE p ADD COLUMN w INT"),
                                  ("INSERT INTO c VALUES (2, NULL)", True, "RENAME TABLE p TO p2"),
                                  ("SELECT * FROM c", False, "RENAME TABLE p2 TO p")):
        assert waits(mariadb, database, sql, blocker)[0] == blocked, sql


@pytest.mark.parametrize(("sql", "said"), [
    ("ALTER TABLE k ADD FOREIGN KEY (pid) REFERENCES p (id)",
     "writes wait until it finishes, and so do the writes of p, which the foreign key it adds "
     "references."),
    ("ALTER TABLE k ADD FOREIGN KEY (pid) REFERENCES p (id), ADD FOREIGN KEY (id) REFERENCES "
     "c (id)", "writes wait until it finishes, and so do the writes of p and c, which the "
               "foreign keys it adds reference."),
    ("ALTER TABLE k ADD FOREIGN KEY (pid) REFERENCES k (id)", "writes wait until it finishes."),
    ("ALTER TABLE k MODIFY pid BIGINT", "writes wait until it finishes."),
])
def test_the_copy_says_the_parents_writes_wait(lint_change, sql: str, said: str) -> None:
    """mysql-table-copy said only k's writes wait: p's wait too (SHARED_NO_WRITE, above)."""
    (found,) = [f.message for f in lint_change(sql + ";", "mariadb").all_findings
                if f.rule == "mysql-table-copy"]
    assert found.endswith(": the table is copied row by row and " + said), found


def test_mysqls_copy_names_no_parent(lint_change) -> None:
    """MySQL's locks on the parent are not modelled (not checked on a MySQL server)."""
    (found,) = [f.message for f in lint_change(ADDED[0][0] + ";", "mysql").all_findings
                if f.rule == "mysql-table-copy"]
    assert found.endswith("writes wait until it finishes."), found
