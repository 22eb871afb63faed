"""A sequence looked up before the plain CREATE SEQUENCE of a later migration makes it
(`missing-object`, fix-pg96): ALTER SEQUENCE (OWNED BY, RESTART) and a constant the server
reads as regclass as it analyzes the expression (`nextval('s')` in a DEFAULT of CREATE /
ALTER TABLE, `'s'::regclass`, a SELECT running the call) look the sequence up there and
then, so the statement fails with 42P01 `relation "s" does not exist` on a database the
migrations build. Not said when the use may work: the name given as text (looked up at each
run), IF EXISTS, a CREATE ... IF NOT EXISTS, something between that may have dropped or
moved a sequence made outside. Each history is run on the embedded server (checked on 18.6).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.graph.build import build_graph
from server_helpers import server_error, server_message
from tree_helpers import write

T = "CREATE TABLE t (id bigint);\n"

#: (the earlier migration, the later one, the server's message at the use).
REPORTED = [
    (T + "ALTER TABLE t ALTER COLUMN id SET DEFAULT nextval('t_seq');\n",
     "CREATE SEQUENCE t_seq;\n", 'relation "t_seq" does not exist'),
    ("CREATE TABLE u (id bigint DEFAULT nextval('u_seq'));\n", "CREATE SEQUENCE u_seq;\n",
     'relation "u_seq" does not exist'),
    ("CREATE TABLE u (id bigint DEFAULT nextval('u_seq'::regclass));\n",
     "CREATE SEQUENCE u_seq;\n", 'relation "u_seq" does not exist'),
    (T + "ALTER SEQUENCE t_seq OWNED BY t.id;\n", "CREATE SEQUENCE t_seq;\n",
     'relation "t_seq" does not exist'),
    ("ALTER SEQUENCE t_seq RESTART WITH 100;\n", "CREATE SEQUENCE t_seq;\n",
     'relation "t_seq" does not exist'),
    ("SELECT setval('t_seq', 10);\n", "CREATE SEQUENCE t_seq;\n",
     'relation "t_seq" does not exist'),
    ("CREATE SCHEMA app;\nCREATE TABLE app.u (id bigint DEFAULT nextval('app.u_seq'));\n",
     "CREATE SEQUENCE app.u_seq;\n", 'relation "app.u_seq" does not exist'),
]

#: (the earlier migration, the later one): the use may work (the sequence may have been made
#: outside the migrations), or the CREATE proves nothing.
NOT_REPORTED = [
    ("CREATE TABLE u (id bigint DEFAULT nextval('u_seq'::text));\n", "CREATE SEQUENCE u_seq;\n"),
    (T + "ALTER SEQUENCE IF EXISTS t_seq OWNED BY t.id;\n", "CREATE SEQUENCE t_seq;\n"),
    (T + "ALTER SEQUENCE t_seq OWNED BY t.id;\n", "CREATE SEQUENCE IF NOT EXISTS t_seq;\n"),
    ("SELECT nextval('t_seq');\nDROP SEQUENCE t_seq;\n", "CREATE SEQUENCE t_seq;\n"),
    ("SELECT nextval('t_seq');\nDO $$ BEGIN DROP SEQUENCE t_seq; END $$;\n",
     "CREATE SEQUENCE t_seq;\n"),
    ("SELECT nextval('t_seq');\nALTER SEQUENCE t_seq RENAME TO t_seq_old;\n",
     "CREATE SEQUENCE t_seq;\n"),
    # created first: no conflict
    ("CREATE SEQUENCE t_seq;\n", T + "ALTER TABLE t ALTER id SET DEFAULT nextval('t_seq');\n"),
    # nextval of a table's name is accepted at CREATE (any relation is a regclass)
    (T + "CREATE TABLE u (id bigint DEFAULT nextval('t'));\n", "CREATE SEQUENCE t_seq;\n"),
    # (schema a, made outside the migrations, may hold the sequence)
    ("SET search_path = a, public;\nSELECT nextval('t_seq');\nRESET search_path;\n",
     "CREATE SEQUENCE t_seq;\n"),
]

#: What may have been made outside the migrations.
_OUTSIDE = ("", "CREATE SEQUENCE t_seq", "CREATE SCHEMA a; CREATE SEQUENCE a.t_seq")


def _missing(tmp_path: Path, first: str, second: str) -> list[str]:
    root = write(tmp_path, {"1_first.sql": first, "2_second.sql": second})
    return [c.explanation for c in build_graph(discover(root)).conflicts
            if c.kind == "missing-object"]


@pytest.mark.parametrize(("first", "second", "error"), REPORTED)
def test_a_sequence_looked_up_before_its_create_is_reported_with_the_server_s_message(
        tmp_path: Path, pg_db: str, first: str, second: str, error: str) -> None:
    *setup, use = first.strip().rstrip(";").split(";\n")
    assert server_message(pg_db, [s for s in setup if s], use) == error
    (said,) = _missing(tmp_path, first, second)
    assert said.startswith("1_first uses sequence"), said
    assert said.endswith(f'PostgreSQL stops with "{error}"'), said


@pytest.mark.parametrize(("first", "second"), NOT_REPORTED)
def test_a_sequence_use_that_may_work_is_not_reported(
        tmp_path: Path, pg_db: str, first: str, second: str) -> None:
    outcomes = []
    for outside in _OUTSIDE:
        reset = "DROP SCHEMA IF EXISTS a CASCADE; DROP SCHEMA public CASCADE; " \
                "CREATE SCHEMA public; RESET search_path"
        outcomes.append(server_error(pg_db, [reset, outside], first + second))
    assert None in outcomes
    assert _missing(tmp_path, first, second) == []
