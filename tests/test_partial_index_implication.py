"""A partial index whose WHERE calls no function serves only a query whose WHERE implies its
WHERE, as the planner proves it (predtest.c): the same condition, `x IS NOT NULL` from a
comparison of x, a comparison of x with a number from one that implies it. lockwise counts
the index only then (before fix-pg78 it counted for any WHERE reading its columns). Each
case checked by EXPLAIN on the embedded server (sequential scans off: only whether the
index can serve the query counts)."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, c int, d int, e text, "
         "deleted_at timestamptz);\n"
         "CREATE INDEX t_open ON t (a) WHERE deleted_at IS NULL;\n"
         "CREATE INDEX t_big ON t (b) WHERE c > 10;\n"
         "CREATE INDEX t_named ON t (d) WHERE e IS NOT NULL;\n")
ROWS = ("INSERT INTO t SELECT i, i % 500, i % 400, i % 30, i % 300, CASE WHEN i % 3 = 0 "
        "THEN NULL ELSE 'x' END, CASE WHEN i % 4 = 0 THEN now() END "
        "FROM generate_series(1, 10000) i; ANALYZE t")

#: (the UPDATE's WHERE, whether it reads all of t: no index serves it)
WHERES = [
    ("a = 5 AND deleted_at IS NULL", False),
    ("a = 5", True),
    ("a = 5 AND deleted_at IS NOT NULL", True),
    ("b = 5 AND c > 10", False),
    ("b = 5 AND c > 20", False),
    ("b = 5 AND c = 15", False),
    ("b = 5 AND 15 < c", False),
    ("b = 5 AND c >= 11", False),
    ("b = 5 AND c > 5", True),
    ("b = 5 AND c = 10", True),
    ("b = 5 AND c < 20", True),
    ("b = 5", True),
    ("d = 5 AND e = 'x'", False),
    ("d = 5 AND e IS NOT NULL", False),
    ("d = 5", True),
]


def _scans(where: str) -> bool:
    reports = lint_migrations([migration_from_text(SETUP, "0001_m.sql"),
                               migration_from_text(f"UPDATE t SET id = id WHERE {where};\n",
                                                   "0002_m.sql")],
                              LintOptions(pg_version=18), Catalog())
    return reports[-1].statements[-1].effect.actions[0].facts["where_scans_table"]


@pytest.mark.parametrize(("where", "scans"), WHERES)
def test_a_partial_index_serves_a_where_that_implies_its_own(where: str, scans: bool) -> None:
    assert _scans(where) is scans


@pytest.fixture(scope="module")
def planned(pg_server: str) -> str:
    import psycopg

    from lockwise.db.scratch import create_database

    uri = create_database(pg_server, "partial_index_implication")
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(SETUP)
        conn.execute(ROWS)
    return uri


@pytest.mark.postgres
@pytest.mark.parametrize(("where", "scans"), WHERES)
def test_the_planner_uses_the_index_so(planned: str, where: str, scans: bool) -> None:
    import psycopg

    with psycopg.connect(planned, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        plan = "\n".join(r[0] for r in conn.execute(f"EXPLAIN UPDATE t SET id = id WHERE {where}"))
    assert ("Seq Scan on t" in plan) is scans, plan
