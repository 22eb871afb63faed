"""A set-returning function of the migrations called without FROM (`SELECT srf(2), f()`,
`INSERT ... SELECT srf(2)`) makes as many rows as it returns, as a built-in one does
(fix-pg79): the other calls of the output run again at each (checked on 18.6: with
`srf(3)` four times, with `srf(0)` once), and a row trigger fires at each row inserted. So
a body run again sees what the calls before it wrote: touch()'s UPDATE of rows the
transaction wrote checks the foreign key, locking parents. Each case held against the
embedded server too."""

from __future__ import annotations

import pytest

from test_statement_call_writes import KEYED, _locks_parents, server_locks_parents

SRF = KEYED + ("CREATE FUNCTION srf(n int) RETURNS SETOF int LANGUAGE sql "
               "AS 'SELECT generate_series(1, n)';\n"
               "CREATE FUNCTION rows_of(n int) RETURNS TABLE (x int) LANGUAGE sql "
               "AS 'SELECT generate_series(1, n)';\n"
               "CREATE FUNCTION one(n int) RETURNS int LANGUAGE sql AS 'SELECT n';\n")

#: (a statement run in a fresh transaction, whether the server locks parents)
CASES = [
    ("SELECT touch(), srf(2);", True),       # touch runs at each row
    ("SELECT srf(2), touch();", True),
    ("SELECT touch(), rows_of(2);", True),   # RETURNS TABLE too
    ("SELECT touch(), one(2);", False),      # no set: one row, touch runs once
    ("INSERT INTO items SELECT srf(2);", True),  # the row trigger fires twice
    ("INSERT INTO items SELECT one(2);", False),
    ("SELECT touch(), (SELECT srf(2) LIMIT 1);", False),  # a subquery's rows are its own
    # fix-pg83: a built-in set its constants make empty: no row, the other calls run once
    ("SELECT touch(), generate_series(1, 2);", True),
    ("SELECT touch(), generate_series(1, 0);", False),
    ("SELECT touch(), generate_series(1, 5, -1);", False),
    ("SELECT touch(), unnest('{}'::int[]);", False),
    ("SELECT touch(), touch(), generate_series(1, 0);", True),  # two calls, each once
    ("SELECT touch(), generate_series(1, 0), generate_series(1, 2);", True),  # the longest
    ("INSERT INTO items SELECT generate_series(1, 2);", True),
    ("INSERT INTO items SELECT generate_series(1, 0);", False),
    # fix-pg84: beside an aggregate too (its one row, then the empty set: none)
    ("SELECT count(*), touch(), generate_series(1, 0);", False),
    ("SELECT count(*), touch(), generate_series(1, 2);", True),
]


@pytest.mark.parametrize(("sql", "locked"), CASES)
def test_a_set_returning_call_makes_rows(sql: str, locked: bool) -> None:
    assert _locks_parents(SRF, sql) is locked


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "locked"), CASES)
def test_the_server_runs_the_calls_at_each_row(pg_db: str, sql: str, locked: bool) -> None:
    assert server_locks_parents(pg_db, SRF, sql) is locked


def _server_locks(pg_db: str, setup: str, sql: str, table: str) -> bool:
    """Whether `sql`, run in a transaction on the server after `setup`, holds a lock on
    `table`."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(setup)
        with conn.transaction():
            conn.execute(sql)
            [(held,)] = conn.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = %s AND l.pid = pg_backend_pid()", (table,)).fetchall()
    return bool(held)


#: (an INSERT into items, whether its row trigger fires: its UPDATE locks accounts)
FIRED = [
    ("INSERT INTO items SELECT generate_series(1, 2);", True),
    ("INSERT INTO items SELECT generate_series(1, 0);", False),
    ("INSERT INTO items SELECT g FROM generate_series(1, 0) g;", False),
    ("INSERT INTO items SELECT g FROM generate_series(3, 1, -1) g;", True),
    ("INSERT INTO items SELECT unnest(ARRAY[]::int[]);", False),
    ("INSERT INTO items SELECT count(*) FROM generate_series(1, 0);", True),  # one row
    # fix-pg84: the select list's sets apply to each row the aggregate (or FROM) leaves
    ("INSERT INTO items SELECT count(*) + generate_series(1, 0);", False),
    ("INSERT INTO items SELECT generate_series(1, 0) FROM (VALUES (1), (2)) v (x);", False),
    ("INSERT INTO items SELECT max(x) + generate_series(1, 0) FROM (VALUES (1), (2)) v (x) "
     "GROUP BY x;", False),
    ("INSERT INTO items SELECT x + generate_series(1, 1) FROM (VALUES (1), (2)) v (x);", True),
    ("INSERT INTO items SELECT count(*) + generate_series(1, 1);", True),
]


@pytest.mark.parametrize(("sql", "fires"), FIRED)
def test_an_insert_of_no_row_fires_no_row_trigger(sql: str, fires: bool) -> None:
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    statements = lint_migrations([migration_from_text(SRF, "0001_setup.sql"),
                                  migration_from_text(sql, "0002_m.sql")], LintOptions(),
                                 Catalog())[-1].statements
    assert ("public.accounts" in statements[-1].effect.locks) is fires


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "fires"), FIRED)
def test_the_server_fires_it_so(pg_db: str, sql: str, fires: bool) -> None:
    assert _server_locks(pg_db, SRF, sql, "accounts") is fires


#: (what fills the new table, whether it is still empty after: ADD COLUMN ... NOT NULL
#: without a default succeeds only on an empty table)
FILLS = [
    ("INSERT INTO fresh SELECT generate_series(1, 0);", True),
    ("INSERT INTO fresh SELECT g FROM generate_series(10, 1) g;", True),
    ("INSERT INTO fresh SELECT unnest('{}'::int[]);", True),
    ("INSERT INTO fresh SELECT generate_series(1, 1);", False),
    ("INSERT INTO fresh SELECT generate_series(0, 0);", False),
    ("INSERT INTO fresh SELECT count(*) + generate_series(1, 0);", True),  # fix-pg84
    ("INSERT INTO fresh SELECT count(*) FROM pg_class;", False),
]


@pytest.mark.parametrize(("fill", "empty"), FILLS)
def test_an_insert_of_no_row_keeps_the_table_empty(fill: str, empty: bool) -> None:
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    sql = f"CREATE TABLE fresh (a int);\n{fill}\nALTER TABLE fresh ADD COLUMN b int NOT NULL;\n"
    statements = lint_migrations([migration_from_text(sql, "0001_m.sql")], LintOptions(),
                                 Catalog())[-1].statements
    facts = statements[-1].effect.actions[0].facts
    assert facts["table_is_empty"] is empty


@pytest.mark.postgres
@pytest.mark.parametrize(("fill", "empty"), FILLS)
def test_the_server_adds_the_column_so(pg_db: str, fill: str, empty: bool) -> None:
    from server_helpers import server_message

    message = server_message(pg_db, f"CREATE TABLE fresh (a int);\n{fill}",
                             "ALTER TABLE fresh ADD COLUMN b int NOT NULL")
    assert (message == "") is empty
