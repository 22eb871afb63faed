"""The search_path a migration sets decides which schema its unqualified names mean: in the
effect facts and rule verdicts, in the replayed catalog and in the conflict graph."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.catalog.model import Catalog
from lockwise.catalog.search_path import read_path, split_path
from lockwise.core.types import Effect, LockMode, MigrationReport
from lockwise.discover import discover
from lockwise.discover.layouts import migration_from_text
from lockwise.effects.nodes import qualified
from lockwise.graph.build import build_graph
from lockwise.lint import LintOptions, lint_migrations

BILLING = ("CREATE SCHEMA billing;\n"
           "CREATE TABLE billing.invoices (id bigint PRIMARY KEY, note varchar(50));\n")
#: A table of the same name in two schemas: which one a statement means is the path's call.
TWO_USERS = ("CREATE SCHEMA app;\nCREATE TABLE app.users (id bigint, email text);\n"
             "CREATE TABLE public.users (id bigint, email text);\n")


def lint(*sqls: str, catalog: Catalog | None = None) -> list[MigrationReport]:
    migrations = [migration_from_text(sql, f"{i:04d}_m.sql") for i, sql in enumerate(sqls, 1)]
    return lint_migrations(migrations, LintOptions(), catalog if catalog is not None
                           else Catalog())


def effects(report: MigrationReport) -> list[Effect]:
    return [s.effect for s in report.statements]


def tables_created(effect: Effect) -> set[str]:
    return {o[6:] for o in effect.creates if o.startswith("table:")}


def rules(report: MigrationReport) -> set[str]:
    return {f.rule for s in report.statements for f in s.findings}


@pytest.mark.parametrize(("text", "schemas"), [
    ("billing", ("billing",)),
    ("Billing, public", ("billing", "public")),
    ('"My Schema", "$user" ,public', ("My Schema", "$user", "public")),
    ('"a""b"', ('a"b',)),
    ("", ()),
])
def test_set_config_text_is_split_as_the_server_does(text: str, schemas: tuple) -> None:
    assert split_path(text) == schemas


def test_set_arguments_are_schemas_as_written() -> None:
    # SET search_path = 'a, b' names one schema called "a, b" (checked on 18).
    assert read_path(("a, b",)) == ("a, b",)
    assert read_path((1,)) is None


def test_the_issue_example_is_a_no_rewrite_change_to_billing() -> None:
    reports = lint(BILLING, "SET search_path TO billing;\n"
                   "ALTER TABLE invoices ALTER COLUMN note TYPE varchar(200);\n")
    alter = effects(reports[1])[1]
    assert alter.locks == {"billing.invoices": LockMode.ACCESS_EXCLUSIVE}
    assert not alter.rewrites
    assert "column-type-change-rewrites" not in rules(reports[1])


def test_without_a_set_unqualified_names_stay_public() -> None:
    reports = lint(BILLING, "ALTER TABLE invoices ALTER COLUMN note TYPE varchar(200);\n")
    (alter,) = effects(reports[1])
    assert set(alter.locks) == {"public.invoices"}
    assert "column-type-change-rewrites" in rules(reports[1])


def test_existing_names_resolve_in_the_first_schema_that_holds_them() -> None:
    reports = lint(TWO_USERS, "SET search_path = app, public;\n"
                   "ALTER TABLE users ADD COLUMN nick text;\n"
                   "CREATE TABLE public.only_public (id int);\n"
                   "ALTER TABLE only_public ADD COLUMN nick text;\n")
    assert set(effects(reports[1])[1].locks) == {"app.users"}
    assert set(effects(reports[1])[3].locks) == {"public.only_public"}


def test_create_goes_to_the_first_existing_schema_even_when_a_later_one_has_the_name() -> None:
    catalog = Catalog()
    reports = lint("CREATE SCHEMA app;\nCREATE TABLE public.users (id bigint);\n",
                   'SET search_path = "$user", nosuch, app, public;\n'
                   "CREATE TABLE users (id bigint);\nCREATE TABLE orders (id bigint);\n",
                   catalog=catalog)
    assert tables_created(effects(reports[1])[1]) == {"app.users"}
    assert {"app.users", "app.orders", "public.users"} <= set(catalog.tables)
    assert "public.orders" not in catalog.tables


def test_a_path_of_schemas_the_migrations_never_created_is_still_followed() -> None:
    # The schema may come from outside the migrations: the first the path names is the guess.
    (report,) = lint("SET search_path TO tenant;\nCREATE TABLE t (id int);\n")
    assert tables_created(effects(report)[1]) == {"tenant.t"}


@pytest.mark.parametrize("reset", ["RESET search_path", "SET search_path TO DEFAULT",
                                   "RESET ALL"])
def test_reset_brings_back_the_default_path(reset: str) -> None:
    (report,) = lint(f"SET search_path TO app;\nCREATE TABLE a (id int);\n{reset};\n"
                     "CREATE TABLE b (id int);\n")
    assert tables_created(effects(report)[1]) == {"app.a"}
    assert tables_created(effects(report)[3]) == {"public.b"}


def test_set_local_ends_at_commit() -> None:
    (report,) = lint("BEGIN;\nSET LOCAL search_path TO app;\nCREATE TABLE a (id int);\n"
                     "COMMIT;\nCREATE TABLE b (id int);\n")
    assert tables_created(effects(report)[2]) == {"app.a"}
    assert tables_created(effects(report)[4]) == {"public.b"}


def test_set_local_outside_a_transaction_does_nothing() -> None:
    (report,) = lint("SET LOCAL search_path TO app;\nCREATE TABLE a (id int);\n")
    assert tables_created(effects(report)[1]) == {"public.a"}


@pytest.mark.parametrize(("call", "schema"), [
    ("SELECT set_config('search_path', 'App, public', false)", "app"),
    ("SELECT pg_catalog.set_config('search_path', '', false)", "public"),  # pg_dump's
    # is_local outside a transaction: over with the SELECT.
    ("SELECT set_config('search_path', 'app', true)", "public"),
])
def test_set_config(call: str, schema: str) -> None:
    (report,) = lint(f"CREATE SCHEMA app;\n{call};\nCREATE TABLE a (id int);\n")
    assert tables_created(effects(report)[2]) == {f"{schema}.a"}


def test_set_config_of_a_timeout_counts_as_setting_it() -> None:
    (report,) = lint("SELECT set_config('lock_timeout', '3s', false);\n"
                     "ALTER TABLE t ADD COLUMN c int;\n")
    assert "missing-lock-timeout" not in rules(report)
    (report,) = lint("ALTER TABLE t ADD COLUMN c int;\n")
    assert "missing-lock-timeout" in rules(report)


def test_the_path_does_not_carry_over_to_the_next_migration() -> None:
    reports = lint("SET search_path TO app;\nCREATE TABLE a (id int);\n",
                   "CREATE TABLE b (id int);\n")
    assert tables_created(effects(reports[1])[0]) == {"public.b"}
    assert qualified(None, "x") == "public.x"  # nothing left plugged in after lint


def test_messages_name_the_table_the_statement_acts_on() -> None:
    reports = lint(TWO_USERS, "SET search_path = app, public;\n"
                   "ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n")
    messages = [f.message for s in reports[1].statements for f in s.findings]
    assert any("app.users" in m for m in messages)
    assert not any("public.users" in m for m in messages)


def history(tmp_path: Path, *files: tuple[str, str]) -> list:
    for name, sql in files:
        (tmp_path / name).write_text(sql)
    return discover(tmp_path)


def test_graph_follows_the_path_of_up_and_down(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_schema.up.sql", "CREATE SCHEMA billing;\n"),
        ("1_schema.down.sql", "DROP SCHEMA billing;\n"),
        ("2_t.up.sql", "SET search_path TO billing;\nCREATE TABLE invoices (id int);\n"),
        ("2_t.down.sql", "SET search_path TO billing;\nDROP TABLE invoices;\n"),
        ("3_use.up.sql", "ALTER TABLE billing.invoices ADD COLUMN note text;\n"),
        ("3_use.down.sql", "ALTER TABLE billing.invoices DROP COLUMN note;\n"),
    ))
    assert graph.conflicts == []
    assert "table:billing.invoices" in graph.edges[("2_t", "3_use")]["created-by"]


def test_graph_sees_a_down_that_drops_another_schema_s_table(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_schema.up.sql", "CREATE SCHEMA billing;\nCREATE TABLE invoices (id int);\n"),
        ("1_schema.down.sql", "DROP TABLE invoices;\nDROP SCHEMA billing;\n"),
        ("2_t.up.sql", "SET search_path TO billing;\nCREATE TABLE invoices (id int);\n"),
        # Without the path, the down drops public.invoices and leaves billing's.
        ("2_t.down.sql", "DROP TABLE invoices;\n"),
    ))
    assert [c.kind for c in graph.conflicts] == ["down-mismatch"]


#: Under `SET search_path = a, b` an unqualified name means the object of the first schema
#: of the path that has one, as on the server: (the history's migrations, the object
#: reported missing or None). Each runs on the server, the last statement failing there
#: exactly when a conflict is expected.
TWO_SCHEMAS = "CREATE SCHEMA a; CREATE SCHEMA b;\n"
PATH_HISTORIES = [
    # only the second schema has it: no false missing-object
    ([TWO_SCHEMAS + "CREATE TABLE b.t (id int, c int); CREATE INDEX t_c ON b.t (c);",
      "SET search_path = a, b; ALTER TABLE t ADD COLUMN d int; UPDATE t SET c = 1; "
      "DROP INDEX t_c;"], None),
    # the first schema's went: the name means the second's
    ([TWO_SCHEMAS + "CREATE TABLE a.t (id int); CREATE TABLE b.t (id int, c int);",
      "DROP TABLE a.t;", "SET search_path = a, b; UPDATE t SET c = 1;"], None),
    ([TWO_SCHEMAS + "CREATE FUNCTION a.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n"
      "CREATE FUNCTION b.f() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;",
      "DROP FUNCTION a.f();", "SET search_path = a, b; CREATE TABLE u (id int DEFAULT f());"],
     None),
    ([TWO_SCHEMAS + "CREATE TYPE a.mood AS ENUM ('x'); CREATE TYPE b.mood AS ENUM ('y');",
      "DROP TYPE a.mood;", "SET search_path = a, b; CREATE TABLE u (m mood);"], None),
    # ... and when both went, it is missing
    ([TWO_SCHEMAS + "CREATE FUNCTION a.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n"
      "CREATE FUNCTION b.f() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;",
      "DROP FUNCTION a.f(); DROP FUNCTION b.f();",
      "SET search_path = a, b; CREATE TABLE u (id int DEFAULT f());"], "function:a.f"),
    # the second schema's went, the first's is there
    ([TWO_SCHEMAS + "CREATE FUNCTION a.f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n"
      "CREATE FUNCTION b.f() RETURNS int LANGUAGE sql AS $$ SELECT 2 $$;",
      "DROP FUNCTION b.f();", "SET search_path = a, b; CREATE TABLE u (id int DEFAULT f());"],
     None),
    # the first schema's column went: the name means that table, not the second's
    ([TWO_SCHEMAS + "CREATE TABLE a.t (id int, c int); CREATE TABLE b.t (id int, c int);",
      "ALTER TABLE a.t DROP COLUMN c;", "SET search_path = a, b; UPDATE t SET c = 1;"],
     "column:a.t.c"),
]


@pytest.mark.parametrize(("sqls", "missing"), PATH_HISTORIES)
def test_graph_resolves_unqualified_names_through_a_path_of_two_schemas(
        tmp_path: Path, sqls: list[str], missing: str | None) -> None:
    graph = build_graph(history(tmp_path, *((f"{i}_m.sql", sql + "\n")
                                            for i, sql in enumerate(sqls, 1))))
    assert [c.object for c in graph.conflicts] == ([missing] if missing else [])


@pytest.mark.postgres
def test_the_path_histories_run_on_postgres(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for sqls, missing in PATH_HISTORIES:
            conn.execute("DROP SCHEMA IF EXISTS a CASCADE; DROP SCHEMA IF EXISTS b CASCADE;"
                         "DROP TABLE IF EXISTS public.u; RESET search_path")
            for sql in sqls[:-1]:
                conn.execute(sql)
            if missing:
                with pytest.raises(psycopg.errors.Error):
                    conn.execute(sqls[-1])
            else:
                conn.execute(sqls[-1])
            conn.execute("RESET search_path")
