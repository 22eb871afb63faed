"""A plain CREATE TABLE / VIEW / MATERIALIZED VIEW / TABLE AS (or SELECT INTO) that PostgreSQL
refuses (`constant-input-refused`, `with-query-locked`, ...) makes nothing: its name, free before (a
plain CREATE of it says so), is still free after, and a later migration that uses it fails
(`missing-object`, as for a relation dropped earlier). Not when the CREATE proves nothing of
the name (OR REPLACE, IF NOT EXISTS: one may be there, made outside), when the relation was
made here before (refused for its query, it stays), nor once a CREATE that runs makes it.
Each history is checked on the embedded server (checked on 18.6)."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.graph.build import build_graph

SETUP = "CREATE TABLE orders (id bigint, status text);\n"
LOCKED = "WITH p AS (SELECT id FROM orders) SELECT id FROM p FOR UPDATE OF p"

#: (the refused CREATE's migration, the later one using its name, the server's message at
#: the use).
REPORTED = [
    (f"CREATE VIEW v AS {LOCKED};\n", "CREATE VIEW w AS SELECT id FROM v;\n",
     'relation "v" does not exist'),
    ("CREATE VIEW v AS VALUES (1), ('x');\n", "SELECT * FROM v;\n",
     'relation "v" does not exist'),
    ("CREATE TABLE r AS SELECT id, '1.5'::int AS f FROM orders;\n",
     "ALTER TABLE r ADD COLUMN note text;\n", 'relation "r" does not exist'),
    (f"CREATE MATERIALIZED VIEW m AS {LOCKED} WITH NO DATA;\n",
     "SELECT count(*) FROM m;\n", 'relation "m" does not exist'),
    ("WITH p AS (SELECT id FROM orders) SELECT id INTO r FROM p FOR SHARE OF p;\n",
     "INSERT INTO r VALUES (1);\n", 'relation "r" does not exist'),
    (f"CREATE VIEW v AS {LOCKED};\n", "DROP VIEW v;\n", 'view "v" does not exist'),
    # a plain CREATE TABLE too (its primary key lacks the partition key)
    ("CREATE TABLE p (id int, d date, PRIMARY KEY (id)) PARTITION BY RANGE (d);\n",
     "INSERT INTO p (id) VALUES (1);\n", 'relation "p" does not exist'),
    # refused for a foreign key to columns no key is on (`refused_references`), which the
    # graph on its own sees as lint does
    ("CREATE TABLE notes (id int, status text REFERENCES orders (status));\n",
     "INSERT INTO notes (id) VALUES (1);\n", 'relation "notes" does not exist'),
    ("CREATE TABLE notes (id int, order_id bigint REFERENCES orders);\n",
     "SELECT * FROM notes;\n", 'relation "notes" does not exist'),
    # REFRESH MATERIALIZED VIEW looks its view up
    (f"CREATE MATERIALIZED VIEW m AS {LOCKED} WITH NO DATA;\n",
     "REFRESH MATERIALIZED VIEW m;\n", 'relation "m" does not exist'),
    # a column name twice in the query's result (42701: 'column "a" specified more than
    # once'), in a view, a materialized view, CREATE TABLE AS and SELECT INTO
    ("CREATE VIEW v AS SELECT id, status AS id FROM orders;\n", "SELECT * FROM v;\n",
     'relation "v" does not exist'),
    ("CREATE MATERIALIZED VIEW m AS SELECT id, 2 AS id FROM orders;\n",
     "REFRESH MATERIALIZED VIEW m;\n", 'relation "m" does not exist'),
    ("CREATE TABLE r AS SELECT 1 AS a, 2 AS a;\n", "INSERT INTO r VALUES (1, 2);\n",
     'relation "r" does not exist'),
    ("CREATE TABLE r AS SELECT 1, 2;\n", "SELECT * FROM r;\n", 'relation "r" does not exist'),
    ("CREATE TABLE r AS SELECT * FROM orders a, orders b;\n", "SELECT * FROM r;\n",
     'relation "r" does not exist'),
    ("CREATE TABLE r (status) AS SELECT id, status FROM orders;\n", "SELECT * FROM r;\n",
     'relation "r" does not exist'),
    ("SELECT id, id INTO r FROM orders;\n", "SELECT * FROM r;\n",
     'relation "r" does not exist'),
]

#: (the refused CREATE's migration, the later one, what may have been made outside the
#: migrations before them, "" for nothing): the later one runs.
NOT_REPORTED = [
    # a CREATE that proves nothing of the name
    (f"CREATE OR REPLACE VIEW v AS {LOCKED};\n", "SELECT * FROM v;\n",
     "CREATE VIEW v AS SELECT 1 AS id"),
    (f"CREATE TABLE IF NOT EXISTS r AS {LOCKED};\n", "INSERT INTO r VALUES (1);\n",
     "CREATE TABLE r (id bigint)"),
    # made here before: refused for its query before the name is looked at, it stays
    (f"CREATE VIEW v AS SELECT id FROM orders;\nCREATE VIEW v AS {LOCKED};\n",
     "SELECT * FROM v;\n", ""),
    # made by a CREATE that runs after the refused one
    (f"CREATE VIEW v AS {LOCKED};\nCREATE VIEW v AS SELECT id FROM orders;\n",
     "SELECT * FROM v;\n", ""),
    # a foreign key to a table made outside (it may have the key), or to a key
    ("CREATE TABLE notes (id int, status text REFERENCES accounts (status));\n",
     "INSERT INTO notes (id) VALUES (1);\n",
     "CREATE TABLE accounts (status text PRIMARY KEY)"),
    ("CREATE UNIQUE INDEX orders_status_key ON orders (status);\n"
     "CREATE TABLE notes (id int, status text REFERENCES orders (status));\n",
     "INSERT INTO notes (id) VALUES (1);\n", ""),
    # a REFRESH of a materialized view that is there
    ("CREATE MATERIALIZED VIEW m AS SELECT id FROM orders;\n",
     "REFRESH MATERIALIZED VIEW m;\n", ""),
    # names told apart by their case, or one in a subquery's result only
    ("CREATE VIEW v AS SELECT id AS a, status AS \"A\" FROM orders;\n", "SELECT * FROM v;\n",
     ""),
    ("CREATE TABLE r AS SELECT count(*) AS n FROM (SELECT 1 AS a, 2 AS a) x;\n",
     "SELECT * FROM r;\n", ""),
    # the name taken: IF NOT EXISTS does nothing, with a NOTICE, before the query's columns
    ("CREATE TABLE r (id bigint);\nCREATE TABLE IF NOT EXISTS r AS SELECT 1 AS a, 2 AS a;\n",
     "SELECT * FROM r;\n", ""),
]

#: (an earlier migration, the later one, the server's message at the later one): a
#: REFRESH MATERIALIZED VIEW of a view dropped before, or made only later, fails.
REFRESHED = [
    ("CREATE MATERIALIZED VIEW m AS SELECT id FROM orders;\nDROP MATERIALIZED VIEW m;\n",
     "REFRESH MATERIALIZED VIEW CONCURRENTLY m;\n", 'relation "m" does not exist'),
    ("CREATE MATERIALIZED VIEW m AS SELECT id FROM orders;\n"
     "ALTER MATERIALIZED VIEW m RENAME TO m2;\n", "REFRESH MATERIALIZED VIEW m;\n",
     'relation "m" does not exist'),
]


def history(tmp_path: Path, refused: str, later: str) -> Path:
    """A folder of the setup, the refused CREATE's migration and the later one."""
    for name, sql in (("1_setup", SETUP), ("2_refused", refused), ("3_later", later)):
        (tmp_path / f"{name}.sql").write_text(sql)
    return tmp_path


