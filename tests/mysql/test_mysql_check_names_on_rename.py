"""Renaming a table renames its generated CHECK constraint names on MySQL: every CHECK whose
name begins with `<old table>_chk_`, generated or written so, takes the new table's name in
its place (MySQL 8.0 manual, 15.1.9 "ALTER TABLE Statement", Foreign Keys and Other
Constraints: "ALTER TABLE tbl_name RENAME new_tbl_name changes internally generated and
user-defined CHECK constraint names that begin with the string tbl_name_chk_"; RENAME TABLE
runs the same rename, sql/dd/dd_table.cc's rename_check_constraints). MariaDB's names
(CONSTRAINT_<n>, or the column's) do not carry the table's name and stay."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE TABLE orders (id INT PRIMARY KEY, qty INT CHECK (qty > 0), note INT,\n"
         "  CONSTRAINT orders_chk_note CHECK (note <> 0), CONSTRAINT keep_me CHECK (id > 0));")
RULE = "mysql-check-column-in-use"
RENAMES = ["RENAME TABLE orders TO purchases;",
           "ALTER TABLE orders RENAME TO purchases;",
           "ALTER TABLE orders RENAME AS purchases;"]


def refusals(sql: str, dialect: str = "mysql") -> list[str]:
    reports = lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                               migration_from_text(sql, "2_change.sql")],
                              LintOptions(dialect=dialect))
    return [f.message for s in reports[1].statements for f in s.findings if f.rule == RULE]


@pytest.mark.parametrize("rename", RENAMES)
def test_the_generated_name_follows_the_table(rename: str) -> None:
    (found,) = refusals(f"{rename}\nALTER TABLE purchases RENAME COLUMN qty TO amount;")
    assert "Check constraint 'purchases_chk_1' uses column 'qty'" in found


@pytest.mark.parametrize("rename", RENAMES)
def test_drop_check_by_the_new_name_drops_it(rename: str) -> None:
    assert refusals(f"{rename}\nALTER TABLE purchases DROP CHECK purchases_chk_1;\n"
                    "ALTER TABLE purchases RENAME COLUMN qty TO amount;") == []


def test_the_old_name_no_longer_drops_it() -> None:
    (found,) = refusals("RENAME TABLE orders TO purchases;\n"
                        "ALTER TABLE purchases DROP CHECK orders_chk_1;\n"
                        "ALTER TABLE purchases RENAME COLUMN qty TO amount;")
    assert "'purchases_chk_1'" in found


def test_a_written_name_with_the_prefix_is_renamed_too_and_others_stay() -> None:
    found = refusals("RENAME TABLE orders TO purchases;\n"
                     "ALTER TABLE purchases RENAME COLUMN note TO remark;\n"
                     "ALTER TABLE purchases RENAME COLUMN id TO purchase_id;")
    assert len(found) == 2
    assert "Check constraint 'purchases_chk_note' uses column 'note'" in found[0]
    assert "Check constraint 'keep_me' uses column 'id'" in found[1]


def test_the_next_generated_name_counts_under_the_new_name() -> None:
    (found,) = refusals("RENAME TABLE orders TO purchases;\n"
                        "ALTER TABLE purchases ADD CHECK (note < 100);\n"
                        "ALTER TABLE purchases DROP CHECK purchases_chk_note,"
                        " RENAME COLUMN note TO remark;")
    assert "Check constraint 'purchases_chk_2' uses column 'note'" in found


def test_a_new_name_that_begins_with_the_old_one() -> None:
    """orders_chk_1 becomes orders_old_chk_1: the prefix is replaced, not extended."""
    (found,) = refusals("RENAME TABLE orders TO orders_old;\n"
                        "ALTER TABLE orders_old RENAME COLUMN qty TO amount;")
    assert "'orders_old_chk_1'" in found


def test_mariadb_names_do_not_follow_the_table() -> None:
    reports = lint_migrations(
        [migration_from_text(SETUP, "1_setup.sql"),
         migration_from_text("RENAME TABLE orders TO purchases;\n"
                             "ALTER TABLE purchases DROP CONSTRAINT orders_chk_note;\n"
                             "ALTER TABLE purchases DROP COLUMN note, DROP COLUMN id;",
                             "2_change.sql")], LintOptions(dialect="mariadb"))
    found = [f.message for s in reports[1].statements for f in s.findings if f.rule == RULE]
    # orders_chk_note went by its own name; keep_me (id) reads one column: dropped with it
    assert found == []


FOREIGN = ("CREATE TABLE parents (id INT PRIMARY KEY);\n"
           "CREATE TABLE kids (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES"
           " parents (id));")


def changed(sql: str, dialect: str = "mysql") -> list[str]:
    reports = lint_migrations([migration_from_text(FOREIGN, "1_setup.sql"),
                               migration_from_text(sql, "2_change.sql")],
                              LintOptions(dialect=dialect))
    return [f.message for s in reports[1].statements for f in s.findings
            if f.rule == "mysql-foreign-key-column-changed"]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_generated_foreign_key_name_follows_the_table(dialect: str) -> None:
    """The same manual section (and InnoDB on MariaDB, checked on 10.11): `<old>_ibfk_`
    names become `<new>_ibfk_`."""
    assert changed("RENAME TABLE kids TO children;\n"
                   "ALTER TABLE children DROP FOREIGN KEY children_ibfk_1;\n"
                   "ALTER TABLE children MODIFY pid BIGINT;", dialect) == []
    (found,) = changed("RENAME TABLE kids TO children;\n"
                       "ALTER TABLE children MODIFY pid BIGINT;", dialect)
    assert "children_ibfk_1" in found


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_the_keys_that_reference_a_renamed_table_follow_it(dialect: str) -> None:
    """"Foreign key constraint names that point to the renamed table are automatically
    updated" (the manual's "RENAME TABLE Statement"): the referenced column stays one."""
    (found,) = changed("RENAME TABLE parents TO folks;\n"
                       "ALTER TABLE folks MODIFY id BIGINT;", dialect)
    assert "kids_ibfk_1" in found
