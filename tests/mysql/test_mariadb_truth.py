"""Truth check of the MySQL/MariaDB effect model against a real MariaDB server.

For each operation, the statement is run with ALGORITHM=INSTANT, NOCOPY, INPLACE and COPY in
turn on a fresh table; the first the server accepts is what it can really do. That must be the
algorithm lockwise predicts. LOCK=NONE acceptance checks whether concurrent writes continue.
"""

from __future__ import annotations

import pytest
from mariadb_lock_helpers import waits
from test_mysql_dialect_syntax import CASES as DIALECT_SYNTAX
from test_mysql_dialect_syntax import SETUP as DIALECT_SYNTAX_SETUP
from test_mysql_lock_tables_session import SETUP as LOCK_TABLES_SETUP
from test_mysql_lock_tables_session import UNDER_LOCK_TABLES
from test_mysql_partition_key_type import CASES as PARTITION_KEY_TYPE
from test_mysql_partition_key_type import SETUP as PARTITION_KEY_TYPE_SETUP
from test_mysql_partition_unique_key import ADD_KEY_CASES as PARTITION_UNIQUE_KEY_ADDED
from test_mysql_partition_unique_key import CASES as PARTITION_UNIQUE_KEY
from test_mysql_partition_unique_key import CREATE_CASES as PARTITION_UNIQUE_KEY_CREATE
from test_mysql_partition_unique_key import PARTITIONED_SETUP as PARTITION_UNIQUE_KEY_TABLES
from test_mysql_partition_unique_key import SETUP as PARTITION_UNIQUE_KEY_SETUP

from lockwise.catalog.model import Catalog
from lockwise.effects.mysql import (
    MySQLSession,
    apply_mysql_statement,
    compute_mysql_effect,
    parse_server_version,
)
from lockwise.parse.mysql import parse_mysql

DROPS = "DROP TABLE IF EXISTS child; DROP TABLE IF EXISTS t; DROP TABLE IF EXISTS t_renamed;"
SETUP = DROPS + """
CREATE TABLE t (
  id INT NOT NULL PRIMARY KEY,
  v VARCHAR(20) CHARACTER SET latin1,
  w VARCHAR(20) CHARACTER SET utf8mb4,
  n INT NOT NULL,
  m INT NULL,
  d INT DEFAULT 1,
  e ENUM('a','b'),
  s SET('a','b','c','d','e','f','g'),
  doc TEXT,
  INDEX t_n_idx (n),
  CONSTRAINT t_n_pos CHECK (n >= 0)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE child (id INT PRIMARY KEY, t_id INT, INDEX child_t_idx (t_id),
  CONSTRAINT child_t_fk FOREIGN KEY (t_id) REFERENCES t (id)) ENGINE=InnoDB;
"""

CASES = {
    "add_column_last": "ALTER TABLE t ADD COLUMN x INT",
    "add_column_positioned": "ALTER TABLE t ADD COLUMN x INT AFTER id",
    "add_column_first": "ALTER TABLE t ADD COLUMN x INT FIRST",
    "add_column_with_default": "ALTER TABLE t ADD COLUMN x INT NOT NULL DEFAULT 5",
    # a DEFAULT computed for each row (from another column, or a new UUID) copies the table
    "add_column_default_reads_column": "ALTER TABLE t ADD COLUMN x INT DEFAULT (n + 1)",
    "add_column_default_uuid": "ALTER TABLE t ADD COLUMN x VARCHAR(36) DEFAULT (UUID())",
    "add_column_default_uuid_short": "ALTER TABLE t ADD COLUMN x BIGINT DEFAULT (UUID_SHORT())",
    "add_column_default_now": "ALTER TABLE t ADD COLUMN x DATETIME DEFAULT (NOW())",
    "add_column_default_rand": "ALTER TABLE t ADD COLUMN x DOUBLE DEFAULT (RAND())",
    "add_column_auto_increment": "ALTER TABLE t ADD COLUMN x BIGINT AUTO_INCREMENT UNIQUE",
    "replace_primary_key_with_auto_increment": "ALTER TABLE child DROP FOREIGN KEY child_t_fk, "
                                               "DROP PRIMARY KEY, "
                                               "ADD COLUMN x BIGINT AUTO_INCREMENT UNIQUE",
    "add_column_stored_generated": "ALTER TABLE t ADD COLUMN x INT AS (n + 1) STORED",
    "add_column_virtual_generated": "ALTER TABLE t ADD COLUMN x INT AS (n + 1) VIRTUAL",
    # an index on the VIRTUAL column the statement adds is built with writes waiting
    "add_virtual_column_indexed": "ALTER TABLE t ADD COLUMN x INT AS (n + 1) VIRTUAL, "
                                  "ADD INDEX t_x (x)",
    "add_virtual_column_and_index": "ALTER TABLE t ADD COLUMN x INT AS (n + 1) VIRTUAL, "
                                    "ADD INDEX t_m (m)",
    # but not beside a UNIQUE one: "INPLACE ADD or DROP of virtual columns cannot be combined
    # with other ALTER TABLE actions"
    "add_virtual_column_and_unique_index": "ALTER TABLE t ADD COLUMN x INT AS (n + 1) "
                                           "VIRTUAL, ADD UNIQUE INDEX t_m_key (m)",
    "drop_column": "ALTER TABLE t DROP COLUMN m",
    "rename_column": "ALTER TABLE t RENAME COLUMN m TO m2",
    "change_column_rename_only": "ALTER TABLE t CHANGE m m2 INT NULL",
    "reorder_column": "ALTER TABLE t MODIFY COLUMN m INT NULL FIRST",
    "set_default": "ALTER TABLE t ALTER COLUMN d SET DEFAULT 2",
    "drop_default": "ALTER TABLE t ALTER COLUMN d DROP DEFAULT",
    "int_to_bigint": "ALTER TABLE t MODIFY COLUMN m BIGINT NULL",
    # an integer's display width is no part of its type (dumps write INT(11), BIGINT(20))
    "int_display_width": "ALTER TABLE t CHANGE m m INT(11) DEFAULT NULL",
    "int_display_width_not_null": "ALTER TABLE t MODIFY COLUMN n INT(4) NOT NULL",
    "int_to_varchar": "ALTER TABLE t MODIFY COLUMN m VARCHAR(20) NULL",
    "extend_varchar_same_length_bytes":
        "ALTER TABLE t MODIFY COLUMN w VARCHAR(60) CHARACTER SET utf8mb4",
    "extend_varchar_more_length_bytes":
        "ALTER TABLE t MODIFY COLUMN w VARCHAR(100) CHARACTER SET utf8mb4",
    "extend_varchar_latin1_past_255":
        "ALTER TABLE t MODIFY COLUMN v VARCHAR(300) CHARACTER SET latin1",
    "shrink_varchar": "ALTER TABLE t MODIFY COLUMN v VARCHAR(10) CHARACTER SET latin1",
    "make_column_nullable": "ALTER TABLE t MODIFY COLUMN n INT NULL",
    "make_column_not_null": "ALTER TABLE t MODIFY COLUMN m INT NOT NULL",
    # a primary key column stays NOT NULL whatever MODIFY says: nothing changes
    "modify_primary_key_column": "ALTER TABLE t MODIFY COLUMN id INT COMMENT 'key'",
    "extend_enum": "ALTER TABLE t MODIFY COLUMN e ENUM('a','b','c')",
    "add_index": "ALTER TABLE t ADD INDEX t_m_idx (m)",
    "create_index": "CREATE INDEX t_m_idx ON t (m)",
    "add_unique_index": "ALTER TABLE t ADD UNIQUE INDEX t_m_key (m)",
    "add_fulltext_index": "ALTER TABLE t ADD FULLTEXT INDEX t_doc_ft (doc)",
    "drop_index": "ALTER TABLE t DROP INDEX t_n_idx",
    "rename_index": "ALTER TABLE t RENAME INDEX t_n_idx TO t_n_idx2",
    "add_primary_key": "ALTER TABLE child DROP FOREIGN KEY child_t_fk, DROP PRIMARY KEY, "
                       "ADD PRIMARY KEY (id, t_id)",
    "drop_primary_key": "ALTER TABLE child DROP PRIMARY KEY",
    "add_foreign_key": "ALTER TABLE child ADD CONSTRAINT child_t_fk2 FOREIGN KEY (t_id) "
                       "REFERENCES t (id)",
    "drop_foreign_key": "ALTER TABLE child DROP FOREIGN KEY child_t_fk",
    "add_check_constraint": "ALTER TABLE t ADD CONSTRAINT t_m_pos CHECK (m > 0)",
    # a new column's own CHECK: MariaDB adds it instantly (MySQL copies, test_mysql_model.py)
    "add_column_with_check": "ALTER TABLE t ADD COLUMN x INT CHECK (x > 0)",
    "drop_check_constraint": "ALTER TABLE t DROP CONSTRAINT t_n_pos",
    "convert_character_set": "ALTER TABLE t CONVERT TO CHARACTER SET latin1",
    "set_default_charset": "ALTER TABLE t CHARACTER SET = latin1",
    "set_default_charset_and_collation": "ALTER TABLE t DEFAULT CHARSET latin1 COLLATE latin1_bin",
    "rebuild_engine": "ALTER TABLE t ENGINE=InnoDB",
    "rebuild_force": "ALTER TABLE t FORCE",
    "change_row_format": "ALTER TABLE t ROW_FORMAT=COMPACT",
    "set_auto_increment": "ALTER TABLE child AUTO_INCREMENT = 100",
    "table_comment": "ALTER TABLE t COMMENT = 'hello'",
    # table options InnoDB applies by a rebuild (fix-mysql53; they were read as none)
    "key_block_size": "ALTER TABLE t KEY_BLOCK_SIZE = 8",
    "key_block_size_and_row_format": "ALTER TABLE t ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=4",
    "page_compressed": "ALTER TABLE t PAGE_COMPRESSED = 1",
    "encrypted": "ALTER TABLE t ENCRYPTED = NO",
    # an existing column given AUTO_INCREMENT is copied (fix-mysql53; read as metadata only),
    # taken away it is not (AUTO_CASES)
    "make_column_auto_increment": "ALTER TABLE t MODIFY COLUMN id INT NOT NULL AUTO_INCREMENT",
    "make_column_auto_increment_renamed": "ALTER TABLE child CHANGE id id2 INT AUTO_INCREMENT",
    # ENUM / SET: only members appended in the same storage size are instant
    "enum_member_inserted": "ALTER TABLE t MODIFY COLUMN e ENUM('a','x','b')",
    "enum_member_renamed": "ALTER TABLE t MODIFY COLUMN e ENUM('a','c')",
    "set_member_appended": "ALTER TABLE t MODIFY COLUMN s SET('a','b','c','d','e','f','g','h')",
    "set_grows_past_one_byte":
        "ALTER TABLE t MODIFY COLUMN s SET('a','b','c','d','e','f','g','h','i')",
    # generated columns: MariaDB's PERSISTENT is STORED
    "add_column_persistent_generated": "ALTER TABLE t ADD COLUMN x INT AS (n + 1) PERSISTENT",
    "add_virtual_and_stored_columns": "ALTER TABLE t ADD COLUMN x INT AS (n + 1) VIRTUAL, "
                                      "ADD COLUMN y INT",
    # nor beside anything that rebuilds the table: a copy
    "add_virtual_column_and_rebuild": "ALTER TABLE t ADD COLUMN x INT AS (n + 1) VIRTUAL, FORCE",
    "add_virtual_column_and_not_null": "ALTER TABLE t ADD COLUMN x INT AS (n + 1) VIRTUAL, "
                                       "MODIFY m INT NOT NULL",
    "add_virtual_column_and_first_fulltext": "ALTER TABLE t ADD COLUMN x INT AS (n + 1) "
                                             "VIRTUAL, ADD FULLTEXT INDEX t_doc_ft (doc)",
    # several operations: one algorithm for the statement
    "add_column_and_index": "ALTER TABLE t ADD COLUMN x INT, ADD INDEX t_m_idx (m)",
    "drop_column_and_index": "ALTER TABLE t ADD INDEX t_m_idx (m), DROP COLUMN d",
    "drop_column_and_drop_index": "ALTER TABLE t DROP INDEX t_n_idx, DROP COLUMN m",
    "rename_column_and_add_index": "ALTER TABLE t ADD INDEX t_m_idx (m), RENAME COLUMN n TO n2",
    "two_fulltext_indexes": "ALTER TABLE t ADD FULLTEXT INDEX t_doc_ft (doc), "
                            "ADD FULLTEXT INDEX t_w_ft (w)",
    # LOCK=NONE and LOCK=SHARED are refused for a rename, though it is instant
    "rename_table": "ALTER TABLE t RENAME TO t_renamed",
    # what mysqldump writes around a table's rows: nothing to InnoDB, LOCK=EXCLUSIVE only
    "disable_keys": "ALTER TABLE t DISABLE KEYS",
}

