"""A trigger's WHEN: an UPDATE trigger whose WHEN requires a column to change (`OLD.c IS
DISTINCT FROM NEW.c`, `NEW.c <> OLD.c`, ORs of such tests, a row of them, one AND-ed with
others) does not fire for an UPDATE whose SET list names none of those columns, when nothing
else can change them: no BEFORE UPDATE row trigger of the table (it may set NEW.c), not a
generated column. Any other WHEN may be true: the trigger is taken to fire. Each case is
checked on the server (18.6) too."""

from __future__ import annotations

import pytest

from test_routine_calls import REACH, holds_u, runs_on_t, server_runs_on_t

#: A BEFORE UPDATE row trigger that changes NEW.c (whatever the SET list names).
BUMP = ("CREATE FUNCTION bump() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  NEW.c := NEW.c + 1;\n  RETURN NEW;\nEND $$;\n"
        "CREATE TRIGGER z_bump BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION bump();\n")
GENERATED = "ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (c * 2) STORED;\n"
_MERGE = "MERGE INTO t USING (SELECT 1 AS id) s ON t.id = s.id WHEN MATCHED THEN "


def _cases() -> list[tuple[str, str, str, bool]]:
    """(setup before the trigger, its WHEN, the write, whether its function runs)."""
    changed = "OLD.c IS DISTINCT FROM NEW.c"
    set_d = "UPDATE t SET d = 5"
    return [
        ("", changed, set_d, False),
        ("", changed, "UPDATE t SET c = 5", True),
        ("", changed, "UPDATE t SET (d, c) = (1, 5)", True),
        (BUMP, changed, set_d, True),  # a BEFORE trigger changes NEW.c
        ("", "NEW.c <> OLD.c", set_d, False),
        ("", "OLD.c != NEW.c", set_d, False),
        ("", f"{changed} OR OLD.d IS DISTINCT FROM NEW.d", set_d, True),
        ("", f"{changed} OR OLD.id IS DISTINCT FROM NEW.id", set_d, False),
        ("", "(OLD.c, OLD.id) IS DISTINCT FROM (NEW.c, NEW.id)", set_d, False),
        ("", f"{changed} AND NEW.d > 0", set_d, False),
        ("", f"NEW.d > 0 AND ({changed})", set_d, False),
        ("", f"{changed} OR NEW.d > 0", set_d, True),
        ("", f"NOT ({changed})", set_d, True),
        ("", "OLD.* IS DISTINCT FROM NEW.*", set_d, True),
        ("", "OLD.c IS DISTINCT FROM NEW.d", set_d, True),  # two columns: d changes
        ("", "NEW.d > 0", set_d, True),
        (GENERATED, "OLD.g IS DISTINCT FROM NEW.g", "UPDATE t SET c = 5", True),
        ("", changed, "INSERT INTO t VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET d = 1",
         False),
        ("", changed, _MERGE + "UPDATE SET d = 1", False),
        ("", changed, _MERGE + "UPDATE SET c = 9", True),
    ]


def _setup(before: str, when: str) -> str:
    return (REACH + before + "CREATE TRIGGER t_w AFTER UPDATE ON t FOR EACH ROW "
            f"WHEN ({when}) EXECUTE FUNCTION on_t();\n")


@pytest.mark.parametrize(("before", "when", "write", "fires"), _cases())
def test_a_trigger_fires_unless_its_when_is_false_for_the_write(
        before: str, when: str, write: str, fires: bool) -> None:
    assert runs_on_t(_setup(before, when), write + ";") is fires


def test_the_columns_a_when_requires_to_change_follow_a_rename() -> None:
    assert runs_on_t(_setup("", "OLD.c IS DISTINCT FROM NEW.c"),
                     "ALTER TABLE t RENAME COLUMN c TO e;\nUPDATE t SET e = 1;")


@pytest.mark.postgres
def test_the_server_fires_a_trigger_as_its_when_says(pg_db: str) -> None:
    """18.6: on_t runs (u is locked ACCESS EXCLUSIVE) at the writes `_cases` says it does
    (row 1 of t is 1, 1, 1: each SET that names c changes it)."""
    import psycopg

    with psycopg.connect(pg_db) as conn:
        seen = [server_runs_on_t(conn, "CREATE TABLE t (id int PRIMARY KEY, c int);\n"
                                 + _setup(before, when) + "INSERT INTO t VALUES (1, 1, 1);",
                                 write, "DROP TABLE t, u; DROP FUNCTION on_t();"
                                 " DROP FUNCTION IF EXISTS bump()")
                for before, when, write, _ in _cases()]
    assert seen == [fires for _, _, _, fires in _cases()]


#: A partitioned table whose WHEN trigger is cloned to its partition, where a BEFORE UPDATE
#: trigger of the partition's own changes NEW.c before the clone's WHEN is evaluated.
PARTITIONED = ("CREATE TABLE pt (id int, c int, d int) PARTITION BY RANGE (id);\n"
               "CREATE TABLE pt1 PARTITION OF pt FOR VALUES FROM (0) TO (100);\n"
               + REACH.replace("ALTER TABLE t ADD COLUMN d int;\n", "")
               + BUMP.replace(" ON t ", " ON pt1 ")
               + "CREATE TRIGGER t_w AFTER UPDATE ON pt FOR EACH ROW "
               "WHEN (OLD.c IS DISTINCT FROM NEW.c) EXECUTE FUNCTION on_t();\n")


@pytest.mark.postgres
def test_a_partitions_before_trigger_may_make_its_parents_when_true(pg_db: str) -> None:
    """18.6: `UPDATE pt SET d = 5` fires t_w (cloned to pt1) through pt1's z_bump."""
    import psycopg

    with psycopg.connect(pg_db) as conn:
        conn.execute(PARTITIONED + "INSERT INTO pt VALUES (1, 1, 1);")
        conn.commit()
        conn.execute("UPDATE pt SET d = 5")
        assert holds_u(conn)
    assert runs_on_t(PARTITIONED, "UPDATE pt SET d = 5;")
