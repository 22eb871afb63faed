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


def _history(*files: str, dialect: str = "mysql") -> list[list[tuple[str, int]]]:
    """The findings of each migration of the history `files` (SETUP first)."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    migrations = [migration_from_text(text, f"{i}_m.sql")
                  for i, text in enumerate((SETUP, *files), 1)]
    return [_found(r) for r in lint_migrations(migrations, LintOptions(dialect=dialect))][1:]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_procedure_an_earlier_migration_created_is_linted_at_a_later_call(
        dialect: str) -> None:
    assert _history(WIDEN, "-- later\nCALL widen_ids();", dialect=dialect) == [
        [], [("mysql-table-copy", 2)]]


def test_a_dropped_procedure_runs_nothing_at_a_later_call() -> None:
    # (the server refuses the CALL, error 1305; nothing of the old body runs)
    assert _history(WIDEN, "DROP PROCEDURE IF EXISTS widen_ids;", "CALL widen_ids();") == [
        [], [], []]


@pytest.mark.parametrize("create", ["CREATE OR REPLACE PROCEDURE",
                                    "DROP PROCEDURE widen_ids;\nCREATE PROCEDURE"])
def test_a_replaced_procedure_runs_its_new_body_at_a_later_call(create: str) -> None:
    replaced = f"{create} widen_ids()\nBEGIN\n  SELECT COUNT(*) FROM accounts;\nEND;"
    assert _history(WIDEN, replaced, "CALL widen_ids();", dialect="mariadb") == [[], [], []]


def test_what_a_later_call_changed_is_in_the_catalog_after_it() -> None:
    change = "CREATE PROCEDURE add_chk() ALTER TABLE accounts ADD CONSTRAINT chk CHECK (n > 0);"
    assert _history(change, "CALL add_chk();\nALTER TABLE accounts DROP CONSTRAINT chk;") == [
        [], [("mysql-table-copy", 1)]]


#: A table the migration created before its trigger's or event's body: the body runs later,
#: on the table as it is then, in a session of its own.
NEW_AUDIT = "CREATE TABLE audit (id INT PRIMARY KEY, n INT);\n"


def test_a_triggers_body_on_a_table_new_in_the_migration_is_judged_as_it_runs_later(
        lint_change) -> None:
    change = NEW_AUDIT + ("CREATE TRIGGER accounts_ai AFTER INSERT ON accounts FOR EACH ROW\n"
                          "  UPDATE audit SET n = n + 1;")
    assert _found(lint_change(change)) == [("unbatched-backfill", 3)]


def test_an_events_body_is_not_judged_under_the_migrations_lock_tables(lint_change) -> None:
    change = ("LOCK TABLES accounts WRITE;\nCREATE EVENT purge ON SCHEDULE EVERY 1 DAY DO\n"
              "  DELETE FROM audit WHERE id < 5;\nUNLOCK TABLES;")
    found = _found(lint_change(change, setup=SETUP + NEW_AUDIT))
    assert ("mysql-table-not-locked", 3) not in found and ("mysql-lock-tables", 1) in found


@pytest.mark.parametrize("body", ["UNLOCK TABLES", "LOCK TABLES audit WRITE"])
def test_an_events_body_does_not_change_the_migrations_session(lint_change, body) -> None:
    change = (f"LOCK TABLES accounts WRITE;\nCREATE EVENT e ON SCHEDULE EVERY 1 DAY DO\n"
              f"  BEGIN {body}; END;\nALTER TABLE audit ADD COLUMN x INT;\nUNLOCK TABLES;")
    found = _found(lint_change(change, setup=SETUP + NEW_AUDIT))
    # the ALTER is refused (audit was not locked) whatever the event's body holds
    assert ("mysql-table-not-locked", 4) in found
    assert "mysql-lock-tables-not-released" not in [rule for rule, _ in found]


#: A stored function that writes: its body runs inside each statement that calls it (it can
#: run no DDL: the server refuses a function whose body commits, error 1422).
BUMP = """\
CREATE FUNCTION bump(k INT) RETURNS INT
BEGIN
  UPDATE audit SET n = n + 1;
  RETURN k;
