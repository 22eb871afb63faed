"""LOCK TABLES, SPATIAL indexes on nullable columns, CHECK constraints a server ignores, index
visibility and VIRTUAL column drops: facts from the MySQL reference manual (8.0 and 8.4),
checked on MariaDB where it runs them (test_mariadb_truth.py)."""

from __future__ import annotations

import pytest

from lockwise.core.types import LockMode
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE TABLE accounts (id INT PRIMARY KEY, email VARCHAR(100), n INT, "
         "vg INT AS (n + 1) VIRTUAL, sg INT AS (n + 1) STORED, INDEX accounts_n (n));\n"
         "CREATE TABLE audit (id INT);\n"
         "CREATE TABLE places (id INT PRIMARY KEY, area POLYGON SRID 4326, "
         "spot POINT NOT NULL, `my geo` GEOMETRY NULL);")


def lint(sql: str, dialect: str = "mysql", version: str | None = None,
         setup: str = SETUP) -> list:
    """The statement reports of `sql` linted after `setup` (MariaDB has no SRID attribute)."""
    if dialect == "mariadb":
        setup = setup.replace(" SRID 4326", "")
    reports = lint_migrations([migration_from_text(setup, "1_setup.sql"),
                               migration_from_text(sql, "2_change.sql")],
                              LintOptions(dialect=dialect, server_version=version))
    return reports[1].statements


def rules(sql: str, dialect: str = "mysql", version: str | None = None) -> list[str]:
    return [f.rule for s in lint(sql, dialect, version) for f in s.findings]


def facts(statement, kind: str) -> dict:
    return next(a.facts for a in statement.effect.actions if a.kind == kind)


# --- LOCK TABLES ---------------------------------------------------------------------------

@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "locks", "blocked"), [
    ("LOCK TABLES accounts WRITE", {"accounts": LockMode.ACCESS_EXCLUSIVE},
     "accounts (WRITE: their reads and writes wait)"),
    ("LOCK TABLE `accounts` AS a READ LOCAL, audit LOW_PRIORITY WRITE",
     {"accounts": LockMode.SHARE, "audit": LockMode.ACCESS_EXCLUSIVE},
     "accounts (READ: their writes wait), audit (WRITE: their reads and writes wait)"),
    ("LOCK TABLES accounts READ, audit WRITE NOWAIT",  # NOWAIT: MariaDB's
     {"accounts": LockMode.SHARE, "audit": LockMode.ACCESS_EXCLUSIVE},
     "accounts (READ: their writes wait), audit (WRITE: their reads and writes wait)"),
])
def test_lock_tables_names_each_table_and_what_waits(sql: str, locks: dict, blocked: str,
                                                     dialect: str) -> None:
    if dialect == "mysql":
        sql = sql.replace(" NOWAIT", "")
    (statement,) = lint(sql + ";", dialect)
    assert statement.effect.locks == locks
    assert facts(statement, "mysql_lock_tables")["blocked_text"] == blocked
    assert [f.rule for f in statement.findings] == ["mysql-lock-tables"]


def test_a_table_created_in_the_same_file_is_locked_harmlessly() -> None:
    """mysqldump's CREATE TABLE; LOCK TABLES; INSERT; UNLOCK TABLES: no one else uses it."""
    dump = ("DROP TABLE IF EXISTS fresh;\nCREATE TABLE fresh (id INT PRIMARY KEY);\n"
            "LOCK TABLES fresh WRITE;\n/*!40000 ALTER TABLE fresh DISABLE KEYS */;\n"
            "INSERT INTO fresh VALUES (1),(2);\n/*!40000 ALTER TABLE fresh ENABLE KEYS */;\n"
            "UNLOCK TABLES;")
    assert "mysql-lock-tables" not in rules(dump)
    assert "mysql-lock-tables" in rules(dump.replace("LOCK TABLES fresh WRITE",
                                                     "LOCK TABLES fresh WRITE, accounts READ"))


def test_unlock_tables_and_maria_db_write_concurrent() -> None:
    statements = lint("LOCK TABLES accounts WRITE CONCURRENT;\nUNLOCK TABLE;\nUNLOCK TABLES;",
                      "mariadb")
    # WRITE CONCURRENT lets other sessions read and write an InnoDB table (MariaDB 10.11)
    assert not statements[0].findings and not statements[0].effect.locks
    assert [s.effect.actions[0].kind for s in statements[1:]] == ["mysql_unlock_tables"] * 2


