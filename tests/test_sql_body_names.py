"""A `LANGUAGE sql` function's body is analyzed at CREATE (a string body while
check_function_bodies is on, its default; a BEGIN ATOMIC body always): a column its
statements name that the table does not have is refused there, with the server's message
(checked on 18.6). lockwise refuses it where the replayed catalog knows the table whole
(`Catalog.fully_known`); where it may not (a table made outside the migrations, one a DO block
may have changed, a FROM item whose columns it does not follow, a string body resolved under
the function's own search_path, a polymorphic argument) it says nothing."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects.refused import statement_refusal
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE t (a int, b text);\n"
TEMP = "CREATE TEMP TABLE t (a int, z int);\n"

#: (what runs first in the migration after SETUP, the CREATE FUNCTION, the server's message)
REFUSED = [
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT nosuch FROM t'",
     'column "nosuch" does not exist'),
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT t.nosuch FROM t'",
     "column t.nosuch does not exist"),
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT x.nosuch FROM t x'",
     "column x.nosuch does not exist"),
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT nosuch FROM t; END",
     'column "nosuch" does not exist'),
    ("", "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'INSERT INTO t (nosuch) VALUES (1)'",
     'column "nosuch" of relation "t" does not exist'),
    ("", "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS 'UPDATE t SET nosuch = 1'",
     'column "nosuch" of relation "t" does not exist'),
    ("", "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS "
     "'UPDATE t SET a = 1 WHERE nosuch = 2'", 'column "nosuch" does not exist'),
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS "
     "'SELECT 1 FROM t WHERE EXISTS (SELECT 1 FROM t t2 WHERE t2.a = nosuch)'",
     'column "nosuch" does not exist'),
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1; SELECT nosuch FROM t'",
     'column "nosuch" does not exist'),
    ("", "CREATE PROCEDURE p() LANGUAGE sql AS 'DELETE FROM t WHERE nosuch = 1'",
     'column "nosuch" does not exist'),
    ("", "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS "
     "'UPDATE t x SET a = x.a + 1 RETURNING x.nosuch'", "column x.nosuch does not exist"),
    # every statement is analyzed before any runs: the column is not there yet
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS "
     "'ALTER TABLE t ADD COLUMN nosuch int; SELECT nosuch FROM t'",
     'column "nosuch" does not exist'),
    # the session's temporary t comes first: b is not one of its columns
    (TEMP, "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT b FROM t'",
     'column "b" does not exist'),
]

#: (what runs first, the CREATE FUNCTION): the server creates each (18.6).
ACCEPTED = [
    ("", "CREATE FUNCTION f(nosuch int) RETURNS int LANGUAGE sql AS 'SELECT nosuch FROM t'"),
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT count(ctid)::int FROM t'"),
    ("SET check_function_bodies = off;\n",
     "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT nosuch FROM t'"),
    ("", "CREATE FUNCTION f(x anyelement) RETURNS int LANGUAGE sql AS 'SELECT nosuch FROM t'"),
    (TEMP, "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT z FROM t'"),
    (TEMP, "CREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT z FROM t; END"),
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT p FROM t AS x(p, q)'"),
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT a AS k FROM t ORDER BY k'"),
    ("", "CREATE FUNCTION f() RETURNS void LANGUAGE sql AS "
     "'INSERT INTO t AS x (a) VALUES (1) ON CONFLICT DO NOTHING RETURNING x.a'"),
    ("", "CREATE FUNCTION f() RETURNS SETOF int LANGUAGE sql AS "
     "'SELECT a FROM t UNION SELECT a FROM t ORDER BY a'"),
    ("", "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS 'SELECT t::text FROM t'"),
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS "
     "'SELECT unnest FROM t, unnest(ARRAY[1])'"),
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS "
     "'WITH c AS (SELECT a AS k FROM t) SELECT k FROM c'"),
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS "
     "'SELECT a FROM t JOIN (VALUES (1)) v(nosuch) ON true WHERE nosuch = 1'"),
    # a DO block may have added the column: the catalog no longer knows t whole
    ("DO $$ BEGIN EXECUTE 'ALTER TABLE t ADD COLUMN nosuch int'; END $$;\n",
     "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT nosuch FROM t'"),
]

#: Refused by the server, but not by lockwise, which cannot be sure: a table the migrations
#: did not make (it may have any column), one the migration makes only later (the server:
#: relation "later" does not exist; the catalog does not know it yet), a string body
#: resolved under the function's own search_path.
UNSURE = [
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT nosuch FROM elsewhere'"),
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT a FROM later';\n"
     "CREATE TABLE later (a int)"),
    ("", "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = public "
     "AS 'SELECT nosuch FROM t'"),
]


def _create(before: str, sql: str, catalog: Catalog | None = None):
    """The report of the CREATE statement of `sql` (its first), after SETUP and `before`."""
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(before + sql + ";\n", "0002_m.sql")],
                              LintOptions(), catalog if catalog is not None else Catalog())
    statements = reports[-1].statements
    return statements[before.count(";\n")]


def refusal_said(before: str, sql: str) -> str:
    """The message of the `function-body-refused` finding of the CREATE of `sql` (after
    SETUP and `before`), which must be refused, and so not replayed (no such routine)."""
    catalog = Catalog()
    report = _create(before, sql, catalog)
    assert statement_refusal(report.effect) == "refused_function_body"
    (finding,) = [f for f in report.findings if f.rule == "function-body-refused"]
    assert not [name for name in catalog.kept_routines if name.endswith((".f", ".p", ".h"))]
    return finding.message


def assert_not_refused(before: str, sql: str) -> None:
    """The CREATE of `sql` (after SETUP and `before`) is neither refused nor reported."""
    report = _create(before, sql)
    assert statement_refusal(report.effect) == ""
    assert "function-body-refused" not in {f.rule for f in report.findings}


@pytest.mark.parametrize(("before", "sql", "message"), REFUSED)
def test_a_body_naming_a_column_the_table_lacks_is_refused(before: str, sql: str,
                                                           message: str) -> None:
    assert message in refusal_said(before, sql)


@pytest.mark.parametrize(("before", "sql"), ACCEPTED + UNSURE)
def test_a_body_lockwise_cannot_be_sure_of_is_not_refused(before: str, sql: str) -> None:
    assert_not_refused(before, sql)


@pytest.mark.postgres
def test_the_server_refuses_and_accepts_each_so(pg_db: str) -> None:
    import psycopg

    from server_helpers import server_message

    for before, sql, message in REFUSED:
        with psycopg.connect(pg_db, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS t, later; DROP FUNCTION IF EXISTS f")
        assert server_message(pg_db, [SETUP, before], sql) == message, sql
    for before, sql in ACCEPTED:
        with psycopg.connect(pg_db, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS t; DROP FUNCTION IF EXISTS f")
        assert server_message(pg_db, [SETUP, before], sql) == "", sql
    for before, sql in UNSURE:
        with psycopg.connect(pg_db, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS t, later; DROP FUNCTION IF EXISTS f")
        assert server_message(pg_db, [SETUP, before], sql) != "", sql
