"""What the server refuses of a stored program when it is created: a procedure, function,
trigger or event whose name is taken (without OR REPLACE or IF NOT EXISTS), and LOCK TABLES /
UNLOCK TABLES in its body. Each is a refusal at the CREATE, which then changes nothing: the
old program stays (its body runs at a later CALL), the refused one's body is not judged."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE accounts (id INT PRIMARY KEY, n INT);\n"
         "CREATE TABLE audit (id INT PRIMARY KEY, n INT);")

#: One program of each kind, named `{name}`, as an earlier migration creates it.
PROGRAMS = {
    "procedure": "CREATE PROCEDURE {name}() SELECT COUNT(*) FROM accounts;",
    "function": "CREATE FUNCTION {name}() RETURNS INT RETURN 1;",
    "trigger": "CREATE TRIGGER {name} BEFORE INSERT ON accounts FOR EACH ROW SET NEW.n = 1;",
    "event": "CREATE EVENT {name} ON SCHEDULE EVERY 1 DAY DO DELETE FROM audit WHERE id < 0;",
}


def _history(*files: str, dialect: str = "mysql"):
    """The reports of the migrations `files` after SETUP."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    migrations = [migration_from_text(text, f"{i}_m.sql")
                  for i, text in enumerate((SETUP, *files), 1)]
    return lint_migrations(migrations, LintOptions(dialect=dialect))[1:]


def _found(report) -> list[tuple[str, int]]:
    return [(f.rule, f.span.line) for f in report.all_findings]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("kind", sorted(PROGRAMS))
def test_creating_a_program_whose_name_is_taken_is_refused(kind: str, dialect: str) -> None:
    first = PROGRAMS[kind].format(name="keep")
    (_, again) = _history(first, "-- again\n" + first, dialect=dialect)
    assert _found(again) == [("mysql-program-exists", 2)]
    assert "already exists" in again.all_findings[0].message


@pytest.mark.parametrize("kind", sorted(PROGRAMS))
def test_or_replace_if_not_exists_and_a_drop_first_are_not_refused(kind: str) -> None:
    first = PROGRAMS[kind].format(name="keep")
    replaced = first.replace("CREATE", "CREATE OR REPLACE", 1)
    skipped = first.replace(f"{kind.upper()} keep", f"{kind.upper()} IF NOT EXISTS keep", 1)
    dropped = f"DROP {kind.upper()} keep;\n{first}"
    for later in (replaced, skipped, dropped):
        assert [_found(r) for r in _history(first, later, dialect="mariadb")] == [[], []], later


def test_routine_and_event_names_ignore_case_trigger_names_do_not() -> None:
    (_, procedure) = _history(PROGRAMS["procedure"].format(name="keep"),
                              PROGRAMS["procedure"].format(name="`KEEP`"))
    (_, trigger) = _history(PROGRAMS["trigger"].format(name="keep"),
                            PROGRAMS["trigger"].format(name="KEEP"))
    assert _found(procedure) == [("mysql-program-exists", 1)] and _found(trigger) == []


def test_a_procedure_and_a_function_have_a_namespace_each() -> None:
    (_, function) = _history(PROGRAMS["procedure"].format(name="keep"),
                             PROGRAMS["function"].format(name="keep"))
    assert _found(function) == []


def test_a_dropped_tables_triggers_go_with_it() -> None:
    first = PROGRAMS["trigger"].format(name="keep")
    later = "RENAME TABLE accounts TO old_accounts;\nDROP TABLE old_accounts;\n" \
            "CREATE TABLE accounts (id INT PRIMARY KEY, n INT);\n" + first
    (_, recreated) = _history(first, later)
    assert _found(recreated) == [("rename-table", 1), ("drop-table", 2)]


WIDEN = ("CREATE PROCEDURE widen() BEGIN\n  ALTER TABLE accounts MODIFY id BIGINT;\nEND;")


def test_the_refused_create_keeps_the_old_body() -> None:
    reader = "CREATE PROCEDURE widen() SELECT COUNT(*) FROM accounts;"
    (_, again, called) = _history(WIDEN, reader, "CALL widen();")
    assert _found(again) == [("mysql-program-exists", 1)]
    # the CALL runs the first body, which copies the table
    assert _found(called) == [("mysql-table-copy", 1)]


