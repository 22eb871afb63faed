"""No database selected (1046) for SHOW and the event statements (fix-mysql49): after `USE
shop; DROP DATABASE shop` the session has none, and MariaDB 10.11 refuses SHOW [FULL] TABLES,
SHOW TABLE STATUS, SHOW TRIGGERS, SHOW EVENTS (without FROM db), SHOW COLUMNS / INDEX / CREATE
of a bare name, CREATE, ALTER and DROP EVENT [IF EXISTS] of a bare name, and ALTER EVENT d.e
RENAME TO a bare name. The same with FROM d or d.name runs (checked below)."""

from __future__ import annotations

import pytest

SETUP = """CREATE DATABASE shop;
CREATE DATABASE d;
USE shop;
CREATE TABLE t (id INT PRIMARY KEY);
CREATE TABLE d.t (id INT PRIMARY KEY);
CREATE EVENT d.e ON SCHEDULE EVERY 1 HOUR DO DELETE FROM d.t;
"""
DROPPED = "USE shop;\nDROP DATABASE shop;\n"

#: (statement, what the finding's message says it names)
REFUSED = [
    ("SHOW TABLES", "SHOW TABLES lists the session's database"),
    ("SHOW FULL TABLES", "SHOW FULL TABLES lists the session's database"),
    ("SHOW TABLES LIKE 'x%'", "SHOW TABLES lists the session's database"),
    ("SHOW TABLE STATUS", "SHOW TABLE STATUS lists the session's database"),
    ("SHOW TRIGGERS", "SHOW TRIGGERS lists the session's database"),
    ("SHOW EVENTS", "SHOW EVENTS lists the session's database"),
    ("SHOW COLUMNS FROM t", "SHOW COLUMNS FROM names t without its database"),
    ("SHOW CREATE TABLE t", "SHOW CREATE TABLE names t without its database"),
    ("SHOW INDEX FROM t", "SHOW INDEX names t without its database"),
    ("SHOW CREATE EVENT e", "SHOW CREATE EVENT names e without its database"),
    ("DROP EVENT e", "DROP EVENT names e without its database"),
    ("DROP EVENT IF EXISTS e", "DROP EVENT names e without its database"),
    ("CREATE EVENT e ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
     "CREATE EVENT names e without its database"),
    ("ALTER EVENT e DISABLE", "ALTER EVENT names e without its database"),
    ("ALTER EVENT d.e RENAME TO e2", "ALTER EVENT names e2 without its database"),
]
RUNS = [
    "SHOW TABLES FROM d",
    "SHOW TABLE STATUS IN d",
    "SHOW EVENTS FROM d",
    "SHOW COLUMNS FROM t FROM d",
    "SHOW CREATE TABLE d.t",
    "SHOW CREATE DATABASE d",
    "SHOW OPEN TABLES",
    "ALTER EVENT d.e DISABLE",
    "ALTER EVENT d.e RENAME TO d.e2",
    "DROP EVENT IF EXISTS d.gone",
    "CREATE EVENT d.e3 ON SCHEDULE EVERY 1 HOUR DO DELETE FROM t",
]


def _refusals(report) -> list[str]:
    return [f.message for f in report.all_findings if f.rule == "mysql-no-database-selected"]


@pytest.mark.parametrize("dialect", ["mariadb", "mysql"])
@pytest.mark.parametrize(("sql", "named"), REFUSED)
def test_it_is_refused(lint_change, sql: str, named: str, dialect: str) -> None:
    (message,) = _refusals(lint_change(f"{DROPPED}{sql};", dialect))
    assert message.startswith(f"{named}: DROP DATABASE shop dropped"), message
    assert '(error 1046: "No database selected")' in message


@pytest.mark.parametrize("sql", RUNS)
def test_a_named_database_is_not_refused(lint_change, sql: str) -> None:
    assert _refusals(lint_change(f"{DROPPED}{sql};", "mariadb")) == []


@pytest.mark.parametrize("sql", [sql for sql, _ in REFUSED])
def test_a_selected_database_is_not_refused(lint_change, sql: str) -> None:
    assert _refusals(lint_change(f"USE shop;\n{sql};", "mariadb")) == []


# --- checked on MariaDB ----------------------------------------------------------------------

def _fresh(mariadb) -> None:
    assert mariadb.run("DROP DATABASE IF EXISTS shop; DROP DATABASE IF EXISTS d", "mysql"
                       ).returncode == 0
    assert mariadb.run(SETUP, "mysql").returncode == 0


@pytest.mark.parametrize(("sql", "named"), REFUSED)
def test_mariadb_refuses_it(mariadb, sql: str, named: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"DROP DATABASE shop; {sql}", "shop")
    assert "ERROR 1046" in ran.stderr, (sql, ran.stderr)


@pytest.mark.parametrize("sql", RUNS)
def test_mariadb_runs_it(mariadb, sql: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"DROP DATABASE shop; {sql}", "shop")
    assert ran.returncode == 0, (sql, ran.stderr)
