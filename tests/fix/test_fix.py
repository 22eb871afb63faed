"""`lockwise fix`: each unsafe pattern is rewritten into a sequence that lints clean and gives
the same schema and data as the original on a real PostgreSQL."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.core.types import Safety
from lockwise.discover import discover
from lockwise.fix.plan import FixPlan, Unrewritable, plan_fix
from lockwise.fix.settle import plan_migrations
from lockwise.fix.write import VersionAllocator, render_plan
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.postgres import parse_sql
from lockwise.parse.quoting import quote_ident, quote_literal
from tree_helpers import write

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "fix"
PATTERNS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


def write_files(root: Path, files: dict[str, str]) -> Path:
    """`root` holding `files` (relative path -> text)."""
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def rewrite_dir(source: Path, target: Path) -> dict[str, str]:
    """Copy `source` to `target`, apply the fixes there; return the written files' texts."""
    return rewrite_dir_noting(source, target)[0]


def rewrite_dir_noting(source: Path, target: Path, options: LintOptions | None = None,
                       ) -> tuple[dict[str, str], list[str]]:
    """`rewrite_dir`, with the notes of the rewrites (and of the migrations left out)."""
    shutil.copytree(source, target)
    migrations = discover(target)
    options = options or LintOptions()
    planned = plan_migrations(migrations, options, pg_version=options.pg_version)
    versions = VersionAllocator(migrations, [p.report for p in planned])
    written: dict[str, str] = {}
    notes: list[str] = []
    for p in planned:
        try:
            if p.unrewritable is not None:
                raise Unrewritable(p.unrewritable)
            if p.plan is None:
                continue
            files, plan_notes = render_plan(p.plan, versions)
        except Unrewritable as exc:
            notes.append(f"{p.report.migration.id}: not rewritten: {exc}")
            continue
        notes += plan_notes
        for out in files:
            out.path.parent.mkdir(parents=True, exist_ok=True)
            out.path.write_text(out.text)
            written[str(out.path.relative_to(target))] = out.text
    return written, notes


def apply_all(uri: str, directory: Path, until: str = "") -> None:
    """The migrations of `directory` applied in order; those from the first whose file name
    holds `until` (when given) on, not."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        for migration in discover(directory):
            if until and until in migration.path.name:
                return
            statements = [s.sql for s in parse_sql(migration.up_sql).statements]
            if migration.no_transaction:
                for sql in statements:
                    conn.execute(sql)
            else:
                with conn.transaction():
                    for sql in statements:
                        conn.execute(sql)


def test_every_pattern_has_a_fixture() -> None:
    assert set(PATTERNS) >= {"create-index", "drop-index", "foreign-key", "check-constraint",
                             "unique-constraint", "set-not-null", "volatile-default",
                             "lock-timeout", "column-type", "rename-column"}


@pytest.mark.parametrize("pattern", PATTERNS)
def test_rewrite_snapshot(pattern: str, tmp_path: Path, snapshot) -> None:
    assert rewrite_dir(FIXTURES / pattern, tmp_path / pattern) == snapshot


@pytest.mark.parametrize("pattern", PATTERNS)
def test_rewritten_migrations_lint_clean(pattern: str, tmp_path: Path) -> None:
    before = lint_migrations(discover(FIXTURES / pattern), LintOptions())
    assert max(r.safety for r in before) >= Safety.SAFE_WITH_CARE, "fixture is not unsafe"
    rewrite_dir(FIXTURES / pattern, tmp_path / pattern)
    after = lint_migrations(discover(tmp_path / pattern), LintOptions())
    worst = {r.migration.id: [f.rule for f in r.all_findings if f.safety > Safety.SAFE_WITH_CARE]
             for r in after[1:]}
    assert not any(worst.values()), worst


@pytest.mark.postgres
@pytest.mark.parametrize("pattern", PATTERNS)
def test_rewrite_is_equivalent_on_postgres(pattern: str, tmp_path: Path, pg_server: str) -> None:
    import psycopg

    from lockwise.db.scratch import create_database
    from lockwise.verify.snapshot import diff_snapshots, take_snapshot

    rewrite_dir(FIXTURES / pattern, tmp_path / pattern)
    original = create_database(pg_server, f"fix_orig_{pattern.replace('-', '_')}")
    rewritten = create_database(pg_server, f"fix_new_{pattern.replace('-', '_')}")
    apply_all(original, FIXTURES / pattern)
    apply_all(rewritten, tmp_path / pattern)
    with psycopg.connect(original) as a, psycopg.connect(rewritten) as b:
        assert diff_snapshots(take_snapshot(a), take_snapshot(b)) == []
        for table in ("accounts", "orders"):
            rows = f"SELECT to_jsonb(t) FROM {table} t ORDER BY id"  # by column name, any order
            if pattern == "volatile-default":
                rows = rows.replace("to_jsonb(t)", "to_jsonb(t) - 'public_id'")
            assert a.execute(rows).fetchall() == b.execute(rows).fetchall()
        if pattern == "volatile-default":
            nulls = "SELECT count(*) FROM accounts WHERE public_id IS NULL"
            distinct = "SELECT count(DISTINCT public_id) FROM accounts"
            assert b.execute(nulls).fetchone() == (0,)
            assert b.execute(distinct).fetchone() == a.execute(distinct).fetchone()


@pytest.mark.postgres
@pytest.mark.parametrize("pattern", ["set-not-null", "volatile-default"])
def test_not_null_on_pg18_ends_with_the_constraint_postgres_names(
        pattern: str, tmp_path: Path, pg_server: str) -> None:
    """PostgreSQL 18 keeps NOT NULL as a constraint named table_column_not_null. A CHECK of
    that name held while SET NOT NULL runs pushed it to table_column_not_null1, so the
    rewritten migrations ended with other names than the original (a later DROP CONSTRAINT
    of the usual name fails). On 18 the rewrite adds the NOT NULL itself NOT VALID (instant)
    and validates it in the next migration (SHARE UPDATE EXCLUSIVE)."""
    import psycopg

    from lockwise.db.scratch import create_database

    written, _ = rewrite_dir_noting(FIXTURES / pattern, tmp_path / pattern,
                                    LintOptions(pg_version=18))
    assert any("NOT VALID" in text and " NOT NULL " in text for text in written.values())
    names = "SELECT conrelid::regclass::text, conname, convalidated FROM pg_constraint " \
            "WHERE contype IN ('n', 'c') AND connamespace = 'public'::regnamespace ORDER BY 1, 2"
    found = []
    for directory, side in ((FIXTURES / pattern, "orig"), (tmp_path / pattern, "new")):
        uri = create_database(pg_server, f"fix18_{side}_{pattern.replace('-', '_')}")
        apply_all(uri, directory)
        with psycopg.connect(uri) as conn:
            found.append(conn.execute(names).fetchall())
    assert found[0] == found[1]


#: Histories whose NOT NULL constraints keep names another than `table_column_not_null` by
#: the time the migration fix rewrites runs: a table or a column renamed (the constraint keeps
#: its name), a renamed table's constraint holding the name a new one would get (numbered).
KEPT_NOT_NULL_NAMES = {
    "type_change_after_table_rename": (
        "CREATE TABLE t0 (id bigint PRIMARY KEY, a int NOT NULL);\n"
        "INSERT INTO t0 SELECT g, g FROM generate_series(1, 50) g;\n"
        "ALTER TABLE t0 RENAME TO t;\n", "ALTER TABLE t ALTER COLUMN a TYPE bigint;\n"),
    "not_valid_not_null_after_table_rename": (
        "CREATE TABLE t0 (id bigint PRIMARY KEY, a int);\n"
        "ALTER TABLE t0 ADD NOT NULL a NOT VALID;\n"
        "ALTER TABLE t0 RENAME TO t;\n", "ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n"),
    "name_kept_by_a_renamed_table": (
        "CREATE TABLE t (id bigint PRIMARY KEY, a int NOT NULL);\n"
        "ALTER TABLE t RENAME TO old_t;\n"
        "CREATE TABLE t (id bigint PRIMARY KEY, a int);\n",
        "ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n"),
    "name_kept_by_a_renamed_column": (
        "CREATE TABLE t (id bigint PRIMARY KEY, a int NOT NULL);\n"
        "ALTER TABLE t RENAME COLUMN a TO b;\n"
        "ALTER TABLE t ADD COLUMN a int;\n", "ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n"),
}


@pytest.mark.postgres
@pytest.mark.parametrize("case", sorted(KEPT_NOT_NULL_NAMES))
def test_not_null_names_kept_through_renames_are_the_ones_fix_writes(
        case: str, tmp_path: Path, pg_server: str) -> None:
    """Checked on 18.6: a NOT NULL constraint keeps its name when its table or column is
    renamed, and a name so kept is taken for a new one. The names the rewrite writes (the
    constraint it validates, adds NOT VALID, or renames back in the contract step) are the
    server's: the rewritten migrations run and end with the names the original ones leave."""
    import psycopg

    from lockwise.db.scratch import create_database

    setup, change = KEPT_NOT_NULL_NAMES[case]
    source = write_files(tmp_path / "src", {"0001_init.up.sql": setup,
                                             "0002_x.up.sql": change})
    written, notes = rewrite_dir_noting(source, tmp_path / "out", LintOptions(pg_version=18))
    assert any("0002" in name for name in written), (written, notes)
    names = "SELECT conrelid::regclass::text, conname, convalidated FROM pg_constraint " \
            "WHERE contype IN ('n', 'c') AND connamespace = 'public'::regnamespace ORDER BY 1, 2"
    found = []
    for directory, side in ((source, "orig"), (tmp_path / "out", "new")):
        uri = create_database(pg_server, f"kept_{side}_{case}")
        apply_all(uri, directory)
        with psycopg.connect(uri) as conn:
            found.append(conn.execute(names).fetchall())
    assert found[0] == found[1]


def test_cli_prints_a_diff_and_writes_with_write(tmp_path: Path) -> None:
    target = tmp_path / "m"
    shutil.copytree(FIXTURES / "foreign-key", target)
    runner = CliRunner()
    shown = runner.invoke(app, ["fix", str(target)])
    assert shown.exit_code == 1
    assert "+ALTER TABLE orders VALIDATE CONSTRAINT orders_account_fk;" in shown.stdout
    assert len(list(target.iterdir())) == 2, "a diff must not write files"
    written = runner.invoke(app, ["fix", str(target), "--write"])
    assert written.exit_code == 0
    assert (target / "0003_change_follow_up.up.sql").is_file()
    again = runner.invoke(app, ["fix", str(target)])
    assert again.exit_code == 0 and "nothing to rewrite" in again.stderr


#: Durations PostgreSQL accepts for lock_timeout, and text it refuses (units are
#: case-sensitive; a quote must never reach the SQL). lockwise accepts a subset: PostgreSQL
#: also reads `1e3` and `0x10`, which nobody writes for a timeout.
DURATIONS = ["5s", "500ms", "1min", " 2 s", "1.5s", "0", "250", "3h", "1d", "100us"]
NOT_DURATIONS = ["abc", "5 sec", "2S", "-1s", "5s'; DROP TABLE accounts; --", "", "5m"]


@pytest.mark.parametrize("value", NOT_DURATIONS)
def test_fix_refuses_a_lock_timeout_that_is_no_duration(tmp_path: Path, value: str) -> None:
    target = tmp_path / "m"
    shutil.copytree(FIXTURES / "foreign-key", target)
    result = CliRunner().invoke(app, ["fix", str(target), "--lock-timeout", value])
    assert result.exit_code == 2
    assert "Invalid value for '--lock-timeout'" in result.stderr
    assert "lock_timeout" not in result.stdout


def test_fix_writes_a_valid_lock_timeout_as_a_literal(tmp_path: Path) -> None:
    target = tmp_path / "m"
    shutil.copytree(FIXTURES / "foreign-key", target)
    result = CliRunner().invoke(app, ["fix", str(target), "--lock-timeout", " 2 s"])
    assert result.exit_code == 1, result.output
    assert "+SET LOCAL lock_timeout = '2 s';" in result.stdout


def test_what_fix_accepts_as_a_duration_is_what_postgres_accepts(pg_db: str) -> None:
    import psycopg

    from lockwise.effects.session import is_duration

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for value in DURATIONS + NOT_DURATIONS:
            try:
                conn.execute(f"SET lock_timeout = {quote_literal(value)}")
                accepted = True
            except psycopg.Error:
                accepted = False
            assert is_duration(value) == accepted, value


