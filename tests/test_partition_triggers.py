"""A write of a partitioned table runs the row triggers of the partitions its rows reach
(their own, not only its clones): each row is written in its partition. A partition's
statement triggers fire not (only those of the table the statement names), nor with ONLY
(a partitioned table holds no rows). An UPDATE that sets a partition key column may move
rows: a DELETE from one partition and an INSERT into another, which fire their DELETE and
INSERT row triggers. A write of a partition runs the row triggers of the partitioned tables
above it (cloned to it). An inheritance child's row triggers fire at a write of its parent
too. A write whose partition key values are constants (INSERT ... VALUES, a WHERE that
AND-s `key = constant`) reaches only the partitions they route to. Each case is checked on
the server (18.6)."""

from __future__ import annotations

import pytest

from test_routine_calls import runs_on_t, server_runs_on_t

#: m, range-partitioned by k: m1 (k 0 to 9), and m2 (10 to 19) list-partitioned by v, with
#: its default partition m2a; h and its inheritance child hc; on_t, which retypes u.
TREE = ("CREATE TABLE u (id int PRIMARY KEY, n int);\n"
        "CREATE TABLE m (k int, v int, w int) PARTITION BY RANGE (k);\n"
        "CREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (10);\n"
        "CREATE TABLE m2 PARTITION OF m FOR VALUES FROM (10) TO (20) PARTITION BY LIST (v);\n"
        "CREATE TABLE m2a PARTITION OF m2 DEFAULT;\n"
        "CREATE TABLE h (k int);\nCREATE TABLE hc () INHERITS (h);\n"
        "CREATE FUNCTION on_t() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  ALTER TABLE u ALTER COLUMN n TYPE bigint;\n  RETURN NULL;\nEND $$;\n")
ROWS = "INSERT INTO m VALUES (1, 1, 1), (11, 1, 1);\nINSERT INTO hc VALUES (1);\n"

ROW = "FOR EACH ROW"
STATEMENT = "FOR EACH STATEMENT"
#: (trigger, write, whether on_t runs)
CASES = [
    (f"AFTER INSERT ON m1 {ROW}", "INSERT INTO m VALUES (1, 1, 1)", True),
    (f"AFTER INSERT ON m1 {STATEMENT}", "INSERT INTO m VALUES (1, 1, 1)", False),
    (f"AFTER UPDATE ON m2a {ROW}", "UPDATE m SET w = 2", True),  # under a sub-partitioning
    (f"AFTER DELETE ON m1 {ROW}", "DELETE FROM m", True),
    (f"AFTER DELETE ON m1 {ROW}", "DELETE FROM ONLY m", False),
    (f"AFTER UPDATE OF v ON m1 {ROW}", "UPDATE m SET w = 2", False),
    (f"AFTER UPDATE ON m1 {ROW}", "MERGE INTO m USING (SELECT 1 AS k) s ON m.k = s.k"
     " WHEN MATCHED THEN UPDATE SET w = 9", True),
    # a row moved to another partition: deleted from m1, inserted into m2a
    (f"AFTER DELETE ON m1 {ROW}", "UPDATE m SET k = 12 WHERE k = 1", True),
    (f"AFTER INSERT ON m2a {ROW}", "UPDATE m SET k = 12 WHERE k = 1", True),
    (f"AFTER DELETE ON m1 {ROW}", "UPDATE m SET w = 12", False),  # no key column set
    # a partition key pinned to constants: only the partitions they route to
    (f"AFTER INSERT ON m2a {ROW}", "INSERT INTO m VALUES (1, 1, 1)", False),
    (f"AFTER INSERT ON m2a {ROW}", "INSERT INTO m VALUES (1, 1, 1), (12, 1, 1)", True),
    (f"AFTER INSERT ON m1 {ROW}", "INSERT INTO m (v, k, w) VALUES (1, 12, 1)", False),
    (f"AFTER UPDATE ON m2a {ROW}", "UPDATE m SET w = 2 WHERE k = 1", False),
    (f"AFTER UPDATE ON m1 {ROW}", "UPDATE m SET w = 2 WHERE m.k = 1", True),
    (f"AFTER DELETE ON m2a {ROW}", "DELETE FROM m WHERE k = 11 AND v = 1", True),
    (f"AFTER DELETE ON m1 {ROW}", "DELETE FROM m WHERE 11 = k", False),
    (f"AFTER DELETE ON m1 {ROW}", "DELETE FROM m WHERE k = 11 OR k = 1", True),
    (f"AFTER INSERT ON m1 {ROW}", "UPDATE m SET k = 3 WHERE k = 11", True),  # moved there
    # a partitioned table's row trigger is its partitions' too
    (f"AFTER INSERT ON m2 {ROW}", "INSERT INTO m2a VALUES (13, 1, 1)", True),
    (f"AFTER INSERT ON m2 {STATEMENT}", "INSERT INTO m2a VALUES (13, 1, 1)", False),
    (f"AFTER INSERT ON m {ROW}", "INSERT INTO m1 VALUES (3, 1, 1)", True),
    (f"AFTER UPDATE ON hc {ROW}", "UPDATE h SET k = 2", True),
    (f"AFTER UPDATE ON hc {ROW}", "UPDATE ONLY h SET k = 2", False),
    (f"AFTER UPDATE ON hc {STATEMENT}", "UPDATE h SET k = 2", False),
]


