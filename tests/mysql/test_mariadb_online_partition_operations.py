"""MariaDB's ALTER ONLINE TABLE with a partition operation (fix-mysql49). ONLINE asks for
LOCK=NONE; MariaDB refuses it (1846, "Partition specific operations do not yet support
LOCK/ALGORITHM") for the operations that go through ALTER TABLE's path (ADD, DROP, COALESCE,
REORGANIZE, REBUILD and CONVERT PARTITION), but ANALYZE, CHECK, OPTIMIZE, REPAIR, TRUNCATE and
EXCHANGE PARTITION run as commands of their own and leave ONLINE aside: they run, and wait
for a write's metadata lock as they do without it. Checked on MariaDB 10.11 (10.11.19)."""

from __future__ import annotations

import pytest
from mariadb_lock_helpers import waits

SETUP = """CREATE DATABASE shop;
USE shop;
CREATE TABLE t (id INT PRIMARY KEY, v INT)
  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10),
                           PARTITION p1 VALUES LESS THAN (20),
                           PARTITION p2 VALUES LESS THAN (30));
CREATE TABLE h (id INT PRIMARY KEY) PARTITION BY HASH (id) PARTITIONS 4;
CREATE TABLE x (id INT PRIMARY KEY, v INT);
"""

#: Operations MariaDB runs under ALTER ONLINE TABLE (and the finding each gives as without it).
RUNS = [
    ("t ANALYZE PARTITION p0", None),
    ("t ANALYZE PARTITION ALL", None),
    ("t CHECK PARTITION p0", None),
    ("t REPAIR PARTITION p0", None),
    ("t OPTIMIZE PARTITION p0, p1", "mysql-table-rebuild"),
    ("t TRUNCATE PARTITION p0", "mysql-drop-partition"),
    ("t EXCHANGE PARTITION p0 WITH TABLE x", None),
]
#: Operations MariaDB refuses under it (1846).
REFUSED = [
    "t DROP PARTITION p2",
    "t REBUILD PARTITION p0",
    "t REORGANIZE PARTITION p2 INTO (PARTITION p2a VALUES LESS THAN (25), "
    "PARTITION p2b VALUES LESS THAN (30))",
    "t ADD PARTITION (PARTITION p3 VALUES LESS THAN (40))",
    "h COALESCE PARTITION 1",
]


def _rules(report) -> set[str]:
    return {f.rule for f in report.all_findings}


@pytest.mark.parametrize(("operation", "rule"), RUNS)
def test_online_is_left_aside(lint_change, operation: str, rule: str | None) -> None:
    online = lint_change(f"USE shop;\nALTER ONLINE TABLE {operation};", "mariadb")
    plain = lint_change(f"USE shop;\nALTER TABLE {operation};", "mariadb")
    assert "mysql-lock-not-supported" not in _rules(online), online.all_findings
    assert _rules(online) == _rules(plain)
    assert rule is None or rule in _rules(online)


def test_online_ignore_is_left_aside_too(lint_change) -> None:
    report = lint_change("USE shop;\nALTER ONLINE IGNORE TABLE t ANALYZE PARTITION p0;",
                         "mariadb")
    assert "mysql-lock-not-supported" not in _rules(report)


@pytest.mark.parametrize("operation", REFUSED)
def test_online_is_refused(lint_change, operation: str) -> None:
    report = lint_change(f"USE shop;\nALTER ONLINE TABLE {operation};", "mariadb")
    (refusal,) = [f for f in report.all_findings if f.rule == "mysql-lock-not-supported"]
    assert "nor ALTER ONLINE" in refusal.message, refusal.message


# --- checked on MariaDB ----------------------------------------------------------------------

def _fresh(mariadb) -> None:
    assert mariadb.run("DROP DATABASE IF EXISTS shop", "mysql").returncode == 0
    assert mariadb.run(SETUP, "mysql").returncode == 0


@pytest.mark.parametrize(("operation", "rule"), RUNS)
def test_mariadb_runs_it_online(mariadb, operation: str, rule: str | None) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"ALTER ONLINE TABLE {operation}", "shop")
    assert ran.returncode == 0, (operation, ran.stderr)


@pytest.mark.parametrize("operation", REFUSED)
def test_mariadb_refuses_it_online(mariadb, operation: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"ALTER ONLINE TABLE {operation}", "shop")
    assert "ERROR 1846" in ran.stderr, (operation, ran.stderr)
    assert mariadb.run(f"ALTER TABLE {operation}", "shop").returncode == 0, operation


@pytest.mark.parametrize("operation", ["t TRUNCATE PARTITION p0",
                                       "t EXCHANGE PARTITION p0 WITH TABLE x"])
def test_mariadb_waits_for_writes_online_too(mariadb, operation: str) -> None:
    """An open write to p1 holds its metadata lock: the operation waits for it, ONLINE or not
    (seen waiting in the processlist while the write's transaction is open,
    mariadb_lock_helpers.waits)."""
    for online in ("ONLINE ", ""):
        _fresh(mariadb)
        assert waits(mariadb, "shop", f"ALTER {online}TABLE {operation}",
                     "INSERT INTO t VALUES (15, 1)")[0], (online, operation)
