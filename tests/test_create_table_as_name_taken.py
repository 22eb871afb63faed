"""`CREATE TABLE x AS SELECT ...` whose name x is taken: the server analyzes the query (locking
the relations it names) and then looks at the name; refused (42P07) or skipped (IF NOT
EXISTS), it neither rewrites, plans nor runs the query, so the tables behind its views and
its partitions are not locked, and nothing is read (checked on 18.6 below: a lock another
session holds on them does not stop the statement)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

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


@contextmanager
def two_sessions(uri: str) -> Iterator[tuple]:
    """A session on `uri` with SETUP made and a short lock_timeout, and another to hold
    locks it may wait for."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn, \
            psycopg.connect(uri, autocommit=True) as holder:
        conn.execute(SETUP)
        conn.execute("SET lock_timeout = '200ms'")
        yield conn, holder


def stopped_by(conn, holder, sql: str, rel: str, mode: str) -> bool:
    """Whether `sql` run on `conn` (lock_timeout set) waits for `rel`, held in `mode` by the
    other session `holder`: whether it locks `rel` in a mode that conflicts with `mode`. A
    table `sql` makes is dropped after; a name taken (42P07) is no wait."""
    import psycopg

    holder.execute("BEGIN")
    holder.execute(f"LOCK {rel} IN {mode} MODE")
    try:
        conn.execute(sql)
    except psycopg.errors.LockNotAvailable:
        return True
    except psycopg.errors.DuplicateTable:
        pass
    finally:
        holder.execute("ROLLBACK")
        with suppress(psycopg.errors.UndefinedTable):
            conn.execute("DROP TABLE fresh")
    return False


@pytest.mark.postgres
def test_the_server_locks_what_the_name_lets_it(pg_db: str) -> None:
    # checked on 18.6: a lock of another session on a relation stops the statement
    # (lock_timeout) when the statement locks it, refused for its name or not
    with two_sessions(pg_db) as (conn, holder):
        for sql, locked in LOCKED:
            seen = {rel for rel in WATCHED
                    if stopped_by(conn, holder, sql, rel, "ACCESS EXCLUSIVE")}
            assert seen == locked & set(WATCHED), sql


A, R = LockMode.ACCESS_SHARE, LockMode.ROW_SHARE

#: A CREATE TABLE AS (SELECT INTO, a materialized view) whose query locks rows (FOR UPDATE /
#: SHARE), and what it locks in which mode (checked on 18.6 below, pg_locks): ROW SHARE on
#: the relations whose rows it locks, as the query's analysis opens them, whether it then
#: runs or not; when it runs, the partitions and the tables behind a view in that mode too.
ROW_LOCKS = [
    ("CREATE TABLE IF NOT EXISTS taken AS SELECT * FROM big FOR UPDATE", {"big": R}),
    ("CREATE TABLE IF NOT EXISTS taken AS SELECT * FROM parted FOR SHARE", {"parted": R}),
    ("CREATE TABLE IF NOT EXISTS taken AS SELECT * FROM big_view FOR UPDATE", {"big_view": R}),
    ("CREATE TABLE IF NOT EXISTS taken AS SELECT b.* FROM big b JOIN parted p USING (id) "
     "FOR UPDATE OF b", {"big": R, "parted": A}),
    ("CREATE TABLE fresh AS SELECT * FROM big FOR UPDATE", {"big": R}),
    ("CREATE TABLE fresh AS SELECT * FROM parted FOR NO KEY UPDATE",
     {"parted": R, "parted_1": R}),
    ("CREATE TABLE fresh AS SELECT * FROM big_view FOR UPDATE", {"big_view": R, "big": R}),
    ("CREATE TABLE fresh AS SELECT b.* FROM big b JOIN parted p USING (id) FOR UPDATE OF b",
     {"big": R, "parted": A, "parted_1": A}),
    ("CREATE TABLE fresh AS SELECT * FROM parted FOR UPDATE WITH NO DATA", {"parted": R}),
    ("CREATE MATERIALIZED VIEW fresh AS SELECT * FROM parted FOR KEY SHARE",
     {"parted": R, "parted_1": R}),
    ("SELECT * INTO fresh FROM parted FOR UPDATE", {"parted": R, "parted_1": R}),
]

#: Refused for the name (42P07): the query is analysed first, its relations locked as above,
#: nothing planned (checked on 18.6 below: a lock of another session stops it on those only).
REFUSED_ROW_LOCKS = [
    ("CREATE TABLE taken AS SELECT * FROM parted FOR UPDATE", {"parted": R}),
    ("SELECT * INTO taken FROM parted FOR UPDATE", {"parted": R}),
    ("SELECT b.* INTO taken FROM big b JOIN parted p USING (id) FOR UPDATE OF b",
     {"big": R, "parted": A}),
]


@pytest.mark.parametrize(("sql", "locked"), ROW_LOCKS + REFUSED_ROW_LOCKS)
def test_create_table_as_locking_rows_locks_in_row_share(
        sql: str, locked: dict[str, LockMode]) -> None:
    effect = effect_of(sql)
    assert {r.removeprefix("public."): m for r, m in effect.locks.items()} == locked


@pytest.mark.parametrize(("sql", "locked"), ROW_LOCKS)
def test_what_the_reports_show_is_what_the_server_locks(
        sql: str, locked: dict[str, LockMode]) -> None:
    from lockwise.effects.refused import work_done
    from lockwise.report.json_report import statement_dict

    reports = lint_migrations([migration_from_text(SETUP, "0001_a.sql"),
                               migration_from_text(f"{sql};", "0002_b.sql")],
                              LintOptions(), Catalog())
    statement = reports[-1].statements[0]
    shown = statement_dict(statement)["locks"]
    assert work_done(statement.effect).locks == statement.effect.locks
    assert {r.removeprefix("public."): m for r, m in shown.items()} == \
        {r: {A: "AccessShareLock", R: "RowShareLock"}[m] for r, m in locked.items()}


@pytest.mark.postgres
def test_the_server_locks_rows_as_said(pg_db: str) -> None:
    import psycopg

    names = {"AccessShareLock": A, "RowShareLock": R}
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
        for sql, locked in ROW_LOCKS:
            conn.execute("BEGIN")
            conn.execute(sql)
            seen = dict(conn.execute(
                "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = "
                "l.relation WHERE l.pid = pg_backend_pid() AND c.relname IN "
                "('big', 'big_view', 'parted', 'parted_1')").fetchall())
            conn.execute("ROLLBACK")
            assert {r: names[m] for r, m in seen.items()} == locked, sql


@pytest.mark.postgres
def test_a_refused_create_table_as_locks_rows_as_said(pg_db: str) -> None:
    # EXCLUSIVE held by another session stops a ROW SHARE lock, not an ACCESS SHARE one.
    with two_sessions(pg_db) as (conn, holder):
        for sql, locked in REFUSED_ROW_LOCKS:
            seen: dict[str, LockMode] = {}
            for rel in WATCHED:
                for mode, held in (("ACCESS EXCLUSIVE", A), ("EXCLUSIVE", R)):
                    if stopped_by(conn, holder, sql, rel, mode):
                        seen[rel] = held
            assert seen == locked, sql
