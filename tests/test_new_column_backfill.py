"""A backfill whose WHERE is `c IS NULL` of a column the same migration just added without a
default matches every row (the fifth sweep, docs/accuracy.md: a dbmate migration that adds a
nullable column, fills it `WHERE c IS NULL` and sets it NOT NULL, four times). It is the
whole-table UPDATE unbatched-backfill is about, not a lookup where-without-index prices;
checked on 18.6 (the UPDATE's row count is the table's)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

_SETUP = "CREATE TABLE t (id bigint PRIMARY KEY, v int);"


def _last_rules(sql: str, *earlier: str) -> set[str]:
    """The rules reported at the last statement of a migration of `sql`, linted after one
    that makes t (and after `earlier` migrations), in a transaction."""
    texts = (_SETUP, *earlier, sql)
    migrations = [migration_from_text(text, f"{n:04d}_m.sql")
                  for n, text in enumerate(texts, start=1)]
    options = LintOptions(pg_version=18, assume_in_transaction=True)
    reports = lint_migrations(migrations, options, Catalog())
    return {f.rule for f in reports[-1].statements[-1].findings}


#: (migration, whether its last statement changes every row of t: unbatched-backfill)
_BACKFILLS = [
    # the sweep's shape: no default, so NULL in every row
    ("ALTER TABLE t ADD COLUMN c numeric(12,2);\nUPDATE t SET c = 0 WHERE c IS NULL;", True),
    ("ALTER TABLE t ADD COLUMN c boolean;\nUPDATE t SET c = true WHERE t.c IS NULL;", True),
    ("ALTER TABLE t ADD COLUMN c boolean;\nUPDATE t AS x SET c = true WHERE x.c IS NULL;", True),
    ("ALTER TABLE t ADD COLUMN c text;\nDELETE FROM t WHERE c IS NULL;", True),
    # a default fills every row: none is NULL
    ("ALTER TABLE t ADD COLUMN c int DEFAULT 0;\nUPDATE t SET c = 1 WHERE c IS NULL;", False),
    # written since it was added: some rows may hold a value
    ("ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 1 WHERE id < 10;\n"
     "UPDATE t SET c = 0 WHERE c IS NULL;", False),
    ("ALTER TABLE t ADD COLUMN c int;\nINSERT INTO t VALUES (1, 1, 1);\n"
     "UPDATE t SET c = 0 WHERE c IS NULL;", False),
    ("ALTER TABLE t ADD COLUMN c int;\nALTER TABLE t ALTER COLUMN c TYPE bigint USING 0;\n"
     "UPDATE t SET c = 1 WHERE c IS NULL;", False),
    # a column that was there: its NULLs are some rows
    ("UPDATE t SET v = 0 WHERE v IS NULL;", False),
    # ANDed with nothing but such tests and literals true: still every row
    ("ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 0 WHERE c IS NULL AND true;", True),
    ("ALTER TABLE t ADD COLUMN c int, ADD COLUMN d int;\n"
     "UPDATE t SET c = 0 WHERE c IS NULL AND (d IS NULL AND 1 = 1);", True),
    ("ALTER TABLE t ADD COLUMN c int;\nALTER TABLE t ADD COLUMN d int;\n"
     "DELETE FROM t WHERE t.d IS NULL AND c IS NULL;", True),
    # more than the column's NULL test: a filter limits it
    ("ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 0 WHERE c IS NULL AND v IS NULL;", False),
    ("ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 0 WHERE c IS NULL AND NOT true;", False),
    ("ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 0 WHERE c IS NULL AND id < 10;", False),
    ("ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 0 WHERE c IS NOT NULL;", False),
    # ORed with anything: every row still matches
    ("ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 0 WHERE c IS NULL OR v = 1;", True),
    ("ALTER TABLE t ADD COLUMN c int;\nDELETE FROM t WHERE v < 3 OR (t.c IS NULL AND true);",
     True),
    ("ALTER TABLE t ADD COLUMN c int;\n"
     "UPDATE t SET c = 0 WHERE (c IS NULL OR v = 1) AND id < 10;", False),
    ("ALTER TABLE t ADD COLUMN c int DEFAULT 0;\n"
     "UPDATE t SET c = 1 WHERE c IS NULL OR v = 1;", False),
    ("ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 0 WHERE v IS NULL OR v = 1;", False),
    # a NOT the planner moves inward: NOT (c IS NOT NULL) is c IS NULL
    ("ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 0 WHERE NOT (c IS NOT NULL);", True),
    ("ALTER TABLE t ADD COLUMN c int;\nDELETE FROM t WHERE NOT (t.c IS NOT NULL AND v = 1);",
     True),
    ("ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 0 WHERE NOT (c IS NULL);", False),
    # literals folded as the planner folds them, under the NOTs too: NOT (c IS NOT NULL OR
    # false) is c IS NULL AND true, NOT (c IS NOT NULL OR true) is false
    ("ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 0 WHERE NOT (c IS NOT NULL OR false);",
     True),
    ("ALTER TABLE t ADD COLUMN c int;\n"
     "UPDATE t SET c = 0 WHERE NOT (c IS NOT NULL OR (v = 1 AND false));", True),
    ("ALTER TABLE t ADD COLUMN c int;\n"
     "DELETE FROM t WHERE NOT (t.c IS NOT NULL OR NOT (1 = 1));", True),
    ("ALTER TABLE t ADD COLUMN c int;\n"
     "UPDATE t SET c = 0 WHERE c IS NULL AND NOT (v = 1 AND false);", True),
    ("ALTER TABLE t ADD COLUMN c int;\nUPDATE t SET c = 0 WHERE NOT (c IS NOT NULL OR true);",
     False),
    ("ALTER TABLE t ADD COLUMN c int;\n"
     "UPDATE t SET c = 0 WHERE NOT (c IS NOT NULL OR (v = 1 AND true));", False),
]


@pytest.mark.parametrize(("sql", "every_row"), _BACKFILLS)
def test_is_null_of_a_column_added_without_default_limits_nothing(
        sql: str, every_row: bool) -> None:
    rules = _last_rules(sql)
    assert ("unbatched-backfill" in rules) is every_row, rules
    if every_row:
        assert "where-without-index" not in rules


def _do(*body: str) -> str:
    return "DO $$\nBEGIN\n" + "\n".join(body) + "\nEND\n$$;"


#: (a DO block, whether its UPDATE changes every row of t): the block's ADD COLUMN and
#: UPDATE both run whenever it does (not in an IF the catalog leaves open, a loop or an
#: EXCEPTION block), and nothing of it writes t between them.
_BLOCKS = [
    (_do("ALTER TABLE t ADD COLUMN c int;", "UPDATE t SET c = 0 WHERE c IS NULL;"), True),
    (_do("ALTER TABLE t ADD COLUMN c int;", "PERFORM 1;",
         "UPDATE t SET c = 0 WHERE c IS NULL AND true;"), True),
    (_do("ALTER TABLE t ADD COLUMN c int DEFAULT 1;", "UPDATE t SET c = 0 WHERE c IS NULL;"),
     False),
    (_do("ALTER TABLE t ADD COLUMN c int;", "UPDATE t SET c = 1 WHERE id = 1;",
         "UPDATE t SET c = 0 WHERE c IS NULL;"), False),
    (_do("IF random() > 0.5 THEN", "ALTER TABLE t ADD COLUMN c int;", "END IF;",
         "UPDATE t SET c = 0 WHERE c IS NULL;"), False),
    (_do("ALTER TABLE t ADD COLUMN c int;", "IF random() > 0.5 THEN",
         "UPDATE t SET c = 1 WHERE id = 1;", "END IF;",
         "UPDATE t SET c = 0 WHERE c IS NULL;"), False),
    (_do("ALTER TABLE t ADD COLUMN c int;", "IF random() > 0.5 THEN",
         "UPDATE t SET c = 0 WHERE c IS NULL;", "END IF;"), False),
    (_do("ALTER TABLE t ADD COLUMN c int;", "EXECUTE 'INSERT INTO t VALUES (0, 0, 1)';",
         "UPDATE t SET c = 0 WHERE c IS NULL;"), False),
]


@pytest.mark.parametrize(("sql", "every_row"), _BLOCKS)
def test_a_do_blocks_backfill_of_the_column_it_added(sql: str, every_row: bool) -> None:
    rules = _last_rules(sql)
    assert ("unbatched-backfill" in rules) is every_row, rules


def test_a_column_an_earlier_migration_added_is_not_known_to_be_null() -> None:
    """Code deployed between the two migrations may have written it."""
    rules = _last_rules("UPDATE t SET c = 0 WHERE c IS NULL;", "ALTER TABLE t ADD COLUMN c int;")
    assert "unbatched-backfill" not in rules


def test_a_rolled_back_add_column_is_forgotten() -> None:
    rules = _last_rules("BEGIN;\nALTER TABLE t ADD COLUMN c int;\nROLLBACK;\n"
                        "ALTER TABLE t ADD COLUMN c int DEFAULT 1;\n"
                        "UPDATE t SET c = 0 WHERE c IS NULL;")
    assert "unbatched-backfill" not in rules


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "every_row"), [
    (sql, every_row) for sql, every_row in _BACKFILLS
    if sql.startswith("ALTER") and "INSERT" not in sql])
def test_the_server_changes_every_row_where_lockwise_says_so(
        pg_db: str, sql: str, every_row: bool) -> None:
    """(checked on 18.6) Of 50 rows, the last statement changes all 50 where lockwise says
    every row, fewer where it does not."""
    changed = _run_last(pg_db, sql, 50, _rowcount)
    assert (changed == 50) is every_row, changed


def _rowcount(conn: object, last: str) -> int:
    return conn.execute(last).rowcount  # type: ignore[attr-defined]


def _run_last(pg_db: str, sql: str, rows: int, last_run: Callable,
              fill: str | None = None) -> object:
    """What `last_run(conn, last)` returns for the last statement `last` of migration
    `sql`, run in a transaction on the server after the ones before it, with t made and
    filled with `rows` rows (by `fill` when given), dropped after."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(_SETUP)
        conn.execute(fill or f"INSERT INTO t SELECT g, g FROM generate_series(1, {rows}) g")
        try:
            with conn.transaction():
                *before, last = [s for s in sql.split(";\n") if s.strip()]
                for statement in before:
                    conn.execute(statement)
                return last_run(conn, last)
        finally:
            conn.execute("DROP TABLE t")


