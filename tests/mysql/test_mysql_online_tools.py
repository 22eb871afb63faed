"""The online schema change tool a MySQL finding suggests must be one that runs on the table.
gh-ost supports no foreign keys: it bails out on a table that has one or that another table's
references ("Foreign keys not supported", gh-ost's docs/requirements-and-limitations.md;
go/logic/inspect.go, "Child-side foreign keys are not supported. Bailing out" and
"Parent-side foreign keys are not supported"). pt-online-schema-change copies a table's own
foreign keys, and needs `--alter-foreign-keys-method` when other tables reference it (it
exits otherwise: "You did not specify --alter-foreign-keys-method, but there are foreign keys
that reference the table")."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE users (id INT PRIMARY KEY, name VARCHAR(50), n INT);\n"
         "CREATE TABLE posts (id INT PRIMARY KEY, user_id INT, n INT, body TEXT,\n"
         "  CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id));\n"
         "CREATE TABLE tags (id INT PRIMARY KEY, n INT, post_id INT, body TEXT);")


def instead(report, rule: str) -> str:
    """The `instead` text of `rule`'s finding in `report`."""
    (finding,) = [f for f in report.all_findings if f.rule == rule]
    return finding.instead


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_table_without_foreign_keys_gets_both_tools(lint_change, dialect: str) -> None:
    text = instead(lint_change("ALTER TABLE tags MODIFY n BIGINT;", dialect), "mysql-table-copy")
    assert "gh-ost --database=<db> --table=tags --alter='MODIFY n BIGINT' --execute" in text
    assert "pt-online-schema-change --alter 'MODIFY n BIGINT' D=<db>,t=tags --execute" in text


@pytest.mark.parametrize(("sql", "rule"), [
    ("ALTER TABLE posts MODIFY n BIGINT;", "mysql-table-copy"),  # its own foreign key
    ("ALTER TABLE posts ADD FULLTEXT INDEX posts_body (body);", "mysql-blocks-writes"),
    ("ALTER TABLE tags ADD CONSTRAINT tags_post FOREIGN KEY (post_id) REFERENCES posts (id);",
     "mysql-table-copy"),  # the ALTER adds one
    ("ALTER TABLE posts MODIFY n BIGINT, LOCK=NONE;", "mysql-lock-not-supported"),
    ("ALTER TABLE posts MODIFY n BIGINT, ALGORITHM=INPLACE;", "mysql-algorithm-not-supported"),
])
def test_a_table_with_a_foreign_key_gets_no_gh_ost(lint_change, sql: str, rule: str) -> None:
    text = instead(lint_change(sql), rule)
    assert "gh-ost --" not in text
    assert "pt-online-schema-change --alter " in text
    assert "--alter-foreign-keys-method" not in text  # no table references it


@pytest.mark.parametrize(("sql", "rule"), [
    ("ALTER TABLE users MODIFY n BIGINT;", "mysql-table-copy"),
    ("ALTER TABLE users MODIFY n BIGINT, LOCK=NONE;", "mysql-lock-not-supported"),
])
def test_a_referenced_table_gets_pt_osc_with_a_foreign_keys_method(lint_change, sql: str,
                                                                  rule: str) -> None:
    text = instead(lint_change(sql), rule)
    assert "gh-ost --" not in text
    assert "pt-online-schema-change --alter 'MODIFY n BIGINT' " \
        "--alter-foreign-keys-method=auto D=<db>,t=users --execute" in text


# --- fix-mysql61: a table without a PRIMARY KEY or UNIQUE key --------------------------------
# gh-ost bails out ("No PRIMARY nor UNIQUE key found in table! Bailing out", go/logic/
# inspect.go); pt-online-schema-change needs one for its DELETE trigger ("does not have a
# PRIMARY KEY or a unique index which is required for the DELETE trigger"), and uses one the
# ALTER adds from existing columns (its --alter documentation).

KEYLESS = "CREATE TABLE logs (id INT NOT NULL, n INT, body TEXT);\n"


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_table_without_a_key_gets_neither_tool(lint_change, dialect: str) -> None:
    text = instead(lint_change("ALTER TABLE logs MODIFY n BIGINT;", dialect, setup=KEYLESS),
                   "mysql-table-copy")
    assert "gh-ost --" not in text and "pt-online-schema-change --" not in text
    assert "needs a PRIMARY KEY or UNIQUE key" in text


@pytest.mark.parametrize("added", ["ADD PRIMARY KEY (id)", "ADD UNIQUE KEY logs_id (id)"])
def test_an_alter_adding_the_key_gets_pt_osc(lint_change, added: str) -> None:
    text = instead(lint_change(f"ALTER TABLE logs MODIFY n BIGINT, {added};", "mariadb",
                               setup=KEYLESS), "mysql-table-copy")
    assert "gh-ost --" not in text
    assert f"pt-online-schema-change --alter 'MODIFY n BIGINT, {added}'" in text


@pytest.mark.parametrize("key", ["UNIQUE KEY logs_id (id)", "PRIMARY KEY (id)"])
def test_a_unique_key_is_enough(lint_change, key: str) -> None:
    setup = f"CREATE TABLE logs (id INT NOT NULL, n INT, {key});\n"
    text = instead(lint_change("ALTER TABLE logs MODIFY n BIGINT;", "mariadb", setup=setup),
                   "mysql-table-copy")
    assert "gh-ost --" in text and "pt-online-schema-change --" in text


def test_a_table_the_replay_does_not_know_keeps_both_tools(lint_change) -> None:
    text = instead(lint_change("ALTER TABLE elsewhere MODIFY n BIGINT;", "mariadb",
                               setup="SELECT 1;"), "mysql-table-copy")
    assert "gh-ost --" in text and "pt-online-schema-change --" in text


# gh-ost takes a UNIQUE key only on NOT NULL columns: without --allow-nullable-unique-key it
# bails out ("Chosen key (...) has nullable columns. Bailing out", go/logic/inspect.go;
# docs/shared-key.md); pt-online-schema-change takes it (fix-mysql62).
@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("setup", [
    "CREATE TABLE logs (id INT, n INT, UNIQUE KEY logs_id (id));\n",
    "CREATE TABLE logs (id INT NOT NULL, k INT, n INT, UNIQUE KEY logs_id_k (id, k));\n",
    "CREATE TABLE logs (id INT, k INT, n INT, UNIQUE KEY (id), UNIQUE KEY (k));\n",
])
def test_a_unique_key_on_a_nullable_column_gets_pt_osc(lint_change, dialect: str,
                                                       setup: str) -> None:
    text = instead(lint_change("ALTER TABLE logs MODIFY n BIGINT;", dialect, setup=setup),
                   "mysql-table-copy")
    assert "gh-ost --" not in text and "a UNIQUE key on NOT NULL columns" in text
    assert "pt-online-schema-change --alter 'MODIFY n BIGINT'" in text


@pytest.mark.parametrize("setup", [
    "CREATE TABLE logs (id INT, k INT NOT NULL, n INT, UNIQUE KEY (id), UNIQUE KEY (k));\n",
    "CREATE TABLE logs (id INT PRIMARY KEY, k INT, n INT, UNIQUE KEY (k));\n",
])
def test_one_key_on_not_null_columns_is_enough_for_gh_ost(lint_change, setup: str) -> None:
    text = instead(lint_change("ALTER TABLE logs MODIFY n BIGINT;", "mysql", setup=setup),
                   "mysql-table-copy")
    assert "gh-ost --" in text and "pt-online-schema-change --" in text
