"""A column default that names its sequence by a string cast to text
(`nextval('s'::text)`) records no dependency on it (checked on 18.6): the name is looked up
at each call. DROP SEQUENCE s runs without CASCADE and leaves the default (which fails once
called), CASCADE does not drop it, and a RENAME of s leaves it naming 's'. Storing the
default locks nothing of s; drawing from it (an INSERT, ADD COLUMN's rewrite) holds s ROW
EXCLUSIVE, as `nextval('s')` does (pg_locks)."""

from __future__ import annotations

import pytest

from effect_helpers import catalog_after, effect_after
from lockwise.core.types import LockMode

SEQUENCE = "CREATE SEQUENCE s;\nCREATE TABLE t (id bigint);\n"
TEXT_DEFAULT = "CREATE TABLE u (id bigint DEFAULT nextval('s'::text), x int);\n"

#: (setup, statement): the lock each holds on sequence s, compared with the server's.
LOCK_CASES = {
    "set_default_text": (SEQUENCE, "ALTER TABLE t ALTER COLUMN id SET DEFAULT "
                                   "nextval('s'::text);"),
    "set_default_regclass": (SEQUENCE, "ALTER TABLE t ALTER COLUMN id SET DEFAULT "
                                       "nextval('s');"),
    "create_table_text": (SEQUENCE, "CREATE TABLE v (id bigint DEFAULT nextval('s'::text));"),
    "add_column_text": (SEQUENCE + "INSERT INTO t VALUES (1);\n",
                        "ALTER TABLE t ADD COLUMN n bigint DEFAULT nextval('s'::text);"),
    "insert_text": (SEQUENCE + TEXT_DEFAULT, "INSERT INTO u (x) VALUES (1);"),
    "drop_sequence_cascade_text": (SEQUENCE + TEXT_DEFAULT, "DROP SEQUENCE s CASCADE;"),
    "like_text": (SEQUENCE + TEXT_DEFAULT, "CREATE TABLE c (LIKE u INCLUDING DEFAULTS);"),
    "alter_type_text": (SEQUENCE + TEXT_DEFAULT, "ALTER TABLE u ALTER COLUMN id TYPE numeric;"),
}

def _servers_locks(uri: str, setup: str, sql: str) -> dict[str, LockMode]:
    """The strongest lock the statement holds on s and on u (pg_locks of its transaction,
    by the oids taken before: a dropped relation's name is gone from pg_class by then)."""
    import psycopg

    by_name = {mode.pg_name: mode for mode in LockMode}
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(setup)
        oids = dict(conn.execute("SELECT oid, relname FROM pg_class "
                                 "WHERE relname IN ('s', 'u')").fetchall())
        with conn.transaction():
            conn.execute(sql)
            rows = conn.execute("SELECT relation, mode FROM pg_locks "
                                "WHERE pid = pg_backend_pid()").fetchall()
    held: dict[str, LockMode] = {}
    for oid, mode in rows:
        if (name := oids.get(oid)) is not None:
            key = f"public.{name}"
            held[key] = max(held.get(key, by_name[mode]), by_name[mode])
    return held


@pytest.mark.parametrize("case", LOCK_CASES)
def test_the_locks_on_the_sequence_and_the_table_are_the_servers(pg_db: str,
                                                                  case: str) -> None:
    setup, sql = LOCK_CASES[case]
    locks = effect_after(setup, sql).locks
    said = {r: mode for r, mode in locks.items() if r in ("public.s", "public.u")}
    assert said == _servers_locks(pg_db, setup, sql)


def test_a_text_default_is_no_dependency_of_the_sequence() -> None:
    catalog = catalog_after(SEQUENCE + TEXT_DEFAULT)
    assert catalog.columns_drawing_from("public.s") == []
    kept = catalog_after(SEQUENCE + TEXT_DEFAULT + "DROP SEQUENCE s CASCADE;")
    assert kept.tables["public.u"].columns["id"].default == "default"


def test_a_renamed_sequence_leaves_a_text_default_naming_the_old_name() -> None:
    catalog = catalog_after(SEQUENCE + TEXT_DEFAULT + "ALTER SEQUENCE s RENAME TO s2;")
    assert catalog.tables["public.u"].columns["id"].default_sequence == "public.s"
    moved = catalog_after("CREATE SCHEMA app;\n" + SEQUENCE + TEXT_DEFAULT
                          + "ALTER SEQUENCE s SET SCHEMA app;")
    assert moved.tables["public.u"].columns["id"].default_sequence == "public.s"


def test_the_default_stays_on_the_server(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SEQUENCE + TEXT_DEFAULT + "ALTER SEQUENCE s RENAME TO s2;")
        assert conn.execute("SELECT pg_get_expr(adbin, adrelid) FROM pg_attrdef").fetchone() \
            == ("nextval(('s'::text)::regclass)",)
        conn.execute("DROP SEQUENCE s2")  # no CASCADE needed: nothing depends on it
        assert conn.execute("SELECT count(*) FROM pg_attrdef").fetchone() == (1,)
