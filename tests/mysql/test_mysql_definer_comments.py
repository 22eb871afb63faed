"""A DEFINER clause with comments in it or around it, and the unquoted users the server reads
(fix-mysql52). MariaDB 10.11 skips a comment wherever a space may be (`CREATE /* x */ DEFINER
/* x */ = /* x */ u /* x */ @h -- x` then the kind), but not after the @ (1064, as a space
there); an unquoted user is letters, digits, _ and $, never a number (`app-user`, `a.b`, `123`,
`1e5x`, `0x41` are 1064 near it; `$u`, `12ab`, `1e`, `0X41` are users). Each form is linted
after `USE shop; DROP DATABASE shop` (1046 when read) and run on MariaDB below."""

from __future__ import annotations

import pytest

SETUP = """CREATE DATABASE shop;
CREATE DATABASE d;
USE shop;
CREATE TABLE t (id INT PRIMARY KEY);
CREATE TABLE d.t (id INT PRIMARY KEY);
CREATE EVENT d.e ON SCHEDULE EVERY 1 HOUR DO DELETE FROM d.t;
"""
DROPPED = "USE shop;\nDROP DATABASE shop;\n"

#: A DEFINER clause, with comments, that MariaDB 10.11 reads.
READ = [
    "DEFINER /* x */ = u@h", "DEFINER = /* x */ u@h", "DEFINER=u /* x */ @h",
    "DEFINER=u/* x */@h", "DEFINER = u@h /* x */", "DEFINER=u@h -- x\n", "DEFINER=u@h # x\n",
    "DEFINER=u@h--\n", "DEFINER=u@h/* x */", "DEFINER=CURRENT_USER /* x */ ( )",
    "DEFINER=CURRENT_USER/* x */", "DEFINER = 'my user' -- x\n @'%'",
    "DEFINER=$u@h$", "DEFINER=12ab", "DEFINER=1e", "DEFINER=0X41", "DEFINER=u@1.",
]
#: (statement with {definer}, what the finding's message says it names); a comment before
#: the clause too.
FORMS = [
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
REFUSED = [(form.format(definer=definer), named) for definer in READ for form, named in FORMS]
#: Each form again, with its object in another database: it runs (an aggregate function's
#: body would need a FETCH GROUP NEXT ROW).
RUNS = [form.format(definer=definer).replace(" e ON", " d.e2 ON")
        .replace(" e DISABLE", " d.e DISABLE").replace(" p(", " d.p(")
        .replace(" v ", " d.v ") for definer in READ[:3]
        for form, _ in FORMS if "AGGREGATE" not in form]
#: (a DEFINER clause MariaDB 10.11 does not read, the text its 1064 is near).
NOT_READ = [
    ("DEFINER=app-user@'%'", "-user@'%'"), ("DEFINER=a.b", ".b"), ("DEFINER=a.b@h", ".b@h"),
    ("DEFINER=u@/* x */h", "h"), ("DEFINER=u@h--x\n", "--x"), ("DEFINER=123", "123"),
    ("DEFINER=123@h", "123@h"), ("DEFINER=1e5x", "1e5x"), ("DEFINER=1.5", "1.5"),
    ("DEFINER=0x41", "0x41"), ("DEFINER=0b1", "0b1"),
]
SYNTAX_ERRORS = [(form.format(definer=definer), near)
                 for definer, near in NOT_READ for form, _ in FORMS[:2]]
#: A trigger's body with ALTER EVENT written with comments: it commits (1422).
COMMITTING = [
    "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW ALTER /* x */ DEFINER = u EVENT e "
    "DISABLE",
    "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW ALTER -- x\n EVENT e DISABLE",
]


def _refusals(report) -> list[str]:
    return [f.message for f in report.all_findings if f.rule == "mysql-no-database-selected"]


def _errors(report) -> list[str]:
    return [f.message for f in report.all_findings if f.rule == "parse-error"]


@pytest.mark.parametrize(("sql", "named"), REFUSED)
@pytest.mark.parametrize("dialect", ["mariadb", "mysql"])
def test_a_definer_with_comments_is_read(lint_change, sql: str, named: str, dialect: str
                                         ) -> None:
    """It was a parse-error at the comment, or a statement named "CREATE" without its kind."""
    report = lint_change(f"{DROPPED}{sql};", dialect)
    (message,) = _refusals(report)
    assert message.startswith(f"{named} without its database: DROP DATABASE shop dropped"), \
        message
    assert _errors(report) == []


@pytest.mark.parametrize("sql", RUNS)
def test_a_definer_with_comments_and_a_named_database_is_not_refused(lint_change, sql: str
                                                                     ) -> None:
    report = lint_change(f"{DROPPED}{sql};", "mariadb")
    assert _refusals(report) == [] and _errors(report) == []


@pytest.mark.parametrize(("sql", "near"), SYNTAX_ERRORS)
def test_a_definer_the_server_cannot_read_is_a_parse_error(lint_change, sql: str, near: str
                                                           ) -> None:
    """Where the server stops: a number for a user, a character no unquoted name holds."""
    report = lint_change(f"USE shop;\n{sql};", "mariadb")
    (error,) = _errors(report)
    assert f"error 1064 near '{near}" in error, error
    assert "quote a user or host that holds other characters" in error


@pytest.mark.parametrize("sql", COMMITTING)
def test_alter_event_with_comments_commits_in_a_trigger(lint_change, sql: str) -> None:
    report = lint_change(f"USE shop;\n{sql};", "mariadb")
    assert [f.rule for f in report.all_findings] == ["mysql-program-commits"]


# --- checked on MariaDB ----------------------------------------------------------------------

def _fresh(mariadb) -> None:
    assert mariadb.run("DROP DATABASE IF EXISTS shop; DROP DATABASE IF EXISTS d", "mysql"
                       ).returncode == 0
    assert mariadb.run(SETUP, "mysql").returncode == 0


@pytest.mark.parametrize(("sql", "named"), REFUSED)
def test_mariadb_reads_it(mariadb, sql: str, named: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"DROP DATABASE shop; {sql}", "shop", whole=True, comments=True)
    assert "ERROR 1046" in ran.stderr, (sql, ran.stderr)


@pytest.mark.parametrize("sql", RUNS)
def test_mariadb_runs_it(mariadb, sql: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(f"DROP DATABASE shop; {sql}", "shop", whole=True, comments=True)
    assert ran.returncode == 0, (sql, ran.stderr)


@pytest.mark.parametrize(("sql", "near"), SYNTAX_ERRORS)
def test_mariadb_cannot_read_the_definer(mariadb, sql: str, near: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(sql, "shop", whole=True, comments=True)
    assert "ERROR 1064" in ran.stderr and f"near '{near}" in ran.stderr, (sql, ran.stderr)


@pytest.mark.parametrize("sql", COMMITTING)
def test_mariadb_refuses_the_trigger(mariadb, sql: str) -> None:
    _fresh(mariadb)
    ran = mariadb.run(sql, "shop", whole=True, comments=True)
    assert "ERROR 1422" in ran.stderr, (sql, ran.stderr)
