"""Two facts the fourth sweep (docs/accuracy.md) found wrong, each checked on 18.6: DROP INDEX
IF EXISTS of an index that went with its constraint locks nothing, and an UPDATE ... FROM /
DELETE ... USING reads in full the table of a DISTINCT or GROUP BY subquery beside it
(unless a condition of its WHERE pushed down into the subquery picks the rows by an index)."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after
from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from test_do_block_branches import server_locks


def _rules(setup: str, sql: str) -> set[str]:
    """The rules a migration of `sql` after one of `setup` reports (in a transaction)."""
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    options = LintOptions(pg_version=18, assume_in_transaction=True)
    reports = lint_migrations(migrations, options, Catalog())
    return {f.rule for f in reports[-1].all_findings}


_KEYED = "CREATE TABLE t (id bigint PRIMARY KEY, x int CONSTRAINT x UNIQUE);"

#: (setup, whether DROP INDEX IF EXISTS x after it takes t ACCESS EXCLUSIVE)
_DROPS = [
    # authelia's V0007: the constraint's index went with it
    (_KEYED + "\nALTER TABLE t DROP CONSTRAINT IF EXISTS x;", False),
    (_KEYED + "\nALTER TABLE t DROP CONSTRAINT x;", False),
    # dropped, then made again: there again
    (_KEYED + "\nALTER TABLE t DROP CONSTRAINT x;\nCREATE INDEX x ON t (x);", True),
    # an index of that name, no constraint: DROP CONSTRAINT IF EXISTS notices, the index stays
    ("CREATE TABLE t (id bigint PRIMARY KEY, x int);\nCREATE UNIQUE INDEX x ON t (x);"
     "\nALTER TABLE t DROP CONSTRAINT IF EXISTS x;", True),
    # renamed away
    (_KEYED + "\nALTER INDEX x RENAME TO y;", False),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("setup", "locked"), _DROPS)
def test_drop_index_if_exists_locks_only_an_index_that_is_there(
        pg_db: str, setup: str, locked: bool) -> None:
    """(checked on 18.6) An index the catalog knows is gone: a NOTICE, no lock."""
    sql = "DROP INDEX IF EXISTS x;"
    held = server_locks(pg_db, setup, sql)
    assert (held.get("public.t") == "AccessExclusiveLock") is locked, held
    effect = effect_after(setup, sql)
    assert ("public.t" in effect.locks) is locked
    assert ("drop-index-without-concurrently" in _rules(setup, sql)) is locked


def test_drop_index_if_exists_of_a_name_never_known_is_still_reported() -> None:
    """An index these migrations never made may have been made outside them."""
    assert "drop-index-without-concurrently" in _rules(_KEYED, "DROP INDEX IF EXISTS y;")


def test_drop_index_without_if_exists_of_a_gone_index_is_not_called_gone() -> None:
    """Without IF EXISTS the server refuses it: not a drop that locks nothing."""
    setup = _KEYED + "\nALTER TABLE t DROP CONSTRAINT x;"
    (action,) = effect_after(setup, "DROP INDEX x;").actions
    assert action.facts["index_missing"] is False


_ROWS = ("CREATE TABLE hits (id bigint PRIMARY KEY, session_id int NOT NULL, n int);\n"
         "CREATE TABLE visits (id bigint PRIMARY KEY, session_id int NOT NULL, n int);\n"
         "INSERT INTO hits SELECT g, g % 100, g FROM generate_series(1, 20000) g;\n"
         "INSERT INTO visits SELECT g, g % 100, 0 FROM generate_series(1, 20000) g;\n"
         "ANALYZE hits;\nANALYZE visits;")


def _plan(pg_db: str, setup: str, sql: str) -> str:
    """EXPLAIN's plan of `sql` after `setup`, on a database of the session's server."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(setup)
        return "\n".join(r[0] for r in conn.execute(f"EXPLAIN {sql}").fetchall())


