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


def _team_findings(tmp_path: Path, dialect: str, setup: str,
                   updated: str = "legacy") -> list[str]:
    rules = tmp_path / "team-rules"
    rules.mkdir()
    (rules / "team-update-of-known-table.toml").write_text(TEAM_RULE)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "1_setup.sql").write_text(setup)
    (migrations / "2_change.sql").write_text(f"UPDATE {updated} SET code = 0 WHERE code = 1;\n")
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


#: The renames of each dialect: (dialect, statement renaming `legacy`, its new name).
RENAMES = [
    ("postgresql", "ALTER TABLE legacy RENAME TO legacy_old", "legacy_old"),
    ("postgresql", "CREATE SCHEMA archive; ALTER TABLE legacy SET SCHEMA archive",
     "archive.legacy"),
    ("mysql", "ALTER TABLE legacy RENAME TO legacy_old", "legacy_old"),
    ("mysql", "RENAME TABLE legacy TO legacy_old", "legacy_old"),
    ("mariadb", "RENAME TABLE legacy TO legacy_old", "legacy_old"),
]


@pytest.mark.parametrize(("dialect", "rename", "renamed"), RENAMES)
def test_a_renamed_table_known_only_from_an_alter_is_still_no_known_table(
        tmp_path: Path, dialect: str, rename: str, renamed: str) -> None:
    """A new name says nothing of the columns and keys the migrations never saw: the table
    is still known only from use, in both dialects (PostgreSQL's rename made it a known
    table, MySQL's did not)."""
    setup = f"ALTER TABLE legacy ADD COLUMN code int;\n{rename};\n"
    assert _team_findings(tmp_path, dialect, setup, renamed) == []


@pytest.mark.parametrize(("dialect", "rename", "renamed"), RENAMES)
def test_a_renamed_table_the_migrations_create_is_still_a_known_table(
        tmp_path: Path, dialect: str, rename: str, renamed: str) -> None:
    setup = f"CREATE TABLE legacy (id int PRIMARY KEY, code int);\n{rename};\n"
    assert _team_findings(tmp_path, dialect, setup, renamed) == ["team-update-of-known-table"]


def test_a_create_of_the_name_a_table_known_from_use_was_renamed_to_is_refused(
        tmp_path: Path) -> None:
    """Still known only from use, but its new name is taken once the rename ran: the CREATE
    says nothing of the ALTER before (whose table it did not name), and fails."""
    (tmp_path / "1_a.sql").write_text("ALTER TABLE legacy ADD COLUMN code int;\n"
                                      "ALTER TABLE legacy RENAME TO fresh;\n"
                                      "CREATE TABLE fresh (id int);\n")
    result = CliRunner().invoke(app, ["lint", "--format", "json", "--no-cache", str(tmp_path)])
    report = json.loads(result.output)
    rules = [[f["rule"] for f in s["findings"]] for s in report["migrations"][0]["statements"]]
    assert "object-already-exists" in rules[2]
    assert not any("object-already-exists" in r for r in rules[:2])
