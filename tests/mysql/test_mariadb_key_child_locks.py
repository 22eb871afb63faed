"""MariaDB's InnoDB table lock on the tables referencing the table a DDL changes (effects/
mysql.py's `lock_key_children`): at the end of a DDL of p that reaches the engine (an ALTER
by copy, in place or instant, RENAME TABLE, DROP or TRUNCATE TABLE with foreign_key_checks
off) InnoDB takes an exclusive table lock on each table whose foreign key references p: the
DDL waits for every open transaction that wrote one, and that table's new writes queue behind
it; plain reads do neither, nor do the tables referencing those in turn. An ALTER that
changes only the .frm (a default, a column's comment) takes none, nor DISCARD TABLESPACE.
Checked on MariaDB 10.11 (information_schema.INNODB_LOCKS: X, TABLE; MDEV-26554). MySQL: not
modelled (its manual names no such lock)."""

from __future__ import annotations

import pytest
from mariadb_lock_helpers import waits as _waits

from lockwise.effects.mysql_locks import KEY_CHILD_LOCK, key_child_parent

#: (rc, not r: test_mariadb_truth.py reads the columns of every table named r)
SETUP = ("CREATE TABLE p (id INT PRIMARY KEY, v INT, KEY kv (v)); CREATE TABLE c (id INT "
         "PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p (id) ON DELETE CASCADE); "
         "CREATE TABLE rc (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES p (id)); "
         "CREATE TABLE g (id INT PRIMARY KEY, cid INT, FOREIGN KEY (cid) REFERENCES c (id));")

#: (the DDL of p, whether it locks p's children c and rc at its end), each checked on MariaDB
#: 10.11 against an open write of c.
FORMS = [
    ("ALTER TABLE p MODIFY v BIGINT", True),                       # COPY
    ("ALTER TABLE p ALTER COLUMN v SET DEFAULT 3, ALGORITHM=COPY", True),
    ("ALTER TABLE p ADD INDEX kw (id, v)", True),                  # in place, no rebuild
    ("ALTER TABLE p FORCE", True),                                 # in place, rebuilt
    ("ALTER TABLE p ADD COLUMN w INT", True),                      # instant
    ("ALTER TABLE p RENAME COLUMN v TO v2", True),
    ("ALTER TABLE p COMMENT 'x'", True),
    ("CREATE INDEX kw ON p (id, v)", True),
    ("DROP INDEX kv ON p", True),
    ("RENAME TABLE p TO p2", True),
    ("ALTER TABLE p RENAME TO p2", True),
    ("SET foreign_key_checks = 0; DROP TABLE p", True),
    ("SET foreign_key_checks = 0; TRUNCATE TABLE p", True),
    ("ALTER TABLE p ALTER COLUMN v SET DEFAULT 3", False),         # the .frm only
    ("ALTER TABLE p ALTER COLUMN v DROP DEFAULT", False),
    ("ALTER TABLE p MODIFY v INT COMMENT 'hi'", False),
    ("SET foreign_key_checks = 0; ALTER TABLE p DISCARD TABLESPACE", False),
]


def _last(lint_change, sql: str, dialect: str = "mariadb", version: str | None = None):
    return lint_change(sql.replace("; ", ";\n") + ";", dialect, version).statements[-1]


def _children(effect) -> list[str]:
    return sorted(t for t in effect.locks if key_child_parent(effect, t))


@pytest.mark.parametrize(("sql", "locks"), FORMS)
def test_the_ddl_of_a_parent_locks_its_children(lint_change, sql: str, locks: bool) -> None:
    """No DDL of p named c or rc: their writes seemed free."""
    effect = _last(lint_change, sql).effect
    assert _children(effect) == (["c", "rc"] if locks else []), sql


def test_the_lock_line_names_the_child_and_its_writes_wait(lint_change) -> None:
    from lockwise.effects.locks import lock_label, lock_lines

    effect = _last(lint_change, "ALTER TABLE p ADD COLUMN w INT").effect
    lines = {rel: (mode, what) for rel, mode, _, what in lock_lines(effect)}
    assert lines["c"][1] == "blocks writes and other DDL"
    assert lock_label(effect, "c", lines["c"][0]) == (
        f"{KEY_CHILD_LOCK} (at the DDL's end, for c's foreign key to p: the DDL waits for "
        "every open transaction that wrote c)")
    assert "g" not in lines  # (a grandchild is not locked)


def test_the_json_report_names_the_innodb_lock(lint_change) -> None:
    from lockwise.effects.locks import lock_name

    effect = _last(lint_change, "RENAME TABLE p TO p2").effect
    assert lock_name(effect, effect.locks["c"], "c") == KEY_CHILD_LOCK
    assert lock_name(effect, effect.locks["p"], "p") == "EXCLUSIVE"


