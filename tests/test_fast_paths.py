"""The fast paths of discovery, parsing and the down-migration check give the answers of the
plain versions they replace (each test holds a straightforward reference implementation)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from lockwise.catalog.model import Catalog, Column, Constraint, Index, IndexMap, Table
from lockwise.catalog.replay import apply_statement
from lockwise.discover import discover, migration_from_text
from lockwise.effects.nodes import unwrap
from lockwise.graph.down import clone, fork, signature
from lockwise.parse.postgres import _Offsets, parse_sql
from lockwise.parse.source import InputError, LineIndex

# --- parsing ---------------------------------------------------------------------------------


def _reference_char(text: str, byte_offset: int) -> int:
    """The character containing UTF-8 byte `byte_offset` (len(text) past the end)."""
    if text.isascii():
        return byte_offset
    table = [i for i, ch in enumerate(text) for _ in ch.encode("utf-8")] + [len(text)]
    return table[min(byte_offset, len(table) - 1)]


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="ab \néü€😀;", max_size=40),
       offsets=st.lists(st.integers(min_value=0, max_value=200), max_size=8),
       in_order=st.booleans())
def test_byte_offsets_map_to_the_character_containing_them(text: str, offsets: list[int],
                                                           in_order: bool) -> None:
    converter = _Offsets(text)
    for offset in sorted(offsets) if in_order else offsets:
        assert converter.char(offset) == _reference_char(text, offset)


def test_statements_after_multibyte_characters_keep_their_text_and_position() -> None:
    text = "SELECT '😀€';\nCREATE TABLE ü (a int); -- é\n\nALTER TABLE ü ADD b text;\nSELECT (;"
    parsed = parse_sql(text)
    assert [s.sql for s in parsed.statements] == [
        "SELECT '😀€'", "CREATE TABLE ü (a int)", "ALTER TABLE ü ADD b text"]
    assert [(s.span.line, s.span.column) for s in parsed.statements] == [(1, 1), (2, 1), (4, 1)]
    for s in parsed.statements:
        assert text[s.span.start_offset:s.span.end_offset] == s.sql
    assert parsed.statements[1].leading_comments == ("-- é",)
    assert [p.span.line for p in parsed.problems] == [5]


@pytest.mark.parametrize("text", ["", "a", "\n", "a\nb", "a\nb\n", "\n\n\nx", "é\n😀\n"])
def test_line_index_starts_each_line_after_a_newline(text: str) -> None:
    expected = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    assert LineIndex.of(text).starts == expected


# --- discovery -------------------------------------------------------------------------------


def test_only_regular_sql_files_count_and_links_are_followed(tmp_path: Path) -> None:
    (tmp_path / "1_a.sql").write_text("SELECT 1;")
    (tmp_path / "2_b.SQL").write_text("SELECT 2;")
    (tmp_path / ".sql").write_text("SELECT 0;")  # a dot-file, no .sql suffix
    (tmp_path / "3_dir.sql").mkdir()
    (tmp_path / "4_link.sql").symlink_to(tmp_path / "1_a.sql")
    assert [m.path.name for m in discover(tmp_path)] == ["1_a.sql", "2_b.SQL", "4_link.sql"]
    # a link to nothing is a migration the user meant and cannot be read: an input error
    (tmp_path / "5_broken.sql").symlink_to(tmp_path / "missing.sql")
    with pytest.raises(InputError,
                       match="5_broken.sql: no such file or directory .*which does not exist"):
        discover(tmp_path)


def test_diesel_down_must_be_a_file_and_listings_are_not_kept_between_calls(
        tmp_path: Path) -> None:
    (tmp_path / "001_a").mkdir()
    (tmp_path / "001_a" / "up.sql").write_text("CREATE TABLE a (id int);")
    (tmp_path / "001_a" / "down.sql").mkdir()
    (tmp_path / "002_b").mkdir()
    (tmp_path / "002_b" / "up.sql").write_text("CREATE TABLE b (id int);")
    first = discover(tmp_path)
    assert [(m.name, m.down_sql) for m in first] == [("a", None), ("b", None)]
    (tmp_path / "002_b" / "down.sql").write_text("DROP TABLE b;")
    (tmp_path / "003_c").mkdir()
    (tmp_path / "003_c" / "up.sql").write_text("SELECT 1;")
    again = discover(tmp_path)
    assert [(m.name, m.down_sql) for m in again] == [
        ("a", None), ("b", "DROP TABLE b;"), ("c", None)]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_nested_plain_folders_survive_a_symlink_loop(tmp_path: Path) -> None:
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "schema.sql").write_text("CREATE TABLE a (id int);")
    (tmp_path / "v1" / "loop").symlink_to(tmp_path)
    (tmp_path / "v2").mkdir()
    (tmp_path / "v2" / "more.sql").write_text("SELECT 1;")
    assert [m.path.relative_to(tmp_path).as_posix() for m in discover(tmp_path)] == [
        "v1/schema.sql", "v2/more.sql"]


def test_reading_a_migration_makes_no_buffer_of_the_size_limit(tmp_path: Path) -> None:
    """A file is read for its size, not into a bytes object of MAX_FILE_BYTES (20 MiB) that
    is then shrunk, once per migration (fix-speed60)."""
    import tracemalloc

    from lockwise.parse.source import read_regular_file

    path = tmp_path / "1_a.sql"
    path.write_bytes(b"CREATE TABLE a (id int);\n" * 100)
    read_regular_file(path)  # (what its first call imports and caches is not counted)
    tracemalloc.start()
    try:
        data = read_regular_file(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert data == path.read_bytes()
    assert peak < 1024 * 1024


@pytest.mark.parametrize(("limit", "refused"), [(299, True), (300, False), (10_000, False)])
def test_a_file_that_grew_after_its_size_was_taken_is_read_to_its_end_or_refused(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, limit: int, refused: bool) -> None:
    """`read_descriptor` reads past the size fstat gave (the file grew meanwhile), up to
    the limit and a byte more, as `read_limited` reads a stream."""
    from lockwise.parse import source

    monkeypatch.setattr(source, "MAX_FILE_BYTES", limit)
    path = tmp_path / "1_a.sql"
    path.write_bytes(bytes(range(100)) * 3)
    descriptor = os.open(path, os.O_RDONLY)
    try:
        if refused:
            with pytest.raises(InputError, match="input is over"):
                source.read_descriptor(descriptor, 10, path)
        else:
            assert source.read_descriptor(descriptor, 10, path) == path.read_bytes()
    finally:
        os.close(descriptor)


def _folder_per_migration(tmp_path: Path, count: int, filename: str) -> None:
    for i in range(count):
        sub = tmp_path / f"2024-01-01-{i:06d}_m{i}"
        sub.mkdir()
        (sub / filename).write_text(f"CREATE TABLE t{i} (id int);")
        if filename == "up.sql":
            (sub / "down.sql").write_text(f"DROP TABLE t{i};")


@pytest.mark.parametrize(("filename", "layout", "per_migration"),
                         [("up.sql", "diesel", 4), ("migration.sql", "prisma", 2)])
def test_collecting_a_folder_per_migration_builds_no_path_but_the_read_ones(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, filename: str, layout: str,
        per_migration: int) -> None:
    """Whether the folder is one of version folders holding histories (`versions_folder`)
    and whether it is pop's (`_of_pop_folders`) are answered from the folders' listings:
    no Path per folder (and per file in it), no lstat per folder (fix-speed60). Only what
    reading the migrations uses: the folder, its file and diesel's down.sql and
    metadata.toml."""
    from lockwise.cli.inputs import collect

    _folder_per_migration(tmp_path, 40, filename)
    (tmp_path / "2024-01-01-000003_m3" / "metadata.toml").write_text(
        "run_in_transaction = false\n") if layout == "diesel" else None
    built: list[str] = []
    linked: list[str] = []
    divide, islink = Path.__truediv__, os.path.islink

    def counted_divide(self: Path, other: str) -> Path:
        built.append(other)
        return divide(self, other)

    def counted_islink(path: str | Path) -> bool:
        linked.append(str(path))
        return islink(path)

    monkeypatch.setattr(Path, "__truediv__", counted_divide)
    monkeypatch.setattr(os.path, "islink", counted_islink)
    migrations = collect([tmp_path], None).migrations
    assert [(m.layout, m.name, m.path.parent.name, m.no_transaction) for m in migrations] == [
        (layout, f"m{i}", f"2024-01-01-{i:06d}_m{i}", i == 3 and layout == "diesel")
        for i in range(40)]
    if layout == "diesel":
        assert [m.down_sql for m in migrations] == [f"DROP TABLE t{i};" for i in range(40)]
    # (the folders above tmp_path cost what they cost, whatever the migrations)
    per_folder = [name for name in built if name.startswith("2024-") or name in (
        "up.sql", "down.sql", "metadata.toml", "migration.sql")]
    assert len(per_folder) <= per_migration * 40 + 8  # (the first folders, detecting)
    assert len(linked) <= 4


def test_pop_folders_are_still_told_by_their_files(tmp_path: Path) -> None:
    """`_of_pop_folders` looks at the folders one by one now: two or more, each pop's."""
    from lockwise.discover.pop import _of_pop_folders

    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "20240101000000_x.up.sql").write_text("SELECT 1;")
        (tmp_path / name / "20240101000000_x.postgres.up.sql").write_text("SELECT 1;")
    (tmp_path / "README.md").write_text("docs")
    assert _of_pop_folders(tmp_path)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "schema.sql").write_text("SELECT 1;")
    assert not _of_pop_folders(tmp_path)
    (tmp_path / "c" / "schema.sql").unlink()
    (tmp_path / "c").rmdir()
    if hasattr(os, "symlink"):  # a link to a folder is not one of them: one left is too few
        (tmp_path / "b").rename(tmp_path / ".b")
        (tmp_path / "b").symlink_to(tmp_path / ".b")
        assert not _of_pop_folders(tmp_path)
    (tmp_path / "notes.sql").write_text("SELECT 1;")
    assert not _of_pop_folders(tmp_path)


# --- down check: clone and fork ---------------------------------------------------------------


def _catalog(sql: str) -> Catalog:
    catalog = Catalog()
    for stmt in parse_sql(sql).statements:
        apply_statement(catalog, stmt.tree, "0001")
    return catalog


SCHEMA = """
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE a (id int PRIMARY KEY, m mood, n int CHECK (n > 0) NOT NULL DEFAULT 1);
CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a, note text);
CREATE INDEX b_note ON b (note);
"""


def test_a_cloned_table_is_equal_and_independent() -> None:
    catalog = _catalog(SCHEMA)
    original = catalog.tables["public.a"]
    copy = clone(original)
    assert copy == original
    assert copy.columns is not original.columns
    for name, column in copy.columns.items():
        assert column == original.columns[name] and column is not original.columns[name]
    check = next(c for c in original.constraints.values() if c.kind == "check")
    copied_check = copy.constraints[check.name]
    assert copied_check is not check and copied_check.expr == check.expr
    copy.columns["n"].not_null = False
    copy.constraints.clear()
    assert original.columns["n"].not_null and original.constraints


@dataclass
class _Counted:
    items: list = field(default_factory=list)
    label: str = ""

    def __post_init__(self) -> None:
        self.items.append("init")


def test_clone_does_not_run_post_init_again() -> None:
    value = _Counted(label="x")
    copy = clone(value)
    assert copy == value and copy.items is not value.items


def test_clone_copies_plain_model_objects_field_by_field() -> None:
    index = Index("public.i", "public.t", ("a", "b"), unique=True)
    column = Column("c", "int4", (10,), not_null=True, default="1")
    constraint = Constraint("k", "foreign", ("a",), references="public.u", ref_columns=("id",))
    for value in (index, column, constraint, Table("public.t")):
        copy = clone(value)
        assert copy == value and copy is not value


def test_replaying_a_down_on_a_fork_leaves_the_catalog_untouched() -> None:
    catalog = _catalog(SCHEMA)
    before = signature(catalog)
    tables = {"public.a", "public.b"}
    names = {"a", "b", "b_note", "mood", "public.b_note"}
    rolled = fork(catalog, tables, names, renames=True)
    for stmt in parse_sql("ALTER TABLE a ALTER n DROP NOT NULL; ALTER TABLE b DROP note;"
                          "ALTER TYPE mood ADD VALUE 'glad'; ALTER TABLE b RENAME TO c;"
                          "ALTER INDEX b_note RENAME TO c_note;").statements:
        apply_statement(rolled, stmt.tree, "0002")
    assert signature(catalog) == before
    assert signature(rolled) != before


def _shape(catalog: Catalog) -> tuple:
    """What a down's replay on a fork of `catalog` must leave as it is: the tables, each
    table's columns and types, the indexes by name and as filed by table (and those taken
    out), the tables filed by type (`columns_of_type`), the names filed by the catalog's
    indexes by name, and the order things were made in."""
    catalog.column_types = None  # (filed again: what a walk of the tables finds now)
    indexes = catalog.indexes
    return (
        {name: [(c.name, c.type_name) for c in t.columns.values()]
         for name, t in dict.items(catalog.tables)},
        {key: (idx.table, idx.columns) for key, idx in dict.items(indexes)},
        {t: sorted(key for key, _ in indexes.items_on(t)) for t in dict.keys(catalog.tables)},
        sorted(key for key in ("public.b_note", "public.a_m", "public.a_n", "public.d_s")
               if indexes.gone(key)),
        {name: catalog.columns_of_type(name, views=True)
         for name in ("public.mood", "public.text", "public.int4", "public.shade")},
        {name: dict(getattr(catalog, name) or {})
         for name in ("constraint_holders", "fk_sources", "column_readers", "source_readers")},
        dict(catalog.made_order),
    )


FORK_SCHEMA = SCHEMA + """
CREATE TYPE shade AS ENUM ('dark');
CREATE TABLE d (id int PRIMARY KEY, s shade, a_id int REFERENCES a);
CREATE INDEX d_s ON d (s);
CREATE VIEW v AS SELECT id, s FROM d;
"""

#: A down's statements that change what `_shape` reads: a column's type, a table dropped
#: (with its index), indexes made, dropped and renamed, a table renamed, a constraint added.
FORK_DOWN = """
ALTER TABLE a ALTER m TYPE text;
DROP TABLE b;
CREATE INDEX a_n ON a (n);
CREATE UNIQUE INDEX a_m ON a (m);
DROP INDEX d_s;
ALTER TABLE d RENAME TO e;
ALTER TABLE e ADD CONSTRAINT e_s CHECK (s IS NOT NULL);
CREATE TABLE f (id int, s shade);
"""


@pytest.mark.parametrize("renames", [False, True])
def test_a_down_replayed_on_a_fork_leaves_the_catalog_as_it_was(renames: bool) -> None:
    """A fork shares the index map's filing (`IndexMap._lent`) and the catalog's indexes by
    name with the catalog it forks: changing a column's type, dropping a table and indexes,
    making and renaming some on the fork changes none of the catalog's, nor what it files
    by type; a second fork of the same catalog starts from it as it was."""
    catalog = _catalog(FORK_SCHEMA)
    catalog.start_indexes()
    before = _shape(catalog)
    assert before[4]["public.mood"] == [("public.a", "m")]
    tables = {"public.a", "public.b", "public.d"}
    names = {"a", "b", "d", "e", "f", "a_n", "a_m", "d_s", "e_s", "mood", "shade"}
    for _ in range(2):
        rolled = fork(catalog, tables, names, renames=renames)
        # (filed by type before the down: its first DDL lets the filing go, a copy of it)
        rolled.columns_of_type("public.mood")
        for stmt in parse_sql(FORK_DOWN).statements:
            apply_statement(rolled, stmt.tree, "0002")
        after = _shape(rolled)
        assert after[4]["public.mood"] == []
        assert after[4]["public.shade"] == [("public.e", "s"), ("public.f", "s"),
                                            ("public.v", "s")]
        assert after[2]["public.a"] == ["public.a_m", "public.a_n", "public.a_pkey"]
        assert after[3] == ["public.b_note", "public.d_s"]
        assert after[0] != before[0] and after[1] != before[1] and after[5] != before[5]
        assert _shape(catalog) == before


def test_a_catalog_changed_after_a_fork_leaves_the_forks_indexes_as_they_were() -> None:
    """The index map's sharing is both ways: the catalog a fork came from, its indexes made
    and dropped while the fork is still used, leaves the fork's map and filing as they were.
    (Its tables are not: a fork shares those it has not copied, and the catalog is not
    replayed while a down check's fork is in use.)"""
    catalog = _catalog(FORK_SCHEMA)
    catalog.start_indexes()
    rolled = fork(catalog, {"public.a"}, {"a"}, renames=False)
    before = _shape(rolled)[1:4]
    for stmt in parse_sql("CREATE INDEX a_n ON a (n); DROP INDEX d_s; DROP INDEX b_note;"
                          "CREATE UNIQUE INDEX a_m ON a (m);").statements:
        apply_statement(catalog, stmt.tree, "0002")
    assert _shape(catalog)[1:4] != before
    assert _shape(rolled)[1:4] == before


def test_an_index_map_fork_copies_its_filing_at_its_first_change_only() -> None:
    """`IndexMap.fork` copies the dict of indexes alone: the filing by table and by name and
    the names taken out stay shared until either map changes them, each side then copying
    its own (on main, each fork copied all three: most of a down check's fork)."""
    first, second = Index("public.i", "public.t", ("a",)), Index("public.j", "public.u", ("b",))
    parent = IndexMap({"public.i": first, "public.j": second})
    del parent["public.j"]
    child = parent.fork()
    assert child._by_table is parent._by_table and child._filed is parent._filed
    assert child._gone is parent._gone
    assert child.items_on("public.t") == [("public.i", first)] and child.gone("public.j")
    child["public.k"] = Index("public.k", "public.t", ("c",))
    child.pop("public.i")
    assert child._by_table is not parent._by_table and child._gone is not parent._gone
    assert [k for k, _ in child.items_on("public.t")] == ["public.k"] and child.gone("public.i")
    assert parent.items_on("public.t") == [("public.i", first)] and not parent.gone("public.i")
    # The parent, changed in turn, keeps what the child did out of its filing.
    parent["public.j"] = second
    assert parent._filed is not child._filed and not parent.gone("public.j")
    assert child.gone("public.j") and child.items_on("public.u") == []
    assert parent.items_on("public.u") == [("public.j", second)]
    assert [k for k, _ in parent.items_on("public.t")] == ["public.i"]
    # Cleared while lent, each keeps its own.
    parent.fork().clear()
    assert [k for k, _ in parent.items_on("public.t")] == ["public.i"]


