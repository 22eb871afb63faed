"""DROP FUNCTION without CASCADE of a routine something calls (checked on 18.6, fix-pg80):
the server refuses it (2BP01 "cannot drop function f(integer) because other objects depend
on it") and its DETAIL names each dependent: "default value for column a of table t",
"column b of table t" (generated), "constraint t_c_check on table t", "index t_i", "view
v" (and "view w depends on view v" for a view over it), "function g(integer)" (a
SQL-standard body; a procedure's is "function" too), "policy p on table t", "trigger tr on
table t" (its WHEN, or the function it executes). Lint says the refusal (rule
drop-function-refused, the replay keeps the function), with the same dependents the graph
names (`replay.routine_users`), and the steps that drop each by name first, after which the
drop runs."""

from __future__ import annotations

import re

import pytest

from effect_helpers import catalog_after, effect_after
from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects.refused import refusal
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import cascade_notices, server_error

F = "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT a';\n"
TF = "CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';\n"
#: Every kind of dependent at once.
EVERY = (F + "CREATE TABLE t (a int DEFAULT f(1), b int GENERATED ALWAYS AS (f(a)) STORED, "
         "c int CHECK (f(c) > 0));\nCREATE INDEX t_i ON t ((f(a)));\n"
         "CREATE VIEW v AS SELECT f(a) FROM t;\nCREATE VIEW w AS SELECT * FROM v;\n"
         "CREATE FUNCTION g(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT f(x); END;\n"
         "ALTER TABLE t ENABLE ROW LEVEL SECURITY;\nCREATE POLICY p ON t USING (f(a) > 0);\n"
         + TF + "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW WHEN (f(NEW.a) > 0) "
         "EXECUTE FUNCTION tf();\n")

#: (setup, DROP FUNCTION, the server's DETAIL lines, in any order).
REFUSED = {
    "every_kind": (EVERY, "DROP FUNCTION f(int);", {
        "default value for column a of table t depends on function f(integer)",
        "column b of table t depends on function f(integer)",
        "constraint t_c_check on table t depends on function f(integer)",
        "index t_i depends on function f(integer)",
        "view v depends on function f(integer)",
        "view w depends on view v",
        "function g(integer) depends on function f(integer)",
        "policy p on table t depends on function f(integer)",
        "trigger tr on table t depends on function f(integer)"}),
    "trigger_function": (
        TF + "CREATE TABLE t (a int);\n"
        "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION tf();\n",
        "DROP FUNCTION tf();", {"trigger tr on table t depends on function tf()"}),
    "other_schema_without_arguments": (
        "CREATE SCHEMA app;\nCREATE FUNCTION app.f(a int, b text) RETURNS int LANGUAGE sql "
        "IMMUTABLE AS 'SELECT a';\nCREATE TABLE t (a int DEFAULT app.f(1, 'x'));\n",
        "DROP FUNCTION app.f;",
        {"default value for column a of table t depends on function app.f(integer,text)"}),
    "if_exists_procedure_caller": (
        F + "CREATE PROCEDURE pr(x int) LANGUAGE sql BEGIN ATOMIC SELECT f(x); END;\n",
        "DROP FUNCTION IF EXISTS f(integer);",
        {"function pr(integer) depends on function f(integer)"}),
    "names_to_quote": (
        F + 'CREATE TABLE "T x" ("A b" int DEFAULT f(1), "C d" int CONSTRAINT "Big c" '
        'CHECK (f("C d") > 0));\n',
        "DROP FUNCTION f(int);",
        {'default value for column A b of table "T x" depends on function f(integer)',
         'constraint Big c on table "T x" depends on function f(integer)'}),
    "what_calls_a_caller": (
        F + "CREATE FUNCTION g(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT f(x); END;\n"
        "CREATE TABLE t (a int DEFAULT g(1));\nCREATE VIEW v AS SELECT g(a) FROM t;\n",
        "DROP FUNCTION f(int);",
        {"function g(integer) depends on function f(integer)",
         "default value for column a of table t depends on function g(integer)",
         "view v depends on function g(integer)"}),
    # (fix-pg82: the step dropping the generated column comes after those dropping the
    # views that read it, which refuse it otherwise)
    "views_over_a_generated_column": (
        F + "CREATE TABLE t (a int, b int GENERATED ALWAYS AS (f(a)) STORED);\n"
        "CREATE VIEW v AS SELECT a, b FROM t;\nCREATE VIEW w AS SELECT b FROM v;\n",
        "DROP FUNCTION f(int);",
        {"column b of table t depends on function f(integer)",
         "view v depends on column b of table t", "view w depends on view v"}),
    # (fix-pg88: an operator runs it; a prefix one in another schema)
    "operators": (
        "CREATE SCHEMA app;\nCREATE FUNCTION eq3(int, int) RETURNS bool LANGUAGE sql "
        "IMMUTABLE AS 'SELECT $1 = $2';\n"
        "CREATE OPERATOR === (leftarg = int, rightarg = int, function = eq3);\n",
        "DROP FUNCTION eq3(int, int);",
        {"operator ===(integer,integer) depends on function eq3(integer,integer)"}),
    "prefix_operator_elsewhere": (
        "CREATE SCHEMA app;\nCREATE FUNCTION app.neg(int) RETURNS int LANGUAGE sql "
        "IMMUTABLE AS 'SELECT -$1';\n"
        "CREATE OPERATOR app.~- (rightarg = int, procedure = app.neg);\n",
        "DROP FUNCTION app.neg;",
        {"operator app.~-(NONE,integer) depends on function app.neg(integer)"}),
}


