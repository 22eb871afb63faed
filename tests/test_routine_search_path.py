"""A routine called by its bare name under a search_path the migration set runs the body of
the first schema of the path that has one of that name and argument types (not the schema
of a relation of the name); a SET of search_path in a routine (its own SET clause, a SET or
set_config in its body) changes which schema its later unqualified names mean, and a plain
SET there lasts after the call. Each checked against the embedded server."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.core.types import LockMode
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE t (id int PRIMARY KEY, c int);\n"
TOUCH = ("CREATE FUNCTION touch() RETURNS void LANGUAGE plpgsql AS $$\n"
         "BEGIN\n  ALTER TABLE t ALTER COLUMN c TYPE bigint;\nEND $$;\n")


def _locks(*sqls: str) -> dict[str, LockMode]:
    """The locks lockwise says the last statement of the last of `sqls` takes."""
    migrations = [migration_from_text(sql, f"{i:04d}_m.sql") for i, sql in enumerate(sqls, 1)]
    reports = lint_migrations(migrations, LintOptions(), Catalog())
    return dict(reports[-1].statements[-1].effect.locks)


def _server_locks(uri: str, *sqls: str) -> set[str]:
    """The relations the last statement of the last of `sqls` holds ACCESS EXCLUSIVE on the
    server, in its own transaction (the others committed before it)."""
    import psycopg

    *before, last = sqls
    *head, call = last.rstrip().rstrip(";").split(";\n")
    with psycopg.connect(uri, autocommit=True) as conn:
        for sql in (*before, ";\n".join(head)):
            if sql.strip():
                conn.execute(sql)
        conn.execute("BEGIN")
        conn.execute(call)
        held = {str(r) for (r,) in conn.execute(
            "SELECT relation::regclass::text FROM pg_locks WHERE pid = pg_backend_pid() "
            "AND mode = 'AccessExclusiveLock' AND relation IS NOT NULL").fetchall()}
        conn.execute("ROLLBACK")
    return held


PATH_CALLS = [
    # public.touch found through the path: other has nothing of the name.
    (("CREATE SCHEMA other;\nSET search_path = other, public;\nSELECT touch();",), True),
    # A table named touch in other does not hide the function.
    (("CREATE SCHEMA other;\nCREATE TABLE other.touch (id int);\n"
      "SET search_path = other, public;\nSELECT touch();",), True),
    # An overload of other argument types in other: touch() is still public's.
    (("CREATE SCHEMA other;\nCREATE FUNCTION other.touch(n int) RETURNS void LANGUAGE "
      "plpgsql AS $$ BEGIN END $$;\nSET search_path = other, public;\nSELECT touch();",), True),
    # other.touch() comes first in the path: it runs, public's does not.
    (("CREATE SCHEMA other;\nCREATE FUNCTION other.touch() RETURNS void LANGUAGE plpgsql "
      "AS $$ BEGIN END $$;\nSET search_path = other, public;\nSELECT touch();",), False),
    # A path without public does not find it (the server refuses the call).
    (("CREATE SCHEMA other;\nCREATE FUNCTION other.nothing() RETURNS void LANGUAGE plpgsql "
      "AS $$ BEGIN END $$;\nSET search_path = other;\nSELECT nothing();",), False),
]


@pytest.mark.parametrize(("sqls", "runs"), PATH_CALLS)
def test_a_bare_call_runs_the_body_the_path_finds(sqls: tuple[str, ...], runs: bool) -> None:
    locks = _locks(SETUP + TOUCH, *sqls)
    assert (locks.get("public.t") == LockMode.ACCESS_EXCLUSIVE) is runs


@pytest.mark.postgres
@pytest.mark.parametrize(("sqls", "runs"), PATH_CALLS)
def test_the_server_runs_the_body_the_path_finds(pg_db: str, sqls: tuple[str, ...],
                                                 runs: bool) -> None:
    assert ("t" in _server_locks(pg_db, SETUP + TOUCH, *sqls)) is runs


ACCOUNTS = ("CREATE SCHEMA other;\nCREATE TABLE public.accounts (id int);\n"
            "CREATE TABLE other.accounts (id int);\n")
INSERT = "INSERT INTO accounts VALUES (1);"
#: A routine (its SET clause, its body) or a DO block, with the schema whose accounts the
#: body writes and the one the INSERT after the call writes, outside a transaction block
#: and in one (checked on 18.6).
SETS_IN_BODIES = [
    ("", f"SET search_path = other; {INSERT}", "other", "other", "other"),
    ("", f"SET LOCAL search_path = other; {INSERT}", "other", "public", "other"),
    ("SET search_path = other", INSERT, "other", "public", "public"),
    ("SET search_path = public", f"SET search_path = other; {INSERT}", "other", "other",
     "other"),
    ("SET search_path = public", f"SET LOCAL search_path = other; {INSERT}", "other",
     "public", "public"),
    ("", f"PERFORM set_config('search_path', 'other', false); {INSERT}", "other", "other",
     "other"),
    ("", f"PERFORM set_config('search_path', 'other', true); {INSERT}", "other", "public",
     "other"),
    ("SET search_path = public", "PERFORM set_config('search_path', 'other', true); "
     f"{INSERT}", "other", "public", "public"),
    ("SET search_path = other", f"RESET search_path; {INSERT}", "public", "public",
     "public"),
    ("", INSERT, "public", "public", "public"),
    (None, f"SET search_path = other; {INSERT}", "other", "other", "other"),
    (None, f"SET LOCAL search_path = other; {INSERT}", "other", "public", "other"),
]


def _call(clause: str | None, body: str) -> tuple[str, str]:
    """The statements creating the routine (none for a DO block) and calling it."""
    if clause is None:
        return "", f"DO $$ BEGIN {body} END $$;"
    return (f"CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql {clause} AS $$ "
            f"BEGIN {body} END $$;\n", "SELECT f();")


def _written(locks: dict[str, LockMode]) -> str:
    return ",".join(sorted(t.split(".")[0] for t in locks if t.endswith(".accounts")))


@pytest.mark.parametrize("block", [False, True])
@pytest.mark.parametrize(("clause", "body", "in_body", "after", "after_in_block"),
                         SETS_IN_BODIES)
def test_a_search_path_set_in_a_body_decides_its_later_names(
        clause: str | None, body: str, in_body: str, after: str, after_in_block: str,
        block: bool) -> None:
    create, call = _call(clause, body)
    begin, commit = ("BEGIN;\n", "\nCOMMIT;") if block else ("", "")
    migrations = [migration_from_text(ACCOUNTS, "0001_m.sql"), migration_from_text(
        f"{create}{begin}{call}\nINSERT INTO accounts VALUES (2);{commit}", "0002_m.sql")]
    statements = lint_migrations(migrations, LintOptions(), Catalog())[-1].statements
    called, inserted = (s.effect.locks for s in statements[-3 if block else -2:][:2])
    assert _written(called) == in_body
    assert _written(inserted) == (after_in_block if block else after)


@pytest.mark.postgres
@pytest.mark.parametrize("block", [False, True])
@pytest.mark.parametrize(("clause", "body", "in_body", "after", "after_in_block"),
                         SETS_IN_BODIES)
def test_the_server_resolves_names_after_a_set_in_a_body_alike(
        pg_db: str, clause: str | None, body: str, in_body: str, after: str,
        after_in_block: str, block: bool) -> None:
    import psycopg

    create, call = _call(clause, body)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(ACCOUNTS + create)
        if block:
            conn.execute("BEGIN")
        conn.execute(call)
        conn.execute("INSERT INTO accounts VALUES (2)")
        if block:
            conn.execute("COMMIT")
        found = {n: s for s in ("public", "other") for (n,) in conn.execute(
            f"SELECT id FROM {s}.accounts").fetchall()}
    assert found == {1: in_body, 2: after_in_block if block else after}


#: Tables a body makes after a path it set (or under its SET clause), and where.
MADE_IN_BODIES = [
    ("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql SET search_path = other AS $$ "
     "BEGIN CREATE TABLE x (id int); END $$;\nSELECT f();", "other.x"),
    ("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN SET LOCAL search_path "
     "= other; CREATE TABLE x (id int); END $$;\nSELECT f();", "other.x"),
    ("DO $$ BEGIN SET search_path = other; CREATE TABLE x (id int); END $$;", "other.x"),
    ("DO $$ BEGIN SET search_path = other; RESET search_path; CREATE TABLE x (id int); "
     "END $$;", "public.x"),
    ("CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN CREATE TABLE x (id int);"
     " END $$;\nSELECT f();", "public.x"),
]


@pytest.mark.parametrize(("sql", "made"), MADE_IN_BODIES)
def test_the_replay_makes_a_bodys_table_in_the_schema_of_its_path(sql: str,
                                                                   made: str) -> None:
    catalog = Catalog()
    lint_migrations([migration_from_text("CREATE SCHEMA other;", "0001_m.sql"),
                     migration_from_text(sql, "0002_m.sql")], LintOptions(), catalog)
    assert [t for t in catalog.tables if t.endswith(".x")] == [made]


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "made"), MADE_IN_BODIES)
def test_the_server_makes_a_bodys_table_in_the_schema_of_its_path(
        pg_db: str, sql: str, made: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA other;")
        conn.execute(sql)
        found = conn.execute("SELECT relnamespace::regnamespace::text || '.x' FROM pg_class "
                             "WHERE relname = 'x'").fetchall()
    assert [f for (f,) in found] == [made]
