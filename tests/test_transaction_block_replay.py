"""What the replay (lint's and the graph's) keeps of a transaction block: a statement
PostgreSQL refuses inside one (CREATE INDEX CONCURRENTLY, DROP INDEX CONCURRENTLY, VACUUM,
ALTER SYSTEM, ...) changes nothing, and what a ROLLBACK undoes (the statements of its
transaction, a DISCARD TEMP among them) is gone from the catalog again (checked on 18.6)."""

from __future__ import annotations

import pytest

from effect_helpers import watch_session_ends
from lockwise.catalog.model import Catalog
from lockwise.core.types import MigrationReport
from lockwise.discover import migration_from_text
from lockwise.effects.refused import statement_refusal
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE items (id int, note text);\nCREATE INDEX items_note_idx ON items (note);\n"


def lint(*migrations: str, catalog: Catalog | None = None) -> list[MigrationReport]:
    texts = [SETUP, *migrations]
    return lint_migrations([migration_from_text(sql, f"{i + 1:04}_m.sql")
                            for i, sql in enumerate(texts)],
                           LintOptions(), catalog if catalog is not None else Catalog())


def rules_of(report: MigrationReport) -> set[str]:
    return {f.rule for f in report.all_findings}


@pytest.mark.postgres
def test_the_server_refuses_them_in_a_block_and_keeps_nothing(pg_db: str) -> None:
    # checked on 18.6: refused with 25001, nothing of the statement (nor of its block) kept;
    # a ROLLBACK undoes a CREATE TABLE and a DISCARD TEMP of its transaction.
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
        for sql, message in (
                ("CREATE INDEX CONCURRENTLY items_id_idx ON items (id)",
                 "CREATE INDEX CONCURRENTLY cannot run inside a transaction block"),
                ("DROP INDEX CONCURRENTLY items_note_idx",
                 "DROP INDEX CONCURRENTLY cannot run inside a transaction block"),
                ("VACUUM items", "VACUUM cannot run inside a transaction block")):
            conn.execute("BEGIN")
            with pytest.raises(psycopg.errors.ActiveSqlTransaction) as refused:
                conn.execute(sql)
            assert refused.value.diag.message_primary == message
            conn.execute("ROLLBACK")
        indexes = "SELECT relname FROM pg_class WHERE relname LIKE 'items_%' ORDER BY 1"
        assert conn.execute(indexes).fetchall() == [("items_note_idx",)]
        conn.execute("CREATE TEMP TABLE scratch (id int)")
        conn.execute("BEGIN; CREATE TABLE made (id int); DISCARD TEMP")
        conn.execute("ROLLBACK")
        names = "SELECT relname FROM pg_class WHERE relname IN ('made', 'scratch')"
        assert conn.execute(names).fetchall() == [("scratch",)]


def test_create_index_concurrently_in_a_block_is_refused_and_not_replayed() -> None:
    catalog = Catalog()
    first, second = lint("BEGIN;\nCREATE INDEX CONCURRENTLY items_id_idx ON items (id);\n"
                         "COMMIT;\n", "CREATE INDEX items_id_idx ON items (id);\n",
                         catalog=catalog)[1:]
    create = first.statements[1]
    assert statement_refusal(create.effect) == "refused_in_transaction_block"
    assert "concurrently-in-transaction" in {f.rule for f in create.findings}
    assert "object-already-exists" not in rules_of(second)
    assert "public.items_id_idx" in catalog.indexes  # the later plain CREATE INDEX's


def test_drop_index_concurrently_in_a_block_leaves_the_index() -> None:
    catalog = Catalog()
    (report,) = lint("BEGIN;\nDROP INDEX CONCURRENTLY items_note_idx;\nCOMMIT;\n",
                     catalog=catalog)[1:]
    assert statement_refusal(report.statements[1].effect) == "refused_in_transaction_block"
    assert "public.items_note_idx" in catalog.indexes


