"""Names taken by another kind of relation, and moves onto taken names (fix-pg106), held
against the embedded server:

- CREATE TABLE / TABLE AS / MATERIALIZED VIEW / INDEX / SEQUENCE IF NOT EXISTS of a name a
  relation of another kind holds (a serial's or identity's sequence, an index, a view...) is
  skipped with a NOTICE: the replay makes nothing either, so the statements after it see
  the relation the server has (CREATE VIEW has no IF NOT EXISTS);
- ALTER ... SET SCHEMA onto a name the new schema holds is refused with the server's own
  message (rule set-schema-onto-taken-name): a relation's (42P07), a type's (42710), a
  routine's signature (42723), an operator family's (42710);
- a move into a schema a migration dropped is refused (3F000): the conflict graph says so."""

from __future__ import annotations

import pytest

from effect_helpers import catalog_after, refusal_facts
from lockwise.discover import migration_from_text
from server_helpers import rows_after, server_message

#: The relation kinds as pg_class.relkind gives them and as `Catalog.relation_named` says
#: them.
_KINDS = {"r": "table", "S": "sequence", "i": "index", "v": "view", "m": "materialized view",
          "c": "composite type"}

#: Histories ending with a CREATE ... IF NOT EXISTS: the server skips it when a relation of
#: any kind has the name, and makes it when none has.
HISTORIES = [
    "CREATE TABLE t (c serial); CREATE TABLE IF NOT EXISTS t_c_seq (a int)",
    "CREATE TABLE t (c int GENERATED ALWAYS AS IDENTITY); CREATE TABLE IF NOT EXISTS t_c_seq "
    "(a int)",
    "CREATE TABLE t (c int); CREATE INDEX i ON t (c); CREATE TABLE IF NOT EXISTS i (a int)",
    "CREATE VIEW v AS SELECT 1 AS a; CREATE TABLE IF NOT EXISTS v (a int)",
    "CREATE SEQUENCE s; CREATE TABLE IF NOT EXISTS s (a int)",
    "CREATE MATERIALIZED VIEW m AS SELECT 1 AS a; CREATE TABLE IF NOT EXISTS m (a int)",
    "CREATE TYPE k AS (a int); CREATE TABLE IF NOT EXISTS k (a int)",
    "CREATE TABLE t (c serial); CREATE INDEX IF NOT EXISTS t_c_seq ON t (c)",
    "CREATE TABLE t (c serial); CREATE SEQUENCE IF NOT EXISTS t_c_seq",
    "CREATE TABLE t (c int); CREATE INDEX i ON t (c); CREATE SEQUENCE IF NOT EXISTS i",
    "CREATE TABLE t (c serial); CREATE MATERIALIZED VIEW IF NOT EXISTS t_c_seq AS SELECT 1 AS a",
    "CREATE TABLE t (c serial); CREATE TABLE IF NOT EXISTS t_c_seq AS SELECT 1 AS a",
    "CREATE SEQUENCE s; CREATE TABLE u (a int); CREATE INDEX IF NOT EXISTS s ON u (a)",
    # the name is free: made
    "CREATE TABLE t (c serial); CREATE TABLE IF NOT EXISTS t_c (a int)",
    "CREATE TABLE t (c serial); CREATE SEQUENCE IF NOT EXISTS t_c",
    "CREATE TABLE t (c int); CREATE INDEX IF NOT EXISTS t_i ON t (c)",
    "CREATE TABLE t (c serial); ALTER SEQUENCE t_c_seq RENAME TO q; "
    "CREATE TABLE IF NOT EXISTS t_c_seq (a int)",
]


