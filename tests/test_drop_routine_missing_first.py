"""DROP FUNCTION / PROCEDURE / AGGREGATE / ROUTINE of several routines, one of them surely
not there (fix-pg105): the server looks each up in the order written and stops at the first
it cannot drop, a missing one (42883 "function nosuch(integer) does not exist", skipped
with IF EXISTS) or one of another kind (42809, IF EXISTS or not). lockwise gives that one
error: the kind refusal (drop-routine-kind-refused) when it comes first, else the graph's
missing-object of the routine an earlier DROP took away. Every order of {of its kind,
missing, of another kind} for each DROP, with and without IF EXISTS, runs on the embedded
server too (checked on 18.6)."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from effect_helpers import refusal_facts
from lockwise.discover import discover
from lockwise.graph.build import build_graph
from server_helpers import server_error

SETUP = ("CREATE FUNCTION fn(a int) RETURNS int LANGUAGE sql AS 'SELECT a';\n"
         "CREATE PROCEDURE pr(a int) LANGUAGE sql AS 'SELECT 1';\n"
         "CREATE AGGREGATE ag(int) (SFUNC = int4pl, STYPE = int);\n"
         "CREATE FUNCTION gone(a int) RETURNS int LANGUAGE sql AS 'SELECT a';\n"
         "DROP FUNCTION gone(int);\n"
         "CREATE AGGREGATE gonea(int) (SFUNC = int4pl, STYPE = int);\n"
         "DROP AGGREGATE gonea(int);\n")

#: DROP's kind -> (a routine of that kind, one of another kind (ROUTINE finds any kind), one
#: an earlier DROP took away, the graph's key of it).
ROUTINES = {"FUNCTION": ("fn(int)", "pr(int)", "gone(int)", "function:public.gone"),
            "PROCEDURE": ("pr(int)", "fn(int)", "gone(int)", "function:public.gone"),
            "AGGREGATE": ("ag(int)", "fn(int)", "gonea(int)", "other:public.gonea"),
            "ROUTINE": ("fn(int)", "pr(int)", "gone(int)", "function:public.gone")}

CASES = [(kind, if_exists, order) for kind in ROUTINES for if_exists in ("", "IF EXISTS ")
         for order in itertools.permutations(("ok", "missing", "other"))]


def _drop(kind: str, if_exists: str, order: tuple[str, ...]) -> str:
    ok, other, missing, _ = ROUTINES[kind]
    written = {"ok": ok, "missing": missing, "other": other}
    return f"DROP {kind} {if_exists}{', '.join(written[o] for o in order)}"


def _lint_errors(tmp_path: Path, sql: str) -> tuple[str, list[str]]:
    """lockwise's refusal text of `sql` after SETUP, and the graph's conflicts of it."""
    facts = refusal_facts(SETUP, sql + ";", "refused_routine_kind_drop")
    (tmp_path / "1_setup.sql").write_text(SETUP)
    (tmp_path / "2_drop.sql").write_text(sql + ";\n")
    conflicts = [c for c in build_graph(discover(tmp_path)).conflicts
                 if c.locations[-1].migration == "2_drop"]
    return str(facts.get("refused_routine_kind_drop_text", "")), [
        f"{c.kind} {c.object}" for c in conflicts]


@pytest.mark.parametrize(("kind", "if_exists", "order"), CASES)
def test_the_first_routine_the_server_cannot_drop_is_the_one_error(
        pg_db: str, tmp_path: Path, kind: str, if_exists: str, order: tuple[str, ...]) -> None:
    sql = _drop(kind, if_exists, order)
    error = server_error(pg_db, SETUP, sql)
    kind_text, conflicts = _lint_errors(tmp_path, sql)
    if error is None:
        assert (kind_text, conflicts) == ("", [])
    elif error.sqlstate == "42809":
        assert (kind_text, conflicts) == (error.diag.message_primary, [])
    else:
        assert error.sqlstate == "42883"
        assert (kind_text, conflicts) == ("", [f"missing-object {ROUTINES[kind][3]}"])


@pytest.mark.parametrize(("setup", "sql"), [
    # made again, or moved onto the name: there again, so the kind is the error
    (SETUP + "CREATE FUNCTION gone(a int) RETURNS int LANGUAGE sql AS 'SELECT a';\n",
     "DROP FUNCTION gone(int), pr(int)"),
    (SETUP + "CREATE FUNCTION other(a int) RETURNS int LANGUAGE sql AS 'SELECT a';\n"
     "ALTER FUNCTION other(int) RENAME TO gone;\n", "DROP FUNCTION gone(int), pr(int)"),
    # code ran out of the replay's sight (it may have made it again); a procedure made after
    (SETUP + "DO $$ BEGIN EXECUTE format('CREATE FUNCTION %s(a int) RETURNS int LANGUAGE "
     "sql AS ''SELECT a''', 'gone'); END $$;\n"
     "CREATE PROCEDURE pq(a int) LANGUAGE sql AS 'SELECT 1';\n",
     "DROP FUNCTION gone(int), pq(int)"),
    # another overload of the name was never dropped: one made outside may be there
    (SETUP, "DROP FUNCTION gone(text), pr(int)"),
    # an aggregate took away is missed by DROP AGGREGATE only (as the graph says)
    (SETUP, "DROP FUNCTION gonea(int), pr(int)"),
])
def test_a_routine_that_may_be_there_leaves_the_kind_refusal(setup: str, sql: str) -> None:
    assert refusal_facts(setup, sql + ";", "refused_routine_kind_drop")[
        "refused_routine_kind_drop_text"].endswith("(integer) is not a function")


def test_a_missing_routine_before_the_kind_leaves_no_refusal_of_the_statement() -> None:
    assert refusal_facts(SETUP, "DROP FUNCTION gone(int), pr(int);",
                         "refused_routine_kind_drop") == {}