# --- SPATIAL index on a nullable column ----------------------------------------------------

@pytest.mark.parametrize(("sql", "fails"), [
    ("ALTER TABLE places ADD SPATIAL INDEX places_area (area)", True),
    ("CREATE SPATIAL INDEX places_area ON places (area)", True),
    ("ALTER TABLE places ADD SPATIAL INDEX (`my geo`)", True),
    ("ALTER TABLE places ADD COLUMN loc POINT, ADD SPATIAL INDEX (loc)", True),
    ("CREATE TABLE shapes (id INT, g GEOMETRY, SPATIAL KEY shapes_g (g))", True),
    ("ALTER TABLE places ADD SPATIAL INDEX places_spot (spot)", False),
    ("ALTER TABLE places MODIFY area POLYGON NOT NULL SRID 4326, ADD SPATIAL INDEX (area)",
     False),
    ("ALTER TABLE places ADD COLUMN loc POINT NOT NULL, ADD SPATIAL INDEX (loc)", False),
    ("CREATE TABLE shapes (id INT, g GEOMETRY NOT NULL, SPATIAL KEY shapes_g (g))", False),
    ("ALTER TABLE unknown_table ADD SPATIAL INDEX (g)", False),  # nullability not known
])
@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_spatial_index_on_a_nullable_column_fails(sql: str, fails: bool,
                                                    dialect: str) -> None:
    assert ("mysql-spatial-index-nullable" in rules(sql + ";", dialect)) == fails


def test_the_spatial_fix_makes_the_column_not_null_first_with_its_srid() -> None:
    def fix(sql: str) -> str:
        (statement,) = lint(sql)
        return next(f.instead for f in statement.findings
                    if f.rule == "mysql-spatial-index-nullable")

    assert fix("CREATE SPATIAL INDEX `g i` ON places (`my geo`);").splitlines()[1:] == [
        "ALTER TABLE places MODIFY `my geo` GEOMETRY NOT NULL;  -- rebuilds places in place, "
        "writes continue; restate the column's DEFAULT / COMMENT, if any",
        "ALTER TABLE places ADD SPATIAL INDEX `g i` (`my geo`);  -- in place, writes wait until "
        "it is built"]
    assert "MODIFY area POLYGON NOT NULL SRID 4326;" in fix(
        "ALTER TABLE places ADD SPATIAL INDEX (area);")


# --- index visibility, VIRTUAL columns -----------------------------------------------------

@pytest.mark.parametrize(("sql", "dialect"), [
    ("ALTER TABLE accounts ALTER INDEX accounts_n INVISIBLE", "mysql"),
    ("ALTER TABLE accounts ALTER INDEX accounts_n VISIBLE", "mysql"),
    ("ALTER TABLE accounts ALTER INDEX accounts_n IGNORED", "mariadb"),
    ("ALTER TABLE accounts ALTER INDEX accounts_n NOT IGNORED, ALGORITHM=INSTANT", "mariadb"),
])
def test_index_visibility_is_metadata_only(sql: str, dialect: str) -> None:
    """It was read as a table rebuild (and MariaDB's IGNORED as a parse error)."""
    (statement,) = lint(sql + ";", dialect)
    summary = facts(statement, "mysql_alter_table")
    assert summary["operations"] == ("set_index_visibility",)
    assert (summary["algorithm"], summary["rebuilds_table"]) == ("INSTANT", False)
    assert not statement.findings and not statement.effect.rewrites


@pytest.mark.parametrize("sql", [
    "ALTER TABLE accounts ALTER INDEX accounts_n VISIBLE, ALGORITHM=INPLACE",
    "ALTER TABLE accounts ALTER INDEX accounts_n INVISIBLE, ALGORITHM=INPLACE, LOCK=NONE",
    "ALTER TABLE accounts ALTER COLUMN n DROP DEFAULT, ALGORITHM=INPLACE",
    "ALTER TABLE accounts ALTER COLUMN n SET DEFAULT 1, ALGORITHM=INPLACE",
])
def test_algorithm_inplace_on_a_metadata_change_rebuilds_nothing(sql: str) -> None:
    """MySQL's in-place path for an index's visibility (the manual's "Invisible Indexes":
    "fast, in-place operations") or a column's default changes the data dictionary
    only, as its instant path does: ALGORITHM=INPLACE costs no rebuild there, and
    mysql-inplace-instead-of-instant said it rebuilt the table."""
    (statement,) = lint(sql + ";")
    summary = facts(statement, "mysql_alter_table")
    assert (summary["algorithm"], summary["rebuilds_table"]) == ("INPLACE", False)
    assert not summary["instant_without_clause"]
    assert not statement.findings and not statement.effect.rewrites