def test_if_not_exists_keeps_the_old_body() -> None:
    reader = "CREATE PROCEDURE IF NOT EXISTS widen() SELECT COUNT(*) FROM accounts;"
    (_, again, called) = _history(WIDEN, reader, "CALL widen();", dialect="mariadb")
    assert _found(again) == [] and _found(called) == [("mysql-table-copy", 1)]


def test_a_refused_events_body_is_not_judged() -> None:
    first = PROGRAMS["event"].format(name="purge")
    (_, again) = _history(first, "CREATE EVENT purge ON SCHEDULE EVERY 1 DAY DO\n"
                                 "  DELETE FROM audit;")
    assert _found(again) == [("mysql-program-exists", 1)]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("create", "line"), [
    ("CREATE PROCEDURE p() BEGIN\n  LOCK TABLES accounts WRITE;\n  UPDATE accounts SET n = 1;"
     "\n  UNLOCK TABLES;\nEND;", 2),
    ("CREATE PROCEDURE p()\n  UNLOCK TABLES;", 2),
    ("CREATE FUNCTION f() RETURNS INT BEGIN\n  LOCK TABLE accounts READ;\n  RETURN 1;\nEND;", 2),
    ("CREATE TRIGGER t BEFORE UPDATE ON accounts FOR EACH ROW BEGIN\n  UNLOCK TABLES;\nEND;",
     2),
    ("CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO\n  LOCK TABLES audit WRITE;", 2),
])
def test_lock_tables_in_a_programs_body_is_refused(create: str, line: int,
                                                   dialect: str) -> None:
    (report,) = _history(create + "\nSELECT 1;", dialect=dialect)
    found = _found(report)
    assert found == [("mysql-program-statement-not-allowed", line)]
    assert "is not allowed in stored procedures" in report.all_findings[0].message


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("create", "line", "word"), [
    ("CREATE PROCEDURE p()\n  LOAD DATA INFILE '/srv/rows.csv' INTO TABLE accounts;", 2,
     "LOAD DATA"),
    ("CREATE PROCEDURE p() BEGIN\n  UPDATE audit SET n = 1;\n  LOAD XML LOCAL INFILE 'rows.xml' "
     "REPLACE INTO TABLE accounts;\nEND;", 3, "LOAD XML"),
    ("CREATE FUNCTION f() RETURNS INT BEGIN\n  load data infile 'x' into table audit;\n"
     "  RETURN 1;\nEND;", 2, "LOAD DATA"),
    ("CREATE TRIGGER t BEFORE UPDATE ON accounts FOR EACH ROW\n  LOAD DATA INFILE 'x' INTO "
     "TABLE audit;", 2, "LOAD DATA"),
    ("CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO\n  LOAD DATA INFILE 'x' INTO TABLE audit;", 2,
     "LOAD DATA"),
])
def test_load_data_in_a_programs_body_is_refused(create: str, line: int, word: str,
                                                 dialect: str) -> None:
    """Error 1314 at the CREATE, as LOCK TABLES (MariaDB 10.11, checked on 10.11.19; MySQL 8.4
    manual, 27.8 "Restrictions on Stored Programs"); it was read as the INSERT it is."""
    (report,) = _history(create + "\nSELECT 1;", dialect=dialect)
    assert _found(report) == [("mysql-program-statement-not-allowed", line)]
    assert f"{word} is not allowed in stored procedures" in report.all_findings[0].message


def test_a_procedure_refused_for_load_data_is_not_created() -> None:
    create = "CREATE PROCEDURE p() BEGIN\n  ALTER TABLE accounts MODIFY id BIGINT;\n" \
             "  LOAD DATA INFILE 'x' INTO TABLE accounts;\nEND;"
    (created, called) = _history(create, "CALL p();")
    assert _found(created) == [("mysql-program-statement-not-allowed", 3)]
    assert _found(called) == []


def test_a_mariadb_compound_statements_load_data_is_refused() -> None:
    (report,) = _history("BEGIN NOT ATOMIC\n  LOAD DATA INFILE 'x' INTO TABLE audit;\nEND;",
                         dialect="mariadb")
    assert _found(report) == [("mysql-program-statement-not-allowed", 2)]


