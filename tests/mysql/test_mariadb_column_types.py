"""MariaDB's INET6 (10.5.0), UUID (10.7.0) and INET4 (10.10.0) column types (the knowledge
base's pages: "added in MariaDB ..."; checked on MariaDB 10.11): read, in a CREATE TABLE and
an ALTER TABLE, with their own type names in the replayed schema; before their release, and
on MySQL, which has none of them, a parse-error at the type."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE accounts (id INT PRIMARY KEY, n INT);"
CREATE = ("CREATE TABLE hosts (id INT PRIMARY KEY, a INET4, b INET6 NOT NULL, "
          "c UUID DEFAULT UUID());")


def _lint(sql: str, dialect: str = "mariadb", version: str | None = None):
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    catalog = Catalog()
    (report,) = lint_migrations([migration_from_text(sql, "1_m.sql")],
                                LintOptions(dialect=dialect, server_version=version), catalog)
    return report, catalog


def _parse_errors(report) -> list[tuple[int, str]]:
    return [(f.span.column, f.message) for f in report.all_findings if f.rule == "parse-error"]


def _operations(report) -> list[tuple[str, ...]]:
    return [a.facts["operations"] for s in report.statements for a in s.effect.actions
            if a.kind == "mysql_alter_table"]


def test_mariadb_reads_its_column_types() -> None:
    report, catalog = _lint(CREATE)
    assert _parse_errors(report) == []
    assert {name: column.type_name for name, column in catalog.tables["hosts"].columns.items()
            } == {"id": "int", "a": "inet4", "b": "inet6", "c": "uuid"}


def test_an_added_column_of_those_types_is_instant() -> None:
    report, catalog = _lint(f"{CREATE}\nALTER TABLE hosts ADD COLUMN d INET4, ADD e INET6;\n"
                            "ALTER TABLE hosts ADD COLUMN f UUID;")
    assert _parse_errors(report) == []
    assert _operations(report) == [("add_column_last", "add_column_last"), ("add_column_last",)]
    assert catalog.tables["hosts"].columns["e"].type_name == "inet6"


def test_inet4_to_inet6_is_a_type_change() -> None:
    report, _ = _lint(f"{CREATE}\nALTER TABLE hosts MODIFY a INET6;")
    assert _operations(report) == [("change_column_type",)]


@pytest.mark.parametrize(("version", "word", "since"), [
    ("10.4", "INET6", "10.5.0"), ("10.6", "UUID", "10.7.0"), ("10.9", "INET4", "10.10.0")])
def test_before_its_release_the_type_is_a_parse_error(version: str, word: str,
                                                       since: str) -> None:
    for sql in (f"CREATE TABLE hosts (id INT PRIMARY KEY, a {word} NOT NULL);",
                f"{SETUP}\nALTER TABLE accounts ADD COLUMN a {word};"):
        report, _ = _lint(sql, version=version)
        ((column, message),) = _parse_errors(report)
        assert column == sql.splitlines()[-1].index(f" {word}") + 2
        assert f"near '{word}" in message and since in message, message


def test_from_their_release_the_types_are_read() -> None:
    report, _ = _lint(CREATE, version="10.10")
    assert _parse_errors(report) == []


@pytest.mark.parametrize("word", ["INET4", "INET6", "UUID"])
def test_mysql_has_none_of_them(word: str) -> None:
    for sql in (f"CREATE TABLE hosts (id INT PRIMARY KEY, a {word} NULL);",
                f"{SETUP}\nALTER TABLE accounts CHANGE n a {word};"):
        report, _ = _lint(sql, dialect="mysql")
        ((column, message),) = _parse_errors(report)
        assert column == sql.splitlines()[-1].index(f" {word}") + 2, message
        assert "MariaDB" in message, message


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_columns_named_so_are_no_types(dialect: str) -> None:
    report, catalog = _lint("CREATE TABLE named (uuid CHAR(36) DEFAULT (UUID()), inet4 INT, "
                            "inet6 INT);\nALTER TABLE named ADD COLUMN uuid2 INT, "
                            "MODIFY inet4 BIGINT;", dialect=dialect, version="10.4"
                            if dialect == "mariadb" else None)
    assert _parse_errors(report) == []
    assert set(catalog.tables["named"].columns) == {"uuid", "inet4", "inet6", "uuid2"}


def test_the_types_on_mariadb(mariadb) -> None:
    """Checked on the server: the three types, an instant ADD COLUMN of each, and INET4 ->
    INET6 refused in place (a type change)."""
    ran = mariadb.run(f"CREATE DATABASE ct; USE ct; {CREATE} ALTER TABLE hosts ADD COLUMN d "
                      "INET4, ADD e INET6, ALGORITHM=INSTANT; ALTER TABLE hosts ADD COLUMN f "
                      "UUID, ALGORITHM=INSTANT;", "mysql", whole=True)
    assert ran.returncode == 0, ran.stderr
    refused = mariadb.run("ALTER TABLE hosts MODIFY a INET6, ALGORITHM=INPLACE", "ct")
    assert "Cannot change column type" in refused.stderr, refused