#: (migration, whether its last statement changes every row of t): `WHERE c IS NOT NULL` of a
#: NOT NULL column limits nothing either (hoppscotch's `UPDATE "UserRequest" SET request =
#: request WHERE request IS NOT NULL`, request declared NOT NULL, the fifth sweep's sixth).
_NOT_NULL_TESTS = [
    ("UPDATE t SET v = 1 WHERE id IS NOT NULL;", True),
    ("UPDATE t AS x SET v = 1 WHERE x.id IS NOT NULL;", True),
    ("DELETE FROM t WHERE id IS NOT NULL;", True),
    ("ALTER TABLE t ADD COLUMN r jsonb NOT NULL DEFAULT '{}';\n"
     "UPDATE t SET r = r WHERE r IS NOT NULL;", True),
    # a nullable column: its values are some rows
    ("UPDATE t SET v = 1 WHERE v IS NOT NULL;", False),
    # more than the NOT NULL column's test: a filter limits it
    ("UPDATE t SET v = 1 WHERE id IS NOT NULL AND v > 3;", False),
    ("UPDATE t SET v = 1 WHERE id IS NULL;", False),
    # a NOT the planner moves inward: NOT (c IS NULL) is c IS NOT NULL, NOT NOT nothing, and
    # by De Morgan's laws NOT (a AND b) is NOT a OR NOT b
    ("UPDATE t SET v = 1 WHERE NOT (id IS NULL);", True),
    ("DELETE FROM t AS x WHERE NOT (x.id IS NULL);", True),
    ("UPDATE t SET v = 1 WHERE NOT NOT (id IS NOT NULL);", True),
    ("UPDATE t SET v = 1 WHERE NOT (id IS NULL AND v > 3);", True),
    ("UPDATE t SET v = 1 WHERE NOT (id IS NULL OR v > 3);", False),
    ("UPDATE t SET v = 1 WHERE NOT (v IS NULL);", False),
    ("UPDATE t SET v = 1 WHERE NOT (id IS NOT NULL);", False),
    ("UPDATE t SET v = 1 WHERE NOT NOT (id IS NULL);", False),
]


