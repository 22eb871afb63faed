"""The metadata locks `LOCK TABLES t WRITE` takes, until UNLOCK TABLES, on the tables related
to t by a foreign key, by dialect.

MariaDB (checked on 10.11 in information_schema.METADATA_LOCK_INFO): a WRITE lock (WRITE,
LOW_PRIORITY WRITE, WRITE CONCURRENT) prelocks the tables whose keys reference t as a write of
every kind would (effects/mysql.py's _key_action_locks walk): SHARED_WRITE on those whose ON
DELETE or ON UPDATE action changes their rows, and then on the tables referencing those in
turn, SHARED_READ on the others; none on the tables t's own keys reference; none for a READ
lock; the same with foreign_key_checks off.

MySQL 8 (its 8.0 manual, documented, not checked here: 15.3.6 "LOCK TABLES and UNLOCK TABLES
Statements", and 15.1.20.5 "FOREIGN KEY Constraints", Foreign Key Locking): "any tables
related by a foreign key constraint are opened and locked implicitly. For foreign key checks, a
shared read-only lock (LOCK TABLES READ) is taken on related tables. For cascading updates, a
shared-nothing write lock (LOCK TABLES WRITE) is taken on related tables that are involved in
the operation": the tables t references too, READ; the cascading ones WRITE."""

from __future__ import annotations

import pytest
from test_mysql_key_action_locks import SETUP

from lockwise.core.types import LockMode

W, R = LockMode.ROW_EXCLUSIVE, LockMode.ROW_SHARE
#: LOCK TABLES' own locks: WRITE (SHARED_NO_READ_WRITE), READ (SHARED_READ_ONLY).
LW, LR = LockMode.ACCESS_EXCLUSIVE, LockMode.SHARE

#: The tables of SETUP (p, n, m1..m3, q, q2..q5, s: test_mysql_key_action_locks.py) the
#: referencing walk from p reaches, SHARED_WRITE but m2 (NO ACTION), SHARED_READ.
P_WRITE = {"p": LW, "n": W, "m1": W, "m2": R, "m3": W, "q": W, "q2": W, "q3": W, "q4": W,
           "q5": W}

#: (statement, the metadata locks MariaDB holds after it), each checked on MariaDB 10.11.
MARIADB = [
    ("LOCK TABLES p WRITE", P_WRITE),
    ("LOCK TABLES p LOW_PRIORITY WRITE", P_WRITE),
    ("LOCK TABLES p AS a WRITE", P_WRITE),
    ("LOCK TABLES n WRITE", {"n": LW, "m1": W, "m2": R, "m3": W}),  # not p, which n references
    ("LOCK TABLES q WRITE", {"q": LW, "q2": W, "q3": W, "q4": W, "q5": W}),
    ("LOCK TABLES q4 WRITE", {"q4": LW, "q5": W}),
    ("LOCK TABLES m1 WRITE", {"m1": LW}),
    ("LOCK TABLES s WRITE", {"s": LW}),
    ("LOCK TABLES p READ", {"p": LR}),
    ("LOCK TABLES p READ LOCAL", {"p": LR}),
    # a table listed keeps its own lock, the stronger
    ("LOCK TABLES q WRITE, p WRITE", {**P_WRITE, "q": LW}),
    ("LOCK TABLES p WRITE, n READ", {**P_WRITE, "n": LR}),
]

#: The same on MySQL 8, as its manual says (not checked on a MySQL server).
MYSQL = [
    ("LOCK TABLES p WRITE", {t: LR if mode == R else LW for t, mode in P_WRITE.items()}),
    ("LOCK TABLES n WRITE", {"n": LW, "p": LR, "m1": LW, "m2": LR, "m3": LW}),  # p: n's checks
    ("LOCK TABLES m1 WRITE", {"m1": LW, "n": LR}),
    ("LOCK TABLES q WRITE", {"q": LW, "p": LR, "q2": LW, "q3": LW, "q4": LW, "q5": LW}),
    ("LOCK TABLES s WRITE", {"s": LW}),
    ("LOCK TABLES n READ", {"n": LR}),
]


