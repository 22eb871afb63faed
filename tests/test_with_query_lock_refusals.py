"""FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE OF a name that is a WITH query the locking
SELECT sees: PostgreSQL refuses the whole statement ("FOR SHARE cannot be applied to a WITH
query", 0A000, the clause's strength named), wherever the SELECT sits (the statement's own, a
subquery's, a WITH query's, a data-modifying WITH query's), and wherever the query sits (CREATE
VIEW, CREATE MATERIALIZED VIEW and CREATE TABLE AS, WITH NO DATA and IF NOT EXISTS too, and
before a name taken is looked at; SELECT INTO, DECLARE CURSOR, EXPLAIN with or without
ANALYZE, COPY (query) TO), as `with_query_locked` with the server's message in
`with_query_locked_text`. A name that is no WITH query there (a table named with its schema, a
subquery's alias, a WITH query of another subquery) runs. A refused statement is not replayed:
the relation it would have made is not there after it. A query analyzed where it is stored is
refused so too: PREPARE's, a rule's actions, a `LANGUAGE sql` routine's body (BEGIN ATOMIC
always; a string one when check_function_bodies is on and no argument is polymorphic), not a
PL/pgSQL body, parsed only as it runs. Each case is compared with the embedded server (checked
on 18.6)."""

from __future__ import annotations

import pytest

from effect_helpers import refusal_facts
from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects.refused import statement_refusal
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import server_message

SETUP = ("CREATE TABLE t (id bigint);\nCREATE TABLE a (id bigint);\n"
         "CREATE TABLE sink (id bigint);\n")
A = "WITH a AS (SELECT id FROM t) "
LOCKS_A = A + "SELECT * FROM a FOR UPDATE OF a"
SHARES_A_BELOW = "SELECT * FROM (" + A + "SELECT * FROM a FOR SHARE OF a) s"


def _refusal_text(sql: str) -> str:
    return str(refusal_facts(SETUP, sql + ";", "with_query_locked").get(
        "with_query_locked_text", ""))