#: (statement, whether it reads hits in full: a Seq Scan on hits in its plan)
_BESIDE = [
    ("UPDATE visits v SET n = s.n FROM (SELECT DISTINCT session_id, n FROM hits) s "
     "WHERE v.session_id = s.session_id AND v.id = 7", True),
    ("UPDATE visits v SET n = s.top FROM (SELECT session_id, max(n) AS top FROM hits "
     "GROUP BY session_id) s WHERE v.session_id = s.session_id AND v.id = 7", True),
    # umami's shape: a DISTINCT subquery of a DISTINCT subquery
    ("UPDATE visits v SET n = a.k FROM (SELECT DISTINCT session_id, k FROM (SELECT DISTINCT "
     "session_id, n % 7 AS k FROM hits) s) a WHERE v.session_id = a.session_id "
     "AND v.n % 7 = a.k", True),
    ("DELETE FROM visits v USING (SELECT session_id, max(id) AS top FROM hits "
     "GROUP BY session_id) s WHERE v.session_id = s.session_id AND v.id > s.top", True),
    # the subquery's own WHERE picks its rows
    ("UPDATE visits v SET n = s.n FROM (SELECT DISTINCT id, n FROM hits WHERE id = 7) s "
     "WHERE v.id = s.id", False),
    # pulled up into the join: the join's condition reaches hits through its key
    ("UPDATE visits v SET n = s.n FROM (SELECT id, n FROM hits) s "
     "WHERE v.id = s.id AND v.id = 7", False),
    ("DELETE FROM visits v USING (SELECT id FROM hits) s WHERE v.id = s.id AND v.id = 7",
     False),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "reads"), _BESIDE)
def test_a_subquery_beside_an_update_or_delete_scans_as_the_server_plans_it(
        pg_db: str, sql: str, reads: bool) -> None:
    """(checked on 18.6) EXPLAIN's plan reads hits in full exactly when the model scans it."""
    plan = _plan(pg_db, _ROWS, sql)
    assert ("Seq Scan on hits" in plan) is reads, plan
    assert ("public.hits" in effect_after(_ROWS, sql).scans) is reads


@pytest.mark.parametrize(("sql", "reads"), _BESIDE[:1] + _BESIDE[-2:-1])
def test_the_lint_report_lists_the_subquery_read(sql: str, reads: bool) -> None:
    """umami's backfill after an ADD COLUMN in its transaction: the statement's scans in the
    report (what the cost model prices) name the table its subquery reads in full."""
    migrations = [migration_from_text(_ROWS, "0001_setup.sql"),
                  migration_from_text(f"ALTER TABLE hits ADD COLUMN m int;\n{sql};",
                                      "0002_change.sql")]
    report = lint_migrations(migrations, LintOptions(pg_version=18), Catalog())[-1]
    scans = report.statements[-1].effect.scans
    assert ("public.hits" in scans) is reads
    assert not reads or "DISTINCT or GROUP BY subquery" in scans["public.hits"]


_INDEXED = _ROWS + "\nCREATE INDEX hits_session ON hits (session_id);"
_SUB = "(SELECT DISTINCT session_id, n FROM hits) s WHERE v.session_id = s.session_id"
_GROUPED = ("(SELECT session_id, max(n) AS top FROM hits GROUP BY session_id) s "
            "WHERE v.session_id = s.session_id")

