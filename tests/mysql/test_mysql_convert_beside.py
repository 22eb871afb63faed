"""CONVERT TO CHARACTER SET, what fix-mysql70 left (fix-mysql71): beside other operations of
its ALTER; MariaDB's utf8mb3 to utf8mb4 of a column, by CONVERT TO and MODIFY, whatever the
collations; and a character set or collation written quoted. Each MariaDB algorithm is run
on the server (10.11) below, the one before it refused."""

from __future__ import annotations

import pytest

UTF8MB4 = "CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(10), b TEXT) DEFAULT CHARSET=utf8mb4;"
#: the columns in utf8mb4, the table's default latin1: CONVERT changes the default only
COLUMNS_ONLY = ("CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(10) CHARACTER SET utf8mb4, "
                "b TEXT CHARACTER SET utf8mb4) DEFAULT CHARSET=latin1;")
MB3 = "CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(10)) DEFAULT CHARSET=utf8mb3;"
MB3_KEY = "CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(10), KEY (a)) DEFAULT CHARSET=utf8mb3;"
MB3_TEXT = ("CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(10), b TEXT) "
            "DEFAULT CHARSET=utf8mb3;")
MB3_WIDE = "CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(100), c CHAR(10), l LONGTEXT) " \
    "DEFAULT CHARSET=utf8mb3;"
#: 210 bytes to 280: the length takes two bytes
MB3_70 = "CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(70)) DEFAULT CHARSET=utf8mb3;"
MB3_BIN = ("CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(10) COLLATE utf8mb3_bin) "
           "DEFAULT CHARSET=utf8mb3;")
MB3_PK = "CREATE TABLE n (id VARCHAR(10) PRIMARY KEY) DEFAULT CHARSET=utf8mb3;"
MB3_ENUM = "CREATE TABLE n (id INT PRIMARY KEY, e ENUM('x', 'y')) DEFAULT CHARSET=utf8mb3;"
MB3_COLUMNS = ("CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(10), t TEXT, c CHAR(10), "
               "b VARCHAR(10) COLLATE utf8mb3_bin) DEFAULT CHARSET=utf8mb3;")
MB3_COLUMNS_KEYS = MB3_COLUMNS.replace(") DEFAULT", ", KEY (a), KEY (b), KEY (c)) DEFAULT")

