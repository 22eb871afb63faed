"""A call of a function or procedure an earlier migration (or statement) dropped (checked on
18.6, fix-pg90): `SELECT f(1)`, a DEFAULT `g()`, a CHECK or an index expression calling it,
`CALL p()`, CREATE TRIGGER ... EXECUTE FUNCTION tf(): the server refuses each, 42883
"function f(integer) does not exist" (the name as written, the arguments' types as
format_type() prints them, "unknown" for an untyped string; "procedure p() does not exist";
HINT "No function matches the given name and argument types. You might need to add
explicit type casts.", none for the trigger). The conflict graph says it (missing-object),
naming the dropped overload and the server's message. Of a function a DROP left other
overloads of, a call that none of them takes is refused too ("function f(integer) does not
exist" with f(text) left), while one they take runs (`f('a')`, `f(NULL)`, `k(1)` of a
k(bigint)): only the first is said."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.graph.build import build_graph
from server_helpers import server_error

MADE = ("CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x';\n"
        "CREATE FUNCTION g() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';\n"
        "CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';\n"
        "CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql "
        "AS $$BEGIN RETURN NEW; END$$;\n"
        "CREATE TABLE t (id int);\n")
DROPPED = ("DROP FUNCTION f(int);\nDROP FUNCTION g();\nDROP PROCEDURE p();\n"
           "DROP FUNCTION tf();\n")
#: f(int) dropped, f(text) left; k(int) dropped, k(bigint) left.
OVERLOADS = ("CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x';\n"
             "CREATE FUNCTION f(x text) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 1';\n"
             "CREATE FUNCTION k(x int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT x';\n"
             "CREATE FUNCTION k(x bigint) RETURNS int LANGUAGE sql IMMUTABLE "
             "AS 'SELECT 1';\n")
OVERLOAD_DROPPED = "DROP FUNCTION f(int);\nDROP FUNCTION k(int);\n"

#: (the migrations before, the statement, the server's message; "" when it runs, None when
#: lint does not quote it).
CASES = {
    "select": (MADE, DROPPED, "SELECT f(1);", "function f(integer) does not exist"),
    "select_qualified": (MADE, DROPPED, "SELECT public.g();",
                         "function public.g() does not exist"),
    "an_untyped_string": (MADE, DROPPED, "SELECT f('a');", "function f(unknown) does not exist"),
    "a_default": (MADE, DROPPED, "CREATE TABLE u (id int DEFAULT g());",
                  "function g() does not exist"),
    "a_check": (MADE, DROPPED, "ALTER TABLE t ADD CONSTRAINT c CHECK (f(id) > 0);", None),
    "an_index": (MADE, DROPPED, "CREATE INDEX t_f ON t (f(id));", None),
    "call": (MADE, DROPPED, "CALL p();", "procedure p() does not exist"),
    "a_trigger": (MADE, DROPPED,
                  "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION tf();",
                  "function tf() does not exist"),
    "an_overload_left_that_does_not_take_it": (
        OVERLOADS, OVERLOAD_DROPPED, "SELECT f(1);", "function f(integer) does not exist"),
    "an_overload_left_that_takes_a_string": (OVERLOADS, OVERLOAD_DROPPED, "SELECT f('a');", ""),
    "an_overload_left_that_takes_null": (OVERLOADS, OVERLOAD_DROPPED, "SELECT f(NULL);", ""),
    "an_overload_left_that_takes_it_by_a_cast": (
        OVERLOADS, OVERLOAD_DROPPED, "SELECT k(1);", ""),
    "created_again": (MADE, DROPPED + "CREATE FUNCTION g() RETURNS int LANGUAGE sql "
                      "AS 'SELECT 2';\n", "SELECT g();", ""),
    "created_again_as_another_overload": (
        MADE, DROPPED + "CREATE FUNCTION f(x bigint) RETURNS int LANGUAGE sql "
        "AS 'SELECT 2';\n", "SELECT f(1);", ""),
}


def _missing(tmp_path: Path, made: str, dropped: str, sql: str) -> list[str]:
    """The explanations of the graph's missing-object conflicts at the statement, which a
    later migration runs after those of `made` and `dropped`."""
    for name, text in (("1_made.sql", made), ("2_dropped.sql", dropped), ("3_use.sql", sql)):
        (tmp_path / name).write_text(text + "\n")
    return [c.explanation for c in build_graph(discover(tmp_path)).conflicts
            if c.kind == "missing-object" and c.locations[-1].migration == "3_use"]


@pytest.mark.parametrize("case", CASES)
def test_the_graph_says_what_the_server_refuses(tmp_path: Path, case: str) -> None:
    made, dropped, sql, error = CASES[case]
    found = _missing(tmp_path, made, dropped, sql)
    if error == "":
        assert found == []
        return
    assert len(found) == 1, found
    assert "dropped in 2_dropped" in found[0]
    if error is not None:
        assert found[0].endswith(f'PostgreSQL stops with "{error}"')
    else:
        assert "stops with" not in found[0]


def test_the_dropped_overload_is_named(tmp_path: Path) -> None:
    (said,) = _missing(tmp_path, MADE, DROPPED, "SELECT f(1);")
    assert said.startswith("3_use uses function public.f(integer), which was dropped in 2_dropped")
    (said,) = _missing(tmp_path, OVERLOADS, OVERLOAD_DROPPED, "SELECT f(1);")
    assert "whose function public.f(integer) was dropped in 2_dropped" in said
    assert "(public.f(text))" in said


@pytest.mark.postgres
def test_the_server_refuses_so(pg_db: str) -> None:
    reset = "DROP SCHEMA public CASCADE; CREATE SCHEMA public"
    for made, dropped, sql, message in CASES.values():
        error = server_error(pg_db, [reset, made + dropped], sql)
        if message == "":
            assert error is None, sql
            continue
        assert error is not None and error.sqlstate == "42883", sql
        if message is not None:
            assert error.diag.message_primary == message
