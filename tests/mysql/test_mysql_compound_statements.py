"""A stored program whose BEGIN ... END body a file writes without a DELIMITER line.

golang-migrate (multiStatements), Flyway and Laravel's unprepared() send such a file to the
server whole, as one multi-statement string: the server reads the compound statement as one
statement, so lockwise must not split it at the semicolons inside its body. Each file below
is run that way on MariaDB (test_each_file_runs_whole_on_mariadb)."""

from __future__ import annotations

import re

import pytest

from lockwise.parse.mysql import parse_mysql

PROCEDURE = """\
CREATE TABLE t (id INT PRIMARY KEY, n INT);
CREATE PROCEDURE add_x(IN wanted INT)
COMMENT 'adds x; once'
BEGIN
  DECLARE c INT DEFAULT 0;
  DECLARE done INT DEFAULT FALSE;
  DECLARE CONTINUE HANDLER FOR SQLSTATE '42S21', NOT FOUND BEGIN SET done = TRUE; END;
  -- a comment with BEGIN; and END;
  SET c = IF(wanted > 0, 1, 0), @s = REPEAT('END;', 2);
  SELECT COUNT(*) INTO c FROM information_schema.columns
   WHERE table_schema = DATABASE() AND table_name = 't' AND column_name = 'x';
  IF (c = 0) THEN
    ALTER TABLE t ADD COLUMN x INT;
  ELSEIF c > 5 THEN
    BEGIN /* nested; block */ SET c = 1; END;
  ELSE
    SET c = CASE WHEN c > 1 THEN 2 ELSE 3 END;
  END IF;
  outer_loop: LOOP
    SET c = c + 1;
    IF c > 3 THEN LEAVE outer_loop; END IF;
  END LOOP outer_loop;
  WHILE c < 6 DO SET c = c + 1; END WHILE;
  REPEAT SET c = c + 1; UNTIL c > 8 END REPEAT;
  CASE c WHEN 9 THEN SET c = 0; ELSE BEGIN END; END CASE;
END;
CALL add_x(1);
DROP PROCEDURE add_x;
"""

FUNCTION = """\
CREATE FUNCTION twice(v INT) RETURNS INT DETERMINISTIC
BEGIN
  DECLARE r INT;
  SET r = v * 2;
  RETURN r;
END;
SELECT twice(2);
"""

TRIGGERS = """\
CREATE TABLE t (id INT PRIMARY KEY, n INT);
CREATE TRIGGER t_bi BEFORE INSERT ON t FOR EACH ROW
BEGIN
  IF NEW.n IS NULL THEN SET NEW.n = 0; END IF;
END;
CREATE TRIGGER t_bu BEFORE UPDATE ON t FOR EACH ROW
  IF NEW.n < 0 THEN SET NEW.n = 0; END IF;
CREATE TABLE spans (id INT PRIMARY KEY, `begin` INT, `end` INT);
CREATE TRIGGER spans_bi BEFORE INSERT ON spans FOR EACH ROW
BEGIN
  SET NEW.end = GREATEST(NEW.begin, NEW.end);
  SET NEW.id = COALESCE(NEW.id, 0);
END;
INSERT INTO t (id) VALUES (1);
"""

EVENT = """\
CREATE TABLE t (id INT PRIMARY KEY, n INT);
CREATE EVENT purge_t ON SCHEDULE EVERY 1 DAY DO
BEGIN
  DELETE FROM t WHERE n < 0;
  UPDATE t SET n = 0 WHERE n IS NULL;
END;
DROP EVENT purge_t;
"""

TRANSACTIONS = """\
CREATE TABLE t (id INT PRIMARY KEY, n INT);
BEGIN;
INSERT INTO t VALUES (1, 1);
COMMIT;
BEGIN WORK;
UPDATE t SET n = 2;
COMMIT;
"""

DELIMITED = """\
CREATE TABLE t (id INT PRIMARY KEY, n INT);
DELIMITER $$
CREATE PROCEDURE p()
BEGIN
  IF 1 THEN SELECT 1; END IF;
END$$
DELIMITER ;
CALL p();
"""

LOWER_CASE = """\
create table t (id int primary key, n int);
create definer=`root`@`localhost` procedure p(in a int)
begin
  if (select coalesce(max(n), 0) from t) = 0 then
    set a = if(a > 0, if(a > 1, 2, 1), 0);
  end if;
  case when a = 1 then select 1; else select 2; end case;
end;
create function f() returns int return (select case when 1 then 2 end);
call p(1);
"""

