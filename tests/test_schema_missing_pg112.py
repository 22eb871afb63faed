"""CREATE of any kind into a schema that is not there (fix-pg112), held against the embedded
server: a view, materialized view, CREATE TABLE AS, sequence, type, domain, function or
procedure written into a schema a migration dropped, or made only later, fails with 3F000
`schema "s" does not exist` (IF NOT EXISTS or OR REPLACE too), as fix-pg111 found for CREATE
TABLE: the conflict graph says so. Unqualified, after DROP SCHEMA public, the server stops
with 3F000 "no schema has been selected to create in" when the search_path leaves no other
schema to create in. An index, and a trigger's function, named in a schema dropped with
CASCADE fail on the schema too (3F000 before the 42P01 or 42883 of what went with it)."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.graph.model import MigrationGraph
from server_helpers import server_message


def _graph(history: list[str]) -> MigrationGraph:
    """The conflict graph of `history`, one migration a statement text."""
    from lockwise.graph.build import build_graph

    return build_graph([migration_from_text(text, f"000{i}_m.sql")
                        for i, text in enumerate(history, 1)])


#: What an earlier migration leaves: schema s made (with a table elsewhere), then dropped.
_MADE, _DROPPED = "CREATE SCHEMA s; CREATE TABLE t (a int)", "DROP SCHEMA s"

#: Statements that make something in schema s, which the server refuses when s is gone.
CREATES = [
    "CREATE VIEW s.v AS SELECT 1 AS a",
    "CREATE OR REPLACE VIEW s.v AS SELECT 1 AS a",
    "CREATE MATERIALIZED VIEW s.m AS SELECT 1 AS a",
    "CREATE MATERIALIZED VIEW IF NOT EXISTS s.m AS SELECT 1 AS a WITH NO DATA",
    "CREATE TABLE s.u AS SELECT 1 AS a",
    "CREATE TABLE IF NOT EXISTS s.u AS SELECT a FROM t",
    "SELECT 1 AS a INTO s.u",
    "CREATE SEQUENCE s.q",
    "CREATE SEQUENCE IF NOT EXISTS s.q",
    "CREATE TYPE s.e AS ENUM ('a')",
    "CREATE TYPE s.k AS (a int)",
    "CREATE TYPE s.r AS RANGE (subtype = int4)",
    "CREATE DOMAIN s.d AS int",
    "CREATE FUNCTION s.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE OR REPLACE FUNCTION s.f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "CREATE PROCEDURE s.p() LANGUAGE sql AS 'SELECT 1'",
]


@pytest.mark.parametrize("sql", CREATES)
def test_a_create_into_a_dropped_schema_is_a_missing_object(pg_db: str, sql: str) -> None:
    assert server_message(pg_db, [_MADE, _DROPPED], sql) == 'schema "s" does not exist'
    graph = _graph([_MADE, _DROPPED, sql])
    assert [(c.kind, c.object) for c in graph.conflicts] == [("missing-object", "schema:s")]
    assert 'PostgreSQL stops with "schema "s" does not exist"' in \
        graph.conflicts[0].explanation


@pytest.mark.parametrize("sql", CREATES)
def test_a_create_before_its_schema_is_made_is_a_missing_object(pg_db: str, sql: str) -> None:
    assert server_message(pg_db, "CREATE TABLE t (a int)", sql) == 'schema "s" does not exist'
    history = ["CREATE TABLE t (a int)", sql, "CREATE SCHEMA s"]
    graph = _graph(history)
    assert [(c.kind, c.object) for c in graph.conflicts] == [("missing-object", "schema:s")]


@pytest.mark.parametrize("sql", CREATES)
def test_a_create_into_a_schema_there_is_no_conflict(pg_db: str, sql: str) -> None:
    assert server_message(pg_db, _MADE, sql) == ""
    for history in ([_MADE, sql], ["CREATE TABLE t (a int)", sql],  # (s made outside)
                    [_MADE, _DROPPED, "CREATE SCHEMA s", sql],
                    ["CREATE TABLE t (a int)", sql, "CREATE SCHEMA IF NOT EXISTS s"]):
        graph = _graph(history)
        assert graph.conflicts == [], history


#: An index lives in its table's schema, and a trigger calls the function it names: after
#: DROP SCHEMA s CASCADE the server looks the schema written up first and stops there
#: (3F000, not the 42P01 or 42883 of the relation or function gone): the graph said them
#: missing before, now with the server's message.
GONE_WITH_THE_SCHEMA = [
    ("CREATE INDEX i ON s.w (a)", "table:s.w"),
    ("CREATE TRIGGER g BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION s.tf()",
     "function:s.tf"),
    ("ALTER TABLE s.w ADD COLUMN b int", "table:s.w"),
]


@pytest.mark.parametrize(("sql", "obj"), GONE_WITH_THE_SCHEMA)
def test_what_went_with_the_schema_is_said_missing_as_the_server_says(pg_db: str, sql: str,
                                                                      obj: str) -> None:
    made = (f"{_MADE}; CREATE TABLE s.w (a int); CREATE FUNCTION s.tf() RETURNS trigger "
            "LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END'")
    history = [made, "DROP SCHEMA s CASCADE", sql]
    assert server_message(pg_db, history[:-1], sql) == 'schema "s" does not exist'
    graph = _graph(history)
    (missing,) = [c for c in graph.conflicts if c.kind == "missing-object"]
    assert missing.object == obj
    assert missing.explanation.endswith('PostgreSQL stops with "schema "s" does not exist"')


def test_an_unqualified_name_in_a_dropped_schema_keeps_its_own_message(pg_db: str) -> None:
    # (a function of public gone: its own message, the schema there)
    history = ["CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS "
               "'BEGIN RETURN NEW; END'; CREATE TABLE t (a int)", "DROP FUNCTION tf()",
               "CREATE TRIGGER g BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION tf()"]
    assert server_message(pg_db, history[:-1], history[-1]) == "function tf() does not exist"
    graph = _graph(history)
    (missing,) = [c for c in graph.conflicts if c.kind == "missing-object"]
    assert missing.explanation.endswith('PostgreSQL stops with "function tf() does not exist"')


def _unqualified(sql: str) -> str:
    """`sql` (one of CREATES) with what it makes named without its schema."""
    return sql.replace(" s.", " ", 1)


_NO_SCHEMA = "no schema has been selected to create in"


@pytest.mark.parametrize("sql", CREATES)
@pytest.mark.parametrize("path", ["", "SET search_path = public", 'SET search_path = "$user"'
                                  ", public"])
def test_an_unqualified_create_after_public_is_dropped(pg_db: str, sql: str, path: str) -> None:
    made, dropped = "CREATE TABLE t (a int)", "DROP SCHEMA public CASCADE"
    failing = _unqualified(sql).replace("a FROM t", "1 AS a")  # (t went with public)
    setup = [made, dropped, *([path] if path else [])]
    assert server_message(pg_db, setup, failing) == _NO_SCHEMA
    history = [made, dropped, f"{path}; {failing}" if path else failing]
    graph = _graph(history)
    missing = [c for c in graph.conflicts if c.kind == "missing-object"]
    assert [c.object for c in missing] == ["schema:public"]
    assert missing[0].explanation.endswith(f'PostgreSQL stops with "{_NO_SCHEMA}"')


#: After DROP SCHEMA public, an unqualified CREATE the server runs: made again, another
#: schema of the path there (s), one lockwise never saw made (it may be there), temporary.
PUBLIC_GONE_BUT_RUNS = [
    ("CREATE SCHEMA public", "CREATE TABLE u (a int)"),
    ("SET search_path = s, public", "CREATE TABLE u (a int)"),
    ("SET search_path = public, s", "CREATE VIEW v AS SELECT 1 AS a"),
    ("SET search_path = public, s", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'"),
    ("SET search_path = elsewhere, public", "CREATE SEQUENCE q"),
    ("SET search_path = public", "CREATE TEMP TABLE u (a int)"),
    ("SET search_path = public", "CREATE TABLE pg_temp.u (a int)"),
]


@pytest.mark.parametrize(("between", "sql"), PUBLIC_GONE_BUT_RUNS)
def test_an_unqualified_create_with_a_schema_to_go_to_is_no_conflict(
        pg_db: str, between: str, sql: str) -> None:
    made, dropped = "CREATE SCHEMA s; CREATE TABLE t (a int)", "DROP SCHEMA public CASCADE"
    setup = [made, dropped, between]
    if "elsewhere" in between:  # (made outside the migrations: the server creates there)
        setup.insert(0, "CREATE SCHEMA elsewhere")
    assert server_message(pg_db, setup, sql) == ""
    graph = _graph([made, dropped, f"{between}; {sql}"])
    assert [c for c in graph.conflicts if c.kind == "missing-object"] == []
