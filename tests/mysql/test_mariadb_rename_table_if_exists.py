"""MariaDB's `RENAME TABLE IF EXISTS a TO b` (fix-mysql49): 10.5.2 and later take it (the
knowledge base's "MariaDB 10.5.2 Release Notes": "ALTER TABLE and RENAME TABLE now support IF
EXISTS"), MySQL 8 has none (its manual's "RENAME TABLE Statement"): a 1064 at IF there. Read
as the RENAME it is. Checked on MariaDB 10.11 (10.11.19): a pair whose table is missing is
skipped (a note, 1146) and the others are renamed, left to right, so a name an earlier pair
renamed away is missing too; without IF EXISTS a missing table is 1146 and no pair is renamed
(the statement is atomic)."""

from __future__ import annotations

import re

import pytest

SETUP = """CREATE DATABASE shop;
USE shop;
CREATE TABLE a (id INT PRIMARY KEY);
CREATE TABLE x (id INT PRIMARY KEY);
"""


def _rules(report) -> list[str]:
    return [f.rule for f in report.all_findings]


def _renamed(report) -> list[tuple[str, str]]:
    """(old, new) of each rename-table finding, in order (its message names them)."""
    return [tuple(re.match(r"Renaming (\S+) to (\S+) ", f.message).groups())
            for f in report.all_findings if f.rule == "rename-table"]


@pytest.mark.parametrize("version", [None, "10.5.2", "10.11"])
@pytest.mark.parametrize("sql", ["RENAME TABLE IF EXISTS a TO b",
                                 "RENAME TABLES IF EXISTS a TO b",
                                 "RENAME TABLE IF EXISTS a NOWAIT TO b"])
def test_mariadb_reads_it_as_a_rename(lint_change, sql: str, version: str | None) -> None:
    report = lint_change(f"USE shop;\n{sql};", "mariadb", version)
    assert _rules(report) == ["rename-table"], report.all_findings
    assert _renamed(report) == [("a", "b")]


@pytest.mark.parametrize(("dialect", "version", "why"), [
    ("mariadb", "10.5.1", "RENAME TABLE IF EXISTS arrived in MariaDB 10.5.2"),
    ("mariadb", "10.4", "RENAME TABLE IF EXISTS arrived in MariaDB 10.5.2"),
    ("mysql", None, "MariaDB's RENAME TABLE IF EXISTS; MySQL has none"),
    ("mysql", "8.0.30", "MariaDB's RENAME TABLE IF EXISTS; MySQL has none"),
])
def test_a_server_without_it_stops_at_if(lint_change, dialect: str, version: str | None,
                                         why: str) -> None:
    report = lint_change("USE shop;\nRENAME TABLE IF EXISTS a TO b;", dialect, version)
    assert _rules(report) == ["parse-error"], report.all_findings
    (error,) = report.all_findings
    assert f"error 1064 near 'IF EXISTS a TO b' ({why}" in error.message, error.message


def test_a_table_named_if_is_not_refused(lint_change) -> None:
    report = lint_change("USE shop;\nRENAME TABLE `if` TO c;", "mariadb", "10.4",
                         SETUP + "CREATE TABLE `if` (id INT);\n")
    assert _rules(report) == ["rename-table"], report.all_findings


def test_a_missing_table_is_skipped_with_if_exists(lint_change) -> None:
    report = lint_change("USE shop;\nDROP TABLE a;\n"
                         "RENAME TABLE IF EXISTS a TO b, x TO y;", "mariadb")
    assert _rules(report) == ["drop-table", "rename-table"], report.all_findings
    assert _renamed(report) == [("x", "y")]


def test_a_name_renamed_away_by_an_earlier_pair_is_skipped(lint_change) -> None:
    report = lint_change("USE shop;\nRENAME TABLE IF EXISTS a TO b, a TO c;\n"
                         "RENAME TABLE c TO d;", "mariadb")
    assert _renamed(report) == [("a", "b"), ("c", "d")]


def test_the_replay_follows_the_pairs_it_ran(lint_change) -> None:
    """After the rename, b is there (a later RENAME of it runs) and a is not (1146)."""
    report = lint_change("USE shop;\nRENAME TABLE IF EXISTS a TO b;\nRENAME TABLE b TO c;\n"
                         "RENAME TABLE a TO z;", "mariadb")
    assert _rules(report) == ["rename-table", "rename-table", "mysql-unknown-table"]


@pytest.mark.parametrize("dialect", ["mariadb", "mysql"])
def test_without_if_exists_a_missing_table_is_1146(lint_change, dialect: str) -> None:
    report = lint_change("USE shop;\nDROP TABLE a;\nRENAME TABLE x TO y, a TO b;", dialect)
    assert _rules(report) == ["drop-table", "mysql-unknown-table"], report.all_findings
    error = report.all_findings[-1]
    assert "error 1146: \"Table 'shop.a' doesn't exist\"" in error.message, error.message
    assert "renames none of its tables" in error.message


def test_a_table_the_replay_does_not_know_is_not_1146(lint_change) -> None:
    """A table no migration made may be there (made outside them): no refusal."""
    report = lint_change("USE shop;\nRENAME TABLE elsewhere TO e2;", "mariadb")
    assert _rules(report) == ["rename-table"]


# --- checked on MariaDB ----------------------------------------------------------------------

def _fresh(mariadb) -> None:
    assert mariadb.run("DROP DATABASE IF EXISTS shop", "mysql").returncode == 0
    assert mariadb.run(SETUP, "mysql").returncode == 0


def _tables(mariadb) -> list[str]:
    return mariadb.run("SHOW TABLES", "shop").stdout.split()


def test_mariadb_renames_with_it(mariadb) -> None:
    _fresh(mariadb)
    ran = mariadb.run("RENAME TABLE IF EXISTS a TO b", "shop")
    assert ran.returncode == 0, ran.stderr
    assert _tables(mariadb) == ["b", "x"]


def test_mariadb_skips_a_missing_pair(mariadb) -> None:
    _fresh(mariadb)
    ran = mariadb.run("RENAME TABLE IF EXISTS missing TO c, a TO b, a TO d; SHOW WARNINGS",
                      "shop")
    assert ran.returncode == 0, ran.stderr
    assert _tables(mariadb) == ["b", "x"]


def test_mariadb_renames_nothing_without_it(mariadb) -> None:
    _fresh(mariadb)
    ran = mariadb.run("RENAME TABLE x TO y, missing TO c", "shop")
    assert "ERROR 1146" in ran.stderr and "'shop.missing' doesn't exist" in ran.stderr
    assert _tables(mariadb) == ["a", "x"]
