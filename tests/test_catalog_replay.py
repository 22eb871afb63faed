"""The catalog replay (lockwise.catalog.replay): the schema facts it follows.

Each fact is tested twice: on its own, from SQL to the catalog it leaves; and against the
embedded PostgreSQL server, which runs the same SQL and is then asked which constraints,
indexes, column flags and enum labels exist, so that a fact the replay states and the server
does not (or the reverse) fails here.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement, not_null_name
from lockwise.core.types import LockMode
from lockwise.discover.layouts import migration_from_text
from lockwise.effects.nodes import function_names
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.postgres import parse_sql


def replayed(sql: str, catalog: Catalog | None = None) -> Catalog:
    catalog = Catalog() if catalog is None else catalog
    parsed = parse_sql(sql)
    assert not parsed.problems, parsed.problems
    for stmt in parsed.statements:
        apply_statement(catalog, stmt.tree, "0001")
    return catalog


def index_names(catalog: Catalog) -> set[str]:
    return set(catalog.indexes)


# --- PostgreSQL 18's named NOT NULL constraints ---------------------------------------------

def test_named_not_null_table_constraint_in_create_table() -> None:
    catalog = replayed("CREATE TABLE t (a int, b int, CONSTRAINT t_a_nn NOT NULL a);")
    columns = catalog.tables["public.t"].columns
    assert columns["a"].not_null and not columns["b"].not_null


def test_named_not_null_constraint_written_before_its_column() -> None:
    catalog = replayed("CREATE TABLE t (CONSTRAINT t_a_nn NOT NULL a, a int);")
    assert catalog.tables["public.t"].columns["a"].not_null


def test_named_not_null_added_with_alter_table() -> None:
    catalog = replayed("CREATE TABLE t (a int, b int);"
                       "ALTER TABLE t ADD CONSTRAINT t_b_nn NOT NULL b;")
    columns = catalog.tables["public.t"].columns
    assert columns["b"].not_null and not columns["a"].not_null


def test_drop_constraint_takes_the_check_of_that_name_not_the_not_null() -> None:
    """A CHECK called t_a_not_null keeps its name when SET NOT NULL follows (PostgreSQL 18
    names the NOT NULL t_a_not_null1): DROP CONSTRAINT t_a_not_null drops the CHECK, and the
    column stays NOT NULL (lockwise fix writes this very sequence)."""
    catalog = replayed("CREATE TABLE t (a int, b int);"
                       "ALTER TABLE t ADD CONSTRAINT t_a_not_null CHECK (a IS NOT NULL) NOT VALID;"
                       "ALTER TABLE t VALIDATE CONSTRAINT t_a_not_null;"
                       "ALTER TABLE t ALTER COLUMN a SET NOT NULL;"
                       "ALTER TABLE t DROP CONSTRAINT t_a_not_null;"
                       "ALTER TABLE t ALTER COLUMN b SET NOT NULL;"
                       "ALTER TABLE t DROP CONSTRAINT t_b_not_null;")
    table = catalog.tables["public.t"]
    assert "t_a_not_null" not in table.constraints
    assert table.columns["a"].not_null
    assert not table.columns["b"].not_null  # no CHECK of that name: the NOT NULL is dropped


# --- DROP SCHEMA ---------------------------------------------------------------------------

def test_drop_schema_drops_the_indexes_of_its_tables() -> None:
    catalog = replayed("CREATE SCHEMA s; CREATE TABLE s.t (id int PRIMARY KEY, a int);"
                       "CREATE INDEX t_a ON s.t (a);"
                       "CREATE INDEX ext_a ON s.made_elsewhere (a);"  # table lockwise never saw
                       "CREATE TABLE t (id int PRIMARY KEY);"
                       "CREATE TYPE s.mood AS ENUM ('a'); CREATE TYPE mood AS ENUM ('b');"
                       "CREATE SEQUENCE s.counter; CREATE SEQUENCE counter;"
                       "DROP SCHEMA s CASCADE;")
    assert "s.t" not in catalog.tables
    assert index_names(catalog) == {"public.t_pkey"}
    assert (catalog.enums, catalog.types) == ({"public.mood": ["b"]}, {"public.mood"})
    assert catalog.sequences == {"public.counter"}


# --- SET DEFAULT NULL -----------------------------------------------------------------------

def test_set_default_null_leaves_no_default() -> None:
    catalog = replayed("CREATE TABLE t (a int DEFAULT 1, b int DEFAULT 1);"
                       "ALTER TABLE t ALTER COLUMN a SET DEFAULT NULL;"
                       "ALTER TABLE t ALTER COLUMN b SET DEFAULT 2;")
    columns = catalog.tables["public.t"].columns
    assert columns["a"].default is None
    assert columns["b"].default is not None


def test_default_null_in_create_table_and_add_column_is_no_default() -> None:
    catalog = replayed("CREATE TABLE t (a int DEFAULT NULL, b int DEFAULT 0);"
                       "ALTER TABLE t ADD COLUMN c text DEFAULT NULL;")
    columns = catalog.tables["public.t"].columns
    assert (columns["a"].default, columns["c"].default) == (None, None)
    assert columns["b"].default is not None


# --- ALTER TYPE ... RENAME TO / RENAME VALUE ------------------------------------------------

def test_alter_type_rename_moves_the_enum_and_its_columns() -> None:
    catalog = replayed("CREATE TYPE mood AS ENUM ('sad', 'ok');"
                       "CREATE TABLE t (a mood, b public.mood, c text);"
                       "ALTER TYPE mood RENAME TO feeling;")
    assert catalog.enums == {"public.feeling": ["sad", "ok"]}
    assert catalog.types == {"public.feeling"}
    columns = catalog.tables["public.t"].columns
    assert [columns[c].type_name for c in "abc"] == ["feeling", "public.feeling", "text"]


def test_alter_type_rename_in_another_schema_keeps_the_schema() -> None:
    catalog = replayed("CREATE SCHEMA s; CREATE TYPE s.mood AS ENUM ('a');"
                       "CREATE TYPE mood AS ENUM ('x');"
                       "ALTER TYPE s.mood RENAME TO feeling;")
    assert catalog.enums == {"s.feeling": ["a"], "public.mood": ["x"]}


def test_alter_type_rename_value() -> None:
    catalog = replayed("CREATE TYPE mood AS ENUM ('sad', 'ok');"
                       "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';"
                       "ALTER TYPE mood RENAME VALUE 'missing' TO 'other';"
                       "ALTER TYPE mood ADD VALUE 'happy';")
    assert catalog.enums["public.mood"] == ["sad", "fine", "happy"]


# --- DROP COLUMN and the indexes that read it -----------------------------------------------

def test_index_remembers_what_its_predicate_and_expressions_read() -> None:
    catalog = replayed("CREATE TABLE t (a int, b text, c bool);"
                       "CREATE INDEX t_part ON t (a) WHERE c AND t.b <> '';"
                       "CREATE INDEX t_expr ON t (lower(b));"
                       "CREATE INDEX t_plain ON t (a, b);")
    assert catalog.indexes["public.t_part"].reads == ("b", "c")
    assert catalog.indexes["public.t_expr"].reads == ("b",)
    assert catalog.indexes["public.t_plain"].reads == ()


def test_drop_column_drops_indexes_whose_predicate_or_expressions_read_it() -> None:
    catalog = replayed("CREATE TABLE t (id int, email text, deleted_at timestamptz);"
                       "CREATE TABLE u (id int, email text, deleted_at timestamptz);"
                       "CREATE UNIQUE INDEX t_live ON t (id) WHERE deleted_at IS NULL;"
                       "CREATE INDEX t_lower ON t (lower(email));"
                       "CREATE INDEX t_id ON t (id);"
                       "CREATE INDEX u_live ON u (id) WHERE deleted_at IS NULL;"
                       "ALTER TABLE t DROP COLUMN deleted_at;")
    assert index_names(catalog) == {"public.t_lower", "public.t_id", "public.u_live"}
    replayed("ALTER TABLE t DROP COLUMN email;", catalog)
    assert index_names(catalog) == {"public.t_id", "public.u_live"}


def test_index_reads_follow_a_column_rename() -> None:
    catalog = replayed("CREATE TABLE t (id int, gone bool);"
                       "CREATE INDEX t_live ON t (id) WHERE NOT gone;"
                       "ALTER TABLE t RENAME COLUMN gone TO deleted;")
    assert catalog.indexes["public.t_live"].reads == ("deleted",)
    replayed("ALTER TABLE t DROP COLUMN deleted;", catalog)
    assert "public.t_live" not in catalog.indexes


def test_index_on_a_table_from_outside_the_migrations_follows_a_column_rename() -> None:
    catalog = replayed("CREATE INDEX ext_lower ON ext (lower(email));"
                       "ALTER TABLE ext RENAME COLUMN email TO mail;"
                       "ALTER TABLE ext DROP COLUMN mail;")
    assert "public.ext_lower" not in catalog.indexes


# --- RENAME CONSTRAINT ----------------------------------------------------------------------

def test_rename_constraint_of_unique_and_primary_key_renames_their_index() -> None:
    catalog = replayed("CREATE TABLE t (id int PRIMARY KEY, a int, CONSTRAINT t_a_uq UNIQUE (a));"
                       "ALTER TABLE t RENAME CONSTRAINT t_a_uq TO t_a_unique;"
                       "ALTER TABLE t RENAME CONSTRAINT t_pkey TO t_primary;")
    assert index_names(catalog) == {"public.t_a_unique", "public.t_primary"}
    assert catalog.indexes["public.t_a_unique"].name == "public.t_a_unique"
    assert set(catalog.tables["public.t"].constraints) == {"t_a_unique", "t_primary"}
    replayed("ALTER TABLE t DROP CONSTRAINT t_a_unique;", catalog)
    assert index_names(catalog) == {"public.t_primary"}


def test_rename_check_constraint_leaves_a_same_named_index_alone() -> None:
    catalog = replayed("CREATE TABLE t (a int, CONSTRAINT t_rule CHECK (a > 0));"
                       "CREATE INDEX t_rule ON t (a);"
                       "ALTER TABLE t RENAME CONSTRAINT t_rule TO t_positive;")
    assert index_names(catalog) == {"public.t_rule"}
    assert set(catalog.tables["public.t"].constraints) == {"t_positive"}


def test_rename_constraint_of_a_table_from_outside_the_migrations_renames_its_index() -> None:
    catalog = replayed("CREATE UNIQUE INDEX ext_key ON ext (a);"
                       "ALTER TABLE ext RENAME CONSTRAINT ext_key TO ext_a_key;")
    assert index_names(catalog) == {"public.ext_a_key"}


# --- generated names of unnamed constraints -------------------------------------------------

def test_unnamed_multi_column_unique_and_foreign_key_are_named_after_all_columns() -> None:
    catalog = replayed("CREATE TABLE p (a int, b int, PRIMARY KEY (a, b));"
                       "CREATE TABLE t (a int, b int, UNIQUE (a, b), FOREIGN KEY (a, b) "
                       "REFERENCES p);"
                       "ALTER TABLE t ADD UNIQUE (b, a);")
    assert set(catalog.tables["public.t"].constraints) == {"t_a_b_key", "t_b_a_key",
                                                            "t_a_b_fkey"}
    assert {"public.t_a_b_key", "public.t_b_a_key"} <= index_names(catalog)
    replayed("ALTER TABLE t DROP CONSTRAINT t_a_b_key;"
             "ALTER TABLE t DROP CONSTRAINT t_a_b_fkey;", catalog)
    assert set(catalog.tables["public.t"].constraints) == {"t_b_a_key"}
    assert "public.t_a_b_key" not in catalog.indexes


def test_check_is_named_after_the_one_column_it_reads() -> None:
    catalog = replayed("CREATE TABLE t (a int CHECK (a > 0), b int, c int,"
                       " CHECK (b > 0), CHECK (b < c));")
    assert set(catalog.tables["public.t"].constraints) == {"t_a_check", "t_b_check",
                                                            "t_check"}


def test_generated_names_are_numbered_while_taken() -> None:
    catalog = replayed("CREATE TABLE t (id int PRIMARY KEY, b int, c int,"
                       " CHECK (b < c), CHECK (c < b));"
                       "ALTER TABLE t ADD CHECK (b <> c);"
                       # The old table keeps its index t_pkey: the new table's is t_pkey1.
                       "ALTER TABLE t RENAME TO t_old;"
                       "CREATE TABLE t (id int PRIMARY KEY);")
    assert set(catalog.tables["public.t_old"].constraints) == {"t_pkey", "t_check",
                                                                "t_check1", "t_check2"}
    assert set(catalog.tables["public.t"].constraints) == {"t_pkey1"}
    assert index_names(catalog) == {"public.t_pkey", "public.t_pkey1"}


def test_generated_names_are_shortened_to_63_bytes() -> None:
    table = "t" * 40
    catalog = replayed(f"CREATE TABLE {table} (alpha_column_name int, beta_column_name int,"
                       f" UNIQUE (alpha_column_name, beta_column_name));")
    (name,) = catalog.tables[f"public.{table}"].constraints
    assert len(name.encode()) <= 63 and name.endswith("_key")


def test_lint_sees_the_multi_column_foreign_key_it_drops() -> None:
    """Dropping a foreign key also locks the table it references: lint knows only when the
    replay named the unnamed constraint as PostgreSQL did."""
    setup = migration_from_text("CREATE TABLE p (a int, b int, PRIMARY KEY (a, b));"
                                "CREATE TABLE t (a int, b int, FOREIGN KEY (a, b) REFERENCES p);",
                                "0001_setup.sql")
    drop = migration_from_text("ALTER TABLE t DROP CONSTRAINT t_a_b_fkey;", "0002_drop.sql")
    reports = lint_migrations([setup, drop], LintOptions(), Catalog())
    (statement,) = reports[-1].statements
    assert statement.effect.locks.get("public.p") == LockMode.ACCESS_EXCLUSIVE
    (action,) = [a for a in statement.effect.actions if a.kind == "drop_constraint"]
    assert action.facts["constraint_type"] == "foreign"


# --- the same facts, asked of PostgreSQL ----------------------------------------------------

#: Typed tables and what ALTER TYPE ... CASCADE does to their columns.
_TYPED_TABLES = (
    "CREATE TYPE tt AS (a int, b text, c int);"
    "CREATE TABLE tb OF tt (b WITH OPTIONS NOT NULL DEFAULT 'x', PRIMARY KEY (a));"
    "CREATE TABLE tbs (c int, z int) INHERITS (tb); CREATE TABLE tb2 OF tt;"
    "ALTER TABLE tb2 NOT OF; CREATE VIEW v AS SELECT c FROM tb;"
    "ALTER TYPE tt ADD ATTRIBUTE d int CASCADE; ALTER TYPE tt DROP ATTRIBUTE c CASCADE;"
    "ALTER TYPE tt RENAME ATTRIBUTE a TO aa CASCADE;"
    "ALTER TYPE tt ALTER ATTRIBUTE b TYPE varchar(3) CASCADE, ADD ATTRIBUTE e int[] CASCADE;"
    "ALTER TYPE tt ALTER ATTRIBUTE d TYPE bigint CASCADE; CREATE TABLE tb3 OF tt;"
    "ALTER TYPE tt RENAME TO t2; ALTER TYPE t2 ADD ATTRIBUTE f text CASCADE;")

_SERVER_CASES = {
    "typed tables follow their composite type": _TYPED_TABLES,
    "a partitioned typed table": "CREATE TYPE tt AS (a int, b text);"
        "CREATE TABLE tp OF tt PARTITION BY LIST (a);"
        "CREATE TABLE tp1 PARTITION OF tp FOR VALUES IN (1); ALTER TYPE tt ADD ATTRIBUTE c int"
        " CASCADE; ALTER TYPE tt RENAME ATTRIBUTE b TO bb CASCADE;"
        "ALTER TYPE tt DROP ATTRIBUTE c CASCADE;",
    # A child's own column merged with a parent's is NOT NULL when the parent's is (its
    # PRIMARY KEY's too), and a PRIMARY KEY added to a partitioned table makes its
    # partitions' columns NOT NULL.
    "merged column keeps the parent's not null":
        "CREATE TABLE p (id int PRIMARY KEY, a int NOT NULL UNIQUE);"
        "CREATE TABLE c (id int, a int, b int) INHERITS (p);"
        "CREATE TABLE pp (id int PRIMARY KEY, a int) PARTITION BY LIST (id);"
        "CREATE TABLE pp1 PARTITION OF pp (id WITH OPTIONS DEFAULT 1) FOR VALUES IN (1);",
    "primary key added to a partitioned table":
        "CREATE TABLE pp (id int, a int) PARTITION BY LIST (id);"
        "CREATE TABLE pp1 PARTITION OF pp FOR VALUES IN (1);"
        "ALTER TABLE pp ADD PRIMARY KEY (id);",
    "a typed table goes with its type":
        "CREATE TYPE tt AS (a int); CREATE TABLE tb OF tt; CREATE TABLE tbs () INHERITS (tb);"
        "CREATE TABLE k (id int); CREATE VIEW v AS SELECT a FROM tbs; DROP TYPE tt CASCADE;",
    "unnamed indexes": "CREATE TABLE t (a int, b text, c timestamp);"
                       "CREATE INDEX ON t (a, b); CREATE INDEX ON t (a, b);"
                       "CREATE INDEX ON t (lower(b), lower(b)); CREATE INDEX ON t ((c::date));"
                       "CREATE INDEX ON t ((a + 1)); CREATE UNIQUE INDEX ON t (b) WHERE a > 0;"
                       "CREATE INDEX ON t (coalesce(a, 0)); CREATE INDEX ON t ((b COLLATE \"C\"));"
                       "CREATE TABLE t_c_idx1 (id int); CREATE INDEX ON t (c);"
                       f"CREATE TABLE {'u' * 40} ({'long_column_name_' * 2}a int,"
                       f" {'long_column_name_' * 2}b int);"
                       f"CREATE INDEX ON {'u' * 40} ({'long_column_name_' * 2}a,"
                       f" {'long_column_name_' * 2}b);"
                       "ALTER TABLE t RENAME TO t_old; CREATE TABLE t (a int);"
                       "CREATE INDEX ON t (a);",
    # Names PostgreSQL figures for index columns (FigureColnameInternal): INCLUDE columns
    # count, a subscript is its column's, CASE / GREATEST / NULLIF / ARRAY / ROW their word,
    # a cast its argument's name unless that is a weaker one (a literal's or a cast's type:
    # then the outer type), a repeated long name numbered within 63 bytes.
    "unnamed index column names": "CREATE TABLE t (a int, b text, c int[], d int);"
                                  "CREATE INDEX ON t (a) INCLUDE (b, d);"
                                  "CREATE INDEX ON t ((c[1]), (CASE WHEN a > 0 THEN 1 END));"
                                  "CREATE INDEX ON t ((CASE WHEN a > 0 THEN 1 ELSE d END));"
                                  "CREATE INDEX ON t ((greatest(a, d)), (least(a, d)));"
                                  "CREATE INDEX ON t ((nullif(a, d)), (ARRAY[a, d]));"
                                  "CREATE INDEX ON t ((b::text::int), (('1'::text)::int));"
                                  "CREATE INDEX ON t ((ROW(a, d) IS NULL), ((a, d) = (1, 2)));"
                                  "CREATE INDEX ON t ((a::bigint), (d::bigint::int));"
                                  f"CREATE TABLE v ({'x' * 63} int);"
                                  f"CREATE INDEX ON v ({'x' * 63}, {'x' * 63}, {'x' * 63});",
    "named not null": "CREATE TABLE t (CONSTRAINT t_a_nn NOT NULL a, a int, b int);"
                      "ALTER TABLE t ADD CONSTRAINT t_b_nn NOT NULL b;",
    # The CHECK takes the name PostgreSQL 18 would give the NOT NULL constraint, which then
    # becomes t_a_not_null1: the DROP drops the CHECK and the column stays NOT NULL.
    "check named like a not null": "CREATE TABLE t (a int, b int);"
                                   "ALTER TABLE t ADD CONSTRAINT t_a_not_null"
                                   " CHECK (a IS NOT NULL);"
                                   "ALTER TABLE t ALTER COLUMN a SET NOT NULL;"
                                   "ALTER TABLE t DROP CONSTRAINT t_a_not_null;"
                                   "ALTER TABLE t ALTER COLUMN b SET NOT NULL;"
                                   "ALTER TABLE t DROP CONSTRAINT t_b_not_null;",
    "drop schema": "CREATE SCHEMA s; CREATE TABLE s.t (id int PRIMARY KEY, a int);"
                   "CREATE INDEX t_a ON s.t (a); CREATE TABLE t (id int PRIMARY KEY);"
                   "CREATE TYPE s.mood AS ENUM ('a'); CREATE TYPE mood AS ENUM ('b');"
                   "DROP SCHEMA s CASCADE;",
    "default null": "CREATE TABLE t (a int DEFAULT NULL, b int DEFAULT 1, c int DEFAULT 1);"
                    "ALTER TABLE t ALTER COLUMN b SET DEFAULT NULL;"
                    "ALTER TABLE t ADD COLUMN d int DEFAULT NULL;",
    "type renames": "CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE TABLE t (m mood);"
                    "ALTER TYPE mood RENAME TO feeling;"
                    "ALTER TYPE feeling RENAME VALUE 'ok' TO 'fine';",
    "drop column with reading indexes":
        "CREATE TABLE t (id int, email text, deleted_at timestamptz, flag bool);"
        "CREATE UNIQUE INDEX t_live ON t (id) WHERE deleted_at IS NULL;"
        "CREATE INDEX t_lower ON t (lower(email)); CREATE INDEX t_id ON t (id);"
        "CREATE INDEX t_flag ON t (id) WHERE flag;"
        "ALTER TABLE t RENAME COLUMN flag TO enabled;"
        "ALTER TABLE t DROP COLUMN deleted_at, DROP COLUMN enabled;",
    "rename constraint": "CREATE TABLE t (id int PRIMARY KEY, a int UNIQUE, b int CHECK (b > 0));"
                         "ALTER TABLE t RENAME CONSTRAINT t_a_key TO t_a_unique;"
                         "ALTER TABLE t RENAME CONSTRAINT t_pkey TO t_primary;"
                         "ALTER TABLE t RENAME CONSTRAINT t_b_check TO t_b_positive;",
    "generated names": "CREATE TABLE p (a int, b int, PRIMARY KEY (a, b));"
                       "CREATE TABLE t (a int CHECK (a > 0), b int, c int, UNIQUE (a, b, c),"
                       " FOREIGN KEY (a, b) REFERENCES p, CHECK (b > 0), CHECK (b < c),"
                       " CHECK (true));"
                       "ALTER TABLE t ADD UNIQUE (c, a); ALTER TABLE t ADD CHECK (c <> 0);",
    "numbered generated names":
        "CREATE TABLE t (id int PRIMARY KEY, b int, c int, CHECK (b < c), CHECK (c < b));"
        "ALTER TABLE t ADD CHECK (b <> c); ALTER TABLE t RENAME TO t_old;"
        "CREATE TABLE t (id int PRIMARY KEY, b int UNIQUE); CREATE INDEX t_b_key1 ON t (b);"
        "ALTER TABLE t ADD UNIQUE (b);",
    # IF NOT EXISTS and the column is there: PostgreSQL skips the whole definition, its
    # default and inline constraints included.
    "add column if not exists":
        "CREATE TABLE t (n int NOT NULL, m int);"
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS n int DEFAULT 1,"
        " ADD COLUMN IF NOT EXISTS m int UNIQUE, ADD COLUMN IF NOT EXISTS k int DEFAULT 2 UNIQUE;",
    # An EXCLUDE constraint (and its index) is named after its elements, as an index is.
    "exclusion constraint names":
        "CREATE TABLE tx (c circle, r int4range, EXCLUDE USING gist (c WITH &&));"
        "ALTER TABLE tx ADD EXCLUDE USING gist ((c) WITH &&, r WITH &&);"
        "ALTER TABLE tx ADD EXCLUDE USING gist (int4range(lower(r), upper(r)) WITH &&);",
    # Each partition holds a part of a partitioned index, named as CREATE INDEX names it, or
    # an index of its own of the same definition, attached; ON ONLY builds none.
    "partitioned index parts":
        "CREATE TABLE p (a int, b int) PARTITION BY LIST (a);"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1) PARTITION BY LIST (b);"
        "CREATE TABLE p11 PARTITION OF p1 FOR VALUES IN (1);"
        "CREATE INDEX ON p (a); CREATE INDEX p_ab ON p (a, b);"
        "CREATE TABLE p2 (a int, b int); CREATE INDEX p2_a ON p2 (a);"
        "ALTER TABLE p ATTACH PARTITION p2 FOR VALUES IN (2);"
        "CREATE TABLE p3 PARTITION OF p FOR VALUES IN (3);"
        "ALTER TABLE p DETACH PARTITION p3; DROP INDEX p3_a_idx;"
        "CREATE INDEX ON ONLY p (b); DROP INDEX p_ab;",
    # A partition gets a clone of each UNIQUE / PRIMARY KEY of its parent (index and
    # constraint, named as unnamed ones are, numbered on a collision), or has its own taken
    # over: of any kind by a new key, of the same kind by ATTACH, never a plain index; ONLY
    # and ALTER INDEX ... ATTACH PARTITION, DETACH, renames and drops follow the server.
    "partitioned keys":
        "CREATE TABLE ev (id bigint, created date, kind text, CONSTRAINT ev_pk"
        " PRIMARY KEY (id, created), UNIQUE (kind, created)) PARTITION BY RANGE (created);"
        "CREATE INDEX ON ev (kind);"
        "CREATE TABLE ev_2024 PARTITION OF ev FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
        "CREATE TABLE ev_2025 (id bigint NOT NULL, created date NOT NULL, kind text,"
        " CONSTRAINT u25 UNIQUE (id, created));"
        "ALTER TABLE ev ATTACH PARTITION ev_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');"
        "CREATE TABLE ev_2026 (id bigint NOT NULL, created date NOT NULL, kind text,"
        " CONSTRAINT mine PRIMARY KEY (id, created) DEFERRABLE);"
        "ALTER TABLE ev ATTACH PARTITION ev_2026 FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');"
        "CREATE TABLE ev_2027_pkey (a int);"
        "CREATE TABLE ev_2027 PARTITION OF ev FOR VALUES FROM ('2027-01-01') TO ('2028-01-01');"
        "ALTER TABLE ev DETACH PARTITION ev_2024;"
        "ALTER TABLE ev RENAME CONSTRAINT ev_pk TO ev_key;"
        "CREATE TABLE ev_2028 PARTITION OF ev FOR VALUES FROM ('2028-01-01') TO ('2029-01-01')"
        " PARTITION BY RANGE (created);"
        "CREATE TABLE ev_2028a PARTITION OF ev_2028"
        " FOR VALUES FROM ('2028-01-01') TO ('2028-07-01');"
        "ALTER TABLE ev DROP CONSTRAINT ev_kind_created_key;",
    "keys added to partitioned tables":
        "CREATE TABLE p (a int NOT NULL, b int NOT NULL) PARTITION BY LIST (a);"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);"
        "ALTER TABLE p1 ADD CONSTRAINT own1 UNIQUE (a, b);"
        "CREATE TABLE p2 PARTITION OF p FOR VALUES IN (2);"
        "ALTER TABLE p2 ADD CONSTRAINT own2 PRIMARY KEY (a, b);"
        "CREATE TABLE p3 PARTITION OF p FOR VALUES IN (3); CREATE UNIQUE INDEX own3 ON p3 (a, b);"
        "CREATE TABLE p4 PARTITION OF p FOR VALUES IN (4); ALTER TABLE p4 ADD UNIQUE (b, a);"
        "CREATE TABLE p5 PARTITION OF p FOR VALUES IN (5) PARTITION BY LIST (b);"
        "CREATE TABLE p51 PARTITION OF p5 FOR VALUES IN (1);"
        "ALTER TABLE p51 ADD CONSTRAINT own51 UNIQUE (a, b);"
        "ALTER TABLE p ADD PRIMARY KEY (a, b);"
        "CREATE TABLE q (a int NOT NULL) PARTITION BY LIST (a);"
        "CREATE TABLE q1 PARTITION OF q FOR VALUES IN (1);"
        "ALTER TABLE ONLY q ADD CONSTRAINT qk UNIQUE (a);"
        "ALTER TABLE q1 ADD CONSTRAINT q1k UNIQUE (a); ALTER INDEX qk ATTACH PARTITION q1k;"
        "CREATE TABLE q2 PARTITION OF q FOR VALUES IN (2);",
    # A partition holds a clone of each foreign key of its parent (named as the parent's,
    # numbered while taken), however deep, made when it is created or attached (an equal key
    # of its own becomes the clone) and when the key is added; a clone keeps its name when
    # the parent's is renamed, goes with the parent's key and with
    # the referenced table, is validated with it, and is the partition's own once detached.
    "partitioned foreign keys":
        "CREATE TABLE pk (id int PRIMARY KEY, n int UNIQUE);"
        "CREATE TABLE fk (a int, k int, CONSTRAINT fk_a FOREIGN KEY (a) REFERENCES pk)"
        " PARTITION BY LIST (k);"
        "CREATE TABLE fk1 PARTITION OF fk FOR VALUES IN (1) PARTITION BY LIST (k);"
        "CREATE TABLE fk11 PARTITION OF fk1 FOR VALUES IN (1);"
        "CREATE TABLE fk12 PARTITION OF fk1 FOR VALUES IN (12);"
        "CREATE TABLE fk2 (a int, k int, CONSTRAINT mine FOREIGN KEY (a) REFERENCES pk);"
        "ALTER TABLE fk ATTACH PARTITION fk2 FOR VALUES IN (2);"
        "CREATE TABLE fk3 (a int, k int, CONSTRAINT fk_a CHECK (a > 0));"
        "ALTER TABLE fk ATTACH PARTITION fk3 FOR VALUES IN (3);"
        "CREATE TABLE fk4 (a int, k int, FOREIGN KEY (a) REFERENCES pk ON DELETE CASCADE);"
        "ALTER TABLE fk ATTACH PARTITION fk4 FOR VALUES IN (4);"
        "ALTER TABLE fk12 ADD CONSTRAINT own12 FOREIGN KEY (a) REFERENCES pk;"
        "ALTER TABLE fk ADD CONSTRAINT later FOREIGN KEY (a) REFERENCES pk NOT VALID;"
        "ALTER TABLE fk ADD COLUMN b int CONSTRAINT fk_b REFERENCES pk (n);"
        "ALTER TABLE fk RENAME CONSTRAINT fk_a TO fk_a2;"
        "CREATE TABLE fk5 PARTITION OF fk FOR VALUES IN (5);"
        "ALTER TABLE fk VALIDATE CONSTRAINT later; ALTER TABLE fk DROP CONSTRAINT fk_a2;"
        "ALTER TABLE pk DROP COLUMN n CASCADE; ALTER TABLE fk DETACH PARTITION fk1;"
        "CREATE TABLE gone (id int PRIMARY KEY);"
        "CREATE TABLE g (a int REFERENCES gone, k int) PARTITION BY LIST (k);"
        "CREATE TABLE g1 PARTITION OF g FOR VALUES IN (1); DROP TABLE gone CASCADE;",
    # A partition's own key becomes the clone of its parent's only when it has the same
    # columns in the same order, referenced columns, actions, MATCH type, DEFERRABLE and
    # INITIALLY DEFERRED (tablecmds.c tryAttachPartitionForeignKey); the columns ON DELETE
    # SET NULL (...) sets are not compared: the clone keeps its own (checked on 18.6).
    "foreign keys a partition's own key matches":
        "CREATE TABLE pk (a int, b int, u int UNIQUE, PRIMARY KEY (a, b));"
        "CREATE TABLE fk (a int, b int, x int, FOREIGN KEY (a, b) REFERENCES pk"
        " ON DELETE SET NULL (a) DEFERRABLE) PARTITION BY LIST (x);"
        "CREATE TABLE p1 (a int, b int, x int, FOREIGN KEY (a, b) REFERENCES pk"
        " ON DELETE SET NULL (b) DEFERRABLE);"
        "ALTER TABLE fk ATTACH PARTITION p1 FOR VALUES IN (1);"
        "CREATE TABLE p2 (a int, b int, x int, FOREIGN KEY (a, b) REFERENCES pk MATCH FULL"
        " ON DELETE SET NULL (a) DEFERRABLE);"
        "ALTER TABLE fk ATTACH PARTITION p2 FOR VALUES IN (2);"
        "CREATE TABLE p3 (a int, b int, x int, FOREIGN KEY (a, b) REFERENCES pk"
        " ON DELETE SET NULL (a) DEFERRABLE INITIALLY DEFERRED);"
        "ALTER TABLE fk ATTACH PARTITION p3 FOR VALUES IN (3);"
        "CREATE TABLE p4 (a int, b int, x int, FOREIGN KEY (a, b) REFERENCES pk"
        " ON DELETE SET NULL INITIALLY IMMEDIATE DEFERRABLE);"
        "ALTER TABLE fk ATTACH PARTITION p4 FOR VALUES IN (4);"
        "CREATE TABLE fk2 (a int, b int, x int, FOREIGN KEY (a, b) REFERENCES pk MATCH FULL)"
        " PARTITION BY LIST (x);"
        "CREATE TABLE q1 (a int, x int, b int, FOREIGN KEY (a, b) REFERENCES pk MATCH FULL);"
        "ALTER TABLE fk2 ATTACH PARTITION q1 FOR VALUES IN (1);"
        "CREATE TABLE q2 (a int, b int, x int, FOREIGN KEY (a, b) REFERENCES pk);"
        "ALTER TABLE fk2 ATTACH PARTITION q2 FOR VALUES IN (2);"
        "CREATE TABLE fk3 (a int REFERENCES pk (u) DEFERRABLE INITIALLY DEFERRED, x int)"
        " PARTITION BY LIST (x);"
        "CREATE TABLE r1 (a int REFERENCES pk (u) INITIALLY DEFERRED, x int);"
        "ALTER TABLE fk3 ATTACH PARTITION r1 FOR VALUES IN (1);"
        "CREATE TABLE r2 (a int REFERENCES pk (u) DEFERRABLE, x int);"
        "ALTER TABLE fk3 ATTACH PARTITION r2 FOR VALUES IN (2);",
    # ALTER CONSTRAINT ... DEFERRABLE INITIALLY DEFERRED of a partitioned table's foreign
    # key reaches its clones, however deep: an own key deferred as they now are becomes the
    # clone when attached (checked on 18.6).
    "foreign keys altered deferrable":
        "CREATE TABLE pk (a int PRIMARY KEY);"
        "CREATE TABLE fk (a int, x int, CONSTRAINT k FOREIGN KEY (a) REFERENCES pk)"
        " PARTITION BY LIST (x);"
        "CREATE TABLE fk1 PARTITION OF fk FOR VALUES IN (1) PARTITION BY LIST (a);"
        "CREATE TABLE fk11 PARTITION OF fk1 FOR VALUES IN (1);"
        "ALTER TABLE fk ALTER CONSTRAINT k DEFERRABLE INITIALLY DEFERRED;"
        "CREATE TABLE fk2 (a int, x int, FOREIGN KEY (a) REFERENCES pk"
        " DEFERRABLE INITIALLY DEFERRED);"
        "ALTER TABLE fk ATTACH PARTITION fk2 FOR VALUES IN (2);"
        "CREATE TABLE fk12 (a int, x int, FOREIGN KEY (a) REFERENCES pk"
        " DEFERRABLE INITIALLY DEFERRED);"
        "ALTER TABLE fk1 ATTACH PARTITION fk12 FOR VALUES IN (2);"
        "CREATE TABLE fk3 (a int, x int, FOREIGN KEY (a) REFERENCES pk);"
        "ALTER TABLE fk ATTACH PARTITION fk3 FOR VALUES IN (3);",
    # PostgreSQL 17+: an EXCLUDE of a partitioned table (its key compared with `=`) is cloned
    # as a key is, an equal one of the partition's own taken over (not a plain index), on
    # ADD CONSTRAINT too; the clone cannot be dropped alone and is the partition's own once
    # detached. One the catalog cannot compare (an expression) is left out, as before.
    "partitioned exclusion constraints":
        "CREATE TABLE r (k int4range, during int4range,"
        " EXCLUDE USING gist (k WITH =, during WITH &&)) PARTITION BY LIST (k);"
        "CREATE TABLE r1 PARTITION OF r FOR VALUES IN ('[1,2)');"
        "CREATE TABLE r2 (k int4range, during int4range);"
        "ALTER TABLE r ATTACH PARTITION r2 FOR VALUES IN ('[2,3)');"
        "CREATE TABLE r3 (k int4range, during int4range,"
        " CONSTRAINT r3x EXCLUDE USING gist (k WITH =, during WITH &&));"
        "ALTER TABLE r ATTACH PARTITION r3 FOR VALUES IN ('[3,4)');"
        "CREATE TABLE r4 (k int4range, during int4range);"
        "ALTER TABLE r ATTACH PARTITION r4 FOR VALUES IN ('[4,5)');"
        "CREATE TABLE r5 (k int4range, during int4range);"
        "CREATE INDEX r5i ON r5 USING gist (k, during);"
        "ALTER TABLE r ATTACH PARTITION r5 FOR VALUES IN ('[5,6)');"
        "ALTER TABLE r ADD CONSTRAINT rx2 EXCLUDE USING gist (k WITH =, during WITH &&);"
        "ALTER TABLE r DETACH PARTITION r4;"
        "CREATE TABLE s (k int4range, during int4range) PARTITION BY LIST (k);"
        "CREATE TABLE s1 PARTITION OF s FOR VALUES IN ('[1,2)');"
        "ALTER TABLE s1 ADD CONSTRAINT s1x EXCLUDE USING gist (k WITH =, during WITH &&);"
        "ALTER TABLE s ADD CONSTRAINT sx EXCLUDE USING gist (k WITH =, during WITH &&);"
        "ALTER TABLE s DROP CONSTRAINT sx;",
    # An index made ON ONLY a partitioned table with partitions is invalid until each has a
    # valid part attached (ALTER INDEX ... ATTACH PARTITION), the sub-partitioned ones'
    # parts valid in turn; a later partition (created or attached) gets its part without
    # making it valid, nor does a DETACH or DROP of the partition that lacked one. ON ONLY a
    # table without partitions: valid at once.
    "partitioned index validity":
        "CREATE TABLE e (a int, k int) PARTITION BY LIST (k); CREATE INDEX e_empty ON ONLY e (a);"
        "CREATE TABLE e1 PARTITION OF e FOR VALUES IN (1);"
        "CREATE TABLE e2 PARTITION OF e FOR VALUES IN (2) PARTITION BY LIST (k);"
        "CREATE TABLE e21 PARTITION OF e2 FOR VALUES IN (2);"
        "CREATE INDEX e_a ON ONLY e (a); CREATE INDEX e1_a ON e1 (a);"
        "ALTER INDEX e_a ATTACH PARTITION e1_a; CREATE INDEX e2_a ON ONLY e2 (a);"
        "ALTER INDEX e_a ATTACH PARTITION e2_a; CREATE INDEX e21_a ON e21 (a);"
        "ALTER INDEX e2_a ATTACH PARTITION e21_a;"
        "CREATE INDEX e_k ON ONLY e (k); CREATE INDEX e1_k ON e1 (k);"
        "ALTER INDEX e_k ATTACH PARTITION e1_k;"
        "CREATE TABLE f (a int, k int) PARTITION BY LIST (k);"
        "CREATE TABLE f1 PARTITION OF f FOR VALUES IN (1);"
        "CREATE TABLE f2 PARTITION OF f FOR VALUES IN (2);"
        "CREATE UNIQUE INDEX f_ak ON ONLY f (a, k);"
        "CREATE TABLE f3 PARTITION OF f FOR VALUES IN (3); CREATE TABLE f4 (a int, k int);"
        "ALTER TABLE f ATTACH PARTITION f4 FOR VALUES IN (4);"
        "ALTER TABLE f DETACH PARTITION f1; DROP TABLE f2;",
    # CREATE TABLE makes a constraint written NOT VALID valid (the table has no rows), not one
    # NOT ENFORCED; a partition's clone of a NOT VALID key is not valid.
    "not valid in create table":
        "CREATE TABLE pk (id int PRIMARY KEY);"
        "CREATE TABLE t (a int, CONSTRAINT c CHECK (a > 0) NOT VALID,"
        " CONSTRAINT f FOREIGN KEY (a) REFERENCES pk NOT VALID,"
        " CONSTRAINT ne FOREIGN KEY (a) REFERENCES pk NOT ENFORCED);"
        "CREATE TABLE p (a int) PARTITION BY LIST (a);"
        "ALTER TABLE p ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES pk NOT VALID;"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);",
    "drop partitioned table":
        "CREATE TABLE p (a int, b int) PARTITION BY LIST (a);"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1) PARTITION BY LIST (b);"
        "CREATE TABLE p11 PARTITION OF p1 FOR VALUES IN (1); CREATE INDEX ON p11 (b);"
        "DROP TABLE p; CREATE TABLE keep (a int);",
    "create table like":
        "CREATE TABLE src (a int NOT NULL DEFAULT 1, b text CONSTRAINT b_set CHECK (b <> ''));"
        "CREATE TABLE l1 (LIKE src, c int); CREATE TABLE l2 (LIKE src INCLUDING DEFAULTS"
        " INCLUDING CONSTRAINTS); CREATE TABLE l3 (LIKE src INCLUDING ALL);",
    "set schema":
        "CREATE SCHEMA s2; CREATE TABLE t (id int PRIMARY KEY, n int); CREATE INDEX t_n ON t (n);"
        "ALTER TABLE t SET SCHEMA s2; CREATE TABLE t (id int);",
    # CREATE SCHEMA's elements run in the server's order (sequences, tables, views, indexes,
    # triggers, grants), each kind as written, in the new schema, which names then mean first.
    "create schema elements":
        "CREATE TABLE t (id int PRIMARY KEY, n int);"
        "CREATE SCHEMA s CREATE INDEX ON t (n) CREATE VIEW v AS SELECT * FROM t"
        " CREATE TABLE r (id int REFERENCES t, m int CHECK (m > 0))"
        " CREATE TABLE t (id serial PRIMARY KEY, n int NOT NULL DEFAULT nextval('q'), u int UNIQUE)"
        " CREATE SEQUENCE q GRANT SELECT ON t TO PUBLIC;"
        "CREATE SCHEMA s2 CREATE TABLE c (t_id int REFERENCES s.t) CREATE INDEX c_t ON c (t_id);",
    # A generated column goes with a column it reads (CASCADE), and with it the index and
    # constraint over it; renames of the table and of the column keep what it reads.
    "generated column reads":
        "CREATE SCHEMA s2;"
        "CREATE TABLE t (id int, a int, b int, g int GENERATED ALWAYS AS (a * 2) STORED"
        " CONSTRAINT g_pos CHECK (g > 0), v int GENERATED ALWAYS AS (b + 1) VIRTUAL);"
        "CREATE INDEX t_g ON t (g); ALTER TABLE t RENAME COLUMN a TO a2;"
        "ALTER TABLE t RENAME TO t2; ALTER TABLE t2 SET SCHEMA s2;"
        "CREATE TABLE l (LIKE s2.t2 INCLUDING GENERATED); CREATE TABLE l0 (LIKE s2.t2);"
        "ALTER TABLE s2.t2 DROP COLUMN a2 CASCADE; ALTER TABLE l DROP COLUMN b CASCADE;"
        "ALTER TABLE l0 DROP COLUMN a2 CASCADE;"
        "ALTER TABLE s2.t2 ALTER COLUMN v SET EXPRESSION AS (id + 1);"
        "ALTER TABLE s2.t2 DROP COLUMN b CASCADE;",
    # DROP DOMAIN ... CASCADE: the domains over it (of an array of it too), their columns,
    # the indexes over those, and the generated columns reading any of them.
    "drop domain cascade":
        "CREATE DOMAIN d AS int; CREATE DOMAIN d2 AS d; CREATE DOMAIN da AS d[];"
        "CREATE TABLE t (id int, a d, b d2, c da, e d[], k int,"
        " g int GENERATED ALWAYS AS (a + 1) STORED, h int GENERATED ALWAYS AS (k) STORED);"
        "CREATE INDEX t_b ON t (b); CREATE INDEX t_g ON t (g); CREATE INDEX t_k ON t (k);"
        "CREATE TABLE u (id int, x int GENERATED ALWAYS AS (id * 2) STORED);"
        "DROP DOMAIN d CASCADE; CREATE DOMAIN d AS text; CREATE TABLE w (id int, a d);",
    # PostgreSQL 18: a NOT NULL made INHERIT reaches every child, however deep; made NO
    # INHERIT again, the children keep theirs.
    "alter not null inherit":
        "CREATE TABLE b (n int, m int); CREATE TABLE s () INHERITS (b);"
        "CREATE TABLE gs () INHERITS (s); CREATE TABLE s2 (n int NOT NULL, m int);"
        "ALTER TABLE s2 INHERIT b; CREATE TABLE gs2 () INHERITS (s2);"
        "ALTER TABLE b ADD CONSTRAINT b_n NOT NULL n NO INHERIT;"
        "ALTER TABLE b ADD CONSTRAINT b_m NOT NULL m NO INHERIT;"
        "ALTER TABLE b ALTER CONSTRAINT b_n INHERIT;"
        "ALTER TABLE b ALTER CONSTRAINT b_m INHERIT;"
        "ALTER TABLE b ALTER CONSTRAINT b_m NO INHERIT;",
    # A column dropped takes with it every CHECK that reads it (written on the table, on
    # another column, over several columns; also after a rename), and every index and key
    # over it, however many columns they have; with CASCADE an exclusion constraint whose
    # WHERE or expression reads it (without, the server refuses).
    "drop column drops what reads it":
        "CREATE TABLE t (a int, b int, c int CHECK (c > a), d int, e int,"
        " CHECK (a > 0), CONSTRAINT a_b CHECK (a < b), CHECK (b > 0), UNIQUE (b, a),"
        " CHECK (d > 0));"
        "CREATE INDEX t_b_a ON t (b, a); ALTER TABLE t ADD CONSTRAINT e_pos CHECK (e + b > 0);"
        "ALTER TABLE t RENAME COLUMN d TO d2; ALTER TABLE t RENAME COLUMN e TO e2;"
        "ALTER TABLE t DROP COLUMN a, DROP COLUMN d2; ALTER TABLE t DROP COLUMN e2;"
        "CREATE TABLE x (r int4range, k int, w int, EXCLUDE USING gist (r WITH &&) WHERE (w > 0),"
        " CONSTRAINT x_k EXCLUDE USING gist (int4range(k, k + 1) WITH &&));"
        "ALTER TABLE x RENAME COLUMN w TO w2; ALTER TABLE x DROP COLUMN w2 CASCADE;"
        "ALTER TABLE x DROP COLUMN k CASCADE;",
    # ALTER TABLE of a partitioned table reaches every partition, however deep: columns added
    # (with their default) and dropped, NOT NULL set and dropped, defaults set; ONLY keeps a
    # default to the parent.
    "partitioned column changes":
        "CREATE TABLE p (a int, b int, c int, d int, e int NOT NULL, f int) PARTITION BY LIST (a);"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);"
        "CREATE TABLE p2 PARTITION OF p FOR VALUES IN (2) PARTITION BY LIST (a);"
        "CREATE TABLE p21 PARTITION OF p2 FOR VALUES IN (2);"
        "CREATE TABLE p3 (a int, b int, c int, d int, e int NOT NULL, f int);"
        "ALTER TABLE p ATTACH PARTITION p3 FOR VALUES IN (3);"
        "ALTER TABLE p DROP COLUMN c; ALTER TABLE p ADD COLUMN g int DEFAULT 1 NOT NULL;"
        "ALTER TABLE p ALTER COLUMN b SET NOT NULL; ALTER TABLE p ALTER COLUMN e DROP NOT NULL;"
        "ALTER TABLE p ALTER COLUMN d SET DEFAULT 5;"
        "ALTER TABLE ONLY p ALTER COLUMN f SET DEFAULT 6;"
        "ALTER TABLE p ALTER COLUMN d TYPE bigint;",
    # Plain inheritance: a column dropped from the parent goes from the children that only
    # inherit it, not from one that defines it itself (attislocal), nor with ONLY.
    "inheritance column changes":
        "CREATE TABLE b (a int, x int, y int, w int NOT NULL, v int);"
        "CREATE TABLE c1 () INHERITS (b); CREATE TABLE c2 (x int) INHERITS (b);"
        "CREATE TABLE g1 () INHERITS (c1);"
        "CREATE TABLE c3 (a int, x int, y int, w int NOT NULL, v int);"
        "ALTER TABLE c3 INHERIT b;"
        "ALTER TABLE b DROP COLUMN x; ALTER TABLE ONLY b DROP COLUMN y;"
        "ALTER TABLE b ADD COLUMN z int DEFAULT 1; ALTER TABLE b ALTER COLUMN a SET NOT NULL;"
        "ALTER TABLE b ALTER COLUMN w DROP NOT NULL; ALTER TABLE b ALTER COLUMN v SET DEFAULT 2;"
        "ALTER TABLE b ALTER COLUMN v TYPE bigint;",
    # A NOT NULL ... NO INHERIT (PostgreSQL 18), written on the column, added as a
    # constraint or made so by ALTER CONSTRAINT, is not given to a table that inherits later.
    "inheritance not null no inherit":
        "CREATE TABLE q (id int PRIMARY KEY, v int NOT NULL, w int NOT NULL NO INHERIT, z int,"
        " y int NOT NULL);"
        "ALTER TABLE q ADD CONSTRAINT q_z NOT NULL z NO INHERIT;"
        "ALTER TABLE q ALTER CONSTRAINT q_y_not_null NO INHERIT;"
        "CREATE TABLE qc (v int) INHERITS (q);",
    # A PRIMARY KEY added to a plain inheritance parent makes its columns NOT NULL in every
    # child, however deep (PostgreSQL 18); the children get no index.
    "inheritance primary key":
        "CREATE TABLE b (a int, v int); CREATE TABLE c1 () INHERITS (b);"
        "CREATE TABLE c2 (a int, v int); ALTER TABLE c2 INHERIT b;"
        "CREATE TABLE g1 () INHERITS (c1); ALTER TABLE b ADD PRIMARY KEY (a);",
    # A column renamed on a partitioned table or an inheritance parent is renamed in every
    # partition and child, however deep, with what reads it there (generated columns, indexes).
    "rename column below":
        "CREATE TABLE p (a int, b int, g int GENERATED ALWAYS AS (a * 2) STORED)"
        " PARTITION BY LIST (b);"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1) PARTITION BY LIST (b);"
        "CREATE TABLE p11 PARTITION OF p1 FOR VALUES IN (1); CREATE INDEX ON p (a);"
        "ALTER TABLE p RENAME COLUMN a TO a2; ALTER TABLE p DROP COLUMN a2 CASCADE;"
        "CREATE TABLE b (a int, x int); CREATE TABLE c () INHERITS (b);"
        "CREATE TABLE g (y int) INHERITS (c); CREATE INDEX ON g (a);"
        "ALTER TABLE b RENAME COLUMN a TO a2; ALTER TABLE b RENAME COLUMN x TO x2;"
        "CREATE INDEX ON g (a2); ALTER TABLE g DROP COLUMN y;",
    # CHECKs (not NO INHERIT) reach partitions and inheritance children: those of the parent
    # when the table is created, those added later (NOT VALID too, validated with it; a
    # column's), renamed with it; ATTACH makes the partition's own one inherited, DETACH its
    # own again.
    "checks reach partitions and children":
        "CREATE TABLE b (a int CHECK (a > 0), x int, CONSTRAINT ni CHECK (x > 0) NO INHERIT);"
        "CREATE TABLE c (CHECK (a < 5)) INHERITS (b); CREATE TABLE g () INHERITS (c);"
        "CREATE TABLE p (a int CHECK (a > 0), k int) PARTITION BY LIST (k);"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);"
        "CREATE TABLE p2 (a int, k int, CONSTRAINT p_a_check CHECK (a > 0));"
        "ALTER TABLE p ATTACH PARTITION p2 FOR VALUES IN (2);"
        "ALTER TABLE b ADD CONSTRAINT bx CHECK (x < 100) NOT VALID;"
        "ALTER TABLE b ADD CONSTRAINT bv CHECK (x < 100) NOT VALID;"
        "ALTER TABLE b VALIDATE CONSTRAINT bx; ALTER TABLE p ADD CONSTRAINT pk CHECK (k > 0);"
        "ALTER TABLE b ADD COLUMN z int CHECK (z > 0), ADD COLUMN y int CHECK (y > 0) NO INHERIT;"
        "ALTER TABLE p ADD COLUMN z int CONSTRAINT zz CHECK (z > 0);"
        "ALTER TABLE b RENAME CONSTRAINT bx TO bx2; ALTER TABLE p DETACH PARTITION p2;",
    # DROP CONSTRAINT of a parent's CHECK: a child that only inherits it loses it (and its
    # children theirs), a child's own stays; with ONLY the children keep it as their own, as
    # after NO INHERIT; INHERIT leaves the child's own.
    "checks dropped from a parent":
        "CREATE TABLE b (a int, CONSTRAINT x CHECK (a > 0), CONSTRAINT y CHECK (a < 9),"
        " CONSTRAINT w CHECK (a <> 3));"
        "CREATE TABLE c (CONSTRAINT x CHECK (a > 0)) INHERITS (b); CREATE TABLE g () INHERITS (c);"
        "CREATE TABLE c2 () INHERITS (b); ALTER TABLE b DROP CONSTRAINT x;"
        "ALTER TABLE ONLY b DROP CONSTRAINT y; ALTER TABLE b DROP CONSTRAINT w;"
        "CREATE TABLE h (a int, CONSTRAINT v CHECK (a > 0));"
        "CREATE TABLE hc (a int, CONSTRAINT v CHECK (a > 0)); ALTER TABLE hc INHERIT h;"
        "CREATE TABLE hd () INHERITS (h); ALTER TABLE hd NO INHERIT h;"
        "ALTER TABLE h DROP CONSTRAINT v;",
    # PostgreSQL 18: DROP CONSTRAINT of a parent's NOT NULL by its name goes down as DROP NOT
    # NULL does (partitions, inheritance children however deep); with ONLY the children keep
    # theirs, now their own, which they may then drop.
    "not null constraints dropped from a parent":
        "CREATE TABLE p (a int NOT NULL, b int NOT NULL, c int NOT NULL) PARTITION BY LIST (a);"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1) PARTITION BY LIST (a);"
        "CREATE TABLE p11 PARTITION OF p1 FOR VALUES IN (1);"
        "CREATE TABLE p2 PARTITION OF p FOR VALUES IN (2);"
        "CREATE TABLE i (a int NOT NULL, b int NOT NULL); CREATE TABLE i1 () INHERITS (i);"
        "CREATE TABLE i11 () INHERITS (i1);"
        "ALTER TABLE p DROP CONSTRAINT p_b_not_null; ALTER TABLE i DROP CONSTRAINT i_a_not_null;"
        "ALTER TABLE ONLY p DROP CONSTRAINT p_c_not_null; ALTER TABLE p2 ALTER c DROP NOT NULL;"
        "ALTER TABLE ONLY i DROP CONSTRAINT i_b_not_null; ALTER TABLE i1 ALTER b DROP NOT NULL;",
    # A child's column of its own that is NOT NULL only by its parent's (written without NOT
    # NULL) loses it with the parent's; one the child made NOT NULL itself keeps it.
    "not null a child's own column has from its parent":
        "CREATE TABLE b (a int NOT NULL, z int NOT NULL, y int NOT NULL);"
        "CREATE TABLE c (a int, z int, y int NOT NULL) INHERITS (b);"
        "ALTER TABLE c ALTER z SET NOT NULL; CREATE TABLE g () INHERITS (c);"
        "ALTER TABLE b ALTER a DROP NOT NULL, ALTER z DROP NOT NULL;"
        "ALTER TABLE b DROP CONSTRAINT b_y_not_null;",
    # PostgreSQL 18: a child of two parents whose columns are both NOT NULL keeps its NOT
    # NULL while one of them still has it (its own column merged with theirs too), loses it
    # when the last drops it (15.18 drops it with the first: tests/test_not_null_refusals.py).
    "not null a child has from two parents":
        "CREATE TABLE p1 (a int NOT NULL, b int NOT NULL, c int NOT NULL);"
        "CREATE TABLE p2 (a int NOT NULL, b int NOT NULL, c int);"
        "CREATE TABLE ch () INHERITS (p1, p2); CREATE TABLE ch2 (a int) INHERITS (p1, p2);"
        "CREATE TABLE g () INHERITS (ch);"
        "ALTER TABLE p1 ALTER a DROP NOT NULL; ALTER TABLE p1 DROP CONSTRAINT p1_b_not_null;"
        "ALTER TABLE p2 ALTER b DROP NOT NULL; ALTER TABLE p1 ALTER c DROP NOT NULL;",
    # ALTER SCHEMA ... RENAME moves its tables, their indexes (and the partitions' indexes
    # attached to them elsewhere), its types and sequences: later statements naming them by
    # their new schema find them, as a DROP INDEX of the parent's index takes its parts.
    "schema rename":
        "CREATE SCHEMA s1; CREATE TYPE s1.mood AS ENUM ('a', 'b'); CREATE SEQUENCE s1.c;"
        "CREATE DOMAIN s1.pos AS int CHECK (VALUE > 0);"
        "CREATE TABLE s1.t (id int PRIMARY KEY, m s1.mood, q s1.pos);"
        "CREATE TABLE s1.p (id int, m s1.mood) PARTITION BY LIST (id);"
        "CREATE TABLE p1 PARTITION OF s1.p FOR VALUES IN (1); CREATE INDEX pm ON s1.p (m);"
        "CREATE TABLE r (id int REFERENCES s1.t, n int DEFAULT nextval('s1.c'), m s1.mood);"
        "CREATE TABLE kept (id int CHECK (id > 0));"
        "ALTER SCHEMA s1 RENAME TO s2;"
        "ALTER TABLE s2.t RENAME COLUMN m TO m2; CREATE INDEX ON s2.t (q);"
        "ALTER TYPE s2.mood ADD VALUE 'c'; DROP INDEX s2.pm; DROP SEQUENCE s2.c CASCADE;"
        "DROP DOMAIN s2.pos CASCADE; ALTER TABLE s2.p ADD CONSTRAINT one CHECK (id = 1);",
    # DROP FUNCTION / ROUTINE / SCHEMA ... CASCADE drops what calls the function: defaults
    # (on the partitions too), CHECKs (inherited ones too), exclusion constraints with their
    # index, generated columns with what reads them, expression and partial indexes. A call
    # of another schema's function of that name stays; LIKE without INCLUDING DEFAULTS copies
    # no default, so the copy has nothing to lose.
    "drop function cascade drops its callers":
        "CREATE FUNCTION f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';"
        "CREATE SCHEMA app; CREATE FUNCTION app.f(int) RETURNS int LANGUAGE sql IMMUTABLE"
        " AS 'SELECT $1';"
        "CREATE TABLE t (id int, a int DEFAULT f(1) CONSTRAINT ck CHECK (f(a) > 0),"
        " g int GENERATED ALWAYS AS (f(a)) STORED, k int DEFAULT app.f(2),"
        " r int4range, EXCLUDE USING gist (int4range(f(id), f(id) + 1) WITH &&));"
        "CREATE INDEX t_g ON t (g); CREATE INDEX t_fa ON t (f(a)); CREATE INDEX t_p ON t (id)"
        " WHERE f(a) > 0; CREATE INDEX t_id ON t (id); CREATE TABLE copy (LIKE t);"
        "CREATE TABLE p (id int, n int DEFAULT f(1)) PARTITION BY LIST (id);"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);"
        "CREATE TABLE b (n int CONSTRAINT bn CHECK (f(n) > 0)); CREATE TABLE c () INHERITS (b);"
        "DROP ROUTINE f(int) CASCADE;"
        "CREATE SCHEMA util; CREATE FUNCTION util.h(int) RETURNS int LANGUAGE sql IMMUTABLE"
        " AS 'SELECT $1'; CREATE TABLE u (id int DEFAULT util.h(1), x int CHECK (util.h(x) > 0));"
        "CREATE INDEX u_h ON u (util.h(id)); DROP SCHEMA util CASCADE;",
    # DROP TYPE / DOMAIN / SCHEMA ... CASCADE drops what casts to the type, or to a domain
    # over it: CHECKs, defaults, expression indexes; a cast to another type stays.
    "drop type cascade drops what casts to it":
        "CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE DOMAIN sure AS mood;"
        "CREATE DOMAIN pos AS int CHECK (VALUE > 0);"
        "CREATE TABLE t (id int, s text CHECK (s::mood <> 'sad'), d text DEFAULT 'ok'::sure,"
        " n int CONSTRAINT t_n CHECK (n::pos > 0), k text CHECK (k::text <> ''));"
        "CREATE INDEX t_n_pos ON t ((n::pos)); DROP TYPE mood CASCADE; DROP DOMAIN pos CASCADE;"
        "CREATE SCHEMA s; CREATE TYPE s.e AS ENUM ('a');"
        "CREATE TABLE u (id int, x text CHECK (x::s.e = 'a'), y text DEFAULT 'a'::s.e);"
        "DROP SCHEMA s CASCADE;",
    # A LIKE column merged with an inherited one keeps the parent's NOT NULL.
    "like merged with an inherited column":
        "CREATE TABLE b (a int NOT NULL, x int); CREATE TABLE s (a int, x int NOT NULL, y int);"
        "CREATE TABLE c (LIKE s) INHERITS (b);",
    "long generated names":
        f"CREATE TABLE {'l' * 50} (id int PRIMARY KEY,"
        f" {'first_column_' * 3}x int, {'second_column_' * 3}y int,"
        f" UNIQUE ({'first_column_' * 3}x, {'second_column_' * 3}y),"
        f" CHECK ({'first_column_' * 3}x > 0));"
        f"CREATE TABLE {'m' * 63} (id int PRIMARY KEY, a int UNIQUE);"
        'CREATE TABLE "überprüfungsergebnisse_der_größenverhältnisse" (id int PRIMARY KEY,'
        ' "größe_der_änderung" int, "zusätzliche_größe" int,'
        ' UNIQUE ("größe_der_änderung", "zusätzliche_größe"));',
}


def _server_schema(uri: str) -> dict[str, set]:
    """What lockwise's catalog models, read from the server's catalogs."""
    import psycopg

    user = "n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
    with psycopg.connect(uri, autocommit=True) as conn:
        tables = conn.execute(
            f"SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n "
            f"ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND {user}").fetchall()
        indexes = conn.execute(
            f"SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n "
            f"ON n.oid = c.relnamespace WHERE c.relkind IN ('i', 'I') AND {user}").fetchall()
        invalid = conn.execute(
            f"SELECT n.nspname || '.' || c.relname FROM pg_index i JOIN pg_class c "
            f"ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE NOT i.indisvalid AND {user}").fetchall()
        # NOT NULL constraints (contype 'n', PostgreSQL 18) are columns' not_null flags. The
        # rows a foreign key to a partitioned table has per partition (conparentid set, on the
        # same table as their parent row) are not kept: the catalog works them out from the
        # key (`partition_lineage`). A partition's clones of its parent's foreign keys are.
        def constraint_rows(columns: str, where: str) -> list[tuple]:
            """(table, conname, *columns) of the user's constraints matching `where`."""
            return conn.execute(
                f"SELECT n.nspname || '.' || c.relname, k.conname, {columns} FROM pg_constraint "
                f"k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n "
                f"ON n.oid = c.relnamespace WHERE {where} AND {user}").fetchall()

        constraints = constraint_rows(
            "k.contype", "k.contype <> 'n' AND NOT (k.contype = 'f' AND k.conparentid IN "
            "(SELECT oid FROM pg_constraint WHERE conrelid = k.conrelid))")
        # Whether a foreign key is a partition's own or the clone of its parent's, and valid.
        fks = constraint_rows("k.conislocal, k.convalidated",
                              "k.contype = 'f' AND NOT k.conparentid IN "
                              "(SELECT oid FROM pg_constraint WHERE conrelid = k.conrelid)")
        # Whether a CHECK is the table's own or inherited only, and validated.
        # Whether a key is a partition's own or the clone of its parent's; which index each
        # index of a partition is attached to.
        keys = constraint_rows("k.conislocal", "k.contype IN ('p', 'u', 'x')")
        attached = conn.execute(
            f"SELECT n.nspname || '.' || c.relname, p.relnamespace::regnamespace || '.' || "
            f"p.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p "
            f"ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = c.relnamespace "
            f"WHERE c.relkind IN ('i', 'I') AND {user}").fetchall()
        checks = constraint_rows("k.conislocal, k.convalidated", "k.contype = 'c'")
        columns = conn.execute(
            f"SELECT n.nspname || '.' || c.relname, a.attname, a.attnotnull, a.atthasdef "
            f"FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n "
            f"ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 "
            f"AND NOT a.attisdropped AND {user}").fetchall()
        enums = conn.execute(
            "SELECT n.nspname || '.' || t.typname, array_agg(e.enumlabel ORDER BY e.enumsortorder)"
            " FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid JOIN pg_namespace n "
            "ON n.oid = t.typnamespace GROUP BY 1").fetchall()
        views = conn.execute(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n "
            f"ON n.oid = c.relnamespace WHERE c.relkind IN ('v', 'm') AND {user}").fetchall()
    return {"tables": {r[0] for r in tables}, "indexes": {r[0] for r in indexes},
            "views": {r[0] for r in views},
            "invalid indexes": {r[0] for r in invalid},
            "constraints": set(constraints), "checks": set(checks), "columns": set(columns),
            "keys": set(keys), "attached": set(attached), "foreign keys": set(fks),
            "enums": {(name, tuple(labels)) for name, labels in enums}}