#: Tables with FULLTEXT indexes, or with the hidden FTS_DOC_ID column they leave behind.
FULLTEXT_DROPS = ("DROP TABLE IF EXISTS ft, ft2, ft_gone, ft_rebuilt, ft_created, ft_unnamed, "
                  "ft_optimized, ft_user;")
FULLTEXT_SETUP = FULLTEXT_DROPS + """
CREATE TABLE ft (id INT NOT NULL PRIMARY KEY, n INT NOT NULL, m INT NULL, d INT DEFAULT 1,
  w VARCHAR(20), doc TEXT, FULLTEXT KEY ft_doc (doc), INDEX ft_n_idx (n)) ENGINE=InnoDB;
CREATE TABLE ft2 (id INT PRIMARY KEY, m INT, w TEXT, doc TEXT,
  FULLTEXT INDEX ft2_doc (doc), FULLTEXT KEY ft2_w (w)) ENGINE=InnoDB;
CREATE TABLE ft_gone (id INT PRIMARY KEY, m INT, w TEXT, doc TEXT,
  FULLTEXT KEY ft_gone_doc (doc)) ENGINE=InnoDB;
ALTER TABLE ft_gone DROP INDEX ft_gone_doc;
CREATE TABLE ft_rebuilt (id INT PRIMARY KEY, m INT, doc TEXT, FULLTEXT (doc)) ENGINE=InnoDB;
ALTER TABLE ft_rebuilt DROP KEY doc, ADD COLUMN q INT;
CREATE TABLE ft_created (id INT PRIMARY KEY, m INT, w TEXT, doc TEXT) ENGINE=InnoDB;
CREATE FULLTEXT INDEX ft_created_doc ON ft_created (doc);
CREATE TABLE ft_unnamed (id INT PRIMARY KEY, m INT, doc TEXT) ENGINE=InnoDB;
ALTER TABLE ft_unnamed ADD FULLTEXT (doc);
ALTER TABLE ft_unnamed RENAME INDEX doc TO ft_unnamed_doc;
CREATE TABLE ft_optimized (id INT PRIMARY KEY, m INT, doc TEXT, FULLTEXT KEY o_doc (doc));
DROP INDEX o_doc ON ft_optimized;
OPTIMIZE TABLE ft_optimized;
CREATE TABLE ft_user (id INT PRIMARY KEY, m INT, doc TEXT, FTS_DOC_ID BIGINT UNSIGNED NOT NULL,
  UNIQUE KEY FTS_DOC_ID_INDEX (FTS_DOC_ID)) ENGINE=InnoDB;
"""

FULLTEXT_CASES = {
    # the hidden column takes the instant path away; the rebuild keeps the index: no LOCK=NONE
    "add_column_last": "ALTER TABLE ft ADD COLUMN x INT",
    "add_column_positioned": "ALTER TABLE ft ADD COLUMN x INT AFTER id",
    "drop_column": "ALTER TABLE ft DROP COLUMN m",
    "reorder_column": "ALTER TABLE ft MODIFY COLUMN m INT NULL FIRST",
    "make_column_nullable": "ALTER TABLE ft MODIFY COLUMN n INT NULL",
    "rebuild_force": "ALTER TABLE ft FORCE",
    "created_by_create_fulltext_index": "ALTER TABLE ft_created ADD COLUMN x INT",
    # what never rebuilds stays as it is
    "add_column_virtual_generated": "ALTER TABLE ft ADD COLUMN x INT AS (n + 1) VIRTUAL",
    "add_virtual_column_and_second_fulltext": "ALTER TABLE ft ADD COLUMN x INT AS (n + 1) "
                                              "VIRTUAL, ADD FULLTEXT INDEX ft_w (w)",
    "rename_column": "ALTER TABLE ft RENAME COLUMN m TO m2",
    "set_default": "ALTER TABLE ft ALTER COLUMN d SET DEFAULT 2",
    "add_index": "ALTER TABLE ft ADD INDEX ft_m_idx (m)",
    "drop_fulltext_index": "ALTER TABLE ft DROP INDEX ft_doc",
    "int_to_bigint": "ALTER TABLE ft MODIFY COLUMN m BIGINT NULL",
    # beside the hidden column, another FULLTEXT index needs no rebuild
    "add_second_fulltext_index": "ALTER TABLE ft ADD FULLTEXT INDEX ft_w (w)",
    "add_fulltext_index_after_one_dropped": "ALTER TABLE ft_gone ADD FULLTEXT INDEX g_w (w)",
    # the index dropped in the same statement does not survive the rebuild
    "drop_fulltext_index_and_add_column": "ALTER TABLE ft DROP INDEX ft_doc, ADD COLUMN x INT",
    "drop_renamed_unnamed_index_and_add_column":
        "ALTER TABLE ft_unnamed DROP INDEX ft_unnamed_doc, ADD COLUMN x INT",
    # two FULLTEXT indexes surviving a rebuild: a copy
    "add_column_beside_two": "ALTER TABLE ft2 ADD COLUMN x INT",
    "add_column_and_fulltext_index": "ALTER TABLE ft ADD COLUMN x INT, ADD FULLTEXT ft_w (w)",
    "drop_one_of_two_and_add_column": "ALTER TABLE ft2 DROP INDEX ft2_w, ADD COLUMN x INT",
    # dropping the last index leaves the hidden column until a rebuild
    "add_column_after_index_dropped": "ALTER TABLE ft_gone ADD COLUMN x INT",
    "add_column_after_rebuild": "ALTER TABLE ft_rebuilt ADD COLUMN x INT",
    "add_column_after_optimize": "ALTER TABLE ft_optimized ADD COLUMN x INT",
    # a user-defined FTS_DOC_ID column: the first FULLTEXT index needs no rebuild, and the
    # column, not hidden, leaves ADD COLUMN instant
    "first_fulltext_index_beside_user_doc_id": "ALTER TABLE ft_user ADD FULLTEXT INDEX fu (doc)",
    "add_column_beside_user_doc_id": "ALTER TABLE ft_user ADD COLUMN x INT",
}

ORDER = ("INSTANT", "NOCOPY", "INPLACE", "COPY")


def _with_clause(statement: str, clause: str) -> str:
    if statement.upper().startswith("CREATE INDEX"):
        return f"{statement} {clause.replace(',', '')}"
    return f"{statement}, {clause}"


def observed(mariadb, statement: str, setup: str = SETUP) -> tuple[str, bool]:
    """The cheapest algorithm MariaDB accepts, and whether it accepts LOCK=NONE."""
    best = "refused"
    for algorithm in ORDER:
        result = mariadb.run(setup + _with_clause(statement, f"ALGORITHM={algorithm}") + ";")
        if result.returncode == 0:
            best = algorithm
            break
    lock_none = mariadb.run(setup + _with_clause(statement, "LOCK=NONE") + ";").returncode == 0
    return best, lock_none


