"""`lockwise fix`: each unsafe pattern is rewritten into a sequence that lints clean and gives
the same schema and data as the original on a real PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.core.types import Safety
from lockwise.discover import discover
from lockwise.fix.plan import plan_fix
from lockwise.fix.write import VersionAllocator, render_plan
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.postgres import parse_sql
from lockwise.parse.quoting import quote_literal

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
    shutil.copytree(source, target)
    migrations = discover(target)
    reports = lint_migrations(migrations, LintOptions())
    versions = VersionAllocator(migrations)
    written: dict[str, str] = {}
    for report in reports:
        plan = plan_fix(report)
        if plan is None:
            continue
        files, _notes = render_plan(plan, versions)
        for out in files:
            out.path.parent.mkdir(parents=True, exist_ok=True)
            out.path.write_text(out.text)
            written[str(out.path.relative_to(target))] = out.text
    return written


def apply_all(uri: str, directory: Path) -> None:
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        for migration in discover(directory):
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


def test_versions_fill_the_gap_or_go_after_the_newest(tmp_path: Path) -> None:
    for name, text in {"010_a.up.sql": "SELECT 1;", "020_b.up.sql": "SELECT 1;",
                       "021_c.up.sql": "SELECT 1;"}.items():
        (tmp_path / name).write_text(text)
    migrations = discover(tmp_path)
    versions = VersionAllocator(migrations)
    assert versions.allocate(migrations[0], 2) == (["011", "012"], False)
    assert versions.allocate(migrations[0], 1) == (["013"], False)
    assert versions.allocate(migrations[1], 1) == (["022"], True)


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
    if layout in (*markers, "diesel"):
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


def test_a_rewrite_that_would_add_a_conflict_is_left_out(tmp_path: Path) -> None:
    """Renamed and retyped in one migration, then read by a view: the expand/contract rewrite
    would drop the intermediate column under the view. fix checks the rewritten directory
    with the conflict graph, and leaves such a migration as it is, saying why."""
    target = write_files(tmp_path / "m", {
        "1_init.up.sql": "CREATE TABLE u (id bigint, icon varchar(100));",
        "2_change.up.sql": "ALTER TABLE u RENAME COLUMN icon TO avatar;\n"
                           "ALTER TABLE u ALTER COLUMN avatar TYPE int USING length(avatar);\n"
                           "CREATE VIEW uv AS SELECT id, avatar FROM u;\n",
        "3_other.up.sql": "CREATE INDEX u_id ON u (id);"})
    before = {p.name: p.read_text() for p in target.iterdir()}
    result = CliRunner().invoke(app, ["fix", str(target), "--write"])
    assert result.exit_code == 0
    assert "2_change.up.sql: not rewritten: the safe sequence would add a conflict" in \
        result.stderr
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


def test_drop_index_concurrently_takes_one_index_and_no_cascade() -> None:
    """PostgreSQL refuses DROP INDEX CONCURRENTLY of several indexes, or with CASCADE."""
    from lockwise.fix.patterns import rewrite

    rules = {"drop-index-without-concurrently"}
    pieces = rewrite("DROP INDEX idx_a, app.idx_b", rules)
    assert pieces is not None
    assert pieces.alone == ["DROP INDEX CONCURRENTLY IF EXISTS idx_a",
                            "DROP INDEX CONCURRENTLY IF EXISTS app.idx_b"]
    assert rewrite("DROP INDEX idx_a CASCADE", rules) is None


def test_no_expand_contract_when_a_later_statement_changes_the_column(tmp_path: Path) -> None:
    """A type change followed by a new default for the changed column: under expand/contract
    the old column keeps the old type until the contract step, and the default would not
    fit it. The statement is left as it is, with a note; other columns are still fixed."""
    from lockwise.discover import migration_from_text

    setup = migration_from_text("CREATE TABLE u (id bigint, st smallint, n int);", "1_a.sql")
    change = migration_from_text(
        "ALTER TABLE u ALTER COLUMN st TYPE text USING st::text;\n"
        "ALTER TABLE u ALTER COLUMN st SET DEFAULT 'active';\n"
        "ALTER TABLE u ALTER COLUMN n TYPE bigint;\n", "2_b.sql")
    report = lint_migrations([setup, change], LintOptions())[-1]
    plan = plan_fix(report)
    assert plan is not None
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


@pytest.mark.parametrize(("second", "reason"), [
    ("\\set ON_ERROR_STOP on\nCOPY t (a) FROM stdin;\n1\n2\n\\.\nCREATE INDEX i ON t (a);\n",
     "line 1: the psql meta-command `\\set ON_ERROR_STOP on` is client-side input"),
    ("COPY t (a) FROM stdin;\n1\n2\n\\.\nCREATE INDEX i ON t (a);\n",
     "line 2: the COPY data (2 lines) is client-side input"),
    ("SELEC 1;\nCREATE INDEX i ON t (a);\n",
     'line 1 does not parse (syntax error at or near "SELEC")'),
])
def test_a_file_with_text_the_rewrite_would_lose_is_not_rewritten(
        second: str, reason: str, tmp_path: Path) -> None:
    """The rewrite is printed from the server's statements: psql meta-commands, COPY data and
    SQL that does not parse would vanish from the file, so it is left alone, with the reason."""
    target = write_files(tmp_path, {"1_init.sql": "CREATE TABLE t (a int);\n",
                                    "2_a.sql": second})
    result = CliRunner().invoke(app, ["fix", str(target), "--write"])
    assert result.exit_code == 0, result.output
    assert (target / "2_a.sql").read_text() == second
    assert sorted(p.name for p in target.iterdir()) == ["1_init.sql", "2_a.sql"]
    assert f"2_a.sql: not rewritten: {reason}" in result.stderr


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


def test_reindex_concurrently_false_becomes_concurrently_once() -> None:
    """An explicit `CONCURRENTLY false` is replaced, not joined by a second option (PostgreSQL
    refuses "conflicting or redundant options")."""
    from lockwise.fix.patterns import rewrite

    pieces = rewrite("REINDEX (CONCURRENTLY false, VERBOSE) TABLE accounts",
                     {"reindex-without-concurrently"})
    assert pieces is not None
    assert pieces.alone == ["REINDEX (VERBOSE, CONCURRENTLY) TABLE accounts"]