def _catalog_schema(catalog: Catalog) -> dict[str, set]:
    contype = {"primary": "p", "unique": "u", "foreign": "f", "check": "c", "exclude": "x"}
    return {
        # Views too are relations of the catalog; the server's side reads tables only.
        "tables": {t.name for t in catalog.tables.values() if t.kind in ("table", "partitioned")},
        "indexes": set(catalog.indexes),
        "invalid indexes": {name for name, i in catalog.indexes.items() if not i.valid},
        "constraints": {(t.name, c.name, contype[c.kind]) for t in catalog.tables.values()
                        for c in t.constraints.values()},
        "checks": {(t.name, c.name, not c.inherited, c.validated) for t in catalog.tables.values()
                   for c in t.constraints.values() if c.kind == "check"},
        "keys": {(t.name, c.name, not c.inherited) for t in catalog.tables.values()
                 for c in t.constraints.values() if c.kind in ("primary", "unique", "exclude")},
        "foreign keys": {(t.name, c.name, not c.inherited, c.validated)
                         for t in catalog.tables.values() for c in t.constraints.values()
                         if c.kind == "foreign"},
        "attached": {(i.name, i.attached_to) for i in catalog.indexes.values() if i.attached_to},
        # A generation expression is kept as a default is (pg_attrdef): atthasdef.
        "columns": {(t.name, c.name, c.not_null, c.default is not None or c.generated)
                    for t in catalog.tables.values() if t.kind in ("table", "partitioned")
                    for c in t.columns.values()},
        # The views left, which the server's side reads as relations of kind v / m.
        "views": {t.name for t in catalog.tables.values() if t.kind in ("view", "matview")},
        "enums": {(name, tuple(labels)) for name, labels in catalog.enums.items()},
    }