#: (setup, change, MySQL's algorithm as lockwise reads it, MariaDB's: checked below)
CASES = [
    # another operation beside a CONVERT that re-encodes nothing: as that operation alone
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4, ADD COLUMN x INT", "INPLACE",
     "INSTANT"),
    (UTF8MB4, "ALTER TABLE n ADD COLUMN x INT, CONVERT TO CHARACTER SET utf8mb4", "INPLACE",
     "INSTANT"),
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4, DROP COLUMN a", "INPLACE",
     "INSTANT"),
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4, ADD INDEX (a)", "INPLACE",
     "NOCOPY"),
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4, COMMENT = 'x'", "INPLACE",
     "INSTANT"),
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4, FORCE", "INPLACE", "INPLACE"),
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, "
     "ADD COLUMN x INT", "INPLACE", "INSTANT"),
    # a bare CHARACTER SET = utf8mb4 beside a RENAME COLUMN is NOCOPY (fix-mysql64), CONVERT's
    # instant, the default changing or not
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4, RENAME COLUMN a TO a2",
     "INPLACE", "INSTANT"),
    (COLUMNS_ONLY, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4, RENAME COLUMN a TO a2",
     "INPLACE", "INSTANT"),
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARACTER SET latin1, ADD COLUMN x INT", "COPY",
     "COPY"),
    # a character set written quoted, and CHARSET
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARACTER SET 'utf8mb4'", "INPLACE", "INSTANT"),
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARACTER SET `utf8mb4`", "INPLACE", "INSTANT"),
    (UTF8MB4, 'ALTER TABLE n CONVERT TO CHARSET "utf8mb4"', "INPLACE", "INSTANT"),
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARSET 'utf8mb4' COLLATE 'utf8mb4_bin'", "INPLACE",
     "INSTANT"),
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARSET `utf8mb4` COLLATE `utf8mb4_bin`", "INPLACE",
     "INSTANT"),
    (UTF8MB4, "ALTER TABLE n CONVERT TO CHARSET 'latin1'", "COPY", "COPY"),
    # MariaDB's utf8mb3 to utf8mb4 by CONVERT TO: nothing re-encoded (MySQL: a copy)
    (MB3, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4", "COPY", "INSTANT"),
    (MB3, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "COPY",
     "INSTANT"),
    (MB3_KEY, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4", "COPY", "INSTANT"),
    (MB3_KEY, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "COPY",
     "NOCOPY"),
    (MB3_WIDE, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4", "COPY", "INSTANT"),
    (MB3_BIN, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4", "COPY", "INSTANT"),
    (MB3_PK, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4", "COPY", "INSTANT"),
    (MB3_PK, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin", "COPY",
     "COPY"),
    # TEXT becomes MEDIUMTEXT, an ENUM's set is its type, a length byte is added: copies
    (MB3_TEXT, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4", "COPY", "COPY"),
    (MB3_ENUM, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4", "COPY", "COPY"),
    (MB3_70, "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4", "COPY", "COPY"),
    # MariaDB's utf8mb3 to utf8mb4 by MODIFY into another collation family: the widening and
    # a collation change (instant, an index built again NOCOPY); lockwise said COPY, and
    # INSTANT for an indexed utf8mb3_bin column taking utf8mb4_general_ci
    (MB3_COLUMNS, "ALTER TABLE n MODIFY a VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
     "COPY", "INSTANT"),
    (MB3_COLUMNS, "ALTER TABLE n MODIFY a VARCHAR(10) COLLATE utf8mb4_bin", "COPY", "INSTANT"),
    (MB3_COLUMNS, "ALTER TABLE n MODIFY c CHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
     "COPY", "INSTANT"),
    (MB3_COLUMNS, "ALTER TABLE n MODIFY a VARCHAR(10) CHARACTER SET utf8mb4 COLLATE "
     "utf8mb4_unicode_ci", "COPY", "INSTANT"),
    (MB3_COLUMNS_KEYS, "ALTER TABLE n MODIFY a VARCHAR(10) CHARACTER SET utf8mb4 COLLATE "
     "utf8mb4_bin", "COPY", "NOCOPY"),
    (MB3_COLUMNS_KEYS, "ALTER TABLE n MODIFY b VARCHAR(10) CHARACTER SET utf8mb4", "COPY",
     "NOCOPY"),
    (MB3_COLUMNS_KEYS, "ALTER TABLE n MODIFY c CHAR(10) CHARACTER SET utf8mb4 COLLATE "
     "utf8mb4_bin", "COPY", "NOCOPY"),
    # the same family: the widening alone, as before
    (MB3_COLUMNS_KEYS, "ALTER TABLE n MODIFY b VARCHAR(10) CHARACTER SET utf8mb4 COLLATE "
     "utf8mb4_bin", "COPY", "INSTANT"),
    (MB3_COLUMNS_KEYS, "ALTER TABLE n MODIFY a VARCHAR(10) CHARACTER SET utf8mb4", "COPY",
     "INSTANT"),
]

@pytest.mark.parametrize(("setup", "change", "on_mysql", "on_mariadb"), CASES)
def test_the_algorithm(assert_algorithms, setup: str, change: str, on_mysql: str,
                       on_mariadb: str) -> None:
    assert_algorithms(setup, change, on_mysql, on_mariadb)


@pytest.mark.parametrize(("setup", "change", "on_mysql", "expected"), CASES)
def test_on_mariadb(mariadb, setup: str, change: str, on_mysql: str, expected: str) -> None:
    """Each case's algorithm runs on the server, the one before it is refused."""
    mariadb.assert_cheapest("convert_beside", setup, change, expected)


#: a MODIFY beside CONVERT: the server gives its column CONVERT's set (SHOW CREATE TABLE)
BESIDE_MODIFY = "ALTER TABLE n CONVERT TO CHARACTER SET utf8mb4, MODIFY a VARCHAR(10) " \
    "CHARACTER SET latin1"


def test_a_modify_beside_convert_takes_its_character_set_on_mariadb(mariadb) -> None:
    mariadb.fresh("convert_beside", UTF8MB4)
    assert mariadb.run(f"{BESIDE_MODIFY}, ALGORITHM=INSTANT", "convert_beside").returncode == 0
    shown = mariadb.run("SHOW CREATE TABLE n", "convert_beside").stdout
    assert "CHARACTER SET latin1" not in shown and "`a` varchar(10)" in shown


def test_a_modify_beside_convert_is_still_read_as_a_copy(alter_algorithm, lint_change) -> None:
    """Left alone: the MODIFY is judged against the table's default, which CONVERT changes."""
    assert alter_algorithm(lint_change(BESIDE_MODIFY + ";", "mariadb", setup=UTF8MB4)) == "COPY"


def test_the_replay_reads_a_quoted_character_set(alter_algorithm, lint_change) -> None:
    """After CONVERT TO 'utf8mb4' a VARCHAR(50) counts 200 bytes: to (64), 256, a copy."""
    setup = ("CREATE TABLE n (id INT PRIMARY KEY, a VARCHAR(50)) DEFAULT CHARSET=latin1;\n"
             "ALTER TABLE n CONVERT TO CHARACTER SET 'utf8mb4';")
    report = lint_change("ALTER TABLE n MODIFY a VARCHAR(64);", "mariadb", setup=setup)
    assert alter_algorithm(report) == "COPY"


#: a utf8mb3 foreign key column: the widening is a change of its character set
KEYED = ("CREATE TABLE p (id VARCHAR(10) PRIMARY KEY) CHARSET utf8mb3;\n"
         "CREATE TABLE c (id INT PRIMARY KEY, pid VARCHAR(10), FOREIGN KEY (pid) REFERENCES "
         "p (id)) CHARSET utf8mb3;")


def test_a_foreign_key_column_widened_by_convert_is_refused(lint_change, mariadb) -> None:
    """MariaDB 10.11 refuses it (1832, "Cannot change column 'pid': used in a foreign key
    constraint"), as it refuses the MODIFY; lockwise read the CONVERT as a copy."""
    change = "ALTER TABLE c CONVERT TO CHARACTER SET utf8mb4"
    report = lint_change(change + ";", "mariadb", setup=KEYED)
    assert "mysql-foreign-key-column-changed" in {f.rule for f in report.all_findings}
    mariadb.fresh("convert_beside", KEYED.replace("\n", " "))
    assert "ERROR 1832 " in mariadb.run(change, "convert_beside").stderr