def predicted(statement: str, version: tuple[int, ...], setup: str = SETUP,
              drops: str = DROPS) -> tuple[str, bool]:
    catalog = Catalog()
    session = MySQLSession(flavour="mariadb", version=version)
    parsed = parse_mysql(setup.replace(drops, "") + statement + ";", "mariadb")
    assert not parsed.problems, parsed.problems
    *setup, last = parsed.statements
    for stmt in setup:
        compute_mysql_effect(stmt.tree, catalog, session)
        apply_mysql_statement(catalog, stmt.tree, "setup", session)
    session.new_tables.clear()
    effect = compute_mysql_effect(last.tree, catalog, session)
    summary = next(a for a in effect.actions if a.kind == "mysql_alter_table")
    return summary.facts["algorithm"], summary.facts["permits_dml"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_mariadb_agrees_with_the_model(mariadb, case: str) -> None:
    _agrees(mariadb, case, CASES[case], SETUP, DROPS)


@pytest.mark.parametrize("case", sorted(FULLTEXT_CASES))
def test_mariadb_agrees_on_tables_with_fulltext_indexes(mariadb, case: str) -> None:
    _agrees(mariadb, case, FULLTEXT_CASES[case], FULLTEXT_SETUP, FULLTEXT_DROPS)


AUTO_DROPS = "DROP TABLE IF EXISTS ai;"
AUTO_SETUP = AUTO_DROPS + "CREATE TABLE ai (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, n INT);"
#: A column that has AUTO_INCREMENT already, kept or taken away: metadata only (fix-mysql53).
AUTO_CASES = {
    "keep_auto_increment": "ALTER TABLE ai MODIFY id BIGINT NOT NULL AUTO_INCREMENT COMMENT 'k'",
    "drop_auto_increment": "ALTER TABLE ai MODIFY id BIGINT NOT NULL",
}


@pytest.mark.parametrize("case", sorted(AUTO_CASES))
def test_mariadb_agrees_on_auto_increment_columns(mariadb, case: str) -> None:
    _agrees(mariadb, case, AUTO_CASES[case], AUTO_SETUP, AUTO_DROPS)


def _agrees(mariadb, case: str, statement: str, setup: str, drops: str) -> None:
    version = parse_server_version(mariadb.version())
    actual_algorithm, actual_lock_none = observed(mariadb, statement, setup)
    assert actual_algorithm != "refused", f"MariaDB refused {statement!r} with every algorithm"
    model_algorithm, model_dml = predicted(statement, version, setup, drops)
    assert (model_algorithm, model_dml) == (actual_algorithm, actual_lock_none), (
        f"{case}: MariaDB {'.'.join(map(str, version))} runs {statement!r} as "
        f"{actual_algorithm} (LOCK=NONE {'accepted' if actual_lock_none else 'refused'}), "
        f"lockwise predicts {model_algorithm} (DML {'allowed' if model_dml else 'blocked'})")


def _lint(setup: str, sql: str, dialect: str = "mariadb") -> list:
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    reports = lint_migrations([migration_from_text(setup, "1_setup.sql"),
                               migration_from_text(sql, "2_change.sql")],
                              LintOptions(dialect=dialect, server_version="10.11"))
    return reports[1].all_findings


@pytest.mark.parametrize("statement", [
    "ALTER TABLE t MODIFY COLUMN e ENUM('a','x','b'), ALGORITHM=INSTANT",
    "ALTER TABLE t ADD COLUMN x INT, ADD INDEX t_m_idx (m), ALGORITHM=NOCOPY",
    "ALTER TABLE t RENAME TO t_renamed, LOCK=NONE",
    "ALTER ONLINE TABLE t MODIFY m BIGINT",
    "ALTER TABLE t ADD COLUMN x INT, ALGORITHM=FAST",
])
def test_a_clause_the_server_refuses_is_reported(mariadb, statement: str) -> None:
    """Each of these fails on MariaDB, and lockwise says it will."""
    assert mariadb.run(SETUP + statement + ";").returncode != 0
    rules = {f.rule for f in _lint(SETUP.split(";", 3)[-1], statement + ";")}
    assert rules & {"mysql-algorithm-not-supported", "mysql-lock-not-supported"}, rules


NAMES_SETUP = ("CREATE TABLE `order` (`select` INT PRIMARY KEY, `my col` INT, `Flag` INT, "
               "body TEXT) ENGINE=InnoDB;")


def _runnable(sql: str) -> str:
    """An `instead` with its placeholders filled: the SQL lines, run as they are."""
    lines = [line.split("  --", 1)[0] for line in sql.splitlines()
             if line.strip() and not line.lstrip().startswith(("--", "#", "gh-ost", "pt-"))]
    return "\n".join(lines)


BATCH_SETUP = (
    "CREATE TABLE `order` (`select` INT PRIMARY KEY, `Flag` INT, body VARCHAR(20)) "
    "DEFAULT CHARSET=utf8mb4 COLLATE utf8mb4_general_ci;"
    "CREATE TABLE pair (a INT, b INT, x INT, PRIMARY KEY (a, b));")
#: 12,000 rows (three batches), bodies differing from 'Free' only in case on some: the
#: default collations call them equal, though the UPDATE changes them.
BATCH_ROWS = (
    "SET SESSION max_recursive_iterations = 20000;"
    "INSERT INTO `order` WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
    "WHERE i < 12000) SELECT i, i % 7, IF(i % 3 = 0, 'free', NULL) FROM n;"
    "INSERT INTO pair SELECT `select` % 50, `select`, 0 FROM `order`;")


def _batched(instead: str) -> str:
    """The alternative run as a runner would: its once-part, then its repeated part more
    times than there are batches (running it after the end must change nothing)."""
    lines = [line for line in instead.splitlines() if line.strip()]
    split = next((i for i, line in enumerate(lines) if line.startswith("-- then repeat")), None)
    sql = [line for line in lines if not line.startswith("--")]
    if split is None:
        return "\n".join(sql * 5)
    once = [line for line in lines[:split] if not line.startswith("--")]
    repeated = [line for line in lines[split:] if not line.startswith("--")]
    return "\n".join(once + repeated * 5)


@pytest.mark.parametrize("statement", [
    "UPDATE `order` SET `Flag` = 1, body = 'Free';",
    "UPDATE `order` SET `Flag` = `Flag` + 1;",
    "UPDATE pair SET x = a + b;",
    "UPDATE `order` o JOIN pair ON pair.b = o.`select` SET pair.x = pair.x + o.`Flag`;",
    "DELETE FROM `order`;",
    # MariaDB's RETURNING goes after ORDER BY and LIMIT: each batch returns its own rows
    # (checked on 10.11)
    "DELETE FROM `order` RETURNING `select`, body;",
    "DELETE pair FROM `order` JOIN pair ON pair.b = `order`.`select`;",
    "UPDATE `order`, pair SET pair.x = pair.x + `order`.`Flag` WHERE pair.b = `order`.`select`;",
    "DELETE pair FROM pair, `order` WHERE `order`.`select` = pair.b;",
])
def test_the_batched_backfill_does_what_the_statement_does_on_mariadb(mariadb,
                                                                       statement: str) -> None:
    """The MySQL alternative (no `IN (SELECT ... LIMIT)`, which MySQL and MariaDB refuse),
    repeated past its end, leaves the tables as the one statement does: the same rows changed,
    each once, including rows the default collation calls equal to the value set; a DELETE's
    RETURNING returns the same rows, batch after batch."""
    found = [f for f in _lint(BATCH_SETUP, statement) if f.rule == "unbatched-backfill"]
    assert len(found) == 1
    state = "SELECT * FROM `order` ORDER BY 1; SELECT * FROM pair ORDER BY 1, 2;"
    reset = "DROP TABLE IF EXISTS `order`, pair;" + BATCH_SETUP + BATCH_ROWS
    whole = mariadb.run(reset + statement + state)
    batched = mariadb.run(reset + _batched(found[0].instead) + state)
    assert whole.returncode == 0 and batched.returncode == 0, (whole.stderr, batched.stderr)
    assert batched.stdout == whole.stdout
    assert mariadb.run(reset + "SELECT COUNT(*) FROM `order`").stdout.strip() == "12000"


@pytest.mark.parametrize(("statement", "rule"), [
    ("ALTER TABLE `order` DROP COLUMN `my col`, ALGORITHM=INPLACE;", "drop-column"),
    ("ALTER TABLE `order` ADD COLUMN `key` INT, ADD INDEX (`select`);", "mysql-table-rebuild"),
    ("TRUNCATE TABLE `order`;", "truncate-table"),
])
def test_alternatives_quote_reserved_and_spaced_names(mariadb, statement: str,
                                                       rule: str) -> None:
    found = [f for f in _lint(NAMES_SETUP, statement) if f.rule == rule]
    assert len(found) == 1, [f.rule for f in _lint(NAMES_SETUP, statement)]
    sql = _runnable(found[0].instead)
    assert "`order`" in sql
    result = mariadb.run("DROP TABLE IF EXISTS `order`;" + NAMES_SETUP + sql)
    assert result.returncode == 0, (sql, result.stderr)


ODD_SETUP = "CREATE TABLE `we``ird t` (id INT PRIMARY KEY, `my col` INT) ENGINE=InnoDB;"


@pytest.mark.parametrize(("statement", "rule"), [
    ("ALTER TABLE `we``ird t` ADD COLUMN x INT, ALGORITHM=FAST;",
     "mysql-algorithm-not-supported"),
    ("ALTER TABLE `we``ird t` ADD COLUMN x INT, LOCK=FAST;", "mysql-lock-not-supported"),
    ("ALTER TABLE `we``ird t` ADD INDEX `i x` (`my col`), ALGORITHM=INSTANT, LOCK=NONE;",
     "mysql-algorithm-not-supported"),
    ("CREATE INDEX `i x` ON `we``ird t` (`my col`) ALGORITHM=INSTANT;",
     "mysql-algorithm-not-supported"),
    ("ALTER TABLE `we``ird t` RENAME TO `new t`, LOCK=NONE;", "mysql-lock-not-supported"),
])
def test_a_refused_clause_is_replaced_by_one_the_server_runs(mariadb, statement: str,
                                                             rule: str) -> None:
    """The statement fails for its ALGORITHM= / LOCK= clause alone; the alternative is the
    same ALTER with clauses MariaDB takes, the table's name quoted as it needs."""
    reset = "DROP TABLE IF EXISTS `we``ird t`, `new t`;" + ODD_SETUP
    assert mariadb.run(reset + statement).returncode != 0
    found = [f for f in _lint(ODD_SETUP, statement) if f.rule == rule]
    assert len(found) == 1, [f.rule for f in _lint(ODD_SETUP, statement)]
    sql = _runnable(found[0].instead)
    assert sql.startswith("ALTER TABLE `we``ird t` "), found[0].instead
    result = mariadb.run(reset + sql)
    assert result.returncode == 0, (sql, result.stderr)


SPATIAL_DROPS = "DROP TABLE IF EXISTS places;"
SPATIAL_SETUP = SPATIAL_DROPS + """
CREATE TABLE places (id INT PRIMARY KEY, area POLYGON NOT NULL, spot POINT NULL,
  name VARCHAR(20)) ENGINE=InnoDB;
"""
SPATIAL_CASES = {
    "add_point_column_last": "ALTER TABLE places ADD COLUMN loc POINT",
    "add_point_column_positioned": "ALTER TABLE places ADD COLUMN loc POINT NOT NULL AFTER id",
    "polygon_to_geometry": "ALTER TABLE places MODIFY area GEOMETRY NOT NULL",
    "polygon_to_point": "ALTER TABLE places MODIFY area POINT NOT NULL",
    "point_restated": "ALTER TABLE places MODIFY spot POINT NULL COMMENT 'where'",
    "add_spatial_index": "ALTER TABLE places ADD SPATIAL INDEX places_area (area)",
}


@pytest.mark.parametrize("case", sorted(SPATIAL_CASES))
def test_mariadb_agrees_on_spatial_columns(mariadb, case: str) -> None:
    """sqlglot reads every spatial type as GEOMETRY: the catalog keeps the subtype."""
    _agrees(mariadb, case, SPATIAL_CASES[case], SPATIAL_SETUP, SPATIAL_DROPS)


GENERATED_DROPS = "DROP TABLE IF EXISTS gen;"
GENERATED_SETUP = GENERATED_DROPS + """
CREATE TABLE gen (id INT PRIMARY KEY, n INT, vg INT AS (n + 1) VIRTUAL,
  sg INT AS (n + 1) PERSISTENT, INDEX gen_n (n)) ENGINE=InnoDB;
"""
GENERATED_CASES = {
    # nothing stored: metadata only (it was read as a stored column's drop)
    "drop_virtual_column": "ALTER TABLE gen DROP COLUMN vg",
    "drop_stored_column": "ALTER TABLE gen DROP COLUMN sg",
    # MariaDB's index visibility (MySQL's is VISIBLE / INVISIBLE): it was a parse error
    "ignore_index": "ALTER TABLE gen ALTER INDEX gen_n IGNORED",
    "use_index_again": "ALTER TABLE gen ALTER INDEX gen_n NOT IGNORED",
}


@pytest.mark.parametrize("case", sorted(GENERATED_CASES))
def test_mariadb_agrees_on_generated_columns_and_index_visibility(mariadb, case: str) -> None:
    _agrees(mariadb, case, GENERATED_CASES[case], GENERATED_SETUP, GENERATED_DROPS)


PARTITIONED_DROPS = "DROP TABLE IF EXISTS pgen;"
PARTITIONED_SETUP = PARTITIONED_DROPS + """
CREATE TABLE pgen (id INT NOT NULL, n INT, vg INT AS (n + 1) VIRTUAL, PRIMARY KEY (id))
  ENGINE=InnoDB PARTITION BY HASH (id) PARTITIONS 4;
"""
PARTITIONED_CASES = {
    # instant on a plain table (GENERATED_CASES), a copy on a partitioned one
    "add_virtual_column": "ALTER TABLE pgen ADD COLUMN w INT AS (n + 2) VIRTUAL",
    "drop_virtual_column": "ALTER TABLE pgen DROP COLUMN vg",
    "add_column_last": "ALTER TABLE pgen ADD COLUMN x INT",
    "add_index": "ALTER TABLE pgen ADD INDEX pgen_n (n)",
}


@pytest.mark.parametrize("case", sorted(PARTITIONED_CASES))
def test_mariadb_agrees_on_partitioned_tables(mariadb, case: str) -> None:
    _agrees(mariadb, case, PARTITIONED_CASES[case], PARTITIONED_SETUP, PARTITIONED_DROPS)


KEYS_DROPS = "DROP TABLE IF EXISTS k, k2, k3;"
KEYS_SETUP = KEYS_DROPS + """
CREATE TABLE k (id INT NOT NULL PRIMARY KEY, a INT, b INT, c VARCHAR(20), d INT, u INT, w INT,
  g VARCHAR(32), h VARCHAR(31), l VARCHAR(128) CHARACTER SET latin1,
  e ENUM('x','y') CHARACTER SET utf8mb4, s SET('x','y') COLLATE utf8mb4_unicode_ci,
  INDEX k_ab (a, b), INDEX k_c (c(5)), UNIQUE KEY k_uw (u, w)) ENGINE=InnoDB
  DEFAULT CHARSET=utf8mb4;
CREATE TABLE k2 (id INT PRIMARY KEY, v VARCHAR(20), UNIQUE KEY k2_v (v)) DEFAULT CHARSET=utf8mb4;
CREATE TABLE k3 (v VARCHAR(20) NOT NULL PRIMARY KEY, n INT) DEFAULT CHARSET=utf8mb4;
"""
KEYS_CASES = {
    # the index goes with its only column: no rebuild, but not instant (it was read so)
    "drop_column_with_its_index": "ALTER TABLE k DROP COLUMN c",
    "drop_column_and_its_index": "ALTER TABLE k DROP COLUMN c, DROP INDEX k_c",
    "drop_every_column_of_an_index": "ALTER TABLE k DROP COLUMN a, DROP COLUMN b",
    "drop_every_column_of_a_unique_index": "ALTER TABLE k DROP COLUMN u, DROP COLUMN w",
    "drop_column_and_the_unique_index": "ALTER TABLE k DROP COLUMN u, DROP INDEX k_uw",
    # the index keeps another column: it is built again, the table rebuilt
    "drop_column_of_a_multi_column_index": "ALTER TABLE k DROP COLUMN b",
    "drop_column_added_again": "ALTER TABLE k DROP COLUMN c, ADD COLUMN c VARCHAR(30)",
    # the primary key's only column: the key goes, a copy
    "drop_primary_key_column": "ALTER TABLE k DROP COLUMN id",
    "drop_unindexed_column": "ALTER TABLE k DROP COLUMN d",
    # an ENUM / SET column's character set or collation is part of its type: a copy
    "enum_character_set": "ALTER TABLE k MODIFY e ENUM('x','y') CHARACTER SET latin1",
    "enum_collation": "ALTER TABLE k MODIFY e ENUM('x','y') COLLATE utf8mb4_bin",
    "enum_member_and_collation": "ALTER TABLE k MODIFY e ENUM('x','y','z') COLLATE utf8mb4_bin",
    "set_collation": "ALTER TABLE k MODIFY s SET('x','y') COLLATE utf8mb4_bin",
    "set_member_same_collation":
        "ALTER TABLE k MODIFY s SET('x','y','z') CHARACTER SET utf8mb4 "
        "COLLATE utf8mb4_unicode_ci",
    "enum_member_same_character_set":
        "ALTER TABLE k MODIFY e ENUM('x','y','z') CHARACTER SET utf8mb4",
    # a VARCHAR's collation, same character set: instant unless an index has the column,
    # which is then built again without a table rebuild (NOCOPY)
    "varchar_collation_indexed": "ALTER TABLE k MODIFY c VARCHAR(20) COLLATE utf8mb4_bin",
    "varchar_collation_unindexed": "ALTER TABLE k MODIFY h VARCHAR(31) COLLATE utf8mb4_bin",
    "varchar_collation_unique":
        "ALTER TABLE k2 MODIFY v VARCHAR(20) COLLATE utf8mb4_bin",
    "varchar_collation_primary_key":
        "ALTER TABLE k3 MODIFY v VARCHAR(20) COLLATE utf8mb4_bin NOT NULL",
    # past 255 bytes (a second length byte): instant only from at most 127 bytes, whose
    # lengths InnoDB stores in one byte either way (it was instant from any length)
    "varchar_past_255_from_124_bytes": "ALTER TABLE k MODIFY h VARCHAR(100)",
    "varchar_past_255_from_128_bytes": "ALTER TABLE k MODIFY g VARCHAR(100)",
    "varchar_latin1_past_255_from_128_bytes":
        "ALTER TABLE k MODIFY l VARCHAR(300) CHARACTER SET latin1",
}


@pytest.mark.parametrize("case", sorted(KEYS_CASES))
def test_mariadb_agrees_on_indexed_columns_and_enum_types(mariadb, case: str) -> None:
    _agrees(mariadb, case, KEYS_CASES[case], KEYS_SETUP, KEYS_DROPS)


UTF8_DROPS = "DROP TABLE IF EXISTS u8, u8l, u8n, u8j, u8e;"
UTF8_SETUP = UTF8_DROPS + """
CREATE TABLE u8 (id INT PRIMARY KEY, k VARCHAR(10), v VARCHAR(80), w VARCHAR(40), c CHAR(10),
  x TEXT, n VARCHAR(100), KEY u8_k (k)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb3;
CREATE TABLE u8l (id INT PRIMARY KEY, k VARCHAR(10), l VARCHAR(10) CHARACTER SET latin1)
  ENGINE=InnoDB DEFAULT CHARSET=utf8mb3;
CREATE TABLE u8n (id INT PRIMARY KEY, n BIGINT, d DATETIME, b BLOB, INDEX u8n_n (n))
  ENGINE=InnoDB DEFAULT CHARSET=latin1;
CREATE TABLE u8j (id INT PRIMARY KEY, j JSON) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
CREATE TABLE u8e (id INT PRIMARY KEY, e ENUM('a','b')) ENGINE=InnoDB DEFAULT CHARSET=latin1;
"""
UTF8_CASES = {
    # utf8mb3 -> utf8mb4 re-encodes nothing (MariaDB 10.4+): instant, while a VARCHAR keeps
    # its length bytes or grows from under 128 bytes (all of it was read as a copy)
    "varchar_to_utf8mb4": "ALTER TABLE u8 MODIFY w VARCHAR(40) CHARACTER SET utf8mb4",
    "indexed_varchar_to_utf8mb4": "ALTER TABLE u8 MODIFY k VARCHAR(10) CHARACTER SET utf8mb4",
    "char_to_utf8mb4": "ALTER TABLE u8 MODIFY c CHAR(10) CHARACTER SET utf8mb4",
    "text_to_utf8mb4": "ALTER TABLE u8 MODIFY x TEXT CHARACTER SET utf8mb4",
    "varchar_grown_to_utf8mb4": "ALTER TABLE u8 MODIFY k VARCHAR(100) CHARACTER SET utf8mb4",
    "same_collation_family": "ALTER TABLE u8 MODIFY w VARCHAR(40) CHARACTER SET utf8mb4 "
                             "COLLATE utf8mb4_general_ci",
    "long_varchar_to_utf8mb4": "ALTER TABLE u8 MODIFY n VARCHAR(100) CHARACTER SET utf8mb4",
    # CONVERT TO makes a TEXT column MEDIUMTEXT, to hold as many characters: a type change
    "convert_table_with_text": "ALTER TABLE u8 DROP COLUMN v, CONVERT TO CHARACTER SET utf8mb4",
    # a second length byte from 240 bytes, a shorter column, latin1: copies
    "varchar_past_255_to_utf8mb4": "ALTER TABLE u8 MODIFY v VARCHAR(80) CHARACTER SET utf8mb4",
    "varchar_shrunk_to_utf8mb4": "ALTER TABLE u8 MODIFY w VARCHAR(20) CHARACTER SET utf8mb4",
    "latin1_to_utf8mb4": "ALTER TABLE u8l MODIFY l VARCHAR(10) CHARACTER SET utf8mb4",
    "convert_table_with_latin1": "ALTER TABLE u8l CONVERT TO CHARACTER SET utf8mb4",
    "convert_table_with_long_varchar": "ALTER TABLE u8 CONVERT TO CHARACTER SET utf8mb4",
    # no string column to re-encode: only the table's default changes, instantly (it was
    # read as a copy); MariaDB's JSON is a LONGTEXT, and an ENUM has a character set
    "convert_table_without_string_columns":
        "ALTER TABLE u8n CONVERT TO CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
    "convert_table_with_json": "ALTER TABLE u8j CONVERT TO CHARACTER SET latin1",
    "convert_table_with_enum": "ALTER TABLE u8e CONVERT TO CHARACTER SET utf8mb4",
}


@pytest.mark.parametrize("case", sorted(UTF8_CASES))
def test_mariadb_agrees_on_utf8mb3_to_utf8mb4(mariadb, case: str) -> None:
    _agrees(mariadb, case, UTF8_CASES[case], UTF8_SETUP, UTF8_DROPS)


@pytest.mark.parametrize(("statement", "refused"), [
    # a column of a multi-column UNIQUE index (MariaDB 10.2.8+)
    ("ALTER TABLE k DROP COLUMN u", True),
    ("ALTER TABLE k DROP COLUMN w, ADD COLUMN x INT", True),
    # an index the same statement adds names a column it drops
    ("ALTER TABLE k DROP COLUMN d, ADD INDEX k_d (d)", True),
    ("ALTER TABLE k DROP COLUMN d, ADD UNIQUE KEY k_ad (a, d)", True),
    ("ALTER TABLE k DROP COLUMN u, DROP INDEX k_uw", False),
    ("ALTER TABLE k DROP COLUMN u, DROP COLUMN w", False),
    ("ALTER TABLE k DROP COLUMN d, ADD COLUMN d INT, ADD INDEX k_d (d)", False),
    ("ALTER TABLE k DROP COLUMN b", False),
])
def test_a_dropped_key_column_is_refused(mariadb, statement: str, refused: bool) -> None:
    """MariaDB refuses the statement with error 1072 exactly when lockwise says it will; a
    refused statement is not also judged on the algorithm it would take."""
    rules = _refused_as_lockwise_says(mariadb, KEYS_SETUP, KEYS_DROPS, statement, refused,
                                      1072, "mysql-key-column-dropped")
    assert not refused or not rules & {"mysql-table-copy", "mysql-table-rebuild",
                                       "mysql-blocks-writes"}


def _refused_as_lockwise_says(mariadb, setup: str, drops: str, statement: str, refused: bool,
                              error: int, rule: str) -> set[str]:
    """Assert that MariaDB refuses `statement` after `setup` with `error` exactly when `rule`
    reports it; the rules lockwise reports."""
    result = mariadb.run(setup + statement + ";")
    assert (f"ERROR {error}" in result.stderr) == refused, result.stderr
    assert refused or result.returncode == 0, result.stderr
    rules = {f.rule for f in _lint(setup.replace(drops, ""), statement + ";")}
    assert (rule in rules) == refused, statement
    return rules


CHECKS_DROPS = "DROP TABLE IF EXISTS ck;"
CHECKS_SETUP = CHECKS_DROPS + """
CREATE TABLE ck (id INT PRIMARY KEY, qty INT, price INT, code INT, note INT,
  CONSTRAINT ck_qty CHECK (qty > 0), CONSTRAINT ck_price CHECK (price >= qty),
  code_ok INT CHECK (code_ok IN (0, 1)), CHECK (note > 0)) ENGINE=InnoDB;
"""


@pytest.mark.parametrize(("statement", "refused"), [
    # MariaDB renames the column inside its CHECKs (MySQL refuses: error 3959)
    ("ALTER TABLE ck RENAME COLUMN qty TO quantity", False),
    ("ALTER TABLE ck CHANGE price amount INT", False),
    ("ALTER TABLE ck RENAME COLUMN qty TO quantity; ALTER TABLE ck DROP COLUMN quantity", True),
    # a CHECK of that column alone goes with it; one of several columns refuses the drop
    ("ALTER TABLE ck DROP COLUMN code_ok", False),
    ("ALTER TABLE ck DROP COLUMN note", False),
    ("ALTER TABLE ck DROP COLUMN qty", True),
    ("ALTER TABLE ck DROP CONSTRAINT ck_price, DROP COLUMN qty", False),
    # an unnamed CHECK is CONSTRAINT_<n>, the lowest n free
    ("ALTER TABLE ck ADD CHECK (code > note); ALTER TABLE ck DROP COLUMN code", True),
    ("ALTER TABLE ck DROP CONSTRAINT CONSTRAINT_1, ADD CHECK (code > note);"
     " ALTER TABLE ck DROP CONSTRAINT CONSTRAINT_1, DROP COLUMN code", False),
])
def test_a_column_a_check_uses_is_refused_as_lockwise_says(mariadb, statement: str,
                                                           refused: bool) -> None:
    """MariaDB refuses to drop a column a CHECK of several columns uses (error 1054) exactly
    when lockwise says it will, after renames and unnamed CHECKs it names as MariaDB does."""
    _refused_as_lockwise_says(mariadb, CHECKS_SETUP, CHECKS_DROPS, statement, refused, 1054,
                              "mysql-check-column-in-use")


@pytest.mark.parametrize(("statement", "refused"), [
    ("ALTER TABLE ck DROP CONSTRAINT nothing", True),
    ("ALTER TABLE ck DROP CONSTRAINT ck_qty; ALTER TABLE ck DROP CONSTRAINT ck_qty", True),
    ("ALTER TABLE ck DROP CONSTRAINT ck_qty", False),
    ("ALTER TABLE ck DROP CONSTRAINT code_ok", True),  # a column's CHECK stays with it
    ("ALTER TABLE ck DROP CONSTRAINT CONSTRAINT_1", False),  # the unnamed table CHECK
    ("ALTER TABLE ck DROP CONSTRAINT IF EXISTS nothing", False),
])
def test_a_constraint_the_table_lacks_is_refused(mariadb, statement: str, refused: bool) -> None:
    """MariaDB refuses DROP CONSTRAINT of a name the table lacks (error 1091) exactly when
    lockwise says it will."""
    _refused_as_lockwise_says(mariadb, CHECKS_SETUP, CHECKS_DROPS, statement, refused, 1091,
                              "mysql-constraint-not-found")


SPATIAL_NULL_STATEMENTS = [
    "ALTER TABLE places ADD SPATIAL INDEX places_spot (spot)",
    "CREATE SPATIAL INDEX places_spot ON places (spot)",
    "ALTER TABLE places ADD SPATIAL INDEX places_area (area)",
    "ALTER TABLE places MODIFY spot POINT NOT NULL, ADD SPATIAL INDEX places_spot (spot)",
    "ALTER TABLE places ADD COLUMN loc POINT, ADD SPATIAL INDEX (loc)",
    "ALTER TABLE places ADD COLUMN loc POINT NOT NULL, ADD SPATIAL INDEX (loc)",
    "CREATE TABLE shapes (id INT, g GEOMETRY, SPATIAL INDEX (g))",
    "CREATE TABLE shapes (id INT, g GEOMETRY NOT NULL, SPATIAL INDEX (g))",
]


@pytest.mark.parametrize("statement", SPATIAL_NULL_STATEMENTS)
def test_a_spatial_index_on_a_nullable_column_is_refused(mariadb, statement: str) -> None:
    """MariaDB refuses the statement (error 1252) exactly when lockwise says it will, and the
    alternative it gives for an existing column runs."""
    result = mariadb.run("DROP TABLE IF EXISTS shapes;" + SPATIAL_SETUP + statement + ";")
    refused = "ERROR 1252" in result.stderr
    assert refused or result.returncode == 0, result.stderr
    found = [f for f in _lint(SPATIAL_SETUP.replace(SPATIAL_DROPS, ""), statement + ";")
             if f.rule == "mysql-spatial-index-nullable"]
    assert bool(found) == refused, (statement, result.stderr)
    if found and "MODIFY" in found[0].instead:
        fixed = mariadb.run(SPATIAL_SETUP + _runnable(found[0].instead))
        assert fixed.returncode == 0, (found[0].instead, fixed.stderr)


@pytest.mark.parametrize("lock", ["WRITE", "READ", "READ LOCAL", "LOW_PRIORITY WRITE",
                                  "WRITE CONCURRENT"])
def test_what_lock_tables_keeps_other_sessions_from_doing(mariadb, lock: str) -> None:
    """Another session's read and write of the table, while one session holds LOCK TABLES,
    wait exactly as lockwise says (seen waiting, or ending, while the holder holds its lock:
    decided from the server's processlist, mariadb_lock_helpers.waits, never a clock)."""
    setup = "DROP TABLE IF EXISTS held; CREATE TABLE held (id INT PRIMARY KEY) ENGINE=InnoDB;"
    assert mariadb.run(setup).returncode == 0
    reads = not waits(mariadb, "truth", "SELECT COUNT(*) FROM held", f"LOCK TABLES held {lock}")[0]
    writes = not waits(mariadb, "truth", "INSERT INTO held VALUES (1)",
                       f"LOCK TABLES held {lock}")[0]
    findings = [f for f in _lint(setup.split(";", 1)[1], f"LOCK TABLES held {lock};")
                if f.rule == "mysql-lock-tables"]
    blocked = findings[0].message if findings else ""
    assert ("reads and writes wait" in blocked) == (not reads), (lock, blocked)
    assert ("writes wait" in blocked) == (not writes), (lock, blocked)


@pytest.mark.parametrize(("sql", "refused"), UNDER_LOCK_TABLES)
def test_what_a_session_holding_lock_tables_may_do(mariadb, sql: str, refused: list) -> None:
    """The statements MariaDB refuses while the session holds LOCK TABLES (error 1100 or
    1099), run one by one in one session, are those lockwise says it refuses."""
    import re
    import subprocess

    setup = ("SET foreign_key_checks = 0; DROP TABLE IF EXISTS accounts, audit, audit2, other, "
             "fresh; SET foreign_key_checks = 1;"
             + LOCK_TABLES_SETUP.replace("\n", " "))
    assert mariadb.run(setup).returncode == 0
    run = subprocess.run([mariadb.client, "--no-defaults", "-S", str(mariadb.socket), "-uroot",
                          "--force", "truth"], input=sql, capture_output=True, text=True,
                         timeout=60)
    errors = [(int(line), table) for code, line, table in re.findall(
        r"ERROR (\d+) \(HY000\) at line (\d+): Table '(\w+)'", run.stderr)
        if code in ("1099", "1100")]
    assert errors == refused, run.stderr


def test_mariadb_refuses_rename_table_under_lock_tables(mariadb) -> None:
    """RENAME TABLE while the session holds LOCK TABLES: error 1192, as lockwise says (MySQL
    8.0.13+ takes it for a table locked WRITE; test_mysql_lock_tables_session.py)."""
    from test_mysql_lock_tables_session import RENAME_UNDER_LOCK

    setup = "DROP TABLE IF EXISTS accounts, accounts_old, audit, other;" + \
        LOCK_TABLES_SETUP.replace("\n", " ")
    result = mariadb.run(setup + RENAME_UNDER_LOCK.replace("\n", " "))
    assert "ERROR 1192" in result.stderr, result.stderr
    found = [f for f in _lint(LOCK_TABLES_SETUP, RENAME_UNDER_LOCK)
             if f.rule == "mysql-table-not-locked"]
    assert found[0].span.line == 2 and "error 1192" in found[0].message
    # the alternative: ALTER TABLE ... RENAME TO, which the session holding the lock may run
    fixed = mariadb.run(setup + "LOCK TABLES accounts WRITE;" + _runnable(found[0].instead)
                        + "; UNLOCK TABLES; SELECT COUNT(*) FROM accounts_old;")
    assert fixed.returncode == 0, (found[0].instead, fixed.stderr)


FK_DROPS = "SET foreign_key_checks = 0; DROP TABLE IF EXISTS o, c; SET foreign_key_checks = 1;"
FK_SETUP = FK_DROPS + """
CREATE TABLE c (id INT PRIMARY KEY, u INT, KEY c_u (u)) ENGINE=InnoDB;
CREATE TABLE o (id INT PRIMARY KEY, cid INT, cu INT, x INT, KEY o_cid (cid), KEY o_cid_x (cid, x),
  CONSTRAINT o_c_fk FOREIGN KEY (cid) REFERENCES c (id),
  CONSTRAINT o_cu_fk FOREIGN KEY (cu) REFERENCES c (u)) ENGINE=InnoDB;
"""


@pytest.mark.parametrize(("statement", "refused"), [
    ("ALTER TABLE o DROP INDEX o_cid", False),  # o_cid_x still starts with cid
    ("ALTER TABLE o DROP INDEX o_cid, DROP INDEX o_cid_x", True),
    ("ALTER TABLE o DROP INDEX o_cid, DROP INDEX o_cid_x, ADD INDEX o_cid2 (cid)", False),
    ("ALTER TABLE o DROP FOREIGN KEY o_c_fk, DROP INDEX o_cid, DROP INDEX o_cid_x", False),
    ("ALTER TABLE o DROP INDEX o_cu_fk", True),  # the index the server made for o_cu_fk
    ("ALTER TABLE o DROP COLUMN cu", True),
    ("ALTER TABLE o DROP COLUMN x", False),
    ("ALTER TABLE c DROP INDEX c_u", True),  # the referenced side
    ("DROP INDEX c_u ON c", True),
    ("SET foreign_key_checks = 0;\nALTER TABLE o DROP INDEX o_cu_fk", False),
])
def test_an_index_a_foreign_key_needs_is_refused(mariadb, statement: str,
                                                  refused: bool) -> None:
    """MariaDB refuses the statement (error 1553) exactly when lockwise says it will."""
    _refused_as_lockwise_says(mariadb, FK_SETUP, FK_DROPS, statement, refused, 1553,
                              "mysql-foreign-key-index-dropped")


FKCOL_DROPS = "SET foreign_key_checks = 0; DROP TABLE IF EXISTS ch, pa, gc, gc2, pa2; " \
    "SET foreign_key_checks = 1;"
FKCOL_SETUP = FKCOL_DROPS + """
CREATE TABLE pa (id INT PRIMARY KEY, code VARCHAR(20), n INT, UNIQUE KEY pa_code (code))
  ENGINE=InnoDB DEFAULT CHARSET=utf8mb3;
CREATE TABLE ch (id INT PRIMARY KEY, pid INT, pcode VARCHAR(20), m INT,
  CONSTRAINT ch_fk FOREIGN KEY (pid) REFERENCES pa (id),
  CONSTRAINT ch_code_fk FOREIGN KEY (pcode) REFERENCES pa (code)) ENGINE=InnoDB
  DEFAULT CHARSET=utf8mb3;
CREATE TABLE gc (id INT PRIMARY KEY, pid INT, FOREIGN KEY (pid) REFERENCES pa (id)) ENGINE=InnoDB;
"""


@pytest.mark.parametrize(("statement", "error"), [
    ("ALTER TABLE pa MODIFY id BIGINT", 1833),
    ("ALTER TABLE ch MODIFY pid BIGINT", 1832),
    ("ALTER TABLE ch MODIFY pid INT UNSIGNED", 1832),
    ("ALTER TABLE ch MODIFY pcode VARCHAR(30)", 1832),  # MySQL allows this one
    ("ALTER TABLE pa MODIFY code VARCHAR(10)", 1833),
    ("ALTER TABLE ch MODIFY pcode VARCHAR(20) CHARACTER SET utf8mb4", 1832),
    ("SET foreign_key_checks = 0;\nALTER TABLE ch MODIFY pid BIGINT", 1832),
    ("ALTER TABLE ch CHANGE pid parent_id INT", None),
    ("ALTER TABLE ch MODIFY pid INT NOT NULL", None),
    ("ALTER TABLE ch MODIFY m BIGINT", None),
    ("ALTER TABLE pa MODIFY n BIGINT", None),
    # a renamed table keeps its foreign keys, the generated names following it (gc_ibfk_1
    # becomes gc2_ibfk_1), and the keys that reference it follow it too
    ("RENAME TABLE gc TO gc2;\nALTER TABLE gc2 MODIFY pid BIGINT", 1832),
    ("RENAME TABLE gc TO gc2;\nALTER TABLE gc2 DROP FOREIGN KEY gc2_ibfk_1;\n"
     "ALTER TABLE gc2 MODIFY pid BIGINT", None),
    ("ALTER TABLE gc RENAME TO gc2;\nALTER TABLE gc2 DROP FOREIGN KEY gc2_ibfk_1;\n"
     "ALTER TABLE gc2 MODIFY pid BIGINT", None),
    ("RENAME TABLE pa TO pa2;\nALTER TABLE pa2 MODIFY id BIGINT", 1833),
])
def test_a_foreign_key_column_change_is_refused(mariadb, statement: str,
                                                error: int | None) -> None:
    """MariaDB refuses a type change of a foreign key's column, on either side, exactly when
    lockwise says it will."""
    _refused_as_lockwise_says(mariadb, FKCOL_SETUP, FKCOL_DROPS, statement, error is not None,
                              error or 1832, "mysql-foreign-key-column-changed")


SETNULL_DROPS = "SET foreign_key_checks = 0; DROP TABLE IF EXISTS sn, snp; " \
    "SET foreign_key_checks = 1;"
SETNULL_SETUP = SETNULL_DROPS + """
CREATE TABLE snp (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE sn (id INT PRIMARY KEY, a INT, b INT, c INT,
  CONSTRAINT sn_a FOREIGN KEY (a) REFERENCES snp (id) ON DELETE SET NULL,
  CONSTRAINT sn_b FOREIGN KEY (b) REFERENCES snp (id) ON DELETE CASCADE ON UPDATE SET NULL,
  CONSTRAINT sn_c FOREIGN KEY (c) REFERENCES snp (id) ON DELETE CASCADE) ENGINE=InnoDB;
"""


@pytest.mark.parametrize(("statement", "refused"), [
    ("ALTER TABLE sn MODIFY a INT NOT NULL", True),
    ("ALTER TABLE sn CHANGE b b INT NOT NULL", True),
    ("SET foreign_key_checks = 0;\nALTER TABLE sn MODIFY a INT NOT NULL", True),
    ("ALTER TABLE sn MODIFY c INT NOT NULL", False),
    ("ALTER TABLE sn MODIFY a INT COMMENT 'x'", False),
])
def test_a_set_null_column_made_not_null_is_refused(mariadb, statement: str,
                                                     refused: bool) -> None:
    """MariaDB refuses NOT NULL on a SET NULL foreign key's column (error 1830) exactly when
    lockwise says it will."""
    _refused_as_lockwise_says(mariadb, SETNULL_SETUP, SETNULL_DROPS, statement, refused, 1830,
                              "mysql-set-null-column-not-null")


PFK_DROPS = "SET foreign_key_checks = 0; DROP TABLE IF EXISTS pfn, pfc, pfp, pfe, pfx; " \
    "SET foreign_key_checks = 1;"
PFK_SETUP = PFK_DROPS + """
CREATE TABLE pfp (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE pfc (id INT PRIMARY KEY, p INT,
  CONSTRAINT pfc_p FOREIGN KEY (p) REFERENCES pfp (id)) ENGINE=InnoDB;
CREATE TABLE pfe (id INT PRIMARY KEY, p INT) ENGINE=InnoDB PARTITION BY HASH (id) PARTITIONS 2;
CREATE TABLE pfx (id INT PRIMARY KEY, p INT) ENGINE=InnoDB;
"""


@pytest.mark.parametrize(("statement", "error"), [
    ("ALTER TABLE pfc PARTITION BY HASH (id) PARTITIONS 2", 1217),
    ("ALTER TABLE pfp PARTITION BY HASH (id) PARTITIONS 2", 1217),
    ("SET foreign_key_checks = 0;\nALTER TABLE pfp PARTITION BY KEY () PARTITIONS 2", 1217),
    ("ALTER TABLE pfe ADD CONSTRAINT pfe_p FOREIGN KEY (p) REFERENCES pfp (id)", 1506),
    ("ALTER TABLE pfx PARTITION BY HASH (id) PARTITIONS 2", None),
    ("ALTER TABLE pfe REMOVE PARTITIONING", None),
    ("CREATE TABLE pfn (id INT PRIMARY KEY, p INT, CONSTRAINT pfn_p FOREIGN KEY (p) "
     "REFERENCES pfp (id)) ENGINE=InnoDB PARTITION BY HASH (id) PARTITIONS 2", 1506),
    ("SET foreign_key_checks = 0;\nCREATE TABLE pfn (id INT PRIMARY KEY, p INT, FOREIGN KEY (p) "
     "REFERENCES pfp (id)) PARTITION BY KEY (id) PARTITIONS 2", 1506),
    ("CREATE TABLE pfn (id INT PRIMARY KEY, p INT) ENGINE=InnoDB "
     "PARTITION BY HASH (id) PARTITIONS 2", None),
])
def test_a_foreign_key_on_a_partitioned_table_is_refused(mariadb, statement: str,
                                                          error: int | None) -> None:
    """MariaDB refuses a foreign key on a partitioned table, on either side, exactly when
    lockwise says it will."""
    _refused_as_lockwise_says(mariadb, PFK_SETUP, PFK_DROPS, statement, error is not None,
                              error or 1506, "mysql-partitioned-foreign-key")


SWAP_DROPS = "DROP TABLE IF EXISTS sw, sw_new, sw_old;"
SWAP_SETUP = SWAP_DROPS + """
CREATE TABLE sw (id INT PRIMARY KEY, a INT) ENGINE=InnoDB;
CREATE TABLE sw_new (id INT PRIMARY KEY, a BIGINT) ENGINE=InnoDB;
RENAME TABLE sw TO sw_old, sw_new TO sw;
"""


def test_mariadb_agrees_after_a_rename_table_swap(mariadb) -> None:
    """Every pair of a RENAME TABLE is followed: after the swap, `sw` is the BIGINT table,
    and restating its column is metadata only (it was read as an unknown table: a copy)."""
    _agrees(mariadb, "after_swap", "ALTER TABLE sw MODIFY a BIGINT COMMENT 'x'", SWAP_SETUP,
            SWAP_DROPS)


EVENTS_SETUP = ("CREATE TABLE events (id INT NOT NULL, created DATE NOT NULL, "
                "PRIMARY KEY (id, created)) PARTITION BY RANGE (YEAR(created)) "
                "(PARTITION p2023 VALUES LESS THAN (2024), "
                "PARTITION pmax VALUES LESS THAN MAXVALUE);")


def test_the_drop_partition_alternative_keeps_the_rows(mariadb) -> None:
    """mysql-drop-partition's alternative moves the partition's rows to a table of their own
    (EXCHANGE PARTITION); the DROP PARTITION after it deletes none."""
    found = [f for f in _lint(EVENTS_SETUP, "ALTER TABLE events DROP PARTITION p2023;")
             if f.rule == "mysql-drop-partition"]
    assert len(found) == 1
    reset = ("DROP TABLE IF EXISTS events, events_p2023;" + EVENTS_SETUP +
             "INSERT INTO events VALUES (1, '2023-05-01'), (2, '2025-01-01');")
    result = mariadb.run(reset + _runnable(found[0].instead) +
                         "ALTER TABLE events DROP PARTITION p2023;"
                         "SELECT id FROM events_p2023; SELECT id FROM events;")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "2"]


