"""An ALTER TABLE that sqlglot cannot parse (CONVERT TO, partition operations) is read from its
text. Each of its operations (the clauses between commas outside parentheses and quotes) is
judged, not only the first the text patterns find: an ADD COLUMN or DROP COLUMN beside an
unnamed ADD CHECK (read from its text until it was read as `ADD CONSTRAINT CHECK`) was lost,
and with it the drop-column finding and the replayed schema's change."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = "CREATE TABLE t (id INT PRIMARY KEY, a INT, b VARCHAR(20), c INT);"


def operations(statement) -> tuple[str, ...]:
    return next(a.facts for a in statement.effect.actions
                if a.kind == "mysql_alter_table")["operations"]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_drop_column_beside_an_unnamed_check_is_judged(lint_change, dialect: str) -> None:
    (statement,) = lint_change("ALTER TABLE t DROP COLUMN c, ADD CHECK (a > 0);",
                               dialect).statements
    assert "drop_column" in operations(statement)
    assert "drop-column" in [f.rule for f in statement.findings]


def test_each_operation_is_planned_and_the_schema_follows(lint_change) -> None:
    first, second = lint_change("ALTER TABLE t MODIFY a BIGINT, ADD CHECK (a > 0);\n"
                                "ALTER TABLE t MODIFY a BIGINT;").statements
    assert operations(first) == ("change_column_type", "add_check_constraint")
    # the first ALTER made `a` a BIGINT: restating it changes nothing
    assert operations(second) == ("metadata_only",)


def test_commas_inside_parentheses_and_quotes_do_not_split(lint_change) -> None:
    (statement,) = lint_change("ALTER TABLE t CONVERT TO CHARACTER SET latin1, "
                               "COMMENT = 'x, y', ADD COLUMN q DECIMAL(10, 2), "
                               "ALGORITHM=COPY;").statements
    assert operations(statement) == ("convert_character_set", "set_table_comment",
                                     "add_column_last")


def test_convert_to_keeps_the_column_added_beside_it(lint_change) -> None:
    (statement,) = lint_change(
        "ALTER TABLE t ADD COLUMN z INT, CONVERT TO CHARACTER SET latin1;").statements
    assert operations(statement) == ("add_column_last", "convert_character_set")


def test_a_partition_list_stays_one_operation(lint_change) -> None:
    setup_and_drop = ("ALTER TABLE t PARTITION BY RANGE (id) (PARTITION p1 VALUES LESS THAN "
                      "(10), PARTITION p2 VALUES LESS THAN (20), PARTITION p3 VALUES LESS THAN "
                      "MAXVALUE);\nALTER TABLE t DROP PARTITION p1, p2;")
    statements = lint_change(setup_and_drop).statements
    assert operations(statements[1]) == ("drop_partition",)


def test_an_operation_neither_server_knows_is_a_parse_error_at_it() -> None:
    sql = "ALTER TABLE t ADD CHECK (a > 0), FROBNICATE b;"
    reports = lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                               migration_from_text(sql, "2_change.sql")],
                              LintOptions(dialect="mysql"))
    (finding,) = reports[1].findings
    assert finding.rule == "parse-error" and "FROBNICATE" in finding.message
    assert finding.span is not None and sql[finding.span.column - 1:].startswith("FROBNICATE")
