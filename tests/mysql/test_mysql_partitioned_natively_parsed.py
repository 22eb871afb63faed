"""RANGE / LIST partitioning that sqlglot parses itself (`VALUES LESS THAN (...)` and
`VALUES IN (...)` partitions, in a CREATE TABLE or an ALTER TABLE ... PARTITION BY) marks the
table partitioned in the catalog, as HASH / KEY (`PARTITIONS n`, read from the text) does;
REMOVE PARTITIONING clears it. The table was recorded as a plain one, so a DROP COLUMN of a
partition key column was reported safe, and the partitioned foreign key and virtual column
checks missed it (checked on 10.11: tests below run each statement on MariaDB)."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.effects.mysql import MySQLSession, apply_mysql_statement, compute_mysql_effect
from lockwise.parse.mysql import parse_mysql

COLUMNS = "(id INT NOT NULL, n INT, v INT AS (n + 1) VIRTUAL)"
#: Each kind of partitioning by `id`, as CREATE TABLE o ... writes it.
PARTITIONINGS = {
    "range": "PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), "
             "PARTITION p1 VALUES LESS THAN (MAXVALUE))",
    "list": "PARTITION BY LIST (id) (PARTITION p0 VALUES IN (1, 2), "
            "PARTITION p1 VALUES IN (3, 4))",
    "range_columns": "PARTITION BY RANGE COLUMNS (id) (PARTITION p0 VALUES LESS THAN (10), "
                     "PARTITION p1 VALUES LESS THAN (MAXVALUE))",
    "list_columns": "PARTITION BY LIST COLUMNS (id) (PARTITION p0 VALUES IN (1, 2), "
                    "PARTITION p1 VALUES IN (3, 4))",
}
#: The table made partitioned each way: created so, or partitioned by an ALTER TABLE.
SETUPS = {**{f"create_{kind}": f"CREATE TABLE o {COLUMNS} {text};"
             for kind, text in PARTITIONINGS.items()},
          **{f"alter_{kind}": f"CREATE TABLE o {COLUMNS}; ALTER TABLE o {text};"
             for kind, text in PARTITIONINGS.items()}}
DROPS = "SET foreign_key_checks = 0; DROP TABLE IF EXISTS o, parent; SET foreign_key_checks = 1;"
PARENT = "CREATE TABLE parent (id INT PRIMARY KEY);"


def _catalog(sql: str, dialect: str = "mariadb") -> tuple[Catalog, MySQLSession]:
    catalog, session = Catalog(), MySQLSession(flavour=dialect, version=(10, 11))
    parsed = parse_mysql(sql, dialect)
    assert not parsed.problems, parsed.problems
    for stmt in parsed.statements:
        compute_mysql_effect(stmt.tree, catalog, session)
        apply_mysql_statement(catalog, stmt.tree, "setup", session)
    return catalog, session


def _actions(setup: str, statement: str) -> list:
    """The actions lockwise gives `statement` after `setup`, on MariaDB."""
    catalog, session = _catalog(setup)
    session.new_tables.clear()
    (last,) = parse_mysql(statement, "mariadb").statements
    return compute_mysql_effect(last.tree, catalog, session).actions


def _kinds(setup: str, statement: str) -> list[str]:
    return [a.kind for a in _actions(setup, statement)]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_the_table_is_partitioned_in_the_catalog(setup: str, dialect: str) -> None:
    catalog, _ = _catalog(SETUPS[setup], dialect)
    table = catalog.tables["o"]
    assert table.kind == "partitioned"
    assert table.partition_strategy == setup.split("_")[1]
    assert table.partition_key == ("id",)
    catalog, _ = _catalog(SETUPS[setup] + " ALTER TABLE o REMOVE PARTITIONING;", dialect)
    assert (catalog.tables["o"].kind, catalog.tables["o"].partition_strategy,
            catalog.tables["o"].partition_key) == ("table", "", ())


@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_dropping_the_partition_key_column_is_refused(mariadb, setup: str) -> None:
    result = mariadb.run(DROPS + SETUPS[setup] + "ALTER TABLE o DROP COLUMN id;")
    assert result.returncode != 0, "MariaDB dropped the partition key column"
    assert "mysql_partition_key_column_dropped" in _kinds(SETUPS[setup],
                                                          "ALTER TABLE o DROP COLUMN id;")
    assert mariadb.run(DROPS + SETUPS[setup] + "ALTER TABLE o DROP COLUMN n, DROP COLUMN v;"
                       ).returncode == 0
    assert "mysql_partition_key_column_dropped" not in _kinds(SETUPS[setup],
                                                              "ALTER TABLE o DROP COLUMN v;")


@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_a_foreign_key_added_to_the_table_is_refused(mariadb, setup: str) -> None:
    statement = "ALTER TABLE o ADD CONSTRAINT o_n FOREIGN KEY (n) REFERENCES parent (id);"
    result = mariadb.run(DROPS + PARENT + SETUPS[setup] + statement)
    assert "ERROR 1506" in result.stderr, result.stderr
    assert "mysql_partitioned_foreign_key" in _kinds(PARENT + SETUPS[setup], statement)


@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_a_virtual_column_dropped_copies_the_table(mariadb, setup: str) -> None:
    statement = "ALTER TABLE o DROP COLUMN v"
    assert mariadb.run(DROPS + SETUPS[setup] + statement + ", ALGORITHM=INSTANT;"
                       ).returncode != 0
    assert mariadb.run(DROPS + SETUPS[setup] + statement + ", ALGORITHM=COPY;").returncode == 0
    (summary,) = [a.facts for a in _actions(SETUPS[setup], statement + ";")
                  if a.kind == "mysql_alter_table"]
    assert summary["algorithm"] == "COPY"
