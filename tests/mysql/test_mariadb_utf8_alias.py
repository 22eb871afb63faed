"""What `utf8` and a column of no named character set are, by the server's version.

MariaDB reads `utf8` (and `utf8_*` collations) as utf8mb3 while its old_mode has
UTF8_IS_UTF8MB3, the default from 10.6.1 up to 13.0; from 13.1 the default old_mode is empty
and `utf8` is utf8mb4 (MDEV-30041; MariaDB's documentation, "OLD_MODE", UTF8_IS_UTF8MB3: "From
MariaDB 13.1, UTF8_IS_UTF8MB3 is no longer set by default. The default old_mode is now empty,
so utf8 is an alias for utf8mb4 by default"). MySQL 8.0 / 8.4 read it as utf8mb3 (the manual's
"The utf8 Character Set (Alias for utf8mb3)"). MariaDB's character_set_server default was
latin1 up to 11.5 and is utf8mb4 from 11.6 (MariaDB's "Setting Character Sets and
Collations": "In MariaDB 11.6, the default character set changed from latin1 to utf8mb4").
The local server (10.11) is below both boundaries: it checks the older side only."""

from __future__ import annotations

import pytest

from lockwise.effects.mysql import (
    _charset_name,
    parse_server_version,
    server_default_charset,
    utf8_alias,
)

SETUP = ("CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(10) CHARACTER SET utf8, "
         "code VARCHAR(10) COLLATE utf8_bin, plain VARCHAR(10));")


def _operations(report) -> list[str]:
    return [op for s in report.statements for a in s.effect.actions
            if a.kind == "mysql_alter_table" for op in a.facts["operations"]]


@pytest.mark.parametrize(("flavour", "version", "alias"), [
    ("mysql", (8, 0, 35), "utf8mb3"), ("mysql", (8, 4, 0), "utf8mb3"),
    ("mysql", (9, 1, 0), "utf8mb3"), ("mariadb", (10, 11, 0), "utf8mb3"),
    ("mariadb", (11, 8, 0), "utf8mb3"), ("mariadb", (13, 0, 9), "utf8mb3"),
    ("mariadb", (13, 1, 0), "utf8mb4"), ("mariadb", (14, 0, 0), "utf8mb4"),
])
def test_what_utf8_names(flavour: str, version: tuple[int, ...], alias: str) -> None:
    assert utf8_alias(flavour, version) == alias


@pytest.mark.parametrize(("flavour", "version", "charset"), [
    ("mysql", (8, 0, 35), "utf8mb4"), ("mysql", (8, 4, 0), "utf8mb4"),
    ("mariadb", (10, 11, 0), "latin1"), ("mariadb", (11, 5, 2), "latin1"),
    ("mariadb", (11, 6, 0), "utf8mb4"), ("mariadb", (11, 8, 0), "utf8mb4"),
])
def test_the_server_default_charset(flavour: str, version: tuple[int, ...],
                                    charset: str) -> None:
    assert server_default_charset(flavour, version) == charset


@pytest.mark.parametrize(("dialect", "version", "operation"), [
    ("mysql", "8.0.35", "widen_utf8mb3_to_utf8mb4_unindexed"),
    ("mysql", "8.4.0", "widen_utf8mb3_to_utf8mb4_unindexed"),
    ("mariadb", "11.8", "widen_utf8mb3_to_utf8mb4_unindexed"),
    ("mariadb", "13.0", "widen_utf8mb3_to_utf8mb4_unindexed"),
    ("mariadb", "13.1", "metadata_only"),
])
@pytest.mark.parametrize("change", [
    "ALTER TABLE notes MODIFY body VARCHAR(10) CHARACTER SET utf8mb4;",
    "ALTER TABLE notes MODIFY code VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;",
])
def test_utf8_to_utf8mb4(lint_change, dialect: str, version: str, operation: str,
                         change: str) -> None:
    """A `utf8` column made utf8mb4: a widening where utf8 is utf8mb3, nothing on MariaDB
    13.1 (the column already is utf8mb4)."""
    assert _operations(lint_change(change, dialect, version)) == [operation]


@pytest.mark.parametrize(("version", "copies"), [("13.0", True), ("13.1", False)])
def test_utf8mb4_to_utf8(lint_change, version: str, copies: bool) -> None:
    """utf8mb4 to `utf8`: a re-encoding copy where utf8 is utf8mb3, no change on 13.1."""
    setup = "CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(10) CHARACTER SET utf8mb4);"
    report = lint_change("ALTER TABLE notes MODIFY body VARCHAR(10) CHARACTER SET utf8;",
                         "mariadb", version, setup=setup)
    assert _operations(report) == (["change_column_type"] if copies else ["metadata_only"])
    assert ("mysql-table-copy" in {f.rule for f in report.all_findings}) == copies


@pytest.mark.parametrize(("version", "charset", "copies"), [
    ("11.5", "latin1", False), ("11.5", "utf8mb4", True),
    ("11.6", "latin1", True), ("11.6", "utf8mb4", False),
])
def test_a_column_of_the_server_default(lint_change, version: str, charset: str,
                                        copies: bool) -> None:
    """A column whose character set nothing named has the server's default: latin1 up to
    MariaDB 11.5, utf8mb4 from 11.6; naming another re-encodes it (a copy)."""
    report = lint_change(f"ALTER TABLE notes MODIFY plain VARCHAR(10) CHARACTER SET {charset};",
                         "mariadb", version)
    assert ("change_column_type" in _operations(report)) == copies


def test_the_reading_ends_with_the_statement(lint_change) -> None:
    """A MariaDB 13.1 lint leaves `utf8` utf8mb3 for what comes after it (a MySQL lint)."""
    lint_change("ALTER TABLE notes MODIFY body VARCHAR(10) CHARACTER SET utf8mb4;",
                "mariadb", "13.1")
    assert _charset_name("utf8") == "utf8mb3"
    report = lint_change("ALTER TABLE notes MODIFY body VARCHAR(10) CHARACTER SET utf8mb4;",
                         "mysql")
    assert _operations(report) == ["widen_utf8mb3_to_utf8mb4_unindexed"]


def test_on_mariadb(mariadb, lint_change) -> None:
    """The local server (below 11.6 and 13.1): utf8 is utf8mb3, a column of no named
    character set latin1; lockwise at the server's own version reads both so."""
    version = parse_server_version(mariadb.version())
    assert version < (11, 6)
    mariadb.fresh("utf8_alias", SETUP)
    shown = mariadb.run("SHOW CREATE TABLE notes", "utf8_alias")
    assert shown.returncode == 0, shown.stderr
    create = shown.stdout.replace("\\n", "\n")
    assert "`body` varchar(10) CHARACTER SET utf8mb3" in create
    assert "`code` varchar(10) CHARACTER SET utf8mb3 COLLATE utf8mb3_bin" in create
    assert "DEFAULT CHARSET=latin1" in create
    at = ".".join(map(str, version))
    change = "ALTER TABLE notes MODIFY body VARCHAR(10) CHARACTER SET utf8mb4"
    assert _operations(lint_change(change + ";", "mariadb", at)) == [
        "widen_utf8mb3_to_utf8mb4_unindexed"]
    done = mariadb.run(change + ", ALGORITHM=INSTANT", "utf8_alias")
    assert done.returncode == 0, done.stderr