def test_diesel_steps_without_a_gap_take_sub_versions(tmp_path: Path) -> None:
    """diesel orders versions as text: with the next migration one step away, the steps take
    `<version>-1`, `-2`, which run right after the original, not after the newest."""
    for name in ("2024-01-01-000001_a", "2024-01-01-000002_b", "2025-01-01-000000_c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "up.sql").write_text("SELECT 1;")
        (tmp_path / name / "down.sql").write_text("SELECT 1;")
    migrations = discover(tmp_path)
    versions = VersionAllocator(migrations)
    assert versions.allocate(migrations[0], 2) == (
        ["2024-01-01-000001-1", "2024-01-01-000001-2"], False)
    assert sorted(["2024-01-01-000002", "2024-01-01-000001-2", "2024-01-01-000001"]) == [
        "2024-01-01-000001", "2024-01-01-000001-2", "2024-01-01-000002"]


def _fixed_diesel(tmp_path: Path, change: str, *later: str) -> list[str]:
    """The folders of a diesel history once `fix --write` split the folder `change` (an index
    built in a transaction, then SET NOT NULL), in diesel's order; `later`: folders after it."""
    source = write_files(tmp_path / "src", {
        "2024-01-01-000000_setup/up.sql": "CREATE TABLE t (id bigint, a int);",
        "2024-01-01-000000_setup/down.sql": "DROP TABLE t;",
        f"{change}/up.sql": CHANGE, f"{change}/down.sql": "DROP INDEX t_a;",
        **{f"{name}/up.sql": "SELECT 1;" for name in later},
        **{f"{name}/down.sql": "SELECT 1;" for name in later}})
    shutil.copytree(source, tmp_path / "out")
    result = CliRunner().invoke(app, ["fix", str(tmp_path / "out"), "--write"])
    assert result.exit_code == 0, result.output
    rewritten = discover(tmp_path / "out")
    assert {m.layout for m in rewritten} == {"diesel"}
    from lockwise.graph.api import history_conflicts

    # (the steps' downs undo nothing: down-mismatch is expected of them)
    assert history_conflicts([rewritten], pg_version=16, check_downs=False) == []
    steps = [m for m in rewritten if m.path.parent.name not in (change, *later)][1:]
    assert [m.no_transaction for m in steps] == [True, False]
    return [m.path.parent.name for m in rewritten]


@pytest.mark.parametrize(("change", "steps", "later"), [
    # diesel_cli names a migration `%Y-%m-%d-%H%M%S_<name>` (diesel_cli/src/main.rs,
    # TIMESTAMP_FORMAT): the steps after 23:59:59 are the next seconds, the next day's, in
    # the same form, not `235960`.
    ("2024-01-02-235959_add_x",
     ["2024-01-03-000000_add_x_concurrently", "2024-01-03-000001_add_x_follow_up"],
     "2024-02-01-000000_next"),
    # A folder without `_` is all version to diesel (version_from_string: up to the first
    # `_`): its steps are named as it is, dashes only and its words, not
    # `...-add-x-migration_concurrently`; as text `20240102030407addxconcurrently` sorts
    # between `20240102030406addx` and `20240102030410next`.
    ("2024-01-02-030406-add-x",
     ["2024-01-02-030407-add-x-concurrently", "2024-01-02-030408-add-x-follow-up"],
     "2024-01-02-030410-next"),
    # With the next folder a second later no timestamp fits between: the folder's own name
    # and a number, which diesel runs right after it (`20240102030406addx1concurrently`
    # before `20240102030407next`), and which reads in the same order as numbers too (no
    # ambiguous-order).
    ("2024-01-02-030406-add-x",
     ["2024-01-02-030406-add-x-1-concurrently", "2024-01-02-030406-add-x-2-follow-up"],
     "2024-01-02-030407-next"),
])
def test_diesel_steps_are_named_as_the_folder_they_follow(
        tmp_path: Path, change: str, steps: list[str], later: str) -> None:
    """The steps look like the user's folders and run right after the one they split, in
    diesel's order (versions as text, dashes dropped: migrations_internals'
    version_from_string)."""
    assert _fixed_diesel(tmp_path, change, later) == [
        "2024-01-01-000000_setup", change, *steps, later]


def test_a_diesel_timestamp_steps_past_its_name_digits(tmp_path: Path) -> None:
    """The timestamp is what is counted up, not the last number of the folder's name: the
    steps of `2024-01-02-030406-add-v2` are `2024-01-02-030407-add-v2-...`."""
    (tmp_path / "2024-01-02-030406-add-v2").mkdir()
    (tmp_path / "2024-01-02-030406-add-v2" / "up.sql").write_text("SELECT 1;")
    migrations = discover(tmp_path)
    assert VersionAllocator(migrations).allocate(migrations[0], 2) == (
        ["2024-01-02-030407-add-v2", "2024-01-02-030408-add-v2"], False)


HASURA_PROJECT = {"config.yaml": "version: 3\nendpoint: http://localhost:8080\n"
                                 "metadata_directory: metadata\n",
                  "metadata/version.yaml": "version: 3\n"}


def test_fix_writes_hasura_migrations(tmp_path: Path) -> None:
    """The Hasura CLI reads `<version>_<name>/up.sql` and `down.sql` as `<folder>.up.sql`
    (cli/migrate/source/file/file.go, Scan; source/parse.go, Regex), the version an unsigned
    64-bit integer, in number order (source/migration.go, uint64Slice); `hasura migrate
    create` numbers them by the time in milliseconds (cli/commands/migrate_create.go,
    getTime). It runs an up.sql outside a transaction only when its first line is
    `-- hasura:no-transaction` (cli/migrate/detect_no_transaction_test.go), and refuses an
    empty SQL file (parse.go, "Empty SQL file"). The steps are such migrations, numbered
    right after the one they split; one rewritten in place into a CONCURRENTLY build alone
    begins with the marker too."""
    source = write_files(tmp_path / "src", {
        **HASURA_PROJECT,
        "migrations/default/1700000000000_setup/up.sql": "CREATE TABLE t (id bigint, a int);",
        "migrations/default/1700000000000_setup/down.sql": "DROP TABLE t;",
        "migrations/default/1700000100000_index/up.sql": CHANGE,
        "migrations/default/1700000100000_index/down.sql": "DROP INDEX t_a;",
        "migrations/default/1700000200000_only_index/up.sql": "CREATE INDEX t_id ON t (id);",
        "migrations/default/1700000200000_only_index/down.sql": "DROP INDEX t_id;"})
    shutil.copytree(source, tmp_path / "out")
    folder = tmp_path / "out" / "migrations" / "default"
    result = CliRunner().invoke(app, ["fix", str(folder), "--write"])
    assert result.exit_code == 0, result.output
    assert "v2.45.3" in result.output  # the server that reads the marker
    rewritten = discover(folder)
    assert [(m.layout, m.path.parent.name) for m in rewritten] == [
        ("hasura", "1700000000000_setup"), ("hasura", "1700000100000_index"),
        ("hasura", "1700000100001_index_concurrently"),
        ("hasura", "1700000100002_index_follow_up"), ("hasura", "1700000200000_only_index")]
    marked = [m.path.read_text().startswith("-- hasura:no-transaction\n") for m in rewritten]
    assert marked == [False, False, True, False, True]
    assert [m.no_transaction for m in rewritten] == marked
    assert all(m.down_sql and m.down_sql.strip() for m in rewritten)
    assert "DROP INDEX t_a" in (rewritten[1].down_sql or "")
    after = lint_migrations(rewritten, LintOptions())
    assert max(r.safety for r in after) <= Safety.SAFE_WITH_CARE
    from lockwise.graph.api import history_conflicts

    assert history_conflicts([rewritten], pg_version=16, check_downs=False) == []


def test_versions_fill_the_gap_or_go_after_the_newest(tmp_path: Path) -> None:
    for name, text in {"010_a.up.sql": "SELECT 1;", "020_b.up.sql": "SELECT 1;",
                       "021_c.up.sql": "SELECT 1;"}.items():
        (tmp_path / name).write_text(text)
    migrations = discover(tmp_path)
    versions = VersionAllocator(migrations)
    assert versions.allocate(migrations[0], 2) == (["011", "012"], False)
    assert versions.allocate(migrations[0], 1) == (["013"], False)
    assert versions.allocate(migrations[1], 1) == (["022"], True)


def _dbmate(root: Path, *names: str) -> list:
    for name in names:
        (root / name).write_text("-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 1;\n")
    return discover(root)


def _runs_after(migrations: list, original: str, version: str) -> list[str]:
    """The file names in dbmate's order (as text), with the new `<version>_step.sql`."""
    return sorted([m.path.name for m in migrations] + [f"{version}_step.sql"])


def test_dbmate_steps_sort_right_after_the_original_as_text(tmp_path: Path) -> None:
    """dbmate runs its files in the order of their names as text: 10_b.sql, 1_a.sql, 9_c.sql.
    A step of 10_b takes 11, whose file (11_...) runs right after 10_b.sql, in the gap
    before 1_a.sql: not a version "after the newest"."""
    migrations = _dbmate(tmp_path, "1_a.sql", "10_b.sql", "9_c.sql")
    assert [m.path.name for m in migrations] == ["10_b.sql", "1_a.sql", "9_c.sql"]
    versions = VersionAllocator(migrations)
    assert versions.allocate(migrations[0], 1) == (["11"], False)
    assert _runs_after(migrations, "10_b.sql", "11")[:2] == ["10_b.sql", "11_step.sql"]


def test_dbmate_steps_after_the_last_file_sort_after_it_as_text(tmp_path: Path) -> None:
    """1_a.sql, 20_c.sql, 2_b.sql in dbmate's order: a step of 1_a has no free version
    before 20_c (2 is taken, 3_... sorts after 2_b.sql), so it goes after the file dbmate
    runs last, 2_b.sql: version 3, not 21 (21_... would run before 2_b.sql)."""
    migrations = _dbmate(tmp_path, "1_a.sql", "2_b.sql", "20_c.sql")
    assert [m.path.name for m in migrations] == ["1_a.sql", "20_c.sql", "2_b.sql"]
    versions = VersionAllocator(migrations)
    assert versions.allocate(migrations[0], 1) == (["3"], True)
    assert _runs_after(migrations, "1_a.sql", "3")[-1] == "3_step.sql"


def test_dbmate_step_without_a_version_sorting_after_the_last_is_refused(
        tmp_path: Path) -> None:
    """9_c.sql runs last: every free version's file (11_..., 90_...) sorts before it as
    text, so a step numbered after it would run before it. fix says so instead."""
    migrations = _dbmate(tmp_path, "1_a.sql", "10_b.sql", "9_c.sql")
    versions = VersionAllocator(migrations)
    with pytest.raises(Unrewritable, match="9_c.sql"):
        versions.allocate(migrations[2], 1)


def test_flyway_steps_skip_a_version_taken_by_the_next_migration(tmp_path: Path) -> None:
    """V1.1 follows V1: a step of V1 takes 1.0.1 (after 1 and before 1.1 to Flyway), not
    1.1, which Flyway would refuse as a second migration of that version."""
    for name in ("V1__a.sql", "V1.1__b.sql", "V2__c.sql"):
        (tmp_path / name).write_text("SELECT 1;\n")
    migrations = discover(tmp_path)
    assert [m.version for m in migrations] == ["1", "1.1", "2"]
    versions = VersionAllocator(migrations)
    assert versions.allocate(migrations[0], 2) == (["1.0.1", "1.0.2"], False)
    assert versions.allocate(migrations[1], 1) == (["1.1.1"], False)


def test_goose_steps_compare_versions_as_numbers(tmp_path: Path) -> None:
    """goose reads 00002 as 2: a step of 1_a.sql cannot take 2, and goes after the newest
    (00003 -> 00004)."""
    for name in ("1_a.sql", "00002_b.sql", "00003_c.sql"):
        (tmp_path / name).write_text("-- +goose Up\nSELECT 1;\n")
    migrations = discover(tmp_path)
    assert [m.layout for m in migrations] == ["goose"] * 3
    versions = VersionAllocator(migrations)
    assert versions.allocate(migrations[0], 1) == (["00004"], True)
    assert versions.allocate(migrations[1], 1) == (["00005"], True)


def test_goose_steps_skip_the_versions_of_go_migrations(tmp_path: Path) -> None:
    """goose runs its Go migrations (00002_b.go) in version order with the SQL ones, and
    refuses two files of one version (pressly/goose v3 migrate.go, Migrations.Less: "duplicate
    version"; provider_collect.go: "found duplicate migration version"): a step of 00001_a
    cannot take 2 (the .go file's), and one of 00003_c cannot take 4 either; with no free
    version before the next migration, the steps go after the newest, a .go one included."""
    for name in ("00001_a.sql", "00003_c.sql"):
        (tmp_path / name).write_text("-- +goose Up\nSELECT 1;\n")
    for name in ("00002_b.go", "00004_d.go", "00001_e_test.go"):
        (tmp_path / name).write_text("package migrations\n")
    migrations = discover(tmp_path)
    assert [m.path.name for m in migrations] == ["00001_a.sql", "00003_c.sql"]
    versions = VersionAllocator(migrations)
    assert versions.allocate(migrations[0], 1) == (["00005"], True)
    assert versions.allocate(migrations[1], 1) == (["00006"], True)


CHANGE = "CREATE INDEX t_a ON t (a);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;\n"
LAYOUT_CASES = {
    "diesel": ({"2024-01-01-000000_setup/up.sql": "CREATE TABLE t (id bigint, a int);",
                "2024-01-01-000000_setup/down.sql": "DROP TABLE t;",
                "2024-02-01-000000_index/up.sql": CHANGE,
                "2024-02-01-000000_index/down.sql": "DROP INDEX t_a;"},
               ["2024-02-01-000000_index/up.sql",
                "2024-02-01-000001_index_concurrently/up.sql",
                "2024-02-01-000001_index_concurrently/down.sql",
                "2024-02-01-000001_index_concurrently/metadata.toml",
                "2024-02-01-000002_index_follow_up/up.sql",
                "2024-02-01-000002_index_follow_up/down.sql"]),
    "flyway": ({"V1__setup.sql": "CREATE TABLE t (id bigint, a int);", "V2__index.sql": CHANGE},
               ["V2__index.sql", "V2.1__index_concurrently.sql",
                "V2.1__index_concurrently.sql.conf", "V2.2__index_follow_up.sql"]),
    # Run without a transaction (psql -f): each step brings its own BEGIN/COMMIT.
    "plain": ({"0001_setup.sql": "CREATE TABLE t (id bigint, a int);",
               "0002_index.sql": "BEGIN;\n" + CHANGE + "COMMIT;\n"},
              ["0002_index.sql", "0003_index_concurrently.sql", "0004_index_follow_up.sql"]),
    "goose": ({"20240101000000_setup.sql": "-- +goose Up\nCREATE TABLE t (id bigint, a int);"
                                           "\n-- +goose Down\nDROP TABLE t;\n",
               "20240201000000_index.sql": "-- +goose Up\n" + CHANGE +
                                           "-- +goose Down\nDROP INDEX t_a;\n"},
              ["20240201000000_index.sql", "20240201000001_index_concurrently.sql",
               "20240201000002_index_follow_up.sql"]),
    "sql-migrate": ({"1_setup.sql": "-- +migrate Up\nCREATE TABLE t (id bigint, a int);"
                                    "\n-- +migrate Down\nDROP TABLE t;\n",
                     "2_index.sql": "-- +migrate Up\n" + CHANGE +
                                    "-- +migrate Down\nDROP INDEX t_a;\n"},
                    # sql-migrate knows a file by its name: the steps share the version.
                    ["2_index.sql", "2_index_1_concurrently.sql", "2_index_2_follow_up.sql"]),
    "atlas": ({"20240101000000_setup.sql": "CREATE TABLE t (id bigint, a int);",
               "20240201000000_index.sql": CHANGE, "atlas.sum": "h1:x=\n"},
              ["20240201000000_index.sql", "20240201000001_index_concurrently.sql",
               "20240201000002_index_follow_up.sql"]),
    # sqlx (found by the Cargo.toml the test writes): integer versions; the concurrent step
    # begins with sqlx's `-- no-transaction`, reversible steps beside a reversible migration.
    "sqlx": ({"20240101000000_setup.sql": "CREATE TABLE t (id bigint, a int);",
              "20240201000000_index.sql": CHANGE},
             ["20240201000000_index.sql", "20240201000001_index_concurrently.sql",
              "20240201000002_index_follow_up.sql"]),
    "sqlx reversible": ({"1_setup.up.sql": "CREATE TABLE t (id bigint, a int);",
                         "1_setup.down.sql": "DROP TABLE t;",
                         "2_index.up.sql": CHANGE, "2_index.down.sql": "DROP INDEX t_a;",
                         "3_next.up.sql": "SELECT 1;", "3_next.down.sql": "SELECT 1;"},
                        ["2_index.up.sql", "4_index_concurrently.up.sql",
                         "4_index_concurrently.down.sql", "5_index_follow_up.up.sql",
                         "5_index_follow_up.down.sql"]),
    # postgrator: [version].do.[description].sql, the undo beside it kept.
    "postgrator": ({"001.do.setup.sql": "CREATE TABLE t (id bigint, a int);",
                    "001.undo.setup.sql": "DROP TABLE t;",
                    "002.do.index.sql": CHANGE, "002.undo.index.sql": "DROP INDEX t_a;"},
                   ["002.do.index.sql", "003.do.index_concurrently.sql",
                    "004.do.index_follow_up.sql"]),
    "dbmate": ({"20240101000000_setup.sql": "-- migrate:up\nCREATE TABLE t (id bigint, a int);"
                                            "\n-- migrate:down\nDROP TABLE t;\n",
                "20240201000000_index.sql": "-- migrate:up\n" + CHANGE +
                                            "-- migrate:down\nDROP INDEX t_a;\n"},
               ["20240201000000_index.sql", "20240201000001_index_concurrently.sql",
                "20240201000002_index_follow_up.sql"]),
}


@pytest.mark.parametrize("layout", sorted(LAYOUT_CASES))
def test_fix_writes_in_the_directory_layout(layout: str, tmp_path: Path) -> None:
    files, expected = LAYOUT_CASES[layout]
    source = tmp_path / "src"
    for name, text in files.items():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        (source / name).write_text(text)
    if layout.startswith("sqlx"):
        (tmp_path / "Cargo.toml").write_text('[dependencies]\nsqlx = "0.8"\n')
    written = rewrite_dir(source, tmp_path / "out")
    assert sorted(written) == sorted(expected)
    rewritten = [m for m in discover(tmp_path / "out") if m.name != "next"]
    assert [m.layout for m in rewritten] == [layout.split()[0]] * 4
    original, concurrently, follow_up = rewritten[1:]
    if layout.startswith("sqlx"):
        assert concurrently.path.read_text().startswith("-- no-transaction\n")
    assert "CHECK (a IS NOT NULL) NOT VALID" in original.up_sql
    assert concurrently.no_transaction and "CREATE INDEX CONCURRENTLY" in concurrently.up_sql
    assert not follow_up.no_transaction and "SET NOT NULL" in follow_up.up_sql
    markers = {"dbmate": ["-- migrate:up", "-- migrate:down"],
               "goose": ["-- +goose Up", "-- +goose Down"],
               "sql-migrate": ["-- +migrate Up", "-- +migrate Down"]}
    if layout in (*markers, "diesel", "postgrator"):
        assert original.down_sql and "DROP INDEX t_a" in original.down_sql
    if layout in markers:  # each marker once, in its place
        text = original.path.read_text()
        assert [line for line in text.splitlines()
                if line.startswith(("-- migrate:", "-- +goose", "-- +migrate"))] == markers[layout]
    after = lint_migrations(rewritten, LintOptions())
    assert max(r.safety for r in after) <= Safety.SAFE_WITH_CARE
    # The lock_timeout each step sets is in force where the step runs.
    assert not [f for r in after for f in r.all_findings if "timeout" in f.rule]
    if layout == "plain":
        for step in (original, follow_up):
            assert step.up_sql.split(";")[0].endswith("BEGIN")
            assert step.up_sql.rstrip().endswith("COMMIT;")


def test_steps_of_a_migration_known_by_name_sort_right_after_it(tmp_path: Path) -> None:
    """prisma runs its folders in name order and knows them by name: with the next migration a
    second later, the steps take the same version and names that sort before it, not versions
    after the newest migration (which would run them after later migrations)."""
    source = write_files(tmp_path / "src", {
        "20240101000000_setup/migration.sql": "CREATE TABLE t (id bigint, a int);",
        "20240201000000_index/migration.sql": CHANGE,
        "20240201000001_drop/migration.sql": "ALTER TABLE t DROP COLUMN a;"})
    written = rewrite_dir(source, tmp_path / "out")
    assert sorted(written) == ["20240201000000_index/migration.sql",
                               "20240201000000_index_1_concurrently/migration.sql",
                               "20240201000000_index_2_follow_up/migration.sql",
                               "20240201000001_drop/migration.sql"]  # its lock_timeout
    rewritten = discover(tmp_path / "out")
    assert [m.path.parent.name for m in rewritten] == [
        "20240101000000_setup", "20240201000000_index", "20240201000000_index_1_concurrently",
        "20240201000000_index_2_follow_up", "20240201000001_drop"]
    from lockwise.graph.api import history_conflicts

    assert history_conflicts([rewritten], pg_version=16) == []


def test_a_step_moved_later_runs_before_a_statement_that_drops_what_it_uses(
        tmp_path: Path) -> None:
    """The follow-up of SET NOT NULL validates a column the same migration drops further on:
    moved to the end it would fail. The migration is split before the DROP instead."""
    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE t (id bigint, a int, b int);",
        "2_change.up.sql": "ALTER TABLE t ALTER COLUMN a SET NOT NULL;\n"
                           "CREATE INDEX t_b ON t (b);\n"
                           "ALTER TABLE t DROP COLUMN a;\n"
                           "ALTER TABLE t DROP COLUMN b;\n"})
    rewrite_dir(source, tmp_path / "out")
    rewritten = discover(tmp_path / "out")
    from lockwise.graph.api import history_conflicts

    assert history_conflicts([rewritten], pg_version=16) == []
    steps = [m.up_sql for m in rewritten[1:]]
    validate = next(i for i, sql in enumerate(steps) if "SET NOT NULL" in sql)
    drop_a = next(i for i, sql in enumerate(steps) if "DROP COLUMN a" in sql)
    build = next(i for i, sql in enumerate(steps) if "CONCURRENTLY" in sql)
    drop_b = next(i for i, sql in enumerate(steps) if "DROP COLUMN b" in sql)
    assert validate < drop_a and build < drop_b