SERVER_CASES = [
    # each strength, named in the message
    A + "SELECT * FROM a FOR UPDATE OF a",
    A + "SELECT * FROM a FOR NO KEY UPDATE OF a",
    A + "SELECT * FROM a FOR SHARE OF a NOWAIT",
    A + "SELECT * FROM a FOR KEY SHARE OF a SKIP LOCKED",
    # named by its alias; beside a table locked too; the clause that names it
    A + "SELECT * FROM a x FOR UPDATE OF x",
    A + "SELECT * FROM a JOIN t USING (id) FOR UPDATE OF a",
    A + "SELECT * FROM a, t FOR SHARE OF t FOR NO KEY UPDATE OF a",
    "WITH RECURSIVE a AS (SELECT 1 AS id UNION ALL SELECT id FROM a WHERE false) "
    "SELECT * FROM a FOR UPDATE OF a",
    # a subquery's, a WITH query's, a data-modifying WITH query's locking clause
    A + "SELECT * FROM (SELECT * FROM a FOR SHARE OF a) s",
    A + "SELECT * FROM t WHERE EXISTS (SELECT FROM a WHERE a.id = t.id FOR UPDATE OF a)",
    "SELECT * FROM (WITH a AS (SELECT id FROM t) SELECT * FROM a FOR KEY SHARE OF a) s",
    A + ", b AS (SELECT * FROM a FOR NO KEY UPDATE OF a) "
    "UPDATE sink SET id = 0 WHERE id IN (SELECT id FROM b)",
    A + ", b AS (DELETE FROM sink WHERE id IN (SELECT id FROM a FOR KEY SHARE OF a) "
    "RETURNING id) SELECT * FROM b",
    A + "INSERT INTO sink SELECT id FROM a FOR UPDATE OF a",
    A + "DELETE FROM sink WHERE id IN (SELECT id FROM a FOR SHARE OF a)",
    # ... runs: no WITH query is named
    A + "SELECT * FROM a, t FOR UPDATE OF t",
    A + "SELECT * FROM a, t FOR UPDATE",
    A + "SELECT * FROM public.a FOR UPDATE OF a",
    A + "SELECT * FROM (SELECT 1) a FOR UPDATE OF a",
    A + "SELECT * FROM (SELECT * FROM a) a FOR UPDATE OF a",
    "SELECT * FROM a FOR UPDATE OF a",
    # a WITH query of another subquery, or one later in the list, is not seen
    "SELECT * FROM (WITH a AS (SELECT 1) SELECT 1) s, a FOR UPDATE OF a",
    "WITH b AS (SELECT * FROM a FOR UPDATE OF a), a AS (SELECT id FROM t) SELECT * FROM b",
    "WITH a AS (SELECT * FROM a FOR SHARE OF a) SELECT * FROM a",
    # the query of a statement that makes a relation of it, analyzed before its name is looked
    # at (`a` is a table: the WITH query's message, not "already exists")
    "CREATE VIEW v AS " + LOCKS_A,
    "CREATE VIEW v AS " + SHARES_A_BELOW,
    "CREATE RECURSIVE VIEW v (id) AS " + LOCKS_A,
    "CREATE VIEW a AS " + LOCKS_A,
    "CREATE OR REPLACE VIEW a AS " + LOCKS_A,
    "CREATE MATERIALIZED VIEW v AS " + LOCKS_A,
    "CREATE MATERIALIZED VIEW v AS " + SHARES_A_BELOW + " WITH NO DATA",
    "CREATE MATERIALIZED VIEW IF NOT EXISTS a AS " + LOCKS_A,
    "CREATE TABLE c AS " + LOCKS_A,
    "CREATE TABLE c AS " + SHARES_A_BELOW + " WITH NO DATA",
    "CREATE TABLE IF NOT EXISTS a AS " + LOCKS_A,
    A + "SELECT * INTO c FROM a FOR KEY SHARE OF a",
    # a query only planned, or run to be read
    "DECLARE c CURSOR WITH HOLD FOR " + LOCKS_A,
    "EXPLAIN " + LOCKS_A,
    "EXPLAIN (ANALYZE false) " + SHARES_A_BELOW,
    "EXPLAIN (ANALYZE) " + LOCKS_A,
    "EXPLAIN " + A + "INSERT INTO sink SELECT id FROM a FOR NO KEY UPDATE OF a",
    "EXPLAIN CREATE TABLE c AS " + LOCKS_A,
    "COPY (" + LOCKS_A + ") TO PROGRAM 'cat > /dev/null'",
    "COPY (" + SHARES_A_BELOW + ") TO PROGRAM 'cat > /dev/null'",
    # ... run: no WITH query is named
    "CREATE VIEW v AS " + A + "SELECT * FROM public.a FOR UPDATE OF a",
    "CREATE MATERIALIZED VIEW v AS " + A + "SELECT t.* FROM a, t FOR UPDATE OF t",
    "CREATE TABLE c AS " + A + "SELECT t.* FROM a, t FOR SHARE",
    "EXPLAIN " + A + "SELECT * FROM a, t FOR UPDATE OF t",
    "COPY (" + A + "SELECT * FROM a, t FOR UPDATE) TO PROGRAM 'cat > /dev/null'",
    # a query analyzed where it is stored: PREPARE's, a rule's actions, a LANGUAGE sql
    # routine's body (a string one under check_function_bodies, on by default; BEGIN ATOMIC
    # always), under its own search_path too
    "PREPARE p AS " + LOCKS_A,
    "PREPARE p (bigint) AS " + A + "INSERT INTO sink SELECT id FROM a WHERE id = $1 "
    "FOR KEY SHARE OF a",
    "CREATE RULE r AS ON INSERT TO sink DO ALSO " + LOCKS_A,
    "CREATE RULE r AS ON INSERT TO sink DO INSTEAD (SELECT 1; DELETE FROM t WHERE id IN ("
    + A + "SELECT id FROM a FOR SHARE OF a))",
    "CREATE FUNCTION f() RETURNS SETOF bigint LANGUAGE sql AS $$ " + LOCKS_A + " $$",
    "CREATE FUNCTION f() RETURNS SETOF bigint LANGUAGE sql AS $$ " + LOCKS_A + " $$ "
    "SET search_path = public",
    "CREATE FUNCTION f() RETURNS SETOF bigint LANGUAGE sql BEGIN ATOMIC " + LOCKS_A + "; END",
    "CREATE PROCEDURE pr() LANGUAGE sql AS $$ SELECT 1; " + A +
    "DELETE FROM sink WHERE id IN (SELECT id FROM a FOR NO KEY UPDATE OF a) $$",
    "CREATE PROCEDURE pr() LANGUAGE sql BEGIN ATOMIC " + A +
    "DELETE FROM sink WHERE id IN (SELECT id FROM a FOR SHARE OF a); END",
    # ... run: no WITH query is named, or the body is not analyzed at CREATE (a string body
    # with a polymorphic argument; PL/pgSQL's, parsed only as it runs)
    "PREPARE p AS " + A + "SELECT * FROM a, t FOR UPDATE OF t",
    "CREATE RULE r AS ON INSERT TO sink DO ALSO " + A + "SELECT * FROM a FOR UPDATE",
    "CREATE FUNCTION f() RETURNS SETOF bigint LANGUAGE sql BEGIN ATOMIC " + A +
    "SELECT * FROM a FOR UPDATE; END",
    "CREATE FUNCTION f(x anyelement) RETURNS SETOF bigint LANGUAGE sql AS $$ " + LOCKS_A + " $$",
    "CREATE FUNCTION f() RETURNS SETOF bigint LANGUAGE plpgsql AS $$ BEGIN RETURN QUERY "
    + LOCKS_A + "; END $$",
]


