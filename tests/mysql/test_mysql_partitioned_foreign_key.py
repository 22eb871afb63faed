"""InnoDB's partitioned tables support no foreign keys: partitioning a table that has one or
that another table's references, and adding one to a partitioned table, are refused (MySQL
manual, "Partitioning Limitations Relating to Storage Engines", 26.6.2 in 8.0: "no InnoDB
table whose definition contains foreign key references may be partitioned"; error 1506
ER_FOREIGN_KEY_ON_PARTITIONED. Checked on MariaDB 10.11: 1506 for ADD FOREIGN KEY, 1217 for
PARTITION BY of either side, with foreign_key_checks = 0 too). They were reported as a copy
or as safe."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE users (id INT PRIMARY KEY);\n"
         "CREATE TABLE posts (id INT PRIMARY KEY, user_id INT,\n"
         "  CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id));\n"
         "CREATE TABLE events (id INT PRIMARY KEY, user_id INT) "
         "PARTITION BY HASH (id) PARTITIONS 4;\n"
         "CREATE TABLE plain (id INT PRIMARY KEY, n INT);")


def rules(report) -> list[str]:
    return [f.rule for f in report.all_findings]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("sql", [
    "ALTER TABLE posts PARTITION BY HASH (id) PARTITIONS 4;",  # it has a foreign key
    "ALTER TABLE users PARTITION BY HASH (id) PARTITIONS 4;",  # posts references it
    "SET foreign_key_checks = 0;\nALTER TABLE users PARTITION BY KEY () PARTITIONS 4;",
    "ALTER TABLE events ADD CONSTRAINT events_user FOREIGN KEY (user_id) REFERENCES users (id);",
    "ALTER TABLE posts PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN MAXVALUE);",
])
def test_a_foreign_key_on_a_partitioned_table_is_refused(lint_change, sql: str,
                                                         dialect: str) -> None:
    assert rules(lint_change(sql, dialect)) == ["mysql-partitioned-foreign-key"]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("sql", [
    "CREATE TABLE visits (id INT PRIMARY KEY, user_id INT,\n"
    "  CONSTRAINT visits_user FOREIGN KEY (user_id) REFERENCES users (id))\n"
    "  PARTITION BY HASH (id) PARTITIONS 4;",
    "CREATE TABLE visits (id INT, user_id INT, PRIMARY KEY (id),\n"
    "  FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE) ENGINE=InnoDB\n"
    "  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (100),\n"
    "  PARTITION p1 VALUES LESS THAN MAXVALUE);",
])
def test_a_partitioned_create_table_with_a_foreign_key_is_refused(lint_change, sql: str,
                                                                  dialect: str) -> None:
    """The ALTER's refusal holds for CREATE TABLE too (error 1506, "Partitioned tables do not
    support FOREIGN KEY", checked on MariaDB 10.11): it was not reported."""
    assert rules(lint_change(sql, dialect)) == ["mysql-partitioned-foreign-key"]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_partitioned_create_table_without_a_foreign_key_is_not(lint_change, dialect: str) -> None:
    assert rules(lint_change("CREATE TABLE visits (id INT PRIMARY KEY, user_id INT)\n"
                             "  PARTITION BY HASH (id) PARTITIONS 4;", dialect)) == []


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "expected"), [
    ("ALTER TABLE plain PARTITION BY HASH (id) PARTITIONS 4;", ["mysql-table-copy"]),
    # sqlglot parses RANGE and LIST partitioning (HASH and KEY stay commands): they were
    # read as an ALTER that does nothing, safe
    ("ALTER TABLE plain PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10), "
     "PARTITION p1 VALUES LESS THAN MAXVALUE);", ["mysql-table-copy"]),
    ("ALTER TABLE plain PARTITION BY LIST (id) (PARTITION p0 VALUES IN (1, 2));",
     ["mysql-table-copy"]),
    ("ALTER TABLE events REMOVE PARTITIONING;", ["mysql-table-copy"]),
    ("ALTER TABLE plain ADD CONSTRAINT plain_user FOREIGN KEY (n) REFERENCES users (id);",
     ["mysql-table-copy"]),
])
def test_without_a_foreign_key_partitioning_is_a_copy(lint_change, sql: str, expected: list[str],
                                                      dialect: str) -> None:
    assert rules(lint_change(sql, dialect)) == expected


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_range_partitioned_table_is_partitioned_afterwards(lint_change,
                                                             dialect: str) -> None:
    """The table an ALTER ... PARTITION BY RANGE made partitioned refuses a foreign key."""
    sql = ("ALTER TABLE plain PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN "
           "MAXVALUE);\nALTER TABLE plain ADD CONSTRAINT plain_user FOREIGN KEY (n) "
           "REFERENCES users (id);")
    assert rules(lint_change(sql, dialect)) == ["mysql-table-copy",
                                                "mysql-partitioned-foreign-key"]