@pytest.mark.parametrize(("sql", "held"), MARIADB)
def test_mariadb_prelocks_the_referencing_tables(lint_change, sql: str, held: dict) -> None:
    """LOCK TABLES held its own tables' locks only."""
    (statement,) = lint_change(sql + ";\nUNLOCK TABLES;", "mariadb").statements[:1]
    assert statement.effect.locks == held, sql


@pytest.mark.parametrize(("sql", "held"), MYSQL)
def test_mysql_locks_the_related_tables(lint_change, sql: str, held: dict) -> None:
    (statement,) = lint_change(sql + ";\nUNLOCK TABLES;", "mysql").statements[:1]
    assert statement.effect.locks == held, sql


def test_the_lock_line_names_the_metadata_locks(lint_change) -> None:
    """The report names each prelocked table's metadata lock as MariaDB shows it."""
    from lockwise.effects.mysql_locks import metadata_lock

    effect = lint_change("LOCK TABLES n WRITE;\nUNLOCK TABLES;", "mariadb").statements[0].effect
    assert {t: metadata_lock(effect, mode) for t, mode in effect.locks.items()} == {
        "n": "SHARED_NO_READ_WRITE", "m1": "SHARED_WRITE", "m2": "SHARED_READ",
        "m3": "SHARED_WRITE"}


