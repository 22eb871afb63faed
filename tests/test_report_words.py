"""The text and markdown reports in the words a reader meets elsewhere: locks by the names
PostgreSQL's documentation gives them (as messages name them; JSON keeps pg_locks' names), a
statement's level traced to the finding that gives it, scan reasons without nested brackets."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.core.types import LockMode

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "migrations"


def lint(path: Path, *args: str) -> str:
    return CliRunner().invoke(app, ["lint", str(path), "--no-cache", *args]).output


def copy(tmp_path: Path, *names: str) -> Path:
    for name in names:
        shutil.copy(FIXTURES / name, tmp_path / name)
    return tmp_path


def section(text: str, name: str) -> list[str]:
    """The lines of the text report about the migration `name`."""
    part = text.split(name, 1)[1]
    return part.split("fixtures/migrations/0006", 1)[0].splitlines()


def test_a_covered_statement_says_which_finding_gives_its_level() -> None:
    # (0005's two ALTERs in one transaction: one SET LOCAL lock_timeout covers both)
    lines = section(lint(FIXTURES), "0005_accounts_email_required.up.sql")
    line = next(line for line in lines if "statement 2 (line 2)" in line)
    assert line.lstrip().startswith("[safe-with-care]")
    assert "missing-lock-timeout, reported at statement 1" in line


def test_a_statement_with_its_own_finding_names_no_other() -> None:
    lines = section(lint(FIXTURES), "0005_accounts_email_required.up.sql")
    line = next(line for line in lines if "statement 1 (line 1)" in line)
    assert "level from" not in line


def test_lock_lines_name_modes_as_the_documentation_and_messages_do(tmp_path: Path) -> None:
    folder = copy(tmp_path, "0003_index_orders_by_account.up.sql")
    text = lint(folder)
    assert "lock: SHARE on public.orders" in text
    assert "takes a SHARE lock" in text  # the message's word
    assert "ShareLock" not in text
    assert "`SHARE` on `public.orders`" in lint(folder, "-f", "markdown")
    runs = json.loads(lint(folder, "-f", "json"))
    locks = [s["locks"] for m in runs["migrations"] for s in m["statements"]]
    assert {"public.orders": "ShareLock"} in locks  # machine-readable: pg_locks' name


def test_no_scan_reason_nests_brackets(tmp_path: Path) -> None:
    text = lint(copy(tmp_path, "0004_orders_account_fk.up.sql"))
    scans = [line for line in text.splitlines() if "scans:" in line]
    assert scans
    for line in scans:
        assert not re.search(r"\([^)]*\(", line), line


def test_each_mode_name_is_the_one_lock_table_takes(pg_db: str) -> None:
    """`LOCK TABLE ... IN <sql_name> MODE` takes the mode pg_locks calls `pg_name`."""
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int)")
        for mode in LockMode:
            with conn.transaction():
                conn.execute(f"LOCK TABLE t IN {mode.sql_name} MODE")
                held = conn.execute("SELECT mode FROM pg_locks WHERE relation = 't'::regclass "
                                    "AND pid = pg_backend_pid()").fetchall()
            assert held == [(mode.pg_name,)]


def test_the_markdown_summary_says_which_finding_gives_a_level_too() -> None:
    """The PR comment traces a covered statement's level as the text report does, in the
    same words (one function decides both)."""
    markdown = lint(FIXTURES, "-f", "markdown")
    part = next(details for details in markdown.split("<details>")
                if "0005_accounts_email_required.up.sql</code>" in details)
    heads = [line for line in part.splitlines() if line.startswith("**Statement")]
    second = next(line for line in heads if line.startswith("**Statement 2** (line 2)"))
    assert second.startswith("**Statement 2** (line 2), safe-with-care (level from "
                             "missing-lock-timeout, reported at statement 1): "), second
    first = next(line for line in heads if line.startswith("**Statement 1**"))
    assert "level from" not in first
    text = next(line for line in section(lint(FIXTURES), "0005_accounts_email_required.up.sql")
                if "statement 2 (line 2)" in line)
    assert "(level from missing-lock-timeout, reported at statement 1)" in text


TEAM_RULE = """id = "team-locks-named"
title = "every lock named"
safety = "safe-with-care"
when = { action = "add_column" }
message = "Strongest {lock}; all: {locks_text}."
why = "team policy"
instead = "-- as it is"
"""


def test_a_team_rules_lock_facts_name_modes_as_the_lock_line_does(tmp_path: Path) -> None:
    """`{lock}` and `{locks_text}` in a rule's message print the modes as the report's lock
    line does (`ACCESS EXCLUSIVE`); the JSON's `locks` keep pg_locks' names."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "team-locks-named.toml").write_text(TEAM_RULE)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_t.sql").write_text(
        "CREATE TABLE t (a int);\nCREATE TABLE u (a int PRIMARY KEY);\n")
    (migrations / "0002_t.sql").write_text(
        "ALTER TABLE t ADD COLUMN b int REFERENCES u;\n")
    text = lint(migrations, "--rules-dir", str(rules))
    assert "lock: ACCESS EXCLUSIVE on public.t" in text
    assert ("Strongest ACCESS EXCLUSIVE; all: ACCESS EXCLUSIVE on public.t, "
            "SHARE ROW EXCLUSIVE on public.u.") in text
    assert "Lock" not in text.replace("lock_timeout", "")
    runs = json.loads(lint(migrations, "--rules-dir", str(rules), "-f", "json"))
    statements = [s for m in runs["migrations"] for s in m["statements"]]
    found = [f for s in statements for f in s["findings"] if f["rule"] == "team-locks-named"]
    assert [f["message"] for f in found] == [
        "Strongest ACCESS EXCLUSIVE; all: ACCESS EXCLUSIVE on public.t, "
        "SHARE ROW EXCLUSIVE on public.u."]
    assert {"public.t": "AccessExclusiveLock", "public.u": "ShareRowExclusiveLock"} in [
        s["locks"] for s in statements]


@pytest.mark.parametrize("expected", [
    '"AccessExclusiveLock"', '"ACCESS EXCLUSIVE"', '["ShareLock", "AccessExclusiveLock"]'])
def test_a_team_rule_matching_the_lock_by_either_name_still_matches(
        tmp_path: Path, expected: str) -> None:
    """A team rule written when `lock` gave pg_locks' names (`when = { lock =
    "AccessExclusiveLock" }`) matches as one written with the documentation's name, rather
    than silently never again."""
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "team-exclusive.toml").write_text(
        TEAM_RULE.replace('id = "team-locks-named"', 'id = "team-exclusive"')
        .replace('when = { action = "add_column" }', f"when = {{ lock = {expected} }}"))
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_t.sql").write_text("CREATE TABLE t (a int);\n")
    (migrations / "0002_t.sql").write_text(
        "ALTER TABLE t ADD COLUMN b int;\nCREATE INDEX CONCURRENTLY t_a ON t (a);\n")
    runs = json.loads(lint(migrations, "--rules-dir", str(rules), "-f", "json"))
    found = [(s["line"], f["message"]) for m in runs["migrations"] for s in m["statements"]
             for f in s["findings"] if f["rule"] == "team-exclusive"]
    assert found == [(1, "Strongest ACCESS EXCLUSIVE; all: ACCESS EXCLUSIVE on public.t.")]
