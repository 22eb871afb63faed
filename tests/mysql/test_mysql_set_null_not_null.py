"""A column of a foreign key whose ON DELETE or ON UPDATE action is SET NULL cannot be made NOT
NULL: the server refuses the MODIFY / CHANGE with error 1830 (ER_FK_COLUMN_NOT_NULL, "Column
'u' cannot be NOT NULL: needed in a foreign key constraint 'f2' SET NULL"; checked on MariaDB
10.11 for ON DELETE and ON UPDATE, with foreign_key_checks on and off). It was reported as an
in-place rebuild that lets writes continue."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE users (id INT PRIMARY KEY);\n"
         "CREATE TABLE posts (id INT PRIMARY KEY, user_id INT, editor_id INT, owner_id INT,\n"
         "  CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL,\n"
         "  CONSTRAINT posts_editor FOREIGN KEY (editor_id) REFERENCES users (id)\n"
         "    ON DELETE CASCADE ON UPDATE SET NULL,\n"
         "  CONSTRAINT posts_owner FOREIGN KEY (owner_id) REFERENCES users (id)\n"
         "    ON DELETE CASCADE);")


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "column", "foreign_key"), [
    ("ALTER TABLE posts MODIFY user_id INT NOT NULL;", "user_id", "posts_user"),
    ("ALTER TABLE posts CHANGE editor_id editor_id INT NOT NULL;", "editor_id", "posts_editor"),
])
def test_a_set_null_column_made_not_null_is_refused(lint_change, sql: str, column: str,
                                                    foreign_key: str, dialect: str) -> None:
    found = lint_change(sql, dialect).all_findings
    assert [f.rule for f in found] == ["mysql-set-null-column-not-null"]
    assert f"needed in a foreign key constraint '{foreign_key}' SET NULL" in found[0].message
    assert column in found[0].message


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_column_of_another_foreign_key_can_be_made_not_null(lint_change, dialect: str) -> None:
    assert [f.rule for f in lint_change("ALTER TABLE posts MODIFY owner_id INT NOT NULL;",
                                        dialect).all_findings] == ["mysql-table-rebuild"]
