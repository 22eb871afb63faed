"""Functional key parts (`CREATE INDEX i ON t ((lower(email)))`, MySQL 8.0.13+): MySQL adds a
hidden VIRTUAL generated column and builds the index on it (manual, "CREATE INDEX Statement",
"Functional Key Parts": "implemented as hidden virtual generated columns"). InnoDB builds an
index on a virtual column the same ALTER adds in place, without a rebuild, but not online:
writes wait (`handler0alter.cc`, check_if_supported_inplace_alter: a key part on an added
virtual column sets ER_UNSUPPORTED_ALTER_ONLINE_ON_VIRTUAL_COLUMN and online = false), and a
UNIQUE one is not in place at all (ADD_UNIQUE_INDEX is not among the operations it runs beside
an added virtual column: the table is copied). MariaDB has no functional key parts (a syntax
error, checked on MariaDB 10.11)."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100), a INT, b INT);"


def only(report):
    (statement,) = report.statements
    return statement


def summary(found) -> dict:
    return next(a.facts for a in found.effect.actions if a.kind == "mysql_alter_table")


@pytest.mark.parametrize("sql", [
    "CREATE INDEX users_email_lower ON users ((lower(email)));",
    "ALTER TABLE users ADD INDEX ((a + b));",
    "ALTER TABLE users ADD INDEX users_ab (a, (b * 2));",
    "CREATE INDEX users_ab ON users (a, (b * 2) DESC);",
])
def test_a_functional_index_is_built_in_place_with_writes_waiting(lint_change, sql: str) -> None:
    found = only(lint_change(sql))
    facts = summary(found)
    assert (facts["algorithm"], facts["rebuilds_table"], facts["permits_dml"]) == \
        ("INPLACE", False, False)
    assert [f.rule for f in found.findings] == ["mysql-blocks-writes"]


@pytest.mark.parametrize("sql", [
    "CREATE UNIQUE INDEX users_email_lower ON users ((lower(email)));",
    "ALTER TABLE users ADD UNIQUE INDEX users_ab ((a + b));",
])
def test_a_unique_functional_index_copies_the_table(lint_change, sql: str) -> None:
    found = only(lint_change(sql))
    assert summary(found)["algorithm"] == "COPY"
    assert [f.rule for f in found.findings] == ["mysql-table-copy"]


def test_lock_none_on_a_functional_index_is_refused(lint_change) -> None:
    found = only(lint_change("ALTER TABLE users ADD INDEX users_ab ((a + b)), "
                             "ALGORITHM=INPLACE, LOCK=NONE;"))
    assert "mysql-lock-not-supported" in [f.rule for f in found.findings]


def test_an_index_on_plain_columns_still_lets_writes_continue(lint_change) -> None:
    found = only(lint_change("CREATE INDEX users_ab ON users (a, b);"))
    assert summary(found)["permits_dml"] is True and not found.findings


@pytest.mark.parametrize(("sql", "dialect", "version"), [
    ("CREATE INDEX users_email_lower ON users ((lower(email)));", "mariadb", None),
    ("ALTER TABLE users ADD INDEX users_ab (a, (b * 2));", "mariadb", None),
    ("CREATE INDEX users_email_lower ON users ((lower(email)));", "mysql", "8.0.12"),
])
def test_a_server_without_functional_key_parts_refuses_them(sql: str, dialect: str,
                                                           version: str | None) -> None:
    (report,) = lint_migrations([migration_from_text(sql, "1_change.sql")],
                                LintOptions(dialect=dialect, server_version=version))
    (finding,) = report.findings
    assert finding.rule == "parse-error"
    assert "functional key part" in finding.message
    assert finding.span is not None and sql[finding.span.column - 1] == "("


@pytest.mark.parametrize("sql", [
    "CREATE INDEX users_tags ON users ((CAST(tags->'$.ids' AS UNSIGNED ARRAY)));",
    "CREATE INDEX users_tags ON users (a, (CAST(tags AS CHAR(255) ARRAY)), b);",
    "ALTER TABLE users ADD INDEX users_tags ((CAST(tags AS CHAR(20) ARRAY)));",
])
def test_a_multi_valued_index_copies_the_table(sql: str) -> None:
    """A multi-valued index, `(CAST(json AS type ARRAY))` (MySQL 8.0.17+): "Online creation
    of a multi-valued index is not supported, which means the operation uses ALGORITHM=COPY"
    (8.4 manual, 15.1.15 "CREATE INDEX Statement", "Multi-Valued Indexes")."""
    reports = lint_migrations([
        migration_from_text("CREATE TABLE users (id INT PRIMARY KEY, a INT, b INT, tags JSON);",
                            "1_setup.sql"),
        migration_from_text(sql, "2_change.sql")], LintOptions(dialect="mysql"))
    (found,) = reports[1].statements
    assert summary(found)["operations"] == ("add_multi_valued_index",)
    assert summary(found)["algorithm"] == "COPY"
    assert [f.rule for f in found.findings] == ["mysql-table-copy"]


def test_a_functional_index_on_a_partitioned_table_copies_it() -> None:
    """InnoDB runs no ADD of a virtual column (a functional key part's hidden one) in place on
    a partitioned table (check_if_supported_inplace_alter: partition_info_str), as the manual
    says of VIRTUAL columns there ("ALTER TABLE and Generated Columns")."""
    reports = lint_migrations([
        migration_from_text("CREATE TABLE users (id INT NOT NULL PRIMARY KEY, email "
                            "VARCHAR(100)) PARTITION BY HASH (id) PARTITIONS 4;", "1_setup.sql"),
        migration_from_text("CREATE INDEX users_email_lower ON users ((lower(email)));",
                            "2_change.sql")], LintOptions(dialect="mysql"))
    (found,) = reports[1].statements
    assert summary(found)["algorithm"] == "COPY"
    assert [f.rule for f in found.findings] == ["mysql-table-copy"]
