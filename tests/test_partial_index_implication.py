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


#: fix-pg81: each partial index on a key column of its own, with the condition the planner
#: must prove (predicate_implied_by) before it uses the index.
PARTIAL = {"in": "c IN (1, 2, 3)", "pos": "c > 0", "or": "c = 1 OR c = 2",
           "btw": "c BETWEEN 5 AND 10", "both": "c = 1 AND n = 2", "ne": "c <> 3",
           "num": "c > 10.5", "d": "d > '2024-01-01'", "ts": "ts >= '2024-01-01 00:00'",
           "tz": "tz >= '2024-01-01 00:00+00'", "sc": "sc > 'm'", "s": "s > 'm'",
           "flag": "f = true", "notg": "NOT g", "gtrue": "g IS TRUE", "null": "n IS NULL",
           "nn": "n IS NOT NULL"}
COLUMNS = ("id bigint PRIMARY KEY, c int, n int, d date, ts timestamp, tz timestamptz, "
           "s text, sc text COLLATE \"C\", f boolean, g boolean, "
           + ", ".join(f"k_{k} int" for k in PARTIAL))
PARTIAL_ROWS = (
    "INSERT INTO t SELECT i, i % 30, CASE WHEN i % 5 = 0 THEN NULL ELSE i % 7 END, "
    "date '2023-01-01' + i % 700, timestamp '2023-01-01' + (i % 700) * interval '1 day', "
    "timestamptz '2023-01-01' + (i % 700) * interval '1 day', md5(i::text), md5(i::text), "
    "i % 2 = 0, i % 3 = 0, " + ", ".join("i % 1000" for _ in PARTIAL)
    + " FROM generate_series(1, 10000) i; ANALYZE t")

#: (the index, the rest of the UPDATE's WHERE after `k_<index> = 5`, whether the planner
#: can use the index: checked by EXPLAIN with sequential scans off, the others dropped)
IMPLIED = [
    ("in", "c IN (1, 2)", True), ("in", "c = ANY (ARRAY[1, 2])", True),
    ("in", "(c = 1 OR c = 3)", True), ("in", "c IN (1, 4)", False),
    ("in", "(c = 1 OR c = 3 OR c = 4)", False), ("in", "c IN (1, 2.0)", False),
    ("pos", "c IN (1, 2)", True), ("pos", "c IN (0, 2)", False),
    ("pos", "(c = 1 OR c > 5)", True), ("pos", "(c = 1 OR c > -5)", False),
    ("pos", "c BETWEEN 1 AND 5", True), ("pos", "c BETWEEN 0 AND 5", False),
    ("pos", "c BETWEEN SYMMETRIC 5 AND 1", True), ("pos", "c NOT BETWEEN -5 AND 0", False),
    ("pos", "NOT (c < 1)", True), ("pos", "c > 20::bigint", True), ("pos", "c > '20'", True),
    ("pos", "c > 20.5", False), ("pos", "c::bigint > 20", False),
    ("pos", "c > ALL (ARRAY[1, 2])", True), ("pos", "c = ANY ('{1,2}')", True),
    ("or", "c IN (1, 2)", True), ("or", "c IN (1, 2, 3)", False), ("or", "c = 3", False),
    ("btw", "c BETWEEN 6 AND 9", True), ("btw", "c >= 5 AND c <= 10", True),
    ("btw", "c IN (5, 10)", True), ("btw", "c BETWEEN 4 AND 9", False),
    ("btw", "c > 5", False),
    ("both", "n = 2 AND c = 1", True), ("both", "c IN (1) AND n IN (2)", True),
    ("both", "c = 1", False),
    ("ne", "c IN (1, 2)", True), ("ne", "NOT (c = 3)", True), ("ne", "c NOT IN (3, 4)", True),
    ("ne", "c < 3", True), ("ne", "c IN (1, 3)", False), ("ne", "c >= 3", False),
    ("num", "c > 11.0", True), ("num", "c > 11", False), ("num", "c = 12", False),
    ("d", "d > '2024-02-01'", True), ("d", "d = date '2024-02-01'", True),
    ("d", "d BETWEEN '2024-03-01' AND '2024-04-01'", True),
    ("d", "d IN ('2024-03-01', '2023-04-01')", False), ("d", "d >= '2024-01-01'", False),
    ("d", "d > now()", False),
    ("ts", "ts >= '2024-01-01'", True), ("ts", "ts > '2024-02-01'::date", True),
    ("ts", "ts > '2023-12-31 23:59'", False), ("ts", "ts > '2024-02-01'::timestamptz", False),
    ("tz", "tz > '2024-02-01'", True), ("tz", "tz > '2024-01-01 03:00+02'", True),
    ("tz", "tz > '2024-01-01 00:00+05'", False),
    ("sc", "sc > 'n'", True), ("sc", "sc > 'Z'", False),
    ("sc", "sc > 'z' COLLATE \"POSIX\"", False),
    ("s", "s > 'z' COLLATE \"C\"", False), ("s", "s >= 'm'", False),
    ("flag", "f", True), ("flag", "f <> false", True), ("flag", "NOT (NOT f)", True),
    ("flag", "f = 't'", True), ("flag", "f IS TRUE", False), ("flag", "NOT f", False),
    ("notg", "g = false", True), ("notg", "NOT (g = true)", True), ("notg", "g <> true", True),
    ("notg", "g IS FALSE", False), ("notg", "g IS NOT TRUE", False), ("notg", "g", False),
    ("gtrue", "g IS TRUE", True), ("gtrue", "g = true", False),
    ("null", "NOT (n IS NOT NULL)", True), ("null", "n IS NOT NULL", False),
    ("null", "n = 3", False),
    ("nn", "n IN (1, 2)", True), ("nn", "NOT (n IS NULL)", True), ("nn", "n + 1 > 2", True),
    ("nn", "(n > 0 OR n < 0)", True), ("nn", "n <> 5", True),
    ("nn", "n IS DISTINCT FROM 4", False), ("nn", "(n = 1 OR c = 1)", False),
]


