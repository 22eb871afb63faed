"""Statements MariaDB refuses (error 1064) that lockwise read: a parse error at the word the
server stops at, checked on MariaDB 10.11; the forms it runs, and MySQL's own syntax under
--dialect mysql, are still read."""

from __future__ import annotations

import pytest
from sqlglot import exp

from lockwise.effects.mysql import parse_server_version
from lockwise.parse.mysql import parse_mysql

SETUP = ("CREATE TABLE accounts (id INT PRIMARY KEY, n INT, KEY accounts_n (n)); "
         "CREATE TABLE orders (id INT PRIMARY KEY) PARTITION BY RANGE (id) "
         "(PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (20)); "
         "CREATE TABLE orders_old (id INT PRIMARY KEY);")
#: MariaDB statement, the word the server stops at (the last one when it occurs twice).
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
    ("CREATE TABLE places (spot POINT DEFAULT NULL REF_SYSTEM_ID=4326)", "REF_SYSTEM_ID"),
    ("ALTER TABLE accounts ADD COLUMN spot POINT NOT NULL REF_SYSTEM_ID=4326", "REF_SYSTEM_ID"),
    ("CREATE TABLE places (n INT REF_SYSTEM_ID=4326)", "REF_SYSTEM_ID"),
    ("CREATE TABLE places (spot POINT REF_SYSTEM_ID 4326)", "4326"),
    # a partition operation after another clause: at the operation's word (at PARTITION
    # after ADD and DROP, which begin other clauses too)
    ("ALTER TABLE orders ALGORITHM=INPLACE, ADD PARTITION (PARTITION p2 VALUES LESS THAN (30))",
     "PARTITION"),
    ("ALTER TABLE orders ADD COLUMN x INT, DROP PARTITION p0", "PARTITION"),
    # ... one sqlglot reads into a tree (it was read without error)
    ("ALTER TABLE orders DROP COLUMN n, DROP PARTITION p0", "PARTITION"),
    ("ALTER TABLE orders ADD COLUMN x INT, TRUNCATE PARTITION p0", "TRUNCATE"),
    ("ALTER TABLE orders FORCE, REBUILD PARTITION p0", "REBUILD"),
    # ... and anything after one (after its list of partitions, a word MariaDB reserves
    # stops it; another is read as a partition's name, and the word after it stops it)
    ("ALTER TABLE orders WAIT 2 ADD PARTITION (PARTITION p2 VALUES LESS THAN (30)), LOCK=NONE",
     "LOCK"),
    ("ALTER TABLE orders DROP PARTITION p0 ALGORITHM=INPLACE", "ALGORITHM"),
    ("ALTER TABLE orders DROP PARTITION IF EXISTS p0, p1, LOCK=NONE", "LOCK"),
    ("ALTER TABLE orders DROP PARTITION p0, MODIFY id BIGINT", "id"),
    ("ALTER TABLE orders REBUILD PARTITION ALL, ALGORITHM=INPLACE", "ALGORITHM"),
    ("ALTER TABLE orders COALESCE PARTITION 1 ALGORITHM=INPLACE", "ALGORITHM"),
    ("ALTER TABLE orders REORGANIZE PARTITION p0, p1 INTO (PARTITION p1 VALUES LESS THAN (20)),"
     " FORCE", "FORCE"),
    ("ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE refused_syntax.orders_old, FORCE",
     "FORCE"),
    # ... ADD PARTITION after another clause too (sqlglot stopped at its list, "Expecting )")
    ("ALTER TABLE orders ADD COLUMN x INT, ADD PARTITION (PARTITION p2 VALUES LESS THAN (30))",
     "PARTITION"),
    # REMOVE PARTITIONING ends the clauses it follows, with no comma before it; nothing after
    ("ALTER TABLE orders ADD COLUMN x INT, REMOVE PARTITIONING", "REMOVE"),
    ("ALTER TABLE orders ALGORITHM=COPY, REMOVE PARTITIONING", "REMOVE"),
    ("ALTER TABLE orders REMOVE PARTITIONING, ADD COLUMN x INT", "ADD"),
    ("ALTER TABLE orders REMOVE PARTITIONING ALGORITHM=COPY", "ALGORITHM"),
    # CONVERT PARTITION ... TO TABLE and CONVERT TABLE ... TO PARTITION (10.7) run alone: at
    # the word after CONVERT (which begins CONVERT TO CHARACTER SET too), and after them
    ("ALTER TABLE orders ADD COLUMN x INT, CONVERT PARTITION p0 TO TABLE orders_p0",
     "PARTITION"),
    ("ALTER TABLE orders ALGORITHM=INPLACE, CONVERT PARTITION p0 TO TABLE orders_p0",
     "PARTITION"),
    ("ALTER TABLE orders CONVERT PARTITION p0 TO TABLE orders_p0, ADD COLUMN x INT", "ADD"),
    ("ALTER TABLE orders CONVERT PARTITION p0 TO TABLE orders_p0 LOCK=NONE", "LOCK"),
    ("ALTER TABLE orders FORCE, CONVERT TABLE orders_old TO PARTITION p2 VALUES LESS THAN (30)",
     "TABLE"),
    ("ALTER TABLE orders CONVERT TABLE orders_old TO PARTITION p2 VALUES LESS THAN (30), "
     "ADD COLUMN x INT", "ADD"),
    ("ALTER TABLE orders CONVERT TABLE orders_old TO PARTITION p2 VALUES LESS THAN (30) "
     "WITHOUT VALIDATION", "WITHOUT"),
    # MySQL's column attributes (its manual, 15.1.20 "CREATE TABLE Statement"); MariaDB
    # stops at COLUMN_FORMAT's value, at STORAGE, at an *ENGINE_ATTRIBUTE's string without
    # `=`, and at VISIBLE (its columns are INVISIBLE or not)
    ("CREATE TABLE places (n INT COLUMN_FORMAT FIXED, m INT)", "FIXED"),
    ("ALTER TABLE accounts ADD COLUMN x INT COLUMN_FORMAT DYNAMIC", "DYNAMIC"),
    ("CREATE TABLE places (n INT NOT NULL STORAGE DISK)", "STORAGE"),
    ("CREATE TABLE places (n INT ENGINE_ATTRIBUTE '{}')", "'{}'"),
    ("CREATE TABLE places (n INT SECONDARY_ENGINE_ATTRIBUTE '{}')", "'{}'"),
    ("CREATE TABLE places (n INT NOT NULL VISIBLE)", "VISIBLE"),
    # MySQL's DISCARD / IMPORT PARTITION ... TABLESPACE: MariaDB discards and imports a whole
    # table's tablespace only (at DISCARD after another clause: it runs alone there too)
    ("ALTER TABLE orders DISCARD PARTITION p0 TABLESPACE", "PARTITION"),
    ("ALTER TABLE orders IMPORT PARTITION ALL TABLESPACE", "PARTITION"),
    ("ALTER TABLE orders ALGORITHM=INPLACE, DISCARD PARTITION p0, p1 TABLESPACE", "DISCARD"),
    ("ALTER TABLE orders ADD COLUMN c INT, IMPORT PARTITION p0 TABLESPACE", "IMPORT"),
    # ... after the lock wait too (at PARTITION)
    ("ALTER TABLE orders WAIT 2 DISCARD PARTITION p0 TABLESPACE", "PARTITION"),
    ("ALTER TABLE orders NOWAIT IMPORT PARTITION ALL TABLESPACE", "PARTITION"),
    # DISCARD / IMPORT TABLESPACE run alone: at DISCARD / IMPORT after another clause, at the
    # word after them (after a comma, the next one)
    ("ALTER TABLE accounts ADD COLUMN c INT, DISCARD TABLESPACE", "DISCARD"),
    ("ALTER TABLE accounts ALGORITHM=INPLACE, IMPORT TABLESPACE", "IMPORT"),
    ("ALTER TABLE accounts DISCARD TABLESPACE, ADD COLUMN c INT", "ADD"),
    ("ALTER TABLE accounts IMPORT TABLESPACE ALGORITHM=INPLACE", "ALGORITHM"),
    # ... with ALGORITHM=DEFAULT / LOCK=DEFAULT too, which MySQL's manual allows there: MariaDB
    # takes no clause beside them, whatever its value (checked on MariaDB 10.11)
    ("ALTER TABLE accounts ALGORITHM=DEFAULT, DISCARD TABLESPACE", "DISCARD"),
    ("ALTER TABLE accounts LOCK=DEFAULT, IMPORT TABLESPACE", "IMPORT"),
    ("ALTER TABLE accounts ALGORITHM=COPY, LOCK=EXCLUSIVE, DISCARD TABLESPACE", "DISCARD"),
    ("ALTER TABLE accounts DISCARD TABLESPACE, LOCK=DEFAULT", "LOCK"),
    ("ALTER TABLE accounts WAIT 2 ALGORITHM=DEFAULT, IMPORT TABLESPACE", "IMPORT"),
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
    "CREATE TABLE places (spot MULTIPOLYGON REF_SYSTEM_ID=4326 DEFAULT NULL COMMENT 'a')",
    "ALTER TABLE accounts ADD COLUMN spot POINT REF_SYSTEM_ID=4326 NOT NULL",
    "ALTER TABLE orders TRUNCATE PARTITION p0, p1",
    "ALTER TABLE orders DROP PARTITION IF EXISTS p0",
    "ALTER TABLE orders OPTIMIZE PARTITION NO_WRITE_TO_BINLOG p0, p1",
    "ALTER TABLE orders CHECK PARTITION p0, p1 EXTENDED",
    "ALTER TABLE orders REPAIR PARTITION p0 QUICK EXTENDED",
    "ALTER TABLE orders REBUILD PARTITION ALL",
    "ALTER TABLE orders REORGANIZE PARTITION p0, p1 INTO (PARTITION p1 VALUES LESS THAN (20))",
    "ALTER TABLE orders WAIT 2 ADD PARTITION (PARTITION p2 VALUES LESS THAN (30))",
    "ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE refused_syntax.orders_old",
    "ALTER TABLE orders REMOVE PARTITIONING",
    "ALTER TABLE orders ADD COLUMN x INT REMOVE PARTITIONING",
    "ALTER TABLE orders ALGORITHM=COPY REMOVE PARTITIONING",
    "ALTER TABLE orders WAIT 2 CONVERT PARTITION p0 TO TABLE orders_p0",
    "ALTER TABLE orders CONVERT TABLE orders_old TO PARTITION p2 VALUES LESS THAN (30)",
    "CREATE TABLE places (n INT INVISIBLE, m INT)",
    "ALTER TABLE accounts WAIT 2 DISCARD TABLESPACE",
]
#: MySQL's syntax (its manual, 15.1.27 "DROP INDEX Statement", 15.1.9 "ALTER TABLE
#: Statement": EXCHANGE PARTITION ... [{WITH | WITHOUT} VALIDATION], 5.7 on; its grammar,
#: sql_yacc.yy's standalone_alter_table_action: ALGORITHM= / LOCK= before a partition
#: operation).
MYSQL_READS = [
    "ALTER TABLE orders ALGORITHM=INPLACE, LOCK=NONE, ADD PARTITION (PARTITION p2 VALUES LESS "
    "THAN (30));",
    "DROP INDEX accounts_n ON accounts ALGORITHM=INPLACE LOCK=NONE;",
    "DROP INDEX accounts_n ON accounts LOCK = NONE;",
    "ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE orders_old WITHOUT VALIDATION;",
    "ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE orders_old WITH VALIDATION;",
    "ALTER TABLE accounts DROP COLUMN compressed, ADD COLUMN n2 INT;",
    "ALTER TABLE accounts ROW_FORMAT=COMPRESSED;",
    # MySQL's column attributes (8.4 manual, 15.1.20 "CREATE TABLE Statement",
    # column_definition; VISIBLE / INVISIBLE since 8.0.23): sqlglot stopped at them
    "CREATE TABLE places (n INT COLUMN_FORMAT FIXED, m INT COLUMN_FORMAT DYNAMIC NOT NULL, "
    "k INT COLUMN_FORMAT DEFAULT, d INT STORAGE DISK, e INT STORAGE MEMORY DEFAULT 1);",
    "CREATE TABLE places (n INT ENGINE_ATTRIBUTE '{}', m INT SECONDARY_ENGINE_ATTRIBUTE = "
    "'{\"a\": 1}' COMMENT 'x', v INT VISIBLE, w INT NOT NULL INVISIBLE);",
    "ALTER TABLE accounts ADD COLUMN x INT COLUMN_FORMAT DYNAMIC STORAGE MEMORY VISIBLE;",
    "ALTER TABLE orders REMOVE PARTITIONING;",
    "ALTER TABLE orders DISCARD PARTITION p0, p1 TABLESPACE;",
    "ALTER TABLE orders ALGORITHM=INPLACE, IMPORT PARTITION ALL TABLESPACE;",
]


