"""Refused moves and renames, and schemas that are not there (fix-pg111), held against the
embedded server:

- a SET SCHEMA the server refuses for a name the new schema holds leaves the replay's
  catalog as it was (a sequence, a type or domain, a relation onto a name other than a
  table's, a routine, an aggregate), as a refused RENAME does;
- ALTER FUNCTION / PROCEDURE / AGGREGATE ... RENAME TO a signature a routine or aggregate of
  the schema holds is refused (42723, rule rename-onto-taken-name, with the server's
  message), and so is ALTER AGGREGATE ... SET SCHEMA onto one;
- a CREATE TABLE or SET SCHEMA into a schema a migration dropped, or made only later, fails
  (3F000): the conflict graph says so."""

from __future__ import annotations

import pytest

from effect_helpers import catalog_after, refusal_facts
from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from server_helpers import server_message


def _kept(catalog: Catalog) -> tuple:
    """What a move changes in the catalog: the relations, types and routines by name."""
    return (sorted(catalog.tables), sorted(catalog.indexes), sorted(catalog.sequences),
            sorted(catalog.enums), sorted(catalog.domains), sorted(catalog.composites),
            sorted((name, r.args) for name, kept in catalog.kept_routines.items() for r in kept),
            sorted((name, r.args) for name, kept in catalog.aggregates.items() for r in kept))


_AGG = "(sfunc = int4pl, stype = int)"

#: (the setup, after CREATE SCHEMA s; a SET SCHEMA the server refuses for a name s holds).
REFUSED_MOVES = [
    ("CREATE SEQUENCE q; CREATE TABLE s.q (a int)", "ALTER SEQUENCE q SET SCHEMA s"),
    ("CREATE TYPE e AS ENUM ('a'); CREATE DOMAIN s.e AS int", "ALTER TYPE e SET SCHEMA s"),
    ("CREATE DOMAIN d AS int; CREATE TYPE s.d AS ENUM ('a')", "ALTER DOMAIN d SET SCHEMA s"),
    ("CREATE TYPE k AS (a int); CREATE SEQUENCE s.k", "ALTER TYPE k SET SCHEMA s"),
    ("CREATE TABLE t (a int); CREATE SEQUENCE s.t", "ALTER TABLE t SET SCHEMA s"),
    ("CREATE TABLE t (a int); CREATE TYPE s.t AS ENUM ('a')", "ALTER TABLE t SET SCHEMA s"),
    ("CREATE TABLE t (c serial); CREATE TABLE s.t_c_seq (a int)", "ALTER TABLE t SET SCHEMA s"),
    ("CREATE TABLE t (c int PRIMARY KEY); CREATE SEQUENCE s.t_pkey",
     "ALTER TABLE t SET SCHEMA s"),
    ("CREATE VIEW v AS SELECT 1 AS a; CREATE SEQUENCE s.v", "ALTER VIEW v SET SCHEMA s"),
    ("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'; "
     "CREATE FUNCTION s.f(int) RETURNS int LANGUAGE sql AS 'SELECT 2'",
     "ALTER FUNCTION f(int) SET SCHEMA s"),
    (f"CREATE AGGREGATE a(int) {_AGG}; CREATE AGGREGATE s.a(int) {_AGG}",
     "ALTER AGGREGATE a(int) SET SCHEMA s"),
]


@pytest.mark.parametrize(("setup", "sql"), REFUSED_MOVES)
def test_a_refused_move_leaves_the_catalog_as_it_was(pg_db: str, setup: str, sql: str) -> None:
    setup = f"CREATE SCHEMA s; {setup}"
    assert "already exists in schema" in server_message(pg_db, setup, sql)
    assert _kept(catalog_after(f"{setup}; {sql}")) == _kept(catalog_after(setup))


def test_a_move_onto_a_free_name_is_still_replayed() -> None:
    setup = "CREATE SCHEMA s; CREATE TYPE e AS ENUM ('a'); CREATE SEQUENCE s.e"
    assert "s.e" in catalog_after(f"{setup}; ALTER TYPE e SET SCHEMA s").enums


