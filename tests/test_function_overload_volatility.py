"""Each overload of a function has its own volatility (`Routine.volatility`): a call is as
volatile as the overload it runs (`routines.call_volatility`: chosen by its arguments, else
the worst of those it may run), and ALTER FUNCTION ... IMMUTABLE / STABLE / VOLATILE,
RENAME TO and SET SCHEMA change or move one overload's. Each shape checked against the
embedded server (fix-pg70)."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE TABLE t (id int PRIMARY KEY, a int, c int);\n"
         "INSERT INTO t SELECT g, g, g FROM generate_series(1, 10) g;\n"
         "CREATE FUNCTION f(x int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS "
         "$$ BEGIN RETURN x; END $$;\n"
         "CREATE FUNCTION f(x text) RETURNS int VOLATILE LANGUAGE plpgsql AS "
         "$$ BEGIN RETURN 1; END $$;\n")
RENAME = "ALTER FUNCTION f(int) RENAME TO g;\n"
IMMUTABLE_G = ("CREATE FUNCTION g() RETURNS int IMMUTABLE LANGUAGE plpgsql AS "
               "$$ BEGIN RETURN 1; END $$;\n")
H = ("CREATE FUNCTION h(int4, int8) RETURNS int IMMUTABLE LANGUAGE plpgsql AS "
     "$$ BEGIN RETURN 1; END $$;\n"
     "CREATE FUNCTION h(int8, int8) RETURNS int IMMUTABLE LANGUAGE plpgsql AS "
     "$$ BEGIN RETURN 1; END $$;\n")
TWO_K = ("CREATE SCHEMA app;\n"
         "CREATE FUNCTION app.k() RETURNS int VOLATILE LANGUAGE sql AS 'SELECT 1';\n"
         "CREATE FUNCTION k() RETURNS int VOLATILE LANGUAGE plpgsql AS "
         "$$ BEGIN RETURN 1; END $$;\n")
PLUS = ("CREATE FUNCTION plus(a int DEFAULT 1) RETURNS int VOLATILE LANGUAGE sql "
        "AS 'SELECT a + 1';\n")

#: (what runs before, the default an added column takes, whether the table is rewritten:
#: the default is volatile)
DEFAULTS = [
    ("", "f(1)", False),  # f(int), IMMUTABLE
    ("", "f('a'::text)", True),
    ("", "f('a')", True),  # an untyped string: f(text)
    ("ALTER FUNCTION f(int) VOLATILE;\n", "f(1)", True),
    ("ALTER FUNCTION f(text) IMMUTABLE;\n", "f('a'::text)", False),
    ("ALTER FUNCTION f(text) STABLE;\n", "f('a'::text)", False),
    (RENAME, "g(1)", False),  # the IMMUTABLE overload goes by its new name
    (RENAME, "f('a'::text)", True),  # the other stays
    (RENAME + "ALTER FUNCTION g(int) VOLATILE;\n", "g(1)", True),
    ("CREATE SCHEMA s;\nALTER FUNCTION f(int) SET SCHEMA s;\n", "s.f(1)", False),
    ("CREATE SCHEMA s;\nALTER FUNCTION f(int) SET SCHEMA s;\n"
     "ALTER FUNCTION s.f(int) VOLATILE;\n", "s.f(1)", True),
    # an argument typed by what the function it calls returns (fix-pg73)
    ("", "f(length('abc'::text))", False),
    ("", "f(md5('abc'))", True),
    (IMMUTABLE_G, "f(g())", False),
    # the untyped '1' taken as the other argument's type: h(int8, int8) runs
    (H + "ALTER FUNCTION h(int4, int8) VOLATILE;\n", "h('1', 2::int8)", False),
    (H + "ALTER FUNCTION h(int8, int8) VOLATILE;\n", "h('1', 2::int8)", True),
    # the overload the call names is the one the planner inlines, not the path's
    (TWO_K, "app.k()", False),
    (TWO_K, "k()", True),
    # a VOLATILE SQL function of arguments, passed constants, inlined as its body
    ("CREATE FUNCTION twice(a int) RETURNS int VOLATILE LANGUAGE sql AS 'SELECT a + a';\n",
     "twice(1)", False),
    ("CREATE FUNCTION noisy(a int) RETURNS int VOLATILE LANGUAGE sql AS "
     "'SELECT a + (random() * 0)::int';\n", "noisy(1)", True),
    # an operator's result typed (fix-pg78): int4 + int4 is int4, text || text text
    ("", "f(1 + 2)", False),
    ("", "f('a' || 'b')", True),
    ("", "f(-(1))", False),
    # an untyped constant resolved by category: length('abc') is length(text), int4
    ("", "f(length('abc'))", False),
    ("", "f(upper('abc'))", True),
    # a SQL function passed what is no constant, or leaving a parameter to its default,
    # inlined too: the result is as volatile as the body and what it is passed
    (PLUS, "plus(length(md5('x')))", False),
    (PLUS, "plus(extract(day FROM now())::int)", False),
    (PLUS, "plus((random() * 10)::int)", True),
    (PLUS, "plus()", False),
    (PLUS.replace("DEFAULT 1", "DEFAULT (random() * 10)::int"), "plus()", True),
    # a parameter used twice, passed a value the planner folds to a constant (immutable
    # calls of constants): inlined
    (PLUS.replace("a + 1", "a + a"), "plus(length(md5('x')))", False),
    (PLUS.replace("a + 1", "a + a"), "plus((random() * 10)::int)", True),
    (PLUS.replace("VOLATILE", "VOLATILE SECURITY DEFINER"), "plus(1)", True),
    (PLUS.replace("VOLATILE", "VOLATILE SET search_path = public"), "plus(1)", True),
    (PLUS.replace("a + 1", "a + (random() * 0)::int"), "plus(1)", True),
]


def _facts(before: str, sql: str) -> dict:
    """The facts of the first action of `sql`, after SETUP (its own migration) and
    `before`."""
    reports = lint_migrations([migration_from_text(SETUP, "0001_m.sql"),
                               migration_from_text(before + sql + ";\n", "0002_m.sql")],
                              LintOptions(), Catalog())
    return reports[-1].statements[-1].effect.actions[0].facts


@pytest.mark.parametrize(("before", "default", "rewrites"), DEFAULTS)
def test_a_default_is_as_volatile_as_the_overload_it_calls(before: str, default: str,
                                                          rewrites: bool) -> None:
    facts = _facts(before, f"ALTER TABLE t ADD COLUMN d int DEFAULT {default}")
    assert facts["default_volatile"] is rewrites
    assert facts["rewrites"] is rewrites


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "default", "rewrites"), DEFAULTS)
def test_the_server_rewrites_the_table_so(pg_db: str, before: str, default: str,
                                          rewrites: bool) -> None:
    assert server_rewrites(pg_db, SETUP + before, default) is rewrites


def server_rewrites(pg_db: str, setup: str, default: str) -> bool:
    """Whether the server, after `setup` (which makes the table t), rewrites t at `ALTER
    TABLE t ADD COLUMN d int DEFAULT <default>`: its relfilenode changes."""
    import psycopg

    file = "SELECT relfilenode FROM pg_class WHERE oid = 'public.t'::regclass"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(setup)
        (was,) = conn.execute(file).fetchone() or (None,)
        conn.execute(f"ALTER TABLE t ADD COLUMN d int DEFAULT {default}")
        (now,) = conn.execute(file).fetchone() or (None,)
    return bool(now != was)


#: (what runs before, the UPDATE's WHERE, whether it reads all of t: a volatile call is no
#: key to look up)
WHERES = [
    ("", "id = f(1)", False),
    ("", "id = f('a'::text)", True),
    ("ALTER FUNCTION f(int) VOLATILE;\n", "id = f(1)", True),
    ("ALTER FUNCTION f(text) IMMUTABLE;\n", "id = f('a'::text)", False),
    (RENAME, "id = g(1)", False),
]


@pytest.mark.parametrize(("before", "where", "scans"), WHERES)
def test_a_where_calling_one_overload_is_judged_by_its_volatility(before: str, where: str,
                                                                 scans: bool) -> None:
    assert _facts(before, f"UPDATE t SET a = 1 WHERE {where}")["where_scans_table"] is scans


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "where", "scans"), WHERES)
def test_the_server_looks_the_key_up_so(pg_db: str, before: str, where: str,
                                        scans: bool) -> None:
    assert server_scans(pg_db, SETUP + before, where) is scans


def server_scans(pg_db: str, setup: str, where: str) -> bool:
    """Whether the server, after `setup`, plans `UPDATE t SET a = 1 WHERE <where>` without
    t's primary key (sequential scans off)."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(setup + "SET enable_seqscan = off;")
        plan = "\n".join(str(r[0]) for r in conn.execute(
            f"EXPLAIN UPDATE t SET a = 1 WHERE {where}").fetchall())
    return " t_pkey " not in f"{plan} "


