"""DROP TABLE and TRUNCATE TABLE of a table another table's foreign key references: refused
while foreign_key_checks is on (MariaDB: 1451 for DROP, its list dropped in order; 1701 for
TRUNCATE; a key on the table itself no obstacle), run with it off; a refused statement leaves
the replayed schema as it was. Each checked on MariaDB 10.11 (10.11.19); MySQL 8's answers
(3730 for DROP, its list checked whole) from its manual and change log."""

from __future__ import annotations

import pytest

SETUP = """CREATE TABLE p (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE c (id INT PRIMARY KEY, p_id INT,
  CONSTRAINT c_p_fk FOREIGN KEY (p_id) REFERENCES p (id)) ENGINE=InnoDB;
CREATE TABLE s (id INT PRIMARY KEY, parent_id INT,
  CONSTRAINT s_parent_fk FOREIGN KEY (parent_id) REFERENCES s (id)) ENGINE=InnoDB;
CREATE TABLE m (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE n (id INT PRIMARY KEY, m_id INT,
  CONSTRAINT n_m_fk FOREIGN KEY (m_id) REFERENCES m (id)) ENGINE=MyISAM;
"""

#: (statements, the refused statement's error on MariaDB 10.11 or None, the tables left).
CASES = [
    ("DROP TABLE p", "ERROR 1451", {"p", "c"}),
    ("DROP TABLE IF EXISTS p", "ERROR 1451", {"p", "c"}),
    ("TRUNCATE TABLE p", "ERROR 1701", {"p", "c"}),
    ("TRUNCATE p", "ERROR 1701", {"p", "c"}),
    ("DROP TABLE c, p", None, set()),
    ("SET foreign_key_checks = 0; DROP TABLE p", None, {"c"}),
    ("SET foreign_key_checks = 0; TRUNCATE TABLE p", None, {"p", "c"}),
    ("SET foreign_key_checks = 0; SET foreign_key_checks = 1; TRUNCATE TABLE p",
     "ERROR 1701", {"p", "c"}),
    ("DROP TABLE c; TRUNCATE TABLE p", None, {"p"}),
    ("ALTER TABLE c DROP FOREIGN KEY c_p_fk; DROP TABLE p", None, {"c"}),
    ("TRUNCATE TABLE s", None, {"p", "c"}),
    ("DROP TABLE s", None, {"p", "c"}),
    ("TRUNCATE TABLE m", None, {"p", "c"}),
]


def _refusals(report) -> list[int]:
    return [a.facts["error_code"] for s in report.statements for a in s.effect.actions
            if a.kind == "mysql_referenced_table_dropped"]


@pytest.mark.parametrize(("sql", "error", "left"), CASES)
def test_lockwise_refuses_what_mariadb_refuses(lint_change, mariadb, sql: str, error,
                                               left: set[str]) -> None:
    """It let DROP TABLE p and TRUNCATE TABLE p through with c's key on p and the checks on:
    MariaDB refuses both and the migration stops there."""
    report = lint_change(sql.replace("; ", ";\n") + ";", "mariadb")
    assert _refusals(report) == ([int(error.split()[1])] if error else []), sql
    assert mariadb.run("DROP DATABASE IF EXISTS referenced; CREATE DATABASE referenced",
                       "mysql").returncode == 0
    assert mariadb.run(SETUP, "referenced").returncode == 0
    ran = mariadb.run(sql, "referenced")
    assert (error in ran.stderr) if error else ran.returncode == 0, (sql, ran.stderr)
    tables = mariadb.run("SHOW TABLES", "referenced").stdout.split()
    assert {t for t in tables if t in ("p", "c")} == left, (sql, tables)


def test_mariadb_drops_its_list_in_order(lint_change, mariadb) -> None:
    """`DROP TABLE p, c`: MariaDB reaches p while c stands (1451) and drops c anyway; MySQL 8
    checks the list whole and drops both (not checked on a MySQL server)."""
    assert _refusals(lint_change("DROP TABLE p, c;", "mariadb")) == [1451]
    assert _refusals(lint_change("DROP TABLE p, c;", "mysql")) == []
    assert mariadb.run("DROP DATABASE IF EXISTS referenced; CREATE DATABASE referenced",
                       "mysql").returncode == 0
    assert mariadb.run(SETUP, "referenced").returncode == 0
    ran = mariadb.run("DROP TABLE p, c", "referenced")
    assert "ERROR 1451" in ran.stderr, ran.stderr
    tables = mariadb.run("SHOW TABLES", "referenced").stdout.split()
    assert "p" in tables and "c" not in tables, tables


def test_mysql_answers_3730_for_drop(lint_change) -> None:
    """MySQL 8 answers DROP TABLE of a referenced table with ER_FK_CANNOT_DROP_PARENT, naming
    the key and its table; TRUNCATE with 1701 as MariaDB does."""
    report = lint_change("DROP TABLE p;", "mysql")
    [refusal] = [a.facts for s in report.statements for a in s.effect.actions
                 if a.kind == "mysql_referenced_table_dropped"]
    assert refusal["error_code"] == 3730 and "'c_p_fk' on table 'c'" in \
        refusal["server_error"]
    assert _refusals(lint_change("TRUNCATE TABLE p;", "mysql")) == [1701]


def test_a_refused_drop_leaves_the_table_in_the_replay(lint_change) -> None:
    """The refused DROP TABLE p is not replayed: a later ALTER of p is judged on p as it was
    (it reported p unknown)."""
    report = lint_change("DROP TABLE p;\nALTER TABLE p ADD COLUMN note INT;", "mariadb")
    assert _refusals(report) == [1451]
    alter = report.statements[1].effect.actions
    assert any(a.facts.get("table_known") for a in alter), [a.kind for a in alter]


def test_the_finding_says_what_stops_it(lint_change) -> None:
    """The finding names the statement, the key and the referencing table."""
    report = lint_change("TRUNCATE TABLE p;", "mariadb")
    [message] = [f.message for f in report.all_findings
                 if f.rule == "mysql-referenced-table-dropped"]
    assert message.startswith("TRUNCATE TABLE p: the foreign key c_p_fk of c references it")
