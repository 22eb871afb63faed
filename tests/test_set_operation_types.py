"""The types of UNION / INTERSECT / EXCEPT result columns and of `(VALUES ...) v` FROM items,
as the server gives them (checked on 18.6). A set operation's column takes both sides' common
type (select_common_type, as VALUES rows do: `SELECT 1 UNION SELECT 2.5` numeric, `SELECT NULL
UNION SELECT 1` integer), its typmod when both agree on type and typmod; an untyped string
or NULL of a plain SELECT arm is resolved so too, but one under DISTINCT, GROUP BY or ORDER BY
in its arm is text already, and a VALUES arm's is text. A `(VALUES ...) v` or `v(a, b)` FROM
item has the VALUES columns, renamed by its alias's names. A table made from such a query has
those columns, which later statements read: ALTER COLUMN TYPE, a call's overload, a SQL
function's result check."""

from __future__ import annotations

import pytest

from effect_helpers import columns_made
from lockwise.discover import migration_from_text
from lockwise.effects.refused import statement_refusal
from lockwise.lint import LintOptions, lint_migrations

#: (query, the names and types of its columns as format_type() prints them: 18.6; None where
#: lockwise cannot tell, or the server refuses the query)
QUERIES = [
    ("SELECT 1 UNION SELECT 2.5", [("?column?", "numeric")]),
    ("SELECT 'a' UNION SELECT 'b'", [("?column?", "text")]),
    ("SELECT NULL UNION SELECT 1", [("?column?", "integer")]),
    ("SELECT NULL UNION SELECT NULL", [("?column?", "text")]),
    ("SELECT '1' UNION SELECT 2", [("?column?", "integer")]),
    ("SELECT 'a'::varchar(10) UNION SELECT 'b'::varchar(20)", [("varchar", "character varying")]),
    ("SELECT 'a'::varchar(10) UNION SELECT 'b'::varchar(10)",
     [("varchar", "character varying(10)")]),
    ("SELECT 'a'::varchar(10) UNION SELECT 'b'", [("varchar", "character varying")]),
    ("SELECT 1::int8 INTERSECT SELECT 2", [("int8", "bigint")]),
    ("SELECT 2.5 EXCEPT SELECT 1::float4", [("?column?", "real")]),
    ("SELECT ARRAY[1] UNION SELECT ARRAY[2.5]", [("array", "numeric[]")]),
    ("SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2.5, NULL", [("a", "numeric"), ("b", "text")]),
    ("SELECT NULL UNION SELECT 1 UNION SELECT 2.5", [("?column?", "numeric")]),
    ("(SELECT '1' LIMIT 1) UNION SELECT 1", [("?column?", "integer")]),
    ("SELECT 1 UNION SELECT true", None),  # "UNION types integer and boolean cannot be matched"
    ("SELECT 'a' UNION SELECT 'b' UNION SELECT 1", None),  # text and integer
    ("SELECT DISTINCT '1' UNION SELECT 1", None),  # text and integer: DISTINCT resolved it
    ("(SELECT '1' ORDER BY 1) UNION SELECT 1", None),
    ("SELECT '1' GROUP BY 1 UNION SELECT 1", None),
    ("VALUES ('1') UNION SELECT 1", None),
    ("SELECT 1 UNION VALUES (NULL)", None),
    ("SELECT 1 UNION SELECT 2, 3", None),  # "each UNION query must have the same number ..."
    ("SELECT 1 UNION SELECT 'x'", None),  # "invalid input syntax for type integer: "x""
    ("SELECT 'x' UNION SELECT true", None),
    ("SELECT 'on' UNION SELECT true", [("?column?", "boolean")]),
    ("SELECT * FROM (VALUES (1, 'a'), (2.5, NULL)) v", [("column1", "numeric"),
                                                        ("column2", "text")]),
    ("SELECT * FROM (VALUES (1, 'a')) v(x, y)", [("x", "integer"), ("y", "text")]),
    ("SELECT * FROM (VALUES (1, 'a')) v(x)", [("x", "integer"), ("column2", "text")]),
    ("SELECT x FROM (VALUES (1, 'a')) v(x, y)", [("x", "integer")]),
    ("SELECT v.column2 FROM (VALUES (1, 'a')) v", [("column2", "text")]),
    ("SELECT column1 FROM (VALUES (1::varchar(3))) v", [("column1", "character varying(3)")]),
    ("SELECT w.* FROM (VALUES (1)) v, (VALUES (true)) w", [("column1", "boolean")]),
    ("SELECT * FROM (VALUES (1, 'a')) v(x, y, z)", None),  # "has 2 columns available but 3"
    ("SELECT * FROM (VALUES (1, 'a')) v(x, x)", None),  # "column "x" specified more than once"
    ("SELECT * FROM (VALUES (1), (2.5)) AS v, (VALUES ('b')) w", None),  # column1 twice
    ("SELECT * FROM (VALUES (1)) v(x) JOIN (VALUES (2)) w(x) USING (x)", None),  # not followed
]


