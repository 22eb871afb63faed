"""How a MySQL / MariaDB report names what an ALTER does: each operation once (an ALTER of
two columns' types is one `change_column_type`), and the table as the migration wrote it
(`Posts`: table names are case-sensitive on Linux, lower_case_table_names=0), while the
catalog keeps its keys."""

from __future__ import annotations

import io

import pytest

from lockwise.report.text import render_text

SETUP = "CREATE TABLE Posts (id INT PRIMARY KEY, a INT, b INT, c INT);"


@pytest.mark.parametrize(("change", "listed"), [
    ("ALTER TABLE Posts MODIFY a BIGINT, MODIFY b BIGINT;", "(change_column_type)"),
    ("ALTER TABLE Posts MODIFY a BIGINT, ADD COLUMN d INT, MODIFY b BIGINT, MODIFY c BIGINT;",
     "(change_column_type, add_column_last)"),
])
def test_a_copy_lists_each_operation_once_in_order(lint_change, change: str,
                                                   listed: str) -> None:
    report = lint_change(change)
    (copy,) = [f for s in report.statements for f in s.findings
               if f.rule == "mysql-table-copy"]
    assert listed + ":" in copy.message, copy.message
    # the operations themselves stay one per clause
    (alter,) = [a.facts for s in report.statements for a in s.effect.actions
                if a.kind == "mysql_alter_table"]
    assert alter["operations"].count("change_column_type") == change.count("MODIFY")


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_the_lock_line_names_the_table_as_written(lint_change, dialect: str) -> None:
    report = lint_change("ALTER TABLE Posts MODIFY a BIGINT;", dialect)
    out = io.StringIO()
    render_text([report], out, color=False)
    text = out.getvalue()
    assert "LOCK=SHARED) on Posts, blocks writes" in text, text
    assert "rewrites: Posts" in text, text
    assert " posts" not in text, text
    (statement,) = report.statements
    # the bookkeeping keys stay lower case
    assert set(statement.effect.locks) == {"posts"}


def test_a_read_or_write_names_the_table_as_written(lint_change) -> None:
    report = lint_change("INSERT INTO Posts (id) VALUES (1);")
    (statement,) = report.statements
    assert statement.reason.startswith("takes SHARED_WRITE metadata lock on Posts "), \
        statement.reason


def test_the_printed_report_keeps_the_name_as_written(lint_change) -> None:
    """The CLI prints reports whose details were released (lint.release_details): the name
    as written outlives the actions' other facts."""
    from lockwise.lint import release_details

    report = lint_change("ALTER TABLE Posts ADD INDEX ix_a (a);\n"
                         "INSERT INTO Posts (id) VALUES (1);")
    release_details(report)
    out = io.StringIO()
    render_text([report], out, color=False, verbose=True)
    lines = [line for line in out.getvalue().splitlines() if "lock:" in line]
    assert len(lines) == 2 and all(" on Posts, " in line for line in lines), lines


def test_the_markdown_report_names_the_table_as_written(lint_change) -> None:
    from lockwise.core.types import Safety
    from lockwise.lint import release_details
    from lockwise.report.markdown import render_markdown

    report = lint_change("ALTER TABLE Posts MODIFY a BIGINT;")
    release_details(report)
    text = render_markdown([report], fail_on=Safety.REQUIRES_DOWNTIME)
    assert "`SHARED_NO_WRITE` on `Posts`" in text, text  # the migration's lock cell
    assert "on `Posts`, blocks writes" in text and "- rewrites `Posts`" in text, text
    assert "posts" not in text.replace("Posts", ""), text
