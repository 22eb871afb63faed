"""DDL run through a prepared statement (PREPARE name FROM @var; EXECUTE name): a text known
before the migration runs (a string constant, a variable SET to one or to CONCAT of them) is
judged at each EXECUTE, its findings pointing into the string; a text computed when it runs is
said once, at its PREPARE, not judged."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE accounts (id INT PRIMARY KEY, name VARCHAR(10));"


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("change", "told"), [
    ("SET @s = IF(@x, 'ALTER TABLE accounts ADD COLUMN c INT', 'SELECT 1');\n"
     "PREPARE s FROM @s;\nEXECUTE s;", True),
    ("SET @s = CONCAT('ALTER TABLE accounts MODIFY id ', @type);\nPREPARE s FROM @s;\n"
     "EXECUTE s;", True),
    ("SELECT 'ALTER TABLE accounts MODIFY id BIGINT' INTO @s;\nPREPARE s FROM @s;\n"
     "EXECUTE s;", True),
    ("SET @s = 'ALTER TABLE accounts MODIFY id BIGINT', @s = @other;\nPREPARE s FROM @s;\n"
     "EXECUTE s;", True),
    ("PREPARE s FROM @never_set;\nEXECUTE s;", True),
    # two statements: the server refuses the text at PREPARE (1064); not read either
    ("SET @s = 'ALTER TABLE accounts MODIFY id BIGINT; SELECT 1';\nPREPARE s FROM @s;\n"
     "EXECUTE s;", True),
    ("PREPARE s FROM 'SELECT id FROM accounts WHERE id = ?';\nEXECUTE s USING @x;", False),
    ("PREPARE s FROM '  select 1';\nEXECUTE s;", False),
    ("SET @s = 'ALTER TABLE accounts ADD COLUMN c INT NULL';\nPREPARE s FROM @s;\nEXECUTE s;",
     False),
])
def test_a_prepared_statement_lockwise_cannot_read_is_reported_once(
        lint_change, change: str, told: bool, dialect: str) -> None:
    report = lint_change(change, dialect)
    found = [(f.rule, f.span.line) for f in report.all_findings]
    assert found == ([("mysql-prepared-statement", change.count("\n"))] if told else []), found


def _at(change: str, report, rule: str) -> tuple[int, int, str]:
    """The finding of `rule`: its line, column and the file text from its start."""
    (finding,) = [f for f in report.all_findings if f.rule == rule]
    return finding.span.line, finding.span.column, change[finding.span.start_offset:]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_variable_set_to_a_string_constant_is_judged_at_the_execute(lint_change,
                                                                      dialect: str) -> None:
    change = ("SET @s = 'ALTER TABLE accounts MODIFY id BIGINT';\nPREPARE widen FROM @s;\n"
              "EXECUTE widen;\nDEALLOCATE PREPARE widen;")
    report = lint_change(change, dialect)
    assert [f.rule for f in report.all_findings] == ["mysql-table-copy"]
    line, column, text = _at(change, report, "mysql-table-copy")
    assert (line, column) == (1, 11) and text.startswith("ALTER TABLE accounts MODIFY")
    (finding,) = report.all_findings
    assert finding.statement_index == 2  # the EXECUTE's report holds it
    assert "in the prepared statement widen, PREPAREd at statement 2" in finding.message
    assert report.statements[2].findings == [finding]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_concat_of_constants_over_lines_points_into_its_pieces(lint_change,
                                                               dialect: str) -> None:
    change = ("SET @s = CONCAT('ALTER TABLE accounts ',\n"
              "                \"DROP COLUMN name\");\n"
              "PREPARE st FROM @s;\nEXECUTE st;")
    report = lint_change(change, dialect)
    line, column, text = _at(change, report, "drop-column")
    assert (line, column) == (1, 18) and text.startswith("ALTER TABLE accounts ',")
    (finding,) = [f for f in report.all_findings if f.rule == "drop-column"]
    assert change[finding.span.end_offset - 5:finding.span.end_offset] == " name"
    assert finding.span.end_line == 2


def test_the_text_runs_at_the_execute_and_moves_the_catalog(lint_change) -> None:
    # The later SET does not change what `st` runs; the column it adds is there for the
    # next statement (dropping it again is drop-column, not a refusal).
    change = ("SET @s = 'ALTER TABLE accounts ADD COLUMN c INT NULL';\nPREPARE st FROM @s;\n"
              "SET @s = 'SELECT 1';\nEXECUTE st;\nALTER TABLE accounts DROP COLUMN c;")
    report = lint_change(change, "mariadb")
    assert [(f.rule, f.span.line) for f in report.all_findings] == [("drop-column", 5)]


def test_an_execute_before_its_prepare_or_after_deallocate_runs_nothing(lint_change) -> None:
    change = ("EXECUTE st;\nPREPARE st FROM 'ALTER TABLE accounts DROP COLUMN name';\n"
              "DEALLOCATE PREPARE st;\nEXECUTE st;")
    assert lint_change(change, "mysql").all_findings == []


def test_a_string_constant_after_from_is_judged(lint_change) -> None:
    change = "PREPARE st FROM 'ALTER TABLE accounts DROP COLUMN name';\nEXECUTE st;\nEXECUTE st;"
    report = lint_change(change, "mysql")
    # each EXECUTE runs it; the second meets a column the first dropped
    assert [f.rule for f in report.all_findings][:1] == ["drop-column"]
    assert report.all_findings[0].span.line == 1 and report.all_findings[0].span.column == 18


def test_escapes_in_the_string_keep_the_places(lint_change) -> None:
    change = "SET @s = 'ALTER TABLE accounts ADD COLUMN c VARCHAR(5) DEFAULT ''x'', " \
             "DROP COLUMN name';\nPREPARE st FROM @s;\nEXECUTE st;"
    report = lint_change(change, "mariadb")
    line, column, text = _at(change, report, "drop-column")
    assert (line, column) == (1, 11) and text.startswith("ALTER TABLE")