def test_a_procedure_refused_for_lock_tables_is_not_created() -> None:
    create = "CREATE PROCEDURE p() BEGIN\n  LOCK TABLES accounts WRITE;\n" \
             "  ALTER TABLE accounts MODIFY id BIGINT;\n  UNLOCK TABLES;\nEND;"
    (created, called) = _history(create, "CALL p();")
    assert _found(created) == [("mysql-program-statement-not-allowed", 2)]
    assert _found(called) == []  # no such procedure: the CALL runs nothing lockwise judges


def test_a_mariadb_compound_statements_lock_tables_is_refused() -> None:
    (report,) = _history("BEGIN NOT ATOMIC\n  LOCK TABLES accounts WRITE;\nEND;",
                         dialect="mariadb")
    assert _found(report) == [("mysql-program-statement-not-allowed", 2)]


def test_the_servers_refusals_on_mariadb(mariadb) -> None:
    """Checked on the server: each name taken is refused with the error the rule quotes, and
    the old program stays; LOCK / UNLOCK TABLES and LOAD DATA / XML in any program's body is
    error 1314."""
    assert mariadb.run("CREATE DATABASE program_refusals", "mysql").returncode == 0

    def run(sql: str):
        return mariadb.run(sql, "program_refusals", whole=True)

    assert run(SETUP).returncode == 0
    for kind, create in PROGRAMS.items():
        assert run(create.format(name="keep")).returncode == 0
        again = run(create.format(name="keep").replace("COUNT(*)", "n").replace("1", "2"))
        from lockwise.effects.mysql_programs import EXISTS

        code, text = EXISTS[kind]
        expected = text.format(name="keep", qualified="program_refusals.keep")
        assert f"ERROR {code}" in again.stderr and expected in again.stderr, again.stderr
        assert run(create.format(name="IF NOT EXISTS keep")).returncode == 0
    body = run("SHOW CREATE PROCEDURE keep").stdout
    assert "COUNT(*)" in body
    for create in ("CREATE PROCEDURE p() BEGIN LOCK TABLES accounts WRITE; END",
                   "CREATE PROCEDURE p() UNLOCK TABLES",
                   "CREATE FUNCTION f() RETURNS INT BEGIN LOCK TABLES accounts READ; "
                   "RETURN 1; END",
                   "CREATE TRIGGER t BEFORE UPDATE ON accounts FOR EACH ROW UNLOCK TABLES",
                   "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO LOCK TABLES audit WRITE",
                   "BEGIN NOT ATOMIC LOCK TABLES accounts WRITE; END",
                   "CREATE PROCEDURE p() LOAD DATA INFILE 'x' INTO TABLE accounts",
                   "CREATE PROCEDURE p() BEGIN SELECT 1 INTO @x; LOAD XML INFILE 'x' INTO "
                   "TABLE accounts; END",
                   "CREATE FUNCTION f() RETURNS INT BEGIN LOAD DATA LOCAL INFILE 'x' INTO "
                   "TABLE audit; RETURN 1; END",
                   "CREATE TRIGGER t BEFORE UPDATE ON accounts FOR EACH ROW LOAD DATA INFILE "
                   "'x' INTO TABLE audit",
                   "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO LOAD DATA INFILE 'x' INTO TABLE "
                   "audit",
                   "BEGIN NOT ATOMIC LOAD DATA INFILE 'x' INTO TABLE audit; END"):
        refused = run(create)
        word = "UNLOCK" if "UNLOCK" in create else "LOAD XML" if "LOAD XML" in create else \
            "LOAD DATA" if "LOAD DATA" in create else "LOCK"
        assert "ERROR 1314" in refused.stderr and \
            f"{word} is not allowed in stored procedures" in refused.stderr, refused.stderr


def test_alter_event_rename_to_moves_the_name() -> None:
    first = PROGRAMS["event"].format(name="purge")
    renamed = "ALTER EVENT purge ON SCHEDULE EVERY 2 DAY RENAME TO purge_old DO SELECT 2;"
    (_, _, again, taken) = _history(first, renamed, first,
                                    PROGRAMS["event"].format(name="purge_old"))
    assert _found(again) == [] and _found(taken) == [("mysql-program-exists", 1)]


