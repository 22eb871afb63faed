"""The columns of a subquery in FROM, `(SELECT ...) s`, typed as a view's or a table's made
from a query are (`query_columns`), so a table or view made over it gets those types
(checked on 18.6): its select list's columns, renamed by `s(x, y)`, an untyped string or NULL
text; none when one of them is not known, or the server refuses the names (one twice)."""

from __future__ import annotations

import pytest

from effect_helpers import columns_made

SETUP = "CREATE TABLE accounts (id bigint, email varchar(80), born date);\n"

#: (query, the names and types of its columns as format_type() prints them: 18.6; None where
#: lockwise cannot tell, or the server refuses the query)
QUERIES = [
    ("SELECT * FROM (SELECT 1 AS a, 2.5::numeric(3,1) AS b, 'q'::varchar(4) AS c) s",
     [("a", "integer"), ("b", "numeric(3,1)"), ("c", "character varying(4)")]),
    ("SELECT * FROM (SELECT 1 AS a, 'q'::varchar(4) AS c) s(x)",
     [("x", "integer"), ("c", "character varying(4)")]),
    ("SELECT s.id, s.email FROM (SELECT id, email FROM accounts) s",
     [("id", "bigint"), ("email", "character varying(80)")]),
    ("SELECT x FROM (SELECT NULL AS x) s", [("x", "text")]),
    ("SELECT x FROM (SELECT 'a' AS x) s", [("x", "text")]),
    ("SELECT * FROM (SELECT 1 UNION SELECT 2.5) s", [("?column?", "numeric")]),
    ("SELECT * FROM (SELECT 1 AS a, 'b'::text AS b)", [("a", "integer"), ("b", "text")]),
    ("SELECT s.a::text AS a FROM (SELECT 1 AS a ORDER BY 1 LIMIT 1) s", [("a", "text")]),
    ("SELECT b.* FROM (SELECT born FROM accounts) b, (VALUES (1)) v",
     [("born", "date")]),
    ("SELECT * FROM (SELECT * FROM (SELECT now() AS at) i) o",
     [("at", "timestamp with time zone")]),
    ("SELECT * FROM (SELECT id FROM accounts) s JOIN (SELECT 1 AS k) w ON true",
     [("id", "bigint"), ("k", "integer")]),
    ("SELECT * FROM (SELECT 1 AS a) AS s, LATERAL (SELECT s.a AS b) l", None),  # not followed
    # a name a CTE around the subquery (or the set operation) has is the CTE, not the table
    ("WITH accounts AS (SELECT 'x'::text AS id) SELECT * FROM (SELECT id FROM accounts) s",
     None),  # (CTEs not followed)
    ("WITH accounts AS (SELECT 'x'::text AS id) "
     "SELECT id FROM accounts UNION SELECT id FROM accounts", None),
    ("SELECT * FROM (SELECT lower(email) AS e FROM accounts) s", None),  # not followed
    ("SELECT s.* FROM (SELECT 1 AS a, 2 AS a) s", None),  # "column "a" specified more ..."
    ("SELECT * FROM (SELECT 1 AS a) s(x, y)", None),  # "has 1 columns available but 2 ..."
]


@pytest.mark.parametrize(("query", "columns"), QUERIES)
def test_a_table_made_over_a_subquery_has_the_servers_types(
        query: str, columns: list | None) -> None:
    assert columns_made(SETUP + f"CREATE TABLE t AS {query};\n", "public.t") == columns


@pytest.mark.parametrize(("query", "columns"), QUERIES)
def test_a_view_over_a_subquery_has_the_servers_types(query: str, columns: list | None) -> None:
    assert columns_made(SETUP + f"CREATE VIEW v AS {query};\n", "public.v") == columns


def test_a_view_over_a_view_over_a_subquery_has_its_types() -> None:
    assert columns_made(SETUP + "CREATE VIEW v AS SELECT * FROM (SELECT id FROM accounts) s;\n"
                        "CREATE TABLE t AS SELECT * FROM v;\n", "public.t") == [("id", "bigint")]


@pytest.mark.postgres
def test_the_server_types_each_query_so(pg_db: str) -> None:
    import psycopg

    from server_helpers import made_columns

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
    found = made_columns(pg_db, [query for query, _ in QUERIES])
    expected = [columns for _, columns in QUERIES]
    # (lockwise leaves these alone; the server types them)
    for query in ("SELECT * FROM (SELECT 1 AS a) AS s, LATERAL (SELECT s.a AS b) l",
                  "SELECT * FROM (SELECT lower(email) AS e FROM accounts) s",
                  *[q for q, _ in QUERIES if q.startswith("WITH")]):
        at = [q for q, _ in QUERIES].index(query)
        assert found[at] is not None
        expected[at] = found[at]
    assert found == expected
