"""Data pre-flight: planted problems are found with their counts, clean data stays silent."""

from __future__ import annotations

from pathlib import Path

import pytest
from verify_helpers import write_migrations

from lockwise.discover import discover
from lockwise.verify.preflight import pending_migrations, preflight

SCHEMA = """
CREATE TYPE mood AS ENUM ('happy', 'sad', 'meh');
CREATE TABLE accounts (id int PRIMARY KEY, email text, nick varchar(40), score bigint,
                       feeling mood);
CREATE TABLE orders (id int PRIMARY KEY, account_id int, total int);
"""
CLEAN_DATA = """
INSERT INTO accounts VALUES (1, 'a@x', 'ann', 1, 'happy'), (2, 'b@x', 'bob', 2, 'sad');
INSERT INTO orders VALUES (10, 1, 5), (11, 2, 7), (12, NULL, 9);
"""
#: Two accounts share an email, one has none, an order points at account 99, one total is
#: negative, one nick is too long for varchar(5), one score does not fit an integer, and
#: 'meh' is still in use.
DIRTY_DATA = """
INSERT INTO accounts VALUES (1, 'a@x', 'ann', 1, 'happy'), (2, 'a@x', 'bob', 2, 'sad'),
                            (3, NULL, 'charlotte', 5000000000, 'meh');
INSERT INTO orders VALUES (10, 1, 5), (11, 99, -7), (12, NULL, 9);
"""
PENDING = """
CREATE UNIQUE INDEX CONCURRENTLY accounts_email_key ON accounts (email);
ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;
ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id)
    REFERENCES accounts (id);
ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total > 0);
ALTER TABLE accounts ALTER COLUMN nick TYPE varchar(5);
ALTER TABLE accounts ALTER COLUMN score TYPE integer;
ALTER TYPE mood RENAME TO mood_old;
CREATE TYPE mood AS ENUM ('happy', 'sad');
ALTER TABLE accounts ALTER COLUMN feeling TYPE mood USING feeling::text::mood;
DROP TYPE mood_old;
"""


def _setup(conn, data: str, tmp_path: Path) -> list:
    conn.execute(SCHEMA)
    conn.execute(data)
    root = write_migrations(tmp_path / "m", [("pending", PENDING.strip(), None)])
    return discover(root)


def test_finds_each_planted_problem(pg_conn, tmp_path: Path) -> None:
    migrations = _setup(pg_conn, DIRTY_DATA, tmp_path)
    result = preflight(pg_conn, migrations, server_version=18)
    found = {(p.check, p.table, p.statement.span.line): p.count for p in result.problems}
    assert found == {
        ("duplicates", "public.accounts", 1): 1,
        ("nulls", "public.accounts", 2): 1,
        ("orphans", "public.orders", 3): 1,
        ("check-violations", "public.orders", 5): 1,
        ("out-of-range", "public.accounts", 6): 1,
        ("out-of-range", "public.accounts", 7): 1,
        ("out-of-range", "public.accounts", 10): 1,
    }
    assert result.notes == []
    # Each sample query runs as written and shows the offending rows.
    for problem in result.problems:
        rows = pg_conn.execute(problem.sample_query).fetchall()
        assert rows, problem.sample_query
    by_check = {p.check: p for p in result.problems}
    assert by_check["orphans"].message == (
        "1 row(s) of public.orders reference a missing public.accounts row (account_id): the "
        "foreign key cannot be validated")
    assert pg_conn.execute(by_check["orphans"].sample_query).fetchall() == [(99,)]


def test_silent_on_clean_data(pg_conn, tmp_path: Path) -> None:
    migrations = _setup(pg_conn, CLEAN_DATA, tmp_path)
    result = preflight(pg_conn, migrations, server_version=18)
    assert result.problems == []
    assert result.notes == []
    assert result.checks_run == 7


def test_enum_still_used_by_a_column_that_is_not_converted(pg_conn, tmp_path: Path) -> None:
    pg_conn.execute(SCHEMA + CLEAN_DATA)
    root = write_migrations(tmp_path / "m", [("drop", "DROP TYPE mood CASCADE;", None)])
    result = preflight(pg_conn, discover(root), server_version=18)
    (problem,) = result.problems
    assert (problem.check, problem.count) == ("type-in-use", 2)


