"""Stored programs and their databases: routines are keyed by database (`a.p` and `b.p` are
two procedures; an unqualified name is in the migration's USE database), DROP DATABASE drops
the tables the replay knows are in it, and a stored function may not commit through the
procedures it CALLs, nor by ALTER / DROP EVENT (error 1422, checked on MariaDB 10.11)."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE accounts (id INT PRIMARY KEY, n INT);"
#: Two procedures named p, in databases a and b: only b's copies the table.
TWO = ("CREATE PROCEDURE a.p() SELECT COUNT(*) FROM accounts;\n"
       "CREATE PROCEDURE b.p() ALTER TABLE accounts MODIFY id BIGINT;")


def _found(report) -> list[tuple[str, int]]:
    return [(f.rule, f.span.line) for f in report.all_findings]


def _history(*files: str, dialect: str = "mysql", catalog=None) -> list[list[tuple[str, int]]]:
    """The findings of each migration of the history `files` (SETUP first)."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    migrations = [migration_from_text(text, f"{i}_m.sql")
                  for i, text in enumerate((SETUP, *files), 1)]
    return [_found(r) for r in lint_migrations(migrations, LintOptions(dialect=dialect),
                                               catalog)][1:]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_procedures_of_one_name_in_two_databases_do_not_collide(dialect: str) -> None:
    assert _history(TWO, "-- b's\nCALL b.p();", "CALL a.p();", dialect=dialect) == [
        [], [("mysql-table-copy", 2)], []]


def test_an_unqualified_call_runs_the_procedure_of_the_use_database() -> None:
    assert _history(TWO, "USE b;\nCALL p();", "USE a;\nCALL p();") == [
        [], [("mysql-table-copy", 2)], []]


def test_an_unqualified_create_is_in_the_use_database() -> None:
    created = "USE b;\nCREATE PROCEDURE p() ALTER TABLE accounts MODIFY id BIGINT;"
    assert _history(created, "CALL a.p();", "CALL b.p();") == [
        [], [], [("mysql-table-copy", 1)]]


def test_a_name_taken_is_taken_in_its_own_database_only() -> None:
    assert _history(TWO, "CREATE PROCEDURE a.p() SELECT 1;") == [
        [], [("mysql-program-exists", 1)]]


def test_functions_of_one_name_in_two_databases_do_not_collide() -> None:
    functions = ("CREATE FUNCTION a.f() RETURNS INT RETURN 1;\n"
                 "CREATE FUNCTION b.f() RETURNS INT BEGIN UPDATE accounts SET n = n + 1; "
                 "RETURN 1; END;")
    assert _history(functions, "SELECT a.f();", "USE b;\nSELECT f();") == [
        [], [], [("unbatched-backfill", 2)]]


def test_a_dropped_database_takes_its_tables_indexes_and_triggers() -> None:
    from lockwise.catalog.model import Catalog

    catalog = Catalog()
    _history("CREATE TABLE d.t (id INT PRIMARY KEY, n INT, KEY t_n (n));\n"
             "CREATE TABLE e.t (id INT PRIMARY KEY);\n"
             "CREATE TRIGGER d.t_bi BEFORE INSERT ON d.t FOR EACH ROW SET NEW.n = 1;",
             "DROP DATABASE d;", catalog=catalog)
    assert "d.t" not in catalog.tables and {"e.t", "accounts"} <= set(catalog.tables)
    assert not catalog.mysql_triggers


#: A procedure whose body commits (DDL), and a function that CALLs it.
COMMITS = ("CREATE PROCEDURE add_seen() ALTER TABLE accounts ADD COLUMN seen INT;\n"
           "CREATE FUNCTION touch() RETURNS INT BEGIN\n  CALL add_seen();\n  RETURN 1;\nEND;")


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("call", ["SELECT touch();", "SET @x = touch();"])
def test_a_function_that_calls_a_committing_procedure_is_refused_at_the_call(
        dialect: str, call: str) -> None:
    from lockwise.catalog.model import Catalog

    catalog = Catalog()
    assert _history(COMMITS, "-- later\n" + call, dialect=dialect, catalog=catalog) == [
        [], [("mysql-function-call-commits", 2)]]
    # refused: the procedure's DDL did not run
    assert "seen" not in catalog.tables["accounts"].columns


def test_the_commit_is_followed_through_the_chain_of_calls(lint_change) -> None:
    chain = COMMITS.replace("CALL add_seen()", "CALL middle()") + \
        "\nCREATE PROCEDURE middle() BEGIN SET @s = 1; CALL add_seen(); END;\nSELECT touch();"
    report = lint_change(chain, "mariadb")
    assert _found(report) == [("mysql-function-call-commits", 7)]
    assert "touch -> middle -> add_seen" in report.all_findings[0].message


