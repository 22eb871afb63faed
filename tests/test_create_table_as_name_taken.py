"""`CREATE TABLE x AS SELECT ...` whose name x is taken: the server analyzes the query (locking
the relations it names) and then looks at the name; refused (42P07) or skipped (IF NOT
EXISTS), it neither rewrites, plans nor runs the query, so the tables behind its views and
its partitions are not locked, and nothing is read (checked on 18.6 below: a lock another
session holds on them does not stop the statement)."""

from __future__ import annotations

from contextlib import suppress

import pytest

from lockwise.catalog.model import Catalog
from lockwise.core.types import LockMode
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = """CREATE TABLE big (id int PRIMARY KEY, v int);
CREATE TABLE parted (id int, v int) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (100);
CREATE VIEW big_view AS SELECT * FROM big;
CREATE TABLE taken (x int);"""

#: A CREATE TABLE AS, and the relations it locks (ACCESS SHARE), each checked on 18.6 below.
#: A name free: the query runs, reading the table behind the view and the partitions.
LOCKED = [
    ("CREATE TABLE taken AS SELECT * FROM big", {"big"}),
    ("CREATE TABLE IF NOT EXISTS taken AS SELECT * FROM big", {"big"}),
    ("CREATE TABLE taken AS SELECT * FROM parted", {"parted"}),
    ("CREATE TABLE IF NOT EXISTS taken AS SELECT * FROM parted", {"parted"}),
    ("CREATE TABLE taken AS SELECT * FROM big_view", {"big_view"}),
    ("CREATE TABLE IF NOT EXISTS taken AS SELECT * FROM big_view", {"big_view"}),
    ("CREATE TABLE fresh AS SELECT * FROM big_view", {"big_view", "big"}),
    ("CREATE TABLE fresh AS SELECT * FROM parted", {"parted", "parted_1"}),
]

#: The tables a lock of another session could stop a statement of LOCKED on (not the view:
#: LOCK of a view locks the tables it reads too).
WATCHED = ("big", "parted", "parted_1")


def effect_of(sql: str):
    reports = lint_migrations([migration_from_text(SETUP, "0001_a.sql"),
                               migration_from_text(f"{sql};", "0002_b.sql")],
                              LintOptions(), Catalog())
    return reports[-1].statements[0].effect


@pytest.mark.parametrize(("sql", "locked"), LOCKED)
def test_create_table_as_locks_what_the_server_locks(sql: str, locked: set[str]) -> None:
    effect = effect_of(sql)
    assert {r.removeprefix("public.") for r in effect.locks} == locked, effect.locks
    assert all(mode == LockMode.ACCESS_SHARE for mode in effect.locks.values())


@pytest.mark.parametrize(("sql", "locked"), LOCKED)
def test_create_table_as_of_a_name_taken_reads_nothing(sql: str, locked: set[str]) -> None:
    reads = {r.removeprefix("public.") for r in effect_of(sql).scans}
    assert reads == (set() if "taken" in sql else locked & {"big", "parted_1"})


@pytest.mark.postgres
def test_the_server_locks_what_the_name_lets_it(pg_db: str) -> None:
    # checked on 18.6: a lock of another session on a relation stops the statement
    # (lock_timeout) when the statement locks it, refused for its name or not
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn, \
            psycopg.connect(pg_db, autocommit=True) as holder:
        conn.execute(SETUP)
        conn.execute("SET lock_timeout = '200ms'")
        for sql, locked in LOCKED:
            seen = set()
            for rel in WATCHED:
                holder.execute("BEGIN")
                holder.execute(f"LOCK {rel} IN ACCESS EXCLUSIVE MODE")
                try:
                    conn.execute(sql)
                except psycopg.errors.LockNotAvailable:
                    seen.add(rel)
                except psycopg.errors.DuplicateTable:
                    pass
                holder.execute("ROLLBACK")
                with suppress(psycopg.errors.UndefinedTable):
                    conn.execute("DROP TABLE fresh")
            assert seen == locked & set(WATCHED), sql
