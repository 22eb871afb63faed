"""No database selected (1046) for SHOW and the event statements (fix-mysql49; with DEFINER and a
view's options, fix-mysql50): after `USE shop; DROP DATABASE shop` the session has none, and
MariaDB 10.11 refuses SHOW [FULL] TABLES, SHOW TABLE STATUS, SHOW TRIGGERS, SHOW EVENTS
(without FROM db), SHOW COLUMNS / INDEX / CREATE of a bare name, CREATE, ALTER and DROP EVENT
[IF EXISTS] of a bare name, and ALTER EVENT d.e RENAME TO a bare name. The same with FROM d or
d.name runs (checked below)."""

from __future__ import annotations

import pytest

SETUP = """CREATE DATABASE shop;
CREATE DATABASE d;
USE shop;
CREATE TABLE t (id INT PRIMARY KEY);
CREATE TABLE d.t (id INT PRIMARY KEY);
CREATE EVENT d.e ON SCHEDULE EVERY 1 HOUR DO DELETE FROM d.t;
CREATE VIEW d.v AS SELECT 1 AS a;
"""
DROPPED = "USE shop;\nDROP DATABASE shop;\n"

#: (statement, what the finding's message says it names)
REFUSED = [
    ("SHOW TABLES", "SHOW TABLES lists the session's database"),
    ("SHOW FULL TABLES", "SHOW FULL TABLES lists the session's database"),
    ("SHOW TABLES LIKE 'x%'", "SHOW TABLES lists the session's database"),
    ("SHOW TABLE STATUS", "SHOW TABLE STATUS lists the session's database"),
    ("SHOW TRIGGERS", "SHOW TRIGGERS lists the session's database"),
    ("SHOW EVENTS", "SHOW EVENTS lists the session's database"),
    ("SHOW COLUMNS FROM t", "SHOW COLUMNS FROM names t without its database"),
    ("SHOW CREATE TABLE t", "SHOW CREATE TABLE names t without its database"),
    ("SHOW INDEX FROM t", "SHOW INDEX names t without its database"),
    ("SHOW CREATE EVENT e", "SHOW CREATE EVENT names e without its database"),
    ("DROP EVENT e", "DROP EVENT names e without its database"),
    ("DROP EVENT IF EXISTS e", "DROP EVENT names e without its database"),
    ("CREATE EVENT e ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
     "CREATE EVENT names e without its database"),
    ("ALTER EVENT e DISABLE", "ALTER EVENT names e without its database"),
    ("ALTER EVENT d.e RENAME TO e2", "ALTER EVENT names e2 without its database"),
]
RUNS = [
    "SHOW TABLES FROM d",
    "SHOW TABLE STATUS IN d",
    "SHOW EVENTS FROM d",
    "SHOW COLUMNS FROM t FROM d",
    "SHOW CREATE TABLE d.t",
    "SHOW CREATE DATABASE d",
    "SHOW OPEN TABLES",
    "ALTER EVENT d.e DISABLE",
    "ALTER EVENT d.e RENAME TO d.e2",
    "DROP EVENT IF EXISTS d.gone",
    "CREATE EVENT d.e3 ON SCHEDULE EVERY 1 HOUR DO DELETE FROM t",
]