@pytest.mark.postgres
@pytest.mark.parametrize("sql", SERVER_CASES)
def test_locking_a_with_query_is_refused_as_the_server_does(pg_db: str, sql: str) -> None:
    assert _refusal_text(sql) == server_message(pg_db, SETUP, sql)


def test_the_refusal_is_a_finding() -> None:
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"), migration_from_text(
        A + "SELECT * FROM a FOR SHARE OF a;", "0002_change.sql")], LintOptions(), Catalog())
    (stmt,) = reports[-1].statements
    assert "with-query-locked" in {f.rule for f in stmt.findings}
    assert statement_refusal(stmt.effect) == "with_query_locked"


@pytest.mark.parametrize("sql", [A + "SELECT * INTO c FROM a FOR SHARE OF a",
                                 "CREATE TABLE c AS " + LOCKS_A, "EXPLAIN " + LOCKS_A,
                                 "COPY (" + LOCKS_A + ") TO STDOUT"])
def test_the_refusal_is_one_finding(sql: str) -> None:
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(sql + ";", "0002_change.sql")],
                              LintOptions(), Catalog())
    (stmt,) = reports[-1].statements
    assert [f.rule for f in stmt.findings].count("with-query-locked") == 1


@pytest.mark.postgres
@pytest.mark.parametrize("sql", ["CREATE VIEW c AS " + LOCKS_A,
                                 "CREATE MATERIALIZED VIEW c AS " + LOCKS_A,
                                 "CREATE TABLE c AS " + LOCKS_A,
                                 A + "SELECT * INTO c FROM a FOR UPDATE OF a"])
def test_a_refused_relation_is_not_made(pg_db: str, sql: str) -> None:
    after = "CREATE TABLE c (id bigint);"
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(sql + ";\n" + after, "0002_change.sql")],
                              LintOptions(), Catalog())
    refused, made = reports[-1].statements
    assert statement_refusal(refused.effect) == "with_query_locked"
    assert statement_refusal(made.effect) == ""
    assert server_message(pg_db, SETUP, sql) == "FOR UPDATE cannot be applied to a WITH query"
    assert server_message(pg_db, None, after) == ""


@pytest.mark.postgres
def test_a_view_replaced_is_refused_for_its_query_before_its_columns(pg_db: str) -> None:
    setup = SETUP + "CREATE VIEW w AS SELECT 1 AS x;\n"
    # (its column renamed, which the server refuses only after the query is analyzed)
    sql = "CREATE OR REPLACE VIEW w AS " + A + "SELECT 2 AS y FROM a FOR UPDATE OF a"
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(sql + ";", "0002_change.sql")],
                              LintOptions(), Catalog())
    (stmt,) = reports[-1].statements
    assert statement_refusal(stmt.effect) == "with_query_locked"
    assert server_message(pg_db, setup, sql) == "FOR UPDATE cannot be applied to a WITH query"


@pytest.mark.postgres
@pytest.mark.parametrize(("body", "refused"), [
    ("AS $$ " + LOCKS_A + " $$", False),  # a string body is not analyzed then
    ("BEGIN ATOMIC " + LOCKS_A + "; END", True),  # BEGIN ATOMIC always is
])
def test_a_sql_body_is_refused_as_check_function_bodies_says(pg_db: str, body: str,
                                                            refused: bool) -> None:
    unchecked = "SET check_function_bodies = off;\n"
    sql = "CREATE FUNCTION f() RETURNS SETOF bigint LANGUAGE sql " + body
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(unchecked + sql + ";", "0002_change.sql")],
                              LintOptions(), Catalog())
    _, stmt = reports[-1].statements
    said = statement_refusal(stmt.effect) == "with_query_locked"
    assert said is refused
    assert bool(server_message(pg_db, [SETUP, unchecked], sql)) is refused