@pytest.mark.parametrize(("sql", "every_row"), _NOT_NULL_TESTS)
def test_is_not_null_of_a_not_null_column_limits_nothing(sql: str, every_row: bool) -> None:
    rules = _last_rules(sql)
    assert ("unbatched-backfill" in rules) is every_row, rules
    if every_row:
        assert "where-without-index" not in rules


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "every_row"), _NOT_NULL_TESTS)
def test_the_server_changes_every_row_of_an_is_not_null_of_a_not_null_column(
        pg_db: str, sql: str, every_row: bool) -> None:
    """(checked on 18.6) Of 50 rows, half of them with v NULL, the last statement changes all
    50 where lockwise says every row, fewer where it does not."""
    changed = _run_last(pg_db, sql, 50, _rowcount,
                        "INSERT INTO t SELECT g, CASE WHEN g % 2 = 0 THEN g END "
                        "FROM generate_series(1, 50) g")
    assert (changed == 50) is every_row, changed


#: (a migration whose last UPDATE ANDs `c IS NULL` with `v = 1` after c is indexed, whether
#: where-without-index is reported): IS NULL of a column NULL in every row matches every
#: row, so its index bounds nothing; only v, unindexed, limits the rows.
_INDEXED = [
    ("ALTER TABLE t ADD COLUMN c int;\nCREATE INDEX ON t (c);\n"
     "UPDATE t SET c = 0 WHERE c IS NULL AND v = 1;", True),
    ("ALTER TABLE t ADD COLUMN c int;\nCREATE INDEX ON t (c);\n"
     "DELETE FROM t WHERE v = 1 AND t.c IS NULL;", True),
    # a column not known NULL in every row: its index bounds the rows read, as before
    ("ALTER TABLE t ADD COLUMN c int DEFAULT 0;\nCREATE INDEX ON t (c);\n"
     "UPDATE t SET c = 0 WHERE c IS NULL AND v = 1;", False),
    ("ALTER TABLE t ADD COLUMN c int;\nCREATE INDEX ON t (c);\n"
     "UPDATE t SET c = 1 WHERE id = 1;\nUPDATE t SET c = 0 WHERE c IS NULL AND v = 1;", False),
    # another indexed condition still bounds them
    ("ALTER TABLE t ADD COLUMN c int;\nCREATE INDEX ON t (c);\n"
     "UPDATE t SET c = 0 WHERE c IS NULL AND id = 1;", False),
]


