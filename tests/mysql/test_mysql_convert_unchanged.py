"""CONVERT TO CHARACTER SET judged column by column (fix-mysql70): a string column already in
the character set and collation it names is left alone, so a table whose columns all are
only has its default changed (MariaDB 10.11: ALGORITHM=INSTANT runs; MySQL: in place, as
`CHARACTER SET = x`), and a collation change alone in the same set is each column's own
(instant, NOCOPY for an indexed column, a copy for a primary key's or an ENUM's). The
COLLATE it writes is kept in the replayed schema; and a MODIFY's COLLATE alone gives the
column that collation's character set (re-encoded: a copy), as the server does."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from conftest import MariaDB  # (tests/mysql/conftest.py)
    from lockwise.core.types import MigrationReport

#: The `lint_change` and `alter_algorithm` fixtures (tests/mysql/conftest.py).
LintChange = Callable[..., "MigrationReport"]
Algorithm = Callable[["MigrationReport"], str]

UTF8MB4 = "CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(10), b TEXT) DEFAULT CHARSET=utf8mb4;"
WITH_ENUM = ("CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(10), b TEXT, e ENUM('x', 'y')) "
             "DEFAULT CHARSET=utf8mb4;")
INDEXED = ("CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(10), b TEXT, KEY (a)) "
           "DEFAULT CHARSET=utf8mb4;")
STRING_KEY = "CREATE TABLE n (id VARCHAR(10) PRIMARY KEY, a VARCHAR(10)) DEFAULT CHARSET=utf8mb4;"
#: the columns in utf8mb4, the table's default latin1: only the default changes
COLUMNS_ONLY = ("CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(10) CHARACTER SET utf8mb4, "
                "b TEXT CHARACTER SET utf8mb4) DEFAULT CHARSET=latin1;")
LATIN1 = "CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(10)) DEFAULT CHARSET=latin1;"
BIN_COLUMN = ("CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(10) COLLATE utf8mb4_bin, b TEXT) "
              "DEFAULT CHARSET=utf8mb4;")

#: (setup, change, MySQL's algorithm, MariaDB's), each MariaDB one checked below
CASES = [
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4", "INPLACE", "INSTANT"),
    (WITH_ENUM, "ALTER TABLE n CONVERT TO CHARSET utf8mb4", "INPLACE", "INSTANT"),
    # MariaDB's default collation of utf8mb4 (MySQL 8's is utf8mb4_0900_ai_ci: an ENUM's
    # collation changes there, a copy)
    (WITH_ENUM, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
     "COPY", "INSTANT"),
    (COLUMNS_ONLY, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4", "INPLACE", "INSTANT"),
    (LATIN1, "ALTER TABLE n CONVERT TO CHARACTER SET latin1", "INPLACE", "INSTANT"),
    # a collation change in the same character set: each column's
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "INPLACE",
     "INSTANT"),
    (BIN_COLUMN, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4", "INPLACE", "INSTANT"),
    (BIN_COLUMN, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4 COLLATE DEFAULT", "INPLACE",
     "INSTANT"),
    (INDEXED, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "COPY",
     "NOCOPY"),
    (STRING_KEY, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "COPY",
     "COPY"),
    (WITH_ENUM, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "COPY",
     "COPY"),
    # re-encoded, or not of its character set (refused, 1253): the copy, as before
    (LATIN1, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4", "COPY", "COPY"),
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARACTER SET latin1", "COPY", "COPY"),
]


@pytest.mark.parametrize(("setup", "change", "on_mysql", "on_mariadb"), CASES)
def test_the_algorithm(assert_algorithms: Callable[..., None], setup: str, change: str,
                       on_mysql: str, on_mariadb: str) -> None:
    assert_algorithms(setup, change, on_mysql, on_mariadb)


@pytest.mark.parametrize(("setup", "change", "on_mysql", "expected"), CASES)
def test_on_mariadb(mariadb: MariaDB, setup: str, change: str, on_mysql: str,
                    expected: str) -> None:
    """Each case's algorithm runs on the server, the one before it is refused."""
    mariadb.assert_cheapest("convert_unchanged", setup, change, expected)


def test_a_default_alone_runs_with_writes_on_mariadb(mariadb: MariaDB) -> None:
    mariadb.fresh("convert_unchanged", COLUMNS_ONLY)
    done = mariadb.run("ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4, LOCK=NONE",
                       "convert_unchanged")
    assert done.returncode == 0, done.stderr


#: CONVERT ... COLLATE utf8mb4_bin, then an indexed column's MODIFY (MariaDB's algorithm)
AFTER_BIN = ("CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(10), KEY (a)) DEFAULT CHARSET=latin1;"
             "\nALTER TABLE n CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;")