# fix-mysql50: a view or stored program written with its options (DEFINER = user, a view's
# ALGORITHM = x and SQL SECURITY x) is named by its kind ("CREATE EVENT", where the words
# stopped at DEFINER), and such a view, which sqlglot keeps as a command, is read as the view.
#: (statement, what the finding's message says it names)
DEFINER_REFUSED = [
    ("CREATE DEFINER=u EVENT e ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
     "CREATE EVENT names e"),
    ("CREATE DEFINER=`u`@`%` EVENT e ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
     "CREATE EVENT names e"),
    ("CREATE DEFINER = 'u'@'%' EVENT IF NOT EXISTS e ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
     "CREATE EVENT names e"),
    ("CREATE OR REPLACE DEFINER=CURRENT_USER EVENT e ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
     "CREATE OR REPLACE EVENT names e"),
    ("CREATE DEFINER=CURRENT_USER() PROCEDURE p() SELECT 1", "CREATE PROCEDURE names p"),
    ("CREATE DEFINER=u FUNCTION f() RETURNS INT RETURN 1", "CREATE FUNCTION names f"),
    ("CREATE DEFINER=u AGGREGATE FUNCTION f() RETURNS INT RETURN 1",
     "CREATE AGGREGATE FUNCTION names f"),
    ("CREATE DEFINER=u TRIGGER tr BEFORE INSERT ON d.t FOR EACH ROW SET @x = 1",
     "CREATE TRIGGER names tr"),
    ("ALTER DEFINER=u EVENT e DISABLE", "ALTER EVENT names e"),
    ("CREATE DEFINER=u VIEW v AS SELECT 1", "CREATE VIEW names v"),
    ("CREATE DEFINER=u SQL SECURITY INVOKER VIEW v AS SELECT 1", "CREATE VIEW names v"),
    ("CREATE SQL SECURITY DEFINER VIEW v AS SELECT 1", "CREATE VIEW names v"),
    ("CREATE ALGORITHM=MERGE VIEW v AS SELECT 1", "CREATE VIEW names v"),
    ("CREATE ALGORITHM = TEMPTABLE DEFINER=u SQL SECURITY INVOKER VIEW v AS SELECT 1",
     "CREATE VIEW names v"),
    ("CREATE OR REPLACE ALGORITHM=UNDEFINED DEFINER=u SQL SECURITY DEFINER VIEW v AS SELECT 1",
     "CREATE OR REPLACE VIEW names v"),
    ("CREATE DEFINER=u VIEW d.v2 AS SELECT * FROM t", "CREATE VIEW names t"),
    ("ALTER DEFINER=u VIEW v AS SELECT 1", "ALTER VIEW names v"),
    ("ALTER ALGORITHM=MERGE DEFINER=u SQL SECURITY INVOKER VIEW v AS SELECT 1",
     "ALTER VIEW names v"),
    ("ALTER SQL SECURITY INVOKER VIEW v AS SELECT 1", "ALTER VIEW names v"),
]
DEFINER_RUNS = [
    "CREATE DEFINER=u EVENT d.e9 ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
    "CREATE DEFINER=u PROCEDURE d.p() SELECT 1",
    "CREATE DEFINER=u VIEW d.v2 AS SELECT 1",
    "CREATE ALGORITHM=MERGE DEFINER=u SQL SECURITY INVOKER VIEW d.v3 AS SELECT 1",
    "ALTER ALGORITHM=MERGE DEFINER=u SQL SECURITY INVOKER VIEW d.v AS SELECT 2 AS a",
    # a trigger's bare table is looked up in the trigger's database (d.t)
    "CREATE DEFINER=u TRIGGER d.tr BEFORE INSERT ON t FOR EACH ROW SET @x = 1",
    "CREATE TRIGGER d.tr BEFORE INSERT ON t FOR EACH ROW SET @x = 1",
]

# fix-mysql51: the DEFINER clause is read by one pattern (parse/mysql_blocks.py DEFINER) that
# takes a quoted user with spaces, quotes or @ inside, CURRENT_USER [( )] and MariaDB's
# CURRENT_ROLE; MariaDB 10.11 refuses each statement below with 1046 (each user spelling read).
#: The user spellings MariaDB 10.11 reads as a DEFINER.
DEFINER_USERS = [
    "'my user'@'%'", "`a b`@`localhost`", "\"my user\"@\"%\"", "'my user'", "`a b`",
    "'it''s'@'%'", "'a\\'b'@'%'", "`a``b`@`%`", "'a@b'@'%'", "''@'%'", "u@`my host`",
    "'u'@localhost", "'u' @'%'", "u @localhost", "u@h.example.com", "CURRENT_USER()",
    "CURRENT_USER ( )", "CURRENT_ROLE", "CURRENT_ROLE()",
]
#: (statement with {user}, what the finding's message says it names)
DEFINER_FORMS = [
    ("CREATE DEFINER = {user} EVENT e ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
     "CREATE EVENT names e"),
    ("CREATE DEFINER = {user} PROCEDURE p() SELECT 1", "CREATE PROCEDURE names p"),
    ("CREATE DEFINER={user} AGGREGATE FUNCTION f() RETURNS INT RETURN 1",
     "CREATE AGGREGATE FUNCTION names f"),
    ("ALTER DEFINER = {user} EVENT e DISABLE", "ALTER EVENT names e"),
    ("CREATE DEFINER = {user} VIEW v AS SELECT 1", "CREATE VIEW names v"),
]
QUOTED_DEFINER_REFUSED = [(form.format(user=user), named)
                          for user in DEFINER_USERS for form, named in DEFINER_FORMS]
