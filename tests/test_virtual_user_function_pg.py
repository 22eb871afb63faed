"""A VIRTUAL generated column (PostgreSQL 18) may call built-in functions only: the server
refuses one whose expression, immutable, calls a function made with CREATE FUNCTION, IMMUTABLE
or not, in any language ("generation expression uses user-defined function", 0A000), in
CREATE TABLE, ADD COLUMN and SET EXPRESSION; it judges immutability first (42P17), and a
STORED column may call it (fix-pg84). Each case held against the embedded server too."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import server_message

SETUP = """CREATE TABLE t (id int, n int, ts timestamptz);
CREATE TABLE g (n int, v int GENERATED ALWAYS AS (n + 1) VIRTUAL,
                s int GENERATED ALWAYS AS (n + 1) STORED);
CREATE FUNCTION f_sql(a int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT a + 1';
CREATE FUNCTION f_pl(a int) RETURNS int IMMUTABLE LANGUAGE plpgsql AS 'BEGIN RETURN a; END';
CREATE FUNCTION f_atomic(a int) RETURNS int IMMUTABLE LANGUAGE sql RETURN a + 1;
CREATE FUNCTION f_stable(a int) RETURNS int STABLE LANGUAGE plpgsql AS 'BEGIN RETURN a; END';
CREATE SCHEMA app;
CREATE FUNCTION app.g(a int) RETURNS int IMMUTABLE LANGUAGE sql AS 'SELECT a';
"""
USER = "generation expression uses user-defined function"
MUTABLE = "generation expression is not immutable"

#: (a statement after SETUP, the server's message: "" when it runs)
CASES = [
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (f_sql(n)) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (f_sql(n))", USER),  # 18's default
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (f_pl(n) * 2) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (f_atomic(n)) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (app.g(n)) VIRTUAL", USER),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (f_sql(n)) STORED", ""),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (abs(n) % 16) VIRTUAL", ""),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (pg_catalog.abs(n)) VIRTUAL", ""),
    # immutability is judged first
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS (f_stable(n)) VIRTUAL", MUTABLE),
    ("ALTER TABLE t ADD COLUMN v int GENERATED ALWAYS AS "
     "(extract(day FROM ts)::int + f_sql(n)) VIRTUAL", MUTABLE),
    ("CREATE TABLE x (n int, v int GENERATED ALWAYS AS (f_sql(n)) VIRTUAL)", USER),
    ("CREATE TABLE x (n int, v int GENERATED ALWAYS AS (f_sql(n)) STORED)", ""),
    # the columns in the order written: the first refused decides
    ("CREATE TABLE x (n int, v int GENERATED ALWAYS AS (f_sql(n)) VIRTUAL, "
     "w int GENERATED ALWAYS AS (now()::date - date '2000-01-01') VIRTUAL)", USER),
    ("CREATE TABLE x (n int, w int GENERATED ALWAYS AS (now()::date - date '2000-01-01') "
     "VIRTUAL, v int GENERATED ALWAYS AS (f_sql(n)) VIRTUAL)", MUTABLE),
    ("ALTER TABLE g ALTER COLUMN v SET EXPRESSION AS (f_sql(n))", USER),
    ("ALTER TABLE g ALTER COLUMN s SET EXPRESSION AS (f_sql(n))", ""),
]


def _refusal(sql: str) -> str:
    """The server's message lockwise says for `sql` after SETUP ("" when none)."""
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(sql + ";\n", "0002_m.sql")],
                              LintOptions(), Catalog())
    facts = reports[-1].statements[-1].effect.actions[0].facts
    return facts.get("refused_not_immutable_text") or \
        facts.get("refused_virtual_user_function_text") or ""


@pytest.mark.parametrize(("sql", "message"), CASES)
def test_a_virtual_column_calling_a_function_not_built_in_is_refused(sql: str,
                                                                    message: str) -> None:
    assert _refusal(sql) == message


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "message"), CASES)
def test_the_server_refuses_it_so(pg_db: str, sql: str, message: str) -> None:
    assert server_message(pg_db, SETUP, sql) == message


def test_the_finding_names_the_call_and_says_stored() -> None:
    sql = "ALTER TABLE t ADD COLUMN bucket int GENERATED ALWAYS AS (f_sql(n) % 16) VIRTUAL"
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(sql + ";\n", "0002_m.sql")],
                              LintOptions(), Catalog())
    [found] = [f for f in reports[-1].all_findings
               if f.rule == "generated-column-virtual-user-function"]
    assert "bucket" in found.message and "f_sql()" in found.message
    assert "AS (f_sql(n) % 16) STORED" in found.instead
