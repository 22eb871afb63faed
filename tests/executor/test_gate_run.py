"""The gate judges the pending migrations of one run together: a table an earlier pending
migration creates is new (empty, unknown to the application) for the later ones too, as it
would be in one file. A table an applied migration created is not."""

from __future__ import annotations

from pathlib import Path

import pytest
from executor_helpers import history, lockwise, write

from lockwise.core.types import LockMode, Safety

_CREATE = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);\n"
_INDEX = "CREATE INDEX accounts_email_idx ON accounts (email);\n"


def _plans(directory: Path, pending: int):
    """The gate's plans when the last `pending` migrations of `directory` are pending."""
    from lockwise.discover import discover
    from lockwise.executor.plan import build_plans

    migrations = discover(directory)
    return build_plans(migrations, migrations[-pending:], 18, lock_timeout_set=True)


def test_index_on_a_table_an_earlier_pending_migration_creates_is_safe(tmp_path: Path) -> None:
    write(tmp_path, {"001_accounts.up.sql": _CREATE, "002_idx.up.sql": _INDEX})
    plans = _plans(tmp_path, pending=2)
    assert [p.safety for p in plans] == [Safety.SAFE, Safety.SAFE]


def test_index_on_a_table_an_applied_migration_created_needs_downtime(tmp_path: Path) -> None:
    write(tmp_path, {"001_accounts.up.sql": _CREATE, "002_idx.up.sql": _INDEX})
    (plan,) = _plans(tmp_path, pending=1)
    assert plan.safety == Safety.REQUIRES_DOWNTIME
    assert [f.rule for f in plan.report.all_findings] == ["index-without-concurrently"]


def test_new_tables_carry_through_a_renaming_migration(tmp_path: Path) -> None:
    write(tmp_path, {"001_accounts.up.sql": _CREATE,
                     "002_rename.up.sql": "ALTER TABLE accounts RENAME TO users;\n",
                     "003_idx.up.sql": "CREATE INDEX users_email_idx ON users (email);\n"})
    assert [p.safety for p in _plans(tmp_path, pending=3)] == [Safety.SAFE] * 3
    # Renamed after it was applied, it is still the same old table.
    assert [p.safety for p in _plans(tmp_path, pending=2)] == [
        Safety.REQUIRES_DOWNTIME, Safety.REQUIRES_DOWNTIME]


@pytest.mark.postgres
def test_apply_runs_the_index_on_a_table_created_in_the_same_run(pg_db: str,
                                                                tmp_path: Path) -> None:
    from executor_helpers import relation_exists

    migrations = write(tmp_path / "m", {"001_accounts.up.sql": _CREATE,
                                        "002_idx.up.sql": _INDEX})
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 0, result
    assert relation_exists(pg_db, "accounts_email_idx")
    assert [(r["version"], r["safety"]) for r in history(pg_db)] == [
        ("001", "safe"), ("002", "safe")]


def _applied_then(pg_db: str, tmp_path: Path, later: dict[str, str]) -> Path:
    """A directory whose 001 (the accounts table) is applied, and `later` written after."""
    migrations = write(tmp_path / "m", {"001_accounts.up.sql": _CREATE})
    assert lockwise(pg_db, "apply", str(migrations)).returncode == 0
    write(migrations, later)
    return migrations


@pytest.mark.postgres
def test_apply_refuses_the_index_on_a_table_an_earlier_run_created(pg_db: str,
                                                                  tmp_path: Path) -> None:
    migrations = _applied_then(pg_db, tmp_path, {"002_idx.up.sql": _INDEX})
    # 001 is applied: production has had the table since, 002 locks it against writes.
    refused = lockwise(pg_db, "apply", str(migrations))
    assert refused.returncode == 1, refused
    assert "index-without-concurrently" in refused.stderr
    assert [r["version"] for r in history(pg_db)] == ["001"]


#: The server refuses it ("cannot be cast automatically"): the effect model says `needs_using`.
_REFUSED = "ALTER TABLE accounts ALTER COLUMN email TYPE integer;\n"


def _gate_says(plans, allow: Safety) -> tuple[int, str]:
    from lockwise.executor.runner import Console, ExecOptions, _gate

    said: list[str] = []
    code = _gate(plans, ExecOptions(allow=allow), Console("", said.append, said.append))
    return code, "\n".join(said)


def test_a_statement_the_server_refuses_is_planned_as_refused_with_no_lock(
        tmp_path: Path) -> None:
    write(tmp_path, {"001_accounts.up.sql": _CREATE, "002_retype.up.sql": _REFUSED})
    (plan,) = _plans(tmp_path, pending=1)
    (stmt,) = plan.statements
    assert stmt.refused == "needs_using"
    assert stmt.locks == {} and stmt.lock_seconds is None


