"""ROLLBACK TO SAVEPOINT, as PostgreSQL runs it inside one migration: what the statements after
the savepoint made, dropped or changed is undone in the replayed catalog, the locks they took
are released, the settings they made are undone; RELEASE, nested savepoints and a name used
again follow the server's rules (checked on 18.6)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from effect_helpers import FULL_CATALOG, watch_session_ends
from lockwise.catalog.model import Catalog
from lockwise.core.types import MigrationReport
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE items (id int, note text);\nCREATE TABLE orders (id int);\n"

#: Statements run in one transaction block, and the tables of x, y, z left when it commits.
CASES = [
    # ROLLBACK TO an outer savepoint undoes the inner one's work too, and ends it
    ("SAVEPOINT a; CREATE TABLE x (i int); SAVEPOINT b; CREATE TABLE y (i int); "
     "ROLLBACK TO a;", set()),
    # the savepoint rolled back to stays: it can be rolled back to again
    ("SAVEPOINT a; CREATE TABLE x (i int); ROLLBACK TO a; CREATE TABLE y (i int); "
     "ROLLBACK TO a;", set()),
    # a name used again: the newest savepoint of that name is the one meant
    ("SAVEPOINT s; CREATE TABLE x (i int); SAVEPOINT s; CREATE TABLE y (i int); "
     "ROLLBACK TO s;", {"x"}),
    # ... until it is released: the older one is meant again
    ("SAVEPOINT s; CREATE TABLE x (i int); SAVEPOINT s; CREATE TABLE y (i int); RELEASE s; "
     "ROLLBACK TO s;", set()),
    # RELEASE keeps the work done, which an outer savepoint still undoes
    ("SAVEPOINT a; SAVEPOINT b; CREATE TABLE x (i int); RELEASE b; ROLLBACK TO a;", set()),
    ("SAVEPOINT a; CREATE TABLE x (i int); RELEASE a; SAVEPOINT b; CREATE TABLE y (i int); "
     "ROLLBACK TO b;", {"x"}),
    # a savepoint's name is an identifier: folded to lower case unless quoted
    ("SAVEPOINT Foo; CREATE TABLE x (i int); ROLLBACK TO SAVEPOINT foo;", set()),
    ("SAVEPOINT a; CREATE TABLE x (i int); ROLLBACK TO a; CREATE TABLE y (i int); "
     "CREATE TABLE z (i int);", {"y", "z"}),
    # a drop after the savepoint is undone too
    ("CREATE TABLE x (i int); SAVEPOINT a; DROP TABLE x; CREATE TABLE y (i int); "
     "ROLLBACK TO a;", {"x"}),
    # a quoted name keeps its case; the other spellings of ROLLBACK TO
    ('SAVEPOINT "A b"; CREATE TABLE x (i int); ROLLBACK TRANSACTION TO SAVEPOINT "A b";',
     set()),
    ("SAVEPOINT Foo; CREATE TABLE x (i int); ROLLBACK WORK TO FOO;", set()),
    ("SAVEPOINT s; CREATE TABLE x (i int); ROLLBACK /* back */ TO s;", set()),
    # a savepoint no ROLLBACK TO names, inside one that one names
    ("SAVEPOINT a; CREATE TABLE x (i int); SAVEPOINT b; CREATE TABLE y (i int); RELEASE b; "
     "ROLLBACK TO a; CREATE TABLE z (i int);", {"z"}),
]


def lint(*migrations: str, catalog: Catalog | None = None) -> list[MigrationReport]:
    texts = [SETUP, *migrations]
    return lint_migrations([migration_from_text(sql, f"{i + 1:04}_m.sql")
                            for i, sql in enumerate(texts)],
                           LintOptions(), catalog if catalog is not None else Catalog())


def rules_of(report: MigrationReport, statement: int) -> set[str]:
    return {f.rule for f in report.statements[statement].findings}


def _locks(conn: object) -> list[str]:
    return sorted(row[0] for row in conn.execute(  # type: ignore[attr-defined]
        "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() "
        "AND relation = 'items'::regclass").fetchall())


@pytest.mark.postgres
def test_the_server_undoes_the_work_after_a_savepoint(pg_db: str) -> None:
    # checked on 18.6
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
        for sql, left in CASES:
            conn.execute("BEGIN")
            conn.execute(sql)
            assert {row[0] for row in conn.execute(
                "SELECT relname FROM pg_class WHERE relname IN ('x', 'y', 'z')")} == left, sql
            conn.execute("ROLLBACK")
        conn.execute("BEGIN; SAVEPOINT a; SAVEPOINT b; RELEASE a")
        with pytest.raises(psycopg.errors.InvalidSavepointSpecification):
            conn.execute("ROLLBACK TO b")  # released with a
        conn.execute("ROLLBACK")


@pytest.mark.postgres
def test_the_server_releases_the_locks_taken_after_the_savepoint(pg_db: str) -> None:
    # checked on 18.6: a lock taken after the savepoint goes at ROLLBACK TO, one taken
    # before it stays; RELEASE keeps them all; a SET after it is undone.
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
        conn.execute("BEGIN; SELECT * FROM items; SAVEPOINT s; "
                     "ALTER TABLE items ADD COLUMN c int")
        assert _locks(conn) == ["AccessExclusiveLock", "AccessShareLock"]
        conn.execute("ROLLBACK TO s")
        assert _locks(conn) == ["AccessShareLock"]
        conn.execute("SAVEPOINT t; LOCK items IN ACCESS EXCLUSIVE MODE; RELEASE t; SAVEPOINT u")
        conn.execute("ROLLBACK TO u")
        assert _locks(conn) == ["AccessExclusiveLock", "AccessShareLock"]
        conn.execute("ROLLBACK")
        conn.execute("BEGIN; SET lock_timeout = '1s'; SAVEPOINT s; SET LOCAL lock_timeout = '5s'; "
                     "ROLLBACK TO s")
        assert conn.execute("SHOW lock_timeout").fetchone() == ("1s",)
        conn.execute("ROLLBACK")


@pytest.mark.parametrize(("sql", "left"), CASES)
def test_the_replay_follows_the_savepoints(monkeypatch: pytest.MonkeyPatch, sql: str,
                                           left: set[str]) -> None:
    import lockwise.lint as lint_module

    seen = watch_session_ends(monkeypatch, lint_module, lambda catalog: {
        t.split(".", 1)[1] for t in catalog.tables if t in ("public.x", "public.y", "public.z")})
    lint("BEGIN;\n" + sql.replace("; ", ";\n") + "\nCOMMIT;\n")
    assert seen[-1] == left


def test_a_create_rolled_back_to_a_savepoint_is_made_again_later() -> None:
    catalog = Catalog()
    _, second = lint("BEGIN;\nSAVEPOINT s;\nCREATE TABLE made (id int);\n"
                     "ROLLBACK TO SAVEPOINT s;\nCOMMIT;\n", "CREATE TABLE made (id int);\n",
                     catalog=catalog)[1:]
    assert "object-already-exists" not in rules_of(second, 0)
    assert catalog.tables["public.made"].created_by == "0003_m"


def test_the_conflict_graph_follows_the_savepoints(monkeypatch: pytest.MonkeyPatch) -> None:
    import lockwise.graph.build as build
    from lockwise.graph.api import history_conflicts

    seen = watch_session_ends(monkeypatch, build, lambda catalog: {
        t for t in catalog.tables if t in ("public.x", "public.y")})
    history_conflicts([[migration_from_text(SETUP, "0001_m.sql"), migration_from_text(
        "BEGIN;\nSAVEPOINT s;\nCREATE TABLE x (i int);\nSAVEPOINT t;\nCREATE TABLE y (i int);\n"
        "ROLLBACK TO t;\nCOMMIT;\n", "0002_m.sql")]], pg_version=18)
    assert seen[-1] == {"public.x"}


#: A statement after a savepoint, and the rule it makes a later statement (5th) get while the
#: transaction holds its locks: its ACCESS EXCLUSIVE (lock-accumulation), its data change's
#: locks under the DDL's (mixed-ddl-and-dml).
AFTER_SAVEPOINT = [("ALTER TABLE items ADD COLUMN c int", "UPDATE orders SET id = id + 1",
                    "lock-accumulation"),
                   ("UPDATE items SET note = 'x'", "ALTER TABLE items ADD COLUMN c int",
                    "mixed-ddl-and-dml")]


@pytest.mark.parametrize(("end", "held"), [("ROLLBACK TO SAVEPOINT s", False),
                                            ("RELEASE SAVEPOINT s", True)])
@pytest.mark.parametrize(("first", "later", "rule"), AFTER_SAVEPOINT)
def test_a_lock_taken_after_the_savepoint_goes_at_rollback_to(
        end: str, held: bool, first: str, later: str, rule: str) -> None:
    (report,) = lint(f"BEGIN;\nSAVEPOINT s;\n{first};\n{end};\n{later};\nCOMMIT;\n")[1:]
    assert (rule in rules_of(report, 4)) is held


def test_a_lock_taken_before_the_savepoint_stays_at_rollback_to() -> None:
    (report,) = lint("BEGIN;\nALTER TABLE items ADD COLUMN c int;\nSAVEPOINT s;\n"
                     "ROLLBACK TO SAVEPOINT s;\nUPDATE orders SET id = id + 1;\nCOMMIT;\n")[1:]
    assert "lock-accumulation" in rules_of(report, 4)


def test_a_lock_timeout_set_after_the_savepoint_is_undone_at_rollback_to() -> None:
    (report,) = lint("BEGIN;\nSAVEPOINT s;\nSET LOCAL lock_timeout = '2s';\n"
                     "ROLLBACK TO SAVEPOINT s;\nALTER TABLE items ADD COLUMN c int;\n"
                     "COMMIT;\n")[1:]
    assert "missing-lock-timeout" in rules_of(report, 4)




@pytest.mark.parametrize(("end", "held"), [("ROLLBACK TO SAVEPOINT s", False),
                                            ("RELEASE SAVEPOINT s", True)])
def test_a_lock_rolled_back_to_no_longer_holds_up_the_statements_after(end: str,
                                                                       held: bool) -> None:
    # With statistics, a statement run while the transaction holds a lock that blocks writes
    # holds it for its whole run (lock-held-too-long); the ANALYZE alone blocks no write.
    from lockwise.cost.stats import stats_from_dict

    stats = stats_from_dict({"tables": {
        "public.orders": {"rows": 50_000_000, "heap_bytes": 8_000_000_000}}})
    (report,) = lint_migrations(
        [migration_from_text(SETUP, "0001_m.sql"), migration_from_text(
            f"BEGIN;\nSAVEPOINT s;\nLOCK TABLE items IN SHARE MODE;\n{end};\n"
            "ANALYZE orders;\nCOMMIT;\n", "0002_m.sql")],
        LintOptions(stats=stats, max_lock_seconds=0.01), Catalog())[1:]
    assert ("lock-held-too-long" in rules_of(report, 4)) is held


#: Two statements whose second gets a rule reported once per transaction, and can run twice.
TWICE = [("ALTER TABLE items ALTER COLUMN note SET DEFAULT 'x'", "UPDATE orders SET id = id + 1",
          "lock-accumulation"),
         ("UPDATE items SET note = 'x'", "ALTER TABLE items ALTER COLUMN note SET DEFAULT 'y'",
          "mixed-ddl-and-dml")]


@pytest.mark.postgres
def test_the_server_takes_the_locks_again_after_rollback_to(pg_db: str) -> None:
    # checked on 18.6: the statements after ROLLBACK TO take anew the locks their twins,
    # rolled back, had taken and let go
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
        conn.execute("BEGIN; SAVEPOINT s; ALTER TABLE items ALTER COLUMN note SET DEFAULT 'x'")
        taken = _locks(conn)
        assert "AccessExclusiveLock" in taken
        conn.execute("ROLLBACK TO s")
        assert _locks(conn) == []
        conn.execute("ALTER TABLE items ALTER COLUMN note SET DEFAULT 'x'")
        assert _locks(conn) == taken
        conn.execute("ROLLBACK")


@pytest.mark.parametrize(("end", "covered"), [("ROLLBACK TO SAVEPOINT s", False),
                                               ("RELEASE SAVEPOINT s", True)])
@pytest.mark.parametrize(("first", "later", "rule"), TWICE)
def test_a_finding_rolled_back_to_covers_no_later_statement(
        end: str, covered: bool, first: str, later: str, rule: str) -> None:
    """A rule reported once per transaction speaks for the later statements in the same case;
    not once the statement it was reported at is rolled back to a savepoint before it: its
    work is undone, and the twin after ROLLBACK TO is judged anew (it was left silent, named
    in the rolled-back one's message). After RELEASE the first one's work stays, and its
    finding speaks for the twin."""
    (report,) = lint(f"BEGIN;\nSAVEPOINT s;\n{first};\n{later};\n{end};\n{first};\n"
                     f"{later};\nCOMMIT;\n")[1:]
    (kept,) = [f for f in report.statements[3].findings if f.rule == rule]
    assert (rule in rules_of(report, 6)) is not covered
    assert ("7 (line 7)" in kept.message) is covered, kept.message


#: Transactions (each run in a block) whose last statement names a savepoint that is not open
#: there, and that name: the server refuses it (checked on 18.6).
MISSING = [
    ("RELEASE SAVEPOINT s;", "s"),  # none made
    ("SAVEPOINT a; RELEASE a; ROLLBACK TO SAVEPOINT a;", "a"),  # released
    ("SAVEPOINT a; SAVEPOINT b; RELEASE a; ROLLBACK TO b;", "b"),  # released with an outer one
    ("SAVEPOINT a; SAVEPOINT b; ROLLBACK TO a; RELEASE b;", "b"),  # ended by ROLLBACK TO a
    ('SAVEPOINT s; ROLLBACK TO SAVEPOINT "S";', "S"),  # a quoted name keeps its case
    # a savepoint ends with its transaction
    ("SAVEPOINT s; COMMIT; BEGIN; ROLLBACK TO SAVEPOINT s;", "s"),
]


@pytest.mark.postgres
def test_the_server_refuses_a_savepoint_that_is_not_open(pg_db: str) -> None:
    # checked on 18.6: 'savepoint "x" does not exist' (3B001), and the transaction is failed
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for sql, name in MISSING:
            *before, last = sql.split("; ")
            conn.execute("; ".join(["BEGIN", *before]))
            with pytest.raises(psycopg.errors.InvalidSavepointSpecification,
                               match=f'^savepoint "{name}" does not exist$'):
                conn.execute(last)
            with pytest.raises(psycopg.errors.InFailedSqlTransaction):
                conn.execute("SELECT 1")
            conn.execute("ROLLBACK")


@pytest.mark.parametrize(("sql", "name"), MISSING)
def test_a_savepoint_that_is_not_open_is_reported_where_it_is_named(sql: str,
                                                                    name: str) -> None:
    statements = ["BEGIN;", *(s if s.endswith(";") else s + ";" for s in sql.split("; "))]
    (report,) = lint("\n".join([*statements, "COMMIT;"]) + "\n")[1:]
    last = report.statements[len(statements) - 1]
    (found,) = [f for f in last.findings if f.rule == "savepoint-missing"]
    assert (found.span.line, found.span.column) == (len(statements), 1)
    assert f'"savepoint "{name}" does not exist"' in found.message, found.message
    # refused, it is the one finding of its statement, and the only one of the migration
    assert [f.rule for f in last.findings] == ["savepoint-missing"]
    assert [f.rule for f in report.all_findings] == ["savepoint-missing"]


@pytest.mark.parametrize(("sql", "left"), CASES)
def test_a_savepoint_that_is_open_is_not_reported(sql: str, left: set[str]) -> None:
    (report,) = lint("BEGIN;\n" + sql.replace("; ", ";\n") + "\nCOMMIT;\n")[1:]
    assert "savepoint-missing" not in {f.rule for f in report.all_findings}


def test_the_cli_names_the_place_of_a_savepoint_that_is_not_open(tmp_path) -> None:
    from typer.testing import CliRunner

    from lockwise.cli.app import app

    (tmp_path / "0001_m.sql").write_text(
        "BEGIN;\nSAVEPOINT before_backfill;\nRELEASE before_backfill;\n"
        "  ROLLBACK TO SAVEPOINT before_backfill;\nCOMMIT;\n")
    result = CliRunner().invoke(app, ["lint", str(tmp_path), "--no-color", "--no-cache"])
    assert result.exit_code == 1, result.stdout
    assert "0001_m.sql:4:3: savepoint-missing [requires-downtime]" in result.stdout, \
        result.stdout


#: A savepoint command outside a transaction block, and how the migration runs it: the server
#: refuses it whatever the name ("... can only be used in transaction blocks", 25P01), in
#: autocommit and in PostgreSQL's implicit block for a string of statements (checked on 18.6).
OUTSIDE = [("SAVEPOINT s", "SAVEPOINT"), ("RELEASE SAVEPOINT s", "RELEASE SAVEPOINT"),
           ("ROLLBACK TO SAVEPOINT s", "ROLLBACK TO SAVEPOINT")]


@pytest.mark.postgres
def test_the_server_refuses_savepoints_outside_a_transaction_block(pg_db: str) -> None:
    # checked on 18.6; in the implicit block the statements before it are rolled back too
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for sql, command in OUTSIDE:
            for text in (sql, f"CREATE TABLE made (i int); {sql}"):
                with pytest.raises(psycopg.errors.NoActiveSqlTransaction,
                                   match=f"^{command} can only be used in transaction blocks$"):
                    conn.execute(text)
            assert conn.execute("SELECT to_regclass('made')").fetchone() == (None,)


@pytest.mark.parametrize(("sql", "command"), OUTSIDE)
@pytest.mark.parametrize("layout", ["file", "golang-migrate"])
def test_savepoints_outside_a_transaction_block_are_reported(sql: str, command: str,
                                                             layout: str) -> None:
    # psql -f runs each statement on its own; golang-migrate sends the file as one string
    from dataclasses import replace

    migration = replace(migration_from_text(f"CREATE TABLE made (i int);\n{sql};\n",
                                            "0002_m.sql"), layout=layout)
    (report,) = lint_migrations([migration_from_text(SETUP, "0001_m.sql"), migration],
                                LintOptions(), Catalog())[1:]
    (found,) = [f for f in report.statements[1].findings
                if f.rule == "transaction-only-statement"]
    assert found.message.startswith(f"{command} can only be used in a transaction block")
    # what is left of the statements before it: committed one by one, or rolled back with
    # it in the implicit block of their string (checked on 18.6, above)
    before = "the statements before it in the same string rolled back with it" \
        if layout == "golang-migrate" else "the statements before it already committed"
    assert found.message.endswith(f"the migration stops here with {before}."), found.message
    assert "savepoint-missing" not in {f.rule for f in report.all_findings}


def test_lock_table_outside_a_transaction_leaves_the_statements_before_it_committed() -> None:
    (report,) = lint("CREATE TABLE made (i int);\nLOCK TABLE items;\n")[1:]
    (found,) = [f for f in report.statements[1].findings
                if f.rule == "transaction-only-statement"]
    assert found.message.endswith("with the statements before it already committed."), \
        found.message


#: A migration run in one transaction block, and how many copies of the replayed catalog it
#: needs: one where a ROLLBACK or a ROLLBACK TO can put it back, none elsewhere (main copied at
#: the block's first statement, at each SAVEPOINT and again after each ROLLBACK TO).
COPIES = [
    ("SAVEPOINT s; CREATE TABLE x (i int); ROLLBACK TO s;", 1),
    ("SAVEPOINT s; CREATE TABLE x (i int); SAVEPOINT t; CREATE TABLE y (i int); "
     "ROLLBACK TO s;", 1),
    ("SAVEPOINT a; CREATE TABLE x (i int); ROLLBACK TO a; CREATE TABLE y (i int); "
     "ROLLBACK TO a;", 2),
    ('SAVEPOINT "A b"; CREATE TABLE x (i int); ROLLBACK TRANSACTION TO SAVEPOINT "A b";', 1),
    ("SAVEPOINT Foo; CREATE TABLE x (i int); ROLLBACK WORK TO FOO;", 1),
    ("SAVEPOINT s; CREATE TABLE x (i int); ROLLBACK;", 1),
    ("SAVEPOINT s; CREATE TABLE x (i int); RELEASE s;", 0),
    # a form not read here: every copy kept, as before
    ("SAVEPOINT s; CREATE TABLE x (i int); ROLLBACK /* back */ TO s;", 3),
]


@pytest.mark.parametrize(("sql", "copies"), COPIES)
def test_the_catalog_is_copied_only_where_a_rollback_can_put_it_back(
        monkeypatch: pytest.MonkeyPatch, sql: str, copies: int) -> None:
    from lockwise.catalog.replay import Rollbacks

    made = []
    copy = Rollbacks._copy
    monkeypatch.setattr(Rollbacks, "_copy", lambda self, catalog: made.append(1) or copy(
        self, catalog))
    lint("BEGIN;\n" + sql.replace("; ", ";\n") + "\nCOMMIT;\n")
    assert len(made) == copies


#: FULL_CATALOG and a table in schema app, then statements that change its containers in
#: place: an enum's labels, a table's columns, constraints, triggers, policies and name, an
#: index's name, a column's sequences, a domain's checks, a composite's attributes, a
#: partition, a schema's name.
KEPT_SCHEMA = FULL_CATALOG + "CREATE TABLE app.t (id int);"
KEPT_CHANGES = (
    "ALTER TYPE mood ADD VALUE 'great'; ALTER TABLE a ADD COLUMN z int;"
    "ALTER TABLE a ALTER COLUMN n SET NOT NULL; ALTER TABLE a ALTER COLUMN n DROP DEFAULT;"
    "ALTER TABLE a RENAME COLUMN n TO n2; ALTER TABLE a DROP COLUMN m;"
    "ALTER TABLE a ADD CONSTRAINT a_z_check CHECK (z > 1) NOT VALID;"
    "ALTER TABLE a VALIDATE CONSTRAINT a_z_check; ALTER INDEX b_note RENAME TO b_note2;"
    "ALTER SEQUENCE s OWNED BY a.id; ALTER TABLE b RENAME TO b2;"
    "ALTER DOMAIN positive ADD CONSTRAINT small CHECK (VALUE < 100);"
    "ALTER TYPE pair ADD ATTRIBUTE z int; ALTER TRIGGER a_touch ON a RENAME TO a_touch2;"
    "ALTER POLICY own ON a RENAME TO own2; ALTER TABLE parted DETACH PARTITION parted_1;"
    "CREATE INDEX a_z ON a (z); DROP INDEX b_note2; ALTER STATISTICS a_stats RENAME TO st;"
    "ALTER TABLE kid NO INHERIT b2; ALTER SCHEMA app RENAME TO app2; DROP VIEW v;"
    "ALTER TABLE a ALTER COLUMN z TYPE bigint; DROP TABLE b2 CASCADE;"
)


def test_the_catalog_kept_at_a_savepoint_shares_the_parse_trees() -> None:
    # What a ROLLBACK TO puts back was a deep copy of the whole catalog, its parse trees (a
    # default's, a CHECK's, a view's query) too, which the replay never changes in place:
    # the copies were most of the conflict graph's time on a history whose every tenth
    # migration is rolled back to a savepoint.
    from lockwise.catalog.replay import copied
    from lockwise.parse.postgres import parse_sql

    catalog = _replayed(parse_sql(KEPT_SCHEMA).statements)
    kept = copied(catalog)
    assert kept == catalog
    column, original = kept.tables["public.a"].columns["n"], catalog.tables["public.a"].columns["n"]
    assert column is not original and kept.tables["public.a"] is not catalog.tables["public.a"]
    assert column.default_expression["FuncCall"] is original.default_expression["FuncCall"]


def test_the_catalog_kept_at_a_savepoint_is_left_as_it_was_by_what_follows() -> None:
    # The copy kept at each statement (`replay.copied`, what a ROLLBACK TO puts back) equals
    # a deep copy taken there after every statement that follows changed the catalog in
    # place; replaying those statements again on it and on the deep copy gives one catalog.
    from copy import deepcopy

    from lockwise.catalog.replay import copied
    from lockwise.parse.postgres import parse_sql

    statements = parse_sql(KEPT_SCHEMA + KEPT_CHANGES).statements
    for at in range(len(statements)):
        catalog = _replayed(statements[:at])
        kept, deep = copied(catalog), deepcopy(catalog)
        _replayed(statements[at:], catalog)
        assert kept == deep, statements[at].sql
        assert dict(kept.indexes) == dict(deep.indexes), statements[at].sql
        assert _replayed(statements[at:], kept) == _replayed(statements[at:], deep)
        assert {t: kept.index_keys_on(t) for t in kept.tables} == \
            {t: deep.index_keys_on(t) for t in deep.tables}


def _replayed(statements: list, catalog: Catalog | None = None) -> Catalog:
    from lockwise.catalog.replay import apply_statement

    catalog = Catalog() if catalog is None else catalog
    for stmt in statements:
        apply_statement(catalog, stmt.tree, "0001")
    return catalog


def test_what_the_callers_keep_is_copied_without_what_nothing_changes_in_place() -> None:
    # `Rollbacks.keep` (the conflict graph's where each object was made, who uses it, what
    # was dropped...) was deep-copied at each copy of the catalog: each of thousands of
    # locations rebuilt, two fifths of the graph's time (once the catalog's copy was cut) on
    # a history whose every tenth migration is rolled back to a savepoint. A set, and a
    # dict's sets, are copied; what is hashed by its fields (a Location, a tuple, a name) is
    # shared; anything else deep-copied.
    from types import SimpleNamespace

    from lockwise.catalog.replay import Rollbacks
    from lockwise.graph.model import Location

    class Deps:  # (a value changed in place, as the graph's views' dependencies)
        def __init__(self) -> None:
            self.deps = {"table:public.a"}

    at = Location("0001", "0001_a.sql", 3, 1)
    made, users, names, views = {"table:public.a": at}, {"table:public.a": {"0002"}}, {"x"}, {
        "public.v": Deps()}
    rollbacks = Rollbacks("BEGIN; SAVEPOINT s; ROLLBACK TO s; COMMIT;",
                          keep=(made, users, names, views))
    # (the session as `after` reads it just after SAVEPOINT s)
    session = SimpleNamespace(ended_transactions=1, rolled_back_to=-1, savepoints=[("s", {})])
    assert rollbacks.after(Catalog(), session, 1) is None
    made["table:public.b"] = Location("0002", "0002_b.sql", 1, 1)
    users["table:public.a"].add("0003")
    names.add("y")
    views["public.v"].deps.add("table:public.b")
    kept = rollbacks.points[0][1]
    assert kept[0] == {"table:public.a": at} and kept[0]["table:public.a"] is at
    assert kept[1] == {"table:public.a": {"0002"}} and kept[2] == {"x"}
    assert kept[3]["public.v"].deps == {"table:public.a"}


#: What a test does to the conflict graph's views and drops between a savepoint and the
#: ROLLBACK TO it: (operation, view or key, a second name, deps).
_VIEW_NAMES = ["app.v", "app.w", "public.x"]
_DEPS = ["table:app.t", "column:app.t.a", "column:app.t.b", "table:public.u",
         "column:public.u.Odd Name", "function:app.f"]
_DROPPED_KEYS = ["table:app.t", "column:app.t.a", "column:app.t.b", "constraint:app.t.k",
                 "function:app.f", "sequence:public.s", "type:public.Odd Type",
                 "view:app.v", "column:public.u.Odd Name"]


def _map_steps() -> st.SearchStrategy:
    view_step = st.tuples(st.sampled_from(["set", "pop", "rename", "deps", "replace"]),
                          st.sampled_from(_VIEW_NAMES), st.sampled_from(_VIEW_NAMES),
                          st.sets(st.sampled_from(_DEPS), max_size=4))
    drop_step = st.tuples(st.sampled_from(["drop", "undrop"]), st.sampled_from(_DROPPED_KEYS),
                          st.sampled_from(["dropped", "renamed away"]), st.just(set()))
    return st.lists(st.one_of(view_step, drop_step), max_size=12)


def _change(views: object, dropped: object, steps: list, at: object) -> None:
    from lockwise.graph.build import _ViewDeps

    for op, name, other, deps in steps:
        if op == "set":
            views[name] = _ViewDeps(set(deps), "0002", at)
        elif op == "pop":
            views.pop(name, None)
        elif op == "rename" and name in views:
            views[other] = views.pop(name)
        elif op == "deps" and name in views:  # changed in place, as a column rename does
            views[name].deps.symmetric_difference_update(deps)
            views.refile(name)
        elif op == "replace" and name in views:  # replaced, as a relation rename does
            views[name].deps = set(deps)
            views.refile(name)
        elif op == "drop":
            dropped[name] = (at, other)
        elif op == "undrop":
            dropped.pop(name, None)


def _filing(views: object, dropped: object) -> tuple:
    """All the graph's two maps hold, their indexes too (but the count of changes of the
    dropped routines' names, which a rollback moves on: what was listed from them is
    stale)."""
    from copy import deepcopy

    return deepcopy((
        [(v, vd.deps, vd.key, vd.loc) for v, vd in views.items()], views._order,
        views._next, views._readers, views._under, dict(dropped), dropped._below,
        dropped.columns_below, dropped._routines, dropped._odd_routines))


@pytest.mark.parametrize("twice", [False, True])
@settings(max_examples=120, deadline=None)
@given(before=_map_steps(), after=_map_steps(), again=_map_steps())
def test_a_rollback_to_a_savepoint_puts_the_graphs_views_and_drops_back_exactly(
        twice: bool, before: list, after: list, again: list) -> None:
    # The graph's views (by what they read) and drops (by prefix, dropped columns, routine
    # names) as the savepoint found them: their entries, and each index filed as it was
    # then; the views' and drops' questions answered as then. Twice: the savepoint rolled
    # back to stays, kept again from what was put back.
    from types import SimpleNamespace

    from lockwise.catalog.replay import Rollbacks
    from lockwise.graph.build import _DroppedMap, _ViewMap
    from lockwise.graph.model import Location

    at = Location("0002", "0002_m.sql", 2, 1)
    views, dropped = _ViewMap(), _DroppedMap()
    _change(views, dropped, before, at)
    was = _filing(views, dropped)
    answers = _answers(views, dropped)
    rollbacks = Rollbacks("BEGIN; SAVEPOINT s; ROLLBACK TO s; ROLLBACK TO s; COMMIT;",
                          keep=(views, dropped))
    saved = SimpleNamespace(ended_transactions=1, rolled_back_to=-1, savepoints=[("s", {})])
    back = SimpleNamespace(ended_transactions=1, rolled_back_to=0, savepoints=[("s", {})])
    rollbacks.after(Catalog(), saved, 1)
    for steps in ([after, again] if twice else [after]):
        _change(views, dropped, steps, Location("0002", "0002_m.sql", 9, 1))
        version = dropped.routines_version
        rollbacks.after(Catalog(), back, 1)
        assert _filing(views, dropped) == was
        assert _answers(views, dropped) == answers
        assert dropped.routines_version > version


def _answers(views: object, dropped: object) -> tuple:
    objects = [*_DEPS, "table:app.v", "table:app.w"]
    names = ["app", "app.t", "public.u", *_VIEW_NAMES]
    return ([views.reading(o) for o in objects], [views.dependents(o) for o in objects],
            [views.under(n) for n in names], views.in_order(_VIEW_NAMES),
            [dropped.below(f"{n}.") for n in names], sorted(dropped.routine_names()),
            sorted(dropped.routines_named_in("select app.f(), 'odd type' from public.s")))


def test_the_graphs_views_and_drops_kept_at_a_savepoint_share_what_nothing_changes() -> None:
    # The graph's views and drops were deep-copied at each savepoint a ROLLBACK TO names
    # (each Location rebuilt, each view filed again by each of its dependencies): their
    # copy is made by their shape, each set and the views' dependencies its own, the
    # locations and names shared.
    from lockwise.catalog.replay import _kept_copy
    from lockwise.graph.build import _DroppedMap, _ViewDeps, _ViewMap
    from lockwise.graph.model import Location

    at = Location("0001", "0001_a.sql", 3, 1)
    views = _ViewMap([("app.v", _ViewDeps({"table:app.t", "column:app.t.a"}, "0001", at))])
    dropped = _DroppedMap([("column:app.t.b", (at, "dropped"))])
    kept_views, kept_dropped = _kept_copy(views), _kept_copy(dropped)
    assert type(kept_views) is _ViewMap and type(kept_dropped) is _DroppedMap
    assert kept_views["app.v"].loc is at and kept_dropped["column:app.t.b"][0] is at
    assert kept_views["app.v"] is not views["app.v"]
    assert kept_views["app.v"].deps == views["app.v"].deps
    assert kept_views["app.v"].deps is not views["app.v"].deps
    assert kept_views._under == views._under and kept_views._under["app"] is not \
        views._under["app"]
    assert kept_dropped.columns_below == dropped.columns_below
    assert kept_dropped.columns_below["app.t."] is not dropped.columns_below["app.t."]
