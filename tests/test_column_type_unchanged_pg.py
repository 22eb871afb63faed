"""ALTER COLUMN ... TYPE to the type the column has already (fix-small74): the server
rewrites nothing and rebuilds no index, but it still takes ACCESS EXCLUSIVE. lockwise says
the lock, no rewrite, and that the statement can go (`column-type-unchanged`)."""

from __future__ import annotations

import psycopg
import pytest

from effect_helpers import effect_after
from lockwise.core.types import LockMode
from server_helpers import locks_and_files

SETUP = ("CREATE TABLE t (id bigint, c timestamptz, v varchar(10), n numeric(10,2));\n"
         "CREATE INDEX t_c ON t (c);")
#: (the type change, whether the column keeps its type, its length and precision too)
CHANGES = [
    ("ALTER TABLE t ALTER COLUMN c TYPE timestamptz", True),
    ("ALTER TABLE t ALTER COLUMN c TYPE timestamp with time zone", True),
    ("ALTER TABLE t ALTER COLUMN v TYPE varchar(10)", True),
    ("ALTER TABLE t ALTER COLUMN n TYPE numeric(10,2)", True),
    ("ALTER TABLE t ALTER COLUMN v TYPE varchar(20)", False),
    ("ALTER TABLE t ALTER COLUMN c TYPE timestamptz USING c + interval '1 hour'", False),
]


@pytest.mark.parametrize(("sql", "unchanged"), CHANGES)
def test_a_type_change_to_the_same_type_is_told_apart(sql: str, unchanged: bool) -> None:
    effect = effect_after(SETUP, sql + ";")
    (action,) = (a for a in effect.actions if a.kind == "alter_column_type")
    assert action.facts["type_unchanged"] is unchanged
    assert effect.locks["public.t"] is LockMode.ACCESS_EXCLUSIVE
    if unchanged:
        assert not effect.rewrites


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "unchanged"), [c for c in CHANGES if c[1]])
def test_the_server_locks_but_rewrites_nothing(pg_db: str, sql: str, unchanged: bool) -> None:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + "\nINSERT INTO t SELECT g, now(), 'x', 1 "
                             "FROM generate_series(1, 100) g;")
        modes, new_files = locks_and_files(conn, sql, "t", ("t", "t_c"))
        assert "AccessExclusiveLock" in modes
        assert not new_files


# A USING that is the column itself, or casts of it, keeps the values when each cast does
# (fix-small76): PostgreSQL then rewrites nothing, as without a USING; a cast that converts
# (to bigint and back, through text, to a shorter or unlimited varchar) rewrites the table
# and its indexes (checked on 18.6).
USING_SETUP = ("CREATE TABLE u (id bigint, c int, v varchar(10), ts timestamp(3));\n"
               "CREATE INDEX u_c ON u (c);")
#: (the type change, whether the server rewrites the table, whether it changes nothing)
USING_CHANGES = [
    ("ALTER TABLE u ALTER COLUMN c TYPE int USING c", False, True),
    ("ALTER TABLE u ALTER COLUMN c TYPE int USING (u.c)", False, True),
    ("ALTER TABLE u ALTER COLUMN c TYPE int USING c::int", False, True),
    ("ALTER TABLE u ALTER COLUMN c TYPE integer USING CAST(c AS int4)", False, True),
    ("ALTER TABLE u ALTER COLUMN v TYPE varchar(10) USING v::varchar(10)", False, True),
    ("ALTER TABLE u ALTER COLUMN v TYPE text USING v::text", False, False),
    ("ALTER TABLE u ALTER COLUMN c TYPE int USING c + 1", True, False),
    ("ALTER TABLE u ALTER COLUMN c TYPE int USING c::bigint", True, False),
    ("ALTER TABLE u ALTER COLUMN c TYPE int USING c::smallint", True, False),
    ("ALTER TABLE u ALTER COLUMN c TYPE int USING c::text::int", True, False),
    ("ALTER TABLE u ALTER COLUMN v TYPE varchar(10) USING v::varchar", True, False),
    ("ALTER TABLE u ALTER COLUMN v TYPE varchar(10) USING v::varchar(5)", True, False),
    ("ALTER TABLE u ALTER COLUMN v TYPE varchar(10) USING v::text", True, False),
    ("ALTER TABLE u ALTER COLUMN ts TYPE timestamp(3) USING ts::timestamp", True, False),
]


@pytest.mark.parametrize(("sql", "rewrites", "unchanged"), USING_CHANGES)
def test_a_using_that_keeps_the_values_is_told_apart(sql: str, rewrites: bool,
                                                     unchanged: bool) -> None:
    effect = effect_after(USING_SETUP, sql + ";")
    (action,) = (a for a in effect.actions if a.kind == "alter_column_type")
    assert action.facts["type_unchanged"] is unchanged
    assert bool(effect.rewrites) is rewrites
    assert effect.locks["public.u"] is LockMode.ACCESS_EXCLUSIVE


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "rewrites", "unchanged"), USING_CHANGES)
def test_the_server_rewrites_for_a_using_that_converts(pg_db: str, sql: str, rewrites: bool,
                                                       unchanged: bool) -> None:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(USING_SETUP + "\nINSERT INTO u SELECT g, g, 'x', now() "
                                   "FROM generate_series(1, 100) g;")
        modes, new_files = locks_and_files(conn, sql, "u", ("u", "u_c"))
        assert "AccessExclusiveLock" in modes
        assert new_files is rewrites
