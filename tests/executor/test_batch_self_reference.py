"""A batched UPDATE or DELETE that reads its own table (fix-executor13): `lockwise apply` runs
it in key-range batches only where the rows after its batches are the rows after the whole
statement, compared on the embedded PostgreSQL; elsewhere the plan, the run and lint refuse
it with one reason (`batch_refusal`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from executor_helpers import history, lockwise, query, relation_exists, write

#: 1,000 rows. Each parent has a larger id than its child (row i <= 500 has parent 2i), ten
#: emails' groups span the ten batches (email i % 100), and score flips every 100 ids.
_TABLE = ("CREATE TABLE t (id bigint PRIMARY KEY, parent_id bigint, email text NOT NULL, "
          "score integer NOT NULL, rank integer NOT NULL DEFAULT 0);\n")
_ROWS = ("INSERT INTO t (id, parent_id, email, score) SELECT i, CASE WHEN i <= 500 THEN 2 * i "
         "END, 'e' || (i % 100), (i / 100) % 2 FROM generate_series(1, 1000) i;\n")
#: Beside it: a view over it, another table, and a table of its name in another schema.
_BESIDE = ("CREATE VIEW kids AS SELECT id, parent_id FROM t;\n"
           "CREATE TABLE u (id bigint PRIMARY KEY, score integer NOT NULL);\n"
           "INSERT INTO u SELECT i, i % 7 FROM generate_series(1, 1000) i;\n"
           "CREATE SCHEMA other;\n"
           "CREATE TABLE other.t (id bigint PRIMARY KEY, parent_id bigint, email text);\n"
           "INSERT INTO other.t SELECT i, i / 3, 'e' || (i % 40) "
           "FROM generate_series(1, 1000) i;\n")
_SETUP = _TABLE + _ROWS + _BESIDE


def _tree(statement: str) -> dict:
    from pglast.parser import parse_sql_json

    return json.loads(parse_sql_json(statement))["stmts"][0]["stmt"]


def _fresh(conn) -> None:
    conn.execute("DROP SCHEMA IF EXISTS other CASCADE; DROP VIEW IF EXISTS kids; "
                 "DROP TABLE IF EXISTS t, u CASCADE")
    conn.execute(_SETUP)


def _whole_and_batched(dsn: str, statement: str, size: int = 100) -> tuple[list, list]:
    """The rows of t after `statement` run whole, and after its key-range batches of `size`
    ids each committed on its own, as apply cuts them (`_batched_sql`, from the least key to
    the greatest, both read before the first batch)."""
    import psycopg
    from pglast import parse_sql

    from lockwise.executor.batches import _batched_sql

    with psycopg.connect(dsn, autocommit=True) as conn:
        _fresh(conn)
        conn.execute(statement)
        whole = conn.execute("SELECT * FROM t ORDER BY id").fetchall()
        _fresh(conn)
        (raw,) = parse_sql(statement)
        table = "other.t" if " other.t " in f"{statement.split('WHERE')[0]} " else "t"
        lo, hi = conn.execute(f"SELECT min(id), max(id) FROM {table}").fetchone()
        while lo <= hi:
            conn.execute(_batched_sql(raw.stmt, "id", lo, lo + size))
            lo += size
        return whole, conn.execute("SELECT * FROM t ORDER BY id").fetchall()


def _server_refusal(dsn: str, statement: str) -> str | None:
    """`batch_refusal` as apply's run asks it, of what the server holds."""
    import psycopg

    from lockwise.executor.batches import ServerTables, batch_refusal

    with psycopg.connect(dsn, autocommit=True) as conn:
        _fresh(conn)
        return batch_refusal(_tree(statement), tables=ServerTables(conn))


def _lint(statement: str) -> list:
    """lint's findings of `statement` marked, after a migration making what `_SETUP` makes."""
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    made = [migration_from_text(_SETUP, "0001_t.sql"),
            migration_from_text(f"-- lockwise: batch size=100\n{statement};\n", "0002_m.sql")]
    return lint_migrations(made, LintOptions(pg_version=18), Catalog())[-1].all_findings