#: (a DEFINER MariaDB 10.11 does not read, the text its 1064 is near): a space after the @, a
#: host after CURRENT_USER, a - in an unquoted host.
DEFINER_NOT_USERS = [("'u' @ '%'", "'%'"), ("u @ localhost", "localhost"),
                     ("u@ localhost", "localhost"), ("CURRENT_USER()@'%'", "@'%'"),
                     ("CURRENT_USER @h", "@h"), ("u@my-host", "-host")]
DEFINER_SYNTAX_ERRORS = [(form.format(user=user), near)
                         for user, near in DEFINER_NOT_USERS for form, _ in DEFINER_FORMS]


def _refusals(report) -> list[str]:
    return [f.message for f in report.all_findings if f.rule == "mysql-no-database-selected"]


@pytest.mark.parametrize("dialect", ["mariadb", "mysql"])
@pytest.mark.parametrize(("sql", "named"), REFUSED)
def test_it_is_refused(lint_change, sql: str, named: str, dialect: str) -> None:
    (message,) = _refusals(lint_change(f"{DROPPED}{sql};", dialect))
    assert message.startswith(f"{named}: DROP DATABASE shop dropped"), message
    assert '(error 1046: "No database selected")' in message


@pytest.mark.parametrize("sql", RUNS)
def test_a_named_database_is_not_refused(lint_change, sql: str) -> None:
    assert _refusals(lint_change(f"{DROPPED}{sql};", "mariadb")) == []


@pytest.mark.parametrize("sql", [sql for sql, _ in REFUSED])
def test_a_selected_database_is_not_refused(lint_change, sql: str) -> None:
    assert _refusals(lint_change(f"USE shop;\n{sql};", "mariadb")) == []


@pytest.mark.parametrize(("sql", "named"), DEFINER_REFUSED)
def test_it_is_refused_with_its_kind(lint_change, sql: str, named: str) -> None:
    (message,) = _refusals(lint_change(f"{DROPPED}{sql};", "mariadb"))
    assert message.startswith(f"{named} without its database: DROP DATABASE shop dropped"), \
        message


@pytest.mark.parametrize("sql", DEFINER_RUNS)
def test_a_named_database_with_options_is_not_refused(lint_change, sql: str) -> None:
    assert _refusals(lint_change(f"{DROPPED}{sql};", "mariadb")) == []


@pytest.mark.parametrize("sql", [sql for sql, _ in DEFINER_REFUSED if "VIEW" in sql])
@pytest.mark.parametrize("dialect", ["mariadb", "mysql"])
def test_a_view_with_options_is_no_parse_error(lint_change, sql: str, dialect: str) -> None:
    """`CREATE ALGORITHM=UNDEFINED DEFINER=... VIEW` is how mysqldump writes a view; `ALTER
    ALGORITHM=MERGE VIEW` was a 1064 (its first option's word was not read as one)."""
    report = lint_change(f"USE shop;\nCREATE VIEW v AS SELECT 1 AS a;\n{sql};", dialect)
    assert [f for f in report.all_findings if f.rule == "parse-error"] == []


@pytest.mark.parametrize(("sql", "named"), QUOTED_DEFINER_REFUSED)
@pytest.mark.parametrize("dialect", ["mariadb", "mysql"])
def test_a_quoted_definer_is_read(lint_change, sql: str, named: str, dialect: str) -> None:
    """`DEFINER = 'my user'@'%'` was read up to its space, and the statement was not read."""
    report = lint_change(f"{DROPPED}{sql};", dialect)
    (message,) = _refusals(report)
    assert message.startswith(f"{named} without its database: DROP DATABASE shop dropped"), \
        message
    assert [f for f in report.all_findings if f.rule == "parse-error"] == []


@pytest.mark.parametrize(("sql", "near"), DEFINER_SYNTAX_ERRORS)
def test_a_definer_the_server_cannot_read_is_a_parse_error(lint_change, sql: str, near: str
                                                           ) -> None:
    """A space after the @ is a 1064 where the server stops, not a DEFINER read up to it."""
    report = lint_change(f"USE shop;\n{sql};", "mariadb")
    (error,) = [f.message for f in report.all_findings if f.rule == "parse-error"]
    assert f"error 1064 near '{near}" in error, error


