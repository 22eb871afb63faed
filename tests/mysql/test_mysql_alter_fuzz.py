"""ALTER TABLE texts built from real clauses in any order, with commas, comments and quotes
anywhere (fix-mysql54): the new MySQL code (parse/mysql_alter_list.py, the partition clause
checks of parse/mariadb_refusals.py, the DEFINER pattern of parse/mysql_blocks.py) and the
rest of the lint must answer each with findings, never a traceback, and with work that grows
with the text's length, not with its square (counted in calls, not timed: a test must not
depend on the machine's load; bench/ measures time)."""

from __future__ import annotations

import sys

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = """CREATE TABLE t (id INT NOT NULL, v INT, doc TEXT, PRIMARY KEY (id), KEY t_v (v));
CREATE TABLE r (id INT NOT NULL, PRIMARY KEY (id))
  PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (100),
                           PARTITION p1 VALUES LESS THAN MAXVALUE);
"""

#: Clauses both servers (or one of them) take in an ALTER TABLE, `{n}` a name to quote.
CLAUSES = [
    "ADD COLUMN {n} INT", "ADD {n} VARCHAR(10) COMPRESSED", "ADD COLUMN {n} TEXT COMPRESSED=zlib",
    "DROP COLUMN {n}", "DROP {n}", "MODIFY {n} BIGINT NOT NULL", "CHANGE v {n} INT",
    "RENAME COLUMN v TO {n}", "ALTER COLUMN v SET DEFAULT 1", "ALTER v DROP DEFAULT",
    "ADD INDEX {n} (v)", "ADD UNIQUE KEY {n} (v DESC)", "ADD FULLTEXT INDEX {n} (doc)",
    "ADD FULLTEXT {n} (doc) WITH PARSER ngram", "DROP INDEX {n}", "RENAME INDEX t_v TO {n}",
    "ALTER INDEX t_v INVISIBLE", "ALTER INDEX t_v IGNORED", "ADD CONSTRAINT {n} CHECK (v > 0)",
    "ADD CHECK (v > 0)", "DROP CHECK {n}", "DROP CONSTRAINT {n}", "ALGORITHM=INPLACE",
    "ALGORITHM = INSTANT", "LOCK=NONE", "LOCK SHARED", "ALGORITHM=COPY", "FORCE",
    "ENGINE=InnoDB", "ROW_FORMAT=COMPRESSED", "KEY_BLOCK_SIZE=8", "CHECKSUM=1",
    "PAGE_COMPRESSED=1", "PAGE_COMPRESSION_LEVEL=3", "COMMENT='x'", "AUTO_INCREMENT=10",
    "CONVERT TO CHARACTER SET utf8mb4", "DEFAULT CHARSET latin1", "ORDER BY v, {n}",
    "ORDER BY {n} DESC", "PARTITION BY HASH (id) PARTITIONS 2",
    "PARTITION BY KEY ALGORITHM=2 (id) PARTITIONS 2", "REMOVE PARTITIONING",
    "DROP PARTITION p0", "TRUNCATE PARTITION ALL", "ADD PARTITION (PARTITION p2 VALUES LESS "
    "THAN (200))", "REORGANIZE PARTITION p1 INTO (PARTITION p1 VALUES LESS THAN MAXVALUE)",
    "DISCARD TABLESPACE", "IMPORT PARTITION p0 TABLESPACE", "OPTIMIZE PARTITION p0",
    "WITHOUT VALIDATION", "ADD SYSTEM VERSIONING", "DROP SYSTEM VERSIONING", "NOWAIT",
    "WAIT 5", "RENAME TO {n}", "DISABLE KEYS", "ADD PRIMARY KEY ({n})", "DROP PRIMARY KEY",
    "DEFINER = u@h", "DEFINER=CURRENT_USER", "(", ")", "=", "'", '"', "`",
]
#: What may stand between two clauses.
SEPARATORS = [", ", " ", ",", " , ", ",, ", " /* c, ) ' */ ", " -- c\n", " # c\n", "\n",
              "/*!80000 ,*/ ", ", /* x */ "]
#: How a name may be written: bare, quoted each way, reserved, or broken.
NAMES = ["c", "`c`", "`a b`", "`a``b`", "'c'", '"c"', "algorithm", "`lock`", "`order`", "c1$",
         "`", "'", "é", "123", "PARTITION", "t.c", "`t`.`c`"]

_STATEMENT = st.builds(
    lambda table, clauses, separators, names: "ALTER TABLE " + table + " " + "".join(
        clause.format(n=names[i % len(names)]) + separators[i % len(separators)]
        for i, clause in enumerate(clauses)).rstrip(", \n"),
    st.sampled_from(["t", "r", "`t`", "IF EXISTS t", "ONLINE TABLE t", "t NOWAIT"]),
    st.lists(st.sampled_from(CLAUSES), min_size=1, max_size=8),
    st.lists(st.sampled_from(SEPARATORS), min_size=1, max_size=4),
    st.lists(st.sampled_from(NAMES), min_size=1, max_size=4))


