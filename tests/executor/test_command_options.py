"""Every command that lints builds its options in one place (`config.lint_options`): the
config's settings of the target database (its default collation, statistics, longest lock
hold) reach `lint`, `fix` and `apply`'s gate alike; `verify` judges by the default collation
of the scratch database it runs on. Rule where-without-index tells them apart: under a
default collation of C a plain B-tree serves `email LIKE 'old%'` (checked on 18.6,
tests/test_default_collation_pg.py). `graph` and apply's plan compute effects themselves:
with the same options (the config's templates and collation: their contexts are checked,
since no fact their results read depends on the collation yet)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import psycopg
import psycopg.conninfo
import pytest
from executor_helpers import write
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.config import Config, lint_options

SETUP = ("CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n"
         "CREATE INDEX accounts_email_idx ON accounts (email);\n")
PURGE = "DELETE FROM accounts WHERE email LIKE 'old%';\n"

_names = itertools.count()


def _stats(path: Path, collation: str) -> Path:
    path.write_text(json.dumps({"format": "lockwise-stats", "version": 1,
                                "collation": collation, "tables": {}}))
    return path


def test_the_config_says_what_a_command_leaves_unsaid(tmp_path: Path) -> None:
    config = Config(collation="C", stats=_stats(tmp_path / "s.json", "C.UTF-8"),
                    max_lock_seconds=2.0)
    options = lint_options(config, pg_version=17)
    assert (options.collation, options.max_lock_seconds) == ("C", 2.0)
    assert getattr(options.stats, "collation", None) == "C.UTF-8"
    # what the command says wins; the config's collation wins over the server's
    assert lint_options(config, collation="POSIX").collation == "POSIX"
    assert lint_options(config, server_collation="en_US.UTF-8").collation == "C"
    assert lint_options(None, server_collation="en_US.UTF-8").collation == "en_US.UTF-8"
    assert lint_options(config, max_lock_seconds=5.0).max_lock_seconds == 5.0
    # MySQL's collations are not modelled
    assert lint_options(config, dialect="mysql").collation is None


def test_fix_lints_with_the_configs_collation_and_statistics(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import lockwise.fix.settle

    seen = []
    real = lockwise.fix.settle.plan_migrations

    def planning(migrations, options, *args):  # type: ignore[no-untyped-def]
        seen.append(options)
        return real(migrations, options, *args)

    monkeypatch.setattr(lockwise.fix.settle, "plan_migrations", planning)
    write(tmp_path, {"0001_accounts.sql": SETUP, "0002_purge.sql": PURGE})
    stats = _stats(tmp_path / "stats.json", "C.UTF-8")
    (tmp_path / "lockwise.toml").write_text(
        f'collation = "C"\nstats = "{stats.name}"\nmax_lock_seconds = 3\npg_version = 15\n')
    result = CliRunner().invoke(app, ["fix", str(tmp_path),
                                      "--config", str(tmp_path / "lockwise.toml")])
    assert result.exit_code == 0, result.output
    (options,) = seen
    assert options.default_collation == "C"
    assert getattr(options.stats, "collation", None) == "C.UTF-8"
    assert options.max_lock_seconds == 3
    assert (options.pg_version, options.pg_version_stated) == (15, True)


def _database(server: str, options: str) -> str:
    name = f"cmdopt{next(_names)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name} TEMPLATE template0 {options}")
    return psycopg.conninfo.make_conninfo(server, dbname=name)


@pytest.mark.parametrize(("config", "rules"), [
    (None, ["where-without-index"]),
    (Config(collation="C.UTF-8"), ["where-without-index"]),
    (Config(collation="C"), []),
])
def test_apply_gates_under_the_configs_collation(tmp_path: Path, config: Config | None,
                                                rules: list[str]) -> None:
    # (apply's live statistics carry the server's collation too, which the config's wins over)
    from lockwise.discover import discover
    from lockwise.executor.plan import build_plans

    migrations = discover(write(tmp_path, {"001_accounts.up.sql": SETUP,
                                           "002_purge.up.sql": PURGE}))
    (plan,) = build_plans(migrations, migrations[-1:], 18, lock_timeout_set=True,
                          config=config)
    assert [f.rule for f in plan.report.all_findings] == rules


@pytest.mark.postgres
@pytest.mark.parametrize(("options", "scans"), [("LC_COLLATE 'C' LC_CTYPE 'C'", False),
                                                ("", True)])
def test_verify_predicts_under_the_scratch_databases_default_collation(
        pg_server: str, tmp_path: Path, options: str, scans: bool) -> None:
    from lockwise.discover import discover
    from lockwise.verify.run import prepare_run

    migrations = discover(write(tmp_path, {"001_accounts.up.sql": SETUP,
                                           "002_purge.up.sql": PURGE}))
    with psycopg.connect(_database(pg_server, options), autocommit=True) as conn:
        predictions = prepare_run(migrations, conn, "")[1]
    (_, effect), = predictions[1]
    assert effect.actions[0].facts["where_scans_table"] is scans


def _contexts(monkeypatch: pytest.MonkeyPatch) -> list:
    """The contexts every effect is computed in from now on."""
    import lockwise.effects.postgres

    seen: list = []
    real = lockwise.effects.postgres.compute_effect

    def computing(tree, ctx):  # type: ignore[no-untyped-def]
        seen.append(ctx)
        return real(tree, ctx)

    monkeypatch.setattr(lockwise.effects.postgres, "compute_effect", computing)
    return seen


def test_graph_reads_the_migrations_with_the_configs_templates_and_collation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`lockwise graph` replays the migrations as lint reads them: with `templates = "skip"`
    the statements with a placeholder are left out (no table made by one, nothing depends on
    it), and the database's collation is the config's."""
    write(tmp_path / "db", {"0001_a.sql": "CREATE TABLE {{ .schema }}.t (a int);\n",
                            "0002_b.sql": "ALTER TABLE {{.schema}}.t ADD COLUMN b int;\n"})

    def reasons(config: str) -> list[str]:
        (tmp_path / "lockwise.toml").write_text(config)
        result = CliRunner().invoke(app, ["graph", "-f", "json", str(tmp_path / "db"),
                                          "--config", str(tmp_path / "lockwise.toml")])
        assert result.exit_code == 0, result.output
        return [r["reason"] for e in json.loads(result.stdout)["edges"] for r in e["reasons"]]

    assert reasons('pg_version = 16\n') == ["created-by", "order"]
    assert reasons('templates = "skip"\n') == ["order"]
    seen = _contexts(monkeypatch)
    reasons('collation = "C"\n')
    assert seen and {ctx.default_collation for ctx in seen} == {"C"}