@pytest.mark.postgres
@pytest.mark.parametrize("case", sorted(_SERVER_CASES))
def test_replay_agrees_with_the_server(pg_db: str, case: str) -> None:
    import psycopg

    sql = _SERVER_CASES[case]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for stmt in parse_sql(sql).statements:
            conn.execute(stmt.sql)
    assert _catalog_schema(replayed(sql)) == _server_schema(pg_db)


def test_a_partitions_clone_of_a_foreign_key_cannot_be_dropped_alone() -> None:
    """The server refuses `cannot drop inherited constraint` (checked on the server): the
    replay keeps the clone, and the effect says whose it is."""
    setup = ("CREATE TABLE pk (id int PRIMARY KEY);"
             "CREATE TABLE fk (a int, k int, CONSTRAINT fk_a FOREIGN KEY (a) REFERENCES pk)"
             " PARTITION BY LIST (k);"
             "CREATE TABLE fk2 (a int, k int, CONSTRAINT mine FOREIGN KEY (a) REFERENCES pk);"
             "ALTER TABLE fk ATTACH PARTITION fk2 FOR VALUES IN (2);"
             "CREATE TABLE fk3 PARTITION OF fk FOR VALUES IN (3);")
    catalog = replayed(setup + "ALTER TABLE fk2 DROP CONSTRAINT mine;"
                       "ALTER TABLE fk3 DROP CONSTRAINT fk_a;")
    assert {(t, c.name, c.clone_of) for t in ("public.fk2", "public.fk3")
            for c in catalog.tables[t].constraints.values()} == {
        ("public.fk2", "mine", "fk_a"), ("public.fk3", "fk_a", "fk_a")}
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text("ALTER TABLE fk3 DROP CONSTRAINT fk_a;",
                                                   "0002_drop.sql")], LintOptions(), Catalog())
    (statement,) = reports[-1].statements
    (action,) = [a for a in statement.effect.actions if a.kind == "drop_constraint"]
    assert action.facts["inherited_from"] == "public.fk"
    # Nothing on the referenced table: the clone has no triggers there.
    assert "public.pk" not in statement.effect.locks


