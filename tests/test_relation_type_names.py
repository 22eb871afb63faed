"""Names shared by relations, types and the sequences serial and identity columns make
(fix-pg103), held against the embedded server:

- a serial's or identity's sequence is a relation: CREATE TABLE, INDEX, VIEW, SEQUENCE or a
  composite type of its name fails (42P07), a rename onto it too, and an unnamed index or
  key is numbered past it (`t_c_idx1`, `t_pkey1`);
- the sequence has no row type, so an enum or domain may take its name afterwards; but the
  server, making a sequence, refuses a name pg_type has (42710), and ChooseRelationName
  numbers the name past relations only: a serial whose `t_c_seq` is a type's name fails
  the CREATE TABLE, ADD COLUMN or ADD GENERATED ... AS IDENTITY instead of being numbered;
- an index has no row type either: an unnamed one takes a type's name.

lockwise says a refused statement as `name_taken` (rules object-already-exists and
rename-onto-taken-name), with the object the server names in its message."""

from __future__ import annotations

import re

import psycopg
import pytest

from effect_helpers import catalog_after, refusal_facts
from server_helpers import rows_after

#: (the setup, one statement after it).
STATEMENTS = [
    # a type holds the name of the sequence a column makes: refused, not numbered
    ("CREATE TYPE t_c_seq AS ENUM ('a')", "CREATE TABLE t (c serial)"),
    ("CREATE TYPE t_c_seq AS ENUM ('a')", "CREATE TABLE t (c bigint GENERATED ALWAYS AS IDENTITY)"),
    ("CREATE DOMAIN t_c_seq AS int", "CREATE TABLE t (c smallserial)"),
    ("CREATE TYPE t_c_seq AS RANGE (subtype = int4)", "CREATE TABLE t (c serial)"),
    ("CREATE TYPE t_c2_seq AS ENUM ('a'); CREATE TABLE t (c int)",
     "ALTER TABLE t ADD COLUMN c2 serial"),
    ("CREATE TYPE t_c_seq AS ENUM ('a'); CREATE TABLE t (c int NOT NULL)",
     "ALTER TABLE t ALTER c ADD GENERATED ALWAYS AS IDENTITY"),
    ("CREATE TYPE s AS ENUM ('a')",
     "CREATE TABLE t (c int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME s))"),
    ("CREATE TYPE x_id_seq AS ENUM ('a'); CREATE TABLE w (id int GENERATED ALWAYS AS IDENTITY)",
     "CREATE TABLE x (LIKE w INCLUDING IDENTITY)"),
    ("CREATE TABLE t_c_seq (a int); CREATE TYPE t_c_seq1 AS ENUM ('a')",
     "CREATE TABLE t (c serial)"),
    # the sequence is made before the table: its name is the one the server says
    ("CREATE TYPE t_c_seq AS ENUM ('a'); CREATE TABLE t (x int)", "CREATE TABLE t (c serial)"),
    ("CREATE TYPE t_c_seq AS ENUM ('a'); CREATE TABLE k (x int)",
     "CREATE TABLE t (c serial, CONSTRAINT k UNIQUE (c))"),
    # a SEQUENCE NAME a relation has
    ("CREATE TABLE other (a int)",
     "CREATE TABLE t (c int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME other))"),
    ("CREATE TABLE other (a int); CREATE TABLE t (c int NOT NULL)",
     "ALTER TABLE t ALTER c ADD GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME other)"),
    # a serial's or identity's sequence holds its name among relations
    ("CREATE TABLE t (c serial)", "CREATE TABLE t_c_seq (a int)"),
    ("CREATE TABLE t (c serial)", "CREATE SEQUENCE t_c_seq"),
    ("CREATE TABLE t (c serial)", "CREATE INDEX t_c_seq ON t (c)"),
    ("CREATE TABLE t (c serial)", "CREATE VIEW t_c_seq AS SELECT 1 AS a"),
    ("CREATE TABLE t (c serial)", "CREATE TYPE t_c_seq AS (a int)"),
    ("CREATE TABLE t (c int GENERATED ALWAYS AS IDENTITY)", "CREATE MATERIALIZED VIEW t_c_seq "
     "AS SELECT 1 AS a"),
    ("CREATE TABLE t (c serial); CREATE TABLE u (a int)", "ALTER TABLE u RENAME TO t_c_seq"),
    ("CREATE TABLE t (c serial); CREATE TABLE u (a int)",
     "ALTER TABLE u ADD CONSTRAINT t_c_seq UNIQUE (a)"),
    ("CREATE TABLE t (c serial); ALTER SEQUENCE t_c_seq RENAME TO s",
     "CREATE TABLE s (a int)"),
    # ... and nothing else: the name is free for a type, or once renamed or dropped
    ("CREATE TABLE t (c serial)", "CREATE TYPE t_c_seq AS ENUM ('a')"),
    ("CREATE TABLE t (c serial)", "CREATE DOMAIN t_c_seq AS int"),
    ("CREATE TABLE t (c serial)", "CREATE SEQUENCE IF NOT EXISTS t_c_seq"),
    ("CREATE TABLE t (c serial); ALTER SEQUENCE t_c_seq RENAME TO s",
     "CREATE TABLE t_c_seq (a int)"),
    ("CREATE TABLE t (c serial); ALTER TABLE t DROP COLUMN c", "CREATE TABLE t_c_seq (a int)"),
    ("CREATE TABLE t (c serial); DROP TABLE t", "CREATE TABLE t_c_seq (a int)"),
    # a shell type does not hold the name; a relation is numbered past; a sequence has no
    # row type to refuse an enum, and a renamed one takes none along
    ("CREATE TYPE t_c_seq", "CREATE TABLE t (c serial)"),
    ("CREATE TABLE t_c_seq (a int)", "CREATE TABLE t (c serial)"),
    ("CREATE TYPE x_id_seq AS ENUM ('a'); CREATE TABLE w (id serial)",
     "CREATE TABLE x (LIKE w INCLUDING ALL)"),
    ("CREATE SEQUENCE x", "CREATE TYPE x AS ENUM ('a')"),
    ("CREATE TYPE x AS ENUM ('a')", "CREATE SEQUENCE x"),
    ("CREATE TYPE x AS ENUM ('a'); CREATE SEQUENCE s", "ALTER SEQUENCE s RENAME TO x"),
    ("CREATE TYPE x AS ENUM ('a'); CREATE TABLE t (c int)", "CREATE INDEX x ON t (c)"),
    ("CREATE TYPE x AS ENUM ('a'); CREATE TABLE t (c int)", "ALTER TABLE t RENAME TO x"),
    ("CREATE TABLE x (a int)", "CREATE DOMAIN x AS int"),
    # (fix-pg105) a type's or table's array type `_x` is renamed out of the way (to `__x`,
    # then `__x_1`...) by a new type, table, domain or relation of its name, or a rename
    # onto it; a type of its own named `_x` (an enum, a domain, a table's row type) is taken
    ("CREATE TYPE x AS ENUM ('a')", "CREATE TYPE _x AS ENUM ('b')"),
    ("CREATE TYPE x AS ENUM ('a')", "CREATE DOMAIN _x AS int"),
    ("CREATE TYPE x AS ENUM ('a')", "CREATE TYPE _x AS (a int)"),
    ("CREATE TYPE x AS ENUM ('a')", "CREATE TYPE _x AS RANGE (subtype = int4)"),
    ("CREATE TYPE x AS ENUM ('a')", "CREATE TYPE _x"),
    ("CREATE TYPE x AS ENUM ('a')", "CREATE SEQUENCE _x"),
    ("CREATE TYPE x AS ENUM ('a')", "CREATE VIEW _x AS SELECT 1 AS a"),
    ("CREATE TABLE x (a int)", "CREATE TABLE _x (a int)"),
    ("CREATE TABLE x (a int)", "CREATE DOMAIN _x AS int"),
    ("CREATE TYPE x AS ENUM ('a'); CREATE TYPE __x AS ENUM ('c')", "CREATE TYPE _x AS ENUM ('b')"),
    ("CREATE TYPE x AS ENUM ('a'); CREATE TYPE _x AS ENUM ('b')", "CREATE TYPE __x AS ENUM ('c')"),
    ("CREATE TYPE _x AS ENUM ('a')", "CREATE TYPE x AS ENUM ('b')"),
    ("CREATE DOMAIN _x AS int", "CREATE TABLE x (a int)"),
    ("CREATE TYPE x AS ENUM ('a'); CREATE TYPE y AS ENUM ('b')", "ALTER TYPE y RENAME TO _x"),
    ("CREATE TABLE x (a int); CREATE TABLE y (a int)", "ALTER TABLE y RENAME TO _x"),
    ("CREATE TYPE x AS ENUM ('a'); CREATE DOMAIN y AS int", "ALTER DOMAIN y RENAME TO _x"),
    ("CREATE TYPE x AS ENUM ('a'); CREATE TABLE y (a int)", "ALTER TYPE x RENAME TO _y"),
    ("CREATE TYPE _x AS ENUM ('a')", "CREATE TYPE _x AS ENUM ('b')"),
    ("CREATE TYPE _x AS ENUM ('a')", "CREATE TABLE _x (a int)"),
    ("CREATE DOMAIN _x AS int", "CREATE DOMAIN _x AS int"),
    ("CREATE TABLE _x (a int)", "CREATE TYPE _x AS ENUM ('a')"),
    ("CREATE TYPE _x AS ENUM ('a'); CREATE TYPE y AS ENUM ('b')", "ALTER TYPE y RENAME TO _x"),
    ("CREATE TYPE _x AS ENUM ('a'); CREATE TABLE y (a int)", "ALTER TABLE y RENAME TO _x"),
    # a type renamed onto another type's name, a relation's row type's, or (a composite
    # type) a relation's; a sequence's or an index's is free for a type
    ("CREATE TYPE x AS ENUM ('a'); CREATE TYPE y AS ENUM ('b')", "ALTER TYPE y RENAME TO x"),
    ("CREATE TABLE x (a int); CREATE DOMAIN y AS int", "ALTER DOMAIN y RENAME TO x"),
    ("CREATE SEQUENCE x; CREATE TYPE y AS ENUM ('b')", "ALTER TYPE y RENAME TO x"),
    ("CREATE SEQUENCE x; CREATE TYPE y AS (a int)", "ALTER TYPE y RENAME TO x"),
    ("CREATE TYPE y AS ENUM ('b'); CREATE TYPE x AS ENUM ('a'); ALTER TYPE x RENAME TO z",
     "ALTER TYPE y RENAME TO x"),
]


