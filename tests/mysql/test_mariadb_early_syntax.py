"""MariaDB's DDL clauses that arrived in a 10.x release, refused (a parse error where the
older server stops) under --server-version before it: its knowledge base's versions, ALTER
TABLE's IF [NOT] EXISTS for columns, indexes, foreign keys and partitions in 10.0.2
(MDEV-318), CREATE OR REPLACE TABLE in 10.0.8, CREATE INDEX IF NOT EXISTS, CREATE OR REPLACE
INDEX and DROP INDEX IF EXISTS in 10.1.4, CREATE SEQUENCE and the lock wait (WAIT n | NOWAIT
of ALTER TABLE, DROP TABLE, CREATE INDEX, TRUNCATE, RENAME, OPTIMIZE and LOCK TABLES) in
10.3.0."""

from __future__ import annotations

import pytest

from lockwise.effects.mysql import parse_server_version
from lockwise.parse.mysql import parse_mysql

#: statement, the first MariaDB version that reads it, the word an older one stops at.
EARLY = [
    ("ALTER TABLE accounts ADD COLUMN IF NOT EXISTS seen INT;", "10.0.2", "IF"),
    ("ALTER TABLE accounts ADD IF NOT EXISTS seen INT;", "10.0.2", "IF"),
    ("ALTER TABLE accounts DROP COLUMN IF EXISTS n;", "10.0.2", "IF"),
    ("ALTER TABLE accounts DROP INDEX IF EXISTS accounts_n;", "10.0.2", "IF"),
    ("ALTER TABLE accounts MODIFY COLUMN IF EXISTS n BIGINT;", "10.0.2", "IF"),
    ("CREATE OR REPLACE TABLE audit (id INT PRIMARY KEY);", "10.0.8", "TABLE"),
    ("CREATE INDEX IF NOT EXISTS accounts_n ON accounts (n);", "10.1.4", "IF"),
    ("CREATE UNIQUE INDEX IF NOT EXISTS accounts_n ON accounts (n);", "10.1.4", "IF"),
    ("CREATE OR REPLACE INDEX accounts_n ON accounts (n);", "10.1.4", "INDEX"),
    ("DROP INDEX IF EXISTS accounts_n ON accounts;", "10.1.4", "IF"),
    ("CREATE SEQUENCE order_numbers START WITH 1;", "10.3.0", "SEQUENCE"),
    # the lock wait, WAIT n | NOWAIT (the knowledge base's "WAIT and NOWAIT", MDEV-11379)
    ("DROP TABLE accounts WAIT 5;", "10.3.0", "WAIT"),
    ("TRUNCATE TABLE accounts WAIT 1;", "10.3.0", "WAIT"),
    ("RENAME TABLE accounts WAIT 2 TO ledger;", "10.3.0", "WAIT"),
    ("OPTIMIZE TABLE accounts WAIT 2;", "10.3.0", "WAIT"),
    ("CREATE INDEX accounts_n ON accounts (n) NOWAIT ALGORITHM=INPLACE;", "10.3.0", "NOWAIT"),
    ("ALTER TABLE accounts WAIT 5 ADD COLUMN seen INT;", "10.3.0", "WAIT"),
    ("LOCK TABLES accounts WRITE WAIT 5;", "10.3.0", "WAIT"),
]


def _problems(sql: str, version: str | None, dialect: str = "mariadb"):
    return parse_mysql(sql, dialect, parse_server_version(version) if version else None
                       ).problems


def _before(version: str) -> str:
    """The release before `version` (10.1.4 -> 10.1.3; 10.3.0 -> 10.2.99)."""
    major, minor, patch = map(int, version.split("."))
    return f"{major}.{minor}.{patch - 1}" if patch else f"{major}.{minor - 1}.99"


@pytest.mark.parametrize(("sql", "since", "word"), EARLY)
def test_before_mariadb_has_it_the_statement_is_a_parse_error(sql: str, since: str,
                                                              word: str) -> None:
    for version in (_before(since), "5.5"):
        (problem,) = _problems(sql, version)
        assert sql[problem.span.column - 1:].startswith(word + " "), (version, problem)
        assert since in problem.message and f"near '{word}" in problem.message, problem.message


@pytest.mark.parametrize(("sql", "since", "word"), EARLY)
def test_from_the_version_that_has_it_the_statement_is_read(sql: str, since: str,
                                                            word: str) -> None:
    assert _problems(sql, since) == []
    assert _problems(sql, None) == []  # the default version


def test_the_clauses_run_on_mariadb(mariadb) -> None:
    """Checked on the server (10.11): each is read and runs."""
    assert mariadb.run("CREATE DATABASE early_syntax", "mysql").returncode == 0
    setup = "CREATE TABLE accounts (id INT PRIMARY KEY, n INT);"
    for sql, _, _ in EARLY:
        ran = mariadb.run(f"DROP TABLE IF EXISTS accounts; {setup} {sql}", "early_syntax",
                          whole=True)
        assert ran.returncode == 0, (sql, ran.stderr)
