"""NOT NULL changes PostgreSQL refuses (`refused_not_null`): DROP NOT NULL of a primary-key
column, and from 18 DROP CONSTRAINT of its NOT NULL constraint ("column ... is in a primary
key"); from 18 ALTER CONSTRAINT ... [NO] INHERIT of a constraint that is no NOT NULL ("is not a
not-null constraint"); before 18, where a NOT NULL is no constraint, DROP CONSTRAINT of the name
18 would give it ("does not exist", said only with the version stated). A refused statement
changes nothing: the replay keeps the column NOT NULL. The 18 messages are compared with the
embedded server; the pre-18 ones were checked by hand on 15.18 (the same primary-key message,
and `constraint "t_c_not_null" of relation "t" does not exist`)."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after
from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects.refused import statement_refusal
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE TABLE t (id int PRIMARY KEY, c int NOT NULL, d int CHECK (d > 0), e int);\n"
         "CREATE TABLE u (a int, b int, PRIMARY KEY (a, b));\n")


def _refusal_text(sql: str, pg_version: int = 18) -> str:
    effect = effect_after(SETUP, sql, pg_version)
    if statement_refusal(effect) != "refused_not_null":
        return ""
    return next(a.facts["refused_not_null_text"] for a in effect.actions
                if a.facts.get("refused_not_null"))


SERVER_CASES = [
    "ALTER TABLE t ALTER COLUMN id DROP NOT NULL",
    "ALTER TABLE u ALTER COLUMN b DROP NOT NULL",
    "ALTER TABLE t DROP CONSTRAINT t_id_not_null",
    "ALTER TABLE t ALTER CONSTRAINT t_d_check NO INHERIT",
    "ALTER TABLE t ALTER CONSTRAINT t_pkey NO INHERIT",
    "ALTER TABLE t ALTER COLUMN c DROP NOT NULL",
    "ALTER TABLE t DROP CONSTRAINT t_c_not_null",
    "ALTER TABLE t ALTER CONSTRAINT t_c_not_null NO INHERIT",
    "ALTER TABLE t ALTER COLUMN e DROP NOT NULL",
    "ALTER TABLE t ALTER CONSTRAINT t_d_check INHERIT",
]


@pytest.mark.postgres
@pytest.mark.parametrize("sql", SERVER_CASES)
def test_not_null_refusals_match_the_server(pg_db: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
        try:
            conn.execute(sql)
            message = ""
        except psycopg.Error as exc:
            message = exc.diag.message_primary or ""
    assert _refusal_text(sql) == message


def test_the_refusals_are_said_on_18() -> None:
    assert _refusal_text("ALTER TABLE t DROP CONSTRAINT t_id_not_null") == \
        'column "id" is in a primary key'
    assert _refusal_text("ALTER TABLE t ALTER CONSTRAINT t_d_check NO INHERIT") == \
        'constraint "t_d_check" of relation "t" is not a not-null constraint'


def _lint(sql: str, pg_version: int, stated: bool = True):
    catalog = Catalog()
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(sql, "0002_change.sql")],
                              LintOptions(pg_version=pg_version, pg_version_stated=stated),
                              catalog)
    return reports[-1], catalog


def test_dropping_a_not_null_constraint_by_name_before_18_is_refused_and_not_replayed() -> None:
    report, catalog = _lint("ALTER TABLE t DROP CONSTRAINT t_c_not_null;", 15)
    (stmt,) = report.statements
    assert statement_refusal(stmt.effect) == "refused_not_null"
    assert {f.rule for f in stmt.findings} == {"not-null-change-refused"}
    assert 'constraint "t_c_not_null" of relation "t" does not exist' in stmt.findings[0].message
    assert catalog.tables["public.t"].columns["c"].not_null


@pytest.mark.parametrize(("sql", "pg_version", "stated"), [
    ("ALTER TABLE t DROP CONSTRAINT t_c_not_null;", 18, True),
    ("ALTER TABLE t DROP CONSTRAINT t_c_not_null;", 15, False),  # a guess: not said
])
def test_dropping_a_not_null_constraint_by_name_runs_on_18(sql: str, pg_version: int,
                                                            stated: bool) -> None:
    report, catalog = _lint(sql, pg_version, stated)
    assert not statement_refusal(report.statements[0].effect)
    assert not catalog.tables["public.t"].columns["c"].not_null


def test_a_refused_drop_not_null_of_a_key_column_leaves_it_not_null() -> None:
    report, catalog = _lint("ALTER TABLE t ALTER COLUMN id DROP NOT NULL;", 15)
    assert statement_refusal(report.statements[0].effect) == "refused_not_null"
    assert catalog.tables["public.t"].columns["id"].not_null
