"""A PL/pgSQL function or procedure's body runs where the migration calls it (`SELECT f()`,
`CALL p()`, `PERFORM f()` in a DO block or another routine): its statements are judged at
the call as a DO block's are (their locks are the call's; findings point at the call and say
which routine), a body that builds its SQL at run time gets `dynamic-sql-not-linted` there,
and the replay follows what the body changes. Recursion is bounded. Creating the routine
runs nothing (PostgreSQL only checks a PL/pgSQL body's syntax then)."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.core.types import LockMode
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE t (id int PRIMARY KEY, c int);\n"
WIDEN = ("CREATE FUNCTION widen() RETURNS void LANGUAGE plpgsql AS $$\n"
         "BEGIN\n  ALTER TABLE t ALTER COLUMN c TYPE bigint;\nEND $$;\n")
WIDEN_P = ("CREATE PROCEDURE widen_p() LANGUAGE plpgsql AS $$\n"
           "BEGIN\n  ALTER TABLE t ALTER COLUMN c TYPE bigint;\nEND $$;\n")
DYNAMIC = ("CREATE FUNCTION add_to(tname text) RETURNS int LANGUAGE plpgsql AS $$\n"
           "BEGIN\n  EXECUTE format('ALTER TABLE %I ADD COLUMN d int', tname);\n"
           "  RETURN 1;\nEND $$;\n")


def _lint(*sqls: str, catalog: Catalog | None = None):
    catalog = catalog if catalog is not None else Catalog()
    migrations = [migration_from_text(SETUP, "0001_setup.sql")] + [
        migration_from_text(sql, f"000{i + 2}_m.sql") for i, sql in enumerate(sqls)]
    reports = lint_migrations(migrations, LintOptions(), catalog)
    return reports, catalog


def _rules(stmt) -> set[str]:
    return {f.rule for f in stmt.findings}


def runs_on_t(setup: str, write: str) -> bool:
    """Whether lockwise has `write` (a migration's last statement), after `setup`, run a
    function that retypes u (on_t): u is then locked ACCESS EXCLUSIVE."""
    reports, _ = _lint(setup, write)
    return reports[-1].statements[-1].effect.locks.get("public.u") == LockMode.ACCESS_EXCLUSIVE


def holds_u(conn) -> bool:
    """Whether the server session `conn` holds u ACCESS EXCLUSIVE (on_t ran)."""
    return bool(conn.execute("SELECT 1 FROM pg_locks WHERE relation = 'u'::regclass "
                             "AND pid = pg_backend_pid() AND mode = 'AccessExclusiveLock'"
                             ).fetchall())


def server_runs_on_t(conn, setup: str, write: str, drop: str) -> bool:
    """Whether the server session `conn`, after `setup` (committed: creating u locked it),
    runs on_t at `write` (statements split at ";\n"); rolled back, then `drop` committed."""
    conn.execute(setup)
    conn.commit()
    for statement in write.split(";\n"):
        conn.execute(statement)
    ran = holds_u(conn)
    conn.rollback()
    conn.execute(drop)
    conn.commit()
    return ran


@pytest.mark.parametrize(("create", "call"), [
    (WIDEN, "SELECT widen();"),
    (WIDEN_P, "CALL widen_p();"),
    (WIDEN, "DO $$ BEGIN PERFORM widen(); END $$;"),
    (WIDEN_P, "DO $$ BEGIN CALL widen_p(); END $$;"),
])
def test_a_called_routines_statements_are_judged_at_the_call(create: str, call: str) -> None:
    reports, catalog = _lint(create + call)
    created, called = reports[-1].statements
    assert "column-type-change-rewrites" not in _rules(created)  # creating it runs nothing
    assert called.effect.locks.get("public.t") == LockMode.ACCESS_EXCLUSIVE
    finding = next(f for f in called.findings if f.rule == "column-type-change-rewrites")
    # At the call (a DO block's PERFORM, on its line): the body is elsewhere.
    assert finding.span.line == called.statement.span.line
    assert "widen" in finding.message
    # The replay follows the body: the column is bigint for what comes next.
    assert catalog.tables["public.t"].columns["c"].type_name == "int8"


def test_a_routine_created_in_an_earlier_migration_is_judged_at_a_later_call() -> None:
    reports, _ = _lint(WIDEN, "SELECT widen();")
    assert "column-type-change-rewrites" in _rules(reports[-1].statements[0])


def test_dynamic_sql_in_a_called_routine_is_reported_at_the_call() -> None:
    reports, _ = _lint(DYNAMIC + "SELECT add_to('t');")
    created, called = reports[-1].statements
    assert "dynamic-sql-not-linted" not in _rules(created)
    finding = next(f for f in called.findings if f.rule == "dynamic-sql-not-linted")
    assert "add_to" in finding.message and "ALTER TABLE %I" in finding.message


def test_a_routine_in_another_language_or_not_called_runs_nothing() -> None:
    reports, _ = _lint(WIDEN + "SELECT 1;",
                       "CREATE FUNCTION s() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
                       "SELECT s();")
    assert not reports[-2].statements[-1].effect.locks
    assert not reports[-1].statements[-1].effect.locks


def test_a_dropped_routine_is_not_judged_at_a_later_call() -> None:
    reports, _ = _lint(WIDEN, "DROP FUNCTION widen();\nSELECT widen();")
    assert "column-type-change-rewrites" not in _rules(reports[-1].statements[-1])


def test_a_routine_of_a_dropped_schema_is_not_judged_at_a_later_call() -> None:
    # (on 18.6 DROP SCHEMA ... CASCADE drops the schema's functions: the call then fails)
    create = WIDEN.replace("FUNCTION widen", "FUNCTION app.widen")
    reports, catalog = _lint("CREATE SCHEMA app;\n" + create,
                             "DROP SCHEMA app CASCADE;\nSELECT app.widen();")
    assert "column-type-change-rewrites" not in _rules(reports[-1].statements[-1])
    assert "app.widen" not in catalog.kept_routines


def test_recursive_routines_are_expanded_a_bounded_number_of_times() -> None:
    reports, _ = _lint(
        "CREATE FUNCTION ping(n int) RETURNS void LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  ALTER TABLE t ALTER COLUMN c TYPE bigint;\n  PERFORM pong(n);\nEND $$;\n"
        "CREATE FUNCTION pong(n int) RETURNS void LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  PERFORM ping(n);\nEND $$;\n"
        "SELECT ping(1);")
    called = reports[-1].statements[-1]
    assert called.effect.locks.get("public.t") == LockMode.ACCESS_EXCLUSIVE
    assert len(called.effect.actions) < 20


@pytest.mark.postgres
def test_the_call_holds_the_locks_the_body_takes_on_the_server(pg_db: str) -> None:
    """18.6: creating the function locks nothing of `t`; `SELECT widen()` holds ACCESS
    EXCLUSIVE on it until the transaction ends, and changes the column."""
    import psycopg

    reports, catalog = _lint(WIDEN + "SELECT widen();")
    called = reports[-1].statements[-1]
    with psycopg.connect(pg_db) as conn:
        conn.execute(SETUP + WIDEN)
        conn.commit()
        conn.execute("SELECT widen()")
        held = {mode for (mode,) in conn.execute(
            "SELECT mode FROM pg_locks WHERE relation = 't'::regclass "
            "AND pid = pg_backend_pid()").fetchall()}
        conn.commit()
        (type_name,) = conn.execute("SELECT atttypid::regtype::text FROM pg_attribute WHERE "
                                    "attrelid = 't'::regclass AND attname = 'c'").fetchone()
    assert "AccessExclusiveLock" in held
    assert called.effect.locks["public.t"] == LockMode.ACCESS_EXCLUSIVE
    assert (type_name, catalog.tables["public.t"].columns["c"].type_name) == ("bigint", "int8")


@pytest.mark.postgres
def test_a_procedure_that_commits_is_called_outside_a_transaction_block(pg_db: str) -> None:
    """18.6 refuses `CALL p()` inside BEGIN when p commits ("invalid transaction
    termination"): the CALL is not transactional, as a DO block that commits is not."""
    import psycopg

    create = "CREATE PROCEDURE p() LANGUAGE plpgsql AS $$ BEGIN COMMIT; END $$;\n"
    reports, _ = _lint(create + "CALL p();")
    with psycopg.connect(pg_db) as conn:
        conn.execute(create)
        conn.commit()
        with pytest.raises(psycopg.errors.InvalidTransactionTermination):
            conn.execute("CALL p()")
    assert not reports[-1].statements[-1].effect.transactional


WIDEN_I = ("CREATE FUNCTION widen_i() RETURNS int LANGUAGE plpgsql AS $$\n"
           "BEGIN\n  ALTER TABLE t ALTER COLUMN c TYPE bigint;\n  RETURN 1;\nEND $$;\n")


@pytest.mark.parametrize("call", [
    "DO $$ DECLARE x int; BEGIN x := widen_i(); END $$;",
    "DO $$ BEGIN IF widen_i() > 0 THEN RAISE NOTICE 'wide'; END IF; END $$;",
    "DO $$ DECLARE r record; BEGIN\n  FOR r IN SELECT widen_i() AS v LOOP NULL; END LOOP;\n"
    "END $$;",
    "DO $$ BEGIN WHILE widen_i() < 0 LOOP NULL; END LOOP; END $$;",
    "CREATE FUNCTION outer_f() RETURNS int LANGUAGE plpgsql AS $$\n"
    "BEGIN\n  RETURN widen_i();\nEND $$;\nSELECT outer_f();",
])
def test_a_call_in_a_plpgsql_expression_runs_the_routine(call: str) -> None:
    """An assignment, a condition, a FOR's query and a RETURN evaluate their expression as a
    SELECT: a routine it calls runs there (18.6: the call holds the body's locks, below)."""
    reports, catalog = _lint(WIDEN_I + call)
    called = reports[-1].statements[-1]
    assert called.effect.locks.get("public.t") == LockMode.ACCESS_EXCLUSIVE
    finding = next(f for f in called.findings if f.rule == "column-type-change-rewrites")
    assert "widen_i" in finding.message
    assert catalog.tables["public.t"].columns["c"].type_name == "int8"


@pytest.mark.postgres
def test_a_call_in_an_assignment_holds_the_bodys_locks_on_the_server(pg_db: str) -> None:
    """18.6: `x := widen_i()` in a DO block runs the function: ACCESS EXCLUSIVE on `t` held
    to the end of the transaction, as the model has it."""
    import psycopg

    call = "DO $$ DECLARE x int; BEGIN x := widen_i(); END $$"
    reports, _ = _lint(WIDEN_I + call + ";")
    with psycopg.connect(pg_db) as conn:
        conn.execute(SETUP + WIDEN_I)
        conn.commit()
        conn.execute(call)
        held = {mode for (mode,) in conn.execute(
            "SELECT mode FROM pg_locks WHERE relation = 't'::regclass "
            "AND pid = pg_backend_pid()").fetchall()}
        conn.rollback()
    assert "AccessExclusiveLock" in held
    assert reports[-1].statements[-1].effect.locks["public.t"] == LockMode.ACCESS_EXCLUSIVE


OVERLOADS = ("CREATE FUNCTION ov(n int) RETURNS int LANGUAGE plpgsql AS $$\n"
             "BEGIN\n  ALTER TABLE t ALTER COLUMN c TYPE bigint;\n  RETURN n;\nEND $$;\n"
             "CREATE FUNCTION ov(s text) RETURNS int LANGUAGE plpgsql AS $$\n"
             "BEGIN\n  RETURN length(s);\nEND $$;\n"
             "CREATE FUNCTION ov(n int, m int) RETURNS int LANGUAGE plpgsql AS $$\n"
             "BEGIN\n  RETURN n + m;\nEND $$;\n")


@pytest.mark.parametrize(("call", "widens"), [
    ("SELECT ov(1);", True),  # an integer constant: ov(int), as on the server
    ("SELECT ov(1::int4);", True),
    ("SELECT ov('x'::text);", False),  # a cast says the type: ov(text)
    ("SELECT ov(1, 2);", False),  # two arguments: ov(int, int)
    ("SELECT ov('1');", False),  # an untyped constant: which is not evident, nothing said
    ("SELECT ov(c) FROM t;", True),  # a column of the FROM list: its type, int (ov(int))
    ("SELECT ov(x.c) FROM (SELECT c FROM t) x;", True),  # a subquery's: its column's type
    ("SELECT ov(x.c) FROM (SELECT c || '' AS c FROM t) x;", False),  # not typed: not followed
])
def test_overloads_are_told_apart_by_their_arguments(call: str, widens: bool) -> None:
    reports, _ = _lint(OVERLOADS + call)
    called = reports[-1].statements[-1]
    assert ("column-type-change-rewrites" in _rules(called)) is widens
    assert (called.effect.locks.get("public.t") == LockMode.ACCESS_EXCLUSIVE) is widens


def test_a_call_that_may_mean_either_overload_judges_neither() -> None:
    """`od(1)` may be od(int) or od(int, int DEFAULT 0) (the server refuses it as
    ambiguous): neither body is judged."""
    reports, _ = _lint(
        "CREATE FUNCTION od(n int) RETURNS int LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  ALTER TABLE t ALTER COLUMN c TYPE bigint;\n  RETURN n;\nEND $$;\n"
        "CREATE FUNCTION od(n int, m int DEFAULT 0) RETURNS int LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  RETURN n;\nEND $$;\nSELECT od(1);\nSELECT od(1, 2);")
    assert "column-type-change-rewrites" not in _rules(reports[-1].statements[-2])
    assert not reports[-1].statements[-1].effect.locks


@pytest.mark.parametrize(("drop", "widens"), [
    ("DROP FUNCTION ov(text);", True),
    ("DROP FUNCTION ov(int);", False),
    ("ALTER FUNCTION ov(int) RENAME TO ov2;", False),
])
def test_drop_or_rename_of_one_overload_leaves_the_others(drop: str, widens: bool) -> None:
    reports, _ = _lint(OVERLOADS, drop + "\nSELECT ov(1::int);\nSELECT ov('x'::text);")
    by_int, by_text = reports[-1].statements[-2:]
    assert ("column-type-change-rewrites" in _rules(by_int)) is widens
    assert "column-type-change-rewrites" not in _rules(by_text)


@pytest.mark.postgres
def test_the_server_runs_the_overload_the_arguments_choose(pg_db: str) -> None:
    """18.6: ov(1) and ov(1::int4) run ov(int) (ACCESS EXCLUSIVE on t); ov('x'::text),
    ov(1, 2) and, after DROP FUNCTION ov(int), ov('x') lock nothing of t."""
    import psycopg

    def locks_t(conn: psycopg.Connection, call: str) -> bool:
        conn.execute(call)
        held = bool(conn.execute("SELECT 1 FROM pg_locks WHERE relation = 't'::regclass "
                                 "AND pid = pg_backend_pid()").fetchall())
        conn.rollback()
        return held

    with psycopg.connect(pg_db) as conn:
        conn.execute(SETUP + OVERLOADS)
        conn.commit()
        assert [locks_t(conn, c) for c in ("SELECT ov(1)", "SELECT ov(1::int4)",
                                           "SELECT ov('x'::text)", "SELECT ov(1, 2)")] == \
            [True, True, False, False]
        conn.execute("DROP FUNCTION ov(int)")
        conn.commit()
        assert conn.execute("SELECT count(*) FROM pg_proc WHERE proname = 'ov'"
                            ).fetchone() == (2,)
        assert not locks_t(conn, "SELECT ov('x')")


@pytest.mark.postgres
def test_the_server_runs_the_overload_of_a_subquerys_column(pg_db: str) -> None:
    """18.6: ov(x.c) of a subquery's int column runs ov(int) (whose ALTER TABLE t the
    server refuses while the query reads t: "cannot ALTER TABLE "t" because it is being used
    by active queries"), of its text column ov(text)."""
    import psycopg

    from server_helpers import server_error

    setup = SETUP + OVERLOADS + "INSERT INTO t VALUES (1, 1);"
    assert [server_error(pg_db, script, f"SELECT ov(x.c) FROM (SELECT {c} AS c FROM t) x",
                         (psycopg.errors.ObjectInUse,)) is not None
            for script, c in ((setup, "c"), (None, "c || ''"))] == [True, False]


@pytest.mark.parametrize("create", [
    "CREATE FUNCTION wsql() RETURNS void LANGUAGE sql AS $$\n"
    "  ALTER TABLE t ALTER COLUMN c TYPE bigint;\n$$;\n",
    "CREATE FUNCTION wsql() RETURNS void LANGUAGE sql AS\n"
    "  'SELECT 1; ALTER TABLE t ALTER COLUMN c TYPE bigint';\n",
])
def test_a_sql_functions_statements_are_judged_at_the_call(create: str) -> None:
    reports, catalog = _lint(create + "SELECT wsql();")
    created, called = reports[-1].statements
    assert "column-type-change-rewrites" not in _rules(created)
    assert called.effect.locks.get("public.t") == LockMode.ACCESS_EXCLUSIVE
    finding = next(f for f in called.findings if f.rule == "column-type-change-rewrites")
    assert "wsql" in finding.message and finding.span.line == called.statement.span.line
    assert catalog.tables["public.t"].columns["c"].type_name == "int8"


def test_a_begin_atomic_body_runs_at_the_call() -> None:
    reports, _ = _lint("CREATE FUNCTION bump() RETURNS void LANGUAGE sql\n"
                       "BEGIN ATOMIC\n  UPDATE t SET c = c + 1;\nEND;\nSELECT bump();")
    called = reports[-1].statements[-1]
    assert called.effect.locks.get("public.t") == LockMode.ROW_EXCLUSIVE
    assert "unbatched-backfill" in _rules(called)


@pytest.mark.postgres
def test_a_sql_functions_body_takes_its_locks_at_the_call_on_the_server(pg_db: str) -> None:
    """18.6: a SQL function's ALTER TABLE runs at the call (ACCESS EXCLUSIVE on t); a BEGIN
    ATOMIC body's UPDATE holds ROW EXCLUSIVE from the call. (Its body depends on column c:
    the server then refuses to retype c, so it is made after.)"""
    import psycopg

    wsql = ("CREATE FUNCTION wsql() RETURNS void LANGUAGE sql AS "
            "$$ ALTER TABLE t ALTER COLUMN c TYPE bigint $$;\n")
    bump = "CREATE FUNCTION bump() RETURNS void LANGUAGE sql\nBEGIN ATOMIC UPDATE t SET c = 1; END"
    reports, _ = _lint(wsql + "SELECT wsql();\n" + bump + ";\nSELECT bump();")
    model = [s.effect.locks.get("public.t") for s in reports[-1].statements[1::2]]

    def held(conn: psycopg.Connection) -> set[str]:
        return {mode for (mode,) in conn.execute(
            "SELECT mode FROM pg_locks WHERE relation = 't'::regclass "
            "AND pid = pg_backend_pid()").fetchall()}

    with psycopg.connect(pg_db) as conn:
        conn.execute(SETUP + wsql)
        conn.commit()
        conn.execute("SELECT wsql()")
        by_wsql = held(conn)
        conn.commit()
        conn.execute(bump)
        conn.commit()
        conn.execute("SELECT bump()")
        by_bump = held(conn)
        conn.rollback()
    assert "AccessExclusiveLock" in by_wsql and "RowExclusiveLock" in by_bump
    assert model == [LockMode.ACCESS_EXCLUSIVE, LockMode.ROW_EXCLUSIVE]


TRIGGER = ("CREATE TABLE u (id int PRIMARY KEY, n int);\n"
           "CREATE FUNCTION on_t() RETURNS trigger LANGUAGE plpgsql AS $$\n"
           "BEGIN\n  ALTER TABLE u ALTER COLUMN n TYPE bigint;\n  RETURN NEW;\nEND $$;\n"
           "CREATE TRIGGER t_ins BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION on_t();\n")


@pytest.mark.parametrize(("before", "write", "runs"), [
    ("", "INSERT INTO t VALUES (1, 1);", True),
    ("", "UPDATE t SET c = 2;", False),  # an INSERT trigger: an UPDATE does not fire it
    ("ALTER TABLE t DISABLE TRIGGER t_ins;\n", "INSERT INTO t VALUES (1, 1);", False),
    ("ALTER TABLE t DISABLE TRIGGER ALL;\n", "INSERT INTO t VALUES (1, 1);", False),
    ("ALTER TABLE t DISABLE TRIGGER USER;\nALTER TABLE t ENABLE TRIGGER t_ins;\n",
     "INSERT INTO t VALUES (1, 1);", True),
    ("SET session_replication_role = replica;\n", "INSERT INTO t VALUES (1, 1);", False),
    ("SET session_replication_role = replica;\nRESET session_replication_role;\n",
     "INSERT INTO t VALUES (1, 1);", True),
    # SET LOCAL lasts to the end of its transaction
    ("BEGIN;\nSET LOCAL session_replication_role = replica;\n",
     "INSERT INTO t VALUES (1, 1);", False),
    ("BEGIN;\nSET LOCAL session_replication_role = replica;\nCOMMIT;\n",
     "INSERT INTO t VALUES (1, 1);", True),
    ("ALTER TABLE t ENABLE ALWAYS TRIGGER t_ins;\n"
     "SET session_replication_role = replica;\n", "INSERT INTO t VALUES (1, 1);", True),
    ("ALTER TABLE t ENABLE REPLICA TRIGGER t_ins;\n", "INSERT INTO t VALUES (1, 1);", False),
    ("DROP TRIGGER t_ins ON t;\n", "INSERT INTO t VALUES (1, 1);", False),
])
def test_a_write_runs_the_function_of_an_enabled_trigger(before: str, write: str,
                                                         runs: bool) -> None:
    reports, _ = _lint(TRIGGER, before + write)  # (u not new: its rewrite matters)
    written = reports[-1].statements[-1]
    assert (written.effect.locks.get("public.u") == LockMode.ACCESS_EXCLUSIVE) is runs
    assert ("column-type-change-rewrites" in _rules(written)) is runs


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "runs"), [
    ("", True),
    ("ALTER TABLE t DISABLE TRIGGER t_ins", False),
    ("SET session_replication_role = replica", False),
    ("ALTER TABLE t ENABLE ALWAYS TRIGGER t_ins; SET session_replication_role = replica",
     True),
    ("ALTER TABLE t ENABLE REPLICA TRIGGER t_ins", False),
])
def test_the_server_runs_an_enabled_triggers_function_at_the_write(pg_db: str, before: str,
                                                                   runs: bool) -> None:
    """18.6: INSERT INTO t runs t_ins's function (ACCESS EXCLUSIVE on u) unless the trigger
    is disabled, or fires in the other replication role than the session's."""
    import psycopg

    reports, _ = _lint(TRIGGER, (before + ";\n" if before else "")
                       + "INSERT INTO t VALUES (1, 1);")
    with psycopg.connect(pg_db) as conn:
        conn.execute("DROP TABLE IF EXISTS t, u CASCADE")
        conn.execute(SETUP + TRIGGER.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION"))
        conn.commit()
        if before:
            conn.execute(before)
        conn.execute("INSERT INTO t VALUES (1, 1)")
        held = bool(conn.execute("SELECT 1 FROM pg_locks WHERE relation = 'u'::regclass "
                                 "AND pid = pg_backend_pid() AND mode = 'AccessExclusiveLock'"
                                 ).fetchall())
        conn.rollback()
        conn.execute("RESET session_replication_role")
        conn.execute("DROP TABLE t, u CASCADE")
        conn.commit()
    assert held is runs
    written = reports[-1].statements[-1]
    assert (written.effect.locks.get("public.u") == LockMode.ACCESS_EXCLUSIVE) is runs


@pytest.mark.postgres
def test_a_procedures_out_parameter_is_passed_at_the_call(pg_db: str) -> None:
    """18.6 (PostgreSQL 14 and later): CALL passes an argument for a procedure's OUT
    parameter (`CALL pout(1, NULL)`; `CALL pout(1)` finds no procedure), so the overload is
    chosen counting it."""
    import psycopg

    create = ("CREATE PROCEDURE pout(IN n int, OUT m int) LANGUAGE plpgsql AS $$\n"
              "BEGIN\n  ALTER TABLE t ALTER COLUMN c TYPE bigint;\n  m := n;\nEND $$;\n")
    reports, _ = _lint(create + "CALL pout(1, NULL);")
    with psycopg.connect(pg_db) as conn:
        conn.execute("DROP TABLE IF EXISTS t CASCADE")
        conn.execute(SETUP + create)
        conn.commit()
        with pytest.raises(psycopg.errors.UndefinedFunction):
            conn.execute("CALL pout(1)")
        conn.rollback()
        conn.execute("CALL pout(1, NULL)")
        conn.rollback()
        conn.execute("DROP TABLE t CASCADE")
        conn.commit()
    assert reports[-1].statements[-1].effect.locks["public.t"] == LockMode.ACCESS_EXCLUSIVE


# --- which writes fire a trigger: UPDATE OF, MERGE's actions, COPY FROM, ON CONFLICT ---------

#: t's triggers, each running on_t (which retypes u): which of them a write fires decides
#: whether u is rewritten at the write.
REACH = ("CREATE TABLE u (id int PRIMARY KEY, n int);\n"
         "ALTER TABLE t ADD COLUMN d int;\n"
         "CREATE FUNCTION on_t() RETURNS trigger LANGUAGE plpgsql AS $$\n"
         "BEGIN\n  ALTER TABLE u ALTER COLUMN n TYPE bigint;\n  RETURN NEW;\nEND $$;\n")
#: The merges below, their source row matching t's row 1 or not.
_MERGE = "MERGE INTO t USING (SELECT {id} AS id) s ON t.id = s.id "


def _reach_cases() -> list[tuple[str, str, bool]]:
    """(trigger, write, fires), each checked on the server too."""
    update_of = "BEFORE UPDATE OF c ON t FOR EACH ROW"
    insert = "BEFORE INSERT ON t FOR EACH ROW"
    delete = "BEFORE DELETE ON t FOR EACH ROW"
    return [
        (update_of, "UPDATE t SET d = 5", False),  # SET names no column of UPDATE OF
        (update_of, "UPDATE t SET c = 5", True),
        (update_of, "UPDATE t SET c = c", True),  # named, even unchanged
        (update_of, "UPDATE t SET (d, c) = (1, 2)", True),
        (update_of, _MERGE.format(id=1) + "WHEN MATCHED THEN UPDATE SET d = 1", False),
        (update_of, _MERGE.format(id=1) + "WHEN MATCHED THEN UPDATE SET c = 1", True),
        (update_of, "INSERT INTO t VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET d = 1", False),
        (update_of, "INSERT INTO t VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET c = 1", True),
        ("BEFORE UPDATE ON t FOR EACH ROW",
         "INSERT INTO t VALUES (1, 0) ON CONFLICT (id) DO UPDATE SET d = 1", True),
        ("BEFORE UPDATE ON t FOR EACH ROW",
         "INSERT INTO t VALUES (1, 0) ON CONFLICT DO NOTHING", False),
        (insert, _MERGE.format(id=2) + "WHEN NOT MATCHED THEN INSERT VALUES (2, 0)", True),
        (insert, _MERGE.format(id=1) + "WHEN MATCHED THEN DELETE", False),
        (delete, _MERGE.format(id=1) + "WHEN MATCHED THEN DELETE", True),
        (delete, _MERGE.format(id=1) + "WHEN MATCHED THEN DO NOTHING", False),
        (insert, "COPY t (id, c) FROM STDIN", True),
        (update_of, "COPY t (id, c) FROM STDIN", False),
    ]


def _with_trigger(trigger: str) -> str:
    return REACH + f"CREATE TRIGGER t_w {trigger} EXECUTE FUNCTION on_t();\n"


@pytest.mark.parametrize(("trigger", "write", "fires"), _reach_cases())
def test_a_write_runs_the_triggers_it_fires(trigger: str, write: str, fires: bool) -> None:
    assert runs_on_t(_with_trigger(trigger), write + ";") is fires


def test_update_of_follows_a_renamed_column() -> None:
    reports, _ = _lint(_with_trigger("BEFORE UPDATE OF c ON t FOR EACH ROW"),
                       "ALTER TABLE t RENAME COLUMN c TO e;\nUPDATE t SET e = 1;")
    assert reports[-1].statements[-1].effect.locks.get("public.u") == \
        LockMode.ACCESS_EXCLUSIVE


@pytest.mark.postgres
def test_the_server_fires_the_triggers_each_write_reaches(pg_db: str) -> None:
    """18.6: the trigger's function runs (u is locked ACCESS EXCLUSIVE) at the writes of
    `_reach_cases` that say it does, and not at the others."""
    import psycopg

    seen = []
    with psycopg.connect(pg_db) as conn:
        for trigger, write, _ in _reach_cases():
            conn.execute(SETUP + _with_trigger(trigger) + "INSERT INTO t VALUES (1, 1, 1);")
            conn.commit()  # (creating u locked it)
            if write.startswith("COPY"):
                with conn.cursor().copy(write) as copy:
                    copy.write_row((3, 3))
            else:
                conn.execute(write)
            seen.append(holds_u(conn))
            conn.rollback()
            conn.execute("DROP TABLE t, u; DROP FUNCTION on_t();")
            conn.commit()
    assert seen == [fires for _, _, fires in _reach_cases()]
