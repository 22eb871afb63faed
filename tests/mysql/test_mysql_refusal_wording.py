"""What lockwise refuses on a server's behalf (SQL sqlglot reads but MySQL or MariaDB rejects:
parse/mysql.py's _refused_by_mysql) is said as the server says it, error 1064 quoting the
statement from where it stops, and named by the server, not by sqlglot's parser, which read
it. Checked on MariaDB 10.11 (its near text: the statement from there, 80 characters at most,
the first 77 and `...` when longer)."""

from __future__ import annotations

import re

import pytest

from lockwise.parse.mysql import parse_mysql

SETUP = "CREATE TABLE accounts (id INT PRIMARY KEY, email VARCHAR(100), n INT, KEY ix_n (n))"
#: Statements MariaDB refuses that sqlglot reads (a MySQL 8 functional key part, MySQL's
#: statements and clauses, PostgreSQL's cast, a version's missing syntax).
REFUSED = [
    "CREATE INDEX ix_email ON accounts ((lower(email)))",
    "DROP INDEX ix_n ON accounts ALGORITHM=INPLACE LOCK=NONE",
    "LOCK INSTANCE FOR BACKUP",
    # MariaDB reads a variable named PERSIST and stops after it
    "SET PERSIST max_connections = 500",
    "SET PERSIST_ONLY innodb_log_file_size = 1",
    "RESET PERSIST",
    "SELECT id::text FROM accounts",
    "CREATE TABLE places (spot POINT NOT NULL REF_SYSTEM_ID=4326)",
    "CREATE FROBNICATE widget",  # no statement: sqlglot keeps it as a command
    "CREATE INDEX ix_long ON accounts ((lower(email)), (upper(email)), (concat(email, 'a long "
    "suffix that the server cuts')))",
]
_NEAR = re.compile(r"ERROR 1064 \(42000\).* near '(.*)' at line 1", re.DOTALL)


@pytest.mark.parametrize("sql", REFUSED)
def test_a_refusal_is_the_servers_error_1064(mariadb, sql: str) -> None:
    """The server's near text, checked on 10.11, is the message's, named by MariaDB."""
    mariadb.run("DROP TABLE IF EXISTS accounts")
    assert mariadb.run(SETUP).returncode == 0
    refused = mariadb.run(sql)
    near = _NEAR.search(refused.stderr)
    assert refused.returncode != 0 and near is not None, refused.stderr
    (problem,) = parse_mysql(sql + ";", "mariadb").problems
    assert problem.by == "MariaDB", problem
    assert problem.message.startswith(f"error 1064 near '{near.group(1)}'"), problem.message


def test_lint_names_the_server_not_sqlglot(lint_change) -> None:
    """`--dialect mariadb` said "sqlglot's MySQL parser (reading MariaDB) rejects this SQL:
    syntax error at or near "(" (a functional key part ...)", blaming a parser that read it."""
    report = lint_change("CREATE INDEX ix_email ON accounts ((lower(email)));", "mariadb",
                         setup=SETUP + ";")
    (finding,) = [f for f in report.findings if f.rule == "parse-error"]
    assert finding.message.startswith("MariaDB rejects this SQL: error 1064 near "
                                      "'(lower(email)))' (a functional key part"), finding.message
    assert "sqlglot" not in finding.message
    assert (finding.span.line, finding.span.column) == (1, 36)  # the server's near


def test_mysql_refusals_name_mysql(lint_change) -> None:
    """Under --dialect mysql, what lockwise refuses for MySQL is MySQL's (error 1064 is its
    syntax error too), and sqlglot's own errors stay sqlglot's."""
    report = lint_change("SELECT id::text FROM accounts;", "mysql", setup=SETUP + ";")
    (finding,) = [f for f in report.findings if f.rule == "parse-error"]
    assert finding.message.startswith("MySQL rejects this SQL: error 1064 near '::text FROM "
                                      "accounts' (a PostgreSQL cast)."), finding.message
    report = lint_change("CREATE TABLE t (id INT;", "mysql", setup=SETUP + ";")
    (finding,) = [f for f in report.findings if f.rule == "parse-error"]
    assert finding.message.startswith("sqlglot's MySQL parser rejects this SQL: Expecting )"), \
        finding.message


#: MySQL's other spelling of SET PERSIST, which MariaDB reads and refuses when it runs (not a
#: syntax error: its own error, with no near text; checked on MariaDB 10.11).
PERSIST_VARIABLES = ["SET @@PERSIST.max_connections = 500",
                     "SET @@SESSION.sql_mode = '', @@persist_only.max_connections = 500",
                     "SET @@PERSIST.key_buffer_size = 8388608"]
_ERROR = re.compile(r"ERROR (\d+) \(HY000\) at line 1: (.*)")


@pytest.mark.parametrize("sql", PERSIST_VARIABLES)
def test_set_at_at_persist_is_worded_as_the_server_says_it(mariadb, sql: str) -> None:
    """`error 1272: "Variable ... component ..."`, as a rule's message quotes the server (it
    said `error 1272 at "@@PERSIST.max_connections": Variable ...`), at the variable."""
    refused = _ERROR.search(mariadb.run(sql).stderr)
    assert refused is not None
    (problem,) = parse_mysql(sql + ";", "mariadb").problems
    assert problem.by == "MariaDB", problem
    assert problem.message.startswith(
        f'error {refused.group(1)}: "{refused.group(2).strip()}" (MySQL\'s SET PERSIST; '), \
        problem.message
    assert sql[problem.span.column - 1:].upper().startswith("@@PERSIST")