# fix-mysql52: a DEFINER clause with comments in it or around it, and the unquoted users the
# server reads. MariaDB 10.11 skips a comment wherever a space may be (`CREATE /* x */ DEFINER
# /* x */ = /* x */ u /* x */ @h -- x` then the kind), but not after the @ (1064, as a space
# there); an unquoted user is letters, digits, _ and $, never a number (`app-user`, `a.b`,
# `123`, `1e5x`, `0x41` are 1064 near it; `$u`, `12ab`, `1e`, `0X41` are users). The server
# checks run with the comments sent (the client drops them otherwise).

#: A DEFINER clause, with comments, that MariaDB 10.11 reads.
COMMENTED_DEFINERS = [
    "DEFINER /* x */ = u@h", "DEFINER = /* x */ u@h", "DEFINER=u /* x */ @h",
    "DEFINER=u/* x */@h", "DEFINER = u@h /* x */", "DEFINER=u@h -- x\n", "DEFINER=u@h # x\n",
    "DEFINER=u@h--\n", "DEFINER=u@h/* x */", "DEFINER=CURRENT_USER /* x */ ( )",
    "DEFINER=CURRENT_USER/* x */", "DEFINER = 'my user' -- x\n @'%'",
    "DEFINER=$u@h$", "DEFINER=12ab", "DEFINER=1e", "DEFINER=0X41", "DEFINER=u@1.",
]
#: (statement with {definer}, what the finding's message says it names); a comment before
#: the clause too.
COMMENTED_FORMS = [
    ("CREATE /* x */ {definer} EVENT e ON SCHEDULE EVERY 1 HOUR DO SELECT 1",
     "CREATE EVENT names e"),
    ("CREATE {definer} PROCEDURE p() SELECT 1", "CREATE PROCEDURE names p"),
    ("CREATE/* x */{definer} AGGREGATE FUNCTION f() RETURNS INT RETURN 1",
     "CREATE AGGREGATE FUNCTION names f"),
    ("ALTER -- x\n {definer} EVENT e DISABLE", "ALTER EVENT names e"),
    ("CREATE {definer} VIEW v AS SELECT 1", "CREATE VIEW names v"),
    ("CREATE ALGORITHM /* x */ = MERGE {definer} SQL /* x */ SECURITY INVOKER VIEW v "
     "AS SELECT 1", "CREATE VIEW names v"),
]
COMMENTED_REFUSED = [(form.format(definer=definer), named)
                     for definer in COMMENTED_DEFINERS for form, named in COMMENTED_FORMS]
#: Each form again, with its object in another database: it runs (an aggregate function's
#: body would need a FETCH GROUP NEXT ROW).
COMMENTED_RUNS = [
    form.format(definer=definer).replace(" e ON", " d.e2 ON").replace(" e DISABLE", " d.e DISABLE")
    .replace(" p(", " d.p(").replace(" v ", " d.v9 ")
    for definer in COMMENTED_DEFINERS[:3] for form, _ in COMMENTED_FORMS if "AGGREGATE" not in form]
#: (a DEFINER clause MariaDB 10.11 does not read, the text its 1064 is near).
DEFINER_NOT_READ = [
    ("DEFINER=app-user@'%'", "-user@'%'"), ("DEFINER=a.b", ".b"), ("DEFINER=a.b@h", ".b@h"),
    ("DEFINER=u@/* x */h", "h"), ("DEFINER=u@h--x\n", "--x"), ("DEFINER=123", "123"),
    ("DEFINER=123@h", "123@h"), ("DEFINER=1e5x", "1e5x"), ("DEFINER=1.5", "1.5"),
    ("DEFINER=0x41", "0x41"), ("DEFINER=0b1", "0b1"),
]
COMMENTED_SYNTAX_ERRORS = [(form.format(definer=definer), near)
                           for definer, near in DEFINER_NOT_READ for form, _ in COMMENTED_FORMS[:2]]
#: A trigger's body with ALTER EVENT written with comments: it commits (1422).
COMMITTING_BODIES = [
    "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW ALTER /* x */ DEFINER = u EVENT e "
    "DISABLE",
    "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW ALTER -- x\n EVENT e DISABLE",
]


def _errors(report) -> list[str]:
    return [f.message for f in report.all_findings if f.rule == "parse-error"]