def _problems(sql: str, dialect: str = "mariadb", version: str | None = None):
    return parse_mysql(sql, dialect, parse_server_version(version) if version else None
                       ).problems


@pytest.mark.parametrize(("sql", "word"), REFUSED)
def test_what_mariadb_refuses_is_a_parse_error_at_its_word(sql: str, word: str) -> None:
    (problem,) = _problems(sql + ";")
    assert problem.span.column - 1 == sql.rindex(f" {word}") + 1, problem
    assert f"near '{word}" in problem.message, problem.message


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


#: MariaDB's column attributes, which MySQL refuses (its manual, 15.1.20 "CREATE TABLE
#: Statement", column_definition: no COMPRESSED, and SRID n for REF_SYSTEM_ID = n).
MARIADB_ATTRIBUTES = [
    ("ALTER TABLE accounts ADD COLUMN notes BLOB COMPRESSED;", "COMPRESSED"),
    ("CREATE TABLE notes (body VARCHAR(100) COMPRESSED NOT NULL);", "COMPRESSED"),
    ("CREATE TABLE places (spot POINT REF_SYSTEM_ID=4326);", "REF_SYSTEM_ID"),
]


@pytest.mark.parametrize(("sql", "word"), MARIADB_ATTRIBUTES)
def test_a_mariadb_column_attribute_is_refused_on_mysql(sql: str, word: str) -> None:
    (problem,) = _problems(sql, "mysql")
    assert problem.span.column - 1 == sql.index(word), problem
    assert f"near '{word}" in problem.message and "MariaDB" in problem.message


