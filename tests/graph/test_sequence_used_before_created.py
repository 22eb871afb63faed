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

from effect_helpers import catalog_after
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


LONG = "l" * 60

#: (the earlier migration, the later one, the sequence): a serial, bigserial or smallserial
#: column, or an identity, makes `<table>_<column>_seq` (cut to 63 bytes), or its SEQUENCE NAME,
#: so the later migration creates the sequence the earlier one looks up (fix-pg97).
REPORTED_IMPLICIT = [
    ("SELECT nextval('v_id_seq');\n", "CREATE TABLE v (id serial);\n", "v_id_seq"),
    ("SELECT setval('w_n_seq', 5);\n", "CREATE TABLE w (id int);\n"
     "ALTER TABLE w ADD COLUMN n bigserial;\n", "w_n_seq"),
    ("CREATE TABLE u (id bigint DEFAULT nextval('x_id_seq'));\n",
     "CREATE TABLE x (id smallserial);\n", "x_id_seq"),
    ("ALTER SEQUENCE x_id_seq RESTART WITH 10;\n",
     "CREATE TABLE x (id int GENERATED ALWAYS AS IDENTITY);\n", "x_id_seq"),
    ("SELECT nextval('r_ids');\n",
     "CREATE TABLE r (id int GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME r_ids));\n", "r_ids"),
    ("SELECT nextval('y_a_seq');\n", "CREATE TABLE y (a int NOT NULL);\n"
     "ALTER TABLE y ALTER COLUMN a ADD GENERATED ALWAYS AS IDENTITY;\n", "y_a_seq"),
    (f"SELECT nextval('{'l' * 50}_idcolumn_seq');\n", f"CREATE TABLE {LONG} (idcolumn serial);\n",
     f"{'l' * 50}_idcolumn_seq"),
    ("CREATE SCHEMA app;\nSELECT nextval('app.v_id_seq');\n",
     "CREATE TABLE app.v (id bigserial);\n", "v_id_seq"),
    # the name taken: the server numbers it, and the later table makes that one (fix-pg98)
    ("CREATE SEQUENCE v_id_seq;\nSELECT nextval('v_id_seq1');\n",
     "CREATE TABLE v (id serial);\n", "v_id_seq1"),
    ("CREATE TABLE e (id serial);\nALTER TABLE e RENAME TO e_old;\nSELECT nextval('e_id_seq1');\n",
     "CREATE TABLE e (id int GENERATED ALWAYS AS IDENTITY);\n", "e_id_seq1"),
]

#: (the earlier migration, the later one): the whole history runs on the server.
NOT_REPORTED_IMPLICIT = [
    ("CREATE TABLE v (id serial);\n", "SELECT nextval('v_id_seq');\n"),
    ("CREATE TABLE v (id int GENERATED ALWAYS AS IDENTITY);\n",
     "ALTER SEQUENCE v_id_seq RESTART WITH 10;\n"),
    # the table dropped (its sequence with it), then made again: its serial's is back
    ("CREATE TABLE v (id serial);\nDROP TABLE v;\n",
     "CREATE TABLE v (id serial);\nSELECT setval('v_id_seq', 5);\n"),
    ("CREATE TABLE w (id int);\nALTER TABLE w DROP COLUMN id;\n",
     "ALTER TABLE w ADD COLUMN id bigserial;\nSELECT setval('w_id_seq', 5);\n"),
    # the renamed table's sequence kept its name; the new table's is numbered: DROP TABLE e
    # takes e_id_seq1 (fix-pg98; before, a false "dropped with public.e")
    ("CREATE TABLE e (id serial);\nALTER TABLE e RENAME TO e_old;\n",
     "CREATE TABLE e (id serial);\nDROP TABLE e;\nSELECT nextval('e_id_seq');\n"),
    # the nextval() is text, looked up at each call
    ("CREATE TABLE u (id bigint DEFAULT nextval('v_id_seq'::text));\n",
     "CREATE TABLE v (id serial);\nINSERT INTO u DEFAULT VALUES;\n"),
]


@pytest.mark.parametrize(("first", "second", "sequence"), REPORTED_IMPLICIT)
def test_a_serial_or_identity_sequence_looked_up_before_its_table_is_reported(
        tmp_path: Path, pg_db: str, first: str, second: str, sequence: str) -> None:
    *setup, use = first.strip().rstrip(";").split(";\n")
    schema = "app" if "app." in first else "public"
    written = f"app.{sequence}" if schema == "app" else sequence
    error = server_message(pg_db, [s for s in setup if s], use)
    assert error == f'relation "{written}" does not exist'
    # the later migration makes that very sequence: the use then runs
    assert server_error(pg_db, [second], use) is None
    assert server_message(pg_db, [], f"SELECT '{schema}.{sequence}'::regclass") == ""
    (said,) = _missing(tmp_path, first, second)
    assert said.startswith(f"1_first uses sequence {schema}.{sequence}, which these migrations "
                           f"create only later (in 2_second"), said
    # (ADD GENERATED ... AS IDENTITY names its sequence in the effects: no need to say so)
    assert ("for a serial or identity column" in said) == ("ADD GENERATED" not in second)
    assert said.endswith(f'PostgreSQL stops with "{error}"'), said


