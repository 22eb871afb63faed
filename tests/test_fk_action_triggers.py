"""A foreign key's ON DELETE / ON UPDATE action writes the referencing rows as an ordinary
DELETE or UPDATE does: CASCADE deletes them (or sets their key), SET NULL / SET DEFAULT update
their key's columns. Those writes lock the referencing table ROW EXCLUSIVE, fire its triggers
(UPDATE OF the key's columns too) and, in turn, the actions of the keys that point at it; in a
session of the replica role, or for a key NOT ENFORCED, no action runs. Each case is checked
on the server (18.6) too."""

from __future__ import annotations

import pytest

from lockwise.core.types import LockMode
from test_routine_calls import _lint, runs_on_t, server_runs_on_t

#: p, referenced by c (its key's actions `{actions}`), referenced by g (ON DELETE CASCADE ON
#: UPDATE CASCADE, through c's unique pid), and on_t, which retypes u: whether a write of p
#: runs it through a trigger of c or g decides whether u is rewritten at the write.
CHAIN = ("CREATE TABLE u (id int PRIMARY KEY, n int);\n"
         "CREATE TABLE p (id int PRIMARY KEY, k int);\n"
         "CREATE TABLE c (id int PRIMARY KEY, pid int DEFAULT 0 UNIQUE REFERENCES p {actions},"
         " x int);\n"
         "CREATE TABLE g (id int PRIMARY KEY,"
         " cpid int REFERENCES c (pid) ON DELETE CASCADE ON UPDATE CASCADE);\n"
         "CREATE FUNCTION on_t() RETURNS trigger LANGUAGE plpgsql AS $$\n"
         "BEGIN\n  ALTER TABLE u ALTER COLUMN n TYPE bigint;\n  RETURN NULL;\nEND $$;\n")
#: The rows: p's 1 is referenced by c's 1, itself referenced by g's 1; p's 0 and 2 by nothing.
ROWS = ("INSERT INTO p VALUES (0, 0), (1, 1), (2, 2);\nINSERT INTO c VALUES (1, 1, 1);\n"
        "INSERT INTO g VALUES (1, 1);\n")


def _cases() -> list[tuple[str, str, str, bool]]:
    """(c's key's actions, trigger, write of p, whether the trigger's function runs)."""
    c_delete = "AFTER DELETE ON c FOR EACH ROW"
    c_update = "AFTER UPDATE ON c FOR EACH ROW"
    c_update_of_pid = "AFTER UPDATE OF pid ON c FOR EACH ROW"
    c_update_of_x = "AFTER UPDATE OF x ON c FOR EACH ROW"
    g_delete = "AFTER DELETE ON g FOR EACH ROW"
    g_update = "AFTER UPDATE ON g FOR EACH ROW"
    delete = "DELETE FROM p WHERE id = 1"
    return [
        ("ON DELETE CASCADE", c_delete, delete, True),
        ("ON DELETE CASCADE", c_update, delete, False),
        ("ON DELETE CASCADE", g_delete, delete, True),  # the cascade goes on to g
        ("ON DELETE SET NULL", c_update, delete, True),
        ("ON DELETE SET NULL", c_update_of_pid, delete, True),
        ("ON DELETE SET NULL", c_update_of_x, delete, False),  # only the key's columns set
        ("ON DELETE SET NULL", c_delete, delete, False),
        ("ON DELETE SET NULL", g_update, delete, True),  # c's pid changes: g's key follows
        ("ON DELETE SET DEFAULT", c_update_of_pid, delete, True),
        # a WHEN (tests/test_trigger_when.py) sees the key's columns set, and only them
        ("ON DELETE SET NULL", f"{c_update} WHEN (OLD.x IS DISTINCT FROM NEW.x)", delete,
         False),
        ("ON DELETE SET NULL", f"{c_update} WHEN (OLD.pid IS DISTINCT FROM NEW.pid)", delete,
         True),
        ("ON DELETE RESTRICT", c_delete, "DELETE FROM p WHERE id = 2", False),
        ("", c_delete, "DELETE FROM p WHERE id = 2", False),  # NO ACTION
        ("ON UPDATE CASCADE", c_update_of_pid, "UPDATE p SET id = 5 WHERE id = 1", True),
        ("ON UPDATE CASCADE", g_update, "UPDATE p SET id = 5 WHERE id = 1", True),
        ("ON UPDATE CASCADE", c_update, "UPDATE p SET k = 5", False),  # the key stays
        ("ON UPDATE SET NULL", c_update_of_pid, "UPDATE p SET id = 5 WHERE id = 1", True),
        ("ON UPDATE CASCADE", c_delete, "UPDATE p SET id = 5 WHERE id = 1", False),
        ("ON DELETE CASCADE NOT ENFORCED", c_delete, delete, False),
        ("ON DELETE CASCADE", c_delete, "ALTER TABLE c ENABLE ALWAYS TRIGGER c_w;\n"
         f"SET session_replication_role = replica;\n{delete}", False),  # no action runs
        ("ON DELETE CASCADE", c_delete, "MERGE INTO p USING (SELECT 1 AS id) s ON p.id = s.id"
         " WHEN MATCHED THEN DELETE", True),
    ]


