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