def test_outside_a_block_they_run_and_are_replayed() -> None:
    catalog = Catalog()
    (report,) = lint("CREATE INDEX CONCURRENTLY items_id_idx ON items (id);\n"
                     "DROP INDEX CONCURRENTLY items_note_idx;\n", catalog=catalog)[1:]
    assert [statement_refusal(s.effect) for s in report.statements] == ["", ""]
    assert "public.items_id_idx" in catalog.indexes
    assert "public.items_note_idx" not in catalog.indexes


def test_the_conflict_graph_does_not_replay_them_in_a_block(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import lockwise.graph.build as build
    from lockwise.graph.api import history_conflicts

    left = watch_session_ends(monkeypatch, build, lambda catalog: {
        i for i in catalog.indexes if i.startswith("public.items_")})
    history_conflicts([[migration_from_text(SETUP, "0001_m.sql"), migration_from_text(
        "BEGIN;\nCREATE INDEX CONCURRENTLY items_id_idx ON items (id);\n"
        "DROP INDEX CONCURRENTLY items_note_idx;\nCOMMIT;\n", "0002_m.sql")]], pg_version=18)
    assert left[-1] == {"public.items_note_idx"}


@pytest.mark.parametrize("end", ["ROLLBACK", "ABORT", "abort work", "ROLLBACK TRANSACTION"])
def test_a_rolled_back_create_is_not_kept(end: str) -> None:
    # ABORT is ROLLBACK by another name (PostgreSQL documents them as equivalent).
    catalog = Catalog()
    first, second = lint(f"BEGIN;\nCREATE TABLE made (id int);\n{end};\n",
                         "CREATE TABLE made (id int);\n", catalog=catalog)[1:]
    assert "object-already-exists" not in rules_of(second)
    assert catalog.tables["public.made"].created_by == "0003_m"


def test_a_rolled_back_discard_temp_leaves_the_temporary_tables(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import lockwise.lint as lint_module

    left = watch_session_ends(monkeypatch, lint_module, lambda catalog: set(catalog.temporary))
    lint("CREATE TEMP TABLE scratch (id int);\nBEGIN;\nDISCARD TEMP;\nROLLBACK;\n")
    assert left[-1] == {"pg_temp.scratch"}


def test_only_a_rollback_statement_has_the_catalog_kept() -> None:
    from lockwise.catalog.replay import Rollbacks

    # Liquibase's `--rollback` comments sit in every changeset's text: no copy for them.
    assert Rollbacks("CREATE TABLE t (id int);\n--rollback DROP TABLE t;\n").of == -1
    assert Rollbacks("BEGIN;\nCREATE TABLE t (id int);\nROLLBACK;\n").of == 0
    assert Rollbacks("BEGIN;\nCREATE TABLE t (id int);\nABORT;\n").of == 0
    assert Rollbacks("CREATE TABLE abort_log (id int);\n").of == -1


# What lint keeps of a migration's statements besides the catalog is undone by a ROLLBACK too
# (checked on 18.6, test_the_server_puts_back_what_a_rollback_undoes).


@pytest.mark.postgres
def test_the_server_puts_back_what_a_rollback_undoes(pg_db: str) -> None:
    # checked on 18.6: the view a rolled-back DROP dropped, and the table with its rows that
    # a rolled-back DROP + CREATE replaced, are there after the ROLLBACK; a row a rolled-back
    # INSERT wrote is not.
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
        conn.execute("INSERT INTO items VALUES (1, 'kept'); CREATE VIEW v AS SELECT id FROM items;"
                     "CREATE TABLE t (id int)")
        conn.execute("BEGIN; DROP VIEW v; DROP TABLE items CASCADE; "
                     "CREATE TABLE items (id int, note text); INSERT INTO t VALUES (1)")
        conn.execute("ROLLBACK")
        assert conn.execute("SELECT * FROM v").fetchall() == [(1,)]
        assert conn.execute("SELECT note FROM items").fetchall() == [("kept",)]
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (0,)


@pytest.mark.parametrize(("end", "reported"), [("ROLLBACK", False), ("COMMIT", True)])
def test_a_rolled_back_drop_is_not_reported_by_drop_object(end: str, reported: bool) -> None:
    _, second = lint("CREATE VIEW v AS SELECT id FROM items;\n",
                     f"BEGIN;\nDROP VIEW v;\n{end};\n")[1:]
    assert ("drop-object" in rules_of(second)) is reported


@pytest.mark.parametrize(("end", "reported"), [("ROLLBACK", True), ("COMMIT", False)])
def test_a_rolled_back_create_does_not_spare_a_later_drop(end: str, reported: bool) -> None:
    # The view dropped and made again in the migration is one it created itself (no code
    # uses it yet): not once the ROLLBACK undid both, and v is the old view again.
    _, second = lint("CREATE VIEW v AS SELECT id FROM items;\n",
                     f"BEGIN;\nDROP VIEW v;\nCREATE VIEW v AS SELECT id FROM items;\n{end};\n"
                     "DROP VIEW v;\n")[1:]
    assert ("drop-object" in rules_of(second)) is reported


@pytest.mark.parametrize(("end", "reported"), [("ROLLBACK", True), ("COMMIT", False)])
def test_a_table_made_again_in_a_rolled_back_transaction_is_not_new(end: str,
                                                                   reported: bool) -> None:
    # After the ROLLBACK, items is the old table with its rows: an index built on it blocks
    # writes. Committed, it is a table this migration made (and empty).
    (report,) = lint(f"BEGIN;\nDROP TABLE items;\nCREATE TABLE items (id int, note text);\n"
                     f"{end};\nCREATE INDEX items_id_idx ON items (id);\n")[1:]
    assert ("index-without-concurrently" in {f.rule for f in report.statements[4].findings}) \
        is reported


@pytest.mark.parametrize(("end", "reported"), [("ROLLBACK", False), ("COMMIT", True)])
def test_a_table_a_rolled_back_insert_wrote_is_empty_again(end: str, reported: bool) -> None:
    # t holds no row after the ROLLBACK: an index built on it while items is held ACCESS
    # EXCLUSIVE (its lock already held) keeps items locked no longer.
    (report,) = lint(f"CREATE TABLE t (id int);\nBEGIN;\nINSERT INTO t VALUES (1);\n{end};\n"
                     "BEGIN;\nLOCK TABLE t IN SHARE MODE;\nALTER TABLE items ADD COLUMN c int;\n"
                     "CREATE INDEX t_id_idx ON t (id);\nCOMMIT;\n")[1:]
    assert ("lock-accumulation" in {f.rule for f in report.statements[7].findings}) is reported


def test_a_foreign_key_added_again_after_a_rollback_is_reported_at_its_statement() -> None:
    (report,) = lint("CREATE TABLE parents (id int PRIMARY KEY);\n"
                     "CREATE TABLE kids (id int, parent_id int);\n"
                     "BEGIN;\nALTER TABLE kids ADD CONSTRAINT kids_parent_fk FOREIGN KEY "
                     "(parent_id) REFERENCES parents (id);\nROLLBACK;\n"
                     "ALTER TABLE kids ADD CONSTRAINT kids_parent_fk FOREIGN KEY "
                     "(parent_id) REFERENCES parents (id);\n")[1:]
    (found,) = [f for f in report.all_findings if f.rule == "fk-without-index"]
    assert found.span.line == 6  # the key that stays, not the rolled-back one (line 4)


@pytest.mark.parametrize(("end", "conflicts"), [("ROLLBACK", []), ("COMMIT", ["table:public.v"])])
def test_the_conflict_graph_forgets_a_rolled_back_drop(end: str, conflicts: list[str]) -> None:
    # After the ROLLBACK, v is there again: a later migration that reads it works.
    from lockwise.graph.api import history_conflicts

    found = history_conflicts([[
        migration_from_text(SETUP + "CREATE VIEW v AS SELECT id FROM items;\n", "0001_m.sql"),
        migration_from_text(f"BEGIN;\nDROP VIEW v;\n{end};\n", "0002_m.sql"),
        migration_from_text("SELECT * FROM v;\n", "0003_m.sql")]], pg_version=18)
    assert [c.object for c in found if c.kind == "missing-object"] == conflicts
