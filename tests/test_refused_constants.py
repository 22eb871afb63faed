"""A CREATE TABLE AS, CREATE VIEW or CREATE MATERIALIZED VIEW whose query casts a string
constant to a type it is no input of (`'1.5'::int`, `'2024-13-45'::date`, in the select list,
a WHERE clause, a subquery or a CTE), or whose VALUES rows, ARRAY or set operation resolve an
untyped constant to a type it is no input of (`VALUES (1), ('x')`), is refused when the server
analyzes the query, WITH NO DATA too (checked on 18.6): lockwise says so (`refused_constant`,
rule `constant-input-refused`), with the message of the one the server meets first, and does
not replay it. A constant lockwise cannot read for sure (`'Jan 5 2024'::date`, an array
literal) refuses nothing."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.core.types import MigrationReport
from lockwise.discover import migration_from_text
from lockwise.effects.refused import statement_refusal
from lockwise.lint import LintOptions, lint_migrations

#: (statement, the relation it makes, the server's message: "" when it runs)
STATEMENTS = [
    ("CREATE TABLE t AS SELECT '1.5'::int AS n", "public.t",
     'invalid input syntax for type integer: "1.5"'),
    ("CREATE TABLE t AS SELECT ' 12x'::int4 AS n WITH NO DATA", "public.t",
     'invalid input syntax for type integer: " 12x"'),
    ("CREATE TABLE t AS SELECT int '99999999999' AS n", "public.t",
     'value "99999999999" is out of range for type integer'),
    ("CREATE VIEW v AS SELECT '1.5'::int AS n", "public.v",
     'invalid input syntax for type integer: "1.5"'),
    ("CREATE VIEW v AS SELECT CAST(' 12x' AS bigint) AS n", "public.v",
     'invalid input syntax for type bigint: " 12x"'),
    ("CREATE VIEW v AS SELECT 1 AS a WHERE '2024-13-45'::date IS NULL", "public.v",
     'date/time field value out of range: "2024-13-45"'),
    ("CREATE VIEW v AS SELECT CASE WHEN false THEN 'x'::uuid END AS u", "public.v",
     'invalid input syntax for type uuid: "x"'),
    ("CREATE VIEW v AS WITH c AS (SELECT 'yesterdayish'::timestamptz AS n) SELECT 1 AS a",
     "public.v", 'invalid input syntax for type timestamp with time zone: "yesterdayish"'),
    ("CREATE MATERIALIZED VIEW m AS SELECT * FROM (SELECT 'maybe'::bool AS b) s", "public.m",
     'invalid input syntax for type boolean: "maybe"'),
    ("CREATE MATERIALIZED VIEW m AS SELECT '1e3'::int8 AS n WITH NO DATA", "public.m",
     'invalid input syntax for type bigint: "1e3"'),
    # an untyped constant no input of its VALUES column's, ARRAY's or set operation's common
    # type (the typing pass's refusal)
    ("CREATE TABLE t AS VALUES (1), ('x')", "public.t",
     'invalid input syntax for type integer: "x"'),
    ("CREATE VIEW v AS VALUES (1, 2), (3, '4.5')", "public.v",
     'invalid input syntax for type integer: "4.5"'),
    ("CREATE TABLE t AS SELECT ARRAY[1, 'x'] AS a", "public.t",
     'invalid input syntax for type integer: "x"'),
    ("CREATE MATERIALIZED VIEW m AS SELECT ARRAY[1, 'x'] AS a WITH NO DATA", "public.m",
     'invalid input syntax for type integer: "x"'),
    ("CREATE VIEW v AS SELECT 1 AS a UNION SELECT 'x'", "public.v",
     'invalid input syntax for type integer: "x"'),
    ("CREATE TABLE t AS SELECT * FROM (SELECT 1 AS a UNION SELECT 'x') s", "public.t",
     'invalid input syntax for type integer: "x"'),
    # several: the one the server meets first as it analyzes the query (WITH, FROM, the
    # select list, WHERE, HAVING, ORDER BY, GROUP BY; a VALUES', ARRAY's or set operation's
    # common type after its rows, elements or arms)
    ("CREATE TABLE t AS SELECT 'a'::int AS a, 'b'::int AS b", "public.t",
     'invalid input syntax for type integer: "a"'),
    ("CREATE TABLE t AS SELECT 'a'::int AS a FROM (SELECT 'f'::int AS f) s", "public.t",
     'invalid input syntax for type integer: "f"'),
    ("CREATE TABLE t AS WITH c AS (SELECT 'c'::int AS c) "
     "SELECT 'a'::int AS a FROM (SELECT 'f'::int AS f) s", "public.t",
     'invalid input syntax for type integer: "c"'),
    ("CREATE TABLE t AS SELECT 1 AS a WHERE 'w'::int = 1 GROUP BY 'g'::int "
     "HAVING 'h'::int = 1 ORDER BY 'o'::int", "public.t",
     'invalid input syntax for type integer: "w"'),
    ("CREATE TABLE t AS SELECT 1 AS a GROUP BY 'g'::int ORDER BY 'o'::int", "public.t",
     'invalid input syntax for type integer: "o"'),
    ("CREATE TABLE t AS SELECT 1 AS a FROM (SELECT 1) x JOIN (SELECT 2) y ON 'j'::int = 1, "
     "(SELECT 'k'::int) z", "public.t", 'invalid input syntax for type integer: "j"'),
    ("CREATE TABLE t AS VALUES (1, 'y'::int), ('x', 2)", "public.t",
     'invalid input syntax for type integer: "y"'),
    ("CREATE TABLE t AS SELECT ARRAY[1, 'x', 'e'::int] AS a", "public.t",
     'invalid input syntax for type integer: "e"'),
    ("CREATE TABLE t AS SELECT ARRAY[1, 'x'] AS a, 'b'::int AS b", "public.t",
     'invalid input syntax for type integer: "x"'),
    ("CREATE TABLE t AS SELECT 1 AS a, 'q'::int AS b UNION SELECT 'x', 2", "public.t",
     'invalid input syntax for type integer: "q"'),
    ("CREATE TABLE t AS SELECT 1 AS a UNION SELECT 'x' ORDER BY 'o'::int", "public.t",
     'invalid input syntax for type integer: "x"'),
    ("CREATE TABLE t AS SELECT 1 AS a UNION SELECT 'x' UNION SELECT 'y'::int", "public.t",
     'invalid input syntax for type integer: "x"'),
    ("CREATE TABLE t AS SELECT '  12  '::int AS n, 'today'::date AS d", "public.t", ""),
    ("CREATE TABLE t AS VALUES (1), ('2')", "public.t", ""),
    ("CREATE TABLE t AS SELECT 1 AS a UNION SELECT '  2'", "public.t", ""),
    ("CREATE TABLE t AS SELECT 'Jan 5 2024'::date AS d", "public.t", ""),  # (not decided)
    ("CREATE VIEW v AS SELECT '{1,2}'::int[] AS a", "public.v", ""),
    ("CREATE VIEW v AS SELECT '1.5'::text AS a", "public.v", ""),
]


def _report(sql: str) -> tuple[MigrationReport, Catalog]:
    catalog = Catalog()
    found = lint_migrations([migration_from_text(sql + ";\n", "0001_m.sql")], LintOptions(),
                            catalog)
    return found[0], catalog


@pytest.mark.parametrize(("sql", "made", "message"), STATEMENTS)
def test_a_constant_no_input_of_its_cast_refuses_the_statement(
        sql: str, made: str, message: str) -> None:
    report, catalog = _report(sql)
    (statement,) = report.statements
    facts = statement.effect.actions[0].facts
    assert statement_refusal(statement.effect) == ("refused_constant" if message else "")
    assert facts.get("refused_constant_text", "") == message
    # refused: not replayed, the relation is not there for the statements after it
    assert (made in catalog.tables) is not bool(message)


@pytest.mark.parametrize(("sql", "made", "message"),
                         [s for s in STATEMENTS if s[2]][:1])
def test_the_refusal_is_reported_by_its_rule_alone(sql: str, made: str, message: str) -> None:
    report, _ = _report(sql)
    assert {f.rule for f in report.statements[0].findings} == {"constant-input-refused"}
    assert message in report.statements[0].findings[0].message


@pytest.mark.postgres
def test_the_server_refuses_each_statement_so(pg_db: str) -> None:
    from server_helpers import server_message

    seen = [server_message(pg_db, "DROP TABLE IF EXISTS t; DROP VIEW IF EXISTS v; "
                                  "DROP MATERIALIZED VIEW IF EXISTS m", sql)
            for sql, _, _ in STATEMENTS]
    assert seen == [message for _, _, message in STATEMENTS]
