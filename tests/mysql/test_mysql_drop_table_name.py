"""drop-table's MySQL alternative renames the table to `<name>_deprecated`: the new name
must be one MySQL accepts (64 characters at most) and one no table has yet."""

from __future__ import annotations

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

#: 64 characters, the longest table name MySQL takes (MySQL manual, "Schema Object Names",
#: Identifier Length Limits: 64 characters for a table).
LONG = "customer_subscription_billing_history_entries_archived_2019_2020"


def _rename_target(setup: str, change: str) -> str:
    reports = lint_migrations([migration_from_text(setup, "1_setup.sql"),
                               migration_from_text(change, "2_change.sql")],
                              LintOptions(dialect="mysql"))
    (drop,) = [f for f in reports[1].all_findings if f.rule == "drop-table"]
    first = drop.instead.splitlines()[0]
    assert first.startswith("ALTER TABLE ") and " RENAME TO " in first
    return first.split(" RENAME TO ", 1)[1].split(";", 1)[0].strip("`")


def test_a_long_name_is_shortened_to_64_characters() -> None:
    assert len(LONG) == 64
    new = _rename_target(f"CREATE TABLE {LONG} (id INT PRIMARY KEY);", f"DROP TABLE {LONG};")
    assert len(new) <= 64
    assert new.endswith("_deprecated") and new.startswith(LONG[:40])


def test_the_limit_counts_characters_not_bytes() -> None:
    """MySQL counts a name's characters: 60 two-byte letters are a valid name that the
    rename must not cut to PostgreSQL's bytes."""
    name = "é" * 50
    new = _rename_target(f"CREATE TABLE `{name}` (id INT PRIMARY KEY);", f"DROP TABLE `{name}`;")
    assert new == name + "_deprecated"


def test_a_taken_name_is_numbered() -> None:
    new = _rename_target("CREATE TABLE audit (id INT PRIMARY KEY);\n"
                         "CREATE TABLE audit_deprecated (id INT PRIMARY KEY);",
                         "DROP TABLE audit;")
    assert new == "audit_deprecated1"