def test_writes_before_the_check_turn_a_problem_into_a_note(pg_conn, tmp_path: Path) -> None:
    pg_conn.execute(SCHEMA + DIRTY_DATA)
    root = write_migrations(tmp_path / "m", [(
        "backfill", "UPDATE accounts SET email = 'none' WHERE email IS NULL;\n"
                    "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;", None)])
    result = preflight(pg_conn, discover(root), server_version=18)
    assert result.problems == []
    (note,) = result.notes
    assert "statement 1 of the pending migrations writes to public.accounts first" in note


def test_objects_created_by_pending_statements_are_not_queried(pg_conn,
                                                               tmp_path: Path) -> None:
    root = write_migrations(tmp_path / "m", [(
        "new", "CREATE TABLE fresh (id int, v int);\n"
               "CREATE UNIQUE INDEX fresh_v ON fresh (v);\n"
               "ALTER TABLE fresh ALTER COLUMN v SET NOT NULL;", None)])
    result = preflight(pg_conn, discover(root), server_version=18)
    assert (result.problems, result.notes, result.checks_run) == ([], [], 0)


def test_read_only_and_bounded(pg_conn, tmp_path: Path) -> None:
    """The checks run in a READ ONLY transaction with a statement timeout."""
    pg_conn.execute(SCHEMA + CLEAN_DATA)
    root = write_migrations(tmp_path / "m", [(
        "slow", "ALTER TABLE orders ADD CONSTRAINT slow CHECK "
                "(total > 0 OR pg_sleep(5) IS NULL);\n"
                "ALTER TABLE orders ADD CONSTRAINT w CHECK "
                "(total > 0 OR (SELECT count(*) FROM pg_class) > 0);", None)])
    # Two rows have total > 0 already (no sleep); the third makes the query sleep.
    pg_conn.execute("UPDATE orders SET total = -1 WHERE id = 12")
    result = preflight(pg_conn, discover(root), timeout_ms=200, server_version=18)
    assert result.problems == []
    assert len(result.notes) == 1 and result.notes[0].startswith("check timed out")
    assert pg_conn.execute("SHOW transaction_read_only").fetchone()[0] == "off"


@pytest.mark.parametrize("applied, expected", [(None, ["0001_a", "0002_b", "0003_c"]),
                                               (1, ["0002_b", "0003_c"]),
                                               (3, [])])
def test_pending_from_golang_migrate_table(pg_conn, tmp_path: Path, applied, expected) -> None:
    root = write_migrations(tmp_path / "m", [("a", "SELECT 1;", None), ("b", "SELECT 1;", None),
                                             ("c", "SELECT 1;", None)])
    if applied is not None:
        pg_conn.execute("CREATE TABLE schema_migrations (version bigint PRIMARY KEY, "
                        "dirty boolean NOT NULL)")
        pg_conn.execute("INSERT INTO schema_migrations VALUES (%s, false)", (applied,))
    pending, how = pending_migrations(pg_conn, discover(root), None)
    assert [m.id for m in pending] == expected
    assert ("schema_migrations" in how) == (applied is not None)


def test_pending_from_lockwise_apply_history(pg_db: str, tmp_path: Path) -> None:
    """A project run by `lockwise apply`: preflight found no migration tool table, checked
    every migration as pending, replayed 0001's CREATE TABLE as new, and so checked nothing
    of 0002 against the rows there: 'no data problems found by 0 read-only checks'. The
    history apply keeps says what is pending."""
    import psycopg
    from typer.testing import CliRunner

    from lockwise.cli.app import app

    root = write_migrations(tmp_path / "m", [
        ("t", "CREATE TABLE t (id int PRIMARY KEY, v text);", None),
        ("strict", "ALTER TABLE t ALTER COLUMN v SET NOT NULL;", None)])
    applied = CliRunner().invoke(app, ["apply", str(root), "--dsn", pg_db, "--to", "0001"])
    assert applied.exit_code == 0, applied.output
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("INSERT INTO t VALUES (1, NULL), (2, 'a')")
    result = CliRunner().invoke(app, ["verify", str(root), "--preflight", "--dsn", pg_db])
    assert result.exit_code == 1, result.output
    assert "not applied according to lockwise.schema_history" in result.stdout
    assert "0002_strict.up.sql:1:1: nulls: 1 row(s) of public.t have v NULL" in result.stdout
