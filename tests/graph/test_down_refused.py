"""A down statement PostgreSQL refuses when the down runs right after its up (a column the up
never made, a rename onto a name taken, an index a constraint owns) is reported with the rule
that reports it in an up, at the statement in the down file. Each history is run on the
embedded server (every up, then the last migration's down, one statement at a time) and
lockwise's verdict held against the server's: the statement it names is the first one the
server refuses, and it names none when the down runs (checked on 18.6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.graph.build import build_graph
from lockwise.parse.postgres import parse_sql
from tree_helpers import write

BASE = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text, nick text);\n"

#: (the up, the down, the rule reporting the down's first refused statement, its line).
REFUSED = [
    # a column the up never added: the down drops another name
    ("ALTER TABLE accounts ADD COLUMN mood text;\n",
     "ALTER TABLE accounts DROP COLUMN moods;\n", "object-missing", 1),
    # the rename undone the wrong way round
    ("ALTER TABLE accounts RENAME COLUMN nick TO handle;\n",
     "ALTER TABLE accounts RENAME COLUMN nick TO handle;\n", "object-missing", 1),
    # renamed back onto a name the up took for something else
    ("ALTER TABLE accounts RENAME TO users;\nCREATE TABLE accounts (id bigint);\n",
     "ALTER TABLE users RENAME TO accounts;\nDROP TABLE accounts;\n",
     "rename-onto-taken-name", 1),
    ("ALTER TABLE accounts RENAME COLUMN nick TO handle;\n"
     "ALTER TABLE accounts ADD COLUMN nick text;\n",
     "ALTER TABLE accounts RENAME COLUMN handle TO nick;\n"
     "ALTER TABLE accounts DROP COLUMN nick;\n", "rename-onto-taken-name", 1),
    # a constraint the up dropped, dropped again (after a statement that runs)
    ("ALTER TABLE accounts ADD CONSTRAINT email_shape CHECK (email LIKE '%@%');\n"
     "ALTER TABLE accounts DROP CONSTRAINT email_shape;\n",
     "SELECT 1;\nALTER TABLE accounts DROP CONSTRAINT email_shape;\n", "object-missing", 2),
    # the index of a constraint the up added: DROP INDEX is refused
    ("ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);\n",
     "DROP INDEX accounts_email_key;\n", "drop-index-refused", 1),
    # a type still used by a column the down drops only after it
    ("CREATE TYPE mood AS ENUM ('ok', 'sad');\nALTER TABLE accounts ADD COLUMN m mood;\n",
     "DROP TYPE mood;\nALTER TABLE accounts DROP COLUMN m;\n", "drop-type-in-use", 1),
    # a column a generated column still reads
    ("ALTER TABLE accounts ADD COLUMN a int;\n"
     "ALTER TABLE accounts ADD COLUMN b int GENERATED ALWAYS AS (a * 2) STORED;\n",
     "ALTER TABLE accounts DROP COLUMN a;\nALTER TABLE accounts DROP COLUMN b;\n",
     "column-used-by-generated-column", 1),
    # a table or index dropped twice by the down, or dropped by the up already
    ("CREATE TABLE notes (id bigint);\n", "DROP TABLE notes;\nDROP TABLE notes;\n",
     "missing-object", 2),
    ("CREATE INDEX accounts_nick ON accounts (nick);\n",
     "DROP INDEX accounts_nick;\nDROP INDEX accounts_nick;\n", "missing-object", 2),
    ("CREATE INDEX accounts_nick ON accounts (nick);\nDROP INDEX accounts_nick;\n",
     "DROP INDEX accounts_nick;\n", "missing-object", 1),
    ("CREATE TABLE notes (id bigint);\nDROP TABLE notes;\n", "DROP TABLE notes;\n",
     "missing-object", 1),
    ("CREATE TABLE notes (id bigint);\n",
     "ALTER TABLE notes RENAME TO old_notes;\nDROP TABLE notes;\n", "missing-object", 2),
    # tables dropped in the wrong order: a foreign key still references the first
    ("CREATE TABLE teams (id bigint PRIMARY KEY);\n"
     "CREATE TABLE members (id bigint, team_id bigint REFERENCES teams);\n",
     "DROP TABLE teams;\nDROP TABLE members;\n", "dependency-dropped", 1),
    ("CREATE TABLE teams (id bigint PRIMARY KEY);\n"
     "ALTER TABLE accounts ADD COLUMN team_id bigint REFERENCES teams;\n",
     "DROP TABLE teams;\nALTER TABLE accounts DROP COLUMN team_id;\n",
     "dependency-dropped", 1),
    # a view the up made still reads the table, the view or the column the down drops
    # first (2BP01, "view notes_v depends on table notes"; fix-pg92)
    ("CREATE TABLE notes (id bigint);\nCREATE VIEW notes_v AS SELECT id FROM notes;\n",
     "DROP TABLE notes;\nDROP VIEW notes_v;\n", "dependency-dropped", 1),
    ("ALTER TABLE accounts ADD COLUMN mood text;\n"
     "CREATE VIEW moods AS SELECT mood FROM accounts;\n",
     "ALTER TABLE accounts DROP COLUMN mood;\nDROP VIEW moods;\n", "dependency-dropped", 1),
    ("CREATE VIEW v1 AS SELECT id FROM accounts;\nCREATE VIEW v2 AS SELECT id FROM v1;\n",
     "DROP VIEW v1;\nDROP VIEW v2;\n", "dependency-dropped", 1),
    # a function a view, a default or a trigger uses, a type a view uses (already said)
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
     "CREATE VIEW fv AS SELECT f() AS x;\n", "DROP FUNCTION f();\nDROP VIEW fv;\n",
     "drop-function-refused", 1),
    ("CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
     "ALTER TABLE accounts ADD COLUMN k int DEFAULT f();\n",
     "DROP FUNCTION f();\nALTER TABLE accounts DROP COLUMN k;\n", "drop-function-refused", 1),
    ("CREATE FUNCTION trg() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;\n"
     "CREATE TRIGGER t BEFORE INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION trg();\n",
     "DROP FUNCTION trg();\nDROP TRIGGER t ON accounts;\n", "drop-function-refused", 1),
    ("CREATE TYPE mood AS ENUM ('a');\nCREATE VIEW mv AS SELECT 'a'::mood AS m;\n",
     "DROP TYPE mood;\nDROP VIEW mv;\n", "drop-type-in-use", 1),
    # a down that creates what is there already (42P07, 42710; fix-pg92)
    ("DROP TABLE accounts;\n",
     "CREATE TABLE accounts (id bigint);\nCREATE TABLE accounts (id bigint);\n",
     "object-already-exists", 2),
    ("CREATE INDEX ai ON accounts (email);\n", "CREATE INDEX ai ON accounts (email);\n",
     "object-already-exists", 1),
    ("CREATE VIEW ev AS SELECT email FROM accounts;\n",
     "CREATE VIEW ev AS SELECT email FROM accounts;\n", "object-already-exists", 1),
    ("CREATE TYPE mood AS ENUM ('a');\n", "CREATE TYPE mood AS ENUM ('a');\n",
     "object-already-exists", 1),
    ("CREATE SEQUENCE s;\n", "CREATE SEQUENCE s;\n", "object-already-exists", 1),
    ("ALTER TABLE accounts ADD COLUMN mood text;\n",
     "ALTER TABLE accounts ADD COLUMN mood text;\n", "object-already-exists", 1),
    ("ALTER TABLE accounts ADD CONSTRAINT c CHECK (id > 0);\n",
     "ALTER TABLE accounts ADD CONSTRAINT c CHECK (id > 0);\n", "object-already-exists", 1),
    # a down re-creating the function its up replaced, without OR REPLACE (42723; fix-pg93):
    # the same input types, whatever the result and the argument names
    ("CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
     "CREATE FUNCTION f(integer) RETURNS bigint LANGUAGE sql AS 'SELECT 2';\n",
     "object-already-exists", 1),
    ("CREATE PROCEDURE p(a int, OUT b int) LANGUAGE sql AS 'SELECT 1';\n",
     "SELECT 1;\nCREATE FUNCTION p(int) RETURNS int LANGUAGE sql AS 'SELECT 2';\n",
     "object-already-exists", 2),
    # renamed onto the name, and OR REPLACE of another result or kind (fix-pg94)
    ("CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
     "ALTER FUNCTION f(int) RENAME TO g;\n",
     "CREATE FUNCTION g(int) RETURNS int LANGUAGE sql AS 'SELECT 2';\n",
     "object-already-exists", 1),
    ("CREATE FUNCTION f(a int) RETURNS bigint LANGUAGE sql AS 'SELECT 1';\n",
     "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 2';\n",
     "replace-function-refused", 1),
    ("CREATE PROCEDURE p(a int) LANGUAGE sql AS 'SELECT 1';\n",
     "SELECT 1;\nCREATE OR REPLACE FUNCTION p(a int) RETURNS int LANGUAGE sql AS 'SELECT 2';\n",
     "replace-function-refused", 2),
    # only the first refusal: the down stops there
    ("ALTER TABLE accounts ADD COLUMN mood text;\n",
     "ALTER TABLE accounts DROP COLUMN moods;\nALTER TABLE accounts DROP COLUMN modo;\n",
     "object-missing", 1),
]

#: (the up, the down): the down runs on the server, and lockwise reports no refusal in it.
RUNS = [
    ("ALTER TABLE accounts ADD COLUMN mood text;\n",
     "ALTER TABLE accounts DROP COLUMN mood;\n"),
    ("ALTER TABLE accounts ADD COLUMN mood text;\n",
     "ALTER TABLE accounts DROP COLUMN IF EXISTS moods;\n"
     "ALTER TABLE accounts DROP COLUMN mood;\n"),
    ("ALTER TABLE accounts RENAME COLUMN nick TO handle;\n",
     "ALTER TABLE accounts RENAME COLUMN handle TO nick;\n"),
    ("ALTER TABLE accounts RENAME TO users;\n", "ALTER TABLE users RENAME TO accounts;\n"),
    ("CREATE TYPE mood AS ENUM ('ok', 'sad');\nALTER TABLE accounts ADD COLUMN m mood;\n",
     "ALTER TABLE accounts DROP COLUMN m;\nDROP TYPE mood;\n"),
    ("CREATE TYPE mood AS ENUM ('ok', 'sad');\nALTER TABLE accounts ADD COLUMN m mood;\n",
     "DROP TYPE mood CASCADE;\n"),
    ("CREATE TABLE notes (id bigint);\n",
     "DROP TABLE IF EXISTS notes;\nDROP TABLE IF EXISTS notes;\n"),
    ("CREATE INDEX accounts_nick ON accounts (nick);\nDROP INDEX accounts_nick;\n",
     "CREATE INDEX accounts_nick ON accounts (nick);\nDROP INDEX accounts_nick;\n"),
    ("CREATE TABLE teams (id bigint PRIMARY KEY);\n"
     "CREATE TABLE members (id bigint, team_id bigint REFERENCES teams);\n",
     "DROP TABLE members;\nDROP TABLE teams;\n"),
    ("CREATE TABLE teams (id bigint PRIMARY KEY);\n"
     "CREATE TABLE members (id bigint, team_id bigint REFERENCES teams);\n",
     "DROP TABLE teams, members;\n"),
    ("CREATE TABLE teams (id bigint PRIMARY KEY);\n"
     "CREATE TABLE members (id bigint, team_id bigint REFERENCES teams);\n",
     "DROP TABLE teams CASCADE;\nDROP TABLE members;\n"),
    ("CREATE TABLE teams (id bigint PRIMARY KEY, parent_id bigint REFERENCES teams);\n",
     "DROP TABLE teams;\n"),
    # a table the replay never knew may have been made outside the migrations
    ("SELECT 1;\n", "DROP TABLE IF EXISTS legacy;\n"),
    # a column a DO block adds at run time: the replay cannot know it is missing
    ("DO $$ BEGIN EXECUTE 'ALTER TABLE accounts ADD COLUMN ' || 'mood text'; END $$;\n",
     "ALTER TABLE accounts DROP COLUMN mood;\n"),
    # the down's own DROP of the column frees the name of the CHECK that reads it (lemmy's
    # 2025-08-20-000000_comment-lock): its ADD CONSTRAINT of that name runs
    ("ALTER TABLE accounts ADD COLUMN mood text;\n"
     "ALTER TABLE accounts ADD CONSTRAINT one_of CHECK (num_nonnulls(email, mood) = 1) "
     "NOT VALID;\n",
     "ALTER TABLE accounts DROP COLUMN mood,\n"
     "    ADD CONSTRAINT one_of CHECK (num_nonnulls(email) = 1) NOT VALID;\n"),
    # views dropped before what they read, or with CASCADE (fix-pg92)
    ("CREATE TABLE notes (id bigint);\nCREATE VIEW notes_v AS SELECT id FROM notes;\n",
     "DROP VIEW notes_v;\nDROP TABLE notes;\n"),
    ("CREATE TABLE notes (id bigint);\nCREATE VIEW notes_v AS SELECT id FROM notes;\n",
     "DROP TABLE notes CASCADE;\n"),
    ("ALTER TABLE accounts ADD COLUMN mood text;\n"
     "CREATE VIEW moods AS SELECT mood FROM accounts;\n",
     "DROP VIEW moods;\nALTER TABLE accounts DROP COLUMN mood;\n"),
    ("CREATE VIEW v1 AS SELECT id FROM accounts;\nCREATE VIEW v2 AS SELECT id FROM v1;\n",
     "DROP VIEW v2;\nDROP VIEW v1;\n"),
    ("CREATE VIEW v1 AS SELECT id FROM accounts;\nCREATE VIEW v2 AS SELECT id FROM v1;\n",
     "DROP VIEW v1, v2;\n"),
    # a view that reads another column of the table
    ("ALTER TABLE accounts ADD COLUMN mood text;\n"
     "CREATE VIEW nicks AS SELECT nick FROM accounts;\n",
     "ALTER TABLE accounts DROP COLUMN mood;\nDROP VIEW nicks;\n"),
    # creates of what the up dropped, or IF NOT EXISTS / OR REPLACE of what is there
    ("DROP TABLE accounts;\n", "CREATE TABLE accounts (id bigint);\n"),
    ("DROP TABLE accounts;\n", "CREATE TABLE IF NOT EXISTS accounts (id bigint);\n"
     "CREATE TABLE IF NOT EXISTS accounts (id bigint);\n"),
    ("CREATE INDEX ai ON accounts (email);\nDROP INDEX ai;\n",
     "CREATE INDEX ai ON accounts (email);\n"),
    ("CREATE VIEW ev AS SELECT email FROM accounts;\n",
     "CREATE OR REPLACE VIEW ev AS SELECT email FROM accounts;\nDROP VIEW ev;\n"),
    ("CREATE TYPE mood AS ENUM ('a');\n", "DROP TYPE mood;\nCREATE TYPE mood AS ENUM ('a');\n"
     "DROP TYPE mood;\n"),
    # the function the up made, dropped first or replaced, or another overload (fix-pg93)
    ("CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
     "DROP FUNCTION f(int);\nCREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
     "DROP FUNCTION f(int);\n"),
    ("CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n",
     "CREATE OR REPLACE FUNCTION f(a int) RETURNS int LANGUAGE sql AS 'SELECT 2';\n"
     "CREATE FUNCTION f(a bigint) RETURNS int LANGUAGE sql AS 'SELECT 2';\n"
     "CREATE PROCEDURE f(a int, b int) LANGUAGE sql AS 'SELECT 2';\n"),
    ("CREATE PROCEDURE p(a int, OUT b int) LANGUAGE sql AS 'SELECT 1';\n",
     "CREATE PROCEDURE p(a int, b int) LANGUAGE sql AS 'SELECT 2';\n"),
    # DROP DEFAULT runs before the type change whatever the order written (lemmy's
    # 2025-08-01-000057_multi-community)
    ("CREATE TYPE kind AS ENUM ('a', 'b');\nCREATE TYPE kind_tmp AS ENUM ('a');\n"
     "ALTER TABLE accounts ADD COLUMN k kind NOT NULL DEFAULT 'a';\n",
     "ALTER TABLE accounts ALTER COLUMN k DROP DEFAULT,\n"
     "    ALTER COLUMN k TYPE kind_tmp USING (k::text::kind_tmp),\n"
     "    ALTER COLUMN k SET DEFAULT 'a';\n"
     "ALTER TABLE accounts DROP COLUMN k;\nDROP TYPE kind;\nDROP TYPE kind_tmp;\n"),
]


def _history(root: Path, up: str, down: str) -> Path:
    return write(root, {"1_base.up.sql": BASE, "1_base.down.sql": "DROP TABLE accounts;\n",
                        "2_change.up.sql": up, "2_change.down.sql": down})


def _refusals(root: Path) -> list[tuple[str, str, int | None]]:
    """(rule, down file, line) of each refusal lockwise reports in a down."""
    return [(c.kind, Path(c.locations[-1].path).name, c.locations[-1].line)
            for c in build_graph(discover(root)).conflicts if c.kind != "down-mismatch"]


def _first_refused_line(uri: str, up: str, down: str) -> int | None:
    """The line of the down's first statement the server refuses after the ups; None when
    the whole down runs."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(BASE)
        conn.execute(up)
        for stmt in parse_sql(down).statements:
            try:
                conn.execute(stmt.sql)
            except psycopg.Error:
                return stmt.span.line
    return None