def test_a_procedure_that_commits_is_fine_at_its_own_call(lint_change) -> None:
    report = lint_change(COMMITS + "\nCALL add_seen();", "mariadb")
    assert "mysql-function-call-commits" not in [f.rule for f in report.all_findings]


@pytest.mark.parametrize("statement", [
    "ALTER EVENT nightly_purge DISABLE", "DROP EVENT nightly_purge",
    "ALTER DEFINER = CURRENT_USER EVENT nightly_purge ENABLE"])
@pytest.mark.parametrize("kind", ["function", "trigger"])
def test_event_ddl_in_a_function_or_trigger_commits(lint_change, statement: str,
                                                    kind: str) -> None:
    head = ("CREATE FUNCTION f() RETURNS INT BEGIN\n" if kind == "function" else
            "CREATE TRIGGER t BEFORE INSERT ON accounts FOR EACH ROW BEGIN\n")
    tail = "  RETURN 1;\nEND;" if kind == "function" else "END;"
    report = lint_change(f"{head}  {statement};\n{tail}", "mariadb")
    assert _found(report) == [("mysql-program-commits", 2)]


def test_the_commit_chain_and_event_ddl_are_refused_on_mariadb(mariadb) -> None:
    """Checked on the server: error 1422 at the statement calling the function (not at its
    CREATE), and at the CREATE of a function whose body alters or drops an event."""
    assert mariadb.run("CREATE DATABASE commit_chain", "mysql").returncode == 0
    created = mariadb.run(SETUP + "\n" + COMMITS, "commit_chain", whole=True)
    assert created.returncode == 0, created.stderr
    assert "1422" in mariadb.run("SELECT touch();", "commit_chain").stderr
    columns = mariadb.run("SHOW COLUMNS FROM accounts", "commit_chain").stdout
    assert "seen" not in columns
    for statement in ("ALTER EVENT nightly_purge DISABLE", "DROP EVENT nightly_purge"):
        ran = mariadb.run(f"CREATE FUNCTION g() RETURNS INT BEGIN {statement}; RETURN 1; END;",
                          "commit_chain", whole=True)
        assert "1422" in ran.stderr, ran.stderr


#: Two functions named f, in databases a and b: only b's writes rows.
FUNCTIONS = ("CREATE FUNCTION a.f() RETURNS INT RETURN 1;\n"
             "CREATE FUNCTION b.f() RETURNS INT BEGIN UPDATE accounts SET n = n + 1; "
             "RETURN 1; END;")


@pytest.mark.parametrize("body", [
    "BEGIN DECLARE x INT; SET x = b.f(); END",
    "BEGIN DECLARE x INT DEFAULT `b`.`f`(); END",
    "BEGIN IF b . f() > 0 THEN SET @y = 1; END IF; END",
    "BEGIN SELECT b.f(); END",
    "BEGIN DECLARE x INT; SET x = 1; CALL b.q(); END"])
def test_a_qualified_call_in_a_body_is_looked_up_in_its_database(body: str) -> None:
    """`b.f()` in the body of a routine of database a runs b's f, not a's."""
    created = (FUNCTIONS + "\nCREATE PROCEDURE b.q() UPDATE accounts SET n = n + 1;\n"
               f"USE a;\nCREATE PROCEDURE p() {body};")
    assert _history(created, "USE a;\nCALL p();") == [[], [("unbatched-backfill", 2)]]


def test_a_qualified_call_in_a_function_body_is_looked_up_in_its_database() -> None:
    created = FUNCTIONS + "\nCREATE FUNCTION a.g() RETURNS INT RETURN b.f() + 1;"
    assert _history(created, "SELECT a.g();") == [[], [("unbatched-backfill", 1)]]


def test_a_bare_call_in_a_body_stays_in_the_routine_s_database() -> None:
    created = FUNCTIONS + "\nUSE a;\nCREATE PROCEDURE p() BEGIN DECLARE x INT; SET x = f(); END;"
    assert _history(created, "USE b;\nCALL a.p();") == [[], []]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_dropped_database_takes_the_tables_created_unqualified_after_use(dialect: str
                                                                           ) -> None:
    """`USE d; CREATE TABLE t` makes d.t: DROP DATABASE d drops it, with its trigger and the
    programs created unqualified there; a table of another database, or of none known,
    stays."""
    from lockwise.catalog.model import Catalog

    catalog = Catalog()
    _history("USE d;\nCREATE TABLE t (id INT PRIMARY KEY, n INT);\n"
             "CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW SET NEW.n = 1;\n"
             "CREATE PROCEDURE p() SELECT 1;\nCREATE FUNCTION f() RETURNS INT RETURN 1;",
             "USE e;\nCREATE TABLE u (id INT PRIMARY KEY);",
             "CREATE TABLE v (id INT PRIMARY KEY);",
             "DROP DATABASE d;", dialect=dialect, catalog=catalog)
    assert set(catalog.tables) == {"accounts", "u", "v"}
    assert not catalog.mysql_triggers and not catalog.mysql_procedures
    assert not catalog.mysql_functions


