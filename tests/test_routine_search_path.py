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
