"""A PL/pgSQL routine that calls itself on every run, before anything in its body can return
or catch an error, never ends: each call runs the body again, so a statement that cannot run
twice (ALTER TABLE ... ADD COLUMN: "already exists") fails the second time, and otherwise the
server stops it at max_stack_depth. Rule routine-calls-itself-always says so at its CREATE;
a routine whose self-call may be skipped (a RETURN before it, a branch, a loop, an EXCEPTION
clause that catches the error, a STRICT routine given arguments) is left alone. Each case is
checked on the server (18.6): the call fails, or not."""

from __future__ import annotations

import pytest

from test_routine_calls import _lint

RULE = "routine-calls-itself-always"


def _function(body: str, head: str = "rec() RETURNS void", declare: str = "") -> str:
    return (f"CREATE FUNCTION {head} LANGUAGE plpgsql AS $$\n{declare}"
            f"BEGIN\n{body}\nEND $$;\n")


#: (CREATE, a call of it, whether every call fails)
CASES = [
    (_function("  ALTER TABLE t ADD COLUMN y int;\n  PERFORM rec();"), "SELECT rec()", True),
    (_function("  ALTER TABLE t ADD COLUMN IF NOT EXISTS y int;\n  PERFORM rec();"),
     "SELECT rec()", True),  # stack depth limit exceeded
    (_function("  PERFORM public.rec();"), "SELECT rec()", True),
    (_function("  x := rec();\n  RETURN x;", "rec() RETURNS int", "DECLARE x int;\n"),
     "SELECT rec()", True),
    (_function("  IF n > 0 THEN\n    RAISE NOTICE 'n';\n  END IF;\n  PERFORM rec(n - 1);",
               "rec(n int) RETURNS void"), "SELECT rec(3)", True),
    ("CREATE PROCEDURE rec() LANGUAGE plpgsql AS $$\nBEGIN\n"
     "  ALTER TABLE t ADD COLUMN y int;\n  CALL rec();\nEND $$;\n", "CALL rec()", True),
    # a way out before the call
    (_function("  IF (SELECT count(*) FROM t) = 0 THEN\n    RETURN;\n  END IF;\n"
               "  PERFORM rec();"), "SELECT rec()", False),
    (_function("  IF n <= 0 THEN\n    RETURN;\n  END IF;\n  PERFORM rec(n - 1);",
               "rec(n int) RETURNS void"), "SELECT rec(3)", False),
    # the call itself in a branch, a loop, a query over rows, or under an EXCEPTION clause
    (_function("  IF (SELECT count(*) FROM t) > 0 THEN\n    PERFORM rec();\n  END IF;"),
     "SELECT rec()", False),
    (_function("  FOR i IN 1..0 LOOP\n    PERFORM rec();\n  END LOOP;"), "SELECT rec()",
     False),
    (_function("  PERFORM rec() FROM t;"), "SELECT rec()", False),
    (_function("  ALTER TABLE t ADD COLUMN y int;\n  PERFORM rec();\n"
               "EXCEPTION WHEN duplicate_column THEN\n  NULL;"), "SELECT rec()", False),
    # STRICT, given an argument that may be NULL: the call runs nothing then
    (_function("  PERFORM rec(NULL);", "rec(n int) RETURNS void STRICT"), "SELECT rec(1)",
     False),
    # another routine: calls a different overload
    (_function("  PERFORM rec(1);"), "SELECT rec()", False),
]


@pytest.mark.parametrize(("create", "call", "fails"), CASES)
def test_a_routine_that_always_calls_itself_is_reported(create: str, call: str,
                                                       fails: bool) -> None:
    reports, _ = _lint(create)
    created = reports[-1].statements[-1]
    assert (RULE in {f.rule for f in created.findings}) is fails


