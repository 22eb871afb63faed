"""A batched UPDATE or DELETE whose foreign keys' actions or triggers write what its later
batches read (fix-executor14): run whole, the statement reads its tables before the actions
and the triggers write; in batches, each batch reads what those of the batches before it
wrote. Each case runs whole and in apply's key-range batches on the embedded PostgreSQL and
compares the rows after with the judgement of the run (the server's), lint (the migrations')
and lint's batching advice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from executor_helpers import history, lockwise, query, relation_exists, write

#: ids 1 to 1,000, each row's parent the row 100 ids before it (in the batch before).
_TREE = ("CREATE TABLE t (id bigint PRIMARY KEY, parent_id bigint REFERENCES t {action}, "
         "score integer NOT NULL);\n"
         "INSERT INTO t SELECT i, CASE WHEN i > 100 THEN i - 100 END, (i / 100) % 2 "
         "FROM generate_series(1, 1000) i;\n")
#: Groups of emails across the batches; a third of the rows past 500 the child of the row
#: 500 before it.
_GROUPS = ("CREATE TABLE t (id bigint PRIMARY KEY, parent_id bigint REFERENCES t "
           "ON DELETE CASCADE, email text NOT NULL);\n"
           "INSERT INTO t SELECT i, CASE WHEN i > 500 AND i % 3 = 0 THEN i - 500 END, "
           "'e' || ((i * 37) % 300) FROM generate_series(1, 1000) i;\n")
#: Another table pointing at t; its row j points at t's row j (for SET NULL none for j <=
#: 100), owned by t's row j + 100.
_CHILD = ("CREATE TABLE t (id bigint PRIMARY KEY, score integer NOT NULL);\n"
          "INSERT INTO t SELECT i, i % 3 FROM generate_series(1, 1000) i;\n"
          "CREATE TABLE c (id bigint PRIMARY KEY, t_id bigint REFERENCES t {action}, "
          "owner bigint);\n"
          "INSERT INTO c SELECT j, CASE WHEN j > {unowned} THEN j END, j + 100 "
          "FROM generate_series(1, {rows}) j;\n")
#: Codes referenced by the rows of the next batch, followed on update.
_CODES = ("CREATE TABLE t (id bigint PRIMARY KEY, code text NOT NULL UNIQUE, parent_code text "
          "REFERENCES t (code) ON UPDATE CASCADE, n integer NOT NULL DEFAULT 0);\n"
          "INSERT INTO t (id, code, parent_code) SELECT i, 'c' || i, CASE WHEN i > 100 THEN "
          "'c' || (i - 100) END FROM generate_series(1, 1000) i;\n")
#: t's first 100 rows scored 1; c's row j points at t's row j, its key's action `{action}`.
_CASCADED = ("CREATE TABLE t (id bigint PRIMARY KEY, score integer NOT NULL);\n"
             "INSERT INTO t SELECT i, CASE WHEN i <= 100 THEN 1 ELSE 0 END "
             "FROM generate_series(1, 1000) i;\n"
             "CREATE TABLE c (id bigint PRIMARY KEY, t_id bigint REFERENCES t {action});\n"
             "INSERT INTO c SELECT j, j FROM generate_series(1, 1000) j;\n"
             "CREATE TABLE log (what text, id bigint);\n")
_PLAIN = ("CREATE TABLE t (id bigint PRIMARY KEY, parent_id bigint, score integer NOT NULL);\n"
          "INSERT INTO t SELECT i, CASE WHEN i > 100 THEN i - 100 END, "
          "CASE WHEN i <= 100 THEN 1 ELSE i % 3 END FROM generate_series(1, 1000) i;\n"
          "CREATE TABLE log (what text, id bigint);\n")


def _trigger(body: str, when: str = "AFTER DELETE", each: str = "ROW", on: str = "t",
             condition: str = "") -> str:
    return (f"CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n  {body}\n"
            f"  RETURN OLD;\nEND\n$$;\n"
            f"CREATE TRIGGER tr {when} ON {on} FOR EACH {each}"
            f"{f' WHEN ({condition})' if condition else ''} EXECUTE FUNCTION f();\n")


def _tree(statement: str) -> dict:
    from pglast.parser import parse_sql_json

    return json.loads(parse_sql_json(statement))["stmts"][0]["stmt"]


def _whole_and_batched(dsn: str, setup: str, statement: str, tables: tuple[str, ...],
                       size: int = 100) -> tuple[list, list]:
    """The rows of `tables` after `statement` run whole, and after its key-range batches of
    `size` ids of t each committed on its own, as apply cuts them (`_batched_sql`)."""
    import psycopg

    def rows(conn) -> list:
        return [conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2").fetchall() for t in tables]

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(setup)
        conn.execute(statement)
        whole = rows(conn)
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        conn.execute(setup)
        _in_batches(conn, statement, size)
        return whole, rows(conn)


def _in_batches(conn, statement: str, size: int = 100) -> None:
    """`statement` in key-range batches of `size` ids of t, each committed on its own
    (`conn` in autocommit), as apply cuts them (`_batched_sql`)."""
    from pglast import parse_sql

    from lockwise.executor.batches import _batched_sql

    (raw,) = parse_sql(statement)
    lo, hi = conn.execute("SELECT min(id), max(id) FROM t").fetchone()
    while lo <= hi:
        conn.execute(_batched_sql(raw.stmt, "id", lo, lo + size))
        lo += size


def _server_refusal(dsn: str, statement: str) -> str | None:
    """`batch_refusal` as apply's run asks it, of what the server holds (the setup is there:
    the batched run left it)."""
    import psycopg

    from lockwise.executor.batches import ServerTables, batch_refusal

    with psycopg.connect(dsn, autocommit=True) as conn:
        return batch_refusal(_tree(statement), tables=ServerTables(conn))


def _lint(setup: str, statement: str) -> list:
    """lint's findings of `statement` marked, after a migration making what `setup` makes."""
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    made = [migration_from_text(setup, "0001_t.sql"),
            migration_from_text(f"-- lockwise: batch size=100\n{statement};\n", "0002_m.sql")]
    return lint_migrations(made, LintOptions(pg_version=18), Catalog())[-1].all_findings


