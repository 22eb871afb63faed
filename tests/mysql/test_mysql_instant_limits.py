"""Where MySQL's INSTANT ADD / DROP COLUMN stops (MySQL 8.0 / 8.4 manual, "Online DDL
Operations", Column Operations): not on a ROW_FORMAT=COMPRESSED table, and not past the
table's row versions (each statement that adds or drops columns instantly makes one; 64 from
8.0.29, when they arrived, 255 from 9.1.0; a rebuild starts again from 0). The operation then
takes its in-place path, a rebuild, and an explicit ALGORITHM=INSTANT is refused (error 4092
"Maximum row versions reached ... Please use COPY/INPLACE"). MariaDB's side of COMPRESSED is
checked in test_mariadb_truth.py."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations


def last(setup: str, sql: str, version: str = "8.4", dialect: str = "mysql"):
    reports = lint_migrations([migration_from_text(setup, "1_setup.sql"),
                               migration_from_text(sql, "2_change.sql")],
                              LintOptions(dialect=dialect, server_version=version))
    statement = reports[1].statements[-1]
    summary = next(a.facts for a in statement.effect.actions if a.kind == "mysql_alter_table")
    return summary, [f for f in statement.findings]


COMPRESSED = "CREATE TABLE zc (id INT PRIMARY KEY, n INT, v VARCHAR(20)) ROW_FORMAT=COMPRESSED;"


@pytest.mark.parametrize("sql", ["ALTER TABLE zc ADD COLUMN x INT;",
                                 "ALTER TABLE zc ADD COLUMN x INT FIRST;",
                                 "ALTER TABLE zc DROP COLUMN v;"])
@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_compressed_table_adds_and_drops_columns_by_a_rebuild(sql: str, dialect: str) -> None:
    summary, _ = last(COMPRESSED, sql, "8.4" if dialect == "mysql" else "10.11", dialect)
    assert (summary["algorithm"], summary["rebuilds_table"]) == ("INPLACE", True)


def test_algorithm_instant_on_a_compressed_table_is_refused() -> None:
    _, findings = last(COMPRESSED, "ALTER TABLE zc ADD COLUMN x INT, ALGORITHM=INSTANT;")
    (refused,) = [f for f in findings if f.rule == "mysql-algorithm-not-supported"]
    assert "COMPRESSED" in refused.message


@pytest.mark.parametrize("sql", ["ALTER TABLE zc RENAME COLUMN v TO w;",
                                 "ALTER TABLE zc ALTER COLUMN n SET DEFAULT 5;"])
def test_metadata_changes_stay_instant_on_a_compressed_table(sql: str) -> None:
    summary, _ = last(COMPRESSED, sql)
    assert summary["algorithm"] == "INSTANT"


@pytest.mark.parametrize(("setup", "instant"), [
    # KEY_BLOCK_SIZE alone makes InnoDB compress the table
    ("CREATE TABLE zc (id INT PRIMARY KEY, v INT) KEY_BLOCK_SIZE=8;", False),
    ("CREATE TABLE zc (id INT PRIMARY KEY, v INT) ROW_FORMAT=DYNAMIC;", True),
    (COMPRESSED + "\nALTER TABLE zc ROW_FORMAT=DYNAMIC;", True),
    ("CREATE TABLE zc (id INT PRIMARY KEY, v INT);\nALTER TABLE zc ROW_FORMAT=COMPRESSED;",
     False),
])
def test_the_row_format_is_followed(setup: str, instant: bool) -> None:
    summary, _ = last(setup, "ALTER TABLE zc ADD COLUMN x INT;")
    assert (summary["algorithm"] == "INSTANT") == instant


PLAIN = "CREATE TABLE t (id INT PRIMARY KEY, n INT);"


def _adds(count: int, start: int = 0) -> str:
    return "\n".join(f"ALTER TABLE t ADD COLUMN c{i} INT;" for i in range(start, start + count))


def test_64_instant_column_statements_are_the_limit() -> None:
    summary, _ = last(PLAIN, _adds(64))
    assert summary["algorithm"] == "INSTANT"
    summary, findings = last(PLAIN, _adds(64) + "\nALTER TABLE t ADD COLUMN x INT, ADD COLUMN"
                             " y INT;")
    assert (summary["algorithm"], summary["rebuilds_table"]) == ("INPLACE", True)
    assert "mysql-table-rebuild" in [f.rule for f in findings]


def test_algorithm_instant_past_the_row_versions_is_refused() -> None:
    drops = "".join(f"\nALTER TABLE t DROP COLUMN c{i};" for i in range(32))
    _, findings = last(PLAIN, _adds(32) + drops +
                       "\nALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT;")
    (refused,) = [f for f in findings if f.rule == "mysql-algorithm-not-supported"]
    assert "4092" in refused.message and "64" in refused.message


def test_several_columns_in_one_statement_are_one_row_version() -> None:
    many = "\n".join(f"ALTER TABLE t ADD COLUMN a{i} INT, ADD COLUMN b{i} INT;"
                     for i in range(63))
    summary, _ = last(PLAIN, many + "\nALTER TABLE t ADD COLUMN x INT;")
    assert summary["algorithm"] == "INSTANT"


@pytest.mark.parametrize("rebuild", ["ALTER TABLE t FORCE;", "OPTIMIZE TABLE t;",
                                     "ALTER TABLE t ADD COLUMN r INT, ALGORITHM=INPLACE;"])
def test_a_rebuild_starts_the_row_versions_again(rebuild: str) -> None:
    summary, _ = last(PLAIN, _adds(60) + f"\n{rebuild}\n" + _adds(10, 100))
    assert summary["algorithm"] == "INSTANT"


def test_other_instant_changes_make_no_row_version() -> None:
    renames = "\n".join(f"ALTER TABLE t ALTER COLUMN n SET DEFAULT {i};" for i in range(70))
    summary, _ = last(PLAIN, renames + "\nALTER TABLE t ADD COLUMN x INT;")
    assert summary["algorithm"] == "INSTANT"


@pytest.mark.parametrize(("version", "statements", "instant"), [
    ("8.0.28", 70, True),  # INSTANT ADD COLUMN before 8.0.29 makes no row version
    ("8.0.29", 65, False),
    ("9.1.0", 65, True),
    ("9.1.0", 256, False),
])
def test_the_limit_depends_on_the_version(version: str, statements: int,
                                          instant: bool) -> None:
    summary, _ = last(PLAIN, _adds(statements), version)
    assert (summary["algorithm"] == "INSTANT") == instant


# A table these migrations did not create: its row versions before them are unknown, so the
# count from 0 is a lower bound, and the messages say so.
OUTSIDE = "ALTER TABLE t ALTER COLUMN n SET DEFAULT 0;"


def test_the_count_of_a_table_created_elsewhere_is_a_lower_bound() -> None:
    _, findings = last(OUTSIDE, _adds(64) + "\nALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT;")
    (refused,) = [f for f in findings if f.rule == "mysql-algorithm-not-supported"]
    assert "at least 64" in refused.message and "before" in refused.message
    _, findings = last(PLAIN, _adds(64) + "\nALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT;")
    (refused,) = [f for f in findings if f.rule == "mysql-algorithm-not-supported"]
    assert "at least" not in refused.message


@pytest.mark.parametrize(("setup", "sql", "versions", "lower_bound"), [
    (OUTSIDE, _adds(3), 2, True),
    (PLAIN, _adds(3), 2, False),
    (OUTSIDE, "ALTER TABLE t FORCE;\n" + _adds(3), 2, False),  # rebuilt: counted from 0
    (OUTSIDE, "OPTIMIZE TABLE t;\n" + _adds(1), 0, False),
])
def test_the_row_version_facts(setup: str, sql: str, versions: int, lower_bound: bool) -> None:
    """The row versions an ALTER finds, and whether that count is only a lower bound."""
    summary, _ = last(setup, sql)
    assert (summary["row_versions"], summary["row_versions_lower_bound"]) == (versions,
                                                                             lower_bound)


def test_an_instant_add_to_a_table_created_elsewhere_is_no_alarm() -> None:
    summary, findings = last(OUTSIDE, "ALTER TABLE t ADD COLUMN x INT, ALGORITHM=INSTANT;")
    assert summary["algorithm"] == "INSTANT" and findings == []
