"""Discovery: each layout is read as an ordered list of migrations."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from lockwise.discover import discover, discover_histories
from lockwise.discover.versions import version_key
from lockwise.parse.source import InputError
from tree_helpers import write


def test_plain_files_sort_by_numeric_version(tmp_path: Path) -> None:
    write(tmp_path, {"10_c.sql": "SELECT 1;", "2_b.sql": "SELECT 1;", "1_a.sql": "SELECT 1;"})
    migrations = discover(tmp_path)
    assert [m.version for m in migrations] == ["1", "2", "10"]
    assert [m.name for m in migrations] == ["a", "b", "c"]
    assert migrations[0].layout == "plain"


def test_golang_migrate_pairs_up_and_down(tmp_path: Path) -> None:
    write(tmp_path, {"001_init.up.sql": "CREATE TABLE a (id int);",
                     "001_init.down.sql": "DROP TABLE a;",
                     "002_more.up.sql": "CREATE TABLE b (id int);"})
    migrations = discover(tmp_path)
    assert [(m.version, m.layout) for m in migrations] == [("001", "golang-migrate"),
                                                           ("002", "golang-migrate")]
    assert migrations[0].down_sql == "DROP TABLE a;"
    assert migrations[1].down_sql is None


def test_golang_migrate_reads_file_names_as_its_source_parse_does(tmp_path: Path) -> None:
    """golang-migrate's source.Parse takes `^([0-9]+)_(.*)\\.(down|up)\\.(.*)$`, the version
    an unsigned 64-bit integer, the direction as written, and ignores other files; a
    migration's down is the down file of its version, whatever its name."""
    write(tmp_path, {"1_create.up.sql": "CREATE TABLE a (id int);",
                     "1_create_table.down.sql": "DROP TABLE a;",
                     "2_b.UP.sql": "SELECT 2;", "x_c.up.sql": "SELECT 3;", "3.up.sql": "SELECT 4;",
                     "18446744073709551616_big.up.sql": "SELECT 5;",
                     "4_d.up.sql": "SELECT 6;"})
    notes: list[str] = []
    ((_, found),) = discover_histories(tmp_path, notes=notes)
    assert [(m.layout, m.version, m.name) for m in found] == [
        ("golang-migrate", "1", "create"), ("golang-migrate", "4", "d")]
    assert found[0].down_sql == "DROP TABLE a;"
    assert len(notes) == 1
    assert all(name in notes[0] for name in (
        "2_b.UP.sql", "x_c.up.sql", "3.up.sql", "18446744073709551616_big.up.sql"))
    assert "1_create_table.down.sql" not in notes[0]


def test_golang_migrate_keeps_every_down_file_of_a_version(tmp_path: Path) -> None:
    """golang-migrate refuses a folder with two down files of one version (its source
    drivers' Migrations.Append fails: source.ErrDuplicateMigration, "duplicate migration
    file"): the one named as the up is the down, the other is kept for the graph to report,
    and neither is named as a file not read."""
    write(tmp_path, {"1_a.up.sql": "CREATE TABLE a (id int);",
                     "1_a.down.sql": "DROP TABLE a;", "01_other.down.sql": "SELECT 1;"})
    notes: list[str] = []
    ((_, found),) = discover_histories(tmp_path, notes=notes)
    assert [(m.path.name, m.down_path and m.down_path.name,
             [p.name for p in m.other_down_paths]) for m in found] == [
        ("1_a.up.sql", "1_a.down.sql", ["01_other.down.sql"])]
    assert notes == []


def test_flyway_undo_without_its_versioned_migration_is_named(tmp_path: Path) -> None:
    """An undo file whose version no V file has is no migration's down: a note names it
    (lockwise reads it nowhere), not the undo files of versions that are there."""
    write(tmp_path, {"V1__a.sql": "CREATE TABLE a (id int);", "U1__a.sql": "DROP TABLE a;",
                     "U3__gone.sql": "DROP TABLE c;"})
    notes: list[str] = []
    ((_, found),) = discover_histories(tmp_path, notes=notes)
    assert [(m.layout, m.version) for m in found] == [("flyway", "1")]
    assert len(notes) == 1 and "U3__gone.sql" in notes[0] and "U1__a.sql" not in notes[0], \
        notes


def test_diesel_directories_with_metadata_no_transaction(tmp_path: Path) -> None:
    write(tmp_path, {
        "2019-02-26-002946_create_user/up.sql": "CREATE TABLE u (id int);",
        "2019-02-26-002946_create_user/down.sql": "DROP TABLE u;",
        "2019-03-01-000000_index/up.sql": "CREATE INDEX CONCURRENTLY i ON u (id);",
        "2019-03-01-000000_index/metadata.toml": "run_in_transaction = false\n",
    })
    migrations = discover(tmp_path)
    assert [m.name for m in migrations] == ["create_user", "index"]
    assert migrations[0].layout == "diesel"
    assert migrations[0].down_sql == "DROP TABLE u;"
    assert migrations[1].no_transaction is True


def test_diesel_runs_its_versions_in_text_order(tmp_path: Path) -> None:
    """diesel's MigrationVersion is text (diesel src/migration/mod.rs: a Cow<str> with derived
    Ord), and pending_migrations (diesel_migrations src/migration_harness.rs) sorts by it: of
    versions of different widths, 1 runs before 10, and 10 before 9."""
    for name in ("9_a", "10_b", "1_c"):
        write(tmp_path, {f"{name}/up.sql": "SELECT 1;\n"})
    assert [m.id for m in discover(tmp_path)] == ["1_c", "10_b", "9_a"]


def test_prisma_runs_its_folders_in_name_order(tmp_path: Path) -> None:
    """Prisma's list_migrations (schema-engine, migrations_directory.rs) sorts the folders by
    name as text: a 12-digit `202310122339_b` runs after `20230912150657_a` (papermark's
    history has both widths), and `20240101_c` after `202401010000_d` (`_` sorts after
    digits). By number, the shorter version came first, before the table it alters."""
    for name in ("202310122339_b", "20230912150657_a", "20240101_c", "202401010000_d"):
        write(tmp_path, {f"{name}/migration.sql": "SELECT 1;\n"})
    assert [m.path.parent.name for m in discover(tmp_path)] == [
        "20230912150657_a", "202310122339_b", "202401010000_d", "20240101_c"]


