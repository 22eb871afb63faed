"""What the calls of one statement see of each other (fix-pg77): the rows a body writes are
the transaction's for the bodies run after it, and a body run again at a later call of the
statement (called twice, or per row) runs under what the earlier calls left: the tables
they wrote (an UPDATE of rows the transaction wrote checks its foreign keys again, locking
the referenced table ROW SHARE) and the search_path they set (a PL/pgSQL or SQL body is
planned again under the new path). Each case held against the embedded server too."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects.body_writes import every_call
from lockwise.lint import LintOptions, lint_migrations
from test_body_runs import counted, runs_checked

#: accounts with a foreign key touch()'s and bump()'s UPDATEs do not set.
KEYED = """CREATE TABLE parents (id int PRIMARY KEY);
CREATE TABLE accounts (id int, parent int REFERENCES parents);
CREATE TABLE other_log (id int);
CREATE FUNCTION touch() RETURNS int LANGUAGE plpgsql AS $$
BEGIN UPDATE accounts SET id = id + 1; RETURN 1; END $$;
CREATE FUNCTION bump() RETURNS int LANGUAGE plpgsql AS $$
BEGIN UPDATE accounts SET id = id + 10; RETURN 1; END $$;
CREATE FUNCTION logged() RETURNS int LANGUAGE plpgsql AS $$
BEGIN INSERT INTO other_log VALUES (1); RETURN 1; END $$;
CREATE TABLE items (id int);
CREATE FUNCTION counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN UPDATE accounts SET id = id + 1; RETURN NEW; END $$;
CREATE TRIGGER items_counted AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION counted();
"""

#: (a statement run in a fresh transaction, whether the server locks parents)
KEY_CHECKS = [
    ("SELECT touch();", False),
    ("SELECT touch(), touch();", True),            # the second call checks the key
    ("SELECT touch() FROM generate_series(1, 2);", True),   # so does the second row
    ("SELECT bump(), touch();", True),             # touch runs after bump wrote accounts
    ("SELECT touch(), bump();", True),             # and bump after touch
    ("SELECT logged(), touch();", False),          # another table written
    ("SELECT logged() WHERE touch() > 0;", False),  # one row: touch runs once
    ("SELECT touch() WHERE bump() > 0;", True),    # WHERE runs before the output column
    ("INSERT INTO items VALUES (1);", False),       # a row trigger, one row
    ("INSERT INTO items VALUES (1), (2);", True),   # its second row's
    ("INSERT INTO items SELECT generate_series(1, 2);", True),
]


def _locks_parents(setup: str, sql: str) -> bool:
    statements = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                                  migration_from_text(sql, "0002_m.sql")], LintOptions(),
                                 Catalog())[-1].statements
    return "public.parents" in statements[-1].effect.locks


@pytest.mark.parametrize(("sql", "locked"), KEY_CHECKS)
def test_a_body_sees_the_rows_the_calls_before_it_wrote(sql: str, locked: bool) -> None:
    assert _locks_parents(KEYED, sql) is locked


def server_locks_parents(pg_db: str, setup: str, sql: str) -> bool:
    """Whether `sql`, run in a transaction on the server after `setup` (KEYED's tables and
    more) and a row in parents and in accounts, holds a lock on parents."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(setup + "INSERT INTO parents VALUES (1); INSERT INTO accounts VALUES (1, 1);")
        with conn.transaction():
            conn.execute(sql)
            [(held,)] = conn.execute(
                "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
                "WHERE c.relname = 'parents' AND l.pid = pg_backend_pid()").fetchall()
    return bool(held)


@pytest.mark.parametrize(("sql", "locked"), KEY_CHECKS)
def test_the_key_checks_are_the_servers(pg_db: str, sql: str, locked: bool) -> None:
    assert server_locks_parents(pg_db, KEYED, sql) is locked