@pytest.mark.parametrize(("first", "second"), NOT_REPORTED_IMPLICIT)
def test_a_serial_or_identity_sequence_used_after_its_table_is_not_reported(
        tmp_path: Path, pg_db: str, first: str, second: str) -> None:
    assert server_error(pg_db, [], first + second) is None
    assert _missing(tmp_path, first, second) == []


#: (what runs first, the statement): the sequences it makes for its columns.
IMPLICIT = [
    ("", "CREATE TABLE v (id serial, n bigserial, s smallserial)"),
    ("", "CREATE TABLE x (id int GENERATED ALWAYS AS IDENTITY, n serial8)"),
    ("", "CREATE TABLE r (id int GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME r_ids))"),
    ("", f"CREATE TABLE {LONG} (idcolumn serial)"),
    # each column tested on its own before its type is resolved (`_may_number`): the
    # aliases, a quoted name, a serial among other columns, an identity added with its column
    ("", 'CREATE TABLE q (a text, "serial" int, id "serial", n serial4, s serial2, b bigint)'),
    ("CREATE TABLE y (a int NOT NULL)",
     "ALTER TABLE y ADD COLUMN c text, ADD COLUMN b int GENERATED BY DEFAULT AS IDENTITY"),
    ("CREATE TABLE y (a int NOT NULL)",
     "ALTER TABLE y ALTER COLUMN a ADD GENERATED ALWAYS AS IDENTITY, ADD COLUMN b serial"),
    # the name taken: the server numbers it (`v_id_seq1`), and so does the catalog
    ("CREATE SEQUENCE v_id_seq", "CREATE TABLE v (id serial)"),
    ("CREATE SEQUENCE v_id_seq; CREATE SEQUENCE v_id_seq1", "CREATE TABLE v (id serial)"),
    ("CREATE TABLE v_id_seq (a int)", "CREATE TABLE v (id serial)"),
    ("CREATE TABLE a_b (c serial)", "CREATE TABLE a (b_c serial)"),
    ("CREATE TABLE a_b (c int GENERATED ALWAYS AS IDENTITY)", "CREATE TABLE a (b_c serial)"),
    (f"CREATE SEQUENCE {'l' * 50}_idcolumn_seq", f"CREATE TABLE {LONG} (idcolumn serial)"),
    ("CREATE TABLE y (a int NOT NULL); CREATE VIEW y_a_seq AS SELECT 1 AS b",
     "ALTER TABLE y ALTER COLUMN a ADD GENERATED ALWAYS AS IDENTITY"),
    # a SEQUENCE NAME taken: the statement is refused, nothing made
    ("CREATE SEQUENCE r_ids", "CREATE TABLE r (id int GENERATED BY DEFAULT AS IDENTITY "
     "(SEQUENCE NAME r_ids))"),
    # nothing made, or not in the schema of later migrations
    ("CREATE TABLE p (id int GENERATED ALWAYS AS IDENTITY) PARTITION BY RANGE (id)",
     "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (1) TO (10)"),
    ("CREATE TABLE v (id int)", "ALTER TABLE v ADD COLUMN IF NOT EXISTS id serial"),
    ("CREATE TABLE v (id int)", "CREATE TABLE IF NOT EXISTS v (id serial)"),
    ("", "CREATE TEMPORARY TABLE v (id serial)"),
]

_SEQUENCES = "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n " \
    "ON n.oid = c.relnamespace WHERE c.relkind = 'S' AND n.nspname NOT LIKE 'pg_temp%'"


@pytest.mark.parametrize(("setup", "sql"), IMPLICIT)
def test_the_sequences_a_statement_makes_for_its_columns_are_the_server_s(
        pg_db: str, setup: str, sql: str) -> None:
    """`_implicit_sequences` names those the server makes, under their names: numbered
    as the server numbers them when the name is taken (fix-pg98)."""
    import psycopg

    from lockwise.graph.build import _implicit_sequences
    from lockwise.parse.postgres import parse_sql

    with psycopg.connect(pg_db, autocommit=True) as conn:
        if setup:
            conn.execute(setup)
        before = {row[0] for row in conn.execute(_SEQUENCES)}
        if "SEQUENCE NAME" in sql and setup:
            with pytest.raises(psycopg.errors.DuplicateTable):
                conn.execute(sql)
        else:
            conn.execute(sql)
        made = {row[0] for row in conn.execute(_SEQUENCES)} - before
    catalog = catalog_after(setup)
    said = _implicit_sequences(catalog, parse_sql(sql).statements[0].tree)
    assert {obj.partition(":")[2] for obj in said} == made
