"""PostgreSQL 18's temporal keys, `PRIMARY KEY / UNIQUE (..., period WITHOUT OVERLAPS)`,
added to a table with rows (fix-pg91, checked on 18.6): the server builds a GiST index under
ACCESS EXCLUSIVE, and refuses both steps of the usual way out (a unique GiST index, 0A000;
USING INDEX of a non-unique one, 42809). Lint says the lock and the build, and reports
add-temporal-key, whose advice has no CONCURRENTLY step, instead of add-unique-constraint,
whose advice the server refuses."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import locks_and_files, server_error

SETUP = ("CREATE EXTENSION IF NOT EXISTS btree_gist;\n"
         "CREATE TABLE bookings (room_id bigint, during tstzrange);\n")
ROWS = ("INSERT INTO bookings SELECT g, tstzrange(now() + g * interval '1 day', NULL) "
        "FROM generate_series(1, 500) g;\n")
KEYS = {
    "primary": "ALTER TABLE bookings ADD CONSTRAINT bookings_pk "
               "PRIMARY KEY (room_id, during WITHOUT OVERLAPS)",
    "unique": "ALTER TABLE bookings ADD CONSTRAINT bookings_pk "
              "UNIQUE (room_id, during WITHOUT OVERLAPS)",
}


def _lint(sql: str):
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(sql + ";", "0002_change.sql")],
                              LintOptions(pg_version=18, pg_version_stated=True), Catalog())
    (stmt,) = reports[-1].statements
    return stmt


@pytest.mark.parametrize("kind", KEYS)
def test_lint_says_an_exclusive_gist_build_without_a_concurrent_route(kind: str) -> None:
    stmt = _lint(KEYS[kind])
    assert {t: mode.name for t, mode in stmt.effect.locks.items()} == {
        "public.bookings": "ACCESS_EXCLUSIVE"}
    assert stmt.effect.scans == {"public.bookings": "index build"}
    rules = {f.rule: f for f in stmt.findings}
    assert "add-unique-constraint" not in rules
    assert "CONCURRENTLY" not in rules["add-temporal-key"].instead.replace(
        "No CONCURRENTLY way", "")


@pytest.mark.postgres
@pytest.mark.parametrize("kind", KEYS)
def test_the_server_builds_it_so(pg_db: str, kind: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + ROWS)
        modes, _ = locks_and_files(conn, KEYS[kind], "bookings", ["bookings"])
        method = conn.execute("SELECT am.amname FROM pg_index i JOIN pg_class c ON "
                              "c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam "
                              "WHERE i.indrelid = 'bookings'::regclass").fetchall()
    assert "AccessExclusiveLock" in modes
    assert method == [("gist",)]


@pytest.mark.postgres
def test_the_server_refuses_the_concurrent_route(pg_db: str) -> None:
    unique = server_error(pg_db, SETUP + ROWS, "CREATE UNIQUE INDEX CONCURRENTLY bookings_pk "
                          "ON bookings USING gist (room_id, during)")
    assert unique is not None and unique.sqlstate == "0A000"
    attach = server_error(pg_db, "CREATE INDEX CONCURRENTLY bookings_ix ON bookings "
                          "USING gist (room_id, during)",
                          "ALTER TABLE bookings ADD CONSTRAINT bookings_pk "
                          "PRIMARY KEY USING INDEX bookings_ix")
    assert attach is not None and attach.sqlstate == "42809"


@pytest.mark.postgres
def test_a_scalar_column_needs_btree_gist(pg_db: str) -> None:
    error = server_error(pg_db, "CREATE TABLE r (id bigint, during tstzrange)",
                         "ALTER TABLE r ADD PRIMARY KEY (id, during WITHOUT OVERLAPS)")
    assert error is not None and error.sqlstate == "42704"