CONFLICTING = {
    "1_init.up.sql": "CREATE TABLE u (id bigint, icon varchar(100));",
    "2_change.up.sql": "ALTER TABLE u RENAME COLUMN icon TO avatar;\n"
                       "ALTER TABLE u ALTER COLUMN avatar TYPE int USING length(avatar);\n"
                       "CREATE VIEW uv AS SELECT id, avatar FROM u;\n",
    "3_other.up.sql": "CREATE INDEX u_id ON u (id);"}


def test_the_conflict_graph_catches_a_rewrite_that_adds_a_conflict(tmp_path: Path) -> None:
    """Renamed and retyped in one migration, then read by a view: the expand/contract rewrite
    would drop the intermediate column under the view. The rewritten directory goes through
    the conflict graph, which leaves such a migration out, saying why."""
    from lockwise.fix.guard import without_new_conflicts

    target = write_files(tmp_path / "m", CONFLICTING)
    migrations = discover(target)
    reports = lint_migrations(migrations, LintOptions())
    versions = VersionAllocator(migrations, reports)
    outputs = [(plan, *render_plan(plan, versions))
               for plan in map(plan_fix, reports) if plan is not None]
    kept, notes = without_new_conflicts(outputs, [target], None, 16)
    assert [plan.migration.id for plan, _, _ in kept] == ["3_other"]
    assert any("2_change.up.sql: not rewritten: the safe sequence would add a conflict" in n
               for n in notes), notes


def test_a_rewrite_that_would_add_a_conflict_is_left_out(tmp_path: Path) -> None:
    """The same migration through `lockwise fix`: left as it is, with the reason (here its
    contract step, linted as the migration it becomes, already fails on the view)."""
    target = write_files(tmp_path / "m", CONFLICTING)
    before = {p.name: p.read_text() for p in target.iterdir()}
    result = CliRunner().invoke(app, ["fix", str(target), "--write"])
    assert result.exit_code == 0
    assert "2_change.up.sql: not rewritten: step 6 of its safe sequence is a migration of its " \
        "own, where `ALTER TABLE u DROP COLUMN avatar` would be reported as " \
        "column-used-by-view" in result.stderr
    assert (target / "2_change.up.sql").read_text() == before["2_change.up.sql"]
    assert "CONCURRENTLY" in (target / "3_other.up.sql").read_text()  # the others still are
    from lockwise.graph.api import history_conflicts

    assert history_conflicts([discover(target)], pg_version=16) == []


def test_a_statement_with_template_placeholders_is_left_as_written(tmp_path: Path) -> None:
    """Linted with its placeholders substituted, but printed back it would lose them: fix
    says so instead of failing, and rewrites the rest."""
    target = write_files(tmp_path / "m", {
        "1_init.up.sql": "CREATE TABLE {{ index .Options \"Namespace\" }}.users (id bigint, "
                         "email text);",
        "2_index.up.sql": "CREATE INDEX users_email ON {{ index .Options \"Namespace\" }}.users "
                          "(email);\nCREATE INDEX users_id ON users (id);"})
    result = CliRunner().invoke(app, ["fix", str(target), "--write"])
    assert result.exit_code == 0, result.output
    assert "line 1 does not parse as written (template placeholders?)" in result.stderr
    text = (target / "2_index.up.sql").read_text()
    assert 'CREATE INDEX users_email ON {{ index .Options "Namespace" }}.users' in text


def test_a_statement_skipped_for_its_placeholders_is_named_as_such(tmp_path: Path) -> None:
    """With `templates = "skip"` the templated statement is not linted, and printed back from
    the statements linted the file would lose it: fix said "a statement is too deeply nested
    to analyze", which is not why."""
    target = write_files(tmp_path / "m", {
        "1_init.up.sql": "CREATE TABLE users (id bigint, email text);",
        "2_index.up.sql": "DROP INDEX IF EXISTS users_old;\n"
                          "CREATE INDEX users_email ON {{ index .Options \"Namespace\" }}.users "
                          "(email);\n"})
    config = tmp_path / "lockwise.toml"
    config.write_text('templates = "skip"\n')
    before = (target / "2_index.up.sql").read_text()
    result = CliRunner().invoke(app, ["fix", str(target), "--write", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "too deeply nested" not in result.stderr
    assert ("2_index.up.sql: not rewritten: line 2: a statement with template placeholders, "
            "skipped (templates = \"skip\"), which the rewrite would drop") in result.stderr
    assert (target / "2_index.up.sql").read_text() == before


def test_a_primary_key_on_a_nullable_column_lints_clean_once_rewritten(tmp_path: Path) -> None:
    """SET NOT NULL through a CHECK named t_id_not_null, the name PostgreSQL 18 would give the
    NOT NULL itself: dropping that CHECK afterwards leaves the column NOT NULL, so the
    PRIMARY KEY USING INDEX after it scans nothing (it was reported as a scan)."""
    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE t (x int);\n",
        "2_key.up.sql": "ALTER TABLE t ADD COLUMN id text;\n"
                        "ALTER TABLE t ALTER COLUMN id SET NOT NULL, "
                        "ADD CONSTRAINT t_pkey PRIMARY KEY (id);\n"})
    written = rewrite_dir(source, tmp_path / "out")
    assert any("DROP CONSTRAINT t_id_not_null" in text for text in written.values())
    after = lint_migrations(discover(tmp_path / "out"), LintOptions())
    worst = {r.migration.id: [f.rule for f in r.all_findings if f.safety > Safety.SAFE_WITH_CARE]
             for r in after[1:]}
    assert not any(worst.values()), worst


def test_a_foreign_key_to_a_key_built_later_runs_after_it(tmp_path: Path) -> None:
    """ADD PRIMARY KEY becomes a CONCURRENTLY index and a later ADD CONSTRAINT ... USING
    INDEX: a foreign key to that key, later in the migration, must wait for both."""
    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE folder (id text NOT NULL, parent text);",
        "2_key.up.sql": "ALTER TABLE folder ADD CONSTRAINT folder_pkey PRIMARY KEY (id);\n"
                        "ALTER TABLE folder ADD CONSTRAINT folder_parent_fkey FOREIGN KEY "
                        "(parent) REFERENCES folder (id) NOT VALID;\n"})
    rewrite_dir(source, tmp_path / "out")
    steps = [m.up_sql for m in discover(tmp_path / "out")[1:]]
    key = next(i for i, sql in enumerate(steps) if "USING INDEX" in sql)
    fk = next(i for i, sql in enumerate(steps) if "folder_parent_fkey FOREIGN KEY" in sql)
    assert key < fk


@pytest.mark.postgres
def test_a_concurrent_build_beside_other_statements_moves_to_a_step_of_its_own(
        tmp_path: Path, pg_db: str) -> None:
    """CREATE INDEX CONCURRENTLY after an ADD COLUMN in a migration its tool runs in a
    transaction fails there (concurrently-in-transaction): fix moves it, as written, to a step
    that runs outside one, after the rest; the rewritten history runs and builds the index."""
    import psycopg

    source = write_files(tmp_path / "src", {
        "V1__accounts.sql": "CREATE TABLE accounts (id bigint PRIMARY KEY);\n"
                            "INSERT INTO accounts SELECT g FROM generate_series(1, 50) g;\n",
        "V2__plan.sql": "ALTER TABLE accounts ADD COLUMN plan text;\n\n"
                        "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_plan_idx "
                        "ON accounts (plan);\n"})
    _, notes = rewrite_dir_noting(source, tmp_path / "out")
    assert not [n for n in notes if "concurrently-in-transaction" in n]
    after = lint_migrations(discover(tmp_path / "out"), LintOptions())
    assert not [f for r in after for f in r.all_findings
                if f.rule == "concurrently-in-transaction"]
    apply_all(pg_db, tmp_path / "out")
    with psycopg.connect(pg_db) as conn:
        assert conn.execute("SELECT indisvalid FROM pg_index WHERE indexrelid = "
                            "'accounts_plan_idx'::regclass").fetchone() == (True,)


def test_drop_index_concurrently_takes_one_index_and_no_cascade() -> None:
    """PostgreSQL refuses DROP INDEX CONCURRENTLY of several indexes, or with CASCADE."""
    from lockwise.fix.patterns import rewrite

    rules = {"drop-index-without-concurrently"}
    pieces = rewrite("DROP INDEX idx_a, app.idx_b", rules)
    assert pieces is not None
    assert pieces.alone == ["DROP INDEX CONCURRENTLY IF EXISTS idx_a",
                            "DROP INDEX CONCURRENTLY IF EXISTS app.idx_b"]
    assert rewrite("DROP INDEX idx_a CASCADE", rules) is None


def _plan_of(setup_sql: str, change_sql: str) -> FixPlan:
    """The fix plan of migration `change_sql`, linted after `setup_sql`."""
    from lockwise.discover import migration_from_text

    setup = migration_from_text(setup_sql, "1_a.sql")
    change = migration_from_text(change_sql, "2_b.sql")
    plan = plan_fix(lint_migrations([setup, change], LintOptions())[-1])
    assert plan is not None
    return plan


def test_no_expand_contract_when_a_later_statement_changes_the_column(tmp_path: Path) -> None:
    """A type change followed by a new default for the changed column: under expand/contract
    the old column keeps the old type until the contract step, and the default would not
    fit it. The statement is left as it is, with a note; other columns are still fixed."""
    plan = _plan_of("CREATE TABLE u (id bigint, st smallint, n int);",
                    "ALTER TABLE u ALTER COLUMN st TYPE text USING st::text;\n"
                    "ALTER TABLE u ALTER COLUMN st SET DEFAULT 'active';\n"
                    "ALTER TABLE u ALTER COLUMN n TYPE bigint;\n")
    assert any("a later statement of the migration changes the same column" in n
               for n in plan.notes)
    text = "\n".join(q for part in plan.parts for q in part.statements)
    assert "ALTER TABLE u ALTER COLUMN st TYPE text" in text  # as written
    assert "n_new" in text  # the other column still goes through expand/contract


def test_a_change_after_a_moved_drop_index_runs_after_it(tmp_path: Path) -> None:
    """An index that reads a column is dropped before the column's type changes: the DROP
    INDEX CONCURRENTLY it becomes must still run before the change."""
    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE c (id bigint, v text);\n"
                          "CREATE INDEX c_v ON c (id) WHERE v = 'x';",
        "2_change.up.sql": "DROP INDEX c_v;\n"
                           "ALTER TABLE c ALTER COLUMN v TYPE varchar(10);\n"})
    rewrite_dir(source, tmp_path / "out")
    steps = [m.up_sql for m in discover(tmp_path / "out")[1:]]
    drop = next(i for i, sql in enumerate(steps) if "DROP INDEX CONCURRENTLY" in sql)
    change = next(i for i, sql in enumerate(steps) if "ALTER COLUMN v TYPE" in sql or
                  "v_new" in sql)
    assert drop < change


@pytest.mark.parametrize(("second", "reason", "code"), [
    ("\\set ON_ERROR_STOP on\nCOPY t (a) FROM stdin;\n1\n2\n\\.\nCREATE INDEX i ON t (a);\n",
     "line 1: the psql meta-command `\\set ON_ERROR_STOP on` is client-side input", 0),
    ("COPY t (a) FROM stdin;\n1\n2\n\\.\nCREATE INDEX i ON t (a);\n",
     "line 2: the COPY data (2 lines) is client-side input", 0),
    # SQL that does not parse is an input error, as for lint: a `lockwise fix` check passed
    # over it (exit 0, "nothing to rewrite").
    ("SELEC 1;\nCREATE INDEX i ON t (a);\n",
     'line 1 does not parse (syntax error at or near "SELEC")', 2),
])
def test_a_file_with_text_the_rewrite_would_lose_is_not_rewritten(
        second: str, reason: str, code: int, tmp_path: Path) -> None:
    """The rewrite is printed from the server's statements: psql meta-commands, COPY data and
    SQL that does not parse would vanish from the file, so it is left alone, with the reason."""
    target = write_files(tmp_path, {"1_init.sql": "CREATE TABLE t (a int);\n",
                                    "2_a.sql": second})
    result = CliRunner().invoke(app, ["fix", str(target), "--write"])
    assert result.exit_code == code, result.output
    assert (target / "2_a.sql").read_text() == second
    assert sorted(p.name for p in target.iterdir()) == ["1_init.sql", "2_a.sql"]
    assert f"2_a.sql: not rewritten: {reason}" in result.stderr
    if code == 2:  # the parser's error, where lint puts it
        assert re.search(r"error: \S*2_a\.sql:1:1: .*syntax error", result.stderr)


def test_a_file_without_client_side_text_is_still_rewritten(tmp_path: Path) -> None:
    """The same migration without the psql lines is rewritten: the check above is no blanket
    refusal."""
    target = write_files(tmp_path, {"1_init.sql": "CREATE TABLE t (a int);\n",
                                    "2_a.sql": "COPY t (a) FROM '/tmp/x';\n"
                                               "CREATE INDEX i ON t (a);\n"})
    result = CliRunner().invoke(app, ["fix", str(target), "--write"])
    assert result.exit_code == 0, result.output
    assert "COPY t (a) FROM '/tmp/x'" in (target / "2_a.sql").read_text()
    assert "CONCURRENTLY" in "".join(p.read_text() for p in target.iterdir())


def same_end_schema(pg_server: str, original: Path, rewritten: Path, name: str) -> list:
    """Apply both directories in order on fresh databases; the differences of their schemas."""
    import psycopg

    from lockwise.db.scratch import create_database
    from lockwise.verify.snapshot import diff_snapshots, take_snapshot

    before = create_database(pg_server, f"fix_orig_{name}")
    after = create_database(pg_server, f"fix_new_{name}")
    apply_all(before, original)
    apply_all(after, rewritten)
    with psycopg.connect(before) as a, psycopg.connect(after) as b:
        return diff_snapshots(take_snapshot(a), take_snapshot(b))


SETUP = "CREATE TABLE t (id bigint PRIMARY KEY, a int, b int);\n" \
        "INSERT INTO t SELECT g, g, g FROM generate_series(1, 500) g;\n"
#: No free version after 0002: its steps would be numbered after 0003, which needs them.
NO_GAP_CASES = {
    "using_index": ("ALTER TABLE t ADD COLUMN c int;\nCREATE UNIQUE INDEX t_a_u ON t (a);\n",
                    "ALTER TABLE t ADD CONSTRAINT t_a_u UNIQUE USING INDEX t_a_u;\n",
                    "index:public.t_a_u"),
    "index_rename": ("ALTER TABLE t ADD COLUMN c int;\nCREATE UNIQUE INDEX t_a_u ON t (a);\n",
                     "ALTER INDEX t_a_u RENAME TO t_a_u2;\n", "index:public.t_a_u"),
    "drop_not_null": ("CREATE INDEX t_a_idx ON t (a);\n"
                      "ALTER TABLE t ADD CONSTRAINT t_b_chk CHECK (b > 0);\n"
                      "ALTER TABLE t ALTER COLUMN b SET NOT NULL;\n",
                      "ALTER TABLE t ALTER COLUMN b DROP NOT NULL;\n", "column:public.t.b"),
    # The rename runs after the follow-up, so after 0003, which writes the renamed table.
    "rename_table_then_delete": ("ALTER TABLE t ALTER COLUMN b SET NOT NULL;\n"
                                "ALTER TABLE t RENAME TO t2;\n",
                                "DELETE FROM t2;\n", "table:public.t2"),
    "rename_table_then_alter": ("ALTER TABLE t ALTER COLUMN b SET NOT NULL;\n"
                                "ALTER TABLE t RENAME TO t2;\n",
                                "ALTER TABLE t2 SET (fillfactor = 70);\n", "table:public.t2"),
    # The contract step drops column a, and with it a constraint 0003 adds on a: PostgreSQL
    # drops a CHECK or UNIQUE of a dropped column silently.
    "type_change_then_check": ("ALTER TABLE t ALTER COLUMN a TYPE bigint;\n",
                               "ALTER TABLE t ADD CONSTRAINT t_a_chk CHECK (a >= 0) NOT VALID;\n",
                               "column:public.t.a"),
    "type_change_then_unique": ("ALTER TABLE t ALTER COLUMN a TYPE bigint;\n",
                                "ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a);\n",
                                "column:public.t.a"),
    # An index whose WHERE or expression reads a dropped column is dropped with it, silently.
    "type_change_then_partial_index": ("ALTER TABLE t ALTER COLUMN a TYPE bigint;\n",
                                       "CREATE INDEX t_b_idx ON t (b) WHERE a > 0;\n",
                                       "column:public.t.a"),
    "type_change_then_expression_index": ("ALTER TABLE t ALTER COLUMN a TYPE bigint;\n",
                                          "CREATE INDEX t_ab_idx ON t ((a + b));\n",
                                          "column:public.t.a"),
}


