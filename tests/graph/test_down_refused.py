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
