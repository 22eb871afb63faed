"""No database selected (1046) for a view or stored program written with its options
(fix-mysql50): DEFINER = user before EVENT, PROCEDURE, FUNCTION, TRIGGER or VIEW, and a view's
ALGORITHM = x and SQL SECURITY x. The finding names the statement's kind ("CREATE EVENT", not
"CREATE", where the words stopped at DEFINER), and a view written with options, which sqlglot
keeps as a command, is read as the view it is. Checked on MariaDB 10.11 (10.11.19) after `USE
shop; DROP DATABASE shop`."""

from __future__ import annotations

import pytest

SETUP = """CREATE DATABASE shop;
CREATE DATABASE d;
USE shop;
CREATE TABLE t (id INT PRIMARY KEY);
CREATE TABLE d.t (id INT PRIMARY KEY);
CREATE VIEW d.v AS SELECT 1 AS a;
"""
DROPPED = "USE shop;\nDROP DATABASE shop;\n"

#: (statement, what the finding's message says it names)
REFUSED = [
    ("CREATE DEFINER=u EVENT e ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
     "CREATE EVENT names e"),
    ("CREATE DEFINER=`u`@`%` EVENT e ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
     "CREATE EVENT names e"),
    ("CREATE DEFINER = 'u'@'%' EVENT IF NOT EXISTS e ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
     "CREATE EVENT names e"),
    ("CREATE OR REPLACE DEFINER=CURRENT_USER EVENT e ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
     "CREATE OR REPLACE EVENT names e"),
    ("CREATE DEFINER=CURRENT_USER() PROCEDURE p() SELECT 1", "CREATE PROCEDURE names p"),
    ("CREATE DEFINER=u FUNCTION f() RETURNS INT RETURN 1", "CREATE FUNCTION names f"),
    ("CREATE DEFINER=u AGGREGATE FUNCTION f() RETURNS INT RETURN 1",
     "CREATE AGGREGATE FUNCTION names f"),
    ("CREATE DEFINER=u TRIGGER tr BEFORE INSERT ON d.t FOR EACH ROW SET @x = 1",
     "CREATE TRIGGER names tr"),
    ("ALTER DEFINER=u EVENT e DISABLE", "ALTER EVENT names e"),
    ("CREATE DEFINER=u VIEW v AS SELECT 1", "CREATE VIEW names v"),
    ("CREATE DEFINER=u SQL SECURITY INVOKER VIEW v AS SELECT 1", "CREATE VIEW names v"),
    ("CREATE SQL SECURITY DEFINER VIEW v AS SELECT 1", "CREATE VIEW names v"),
    ("CREATE ALGORITHM=MERGE VIEW v AS SELECT 1", "CREATE VIEW names v"),
    ("CREATE ALGORITHM = TEMPTABLE DEFINER=u SQL SECURITY INVOKER VIEW v AS SELECT 1",
     "CREATE VIEW names v"),
    ("CREATE OR REPLACE ALGORITHM=UNDEFINED DEFINER=u SQL SECURITY DEFINER VIEW v AS SELECT 1",
     "CREATE OR REPLACE VIEW names v"),
    ("CREATE DEFINER=u VIEW d.v2 AS SELECT * FROM t", "CREATE VIEW names t"),
    ("ALTER DEFINER=u VIEW v AS SELECT 1", "ALTER VIEW names v"),
    ("ALTER ALGORITHM=MERGE DEFINER=u SQL SECURITY INVOKER VIEW v AS SELECT 1",
     "ALTER VIEW names v"),
    ("ALTER SQL SECURITY INVOKER VIEW v AS SELECT 1", "ALTER VIEW names v"),
]
RUNS = [
    "CREATE DEFINER=u EVENT d.e ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
    "CREATE DEFINER=u PROCEDURE d.p() SELECT 1",
    "CREATE DEFINER=u VIEW d.v2 AS SELECT 1",
    "CREATE ALGORITHM=MERGE DEFINER=u SQL SECURITY INVOKER VIEW d.v3 AS SELECT 1",
    "ALTER ALGORITHM=MERGE DEFINER=u SQL SECURITY INVOKER VIEW d.v AS SELECT 2 AS a",
    # a trigger's bare table is looked up in the trigger's database (d.t)
    "CREATE DEFINER=u TRIGGER d.tr BEFORE INSERT ON t FOR EACH ROW SET @x = 1",
    "CREATE TRIGGER d.tr BEFORE INSERT ON t FOR EACH ROW SET @x = 1",
]


def _refusals(report) -> list[str]:
    return [f.message for f in report.all_findings if f.rule == "mysql-no-database-selected"]


@pytest.mark.parametrize(("sql", "named"), REFUSED)
def test_it_is_refused_with_its_kind(lint_change, sql: str, named: str) -> None:
    (message,) = _refusals(lint_change(f"{DROPPED}{sql};", "mariadb"))
    assert message.startswith(f"{named} without its database: DROP DATABASE shop dropped"), \
        message


@pytest.mark.parametrize("sql", RUNS)
def test_a_named_database_is_not_refused(lint_change, sql: str) -> None:
    assert _refusals(lint_change(f"{DROPPED}{sql};", "mariadb")) == []


@pytest.mark.parametrize("sql", [sql for sql, _ in REFUSED if "VIEW" in sql])
@pytest.mark.parametrize("dialect", ["mariadb", "mysql"])
def test_a_view_with_options_is_no_parse_error(lint_change, sql: str, dialect: str) -> None:
    """`CREATE ALGORITHM=UNDEFINED DEFINER=... VIEW` is how mysqldump writes a view; `ALTER
    ALGORITHM=MERGE VIEW` was a 1064 (its first option's word was not read as one)."""
    report = lint_change(f"USE shop;\nCREATE VIEW v AS SELECT 1 AS a;\n{sql};", dialect)
    assert [f for f in report.all_findings if f.rule == "parse-error"] == []


# --- checked on MariaDB ----------------------------------------------------------------------

def _fresh(mariadb) -> None:
    assert mariadb.run("DROP DATABASE IF EXISTS shop; DROP DATABASE IF EXISTS d", "mysql"
                       ).returncode == 0
    assert mariadb.run(SETUP, "mysql").returncode == 0


@pytest.mark.parametrize(("sql", "named"), REFUSED)
def test_mariadb_refuses_it(mariadb, sql: str, named: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"DROP DATABASE shop; {sql}", "shop", whole=True)
    assert "ERROR 1046" in ran.stderr, (sql, ran.stderr)


@pytest.mark.parametrize("sql", RUNS)
def test_mariadb_runs_it(mariadb, sql: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"DROP DATABASE shop; {sql}", "shop")
    assert ran.returncode == 0, (sql, ran.stderr)