@pytest.mark.postgres
@pytest.mark.parametrize("change", [
    "ALTER TABLE t ALTER COLUMN a TYPE bigint, ADD COLUMN z int;",
    "ALTER TABLE t ALTER COLUMN a TYPE bigint, ALTER COLUMN b SET NOT NULL;",
    "ALTER TABLE t ADD COLUMN z int DEFAULT 0, ALTER COLUMN a TYPE bigint USING a * 2, "
    "ALTER COLUMN b SET DEFAULT 5;",
])
def test_a_type_change_beside_subcommands_on_other_columns_is_split(
        change: str, tmp_path: Path, pg_server: str) -> None:
    """A type change beside subcommands on other columns: the type change is expanded and
    contracted, the other subcommands stay in the statement (SET NOT NULL of another column
    through its own CHECK path), and the tables end as the statement leaves them, values
    included; before, the statement was left as written, without a note."""
    import psycopg

    source = write_files(tmp_path / "src", {"0001_init.up.sql": SETUP,
                                             "0002_x.up.sql": change + "\n"})
    written, notes = rewrite_dir_noting(source, tmp_path / "out")
    text = "".join(written.values())
    assert "a_new" in text and "DROP COLUMN a" in text, (written, notes)
    name = f"split_{abs(hash(change)) % 10**8}"
    assert same_end_schema(pg_server, source, tmp_path / "out", name) == []
    values = []
    for side in ("orig", "new"):
        from lockwise.db.scratch import with_database

        with psycopg.connect(with_database(pg_server, f"fix_{side}_{name}")) as conn:
            values.append(conn.execute("SELECT to_jsonb(t) FROM t ORDER BY id").fetchall())
    assert values[0] == values[1]
    findings = [f for r in lint_migrations(discover(tmp_path / "out"), LintOptions())
                for st in r.statements for f in st.findings
                if f.safety > Safety.SAFE_WITH_CARE]
    assert not findings, findings


@pytest.mark.parametrize(("change", "said"), [
    ("ALTER TABLE t ALTER COLUMN a TYPE bigint, ADD CONSTRAINT t_a_pos CHECK (a > 0) NOT VALID;",
     "t_a_pos"),
    ("ALTER TABLE t ALTER COLUMN a TYPE bigint, ALTER COLUMN a SET STATISTICS 200;",
     "SET STATISTICS"),
    ("ALTER TABLE t ALTER COLUMN a TYPE bigint, ADD COLUMN c int GENERATED ALWAYS AS (a * 2) "
     "STORED;", "ADD COLUMN c"),
])
def test_a_type_change_beside_a_subcommand_on_its_column_says_why_it_stays(
        change: str, said: str, tmp_path: Path) -> None:
    """A subcommand of the statement that names or reads the column whose type changes would
    be lost with the old column in the contract step (or make it fail): the statement is left
    as written, and fix says which subcommand."""
    source = write_files(tmp_path / "src", {"0001_init.up.sql": SETUP,
                                             "0002_x.up.sql": change + "\n"})
    written, notes = rewrite_dir_noting(source, tmp_path / "out")
    assert "a_new" not in "".join(written.values()), written
    assert any("not rewritten" in n and said in n and "type" in n for n in notes), notes


def test_steps_are_not_numbered_past_a_generated_column_over_the_column(
        tmp_path: Path) -> None:
    """The contract step of 0002 drops column a, which the generated column of 0003 reads
    (its own rewrite keeps it in sync by a trigger reading NEW.a): 0002 is left as written."""
    source = write_files(tmp_path / "src", {
        "0001_init.up.sql": SETUP, "0002_x.up.sql": "ALTER TABLE t ALTER COLUMN a TYPE bigint;\n",
        "0003_y.up.sql": "ALTER TABLE t ADD COLUMN g bigint GENERATED ALWAYS AS (a * 2) STORED;\n"})
    written, notes = rewrite_dir_noting(source, tmp_path / "out")
    assert "0002_x.up.sql" not in written
    assert any(n.startswith("0002_x: not rewritten: no free version right after 0002") and
               "column:public.t.a" in n for n in notes), notes


@pytest.mark.postgres
@pytest.mark.parametrize("case", sorted(NO_GAP_CASES))
def test_steps_are_not_numbered_past_a_migration_that_touches_them(
        case: str, tmp_path: Path, pg_server: str) -> None:
    """Numbered after the newest migration, 0002's later steps would run after 0003, which
    uses the index they build (the apply fails) or changes the column back (the directory
    would end with the opposite schema). 0002 is left as written, with the reason."""
    change, then, shared = NO_GAP_CASES[case]
    source = write_files(tmp_path / "src", {"0001_init.up.sql": SETUP,
                                             "0002_x.up.sql": change, "0003_y.up.sql": then})
    written, notes = rewrite_dir_noting(source, tmp_path / "out")
    assert "0002_x.up.sql" not in written
    assert any(n.startswith("0002_x: not rewritten: no free version right after 0002") and
               "would run after 0003_y" in n and shared in n for n in notes), notes
    assert same_end_schema(pg_server, source, tmp_path / "out", f"nogap_{case}") == []


def test_steps_are_numbered_after_the_newest_past_unrelated_migrations(tmp_path: Path) -> None:
    """With no gap but a later migration on other objects, the steps still go after it."""
    source = write_files(tmp_path / "src", {
        "0001_init.up.sql": SETUP + "CREATE TABLE w (id bigint, x int);\n",
        "0002_x.up.sql": NO_GAP_CASES["drop_not_null"][0],
        "0003_y.up.sql": "ALTER TABLE w ALTER COLUMN x DROP NOT NULL;\n"})
    written, notes = rewrite_dir_noting(source, tmp_path / "out")
    assert {"0002_x.up.sql", "0004_x_concurrently.up.sql", "0005_x_follow_up.up.sql"} <= \
        set(written)
    assert any("numbered after the newest migration (0004...)" in n for n in notes)


#: A deferred step, then a later statement of the same migration that renames or changes back
#: what it changes: the deferred step must run before that statement.
IN_FILE_CASES = {
    "rename_constraint": "ALTER TABLE t ADD CONSTRAINT t_b_chk CHECK (b > 0);\n"
                         "ALTER TABLE t RENAME CONSTRAINT t_b_chk TO t_b_chk2;\n",
    "drop_not_null": "ALTER TABLE t ALTER COLUMN b SET NOT NULL;\n"
                     "ALTER TABLE t ALTER COLUMN b DROP NOT NULL;\n",
}


@pytest.mark.postgres
@pytest.mark.parametrize("case", sorted(IN_FILE_CASES))
def test_deferred_steps_run_before_a_later_change_of_the_same_object(
        case: str, tmp_path: Path, pg_server: str) -> None:
    source = write_files(tmp_path / "src", {"0001_init.up.sql": SETUP,
                                             "0005_x.up.sql": IN_FILE_CASES[case]})
    written = rewrite_dir(source, tmp_path / "out")
    assert len(written) == 3  # the original, the follow-up, then the later statement
    assert same_end_schema(pg_server, source, tmp_path / "out", f"infile_{case}") == []


CONSTRAINED = ("CREATE TABLE p (id int PRIMARY KEY);\n"
               "CREATE TABLE t (id int PRIMARY KEY, status int CHECK (status >= 0), "
               "p_id int REFERENCES p (id), u int UNIQUE, plain int);\n"
               "CREATE TABLE r (id int, t_id int REFERENCES t (id));\n"
               "INSERT INTO p VALUES (1);\n"
               "INSERT INTO t VALUES (1, 1, 1, 1, 1);\n")


@pytest.mark.postgres
@pytest.mark.parametrize(("change", "constraint"), [
    ("ALTER TABLE t ALTER COLUMN status TYPE bigint;", "t_status_check"),
    ("ALTER TABLE t ALTER COLUMN p_id TYPE bigint;", "t_p_id_fkey"),
    ("ALTER TABLE t ALTER COLUMN u TYPE bigint;", "t_u_key"),
    ("ALTER TABLE t ALTER COLUMN id TYPE bigint;", "public.r.r_t_id_fkey"),
    ("ALTER TABLE t RENAME COLUMN u TO u2;", "t_u_key"),
])
def test_expand_contract_is_declined_for_a_column_with_constraints(
        change: str, constraint: str, tmp_path: Path, pg_server: str) -> None:
    """The contract step drops the old column, and its CHECK, FOREIGN KEY and UNIQUE with
    it (or fails on a foreign key from another table): the change is left as written, and
    fix names the constraints."""
    source = write_files(tmp_path / "src", {"0001_init.up.sql": CONSTRAINED,
                                             "0002_x.up.sql": change + "\n"})
    written, notes = rewrite_dir_noting(source, tmp_path / "out")
    assert change in written["0002_x.up.sql"]
    assert "_new" not in "".join(written.values())
    assert any("not rewritten: line 1:" in n and constraint in n for n in notes), notes
    name = "".join(ch for ch in change.split()[-1] if ch.isalnum())
    assert same_end_schema(pg_server, source, tmp_path / "out", f"declined_{name}") == []


def test_expand_contract_still_applies_to_an_unconstrained_column(tmp_path: Path) -> None:
    source = write_files(tmp_path / "src", {
        "0001_init.up.sql": CONSTRAINED,
        "0002_x.up.sql": "ALTER TABLE t ALTER COLUMN plain TYPE bigint;\n"})
    written, notes = rewrite_dir_noting(source, tmp_path / "out")
    assert "plain_new" in written["0002_x.up.sql"]
    assert not any("not rewritten" in n for n in notes)


@pytest.mark.parametrize(("column", "what"), [
    ("token uuid DEFAULT gen_random_uuid() PRIMARY KEY", "PRIMARY KEY"),
    ("public_id uuid DEFAULT gen_random_uuid() PRIMARY KEY CHECK (public_id IS NOT NULL)",
     "PRIMARY KEY and a CHECK"),
])
def test_a_volatile_default_column_with_a_constraint_is_reported_not_rewritten(
        column: str, what: str, tmp_path: Path) -> None:
    """Left as written, and fix says so: it does not claim to fix it."""
    target = write_files(tmp_path / "m", {
        "1_init.up.sql": "CREATE TABLE accounts (id bigint);\n",
        "2_cols.up.sql": f"ALTER TABLE accounts ADD COLUMN {column};\n"})
    result = CliRunner().invoke(app, ["fix", str(target)])
    assert "fixes add-column-volatile-default" not in result.stderr
    name = column.split()[0]
    assert f"not rewritten: line 1: {name} is added with {what}, which has no mechanical " \
        "rewrite" in result.stderr
    # Only the lock_timeout is added: the statement is an unchanged line of the diff.
    assert f"\n ALTER TABLE accounts ADD COLUMN {column};" in result.stdout


@pytest.mark.postgres
@pytest.mark.parametrize("column", [
    "token text DEFAULT md5(random()::text) CHECK (length(token) = 32)",
    "public_id uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE",
    "account_id bigint DEFAULT (random() * 0)::bigint + 1 REFERENCES accounts",
])
def test_a_volatile_default_column_with_a_constraint_is_rewritten_with_it(
        column: str, tmp_path: Path, pg_server: str) -> None:
    """The column is added without its default, backfilled, and its CHECK, REFERENCES or
    UNIQUE added the online way: the rewritten migrations end as the original does."""
    import psycopg

    from lockwise.db.scratch import create_database
    from lockwise.verify.snapshot import diff_snapshots, take_snapshot

    source = write_files(tmp_path / "m", {
        "1_init.up.sql": "CREATE TABLE accounts (id bigint PRIMARY KEY);\n"
                         "INSERT INTO accounts SELECT generate_series(1, 50);\n",
        "2_cols.up.sql": f"ALTER TABLE accounts ADD COLUMN {column};\n"})
    written, notes = rewrite_dir_noting(source, tmp_path / "out")
    assert not any("not rewritten" in n for n in notes), notes
    assert f"ADD COLUMN {column}" not in "".join(written.values())
    name = f"fixvc_{abs(hash(column)) % 10**8}"
    snapshots = []
    for side, directory in (("a", source), ("b", tmp_path / "out")):
        uri = create_database(pg_server, f"{name}_{side}")
        apply_all(uri, directory)
        with psycopg.connect(uri) as conn:
            snapshots.append(take_snapshot(conn))
    assert diff_snapshots(*snapshots) == [], written


#: (statement, its rewrite): CREATE INDEX / DROP INDEX get their keywords in the user's own
#: text, in the case of their INDEX keyword; a trailing comment and a `;` are left out.
IN_PLACE = [
    ("create unique index foo_lower\n  on foo (lower(name)) -- why\n",
     "create unique index concurrently if not exists foo_lower\n  on foo (lower(name))"),
    ('CREATE INDEX /* kept */ "Foo_Idx" ON foo USING btree (id DESC) WHERE id > 0;',
     'CREATE INDEX CONCURRENTLY IF NOT EXISTS /* kept */ "Foo_Idx" ON foo USING btree '
     "(id DESC) WHERE id > 0"),
    ("CREATE INDEX ON foo (name)", "CREATE INDEX CONCURRENTLY ON foo (name)"),
    ("CREATE INDEX IF NOT EXISTS foo_name ON foo (name)",
     "CREATE INDEX CONCURRENTLY IF NOT EXISTS foo_name ON foo (name)"),
    ("CREATE INDEX CONCURRENTLY foo_name ON foo (name)",
     "CREATE INDEX CONCURRENTLY IF NOT EXISTS foo_name ON foo (name)"),
    # `REINDEX TABLE CONCURRENTLY`: PostgreSQL 12 and later (`REINDEX (CONCURRENTLY)` is 14+)
    ("reindex table foo -- nightly", "reindex table concurrently foo"),
    ("REINDEX (VERBOSE) INDEX foo_name", "REINDEX (VERBOSE) INDEX CONCURRENTLY foo_name"),
    ("drop index if exists foo_name restrict",
     "drop index concurrently if exists foo_name restrict"),
    ("DROP INDEX public.foo_name", "DROP INDEX CONCURRENTLY IF EXISTS public.foo_name"),
]


@pytest.mark.parametrize(("sql", "expected"), IN_PLACE)
def test_index_rewrites_keep_the_statement_as_written(sql: str, expected: str) -> None:
    from lockwise.fix.patterns import rewrite

    pieces = rewrite(sql, {"index-without-concurrently", "drop-index-without-concurrently",
                           "reindex-without-concurrently"})
    assert pieces is not None
    assert pieces.alone == [expected]


@pytest.mark.parametrize(("sql", "pg_version", "expected"), [
    ("REINDEX TABLE foo", 11, None),  # no REINDEX CONCURRENTLY: the template's PG 11 advice
    ("REINDEX TABLE foo", 12, "REINDEX TABLE CONCURRENTLY foo"),
    ("REINDEX TABLE foo", 18, "REINDEX TABLE CONCURRENTLY foo"),
    ("REINDEX SYSTEM foo", 16, None),  # the catalogs cannot be rebuilt concurrently
])
def test_reindex_rewrite_follows_the_target_version(sql: str, pg_version: int,
                                                    expected: str | None) -> None:
    from lockwise.fix.patterns import rewrite

    pieces = rewrite(sql, {"reindex-without-concurrently"}, {"pg_version": pg_version})
    assert (pieces.alone[0] if pieces else None) == expected


def test_an_index_rewrite_applies_only_for_its_rule() -> None:
    from lockwise.fix.patterns import rewrite

    assert rewrite("CREATE INDEX foo_name ON foo (name)", {"drop-index-without-concurrently"}) \
        is None
    assert rewrite("DROP INDEX foo_name", {"index-without-concurrently"}) is None