@pytest.mark.parametrize(("folders", "read"), [
    # migrations_internals' version_from_string: the folder name up to its first `_`, its
    # `-` removed. The version lockwise shows keeps the dashes; the order is diesel's.
    (["2024-01-01-000000_create_users"], [("2024-01-01-000000", "create_users")]),
    # `-` as the separator: no `_`, so the whole name is the version (20240101addusers).
    (["20240101-add-users", "20240101-drop-users"],
     [("20240101-add-users", ""), ("20240101-drop-users", "")]),
    (["20240102", "v2_b", "1.5_x"], [("1.5", "x"), ("20240102", ""), ("v2", "b")]),
    # Text order of the versions without dashes: 20240101, 2024010102, 202401011 (as
    # numbers, 2024-01-01-1 came first).
    (["2024-01-01-1_b", "20240101_a", "2024010102_c"],
     [("20240101", "a"), ("2024010102", "c"), ("2024-01-01-1", "b")]),
])
def test_diesel_reads_a_version_as_version_from_string_does(
        tmp_path: Path, folders: list[str], read: list[tuple[str, str]]) -> None:
    from lockwise.discover.versions import version_identity

    for name in folders:
        write(tmp_path, {f"{name}/up.sql": "SELECT 1;\n"})
    found = discover(tmp_path)
    assert [(m.version, m.name) for m in found] == read
    assert {m.path.parent.name for m in found} == {m.id for m in found}
    identities = [version_identity(m.version, "diesel") for m in found]
    assert identities == sorted(identities) and "-" not in "".join(identities)


def test_diesel_dash_separated_folders_are_two_versions(tmp_path: Path) -> None:
    """`20240101-a` and `20240101-b` are versions 20240101a and 20240101b to diesel: no
    duplicate-version (it was one: both read as 20240101)."""
    from lockwise.graph.api import history_conflicts

    write(tmp_path, {"20240101-a/up.sql": "CREATE TABLE a (id int);\n",
                     "20240101-b/up.sql": "CREATE TABLE b (id int);\n"})
    assert history_conflicts([discover(tmp_path)], pg_version=16) == []


def test_flyway_versions_undo_and_repeatables_last(tmp_path: Path) -> None:
    write(tmp_path, {"V1.10__late.sql": "SELECT 1;", "V1.2__early.sql": "SELECT 1;",
                     "U1.2__early.sql": "SELECT 2;", "R__views.sql": "SELECT 3;"})
    migrations = discover(tmp_path)
    assert [m.version for m in migrations] == ["1.2", "1.10", "R"]
    assert migrations[0].down_sql == "SELECT 2;"
    assert migrations[-1].repeatable


def test_flyway_reads_its_subfolders_as_one_history(tmp_path: Path) -> None:
    """Flyway scans its locations recursively: release folders are one history, ordered by
    version whatever the folder; repeatables after every versioned one; an undo file (in any
    folder) is the down of its version, never applied."""
    write(tmp_path, {"R__views.sql": "SELECT 3;",
                     "release2/V1.10__late.sql": "SELECT 1;",
                     "release1/V1.2__early.sql": "SELECT 1;",
                     "release1/undo/U1.2__early.sql": "SELECT 2;",
                     "release1/R__a_totals.sql": "SELECT 4;"})
    migrations = discover(tmp_path)
    assert [(m.version, m.path.relative_to(tmp_path).as_posix()) for m in migrations] == [
        ("1.2", "release1/V1.2__early.sql"), ("1.10", "release2/V1.10__late.sql"),
        ("R", "release1/R__a_totals.sql"), ("R", "R__views.sql")]
    assert {m.layout for m in migrations} == {"flyway"}
    assert migrations[0].down_sql == "SELECT 2;"


def test_flyway_repeatables_run_in_the_order_of_their_descriptions(tmp_path: Path) -> None:
    # Flyway sorts repeatables by description, `_` read as a space (String.compareTo): the
    # space sorts before letters and digits, the underscore after upper case ones.
    write(tmp_path, {"R__aB.sql": "SELECT 1;", "R__a_b.sql": "SELECT 2;",
                     "R__a1.sql": "SELECT 3;", "V1__t.sql": "SELECT 4;"})
    assert [m.path.name for m in discover(tmp_path)] == [
        "V1__t.sql", "R__a_b.sql", "R__a1.sql", "R__aB.sql"]


def test_flyway_callbacks_are_no_migrations_and_keep_one_history(tmp_path: Path) -> None:
    # Flyway runs callbacks (`beforeEachMigrate.sql`, `afterMigrate__grants.sql`: its event
    # names, as written) around migrations; a folder of them beside the release folders
    # keeps the location one history.
    write(tmp_path / "sql", {"release1/V1__a.sql": "SELECT 1;",
                             "release2/V2__b.sql": "SELECT 2;",
                             "callbacks/beforeEachMigrate.sql": "SET lock_timeout = '5s';",
                             "callbacks/afterMigrate__grants.sql": "SELECT 3;",
                             "release1/beforeMigrate.sql": "SELECT 4;"})
    ((root, found),) = discover_histories(tmp_path / "sql")
    assert root == tmp_path / "sql"
    assert [(m.version, m.layout) for m in found] == [("1", "flyway"), ("2", "flyway")]
    # What runs before each migration, on its connection, goes with each.
    assert [m.prelude for m in found] == ["SET lock_timeout = '5s';"] * 2
    # What runs once before them all (beforeMigrate), on the same connection, too.
    assert [m.run_prelude for m in found] == ["SELECT 4;"] * 2