def test_a_table_of_the_dropped_database_is_gone_for_the_later_migrations() -> None:
    """Before the drop, DROP CHECK of a CHECK the table lacks is refused (the replay knows
    every constraint of the table it created); after it, the table is one the replay does
    not know, of which it cannot tell."""
    created = "USE d;\nCREATE TABLE t (id INT PRIMARY KEY, n INT);"
    assert _history(created, "ALTER TABLE t DROP CHECK nope;") == [
        [], [("mysql-constraint-not-found", 1)]]
    assert _history(created, "DROP DATABASE d;", "ALTER TABLE t DROP CHECK nope;") == [
        [], [], []]


def test_the_unqualified_tables_are_dropped_on_mariadb(mariadb) -> None:
    """Checked on the server: USE d; CREATE TABLE t puts t in d, and DROP DATABASE d drops
    it with its trigger and the routines created there."""
    made = mariadb.run("CREATE DATABASE dropped_d; USE dropped_d; CREATE TABLE t (id INT); "
                       "CREATE PROCEDURE p() SELECT 1; DROP DATABASE dropped_d;", "mysql",
                       whole=True)
    assert made.returncode == 0, made.stderr
    left = mariadb.run("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                       "'dropped_d' UNION ALL SELECT COUNT(*) FROM information_schema.routines "
                       "WHERE routine_schema = 'dropped_d'", "mysql")
    assert left.stdout.split() == ["0", "0"], left.stderr

#: t in a, with a CHECK named c_n; t in b, without (`USE a; CREATE TABLE t; USE b; CREATE
#: TABLE t` makes a.t and b.t, checked on MariaDB 10.11: the replay keeps them apart).
TWO_TABLES = ("USE a;\nCREATE TABLE t (id INT PRIMARY KEY, n INT, CONSTRAINT c_n CHECK (n > 0));"
              "\nUSE b;\nCREATE TABLE t (id INT PRIMARY KEY, n INT);")


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_tables_of_one_name_in_two_databases_do_not_collide(dialect: str) -> None:
    dropped = "ALTER TABLE t DROP CONSTRAINT c_n;"
    assert _history(TWO_TABLES, f"USE a;\n{dropped}", dialect=dialect) == [[], []]
    assert _history(TWO_TABLES, f"USE b;\n{dropped}", dialect=dialect) == [
        [], [("mysql-constraint-not-found", 2)]]


def test_within_one_migration_use_goes_back_to_the_first_database() -> None:
    assert _history(TWO_TABLES + "\nUSE a;\nALTER TABLE t DROP CONSTRAINT c_n;") == [[]]
    assert _history(TWO_TABLES + "\nALTER TABLE t DROP CONSTRAINT c_n;") == [
        [("mysql-constraint-not-found", 5)]]


def test_the_other_database_s_table_is_dropped_with_it() -> None:
    """DROP DATABASE a drops a.t, not the session's b.t."""
    from lockwise.catalog.model import Catalog

    catalog = Catalog()
    _history(TWO_TABLES, "DROP DATABASE a;", catalog=catalog)
    assert [(t.name.split(".")[-1], t.database) for t in catalog.tables.values()
            if t.name.endswith("t") and t.name != "accounts"] == [("t", "b")]


@pytest.mark.parametrize("rename", ["RENAME TABLE d.t TO u;", "ALTER TABLE d.t RENAME TO u;"])
def test_a_table_renamed_to_a_bare_name_is_in_the_session_s_database(rename: str) -> None:
    created = "USE a;\nCREATE TABLE d.t (id INT PRIMARY KEY, n INT);\n" + rename
    assert _history(created, "ALTER TABLE u DROP CONSTRAINT nope;") == [
        [], [("mysql-constraint-not-found", 1)]]
    # DROP DATABASE a drops it: the later migration does not know it
    assert _history(created, "DROP DATABASE a;", "ALTER TABLE u DROP CONSTRAINT nope;") == [
        [], [], []]


