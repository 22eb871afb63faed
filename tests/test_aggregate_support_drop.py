"""DROP FUNCTION of a function an aggregate runs (its SFUNC, FINALFUNC, COMBINEFUNC, ...)
without CASCADE: the server refuses it while the aggregate is there (2BP01 "cannot drop
function acc(integer,integer) because other objects depend on it", DETAIL "function
total(integer) depends on function acc(integer,integer)"), lockwise's
`refused_function_drop` (rule drop-function-refused; fix-pg96); so is DROP AGGREGATE of
one a view or a SQL-standard function body calls (fix-pg98). Their steps drop what calls
the aggregate (a view, a function), then the aggregate, after which the DROP runs. Each
verdict is held
against the embedded server; what lockwise lets pass runs."""

from __future__ import annotations

import pytest

from effect_helpers import refusal_facts
from lockwise.lint import LintOptions
from server_helpers import refused_until_steps, server_error

ACC = ("CREATE FUNCTION acc(s integer, v integer) RETURNS integer LANGUAGE sql IMMUTABLE "
       "AS 'SELECT s + v';\n")
FIN = "CREATE FUNCTION fin(s integer) RETURNS integer LANGUAGE sql IMMUTABLE AS 'SELECT s';\n"
AGG = ACC + "CREATE AGGREGATE total(integer) (SFUNC = acc, STYPE = integer);\n"
VIEW = "CREATE TABLE t (x integer);\nCREATE VIEW sums AS SELECT total(x) AS s FROM t;\n"
ATOMIC = "CREATE TABLE t (x integer);\nCREATE FUNCTION f2() RETURNS integer LANGUAGE sql " \
    "BEGIN ATOMIC SELECT total(x) FROM t; END;\n"
OPTIONS = LintOptions(pg_version=18, pg_version_stated=True)

#: (setup, DROP, the dropped function's name, the DETAIL's lines).
REFUSED = [
    (AGG, "DROP FUNCTION acc(integer, integer);", "acc",
     {"function total(integer) depends on function acc(integer,integer)"}),
    (AGG, "DROP FUNCTION acc;", "acc",
     {"function total(integer) depends on function acc(integer,integer)"}),
    (ACC + FIN + "CREATE AGGREGATE final_total(integer) "
     "(SFUNC = acc, STYPE = integer, FINALFUNC = fin);\n", "DROP FUNCTION fin(integer);", "fin",
     {"function final_total(integer) depends on function fin(integer)"}),
    (FIN + "CREATE AGGREGATE rows_seen(*) (SFUNC = public.fin, STYPE = integer);\n",
     "DROP FUNCTION fin(int4);", "fin",
     {"function rows_seen() depends on function fin(integer)"}),
    (AGG + VIEW, "DROP FUNCTION acc(integer, integer);", "acc",
     {"function total(integer) depends on function acc(integer,integer)",
      "view sums depends on function total(integer)"}),
    # DROP AGGREGATE of one a view calls
    (AGG + VIEW, "DROP AGGREGATE total(integer);", "total",
     {"view sums depends on function total(integer)"}),
    (AGG + VIEW + "CREATE VIEW more_sums AS SELECT s + 1 AS s FROM sums;\n",
     "DROP AGGREGATE total(int4);", "total", {"view sums depends on function total(integer)",
                                              "view more_sums depends on view sums"}),
    # a SQL-standard body calling the aggregate depends on it (fix-pg98)
    (AGG + ATOMIC, "DROP AGGREGATE total(integer);", "total",
     {"function f2() depends on function total(integer)"}),
    (AGG + ATOMIC + "CREATE FUNCTION f3() RETURNS integer LANGUAGE sql "
     "RETURN (SELECT total(x) FROM t);\nCREATE FUNCTION f5() RETURNS integer LANGUAGE sql "
     "RETURN f2();\nCREATE VIEW v AS SELECT f3() AS a;\n", "DROP AGGREGATE total(integer);",
     "total", {"function f2() depends on function total(integer)",
               "function f3() depends on function total(integer)",
               "function f5() depends on function f2()", "view v depends on function f3()"}),
    (AGG + ATOMIC, "DROP FUNCTION acc(integer, integer);", "acc",
     {"function total(integer) depends on function acc(integer,integer)",
      "function f2() depends on function total(integer)"}),
]

#: (setup, DROP): the server runs it, and lockwise says nothing.
RUNS = [
    (AGG, "DROP FUNCTION acc(integer, integer) CASCADE;"),
    (AGG + "DROP AGGREGATE total(integer);\n", "DROP FUNCTION acc(integer, integer);"),
    (AGG + "DROP ROUTINE total(integer);\n", "DROP FUNCTION acc(integer, integer);"),
    (AGG + "DO $$ BEGIN EXECUTE 'DROP AGGREGATE ' || 'total(integer)'; END $$;\n",
     "DROP FUNCTION acc(integer, integer);"),
    # the aggregate runs the function renamed away, not the new one of its old name
    (AGG + "ALTER FUNCTION acc(integer, integer) RENAME TO acc_old;\n" + ACC,
     "DROP FUNCTION acc(integer, integer);"),
    (AGG + "CREATE FUNCTION acc(s bigint, v bigint) RETURNS bigint LANGUAGE sql "
     "AS 'SELECT s + v';\n", "DROP FUNCTION acc(bigint, bigint);"),
    (AGG + VIEW, "DROP AGGREGATE total(integer) CASCADE;"),
    (AGG + VIEW + "DROP VIEW sums;\n", "DROP AGGREGATE total(integer);"),
    (AGG + VIEW + "DO $$ BEGIN EXECUTE 'DROP VIEW ' || 'sums'; END $$;\n",
     "DROP AGGREGATE total(integer);"),
    (AGG, "DROP AGGREGATE total(integer);"),
    # a string body is not analyzed for what it calls: no dependency (fix-pg98)
    (AGG + "CREATE TABLE t (x integer);\nCREATE FUNCTION f4() RETURNS integer LANGUAGE sql "
     "AS 'SELECT total(x) FROM t';\n", "DROP AGGREGATE total(integer);"),
    (AGG + ATOMIC + "DROP FUNCTION f2();\n", "DROP AGGREGATE total(integer);"),
]


@pytest.mark.parametrize(("setup", "sql", "function", "detail"), REFUSED)
def test_a_function_an_aggregate_runs_is_refused_and_its_steps_let_the_drop_run(
        pg_db: str, setup: str, sql: str, function: str, detail: set[str]) -> None:
    facts = refusal_facts(setup, sql, "refused_function_drop", OPTIONS)
    assert set(str(facts.get("refused_function_drop_text", "")).split("; ")) == detail
    # (the last step is the drop itself: the function is gone after them)
    gone = (f"DO $$ BEGIN IF EXISTS (SELECT FROM pg_proc WHERE proname = '{function}') THEN "
            "RAISE 'kept'; END IF; END $$")
    refused, after = refused_until_steps(pg_db, setup, sql,
                                         str(facts["refused_function_drop_sql"]), gone)
    assert refused is not None and refused.sqlstate == "2BP01"
    assert set(str(refused.diag.message_detail).splitlines()) == detail
    assert after is None


@pytest.mark.parametrize(("setup", "sql"), RUNS)
def test_a_function_no_kept_aggregate_runs_drops_and_is_not_reported(
        pg_db: str, setup: str, sql: str) -> None:
    assert server_error(pg_db, setup, sql) is None
    assert refusal_facts(setup, sql, "refused_function_drop", OPTIONS) == {}
