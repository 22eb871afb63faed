"""The names of a view's columns, as the catalog replay works them out, checked against the
server's `pg_attribute`; and CREATE OR REPLACE VIEW refused when it renames, reorders or drops
one (rule replace-view-changes-columns), as the server refuses it."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.effects.context import Context
from lockwise.effects.postgres import compute_effect
from lockwise.parse.postgres import parse_sql
from server_helpers import server_message

TABLES = ("CREATE TABLE t (a int, c text, d text);"
          "CREATE TABLE u (id int, a int);"
          "ALTER TABLE u RENAME COLUMN id TO uid;"
          "CREATE VIEW tv AS SELECT a AS x, lower(c) FROM t;")


def _replayed(sql: str) -> Catalog:
    catalog = Catalog()
    for stmt in parse_sql(sql).statements:
        apply_statement(catalog, stmt.tree, "0001")
    return catalog


def _server(uri: str):
    import psycopg

    return psycopg.connect(uri, autocommit=True)


@pytest.mark.postgres
@pytest.mark.parametrize("query", [
    "SELECT a + 1 FROM t",  # ?column? (twice is refused: "specified more than once")
    "SELECT 'x', a IS NULL AS n FROM t",
    "SELECT true",
    "SELECT a, t.c, pg_catalog.lower(c), max(a) OVER () FROM t",
    "SELECT count(*) FROM t",
    "SELECT a::text, 1::int, 'x'::text, 1::text::bigint, CAST(c AS varchar(5)),"
    " interval '1 day' FROM t",
    "SELECT CASE WHEN a > 0 THEN 1 END, coalesce(a, 0), nullif(a, 1), greatest(a, 1),"
    " least(a, 2), ARRAY[a], EXISTS (SELECT 1) FROM t",
    "SELECT ARRAY(SELECT 1), -a FROM t",
    "SELECT c COLLATE \"C\", current_date, current_time(2), localtimestamp, current_user,"
    " session_user FROM t",
    "SELECT * FROM t",
    "SELECT t.*, u.uid FROM t JOIN u ON u.a = t.a",
    "SELECT * FROM u, tv",
    "SELECT x FROM (SELECT 1 AS x) s",
    "SELECT * FROM (SELECT 1 AS x) s",  # a subquery's columns: typed, so named too
    "SELECT a[1] FROM (SELECT ARRAY[1] AS a) s",
    "SELECT 1 AS q UNION SELECT a FROM t",
    "VALUES (1, 'a'), (2, 'b')",
])
def test_view_column_names_match_the_server(pg_db: str, query: str) -> None:
    catalog = _replayed(TABLES + f"CREATE VIEW v AS {query};")
    names = catalog.tables["public.v"].column_names
    assert names is not None
    with _server(pg_db) as conn:
        conn.execute(TABLES + f"CREATE VIEW v AS {query}")
        server = tuple(r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'v'::regclass AND attnum > 0"
            " ORDER BY attnum"))
    assert names == server


@pytest.mark.parametrize("query", [
    "SELECT * FROM elsewhere",  # a table the migrations never created
    "SELECT (SELECT 1) FROM t",  # a scalar subquery: not followed
    "SELECT * FROM (SELECT 1 + 1 AS x) s",  # a subquery whose column is not typed
    "SELECT * FROM t JOIN u USING (a)",  # USING merges a column
    "SELECT (t).* FROM t",
    "SELECT 1 AS a, 2 AS a",  # the server refuses a name twice
    "SELECT 1, 2",  # ?column? twice
])
def test_view_column_names_unknown_are_none(query: str) -> None:
    catalog = _replayed(TABLES + f"CREATE VIEW v AS {query};")
    assert catalog.tables["public.v"].column_names is None


def test_view_column_names_follow_aliases_and_renames() -> None:
    catalog = _replayed(TABLES + "CREATE VIEW v (p, q) AS SELECT a, c, d FROM t;"
                        "ALTER VIEW v RENAME COLUMN q TO r;")
    assert catalog.tables["public.v"].column_names == ("p", "r", "d")


def test_star_follows_a_renamed_column_in_its_place() -> None:
    catalog = _replayed("CREATE TABLE t (a int, b int, c int);"
                        "ALTER TABLE t RENAME COLUMN a TO z; CREATE VIEW v AS SELECT * FROM t;")
    assert catalog.tables["public.v"].column_names == ("z", "b", "c")
    assert list(catalog.tables["public.v"].columns) == ["z", "b", "c"]


REPLACES = [
    ("SELECT a AS b, c FROM t", 'cannot change name of view column "a" to "b"'),
    ("SELECT c, a FROM t", 'cannot change name of view column "a" to "c"'),
    ("SELECT a FROM t", "cannot drop columns from view"),
    ("SELECT a, lower(c) FROM t", 'cannot change name of view column "c" to "lower"'),
    ("SELECT a, c, d FROM t", None),  # a column added at the end
    ("SELECT a + 1 AS a, c FROM t", None),  # the same names, another expression
    ("SELECT * FROM t", None),  # a, c, d
    ("SELECT a::bigint AS a, c FROM t",
     'cannot change data type of view column "a" from integer to bigint'),
    ("SELECT a, c::varchar(5) AS c FROM t",
     'cannot change data type of view column "c" from text to character varying(5)'),
    ("SELECT a::integer AS a, c::timestamptz(3) AS c FROM t",
     'cannot change data type of view column "c" from text to timestamp(3) with time zone'),
    ("SELECT ARRAY[a]::smallint[] AS a, c FROM t",
     'cannot change data type of view column "a" from integer to smallint[]'),
    ("SELECT a::boolean AS a, c FROM t",
     'cannot change data type of view column "a" from integer to boolean'),
    ("SELECT a::integer AS a, c::text AS c, d::varchar(5) FROM t", None),
    ("SELECT a, 'x'::text AS c FROM t", None),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("query", "error"), REPLACES)
def test_replace_view_refused_as_the_server_refuses(pg_db: str, query: str,
                                                    error: str | None) -> None:
    import psycopg

    setup = "CREATE TABLE t (a int, c text, d text); CREATE VIEW v AS SELECT a, c FROM t;"
    sql = f"CREATE OR REPLACE VIEW v AS {query}"
    (stmt,) = parse_sql(sql).statements
    facts = compute_effect(stmt.tree, Context(catalog=_replayed(setup), pg_version=18))
    refused = [a for a in facts.actions if a.facts.get("view_columns_refused")]
    refusal = server_message(pg_db, setup, sql, (psycopg.errors.InvalidTableDefinition,))
    assert refusal == (error or "")
    assert bool(refused) == (error is not None)
    if error and "data type" in error:  # the types as the server names them
        assert error.split(" from ", 1)[1] in refused[0].facts["view_column_change"]


@pytest.mark.postgres
@pytest.mark.parametrize("setup", [
    "CREATE TABLE p (a int, b int); CREATE TABLE c (x int, b int) INHERITS (p);"
    " ALTER TABLE p ADD COLUMN z int;",
    "CREATE TABLE p (a int, b int); CREATE TABLE c (LIKE p, x int);",
    "CREATE TYPE ct AS (q int, r text); CREATE TABLE c OF ct;",
    "CREATE TABLE c (a int, b int); ALTER TABLE c DROP COLUMN a, ADD COLUMN a int;",
])
def test_star_expands_in_the_servers_order(pg_db: str, setup: str) -> None:
    sql = setup + "CREATE VIEW v AS SELECT * FROM c;"
    names = _replayed(sql).tables["public.v"].column_names
    assert names is not None
    with _server(pg_db) as conn:
        conn.execute(sql)
        server = tuple(r[0] for r in conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'v'::regclass AND attnum > 0"
            " ORDER BY attnum"))
    assert names == server


@pytest.mark.postgres
def test_the_instead_runs_on_the_server(pg_db: str) -> None:
    """Each bad example of replace-view-changes-columns is refused by the server, and what the
    finding suggests (DROP VIEW, CREATE VIEW with the statement's query and column list, in
    one transaction; the views over it named) runs where it was refused."""
    import psycopg

    from test_instead_quoting import statements_text
    from test_rule_examples import RULES, findings_for

    (rule,) = [r for r in RULES if r.id == "replace-view-changes-columns"]
    bad = [e for e in rule.examples if e.bad]
    assert bad
    for number, example in enumerate(bad):
        (finding,) = [f for f in findings_for(example, rule) if f.rule == rule.id]
        with _server(pg_db) as conn:
            conn.execute(f"CREATE SCHEMA s{number}; SET search_path = s{number}")
            conn.execute(example.setup)
            with pytest.raises(psycopg.errors.InvalidTableDefinition):
                conn.execute(example.sql)
            sql = statements_text(finding.instead)
            if "Over it" in finding.instead:  # the views over it go first
                conn.execute("DROP VIEW user_emails")
            conn.execute(sql)


#: Columns of types whose pg_type name is not the SQL name format_type() prints.
_TYPED = """CREATE TYPE "Mood" AS ENUM ('a'); CREATE SCHEMA app; CREATE DOMAIN app.pos AS int;
CREATE TABLE typed (a int2, b int4, c int8, d float4, e float8, f bool, g varchar,
    h varchar(20), j char(3), k "char", l timestamptz, m timestamp(3), n timestamptz(2),
    o time, p timetz(1), q varbit, r varbit(5), s bit(3), u numeric, v numeric(10,2),
    w interval, x interval hour to minute, y interval(3), z text[], aa int4[],
    ab varchar(5)[], ac "Mood", ad app.pos, ae jsonb, ag bit, ah character, ai decimal(5),
    aj float(10), ak timestamp[], am "Mood"[], an interval day to second(2), ao serial,
    ap bpchar, aq double precision[], ar time(0) with time zone)"""


@pytest.mark.postgres
def test_types_are_shown_as_the_server_shows_them(pg_db: str) -> None:
    """`format_type`: a replayed column's type as PostgreSQL's format_type() prints it (the
    SQL names users write: integer, character varying(20), timestamp(3) with time zone)."""
    from lockwise.effects.nodes import format_type

    with _server(pg_db) as conn:
        conn.execute(_TYPED)
        shown = dict(conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'typed'::regclass AND attnum > 0 AND NOT attisdropped").fetchall())
    columns = _replayed(_TYPED).tables["public.typed"].columns
    assert {name: format_type(c.type_name, c.typmods, c.array)
            for name, c in columns.items()} == shown