@pytest.mark.parametrize(("version", "virtual", "stored"), [
    ("8.0.28", ("INSTANT", False), ("INPLACE", True)),
    ("8.4", ("INSTANT", False), ("INSTANT", False)),
])
def test_dropping_a_virtual_column_rewrites_nothing(version: str, virtual: tuple,
                                                    stored: tuple) -> None:
    dropped_virtual, dropped_stored = lint(
        "ALTER TABLE accounts DROP COLUMN vg;\nALTER TABLE accounts DROP COLUMN sg;",
        version=version)
    for statement, expected in ((dropped_virtual, virtual), (dropped_stored, stored)):
        summary = facts(statement, "mysql_alter_table")
        assert (summary["algorithm"], summary["rebuilds_table"]) == expected
        # readers of the column still break: drop-column applies to both
        assert "drop-column" in [f.rule for f in statement.findings]
    assert facts(dropped_virtual, "mysql_alter_table")["operations"] == \
        ("drop_column_virtual_generated",)


# --- CHECK constraints before MySQL 8.0.16 -------------------------------------------------

@pytest.mark.parametrize("sql", [
    "ALTER TABLE accounts ADD CONSTRAINT accounts_n_positive CHECK (n > 0)",
    "ALTER TABLE accounts ADD CHECK (n > 0)",
    "ALTER TABLE accounts ADD COLUMN tries INT CHECK (tries >= 0)",
    "CREATE TABLE orders (id INT, total INT CHECK (total > 0))",
    "CREATE TABLE orders (id INT, total INT, CONSTRAINT orders_total CHECK (total > 0))",
])
@pytest.mark.parametrize(("dialect", "version", "ignored"), [
    ("mysql", "8.0.15", True), ("mysql", "5.7.44", True), ("mysql", "8.0.16", False),
    ("mysql", None, False), ("mariadb", "10.2.0", True), ("mariadb", "10.2.1", False),
])
def test_a_check_the_server_ignores_is_reported(sql: str, dialect: str, version: str | None,
                                                ignored: bool) -> None:
    assert ("mysql-check-not-enforced" in rules(sql + ";", dialect, version)) == ignored


def test_an_ignored_check_reads_no_row() -> None:
    """Before 8.0.16 ADD CHECK changes nothing: no table copy, no mysql-table-copy finding."""
    sql = "ALTER TABLE accounts ADD CONSTRAINT accounts_n_positive CHECK (n > 0);"
    (old,) = lint(sql, version="8.0.15")
    assert facts(old, "mysql_alter_table")["operations"] == ("add_check_constraint_ignored",)
    assert not old.effect.rewrites and "mysql-table-copy" not in [f.rule for f in old.findings]
    assert facts(old, "mysql_check_not_enforced")["checks_sql"] == "CHECK (n > 0)"
    (new,) = lint(sql, version="8.0.16")
    assert facts(new, "mysql_alter_table")["algorithm"] == "COPY"
    assert "mysql-table-copy" in [f.rule for f in new.findings]


@pytest.mark.parametrize(("sql", "text"), [
    ("ALTER TABLE t MODIFY n BIGINT", "SHARED_NO_WRITE on t"),
    ("ALTER TABLE t ADD COLUMN x INT", "SHARED_UPGRADABLE on t"),
    ("DROP TABLE t", "EXCLUSIVE on t"),
    ("LOCK TABLES t WRITE", "SHARED_NO_READ_WRITE on t"),
])
def test_locks_text_names_the_metadata_locks(sql: str, text: str) -> None:
    """The `locks_text` fact a team rule reads names MySQL's metadata locks, as the reports
    do; it named PostgreSQL's modes (AccessExclusiveLock) for a MySQL statement."""
    from lockwise.catalog.model import Catalog
    from lockwise.effects.mysql import MySQLSession, apply_mysql_statement, compute_mysql_effect
    from lockwise.lint import effect_facts
    from lockwise.parse.mysql import parse_mysql

    catalog, session = Catalog(), MySQLSession(flavour="mysql", version=(8, 4, 0))
    parsed = parse_mysql(f"CREATE TABLE t (id INT PRIMARY KEY, n INT);\n{sql};")
    apply_mysql_statement(catalog, parsed.statements[0].tree, "setup", session)
    session.new_tables.clear()
    effect = compute_mysql_effect(parsed.statements[1].tree, catalog, session)
    facts = effect_facts(effect, catalog)
    assert facts["locks_text"] == text
    # `lock`, the strongest of them, names the same kind (it named PostgreSQL's mode)
    assert facts["lock"] == text.removesuffix(" on t")


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("sql", ["RENAME TABLE audit TO audit_log",
                                 "ALTER TABLE audit RENAME TO audit_log",
                                 "ALTER TABLE audit DISABLE KEYS"])
