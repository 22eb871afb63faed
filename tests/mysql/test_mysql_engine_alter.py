"""ALTER TABLE of a MyISAM, Aria or MEMORY table (fix-mysql58): only InnoDB has online DDL, so
every operation but a metadata-only one copies the table (ALGORITHM=COPY, LOCK=SHARED: reads
go on, writes wait), and ALGORITHM=INSTANT / NOCOPY / INPLACE or LOCK=NONE is refused (1845).
The engine is the CREATE TABLE's ENGINE= or the session's default_storage_engine. Checked on
MariaDB 10.11; MySQL 8 from its manual only."""

from __future__ import annotations

import pytest
from mariadb_lock_helpers import COPYING, start_in_phase, waits_during

SETUP = """CREATE TABLE inno (id INT NOT NULL, v INT, e ENUM('a', 'b'), KEY k (id));
CREATE TABLE my (id INT NOT NULL, v INT, e ENUM('a', 'b'), KEY k (id)) ENGINE=MyISAM;
CREATE TABLE ar (id INT NOT NULL, v INT, e ENUM('a', 'b'), KEY k (id)) ENGINE=Aria;
CREATE TABLE mem (id INT NOT NULL, v INT, e ENUM('a', 'b'), KEY k (id)) ENGINE=MEMORY;
"""

#: (operation, whether a MyISAM / Aria / MEMORY table is copied for it); MariaDB 10.11 refuses
#: ALGORITHM=INPLACE (1845) exactly for the copied ones (test_the_server_agrees)
OPERATIONS = [
    ("ADD COLUMN c INT", True),
    ("ADD COLUMN c INT FIRST", True),
    ("FORCE", True),
    ("ADD INDEX iv (v)", True),
    ("DROP INDEX k", True),
    ("DROP COLUMN v", True),
    ("MODIFY v BIGINT", True),
    ("AUTO_INCREMENT = 5", True),
    ("RENAME COLUMN v TO w", False),
    ("ALTER v SET DEFAULT 3", False),
    ("ALTER v DROP DEFAULT", False),
    ("COMMENT = 'x'", False),
    ("RENAME INDEX k TO k2", False),
    ("MODIFY e ENUM('a', 'b', 'c')", False),
]
ENGINES = ["my", "ar", "mem"]


def _alter(report) -> dict:
    (action,) = [a for s in report.statements for a in s.effect.actions
                 if a.kind == "mysql_alter_table"]
    return action.facts


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("table", ENGINES)
@pytest.mark.parametrize(("operation", "copies"), OPERATIONS)
def test_a_non_innodb_table_is_copied_unless_only_metadata_changes(
        lint_change, dialect: str, table: str, operation: str, copies: bool) -> None:
    facts = _alter(lint_change(f"ALTER TABLE {table} {operation};", dialect))
    assert (facts["algorithm"] == "COPY") is copies
    if copies:
        assert facts["lock_level"] == "SHARED" and not facts["permits_dml"]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_the_copy_is_said_with_the_engine(lint_change, dialect: str) -> None:
    (finding,) = lint_change("ALTER TABLE ar ADD COLUMN c INT;", dialect).all_findings
    assert finding.rule == "mysql-table-copy"
    assert "(ar is an Aria table: only InnoDB alters a table in place or instantly)" \
        in finding.message
    assert [f.rule for f in lint_change("ALTER TABLE inno ADD COLUMN c INT;", dialect)
            .all_findings] == []


@pytest.mark.parametrize("clause", ["ALGORITHM=INPLACE", "ALGORITHM=INSTANT", "LOCK=NONE"])
def test_an_online_clause_on_such_a_table_is_refused_with_1845(lint_change, clause: str
                                                                ) -> None:
    rules = {f.rule: f for f in lint_change(f"ALTER TABLE my ADD INDEX iv (v), {clause};",
                                            "mariadb").all_findings}
    refusal = rules["mysql-lock-not-supported" if clause.startswith("LOCK")
                    else "mysql-algorithm-not-supported"]
    assert "my is a MyISAM table" in refusal.message and "error 1845" in refusal.message
    # the same clause on an InnoDB table is taken
    assert not lint_change(f"ALTER TABLE inno ADD INDEX iv (v), {clause};".replace(
        "ALGORITHM=INSTANT", "ALGORITHM=NOCOPY"), "mariadb").all_findings


def test_a_metadata_change_keeps_its_online_clause(lint_change) -> None:
    assert not lint_change("ALTER TABLE my RENAME INDEX k TO k2, ALGORITHM=INSTANT, "
                           "LOCK=NONE;", "mariadb").all_findings