@pytest.mark.parametrize(("sql", "stops_at"), DIALECT_SYNTAX)
def test_mariadb_refuses_the_syntax_lockwise_reports(mariadb, sql: str, stops_at: dict) -> None:
    """Each statement test_mysql_dialect_syntax.py says MariaDB refuses is a syntax error
    there (error 1064; MariaDB quotes the text after where its parser stopped, lockwise
    points at the word to change); the others run."""
    setup = "DROP TABLE IF EXISTS a, p, q;" + DIALECT_SYNTAX_SETUP
    result = mariadb.run(setup + sql + "; UNLOCK TABLES;")
    word = stops_at["mariadb"]
    if word:
        # 1492: RANGE / LIST partitioning without its partitions, refused once parsed
        assert "ERROR 1064" in result.stderr or "ERROR 1492" in result.stderr, result.stderr
    else:
        assert result.returncode == 0, result.stderr


def test_rename_alternatives_keep_the_column_definition_and_run(mariadb) -> None:
    """The ADD COLUMN a rename-column alternative writes (the whole definition, NOT NULL
    last) runs, and the copy has the original's definition."""
    from test_mysql_redteam import _lint

    setup = ("CREATE TABLE r (id INT PRIMARY KEY, "
             "price DECIMAL(8,2) UNSIGNED ZEROFILL NOT NULL DEFAULT 0 COMMENT 'net', "
             "name VARCHAR(20) CHARACTER SET latin1 COLLATE latin1_bin DEFAULT 'x');")
    found = _lint(setup, "ALTER TABLE r RENAME COLUMN price TO cost;\n"
                         "ALTER TABLE r RENAME COLUMN name TO title;", "mariadb", "10.11")
    adds = "\n".join(f.instead.splitlines()[0] for f in found if f.rule == "rename-column")
    result = mariadb.run("DROP TABLE IF EXISTS r;" + setup + adds +
                         "SELECT COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, "
                         "COLLATION_NAME, COLUMN_COMMENT FROM information_schema.COLUMNS "
                         "WHERE TABLE_NAME = 'r' AND COLUMN_NAME <> 'id' ORDER BY COLUMN_NAME;")
    assert result.returncode == 0, result.stderr
    by_name = {row[0]: row[1:] for row in (line.split("\t")
                                           for line in result.stdout.splitlines())}
    assert sorted(by_name) == ["cost", "name", "price", "title"]
    assert by_name["cost"] == by_name["price"] and by_name["title"] == by_name["name"]
    assert by_name["cost"][0] == "decimal(8,2) unsigned zerofill"