def test_a_fork_starts_with_the_catalog_s_pending_uses_filed(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The relations noted since `callers` was last asked (`Catalog.uses_pending`) are filed
    in the catalog when a down check forks it, once: neither that fork's `callers` nor the
    next fork's files them again (each filed them in its own copy of the filing before), and
    both answer as the scan of every table does (conftest sets `LOCKWISE_CHECK_CALLERS`)."""
    from lockwise.effects.nodes import calls_function

    def reached(uses: tuple[str, ...]) -> bool:
        return calls_function(uses, "public.f")

    catalog = _catalog("CREATE FUNCTION f(x int) RETURNS int LANGUAGE sql IMMUTABLE AS "
                       "'SELECT x'; CREATE TABLE a (x int DEFAULT f(1)); CREATE TABLE b (x int);")
    catalog.callers(reached)
    for stmt in parse_sql("ALTER TABLE b ALTER x SET DEFAULT f(2);"
                          "CREATE TABLE c (x int DEFAULT f(3));").statements:
        apply_statement(catalog, stmt.tree, "0002")
    assert catalog.uses_pending == {"public.b", "public.c"}
    filed: list[str] = []
    real = Catalog._file_uses

    def counted(self: Catalog, index: dict[str, frozenset[str]], relation: str) -> None:
        filed.append(relation)
        real(self, index, relation)

    monkeypatch.setattr(Catalog, "_file_uses", counted)
    expected = (("public.a", "x"), ("public.b", "x"), ("public.c", "x"))
    for _ in range(2):
        rolled = fork(catalog, {"public.a"}, {"a"}, renames=False)
        assert not catalog.uses_pending and not rolled.uses_pending
        assert catalog.uses_tables is not None and catalog.uses_tables["f"] == {
            "public.a", "public.b", "public.c"}
        assert rolled.callers(reached).defaults == expected
        assert catalog.callers(reached).defaults == expected
    assert sorted(filed) == ["public.b", "public.c"]


def _tables_cloned(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the tables `graph.down.clone` copies from now on (what a fork copies)."""
    import lockwise.graph.down as down

    real, names = down.clone, []

    def counted(value: object) -> object:
        if type(value) is Table:
            names.append(value.name)
        return real(value)

    monkeypatch.setattr(down, "clone", counted)
    return names


WIDE = SCHEMA + """
CREATE TABLE c (id int PRIMARY KEY, b_id int REFERENCES b, x text, y text, z text);
CREATE VIEW v AS SELECT id, note FROM b;
CREATE TABLE d (id int, c_id int REFERENCES c);
"""


@pytest.mark.parametrize(("down", "names", "copied"), [
    # Named, not changed: the table is never copied (main copied every named table).
    ("ALTER TABLE a ALTER n DROP NOT NULL", {"a", "b", "c", "n"}, ["public.a"]),
    # An index and a comment change no table (the index is filed apart): nothing copied.
    ("CREATE INDEX c_x ON c (x); COMMENT ON COLUMN b.note IS 'n'", {"b", "c", "x", "c_x"},
     []),
    # A table dropped is taken out of the fork, not changed: nothing copied.
    ("DROP TABLE d", {"d", "c"}, []),
])
def test_a_fork_copies_only_the_tables_the_down_reaches(
        monkeypatch: pytest.MonkeyPatch, down: str, names: set[str],
        copied: list[str]) -> None:
    """A down check's fork copies a table the first time its replay asks for it by name (or
    reaches it unnamed): not each table the down's statements name."""
    catalog = _catalog(WIDE)
    tables = {f"public.{n}" for n in names} & catalog.tables.keys()
    cloned = _tables_cloned(monkeypatch)
    rolled = fork(catalog, tables, names, renames=False)
    for stmt in parse_sql(down).statements:
        apply_statement(rolled, stmt.tree, "0002")
    assert cloned == copied


def test_a_table_taken_out_of_a_fork_and_put_back_is_copied() -> None:
    """A table popped from a fork is the catalog's own (a DROP only reads it); put back (a
    MySQL RENAME TABLE pops it and stores it under its new name) it is copied first."""
    from lockwise.graph.down import ForkedTables

    catalog = _catalog(WIDE)
    original = catalog.tables["public.c"]
    rolled = fork(catalog, {"public.c"}, {"c"}, renames=False)
    assert isinstance(rolled.tables, ForkedTables)
    taken = rolled.tables.pop("public.c")
    assert taken is original
    rolled.tables["public.c2"] = taken
    moved = rolled.tables["public.c2"]
    assert moved == original and moved is not original
    moved.columns.clear()
    assert original.columns and catalog.tables["public.c"] is original


def test_a_fork_with_no_table_pending_reads_as_a_dict() -> None:
    """Once no table of a fork is pending (each cloned, popped or replaced), its reads are
    the dict's own, no call of a Python method: a down's replay and its judged effects ask
    the fork for tables some 27,000 times on lemmy+documenso. What it holds and copies
    stays as before: a table popped while pending and put back is still copied."""
    from lockwise.graph.down import ForkedTables

    catalog = _catalog(WIDE)
    rolled = fork(catalog, {"public.b", "public.c"}, {"b", "c"}, renames=False)
    tables = rolled.tables
    assert isinstance(tables, ForkedTables) and type(tables).get is not dict.get
    with tables.read_only():  # read by an effect: shared, still pending
        assert tables["public.b"] is catalog.tables["public.b"]
    assert type(tables).__getitem__ is not dict.__getitem__
    assert tables.get("public.b") is not catalog.tables["public.b"]  # cloned: owned
    assert type(tables).get is not dict.get  # public.c still pending
    taken = tables.pop("public.c")
    assert taken is catalog.tables["public.c"]
    assert isinstance(tables, ForkedTables)
    for read in ("__getitem__", "get", "setdefault", "pop"):
        assert getattr(type(tables), read) is getattr(dict, read), read
    tables["public.c"] = taken  # put back: copied all the same
    assert tables["public.c"] == taken and tables["public.c"] is not taken
    assert tables.owned == {"public.b", "public.c"}
    # A fork with nothing pending from the start reads as a dict at once.
    assert type(fork(catalog, set(), set(), renames=False).tables).get is dict.get


def _imports_in_graph(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The modules the graph's own code (graph/build.py, graph/down.py) imports from now on
    by an import statement (`__import__`): one that runs in a function runs at each call."""
    import builtins

    real, names = builtins.__import__, []

    def counted(name: str, globals: dict | None = None, *args: object,  # noqa: A002
                **kwargs: object) -> object:
        if (globals or {}).get("__name__") in ("lockwise.graph.build", "lockwise.graph.down"):
            names.append(name)
        return real(name, globals, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", counted)
    return names


def test_a_down_check_imports_nothing_per_statement(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The statements of a down, each judged for a refusal (a DROP) and replayed, run no
    import statement of the graph's: a down of 12 statements imports what a down of one
    does (main imported five or six modules for each: the effect model, `graph.down`,
    `catalog.reach`, `lint` for the rules, the refusal facts)."""
    from lockwise.graph.build import build_graph

    counts = []
    for n in (1, 12):
        up = "".join(f"CREATE TABLE t{i} (id bigint);\n" for i in range(n))
        down = "".join(f"DROP TABLE t{i};\n" for i in range(n))
        migrations = _history(tmp_path / str(n), up, down)
        build_graph(migrations, downs_of=["2_change"])  # (what is imported once, imported)
        imports = _imports_in_graph(monkeypatch)
        graph = build_graph(migrations, downs_of=["2_change"])
        assert [c.kind for c in graph.conflicts] == []
        counts.append(len(imports))
        monkeypatch.undo()
    assert counts[0] == counts[1]


#: (a down run right after its up, the tables its check copies, the conflict it gets): the
#: down's statements judged for a refusal read the fork (its effect) without copying a table;
#: only the replay's changes copy one.
DOWN_READS = [
    # dropped: taken out of the fork, never copied (its effect read it: main copied it)
    ("CREATE TABLE notes (id bigint REFERENCES accounts, body text);\n",
     "DROP TABLE notes;\n", [], None),
    # an index dropped: its table read, not changed
    ("CREATE INDEX accounts_nick ON accounts (nick);\n", "DROP INDEX accounts_nick;\n", [],
     None),
    # a column dropped: its table changed (copied once), the others read
    ("ALTER TABLE accounts ADD COLUMN mood text;\n", "ALTER TABLE accounts DROP COLUMN mood;\n",
     ["public.accounts"], None),
    # refused: judged on the shared table all the same (the replay goes on, and copies it)
    ("ALTER TABLE accounts ADD COLUMN mood text;\n",
     "ALTER TABLE accounts DROP COLUMN moods;\n", ["public.accounts"], "object-missing"),
    ("CREATE TABLE notes (id bigint REFERENCES accounts, body text);\n",
     "DROP TABLE accounts;\nDROP TABLE notes;\n", ["public.notes"], "dependency-dropped"),
]


@pytest.mark.parametrize(("up", "down", "copied", "refused"), DOWN_READS)
def test_a_down_judged_for_a_refusal_copies_only_the_tables_its_replay_changes(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, up: str, down: str,
        copied: list[str], refused: str | None) -> None:
    from lockwise.graph.build import build_graph
    from tree_helpers import write

    base = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text, nick text);\n"
    write(tmp_path, {"1_base.up.sql": base, "1_base.down.sql": "DROP TABLE accounts;\n",
                     "2_change.up.sql": up, "2_change.down.sql": down})
    migrations = discover(tmp_path)
    cloned = _tables_cloned(monkeypatch)
    graph = build_graph(migrations, downs_of=["2_change"])
    assert cloned == copied
    assert [c.kind for c in graph.conflicts if c.kind != "down-mismatch"] == \
        ([refused] if refused else [])

#: (a column of `accounts` renamed by the up, and back by its down, the tables the down's
#: check copies, the down-mismatch it gets): the down's RENAME COLUMN copies the tables whose
#: foreign keys name the column (their keys are respelled), not the others that reference
#: the table.
RENAMED_KEYS = [
    # no key names nick: only the renamed table is copied
    ("nick", "handle", ["public.accounts"], False),
    # notes' key names email: it is copied and respelled, and the schema compares equal
    ("email", "mail", ["public.accounts", "public.notes"], False),
    # a key to the primary key written without columns (notes') names none of them; tags'
    # names it
    ("id", "key", ["public.accounts", "public.tags"], False),
]


@pytest.mark.parametrize(("old", "new", "copied", "mismatch"), RENAMED_KEYS)
def test_a_down_renaming_a_column_copies_only_the_tables_whose_keys_name_it(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, old: str, new: str,
        copied: list[str], mismatch: bool) -> None:
    from lockwise.graph.build import build_graph
    from tree_helpers import write

    base = ("CREATE TABLE accounts (id bigint PRIMARY KEY, email text UNIQUE, nick text);\n"
            "CREATE TABLE notes (id bigint, account_id bigint REFERENCES accounts,\n"
            "    email text REFERENCES accounts (email));\n"
            "CREATE TABLE tags (id bigint, account_id bigint REFERENCES accounts (id));\n")
    rename = "ALTER TABLE accounts RENAME COLUMN {} TO {};\n"
    write(tmp_path, {"1_base.up.sql": base, "1_base.down.sql": "DROP TABLE accounts;\n",
                     "2_change.up.sql": rename.format(old, new),
                     "2_change.down.sql": rename.format(new, old),
                     # the history's catalog goes on unchanged by the check: the next down
                     # restores the same schema
                     "3_again.up.sql": rename.format(new, old),
                     "3_again.down.sql": rename.format(old, new)})
    migrations = discover(tmp_path)
    cloned = _tables_cloned(monkeypatch)
    graph = build_graph(migrations, downs_of=["2_change"])
    assert sorted(set(cloned)) == copied
    assert any(c.kind == "down-mismatch" for c in graph.conflicts) is mismatch
    graph = build_graph(migrations, downs_of=["2_change", "3_again"])
    assert [c.kind for c in graph.conflicts if c.kind == "down-mismatch"] == []
    # a down that does not rename it back leaves the key respelled: said
    write(tmp_path, {"2_change.down.sql": "SELECT 1;\n"})
    graph = build_graph(discover(tmp_path), downs_of=["2_change"])
    assert any(c.kind == "down-mismatch" and old in c.explanation for c in graph.conflicts)


def test_signatures_compared_equal_are_not_walked_key_by_key(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import lockwise.graph.down as down

    walked: list[list[str]] = []  # (the keys of both, sorted to be walked)
    monkeypatch.setattr(down, "sorted", lambda keys: walked.append(sorted(keys)) or walked[-1],
                        raising=False)
    before = {"table:public.t": "table", "column:public.t.a": ("text", "null", "no default")}
    assert down.differences(before, dict(before), {"public.t"}) == []
    assert walked == []
    after = {**before, "column:public.t.a": ("bigint", "null", "no default")}
    assert down.differences(before, after) == [
        ("column:public.t.a", "was text null no default, after down bigint null no default")]
    assert walked


#: (a down run right after its up, the conflict it gets): each down statement is judged for a
#: refusal with an effect computed without the locks and the advice facts no refusal reads.
DOWN_JUDGED = [
    ("CREATE TABLE notes (id bigint REFERENCES accounts, body text);\n",
     "DROP TABLE notes;\n", None),
    ("ALTER TABLE accounts ADD COLUMN mood text DEFAULT 'ok';\n",
     "ALTER TABLE accounts DROP COLUMN mood;\n", None),
    # refused all the same: by a refusal fact, by a rule reading facts of its own, and a
    # table the down dropped before
    ("ALTER TABLE accounts ADD COLUMN mood text;\n",
     "ALTER TABLE accounts DROP COLUMN moods;\n", "object-missing"),
    ("CREATE TYPE mood AS ENUM ('ok');\nALTER TABLE accounts ADD COLUMN mood mood;\n",
     "DROP TYPE mood;\nALTER TABLE accounts DROP COLUMN mood;\n", "drop-type-in-use"),
    ("CREATE TABLE notes (id bigint, body text);\n",
     "DROP TABLE notes;\nDROP TABLE notes;\n", "missing-object"),
]


def _judged_contexts(monkeypatch: pytest.MonkeyPatch) -> tuple[list, list[str]]:
    """The contexts of the effects the graph computes for its rules' facts (`rule_text`),
    and the tables whose advice facts (`_deprecated_names`) are computed."""
    from lockwise.effects import postgres
    from lockwise.effects.postgres import drops

    contexts: list = []
    advised: list[str] = []
    compute, names = postgres.compute_effect, drops._deprecated_names

    def computing(tree: dict, ctx):  # type: ignore[no-untyped-def]
        if ctx.rule_text:
            contexts.append((ctx.advice_facts, ctx.locks_read))
        return compute(tree, ctx)

    def naming(b, table: str, qualified: bool) -> dict[str, str]:  # type: ignore[no-untyped-def]
        advised.append(table)
        return names(b, table, qualified)

    monkeypatch.setattr(postgres, "compute_effect", computing)
    monkeypatch.setattr(drops, "_deprecated_names", naming)
    return contexts, advised


def _history(tmp_path: Path, up: str, down: str) -> list:
    from tree_helpers import write

    base = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text, nick text);\n"
    write(tmp_path, {"1_base.up.sql": base, "1_base.down.sql": "DROP TABLE accounts;\n",
                     "2_change.up.sql": up, "2_change.down.sql": down})
    return discover(tmp_path)


@pytest.mark.parametrize(("up", "down", "refused"), DOWN_JUDGED)
def test_a_down_judged_for_a_refusal_computes_no_lock_nor_advice_no_refusal_reads(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, up: str, down: str,
        refused: str | None) -> None:
    from lockwise.graph.build import build_graph

    migrations = _history(tmp_path, up, down)
    contexts, advised = _judged_contexts(monkeypatch)
    graph = build_graph(migrations, downs_of=["2_change"])
    assert contexts and set(contexts) == {(False, False)}
    assert advised == []
    assert [c.kind for c in graph.conflicts if c.kind != "down-mismatch"] == \
        ([refused] if refused else [])


def test_a_refusal_rule_reading_an_advice_fact_gets_it_computed(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Whether the advice facts are computed is decided from the rules judged: one of them
    reading `deprecated_name` (here, in its message) has the DROP TABLE's computed."""
    from lockwise.graph import down
    from lockwise.graph.build import build_graph
    from lockwise.rules.engine import RuleIndex

    refusals, others = down._refusal_indexes()
    reading = [replace(r, message=r.message + " ({deprecated_name})") for r in others.rules]
    monkeypatch.setattr(down, "_refusal_indexes", lambda: (refusals, RuleIndex(reading)))
    down.refusal_context.cache_clear()
    try:
        migrations = _history(tmp_path, "CREATE TABLE notes (id bigint);\n",
                              "DROP TABLE notes;\n")
        contexts, advised = _judged_contexts(monkeypatch)
        build_graph(migrations, downs_of=["2_change"])
    finally:
        down.refusal_context.cache_clear()
    assert set(contexts) == {(True, False)}
    assert advised == ["public.notes"]


@pytest.mark.parametrize("sql", [
    "DROP TABLE b;", "DROP TABLE part_2;", "ALTER TABLE a DROP COLUMN m;",
    "ALTER TABLE a ALTER COLUMN m SET DEFAULT nextval('s');",
    "ALTER TABLE b DROP COLUMN a_id, ALTER COLUMN id TYPE int;",
    "ALTER TABLE a ALTER COLUMN m SET DEFAULT 'x'::regclass::text;",
])
def test_an_effect_without_advice_or_locks_differs_in_those_only(sql: str) -> None:
    """`Context.advice_facts` off leaves out `ADVICE_FACTS` and nothing else of the actions;
    `locks_read` off leaves out locks only: what a refusal is judged from is the same."""
    from dataclasses import fields as dc_fields

    from lockwise.effects.context import ADVICE_FACTS, Context
    from lockwise.effects.postgres import compute_effect

    catalog = _catalog(SCHEMA + "CREATE SEQUENCE s; CREATE TABLE parted (k int) PARTITION BY "
                       "RANGE (k); CREATE TABLE part_2 PARTITION OF parted FOR VALUES FROM "
                       "(0) TO (9); CREATE INDEX b_a ON b (a_id);")
    tree = parse_sql(sql).statements[0].tree
    whole = compute_effect(tree, Context(catalog=catalog, fix_facts=False))
    judged = compute_effect(tree, Context(catalog=catalog, fix_facts=False,
                                          advice_facts=False, locks_read=False))
    assert [a.kind for a in whole.actions] == [a.kind for a in judged.actions]
    for a, b in zip(whole.actions, judged.actions, strict=True):
        assert {k: v for k, v in a.facts.items() if k not in ADVICE_FACTS} == \
            {k: v for k, v in b.facts.items() if k not in ADVICE_FACTS}
        assert not any(b.facts.get(k) for k in ADVICE_FACTS)
    assert sql != "DROP TABLE part_2;" or whole.actions[0].facts["drop_partition_sql"]
    assert not sql.startswith("DROP TABLE") or whole.actions[0].facts["deprecated_name"]
    for f in dc_fields(whole):
        if f.name not in ("actions", "locks", "alters"):
            assert getattr(whole, f.name) == getattr(judged, f.name), f.name
    assert judged.locks.items() <= whole.locks.items()


#: (up, down, statements of the down judged for a drop of what is gone or still needed,
#: the conflict said besides down-mismatch): a CREATE, a RENAME and an ADD COLUMN drop
#: nothing, and are judged for their own refusals only (a name taken, here).
DOWN_DROPS_JUDGED = [
    ("CREATE TABLE notes (id bigint);\n",
     "DROP TABLE notes;\nCREATE TABLE notes (id bigint);\nCREATE INDEX notes_id ON notes (id);"
     "\nDROP TABLE notes;\n", 2, None),
    ("ALTER TABLE accounts RENAME TO people;\n", "ALTER TABLE people RENAME TO accounts;\n",
     0, None),
    ("CREATE INDEX accounts_nick ON accounts (nick);\n",
     "CREATE INDEX accounts_nick ON accounts (email);\n", 0, "object-already-exists"),
    ("CREATE VIEW nicks AS SELECT nick FROM accounts;\n",
     "CREATE VIEW nicks AS SELECT email FROM accounts;\n", 0, "object-already-exists"),
    ("ALTER TABLE accounts RENAME COLUMN nick TO handle;\n",
     "ALTER TABLE accounts RENAME COLUMN handle TO nick;\n", 0, None),
    ("CREATE TABLE notes (id bigint);\nCREATE VIEW notes_v AS SELECT id FROM notes;\n",
     "DROP TABLE notes;\nDROP VIEW notes_v;\n", 1, "dependency-dropped"),
    ("CREATE TABLE notes (id bigint, body text);\n",
     "DROP TABLE notes;\nDROP TABLE notes;\n", 2, "missing-object"),
    ("ALTER TABLE accounts ADD COLUMN mood text;\n",
     "ALTER TABLE accounts DROP COLUMN mood;\n", 1, None),
]


@pytest.mark.parametrize(("up", "down", "judged", "refused"), DOWN_DROPS_JUDGED)
def test_a_down_statement_that_drops_nothing_is_not_judged_for_a_drop(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, up: str, down: str, judged: int,
        refused: str | None) -> None:
    """`_gone_in_down` and `_referenced_in_down` judge drops only: a statement of a down
    whose effect drops nothing (a CREATE, a RENAME) is not handed to them, and what a
    drop meets, or a CREATE of a name taken, is still said."""
    from lockwise.graph.build import _Builder, build_graph

    migrations = _history(tmp_path, up, down)
    asked = {name: _recorded(monkeypatch, _Builder, name)
             for name in ("_gone_in_down", "_referenced_in_down")}
    graph = build_graph(migrations, downs_of=["2_change"])
    assert len(asked["_gone_in_down"]) == judged
    assert len(asked["_referenced_in_down"]) <= judged
    assert [c.kind for c in graph.conflicts if c.kind != "down-mismatch"] == \
        ([refused] if refused else [])


def test_a_call_is_looked_for_only_in_a_statement_naming_a_partly_dropped_function(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Once a DROP FUNCTION left other overloads, only a statement whose text has the
    function's name is walked for its calls (`_calls_left_without_overload`); the call
    none of those left takes is still said."""
    from lockwise.graph import build

    made = ("CREATE FUNCTION kappa(x int) RETURNS int LANGUAGE sql AS 'SELECT x';\n"
            "CREATE FUNCTION kappa(x text) RETURNS int LANGUAGE sql AS 'SELECT 1';\n")
    for name, text in (("1_made.sql", made), ("2_dropped.sql", "DROP FUNCTION kappa(int);\n"),
                       ("3_use.sql", "CREATE TABLE t (id int);\nSELECT kappa(1);\n"
                        "INSERT INTO t VALUES (1);\n")):
        (tmp_path / name).write_text(text)
    walked = _recorded(monkeypatch, build, "routine_calls")
    graph = build.build_graph(discover(tmp_path))
    assert [next(iter(t)) for t in walked] == ["SelectStmt"]
    (said,) = [c.explanation for c in graph.conflicts if c.kind == "missing-object"]
    assert "whose function public.kappa(integer) was dropped in 2_dropped" in said


def test_signature_of_some_tables_matches_the_whole_catalog_restricted_to_them() -> None:
    catalog = _catalog(SCHEMA + "CREATE UNIQUE INDEX a_m ON a (m); CREATE TABLE z (id int);")
    whole = signature(catalog)
    part = signature(catalog, {"public.b"}, {"a_m"})
    assert part == {k: v for k, v in whole.items()
                    if ":public.b" in k or k.startswith("unique index:public.a (m)")}
    # The same answer when the indexes are a plain dict (a catalog built by hand), not an
    # IndexMap, and on a fork (which keeps the IndexMap).
    forked = fork(catalog, set(), set(), renames=False)
    assert type(forked.indexes) is IndexMap
    assert signature(forked, {"public.b"}, {"a_m"}) == part
    plain = fork(catalog, set(), set(), renames=False)
    plain.indexes = dict(plain.indexes)
    assert signature(plain, {"public.b"}, {"a_m"}) == part



# --- sequences no column names ----------------------------------------------------------------


class _WalkedTables(dict):
    """A catalog's tables that count the walks of every table (`values`)."""

    walks = 0

    def values(self):  # type: ignore[override]
        self.walks += 1
        return super().values()


def test_a_sequence_no_column_names_is_owned_without_a_walk_of_every_column(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # pg_dump's order (bench/gen_corpus.generate_schema_dump): each table's sequence made and
    # OWNED BY its id before any default draws from it. A walk of every column for each
    # sequence made the replay of a schema of 2,000 tables quadratic (a quarter of its time).
    from lockwise.catalog import model

    monkeypatch.setattr(model, "CHECK_CALLERS", False)  # (the tests' walk beside the index)
    catalog = _catalog("".join(f"CREATE TABLE t{i} (id bigint NOT NULL, name text);"
                               for i in range(12)))
    tables = catalog.tables = _WalkedTables(catalog.tables)
    for stmt in parse_sql("".join(
            f"CREATE SEQUENCE t{i}_id_seq; ALTER SEQUENCE t{i}_id_seq OWNED BY t{i}.id;"
            for i in range(12))).statements:
        apply_statement(catalog, stmt.tree, "0002")
    assert tables.walks <= 1  # (the one that finds which sequences the columns name)
    for stmt in parse_sql("ALTER TABLE t3 ALTER COLUMN id SET DEFAULT nextval('t3_id_seq');"
                          "ALTER SEQUENCE t3_id_seq OWNED BY t4.id;").statements:
        apply_statement(catalog, stmt.tree, "0003")
    assert catalog.columns_drawing_from("public.t3_id_seq") == [("public.t3", "id")]
    assert catalog.tables["public.t3"].columns["id"].owns == ()
    assert catalog.tables["public.t4"].columns["id"].owns == ("public.t4_id_seq",
                                                              "public.t3_id_seq")


def test_a_sequence_renamed_or_moved_walks_no_table(monkeypatch: pytest.MonkeyPatch) -> None:
    # ALTER SEQUENCE ... RENAME TO / SET SCHEMA walked every column of every table for the
    # identities and owners naming it, then (a column naming it) again for the defaults
    # drawing from it: many renames of sequences on a large schema were quadratic. A
    # sequence no column names costs no walk; one a column names, the columns of the tables
    # filed under it (`Catalog.sequence_tables`), not every table's (a walk, before).
    from lockwise.catalog import model

    monkeypatch.setattr(model, "CHECK_CALLERS", False)  # (the tests' walk beside the index)
    catalog = _catalog("CREATE SCHEMA app;" + "".join(
        f"CREATE TABLE t{i} (id serial, n int GENERATED ALWAYS AS IDENTITY);"
        f"CREATE SEQUENCE s{i};" for i in range(12)))
    tables = catalog.tables = _WalkedTables(catalog.tables)
    for stmt in parse_sql("".join(f"ALTER SEQUENCE s{i} RENAME TO r{i};"
                                  f"ALTER SEQUENCE r{i} SET SCHEMA app;"
                                  for i in range(12))).statements:
        apply_statement(catalog, stmt.tree, "0002")
    assert tables.walks <= 1  # (the one that finds which sequences the columns name)
    assert {"app.r0", "app.r11"} <= catalog.sequences
    for t in catalog.tables.values():
        t.columns = _WalkedColumns(t.columns)
    for sql, moved in [("ALTER SEQUENCE t3_id_seq RENAME TO t3_ids", "t3"),  # (a walk before)
                       ("ALTER SEQUENCE t4_n_seq SET SCHEMA app", "t4"),
                       ("ALTER TABLE t5 SET SCHEMA app", "t5"),  # (its serial's sequence too)
                       ("ALTER TABLE t6 RENAME TO u6", "u6"),
                       ("ALTER SEQUENCE t6_id_seq RENAME TO u6_ids", "u6")]:
        tables.walks = 0
        apply_statement(catalog, parse_sql(sql).statements[0].tree, "0003")
        walked = {t.name for t in dict.values(tables) if t.columns.walks}
        assert walked <= {f"public.{moved}", f"app.{moved}"}, sql
        assert tables.walks == 0, sql  # (its rules': one for ALTER TABLE on main)
        for t in dict.values(tables):
            t.columns.walks = 0
    assert catalog.columns_drawing_from("public.t3_ids") == [("public.t3", "id")]
    assert catalog.tables["public.t4"].columns["n"].identity_sequence == "app.t4_n_seq"
    assert catalog.columns_drawing_from("app.t5_id_seq") == [("app.t5", "id")]
    assert catalog.tables["public.u6"].columns["id"].default_sequence == "public.u6_ids"


def _owner_by_walk(catalog: Catalog, sequence: str) -> tuple[str, str]:
    """The column `sequence` goes with, as found before: `owned_sequences` asked of each
    column of each table in turn."""
    from lockwise.catalog.replay import owned_sequences

    for table in catalog.tables.values():
        for column in table.columns:
            if sequence in owned_sequences(catalog, table.name, (column,)):
                return table.name, column
    return "", ""


_OWNER_SCHEMA = (
    "CREATE TABLE a (id serial, n int GENERATED ALWAYS AS IDENTITY, m int);"
    "CREATE TABLE b (id int GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME b_ids), n int);"
    "CREATE TABLE p (id serial, n int) PARTITION BY RANGE (id);"
    "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (9);"
    "CREATE SEQUENCE s OWNED BY a.m; CREATE SEQUENCE s2; CREATE SEQUENCE s3 OWNED BY p1.n;"
    "CREATE TABLE c (LIKE a INCLUDING DEFAULTS INCLUDING IDENTITY);")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from([
    "ALTER TABLE a RENAME TO a2", "ALTER SEQUENCE s OWNED BY b.n", "ALTER SEQUENCE s2 OWNED BY c.m",
    "ALTER TABLE b ALTER COLUMN id DROP IDENTITY", "ALTER TABLE p DETACH PARTITION p1",
    "ALTER TABLE c ALTER COLUMN m ADD GENERATED ALWAYS AS IDENTITY",
    "ALTER SEQUENCE a_id_seq RENAME TO a_ids", "ALTER TABLE c DROP COLUMN n",
    # (the partitions' identity has no sequence recorded: detached, it has none at all)
    "ALTER TABLE p ALTER COLUMN n ADD GENERATED ALWAYS AS IDENTITY"]), max_size=6))
def test_the_column_a_sequence_goes_with_is_the_one_the_walk_found(changes: list[str]) -> None:
    # ALTER SEQUENCE ... RENAME TO names the column the sequence goes with (its serial, its
    # identity, the one it is OWNED BY): asked of each table once, then of the columns of
    # the one that has it, the same column as asking each column of each table.
    from lockwise.effects.postgres.renames import _sequence_owner

    catalog = _catalog(_OWNER_SCHEMA + "".join(f"{sql};" for sql in changes))
    b = SimpleNamespace(ctx=SimpleNamespace(catalog=catalog))
    names = {"public.s", "public.s2", "public.s3", "public.b_ids", "public.nothing",
             *(f"public.{t}_{c}_seq" for t in ("a", "a2", "b", "c", "p", "p1")
               for c in ("id", "n", "m")), "public.a_ids"}
    for name in sorted(names):
        assert _sequence_owner(b, name) == _owner_by_walk(catalog, name), name


def _owner_asking(monkeypatch: pytest.MonkeyPatch, sql: str) -> tuple[SimpleNamespace, list]:
    """The effect model's builder over the catalog `sql` makes, and the list of the tables
    and columns `owned_sequences` is asked of through it, from now on."""
    import lockwise.effects.postgres.builder as builder

    asked: list = []
    owned = builder.catalog_owned_sequences
    monkeypatch.setattr(builder, "catalog_owned_sequences",
                        lambda *args: asked.append(args) or owned(*args))
    return SimpleNamespace(ctx=SimpleNamespace(catalog=_catalog(sql))), asked


def test_a_sequence_no_column_names_is_asked_of_no_table(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Each sequence renamed asked each table for the sequences it goes with (`owned_sequences`,
    # two thirds of the graph's time on `--sequence-renames 1000`): one no column ever named
    # (`Catalog.may_draw_from`), and no identity's unrecorded `_seq` name, asks none.
    from lockwise.effects.postgres.renames import _sequence_owner

    b, asked = _owner_asking(monkeypatch, "".join(
        f"CREATE TABLE t{i} (id serial, n int GENERATED ALWAYS AS IDENTITY); "
        f"CREATE SEQUENCE s{i};" for i in range(12)))
    for name in ("public.s3", "public.r3", "app.s3"):
        assert _sequence_owner(b, name) == ("", "")
    assert asked == []  # (was 12 each: every table asked)
    assert _sequence_owner(b, "public.t3_n_seq") == ("public.t3", "n")


class _FilingEverything(dict):
    """A `Catalog.sequence_tables` that says every name may be a column's sequence: the
    catalog's `relation_named` then walks every column it is given for each name asked."""

    def __contains__(self, key: object) -> bool:
        return True


class _WalkingCatalog(Catalog):
    """A catalog that walks every column for each sequence, as before `column_sequences`
    and `sequence_tables` (`relation_named` too, which looks `sequence_tables` up itself:
    give it a `_FilingEverything`)."""

    def may_draw_from(self, sequence: str) -> bool:
        return True

    def tables_naming_sequence(self, sequence: str) -> list[Table]:
        return list(self.tables.values())


_SEQUENCE_STATEMENTS = st.sampled_from([
    "CREATE TABLE {t} (id serial, n int)", "CREATE TABLE {t} (id int DEFAULT nextval('{s}'))",
    "CREATE TABLE {t} (LIKE {u} INCLUDING DEFAULTS)", "CREATE TABLE {t} () INHERITS ({u})",
    "CREATE SEQUENCE {s}", "CREATE SEQUENCE {s} OWNED BY {t}.id",
    "ALTER SEQUENCE {s} OWNED BY {t}.n", "ALTER SEQUENCE {s} OWNED BY {t}.id",
    "ALTER SEQUENCE {s} OWNED BY NONE", "ALTER SEQUENCE {s} RENAME TO {r}",
    "ALTER SEQUENCE {s} SET SCHEMA app", "ALTER SEQUENCE app.{s} SET SCHEMA public",
    "ALTER TABLE {t} ALTER COLUMN n SET DEFAULT nextval('{s}')",
    "ALTER TABLE {t} ALTER COLUMN id SET DEFAULT nextval('app.{s}')",
    "ALTER TABLE {t} ALTER COLUMN n DROP DEFAULT", "ALTER TABLE {t} ADD COLUMN n bigserial",
    "ALTER TABLE {t} DROP COLUMN n", "ALTER TABLE {t} DROP COLUMN id CASCADE",
    "ALTER TABLE {t} RENAME TO {u}", "ALTER TABLE {t} SET SCHEMA app",
    "ALTER TABLE app.{t} SET SCHEMA public", "ALTER TABLE {t} RENAME COLUMN id TO n",
    "DROP SEQUENCE {s}", "DROP SEQUENCE {s} CASCADE", "DROP TABLE {t}", "DROP TABLE {t} CASCADE",
    "ALTER SCHEMA app RENAME TO app2", "ALTER SCHEMA app2 RENAME TO app",
    "CREATE TABLE {t} (id int GENERATED ALWAYS AS IDENTITY, n int)",
    "CREATE TABLE {t} (id int GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME {s}), n int)",
    "ALTER TABLE {t} ALTER COLUMN n ADD GENERATED ALWAYS AS IDENTITY",
    "ALTER TABLE {t} ALTER COLUMN id DROP IDENTITY",
    "CREATE TABLE {t} (LIKE {u} INCLUDING IDENTITY)",
    "CREATE TABLE {t} (id int GENERATED ALWAYS AS IDENTITY, n int) PARTITION BY RANGE (id)",
    "ALTER TABLE {t} ATTACH PARTITION {u} FOR VALUES FROM (0) TO (9)",
    "ALTER TABLE {t} DETACH PARTITION {u}",
])


@settings(max_examples=150, deadline=None)
@example([("CREATE TABLE {t} (id int GENERATED ALWAYS AS IDENTITY, n int) PARTITION BY RANGE (id)",
           "a", "a", "s", "s"),
          ("CREATE TABLE {t} (LIKE {u} INCLUDING DEFAULTS)", "b", "a", "s", "s"),
          ("ALTER TABLE {t} ATTACH PARTITION {u} FOR VALUES FROM (0) TO (9)", "a", "b", "s", "s"),
          ("ALTER SEQUENCE {s} RENAME TO {r}", "a", "a", "a_id_seq", "r"),
          ("ALTER TABLE {t} DETACH PARTITION {u}", "a", "b", "s", "s")])
@example([("CREATE TABLE {t} (id serial, n int)", "a", "a", "s", "s"),
          ("ALTER TABLE {t} SET SCHEMA app", "a", "a", "s", "s")])
@example([("CREATE TABLE {t} (id int GENERATED ALWAYS AS IDENTITY, n int)", "a", "a", "s", "s"),
          ("ALTER SEQUENCE {s} RENAME TO {r}", "a", "a", "a_id_seq", "r")])
@example([("CREATE SEQUENCE {s}", "a", "a", "s", "s"),
          ("CREATE TABLE {t} (id int DEFAULT nextval('{s}'))", "b", "a", "s", "s"),
          ("ALTER SEQUENCE {s} RENAME TO {r}", "a", "a", "s", "r"),
          ("DROP SEQUENCE {s} CASCADE", "a", "a", "r", "r")])
@given(st.lists(st.tuples(_SEQUENCE_STATEMENTS, st.sampled_from("ab"), st.sampled_from("ab"),
                          st.sampled_from(["s", "r", "a_id_seq", "b_n_seq"]),
                          st.sampled_from(["s", "r", "a_id_seq"])), max_size=14))
def test_the_sequences_columns_name_are_never_missed(history: list) -> None:
    # `Catalog.sequence_tables` is kept by each writer of `owns`, `default_sequence` and
    # `identity_sequence`: over random histories of what writes them, each table is filed
    # under the sequences its columns name, and the replay leaves what the replay walking
    # every column for each sequence (owned, dropped, renamed or moved) leaves.
    kept, walking = Catalog(), _WalkingCatalog(sequence_tables=_FilingEverything())
    assert not kept.may_draw_from("public.s")  # (filled now: the writers keep it from here)
    sql = "CREATE SCHEMA app;" + "".join(
        text.format(t=t, u=u, s=s, r=r) + ";" for text, t, u, s, r in history)
    for stmt in parse_sql(sql).statements:
        for catalog in (kept, walking):
            apply_statement(catalog, stmt.tree, "0001")
        named = {s for t in kept.tables.values() for c in t.columns.values()
                 for s in (c.default_sequence, c.identity_sequence, *c.owns) if s is not None}
        filed = kept.sequence_tables or {}
        assert all(t.name in filed.get(s, ()) for t in kept.tables.values()
                   for c in t.columns.values()
                   for s in (c.default_sequence, c.identity_sequence, *c.owns) if s), stmt.sql
        assert kept.tables == walking.tables, stmt.sql
        assert kept.sequences == walking.sequences, stmt.sql
        for name in named | kept.sequences:
            assert kept.columns_drawing_from(name) == walking.columns_drawing_from(name)
        # a name a column's sequence may hold is a relation's as a walk of every column says
        # (fix-speed82: `relation_named` looks the name up in `sequence_tables` itself)
        for name in named | {f"{schema}.{n}" for schema in ("public", "app")
                             for n in ("s", "r", "a_id_seq", "b_n_seq", "a_n_seq", "b_id_seq")}:
            assert kept.relation_named(name) == walking.relation_named(name), (stmt.sql, name)


def test_the_column_a_sequence_goes_with_is_asked_of_its_table_alone(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # ALTER SEQUENCE ... RENAME TO of a serial's or identity's sequence asked the tables in
    # turn until the one it goes with (1,004,000 asks on `--sequence-renames 1000`; each
    # column of each table before the forty-ninth round): only the tables filed under it
    # (`Catalog.sequence_tables`) are asked now, then the columns of the one it goes with.
    from lockwise.effects.postgres.renames import _sequence_owner

    b, asked = _owner_asking(monkeypatch, "".join(
        f"CREATE TABLE t{i} (id serial, n int GENERATED ALWAYS AS IDENTITY, m text);"
        for i in range(40)))
    for name, owner in [("public.t39_id_seq", ("public.t39", "id")),
                        ("public.t20_n_seq", ("public.t20", "n"))]:
        asked.clear()
        assert _sequence_owner(b, name) == owner
        assert len(asked) <= 1 + 3, (name, len(asked))  # (41 and 23 on main)


def _lint_checking_each_statement(statements: list[str],
                                  check: Callable[[Catalog, str], None]) -> None:
    """Lint `statements` in one migration (after CREATE SCHEMA app, inside BEGIN ... COMMIT)
    and `check` the replay's catalog after each, once a ROLLBACK TO put its copy back
    (`Rollbacks.after` wrapped)."""
    from lockwise.catalog.replay import Rollbacks
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations

    texts = ["CREATE SCHEMA app", "BEGIN", *statements, "COMMIT"]
    after, checked = Rollbacks.after, []

    def after_checked(self: Rollbacks, catalog: Catalog, session: object, ended: int) -> object:
        undone = after(self, catalog, session, ended)  # (a ROLLBACK TO's copy put back)
        check(catalog, texts[len(checked)])
        checked.append(texts[len(checked)])
        return undone

    sql = "".join(f"{text};\n" for text in texts)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Rollbacks, "after", after_checked)
        lint_migrations([migration_from_text(sql, "0001_m.sql")], catalog=Catalog())
    assert checked == texts  # (each statement replayed, then checked)


def _sequences_walked(catalog: Catalog, table: Table) -> set[str]:
    """The sequences the columns of `table` name: own, draw their default from, have as
    their identity's (as recorded, else as PostgreSQL names it)."""
    from lockwise.catalog.replay import column_identity_sequence

    return {s for c in table.columns.values()
            for s in (c.default_sequence, *c.owns,
                      column_identity_sequence(table.name, c) if c.identity else None) if s}


def _drawing_by_walk(catalog: Catalog, sequence: str) -> list[tuple[str, str]]:
    """`Catalog.columns_drawing_from` as a walk of every column of every table."""
    return sorted(((t.name, c.name) for t in catalog.tables.values()
                   for c in t.columns.values() if c.default_sequence == sequence),
                  key=lambda pair: pair[0])


#: Statements that make, copy, change, move or drop a column naming a sequence, or the
#: sequence, table or schema it names.
_SEQUENCE_INDEX_STATEMENTS = st.sampled_from([
    "CREATE TABLE {t} (id serial, n int, m int)",
    "CREATE TABLE {t} (id int GENERATED ALWAYS AS IDENTITY, n int, m int)",
    "CREATE TABLE {t} (id int GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME {s}), n int)",
    "CREATE TABLE {t} (id int DEFAULT nextval('{s}'), n int, m int)",
    "CREATE TABLE app.{t} (id bigserial, n int)",
    "CREATE TABLE {t} (LIKE {u} INCLUDING ALL)",
    "CREATE TABLE {t} (LIKE {u} INCLUDING DEFAULTS INCLUDING IDENTITY)",
    "CREATE TABLE {t} (x int) INHERITS ({u})",
    "CREATE TABLE {t} (id int, n int, m int) PARTITION BY RANGE (id)",
    "CREATE TABLE {t} (id serial, n int GENERATED ALWAYS AS IDENTITY) PARTITION BY RANGE (id)",
    "CREATE TABLE {t} PARTITION OF {u} FOR VALUES FROM (0) TO (10)",
    "ALTER TABLE {u} ATTACH PARTITION {t} FOR VALUES FROM (10) TO (20)",
    "ALTER TABLE {u} DETACH PARTITION {t}",
    "CREATE SEQUENCE {s}", "CREATE SEQUENCE {s} OWNED BY {t}.n",
    "ALTER SEQUENCE {s} OWNED BY {t}.m", "ALTER SEQUENCE {s} OWNED BY NONE",
    "ALTER SEQUENCE {s} RENAME TO {r}", "ALTER TABLE {s} RENAME TO {r}",
    "ALTER SEQUENCE {s} SET SCHEMA app", "ALTER SEQUENCE app.{s} SET SCHEMA public",
    "ALTER TABLE {t} RENAME TO {u}", "ALTER TABLE {t} SET SCHEMA app",
    "ALTER TABLE app.{t} SET SCHEMA public", "ALTER TABLE app.{t} RENAME TO {u}",
    "ALTER SCHEMA app RENAME TO app2", "ALTER SCHEMA app2 RENAME TO app",
    "ALTER TABLE {t} RENAME COLUMN id TO k", "ALTER TABLE {t} RENAME COLUMN n TO j",
    "ALTER TABLE {t} ADD COLUMN k bigserial",
    "ALTER TABLE {t} ADD COLUMN k int GENERATED BY DEFAULT AS IDENTITY",
    "ALTER TABLE {t} ALTER COLUMN n SET DEFAULT nextval('{s}')",
    "ALTER TABLE {t} ALTER COLUMN id SET DEFAULT nextval('app.{s}')",
    "ALTER TABLE {t} ALTER COLUMN n DROP DEFAULT",
    "ALTER TABLE {t} ALTER COLUMN n ADD GENERATED ALWAYS AS IDENTITY",
    "ALTER TABLE {t} ALTER COLUMN id DROP IDENTITY",
    "ALTER TABLE {t} DROP COLUMN id CASCADE", "ALTER TABLE {t} DROP COLUMN n",
    "DROP TABLE {t} CASCADE", "DROP SEQUENCE {s} CASCADE", "DROP SCHEMA app CASCADE",
    "CREATE SCHEMA IF NOT EXISTS app",
    "SAVEPOINT x", "ROLLBACK TO x", "RELEASE x", "SAVEPOINT y", "ROLLBACK TO y",
    "DO $$ BEGIN ALTER TABLE {t} ADD COLUMN q serial; END $$",
])


@settings(max_examples=150, deadline=None)
@example([("CREATE TABLE {t} (id serial, n int, m int)", "a", "b", "s", "r"),
          ("SAVEPOINT x", "a", "a", "s", "s"),
          ("ALTER TABLE {t} RENAME TO {u}", "a", "b", "s", "r"),
          ("ROLLBACK TO x", "a", "a", "s", "s"),
          ("ALTER SEQUENCE {s} RENAME TO {r}", "a", "a", "a_id_seq", "r")])
@example([("CREATE TABLE {t} (id int, n int, m int) PARTITION BY RANGE (id)", "a", "a", "s",
           "s"), ("CREATE TABLE {t} PARTITION OF {u} FOR VALUES FROM (0) TO (10)", "b", "a",
                  "s", "s"),
          ("ALTER TABLE {t} ALTER COLUMN n ADD GENERATED ALWAYS AS IDENTITY", "a", "a", "s",
           "s"), ("ALTER TABLE {u} DETACH PARTITION {t}", "b", "a", "s", "s"),
          ("ALTER TABLE {t} RENAME COLUMN n TO j", "b", "b", "s", "s"),  # (its identity's
          ("ALTER TABLE {t} RENAME TO {u}", "b", "c", "s", "s")])         # name follows)
@example([("CREATE TABLE {t} (id serial, n int, m int)", "a", "a", "s", "s"),
          ("CREATE TABLE {t} (x int) INHERITS ({u})", "b", "a", "s", "s"),
          ("CREATE SEQUENCE {s}", "a", "a", "s", "s"),
          ("ALTER TABLE {t} ALTER COLUMN n SET DEFAULT nextval('{s}')", "a", "a", "s", "s"),
          ("ALTER TABLE {t} ADD COLUMN k bigserial", "a", "a", "s", "s")])  # (b's defaults)
@given(st.lists(st.tuples(_SEQUENCE_INDEX_STATEMENTS, st.sampled_from("abc"),
                          st.sampled_from("abc"),
                          st.sampled_from(["s", "r", "a_id_seq", "b_n_seq", "a_n_seq"]),
                          st.sampled_from(["s", "r", "a_id_seq"])), max_size=16))
def test_the_tables_filed_by_sequence_are_the_walks(history: list) -> None:
    # `Catalog.sequence_tables` files each table under the sequences its columns name, kept
    # by each statement that makes, copies or changes such a column, moves a table or renames
    # a column, and by the copies a ROLLBACK TO puts back: after every statement of random
    # histories of them, each table is filed under what its columns name, and what is asked
    # through it (the defaults drawing from a sequence, the column a sequence goes with) is
    # what a walk of every column of every table finds.
    from lockwise.effects.postgres.renames import _sequence_owner

    def check(catalog: Catalog, sql: str) -> None:
        catalog.may_draw_from("public.s")  # (built by a walk at the first, kept from there)
        filed = catalog.sequence_tables or {}
        names = {"public.s", "public.r", "app.s", "app.r", "public.a_id_seq", "app2.s"}
        for t in catalog.tables.values():
            named = _sequences_walked(catalog, t)
            assert all(t.name in filed.get(s, ()) for s in named), (sql, t.name, named)
            names |= named
        b = SimpleNamespace(ctx=SimpleNamespace(catalog=catalog))
        for name in sorted(names | catalog.sequences):
            assert catalog.columns_drawing_from(name) == _drawing_by_walk(catalog, name), \
                (sql, name)
            assert _sequence_owner(b, name) == _owner_by_walk(catalog, name), (sql, name)

    _lint_checking_each_statement(
        [text.format(t=t, u=u, s=s, r=r) for text, t, u, s, r in history], check)


# --- the sequences of the columns a statement added -------------------------------------------


class _WalkedColumns(dict):
    """A table's columns that count the walks of every column (`values`)."""

    walks = 0

    def values(self):  # type: ignore[override]
        self.walks += 1
        return super().values()


def _made_by_walk(catalog: Catalog, table: str, columns: tuple[str, ...]) -> set[str]:
    """The sequences new with `columns` of `table`, as found before: a walk of every column
    of the table for each column added (`context._made_sequences` with one column)."""
    from lockwise.catalog.replay import column_identity_sequence

    known = catalog.tables[table]
    if not any(c.identity or c.default == "nextval()" for c in known.columns.values()):
        return set()
    found: set[str] = set()
    for name in columns:
        chosen = [col for col in known.columns.values() if col.name == name]
        found.update(() if known.partition_of else [
            column_identity_sequence(table, col) if col.identity else col.default_sequence or ""
            for col in chosen
            if col.identity or (col.default == "nextval()" and col.default_sequence)])
        found.update(s for col in chosen for s in col.owns)
    return {f"sequence:{s}" for s in found}


def _added(setup: str, sql: str) -> tuple[Catalog, set[str]]:
    """The catalog after `setup` and `sql` (one statement), and what `track_new_objects`
    makes new at `sql`."""
    from lockwise.effects.context import Context, track_new_objects
    from lockwise.effects.postgres import compute_effect

    catalog = _catalog(setup)
    (stmt,) = parse_sql(sql).statements
    effect = compute_effect(stmt.tree, Context(catalog=catalog))
    apply_statement(catalog, stmt.tree, "0002")
    ctx = Context(catalog=catalog)
    for t in catalog.tables.values():
        t.columns = _WalkedColumns(t.columns)
    track_new_objects(ctx, effect)
    return catalog, ctx.new_tables


_COLUMN_KINDS = st.sampled_from(["int", "text", "serial", "bigserial",
                                 "int GENERATED ALWAYS AS IDENTITY",
                                 "int GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME app.ids)",
                                 "int DEFAULT nextval('s')", "int NOT NULL DEFAULT 0"])


@settings(max_examples=80, deadline=None)
@example(["serial", "int"], ["int", "bigserial"], "")
@example(["int"], ["serial"], "CREATE TABLE p (id int, b0 int) PARTITION BY RANGE (id);")
@given(st.lists(_COLUMN_KINDS, min_size=1, max_size=5), st.lists(_COLUMN_KINDS, min_size=1,
                                                                  max_size=5),
       st.sampled_from(["", "ALTER SEQUENCE s OWNED BY t.b0;",
                        "CREATE TABLE p (id int, b0 int) PARTITION BY RANGE (id);"]))
def test_the_sequences_new_with_added_columns_are_those_the_walk_found(
        before: list[str], added: list[str], setup: str) -> None:
    # The serial and identity sequences of the columns an ALTER TABLE adds are new: found
    # from those columns alone, as the walk of every column of the table for each added
    # column found them (that walk made many ADD COLUMNs on a wide table quadratic).
    columns = ", ".join(f"b{i} {kind}" for i, kind in enumerate(before))
    table = f"CREATE TABLE t ({columns});" if "PARTITION" not in setup else \
        f"{setup} CREATE TABLE t PARTITION OF p FOR VALUES FROM (0) TO (10);"
    sql = "ALTER TABLE t " + ", ".join(f"ADD COLUMN a{i} {kind}" for i, kind in enumerate(added))
    catalog, made = _added(f"CREATE SCHEMA app; CREATE SEQUENCE s; {table} "
                           f"{setup if 'OWNED' in setup else ''}", sql)
    names = tuple(f"a{i}" for i in range(len(added)))
    assert made == {f"column:public.t.{n}" for n in names} | \
        _made_by_walk(catalog, "public.t", names)


def test_the_columns_an_alter_table_adds_make_their_sequences_new_without_a_walk() -> None:
    wide = ", ".join(f"c{i} int" for i in range(200))
    catalog, made = _added(f"CREATE TABLE t (id serial, {wide});", "ALTER TABLE t " + ", ".join(
        f"ADD COLUMN a{i} {'serial' if i % 2 else 'int'}" for i in range(40)))
    assert {m for m in made if m.startswith("sequence:")} == {
        f"sequence:public.t_a{i}_seq" for i in range(1, 40, 2)}
    assert catalog.tables["public.t"].columns.walks == 0  # (was two for each column added)


# --- constraint names of a schema ------------------------------------------------------------


def test_a_constraint_name_is_looked_up_without_a_walk_of_every_table(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Each unnamed CHECK and NOT NULL (PostgreSQL 18) a CREATE TABLE makes is numbered past
    # the names of its schema (`Catalog.constraint_named`): a walk of every table for each
    # made a pg_dump schema of 2,000 tables quadratic (14% of lint's side).
    from lockwise.catalog import model

    monkeypatch.setattr(model, "CHECK_CALLERS", False)  # (the tests' walk beside the index)
    catalog = _catalog("".join(f"CREATE TABLE t{i} (id int NOT NULL, n int CHECK (n > 0));"
                               for i in range(12)))
    tables = catalog.tables = _WalkedTables(catalog.tables)
    for stmt in parse_sql("".join(
            f"CREATE TABLE u{i} (id int NOT NULL, n int CHECK (n > 0), CHECK (id > n));"
            f"ALTER TABLE u{i} ADD CHECK (n < 9), ALTER COLUMN n SET NOT NULL;"
            for i in range(12))).statements:
        apply_statement(catalog, stmt.tree, "0002")
    assert tables.walks <= 1
    assert set(catalog.tables["public.u3"].constraints) == {
        "u3_n_check", "u3_check", "u3_n_check1"}
    assert catalog.constraint_named("public", "u3_n_check1")
    assert catalog.constraint_named("public", "t11_id_not_null")
    assert not catalog.constraint_named("app", "u3_n_check")


def test_the_replay_stores_a_tables_constraints_only_through_put_constraint() -> None:
    # `Catalog.constraint_holders` is kept by `put_constraint`, the one writer of a table's
    # constraints: a constraint stored under a name any other way may be missed by
    # `constraint_named`. MySQL's effects keep none of the catalog's indexes.
    import re

    import lockwise

    writes = re.compile(r"\.constraints(\[[^]\n]+\]\s*=[^=]|\.(setdefault|update)\(|\s*\|?=[^=])")
    src = Path(lockwise.__file__).parent
    # (fix/ rewrites parse trees, whose ColumnDef nodes have `constraints` too)
    found = [f"{path.relative_to(src)}: {line.strip()}" for path in sorted(src.rglob("*.py"))
             if "mysql" not in path.stem and path.parent.name != "fix"
             for line in path.read_text(encoding="utf-8").splitlines() if writes.search(line)]
    assert found == ["catalog/model.py: t.constraints[con.name] = con"]


def _walked_constraint_named(catalog: Catalog, schema: str, name: str) -> bool:
    """`Catalog.constraint_named` as a walk of every table, column and domain."""
    tables = [t for t in catalog.tables.values() if t.name.startswith(f"{schema}.")]
    return any(name in t.constraints for t in tables) or \
        catalog.not_null_constraints and any(
            c.not_null and c.not_null_name == name for t in tables for c in t.columns.values()) \
        or any(key.startswith(f"{schema}.") and (
            any(check.name == name for check in d.checks) or
            d.not_null and d.not_null_name == name)
            for key, d in catalog.domains.items())


#: Statements that add, drop, rename or move a constraint, or a table or schema holding some.
_CONSTRAINT_STATEMENTS = st.sampled_from([
    "CREATE TABLE {t} (id int PRIMARY KEY, n int CHECK (n > 0), m int NOT NULL, "
    "CONSTRAINT {c} UNIQUE (n))",
    "CREATE TABLE {t} (id int NOT NULL, n int, CHECK (n > 0), CONSTRAINT {c} CHECK (id > 0))",
    "CREATE TABLE app.{t} (id int PRIMARY KEY, n int CHECK (n > 1))",
    "CREATE TABLE {t} (LIKE {u} INCLUDING ALL)", "CREATE TABLE {t} (x int) INHERITS ({u})",
    "CREATE TABLE {t} (id int, n int CHECK (n > 2)) PARTITION BY RANGE (id)",
    "CREATE TABLE {t} PARTITION OF {u} FOR VALUES FROM (0) TO (10)",
    "ALTER TABLE {u} ATTACH PARTITION {t} FOR VALUES FROM (10) TO (20)",
    "ALTER TABLE {u} DETACH PARTITION {t}", "ALTER TABLE {t} INHERIT {u}",
    "ALTER TABLE {t} NO INHERIT {u}",
    "ALTER TABLE {t} ADD CONSTRAINT {c} CHECK (n > 0)", "ALTER TABLE {t} ADD CHECK (n > 1)",
    "ALTER TABLE {t} ADD CONSTRAINT {c} FOREIGN KEY (n) REFERENCES {u} (id)",
    "ALTER TABLE {t} ADD PRIMARY KEY (id)", "ALTER TABLE {t} ADD UNIQUE (n)",
    "ALTER TABLE {t} ADD COLUMN q int NOT NULL DEFAULT 0 CHECK (q >= 0)",
    "ALTER TABLE {t} ALTER COLUMN n SET NOT NULL", "ALTER TABLE {t} DROP COLUMN n CASCADE",
    "ALTER TABLE {t} DROP CONSTRAINT {c}", "ALTER TABLE {t} DROP CONSTRAINT IF EXISTS {c} CASCADE",
    "ALTER TABLE {t} RENAME CONSTRAINT {c} TO {d}", "CREATE UNIQUE INDEX {c} ON {t} (n)",
    "ALTER TABLE {t} ADD CONSTRAINT {d} UNIQUE USING INDEX {c}", "ALTER INDEX {c} RENAME TO {d}",
    "DROP INDEX {c}", "ALTER TABLE {t} RENAME TO {u}", "ALTER TABLE {t} SET SCHEMA app",
    "ALTER TABLE app.{t} SET SCHEMA public", "ALTER TABLE app.{t} RENAME TO {u}",
    "ALTER SCHEMA app RENAME TO app2", "ALTER SCHEMA app2 RENAME TO app",
    "DROP TABLE {t}", "DROP TABLE {t} CASCADE", "DROP SCHEMA app CASCADE",
    "CREATE SCHEMA IF NOT EXISTS app", "CREATE DOMAIN app.{t}_d AS int CHECK (VALUE > 0)",
    "CREATE DOMAIN {t}_n AS int NOT NULL",
    "SAVEPOINT s", "ROLLBACK TO s", "RELEASE s", "SAVEPOINT r", "ROLLBACK TO r",
    "DO $$ BEGIN ALTER TABLE {t} ADD CONSTRAINT {c} CHECK (id > 0); END $$",
])


@settings(max_examples=150, deadline=None)
@example([("CREATE TABLE {t} (id int PRIMARY KEY, n int CHECK (n > 0), m int NOT NULL, "
           "CONSTRAINT {c} UNIQUE (n))", "a", "b", "k", "j"),
          ("ALTER TABLE {t} RENAME TO {u}", "a", "b", "k", "j"),
          ("ALTER TABLE {t} SET SCHEMA app", "b", "a", "k", "j")])
@example([("CREATE TABLE {t} (id int NOT NULL, n int, CHECK (n > 0), CONSTRAINT {c} CHECK "
           "(id > 0))", "a", "b", "k", "j"), ("SAVEPOINT s", "a", "a", "k", "k"),
          ("ALTER TABLE {t} RENAME CONSTRAINT {c} TO {d}", "a", "b", "k", "j"),
          ("ROLLBACK TO s", "a", "a", "k", "k")])
@example([("CREATE TABLE {t} (id int, n int CHECK (n > 2)) PARTITION BY RANGE (id)", "a", "b",
           "k", "j"),
          ("CREATE TABLE {t} (id int NOT NULL, n int, CHECK (n > 0), CONSTRAINT {c} CHECK "
           "(id > 0))", "b", "a", "k", "j"),
          ("ALTER TABLE {u} ATTACH PARTITION {t} FOR VALUES FROM (10) TO (20)", "b", "a", "k",
           "j"), ("ALTER TABLE {t} ADD PRIMARY KEY (id)", "a", "a", "k", "k"),
          ("CREATE UNIQUE INDEX {c} ON {t} (n)", "b", "b", "b_n_key", "k"),
          ("ALTER INDEX {c} RENAME TO {d}", "a", "a", "a_pkey", "k")])
@example([("CREATE TABLE {t} (id int PRIMARY KEY, n int CHECK (n > 0), m int NOT NULL, "
           "CONSTRAINT {c} UNIQUE (n))", "c", "c", "j", "j"),
          ("CREATE TABLE {t} (id int, n int CHECK (n > 2)) PARTITION BY RANGE (id)", "a", "a",
           "k", "k"),
          ("CREATE TABLE {t} PARTITION OF {u} FOR VALUES FROM (0) TO (10)", "b", "a", "k", "k"),
          ("ALTER TABLE {t} ADD CONSTRAINT {c} FOREIGN KEY (n) REFERENCES {u} (id)", "a", "c",
           "k", "k"),  # (its clone on b)
          ("ALTER TABLE {t} ADD PRIMARY KEY (id)", "a", "a", "k", "k")])  # (b_pkey on b)
@given(st.lists(st.tuples(_CONSTRAINT_STATEMENTS, st.sampled_from("abc"), st.sampled_from("abc"),
                          st.sampled_from(["k", "j", "a_n_check", "b_pkey", "a_pkey", "b_n_key"]),
                          st.sampled_from(["k", "j", "b_n_check", "a_pkey"])),
                max_size=16))
def test_the_constraint_names_of_a_schema_are_the_walks(history: list) -> None:
    # `Catalog.constraint_holders` files each table under the names of its constraints, kept by
    # each statement that adds one, renames or moves one or a table holding some, and by the
    # copies a ROLLBACK TO puts back: after every statement of random histories of them, each
    # table of the catalog is filed under the names of its constraints, and the index answers
    # as the walk of every table does (a name, of any schema, a table holds, has held or not).
    def check(catalog: Catalog, sql: str) -> None:
        filed = catalog.constraint_holders or {}
        for t in catalog.tables.values():
            for name, con in t.constraints.items():
                assert t.name in filed.get(name, ()) and con.name == name, (sql, t.name, name)
        names = {"k", "j", "a_n_check", "b_pkey", "a_n_key", "a_m_not_null", "a_d_check",
                 "a_n_not_null"}
        names.update(n for t in catalog.tables.values() for n in t.constraints)
        names.update(c.not_null_name for t in catalog.tables.values()
                     for c in t.columns.values())
        for schema in ("public", "app", "app2"):
            for name in names:
                assert catalog.constraint_named(schema, name) == \
                    _walked_constraint_named(catalog, schema, name), (sql, schema, name)

    _lint_checking_each_statement(
        [text.format(t=t, u=u, c=c, d=d) for text, t, u, c, d in history], check)


# --- the tables by the relations their rules name -------------------------------------------


def _rules_walked(catalog: Catalog, relation: str) -> list[str]:
    """The tables with a rule naming `relation`, as found before `rule_readers`: a walk of
    every table's rules, in the catalog's order."""
    return [t.name for t in catalog.tables.values()
            if any(relation in r.relations() for r in t.rules.values())]


def test_a_relation_renamed_moved_or_dropped_walks_no_table_for_rules(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Each RENAME, SET SCHEMA and DROP of a relation asked every table whether one of its
    # rules names it (`tables_with_rules_naming`): the last walk of every table a table
    # RENAME cost. Only the tables `Catalog.rule_readers` files under the name are looked at.
    from lockwise.catalog import model
    from lockwise.effects.context import Context
    from lockwise.effects.postgres import compute_effect

    monkeypatch.setattr(model, "CHECK_CALLERS", False)  # (the tests' walk beside the index)
    catalog = _catalog("CREATE SCHEMA app;" + "".join(
        f"CREATE TABLE t{i} (id int);" for i in range(12)) +
        "CREATE RULE r AS ON INSERT TO t1 DO ALSO INSERT INTO t3 VALUES (1);"
        "CREATE RULE r AS ON DELETE TO t9 WHERE EXISTS (SELECT FROM t3) DO INSTEAD NOTHING;")
    tables = catalog.tables = _WalkedTables(catalog.tables)
    for sql in ["ALTER TABLE t3 RENAME TO u3", "ALTER TABLE u3 SET SCHEMA app",
                "ALTER TABLE t5 RENAME TO u5", "ALTER TABLE t1 RENAME TO u1",
                "ALTER TABLE t9 SET SCHEMA app", "DROP TABLE t7"]:
        apply_statement(catalog, parse_sql(sql).statements[0].tree, "0002")
        assert tables.walks == 0, sql
    assert [t.name for t in catalog.tables_with_rules_naming("app.u3")] == [
        "public.u1", "app.t9"]  # (the rules followed the renames and the moves)
    (stmt,) = parse_sql("DROP TABLE app.u3 CASCADE").statements
    effect = compute_effect(stmt.tree, Context(catalog=catalog))
    assert {"public.u1", "app.t9"} <= set(effect.locks)
    apply_statement(catalog, stmt.tree, "0003")  # (`naming` walks every table: left)
    assert not catalog.tables["public.u1"].rules and not catalog.tables["app.t9"].rules


def test_the_replay_stores_a_tables_rules_only_through_put_rules() -> None:
    # `Catalog.rule_readers` is kept by `put_rules`, the one writer of a table's rules (and
    # `move_table`): rules stored any other way may be missed by `tables_with_rules_naming`.
    import re

    import lockwise

    writes = re.compile(r"\.rules(\[[^]\n]+\]\s*=[^=]|\.(setdefault|update|pop)\(|\s*\|?=[^=])")
    src = Path(lockwise.__file__).parent
    # (rules/ is the policy's: its `rules` are lint rules)
    found = [f"{path.relative_to(src)}: {line.strip()}" for path in sorted(src.rglob("*.py"))
             if path.parent.name != "rules"
             for line in path.read_text(encoding="utf-8").splitlines() if writes.search(line)]
    assert found == ["catalog/model.py: t.rules = rules"]


#: Statements that make, change, rename or drop a rule, or the relations it is on or names.
_RULE_STATEMENTS = st.sampled_from([
    "CREATE TABLE {t} (id int, n int)", "CREATE TABLE app.{t} (id int, n int)",
    "CREATE VIEW {t} AS SELECT 1 AS id", "CREATE SEQUENCE {t}",
    "CREATE RULE {r} AS ON INSERT TO {t} DO ALSO INSERT INTO {u} VALUES (1, 2)",
    "CREATE OR REPLACE RULE {r} AS ON UPDATE TO {t} DO INSTEAD UPDATE {u} SET n = 1",
    "CREATE RULE {r} AS ON DELETE TO {t} WHERE EXISTS (SELECT FROM {u}) DO INSTEAD NOTHING",
    "CREATE RULE {r} AS ON INSERT TO {t} DO ALSO (INSERT INTO app.{u} VALUES (1); "
    "DELETE FROM {u})",
    "CREATE RULE {r} AS ON INSERT TO {t} DO ALSO SELECT nextval('{u}')",
    "CREATE RULE {r} AS ON INSERT TO {t} DO ALSO SELECT * FROM {u}",
    "ALTER RULE {r} ON {t} RENAME TO r2", "DROP RULE {r} ON {t}", "DROP RULE IF EXISTS r2 ON {t}",
    "ALTER TABLE {t} DISABLE RULE {r}", "ALTER TABLE {t} ENABLE REPLICA RULE {r}",
    "ALTER TABLE {t} RENAME TO {u}", "ALTER TABLE {t} SET SCHEMA app",
    "ALTER TABLE app.{t} SET SCHEMA public", "ALTER TABLE app.{t} RENAME TO {u}",
    "ALTER VIEW {t} RENAME TO {u}", "ALTER SEQUENCE {t} RENAME TO {u}",
    "ALTER SCHEMA app RENAME TO app2", "ALTER SCHEMA app2 RENAME TO app",
    "CREATE SCHEMA IF NOT EXISTS app",
    "DROP TABLE {t} CASCADE", "DROP VIEW {t} CASCADE", "DROP TABLE app.{t} CASCADE",
    "DROP SEQUENCE {t} CASCADE", "DROP SCHEMA app CASCADE",
    "SAVEPOINT x", "ROLLBACK TO x", "RELEASE x", "SAVEPOINT y", "ROLLBACK TO y",
    "DO $$ BEGIN ALTER TABLE {t} RENAME TO {u}; END $$",
])


@settings(max_examples=150, deadline=None)
@example([("CREATE TABLE {t} (id int, n int)", "a", "a", "r"),
          ("CREATE TABLE {t} (id int, n int)", "b", "a", "r"),
          ("CREATE RULE {r} AS ON INSERT TO {t} DO ALSO INSERT INTO {u} VALUES (1, 2)", "a",
           "b", "r"),
          ("SAVEPOINT x", "a", "a", "r"), ("ALTER TABLE {t} RENAME TO {u}", "a", "c", "r"),
          ("ROLLBACK TO x", "a", "a", "r"), ("ALTER TABLE {t} RENAME TO {u}", "b", "c", "r")])
@example([("CREATE TABLE {t} (id int, n int)", "a", "a", "r"),
          ("CREATE TABLE {t} (id int, n int)", "b", "a", "r"),
          ("CREATE RULE {r} AS ON INSERT TO {t} DO ALSO INSERT INTO {u} VALUES (1, 2)", "b",
           "a", "r"),
          ("ALTER TABLE {t} SET SCHEMA app", "b", "a", "r"),
          ("ALTER TABLE {t} SET SCHEMA app", "a", "a", "r"),
          ("ALTER SCHEMA app RENAME TO app2", "a", "a", "r")])
@given(st.lists(st.tuples(_RULE_STATEMENTS, st.sampled_from("abc"), st.sampled_from("abc"),
                          st.sampled_from(["r", "q", "r2"])), max_size=16))
def test_the_tables_filed_by_what_their_rules_name_are_the_walks(history: list) -> None:
    # `Catalog.rule_readers` files each table under the relations its rules name, kept by
    # `put_rules` (CREATE / ALTER / DROP RULE, ENABLE / DISABLE, the rules following a
    # rename or a drop) and `move_table`, and by the copies a ROLLBACK TO puts back: after
    # every statement of random histories of them, each table is filed under what its rules
    # name, and `tables_with_rules_naming` finds what a walk of every table finds.
    def check(catalog: Catalog, sql: str) -> None:
        filed = catalog.rule_readers or {}
        names = {f"{s}.{t}" for s in ("public", "app", "app2") for t in "abc"}
        for t in catalog.tables.values():
            named = {n for r in t.rules.values() for n in r.relations() if n}
            assert all(t.name in filed.get(n, ()) for n in named), (sql, t.name, named)
            names |= named | {t.name}
        for name in sorted(names):
            assert [t.name for t in catalog.tables_with_rules_naming(name)] == \
                _rules_walked(catalog, name), (sql, name)

    _lint_checking_each_statement(
        [text.format(t=t, u=u, r=r) for text, t, u, r in history], check)


@settings(max_examples=40, deadline=None)
@example(["\u200b", "\t"])  # a zero-width character before a tab: tab stops count cells
@example(["漢", "\t", "\r", "ab"])
@given(st.lists(st.sampled_from(["SELECT 1", "\t", "\r", "\x07", "\x0b", "\x0c", "\x08", "ab",
                                 " ", "é", "\u200b", "漢", "'x'", "-- c", "\n"]), max_size=12))
def test_the_plain_report_prints_what_rich_prints_without_colour(pieces: list[str]) -> None:
    """The text report skips rich when printing to a file; it must print what rich would,
    control characters dropped and tabs expanded included (rich's output here loses only
    its colour codes)."""
    import io
    import re

    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations
    from lockwise.report.text import render_text

    sql = "ALTER TABLE t /* " + "".join(pieces) + " */ ADD COLUMN c int NOT NULL;\nSELECT 1;\n"
    reports = lint_migrations([migration_from_text(sql, "m.sql")])
    plain, coloured = io.StringIO(), io.StringIO()
    render_text(reports, plain, verbose=True, color=False)
    render_text(reports, coloured, verbose=True, color=True)
    assert plain.getvalue() == re.sub(r"\x1b\[[0-9;]*m", "", coloured.getvalue())


@settings(max_examples=30, deadline=None)
@example(["\u200b", "\t"])
@given(st.lists(st.sampled_from(["t", "\t", "\r", "\x07", "\x0b", "é", "\u200b", "漢", "_x"]),
                min_size=1, max_size=8))
def test_plain_conflicts_print_what_rich_prints_without_colour(pieces: list[str]) -> None:
    import io
    import re

    from lockwise.graph.model import Conflict, Location
    from lockwise.graph.render import render_conflicts_text

    name = "".join(pieces)
    conflicts = [Conflict("missing-object", (Location("0002", "0002_use.sql", 1, 1),),
                          f"table:public.{name}", f"uses {name}, dropped by 0001")]
    for found in (conflicts, []):
        plain, coloured = io.StringIO(), io.StringIO()
        render_conflicts_text(found, plain, color=False)
        render_conflicts_text(found, coloured, color=True)
        assert plain.getvalue() == re.sub(r"\x1b\[[0-9;]*m", "", coloured.getvalue())


@settings(max_examples=200, deadline=None)
@example(["-- no-tranſaction"])
@example(["-- migrate:up TRANSACTİON:false"])
@given(st.lists(st.sampled_from([
    "-- lockwise: no-transaction", "-- no-transaction", "-- +goose NO TRANSACTION",
    "-- migrate:up transaction:false", "-- migrate:up", "transaction", "TRANSACTION", "ſ", "ı",
    "İ", "K", "SELECT 1;", "\n", "  ", "--", "é"]), max_size=10))
def test_the_no_transaction_marker_shortcut_agrees_with_the_regex(pieces: list[str]) -> None:
    from lockwise.discover.layouts import _NO_TX_MARKERS, _no_transaction_marker

    text = "".join(pieces)
    assert _no_transaction_marker(text) == bool(_NO_TX_MARKERS.search(text[:4096]))


# --- lint's per-statement facts --------------------------------------------------------------

_LONG = "a" * 40


@settings(max_examples=300, deadline=None)
@example(["CREATE TABLE t (", _LONG, "\u00a0", _LONG, " int);"])  # NBSP is an identifier byte
@example(["CREATE TABLE t (", _LONG, "$", _LONG, " int);"])
@example(["CREATE TABLE t (\"", _LONG, " ", _LONG, "\" int);"])  # quoted, with a space
@example(["CREATE TABLE t (\"", "é" * 20, " ", "é" * 20, "\" int);"])
@example(["SELECT ", "\"", "/*", "/", "*/", _LONG, _LONG, "*/", "\"", " int);"])  # nested
@example(["SELECT ", "E'", "\\", "'", "\"", _LONG, _LONG, "'", "\"", ";"])  # E'\''s quote
@given(st.lists(st.sampled_from([
    "CREATE TABLE t (", " int);", "SELECT ", _LONG, "a" * 23, "é" * 9, "😀" * 5, "\u00a0",
    "\u2003", "$", "_", "0", " ", "\n", "\r", "\"", "\"\"", "'", "--", "U&\"", ",", "/*", "*/",
    "/", "*", "E'", "\\", "$$"]), max_size=14))
def test_the_long_identifier_pre_check_never_hides_one(pieces: list[str]) -> None:
    from lockwise.effects.identifiers import long_identifiers, scanned_long_identifiers

    sql = "".join(pieces)
    assert long_identifiers(sql) == scanned_long_identifiers(sql)


def test_the_long_identifier_pre_check_skips_text_without_one() -> None:
    from lockwise.effects.identifiers import _may_hold_long_identifier

    # The text between two quoted names, a string holding a double quote and comments
    # (Prisma's SQL) are no quoted name either.
    between = " REFERENCES " + "x" * 60 + " ON DELETE CASCADE "
    for sql in ("SELECT " + "a" * 63 + ", " + "b" * 63 + ";",
                "SELECT '" + "é" * 20 + " " + "é" * 20 + "';",
                f'ALTER TABLE "a" ADD "b" int{between}"c";',
                f'SELECT "a", \'x"y\' AS s, \'\'\'\' AS q,{between}"b", 1 -- a"\n'
                f'/* "{between}" */ "c";'):
        assert not _may_hold_long_identifier(sql, sql.encode())
    sql = "SELECT " + "a" * 30 + "é" * 17 + ";"  # 64 bytes in 47 characters
    assert _may_hold_long_identifier(sql, sql.encode())


def test_statement_facts_outside_a_transaction_leave_out_its_state() -> None:
    from lockwise.core.types import Action, Effect, LockMode
    from lockwise.effects.session import Session

    session = Session(implicit_transaction=True)
    session.after(Effect((Action("alter_table"),), {"public.a": LockMode.ACCESS_EXCLUSIVE}), 0)
    session.tx_enum_values["new"] = ["ALTER TYPE mood ADD VALUE IF NOT EXISTS 'new';"]
    effect = Effect((Action("update"),), {"public.a": LockMode.ROW_EXCLUSIVE,
                                          "public.b": LockMode.ROW_EXCLUSIVE},
                    literals=frozenset({"new"}))
    inside = session.statement_facts(effect, 2)
    # It asks for a lock on public.b: the ACCESS EXCLUSIVE lock on public.a is held meanwhile.
    assert (inside["holds_exclusive_from_earlier"], inside["held_exclusive_since"],
            inside["held_exclusive_statements"]) == (("public.a",), 1, 2)
    assert inside["held_exclusive_waits"]
    assert (inside["mixes_ddl_and_dml"], inside["mixed_tables_text"]) == (True, "public.a")
    assert inside["uses_enum_value_added_in_transaction"] == ("new",)
    assert inside["enum_values_added_sql"] == "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'new';"
    quick = Effect((Action("update"),), {"public.a": LockMode.ROW_EXCLUSIVE})
    assert session.statement_facts(quick, 2)["holds_exclusive_from_earlier"] == ()
    # Every lock it asks for is on a table the ALTER holds ACCESS EXCLUSIVE; not so public.b.
    assert session.statement_facts(quick, 2)["locks_held_exclusive_already"]
    assert not inside["locks_held_exclusive_already"]
    scanning = Effect((Action("select"),), {"public.a": LockMode.ACCESS_SHARE},
                      scans={"public.a": "read"})
    # No new lock, but it reads the whole table while the lock is held.
    assert session.statement_facts(scanning, 2)["holds_exclusive_from_earlier"] == \
        ("public.a",)
    assert not session.statement_facts(scanning, 2)["held_exclusive_waits"]
    session.implicit_transaction = False  # the same state, read outside a transaction
    assert session.statement_facts(effect, 2) == {
        "holds_exclusive_from_earlier": (), "held_exclusive_since": None,
        "held_exclusive_statements": 0, "held_exclusive_waits": False,
        "locks_held_exclusive_already": False,
        "uses_enum_value_added_in_transaction": (),
        "enum_values_added_sql": "", "mixes_ddl_and_dml": False, "mixed_tables": (),
        "mixed_tables_text": ""}


def test_statement_facts_in_a_transaction_that_holds_nothing_they_name() -> None:
    # Read as outside a transaction, until the transaction holds a lock the statement's
    # conflicts with (SHARE, not ACCESS EXCLUSIVE: nothing else is held).
    from lockwise.core.types import Action, Effect, LockMode
    from lockwise.effects.session import _OUTSIDE_TRANSACTION, Session

    session = Session(implicit_transaction=True)
    update = Effect((Action("update"),), {"public.a": LockMode.ROW_EXCLUSIVE})
    assert session.statement_facts(update, 0) == _OUTSIDE_TRANSACTION
    session.after(Effect((Action("create_index"),), {"public.a": LockMode.SHARE}), 0)
    assert session.statement_facts(Effect((Action("set"),), {}), 1) == _OUTSIDE_TRANSACTION
    other = Effect((Action("update"),), {"public.b": LockMode.ROW_EXCLUSIVE})
    assert session.statement_facts(other, 1) == _OUTSIDE_TRANSACTION
    mixed = session.statement_facts(update, 1)
    assert (mixed["mixes_ddl_and_dml"], mixed["mixed_tables"], mixed["mixed_tables_text"],
            mixed["holds_exclusive_from_earlier"]) == (True, ("public.a",), "public.a", ())


def test_effect_facts_with_and_without_locks() -> None:
    from lockwise.core.types import Action, Effect, LockMode
    from lockwise.lint import effect_facts

    none = Effect((Action("set"),), {}, transactional=False)
    assert effect_facts(none) == {
        "lock": None, "takes_access_exclusive": False, "access_exclusive_text": "",
        "temporary_only": False, "read_under_access_exclusive_text": "",
        "rewrites_table": False, "scans_table": False, "scans_at_length": False,
        "transactional": False,
        "locks_text": "", "blocks_queries": False, "blocks_writes": False,
        "write_blocking_text": "", "queued_behind_text": ""}
    some = Effect((Action("alter_table"),), {"public.a": LockMode.ACCESS_EXCLUSIVE,
                                             "public.b": LockMode.SHARE_ROW_EXCLUSIVE,
                                             "public.c": LockMode.ACCESS_EXCLUSIVE},
                  rewrites=frozenset({"public.a"}))
    assert effect_facts(some) == {
        "lock": "ACCESS EXCLUSIVE", "takes_access_exclusive": True, "temporary_only": False,
        "access_exclusive_text": "public.a, public.c", "read_under_access_exclusive_text": "",
        "rewrites_table": True, "scans_table": False, "scans_at_length": False,
        "transactional": True,
        "locks_text": "ACCESS EXCLUSIVE on public.a, SHARE ROW EXCLUSIVE on public.b, "
                      "ACCESS EXCLUSIVE on public.c",
        "blocks_queries": True, "blocks_writes": True,
        "write_blocking_text": "ACCESS EXCLUSIVE on public.a, public.c and "
                               "SHARE ROW EXCLUSIVE on public.b",
        "queued_behind_text": "every read and write on public.a, public.c and every write "
                              "(reads go on) on public.b queue"}
    # Only the session's own objects made, changed or dropped: a re-run has none of them.
    temporary = Effect((Action("create_index"),), {}, creates=frozenset(
        {"index:pg_temp.s_idx"}), alters=frozenset({"table:pg_temp.s"}))
    assert effect_facts(temporary)["temporary_only"] is True
    assert effect_facts(replace(temporary, drops=frozenset({"table:public.a"})))[
        "temporary_only"] is False
    weak = Effect((Action("alter_table"),), {"public.b": LockMode.SHARE_ROW_EXCLUSIVE})
    assert (effect_facts(weak)["takes_access_exclusive"],
            effect_facts(weak)["access_exclusive_text"]) == (False, "")
    assert (effect_facts(weak)["write_blocking_text"], effect_facts(weak)["queued_behind_text"]) \
        == ("SHARE ROW EXCLUSIVE on public.b", "every write (reads go on) on it queues")
    # SHARE UPDATE EXCLUSIVE lets writes through: nothing queues behind its request but DDL.
    concurrent = Effect((Action("create_index"),), {"public.b": LockMode.SHARE_UPDATE_EXCLUSIVE,
                                                    "public.c": LockMode.ROW_EXCLUSIVE})
    assert effect_facts(concurrent)["blocks_writes"] is False
    assert effect_facts(concurrent)["blocks_queries"] is False
    # What is read under ACCESS EXCLUSIVE is named, not what is read under a weaker lock;
    # when nothing read is held so, what is read.
    locks = {"public.parent": LockMode.SHARE_UPDATE_EXCLUSIVE,
             "public.part": LockMode.ACCESS_EXCLUSIVE}
    attach = Effect((Action("attach_partition"),), locks,
                    scans={"public.parent": "x", "public.part": "bound check"})
    assert effect_facts(attach)["read_under_access_exclusive_text"] == "public.part"
    other = Effect((Action("alter_table"),), locks, scans={"public.parent": "x"})
    assert effect_facts(other)["read_under_access_exclusive_text"] == "public.parent"


def test_effect_facts_finds_the_long_scans_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # `scans_at_length` and what is read under ACCESS EXCLUSIVE come from one list of the
    # scans that last as long as the table is large.
    import lockwise.lint
    from lockwise.core.types import Action, Effect, LockMode
    from lockwise.effects.postgres.builder import long_scans

    calls: list[Effect] = []
    monkeypatch.setattr(lockwise.lint, "long_scans",
                        lambda effect: calls.append(effect) or long_scans(effect))
    rewrite = Effect((Action("alter_table"),), {"public.a": LockMode.ACCESS_EXCLUSIVE},
                     rewrites=frozenset({"public.a"}), scans={"public.a": "rewritten"})
    facts = lockwise.lint.effect_facts(rewrite)
    assert (facts["scans_at_length"], facts["read_under_access_exclusive_text"]) \
        == (True, "public.a")
    assert calls == [rewrite]


def test_matview_locks_queue_only_reads_and_only_under_access_exclusive() -> None:
    """No query writes a materialized view: behind a queued EXCLUSIVE or SHARE on one no query
    waits, behind ACCESS EXCLUSIVE every read does (test_rule_facts_pg.py,
    test_what_queues_behind_a_waiting_lock_matches_server)."""
    from lockwise.catalog.model import Catalog, Table
    from lockwise.core.types import Action, Effect, LockMode
    from lockwise.lint import effect_facts

    catalog = Catalog()
    catalog.tables["public.mv"] = Table("public.mv", kind="matview")
    catalog.tables["public.t"] = Table("public.t")
    refresh = Effect((Action("refresh_materialized_view"),), {"public.mv": LockMode.EXCLUSIVE})
    assert (effect_facts(refresh, catalog)["blocks_queries"],
            effect_facts(refresh, catalog)["blocks_writes"]) == (False, False)
    # Unknown to the catalog, a relation is taken for a table, whose writes would queue...
    assert effect_facts(refresh)["blocks_writes"] is True
    # ...but the one a REFRESH names is a materialized view all the same.
    named = Effect((Action("refresh_materialized_view", {"table": "public.x"}),),
                   {"public.x": LockMode.EXCLUSIVE})
    assert effect_facts(named)["blocks_queries"] is False
    alter = Effect((Action("alter_table"),), {"public.mv": LockMode.ACCESS_EXCLUSIVE})
    facts = effect_facts(alter, catalog)
    assert (facts["blocks_queries"], facts["blocks_writes"], facts["queued_behind_text"]) \
        == (True, False, "every read on it queues")
    both = Effect((Action("alter_table"),), {"public.mv": LockMode.ACCESS_EXCLUSIVE,
                                             "public.t": LockMode.SHARE,
                                             "public.u": LockMode.ACCESS_EXCLUSIVE})
    facts = effect_facts(both, catalog)
    assert (facts["blocks_writes"], facts["write_blocking_text"], facts["queued_behind_text"]) \
        == (True, "ACCESS EXCLUSIVE on public.mv, public.u and SHARE on public.t",
            "every read and write on public.u and every read on public.mv and every write "
            "(reads go on) on public.t queue")
    weak = Effect((Action("create_index"),), {"public.mv": LockMode.SHARE,
                                              "public.t": LockMode.SHARE})
    assert effect_facts(weak, catalog)["write_blocking_text"] == "SHARE on public.t"


@pytest.mark.parametrize("comments", [(), ("-- lockwise: batch size=10",),
                                      ("-- a comment",),
                                      ("-- a comment", "-- LOCKWISE: Batch size=5"),
                                      ("-- a", "-- b")])
def test_batch_directive_in_any_of_the_comments(comments: tuple[str, ...]) -> None:
    from lockwise.core.types import Span, Statement
    from lockwise.lint import has_batch_directive

    stmt = Statement(0, "UPDATE t SET x = 1", Span(1, 1, 1, 1), {}, comments)
    assert has_batch_directive(stmt) == any("batch" in c.lower() for c in comments)


def test_a_forked_index_map_stays_filed_on_both_sides() -> None:
    """A down check's fork shares the IndexMap's buckets by table with the history's catalog:
    a change on either side (create, drop, move to another table) must show in its own
    `on()` and never in the other's, as a scan of each map says."""
    import random

    rng = random.Random(5)
    tables = [f"s.t{i}" for i in range(4)]
    maps = [IndexMap({f"s.i{i}": Index(f"s.i{i}", rng.choice(tables)) for i in range(6)})]
    for step in range(300):
        if step % 40 == 0:
            maps.append(maps[rng.randrange(len(maps))].fork())
        target = maps[rng.randrange(len(maps))]
        key = f"s.i{rng.randrange(8)}"
        if rng.random() < 0.3:
            target.pop(key, None)
        else:
            target[key] = Index(key, rng.choice(tables))
        for m in maps:
            for t in tables:
                assert sorted(i.name for i in m.on(t)) == sorted(
                    i.name for i in m.values() if i.table == t)


# --- regclass constants of stored expressions ---------------------------------------------

_REGCLASS_TEXTS = [
    "CREATE TABLE t (id int DEFAULT nextval('s'))",
    "CREATE TABLE t (id int DEFAULT NEXTVAL('s'), c oid CHECK (c <> 'x'::RegClass))",
    "CREATE TABLE t (id int DEFAULT \"nextval\"('app.s'))",
    "CREATE TABLE t (id int DEFAULT pg_catalog.setval('s', 1))",
    "CREATE TABLE t (id int DEFAULT U&\"n\\0065xtval\"('s'))",  # escaped: not spelled out
    "CREATE TABLE t (c oid DEFAULT CAST('s' AS pg_catalog.regclass))",
    "CREATE INDEX i ON t ((pg_relation_size('t') > 0))",
    "CREATE VIEW v AS SELECT currval('s') /* nextval */",
    "CREATE TABLE t (id int DEFAULT next_val('s'), n text DEFAULT 'nextval')",
    "CREATE TABLE t (id serial, note text DEFAULT 'regclass')",
    "CREATE TABLE t (id int)",
]


@pytest.mark.parametrize("sql", _REGCLASS_TEXTS)
def test_regclass_constants_read_from_the_text_agree_with_the_walk(sql: str) -> None:
    from lockwise.effects.nodes import unwrap
    from lockwise.effects.volatility import regclass_constants

    body = unwrap(parse_sql(sql).statements[0].tree)[1]
    assert regclass_constants(body, sql) == regclass_constants(body)


def test_regclass_constants_agree_with_the_walk_on_every_stored_expression(
        corpora: Path) -> None:
    from lockwise.effects.nodes import unwrap
    from lockwise.effects.postgres.builder import _STORED_EXPRESSIONS
    from lockwise.effects.volatility import regclass_constants

    files = sorted(corpora.rglob("*.sql")) + sorted(Path("fixtures").rglob("*.sql"))
    found = 0
    for path in files:
        for stmt in parse_sql(path.read_text(errors="replace")).statements:
            kind, body = unwrap(stmt.tree)
            if kind in _STORED_EXPRESSIONS:
                expected = regclass_constants(body)
                assert regclass_constants(body, stmt.sql) == expected, (path, stmt.sql)
                found += bool(expected)
    assert found  # (some do name one: the comparison is not of empty sets only)


def test_a_text_that_names_no_regclass_function_is_not_walked() -> None:
    from lockwise.effects.nodes import unwrap
    from lockwise.effects.volatility import regclass_constants

    body = unwrap(parse_sql("CREATE TABLE t (id int DEFAULT nextval('s'))")
                  .statements[0].tree)[1]
    assert regclass_constants(body) == {"public.s"}
    assert regclass_constants(body, "CREATE TABLE t (id int)") == set()


def test_a_do_block_statement_spelled_with_escapes_locks_its_regclass_constants() -> None:
    from lockwise.catalog.model import Catalog
    from lockwise.catalog.replay import apply_statement
    from lockwise.core.types import LockMode
    from lockwise.effects.context import Context
    from lockwise.effects.postgres import compute_effect

    catalog = Catalog()
    for stmt in parse_sql("CREATE SEQUENCE s;").statements:
        apply_statement(catalog, stmt.tree)
    # The E'' string spells regclass with an escape: the DO statement's text never names it.
    sql = "DO E'BEGIN CREATE TABLE t (b oid DEFAULT ''s''::regcl\\x61ss); END'"
    stmt = parse_sql(sql).statements[0]
    effect = compute_effect(stmt.tree, Context(catalog=catalog, statement_sql=stmt.sql))
    assert effect.locks.get("public.s") == LockMode.ACCESS_SHARE


def _lint_computing(monkeypatch: pytest.MonkeyPatch, sqls: list[str]
                    ) -> tuple[list, list[tuple[dict, str | None]]]:
    """The reports of `sqls` linted one migration each, and every tree lint computed an
    effect of, with the text it was computed with (`ctx.statement_sql`)."""
    import lockwise.lint
    from lockwise.discover.layouts import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    seen: list[tuple[dict, str | None]] = []
    compute = lockwise.lint.compute_effect

    def recording(tree: dict, ctx):  # noqa: ANN001, ANN202
        seen.append((tree, ctx.statement_sql))
        return compute(tree, ctx)

    monkeypatch.setattr(lockwise.lint, "compute_effect", recording)
    reports = lint_migrations([migration_from_text(sql, f"{i:04d}_m.sql")
                               for i, sql in enumerate(sqls, 1)], LintOptions())
    return reports, seen


def test_the_alternatives_tried_against_a_superseded_finding_are_computed_with_their_text(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The statement's text spares the effect model its walks (regclass constants, syntax the
    # stated version lacks): an alternative's statements, from the rewrite's trees or parsed
    # from its text, are computed with their own text, as the statement itself is.
    sqls = ["CREATE TABLE t (a int, b int);", "CREATE INDEX t_a ON t (a);",
            "ALTER TABLE t ALTER COLUMN b SET NOT NULL;"]
    reports, seen = _lint_computing(monkeypatch, sqls)
    rules = [{f.rule for s in r.statements for f in s.findings} for r in reports]
    assert {"index-without-concurrently", "set-not-null"} <= rules[1] | rules[2]
    texts = [sql for _, sql in seen]
    assert None not in texts
    assert len(seen) > len(sqls)  # the alternatives were tried
    for tree, sql in seen:
        assert parse_sql(sql, comments=False).statements[0].tree == tree


def test_an_alternative_that_does_not_parse_is_not_parsed_again_statement_by_statement(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Many alternatives are a column definition (`id bigint`), not statements: whether they
    # parse is all lint asks, so the text is not cut and parsed again to find what does.
    import lockwise.parse.postgres
    from lockwise.discover.layouts import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    cut: list[str] = []
    by_statement = lockwise.parse.postgres._parse_statement_by_statement
    monkeypatch.setattr(lockwise.parse.postgres, "_parse_statement_by_statement",
                        lambda text, *rest: cut.append(text) or by_statement(text, *rest))
    sqls = ["CREATE TABLE t (a int);", "ALTER TABLE t ADD COLUMN id serial;"]
    reports = lint_migrations([migration_from_text(sql, f"{i:04d}_m.sql")
                               for i, sql in enumerate(sqls, 1)], LintOptions())
    assert {"prefer-bigint", "missing-lock-timeout"} <= {
        f.rule for s in reports[1].statements for f in s.findings}
    assert cut == []


@pytest.mark.parametrize("sql", ["b bigint", "SELECT 1; SELEC 2; SELECT 3;", "SELECT (1;",
                                 "CREATE TABLE t (a int); CREATE INDEX ON t (a);", ""])
def test_parsing_without_salvage_finds_what_the_whole_parse_does(sql: str) -> None:
    whole, alone = parse_sql(sql, comments=False), parse_sql(sql, comments=False, salvage=False)
    if whole.problems:  # one problem, where the grammar stopped; no statement kept
        assert (alone.statements, len(alone.problems)) == ([], 1)
    else:
        assert (alone.statements, alone.problems) == (whole.statements, [])


# --- the replay's regclass constants, from the statement's text ---------------------------


def _regclass_walks(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The nodes `regclass_constants` walks from now on (its `walk`, counted)."""
    import lockwise.effects.volatility as volatility

    walked: list[object] = []
    real = volatility.walk
    monkeypatch.setattr(volatility, "walk", lambda node: walked.append(node) or real(node))
    return walked


def test_the_replay_does_not_walk_expressions_of_a_text_that_names_no_regclass(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Column defaults, CHECKs, index expressions and view queries are walked for regclass
    # constants (`Column.names`, ...): a statement whose text cannot hold one is not walked.
    walked = _regclass_walks(monkeypatch)
    catalog = Catalog()
    for sql in ("CREATE TABLE t (a int DEFAULT 1 CHECK (a > 0), b text DEFAULT lower('X'))",
                "ALTER TABLE t ADD COLUMN c int DEFAULT 2, ALTER COLUMN a SET DEFAULT 3",
                "CREATE INDEX t_i ON t ((a + 1)) WHERE b <> ''",
                "CREATE VIEW v AS SELECT a, b FROM t WHERE a > 1"):
        apply_statement(catalog, parse_sql(sql).statements[0].tree, "0001", sql=sql)
    assert walked == []
    sql = "ALTER TABLE t ADD COLUMN d int DEFAULT nextval('s')"
    apply_statement(catalog, parse_sql(sql).statements[0].tree, "0001", sql=sql)
    assert walked
    assert catalog.tables["public.t"].columns["d"].names == ("public.s",)


def test_a_regclass_column_default_written_as_a_bare_string_names_its_table() -> None:
    # `DEFAULT 'tbl'` on a regclass column is a regclass constant the text does not spell.
    catalog = Catalog()
    for sql in ("CREATE TABLE t (r regclass)", "ALTER TABLE t ALTER COLUMN r SET DEFAULT 'u'"):
        apply_statement(catalog, parse_sql(sql).statements[0].tree, "0001", sql=sql)
    assert catalog.tables["public.t"].columns["r"].names == ("public.u",)


_REGCLASS_HISTORY = """
CREATE SEQUENCE s; CREATE TABLE u (id int);
CREATE TABLE t (id int DEFAULT nextval('s'), r regclass DEFAULT 'u', c oid,
                CONSTRAINT k CHECK (c <> 'u'::RegClass), n int DEFAULT 1);
ALTER TABLE t ALTER COLUMN n SET DEFAULT pg_catalog.NEXTVAL('s');
ALTER TABLE t ADD COLUMN m bigint DEFAULT U&"n\\0065xtval"('s');
CREATE INDEX t_size ON t ((pg_relation_size('u') > c));
CREATE VIEW v AS SELECT currval('s'), 'u'::regclass AS r;
DO $$ BEGIN ALTER TABLE u ADD COLUMN s bigint DEFAULT nextval('s'); END $$;
"""


def test_the_replay_with_texts_equals_the_replay_without_on_every_history(
        corpora: Path) -> None:
    from lockwise.catalog.model import Catalog as Fresh
    from lockwise.cli.inputs import collect
    from lockwise.discover.layouts import migration_from_text

    folders = [*sorted(p for p in corpora.iterdir() if p.is_dir()), Path("fixtures/migrations")]
    histories = [*collect(folders, None).histories,
                 [migration_from_text(_REGCLASS_HISTORY, "0001_regclass.sql")]]
    named = 0
    for history in histories:
        with_text, without = Fresh(), Fresh()
        for migration in history:
            for stmt in parse_sql(migration.up_sql).statements:
                for catalog, sql in ((with_text, stmt.sql), (without, None)):
                    with contextlib.suppress(RecursionError):  # (reported, not replayed)
                        apply_statement(catalog, stmt.tree, migration.id, sql=sql)
            assert with_text.tables == without.tables, migration.path
            assert dict(with_text.indexes) == dict(without.indexes), migration.path
            named += sum(len(t.names) + sum(len(c.names) for c in t.columns.values())
                         + sum(len(c.names) for c in t.constraints.values())
                         for t in without.tables.values()) + sum(
                len(i.names) for i in without.indexes.values())
    assert named >= 8  # (the written history's: not a comparison of empty names only)


def test_lint_and_the_graph_walk_no_expression_of_a_history_naming_no_regclass(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Both sides of `lint` (lint's replay, the graph's own, its down checks' replays) give
    # the replay each statement's text: a history whose texts name no regclass function is
    # never walked for one.
    from lockwise.cli.inputs import collect
    from lockwise.discover.versions import history_starts
    from lockwise.graph.api import history_conflicts
    from lockwise.lint import LintOptions, lint_migrations

    for name, up, down in (
            ("0001_a", "CREATE TABLE t (a int DEFAULT 1 CHECK (a > 0), b text DEFAULT 'x');",
             "DROP TABLE t;"),
            ("0002_b", "ALTER TABLE t ADD COLUMN c int DEFAULT 2;\n"
                       "CREATE INDEX t_c ON t ((c + 1)) WHERE a > 0;\n"
                       "CREATE VIEW v AS SELECT a, c FROM t WHERE c > 1;",
             "DROP VIEW v; DROP INDEX t_c; ALTER TABLE t DROP COLUMN c;\n"
             "ALTER TABLE t ALTER COLUMN b SET DEFAULT 'y', ADD CHECK (a < 9);")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "up.sql").write_text(up)
        (tmp_path / name / "down.sql").write_text(down)
    collected = collect([tmp_path], None)
    assert [m.down_sql is not None for m in collected.migrations] == [True, True]
    walked = _regclass_walks(monkeypatch)
    lint_migrations(collected.migrations, LintOptions(), None, None,
                    history_starts(collected.histories), release=True)
    assert walked == []
    history_conflicts(collected.histories, pg_version=LintOptions().pg_version)
    assert walked == []


def test_each_expression_is_read_for_its_columns_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The effect model and then the catalog replay ask which columns the same CHECK, index
    # expression, index WHERE and generation expression read: the walk runs once for each.
    import sys

    import lockwise.effects.nodes as nodes
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations

    walk = nodes.walked_bodies_of_kind  # (what `bodies_of_kind` walks: not what it remembers)
    seen: list[dict] = []  # (kept alive: their ids stay theirs)

    def counting(node: object, kind: str) -> tuple[dict, ...]:
        found = walk(node, kind)
        if "columns_read" in sys._getframe(2).f_code.co_qualname and kind == "ColumnRef":
            seen.extend(found)
        return found

    monkeypatch.setattr(nodes, "walked_bodies_of_kind", counting)
    sql = ("CREATE TABLE t (a int, b int CHECK (a > b), c int GENERATED ALWAYS AS (a * 2) "
           "STORED, CONSTRAINT t_ab CHECK (a < b + 9));\n"
           "CREATE INDEX t_i ON t ((a + b), c) WHERE b > 0;\n"
           "ALTER TABLE t ADD COLUMN d int CHECK (d > a), ADD CONSTRAINT t_d CHECK (d < 5);\n"
           "ALTER TABLE t ADD COLUMN e int GENERATED ALWAYS AS (d + 1) STORED;\n")
    reports = lint_migrations([migration_from_text(sql, "0001_m.sql")])
    assert len(reports[0].statements) == 4
    assert len(seen) >= 12  # (each ColumnRef of the expressions above, read at least once)
    assert len({id(body) for body in seen}) == len(seen)


def test_the_json_report_asks_a_statement_for_its_refusal_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import lockwise.effects.refused as refused
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations
    from lockwise.report.json_report import statement_dict

    reports = lint_migrations([migration_from_text(
        "CREATE TABLE t (a int PRIMARY KEY);\n"
        "ALTER TABLE t ALTER COLUMN a DROP NOT NULL;\n"
        "ALTER TABLE t ADD COLUMN b int;\n", "0001_m.sql")])
    statements = reports[0].statements
    asked: list[object] = []
    refusal = refused.refusal
    monkeypatch.setattr(refused, "refusal", lambda e: asked.append(e) or refusal(e))
    dicts = [statement_dict(s) for s in statements]
    assert [d["refused"] for d in dicts] == [None, "refused_not_null", None]
    assert [d["locks"] for d in dicts] == [{}, {}, {"public.t": "AccessExclusiveLock"}]
    assert len(asked) == len(statements)


def test_select_and_ignore_list_the_rule_files_once(monkeypatch: pytest.MonkeyPatch,
                                                    tmp_path: Path) -> None:
    # Checking the names `--select` and `--ignore` give reads the catalog lint then reads:
    # the rule files are listed once in the run.
    from typer.testing import CliRunner

    import lockwise.rules.loader as loader
    from lockwise.cli.app import app

    listed: list[tuple[Path, ...]] = []
    list_rule_files = loader._list_rule_files
    monkeypatch.setattr(loader, "_list_rule_files",
                        lambda dirs: listed.append(dirs) or list_rule_files(dirs))
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "0001_m.sql").write_text("CREATE INDEX i ON t (a);\nDROP TABLE u;\n")
    for args in (["--select", "index-without-concurrently"], ["--ignore", "drop-table"]):
        loader.load_rules.cache_clear()
        listed.clear()
        result = CliRunner().invoke(app, ["lint", "--no-cache", *args,
                                          str(tmp_path / "0001_m.sql")])
        assert result.exit_code == 1, result.output
        assert "index-without-concurrently" in result.output
        assert "drop-table" not in result.output
        assert listed == [()]


class _CountedGets(dict):
    gets = 0

    def get(self, *args: object) -> object:
        type(self).gets += 1
        return super().get(*args)


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from(
    ("table", "column", "in_do_block", "refused_by", "name_taken", "needs_using",
     "refused_not_null", "unavailable_syntax")), st.sampled_from((None, "", 0, "x", True))))
def test_an_action_without_a_refusal_fact_is_not_asked_for_each(facts: dict) -> None:
    # Every action of every statement is asked whether it says a refusal (lint, the graph, the
    # reports): one naming none of the refusal facts is answered from its keys alone.
    from lockwise.core.types import Action, Effect
    from lockwise.effects.refused import REFUSAL_FACTS, refusal

    _CountedGets.gets = 0
    counted = _CountedGets(facts)
    said = next((name for name in REFUSAL_FACTS if facts.get(name)), "")
    assert refusal(Effect((Action("alter_table", counted),), {})) == said
    if not set(facts) & set(REFUSAL_FACTS):
        assert _CountedGets.gets == 0


def _walks_started(monkeypatch: pytest.MonkeyPatch, module: object,
                   callers: tuple[str, ...]) -> list[object]:
    """The nodes `module`'s `walk` is started on by a function named in `callers`, filled
    while the test runs (the nodes kept alive: their ids stay theirs)."""
    import sys

    walk = module.walk  # type: ignore[attr-defined]
    started: list[object] = []

    def counting(node: object):
        if sys._getframe(1).f_code.co_name in callers:
            started.append(node)
        yield from walk(node)

    monkeypatch.setattr(module, "walk", counting)
    return started


def _bodies_walks_started(monkeypatch: pytest.MonkeyPatch,
                          callers: tuple[str, ...]) -> list[object]:
    """The nodes `bodies_of_kind` walks (not answered from its memo) for a function named in
    `callers`, filled while the test runs (the nodes kept alive: their ids stay theirs)."""
    import sys

    import lockwise.effects.nodes as nodes

    walk = nodes.walked_bodies_of_kind
    started: list[object] = []

    def counting(node: object, kind: str) -> tuple[dict, ...]:
        if sys._getframe(2).f_code.co_name in callers:
            started.append(node)
        return walk(node, kind)

    monkeypatch.setattr(nodes, "walked_bodies_of_kind", counting)
    return started


def test_a_statement_is_searched_for_routine_calls_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The effect model runs the PL/pgSQL routines a statement calls, then the catalog replay
    # follows them: the statement is searched for its function calls once, not by each.
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations

    searched = _bodies_walks_started(monkeypatch, ("_called_routines",))
    sql = ("CREATE TABLE t (a int);\n"
           "CREATE FUNCTION f(x int) RETURNS int LANGUAGE plpgsql AS $$\n"
           "BEGIN ALTER TABLE t ADD COLUMN b int; RETURN x; END $$;\n"
           "SELECT f(a) FROM t;\n"
           "SELECT f(a) + lower('x')::int FROM t WHERE a > 0;\n"
           "CREATE INDEX t_b ON t (b);\n")
    reports = lint_migrations([migration_from_text(sql, "0001_m.sql")])
    assert len(reports[0].statements) == 5
    # Both calls are still followed: the effect model judges the body (routine_call) ...
    assert [a.kind for s in reports[0].statements[2:4] for a in s.effect.actions
            if a.kind == "routine_call"] == ["routine_call", "routine_call"]
    assert len(searched) >= 2  # (... and the replay follows them: the SELECT once at least)
    assert len({id(node) for node in searched}) == len(searched)


def test_a_table_statement_without_a_string_constant_is_not_walked_for_bare_string_defaults(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A regclass column's bare string DEFAULT ('u') is a string constant, which only ' and $
    # quote: a CREATE or ALTER TABLE whose text has neither is not walked for one.
    import lockwise.effects.postgres.builder as builder
    from lockwise.core.types import LockMode
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations

    walked = _walks_started(monkeypatch, builder, ("_bare_string_defaults",))
    sql = ("CREATE TABLE u (id int DEFAULT 0);\n"
           "CREATE TABLE t (r regclass DEFAULT 'u', n int DEFAULT 1);\n"
           "ALTER TABLE t ALTER COLUMN n SET DEFAULT 2, ADD COLUMN m int DEFAULT 3;\n"
           "ALTER TABLE t ALTER COLUMN r SET DEFAULT $$u$$;\n")
    statements = lint_migrations([migration_from_text(sql, "0001_m.sql")])[0].statements
    assert len(walked) == 2  # (the two statements that write a string)
    for stmt in statements[1::2]:  # ... whose bare string defaults still name their table
        assert stmt.effect.locks.get("public.u") == LockMode.ACCESS_SHARE


def test_a_statement_is_searched_for_calls_once_with_many_routine_bodies_between(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The search of each statement for its calls is remembered for the last 64 searched;
    # the bodies a statement runs are searched between the effect model's ask and the
    # replay's. A full memo dropped every entry at once, the statement's too: the replay
    # then searched it again (500 of 1,258 searches of lemmy+documenso were repeats).
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations

    searched = _bodies_walks_started(monkeypatch, ("_called_routines",))
    sql = "CREATE TABLE t (a int);\n" + "".join(
        f"CREATE FUNCTION f{i}() RETURNS int LANGUAGE plpgsql AS $$\n"
        f"BEGIN INSERT INTO t VALUES ({i}); RETURN 1; END $$;\n" for i in range(45))
    for offset in range(3):  # (where the memo fills up: before a statement or its body)
        searched.clear()
        calls = "INSERT INTO t VALUES (0);\n" * offset + "".join(
            f"SELECT f{i}() FROM t;\n" for i in range(45))
        reports = lint_migrations([migration_from_text(sql + calls, "0001_m.sql")])
        # Every call is still followed (the body's INSERT judged at it) ...
        assert sum(a.kind == "routine_call" for s in reports[0].statements
                   for a in s.effect.actions) == 45
        # ... and each statement calling a routine searched once (the bodies' INSERTs,
        # searched at their routine's creation and call, may fall out of the memo).
        selects = [node for node in searched if "fromClause" in node]
        assert len(selects) == 45 and len({id(node) for node in selects}) == 45, offset


def test_a_write_asks_which_triggers_it_fires_only_once_a_table_has_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Once a routine is kept, each write asks which triggers it fires, through partitions
    # and the actions of the foreign keys pointing at its table (`key_actions`): while no
    # table has a trigger (the catalog's `trigger_tables` is empty), none can, and the
    # write asks nothing of the catalog.
    import lockwise.catalog.partition_triggers as partition_triggers
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations

    fired_tables = partition_triggers.fired_tables
    asked: list[bool] = []

    def counting(catalog: Catalog, *args: object) -> object:
        asked.append(any(t.triggers for t in catalog.tables.values()))
        return fired_tables(catalog, *args)

    monkeypatch.setattr(partition_triggers, "fired_tables", counting)
    sql = ("CREATE TABLE p (id int PRIMARY KEY);\n"
           "CREATE TABLE c (p int REFERENCES p ON DELETE CASCADE, n int);\n"
           "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\n"
           "BEGIN RETURN 1; END $$;\n"
           "DELETE FROM p;\nUPDATE c SET n = 1;\nINSERT INTO c VALUES (1, 1);\n"
           "CREATE FUNCTION on_c() RETURNS trigger LANGUAGE plpgsql AS $$\n"
           "BEGIN ALTER TABLE p ADD COLUMN b int; RETURN OLD; END $$;\n"
           "CREATE TRIGGER c_del BEFORE DELETE ON c FOR EACH ROW EXECUTE FUNCTION on_c();\n"
           "DELETE FROM p;\n")
    statements = lint_migrations([migration_from_text(sql, "0001_m.sql")])[0].statements
    # The cascaded delete of c's rows still runs its trigger's body, once there is one.
    assert [a.facts.get("routine") for a in statements[-1].effect.actions
            if a.kind == "routine_call"] == ["public.on_c"]
    assert asked and all(asked)


#: A migration calling a PL/pgSQL function (the overload of f its argument chooses) and
#: writing to a table whose trigger runs one, between statements that call no kept routine.
_CALLS = ("CREATE TABLE t (a int);\nCREATE TABLE u (n int);\n"
          "CREATE FUNCTION f(x int) RETURNS int LANGUAGE plpgsql AS $$\n"
          "BEGIN ALTER TABLE u ADD COLUMN b int; RETURN x; END $$;\n"
          "CREATE FUNCTION f(x int, y int) RETURNS int LANGUAGE plpgsql AS $$\n"
          "BEGIN RETURN x; END $$;\n"
          "CREATE FUNCTION on_t() RETURNS trigger LANGUAGE plpgsql AS $$\n"
          "BEGIN ALTER TABLE u ADD COLUMN c int; RETURN NEW; END $$;\n"
          "CREATE TRIGGER t_ins BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION on_t();\n"
          + "SELECT a FROM t WHERE a > 1;\nUPDATE t SET a = 2;\n" * 5
          + "SELECT f(1) FROM t;\nSELECT f(2) + f(3, 4) FROM t;\n"
          + "INSERT INTO t VALUES (1);\nINSERT INTO t VALUES (2);\n")


def _lint_calls():
    from lockwise.core.types import LockMode
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations

    statements = lint_migrations([migration_from_text(_CALLS, "0001_m.sql")])[0].statements
    # Still followed: the bodies of f's overloads run at their calls, the trigger's at the
    # writes, and f(int)'s ALTER TABLE is judged there.
    assert [[a.facts.get("routine") for a in s.effect.actions if a.kind == "routine_call"]
            for s in statements[-4:]] == [["public.f"], ["public.f", "public.f"],
                                          ["public.on_t"], ["public.on_t"]]
    assert [s.effect.locks.get("public.u") for s in statements[-4:]] == \
        [LockMode.ACCESS_EXCLUSIVE] * 4
    return statements


def test_a_statement_calling_no_kept_routine_does_not_ask_the_overload_chooser(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Once a routine is kept, every query and DML asks which it calls: the overload chooser
    # is asked (and its module imported, at its first use) only when a call names a kept
    # routine and its choice is not remembered.
    import sys

    import lockwise.catalog.overloads as overloads

    real = overloads.chosen
    asked: list[object] = []

    def counting(*args: object, **kwargs: object) -> object:
        # (through `_chosen` and the choosers of catalog/routines.py it calls)
        frame = sys._getframe(1)
        while frame.f_back is not None and frame.f_code.co_name != "_routines_called" and \
                frame.f_code.co_filename.endswith("routines.py"):
            frame = frame.f_back
        if frame.f_code.co_name == "_routines_called":
            asked.append(args[2])
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(overloads, "chosen", counting)
    _lint_calls()
    # The three calls of f, each once (the effect model's ask; the replay's is remembered).
    assert len(asked) == 3


def test_a_statement_calling_a_kept_routine_runs_no_import_of_the_effect_models_families(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Every query and DML runs the routines it calls (`family_function("routines",
    # "run_called")`): an import statement there ran at each (about 17,500 instructions
    # once the module is loaded, 1,020 a lint pass of lemmy+documenso).
    import builtins
    import sys

    real = builtins.__import__
    imported: list[str] = []

    def counting(name: str, *args: object, **kwargs: object) -> object:
        if sys._getframe(1).f_globals.get("__name__") == "lockwise.effects.postgres":
            imported.append(name)
        return real(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", counting)
    _lint_calls()
    assert imported == []


def test_the_overload_a_call_runs_is_chosen_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # The effect model, then the replay, ask which overload each call of f runs: chosen
    # once for each call, as the catalog's overloads of f are the same for both.
    import lockwise.catalog.overloads as overloads

    chosen = overloads.chosen
    calls: list[dict] = []

    def counting(catalog: Catalog, found: tuple, call: dict) -> object:
        calls.append(call)
        return chosen(catalog, found, call)

    monkeypatch.setattr(overloads, "chosen", counting)
    _lint_calls()
    assert len(calls) == 3 and len({id(c) for c in calls}) == 3


def test_a_migrations_lookahead_is_computed_once_and_read_by_name(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # What a statement's judgement may need from the statements after it is looked for once
    # per migration, before its first statement is judged, and read by name.
    import lockwise.lint as lint
    from lockwise.discover import migration_from_text
    from lockwise.effects.session import lookahead

    found: list = []

    def counting(trees: list[dict]):
        found.append(lookahead(trees))
        return found[-1]

    monkeypatch.setattr(lint, "lookahead", counting)
    first = ("CREATE TABLE t (id int PRIMARY KEY);\nCREATE VIEW v AS SELECT id FROM t;\n"
             "BEGIN;\nCREATE TYPE mood AS ENUM ('a');\nCOMMIT;\n"
             "SELECT setval('s', 5);\n"
             "ALTER TABLE t ADD COLUMN u int, ADD CONSTRAINT k FOREIGN KEY (u) REFERENCES t;\n"
             "CREATE TABLE w AS SELECT 1 AS x;\nALTER TABLE t DROP COLUMN u;\n")
    reports = lint.lint_migrations([migration_from_text(first, "0001_a.sql"),
                                    migration_from_text("SELECT 1;\n", "0002_b.sql")])
    assert [len(r.statements) for r in reports] == [9, 1] and len(found) == 2
    ahead = found[0]
    assert ahead.views == ((1, "public.v"),)
    assert ahead.tx_ends == (4,)
    assert ahead.types == ((3, "type:public.mood"),)
    assert ahead.sequences_set == ((5, "sequence:public.s"),)
    assert [k[:3] for k in ahead.foreign_keys] == [(6, "public.t", "u")]
    assert [t[:2] for t in ahead.tables] == [(0, "public.t")]
    assert ahead.filled == ((7, "public.w"),)
    assert ahead.columns == ((8, "public.t", "u", True),)
    assert not any((found[1].views, found[1].tx_ends, found[1].types, found[1].sequences_set,
                    found[1].foreign_keys, found[1].tables, found[1].filled,
                    found[1].columns))


def test_lint_asks_a_statement_for_its_refusal_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # Once to judge and replay it, not again when its report lets the facts go (`release`).
    import lockwise.effects.refused as refused
    import lockwise.lint as lint
    from lockwise.discover import migration_from_text

    asked: list[object] = []
    refusal = refused.refusal

    def counting(effect):
        asked.append(effect)
        return refusal(effect)

    monkeypatch.setattr(refused, "refusal", counting)
    monkeypatch.setattr(lint, "refusal", counting)
    (report,) = lint.lint_migrations([migration_from_text(
        "CREATE TABLE t (a int PRIMARY KEY);\n"
        "ALTER TABLE t ALTER COLUMN a DROP NOT NULL;\n"
        "ALTER TABLE t ADD COLUMN b int;\n", "0001_m.sql")], release=True)
    assert [s.effect.actions[0].facts.get("refused_not_null") for s in report.statements] == \
        [None, True, None]  # the refusal is still what the released report says
    assert len(asked) == len(report.statements) == 3


class _CountedSearch:
    """A pattern whose `search` notes each text it is asked about."""

    def __init__(self, pattern: object) -> None:
        self.pattern = pattern
        self.texts: list[str] = []

    def search(self, text: str, *args: object) -> object:
        self.texts.append(text)
        return self.pattern.search(text, *args)  # type: ignore[attr-defined]


def test_a_routine_body_is_searched_for_a_loop_and_an_added_enum_value_once_a_text(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A routine runs at each statement that calls it, or each write that fires its trigger:
    # its text is the same each time, and a case-blind search that starts at a word boundary
    # tries every position of it (about 230 instructions a character). Searched at each call,
    # the two searches were 1% of lint's side of lemmy+documenso.
    import lockwise.effects.postgres.embedded as embedded
    import lockwise.effects.postgres.routines as routines
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations

    loops = _CountedSearch(routines._LOOP)
    adds = _CountedSearch(embedded._ADDS_ENUM_VALUE)
    monkeypatch.setattr(routines, "_LOOP", loops)
    monkeypatch.setattr(embedded, "_ADDS_ENUM_VALUE", adds)
    sql = ("CREATE TABLE t (a int);\n"
           "CREATE FUNCTION f_speed20_loop() RETURNS int LANGUAGE plpgsql AS $$\n"
           "BEGIN FOR i IN 1..3 LOOP INSERT INTO t VALUES (i); END LOOP; RETURN 1; END $$;\n"
           "CREATE FUNCTION f_speed20_flat() RETURNS int LANGUAGE plpgsql AS $$\n"
           "BEGIN INSERT INTO t VALUES (0); RETURN 1; END $$;\n"
           + "SELECT f_speed20_loop(), f_speed20_flat() FROM t;\n" * 4)
    reports = lint_migrations([migration_from_text(sql, "0001_m.sql")])
    calls = [a.facts for s in reports[0].statements for a in s.effect.actions
             if a.kind == "routine_call"]
    # Every call is still followed, and says whether its body loops ...
    assert sorted((f["routine"], f["body_loops"]) for f in calls) == sorted([
        ("public.f_speed20_loop", True), ("public.f_speed20_flat", False)] * 4)
    # ... and each body was searched once at most (none: searched by an earlier test).
    for searched in (loops.texts, adds.texts):
        assert len(searched) == len(set(searched)) <= 2, searched


_DIRECTIVE_CHARACTERS = st.lists(st.sampled_from([
    "lockwise:", "LOCKWISE:", "lock", "wise", ":", "squawk-", "SQUAWK-", "squawk", "-",
    "ignore", "ignore-file", "batch", "[drop-table]", " reason: ok", " ", "\t", "\n", "--",
    "/*", "*/", "\u212a", "\u0130", "\u0131", "\u017f", "k", "i", "s", "I", "S", "K", "é"]),
    max_size=12)


@settings(max_examples=400, deadline=None)
@given(_DIRECTIVE_CHARACTERS)
@example(["--", " ", "loc", "\u212a", "wise:", " ", "ignore"])
@example(["--", " ", "\u017f", "quawk-", "ignore", " ", "drop-table"])
@example(["--", " ", "LOCKW", "\u0130", "SE:", " ", "batch"])
@example(["--", " ", "lockw", "\u0131", "se:", " ", "ignore-file"])
def test_the_directive_pre_check_never_hides_one(pieces: list[str]) -> None:
    # IGNORECASE also finds `i` as İ or ı, `s` as ſ and `k` as the Kelvin sign: a comment
    # the patterns read a directive from always passes the pre-check.
    from lockwise.rules import directives

    comment = "".join(pieces)
    if not directives.may_hold_directive(comment):
        assert directives.parse_directive(comment) is None
        assert not directives.malformed_directive(comment)
        assert directives.BATCH_DIRECTIVE.search(comment) is None


def test_a_comment_without_a_directive_is_not_searched_by_the_directive_patterns(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Each comment was searched by four case-blind patterns, most of them twice (as a file's
    # directive, then as its statement's): 0.7% of lint's side of lemmy+documenso, whose 1,704
    # comments hold no directive.
    import lockwise.lint as lint
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations
    from lockwise.rules import directives

    patterns = {name: _CountedSearch(getattr(directives, name))
                for name in ("_LOCKWISE", "_SQUAWK", "_ATTEMPT", "BATCH_DIRECTIVE")}
    for name, counted in patterns.items():
        monkeypatch.setattr(directives, name, counted)
    monkeypatch.setattr(lint, "BATCH_DIRECTIVE", patterns["BATCH_DIRECTIVE"])
    sql = ("-- CreateTable\nCREATE TABLE t (a int);\n"
           "/* a comment */ DROP TABLE t; -- lockwise: ignore[drop-table] reason: ok\n"
           "-- squawk-ignore ban-drop-column\nALTER TABLE u DROP COLUMN b;\n"
           "-- lockwise: batch size=10\nUPDATE v SET x = 1;\n")
    report = lint_migrations([migration_from_text(sql, "0001_m.sql")])[0]
    # The directives still waive what they name ...
    rules = {f.rule for f in report.all_findings}
    assert "drop-table" not in rules and "drop-column" not in rules
    # ... and only the comments that hold one were searched.
    searched = {text for counted in patterns.values() for text in counted.texts}
    assert searched and all("lockwise" in t or "squawk" in t for t in searched), searched


def _recorded(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list:
    """The first argument of each call of `owner.name` from now on (the function still
    runs), in order."""
    calls: list = []
    function = getattr(owner, name)

    def recording(*args: object, **kwargs: object) -> object:
        calls.append(args[0] if args else None)
        return function(*args, **kwargs)

    monkeypatch.setattr(owner, name, recording)
    return calls


def test_a_statement_whose_comments_hold_no_directive_is_not_read_for_one(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A statement's comments were placed and each read for an ignore directive; only one
    that may hold a directive (`may_hold_directive`) can, so a statement of plain comments
    (every one of lemmy and documenso) reads none. A directive among plain comments, before
    the statement, inside it or after it on its line, still waives what it names."""
    import lockwise.lint as lint
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations

    waive = "lockwise: ignore[drop-table] reason: {}"
    sql = ("-- plain\nDROP TABLE a; -- plain too\n"
           f"-- plain\n-- {waive.format('before')}\nDROP TABLE b;\n"
           f"DROP /* {waive.format('inside')} */ TABLE c;\n"
           f"/* plain */ DROP TABLE d; -- {waive.format('after')}\n")
    report = lint_migrations([migration_from_text(sql, "0001_m.sql")])[0]
    dropped = [f.statement_index for f in report.all_findings if f.rule == "drop-table"]
    assert dropped == [0]
    read = _recorded(monkeypatch, lint, "parse_directive")
    plain, *marked = parse_sql(sql).statements
    assert plain.leading_comments and lint.statement_directives(plain) == [] and not read
    for stmt in marked:
        (directive,) = lint.statement_directives(stmt)
        assert directive.rules == {"drop-table"} and directive.span is not None
    assert len(read) == 5  # (and each comment of theirs, plain or not)


def test_only_comments_that_may_hold_a_directive_are_placed_to_look_for_malformed_ones(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A malformed directive is looked for among the comments that may hold one
    (`may_hold_directive`); the others were each placed in a map by their offset and sorted,
    a file's and each statement's, once per file: every comment of lemmy and documenso.
    A malformed one is still reported wherever it stands: before a statement, inside it,
    after it on its line, after the last statement, and once when a comment is the file's
    and its statement's."""
    import lockwise.lint as lint
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations

    asked = _recorded(monkeypatch, lint, "malformed_directive")
    bad = "lockwise: ignore[drop-table] because {}"
    sql = (f"-- a plain comment\n-- {bad.format(1)}\nDROP TABLE a;\n"
           f"DROP /* {bad.format(2)} */ TABLE b; -- {bad.format(3)}\n"
           "/* another plain one */ CREATE TABLE c (x int); -- and one more\n"
           f"DROP TABLE d;\n-- {bad.format(4)}\n")
    report = lint_migrations([migration_from_text(sql, "0001_m.sql")])[0]
    found = [(f.span.line, f.span.column) for f in report.all_findings
             if f.rule == "invalid-directive"]
    assert found == [(2, 1), (4, 6), (4, 60), (7, 1)]
    assert sorted(asked) == sorted(f"{'/* ' if n == 2 else '-- '}{bad.format(n)}"
                                   f"{' */' if n == 2 else ''}" for n in range(1, 5))


def test_statement_facts_read_the_lookahead_once_for_all_the_relations_dropped() -> None:
    # A relation dropped earlier in the transaction is seen by no one (its locks hold no one
    # up), unless a statement of the transaction makes it again. Each dropped relation was
    # looked for in the migration's lookahead alone, at every statement: a transaction that
    # drops many relations (lemmy's remove-aggregate-tables) read it once for each.
    from lockwise.core.types import Action, Effect, LockMode
    from lockwise.effects.session import Lookahead, Session

    reads: list[int] = []

    class Counted(tuple):
        def __iter__(self):  # type: ignore[override]
            reads.append(1)
            return super().__iter__()

    session = Session(implicit_transaction=True)
    session.after(Effect((Action("alter_table"),), {"public.a": LockMode.ACCESS_EXCLUSIVE}), 0)
    dropped = [f"public.d{i}" for i in range(20)]
    session.tx_dropped.update(dropped)
    session.held_exclusive.update(dict.fromkeys(dropped, 1))
    session.ahead = Lookahead(views=Counted([(5, "public.d3")]), filled=Counted([(6, "public.d4")]),
                              tables=Counted([(7, "public.d5", {}), (12, "public.d6", {})]),
                              tx_ends=(10,))
    scanning = Effect((Action("select"),), {"public.a": LockMode.ACCESS_SHARE},
                      scans={"public.a": "read"})
    facts = session.statement_facts(scanning, 3)
    # d3, d4 and d5 are made again before the transaction ends (d6 after it): held, as public.a
    assert facts["holds_exclusive_from_earlier"] == ("public.a", "public.d3", "public.d4",
                                                     "public.d5")
    assert len(reads) <= 3, len(reads)


def test_a_views_result_names_are_worked_out_once_for_the_effect_model_and_the_replay(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The effect model looks for a column name the query's result repeats (a view, a
    # materialized view, CREATE TABLE AS), then the replay names the view's columns: from one
    # walk of the result's names when the catalog does not change between the two asks.
    import sys

    import lockwise.catalog.query_columns as query_columns
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations

    select_names = query_columns._select_names
    walked: list[object] = []

    def counting(catalog: Catalog, stmt: dict, ctes: frozenset[str]) -> list[str] | None:
        if sys._getframe(1).f_code.co_name != "_select_names":  # (a whole query's walk)
            walked.append(stmt)
        return select_names(catalog, stmt, ctes)

    monkeypatch.setattr(query_columns, "_select_names", counting)
    # (lower() is named but not typed: the replay names the view's columns by the names alone)
    sql = ("CREATE TABLE t (a int, b text);\n"
           "CREATE VIEW v AS SELECT a, lower(b) FROM t;\n"
           "CREATE OR REPLACE VIEW v AS SELECT a, lower(b), b FROM t;\n"
           "CREATE VIEW w AS SELECT *, upper(b) AS lower FROM v;\n")
    catalog = Catalog()
    reports = lint_migrations([migration_from_text(sql, "0001_m.sql")], catalog=catalog)
    assert [f.rule for f in reports[0].all_findings if f.rule == "result-column-name-repeated"
            ] == ["result-column-name-repeated"]  # (w's lower)
    assert catalog.tables["public.v"].column_names == ("a", "lower", "b")
    assert "public.w" not in catalog.tables  # (refused: not replayed)
    assert len(walked) == 3, len(walked)  # v, then v again, then w: each once
    assert len({id(stmt) for stmt in walked}) == len(walked)


def test_a_module_bound_on_use_is_imported_at_its_first_use_and_bound_in_its_place(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from lockwise.core.deferred import bound_on_use

    (tmp_path / "lw_probe_bound.py").write_text("VALUE = 3\ndef twice(x):\n    return 2 * x\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "lw_probe_bound", raising=False)
    namespace: dict[str, object] = {}
    stand_in = bound_on_use(namespace, "_probe", "lw_probe_bound")
    assert namespace["_probe"] is stand_in and "lw_probe_bound" not in sys.modules
    assert stand_in.twice(4) == 8  # (the first read imports it ...)
    module = sys.modules["lw_probe_bound"]
    assert namespace["_probe"] is module  # (... and binds the module itself in its place)
    assert stand_in.VALUE == 3 and module.VALUE == 3  # (a stand-in held elsewhere still reads)
    monkeypatch.setattr(module, "VALUE", 4)
    assert stand_in.VALUE == 4


def test_the_busiest_per_statement_functions_run_no_import_statement(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # An import statement of a module already loaded still costs thousands of instructions
    # (the import system's look-up; `from m import f` of a module that is no package looks for
    # its `__path__` and drops the AttributeError): the functions that ran one at most
    # statements (a write to a table with triggers, a finding with an alternative, a parse)
    # read a module bound at its first use instead (`core.deferred.bound_on_use`).
    import builtins
    import sys

    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations

    sql = ("CREATE TABLE p (id int PRIMARY KEY, n text);\n"
           "CREATE TABLE c (id int, p_id int REFERENCES p ON DELETE CASCADE);\n"
           "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$\n"
           "BEGIN NEW.n := lower(NEW.n); RETURN NEW; END $$;\n"
           "CREATE TRIGGER p_touch BEFORE UPDATE ON p FOR EACH ROW EXECUTE FUNCTION touch();\n"
           "CREATE TRIGGER c_touch BEFORE DELETE ON c FOR EACH ROW EXECUTE FUNCTION touch();\n")
    work = ("UPDATE p SET n = upper(n) WHERE id > 0;\n"
           "DELETE FROM p WHERE id < 0;\n"
           "CREATE INDEX p_n ON p (lower(n));\n"
           "ALTER TABLE c ADD CONSTRAINT c_id CHECK (id > 0);\n"
           "CREATE VIEW v AS SELECT id, lower(n) FROM p;\n"
           "ALTER TABLE c RENAME TO d;\n"
           "DROP VIEW v;\n"
           "DO $$ BEGIN ALTER TABLE d ADD COLUMN e int; END $$;\n"
           # a type change, a foreign key, a routine made and a trigger on it, a NOT NULL
           # dropped by its constraint, an UPDATE a batch could walk, a catalog's name
           "ALTER TABLE p ALTER COLUMN n TYPE varchar(10);\n"
           "ALTER TABLE d ADD CONSTRAINT d_p FOREIGN KEY (p_id) REFERENCES p;\n"
           "CREATE FUNCTION stamp() RETURNS trigger LANGUAGE plpgsql AS $$\n"
           "BEGIN NEW.e := 1; RETURN NEW; END $$;\n"
           "CREATE TRIGGER d_stamp BEFORE INSERT ON d FOR EACH ROW EXECUTE FUNCTION stamp();\n"
           "ALTER TABLE d DROP CONSTRAINT d_id;\n"
           "UPDATE d SET e = 2 WHERE e IS NULL;\n"
           "SELECT count(*) FROM pg_class;\n")
    migrations = [migration_from_text(sql, "0001_m.sql"), migration_from_text(work, "0002_m.sql")]
    lint_migrations(migrations)  # (the modules loaded once)
    imported: list[str] = []
    real = builtins.__import__

    def counting(name: str, *args: object, **kwargs: object) -> object:
        caller = sys._getframe(1)
        if "lockwise" in caller.f_code.co_filename and caller.f_code.co_name != "<module>":
            imported.append(f"{caller.f_code.co_name}: {name}")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", counting)
    reports = lint_migrations(migrations)
    monkeypatch.setattr(builtins, "__import__", real)
    rules = {f.rule for f in reports[1].all_findings}
    assert {"index-without-concurrently", "add-check-validated"} <= rules, rules
    busiest = ("_trigger_routines", "_fired_routines", "followed_trees", "_finding",
               "_referencing_rows", "printed_node", "expression_sql", "_apply", "_drop",
               "_drop_relations", "_tables_pointing_at", "_run_routines", "repeated_column",
               "create_view", "run_embedded", "_routine_branches", "_decided",
               "dynamic_sql_facts",
               # (each file's parse, a rewrite's tokens, a routine's and a trigger's making,
               # a type change's, a constraint's, a batch's and a name's look-ups)
               "_parse_chunk", "_tokens", "_subcommand_parts", "_reference_ahead",
               "add_constraint", "drop_constraint", "alter_constraint", "code_reshapes",
               "_chosen", "created_routine", "forget_routine", "runs_unseen_code",
               "_made_sequences", "_refused_definition", "create_function",
               "calls_itself_always", "_body_error", "_batch_how", "where_facts",
               "column_type_change", "_indexes_rebuilt", "_collation_only",
               "_rebuilt_index_steps", "add_column", "_create_trigger", "qualified")
    ran = [i for i in imported if i.split(":")[0] in busiest]
    assert ran == [], "; ".join(sorted(set(ran)))


def test_a_message_quotes_only_the_names_its_template_shows() -> None:
    """Quoting a name costs a look-up of reserved words and a join: a finding's message quotes
    the name facts its template shows (itself or through the `_sql` fallback), not each one
    its statement has; the names it shows are quoted as before."""
    from lockwise.rules.engine import render
    from lockwise.rules.instead import message_facts

    facts = {"table": "public.Booking", "column": "Order", "index": "public.Ix"}
    assert message_facts(facts, "a lock held too long") is facts
    assert message_facts(facts, "rewrites {column}") == {**facts, "column": '"Order"'}
    shown = message_facts(facts, "{table_sql} and {column}")
    assert render("{table_sql} and {column}", shown) == 'public."Booking" and "Order"'
    assert shown["index"] == "public.Ix"


class _CountedFacts(dict):
    """Facts that count the values read from them by key."""

    reads = 0

    def __getitem__(self, key: str) -> object:
        self.reads += 1
        return super().__getitem__(key)

    def get(self, key: str, default: object = None) -> object:
        self.reads += 1
        return super().get(key, default)


def test_an_actions_false_refusal_facts_are_read_once_each() -> None:
    # An INSERT holds `refused_by` and `on_conflict_refused_by`, false: a quarter of the
    # actions of a corpus hold such a fact, and each was then asked for every refusal fact.
    from lockwise.core.types import Action, Effect
    from lockwise.effects.refused import refusal

    facts = _CountedFacts({"table": "public.t", "refused_by": "", "on_conflict_refused_by": ""})
    assert refusal(Effect(actions=(Action("insert", facts),), locks={})) == ""
    assert facts.reads <= 2  # 26 on main: each of REFUSAL_FACTS


@settings(max_examples=200, deadline=None)
@given(held=st.dictionaries(st.sampled_from(
    ("refused_by", "needs_using", "name_taken", "object_missing", "savepoint_missing",
     "prepared_statement_not_select", "table", "column")),
    st.sampled_from((None, "", False, 0, True, "public.t", 1)), max_size=8),
    second=st.dictionaries(st.sampled_from(("refused_references", "name_taken", "table")),
                           st.sampled_from(("", True)), max_size=3))
def test_the_refusal_is_the_first_true_fact_in_order(held: dict, second: dict) -> None:
    from lockwise.core.types import Action, Effect
    from lockwise.effects.refused import REFUSAL_FACTS, refusal

    actions = (Action("insert", held), Action("update", second))
    expected = next((name for facts in (held, second) for name in REFUSAL_FACTS
                     if facts.get(name)), "")
    assert refusal(Effect(actions=actions, locks={})) == expected


# --- fix-speed32: copies only where something changes, walks without recursion --------------

_REFERENCE_EXPRESSIONS = (
    "a + 1", "t.a + t.b", "lower(t.email) || b", "CASE WHEN s.x > 0 THEN y ELSE t.z END",
    "coalesce(a, (SELECT max(t.b) FROM t))", "a IN (1, 2, 3)", "'x'::text", "public.t.a * 2",
    "row(t.a, b) IS NULL", "ARRAY[a, t.b]")


def _expression(sql: str) -> dict:
    (stmt,) = parse_sql(f"SELECT {sql}").statements
    return stmt.tree["SelectStmt"]["targetList"][0]["ResTarget"]["val"]


@pytest.mark.parametrize("sql", _REFERENCE_EXPRESSIONS)
@pytest.mark.parametrize("names", [
    lambda w: w[-1:] if len(w) > 1 else None,  # generation_expression's
    lambda w: ["b2"] if w == ["b"] else None,  # renamed_column_in's
    lambda w: ["new", w[-1]],                  # on_new_row's
    lambda w: None])
def test_column_refs_rewritten_are_the_copys_and_a_tree_left_as_it_was_is_shared(
        sql: str, names: Callable) -> None:
    """`with_column_refs` answers what a copy of the whole tree (`rebuilt`) does; when no
    reference is written otherwise, the tree itself (on main, always a copy), never changed."""
    import copy

    from lockwise.effects.nodes import with_column_refs
    from lockwise.parse.trees import rebuilt

    tree = _expression(sql)
    before = copy.deepcopy(tree)
    copied = rebuilt(tree, lambda item: with_column_refs(item, names)
                     if type(item) is dict and "ColumnRef" in item else None)
    found = with_column_refs(tree, names)
    assert found == copied
    assert tree == before
    assert (found is tree) == (copied == tree)


@pytest.mark.parametrize("rename", [
    ("CREATE INDEX i ON t (a) INCLUDE (b)", "a"),          # an element's name, no ColumnRef
    ("CREATE INDEX i ON t ((a + 1)) WHERE b > 0", "b"),    # a reference in the WHERE
    ("CREATE INDEX i ON t (a, (lower(c))) WHERE a > 0", "a")])
def test_a_renamed_index_definition_leaves_the_one_it_renames(rename: tuple[str, str]) -> None:
    """The definition a column rename answers is a new one, the catalog's (shared with its
    forks) as it was: `with_column_refs` may now answer the definition itself."""
    import copy

    from lockwise.catalog.replay import index_definition, renamed_index_definition

    sql, column = rename
    (stmt,) = parse_sql(sql).statements
    definition = index_definition(stmt.tree["IndexStmt"])
    before = copy.deepcopy(definition)
    renamed = renamed_index_definition(definition, column, "z")
    assert definition == before
    assert renamed != definition and "z" in repr(renamed) and f"'{column}'" not in repr(renamed)


@pytest.mark.parametrize("sql", [
    "CREATE STATISTICS s ON a, b FROM t",                 # plain columns, no ColumnRef
    "CREATE STATISTICS s ON (a + b), c FROM t"])
def test_a_renamed_statistics_definition_leaves_the_one_it_renames(sql: str) -> None:
    import copy

    from lockwise.catalog.extended_statistics import (
        renamed_statistics_definition,
        statistics_definition,
    )

    (stmt,) = parse_sql(sql).statements
    definition = statistics_definition(stmt.tree["CreateStatsStmt"])
    before = copy.deepcopy(definition)
    renamed = renamed_statistics_definition(definition, "a", "z")
    assert definition == before
    assert "'z'" in repr(renamed) and "'a'" not in repr(renamed)


def _reference_returned_calls(node: object) -> set[str]:
    """`returned_calls` as main wrote it: a generator a level, each node's calls in order."""
    from lockwise.effects.nodes import strings
    from lockwise.effects.volatility import builtin_aggregates, builtin_set_returning

    out: set[str] = set()
    if isinstance(node, list):
        for item in node:
            out |= _reference_returned_calls(item)
        return out
    if not isinstance(node, dict):
        return out
    for kind, body in node.items():
        if kind == "SubLink" or not isinstance(body, dict | list):
            continue
        if kind == "FuncCall":
            names = strings(body.get("funcname"))
            builtin = names[-1] if names[:-1] in ([], ["pg_catalog"]) else ""
            if body.get("over"):
                out.add("window")
            elif body.get("agg_star") or body.get("agg_distinct") or body.get("agg_order") \
                    or body.get("agg_filter") or builtin in builtin_aggregates():
                out.add("aggregate")
            elif builtin in builtin_set_returning():
                out.add("set_returning")
        out |= _reference_returned_calls(body)
    return out


@pytest.mark.parametrize("select", [
    "a, b", "count(*)", "max(a) + 1", "row_number() OVER (ORDER BY a)", "generate_series(1, a)",
    "pg_catalog.sum(a)", "app.sum(a)", "(SELECT max(a) FROM t)", "coalesce(min(a), 0), b",
    "unnest(ARRAY[a]), rank() OVER w, count(DISTINCT b)", "lower(a) FILTER (WHERE b)",
    "CASE WHEN a > 0 THEN array_agg(b ORDER BY b) END", "EXISTS (SELECT sum(a) FROM t)"])
def test_the_calls_a_target_list_returns_are_the_recursive_walks(select: str) -> None:
    from lockwise.catalog.updatable import returned_calls

    (stmt,) = parse_sql(f"SELECT {select} FROM t WINDOW w AS ()").statements
    targets = stmt.tree["SelectStmt"]["targetList"]
    assert set(returned_calls(targets)) == _reference_returned_calls(targets)


def test_the_calls_of_an_expression_deeper_than_the_recursion_limit_are_found() -> None:
    """A view's select list nested past the interpreter's recursion limit: main's generator
    a level raised RecursionError."""
    import sys

    from lockwise.catalog.updatable import returned_calls

    leaf = {"FuncCall": {"funcname": [{"String": {"sval": "count"}}], "agg_star": True}}
    expr: dict = leaf
    for _ in range(sys.getrecursionlimit()):
        expr = {"A_Expr": {"kind": "AEXPR_OP", "name": [{"String": {"sval": "+"}}],
                           "lexpr": expr, "rexpr": {"A_Const": {"ival": {"ival": 1}}}}}
    assert set(returned_calls([{"ResTarget": {"val": expr}}])) == {"aggregate"}


def test_the_first_temporary_object_is_the_one_the_plain_test_finds(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`_makes_temporary`'s one pass over a statement's actions answers what the test of
    every object it creates and every routine it calls did, statement by statement, on the
    histories that make the session's temporary schema in each way the session knows (a
    CREATE TEMP, pg_temp written out, a DO block, a CALL, a SELECT of a function) and
    those that make none."""
    from lockwise.effects import session
    from lockwise.effects.context import runs_temporary_maker
    from lockwise.effects.nodes import TEMPORARY_PREFIX
    from test_prepared_statements import DEFAULT_PATH, lint

    asked: list[tuple[bool, bool]] = []
    fast = session._makes_temporary

    def compared(effect: object) -> bool:
        plain = any(o.split(":", 1)[-1].startswith(TEMPORARY_PREFIX)
                    for o in session._created(effect)) \
            or runs_temporary_maker(effect)  # type: ignore[arg-type]
        asked.append((fast(effect), plain))
        return asked[-1][0]

    monkeypatch.setattr(session, "_makes_temporary", compared)
    for statements, _ in DEFAULT_PATH:
        lint(";\n".join([*statements, "EXECUTE p"]) + ";")
    assert asked and all(fast_answer == plain for fast_answer, plain in asked)
    assert {plain for _, plain in asked} == {True, False}


_BATCHED = (
    "UPDATE t SET a = (b + c) * 2, d = DEFAULT WHERE id < 10 RETURNING id, a",
    "UPDATE app.t AS x SET a = y.b FROM y WHERE x.id = y.id AND y.c IS NOT NULL",
    "WITH s AS (SELECT id FROM u) UPDATE t SET a = -a WHERE id IN (SELECT id FROM s)",
    "DELETE FROM t USING u WHERE t.id = u.id AND NOT (u.c OR u.d) RETURNING t.*",
    "UPDATE t SET (a, b) = (SELECT 1, 2) WHERE a IS DISTINCT FROM b",
    "DELETE FROM ONLY t WHERE a = ANY ('{1,2}'::int[])")


@pytest.mark.parametrize("sql", _BATCHED)
@pytest.mark.parametrize("head_first", [True, False])
def test_a_statement_printed_after_one_sharing_its_fields_prints_as_alone(
        sql: str, head_first: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batching advice prints a statement marked and as its batch's head (without WHERE
    and RETURNING), from bodies sharing their other fields' values: the second print builds
    pglast's nodes only for what the first lacked (on main, each built every node), and
    prints what it prints alone."""
    from lockwise.effects import nodes

    (stmt,) = parse_sql(sql).statements
    (kind, body), = stmt.tree.items()
    marked = {kind: {**body, "relation": dict(body["relation"])}}
    relation = marked[kind]["relation"]
    head = {kind: {**{k: v for k, v in body.items()
                      if k not in ("whereClause", "returningClause")}, "relation": relation}}
    built: list[object] = []
    counted = nodes._ast_node

    def counting(*args: object) -> object:
        built.append(args[1])
        return counted(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(nodes, "_ast_node", counting)
    alone, nodes_alone = {}, {}
    for tree in (head, marked):
        monkeypatch.setattr(nodes, "_last_statement", None)
        monkeypatch.setattr(nodes, "_last_printed", None)  # (its text is not taken again)
        built.clear()
        alone[id(tree)] = nodes.expression_sql(tree)
        nodes_alone[id(tree)] = len(built)
        assert alone[id(tree)]
    first, second = (head, marked) if head_first else (marked, head)
    monkeypatch.setattr(nodes, "_last_statement", None)
    monkeypatch.setattr(nodes, "_last_printed", None)
    assert nodes.expression_sql(first) == alone[id(first)]
    built.clear()
    # (a head after its statement takes that text: forgotten, to build its nodes)
    monkeypatch.setattr(nodes, "_last_printed", None)
    assert nodes.expression_sql(second) == alone[id(second)]
    if head_first:  # the marked statement builds its WHERE and RETURNING, not the head's part
        assert len(built) == nodes_alone[id(marked)] - nodes_alone[id(head)] + 1
    else:  # the head is all shared: only its statement node is built anew
        assert built == [kind]
    assert nodes.expression_sql(first) == alone[id(first)]  # (and back)


_PRINTED_TWICE = (
    "UPDATE t SET a = (b + c) * 2, d = DEFAULT",
    "UPDATE app.t AS x SET a = y.b FROM y",
    "WITH s AS (SELECT id FROM u) UPDATE t SET a = -a::int",
    "DELETE FROM ONLY t USING u",
    "DELETE FROM t")


@pytest.mark.parametrize("sql", _PRINTED_TWICE)
def test_a_statement_printed_again_from_the_same_fields_is_printed_once(
        sql: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Of a statement with no WHERE and no RETURNING, the batching advice's statement marked
    for apply and its batch's head are two bodies holding the same values: the second is
    the text of the first, printed once (on main, twice). A body holding an equal copy of a
    field, another value, or printed with its casts written otherwise, is printed anew: each
    text is what it prints alone."""
    import copy

    from lockwise.effects import nodes

    (stmt,) = parse_sql(sql).statements
    (kind, body), = stmt.tree.items()
    same = {kind: dict(body)}
    copied = {kind: copy.deepcopy(body)}
    changed = {kind: {**body, "relation": {**body["relation"], "relname": "other"}}}
    alone = {}
    for tree, casts in ((stmt.tree, False), (changed, False), (stmt.tree, True)):
        monkeypatch.setattr(nodes, "_last_printed", None)
        alone[id(tree), casts] = nodes.expression_sql(tree, casts)
    assert alone[id(changed), False] != alone[id(stmt.tree), False]
    printed = _recorded(monkeypatch, nodes, "printed_node")
    monkeypatch.setattr(nodes, "_last_printed", None)
    text = nodes.expression_sql(stmt.tree)
    assert (text, len(printed)) == (alone[id(stmt.tree), False], 1)
    assert (nodes.expression_sql(same), len(printed)) == (text, 1)
    assert (nodes.expression_sql(stmt.tree), len(printed)) == (text, 1)
    for tree, casts in ((copied, False), (stmt.tree, True), (changed, False)):
        before = len(printed)
        expected = alone[id(stmt.tree if tree is copied else tree), casts]
        assert (nodes.expression_sql(tree, casts), len(printed)) == (expected, before + 1)


_HEADS_CUT = (
    "UPDATE t SET a = 1 WHERE b > 2",
    "UPDATE t SET a = 1 WHERE b > 2 RETURNING a",
    "UPDATE t SET a = 1 RETURNING a, b",
    "WITH s AS (SELECT 1 FROM u WHERE x) UPDATE app.t AS z SET a = (SELECT 1 WHERE true) "
    "FROM y WHERE (a OR b) AND c",
    "UPDATE t SET (a, b) = (SELECT c, d FROM u WHERE u.id = t.id) WHERE t.e",
    "DELETE FROM t USING u WHERE t.a = u.a RETURNING *",
    "DELETE FROM ONLY t WHERE NOT EXISTS (SELECT FROM u WHERE u.a = t.a)",
    "DELETE FROM t RETURNING t.a")


@pytest.mark.parametrize("sql", _HEADS_CUT)
def test_a_head_printed_after_its_statement_is_the_text_before_where_and_returning(
        sql: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batching advice prints the statement marked for apply, then its batch's head: the
    same values without WHERE and RETURNING. The head is the statement's text before them,
    with no print (on main, a print), and the very text it prints alone. A body that keeps
    its RETURNING, lacks another field, holds a field of another value, or is printed with
    its casts written otherwise, is printed anew."""
    from lockwise.effects import nodes

    (stmt,) = parse_sql(sql).statements
    (kind, body), = stmt.tree.items()
    head = {kind: {k: v for k, v in body.items() if k not in ("whereClause", "returningClause")}}
    kept = {kind: {k: v for k, v in body.items() if k != "whereClause"}}
    dropped = [k for k in head[kind] if k != "relation"][-1:] or ["relation"]
    less = {kind: {k: v for k, v in head[kind].items() if k not in dropped}}
    changed = {kind: {**head[kind], "relation": {**body["relation"], "relname": "other"}}}
    trees = [(head, False), *((other, False) for other in (kept, less)
                              if other[kind].keys() not in (head[kind].keys(), body.keys())),
             (changed, False), (head, True)]
    alone = {}
    for tree, casts in trees:
        monkeypatch.setattr(nodes, "_last_printed", None)
        monkeypatch.setattr(nodes, "_last_statement", None)
        alone[id(tree), casts] = nodes.expression_sql(tree, casts)
    printed = _recorded(monkeypatch, nodes, "printed_node")
    for tree, casts in trees:
        monkeypatch.setattr(nodes, "_last_printed", None)
        full = nodes.expression_sql(stmt.tree)
        before = len(printed)
        assert nodes.expression_sql(tree, casts) == alone[id(tree), casts]
        cut = tree is head and not casts
        assert len(printed) == before + (not cut), (tree, casts)
        if cut:
            assert full.startswith(alone[id(head), False]) and full != alone[id(head), False]
    assert len(trees) == 4 + ("returningClause" in body and "whereClause" in body)


_BOUNDED = (
    "UPDATE t SET a = 1 WHERE b > 2 RETURNING a",
    "WITH s AS (SELECT 1 FROM u WHERE x) UPDATE app.t AS z SET a = (SELECT 1 WHERE true) "
    "FROM y WHERE (a OR b) AND c",
    "DELETE FROM t USING u WHERE t.a = u.a OR NOT u.b RETURNING *",
    'DELETE FROM "T" WHERE NOT EXISTS (SELECT 1 WHERE "T".x)',
    "UPDATE t SET a = 2 WHERE NOT (a AND b)",
    "UPDATE t SET a = a::text || 'x' WHERE a IN (SELECT CAST(b AS int) FROM u) RETURNING a",
    "DELETE FROM t WHERE a = ANY ('{1,2}'::int[]) AND b IS NULL")


@pytest.mark.parametrize("sql", _BOUNDED)
@pytest.mark.parametrize("key", ["id", "ctid", "Weird Key"])
def test_a_first_batch_printed_after_its_statement_is_spliced_from_its_text(
        sql: str, key: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batching advice prints the statement marked for apply, then its first batch:
    the same values, its WHERE ANDed with the batch's bounds. The batch is the statement's
    text with the bounds written after its WHERE (in parentheses when an AND or OR), its
    bounds printed alone (on main, the whole statement printed again), and the very text it
    prints alone. An AND of an equal copy of the WHERE, of the WHERE not first, an OR, or a
    body with another field changed too, is printed anew."""
    import copy

    from lockwise.effects import nodes
    from lockwise.effects.postgres.where_index import batch_bound_sql

    (stmt,) = parse_sql(sql).statements
    (kind, body), = stmt.tree.items()
    where = body["whereClause"]
    bounded = batch_bound_sql(body, "update" if kind == "UpdateStmt" else "delete", key,
                              True).tree
    bounds = bounded[kind]["whereClause"]["BoolExpr"]["args"][1:]

    def with_where(boolop: str, args: list, **more: object) -> dict:
        return {kind: {**body, **more, "whereClause": {
            "BoolExpr": {"boolop": boolop, "args": args}}}}

    others = [with_where("AND_EXPR", [copy.deepcopy(where), *bounds]),
              with_where("AND_EXPR", [*bounds, where]),
              with_where("OR_EXPR", [where, *bounds]),
              with_where("AND_EXPR", [where, *bounds],
                         relation={**body["relation"], "relname": "other"})]
    alone = {}
    for tree in (bounded, *others):
        monkeypatch.setattr(nodes, "_last_printed", None)
        monkeypatch.setattr(nodes, "_last_statement", None)
        alone[id(tree)] = nodes.expression_sql(tree)
        assert alone[id(tree)]
    printed = _recorded(monkeypatch, nodes, "printed_node")
    for tree in (bounded, *others):
        monkeypatch.setattr(nodes, "_last_printed", None)
        nodes.expression_sql(stmt.tree)
        before = len(printed)
        assert nodes.expression_sql(tree) == alone[id(tree)]
        statements = [node for node in printed[before:]
                      if type(node).__name__ == kind]
        assert len(statements) == (tree is not bounded), tree


def test_a_statement_that_does_not_print_has_no_head_to_take(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A statement pglast cannot print has no text, and its head is printed on its own."""
    from lockwise.effects import nodes

    (stmt,) = parse_sql("UPDATE t SET a = 1 WHERE b > 2").statements
    body = stmt.tree["UpdateStmt"]
    broken = {"UpdateStmt": {**body, "whereClause": {"NoSuchNode": {}}}}
    head = {"UpdateStmt": {k: v for k, v in body.items() if k != "whereClause"}}
    monkeypatch.setattr(nodes, "_last_printed", None)
    assert nodes.expression_sql(broken) is None
    printed = _recorded(monkeypatch, nodes, "printed_node")
    assert nodes.expression_sql(head) == "UPDATE t SET a = 1"
    assert len(printed) == 1


def test_a_field_of_another_value_or_kind_is_built_anew() -> None:
    """Only the very JSON value of a field of a statement of the same kind is taken: an
    equal copy, another field's value, or a statement of another kind builds its own."""
    import copy

    from lockwise.effects import nodes

    (update,) = parse_sql("UPDATE t SET a = 1 WHERE b > 2").statements
    body = update.tree["UpdateStmt"]
    assert nodes.expression_sql(update.tree) == "UPDATE t SET a = 1 WHERE b > 2"
    again = {"UpdateStmt": {**copy.deepcopy(body), "whereClause": body["whereClause"]}}
    assert nodes.expression_sql(again) == "UPDATE t SET a = 1 WHERE b > 2"
    select = {"SelectStmt": {"targetList": body["targetList"][:0] or [
        {"ResTarget": {"val": body["whereClause"]}}], "op": "SETOP_NONE",
        "limitOption": "LIMIT_OPTION_DEFAULT"}}
    assert nodes.expression_sql(select) == "SELECT b > 2"
    swapped = {"DeleteStmt": {"relation": body["relation"], "whereClause": body["whereClause"]}}
    assert nodes.expression_sql(swapped) == "DELETE FROM t WHERE b > 2"


class _Everything:
    """A set holding every kind: `_normalized` copies each tree as main did."""

    def __contains__(self, item: object) -> bool:
        return True


_NORMALIZED = (  # (the expression, whether it has no call and no cast)
    ("email", True), ("lower(email)", False), ("lower(email::text)", False), ("(a + 1)", True),
    ("a::bigint", False), ("'x'::text", False), ("coalesce(a, 0) + b", True),
    ("email COLLATE \"C\"", True), ("ts AT TIME ZONE 'UTC'", False),
    ("a = ANY(ARRAY[1, 2])", True), ("public.f(a, lower(email))", False),
    ("(a)::numeric(10, 2)", False), ("a IS NULL", True), ("CASE WHEN a > 1 THEN b END", True),
    ("CASE WHEN a > 1 THEN b::text END", False),
)


@pytest.mark.parametrize(("text", "shared"), _NORMALIZED)
def test_an_expression_normalized_without_its_copy_is_the_copys(
        monkeypatch: pytest.MonkeyPatch, text: str, shared: bool) -> None:
    """`where_index._normalized` answers an expression with no call and no cast with the
    expression itself (read only as `_key` writes it), not a copy of it; each answer, and
    each key, equals the one copying every tree gives."""
    from lockwise.effects.postgres import where_index

    columns = {"email": Column("email", "varchar"), "a": Column("a", "int4"),
               "b": Column("b", "int4"), "ts": Column("ts", "timestamp")}
    (stmt,) = parse_sql(f"SELECT {text}").statements
    expr = stmt.tree["SelectStmt"]["targetList"][0]["ResTarget"]["val"]
    before = repr(expr)
    fast = where_index._normalized(expr, columns, None)
    monkeypatch.setattr(where_index, "_RESOLVED", _Everything())
    copied = where_index._normalized(expr, columns, None)
    assert fast == copied and where_index._key(fast) == where_index._key(copied)
    assert (fast is expr) == shared
    assert copied is not expr and repr(expr) == before


def test_where_facts_looks_at_the_indexes_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """`where_facts` files a table's indexes once (`_indexed`) for what its WHERE reads and
    why no index serves it (main filed them again for the second), and says the same."""
    from effect_helpers import effect_after
    from lockwise.effects.postgres import where_index

    setup = ("CREATE TABLE accounts (id bigint PRIMARY KEY, plan text, email text, a int);\n"
             "CREATE INDEX accounts_a_idx ON accounts (a);\n"
             "CREATE INDEX accounts_email_idx ON accounts (email);\n"
             "CREATE INDEX accounts_email_lower_idx ON accounts (lower(email));")
    filed = where_index._indexed
    calls: list[str] = []

    def counted(catalog: Catalog, table: str) -> dict:
        calls.append(table)
        return filed(catalog, table)

    monkeypatch.setattr(where_index, "_indexed", counted)
    for where, said in (("a <> 5", "serves the <> of its WHERE"),
                        ("plan = 'x'", "covers what its WHERE reads of it (plan)"),
                        ("a = 5.5", "serves the comparison of a (int4) with a numeric value"),
                        ("email LIKE 'e1%'", "serves its WHERE as written (its indexes of")):
        calls.clear()
        (action, *_) = effect_after(setup, f"DELETE FROM accounts WHERE {where};").actions
        assert action.facts["where_unserved_text"].startswith(said), where
        assert action.facts["where_scans_table"]
        assert calls == ["public.accounts"], where


@pytest.mark.parametrize("text", (
    "random()", "(SELECT random())", "a + (SELECT max(b) FROM t WHERE c = random())",
    "EXISTS (SELECT 1 FROM t WHERE t.x = clock_timestamp()) OR nextval('s') > 1",
    "lower(x) = 'a'", "a IN (SELECT random() FROM t) AND coalesce(b, random()) > 0",
    "ARRAY(SELECT nextval('s'))", "f(g(h(random())))", "now()",
))
def test_a_volatile_call_outside_subqueries_is_the_one_the_copy_finds(text: str) -> None:
    """`calls_volatile` walks past each subquery (`walk_except`) and answers what main's
    copy with every subquery left out found."""
    from lockwise.effects.nodes import function_names
    from lockwise.effects.volatility import _builtin, calls_volatile
    from lockwise.parse.trees import rebuilt

    (stmt,) = parse_sql(f"SELECT {text}").statements
    expr = stmt.tree["SelectStmt"]["targetList"]
    without = rebuilt(expr, lambda item: {} if type(item) is dict and "SubLink" in item
                      else None)
    assert sorted(function_names(expr, "SubLink")) == sorted(function_names(without))
    assert calls_volatile(expr) == any(_builtin().get(name) == "v"
                                       for name in function_names(without))


#: UPDATEs `reads_what_it_sets` says yes and no of (tests/executor/test_batches.py's).
_UPDATES_READING = (
    "UPDATE t SET n = t.n + s.m FROM (SELECT max(n) AS m FROM t) s",
    "UPDATE t SET n = t.n + s.m FROM (SELECT max(id) AS m FROM t) s WHERE t.id > 0",
    "UPDATE t SET n = (SELECT sum(t2.n) FROM t t2 WHERE t2.id <= t.id)",
    "UPDATE t SET n = (SELECT t2.n FROM t t2 WHERE t2.id = t.id) + 1",
    "UPDATE t SET n = prev.n FROM t AS prev WHERE prev.id = t.id - 1",
    "UPDATE t SET n = prev.id FROM t AS prev WHERE prev.id = t.id - 1",
    "UPDATE t SET n = n + 1 WHERE id IN (SELECT id FROM t WHERE id > 5)",
    "UPDATE s.t SET n = x.n + 1 FROM t AS x WHERE x.id = t.id - 1",
)


def test_reads_what_it_sets_answers_once_per_node(monkeypatch: pytest.MonkeyPatch) -> None:
    """`reads_what_it_sets` remembers its answer per node: asked again of it, it walks
    nothing; asked of any other node (one parsed again from the same text too) or under
    another resolution of names, it answers what the question asked anew answers."""
    import json

    from pglast.parser import parse_sql_json

    from lockwise.effects import nodes
    from lockwise.executor import batches

    def update(sql: str) -> dict:
        return json.loads(parse_sql_json(sql))["stmts"][0]["stmt"]["UpdateStmt"]

    plain = batches._reads_what_it_sets
    walked = _recorded(monkeypatch, batches, "walk")
    answers = []
    for sql in _UPDATES_READING * 2:  # each after another's, then after its own text's
        for node in (update(sql), update(sql)):
            answers.append(plain(node))
            assert batches.reads_what_it_sets(node) is answers[-1]
            walked.clear()
            assert batches.reads_what_it_sets(node) is answers[-1]
            assert not walked
    assert set(answers) == {True, False}
    node = update(_UPDATES_READING[-1])  # `t` is s.t under search_path s only
    assert batches.reads_what_it_sets(node) is False
    before = nodes.use_resolver(lambda name, creates: "s")
    try:
        assert batches.reads_what_it_sets(node) is True is plain(node)
    finally:
        nodes.use_resolver(before)
    assert batches.reads_what_it_sets(node) is False


def test_the_rules_a_set_covers_are_listed_once_per_index() -> None:
    # Every migration keeps one finding of each rule a SET covers (OncePerTransaction): the
    # rules are the index's, so they are listed once for it, not once a migration.
    from lockwise.lint import LintOptions, OncePerTransaction, rule_index

    index = rule_index(LintOptions())
    first, second = OncePerTransaction(index), OncePerTransaction(index)
    assert first.settings is second.settings is index.once_settings
    assert index.once_settings == {r.id: r.one_set_covers for r in index.rules
                                   if r.one_set_covers or r.once_per_transaction}
    assert index.once_settings["missing-lock-timeout"] == "lock_timeout"


def test_an_alternative_stops_at_its_first_statement_that_gets_the_finding(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # SET NOT NULL's alternative is four statements, the first an ALTER TABLE that gets a
    # missing-lock-timeout finding itself: that answers (the alternative clears nothing), so
    # the three after it are never computed. A CONCURRENTLY build clears it.
    sqls = ["CREATE TABLE t (a int);", "ALTER TABLE t ALTER COLUMN a SET NOT NULL;",
            "CREATE INDEX t_a ON t (a);"]
    reports, seen = _lint_computing(monkeypatch, sqls)
    computed = [sql or "" for _, sql in seen]
    rules = [{f.rule for s in r.statements for f in s.findings} for r in reports]
    assert {"set-not-null", "missing-lock-timeout"} <= rules[1]
    assert "index-without-concurrently" in rules[2] and "missing-lock-timeout" not in rules[2]
    alternative = [f.instead for f in reports[1].statements[0].findings
                   if f.rule == "set-not-null"][0]
    assert "VALIDATE CONSTRAINT" in alternative
    assert [sql for sql in computed if "ADD CONSTRAINT" in sql] != []
    assert [sql for sql in computed if "VALIDATE" in sql or "DROP CONSTRAINT" in sql] == []


def test_a_write_follows_its_triggers_once_though_their_bodies_write_in_between(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The effect model asks which routines an INSERT runs (its table's trigger), then runs
    # the trigger's body, whose own INSERT asks the same of its table; the replay then asks
    # again of the first INSERT, of the catalog the effect model read: the answer is
    # remembered (`Catalog.found_per_schema`) though another statement was asked about
    # between.
    import lockwise.catalog.routines as routines
    from lockwise.catalog import model
    from lockwise.core.types import LockMode
    from lockwise.discover import migration_from_text
    from lockwise.effects.nodes import range_var
    from lockwise.lint import lint_migrations

    monkeypatch.setattr(model, "CHECK_CALLERS", False)  # (the tests' finding again)
    trigger_routines = routines._trigger_routines
    asked: list[dict] = []
    monkeypatch.setattr(routines, "_trigger_routines", lambda catalog, kind, body: (
        asked.append(body), trigger_routines(catalog, kind, body))[1])
    sql = ("CREATE TABLE t (a int);\nCREATE TABLE log (a int);\nCREATE TABLE u (n int);\n"
           "CREATE FUNCTION on_t() RETURNS trigger LANGUAGE plpgsql AS $$\n"
           "BEGIN INSERT INTO log VALUES (NEW.a); RETURN NEW; END $$;\n"
           "CREATE FUNCTION on_log() RETURNS trigger LANGUAGE plpgsql AS $$\n"
           "BEGIN ALTER TABLE u ADD COLUMN b int; RETURN NEW; END $$;\n"
           "CREATE TRIGGER t_ins BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION on_t();\n"
           "CREATE TRIGGER log_ins BEFORE INSERT ON log FOR EACH ROW "
           "EXECUTE FUNCTION on_log();\n"
           "INSERT INTO t VALUES (1);\nCREATE INDEX u_b ON u (b);\n")
    statements = lint_migrations([migration_from_text(sql, "0001_m.sql")])[0].statements
    insert = statements[-2]
    # Both triggers still run, the nested one's ALTER TABLE judged at the INSERT, and the
    # replay followed them: the column the nested body adds is there for the index.
    assert [a.facts.get("routine") for a in insert.effect.actions
            if a.kind == "routine_call"] == ["public.on_t", "public.on_log"]
    assert insert.effect.locks.get("public.u") == LockMode.ACCESS_EXCLUSIVE
    assert not any(f.rule == "missing-object" for f in statements[-1].findings)
    outer = [body for body in asked if range_var(body.get("relation"))[0] == "public.t"]
    assert len(outer) == 1


def test_an_alternative_tried_at_several_statements_is_parsed_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The same SET NOT NULL twice gets the same alternative (four statements) twice: tried
    # against each statement's missing-lock-timeout finding, its text is parsed once.
    import lockwise.lint
    from lockwise.discover.layouts import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    parsed: list[str] = []
    parse = lockwise.lint.parse_sql

    def recording(text: str, **kwargs: object):  # noqa: ANN202
        parsed.append(text)
        return parse(text, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(lockwise.lint, "parse_sql", recording)
    lockwise.lint._alternative_statements.cache_clear()
    sqls = ["CREATE TABLE t (a int);", "ALTER TABLE t ALTER COLUMN a SET NOT NULL;",
            "ALTER TABLE t ALTER COLUMN a DROP NOT NULL;",
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL;"]
    reports = lint_migrations([migration_from_text(sql, f"{i:04d}_m.sql")
                               for i, sql in enumerate(sqls, 1)], LintOptions())
    alternatives = [f.instead for r in reports[1::2] for s in r.statements
                    for f in s.findings if f.rule == "set-not-null"]
    assert len(alternatives) == 2 and alternatives[0] == alternatives[1]
    assert all("missing-lock-timeout" in {f.rule for s in r.statements for f in s.findings}
               for r in reports[1::2])
    assert parsed.count(alternatives[0]) == 1


def test_the_locks_text_is_written_only_for_rules_that_read_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # `locks_text` (every lock the statement takes, as messages name them) is read by no rule
    # of lockwise's own: it is not written then. A team's rule that shows it gets it.
    import lockwise.lint
    from lockwise.discover.layouts import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations, rule_index
    from lockwise.rules.loader import load_rules

    index = rule_index(LintOptions())
    assert not index.reads("locks_text")
    assert index.reads("access_exclusive_text")  # (a message names it)
    assert index.reads("table_is_new")  # (a `when` asks for it)
    written: list[dict] = []
    facts_of = lockwise.lint.effect_facts

    def recording(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        written.append(facts_of(*args, **kwargs))
        return written[-1]

    monkeypatch.setattr(lockwise.lint, "effect_facts", recording)
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    (rules_dir / "team-locks.toml").write_text(
        'id = "team-locks"\ntitle = "locks"\nsafety = "safe"\n'
        'when = { action = "add_column" }\nmessage = "Takes {locks_text}."\n'
        'why = "team policy"\ninstead = "-- as it is"\n')
    sqls = ["CREATE TABLE t (a int);", "ALTER TABLE t ADD COLUMN b int;"]
    load_rules.cache_clear()
    try:
        for options in (LintOptions(), LintOptions(rules_dirs=(rules_dir,))):
            written.clear()
            reports = lint_migrations([migration_from_text(sql, f"{i:04d}_m.sql")
                                       for i, sql in enumerate(sqls, 1)], options)
            locked = [facts for facts in written if facts["lock"]]
            assert locked
            if not options.rules_dirs:
                assert all("locks_text" not in facts for facts in locked)
    finally:
        load_rules.cache_clear()
    assert all(facts["locks_text"] for facts in locked)
    assert [f.message for f in reports[1].statements[0].findings if f.rule == "team-locks"] \
        == ["Takes ACCESS EXCLUSIVE on public.t."]


def test_columns_of_one_value_are_not_looked_for_while_none_is_tracked_nor_added(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Lint follows the columns NULL (or one constant) in every row after each statement: with
    # none tracked, a statement that adds no column has nothing to forget nor to add, and its
    # actions are not asked whether they run code lockwise does not read.
    import lockwise.effects.context as context
    from lockwise.core.types import Action, Effect, LockMode

    asked: list[Action] = []
    unseen = context.runs_unseen_code
    monkeypatch.setattr(context, "runs_unseen_code", lambda a: asked.append(a) or unseen(a))
    write = LockMode.ROW_EXCLUSIVE
    opaque = Effect((Action("do_block"),), {})
    updates = Effect((Action("update", {"table": "public.t"}),), {"public.t": write},
                     writes=frozenset({"table:public.t"}))
    adds = Effect((Action("add_column", {"table": "public.t", "column": "b"}),),
                  {"public.t": LockMode.ACCESS_EXCLUSIVE})
    for track in (context.track_null_columns, context.track_constant_columns):
        for effect in (opaque, updates, Effect((Action("select", {"functions": ("f",)}),), {})):
            columns: set[tuple[str, str]] = set()
            track(columns, effect)
            assert columns == set()
        assert asked == []
    columns = set()
    context.track_null_columns(columns, adds)
    assert columns == {("public.t", "b")} and asked
    context.track_null_columns(columns, opaque)  # (tracked: a DO block forgets them all)
    assert columns == set()
    context.track_null_columns(columns, adds)
    context.track_null_columns(columns, updates)  # (a write of the table forgets its own)
    assert columns == set()


class _Unread(frozenset):
    """A statement's reads that fail when listed: what is not asked for is not read."""

    def __iter__(self):  # noqa: ANN204
        raise AssertionError("the reads were listed")


def test_a_lock_held_exclusive_waits_without_listing_what_the_statement_reads() -> None:
    # Whether a statement waits while the transaction holds ACCESS EXCLUSIVE: a lock routine
    # work conflicts with (ROW EXCLUSIVE on another table) answers without the reads, which
    # name every column read; an ACCESS SHARE waits only on a relation the statement reads.
    from lockwise.core.types import Action, Effect, LockMode
    from lockwise.effects.session import Session

    session = Session(implicit_transaction=True)
    session.after(Effect((Action("alter_table"),), {"public.a": LockMode.ACCESS_EXCLUSIVE}), 0)
    reads = _Unread({"table:public.c", "column:public.c.x"})
    writes = Effect((Action("update"),), {"public.b": LockMode.ROW_EXCLUSIVE}, reads=reads)
    assert session.statement_facts(writes, 1)["held_exclusive_waits"]
    held = Effect((Action("update"),), {"public.a": LockMode.ROW_EXCLUSIVE}, reads=reads)
    assert not session.statement_facts(held, 1)["held_exclusive_waits"]  # (held already)
    for table, waits in (("public.c", True), ("public.d", False)):
        grant = Effect((Action("grant"),), {table: LockMode.ACCESS_SHARE},
                       reads=frozenset({"table:public.c", "column:public.c.x"}))
        assert session.statement_facts(grant, 1)["held_exclusive_waits"] is waits


def test_empty_tables_are_not_looked_for_while_none_is_known_nor_made(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Lint follows the tables sure to hold no row after each statement: with none known (nor
    # TRUNCATEd in the transaction), a statement that creates, truncates and runs no code
    # leaves them so, and its actions are not asked whether they run code it cannot read.
    import lockwise.lint
    from lockwise.core.types import Action, Effect, LockMode
    from lockwise.effects.context import Context

    asked: list[Action] = []
    unseen = lockwise.lint.runs_unseen_code
    monkeypatch.setattr(lockwise.lint, "runs_unseen_code", lambda a: asked.append(a) or unseen(a))
    ctx = Context(catalog=Catalog())
    track = lockwise.lint._track_empty_tables
    select = Effect((Action("select", {"functions": ("f",)}),), {})
    insert = Effect((Action("insert", {"table": "public.t"}),),
                    {"public.t": LockMode.ROW_EXCLUSIVE}, writes=frozenset({"table:public.t"}))
    for effect in (select, insert):
        track(ctx, effect, True)
    assert asked == [] and ctx.empty_tables == set()
    track(ctx, Effect((Action("create_table", {"table": "public.t"}),), {},
                      creates=frozenset({"table:public.t"})), True)
    assert ctx.empty_tables == {"public.t"} and asked
    track(ctx, insert, True)  # (a write fills it)
    assert ctx.empty_tables == set()
    track(ctx, Effect((Action("truncate", {"table": "public.t"}),),
                      {"public.t": LockMode.ACCESS_EXCLUSIVE}), True)
    assert ctx.empty_tables == {"public.t"} == ctx.truncated_in_transaction
    track(ctx, select, True)  # (code it cannot read may write any table)
    assert ctx.empty_tables == set() == ctx.truncated_in_transaction


def test_a_file_without_a_long_identifier_is_looked_at_once_not_per_statement(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A file with no double quote and no run of 64 identifier bytes holds no identifier
    # PostgreSQL truncates, nor does any statement cut from it: its statements are not each
    # looked at again. A file with a long name still gets its finding, where it is defined.
    import lockwise.effects.identifiers as identifiers
    from lockwise.discover.layouts import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    looked: list[str] = []
    pre_check = identifiers._may_hold_long_identifier
    monkeypatch.setattr(identifiers, "_may_hold_long_identifier",
                        lambda sql, data: looked.append(sql) or pre_check(sql, data))
    long = "a" * 70
    plain = "CREATE TABLE t (a int, b text, c int, d int, e int, f int, g int, h int);\n" \
        "CREATE INDEX t_a ON t (a, b, c, d, e, f, g) WHERE a > 0 AND b > '0';\n" \
        "ALTER TABLE t ADD COLUMN i bigint, ADD COLUMN j bigint, ADD COLUMN k int;\n"
    reports = lint_migrations([migration_from_text(plain, "0001_m.sql")], LintOptions())
    assert looked == [] and len(reports[0].statements) == 3
    named = f"CREATE TABLE {long} (a int);\nCREATE INDEX ON {long} (a);\n"
    quoted = 'CREATE TABLE "T" (a int, b int, c int, d int, e int, f int, g int);\n' \
        'CREATE INDEX t_a ON "T" (a, b, c, d, e, f, g) WHERE a > 0 AND b > 0;\n'
    reports = lint_migrations([migration_from_text(named, "0002_m.sql"),
                               migration_from_text(quoted, "0003_m.sql")], LintOptions())
    assert len(looked) == 4  # (each statement of the files that may hold one)
    assert "identifier-too-long" in {f.rule for f in reports[0].statements[0].findings}


# --- fix-speed37: what grew with the square of its size ---------------------------------


def _where_scans(monkeypatch: pytest.MonkeyPatch, statements: list[str]
                 ) -> tuple[dict[str, bool], list[str]]:
    """Lint `statements`, one migration, after a first that makes table t: whether each
    UPDATE's or DELETE's WHERE reads all of t (`where_scans_table`, as the effect model
    first said it), and the tables whose indexes were filed (`where_index._filed_indexes`)."""
    import lockwise.lint
    from lockwise.discover.layouts import migration_from_text
    from lockwise.effects.postgres import where_index
    from lockwise.lint import LintOptions, lint_migrations

    scans: dict[str, bool] = {}
    filed: list[str] = []
    compute, file = lockwise.lint.compute_effect, where_index._filed_indexes

    def recording(tree: dict, ctx):  # noqa: ANN001, ANN202
        effect = compute(tree, ctx)
        for action in effect.actions:
            if "where_scans_table" in action.facts:
                scans.setdefault(ctx.statement_sql, action.facts["where_scans_table"])
        return effect

    def counted(catalog: Catalog, table: str) -> dict:
        filed.append(table)
        return file(catalog, table)

    monkeypatch.setattr(lockwise.lint, "compute_effect", recording)
    monkeypatch.setattr(where_index, "_filed_indexes", counted)
    first = "CREATE TABLE t (id int, a int, b text COLLATE \"C\", c text);"
    lint_migrations([migration_from_text(first, "0001_m.sql"), migration_from_text(
        "".join(f"{sql};\n" for sql in statements), "0002_m.sql")], LintOptions())
    return scans, filed


def test_a_tables_indexes_are_filed_once_for_all_its_updates_and_deletes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # where-without-index filed every index of the table again for each UPDATE and DELETE:
    # 800 indexes and 800 UPDATEs took 2 s (fix-robust16). Filed once while no statement
    # may change the schema (`Catalog.found_per_version`).
    from lockwise.catalog import model

    monkeypatch.setattr(model, "CHECK_CALLERS", False)  # (the tests' finding again)
    n = 30
    statements = [f"ALTER TABLE t ADD COLUMN k{i} int" for i in range(n)]
    statements += [f"CREATE INDEX t_k{i} ON t (k{i})" for i in range(n)]
    statements += [f"UPDATE t SET a = 1 WHERE k{i} = 1" for i in range(n)]
    statements += [f"DELETE FROM t WHERE k{i} IS NULL OR a = 2" for i in range(n)]
    scans, filed = _where_scans(monkeypatch, statements)
    assert filed == ["public.t"]
    assert [scans[s] for s in statements[2 * n:]] == [False] * n + [True] * n


def test_a_tables_indexes_are_filed_again_after_a_change_of_its_schema(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Each change the filing depends on between two UPDATEs of the same WHERE: an index
    # made, renamed, dropped; the column renamed, its type (and so its collation) changed;
    # a search_path set (a function written bare may resolve elsewhere).
    from lockwise.catalog import model

    monkeypatch.setattr(model, "CHECK_CALLERS", False)  # (the tests' finding again)
    update = "UPDATE t SET a = {} WHERE b LIKE 'x%'"
    steps = [("", True), ("CREATE INDEX t_b ON t (b)", False),  # (COLLATE "C": byte order)
             ("ALTER INDEX t_b RENAME TO t_b2", False), ("DROP INDEX t_b2", True),
             ("CREATE INDEX t_c ON t (c text_pattern_ops)", True),
             ("ALTER TABLE t RENAME COLUMN b TO c2", True),
             ("ALTER TABLE t RENAME COLUMN c TO b", False), ("DROP INDEX t_c", True),
             ("CREATE INDEX t_b3 ON t (b)", True),  # (the database's collation: not known)
             ("ALTER TABLE t ALTER COLUMN b TYPE text COLLATE \"C\"", False),
             ("ALTER TABLE t ALTER COLUMN b TYPE text COLLATE \"C.utf8\"", True),
             ("SET search_path = public", True)]
    statements = [s for i, (change, _) in enumerate(steps)
                  for s in ((change,) if change else ()) + (update.format(i),)]
    scans, filed = _where_scans(monkeypatch, statements)
    said = [scans.get(update.format(i)) for i in range(len(steps))]
    assert said == [scan for _, scan in steps], said
    assert len(filed) == len(steps)  # (each change filed them again)


def _tables_walked_by_naming(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many tables each `Catalog.naming` looks at, from now on (`_callers_in`)."""
    walked: list[int] = []
    looked = Catalog._callers_in

    def counted(self: Catalog, tables: list[Table], *args: object) -> object:
        walked.append(len(tables))
        return looked(self, tables, *args)

    monkeypatch.setattr(Catalog, "_callers_in", counted)
    return walked


def test_a_drop_cascade_looks_only_at_what_names_the_dropped_relations(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # DROP VIEW / TABLE ... CASCADE looked for what names the dropped relations by a regclass
    # constant in every table and index (`Catalog.naming`): dropping 4,000 views one by one
    # took 17 s (fix-robust16). What names a relation is filed under it (`uses_tables`).
    from lockwise.catalog import model

    monkeypatch.setattr(model, "CHECK_CALLERS", False)  # (the tests' scan beside the index)
    n = 30
    catalog = _catalog("CREATE TABLE t (id int);" + "".join(
        f"CREATE VIEW v{i} AS SELECT id FROM t;" for i in range(n)) +
        "CREATE TABLE holder (r regclass DEFAULT 'v3'::regclass,"
        " CHECK (r <> 'v5'::regclass));"
        "CREATE INDEX holder_r ON holder ((r = 'v7'::regclass));"
        "CREATE VIEW named AS SELECT 'v9'::regclass AS r;")
    walked = _tables_walked_by_naming(monkeypatch)
    found = {f"v{i}": catalog.naming({f"public.v{i}"}) for i in range(n)}
    assert sum(walked) == 4  # (holder three times, view named once)
    assert found["v3"].defaults == (("public.holder", "r"),)
    assert found["v5"].constraints == (("public.holder", "holder_r_check"),)
    assert found["v7"].indexes == ("public.holder_r",)
    assert found["v9"].views == ("public.named",)
    assert not any(found[f"v{i}"].tables() or found[f"v{i}"].views or found[f"v{i}"].indexes
                   for i in range(n) if i not in (3, 5, 7, 9))
    for stmt in parse_sql("".join(f"DROP VIEW v{i} CASCADE;" for i in range(n))).statements:
        apply_statement(catalog, stmt.tree, "0002")
    assert sum(walked) <= 4 + 4  # (each dropped view: what names it, again)
    assert "public.named" not in catalog.tables and "public.holder_r" not in catalog.indexes


def test_what_names_a_relation_is_what_a_scan_finds(monkeypatch: pytest.MonkeyPatch) -> None:
    # The index's answer is the scan's, also after renames, a moved table, a dropped default
    # and a table made after the index was built.
    catalog = _catalog("CREATE SCHEMA app; CREATE TABLE s (id int); CREATE SEQUENCE q;"
                       "CREATE TABLE h (a regclass DEFAULT 's'::regclass,"
                       " b int DEFAULT nextval('q'::regclass));"
                       "ALTER TABLE h RENAME TO h2; ALTER TABLE h2 SET SCHEMA app;"
                       "CREATE TABLE late (c regclass CHECK (c <> 'q'::regclass));"
                       "ALTER TABLE app.h2 ALTER COLUMN a DROP DEFAULT;")
    for names in ({"public.s"}, {"public.q"}, {"public.s", "public.q"}, {"app.h2"}):
        indexed = catalog.naming(names)
        monkeypatch.setattr(catalog, "uses_tables", None)
        assert indexed == catalog.naming(names), names
        monkeypatch.undo()
    assert catalog.naming({"public.q"}).defaults == (("app.h2", "b"),)
    assert catalog.naming({"public.q"}).constraints == (("public.late", "late_c_check"),)


# --- a transaction of many DROP VIEWs (fix-speed41) ------------------------------------------


def _views_dropped_in_one_transaction(n: int) -> str:
    """A table, `n` views over it, then one transaction dropping each view CASCADE."""
    return "CREATE TABLE t (id bigint, a text);\n" + "".join(
        f"CREATE VIEW v{i} AS SELECT id, a FROM t;\n" for i in range(n)) + "BEGIN;\n" + "".join(
        f"DROP VIEW v{i} CASCADE;\n" for i in range(n)) + "COMMIT;\n"


def test_dropping_views_in_one_transaction_files_the_column_types_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Each DROP VIEW asks for the columns of the view's row type (the effect model, the
    # replay, the conflict graph): a walk of every table each time was quadratic in the
    # views (40 views: 860 tables looked at, 80: 3,320). The tables are filed by their
    # columns' types once after the last CREATE, kept by the DROPs.
    from lockwise.catalog import model
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations

    monkeypatch.setattr(model, "CHECK_CALLERS", False)  # (no walk to check against)

    class Tables(dict):
        looked = 0

        def values(self):  # type: ignore[no-untyped-def]
            Tables.looked += len(self)
            return super().values()

    looked = []
    for n in (40, 80):
        Tables.looked = 0
        catalog = Catalog()
        catalog.tables = Tables()
        lint_migrations([migration_from_text(_views_dropped_in_one_transaction(n),
                                             "0001_m.sql")], catalog=catalog)
        looked.append(Tables.looked)
    assert looked[1] <= 2 * looked[0] + 2, looked


_TYPED_COLUMN_STATEMENTS = st.sampled_from([
    "CREATE TABLE {t} (a mood, b int)", "CREATE TABLE {t} (a mood[], b d)",
    "CREATE TABLE {t} (LIKE {u})", "CREATE TABLE {t} (x int) INHERITS ({u})",
    "CREATE TABLE {t} OF pair", "CREATE TABLE {t} AS SELECT * FROM {u}",
    "CREATE VIEW v{t} AS SELECT * FROM {t}", "CREATE MATERIALIZED VIEW m{t} AS SELECT * FROM {t}",
    "CREATE OR REPLACE VIEW v{t} AS SELECT *, 1 AS one FROM {t}",
    "DROP VIEW v{t} CASCADE", "DROP MATERIALIZED VIEW m{t}", "DROP TABLE {t} CASCADE",
    "ALTER TABLE {t} ADD COLUMN c mood", "ALTER TABLE {t} ADD COLUMN e {u}",
    "ALTER TABLE {t} ALTER COLUMN b TYPE mood USING NULL",
    "ALTER TABLE {t} ALTER COLUMN a TYPE text", "ALTER TABLE {t} DROP COLUMN a CASCADE",
    "ALTER TABLE {t} RENAME COLUMN a TO z", "ALTER TABLE {t} RENAME TO {u}",
    "ALTER TABLE {t} SET SCHEMA app", "ALTER TABLE app.{t} SET SCHEMA public",
    "ALTER TYPE mood RENAME TO feeling", "ALTER TYPE feeling RENAME TO mood",
    "DROP TYPE mood CASCADE", "CREATE TYPE mood AS ENUM ('a')", "DROP DOMAIN d CASCADE",
    "SAVEPOINT x", "ROLLBACK TO x", "RELEASE x",
    "DO $$ BEGIN ALTER TABLE {t} ADD COLUMN q mood; END $$",
    "CREATE FUNCTION f{t}() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN "
    "ALTER TABLE {t} ADD COLUMN r mood; END $f$", "SELECT f{t}()", "SELECT f{u}()",
])


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_TYPED_COLUMN_STATEMENTS, st.sampled_from("abc"),
                          st.sampled_from("abc")), max_size=14))
def test_the_columns_of_a_type_are_the_walks(history: list) -> None:
    # `Catalog.column_types` files the tables by their columns' types, kept only by
    # statements that give no column (a change of rows, a DROP): after every statement of
    # random histories, what `columns_of_type` answers is what a walk of every column of
    # every table finds, for each type asked (the catalog's own check compares them too).
    from lockwise.catalog.model import type_key

    def walked(catalog: Catalog, name: str, views: bool) -> list[tuple[str, str]]:
        return [(t.name, c.name) for t in sorted(catalog.tables.values(), key=lambda t: t.name)
                if views or t.kind not in ("view", "matview")
                for c in t.columns.values() if type_key(c.type_name) == name]

    def check(catalog: Catalog, sql: str) -> None:
        names = {"public.mood", "public.feeling", "public.d", "public.pair", "int4", "text",
                 *(f"public.{t}" for t in "abc"), *(f"public.v{t}" for t in "abc")}
        for name in sorted(names):
            for views in (False, True):
                assert catalog.columns_of_type(name, views) == walked(catalog, name, views), \
                    (sql, name)

    _lint_checking_each_statement(
        ["CREATE TYPE mood AS ENUM ('x')", "CREATE DOMAIN d AS mood",
         "CREATE TYPE pair AS (a mood, b int)",
         *(text.format(t=t, u=u) for text, t, u in history)], check)


def test_a_transaction_of_drop_views_lists_the_locks_held_without_a_walk(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Each statement of a transaction lists the ACCESS EXCLUSIVE locks earlier ones hold
    # that others see (lock-accumulation): a look at every relation held, each view
    # dropped so far, at each DROP was quadratic. Those seen are kept as statements touch
    # them (`Session.held_visible`): no statement goes through the relations held.
    from lockwise.discover import migration_from_text
    from lockwise.effects import session as module
    from lockwise.lint import lint_migrations

    monkeypatch.setattr(module, "CHECK_CALLERS", False, raising=False)  # (no walk to check)
    gone_through = [0]

    class Held(dict):
        def __iter__(self):  # type: ignore[no-untyped-def]
            for key in super().__iter__():
                gone_through[0] += 1
                yield key

    facts = module.Session.statement_facts

    def counting(self: module.Session, *args: object, **kwargs: object) -> dict:
        if type(self.held_exclusive) is not Held:
            self.held_exclusive = Held(self.held_exclusive)
        return facts(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(module.Session, "statement_facts", counting)
    sql = _views_dropped_in_one_transaction(60).replace(
        "COMMIT;", "CREATE TABLE u (id bigint);\nALTER TABLE t ADD COLUMN b int;\n"
        "ALTER TABLE u ADD COLUMN b int;\nCOMMIT;")
    [report] = lint_migrations([migration_from_text(
        "CREATE TABLE w (id bigint);\n" + sql + "BEGIN;\nALTER TABLE t ADD COLUMN c int;\n"
        "ALTER TABLE w ADD COLUMN c int;\nCOMMIT;\n", "0001_m.sql")], catalog=Catalog())
    assert gone_through[0] == 0, gone_through
    # (what others see is still listed: `t`, altered before `w`; not the views dropped, nor
    # `u`, made in the transaction)
    messages = [f.message for f in report.all_findings if f.rule == "lock-accumulation"]
    assert messages and all("remain on public.t " in m for m in messages), messages

class _ReadFacts(dict):
    """Facts that note each one a matcher reads (`get`)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        self.read.add(key)
        return super().get(key, default)


def test_an_action_that_runs_is_matched_without_reading_a_refusal_fact() -> None:
    # Two thirds of an action's candidates ask for a refusal fact to be true: an action the
    # effect model says nothing refuses is matched by `RuleIndex.running`, which reads none
    # of them, and finds the same rules in the same order.
    from lockwise.effects.refused import REFUSAL_FACTS
    from lockwise.lint import LintOptions, rule_index

    index = rule_index(LintOptions())
    facts = {"action": "create_index", "concurrently": False, "table_is_new": False,
             "in_transaction": True, "blocks_queries": True, "lock_timeout_set": False,
             "pg_version": 18, "if_not_exists": False}
    whole, running = _ReadFacts(facts), _ReadFacts(facts)
    assert index.running is index.running
    assert [r.id for r in index.running.matching(running)] == \
        [r.id for r in index.matching(whole)] != []
    assert whole.read & set(REFUSAL_FACTS) != set()
    assert running.read & set(REFUSAL_FACTS) == set()
    # A refusal's rule is still in the whole index, for the facts of an action refused.
    refused = {**facts, "name_taken": True}
    assert "object-already-exists" in [r.id for r in index.matching(refused)]
    assert "object-already-exists" not in [r.id for r in index.running.matching(refused)]


def test_statements_that_run_are_judged_by_the_running_index(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Every action of a statement nothing refuses goes to the running index; a refused
    # statement's to the refusals' (a CREATE TABLE of a name taken).
    from lockwise.discover.layouts import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations
    from lockwise.rules.engine import RuleIndex

    asked: list[bool] = []
    real = RuleIndex.running.fget  # type: ignore[attr-defined]

    def counting(self: RuleIndex) -> RuleIndex:
        asked.append(True)
        return real(self)

    monkeypatch.setattr(RuleIndex, "running", property(counting))
    reports = lint_migrations([migration_from_text(
        "CREATE TABLE t (a int);\nCREATE INDEX t_a ON t (a);\nCREATE TABLE t (b int);",
        "0001_m.sql")], LintOptions())
    rules = [{f.rule for f in s.findings} for s in reports[0].statements]
    assert len(asked) == sum(len(s.effect.actions) for s in reports[0].statements[:2])
    assert "object-already-exists" in rules[2]


def test_a_family_function_is_found_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # `import_module` takes the module's import lock at each call: the effect model's family
    # functions (a DML's `run_called` once a routine is kept) are looked up once a run.
    import lockwise.effects.postgres as families

    monkeypatch.setattr(families, "_FAMILY_FUNCTIONS", {})
    imported: list[str] = []
    real = families.import_module

    def counting(name: str) -> object:
        imported.append(name)
        return real(name)

    monkeypatch.setattr(families, "import_module", counting)
    for _ in range(3):
        assert families.family_function("routines", "run_called") is \
            families.family_function("routines", "run_called")
    assert imported == ["lockwise.effects.postgres.routines"]


@pytest.mark.parametrize(("sql", "rule", "facts"), [
    ("ALTER TABLE orders ADD CONSTRAINT orders_fk FOREIGN KEY (account_id) REFERENCES "
     "accounts (id) ON DELETE SET NULL (account_id)", "add-foreign-key-validated",
     {"constraint_names": ("orders_fk",)}),
    ("alter table accounts add check (char_length(email) <= 255 AND plan <> 'x''y')",
     "add-check-validated", {"constraint_names": ("accounts_email_check",)}),
    ('CREATE UNIQUE INDEX ON "My Schema".t USING btree (lower(a), b DESC) WHERE c IS NULL',
     "index-without-concurrently", {"index_name": "t_lower_b_idx"}),
    ("DROP INDEX a, s.b", "drop-index-without-concurrently", {}),
])
def test_a_deparsed_rewrite_builds_its_nodes_from_the_json_tree(
        sql: str, rule: str, facts: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    # The deparse route's statement is built from the parser's JSON (`pglast_node`), not by
    # `pglast.parse_sql`, whose constructors check each field (200 calls a statement): the
    # same node, so the same rewrite as pglast's own (its fallback for a tree `pglast_node`
    # cannot build).
    import pglast

    import lockwise.fix.patterns as patterns

    parsed: list[str] = []
    real = pglast.parse_sql

    def counting(text: str) -> object:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(pglast, "parse_sql", counting)
    ours = patterns._rewrite_deparsed(sql, {rule}, dict(facts))
    assert parsed == []

    def unbuildable(kind: str, body: dict) -> object:
        raise TypeError(kind)

    monkeypatch.setattr(patterns, "pglast_node", unbuildable)
    theirs = patterns._rewrite_deparsed(sql, {rule}, dict(facts))
    assert parsed == [sql]
    assert ours is not None and theirs is not None and ours.in_order() != []
    assert (ours.main, ours.alone, ours.later, ours.notes) == \
        (theirs.main, theirs.alone, theirs.later, theirs.notes)


def _view_readers_of_t(views: int) -> tuple[Catalog, list[int]]:
    """A catalog given a table `t` and `views` views over it, one statement each, with the
    identity of the set `source_readers` files under `t` after each view."""
    catalog = Catalog()
    seen: list[int] = []
    for stmt in parse_sql("CREATE TABLE t (id bigint, a text);").statements:
        apply_statement(catalog, stmt.tree, "0001")
    for stmt in parse_sql("".join(f"CREATE VIEW v{i} AS SELECT id, a FROM t;"
                                  for i in range(views))).statements:
        apply_statement(catalog, stmt.tree, "0001")
        assert catalog.source_readers is not None
        seen.append(id(catalog.source_readers["public.t"]))
    return catalog, seen


def test_views_over_one_table_are_filed_without_copying_the_names_filed_before() -> None:
    # `_add_to` replaced the frozenset of a table's readers at each view filed: n views over
    # one table copied n²/2 names. A set the index made itself grows in place: one set for
    # 300 views (main: 300 sets, one per view, each a copy of the one before).
    catalog, seen = _view_readers_of_t(300)
    assert len(set(seen)) == 1
    assert catalog.source_readers is not None
    assert catalog.source_readers["public.t"] == {f"public.v{i}" for i in range(300)}


def test_a_fork_and_its_catalog_file_views_apart_after_sharing_the_names() -> None:
    # A down check's fork and a savepoint's copy share the sets: neither may add in place to
    # one the other holds.
    from lockwise.catalog.replay import copied

    catalog, _ = _view_readers_of_t(3)
    for other in (fork(catalog, set(), set(), False), copied(catalog)):
        for target, name in ((other, "w"), (catalog, "x")):
            for stmt in parse_sql(f"CREATE VIEW {name} AS SELECT id FROM t;").statements:
                apply_statement(target, stmt.tree, "0002")
        assert other.source_readers is not None and catalog.source_readers is not None
        assert "public.x" not in other.source_readers["public.t"]
        assert "public.w" not in catalog.source_readers["public.t"]
        assert "public.w" in other.source_readers["public.t"]
        for stmt in parse_sql("DROP VIEW x;").statements:
            apply_statement(catalog, stmt.tree, "0003")


def test_a_superseded_finding_is_never_written(monkeypatch: pytest.MonkeyPatch) -> None:
    # missing-lock-timeout is matched at most statements taking a lock, and dropped as
    # superseded wherever another finding's alternative clears it (437 a pass of lemmy and
    # documenso): its message and advice are written only for those shown.
    import lockwise.lint
    from lockwise.discover.layouts import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    written: list[str] = []
    finding = lockwise.lint._finding
    monkeypatch.setattr(lockwise.lint, "_finding",
                        lambda rule, *rest: written.append(rule.id) or finding(rule, *rest))
    sqls = ["CREATE TABLE t (a int, b int);",
            "BEGIN; CREATE INDEX t_a ON t (a); CREATE INDEX t_b ON t (b); COMMIT;",
            "ALTER TABLE t ADD COLUMN c text;"]
    reports = lint_migrations([migration_from_text(sql, f"{i:04d}_m.sql")
                               for i, sql in enumerate(sqls, 1)], LintOptions())
    shown = [f for r in reports for s in r.statements for f in s.findings]
    assert "index-without-concurrently" in {f.rule for f in shown}
    timeouts = [f for f in shown if f.rule == "missing-lock-timeout"]
    assert timeouts and all(f.message and f.instead and f.why for f in timeouts)
    assert written.count("missing-lock-timeout") == len(timeouts)


# --- fix-speed43: work a statement cannot need --------------------------------------------


class _Untouchable:
    """A catalog no attribute of which may be read: what a fast path must not ask of."""

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"catalog.{name} read")


def test_an_index_of_columns_alone_is_judged_without_the_catalog() -> None:
    from lockwise.effects.postgres.indexes import not_immutable_refusal

    (stmt,) = parse_sql("CREATE INDEX a ON t (id, name DESC) INCLUDE (ts);").statements
    assert not_immutable_refusal(_Untouchable(), unwrap(stmt.tree)[1],  # type: ignore
                                 "public.t") == {}


_MADE_SETUP = ("CREATE TABLE t (id int, ts timestamptz);\n"
               "CREATE FUNCTION vf(int) RETURNS int VOLATILE LANGUAGE plpgsql\n"
               "    AS 'BEGIN RETURN $1; END';\n")


@pytest.mark.parametrize("sql", [
    "CREATE INDEX a ON t (id) WHERE ts > now()",  # a WHERE alone: still judged
    "CREATE INDEX a ON t (id) WHERE vf(id) > 0",
    "CREATE INDEX a ON t ((public.vf(id)))",  # a function the migrations made
    "CREATE INDEX a ON t (id, (vf(id)))",
    "CREATE INDEX a ON t (id)",
])
def test_an_index_with_an_expression_or_a_where_is_still_judged(pg_db: str, sql: str) -> None:
    from lockwise.effects.refused import statement_refusal
    from lockwise.lint import LintOptions, lint_migrations
    from server_helpers import server_message

    reports = lint_migrations([migration_from_text(_MADE_SETUP, "0001_setup.sql"),
                               migration_from_text(sql + ";", "0002_index.sql")],
                              LintOptions(), Catalog())
    (stmt,) = reports[-1].statements
    said = next((str(a.facts["refused_not_immutable_text"]) for a in stmt.effect.actions
                 if a.facts.get("refused_not_immutable")), "")
    assert (statement_refusal(stmt.effect) == "refused_not_immutable") == bool(said)
    assert said == server_message(pg_db, _MADE_SETUP, sql)


def _followed(sql: str, catalog: Catalog | None = None) -> Catalog:
    """`sql` replayed with its text: the routines it makes have their bodies followed."""
    catalog = Catalog() if catalog is None else catalog
    for stmt in parse_sql(sql).statements:
        apply_statement(catalog, stmt.tree, "0001", sql=stmt.sql)
    return catalog


def test_a_statement_calling_no_routine_keeps_no_search_path(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import lockwise.catalog.replay as replay

    catalog = _followed(_MADE_SETUP + "CREATE FUNCTION wf() RETURNS int LANGUAGE plpgsql\n"
                       "    AS 'BEGIN CREATE TABLE w (x int); RETURN 1; END';\n")
    kept: list[int] = []
    real = replay.path_kept

    def counted() -> object:
        kept.append(1)
        return real()

    monkeypatch.setattr(replay, "path_kept", counted)
    _followed("UPDATE t SET id = id + 1;", catalog)
    assert kept == []
    _followed("UPDATE t SET id = wf();", catalog)
    assert kept == [1] and "public.w" in catalog.tables


def test_the_path_a_body_sets_still_holds_for_the_next_call_and_its_tables(pg_db: str) -> None:
    import psycopg

    setup = ("CREATE SCHEMA other;\n"
             "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql\n"
             "    AS 'BEGIN SET search_path = other; RETURN 1; END';\n"
             "CREATE FUNCTION public.g() RETURNS int LANGUAGE plpgsql\n"
             "    AS 'BEGIN CREATE TABLE made (x int); RETURN 1; END';\n")
    call = "SELECT f(), public.g();"
    catalog = _followed(setup + call)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        drop = "DROP SCHEMA IF EXISTS other CASCADE; DROP TABLE IF EXISTS public.made;" \
            "DROP FUNCTION IF EXISTS public.f(); DROP FUNCTION IF EXISTS public.g();"
        conn.execute(drop)
        try:
            conn.execute(setup + call)
            (where,) = conn.execute("SELECT schemaname FROM pg_tables "
                                    "WHERE tablename = 'made'").fetchall()
        finally:
            conn.execute(drop)
    assert where == ("other",)
    assert "other.made" in catalog.tables and "public.made" not in catalog.tables


class _CountedIteration(dict):
    """A `kept_routines` that counts the walks of its names."""

    walks = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        _CountedIteration.walks += 1
        return super().__iter__()


def test_a_column_no_routine_uses_walks_no_routine() -> None:
    from lockwise.catalog.replay import routines_using_column

    catalog = _catalog("CREATE TABLE t (a int, b int);\n"
                       "CREATE FUNCTION fa() RETURNS int LANGUAGE sql\n"
                       "    BEGIN ATOMIC SELECT a FROM t; END;\n")
    catalog.kept_routines = _CountedIteration(catalog.kept_routines)
    _CountedIteration.walks = 0
    assert routines_using_column(catalog, "public.t", "b") == []
    assert _CountedIteration.walks == 0
    assert [r.name for r in routines_using_column(catalog, "public.t", "a")] == ["public.fa"]


def test_a_routine_made_later_is_found_using_its_column() -> None:
    from lockwise.catalog.replay import routines_using_column

    catalog = _catalog("CREATE TABLE t (a int, b int);\n"
                       "CREATE FUNCTION fa() RETURNS int LANGUAGE sql\n"
                       "    BEGIN ATOMIC SELECT a FROM t; END;\n")
    assert routines_using_column(catalog, "public.t", "b") == []
    (made,) = parse_sql("CREATE FUNCTION fb() RETURNS int LANGUAGE sql\n"
                        "    BEGIN ATOMIC SELECT b FROM t; END;").statements
    apply_statement(catalog, made.tree, "0002")
    assert [r.name for r in routines_using_column(catalog, "public.t", "b")] == ["public.fb"]
    (dropped,) = parse_sql("DROP FUNCTION fb();").statements
    apply_statement(catalog, dropped.tree, "0003")
    assert routines_using_column(catalog, "public.t", "b") == []


def test_a_drop_no_routine_is_built_on_walks_no_routine() -> None:
    """DROP TABLE u ... CASCADE when no routine's SQL-standard body reads u: the routines
    going are none at once, their names not walked (main sorted them at each DROP); a
    routine built on what goes is found, one made later too (the mapping replaced)."""
    from lockwise.catalog.replay import routines_built_on, routines_going

    catalog = _catalog("CREATE TABLE t (a int);\nCREATE TABLE u (b int);\n"
                       "CREATE FUNCTION ft() RETURNS int LANGUAGE sql\n"
                       "    BEGIN ATOMIC SELECT a FROM t; END;\n")
    catalog.kept_routines = _CountedIteration(catalog.kept_routines)
    _CountedIteration.walks = 0
    assert routines_built_on(catalog, "public.u") == []
    assert routines_going(catalog, columns={("public.u", "b")}) == []
    assert _CountedIteration.walks == 0
    assert [r.name for r in routines_built_on(catalog, "public.t")] == ["public.ft"]
    (made,) = parse_sql("CREATE FUNCTION fu() RETURNS int LANGUAGE sql\n"
                        "    BEGIN ATOMIC SELECT b FROM u; END;").statements
    apply_statement(catalog, made.tree, "0002")
    assert [r.name for r in routines_built_on(catalog, "public.u")] == ["public.fu"]
    assert [r.name for r in routines_going(catalog, columns={("public.u", "b")})] == \
        ["public.fu"]


def test_a_drop_cascade_finds_the_routines_built_on_it_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The replay of DROP TABLE ... CASCADE asks which routines are built on the table once
    (main: twice, once more for what calls them), and drops them and their callers."""
    import lockwise.catalog.replay as replay

    catalog = _catalog("CREATE TABLE t (a int);\n"
                       "CREATE FUNCTION ft() RETURNS int LANGUAGE sql\n"
                       "    BEGIN ATOMIC SELECT a FROM t; END;\n"
                       "CREATE VIEW v AS SELECT ft() AS x;\n")
    asked: list[str] = []
    built_on = replay.routines_built_on

    def counting(catalog: Catalog, name: str) -> list:
        asked.append(name)
        return built_on(catalog, name)

    monkeypatch.setattr(replay, "routines_built_on", counting)
    (drop,) = parse_sql("DROP TABLE t CASCADE;").statements
    apply_statement(catalog, drop.tree, "0002")
    assert asked == ["public.t"]
    assert "public.ft" not in catalog.kept_routines
    assert "public.v" not in catalog.tables


def test_a_dollar_tag_is_read_as_the_server_reads_one_for_every_character() -> None:
    """`_DOLLAR_CONSTANT` spells its tag's classes by the ASCII characters they leave out
    (cheap to compile): it reads what a tag of a letter, `_` or any character past ASCII,
    then digits too, reads, for every code point first and later in the tag."""
    import re

    from lockwise.parse.plpgsql import _DOLLAR_CONSTANT

    written = re.compile(r"\s*\$((?:[A-Za-z_\x80-\U0010ffff][\w\x80-\U0010ffff]*)?)"
                         r"\$(.*)\$\1\$\s*", re.DOTALL)

    def read(pattern: re.Pattern[str], text: str) -> tuple | None:
        found = pattern.fullmatch(text)
        return found.groups() if found else None

    for code in range(0x110000):
        char = chr(code)
        for text in (f"${char}$x${char}$", f"$a{char}$x$a{char}$"):
            assert read(_DOLLAR_CONSTANT, text) == read(written, text), hex(code)


def _noting_calls(monkeypatch: pytest.MonkeyPatch, asked: list[str], module: object,
                  name: str, note: Callable[..., str] | None = None) -> None:
    """`module.name` replaced by a stand-in that runs it and notes each call in `asked`:
    `note(*args)`, or where it is called from (`module`'s last name, then `name`)."""
    real = getattr(module, name)
    where = f"{module.__name__.rpartition('.')[2]}.{name}"  # type: ignore[attr-defined]

    def noted(*args: object, **kwargs: object) -> object:
        asked.append(note(*args) if note is not None else where)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, noted)


def test_the_graph_judges_no_where_for_an_index_and_finds_its_conflicts_all_the_same(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Whether an index serves an UPDATE's or DELETE's WHERE (`where_facts`) is read by rules
    # and lint's cost only: the graph, computing effects itself, never asks it; lint does,
    # and the conflicts of those statements (a column used, then dropped) are still found.
    import lockwise.effects.postgres.queries as queries
    from lockwise.cli.inputs import collect
    from lockwise.discover.versions import history_starts
    from lockwise.graph.api import history_conflicts
    from lockwise.lint import LintOptions, lint_migrations

    (tmp_path / "0001_a.sql").write_text("CREATE TABLE t (id int PRIMARY KEY, a int, b text);\n")
    (tmp_path / "0002_b.sql").write_text(
        "UPDATE t SET b = 'x' WHERE a > 1;\nDELETE FROM t WHERE b = 'y';\n")
    (tmp_path / "0003_c.sql").write_text("ALTER TABLE t DROP COLUMN a;\n")
    (tmp_path / "0004_d.sql").write_text("UPDATE t SET b = 'z' WHERE a = 2;\n")
    collected = collect([tmp_path], None)
    judged: list[str] = []
    _noting_calls(monkeypatch, judged, queries, "where_facts",
                  lambda catalog, table, stmt, kind, *rest: kind)
    conflicts = history_conflicts(collected.histories, pg_version=LintOptions().pg_version)
    assert judged == []
    assert [(c.kind, c.object) for c in conflicts] == [
        ("missing-object", "column:public.t.a")]
    reports = lint_migrations(collected.migrations, LintOptions(), None, None,
                              history_starts(collected.histories))
    assert judged == ["update", "delete", "update"]
    assert [s.effect.actions[0].facts["where_scans_table"]
            for s in reports[1].statements] == [True, True]


def test_the_graph_takes_no_lock_of_a_stored_regclass_constant_and_finds_its_drops_all_the_same(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The ACCESS SHARE a stored expression's regclass constants take is a lock, which only
    # rules read: the graph, computing effects itself, does not ask for it; lint does, and
    # the graph still finds each drop of what a default or a view names by such a constant.
    import lockwise.effects.postgres as dispatcher
    from lockwise.cli.inputs import collect
    from lockwise.discover.versions import history_starts
    from lockwise.effects.locks import LockMode
    from lockwise.graph.api import history_conflicts
    from lockwise.lint import LintOptions, lint_migrations

    (tmp_path / "0001_a.sql").write_text(
        "CREATE SEQUENCE s;\nCREATE TABLE u (x int);\n"
        "CREATE TABLE t (a int DEFAULT nextval('s'), b regclass DEFAULT 'u');\n")
    (tmp_path / "0002_b.sql").write_text("ALTER SEQUENCE s RENAME TO s2;\nDROP TABLE u;\n")
    (tmp_path / "0003_c.sql").write_text(
        "CREATE VIEW v AS SELECT pg_relation_size('s2'::regclass) AS n;\n")
    (tmp_path / "0004_d.sql").write_text("DROP SEQUENCE s2;\n")
    collected = collect([tmp_path], None)
    asked: list[str] = []
    _noting_calls(monkeypatch, asked, dispatcher, "lock_stored_regclass_constants",
                  lambda b, kind, stmt: kind)
    conflicts = history_conflicts(collected.histories, pg_version=LintOptions().pg_version)
    assert asked == []
    assert [(c.kind, c.object, [loc.migration for loc in c.locations]) for c in conflicts] == [
        ("dependency-dropped", "table:public.u", ["0001_a", "0002_b"]),
        ("dependency-dropped", "sequence:public.s2", ["0001_a", "0004_d"]),
        ("dependency-dropped", "sequence:public.s2", ["0003_c", "0004_d"])]
    reports = lint_migrations(collected.migrations, LintOptions(), None, None,
                              history_starts(collected.histories))
    assert "CreateStmt" in asked and "ViewStmt" in asked
    assert {t: m for t, m in reports[0].statements[2].effect.locks.items()
            if t != "public.t"} == {"public.s": LockMode.ACCESS_SHARE,
                                    "public.u": LockMode.ACCESS_SHARE}
    assert reports[2].statements[0].effect.locks.get("public.s2") == LockMode.ACCESS_SHARE


def test_the_graph_takes_no_lock_of_a_sequence_a_default_names_and_finds_its_drops_all_the_same(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The locks on the sequences a default names (stored: ACCESS SHARE; drawn by an ADD
    # COLUMN's rewrite or the rows an INSERT leaves to their default: ROW EXCLUSIVE) are
    # read by rules only: the graph, computing effects itself, asks for neither; lint does,
    # and the graph still finds the drop of a sequence a default draws from.
    import lockwise.effects.postgres.columns as columns
    import lockwise.effects.postgres.create as create
    import lockwise.effects.postgres.queries as queries
    from lockwise.cli.inputs import collect
    from lockwise.discover.versions import history_starts
    from lockwise.effects.locks import LockMode
    from lockwise.graph.api import history_conflicts
    from lockwise.lint import LintOptions, lint_migrations

    (tmp_path / "0001_a.sql").write_text(
        "CREATE SEQUENCE s;\nCREATE SEQUENCE r;\n"
        "CREATE TABLE t (id int DEFAULT nextval('s'), b text);\n")
    (tmp_path / "0002_b.sql").write_text(
        "INSERT INTO t (b) VALUES ('x');\nALTER TABLE t ADD COLUMN c int DEFAULT nextval('r');\n")
    (tmp_path / "0003_c.sql").write_text("DROP SEQUENCE s;\n")
    collected = collect([tmp_path], None)
    asked: list[str] = []
    for module, name in ((queries, "lock_drawn_sequences"), (create, "lock_default_sequences"),
                         (columns, "lock_default_sequences")):
        _noting_calls(monkeypatch, asked, module, name)
    conflicts = history_conflicts(collected.histories, pg_version=LintOptions().pg_version)
    assert asked == []
    assert [(c.kind, c.object, [loc.migration for loc in c.locations]) for c in conflicts] == [
        ("dependency-dropped", "sequence:public.s", ["0001_a", "0003_c"])]
    reports = lint_migrations(collected.migrations, LintOptions(), None, None,
                              history_starts(collected.histories))
    assert set(asked) == {"queries.lock_drawn_sequences", "create.lock_default_sequences",
                          "columns.lock_default_sequences"}
    insert, add = (s.effect.locks for s in reports[1].statements)
    assert insert.get("public.s") == LockMode.ROW_EXCLUSIVE
    assert add.get("public.r") == LockMode.ROW_EXCLUSIVE


def _graph_then_lint(tmp_path: Path, files: dict[str, str]) -> tuple[list, list]:
    """The conflicts of the history `files` (name -> text) as the graph finds them, then
    lint's reports of its migrations."""
    from lockwise.cli.inputs import collect
    from lockwise.discover.versions import history_starts
    from lockwise.graph.api import history_conflicts
    from lockwise.lint import LintOptions, lint_migrations

    for name, text in files.items():
        (tmp_path / name).write_text(text)
    collected = collect([tmp_path], None)
    conflicts = history_conflicts(collected.histories, pg_version=LintOptions().pg_version)
    return conflicts, lint_migrations(collected.migrations, LintOptions(), None, None,
                                      history_starts(collected.histories))


def test_the_graph_looks_for_no_foreign_key_partner_and_finds_its_conflicts_all_the_same(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The tables at the other end of a column's foreign keys (`_fk_partners`) only take the
    # ACCESS EXCLUSIVE lock and the re-validation scan a DROP COLUMN, a type change or a SET
    # EXPRESSION adds on them: rules read those, the graph never. The graph asks nothing and
    # still finds the use of the dropped column; lint asks, and its effects lock the partner.
    import lockwise.effects.postgres.columns as columns
    from lockwise.effects.locks import LockMode

    asked: list[str] = []
    _noting_calls(monkeypatch, asked, columns, "_fk_partners")
    conflicts, reports = _graph_then_lint(tmp_path, {
        "0001_a.sql": "CREATE TABLE p (id int PRIMARY KEY);\nCREATE TABLE c (id int, "
                      "p_id int REFERENCES p (id), q_id int REFERENCES p (id));\n",
        "0002_b.sql": "ALTER TABLE c ALTER COLUMN q_id TYPE bigint;\n"
                      "ALTER TABLE c DROP COLUMN p_id;\n",
        "0003_c.sql": "UPDATE c SET p_id = 1;\n"})
    assert [(c.kind, c.object, [loc.migration for loc in c.locations]) for c in conflicts] == [
        ("missing-object", "column:public.c.p_id", ["0002_b", "0003_c"])]
    assert asked == ["columns._fk_partners"] * 2  # (lint's, not the graph's)
    for statement in reports[1].statements:
        assert statement.effect.locks.get("public.p") == LockMode.ACCESS_EXCLUSIVE
    assert "public.p" in reports[1].statements[0].effect.scans


def test_the_graph_judges_no_key_running_out_and_finds_its_conflicts_all_the_same(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Whether an integer key column may run out of values (`key_pinned` by a CHECK, and
    # `references_narrow_key`: it references an int key) is read by rule prefer-bigint only:
    # the graph asks neither and still finds the refused drop of the referenced table; lint
    # asks both, and its facts say them.
    import lockwise.effects.postgres.columns as columns
    import lockwise.effects.postgres.create as create

    asked: list[str] = []
    for module, name in ((columns, "_pinned"), (columns, "references_narrow_key"),
                         (create, "references_narrow_key")):
        _noting_calls(monkeypatch, asked, module, name)
    conflicts, reports = _graph_then_lint(tmp_path, {
        "0001_a.sql": "CREATE TABLE p (id int PRIMARY KEY);\n"
                      "CREATE TABLE c (id int PRIMARY KEY CHECK (id = 1), "
                      "p_id int REFERENCES p (id),\n  q_id int, FOREIGN KEY (q_id) "
                      "REFERENCES p (id));\n",
        "0002_b.sql": "ALTER TABLE c ADD COLUMN r_id int REFERENCES p (id);\n",
        "0003_c.sql": "DROP TABLE p;\n"})
    assert [(c.kind, c.object, c.explanation.split(" while ")[1][:35]) for c in conflicts] == [
        ("dependency-dropped", "table:public.p", f"foreign key c_{column}_id_fkey on public.c")
        for column in "pqr"]
    # (lint's, not the graph's)
    assert asked == ["columns._pinned"] * 3 + ["columns.references_narrow_key",
                                               "columns._pinned",
                                               "create.references_narrow_key",
                                               "columns._pinned",
                                               "columns.references_narrow_key"]
    made = {a.facts["column"]: a.facts for s in reports[0].statements for a in s.effect.actions
            if a.kind == "define_column" and a.facts.get("table") == "public.c"}
    assert made["id"]["key_pinned"] is True
    assert made["p_id"]["references_narrow_key"] and made["q_id"]["references_narrow_key"]
    added = next(a.facts for a in reports[1].statements[0].effect.actions
                 if a.kind == "add_column")
    assert added["references_narrow_key"]


def test_the_graph_reads_no_trigger_function_for_the_views_it_refreshes_all_the_same(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The materialized views a trigger's function refreshes (its body read for REFRESH) are
    # facts of rule trigger-refreshes-matview only: the graph asks nothing and still finds
    # the refused drop of the function; lint's trigger refreshes the view.
    import lockwise.effects.postgres.triggers as triggers

    asked: list[str] = []
    _noting_calls(monkeypatch, asked, triggers, "refreshed_matviews")
    conflicts, reports = _graph_then_lint(tmp_path, {
        "0001_a.sql": "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS a;\nCREATE TABLE t (a int);\n"
                      "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                      "BEGIN REFRESH MATERIALIZED VIEW mv; RETURN NULL; END $$;\n",
        "0002_b.sql": "CREATE TRIGGER tr AFTER INSERT ON t EXECUTE FUNCTION f();\n",
        "0003_c.sql": "DROP FUNCTION f();\n"})
    assert [(c.kind, c.object, [loc.migration for loc in c.locations]) for c in conflicts] == [
        ("dependency-dropped", "function:public.f", ["0002_b", "0003_c"])]
    assert asked == ["triggers.refreshed_matviews"]  # (lint's, not the graph's)
    facts = reports[1].statements[0].effect.actions[0].facts
    assert facts["refreshes_matview"] and facts["refreshed_matviews_text"] == "public.mv"


def test_the_graph_names_no_deprecated_table_and_finds_its_refused_drop_all_the_same(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The names a table kept rather than dropped would take, and the statement that detaches
    # a partition first, are the advice of rules: the graph asks for neither and still finds
    # the drops a view and a foreign key refuse; lint's facts hold both.
    import lockwise.effects.postgres.drops as drops

    asked: list[str] = []
    for name in ("_deprecated_names", "_drop_partition_sql"):
        _noting_calls(monkeypatch, asked, drops, name)
    conflicts, reports = _graph_then_lint(tmp_path, {
        "0001_a.sql": "CREATE TABLE t (id serial PRIMARY KEY);\n"
                      "CREATE VIEW v AS SELECT id FROM t;\n"
                      "CREATE TABLE p (a int) PARTITION BY LIST (a);\n"
                      "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);\n"
                      "CREATE TABLE r (a int REFERENCES p1 (a));\n",
        "0002_b.sql": "DROP TABLE t;\nDROP TABLE p1;\n"})
    assert [(c.kind, c.object, [loc.migration for loc in c.locations]) for c in conflicts] == [
        ("dependency-dropped", "table:public.p1", ["0001_a", "0002_b"]),
        ("dependency-dropped", "table:public.t", ["0001_a", "0002_b"])]
    assert sorted(asked) == ["drops._deprecated_names", "drops._deprecated_names",
                             "drops._drop_partition_sql"]  # (lint's, not the graph's)
    t, p1 = (s.effect.actions[0].facts for s in reports[1].statements)
    assert t["deprecated_name"] == "t_deprecated" and "t_pkey" in t["deprecated_names_sql"]
    assert "DETACH PARTITION" in p1["drop_partition_sql"]


def test_the_graph_writes_no_backfill_of_a_renamed_enum_value_and_finds_its_drop_all_the_same(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The UPDATEs that move rows to a renamed enum label are the advice of a rule: the graph
    # asks for none and still finds the refused drop of the type a column uses; lint's fact
    # holds them.
    import lockwise.effects.postgres.user_types as user_types

    asked: list[str] = []
    _noting_calls(monkeypatch, asked, user_types, "_enum_backfill_sql")
    conflicts, reports = _graph_then_lint(tmp_path, {
        "0001_a.sql": "CREATE TYPE mood AS ENUM ('a', 'b');\nCREATE TABLE t (m mood);\n",
        "0002_b.sql": "ALTER TYPE mood RENAME VALUE 'a' TO 'c';\n",
        "0003_c.sql": "DROP TYPE mood;\n"})
    assert [(c.kind, c.object, [loc.migration for loc in c.locations]) for c in conflicts] == [
        ("dependency-dropped", "type:public.mood", ["0001_a", "0003_c"])]
    assert asked == ["user_types._enum_backfill_sql"]  # (lint's, not the graph's)
    assert "UPDATE" in reports[1].statements[0].effect.actions[0].facts["enum_backfill_sql"]


#: What `lockwise fix`'s expand / contract rewrite of a type change or a column rename reads of
#: the column (its indexes, constraints, dependents, NOT NULL and default): no rule reads it.
_EXPAND_CONTRACT_READS = ("column_index_facts", "column_constraints", "column_dependents",
                          "column_not_null_name", "table_constraint_names")
_EXPAND_CONTRACT_FILES = {
    "0001_a.sql": "CREATE TABLE t (id int PRIMARY KEY, a int NOT NULL DEFAULT 0, b int);\n"
                  "CREATE INDEX t_a_idx ON t (a);\nCREATE INDEX t_b_idx ON t (b);\n"
                  "CREATE POLICY t_b ON t USING (b > 0);\n",
    "0002_b.sql": "ALTER TABLE t ALTER COLUMN a TYPE bigint;\n"
                  "ALTER TABLE t RENAME COLUMN b TO c;\n",
    "0003_c.sql": "UPDATE t SET b = 1;\n"}


def _asking_expand_contract(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The calls of `_EXPAND_CONTRACT_READS`, wherever the effect model binds them."""
    import importlib

    asked: list[str] = []
    for family in ("columns", "renames", "expand_contract"):
        module = importlib.import_module(f"lockwise.effects.postgres.{family}")
        for name in _EXPAND_CONTRACT_READS:
            if hasattr(module, name):
                _noting_calls(monkeypatch, asked, module, name, lambda *args, n=name: n)
    return asked


def _findings(reports: list) -> list[tuple]:
    return [(f.rule, f.message, f.instead, f.span) for r in reports
            for f in (*r.findings, *(f for s in r.statements for f in s.findings))]


def test_lint_beside_the_graph_reads_nothing_for_an_expand_contract_and_judges_the_same(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Lint whose reports keep only what is printed (`release`: the forked parent's, beside
    # the graph) asks nothing only `lockwise fix` reads, and its findings are those of a lint
    # that asks (as fix's does, or the one feeding the graph); its facts hold them.
    from lockwise.cli.inputs import collect
    from lockwise.discover.versions import history_starts
    from lockwise.lint import LintOptions, lint_migrations

    for name, text in _EXPAND_CONTRACT_FILES.items():
        (tmp_path / name).write_text(text)
    collected = collect([tmp_path], None)
    asked = _asking_expand_contract(monkeypatch)

    def lint(release: bool) -> list:
        return lint_migrations(collected.migrations, LintOptions(), None, None,
                               history_starts(collected.histories), release=release)

    released = lint(True)
    assert asked == []
    kept = lint(False)
    assert sorted(set(asked)) == sorted(_EXPAND_CONTRACT_READS)
    assert _findings(released) == _findings(kept)
    assert {f[0] for f in _findings(kept)} >= {"column-type-change-rewrites", "rename-column"}
    change, rename = (s.effect.actions[0].facts for s in kept[1].statements)
    assert [i.name for i in change["column_indexes"]] == ["public.t_a_idx"]
    assert change["column_not_null"] and str(change["column_default_sql"]) == "0"
    assert rename["column_dependents"] == ("policy t_b",)


def test_fix_still_rewrites_a_type_change_with_what_lint_beside_the_graph_skips(
        tmp_path: Path) -> None:
    # `lockwise fix` lints without `release`: its expand / contract plan rebuilds the index
    # over the new column, and declines the rename a policy reads.
    from lockwise.cli.inputs import collect
    from lockwise.fix.settle import plan_migrations
    from lockwise.lint import LintOptions

    for name, text in _EXPAND_CONTRACT_FILES.items():
        (tmp_path / name).write_text(text)
    planned = plan_migrations(collect([tmp_path], None).migrations, LintOptions())
    plan = planned[1].plan
    assert plan is not None
    text = "\n".join(step for part in plan.parts for step in part.statements)
    assert "CREATE INDEX CONCURRENTLY" in text and "t_a_idx_new" in text
    assert any("policy t_b" in note for note in plan.notes), plan.notes


def test_the_graph_reads_nothing_for_an_expand_contract_and_finds_its_conflicts_all_the_same(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The graph computing effects itself asks nothing only `lockwise fix` reads, and still
    # finds the UPDATE of the renamed column; lint (feeding no forked graph) asks.
    asked = _asking_expand_contract(monkeypatch)
    conflicts, _ = _graph_then_lint(tmp_path, _EXPAND_CONTRACT_FILES)
    assert [(c.kind, c.object, [loc.migration for loc in c.locations]) for c in conflicts] == [
        ("missing-object", "column:public.t.b", ["0002_b", "0003_c"])]
    assert sorted(set(asked)) == sorted(_EXPAND_CONTRACT_READS)  # (lint's, not the graph's)
    assert len(asked) == 2 * len(_EXPAND_CONTRACT_READS)


#: Statements lint's rewrites print through pglast's objects (the deparse route), with the
#: rule of the finding and what the effect model says of them (of a table `t` made before).
_DEPARSED_BY_LINT = [
    ("ALTER TABLE t\n    ADD COLUMN u text UNIQUE", "add-column-with-constraint",
     {"column_constraint_names": {"u": ("t_u_key",)}}),
    ("ALTER TABLE t ADD COLUMN c uuid NOT NULL DEFAULT gen_random_uuid()",
     "add-column-volatile-default",
     {"rewriting_columns": ("c",), "not_null_checks": {"c": "t_c_not_null_check"},
      "not_null_constraints": {"c": "t_c_not_null"}}),
]


def _rewrites_parsing(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the rewrites parse from now on (`patterns._parsed_statement`), in order."""
    import lockwise.fix.patterns as patterns

    parsed: list[str] = []
    real = patterns._parsed_statement

    def counting(text: str) -> object:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(patterns, "_parsed_statement", counting)
    return parsed


@pytest.mark.parametrize(("sql", "rule", "facts"), _DEPARSED_BY_LINT)
def test_a_deparsed_rewrite_given_the_tree_parses_nothing_and_writes_the_same(
        sql: str, rule: str, facts: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given the statement's tree (lint has it), the deparse route builds its nodes from it
    # rather than parsing the text again; the rewrite is the one written from the text, and
    # the tree is left as it was (lint keeps it).
    import copy

    import lockwise.fix.patterns as patterns

    tree = parse_sql(sql).statements[0].tree
    kept = copy.deepcopy(tree)
    from_text = patterns.rewrite(sql, {rule}, dict(facts))
    parsed = _rewrites_parsing(monkeypatch)
    from_tree = patterns.rewrite(sql, {rule}, dict(facts), tree)
    assert parsed == []
    assert tree == kept
    assert from_text is not None and from_tree is not None and from_tree.in_order() != []
    assert (from_tree.main, from_tree.alone, from_tree.later, from_tree.notes,
            from_tree.declined) == (from_text.main, from_text.alone, from_text.later,
                                    from_text.notes, from_text.declined)


def test_lint_writes_a_deparsed_rewrite_without_parsing_its_statement_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Lint's findings on such statements print the same advice as before, with no parse of
    # the statement's text by the rewrite.
    import lockwise.fix.alternative as _alternative
    import lockwise.fix.patterns as patterns
    from lockwise.lint import LintOptions, lint_migrations

    made = migration_from_text("CREATE TABLE t (id bigint);\n", "0001_a.sql")
    migration = migration_from_text("".join(f"{sql};\n" for sql, _, _ in _DEPARSED_BY_LINT),
                                    "0002_b.sql")
    parsed = _rewrites_parsing(monkeypatch)
    reports = lint_migrations([made, migration], LintOptions(), None, None)
    assert parsed == []
    advice = {f.rule: f.instead for f in reports[1].all_findings}
    for sql, rule, facts in _DEPARSED_BY_LINT:
        pieces = patterns.rewrite(sql, {rule}, {**facts, "pg_version": LintOptions().pg_version})
        assert pieces is not None
        assert advice[rule] == _alternative.alternative_text(pieces)


def test_a_drop_lists_no_referencing_tables_and_what_reads_them_still_says_them() -> None:
    # No rule nor printer read the tables referencing a dropped table or view (a fact
    # `referenced_by` each DROP looked up): a DROP computes it no more. What is about those
    # tables still says them: the foreign keys CASCADE drops, and TRUNCATE ... CASCADE's
    # tables, whose message reads its own `referenced_by`.
    from lockwise.lint import LintOptions, lint_migrations

    made = migration_from_text(
        "CREATE TABLE p (id bigint PRIMARY KEY);\n"
        "CREATE TABLE t (id bigint, p_id bigint REFERENCES p);\n"
        "CREATE VIEW v AS SELECT id FROM p;\n", "0001_a.sql")
    dropping = migration_from_text(
        "TRUNCATE p CASCADE;\nDROP VIEW v;\nDROP TABLE p CASCADE;\n", "0002_b.sql")
    report = lint_migrations([made, dropping], LintOptions(), None, None)[1]
    truncate, view, table = (s.effect.actions[0] for s in report.statements)
    assert (view.kind, table.kind) == ("drop_view", "drop_table")
    assert "referenced_by" not in view.facts and "referenced_by" not in table.facts
    assert truncate.facts["referenced_by"] == ("public.t",)
    messages = {f.rule: f.message for f in report.all_findings}
    assert "(public.t)" in messages["truncate-cascade"]
    assert "the foreign key t_p_id_fkey on t" in messages["cascade-drops-dependents"]
    assert {"drop-table", "drop-object"} <= set(messages)


def test_the_references_written_are_read_only_for_a_narrow_key(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # fix-speed52: the foreign keys written with their columns (prefer-bigint's references)
    # are worked out only when a 32-bit key-like column asks for them, once per migration;
    # a migration of bigint keys reads none. The advice is unchanged.
    import lockwise.effects.session as session_module
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    calls: list[int] = []
    written = session_module._references_written

    def counted(index: int, kind: str, stmt: dict) -> list:
        calls.append(index)
        return written(index, kind, stmt)

    monkeypatch.setattr(session_module, "_references_written", counted)

    def advice(sql: str) -> dict[str, str]:
        report = lint_migrations([migration_from_text(sql, "0001_m.sql")], LintOptions(),
                                 Catalog())[-1]
        return {f.message.split(" is ", 1)[0]: f.instead for f in report.all_findings
                if f.rule == "prefer-bigint"}

    wide = "".join(f"CREATE TABLE t{i} (id bigint PRIMARY KEY, a_id bigint REFERENCES t0);\n"
                   for i in range(5))
    assert advice(wide) == {}
    assert calls == []
    narrow = ("CREATE TABLE accounts (id serial PRIMARY KEY, email text);\n"
              "CREATE TABLE orders (id integer PRIMARY KEY, account_id int REFERENCES accounts);\n"
              "ALTER TABLE orders ADD COLUMN buyer_id int REFERENCES accounts;\n")
    assert advice(narrow)["public.accounts.id"].splitlines() == [
        "id bigint GENERATED BY DEFAULT AS IDENTITY",
        "-- and account_id bigint in orders, which references it: widen both, or neither",
        "-- and buyer_id bigint in orders, which references it: widen both, or neither"]
    assert sorted(calls) == [0, 1, 2], calls  # each statement once, for both narrow keys


#: (a partial index's WHERE, an UPDATE's WHERE, whether the index serves it: on 18.6 by
#: EXPLAIN with sequential scans off, fix-speed52; whether the proof is tried)
PROOFS = [
    ("c > 10", "b = 5", False, False),
    ("c > 10", "b = 5 AND a = 3", False, False),
    ("c IN (1, 2)", "b = 5 AND a = 1", False, False),
    ("c > 10", "b = 5 AND c > 20", True, True),
    # (an empty AND is proven by any WHERE, an empty OR proves any index's)
    ("c <> ALL ('{}')", "b = 5", True, True),
    ("c > 10", "b = 5 AND a = ANY ('{}')", True, True),
]


@pytest.mark.parametrize(("index", "where", "serves", "tried"), PROOFS)
def test_a_partial_index_is_proven_only_from_a_where_reading_its_columns(
        monkeypatch: pytest.MonkeyPatch, index: str, where: str, serves: bool,
        tried: bool) -> None:
    # fix-speed52: a partial index's WHERE whose every part reads a column is proven
    # (`_implied`) only from a query WHERE reading one of those columns; no other can prove
    # it. Where one does, or a part reads none, the proof is still judged.
    import lockwise.effects.postgres.where_index as where_index
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    proofs: list[object] = []
    implied = where_index._implied

    def counted(required: object, conditions: list[object], target: object) -> bool:
        proofs.append(required)
        return implied(required, conditions, target)  # type: ignore[arg-type]

    monkeypatch.setattr(where_index, "_implied", counted)
    setup = ("CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, c int);\n"
             f"CREATE INDEX t_p ON t (b) WHERE {index};\n")
    reports = lint_migrations([migration_from_text(setup, "0001_m.sql"),
                               migration_from_text(f"UPDATE t SET id = id WHERE {where};\n",
                                                   "0002_m.sql")],
                              LintOptions(pg_version=18), Catalog())
    facts = reports[-1].statements[-1].effect.actions[0].facts
    assert facts["where_scans_table"] is not serves
    assert bool(proofs) is tried


# --- fix-speed53: judging and advice --------------------------------------------------------


def _instead_templates() -> list[str]:
    """Every `instead` template of the rules lockwise ships, each once."""
    from lockwise.rules.loader import load_rules

    found = [t for rule in load_rules(examples=False)
             for t in (rule.instead, rule.instead_outside_transaction, rule.instead_mysql) if t]
    return list(dict.fromkeys(found))


def _reference_instead(template: str, facts: dict) -> str | None:
    """`render_instead` as it was written before its pieces were joined: the fact lines
    dropped line by line, the template cut into words and written piece by piece (None: a
    template `render_instead` leaves to `render`)."""
    from lockwise.rules import instead

    if "\n{" in template or "\n-- {" in template:
        template = "\n".join(
            line for line in template.split("\n")
            if not ((bare := line.removeprefix("-- "))[:1] == "{" and bare[-1:] == "}"
                    and facts.get(bare[1:-1]) == ""))
    quoting = instead._QUOTING[facts["dialect"]]
    try:
        cut = instead.runs(template)
    except ValueError:
        return None
    out = []
    for run in cut:
        if instead._builds_a_name(run):
            text = instead._built(run)(facts, quoting)
            out.append(instead._text(run) if text is None else text)
            continue
        for part in run:
            if isinstance(part, str):
                out.append(part)
                continue
            text = (instead.SQL_FACTS.get(part[0]) or instead._raw(part[0]))(facts, quoting)
            out.append(instead._text([part]) if text is None else text)
    return "".join(out)


def _fields(template: str) -> list[str]:
    from _string import formatter_parser

    try:
        return [key for _, key, _, _ in formatter_parser(template) if key]
    except ValueError:
        return []


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_an_instead_template_joined_between_its_facts_writes_what_its_words_wrote(
        dialect: str) -> None:
    # An `instead` template is cut into words only to find the names it builds; its literal
    # text is then one piece between two facts (a template's fifty pieces are seven), and
    # every rule's advice reads as it did, its fact lines dropped alike (every third fact
    # empty, as a statement without the fact leaves it).
    from lockwise.rules.instead import _fact_lines, _pieces, render_instead

    written = 0
    for template in _instead_templates():
        fields = _fields(template)
        facts: dict = {key: "" if i % 3 == 2 else f"Some{i}.Name{i}"
                       for i, key in enumerate(dict.fromkeys(fields))}
        facts.update(dialect=dialect, columns=("a", "Mixed Case"), tables=("public.T",))
        expected = _reference_instead(template, facts)
        if expected is None:
            continue
        assert render_instead(template, facts) == expected, template
        written += 1
        pieces = _pieces(template) or []
        assert not any(isinstance(a, str) and isinstance(b, str)
                       for a, b in zip(pieces, pieces[1:], strict=False)), template
        if "\n{" in template or "\n-- {" in template:
            assert _fact_lines(template) is _fact_lines(template)  # (cut once)
        else:
            assert _fact_lines(template) is None
    assert written > 100


def test_superseding_is_asked_only_of_a_rule_it_may_drop_and_still_drops_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Another finding's alternative is run only for the findings of a rule
    # `superseded_by_alternatives` (missing-lock-timeout), each rule once: a statement with
    # none of them (lock_timeout SET) asks nothing; a CREATE INDEX still has its finding
    # dropped, and a DO block running two builds (on two lines) keeps it.
    import lockwise.lint
    from lockwise.discover.layouts import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    asked: list[tuple[str, bool]] = []
    clears = lockwise.lint._alternative_clears

    def counted(rule, alternative: str, *rest, **named) -> bool:  # noqa: ANN001
        answer = clears(rule, alternative, *rest, **named)
        asked.append((rule.rules[0].id, answer))
        return answer

    monkeypatch.setattr(lockwise.lint, "_alternative_clears", counted)
    sqls = ["CREATE TABLE t (a int, b int);",
            "CREATE INDEX t_a ON t (a);",
            "DO $$\nBEGIN\n  CREATE INDEX t_b ON t (b);\n  CREATE INDEX t_ab ON t (a, b);\n"
            "END $$;",
            "SET lock_timeout = '1s';\n"
            "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT random()::int;"]
    reports = lint_migrations([migration_from_text(sql, f"{i:04d}_m.sql")
                               for i, sql in enumerate(sqls, 1)], LintOptions())
    shown = [sorted(f.rule for s in r.statements for f in s.findings) for r in reports]
    assert shown == [[], ["index-without-concurrently"],
                     ["index-without-concurrently", "missing-lock-timeout"],
                     ["add-column-volatile-default", "missing-statement-timeout"]]
    assert asked == [("missing-lock-timeout", True)]

def _computed(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> list[tuple]:
    """The arguments `module`'s function `name` is run with from now on (each run, not each
    ask: a kept answer is not run again), filled while the test runs."""
    found = getattr(module, name)
    runs: list[tuple] = []

    def counted(*args: object) -> object:
        runs.append(args)
        return found(*args)

    monkeypatch.setattr(module, name, counted)
    return runs


def test_a_routine_body_is_searched_for_calls_once_while_the_schema_stays(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # fix-speed55: whether following a routine changes the catalog (`_changes_nothing`), and
    # the routines a statement of its body calls (`called_routines`), were found again at
    # each statement calling it: they are kept while the schema stays as it is
    # (`Catalog.found_per_schema`, the catalog's `version_memo`) ...
    import lockwise.catalog.replay as replay
    import lockwise.catalog.routines as routines
    from lockwise.catalog import model

    monkeypatch.setattr(model, "CHECK_CALLERS", False)  # (the tests' finding again)
    monkeypatch.setattr(replay, "CHECK_CALLERS", False, raising=False)
    catalog = Catalog()

    def run(sql: str) -> None:
        apply_statement(catalog, parse_sql(sql).statements[0].tree, "0001", sql=sql)

    for sql in ("CREATE TABLE t (a int)", "CREATE TABLE log (a int)",
                "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT 1'",
                "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\n"
                "BEGIN INSERT INTO log VALUES (g()); RETURN 1; END $$"):
        run(sql)
    searched = _computed(monkeypatch, routines, "_called_routines")
    for _ in range(3):
        run("SELECT f()")
    # (each SELECT f(); f's INSERT and the SELECT of its RETURN, g's SELECT 1: once each)
    assert [kind for _, kind, _ in searched].count("InsertStmt") == 1
    assert len(searched) == 6 and len({id(body) for _, _, body in searched}) == 6
    # ... and found again once it changes: a trigger on log now runs h, whose ALTER TABLE
    # the replay follows at the next call of f.
    run("CREATE FUNCTION h() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN ALTER TABLE t ADD COLUMN z int; RETURN NEW; END $$")
    run("SELECT f()")
    assert "z" not in catalog.tables["public.t"].columns
    run("CREATE TRIGGER log_h AFTER INSERT ON log FOR EACH ROW EXECUTE FUNCTION h()")
    run("SELECT f()")
    assert "z" in catalog.tables["public.t"].columns


def test_the_keys_a_delete_fires_are_found_once_while_the_schema_stays(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # fix-speed55: the effect model asks which foreign keys a DELETE fires, then the
    # routines its triggers run ask again (`_trigger_routines`): found once while the schema
    # stays as it is, and again once it changes (the key dropped: its table no longer
    # locked).
    import lockwise.catalog.key_actions as key_actions
    import lockwise.catalog.replay as replay
    from lockwise.catalog import model
    from lockwise.core.types import LockMode
    from lockwise.lint import lint_migrations

    setup = ("CREATE TABLE p (id int PRIMARY KEY);\n"
             "CREATE TABLE c (id int, p_id int CONSTRAINT c_p REFERENCES p ON DELETE CASCADE);\n"
             "CREATE FUNCTION note() RETURNS trigger LANGUAGE plpgsql AS $$\n"
             "BEGIN RETURN OLD; END $$;\n"
             "CREATE TRIGGER c_note AFTER DELETE ON c FOR EACH ROW EXECUTE FUNCTION note();\n")
    deletes = "".join(f"DELETE FROM p WHERE id = {i};\n" for i in range(3))
    monkeypatch.setattr(model, "CHECK_CALLERS", False)  # (the tests' finding again)
    monkeypatch.setattr(replay, "CHECK_CALLERS", False, raising=False)
    asked = _computed(monkeypatch, key_actions, "key_actions")
    sql = setup + deletes + "ALTER TABLE c DROP CONSTRAINT c_p;\n" + deletes
    statements = lint_migrations([migration_from_text(sql, "0001_m.sql")])[0].statements
    assert [args[1:3] for args in asked] == [("public.p", "delete")] * 2
    locked = [s.effect.locks.get("public.c") for s in statements
              if s.statement.sql.startswith("DELETE")]
    assert locked == [LockMode.ROW_EXCLUSIVE] * 3 + [None] * 3


def test_the_schema_memo_is_let_go_when_the_replay_cannot_follow_a_change() -> None:
    # fix-speed55: what is kept while the schema stays as it is (`version_memo`) goes when
    # the schema changes outside a statement the replay applies: temporary tables going at
    # the session's or transaction's end, and code the replay cannot follow (`reshaped`).
    from lockwise.catalog.replay import end_session, end_transaction

    catalog = Catalog()
    for sql in ("CREATE TEMP TABLE s (a int)", "CREATE TEMP TABLE d (a int) ON COMMIT DROP"):
        apply_statement(catalog, parse_sql(sql).statements[0].tree, "0001", sql=sql)
    kept = {("", "kept"): (None, 1)}
    catalog.version_memo = dict(kept)
    catalog.reshaped(set())  # (nothing reshaped: kept)
    assert catalog.version_memo == kept
    end_transaction(catalog)
    assert catalog.version_memo is None and "pg_temp.d" not in catalog.tables
    catalog.version_memo = dict(kept)
    end_session(catalog)
    assert catalog.version_memo is None and "pg_temp.s" not in catalog.tables
    catalog.version_memo = dict(kept)
    catalog.reshaped({"public.t"})
    assert catalog.version_memo is None

#: Statements whose trees hold lists in lists, subqueries, WITH queries, casts and calls.
_WALKED_SQL = """
WITH c AS (SELECT id FROM ONLY app.t WHERE x IN (1, 2, 3))
UPDATE u SET n = lower(coalesce(m::text, 'a')) FROM c
  WHERE u.id = c.id AND EXISTS (SELECT 1 FROM v WHERE v.k = u.k FOR UPDATE) RETURNING now();
CREATE TABLE w (id bigint DEFAULT nextval('w_seq'::regclass) PRIMARY KEY,
  CONSTRAINT w_pos CHECK (id > 0), n int CONSTRAINT w_n NOT NULL);
CREATE VIEW r AS SELECT a.id, count(*) OVER (PARTITION BY b.k) FROM a JOIN b USING (id)
  WHERE a.z BETWEEN 1 AND f(2) UNION ALL SELECT 1, 2 FROM ONLY pg_temp_3.q;
"""


def test_bodies_of_a_kind_are_the_walks_in_its_order() -> None:
    # fix-speed54: `bodies_of_kind` is `walk` filtered to one kind, without a generator step
    # per node; callers rely on its order (the first nextval, routines called in order).
    from lockwise.effects.nodes import bodies_of_kind, walk

    trees = [stmt.tree for stmt in parse_sql(_WALKED_SQL).statements]
    assert len(trees) == 3
    for tree in [*trees, trees, {"k": [[tree] for tree in trees]}, None, [], "text"]:
        kinds = {kind for kind, _ in walk(tree)}
        for kind in [*kinds, "NoSuchNode", "relname"]:
            walked = [body for k, body in walk(tree) if k == kind]
            assert list(bodies_of_kind(tree, kind)) == walked
            assert list(bodies_of_kind(tree, kind)) == walked  # (remembered)
    # (an UPDATE's own table is a bare `relation`, no RangeVar node)
    assert [b["relname"] for b in bodies_of_kind(trees[0], "RangeVar")] == ["t", "c", "v"]


def test_the_relations_named_once_are_those_asked_of_each() -> None:
    # fix-speed54: `_relations` names each RangeVar once (`range_var`), for both the tables
    # read and those written with ONLY; a WITH query's name read with ONLY still counts as
    # written with ONLY, as before, and is no table read.
    from lockwise.effects import nodes

    sql = ("WITH c AS (SELECT 1) SELECT * FROM ONLY c, ONLY t, u, app.x, ONLY app.y, "
           "pg_temp_2.z")
    tree = parse_sql(sql).statements[0].tree
    read = [body for kind, body in nodes.walk(tree) if kind == "RangeVar"]
    assert nodes.relations_in(tree) == list(dict.fromkeys(
        nodes.range_var(body)[0] for body in read if body["relname"] != "c"))
    assert sorted(nodes.relations_in(tree)) == ["app.x", "app.y", "pg_temp.z", "public.t",
                                                "public.u"]
    assert nodes.only_relations(tree) == {"public.c", "public.t", "app.y"}
    # a copy changed (a new node): its own answer, not the one remembered for the first
    changed = parse_sql(sql.replace("ONLY t", "ONLY s")).statements[0].tree
    assert "public.s" in nodes.relations_in(changed)
    assert nodes.only_relations(changed) == {"public.c", "public.s", "app.y"}
    assert nodes.only_relations(tree) == {"public.c", "public.t", "app.y"}


def test_a_written_schema_is_kept_without_asking_the_search_path() -> None:
    # fix-speed54: `range_var` answers a name written with its schema itself; the resolver
    # (the search_path in force) is asked only of unqualified ones, as `qualified` asks it.
    from lockwise.effects import nodes

    asked: list[str] = []

    def resolver(name: str, create: bool) -> str:
        asked.append(name)
        return "first"

    previous = nodes.use_resolver(resolver)
    try:
        assert nodes.range_var({"RangeVar": {"schemaname": "app", "relname": "t"}}) == \
            ("app.t", True)
        assert nodes.range_var({"schemaname": "app", "relname": "t"}, create=True) == \
            ("app.t", True)
        # (an empty schema is `public`, as `qualified` writes it, unasked)
        assert nodes.range_var({"schemaname": "", "relname": "t"}) == ("public.t", True)
        assert nodes.range_var({"relname": "t"}) == ("first.t", False)
        assert nodes.range_var({"schemaname": "pg_temp_7", "relname": "t"}) == \
            ("pg_temp.t", True)
    finally:
        nodes.use_resolver(previous)
    assert asked == ["t"]


def test_the_bodies_remembered_are_the_nodes_own_and_few() -> None:
    # fix-speed54: `bodies_of_kind` remembers its answer by the node itself: the same node
    # asked again gets the same bodies (not walked again), an equal tree of another
    # statement its own bodies, a changed copy the bodies of the change; a node asked of
    # one kind is walked anew for another; and only the last 64 nodes are held.
    from lockwise.effects import nodes

    tree = parse_sql("SELECT f(a), g(b) FROM t").statements[0].tree
    first = nodes.bodies_of_kind(tree, "FuncCall")
    assert [nodes.strings(c["funcname"]) for c in first] == [["g"], ["f"]]
    assert nodes.bodies_of_kind(tree, "FuncCall") is first
    other = parse_sql("SELECT f(a), g(b) FROM t").statements[0].tree
    assert other == tree
    again = nodes.bodies_of_kind(other, "FuncCall")
    assert again == first and all(a is not b for a, b in zip(again, first, strict=True))
    changed = {"SelectStmt": {**tree["SelectStmt"], "targetList": tree["SelectStmt"][
        "targetList"][:1]}}
    assert [nodes.strings(c["funcname"]) for c in nodes.bodies_of_kind(changed, "FuncCall")] \
        == [["f"]]
    assert [c["fields"][0]["String"]["sval"]
            for c in nodes.bodies_of_kind(tree, "ColumnRef")] == ["b", "a"]
    for _ in range(80):  # (other statements' nodes, asked since)
        nodes.bodies_of_kind(parse_sql("SELECT h(1)").statements[0].tree, "FuncCall")
    held = nodes._bodies_found["FuncCall"]._entries
    assert len(held) == 64
    assert all(entry[0] is not tree for entry in held.values())
    assert nodes.bodies_of_kind(tree, "FuncCall") is not first
    assert nodes.bodies_of_kind(tree, "FuncCall") == first


# --- where-without-index: batches judged only where they are written ------------------------


def _lint_judging_batches(monkeypatch: pytest.MonkeyPatch, sql: str) -> tuple[list, int]:
    """The findings of `sql` as one migration, and how often lint judged whether batches of
    an UPDATE or DELETE would read otherwise than the whole statement."""
    from lockwise.discover.layouts import migration_from_text
    from lockwise.executor import batches
    from lockwise.lint import LintOptions, lint_migrations

    asked = 0
    judge = batches.batches_read_otherwise

    def counted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        nonlocal asked
        asked += 1
        return judge(*args, **kwargs)

    monkeypatch.setattr(batches, "batches_read_otherwise", counted)
    # (the table made by a migration before: a table of this migration has no rows to scan)
    reports = lint_migrations([migration_from_text(_BATCH_TABLE, "0001_t.sql"),
                               migration_from_text(sql, "0002_m.sql")], LintOptions())
    return [f for s in reports[-1].statements for f in s.findings], asked


_BATCH_TABLE = ("CREATE TABLE t (id bigint PRIMARY KEY, a int, b int);\n"
                "CREATE INDEX t_a ON t (a);\n")


def test_an_update_whose_where_an_index_serves_judges_no_batches(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # (no where-without-index finding, so no batches are written: nothing to judge)
    findings, asked = _lint_judging_batches(
        monkeypatch, "UPDATE t SET b = 1 WHERE a = 2;\n")
    assert "where-without-index" not in {f.rule for f in findings}
    assert asked == 0


def test_an_unindexed_update_still_says_why_its_batches_would_differ(
        monkeypatch: pytest.MonkeyPatch) -> None:
    findings, asked = _lint_judging_batches(
        monkeypatch, "UPDATE t SET b = b + 1 WHERE b > (SELECT avg(b) FROM t);\n")
    unindexed = [f for f in findings if f.rule == "where-without-index"]
    assert asked >= 1 and unindexed
    assert "each would read what the batches before it wrote" in unindexed[0].instead
    findings, asked = _lint_judging_batches(
        monkeypatch, "UPDATE t SET a = 1 WHERE b = 2;\n")
    unindexed = [f for f in findings if f.rule == "where-without-index"]
    assert asked >= 1 and "in batches by id" in unindexed[0].instead



@pytest.mark.parametrize("sql", ["UPDATE t SET a = 1 WHERE b = 2;\n",
                                 "DELETE FROM t WHERE b = 2;\n"])
def test_an_unindexed_statement_batched_by_key_judges_its_batches_once(
        monkeypatch: pytest.MonkeyPatch, sql: str) -> None:
    """What its batches would read is judged once for where-without-index's advice: why
    they could not run (`_unbatchable`) found nothing, so whether `lockwise apply` batches it
    (`_batch_how`) asks only its form again (fix-speed60; twice on main)."""
    findings, asked = _lint_judging_batches(monkeypatch, sql)
    unindexed = [f for f in findings if f.rule == "where-without-index"]
    assert "in batches by id" in unindexed[0].instead
    assert asked == 1


def test_an_unindexed_update_with_returning_is_still_batched_by_hand(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Its form still counts where its batches read as it does: `lockwise apply` batches no
    RETURNING, so the advice gives no marked statement for it."""
    findings, _ = _lint_judging_batches(monkeypatch, "UPDATE t SET a = 1 WHERE b = 2 "
                                                     "RETURNING id;\n")
    plain, _ = _lint_judging_batches(monkeypatch, "UPDATE t SET a = 1 WHERE b = 2;\n")
    returning = [f for f in findings if f.rule == "where-without-index"][0].instead
    marked = [f for f in plain if f.rule == "where-without-index"][0].instead
    assert "with `lockwise apply`, mark the statement" in marked
    assert "with `lockwise apply`, mark the statement" not in returning


# --- the JSON report ---------------------------------------------------------------------------

_JSON_LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10 ** 30), max_value=10 ** 30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=8))
_JSON_KEYS = st.one_of(st.text(max_size=6), st.integers(min_value=-99, max_value=99),
                       st.floats(allow_nan=False, width=16), st.booleans(), st.none())
_JSON_VALUES = st.recursive(
    _JSON_LEAVES, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(_JSON_KEYS, inner, max_size=4)), max_leaves=20)


@settings(max_examples=400, deadline=None)
@given(value=_JSON_VALUES, level=st.integers(min_value=0, max_value=3))
@example(value={"é\u2028\"\\\n\x00😀": [[], {}, (), -0.0, 1e300, 2 ** 70]}, level=1)
def test_the_json_report_indents_as_json_dumps_does(value: object, level: int) -> None:
    """The report's own indenting encoder (json's runs in pure Python with an indent) writes
    what json.dumps(indent=2) writes, at any depth of the document."""
    import json

    from lockwise.report.json_report import indented_json

    expected = json.dumps(value, indent=2).replace("\n", "\n" + "  " * level)
    assert indented_json(value, "\n" + "  " * level) == expected


def test_the_json_report_refuses_what_json_refuses() -> None:
    from lockwise.report.json_report import indented_json

    for value in ({"a": object()}, {(1, 2): 1}, [{1, 2}]):
        with pytest.raises(TypeError):
            indented_json(value, "\n")


def test_the_json_report_is_not_encoded_by_jsons_pure_python_encoder(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`lint -f json` renders its report after lint, on the critical path of the run (the
    conflict graph's child is done by then, docs/performance.md's ninety-second round):
    json's pure-Python encoder, which any indent selects, took 0.19 s CPU of it on lemmy and
    documenso. The report is the text it gave."""
    import json
    import json.encoder

    from lockwise.lint import LintOptions, lint_migrations
    from lockwise.report.json_report import json_before_conflicts

    options = LintOptions()
    reports = lint_migrations([
        migration_from_text("CREATE TABLE t (id int PRIMARY KEY, a text);\n", "0001_t.sql"),
        migration_from_text("CREATE INDEX t_a ON t (a);\nALTER TABLE t ALTER a TYPE int;\n"
                            "SELECT 'é\u2028\"\\', 1.5, NULL;\n", "0002_é.sql")], options)
    expected = json_before_conflicts(reports, options=options)
    made = json.encoder._make_iterencode
    calls = []

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(1)
        return made(*args, **kwargs)
    monkeypatch.setattr(json.encoder, "_make_iterencode", counted)
    head = json_before_conflicts(reports, options=options)
    assert calls == []
    assert head == expected
    whole = json.loads(head + "\n}")
    assert head + "\n}" == json.dumps(whole, indent=2)
    assert whole["migrations"][1]["statements"][0]["findings"]


# --- RENAME COLUMN: tuples that do not hold the column are kept as they are ------------------


@settings(max_examples=200, deadline=None)
@given(columns=st.lists(st.sampled_from("abcd"), max_size=5).map(tuple),
       old=st.sampled_from("abcd"), new=st.sampled_from("abxy"))
def test_renamed_columns_is_the_plain_rename_and_keeps_a_tuple_without_the_column(
        columns: tuple[str, ...], old: str, new: str) -> None:
    from lockwise.catalog.policies import renamed_columns

    got = renamed_columns(columns, old, new)
    assert got == tuple(new if c == old else c for c in columns)
    assert type(got) is tuple
    if old not in columns:
        assert got is columns


def test_a_column_rename_renames_what_names_it_and_keeps_the_other_tuples() -> None:
    catalog = _catalog(
        "CREATE TABLE p (id int PRIMARY KEY, k int UNIQUE);\n"
        "CREATE TABLE c (id int PRIMARY KEY, a int, b int, pk int REFERENCES p (k),"
        " CONSTRAINT ab UNIQUE (a, b));\n"
        "CREATE INDEX c_b ON c (b) WHERE a IS NOT NULL;\n"
        "CREATE INDEX c_id ON c (id);\n"
        "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$;\n"
        "CREATE TRIGGER t BEFORE UPDATE OF a, b ON c FOR EACH ROW EXECUTE FUNCTION f();\n")
    c = catalog.tables["public.c"]
    untouched = (catalog.indexes["public.c_id"].columns, c.constraints["c_pkey"].columns)
    for stmt in parse_sql("ALTER TABLE c RENAME a TO z; ALTER TABLE p RENAME k TO kk;"
                          ).statements:
        apply_statement(catalog, stmt.tree, "0002")
    assert c.constraints["ab"].columns == ("z", "b")
    assert catalog.indexes["public.c_b"].columns == ("b",)
    assert catalog.indexes["public.c_b"].predicate_not_null == ("z",)
    assert c.triggers["t"].update_of == ("z", "b")
    assert [fk.ref_columns for _, fk in catalog.referencing("public.p", clones=True)] == [("kk",)]
    assert (catalog.indexes["public.c_id"].columns, c.constraints["c_pkey"].columns) == untouched
    assert catalog.indexes["public.c_id"].columns is untouched[0]
    assert c.constraints["c_pkey"].columns is untouched[1]


# --- the replay: a change of rows goes past the schema statements' kinds ----------------------


def test_a_change_of_rows_keeps_the_schema_memo_and_select_into_creates_its_table(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.catalog import replay

    catalog = Catalog()
    for stmt in parse_sql("CREATE TABLE t (id int PRIMARY KEY, a text);\n"
                          "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS"
                          " $$BEGIN CREATE TABLE made_by_f (x int); END$$;\n").statements:
        apply_statement(catalog, stmt.tree, "0001", sql=stmt.sql)  # (the body kept)
    intos: list[dict] = []
    select_into = replay.select_into

    def counted(select: dict) -> dict | None:
        intos.append(select)
        return select_into(select)
    monkeypatch.setattr(replay, "select_into", counted)
    memo: dict = {}
    for sql in ("INSERT INTO t VALUES (1, 'x')", "UPDATE t SET a = 'y'", "DELETE FROM t",
                "SELECT a FROM t"):
        catalog.version_memo = memo
        apply_statement(catalog, parse_sql(sql).statements[0].tree, "0002")
        assert catalog.version_memo is memo, sql  # (no schema change: kept)
    assert len(intos) == 1  # (the SELECT's, asked once)
    for sql, made in (("SELECT id, a INTO copied FROM t", "public.copied"),
                      ("SELECT f()", "public.made_by_f"),
                      ("CREATE TABLE u (b int)", "public.u")):
        catalog.version_memo = memo
        intos.clear()
        apply_statement(catalog, parse_sql(sql).statements[0].tree, "0002")
        assert made in catalog.tables, sql
        assert catalog.version_memo is not memo, sql
        assert len(intos) == (sql.startswith("SELECT")), sql
    assert list(catalog.tables["public.copied"].columns) == ["id", "a"]


def test_a_statement_s_held_indexes_are_found_once_and_held_until_the_end(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.core.types import Action, Effect, LockMode
    from lockwise.effects import session as session_module
    from lockwise.effects.session import Session

    found = session_module.index_held_exclusive
    asks: list[Effect] = []

    def counted(effect: Effect) -> frozenset[str]:
        asks.append(effect)
        return found(effect)
    monkeypatch.setattr(session_module, "index_held_exclusive", counted)
    session = Session(implicit_transaction=True)
    assert session.facts()["set_local_applies"] and session.facts()["in_transaction"]
    reindex = Effect((Action("reindex", {"table": "public.a", "index_access_exclusive": True}),
                      ), {})
    session.after(reindex, 0)  # (no table lock: the index's table is held all the same)
    session.after(Effect((Action("update", {"table": "public.b",
                                            "index_access_exclusive": True,
                                            "index_exclusive_tables": ("public.c",)}),),
                         {"public.b": LockMode.ROW_EXCLUSIVE}), 1)
    session.after(Effect((Action("update", {"table": "public.d"}),),
                         {"public.d": LockMode.ACCESS_EXCLUSIVE}), 2)
    assert len(asks) == 3  # (one a statement)
    assert session.held_exclusive == {"public.a": 0, "public.c": 1, "public.d": 2}
    assert session.tx_locks == {"public.b": LockMode.ROW_EXCLUSIVE,
                                "public.d": LockMode.ACCESS_EXCLUSIVE}
    outside = Session(implicit_transaction=False)
    outside.outside_transaction_why = "each statement commits on its own"
    facts = outside.facts()
    assert (facts["in_transaction"], facts["set_local_applies"],
            facts["outside_transaction_why"]) == (False, False, "each statement commits on "
                                                  "its own")
    assert session.facts()["outside_transaction_why"] == ""


# --- fix-speed86: a statement's side once, in_transaction passed down, walks with a skip ------

_SIDE_KINDS = ("insert", "update", "delete", "merge", "select", "transaction", "set", "copy",
               "other", "alter_table", "create_index", "drop_index", "add_constraint")


@settings(max_examples=200, deadline=None)
@given(kinds=st.lists(st.sampled_from(_SIDE_KINDS), min_size=1, max_size=4))
def test_a_statement_s_side_is_its_first_dml_else_any_ddl_and_fills_that_lock_map(
        kinds: list[str]) -> None:
    from lockwise.core.types import Action, Effect, LockMode
    from lockwise.effects import session as session_module
    from lockwise.effects.session import Session

    # (the definition: a data change if any action is one, else DDL if any action is not
    # of the excluded kinds, else neither)
    dml = any(k in session_module._DML_ACTIONS for k in kinds)
    ddl = not dml and any(k not in session_module._DDL_ACTIONS_EXCLUDED for k in kinds)
    assert dml and ddl is False or not dml
    side = session_module._side(Effect(tuple(Action(k, {}) for k in kinds), {}))
    assert side == (session_module._DML if dml else session_module._DDL if ddl
                    else session_module._NEITHER)
    exclusive = LockMode.ACCESS_EXCLUSIVE
    effect = Effect(tuple(Action(k, {"table": "public.t"}) for k in kinds),
                    {"public.t": exclusive, "public.u": exclusive})
    # What it mixes with: the earlier DDL's tables for a data change, the earlier data
    # changes' for DDL, nothing for neither.
    session = Session(implicit_transaction=True)
    session.tx_ddl_locks["public.t"] = exclusive
    session.tx_dml_locks["public.u"] = LockMode.ROW_EXCLUSIVE
    assert session._mixed_tables(effect) == (("public.t",) if dml else ("public.u",) if ddl
                                             else ())
    # Which map its locks go in.
    session = Session(implicit_transaction=True)
    session.after(effect, 0)
    assert (set(session.tx_dml_locks), set(session.tx_ddl_locks)) == (
        ({"public.t", "public.u"}, set()) if dml else (set(), {"public.t", "public.u"}) if ddl
        else (set(), set()))


def test_the_reports_transaction_is_the_one_before_each_statement_read_fewer_times(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.effects.session import Session
    from lockwise.lint import lint_migrations

    reads: list[None] = []
    in_transaction = Session.in_transaction

    def counted(self: Session) -> bool:
        reads.append(None)
        return in_transaction.fget(self)
    monkeypatch.setattr(Session, "in_transaction", property(counted))
    sql = ("BEGIN;\n"
           "CREATE TABLE t (id int PRIMARY KEY, a int);\n"
           "INSERT INTO t VALUES (1, 2);\n"
           "COMMIT;\n"
           "UPDATE t SET a = 3;\n"
           "BEGIN;\n"
           "ALTER TABLE t ADD COLUMN b int;\n"
           "UPDATE t SET b = 1;\n"
           "COMMIT;\n")
    reports = lint_migrations([migration_from_text(sql, "0001_m.sql")])
    statements = reports[0].statements
    # Each report's is the session's before its statement: a BEGIN's is outside the
    # transaction it opens, a COMMIT's inside the one it ends.
    assert [s.in_transaction for s in statements] == [False, True, True, True, False, False,
                                                      True, True, True]
    # Eight reads a statement at main (72 here; lemmy 24,750 for 2,664), five now (45).
    assert len(reads) < 6 * len(statements)


def test_the_bodies_of_a_kind_outside_a_skipped_key_are_walk_except_s_in_walk_s_order() -> None:
    from lockwise.catalog.updatable import returned_calls, returns_no_rows
    from lockwise.effects.nodes import walk, walk_except, walked_bodies_of_kind

    sql = _WALKED_SQL + (
        "SELECT sum(x), generate_series(1, (SELECT max(y) FROM z WHERE z.k = lower(q.k))),"
        " row_number() OVER (), unnest(ARRAY[1]) FROM q"
        " WHERE q.a IN (SELECT b FROM r WHERE r.c = q.c) AND q.d = 1;\n"
        "SELECT generate_series(1, 0), (SELECT generate_series(1, 2));\n")
    trees = [stmt.tree for stmt in parse_sql(sql).statements]
    for tree in [*trees, trees, None, [], "text"]:
        kinds = {kind for kind, _ in walk(tree)}
        for skipped in ("SubLink", "subselect"):
            for kind in [*kinds, "NoSuchNode"]:
                got = walked_bodies_of_kind(tree, kind, skipped)
                expected = [body for k, body in walk_except(tree, skipped) if k == kind]
                assert sorted(map(id, got)) == sorted(map(id, expected)), (kind, skipped)
                # and in `walk`'s order, less what is below a skipped key
                order = [id(body) for k, body in walk(tree) if k == kind]
                assert [id(body) for body in got] == [i for i in order
                                                      if i in set(map(id, got))]
    select = trees[3]["SelectStmt"]
    # the calls outside the subqueries only: sum, generate_series, row_number, unnest
    assert sorted(returned_calls(select["targetList"])) == [
        "aggregate", "set_returning", "set_returning", "window"]
    assert returns_no_rows(trees[4]) is True  # (its second call is its subquery's)
    assert returns_no_rows(trees[3]) is False


def test_the_graph_makes_one_context_for_a_migration_s_statements(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The conflict graph computes the effects of a migration's statements (and of each down
    it checks) in one effect-model `Context`, not one a statement (14,000 instructions each:
    about 69 M on lemmy's graph side). Main made one for each of the ups' five statements and
    each of the down's three it computed."""
    import lockwise.graph.build as build
    from tree_helpers import write

    made: list[str] = []
    real = build.Context

    def counted(**fields: object) -> object:
        made.append(str(fields["migration_id"]))
        return real(**fields)  # type: ignore[arg-type]

    monkeypatch.setattr(build, "Context", counted)
    write(tmp_path, {
        "1_base.up.sql": "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n",
        "1_base.down.sql": "DROP TABLE b;\nDROP TABLE a;\n",
        "2_change.up.sql": "ALTER TABLE a ADD x int;\nCREATE INDEX ai ON a (x);\n"
                           "ALTER TABLE b ADD y int;\n",
        "2_change.down.sql": "DROP INDEX ai;\nALTER TABLE a DROP x;\nALTER TABLE b DROP y;\n"})
    graph = build.build_graph(discover(tmp_path), downs_of=["2_change"])
    assert [c.kind for c in graph.conflicts] == []
    # the two ups, then the down of the second
    assert made == ["1_base", "2_change", "2_change"]


def test_a_shared_context_gives_each_statement_its_own_answer() -> None:
    """`graph.build.compute` sets every field of the shared `Context` a statement may change:
    a statement computed after one in a transaction, or judged for refusals only, or with a
    session's PREPAREd statements, gets the effect a context of its own gives it."""
    from lockwise.effects.session import Session
    from lockwise.graph.build import compute, replay_context

    catalog = _catalog("CREATE TABLE t (id int, x int); CREATE TABLE u (id int);")
    m = migration_from_text("SELECT 1;", "0002_m.sql")
    in_block = Session(implicit_transaction=True)
    statements = parse_sql("CREATE INDEX CONCURRENTLY ti ON t (x);"
                           "DROP TABLE u;"
                           "UPDATE t SET x = 1;"
                           "CREATE INDEX CONCURRENTLY tj ON t (x);"
                           "DROP TABLE t;").statements
    # (statement, session, rule_text, refusals_only): each differs from the one before
    calls = [(statements[0], in_block, True, False), (statements[1], None, True, True),
             (statements[4], None, True, False), (statements[1], None, True, True),
             (statements[2], None, False, False), (statements[3], None, True, False),
             (statements[0], in_block, False, False), (statements[3], None, False, False)]
    shared = replay_context(catalog, m, 18)
    for stmt, session, rule_text, refusals_only in calls:
        alone = compute(stmt, replay_context(catalog, m, 18), session, rule_text,
                        refusals_only)
        assert compute(stmt, shared, session, rule_text, refusals_only) == alone
    # (the advice a DROP TABLE has, unless judged for refusals only; a CREATE INDEX
    # CONCURRENTLY refused in the block, not outside it)
    assert "deprecated_name" in compute(statements[4], shared, None, True).actions[0].facts
    assert "deprecated_name" not in compute(statements[4], shared, None, True,
                                            True).actions[0].facts
    assert compute(statements[3], shared).actions[0].facts.get(
        "refused_in_transaction_block") is None
    assert compute(statements[0], shared, in_block).actions[0].facts[
        "refused_in_transaction_block"]


def test_a_context_changed_is_the_one_replace_makes() -> None:
    """`Context.changed` copies every field as `dataclasses.replace` does (the same objects,
    containers shared), with the changes given: each field set to a value of its own, then
    each changed alone and all at once."""
    from dataclasses import fields

    from lockwise.effects.context import Context

    ctx = Context()
    for at, f in enumerate(fields(Context)):
        setattr(ctx, f.name, {f"value {at}"} if f.name != "catalog" else Catalog())
    every = {f.name: (f.name, "changed") for f in fields(Context)}
    for changes in [{}, *({name: value} for name, value in every.items()), every]:
        copy, replaced = ctx.changed(**changes), replace(ctx, **changes)
        assert copy is not ctx
        for f in fields(Context):
            assert getattr(copy, f.name) is getattr(replaced, f.name), f.name


def test_a_do_block_s_statements_copy_the_context_without_replace(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The effect model copies the `Context` for each statement of a DO block or routine body
    it follows through `Context.changed`, not `dataclasses.replace` (three times the cost);
    main copied it with `replace` 8 times here (for the block, for each statement of the
    block and of the function's body, for the body's run at the call)."""
    import lockwise.effects.postgres.embedded as embedded
    import lockwise.effects.postgres.queries as queries
    import lockwise.effects.postgres.routines as routines
    from lockwise.effects.context import Context
    from lockwise.lint import lint_migrations

    copied: list[str] = []
    for module in (embedded, routines, queries):
        real = getattr(module, "replace", None)
        if real is None:
            continue

        def counted(value: object, real: Callable = real, **changes: object) -> object:
            if type(value) is Context:
                copied.append(", ".join(changes))
            return real(value, **changes)

        monkeypatch.setattr(module, "replace", counted)
    sql = ("CREATE TABLE t (id int, x int);\n"
           "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN "
           "UPDATE t SET x = 1; END $$;\n"
           "DO $$ BEGIN ALTER TABLE t ADD y int; UPDATE t SET y = 1; PERFORM f(); END $$;\n")
    reports = lint_migrations([migration_from_text(sql, "0001_m.sql")])
    assert any(a.kind == "do_block" for s in reports[0].statements for a in s.effect.actions)
    assert copied == []

# --- fix-speed89: a partial index's WHERE walked for its columns, a statement run once, a file
# read by one call -------------------------------------------------------------------------------


def test_a_partial_index_s_where_is_filed_without_a_generator_walk(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`_filed_indexes` finds the columns of a partial index's WHERE with
    `walked_bodies_of_kind` (no generator step a node, `walk`'s order): main's
    `walk_except` took a step for each of its nodes. The order changes no answer: each
    column gets `_ANY_KEY` whatever the order, and every reader looks a column up."""
    from lockwise.effects import nodes
    from lockwise.effects.postgres import where_index
    from lockwise.effects.postgres.where_index import _ANY_KEY, _ROW_ADDRESS

    steps: list[str] = []
    walk_except = nodes.walk_except

    def counted(node: object, skipped: str):  # noqa: ANN202
        for found in walk_except(node, skipped):
            steps.append(found[0])
            yield found
    monkeypatch.setattr(nodes, "walk_except", counted)
    monkeypatch.setattr(where_index, "walk_except", counted, raising=False)
    catalog = Catalog()
    for sql in ("CREATE TABLE t (id int, a int, b int, c int, d text)",
                "CREATE INDEX t_a ON t (a) WHERE b > 0 AND (c IS NULL OR t.d = 'x')",
                "CREATE INDEX t_id ON t (id) WHERE lower(d) = 'y' AND b < 5"):
        (stmt,) = parse_sql(sql).statements
        apply_statement(catalog, stmt.tree, "0001_m", sql=sql)
    filed = where_index._filed_indexes(catalog, "public.t")
    assert steps == []
    # (each partial index is filed apart: a WHERE must prove its own first)
    assert filed.indexed == {_ROW_ADDRESS: [_ANY_KEY]}
    assert [(p.name, {key: hows.count(_ANY_KEY) for key, hows in p.keys.items()})
            for p in filed.gated] == [
        ("public.t_a", {"a": 0, "b": 1, "c": 1, "d": 1}),
        ("public.t_id", {"id": 0, "d": 1, "b": 1})]


def _stats_lint(monkeypatch: pytest.MonkeyPatch, sql: str) -> tuple[list, list[str]]:
    """The reports of `sql` (one migration after one that makes t) linted with a stats file
    that knows t, and the statements `Session.run_statement` was asked of (its text)."""
    from lockwise.cost.stats import stats_from_dict
    from lockwise.effects.session import Session
    from lockwise.lint import LintOptions, lint_migrations

    asked: list[str] = []
    run_statement = Session.run_statement

    def counted(self: Session, tree: dict, text: str) -> tuple[dict, str]:
        asked.append(next(iter(tree)))
        return run_statement(self, tree, text)
    stats = stats_from_dict({"tables": {
        "public.t": {"rows": 50_000_000, "heap_bytes": 8_000_000_000}}})
    first = migration_from_text("CREATE TABLE t (id int PRIMARY KEY, a int);", "0001_m.sql")
    monkeypatch.setattr(Session, "run_statement", counted)
    reports = lint_migrations([first, migration_from_text(sql, "0002_m.sql")],
                              LintOptions(stats=stats, max_lock_seconds=1.0))
    return reports, asked


def test_with_stats_a_statement_is_asked_what_it_runs_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The cost model and the replay take what a statement runs from one
    `Session.run_statement` (main asked it again for the cost model, before the session
    moved past the statement); an EXECUTE, whose prepared statement `Session.after` may bind
    anew, is asked again for the replay."""
    reports, asked = _stats_lint(
        monkeypatch, "UPDATE t SET a = 1;\nALTER TABLE t ADD COLUMN b int;\n"
        "PREPARE p AS UPDATE t SET a = 2;\nEXECUTE p;\nCREATE INDEX t_a ON t (a);\n")
    assert asked == ["CreateStmt", "UpdateStmt", "AlterTableStmt", "PrepareStmt",
                     "ExecuteStmt", "ExecuteStmt", "IndexStmt"]
    # the EXECUTE is estimated as the UPDATE it runs
    statements = reports[1].statements
    assert statements[3].estimated_seconds == statements[0].estimated_seconds is not None
    assert statements[3].lock_seconds == statements[0].lock_seconds


def test_a_file_that_did_not_grow_is_read_by_one_call(monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    """`read_descriptor` stops at a first read shorter than it asked (the file's end): main
    asked again for the empty read at the end, two calls a migration (a cached lint of lemmy
    read each of its 684 files so)."""
    from lockwise.parse.source import read_regular_file

    reads: list[int] = []
    read = os.read

    def counted(descriptor: int, size: int) -> bytes:
        reads.append(size)
        return read(descriptor, size)
    monkeypatch.setattr(os, "read", counted)
    for text in (b"CREATE TABLE a (id int);\n" * 100, b"", b"x"):
        path = tmp_path / "1_a.sql"
        path.write_bytes(text)
        reads.clear()
        assert read_regular_file(path) == text
        assert reads == [len(text) + 1]


@pytest.mark.parametrize("layout", ["plain", "diesel"])
def test_a_cached_lint_reads_each_migration_once(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path, layout: str) -> None:
    """A second `lockwise lint` of a folder, answered from the cache, opens each migration
    file once and reads it with one call: a plain layout's as detection reads its head
    (`file_head`, a buffered reader's two calls at main), diesel's whole
    (`read_descriptor`, two calls at main)."""
    from typer.testing import CliRunner

    from lockwise.cli.app import app

    folder = tmp_path / "migrations"
    folder.mkdir()
    for i in range(3):
        if layout == "plain":
            (folder / f"{i + 1:04d}_m.sql").write_text(f"CREATE TABLE t{i} (id int);\n")
            (folder / f"{i + 1:04d}_n.sql").write_text(f"ALTER TABLE t{i} ADD COLUMN b int;\n")
        else:
            (folder / f"2024-01-01-00000{i}_m{i}").mkdir()
            (folder / f"2024-01-01-00000{i}_m{i}" / "up.sql").write_text(
                f"CREATE TABLE t{i} (id int);\n")
            (folder / f"2024-01-01-00000{i}_m{i}" / "down.sql").write_text(
                f"DROP TABLE t{i};\n")
    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    first = CliRunner().invoke(app, ["lint", "-f", "json", str(folder)])
    opened: dict[int, str] = {}  # (a descriptor, the path it was last opened for)
    paths_opened: list[str] = []
    reads: list[str] = []
    open_, read = os.open, os.read

    def opening(path: object, *args: object, **kwargs: object) -> int:
        descriptor = open_(path, *args, **kwargs)  # type: ignore[arg-type]
        opened[descriptor] = os.fspath(path)  # type: ignore[arg-type]
        paths_opened.append(opened[descriptor])
        return descriptor

    def reading(descriptor: int, size: int) -> bytes:
        if opened.get(descriptor, "").endswith(".sql"):
            reads.append(opened[descriptor])
        return read(descriptor, size)
    monkeypatch.setattr(os, "open", opening)
    monkeypatch.setattr(os, "read", reading)
    result = CliRunner().invoke(app, ["lint", "-f", "json", str(folder)])
    monkeypatch.undo()
    assert (result.exit_code, result.stdout) == (first.exit_code, first.stdout)
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*.sql"))
    assert len(files) == 6
    assert sorted(str(Path(p).relative_to(folder)) for p in reads) == files
    assert sorted(str(Path(p).relative_to(folder)) for p in paths_opened
                  if p.endswith(".sql")) == files
