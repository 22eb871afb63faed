"""A column a CHECK constraint uses, renamed or dropped. MySQL (8.0.16+) refuses to rename it,
by RENAME COLUMN or CHANGE, and to drop it when the CHECK uses another column too (error 3959,
ER_DEPENDENT_BY_CHECK_CONSTRAINT: "Check constraint '...' uses column '...', hence column cannot
be dropped or renamed."; sql_check_constraint.h's Check_constraint_column_dependency_checker);
a CHECK using only the dropped column is dropped with it. MariaDB renames the column inside its
CHECKs and refuses only the drop (error 1054, "Unknown column 'a' in 'CHECK'"; checked on
MariaDB 10.11). An unnamed CHECK is named `<table>_chk_<n>` by MySQL (the manual's "CHECK
Constraints"), one more than the greatest such number the table has, and `CONSTRAINT_<n>` by
MariaDB, the lowest number free (checked on 10.11)."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE TABLE orders (id INT PRIMARY KEY, qty INT, price INT, code INT, note INT,\n"
         "  CONSTRAINT orders_qty CHECK (qty > 0),\n"
         "  CONSTRAINT orders_price CHECK (price >= qty) NOT ENFORCED,\n"
         "  code_ok INT CHECK (code_ok IN (0, 1)));")
RULE = "mysql-check-column-in-use"


def statements(sql: str, dialect: str = "mysql", version: str | None = None) -> list:
    setup = SETUP.replace(" NOT ENFORCED", "") if dialect == "mariadb" else SETUP  # MySQL's
    reports = lint_migrations([migration_from_text(setup, "1_setup.sql"),
                               migration_from_text(sql, "2_change.sql")],
                              LintOptions(dialect=dialect, server_version=version))
    return reports[1].statements


def refusals(sql: str, dialect: str = "mysql", version: str | None = None) -> list:
    return [f for s in statements(sql, dialect, version) for f in s.findings if f.rule == RULE]


@pytest.mark.parametrize(("sql", "check", "column"), [
    ("ALTER TABLE orders RENAME COLUMN qty TO quantity;", "orders_qty", "qty"),
    ("ALTER TABLE orders CHANGE qty quantity INT;", "orders_qty", "qty"),
    ("ALTER TABLE orders CHANGE COLUMN code_ok is_ok TINYINT;", "orders_chk_1", "code_ok"),
    # a NOT ENFORCED CHECK is in the data dictionary all the same
    ("ALTER TABLE orders RENAME COLUMN price TO amount;", "orders_price", "price"),
])
def test_mysql_refuses_renaming_a_column_a_check_uses(sql: str, check: str, column: str) -> None:
    (found,) = refusals(sql)
    assert "3959" in found.message
    assert f"Check constraint '{check}' uses column '{column}'" in found.message
    assert found.safety.name == "REQUIRES_DOWNTIME"
    assert f"DROP CHECK `{check}`" in found.instead or f"DROP CHECK {check}" in found.instead


def test_a_refused_statement_is_not_judged_on_its_algorithm() -> None:
    (found,) = statements("ALTER TABLE orders CHANGE qty quantity BIGINT;")
    rules = [f.rule for f in found.findings]
    assert RULE in rules and "mysql-table-copy" not in rules and "rename-column" in rules


@pytest.mark.parametrize("sql", [
    "ALTER TABLE orders RENAME COLUMN note TO remark;",  # no CHECK uses it
    "ALTER TABLE orders CHANGE qty qty BIGINT;",  # the name stays
    # both CHECKs that use qty go in the same statement
    "ALTER TABLE orders DROP CHECK orders_qty, DROP CHECK orders_price,"
    " RENAME COLUMN qty TO quantity;",
    "ALTER TABLE orders DROP COLUMN code_ok;",  # its own CHECK goes with it
    "ALTER TABLE orders DROP CHECK orders_price, DROP COLUMN price;",
])
def test_what_mysql_lets_through(sql: str) -> None:
    assert refusals(sql) == []


def test_before_8_0_16_checks_are_ignored_and_nothing_is_refused() -> None:
    assert refusals("ALTER TABLE orders RENAME COLUMN qty TO quantity;", version="8.0.15") == []


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_dropping_a_column_a_check_of_several_columns_uses_is_refused(dialect: str) -> None:
    (found,) = refusals("ALTER TABLE orders DROP COLUMN qty;", dialect)
    code = "3959" if dialect == "mysql" else "1054"
    assert code in found.message and "orders_price" in found.message


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_the_drop_s_advice_says_it_of_one_check(dialect: str) -> None:
    """(fix-mysql56: "orders_price go with the column ... what they must still hold")"""
    (found,) = refusals("ALTER TABLE orders DROP COLUMN qty;", dialect)
    assert found.instead.startswith(
        "-- orders_price goes with the column: restate, in a new CHECK, what it must still "
        "hold of the other columns, if anything\n"), found.instead


def test_mariadb_renames_the_column_inside_its_checks() -> None:
    assert refusals("ALTER TABLE orders RENAME COLUMN qty TO quantity;", "mariadb") == []
    # the CHECKs now use `quantity`: dropping it is refused
    renamed, dropped = statements("ALTER TABLE orders RENAME COLUMN qty TO quantity;\n"
                                  "ALTER TABLE orders DROP COLUMN quantity;", "mariadb")
    assert RULE not in [f.rule for f in renamed.findings]
    assert RULE in [f.rule for f in dropped.findings]


def test_an_unnamed_add_check_is_kept_under_mysqls_name() -> None:
    found = refusals("ALTER TABLE orders ADD CHECK (note > 0);\n"
                     "ALTER TABLE orders RENAME COLUMN note TO remark;")
    assert len(found) == 1 and "Check constraint 'orders_chk_2' uses column 'note'" in \
        found[0].message


def test_mysql_numbers_an_added_check_after_the_greatest_it_generated() -> None:
    found = refusals("ALTER TABLE orders ADD CONSTRAINT orders_chk_7 CHECK (note > 0);\n"
                     "ALTER TABLE orders DROP CHECK orders_chk_1;\n"
                     "ALTER TABLE orders ADD CHECK (code > 0);\n"
                     "ALTER TABLE orders RENAME COLUMN code TO kind;")
    assert len(found) == 1 and "'orders_chk_8'" in found[0].message


def test_mariadb_names_an_unnamed_check_constraint_n() -> None:
    sql = ("ALTER TABLE orders ADD CHECK (note > code);\n"
           "ALTER TABLE orders DROP COLUMN note;")
    (found,) = refusals(sql, "mariadb")
    assert "CONSTRAINT_1" in found.message
    # DROP CONSTRAINT by that name removes it: the drop then goes through
    assert refusals("ALTER TABLE orders ADD CHECK (note > code);\n"
                    "ALTER TABLE orders DROP CONSTRAINT CONSTRAINT_1;\n"
                    "ALTER TABLE orders DROP COLUMN note;", "mariadb") == []


def test_the_manuals_example_numbers_column_and_table_checks_in_order() -> None:
    """The manual's "CHECK Constraints" example: its unnamed CHECKs are t1_chk_1 to t1_chk_4
    in the order written, column or table constraint alike."""
    setup = ("CREATE TABLE t1 (CHECK (c1 <> c2), c1 INT CHECK (c1 > 10),\n"
             "  c2 INT CONSTRAINT c2_positive CHECK (c2 > 0), c3 INT CHECK (c3 < 100),\n"
             "  CONSTRAINT c1_nonzero CHECK (c1 <> 0), CHECK (c1 > c3));")
    reports = lint_migrations([migration_from_text(setup, "1_setup.sql"),
                               migration_from_text("ALTER TABLE t1 DROP COLUMN c3;\n"
                                                   "ALTER TABLE t1 RENAME COLUMN c2 TO c4;",
                                                   "2_change.sql")],
                              LintOptions(dialect="mysql"))
    found = [f.message for s in reports[1].statements for f in s.findings if f.rule == RULE]
    assert len(found) == 2
    assert "Check constraint 't1_chk_4' uses column 'c3'" in found[0]
    assert "Check constraint 't1_chk_1' uses column 'c2'" in found[1]


def test_the_alternative_moves_every_check_that_uses_the_column() -> None:
    """qty is used by orders_qty and by orders_price: both go first and come back over the
    new name, each as enforced as it was."""
    (found,) = refusals("ALTER TABLE orders RENAME COLUMN qty TO quantity;")
    lines = found.instead.splitlines()
    assert "ALTER TABLE orders DROP CHECK orders_qty, DROP CHECK orders_price;" in lines
    assert "ALTER TABLE orders ADD CONSTRAINT orders_qty CHECK (quantity > 0);" in lines
    assert "ALTER TABLE orders ADD CONSTRAINT orders_price CHECK (price >= quantity) " \
           "NOT ENFORCED;" in lines
