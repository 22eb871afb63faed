"""The text patterns that read an ALTER TABLE sqlglot cannot parse whole (and MariaDB's
system versioning and page compression options) read the statement's code only: the words of
a quoted string or a comment are no operation (fix-mysql55). Each case is judged by lockwise
and, where MariaDB can settle it, run on MariaDB 10.11."""

from __future__ import annotations

import re

import pytest

from lockwise.parse.mysql_code import code_only

SETUP = "CREATE TABLE t (id INT PRIMARY KEY, x INT, v VARCHAR(10));"


def operations(report) -> list[tuple[str, ...]]:
    return [a.facts["operations"] for s in report.statements for a in s.effect.actions
            if a.kind == "mysql_alter_table"]


def rules(report) -> set[str]:
    return {f.rule for f in report.all_findings}


def test_code_only_blanks_strings_and_comments_and_keeps_offsets() -> None:
    text = ("COMMENT = 'drop column x', ADD `q#` INT -- drop y\n"
            "DROP z # w\n/* FORCE */ \"it\\\"s\" 'a''b'")
    code = code_only(text)
    assert len(code) == len(text)
    assert code == ("COMMENT = '             ', ADD `q#` INT          \n"
                    "DROP z    \n            \"     \" '    '")


def test_a_string_left_open_is_blanked_to_the_end() -> None:
    assert code_only("COMMENT 'drop column x") == "COMMENT '             "


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_comment_saying_drop_column_drops_nothing(lint_change, dialect: str) -> None:
    report = lint_change("ALTER TABLE t COMMENT = 'drop column x', "
                         "CONVERT TO CHARACTER SET ucs2;", dialect)
    assert operations(report) == [("set_table_comment", "convert_character_set")]
    assert "drop-column" not in rules(report)


#: (the ALTER, its operations as lockwise reads them): each runs with ALGORITHM=INSTANT on
#: MariaDB 10.11 (a table comment and CHECKSUM are metadata).
INSTANT = [
    ("ALTER TABLE t COMMENT 'partition by hash(id)', CHECKSUM=1",
     ("set_table_comment", "alter_nothing")),
    ("ALTER TABLE t CHECKSUM=1, COMMENT 'ENGINE=MyISAM'", ("alter_nothing", "set_table_comment")),
    ("ALTER TABLE t CHECKSUM=1, COMMENT = 'force'", ("alter_nothing", "set_table_comment")),
    ("ALTER TABLE t CHECKSUM=1 /* DROP COLUMN x */", ("alter_nothing",)),
]


@pytest.mark.parametrize(("statement", "ops"), INSTANT)
def test_words_in_a_string_or_comment_are_no_operation(lint_change, statement: str,
                                                       ops: tuple[str, ...]) -> None:
    report = lint_change(statement + ";", "mariadb")
    assert operations(report) == [ops]
    assert not rules(report) & {"mysql-table-copy", "mysql-table-rebuild"}


@pytest.mark.parametrize(("statement", "ops"), INSTANT)
def test_mariadb_runs_them_instantly(mariadb, statement: str, ops: tuple[str, ...]) -> None:
    mariadb.fresh("codeonly", SETUP)
    ran = mariadb.run(f"{statement}, ALGORITHM=INSTANT", "codeonly")
    assert ran.returncode == 0, ran.stderr
    assert "`x`" in mariadb.run("SHOW CREATE TABLE t", "codeonly").stdout


#: (migration, whether MariaDB refuses its last statement with 4119).
VERSIONING = [
    ("CREATE TABLE v (id INT) COMMENT 'with system versioning';\n"
     "ALTER TABLE v ADD COLUMN c INT;", False),
    ("CREATE TABLE v (id INT) WITH SYSTEM VERSIONING;\n"
     "ALTER TABLE v COMMENT = 'drop system versioning', CHECKSUM=1;\n"
     "ALTER TABLE v ADD COLUMN c INT;", True),
]


@pytest.mark.parametrize(("migration", "refused"), VERSIONING)
def test_system_versioning_is_read_from_the_code(lint_change, migration: str,
                                                 refused: bool) -> None:
    report = lint_change(migration, "mariadb", setup="SELECT 1;")
    assert ("mariadb-system-versioned-alter" in rules(report)) is refused


@pytest.mark.parametrize(("migration", "refused"), VERSIONING)
def test_mariadb_reads_system_versioning_from_the_code(mariadb, migration: str,
                                                       refused: bool) -> None:
    mariadb.fresh("codeonly", "SELECT 1")
    *before, last = [s for s in migration.split(";\n") if s.strip()]
    for statement in before:
        assert mariadb.run(statement, "codeonly").returncode == 0
    error = re.search(r"ERROR (\d+)", mariadb.run(last, "codeonly").stderr)
    assert (error is not None and error.group(1) == "4119") is refused
