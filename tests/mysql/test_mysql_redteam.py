"""MySQL histories as projects write them (mysqldump output, Laravel / Rails / Flyway
migrations): statements that were misread, and the facts and alternatives they now get."""

from __future__ import annotations

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations


def _lint(setup: str, change: str, dialect: str = "mysql", version: str = "8.4.0") -> list:
    """The findings of `change`, after `setup` in an earlier migration."""
    reports = lint_migrations([migration_from_text(setup, "1_setup.sql"),
                               migration_from_text(change, "2_change.sql")],
                              LintOptions(dialect=dialect, server_version=version))
    return reports[1].all_findings


def _statements(setup: str, change: str, dialect: str = "mysql") -> list:
    reports = lint_migrations([migration_from_text(setup, "1_setup.sql"),
                               migration_from_text(change, "2_change.sql")],
                              LintOptions(dialect=dialect))
    return reports[1].statements


def _operations(report) -> tuple:
    return next(a.facts["operations"] for a in report.effect.actions
                if a.kind == "mysql_alter_table")


def test_drop_table_names_its_tables_and_leaves_the_catalog() -> None:
    """sqlglot keeps a DROP TABLE's tables in `tables`: they were read as no table at all
    (`DROP TABLE  deletes the table`)."""
    found = _lint("CREATE TABLE `audit` (id INT PRIMARY KEY);",
                  "DROP TABLE IF EXISTS `audit`;")
    (drop,) = [f for f in found if f.rule == "drop-table"]
    assert "DROP TABLE audit deletes" in drop.message
    assert drop.instead.startswith("ALTER TABLE audit RENAME TO audit_deprecated;")
    # Recreated after the drop, the table is new: a copy of it costs nothing.
    again = _lint("CREATE TABLE audit (id INT PRIMARY KEY, n INT);",
                  "DROP TABLE audit;\nCREATE TABLE audit (id INT PRIMARY KEY, n INT);\n"
                  "ALTER TABLE audit MODIFY n BIGINT;")
    assert "mysql-table-copy" not in {f.rule for f in again}


def test_modify_of_a_primary_key_column_keeps_it_not_null() -> None:
    """MySQL keeps primary key columns NOT NULL whatever a MODIFY says: `MODIFY id INT` is a
    metadata change (instant on MariaDB 10.11: test_mariadb_truth.py), not a rebuild."""
    setup = ("CREATE TABLE t (id INT PRIMARY KEY, n INT NOT NULL);\n"
             "CREATE TABLE u (id INT NOT NULL, k INT NOT NULL, PRIMARY KEY (id, k));")
    reports = _statements(setup, "ALTER TABLE t MODIFY id INT COMMENT 'key';\n"
                                 "ALTER TABLE u MODIFY k INT;\n"
                                 "ALTER TABLE t MODIFY n INT;")
    assert [_operations(r) for r in reports] == [
        ("metadata_only",), ("metadata_only",), ("make_column_nullable",)]
    assert [f.rule for r in reports for f in r.findings] == ["mysql-table-rebuild"]


def test_backquoted_names_with_spaces_reach_the_alternatives_whole() -> None:
    setup = "CREATE TABLE `Line Items` (id INT PRIMARY KEY, qty INT);"
    found = _lint(setup, "ALTER TABLE `Line Items` MODIFY qty BIGINT;\n"
                         "RENAME TABLE `Line Items` TO `line items 2`;")
    copy = next(f for f in found if f.rule == "mysql-table-copy")
    assert "--table='Line Items' --alter='MODIFY qty BIGINT'" in copy.instead
    rename = next(f for f in found if f.rule == "rename-table")
    # Table names keep their case (they are case-sensitive on Linux), also in RENAME TABLE,
    # which sqlglot only keeps as an opaque command.
    assert rename.instead.splitlines()[0] == "ALTER TABLE `Line Items` RENAME TO `line items 2`;"