def test_apply_plans_with_the_configs_collation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Apply's plan (`plan_sql`, which computes each statement's effect before the gate
    lints it) and its gate read the config's collation alike."""
    from lockwise.discover import discover
    from lockwise.executor.plan import build_plans

    migrations = discover(write(tmp_path, {"001_accounts.up.sql": SETUP,
                                           "002_purge.up.sql": PURGE}))
    seen = _contexts(monkeypatch)
    build_plans(migrations, migrations[-1:], 18, lock_timeout_set=True,
                config=Config(collation="C"))
    assert seen and {ctx.default_collation for ctx in seen} == {"C"}


def test_graph_refuses_a_placeholder_when_the_config_says_templates_error(
        tmp_path: Path) -> None:
    """With `templates = "error"` lint refuses the first placeholder (exit 2, file, line and
    column): the graph, whose options come from the same builder, refuses it alike."""
    write(tmp_path / "db", {"0001_a.sql": "CREATE TABLE a (id int);\n",
                            "0002_b.sql": "CREATE TABLE {{ .schema }}.t (a int);\n"})
    (tmp_path / "lockwise.toml").write_text('templates = "error"\n')
    said = ["--config", str(tmp_path / "lockwise.toml"), str(tmp_path / "db")]
    linted = CliRunner().invoke(app, ["lint", *said])
    graphed = CliRunner().invoke(app, ["graph", *said])
    assert (linted.exit_code, graphed.exit_code) == (2, 2), graphed.output
    for result in (linted, graphed):
        assert "0002_b.sql:1:14: template placeholder '{{ .schema }}'" in result.stderr


def test_graph_reads_no_statistics(tmp_path: Path) -> None:
    """The graph estimates no costs: the config's stats file is not read for it (one it
    could not read is an error of lint's, not of the graph's)."""
    write(tmp_path / "db", {"0001_a.sql": "CREATE TABLE a (id int);\n"})
    (tmp_path / "stats.json").write_text("{ not json")
    (tmp_path / "lockwise.toml").write_text('stats = "stats.json"\n')
    said = ["--config", str(tmp_path / "lockwise.toml"), str(tmp_path / "db")]
    linted = CliRunner().invoke(app, ["lint", *said])
    assert linted.exit_code == 2 and "stats" in linted.stderr
    graphed = CliRunner().invoke(app, ["graph", *said])
    assert graphed.exit_code == 0, graphed.output
    assert lint_options(Config(stats=tmp_path / "stats.json"), costs=False).stats is None


