"""CREATE TABLE ... (LIKE source [INCLUDING | EXCLUDING ...]) in the catalog replay.

What the copy has is asked of the embedded server for each case (its columns with their
NOT NULL, default, identity, generation and collation; its CHECK, key, unique and exclusion
constraints; its indexes; its extended statistics) and compared with what the replay says.
Then the cases the server cannot show: a source the catalog does not fully know.
"""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.effects.nodes import columns_read
from lockwise.parse.postgres import parse_sql

#: A source with something for every option: identity, defaults (one from a serial's
#: sequence), a stored generated column, a collation, a NOT VALID and a NOT ENFORCED CHECK, a
#: key, a unique constraint, an exclusion constraint, a foreign key, indexes (one on a renamed
#: column, expressions, a repeated column, a partial unique one) and statistics.
SOURCE = """
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE src (
    id bigint GENERATED ALWAYS AS IDENTITY,
    n serial,
    a int NOT NULL DEFAULT 5 CHECK (a > 0),
    b text COLLATE "C" UNIQUE,
    c int GENERATED ALWAYS AS (a * 2) STORED,
    d int REFERENCES p,
    e int, f int, g int, k int,
    CONSTRAINT src_ef_check CHECK (e < f),
    CONSTRAINT src_pk PRIMARY KEY (n),
    EXCLUDE USING btree (e WITH =, (g + 1) WITH =)
);
ALTER TABLE src ADD CONSTRAINT src_nv CHECK (e > 0) NOT VALID;
ALTER TABLE src ADD CONSTRAINT src_ne CHECK (f > 0) NOT ENFORCED;
CREATE INDEX src_old ON src (k);
ALTER TABLE src RENAME COLUMN k TO h;
CREATE INDEX ON src (lower(b));
CREATE INDEX ON src ((a + 1), (a + 2));
CREATE INDEX ON src (a, a);
CREATE UNIQUE INDEX src_partial ON src (e) WHERE e > 0;
CREATE STATISTICS src_st ON e, h FROM src;
CREATE STATISTICS ON a, (e + 1) FROM src;
CREATE STATISTICS ON a, (e + 1) FROM src;
"""

LIKES = {
    "plain": "CREATE TABLE l (LIKE src)",
    "all": "CREATE TABLE l (LIKE src INCLUDING ALL)",
    "all but indexes": "CREATE TABLE l (LIKE src INCLUDING ALL EXCLUDING INDEXES)",
    "all but constraints and statistics":
        "CREATE TABLE l (LIKE src INCLUDING ALL EXCLUDING CONSTRAINTS EXCLUDING STATISTICS)",
    "defaults": "CREATE TABLE l (LIKE src INCLUDING DEFAULTS)",
    "generated": "CREATE TABLE l (LIKE src INCLUDING GENERATED)",
    "identity": "CREATE TABLE l (LIKE src INCLUDING IDENTITY)",
    "constraints": "CREATE TABLE l (LIKE src INCLUDING CONSTRAINTS)",
    "indexes": "CREATE TABLE l (LIKE src INCLUDING INDEXES)",
    "statistics": "CREATE TABLE l (LIKE src INCLUDING STATISTICS)",
    "comments storage compression":
        "CREATE TABLE l (LIKE src INCLUDING COMMENTS INCLUDING STORAGE INCLUDING COMPRESSION)",
    # Columns where the LIKE stands; the table's own unnamed keys are named first.
    "among columns": "CREATE TABLE l (x int UNIQUE, LIKE src INCLUDING INDEXES, "
                     "y int, UNIQUE (b), CHECK (a < 10))",
    "two sources": "CREATE TABLE q (qid int PRIMARY KEY, CHECK (qid > 0));"
                   "CREATE TABLE l (LIKE q INCLUDING ALL, LIKE src INCLUDING CONSTRAINTS)",
    "names taken": "CREATE TABLE l_lower_idx (id int);"
                   "CREATE TABLE l (LIKE src INCLUDING INDEXES INCLUDING STATISTICS);"
                   "CREATE TABLE m (LIKE src INCLUDING STATISTICS)",
    # Not LIKE: unnamed exclusion constraints are named after their elements, as indexes.
    "exclusion names": "CREATE TABLE l (a int, b int, EXCLUDE USING btree (a WITH =, (b + 1) "
                       "WITH =), EXCLUDE USING btree (lower(b::text) WITH =))",
    # An exclusion constraint's copy is named after its index's columns (a function's name).
    "exclusion on an expression": "CREATE TABLE x (b text, EXCLUDE USING btree (lower(b) WITH =),"
                                  " EXCLUDE USING btree ((b) WITH =));"
                                  "CREATE TABLE l (LIKE x INCLUDING INDEXES)",
    "renamed after": "CREATE TABLE l (LIKE src INCLUDING ALL); ALTER TABLE l RENAME COLUMN g TO z;"
                     "CREATE TABLE m (LIKE l INCLUDING ALL)",
}


