"""What a trigger's (or stored function's) calls run that the server refuses there, found
when it becomes true: a procedure created, or replaced by DROP + CREATE, after the trigger
that calls it; and a procedure that returns a result set (a SELECT without INTO, SHOW),
which no trigger or function may (error 1415, checked on MariaDB 10.11)."""

from __future__ import annotations

SETUP = "CREATE TABLE accounts (id INT PRIMARY KEY, n INT);"
TRIGGER = ("CREATE TRIGGER accounts_bi BEFORE INSERT ON accounts FOR EACH ROW "
           "CALL {called}();")


def _found(report) -> list[tuple[str, int]]:
    return [(f.rule, f.span.line) for f in report.all_findings]


def test_a_procedure_created_after_the_trigger_that_calls_it_is_reported_at_its_create(
        lint_change) -> None:
    report = lint_change(TRIGGER.format(called="later") + "\nSELECT 1;\n"
                         "CREATE PROCEDURE later() COMMIT;", "mariadb")
    assert _found(report) == [("mysql-trigger-call-commits", 3)]
    assert "accounts_bi -> later" in report.all_findings[0].message


def test_a_procedure_replaced_by_drop_and_create_is_reported_at_the_new_create(
        lint_change) -> None:
    report = lint_change("CREATE PROCEDURE close_tx() COMMIT;\n"
                         "CREATE PROCEDURE step() SET @s = 1;\n"
                         + TRIGGER.format(called="step") + "\n"
                         "DROP PROCEDURE step;\n"
                         "CREATE PROCEDURE step() BEGIN SET @s = 2; CALL close_tx(); END;",
                         "mysql")
    assert _found(report) == [("mysql-trigger-call-commits", 5)]
    assert "accounts_bi -> step -> close_tx" in report.all_findings[0].message


def test_the_trigger_of_an_earlier_migration_is_named_through_a_chain(lint_change) -> None:
    setup = SETUP + "\nCREATE PROCEDURE outer_step() CALL later();\n" + \
        TRIGGER.format(called="outer_step")
    report = lint_change("CREATE PROCEDURE later() ALTER TABLE accounts ADD COLUMN seen INT;",
                         "mariadb", setup=setup)
    assert _found(report) == [("mysql-trigger-call-commits", 1)]
    assert "accounts_bi -> outer_step -> later" in report.all_findings[0].message


def test_a_procedure_no_trigger_calls_or_that_does_not_commit_is_fine(lint_change) -> None:
    report = lint_change(TRIGGER.format(called="later") + "\n"
                         "CREATE PROCEDURE other() COMMIT;\n"
                         "CREATE PROCEDURE later() UPDATE accounts SET n = 1 WHERE id = 1;",
                         "mysql")
    assert _found(report) == []


def test_a_trigger_calling_a_procedure_that_returns_a_result_set(lint_change) -> None:
    for body in ("SELECT id FROM accounts", "SHOW TABLES",
                 "BEGIN DECLARE x INT; SELECT 1 INTO x; (SELECT x); END"):
        report = lint_change(f"CREATE PROCEDURE peek() {body};\n"
                             + TRIGGER.format(called="peek"), "mariadb")
        assert _found(report) == [("mysql-trigger-call-result-set", 2)], body
        message = report.all_findings[0].message
        assert "1415" in message and "accounts_bi -> peek" in message, message


def test_a_select_into_or_a_cursor_returns_no_result_set(lint_change) -> None:
    report = lint_change("CREATE PROCEDURE peek() BEGIN\n  DECLARE c CURSOR FOR SELECT id FROM "
                         "accounts;\n  SELECT COUNT(*) INTO @n FROM accounts;\n"
                         "  SELECT n FROM accounts WHERE id = 1 INTO @m;\nEND;\n"
                         + TRIGGER.format(called="peek"), "mysql")
    assert _found(report) == []


def test_a_result_set_procedure_created_after_the_trigger(lint_change) -> None:
    report = lint_change(TRIGGER.format(called="later") + "\n"
                         "CREATE PROCEDURE later() SELECT * FROM accounts;", "mysql")
    assert _found(report) == [("mysql-trigger-call-result-set", 2)]


def test_a_function_calling_a_procedure_that_returns_a_result_set(lint_change) -> None:
    report = lint_change("CREATE PROCEDURE peek() SELECT id FROM accounts;\n"
                         "CREATE FUNCTION touch() RETURNS INT BEGIN\n  CALL peek();\n"
                         "  RETURN 1;\nEND;\nSELECT touch();", "mariadb")
    assert _found(report) == [("mysql-function-call-result-set", 6)]
    message = report.all_findings[0].message
    assert "1415" in message and "touch -> peek" in message, message