def _advice(setup: str, statement: str) -> str:
    """where-without-index's batching advice of `statement` (unmarked) after `setup`, as
    `_unbatchable` says it ("" when it offers the batches)."""
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.effects.postgres.queries import _unbatchable
    from lockwise.lint import LintOptions, lint_migrations

    catalog = Catalog()
    lint_migrations([migration_from_text(setup, "0001_t.sql")], LintOptions(pg_version=18),
                    catalog)
    ((kind, node),) = _tree(statement).items()
    return _unbatchable(node, "update" if kind == "UpdateStmt" else "delete", False, catalog)


#: (setup, statement, the tables compared, what the refusal names): batches leave other rows.
_DIFFERENT = {
    "a parent's ON DELETE SET NULL makes its children roots for the next batch": (
        _TREE.format(action="ON DELETE SET NULL"), "DELETE FROM t WHERE parent_id IS NULL",
        ("t",), "foreign key t_parent_id_fkey on public.t sets parent_id"),
    "ON DELETE SET DEFAULT alike": (
        _TREE.format(action="ON DELETE SET DEFAULT"), "DELETE FROM t WHERE parent_id IS NULL",
        ("t",), "sets parent_id"),
    "a cascade deletes the row that kept another of its group": (
        _GROUPS, "DELETE FROM t a USING t b WHERE a.email = b.email AND a.id < b.id", ("t",),
        "deletes rows (ON DELETE CASCADE) of its own table"),
    "the same by EXISTS": (
        _GROUPS, "DELETE FROM t a WHERE EXISTS (SELECT 1 FROM t b WHERE a.email = b.email "
        "AND a.id < b.id)", ("t",), "of its own table"),
    "another table's SET NULL, read through a subquery": (
        _CHILD.format(action="ON DELETE SET NULL", rows=1000, unowned=100),
        "DELETE FROM t WHERE id IN (SELECT owner FROM c WHERE t_id IS NULL)", ("t", "c"),
        "foreign key c_t_id_fkey on public.c sets t_id"),
    "another table's cascade, read through a subquery": (
        _CHILD.format(action="ON DELETE CASCADE", rows=900, unowned=0),
        "DELETE FROM t WHERE id NOT IN (SELECT owner FROM c WHERE owner IS NOT NULL)",
        ("t", "c"), "deletes rows (ON DELETE CASCADE) of public.c"),
    "ON UPDATE CASCADE of a code the next batch's rows read": (
        _CODES, "UPDATE t SET code = code || '!' WHERE parent_code IS NULL "
        "OR parent_code NOT LIKE '%!'", ("t",), "foreign key t_parent_code_fkey"),
    "a row trigger writing its own table": (
        _PLAIN + _trigger("UPDATE t SET score = 1 WHERE parent_id = OLD.id;"),
        "DELETE FROM t WHERE score = 1", ("t",), "row trigger tr writes public.t"),
    "a BEFORE row trigger writing a table the WHERE reads": (
        _PLAIN + "INSERT INTO log SELECT 'doomed', generate_series(1, 50);\n"
        + _trigger("INSERT INTO log VALUES ('doomed', OLD.id + 100);", "BEFORE DELETE"),
        "DELETE FROM t WHERE id IN (SELECT id FROM log WHERE what = 'doomed')",
        ("t", "log"), "row trigger tr writes public.log"),
    "a statement trigger writing its own table": (
        _PLAIN + _trigger("UPDATE t SET score = 1 WHERE id = (SELECT max(id) FROM t "
                          "WHERE score <> 1);", each="STATEMENT"),
        "DELETE FROM t WHERE score = 1", ("t",), "statement trigger tr writes public.t"),
    "a row trigger counting its table into a log": (
        _PLAIN + _trigger("INSERT INTO log SELECT 'left', count(*) FROM t;"),
        "DELETE FROM t WHERE score = 1", ("t", "log"), "row trigger tr reads public.t"),
    "a trigger whose function runs dynamic SQL": (
        _PLAIN + _trigger("EXECUTE 'UPDATE t SET score = 1 WHERE parent_id = ' || OLD.id;"),
        "DELETE FROM t WHERE score = 1", ("t",), "lockwise cannot see all that it writes"),
    "a row trigger of the table a cascade deletes from, writing the statement's table": (
        _CASCADED.format(action="ON DELETE CASCADE")
        + _trigger("UPDATE t SET score = 1 WHERE id = OLD.t_id + 100;", on="c"),
        "DELETE FROM t WHERE score = 1", ("t", "c"),
        "row trigger tr on public.c (its foreign keys' actions write it) writes public.t"),
    "a row trigger of the table a SET NULL writes, writing a table the WHERE reads": (
        _CASCADED.format(action="ON DELETE SET NULL")
        + "INSERT INTO log SELECT 'doomed', generate_series(1, 50);\n"
        + _trigger("INSERT INTO log VALUES ('doomed', OLD.t_id + 100);", "AFTER UPDATE",
                   on="c"),
        "DELETE FROM t WHERE id IN (SELECT id FROM log WHERE what = 'doomed')",
        ("t", "c", "log"), "row trigger tr on public.c (its foreign keys' actions write it) "
        "writes public.log"),
    "a view over the table a cascade deletes from": (
        _CHILD.format(action="ON DELETE CASCADE", rows=900, unowned=0)
        + "CREATE VIEW cv AS SELECT * FROM c;\n",
        "DELETE FROM t WHERE id NOT IN (SELECT owner FROM cv WHERE owner IS NOT NULL)",
        ("t", "c"), "it reads the view public.cv over public.c"),
    "a row trigger whose WHEN reads only the OLD row's columns the DELETE does not change": (
        _PLAIN + _trigger("UPDATE t SET score = 1 WHERE parent_id = OLD.id;",
                          condition="OLD.parent_id IS NULL OR OLD.parent_id > 0"),
        "DELETE FROM t WHERE score = 1", ("t",), "row trigger tr writes public.t"),
}