END;
"""


@pytest.mark.parametrize("call", ["SELECT bump(1);", "SET @x = bump(2);",
                                  "UPDATE accounts SET n = bump(n) WHERE id = 1;"])
def test_a_functions_body_is_linted_at_the_statement_that_calls_it(call: str) -> None:
    (created, called) = _history(NEW_AUDIT + BUMP, "-- later\n" + call)
    assert created == [] and called == [("unbatched-backfill", 2)]


def test_a_function_not_called_or_dropped_runs_nothing() -> None:
    assert _history(NEW_AUDIT + BUMP + "SELECT 1;", "DROP FUNCTION bump;\nSELECT bump(1);") == [
        [], []]


def test_a_functions_body_runs_at_each_call_on_mariadb(mariadb) -> None:
    """Checked on the server: each statement that calls the function runs its UPDATE (and a
    function whose body commits is refused, error 1422)."""
    assert mariadb.run("CREATE DATABASE function_bodies", "mysql").returncode == 0
    ran = mariadb.run(NEW_AUDIT + "INSERT INTO audit VALUES (1, 0);\n" + BUMP +
                      "SELECT bump(1) INTO @a;\nSET @x = bump(2);\nSELECT n FROM audit;",
                      "function_bodies", whole=True)
    assert ran.returncode == 0 and ran.stdout.split() == ["2"], ran.stderr
    ddl = mariadb.run("CREATE FUNCTION f() RETURNS INT BEGIN ALTER TABLE audit ADD COLUMN z "
                      "INT; RETURN 1; END;", "function_bodies", whole=True)
    assert "1422" in ddl.stderr, ddl.stderr


#: A procedure that calls another, which runs the DDL: followed from the outer CALL.
OUTER = ("CREATE PROCEDURE outer_step()\nBEGIN\n  SELECT 1;\n  CALL widen_ids();\nEND;\n")


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_call_inside_a_procedure_is_followed(dialect: str) -> None:
    (_, called) = _history(WIDEN + OUTER, "-- later\nCALL outer_step();", dialect=dialect)
    assert called == [("mysql-table-copy", 2)]


def test_the_finding_names_the_chain_of_calls(lint_change) -> None:
    report = lint_change(WIDEN + OUTER + "CALL outer_step();")
    (finding,) = report.all_findings
    assert (finding.rule, finding.span.line) == ("mysql-table-copy", 15)
    assert "in procedure widen_ids, called by procedure outer_step, which this CALL runs" \
        in finding.message


def test_what_a_nested_call_changed_is_in_the_catalog_after_it() -> None:
    inner = "CREATE PROCEDURE add_chk() ALTER TABLE accounts ADD CONSTRAINT chk CHECK (n > 0);"
    outer = "CREATE PROCEDURE run_all() BEGIN CALL add_chk(); END;"
    assert _history(inner + "\n" + outer, "CALL run_all();\n"
                    "ALTER TABLE accounts DROP CONSTRAINT chk;") == [[], [("mysql-table-copy", 1)]]


def test_a_call_inside_an_events_body_is_followed_in_its_own_session(lint_change) -> None:
    change = ("CREATE PROCEDURE purge() DELETE FROM accounts;\n"
              "CREATE EVENT nightly ON SCHEDULE EVERY 1 DAY DO CALL purge();")
    report = lint_change(change)
    assert _found(report) == [("unbatched-backfill", 2)]
    assert "called by the body of event nightly" in report.all_findings[0].message


#: Two procedures that call each other: recursion the server refuses by default.
RECURSIVE = """\
CREATE PROCEDURE ping(n INT) BEGIN
  IF n > 0 THEN CALL pong(n - 1); END IF;
END;
CREATE PROCEDURE pong(n INT) BEGIN
  UPDATE accounts SET n = n + 1 WHERE id = 1;
  CALL ping(n);
END;
"""


def test_a_cycle_of_calls_is_reported_not_looped(lint_change) -> None:
    report = lint_change(RECURSIVE + "CALL ping(3);")
    assert _found(report) == [("mysql-recursive-call", 8)]
    message = report.all_findings[0].message
    assert "ping -> pong -> ping" in message and "1456" in message


def test_a_cycle_is_not_reported_once_the_session_allows_recursion(lint_change) -> None:
    report = lint_change(RECURSIVE + "SET max_sp_recursion_depth = 10;\nCALL ping(3);")
    assert _found(report) == []


def test_a_procedure_calling_itself_is_a_cycle(lint_change) -> None:
    change = "CREATE PROCEDURE again() BEGIN CALL again(); END;\nCALL again();"
    assert _found(lint_change(change, "mariadb")) == [("mysql-recursive-call", 2)]


def test_a_long_chain_of_calls_is_followed_to_a_bound(lint_change) -> None:
    from lockwise.lint_mysql_programs import MAX_CALL_DEPTH

    steps = "".join(f"CREATE PROCEDURE step{i}() CALL step{i + 1}();\n"
                    for i in range(MAX_CALL_DEPTH + 3))
    deep = f"CREATE PROCEDURE step{MAX_CALL_DEPTH + 3}() DELETE FROM accounts;\n"
    assert _found(lint_change(steps + deep + "CALL step0();")) == []
    near = f"CREATE PROCEDURE step{MAX_CALL_DEPTH - 1}() DELETE FROM accounts;\n"
    shallow = "".join(f"CREATE PROCEDURE step{i}() CALL step{i + 1}();\n"
                      for i in range(MAX_CALL_DEPTH - 1))
    assert _found(lint_change(shallow + near + "CALL step0();")) == [
        ("unbatched-backfill", MAX_CALL_DEPTH + 1)]


def test_nested_calls_and_recursion_on_mariadb(mariadb) -> None:
    """Checked on the server: the nested CALL runs the inner procedure's DDL, and a cycle
    of CALLs is refused once it recurses (error 1456) unless max_sp_recursion_depth allows
    it."""
    assert mariadb.run("CREATE DATABASE nested_calls", "mysql").returncode == 0
    ran = mariadb.run(SETUP + "\n" + WIDEN + OUTER + "CALL outer_step();\nSELECT data_type "
                      "FROM information_schema.columns WHERE table_schema = 'nested_calls' AND "
                      "table_name = 'accounts' AND column_name = 'id';", "nested_calls",
                      whole=True)
    assert ran.returncode == 0 and ran.stdout.split()[-1] == "bigint", ran.stderr
    assert mariadb.run(RECURSIVE, "nested_calls", whole=True).returncode == 0
    refused = mariadb.run("CALL ping(3);", "nested_calls")
    assert "ERROR 1456" in refused.stderr, refused.stderr
    allowed = mariadb.run("SET max_sp_recursion_depth = 10; CALL ping(3);", "nested_calls")
    assert allowed.returncode == 0, allowed.stderr


#: A function that calls itself in its RETURN: recursion the server refuses (error 1424).
FACT = """\
CREATE FUNCTION fact(n INT) RETURNS INT
BEGIN
  IF n <= 1 THEN RETURN 1; END IF;
  RETURN n * fact(n - 1);
