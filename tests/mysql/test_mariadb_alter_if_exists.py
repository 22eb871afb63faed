"""MariaDB's IF [NOT] EXISTS in ALTER TABLE's index and constraint clauses (10.0.2 on,
MDEV-318; checked on MariaDB 10.11): read, not a parse error, and modelled as the server runs
them: a clause whose index, constraint or column is there already (or not there to drop) does
nothing (the server leaves a note: 1061 "Duplicate key name", 1091 "check that it exists")."""

from __future__ import annotations

import pytest

from lockwise.parse.mysql import parse_mysql

SETUP = ("CREATE TABLE t (id INT PRIMARY KEY, n INT, m INT, z TEXT, g POINT NOT NULL, "
         "KEY t_n (n), CONSTRAINT t_c CHECK (n > 0));")

#: Statements MariaDB 10.11 runs (test_the_clauses_run_on_mariadb) that sqlglot cannot read.
READ = [
    "ALTER TABLE t ADD INDEX IF NOT EXISTS i (m)",
    "ALTER TABLE t ADD KEY IF NOT EXISTS i (m), ALGORITHM=INPLACE, LOCK=NONE",
    "ALTER TABLE t ADD INDEX IF NOT EXISTS (m)",
    "ALTER TABLE t ADD FULLTEXT INDEX IF NOT EXISTS ft (z)",
    "ALTER TABLE t ADD FULLTEXT IF NOT EXISTS ft (z)",
    "ALTER TABLE t ADD SPATIAL INDEX IF NOT EXISTS sp (g)",
    "ALTER TABLE t ADD CONSTRAINT IF NOT EXISTS c CHECK (m > 0)",
    "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY IF NOT EXISTS (m) REFERENCES t (id)",
    "ALTER TABLE t ADD FOREIGN KEY IF NOT EXISTS f (m) REFERENCES t (id)",
    "ALTER TABLE t ADD UNIQUE KEY IF NOT EXISTS u (m)",
    "ALTER TABLE t ADD CONSTRAINT u UNIQUE IF NOT EXISTS (m)",
    "ALTER TABLE t ADD PRIMARY KEY IF NOT EXISTS (n)",
]


@pytest.mark.parametrize("sql", READ)
def test_mariadb_reads_the_clause(sql: str) -> None:
    assert parse_mysql(sql + ";", "mariadb").problems == []


@pytest.mark.parametrize("sql", READ)
def test_mysql_refuses_it_at_if(sql: str) -> None:
    (problem,) = parse_mysql(sql + ";", "mysql").problems
    assert sql[problem.span.column - 1:].startswith("IF "), problem


def _actions(report) -> list[str]:
    """The operations of each ALTER's statement, in order."""
    return [a.facts["operation"] for s in report.statements for a in s.effect.actions
            if a.kind == "mysql_alter"]


@pytest.mark.parametrize("sql", [
    "ALTER TABLE t ADD INDEX IF NOT EXISTS t_n (m)",
    "ALTER TABLE t ADD UNIQUE KEY IF NOT EXISTS t_n (m)",
    "ALTER TABLE t ADD PRIMARY KEY IF NOT EXISTS (n)",
    "ALTER TABLE t ADD CONSTRAINT IF NOT EXISTS t_c CHECK (m > 0)",
    "ALTER TABLE t ADD COLUMN IF NOT EXISTS n VARCHAR(10) NOT NULL FIRST",
    "ALTER TABLE t DROP COLUMN IF EXISTS gone",
    "ALTER TABLE t DROP INDEX IF EXISTS gone",
    "ALTER TABLE t DROP FOREIGN KEY IF EXISTS gone",
    "ALTER TABLE t DROP CONSTRAINT IF EXISTS gone",
])
def test_a_clause_whose_object_is_settled_does_nothing(lint_change, sql: str) -> None:
    report = lint_change(sql + ";", "mariadb")
    assert _actions(report) == ["alter_nothing"], _actions(report)
    assert report.all_findings == [] or all(
        f.safety.name == "SAFE" for f in report.all_findings), report.all_findings


def test_a_clause_whose_object_is_new_runs(lint_change) -> None:
    report = lint_change("ALTER TABLE t ADD PRIMARY KEY IF NOT EXISTS (n), "
                         "DROP COLUMN IF EXISTS m;", "mariadb",
                         setup="CREATE TABLE t (id INT, n INT NOT NULL, m INT);")
    assert "alter_nothing" not in _actions(report)
    assert {"drop-column"} <= {f.rule for f in report.all_findings}


def test_the_index_added_if_not_exists_is_in_the_catalog(lint_change) -> None:
    """A later ADD INDEX of the same name is the server's duplicate: the replay has it."""
    report = lint_change("ALTER TABLE t ADD INDEX IF NOT EXISTS i (m);\n"
                         "ALTER TABLE t ADD INDEX IF NOT EXISTS i (z(10));", "mariadb")
    assert _actions(report)[-1] == "alter_nothing", _actions(report)


def test_the_clauses_run_on_mariadb(mariadb) -> None:
    """Checked on the server: each is read; the settled ones run and leave a note."""
    assert mariadb.run("CREATE DATABASE alter_if_exists", "mysql").returncode == 0
    for sql in READ:
        ran = mariadb.run(f"DROP TABLE IF EXISTS t; {SETUP} {sql}", "alter_if_exists",
                          whole=True)
        assert ran.returncode == 0, (sql, ran.stderr)
    noted = mariadb.run(f"DROP TABLE IF EXISTS t; {SETUP} ALTER TABLE t ADD INDEX IF NOT "
                        "EXISTS t_n (m); SHOW WARNINGS", "alter_if_exists", whole=True)
    assert "1061" in noted.stdout, noted
