"""OPTIMIZE PARTITION on MariaDB (fix-mysql50). InnoDB optimizes no single partition: MariaDB
10.11 answers "Table does not support optimize on partitions. All partitions will be rebuilt
and analyzed", gives every partition a new tablespace, and lets writes to any partition go
on while it runs, as OPTIMIZE TABLE (an in-place rebuild) does. It was read as a whole-table
copy (`mysql-table-copy`); it is now the in-place rebuild it is (`mysql-table-rebuild`)."""

from __future__ import annotations

import subprocess
import time

import pytest

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


def _write_while(mariadb, ddl: str, row: int = 9000000) -> tuple[float, bool]:
    """How long an INSERT of `row` (into p1 by default) takes once `ddl` has run for a
    moment, and whether `ddl` was still running when the INSERT ended."""
    proc = subprocess.Popen(
        [mariadb.client, "--no-defaults", "-S", str(mariadb.socket), "-uroot", "opt", "-e", ddl],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.3)
        start = time.monotonic()
        wrote = mariadb.run(f"SET lock_wait_timeout = 60; DELETE FROM t WHERE id = {row}; "
                            f"INSERT INTO t VALUES ({row}, 'w')", "opt")
        took, running = time.monotonic() - start, proc.poll() is None
        assert wrote.returncode == 0, wrote.stderr
        return took, running
    finally:
        proc.wait(timeout=120)


def test_mariadb_lets_writes_go_on(mariadb) -> None:
    _fresh(mariadb, 600000)
    took, running = _write_while(mariadb, "ALTER TABLE t OPTIMIZE PARTITION p0")
    assert running and took < 0.5, (took, running)
    # the same write waits for a copy (the control: the table is big enough to see it)
    took, running = _write_while(mariadb, "ALTER TABLE t FORCE, ALGORITHM=COPY")
    assert took > 0.3, took


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
    _fresh(mariadb, 600000)
    # p1 (the big one) rebuilt, a row written into p0, which the statement does not touch
    took, running = _write_while(mariadb, "ALTER TABLE t REBUILD PARTITION p1", row=0)
    assert took > 0.3 and not running, (took, running)
