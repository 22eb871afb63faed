"""The statements a stored program runs are linted where they run: a procedure's at the CALL
that runs it (the finding names the procedure), an event's and a trigger's in their body (the
finding says when they run), a MariaDB compound statement's where it stands. A program that
only reads is clean, and a procedure that is created but not called runs nothing."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE accounts (id INT PRIMARY KEY, n INT);"

WIDEN = """\
CREATE PROCEDURE widen_ids()
BEGIN
  DECLARE c INT DEFAULT 0;
  SELECT COUNT(*) INTO c FROM information_schema.columns
   WHERE table_name = 'accounts' AND column_name = 'id' AND data_type = 'int';
  IF c > 0 THEN
    ALTER TABLE accounts MODIFY id BIGINT;
  END IF;
END;
"""


def _found(report) -> list[tuple[str, int]]:
    return [(f.rule, f.span.line) for f in report.all_findings]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_procedures_ddl_is_linted_at_the_call(lint_change, dialect: str) -> None:
    report = lint_change(WIDEN + "CALL widen_ids();\nDROP PROCEDURE widen_ids;", dialect)
    assert _found(report) == [("mysql-table-copy", 10)]
    assert "procedure widen_ids" in report.all_findings[0].message


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_procedure_not_called_runs_nothing(lint_change, dialect: str) -> None:
    assert _found(lint_change(WIDEN, dialect)) == []


def test_a_procedure_that_only_reads_is_clean(lint_change) -> None:
    change = ("CREATE PROCEDURE count_rows()\nBEGIN\n  SELECT COUNT(*) FROM accounts;\n"
              "  SELECT n, id FROM accounts WHERE id = 1;\nEND;\nCALL count_rows();")
    assert _found(lint_change(change)) == []


def test_what_the_call_changed_is_in_the_catalog_after_it(lint_change) -> None:
    change = ("CREATE PROCEDURE add_chk() BEGIN\n"
              "  ALTER TABLE accounts ADD CONSTRAINT chk CHECK (n > 0);\nEND;\n"
              "CALL add_chk();\nALTER TABLE accounts DROP CONSTRAINT chk;")
    # the CHECK the procedure added is known: its DROP is not refused (constraint-not-found)
    assert _found(lint_change(change)) == [("mysql-table-copy", 4)]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_an_events_body_is_linted_where_it_stands(lint_change, dialect: str) -> None:
    change = ("CREATE EVENT purge_accounts ON SCHEDULE EVERY 1 DAY DO\nBEGIN\n"
              "  DELETE FROM accounts;\nEND;")
    report = lint_change(change, dialect)
    assert _found(report) == [("unbatched-backfill", 3)]
    assert "event purge_accounts" in report.all_findings[0].message


def test_a_triggers_body_is_linted_where_it_stands(lint_change) -> None:
    change = ("CREATE TRIGGER accounts_ai AFTER INSERT ON accounts FOR EACH ROW\n"
              "  UPDATE audit SET n = n + 1;")
    report = lint_change(change, setup=SETUP + "\nCREATE TABLE audit (id INT PRIMARY KEY, n INT);")
    assert _found(report) == [("unbatched-backfill", 2)]
    assert "trigger accounts_ai" in report.all_findings[0].message


def test_a_mariadb_compound_statement_is_linted_where_it_stands(lint_change) -> None:
    change = "IF (SELECT COUNT(*) FROM accounts) > 0 THEN\n  UPDATE accounts SET n = 0;\nEND IF;"
    assert _found(lint_change(change, "mariadb")) == [("unbatched-backfill", 2)]


def test_the_call_runs_the_procedures_ddl_on_mariadb(mariadb) -> None:
    assert mariadb.run("CREATE DATABASE program_bodies", "mysql").returncode == 0
    ran = mariadb.run(SETUP + "\n" + WIDEN + "CALL widen_ids();\nSELECT data_type FROM "
                      "information_schema.columns WHERE table_schema = 'program_bodies' AND "
                      "table_name = 'accounts' AND column_name = 'id';", "program_bodies",
                      whole=True)
    assert ran.returncode == 0 and ran.stdout.split() == ["bigint"], ran.stderr