def test_the_partitioned_index_recipe_leaves_a_valid_index_unless_a_partition_is_forgotten(
) -> None:
    """The steps index-on-partitioned-table writes (ON ONLY, each partition's index, each
    attached, a sub-partitioned one's in turn) leave the parent's index valid in the catalog,
    as on the server (`[partitioned index validity]`); without one partition's step it stays
    invalid, and an INSERT ... ON CONFLICT relying on it is judged to fail."""
    from lockwise.effects.partitions import partitioned_index_sql

    setup = ("CREATE TABLE ev (id bigint, day date, kind text) PARTITION BY RANGE (day);"
             "CREATE TABLE ev_2024 PARTITION OF ev"
             " FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
             "CREATE TABLE ev_2025 PARTITION OF ev FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"
             " PARTITION BY RANGE (id);"  # (a unique key must hold each level's key columns)
             "CREATE TABLE ev_2025_a PARTITION OF ev_2025 FOR VALUES FROM (0) TO (1000);")
    recipe = partitioned_index_sql(replayed(setup), "public.ev", False, "ev_id_day_key",
                                   ("id", "day"), unique=True)
    assert replayed(setup + recipe).indexes["public.ev_id_day_key"].valid
    forgotten = "\n".join(line for line in recipe.splitlines() if "ev_2025_a" not in line)
    assert not replayed(setup + forgotten).indexes["public.ev_id_day_key"].valid
    insert = "INSERT INTO ev (id, day) VALUES (1, '2024-02-01') ON CONFLICT (day, id) DO NOTHING;"
    for steps, fails in ((recipe, False), (forgotten, True)):
        reports = lint_migrations([migration_from_text(setup + steps, "0001_setup.sql"),
                                   migration_from_text(insert, "0002_insert.sql")],
                                  LintOptions(), Catalog())
        rules = {f.rule for f in reports[-1].all_findings}
        assert ("on-conflict-invalid-index" in rules) is fails, steps


def test_a_partitions_clone_of_an_unindexed_foreign_key_is_judged_with_the_key() -> None:
    """fk-without-index reports the key where it was added, not again on each partition
    that gets a clone of it (nor does a later migration's new partition)."""
    setup = migration_from_text(
        "CREATE TABLE pk (id int PRIMARY KEY);"
        "CREATE TABLE fk (a int, k int, FOREIGN KEY (a) REFERENCES pk) PARTITION BY LIST (k);"
        "CREATE TABLE fk1 PARTITION OF fk FOR VALUES IN (1);", "0001_setup.sql")
    later = migration_from_text("CREATE TABLE fk2 PARTITION OF fk FOR VALUES IN (2);",
                                "0002_partition.sql")
    reports = lint_migrations([setup, later], LintOptions(), Catalog())
    found = [[f.message for f in report.all_findings if f.rule == "fk-without-index"]
             for report in reports]
    assert len(found[0]) == 1 and "fk1" not in found[0][0] and found[1] == []