@pytest.mark.postgres
@pytest.mark.parametrize("case", list(_DIFFERENT))
def test_batches_whose_actions_or_triggers_change_what_later_ones_read_are_refused(
        pg_db: str, case: str) -> None:
    """On the server the batches leave other rows than the statement whole; the run (what
    the server holds), lint (what the migrations made) and its batching advice refuse."""
    setup, statement, tables, reason = _DIFFERENT[case]
    whole, batched = _whole_and_batched(pg_db, setup, statement, tables)
    assert whole != batched
    assert reason in (_server_refusal(pg_db, statement) or "")
    misplaced = [f for f in _lint(setup, statement) if f.rule == "misplaced-batch-directive"]
    assert misplaced and reason in misplaced[0].message
    assert _advice(setup, statement).startswith("not in batches")


#: (setup, statement, the tables compared): batches leave the rows the whole statement does.
_SAME = {
    "SET NULL of a column the statement does not read": (
        _TREE.format(action="ON DELETE SET NULL"), "DELETE FROM t WHERE score = 1", ("t",)),
    "a cascade, the WHERE reading the row alone": (
        _TREE.format(action="ON DELETE CASCADE"), "DELETE FROM t WHERE parent_id % 7 = 0",
        ("t",)),
    "another table's SET NULL, not read": (
        _CHILD.format(action="ON DELETE SET NULL", rows=1000, unowned=100),
        "DELETE FROM t WHERE score = 1",
        ("t", "c")),
    "ON UPDATE CASCADE of a code no batch reads": (
        _CODES, "UPDATE t SET code = code || '!' WHERE id % 2 = 0", ("t",)),
    "a BEFORE row trigger setting the row's own column": (
        _PLAIN.replace("score integer NOT NULL", "score integer NOT NULL, n integer "
                       "NOT NULL DEFAULT 0")
        + _trigger("NEW.n := NEW.n + 1;", "BEFORE UPDATE").replace("RETURN OLD", "RETURN NEW"),
        "UPDATE t SET score = score + 10 WHERE score = 1", ("t",)),
    "a row trigger keeping the deleted rows in a log": (
        _PLAIN + _trigger("INSERT INTO log VALUES ('gone', OLD.id);"),
        "DELETE FROM t WHERE score = 1", ("t", "log")),
    "a row trigger of the table a cascade deletes from, keeping its rows in a log": (
        _CASCADED.format(action="ON DELETE CASCADE")
        + _trigger("INSERT INTO log VALUES ('gone', OLD.id);", on="c"),
        "DELETE FROM t WHERE score = 1", ("t", "c", "log")),
    "a NOT ENFORCED key's SET NULL (PG18: the server fires nothing)": (
        _TREE.format(action="ON DELETE SET NULL NOT ENFORCED"),
        "DELETE FROM t WHERE parent_id IS NULL", ("t",)),
    "a NOT ENFORCED key's cascade, of another table": (
        _CHILD.format(action="ON DELETE CASCADE NOT ENFORCED", rows=900, unowned=0),
        "DELETE FROM t WHERE id NOT IN (SELECT owner FROM c WHERE owner IS NOT NULL)",
        ("t", "c")),
    "a view over the table a cascade deletes from, not read": (
        _CASCADED.format(action="ON DELETE CASCADE") + "CREATE VIEW cv AS SELECT * FROM c;\n",
        "DELETE FROM t WHERE score = 1", ("t", "c")),
}