#: (statement, whether it reads hits in full) with hits indexed on session_id: a condition
#: of the WHERE on the subquery's columns alone (or one the planner derives from `v.c =
#: s.c AND v.c = 7`) is pushed down into it, on a DISTINCT column or a GROUP BY key, and
#: then an index of hits may serve it.
_PUSHED = [
    (f"UPDATE visits v SET n = s.n FROM {_SUB} AND s.session_id = 7", False),
    (f"UPDATE visits v SET n = s.n FROM {_SUB} AND (s.session_id = 3 OR s.session_id = 4)",
     False),
    (f"UPDATE visits v SET n = s.n FROM {_SUB} AND v.session_id = 7", False),
    ("UPDATE visits SET n = s.n FROM (SELECT DISTINCT h.session_id, h.n FROM hits h) s "
     "WHERE visits.session_id = s.session_id AND 7 = visits.session_id", False),
    (f"UPDATE visits v SET n = s.top FROM {_GROUPED} AND s.session_id = 3", False),
    ("UPDATE visits v SET n = s.top FROM (SELECT session_id AS sid, max(n) AS top FROM hits "
     "GROUP BY 1) s WHERE v.session_id = s.sid AND s.sid = 3", False),
    (f"DELETE FROM visits v USING {_GROUPED} AND v.id > s.top AND s.session_id IN (3, 4)",
     False),
    # umami's shape: pushed through both subqueries
    ("UPDATE visits v SET n = a.k FROM (SELECT DISTINCT session_id, k FROM (SELECT DISTINCT "
     "session_id, n % 7 AS k FROM hits) s) a WHERE v.session_id = a.session_id "
     "AND a.session_id = 3", False),
    # pushed, but no index of hits serves it
    (f"UPDATE visits v SET n = s.n FROM {_SUB} AND s.n = 7", True),
    (f"UPDATE visits v SET n = s.n FROM {_SUB} AND (s.session_id = 3 OR s.n = 4)", True),
    ("UPDATE visits v SET n = a.k FROM (SELECT DISTINCT session_id, k FROM (SELECT DISTINCT "
     "session_id, n % 7 AS k FROM hits) s) a WHERE v.session_id = a.session_id "
     "AND a.k = 3", True),
    # the subquery's columns renamed by its alias: s.session_id is hits.n
    ("UPDATE visits v SET n = s.n FROM (SELECT DISTINCT n, session_id FROM hits) "
     "AS s(session_id, n) WHERE v.session_id = s.session_id AND s.session_id = 7", True),
    # not pushed down: an aggregate's (a HAVING), a join's, a volatile one, under ROLLUP or a
    # window function
    (f"UPDATE visits v SET n = s.top FROM {_GROUPED} AND s.top = 3", True),
    (f"UPDATE visits v SET n = s.n FROM {_SUB} AND s.session_id = v.n", True),
    (f"UPDATE visits v SET n = s.n FROM {_SUB} AND s.session_id = floor(random() * 100)",
     True),
    ("UPDATE visits v SET n = s.top FROM (SELECT session_id, max(n) AS top FROM hits "
     "GROUP BY ROLLUP (session_id)) s WHERE v.session_id = s.session_id "
     "AND s.session_id = 3", True),
    ("UPDATE visits v SET n = s.n FROM (SELECT DISTINCT session_id, n, row_number() OVER () "
     "AS r FROM hits) s WHERE v.session_id = s.session_id AND s.session_id = 3", True),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "reads"), _PUSHED)
def test_a_condition_pushed_down_into_the_subquery_reads_as_the_server_plans_it(
        pg_db: str, sql: str, reads: bool) -> None:
    """(checked on 18.6) EXPLAIN's plan reads hits in full exactly when the model scans it:
    a pushed-down condition an index serves is the subquery's own WHERE."""
    plan = _plan(pg_db, _INDEXED, sql)
    assert ("Seq Scan on hits" in plan) is reads, plan
    assert ("public.hits" in effect_after(_INDEXED, sql).scans) is reads


_EXPRESSION = _INDEXED + "\nCREATE INDEX hits_k ON hits ((n % 7));"
_K = "WHERE v.session_id = s.session_id AND s.k = 3"