def _server_refusal(uri: str, setup: str, sql: str) -> tuple[str, str] | None:
    """The SQLSTATE and the object the server's message names when it refuses `sql` after
    `setup`; None when it runs it."""
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(setup)
        try:
            conn.execute(sql)
        except psycopg.Error as exc:
            named = re.search(r'"([^"]+)" already exists', str(exc))
            return str(exc.sqlstate), named.group(1) if named else ""
    return None


@pytest.mark.parametrize(("setup", "sql"), STATEMENTS)
def test_a_name_held_by_a_relation_type_or_column_sequence_is_refused_as_the_server_does(
        pg_db: str, setup: str, sql: str) -> None:
    refused = _server_refusal(pg_db, setup, sql)
    facts = refusal_facts(setup, sql, "name_taken")
    if refused is None:
        assert facts == {}
    else:
        state, named = refused
        assert state in ("42710", "42P07")
        assert str(facts.get("existing_object", "")).split(" (")[0].endswith(f"public.{named}")


#: Histories whose last statement makes an index (or key) left unnamed on table t.
INDEX_HISTORIES = [
    "CREATE TABLE t (c int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME t_c_idx)); "
    "CREATE INDEX ON t (c)",
    "CREATE TABLE t (c int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME t_c_idx)); "
    "CREATE INDEX ON t (c); CREATE INDEX ON t (c)",
    "CREATE TABLE t (c int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME t_pkey), PRIMARY KEY (c))",
    "CREATE TABLE t (c int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME t_pkey)); "
    "ALTER TABLE t ADD PRIMARY KEY (c)",
    "CREATE TABLE t (c int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME t_c_key)); "
    "ALTER TABLE t ADD UNIQUE (c)",
    "CREATE TABLE t (c int, d int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME t_c_key) UNIQUE, "
    "UNIQUE (c))",
    "CREATE TABLE t (c int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME t_c_excl)); "
    "ALTER TABLE t ADD EXCLUDE (c WITH =)",
    "CREATE TABLE t (c serial); ALTER SEQUENCE t_c_seq RENAME TO t_c_idx; CREATE INDEX ON t (c)",
    "CREATE TABLE t (c serial); ALTER TABLE t_c_seq RENAME TO t_c_idx; CREATE INDEX ON t (c)",
    "CREATE TABLE u (a serial); CREATE TABLE t (c int); ALTER SEQUENCE u_a_seq RENAME TO t_c_idx; "
    "CREATE INDEX ON t (c)",
    "CREATE VIEW t_c_idx AS SELECT 1 AS a; CREATE TABLE t (c int); CREATE INDEX ON t (c)",
    "CREATE TYPE t_c_idx AS (a int); CREATE TABLE t (c int); CREATE INDEX ON t (c)",
    "CREATE SEQUENCE t_c_idx; CREATE TABLE t (c int); CREATE INDEX ON t (c)",
    # a type is no relation: the index takes its name
    "CREATE TYPE t_c_idx AS ENUM ('a'); CREATE TABLE t (c int); CREATE INDEX ON t (c)",
    "CREATE TYPE t_pkey AS ENUM ('a'); CREATE TABLE t (c int PRIMARY KEY)",
    "CREATE DOMAIN t_c_key AS int; CREATE TABLE t (c int UNIQUE)",
]


@pytest.mark.parametrize("history", INDEX_HISTORIES)
def test_an_unnamed_index_is_named_past_relations_as_the_server_names_it(
        pg_db: str, history: str) -> None:
    rows = rows_after(pg_db, history, "SELECT indexname FROM pg_indexes WHERE schemaname = "
                      "'public' AND tablename = 't'")
    catalog = catalog_after(history)
    assert sorted(name for name, index in catalog.indexes.items()
                  if index.table == "public.t") == sorted(f"public.{row[0]}" for row in rows)
