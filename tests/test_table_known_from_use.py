"""`table_known`: a table the catalog knows only from an earlier ALTER of it
(`Table.known_from_use`, made outside these migrations) is no known table, in PostgreSQL as in
MySQL / MariaDB (`mysql_keys.with_known_keys`): the catalog holds only the columns that ALTER
added, not its keys or its other columns. A team's rule reading the fact sees the same in both
dialects."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app

#: A team's rule that trusts what the catalog knows of the table it updates.
TEAM_RULE = '''id = "team-update-of-known-table"
title = "An UPDATE of a table these migrations define"
safety = "safe-with-care"
dialects = ["postgresql", "mysql", "mariadb"]
when = { action = "update", table_known = true }
message = "UPDATE of {table}, a table these migrations define."
why = "A team's rule."
instead = "-- nothing"
'''


def _team_findings(tmp_path: Path, dialect: str, setup: str) -> list[str]:
    rules = tmp_path / "team-rules"
    rules.mkdir()
    (rules / "team-update-of-known-table.toml").write_text(TEAM_RULE)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "1_setup.sql").write_text(setup)
    (migrations / "2_change.sql").write_text("UPDATE legacy SET code = 0 WHERE code = 1;\n")
    result = CliRunner().invoke(app, ["lint", "--dialect", dialect, "--format", "json",
                                      "--rules-dir", str(rules), str(migrations)])
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    return [f["rule"] for m in report["migrations"] for s in m["statements"]
            for f in s["findings"] if f["rule"] == "team-update-of-known-table"]


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "mariadb"])
def test_a_table_known_only_from_an_alter_is_no_known_table(tmp_path: Path,
                                                           dialect: str) -> None:
    """(PostgreSQL's facts said table_known: the team's rule fired, MySQL's did not)"""
    assert _team_findings(tmp_path, dialect, "ALTER TABLE legacy ADD COLUMN code int;\n") == []


@pytest.mark.parametrize("dialect", ["postgresql", "mysql", "mariadb"])
def test_a_table_the_migrations_create_is_a_known_table(tmp_path: Path, dialect: str) -> None:
    setup = "CREATE TABLE legacy (id int PRIMARY KEY, code int);\n"
    assert _team_findings(tmp_path, dialect, setup) == ["team-update-of-known-table"]
