"""Pure helpers of the executor: DSN masking, checksums, history table names."""

from __future__ import annotations

import pytest

from lockwise.db.dsn import mask_dsn, redact
from lockwise.executor.checksum import CHECKSUM_VERSION, checksum, normalize_v1
from lockwise.executor.history import HistoryNameError, HistoryTable


@pytest.mark.parametrize("dsn, expected", [
    ("postgresql://app:hunter22@db.example:5432/prod",
     "postgresql://app:****@db.example:5432/prod"),
    ("postgres://app:p%40ss%2Fword@db/prod?sslmode=require",
     "postgres://app:****@db/prod?sslmode=require"),
    ("postgresql://db/prod?user=app&password=hunter22&sslmode=require",
     "postgresql://db/prod?user=app&password=****&sslmode=require"),
    ("host=db user=app password=hunter22 dbname=prod",
     "host=db user=app password=**** dbname=prod"),
    ("host=db password='with space' dbname=prod", "host=db password=**** dbname=prod"),
    ("postgresql://app@db/prod", "postgresql://app@db/prod"),
    ("host=/tmp/sock dbname=x", "host=/tmp/sock dbname=x"),
])
def test_mask_dsn(dsn: str, expected: str) -> None:
    assert mask_dsn(dsn) == expected


def test_redact_masks_embedded_dsns_and_the_literal_password() -> None:
    dsn = "postgresql://app:Sup3rSecret@db/prod"
    text = ('could not connect to postgresql://app:Sup3rSecret@db/prod: FATAL password '
            'Sup3rSecret rejected; also host=x password=other1234')
    out = redact(text, dsn)
    assert "Sup3rSecret" not in out
    assert "other1234" not in out
    assert "postgresql://app:****@db/prod" in out


def test_checksum_ignores_whitespace_only_edits() -> None:
    base = "CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN b int;\n"
    variants = [
        "\ufeff" + base,
        base.replace("\n", "\r\n"),
        "CREATE TABLE a (id int);   \nALTER TABLE a ADD COLUMN b int;\t\n\n\n",
    ]
    for text in variants:
        assert checksum(text) == checksum(base), repr(text)
    assert normalize_v1("a  \r\nb\r") == "a\nb"
    assert checksum(base.replace("b int", "c int")) != checksum(base)
    assert checksum(base.replace("a (id", "a(id")) == checksum(base)  # between tokens
    assert checksum(base.replace("a (id", "\"a\" (id")) != checksum(base)
    assert len(checksum(base)) == 64 and CHECKSUM_VERSION == 2


@pytest.mark.parametrize("edited", [
    "INSERT INTO s VALUES ('line1    \nline2');",        # trailing whitespace in a literal
    "INSERT INTO s VALUES ('line1\r\nline2');",         # a CR in a literal
    "INSERT INTO s VALUES ($$line1  \nline2$$);",       # a dollar-quoted body
    'INSERT INTO "s " VALUES (\'line1\nline2\');',      # a quoted identifier
    "INSERT INTO s VALUES ('line1\nline2'); -- lockwise: no-transaction",
    "INSERT INTO s VALUES ('line1\nline2');;",
])
def test_checksum_counts_what_postgres_sees(edited: str) -> None:
    base = "INSERT INTO s VALUES ('line1\nline2');"
    assert checksum(edited) != checksum(base)


@pytest.mark.parametrize("edited", [
    "INSERT  INTO s\r\n  VALUES ('line1\nline2')   ;   \n\n",
    "\ufeffINSERT INTO s VALUES ('line1\nline2');",
    "INSERT INTO s VALUES('line1\nline2');",
])
def test_checksum_ignores_whitespace_between_tokens(edited: str) -> None:
    assert checksum(edited) == checksum("INSERT INTO s VALUES ('line1\nline2');")


def test_checksum_comments_keep_content_not_whitespace() -> None:
    base = "-- a comment\n/* block\n comment */\nSELECT 1;\n"
    assert checksum("-- a comment   \r\n/* block  \r\n comment */ SELECT 1;") == checksum(base)
    assert checksum(base.replace("a comment", "another")) != checksum(base)
    assert checksum("SELECT 'é', 1;") != checksum("SELECT 'e', 1;")