@pytest.mark.postgres
def test_the_server_fails_every_call_of_a_routine_that_always_calls_itself(pg_db: str) -> None:
    """18.6: each call of `CASES` fails (duplicate column, or stack depth limit exceeded) or
    runs, as the case says. (`rec(int)` is there too, for the overload case.)"""
    import psycopg

    failed = []
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for create, call, _ in CASES:
            conn.execute("CREATE TABLE t (id int PRIMARY KEY, c int);\n"
                         "CREATE FUNCTION rec(n int) RETURNS void LANGUAGE sql AS 'SELECT';\n"
                         + create.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
            try:
                conn.execute(call)
                failed.append(False)
            except (psycopg.errors.DuplicateColumn,
                    psycopg.errors.StatementTooComplex):  # (stack depth limit exceeded)
                failed.append(True)
            conn.execute("DROP TABLE t; DROP ROUTINE IF EXISTS rec(), rec(int);")
    assert failed == [fails for _, _, fails in CASES]


@pytest.mark.postgres
def test_a_case_without_else_before_the_call_may_stop_the_routine(pg_db: str) -> None:
    """18.6: a CASE whose WHEN matches nothing, and has no ELSE, raises case_not_found: the
    call after it is not reached for certain, so the rule says nothing."""
    import psycopg

    create = _function("  CASE WHEN (SELECT count(*) FROM t) > 0 THEN\n    NULL;\n"
                       "  END CASE;\n  PERFORM rec();")
    reports, _ = _lint(create)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int PRIMARY KEY, c int);\n" + create)
        with pytest.raises(psycopg.errors.CaseNotFound):
            conn.execute("SELECT rec()")
    assert RULE not in {f.rule for f in reports[-1].statements[-1].findings}


def _in(schema: str, body: str, clause: str = "") -> str:
    """CREATE FUNCTION `schema`.rec() of PL/pgSQL `body`, with `clause` (a SET) if given."""
    return (f"CREATE FUNCTION {schema}.rec() RETURNS void LANGUAGE plpgsql {clause} AS $$\n"
            f"BEGIN\n  {body}\nEND $$;\n")


#: A call's name found as the server finds a function's (fix-pg70): (what runs before, the
#: CREATE, a call of it, whether every call fails). Each schema is made first
#: (`_SCHEMAS`); the call runs under the path the migration left.
PATH_CASES = [
    # the path's first schema has no rec(): public's, itself, runs
    ("SET search_path = other, public;\n", _in("public", "PERFORM rec();"),
     "SELECT public.rec()", True),
    # its own SET clause: its body's rec() is app's, itself
    ("", _in("app", "PERFORM rec();", "SET search_path = app"), "SELECT app.rec()", True),
    ("", _in("app", "PERFORM app.rec();"), "SELECT app.rec()", True),
    ("SET search_path = app;\n", _in("app", "PERFORM rec();"), "SELECT app.rec()", True),
    # another schema's rec() comes first, or is the only one the path finds
    ("SET search_path = other, public;\n" + _in("other", "RAISE NOTICE 'x';"),
     _in("public", "PERFORM rec();"), "SELECT public.rec()", False),
    (_in("public", "RAISE NOTICE 'x';"), _in("app", "PERFORM rec();"), "SELECT app.rec()",
     False),
    (_in("public", "RAISE NOTICE 'x';"), _in("app", "PERFORM public.rec();"),
     "SELECT app.rec()", False),
]
_SCHEMAS = "CREATE SCHEMA other;\nCREATE SCHEMA app;\n"


@pytest.mark.parametrize(("before", "create", "call", "fails"), PATH_CASES)
def test_a_self_call_is_the_one_the_path_finds(before: str, create: str, call: str,
                                              fails: bool) -> None:
    reports, _ = _lint(_SCHEMAS + before + create)
    created = reports[-1].statements[-1]
    assert (RULE in {f.rule for f in created.findings}) is fails


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "create", "call", "fails"), PATH_CASES)
def test_the_server_calls_the_routine_the_path_finds(pg_db: str, before: str, create: str,
                                                     call: str, fails: bool) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(_SCHEMAS + before + create)
        try:
            conn.execute(call)
            failed = False
        except psycopg.errors.StatementTooComplex:  # (stack depth limit exceeded)
            failed = True
    assert failed is fails
