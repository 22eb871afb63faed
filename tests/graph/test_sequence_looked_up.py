"""A sequence a statement looks up while it is gone (`missing-object`, fix-pg93): a constant
the server reads as regclass when it analyzes the expression (`nextval('s')`,
`'s'::regclass`) fails the statement, a DEFAULT of CREATE / ALTER TABLE ... ONLY too, with
42P01 `relation "s" does not exist`, which the conflict quotes; a DEFAULT that names it by
text (`nextval('s'::text)`) is stored and looks it up at each run, so the statement runs.
Each history is run on the embedded server (checked on 18.6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.graph.build import build_graph
from server_helpers import server_message
from tree_helpers import write

BASE = ('CREATE SEQUENCE s;\nCREATE SEQUENCE "S";\nCREATE SCHEMA app;\nCREATE SEQUENCE app.s;\n'
        "CREATE TABLE t (id int, b bigint);\n"
        'DROP SEQUENCE s;\nDROP SEQUENCE "S";\nDROP SEQUENCE app.s;\n')

#: (the later migration, the server's message quoted).
REPORTED = [
    ("ALTER TABLE ONLY t ALTER b SET DEFAULT nextval('s');\n", 'relation "s" does not exist'),
    ("ALTER TABLE t ALTER b SET DEFAULT nextval('s'::regclass);\n",
     'relation "s" does not exist'),
    ("CREATE TABLE u (id bigint DEFAULT nextval('S'));\n", 'relation "s" does not exist'),
    ("CREATE TABLE u (id bigint DEFAULT nextval('\"S\"'));\n", 'relation "S" does not exist'),
    ("CREATE TABLE u (id bigint DEFAULT nextval('app.s'));\n",
     'relation "app.s" does not exist'),
    ("ALTER TABLE t ADD COLUMN c bigint DEFAULT nextval('s');\n", 'relation "s" does not exist'),
    ("CREATE DOMAIN d AS bigint DEFAULT nextval('s');\n", 'relation "s" does not exist'),
    # a statement that runs the call looks up a name given as text too
    ("SELECT nextval('s'::text);\n", 'relation "s" does not exist'),
]

#: Later migrations that run: the DEFAULT stores the text and looks it up at each run.
RUNS = [
    "ALTER TABLE ONLY t ALTER b SET DEFAULT nextval('s'::text);\n",
    "CREATE TABLE u (id bigint DEFAULT nextval('s'::text));\n",
    "CREATE TABLE u (id bigint DEFAULT nextval('s'::text::regclass));\n",
    "CREATE DOMAIN d AS bigint DEFAULT nextval('s'::varchar);\n",
]


def _missing(root: Path) -> list[str]:
    return [c.explanation for c in build_graph(discover(root)).conflicts
            if c.kind == "missing-object"]


@pytest.mark.parametrize(("later", "message"), REPORTED)
def test_a_gone_sequence_looked_up_is_reported_with_the_server_s_message(
        tmp_path: Path, pg_db: str, later: str, message: str) -> None:
    assert server_message(pg_db, BASE, later) == message
    (said,) = _missing(write(tmp_path, {"1_base.sql": BASE, "2_later.sql": later}))
    assert said.endswith(f'PostgreSQL stops with "{message}"'), said


@pytest.mark.parametrize("later", RUNS)
def test_a_default_naming_a_gone_sequence_by_text_runs(tmp_path: Path, pg_db: str,
                                                        later: str) -> None:
    assert server_message(pg_db, BASE, later) == ""
    assert _missing(write(tmp_path, {"1_base.sql": BASE, "2_later.sql": later})) == []

