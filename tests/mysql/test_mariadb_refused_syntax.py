"""Statements MariaDB refuses (error 1064) that lockwise read: a parse error at the word the
server stops at, checked on MariaDB 10.11; the forms it runs, and MySQL's own syntax under
--dialect mysql, are still read."""

from __future__ import annotations

import pytest

from lockwise.effects.mysql import parse_server_version
from lockwise.parse.mysql import parse_mysql

SETUP = ("CREATE TABLE accounts (id INT PRIMARY KEY, n INT, KEY accounts_n (n)); "
         "CREATE TABLE orders (id INT PRIMARY KEY) PARTITION BY RANGE (id) "
         "(PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (20)); "
         "CREATE TABLE orders_old (id INT PRIMARY KEY);")
#: MariaDB statement, the word the server stops at (the first one when it occurs twice).
REFUSED = [
    ("DROP INDEX accounts_n ON accounts ALGORITHM=INPLACE LOCK=NONE", "ALGORITHM"),
    ("DROP INDEX accounts_n ON accounts LOCK=NONE", "LOCK"),
    ("ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE orders_old WITHOUT VALIDATION",
     "WITHOUT"),
    ("ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE orders_old WITH VALIDATION", "WITH"),
    ("ALTER TABLE orders ADD PARTITION IF NOT EXISTS (PARTITION p2 VALUES LESS THAN (30)), "
     "ALGORITHM=INPLACE", "ALGORITHM"),
    ("ALTER TABLE orders ADD PARTITION (PARTITION p2 VALUES LESS THAN (30)), LOCK=NONE",
     "LOCK"),
    ("CREATE SEQUENCE order_numbers AS BIGINT UNSIGNED", "AS"),
    ("CREATE TABLE places (spot POINT NOT NULL REF_SYSTEM_ID=4326)", "REF_SYSTEM_ID"),
]
#: What MariaDB 10.11 runs, next to each.
RUNS = [
    "DROP INDEX accounts_n ON accounts",
    "DROP INDEX accounts_n ON accounts NOWAIT",
    "ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE orders_old",
    "ALTER TABLE orders ADD PARTITION IF NOT EXISTS (PARTITION p2 VALUES LESS THAN (30))",
    "CREATE SEQUENCE order_numbers START WITH 1",
    "CREATE TABLE places (spot POINT REF_SYSTEM_ID=4326 NOT NULL)",
    "CREATE TABLE places (spot POINT REF_SYSTEM_ID = 4326)",
    "ALTER TABLE accounts ADD COLUMN notes BLOB COMPRESSED",
]
#: MySQL's syntax (its manual, 15.1.27 "DROP INDEX Statement", 15.1.9 "ALTER TABLE
#: Statement": EXCHANGE PARTITION ... [{WITH | WITHOUT} VALIDATION], 5.7 on).
MYSQL_READS = [
    "DROP INDEX accounts_n ON accounts ALGORITHM=INPLACE LOCK=NONE;",
    "DROP INDEX accounts_n ON accounts LOCK = NONE;",
    "ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE orders_old WITHOUT VALIDATION;",
    "ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE orders_old WITH VALIDATION;",
    "ALTER TABLE accounts DROP COLUMN compressed, ADD COLUMN n2 INT;",
    "ALTER TABLE accounts ROW_FORMAT=COMPRESSED;",
]


def _problems(sql: str, dialect: str = "mariadb", version: str | None = None):
    return parse_mysql(sql, dialect, parse_server_version(version) if version else None
                       ).problems


@pytest.mark.parametrize(("sql", "word"), REFUSED)
def test_what_mariadb_refuses_is_a_parse_error_at_its_word(sql: str, word: str) -> None:
    (problem,) = _problems(sql + ";")
    assert problem.span.column - 1 == sql.index(f" {word}") + 1, problem
    assert f'"{word}"' in problem.message, problem.message


@pytest.mark.parametrize("sql", RUNS)
def test_what_mariadb_runs_is_read(sql: str) -> None:
    assert _problems(sql + ";") == []


@pytest.mark.parametrize("sql", MYSQL_READS)
def test_mysql_syntax_is_still_read_under_dialect_mysql(sql: str) -> None:
    assert _problems(sql, "mysql") == []


def test_sequence_types_arrived_in_mariadb_11_5() -> None:
    """MDEV-28152 (MariaDB 11.5.1): CREATE SEQUENCE ... AS int_type."""
    sql = "CREATE SEQUENCE order_numbers AS BIGINT UNSIGNED;"
    assert _problems(sql, version="11.5.1") == []
    (problem,) = _problems(sql, version="11.4")
    assert "11.5" in problem.message


def test_a_compressed_column_is_mariadb_s() -> None:
    sql = "ALTER TABLE accounts ADD COLUMN notes BLOB COMPRESSED;"
    (problem,) = _problems(sql, "mysql")
    assert problem.span.column - 1 == sql.index("COMPRESSED"), problem
    assert '"COMPRESSED"' in problem.message and "MariaDB" in problem.message


def test_the_server_agrees(mariadb) -> None:
    """Checked on the server (10.11): each REFUSED statement is error 1064 at its word, each
    of RUNS runs."""
    assert mariadb.run("CREATE DATABASE refused_syntax", "mysql").returncode == 0
    reset = "DROP TABLE IF EXISTS accounts, orders, orders_old, places; " \
            "DROP SEQUENCE IF EXISTS order_numbers; "
    for sql, word in REFUSED:
        ran = mariadb.run(reset + SETUP + " " + sql, "refused_syntax", whole=True)
        assert "ERROR 1064" in ran.stderr and f"near '{word}" in ran.stderr.replace(
            "near ' ", "near '"), (sql, ran.stderr)
    for sql in RUNS:
        ran = mariadb.run(reset + SETUP + " " + sql, "refused_syntax", whole=True)
        assert ran.returncode == 0, (sql, ran.stderr)
