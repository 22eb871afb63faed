"""MariaDB's lock wait (`WAIT n` | `NOWAIT`, the knowledge base's "WAIT and NOWAIT") only
bounds how long the statement waits for its metadata lock: each statement that takes one has
the effect it has without it (locks, safety, findings). lockwise has no lock-timeout notion on
MySQL / MariaDB (lock_wait_timeout is not followed), so the lock wait adds nothing either."""

from __future__ import annotations

import pytest

from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE TABLE t (id INT PRIMARY KEY, a VARCHAR(10), KEY t_a (a)); "
         "CREATE TABLE u (id INT PRIMARY KEY); CREATE TABLE v (id INT PRIMARY KEY);")

#: (with its lock wait, the same statement without it); each runs on MariaDB 10.11
PAIRS = [
    ("TRUNCATE TABLE t WAIT 1", "TRUNCATE TABLE t"),
    ("TRUNCATE t NOWAIT", "TRUNCATE t"),
    ("RENAME TABLE u NOWAIT TO u2", "RENAME TABLE u TO u2"),
    ("RENAME TABLE u WAIT 2 TO u2, v TO v2", "RENAME TABLE u TO u2, v TO v2"),
    ("CREATE INDEX t_id ON t (id) NOWAIT", "CREATE INDEX t_id ON t (id)"),
    ("CREATE UNIQUE INDEX t_id ON t (id) WAIT 5 ALGORITHM=INPLACE",
     "CREATE UNIQUE INDEX t_id ON t (id) ALGORITHM=INPLACE"),
    ("CREATE FULLTEXT INDEX t_f ON t (a) WAIT 5", "CREATE FULLTEXT INDEX t_f ON t (a)"),
    ("DROP INDEX t_a ON t NOWAIT", "DROP INDEX t_a ON t"),
    ("DROP TABLE u WAIT 5", "DROP TABLE u"),
    ("DROP TABLE IF EXISTS u, v NOWAIT", "DROP TABLE IF EXISTS u, v"),
    ("OPTIMIZE TABLE t NOWAIT", "OPTIMIZE TABLE t"),
    ("OPTIMIZE NO_WRITE_TO_BINLOG TABLE t WAIT 3", "OPTIMIZE NO_WRITE_TO_BINLOG TABLE t"),
    ("ALTER TABLE t WAIT 5 ADD COLUMN c INT", "ALTER TABLE t ADD COLUMN c INT"),
    ("ALTER TABLE t NOWAIT ADD COLUMN c INT", "ALTER TABLE t ADD COLUMN c INT"),
    ("ALTER TABLE t NOWAIT DROP COLUMN a", "ALTER TABLE t DROP COLUMN a"),
    ("ALTER TABLE t WAIT 2 MODIFY a VARCHAR(20), ALGORITHM=INPLACE",
     "ALTER TABLE t MODIFY a VARCHAR(20), ALGORITHM=INPLACE"),
    ("LOCK TABLES t WRITE WAIT 5", "LOCK TABLES t WRITE"),
]


def _effect(sql: str) -> tuple:
    """What lockwise says of `sql`, run after SETUP: its actions, locks, safety, findings."""
    reports = lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                               migration_from_text(sql + ";", "2_change.sql")],
                              LintOptions(dialect="mariadb"))
    (statement,) = reports[1].statements
    effect = statement.effect
    return ([(a.kind, a.facts.get("operation")) for a in effect.actions],
            sorted((table, str(mode)) for table, mode in effect.locks.items()),
            str(statement.safety),
            [(f.rule, f.message) for f in statement.findings])


@pytest.mark.parametrize(("with_wait", "without"), PAIRS)
def test_the_lock_wait_changes_nothing(with_wait: str, without: str) -> None:
    assert _effect(with_wait) == _effect(without)


def test_they_run_on_mariadb(mariadb) -> None:
    """Checked on MariaDB 10.11: each statement, with its lock wait, runs."""
    assert mariadb.run("CREATE DATABASE lock_wait_effect", "mysql").returncode == 0
    for sql, _ in PAIRS:
        ran = mariadb.run(f"DROP TABLE IF EXISTS t, u, v, u2, v2; {SETUP} {sql}",
                          "lock_wait_effect", whole=True)
        assert ran.returncode == 0, (sql, ran.stderr)


def test_a_stored_programs_statements_are_read_without_it() -> None:
    """Inside a procedure's body too, each statement is read as it is without its lock wait."""
    from lockwise.parse.mysql import parse_mysql

    def read(statements: list[str]) -> list[str]:
        body = "; ".join(statements)
        parsed = parse_mysql(f"DELIMITER //\nCREATE PROCEDURE p() BEGIN {body}; END//\n"
                             "DELIMITER ;\n", "mariadb")
        assert parsed.problems == []
        # (a command keeps its text: the blanked lock wait's spaces aside, the same)
        return [" ".join(repr(tree).split()) for _, _, tree in
                parsed.statements[0].tree["program"]["statements"]]

    assert read([w for w, _ in PAIRS[:-1]]) == read([wo for _, wo in PAIRS[:-1]])