#: Statements whose batches leave other rows than the statement whole, each with what the
#: refusal names.
_DIFFERENT_IN_BATCHES = [
    # the leaves: a parent whose children an earlier batch deleted is a leaf in a later one
    ("DELETE FROM t WHERE NOT EXISTS (SELECT 1 FROM t c WHERE c.parent_id = t.id)",
     "a value of the row picks"),
    ("DELETE FROM t WHERE NOT EXISTS (SELECT 1 FROM kids c WHERE c.parent_id = t.id)",
     "through the view public.kids"),
    ("DELETE FROM t WHERE id NOT IN (SELECT parent_id FROM kids WHERE parent_id IS NOT NULL)",
     "through the view public.kids"),
    # every row of a group that has a row of score 1: that row goes in an earlier batch
    ("DELETE FROM t a WHERE EXISTS (SELECT 1 FROM t b WHERE b.email = a.email AND b.score = 1)",
     "decides a row by other rows"),
    ("DELETE FROM t a USING t b WHERE b.email = a.email AND b.score = 1",
     "decides a row by other rows"),
    ("DELETE FROM t WHERE email IN (SELECT email FROM t WHERE score = 1 GROUP BY email)",
     "another row of its table"),
    # the first row of each group, then the first of what is left, ...
    ("DELETE FROM t a WHERE NOT EXISTS (SELECT 1 FROM t b WHERE b.email = a.email "
     "AND b.id < a.id)", "decides a row by other rows"),
    ("DELETE FROM t a WHERE a.email NOT IN (SELECT b.email FROM t b WHERE b.id < a.id)",
     "decides a row by other rows"),
    # a row deleted for its own filter was the row that kept the rows of its group
    ("DELETE FROM t a WHERE NOT EXISTS (SELECT 1 FROM t b WHERE b.email = a.email "
     "AND a.score = 0 AND b.score = 1)", "decides a row by other rows"),
    # ordered, but paired by a column that differs: the row it pairs with may be gone
    ("DELETE FROM t a USING t b WHERE a.email = b.email AND a.id > b.id "
     "AND a.score <> b.score", "decides a row by other rows"),
    ("DELETE FROM t a WHERE EXISTS (SELECT 1 FROM t b WHERE b.email = a.email "
     "AND b.score <> a.score AND b.id < a.id)", "decides a row by other rows"),
    # a window of the rows before it
    ("DELETE FROM t a WHERE EXISTS (SELECT 1 FROM t b WHERE b.id BETWEEN a.id - 5 "
     "AND a.id - 1)", "decides a row by other rows"),
]


@pytest.mark.postgres
@pytest.mark.parametrize(("statement", "reason"), _DIFFERENT_IN_BATCHES)
def test_a_statement_whose_batches_leave_other_rows_is_refused(
        pg_db: str, statement: str, reason: str) -> None:
    """On the server the batches leave other rows than the statement whole; the run (what
    the server holds), lint (what the migrations made) and its advice refuse to batch it."""
    whole, batched = _whole_and_batched(pg_db, statement)
    assert whole != batched
    assert reason in (_server_refusal(pg_db, statement) or "")
    findings = _lint(statement)
    misplaced = [f for f in findings if f.rule == "misplaced-batch-directive"]
    assert misplaced and reason in misplaced[0].message, [f.rule for f in findings]


