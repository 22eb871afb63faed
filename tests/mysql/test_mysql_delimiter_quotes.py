"""The mysql client's custom DELIMITER ends a statement only outside quotes and comments: a
`$$` inside a string, a quoted identifier or a comment of a procedure's body is the body's.
lockwise cut the body there (`Error tokenizing 'c' INTO @x`); MariaDB's client runs the file
(test_the_client_runs_it)."""

from __future__ import annotations

import pytest

from lockwise.parse.mysql import parse_mysql

PROCEDURE = """\
DELIMITER $$
CREATE PROCEDURE p()
BEGIN
  SELECT 'a;b$$c' AS s; -- a comment with $$ in it
  # another $$ comment
  /* block $$ comment */
  SELECT "x$$y" AS `q$$r`, 'it''s $$' AS t, 'back\\'slash $$' AS u;
END$$
DELIMITER ;
CALL p();
"""


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_delimiter_inside_quotes_or_comments_ends_nothing(dialect: str) -> None:
    parsed = parse_mysql(PROCEDURE, dialect)
    assert parsed.problems == []
    assert [s.span.line for s in parsed.statements] == [2, 10]
    assert "'a;b$$c'" in parsed.statements[0].sql
    assert "END" in parsed.statements[0].sql


def test_the_client_runs_it(mariadb) -> None:
    assert mariadb.run("CREATE DATABASE delimiter_quotes", "mysql").returncode == 0
    ran = mariadb.run(PROCEDURE, "delimiter_quotes")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["a;b$$c", "x$$y", "it's", "$$", "back'slash", "$$"]
