"""Tables of one name in two databases: `USE a; CREATE TABLE t ...; USE b; CREATE TABLE t`
makes a.t and b.t (checked on MariaDB 10.11), which the replay keeps apart; a table renamed
to an unqualified name is in the session's database (RENAME TABLE d.t TO u makes <USE>.u),
which DROP DATABASE drops."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE accounts (id INT PRIMARY KEY);"
#: t in a, with a CHECK named c_n; t in b, without.
TWO = ("USE a;\nCREATE TABLE t (id INT PRIMARY KEY, n INT, CONSTRAINT c_n CHECK (n > 0));\n"
       "USE b;\nCREATE TABLE t (id INT PRIMARY KEY, n INT);")


def _found(report) -> list[tuple[str, int]]:
    return [(f.rule, f.span.line) for f in report.all_findings]


def _history(*files: str, dialect: str = "mysql", catalog=None) -> list[list[tuple[str, int]]]:
    """The findings of each migration of the history `files` (SETUP first)."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    migrations = [migration_from_text(text, f"{i}_m.sql")
                  for i, text in enumerate((SETUP, *files), 1)]
    return [_found(r) for r in lint_migrations(migrations, LintOptions(dialect=dialect),
                                               catalog)][1:]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_tables_of_one_name_in_two_databases_do_not_collide(dialect: str) -> None:
    assert _history(TWO, "USE a;\nALTER TABLE t DROP CONSTRAINT c_n;", dialect=dialect) == [[], []]
    assert _history(TWO, "USE b;\nALTER TABLE t DROP CONSTRAINT c_n;", dialect=dialect) == [
        [], [("mysql-constraint-not-found", 2)]]


def test_within_one_migration_use_goes_back_to_the_first_database() -> None:
    assert _history(TWO + "\nUSE a;\nALTER TABLE t DROP CONSTRAINT c_n;") == [[]]
    assert _history(TWO + "\nALTER TABLE t DROP CONSTRAINT c_n;") == [
        [("mysql-constraint-not-found", 5)]]


def test_the_other_database_s_table_is_dropped_with_it() -> None:
    """DROP DATABASE a drops a.t, not the session's b.t."""
    from lockwise.catalog.model import Catalog

    catalog = Catalog()
    _history(TWO, "DROP DATABASE a;", catalog=catalog)
    assert [(t.name.split(".")[-1], t.database) for t in catalog.tables.values()
            if t.name.endswith("t") and t.name != "accounts"] == [("t", "b")]


@pytest.mark.parametrize("rename", ["RENAME TABLE d.t TO u;", "ALTER TABLE d.t RENAME TO u;"])
def test_a_table_renamed_to_a_bare_name_is_in_the_session_s_database(rename: str) -> None:
    created = "USE a;\nCREATE TABLE d.t (id INT PRIMARY KEY, n INT);\n" + rename
    assert _history(created, "ALTER TABLE u DROP CONSTRAINT nope;") == [
        [], [("mysql-constraint-not-found", 1)]]
    # DROP DATABASE a drops it: the later migration does not know it
    assert _history(created, "DROP DATABASE a;", "ALTER TABLE u DROP CONSTRAINT nope;") == [
        [], [], []]


def test_the_same_name_in_two_databases_on_mariadb(mariadb) -> None:
    """Checked on the server: two tables named t, one per database; RENAME TABLE to a bare
    name moves the table into the session's database."""
    made = mariadb.run(
        "CREATE DATABASE two_a; CREATE DATABASE two_b; CREATE DATABASE two_d; USE two_a; "
        "CREATE TABLE t (id INT, n INT); USE two_b; CREATE TABLE t (id INT); "
        "CREATE TABLE two_d.r (id INT); RENAME TABLE two_d.r TO u;", "mysql", whole=True)
    assert made.returncode == 0, made.stderr
    where = mariadb.run("SELECT CONCAT(table_schema, '.', table_name) FROM "
                        "information_schema.tables WHERE table_schema LIKE 'two\\_%' "
                        "ORDER BY 1", "mysql")
    assert where.stdout.split() == ["two_a.t", "two_b.t", "two_b.u"], where.stderr