def test_checksum_of_non_ascii_text() -> None:
    # The scanner's offsets count characters: text beyond ASCII is read token by token too.
    base = "-- créé\nINSERT INTO s VALUES ('ééé', 'ü');\n"
    assert checksum(base) == checksum("-- créé   \nINSERT INTO s VALUES('ééé','ü') ;")
    assert checksum(base) != checksum(base.replace("'ü'", "'u'"))
    assert checksum(base) != checksum(base.replace("ééé", "éé"))


def test_checksum_of_unscannable_text_is_stable() -> None:
    assert checksum("SELECT 'open   \n") == checksum("SELECT 'open\n")
    assert checksum("SELECT 'open") != checksum("SELECT open")


def test_old_rows_keep_their_algorithm() -> None:
    # A file a v1 row recorded still matches under v1 whatever v2 thinks of it.
    text = "CREATE TABLE a (id int);\n"
    assert checksum(text, 1) == checksum(text + "   \n\n", 1) != checksum(text, 2)


def test_all_checksums_lead_with_the_current_algorithm() -> None:
    from lockwise.executor.checksum import all_checksums

    text = "UPDATE t SET note = 'a  \n b';\n"
    found = all_checksums(text)
    assert found[0] == checksum(text) and checksum(text, 1) in found[1:]


def test_unknown_checksum_version_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown checksum version 99"):
        checksum("x", 99)


@pytest.mark.parametrize("name, schema, table", [
    ("lockwise.schema_history", "lockwise", "schema_history"),
    ("migrations", None, "migrations"),
    ("Ops.History$1", "Ops", "History$1"),
])
def test_history_table_names(name: str, schema: str | None, table: str) -> None:
    parsed = HistoryTable.parse(name)
    assert (parsed.schema, parsed.table) == (schema, table)


@pytest.mark.parametrize("name", ["", "a.b.c", "1table", "bad-name", 'x"; DROP TABLE y; --',
                                  "a" * 64, "schema."])
def test_history_table_names_rejected(name: str) -> None:
    with pytest.raises(HistoryNameError):
        HistoryTable.parse(name)


def test_lock_key_depends_on_the_table() -> None:
    a = HistoryTable.parse("lockwise.schema_history").lock_key
    assert a == HistoryTable.parse("lockwise.schema_history").lock_key
    assert a != HistoryTable.parse("other.schema_history").lock_key
    statement = HistoryTable.parse("lockwise.schema_history").statement_lock_key
    assert statement not in (a, HistoryTable.parse("other.schema_history").statement_lock_key)
    assert -(2 ** 63) <= a < 2 ** 63


def _applied_row(row_id: int, version: str, sql: str, description: str = "a"):
    from datetime import datetime, timezone

    from lockwise.executor.history import KIND_APPLY, HistoryRow

    fields = dict.fromkeys(HistoryRow.__dataclass_fields__)
    fields.update(id=row_id, version=version, description=description, checksum=checksum(sql),
                  checksum_version=CHECKSUM_VERSION, success=True, rolled_back=False,
                  executed_at=datetime(2024, 1, 1, tzinfo=timezone.utc), kind=KIND_APPLY)
    return HistoryRow(**fields)


def test_state_knows_versions_as_the_layouts_runner_does(tmp_path) -> None:
    """golang-migrate reads `01` as the version `1`: the file renamed 01_a is the applied
    version 1, not a new one (and 1 is not missing). dbmate keeps versions as text."""
    from lockwise.discover import discover
    from lockwise.executor.state import APPLIED, MISSING, PENDING, compute_state

    sql = "CREATE TABLE a (id int);\n"
    (tmp_path / "01_a.up.sql").write_text(sql)
    rows = [_applied_row(1, "1", sql)]
    state = compute_state(discover(tmp_path), rows)
    assert [(v.version, v.state) for v in state.versions] == [("01", APPLIED)]
    dbmate = tmp_path / "dbmate"
    dbmate.mkdir()
    (dbmate / "01_a.sql").write_text(f"-- migrate:up\n{sql}-- migrate:down\n")
    state = compute_state(discover(dbmate), rows)
    assert sorted((v.version, v.state) for v in state.versions) == [
        ("01", PENDING), ("1", MISSING)]