def test_flyway_reads_file_names_as_its_resource_name_parser_does(tmp_path: Path) -> None:
    """Flyway's ResourceNameParser: the prefix (`V`, `U`, `R`) and the suffix (`.sql`) match
    as written, case and all; the version runs to the first `__` and the description after it
    may be left out (`V2.sql` is version 2); a versioned name needs a version of digits
    separated by `.` or `_`, a repeatable one has none. Flyway ignores the names it cannot
    parse (validateMigrationNaming is off by default), and names them in a note here."""
    write(tmp_path, {"V1__a.sql": "SELECT 1;", "V2.sql": "SELECT 2;", "V3__.sql": "SELECT 3;",
                     "V1_4__d.sql": "SELECT 4;", "R__views.sql": "SELECT 5;",
                     "v5__lower_prefix.sql": "SELECT 6;", "V6__upper_suffix.SQL": "SELECT 7;",
                     "V__no_version.sql": "SELECT 8;", "R1__versioned_repeatable.sql": "SELECT 9;",
                     "V7..1__bad_version.sql": "SELECT 10;"})
    notes: list[str] = []
    ((_, found),) = discover_histories(tmp_path, notes=notes)
    assert [(m.version, m.path.name) for m in found] == [
        ("1", "V1__a.sql"), ("1.4", "V1_4__d.sql"), ("2", "V2.sql"), ("3", "V3__.sql"),
        ("R", "R__views.sql")]
    assert {m.layout for m in found} == {"flyway"}
    ignored = ["R1__versioned_repeatable.sql", "V6__upper_suffix.SQL", "V7..1__bad_version.sql",
               "V__no_version.sql", "v5__lower_prefix.sql"]
    assert len(notes) == 1 and all(name in notes[0] for name in ignored), notes


def test_flyway_script_config_is_read_as_java_properties(tmp_path: Path) -> None:
    """Flyway reads `V1__x.sql.conf` as a Java properties file: `#` and `!` start comments,
    `:` or `=` separate key and value, the last of a key counts, and the value must be
    exactly `false` (`true`, or an error for anything else)."""
    write(tmp_path, {
        "V1__commented.sql": "SELECT 1;",
        "V1__commented.sql.conf": "# executeInTransaction=false\n",
        "V2__last_wins.sql": "SELECT 1;",
        "V2__last_wins.sql.conf": "executeInTransaction=false\nexecuteInTransaction=true\n",
        "V3__colon.sql": "SELECT 1;", "V3__colon.sql.conf": "  executeInTransaction : false\n",
        "V4__plain.sql": "SELECT 1;", "V4__plain.sql.conf": "executeInTransaction=false\n",
        "V5__bang.sql": "SELECT 1;", "V5__bang.sql.conf": "!executeInTransaction=false\n",
        "V6__spaced.sql": "SELECT 1;", "V6__spaced.sql.conf": "executeInTransaction false\n",
        "V7__other_key.sql": "SELECT 1;",
        "V7__other_key.sql.conf": "myexecuteInTransaction=false\n"})
    assert {m.name: m.no_transaction for m in discover(tmp_path)} == {
        "commented": False, "last_wins": False, "colon": True, "plain": True, "bang": False,
        "spaced": True, "other_key": False}


def test_flyway_release_folders_are_one_history_not_separate_databases(
        tmp_path: Path) -> None:
    write(tmp_path / "sql", {"release1/V1__a.sql": "SELECT 1;",
                             "release2/V2__b.sql": "SELECT 2;"})
    ((root, found),) = discover_histories(tmp_path / "sql")
    assert root == tmp_path / "sql"
    assert [(m.version, m.layout) for m in found] == [("1", "flyway"), ("2", "flyway")]
    # Forced, the layout reads the same folders.
    ((_, forced),) = discover_histories(tmp_path / "sql", "flyway")
    assert [m.path for m in forced] == [m.path for m in found]


def test_flyway_detection_ends_at_symlink_loops(tmp_path: Path) -> None:
    write(tmp_path / "sql", {"release1/V1__a.sql": "SELECT 1;"})
    for name, target in [("a", "."), ("b", "."), ("up", "..")]:
        (tmp_path / "sql" / name).symlink_to(target)
    (tmp_path / "sql" / "release1" / "back").symlink_to("..")
    ((root, found),) = discover_histories(tmp_path / "sql")
    assert root == tmp_path / "sql"
    assert [m.path for m in found] == [tmp_path / "sql" / "release1" / "V1__a.sql"]


def test_flyway_histories_of_separate_services_stay_separate(tmp_path: Path) -> None:
    """A folder per service, each with its own `migrations/` (or `db/migration/`), is a
    monorepo of databases: not one Flyway location."""
    write(tmp_path, {"a/migrations/V1__a.sql": "SELECT 1;",
                     "b/db/migration/V1__b.sql": "SELECT 1;"})
    assert sorted(root.relative_to(tmp_path).as_posix()
                  for root, _ in discover_histories(tmp_path)) == ["a/migrations",
                                                                  "b/db/migration"]


def test_flyway_subfolders_beside_other_layouts_are_not_merged(tmp_path: Path) -> None:
    write(tmp_path, {"one/V1__a.sql": "SELECT 1;", "two/001_b.up.sql": "SELECT 1;"})
    assert [(root.name, found[0].layout) for root, found in discover_histories(tmp_path)] == [
        ("one", "flyway"), ("two", "golang-migrate")]


def test_layout_can_be_forced_and_unknown_layout_is_an_input_error(tmp_path: Path) -> None:
    write(tmp_path, {"001_a.up.sql": "SELECT 1;"})
    assert discover(tmp_path, "plain")[0].layout == "plain"
    with pytest.raises(InputError, match="unknown layout"):
        discover(tmp_path, "nope")


def test_missing_path_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        discover(tmp_path / "missing")


def test_no_transaction_marker_comment(tmp_path: Path) -> None:
    write(tmp_path,
          {"1_idx.sql": "-- lockwise: no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);"})
    assert discover(tmp_path)[0].no_transaction


def test_dbmate_reads_only_files_whose_names_begin_with_a_version(tmp_path: Path) -> None:
    """dbmate's FindMigrations takes the files matching `^(\\d+).*\\.sql$` (.sql as written)
    and skips the others: a `notes.sql` or `V2__x.SQL` in its folder is no migration (never
    run, never linted), and a note names it."""
    up = "-- migrate:up\nCREATE TABLE {0} (a int);\n-- migrate:down\nDROP TABLE {0};\n"
    write(tmp_path, {"20240101000000_a.sql": up.format("a"), "20240102000000_b.sql": up.format("b"),
                     "notes.sql": "CREATE INDEX i ON a (a);\n",
                     "20240103000000_c.SQL": up.format("c")})
    notes: list[str] = []
    ((_, found),) = discover_histories(tmp_path, notes=notes)
    assert [(m.layout, m.path.name) for m in found] == [
        ("dbmate", "20240101000000_a.sql"), ("dbmate", "20240102000000_b.sql")]
    assert len(notes) == 1 and "notes.sql" in notes[0] and "20240103000000_c.SQL" in notes[0]


