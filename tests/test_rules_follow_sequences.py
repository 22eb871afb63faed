"""A rule reading a sequence as a relation keeps it by oid: renamed or moved, the rule reads
it by its new name (checked on 18.6, pg_rules and pg_locks), and so does the replay."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.core.types import LockMode
from lockwise.parse.postgres import parse_sql
from test_refused_statements import report

SETUP = ("CREATE SCHEMA app;\nCREATE SEQUENCE s;\nCREATE TABLE t (x bigint);\n"
         "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT * FROM s;")
#: Each move of s, and the name the rule reads it by afterwards.
MOVES = {"ALTER SEQUENCE s RENAME TO s2;": "public.s2",
         "ALTER TABLE s RENAME TO s2;": "public.s2",
         "ALTER SEQUENCE s SET SCHEMA app;": "app.s",
         "ALTER SEQUENCE s RENAME TO s2;\nALTER SEQUENCE s2 SET SCHEMA app;": "app.s2"}


@pytest.mark.parametrize("move", MOVES)
def test_a_rule_reading_a_sequence_follows_its_rename(move: str) -> None:
    catalog = Catalog()
    for stmt in parse_sql(f"{SETUP}\n{move}").statements:
        apply_statement(catalog, stmt.tree, "0001")
    assert [t.name for t in catalog.tables_with_rules_naming(MOVES[move])] == ["public.t"]
    assert not catalog.tables_with_rules_naming("public.s")


@pytest.mark.parametrize("move", MOVES)
def test_an_insert_through_the_rule_locks_the_sequence_by_its_new_name(move: str) -> None:
    locks = report(f"{SETUP}\n{move}\nINSERT INTO t VALUES (1);").statements[-1].effect.locks
    assert locks.get(MOVES[move]) == LockMode.ACCESS_SHARE, locks
    assert "public.s" not in locks or MOVES[move] == "public.s", locks


@pytest.mark.parametrize("move", MOVES)
def test_the_servers_rule_reads_the_sequence_by_its_new_name(pg_db: str, move: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(f"{SETUP}\n{move}")
        with conn.transaction():
            conn.execute("INSERT INTO t VALUES (1)")
            locked = {row[0] for row in conn.execute(
                "SELECT c.oid::regclass::text FROM pg_locks l JOIN pg_class c "
                "ON c.oid = l.relation WHERE l.pid = pg_backend_pid() AND c.relkind = 'S' "
                "AND l.mode = 'AccessShareLock'")}
    schema, name = MOVES[move].split(".")
    assert locked == {name if schema == "public" else MOVES[move]}


#: DROP SEQUENCE ... CASCADE of a sequence rules and views read as a relation (checked on
#: 18.6): a rule reading it, in its actions or its WHERE, goes, and its table or view stays
#: ("drop cascades to rule r on table t"); a view whose query reads it goes whole, with the
#: views over it ("drop cascades to view v"), its _RETURN rule being the view's own.
DROPS = {
    "table_rule": "CREATE TABLE log (n bigint);\n"
                  "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO log "
                  "SELECT last_value FROM s;\nDROP SEQUENCE s CASCADE;",
    "where": "CREATE RULE r AS ON INSERT TO t WHERE (SELECT last_value FROM s) > 0 "
             "DO INSTEAD NOTHING;\nDROP SEQUENCE s CASCADE;",
    "renamed": "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT * FROM s;\n"
               "ALTER SEQUENCE s RENAME TO s2;\nDROP SEQUENCE s2 CASCADE;",
    "view": "CREATE VIEW v AS SELECT last_value FROM s;\n"
            "CREATE VIEW w AS SELECT * FROM v;\nDROP SEQUENCE s CASCADE;",
    "view_rule": "CREATE VIEW v AS SELECT x FROM t;\n"
                 "CREATE RULE r AS ON INSERT TO v DO INSTEAD SELECT last_value FROM s;\n"
                 "CREATE RULE keep AS ON UPDATE TO v DO INSTEAD NOTHING;\n"
                 "DROP SEQUENCE s CASCADE;",
    "other_sequence": "CREATE SEQUENCE other;\n"
                      "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT * FROM s;\n"
                      "CREATE VIEW v AS SELECT last_value FROM s;\nDROP SEQUENCE other;",
}
DROP_SETUP = "CREATE SEQUENCE s;\nCREATE TABLE t (x bigint);\n"


def _replayed_state(sql: str) -> tuple[set[tuple[str, str]], set[str]]:
    catalog = Catalog()
    for stmt in parse_sql(sql).statements:
        apply_statement(catalog, stmt.tree, "0001")
    relations = set(catalog.tables)
    rules = {(t.name, r) for t in catalog.tables.values() for r in t.rules}
    return rules, relations


@pytest.mark.parametrize("case", DROPS)
def test_drop_sequence_cascade_drops_what_reads_it_as_the_server_does(pg_db: str,
                                                                     case: str) -> None:
    import psycopg

    sql = DROP_SETUP + DROPS[case]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(sql)
        rules = set(conn.execute(
            "SELECT 'public.' || tablename, rulename FROM pg_rules "
            "WHERE schemaname = 'public'").fetchall())
        relations = {row[0] for row in conn.execute(
            "SELECT 'public.' || relname FROM pg_class WHERE relkind IN ('r', 'v') "
            "AND relnamespace = 'public'::regnamespace")}
    assert _replayed_state(sql) == (rules, relations)


LOCK_SETUP = ("CREATE SEQUENCE s;\nCREATE TABLE t (x bigint);\nCREATE TABLE u (x bigint);\n"
              "CREATE RULE r AS ON INSERT TO t DO ALSO SELECT * FROM s;\n"
              "CREATE VIEW v AS SELECT last_value FROM s;\nCREATE VIEW w AS SELECT * FROM v;\n"
              "CREATE RULE r2 AS ON INSERT TO u DO ALSO SELECT * FROM w;\n"
              "CREATE TABLE calm (x bigint);")


def test_drop_sequence_cascade_locks_what_it_drops_from_as_the_server_does(pg_db: str) -> None:
    # Each view going, and each table or view losing a rule, under ACCESS EXCLUSIVE
    # (checked on 18.6: pg_locks of the dropping transaction, by the oids taken before).
    import psycopg

    from effect_helpers import effect_after

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(LOCK_SETUP)
        oids = dict(conn.execute("SELECT oid, 'public.' || relname FROM pg_class "
                                 "WHERE relnamespace = 'public'::regnamespace").fetchall())
        with conn.transaction():
            conn.execute("DROP SEQUENCE s CASCADE")
            held = {oids[oid] for oid, mode in conn.execute(
                "SELECT relation, mode FROM pg_locks WHERE pid = pg_backend_pid() "
                "AND relation IS NOT NULL").fetchall()
                if oid in oids and mode == "AccessExclusiveLock"}
    locks = effect_after(LOCK_SETUP, "DROP SEQUENCE s CASCADE;").locks
    assert {r for r, mode in locks.items() if mode == LockMode.ACCESS_EXCLUSIVE} == held