@pytest.mark.parametrize("history", HISTORIES)
def test_if_not_exists_skips_a_name_any_relation_holds_as_the_server_does(
        pg_db: str, history: str) -> None:
    rows = rows_after(pg_db, history, "SELECT relname, relkind FROM pg_class WHERE "
                      "relnamespace = 'public'::regnamespace AND relkind <> 't'")
    catalog = catalog_after(history)
    assert {f"{_KINDS[kind]} public.{name}" for name, kind in rows} == {
        catalog.relation_named(f"public.{name}") for name, _ in rows}
    # (and nothing more: what the server skipped the replay did not make)
    assert set(catalog.tables) <= {f"public.{name}" for name, _ in rows}


def test_a_statement_after_a_skipped_create_sees_the_relation_the_server_has(
        pg_db: str) -> None:
    """The replay made a table of a serial's sequence's name before: a CREATE of that name
    after it was said to meet a table, where the server names the sequence."""
    setup = "CREATE TABLE t (c serial); CREATE TABLE IF NOT EXISTS t_c_seq (a int)"
    sql = "CREATE INDEX t_c_seq ON t (c)"
    assert server_message(pg_db, setup, sql) == 'relation "t_c_seq" already exists'
    facts = refusal_facts(setup, sql, "name_taken")
    assert facts["existing_object"] == "sequence public.t_c_seq"


#: (the setup, one ALTER ... SET SCHEMA after it).
MOVES = [
    ("CREATE TYPE e AS ENUM ('a'); CREATE TYPE s.e AS ENUM ('b')", "ALTER TYPE e SET SCHEMA s"),
    ("CREATE DOMAIN d AS int; CREATE DOMAIN s.d AS int", "ALTER DOMAIN d SET SCHEMA s"),
    ("CREATE TYPE e AS ENUM ('a'); CREATE TABLE s.e (a int)", "ALTER TYPE e SET SCHEMA s"),
    ("CREATE TYPE e AS (a int); CREATE TABLE s.e (a int)", "ALTER TYPE e SET SCHEMA s"),
    ("CREATE TYPE e AS (a int); CREATE SEQUENCE s.e", "ALTER TYPE e SET SCHEMA s"),
    ("CREATE TABLE t (a int); CREATE TABLE s.t (a int)", "ALTER TABLE t SET SCHEMA s"),
    ("CREATE TABLE t (a int); CREATE SEQUENCE s.t", "ALTER TABLE t SET SCHEMA s"),
    ("CREATE TABLE t (a int); CREATE TYPE s.t AS ENUM ('a')", "ALTER TABLE t SET SCHEMA s"),
    ("CREATE TABLE t (c serial); CREATE TABLE s.t_c_seq (a int)", "ALTER TABLE t SET SCHEMA s"),
    ("CREATE TABLE t (c int GENERATED ALWAYS AS IDENTITY); CREATE VIEW s.t_c_seq AS SELECT 1",
     "ALTER TABLE t SET SCHEMA s"),
    ("CREATE TABLE t (c int); CREATE INDEX i ON t (c); CREATE TABLE s.i (a int)",
     "ALTER TABLE t SET SCHEMA s"),
    ("CREATE TABLE t (c int PRIMARY KEY); CREATE SEQUENCE s.t_pkey",
     "ALTER TABLE t SET SCHEMA s"),
    ("CREATE SEQUENCE q; CREATE TABLE s.q (a int)", "ALTER SEQUENCE q SET SCHEMA s"),
    ("CREATE SEQUENCE q; CREATE TABLE s.q (a int)", "ALTER TABLE q SET SCHEMA s"),
    ("CREATE VIEW v AS SELECT 1 AS a; CREATE TABLE s.v (a int)", "ALTER VIEW v SET SCHEMA s"),
    ("CREATE MATERIALIZED VIEW v AS SELECT 1 AS a; CREATE TYPE s.v AS ENUM ('a')",
     "ALTER MATERIALIZED VIEW v SET SCHEMA s"),
    ("CREATE FUNCTION f(int, text) RETURNS int LANGUAGE sql AS 'SELECT 1'; "
     "CREATE FUNCTION s.f(int, text) RETURNS bigint LANGUAGE sql AS 'SELECT 2'",
     "ALTER FUNCTION f(int, text) SET SCHEMA s"),
    ("CREATE PROCEDURE p(int) LANGUAGE sql AS 'SELECT 1'; "
     "CREATE FUNCTION s.p(int) RETURNS int LANGUAGE sql AS 'SELECT 2'",
     "ALTER PROCEDURE p(int) SET SCHEMA s"),
    ("CREATE OPERATOR FAMILY g USING btree; CREATE OPERATOR FAMILY s.g USING btree",
     "ALTER OPERATOR FAMILY g USING btree SET SCHEMA s"),
    # ... and nothing else: a free name, a kind that does not refuse, the schema it is in
    ("CREATE SEQUENCE q; CREATE TYPE s.q AS ENUM ('a')", "ALTER SEQUENCE q SET SCHEMA s"),
    ("CREATE TYPE e AS ENUM ('a'); CREATE SEQUENCE s.e", "ALTER TYPE e SET SCHEMA s"),
    ("CREATE TABLE t (c int); CREATE INDEX i ON t (c); CREATE TYPE s.i AS ENUM ('a')",
     "ALTER TABLE t SET SCHEMA s"),
    ("CREATE TABLE t (a int); CREATE TABLE s.u (a int)", "ALTER TABLE t SET SCHEMA s"),
    ("CREATE TABLE t (a int); DROP SCHEMA s; CREATE SCHEMA s; CREATE TABLE u (a int)",
     "ALTER TABLE t SET SCHEMA s"),
    ("CREATE TABLE t (a int); CREATE TABLE s.t (a int); DROP TABLE s.t",
     "ALTER TABLE t SET SCHEMA s"),
    ("CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT 1'; "
     "CREATE FUNCTION s.f(text) RETURNS int LANGUAGE sql AS 'SELECT 2'",
     "ALTER FUNCTION f(int) SET SCHEMA s"),
    ("CREATE OPERATOR FAMILY g USING btree; CREATE OPERATOR FAMILY s.g USING hash",
     "ALTER OPERATOR FAMILY g USING btree SET SCHEMA s"),
    ("CREATE TABLE t (a int); CREATE TABLE s.t (a int)", "ALTER TABLE t SET SCHEMA public"),
    ("CREATE TYPE e AS ENUM ('a')", "ALTER TYPE e SET SCHEMA public"),
]