def test_the_same_name_in_two_databases_on_mariadb(mariadb) -> None:
    """Checked on the server: two tables named t, one per database; RENAME TABLE to a bare
    name moves the table into the session's database."""
    made = mariadb.run(
        "CREATE DATABASE two_a; CREATE DATABASE two_b; CREATE DATABASE two_d; USE two_a; "
        "CREATE TABLE t (id INT, n INT); USE two_b; CREATE TABLE t (id INT); "
        "CREATE TABLE two_d.r (id INT); RENAME TABLE two_d.r TO u;", "mysql", whole=True)
    assert made.returncode == 0, made.stderr
    where = mariadb.run("SELECT CONCAT(table_schema, '.', table_name) FROM "
                        "information_schema.tables WHERE table_schema LIKE 'two\\_%' "
                        "ORDER BY 1", "mysql")
    assert where.stdout.split() == ["two_a.t", "two_b.t", "two_b.u"], where.stderr


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_table_created_qualified_is_its_bare_name_after_use(dialect: str) -> None:
    """`CREATE TABLE b.t` then `USE b`: a bare t is b.t (checked on MariaDB 10.11), in the
    migration that creates it or a later one, and whether the USE comes before or after."""
    found = [("mysql-constraint-not-found", 2)]
    dropped = "ALTER TABLE t DROP CONSTRAINT nope;"
    created = "CREATE TABLE b.t (id INT PRIMARY KEY, n INT);"
    assert _history(created, f"USE b;\n{dropped}", dialect=dialect) == [[], found]
    assert _history(f"{created}\nUSE b;\n{dropped}", dialect=dialect) == [
        [("mysql-constraint-not-found", 3)]]
    assert _history(f"USE b;\n{created}", dropped, dialect=dialect) == [
        [], [("mysql-constraint-not-found", 1)]]
    # USE of another database: a bare t is not b's
    assert _history(f"USE b;\n{created}", f"USE a;\n{dropped}", dialect=dialect) == [[], []]


def test_a_table_created_qualified_on_mariadb(mariadb) -> None:
    """Checked on the server: b.t created qualified is t after USE b."""
    ran = mariadb.run("CREATE DATABASE qual_b; CREATE TABLE qual_b.t (id INT); USE qual_b; "
                      "ALTER TABLE t ADD COLUMN n INT; SELECT COUNT(*) FROM "
                      "information_schema.columns WHERE table_schema = 'qual_b'", "mysql",
                      whole=True)
    assert ran.returncode == 0 and ran.stdout.split() == ["2"], ran


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_qualified_table_beside_a_bare_one_of_the_connection_s_database(dialect: str) -> None:
    """`t` created unqualified without USE (the connection's database) and `b.t`: two tables
    (checked on 10.11); `USE b` makes a bare t b's, and its constraints are b.t's."""
    made = ("CREATE TABLE t (id INT, CONSTRAINT c CHECK (id > 0));\n"
            "CREATE TABLE b.t (id INT, CONSTRAINT d CHECK (id > 0));\n")
    found = [("mysql-constraint-not-found", 4)]
    assert _history(made + "ALTER TABLE t DROP CONSTRAINT c;", dialect=dialect) == [[]]
    assert _history(made + "ALTER TABLE b.t DROP CONSTRAINT c;", dialect=dialect) == [
        [("mysql-constraint-not-found", 3)]]
    assert _history(made + "USE b;\nALTER TABLE t DROP CONSTRAINT d;", dialect=dialect) == [[]]
    assert _history(made + "USE b;\nALTER TABLE t DROP CONSTRAINT c;", dialect=dialect) == [
        found]
    # in a later migration too
    assert _history(made, "USE b;\nALTER TABLE t DROP CONSTRAINT c;", dialect=dialect) == [
        [], [("mysql-constraint-not-found", 2)]]


def test_a_qualified_table_beside_a_bare_one_on_mariadb(mariadb) -> None:
    """Checked on the server: with the connection in one database, `t` and `b.t` are two
    tables, and after USE b a bare t is b's."""
    ran = mariadb.run("CREATE DATABASE IF NOT EXISTS qual_c; CREATE DATABASE qual_d; "
                      "USE qual_c; CREATE TABLE t (id INT); CREATE TABLE qual_d.t (id INT, "
                      "n INT); USE qual_d; ALTER TABLE t DROP COLUMN n; SELECT "
                      "CONCAT(table_schema, '.', COUNT(*)) FROM information_schema.columns "
                      "WHERE table_schema IN ('qual_c', 'qual_d') AND table_name = 't' "
                      "GROUP BY table_schema ORDER BY 1", "mysql", whole=True)
    assert ran.returncode == 0 and ran.stdout.split() == ["qual_c.1", "qual_d.1"], ran