#: The pieces of a DEFINER clause, and the gaps the server reads between them.
DEFINER_PIECES = ["DEFINER", "=", "u", "@", "h", "'my user'", "`u`", "'%'", "CURRENT_USER",
                  "(", ")", "123", "1e5", "0x41", "app-user", "a.b", "$u", "--x", "é", "@'h'"]
GAPS = ["", " ", "/* x */", " -- x\n", " # x\n", "\n", "/**/"]
KINDS = ["PROCEDURE p() SELECT 1", "FUNCTION f() RETURNS INT RETURN 1",
         "EVENT e ON SCHEDULE EVERY 1 DAY DO SELECT 1", "VIEW w AS SELECT 1",
         "SQL SECURITY INVOKER VIEW w AS SELECT 1", "TRIGGER g BEFORE INSERT ON t FOR EACH ROW "
         "SET NEW.v = 1", "AGGREGATE FUNCTION a (x INT) RETURNS INT BEGIN RETURN 1; END"]
_DEFINER = st.builds(
    lambda verb, pieces, gaps, kind: verb + " " + "".join(
        piece + gaps[i % len(gaps)] for i, piece in enumerate(pieces)) + " " + kind,
    st.sampled_from(["CREATE", "CREATE OR REPLACE", "ALTER", "CREATE ALGORITHM=MERGE"]),
    st.lists(st.sampled_from(DEFINER_PIECES), min_size=1, max_size=7),
    st.lists(st.sampled_from(GAPS), min_size=1, max_size=3), st.sampled_from(KINDS))


def _lint(sql: str, dialect: str) -> None:
    lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                     migration_from_text(sql + ";", "2_change.sql")],
                    LintOptions(dialect=dialect))


@settings(max_examples=300, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(statement=_STATEMENT, dialect=st.sampled_from(["mysql", "mariadb"]))
def test_any_alter_table_is_linted_without_a_traceback(statement: str, dialect: str) -> None:
    _lint(statement, dialect)


@settings(max_examples=200, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(statement=_DEFINER, dialect=st.sampled_from(["mysql", "mariadb"]))
def test_any_definer_clause_is_linted_without_a_traceback(statement: str, dialect: str) -> None:
    _lint(statement, dialect)


@pytest.mark.parametrize(("statement", "dialect"), [
    # a quoted name of a line break alone after the table (IndexError in
    # _unknown_alter_operation), a string of spaces in a list of partitions (in _list_end)
    ("ALTER TABLE r `\n`/*!80000 ,*/", "mariadb"),
    ("ALTER TABLE r DROP PARTITION p0, ' '", "mariadb"),
    # MariaDB's ADD SYSTEM VERSIONING inside a string was read as an operation on MySQL too
    # (KeyError: the operation has no MySQL capability)
    ("ALTER TABLE t ADD COLUMN ' TEXT, ADD SYSTEM VERSIONING, DROP CONSTRAINT ', FORCE",
     "mysql"),
])
def test_what_the_fuzzing_found(statement: str, dialect: str) -> None:
    _lint(statement, dialect)


def _calls(sql: str, dialect: str) -> int:
    """The Python and built-in function calls linting `sql` makes: the same on any machine
    under any load, and as many again for each time a loop goes over the text once more."""
    made = 0

    def count(_frame: object, event: str, _arg: object) -> None:
        nonlocal made
        if event in ("call", "c_call"):
            made += 1

    _lint(sql, dialect)  # (caches and lazy imports filled before counting)
    sys.setprofile(count)
    try:
        _lint(sql, dialect)
    finally:
        sys.setprofile(None)
    return made


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("clause", [
    "ADD COLUMN c{i} INT", "ADD c{i} TEXT COMPRESSED", "ALGORITHM=INPLACE", "ORDER BY v, c{i}",
    "ADD INDEX i{i} (v)", "CHECKSUM=1", "PAGE_COMPRESSION_LEVEL=3", "DROP PARTITION p0",
    "/* c{i} */ ADD COLUMN `c ``{i}` INT",
])
def test_the_work_grows_with_the_length(clause: str, dialect: str) -> None:
    """400 clauses take fewer than 16 times the calls of 50 (8 times as many: linear is 8,
    quadratic 64), counted from a floor that leaves the lint's fixed cost out."""
    def sql(n: int) -> str:
        return "ALTER TABLE t " + ", ".join(clause.format(i=i) for i in range(n))

    fixed = _calls("ALTER TABLE t FORCE", dialect)
    short, long = _calls(sql(50), dialect) - fixed, _calls(sql(400), dialect) - fixed
    assert long < 16 * max(short, 1), (clause, short, long)