@pytest.mark.parametrize(("set_engine", "copies"), [
    ("SET default_storage_engine = MyISAM;", True),
    ("SET SESSION default_storage_engine = 'Aria';", True),
    ("SET @@default_storage_engine = MEMORY;", True),
    ("SET GLOBAL default_storage_engine = MyISAM;", False),
    ("SET default_storage_engine = MyISAM; SET default_storage_engine = DEFAULT;", False),
    ("SET default_storage_engine = MyISAM; SET default_storage_engine = InnoDB;", False),
])
def test_default_storage_engine_gives_a_created_table_its_engine(
        lint_change, set_engine: str, copies: bool) -> None:
    setup = f"{set_engine}\nCREATE TABLE t (id INT PRIMARY KEY, v INT);\n"
    facts = _alter(lint_change("ALTER TABLE t ADD COLUMN c INT;", "mariadb", setup=setup))
    assert (facts["algorithm"] == "COPY") is copies


def test_default_storage_engine_is_not_a_temporary_tables(lint_change) -> None:
    # (a TEMPORARY table takes default_tmp_storage_engine; the ALTER copies it in any case)
    setup = "SET default_storage_engine = MyISAM;\nCREATE TABLE t (id INT PRIMARY KEY);\n"
    report = lint_change("CREATE TEMPORARY TABLE tt (id INT PRIMARY KEY);\n"
                         "CREATE FULLTEXT INDEX f ON tt (id);", "mariadb", setup=setup)
    assert "mysql-fulltext-on-temporary-table" in {f.rule for f in report.all_findings}


def test_default_storage_engine_holds_for_its_migration_only(lint_change) -> None:
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    reports = lint_migrations([
        migration_from_text("SET default_storage_engine = MyISAM;", "1_a.sql"),
        migration_from_text("CREATE TABLE t (id INT PRIMARY KEY, v INT);", "2_b.sql"),
        migration_from_text("ALTER TABLE t ADD COLUMN c INT;", "3_c.sql")],
        LintOptions(dialect="mariadb"))
    assert not reports[2].all_findings


# --- checked on MariaDB ----------------------------------------------------------------------

@pytest.mark.parametrize("table", ENGINES)
def test_the_server_agrees(mariadb, lint_change, table: str) -> None:
    """lockwise copies exactly where MariaDB refuses ALGORITHM=INPLACE and LOCK=NONE (1845),
    and takes ALGORITHM=INSTANT and LOCK=NONE where it does."""
    for operation, _ in OPERATIONS:
        for clause in ("ALGORITHM=INPLACE", "ALGORITHM=INSTANT", "LOCK=NONE"):
            mariadb.fresh("engines", SETUP)
            ran = mariadb.run(f"ALTER TABLE {table} {operation}, {clause}", "engines")
            facts = _alter(lint_change(f"ALTER TABLE {table} {operation}, {clause};",
                                       "mariadb"))
            taken = facts["algorithm_allowed"] and facts["lock_allowed"]
            assert (ran.returncode == 0) is taken, (operation, clause, ran.stderr)
            if not taken:
                assert "ERROR 1845" in ran.stderr, (operation, clause, ran.stderr)


@pytest.mark.parametrize(("engine", "alter"), [
    ("MyISAM", "FORCE"), ("Aria", "FORCE"), ("MEMORY", "FORCE"),
    # (fix-mysql59: a move to another engine, from InnoDB too)
    ("InnoDB", "ENGINE=MyISAM"), ("MyISAM", "ENGINE=Aria")])
def test_on_mariadb_reads_go_on_and_writes_wait_during_the_copy(mariadb, engine: str,
                                                                 alter: str) -> None:
    rows = 600000
    heap = "SET max_heap_table_size = 1073741824"
    mariadb.fresh("engcopy", f"{heap}; CREATE TABLE big (id INT PRIMARY KEY, v VARCHAR(100), "
                             f"KEY (v)) ENGINE={engine}; INSERT INTO big SELECT seq, "
                             f"REPEAT(MD5(seq), 3) FROM seq_1_to_{rows}")
    seen: dict[str, bool] = {}
    # (a probe is decided only inside the copy: on a slow or loaded machine the copy may end
    # before a probe does, so the ALTER runs again, a bounded number of times)
    for _ in range(10):
        mariadb.run(f"{heap}; ALTER TABLE big ENGINE={engine}", "engcopy")
        ddl, ddl_id = start_in_phase(mariadb, "engcopy", f"{heap}; ALTER TABLE big {alter}",
                                     "ALTER TABLE big", COPYING)
        try:
            for probe, sql in (("read", "SELECT v FROM big WHERE id = 7"),
                               ("write", "UPDATE big SET v = 'x' WHERE id = 9")):
                if ddl_id is not None and probe not in seen:
                    decided = waits_during(mariadb, "engcopy", sql, ddl_id, COPYING)
                    if decided is not None:
                        seen[probe] = decided
        finally:
            assert ddl.wait(timeout=120) == 0, ddl.stderr.read() if ddl.stderr else ""
        if len(seen) == 2:
            break
    assert seen == {"read": False, "write": True}