@pytest.mark.parametrize(("marker", "no_transaction"), [
    # dbmate (pkg/dbmate/migration.go) reads the options of the marker line as
    # whitespace-separated `key:value` pairs, and runs outside a transaction only when
    # options["transaction"] == "false": exactly, case kept.
    ("-- migrate:up transaction:false", True),
    ("--migrate:up   transaction:false foo:bar", True),
    ("-- migrate:up transaction:false\r", True),  # CRLF: the pair is trimmed
    ("-- migrate:up transaction:FALSE", False),
    ("-- migrate:up Transaction:false", False),
    ("-- migrate:up transaction: false", False),  # `transaction:` is the pair, value ""
    ("-- migrate:up my-transaction:false", False),
    ("-- migrate:up transaction:false transaction:true", False),  # the last pair wins
    ("-- migrate:up transaction:false:x", False),  # not a pair
])
def test_dbmate_no_transaction_option_is_read_as_dbmate_reads_it(
        tmp_path: Path, marker: str, no_transaction: bool) -> None:
    write(tmp_path, {"20240101000000_i.sql": f"{marker}\nCREATE INDEX CONCURRENTLY i ON t (a);\n"
                                             "-- migrate:down\nDROP INDEX i;\n"})
    (found,) = discover(tmp_path)
    assert found.layout == "dbmate"
    assert found.no_transaction is no_transaction


@pytest.mark.parametrize(("text", "refusal"), [
    # dbmate 2.0 and later (pkg/dbmate/migration.go, amacneil/dbmate#397) refuses a
    # migration without a down marker after its up marker, and statements above the up
    # marker (#77); an empty down section is fine.
    ("-- migrate:up\nCREATE TABLE t (id int);\n", "without -- migrate:down"),
    ("-- migrate:down\nDROP TABLE t;\n-- migrate:up\nCREATE TABLE t (id int);\n",
     "before -- migrate:up"),
    ("-- migrate:down\n-- migrate:up\nCREATE TABLE t (id int);\n", "without -- migrate:down"),
    ("CREATE TYPE s AS ENUM ('a');\n-- migrate:up\nSELECT 1;\n-- migrate:down\n",
     "before -- migrate:up"),
    ("-- a comment\n\n-- migrate:up\nSELECT 1;\n-- migrate:down\n", None),
])
def test_dbmate_refusals_are_input_errors(tmp_path: Path, text: str,
                                          refusal: str | None) -> None:
    write(tmp_path, {"20240101000000_ok.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\n",
                     "20240102000000_t.sql": text})
    if refusal is None:
        assert [m.layout for m in discover(tmp_path)] == ["dbmate"] * 2
        return
    with pytest.raises(InputError, match=refusal) as raised:
        discover(tmp_path)
    assert raised.value.path == tmp_path / "20240102000000_t.sql"


MULTI_SECTION = ("-- migrate:up\nCREATE TABLE t1 (a text);\n\n-- migrate:down\nDROP TABLE t1;\n\n"
                 "-- migrate:up\nCREATE TABLE t2 (b text);\n\n-- migrate:down\nDROP TABLE t2;\n")


@pytest.mark.parametrize(("text", "refusal", "line"), [
    # dbmate 2.0.0 (amacneil/dbmate#397) began refusing a file without -- migrate:down; 1.x
    # ran it. Named at its up marker, with what to write.
    ("-- header\n-- migrate:up\nCREATE TABLE t (id int);\n",
     "add an empty -- migrate:down section", 2),
    # An indented down marker is a plain comment to dbmate (`^--` in its pattern): the file
    # has no down section (2.x refuses it, 1.x ran the down SQL as part of the up). Named at
    # the indented line, with the spaces to remove, not "add a down marker at the end",
    # which would keep the down SQL in the up section (UPchieve's create_cities_table).
    ("-- migrate:up\nALTER TABLE t\n    ADD CONSTRAINT u UNIQUE (a)\n    -- migrate:down\n"
     "    DROP CONSTRAINT IF EXISTS u;\nDROP TABLE t;\n",
     "remove the spaces before -- migrate:down", 4),
    ("-- migrate:up\nCREATE TABLE t (id int);\n\t--migrate:down\nDROP TABLE t;\n",
     "remove the spaces before -- migrate:down", 3),
    # Several sections: before sections (amacneil/dbmate#620) dbmate reads the second as part
    # of the down; since, it runs it alone and fails on the version the first one recorded
    # (#820). Either way its statements never stay applied: named at the second up marker.
    (MULTI_SECTION, "runs only the first -- migrate:up section", 7),
    # With sections, dbmate splits a file at each up marker and refuses one with two downs.
    ("-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n-- migrate:down\nSELECT 3;\n",
     "second -- migrate:down", 5),
    ("\nCREATE TYPE s AS ENUM ('a');\n-- migrate:up\nSELECT 1;\n-- migrate:down\n",
     "before -- migrate:up", 2),
])
def test_dbmate_refusals_name_the_line_and_what_to_do(tmp_path: Path, text: str, refusal: str,
                                                      line: int) -> None:
    write(tmp_path, {"20240101000000_ok.sql": "-- migrate:up\nSELECT 1;\n-- migrate:down\n",
                     "20240102000000_t.sql": text})
    with pytest.raises(InputError, match=refusal) as raised:
        discover(tmp_path)
    assert (raised.value.path, raised.value.line) == (tmp_path / "20240102000000_t.sql", line)


def test_version_key_orders_dates_and_dotted_versions() -> None:
    assert version_key("1.2") < version_key("1.10")
    assert version_key("2019-02-26-002946") < version_key("2019-03-01-000000")
    assert version_key("9") < version_key("10")


