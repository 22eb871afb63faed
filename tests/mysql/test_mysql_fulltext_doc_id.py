"""The first FULLTEXT index of an InnoDB table rebuilds it to add the hidden FTS_DOC_ID column,
unless the table has its own (`FTS_DOC_ID BIGINT UNSIGNED NOT NULL`, the name in upper case):
MySQL manual, "Online DDL Operations" (17.12.1 in 8.4), Adding a FULLTEXT index: "Adding the
first FULLTEXT index rebuilds the table if there is no user-defined FTS_DOC_ID column.
Additional FULLTEXT indexes may be added without rebuilding the table." Checked on MariaDB
10.11 (test_mariadb_truth.py): NOCOPY, writes waiting; ADD COLUMN stays instant there (on
MySQL: not documented, not claimed)."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE TABLE docs (id INT PRIMARY KEY, body TEXT, FTS_DOC_ID BIGINT UNSIGNED NOT NULL,\n"
         "  UNIQUE KEY FTS_DOC_ID_INDEX (FTS_DOC_ID));\n"
         "CREATE TABLE plain (id INT PRIMARY KEY, body TEXT);")


def summary(sql: str, dialect: str) -> dict:
    reports = lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                               migration_from_text(sql, "2_change.sql")],
                              LintOptions(dialect=dialect))
    (statement,) = reports[1].statements
    return next(a.facts for a in statement.effect.actions if a.kind == "mysql_alter_table")


@pytest.mark.parametrize(("dialect", "algorithm"), [("mysql", "INPLACE"), ("mariadb", "NOCOPY")])
def test_the_first_fulltext_index_beside_a_user_doc_id_needs_no_rebuild(dialect: str,
                                                                        algorithm: str) -> None:
    found = summary("ALTER TABLE docs ADD FULLTEXT INDEX docs_body (body);", dialect)
    assert (found["algorithm"], found["rebuilds_table"], found["permits_dml"]) == (
        algorithm, False, False)
    plain = summary("ALTER TABLE plain ADD FULLTEXT INDEX plain_body (body);", dialect)
    assert (plain["algorithm"], plain["rebuilds_table"]) == ("INPLACE", True)


def test_a_user_doc_id_leaves_add_column_instant_on_mariadb() -> None:
    assert summary("ALTER TABLE docs ADD COLUMN x INT;", "mariadb")["algorithm"] == "INSTANT"


@pytest.mark.parametrize(("sql", "algorithm"), [
    # "INPLACE ADD or DROP of virtual columns cannot be combined with other ALTER TABLE
    # actions": beside a rebuild (the first FULLTEXT index's), MariaDB copies the table
    ("ALTER TABLE plain ADD COLUMN v INT AS (id + 1) VIRTUAL, ADD FULLTEXT INDEX pb (body);",
     "COPY"),
    ("ALTER TABLE plain ADD COLUMN v INT AS (id + 1) VIRTUAL, FORCE;", "COPY"),
    # beside a FULLTEXT index that needs no rebuild, it does not
    ("ALTER TABLE docs ADD COLUMN v INT AS (id + 1) VIRTUAL, ADD FULLTEXT INDEX db (body);",
     "NOCOPY"),
])
def test_mariadb_copies_a_virtual_column_beside_a_rebuild(sql: str, algorithm: str) -> None:
    assert summary(sql, "mariadb")["algorithm"] == algorithm