#: Statements whose batches leave the rows the statement whole does.
_SAME_IN_BATCHES = [
    # a de-duplication keeping the first row of each group: the row kept pairs with none
    "DELETE FROM t USING t b WHERE t.email = b.email AND t.id > b.id",
    "DELETE FROM t a USING t b WHERE a.email = b.email AND a.id < b.id",
    "DELETE FROM t a WHERE EXISTS (SELECT 1 FROM t b WHERE b.email = a.email AND b.id < a.id)",
    "DELETE FROM t WHERE id NOT IN (SELECT min(id) FROM t GROUP BY email)",
    "DELETE FROM t a USING t b WHERE a.email = b.email AND a.id > b.id AND a.score < b.score",
    "DELETE FROM t a WHERE a.score < ANY (SELECT score FROM t b WHERE b.email = a.email)",
    "DELETE FROM t a WHERE EXISTS (SELECT 1 FROM t b WHERE b.email = a.email AND b.id < a.id "
    "AND b.score = 1)",
    # none of its group has score 1: a row deleted is no row of score 1 either
    "DELETE FROM t a WHERE NOT EXISTS (SELECT 1 FROM t b WHERE b.email = a.email "
    "AND b.score = 1)",
    # decided by its own row: each row is of its own group
    "DELETE FROM t a WHERE NOT EXISTS (SELECT 1 FROM t b WHERE b.email = a.email "
    "AND a.score = 1)",
    # each row against itself, by its key
    "DELETE FROM t WHERE id IN (SELECT id FROM t WHERE score = 1)",
    # an UPDATE reading of its table only columns it does not set, or another table
    "UPDATE t SET rank = (SELECT count(*) FROM t t2 WHERE t2.score > t.score)",
    "UPDATE t SET rank = 1 WHERE score > (SELECT avg(score) FROM t)",
    "UPDATE t SET rank = (SELECT count(*) FROM u WHERE u.score > t.score)",
    "UPDATE t SET rank = u.score FROM u WHERE u.id = t.id",
    # another schema's table of the same name is another table
    "DELETE FROM t WHERE NOT EXISTS (SELECT 1 FROM other.t c WHERE c.parent_id = t.id)",
    "DELETE FROM t WHERE id IN (SELECT parent_id FROM other.t)",
]


@pytest.mark.postgres
@pytest.mark.parametrize("statement", _SAME_IN_BATCHES)
def test_a_statement_whose_batches_leave_the_same_rows_is_batched(
        pg_db: str, statement: str) -> None:
    """On the server the batches leave the rows the statement whole does: batched, and lint
    says nothing of its directive."""
    whole, batched = _whole_and_batched(pg_db, statement)
    assert whole == batched
    assert _server_refusal(pg_db, statement) is None
    assert "misplaced-batch-directive" not in [f.rule for f in _lint(statement)]


def test_one_judgement_for_the_advice_and_the_refusal() -> None:
    """where-without-index's batching advice asks the judgement apply's refusal asks: a
    statement it refuses is advised no batches."""
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.effects.postgres.queries import _unbatchable
    from lockwise.executor.batches import batch_refusal
    from lockwise.lint import LintOptions, lint_migrations

    catalog = Catalog()  # (what `_SETUP` makes, replayed)
    lint_migrations([migration_from_text(_SETUP, "0001_t.sql")], LintOptions(pg_version=18),
                    catalog)
    for statement, _ in _DIFFERENT_IN_BATCHES:
        ((kind, node),) = _tree(statement).items()
        assert batch_refusal(_tree(statement), tables=catalog) is not None, statement
        assert _unbatchable(node, "delete", False, catalog), statement
    for statement in _SAME_IN_BATCHES[:10]:
        ((kind, node),) = _tree(statement).items()
        assert batch_refusal(_tree(statement), tables=catalog) is None, statement
        assert _unbatchable(node, "delete", False, catalog) == "", statement


_KEYS = "CREATE TABLE k (id bigint PRIMARY KEY, n integer NOT NULL);\n" \
        "INSERT INTO k VALUES (1, 0), (200, 0);\n"


@pytest.mark.postgres
def test_an_update_setting_the_batch_key_is_refused(pg_db: str, tmp_path: Path) -> None:
    """Ids 1 and 200 moved by 150: whole, to 151 and 350; in batches of 100, the first moves
    1 to 151, into the second batch's range, which moves it again, to 301 (checked on 18.6).
    apply refuses it when it plans the migration: exit 2, nothing of it run."""
    import psycopg
    from pglast import parse_sql

    from lockwise.executor.batches import _batched_sql

    statement = "UPDATE k SET id = id + 150"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(_KEYS)
        conn.execute(statement)
        assert conn.execute("SELECT id FROM k ORDER BY id").fetchall() == [(151,), (350,)]
        conn.execute(f"DROP TABLE k; {_KEYS}")
        (raw,) = parse_sql(statement)
        for lo in (1, 101):
            conn.execute(_batched_sql(raw.stmt, "id", lo, lo + 100))
        assert conn.execute("SELECT id FROM k ORDER BY id").fetchall() == [(301,), (350,)]
        conn.execute("DROP TABLE k")
    migrations = write(tmp_path / "m", {
        "001_k.up.sql": _KEYS,
        "002_move.up.sql": "CREATE TABLE earlier (id bigint PRIMARY KEY);\n"
                           f"-- lockwise: batch size=100\n{statement};\n"})
    refused = lockwise(pg_db, "apply", str(migrations))
    assert refused.returncode == 2, refused
    assert f"{migrations / '002_move.up.sql'}:3:1:" in refused.stderr
    assert "it sets id, the key its batches go by" in refused.stderr
    assert not relation_exists(pg_db, "earlier")
    assert not relation_exists(pg_db, "k")  # (nothing of the run: the first one neither)
    assert not relation_exists(pg_db, "lockwise.schema_history") or history(pg_db) == []