def _detail(effect_text: str) -> set[str]:
    return set(effect_text.split("; "))


@pytest.mark.parametrize("case", REFUSED)
def test_lint_says_the_drop_is_refused_naming_what_the_server_names(case: str) -> None:
    setup, drop, detail = REFUSED[case]
    effect = effect_after(setup, drop)
    assert refusal(effect) == "refused_function_drop"
    assert _detail(effect.actions[0].facts["refused_function_drop_text"]) == detail


def test_the_refused_drop_is_reported_and_not_replayed() -> None:
    catalog = Catalog()
    reports = lint_migrations([migration_from_text(EVERY, "0001_setup.sql"),
                               migration_from_text("DROP FUNCTION f(int);", "0002_drop.sql")],
                              LintOptions(), catalog)
    (stmt,) = reports[-1].statements
    assert "drop-function-refused" in {f.rule for f in stmt.findings}
    assert "public.f" in catalog.kept_routines


def test_in_the_same_migration_too() -> None:
    reports = lint_migrations([migration_from_text(
        F + "CREATE TABLE t (a int DEFAULT f(1));\nDROP FUNCTION f(int);\n", "0001_one.sql")],
        LintOptions(), Catalog())
    assert "drop-function-refused" in {f.rule for s in reports[0].statements
                                        for f in s.findings}


@pytest.mark.parametrize("drop", ["DROP FUNCTION f(int) CASCADE;", "DROP FUNCTION f(text);"])
def test_cascade_or_another_overload_is_not_refused(drop: str) -> None:
    setup = F + "CREATE FUNCTION f(a text) RETURNS int LANGUAGE sql AS 'SELECT 1';\n" \
        "CREATE TABLE t (a int DEFAULT f(1));\n"
    assert refusal(effect_after(setup, drop)) == ""


def test_nothing_calls_it() -> None:
    assert refusal(effect_after(F + "CREATE TABLE t (a int);", "DROP FUNCTION f(int);")) == ""


@pytest.mark.postgres
def test_the_server_names_the_same_dependents_and_the_steps_run(pg_db: str) -> None:
    import psycopg

    for case, (setup, drop, detail) in REFUSED.items():
        reset = "DROP SCHEMA IF EXISTS app CASCADE; DROP SCHEMA public CASCADE; " \
            "CREATE SCHEMA public"
        exc = server_error(pg_db, [reset, setup], drop)
        assert isinstance(exc, psycopg.errors.DependentObjectsStillExist), case
        assert set((exc.diag.message_detail or "").splitlines()) == detail, case
        steps = effect_after(setup, drop).actions[0].facts["refused_function_drop_sql"]
        with psycopg.connect(pg_db, autocommit=True) as conn:
            conn.execute(reset)
            conn.execute(setup)
            for step in steps.splitlines():  # the last one is the drop itself
                conn.execute(step)
            dropped = re.search(r"DROP FUNCTION (?:IF EXISTS )?(?:\w+\.)?(\w+)", drop)
            assert dropped is not None
            assert conn.execute("SELECT count(*) FROM pg_proc WHERE proname = %s",
                                (dropped[1],)).fetchone() == (0,), case


#: A routine calling f, then f renamed (or moved): the server keeps the tie by oid.
RENAMED = F + "CREATE FUNCTION g(x int) RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT f(x); END;\n"


@pytest.mark.parametrize(("move", "drop"), [
    ("ALTER FUNCTION f(int) RENAME TO h;", "DROP FUNCTION h(int)"),
    ("CREATE SCHEMA s;\nALTER FUNCTION f(int) SET SCHEMA s;", "DROP FUNCTION s.f(int)"),
])
def test_a_renamed_callee_still_refuses_its_drop_and_cascades(move: str, drop: str) -> None:
    setup = RENAMED + move
    assert refusal(effect_after(setup, drop + ";")) == "refused_function_drop"
    facts = effect_after(setup, drop + " CASCADE;").actions[0].facts
    assert any(c.endswith("g(int4)") for c in facts["callers_dropped"])
    assert "public.g" not in catalog_after(setup + "\n" + drop + " CASCADE;").kept_routines


def test_a_new_function_under_the_old_name_is_not_the_callee() -> None:
    setup = RENAMED + "ALTER FUNCTION f(int) RENAME TO h;\n" + F
    assert refusal(effect_after(setup, "DROP FUNCTION f(int);")) == ""
    assert "public.g" in catalog_after(setup + "DROP FUNCTION f(int) CASCADE;").kept_routines


@pytest.mark.postgres
def test_the_server_follows_the_callee_by_oid(pg_db: str) -> None:
    import psycopg

    reset = "DROP SCHEMA IF EXISTS s CASCADE; DROP SCHEMA public CASCADE; CREATE SCHEMA public"
    for move, drop in [("ALTER FUNCTION f(int) RENAME TO h", "DROP FUNCTION h(int)"),
                       ("CREATE SCHEMA s; ALTER FUNCTION f(int) SET SCHEMA s",
                        "DROP FUNCTION s.f(int)")]:
        exc = server_error(pg_db, [reset, RENAMED, move], drop)
        assert isinstance(exc, psycopg.errors.DependentObjectsStillExist), move
        with psycopg.connect(pg_db, autocommit=True) as conn:
            assert cascade_notices(conn, drop + " CASCADE") == ["function g(integer)"]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(reset)
        conn.execute(RENAMED + "ALTER FUNCTION f(int) RENAME TO h;\n" + F)
        assert cascade_notices(conn, "DROP FUNCTION f(int) CASCADE") == []
        assert conn.execute("SELECT count(*) FROM pg_proc WHERE proname = 'g'").fetchone() == (1,)