@pytest.mark.parametrize(("query", "columns"), QUERIES)
def test_a_table_made_from_a_set_operation_or_values_item_has_the_servers_types(
        query: str, columns: list[tuple[str, str]] | None) -> None:
    assert columns_made(f"CREATE TABLE t AS {query};\n", "public.t") == columns


@pytest.mark.parametrize(("query", "columns"), QUERIES)
def test_a_view_over_a_set_operation_or_values_item_has_the_servers_types(
        query: str, columns: list[tuple[str, str]] | None) -> None:
    assert columns_made(f"CREATE VIEW v AS {query};\n", "public.v") == columns


@pytest.mark.postgres
def test_the_server_types_each_query_so(pg_db: str) -> None:
    from server_helpers import made_columns

    seen = made_columns(pg_db, [query for query, _ in QUERIES])
    expected = [columns for _, columns in QUERIES]
    # (lockwise does not follow a join USING; the server merges x into one integer column)
    expected[-1] = [("x", "integer")]
    assert seen == expected


# What later statements read of such a column.

def _last(sql: str):
    report = lint_migrations([migration_from_text(sql, "0001_m.sql")], LintOptions())[0]
    return report.statements[-1]


#: ALTER COLUMN TYPE needing USING (18.6: "column "a" cannot be cast automatically to type
#: boolean" / "... integer"): an integer column made by a UNION, a text one by a VALUES item.
RETYPES = [
    "CREATE TABLE t AS SELECT NULL AS a UNION SELECT 1;\nALTER TABLE t ALTER COLUMN a TYPE bool;\n",
    "CREATE TABLE t AS SELECT * FROM (VALUES ('x', 1)) v(a, b);\n"
    "ALTER TABLE t ALTER COLUMN a TYPE int;\n",
]
_OVERLOADS = (
    "CREATE TABLE o0 (id int);\nCREATE TABLE o1 (id int);\n"
    "CREATE FUNCTION o(int4) RETURNS int LANGUAGE sql AS $$ LOCK TABLE o0; SELECT 0; $$;\n"
    "CREATE FUNCTION o(float8) RETURNS int LANGUAGE sql AS $$ LOCK TABLE o1; SELECT 1; $$;\n")
#: A call of o(x), x numeric: o(float8) runs, not o(int4), and it locks o1.
CALLS = [
    "CREATE TABLE t AS SELECT 1 AS x UNION SELECT 2.5;\n" + _OVERLOADS + "SELECT o(x) FROM t;\n",
    _OVERLOADS + "SELECT o(x) FROM (VALUES (1), (2.5)) v(x);\n",
]
#: A SQL function declared to return integer whose result is boolean: "return type mismatch in
#: function declared to return integer".
BODIES = [
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT true UNION SELECT NULL';\n",
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT x FROM (VALUES (true)) v(x)';\n",
]


@pytest.mark.parametrize("sql", RETYPES)
def test_a_column_retyped_to_another_category_needs_using(sql: str) -> None:
    assert statement_refusal(_last(sql).effect) == "needs_using"


@pytest.mark.parametrize("sql", CALLS)
def test_a_call_of_such_a_column_runs_the_overload_of_its_common_type(sql: str) -> None:
    locks = _last(sql).effect.locks
    assert "public.o1" in locks and "public.o0" not in locks


@pytest.mark.parametrize("sql", BODIES)
def test_a_function_returning_such_a_boolean_column_as_an_integer_is_refused(sql: str) -> None:
    assert statement_refusal(_last(sql).effect) == "refused_function_body"


@pytest.mark.postgres
def test_the_server_reads_those_columns_so(pg_db: str) -> None:
    import psycopg

    from server_helpers import server_error, server_message

    messages = []
    for sql in RETYPES:
        *setup, retype = sql.strip().split(";\n")
        messages.append(server_message(pg_db, setup, retype))
        server_error(pg_db, None, "DROP TABLE t")
    assert messages == ['column "a" cannot be cast automatically to type boolean',
                        'column "a" cannot be cast automatically to type integer']
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(_OVERLOADS)
        for sql in CALLS:
            setup, call = sql.replace(_OVERLOADS, "").rsplit("SELECT o", 1)
            if setup:
                conn.execute(setup)
            assert {row[0] for row in conn.execute("SELECT o" + call)} == {1}
    for sql in BODIES:
        error = server_error(pg_db, None, sql)
        assert error is not None and error.diag.message_primary == \
            "return type mismatch in function declared to return integer"