@pytest.mark.postgres
def test_apply_refuses_to_batch_the_leaves_through_a_view(pg_db: str, tmp_path: Path) -> None:
    """The view an earlier migration made over the table: refused when apply plans the
    migration, at its file:line:column, exit 2, nothing run."""
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": _TABLE + _ROWS + "CREATE VIEW kids AS SELECT id, parent_id FROM t;\n",
        "002_prune.up.sql": "CREATE TABLE earlier (id bigint PRIMARY KEY);\n"
                            "-- lockwise: batch size=100\nDELETE FROM t WHERE NOT EXISTS "
                            "(SELECT 1 FROM kids c WHERE c.parent_id = t.id);\n"})
    refused = lockwise(pg_db, "apply", str(migrations))
    assert refused.returncode == 2, refused
    assert f"{migrations / '002_prune.up.sql'}:3:1:" in refused.stderr
    assert "through the view public.kids" in refused.stderr
    assert not relation_exists(pg_db, "lockwise.schema_history") or history(pg_db) == []


@pytest.mark.postgres
def test_apply_refuses_a_view_the_migrations_did_not_make(pg_db: str, tmp_path: Path) -> None:
    """A view made outside the migrations is unknown to their replay; apply asks the server
    too before anything runs (`refuse_batches_by`): exit 2, at the statement's place,
    nothing of the migration run and every row kept."""
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": _TABLE + _ROWS,
        "002_prune.up.sql": "CREATE TABLE earlier (id bigint PRIMARY KEY);\n"
                            "-- lockwise: batch size=100\nDELETE FROM t WHERE NOT EXISTS "
                            "(SELECT 1 FROM kids c WHERE c.parent_id = t.id);\n"})
    assert lockwise(pg_db, "apply", str(migrations), "--to", "001").returncode == 0
    query(pg_db, "CREATE VIEW kids AS SELECT id, parent_id FROM t")
    before = history(pg_db)
    refused = lockwise(pg_db, "apply", str(migrations))
    assert refused.returncode == 2, refused
    assert f"{migrations / '002_prune.up.sql'}:3:1:" in refused.stderr
    assert "through the view public.kids" in refused.stderr
    assert not relation_exists(pg_db, "earlier")
    assert history(pg_db) == before
    assert query(pg_db, "SELECT count(*) FROM t") == [(1000,)]


def test_the_run_asks_the_server_before_its_first_batch(monkeypatch: pytest.MonkeyPatch
                                                        ) -> None:
    """`run_batched` judges the statement with what the server holds (`ServerTables`)
    before it reads a key or runs a batch."""
    from lockwise.executor import batches

    class Server:
        def unique_columns(self, table: str) -> frozenset[str] | None:
            return frozenset({"id"})

        def views_over(self, relation: str) -> list[str]:
            return ["public.kids"]

        def primary_key(self, table: str) -> tuple[str, ...]:
            return ("id",)

        def key_writes(self, table: str, kind: str, columns: frozenset[str] = frozenset()
                       ) -> list:
            return []

        def triggers_on(self, table: str) -> list:
            return []

    monkeypatch.setattr(batches, "ServerTables", lambda conn: Server())
    with pytest.raises(batches.BatchError, match="through the view public.kids"):
        batches.run_batched(None, "DELETE FROM t WHERE id IN (SELECT id FROM kids)",
                            batches.BatchSpec(), progress=None, version="1", checksums=["x"],
                            statement_index=0, lock_timeout_ms=0, report=print)