def test_lint_writes_the_index_alternative_in_the_users_text(tmp_path: Path) -> None:
    write_files(tmp_path, {"1_a.sql": "CREATE TABLE foo (id int, name text);\n",
                           "2_b.sql": "create index foo_name_idx\n    on foo (lower(name));\n"})
    (report,) = lint_migrations(discover(tmp_path), LintOptions())[1:]
    (finding,) = [f for s in report.statements for f in s.findings
                  if f.rule == "index-without-concurrently"]
    assert "\ncreate index concurrently if not exists foo_name_idx\n    on foo (lower(name));\n" \
        in finding.instead


def test_index_rewrites_in_the_users_text_run_on_postgres(pg_db: str) -> None:
    import psycopg

    from lockwise.fix.patterns import rewrite

    rules = {"index-without-concurrently", "drop-index-without-concurrently",
             "reindex-without-concurrently"}
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS foo; CREATE TABLE foo (id int, name text)")
        for sql, _ in IN_PLACE:
            pieces = rewrite(sql, rules)
            assert pieces is not None
            conn.execute(f"{pieces.alone[0]};")
            if sql.lower().startswith("create"):
                # Run twice: a name the user gave is created only once (IF NOT EXISTS).
                conn.execute("DROP INDEX IF EXISTS foo_name")
                conn.execute("CREATE INDEX foo_name ON foo (name)")
        conn.execute("DROP TABLE foo")


#: (the migration that makes the table, an unnamed CREATE INDEX on it later): the rewrite names
#: the index as PostgreSQL would have, taken names, expressions and long names included.
UNNAMED_INDEXES = [
    ("CREATE TABLE t (c int, d text);", "CREATE INDEX ON t (c)"),
    ("CREATE TABLE t (c int, d text); CREATE TABLE t_c_idx (id int); CREATE INDEX ON t (c);",
     "create index on t (c)"),
    ("CREATE TABLE t (c int, d text);", "CREATE UNIQUE INDEX ON t (c, lower(d)) INCLUDE (d)"),
    ('CREATE TABLE "Users" ("Email" text, "select" int);',
     'CREATE INDEX ON "Users" ("Email", "select")'),
    (f"CREATE TABLE {'t' * 40} ({'c' * 40} int, {'d' * 40} int);",
     f"CREATE INDEX ON {'t' * 40} ({'c' * 40}, {'d' * 40})"),
]


def _index_instead(tmp_path: Path, setup: str, sql: str) -> tuple[str, str]:
    """The CREATE INDEX of the index-without-concurrently finding of `sql`, run after `setup`,
    and the note lint prints with it."""
    write_files(tmp_path, {"1_a.sql": setup + "\n", "2_b.sql": sql + ";\n"})
    (report,) = lint_migrations(discover(tmp_path), LintOptions())[1:]
    (finding,) = [f for s in report.statements for f in s.findings
                  if f.rule == "index-without-concurrently"]
    lines = finding.instead.splitlines()
    (statement,) = [line.rstrip(";") for line in lines if not line.startswith("--")]
    return statement, lines[-1]


@pytest.mark.parametrize(("setup", "sql"), UNNAMED_INDEXES)
def test_an_unnamed_index_is_built_concurrently_under_the_name_postgres_gives_it(
        tmp_path: Path, pg_db: str, setup: str, sql: str) -> None:
    """Without a name, a retry after a failed build would make a second index (t_c_idx1)
    beside the INVALID one: the rewrite names it as the plain statement would have been."""
    import psycopg

    statement, note = _index_instead(tmp_path, setup, sql)
    indexes = "SELECT relname FROM pg_class WHERE relkind = 'i' AND relnamespace = {}::regnamespace"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        named = {}
        for schema, runs in (("plain", [sql]), ("rewritten", [statement, statement])):
            conn.execute(f"CREATE SCHEMA {schema}; SET search_path TO {schema}")
            conn.execute(setup)
            before = {r[0] for r in conn.execute(indexes.format(quote_literal(schema)))}
            for run in runs:  # the rewrite twice: a retry makes no second index
                conn.execute(run)
            named[schema] = {r[0] for r in conn.execute(indexes.format(quote_literal(schema)))
                             } - before
    assert len(named["plain"]) == 1
    assert named["rewritten"] == named["plain"]
    (name,) = named["plain"]
    assert f"DROP INDEX CONCURRENTLY IF EXISTS {quote_ident(name)}" in note


def test_a_failed_unnamed_index_build_is_retried_as_the_note_says(tmp_path: Path,
                                                                 pg_db: str) -> None:
    """The build fails on duplicates and leaves its index INVALID; once they are gone, the
    note's DROP and the statement again leave one valid index, the one PostgreSQL names."""
    import psycopg

    statement, note = _index_instead(tmp_path, "CREATE TABLE t (c int);",
                                     "CREATE UNIQUE INDEX ON t (c)")
    drop = note[note.index("DROP INDEX"):].split(",")[0].split(";")[0]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (c int); INSERT INTO t VALUES (1), (1)")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute(statement)
        conn.execute("DELETE FROM t WHERE ctid = (SELECT min(ctid) FROM t)")
        conn.execute(drop)
        conn.execute(statement)
        rows = conn.execute("SELECT c.relname, i.indisvalid FROM pg_index i JOIN pg_class c "
                            "ON c.oid = i.indexrelid WHERE i.indrelid = 't'::regclass").fetchall()
    assert rows == [("t_c_idx", True)]


def test_reindex_concurrently_false_becomes_concurrently_once() -> None:
    """An explicit `CONCURRENTLY false` is replaced, not joined by a second option (PostgreSQL
    refuses "conflicting or redundant options")."""
    from lockwise.fix.patterns import rewrite

    pieces = rewrite("REINDEX (CONCURRENTLY false, VERBOSE) TABLE accounts",
                     {"reindex-without-concurrently"})
    assert pieces is not None
    assert pieces.alone == ["REINDEX (VERBOSE, CONCURRENTLY) TABLE accounts"]


@pytest.mark.parametrize(("layout", "files"), [
    ("tern", {"001_setup.sql": "CREATE TABLE t (id bigint, a int);\n"
                               "---- create above / drop below ----\nDROP TABLE t;\n",
              "002_index.sql": CHANGE + "---- create above / drop below ----\nDROP INDEX t_a;\n"}),
    ("graphile-migrate", {"committed/000001.sql": "--! Previous: -\n--! Hash: sha1:a\n\n"
                                                  "CREATE TABLE t (id bigint, a int);\n",
                          "current.sql": CHANGE}),
    ("sqitch", {"sqitch.plan": "%project=shop\n\nsetup 2024-01-01T00:00:00Z Dev <d@e> # t\n"
                               "index [setup] 2024-01-02T00:00:00Z Dev <d@e> # index\n",
                "deploy/setup.sql": "CREATE TABLE t (id bigint, a int);\n",
                "revert/setup.sql": "DROP TABLE t;\n",
                "deploy/index.sql": "BEGIN;\nALTER TABLE t ADD COLUMN b int;\n" + CHANGE +
                                    "COMMIT;\n",
                "revert/index.sql": "DROP INDEX t_a;\nALTER TABLE t DROP COLUMN b;\n"}),
])
def test_fix_leaves_layouts_it_cannot_write_untouched(layout: str, files: dict[str, str],
                                                      tmp_path: Path) -> None:
    """tern wants versions 1..N without a gap, graphile-migrate a hash chain, a sqitch change
    its line in sqitch.plan: fix says so instead of writing files the tool refuses (for
    sqitch it stopped the whole run, exit 2, at the first migration needing a new one)."""
    write(tmp_path / "src", files)
    written, notes = rewrite_dir_noting(tmp_path / "src", tmp_path / "out")
    assert written == {}
    assert any(f"cannot write the {layout} layout" in note for note in notes)


#: Two older tables; the migration builds b's key CONCURRENTLY, so the foreign key to it, and
#: what follows it, runs in a later migration than CREATE TABLE t: t is no longer new there.
SPLIT_INIT = ("CREATE TABLE a (id bigint PRIMARY KEY);\nCREATE TABLE b (x bigint);\n"
              "INSERT INTO a SELECT g FROM generate_series(1, 50) g;\n"
              "INSERT INTO b SELECT g FROM generate_series(1, 50) g;\n")
SPLIT_TABLE = "CREATE TABLE t (id bigint PRIMARY KEY, b_x bigint, a_id bigint);\n"
SPLIT_KEY = "CREATE UNIQUE INDEX b_x_key ON b (x);\n"
SPLIT_FKS = ("ALTER TABLE t ADD CONSTRAINT t_b_x_fkey FOREIGN KEY (b_x) REFERENCES b (x);\n"
             "ALTER TABLE t ADD CONSTRAINT t_a_id_fkey FOREIGN KEY (a_id) REFERENCES a (id);\n")
SPLIT_CASES = {
    "foreign_keys": SPLIT_TABLE + SPLIT_KEY + SPLIT_FKS,
    "set_not_null": SPLIT_TABLE + SPLIT_KEY + SPLIT_FKS +
    "ALTER TABLE t ALTER COLUMN a_id SET NOT NULL;\n",
}


def above_care(directory: Path) -> dict[str, list[str]]:
    """The findings above safe-with-care of each migration of `directory` that has some."""
    reports = lint_migrations(discover(directory), LintOptions())
    worst = {r.migration.id: [f.rule for f in r.all_findings if f.safety > Safety.SAFE_WITH_CARE]
             for r in reports}
    return {k: v for k, v in worst.items() if v}


@pytest.mark.postgres
@pytest.mark.parametrize("case", sorted(SPLIT_CASES))
def test_statements_moved_past_a_split_are_rewritten_for_a_table_no_longer_new(
        case: str, tmp_path: Path, pg_server: str) -> None:
    """Safe as written right after CREATE TABLE t, the foreign keys (and SET NOT NULL) lock and
    scan t once they run in a migration of their own: they take the safe path there too."""
    source = write_files(tmp_path / "src", {"1_init.up.sql": SPLIT_INIT,
                                             "2_next.up.sql": SPLIT_CASES[case]})
    assert not above_care(source) or list(above_care(source)) == ["2_next"]
    written, notes = rewrite_dir_noting(source, tmp_path / "out")
    assert above_care(tmp_path / "out") == {}
    steps = [m.up_sql for m in discover(tmp_path / "out")[1:]]
    assert "CREATE TABLE t" in steps[0] and "CONCURRENTLY" in steps[1]
    assert "t_b_x_fkey FOREIGN KEY (b_x) REFERENCES b (x) NOT VALID" in steps[2]
    assert "t_a_id_fkey FOREIGN KEY (a_id) REFERENCES a (id) NOT VALID" in steps[2]
    assert "VALIDATE CONSTRAINT t_a_id_fkey" in "".join(steps[3:])
    if case == "set_not_null":
        assert "SET NOT NULL" not in steps[2] and "t_a_id_not_null" in steps[2]
    assert any("step 3 is a migration of its own" in n for n in notes), notes
    assert same_end_schema(pg_server, source, tmp_path / "out", f"split_{case}") == []


def test_statements_that_stay_with_their_create_table_are_left_as_written(
        tmp_path: Path) -> None:
    """Nothing split off before them: the foreign keys and SET NOT NULL stay in the migration
    that creates t, as written (the CONCURRENTLY build moves after them)."""
    change = SPLIT_TABLE + SPLIT_FKS.split("\n")[1] + "\n" + \
        "ALTER TABLE t ALTER COLUMN a_id SET NOT NULL;\nCREATE INDEX b_x_idx ON b (x);\n"
    source = write_files(tmp_path / "src", {"1_init.up.sql": SPLIT_INIT,
                                             "2_next.up.sql": change})
    written, notes = rewrite_dir_noting(source, tmp_path / "out")
    assert sorted(written) == ["2_next.up.sql", "3_next_concurrently.up.sql"]
    assert "REFERENCES a (id);" in written["2_next.up.sql"]
    assert "ALTER COLUMN a_id SET NOT NULL;" in written["2_next.up.sql"]
    assert "NOT VALID" not in "".join(written.values())
    assert not any("migration of its own" in n for n in notes), notes
    assert above_care(tmp_path / "out") == {}


def test_a_split_that_would_add_a_finding_without_rewrite_is_left_out(tmp_path: Path) -> None:
    """ADD COLUMN ... NOT NULL without a default is fine on the table just created, but moved
    into a later migration it fails once the table has a row: no rewrite gives it a value, so
    the migration is left as it is, with the reason."""
    change = SPLIT_TABLE + SPLIT_KEY + SPLIT_FKS + "ALTER TABLE t ADD COLUMN c int NOT NULL;\n"
    source = write_files(tmp_path / "src", {"1_init.up.sql": SPLIT_INIT,
                                             "2_next.up.sql": change})
    written, notes = rewrite_dir_noting(source, tmp_path / "out")
    assert "2_next.up.sql" not in written
    assert any(n.startswith("2_next: not rewritten: step 3 of its safe sequence is a migration "
                            "of its own, where `ALTER TABLE t ADD COLUMN c int NOT NULL` would "
                            "be reported as add-column-not-null-without-default") for n in notes), \
        notes


@pytest.mark.parametrize("header", [
    "-- lockwise: ignore-file[drop-column] reason: a is unused since 4.2\n",
    "/* lockwise: ignore-file[drop-column] reason: a is unused since 4.2 */\n",
    # prisma's warnings block before its BEGIN
    "/*\n  Warnings:\n\n  - You are about to drop the column `a`.\n*/\n-- AlterTable\n"
    "-- lockwise: ignore-file[drop-column] reason: a is unused since 4.2\n",
])
def test_fix_keeps_the_comments_before_a_begin_it_drops(header: str, tmp_path: Path) -> None:
    """The rewrite writes its own BEGIN / COMMIT: the comments above the file's BEGIN (a
    file-wide directive, a header) go with the statement after it. They were dropped with the
    BEGIN, so the rewritten migration lost its ignore and failed lint as destructive."""
    source = write_files(tmp_path / "src", {
        "001_init.sql": "CREATE TABLE t (id bigint PRIMARY KEY, a int, b int);\n",
        "002_change.sql": header + "BEGIN;\nALTER TABLE t DROP COLUMN a;\n"
                          "CREATE INDEX t_b ON t (b);\nCOMMIT;\n"})
    written = rewrite_dir(source, tmp_path / "out")
    assert header.strip() in written["002_change.sql"]
    assert above_care(tmp_path / "out") == {}


def test_an_ignore_above_a_begin_fix_drops_does_not_move_to_the_next_statement(
        tmp_path: Path) -> None:
    """An ignore directive above BEGIN applies to BEGIN (lint calls it unused there): the
    rewrite drops that BEGIN, and the directive must not start waiving the statement after
    it. It went with the header comments, and the DROP COLUMN below it passed lint."""
    source = write_files(tmp_path / "src", {
        "001_init.sql": "CREATE TABLE t (id bigint PRIMARY KEY, a int, b int);\n",
        "002_change.sql": "-- a header kept\n-- lockwise: ignore[drop-column] reason: above BEGIN\n"
                          "BEGIN;\nALTER TABLE t DROP COLUMN a;\n"
                          "CREATE INDEX t_b ON t (b);\nCOMMIT;\n"})
    assert "drop-column" in above_care(source)["002_change"]
    written = rewrite_dir(source, tmp_path / "out")
    assert "-- a header kept" in written["002_change.sql"]
    assert "drop-column" in above_care(tmp_path / "out").get("002_change", [])


def test_a_follow_up_validates_before_it_takes_access_exclusive() -> None:
    """Two SET NOT NULL and a foreign key on one table: the follow-up validates three
    constraints and runs SET NOT NULL. Locks are held until commit, so a VALIDATE written
    after the first SET NOT NULL scanned the table (and looked up every key) under ACCESS
    EXCLUSIVE: reads and writes waited for the whole scan, the outage the rewrite avoids.
    Every VALIDATE of a step comes before its first statement taking ACCESS EXCLUSIVE."""
    plan = _plan_of("CREATE TABLE customers (id bigint PRIMARY KEY);\n"
                    "CREATE TABLE orders (id bigint, a text, b text, customer_id bigint);",
                    "ALTER TABLE orders ALTER COLUMN a SET NOT NULL;\n"
                    "ALTER TABLE orders ALTER COLUMN b SET NOT NULL;\n"
                    "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY "
                    "(customer_id) REFERENCES customers (id);\n")
    (follow_up,) = [p for p in plan.parts if p.purpose.startswith("follow-up")]
    kinds = ["validate" if "VALIDATE CONSTRAINT" in q else "exclusive"
             for q in follow_up.statements if q.startswith("ALTER TABLE")]
    assert kinds == ["validate"] * 3 + ["exclusive"] * 4, follow_up.statements