@pytest.mark.postgres
def test_typed_tables_columns_have_the_types_the_server_gives_them(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for stmt in parse_sql(_TYPED_TABLES).statements:
            conn.execute(stmt.sql)
        rows = conn.execute(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute"
            " a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'public'::regnamespace"
            " AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped").fetchall()
        server = {(f"public.{t}", c): conn.execute("SELECT %s::regtype::text", (
            typ,)).fetchone()[0] for t, c, typ in rows}
        catalog = replayed(_TYPED_TABLES)
        replay = {(t.name, c.name): conn.execute("SELECT %s::regtype::text", (
            c.type_text,)).fetchone()[0] for t in catalog.tables.values()
            if t.kind == "table" for c in t.columns.values()}
    assert replay == server
    assert "public.v" not in catalog.tables  # DROP ATTRIBUTE c CASCADE dropped it


def _server_columns(uri: str, sql: str, fields: str, join: str = "") -> set[tuple]:
    """(table, column, *`fields`) of each column of the public tables the server at `uri`
    has after running `sql` (`join` may bring in what `fields` reads beside `a` and `c`)."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        for stmt in parse_sql(sql).statements:
            conn.execute(stmt.sql)
        return set(conn.execute(
            f"SELECT 'public.' || c.relname, a.attname, {fields} FROM pg_attribute a "
            f"JOIN pg_class c ON c.oid = a.attrelid {join} "
            "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') "
            "AND a.attnum > 0 AND NOT a.attisdropped").fetchall())


#: A partitioned table's identity and its partitions, in each order: the identity before or
#: after the partition came (PARTITION OF, ATTACH), detached plainly or CONCURRENTLY.
_PARTITION_IDENTITIES = {
    "identity added after partition of, detached":
        "CREATE TABLE p (id int NOT NULL, v int) PARTITION BY RANGE (id);"
        "CREATE TABLE c PARTITION OF p FOR VALUES FROM (0) TO (10);"
        "ALTER TABLE p ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;"
        "ALTER TABLE p DETACH PARTITION c;",
    "identity added after attach, detached":
        "CREATE TABLE p (id int NOT NULL, v int) PARTITION BY RANGE (id);"
        "CREATE TABLE c (id int NOT NULL, v int);"
        "ALTER TABLE p ATTACH PARTITION c FOR VALUES FROM (0) TO (10);"
        "ALTER TABLE p ALTER COLUMN id ADD GENERATED BY DEFAULT AS IDENTITY;"
        "ALTER TABLE p DETACH PARTITION c;",
    "parent made with identity, partition of, detached concurrently":
        "CREATE TABLE p (id int GENERATED ALWAYS AS IDENTITY, v int) PARTITION BY RANGE (id);"
        "CREATE TABLE c PARTITION OF p FOR VALUES FROM (0) TO (10);"
        "ALTER TABLE p DETACH PARTITION c CONCURRENTLY;",
    "parent made with identity, attached":
        "CREATE TABLE p (id int GENERATED ALWAYS AS IDENTITY, v int) PARTITION BY RANGE (id);"
        "CREATE TABLE c (id int NOT NULL, v int);"
        "ALTER TABLE p ATTACH PARTITION c FOR VALUES FROM (0) TO (10);",
    "parent made with identity, attached, detached":
        "CREATE TABLE p (id int GENERATED ALWAYS AS IDENTITY, v int) PARTITION BY RANGE (id);"
        "CREATE TABLE c (id int NOT NULL, v int);"
        "ALTER TABLE p ATTACH PARTITION c FOR VALUES FROM (0) TO (10);"
        "ALTER TABLE p DETACH PARTITION c;",
}


@pytest.mark.postgres
@pytest.mark.parametrize("case", sorted(_PARTITION_IDENTITIES))
def test_a_partition_is_an_identity_while_attached_and_detached_is_not(
        pg_db: str, case: str) -> None:
    # Attached, a partition's column is an identity where its parent's is, drawing from the
    # parent's sequence; detached, it is none (no default, NOT NULL kept), whatever the order.
    sql = _PARTITION_IDENTITIES[case]
    server = _server_columns(pg_db, sql, "a.attidentity <> '', a.attnotnull, a.atthasdef")
    catalog = replayed(sql)
    assert {(t.name, c.name, c.identity, c.not_null, c.default is not None)
            for t in catalog.tables.values() for c in t.columns.values()} == server
    detached = catalog.tables["public.c"].partition_of is None
    assert catalog.tables["public.c"].columns["id"].identity_sequence == (
        None if detached else "public.p_id_seq")


def test_foreign_key_lookups_read_the_same_by_index_and_by_scan() -> None:
    """`referencing` and `unindexed_foreign_keys` use the replay's foreign-key indexes instead
    of scanning every table (a scan per statement made long histories quadratic); a catalog
    built by hand has no such index and is scanned. Both give the same answer, in the same
    order: referencing tables by name, unindexed keys in the order the migration added them."""
    sql = ("CREATE TABLE accounts (id int PRIMARY KEY);"
           "CREATE TABLE zebras (id int, account_id int REFERENCES accounts);"
           "CREATE TABLE apples (id int, account_id int REFERENCES accounts);"
           "CREATE TABLE notes (id int);"
           "ALTER TABLE notes ADD COLUMN account_id int REFERENCES accounts;")
    indexed = Catalog()
    for stmt in parse_sql(sql).statements:
        apply_statement(indexed, stmt.tree, "1")
    scanned = Catalog(tables=indexed.tables)
    assert indexed.fk_sources is not None and scanned.fk_sources is None
    for catalog in (indexed, scanned):
        assert [t for t, _ in catalog.referencing("public.accounts")] == [
            "public.apples", "public.notes", "public.zebras"]
    for catalog in (indexed, scanned):
        assert [t for t, _ in catalog.unindexed_foreign_keys("1")] == [
            "public.zebras", "public.apples", "public.notes"]


def test_tables_reached_by_a_drop_read_the_same_by_index_and_by_scan() -> None:
    """A DROP or RENAME of a relation reaches the views over it and the tables with a
    foreign key to it; the foreign keys are looked for only in the tables the replay's index
    lists, also after the referencing table was renamed, and a catalog without that index is
    scanned. Both reach the same tables, in the catalog's order, and the drop takes the keys."""
    from lockwise.catalog.replay import tables_reached

    sql = ("CREATE TABLE accounts (id int PRIMARY KEY);"
           "CREATE TABLE zebras (id int, account_id int REFERENCES accounts);"
           "CREATE TABLE notes (id int, account_id int);"
           "CREATE VIEW recent AS SELECT id FROM accounts;"
           "ALTER TABLE notes ADD CONSTRAINT n_fk FOREIGN KEY (account_id) REFERENCES accounts;"
           "ALTER TABLE zebras RENAME TO horses;"
           "CREATE TABLE other (id int, account_id int);")
    indexed = replayed(sql)
    scanned = Catalog(tables=indexed.tables)
    assert indexed.fk_sources is not None and scanned.fk_sources is None
    for stmt in ("DROP TABLE accounts CASCADE", "ALTER TABLE accounts RENAME TO users"):
        tree = parse_sql(stmt).statements[0].tree
        for catalog in (indexed, scanned):
            assert [t.name for t in tables_reached(catalog, tree)] == [  # a rename moves
                "public.notes", "public.recent", "public.horses"]           # it to the end
    dropped = replayed("DROP TABLE accounts CASCADE;", indexed)
    assert [c.name for t in dropped.tables.values() for c in t.constraints.values()] == []


def test_do_blocks_are_followed_when_their_statements_are_known() -> None:
    """A PL/pgSQL body's statements are replayed (those in a branch too: the state the block
    is written to reach); only what the replay cannot follow makes tables unsure: the tables
    a body it cannot read names, and every table after SQL computed at run time."""
    catalog = replayed("CREATE TABLE users (id int, confirmed_at timestamptz);"
                       "CREATE TABLE teams (id int);"
                       "DO $$ BEGIN IF NOT EXISTS (SELECT 1) THEN ALTER TABLE users RENAME "
                       "COLUMN confirmed_at TO email_confirmed_at; END IF; END $$;")
    assert catalog.sure_of("public.users") and catalog.sure_of("public.teams")
    assert catalog.column("public.users", "email_confirmed_at").type_name == "timestamptz"
    assert catalog.column("public.users", "confirmed_at") is None
    quoted = replayed('CREATE TABLE "User" (id int);'
                      'DO $$ BEGIN ALTER TABLE "User" RENAME COLUMN id TO uid; END $$;')
    assert quoted.sure_of("public.User") and quoted.column("public.User", "uid") is not None
    # A body PL/pgSQL rejects: the tables it names may have changed.
    unread = replayed('CREATE TABLE "User" (id int);'
                      'DO $$ BEGIN ALTER TABLE "User" RENAME COLUMN id TO uid; IF THEN; END $$;')
    assert not unread.sure_of("public.User")
    # The column may be gone: added again, it takes its new definition (as the effect model
    # counts it as added).
    replayed("ALTER TABLE \"User\" ADD COLUMN IF NOT EXISTS id text;", unread)
    assert unread.column("public.User", "id").type_name == "text"
    replayed("DO $$ BEGIN EXECUTE 'ALTER TABLE ' || 'teams' || ' ADD COLUMN x int'; END $$;",
             catalog)
    # (the text names the table it alters: that one only, fix-precision46)
    assert not catalog.sure_of("public.teams") and catalog.sure_of("public.users")
    replayed("DO $$ BEGIN EXECUTE 'ALTER TABLE ' || quote_ident(t) || ' ADD COLUMN x int';"
             " END $$;", catalog)
    assert not catalog.sure_of("public.users")
    replayed("DO $$ BEGIN ALTER TABLE \"User\" ADD COLUMN x int; IF THEN; END $$;"
             "DROP TABLE \"User\"; CREATE TABLE \"User\" (id int);", unread)
    assert unread.sure_of("public.User")  # created again: known again



def test_a_table_made_after_dynamic_sql_is_known() -> None:
    """SQL computed at run time may have changed every table there was when it ran, not the
    ones made after it (fix-precision44: windmill's first migration runs EXECUTE format(...)
    over five tables, and a table made two months later lost its columns' types)."""
    catalog = replayed("CREATE TABLE teams (id int);"
                       "DO $$ DECLARE i text; BEGIN FOREACH i IN ARRAY array['teams'] LOOP"
                       " EXECUTE format('ALTER TABLE %I ADD COLUMN x int', i); END LOOP; END $$;"
                       "CREATE TABLE accounts (expires_at timestamp);"
                       "CREATE TABLE archive AS SELECT 1 AS id;")
    assert not catalog.sure_of("public.teams")
    assert catalog.sure_of("public.accounts") and catalog.sure_of("public.archive")
    assert catalog.known_column("public.accounts", "expires_at").type_name == "timestamp"
    replayed("ALTER SCHEMA public RENAME TO app;", catalog)
    assert catalog.sure_of("app.accounts") and not catalog.sure_of("app.teams")
    # Dynamic SQL again: the table made in between may have changed too.
    replayed("DO $$ BEGIN EXECUTE 'ALTER TABLE ' || t || ' ADD COLUMN y int'; END $$;",
             catalog)
    assert not catalog.sure_of("app.accounts")

# --- the columns a view uses ----------------------------------------------------------------

_VIEW_SETUP = """
CREATE TABLE users (id int, name text, email text, x int);
CREATE TABLE orders (id int, user_id int, name text);
"""


@pytest.mark.parametrize(("view", "expected"), [
    ("SELECT id, name FROM users", {("users", "id"), ("users", "name")}),
    ("SELECT u.email, o.name FROM users u JOIN orders o ON o.user_id = u.id",
     {("users", "email"), ("users", "id"), ("orders", "name"), ("orders", "user_id")}),
    ("SELECT * FROM users WHERE x > 1",
     {("users", "id"), ("users", "name"), ("users", "email"), ("users", "x")}),
    ("SELECT o.* FROM orders o, users",
     {("orders", "id"), ("orders", "user_id"), ("orders", "name")}),
    ("SELECT s.id FROM (SELECT id FROM orders) s", {("orders", "id")}),
])
def test_view_column_reads(view: str, expected: set) -> None:
    catalog = replayed(_VIEW_SETUP + f"CREATE VIEW v AS {view};")
    reads = catalog.tables["public.v"].column_reads
    assert {(r.split(".", 1)[1], c) for r, c in reads} == expected


# The conflict graph's view dependencies and the catalog's column reads come from one walk of
# the query but attribute a bare column name differently: pinned here on the queries where
# they part, so that neither rule can silently become the other.
@pytest.mark.parametrize(("view", "reads", "dependencies"), [
    # Two tables with the column (PostgreSQL refuses it): reads take both, dependencies the
    # first.
    ("SELECT name FROM users, orders", {("users", "name"), ("orders", "name")},
     {"table:users", "table:orders", "column:users.name"}),
    # A table with unknown columns in the way: reads none (it may be the owner), dependencies
    # the known table that has it.
    ("SELECT name FROM mystery, users", set(),
     {"table:mystery", "table:users", "column:users.name"}),
    # A subquery's alias in the inner scope: reads look past it to the outer table,
    # dependencies stop there (its output may be the column).
    ("SELECT (SELECT name FROM (SELECT 1 AS k) s) FROM users", {("users", "name")},
     {"table:users"}),
    # Qualified names and `*` resolve alike for both.
    ("SELECT u.email, o.* FROM users u, orders o, mystery",
     {("users", "email"), ("orders", "id"), ("orders", "user_id"), ("orders", "name")},
     {"table:users", "table:orders", "table:mystery", "column:users.email",
      "column:orders.id", "column:orders.user_id", "column:orders.name"}),
])
@pytest.mark.parametrize("create", ["CREATE VIEW", "CREATE MATERIALIZED VIEW"])
def test_view_reads_and_dependencies_attribute_bare_names_apart(
        create: str, view: str, reads: set, dependencies: set) -> None:
    catalog = replayed(_VIEW_SETUP)
    views: dict[str, set[str]] = {}
    apply_statement(catalog, parse_sql(f"{create} v AS {view};").statements[0].tree, "2",
                    views)
    found = catalog.tables["public.v"].column_reads
    assert {(r.split(".", 1)[1], c) for r, c in found} == reads
    assert set(views) == {"public.v"}
    assert {d.replace("public.", "") for d in views["public.v"]} == dependencies


def test_view_dependencies_leave_out_the_view_and_do_blocks() -> None:
    catalog = replayed(_VIEW_SETUP + "CREATE VIEW v AS SELECT id FROM users;")
    views: dict[str, set[str]] = {}
    replace = "CREATE OR REPLACE VIEW v AS SELECT v.id FROM v, users u WHERE u.x > 0;"
    apply_statement(catalog, parse_sql(replace).statements[0].tree, "2", views)
    assert views == {"public.v": {"table:public.users", "column:public.users.x"}}
    views.clear()
    block = "DO $$ BEGIN CREATE VIEW w AS SELECT id FROM users; END $$;"
    apply_statement(catalog, parse_sql(block).statements[0].tree, "3", views)
    assert "public.w" in catalog.tables and views == {}


def test_view_column_reads_follow_renames_and_cascade() -> None:
    catalog = replayed(_VIEW_SETUP + """
        CREATE VIEW v AS SELECT id, name FROM users;
        CREATE VIEW w AS SELECT id FROM v;
        ALTER TABLE users RENAME COLUMN name TO full_name;
        ALTER TABLE users RENAME TO people;""")
    assert catalog.views_using_column("public.people", "full_name") == ["public.v"]
    assert catalog.views_using_column("public.users", "name") == []
    replayed("ALTER TABLE people DROP COLUMN full_name CASCADE;", catalog)
    assert "public.v" not in catalog.tables and "public.w" not in catalog.tables


def test_drop_expression_makes_a_generated_column_plain() -> None:
    catalog = replayed("CREATE TABLE t (a int, b int GENERATED ALWAYS AS (a * 2) STORED,"
                       " c int GENERATED ALWAYS AS (a * 3) STORED);"
                       "ALTER TABLE t ALTER COLUMN b DROP EXPRESSION;")
    columns = catalog.tables["public.t"].columns
    assert not columns["b"].generated and columns["c"].generated


def test_a_generated_column_remembers_what_it_reads_through_renames() -> None:
    catalog = replayed(
        "CREATE TABLE t (id int, a int, b int, g int GENERATED ALWAYS AS (a * b) STORED);"
        "ALTER TABLE t ADD COLUMN v text GENERATED ALWAYS AS (lower(b::text)) VIRTUAL;"
        "ALTER TABLE t RENAME COLUMN a TO z; ALTER TABLE t RENAME TO t2;"
        "CREATE TABLE l (LIKE t2 INCLUDING GENERATED); CREATE TABLE l0 (LIKE t2);")
    columns = catalog.tables["public.t2"].columns
    assert columns["g"].reads == ("b", "z") and columns["v"].reads == ("b",)
    assert columns["id"].reads == ()
    assert catalog.generated_reading("public.t2", "b") == ["g", "v"]
    assert catalog.tables["public.l"].columns["g"].reads == ("b", "z")
    assert catalog.tables["public.l0"].columns["g"].reads == ()
    assert catalog.generated_reading("public.l0", "z") == []


def test_a_generated_column_keeps_its_expression_through_renames_and_copies() -> None:
    from lockwise.effects.nodes import expression_sql

    catalog = replayed(
        "CREATE TABLE t (id int, a int, g int GENERATED ALWAYS AS (t.a * a + id) STORED,"
        " p int GENERATED ALWAYS AS (id) STORED);"
        'ALTER TABLE t RENAME COLUMN a TO "Z"; ALTER TABLE t RENAME TO t2;'
        "CREATE TABLE l (LIKE t2 INCLUDING GENERATED); CREATE TABLE l0 (LIKE t2);"
        "ALTER TABLE t2 ALTER COLUMN p SET EXPRESSION AS (id - 1);")
    assert expression_sql(catalog.tables["public.t2"].columns["g"].expression) == \
        '"Z" * "Z" + id'
    assert expression_sql(catalog.tables["public.l"].columns["g"].expression) == \
        '"Z" * "Z" + id'
    assert catalog.tables["public.l0"].columns["g"].expression is None
    assert expression_sql(catalog.tables["public.t2"].columns["p"].expression) == "id - 1"
    replayed("ALTER TABLE t2 ALTER COLUMN g DROP EXPRESSION;", catalog)
    assert catalog.tables["public.t2"].columns["g"].expression is None


def test_set_and_drop_expression_change_what_a_generated_column_reads() -> None:
    catalog = replayed("CREATE TABLE t (a int, b int, g int GENERATED ALWAYS AS (a) STORED,"
                       " h int GENERATED ALWAYS AS (a) STORED);"
                       "ALTER TABLE t ALTER COLUMN g SET EXPRESSION AS (b + 1);"
                       "ALTER TABLE t ALTER COLUMN h DROP EXPRESSION;")
    assert catalog.generated_reading("public.t", "a") == []
    assert catalog.generated_reading("public.t", "b") == ["g"]


@pytest.mark.parametrize(("drop", "kept"), [
    ("ALTER TABLE t DROP COLUMN a CASCADE;", {"id", "b"}),
    ("ALTER TABLE t DROP COLUMN a;", {"id", "b"}),  # refused since 15; older: the same
    ("ALTER TABLE t DROP COLUMN g, DROP COLUMN a;", {"id", "b"}),
    ("ALTER TABLE t DROP COLUMN b;", {"id", "a", "g"}),
])
def test_drop_column_drops_the_generated_columns_reading_it(drop: str, kept: set) -> None:
    catalog = replayed("CREATE TABLE t (id int, a int, b int,"
                       " g int GENERATED ALWAYS AS (a * 2) STORED);"
                       "CREATE INDEX t_g ON t (g);" + drop)
    assert set(catalog.tables["public.t"].columns) == kept
    assert ("public.t_g" in catalog.indexes) is ("g" in kept)


def test_drop_domain_cascade_drops_its_subdomains_and_their_columns() -> None:
    catalog = replayed("CREATE DOMAIN d AS int; CREATE DOMAIN d2 AS d; CREATE DOMAIN da AS d[];"
                       "CREATE DOMAIN other AS int;"
                       "CREATE TABLE t (id int, a d2, c da, o other,"
                       " g int GENERATED ALWAYS AS (a + 1) STORED);"
                       "DROP DOMAIN d CASCADE;")
    assert set(catalog.tables["public.t"].columns) == {"id", "o"}
    assert set(catalog.domains) == {"public.other"}


def test_do_block_reshapes_only_with_ddl_or_dynamic_sql() -> None:
    from lockwise.catalog.replay import do_block_reshapes

    catalog = replayed("CREATE TABLE accounts (id int); CREATE TABLE teams (id int);")

    def reshaped(code: str) -> set[str]:
        tree = parse_sql(f"DO $$ BEGIN {code} END $$;").statements[0].tree
        return do_block_reshapes(catalog, tree["DoStmt"])

    assert reshaped("RAISE NOTICE 'accounts checked';") == set()
    assert reshaped("UPDATE accounts SET id = id;") == set()
    # followed by the replay: nothing unseen
    assert reshaped("ALTER TABLE accounts ADD COLUMN x int;") == set()
    assert reshaped("EXECUTE 'ALTER TABLE accounts ADD COLUMN y int';") == set()
    # a body PL/pgSQL rejects, SQL computed at run time
    assert reshaped("ALTER TABLE accounts ADD COLUMN x int; IF THEN;") == {"public.accounts"}
    assert reshaped("EXECUTE lower('SELECT ' || '1');") == {"*"}
    # ... but a query of built-in functions, read (fix-small73), changes no table's shape
    assert reshaped("EXECUTE 'SELECT ' || '1';") == set()
    # run-time SQL of a known command that changes no table's shape: comments, privileges,
    # statistics (what expand/contract's contract step carries over)
    assert reshaped("EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', 'accounts', 'id', 'x'); "
                    "EXECUTE format('GRANT %s (%I) ON %s TO %s%s', 'SELECT', 'id', 'accounts', "
                    "'PUBLIC', ''); EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET "
                    "STATISTICS %s', 'accounts', 'id', 500); EXECUTE format('ALTER STATISTICS "
                    "%s.%I RENAME TO %I', 'public', 's', 's2'); EXECUTE format('CREATE "
                    "STATISTICS %s.%I (%s) ON %s FROM %s', 'public', 's', 'mcv', 'id, id', "
                    "'accounts');") == set()
    # format() of constants: the statement it makes is known, and followed by the replay
    assert reshaped("EXECUTE format('ALTER TABLE %s ADD COLUMN %I int', 'accounts', 'z');") \
        == set()
    assert "z" in replayed("CREATE TABLE accounts (id int); DO $$ BEGIN EXECUTE format("
                           "'ALTER TABLE %s ADD COLUMN %I int', 'accounts', 'z'); END $$;"
                           ).tables["public.accounts"].columns
    assert reshaped("EXECUTE format('ALTER TABLE %s ADD COLUMN %I int', 'accounts', "
                    "lower('Z'));") == {"*"}
    assert reshaped("EXECUTE format('ALTER TABLE %s ALTER COLUMN %I SET STATISTICS %s', "
                    "'accounts', 'id', 5) || ';';") == {"*"}


# --- enforceability, domains, statistics, collations ----------------------------------------

@pytest.mark.parametrize(("sql", "enforced"), [
    ("CREATE TABLE c (pid int REFERENCES p NOT ENFORCED);", False),
    ("CREATE TABLE c (pid int REFERENCES p);", True),
    ("CREATE TABLE c (pid int, CONSTRAINT c_pid_fkey FOREIGN KEY (pid) REFERENCES p "
     "NOT ENFORCED);", False),
    ("CREATE TABLE c (pid int); ALTER TABLE c ADD CONSTRAINT c_pid_fkey FOREIGN KEY (pid) "
     "REFERENCES p NOT VALID;", True),
    ("CREATE TABLE c (pid int REFERENCES p NOT ENFORCED);"
     "ALTER TABLE c ALTER CONSTRAINT c_pid_fkey ENFORCED;", True),
    ("CREATE TABLE c (pid int REFERENCES p);"
     "ALTER TABLE c ALTER CONSTRAINT c_pid_fkey NOT ENFORCED;", False),
])
def test_foreign_key_enforceability(sql: str, enforced: bool) -> None:
    catalog = replayed("CREATE TABLE p (id int PRIMARY KEY);" + sql)
    assert catalog.tables["public.c"].constraints["c_pid_fkey"].enforced is enforced


def test_every_domain_is_recorded_with_its_base_type() -> None:
    catalog = replayed("CREATE DOMAIN plain AS varchar(10); CREATE DOMAIN app_id AS bigint "
                       "CHECK (VALUE > 0);")
    assert catalog.domain("plain").base == "varchar" and catalog.domain("plain").typmods == (10,)
    assert catalog.domain("public.app_id").base == "int8"
    assert catalog.domain("text") is None
    replayed("DROP DOMAIN plain;", catalog)
    assert catalog.domain("plain") is None


def test_a_domain_remembers_its_default() -> None:
    # As pg_type.typdefault has it on the server: a domain over a domain copies the base's
    # default when created, a later change of the base's does not reach it, an explicit NULL
    # default and an array of the domain are no default.
    catalog = replayed(
        "CREATE DOMAIN tok AS uuid DEFAULT gen_random_uuid(); CREATE DOMAIN n AS int DEFAULT 7;"
        "CREATE DOMAIN tok2 AS tok; CREATE DOMAIN none AS tok DEFAULT NULL;"
        "CREATE DOMAIN toks AS tok[]; CREATE DOMAIN bare AS int;")

    def calls(name: str) -> list[str] | None:
        default = catalog.domain(name).default
        return None if default is None else function_names(default)

    assert calls("tok") == ["gen_random_uuid"]
    assert calls("n") == []
    assert calls("tok2") == ["gen_random_uuid"]
    assert calls("none") is None and calls("toks") is None and calls("bare") is None
    replayed("ALTER DOMAIN bare SET DEFAULT random(); ALTER DOMAIN tok DROP DEFAULT;", catalog)
    assert calls("bare") == ["random"]
    assert calls("tok") is None
    assert calls("tok2") == ["gen_random_uuid"]


@pytest.mark.parametrize(("index", "rebuilt"), [
    ("CREATE INDEX i ON t (lower(v))", True),
    ("CREATE INDEX i ON t ((v || n::text))", True),
    ("CREATE INDEX i ON t (v) WHERE n > 0", True),
    ("CREATE INDEX i ON t (n) WHERE v <> ''", True),
    ("CREATE INDEX i ON t (v)", False),
    ("CREATE INDEX i ON t (lower(s))", False),
    ("CREATE INDEX i ON t (s) WHERE n > 0", False),
])
def test_which_indexes_a_type_change_of_a_column_builds_again(index: str, rebuilt: bool) -> None:
    catalog = replayed(f"CREATE TABLE t (v varchar(10), s text, n int); {index};")
    assert catalog.indexes["public.i"].rebuilt_by_type_change_of("v") is rebuilt


def test_statistics_remember_their_table() -> None:
    catalog = replayed("CREATE SCHEMA app; CREATE TABLE app.t (a int, b int);"
                       "CREATE STATISTICS s ON a, b FROM app.t;")
    assert catalog.statistics == {"app.s": "app.t"}
    replayed("DROP STATISTICS app.s;", catalog)
    assert catalog.statistics == {}


#: Statistics objects moved, renamed, dropped with their columns, tables and schemas.
_STATISTICS_HISTORY = """
CREATE SCHEMA o; CREATE SCHEMA z; CREATE TABLE t (a int, b int, c int);
CREATE STATISTICS s1 ON a, b FROM t; CREATE STATISTICS s2 ON b, c FROM t;
CREATE STATISTICS s3 ON (a + c), b FROM t; CREATE STATISTICS s4 ON a, b FROM t;
ALTER STATISTICS s4 RENAME TO s5; CREATE STATISTICS s6 ON a, b FROM t;
ALTER STATISTICS s6 SET SCHEMA o; ALTER TABLE t DROP COLUMN c;
CREATE TABLE u (a int, b int); CREATE STATISTICS ON a, b FROM u; DROP TABLE u;
CREATE TABLE u (a int, b int); CREATE STATISTICS ON a, b FROM u; ALTER TABLE t RENAME TO t2;
CREATE TABLE w (a int, b int); CREATE STATISTICS ws ON a, b FROM w; ALTER TABLE w SET SCHEMA o;
CREATE TABLE z.y (a int, b int); CREATE STATISTICS public.zs ON a, b FROM z.y;
CREATE STATISTICS z.zz ON a, b FROM u; DROP SCHEMA z CASCADE;
ALTER TABLE t2 RENAME COLUMN b TO bb; CREATE STATISTICS s7 ON (bb + 1), a FROM t2;
CREATE STATISTICS s8 ON (a + 1), (a * 2) FROM t2; ALTER TABLE t2 RENAME COLUMN a TO aa;
CREATE TABLE l (LIKE t2 INCLUDING STATISTICS); ALTER TABLE l DROP COLUMN bb;
"""


@pytest.mark.postgres
@pytest.mark.parametrize("last", ["", "ALTER TABLE t2 DROP COLUMN bb;"])
def test_statistics_objects_are_those_the_server_has(pg_db: str, last: str) -> None:
    import psycopg

    sql = _STATISTICS_HISTORY + last
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(sql)
        server = dict(conn.execute(
            "SELECT n.nspname || '.' || s.stxname, tn.nspname || '.' || c.relname "
            "FROM pg_statistic_ext s JOIN pg_namespace n ON n.oid = s.stxnamespace "
            "JOIN pg_class c ON c.oid = s.stxrelid "
            "JOIN pg_namespace tn ON tn.oid = c.relnamespace").fetchall())
    assert replayed(sql).statistics == server


def test_column_collation_follows_type_changes() -> None:
    catalog = replayed('CREATE TABLE t (a text COLLATE "C", b text);')
    columns = catalog.tables["public.t"].columns
    assert columns["a"].collation == "C" and columns["b"].collation is None
    replayed("ALTER TABLE t ALTER COLUMN a TYPE text;", catalog)
    assert columns["a"].collation is None


@pytest.mark.parametrize(("drop", "lost"), [
    ("DROP TYPE mood CASCADE;", {"public.people.m"}),
    ("DROP DOMAIN label CASCADE;", {"public.people.tag"}),
    ("DROP TYPE mood;", set()),  # refused by the server while a column uses it
])
def test_drop_type_cascade_loses_the_columns_of_that_type(drop: str, lost: set[str]) -> None:
    setup = migration_from_text(
        "CREATE TYPE mood AS ENUM ('ok'); CREATE DOMAIN label AS text;"
        "CREATE TABLE people (id int, m mood, tag label);", "0001_setup.sql")
    reports = lint_migrations([setup, migration_from_text(drop, "0002_drop.sql")],
                              LintOptions(), Catalog())
    (statement,) = reports[-1].statements
    dropped = {f"{a.facts['table']}.{a.facts['column']}" for a in statement.effect.actions
               if a.kind == "drop_column"}
    assert dropped == lost
    assert any(f.rule == "drop-column" for f in statement.findings) is bool(lost)
    expected = LockMode.ACCESS_EXCLUSIVE if lost else None
    assert statement.effect.locks.get("public.people") == expected


def test_the_views_reading_a_column_are_those_a_scan_of_every_table_finds() -> None:
    # views_using_column looks only at the views its index files under the column; the index
    # is a superset, kept through renames of views, tables and columns, drops and replaces.
    catalog = replayed(
        "CREATE TABLE users (id int, email text, nick text);\n"
        "CREATE TABLE posts (id int, user_id int, body text);\n"
        "CREATE VIEW v1 AS SELECT u.email, p.body FROM users u JOIN posts p ON p.user_id = u.id;\n"
        "CREATE MATERIALIZED VIEW m1 AS SELECT nick FROM users;\n"
        "CREATE VIEW v2 AS SELECT * FROM v1;\n"
        "ALTER VIEW v1 RENAME TO v1b;\n"
        "ALTER TABLE users RENAME COLUMN email TO mail;\n"
        "ALTER TABLE posts RENAME TO articles;\n"
        "CREATE OR REPLACE VIEW v2 AS SELECT body FROM articles;\n"
        "DROP MATERIALIZED VIEW m1;\n"
        "CREATE VIEW v3 AS SELECT id, nick FROM users;\n")
    assert catalog.column_readers is not None
    scanning = Catalog(tables=catalog.tables)  # no index: every table is looked at
    pairs = {(t, c) for table in catalog.tables.values() for t, c in table.column_reads}
    pairs |= {(t.name, c) for t in catalog.tables.values() for c in t.columns}
    assert ("public.users", "mail") in pairs and ("public.articles", "body") in pairs
    for relation, column in sorted(pairs):
        assert catalog.views_using_column(relation, column) == \
            scanning.views_using_column(relation, column), (relation, column)
    assert catalog.views_using_column("public.users", "mail") == ["public.v1b"]
    assert catalog.views_using_column("public.articles", "body") == ["public.v1b", "public.v2"]


@pytest.mark.parametrize("create", ["CREATE MATERIALIZED VIEW", "CREATE TABLE"])
def test_create_as_if_not_exists_keeps_what_exists(create: str) -> None:
    # The server skips CREATE ... IF NOT EXISTS ... AS on an existing relation: a REFRESH
    # after it still reads the first query's tables (checked on the server).
    catalog = replayed(f"""
        CREATE TABLE t (a int);
        CREATE MATERIALIZED VIEW m AS SELECT a FROM t;
        {create} IF NOT EXISTS m AS SELECT 1 AS b;""")
    m = catalog.tables["public.m"]
    assert m.kind == "matview"
    assert m.sources == ("public.t",)
    assert m.column_reads == (("public.t", "a"),)
    fresh = replayed(f"CREATE TABLE t (a int);\n{create} IF NOT EXISTS m AS SELECT a FROM t;")
    assert "public.m" in fresh.tables


def test_drop_schema_cascade_drops_the_views_elsewhere_over_its_tables() -> None:
    setup = """
        CREATE SCHEMA s1;
        CREATE TABLE s1.t (a int);
        CREATE VIEW v AS SELECT a FROM s1.t;
        CREATE VIEW w AS SELECT * FROM v;
        CREATE MATERIALIZED VIEW mv AS SELECT * FROM w;
        CREATE INDEX mv_a ON mv (a);
        CREATE TABLE keep (a int);
        CREATE VIEW keep_v AS SELECT a FROM keep;"""
    assert replayed(setup).views_outside_schema_over("s1") == \
        ["public.v", "public.w", "public.mv"]
    catalog = replayed(setup + "DROP SCHEMA s1 CASCADE;")
    assert {"public.v", "public.w", "public.mv"}.isdisjoint(catalog.tables)
    assert "public.mv_a" not in catalog.indexes
    assert {"public.keep", "public.keep_v"} <= set(catalog.tables)


def test_views_reading_a_relation_read_the_same_by_index_and_by_scan() -> None:
    """`views_reading` looks only at the views the replay's index files under the relation:
    it must find what a scan of every table finds after the views and what they read are
    renamed, moved to another schema, replaced by a query over something else, or dropped,
    and on a down check's fork, which shares the index's sets."""
    from lockwise.graph.down import fork

    sql = ("CREATE SCHEMA app; CREATE TABLE accounts (id int PRIMARY KEY);"
           "CREATE TABLE notes (id int); CREATE VIEW a1 AS SELECT id FROM accounts;"
           "CREATE VIEW a2 AS SELECT id FROM accounts; CREATE VIEW n1 AS SELECT id FROM notes;"
           "CREATE MATERIALIZED VIEW m1 AS SELECT id FROM a1;")
    steps = ["ALTER TABLE accounts RENAME TO users", "ALTER VIEW a1 RENAME TO b1",
             "ALTER VIEW a2 SET SCHEMA app",
             "CREATE OR REPLACE VIEW n1 AS SELECT id FROM users", "DROP VIEW app.a2",
             "CREATE VIEW a2 AS SELECT id FROM notes", "ALTER TABLE notes SET SCHEMA app"]
    relations = ["public.accounts", "public.users", "public.notes", "app.notes", "public.a1",
                 "public.b1", "app.a2", "public.a2"]
    indexed = replayed(sql)
    assert indexed.source_readers is not None
    for step in steps:
        # Each step replayed on a fork, as a down check replays a down: the catalog forked
        # answers as before it.
        before = indexed
        answers = {r: [t.name for t in before.views_reading(r)] for r in relations}
        indexed = replayed(step + ";", fork(before, set(before.tables), frozenset(), True))
        for catalog in (indexed, before):
            scanned = Catalog(tables=dict(catalog.tables))
            for relation in relations:
                assert [t.name for t in catalog.views_reading(relation)] == \
                    [t.name for t in scanned.views_reading(relation)], (step, relation)
        assert {r: [t.name for t in before.views_reading(r)] for r in relations} == answers
    assert [t.name for t in indexed.views_reading("public.users")] == ["public.b1",
                                                                     "public.n1"]


def test_the_replay_starts_its_indexes_from_what_a_catalog_holds() -> None:
    """From its first statement the replay keeps `fk_sources`, `column_readers` and
    `source_readers` (a history with no foreign key or view would otherwise scan every table
    on each DROP): built from what a hand-made catalog already holds, they answer as its
    scan does."""
    from lockwise.catalog.model import Constraint, Table

    holder = Table("public.orders", constraints={"o_fk": Constraint(
        "o_fk", "foreign", ("a",), references="public.accounts")})
    view = Table("public.v", kind="view", sources=("public.accounts",),
                 column_reads=(("public.accounts", "id"),))
    catalog = Catalog(tables={"public.accounts": Table("public.accounts"),
                              "public.orders": holder, "public.v": view})
    scanned = Catalog(tables=dict(catalog.tables))
    replayed("CREATE TABLE other (id int);", catalog)
    assert catalog.fk_sources is not None and catalog.source_readers is not None
    assert catalog.column_readers is not None
    assert catalog.referencing("public.accounts") == scanned.referencing("public.accounts")
    assert catalog.views_reading("public.accounts") == [view]
    assert catalog.views_using_column("public.accounts", "id") == ["public.v"]
    plain = replayed("CREATE TABLE a (id int); DROP TABLE a;")
    assert plain.fk_sources == {} and plain.source_readers == {}


@pytest.mark.parametrize(("column", "expected"), [
    ("total", ("t_check",)),  # the CHECK's expression named it `amount` when it was added
    ("fee", ("t_check",)),
    ("note", ()),
])
def test_a_check_reading_a_renamed_column_is_known_by_its_new_name(
        column: str, expected: tuple) -> None:
    """What a column change validates again, and what dropping it drops, includes a CHECK
    over it written before its rename (PostgreSQL names columns in it by number)."""
    setup = migration_from_text("CREATE TABLE t (amount int, fee int, note text,"
                                " CHECK (amount > fee));"
                                "ALTER TABLE t RENAME COLUMN amount TO total;", "0001_setup.sql")
    change = migration_from_text(f"ALTER TABLE t ALTER COLUMN {column} TYPE bigint;",
                                 "0002_change.sql")
    reports = lint_migrations([setup, change], LintOptions(), Catalog())
    (statement,) = reports[-1].statements
    (action,) = statement.effect.actions
    assert action.facts["column_constraints"] == expected


@pytest.mark.postgres
@pytest.mark.parametrize("case", ["partitioned column changes", "inheritance column changes"])
def test_column_types_reach_partitions_and_children_as_on_the_server(pg_db: str,
                                                                     case: str) -> None:
    """ALTER COLUMN ... TYPE on a parent changes the column of every partition and
    inheritance child too (types are not part of the comparison above)."""
    sql = _SERVER_CASES[case]
    server = _server_columns(pg_db, sql, "t.typname", "JOIN pg_type t ON t.oid = a.atttypid")
    catalog = replayed(sql)
    assert {(t.name, c.name, c.type_name) for t in catalog.tables.values()
            for c in t.columns.values()} == server


@pytest.mark.parametrize("statement", [
    "ALTER TABLE b RENAME COLUMN a TO a2", "ALTER TABLE b RENAME CONSTRAINT b_a_check TO pos",
    "ALTER TABLE b ADD CONSTRAINT x CHECK (a < 9)", "ALTER TABLE b DROP CONSTRAINT b_a_check",
    "ALTER TABLE b ADD COLUMN z int", "ALTER TABLE p ATTACH PARTITION p2 FOR VALUES IN (2)"])
def test_a_down_replay_copies_the_children_a_parent_change_reaches(statement: str) -> None:
    """Replayed on a down check's fork (graph/build.py `_roll_back`), a change of a parent that
    reaches its partitions and children, and a table attached, changes copies of them: the
    history's catalog keeps its own."""
    _replay_on_a_fork("CREATE TABLE b (a int CHECK (a > 0)); CREATE TABLE c () INHERITS (b);"
                      "CREATE INDEX ON c (a); CREATE TABLE p (a int) PARTITION BY LIST (a);"
                      "CREATE TABLE p2 (a int);", statement, {"b", "p"})


def _replay_on_a_fork(setup: str, statement: str, names: set[str]) -> None:
    """Replay `statement` on a down check's fork of the catalog `setup` leaves (tables `names`
    of `public` forked, those it reaches copied first, as graph/build.py `_roll_back` does):
    the fork changes, the history's catalog does not."""
    import copy

    from lockwise.catalog.replay import tables_reached
    from lockwise.graph.down import clone, fork

    history = replayed(setup)
    before = copy.deepcopy((history.tables, dict(history.indexes)))
    tree = parse_sql(statement).statements[0].tree
    rolled = fork(history, {f"public.{n}" for n in names}, names, renames=True)
    for table in tables_reached(rolled, tree):
        rolled.tables[table.name] = clone(table)
    apply_statement(rolled, tree)
    assert (rolled.tables, dict(rolled.indexes)) != before
    assert (history.tables, dict(history.indexes)) == before


@pytest.mark.parametrize("statement", [
    "ALTER TABLE fk ADD CONSTRAINT x FOREIGN KEY (a) REFERENCES pk",
    "ALTER TABLE fk RENAME CONSTRAINT fk_a TO f2", "ALTER TABLE fk DROP CONSTRAINT fk_a",
    "ALTER TABLE fk VALIDATE CONSTRAINT nv", "ALTER TABLE pk DROP COLUMN id CASCADE",
    "ALTER TABLE pk DROP CONSTRAINT pk_pkey CASCADE", "DROP TABLE pk CASCADE",
    "ALTER TABLE fk DETACH PARTITION fk1", "ALTER INDEX fk_k ATTACH PARTITION fk1_k",
    "ALTER TABLE fk ADD EXCLUDE USING gist (r WITH =)"])
def test_a_down_replay_copies_the_partitions_whose_clones_change(statement: str) -> None:
    """Replayed on a down check's fork, a change that reaches the partitions' clones of a
    foreign key, key or EXCLUDE changes copies of the partitions: the history's catalog keeps
    its own."""
    _replay_on_a_fork("CREATE TABLE pk (id int PRIMARY KEY);"
                      "CREATE TABLE fk (a int, k int, r int4range, CONSTRAINT fk_a FOREIGN KEY (a)"
                      " REFERENCES pk) PARTITION BY LIST (r);"
                      "ALTER TABLE fk ADD CONSTRAINT nv FOREIGN KEY (a) REFERENCES pk NOT VALID;"
                      "ALTER TABLE ONLY fk ADD CONSTRAINT fk_k UNIQUE (k, r);"
                      "CREATE TABLE fk1 PARTITION OF fk FOR VALUES IN ('[1,2)');"
                      "ALTER TABLE fk1 ADD CONSTRAINT fk1_k UNIQUE (k, r);",
                      statement, {"fk", "pk"})


def test_a_down_replay_copies_the_tables_whose_keys_point_at_a_renamed_column() -> None:
    """The foreign keys to a renamed column (a partition's clone too) are renamed with it:
    on a fork, in copies of their tables."""
    _replay_on_a_fork("CREATE TABLE pk (id int PRIMARY KEY);"
                      "CREATE TABLE fk (a int, k int, FOREIGN KEY (a) REFERENCES pk (id))"
                      " PARTITION BY LIST (k);"
                      "CREATE TABLE fk1 PARTITION OF fk FOR VALUES IN (1);",
                      "ALTER TABLE pk RENAME COLUMN id TO pk_id", {"pk"})


#: NOT NULL constraints a partition or child gets from its parent: by PARTITION OF, SET NOT
#: NULL and ADD COLUMN reaching it (unless it has one of its own: ATTACH keeps that), INHERITS.
_NOT_NULL_NAMES = (
    "CREATE TABLE p (a int NOT NULL, c int, d int) PARTITION BY LIST (a);"
    "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1) PARTITION BY LIST (a);"
    "CREATE TABLE p11 PARTITION OF p1 FOR VALUES IN (1);"
    "CREATE TABLE p2 (a int NOT NULL, c int, d int NOT NULL);"
    "ALTER TABLE p ATTACH PARTITION p2 FOR VALUES IN (2);"
    "CREATE TABLE i (a int NOT NULL, c int); CREATE TABLE i1 (a int NOT NULL) INHERITS (i);"
    "CREATE TABLE i2 () INHERITS (i);"
    "ALTER TABLE p ALTER c SET NOT NULL, ALTER d SET NOT NULL, ADD COLUMN e int NOT NULL;"
    "ALTER TABLE i ALTER c SET NOT NULL;")


@pytest.mark.postgres
def test_not_null_constraint_names_are_the_servers(pg_db: str) -> None:
    """PostgreSQL 18 names each NOT NULL constraint: a partition's or child's from its parent
    has the parent's name, which DROP CONSTRAINT must be given (and is refused on it)."""
    catalog = replayed(_NOT_NULL_NAMES)
    assert _not_null_names(catalog) == _server_constraint_names(pg_db, _NOT_NULL_NAMES, "n")


def _not_null_names(catalog: Catalog) -> set[tuple[str, str]]:
    """(table, name) of each NOT NULL constraint the replay's `catalog` names."""
    return {(t.name, not_null_name(t, c.name)) for t in catalog.tables.values()
            for c in t.columns.values() if c.not_null}


def _server_constraint_names(pg_db: str, history: str,
                             contype: str = "") -> set[tuple[str, str]]:
    """(table, name) of each constraint of schema public (of `contype` only, if given) that
    `history` leaves on the server."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(history)
        return set(conn.execute(
            "SELECT 'public.' || conrelid::regclass::text, conname FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace AND %s IN ('', contype::text)",
            (contype,)).fetchall())


@pytest.mark.postgres
@pytest.mark.parametrize(("table", "column"), [
    ("t", "c"), ('"Ünïcode Täble"', '"Çolumn"'), ("t" * 50, "c" * 5)])
def test_the_not_null_names_of_an_expand_contract_swap_are_the_servers(
        table: str, column: str, pg_db: str) -> None:
    """Checked on 18.6: the names `not_null_swap_names` gives are those PostgreSQL 18 gives
    the NOT NULL constraints of an expand / contract change: the new column's, made NOT NULL
    (`t_c_new_not_null`); the old column's, unless the catalog knows another (`t_c_not_null`);
    and the old column's once renamed aside, were it made NOT NULL then (`t_c_old_not_null`).
    Each shortened to 63 bytes as the server shortens it (names that shorten to the same one
    are numbered by the server: not predicted here)."""
    import psycopg

    from lockwise.catalog.replay import generated_name, not_null_swap_names
    from lockwise.parse.quoting import quote_ident

    relname, old = (name.strip('"') for name in (table, column))
    new, aside = generated_name(old, None, "new"), generated_name(old, None, "old")
    made, kept, moved = not_null_swap_names(relname, old, new)
    assert not_null_swap_names(relname, old, new, "c_present")[:2] == (made, "c_present")

    def names(conn: psycopg.Connection) -> dict:
        return dict(conn.execute(
            "SELECT attname, conname FROM pg_constraint JOIN pg_attribute ON attrelid = "
            "conrelid AND attnum = conkey[1] WHERE conrelid = %s::regclass AND contype = 'n'",
            (table,)).fetchall())

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {table} (id int, {column} int NOT NULL)")
        assert names(conn) == {old: kept}
        conn.execute(f"ALTER TABLE {table} ADD COLUMN {quote_ident(new)} bigint; "
                     f"ALTER TABLE {table} ALTER COLUMN {quote_ident(new)} SET NOT NULL; "
                     f"ALTER TABLE {table} RENAME COLUMN {column} TO {quote_ident(aside)}; "
                     f"ALTER TABLE {table} ALTER COLUMN {quote_ident(aside)} DROP NOT NULL; "
                     f"ALTER TABLE {table} ALTER COLUMN {quote_ident(aside)} SET NOT NULL")
        assert names(conn) == {new: made, aside: moved}


#: Tables made from queries: columns of known tables (through `*`, `t.*`, aliases, joins),
#: casts, literals, count(*), now() and the current date and time; renamed by a column list.
_QUERY_TABLES = (
    "CREATE TABLE t (id int PRIMARY KEY, b varchar(20) NOT NULL DEFAULT 'x', n numeric(10,2),"
    " ts timestamptz, arr text[]);"
    'CREATE TABLE u (id bigint, t_id int, note text COLLATE "C");'
    "CREATE TABLE c1 AS SELECT 1 AS i, 3000000000 AS big, 1.5 AS f, 'x' AS s, true AS bo,"
    " NULL AS nu, 99999999999999999999 AS huge, now() AS nw, current_timestamp AS ct,"
    " count(*) AS cnt, 'a'::varchar(5) AS vc, id::bigint FROM t GROUP BY id;"
    "CREATE TABLE c2 AS SELECT t.*, u.note, x.id AS uid, x.note::varchar(3) AS nv"
    " FROM t JOIN u x ON x.t_id = t.id JOIN u ON u.id = x.id;"
    "CREATE TABLE c3 (x, y) AS SELECT id, b, n FROM t WITH NO DATA;"
    "CREATE TABLE c4 AS SELECT id FROM t UNION SELECT t_id FROM u;"
    "CREATE TABLE c5 AS TABLE t; CREATE TABLE c6 AS VALUES (1, 'a');"
    "SELECT * INTO c7 FROM t WHERE false;"
    "CREATE UNLOGGED TABLE c8 AS SELECT id, 1, 'a'::text, current_date FROM t;")


@pytest.mark.postgres
def test_tables_made_from_a_query_have_the_servers_columns(pg_db: str) -> None:
    """CREATE TABLE ... AS and SELECT ... INTO: the replay's columns, types and collations
    are the server's (its types written back as a table of their own on the server)."""
    import psycopg

    catalog = replayed(_QUERY_TABLES)
    made = [t for t in catalog.tables.values() if t.name.startswith("public.c")]
    read = ("SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attcollation,"
            " a.attnotnull FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "WHERE c.relname ~ %s AND a.attnum > 0 AND NOT a.attisdropped")
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for stmt in parse_sql(_QUERY_TABLES).statements:
            conn.execute(stmt.sql)
        server = set(conn.execute(read, ("^c[0-9]$",)).fetchall())
        for t in made:
            columns = ", ".join(
                f'"{c.name}" {c.type_text}'
                + (f' COLLATE "{c.collation}"' if c.collation else "")
                + (" NOT NULL" if c.not_null else "") for c in t.columns.values())
            conn.execute(f"CREATE TABLE mirror_{t.name.split('.')[1]} ({columns})")
        mirrored = {(name.removeprefix("mirror_"), *rest) for name, *rest
                    in conn.execute(read, ("^mirror_c[0-9]$",)).fetchall()}
    assert len(made) == 8 and all(t.columns for t in made)
    assert mirrored == server


@pytest.mark.parametrize("query", [
    "SELECT id + 1 AS k FROM t", "SELECT lower(b) FROM t", "SELECT * FROM t JOIN u USING (id)",
    "SELECT b FROM t UNION SELECT n FROM u", "SELECT * FROM (SELECT id + 1 AS k FROM t) s",
    "SELECT s.k FROM (SELECT lower(b) AS k FROM t) s", "SELECT id FROM t JOIN u ON true",
    "SELECT * FROM t, outside", "SELECT 1 AS a, 2 AS a", "SELECT n::int FROM u"])
def test_a_table_made_from_a_query_it_cannot_type_gets_no_columns(query: str) -> None:
    """Where a column's name or type is not plain (an operator, another function, a merged
    join column, a subquery's such column, an ambiguous or unknown table's column, a
    collation through a cast to another type), none is recorded: the table is not fully
    known, as before."""
    catalog = replayed("CREATE TABLE t (id int, b text); CREATE TABLE u (id bigint,"
                       ' n text COLLATE "C");' + f"CREATE TABLE made AS {query};")
    assert catalog.tables["public.made"].columns == {}
    assert catalog.fully_known("public.made") is None


# --- row-level security policies -------------------------------------------------------------

#: Policies created, altered, renamed and dropped; the relations they read renamed and moved.
_POLICY_HISTORY = """
CREATE SCHEMA s; CREATE SCHEMA z;
CREATE TABLE acct (id int, owner text); CREATE TABLE member (name text);
CREATE TABLE cat (id int); CREATE VIEW catv AS SELECT * FROM cat;
CREATE FUNCTION ok(int) RETURNS bool LANGUAGE sql AS 'SELECT true';
CREATE FUNCTION z.uid() RETURNS text LANGUAGE sql AS 'SELECT current_user::text';
CREATE TABLE doc (id int, author text); CREATE TABLE z.x (id int);
CREATE POLICY p ON acct USING (owner IN (SELECT name FROM member))
  WITH CHECK (id IN (SELECT id FROM cat));
CREATE POLICY q ON doc FOR SELECT USING (ok(id) AND id IN (SELECT id FROM catv));
CREATE POLICY r ON doc FOR INSERT WITH CHECK (author = z.uid());
CREATE POLICY w ON doc FOR DELETE USING (EXISTS (SELECT FROM z.x));
CREATE POLICY own ON doc FOR UPDATE USING (id > 0) WITH CHECK (id IN (SELECT id FROM doc));
ALTER TABLE member RENAME TO members; ALTER TABLE cat SET SCHEMA s;
ALTER POLICY p ON acct RENAME TO p2; ALTER POLICY own ON doc USING (ok(id));
CREATE POLICY gone ON doc USING (true); DROP POLICY gone ON doc;
DROP POLICY IF EXISTS nope ON doc; ALTER TABLE doc RENAME TO docs;
"""


def _policy_shape(catalog: Catalog) -> tuple[set, set]:
    """(table, policy, command) of each policy, and (table, policy, object) of each relation
    (besides its own table) and function of these migrations its expressions name."""
    policies = {(t.name, name, pol.command) for t in catalog.tables.values()
                for name, pol in t.policies.items()}
    made = {name.rsplit(".", 1)[-1] for name in catalog.kept_routines}
    depends = {(t.name, name, obj) for t in catalog.tables.values()
               for name, pol in t.policies.items()
               for obj in (*pol.reads, *(f"{f.rsplit('.', 1)[-1]}()" for f in pol.functions
                                         if f.rsplit(".", 1)[-1] in made))
               if obj != t.name}
    return policies, depends


_SERVER_POLICIES = """
SELECT n.nspname || '.' || c.relname, p.polname,
       CASE p.polcmd WHEN '*' THEN 'all' WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert'
                     WHEN 'w' THEN 'update' ELSE 'delete' END
FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
"""
_SERVER_POLICY_DEPENDS = """
SELECT DISTINCT tn.nspname || '.' || t.relname, p.polname,
       coalesce(rn.nspname || '.' || r.relname, f.proname || '()')
FROM pg_depend d JOIN pg_policy p ON p.oid = d.objid
JOIN pg_class t ON t.oid = p.polrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace
LEFT JOIN pg_class r ON d.refclassid = 'pg_class'::regclass AND r.oid = d.refobjid
LEFT JOIN pg_namespace rn ON rn.oid = r.relnamespace
LEFT JOIN pg_proc f ON d.refclassid = 'pg_proc'::regclass AND f.oid = d.refobjid
WHERE d.classid = 'pg_policy'::regclass AND d.refobjid <> p.polrelid
  AND (r.oid IS NOT NULL OR f.pronamespace <> 'pg_catalog'::regnamespace)
"""


@pytest.mark.postgres
@pytest.mark.parametrize("last", [
    "",
    "DROP TABLE members CASCADE;",
    "DROP TABLE s.cat CASCADE;",
    "DROP FUNCTION ok(int) CASCADE;",
    "DROP SCHEMA z CASCADE;",
    "ALTER POLICY q ON docs TO public; ALTER POLICY p2 ON acct WITH CHECK (true);"
    " DROP VIEW catv CASCADE;",
    "ALTER TABLE docs SET SCHEMA s; ALTER VIEW catv RENAME TO catv2;"
    " ALTER POLICY w ON s.docs USING (id IN (SELECT id FROM catv2));",
    "ALTER TABLE members DROP COLUMN name CASCADE;",  # p2 on acct reads it in a subquery
    "ALTER TABLE docs DROP COLUMN author CASCADE;",  # r on docs itself
    "ALTER TABLE s.cat DROP COLUMN id CASCADE;",  # p2's WITH CHECK, and q through the view
    "ALTER TABLE acct DROP COLUMN id CASCADE;",  # no policy uses acct.id: all stay
    "ALTER TABLE members RENAME COLUMN name TO nm; ALTER TABLE members ADD COLUMN name text;"
    " ALTER TABLE members DROP COLUMN name CASCADE; ALTER TABLE members RENAME TO people;"
    " ALTER TABLE people DROP COLUMN nm CASCADE;",  # the policy follows both renames
    "CREATE TYPE mood AS ENUM ('a'); ALTER TABLE acct ADD COLUMN m mood;"
    " CREATE POLICY md ON docs USING (id IN (SELECT id FROM acct WHERE m = 'a'));"
    " DROP TYPE mood CASCADE;",
])
def test_policies_are_those_the_server_has(pg_db: str, last: str) -> None:
    import psycopg

    sql = _POLICY_HISTORY + last
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(sql)
        server = (set(conn.execute(_SERVER_POLICIES).fetchall()),
                  set(conn.execute(_SERVER_POLICY_DEPENDS).fetchall()))
    assert _policy_shape(replayed(sql)) == server


def test_a_policy_remembers_what_its_expressions_read_and_call() -> None:
    catalog = replayed(_POLICY_HISTORY)
    pol = catalog.tables["public.acct"].policies["p2"]
    assert (pol.using_reads, pol.check_reads) == (("public.members",), ("s.cat",))
    own = catalog.tables["public.docs"].policies["own"]
    assert (own.using_calls, own.check_reads) == (("ok",), ("public.docs",))
    assert catalog.tables["public.docs"].policies["r"].check_calls == ("z.uid",)
    assert set(catalog.tables["public.docs"].policies) == {"q", "r", "w", "own"}


def test_policies_dropped_by_cascade_read_the_same_by_index_and_by_scan() -> None:
    catalog = replayed(_POLICY_HISTORY)
    scanned = replayed(_POLICY_HISTORY)
    scanned.policy_readers = None  # every table looked at
    for relations, functions in ((["s.cat", "public.catv"], ()), ([], ("public.ok",)),
                                 ([], ("z.uid",)), (["z.x"], ())):
        by_index = catalog.policies_on_others(relations, functions)
        assert by_index, (relations, functions)
        assert [(t.name, p) for t, p in by_index] == \
            [(t.name, p) for t, p in scanned.policies_on_others(relations, functions)]


@pytest.mark.parametrize(("statement", "holder"), [
    ("DROP TABLE members CASCADE;", "public.acct"),
    ("DROP VIEW catv CASCADE;", "public.docs"),
    ("DROP TABLE s.cat CASCADE;", "public.docs"),  # through the view over it
    ("DROP FUNCTION ok(int) CASCADE;", "public.docs"),
    ("DROP SCHEMA z CASCADE;", "public.docs"),
    ("ALTER TABLE members RENAME TO people;", "public.acct"),
])
def test_tables_reached_include_those_whose_policies_change(statement: str, holder: str) -> None:
    """A down check replays on a copy that shares unreached tables: a policy changed on a
    table it did not copy would change the original catalog."""
    from lockwise.catalog.replay import tables_reached

    catalog = replayed(_POLICY_HISTORY)
    (stmt,) = parse_sql(statement).statements
    assert holder in {t.name for t in tables_reached(catalog, stmt.tree)}
    (other,) = parse_sql("DROP TABLE z.x CASCADE;").statements
    assert "public.acct" not in {t.name for t in tables_reached(catalog, other.tree)}


@pytest.mark.parametrize(("setup", "locked"), [
    ("", False),  # created by these migrations, without that policy: skipped, no lock
    ("DO $$ BEGIN EXECUTE 'CREATE POLICY nope ON docs USING (true)'; END $$;", True),
])
def test_drop_policy_if_exists_locks_unless_the_table_is_known_without_it(
        setup: str, locked: bool) -> None:
    from lockwise.effects.context import Context
    from lockwise.effects.postgres import compute_effect

    catalog = replayed(_POLICY_HISTORY + setup)
    for sql, table in (("DROP POLICY IF EXISTS nope ON docs;", "public.docs"),
                       ("DROP POLICY IF EXISTS nope ON elsewhere;", "public.elsewhere")):
        (stmt,) = parse_sql(sql).statements
        effect = compute_effect(stmt.tree, Context(catalog=catalog, pg_version=18))
        # A table the migrations did not create may have policies made outside them.
        expected = locked or table == "public.elsewhere"
        assert (table in effect.locks) is expected, sql
        (action,) = effect.actions
        assert action.facts["policy_missing"] is not expected


_SCHEMA_RENAME_SETUP = (
    "CREATE SCHEMA s1; CREATE TYPE s1.pair AS (a int, b int); CREATE TABLE s1.t (id int);"
    "CREATE TABLE typed OF s1.pair; CREATE SEQUENCE s1.c;"
    "CREATE TABLE r (n int DEFAULT nextval('s1.c'));"
    "CREATE FUNCTION s1.tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;"
    "CREATE FUNCTION s1.ok() RETURNS bool LANGUAGE sql AS 'SELECT true';"
    "CREATE TRIGGER x BEFORE UPDATE ON r FOR EACH ROW EXECUTE FUNCTION s1.tf();"
    "CREATE POLICY p ON r USING (s1.ok()); CREATE STATISTICS s1.st ON id, id FROM s1.t;"
    "CREATE TABLE k (id int);")


def test_a_schema_rename_moves_what_refers_to_its_objects_by_name() -> None:
    catalog = replayed(_SCHEMA_RENAME_SETUP + "ALTER SCHEMA s1 RENAME TO s2;")
    assert "s2.t" in catalog.tables and "s1.t" not in catalog.tables
    assert catalog.tables["public.typed"].of_type == "s2.pair"
    assert catalog.sequences == {"s2.c"}
    assert catalog.tables["public.r"].columns["n"].default_sequence == "s2.c"
    assert catalog.tables["public.r"].triggers["x"].qualified == "s2.tf"
    assert catalog.tables["public.r"].policies["p"].using_calls == ("s2.ok",)
    assert catalog.statistics == {"s2.st": "s2.t"}
    assert catalog.schemas == {"public", "s2"}


def test_a_schema_rename_of_public_moves_the_types_columns_name_bare() -> None:
    catalog = replayed("CREATE TYPE mood AS ENUM ('a'); CREATE TABLE t (m mood);"
                       "ALTER SCHEMA public RENAME TO s2;")
    assert catalog.tables["s2.t"].columns["m"].type_name == "s2.mood"
    assert catalog.columns_dropped_with_type("s2.mood") == [("s2.t", "m")]


def test_a_schema_rename_the_server_refuses_changes_nothing() -> None:
    # The schema s2 exists already: the server refuses the rename.
    sql = "CREATE SCHEMA s1; CREATE SCHEMA s2; CREATE TABLE s1.t (id int);"
    catalog = replayed(sql + "ALTER SCHEMA s1 RENAME TO s2;")
    assert set(catalog.tables) == {"s1.t"} and catalog.schemas == {"public", "s1", "s2"}


def test_a_down_replay_copies_what_a_schema_rename_changes() -> None:
    """Replayed on a down check's fork, ALTER SCHEMA ... RENAME (which names no table)
    changes copies of the tables it moves and of those referring to its objects."""
    import copy

    from lockwise.catalog.replay import tables_reached
    from lockwise.graph.down import clone, fork

    history = replayed(_SCHEMA_RENAME_SETUP)
    before = copy.deepcopy(history.tables)
    tree = parse_sql("ALTER SCHEMA s1 RENAME TO s2").statements[0].tree
    rolled = fork(history, set(), set(), renames=True)
    reached = tables_reached(rolled, tree)
    assert {t.name for t in reached} == {"s1.t", "public.typed", "public.r"}
    for table in reached:
        rolled.tables[table.name] = clone(table)
    apply_statement(rolled, tree)
    assert "s2.t" in rolled.tables and rolled.tables != before
    assert history.tables == before


@pytest.mark.parametrize("statement", [
    "ALTER TYPE tt ADD ATTRIBUTE d int CASCADE", "ALTER TYPE tt DROP ATTRIBUTE a CASCADE",
    "ALTER TYPE tt ALTER ATTRIBUTE b TYPE varchar(3) CASCADE",
    "ALTER TYPE tt RENAME ATTRIBUTE a TO aa CASCADE", "DROP TYPE tt CASCADE"])
def test_a_down_replay_copies_the_typed_tables_alter_type_changes(statement: str) -> None:
    """ALTER TYPE ... CASCADE changes the typed tables, which it does not name, and their
    children; DROP TYPE ... CASCADE drops them, and the foreign keys pointing at them."""
    import copy

    from lockwise.catalog.replay import tables_reached
    from lockwise.graph.down import clone, fork

    history = replayed("CREATE TYPE tt AS (a int, b text); CREATE TABLE tb OF tt (PRIMARY KEY (a));"
                       "CREATE TABLE tbs () INHERITS (tb);"
                       "CREATE TABLE r (id int, a int REFERENCES tb);")
    before = copy.deepcopy(history.tables)
    tree = parse_sql(statement).statements[0].tree
    rolled = fork(history, set(), set(), renames=False)
    reached = tables_reached(rolled, tree)
    for table in reached:
        rolled.tables[table.name] = clone(table)
    apply_statement(rolled, tree)
    assert rolled.tables != before
    assert history.tables == before


@pytest.mark.parametrize("drop", [
    "DROP FUNCTION label(text) CASCADE;", "DROP TYPE mood CASCADE;",
    "DROP SCHEMA app CASCADE;"])
def test_a_cascade_drop_looks_for_what_uses_it_once(
        monkeypatch: pytest.MonkeyPatch, drop: str) -> None:
    """The effect model and the replay of one DROP ... CASCADE share one `Catalog.callers`
    scan of every table; so do a down check's `tables_reached` and its replay."""
    from lockwise.catalog.replay import tables_reached

    calls: list[object] = []
    scan = Catalog.callers
    monkeypatch.setattr(Catalog, "callers", lambda self, reached: (
        calls.append(reached), scan(self, reached))[1])
    setup = ("CREATE SCHEMA app; CREATE TYPE mood AS ENUM ('ok');"
             "CREATE FUNCTION label(t text) RETURNS text LANGUAGE sql AS 'SELECT t';"
             "CREATE TABLE t (id int, m text DEFAULT 'ok'::mood, n text);"
             "CREATE VIEW v AS SELECT label(n) FROM t;")
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(drop, "0002_drop.sql")],
                              LintOptions(), Catalog())
    assert len(calls) == 1 and reports[-1].statements
    calls.clear()
    catalog = replayed(setup)
    tree = parse_sql(drop).statements[0].tree
    tables_reached(catalog, tree)
    apply_statement(catalog, tree)
    assert len(calls) == 1 and catalog.statement_memo is None


