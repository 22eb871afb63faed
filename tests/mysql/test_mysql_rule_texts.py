"""What the dialect-independent rules tell a MySQL user: MySQL's facts and alternatives that
run there, not PostgreSQL's (WAL, dead tuples, `lockwise apply`, a view created in the
rename's transaction)."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE `order` (id INT PRIMARY KEY, a INT, b VARCHAR(10));"
#: Words only PostgreSQL's texts have any business using.
POSTGRESQL_WORDS = ("WAL", "dead tuple", "VACUUM", "lockwise apply", "RETURNING",
                    "CONCURRENTLY", "NOT VALID", "ACCESS EXCLUSIVE", "same transaction")


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("sql", [
    "UPDATE `order` SET a = 1;", "DELETE FROM `order`;", "RENAME TABLE `order` TO orders;",
    "ALTER TABLE `order` RENAME TO orders;", "ALTER TABLE `order` DROP COLUMN b;",
    "ALTER TABLE `order` RENAME COLUMN a TO a2;", "TRUNCATE TABLE `order`;",
    "DROP TABLE `order`;",
])
def test_no_postgresql_words_in_what_a_mysql_user_reads(lint_change, sql: str,
                                                        dialect: str) -> None:
    (finding,) = lint_change(sql, dialect).all_findings
    text = " ".join((finding.message, finding.why, finding.instead))
    assert [word for word in POSTGRESQL_WORDS if word in text] == []


@pytest.mark.parametrize("sql", ["RENAME TABLE `order` TO `my orders`;",
                                 "ALTER TABLE `order` RENAME TO `my orders`;"])
def test_the_rename_alternative_is_a_view_under_the_new_name(lint_change, sql: str) -> None:
    """MySQL commits each DDL statement: a view under the old name, created after the rename,
    leaves a moment when neither exists, and rename-table reported that alternative again.
    A view under the new name first (a one-table view takes writes too), the table swapped in
    later by one RENAME TABLE, leaves none."""
    (finding,) = lint_change(sql).all_findings
    assert finding.rule == "rename-table"
    first = finding.instead.splitlines()[0]
    assert first.startswith("CREATE VIEW `my orders` AS SELECT * FROM `order`;")
    assert lint_change(first.split("  --")[0]).all_findings == []
    assert "RENAME TABLE `my orders` TO `my orders_view`, `order` TO `my orders`;" in \
        finding.instead


def test_drop_column_does_not_promise_an_instant_drop_on_mysql() -> None:
    """The drop rebuilds the table before MySQL 8.0.29 (and copies one with a FULLTEXT index):
    drop-column's why said it was instant; what it costs is mysql-table-rebuild's to say."""
    reports = lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                               migration_from_text("ALTER TABLE `order` DROP COLUMN b;",
                                                   "2_change.sql")],
                              LintOptions(dialect="mysql", server_version="8.0.28"))
    found = {f.rule: f for f in reports[1].all_findings}
    assert set(found) == {"drop-column", "mysql-table-rebuild"}
    assert "is instant" not in found["drop-column"].why
    assert "mysql-table-rebuild" in found["drop-column"].why
