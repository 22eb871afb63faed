"""A trigger whose body CALLs a procedure that commits, directly or through further calls or
a stored function: the server creates the trigger, then refuses every write that fires it
(error 1422, checked on MariaDB 10.11). Reported at the CREATE TRIGGER, at the CALL."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE accounts (id INT PRIMARY KEY, n INT);"
#: A procedure that commits (its DDL), one that calls it, and one that commits explicitly.
PROCEDURES = ("CREATE PROCEDURE add_seen() ALTER TABLE accounts ADD COLUMN seen INT;\n"
              "CREATE PROCEDURE step() BEGIN SET @s = 1; CALL add_seen(); END;\n"
              "CREATE PROCEDURE close_tx() COMMIT;\n")


def _found(report) -> list[tuple[str, int]]:
    return [(f.rule, f.span.line) for f in report.all_findings]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_trigger_calling_a_committing_procedure_is_reported_at_the_call(
        lint_change, dialect: str) -> None:
    report = lint_change(PROCEDURES + "CREATE TRIGGER accounts_bi BEFORE INSERT ON accounts "
                         "FOR EACH ROW BEGIN\n  SET NEW.n = 1;\n  CALL close_tx();\nEND;",
                         dialect)
    assert _found(report) == [("mysql-trigger-call-commits", 6)]
    message = report.all_findings[0].message
    assert "COMMIT" in message and "accounts_bi -> close_tx" in message


def test_the_chain_of_calls_is_followed_several_levels_deep(lint_change) -> None:
    report = lint_change(PROCEDURES + "CREATE PROCEDURE outer_step() CALL step();\n"
                         "CREATE TRIGGER accounts_bi BEFORE INSERT ON accounts FOR EACH ROW "
                         "CALL outer_step();", "mariadb")
    assert _found(report) == [("mysql-trigger-call-commits", 5)]
    message = report.all_findings[0].message
    assert "ALTER TABLE" in message and "accounts_bi -> outer_step -> step -> add_seen" in \
        message


def test_through_a_stored_function_the_trigger_is_named(lint_change) -> None:
    report = lint_change(PROCEDURES + "CREATE FUNCTION touch() RETURNS INT BEGIN\n"
                         "  CALL close_tx();\n  RETURN 1;\nEND;\n"
                         "CREATE TRIGGER accounts_bi BEFORE INSERT ON accounts FOR EACH ROW "
                         "SET NEW.n = touch();", "mariadb")
    assert _found(report) == [("mysql-trigger-call-commits", 8)]
    assert "accounts_bi -> touch -> close_tx" in report.all_findings[0].message


def test_a_trigger_calling_a_procedure_that_does_not_commit_is_fine(lint_change) -> None:
    report = lint_change("CREATE PROCEDURE count_rows() SELECT COUNT(*) INTO @n FROM accounts;"
                         "\nCREATE TRIGGER accounts_bi BEFORE INSERT ON accounts FOR EACH ROW "
                         "CALL count_rows();", "mysql")
    assert _found(report) == []


def test_the_migration_calling_the_procedure_itself_is_fine(lint_change) -> None:
    report = lint_change(PROCEDURES + "CALL close_tx();", "mysql")
    assert "mysql-trigger-call-commits" not in [f.rule for f in report.all_findings]


def test_the_trigger_is_created_and_each_write_is_refused_on_mariadb(mariadb) -> None:
    """Checked on the server: the CREATE TRIGGER succeeds; the INSERT fails with 1422, also
    through two levels of CALLs, and the procedure's DDL did not run."""
    assert mariadb.run("CREATE DATABASE trigger_chain", "mysql").returncode == 0
    created = mariadb.run(SETUP + "\n" + PROCEDURES + "CREATE TRIGGER accounts_bi BEFORE "
                          "INSERT ON accounts FOR EACH ROW CALL step();", "trigger_chain",
                          whole=True)
    assert created.returncode == 0, created.stderr
    assert "1422" in mariadb.run("INSERT INTO accounts VALUES (1, 1)", "trigger_chain").stderr
    assert "seen" not in mariadb.run("SHOW COLUMNS FROM accounts", "trigger_chain").stdout
    assert mariadb.run("SELECT COUNT(*) FROM accounts", "trigger_chain").stdout.strip() == "0"