def test_a_rename_holds_an_exclusive_metadata_lock(sql: str, dialect: str) -> None:
    """A rename (and DISABLE KEYS) runs under an exclusive metadata lock: MySQL's "simple
    rename or keys on/off" path (sql_table.cc, is_simple_rename_or_index_change) refuses
    LOCK=NONE / SHARED with error 1845 "Try LOCK=EXCLUSIVE", and so does MariaDB (checked on
    10.11). The report said `SHARED_UPGRADABLE metadata lock (ALGORITHM=INSTANT, LOCK=NONE)`
    on MySQL, beside its own finding that LOCK=NONE is refused."""
    from lockwise.effects.locks import lock_label

    (statement,) = lint(sql + ";", dialect)
    assert statement.effect.locks == {"audit": LockMode.ACCESS_EXCLUSIVE}
    assert lock_label(statement.effect, "audit", LockMode.ACCESS_EXCLUSIVE) == \
        "EXCLUSIVE metadata lock (ALGORITHM=INSTANT, LOCK=EXCLUSIVE)"


@pytest.mark.parametrize("visibility", ["INVISIBLE", "VISIBLE"])
def test_a_column_visibility_change_is_metadata_only(visibility: str) -> None:
    """MySQL 8.0.23's ALTER COLUMN ... SET VISIBLE | INVISIBLE changes only the data
    dictionary: InnoDB lists ALTER_COLUMN_VISIBILITY among the operations it does not care
    about (storage/innobase/handler/handler0alter.cc, INNOBASE_INPLACE_IGNORE), which run
    instantly. It was read as a type change: a copy, and requires-downtime."""
    (statement,) = lint(f"ALTER TABLE accounts ALTER COLUMN n SET {visibility};")
    alter = facts(statement, "mysql_alter_table")
    assert (alter["operations"], alter["algorithm"], alter["rebuilds_table"]) == \
        (("metadata_only",), "INSTANT", False)
    assert not statement.findings


# --- CHECK enforcement (MySQL 8.0.16+) ------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "CREATE TABLE orders (id INT, total INT, CONSTRAINT orders_total CHECK (total > 0) "
    "NOT ENFORCED)",
    "CREATE TABLE orders (id INT, total INT CHECK (total > 0) NOT ENFORCED)",
    "CREATE TABLE orders (id INT, total INT CHECK (total > 0) ENFORCED, "
    "CHECK (total < 100) NOT ENFORCED)",
    # mysqldump writes a suspended CHECK so
    "CREATE TABLE `orders` (\n  `id` int NOT NULL,\n  `total` int DEFAULT NULL,\n"
    "  PRIMARY KEY (`id`),\n  CONSTRAINT `orders_chk_1` CHECK ((`total` > 0)) "
    "/*!80016 NOT ENFORCED */\n) ENGINE=InnoDB",
])
def test_a_check_not_enforced_is_valid_mysql(sql: str) -> None:
    """CHECK (...) NOT ENFORCED (MySQL 8.0.16+, the manual's "CHECK Constraints", 15.1.20.6
    in 8.4) was a parse-error: sqlglot's grammar stops at its NOT."""
    (statement,) = lint(sql + ";")
    assert not statement.findings
    assert statement.effect.actions[0].kind == "create_table"


def _alter(sql: str, version: str | None = None, setup: str = SETUP) -> tuple[dict, list[str]]:
    (statement,) = lint(sql + ";", version=version, setup=setup)
    return facts(statement, "mysql_alter_table"), [f.rule for f in statement.findings]