def test_lemmy_corpus_is_read_in_order(corpora: Path) -> None:
    migrations = discover(corpora / "lemmy")
    assert len(migrations) == 342
    assert all(m.down_sql is not None for m in migrations)
    keys = [m.sort_key for m in migrations]
    assert keys == sorted(keys)


@pytest.mark.parametrize("layout", ["plain", "dbmate"])
def test_each_file_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                layout: str) -> None:
    """Telling plain files from dbmate's reads the start of every file; a file read whole
    then is not read again (that second read was a tenth of a cached 10,000-file run)."""
    body = "-- migrate:up\nCREATE TABLE t{n} (id int);\n-- migrate:down\nDROP TABLE t{n};\n" \
        if layout == "dbmate" else "CREATE TABLE t{n} (id int);\n"
    for n in range(3):
        (tmp_path / f"{n + 1:03d}_t{n}.sql").write_text(body.format(n=n))
    # > 64 KiB (dbmate refuses a migration without its up marker)
    (tmp_path / "004_big.sql").write_text(("-- migrate:up\n" if layout == "dbmate" else "") +
                                          "SELECT 1;\n" + "-- padding\n" * 7000 +
                                          ("-- migrate:down\n" if layout == "dbmate" else ""))
    opened: list[str] = []
    original = Path.open

    def counting(self: Path, *args: object, **kwargs: object):  # noqa: ANN202
        opened.append(self.name)  # Path.read_bytes opens through here too
        return original(self, *args, **kwargs)

    real_open = os.open

    def counting_os_open(file: str, flags: int, *args: int) -> int:
        opened.append(Path(file).name)  # a file read whole (parse.source.read_regular_file)
        return real_open(file, flags, *args)

    monkeypatch.setattr(Path, "open", counting)
    monkeypatch.setattr(os, "open", counting_os_open)
    migrations = discover(tmp_path)
    assert [m.layout for m in migrations] == [layout] * 4
    assert all(f"CREATE TABLE t{n} (id int);" in migrations[n].up_sql for n in range(3))
    assert all(opened.count(f"{n + 1:03d}_t{n}.sql") == 1 for n in range(3))
    assert opened.count("004_big.sql") <= 2  # at most its head, then all of it


def test_nested_folders_of_tools_and_dependencies_are_not_read(tmp_path: Path) -> None:
    """`lockwise lint` at a project's root reads the version folders below it, not the SQL
    that ships inside .venv, node_modules or .git."""
    for folder, name in [("v1", "schema.sql"), ("v2", "add_note.sql"),
                         (".venv/lib/python3.11/site-packages/pkg", "fixture.sql"),
                         ("node_modules/pkg/sql", "seed.sql"), (".git/hooks", "x.sql"),
                         ("venv/share", "demo.sql")]:
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / name).write_text("CREATE TABLE t (id int);\n")
    assert [m.version for m in discover(tmp_path)] == ["v1", "v2"]
    # Named on the command line, a hidden folder is read.
    assert [m.id for m in discover(tmp_path / ".git")] == ["hooks_x"]


def _roots(path: Path) -> list[tuple[str, list[str]]]:
    return [(root.relative_to(path).as_posix() or ".", [m.id for m in found])
            for root, found in discover_histories(path)]


def test_a_monorepo_root_holds_one_history_per_migration_directory(tmp_path: Path) -> None:
    """Two services' migrations, each a database of its own: not one history ordered by
    folder names (where b's versions would follow a's and b would see a's tables)."""
    write(tmp_path, {
        "services/a/migrations/0001_users.sql": "CREATE TABLE users (id int);",
        "services/a/migrations/0002_drop.sql": "DROP TABLE users;",
        "services/b/db/0001_orders.sql": "CREATE TABLE orders (id int);",
        "services/b/db/0002_users.sql": "ALTER TABLE users ADD COLUMN note text;",
        "services/c/README.md": "no SQL here",
        "node_modules/pkg/seed.sql": "CREATE TABLE seed (id int);",
    })
    assert _roots(tmp_path) == [
        ("services/a/migrations", ["0001_users", "0002_drop"]),
        ("services/b/db", ["0001_orders", "0002_users"]),
    ]


@pytest.mark.parametrize(("files", "expected"), [
    # SQL of its own: the folder is the history (its folders are not read, as before).
    ({"0001_a.sql": "SELECT 1;", "extra/0002_b.sql": "SELECT 1;"}, [(".", ["0001_a"])]),
    # Folders that are all versions: one history, read through them.
    ({"v1.0/schema.sql": "SELECT 1;", "v1.1/more.sql": "SELECT 1;"},
     [(".", ["v1.0_schema", "v1.1_more"])]),
    # A folder per migration, named by its version: one history, in version order.
    ({"0002_users/changes.sql": "SELECT 1;", "0001_init/schema.sql": "SELECT 1;",
      "0010_more/x.sql": "SELECT 1;"},
     [(".", ["0001_init_schema", "0002_users_changes", "0010_more_x"])]),
    # A known layout below a project's root: read as that layout, downs as downs.
    ({"db/migrations/2024-01-01-000000_users/up.sql": "CREATE TABLE users (id int);",
      "db/migrations/2024-01-01-000000_users/down.sql": "DROP TABLE users;"},
     [("db/migrations", ["2024-01-01-000000_users"])]),
    # No SQL anywhere: the folder itself, empty.
    ({"docs/readme.txt": "hello"}, [(".", [])]),
])
def test_a_folder_that_is_one_history_stays_one(tmp_path: Path, files: dict[str, str],
                                                 expected: list) -> None:
    write(tmp_path, files)
    assert _roots(tmp_path) == expected


def test_a_version_folder_holding_two_histories_is_no_migration_version(tmp_path: Path) -> None:
    """temporal's postgresql/v12/ holds two databases' migration directories: postgresql/ is
    no folder of versions (read so, the two histories were merged and replayed as one)."""
    write(tmp_path, {
        "v12/temporal/versioned/v1.0/schema.sql": "CREATE TABLE namespaces (id int);",
        "v12/temporal/versioned/v1.1/more.sql": "ALTER TABLE namespaces ADD COLUMN n int;",
        "v12/visibility/versioned/v1.0/schema.sql": "CREATE TABLE executions (id int);",
    })
    assert [root for root, _ in _roots(tmp_path)] == ["v12/temporal/versioned",
                                                      "v12/visibility/versioned"]


