"""fix-speed82: `Catalog.relation_named` looks a name up in `sequence_tables` itself, and a
name no column's sequence may hold costs that one lookup. Its answers stay the server's when
what a column's sequence is called changes between two CREATEs of a name (the first one
skipped, IF NOT EXISTS): the sequence renamed, its table or column dropped, its table renamed,
it OWNED BY another column or none, the identity dropped. Each history is run on the embedded
server, as tests/test_relation_type_names.py does."""

from __future__ import annotations

import pytest

from effect_helpers import catalog_after, refusal_facts
from lockwise.catalog import model
from lockwise.catalog.model import Catalog, Table
from server_helpers import server_error

#: The first CREATE of the name t_c_seq: a serial's sequence, an identity's.
FIRST = "CREATE TABLE t (c serial); CREATE TABLE u (a int)"
IDENTITY = "CREATE TABLE t (c int GENERATED ALWAYS AS IDENTITY); CREATE TABLE u (a int)"

#: (the setup, one statement after it).
STATEMENTS = [
    (FIRST, "CREATE TABLE t_c_seq (a int)"),
    (f"{FIRST}; ALTER SEQUENCE t_c_seq RENAME TO s", "CREATE TABLE t_c_seq (a int)"),
    (f"{FIRST}; ALTER SEQUENCE t_c_seq RENAME TO s", "CREATE TABLE s (a int)"),
    (f"{FIRST}; ALTER TABLE t_c_seq RENAME TO s", "CREATE INDEX t_c_seq ON u (a)"),
    (f"{FIRST}; DROP TABLE t", "CREATE TABLE t_c_seq (a int)"),
    (f"{FIRST}; ALTER TABLE t DROP COLUMN c", "CREATE TABLE t_c_seq (a int)"),
    (f"{FIRST}; ALTER TABLE t RENAME TO t2", "CREATE TABLE t_c_seq (a int)"),
    (f"{FIRST}; ALTER TABLE t RENAME COLUMN c TO d", "CREATE TABLE t_c_seq (a int)"),
    (f"{FIRST}; ALTER SEQUENCE t_c_seq OWNED BY u.a", "CREATE TABLE t_c_seq (a int)"),
    (f"{FIRST}; ALTER SEQUENCE t_c_seq OWNED BY u.a; DROP TABLE u CASCADE",
     "CREATE TABLE t_c_seq (a int)"),
    (f"{FIRST}; ALTER SEQUENCE t_c_seq OWNED BY NONE; DROP TABLE t",
     "CREATE TABLE t_c_seq (a int)"),
    (f"{FIRST}; ALTER SEQUENCE t_c_seq OWNED BY u.a; ALTER TABLE u DROP COLUMN a CASCADE",
     "CREATE TABLE t_c_seq (a int)"),
    (IDENTITY, "CREATE TABLE t_c_seq (a int)"),
    (f"{IDENTITY}; ALTER TABLE t ALTER c DROP IDENTITY", "CREATE TABLE t_c_seq (a int)"),
    (f"{IDENTITY}; ALTER SEQUENCE t_c_seq RENAME TO s", "CREATE VIEW t_c_seq AS SELECT 1 AS a"),
    (f"{IDENTITY}; ALTER SEQUENCE t_c_seq RENAME TO s", "CREATE VIEW s AS SELECT 1 AS a"),
    (f"{IDENTITY}; DROP TABLE t", "CREATE TABLE t_c_seq (a int)"),
]


@pytest.mark.parametrize(("setup", "sql"), STATEMENTS)
def test_a_name_asked_again_after_its_sequence_changed_is_answered_as_the_server_does(
        pg_db: str, setup: str, sql: str) -> None:
    error = server_error(pg_db, setup, sql)
    refused = None if error is None else str(error.sqlstate)
    facts = refusal_facts(setup, sql, "name_taken")
    assert (refused is not None) == bool(facts), (refused, facts)
    if refused is not None:
        assert refused in ("42710", "42P07")


class _CountedColumns(dict):
    """A table's columns, counting the walks of them (`values`)."""

    walks = 0

    def values(self):  # type: ignore[override]
        _CountedColumns.walks += 1
        return super().values()


def _counted(history: str) -> Catalog:
    catalog = catalog_after(history)
    for t in catalog.tables.values():
        t.columns = _CountedColumns(t.columns)
    _CountedColumns.walks = 0
    return catalog


def test_a_name_no_column_s_sequence_may_hold_walks_no_column(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(model, "CHECK_CALLERS", False)  # (the tests' check walks every table)
    catalog = _counted("".join(f"CREATE TABLE t{i} (id serial, n int, m text); "
                               f"CREATE INDEX i{i} ON t{i} (n);" for i in range(20)))
    asked: list[str] = []
    naming = Catalog.tables_naming_sequence

    def counting(self: Catalog, sequence: str) -> list[Table]:
        asked.append(sequence)
        return naming(self, sequence)

    monkeypatch.setattr(Catalog, "tables_naming_sequence", counting)
    for name in ("public.free", "public.t3_n_seq", "app.t3_id_seq"):
        assert catalog.relation_named(name) == ""
    assert catalog.relation_named("public.i3") == "index public.i3"
    assert catalog.relation_named("public.t3") == "table public.t3"
    assert (asked, _CountedColumns.walks) == ([], 0)
    # a name one table's column draws from: that table's columns alone
    assert catalog.relation_named("public.t3_id_seq") == "sequence public.t3_id_seq"
    assert (asked, _CountedColumns.walks) == (["public.t3_id_seq"], 1)


def test_a_table_without_serial_or_identity_files_no_column(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # CREATE TABLE files a column under its sequence as it is put in the table, only when it
    # has one, and walks its columns again only for those it copied (LIKE, INHERITS, ...)
    noted: list[str] = []
    note = Catalog.note_sequence_column
    walked: list[str] = []
    note_all = Catalog.note_sequence_columns

    def counting(self: Catalog, table: str, col: object) -> None:
        noted.append(table)
        note(self, table, col)  # type: ignore[arg-type]

    def counting_all(self: Catalog, t: Table) -> None:
        walked.append(t.name)
        note_all(self, t)

    monkeypatch.setattr(Catalog, "note_sequence_column", counting)
    monkeypatch.setattr(Catalog, "note_sequence_columns", counting_all)
    catalog = catalog_after("CREATE TABLE a (x int, y text, z date); "
                            "CREATE TABLE b (id serial, x int); "
                            "CREATE TABLE c (LIKE b INCLUDING DEFAULTS)")
    assert noted == ["public.b"] and walked == ["public.c"]
    assert catalog.sequence_tables is not None
    assert catalog.sequence_tables["public.b_id_seq"] == {"public.b", "public.c"}