def _setup(index: str | None) -> str:
    """The table, with partial index t_<index> alone (None: all of them)."""
    return f"CREATE TABLE t ({COLUMNS});\n" + "".join(
        f"CREATE INDEX t_{k} ON t (k_{k}) WHERE {w};\n" for k, w in PARTIAL.items()
        if index in (None, k))


@pytest.mark.parametrize(("index", "where", "used"), IMPLIED)
def test_a_partial_index_counts_where_the_planner_proves_its_where(
        index: str, where: str, used: bool) -> None:
    reports = lint_migrations([migration_from_text(_setup(index), "0001_m.sql"),
                               migration_from_text(
                                   f"UPDATE t SET id = id WHERE k_{index} = 5 AND {where};\n",
                                   "0002_m.sql")],
                              LintOptions(pg_version=18), Catalog())
    assert reports[-1].statements[-1].effect.actions[0].facts["where_scans_table"] is not used


@pytest.fixture(scope="module")
def implied(pg_server: str) -> str:
    import psycopg

    from lockwise.db.scratch import create_database

    uri = create_database(pg_server, "partial_index_proofs")
    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(_setup(None))
        conn.execute(PARTIAL_ROWS)
    return uri


@pytest.mark.postgres
@pytest.mark.parametrize(("index", "where", "used"), IMPLIED)
def test_the_planner_proves_a_partial_index_so(implied: str, index: str, where: str,
                                               used: bool) -> None:
    import psycopg

    with psycopg.connect(implied) as conn:
        conn.execute("SET enable_seqscan = off")
        for other in PARTIAL.keys() - {index}:
            conn.execute(f"DROP INDEX t_{other}")  # (rolled back: only this one may serve)
        plan = "\n".join(r[0] for r in conn.execute(
            f"EXPLAIN UPDATE t SET id = id WHERE k_{index} = 5 AND {where}"))
        conn.rollback()
    assert (f"on t_{index} " in plan or f"using t_{index} " in plan) is used, plan
    assert ("Seq Scan on t" in plan) is not used, plan


def test_the_message_says_the_where_must_imply_a_partial_index_condition() -> None:
    """A partial index whose WHERE calls no function is used where the query's WHERE
    implies it (an IN list by each of its values), which the message says, not that the
    WHERE must hold the same condition (fix-pg81; `m IN (4, 5)` a Seq Scan on 18.6, `m IN (4,
    5) AND n IN (1, 2)` a scan of the partial index)."""
    setup = ("CREATE TABLE accounts (id bigint PRIMARY KEY, n int, m int);\n"
             "CREATE INDEX accounts_m_live ON accounts (m) WHERE n IN (1, 2, 3);\n")
    reports = lint_migrations([migration_from_text(setup, "0001_m.sql"), migration_from_text(
        "UPDATE accounts SET m = 0 WHERE m IN (4, 5);\n"
        "UPDATE accounts SET m = 0 WHERE m IN (4, 5) AND n IN (1, 2);\n", "0002_m.sql")],
        LintOptions(pg_version=18), Catalog())
    scanned, served = (s.effect.actions[0].facts for s in reports[-1].statements)
    assert str(scanned["where_unserved_text"]).startswith(
        "serves its WHERE: partial index public.accounts_m_live serves only a WHERE that "
        "implies its own condition, n IN (1, 2, 3) (the planner proves it from the WHERE's "
        "conditions")
    assert not served["where_scans_table"]