def test_a_second_call_runs_the_body_again_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Three calls: the first run asked whether accounts was written (no), the second call's
    answer is yes, and the third's is the second's: two runs, as runs never kept give."""
    runs, statements = runs_checked(monkeypatch, KEYED, "SELECT touch(), touch(), touch();")
    assert runs.count("function public.touch") == 2
    assert "public.parents" in statements[-1].effect.locks


def test_a_second_call_that_does_as_the_first_adds_nothing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """logged() asks nothing of the tables written: its second call is the first's run,
    and the statement holds one call of it."""
    runs = counted(monkeypatch)
    statements = lint_migrations([migration_from_text(KEYED, "0001_setup.sql"),
                                  migration_from_text("SELECT logged(), logged();", "0002_m.sql")],
                                 LintOptions(), Catalog())[-1].statements
    assert runs.count("function public.logged") == 1
    assert [a.kind for a in statements[-1].effect.actions] == ["select", "routine_call", "insert"]


PATHS = """CREATE SCHEMA other;
CREATE TABLE accounts (id int);
CREATE TABLE other.accounts (id int);
CREATE FUNCTION g() RETURNS int LANGUAGE plpgsql AS $$
BEGIN INSERT INTO accounts VALUES (1); RETURN 1; END $$;
CREATE FUNCTION gs() RETURNS int LANGUAGE sql AS $$ INSERT INTO accounts VALUES (1); SELECT 1 $$;
CREATE FUNCTION ga() RETURNS int LANGUAGE sql BEGIN ATOMIC INSERT INTO accounts VALUES (1);
SELECT 1; END;
CREATE FUNCTION gp() RETURNS int LANGUAGE plpgsql SET search_path = public AS $$
BEGIN INSERT INTO accounts VALUES (1); RETURN 1; END $$;
CREATE FUNCTION h() RETURNS int LANGUAGE plpgsql AS $$
BEGIN SET search_path = other; RETURN 1; END $$;
"""
SET_OTHER = "set_config('search_path', 'other', false)"

#: (a statement, the tables its bodies insert into, in order: each as the server's rows say)
REPLANNED = [
    (f"SELECT g(), {SET_OTHER} FROM generate_series(1, 2);",
     ["public.accounts", "other.accounts"]),
    (f"SELECT gs(), {SET_OTHER} FROM generate_series(1, 2);",
     ["public.accounts", "other.accounts"]),
    (f"SELECT g(), {SET_OTHER}, g();", ["public.accounts", "other.accounts"]),
    ("SELECT g(), h() FROM generate_series(1, 2);", ["public.accounts", "other.accounts"]),
    ("SELECT g(), h(), g();", ["public.accounts", "other.accounts"]),
    # one row: g runs once, before the set
    (f"SELECT g(), {SET_OTHER};", ["public.accounts"]),
    # names bound at CREATE, or the routine's own path: the same table at every row
    (f"SELECT ga(), {SET_OTHER} FROM generate_series(1, 2);", ["public.accounts"]),
    (f"SELECT gp(), {SET_OTHER} FROM generate_series(1, 2);", ["public.accounts"]),
]


@pytest.mark.parametrize(("sql", "tables"), REPLANNED)
def test_a_body_run_again_after_the_path_changed_finds_its_names_anew(
        sql: str, tables: list[str]) -> None:
    statements = lint_migrations([migration_from_text(PATHS, "0001_setup.sql"),
                                  migration_from_text(sql, "0002_m.sql")], LintOptions(),
                                 Catalog())[-1].statements
    assert [a.facts["table"] for a in every_call(statements[-1].effect.actions)
            if a.kind == "insert"] == tables


@pytest.mark.parametrize(("sql", "tables"), REPLANNED)
def test_the_tables_written_are_the_servers(pg_db: str, sql: str, tables: list[str]) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(PATHS)
        conn.execute(sql)
        counts = conn.execute("SELECT (SELECT count(*) FROM public.accounts), "
                              "(SELECT count(*) FROM other.accounts)").fetchone()
    assert [s for s, n in zip(("public.accounts", "other.accounts"), counts, strict=True)
            if n] == sorted(set(tables), key=tables.index)
