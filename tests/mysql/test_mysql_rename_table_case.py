"""A table renamed to a name with capitals: the rename-table finding and its view alternative
spoke of the new name in lower case (`Renaming Webauthn to bkp_webauthn`, `CREATE VIEW
bkp_webauthn ...`). MySQL and MariaDB on Linux keep table names case-sensitive
(lower_case_table_names = 0, the default there), so that view is another name than the one
the application moves to. Checked on MariaDB 10.11: a view created as `bk_up` is not
`Bk_Up` (error 1146)."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE Webauthn (id INT PRIMARY KEY)"
RENAMES = [
    "ALTER TABLE Webauthn RENAME Bkp_UP_Webauthn",
    "ALTER TABLE Webauthn RENAME TO `Bkp_UP_Webauthn`",
    "RENAME TABLE Webauthn TO Bkp_UP_Webauthn",
]


@pytest.mark.parametrize("sql", RENAMES)
def test_the_new_name_is_kept_as_written(lint_change, sql: str) -> None:
    report = lint_change(sql + ";")
    (finding,) = [f for s in report.statements for f in s.findings if f.rule == "rename-table"]
    assert "to Bkp_UP_Webauthn " in finding.message, finding.message
    assert "CREATE VIEW `Bkp_UP_Webauthn` AS SELECT * FROM `Webauthn`;" in finding.instead, \
        finding.instead
    assert "move the application to `Bkp_UP_Webauthn`;" in finding.instead


def test_the_view_alternative_answers_to_the_new_name(mariadb, lint_change) -> None:
    """The instead's first statement, run on 10.11, makes the new name readable."""
    report = lint_change(RENAMES[0] + ";")
    (finding,) = [f for s in report.statements for f in s.findings if f.rule == "rename-table"]
    view = finding.instead.splitlines()[0].split(";")[0]
    mariadb.run("DROP VIEW IF EXISTS Bkp_UP_Webauthn, bkp_up_webauthn")
    mariadb.run("DROP TABLE IF EXISTS Webauthn")
    assert mariadb.run(SETUP).returncode == 0
    assert mariadb.run(view).returncode == 0
    read = mariadb.run("SELECT COUNT(*) FROM Bkp_UP_Webauthn")
    assert read.returncode == 0, read.stderr