KEPT = [
    ("ALTER TABLE n MODIFY a VARCHAR(10) COLLATE utf8mb4_general_ci", "NOCOPY"),
    ("ALTER TABLE n MODIFY a VARCHAR(10) COLLATE utf8mb4_bin", "INSTANT"),
    ("ALTER TABLE n MODIFY a VARCHAR(10)", "INSTANT"),
]


@pytest.mark.parametrize(("change", "expected"), KEPT)
def test_the_replay_keeps_the_collation(alter_algorithm: Algorithm, lint_change: LintChange,
                                        change: str, expected: str) -> None:
    """The column is utf8mb4_bin after the CONVERT: going back to general_ci builds its
    index again (it was read as no change), utf8mb4_bin again is none (it was read as one)."""
    report = lint_change(change + ";", "mariadb", setup=AFTER_BIN)
    assert alter_algorithm(report) == expected
    mysql = lint_change(change + ";", "mysql", setup=AFTER_BIN)
    assert (alter_algorithm(mysql) == "COPY") == (expected == "NOCOPY")


@pytest.mark.parametrize(("change", "expected"), KEPT)
def test_the_kept_collation_on_mariadb(mariadb: MariaDB, change: str, expected: str) -> None:
    if expected == "NOCOPY":
        mariadb.fresh("convert_unchanged", AFTER_BIN.replace("\n", " "))
        refused = mariadb.run(f"{change}, ALGORITHM=INSTANT", "convert_unchanged")
        assert "is not supported" in refused.stderr
    mariadb.fresh("convert_unchanged", AFTER_BIN.replace("\n", " "))
    assert mariadb.run(f"{change}, ALGORITHM={expected}", "convert_unchanged").returncode == 0


MODIFY_SETUP = ("CREATE TABLE n (id INT PRIMARY KEY, c VARCHAR(10), l VARCHAR(10) CHARACTER SET "
                "latin1, m VARCHAR(10) CHARACTER SET utf8mb3) DEFAULT CHARSET=utf8mb4;")
#: (a MODIFY naming a COLLATE alone, whether it copies: re-encoded into its character set)
COLLATE_ALONE = [
    ("ALTER TABLE n MODIFY c VARCHAR(10) COLLATE latin1_bin", True),
    ("ALTER TABLE n MODIFY l VARCHAR(10) COLLATE utf8mb4_general_ci", True),
    ("ALTER TABLE n MODIFY c VARCHAR(10) COLLATE utf8mb4_bin", False),
    ("ALTER TABLE n MODIFY l VARCHAR(10) COLLATE latin1_bin", False),
    # utf8mb3 into utf8mb4: nothing re-encoded (MariaDB instant, MySQL in place)
    ("ALTER TABLE n MODIFY m VARCHAR(10) COLLATE utf8mb4_general_ci", False),
]


@pytest.mark.parametrize(("change", "copies"), COLLATE_ALONE)
def test_a_collate_alone_names_its_character_set(alter_algorithm: Algorithm,
                                                 lint_change: LintChange, change: str,
                                                 copies: bool) -> None:
    for dialect in ("mysql", "mariadb"):
        report = lint_change(change + ";", dialect, setup=MODIFY_SETUP)
        assert (alter_algorithm(report) == "COPY") == copies, dialect


@pytest.mark.parametrize(("change", "copies"), COLLATE_ALONE)
def test_a_collate_alone_on_mariadb(mariadb: MariaDB, change: str, copies: bool) -> None:
    mariadb.assert_copies("convert_unchanged", MODIFY_SETUP, change, copies)


def test_the_column_takes_the_collation_character_set_on_mariadb(mariadb: MariaDB) -> None:
    mariadb.fresh("convert_unchanged", MODIFY_SETUP)
    assert mariadb.run("ALTER TABLE n MODIFY c VARCHAR(10) COLLATE latin1_bin",
                       "convert_unchanged").returncode == 0
    shown = mariadb.run("SHOW CREATE TABLE n", "convert_unchanged").stdout
    assert "`c` varchar(10) CHARACTER SET latin1 COLLATE latin1_bin" in shown


def test_the_replay_gives_the_column_the_collation_character_set(
        alter_algorithm: Algorithm, lint_change: LintChange) -> None:
    """c is latin1 after it: VARCHAR(200) to (255) keeps one length byte (utf8mb4's 800 bytes
    would take two: a copy)."""
    setup = MODIFY_SETUP + "\nALTER TABLE n MODIFY c VARCHAR(200) COLLATE latin1_bin;"
    report = lint_change("ALTER TABLE n MODIFY c VARCHAR(255) COLLATE latin1_bin;", "mariadb",
                         setup=setup)
    assert alter_algorithm(report) == "INSTANT"