def test_a_named_layout_reads_the_folder_as_one_history(tmp_path: Path) -> None:
    write(tmp_path, {"a/0001_x.sql": "SELECT 1;", "b/0001_y.sql": "SELECT 1;"})
    assert len(discover_histories(tmp_path)) == 2
    ((root, found),) = discover_histories(tmp_path, "plain")
    assert root == tmp_path and [m.id for m in found] == ["a_0001_x", "b_0001_y"]


USERS = "CREATE TABLE users (id bigint PRIMARY KEY, email text);"
TYPE_CHANGE = "ALTER TABLE users ALTER COLUMN email TYPE varchar(10);"


@pytest.mark.parametrize(("files", "expected"), [
    # A schema dump at the root, migrations below it (found by an audit: only the dump was
    # linted).
    ({"schema.sql": USERS, "migrations/001_users.sql": USERS,
      "migrations/002_type.sql": TYPE_CHANGE}, [("migrations", ["001_users", "002_type"])]),
    # dbmate's default: db/schema.sql beside db/migrations/.
    ({"db/schema.sql": USERS, "db/migrations/20240101000000_users.sql":
      "-- migrate:up\n" + USERS + "\n-- migrate:down\n"},
     [("db/migrations", ["20240101000000_users"])]),
    # temporal: two dumps beside a folder of version folders.
    ({"database.sql": "SELECT 1;", "schema.sql": USERS, "versioned/v1.0/schema.sql": USERS,
      "versioned/v1.1/more.sql": TYPE_CHANGE},
     [("versioned", ["v1.0_schema", "v1.1_more"])]),
    # Rails: the migrations are Ruby; structure.sql and seeds.sql are not a history either.
    ({"db/structure.sql": USERS, "db/seeds.sql": "INSERT INTO users VALUES (1);",
      "db/migrate/20240101000000_users.rb": "class Users; end"}, [(".", [])]),
])
def test_dumps_beside_migrations_are_not_a_history(tmp_path: Path, files: dict[str, str],
                                                   expected: list) -> None:
    write(tmp_path, files)
    notes: list[str] = []
    roots = [(root.relative_to(tmp_path).as_posix() or ".", [m.id for m in found])
             for root, found in discover_histories(tmp_path, notes=notes)]
    assert roots == expected
    dumps = sorted(Path(name).name for name in files if "/" not in name.removeprefix("db/")
                   and name.endswith(".sql"))
    assert len(notes) == 1 and all(name in notes[0] for name in dumps)
    assert "not linted" in notes[0]


@pytest.mark.parametrize("files", [
    # Unversioned scripts and no migrations below: they are the history, as before.
    {"create_users.sql": USERS, "add_index.sql": "SELECT 1;"},
    {"schema.sql": USERS, "functions/refresh.sql": "SELECT 1;"},
    # Versioned files of its own: a history (its folders are not read).
    {"001_users.sql": USERS, "migrations/002_type.sql": TYPE_CHANGE},
])
def test_a_folder_of_scripts_without_migrations_below_stays_a_history(
        tmp_path: Path, files: dict[str, str]) -> None:
    write(tmp_path, files)
    ((root, found),) = discover_histories(tmp_path, notes=[])
    assert root == tmp_path
    assert sorted(m.path.name for m in found) == sorted(
        Path(name).name for name in files if "/" not in name)


def test_a_plain_history_says_which_of_its_folders_hold_migrations_it_does_not_read(
        tmp_path: Path) -> None:
    write(tmp_path, {"001_users.sql": USERS, "migrations/002_type.sql": TYPE_CHANGE,
                     "docs/readme.txt": "no SQL"})
    notes: list[str] = []
    discover_histories(tmp_path, notes=notes)
    assert len(notes) == 1 and str(tmp_path / "migrations") in notes[0]


@pytest.mark.parametrize("folder", ["vendor/github.com/x/y/testdata", "target/classes/db",
                                    "build/resources", "dist/sql"])
def test_vendored_copies_and_build_output_are_not_read(tmp_path: Path, folder: str) -> None:
    write(tmp_path, {"src/main/resources/db/migration/V1__users.sql": USERS,
                     f"{folder}/001_drop.sql": "DROP TABLE users;"})
    assert _roots(tmp_path) == [("src/main/resources/db/migration", ["1_users"])]


def _git(root: Path, *args: str) -> None:
    import subprocess

    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


def test_folders_git_ignores_are_not_read(tmp_path: Path) -> None:
    write(tmp_path, {"db/migrations/001_users.sql": USERS,
                     "out/copy/001_users.sql": USERS, ".gitignore": "/out/\n"})
    assert len(_roots(tmp_path)) == 2  # not a work tree: git is not asked
    _git(tmp_path, "init", "-q")
    assert _roots(tmp_path) == [("db/migrations", ["001_users"])]
    # Named on the command line, an ignored folder is read.
    assert _roots(tmp_path / "out") == [("copy", ["001_users"])]
    # The nested plain walk (version folders) skips it too.
    write(tmp_path, {"v1/001.sql": USERS, "v1/gen/002.sql": USERS, ".gitignore": "gen/\n"})
    assert [m.path.name for m in discover(tmp_path / "v1")] == ["001.sql"]


def test_without_git_nothing_counts_as_ignored(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, {"a/001_users.sql": USERS, "out/001_users.sql": USERS,
                     ".gitignore": "/out/\n"})
    _git(tmp_path, "init", "-q")
    monkeypatch.setenv("PATH", "/nonexistent")
    assert len(_roots(tmp_path)) == 2


def test_files_that_are_not_migrations_are_told_apart(tmp_path: Path) -> None:
    from lockwise.discover import not_a_migration

    write(tmp_path, {"db/schema.sql": USERS, "db/migrations/001_users.sql": USERS,
                     "sq/sqitch.plan": "%project=x\n", "sq/deploy/a.sql": USERS,
                     "sq/verify/a.sql": "SELECT 1;", "plain/schema.sql": USERS,
                     "other/verify/a.sql": "SELECT 1;", "db/add_index.sql": USERS})
    assert "schema dump" in (not_a_migration(tmp_path / "db/schema.sql") or "")
    assert "verify" in (not_a_migration(tmp_path / "sq/verify/a.sql") or "")
    # Named, any other file is linted, beside migrations or not.
    for migration in ("db/migrations/001_users.sql", "sq/deploy/a.sql", "plain/schema.sql",
                      "other/verify/a.sql", "db/add_index.sql"):
        assert not_a_migration(tmp_path / migration) is None, migration


