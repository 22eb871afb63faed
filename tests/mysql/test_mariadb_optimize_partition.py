"""OPTIMIZE PARTITION on MariaDB (fix-mysql50). InnoDB optimizes no single partition: MariaDB
10.11 answers "Table does not support optimize on partitions. All partitions will be rebuilt
and analyzed", gives every partition a new tablespace, and lets writes to any partition go
on while it runs, as OPTIMIZE TABLE (an in-place rebuild) does. It was read as a whole-table
copy (`mysql-table-copy`); it is now the in-place rebuild it is (`mysql-table-rebuild`)."""

from __future__ import annotations

import pytest
from mariadb_lock_helpers import COPYING, decide_during

SETUP = """CREATE TABLE t (id INT NOT NULL, v VARCHAR(100), PRIMARY KEY (id))
  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (1000),
                           PARTITION p1 VALUES LESS THAN MAXVALUE);
"""


def _rules(report) -> set[str]:
    return {f.rule for f in report.all_findings}


@pytest.mark.parametrize("sql", ["ALTER TABLE t OPTIMIZE PARTITION p0",
                                 "ALTER TABLE t OPTIMIZE PARTITION p0, p1",
                                 "ALTER TABLE t OPTIMIZE PARTITION ALL",
                                 "ALTER ONLINE TABLE t OPTIMIZE PARTITION p0"])
def test_mariadb_rebuilds_the_table_in_place(lint_change, sql: str) -> None:
    rules = _rules(lint_change(f"{sql};", "mariadb"))
    assert "mysql-table-rebuild" in rules and "mysql-table-copy" not in rules, rules


def test_it_is_reported_as_optimize_table_is(lint_change) -> None:
    assert _rules(lint_change("ALTER TABLE t OPTIMIZE PARTITION p0;", "mariadb")) == \
        _rules(lint_change("OPTIMIZE TABLE t;", "mariadb"))


def test_remove_partitioning_still_copies(lint_change) -> None:
    assert "mysql-table-copy" in _rules(lint_change("ALTER TABLE t REMOVE PARTITIONING;",
                                                    "mariadb"))


def test_mysql_is_unchanged(lint_change) -> None:
    """Not checked on a MySQL server: still read as a copy there."""
    assert "mysql-table-copy" in _rules(lint_change("ALTER TABLE t OPTIMIZE PARTITION p0;",
                                                    "mysql"))


# --- checked on MariaDB ----------------------------------------------------------------------

_SPACES = ("SELECT NAME, SPACE FROM information_schema.INNODB_SYS_TABLESPACES "
           "WHERE NAME LIKE 'opt/t#P#%' ORDER BY NAME")


def _fresh(mariadb, rows: int) -> None:
    assert mariadb.run("DROP DATABASE IF EXISTS opt; CREATE DATABASE opt", "mysql"
                       ).returncode == 0
    filled = mariadb.run(f"{SETUP}; INSERT INTO t SELECT seq, REPEAT('x', 100) "
                         f"FROM seq_1_to_{rows}", "opt")
    assert filled.returncode == 0, filled.stderr


def test_mariadb_rebuilds_every_partition(mariadb) -> None:
    _fresh(mariadb, 20000)
    before = mariadb.run(_SPACES, "opt").stdout.splitlines()
    ran = mariadb.run("ALTER TABLE t OPTIMIZE PARTITION p0", "opt")
    assert "All partitions will be rebuilt and analyzed" in ran.stdout, ran.stdout
    after = mariadb.run(_SPACES, "opt").stdout.splitlines()
    assert len(before) == len(after) == 2
    # p1, which was not named, gets a new tablespace too
    assert all(old != new for old, new in zip(before, after, strict=True)), (before, after)
    assert mariadb.run("SELECT COUNT(*) FROM t", "opt").stdout.strip() == "20000"


#: OPTIMIZE PARTITION's work on MariaDB 10.11: InnoDB's online rebuild of every partition (then
#: 'Committing alter table to storage engine', where it takes its exclusive lock)
OPTIMIZING = frozenset({"altering table"})
#: REBUILD PARTITION's work on MariaDB 10.11: 'setup' while it copies the partition holding
#: MDL_SHARED_NO_WRITE, and still 'setup' while it swaps the copy in holding MDL_EXCLUSIVE
REBUILDING, REBUILD_LOCK = frozenset({"setup"}), "MDL_SHARED_NO_WRITE"


def _write(row: int) -> str:
    """A write of `row` (9000000: into p1; 0: into p0)."""
    return (f"SET lock_wait_timeout = 60; DELETE FROM t WHERE id = {row}; "
            f"INSERT INTO t VALUES ({row}, 'w')")


def _writes_wait(mariadb, ddl: str, phase: frozenset[str], row: int = 9000000,
                 held: str | None = None) -> bool:
    """Whether a write of `row` waits while `ddl` is in `phase` (decided from the server's
    processlist, on a table of 600,000 rows or more, tests/mysql/mariadb_lock_helpers.py)."""
    return decide_during(mariadb, "opt", lambda rows: _fresh(mariadb, rows), 600000, ddl,
                         phase, _write(row), held)


def test_mariadb_lets_writes_go_on(mariadb) -> None:
    assert not _writes_wait(mariadb, "ALTER TABLE t OPTIMIZE PARTITION p0", OPTIMIZING)


def test_the_same_write_waits_for_a_copy(mariadb) -> None:
    """The control: a write is seen waiting when it does, on the same table."""
    assert _writes_wait(mariadb, "ALTER TABLE t FORCE, ALGORITHM=COPY", COPYING)


# --- REBUILD PARTITION, the manual's way instead (fix-mysql55) ------------------------------

def test_the_advice_on_mariadb_says_what_rebuild_partition_costs(lint_change) -> None:
    """MariaDB's OPTIMIZE PARTITION lets writes go on; the REBUILD PARTITION it is told to run
    instead does not: the advice says so there, not on MySQL (whose OPTIMIZE PARTITION
    copies)."""
    (finding,) = [f for f in lint_change("ALTER TABLE t OPTIMIZE PARTITION p0;",
                                         "mariadb").all_findings
                  if f.rule == "mysql-table-rebuild"]
    assert "writes to every partition of t wait" in finding.instead
    assert "ALTER TABLE t REBUILD PARTITION p0;" in finding.instead
    (finding,) = [f for f in lint_change("ALTER TABLE t OPTIMIZE PARTITION p0;",
                                         "mysql").all_findings
                  if f.rule == "mysql-table-copy"]
    assert "every partition of t wait" not in finding.instead


def test_rebuild_partition_blocks_writes_in_the_model(lint_change) -> None:
    rules = _rules(lint_change("ALTER TABLE t REBUILD PARTITION p1;", "mariadb"))
    assert "mysql-blocks-writes" in rules, rules


def test_mariadb_rebuilds_only_the_partition_named(mariadb) -> None:
    _fresh(mariadb, 20000)
    before = mariadb.run(_SPACES, "opt").stdout.splitlines()
    assert mariadb.run("ALTER TABLE t REBUILD PARTITION p1", "opt").returncode == 0
    after = mariadb.run(_SPACES, "opt").stdout.splitlines()
    assert before[0] == after[0] and before[1] != after[1], (before, after)


def test_mariadb_rebuild_partition_holds_writes_to_the_other_partitions(mariadb) -> None:
    # p1 (the big one) rebuilt, a row written into p0, which the statement does not touch
    assert _writes_wait(mariadb, "ALTER TABLE t REBUILD PARTITION p1", REBUILDING, row=0,
                        held=REBUILD_LOCK)