#: A database's programs, created in it by qualified names or after USE.
IN_SHOP = {
    "qualified": "CREATE PROCEDURE shop.keep() SELECT 1;\n"
                 "CREATE FUNCTION shop.one() RETURNS INT RETURN 1;\n"
                 "CREATE EVENT shop.purge ON SCHEDULE EVERY 1 DAY DO\n"
                 "  DELETE FROM audit WHERE id < 0;",
    "use": "USE shop;\nCREATE PROCEDURE keep() SELECT 1;\n"
           "CREATE FUNCTION one() RETURNS INT RETURN 1;\n"
           "CREATE EVENT purge ON SCHEDULE EVERY 1 DAY DO DELETE FROM audit WHERE id < 0;",
}


@pytest.mark.parametrize("drop", ["DROP DATABASE shop;", "DROP SCHEMA IF EXISTS `shop`;"])
@pytest.mark.parametrize("written", sorted(IN_SHOP))
def test_drop_database_drops_its_programs(written: str, drop: str) -> None:
    create = "CREATE DATABASE shop;\n" + IN_SHOP[written]
    (_, again) = _history(create, f"{drop}\n{create}")
    assert _found(again) == []


def test_drop_database_drops_its_triggers() -> None:
    create = ("CREATE DATABASE shop;\nCREATE TABLE shop.items (id INT PRIMARY KEY, n INT);\n"
              "CREATE TRIGGER shop.keep BEFORE INSERT ON shop.items FOR EACH ROW SET NEW.n = 1;")
    (_, again) = _history(create, "DROP DATABASE shop;\n" + create)
    assert _found(again) == []


def test_a_dropped_databases_procedure_runs_nothing_at_a_later_call() -> None:
    create = ("CREATE DATABASE shop;\nCREATE PROCEDURE shop.widen() "
              "ALTER TABLE accounts MODIFY id BIGINT;")
    (_, called) = _history(create, "DROP DATABASE shop;\nCALL shop.widen();")
    assert _found(called) == []  # (the server refuses the CALL, error 1305)


def test_drop_database_keeps_another_databases_programs() -> None:
    create = "CREATE DATABASE shop;\n" + IN_SHOP["qualified"]
    (_, again) = _history(create, "DROP DATABASE other;\n" + IN_SHOP["qualified"])
    assert [rule for rule, _ in _found(again)] == ["mysql-program-exists"] * 3


def test_drop_database_drops_its_programs_on_mariadb(mariadb) -> None:
    """Checked on the server: DROP DATABASE (and DROP SCHEMA) drops the database's procedures,
    functions, triggers and events: the same names are free again at once."""
    create = ("CREATE TABLE shop_x.items (id INT PRIMARY KEY, n INT);\n"
              "CREATE PROCEDURE shop_x.keep() SELECT 1;\n"
              "CREATE FUNCTION shop_x.one() RETURNS INT RETURN 1;\n"
              "CREATE TRIGGER shop_x.keep BEFORE INSERT ON shop_x.items FOR EACH ROW "
              "SET NEW.n = 1;\n"
              "CREATE EVENT shop_x.purge ON SCHEDULE EVERY 1 DAY DO DELETE FROM shop_x.items;")
    for drop in ("DROP DATABASE shop_x", "DROP SCHEMA shop_x"):
        assert mariadb.run("CREATE DATABASE shop_x", "mysql").returncode == 0
        ran = mariadb.run(create, "mysql", whole=True)
        assert ran.returncode == 0, ran.stderr
        left = mariadb.run(f"{drop}; SELECT (SELECT COUNT(*) FROM information_schema.routines "
                           "WHERE routine_schema = 'shop_x') + (SELECT COUNT(*) FROM "
                           "information_schema.triggers WHERE trigger_schema = 'shop_x') + "
                           "(SELECT COUNT(*) FROM information_schema.events WHERE "
                           "event_schema = 'shop_x')", "mysql")
        assert left.returncode == 0 and left.stdout.split() == ["0"], left.stderr