def graph_of(tmp_path: Path, refused: str, later: str):
    return build_graph(discover(history(tmp_path, refused, later)))


@pytest.mark.parametrize(("refused", "later", "error"), REPORTED)
def test_a_later_use_of_what_a_refused_create_would_make_is_missing(
        tmp_path: Path, refused: str, later: str, error: str) -> None:
    graph = graph_of(tmp_path, refused, later)
    assert [c.kind for c in graph.conflicts] == ["missing-object"]
    (conflict,) = graph.conflicts
    assert [loc.migration for loc in conflict.locations] == ["2_refused", "3_later"]
    assert "refused at its CREATE" in conflict.explanation


@pytest.mark.parametrize(("refused", "later", "outside"), NOT_REPORTED)
def test_a_use_that_may_work_is_not_reported(tmp_path: Path, refused: str, later: str,
                                             outside: str) -> None:
    assert graph_of(tmp_path, refused, later).conflicts == []


@pytest.mark.parametrize(("earlier", "later", "error"), REFRESHED)
def test_a_refresh_of_a_materialized_view_gone_is_missing(
        tmp_path: Path, earlier: str, later: str, error: str) -> None:
    graph = graph_of(tmp_path, earlier, later)
    assert [(c.kind, c.object) for c in graph.conflicts] == [
        ("missing-object", "table:public.m")]
    assert [loc.migration for loc in graph.conflicts[0].locations] == ["2_refused", "3_later"]


