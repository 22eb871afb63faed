"""A statement of a stored program's body that sqlglot cannot read is reported as the top
level reports one, at its offending token (file:line:column), never dropped: the server
refuses the whole CREATE (error 1064, checked on MariaDB 10.11)."""

from __future__ import annotations

import pytest

from lockwise.parse.mysql import parse_mysql

#: (the program, its body's bad statement on line 4) by kind: each refused by MariaDB 10.11.
PROGRAMS = {
    "procedure": "CREATE PROCEDURE p_bad()\nBEGIN\n  SELECT 1;\n  {bad};\n  SELECT 2;\nEND",
    "function": "CREATE FUNCTION f_bad() RETURNS INT\nBEGIN\n  DECLARE x INT DEFAULT 0;\n"
                "  {bad};\n  RETURN x;\nEND",
    "trigger": "CREATE TRIGGER t_bad BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  SET @a = 1;\n"
               "  {bad};\nEND",
    "event": "CREATE EVENT e_bad ON SCHEDULE EVERY 1 DAY DO\nBEGIN\n  SET @a = 1;\n"
             "  {bad};\nEND",
}
#: (the bad statement, the column of its offending token, counted from the statement's 1)
BAD = [("SELECT a FROM", 10), ("SELECT * FROM t WHERE (a", 24)]


def _text(kind: str, bad: str) -> str:
    return f"DELIMITER //\n{PROGRAMS[kind].format(bad=bad)}//\nDELIMITER ;\n"


@pytest.mark.parametrize("kind", list(PROGRAMS))
@pytest.mark.parametrize(("bad", "column"), BAD)
def test_an_unreadable_body_statement_is_a_parse_error(kind: str, bad: str, column: int
                                                        ) -> None:
    for dialect in ("mysql", "mariadb"):
        parsed = parse_mysql(_text(kind, bad), dialect)
        top = parse_mysql(bad + ";", dialect)  # the same statement at the top level
        assert [p.message for p in parsed.problems] == [p.message for p in top.problems]
        assert [(p.span.line, p.span.column) for p in parsed.problems] == \
            [(5, 2 + column)], (kind, bad, dialect)


def test_the_compound_statements_too() -> None:
    text = "DELIMITER //\nBEGIN NOT ATOMIC\n  SELECT 1;\n  SELECT a FROM;\nEND//\nDELIMITER ;\n"
    parsed = parse_mysql(text, "mariadb")
    assert [(p.span.line, p.span.column) for p in parsed.problems] == [(4, 12)]


def test_a_readable_body_has_no_problem() -> None:
    parsed = parse_mysql(_text("procedure", "SELECT a FROM t"), "mariadb")
    assert parsed.problems == []
    assert len(parsed.statements[0].tree["program"]["statements"]) == 3


def test_the_server_refuses_them(mariadb) -> None:
    """Checked on MariaDB 10.11: each CREATE fails (error 1064)."""
    assert mariadb.run("CREATE DATABASE IF NOT EXISTS body_errors", "mysql").returncode == 0
    assert mariadb.run("CREATE TABLE IF NOT EXISTS t (a INT)", "body_errors").returncode == 0
    for kind in PROGRAMS:
        for bad, _ in BAD:
            ran = mariadb.run(PROGRAMS[kind].format(bad=bad), "body_errors", whole=True)
            assert ran.returncode != 0 and "ERROR 1064" in ran.stderr, (kind, bad)
