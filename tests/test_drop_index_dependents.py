"""DROP INDEX of an index something needs (checked on 18.6): the index of a PRIMARY KEY,
UNIQUE or EXCLUDE constraint is refused with or without CASCADE ("cannot drop index p_u
because constraint p_u on table p requires it", 2BP01); a unique index of its own that a
foreign key uses is refused without CASCADE ("constraint c_p on table c depends on index
p_u") and drops the key with it. Lint says the refusal (rule drop-index-refused, the replay
keeps the index) and what the CASCADE drops (rule cascade-drops-dependents)."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after
from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects.refused import refusal
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import cascade_notices, server_error

#: A key and a unique constraint, a key using the constraint's index, an exclusion constraint.
CONSTRAINTS = ("CREATE TABLE p (id int CONSTRAINT p_pk PRIMARY KEY, code text CONSTRAINT p_u "
               "UNIQUE, r int4range, CONSTRAINT p_x EXCLUDE USING gist (r WITH &&));\n"
               "CREATE TABLE c (p_code text CONSTRAINT c_p REFERENCES p (code));\n")
#: A unique index of its own, which the foreign key c_p uses.
OWN = ("CREATE TABLE p (id int);\nCREATE UNIQUE INDEX p_u ON p (id);\n"
       "CREATE TABLE c (p_id int CONSTRAINT c_p REFERENCES p (id));\n")

#: (setup, DROP INDEX, the server's message, the steps lockwise gives).
REFUSED = {
    "primary_key": (CONSTRAINTS, "DROP INDEX p_pk;",
                    "cannot drop index p_pk because constraint p_pk on table p requires it",
                    ["ALTER TABLE p DROP CONSTRAINT p_pk;"]),
    "cascade_does_not_help": (
        CONSTRAINTS, "DROP INDEX IF EXISTS p_x CASCADE;",
        "cannot drop index p_x because constraint p_x on table p requires it",
        ["ALTER TABLE p DROP CONSTRAINT p_x;"]),
    "unique_a_key_uses": (
        CONSTRAINTS, "DROP INDEX p_u;",
        "cannot drop index p_u because constraint p_u on table p requires it",
        ["ALTER TABLE c DROP CONSTRAINT c_p;", "ALTER TABLE p DROP CONSTRAINT p_u;"]),
    "own_index_a_key_uses": (OWN, "DROP INDEX p_u;",
                             "cannot drop index p_u because other objects depend on it",
                             ["ALTER TABLE c DROP CONSTRAINT c_p;"]),
}


@pytest.mark.parametrize("case", REFUSED)
def test_lint_says_the_drop_is_refused_with_the_steps_that_run(case: str) -> None:
    setup, drop, _message, steps = REFUSED[case]
    effect = effect_after(setup, drop)
    assert refusal(effect) == "refused_index_drop"
    assert effect.actions[0].facts["refused_index_drop_sql"].splitlines() == steps


def test_the_refused_drop_is_reported_and_not_replayed() -> None:
    catalog = Catalog()
    reports = lint_migrations([migration_from_text(CONSTRAINTS, "0001_setup.sql"),
                               migration_from_text("DROP INDEX p_pk;", "0002_drop.sql")],
                              LintOptions(), catalog)
    (stmt,) = reports[-1].statements
    assert {f.rule for f in stmt.findings} == {"drop-index-refused"}
    assert "public.p_pk" in catalog.indexes


def test_the_refusal_text_is_the_servers() -> None:
    setup, drop, message, _steps = REFUSED["primary_key"]
    assert effect_after(setup, drop).actions[0].facts["refused_index_drop_text"] == message


def test_with_cascade_the_key_on_an_index_of_its_own_goes() -> None:
    facts = effect_after(OWN, "DROP INDEX p_u CASCADE;").actions[0].facts
    assert refusal(effect_after(OWN, "DROP INDEX p_u CASCADE;")) == ""
    assert facts["callers_dropped"] == ("the foreign key c_p on c",)
    assert facts["callers_dropped_sql"] == "ALTER TABLE c DROP CONSTRAINT c_p;"


def test_an_index_nothing_needs_drops() -> None:
    effect = effect_after("CREATE TABLE p (id int);\nCREATE UNIQUE INDEX p_u ON p (id);",
                          "DROP INDEX p_u;")
    assert refusal(effect) == ""
    assert "callers_dropped" not in effect.actions[0].facts


@pytest.mark.postgres
def test_the_server_refuses_each_and_runs_the_steps(pg_db: str) -> None:
    import psycopg

    for case, (setup, drop, message, steps) in REFUSED.items():
        exc = server_error(pg_db, ["DROP SCHEMA public CASCADE; CREATE SCHEMA public", setup],
                           drop)
        assert isinstance(exc, psycopg.errors.DependentObjectsStillExist), case
        assert exc.diag.message_primary == message, case
        with psycopg.connect(pg_db, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(setup)
            for step in steps:  # after them the constraint's index is gone, or drops
                conn.execute(step)
            conn.execute(drop.replace(" CASCADE", "").replace("INDEX ", "INDEX IF EXISTS ", 1)
                         if "IF EXISTS" not in drop else drop)


@pytest.mark.postgres
def test_the_server_drops_the_key_with_cascade(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(OWN)
        assert cascade_notices(conn, "DROP INDEX p_u CASCADE") == ["constraint c_p on table c"]