@pytest.mark.parametrize(("sql", "unindexed"), _INDEXED)
def test_an_index_of_a_column_null_in_every_row_bounds_nothing(
        sql: str, unindexed: bool) -> None:
    rules = _last_rules(sql)
    assert ("where-without-index" in rules) is unindexed, rules
    assert "unbatched-backfill" not in rules


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "unindexed"), _INDEXED[:3])
def test_the_server_reads_every_row_through_such_an_index(
        pg_db: str, sql: str, unindexed: bool) -> None:
    """(checked on 18.6) Of 5000 rows, analysed, the last statement's scan of t reads every
    one (the rows it returns and those its filter removes) where lockwise says nothing
    indexed bounds them: whether the planner takes the index of c or a Seq Scan, v = 1 is a
    filter over all of them."""
    assert (_rows_read(pg_db, sql) == 5000) is unindexed


def _rows_read(pg_db: str, sql: str) -> int:
    """The rows the scans of t read (those they return and those their filters remove) when
    the last statement of migration `sql` runs, t filled with 5000 rows and analysed; 0 where
    no scan of t runs (a condition false by its literals: a Result with a One-Time Filter)."""
    def explained(conn: object, last: str) -> list:
        conn.execute("ANALYZE t")  # type: ignore[attr-defined]
        return conn.execute(  # type: ignore[attr-defined]
            f"EXPLAIN (ANALYZE, FORMAT JSON) {last}").fetchone()[0]

    plan: list = _run_last(pg_db, sql, 5000, explained)  # type: ignore[assignment]
    stack, read = [plan[0]["Plan"]], 0
    while stack:
        node = stack.pop()
        stack.extend(node.get("Plans", ()))
        if node.get("Relation Name") == "t" and "Scan" in node["Node Type"]:
            read += node["Actual Rows"] + node.get("Rows Removed by Filter", 0) \
                + node.get("Rows Removed by Index Recheck", 0)
    return read