def _states_after_8_or_baseline_10(folder) -> tuple[list, list]:
    """(version, state) of each version of `folder`'s migrations, in order: with version 8
    recorded (no file has it); with a baseline at 10 instead."""
    from dataclasses import replace

    from lockwise.discover import discover
    from lockwise.executor.history import KIND_BASELINE
    from lockwise.executor.state import compute_state

    baseline = replace(_applied_row(2, "10", ""), kind=KIND_BASELINE, description="baseline")
    return tuple([(v.version, v.state) for v in compute_state(discover(folder), rows).versions]
                 for rows in ([_applied_row(1, "8", "SELECT 8;")], [baseline]))


def test_state_orders_diesel_versions_as_text(tmp_path) -> None:
    """diesel sorts pending migrations by version as text (diesel src/migration/mod.rs,
    MigrationVersion's derived Ord on its Cow<str>): 10_b, then 9_a, then 91_c. A version
    recorded without its folder (8) sorts among them as text, and a baseline at 10 covers
    10_b alone (as numbers, 9 too, which diesel runs after it); a history row written with
    dashes is the folder whose version is the same without them."""
    from lockwise.discover.versions import version_sort_key
    from lockwise.executor.state import BASELINED, MISSING, PENDING

    for name in ("9_a", "10_b", "91_c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "up.sql").write_text("SELECT 1;\n")
    assert _states_after_8_or_baseline_10(tmp_path) == (
        [("10", PENDING), ("8", MISSING), ("9", PENDING), ("91", PENDING)],
        [("10", BASELINED), ("9", PENDING), ("91", PENDING)])
    assert version_sort_key("2024-01-01-000000", "diesel") == \
        version_sort_key("20240101000000", "diesel") < version_sort_key("2024-01-02", "diesel")


def test_state_orders_dbmate_versions_as_dbmate_runs_its_files(tmp_path) -> None:
    """dbmate runs its files in the order of their names as text (pkg/dbmate/db.go,
    FindMigrations): 10_b.sql, then 91_c.sql, then 9_a.sql ('1' sorts before '_'). The state
    lists them so, a version recorded without its file (8) among them as text. A baseline at
    10 covers what dbmate runs up to 10_b.sql, as `apply --to 10` would have run: 10_b.sql
    alone (as numbers, 9 too, which dbmate runs last)."""
    from lockwise.executor.state import BASELINED, MISSING, PENDING

    for name in ("9_a.sql", "10_b.sql", "91_c.sql"):
        (tmp_path / name).write_text("-- migrate:up\nSELECT 1;\n-- migrate:down\n")
    assert _states_after_8_or_baseline_10(tmp_path) == (
        [("10", PENDING), ("8", MISSING), ("91", PENDING), ("9", PENDING)],
        [("10", BASELINED), ("91", PENDING), ("9", PENDING)])

@pytest.mark.parametrize("files, refused", [
    (("1_a.up.sql", "01_b.up.sql"), True),
    (("V1__a.sql", "V1.0__b.sql"), True),
    (("V1.1__a.sql", "V1.01__b.sql"), True),
    (("V1.1__a.sql", "V1.10__b.sql"), False),
    (("1_a.up.sql", "2_b.up.sql"), False),
])
def test_apply_refuses_versions_the_runner_reads_as_one(tmp_path, files: tuple[str, ...],
                                                        refused: bool) -> None:
    from executor_helpers import lockwise

    for name in files:
        (tmp_path / name).write_text("SELECT 1;\n")
    # A DSN nothing listens on: a refused history stops before connecting.
    result = lockwise("postgresql://nobody@127.0.0.1:9/none", "apply", str(tmp_path),
                      "--wait", "0")
    assert ("is used twice" in result.stderr) == refused, result.stderr
    assert result.returncode == 2


@pytest.mark.parametrize("rows, kind, expected", [
    ([], "apply", False),
    # killed, then cleared by repair: the rerun continues it
    ([dict(success=None, repaired_at=True)], "apply", True),
    ([dict(success=False, repaired_at=True)], "apply", True),
    # not yet repaired (apply refuses anyway), or a finished run: nothing to continue
    ([dict(success=None)], "apply", False),
    ([dict(success=True)], "apply", False),
    # a finished rollback after it: the re-apply starts afresh
    ([dict(success=None, repaired_at=True), dict(success=True, kind="rollback")], "apply", False),
    # a cleared failed down migration: the next rollback continues it, an apply does not
    ([dict(success=True), dict(success=False, kind="rollback", repaired_at=True)],
     "rollback", True),
    ([dict(success=None, repaired_at=True)], "rollback", False),
])
def test_a_run_resumes_only_a_cleared_failure_of_its_kind(rows: list[dict], kind: str,
                                                          expected: bool) -> None:
    import dataclasses
    from datetime import datetime, timezone

    from lockwise.executor.history import resumes

    when = datetime(2024, 1, 2, tzinfo=timezone.utc)
    history = [dataclasses.replace(_applied_row(n, "2", "SELECT 1"),
                                   **{k: when if k == "repaired_at" else v for k, v in r.items()})
               for n, r in enumerate(rows, 1)]
    assert resumes(history, "2", kind) is expected


@pytest.mark.parametrize("index, candidate, expected", [
    ("t_fx", "t_fx_ccnew", True),
    ("t_fx", "t_fx_ccold", True),
    ("t_fx", "t_fx_ccnew2", True),
    ("t_fx", "t_fx", False),
    ("t_fx", "t_fx2_ccnew", False),
    ("t_fx", "t_f_ccnew", False),  # a shorter stem only when the name was cut at 63 bytes
    ("i" * 63, "i" * 57 + "_ccnew", True),
    ("i" * 63, "i" * 56 + "_ccnew1", True),
    ("é" * 31, "é" * 28 + "_ccold", True),  # 56 bytes cut by whole characters
    ("i" * 63, "j" * 57 + "_ccnew", False),
])
def test_reindex_leftover_names(index: str, candidate: str, expected: bool) -> None:
    from lockwise.executor.runner import reindex_leftover

    assert reindex_leftover(index, candidate) is expected


def test_which_statements_commit_with_their_progress(tmp_path) -> None:
    """In a statement-by-statement run, a statement runs in a transaction with its progress
    update unless PostgreSQL refuses it in one, it is batched, or it controls transactions;
    the file's own plain COMMIT gets the progress of its transaction."""
    from lockwise.discover import discover
    from lockwise.executor.plan import plan_sql

    (tmp_path / "1_a.up.sql").write_text(
        "-- lockwise: no-transaction\n"
        "INSERT INTO t VALUES (1);\n"
        "CREATE INDEX CONCURRENTLY t_i ON t (id);\n"
        "-- lockwise: batch size=10\nUPDATE t SET id = id + 1;\n"
        "BEGIN;\nSET LOCAL lock_timeout = '1s';\nCOMMIT;\n"
        "START TRANSACTION;\nCOMMIT AND CHAIN;\nEND;\n"
        "VACUUM t;\n")
    (migration,) = discover(tmp_path)
    plan = plan_sql(migration, migration.up_sql, migration.path, 18)
    assert not plan.transactional
    assert [(s.runs_in_block, s.closes_block) for s in plan.statements] == [
        (True, False), (False, False), (False, False),
        (False, False), (True, False), (False, True),
        (False, False), (False, False), (False, True),
        (False, False)]


def _sqitch(directory, changes: list[str]) -> None:
    (directory / "deploy").mkdir(parents=True, exist_ok=True)
    lines = ["%project=x"]
    for name in changes:
        lines.append(f"{name} 2024-01-01T00:00:00Z A <a@example.com>")
        (directory / "deploy" / f"{name}.sql").write_text(f"CREATE TABLE {name} (id int);\n")
    (directory / "sqitch.plan").write_text("\n".join(lines) + "\n")


def test_sqitch_versions_are_plan_positions_in_plan_order(tmp_path) -> None:
    from lockwise.discover import discover
    from lockwise.executor.state import PENDING, compute_state

    # Names that sort otherwise than the plan: the plan's order rules.
    _sqitch(tmp_path, ["zebra", "apple", "mango"])
    migrations = discover(tmp_path)
    assert [(m.version, m.name) for m in migrations] == [
        ("0001", "zebra"), ("0002", "apple"), ("0003", "mango")]
    state = compute_state(migrations, [])
    assert [(v.version, v.state) for v in state.versions] == [
        ("0001", PENDING), ("0002", PENDING), ("0003", PENDING)]
    assert [m.name for m in state.pending] == ["zebra", "apple", "mango"]


def test_sqitch_plan_growing_past_9999_changes_keeps_its_history(tmp_path) -> None:
    """The positions are zero-padded to the plan's length: the 10,000th change pads them all
    to five digits, and `00001` is still the change applied as `0001`."""
    from lockwise.discover import discover
    from lockwise.executor.state import APPLIED, PENDING, compute_state

    names = [f"c{n}" for n in range(1, 10001)]
    _sqitch(tmp_path, names)
    migrations = discover(tmp_path)
    assert migrations[0].version == "00001"
    rows = [_applied_row(n, f"{n:04d}", f"CREATE TABLE c{n} (id int);\n", f"c{n}")
            for n in (1, 2)]
    state = compute_state(migrations, rows)
    assert [(v.version, v.state) for v in state.versions[:3]] == [
        ("00001", APPLIED), ("00002", APPLIED), ("00003", PENDING)]
    assert len(state.versions) == 10000


def test_sqitch_change_inserted_before_deployed_ones_is_explained(tmp_path) -> None:
    from lockwise.discover import discover
    from lockwise.executor.state import CHANGED, compute_state

    _sqitch(tmp_path, ["users", "inserted", "orders"])
    rows = [_applied_row(1, "0001", "CREATE TABLE users (id int);\n", "users"),
            _applied_row(2, "0002", "CREATE TABLE orders (id int);\n", "orders")]
    state = compute_state(discover(tmp_path), rows)
    changed = state.having(CHANGED)
    assert [v.version for v in changed] == ["0002"]
    assert "add new changes at the end of sqitch.plan" in changed[0].detail


@pytest.mark.parametrize("name, text, transactional", [
    # dbmate gives each direction its own options (UpOptions / DownOptions): the up's
    # transaction:false leaves the down in a transaction, the down's own one takes it out.
    ("01_a.sql", "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n"
                 "-- migrate:down\nDROP INDEX i;\nDROP TABLE u;\n", True),
    ("01_a.sql", "-- migrate:up\nCREATE INDEX i ON t (a);\n"
                 "-- migrate:down transaction:false\nDROP INDEX i;\nDROP TABLE u;\n", False),
    # dbmate reads the option exactly: any other spelling runs in a transaction.
    ("01_a.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down transaction:FALSE\nSELECT 2;\n",
     True),
    # lockwise's own marker covers the whole file, down included.
    ("01_a.sql", "-- lockwise: no-transaction\n-- migrate:up\nSELECT 1;\n"
                 "-- migrate:down\nSELECT 2;\n", False),
    # sql-migrate: -- +migrate Down notransaction is the down's own.
    ("01_a.sql", "-- +migrate Up notransaction\nSELECT 1;\n-- +migrate Down\nSELECT 2;\n",
     True),
    ("01_a.sql", "-- +migrate Up\nSELECT 1;\n-- +migrate Down notransaction\nSELECT 2;\n",
     False),
    # goose: NO TRANSACTION is the file's, both directions.
    ("01_a.sql", "-- +goose NO TRANSACTION\n-- +goose Up\nSELECT 1;\n-- +goose Down\n"
                 "SELECT 2;\n", False),
])
def test_a_down_section_runs_in_a_transaction_as_its_tool_runs_it(
        tmp_path, name: str, text: str, transactional: bool) -> None:
    from lockwise.discover import discover
    from lockwise.executor.plan import down_plan

    (tmp_path / name).write_text(text)
    (migration,) = discover(tmp_path)
    assert migration.down_sql is not None
    assert down_plan(migration, 16).transactional is transactional


def test_what_only_psql_runs_is_named_as_written(tmp_path) -> None:
    """A file `lockwise apply` cannot run (it is psql's) is refused at each client-side part,
    shown as written: "psql-meta cannot be run" named the category, not the command."""
    from lockwise.discover import discover
    from lockwise.executor.plan import plan_sql

    (tmp_path / "1_a.up.sql").write_text(
        "\\set ON_ERROR_STOP on\nCREATE TABLE t (id int);\nSELECT :'name';\n"
        "SELECT 'CREATE INDEX ON t (id)' \\gexec\n")
    (migration,) = discover(tmp_path)
    problems = plan_sql(migration, migration.up_sql, migration.path, 18).problems
    path = migration.path
    assert sorted(problems) == [
        f"{path}:3:8: `:'name'` is a psql variable: lockwise cannot run it (psql fills it in "
        "before it sends the statement)",
        f"{path}:4:33: `\\gexec` is a psql meta-command: lockwise cannot run it (it is a psql "
        "client feature, not SQL)"], problems


@pytest.mark.parametrize("command", ["apply", "rollback"])
@pytest.mark.parametrize("option", ["--lock-timeout", "--statement-timeout"])
@pytest.mark.parametrize(("value", "says"), [
    ("100000min", "2147483647ms"),  # PostgreSQL's integer range: the SET failed mid-run
    ("0.4ms", "turns it off"),      # rounds to 0 ms
    ("abc", "not a duration"),
])
def test_a_timeout_postgresql_refuses_is_a_usage_error(tmp_path, command: str, option: str,
                                                       value: str, says: str) -> None:
    """A timeout out of PostgreSQL's range was found only by the SET at the first migration's
    start, recorded as that migration failing, which `repair` then had to clear. It is the
    option's usage error, named, before anything connects; one that rounds to 0 ms would
    have turned the timeout off without a word."""
    from typer.testing import CliRunner

    from lockwise.cli.app import app

    (tmp_path / "001_t.sql").write_text("CREATE TABLE t (id bigint);\n")
    result = CliRunner().invoke(app, [command, str(tmp_path), "--dsn",
                                      f"host={tmp_path / 'no-server'} dbname=x", option, value])
    assert result.exit_code == 2, result.output
    assert option in result.output and says in result.output
    assert "connect" not in result.output


#: psql meta-commands that change what runs (another file, connection, a query's output run
#: as SQL, data through the client, psql's transactions or error handling): refused.
_CHANGES_WHAT_RUNS = [
    ("\\i other.sql\n", 2, 1), ("\\include other.sql\n", 2, 1), ("\\ir other.sql\n", 2, 1),
    ("SELECT 'CREATE INDEX ON t (id)' \\gexec\n", 2, 33), ("\\connect other\n", 2, 1),
    ("\\c other\n", 2, 1), ("\\copy t FROM 'rows.csv' csv\n", 2, 1),
    ("\\set AUTOCOMMIT off\n", 2, 1), ("\\set ON_ERROR_ROLLBACK on\n", 2, 1)]
#: psql meta-commands that only set psql's own behaviour: skipped, with a note.
_PSQL_SETTINGS = ["\\set ON_ERROR_STOP on\n", "\\timing on\n", "\\echo creating t\n",
                  "\\set QUIET on\n", "\\pset pager off\n"]


def _migration(tmp_path, line: str):
    from lockwise.discover import discover

    (tmp_path / "1_a.up.sql").write_text(f"CREATE TABLE t (id int);\n{line}CREATE TABLE u ();\n")
    (migration,) = discover(tmp_path)
    return migration


@pytest.mark.parametrize(("line", "at_line", "at_column"), _CHANGES_WHAT_RUNS)
def test_a_meta_command_that_changes_what_runs_is_refused_alike(
        tmp_path, line: str, at_line: int, at_column: int) -> None:
    """apply refuses it at its file:line:column, and verify and trace (check_parses) say the
    same, at the same place."""
    from lockwise.executor.plan import plan_sql
    from lockwise.parse.source import InputError
    from lockwise.verify.run import check_parses, psql_setting_notes

    migration = _migration(tmp_path, line)
    plan = plan_sql(migration, migration.up_sql, migration.path, 18)
    command = line.split("\\", 1)[1].split("\n")[0]
    assert plan.problems == [f"{migration.path}:{at_line}:{at_column}: `\\{command}` is a psql "
                             "meta-command: lockwise cannot run it (it is a psql client "
                             "feature, not SQL)"], plan.problems
    assert plan.notes == []
    with pytest.raises(InputError) as raised:
        check_parses([migration])
    assert (raised.value.line, raised.value.column) == (at_line, at_column)
    assert f"`\\{command}`" in str(raised.value)
    assert psql_setting_notes(migration) == []


@pytest.mark.parametrize("line", _PSQL_SETTINGS)
def test_a_psql_setting_is_skipped_with_a_note_alike(tmp_path, line: str) -> None:
    """`\\set ON_ERROR_STOP on` (and \\timing, \\echo): verify and trace passed over it
    while apply refused the file. All three skip it now, each with the same note."""
    from lockwise.executor.plan import plan_sql
    from lockwise.verify.run import check_parses, psql_setting_notes

    migration = _migration(tmp_path, line)
    plan = plan_sql(migration, migration.up_sql, migration.path, 18)
    assert plan.problems == []
    note = (f"{migration.path}:2:1: `{line.strip()}` only sets psql's own behaviour, not what "
            "the server runs: skipped (lockwise stops at a migration's first error, as psql "
            "with ON_ERROR_STOP does)")
    assert plan.notes == [note]
    assert [s.sql for s in plan.statements] == ["CREATE TABLE t (id int)", "CREATE TABLE u ()"]
    check_parses([migration])  # no error
    assert psql_setting_notes(migration) == [note]


#: Files of every kind `apply` refuses, and plain ones, for the refusal checks to agree on.
_REFUSAL_CASES = [
    "CREATE TABLE t (id int);\nCREATE INDEX ON t (id);\n",
    "", "-- only a comment\n", "CREATE TABLE t (id int;\n", "SELECT 1;\n\\i other.sql\n",
    "\\set ON_ERROR_STOP on\nSELECT 1;\n", "\\set n 1\nSELECT :n;\n",
    "SELECT {{ value }};\n", "COPY t FROM STDIN;\n",
    "CREATE TABLE t (id int);\nCOPY t TO STDOUT;\n",
    "BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n", "CREATE TABLE t (id int);\nCOMMIT;\n",
    "SAVEPOINT s;\nSELECT 1;\n", "-- lockwise: no-transaction\nBEGIN;\nSELECT 1;\nCOMMIT;\n",
    "-- lockwise: batch size=x\nUPDATE t SET id = id;\n",
    "-- lockwise: batch size=10\nUPDATE t SET id = id;\n",
    "SELECT " + "(" * 600 + "1" + ")" * 600 + ";\n",
    "SELECT $x$ COPY t FROM STDIN; COMMIT $x$;\n",
]


@pytest.mark.parametrize("text", _REFUSAL_CASES)
def test_status_verify_and_apply_refuse_alike(tmp_path, text: str) -> None:
    """status (run_problems, which plans only a file that may hold a problem) says exactly the
    problems apply's plan starts with, and verify (check_parses) stops at the first of those
    that are not about apply's own transaction or directives: one judgement, `unrunnable`."""
    from lockwise.discover import discover
    from lockwise.executor.plan import first_unrunnable, plan_sql, run_problems, unrunnable
    from lockwise.parse.source import InputError
    from lockwise.verify.run import check_parses

    (tmp_path / "1_a.up.sql").write_text(text)
    (migration,) = discover(tmp_path)
    plan = plan_sql(migration, migration.up_sql, migration.path, 18)
    assert run_problems(migration, 18) == plan.problems
    first = first_unrunnable(unrunnable(migration, migration.up_sql, migration.path))
    if first is None:
        check_parses([migration])
        return
    assert str(first) in plan.problems
    with pytest.raises(InputError) as raised:
        check_parses([migration])
    assert str(raised.value) == str(first)