#: `end` and `begin` as column names (neither word is reserved), a CASE expression, and a row
#: comparison after IF: none opens or closes a block (only the words where a statement starts
#: do, and END where it closes what they opened)
NAMES_LIKE_BLOCK_WORDS = """\
CREATE TABLE spans (id INT PRIMARY KEY, start INT, end INT, begin INT);
CREATE PROCEDURE widen()
BEGIN
  DECLARE a INT DEFAULT 0;
  DECLARE b INT DEFAULT 0;
  UPDATE spans SET end = end + 1, begin = 0 WHERE end > 0;
  SELECT start, end INTO a, b FROM spans LIMIT 1;
  SET a = CASE WHEN b > 0 THEN 1 END;
  SET b = (SELECT CASE WHEN end > 1 THEN end ELSE begin END FROM spans LIMIT 1);
  IF (a, b) = (1, 3) THEN SELECT begin, end FROM spans; END IF;
END;
CREATE TRIGGER spans_bi BEFORE INSERT ON spans FOR EACH ROW
  IF (NEW.start, NEW.end) = (0, 0) THEN SET NEW.end = 1; END IF;
CREATE FUNCTION span_end(v INT) RETURNS INT DETERMINISTIC
  RETURN (SELECT CASE WHEN end > v THEN end ELSE begin END FROM spans LIMIT 1);
CALL widen();
"""

#: MariaDB's FOR ... END FOR, a labelled block, a handler's empty block, a CASE statement
#: beside CASE expressions, an event's body after a COMMENT with a semicolon, a function's
#: RETURNS type with CHARACTER SET
LOOPS_AND_LABELS = """\
CREATE TABLE e1 (id INT PRIMARY KEY, end INT);
CREATE PROCEDURE e_for()
BEGIN
  DECLARE CONTINUE HANDLER FOR SQLWARNING BEGIN END;
  FOR i IN 1..3 DO
    INSERT INTO e1 VALUES (i, CASE i WHEN 1 THEN 1 ELSE i END);
  END FOR;
  lbl: BEGIN
    CASE WHEN (SELECT COUNT(*) FROM e1) > 1 THEN SELECT end FROM e1 LIMIT 1;
    ELSE BEGIN END; END CASE;
    LEAVE lbl;
  END lbl;
  SELECT REPEAT('x', 2), IF(1, 2, 3);
END;
CREATE EVENT ev ON SCHEDULE EVERY 1 DAY COMMENT 'x; y' DO
  BEGIN
    UPDATE e1 SET end = end + 1;
  END;
CREATE FUNCTION f2(a INT) RETURNS VARCHAR(10) CHARACTER SET utf8mb4 DETERMINISTIC
  RETURN CASE a WHEN 1 THEN 'one' ELSE 'x' END;
CALL e_for();
SELECT f2(1);
"""

PROGRAM_WITH_BLOCK = re.compile(r"CREATE\s+(DEFINER=\S+\s+)?(PROCEDURE|FUNCTION|TRIGGER|EVENT)"
                                r"\b.*\bBEGIN\n", re.I | re.S)  # (a `begin` column is none)

#: name: (file, the first two words of each statement lockwise reads)
FILES = {
    "procedure": (PROCEDURE, ["CREATE TABLE", "CREATE PROCEDURE", "CALL add_x(1)",
                              "DROP PROCEDURE"]),
    "function": (FUNCTION, ["CREATE FUNCTION", "SELECT twice(2)"]),
    "triggers": (TRIGGERS, ["CREATE TABLE", "CREATE TRIGGER", "CREATE TRIGGER", "CREATE TABLE",
                            "CREATE TRIGGER", "INSERT INTO"]),
    "event": (EVENT, ["CREATE TABLE", "CREATE EVENT", "DROP EVENT"]),
    "transactions": (TRANSACTIONS, ["CREATE TABLE", "BEGIN", "INSERT INTO", "COMMIT",
                                    "BEGIN WORK", "UPDATE t", "COMMIT"]),
    "lower_case": (LOWER_CASE, ["create table", "create definer=`root`@`localhost`",
                                "create function", "call p(1)"]),
    "delimited": (DELIMITED, ["CREATE TABLE", "CREATE PROCEDURE", "CALL p()"]),
    "names_like_block_words": (NAMES_LIKE_BLOCK_WORDS, [
        "CREATE TABLE", "CREATE PROCEDURE", "CREATE TRIGGER", "CREATE FUNCTION", "CALL widen()"]),
    "loops_and_labels": (LOOPS_AND_LABELS, [
        "CREATE TABLE", "CREATE PROCEDURE", "CREATE EVENT", "CREATE FUNCTION", "CALL e_for()",
        "SELECT f2(1)"]),
}


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("name", sorted(FILES))
def test_a_compound_statement_is_one_statement(name: str, dialect: str) -> None:
    sql, expected = FILES[name]
    parsed = parse_mysql(sql, dialect)
    assert not parsed.problems, [(p.message, p.span.line) for p in parsed.problems]
    assert [" ".join(s.sql.split()[:2]) for s in parsed.statements] == expected
    for statement in parsed.statements:
        if PROGRAM_WITH_BLOCK.match(statement.sql):
            # the whole program, up to its END
            assert statement.sql.upper().endswith("END"), statement.sql


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_file_runs_whole_on_mariadb(mariadb, name: str) -> None:
    """The server runs each file sent as one multi-statement string, as golang-migrate does
    (a DELIMITER file through the client, which reads that command)."""
    sql, _ = FILES[name]
    database = f"compound_{name}"
    assert mariadb.run(f"CREATE DATABASE {database}", "mysql").returncode == 0
    ran = mariadb.run(sql, database, whole=name != "delimited")
    assert ran.returncode == 0, ran.stderr