@pytest.mark.postgres
def test_a_type_change_without_using_converts_as_the_original_would(
        tmp_path: Path, pg_db: str) -> None:
    """ALTER COLUMN TYPE without USING converts by assignment: a value too long for a
    shorter varchar fails the change. The expand/contract rewrite converts the same way in its
    trigger and backfill, so it fails too instead of cutting the value (an explicit CAST to
    varchar(n) truncates silently)."""
    import psycopg

    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE c (id bigint PRIMARY KEY, v varchar(100));\n"
                          "INSERT INTO c VALUES (1, 'abcdefghijklmnopqrstuvwxyz');\n",
        "2_change.up.sql": "ALTER TABLE c ALTER COLUMN v TYPE varchar(20);\n"})
    written = rewrite_dir(source, tmp_path / "out")
    assert any("v_new" in text for text in written.values())
    assert not any("CAST(" in text for text in written.values())
    with pytest.raises(psycopg.errors.StringDataRightTruncation):
        apply_all(pg_db, tmp_path / "out")


@pytest.mark.postgres
@pytest.mark.parametrize("pg_version", [13, 14])
def test_each_backfill_batch_reads_only_its_pages(pg_version: int, pg_db: str) -> None:
    """A batch's WHERE must be answered by a TID scan: a ctid range is one from PostgreSQL 14
    (TID Range Scan), but before it a sequential scan of the whole table, once per batch of
    100 pages. Before 14 the batch names its tuples (`ctid = ANY (...)`, a TID scan since
    long before 11). Either form fills every row."""
    import psycopg

    from lockwise.fix.patterns import batched_backfill

    do_block = batched_backfill("t", "b", "a * 2", pg_version=pg_version)
    assert ("ctid = ANY" in do_block) is (pg_version < 14)
    batch = do_block[do_block.index("UPDATE"):do_block.index(";", do_block.index("UPDATE"))]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id bigint PRIMARY KEY, a int, b int)")
        conn.execute("INSERT INTO t SELECT g, g, NULL FROM generate_series(1, 50000) g")
        conn.execute("ANALYZE t")
        explained = conn.execute(
            "EXPLAIN " + batch.replace("first_page", "0::bigint")).fetchall()
        plan = "\n".join(row[0] for row in explained)
        assert "Tid" in plan and "Seq Scan on t" not in plan, plan
        conn.execute(do_block.split("\n", 1)[1])
        assert conn.execute("SELECT count(*) FROM t WHERE b IS DISTINCT FROM a * 2"
                            ).fetchone() == (0,)



@pytest.mark.postgres
@pytest.mark.parametrize("pg_version", [13, 14])
def test_each_batch_of_a_partitioned_backfill_reads_only_its_pages(pg_version: int,
                                                                   pg_db: str) -> None:
    """The batches of a partitioned table's backfill update each partition by a statement run
    with EXECUTE, its first page a parameter: still a TID scan of the batch's pages."""
    import psycopg

    from lockwise.fix.patterns import batched_backfill

    do_block = batched_backfill("t", "b", "a * 2", pg_version=pg_version, spread_name="t")
    start = do_block.index("$lockwise_batch$") + len("$lockwise_batch$")
    batch = "UPDATE ONLY t_1" + do_block[start:do_block.index("$lockwise_batch$", start)]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id bigint, a int, b int) PARTITION BY RANGE (id)")
        conn.execute("CREATE TABLE t_1 PARTITION OF t FOR VALUES FROM (0) TO (100000)")
        conn.execute("INSERT INTO t SELECT g, g, NULL FROM generate_series(1, 50000) g")
        conn.execute("ANALYZE t_1")
        conn.execute("CREATE FUNCTION plan_of(first bigint) RETURNS SETOF text LANGUAGE plpgsql "
                     "AS $f$ BEGIN RETURN QUERY EXECUTE 'EXPLAIN ' || $q$" + batch +
                     "$q$ USING first; END $f$")
        plan = "\n".join(row[0] for row in conn.execute("SELECT plan_of(0)"))
        assert "Tid" in plan and "Seq Scan" not in plan, plan
        conn.execute(do_block.split("\n", 1)[1])
        assert conn.execute("SELECT count(*) FROM t WHERE b IS DISTINCT FROM a * 2"
                            ).fetchone() == (0,)

MYSQL_MIGRATION = ("CREATE TABLE users (id INT PRIMARY KEY, email VARCHAR(100));\n",
                   "ALTER TABLE users ADD INDEX users_email (email);\n")


@pytest.mark.parametrize("how", ["option", "config"])
@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_fix_refuses_mysql_instead_of_writing_postgresql(tmp_path: Path, how: str,
                                                         dialect: str) -> None:
    """`dialect = "mysql"` in the config was ignored: a MySQL ADD INDEX was read as a
    PostgreSQL column named `index` and wrapped in `SET LOCAL lock_timeout`, which MySQL
    refuses. fix rewrites PostgreSQL only: it says so, exit 2, and writes nothing."""
    for i, sql in enumerate(MYSQL_MIGRATION):
        (tmp_path / f"{i + 1}_m.sql").write_text(sql)
    args = ["fix", str(tmp_path), "--write"]
    if how == "option":
        args += ["--dialect", dialect]
    else:
        (tmp_path / "lockwise.toml").write_text(f'dialect = "{dialect}"\n')
        args += ["--config", str(tmp_path / "lockwise.toml")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "PostgreSQL" in result.stderr and f"lint --dialect {dialect}" in result.stderr
    assert (tmp_path / "2_m.sql").read_text() == MYSQL_MIGRATION[1]


@pytest.mark.parametrize(("sql", "index"), [
    ("CREATE INDEX t_a_idx ON t (a);", "t_a_idx"),
    ("ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a);", "t_a_key"),
    ("ALTER TABLE t ADD PRIMARY KEY (a);", "t_pkey"),
    # The deparse route (a subcommand the tree route does not write).
    ("ALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a), ALTER COLUMN b SET DEFAULT 1;",
     "t_a_key"),
])
def test_every_concurrent_index_build_notes_its_invalid_leftover(tmp_path: Path, sql: str,
                                                                 index: str) -> None:
    """Each step that builds an index CONCURRENTLY IF NOT EXISTS says what a failed build
    leaves (an INVALID index that IF NOT EXISTS then skips), naming the index to drop: a
    UNIQUE build over duplicate values is the build most likely to fail."""
    source = write(tmp_path / "m", {"001_t.sql": "CREATE TABLE t (a int NOT NULL, b int);\n",
                                    "002_x.sql": sql + "\n"})
    written, notes = rewrite_dir_noting(source, tmp_path / "out")
    assert any(f"CONCURRENTLY IF NOT EXISTS {index} " in text for text in written.values()), \
        written
    assert any(f"DROP INDEX CONCURRENTLY IF EXISTS {index}, then run it again" in note
               for note in notes), notes


def test_written_files_keep_the_migrations_line_endings_and_bom(tmp_path: Path) -> None:
    """A migration written with CRLF line endings (and a UTF-8 BOM, as some Windows editors
    save) is rewritten, and its new steps written, in CRLF with the BOM: not converted to LF,
    which shows every line of the file changed in a CRLF repository. An LF file stays LF."""
    target = tmp_path / "m"
    target.mkdir()
    (target / "0001_t.sql").write_bytes(b"CREATE TABLE t (id bigint PRIMARY KEY, a text);\n")
    (target / "0002_x.sql").write_bytes(
        b"\xef\xbb\xbf-- index and not null\r\nCREATE INDEX i ON t (a);\r\n"
        b"ALTER TABLE t ALTER COLUMN a SET NOT NULL;\r\n")
    (target / "0003_y.sql").write_bytes(b"CREATE INDEX j ON t (id);\n")
    result = CliRunner().invoke(app, ["fix", str(target), "--write"])
    assert result.exit_code == 0, result.output
    written = {p.name: p.read_bytes() for p in sorted(target.iterdir())}
    crlf = [name for name in written if "_x" in name]  # 0002_x.sql and its new steps
    assert "0002_x.sql" in crlf and len(crlf) > 1, sorted(written)
    for name in crlf:
        raw = written[name]
        assert raw.startswith(b"\xef\xbb\xbf"), name
        assert raw.count(b"\n") == raw.count(b"\r\n") > 0, name
    lf = [name for name in written if name not in crlf]
    assert any("_y" in name for name in lf) and any("CONCURRENTLY" in written[n].decode()
                                                   for n in lf if "_y" in n)
    for name in lf:
        assert b"\r" not in written[name] and not written[name].startswith(b"\xef"), name
    assert CliRunner().invoke(app, ["lint", str(target), "--no-cache"]).exit_code == 0


@pytest.mark.postgres
def test_several_type_changes_in_one_statement_are_each_expanded_and_contracted(
        tmp_path: Path, pg_db: str) -> None:
    """One ALTER TABLE changing the type of two columns (each with its USING) and of a third
    without a rewrite (varchar growing): the two are each rewritten as expand/contract, the
    third stays as written; once every step ran, the columns hold what the statement gives."""
    import psycopg

    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY, c int, d int, "
                          "e varchar(10));\n"
                          "INSERT INTO t SELECT g, g, g * 10, 'e' || g "
                          "FROM generate_series(1, 30) g;\n",
        "2_change.up.sql": "ALTER TABLE t ALTER COLUMN c TYPE bigint USING c * 2, "
                           "ALTER COLUMN d TYPE text USING 'n' || d, "
                           "ALTER COLUMN e TYPE varchar(20);\n"})
    written = rewrite_dir(source, tmp_path / "out")
    assert any("c_new" in text for text in written.values()), written
    assert any("d_new" in text for text in written.values()), written
    apply_all(pg_db, tmp_path / "out")
    with psycopg.connect(pg_db) as conn:
        rows = conn.execute("SELECT id, c, d, e FROM t ORDER BY id").fetchall()
        types = dict(conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 't'::regclass AND attnum > 0 AND NOT attisdropped").fetchall())
    assert rows == [(g, g * 2, f"n{g * 10}", f"e{g}") for g in range(1, 31)]
    assert types == {"id": "bigint", "c": "bigint", "d": "text",
                     "e": "character varying(20)"}


#: A type change and a rename of column c of table t: the two expand/contract rewrites.
EXPAND_CONTRACT_CHANGES = ["ALTER TABLE t ALTER COLUMN c TYPE bigint;",
                           "ALTER TABLE t RENAME COLUMN c TO c2;"]

@pytest.mark.postgres
@pytest.mark.parametrize("change", EXPAND_CONTRACT_CHANGES)
def test_expand_contract_builds_the_old_columns_indexes_on_the_new_one(
        change: str, tmp_path: Path, pg_db: str) -> None:
    """The contract step drops the old column and every index over it: the new column gets
    the same indexes (a unique one too, storage parameters kept) built CONCURRENTLY first,
    which take the old names once the old ones are gone (lemmy's renames then found no
    index of the name they renamed)."""
    import psycopg

    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY, c int);\n"
                          "CREATE INDEX t_c_idx ON t (c) WITH (fillfactor = 70);\n"
                          "CREATE UNIQUE INDEX t_c_key ON t (c, id);\n"
                          "INSERT INTO t SELECT g, g FROM generate_series(1, 30) g;\n",
        "2_change.up.sql": change})
    rewrite_dir(source, tmp_path / "out")
    apply_all(pg_db, tmp_path / "out")
    with psycopg.connect(pg_db) as conn:
        indexes = dict(conn.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = 't'::regclass").fetchall())
    column = "c2" if "RENAME" in change else "c"
    assert indexes == {
        "t_pkey": "CREATE UNIQUE INDEX t_pkey ON public.t USING btree (id)",
        "t_c_idx": f"CREATE INDEX t_c_idx ON public.t USING btree ({column}) "
                   "WITH (fillfactor='70')",
        "t_c_key": f"CREATE UNIQUE INDEX t_c_key ON public.t USING btree ({column}, id)"}


@pytest.mark.postgres
@pytest.mark.parametrize("change", EXPAND_CONTRACT_CHANGES)
def test_expand_contract_builds_an_index_under_a_name_no_relation_of_the_schema_has(
        change: str, tmp_path: Path, pg_server: str) -> None:
    """An index's name is a relation's: a sequence (or a table, a view) that holds
    `<index>_new` pushes the index built over the new column to `<index>_new1`, as
    PostgreSQL numbers the names it picks, and the end is the statement's."""
    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY, c int);\n"
                          "CREATE INDEX t_c_idx ON t (c);\nCREATE SEQUENCE t_c_idx_new;\n"
                          "INSERT INTO t SELECT g, g FROM generate_series(1, 30) g;\n",
        "2_change.up.sql": change})
    rewrite_dir(source, tmp_path / "out")
    name = f"idx_new_taken_{'rename' if 'RENAME' in change else 'type'}"
    assert same_end_schema(pg_server, source, tmp_path / "out", name) == []
    assert "t_c_idx_new1" in "".join(p.read_text() for p in (tmp_path / "out").iterdir())


@pytest.mark.postgres
@pytest.mark.parametrize("change", EXPAND_CONTRACT_CHANGES)
def test_expand_contract_keeps_the_old_columns_default(change: str, tmp_path: Path,
                                                       pg_db: str) -> None:
    """The new column takes the old one's default, which the contract step drops with it
    (lemmy's local_user.lang renamed to interface_language lost DEFAULT 'browser')."""
    import psycopg

    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY, c int DEFAULT 7);\n"
                          "INSERT INTO t (id) SELECT g FROM generate_series(1, 30) g;\n",
        "2_change.up.sql": change})
    rewrite_dir(source, tmp_path / "out")
    apply_all(pg_db, tmp_path / "out")
    with psycopg.connect(pg_db) as conn:
        conn.execute("INSERT INTO t (id) VALUES (31)")
        column = "c2" if "RENAME" in change else "c"
        assert conn.execute(f"SELECT count(*) FROM t WHERE {column} = 7").fetchone() == (31,)


@pytest.mark.postgres
def test_expand_contract_of_awkward_names_keeps_indexes_and_default(tmp_path: Path,
                                                                    pg_db: str) -> None:
    """A schema, a mixed-case table, column and index names: the index built on the new
    column and its rename are quoted and qualified as PostgreSQL reads them back."""
    import psycopg

    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": 'CREATE SCHEMA "My S";\n'
                          'CREATE TABLE "My S"."Acc" (id bigint PRIMARY KEY, '
                          '"Mixed Col" int DEFAULT 3);\n'
                          'CREATE INDEX "Mixed Idx" ON "My S"."Acc" ("Mixed Col");\n'
                          'INSERT INTO "My S"."Acc" (id) SELECT g FROM generate_series(1, 9) g;\n',
        "2_change.up.sql": 'ALTER TABLE "My S"."Acc" ALTER COLUMN "Mixed Col" TYPE bigint;\n'})
    rewrite_dir(source, tmp_path / "out")
    apply_all(pg_db, tmp_path / "out")
    with psycopg.connect(pg_db) as conn:
        assert conn.execute("SELECT pg_get_indexdef('\"My S\".\"Mixed Idx\"'::regclass)"
                            ).fetchone() == ('CREATE INDEX "Mixed Idx" ON "My S"."Acc" USING '
                                             'btree ("Mixed Col")',)
        conn.execute('INSERT INTO "My S"."Acc" (id) VALUES (10)')
        assert conn.execute('SELECT count(*) FROM "My S"."Acc" WHERE "Mixed Col" = 3'
                            ).fetchone() == (10,)


