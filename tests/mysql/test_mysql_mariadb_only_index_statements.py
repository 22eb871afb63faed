"""MariaDB's ALTER IGNORE TABLE, CREATE OR REPLACE INDEX and DROP INDEX IF EXISTS (photoprism's
MariaDB history writes all three) under --dialect mysql: MySQL has none of them (IGNORE left
ALTER TABLE in 5.7.4, WL#7395; the 8.0 / 8.4 manual's CREATE INDEX has no OR REPLACE and its
DROP INDEX no IF EXISTS), so each is a 1064 there; they linted as the statements without the
words. MariaDB 10.11 runs each (checked)."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE files (id INT PRIMARY KEY, a INT, b INT, KEY ka (a));"

CASES = [
    ("ALTER IGNORE TABLE files ADD COLUMN c INT", "IGNORE", "ALTER IGNORE TABLE"),
    ("CREATE OR REPLACE INDEX kb ON files (b)", "OR", "CREATE OR REPLACE INDEX"),
    ("CREATE OR REPLACE UNIQUE INDEX kb ON files (b)", "OR", "CREATE OR REPLACE INDEX"),
    ("DROP INDEX IF EXISTS ka ON files", "IF", "DROP INDEX IF EXISTS"),
]


@pytest.mark.parametrize(("sql", "word", "statement"), CASES)
def test_mysql_refuses(lint_change, sql: str, word: str, statement: str) -> None:
    (finding,) = [f for f in lint_change(f"{sql};").all_findings if f.rule == "parse-error"]
    assert f"MariaDB's {statement}; MySQL has" in finding.message
    assert f"near '{word} " in finding.message


@pytest.mark.parametrize(("sql", "word", "statement"), CASES)
def test_mariadb_reads_them(lint_change, sql: str, word: str, statement: str) -> None:
    rules = {f.rule for f in lint_change(f"{sql};", "mariadb").all_findings}
    assert "parse-error" not in rules


def test_names_are_not_the_words(lint_change) -> None:
    report = lint_change("ALTER TABLE files ADD COLUMN `ignore` INT;\n"
                         "CREATE INDEX `or` ON files (b);\nDROP INDEX `or` ON files;")
    assert "parse-error" not in {f.rule for f in report.all_findings}


@pytest.mark.parametrize(("sql", "word", "statement"), CASES)
def test_on_mariadb(mariadb, sql: str, word: str, statement: str) -> None:
    mariadb.fresh("mariadb_only_index", SETUP)
    assert mariadb.run(sql, "mariadb_only_index").returncode == 0
