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