PARTITION_KEY_SETUP = """DROP TABLE IF EXISTS pk_hash, pk_range, pk_key, pk_cols;
CREATE TABLE pk_hash (id INT NOT NULL PRIMARY KEY, n INT) PARTITION BY HASH (id) PARTITIONS 4;
CREATE TABLE pk_range (id INT NOT NULL, created DATE NOT NULL, n INT)
  PARTITION BY RANGE (YEAR(created)) (PARTITION p0 VALUES LESS THAN (2020),
  PARTITION p1 VALUES LESS THAN MAXVALUE);
CREATE TABLE pk_key (id INT NOT NULL PRIMARY KEY, n INT) PARTITION BY KEY () PARTITIONS 2;
CREATE TABLE pk_cols (id INT NOT NULL, n INT, v VARCHAR(10))
  PARTITION BY RANGE COLUMNS (n, v) (PARTITION p0 VALUES LESS THAN (10, 'm'),
  PARTITION p1 VALUES LESS THAN (MAXVALUE, MAXVALUE));
"""


def _partition_key_actions(statement: str) -> list[str]:
    """The kinds of the actions lockwise gives `statement` after PARTITION_KEY_SETUP."""
    catalog, session = Catalog(), MySQLSession(flavour="mariadb", version=(10, 11))
    parsed = parse_mysql(PARTITION_KEY_SETUP.split(";", 1)[1] + statement + ";", "mariadb")
    *setup, last = parsed.statements
    for stmt in setup:
        apply_mysql_statement(catalog, stmt.tree, "setup", session)
    session.new_tables.clear()
    return [a.kind for a in compute_mysql_effect(last.tree, catalog, session).actions]


