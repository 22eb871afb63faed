"""With system_versioning_alter_history at its default, ERROR, MariaDB refuses an ALTER TABLE
that adds, drops, modifies or changes a column of a system-versioned table (error 4119,
ER_VERS_ALTER_NOT_ALLOWED: "Not allowed for system-versioned `db`.`t`. Change
@@system_versioning_alter_history to proceed with ALTER."); RENAME COLUMN, ALTER COLUMN ...
SET / DROP DEFAULT, indexes, constraints, CONVERT TO CHARACTER SET, a comment, FORCE, RENAME
TO and DROP SYSTEM VERSIONING run. `SET system_versioning_alter_history = KEEP` (or 1) lets
them through, keeping the history; ERROR, 0 or DEFAULT refuse again. TRUNCATE TABLE is
refused whatever the setting (error 4137, ER_VERS_NOT_SUPPORTED: "System-versioned tables do
not support TRUNCATE TABLE"). All checked on 10.11."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE v (id INT PRIMARY KEY, n INT, s VARCHAR(10)) WITH SYSTEM VERSIONING;"
RULE = "mariadb-system-versioned-alter"

REFUSED = [
    "ALTER TABLE v ADD COLUMN c INT;",
    "ALTER TABLE v ADD c INT INVISIBLE, ADD INDEX v_n (n);",
    "ALTER TABLE v DROP COLUMN n;",
    "ALTER TABLE v DROP n;",
    "ALTER TABLE v MODIFY n BIGINT;",
    "ALTER TABLE v MODIFY s VARCHAR(20);",
    "ALTER TABLE v CHANGE n n2 INT;",
    "ALTER TABLE v ALGORITHM=INSTANT, ADD COLUMN c INT;",
    "ALTER TABLE v DROP SYSTEM VERSIONING, ADD COLUMN c INT;",  # in one statement: refused
    "TRUNCATE TABLE v;",
]
RUNS = [
    "ALTER TABLE v ALTER COLUMN n SET DEFAULT 3;",
    "ALTER TABLE v ADD INDEX v_n (n);",
    "ALTER TABLE v ADD CONSTRAINT positive CHECK (n > 0);",
    "ALTER TABLE v CONVERT TO CHARACTER SET utf8mb4;",
    "ALTER TABLE v COMMENT = 'x';",
    "ALTER TABLE v RENAME COLUMN n TO m;",
    "ALTER TABLE v DROP SYSTEM VERSIONING;",
]


def _found(sql: str, setup: str = SETUP) -> list[str]:
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    *_, report = lint_migrations([migration_from_text(setup, "1_m.sql"),
                                  migration_from_text(sql, "2_m.sql")],
                                 LintOptions(dialect="mariadb"))
    return [f.message for f in report.all_findings if f.rule == RULE]


@pytest.mark.parametrize("sql", REFUSED)
def test_a_column_change_of_a_versioned_table_is_refused(sql: str) -> None:
    (message,) = _found(sql)
    assert ("4137" if sql.startswith("TRUNCATE") else "4119") in message, message


@pytest.mark.parametrize("sql", RUNS)
def test_what_the_server_runs_is_not_reported(sql: str) -> None:
    assert _found(sql) == []


def test_a_table_without_versioning_is_not_reported() -> None:
    plain = "CREATE TABLE v (id INT PRIMARY KEY, n INT, s VARCHAR(10));"
    assert _found("ALTER TABLE v ADD COLUMN c INT;", plain) == []
    assert _found("ALTER TABLE v DROP SYSTEM VERSIONING;\nALTER TABLE v ADD COLUMN c INT;") == []
    assert len(_found("ALTER TABLE v ADD SYSTEM VERSIONING;\nALTER TABLE v ADD COLUMN c INT;",
                      plain)) == 1


@pytest.mark.parametrize(("setting", "refused"), [
    ("SET system_versioning_alter_history = KEEP;", False),
    ("SET SESSION system_versioning_alter_history = 'keep';", False),
    ("SET @@system_versioning_alter_history = 1;", False),
    ("SET system_versioning_alter_history = KEEP;\n"
     "SET system_versioning_alter_history = ERROR;", True),
    ("SET system_versioning_alter_history = KEEP;\n"
     "SET system_versioning_alter_history = DEFAULT;", True),
    ("SET system_versioning_alter_history = 0;", True),
])
def test_the_session_setting(setting: str, refused: bool) -> None:
    assert len(_found(f"{setting}\nALTER TABLE v ADD COLUMN c INT;")) == refused
    assert len(_found(f"{setting}\nTRUNCATE TABLE v;")) == 1  # whatever the setting


def test_the_refused_statement_changes_nothing() -> None:
    """The column the refused ADD would add is not there for the next statement."""
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    catalog = Catalog()
    lint_migrations([migration_from_text(SETUP, "1_m.sql"),
                     migration_from_text("ALTER TABLE v ADD COLUMN c INT;", "2_m.sql")],
                    LintOptions(dialect="mariadb"), catalog)
    assert "c" not in catalog.tables["v"].columns


def test_the_server_agrees(mariadb) -> None:
    assert mariadb.run("CREATE DATABASE IF NOT EXISTS versioned_alter", "mysql").returncode == 0
    assert mariadb.run(SETUP, "versioned_alter").returncode == 0
    for sql in REFUSED:
        ran = mariadb.run(sql, "versioned_alter")
        code = "4137" if sql.startswith("TRUNCATE") else "4119"
        assert ran.returncode != 0 and f"ERROR {code}" in ran.stderr, (sql, ran.stderr)
    kept = mariadb.run("SET system_versioning_alter_history = KEEP; "
                       "ALTER TABLE v ADD COLUMN c INT; TRUNCATE TABLE v", "versioned_alter")
    assert "ERROR 4137" in kept.stderr and "4119" not in kept.stderr, kept.stderr
    for sql in RUNS:
        ran = mariadb.run(sql, "versioned_alter")
        assert ran.returncode == 0, (sql, ran.stderr)


#: Changing the engine of a system-versioned table between InnoDB, which versions rows by
#: transaction id (MariaDB's "native" system versioning), and any other engine, which versions
#: them by timestamp: error 4120, ER_VERS_ALTER_ENGINE_PROHIBITED ("Not allowed for
#: system-versioned `db`.`t`. Change to/from native system versioning engine is not
#: supported."), whatever system_versioning_alter_history says, and before 4119 when the
#: ALTER changes a column too. Checked on MariaDB 10.11.
ENGINE_REFUSED = [
    "ALTER TABLE v ENGINE=MyISAM;",
    "ALTER TABLE v ENGINE = 'Aria';",
    "ALTER TABLE v ENGINE MEMORY;",
    "ALTER TABLE v ENGINE=MyISAM, ALGORITHM=COPY;",
    "ALTER TABLE v ENGINE=MyISAM, ADD COLUMN c INT;",  # 4120, not 4119
    "ALTER TABLE v ADD COLUMN c INT, ENGINE=MyISAM;",
    "ALTER TABLE v DROP SYSTEM VERSIONING, ENGINE=MyISAM;",  # in one statement: refused
]
ENGINE_RUNS = [
    "ALTER TABLE v ENGINE=InnoDB;",  # the engine it has
    "ALTER TABLE v ENGINE=innodb;",
    "ALTER TABLE v DROP SYSTEM VERSIONING;\nALTER TABLE v ENGINE=MyISAM;",
]
MYISAM = "CREATE TABLE v (id INT PRIMARY KEY, n INT) ENGINE=MyISAM WITH SYSTEM VERSIONING;"


@pytest.mark.parametrize("sql", ENGINE_REFUSED)
def test_changing_the_engine_of_a_versioned_table_is_refused(sql: str) -> None:
    (message,) = _found(sql)
    assert "4120" in message and "native system versioning engine" in message, message
    (kept,) = _found("SET system_versioning_alter_history = KEEP;\n" + sql)
    assert "4120" in kept, kept


@pytest.mark.parametrize("sql", ENGINE_RUNS)
def test_keeping_the_engine_is_not_refused(sql: str) -> None:
    assert _found(sql) == []


@pytest.mark.parametrize(("sql", "refused"), [
    ("ALTER TABLE v ENGINE=Aria;", False),  # timestamp versioning on both sides
    ("ALTER TABLE v ENGINE=MyISAM;", False),
    ("ALTER TABLE v ENGINE=InnoDB;", True),
])
def test_the_engine_the_table_has_counts(sql: str, refused: bool) -> None:
    assert len(_found(sql, MYISAM)) == refused


def test_an_engine_change_of_a_table_not_versioned_yet_runs() -> None:
    plain = "CREATE TABLE v (id INT PRIMARY KEY, n INT);"
    assert _found("ALTER TABLE v ADD SYSTEM VERSIONING, ENGINE=MyISAM;", plain) == []
    assert _found("ALTER TABLE v ENGINE=MyISAM;", plain) == []


def test_the_server_refuses_the_engine_change(mariadb) -> None:
    assert mariadb.run("CREATE DATABASE IF NOT EXISTS versioned_engine", "mysql") \
        .returncode == 0

    def run(setup: str, sql: str):
        return mariadb.run(f"DROP TABLE IF EXISTS v; {setup} {sql}", "versioned_engine")

    for sql in ENGINE_REFUSED:
        for keep in ("", "SET system_versioning_alter_history = KEEP;"):
            ran = run(SETUP, keep + sql)
            assert ran.returncode != 0 and "ERROR 4120" in ran.stderr, (sql, ran.stderr)
    for sql in ENGINE_RUNS:
        ran = run(SETUP, sql)
        assert ran.returncode == 0, (sql, ran.stderr)
    for sql, refused in [("ALTER TABLE v ENGINE=Aria;", False),
                         ("ALTER TABLE v ENGINE=InnoDB;", True)]:
        ran = run(MYISAM, sql)
        assert (ran.returncode != 0 and "ERROR 4120" in ran.stderr) == refused, ran.stderr
    ran = run("CREATE TABLE v (id INT PRIMARY KEY, n INT);",
              "ALTER TABLE v ADD SYSTEM VERSIONING, ENGINE=MyISAM;")
    assert ran.returncode == 0, ran.stderr
