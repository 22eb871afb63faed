"""verify and trace run each migration the way lint judged it: a plain `.sql` file as `psql -f`
runs it (each statement in its own transaction, unless the file says BEGIN), a framework's
migration as its tool does."""

from __future__ import annotations

from pathlib import Path

from lockwise.discover import discover
from lockwise.lint import LintOptions, lint_migrations
from lockwise.verify.run import REVERSIBLE, UP_FAILED
from lockwise.verify.trace import trace_migrations


def _plain(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text)
    return root


def _lint_in_transaction(migrations: list) -> dict[tuple[str, int], bool]:
    """(migration, statement) -> whether lint judged the statement inside a transaction."""
    return {(r.migration.id, s.statement.index): s.in_transaction
            for r in lint_migrations(migrations, LintOptions()) for s in r.statements}


def test_trace_runs_a_plain_file_statement_by_statement_as_lint_judges_it(
        tmp_path: Path, pg_conn, pg_db: str) -> None:
    root = _plain(tmp_path / "m", {
        "001_t.sql": "CREATE TABLE t (id int, n int);\n",
        "002_two.sql": "ALTER TABLE t ADD COLUMN z int;\nUPDATE t SET z = 1;\n",
        "003_cic.sql": "ALTER TABLE t ADD COLUMN m int;\n"
                       "CREATE INDEX CONCURRENTLY t_n ON t (n);\n",
        "004_tx.sql": "BEGIN;\nALTER TABLE t ADD COLUMN k int;\nUPDATE t SET k = 1;\nCOMMIT;\n",
    })
    migrations = discover(root)
    assert {m.layout for m in migrations} == {"plain"}
    result = trace_migrations(migrations, pg_conn, pg_db, server="test")
    assert result.failed is None
    judged = _lint_in_transaction(migrations)
    observed = {(f.migration.id, s.statement.index): s.observed.in_block
                for f in result.files for s in f.statements if s.observed is not None}
    assert observed == {key: judged[key] for key in observed}
    by_id = {f.migration.id: f for f in result.files}
    # psql commits the ALTER before the UPDATE runs: its lock is not held by the UPDATE.
    update = by_id["002_two"].statements[1]
    assert update.observed is not None and update.observed.held_before == {}
    assert not by_id["002_two"].in_transaction
    # The file's own BEGIN ... COMMIT: one transaction, the ALTER's lock still held.
    inside = by_id["004_tx"].statements[2]
    assert inside.observed is not None and inside.observed.in_block
    assert inside.observed.held_before


def test_verify_runs_plain_files_as_psql_does(tmp_path: Path, run_verify) -> None:
    """A lone CREATE INDEX CONCURRENTLY runs (psql autocommits it); inside the file's own
    BEGIN ... COMMIT PostgreSQL refuses it, as lint says."""
    root = _plain(tmp_path / "m", {
        "001_t.sql": "CREATE TABLE t (id int, n int);\n",
        "002_two.sql": "ALTER TABLE t ADD COLUMN z int;\nUPDATE t SET z = 1;\n",
        "003_cic.sql": "CREATE INDEX CONCURRENTLY t_n ON t (n);\n",
        "004_tx.sql": "BEGIN;\nCREATE INDEX CONCURRENTLY t_z ON t (z);\nCOMMIT;\n",
    })
    result = run_verify(root)
    statuses = {r.migration.id: r.status for r in result.results}
    assert statuses["003_cic"] != UP_FAILED and statuses["004_tx"] == UP_FAILED
    failure = result.results[3].failure
    assert failure is not None and failure.statement.span.line == 2
    assert "transaction block" in failure.message
    judged = _lint_in_transaction(discover(root))
    two = next(r for r in result.results if r.migration.id == "002_two")
    assert [c.observed.in_block for c in two.checks] == [
        judged[("002_two", c.statement.index)] for c in two.checks] == [False, False]
    assert statuses["001_t"] in (REVERSIBLE, "no-down")
