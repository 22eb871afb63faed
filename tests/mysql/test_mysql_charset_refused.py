"""A character set or collation the server refuses (fix-mysql71, mysql-charset-refused): 1115
(Unknown character set), 1273 (Unknown collation), 1253 (a COLLATE not of the CHARACTER SET
written with it), in CREATE / ALTER TABLE and CREATE DATABASE. Each MariaDB case is run on the
server (10.11), which refuses it with that error or runs it. lockwise read these statements
as any other (a copy, or safe on a new table), and replayed them."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10)) DEFAULT CHARSET=utf8mb4;"

#: (statement, the error MariaDB 10.11 answers, None: it runs)
MARIADB = [
    ("CREATE TABLE u (a VARCHAR(10) CHARACTER SET latin1 COLLATE utf8mb4_bin)", 1253),
    ("CREATE TABLE u (a VARCHAR(10)) CHARSET latin1 COLLATE utf8mb4_bin", 1253),
    ("CREATE TABLE u (a VARCHAR(10)) DEFAULT CHARACTER SET = latin1 DEFAULT COLLATE = "
     "utf8mb4_bin", 1253),
    ("CREATE TABLE u (a VARCHAR(10) CHARACTER SET nosuch)", 1115),
    ("CREATE TABLE u (a INT) CHARSET nosuch", 1115),
    ("CREATE TABLE u (a VARCHAR(10) COLLATE nosuch_bin)", 1273),
    ("CREATE TABLE u (a VARCHAR(10)) COLLATE nosuch_bin", 1273),
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET latin1 COLLATE utf8mb4_bin", 1253),
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARSET 'latin1' COLLATE `utf8mb4_bin`", 1253),
    ("ALTER TABLE t CONVERT TO CHARACTER SET latin1 COLLATE utf8mb4_bin", 1253),
    ("ALTER TABLE t CONVERT TO CHARACTER SET nosuch", 1115),
    ("ALTER TABLE t CONVERT TO CHARACTER SET latin1 COLLATE nosuch_bin", 1273),
    ("ALTER TABLE t DEFAULT CHARSET latin1 COLLATE utf8mb4_bin", 1253),
    ("ALTER TABLE t ADD COLUMN x VARCHAR(5) COLLATE nosuch_x", 1273),
    ("ALTER TABLE t MODIFY a INT COLLATE nosuch_bin", 1273),
    ("ALTER TABLE t ADD COLUMN g VARCHAR(10) AS (a COLLATE nosuch_ci) VIRTUAL", 1273),
    # utf8 is utf8mb3 on 10.11
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET utf8 COLLATE utf8mb4_bin", 1253),
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET latin1 COLLATE binary", 1253),
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET nosuch COLLATE utf8mb4_bin", 1115),
    # MySQL 8's collations, and its gb18030
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci",
     1273),
    ("CREATE TABLE u (a VARCHAR(10)) DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_0900_bin", 1273),
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET gb18030", 1115),
    ("ALTER TABLE t MODIFY a VARCHAR(10) COLLATE gb18030_bin", 1273),
    # MariaDB 10.10's collations of no set go with the Unicode ones only
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET latin1 COLLATE uca1400_ai_ci", 1253),
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET utf16le COLLATE uca1400_ai_ci", 1253),
    ("CREATE DATABASE dz CHARACTER SET latin1 COLLATE utf8mb4_bin", 1253),
    # taken
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET utf8mb4 COLLATE uca1400_ai_ci", None),
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET utf32 COLLATE uca1400_ai_ci", None),
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET utf8mb3 COLLATE utf8_bin", None),
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET utf8mb4 COLLATE UTF8MB4_BIN", None),
    ("ALTER TABLE t MODIFY a VARCHAR(10) COLLATE latin1_bin", None),
    ("ALTER TABLE t COMMENT 'CHARACTER SET latin1 COLLATE utf8mb4_bin'", None),
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET latin1, DEFAULT CHARSET latin1 "
     "COLLATE latin1_bin", None),
    ("ALTER TABLE t ADD COLUMN e ENUM('x', 'y') CHARACTER SET latin1 COLLATE latin1_bin", None),
    ("ALTER TABLE t CONVERT TO CHARACTER SET DEFAULT COLLATE latin1_bin", None),
    ("CREATE TABLE u (a VARBINARY(10), b VARCHAR(10) CHARACTER SET binary COLLATE binary)",
     None),
]


def _refusal(report) -> int | None:
    codes = [a.facts["error_code"] for s in report.statements for a in s.effect.actions
             if a.kind == "mysql_charset_refused"]
    assert bool(codes) == ("mysql-charset-refused" in {f.rule for f in report.all_findings})
    return codes[0] if codes else None


@pytest.mark.parametrize(("statement", "error"), MARIADB)
def test_lockwise_reports_the_refusal(lint_change, statement: str, error: int | None) -> None:
    assert _refusal(lint_change(statement + ";", "mariadb")) == error


@pytest.mark.parametrize(("statement", "error"), MARIADB)
def test_mariadb_refuses_it(mariadb, statement: str, error: int | None) -> None:
    mariadb.fresh("charset_refused", SETUP)
    ran = mariadb.run(statement, "charset_refused")
    mariadb.run("DROP DATABASE IF EXISTS dz", "mysql")
    if error is None:
        assert ran.returncode == 0, ran.stderr
    else:
        assert ran.returncode != 0 and f"ERROR {error} " in ran.stderr, ran.stderr


#: MySQL 8 (its error reference: the same errors; its own collations)
MYSQL = [
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_0900_ai_ci",
     None),
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET gb18030", None),
    ("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET latin1 COLLATE utf8mb4_bin", 1253),
    ("ALTER TABLE t CONVERT TO CHARACTER SET utf8mb5", 1115),
    ("ALTER TABLE t MODIFY a VARCHAR(10) COLLATE nosuch_bin", 1273),
]


@pytest.mark.parametrize(("statement", "error"), MYSQL)
def test_on_mysql(lint_change, statement: str, error: int | None) -> None:
    assert _refusal(lint_change(statement + ";", "mysql")) == error


def test_mysql_collations_are_known_to_mariadb_from_11_4(lint_change) -> None:
    statement = "ALTER TABLE t MODIFY a VARCHAR(10) COLLATE utf8mb4_0900_ai_ci;"
    assert _refusal(lint_change(statement, "mariadb", "11.3")) == 1273
    assert _refusal(lint_change(statement, "mariadb", "11.4")) is None


def test_utf8_is_utf8mb4_from_mariadb_13_1(lint_change) -> None:
    statement = "ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET utf8 COLLATE utf8mb4_bin;"
    assert _refusal(lint_change(statement, "mariadb", "13.1")) is None


def test_the_refused_statement_is_not_replayed(alter_algorithm, lint_change) -> None:
    """The CONVERT fails, so `a` stays utf8mb4: naming utf8mb4 again changes nothing (it was
    replayed as latin1, and this read as a re-encoding, a copy)."""
    setup = SETUP + "\nALTER TABLE t CONVERT TO CHARACTER SET latin1 COLLATE utf8mb4_bin;"
    report = lint_change("ALTER TABLE t MODIFY a VARCHAR(10) CHARACTER SET utf8mb4;", "mariadb",
                         setup=setup)
    assert alter_algorithm(report) == "INSTANT"
