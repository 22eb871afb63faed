"""MySQL / MariaDB's REPLACE (`REPLACE [INTO] t` with VALUES, SET or a query) is read as the
INSERT it is written as: sqlglot keeps it as a command, which lockwise read as "other", with
no lock, no rule judging it. It holds the locks INSERT holds (SHARED_WRITE on its table,
SHARED_READ on the tables its query reads: checked on MariaDB 10.11 in
tests/mysql/test_mysql_read_locks.py) and the rules that judge an INSERT judge it alike."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE t (id INT PRIMARY KEY, a INT); CREATE TABLE u (id INT PRIMARY KEY, b INT);"

#: Each form of REPLACE, each run by MariaDB 10.11 (test_each_form_runs_on_mariadb).
FORMS = [
    "REPLACE INTO t VALUES (1, 1)",
    "REPLACE t VALUES (1, 1), (2, 2)",
    "REPLACE INTO t (id, a) VALUE (1, 1)",
    "replace into t (id) values (1)",
    "REPLACE INTO t SET id = 1, a = 1",
    "REPLACE t SET id = 1, a = (SELECT MAX(b) FROM u)",
    "REPLACE INTO t SELECT id, b FROM u",
    "REPLACE INTO t (id) SELECT id FROM u WHERE b > 1",
    "REPLACE INTO t (id) (SELECT id FROM u)",
    "REPLACE INTO t (id) WITH x AS (SELECT id FROM u) SELECT id FROM x",
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("sql", FORMS)
def test_replace_is_an_insert_into_its_table(lint_change, sql: str, dialect: str) -> None:
    """It was "other", with no lock."""
    report = lint_change(sql + ";", dialect)
    assert [f.rule for f in report.findings if f.rule == "parse-error"] == []
    (statement,) = report.statements
    assert [(a.kind, a.facts.get("table")) for a in statement.effect.actions] == \
        [("insert", "t")], sql
    assert "t" in statement.effect.locks, sql


def test_each_form_runs_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: each form is REPLACE's own syntax, which the server runs."""
    assert mariadb.run("CREATE DATABASE replace_forms", "mysql").returncode == 0
    assert mariadb.run(SETUP + " INSERT INTO u VALUES (1, 1), (2, 2);", "replace_forms")\
        .returncode == 0
    for sql in FORMS:
        ran = mariadb.run(sql, "replace_forms")
        assert ran.returncode == 0, (sql, ran.stderr)


#: A change written with INSERT, then with REPLACE in its place: the same findings.
AS_INSERT = [
    # error 1099: t is locked READ
    "LOCK TABLES t READ;\n{verb} INTO t VALUES (1, 1);\nUNLOCK TABLES;",
    # error 1100: u, which its query reads, is not locked
    "LOCK TABLES t WRITE;\n{verb} INTO t SELECT id, b FROM u;\nUNLOCK TABLES;",
    # the same, in a procedure's body the CALL runs
    "DELIMITER //\nCREATE PROCEDURE p() BEGIN {verb} INTO t SELECT id, b FROM u; END//\n"
    "DELIMITER ;\nLOCK TABLES t WRITE;\nCALL p();\nUNLOCK TABLES;",
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("change", AS_INSERT)
def test_replace_is_judged_as_insert(lint_change, change: str, dialect: str) -> None:
    """mysql-table-not-locked judges REPLACE's table and what its query reads as INSERT's."""

    def found(verb: str) -> list[tuple[int, str]]:
        report = lint_change(change.format(verb=verb), dialect)
        return sorted((i, f.rule) for i, s in enumerate(report.statements) for f in s.findings)

    inserted = found("INSERT")
    assert any(rule == "mysql-table-not-locked" for _, rule in inserted), inserted
    assert found("REPLACE") == inserted