#: (what runs before, an index's key expression, whether the server refuses the index: an
#: index expression must be IMMUTABLE, judged on the overload it calls)
INDEXES = [
    ("", "f(c)", False),  # f(int)
    ("", "f(c::text)", True),
    ("ALTER FUNCTION f(int) VOLATILE;\n", "f(c)", True),
    ("ALTER FUNCTION f(text) IMMUTABLE;\n", "f(c::text)", False),
    (RENAME, "g(c)", False),
    (RENAME + "ALTER FUNCTION g(int) STABLE;\n", "g(c)", True),
    ("CREATE FUNCTION h(x int) RETURNS int VOLATILE LANGUAGE sql AS 'SELECT x + 1';\n",
     "h(c)", False),  # inlined: its body is judged
]


@pytest.mark.parametrize(("before", "key", "refused"), INDEXES)
def test_an_index_calling_an_overload_not_immutable_is_refused(before: str, key: str,
                                                               refused: bool) -> None:
    facts = _facts(before, f"CREATE INDEX t_k ON t (({key}))")
    assert bool(facts.get("refused_not_immutable")) is refused


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "key", "refused"), INDEXES)
def test_the_server_refuses_the_index_so(pg_db: str, before: str, key: str,
                                         refused: bool) -> None:
    assert server_refuses_index(pg_db, SETUP + before, key) is refused


def server_refuses_index(pg_db: str, setup: str, key: str) -> bool:
    """Whether the server, after `setup`, refuses `CREATE INDEX t_k ON t ((<key>))` as not
    immutable."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(setup)
        try:
            conn.execute(f"CREATE INDEX t_k ON t (({key}))")
        except psycopg.errors.InvalidObjectDefinition as exc:
            assert "must be marked IMMUTABLE" in str(exc)
            return True
    return False