@pytest.mark.parametrize(("statement", "refused"), [
    ("ALTER TABLE pk_hash DROP COLUMN id", True),       # 1054
    ("ALTER TABLE pk_hash DROP COLUMN n", False),
    ("ALTER TABLE pk_range DROP COLUMN created", True),  # inside YEAR(): 1054
    ("ALTER TABLE pk_range DROP COLUMN id", False),
    ("ALTER TABLE pk_key DROP COLUMN id", True),        # KEY (): the primary key's
    ("ALTER TABLE pk_cols DROP COLUMN v", True),        # 1488
    ("ALTER TABLE pk_cols DROP COLUMN id", False),
])
def test_a_partition_key_column_dropped_is_refused(mariadb, statement: str,
                                                   refused: bool) -> None:
    """MariaDB refuses to drop a column the partitioning names exactly where
    mysql-partition-key-column-dropped says it will."""
    result = mariadb.run(PARTITION_KEY_SETUP + statement + ";")
    assert (result.returncode != 0) == refused, result.stderr
    kinds = _partition_key_actions(statement)
    assert ("mysql_partition_key_column_dropped" in kinds) == refused


@pytest.mark.parametrize(("statement", "refused"), [
    # a BLOB / TEXT / JSON column in any partitioning function: error 1502
    ("ALTER TABLE pk_range MODIFY created MEDIUMTEXT NOT NULL", True),
    # an indexed column: error 1170 (no key length) comes first, which lockwise leaves alone
    ("ALTER TABLE pk_hash MODIFY id TEXT", False),
    ("ALTER TABLE pk_hash MODIFY n MEDIUMTEXT", False),   # not a key column
    ("ALTER TABLE pk_range MODIFY created LONGBLOB NOT NULL", True),
    ("ALTER TABLE pk_cols MODIFY v JSON", True),
    ("ALTER TABLE pk_cols CHANGE v w TINYTEXT", True),
    ("ALTER TABLE pk_cols MODIFY v VARCHAR(20)", False),
    ("ALTER TABLE pk_hash MODIFY id BIGINT NOT NULL", False),  # a copy, not refused
])
def test_a_partition_key_column_changed_to_a_blob_is_refused(mariadb, statement: str,
                                                             refused: bool) -> None:
    """MariaDB refuses to make a column the partitioning names a BLOB, TEXT or JSON column
    exactly where mysql-partition-key-column-changed says it will (error 1502)."""
    result = mariadb.run(PARTITION_KEY_SETUP + statement + ";")
    assert ("ERROR 1502" in result.stderr) == refused, result.stderr
    kinds = _partition_key_actions(statement)
    assert ("mysql_partition_key_column_changed" in kinds) == refused