def test_drop_function_cascade_drops_the_views_calling_it_and_those_over_them() -> None:
    catalog = replayed(
        "CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT $1';"
        "CREATE TABLE t (id int); CREATE VIEW v AS SELECT f(id) AS x FROM t;"
        "CREATE MATERIALIZED VIEW mv AS SELECT x FROM v; CREATE VIEW calm AS SELECT id FROM t;"
        "DROP FUNCTION f(int) CASCADE;")
    assert {n for n, t in catalog.tables.items() if t.kind != "table"} == {"public.calm"}


def test_drop_function_without_cascade_keeps_what_calls_it() -> None:
    # The server refuses the statement: nothing changes.
    catalog = replayed(
        "CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT $1';"
        "CREATE TABLE t (id int DEFAULT f(1)); CREATE VIEW v AS SELECT f(id) AS x FROM t;"
        "DROP FUNCTION f(int);")
    assert catalog.tables["public.t"].columns["id"].default is not None
    assert "public.v" in catalog.tables


def test_tables_reached_by_drop_function_cascade_are_its_callers() -> None:
    from lockwise.catalog.replay import tables_reached

    catalog = replayed(
        "CREATE FUNCTION f(int) RETURNS int LANGUAGE sql AS 'SELECT $1';"
        "CREATE TABLE t (id int DEFAULT f(1)); CREATE TABLE u (id int);"
        "CREATE INDEX u_f ON u (f(id)); CREATE TABLE calm (id int DEFAULT 1);"
        "CREATE VIEW v AS SELECT f(id) AS x FROM calm;")
    tree = parse_sql("DROP FUNCTION f(int) CASCADE;").statements[0].tree
    assert {t.name for t in tables_reached(catalog, tree)} == {"public.t", "public.u", "public.v"}