@pytest.mark.parametrize("override", [
    'ignore = ["index-without-concurrently"]',
    'select = ["drop-column"]',
])
def test_fix_leaves_what_a_config_override_exempts(tmp_path: Path, override: str) -> None:
    """A per-path override of the config (a legacy folder's exemption) drops findings from
    lint; fix rewrites what lint reports, so it leaves that migration as written (it rewrote
    it: an applied legacy file edited by `--write`). The rest of the directory is fixed."""
    files = {"db/001_t.sql": "CREATE TABLE t (id bigint PRIMARY KEY, v text, w text);\n",
             "db/002_legacy.sql": "SET lock_timeout = '5s';\nCREATE INDEX t_v ON t (v);\n",
             "db/003_new.sql": "SET lock_timeout = '5s';\nCREATE INDEX t_w ON t (w);\n"}
    write_files(tmp_path, files)
    (tmp_path / "lockwise.toml").write_text(
        f'migrations = ["db"]\n[[overrides]]\npath = "db/002_*"\n{override}\n')
    result = CliRunner().invoke(app, ["fix", str(tmp_path / "db"), "--write",
                                      "--config", str(tmp_path / "lockwise.toml")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "db/002_legacy.sql").read_text() == files["db/002_legacy.sql"]
    assert "CONCURRENTLY" in (tmp_path / "db/003_new.sql").read_text()


@pytest.mark.parametrize(("value", "says"), [("100000min", "2147483647ms"),
                                             ("0.4ms", "turns it off")])
def test_fix_refuses_a_lock_timeout_postgresql_would_not_keep(tmp_path: Path, value: str,
                                                              says: str) -> None:
    """`--lock-timeout` is written into every step: one above PostgreSQL's range made each
    step fail at its SET, one under 1 ms set no timeout at all. A usage error, nothing
    written."""
    sql = "CREATE INDEX t_v ON t (v);\n"
    write_files(tmp_path, {"001_t.sql": "CREATE TABLE t (id bigint, v text);\n",
                           "002_i.sql": sql})
    result = CliRunner().invoke(app, ["fix", str(tmp_path), "--write", "--lock-timeout", value])
    assert result.exit_code == 2, result.output
    assert "--lock-timeout" in result.output and says in result.output
    assert (tmp_path / "002_i.sql").read_text() == sql


def _index_definitions(uri: str, table: str) -> dict[str, str]:
    import psycopg

    with psycopg.connect(uri) as conn:
        return dict(conn.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid = %s::regclass", (table,)).fetchall())


def _original_and_rewritten(pg_server: str, source: Path, tmp_path: Path,
                            name: str) -> tuple[str, str, list[str]]:
    """`source` applied as written and as `fix` rewrites it, each on a database of its own:
    their URIs, and the notes of the rewrite."""
    from lockwise.db.scratch import create_database

    notes = rewrite_dir_noting(source, tmp_path / "out")[1]
    original = create_database(pg_server, f"fix_orig_{name}")
    rewritten = create_database(pg_server, f"fix_new_{name}")
    apply_all(original, source)
    apply_all(rewritten, tmp_path / "out")
    return original, rewritten, notes


#: Indexes over column c that the catalog cannot write from their columns alone.
EXPRESSION_INDEXES = (
    "CREATE INDEX t_c_twice ON t ((c * 2));\n"
    "CREATE INDEX t_d_part ON t (d) WHERE c > 5;\n"
    "CREATE UNIQUE INDEX t_lower_d_c ON t (lower(d), c) INCLUDE (id) WHERE c IS NOT NULL;\n"
    'CREATE INDEX "T Hash" ON t USING hash (c) WITH (fillfactor = 80) WHERE d <> \'x\';\n'
    'CREATE INDEX t_d_c ON t (d COLLATE "C" text_pattern_ops, c DESC NULLS LAST);\n'
    "CREATE INDEX t_by_row ON t ((t.c + t.id));\n")


@pytest.mark.postgres
@pytest.mark.parametrize("change", EXPAND_CONTRACT_CHANGES)
def test_expand_contract_builds_expression_and_partial_indexes_on_the_new_column(
        change: str, tmp_path: Path, pg_server: str) -> None:
    """An index with an expression, a WHERE, INCLUDE, an operator class or collation over the
    old column is built again over the new one (its expressions and WHERE naming the new
    column), and takes the old name in the contract step: the table ends with the indexes
    the original statement leaves."""
    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY, c int, d text);\n"
                          + EXPRESSION_INDEXES +
                          "INSERT INTO t SELECT g, g, 'd' || g FROM generate_series(1, 30) g;\n",
        "2_change.up.sql": change})
    name = "rename" if "RENAME" in change else "type"
    original, rewritten, notes = _original_and_rewritten(pg_server, source, tmp_path,
                                                         f"exprs_{name}")
    assert not [note for note in notes if "cannot write out" in note]
    assert _index_definitions(rewritten, "t") == _index_definitions(original, "t")


def _column_state(uri: str, table: str) -> dict[str, tuple]:
    """Each column of `table`: its type, NOT NULL and default."""
    import psycopg

    with psycopg.connect(uri) as conn:
        return {name: rest for name, *rest in conn.execute(
            "SELECT attname, format_type(atttypid, atttypmod), attnotnull, "
            "pg_get_expr(adbin, adrelid) FROM pg_attribute LEFT JOIN pg_attrdef "
            "ON adrelid = attrelid AND adnum = attnum WHERE attrelid = %s::regclass "
            "AND attnum > 0 AND NOT attisdropped", (table,)).fetchall()}


@pytest.mark.postgres
@pytest.mark.parametrize(("case", "change"), [
    ("set", "ALTER TABLE t ALTER COLUMN c TYPE bigint, ALTER COLUMN c SET NOT NULL, "
            "ALTER COLUMN c SET DEFAULT 0;"),
    ("default_first", "ALTER TABLE t ALTER COLUMN c SET DEFAULT 5, "
                      "ALTER COLUMN c TYPE text USING c::text || 'x';"),
    ("drop", "ALTER TABLE t ALTER COLUMN c TYPE bigint, ALTER COLUMN c DROP NOT NULL, "
             "ALTER COLUMN c DROP DEFAULT;"),
])
def test_a_type_change_carries_the_other_subcommands_on_its_column_to_the_new_one(
        case: str, change: str, tmp_path: Path, pg_server: str) -> None:
    """A type change beside SET / DROP NOT NULL and SET / DROP DEFAULT of the same column is
    rewritten as expand/contract, and the new column ends with what those subcommands give
    (NOT NULL through a NOT VALID CHECK, validated later; the default), rows kept: a row
    inserted without the column meanwhile gets the default the statement sets."""
    import psycopg

    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY, c int NOT NULL DEFAULT 7);\n"
                          "INSERT INTO t SELECT g, g FROM generate_series(1, 30) g;\n",
        "2_change.up.sql": change})
    original, rewritten, _ = _original_and_rewritten(pg_server, source, tmp_path,
                                                     f"carry_{case}")
    written = "".join(p.read_text() for p in (tmp_path / "out").iterdir())
    assert "c_new" in written and ("SET NOT NULL" not in change or "NOT VALID" in written)
    assert _column_state(rewritten, "t") == _column_state(original, "t")
    for uri in (original, rewritten):
        with psycopg.connect(uri) as conn:
            if "DROP DEFAULT" not in change:
                conn.execute("INSERT INTO t (id) VALUES (31)")
            rows = conn.execute("SELECT id, c::text FROM t ORDER BY id").fetchall()
        if uri == original:
            expected = rows
    assert rows == expected


#: Tables whose rows live in other tables than the one named: partitions (each over the
#: 100 pages of a backfill batch) and inheritance children.
SPREAD_TABLES = {
    "partitioned": "CREATE TABLE ev (id bigint, day date, c int) PARTITION BY RANGE (day);\n"
                   "CREATE TABLE ev_a PARTITION OF ev FOR VALUES FROM ('2020-01-01') "
                   "TO ('2021-01-01');\n"
                   "CREATE TABLE ev_b PARTITION OF ev FOR VALUES FROM ('2021-01-01') "
                   "TO ('2022-01-01');\n",
    "inherited": "CREATE TABLE ev (id bigint, day date, c int);\n"
                 "CREATE TABLE ev_a () INHERITS (ev);\n",
}


@pytest.mark.postgres
@pytest.mark.parametrize("change", [
    "ALTER TABLE ev ALTER COLUMN c TYPE bigint USING c * 2;",
    "ALTER TABLE ev ADD COLUMN u uuid DEFAULT gen_random_uuid();",
])
@pytest.mark.parametrize("kind", sorted(SPREAD_TABLES))
@pytest.mark.parametrize("pg_version", [13, 16])
def test_a_backfill_of_a_table_spread_over_partitions_or_children_fills_every_row(
        kind: str, change: str, pg_version: int, tmp_path: Path, pg_db: str) -> None:
    """The batched backfill walks the pages of each table that holds rows (a partitioned
    table has none of its own: its size is 0), so every row is filled; the type change's
    contract step then drops no value the new column lacks."""
    import psycopg

    # The child has more pages than its parent, whose size alone bounds the batches.
    last = 60000 if kind == "partitioned" else 1000
    rows = ("INSERT INTO ev SELECT g, date '2020-01-01' + (g % 700), g "
            f"FROM generate_series(1, {last}) g;\n")
    if kind == "inherited":
        rows += ("INSERT INTO ev_a SELECT g, date '2020-01-01', g "
                 "FROM generate_series(1001, 61000) g;\n")
    source = write_files(tmp_path / "src", {"1_setup.up.sql": SPREAD_TABLES[kind] + rows,
                                            "2_change.up.sql": change})
    rewrite_dir_noting(source, tmp_path / "out", LintOptions(pg_version=pg_version))
    assert any("DO $lockwise$" in p.read_text() for p in (tmp_path / "out").iterdir())
    apply_all(pg_db, tmp_path / "out")
    with psycopg.connect(pg_db) as conn:
        if "TYPE" in change:
            wrong = conn.execute("SELECT count(*) FROM ev WHERE c IS DISTINCT FROM id * 2")
        else:
            wrong = conn.execute("SELECT count(*) FROM ev WHERE u IS NULL")
        assert wrong.fetchone() == (0,)



def _partitioned_indexes(uri: str) -> set[tuple]:
    """Every index of the ev tables: name, definition, validity, the index it is a part of."""
    import psycopg

    with psycopg.connect(uri) as conn:
        return set(conn.execute(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), i.indisvalid, "
            "(SELECT inhparent::regclass::text FROM pg_inherits WHERE inhrelid = i.indexrelid) "
            "FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relname LIKE 'ev%'").fetchall())


@pytest.mark.postgres
@pytest.mark.parametrize(("case", "change"), [
    ("type", "ALTER TABLE ev ALTER COLUMN c TYPE bigint;"),
    ("rename", "ALTER TABLE ev RENAME COLUMN c TO c2;"),
])
def test_expand_contract_of_a_partitioned_table_builds_its_indexes_on_each_partition(
        case: str, change: str, tmp_path: Path, pg_server: str) -> None:
    """A partitioned table's index cannot be built CONCURRENTLY: the index over the new
    column is made ON ONLY the table, each partition's part CONCURRENTLY (ON ONLY a
    sub-partitioned one, in turn) and attached; once the contract step ran, each part has
    the old part's name, and the indexes are the statement's."""
    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE ev (id bigint, day date, c int) PARTITION BY RANGE (day);\n"
                          "CREATE TABLE ev_a PARTITION OF ev FOR VALUES FROM ('2020-01-01') "
                          "TO ('2021-01-01');\n"
                          "CREATE TABLE ev_b PARTITION OF ev FOR VALUES FROM ('2021-01-01') "
                          "TO ('2022-01-01') PARTITION BY RANGE (id);\n"
                          "CREATE TABLE ev_b1 PARTITION OF ev_b FOR VALUES FROM (MINVALUE) "
                          "TO (MAXVALUE);\n"
                          "CREATE INDEX ev_c_idx ON ev (c);\n"
                          "CREATE INDEX ev_twice ON ev ((c * 2)) WHERE c > 0;\n"
                          "INSERT INTO ev SELECT g, date '2020-01-01' + g, g "
                          "FROM generate_series(1, 600) g;\n",
        "2_change.up.sql": change})
    original, rewritten, notes = _original_and_rewritten(pg_server, source, tmp_path,
                                                         f"parts_{case}")
    assert not [note for note in notes if "cannot write out" in note]
    assert _partitioned_indexes(rewritten) == _partitioned_indexes(original)


@pytest.mark.postgres
@pytest.mark.parametrize(("case", "change"), [
    ("type", "ALTER TABLE ev ALTER COLUMN c TYPE bigint;"),
    ("rename", "ALTER TABLE ev RENAME COLUMN c TO c2;"),
])
def test_expand_contract_names_a_partition_in_another_schema_with_its_schema(
        case: str, change: str, tmp_path: Path, pg_server: str) -> None:
    """A partition may live in another schema than its table: the part of each index built
    on it over the new column names it with its schema (the table's search path need not
    find it), as do the contract step's names of its parts."""
    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE SCHEMA archive;\n"
                          "CREATE TABLE ev (id bigint, day date, c int) PARTITION BY RANGE (day);\n"
                          "CREATE TABLE ev_a PARTITION OF ev FOR VALUES FROM ('2020-01-01') "
                          "TO ('2021-01-01');\n"
                          "CREATE TABLE archive.ev_old PARTITION OF ev FOR VALUES FROM "
                          "('2010-01-01') TO ('2020-01-01') PARTITION BY RANGE (id);\n"
                          "CREATE TABLE archive.ev_old1 PARTITION OF archive.ev_old FOR VALUES "
                          "FROM (MINVALUE) TO (MAXVALUE);\n"
                          "CREATE INDEX ev_c_idx ON ev (c);\n"
                          "CREATE INDEX ev_twice ON ev ((c * 2)) WHERE c > 0;\n"
                          "INSERT INTO ev SELECT g, date '2019-12-01' + g, g "
                          "FROM generate_series(1, 60) g;\n",
        "2_change.up.sql": change})
    original, rewritten, notes = _original_and_rewritten(pg_server, source, tmp_path,
                                                         f"parts_schema_{case}")
    assert "archive.ev_old" in "".join(p.read_text() for p in (tmp_path / "out").iterdir())
    assert _partitioned_indexes(rewritten) == _partitioned_indexes(original)


@pytest.mark.postgres
@pytest.mark.parametrize("change", [
    'ALTER TABLE "My Schema"."Weird Name" ALTER COLUMN "Mixed Col" TYPE text;',
    'ALTER TABLE "My Schema"."Weird Name" RENAME COLUMN "select" TO picked;',
])
def test_the_sync_function_of_a_qualified_table_lives_in_its_schema(
        change: str, tmp_path: Path, pg_db: str) -> None:
    """The function the expand step's trigger runs is made in the schema the statement names
    for the table, beside its trigger and new column (from PostgreSQL 15 a role may not
    create in public, where an unqualified CREATE FUNCTION goes), and dropped from there."""
    import psycopg

    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": 'CREATE SCHEMA "My Schema";\n'
                          'CREATE TABLE "My Schema"."Weird Name" ("Id" bigint, '
                          '"Mixed Col" bigint, "select" text);\n'
                          'INSERT INTO "My Schema"."Weird Name" SELECT g, g, \'x\' '
                          "FROM generate_series(1, 10) g;\n",
        "2_change.up.sql": change})
    rewrite_dir(source, tmp_path / "out")
    apply_all(pg_db, tmp_path / "out", until="contract")
    with psycopg.connect(pg_db) as conn:
        made = conn.execute("SELECT pronamespace::regnamespace::text FROM pg_proc "
                            "WHERE proname LIKE '%sync'").fetchall()
    assert made == [('"My Schema"',)]


def _column_properties(uri: str, column: str) -> tuple:
    """Column `column` of table t: its comment, who may do what to it (grantee, privilege,
    grant option), its collation and statistics target; and the extended statistics of t,
    each with its schema, kinds, columns (sorted: the server keeps them in the table's
    order), definition when it has expressions, and statistics target."""
    import psycopg

    with psycopg.connect(uri) as conn:
        own = conn.execute(
            "SELECT col_description(attrelid, attnum), attcollation::regcollation::text, "
            "attstattarget FROM pg_attribute WHERE attrelid = 't'::regclass AND attname = %s",
            (column,)).fetchone()
        grants = conn.execute(
            "SELECT pg_get_userbyid(a.grantee), a.privilege_type, a.is_grantable "
            "FROM pg_attribute, aclexplode(attacl) AS a WHERE attrelid = 't'::regclass "
            "AND attname = %s ORDER BY 1, 2", (column,)).fetchall()
        statistics = conn.execute(
            "SELECT stxnamespace::regnamespace::text, stxname, stxkind::text, "
            "(SELECT array_agg(attname ORDER BY attname) "
            "FROM pg_attribute WHERE attrelid = stxrelid AND attnum = ANY (stxkeys)), "
            "CASE WHEN stxexprs IS NOT NULL THEN pg_get_statisticsobjdef(oid) END, "
            "stxstattarget "
            "FROM pg_statistic_ext WHERE stxrelid = 't'::regclass ORDER BY 1, 2").fetchall()
    return own, grants, statistics