@pytest.mark.postgres
@pytest.mark.parametrize("case", list(_SAME))
def test_batches_whose_actions_and_triggers_change_nothing_read_are_batched(
        pg_db: str, case: str) -> None:
    """On the server the batches leave the rows the statement whole does: batched, and lint
    says nothing of its directive."""
    setup, statement, tables = _SAME[case]
    whole, batched = _whole_and_batched(pg_db, setup, statement, tables)
    assert whole == batched
    assert _server_refusal(pg_db, statement) is None
    assert "misplaced-batch-directive" not in [f.rule for f in _lint(setup, statement)]
    assert _advice(setup, statement) == ""


@pytest.mark.postgres
def test_apply_refuses_to_batch_a_delete_its_key_action_changes(pg_db: str,
                                                                   tmp_path: Path) -> None:
    """The table an earlier migration made with ON DELETE SET NULL to itself: refused when
    apply plans the migration, at the statement's file:line:column, exit 2, nothing run."""
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": _TREE.format(action="ON DELETE SET NULL"),
        "002_roots.up.sql": "CREATE TABLE earlier (id bigint PRIMARY KEY);\n"
                            "-- lockwise: batch size=100\n"
                            "DELETE FROM t WHERE parent_id IS NULL;\n"})
    planned = lockwise(pg_db, "apply", str(migrations), "--dry-run")
    assert planned.returncode == 2, planned
    refused = lockwise(pg_db, "apply", str(migrations))
    assert refused.returncode == 2, refused
    assert f"{migrations / '002_roots.up.sql'}:3:1:" in refused.stderr
    assert "foreign key t_parent_id_fkey on public.t sets parent_id" in refused.stderr
    assert not relation_exists(pg_db, "earlier")
    assert not relation_exists(pg_db, "lockwise.schema_history") or history(pg_db) == []


