"""DROP CONSTRAINT names any kind of constraint (MySQL 8.0.19+, "the constraint type is
determined from the constraint name": MySQL 8.0 manual, 15.1.9 "ALTER TABLE Statement";
MariaDB): a foreign key's is DROP FOREIGN KEY, a UNIQUE key's DROP INDEX, a CHECK's DROP
CHECK, each with its own algorithm (MariaDB checked on 10.11 in test_mariadb_truth.py)."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE p (id INT PRIMARY KEY);\n"
         "CREATE TABLE c (id INT PRIMARY KEY, pid INT, code INT, n INT,\n"
         "  CONSTRAINT c_fk FOREIGN KEY (pid) REFERENCES p (id),\n"
         "  CONSTRAINT c_code UNIQUE (code), CONSTRAINT c_n CHECK (n > 0));")


def summary(statement) -> dict:
    return next(a.facts for a in statement.effect.actions if a.kind == "mysql_alter_table")


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("name", "operation"), [
    ("c_fk", "drop_foreign_key"), ("c_code", "drop_index"), ("c_n", "drop_check_constraint")])
def test_the_operation_is_the_named_constraints(lint_change, name: str, operation: str,
                                                dialect: str) -> None:
    (only,) = lint_change(f"ALTER TABLE c DROP CONSTRAINT {name};", dialect).statements
    assert summary(only)["operations"] == (operation,)


def test_algorithm_instant_for_a_foreign_key_is_refused_on_mysql(lint_change) -> None:
    (only,) = lint_change("ALTER TABLE c DROP CONSTRAINT c_fk, ALGORITHM=INSTANT;").statements
    assert "mysql-algorithm-not-supported" in [f.rule for f in only.findings]


def test_the_replay_drops_the_unique_key(lint_change) -> None:
    _, again = lint_change("ALTER TABLE c DROP CONSTRAINT c_code;\n"
                           "ALTER TABLE c DROP CONSTRAINT c_code;").statements
    assert "mysql-constraint-not-found" in [f.rule for f in again.findings]
