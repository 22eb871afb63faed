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
]


@pytest.mark.parametrize(("sql", "locked"), CASES)
def test_a_set_returning_call_makes_rows(sql: str, locked: bool) -> None:
    assert _locks_parents(SRF, sql) is locked


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "locked"), CASES)
def test_the_server_runs_the_calls_at_each_row(pg_db: str, sql: str, locked: bool) -> None:
    assert server_locks_parents(pg_db, SRF, sql) is locked