#: (the setup; ALTER ... RENAME TO or SET SCHEMA of a routine or aggregate, which the server
#: refuses for the signature it would take, or runs: the facts say its message, or none).
ROUTINE_MOVES = [
    ("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'; "
     "CREATE FUNCTION g(int) RETURNS int LANGUAGE sql AS 'SELECT 2'",
     "ALTER FUNCTION f(int) RENAME TO g"),
    ("CREATE PROCEDURE p(int) LANGUAGE sql AS 'SELECT 1'; "
     "CREATE FUNCTION g(int) RETURNS int LANGUAGE sql AS 'SELECT 2'",
     "ALTER PROCEDURE p(int) RENAME TO g"),
    ("CREATE FUNCTION s.f(int, text) RETURNS int LANGUAGE sql AS 'SELECT 1'; "
     "CREATE FUNCTION s.g(int, text) RETURNS int LANGUAGE sql AS 'SELECT 2'",
     "ALTER FUNCTION s.g(int, text) RENAME TO f"),
    (f"CREATE AGGREGATE a(int) {_AGG}; "
     "CREATE FUNCTION b(int) RETURNS int LANGUAGE sql AS 'SELECT 2'",
     "ALTER AGGREGATE a(int) RENAME TO b"),
    (f"CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'; "
     f"CREATE AGGREGATE b(int) {_AGG}",
     "ALTER FUNCTION f(int) RENAME TO b"),
    ("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'",
     "ALTER FUNCTION f(int) RENAME TO f"),
    (f"CREATE AGGREGATE a(int) {_AGG}; "
     "CREATE FUNCTION s.a(int) RETURNS int LANGUAGE sql AS 'SELECT 2'",
     "ALTER AGGREGATE a(int) SET SCHEMA s"),
    (f"CREATE AGGREGATE a(int) {_AGG}; CREATE AGGREGATE s.a(int) {_AGG}",
     "ALTER AGGREGATE a(int) SET SCHEMA s"),
    (f"CREATE AGGREGATE a(int ORDER BY int) {_AGG}; "
     "CREATE FUNCTION s.a(int, int) RETURNS int LANGUAGE sql AS 'SELECT 2'",
     "ALTER AGGREGATE a(int ORDER BY int) SET SCHEMA s"),
    ("CREATE AGGREGATE a(*) (sfunc = int8inc, stype = int8, initcond = '0'); "
     "CREATE FUNCTION s.a() RETURNS int LANGUAGE sql AS 'SELECT 2'",
     "ALTER AGGREGATE a(*) SET SCHEMA s"),
    # ... and nothing else: an overload of other types, another schema's, a move home
    ("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'; "
     "CREATE FUNCTION g(text) RETURNS int LANGUAGE sql AS 'SELECT 2'",
     "ALTER FUNCTION f(int) RENAME TO g"),
    (f"CREATE AGGREGATE a(int) {_AGG}; CREATE AGGREGATE s.b(int) {_AGG}",
     "ALTER AGGREGATE a(int) RENAME TO b"),
    (f"CREATE AGGREGATE a(int) {_AGG}; CREATE FUNCTION s.a(text) RETURNS int LANGUAGE sql "
     "AS 'SELECT 2'", "ALTER AGGREGATE a(int) SET SCHEMA s"),
    (f"CREATE AGGREGATE a(int) {_AGG}", "ALTER AGGREGATE a(int) SET SCHEMA public"),
]


@pytest.mark.parametrize(("setup", "sql"), ROUTINE_MOVES)
def test_a_routine_moved_onto_a_taken_signature_is_refused_with_the_servers_message(
        pg_db: str, setup: str, sql: str) -> None:
    setup = f"CREATE SCHEMA s; {setup}"
    said = server_message(pg_db, setup, sql)
    facts = refusal_facts(setup, sql, "name_taken")
    fact = "rename_refused_text" if " RENAME " in sql else "set_schema_refused_text"
    assert facts.get(fact, "") == said
    if said:  # (and the replay moves nothing)
        assert _kept(catalog_after(f"{setup}; {sql}")) == _kept(catalog_after(setup))