@pytest.mark.parametrize("marker", ["-- migrate:up", "-- +goose Up", "-- +migrate Up"])
@pytest.mark.parametrize("text", ["ALTER TABLE t ADD COLUMN b int;\n", ""])
def test_a_migration_without_its_tools_up_marker_is_an_input_error(
        tmp_path: Path, marker: str, text: str) -> None:
    """dbmate, goose and sql-migrate refuse a migration without its up section ("dbmate
    requires each migration to define an up block", goose's "must start with '-- +goose Up'
    annotation", sql-migrate's "no Up/Down annotations found"): the deploy stops there. It
    was linted as if all of it were the up SQL, and passed."""
    down = "-- migrate:down\n" if "migrate:up" in marker else ""  # dbmate requires one
    write(tmp_path, {"1_init.sql": f"{marker}\nCREATE TABLE t (id bigint PRIMARY KEY);\n{down}",
                     "2_change.sql": text})
    with pytest.raises(InputError, match=f"without .*{re.escape(marker)}") as raised:
        discover(tmp_path)
    assert raised.value.path == tmp_path / "2_change.sql"


@pytest.mark.parametrize("annotation", ["  -- +goose Down", "\t-- +goose StatementBegin",
                                        " -- +goose NO TRANSACTION"])
def test_a_goose_annotation_with_leading_whitespace_is_an_input_error(
        tmp_path: Path, annotation: str) -> None:
    """goose's annotations "cannot have leading spaces" (its annotations documentation:
    `    -- +goose up` is "invalid, because leading whitespace"); releases before that check
    read such a line as a plain comment, so an indented Down ran the down SQL on up. Either
    way the deploy is not what the file says: refused at the annotation's line, not read as
    the annotation it would be without the spaces."""
    write(tmp_path, {"1_init.sql": "-- +goose Up\nCREATE TABLE t (id bigint);\n"
                                   f"{annotation}\nDROP TABLE t;\n"})
    with pytest.raises(InputError, match="leading whitespace") as raised:
        discover(tmp_path)
    assert raised.value.path == tmp_path / "1_init.sql"
    assert raised.value.line == 3


def test_sql_migrate_reads_its_annotations_as_written(tmp_path: Path) -> None:
    """sql-migrate runs a file with a Down annotation alone (no up statements), and knows
    only `-- +migrate Up` / `Down` as written: a lowercase `up` is no annotation to it."""
    write(tmp_path, {"1_init.sql": "-- +migrate Up\nCREATE TABLE t (id bigint);\n",
                     "2_down_only.sql": "-- +migrate Down\nDROP TABLE t;\n"})
    assert [m.up_sql.strip() for m in discover(tmp_path)][1] == ""
    (tmp_path / "3_lower.sql").write_text("-- +migrate up\nALTER TABLE t ADD COLUMN b int;\n")
    with pytest.raises(InputError, match="without -- \\+migrate Up"):
        discover(tmp_path)


def test_dbmate_reads_its_markers_as_written(tmp_path: Path) -> None:
    """dbmate's parser (pkg/dbmate/migration.go, `(?m)^--\\s*migrate:up(\\s*$|\\s+\\S+)`)
    knows only a lowercase `-- migrate:up` / `-- migrate:down` at the start of a line: an
    uppercase marker is no marker to it, so a file with only that is refused, and an uppercase
    down marker below the up one is part of the up section."""
    write(tmp_path, {"1_init.sql": "-- migrate:up\nCREATE TABLE t (id bigint);\n"
                                   "-- Migrate:Down\nCREATE TABLE u (id bigint);\n"
                                   "-- migrate:down\nDROP TABLE t;\n"})
    [init] = discover(tmp_path)
    assert "CREATE TABLE u" in init.up_sql and "DROP TABLE t" not in init.up_sql
    (tmp_path / "2_upper.sql").write_text("-- MIGRATE:UP\nALTER TABLE t ADD COLUMN b int;\n")
    with pytest.raises(InputError, match="without -- migrate:up") as raised:
        discover(tmp_path)
    assert raised.value.path == tmp_path / "2_upper.sql"


def test_goose_no_transaction_is_honoured_anywhere_in_the_file(tmp_path: Path) -> None:
    """goose's sqlparser.ParseSQLMigration reads every line of the file, whichever direction
    it runs, and `-- +goose NO TRANSACTION` on any of them sets useTx = false for both
    directions: below a long up section (past the first 4 KB) or in the down section too."""
    padding = "".join(f"-- comment line {i:04d} that pads the file past its head\n"
                      for i in range(120))
    write(tmp_path, {
        "00001_far.sql": f"-- +goose Up\n{padding}-- +goose NO TRANSACTION\n"
                         "CREATE INDEX CONCURRENTLY t_a ON t (a);\n",
        "00002_down.sql": "-- +goose Up\nCREATE INDEX CONCURRENTLY t_b ON t (b);\n"
                          f"{padding}-- +goose Down\n-- +goose NO TRANSACTION\n"
                          "DROP INDEX CONCURRENTLY t_b;\n",
        "00003_plain.sql": f"-- +goose Up\n{padding}CREATE INDEX t_c ON t (c);\n"
                           "-- not a goose NO TRANSACTION annotation\n",
    })
    migrations = discover(tmp_path)
    assert [(m.layout, m.no_transaction) for m in migrations] == [
        ("goose", True), ("goose", True), ("goose", False)]