@pytest.mark.parametrize(("up", "down", "rule", "line"), REFUSED)
def test_a_refused_down_statement_is_reported_where_the_server_refuses_it(
        tmp_path: Path, pg_db: str, up: str, down: str, rule: str, line: int) -> None:
    assert _first_refused_line(pg_db, up, down) == line
    found = _refusals(_history(tmp_path, up, down))
    # (each rule an up's statement would get: a rename of a column that is not there onto
    # one that is gets object-missing and rename-onto-taken-name, as in an up)
    assert found[0] == (rule, "2_change.down.sql", line)
    assert {(file, at) for _, file, at in found} == {("2_change.down.sql", line)}


@pytest.mark.parametrize(("up", "down"), RUNS)
def test_a_down_that_runs_is_not_reported(tmp_path: Path, pg_db: str, up: str,
                                          down: str) -> None:
    assert _first_refused_line(pg_db, up, down) is None
    assert _refusals(_history(tmp_path, up, down)) == []


def test_a_refusal_in_a_down_section_points_at_its_line_in_the_file(tmp_path: Path) -> None:
    """dbmate keeps the down in the migration's own file: the line is the file's."""
    write(tmp_path, {
        "20240101000000_base.sql": f"-- migrate:up\n{BASE}\n-- migrate:down\n"
                                   "DROP TABLE accounts;\n",
        "20240102000000_mood.sql": "-- migrate:up\nALTER TABLE accounts ADD COLUMN mood text;\n"
                                   "\n-- migrate:down\nSELECT 1;\n"
                                   "ALTER TABLE accounts DROP COLUMN moods;\n"})
    (conflict,) = [c for c in build_graph(discover(tmp_path)).conflicts
                   if c.kind != "down-mismatch"]
    assert conflict.kind == "object-missing"
    at = conflict.locations[-1]
    assert (Path(at.path).name, at.line, at.column) == ("20240102000000_mood.sql", 6, 1)
    assert "rolling back 20240102000000_mood" in conflict.explanation
    assert conflict.safety.label == "requires-downtime"