@pytest.mark.parametrize("kind", ["apply", "rollback"])
def test_status_reads_an_unfinished_run_with_the_configs_collation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    """`status` (and `repair`, `rollback`, which classify the history alike) names the
    statement an unfinished run stopped at from the file's plan: the up's, or the down's for
    a rollback, computed with the config's collation as apply's plan is."""
    from datetime import datetime, timezone

    from lockwise.discover import discover
    from lockwise.executor.history import KIND_APPLY, KIND_ROLLBACK, HistoryRow
    from lockwise.executor.state import INTERRUPTED, compute_state

    migrations = discover(write(tmp_path, {"001_accounts.up.sql": SETUP + PURGE,
                                           "001_accounts.down.sql": PURGE}))
    fields = dict.fromkeys(HistoryRow.__dataclass_fields__)
    fields.update(id=1, version="001", description="accounts", success=None,
                  statements_completed=1, rolled_back=False,
                  kind=KIND_APPLY if kind == "apply" else KIND_ROLLBACK,
                  executed_at=datetime(2024, 1, 1, tzinfo=timezone.utc))
    seen = _contexts(monkeypatch)
    (status,) = compute_state(migrations, [HistoryRow(**fields)],
                              config=Config(collation="C")).versions
    assert status.state == INTERRUPTED and status.statement is not None
    assert seen and {ctx.default_collation for ctx in seen} == {"C"}


def test_rollback_plans_the_down_with_the_configs_collation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.discover import discover
    from lockwise.executor.plan import down_plan

    (migration,) = discover(write(tmp_path, {"001_accounts.up.sql": SETUP,
                                             "001_accounts.down.sql": PURGE}))
    seen = _contexts(monkeypatch)
    down_plan(migration, 18, Config(collation="C"))
    assert seen and {ctx.default_collation for ctx in seen} == {"C"}


# --- verify, trace and the pre-flight read the config as lint does (fix-layouts18) -----------

_PRICED = {"001_t.up.sql": "CREATE TABLE t (a int);\n",
           "002_comment.up.sql": "CREATE INDEX t_a ON t (a);\n"
                                 "COMMENT ON TABLE t IS 'costs ${price}';\n"}


@pytest.mark.postgres
@pytest.mark.parametrize(("config", "statements"), [
    (None, 2), (Config(templates="substitute"), 2), (Config(templates="skip"), 1)])
def test_verify_predicts_with_the_configs_templates(
        pg_server: str, tmp_path: Path, config: Config | None, statements: int) -> None:
    """verify's (and trace's) predictions come from lint's options builder with the config:
    under `templates = "skip"` the statement with a placeholder is left out, as lint leaves
    it. (Their command lines refuse to run a placeholder in any mode: `check_parses`.)"""
    from lockwise.discover import discover
    from lockwise.verify.run import prepare_run

    migrations = discover(write(tmp_path, _PRICED))
    with psycopg.connect(_database(pg_server, ""), autocommit=True) as conn:
        predictions = prepare_run(migrations, conn, "", None, config)[1]
    assert len(predictions[1]) == statements


@pytest.mark.postgres
def test_verify_predicts_under_the_scratch_collation_whatever_the_config_says(
        pg_server: str, tmp_path: Path) -> None:
    """The config's collation describes the target database: verify's scratch database has
    its own, which its predictions are made under (a C config, a non-C scratch database)."""
    from lockwise.discover import discover
    from lockwise.verify.run import prepare_run

    migrations = discover(write(tmp_path, {"001_accounts.up.sql": SETUP,
                                           "002_purge.up.sql": PURGE}))
    with psycopg.connect(_database(pg_server, ""), autocommit=True) as conn:
        predictions = prepare_run(migrations, conn, "", None, Config(collation="C"))[1]
    (_, effect), = predictions[1]
    assert effect.actions[0].facts["where_scans_table"] is True


def test_preflight_reads_the_history_with_the_configs_collation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The pre-flight's pending migrations come from the history read as `status` reads it:
    an unfinished run's plan with the config's collation."""
    from datetime import datetime, timezone

    import lockwise.executor.history
    from lockwise.discover import discover
    from lockwise.executor.history import KIND_APPLY, HistoryRow
    from lockwise.verify.preflight import pending_migrations

    migrations = discover(write(tmp_path, {"001_accounts.up.sql": SETUP + PURGE}))
    fields = dict.fromkeys(HistoryRow.__dataclass_fields__)
    fields.update(id=1, version="001", description="accounts", success=None,
                  statements_completed=1, rolled_back=False, kind=KIND_APPLY,
                  executed_at=datetime(2024, 1, 1, tzinfo=timezone.utc))
    row = HistoryRow(**fields)
    monkeypatch.setattr(lockwise.executor.history, "read_rows", lambda *_: [row])
    seen = _contexts(monkeypatch)
    pending, _ = pending_migrations(None, migrations, None, None, Config(collation="C"))
    assert pending == migrations
    assert seen and {ctx.default_collation for ctx in seen} == {"C"}