@pytest.mark.parametrize(("statement", "refused"), PARTITION_KEY_TYPE)
def test_a_partition_key_of_a_refused_type_is_refused(mariadb, statement: str,
                                                      refused: bool) -> None:
    """MariaDB refuses a partitioning of a key column of the wrong type (error 1659) exactly
    where mysql-partition-key-type says it will."""
    drops = "DROP TABLE IF EXISTS pk, pk2;"
    _refused_as_lockwise_says(mariadb, drops + PARTITION_KEY_TYPE_SETUP, drops, statement,
                              refused, 1659, "mysql-partition-key-type")


@pytest.mark.parametrize(("statement", "refused"), PARTITION_UNIQUE_KEY)
def test_a_partitioning_a_unique_key_lacks_is_refused(mariadb, statement: str,
                                                      refused: bool) -> None:
    """MariaDB refuses a partitioning that a unique key lacks a column of (error 1503)
    exactly where mysql-partition-unique-key says it will."""
    drops = "DROP TABLE IF EXISTS ev, ev2, ev3;"
    _refused_as_lockwise_says(mariadb, drops + PARTITION_UNIQUE_KEY_SETUP, drops, statement,
                              refused, 1503, "mysql-partition-unique-key")


@pytest.mark.parametrize(("statement", "refused"), PARTITION_UNIQUE_KEY_CREATE)
def test_a_created_table_a_unique_key_of_which_lacks_a_partition_column_is_refused(
        mariadb, statement: str, refused: bool) -> None:
    """The same for a CREATE TABLE's own keys, inline on a column or not."""
    drops = "DROP TABLE IF EXISTS pc;"
    _refused_as_lockwise_says(mariadb, drops, drops, statement, refused, 1503,
                              "mysql-partition-unique-key")


