"""Syntax a MySQL or MariaDB release first accepts, judged against `--server-version`: before
it, a parse-error at the word the older server stops at, naming the release.

* MySQL's column VISIBLE / INVISIBLE: 8.0.23 (MySQL 8.0 manual, 15.1.20.10 "Invisible
  Columns": "MySQL supports invisible columns as of MySQL 8.0.23 ... Prior to MySQL 8.0.23,
  all columns are visible"); its index INVISIBLE is 8.0's from the start.
* MySQL's ENGINE_ATTRIBUTE and SECONDARY_ENGINE_ATTRIBUTE of a column, an index or the table:
  8.0.21 (MySQL 8.0 manual, 15.1.20 "CREATE TABLE Statement", and the COLUMNS_EXTENSIONS /
  TABLES_EXTENSIONS tables, "available as of MySQL 8.0.21").
* MariaDB's invisible column: 10.3.3 (the knowledge base's "Invisible Columns").
* MariaDB's CONVERT PARTITION p TO TABLE t and CONVERT TABLE t TO PARTITION p: 10.7 (the
  knowledge base's "ALTER TABLE"); read on 10.11 (checked on 10.11,
  tests/mysql/test_mariadb_refused_syntax.py)."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE accounts (id INT PRIMARY KEY, n INT)\n"
         "  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10),\n"
         "  PARTITION p1 VALUES LESS THAN (20));\n"
         "CREATE TABLE spare (id INT PRIMARY KEY, n INT);")


def _parse_errors(report) -> list[tuple[int, str]]:
    return [(f.span.column, f.message) for f in report.all_findings if f.rule == "parse-error"]


def _at(sql: str, word: str) -> int:
    """The column (1-based) of `word`'s first whole-word occurrence in `sql`'s last line (not
    ALTER TABLE's)."""
    import re

    return re.search(rf"(?<!ALTER )\b{word}\b", sql.splitlines()[-1]).start() + 1


#: (dialect, statement, the word the older server stops at, the version before, the release)
GATED = [
    ("mysql", "CREATE TABLE t (id INT, c INT INVISIBLE);", "INVISIBLE", "8.0.22", "8.0.23"),
    ("mysql", "CREATE TABLE t (id INT, c INT NOT NULL VISIBLE);", "VISIBLE", "8.0.22",
     "8.0.23"),
    ("mysql", "ALTER TABLE accounts ADD COLUMN c INT INVISIBLE;", "INVISIBLE", "8.0.22",
     "8.0.23"),
    ("mysql", "ALTER TABLE accounts MODIFY n INT VISIBLE;", "VISIBLE", "8.0.22", "8.0.23"),
    ("mysql", "CREATE TABLE t (id INT, c INT ENGINE_ATTRIBUTE = '{}');", "ENGINE_ATTRIBUTE",
     "8.0.20", "8.0.21"),
    ("mysql", "CREATE TABLE t (id INT, c INT SECONDARY_ENGINE_ATTRIBUTE '{}');",
     "SECONDARY_ENGINE_ATTRIBUTE", "8.0.20", "8.0.21"),
    ("mysql", "CREATE TABLE t (id INT, KEY t_id (id) ENGINE_ATTRIBUTE '{}');",
     "ENGINE_ATTRIBUTE", "8.0.20", "8.0.21"),
    ("mysql", "CREATE TABLE t (id INT) ENGINE_ATTRIBUTE = '{}';", "ENGINE_ATTRIBUTE", "8.0.20",
     "8.0.21"),
    ("mariadb", "CREATE TABLE t (id INT, c INT INVISIBLE);", "INVISIBLE", "10.3.2", "10.3.3"),
    ("mariadb", "ALTER TABLE accounts ADD COLUMN c INT INVISIBLE;", "INVISIBLE", "10.3.2",
     "10.3.3"),
    ("mariadb", "ALTER TABLE accounts CONVERT PARTITION p0 TO TABLE gone;", "PARTITION",
     "10.6", "10.7"),
    ("mariadb", "ALTER TABLE accounts CONVERT TABLE spare TO PARTITION p2 VALUES LESS THAN "
     "(30);", "TABLE", "10.6", "10.7"),
]


@pytest.mark.parametrize(("dialect", "sql", "word", "before", "since"), GATED)
def test_before_its_release_the_syntax_is_a_parse_error(lint_change, dialect: str, sql: str,
                                                        word: str, before: str,
                                                        since: str) -> None:
    ((column, message),) = _parse_errors(lint_change(sql, dialect, before))
    assert column == _at(sql, word)
    assert f"near '{word}" in message and since in message, message


@pytest.mark.parametrize(("dialect", "sql", "word", "before", "since"), GATED)
def test_from_its_release_it_is_read(lint_change, dialect: str, sql: str, word: str,
                                     before: str, since: str) -> None:
    assert _parse_errors(lint_change(sql, dialect, since)) == []
    assert _parse_errors(lint_change(sql, dialect)) == []  # the default version


@pytest.mark.parametrize("sql", [
    "CREATE TABLE t (id INT, visible INT, invisible INT, engine_attribute INT);",
    "ALTER TABLE accounts ADD INDEX a_n (n) INVISIBLE;",  # an index's: 8.0's
    "ALTER TABLE accounts ALTER INDEX a_n VISIBLE;",
])
def test_names_and_index_visibility_are_not_gated(lint_change, sql: str) -> None:
    assert _parse_errors(lint_change(sql, "mysql", "8.0.0")) == []