#: (the WHERE of an UPDATE of t, whether where-without-index is reported): a part true or
#: false by its literals alone is folded as the planner folds it, under NOTs too (an AND
#: with false is false, an OR with true true, and so NOT (v = 2 OR true) false): what is left
#: is what an index has to serve; nothing is read where all of it folds to false.
_FOLDED = [
    ("id = 1 OR (v = 2 AND false)", False),
    ("id = 1 OR NOT (v = 2 OR true)", False),
    ("NOT (v = 2 OR true) OR id = 1", False),
    ("NOT (id <> 1 AND NOT false)", False),
    ("v = 2 AND NOT (id = 1 OR true)", False),
    ("NOT (v IS NULL OR 1 = 1)", False),
    ("id = 1 OR (v = 2 AND true)", True),
    ("v = 2 OR NOT (id = 1 AND true)", True),
    ("NOT (v = 2 AND NOT false)", True),
]


#: (the WHERE of an UPDATE of t, whether where-without-index is reported) with a NULL: a
#: WHERE keeps no row for which it is NULL, so the planner takes a NULL, under NOTs too (NOT
#: NULL is NULL), for false in an AND or an OR, and a comparison with NULL is NULL.
_NULLS = [
    ("NULL", False),
    ("NULL::boolean AND v = 2", False),
    ("NOT (id = 1 OR NULL)", False),
    ("id = 1 OR (v = 2 AND NULL)", False),
    ("id = 1 OR NOT (v = 2 OR NULL)", False),
    ("NOT (id <> 1 AND NOT NULL)", False),
    ("id = 1 OR v = NULL", False),
    ("v = 2 AND NOT (NULL OR true)", False),
    ("NOT (v = 2 AND NULL)", True),
    ("v = 2 OR NULL", True),
    ("(v = 2 OR NULL) AND NOT (id = 1 AND NULL)", True),
]


@pytest.mark.parametrize(("where", "unindexed"), _FOLDED + _NULLS)
def test_literals_are_folded_under_nots_as_the_planner_folds_them(
        where: str, unindexed: bool) -> None:
    rules = _last_rules(f"UPDATE t SET v = 0 WHERE {where};")
    assert ("where-without-index" in rules) is unindexed, rules
    assert "unbatched-backfill" not in rules


@pytest.mark.postgres
@pytest.mark.parametrize(("where", "unindexed"), _FOLDED + _NULLS)
def test_the_server_folds_literals_under_nots(pg_db: str, where: str,
                                              unindexed: bool) -> None:
    """(checked on 18.6) Of 5000 rows, the UPDATE reads every one where lockwise says no
    index serves its WHERE, and fewer (through the primary key, or none at all) where it
    says one does."""
    assert (_rows_read(pg_db, f"UPDATE t SET v = 0 WHERE {where};") == 5000) is unindexed