#: (statement, whether it reads hits in full) with hits indexed on session_id and on n % 7:
#: a condition on a column the subquery computes is pushed down as that column's expression
#: (`n % 7 = 3`), which an index on the expression serves; a column of `SELECT DISTINCT *`
#: is the table's. What the planner keeps above the subquery reads every row.
_COMPUTED = [
    (f"UPDATE visits v SET n = s.k FROM (SELECT DISTINCT session_id, n % 7 AS k FROM hits) s "
     f"{_K}", False),
    (f"UPDATE visits v SET n = s.k FROM (SELECT DISTINCT session_id, hits.n % 7 AS k "
     f"FROM hits) s {_K}", False),
    # umami's shape, with the expression indexed: pushed through both subqueries
    ("UPDATE visits v SET n = a.k FROM (SELECT DISTINCT session_id, k FROM (SELECT DISTINCT "
     "session_id, n % 7 AS k FROM hits) s) a WHERE v.session_id = a.session_id "
     "AND a.k = 3", False),
    # GROUP BY: the expression itself (by position, name or as written) or one of its keys;
    # a HAVING with no aggregate is a WHERE
    ("UPDATE visits v SET n = s.c FROM (SELECT n % 7 AS k, count(*) AS c FROM hits "
     "GROUP BY n % 7) s WHERE v.n = s.k AND s.k = 3", False),
    ("UPDATE visits v SET n = s.c FROM (SELECT h.n % 7 AS k, count(*) AS c FROM hits h "
     "GROUP BY 1) s WHERE v.n = s.k AND s.k = 3", False),
    ("UPDATE visits v SET n = s.c FROM (SELECT n % 7 AS k, count(*) AS c FROM hits "
     "GROUP BY k) s WHERE v.n = s.k AND s.k = 3", False),
    (f"UPDATE visits v SET n = s.c FROM (SELECT session_id, n % 7 AS k, count(*) AS c "
     f"FROM hits GROUP BY session_id, n) s {_K}", False),
    # DISTINCT ON: the column in its list (by name, position or expression), else kept above
    (f"UPDATE visits v SET n = s.k FROM (SELECT DISTINCT ON (2) session_id, n % 7 AS k "
     f"FROM hits) s {_K}", False),
    (f"UPDATE visits v SET n = s.k FROM (SELECT DISTINCT ON (n % 7) session_id, n % 7 AS k "
     f"FROM hits) s {_K}", False),
    (f"UPDATE visits v SET n = s.k FROM (SELECT DISTINCT ON (session_id) session_id, "
     f"n % 7 AS k FROM hits) s {_K}", True),
    (f"UPDATE visits v SET n = s.k FROM (SELECT DISTINCT ON (session_id, n) session_id, n, "
     f"n % 7 AS k FROM hits) s {_K}", True),
    # SELECT DISTINCT *: the table's columns
    ("UPDATE visits v SET n = s.n FROM (SELECT DISTINCT * FROM hits) s "
     "WHERE v.session_id = s.session_id AND s.session_id = 7", False),
    ("UPDATE visits v SET n = s.n FROM (SELECT DISTINCT h.* FROM hits h) s "
     "WHERE v.session_id = s.session_id AND s.session_id = 7", False),
    ("UPDATE visits v SET n = s.n FROM (SELECT DISTINCT *, n % 7 AS k FROM hits) s "
     "WHERE v.session_id = s.session_id AND s.k = 3", False),
    ("UPDATE visits v SET n = s.n FROM (SELECT DISTINCT * FROM (SELECT DISTINCT session_id, "
     "n FROM hits) x) s WHERE v.session_id = s.session_id AND s.session_id = 7", False),
    ("UPDATE visits v SET n = s.n FROM (SELECT DISTINCT * FROM hits) s "
     "WHERE v.session_id = s.session_id AND s.n % 7 = 3", False),
    ("UPDATE visits v SET n = s.n FROM (SELECT DISTINCT ON (n) * FROM hits) s "
     "WHERE v.session_id = s.session_id AND s.session_id = 7", True),
    # pushed, but only an index on the expression serves it (hits_session does not)
    ("UPDATE visits v SET n = s.c FROM (SELECT DISTINCT session_id, session_id + 1 AS c "
     "FROM hits) s WHERE v.session_id = s.session_id AND s.c = 8", True),
    # kept above the subquery: a volatile, set-returning or aggregate expression, a subquery
    (f"UPDATE visits v SET n = s.k FROM (SELECT DISTINCT session_id, "
     f"n % 7 + (random() * 0)::int AS k FROM hits) s {_K}", True),
    (f"UPDATE visits v SET n = s.k FROM (SELECT DISTINCT session_id, "
     f"generate_series(1, n % 7) AS k FROM hits) s {_K}", True),
    ("UPDATE visits v SET n = s.t FROM (SELECT session_id, max(n) % 7 AS t FROM hits "
     "GROUP BY session_id) s WHERE v.session_id = s.session_id AND s.t = 3", True),
    (f"UPDATE visits v SET n = s.k FROM (SELECT DISTINCT session_id, (SELECT 1) + n % 7 AS k "
     f"FROM hits) s {_K}", True),
]


def _reads_in_full(plan: str, table: str) -> bool:
    """Whether EXPLAIN's `plan` reads every row of `table`: a Seq Scan of it, or an index
    scan of it with no Index Cond (one that walks the whole index for its order)."""
    lines = plan.splitlines()
    for at, line in enumerate(lines):
        if f"Seq Scan on {table} " in line:
            return True
        if " Index Scan using " in line and f" on {table} " in line or \
                " Index Only Scan using " in line and f" on {table} " in line:
            depth = len(line) - len(line.lstrip())
            below = [x for x in lines[at + 1:at + 4] if len(x) - len(x.lstrip()) > depth]
            if not any("Index Cond:" in x for x in below):
                return True
    return False


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "reads"), _COMPUTED)
def test_a_condition_on_a_computed_column_is_pushed_down_as_its_expression(
        pg_db: str, sql: str, reads: bool) -> None:
    """(checked on 18.6) EXPLAIN's plan reads hits in full exactly when the model scans it."""
    plan = _plan(pg_db, _EXPRESSION, sql)
    assert _reads_in_full(plan, "hits") is reads, plan
    assert ("public.hits" in effect_after(_EXPRESSION, sql).scans) is reads