END;
"""


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_function_calling_itself_in_its_return_is_a_cycle(lint_change, dialect: str) -> None:
    report = lint_change(FACT + "SELECT fact(3);", dialect)
    assert _found(report) == [("mysql-recursive-call", 6)]
    assert "fact -> fact" in report.all_findings[0].message
    assert "1424" in report.all_findings[0].message


def test_functions_calling_each_other_in_expressions_are_a_cycle(lint_change) -> None:
    change = ("CREATE FUNCTION f(n INT) RETURNS INT RETURN IF(n > 0, g(n - 1), 0);\n"
              "CREATE FUNCTION g(n INT) RETURNS INT BEGIN\n  DECLARE x INT DEFAULT f(n);\n"
              "  RETURN x;\nEND;\nSET @r = f(2);")
    report = lint_change(change)
    assert _found(report) == [("mysql-recursive-call", 6)]
    assert "f -> g -> f" in report.all_findings[0].message


#: A function that writes, called only from expressions of other programs' bodies.
COUNTING = ("CREATE FUNCTION counted() RETURNS INT BEGIN\n"
            "  UPDATE audit SET n = n + 1;\n  RETURN 1;\nEND;\n")


@pytest.mark.parametrize(("program", "run"), [
    ("CREATE FUNCTION wrap() RETURNS INT BEGIN\n  DECLARE x INT;\n  SET x = counted();\n"
     "  RETURN x;\nEND;", "SELECT wrap();"),
    ("CREATE FUNCTION wrap() RETURNS INT RETURN counted() + 1;", "SELECT wrap();"),
    ("CREATE PROCEDURE step() BEGIN\n  IF counted() > 0 THEN SELECT 1; END IF;\nEND;",
     "CALL step();"),
    ("CREATE PROCEDURE step() BEGIN\n  WHILE counted() < 0 DO SELECT 1; END WHILE;\nEND;",
     "CALL step();"),
])
def test_a_function_called_in_a_bodys_expression_is_judged(program: str, run: str) -> None:
    (_, called) = _history(NEW_AUDIT + COUNTING + program, "-- later\n" + run)
    assert called == [("unbatched-backfill", 2)]


def test_the_finding_names_the_expressions_caller(lint_change) -> None:
    change = COUNTING + "CREATE FUNCTION wrap() RETURNS INT RETURN counted();\nSELECT wrap();"
    report = lint_change(change, setup=SETUP + "\n" + NEW_AUDIT)
    (finding,) = report.all_findings
    assert "in function counted, called by function wrap" in finding.message


def test_a_call_in_a_triggers_expression_is_judged_in_place(lint_change) -> None:
    change = (NEW_AUDIT + COUNTING + "CREATE TRIGGER accounts_bi BEFORE INSERT ON accounts "
              "FOR EACH ROW\n  SET NEW.n = counted();")
    report = lint_change(change)
    assert _found(report) == [("unbatched-backfill", 7)]


def test_a_recursive_function_on_mariadb(mariadb) -> None:
    """Checked on the server: a function that calls itself in its RETURN is refused at the
    statement that calls it (error 1424), not when it is created."""
    assert mariadb.run("CREATE DATABASE function_cycles", "mysql").returncode == 0
    assert mariadb.run(FACT, "function_cycles", whole=True).returncode == 0
    refused = mariadb.run("SELECT fact(3)", "function_cycles")
    assert "ERROR 1424" in refused.stderr, refused.stderr