def test_a_refresh_before_the_materialized_view_is_made_is_missing(tmp_path: Path) -> None:
    graph = graph_of(tmp_path, "REFRESH MATERIALIZED VIEW m;\n",
                     "CREATE MATERIALIZED VIEW m AS SELECT id FROM orders;\n")
    assert [(c.kind, c.object) for c in graph.conflicts] == [
        ("missing-object", "table:public.m")]
    assert 'PostgreSQL stops with "relation "m" does not exist"' in \
        graph.conflicts[0].explanation


def test_a_column_refused_for_its_foreign_key_is_never_made(tmp_path: Path) -> None:
    """ALTER TABLE ... ADD COLUMN ... REFERENCES a table without the key adds no column, in
    the graph on its own as in lint."""
    graph = graph_of(tmp_path, "ALTER TABLE orders ADD COLUMN parent_status text "
                     "REFERENCES orders (status);\n",
                     "UPDATE orders SET parent_status = status;\n")
    assert [(c.kind, c.object) for c in graph.conflicts] == [
        ("missing-object", "column:public.orders.parent_status")]


def test_lint_reports_the_missing_relation(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from lockwise.cli.app import app

    refused, later, _ = REPORTED[0]
    result = CliRunner().invoke(app, ["lint", str(history(tmp_path, refused, later)),
                                      "--format", "json", "--no-cache"])
    assert result.exit_code == 1
    missing = [c["object"] for c in json.loads(result.stdout)["conflicts"]
               if c["kind"] == "missing-object"]
    assert missing == ["table:public.v"]


@pytest.mark.postgres
def test_the_histories_run_on_postgres(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for refused, later, error in REPORTED:
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(SETUP)
            with pytest.raises(psycopg.Error):  # refused: made nothing
                conn.execute(refused)
            with pytest.raises(psycopg.errors.UndefinedTable) as raised:
                conn.execute(later)
            assert raised.value.diag.message_primary == error
        for earlier, later, error in [*REFRESHED, ("", "REFRESH MATERIALIZED VIEW m", "")]:
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(SETUP)
            for sql in earlier.strip().rstrip(";").split(";\n") if earlier else ():
                conn.execute(sql)
            with pytest.raises(psycopg.errors.UndefinedTable) as raised:
                conn.execute(later)
            assert raised.value.diag.message_primary == (error or 'relation "m" does not exist')
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        conn.execute(SETUP)
        with pytest.raises(psycopg.errors.InvalidForeignKey):  # 42830: no unique key
            conn.execute("ALTER TABLE orders ADD COLUMN parent_status text "
                         "REFERENCES orders (status)")
        with pytest.raises(psycopg.errors.UndefinedColumn):
            conn.execute("UPDATE orders SET parent_status = status")
        for refused, later, outside in NOT_REPORTED:
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(SETUP)
            if outside:
                conn.execute(outside)
            for sql in refused.strip().rstrip(";").split(";\n"):
                with contextlib.suppress(psycopg.Error):  # (the refused one)
                    conn.execute(sql)
            conn.execute(later)  # runs