@pytest.mark.postgres
@pytest.mark.parametrize(("case", "change", "column"), [
    ("type", 'ALTER TABLE t ALTER COLUMN c TYPE text COLLATE "C" USING c::text;', "c"),
    ("rename", "ALTER TABLE t RENAME COLUMN c TO c2;", "c2"),
])
def test_expand_contract_keeps_the_columns_comment_grants_collation_and_statistics(
        case: str, change: str, column: str, tmp_path: Path, pg_server: str) -> None:
    """The contract step drops the old column with its comment, the privileges granted on
    it, its statistics target and the extended statistics over it (of its name, or of
    expressions that read it, in the table's schema or another, with their statistics
    targets): the new column takes them first, and has the collation the statement leaves
    (the old column's for a rename, the COLLATE written for a type change)."""
    kind = "int" if case == "type" else 'text COLLATE "C"'
    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "DO $$ BEGIN CREATE ROLE lockwise_reader; "
                          "EXCEPTION WHEN duplicate_object THEN NULL; END $$;\n"
                          f"CREATE TABLE t (id bigint PRIMARY KEY, c {kind}, d int);\n"
                          "COMMENT ON COLUMN t.c IS 'what c holds';\n"
                          "GRANT SELECT (c), UPDATE (c) ON t TO lockwise_reader;\n"
                          "GRANT REFERENCES (c) ON t TO PUBLIC;\n"
                          "CREATE STATISTICS t_c_d (dependencies, mcv) ON c, d FROM t;\n"
                          "CREATE STATISTICS t_all ON id, c FROM t;\n"
                          "ALTER TABLE t ALTER COLUMN c SET STATISTICS 500;\n"
                          "CREATE SCHEMA st;\n"
                          "CREATE STATISTICS st.t_shape (ndistinct) ON (lower(c::text)), d "
                          "FROM t;\n"
                          "CREATE STATISTICS t_c_expr ON ((c::text || 'x')) FROM t;\n"
                          "ALTER STATISTICS t_c_d SET STATISTICS 200;\n"
                          "ALTER STATISTICS st.t_shape SET STATISTICS 300;\n"
                          "INSERT INTO t SELECT g, g, g FROM generate_series(1, 30) g;\n",
        "2_change.up.sql": change})
    original, rewritten, _ = _original_and_rewritten(pg_server, source, tmp_path,
                                                     f"properties_{case}")
    kept = _column_properties(original, column)
    assert kept[0] == ("what c holds", '"C"', 500) and len(kept[1]) == 3 and len(kept[2]) == 4
    made = _column_properties(rewritten, column)
    # ALTER COLUMN TYPE makes the statistics over the column again without their targets
    # (checked on 18): the expand/contract keeps those the migrations set
    assert [s[:-1] for s in made[2]] == [s[:-1] for s in kept[2]]
    assert made[:2] == kept[:2]
    assert {s[1]: s[-1] for s in made[2] if s[-1] is not None} == {"t_c_d": 200, "t_shape": 300}


#: A table whose column c a policy reads, and whose column d a trigger fires on (UPDATE OF)
#: and one reads in its WHEN.
DEPENDED_ON = ("CREATE TABLE t (id bigint PRIMARY KEY, c int, d int, e int);\n"
               "ALTER TABLE t ENABLE ROW LEVEL SECURITY;\n"
               "CREATE POLICY t_positive ON t USING (c > 0);\n"
               "CREATE FUNCTION t_touch() RETURNS trigger LANGUAGE plpgsql AS "
               "$$ BEGIN RETURN NEW; END $$;\n"
               "CREATE TRIGGER t_on_d BEFORE UPDATE OF d ON t FOR EACH ROW "
               "EXECUTE FUNCTION t_touch();\n"
               "CREATE TRIGGER t_when_e BEFORE UPDATE ON t FOR EACH ROW "
               "WHEN (NEW.e > 0) EXECUTE FUNCTION t_touch();\n"
               "INSERT INTO t SELECT g, g, g, g FROM generate_series(1, 30) g;\n")


@pytest.mark.postgres
@pytest.mark.parametrize(("column", "dependent"), [
    ("c", "policy t_positive"), ("d", "trigger t_on_d"), ("e", "trigger t_when_e")])
def test_rename_is_not_expanded_for_a_column_a_policy_or_trigger_depends_on(
        column: str, dependent: str, tmp_path: Path, pg_server: str) -> None:
    """A policy or a trigger that names the column makes the contract step's DROP COLUMN
    fail (the rename alone moves them along): the rename is left as written, and fix names
    what depends on the column."""
    change = f"ALTER TABLE t RENAME COLUMN {column} TO {column}2;"
    source = write_files(tmp_path / "src", {"0001_init.up.sql": DEPENDED_ON,
                                             "0002_x.up.sql": change + "\n"})
    written, notes = rewrite_dir_noting(source, tmp_path / "out")
    assert change in written.get("0002_x.up.sql", change), written
    assert f"{column}2_" not in "".join(written.values()) and "DROP COLUMN" not in \
        "".join(written.values())
    assert any("not rewritten: line 1:" in n and dependent in n for n in notes), notes
    assert same_end_schema(pg_server, source, tmp_path / "out", f"dependent_{column}") == []


@pytest.mark.postgres
@pytest.mark.parametrize(("case", "setup", "change"), [
    ("type", "c int NOT NULL", "ALTER TABLE t ALTER COLUMN c TYPE bigint;"),
    ("named", "c int CONSTRAINT c_present NOT NULL", "ALTER TABLE t ALTER COLUMN c TYPE bigint;"),
    ("rename", "c int NOT NULL", "ALTER TABLE t RENAME COLUMN c TO c2;"),
    ("set", "c int", "ALTER TABLE t ALTER COLUMN c TYPE bigint, ALTER COLUMN c SET NOT NULL;"),
    # another kind of constraint holds the name the new column's NOT NULL would take
    ("taken", "c int NOT NULL, CONSTRAINT t_c_new_not_null CHECK (id > 0)",
     "ALTER TABLE t ALTER COLUMN c TYPE bigint;"),
    # ... or the name SET NOT NULL gives: it takes t_c_not_null1 (checked on 18.6)
    ("set_taken", "c int, CONSTRAINT t_c_not_null CHECK (id > 0)",
     "ALTER TABLE t ALTER COLUMN c TYPE bigint, ALTER COLUMN c SET NOT NULL;"),
])
def test_expand_contract_on_pg18_keeps_the_not_null_constraints_name(
        case: str, setup: str, change: str, tmp_path: Path, pg_server: str) -> None:
    """From PostgreSQL 18 a NOT NULL is a constraint with a name, which a type change or a
    rename keeps (or SET NOT NULL gives: `t_c_not_null`): the new column's, named after it,
    takes that name in the contract step, so later migrations naming it find it."""
    import psycopg

    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": f"CREATE TABLE t (id bigint PRIMARY KEY, {setup});\n"
                          "INSERT INTO t SELECT g, g FROM generate_series(1, 30) g;\n",
        "2_change.up.sql": change})
    notes = rewrite_dir_noting(source, tmp_path / "out", LintOptions(pg_version=18))[1]
    assert any("_new" in p.read_text() or "c2" in p.read_text()
               for p in (tmp_path / "out").iterdir() if p.name != "1_setup.up.sql"), notes
    names = []
    for side, directory in (("orig", source), ("new", tmp_path / "out")):
        from lockwise.db.scratch import create_database

        uri = create_database(pg_server, f"nn18_{side}_{case}")
        apply_all(uri, directory)
        with psycopg.connect(uri) as conn:
            names.append(conn.execute(
                "SELECT conname FROM pg_constraint WHERE conrelid = 't'::regclass "
                "AND contype = 'n' ORDER BY 1").fetchall())
    assert names[1] == names[0]


@pytest.mark.postgres
@pytest.mark.parametrize(("table", "column"), [("t" * 60, "c" * 60), ("t", "c" * 61),
                                               ("t" * 30, "c" * 25)])
def test_expand_contract_on_pg18_with_long_names_runs_and_keeps_the_names(
        table: str, column: str, tmp_path: Path, pg_server: str) -> None:
    """Long names (checked on 18.6): the new column's name is one the server keeps as written
    (`<column>_new` cut to 63 bytes as PostgreSQL cuts generated names, not by the server
    after the fact), and its NOT NULL constraint, added NOT VALID in the expand step, takes a
    name no constraint of the table has (numbered, as SET NOT NULL would number it, where
    `table_column_new_not_null` cuts to the old column's name). The steps run, and the column
    ends with the type, the values and the NOT NULL constraint's name the statement leaves."""
    import psycopg

    from lockwise.db.scratch import create_database

    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": f"CREATE TABLE {table} (id bigint PRIMARY KEY, {column} int NOT NULL);"
                          f"\nINSERT INTO {table} SELECT g, g FROM generate_series(1, 30) g;\n",
        "2_change.up.sql": f"ALTER TABLE {table} ALTER COLUMN {column} TYPE bigint;"})
    notes = rewrite_dir_noting(source, tmp_path / "out", LintOptions(pg_version=18))[1]
    written = "".join(p.read_text() for p in (tmp_path / "out").iterdir()
                      if p.name != "1_setup.up.sql")
    assert "_new" in written, notes
    # no name the server would cut (with a NOTICE) to one the steps do not write
    assert not re.findall(r"\w{64,}", written)
    ends = []
    for side, directory in (("orig", source), ("new", tmp_path / "out")):
        uri = create_database(pg_server, f"nn18_long_{side}_{len(table)}_{len(column)}")
        apply_all(uri, directory)
        with psycopg.connect(uri) as conn:
            ends.append((
                conn.execute("SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
                             f"WHERE attrelid = '{table}'::regclass AND attnum > 0 "
                             "AND NOT attisdropped ORDER BY attnum").fetchall(),
                conn.execute("SELECT conname FROM pg_constraint WHERE conrelid = "
                             f"'{table}'::regclass ORDER BY 1").fetchall(),
                conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()))
    assert ends[1] == ends[0]


@pytest.mark.postgres
@pytest.mark.parametrize("change", EXPAND_CONTRACT_CHANGES)
def test_expand_contract_keeps_rows_written_to_an_inheritance_child_in_sync(
        change: str, tmp_path: Path, pg_db: str) -> None:
    """A parent's row trigger does not fire for rows written to its inheritance children:
    each child gets the sync trigger too, so a row written to a child between the expand
    and contract steps has its value in the new column when the old one goes."""
    import psycopg

    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE t (id bigint, c int);\n"
                          "CREATE TABLE t_child () INHERITS (t);\n"
                          "INSERT INTO t_child SELECT g, g FROM generate_series(1, 30) g;\n",
        "2_change.up.sql": change})
    rewrite_dir(source, tmp_path / "out")
    column = "c2" if "RENAME" in change else "c"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for migration in discover(tmp_path / "out"):
            if "contract" in migration.id:  # written by the application meanwhile
                conn.execute("INSERT INTO t_child (id, c) VALUES (31, 31)")
                conn.execute("UPDATE t_child SET c = 100 WHERE id = 1")
            statements = [s.sql for s in parse_sql(migration.up_sql).statements]
            with conn.transaction() if not migration.no_transaction else conn.cursor():
                for sql in statements:
                    conn.execute(sql)
        rows = conn.execute(f"SELECT id, {column} FROM t ORDER BY id").fetchall()
    assert rows == [(1, 100), *((g, g) for g in range(2, 32))]


@pytest.mark.postgres
def test_a_generated_column_of_an_inheritance_parent_is_computed_on_its_children(
        tmp_path: Path, pg_server: str) -> None:
    """A stored generated column added to a parent is computed on its inheritance children
    too: the trigger that stands for it goes on each child as well, so a row written to a
    child later has the value the generated column would give."""
    import psycopg

    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE t (id bigint, c int);\n"
                          "CREATE TABLE t_child () INHERITS (t);\n"
                          "INSERT INTO t_child SELECT g, g FROM generate_series(1, 30) g;\n",
        "2_change.up.sql": "ALTER TABLE t ADD COLUMN d int GENERATED ALWAYS AS (c * 2) STORED;"})
    original, rewritten, _ = _original_and_rewritten(pg_server, source, tmp_path, "gen_child")
    assert "_compute" in "".join(p.read_text() for p in (tmp_path / "out").iterdir())
    rows = []
    for uri in (original, rewritten):
        with psycopg.connect(uri) as conn:
            conn.execute("INSERT INTO t_child (id, c) VALUES (31, 31)")
            conn.execute("UPDATE t_child SET c = 100 WHERE id = 1")
            rows.append(conn.execute("SELECT id, d FROM t ORDER BY id").fetchall())
    assert rows[1] == rows[0]


@pytest.mark.parametrize("change", EXPAND_CONTRACT_CHANGES)
def test_the_contract_step_leaves_the_catalog_sure_of_the_tables(change: str,
                                                                 tmp_path: Path) -> None:
    """The contract step's DO block, which carries the old column's comment, privileges and
    statistics over with EXECUTE, changes no table's columns or constraints: a migration
    after it is still judged on what the catalog knows (a type change of another table, not
    `old type unknown (a DO block may have changed it)`)."""
    source = write_files(tmp_path / "src", {
        "10_setup.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY, c int);\n"
                           "CREATE TABLE u (id bigint PRIMARY KEY, v varchar(10));\n"
                           "INSERT INTO t SELECT g, g FROM generate_series(1, 30) g;\n",
        "20_change.up.sql": change,
        # (after the steps, which take the free versions from 21)
        "90_later.up.sql": "ALTER TABLE u ALTER COLUMN v TYPE varchar(20);\n"})
    rewrite_dir(source, tmp_path / "out")
    assert any("DO $lockwise$" in p.read_text() for p in (tmp_path / "out").glob("*contract*"))
    later = [r for r in lint_migrations(discover(tmp_path / "out"), LintOptions())
             if r.migration.id.startswith("90_")]
    findings = [f for r in later for s in r.statements for f in s.findings]
    assert not [f for f in findings if f.rule == "column-type-change-rewrites"], findings


@pytest.mark.postgres
def test_type_changes_of_two_columns_one_index_reads_are_left_as_written(
        tmp_path: Path, pg_server: str) -> None:
    """Two type changes of one ALTER TABLE whose columns one index reads: each contract step
    would drop the index built over the other's new column (lemmy's scaled_rank, whose
    partial index reads hot_rank and hot_rank_active). The statement is left as written,
    with a note naming the index, and the rest of the migration is still rewritten."""
    source = write_files(tmp_path / "src", {
        "1_setup.up.sql": "CREATE TABLE t (id bigint PRIMARY KEY, a int, b int);\n"
                          "CREATE INDEX t_nonzero ON t (id) WHERE a <> 0 OR b <> 0;\n"
                          "INSERT INTO t SELECT g, g, g FROM generate_series(1, 30) g;\n",
        "2_change.up.sql": "ALTER TABLE t ALTER COLUMN a TYPE float, ALTER COLUMN b TYPE float;\n"
                           "CREATE INDEX t_by_id ON t (id);\n"})
    written, notes = rewrite_dir_noting(source, tmp_path / "out")
    text = "".join(written.values())
    assert "ALTER COLUMN a TYPE float" in text and "_new" not in text, written
    assert "CREATE INDEX CONCURRENTLY" in text
    assert any("not rewritten: line 1:" in n and "t_nonzero" in n for n in notes), notes
    assert same_end_schema(pg_server, source, tmp_path / "out", "shared_index") == []


#: A migration its tool runs without a transaction (its own marker in the file), which fix
#: rewrites in place for a lock_timeout: the marker must stay, or the tool wraps the
#: rewritten file in a transaction, where its CREATE INDEX CONCURRENTLY fails.
_NO_TX_BODY = "ALTER TABLE t ADD COLUMN b int;\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n"
NO_TX_CASES = {
    "goose": ("-- +goose Up\nCREATE TABLE t (id bigint, a int);\n",
              "-- +goose NO TRANSACTION\n-- +goose Up\n" + _NO_TX_BODY
              + "-- +goose Down\nDROP INDEX t_a;\n"),
    "dbmate": ("-- migrate:up\nCREATE TABLE t (id bigint, a int);\n-- migrate:down\n",
               "-- migrate:up transaction:false\n" + _NO_TX_BODY
               + "-- migrate:down\nDROP INDEX t_a;\n"),
    "sql-migrate": ("-- +migrate Up\nCREATE TABLE t (id bigint, a int);\n",
                    "-- +migrate Up notransaction\n" + _NO_TX_BODY
                    + "-- +migrate Down\nDROP INDEX t_a;\n"),
    "sqlx": ("CREATE TABLE t (id bigint, a int);\n", "-- no-transaction\n" + _NO_TX_BODY),
}


@pytest.mark.parametrize("layout", sorted(NO_TX_CASES))
def test_a_migration_run_without_a_transaction_keeps_its_marker(layout: str,
                                                                 tmp_path: Path) -> None:
    setup, change = NO_TX_CASES[layout]
    source = write_files(tmp_path / "src", {"20240101000000_setup.sql": setup,
                                            "20240201000000_change.sql": change})
    if layout == "sqlx":
        (tmp_path / "Cargo.toml").write_text('[dependencies]\nsqlx = "0.8"\n')
    (before,) = [m for m in discover(source) if m.name == "change"]
    assert before.layout == layout and before.no_transaction
    written = rewrite_dir(source, tmp_path / "out")
    assert "20240201000000_change.sql" in written
    (after,) = [m for m in discover(tmp_path / "out") if m.name == "change"]
    assert after.no_transaction, written["20240201000000_change.sql"]
    # Where the tool sends the file as one string (dbmate, sqlx), the build beside the ALTER
    # runs in PostgreSQL's implicit transaction block and fails (concurrently-in-transaction):
    # it moves to a step of its own, run without a transaction too.
    (built,) = [m for m in discover(tmp_path / "out")
                if "CREATE INDEX CONCURRENTLY t_a" in m.up_sql]
    assert built.no_transaction
    assert (built.path == after.path) is (layout in ("goose", "sql-migrate"))