def test_the_result_set_is_refused_in_a_trigger_and_a_function_on_mariadb(mariadb) -> None:
    """Checked on the server: the CREATEs succeed; the INSERT that fires the trigger and the
    SELECT that calls the function fail with 1415, and the procedure created after the
    trigger is what the INSERT runs."""
    assert mariadb.run("CREATE DATABASE result_sets", "mysql").returncode == 0
    created = mariadb.run(
        SETUP + "\n" + TRIGGER.format(called="later") + "\n"
        "CREATE PROCEDURE later() SELECT id FROM accounts;\n"
        "CREATE FUNCTION touch() RETURNS INT BEGIN CALL later(); RETURN 1; END;",
        "result_sets", whole=True)
    assert created.returncode == 0, created.stderr
    inserted = mariadb.run("INSERT INTO accounts VALUES (1, 1)", "result_sets").stderr
    assert "1415" in inserted and "from a trigger" in inserted, inserted
    called = mariadb.run("SELECT touch()", "result_sets").stderr
    assert "1415" in called and "from a function" in called, called


def test_a_procedure_created_after_the_trigger_commits_on_mariadb(mariadb) -> None:
    """Checked on the server: the trigger is created before its procedure exists; once the
    procedure that commits is created, the INSERT fails with 1422."""
    assert mariadb.run("CREATE DATABASE trigger_later", "mysql").returncode == 0
    created = mariadb.run(SETUP + "\n" + TRIGGER.format(called="later") + "\n"
                          "CREATE PROCEDURE later() COMMIT;", "trigger_later", whole=True)
    assert created.returncode == 0, created.stderr
    assert "1422" in mariadb.run("INSERT INTO accounts VALUES (1, 1)", "trigger_later").stderr


def test_a_function_created_after_the_trigger_that_calls_it(lint_change) -> None:
    report = lint_change("CREATE PROCEDURE close_tx() COMMIT;\n"
                         "CREATE TRIGGER accounts_bi BEFORE INSERT ON accounts FOR EACH ROW "
                         "SET NEW.n = touch();\n"
                         "CREATE FUNCTION touch() RETURNS INT BEGIN CALL close_tx(); RETURN 1; "
                         "END;", "mariadb")
    assert _found(report) == [("mysql-trigger-call-commits", 3)]
    assert "accounts_bi -> touch -> close_tx" in report.all_findings[0].message


def test_a_procedure_of_another_database_is_not_the_trigger_s(lint_change) -> None:
    """The trigger in a calls a.later: b.later, created after it, is another procedure."""
    report = lint_change("USE a;\nCREATE TABLE items (id INT PRIMARY KEY);\n"
                         "CREATE TRIGGER items_bi BEFORE INSERT ON items FOR EACH ROW "
                         "CALL later();\nUSE b;\nCREATE PROCEDURE later() SELECT 1;", "mariadb")
    assert _found(report) == []


def test_a_select_in_a_trigger_s_or_function_s_own_body_refuses_the_create(
        lint_change) -> None:
    for sql, kind in (("CREATE TRIGGER accounts_bi BEFORE INSERT ON accounts FOR EACH ROW "
                       "BEGIN\n  SET NEW.n = 1;\n  SELECT NEW.n;\nEND;", "trigger"),
                      ("CREATE FUNCTION touch() RETURNS INT BEGIN\n  SHOW TABLES;\n"
                       "  RETURN 1;\nEND;", "function")):
        report = lint_change(sql, "mariadb")
        assert _found(report) == [("mysql-program-result-set", 3 if kind == "trigger" else 2)]
        message = report.all_findings[0].message
        assert "1415" in message and f"from a {kind}" in message, message


def test_a_select_in_a_procedure_s_own_body_is_fine(lint_change) -> None:
    report = lint_change("CREATE PROCEDURE peek() BEGIN SELECT id FROM accounts; END;", "mysql")
    assert _found(report) == []


def test_a_select_in_a_trigger_s_body_is_refused_at_the_create_on_mariadb(mariadb) -> None:
    """Checked on the server: CREATE TRIGGER and CREATE FUNCTION with a SELECT without INTO
    in their own body fail with 1415, and nothing is created."""
    assert mariadb.run("CREATE DATABASE own_result_sets", "mysql").returncode == 0
    assert mariadb.run(SETUP, "own_result_sets").returncode == 0
    trigger = mariadb.run("CREATE TRIGGER accounts_bi BEFORE INSERT ON accounts FOR EACH ROW "
                          "SELECT 1", "own_result_sets").stderr
    assert "1415" in trigger and "from a trigger" in trigger, trigger
    function = mariadb.run("CREATE FUNCTION touch() RETURNS INT BEGIN SELECT 1; RETURN 1; END",
                           "own_result_sets", whole=True).stderr
    assert "1415" in function and "from a function" in function, function
    assert mariadb.run("SHOW TRIGGERS", "own_result_sets").stdout == ""
