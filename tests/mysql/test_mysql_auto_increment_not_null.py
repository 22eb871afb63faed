"""An AUTO_INCREMENT column is NOT NULL whatever its definition says: `CHANGE COLUMN c c INT
UNSIGNED AUTO_INCREMENT` of a NOT NULL column keeps it NOT NULL (SHOW CREATE TABLE after it,
checked on MariaDB 10.11), and a nullable one becomes NOT NULL. The change was reported as
"make_column_nullable, make_column_auto_increment". Found in ory/hydra's
`20211004110001000000_change_client_primary_key.mysql.up.sql`, which moves the primary key to
a new column and makes the old one AUTO_INCREMENT again."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE clients (pk CHAR(36) NOT NULL PRIMARY KEY, old_pk INT UNSIGNED NOT NULL,\n"
         "  spare INT UNSIGNED, KEY (old_pk), KEY (spare));\n"
         "INSERT INTO clients VALUES ('a', 1, NULL);")


def _operations(report) -> list[str]:
    return [op for s in report.statements for a in s.effect.actions
            if a.kind == "mysql_alter_table" for op in a.facts["operations"]]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_auto_increment_keeps_the_column_not_null(lint_change, dialect: str) -> None:
    report = lint_change("ALTER TABLE clients CHANGE COLUMN old_pk old_pk INT UNSIGNED "
                         "AUTO_INCREMENT;", dialect)
    assert _operations(report) == ["make_column_auto_increment"]
    assert "make_column_nullable" not in " ".join(f.message for f in report.all_findings)


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_auto_increment_makes_a_nullable_column_not_null(lint_change, dialect: str) -> None:
    report = lint_change("ALTER TABLE clients MODIFY spare INT UNSIGNED AUTO_INCREMENT;",
                         dialect, setup=SETUP.replace("KEY (old_pk), ", ""))
    assert "make_column_not_null" in _operations(report)


def test_a_created_auto_increment_column_is_not_null(lint_change) -> None:
    setup = "CREATE TABLE c (id INT AUTO_INCREMENT, KEY (id));\nINSERT INTO c VALUES (1);"
    report = lint_change("ALTER TABLE c MODIFY id INT AUTO_INCREMENT;", setup=setup)
    assert _operations(report) == ["metadata_only"]  # no change: NOT NULL before and after


def test_on_mariadb(mariadb) -> None:
    mariadb.fresh("auto_not_null", SETUP)
    assert mariadb.run("ALTER TABLE clients CHANGE COLUMN old_pk old_pk INT UNSIGNED "
                       "AUTO_INCREMENT, MODIFY spare INT UNSIGNED AUTO_INCREMENT",
                       "auto_not_null").returncode != 0  # only one AUTO_INCREMENT column
    for column in ("old_pk", "spare"):
        assert mariadb.run(f"ALTER TABLE clients MODIFY {column} INT UNSIGNED AUTO_INCREMENT",
                           "auto_not_null").returncode == 0
        shown = mariadb.run("SHOW CREATE TABLE clients", "auto_not_null").stdout
        assert f"`{column}` int(10) unsigned NOT NULL AUTO_INCREMENT" in shown
        assert mariadb.run(f"ALTER TABLE clients MODIFY {column} INT UNSIGNED",
                           "auto_not_null").returncode == 0
