"""MariaDB's lock wait (`WAIT n` | `NOWAIT`) is looked for once in a statement (parse/mysql.py's
lock_wait): MariaDB's statement is read without it (without_lock_wait) exactly where MySQL's
refusal points, and a WAIT / NOWAIT that is no lock wait (in a string, in a comment, a name)
is neither blanked nor refused. Checked on MariaDB 10.11: every statement here runs."""

from __future__ import annotations

import pytest

from lockwise.parse.mysql import parse_mysql

SETUP = ("CREATE TABLE n (nowait INT, wait INT, a INT, KEY wait_key (a)); "
         "CREATE TABLE waitlist (id INT PRIMARY KEY);")

#: WAIT / NOWAIT written where no lock wait is
NOT_A_LOCK_WAIT = [
    "CREATE INDEX i ON n (nowait)",  # a column named nowait, first of the key
    "CREATE INDEX i ON n (wait)",
    "CREATE INDEX i ON n (a, nowait)",
    "CREATE INDEX nowait ON n (a)",
    "DROP INDEX wait_key ON n",
    "ALTER TABLE n COMMENT 'WAIT 5'",
    "ALTER TABLE n COMMENT = 'NOWAIT'",
    "ALTER TABLE waitlist ADD COLUMN c INT",
    "ALTER TABLE n ADD COLUMN `nowait2` INT",
    "DROP TABLE n /* WAIT 5 */",
    "TRUNCATE TABLE n -- NOWAIT\n",
    "RENAME TABLE waitlist TO w2",
]

#: (a statement with its lock wait, the lock wait as written)
LOCK_WAITS = [
    ("CREATE INDEX i ON n (nowait) NOWAIT", "NOWAIT"),
    ("CREATE INDEX i ON n (a, wait) WAIT 5", "WAIT 5"),
    ("DROP TABLE n WAIT 5", "WAIT 5"),
    ("TRUNCATE TABLE n /* WAIT 1 */ NOWAIT", "NOWAIT"),
    ("RENAME TABLE waitlist NOWAIT TO w2", "NOWAIT"),
    ("OPTIMIZE TABLE n WAIT 2", "WAIT 2"),
    ("ALTER TABLE n WAIT 2 COMMENT 'NOWAIT'", "WAIT 2"),
    ("ALTER TABLE waitlist NOWAIT ADD COLUMN c INT", "NOWAIT"),
]


def _read(sql: str, dialect: str) -> tuple[str | None, int | None]:
    """(the text sqlglot read, None when refused; where the refusal starts, 0-based)"""
    parsed = parse_mysql(sql + ";\n", dialect)
    if parsed.problems:
        return None, parsed.problems[0].span.column - 1
    (statement,) = parsed.statements
    assert statement.sql == sql.strip()
    return statement.tree["sqlglot"]["sql"], None


@pytest.mark.parametrize("sql", NOT_A_LOCK_WAIT)
def test_no_lock_wait_is_neither_blanked_nor_refused(sql: str) -> None:
    assert _read(sql, "mariadb") == (sql.strip(), None)
    assert _read(sql, "mysql") == (sql.strip(), None)


@pytest.mark.parametrize(("sql", "wait"), LOCK_WAITS)
def test_mariadb_reads_without_it_where_mysql_refuses_it(sql: str, wait: str) -> None:
    at = sql.index(wait)  # (names and comments here are written in lower case, or differ)
    assert _read(sql, "mariadb") == (sql[:at] + " " * len(wait) + sql[at + len(wait):], None)
    assert _read(sql, "mysql") == (None, at)


def test_they_run_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: each statement runs, its WAIT / NOWAIT as written."""
    assert mariadb.run("CREATE DATABASE lock_wait_found_once", "mysql").returncode == 0
    for sql in [*NOT_A_LOCK_WAIT, *(s for s, _ in LOCK_WAITS)]:
        ran = mariadb.run(f"DROP TABLE IF EXISTS n, waitlist, w2; {SETUP} {sql}",
                          "lock_wait_found_once", whole=True)
        assert ran.returncode == 0, (sql, ran.stderr)
