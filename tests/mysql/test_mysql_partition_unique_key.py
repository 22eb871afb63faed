"""Every unique key of a partitioned table (its primary key too) must hold every column its
partitioning names: MySQL manual, "Partitioning Keys, Primary Keys, and Unique Keys" (26.6.1 in
8.0 and 8.4): "every unique key on the table must use every column in the table's partitioning
expression". An ALTER ... PARTITION BY of a table whose key lacks one is refused, error 1503
("A PRIMARY KEY must include all columns in the table's partitioning function"; checked on
MariaDB 10.11 in test_mariadb_truth.py). It was reported as a copy."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE TABLE ev (id BIGINT NOT NULL AUTO_INCREMENT, created_at DATETIME NOT NULL,\n"
         "  kind VARCHAR(20), PRIMARY KEY (id));\n"
         "CREATE TABLE ev2 (id BIGINT NOT NULL, created_at DATETIME NOT NULL, e VARCHAR(10),\n"
         "  PRIMARY KEY (id, created_at), UNIQUE KEY ev2_e (e));\n"
         "CREATE TABLE ev3 (id BIGINT NOT NULL, created_at DATETIME NOT NULL,\n"
         "  PRIMARY KEY (id, created_at), UNIQUE KEY ev3_id (id));")

#: (statement, refused) after SETUP, as MariaDB 10.11 answers (error 1503 where True).
CASES = [
    ("ALTER TABLE ev PARTITION BY RANGE (TO_DAYS(created_at)) (PARTITION p0 VALUES LESS "
     "THAN (738000), PARTITION pmax VALUES LESS THAN MAXVALUE)", True),
    ("ALTER TABLE ev PARTITION BY RANGE COLUMNS (created_at) (PARTITION p0 VALUES LESS "
     "THAN ('2024-01-01'), PARTITION pmax VALUES LESS THAN (MAXVALUE))", True),
    ("ALTER TABLE ev2 PARTITION BY HASH (id) PARTITIONS 2", True),
    ("ALTER TABLE ev3 PARTITION BY HASH (created_at + 0) PARTITIONS 2", True),
    ("ALTER TABLE ev PARTITION BY HASH (id) PARTITIONS 2", False),
    ("ALTER TABLE ev PARTITION BY KEY () PARTITIONS 2", False),
    ("ALTER TABLE ev3 PARTITION BY HASH (id) PARTITIONS 2", False),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "refused"), CASES)
def test_a_partitioning_a_unique_key_lacks_is_refused(sql: str, refused: bool,
                                                      dialect: str) -> None:
    reports = lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                               migration_from_text(sql + ";", "2_change.sql")],
                              LintOptions(dialect=dialect))
    found = [f.rule for f in reports[1].all_findings]
    assert found == (["mysql-partition-unique-key"] if refused else ["mysql-table-copy"])


_RANGE_D = ("PARTITION BY RANGE COLUMNS (d) (PARTITION p0 VALUES LESS THAN ('2024-01-01'), "
            "PARTITION pmax VALUES LESS THAN (MAXVALUE))")
#: (CREATE TABLE, refused), as MariaDB 10.11 answers (error 1503 where True): the keys a
#: CREATE TABLE declares, inline on a column or as a table element, named by CONSTRAINT or not.
CREATE_CASES = [
    (f"CREATE TABLE pc (id INT NOT NULL AUTO_INCREMENT PRIMARY KEY, d DATE NOT NULL) {_RANGE_D}",
     True),
    ("CREATE TABLE pc (id INT NOT NULL, d DATE NOT NULL, PRIMARY KEY (id)) "
     "PARTITION BY HASH (YEAR(d)) PARTITIONS 4", True),
    ("CREATE TABLE pc (id INT NOT NULL, d DATE NOT NULL, CONSTRAINT pc_pk PRIMARY KEY (id)) "
     "PARTITION BY KEY (d) PARTITIONS 4", True),
    ("CREATE TABLE pc (id INT NOT NULL, code INT NOT NULL UNIQUE) "
     "PARTITION BY HASH (id) PARTITIONS 4", True),
    ("CREATE TABLE pc (id INT NOT NULL, d DATE NOT NULL, e INT, PRIMARY KEY (id, d), "
     f"UNIQUE KEY pc_e (e)) {_RANGE_D}", True),
    ("CREATE TABLE pc (id INT NOT NULL, d DATE NOT NULL, e INT, PRIMARY KEY (id, d), "
     f"CONSTRAINT pc_e UNIQUE (e, d)) {_RANGE_D}", False),
    (f"CREATE TABLE pc (id INT NOT NULL, d DATE NOT NULL, PRIMARY KEY (id, d)) {_RANGE_D}",
     False),
    ("CREATE TABLE pc (id INT NOT NULL, d DATE NOT NULL, CONSTRAINT pc_pk PRIMARY KEY (d, id)) "
     "PARTITION BY HASH (TO_DAYS(d)) PARTITIONS 4", False),
    ("CREATE TABLE pc (id INT NOT NULL PRIMARY KEY, d DATE) PARTITION BY HASH (id) "
     "PARTITIONS 4", False),
    ("CREATE TABLE pc (id INT NOT NULL PRIMARY KEY, d DATE) PARTITION BY KEY () PARTITIONS 4",
     False),
    (f"CREATE TABLE pc (id INT NOT NULL, d DATE NOT NULL, KEY pc_id (id)) {_RANGE_D}", False),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "refused"), CREATE_CASES)
def test_a_created_table_partitioned_by_a_column_a_unique_key_lacks_is_refused(
        sql: str, refused: bool, dialect: str) -> None:
    """A CREATE TABLE is refused as the ALTER is (error 1503): it was not judged."""
    (report,) = lint_migrations([migration_from_text(sql + ";", "1_create.sql")],
                                LintOptions(dialect=dialect))
    assert [f.rule for f in report.all_findings] == \
        (["mysql-partition-unique-key"] if refused else [])


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_primary_key_named_by_constraint_is_the_tables_primary_key(dialect: str) -> None:
    """`CONSTRAINT pk PRIMARY KEY (id)` was not recorded as the table's primary key: a later
    PARTITION BY it lacks a column of went unreported."""
    setup = ("CREATE TABLE ev (id BIGINT NOT NULL, created_at DATETIME NOT NULL, "
             "CONSTRAINT ev_pk PRIMARY KEY (id));")
    reports = lint_migrations([
        migration_from_text(setup, "1_setup.sql"),
        migration_from_text("ALTER TABLE ev PARTITION BY HASH (YEAR(created_at)) PARTITIONS 2;",
                            "2_change.sql")], LintOptions(dialect=dialect))
    assert [f.rule for f in reports[1].all_findings] == ["mysql-partition-unique-key"]


def _finding(sql: str, setup: str = ""):
    migrations = [migration_from_text(setup, "1_setup.sql")] if setup else []
    reports = lint_migrations([*migrations, migration_from_text(sql, "2_change.sql")],
                              LintOptions(dialect="mysql"))
    (finding,) = reports[-1].all_findings
    return finding


@pytest.mark.parametrize(("sql", "setup", "error", "fix"), [
    ("ALTER TABLE ev2 PARTITION BY HASH (id) PARTITIONS 2;", SETUP, "A UNIQUE INDEX must",
     "ALTER TABLE ev2 DROP INDEX ev2_e, ADD UNIQUE INDEX ev2_e (e, id);"),
    ("ALTER TABLE ev PARTITION BY HASH (YEAR(created_at)) PARTITIONS 2;", SETUP,
     "A PRIMARY KEY must",
     "ALTER TABLE ev DROP PRIMARY KEY, ADD PRIMARY KEY (id, created_at);"),
    (CREATE_CASES[4][0] + ";", "", "A UNIQUE INDEX must", "UNIQUE KEY pc_e (e, d)"),
    (CREATE_CASES[0][0] + ";", "", "A PRIMARY KEY must", "PRIMARY KEY (id, d)"),
])
def test_the_message_quotes_the_server_and_the_fix_changes_the_key_that_lacks(
        sql: str, setup: str, error: str, fix: str) -> None:
    """The server names a UNIQUE INDEX so (MariaDB 10.11's message; it said "A UNIQUE must"),
    and the fix rebuilt the primary key for a UNIQUE index, and wrote an ALTER for a CREATE
    TABLE."""
    finding = _finding(sql, setup)
    assert error in finding.message
    assert fix in finding.instead
    assert ("ALTER TABLE" in finding.instead) == sql.startswith("ALTER")


PARTITIONED_SETUP = (
    "CREATE TABLE pe (id INT NOT NULL, d DATE NOT NULL, e INT, f INT, PRIMARY KEY (id, d)) "
    "PARTITION BY HASH (YEAR(d)) PARTITIONS 4;\n"
    "CREATE TABLE pk (id INT NOT NULL, e INT, PRIMARY KEY (id)) PARTITION BY KEY () "
    "PARTITIONS 4;")
#: (statement, refused) on the partitioned tables of PARTITIONED_SETUP, as MariaDB 10.11
#: answers (error 1503 where True).
ADD_KEY_CASES = [
    ("ALTER TABLE pe ADD UNIQUE INDEX pe_e (e)", True),
    ("ALTER TABLE pe ADD UNIQUE KEY (e, f)", True),
    ("ALTER TABLE pe ADD CONSTRAINT pe_e UNIQUE (e)", True),
    ("CREATE UNIQUE INDEX pe_e ON pe (e)", True),
    ("ALTER TABLE pe DROP PRIMARY KEY, ADD PRIMARY KEY (id)", True),
    ("ALTER TABLE pk ADD UNIQUE INDEX pk_e (e)", True),
    ("ALTER TABLE pe ADD UNIQUE INDEX pe_e (e, d)", False),
    ("CREATE UNIQUE INDEX pe_e ON pe (d, e)", False),
    ("ALTER TABLE pe ADD INDEX pe_e (e)", False),
    ("ALTER TABLE pk ADD UNIQUE INDEX pk_e (e, id)", False),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "refused"), ADD_KEY_CASES)
def test_a_unique_key_added_to_a_partitioned_table_must_hold_its_partition_columns(
        sql: str, refused: bool, dialect: str) -> None:
    """A UNIQUE index or a primary key added to a partitioned table is held to the same rule
    (error 1503): it was not judged."""
    reports = lint_migrations([migration_from_text(PARTITIONED_SETUP, "1_setup.sql"),
                               migration_from_text(sql + ";", "2_change.sql")],
                              LintOptions(dialect=dialect))
    found = {f.rule for f in reports[1].all_findings}
    assert ("mysql-partition-unique-key" in found) == refused


@pytest.mark.parametrize(("sql", "fix"), [
    ("ALTER TABLE pe ADD UNIQUE INDEX pe_e (e);", "ALTER TABLE pe ADD UNIQUE INDEX pe_e (e, d);"),
    ("CREATE UNIQUE INDEX pe_e ON pe (e);", "ALTER TABLE pe ADD UNIQUE INDEX pe_e (e, d);"),
    ("ALTER TABLE pe DROP PRIMARY KEY, ADD PRIMARY KEY (id);",
     "ALTER TABLE pe DROP PRIMARY KEY, ADD PRIMARY KEY (id, d);"),
])
def test_the_fix_for_an_added_key_adds_it_with_the_partition_columns(sql: str,
                                                                      fix: str) -> None:
    """There is no index to drop yet: the fix adds the key with the columns it lacks."""
    finding = _finding(sql, PARTITIONED_SETUP)
    assert finding.rule == "mysql-partition-unique-key"
    assert fix in finding.instead and "DROP INDEX" not in finding.instead