def test_a_drop_with_the_checks_on_locks_no_child(lint_change) -> None:
    """The server refuses it (error 1451) before it locks anything (checked on 10.11)."""
    assert _children(_last(lint_change, "DROP TABLE p").effect) == []


def test_children_dropped_with_the_parent_are_not_locked_for_it(lint_change) -> None:
    effect = _last(lint_change, "SET foreign_key_checks = 0; DROP TABLE p, c").effect
    assert key_child_parent(effect, "rc") == "p" and key_child_parent(effect, "g") == "c"
    assert not key_child_parent(effect, "c")


@pytest.mark.parametrize(("dialect", "version"), [("mysql", None), ("mariadb", "10.5.20")])
def test_not_modelled_where_not_checked(lint_change, dialect: str, version) -> None:
    """MySQL's manual names no such lock; MariaDB takes it from 10.6.5 (MDEV-26554)."""
    effect = _last(lint_change, "ALTER TABLE p MODIFY v BIGINT", dialect, version).effect
    assert _children(effect) == []


@pytest.mark.parametrize(("sql", "rule"), [
    ("ALTER TABLE p MODIFY v BIGINT", "mysql-table-copy"),
    ("ALTER TABLE p FORCE", "mysql-table-rebuild"),
])
def test_the_message_says_the_childrens_writes_wait(lint_change, sql: str, rule: str) -> None:
    (message,) = [f.message for f in lint_change(sql + ";", "mariadb").all_findings
                  if f.rule == rule]
    assert message.endswith("; at its end it waits for every open transaction that wrote c "
                            "and rc, whose foreign keys reference it, and their new writes wait "
                            "behind it (InnoDB's table lock)."), message


def test_a_childless_table_says_nothing_of_children(lint_change) -> None:
    (message,) = [f.message for f in lint_change("ALTER TABLE g ADD COLUMN x INT, ALGORITHM=COPY;",
                                                 "mariadb").all_findings
                  if f.rule == "mysql-table-copy"]
    assert message.endswith("writes wait until it finishes."), message


# --- checked on MariaDB ----------------------------------------------------------------------

def _fresh(mariadb, database: str) -> None:
    assert mariadb.run(f"DROP DATABASE IF EXISTS {database}; CREATE DATABASE {database}",
                       "mysql").returncode == 0
    assert mariadb.run(SETUP + " INSERT INTO p VALUES (1, 1); INSERT INTO c VALUES (1, 1);",
                       database).returncode == 0


@pytest.mark.parametrize(("sql", "locks"), FORMS)
def test_which_ddl_waits_on_mariadb(mariadb, sql: str, locks: bool) -> None:
    """Checked on MariaDB 10.11: the DDL waits for another session's open write of c exactly
    where the model locks c."""
    database = "key_child_locks"
    _fresh(mariadb, database)
    assert _waits(mariadb, database, sql, "INSERT INTO c VALUES (5, NULL)")[0] == locks, sql


@pytest.mark.parametrize(("blocker", "waits"), [
    ("INSERT INTO rc VALUES (5, NULL)", True),     # a RESTRICT key's table too
    ("SELECT * FROM c FOR UPDATE", True),         # a locking read takes InnoDB's IX
    ("SELECT * FROM c", False),                   # a plain read takes no table lock
    ("INSERT INTO g VALUES (5, NULL)", False),    # nor is the grandchild locked
])
def test_what_the_ddl_waits_for_on_mariadb(mariadb, blocker: str, waits: bool) -> None:
    database = "key_child_locks_by"
    _fresh(mariadb, database)
    assert _waits(mariadb, database, "ALTER TABLE p ADD COLUMN w INT", blocker)[0] == waits


@pytest.mark.parametrize(("later", "queues"), [
    ("INSERT INTO c VALUES (7, NULL)", True),
    ("UPDATE c SET pid = NULL WHERE id = 1", True),
    ("SELECT * FROM c", False),
    ("INSERT INTO g VALUES (7, NULL)", False),
])
def test_the_childs_writes_queue_behind_it_on_mariadb(mariadb, later: str, queues: bool
                                                      ) -> None:
    """Checked on MariaDB 10.11: while the DDL waits for c, c's new writes wait behind it,
    its reads do not."""
    database = "key_child_locks_queue"
    _fresh(mariadb, database)
    waited, queued = _waits(mariadb, database, "RENAME TABLE p TO p2",
                            "INSERT INTO c VALUES (5, NULL)", later)
    assert waited and queued == queues, later
