"""TEXT(n) / BLOB(n) (fix-mysql73): the server makes the column the smallest TEXT / BLOB type
that holds n characters of its character set (n bytes for a BLOB), and the replay now does:
a later MODIFY to the type the server shows changes nothing (INSTANT), where lockwise read it
as a TEXT's type change (a copy). Each type is checked with SHOW CREATE TABLE on MariaDB
10.11, each algorithm run."""

from __future__ import annotations

import pytest

#: a latin1 table of TEXT(n) / BLOB(n) columns, one in utf8mb4
SIZED = ("CREATE TABLE x (id INT PRIMARY KEY, a TEXT(255), b TEXT(256), "
         "u TEXT(63) CHARACTER SET utf8mb4, v TEXT(64) CHARACTER SET utf8mb4, "
         "c TEXT(65535), n TEXT(65536), z TEXT(0), l BLOB(255), m BLOB(256)) CHARSET latin1;")

#: (column, the type MariaDB 10.11 shows)
SHOWN = [("a", "tinytext"), ("b", "text"), ("u", "tinytext"), ("v", "text"), ("c", "text"),
         ("n", "mediumtext"), ("z", "text"), ("l", "tinyblob"), ("m", "blob")]


def test_mariadb_shows_the_types(mariadb) -> None:
    mariadb.fresh("text_length", SIZED)
    shown = mariadb.run("SHOW CREATE TABLE x", "text_length").stdout
    for column, type_name in SHOWN:
        assert f"`{column}` {type_name} " in shown, column


#: (setup, change, MariaDB 10.11's cheapest algorithm)
CHANGES = [
    *[(SIZED, f"ALTER TABLE x MODIFY {column} {type_name.upper()}"
       + (" CHARACTER SET utf8mb4" if column in ("u", "v") else ""), "INSTANT")
      for column, type_name in SHOWN],
    # one size down: a copy
    (SIZED, "ALTER TABLE x MODIFY n TEXT", "COPY"),
    # a table naming no character set: the server's, latin1 on 10.11
    ("CREATE TABLE y (id INT PRIMARY KEY, a TEXT(100));", "ALTER TABLE y MODIFY a TINYTEXT",
     "INSTANT"),
    # ADD COLUMN and MODIFY size it too
    ("CREATE TABLE y (id INT PRIMARY KEY) CHARSET utf8mb4;\n"
     "ALTER TABLE y ADD COLUMN a TEXT(20000);", "ALTER TABLE y MODIFY a MEDIUMTEXT", "INSTANT"),
    ("CREATE TABLE y (id INT PRIMARY KEY, a TEXT) CHARSET latin1;\n"
     "ALTER TABLE y MODIFY a TEXT(70000);", "ALTER TABLE y MODIFY a MEDIUMTEXT", "INSTANT"),
    # the MODIFY's own TEXT(n): its size compared, not TEXT
    ("CREATE TABLE y (id INT PRIMARY KEY, a TINYTEXT, b TEXT) CHARSET latin1;",
     "ALTER TABLE y MODIFY a TEXT(100)", "INSTANT"),
    ("CREATE TABLE y (id INT PRIMARY KEY, a TINYTEXT, b TEXT) CHARSET latin1;",
     "ALTER TABLE y MODIFY b TEXT(100)", "COPY"),
    ("CREATE TABLE y (id INT PRIMARY KEY, a TINYTEXT, b TEXT) CHARSET latin1;",
     "ALTER TABLE y MODIFY b TEXT(300)", "INSTANT"),
    ("CREATE TABLE y (id INT PRIMARY KEY, b MEDIUMTEXT) CHARSET utf8mb4;",
     "ALTER TABLE y MODIFY b TEXT(20000)", "INSTANT"),
    ("CREATE TABLE y (id INT PRIMARY KEY, b BLOB);", "ALTER TABLE y MODIFY b BLOB(100)", "COPY"),
]


@pytest.mark.parametrize(("setup", "change", "expected"), CHANGES)
def test_lockwise_algorithm(alter_algorithm, lint_change, setup: str, change: str,
                            expected: str) -> None:
    assert alter_algorithm(lint_change(change + ";", "mariadb", setup=setup)) == expected


@pytest.mark.parametrize(("setup", "change", "expected"), CHANGES)
def test_mariadb_algorithm(mariadb, setup: str, change: str, expected: str) -> None:
    mariadb.assert_cheapest("text_length", setup.replace("\n", " "), change, expected)
