"""MySQL's partition operations run alone: MySQL 8's grammar (sql/sql_yacc.yy,
`standalone_alter_table_action: standalone_alter_commands | alter_commands_modifier_list ','
standalone_alter_commands`) takes ADD, DROP, TRUNCATE, COALESCE, REORGANIZE, EXCHANGE,
REBUILD, OPTIMIZE, ANALYZE, CHECK, REPAIR, DISCARD and IMPORT PARTITION as an ALTER TABLE's
only clause, after ALGORITHM= / LOCK= / WITH | WITHOUT VALIDATION alone (the manual's
"ALTER TABLE Partition Operations", 15.1.9.1 in 8.4). After another clause the parser stops
at the operation's word (at PARTITION after ADD and DROP, which begin other clauses too),
and after the operation at the next clause's first word (a comma inside a list of
partitions reads a name unless MySQL reserves the word). No MySQL server is at hand: the
grammar is the source; MariaDB's behaviour is tests/mysql/test_mariadb_refused_syntax.py's."""

from __future__ import annotations

import pytest

from lockwise.parse.mysql import parse_mysql

#: The statement, the word MySQL stops at (its last occurrence).
REFUSED = [
    ("ALTER TABLE orders ADD COLUMN c INT, DROP PARTITION p0", "PARTITION"),
    ("ALTER TABLE orders DROP COLUMN n, DROP PARTITION p0", "PARTITION"),
    ("ALTER TABLE orders ADD COLUMN x INT, ADD PARTITION (PARTITION p2 VALUES LESS THAN (30))",
     "PARTITION"),
    ("ALTER TABLE orders FORCE, TRUNCATE PARTITION p0", "TRUNCATE"),
    ("ALTER TABLE orders ADD INDEX o_n (n), REORGANIZE PARTITION p0 INTO "
     "(PARTITION p0 VALUES LESS THAN (10))", "REORGANIZE"),
    ("ALTER TABLE orders ALGORITHM=INPLACE, ADD COLUMN c INT, COALESCE PARTITION 2",
     "COALESCE"),
    ("ALTER TABLE orders DROP PARTITION p0, ADD COLUMN c INT", "ADD"),
    ("ALTER TABLE orders TRUNCATE PARTITION p0, p1, DROP COLUMN n", "DROP"),
    ("ALTER TABLE orders ADD PARTITION (PARTITION p2 VALUES LESS THAN (30)), ADD COLUMN c INT",
     "ADD"),
    ("ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE orders_old, FORCE", "FORCE"),
    ("ALTER TABLE orders ADD PARTITION (PARTITION p2 VALUES LESS THAN (30)), LOCK=NONE",
     "LOCK"),
    # DISCARD | IMPORT PARTITION {names | ALL} TABLESPACE (standalone_alter_commands; the
    # manual's "ALTER TABLE Partition Operations": copying a partition's tablespace file)
    ("ALTER TABLE orders ADD COLUMN c INT, DISCARD PARTITION p0 TABLESPACE", "DISCARD"),
    ("ALTER TABLE orders FORCE, IMPORT PARTITION p0, p1 TABLESPACE", "IMPORT"),
    ("ALTER TABLE orders DISCARD PARTITION p0 TABLESPACE, ADD COLUMN c INT", "ADD"),
    ("ALTER TABLE orders IMPORT PARTITION ALL TABLESPACE, LOCK=NONE", "LOCK"),
    ("ALTER TABLE orders DISCARD PARTITION p0, DROP TABLESPACE", "DROP"),
    # DISCARD | IMPORT TABLESPACE are standalone_alter_commands too
    ("ALTER TABLE orders ADD COLUMN c INT, DISCARD TABLESPACE", "DISCARD"),
    ("ALTER TABLE orders FORCE, IMPORT TABLESPACE", "IMPORT"),
    ("ALTER TABLE orders DISCARD TABLESPACE, ADD COLUMN c INT", "ADD"),
    ("ALTER TABLE orders IMPORT TABLESPACE, LOCK=NONE", "LOCK"),
]
#: What MySQL's grammar takes.
READS = [
    "ALTER TABLE orders DROP PARTITION p0, p1",
    "ALTER TABLE orders ALGORITHM=INPLACE, LOCK=NONE, DROP PARTITION p0",
    "ALTER TABLE orders ALGORITHM=INPLACE, ADD PARTITION (PARTITION p2 VALUES LESS THAN (30))",
    "ALTER TABLE orders EXCHANGE PARTITION p0 WITH TABLE orders_old WITHOUT VALIDATION",
    "ALTER TABLE orders WITHOUT VALIDATION, EXCHANGE PARTITION p0 WITH TABLE orders_old",
    "ALTER TABLE orders CHECK PARTITION p0, p1 EXTENDED",
    "ALTER TABLE orders ADD COLUMN x INT, ALGORITHM=COPY",
    "ALTER TABLE orders ADD COLUMN x INT REMOVE PARTITIONING",
    "ALTER TABLE orders ADD COLUMN x INT PARTITION BY HASH (id) PARTITIONS 2",
    "ALTER TABLE orders DROP COLUMN `partition`, ADD COLUMN y INT",
    "ALTER TABLE orders DISCARD PARTITION p0, p1 TABLESPACE",
    "ALTER TABLE orders IMPORT PARTITION p0 TABLESPACE",
    "ALTER TABLE orders ALGORITHM=INPLACE, IMPORT PARTITION ALL TABLESPACE",
    "ALTER TABLE orders DISCARD TABLESPACE",
    "ALTER TABLE orders IMPORT TABLESPACE",
]


@pytest.mark.parametrize(("sql", "word"), REFUSED)
def test_a_partition_operation_beside_another_clause_is_a_parse_error(sql: str,
                                                                       word: str) -> None:
    (problem,) = parse_mysql(sql + ";", "mysql").problems
    assert problem.span.column - 1 == sql.rindex(f" {word}") + 1, problem
    assert f"near '{word}" in problem.message and "MySQL" in problem.message, problem.message


@pytest.mark.parametrize("sql", READS)
def test_what_mysql_takes_is_read(sql: str) -> None:
    assert parse_mysql(sql + ";", "mysql").problems == []
