"""DROP CHECK (MySQL) or DROP CONSTRAINT of a name the table does not have: the server refuses
the statement (MySQL error 3821, ER_CHECK_CONSTRAINT_NOT_FOUND, "Check constraint '...' is not
found in the table."; 3940, ER_CONSTRAINT_NOT_FOUND, for DROP CONSTRAINT; MariaDB 1091,
checked on 10.11). Judged only on a table these migrations created (CREATE TABLE with its
definition, not LIKE nor AS SELECT), whose constraints the replay knows; a generated foreign
key name (`<table>_ibfk_<n>`) is not judged."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE orders (id INT PRIMARY KEY, qty INT CHECK (qty > 0), code INT,\n"
         "  CONSTRAINT orders_code CHECK (code <> 0), UNIQUE KEY orders_code_uq (code));")
RULE = "mysql-constraint-not-found"


def found_in(report) -> list:
    return [f for f in report.all_findings if f.rule == RULE]


@pytest.mark.parametrize(("sql", "dialect", "error"), [
    ("ALTER TABLE orders DROP CHECK orders_qty;", "mysql", "3821"),
    ("ALTER TABLE orders DROP CONSTRAINT orders_qty;", "mysql", "3940"),
    ("ALTER TABLE orders DROP CONSTRAINT orders_qty;", "mariadb", "1091"),
    # the old generated name, after RENAME TABLE renamed it
    ("RENAME TABLE orders TO purchases;\nALTER TABLE purchases DROP CHECK orders_chk_1;",
     "mysql", "3821"),
    # MariaDB keeps a column's unnamed CHECK with the column (checked on 10.11)
    ("ALTER TABLE orders DROP CONSTRAINT qty;", "mariadb", "1091"),
    # dropped already
    ("ALTER TABLE orders DROP CHECK orders_code;\nALTER TABLE orders DROP CHECK orders_code;",
     "mysql", "3821"),
])
def test_a_name_the_table_lacks_is_refused(lint_change, sql: str, dialect: str, error: str) -> None:
    (finding,) = found_in(lint_change(sql, dialect))
    assert error in finding.message and finding.safety.name == "REQUIRES_DOWNTIME"


@pytest.mark.parametrize(("sql", "dialect"), [
    ("ALTER TABLE orders DROP CHECK orders_chk_1;", "mysql"),
    ("ALTER TABLE orders DROP CHECK ORDERS_CODE;", "mysql"),
    ("ALTER TABLE orders DROP CONSTRAINT orders_code_uq;", "mysql"),
    ("ALTER TABLE orders DROP CONSTRAINT IF EXISTS nothing;", "mariadb"),
    ("RENAME TABLE orders TO purchases;\nALTER TABLE purchases DROP CHECK purchases_chk_1;",
     "mysql"),
    ("ALTER TABLE elsewhere DROP CHECK whatever;", "mysql"),  # a table the replay never saw
    ("ALTER TABLE orders DROP CONSTRAINT orders_ibfk_1;", "mysql"),  # not judged
])
def test_what_is_not_reported(lint_change, sql: str, dialect: str) -> None:
    assert found_in(lint_change(sql, dialect)) == []


@pytest.mark.parametrize("setup", [SETUP + "\nCREATE TABLE copy LIKE orders;",
                                   SETUP + "\nCREATE TABLE copy AS SELECT * FROM orders;"])
def test_a_table_copied_from_another_is_not_judged(lint_change, setup: str) -> None:
    assert found_in(lint_change("ALTER TABLE copy DROP CHECK copy_chk_1;", setup=setup)) == []
