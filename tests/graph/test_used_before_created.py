"""A table or index used before the plain CREATE that makes it later (`missing-object`): the
CREATE says the name was free, so the use fails, unless something between may have freed it
(a DROP or rename of it, DROP SCHEMA ... CASCADE, DROP OWNED, a DO block, a routine call, a
statement the replay does not know), the CREATE is IF NOT EXISTS, or the use may have meant
another schema's table (a search_path of several schemas). Each history is checked on the
embedded server (checked on 18.6): a reported use fails with the message the conflict
quotes; every other history runs whole on a database where the table was made outside."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.graph.build import build_graph

#: (the earlier migration, the later one, the server's message at the use).
REPORTED = [
    ("INSERT INTO t (id) VALUES (1);\n", "CREATE TABLE t (id int);\n",
     'relation "t" does not exist'),
    ("CREATE INDEX t_id_idx ON t (id);\n", "CREATE TABLE t (id int);\n",
     'relation "t" does not exist'),
    ("CREATE SCHEMA app;\nUPDATE app.t SET id = 2 WHERE id = 1;\n",
     "CREATE TABLE app.t (id int);\n", 'relation "app.t" does not exist'),
    ("CREATE TABLE t (id int);\nALTER INDEX t_id_idx SET (fillfactor = 90);\n",
     "CREATE INDEX t_id_idx ON t (id);\n", 'relation "t_id_idx" does not exist'),
    # a LANGUAGE sql body is analyzed at CREATE (check_function_bodies on, no polymorphic
    # argument, no search_path of its own), BEGIN ATOMIC always
    ("CREATE FUNCTION n() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM t $$;\n",
     "CREATE TABLE t (id int);\n", 'relation "t" does not exist'),
    ("CREATE FUNCTION n() RETURNS bigint LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM t; END;\n"
     "CREATE TABLE t (id int);\n", "SELECT 1;\n", 'relation "t" does not exist'),
    # a use, then statements that leave the table alone
    ("SELECT count(*) FROM t;\nCREATE TABLE u (id int);\nSELECT now();\n",
     "CREATE TABLE t (id int);\n", 'relation "t" does not exist'),
    # an ALTER of the table before its CREATE: the ALTER fails, not the CREATE
    ("ALTER TABLE t ADD COLUMN note text;\n", "CREATE TABLE t (id int);\n",
     'relation "t" does not exist'),
    ("ALTER TABLE t ALTER COLUMN id SET NOT NULL;\nSELECT 1;\n", "CREATE TABLE t (id int);\n",
     'relation "t" does not exist'),
]

#: (the earlier migration, the later one): the use may work (the table may have been made
#: outside the migrations, and gone or been moved since), or the CREATE proves nothing.
NOT_REPORTED = [
    ("INSERT INTO t (id) VALUES (1);\n", "CREATE TABLE IF NOT EXISTS t (id int);\n"),
    ("INSERT INTO t (id) VALUES (1);\nDROP TABLE t;\n", "CREATE TABLE t (id int);\n"),
    ("INSERT INTO t (id) VALUES (1);\nDROP TABLE IF EXISTS t;\n", "CREATE TABLE t (id int);\n"),
    ("INSERT INTO t (id) VALUES (1);\nDROP TABLE IF EXISTS u, t;\n",
     "CREATE TABLE t (id int);\n"),
    ("INSERT INTO t (id) VALUES (1);\nALTER TABLE t RENAME TO t_old;\n",
     "CREATE TABLE t (id int);\n"),
    ("CREATE SCHEMA archive;\nINSERT INTO t (id) VALUES (1);\nALTER TABLE t SET SCHEMA archive;\n",
     "CREATE TABLE t (id int);\n"),
    ("INSERT INTO t (id) VALUES (1);\nDO $$ BEGIN EXECUTE 'DROP TABLE ' || 't'; END $$;\n",
     "CREATE TABLE t (id int);\n"),
    ("INSERT INTO t (id) VALUES (1);\nDO $$ BEGIN DROP TABLE t; END $$;\n",
     "CREATE TABLE t (id int);\n"),
    ("INSERT INTO t (id) VALUES (1);\nCALL tidy();\n", "CREATE TABLE t (id int);\n"),
    ("INSERT INTO t (id) VALUES (1);\nSELECT tidy_up();\n", "CREATE TABLE t (id int);\n"),
    ("INSERT INTO t (id) VALUES (1);\nDROP SCHEMA public CASCADE;\nCREATE SCHEMA public;\n",
     "CREATE TABLE t (id int);\n"),
    ("INSERT INTO t (id) VALUES (1);\nDROP OWNED BY lockwise_owner;\n",
     "CREATE TABLE t (id int);\n"),
    ("INSERT INTO t (id) VALUES (1);\n", "CREATE SCHEMA other;\nCREATE TABLE other.t (id int);\n"),
    ("INSERT INTO t (id) VALUES (1);\n", "CREATE TEMP TABLE t (id int);\n"),
    ("CREATE TEMP TABLE t (id int);\nINSERT INTO t (id) VALUES (1);\n",
     "CREATE TABLE t (id int);\n"),
    # what goes with a table: its partitions, and with CASCADE the views over it
    ("INSERT INTO t (id) VALUES (1);\nDROP TABLE parent;\n", "CREATE TABLE t (id int);\n"),
    ("INSERT INTO t (id) VALUES (1);\nDROP TABLE base CASCADE;\n", "CREATE TABLE t (id int);\n"),
    ("INSERT INTO t (id) VALUES (1);\nALTER TABLE base DROP COLUMN id CASCADE;\n",
     "CREATE TABLE t (id int);\n"),
    # a body not analyzed at CREATE: the CREATE works (a call before the table would fail)
    ("SET check_function_bodies = off;\n"
     "CREATE FUNCTION n() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM t $$;\n",
     "CREATE TABLE t (id int);\n"),
    ("CREATE FUNCTION n(anyelement) RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM t $$;\n",
     "CREATE TABLE t (id int);\n"),
    ("CREATE FUNCTION n() RETURNS bigint LANGUAGE sql SET search_path = a\n"
     "AS $$ SELECT count(*) FROM t $$;\n", "CREATE TABLE t (id int);\n"),
    # an ALTER of a table made outside, which may be gone before the CREATE
    ("ALTER TABLE t ADD COLUMN note text;\nDO $$ BEGIN DROP TABLE t; END $$;\n",
     "CREATE TABLE t (id int);\n"),
    ("ALTER TABLE t ADD COLUMN note text;\nDROP TABLE t;\n", "CREATE TABLE t (id int);\n"),
    ("ALTER TABLE IF EXISTS t ADD COLUMN note text;\n", "CREATE TABLE t (id int);\n"),
    # CREATE OR REPLACE VIEW replaces one made outside: no proof it was absent
    ("SELECT id FROM t;\n", "CREATE OR REPLACE VIEW t AS SELECT id FROM base;\n"),
    # (schema a, made outside the migrations, may hold a table t)
    ("SET search_path = a, public;\nINSERT INTO t (id) VALUES (1);\nRESET search_path;\n",
     "CREATE TABLE t (id int);\n"),
]


def graph_of(tmp_path: Path, first: str, second: str):
    (tmp_path / "1_first.sql").write_text(first)
    (tmp_path / "2_second.sql").write_text(second)
    return build_graph(discover(tmp_path))


@pytest.mark.parametrize(("first", "second", "error"), REPORTED)
def test_a_use_before_the_plain_create_fails(tmp_path: Path, first: str, second: str,
                                             error: str) -> None:
    graph = graph_of(tmp_path, first, second)
    assert [c.kind for c in graph.conflicts] == ["missing-object"]
    (conflict,) = graph.conflicts
    assert conflict.locations[0].migration == "1_first"
    assert f'PostgreSQL stops with "{error}"' in conflict.explanation


@pytest.mark.parametrize(("first", "second"), NOT_REPORTED)
def test_a_use_that_may_work_is_not_reported(tmp_path: Path, first: str, second: str) -> None:
    assert graph_of(tmp_path, first, second).conflicts == []


@pytest.mark.parametrize(("first", "second", "error"), [REPORTED[0], REPORTED[-2]])
def test_lint_reports_the_use_once_with_the_servers_message(tmp_path: Path, first: str,
                                                            second: str, error: str) -> None:
    (tmp_path / "1_first.sql").write_text(first)
    (tmp_path / "2_second.sql").write_text(second)
    run = subprocess.run([sys.executable, "-m", "lockwise", "lint", str(tmp_path), "--format",
                          "json", "--no-cache"], capture_output=True, text=True, check=False)
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    conflicts = [c for c in report["conflicts"] if c["kind"] == "missing-object"]
    assert len(conflicts) == 1 and conflicts[0]["object"] == "table:public.t"
    assert error in conflicts[0]["explanation"]
    findings = [f["rule"] for m in report["migrations"] for s in m["statements"]
                for f in s["findings"] if f["rule"] in ("object-missing", "object-already-exists")]
    assert findings == []


@pytest.mark.postgres
def test_the_histories_run_on_postgres(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for first, _, error in REPORTED:
            conn.execute("DROP SCHEMA IF EXISTS app CASCADE")
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            with pytest.raises(psycopg.errors.UndefinedTable) as raised:
                for sql in first.strip().rstrip(";").split(";\n"):
                    conn.execute(sql)
            assert str(raised.value).splitlines()[0] == error
        conn.execute("DROP ROLE IF EXISTS lockwise_owner; CREATE ROLE lockwise_owner")
        for first, second in NOT_REPORTED:
            assert any(_runs_whole(conn, first + second, outside) for outside in _OUTSIDE), first
        conn.execute("DROP OWNED BY lockwise_owner; DROP ROLE lockwise_owner")


#: What may have been made outside the migrations, besides the routines the calls run.
_OUTSIDE = ("CREATE TABLE t (id int); ALTER TABLE t OWNER TO lockwise_owner", "",
            "CREATE SCHEMA a; CREATE TABLE a.t (id int)",
            "CREATE TABLE parent (id int) PARTITION BY RANGE (id);\n"
            "CREATE TABLE t PARTITION OF parent FOR VALUES FROM (0) TO (10)",
            "CREATE TABLE base (id int); CREATE VIEW t AS SELECT id FROM base")


def _runs_whole(conn, history: str, outside: str) -> bool:
    """Whether `history` runs without error on a fresh public schema, with what `outside`
    makes there before."""
    import psycopg

    conn.execute("DROP SCHEMA IF EXISTS a, archive, other CASCADE")
    conn.execute("DISCARD TEMP; RESET search_path")
    conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    conn.execute("CREATE PROCEDURE tidy() LANGUAGE sql AS $$ DROP TABLE t $$")
    conn.execute("CREATE FUNCTION tidy_up() RETURNS void LANGUAGE plpgsql AS "
                 "$$ BEGIN DROP TABLE t; END $$")
    if outside:
        conn.execute(outside)
    try:
        with conn.transaction():
            conn.execute(history)
    except psycopg.Error:
        return False
    return True