def replayed(sql: str) -> Catalog:
    catalog = Catalog()
    for stmt in parse_sql(sql).statements:
        apply_statement(catalog, stmt.tree, "0001")
    return catalog


def _catalog_view(catalog: Catalog, tables: set[str]) -> dict[str, set]:
    contype = {"primary": "p", "unique": "u", "foreign": "f", "check": "c", "exclude": "x"}
    return {
        "columns": {(t, c.name, c.type_name, c.not_null, c.default is not None, c.identity,
                     c.generated, c.collation or "")
                    for t in tables for c in catalog.tables[t].columns.values()},
        # A CHECK's columns are those its expression reads.
        "constraints": {(t, c.name, contype[c.kind],
                         tuple(sorted(columns_read(c.expr) if c.kind == "check" else
                                      set(c.columns) - {"(expression)"})),
                         c.validated, c.enforced) for t in tables
                        for c in catalog.tables[t].constraints.values()},
        "indexes": {(i.name, tuple(i.columns), i.unique, i.partial)
                    for t in tables for i in catalog.indexes_on(t)},
        "statistics": {s for s, t in catalog.statistics.items() if t in tables},
    }


def _server_view(uri: str, tables: set[str]) -> dict[str, set]:
    import psycopg

    names = [t.split(".", 1)[1] for t in tables]
    with psycopg.connect(uri, autocommit=True) as conn:
        columns = conn.execute(
            "SELECT 'public.' || c.relname, a.attname, ty.typname, a.attnotnull, "
            "a.atthasdef AND a.attgenerated = '', a.attidentity <> '', a.attgenerated <> '', "
            "CASE WHEN a.attcollation <> ty.typcollation THEN co.collname ELSE '' END "
            "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
            "JOIN pg_type ty ON ty.oid = a.atttypid "
            "LEFT JOIN pg_collation co ON co.oid = a.attcollation "
            "WHERE c.relname = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped",
            [names]).fetchall()
        constraints = conn.execute(
            "SELECT 'public.' || c.relname, k.conname, k.contype, "
            "ARRAY(SELECT attname FROM pg_attribute WHERE attrelid = c.oid "
            "AND attnum = ANY(k.conkey) ORDER BY attname), k.convalidated, k.conenforced "
            "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
            "WHERE c.relname = ANY(%s) AND k.contype <> 'n'", [names]).fetchall()
        indexes = conn.execute(
            "SELECT 'public.' || ic.relname, ARRAY(SELECT coalesce(a.attname, '(expression)') "
            "FROM unnest(i.indkey[:i.indnkeyatts - 1]) WITH ORDINALITY k(n, o) "
            "LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.n AND k.n > 0 "
            "ORDER BY o), i.indisunique, i.indpred IS NOT NULL "
            "FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid "
            "JOIN pg_class ic ON ic.oid = i.indexrelid WHERE c.relname = ANY(%s)",
            [names]).fetchall()
        statistics = conn.execute(
            "SELECT 'public.' || s.stxname FROM pg_statistic_ext s JOIN pg_class c "
            "ON c.oid = s.stxrelid WHERE c.relname = ANY(%s)", [names]).fetchall()
    return {
        "columns": {(*r[:2], r[2][1:] if r[2].startswith("_") else r[2], *r[3:])
                    for r in columns},
        "constraints": {(r[0], r[1], r[2], tuple(r[3]), r[4], r[5]) for r in constraints},
        "indexes": {(r[0], tuple(r[1]), r[2], r[3]) for r in indexes},
        "statistics": {r[0] for r in statistics},
    }