@pytest.mark.parametrize(("setup", "sql"), MOVES)
def test_a_move_onto_a_taken_name_is_refused_with_the_servers_message(
        pg_db: str, setup: str, sql: str) -> None:
    setup = f"CREATE SCHEMA s; {setup}"
    said = server_message(pg_db, setup, sql)
    facts = refusal_facts(setup, sql, "name_taken")
    assert facts.get("set_schema_refused_text", "") == said


def test_a_move_into_a_dropped_schema_is_refused_as_the_server_refuses_it(pg_db: str) -> None:
    from lockwise.graph.build import build_graph

    setup, drop, moves = ("CREATE SCHEMA s; CREATE TABLE t (a int); CREATE TYPE e AS ENUM ('a')",
                          "DROP SCHEMA s", "ALTER TABLE t SET SCHEMA s")
    assert server_message(pg_db, [setup, drop], moves) == 'schema "s" does not exist'
    graph = build_graph([migration_from_text(setup, "0001_init.sql"),
                         migration_from_text(drop, "0002_drop.sql"),
                         migration_from_text(moves, "0003_move.sql")])
    assert [(c.kind, c.object) for c in graph.conflicts] == [("missing-object", "schema:s")]


def test_a_move_into_a_schema_there_is_no_conflict() -> None:
    from lockwise.graph.build import build_graph

    graph = build_graph([migration_from_text("CREATE SCHEMA s; CREATE TABLE t (a int)",
                                             "0001_init.sql"),
                         migration_from_text("ALTER TABLE t SET SCHEMA s", "0002_move.sql")])
    assert graph.conflicts == []