def test_the_locks_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: LOCK TABLES holds exactly those metadata locks, foreign_key_
    checks on and off (LOCK TABLES' own: SHARED_NO_READ_WRITE and SHARED_READ_ONLY)."""
    names = {W: "MDL_SHARED_WRITE", R: "MDL_SHARED_READ", LW: "MDL_SHARED_NO_READ_WRITE",
             LR: "MDL_SHARED_READ_ONLY"}
    assert mariadb.run("INSTALL SONAME 'metadata_lock_info'", "mysql").returncode in (0, 1)
    assert mariadb.run("CREATE DATABASE lock_tables_keys", "mysql").returncode == 0
    assert mariadb.run(SETUP, "lock_tables_keys").returncode == 0
    for checks in (1, 0):
        for sql, held in MARIADB:
            ran = mariadb.run(
                f"SET foreign_key_checks = {checks}; {sql}; SELECT TABLE_NAME, LOCK_MODE FROM "
                "information_schema.METADATA_LOCK_INFO WHERE TABLE_SCHEMA = 'lock_tables_keys'"
                " AND THREAD_ID = CONNECTION_ID(); UNLOCK TABLES;", "lock_tables_keys")
            assert ran.returncode == 0, (sql, ran.stderr)
            found: dict[str, set[str]] = {}
            for line in ran.stdout.splitlines():
                table, mode = line.split("\t")
                if table:  # (the schema's own INTENTION_EXCLUSIVE has no table)
                    found.setdefault(table, set()).add(mode)
            expected: dict[str, set[str]] = {}
            for table, mode in held.items():
                expected.setdefault(table, set()).add(names[mode])
            assert set(found) == set(expected), (sql, checks)
            for table, modes in found.items():
                # a table listed and prelocked holds both: the model keeps the stronger
                assert modes == expected[table] or len(modes) > 1 and expected[table] < modes, \
                    (sql, table)


def test_the_prelocks_are_held_until_unlock_tables(lint_change) -> None:
    """The lock line says how long: until UNLOCK TABLES, as LOCK TABLES' own (it said "until
    it commits", as DML's, which LOCK TABLES' locks outlive)."""
    from lockwise.effects.locks import lock_lines

    effect = lint_change("LOCK TABLES n WRITE;\nUNLOCK TABLES;", "mariadb").statements[0].effect
    waits = {rel: text for rel, _, _, text in lock_lines(effect)}
    assert waits["m1"].endswith(", until UNLOCK TABLES"), waits["m1"]
    assert waits["m2"].endswith(", until UNLOCK TABLES"), waits["m2"]
    (insert,) = lint_change("INSERT INTO s VALUES (1, 1);", "mariadb").statements
    assert lock_lines(insert.effect)[0][3].endswith(", until it commits")


@pytest.mark.parametrize(("dialect", "said"), [
    ("mariadb", ", and for the foreign keys that reference it SHARED_WRITE on m1, m3 (blocks "
                "LOCK=SHARED / EXCLUSIVE and COPY DDL, the exclusive step of every ALTER, and "
                "LOCK TABLES) and SHARED_READ on m2 (blocks the exclusive step of every ALTER, "
                "DROP, TRUNCATE and RENAME TABLE, and LOCK TABLES ... WRITE) until UNLOCK "
                "TABLES"),
    ("mysql", ", and for the foreign keys that relate it SHARED_NO_READ_WRITE on m1, m3 "
              "(their reads and writes wait) and SHARED_READ_ONLY on m2, p (their writes wait) "
              "until UNLOCK TABLES"),
])
def test_the_message_names_the_tables_locked_for_the_keys(lint_change, dialect, said) -> None:
    """mysql-lock-tables named the tables listed only (n), not those its keys lock."""
    report = lint_change("LOCK TABLES n WRITE;\nUNLOCK TABLES;", dialect)
    (finding,) = [f for s in report.statements for f in s.findings
                  if f.rule == "mysql-lock-tables"]
    assert finding.message.startswith("LOCK TABLES holds n (WRITE: their reads and writes "
                                      f"wait){said} or the end of the session"), finding.message


def test_the_message_names_no_key_locks_where_there_are_none(lint_change) -> None:
    report = lint_change("LOCK TABLES n READ, s WRITE;\nUNLOCK TABLES;", "mariadb")
    (finding,) = [f for s in report.statements for f in s.findings
                  if f.rule == "mysql-lock-tables"]
    assert finding.message.startswith("LOCK TABLES holds n (READ: their writes wait), s "
                                      "(WRITE: their reads and writes wait) until UNLOCK "
                                      "TABLES"), finding.message


#: (statement under LOCK TABLES p WRITE, the table refused and the server's error; None: it
#: runs), each checked on MariaDB 10.11: the tables the WRITE lock prelocked for their keys
#: may be used by name, read; written where their lock is SHARED_WRITE (n, m1), not where it
#: is SHARED_READ (m2: error 1099); under an alias they are not locked (1100).
PRELOCKED_USED = [
    ("SELECT * FROM n", None, None),
    ("SELECT * FROM m2", None, None),
    ("SELECT * FROM p JOIN n ON n.p_id = p.id", None, None),
    ("DELETE FROM m1", None, None),
    ("DELETE FROM m2", "m2", "ERROR 1099"),
    ("SELECT * FROM m2 AS z", "z", "ERROR 1100"),
    ("SELECT * FROM s", "s", "ERROR 1100"),
]


@pytest.mark.parametrize(("sql", "refused", "error"), PRELOCKED_USED)
def test_the_prelocked_tables_may_be_used(lint_change, mariadb, sql: str, refused,
                                          error) -> None:
    assert mariadb.run("CREATE DATABASE IF NOT EXISTS prelocked_used", "mysql"
                       ).returncode == 0
    assert mariadb.run(SETUP.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"),
                       "prelocked_used").returncode == 0
    ran = mariadb.run(f"LOCK TABLES p WRITE; {sql}; UNLOCK TABLES", "prelocked_used")
    assert (error in ran.stderr) if error else ran.returncode == 0, (sql, ran.stderr)
    report = lint_change(f"LOCK TABLES p WRITE;\n{sql};\nUNLOCK TABLES;", "mariadb")
    found = [f.message for s in report.statements for f in s.findings
             if f.rule == "mysql-table-not-locked"]
    assert len(found) == (refused is not None), (sql, found)
    if refused:
        assert found[0].startswith(f"{refused} "), found
        assert error.split()[1] in found[0], found