def test_a_refused_routine_rename_is_reported_by_its_rule() -> None:
    from lockwise.lint import lint_migrations
    from lockwise.options import LintOptions

    setup = ("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'; "
             "CREATE FUNCTION g(int) RETURNS int LANGUAGE sql AS 'SELECT 2'")
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text("ALTER FUNCTION f(int) RENAME TO g",
                                                   "0002_rename.sql")],
                              LintOptions(), Catalog())
    (stmt,) = reports[-1].statements
    (found,) = [f for f in stmt.findings if f.rule == "rename-onto-taken-name"]
    assert found.message.startswith("function g(integer) exists already")


#: Histories whose last statement makes or moves something into schema s, which an earlier
#: migration dropped or only a later one makes: the server stops with 3F000.
MISSING_SCHEMA = [
    ["CREATE SCHEMA s; CREATE TABLE t (a int)", "DROP SCHEMA s", "CREATE TABLE s.u (a int)"],
    ["CREATE SCHEMA s; CREATE TABLE t (a int)", "DROP SCHEMA s",
     "CREATE TABLE IF NOT EXISTS s.u (a int)"],
    ["CREATE SCHEMA s; CREATE TABLE t (a int)", "DROP SCHEMA s; CREATE TABLE s.u (a int)"],
    ["CREATE TABLE t (a int)", "CREATE TABLE s.u (a int)", "CREATE SCHEMA s"],
    ["CREATE TABLE t (a int)", "ALTER TABLE t SET SCHEMA s", "CREATE SCHEMA s"],
    ["CREATE TYPE e AS ENUM ('a')", "ALTER TYPE e SET SCHEMA s", "CREATE SCHEMA s"],
    ["CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'",
     "ALTER FUNCTION f(int) SET SCHEMA s", "CREATE SCHEMA s"],
]


@pytest.mark.parametrize("history", MISSING_SCHEMA)
def test_a_use_of_a_schema_not_there_is_a_missing_object(pg_db: str,
                                                         history: list[str]) -> None:
    from lockwise.graph.build import build_graph

    # (the statement that fails: the last one, or the one before a later CREATE SCHEMA)
    *before, failing = history if history[-1] != "CREATE SCHEMA s" else history[:-1]
    assert server_message(pg_db, before, failing) == 'schema "s" does not exist'
    graph = build_graph([migration_from_text(sql, f"000{i}_m.sql")
                         for i, sql in enumerate(history, 1)])
    assert [(c.kind, c.object) for c in graph.conflicts] == [("missing-object", "schema:s")]
    assert 'PostgreSQL stops with "schema "s" does not exist"' in \
        graph.conflicts[0].explanation


#: Histories the server runs: nothing said.
SCHEMA_THERE = [
    ["CREATE SCHEMA s; CREATE TABLE t (a int)", "CREATE TABLE s.u (a int)"],
    ["CREATE SCHEMA s", "DROP SCHEMA s", "CREATE SCHEMA s", "CREATE TABLE s.u (a int)"],
    ["CREATE TABLE t (a int)", "CREATE TABLE s.u (a int)"],  # (s made outside: not said)
    ["CREATE TABLE s.u (a int)", "CREATE SCHEMA IF NOT EXISTS s"],
    ["CREATE TABLE t (a int)", "CREATE TABLE public.u (a int)"],
]


@pytest.mark.parametrize("history", SCHEMA_THERE)
def test_a_schema_there_is_no_conflict(history: list[str]) -> None:
    from lockwise.graph.build import build_graph

    graph = build_graph([migration_from_text(sql, f"000{i}_m.sql")
                         for i, sql in enumerate(history, 1)])
    assert graph.conflicts == []