@pytest.mark.postgres
def test_apply_refuses_a_trigger_the_migrations_did_not_make(pg_db: str,
                                                             tmp_path: Path) -> None:
    """A trigger made by hand, writing the table the batches read, is unknown to the
    migrations' replay; apply asks the server before anything runs: exit 2, every row kept."""
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": _PLAIN,
        "002_prune.up.sql": "CREATE TABLE earlier (id bigint PRIMARY KEY);\n"
                            "-- lockwise: batch size=100\nDELETE FROM t WHERE score = 1;\n"})
    assert lockwise(pg_db, "apply", str(migrations), "--to", "001").returncode == 0
    query(pg_db, _trigger("UPDATE t SET score = 1 WHERE parent_id = OLD.id;"))
    before = history(pg_db)
    refused = lockwise(pg_db, "apply", str(migrations))
    assert refused.returncode == 2, refused
    assert f"{migrations / '002_prune.up.sql'}:3:1:" in refused.stderr
    assert "row trigger tr writes public.t" in refused.stderr
    assert not relation_exists(pg_db, "earlier")
    assert history(pg_db) == before
    assert query(pg_db, "SELECT count(*) FROM t") == [(1000,)]


_LOGGED = _PLAIN + _trigger("INSERT INTO log VALUES (TG_OP, NULL);", each="STATEMENT")


@pytest.mark.postgres
def test_a_statement_trigger_that_logs_is_batched_and_told(pg_db: str,
                                                           tmp_path: Path) -> None:
    """A statement trigger writing only a log: whole, one log row; in ten batches, ten (the
    rows of t the same). Batched, and the plan, the run and lint's advice say it fires once
    per batch."""
    statement = "DELETE FROM t WHERE score = 1"
    whole, batched = _whole_and_batched(pg_db, _LOGGED, statement, ("t", "log"))
    assert whole[0] == batched[0]
    assert (len(whole[1]), len(batched[1])) == (1, 10)
    assert _server_refusal(pg_db, statement) is None
    assert "misplaced-batch-directive" not in [f.rule for f in _lint(_LOGGED, statement)]
    query(pg_db, "DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": _LOGGED,
        "002_prune.up.sql": f"-- lockwise: batch size=100\n{statement};\n"})
    told = f"{migrations / '002_prune.up.sql'}:2:1: in batches, its statement trigger tr " \
        "fires once per batch"
    planned = lockwise(pg_db, "apply", str(migrations), "--dry-run")
    assert planned.returncode == 0, planned
    assert told in planned.stderr
    ran = lockwise(pg_db, "apply", str(migrations))
    assert ran.returncode == 0, ran
    assert told in ran.stderr
    assert query(pg_db, "SELECT count(*) FROM t") == [(len(whole[0]),)]
    assert query(pg_db, "SELECT count(*) FROM log") == [(10,)]


def test_the_batching_advice_says_a_statement_trigger_fires_once_per_batch() -> None:
    """unbatched-backfill's advice of every row's DELETE offers apply's batches, and says
    first that the statement trigger fires once per batch; not of a table without one."""
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    def advice(setup: str) -> str:
        made = [migration_from_text(setup, "0001_t.sql"),
                migration_from_text("DELETE FROM t;\n", "0002_m.sql")]
        found = lint_migrations(made, LintOptions(pg_version=18), Catalog())[-1].all_findings
        (text,) = [f.instead or "" for f in found if f.rule == "unbatched-backfill"]
        return text

    told = advice(_LOGGED)
    assert "-- batched, its statement trigger tr fires once per batch" in told
    assert "with `lockwise apply`: mark it" in told
    assert "statement trigger" not in advice(_PLAIN)