def _setup(trigger: str) -> str:
    return TREE + f"CREATE TRIGGER w {trigger} EXECUTE FUNCTION on_t();\n"


@pytest.mark.parametrize(("trigger", "write", "fires"), CASES)
def test_a_write_runs_the_row_triggers_of_the_partitions_it_reaches(
        trigger: str, write: str, fires: bool) -> None:
    assert runs_on_t(_setup(trigger), write + ";") is fires


@pytest.mark.postgres
def test_the_server_runs_the_row_triggers_of_the_partitions_a_write_reaches(
        pg_db: str) -> None:
    """18.6: on_t runs at the writes `CASES` says it does."""
    import psycopg

    with psycopg.connect(pg_db) as conn:
        seen = [server_runs_on_t(conn, TREE + ROWS + _setup(trigger)[len(TREE):], write,
                                 "DROP TABLE m, h, u CASCADE; DROP FUNCTION on_t();")
                for trigger, write, _ in CASES]
    assert seen == [fires for _, _, fires in CASES]


#: pp, referenced by cc (partitioned, its partition cc1) ON DELETE CASCADE, and on_t.
KEYED = ("CREATE TABLE u (id int PRIMARY KEY, n int);\n"
         "CREATE TABLE pp (id int PRIMARY KEY);\n"
         "CREATE TABLE cc (id int, pid int REFERENCES pp ON DELETE CASCADE)"
         " PARTITION BY RANGE (id);\n"
         "CREATE TABLE cc1 PARTITION OF cc FOR VALUES FROM (0) TO (10);\n"
         "CREATE FUNCTION on_t() RETURNS trigger LANGUAGE plpgsql AS $$\n"
         "BEGIN\n  ALTER TABLE u ALTER COLUMN n TYPE bigint;\n  RETURN NULL;\nEND $$;\n")
#: (trigger, whether `DELETE FROM pp` runs on_t): the cascade deletes cc's rows, which are
#: cc1's: its row triggers fire, its statement ones not (cc's do).
KEYED_CASES = [(f"AFTER DELETE ON cc1 {ROW}", True), (f"AFTER DELETE ON cc1 {STATEMENT}", False),
               (f"AFTER DELETE ON cc {STATEMENT}", True)]


@pytest.mark.parametrize(("trigger", "fires"), KEYED_CASES)
def test_a_key_action_runs_the_row_triggers_of_the_partitions_it_reaches(trigger: str,
                                                                         fires: bool) -> None:
    setup = KEYED + f"CREATE TRIGGER w {trigger} EXECUTE FUNCTION on_t();\n"
    assert runs_on_t(setup, "DELETE FROM pp;") is fires


@pytest.mark.postgres
def test_the_server_runs_the_row_triggers_of_the_partitions_a_key_action_reaches(
        pg_db: str) -> None:
    import psycopg

    """18.6: on_t runs at `DELETE FROM pp` where `KEYED_CASES` says it does."""
    rows = "INSERT INTO pp VALUES (1);\nINSERT INTO cc VALUES (1, 1);\n"
    with psycopg.connect(pg_db) as conn:
        seen = [server_runs_on_t(conn, KEYED + rows + f"CREATE TRIGGER w {trigger}"
                                 " EXECUTE FUNCTION on_t();\n", "DELETE FROM pp",
                                 "DROP TABLE cc, pp, u; DROP FUNCTION on_t();")
                for trigger, _ in KEYED_CASES]
    assert seen == [fires for _, fires in KEYED_CASES]