def _setup(actions: str, trigger: str) -> str:
    return CHAIN.format(actions=actions) + \
        f"CREATE TRIGGER c_w {trigger} EXECUTE FUNCTION on_t();\n"


@pytest.mark.parametrize(("actions", "trigger", "write", "fires"), _cases())
def test_a_foreign_keys_action_fires_the_referencing_tables_triggers(
        actions: str, trigger: str, write: str, fires: bool) -> None:
    assert runs_on_t(_setup(actions, trigger), write + ";") is fires


@pytest.mark.postgres
def test_the_server_fires_the_triggers_each_key_action_reaches(pg_db: str) -> None:
    """18.6: on_t runs (u is locked ACCESS EXCLUSIVE) at the writes `_cases` says it does."""
    import psycopg

    with psycopg.connect(pg_db) as conn:
        seen = [server_runs_on_t(conn, _setup(actions, trigger) + ROWS, write,
                                 "RESET session_replication_role;\n"
                                 "DROP TABLE g, c, p, u; DROP FUNCTION on_t();")
                for actions, trigger, write, _ in _cases()]
    assert seen == [fires for _, _, _, fires in _cases()]


#: (c's key's actions, write of p, c's lock, g's lock), each checked on the server.
LOCKS = [
    ("ON UPDATE CASCADE", "UPDATE p SET id = id + 10", LockMode.ROW_EXCLUSIVE,
     LockMode.ROW_EXCLUSIVE),  # c's pid changes, and g's key follows it
    ("ON UPDATE SET NULL", "UPDATE p SET id = id + 10", LockMode.ROW_EXCLUSIVE,
     LockMode.ROW_EXCLUSIVE),
    ("ON DELETE SET NULL", "DELETE FROM p", LockMode.ROW_EXCLUSIVE, LockMode.ROW_EXCLUSIVE),
    ("ON DELETE CASCADE NOT ENFORCED", "DELETE FROM p", None, None),
    ("ON DELETE CASCADE", "SET session_replication_role = replica;\nDELETE FROM p",
     None, None),
]


@pytest.mark.parametrize(("actions", "write", "c_lock", "g_lock"), LOCKS)
def test_a_foreign_keys_action_locks_what_it_writes(actions: str, write: str,
                                                    c_lock: LockMode | None,
                                                    g_lock: LockMode | None) -> None:
    reports, _ = _lint(CHAIN.format(actions=actions), write + ";")
    locks = reports[-1].statements[-1].effect.locks
    assert (locks.get("public.c"), locks.get("public.g")) == (c_lock, g_lock)


@pytest.mark.postgres
def test_the_server_locks_what_each_key_action_writes(pg_db: str) -> None:
    """18.6: the strongest lock the session holds on c and on g after each write of
    `LOCKS` (ROW SHARE below ROW EXCLUSIVE: a key's check)."""
    import psycopg

    order = ["RowShareLock", "RowExclusiveLock"]
    seen = []
    with psycopg.connect(pg_db) as conn:
        for actions, write, _, _ in LOCKS:
            conn.execute(CHAIN.format(actions=actions) + ROWS)
            conn.commit()
            for statement in write.split(";\n"):
                conn.execute(statement)
            held = dict.fromkeys(("c", "g"))
            for rel, mode in conn.execute(
                    "SELECT relation::regclass::text, mode FROM pg_locks "
                    "WHERE pid = pg_backend_pid() AND relation IN ('c'::regclass, "
                    "'g'::regclass)").fetchall():
                if held[rel] is None or order.index(mode) > order.index(held[rel]):
                    held[rel] = mode
            seen.append((held["c"], held["g"]))
            conn.rollback()
            conn.execute("RESET session_replication_role;\n"
                         "DROP TABLE g, c, p, u; DROP FUNCTION on_t();")
            conn.commit()
    names = {LockMode.ROW_EXCLUSIVE: "RowExclusiveLock", None: None}
    assert seen == [(names[c], names[g]) for _, _, c, g in LOCKS]