# --- fix-mysql59: ALTER TABLE ... ENGINE= naming another engine -------------------------------

#: (table, ENGINE=): each moves the table to another engine, which MariaDB 10.11 always copies
MOVES = [("inno", "MyISAM"), ("inno", "Aria"), ("inno", "MEMORY"), ("my", "Aria"),
         ("my", "InnoDB"), ("ar", "MyISAM"), ("mem", "innodb")]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("table", "engine"), MOVES)
def test_a_move_to_another_engine_is_a_copy(lint_change, dialect: str, table: str,
                                            engine: str) -> None:
    report = lint_change(f"ALTER TABLE {table} ENGINE={engine};", dialect)
    facts = _alter(report)
    assert facts["algorithm"] == "COPY" and facts["lock_level"] == "SHARED"
    assert not facts["permits_dml"]
    (finding,) = report.all_findings
    assert finding.rule == "mysql-table-copy"
    assert f"the ALTER moves {table} from " in finding.message
    assert "a table changing its storage engine is always copied" in finding.message


@pytest.mark.parametrize(("table", "engine"), [("inno", "InnoDB"), ("inno", "innodb")])
def test_the_same_engine_is_no_move(lint_change, table: str, engine: str) -> None:
    facts = _alter(lint_change(f"ALTER TABLE {table} ENGINE={engine};", "mariadb"))
    assert facts["algorithm"] == "INPLACE" and facts["permits_dml"]


@pytest.mark.parametrize(("clause", "rule", "error"), [
    ("ALGORITHM=INPLACE", "mysql-algorithm-not-supported", 1845),
    ("ALGORITHM=INPLACE, LOCK=NONE", "mysql-algorithm-not-supported", 1845),
    ("LOCK=NONE", "mysql-lock-not-supported", 1846),
    ("ALGORITHM=INSTANT, LOCK=NONE", "mysql-lock-not-supported", 1846),
])
def test_a_move_refuses_an_online_clause(lint_change, clause: str, rule: str,
                                         error: int) -> None:
    rules = {f.rule: f for f in lint_change(f"ALTER TABLE inno ENGINE=MyISAM, {clause};",
                                            "mariadb").all_findings}
    assert f"error {error}" in rules[rule].message


@pytest.mark.parametrize("clause", ["ALGORITHM=INSTANT", "ALGORITHM=NOCOPY", "LOCK=SHARED"])
def test_mariadb_takes_instant_for_a_move_and_copies(lint_change, clause: str) -> None:
    report = lint_change(f"ALTER TABLE inno ENGINE=MyISAM, {clause};", "mariadb")
    assert [f.rule for f in report.all_findings] == ["mysql-table-copy"]


def test_after_a_move_the_table_is_planned_for_its_new_engine(lint_change) -> None:
    setup = SETUP + "ALTER TABLE inno ENGINE=MyISAM;\nALTER TABLE my ENGINE=InnoDB;\n"
    assert _alter(lint_change("ALTER TABLE inno ADD COLUMN c INT;", "mariadb",
                              setup=setup))["algorithm"] == "COPY"
    assert _alter(lint_change("ALTER TABLE my ADD COLUMN c INT;", "mariadb",
                              setup=setup))["algorithm"] == "INSTANT"


@pytest.mark.parametrize(("table", "engine"), MOVES)
def test_the_server_agrees_on_moves(mariadb, lint_change, table: str, engine: str) -> None:
    """Every clause lockwise takes for a move runs, and every one it refuses is the error it
    names; the table has the new engine after it."""
    for clause in ("ALGORITHM=INPLACE", "ALGORITHM=INSTANT", "ALGORITHM=NOCOPY", "LOCK=NONE",
                   "LOCK=SHARED", "ALGORITHM=INPLACE, LOCK=NONE"):
        mariadb.fresh("moves", SETUP)
        ran = mariadb.run(f"ALTER TABLE {table} ENGINE={engine}, {clause}; SELECT ENGINE FROM "
                          "information_schema.TABLES WHERE TABLE_SCHEMA = 'moves' AND "
                          f"TABLE_NAME = '{table}'", "moves")
        report = lint_change(f"ALTER TABLE {table} ENGINE={engine}, {clause};", "mariadb")
        facts = _alter(report)
        taken = facts["algorithm_allowed"] and facts["lock_allowed"]
        assert (ran.returncode == 0) is taken, (clause, ran.stderr)
        if taken:
            assert engine.lower() in ran.stdout.lower()
        else:
            (error,) = {m for f in report.all_findings
                        for m in ("error 1845", "error 1846") if m in f.message}
            assert f"ERROR {error.split()[1]}" in ran.stderr, (clause, ran.stderr)
