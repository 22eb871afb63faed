"""DROP OWNED BY r drops, and REASSIGN OWNED BY r TO b locks, each relation r owns, ACCESS
EXCLUSIVE (checked on 18.6: tests/oracle/test_effect_oracle.py, cases reassign-owned and
drop-owned). The relations the migrations gave r (ALTER TABLE / VIEW ... OWNER TO) are
known: named, locked, and for DROP OWNED gone from the replayed catalog; REASSIGN OWNED
hands them to b."""

from __future__ import annotations

import pytest

from effect_helpers import catalog_after, effect_after
from lockwise.core.types import LockMode

SETUP = ("CREATE TABLE t (id bigint);\nALTER TABLE t OWNER TO r;\n"
         "CREATE VIEW tv AS SELECT id FROM t;\nALTER VIEW tv OWNER TO r;\n"
         "CREATE TABLE plain (id bigint);\n")


@pytest.mark.parametrize("sql", ["DROP OWNED BY r", "REASSIGN OWNED BY r TO b"])
def test_each_relation_given_to_the_role_is_locked_and_named(sql: str) -> None:
    effect = effect_after(SETUP, sql)
    assert effect.locks == {"public.t": LockMode.ACCESS_EXCLUSIVE,
                            "public.tv": LockMode.ACCESS_EXCLUSIVE}
    assert effect.actions[0].facts["owned_relations"] == ("public.t", "public.tv")


def test_drop_owned_drops_them_from_the_catalog() -> None:
    assert effect_after(SETUP, "DROP OWNED BY r").drops >= {"table:public.t", "table:public.tv"}
    catalog = catalog_after(SETUP + "DROP OWNED BY r;")
    assert sorted(catalog.tables) == ["public.plain"]


def test_reassign_owned_hands_them_over() -> None:
    catalog = catalog_after(SETUP + "REASSIGN OWNED BY r TO b;")
    assert catalog.owned_by({"r"}) == []
    assert catalog.owned_by({"b"}) == ["public.t", "public.tv"]
    assert effect_after(SETUP + "REASSIGN OWNED BY r TO b;", "DROP OWNED BY r").locks == {}


def test_a_relation_given_to_another_role_is_not_the_roles() -> None:
    effect = effect_after(SETUP + "ALTER TABLE t OWNER TO CURRENT_USER;", "DROP OWNED BY r")
    assert effect.actions[0].facts["owned_relations"] == ("public.tv",)


@pytest.mark.postgres
def test_the_server_drops_what_the_role_owns_only(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("DO $$ BEGIN CREATE ROLE r; EXCEPTION WHEN duplicate_object THEN NULL; "
                     "END $$")
        conn.execute(SETUP)
        conn.execute("DROP OWNED BY r")
        assert conn.execute("SELECT relname FROM pg_class WHERE relnamespace = "
                            "'public'::regnamespace").fetchall() == [("plain",)]