def test_keys_that_point_at_each_other_end() -> None:
    """Two tables whose keys cascade to each other (and a table whose key points at itself):
    each write is followed once, and the triggers it fires run."""
    cycle = ("CREATE TABLE u (id int PRIMARY KEY, n int);\n"
             "CREATE TABLE a (id int PRIMARY KEY, b_id int);\n"
             "CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a ON DELETE CASCADE"
             " ON UPDATE CASCADE, parent int REFERENCES b ON DELETE CASCADE);\n"
             "ALTER TABLE b ADD UNIQUE (a_id);\n"
             "ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b ON DELETE CASCADE;\n"
             "CREATE FUNCTION on_t() RETURNS trigger LANGUAGE plpgsql AS $$\n"
             "BEGIN\n  ALTER TABLE u ALTER COLUMN n TYPE bigint;\n  RETURN NULL;\nEND $$;\n"
             "CREATE TRIGGER b_w AFTER DELETE ON b FOR EACH ROW EXECUTE FUNCTION on_t();\n")
    reports, _ = _lint(cycle, "DELETE FROM a;")
    locks = reports[-1].statements[-1].effect.locks
    assert locks.get("public.b") == LockMode.ROW_EXCLUSIVE
    assert locks.get("public.u") == LockMode.ACCESS_EXCLUSIVE


#: p, referenced by c through (a, pid) with ON DELETE SET NULL / SET DEFAULT of a column list
#: (PostgreSQL 15+: ON DELETE only, each listed column one of the key's), and on_t.
SET_LIST = ("CREATE TABLE u (id int PRIMARY KEY, n int);\n"
            "CREATE TABLE p (id int, k int, UNIQUE (id, k));\n"
            "CREATE TABLE c (id int PRIMARY KEY, a int DEFAULT 0, pid int DEFAULT 0, x int,"
            " FOREIGN KEY (a, pid) REFERENCES p (id, k) {action});\n"
            "CREATE FUNCTION on_t() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n  ALTER TABLE u ALTER COLUMN n TYPE bigint;\n  RETURN NULL;\nEND $$;\n")
DELETE = "DELETE FROM p WHERE (id, k) = (1, 1)"


def _set_list_cases() -> list[tuple[str, str, str, bool]]:
    """(c's key's action, what follows it before the trigger, c's trigger, whether `DELETE`
    of p's row (1, 1), which c's row references, runs on_t): only the listed columns are set
    (SET DEFAULT (a) leaves c's row at (0, 1), which p holds)."""
    update_of = "AFTER UPDATE OF {} ON c FOR EACH ROW"
    when = "AFTER UPDATE ON c FOR EACH ROW WHEN (OLD.{0} IS DISTINCT FROM NEW.{0})"
    rename = "ALTER TABLE c RENAME pid TO qid;\n"
    return [
        ("ON DELETE SET NULL (pid)", "", update_of.format("pid"), True),
        ("ON DELETE SET NULL (pid)", "", update_of.format("a"), False),
        ("ON DELETE SET NULL", "", update_of.format("a"), True),  # no list: the whole key
        ("ON DELETE SET DEFAULT (a)", "", update_of.format("pid"), False),
        ("ON DELETE SET DEFAULT (a)", "", update_of.format("a"), True),
        ("ON DELETE SET NULL (pid)", "", when.format("a"), False),
        ("ON DELETE SET NULL (pid)", "", when.format("pid"), True),
        ("ON DELETE SET NULL (pid)", rename, update_of.format("qid"), True),  # follows it
        ("ON DELETE SET NULL (pid)", rename, update_of.format("a"), False),
        # a key added by ALTER TABLE keeps its list too
        ("", "ALTER TABLE c DROP CONSTRAINT c_a_pid_fkey, ADD FOREIGN KEY (a, pid)"
         " REFERENCES p (id, k) ON DELETE SET NULL (a);\n", update_of.format("pid"), False),
    ]


def _set_list_setup(action: str, then: str, trigger: str) -> str:
    return SET_LIST.format(action=action) + then + \
        f"CREATE TRIGGER c_w {trigger} EXECUTE FUNCTION on_t();\n"


@pytest.mark.parametrize(("action", "then", "trigger", "fires"), _set_list_cases())
def test_a_set_null_column_list_sets_only_its_columns(action: str, then: str, trigger: str,
                                                      fires: bool) -> None:
    setup = _set_list_setup(action, then, trigger)
    assert runs_on_t(setup, DELETE + ";") is fires


@pytest.mark.postgres
def test_the_server_sets_only_a_set_null_lists_columns(pg_db: str) -> None:
    """18.6: on_t runs at the DELETE where `_set_list_cases` says it does."""
    import psycopg

    rows = "INSERT INTO p VALUES (0, 0), (0, 1), (1, 1);\nINSERT INTO c VALUES (1, 1, 1, 1);\n"
    with psycopg.connect(pg_db) as conn:
        seen = [server_runs_on_t(conn, _set_list_setup(action, then, trigger) + rows, DELETE,
                                 "DROP TABLE c, p, u; DROP FUNCTION on_t();")
                for action, then, trigger, _ in _set_list_cases()]
    assert seen == [fires for _, _, _, fires in _set_list_cases()]