def test_mysql_column_attributes_keep_their_columns() -> None:
    (statement,) = parse_mysql("CREATE TABLE places (n INT COLUMN_FORMAT FIXED NOT NULL, "
                               "m INT STORAGE DISK, v INT VISIBLE);", "mysql").statements
    columns = statement.tree["sqlglot"]["expr"].find_all(exp.ColumnDef)
    assert [column.name for column in columns] == ["n", "m", "v"]


#: Columns named as MySQL's attributes, which both servers read (checked on MariaDB 10.11).
ATTRIBUTE_NAMES = [
    "CREATE TABLE names (id INT, visible INT, storage INT, column_format INT, "
    "engine_attribute INT, KEY (visible));",
    "ALTER TABLE names ADD COLUMN n INT AFTER visible;",
    "ALTER TABLE names DROP COLUMN visible;",
    "ALTER TABLE names DROP storage;",
    "ALTER TABLE names CHANGE column_format cf INT;",
    "ALTER TABLE names CHANGE n n INT DEFAULT 1 INVISIBLE;",
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_columns_named_as_mysql_s_attributes_are_read(dialect: str, mariadb) -> None:
    assert mariadb.run("CREATE DATABASE IF NOT EXISTS attribute_names", "mysql").returncode == 0
    ran = mariadb.run("DROP TABLE IF EXISTS names; " + " ".join(ATTRIBUTE_NAMES),
                      "attribute_names", whole=True)
    assert ran.returncode == 0, ran.stderr
    for sql in ATTRIBUTE_NAMES:
        assert _problems(sql, dialect) == [], sql
    (statement,) = parse_mysql(ATTRIBUTE_NAMES[-2], dialect).statements
    assert isinstance(statement.tree["sqlglot"]["expr"], exp.Alter)
    if dialect == "mysql":  # the column named visible is kept, its COLUMN_FORMAT left out
        (statement,) = parse_mysql("ALTER TABLE names CHANGE visible shown INT COLUMN_FORMAT "
                                   "FIXED;", dialect).statements
        assert isinstance(statement.tree["sqlglot"]["expr"], exp.Alter)


def test_an_engine_attribute_with_its_equals_sign_is_an_unknown_option_on_mariadb(
        mariadb) -> None:
    """MariaDB reads `NAME = value` as an engine's own attribute, which InnoDB does not know
    (error 1911, checked on 10.11, not 1064); lockwise says so at the word, as the server
    words it."""
    assert mariadb.run("CREATE DATABASE IF NOT EXISTS attributes", "mysql").returncode == 0
    for word in ("ENGINE_ATTRIBUTE", "SECONDARY_ENGINE_ATTRIBUTE"):
        sql = f"CREATE TABLE places (n INT {word} = '{{}}')"
        ran = mariadb.run(sql, "attributes")
        assert "ERROR 1911" in ran.stderr and f"'{word}'" in ran.stderr, ran.stderr
        (problem,) = _problems(sql + ";")
        assert problem.span.column - 1 == sql.index(word), problem
        assert problem.message.startswith(f"error 1911: \"Unknown option '{word}'\""), \
            problem.message
    assert mariadb.run("CREATE TABLE IF NOT EXISTS plain (n INT)", "attributes").returncode == 0
    for sql in ("CREATE TABLE places (n INT) ENGINE_ATTRIBUTE = '{}'",
                "ALTER TABLE plain ENGINE_ATTRIBUTE='{}'"):
        assert "ERROR 1911" in mariadb.run(sql, "attributes").stderr, sql
        (problem,) = _problems(sql + ";")
        assert problem.message.startswith("error 1911: ") and "1064" not in problem.message, \
            problem.message


def test_mariadb_s_partition_conversions_are_refused_on_mysql() -> None:
    """MySQL's CONVERT is CONVERT TO CHARACTER SET only (8.4 manual, 15.1.9 "ALTER TABLE
    Statement"): it stops at the word after CONVERT."""
    for sql in ("ALTER TABLE orders CONVERT PARTITION p0 TO TABLE orders_p0",
                "ALTER TABLE orders CONVERT TABLE orders_old TO PARTITION p2 VALUES LESS "
                "THAN (30)"):
        (problem,) = _problems(sql + ";", "mysql")
        assert problem.span.column - 1 == sql.index("CONVERT") + 8, problem
        assert "MariaDB" in problem.message, problem.message


def test_a_partition_s_name_in_backquotes_is_no_reserved_word() -> None:
    assert _problems("ALTER TABLE orders TRUNCATE PARTITION p0, `lock`;") == []


def test_the_catalog_keeps_the_reference_system_of_a_mariadb_spatial_column() -> None:
    (statement,) = parse_mysql("CREATE TABLE places (spot POINT REF_SYSTEM_ID=4326 NOT NULL);",
                               "mariadb").statements
    (column,) = statement.tree["sqlglot"]["expr"].find_all(exp.ColumnDef)
    assert column.meta["spatial"] == ("point", 4326)


def test_the_server_agrees(mariadb) -> None:
    """Checked on the server (10.11): each REFUSED statement is error 1064 at its word, each
    of RUNS runs."""
    assert mariadb.run("CREATE DATABASE refused_syntax", "mysql").returncode == 0
    reset = "DROP TABLE IF EXISTS accounts, orders, orders_old, orders_p0, places; " \
            "DROP SEQUENCE IF EXISTS order_numbers; "
    for sql, word in REFUSED:
        ran = mariadb.run(reset + SETUP + " " + sql, "refused_syntax", whole=True)
        assert "ERROR 1064" in ran.stderr and f"near '{word}" in ran.stderr.replace(
            "near ' ", "near '"), (sql, ran.stderr)
    for sql in RUNS:
        ran = mariadb.run(reset + SETUP + " " + sql, "refused_syntax", whole=True)
        assert ran.returncode == 0, (sql, ran.stderr)