@pytest.mark.postgres
def test_a_trigger_whose_when_is_false_for_every_row_is_still_refused(pg_db: str) -> None:
    """A WHEN false for the rows of this run leaves the batches' rows the same, but whether
    it is depends on the rows (the previous case's WHEN reads only the OLD row's columns and
    the batches differ): the WHEN is not weighed, the statement is refused."""
    setup = _PLAIN + _trigger("UPDATE t SET score = 1 WHERE parent_id = OLD.id;",
                              condition="OLD.score = 5")
    statement = "DELETE FROM t WHERE score = 1"
    whole, batched = _whole_and_batched(pg_db, setup, statement, ("t",))
    assert whole == batched
    assert "row trigger tr writes public.t" in (_server_refusal(pg_db, statement) or "")


#: ids 1 to 1,000, each row the child of the row 100 ids before it by a key that only looks.
_CHAIN = ("CREATE TABLE t (id bigint PRIMARY KEY, parent_id bigint REFERENCES t {action}, "
          "score integer NOT NULL);\n"
          "INSERT INTO t SELECT i, CASE WHEN i > 100 THEN i - 100 END, 1 "
          "FROM generate_series(1, 1000) i;\n")


#: (setup, statement, the rows it changes: a count, what the refusal says). Whole, each
#: succeeds (the key is checked after the statement, when the children are gone or changed
#: too, RESTRICT's as well); its first batch fails with the key's violation (the children
#: are in later batches), no row changed.
_LOOKING = {
    **{f"a DELETE of a chain, the key {action or 'plain'}": (
        _CHAIN.format(action=action), "DELETE FROM t WHERE score = 1",
        "SELECT 1000 - count(*) FROM t", "its foreign key t_parent_id_fkey on public.t points "
        "at its own table and only looks (NO ACTION or RESTRICT): a batch that deletes")
       for action in ("", "ON DELETE NO ACTION", "ON DELETE RESTRICT",
                      "DEFERRABLE INITIALLY DEFERRED")},
    "an UPDATE of a code the next batch's rows point at, and of theirs": (
        _CODES.replace("ON UPDATE CASCADE", "DEFERRABLE"),
        "UPDATE t SET code = code || '!', parent_code = parent_code || '!'",
        "SELECT count(*) FROM t WHERE code LIKE '%!'", "changes the key of a row"),
}


@pytest.mark.postgres
@pytest.mark.parametrize("case", list(_LOOKING))
def test_a_table_keyed_to_itself_without_action_is_not_batched(pg_db: str,
                                                               case: str) -> None:
    """The whole statement changes all 1,000 rows; its first batch fails, none changed. The
    run, lint and the advice refuse."""
    import psycopg

    setup, statement, changed, reason = _LOOKING[case]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(setup)
        conn.execute(statement)
        assert conn.execute(changed).fetchone() == (1000,)
        conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        conn.execute(setup)
        with pytest.raises((psycopg.errors.ForeignKeyViolation,
                            psycopg.errors.RestrictViolation)):
            _in_batches(conn, statement)
        assert conn.execute(changed).fetchone() == (0,)
    assert reason in (_server_refusal(pg_db, statement) or "")
    misplaced = [f for f in _lint(setup, statement) if f.rule == "misplaced-batch-directive"]
    assert misplaced and reason in misplaced[0].message
    assert _advice(setup, statement).startswith("not in batches")


@pytest.mark.postgres
def test_apply_dry_run_refuses_to_batch_a_delete_of_a_chain(pg_db: str,
                                                           tmp_path: Path) -> None:
    """The plan says it before anything runs: exit 2 at the statement's place, every row
    kept (main ran it, its first batch failing)."""
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": _CHAIN.format(action=""),
        "002_prune.up.sql": "-- lockwise: batch size=100\nDELETE FROM t WHERE score = 1;\n"})
    assert lockwise(pg_db, "apply", str(migrations), "--to", "001").returncode == 0
    for args in (("--dry-run",), ()):
        refused = lockwise(pg_db, "apply", str(migrations), *args)
        assert refused.returncode == 2, refused
        assert f"{migrations / '002_prune.up.sql'}:2:1:" in refused.stderr
        assert "points at its own table and only looks" in refused.stderr
    assert query(pg_db, "SELECT count(*) FROM t") == [(1000,)]
