"""The types of VALUES and ARRAY[...] result columns, as the server gives them (checked on
18.6): a VALUES column takes its rows' common type (select_common_type: the first row's
type, switched to a later one of its category that it casts to implicitly and not back,
an untyped string or NULL taking the others', text when all are so), its typmod when all
rows agree on type and typmod; ARRAY[...] is an array of its elements' common type. A
table made from such a query, and a view over it, has those columns, which later
statements read: ALTER COLUMN TYPE, a call's overload, a SQL function's result check."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects.nodes import format_type
from lockwise.effects.refused import statement_refusal
from lockwise.lint import LintOptions, lint_migrations

#: (query, the types of its columns as format_type() prints them: 18.6; None where lockwise
#: cannot tell, or the server refuses the query)
QUERIES = [
    ("VALUES (1, 'a')", ["integer", "text"]),
    ("VALUES (1), (2.5)", ["numeric"]),
    ("VALUES (NULL), (1)", ["integer"]),
    ("VALUES (NULL), (NULL)", ["text"]),
    ("VALUES ('a'), ('b'::varchar(3))", ["character varying"]),
    ("VALUES ('a'::varchar(3)), ('b'::varchar(3))", ["character varying(3)"]),
    ("VALUES ('a'::varchar(3)), ('b'::varchar(4))", ["character varying"]),
    ("VALUES (1::int8), (2)", ["bigint"]),
    ("VALUES (1), (2::float4)", ["real"]),
    ("VALUES (1.5), (2::float4)", ["real"]),
    ("VALUES ('a'::varchar), ('b'::text)", ["character varying"]),  # casts both ways
    ("VALUES ('a'::bpchar), ('b'::varchar)", ["bpchar"]),
    ("VALUES (2.5), (1::int8)", ["numeric"]),
    ("VALUES (1.5::numeric(4,1)), (2.5::numeric(4,1))", ["numeric(4,1)"]),
    ("VALUES (1), (3000000000)", ["bigint"]),
    ("VALUES ('2020-01-01'::date), (NULL)", ["date"]),
    ("VALUES (ARRAY[1]), (ARRAY[2.5])", ["numeric[]"]),
    ("VALUES (ARRAY[1]), (NULL)", ["integer[]"]),
    ("VALUES (1, 'a'), (2)", None),  # "VALUES lists must all be the same length"
    ("VALUES (1), (true)", None),  # "VALUES types integer and boolean cannot be matched"
    ("VALUES ('2020-01-01'::date), (now())", None),  # casts lockwise does not know
    ("SELECT ARRAY[1, 2] AS a", ["integer[]"]),
    ("SELECT ARRAY[1, 2]", ["integer[]"]),
    ("SELECT ARRAY['a', 'b'] AS a", ["text[]"]),
    ("SELECT ARRAY[1, 2.5] AS a", ["numeric[]"]),
    ("SELECT ARRAY[NULL, 1] AS a", ["integer[]"]),
    ("SELECT ARRAY[NULL] AS a", ["text[]"]),
    ("SELECT ARRAY[1, '2'] AS a", ["integer[]"]),
    ("SELECT ARRAY[true] AS a", ["boolean[]"]),
    ("SELECT ARRAY[1::int8, 2] AS a", ["bigint[]"]),
    ("SELECT ARRAY['a'::varchar(3)] AS a", ["character varying(3)[]"]),
    ("SELECT ARRAY['a'::varchar(3), 'b'] AS a", ["character varying[]"]),
    ("SELECT ARRAY[ARRAY[1], ARRAY[2]] AS a", ["integer[]"]),
    ("SELECT ARRAY[]::int[] AS a", ["integer[]"]),
    ("SELECT 1 AS i, ARRAY[1, 2.5] AS a", ["integer", "numeric[]"]),
    # an untyped string that is no input of the common type: "invalid input syntax for
    # type integer: "x"" (a number's input has a digit, or spells NaN or infinity; a
    # boolean's is one of boolin's spellings)
    ("VALUES (1), ('x')", None),
    ("VALUES (1), ('')", None),
    ("VALUES (2.5), ('{1}')", None),
    ("VALUES (true), ('maybe')", None),
    ("VALUES (true), ('o')", None),  # (not unique enough)
    ("SELECT ARRAY[1, 'x'] AS a", None),
    ("VALUES (2.5), ('NaN')", ["numeric"]),
    ("VALUES (1.5::float8), (' -Infinity ')", ["double precision"]),
    ("VALUES (true), (' Off ')", ["boolean"]),
    ("VALUES (true), ('y')", ["boolean"]),
    ("VALUES (true), ('OF')", ["boolean"]),
    ("VALUES (1), ('0x1F')", ["integer"]),
    # an integer constant of more digits than Python's int() reads from a string
    ("SELECT " + "9" * 5000 + " AS n", ["numeric"]),
    ("VALUES (1), (" + "9" * 5000 + ")", ["numeric"]),
]


def _catalog(sql: str) -> Catalog:
    catalog = Catalog()
    lint_migrations([migration_from_text(sql, "0001_m.sql")], LintOptions(), catalog)
    return catalog


def _types(catalog: Catalog, name: str) -> list[str] | None:
    table = catalog.tables.get(name)
    if table is None or not table.columns:
        return None
    return [format_type(c.type_name, c.typmods, c.array) for c in table.columns.values()]


@pytest.mark.parametrize(("query", "types"), QUERIES)
def test_a_table_made_from_values_or_an_array_has_the_servers_types(
        query: str, types: list[str] | None) -> None:
    assert _types(_catalog(f"CREATE TABLE t AS {query};\n"), "public.t") == types


@pytest.mark.parametrize(("query", "types"), QUERIES)
def test_a_view_over_values_or_an_array_has_the_servers_types(
        query: str, types: list[str] | None) -> None:
    assert _types(_catalog(f"CREATE VIEW v AS {query};\n"), "public.v") == types


@pytest.mark.postgres
def test_the_server_types_each_query_so(pg_db: str) -> None:
    from server_helpers import made_columns

    seen = [[type_ for _, type_ in columns] if columns is not None else None
            for columns in made_columns(pg_db, [query for query, _ in QUERIES])]
    # (lockwise leaves the mixed date and timestamptz alone; the server takes timestamptz)
    expected = [types for _, types in QUERIES]
    expected[[q for q, _ in QUERIES].index("VALUES ('2020-01-01'::date), (now())")] = \
        ["timestamp with time zone"]
    assert seen == expected


# What later statements read of such a column.

def _last(sql: str):
    report = lint_migrations([migration_from_text(sql, "0001_m.sql")], LintOptions())[0]
    return report.statements[-1]


#: An ALTER COLUMN TYPE from an array to a scalar needs USING: refused (18.6: "column "a"
#: cannot be cast automatically to type integer").
RETYPE = "CREATE TABLE t AS SELECT ARRAY[1, 2] AS a;\nALTER TABLE t ALTER COLUMN a TYPE int;\n"
#: A call of o(column1), column1 numeric: o(float8) runs, not o(int4) (numeric casts to
#: float8 implicitly, not to int4), and it locks o1.
CALL = ("CREATE TABLE t AS VALUES (1), (2.5);\n"
        "CREATE TABLE o0 (id int);\nCREATE TABLE o1 (id int);\n"
        "CREATE FUNCTION o(int4) RETURNS int LANGUAGE sql AS $$ LOCK TABLE o0; SELECT 0; $$;\n"
        "CREATE FUNCTION o(float8) RETURNS int LANGUAGE sql AS $$ LOCK TABLE o1; SELECT 1; $$;\n"
        "SELECT o(column1) FROM t;\n")
#: A SQL function declared to return integer whose result is an int4[] column: "return type
#: mismatch in function declared to return integer".
BODY = ("CREATE TABLE r AS VALUES (ARRAY[1]), (NULL);\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT column1 FROM r';\n")


def test_an_array_column_retyped_to_a_scalar_needs_using() -> None:
    assert statement_refusal(_last(RETYPE).effect) == "needs_using"


def test_a_call_of_a_values_column_runs_the_overload_of_its_common_type() -> None:
    locks = _last(CALL).effect.locks
    assert "public.o1" in locks and "public.o0" not in locks


def test_a_function_returning_an_array_column_as_an_integer_is_refused() -> None:
    assert statement_refusal(_last(BODY).effect) == "refused_function_body"


@pytest.mark.postgres
def test_the_server_reads_those_columns_so(pg_db: str) -> None:
    import psycopg

    from server_helpers import server_error, server_message

    *setup, retype = RETYPE.strip().split(";\n")
    assert server_message(pg_db, setup, retype) == \
        'column "a" cannot be cast automatically to type integer'
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("DROP TABLE t")
        conn.execute(CALL.rsplit("SELECT", 1)[0])
        assert conn.execute("SELECT o(column1) FROM t").fetchall() == [(1,), (1,)]
    *setup, create = BODY.strip().split(";\n")
    error = server_error(pg_db, setup, create)
    assert error is not None and error.diag.message_primary == \
        "return type mismatch in function declared to return integer"
