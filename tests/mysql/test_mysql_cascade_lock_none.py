"""LOCK=NONE on a table with cascading foreign keys. MySQL's manual, "Online DDL Limitations"
(17.12.8 in 8.4, 15.12.8 in 8.0): "The ALTER TABLE clause LOCK=NONE is not permitted if there
are ON...CASCADE or ON...SET NULL constraints on the table." MariaDB 10.11 accepts it (checked:
ADD COLUMN, ADD INDEX and FORCE with ALGORITHM=INPLACE, LOCK=NONE on a child with ON DELETE
CASCADE, and with ON UPDATE SET NULL). ADD FOREIGN KEY with ALGORITHM=INPLACE needs
foreign_key_checks=0 on both ("Foreign Key Operations": "The INPLACE algorithm is supported
when foreign_key_checks is disabled. Otherwise, only the COPY algorithm is supported")."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE users (id INT PRIMARY KEY);\n"
         "CREATE TABLE posts (id INT PRIMARY KEY, user_id INT, n INT,\n"
         "  CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE);\n"
         "CREATE TABLE edits (id INT PRIMARY KEY, user_id INT, n INT,\n"
         "  CONSTRAINT edits_user FOREIGN KEY (user_id) REFERENCES users (id)\n"
         "    ON UPDATE SET NULL);\n"
         "CREATE TABLE likes (id INT PRIMARY KEY, user_id INT, n INT,\n"
         "  CONSTRAINT likes_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE RESTRICT);")


def rules(report) -> list[str]:
    return [f.rule for f in report.all_findings]


@pytest.mark.parametrize(("sql", "foreign_key"), [
    ("ALTER TABLE posts ADD COLUMN x INT, ALGORITHM=INPLACE, LOCK=NONE;", "posts_user"),
    ("ALTER TABLE posts ADD INDEX posts_n (n), LOCK=NONE;", "posts_user"),
    ("ALTER TABLE edits FORCE, ALGORITHM=INPLACE, LOCK=NONE;", "edits_user"),
])
def test_mysql_refuses_lock_none_on_a_table_with_cascading_foreign_keys(
        lint_change, sql: str, foreign_key: str) -> None:
    found = lint_change(sql).all_findings
    assert [f.rule for f in found if f.rule == "mysql-lock-not-supported"] == \
        ["mysql-lock-not-supported"]
    refused = next(f for f in found if f.rule == "mysql-lock-not-supported")
    assert foreign_key in refused.message and "CASCADE" in refused.message
    assert "LOCK=NONE" not in refused.instead.split("\n")[-1]


@pytest.mark.parametrize("sql", [
    "ALTER TABLE posts ADD COLUMN x INT, ALGORITHM=INPLACE, LOCK=NONE;",
    "ALTER TABLE edits FORCE, ALGORITHM=INPLACE, LOCK=NONE;",
])
def test_mariadb_takes_lock_none_there(lint_change, sql: str) -> None:
    assert "mysql-lock-not-supported" not in rules(lint_change(sql, "mariadb"))


@pytest.mark.parametrize("sql", [
    # RESTRICT cascades nothing; the referenced table holds no such constraint
    "ALTER TABLE likes ADD INDEX likes_n (n), LOCK=NONE;",
    "ALTER TABLE users ADD COLUMN x INT, ALGORITHM=INPLACE, LOCK=NONE;",
    # LOCK=SHARED and no LOCK clause are taken
    "ALTER TABLE posts ADD INDEX posts_n (n), LOCK=SHARED;",
    "ALTER TABLE posts ADD INDEX posts_n (n);",
])
def test_other_tables_and_locks_are_taken(lint_change, sql: str) -> None:
    assert "mysql-lock-not-supported" not in rules(lint_change(sql))


def test_a_cascade_added_later_counts_and_a_dropped_one_does_not(lint_change) -> None:
    added = ("ALTER TABLE likes ADD CONSTRAINT likes_user2 FOREIGN KEY (n) REFERENCES users (id) "
             "ON UPDATE CASCADE;\n")
    assert "mysql-lock-not-supported" in rules(
        lint_change(added + "ALTER TABLE likes ADD INDEX likes_x (id, n), LOCK=NONE;"))
    dropped = "ALTER TABLE posts DROP FOREIGN KEY posts_user;\n"
    assert "mysql-lock-not-supported" not in rules(
        lint_change(dropped + "ALTER TABLE posts ADD INDEX posts_n (n), LOCK=NONE;"))


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_add_foreign_key_in_place_needs_the_checks_off(lint_change, dialect: str) -> None:
    sql = ("ALTER TABLE likes ADD CONSTRAINT likes_n FOREIGN KEY (n) REFERENCES users (id), "
           "ALGORITHM=INPLACE;")
    assert "mysql-algorithm-not-supported" in rules(lint_change(sql, dialect))
    assert "mysql-algorithm-not-supported" not in rules(
        lint_change("SET foreign_key_checks = 0;\n" + sql, dialect))
