"""A partitioning whose key column has a type it refuses: RANGE, LIST or HASH of a bare column
that is not an integer, or RANGE / LIST COLUMNS of a FLOAT, DECIMAL, TIMESTAMP, YEAR, BIT, ENUM
or SET column. Both servers refuse it, error 1659 ("Field '...' is of a not allowed type for
this type of partitioning"; MySQL manual, "Partitioning Types", 26.2 in 8.0 and 8.4: the
expression of RANGE / LIST / HASH "must return an integer", and 26.2.3 "COLUMNS Partitioning"
lists the types COLUMNS takes; checked on MariaDB 10.11 in test_mariadb_truth.py). It was
reported as a copy, or not at all."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE pk (id INT, name VARCHAR(20), c CHAR(3), price FLOAT, dbl DOUBLE,\n"
         "  amount DECIMAL(10,2), d DATE, dt DATETIME, ts TIMESTAMP NULL, tm TIME,\n"
         "  e ENUM('a','b'), st SET('a','b'), b BIT(8), y YEAR, bin VARBINARY(8),\n"
         "  ui INT UNSIGNED);")

#: (statement, refused) after SETUP: checked on MariaDB 10.11 (error 1659 exactly where True).
CASES = [
    ("ALTER TABLE pk PARTITION BY RANGE (name) (PARTITION p0 VALUES LESS THAN (10))", True),
    ("ALTER TABLE pk PARTITION BY HASH (price) PARTITIONS 2", True),
    ("ALTER TABLE pk PARTITION BY LINEAR HASH (`d`) PARTITIONS 2", True),
    ("ALTER TABLE pk PARTITION BY LIST (c) (PARTITION p0 VALUES IN (1))", True),
    ("ALTER TABLE pk PARTITION BY HASH (dt) PARTITIONS 2", True),
    ("ALTER TABLE pk PARTITION BY HASH (amount) PARTITIONS 2", True),
    ("ALTER TABLE pk PARTITION BY HASH (ts) PARTITIONS 2", True),
    ("ALTER TABLE pk PARTITION BY HASH (tm) PARTITIONS 2", True),
    ("ALTER TABLE pk PARTITION BY HASH (e) PARTITIONS 2", True),
    ("ALTER TABLE pk PARTITION BY HASH (st) PARTITIONS 2", True),
    ("ALTER TABLE pk PARTITION BY HASH (bin) PARTITIONS 2", True),
    ("ALTER TABLE pk PARTITION BY HASH (dbl) PARTITIONS 2", True),
    ("ALTER TABLE pk PARTITION BY RANGE COLUMNS (id, amount) "
     "(PARTITION p0 VALUES LESS THAN (1, 1))", True),
    ("ALTER TABLE pk PARTITION BY LIST COLUMNS (e) (PARTITION p0 VALUES IN ('a'))", True),
    ("ALTER TABLE pk PARTITION BY RANGE COLUMNS (ts) (PARTITION p0 VALUES LESS THAN (1))", True),
    ("ALTER TABLE pk PARTITION BY RANGE COLUMNS (y) (PARTITION p0 VALUES LESS THAN (2000))",
     True),
    ("ALTER TABLE pk PARTITION BY RANGE COLUMNS (b) (PARTITION p0 VALUES LESS THAN (1))", True),
    ("ALTER TABLE pk PARTITION BY RANGE COLUMNS (price) (PARTITION p0 VALUES LESS THAN (1))",
     True),
    ("CREATE TABLE pk2 (id INT, name VARCHAR(20)) PARTITION BY HASH (name) PARTITIONS 2", True),
    ("CREATE TABLE pk2 (id INT, v DECIMAL(5,2)) PARTITION BY RANGE COLUMNS (v) "
     "(PARTITION p0 VALUES LESS THAN (1))", True),
    # integers, an expression, KEY and the types COLUMNS takes: accepted
    ("ALTER TABLE pk PARTITION BY HASH (ui) PARTITIONS 2", False),
    ("ALTER TABLE pk PARTITION BY HASH (y) PARTITIONS 2", False),
    ("ALTER TABLE pk PARTITION BY HASH (b) PARTITIONS 2", False),
    ("ALTER TABLE pk PARTITION BY HASH (YEAR(d)) PARTITIONS 2", False),
    ("ALTER TABLE pk PARTITION BY KEY (name) PARTITIONS 2", False),
    ("ALTER TABLE pk PARTITION BY RANGE COLUMNS (name) (PARTITION p0 VALUES LESS THAN ('m'))",
     False),
    ("ALTER TABLE pk PARTITION BY RANGE COLUMNS (d, id) "
     "(PARTITION p0 VALUES LESS THAN ('2024-01-01', 1))", False),
    ("ALTER TABLE pk PARTITION BY LIST COLUMNS (c) (PARTITION p0 VALUES IN ('a'))", False),
    ("CREATE TABLE pk2 (id INT, name VARCHAR(20)) PARTITION BY HASH (id) PARTITIONS 2", False),
]


def rules(report) -> list[str]:
    return [f.rule for f in report.all_findings]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "refused"), CASES)
def test_a_partition_key_of_a_type_the_partitioning_refuses_is_reported(
        lint_change, sql: str, refused: bool, dialect: str) -> None:
    found = rules(lint_change(sql + ";", dialect))
    assert ("mysql-partition-key-type" in found) == refused, found
    if refused:  # the statement fails: no copy to report
        assert found == ["mysql-partition-key-type"]


def test_the_message_names_the_column_and_its_type(lint_change) -> None:
    (finding,) = lint_change("ALTER TABLE pk PARTITION BY HASH (`d`) PARTITIONS 2;").all_findings
    assert "d, a DATE column" in finding.message
    assert "error 1659" in finding.message