def test_the_rename_table_view_alternative_runs_and_keeps_both_names_working(mariadb) -> None:
    """rename-table's MySQL alternative: the view under the new name takes writes, and the
    later RENAME TABLE swaps the table in under that name (checked on MariaDB 10.11)."""
    setup = "DROP VIEW IF EXISTS `my orders`; DROP TABLE IF EXISTS `order`, `my orders`;" \
            "CREATE TABLE `order` (id INT PRIMARY KEY, a INT);"
    (finding,) = [f for f in _lint(setup.split(";", 2)[2], "RENAME TABLE `order` TO "
                                   "`my orders`;", "mysql") if f.rule == "rename-table"]
    first, _, later = finding.instead.partition("\n")
    swap = later.splitlines()[-1].removeprefix("-- ")
    result = mariadb.run(setup + first.split("  --")[0] +
                         "INSERT INTO `my orders` VALUES (1, 2); INSERT INTO `order` VALUES "
                         "(3, 4);" + swap + "SELECT COUNT(*) FROM `my orders`;"
                         "SELECT COUNT(*) FROM information_schema.views WHERE "
                         "table_schema = 'truth';")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["2", "0"]


@pytest.mark.parametrize(("statement", "refused"), PARTITION_UNIQUE_KEY_ADDED)
def test_a_unique_key_added_to_a_partitioned_table_without_its_columns_is_refused(
        mariadb, statement: str, refused: bool) -> None:
    drops = "DROP TABLE IF EXISTS pe, pk;"
    _refused_as_lockwise_says(mariadb, drops + PARTITION_UNIQUE_KEY_TABLES, drops, statement,
                              refused, 1503, "mysql-partition-unique-key")


CASCADE_SETUP = ("DROP TABLE IF EXISTS posts, users;"
                 "CREATE TABLE users (id INT PRIMARY KEY) ENGINE=InnoDB;"
                 "CREATE TABLE posts (id INT PRIMARY KEY, user_id INT, n INT,"
                 " CONSTRAINT posts_user FOREIGN KEY (user_id) REFERENCES users (id)"
                 " {action}) ENGINE=InnoDB;")


@pytest.mark.parametrize("action", ["ON DELETE CASCADE", "ON UPDATE SET NULL"])
@pytest.mark.parametrize("statement", [
    "ALTER TABLE posts ADD COLUMN x INT, ALGORITHM=INPLACE, LOCK=NONE",
    "ALTER TABLE posts ADD INDEX posts_n (n), LOCK=NONE",
    "ALTER TABLE posts FORCE, ALGORITHM=INPLACE, LOCK=NONE",
])
def test_mariadb_takes_lock_none_on_a_table_with_cascading_foreign_keys(
        mariadb, action: str, statement: str) -> None:
    """MySQL's manual permits no LOCK=NONE there ("Online DDL Limitations"); MariaDB runs it,
    and lockwise reports the refusal for MySQL only (test_mysql_cascade_lock_none.py)."""
    setup = CASCADE_SETUP.format(action=action)
    result = mariadb.run(setup + statement + "; DROP TABLE posts, users;")
    assert result.returncode == 0, result.stderr
    assert "mysql-lock-not-supported" not in {
        f.rule for f in _lint(setup.split(";", 1)[1], statement + ";")}


@pytest.mark.parametrize("statement", [
    "CREATE INDEX users_n ON users ((n + 1))",
    "ALTER TABLE users ADD INDEX users_n (id, (n * 2))",
])
def test_mariadb_refuses_functional_key_parts(mariadb, statement: str) -> None:
    """A functional key part is a syntax error on MariaDB (lockwise: a parse-error at it)."""
    setup = "DROP TABLE IF EXISTS posts, users; CREATE TABLE users (id INT PRIMARY KEY, n INT);"
    assert "ERROR 1064" in mariadb.run(setup + statement + "; DROP TABLE users;").stderr
    assert [f.rule for f in _lint(setup.split(";", 1)[1], statement + ";")] == ["parse-error"]


COMPRESSED_DROPS = "DROP TABLE IF EXISTS zc; DROP TABLE IF EXISTS zk;"
COMPRESSED_SETUP = COMPRESSED_DROPS + """
CREATE TABLE zc (id INT PRIMARY KEY, n INT, v VARCHAR(20), INDEX zc_n (n))
  ENGINE=InnoDB ROW_FORMAT=COMPRESSED;
CREATE TABLE zk (id INT PRIMARY KEY, n INT) ENGINE=InnoDB KEY_BLOCK_SIZE=8;
"""
COMPRESSED_CASES = {
    # InnoDB's instant column changes need the table's own row format: a COMPRESSED table
    # takes them in place, a rebuild (MDEV-11369: "ROW_FORMAT=COMPRESSED tables will not
    # support instant ADD COLUMN")
    "add_column_last": "ALTER TABLE zc ADD COLUMN x INT",
    "add_column_positioned": "ALTER TABLE zc ADD COLUMN x INT FIRST",
    "drop_column": "ALTER TABLE zc DROP COLUMN v",
    "reorder_column": "ALTER TABLE zc MODIFY v VARCHAR(20) FIRST",
    # KEY_BLOCK_SIZE without ROW_FORMAT compresses the table
    "add_column_key_block_size": "ALTER TABLE zk ADD COLUMN x INT",
    # metadata changes stay instant
    "rename_column": "ALTER TABLE zc RENAME COLUMN v TO w",
    "set_default": "ALTER TABLE zc ALTER COLUMN n SET DEFAULT 5",
    "add_virtual_column": "ALTER TABLE zc ADD COLUMN g INT AS (n + 1) VIRTUAL",
    # the row format changes back: a rebuild, after which the table is plain again
    "change_row_format": "ALTER TABLE zc ROW_FORMAT=DYNAMIC",
}


@pytest.mark.parametrize("case", sorted(COMPRESSED_CASES))
def test_mariadb_agrees_on_compressed_tables(mariadb, case: str) -> None:
    _agrees(mariadb, case, COMPRESSED_CASES[case], COMPRESSED_SETUP, COMPRESSED_DROPS)


DROP_CONSTRAINT_DROPS = "SET foreign_key_checks = 0; DROP TABLE IF EXISTS dc, dp; " \
    "SET foreign_key_checks = 1;"
DROP_CONSTRAINT_SETUP = DROP_CONSTRAINT_DROPS + """
CREATE TABLE dp (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE dc (id INT PRIMARY KEY, pid INT, code INT, n INT,
  CONSTRAINT dc_fk FOREIGN KEY (pid) REFERENCES dp (id),
  CONSTRAINT dc_code UNIQUE (code), CONSTRAINT dc_n CHECK (n > 0)) ENGINE=InnoDB;
"""
DROP_CONSTRAINT_CASES = {
    # DROP CONSTRAINT runs as the drop of the kind of constraint it names
    "foreign_key": "ALTER TABLE dc DROP CONSTRAINT dc_fk",
    "unique_key": "ALTER TABLE dc DROP CONSTRAINT dc_code",
    "check": "ALTER TABLE dc DROP CONSTRAINT dc_n",
}


@pytest.mark.parametrize("case", sorted(DROP_CONSTRAINT_CASES))
def test_mariadb_agrees_on_drop_constraint(mariadb, case: str) -> None:
    _agrees(mariadb, case, DROP_CONSTRAINT_CASES[case], DROP_CONSTRAINT_SETUP,
            DROP_CONSTRAINT_DROPS)
