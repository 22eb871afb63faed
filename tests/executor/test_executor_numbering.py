"""One numbering everywhere: a statement is named by its number in the file, 1-based as lint
numbers it (a file's own BEGIN counts), with its line; `statements_completed` counts the
statements lockwise ran and committed (not a BEGIN/COMMIT wrapper its own transaction
replaced). apply, status, its JSON and repair agree, with and without the file's own
BEGIN/COMMIT."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from executor_helpers import WAIT_FOR_TEST, history, kill_while_waiting, lockwise, query, write

pytestmark = pytest.mark.postgres


def _status(dsn: str, migrations: Path) -> tuple[str, dict]:
    text = lockwise(dsn, "status", str(migrations)).stdout
    found = json.loads(lockwise(dsn, "status", str(migrations), "--format", "json").stdout)
    return text, found["migrations"][0]


@pytest.mark.parametrize(("text", "number", "line"), [
    ("CREATE TABLE a (id int);\nINSERT INTO nosuch VALUES (1);\n", 2, 2),
    ("BEGIN;\nCREATE TABLE a (id int);\nINSERT INTO nosuch VALUES (1);\nCOMMIT;\n", 3, 3),
])
def test_a_transactional_failure_is_named_alike_everywhere(
        pg_db: str, tmp_path: Path, text: str, number: int, line: int) -> None:
    migrations = write(tmp_path / "m", {"001_a.up.sql": text})
    result = lockwise(pg_db, "apply", str(migrations))
    where = f"statement {number} (line {line})"
    assert f"failed at {where}: relation \"nosuch\"" in result.stderr, result
    shown, found = _status(pg_db, migrations)
    assert f"{where}: relation \"nosuch\"" in shown
    assert (found["statement"], found["line"], found["statements_completed"]) == (
        number, line, 0)
    assert history(pg_db)[-1]["failed_statement_index"] == number - 1
    # Fixed and applied: the row counts the statements that ran, not the file's wrapper.
    (migrations / "001_a.up.sql").write_text(text.replace("nosuch", "a"))
    assert lockwise(pg_db, "repair", str(migrations)).returncode == 0
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    assert history(pg_db)[-1]["statements_completed"] == 2
    assert query(pg_db, "SELECT id FROM a") == [(1,)]


def test_a_run_killed_inside_the_files_own_transaction(pg_db: str, tmp_path: Path) -> None:
    """Statement by statement, the file's own BEGIN ... COMMIT commits as one: killed inside
    it, nothing of it committed (its progress is written just before its COMMIT). Status
    names the transaction that did not commit, not its BEGIN as a statement that "may have
    taken effect"."""
    migrations = write(tmp_path / "m", {"001_a.up.sql": (
        "-- lockwise: no-transaction\n"
        "CREATE TABLE a (id int);\n"           # statement 1, line 2
        "BEGIN;\n"                             # statement 2, line 3
        "INSERT INTO a VALUES (1);\n"          # statement 3
        f"{WAIT_FOR_TEST};\n"                  # statement 4: the runner dies here
        "COMMIT;\n"                            # statement 5, line 6
        "INSERT INTO a VALUES (2);\n")})
    kill_while_waiting(pg_db, migrations)
    shown, found = _status(pg_db, migrations)
    assert "1 statement(s) completed" in shown, shown
    assert "statements 2 to 5 (the file's own transaction, from its BEGIN at line 3 to its " \
        "COMMIT at line 6) did not commit" in shown, shown
    assert "may have taken effect" not in shown
    assert (found["state"], found["statement"], found["line"],
            found["statements_completed"]) == ("interrupted", 2, 3, 1)
    assert query(pg_db, "SELECT count(*) FROM a") == [(0,)]
    repaired = lockwise(pg_db, "repair", str(migrations))
    assert "apply resumes at statement 2 (line 3)" in repaired.stdout, repaired
    again = lockwise(pg_db, "apply", str(migrations))
    assert again.returncode == 0 and "resuming at statement 2 (line 3)" in again.stdout, again
    assert query(pg_db, "SELECT id FROM a ORDER BY id") == [(1,), (2,)]


def test_a_resume_into_a_wrapped_file_names_file_statements(pg_db: str,
                                                             tmp_path: Path) -> None:
    """A statement-by-statement run fails after its first statement; the author fixes the
    file and wraps it in BEGIN/COMMIT (it now runs in one transaction, the wrapper replaced
    by lockwise's). The resume skips the INSERT that ran, and every message names the
    statements as the file numbers them: the INSERT is statement 2 now, the rest from 3."""
    migrations = write(tmp_path / "m", {
        "001_t.up.sql": "CREATE TABLE t (id int, v text);\n",
        "002_b.up.sql": "-- lockwise: no-transaction\nINSERT INTO t VALUES (1, 'x');\n"
                        "INSERT INTO nosuch VALUES (1);\n"})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 1
    (migrations / "002_b.up.sql").write_text(
        "BEGIN;\nINSERT INTO t VALUES (1, 'x');\nINSERT INTO t VALUES (2, 'y');\nCOMMIT;\n")
    repaired = lockwise(pg_db, "repair", str(migrations))
    assert "apply resumes at statement 3 (line 3)" in repaired.stdout, repaired
    plan = lockwise(pg_db, "apply", str(migrations), "--dry-run")
    assert "statements 1 to 2: completed by the cleared run, not run again" in plan.stdout, plan
    assert "statement 3 (line 3)" in plan.stdout and "statement 2 (line 2)" not in plan.stdout
    run = lockwise(pg_db, "apply", str(migrations))
    assert run.returncode == 0 and "resuming at statement 3 (line 3)" in run.stdout, run
    assert query(pg_db, "SELECT id FROM t ORDER BY id") == [(1,), (2,)]
