"""DDL run through a prepared statement (PREPARE name FROM @var; EXECUTE name) is text lockwise
does not read: the user is told, not shown a clean report."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE accounts (id INT PRIMARY KEY);"


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("change", "told"), [
    ("SET @s = 'ALTER TABLE accounts ADD COLUMN c INT';\nPREPARE s FROM @s;\nEXECUTE s;", True),
    ("PREPARE s FROM 'ALTER TABLE accounts MODIFY id BIGINT';\nEXECUTE s;", True),
    ("PREPARE s FROM \"ALTER TABLE accounts MODIFY id BIGINT\";\nEXECUTE s;", True),
    ("PREPARE s FROM 'SELECT id FROM accounts WHERE id = ?';\nEXECUTE s USING @x;", False),
    ("PREPARE s FROM '  select 1';\nEXECUTE s;", False),
])
def test_a_prepared_statement_lockwise_cannot_read_is_reported(
        lint_change, change: str, told: bool, dialect: str) -> None:
    report = lint_change(change, dialect)
    found = [(f.rule, f.span.line) for f in report.all_findings]
    assert found == ([("mysql-prepared-statement", change.count("\n"))] if told else []), found