# --- EXPLAIN ----------------------------------------------------------------------------------

def test_explain_analyze_create_table_as_creates_the_table() -> None:
    catalog = replayed("CREATE TABLE t (id int);"
                       "EXPLAIN ANALYZE CREATE TABLE t2 AS SELECT id FROM t;"
                       "EXPLAIN (ANALYZE) CREATE MATERIALIZED VIEW mv AS SELECT id FROM t;")
    assert "public.t2" in catalog.tables and "public.mv" in catalog.tables


def test_explain_without_analyze_creates_nothing() -> None:
    catalog = replayed("CREATE TABLE t (id int);"
                       "EXPLAIN CREATE TABLE t2 AS SELECT id FROM t;"
                       "EXPLAIN (ANALYZE false) CREATE TABLE t3 AS SELECT id FROM t;")
    assert set(catalog.tables) == {"public.t"}



# --- REASSIGN OWNED, and the statements after it ----------------------------------------------

#: A statement whose catalog change the replay keeps, and how to see it kept.
_KEPT_AFTER_REASSIGN = [
    ("CREATE SEQUENCE s;", lambda c: "public.s" in c.sequences),
    ("CREATE SEQUENCE s; ALTER SEQUENCE s OWNED BY t.a;",
     lambda c: c.tables["public.t"].columns["a"].owns == ("public.s",)),
    ("CREATE EXTENSION hstore;", lambda c: "hstore" in c.extensions),
    ("CREATE STATISTICS st ON a, b FROM t;", lambda c: c.statistics == {"public.st": "public.t"}),
]
#: What runs before it, and the roles handed over after both: an ALTER ... OWNER TO gives
#: the role an object again (`_may_give_ownership`), a CREATE SEQUENCE, EXTENSION or
#: STATISTICS does not (the server's side: test_drop_owned_drops_what_the_role_still_owns).
_OWNERSHIP_BEFORE = [
    ("", frozenset()),
    ("REASSIGN OWNED BY alice TO bob;", frozenset({"alice"})),
    ("REASSIGN OWNED BY alice TO bob; ALTER TABLE t OWNER TO alice;", frozenset()),
]


@pytest.mark.parametrize(("before", "handed_over"), _OWNERSHIP_BEFORE)
@pytest.mark.parametrize(("sql", "kept"), _KEPT_AFTER_REASSIGN)
def test_statements_after_reassign_owned_are_replayed_and_keep_the_roles_handed_over(
        before: str, handed_over: frozenset[str], sql: str, kept: Callable[[Catalog], bool]
) -> None:
    """Whether or not roles were handed over, or given an object again since, a CREATE
    SEQUENCE, ALTER SEQUENCE ... OWNED BY, CREATE EXTENSION or CREATE STATISTICS changes the
    catalog as it does alone, and leaves the roles handed over as they were."""
    catalog = replayed(f"CREATE TABLE t (a int, b int); {before} {sql}")
    assert kept(catalog)
    assert catalog.handed_over_roles == handed_over


@pytest.mark.postgres
def test_range_types_and_their_multiranges_are_those_the_server_has(pg_db: str) -> None:
    """A range type makes a multirange type (PostgreSQL 14+), named after it or by
    `multirange_type_name` (in any schema); it keeps its name and schema when the range is
    renamed or moved, and goes when the range is dropped, or the range's schema."""
    import psycopg

    sql = ("CREATE SCHEMA s; CREATE TYPE floatrange AS RANGE (subtype = float8);"
           'CREATE TYPE r AS RANGE (subtype = int4); CREATE TYPE "MyRange" AS RANGE '
           "(subtype = int4); CREATE TYPE r2 AS RANGE (subtype = int4, "
           "multirange_type_name = s.r2_set);"
           f"CREATE TYPE {'x' * 60} AS RANGE (subtype = int4);"
           f'CREATE TYPE "{"é" * 30}" AS RANGE (subtype = int4);'
           "ALTER TYPE r RENAME TO r_renamed; ALTER TYPE floatrange SET SCHEMA s;"
           "CREATE TYPE gone AS RANGE (subtype = int4); DROP TYPE gone;"
           "CREATE SCHEMA t; CREATE TYPE t.tr AS RANGE (subtype = int4, "
           "multirange_type_name = public.tr_set); DROP SCHEMA t CASCADE;")
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(sql)
        rows = conn.execute("SELECT n.nspname || '.' || t.typname FROM pg_type t JOIN "
                            "pg_namespace n ON n.oid = t.typnamespace WHERE t.typtype IN "
                            "('r', 'm') AND n.nspname IN ('public', 's')").fetchall()
    assert replayed(sql).types == {name for (name,) in rows}


@pytest.mark.parametrize(("setup", "rename", "then"), [
    # relations share pg_class: the server refuses "relation users already exists"
    ("CREATE TABLE accounts (id bigint, email text);\nCREATE TABLE users (id bigint, login text);",
     "ALTER TABLE accounts RENAME TO users;",
     lambda c: c.tables["public.users"].columns.keys() == {"id", "login"}
     and set(c.tables["public.accounts"].columns) == {"id", "email"}),
    ("CREATE TABLE accounts (id bigint, email text);\nCREATE INDEX accounts_email ON accounts "
     "(email);\nCREATE TABLE users (id bigint);",
     "ALTER INDEX accounts_email RENAME TO users;",
     lambda c: "public.accounts_email" in c.indexes and "public.users" in c.tables
     and "public.users" not in c.indexes),
    # a column name is taken once per table: "column login of relation accounts already exists"
    ("CREATE TABLE accounts (id bigint, email text NOT NULL, login text);",
     "ALTER TABLE accounts RENAME COLUMN email TO login;",
     lambda c: c.tables["public.accounts"].columns["email"].not_null
     and not c.tables["public.accounts"].columns["login"].not_null),
    ("CREATE TABLE accounts (id bigint, a int CONSTRAINT a_pos CHECK (a > 0), "
     "b int CONSTRAINT b_pos CHECK (b > 0));",
     "ALTER TABLE accounts RENAME CONSTRAINT a_pos TO b_pos;",
     lambda c: c.tables["public.accounts"].constraints["a_pos"].columns == ("a",)
     and c.tables["public.accounts"].constraints["b_pos"].columns == ("b",)),
])
def test_a_rename_the_server_refuses_leaves_the_catalog_as_it_was(setup: str, rename: str,
                                                                   then) -> None:
    """A rename onto a taken name fails on the server ("already exists": rule
    rename-onto-taken-name); the replay applied it, so the object of that name was replaced
    and the statements after it saw the renamed one under the new name."""
    catalog = replayed(setup + "\n" + rename)
    assert then(catalog)


@pytest.mark.parametrize(("rename", "then"), [
    ("ALTER TABLE accounts RENAME TO users;", "CREATE TABLE accounts (id bigint);"),
    ("ALTER TABLE accounts RENAME COLUMN email TO login;",
     "ALTER TABLE accounts ADD COLUMN email text;"),
])
def test_a_statement_after_a_refused_rename_sees_the_names_as_they_were(rename: str,
                                                                        then: str) -> None:
    """After a refused rename the old name still holds its object: a statement after it that
    creates the old name again is refused too (it was not reported: the replay had freed it)."""
    report = lint_migrations([
        migration_from_text("CREATE TABLE accounts (id bigint, email text, login text);\n"
                            "CREATE TABLE users (id bigint);\n", "1_init"),
        migration_from_text(f"{rename}\n{then}\n", "2_rename")], LintOptions())[1]
    assert [(f.rule, f.span.line) for f in report.all_findings
            if f.rule in ("rename-onto-taken-name", "object-already-exists")] == [
        ("rename-onto-taken-name", 1), ("object-already-exists", 2)]


def test_alter_table_if_exists_of_a_table_not_there_makes_none() -> None:
    """PostgreSQL skips ALTER TABLE IF EXISTS of a missing table (a notice): a CREATE TABLE
    after it is no duplicate, and the replay does not invent the table."""
    catalog = Catalog()
    for stmt in parse_sql("CREATE TABLE t (id int); DROP TABLE t;\n"
                          "ALTER TABLE IF EXISTS t ADD COLUMN note text;\n"
                          "ALTER TABLE IF EXISTS legacy ADD COLUMN note text;").statements:
        apply_statement(catalog, stmt.tree, "m")
    assert "public.t" not in catalog.tables and "public.legacy" not in catalog.tables
    report = lint_migrations([migration_from_text(
        "CREATE TABLE t (id int); DROP TABLE t;\n"
        "ALTER TABLE IF EXISTS t ADD COLUMN note text;\n"
        "CREATE TABLE t (id int);\n", "1_t.sql")], LintOptions())[0]
    assert "object-already-exists" not in [f.rule for s in report.statements
                                           for f in s.findings]


@pytest.mark.parametrize("drop", [
    "DROP TABLE app.k;", "ALTER TABLE app.k DROP COLUMN n;", "DROP SCHEMA app CASCADE;"])
@pytest.mark.parametrize("own", [
    "CREATE SEQUENCE app.s OWNED BY app.k.n;",
    "CREATE SEQUENCE app.s; ALTER SEQUENCE app.s OWNED BY app.k.n;"])
def test_a_sequence_owned_by_a_column_goes_with_it(own: str, drop: str) -> None:
    """A sequence attached to a column with OWNED BY is dropped with the column, its table or
    its schema (checked on the server: `CREATE SEQUENCE s` then succeeds, `nextval('s')`
    fails): creating it again is no duplicate."""
    sql = f"CREATE SCHEMA app; CREATE TABLE app.k (id int, n int);\n{own}\n"
    catalog = Catalog()
    for stmt in parse_sql(sql + drop).statements:
        apply_statement(catalog, stmt.tree, "m")
    assert "app.s" not in catalog.sequences
    report = lint_migrations([migration_from_text(
        f"{sql}{drop}\nCREATE SCHEMA IF NOT EXISTS app; CREATE SEQUENCE app.s;\n", "1_s.sql")],
        LintOptions())[0]
    assert "object-already-exists" not in [f.rule for s in report.statements
                                           for f in s.findings]