def test_a_refused_down_statement_is_left_out_with_its_rule(tmp_path: Path) -> None:
    """`--ignore` of the rule leaves the down's refusal out too, as it does an up's."""
    import json

    from typer.testing import CliRunner

    from lockwise.cli.app import app

    _history(tmp_path, "ALTER TABLE accounts ADD COLUMN mood text;\n",
             "ALTER TABLE accounts DROP COLUMN moods;\n")
    kinds = []
    for extra in ([], ["--ignore", "object-missing"]):
        out = CliRunner().invoke(app, ["lint", str(tmp_path), "-f", "json", "--no-cache",
                                       *extra])
        kinds.append([c["kind"] for c in json.loads(out.stdout)["conflicts"]])
    assert "object-missing" in kinds[0]
    assert "object-missing" not in kinds[1]


def test_a_view_of_an_earlier_migration_is_in_the_down_s_way(tmp_path: Path,
                                                              pg_db: str) -> None:
    """The view `emails` an earlier migration made reads the column the up renamed: a down
    that drops the column (and adds the old name back) instead of renaming it back is
    refused ("view emails depends on column mail of table accounts", 2BP01). The advice
    drops the view first, in the user's names, and runs on the server."""
    import psycopg

    view = "CREATE VIEW emails AS SELECT email FROM accounts;\n"
    up = "ALTER TABLE accounts RENAME COLUMN email TO mail;\n"
    down = ("ALTER TABLE accounts DROP COLUMN mail;\n"
            "ALTER TABLE accounts ADD COLUMN email text;\n")
    write(tmp_path, {"1_base.up.sql": BASE, "1_base.down.sql": "DROP TABLE accounts;\n",
                     "2_view.up.sql": view, "2_view.down.sql": "DROP VIEW emails;\n",
                     "3_rename.up.sql": up, "3_rename.down.sql": down})
    (conflict,) = [c for c in build_graph(discover(tmp_path)).conflicts
                   if c.kind != "down-mismatch"]
    at = conflict.locations[-1]
    assert (conflict.kind, Path(at.path).name, at.line) == (
        "dependency-dropped", "3_rename.down.sql", 1)
    assert "view public.emails still depends on it" in conflict.explanation
    advice = conflict.step.split("(", 1)[1].split(")", 1)[0]
    assert advice == "DROP VIEW public.emails;"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for sql in (BASE, view, up):
            conn.execute(sql)
        with pytest.raises(psycopg.errors.DependentObjectsStillExist) as refused:
            conn.execute(parse_sql(down).statements[0].sql)
        assert "view emails depends on column mail of table accounts" in str(refused.value)
        conn.execute(advice)  # the advice, then the down runs
        for stmt in parse_sql(down).statements:
            conn.execute(stmt.sql)
