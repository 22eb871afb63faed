"""MODIFY / CHANGE of a column that an enforced CHECK constraint reads. MySQL evaluates the
CHECK constraints again, in the SQL layer and so with ALGORITHM=COPY, when the ALTER changes
the type of a column one reads (8.0's sql_table.cc, is_any_check_constraints_evaluation_
required: "Type of column used by any enforced check constraint is changed"; it compares the
column's data type, so a longer VARCHAR or a nullability change is no type change). MariaDB
leaves the algorithm as it is (checked on 10.11: VARCHAR(20) to (60), an ENUM member appended
and POINT to GEOMETRY of CHECK-read columns stay instant)."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE TABLE orders (id INT PRIMARY KEY, qty INT, code VARCHAR(20),\n"
         "  note VARCHAR(20), CONSTRAINT orders_qty CHECK (qty > 0),\n"
         "  code_ok INT CHECK (code_ok IN (0, 1)),\n"
         "  CONSTRAINT orders_code CHECK (char_length(code) > 2) NOT ENFORCED);")


def only(report):
    (statement,) = report.statements
    return statement


def summary(found) -> dict:
    return next(a.facts for a in found.effect.actions if a.kind == "mysql_alter_table")


@pytest.mark.parametrize(("sql", "check"), [
    ("ALTER TABLE orders MODIFY qty BIGINT;", "orders_qty"),
    ("ALTER TABLE orders CHANGE qty qty DECIMAL(10, 2);", "orders_qty"),
    ("ALTER TABLE orders MODIFY code_ok TINYINT;", "orders_chk_1"),
])
def test_a_type_change_of_a_column_a_check_reads_validates_it_again(lint_change, sql: str,
                                                                    check: str) -> None:
    found = only(lint_change(sql))
    assert summary(found)["algorithm"] == "COPY"
    (copy,) = [f for f in found.findings if f.rule == "mysql-table-copy"]
    assert f"CHECK {check}" in copy.message and "every row" in copy.message


@pytest.mark.parametrize("sql", [
    "ALTER TABLE orders MODIFY note BIGINT;",  # no CHECK reads it
    "ALTER TABLE orders MODIFY code BIGINT;",  # its CHECK is NOT ENFORCED
])
def test_a_column_no_enforced_check_reads_is_not_checked_again(lint_change, sql: str) -> None:
    found = only(lint_change(sql))
    (copy,) = [f for f in found.findings if f.rule == "mysql-table-copy"]
    assert "CHECK" not in copy.message


@pytest.mark.parametrize(("sql", "algorithm"), [
    ("ALTER TABLE orders MODIFY code VARCHAR(60);", "INPLACE"),
    ("ALTER TABLE orders MODIFY qty INT NOT NULL;", "INPLACE"),
])
def test_the_same_type_keeps_its_algorithm(lint_change, sql: str, algorithm: str) -> None:
    assert summary(only(lint_change(sql)))["algorithm"] == algorithm


def test_a_dropped_check_no_longer_counts() -> None:
    reports = lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                               migration_from_text("ALTER TABLE orders DROP CHECK orders_qty;\n"
                                                   "ALTER TABLE orders MODIFY qty BIGINT;",
                                                   "2_change.sql")],
                              LintOptions(dialect="mysql"))
    copy = [f for s in reports[1].statements for f in s.findings if f.rule == "mysql-table-copy"]
    assert copy and "CHECK" not in copy[0].message


def test_mariadb_says_nothing_of_checks(lint_change) -> None:
    found = only(lint_change("ALTER TABLE orders MODIFY qty BIGINT;", "mariadb"))
    (copy,) = [f for f in found.findings if f.rule == "mysql-table-copy"]
    assert "CHECK" not in copy.message