def test_a_sequence_owned_by_none_stays_when_its_column_goes() -> None:
    """OWNED BY NONE detaches the sequence: dropping the column keeps it (a CREATE SEQUENCE of
    its name is then refused)."""
    catalog = Catalog()
    for stmt in parse_sql("CREATE TABLE k (id int, n int); CREATE SEQUENCE s OWNED BY k.n;"
                          "ALTER SEQUENCE s OWNED BY NONE; DROP TABLE k;").statements:
        apply_statement(catalog, stmt.tree, "m")
    assert "public.s" in catalog.sequences


def test_enum_labels_keep_the_servers_order() -> None:
    """ADD VALUE ... BEFORE / AFTER puts the label where it says (pg_enum.enumsortorder:
    what enum_first / enum_last and comparisons read), and IF NOT EXISTS of a label there
    already adds none."""
    catalog = Catalog()
    for stmt in parse_sql("CREATE TYPE mood AS ENUM ('sad', 'ok');\n"
                          "ALTER TYPE mood ADD VALUE 'awful' BEFORE 'sad';\n"
                          "ALTER TYPE mood ADD VALUE 'meh' AFTER 'sad';\n"
                          "ALTER TYPE mood ADD VALUE 'great';\n"
                          "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'ok';").statements:
        apply_statement(catalog, stmt.tree, "m")
    assert catalog.enums["public.mood"] == ["awful", "sad", "meh", "ok", "great"]


#: Migrations with a statement PostgreSQL refuses, and what comes after it. Run one statement
#: at a time in autocommit, the refused one changes nothing and the others run.
_REFUSED_CASES = {
    "only add column with partitions":
        "CREATE TABLE b (id int, n int) PARTITION BY LIST (id);"
        "CREATE TABLE b1 PARTITION OF b FOR VALUES IN (1);"
        "ALTER TABLE ONLY b ADD COLUMN x int NOT NULL DEFAULT 0;",
    "only check with inheritance children":
        "CREATE TABLE b (id int, n int); CREATE TABLE c () INHERITS (b);"
        "ALTER TABLE ONLY b ADD CONSTRAINT b_n CHECK (n > 0);",
    "no inherit check on a partitioned table":
        "CREATE TABLE p (id int, n int) PARTITION BY LIST (id);"
        "ALTER TABLE p ADD CONSTRAINT p_n CHECK (n > 0) NO INHERIT;",
    "unique index without the partition key":
        "CREATE TABLE p (id int, n int) PARTITION BY LIST (id);"
        "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);"
        "CREATE UNIQUE INDEX p_n ON p (n); ALTER TABLE p ADD CONSTRAINT p_n_key UNIQUE (n);"
        "ALTER TABLE p ADD PRIMARY KEY (n);",
    "create table of a taken name":
        "CREATE TABLE t (id int PRIMARY KEY);"
        "CREATE TABLE t (other int NOT NULL, CONSTRAINT t_other CHECK (other > 0));",
    "type change without using":
        "CREATE TABLE t (a text, b int);"
        "ALTER TABLE t ALTER COLUMN a TYPE int, ALTER COLUMN b SET NOT NULL;",
    "foreign key to no key":
        "CREATE TABLE t (id int, n int); CREATE TABLE u (t_n int);"
        "ALTER TABLE u ADD CONSTRAINT u_t FOREIGN KEY (t_n) REFERENCES t (n);",
    "partitioned table with a no inherit check":
        "CREATE TABLE p (id int, n int CHECK (n > 0) NO INHERIT) PARTITION BY LIST (id);",
}


@pytest.mark.postgres
@pytest.mark.parametrize("case", sorted(_REFUSED_CASES))
def test_a_refused_statement_changes_nothing_in_the_replay(pg_db: str, case: str) -> None:
    """A statement the effect model knows PostgreSQL refuses is not replayed: the catalog
    the lint leaves is the schema the server has after running each statement alone, the
    refused one failing (in a transaction the whole migration would fail; the schema the
    statements after it are judged on is the one the refusal leaves)."""
    import psycopg

    sql = _REFUSED_CASES[case]
    refused = 0
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for stmt in parse_sql(sql).statements:
            try:
                conn.execute(stmt.sql)
            except psycopg.Error:
                refused += 1
    assert refused, "the case must hold a statement the server refuses"
    catalog = Catalog()
    lint_migrations([migration_from_text(sql, "0001_refused.sql")],
                    LintOptions(pg_version=18, pg_version_stated=True), catalog)
    assert _catalog_schema(catalog) == _server_schema(pg_db)


@pytest.mark.parametrize(("version", "added"), [(17, False), (18, True)])
def test_syntax_the_stated_version_lacks_is_not_replayed(version: int, added: bool) -> None:
    """A virtual generated column is PostgreSQL 18 syntax: a server of the version stated that
    lacks it refuses the statement (rule syntax-newer-than-pg-version), which then changes
    nothing in the catalog either."""
    catalog = Catalog()
    lint_migrations([migration_from_text("CREATE TABLE t (a int);", "0001_t.sql"),
                     migration_from_text("ALTER TABLE t ADD COLUMN d int GENERATED ALWAYS AS "
                                         "(a * 2) VIRTUAL;", "0002_d.sql")],
                    LintOptions(pg_version=version, pg_version_stated=True), catalog)
    assert ("d" in catalog.tables["public.t"].columns) is added


def test_alter_table_renames_a_sequence() -> None:
    # ALTER TABLE takes any relation's name, a sequence's too (checked on the server).
    catalog = replayed("CREATE SEQUENCE numbers;\nALTER TABLE numbers RENAME TO invoice_numbers;")
    assert "public.invoice_numbers" in catalog.sequences
    assert "public.numbers" not in catalog.sequences


#: Histories where the name PostgreSQL 18 would give a NOT NULL constraint is taken when it
#: is made: by a CHECK of the table (SET NOT NULL, ADD COLUMN ... NOT NULL, CREATE TABLE,
#: an unnamed ADD NOT NULL), or by a constraint of another table of the schema (a CHECK, a
#: foreign key a renamed table kept); the server numbers the name (`t_a_not_null1`,
#: `t_a_not_null2` past that one too), and it stays numbered once the CHECK is dropped.
_TAKEN_NOT_NULL_NAMES = {
    "set not null": "CREATE TABLE t (a int CONSTRAINT t_a_not_null CHECK (a > 0));"
                    "ALTER TABLE t ALTER COLUMN a SET NOT NULL;"
                    "ALTER TABLE t DROP CONSTRAINT t_a_not_null;",
    "numbered twice": "CREATE TABLE t (a int CONSTRAINT t_a_not_null CHECK (a > 0)"
                      " CONSTRAINT t_a_not_null1 CHECK (a < 9));"
                      "ALTER TABLE t ALTER COLUMN a SET NOT NULL;",
    "add column": "CREATE TABLE t (a int, CONSTRAINT t_b_not_null CHECK (a > 0));"
                  "ALTER TABLE t ADD COLUMN b int NOT NULL;",
    "create table": "CREATE TABLE t (a int NOT NULL CONSTRAINT t_a_not_null CHECK (a > 0),"
                    " b int NOT NULL);",
    "add not null": "CREATE TABLE t (a int CONSTRAINT t_a_not_null CHECK (a > 0));"
                    "ALTER TABLE t ADD NOT NULL a;",
    "another table's check": "CREATE TABLE u (x int CONSTRAINT t_a_not_null CHECK (x > 0));"
                             "CREATE TABLE t (a int NOT NULL);",
    "a renamed table's key": "CREATE TABLE t (id int PRIMARY KEY);"
                             "CREATE TABLE t2 (a int REFERENCES t);"
                             "ALTER TABLE t2 RENAME TO old_t2;"
                             "CREATE TABLE t2 (a int REFERENCES t);",
}



#: Histories after which PostgreSQL 18's NOT NULL constraints keep the names they were made
#: with: a table renamed, moved or a column renamed keeps them (and a name kept so is taken:
#: a new table of the old name numbers its own); a table made from another (LIKE, INHERITS,
#: PARTITION OF) takes its source's names as they are now, unless a constraint of its own
#: holds one (then one named after the new table); a NOT NULL renamed is renamed on the
#: children that have it. ADD PRIMARY KEY on a nullable column adds a NOT NULL named as SET
#: NOT NULL names one (numbered past a CHECK, another table's NOT NULL, another column's),
#: the partitions and children getting the parent's name unless NOT NULL already.
_KEPT_NOT_NULL_NAMES = {
    "table renamed": "CREATE TABLE t (a int NOT NULL, b int); ALTER TABLE t RENAME TO u;"
                     "ALTER TABLE u ALTER b SET NOT NULL;",
    "column renamed": "CREATE TABLE t (a int NOT NULL); ALTER TABLE t RENAME a TO b;"
                      "ALTER TABLE t ADD COLUMN a int NOT NULL;",
    "old name taken": "CREATE TABLE t (a int NOT NULL); ALTER TABLE t RENAME TO u;"
                      "CREATE TABLE t (a int NOT NULL, b int); ALTER TABLE t ADD NOT NULL b;"
                      "CREATE TABLE x (b int); ALTER TABLE x RENAME TO t_b;"
                      "ALTER TABLE t_b ALTER b SET NOT NULL;",
    "set schema": "CREATE SCHEMA s; CREATE TABLE s.t (a int NOT NULL);"
                  "ALTER TABLE s.t SET SCHEMA public; ALTER TABLE t RENAME TO u;",
    "serial and identity": "CREATE TABLE t (id serial, i int GENERATED ALWAYS AS IDENTITY);"
                           "ALTER TABLE t RENAME TO u; ALTER TABLE u RENAME id TO uid;"
                           "ALTER TABLE u ADD COLUMN id bigserial;"
                           "CREATE TABLE t (i int GENERATED BY DEFAULT AS IDENTITY);",
    "like": "CREATE TABLE t (a int NOT NULL, b int PRIMARY KEY); ALTER TABLE t RENAME TO s;"
            "CREATE TABLE u (c int NOT NULL, LIKE s);",
    "inherits": "CREATE TABLE t (a int NOT NULL); ALTER TABLE t RENAME TO p;"
                "CREATE TABLE c () INHERITS (p);"
                "CREATE TABLE d (CONSTRAINT t_a_not_null CHECK (a > 0)) INHERITS (p);",
    "partition of": "CREATE TABLE t (a int NOT NULL, k int) PARTITION BY LIST (k);"
                    "ALTER TABLE t RENAME TO p;"
                    "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);"
                    "CREATE TABLE p2 PARTITION OF p (CONSTRAINT t_a_not_null CHECK (a > 0))"
                    " FOR VALUES IN (2);",
    "renamed not null": "CREATE TABLE t (a int NOT NULL, k int) PARTITION BY LIST (k);"
                        "CREATE TABLE t1 PARTITION OF t FOR VALUES IN (1);"
                        "ALTER TABLE t RENAME CONSTRAINT t_a_not_null TO a_present;"
                        "CREATE TABLE i (a int NOT NULL); CREATE TABLE c () INHERITS (i);"
                        "ALTER TABLE i RENAME CONSTRAINT i_a_not_null TO i_a_present;",
    "primary key": "CREATE TABLE t (a int, b int); ALTER TABLE t ADD PRIMARY KEY (a, b);"
                   "ALTER TABLE t RENAME TO u;",
    "primary key, names taken": "CREATE TABLE t (a int CONSTRAINT t_a_not_null CHECK (a > 0),"
                                " b int, c int CONSTRAINT t_c_not_null NOT NULL);"
                                "CREATE TABLE x (b int CONSTRAINT t_b_not_null NOT NULL);"
                                "ALTER TABLE t ADD PRIMARY KEY (a, b);"
                                "CREATE TABLE v (c int); ALTER TABLE v RENAME TO t2;"
                                "CREATE TABLE t2_c_not_null ();"
                                "ALTER TABLE t2 ADD PRIMARY KEY (c);",
    "primary key after renames": "CREATE TABLE t (a int NOT NULL); ALTER TABLE t RENAME TO u;"
                                 "ALTER TABLE u RENAME a TO b; ALTER TABLE u ADD COLUMN a int;"
                                 "CREATE TABLE t (a int); ALTER TABLE t ADD PRIMARY KEY (a);"
                                 "ALTER TABLE u ADD PRIMARY KEY (a);",
    "primary key of a parent": "CREATE TABLE t (a int, k int) PARTITION BY LIST (k);"
                               "CREATE TABLE t1 PARTITION OF t FOR VALUES IN (1);"
                               "ALTER TABLE t1 ALTER a SET NOT NULL;"
                               "ALTER TABLE t ADD PRIMARY KEY (a, k);"
                               "CREATE TABLE i (a int); CREATE TABLE c () INHERITS (i);"
                               "CREATE TABLE d (a int CONSTRAINT own NOT NULL) INHERITS (i);"
                               "ALTER TABLE i ADD PRIMARY KEY (a);",
}


@pytest.mark.postgres
@pytest.mark.parametrize("history", [*_TAKEN_NOT_NULL_NAMES.values(),
                                     *_KEPT_NOT_NULL_NAMES.values()],
                         ids=[*_TAKEN_NOT_NULL_NAMES, *_KEPT_NOT_NULL_NAMES])
def test_constraint_names_are_numbered_and_kept_as_the_server_does(
        history: str, pg_db: str) -> None:
    """Checked on 18.6: PostgreSQL numbers a name it generates for a constraint
    (ChooseConstraintName) while a constraint of the schema, of any table, has it, and a NOT
    NULL constraint keeps its name through renames; the replay's names for the constraints
    (NOT NULL ones included) are the server's."""
    catalog = replayed(history)
    assert _not_null_names(catalog) | {(t.name, name) for t in catalog.tables.values()
                                       for name in t.constraints} == \
        _server_constraint_names(pg_db, history)


#: Histories of domains with NOT NULL constraints (named in pg_constraint on 18.6:
#: `domain_not_null`, numbered as ChooseConstraintName numbers, past every constraint name
#: of the schema, a table's or a domain's, of any kind; and a table's NOT NULL and a domain's
#: CHECK numbered past a domain's NOT NULL). CREATE DOMAIN names its constraints in the order
#: written; SET NOT NULL or ADD ... NOT NULL of a domain NOT NULL already adds nothing; DROP
#: CONSTRAINT of the NOT NULL by name drops it, as DROP NOT NULL does; a renamed domain keeps
#: its NOT NULL's name.
_DOMAIN_NOT_NULL_NAMES = {
    "create domain": "CREATE DOMAIN d AS int NOT NULL;"
                     "CREATE DOMAIN e AS int CONSTRAINT e_not_null CHECK (VALUE > 0) NOT NULL;"
                     "CREATE DOMAIN m AS int CHECK (VALUE > 0) CHECK (VALUE > 1) NOT NULL;"
                     "CREATE DOMAIN g AS int CONSTRAINT mine NOT NULL;",
    "a table's name taken": "CREATE TABLE a (b int NOT NULL); CREATE DOMAIN a_b AS int NOT NULL;",
    "a domain's name taken": "CREATE DOMAIN p_q AS int NOT NULL;"
                             "CREATE TABLE p (q int NOT NULL);"
                             "CREATE DOMAIN x AS int CONSTRAINT y_not_null NOT NULL;"
                             "CREATE DOMAIN y AS int; ALTER DOMAIN y SET NOT NULL;",
    "check past a not null": "CREATE DOMAIN j AS int NOT NULL;"
                             "ALTER DOMAIN j RENAME CONSTRAINT j_not_null TO j_check;"
                             "ALTER DOMAIN j ADD CHECK (VALUE > 0);",
    "set not null twice": "CREATE DOMAIN m5 AS int NOT NULL; ALTER DOMAIN m5 SET NOT NULL;"
                          "ALTER DOMAIN m5 DROP NOT NULL;"
                          "ALTER DOMAIN m5 ADD CONSTRAINT m5_not_null CHECK (VALUE > 0);"
                          "ALTER DOMAIN m5 SET NOT NULL;"
                          "ALTER DOMAIN m5 ADD CONSTRAINT nn NOT NULL;",
    "add constraint": "CREATE DOMAIN h AS int; ALTER DOMAIN h ADD CONSTRAINT hn NOT NULL;"
                      "ALTER DOMAIN h ADD NOT NULL; CREATE TABLE hn (a int);"
                      "CREATE DOMAIN k AS int; ALTER DOMAIN k ADD CONSTRAINT kn NOT NULL;"
                      "ALTER DOMAIN k DROP CONSTRAINT kn; ALTER DOMAIN k SET NOT NULL;",
    "renamed domain": "CREATE DOMAIN f AS int NOT NULL; ALTER DOMAIN f RENAME TO g;"
                      "CREATE DOMAIN f AS int NOT NULL;",
}


@pytest.mark.postgres
@pytest.mark.parametrize("history", _DOMAIN_NOT_NULL_NAMES.values(),
                         ids=list(_DOMAIN_NOT_NULL_NAMES))
def test_domain_not_null_constraints_are_named_as_the_server_names_them(
        history: str, pg_db: str) -> None:
    """Checked on 18.6: the names of the domains' NOT NULL and CHECK constraints, and of the
    tables' constraints beside them, are the server's."""
    import psycopg

    catalog = replayed(history)
    domains = {(name, check.name) for name, d in catalog.domains.items() for check in d.checks}
    domains |= {(name, d.not_null_name) for name, d in catalog.domains.items() if d.not_null}
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(history)
        server = set(conn.execute(
            "SELECT 'public.' || CASE WHEN contypid <> 0 THEN contypid::regtype::text "
            "ELSE conrelid::regclass::text END, conname FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace").fetchall())
    tables = _not_null_names(catalog) | {(t.name, name) for t in catalog.tables.values()
                                         for name in t.constraints}
    assert tables | domains == server


_DOMAINS_BY_VERSION = (
    "CREATE TABLE a (b int NOT NULL); CREATE DOMAIN a_b AS int NOT NULL;"
    "CREATE DOMAIN p_q AS int NOT NULL;"
    "CREATE DOMAIN p_q_x AS int CONSTRAINT p_q_not_null CHECK (VALUE > 0);"
    "CREATE DOMAIN e AS int CONSTRAINT e_not_null CHECK (VALUE > 0) NOT NULL;"
    "CREATE DOMAIN g AS int CONSTRAINT mine NOT NULL;"
    "CREATE DOMAIN y AS int; ALTER DOMAIN y SET NOT NULL;"
    "ALTER DOMAIN g ADD CONSTRAINT g_check CHECK (VALUE > 1); ALTER DOMAIN g ADD CHECK (VALUE > 2);"
    "CREATE DOMAIN q AS int CONSTRAINT r_not_null NOT NULL; CREATE DOMAIN r AS int NOT NULL;")
_CHECKS = {("public.p_q_x", "p_q_not_null"), ("public.e", "e_not_null"),
           ("public.g", "g_check"), ("public.g", "g_check1")}

#: The names of the domains' constraints after `_DOMAINS_BY_VERSION`, by the version stated.
#: 15 (checked by hand on 15.18): a domain's NOT NULL has no row in pg_constraint, so no
#: name (a name written for it is dropped). 17 (from its documentation of pg_constraint:
#: contype `n`, "not-null constraint (domains only)"): a domain's NOT NULL is named as on
#: 18, numbered past another domain's (`r_not_null1`), while a table's NOT NULL has no name
#: to number past (`a_b_not_null`, not `...1`). 18: the server's, below.
_DOMAIN_NAMES_BY_VERSION = [
    (15, _CHECKS),
    (16, _CHECKS),
    (17, _CHECKS | {("public.a_b", "a_b_not_null"), ("public.p_q", "p_q_not_null"),
                    ("public.e", "e_not_null1"), ("public.g", "mine"),
                    ("public.y", "y_not_null"), ("public.q", "r_not_null"),
                    ("public.r", "r_not_null1")}),
    (18, _CHECKS | {("public.a_b", "a_b_not_null1"), ("public.p_q", "p_q_not_null"),
                    ("public.e", "e_not_null1"), ("public.g", "mine"),
                    ("public.y", "y_not_null"), ("public.q", "r_not_null"),
                    ("public.r", "r_not_null1")}),
]


@pytest.mark.parametrize(("version", "names"), _DOMAIN_NAMES_BY_VERSION)
def test_domain_not_null_constraints_are_named_as_the_stated_version_names_them(
        version: int, names: set[tuple[str, str]]) -> None:
    catalog = Catalog()
    lint_migrations([migration_from_text(_DOMAINS_BY_VERSION, "0001_domains.sql")],
                    LintOptions(pg_version=version, pg_version_stated=True), catalog)
    assert {n for n, d in catalog.domains.items() if d.not_null} == \
        {"public.a_b", "public.p_q", "public.e", "public.g", "public.y", "public.q", "public.r"}
    assert {(n, c) for n, d in catalog.domains.items() for c in d.constraint_names()} == names


@pytest.mark.postgres
def test_domain_not_null_constraints_by_version_match_the_server(pg_db: str) -> None:
    """Checked on 18.6: the 18 names of `_DOMAIN_NAMES_BY_VERSION` are the server's."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(_DOMAINS_BY_VERSION)
        server = set(conn.execute(
            "SELECT 'public.' || contypid::regtype::text, conname FROM pg_constraint "
            "WHERE connamespace = 'public'::regnamespace AND contypid <> 0").fetchall())
    assert server == dict(_DOMAIN_NAMES_BY_VERSION)[18]