#: Bodies that commit, explicitly or by a statement that commits implicitly, and the line of
#: the statement the server refuses the CREATE for.
COMMITS = [
    ("CREATE FUNCTION f() RETURNS INT BEGIN\n  COMMIT;\n  RETURN 1;\nEND;", 2, "COMMIT"),
    ("CREATE FUNCTION f() RETURNS INT BEGIN\n  IF 1 THEN\n    ROLLBACK;\n  END IF;\n"
     "  RETURN 1;\nEND;", 3, "ROLLBACK"),
    ("CREATE FUNCTION f() RETURNS INT BEGIN\n  START TRANSACTION;\n  RETURN 1;\nEND;", 2,
     "START TRANSACTION"),
    ("CREATE FUNCTION f() RETURNS INT BEGIN\n  ALTER TABLE audit ADD COLUMN z INT;\n"
     "  RETURN 1;\nEND;", 2, "ALTER TABLE"),
    ("CREATE FUNCTION f() RETURNS INT BEGIN\n  TRUNCATE TABLE audit;\n  RETURN 1;\nEND;", 2,
     "TRUNCATE TABLE"),
    ("CREATE FUNCTION f() RETURNS INT BEGIN\n  CREATE TABLE t2 (a INT);\n  RETURN 1;\nEND;",
     2, "CREATE TABLE"),
    ("CREATE TRIGGER t BEFORE INSERT ON accounts FOR EACH ROW\n  DROP TABLE audit;", 2,
     "DROP TABLE"),
    ("CREATE TRIGGER t BEFORE INSERT ON accounts FOR EACH ROW BEGIN\n  SET NEW.n = 1;\n"
     "  COMMIT;\nEND;", 3, "COMMIT"),
]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("create", "line", "statement"), COMMITS)
def test_a_function_or_trigger_that_commits_is_refused(create: str, line: int, statement: str,
                                                      dialect: str) -> None:
    (report,) = _history(create, dialect=dialect)
    assert _found(report) == [("mysql-program-commits", line)]
    message = report.all_findings[0].message
    assert "1422" in message and "Explicit or implicit commit is not allowed in stored " \
        "function or trigger" in message and statement in message, message


@pytest.mark.parametrize("create", [
    "CREATE PROCEDURE p() BEGIN\n  COMMIT;\nEND;",
    "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN\n  UPDATE audit SET n = 1 WHERE id = 1;\n"
    "  COMMIT;\nEND;",
    "CREATE FUNCTION f() RETURNS INT BEGIN\n  CREATE TEMPORARY TABLE t2 (a INT);\n"
    "  DROP TEMPORARY TABLE t2;\n  RETURN 1;\nEND;",
    "CREATE FUNCTION f() RETURNS INT BEGIN\n  SAVEPOINT a;\n  ROLLBACK TO SAVEPOINT a;\n"
    "  RETURN 1;\nEND;",
])
def test_a_procedure_or_event_may_commit_and_a_function_may_use_temporary_tables(
        create: str) -> None:
    (report,) = _history(create)
    assert "mysql-program-commits" not in [rule for rule, _ in _found(report)]


def test_a_function_refused_for_committing_is_not_created() -> None:
    create = "CREATE FUNCTION f() RETURNS INT BEGIN\n  COMMIT;\n  RETURN 1;\nEND;"
    (created, again) = _history(create, "CREATE FUNCTION f() RETURNS INT RETURN 2;")
    assert _found(created) == [("mysql-program-commits", 2)] and _found(again) == []


def test_a_body_that_commits_on_mariadb(mariadb) -> None:
    """Checked on the server (10.11): a function's or trigger's body that commits is refused
    when it is created (error 1422), a procedure's and an event's is not; a TEMPORARY table
    and a savepoint do not commit."""
    assert mariadb.run("CREATE DATABASE program_commits", "mysql").returncode == 0

    def run(sql: str):
        return mariadb.run(sql, "program_commits", whole=True)

    assert run(SETUP).returncode == 0
    for create, _, _ in COMMITS:
        refused = run(create)
        assert "ERROR 1422" in refused.stderr and "Explicit or implicit commit is not allowed " \
            "in stored function or trigger" in refused.stderr, (create, refused.stderr)
    for create in ("CREATE PROCEDURE p() BEGIN COMMIT; END",
                   "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO COMMIT",
                   "CREATE FUNCTION f() RETURNS INT BEGIN CREATE TEMPORARY TABLE t2 (a INT); "
                   "DROP TEMPORARY TABLE t2; RETURN 1; END",
                   "CREATE FUNCTION g() RETURNS INT BEGIN SAVEPOINT a; ROLLBACK TO SAVEPOINT a; "
                   "RETURN 1; END"):
        assert run(create).returncode == 0, (create, run(create).stderr)
