"""A column named with capitals (`ParentId`) in a MySQL finding: drop-column said `DROP COLUMN
Posts.parentid ... reads or writes parentid`, and rename-column `Posts.parentid to rootid`,
lowering what the migration wrote (a sweep of mattermost's MySQL migrations). MySQL's column
names are case-insensitive, so the SQL ran, but the finding no longer named the column the
way the code that reads it does."""

from __future__ import annotations

SETUP = "CREATE TABLE Posts (Id INT PRIMARY KEY, ParentId INT, FileIds TEXT)"


def _findings(report, rule: str) -> list:
    return [f for s in report.statements for f in s.findings if f.rule == rule]


def test_drop_column_names_the_column_as_written(lint_change) -> None:
    report = lint_change("ALTER TABLE Posts DROP COLUMN ParentId;", "mariadb")
    (finding,) = _findings(report, "drop-column")
    assert "DROP COLUMN Posts.ParentId deletes" in finding.message, finding.message
    assert "reads or writes `ParentId`" in finding.instead, finding.instead
    assert "DROP COLUMN `ParentId`;" in finding.instead, finding.instead


def test_rename_column_names_both_columns_as_written(lint_change) -> None:
    report = lint_change("ALTER TABLE Posts RENAME COLUMN ParentId TO RootId;", "mariadb")
    (finding,) = _findings(report, "rename-column")
    assert "Posts.ParentId to RootId" in finding.message, finding.message