@pytest.mark.parametrize(("sql", "named"), COMMENTED_REFUSED)
@pytest.mark.parametrize("dialect", ["mariadb", "mysql"])
def test_a_definer_with_comments_is_read(lint_change, sql: str, named: str, dialect: str
                                         ) -> None:
    """It was a parse-error at the comment, or a statement named "CREATE" without its kind."""
    report = lint_change(f"{DROPPED}{sql};", dialect)
    (message,) = _refusals(report)
    assert message.startswith(f"{named} without its database: DROP DATABASE shop dropped"), \
        message
    assert _errors(report) == []


@pytest.mark.parametrize("sql", COMMENTED_RUNS)
def test_a_definer_with_comments_and_a_named_database_is_not_refused(lint_change, sql: str
                                                                     ) -> None:
    report = lint_change(f"{DROPPED}{sql};", "mariadb")
    assert _refusals(report) == [] and _errors(report) == []


@pytest.mark.parametrize(("sql", "near"), COMMENTED_SYNTAX_ERRORS)
def test_an_unquoted_user_the_server_cannot_read_is_a_parse_error(lint_change, sql: str, near: str
                                                           ) -> None:
    """Where the server stops: a number for a user, a character no unquoted name holds."""
    report = lint_change(f"USE shop;\n{sql};", "mariadb")
    (error,) = _errors(report)
    assert f"error 1064 near '{near}" in error, error
    assert "quote a user or host that holds other characters" in error


@pytest.mark.parametrize("sql", COMMITTING_BODIES)
def test_alter_event_with_comments_commits_in_a_trigger(lint_change, sql: str) -> None:
    report = lint_change(f"USE shop;\n{sql};", "mariadb")
    assert [f.rule for f in report.all_findings] == ["mysql-program-commits"]


# --- checked on MariaDB ----------------------------------------------------------------------

def _fresh(mariadb) -> None:
    assert mariadb.run("DROP DATABASE IF EXISTS shop; DROP DATABASE IF EXISTS d", "mysql"
                       ).returncode == 0
    assert mariadb.run(SETUP, "mysql").returncode == 0


@pytest.mark.parametrize(("sql", "named"),
                         REFUSED + DEFINER_REFUSED + QUOTED_DEFINER_REFUSED)
def test_mariadb_refuses_it(mariadb, sql: str, named: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"DROP DATABASE shop; {sql}", "shop")
    assert "ERROR 1046" in ran.stderr, (sql, ran.stderr)


@pytest.mark.parametrize("sql", RUNS + DEFINER_RUNS)
def test_mariadb_runs_it(mariadb, sql: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"DROP DATABASE shop; {sql}", "shop")
    assert ran.returncode == 0, (sql, ran.stderr)


@pytest.mark.parametrize(("sql", "near"), DEFINER_SYNTAX_ERRORS)
def test_mariadb_cannot_read_the_definer(mariadb, sql: str, near: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(sql, "shop")
    assert "ERROR 1064" in ran.stderr and f"near '{near}" in ran.stderr, (sql, ran.stderr)


@pytest.mark.parametrize(("sql", "named"), COMMENTED_REFUSED)
def test_mariadb_reads_a_definer_with_comments(mariadb, sql: str, named: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"DROP DATABASE shop; {sql}", "shop", whole=True, comments=True)
    assert "ERROR 1046" in ran.stderr, (sql, ran.stderr)


@pytest.mark.parametrize("sql", COMMENTED_RUNS)
def test_mariadb_runs_a_definer_with_comments(mariadb, sql: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"DROP DATABASE shop; {sql}", "shop", whole=True, comments=True)
    assert ran.returncode == 0, (sql, ran.stderr)


@pytest.mark.parametrize(("sql", "near"), COMMENTED_SYNTAX_ERRORS)
def test_mariadb_cannot_read_the_unquoted_user(mariadb, sql: str, near: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(sql, "shop", whole=True, comments=True)
    assert "ERROR 1064" in ran.stderr and f"near '{near}" in ran.stderr, (sql, ran.stderr)


@pytest.mark.parametrize("sql", COMMITTING_BODIES)
def test_mariadb_refuses_the_trigger(mariadb, sql: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(sql, "shop", whole=True, comments=True)
    assert "ERROR 1422" in ran.stderr, (sql, ran.stderr)