def test_golang_migrate_runs_up_files_of_any_extension_as_sql(tmp_path: Path) -> None:
    """golang-migrate's source.Regex, `^([0-9]+)_(.*)\\.(down|up)\\.(.*)$`, takes any extension,
    and its postgres driver's Run sends the file's bytes to the server as they are: a
    `2_b.up.txt` (or a `3_c.up.sql.bak` left behind) runs as SQL, so it is linted as SQL and
    a note names it."""
    write(tmp_path, {"1_a.up.sql": "CREATE TABLE t (a int);",
                     "2_b.up.txt": "CREATE INDEX t_a ON t (a);",
                     "2_b.down.txt": "DROP INDEX t_a;",
                     "3_c.up.sql.bak": "ALTER TABLE t ADD COLUMN b int;",
                     "README.md": "# migrations", "4_d.up": "SELECT 1;"})
    notes: list[str] = []
    ((_, found),) = discover_histories(tmp_path, notes=notes)
    assert [(m.layout, m.version, m.name, m.up_sql) for m in found] == [
        ("golang-migrate", "1", "a", "CREATE TABLE t (a int);"),
        ("golang-migrate", "2", "b", "CREATE INDEX t_a ON t (a);"),
        ("golang-migrate", "3", "c", "ALTER TABLE t ADD COLUMN b int;")]
    assert found[1].down_sql == "DROP INDEX t_a;"
    assert len(notes) == 1
    assert "2_b.up.txt" in notes[0] and "3_c.up.sql.bak" in notes[0]
    assert "README.md" not in notes[0] and "4_d.up" not in notes[0]


_DBMATE_UP = "-- migrate:up\nCREATE TABLE {0} (a int);\n-- migrate:down\nDROP TABLE {0};\n"


def test_dbmate_runs_its_files_in_file_name_order(tmp_path: Path) -> None:
    """dbmate's FindMigrations (pkg/dbmate/db.go) sorts the migrations by FileName with Go's
    `<` on strings: byte by byte, as text, not as numbers. It runs `10_b.sql` before
    `9_a.sql`, and before `1_c.sql` too ('0' sorts before '_'): lockwise reads them so."""
    write(tmp_path, {"9_a.sql": _DBMATE_UP.format("a"), "10_b.sql": _DBMATE_UP.format("b"),
                     "1_c.sql": _DBMATE_UP.format("c")})
    found = discover(tmp_path)
    assert [(m.layout, m.path.name) for m in found] == [
        ("dbmate", "10_b.sql"), ("dbmate", "1_c.sql"), ("dbmate", "9_a.sql")]


def test_dbmate_version_is_the_digits_its_file_name_begins_with(tmp_path: Path) -> None:
    """dbmate's migrationFileRegexp, `^(\\d+).*\\.sql$` (pkg/dbmate/db.go), takes matches[1] as
    the Version it records: the ASCII digits (Go's \\d) the name begins with, kept as text.
    `20240101.1_a.sql` is version 20240101; a name that begins with other digits (Arabic-Indic
    ٣) is no migration, and a note names it."""
    write(tmp_path, {"20240101.1_a.sql": _DBMATE_UP.format("a"),
                     "20240102_b.sql": _DBMATE_UP.format("b"),
                     "\u0663_c.sql": _DBMATE_UP.format("c")})
    notes: list[str] = []
    ((_, found),) = discover_histories(tmp_path, notes=notes)
    assert [(m.layout, m.version) for m in found] == [
        ("dbmate", "20240101"), ("dbmate", "20240102")]
    assert len(notes) == 1 and "\u0663_c.sql" in notes[0], notes


_GOOSE_UP = "-- +goose Up\nCREATE TABLE {0} (a int);\n-- +goose Down\nDROP TABLE {0};\n"


def test_goose_reads_only_the_files_goose_takes_and_names_the_others(tmp_path: Path) -> None:
    """goose's NumericComponent (migrate.go, provider_collect.go; pressly/goose v3): a
    migration's name ends in `.sql` or `.go` as written (its fs.Glob patterns `*.sql` and
    `*.go` keep case), and the text before its first `_` parses as an int64 above zero
    (strconv.ParseInt). `goose up` (collectMigrationsFS) refuses a folder holding a .sql file
    that does not parse ("could not parse SQL migration file"); goose.NewProvider skips it.
    Neither runs one, so lockwise does not lint it, and a note names each such file. A
    versioned `.go` file is a Go migration goose runs in version order (registered in the
    binary): a note says it is not linted; `helpers.go` and `_test.go` files goose skips."""
    write(tmp_path, {"00001_a.sql": _GOOSE_UP.format("a"), "00002_b.sql": _GOOSE_UP.format("b"),
                     "notes.sql": _GOOSE_UP.format("n"), "0_zero.sql": _GOOSE_UP.format("z"),
                     "1.5_dotted.sql": _GOOSE_UP.format("d"),
                     "00003_c.SQL": _GOOSE_UP.format("c"),
                     "00004_backfill.go": "package migrations\n",
                     "helpers.go": "package migrations\n",
                     "00005_backfill_test.go": "package migrations\n"})
    notes: list[str] = []
    ((_, found),) = discover_histories(tmp_path, notes=notes)
    assert [(m.layout, m.path.name) for m in found] == [
        ("goose", "00001_a.sql"), ("goose", "00002_b.sql")]
    assert len(notes) == 2, notes
    skipped, go = sorted(notes, key=lambda note: ".go" in note)
    for name in ("notes.sql", "0_zero.sql", "1.5_dotted.sql", "00003_c.SQL"):
        assert name in skipped
    assert "could not parse SQL migration file" in skipped
    assert "00004_backfill.go" in go and "helpers.go" not in go and "_test.go" not in go


def test_a_flyway_location_of_undo_files_only_is_named(tmp_path: Path) -> None:
    """A Flyway location with undo (`U…`) files and no versioned (`V…`) file holds nothing
    Flyway migrates (its ResourceNameParser takes U files as undo migrations, each the undo
    of the versioned migration of its version): lockwise lints nothing there, and a note
    says why, naming the undo files."""
    write(tmp_path, {"U1__a.sql": "DROP TABLE a;", "U2__b.sql": "DROP TABLE b;"})
    notes: list[str] = []
    ((_, found),) = discover_histories(tmp_path, notes=notes)
    assert found == []
    assert len(notes) == 1, notes
    assert "U1__a.sql" in notes[0] and "U2__b.sql" in notes[0]
    assert "only undo" in notes[0]
