"""When the planner inlines a SQL function's call (inline_function), and so judges the
expression its body makes rather than the function's declared volatility (fix-pg79): a
STRICT one only when its body is strict in every parameter (each read, through strict
constructs alone), and a parameter read twice only when what it is passed is cheap (ten
operators at most) and not volatile. Each case held against the embedded server: an ADD
COLUMN whose default is volatile rewrites the table (a new relfilenode), one that is not
keeps it; a WHERE of a volatile call looks no key up; an index expression must be
IMMUTABLE once inlined."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from test_function_overload_volatility import server_refuses_index, server_rewrites, server_scans

SETUP = "CREATE TABLE t (id int PRIMARY KEY, a int, c int);\n" \
    "INSERT INTO t SELECT g, g, g FROM generate_series(1, 10) g;\n"


def _strict(name: str, params: str, body: str, returns: str = "int") -> str:
    return (f"CREATE FUNCTION {name}({params}) RETURNS {returns} VOLATILE STRICT "
            f"LANGUAGE sql AS $${body}$$;\n")


# --- fix-pg84: ALTER FUNCTION of the inlined function itself --------------------------------

_CALLED = ("CREATE FUNCTION s(a int) RETURNS int VOLATILE LANGUAGE sql "
           "AS $$SELECT coalesce(a, 0)$$;\n")
_MUTABLE = ("CREATE FUNCTION m(a int) RETURNS int {volatility} LANGUAGE sql "
            "AS $$SELECT a + extract(day FROM now())::int$$;\n")
_RANDOM = ("CREATE FUNCTION r(a int) RETURNS int VOLATILE LANGUAGE sql "
           "AS $$SELECT a + (random() * 0)::int$$;\n")

#: (what runs before, the default an added column takes, whether the table is rewritten):
#: the STRICT and volatility the catalog holds after the ALTERs decide, not the CREATE's
ALTERED_INLINED = [
    (_strict("s", "a int", "SELECT coalesce(a, 0)") +
     "ALTER FUNCTION s(int) CALLED ON NULL INPUT;\n", "s(1)", False),  # inlined now
    (_CALLED + "ALTER FUNCTION s(int) STRICT;\n", "s(1)", True),  # no longer inlined
    (_CALLED + "ALTER FUNCTION s(int) RETURNS NULL ON NULL INPUT;\n", "s(1)", True),
    (_CALLED + "ALTER FUNCTION s(int) STRICT;\nALTER FUNCTION s(int) CALLED ON NULL INPUT;\n",
     "s(1)", False),
    (_CALLED + "ALTER FUNCTION s(int) STRICT IMMUTABLE;\n", "s(1)", False),  # runs, immutable
    (_RANDOM, "r(1)", True),  # inlined as a volatile expression
    (_RANDOM + "ALTER FUNCTION r(int) IMMUTABLE;\n", "r(1)", False),  # not inlined: immutable
    (_RANDOM + "ALTER FUNCTION r(int) STABLE;\n", "r(1)", False),
]

#: (what runs before, an index's key, whether the server refuses it)
ALTERED_INDEXES = [
    (_MUTABLE.format(volatility="IMMUTABLE"), "m(c)", False),  # not inlined: immutable
    (_MUTABLE.format(volatility="IMMUTABLE") + "ALTER FUNCTION m(int) STABLE;\n", "m(c)",
     True),  # inlined as a stable expression
    (_MUTABLE.format(volatility="STABLE") + "ALTER FUNCTION m(int) IMMUTABLE;\n", "m(c)",
     False),
    (_strict("s", "a int", "SELECT a + 1") + "ALTER FUNCTION s(int) CALLED ON NULL INPUT;\n",
     "s(c)", False),
    (_strict("s", "a int", "SELECT coalesce(a, 0)") +
     "ALTER FUNCTION s(int) CALLED ON NULL INPUT;\n", "s(c)", False),  # inlined now
    (_CALLED + "ALTER FUNCTION s(int) STRICT;\n", "s(c)", True),  # runs, VOLATILE
]


#: (the function, the default an added column takes, whether the table is rewritten)
DEFAULTS = [
    # STRICT, the body strict in its one parameter: inlined, immutable
    (_strict("s", "a int", "SELECT a + 1"), "s(1)", False),
    (_strict("s", "a int", "SELECT length(a::text)"), "s(1)", False),
    (_strict("s", "a int", "SELECT (NOT (a > 0))::int"), "s(1)", False),
    (_strict("s", "a text", "SELECT length(a || 'x')"), "s('a')", False),
    (_strict("s", "a int DEFAULT 3", "SELECT a * 2"), "s()", False),
    (_strict("s", "", "SELECT 5"), "s()", False),
    (_strict("s", "a timestamptz", "SELECT extract(day FROM a)::int"), "s(now())", False),
    # STRICT, and a construct that may give a value for NULL, or a parameter not read:
    # not inlined, the function runs as it is declared, VOLATILE
    (_strict("s", "a int", "SELECT coalesce(a, 0)"), "s(1)", True),
    (_strict("s", "a int, b int", "SELECT a + 1"), "s(1, 2)", True),
    (_strict("s", "a int", "SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END"), "s(1)", True),
    (_strict("s", "a text", "SELECT length(concat(a, 'x'))"), "s('a')", True),
    (_strict("s", "a int", "SELECT (a > 0 AND a < 5)::int"), "s(1)", True),
    (_strict("s", "a int", "SELECT (a IS NULL)::int"), "s(1)", True),
    (_strict("s", "a int", "SELECT greatest(a, 1)"), "s(1)", True),
    (_strict("s", "a int", "SELECT nullif(a, 1)"), "s(1)", True),
    (_strict("s", "a int", "SELECT (ARRAY[a])[1]"), "s(1)", True),
    (_strict("s", "a int[]", "SELECT cardinality(a || 1)"), "s('{1}')", True),  # array_append
    # inlined as a volatile expression
    (_strict("s", "a int", "SELECT a + (random() * 0)::int"), "s(1)", True),
]

TWICE = ("CREATE FUNCTION twice(a int) RETURNS int VOLATILE LANGUAGE sql AS 'SELECT a + a';\n"
         "CREATE FUNCTION costly() RETURNS int STABLE LANGUAGE plpgsql AS "
         "$$ BEGIN RETURN 1; END $$;\n"
         "CREATE FUNCTION cheap() RETURNS int STABLE LANGUAGE sql AS 'SELECT 1';\n")
DAY = "extract(day FROM now())::int"

#: (a parameter read twice: the default, whether the table is rewritten)
READ_TWICE = [
    (f"twice({DAY})", False),  # stable and three operators: inlined
    ("twice(cheap())", False),  # a SQL function inlined first: a constant
    ("twice(costly())", True),  # a PL/pgSQL call costs 100: not inlined
    (f"twice({DAY} + {DAY} + {DAY})", True),  # eleven operators: not inlined
    ("twice((random() * 10)::int)", True),  # volatile: not inlined
]


def _facts(setup: str, sql: str) -> dict:
    """The facts of the first action of `sql`, after SETUP and `setup` (their own
    migration)."""
    reports = lint_migrations([migration_from_text(SETUP + setup, "0001_m.sql"),
                               migration_from_text(sql + ";\n", "0002_m.sql")],
                              LintOptions(), Catalog())
    return reports[-1].statements[-1].effect.actions[0].facts


CASES = [*DEFAULTS, *((TWICE, default, rewrites) for default, rewrites in READ_TWICE),
         *ALTERED_INLINED]


@pytest.mark.parametrize(("setup", "default", "rewrites"), CASES)
def test_a_default_is_judged_as_the_planner_inlines_it(setup: str, default: str,
                                                      rewrites: bool) -> None:
    facts = _facts(setup, f"ALTER TABLE t ADD COLUMN d int DEFAULT {default}")
    assert facts["rewrites"] is rewrites
    assert facts["default_volatile"] is rewrites


@pytest.mark.postgres
@pytest.mark.parametrize(("setup", "default", "rewrites"), CASES)
def test_the_server_rewrites_the_table_so(pg_db: str, setup: str, default: str,
                                          rewrites: bool) -> None:
    assert server_rewrites(pg_db, SETUP + setup, default) is rewrites


#: (the function, an UPDATE's WHERE, whether it reads all of t: a volatile call is no key)
WHERES = [
    (_strict("k", "", "SELECT 5"), "id = k()", False),  # inlined: the constant 5
    (_strict("k", "", "SELECT coalesce(5, 0)"), "id = k()", True),  # not inlined
]


@pytest.mark.parametrize(("setup", "where", "scans"), WHERES)
def test_a_where_calling_a_strict_sql_function_is_judged_as_inlined(setup: str, where: str,
                                                                   scans: bool) -> None:
    assert _facts(setup, f"UPDATE t SET a = 1 WHERE {where}")["where_scans_table"] is scans


@pytest.mark.postgres
@pytest.mark.parametrize(("setup", "where", "scans"), WHERES)
def test_the_server_looks_the_key_up_so(pg_db: str, setup: str, where: str,
                                        scans: bool) -> None:
    assert server_scans(pg_db, SETUP + setup, where) is scans


#: (the function, an index's key expression, whether the server refuses the index: once
#: inlined the expression must be immutable; a call not inlined, its function)
INDEXES = [
    (_strict("s", "a int", "SELECT a + 1"), "s(c)", False),
    (_strict("s", "a int", "SELECT coalesce(a, 0)"), "s(c)", True),
    (_strict("s", "a int, b int", "SELECT a + 1"), "s(c, id)", True),
    (_strict("s", "a int", "SELECT a + (random() * 0)::int"), "s(c)", True),
    (TWICE, "twice(c)", False),  # a column is cheap: inlined
    (TWICE, "twice(costly())", True),
    *ALTERED_INDEXES,
]


@pytest.mark.parametrize(("setup", "key", "refused"), INDEXES)
def test_an_index_calling_a_sql_function_is_judged_as_inlined(setup: str, key: str,
                                                             refused: bool) -> None:
    facts = _facts(setup, f"CREATE INDEX t_k ON t (({key}))")
    assert bool(facts.get("refused_not_immutable")) is refused


@pytest.mark.postgres
@pytest.mark.parametrize(("setup", "key", "refused"), INDEXES)
def test_the_server_refuses_the_index_so(pg_db: str, setup: str, key: str,
                                         refused: bool) -> None:
    assert server_refuses_index(pg_db, SETUP + setup, key) is refused


# --- fix-pg83: the migrations' own functions' STRICT and COST ------------------------------

_INNER = ("CREATE FUNCTION inner_f(a int) RETURNS int IMMUTABLE {strict} LANGUAGE {language}"
          " AS '{body}';\n")
_PLPGSQL = {"language": "plpgsql", "body": "BEGIN RETURN a; END"}
_SQL = {"language": "sql", "body": "SELECT a"}
_OUTER = _strict("s", "a int", "SELECT inner_f(a)")
_COSTLY = ("CREATE FUNCTION costly() RETURNS int STABLE LANGUAGE plpgsql {cost}"
           " AS 'BEGIN RETURN 1; END';\n"
           "CREATE FUNCTION twice(a int) RETURNS int VOLATILE LANGUAGE sql AS 'SELECT a + a';\n")

#: (what runs before, the default an added column takes, whether the table is rewritten)
OWN_OPTIONS = [
    # a STRICT body calling a function of the migrations: inlined when that one is STRICT
    (_INNER.format(strict="STRICT", **_PLPGSQL) + _OUTER, "s(1)", False),
    (_INNER.format(strict="", **_PLPGSQL) + _OUTER, "s(1)", True),
    (_INNER.format(strict="RETURNS NULL ON NULL INPUT", **_PLPGSQL) + _OUTER, "s(1)", False),
    (_INNER.format(strict="STRICT", **_SQL) + _OUTER, "s(1)", False),
    (_INNER.format(strict="", **_SQL) + _OUTER, "s(1)", True),
    (_INNER.format(strict="", **_PLPGSQL) + "ALTER FUNCTION inner_f(int) STRICT;\n" + _OUTER,
     "s(1)", False),
    (_INNER.format(strict="STRICT", **_PLPGSQL) +
     "ALTER FUNCTION inner_f(int) CALLED ON NULL INPUT;\n" + _OUTER, "s(1)", True),
    # a value read twice: a function of the migrations costs its COST
    (_COSTLY.format(cost=""), "twice(costly())", True),
    (_COSTLY.format(cost="COST 1"), "twice(costly())", False),
    (_COSTLY.format(cost="COST 10"), "twice(costly())", False),
    (_COSTLY.format(cost="COST 11"), "twice(costly())", True),
    (_COSTLY.format(cost="COST 9"), "twice(costly() + 1)", False),
    (_COSTLY.format(cost="COST 10"), "twice(costly() + 1)", True),
    (_COSTLY.format(cost="") + "ALTER FUNCTION costly() COST 1;\n", "twice(costly())", False),
    (_COSTLY.format(cost="COST 1") + "ALTER FUNCTION costly() COST 100;\n", "twice(costly())",
     True),
    (_COSTLY.format(cost="COST 1") + "ALTER FUNCTION costly() STABLE;\n", "twice(costly())",
     False),
]


@pytest.mark.parametrize(("setup", "default", "rewrites"), OWN_OPTIONS)
def test_the_migrations_functions_strict_and_cost_are_read(setup: str, default: str,
                                                           rewrites: bool) -> None:
    facts = _facts(setup, f"ALTER TABLE t ADD COLUMN d int DEFAULT {default}")
    assert facts["rewrites"] is rewrites


@pytest.mark.postgres
@pytest.mark.parametrize(("setup", "default", "rewrites"), OWN_OPTIONS)
def test_the_server_reads_them_so(pg_db: str, setup: str, default: str, rewrites: bool) -> None:
    assert server_rewrites(pg_db, SETUP + setup, default) is rewrites

