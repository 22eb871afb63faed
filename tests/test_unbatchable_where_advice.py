"""where-without-index advises what `lockwise apply` would do: an UPDATE that reads what it
sets, or a DELETE that counts its own table, is no statement apply runs in key-range batches
(executor/batches.py `refused_batching`; run so, each batch reads what the batches before it
wrote or left: checked on 18.6 in fix-executor13). Its advice is an index of what the WHERE
reads, or a snapshot of what it reads, not batches (fix-precision41)."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE t (id bigint PRIMARY KEY, n int, note text);"


def _advice(sql: str) -> str:
    migrations = [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    reports = lint_migrations(migrations, LintOptions(pg_version=18), Catalog())
    found = [f for f in reports[-1].all_findings if f.rule == "where-without-index"]
    assert len(found) == 1, [f.rule for r in reports for f in r.all_findings]
    return found[0].instead


@pytest.mark.parametrize("sql", [
    "UPDATE t SET n = n + (SELECT max(n) FROM t) WHERE n > 5;",
    "UPDATE t SET n = 0 WHERE n > (SELECT avg(n) FROM t);",
    "DELETE FROM t WHERE n > (SELECT avg(n) FROM t);",
    "DELETE FROM t WHERE note IN (SELECT note FROM (SELECT note, row_number() OVER "
    "(ORDER BY n) AS r FROM t) s WHERE r <= 100);",
])
def test_a_statement_apply_refuses_to_batch_is_advised_an_index_or_a_snapshot(sql: str) -> None:
    advice = _advice(sql)
    assert "id >= 1" not in advice and "batches by" not in advice
    assert "CREATE INDEX CONCURRENTLY ON public.t (n" in advice or \
        "CREATE INDEX CONCURRENTLY ON public.t (note" in advice
    assert "CREATE TABLE ... AS SELECT" in advice


@pytest.mark.parametrize("sql", [
    "UPDATE t SET note = 'x' WHERE n > (SELECT avg(n) FROM t);",  # reads n, sets note
    "DELETE FROM t WHERE n > 5;",
])
def test_a_statement_apply_batches_is_still_advised_batches(sql: str) -> None:
    assert "id >= 1 AND id < 5001" in _advice(sql)


@pytest.mark.parametrize(("where", "element"), [
    ("note::varchar(20) LIKE 'x%'", "((note::varchar(20)) varchar_pattern_ops)"),
    ("lower(note)::varchar(20) LIKE 'x%'", "((lower(note)::varchar(20)) varchar_pattern_ops)"),
    ("(note || 'x')::varchar(20) LIKE 'x%'",
     "(((note || 'x')::varchar(20)) varchar_pattern_ops)"),
    ("length(note) = 5.5", "((length(note)::numeric))"),
    # written CAST(...): printed so
    ("CAST(note AS varchar(20)) LIKE 'x%'",
     "((CAST(note AS varchar(20))) varchar_pattern_ops)"),
])
def test_the_index_advised_writes_its_casts_as_the_statement_does(where: str,
                                                                  element: str) -> None:
    """The advice quotes the statement's expressions with their casts as it writes them:
    `x::t` (pglast would print `CAST(x AS t)`), and so the casts it adds; `CAST(x AS t)`
    where the statement writes that form (fix-pg71)."""
    advice = _advice(f"WITH w AS (SELECT 1) UPDATE t SET n = 1 WHERE {where};")
    assert f"CREATE INDEX CONCURRENTLY ON public.t {element};" in advice


@pytest.mark.parametrize("sql", [
    # n is not unique: its other rows of a value may be gone by a later batch
    "DELETE FROM t WHERE n IN (SELECT n FROM t WHERE note = 'keep');",
    "DELETE FROM t WHERE n = ANY (SELECT n FROM t WHERE note = 'keep');",
    # a value of the row's own, not the subquery's output for it (the refusal stands)
    "DELETE FROM t WHERE id NOT IN (SELECT app.f(id) FROM t);",
])
def test_a_delete_testing_its_table_by_a_column_that_is_not_unique_is_not_batched(
        sql: str) -> None:
    """A DELETE testing a column of its own table against a subquery over it is batched only
    where the column is unique (fix-pg74, checked on 18.6: `n IN (SELECT n FROM t WHERE g >
    95)` deleted 100,000 rows whole, 70,560 in batches)."""
    advice = _advice("CREATE SCHEMA app; CREATE FUNCTION app.f(bigint) RETURNS bigint "
                     "IMMUTABLE LANGUAGE sql AS 'SELECT $1 + 10000';\n" + sql)
    assert "id >= 1" not in advice and "batches by" not in advice
    assert "CREATE TABLE ... AS SELECT" in advice


@pytest.mark.parametrize("sql", [
    # NOT IN of the same column: a row it deletes matched no row of the subquery
    "DELETE FROM t WHERE n NOT IN (SELECT n FROM t WHERE note = 'keep');",
    # an UPDATE setting what the subquery does not read
    "UPDATE t SET note = 'x' WHERE n IN (SELECT n FROM t WHERE id > 5);",
])
def test_a_statement_testing_each_row_against_itself_is_advised_batches(sql: str) -> None:
    assert "id >= 1 AND id < 5001" in _advice(sql)