def test_a_statement_that_runs_keeps_its_planned_lock(tmp_path: Path) -> None:
    write(tmp_path, {"001_accounts.up.sql": _CREATE,
                     "002_retype.up.sql": "ALTER TABLE accounts ALTER COLUMN id TYPE numeric;\n"})
    (plan,) = _plans(tmp_path, pending=1)
    (stmt,) = plan.statements
    assert stmt.refused == ""
    assert stmt.locks == {"public.accounts": LockMode.ACCESS_EXCLUSIVE}


def test_the_gate_stops_a_refused_statement_whatever_allow(tmp_path: Path) -> None:
    write(tmp_path, {"001_accounts.up.sql": _CREATE, "002_retype.up.sql": _REFUSED})
    plans = _plans(tmp_path, pending=1)
    code, said = _gate_says(plans, Safety.DESTRUCTIVE)
    assert code == 1, said
    assert "002_retype.up.sql:1:1: PostgreSQL refuses statement 1 (needs_using)" in said


def test_a_refusal_the_migration_waives_is_left_to_allow(tmp_path: Path) -> None:
    # The user says the model is wrong: the statement is planned as one that runs.
    write(tmp_path, {"001_accounts.up.sql": _CREATE, "002_retype.up.sql":
                     "-- lockwise: ignore[column-type-change-needs-using] reason: a cast exists\n"
                     + _REFUSED})
    plans = _plans(tmp_path, pending=1)
    assert plans[0].statements[0].refused == ""
    assert plans[0].statements[0].locks
    assert _gate_says(plans, Safety.DESTRUCTIVE)[0] == 0


def test_a_waived_refusal_stays_waived_whatever_else_judges_the_statement(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The plan reads the refusal from the refusal rule's own finding: a finding of another
    # rule on the statement (here one added to the gate's lint) does not bring back a
    # refusal the migration waived.
    import lockwise.lint
    from lockwise.core.types import Finding

    real = lockwise.lint.lint_migrations

    def with_another_finding(*args, **kwargs):
        reports = real(*args, **kwargs)
        for report in reports:
            for stmt in report.statements:
                stmt.findings.append(Finding(
                    rule="another-rule", safety=Safety.SAFE_WITH_CARE, message="another",
                    path=report.migration.path, span=stmt.statement.span,
                    statement_index=stmt.statement.index))
        return reports

    monkeypatch.setattr(lockwise.lint, "lint_migrations", with_another_finding)
    write(tmp_path, {"001_accounts.up.sql": _CREATE, "002_retype.up.sql":
                     "-- lockwise: ignore[column-type-change-needs-using] reason: a cast exists\n"
                     + _REFUSED, "003_retype.up.sql": _REFUSED})
    waived, refused = _plans(tmp_path, pending=2)
    assert [f.rule for f in waived.report.statements[0].findings] == ["another-rule"]
    assert waived.statements[0].refused == ""
    assert waived.statements[0].locks
    # (003's own refusal, not waived, is still planned as refused.)
    assert refused.statements[0].refused == "needs_using"


def test_the_dry_run_plan_says_the_refusal_instead_of_the_locks(tmp_path: Path) -> None:
    from lockwise.executor.runner import Console, ExecOptions, _print_plan

    write(tmp_path, {"001_accounts.up.sql": _CREATE, "002_retype.up.sql": _REFUSED})
    plans = _plans(tmp_path, pending=1)
    said: list[str] = []
    _print_plan(plans, ExecOptions(allow=Safety.DESTRUCTIVE), Console("", said.append,
                                                                      said.append), "")
    (line,) = [s for s in said if "statement 1 (line 1)" in s]
    assert "refused: PostgreSQL refuses this statement (needs_using)" in line
    assert "locks:" not in line
    assert any(s.endswith("REFUSED") for s in said if "002_retype" in s)


@pytest.mark.postgres
def test_apply_does_not_run_a_refused_statement_even_when_allowed(pg_db: str,
                                                                 tmp_path: Path) -> None:
    migrations = _applied_then(pg_db, tmp_path, {"002_retype.up.sql": _REFUSED})
    refused = lockwise(pg_db, "apply", "--allow", "destructive", str(migrations))
    assert refused.returncode == 1, refused
    assert "PostgreSQL refuses statement 1 (needs_using)" in refused.stderr
    # Refused before it ran: no failed run in the history to repair.
    assert [(r["version"], r["success"]) for r in history(pg_db)] == [("001", True)]


@pytest.mark.postgres
def test_each_migration_runs_without_the_temporary_tables_of_the_one_before(
        pg_db: str, tmp_path: Path) -> None:
    # The gate's replay ends the session with each migration (its temporary tables go):
    # so does the run, on the one connection it applies them all with.
    scratch = "CREATE TEMP TABLE scratch (id int);\nINSERT INTO scratch VALUES (1);\n"
    migrations = write(tmp_path / "m", {"001_a.up.sql": scratch, "002_b.up.sql": scratch})
    (_, plan_b) = _plans(migrations, pending=2)
    assert plan_b.statements[0].refused == ""
    result = lockwise(pg_db, "apply", str(migrations))
    assert result.returncode == 0, result
    assert [r["version"] for r in history(pg_db)] == ["001", "002"]