@pytest.mark.postgres
@pytest.mark.parametrize("case", sorted(LIKES))
def test_like_copies_what_the_server_copies(pg_db: str, case: str) -> None:
    import psycopg

    sql = SOURCE + LIKES[case] + ";"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for stmt in parse_sql(sql).statements:
            conn.execute(stmt.sql)
    catalog = replayed(sql)
    copies = {t for t in catalog.tables if t not in ("public.p", "public.q", "public.src")}
    assert _catalog_view(catalog, copies) == _server_view(pg_db, copies)


# --- sources the catalog does not fully know -------------------------------------------------

def test_a_copy_of_a_fully_known_table_is_fully_known() -> None:
    catalog = replayed(SOURCE + "CREATE TABLE l (LIKE src INCLUDING ALL);")
    assert catalog.fully_known("public.l") is catalog.tables["public.l"]
    assert catalog.tables["public.l"].created_by == "0001"


@pytest.mark.parametrize("setup", [
    "",  # created outside these migrations
    "ALTER TABLE src ADD COLUMN a int;",  # seen only through an ALTER TABLE
    "CREATE TABLE src AS SELECT lower('x') AS a;",  # a column the replay cannot type
    "CREATE VIEW src AS SELECT 1 AS a;",
    "CREATE TABLE root (a int) PARTITION BY LIST (a);"
    "CREATE TABLE src PARTITION OF root FOR VALUES IN (1);",  # keys come from its parent
    "CREATE TABLE src (a int) INHERITS (unknown_parent);",
])
def test_a_copy_of_a_table_not_fully_known_is_not_either(setup: str) -> None:
    catalog = replayed(setup + "CREATE TABLE l (id int PRIMARY KEY, LIKE src INCLUDING ALL);")
    copy = catalog.tables["public.l"]
    assert copy.created_by is None  # as if made outside: only what was seen
    assert catalog.fully_known("public.l") is None
    assert "id" in copy.columns and catalog.sure_of("public.l")


def test_a_copy_of_a_table_a_do_block_may_have_changed_is_a_guess() -> None:
    catalog = replayed("CREATE TABLE src (a int, b int); CREATE TABLE other (a int);"
                       "DO LANGUAGE plperl $$ spi_exec_query('ALTER TABLE src DROP COLUMN b') $$;"
                       "CREATE TABLE l (LIKE src); CREATE TABLE m (LIKE other);")
    assert catalog.unsure == {"public.src", "public.l"}
    assert catalog.known_column("public.l", "b") is None


def test_a_copy_of_an_unsure_table_made_again_without_like_is_known_again() -> None:
    catalog = replayed("CREATE TABLE l (LIKE nowhere); DROP TABLE l; CREATE TABLE l (a int);")
    assert catalog.fully_known("public.l") is not None


def test_foreign_keys_are_never_copied() -> None:
    catalog = replayed(SOURCE + "CREATE TABLE l (LIKE src INCLUDING ALL);")
    assert not [c for c in catalog.tables["public.l"].constraints.values()
                if c.kind == "foreign"]
    assert "public.l" not in (catalog.fk_sources or {}).get("public.p", set())


def test_the_copied_default_draws_from_the_source_sequence() -> None:
    catalog = replayed(SOURCE + "CREATE TABLE l (LIKE src INCLUDING DEFAULTS);")
    assert catalog.tables["public.l"].columns["n"].default_sequence == "public.src_n_seq"
    assert ("public.l", "n") in catalog.columns_drawing_from("public.src_n_seq")
