"""`SET sql_mode` with ANSI_QUOTES inside a migration (fix-mysql58): the statements after it
are read as the server reads them, a double-quoted text being a name (no parse error for
`CREATE TABLE "t"`), until a SET takes the mode away; the next migration starts at the
server's default again. Checked on MariaDB 10.11."""

from __future__ import annotations

import pytest

from lockwise.parse.mysql import ansi_quoted_names, parse_mysql

SETUP = "CREATE TABLE t (id INT PRIMARY KEY, v INT);\n"
ANSI = "SET sql_mode = CONCAT(@@sql_mode, ',ANSI_QUOTES');\n"
CHANGE = """CREATE TABLE "u" ("id" INT PRIMARY KEY, "n" VARCHAR(10) DEFAULT 'x "y"');
ALTER TABLE "t" ADD COLUMN "c" INT, ADD INDEX "t_c" ("c");
"""


def _rules(report) -> list[str]:
    return sorted(f.rule for f in report.all_findings)


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("set_mode", [
    ANSI, "SET SESSION sql_mode = 'ANSI';\n", "SET @@sql_mode = \"ANSI_QUOTES\";\n",
    "SET sql_mode = 'TRADITIONAL,ANSI_QUOTES';\n"])
def test_after_ansi_quotes_a_double_quoted_name_is_a_name(lint_change, dialect: str,
                                                          set_mode: str) -> None:
    report = lint_change(set_mode + CHANGE, dialect)
    assert "parse-error" not in _rules(report)
    kinds = [s.effect.actions[0].kind for s in report.statements]
    assert kinds[1:] == ["create_table", "mysql_alter_table"]
    alter = report.statements[2].effect.actions[0].facts
    assert alter["table"] == "t" and alter["operations"] == ("add_column_last", "add_index")


@pytest.mark.parametrize("before", [
    "",  # the server's default mode
    "SET GLOBAL sql_mode = 'ANSI_QUOTES';\n",  # new sessions only
    ANSI + "SET sql_mode = DEFAULT;\n",
    ANSI + "SET sql_mode = REPLACE(@@sql_mode, 'ANSI_QUOTES', '');\n",
])
def test_without_ansi_quotes_a_double_quoted_name_is_refused(lint_change, before: str
                                                             ) -> None:
    assert _rules(lint_change(before + CHANGE, "mariadb")).count("parse-error") == 2


def test_the_next_migration_starts_at_the_default_mode() -> None:
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    reports = lint_migrations([migration_from_text(SETUP, "1_a.sql"),
                               migration_from_text(ANSI, "2_b.sql"),
                               migration_from_text(CHANGE, "3_c.sql")],
                              LintOptions(dialect="mariadb"))
    assert _rules(reports[2]).count("parse-error") == 2


def test_spans_and_strings_are_kept() -> None:
    text = ANSI + CHANGE
    (_, create, alter) = parse_mysql(text, "mariadb").statements
    assert create.sql.startswith('CREATE TABLE `u` (`id` INT') and "'x \"y\"'" in create.sql
    assert text[alter.span.start_offset:].startswith('ALTER TABLE "t"')


@pytest.mark.parametrize(("written", "read"), [
    ('SELECT "a" FROM "t"', "SELECT `a` FROM `t`"),
    ("SELECT 'it''s \"x\"', \"a\"", "SELECT 'it''s \"x\"', `a`"),
    ("SELECT 'a\\\\', \"n\"", "SELECT 'a\\\\', `n`"),
    ('SELECT "a""b" -- "c"\nFROM t /* "d" */', 'SELECT "a""b" -- "c"\nFROM t /* "d" */'),
    ('SELECT `x"y`, "z"', 'SELECT `x"y`, `z`'),
])
def test_ansi_quoted_names(written: str, read: str) -> None:
    assert ansi_quoted_names(written) == read


# --- checked on MariaDB ----------------------------------------------------------------------

def test_the_server_reads_them_as_names(mariadb) -> None:
    mariadb.fresh("ansiq", SETUP)
    ran = mariadb.run(ANSI + CHANGE + "SELECT COUNT(*) FROM information_schema.COLUMNS WHERE "
                      "TABLE_SCHEMA = 'ansiq' AND TABLE_NAME = 't' AND COLUMN_NAME = 'c'",
                      "ansiq", whole=True)
    assert ran.returncode == 0 and ran.stdout.split() == ["1"], ran.stderr
    mariadb.fresh("ansiq", SETUP)
    ran = mariadb.run(CHANGE, "ansiq", whole=True)
    assert "ERROR 1064" in ran.stderr
