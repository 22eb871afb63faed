"""Partition operations on a sub-partitioned table (fix-mysql61): they name its partitions,
whose names the replay now keeps (they were unknown, so nothing was said); a sub-partition's
name is refused (REBUILD / DROP 1507, TRUNCATE 1567). Checked on MariaDB 10.11; MySQL 8's
error numbers are the same (its error reference), not observed."""

from __future__ import annotations

import pytest

SETUP = """CREATE TABLE sp (id INT NOT NULL, y INT NOT NULL)
  PARTITION BY RANGE (y) SUBPARTITION BY HASH (id) SUBPARTITIONS 2
  (PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS THAN (20));
CREATE TABLE sq (id INT NOT NULL, y INT NOT NULL)
  PARTITION BY LIST (y) SUBPARTITION BY KEY (id)
  (PARTITION a VALUES IN (1) (SUBPARTITION a1, SUBPARTITION a2),
   PARTITION b VALUES IN (2) (SUBPARTITION b1, SUBPARTITION b2));
"""

#: (statement, the error MariaDB 10.11 answers, or 0 when it runs it; said: lockwise says it)
CASES = [
    ("ALTER TABLE sp REBUILD PARTITION p0sp0", 1507, True),
    ("ALTER TABLE sp DROP PARTITION p0sp0", 1507, True),
    ("ALTER TABLE sp REBUILD PARTITION p9", 1507, True),
    ("ALTER TABLE sp DROP PARTITION p9", 1507, True),
    ("ALTER TABLE sp COALESCE PARTITION 1", 1509, True),
    ("ALTER TABLE sq DROP PARTITION a1", 1507, True),
    ("ALTER TABLE sp REBUILD PARTITION p0", 0, False),
    ("ALTER TABLE sp TRUNCATE PARTITION p0", 0, False),
    ("ALTER TABLE sp DROP PARTITION p1", 0, False),
    ("ALTER TABLE sq DROP PARTITION a", 0, False),
    ("ALTER TABLE sq REBUILD PARTITION b", 0, False),
    # TRUNCATE of a name that is not a partition: 1567 for a sub-partition's, 1735 for an
    # unknown one; the replay keeps no sub-partition names, so neither is said
    ("ALTER TABLE sp TRUNCATE PARTITION p0sp0", 1567, False),
    ("ALTER TABLE sp TRUNCATE PARTITION p9", 1735, False),
    # ADD PARTITION appends (its sub-partitions are the server's: p2sp0, p2sp1)
    ("ALTER TABLE sp ADD PARTITION (PARTITION p2 VALUES LESS THAN (30));\n"
     "ALTER TABLE sp REBUILD PARTITION p2", 0, False),
    ("ALTER TABLE sp ADD PARTITION (PARTITION p2 VALUES LESS THAN (30));\n"
     "ALTER TABLE sp REBUILD PARTITION p3", 1507, True),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("change", "error", "said"), CASES)
def test_partition_operations_on_a_subpartitioned_table(lint_change, dialect: str, change: str,
                                                         error: int, said: bool) -> None:
    found = [f for f in lint_change(change + ";", dialect).all_findings
             if f.rule == "mysql-partition-operation-refused"]
    if said:
        (finding,) = found
        assert f"(error {error}:" in finding.message
        assert finding.statement_index == change.count(";")
    else:
        assert not found


@pytest.mark.parametrize(("change", "error", "said"), CASES)
def test_the_server_agrees(mariadb, change: str, error: int, said: bool) -> None:
    mariadb.fresh("subparts", SETUP)
    ran = mariadb.run(change, "subparts")
    if error:
        assert f"ERROR {error} " in ran.stderr, ran.stderr
    else:
        assert ran.returncode == 0, ran.stderr


def test_a_subpartitioned_tables_names_are_its_partitions() -> None:
    from lockwise.parse.mysql import partition_names

    assert partition_names("PARTITION BY RANGE (y) SUBPARTITION BY HASH (id) SUBPARTITIONS 2 "
                           "(PARTITION p0 VALUES LESS THAN (10), PARTITION p1 VALUES LESS "
                           "THAN MAXVALUE)") == ("p0", "p1")
    assert partition_names("PARTITION BY LIST (y) SUBPARTITION BY LINEAR KEY (id) (PARTITION "
                           "a VALUES IN (1) (SUBPARTITION a1, SUBPARTITION a2))") == ("a",)
