"""The executor's commands check every local input (the migrations path, the config, the
gate's rule folders) before they look for a database: a user without one at hand, or with a
database that is down, gets the input error that they can fix first. No server is started."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app

COMMANDS = ["apply", "status", "rollback", "repair"]


@pytest.fixture(autouse=True)
def _no_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)


def _migrations(tmp_path: Path) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_t.sql").write_text("CREATE TABLE t (id bigint);\n")
    return folder


def _unreachable(tmp_path: Path) -> list[str]:
    # A socket folder with no server in it: connecting fails at once.
    return ["--dsn", f"host={tmp_path / 'no-server'} dbname=x"]


def _run(args: list[str]):
    return CliRunner().invoke(app, args)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("with_dsn", [False, True], ids=["no-dsn", "unreachable-dsn"])
def test_a_missing_migrations_path_is_named_before_the_database(tmp_path, command: str,
                                                                with_dsn: bool) -> None:
    missing = tmp_path / "nope"
    result = _run([command, str(missing), *(_unreachable(tmp_path) if with_dsn else [])])
    assert result.exit_code == 2, result.output
    assert f"{missing}: no such file or directory" in result.output
    assert "no database given" not in result.output and "connect" not in result.output


@pytest.mark.parametrize("with_dsn", [False, True], ids=["no-dsn", "unreachable-dsn"])
def test_a_missing_rules_dir_of_apply_is_named_before_the_database(tmp_path,
                                                                   with_dsn: bool) -> None:
    folder, missing = _migrations(tmp_path), tmp_path / "nope"
    result = _run(["apply", str(folder), "--rules-dir", str(missing),
                   *(_unreachable(tmp_path) if with_dsn else [])])
    assert result.exit_code == 2, result.output
    assert f"{missing}: no such file or directory" in result.output
    assert "no database given" not in result.output and "connect" not in result.output


def test_a_broken_rule_file_of_apply_is_named_before_the_database(tmp_path) -> None:
    folder, rules = _migrations(tmp_path), tmp_path / "rules"
    rules.mkdir()
    (rules / "mine.toml").write_text('id = "mine"\n')
    result = _run(["apply", str(folder), "--rules-dir", str(rules), *_unreachable(tmp_path)])
    assert result.exit_code == 2, result.output
    assert f"{rules / 'mine.toml'}" in result.output and "missing" in result.output
    assert "connect" not in result.output


@pytest.mark.parametrize(("config_text", "said"), [
    # As `lockwise lint` names it: the config's key and line, and the folder as the config
    # wrote it (resolved beside the config).
    ('rules_dir = ["nope"]\n',
     "{tmp}/lockwise.toml:1:1: config: `rules_dir` names nope: no such file or directory"),
    # lint refuses a `select` naming no rule (a typo that would select nothing); the gate of
    # `apply` judges with the same config, and gated with a selection that named no rule.
    ('select = ["no-such-rule"]\n',
     "{tmp}/lockwise.toml:1:1: config: unknown rule 'no-such-rule' in `select`"),
], ids=["missing-rules-dir", "unknown-rule"])
def test_a_bad_config_of_apply_is_named_before_the_database(tmp_path, config_text: str,
                                                           said: str) -> None:
    folder = _migrations(tmp_path)
    config = tmp_path / "lockwise.toml"
    config.write_text(config_text)
    result = _run(["apply", str(folder), "--config", str(config), *_unreachable(tmp_path)])
    assert result.exit_code == 2, result.output
    assert said.format(tmp=tmp_path) in result.output
    assert "connect" not in result.output


def test_with_every_local_input_right_the_missing_database_is_said(tmp_path) -> None:
    result = _run(["apply", str(_migrations(tmp_path))])
    assert result.exit_code == 2, result.output
    assert "no database given: pass --dsn or set DATABASE_URL" in result.output