@pytest.mark.parametrize("sql", [
    "ALTER TABLE accounts ADD CHECK (n > 0) NOT ENFORCED",
    "ALTER TABLE accounts ADD CONSTRAINT accounts_n CHECK (n > 0) NOT ENFORCED",
    "ALTER TABLE accounts ADD CONSTRAINT accounts_n CHECK (n > 0) NOT ENFORCED, "
    "ALGORITHM=INSTANT",
])
def test_adding_a_check_not_enforced_reads_no_row(sql: str) -> None:
    """A CHECK added NOT ENFORCED is written to the data dictionary only: no row is
    validated, nothing copied (it was a copy and mysql-table-copy, as an enforced one)."""
    alter, found = _alter(sql)
    assert alter["operations"] == ("add_check_constraint_not_enforced",)
    assert (alter["algorithm"], alter["rebuilds_table"], alter["permits_dml"]) == \
        ("INSTANT", False, True)
    assert found == []


@pytest.mark.parametrize(("sql", "operations"), [
    ("ALTER TABLE accounts ADD CONSTRAINT accounts_n CHECK (n > 0)", ("add_check_constraint",)),
    ("ALTER TABLE accounts ADD CONSTRAINT accounts_n CHECK (n > 0) ENFORCED",
     ("add_check_constraint",)),
    ("ALTER TABLE accounts ADD CHECK (n > 0)", ("add_check_constraint",)),
    # sqlglot reads neither: each is judged, and an enforced one beside a NOT ENFORCED one
    # still copies
    ("ALTER TABLE accounts ADD CHECK (n > 0) NOT ENFORCED, ADD CHECK ((n < 10))",
     ("add_check_constraint_not_enforced", "add_check_constraint")),
    ("ALTER TABLE accounts ADD CHECK (n < 10), ADD CHECK (n > 0) NOT ENFORCED",
     ("add_check_constraint", "add_check_constraint_not_enforced")),
])
def test_adding_an_enforced_check_copies_the_table(sql: str,
                                                   operations: tuple[str, ...]) -> None:
    alter, found = _alter(sql)
    assert alter["operations"] == operations
    assert alter["algorithm"] == "COPY"
    assert found == ["mysql-table-copy"]


@pytest.mark.parametrize(("sql", "operations", "algorithm"), [
    ("ALTER TABLE accounts ADD COLUMN tries INT CHECK (tries >= 0)",
     ("add_column_last", "add_check_constraint"), "COPY"),
    ("ALTER TABLE accounts ADD COLUMN tries INT CHECK (tries >= 0) ENFORCED",
     ("add_column_last", "add_check_constraint"), "COPY"),
    ("ALTER TABLE accounts ADD COLUMN tries INT CHECK (tries >= 0) NOT ENFORCED",
     ("add_column_last",), "INSTANT"),
])
def test_a_new_columns_enforced_check_copies_on_mysql(sql: str, operations: tuple,
                                                      algorithm: str) -> None:
    """MySQL validates every row against a CHECK an ALTER adds, a new column's own too
    (sql_table.cc sends an ALTER that adds an enforced CHECK to the copy): it was read as an
    instant ADD COLUMN. MariaDB adds such a column instantly (test_mariadb_truth.py)."""
    alter, _ = _alter(sql)
    assert (alter["operations"], alter["algorithm"]) == (operations, algorithm)
    (mariadb,) = lint(sql.replace(" NOT ENFORCED", "").replace(" ENFORCED", "") + ";",
                      "mariadb")
    assert facts(mariadb, "mysql_alter_table")["algorithm"] == "INSTANT"


def test_enforcing_a_suspended_check_validates_every_row() -> None:
    """NOT ENFORCED -> ENFORCED validates every row (a copy); the other way is metadata."""
    setup = ("CREATE TABLE orders (id INT PRIMARY KEY, total INT, "
             "CONSTRAINT orders_total CHECK (total > 0) NOT ENFORCED);")
    alter, found = _alter("ALTER TABLE orders ALTER CHECK orders_total ENFORCED", setup=setup)
    assert (alter["operations"], alter["algorithm"]) == (("enforce_check_constraint",), "COPY")
    assert found == ["mysql-table-copy"]
    alter, found = _alter("ALTER TABLE orders ALTER CONSTRAINT orders_total NOT ENFORCED",
                          setup=setup)
    assert (alter["operations"], alter["algorithm"]) == (("suspend_check_constraint",),
                                                         "INSTANT")
    assert found == []
