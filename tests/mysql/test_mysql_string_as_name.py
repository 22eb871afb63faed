"""A quoted string where MySQL needs a name: SQLite's or PostgreSQL's double-quoted names
(`CREATE TABLE "t" ("id" ...)`) in a MySQL migration. sqlglot reads the string as the name,
so the statement linted as safe; both servers refuse it (error 1064 at the string) unless
sql_mode holds ANSI_QUOTES, which no server sets by default. Checked on MariaDB 10.11."""

from __future__ import annotations

import re

import pytest

from lockwise.parse.mysql import parse_mysql

SETUP = "CREATE TABLE members (id INT PRIMARY KEY, nick VARCHAR(40))"
#: (statement, the string the server stops at)
REFUSED = [
    ('CREATE TABLE IF NOT EXISTS "member_roles" (role_id INT)', '"member_roles"'),
    ('CREATE TABLE member_roles ("role_id" INT, "member_id" INT)', '"role_id"'),
    ("CREATE TABLE member_roles (role_id INT, 'member_id' INT)", "'member_id'"),
    ('ALTER TABLE "members" ADD COLUMN age INT', '"members"'),
    ('ALTER TABLE members ADD COLUMN "age" INT', '"age"'),
    ('DROP TABLE "members"', '"members"'),
    ('INSERT INTO members ("id", "nick") VALUES (1, "x")', '"id"'),
    ('UPDATE "members" SET nick = "x"', '"members"'),
    ('CREATE INDEX ix_nick ON "members" (nick)', '"members"'),
    ('ALTER TABLE members RENAME TO "member_list"', '"member_list"'),
    ("ALTER TABLE members RENAME AS 'member_list'", "'member_list'"),
    ('ALTER TABLE members CHANGE "nick" handle VARCHAR(40)', '"nick"'),
    ('ALTER TABLE members CHANGE COLUMN "nick" handle VARCHAR(40)', '"nick"'),
    ('ALTER TABLE members RENAME "member_list"', '"member_list"'),
    ('ALTER TABLE members RENAME COLUMN nick TO "handle"', '"handle"'),
    # RENAME TABLE's names, old and new, the first pair's and the next ones'
    ('RENAME TABLE members TO "member_list"', '"member_list"'),
    ("RENAME TABLE members TO 'member_list'", "'member_list'"),
    ('RENAME TABLE "members" TO member_list', '"members"'),
    ('RENAME TABLE members TO member_list, "member_list" TO members',
     '"member_list" TO members'),
    ('RENAME TABLE members TO member_list, member_list TO "members"', '"members"'),
]
#: Strings where MySQL takes a string: a value, a comment, a default; still read.
READ = [
    'INSERT INTO members (id, nick) VALUES (1, "x")',
    'UPDATE members SET nick = "x" WHERE nick = "y"',
    "ALTER TABLE members ADD COLUMN note VARCHAR(20) DEFAULT 'none' COMMENT \"a note\"",
    'CREATE TABLE member_roles (role_id INT) COMMENT "roles"',
    'SELECT "id" FROM members',
    'ALTER TABLE members RENAME TO member_list',
    "ALTER TABLE members CHANGE nick handle VARCHAR(40) COMMENT 'to'",
    "RENAME TABLE members TO member_list, member_list TO members",
]
_NEAR = re.compile(r"ERROR 1064 \(42000\).* near '(.*)' at line 1", re.DOTALL)


@pytest.mark.parametrize(("sql", "at"), REFUSED)
def test_a_string_as_a_name_is_refused_where_the_server_stops(mariadb, sql: str,
                                                              at: str) -> None:
    """Each refused on 10.11 with its near text starting at the string; lockwise says so."""
    mariadb.run("DROP TABLE IF EXISTS members, member_roles, member_list")
    assert mariadb.run(SETUP).returncode == 0
    refused = mariadb.run(sql)
    near = _NEAR.search(refused.stderr)
    assert refused.returncode != 0 and near is not None, refused.stderr
    assert near.group(1).startswith(at)
    for dialect in ("mysql", "mariadb"):
        (problem,) = parse_mysql(sql + ";", dialect).problems
        assert problem.message.startswith(f"error 1064 near '{near.group(1)}'"), problem
        assert "ANSI_QUOTES" in problem.message and "backquotes" in problem.message
        assert problem.span.column == sql.index(at) + 1


@pytest.mark.parametrize("sql", READ)
def test_a_string_where_a_value_goes_is_read(mariadb, sql: str) -> None:
    mariadb.run("DROP TABLE IF EXISTS members, member_roles, member_list")
    assert mariadb.run(SETUP).returncode == 0
    ran = mariadb.run(sql)
    assert ran.returncode == 0, ran.stderr
    assert parse_mysql(sql + ";", "mysql").problems == []


def test_a_sqlite_table_in_a_mysql_migration_is_a_parse_error(lint_change) -> None:
    """A goose migration written for SQLite in a project's MySQL folder linted safe."""
    report = lint_change('CREATE TABLE IF NOT EXISTS "member_roles" (\n'
                         '    "id" integer primary key autoincrement,\n'
                         '    "member_id" integer\n);')
    (finding,) = [f for f in report.findings if f.rule == "parse-error"]
    assert finding.message.startswith("MySQL rejects this SQL: error 1064 near "
                                      "'\"member_roles\" ("), finding.message
    assert (finding.span.line, finding.span.column) == (1, 28)