LEFT_OPEN = """\
CREATE TABLE t (id INT PRIMARY KEY, n INT);
CREATE PROCEDURE p()
BEGIN
  IF 1 THEN SELECT 1;
  SELECT 2;
END;
ALTER TABLE t ADD COLUMN x INT;
"""


def test_a_compound_statement_left_open_is_placed_and_the_rest_linted() -> None:
    parsed = parse_mysql(LEFT_OPEN)
    problems = [(p.span.line, p.span.column, p.message) for p in parsed.problems]
    # (the END that closed the IF, not the BEGIN, stands alone)
    assert problems == [(3, 1, "BEGIN is not closed by an END: the statements after it would "
                                "run as part of its program"),
                        (6, 1, "error 1064 near 'END'")]  # the server's (checked on 10.11)
    assert parsed.statements[-1].sql == "ALTER TABLE t ADD COLUMN x INT"


def test_a_compound_statement_left_open_is_refused_by_mariadb(mariadb) -> None:
    assert mariadb.run("CREATE DATABASE compound_left_open", "mysql").returncode == 0
    ran = mariadb.run(LEFT_OPEN, "compound_left_open", whole=True)
    assert ran.returncode == 1 and "error in your SQL syntax" in ran.stderr, ran.stderr


#: MariaDB (10.1.1 on) runs compound statements outside stored programs too: BEGIN NOT ATOMIC,
#: IF, CASE, LOOP, WHILE and REPEAT, without a label (10.11 refuses `fill: LOOP`); MySQL only
#: inside one.
TOP_LEVEL = """\
CREATE TABLE t (id INT PRIMARY KEY, n INT);
BEGIN NOT ATOMIC
  DECLARE c INT DEFAULT 0;
  SET c = 1;
END;
IF (SELECT COUNT(*) FROM information_schema.columns
    WHERE table_schema = DATABASE() AND table_name = 't' AND column_name = 'x') = 0 THEN
  ALTER TABLE t ADD COLUMN x INT;
END IF;
WHILE (SELECT COUNT(*) FROM t) < 3 DO
  INSERT INTO t (id) SELECT COALESCE(MAX(id), 0) + 1 FROM t;
END WHILE;
SELECT x FROM t;
"""


def test_a_compound_statement_outside_a_program_is_one_statement_on_mariadb() -> None:
    parsed = parse_mysql(TOP_LEVEL, "mariadb")
    assert not parsed.problems, [(p.message, p.span.line) for p in parsed.problems]
    assert [s.sql.split(None, 1)[0] for s in parsed.statements] == [
        "CREATE", "BEGIN", "IF", "WHILE", "SELECT"]


def test_a_compound_statement_outside_a_program_is_refused_for_mysql() -> None:
    problems = parse_mysql(TOP_LEVEL, "mysql").problems
    why = "MariaDB's compound statement outside a stored program: MySQL runs it only inside one"
    assert [(p.span.line, p.span.column) for p in problems] == [(2, 1), (6, 1), (10, 1)]
    # MySQL's error 1064 quotes the statement from its first word
    assert all(p.message.startswith("error 1064 near 'BEGIN ") or
               p.message.startswith("error 1064 near 'IF ") or
               p.message.startswith("error 1064 near 'WHILE ") for p in problems), problems
    assert all(p.message.endswith(f"({why})") and p.by == "MySQL" for p in problems)


def test_a_compound_statement_outside_a_program_runs_whole_on_mariadb(mariadb) -> None:
    assert mariadb.run("CREATE DATABASE compound_top_level", "mysql").returncode == 0
    ran = mariadb.run(TOP_LEVEL, "compound_top_level", whole=True)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["NULL"] * 3


@pytest.mark.parametrize("version", ["10.1.0", "10.0", "5.5"])
def test_a_compound_statement_outside_a_program_before_mariadb_10_1_1_is_refused(
        version: str) -> None:
    """MariaDB runs them outside a program from 10.1.1 on (its knowledge base, "Using
    Compound Statements Outside of Stored Programs")."""
    from lockwise.effects.mysql import parse_server_version

    problems = [(p.span.line, p.span.column, "10.1.1" in p.message)
                for p in parse_mysql(TOP_LEVEL, "mariadb",
                                     parse_server_version(version)).problems]
    assert problems == [(2, 1, True), (6, 1, True), (10, 1, True)]
    assert parse_mysql(TOP_LEVEL, "mariadb", parse_server_version("10.1.1")).problems == []
