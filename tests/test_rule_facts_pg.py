"""The facts the newer rules rely on, checked against the embedded PostgreSQL server.

Each test computes lockwise's fact statically and then asks the real server:
identifier truncation (identifier-too-long), the ATTACH PARTITION scan that a validated CHECK
makes unnecessary (attach-partition-without-check), "unsafe use of new value" for an enum value
used in the transaction that added it (enum-value-used-in-transaction), and the SHARE lock that
ALTER DOMAIN ... ADD CONSTRAINT takes on tables using the domain (alter-domain-add-constraint).
Version-gated facts the embedded server cannot show (the 14.0-14.3 CREATE INDEX CONCURRENTLY
bug) are documented in their rule's `references` instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from effect_helpers import catalog_after, effect_after
from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.core.types import Action, Effect
from lockwise.effects.context import Context
from lockwise.effects.identifiers import identifier_facts
from lockwise.effects.postgres import compute_effect
from lockwise.effects.postgres.builder import SCAN_ENDS_AT_A_ROW
from lockwise.parse.postgres import parse_sql
from lockwise.parse.quoting import OWN_MIGRATION
from server_helpers import server_error, server_message, server_refuses

pytestmark = pytest.mark.postgres


def _connect(uri: str):
    import psycopg

    return psycopg.connect(uri, autocommit=True)


def _seq_scans(conn, table: str) -> int:
    """How many sequential scans of `table` the server has counted (flushed first)."""
    conn.execute("SELECT pg_stat_force_next_flush()")
    return conn.execute("SELECT seq_scan FROM pg_stat_user_tables WHERE relname = %s",
                        (table,)).fetchone()[0]




@pytest.mark.parametrize("name", [
    "index_on_accounts_billing_address_country_code_and_postal_code_and_city",
    "zusätzliche_überprüfung_der_größenverhältnisse_für_änderungen",
])
def test_identifier_truncation_matches_server(pg_db: str, name: str) -> None:
    facts = identifier_facts(f'CREATE TABLE long_names ("{name}" int);')
    assert facts["long_identifier"]
    with _connect(pg_db) as conn:
        conn.execute(f'CREATE TABLE long_names ("{name}" int)')
        (attname,) = conn.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = 'long_names'::regclass "
            "AND attnum = 1").fetchone()
    assert attname == facts["long_identifier_truncated"]


def test_short_identifiers_are_not_flagged() -> None:
    facts = identifier_facts("CREATE TABLE accounts_billing_country_postal_city (id bigint, "
                             "a_reasonably_long_but_fine_column_name_of_sixty_three_bytes_xx int)")
    assert not facts["long_identifier"]


PARENT = "CREATE TABLE events (id bigint, day date) PARTITION BY RANGE (day);\n"
ATTACH = ("ALTER TABLE events ATTACH PARTITION events_2024 "
          "FOR VALUES FROM ('2024-01-01') TO ('2025-01-01')")


@pytest.mark.parametrize(("child", "proven"), [
    ("CREATE TABLE events_2024 (id bigint, day date);", False),
    ("CREATE TABLE events_2024 (id bigint, day date NOT NULL);\n"
     "ALTER TABLE events_2024 ADD CONSTRAINT b CHECK (day >= '2024-01-01' AND day < '2025-01-01');",
     True),
    ("CREATE TABLE events_2024 (id bigint, day date);\n"
     "ALTER TABLE events_2024 ADD CONSTRAINT b CHECK (day IS NOT NULL AND day >= '2024-01-01' "
     "AND day < '2025-01-01') NOT VALID;\nALTER TABLE events_2024 VALIDATE CONSTRAINT b;", True),
    ("CREATE TABLE events_2024 (id bigint, day date);\n"
     "ALTER TABLE events_2024 ADD CONSTRAINT b CHECK (day >= '2024-01-01' AND day < '2025-01-01');",
     False),  # NULLs are allowed by the CHECK but not by a range partition
    ("CREATE TABLE events_2024 (id bigint, day date NOT NULL);\n"
     "ALTER TABLE events_2024 ADD CONSTRAINT b CHECK (day >= '2024-01-01' AND day < '2025-01-01') "
     "NOT VALID;", False),  # not validated: not trusted
    ("CREATE TABLE events_2024 (id bigint, day date NOT NULL);\n"
     "ALTER TABLE events_2024 ADD CONSTRAINT b CHECK (day BETWEEN '2024-01-01' AND '2024-06-30');",
     False),  # text constants: lockwise only decides identical literals (conservative)
])
def test_attach_partition_scan_matches_server(pg_db: str, child: str, proven: bool) -> None:
    effect = effect_after(PARENT + child, ATTACH)
    (action,) = [a for a in effect.actions if a.kind == "attach_partition"]
    assert action.facts["bound_proven_by_check"] is proven
    assert ("public.events_2024" in effect.scans) is (not proven)
    if proven:
        # The server must agree whenever lockwise claims the scan is skipped.
        notices: list[str] = []
        with _connect(pg_db) as conn:
            conn.execute(PARENT + child)
            conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
            conn.execute("SET client_min_messages = debug1")
            conn.execute(ATTACH)
        assert any("is implied by existing constraints" in n for n in notices), notices


def test_attach_partition_scan_happens_without_proof(pg_db: str) -> None:
    notices: list[str] = []
    child = "CREATE TABLE events_2024 (id bigint, day date);"
    with _connect(pg_db) as conn:
        conn.execute(PARENT + child)
        conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
        conn.execute("SET client_min_messages = debug1")
        conn.execute(ATTACH)
    assert not any("is implied by existing constraints" in n for n in notices)


def test_enum_value_unusable_in_its_own_transaction(pg_db: str) -> None:
    import psycopg

    with _connect(pg_db) as conn:
        conn.execute("CREATE TYPE mood AS ENUM ('happy'); CREATE TABLE people (m mood)")
        conn.execute("BEGIN")
        conn.execute("ALTER TYPE mood ADD VALUE 'calm'")
        with pytest.raises(psycopg.errors.UnsafeNewEnumValueUsage):
            conn.execute("INSERT INTO people VALUES ('calm')")
        conn.execute("ROLLBACK")
        conn.execute("ALTER TYPE mood ADD VALUE 'calm'")  # autocommit: committed on its own
        conn.execute("INSERT INTO people VALUES ('calm')")


#: Flyway runs V2 in one transaction: the enum is created, extended and used in it.
_ENUM_CREATED_HERE = ("CREATE TYPE status AS ENUM ('a', 'b');\n"
                      "ALTER TYPE status ADD VALUE 'c';\n"
                      "ALTER TABLE t ADD COLUMN s status DEFAULT 'c';\n")


@pytest.mark.parametrize(("setup", "fails"), [
    ("CREATE TABLE t (id int);", False),
    # The type of an earlier migration: its new value is unusable until COMMIT.
    ("CREATE TABLE t (id int); CREATE TYPE status AS ENUM ('a', 'b');", True),
])
def test_enum_value_usable_when_the_transaction_created_the_type(
        pg_db: str, setup: str, fails: bool) -> None:
    import dataclasses

    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    text = _ENUM_CREATED_HERE if not fails else _ENUM_CREATED_HERE.split("\n", 1)[1]
    migrations = [dataclasses.replace(migration_from_text(sql, name), layout="flyway")
                  for sql, name in ((setup, "V1__a.sql"), (text, "V2__b.sql"))]
    found = {f.rule for f in lint_migrations(migrations, LintOptions())[-1].all_findings}
    assert _refuses_new_enum_value(pg_db, setup, text, in_transaction=True) is fails
    assert ("enum-value-used-in-transaction" in found) is fails


def _refuses_new_enum_value(uri: str, setup: str, text: str, in_transaction: bool) -> bool:
    """Whether the server, after `setup`, refuses `text`'s statements (in one transaction, or
    each on its own) with "unsafe use of new value"."""
    import psycopg

    with _connect(uri) as conn:
        conn.execute(setup)
        if in_transaction:
            conn.execute("BEGIN")
        try:
            for stmt in parse_sql(text).statements:
                conn.execute(stmt.sql)
            refused = False
        except psycopg.errors.UnsafeNewEnumValueUsage:
            refused = True
        if in_transaction:
            conn.execute("ROLLBACK")
    return refused


_MOOD = ("CREATE TYPE mood AS ENUM ('sad');\n"
         "CREATE TABLE orders (id bigint, note text, m mood, tags varchar(20)[], ms mood[]);")


@pytest.mark.parametrize(("use", "fails"), [
    # The new label as text: never read as the enum.
    ("INSERT INTO orders (id, note) VALUES (1, 'happy')", False),
    ("UPDATE orders SET note = 'happy' WHERE note = 'happy'", False),
    ("INSERT INTO orders SELECT 1, 'happy'", False),
    ("SELECT 'happy'::text", False),
    # Read as the enum: stored into its column, cast to it, compared with its column.
    ("INSERT INTO orders VALUES (1, 'x', 'happy')", True),
    ("INSERT INTO orders (m, note) VALUES ('happy', 'happy')", True),
    ("UPDATE orders SET m = 'happy'", True),
    ("SELECT 'happy'::text::mood", True),
    ("SELECT 1 FROM orders WHERE m IN ('sad', 'happy')", True),
    ("DELETE FROM orders o WHERE o.m = 'happy'", True),
    # An array literal holding it, read as the enum's array type.
    ("UPDATE orders SET ms = '{sad, \"happy\"}'", True),
    ("INSERT INTO orders (id, ms) VALUES (1, '{happy}')", True),
    ("UPDATE orders SET tags = '{happy}'", False),
    # The functions that read the type's labels: each label they return is checked.
    ("SELECT enum_range(NULL::mood)", True),
    ("SELECT enum_last(NULL::mood)", True),
    ("SELECT enum_first(NULL::mood)", False),
    ("SELECT enum_range('sad'::mood, 'sad'::mood)", False),
])
def test_enum_value_used_in_transaction_only_as_the_enum(pg_db: str, use: str,
                                                          fails: bool) -> None:
    """A label added in the open transaction is refused only where it is read as the enum."""
    import dataclasses

    import psycopg

    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    text = f"ALTER TYPE mood ADD VALUE 'happy';\n{use};\n"
    migrations = [dataclasses.replace(migration_from_text(sql, name), layout="flyway")
                  for sql, name in ((_MOOD, "V1__a.sql"), (text, "V2__b.sql"))]
    found = {f.rule for f in lint_migrations(migrations, LintOptions())[-1].all_findings}
    with _connect(pg_db) as conn:
        conn.execute(_MOOD)
        conn.execute("BEGIN")
        conn.execute("ALTER TYPE mood ADD VALUE 'happy'")
        try:
            conn.execute(use)
            refused = False
        except psycopg.errors.UnsafeNewEnumValueUsage:
            refused = True
        conn.execute("ROLLBACK")
        conn.execute("DROP TABLE orders; DROP TYPE mood")
    assert refused is fails
    assert ("enum-value-used-in-transaction" in found) is fails


@pytest.mark.parametrize(("text", "in_transaction", "fails"), [
    # Added before the block in the same transaction, used by a statement the block runs.
    ("ALTER TYPE mood ADD VALUE 'happy';\nDO $$ BEGIN UPDATE orders SET m = 'happy'; END $$;",
     True, True),
    # Added and used in one block: its statements share one transaction, even in autocommit.
    ("DO $$ BEGIN ALTER TYPE mood ADD VALUE 'happy';\n"
     "INSERT INTO orders (id, m) VALUES (1, 'happy'); END $$;", False, True),
    ("DO $$ BEGIN ALTER TYPE mood ADD VALUE 'happy';\n"
     "INSERT INTO orders (id, note) VALUES (1, 'happy'); END $$;", False, False),
    # PL/pgSQL's own expressions read it too: a condition, an assignment.
    ("DO $$ BEGIN ALTER TYPE mood ADD VALUE 'happy';\n"
     "IF 'happy'::mood IS NOT NULL THEN RAISE NOTICE 'x'; END IF; END $$;", False, True),
    ("DO $$ DECLARE v mood; BEGIN ALTER TYPE mood ADD VALUE 'happy';\nv := 'happy'; END $$;",
     False, True),
    # A variable's default, read as the variable's type when the block (or an inner block)
    # is entered: as the enum (its name, its column's %TYPE), or as text.
    ("ALTER TYPE mood ADD VALUE 'happy';\nDO $$ DECLARE v mood := 'happy'; BEGIN NULL; END $$;",
     True, True),
    ("ALTER TYPE mood ADD VALUE 'happy';\nDO $$ DECLARE n int; v CONSTANT public.mood NOT NULL "
     "DEFAULT 'happy'; BEGIN NULL; END $$;", True, True),
    ("ALTER TYPE mood ADD VALUE 'happy';\nDO $$ DECLARE v orders.m%TYPE = 'happy'; BEGIN NULL; "
     "END $$;", True, True),
    ("ALTER TYPE mood ADD VALUE 'happy';\nDO $$ DECLARE v text := 'happy'; BEGIN NULL; END $$;",
     True, False),
    ("DO $$ BEGIN ALTER TYPE mood ADD VALUE 'happy';\nDECLARE w mood := 'happy'; BEGIN NULL; "
     "END; END $$;", False, True),
    ("DO $$ DECLARE v mood := 'sad'; BEGIN ALTER TYPE mood ADD VALUE 'happy';\n"
     "DECLARE w text := 'happy'; BEGIN NULL; END; END $$;", False, False),
    # Used before it is added, by the block's earlier statement: no use of the new value.
    ("DO $$ BEGIN PERFORM 'happy';\nALTER TYPE mood ADD VALUE 'happy'; END $$;", False, False),
    # Added by the block, used after it committed.
    ("DO $$ BEGIN ALTER TYPE mood ADD VALUE 'happy'; END $$;\n"
     "INSERT INTO orders (id, m) VALUES (1, 'happy');", False, False),
    # A type the block created: its new values are usable at once.
    ("DO $$ BEGIN CREATE TYPE mood2 AS ENUM ('a');\nALTER TYPE mood2 ADD VALUE 'b';\n"
     "PERFORM 'b'::mood2; END $$;", False, False),
])
def test_enum_value_used_in_a_do_block_matches_server(pg_db: str, text: str,
                                                      in_transaction: bool,
                                                      fails: bool) -> None:
    """A DO block's statements and expressions are uses of a value the transaction added,
    before or inside the block."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    migrations = [migration_from_text(_MOOD, "0001_a.sql"), migration_from_text(text,
                                                                                 "0002_b.sql")]
    found = {f.rule for f in lint_migrations(migrations, LintOptions(
        assume_in_transaction=in_transaction))[-1].all_findings}
    assert _refuses_new_enum_value(pg_db, _MOOD, text, in_transaction) is fails
    assert ("enum-value-used-in-transaction" in found) is fails


@pytest.mark.parametrize("where", [
    "", "WHERE parent_id IS NOT NULL", "WHERE NOT (parent_id IS NULL) AND parent_id IS NOT NULL",
    "WHERE n > 0", "WHERE parent_id IS NOT NULL AND n > 0", "WHERE n IS NOT NULL",
])
def test_partial_index_serves_the_foreign_key_check_as_the_server_plans_it(
        pg_db: str, where: str) -> None:
    """The check of a foreign key looks the referencing rows up with `col = $1` (ri_triggers.c,
    a generic plan); whether a partial index can serve it is read from the server's plan."""
    setup = ("CREATE TABLE parent (id bigint PRIMARY KEY);\n"
             "CREATE TABLE child (id bigint, parent_id bigint REFERENCES parent, n int);\n"
             f"CREATE INDEX child_parent ON child (parent_id) {where};\n")
    catalog = Catalog()
    for stmt in parse_sql(setup).statements:
        apply_statement(catalog, stmt.tree, "0001")
    modelled = catalog.has_index_leading_with("public.child", ("parent_id",))
    with _connect(pg_db) as conn:
        conn.execute(setup)
        conn.execute("SET enable_seqscan = off; SET plan_cache_mode = force_generic_plan")
        conn.execute("PREPARE fk_check(bigint) AS "
                     "SELECT 1 FROM ONLY child x WHERE parent_id = $1 FOR KEY SHARE OF x")
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN EXECUTE fk_check(1)"))
        conn.execute("DEALLOCATE fk_check; DROP TABLE child, parent")
    assert ("child_parent" in plan) is modelled, plan


@pytest.mark.parametrize("statements", [
    ("BEGIN", "SET lock_timeout = '5s'", "ROLLBACK"),
    ("BEGIN", "SET lock_timeout = '5s'", "COMMIT"),
    ("BEGIN", "SET LOCAL lock_timeout = '5s'", "COMMIT"),
    ("SET lock_timeout = '2s'", "BEGIN", "SET lock_timeout = '5s'", "ROLLBACK"),
    ("BEGIN", "SET LOCAL lock_timeout = '5s'", "SET lock_timeout = '7s'", "COMMIT"),
    ("SELECT set_config('lock_timeout', '5s', false)",),
    ("SELECT pg_catalog.set_config('lock_timeout', '5s', true)",),
    ("BEGIN", "SELECT set_config('lock_timeout', '5s', true)", "SHOW lock_timeout"),
    ("BEGIN", "SELECT set_config('lock_timeout', '5s', false)", "ROLLBACK"),
])
def test_lock_timeout_tracked_as_the_server_keeps_it(pg_db: str, statements: tuple) -> None:
    """The session model's lock_timeout after each sequence is the server's (SET undone by
    ROLLBACK, SET LOCAL ended by COMMIT, set_config read as SET / SET LOCAL)."""
    from lockwise.effects.session import Session, parse_duration_ms

    session = Session(implicit_transaction=False)
    for index, sql in enumerate(statements):
        ctx = Context(in_transaction=session.in_transaction)
        session.after(compute_effect(parse_sql(sql).statements[0].tree, ctx), index)
    with _connect(pg_db) as conn:
        conn.execute("RESET lock_timeout")
        for sql in statements:
            conn.execute(sql)
        (shown,) = conn.execute("SHOW lock_timeout").fetchone()
        if conn.info.transaction_status:
            conn.execute("ROLLBACK")
        conn.execute("RESET lock_timeout")
    assert (session.lock_timeout_ms or 0) == parse_duration_ms(shown)


def test_alter_domain_add_constraint_locks_tables_using_it(pg_db: str) -> None:
    setup = "CREATE DOMAIN amount AS numeric;\nCREATE TABLE payments (id bigint, value amount);"
    sql = "ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0)"
    effect = effect_after(setup, sql)
    assert effect.locks == {"public.payments": _share()}
    with _connect(pg_db) as conn:
        conn.execute(setup)
        conn.execute("BEGIN")
        conn.execute(sql)
        rows = conn.execute(
            "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = pg_backend_pid() AND c.relname = 'payments'").fetchall()
        conn.execute("ROLLBACK")
    assert max((mode for _, mode in rows), key=_rank) == "ShareLock"


def _share():
    from lockwise.core.types import LockMode

    return LockMode.SHARE


def _rank(mode: str) -> int:
    from lockwise.core.types import LockMode

    return next(m for m in LockMode if m.pg_name == mode).value


@pytest.mark.parametrize(("column", "scans"), [
    ("c bigint REFERENCES parent", False),  # all NULL: no foreign key validation
    ("c bigint DEFAULT 1 REFERENCES parent", True),
    # any DEFAULT clause, NULL too, validates the key (checked on 18.6)
    ("c bigint REFERENCES parent DEFAULT NULL", True),
    ("c int CHECK (c > 0)", True),
    ("c text UNIQUE", True),
    ("c text", False),
])
def test_add_column_inline_constraint_scans_match_server(pg_db: str, column: str,
                                                         scans: bool) -> None:
    setup = ("CREATE TABLE parent (id bigint PRIMARY KEY);\nINSERT INTO parent VALUES (1);\n"
             "CREATE TABLE child (id bigint);\n"
             "INSERT INTO child SELECT g FROM generate_series(1, 100) g;")
    sql = f"ALTER TABLE child ADD COLUMN {column}"
    effect = effect_after(setup, sql)
    assert ("public.child" in effect.scans) is scans
    (action,) = [a for a in effect.actions if a.kind == "add_column"]
    assert bool(action.facts["constraint_scans"]) is scans
    with _connect(pg_db) as conn:
        conn.execute(setup)
        before = _seq_scans(conn, "child")
        conn.execute(sql)
        assert (_seq_scans(conn, "child") > before) is scans


@pytest.mark.parametrize(("column", "rewrites"), [
    ("s bigint NOT NULL GENERATED ALWAYS AS (id * 2) STORED", True),
    ("s bigint NOT NULL GENERATED ALWAYS AS (id * 2) VIRTUAL", False),
])
def test_a_not_null_generated_column_is_added_to_rows_as_the_server_adds_it(
        pg_db: str, column: str, rewrites: bool) -> None:
    """A NOT NULL generated column gets its value from its expression for every existing row:
    the server adds it to a table with rows (checked on 18.6), reading all of them (the stored
    one rewrites the table, the virtual one computes and checks each value), where a NOT NULL
    column without a default fails at the first row. Not add-column-not-null-without-default."""
    setup = "CREATE TABLE child (id bigint);\n" \
            "INSERT INTO child SELECT g FROM generate_series(1, 100) g;"
    sql = f"ALTER TABLE child ADD COLUMN {column}"
    effect = effect_after(setup, sql)
    assert ("public.child" in effect.rewrites) is rewrites
    assert not effect.scans["public.child"].startswith(SCAN_ENDS_AT_A_ROW)
    (action,) = [a for a in effect.actions if a.kind == "add_column"]
    assert action.facts["generated"] and "stand_in_default_sql" not in action.facts
    assert server_error(pg_db, setup, sql) is None
    with _connect(pg_db) as conn:
        assert conn.execute("SELECT count(*) FROM child WHERE s = id * 2").fetchone() == (100,)


@pytest.mark.parametrize("sql", [
    "WITH picked AS (SELECT id, n FROM child), copied AS (INSERT INTO archive "
    "SELECT id, n FROM picked RETURNING id) SELECT count(*) FROM copied",
    "WITH picked AS (SELECT id, n FROM child), moved AS (UPDATE archive SET n = picked.n "
    "FROM picked WHERE archive.id = picked.id) SELECT 1",
])
def test_a_data_modifying_with_query_reads_the_ones_before_it_not_tables(pg_db: str,
                                                                         sql: str) -> None:
    """`picked` is the WITH query, not a table: nothing is locked or read under its name
    (documenso's add_organisations; checked on 18.6, where no table `picked` exists and the
    statement runs)."""
    setup = ("CREATE TABLE child (id bigint, n int);\n"
             "INSERT INTO child SELECT g, g FROM generate_series(1, 10) g;\n"
             "CREATE TABLE archive (id bigint, n int);")
    effect = effect_after(setup, sql)
    assert set(effect.locks) | set(effect.scans) <= {"public.child", "public.archive"}
    with _connect(pg_db) as conn:
        conn.execute(setup)
        conn.execute(sql)


#: Statements whose fate outside a transaction block the effect model states: refused
#: (`transaction_only`), accepted but without effect (`transaction_scoped`), or neither.
OUTSIDE_TRANSACTION = [
    "LOCK TABLE accounts",
    "LOCK TABLE accounts IN SHARE MODE NOWAIT",
    "SAVEPOINT a",
    "RELEASE SAVEPOINT a",
    "ROLLBACK TO SAVEPOINT a",
    "DECLARE c CURSOR FOR SELECT id FROM accounts",
    "DECLARE c BINARY SCROLL CURSOR WITHOUT HOLD FOR SELECT id FROM accounts",
    "DECLARE c CURSOR WITH HOLD FOR SELECT id FROM accounts",
    "SET LOCAL lock_timeout = '5s'",
    "SET LOCAL search_path = public",
    "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE",
    "SET CONSTRAINTS ALL DEFERRED",
    "SET lock_timeout = '5s'",
    "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
    "SELECT id FROM accounts FOR UPDATE",
    "RESET lock_timeout",
]


@pytest.mark.parametrize("sql", OUTSIDE_TRANSACTION)
def test_outside_a_transaction_block_matches_server(pg_db: str, sql: str) -> None:
    import psycopg

    setup = "CREATE TABLE accounts (id bigint PRIMARY KEY)"
    effect = effect_after(setup + ";", sql)
    facts = {k: v for a in effect.actions for k, v in a.facts.items()}
    warnings: list[str] = []
    with _connect(pg_db) as conn:
        conn.add_notice_handler(lambda d: warnings.append(d.message_primary or ""))
        conn.execute(setup)
        try:
            conn.execute(sql)
            refused = False
        except psycopg.errors.NoActiveSqlTransaction:
            refused = True
    ignored = any("can only be used in transaction blocks" in w for w in warnings)
    assert bool(facts.get("transaction_only")) == refused
    assert bool(facts.get("transaction_scoped")) == ignored


#: Whole migration files as golang-migrate and prisma send them: one query string.
ONE_STRING = [
    "CREATE INDEX CONCURRENTLY t_a ON t (a);",
    "SET lock_timeout = '5s';\nCREATE INDEX CONCURRENTLY t_b ON t (a);",
    "BEGIN;\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;",
    "BEGIN;\nBEGIN;\nSELECT 1;\nCOMMIT;",
    "UPDATE t SET a = 1;\nSAVEPOINT s;",
    "BEGIN;\nSAVEPOINT s;\nRELEASE SAVEPOINT s;\nCOMMIT;",
    "LOCK TABLE t IN SHARE MODE;\nUPDATE t SET a = 2;",
    "LOCK TABLE t IN SHARE MODE;",
    "SET LOCAL lock_timeout = '1s';",
    "SET LOCAL lock_timeout = '1s';\nALTER TABLE t ADD COLUMN d int;",
    "CREATE TABLE u (id int);\nCOMMIT;\nVACUUM u;",
]
_FAILS = {"concurrently-in-transaction", "transaction-only-statement"}
_WARNS = {"nested-transaction": "there is already a transaction in progress",
          "set-local-outside-transaction": "can only be used in transaction blocks"}


@pytest.mark.parametrize("layout", ["golang-migrate", "prisma", "sqlx -- no-transaction",
                                    "dbmate transaction:false",
                                    "diesel run_in_transaction=false"])
@pytest.mark.parametrize("text", ONE_STRING)
def test_a_migration_sent_as_one_string_matches_server(pg_db: str, layout: str,
                                                       text: str) -> None:
    """PostgreSQL runs a string of statements in an implicit transaction (not a block that
    SAVEPOINT accepts, and one an explicit BEGIN takes over), a single statement in none.
    sqlx sends a `-- no-transaction` migration so, and dbmate a `transaction:false` one
    (`sqlDB.Exec(up)`: two CREATE INDEX CONCURRENTLY in one such section fail, dbmate#126),
    and diesel one whose metadata.toml says `run_in_transaction = false` (its harness runs
    it without `transaction`, and run_sql_from_file sends up.sql whole to `batch_execute`,
    PgConnection's PQexec: one simple query). Checked on 18.6."""
    import dataclasses

    import psycopg

    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = "CREATE TABLE t (id bigint PRIMARY KEY, a int);"
    migrations = [dataclasses.replace(migration_from_text(sql, f"{i}_m.sql"),
                                      layout=layout.split()[0], no_transaction=" " in layout)
                  for i, sql in ((1, setup), (2, text))]
    found = {f.rule for f in lint_migrations(migrations, LintOptions())[-1].all_findings}
    warnings: list[str] = []
    with _connect(pg_db) as conn:
        conn.add_notice_handler(lambda d: warnings.append(d.message_primary or ""))
        conn.execute(setup)
        try:
            conn.execute(text)  # no parameters: psycopg sends it as one simple query
            failed = False
        except psycopg.Error:
            failed = True
    assert bool(found & _FAILS) == failed, found
    for rule, warning in _WARNS.items():
        assert (rule in found) == any(warning in w for w in warnings), (rule, warnings)


#: Migrations that end the tool's transaction themselves.
ENDS_TOOL_TRANSACTION = [
    "CREATE TABLE u (id int);\nCOMMIT;\nCREATE INDEX CONCURRENTLY t_a ON t (a);",
    "ALTER TABLE t ADD COLUMN c int;\nROLLBACK;\nVACUUM t;",
    "SELECT 1;\nEND;\nSET LOCAL lock_timeout = '1s';\nALTER TABLE t ADD COLUMN d int;",
    "SELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nCOMMIT;",
    "SELECT 1;\nCOMMIT;\nBEGIN;\nCREATE INDEX CONCURRENTLY t_b ON t (a);\nCOMMIT;",
]


@pytest.mark.parametrize("layout", ["sqlx", "diesel", "dbmate", "goose", "flyway", "plain"])
@pytest.mark.parametrize("text", ENDS_TOOL_TRANSACTION)
def test_a_commit_in_the_tools_transaction_matches_server(pg_db: str, layout: str,
                                                          text: str) -> None:
    """A COMMIT (ROLLBACK, END) in a migration ends the transaction its tool opened: what
    follows runs in autocommit where the tool sends statements one by one, and in PostgreSQL's
    implicit block for the rest of the string where it sends the file as one string (sqlx,
    diesel, dbmate). `plain` stands for --assume-in-transaction."""
    import dataclasses

    import psycopg

    from lockwise.discover import migration_from_text
    from lockwise.lint import ONE_STRING_IN_TRANSACTION, LintOptions, lint_migrations

    setup = "CREATE TABLE t (id bigint PRIMARY KEY, a int);"
    migrations = [dataclasses.replace(migration_from_text(sql, f"{i}_m.sql"), layout=layout)
                  for i, sql in ((1, setup), (2, text))]
    options = LintOptions(assume_in_transaction=True if layout == "plain" else None)
    found = {f.rule for f in lint_migrations(migrations, options)[-1].all_findings}
    sent = [text] if layout in ONE_STRING_IN_TRANSACTION else \
        [s.sql for s in parse_sql(text).statements]
    warnings: list[str] = []
    with _connect(pg_db) as conn:
        conn.execute(setup)
        conn.add_notice_handler(lambda d: warnings.append(d.message_primary or ""))
        conn.execute("BEGIN")  # the tool's
        try:
            for sql in sent:
                conn.execute(sql)
            failed = False
        except psycopg.Error:
            failed = True
    assert bool(found & _FAILS) == failed, found
    for rule, warning in _WARNS.items():
        assert (rule in found) == any(warning in w for w in warnings), (rule, warnings)


@pytest.mark.parametrize("bounds", [
    "FROM ('2024-01-01') TO ('2025-01-01')",
    "FROM (20240101) TO (20250101)",
])
def test_attach_partition_alternative_attaches_without_a_scan(pg_db: str, bounds: str) -> None:
    """The safe alternative, written with the statement's own bounds, is what the server
    accepts as proof: the ATTACH that follows it reads no row."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    key_type = "date" if "'" in bounds else "int"
    setup = (f"CREATE TABLE events (id bigint, day {key_type}) PARTITION BY RANGE (day);\n"
             f"CREATE TABLE events_2024 (id bigint, day {key_type});")
    attach = f"ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES {bounds};"
    reports = lint_migrations([migration_from_text(setup, "0001_a.sql"),
                               migration_from_text(attach, "0002_b.sql")], LintOptions())
    (finding,) = [f for f in reports[-1].all_findings
                  if f.rule == "attach-partition-without-check"]
    assert "<" not in finding.instead.replace("day <", "")
    notices: list[str] = []
    with _connect(pg_db) as conn:
        conn.execute(setup)
        conn.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
        conn.execute("SET client_min_messages = debug1")
        conn.execute(finding.instead)
    assert any("is implied by existing constraints" in n for n in notices), notices


@pytest.mark.parametrize(("zone", "rewrites"), [("UTC", False), ("Europe/Paris", True)])
def test_timezone_set_by_the_migration_decides_the_rewrite(pg_db: str, zone: str,
                                                           rewrites: bool) -> None:
    """timestamp -> timestamptz rewrites unless the session's TimeZone is UTC (PG 12+): a SET
    TimeZone in the migration is the session's, as the server shows."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = "CREATE TABLE events (id bigint, happened_at timestamp);"
    change = (f"SET LOCAL TimeZone = '{zone}';\n"
              "ALTER TABLE events ALTER COLUMN happened_at TYPE timestamptz;")
    reports = lint_migrations([migration_from_text(setup, "0001_a.sql"),
                               migration_from_text(change, "0002_b.sql")],
                              LintOptions(assume_in_transaction=True))
    assert bool(reports[-1].statements[1].effect.rewrites) is rewrites
    with _connect(pg_db) as conn:
        conn.execute(setup + "INSERT INTO events VALUES (1, now());")
        before = conn.execute("SELECT relfilenode FROM pg_class WHERE relname = 'events'")
        before = before.fetchone()
        conn.execute("BEGIN")
        conn.execute(change)
        after = conn.execute("SELECT relfilenode FROM pg_class WHERE relname = 'events'")
        after = after.fetchone()
        conn.execute("COMMIT")
    assert (before != after) is rewrites


@pytest.mark.parametrize(("using", "zone_chosen"), [
    ("", False),
    (" USING happened_at::timestamptz", False),
    (" USING happened_at AT TIME ZONE 'UTC'", True),
    (" USING timezone('Asia/Tokyo', happened_at)", True),
    (" USING happened_at AT TIME ZONE current_setting('TimeZone')", False),
])
def test_a_using_at_time_zone_chooses_the_zone_of_timestamp_to_timestamptz(
        pg_db: str, using: str, zone_chosen: bool) -> None:
    """hoppscotch's `TYPE TIMESTAMPTZ(3) USING "loggedIn" AT TIME ZONE 'UTC'`: the USING reads
    the stored timestamps in a zone it names, so the values do not depend on the migration
    session's TimeZone and timestamp-to-timestamptz has nothing to say (checked on 18.6: the
    same instants under two session zones; without such a USING they differ)."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = "CREATE TABLE events (id bigint, happened_at timestamp(3));"
    change = f"ALTER TABLE events ALTER COLUMN happened_at TYPE timestamptz(3){using};"
    reports = lint_migrations([migration_from_text(setup, "0001_a.sql"),
                               migration_from_text(change, "0002_b.sql")], LintOptions())
    found = {f.rule for f in reports[-1].all_findings}
    assert ("timestamp-to-timestamptz" not in found) is zone_chosen
    instants = set()
    with _connect(pg_db) as conn:
        for zone in ("America/New_York", "Asia/Kolkata"):
            conn.execute("DROP TABLE IF EXISTS events")
            conn.execute(setup + "INSERT INTO events VALUES (1, '2024-01-01 12:00');")
            conn.execute(f"SET TimeZone = '{zone}'")
            conn.execute(change)
            instants.add(conn.execute(
                "SELECT extract(epoch FROM happened_at) FROM events").fetchone()[0])
    assert (len(instants) == 1) is zone_chosen


@pytest.mark.parametrize("body", [
    "BEGIN UPDATE t SET a = 1; COMMIT; END",
    "BEGIN LOOP UPDATE t SET a = 2; EXIT; END LOOP; ROLLBACK AND CHAIN; END",
    "BEGIN UPDATE t SET a = 3; END",
    "BEGIN PERFORM 'commit;'; END",  # a string, not a statement
])
def test_a_do_block_that_commits_refuses_a_transaction_block(pg_db: str, body: str) -> None:
    import psycopg

    sql = f"DO $$ {body} $$"
    effect = effect_after("CREATE TABLE t (a int);", sql)
    with _connect(pg_db) as conn:
        conn.execute("CREATE TABLE t (a int)")
        conn.execute("BEGIN")
        try:
            conn.execute(sql)
            accepted = True
        except psycopg.errors.InvalidTransactionTermination:
            accepted = False
        conn.execute("ROLLBACK")
    assert effect.transactional == accepted



#: A subscription that never connects (a publisher needs a second server): it still has a
#: slot name, so dropping it would drop the slot; enabled, so REFRESH gets past its checks.
_SUBSCRIPTION = ("CREATE PUBLICATION pub FOR ALL TABLES;"
                 "CREATE SUBSCRIPTION sub CONNECTION 'dbname=none' PUBLICATION pub"
                 " WITH (connect = false);"
                 "CREATE SUBSCRIPTION slotless CONNECTION 'dbname=none' PUBLICATION pub"
                 " WITH (connect = false, slot_name = NONE);")


@pytest.mark.parametrize("sql", [
    "DISCARD ALL",
    "DISCARD PLANS",
    "DISCARD TEMP",
    "DISCARD SEQUENCES",
    "COMMIT PREPARED 'gid'",
    "ROLLBACK PREPARED 'gid'",
    "ALTER DATABASE postgres SET TABLESPACE pg_default",
    "ALTER DATABASE postgres SET work_mem = '1MB'",
    "CREATE SUBSCRIPTION s2 CONNECTION 'dbname=none' PUBLICATION pub",
    "CREATE SUBSCRIPTION s2 CONNECTION 'dbname=none' PUBLICATION pub WITH (connect = false)",
    "CREATE SUBSCRIPTION s2 CONNECTION 'dbname=none' PUBLICATION pub WITH (create_slot = off)",
    "ALTER SUBSCRIPTION sub REFRESH PUBLICATION",
    "ALTER SUBSCRIPTION sub SET PUBLICATION pub",
    "ALTER SUBSCRIPTION sub SET PUBLICATION pub WITH (refresh = false)",
    "ALTER SUBSCRIPTION sub ADD PUBLICATION other WITH (refresh = off)",
    "ALTER SUBSCRIPTION sub DISABLE",
    "DROP SUBSCRIPTION sub",
])
def test_statements_refused_in_a_transaction_block(pg_db: str, sql: str) -> None:
    """The effect's `transactional` is what the server does with the statement inside BEGIN:
    runs it (or fails for another reason), or refuses it for being in a transaction block."""
    import psycopg

    with _connect(pg_db) as conn:
        conn.execute(_SUBSCRIPTION)
        conn.execute("ALTER SUBSCRIPTION sub ENABLE")
        conn.execute("BEGIN")
        try:
            conn.execute(sql)
            accepted = True
        except psycopg.errors.ActiveSqlTransaction:
            accepted = False
        except psycopg.Error:
            accepted = True  # refused for another reason, after the transaction-block check
        conn.execute("ROLLBACK")
        conn.execute("ALTER SUBSCRIPTION sub DISABLE;"
                     "ALTER SUBSCRIPTION sub SET (slot_name = NONE);"
                     "DROP SUBSCRIPTION sub; DROP SUBSCRIPTION slotless; DROP PUBLICATION pub")
    assert effect_after("", sql).transactional == accepted


_VIEWS = """
CREATE TABLE users (id bigint, name varchar(50), email varchar(50), note text);
CREATE TABLE orders (id bigint, user_id bigint, total numeric);
CREATE VIEW v_users AS SELECT id, name FROM users;
CREATE VIEW v_orders AS SELECT o.*, u.email FROM orders o JOIN users u ON u.id = o.user_id;
CREATE MATERIALIZED VIEW m_totals AS SELECT user_id, sum(total) FROM orders GROUP BY user_id;
CREATE TABLE site (id bigint, name text, total numeric);
CREATE TABLE posts (id bigint, title text, name text);
CREATE VIEW v_site AS SELECT id, name, (SELECT count(*) FROM posts) AS n FROM site;
CREATE VIEW v_linked AS SELECT s.id FROM site s
    WHERE EXISTS (SELECT 1 FROM posts p WHERE p.title = s.name AND id > total);
"""


@pytest.mark.parametrize("sql", [
    "ALTER TABLE users ALTER COLUMN name TYPE varchar(100)",
    "ALTER TABLE users DROP COLUMN name",
    "ALTER TABLE users ALTER COLUMN email TYPE text",
    "ALTER TABLE users DROP COLUMN id",  # in the JOIN condition only
    "ALTER TABLE orders DROP COLUMN total",  # through o.*
    "ALTER TABLE orders ALTER COLUMN user_id TYPE int",  # the materialized view
    "ALTER TABLE users DROP COLUMN note",
    "ALTER TABLE users ALTER COLUMN note TYPE varchar(10)",
    "ALTER TABLE users DROP COLUMN name CASCADE",
    "ALTER TABLE posts ALTER COLUMN name TYPE varchar(300)",  # only the subquery's table
    "ALTER TABLE site ALTER COLUMN name TYPE varchar(300)",  # the outer SELECT's name
    "ALTER TABLE posts ALTER COLUMN title TYPE varchar(300)",  # p.title, in the subquery
    "ALTER TABLE posts ALTER COLUMN id TYPE int",  # `id` in the subquery is posts.id
    "ALTER TABLE site ALTER COLUMN total TYPE bigint",  # `total`: posts has none, site has
])
def test_column_used_by_a_view_matches_server(pg_db: str, sql: str) -> None:
    """column-used-by-view says the statement fails exactly when the server refuses it."""
    import psycopg

    (action,) = effect_after(_VIEWS, sql).actions
    predicted_failure = bool(action.facts["used_by_views"]) and not action.facts.get("cascade")
    refused = (psycopg.errors.FeatureNotSupported, psycopg.errors.DependentObjectsStillExist)
    assert predicted_failure == server_refuses(pg_db, _VIEWS, sql, refused)


_POLICIES = """
CREATE TABLE docs (id bigint, owner_id int, title text, note text);
CREATE TABLE members (doc_id bigint, user_id int, role text);
CREATE POLICY own ON docs USING (owner_id = 1) WITH CHECK (title IS NOT NULL);
CREATE POLICY shared ON docs FOR SELECT USING (id IN (SELECT doc_id FROM members));
ALTER TABLE members RENAME COLUMN user_id TO member_id;
CREATE POLICY gone ON members USING (role = 'x');
DROP POLICY gone ON members;
"""


@pytest.mark.parametrize("sql", [
    "ALTER TABLE docs ALTER COLUMN owner_id TYPE bigint",
    "ALTER TABLE docs DROP COLUMN owner_id",
    "ALTER TABLE docs DROP COLUMN owner_id CASCADE",
    "ALTER TABLE docs ALTER COLUMN title TYPE varchar(10)",  # WITH CHECK
    "ALTER TABLE docs ALTER COLUMN id TYPE int",  # the subquery's outer column
    "ALTER TABLE docs ALTER COLUMN note TYPE varchar(10)",
    "ALTER TABLE docs DROP COLUMN note",
    "ALTER TABLE members ALTER COLUMN doc_id TYPE int",  # another table's policy reads it
    "ALTER TABLE members DROP COLUMN doc_id",
    "ALTER TABLE members ALTER COLUMN member_id TYPE bigint",
    "ALTER TABLE members ALTER COLUMN role TYPE varchar(10)",  # its policy was dropped
])
def test_column_used_by_a_policy_matches_server(pg_db: str, sql: str) -> None:
    """column-used-by-policy says the statement fails exactly when the server refuses it."""
    import psycopg

    (action,) = effect_after(_POLICIES, sql).actions
    predicted_failure = bool(action.facts.get("used_by_policies")) and \
        not action.facts.get("cascade")
    refused = (psycopg.errors.FeatureNotSupported, psycopg.errors.DependentObjectsStillExist)
    assert predicted_failure == server_refuses(pg_db, _POLICIES, sql, refused)


_GENERATED = """
CREATE TABLE t (id bigint, a int, b varchar(10), c int, n int,
    g int GENERATED ALWAYS AS (a * 2) STORED, v text GENERATED ALWAYS AS (lower(b)) VIRTUAL,
    w int GENERATED ALWAYS AS (id) STORED);
ALTER TABLE t RENAME COLUMN c TO c2;
ALTER TABLE t ADD COLUMN h int GENERATED ALWAYS AS (c2 + 1) STORED;
ALTER TABLE t RENAME COLUMN c2 TO c3;
ALTER TABLE t ADD COLUMN k int GENERATED ALWAYS AS (n) STORED;
ALTER TABLE t ALTER COLUMN k SET EXPRESSION AS (id + 1);
ALTER TABLE t RENAME TO t2;
CREATE TABLE copy (LIKE t2 INCLUDING GENERATED);
CREATE TABLE plain_copy (LIKE t2);
"""


@pytest.mark.parametrize("sql", [
    "ALTER TABLE t2 DROP COLUMN a",
    "ALTER TABLE t2 ALTER COLUMN a TYPE bigint",
    "ALTER TABLE t2 ALTER COLUMN b TYPE varchar(20)",  # virtual, values kept
    "ALTER TABLE t2 DROP COLUMN b",
    "ALTER TABLE t2 DROP COLUMN a CASCADE",
    "ALTER TABLE t2 DROP COLUMN c3",  # read under its first name
    "ALTER TABLE t2 ALTER COLUMN c3 TYPE bigint",
    "ALTER TABLE t2 DROP COLUMN n",  # no longer read after SET EXPRESSION
    "ALTER TABLE t2 ALTER COLUMN id TYPE int",
    "ALTER TABLE t2 ALTER COLUMN g TYPE bigint",  # the generated column itself
    "ALTER TABLE t2 DROP COLUMN g, DROP COLUMN a",
    "ALTER TABLE t2 DROP COLUMN a, DROP COLUMN g",
    "ALTER TABLE t2 ALTER COLUMN a TYPE bigint, DROP COLUMN g",
    "ALTER TABLE copy DROP COLUMN a",
    "ALTER TABLE plain_copy DROP COLUMN a",
    "ALTER TABLE plain_copy ALTER COLUMN a TYPE bigint",
])
def test_column_used_by_a_generated_column_matches_server(pg_db: str, sql: str) -> None:
    """column-used-by-generated-column says the statement fails exactly when the server
    refuses it."""
    import psycopg

    effect = effect_after(_GENERATED, sql)
    predicted_failure = any(
        a.facts.get("used_by_generated") and not (
            a.kind == "drop_column" and a.facts.get("cascade"))
        for a in effect.actions if a.kind in ("drop_column", "alter_column_type"))
    refused = (psycopg.errors.FeatureNotSupported, psycopg.errors.DependentObjectsStillExist)
    assert predicted_failure == server_refuses(pg_db, _GENERATED, sql, refused)


_TYPES = """
CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE DOMAIN base AS int; CREATE DOMAIN sub AS base;
CREATE DOMAIN tags AS text[]; CREATE DOMAIN unused AS text; CREATE TYPE spare AS ENUM ('x');
CREATE DOMAIN over_spare AS spare[];
CREATE TABLE t (id bigint, m mood[], s sub, tg tags);
CREATE DOMAIN ranged AS int; CREATE TYPE rr AS RANGE (subtype = ranged);
CREATE DOMAIN ranged_unused AS int; CREATE TYPE rr_unused AS RANGE (subtype = ranged_unused);
CREATE TABLE tr (id bigint, r rr);
"""


@pytest.mark.parametrize("sql", [
    "DROP TYPE mood", "DROP DOMAIN base", "DROP DOMAIN sub", "DROP DOMAIN tags",
    "DROP DOMAIN unused", "DROP TYPE spare", "DROP DOMAIN over_spare", "DROP TYPE mood CASCADE",
    "DROP DOMAIN ranged", "DROP DOMAIN ranged_unused", "DROP TYPE rr", "DROP TYPE rr_unused",
])
def test_drop_type_in_use_matches_server(pg_db: str, sql: str) -> None:
    """drop-type-in-use says the statement fails exactly when the server refuses it."""
    import psycopg

    (action,) = [a for a in effect_after(_TYPES, sql).actions if a.kind == "drop_type"]
    predicted_failure = bool(action.facts["dependents"]) and not action.facts["cascade"]
    refused = (psycopg.errors.DependentObjectsStillExist,)
    assert predicted_failure == server_refuses(pg_db, _TYPES, sql, refused)


_COMPOSITES = """
CREATE TYPE typed AS (a int, b text); CREATE TABLE tb OF typed;
CREATE TYPE held AS (a int, b text); CREATE TABLE h (id int, v held);
CREATE TYPE in_array AS (a int); CREATE TABLE ha (id int, v in_array[]);
CREATE TYPE under_domain AS (a int); CREATE DOMAIN dom AS under_domain;
CREATE TABLE hd (id int, v dom);
CREATE TYPE in_view AS (a int); CREATE VIEW v AS SELECT ROW(1)::in_view AS r;
CREATE TYPE unused AS (a int);
CREATE TYPE viewed AS (a int, b text); CREATE TABLE tv OF viewed;
CREATE VIEW tvv AS SELECT a FROM tv;
"""


@pytest.mark.parametrize("sql", [
    f"ALTER TYPE {t} {change}{cascade}"
    for t in ("typed", "held", "in_array", "under_domain", "in_view", "unused", "viewed")
    for change in ("ADD ATTRIBUTE c int", "DROP ATTRIBUTE a", "ALTER ATTRIBUTE a TYPE bigint",
                   "RENAME ATTRIBUTE a TO aa", "ALTER ATTRIBUTE a TYPE uuid",
                   "ALTER ATTRIBUTE a TYPE boolean")
    for cascade in ("", " CASCADE")])
def test_alter_type_in_use_matches_server(pg_db: str, sql: str) -> None:
    """alter-type-in-use says the statement fails exactly when the server refuses it."""
    import psycopg

    (action,) = [a for a in effect_after(_COMPOSITES, sql).actions
                 if a.kind in ("alter_composite_type", "rename_other")]
    refused = (psycopg.errors.DependentObjectsStillExist, psycopg.errors.FeatureNotSupported,
               psycopg.errors.DatatypeMismatch)  # (no cast in assignment: "cannot be cast")
    assert bool(action.facts["refused_by"]) == server_refuses(pg_db, _COMPOSITES, sql, refused)


#: A domain per way of being used, each with a constraint left NOT VALID: a plain column, an
#: array column, a composite attribute (nested, and held in an array), a domain over it in an
#: array, a domain over an array of it, a view over an array of it (stores nothing), unused;
#: a range over it (or over a domain over it) in a column, in an array column, in a domain
#: over the range, its multirange in a column, in a materialized view, in a view only.
_HELD = ("plain_d", "arr_d", "comp_d", "deep_d", "sub_d", "overarr_d", "view_d", "unused_d",
         "unheld_d", "range_d", "rangearr_d", "subrange_d", "rangedom_d", "multi_d",
         "rangemat_d", "rangeview_d")
_DOMAINS = "".join(
    f"CREATE DOMAIN {d} AS int; ALTER DOMAIN {d} ADD CONSTRAINT {d}_c CHECK (VALUE > 0) "
    "NOT VALID;\n" for d in _HELD) + """
CREATE TABLE tp (id int, v plain_d); INSERT INTO tp VALUES (1, 1);
CREATE TABLE ta (id int, v arr_d[]);
CREATE TYPE holds AS (x comp_d); CREATE TABLE tc (id int, v holds);
CREATE TYPE inner_t AS (x deep_d); CREATE TYPE outer_t AS (y inner_t[]);
CREATE TABLE td (id int, v outer_t);
CREATE DOMAIN over_sub AS sub_d; CREATE TABLE ts (id int, v over_sub[]);
CREATE DOMAIN over_arr AS overarr_d[]; CREATE TABLE toa (id int, v over_arr);
CREATE TABLE tvd (id int, v view_d); CREATE VIEW vv AS SELECT ARRAY[v] AS x FROM tvd;
CREATE TYPE unheld AS (x unheld_d);
CREATE TYPE rng AS RANGE (subtype = range_d); CREATE TABLE tr (id int, v rng);
CREATE TYPE rng_arr AS RANGE (subtype = rangearr_d); CREATE TABLE tra (id int, v rng_arr[]);
CREATE DOMAIN sub_of_subrange AS subrange_d;
CREATE TYPE rng_sub AS RANGE (subtype = sub_of_subrange); CREATE TABLE trs (id int, v rng_sub);
CREATE TYPE rng_dom AS RANGE (subtype = rangedom_d); CREATE DOMAIN over_rng AS rng_dom;
CREATE TABLE trd (id int, v over_rng);
CREATE TYPE rng_multi AS RANGE (subtype = multi_d, multirange_type_name = many);
CREATE TABLE trm (id int, v many);
CREATE TYPE rng_mat AS RANGE (subtype = rangemat_d);
CREATE MATERIALIZED VIEW mr AS SELECT NULL::rng_mat AS v;
CREATE TYPE rng_view AS RANGE (subtype = rangeview_d); CREATE VIEW vr AS SELECT NULL::rng_view AS v;
"""


@pytest.mark.parametrize("sql", [
    f"ALTER DOMAIN {d} {change}"
    for d in _HELD
    for change in ("ADD CONSTRAINT k CHECK (VALUE < 100)",
                   "ADD CONSTRAINT k CHECK (VALUE < 100) NOT VALID", "SET NOT NULL",
                   "ADD CONSTRAINT k NOT NULL", "VALIDATE CONSTRAINT {d}_c",
                   "DROP CONSTRAINT {d}_c", "SET DEFAULT 1")])
def test_alter_domain_refused_for_values_held_inside_others(pg_db: str, sql: str) -> None:
    """The server refuses to check a domain's values held in an array or a composite
    ("cannot alter type ... because column ... uses it"), even in an empty table: the
    alter_domain action says so exactly then."""
    import psycopg

    sql = sql.format(d=sql.split()[2])
    (action,) = [a for a in effect_after(_DOMAINS, sql).actions if a.kind == "alter_domain"]
    refused = (psycopg.errors.FeatureNotSupported,)
    assert bool(action.facts.get("refused_by")) == server_refuses(pg_db, _DOMAINS, sql, refused)


#: A partitioned table with a sub-partitioned partition: the written plan must index both
#: levels, the intermediate one ON ONLY as the top.
SUBPARTITIONED = """
CREATE TABLE events (id bigint, day date, kind text) PARTITION BY RANGE (day);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')
    PARTITION BY LIST (kind);
CREATE TABLE events_2025_a PARTITION OF events_2025 FOR VALUES IN ('a');
INSERT INTO events VALUES (1, '2024-05-01', 'a'), (2, '2025-05-01', 'a');
"""


@pytest.mark.parametrize("sql", ["CREATE INDEX events_kind_idx ON events (kind)",
                                 "CREATE UNIQUE INDEX ON events (id, day, kind)"])
def test_partitioned_index_plan_runs_and_leaves_valid_indexes(pg_db: str, sql: str) -> None:
    # index-on-partitioned-table's alternative, run as written (each statement on its own, as
    # its CONCURRENTLY steps need): every index it creates ends up valid and attached.
    (action,) = effect_after(SUBPARTITIONED, sql).actions
    plan = action.facts["partitioned_index_sql"]
    with _connect(pg_db) as conn:
        conn.execute(SUBPARTITIONED)
        for line in plan.splitlines():
            conn.execute(line)
        rows = conn.execute(
            "SELECT c.relname, i.indisvalid, EXISTS (SELECT 1 FROM pg_inherits h "
            "WHERE h.inhrelid = c.oid) OR t.relname = 'events' FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relname LIKE 'events%'").fetchall()
    assert len(rows) == 4  # one per table of the tree
    assert all(valid and attached for _, valid, attached in rows), rows


#: SUBPARTITIONED with a DEFAULT partition and rows in every leaf.
SUBPARTITIONED_DEFAULT = SUBPARTITIONED + """
CREATE TABLE events_other PARTITION OF events DEFAULT;
INSERT INTO events VALUES (3, '2030-01-01', 'z');
"""


@pytest.mark.parametrize("sql", [
    "ALTER TABLE events ADD CONSTRAINT events_pk PRIMARY KEY (id, day, kind)",
    "ALTER TABLE events ADD UNIQUE (id, day, kind)"])
def test_partitioned_constraint_plan_runs_and_attaches_every_partition(pg_db: str,
                                                                       sql: str) -> None:
    # unique-constraint-on-partitioned-table's alternative, run as written: every table of
    # the tree ends up with the constraint, the partitions' attached to their parent's, and
    # its last step (the parent's ADD CONSTRAINT) reads no partition.
    (action,) = effect_after(SUBPARTITIONED_DEFAULT, sql).actions
    *steps, last = action.facts["partitioned_constraint_sql"].splitlines()
    scans = ("SELECT coalesce(sum(pg_stat_get_xact_numscans(c.oid)), 0) FROM pg_class c "
             "WHERE c.relname LIKE 'events%' AND c.relkind = 'r'")
    with _connect(pg_db) as conn:
        conn.execute(SUBPARTITIONED_DEFAULT)
        for line in steps:
            conn.execute(line)
        with conn.transaction():
            before = conn.execute(scans).fetchone()[0]
            conn.execute(last)
            read = conn.execute(scans).fetchone()[0] - before
        rows = conn.execute(
            "SELECT t.relname, k.contype, k.conparentid <> 0 FROM pg_constraint k "
            "JOIN pg_class t ON t.oid = k.conrelid "
            "WHERE t.relname LIKE 'events%' AND k.contype IN ('p', 'u')").fetchall()
    assert read == 0
    assert sorted(name for name, _, _ in rows) == [
        "events", "events_2024", "events_2025", "events_2025_a", "events_other"]
    assert all(attached == (name != "events") for name, _, attached in rows), rows
    kinds = {kind for _, kind, _ in rows}
    assert kinds == ({"p"} if "PRIMARY" in sql else {"u"})


def _example_failure(uri: str, example, errors: tuple[type, ...]) -> Exception | None:
    """The error (one of `errors`) the server at `uri` raises running a rule example's
    statement after its setup; None when it runs."""
    return server_error(uri, example.setup, example.sql, errors)


def _examples(rule_id: str) -> list:
    from lockwise.rules.loader import load_rules

    (rule,) = [r for r in load_rules() if r.id == rule_id]
    return [pytest.param(e, id=f"{'bad' if e.bad else 'good'}-{i}")
            for i, e in enumerate(rule.examples)]


@pytest.mark.parametrize("example", [
    pytest.param(p.values[0], id=f"{rule}-{p.id}")
    for rule in ("object-already-exists", "rename-onto-taken-name",
                 "set-schema-onto-taken-name") for p in _examples(rule)
    # (a rule's example for an older PostgreSQL than the embedded one says what that did)
    if (p.values[0].pg_version or 18) >= 18])
def test_object_already_exists_fails_on_the_server_exactly_for_its_bad_examples(
        pg_db: str, example) -> None:
    """The same for renames onto a taken name (rule rename-onto-taken-name), for
    functions of a signature taken (42723), and for an operator class whose family holds
    its members (23505 on the catalog's unique index)."""
    import psycopg

    failed = _example_failure(pg_db, example, (
        psycopg.errors.DuplicateTable, psycopg.errors.DuplicateColumn,
        psycopg.errors.DuplicateSchema, psycopg.errors.DuplicateObject,
        psycopg.errors.DuplicateFunction, psycopg.errors.UniqueViolation))
    assert (failed is not None) == example.bad, failed


@pytest.mark.parametrize("example", _examples("identity-added-to-populated-column"))
def test_identity_added_to_a_populated_column_collides_exactly_for_the_bad_examples(
        pg_db: str, example) -> None:
    """With rows in the table before the migration, the first insert that takes the new
    identity fails on the primary key exactly after the rule's bad examples; a table the
    migration creates has no rows to collide with."""
    import psycopg

    rows = ("INSERT INTO accounts (id, email) SELECT g, 'u' || g "
            "FROM generate_series(1, 5) AS g")
    setup = [example.setup, rows] if example.setup else []
    failed = server_error(pg_db, [*setup, example.sql],
                          "INSERT INTO accounts (email) VALUES ('new')",
                          (psycopg.errors.UniqueViolation,))
    assert (failed is not None) == example.bad, failed


@pytest.mark.parametrize("example", [
    p for p in _examples("identity-on-nullable-column") if p.values[0].setup])
def test_identity_on_a_nullable_column_fails_exactly_for_the_bad_examples(
        pg_db: str, example) -> None:
    import psycopg

    failed = _example_failure(pg_db, example, (psycopg.errors.ObjectNotInPrerequisiteState,))
    assert (failed is not None) == example.bad, failed


@pytest.mark.parametrize("sql", [
    "ALTER TABLE a ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY",
    "ALTER TABLE a ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY, ALTER COLUMN id SET NOT NULL",
    "ALTER TABLE a ALTER COLUMN n ADD GENERATED ALWAYS AS IDENTITY",
    "ALTER TABLE a ALTER COLUMN k ADD GENERATED ALWAYS AS IDENTITY",
    "ALTER TABLE a ALTER COLUMN m ADD GENERATED ALWAYS AS IDENTITY",  # SET NOT NULL since
    "ALTER TABLE a ALTER COLUMN d ADD GENERATED ALWAYS AS IDENTITY",  # DROP NOT NULL since
    "ALTER TABLE p ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY",
    "ALTER TABLE p ALTER COLUMN k ADD GENERATED ALWAYS AS IDENTITY",
])
def test_identity_on_a_nullable_column_matches_server(pg_db: str, sql: str) -> None:
    import psycopg

    setup = ("CREATE TABLE a (id int, n int NOT NULL, k int PRIMARY KEY, m int, d int NOT NULL);\n"
             "ALTER TABLE a ALTER COLUMN m SET NOT NULL;\n"
             "ALTER TABLE a ALTER COLUMN d DROP NOT NULL;\n"
             "CREATE TABLE p (id int, k int NOT NULL) PARTITION BY LIST (id);\n"
             "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);")
    actions = [a for a in effect_after(setup, sql).actions if a.kind == "column_add_identity"]
    predicted = bool(actions[0].facts.get("column_allows_null"))
    refused = (psycopg.errors.ObjectNotInPrerequisiteState,)
    assert predicted == server_refuses(pg_db, setup, sql, refused)


@pytest.mark.parametrize("example", _examples("persistence-change-refused"))
def test_persistence_change_fails_exactly_for_the_bad_examples(pg_db: str, example) -> None:
    import psycopg

    failed = _example_failure(pg_db, example, (psycopg.errors.InvalidTableDefinition,))
    assert (failed is not None) == example.bad, failed


def test_identity_setval_suggested_moves_the_sequence_past_the_values(pg_db: str) -> None:
    """The setval() the finding suggests, in the user's quoted names, runs and lets the next
    insert take a fresh id."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = 'CREATE TABLE app."Team Accounts" ("Id" bigint NOT NULL PRIMARY KEY, email text);'
    alter = 'ALTER TABLE app."Team Accounts" ALTER COLUMN "Id" ADD GENERATED ALWAYS AS IDENTITY;'
    reports = lint_migrations([migration_from_text(f"CREATE SCHEMA app;\n{setup}", "0001.sql"),
                               migration_from_text(alter, "0002.sql")], LintOptions())
    (finding,) = [f for f in reports[-1].all_findings
                  if f.rule == "identity-added-to-populated-column"]
    (setval,) = [line.split("  --")[0] for line in finding.instead.splitlines()
                 if line.startswith("SELECT setval")]
    with _connect(pg_db) as conn:
        conn.execute(f"CREATE SCHEMA app; {setup}")
        conn.execute('INSERT INTO app."Team Accounts" SELECT g, \'u\' FROM generate_series(1, 5) g')
        conn.execute(alter)
        conn.execute(setval)
        (new_id,) = conn.execute('INSERT INTO app."Team Accounts" (email) VALUES (\'new\') '
                                 'RETURNING "Id"').fetchone()
    assert new_id == 6


@pytest.mark.parametrize("example", _examples("detach-concurrently-with-default-partition"))
def test_detach_concurrently_is_refused_exactly_for_the_bad_examples(pg_db: str,
                                                                     example) -> None:
    """DETACH PARTITION ... CONCURRENTLY is refused while the table has a DEFAULT partition:
    the rule's bad examples, and only they, fail on the server."""
    import psycopg

    failed = _example_failure(pg_db, example, (psycopg.errors.ObjectNotInPrerequisiteState,))
    assert (failed is not None) == example.bad, failed


#: The rules whose bad examples the server refuses on a foreign table; drop-foreign-table's
#: bad examples run, and its good example on a foreign table (DROP TABLE) is refused.
_REFUSED_ON_FOREIGN = {"foreign-table-dropped-as-table": True,
                       "index-or-key-on-foreign-table": True, "drop-foreign-table": False}


@pytest.mark.parametrize(("refused_when_bad", "example"), [
    pytest.param(refused, p.values[0], id=f"{rule}-{p.id}")
    for rule, refused in _REFUSED_ON_FOREIGN.items()
    for p in _examples(rule) if "FOREIGN TABLE" in (p.values[0].setup or "")])
def test_statements_refused_on_a_foreign_table_fail_on_the_server_exactly_as_the_rules_say(
        pg_db: str, refused_when_bad: bool, example) -> None:
    """DROP TABLE / VIEW of a foreign table ("is not a table"), CREATE INDEX on one and a
    PRIMARY KEY, UNIQUE, EXCLUDE or FOREIGN KEY constraint are refused; DROP FOREIGN TABLE and
    a CHECK run."""
    import psycopg

    failed = _example_failure(pg_db, example, (psycopg.errors.WrongObjectType,
                                               psycopg.errors.FeatureNotSupported))
    assert (failed is not None) == (example.bad == refused_when_bad), failed


@pytest.mark.parametrize("example", _examples("foreign-key-without-unique-target"))
def test_foreign_key_without_unique_target_fails_on_the_server_exactly_for_its_bad_examples(
        pg_db: str, example) -> None:
    """A bad example is refused for want of a key ("there is no unique constraint matching
    given keys", "there is no primary key", "cannot use a deferrable unique constraint");
    a good one runs. `account_template` stands for a table made outside the migrations."""
    import psycopg

    failed = server_error(
        pg_db, ["CREATE TABLE account_template (id bigint PRIMARY KEY)", example.setup],
        example.sql, (psycopg.errors.InvalidForeignKey, psycopg.errors.UndefinedObject,
                      psycopg.errors.ObjectNotInPrerequisiteState))
    assert (failed is not None) == example.bad, failed


@pytest.mark.parametrize(("emptying", "empty"), [("TRUNCATE accounts", True),
                                                  ("DELETE FROM accounts", False)])
def test_table_emptied_in_the_transaction_matches_server(pg_db: str, emptying: str,
                                                         empty: bool) -> None:
    """After TRUNCATE in the same transaction, ADD COLUMN NOT NULL without a default succeeds
    whatever other sessions do (TRUNCATE's ACCESS EXCLUSIVE holds until commit); after DELETE
    another session still inserts a row, and the ALTER fails."""
    import psycopg

    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = "CREATE TABLE accounts (id bigint); INSERT INTO accounts VALUES (1);"
    change = f"{emptying};\nALTER TABLE accounts ADD COLUMN plan text NOT NULL;"
    reports = lint_migrations([migration_from_text(setup, "0001.sql"),
                               migration_from_text(change, "0002.sql")],
                              LintOptions(assume_in_transaction=True), Catalog())
    facts = [f for f in reports[-1].all_findings
             if f.rule == "add-column-not-null-without-default"]
    assert bool(facts) is not empty
    with _connect(pg_db) as setup_conn:
        setup_conn.execute(setup)
    with psycopg.connect(pg_db) as migration, _connect(pg_db) as other:
        migration.execute(emptying)  # psycopg opens the transaction block
        other.execute("SET lock_timeout = '300ms'")
        try:
            other.execute("INSERT INTO accounts VALUES (2)")
            inserted = True
        except psycopg.errors.LockNotAvailable:
            inserted = False
        try:
            migration.execute("ALTER TABLE accounts ADD COLUMN plan text NOT NULL")
            migration.commit()
            succeeded = True
        except psycopg.errors.NotNullViolation:
            migration.rollback()
            succeeded = False
    assert (inserted, succeeded) == (not empty, empty)


def test_a_long_name_in_a_reference_finds_what_its_definition_created(pg_db: str) -> None:
    """identifier-too-long fires where the name is defined, not where it is referred to: the
    server truncates both the same way (a NOTICE each time), so the reference resolves."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    name = "index_on_accounts_billing_address_country_code_and_postal_code_and_city"
    create = f"CREATE TABLE accounts (city text); CREATE INDEX {name} ON accounts (city);"
    drop = f"DROP INDEX {name};"
    reports = lint_migrations([migration_from_text(create, "0001.sql"),
                               migration_from_text(drop, "0002.sql")], LintOptions(), Catalog())
    fired = [[f.rule for f in r.all_findings if f.rule == "identifier-too-long"]
             for r in reports]
    assert fired == [["identifier-too-long"], []]
    notices: list[str] = []
    with _connect(pg_db) as conn:
        conn.add_notice_handler(lambda diag: notices.append(diag.message_primary or ""))
        conn.execute(create)
        conn.execute(drop)
        left = conn.execute("SELECT count(*) FROM pg_class WHERE relname LIKE 'index_on_%'"
                            ).fetchone()
    assert left == (0,)
    assert sum("will be truncated" in n for n in notices) == 2


@pytest.mark.parametrize(("setup", "sql"), [
    ("CREATE TABLE accounts (id int, email text);",
     "ALTER TABLE accounts ADD CONSTRAINT accounts_email_nn NOT NULL email"),
    ("CREATE TABLE accounts (id int, email text);", "ALTER TABLE accounts ADD NOT NULL email"),
    # The name PostgreSQL would give is a CHECK's already: it numbers the new one.
    ("CREATE TABLE accounts (id int, email text);\n"
     "ALTER TABLE accounts ADD CONSTRAINT accounts_email_not_null CHECK (email <> '');",
     "ALTER TABLE accounts ADD NOT NULL email"),
])
def test_not_null_constraint_name_matches_server(pg_db: str, setup: str, sql: str) -> None:
    """add-not-null-constraint's safe alternative adds the constraint again by this name."""
    (action,) = [a for a in effect_after(setup, sql).actions if a.kind == "add_constraint"]
    with _connect(pg_db) as conn:
        conn.execute(setup)
        conn.execute(sql)
        names = {n for (n,) in conn.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = 'accounts'::regclass "
            "AND contype = 'n'").fetchall()}
    assert names == {action.facts["constraint"]}


_BACKFILL_SETUP = ("CREATE TABLE accounts (id bigint PRIMARY KEY, plan text, email text, "
                   '"Em" text);\nINSERT INTO accounts SELECT i, NULL, \'U\' || i, NULL '
                   "FROM generate_series(1, 12000) i;")


def _batch_statement(sql: str, setup: str = _BACKFILL_SETUP) -> str:
    """The batch statement unbatched-backfill's alternative writes for `sql` after `setup`."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    reports = lint_migrations([migration_from_text(setup, "0001.sql"),
                               migration_from_text(sql + ";", "0002.sql")],
                              LintOptions(), Catalog())
    (instead,) = [f.instead for f in reports[-1].all_findings if f.rule == "unbatched-backfill"]
    # (the last line; commented where lockwise apply can batch the statement, marked above)
    return instead.splitlines()[-1].removeprefix("-- ")


@pytest.mark.parametrize("sql", [
    "UPDATE accounts SET plan = 'free'",
    "UPDATE accounts SET plan = 'free', \"Em\" = lower(email) RETURNING id",
    "DELETE FROM accounts WHERE true",
    # an aliased target: the condition reads the batch's own rows under the alias
    "UPDATE accounts AS a SET plan = 'free', \"Em\" = lower(a.email)",
    "UPDATE accounts a SET plan = 'free', \"Em\" = lower(email) RETURNING a.id",
])
def test_unbatched_backfill_batches_end_where_the_statement_would(pg_db: str, sql: str) -> None:
    """The batch statement of unbatched-backfill, repeated until it changes no row, leaves
    the table as the one statement does, in a few batches (its condition skips done rows)."""
    batch = _batch_statement(sql)
    with _connect(pg_db) as conn:
        conn.execute(_BACKFILL_SETUP.replace("accounts", "expected"))
        conn.execute(sql.replace("accounts", "expected"))
        conn.execute(_BACKFILL_SETUP)
        counts = [conn.execute(batch).rowcount for _ in range(5)]
        assert counts == [5000, 5000, 2000, 0, 0]  # done rows are never picked again
        assert conn.execute("SELECT count(*) FROM (TABLE accounts EXCEPT TABLE expected "
                            "UNION ALL TABLE expected EXCEPT TABLE accounts) d").fetchone() == (0,)


@pytest.mark.parametrize("sql", [
    "UPDATE accounts SET plan = 'free', \"Em\" = lower(email) RETURNING id, \"Em\"",
    # PostgreSQL 18's old values, under a name of its own
    "UPDATE accounts SET plan = 'paid' RETURNING WITH (OLD AS o) id * 2 AS doubled, o.plan",
    "DELETE FROM accounts RETURNING *",
])
def test_unbatched_backfill_batches_return_what_the_statement_returns(pg_db: str,
                                                                     sql: str) -> None:
    """Checked on 18.6: the batch statement keeps the statement's RETURNING, so the rows its
    batches return, together, are the rows the one statement returns."""
    batch = _batch_statement(sql)
    with _connect(pg_db) as conn:
        conn.execute(_BACKFILL_SETUP)
        with conn.transaction(force_rollback=True):
            expected = sorted(conn.execute(sql).fetchall())
        returned = []
        for _ in range(5):  # 12000 rows: three batches, then none
            cursor = conn.execute(batch)
            if cursor.rowcount == 0:
                break
            returned += cursor.fetchall() if cursor.description else [("no RETURNING",)]
    assert sorted(returned) == expected, batch


@pytest.mark.parametrize("example", [
    *_examples("column-used-by-generated-column"), *_examples("drop-type-in-use"),
    *_examples("column-used-by-policy"), *_examples("column-used-by-trigger")])
def test_dependent_object_rules_fail_on_the_server_exactly_for_their_bad_examples(
        pg_db: str, example) -> None:
    """Run on PostgreSQL 18: an example written for an older server is left out."""
    import psycopg

    if example.pg_version is not None and example.pg_version < 15:
        pytest.skip("its verdict is an older server's")
    failed = _example_failure(pg_db, example, (psycopg.errors.FeatureNotSupported,
                                               psycopg.errors.DependentObjectsStillExist))
    assert (failed is not None) == example.bad, failed


@pytest.mark.parametrize("example", _examples("cascade-drops-dependents"))
def test_cascade_drops_dependents_bad_examples_have_dependents_on_the_server(
        pg_db: str, example) -> None:
    """Without CASCADE the server refuses exactly the bad examples' drops: something calls
    the function, which CASCADE would drop."""
    import psycopg

    failed = server_error(pg_db, example.setup, example.sql.replace(" CASCADE;", ";"),
                          (psycopg.errors.DependentObjectsStillExist,))
    assert (failed is not None) == example.bad, failed


_QUEUE_SETUP = (
    "CREATE TABLE sales (day int, total int);\nINSERT INTO sales VALUES (1, 1);\n"
    "CREATE MATERIALIZED VIEW daily AS SELECT day, sum(total) AS total FROM sales GROUP BY day;\n"
    "CREATE UNIQUE INDEX daily_day ON daily (day);")


@pytest.mark.parametrize("sql, relation", [
    ("REFRESH MATERIALIZED VIEW CONCURRENTLY daily", "daily"),
    ("CREATE INDEX daily_total ON daily (total)", "daily"),
    ("REFRESH MATERIALIZED VIEW daily", "daily"),
    ("CREATE INDEX sales_total ON sales (total)", "sales"),
    ("ALTER TABLE sales ADD COLUMN note text", "sales"),
])
def test_what_queues_behind_a_waiting_lock_matches_server(pg_db: str, sql: str,
                                                          relation: str) -> None:
    """What the model says queues behind `sql` while it waits for its lock (blocks_queries,
    blocks_writes: missing-lock-timeout's facts) is what the server makes wait: a SELECT and
    an INSERT sent while `sql` waits behind a transaction's SHARE UPDATE EXCLUSIVE. Nothing
    writes a materialized view, so behind its EXCLUSIVE or SHARE no query waits."""
    import psycopg

    from lockwise.lint import effect_facts

    catalog = Catalog()
    for stmt in parse_sql(_QUEUE_SETUP).statements:
        apply_statement(catalog, stmt.tree, "0001")
    facts = effect_facts(compute_effect(parse_sql(sql).statements[0].tree,
                                        Context(catalog=catalog, pg_version=18)), catalog)
    with _connect(pg_db) as conn:
        conn.execute(_QUEUE_SETUP)
    reads = _waits_behind(pg_db, sql, relation, f"SELECT * FROM {relation}")
    writes = _waits_behind(pg_db, sql, relation, f"INSERT INTO {relation} VALUES (2, 2)")
    if relation == "daily":  # an INSERT that got its lock would be refused: not a writer
        with _connect(pg_db) as conn, pytest.raises(psycopg.errors.WrongObjectType):
            conn.execute("INSERT INTO daily VALUES (2, 2)")
        writes = False
    assert (facts["blocks_queries"], facts["blocks_writes"]) == (reads or writes, writes)
    assert facts["queued_behind_text"].startswith("every read") == reads


def _waits_behind(uri: str, sql: str, relation: str, probe: str,
                  hold: str | None = None) -> bool:
    """Whether `probe` waits while `sql` waits for its lock on `relation` (held by an open
    transaction that ran `hold`, else ANALYZE's SHARE UPDATE EXCLUSIVE): seen in pg_locks,
    then by the probe's lock_timeout."""
    import threading

    import psycopg

    holder = psycopg.connect(uri)
    holder.execute(hold or f"ANALYZE {relation}")
    waiter = _connect(uri)
    thread = threading.Thread(target=waiter.execute, args=(f"BEGIN; {sql}; ROLLBACK",))
    thread.start()
    try:
        _until_waiting(uri, sql, relation)
        with _connect(uri) as conn:
            conn.execute("SET lock_timeout = '300ms'")
            try:
                conn.execute(probe)
            except psycopg.errors.LockNotAvailable:
                return True
            return False
    finally:
        holder.rollback()
        holder.close()
        thread.join()
        waiter.close()


#: One object of each kind named `x` (`base` and `other` are plain tables of the setup). Tables,
#: views, materialized views, indexes, sequences, composite types and foreign tables are rows
#: of pg_class, one namespace per schema; the index of a UNIQUE / PRIMARY KEY / EXCLUDE
#: constraint is named after it. Every relation but an index and a sequence has a row type in
#: pg_type, which enums, domains and range types share.
_NAMED_X = {
    "table": "CREATE TABLE x (a int)",
    "partitioned": "CREATE TABLE x (a int) PARTITION BY RANGE (a)",
    "view": "CREATE VIEW x AS SELECT 1 AS a",
    "matview": "CREATE MATERIALIZED VIEW x AS SELECT 1 AS a",
    "table-as": "CREATE TABLE x AS SELECT 1 AS a",
    "index": "CREATE INDEX x ON base (a)",
    "sequence": "CREATE SEQUENCE x",
    "composite": "CREATE TYPE x AS (a int)",
    "enum": "CREATE TYPE x AS ENUM ('a')",
    "domain": "CREATE DOMAIN x AS int",
    "range": "CREATE TYPE x AS RANGE (subtype = int4)",
    "foreign": "CREATE FOREIGN TABLE x (a int) SERVER srv",
    "unique": "ALTER TABLE other ADD CONSTRAINT x UNIQUE (a)",
    "primary-key": "ALTER TABLE other ADD CONSTRAINT x PRIMARY KEY (a)",
    "exclude": "ALTER TABLE other ADD CONSTRAINT x EXCLUDE (a WITH =)",
    "inline-key": "CREATE TABLE keyed (a int CONSTRAINT x PRIMARY KEY)",
    "table-key": "CREATE TABLE keyed (a int, CONSTRAINT x UNIQUE (a))",
    "if-not-exists-table": "CREATE TABLE IF NOT EXISTS x (a int)",
    "if-not-exists-sequence": "CREATE SEQUENCE IF NOT EXISTS x",
    "or-replace-view": "CREATE OR REPLACE VIEW x AS SELECT 1 AS a",
}
_NAME_SETUP = ("CREATE FOREIGN DATA WRAPPER w; CREATE SERVER srv FOREIGN DATA WRAPPER w;\n"
               "CREATE TABLE base (a int); CREATE TABLE other (a int);")


def _name_pairs() -> list:
    made = [k for k in _NAMED_X if not k.startswith(("if-not", "or-replace"))]
    return [pytest.param(old, new, id=f"{old}-then-{new}") for old in made for new in _NAMED_X
            if not (old == new == "primary-key")]  # "multiple primary keys", not a name


@pytest.mark.parametrize(("existing", "new"), _name_pairs())
def test_names_taken_match_server(pg_server: str, existing: str, new: str) -> None:
    """object-already-exists reports a CREATE (or ADD CONSTRAINT) exactly when the server
    refuses it for a name taken in the schema, whichever kinds of object the two are."""
    import psycopg

    from lockwise.rules.engine import RuleIndex
    from lockwise.rules.loader import load_rules

    setup = f"{_NAME_SETUP}\n{_NAMED_X[existing]};"
    with _connect(pg_server) as conn, conn.transaction():
        conn.execute("CREATE SCHEMA names_taken; SET LOCAL search_path = names_taken")
        conn.execute(setup)
        try:
            with conn.transaction():
                conn.execute(_NAMED_X[new])
            refused = None
        except (psycopg.errors.DuplicateTable, psycopg.errors.DuplicateObject,
                psycopg.errors.WrongObjectType) as exc:
            refused = exc
        conn.execute("DROP SCHEMA names_taken CASCADE; DROP SERVER srv; "
                     "DROP FOREIGN DATA WRAPPER w")
    index = RuleIndex([r for r in load_rules() if r.id == "object-already-exists"])
    effect = effect_after(setup, _NAMED_X[new])
    reported = [a.facts.get("existing_object") for a in effect.actions if index.matching(
        {**a.facts, "action": a.kind})]
    assert bool(reported) == (refused is not None), (refused, reported)


#: DO blocks whose later statement takes a name an earlier one of the block freed (a table
#: renamed to keep its rows while a new one is made, as job-queue migrations rebuild a table;
#: a relation dropped and made again), and one whose name stays taken.
_BLOCK_FREES = {
    "rename-table": ("ALTER TABLE ledger RENAME TO ledger_old;\n"
                     "CREATE TABLE ledger (id bigint PRIMARY KEY, kind text);\n"
                     "INSERT INTO ledger (id) SELECT id FROM ledger_old;"),
    "drop-table": "DROP TABLE ledger;\nCREATE TABLE ledger (id bigint);",
    "drop-table-and-its-index": ("DROP TABLE ledger;\nCREATE TABLE ledger (id bigint, note text);\n"
                                 "CREATE INDEX ledger_note ON ledger (note);"),
    "rename-table-keeps-its-index": ("ALTER TABLE ledger RENAME TO ledger_old;\n"
                                     "CREATE TABLE ledger (id bigint, note text);\n"
                                     "CREATE INDEX ledger_note ON ledger (note);"),
    "drop-type": "DROP TYPE mood;\nCREATE TYPE mood AS ENUM ('b');",
    "drop-view": "DROP VIEW recent;\nCREATE VIEW recent AS SELECT 2 AS id;",
    "rename-index": ("ALTER INDEX ledger_note RENAME TO ledger_note_old;\n"
                     "CREATE INDEX ledger_note ON ledger (note);"),
    "drop-index": "DROP INDEX ledger_note;\nCREATE INDEX ledger_note ON ledger (id, note);",
    "drop-sequence": "DROP SEQUENCE tickets;\nCREATE SEQUENCE tickets;",
    "rename-then-back": ("ALTER TABLE ledger RENAME TO ledger_old;\n"
                         "CREATE TABLE ledger (id bigint);\n"
                         "ALTER TABLE ledger_old RENAME TO ledger;"),
    "still-taken": "ALTER TABLE ledger ADD COLUMN kind text;\nCREATE TABLE ledger (id bigint);",
}
_BLOCK_SETUP = ("CREATE TABLE ledger (id bigint PRIMARY KEY, note text);\n"
                "CREATE INDEX ledger_note ON ledger (note);\n"
                "CREATE VIEW recent AS SELECT 1 AS id;\nCREATE SEQUENCE tickets;\n"
                "CREATE TYPE mood AS ENUM ('a');")


@pytest.mark.parametrize("body", list(_BLOCK_FREES.values()), ids=list(_BLOCK_FREES))
def test_a_name_a_do_block_freed_is_taken_as_the_server_takes_it(pg_db: str,
                                                                  body: str) -> None:
    """A DO block's statements are judged against the catalog from before the block; a name
    one of them renamed or dropped away is free for the ones after it (checked on 18.6), and
    object-already-exists reports the block exactly when the server refuses it."""
    from server_helpers import server_error

    sql = f"DO $$\nBEGIN\n{body}\nEND\n$$"
    refused = server_error(pg_db, _BLOCK_SETUP, sql)
    taken = [a.facts.get("existing_object") for a in effect_after(_BLOCK_SETUP, sql).actions
             if a.facts.get("name_taken")]
    assert bool(taken) == (refused is not None), (refused, taken)


_DROP_COLUMN_CASCADE = """CREATE TABLE accounts (id bigint PRIMARY KEY, region text);
CREATE TABLE orders (id bigint, account_id bigint REFERENCES accounts (id));
CREATE TABLE notes (id bigint, account_id bigint, CONSTRAINT notes_account
    FOREIGN KEY (account_id) REFERENCES accounts);
CREATE VIEW regional AS SELECT id, region FROM accounts;
CREATE VIEW eu AS SELECT id FROM regional WHERE region = 'eu';
CREATE MATERIALIZED VIEW per_region AS SELECT region, count(*) FROM accounts GROUP BY region;
CREATE VIEW ids AS SELECT id FROM accounts;
"""


@pytest.mark.parametrize("column", ["region", "id"])
def test_drop_column_cascade_names_what_the_server_drops(pg_db: str, column: str) -> None:
    """DROP COLUMN ... CASCADE: the views and foreign keys of other tables it names are those
    the server drops (the column's own indexes and constraints aside)."""
    sql = f"ALTER TABLE accounts DROP COLUMN {column} CASCADE"
    (action,) = [a for a in effect_after(_DROP_COLUMN_CASCADE, sql).actions
                 if a.kind == "drop_column"]
    objects = ("SELECT relname FROM pg_class WHERE relkind IN ('v', 'm') UNION ALL "
               "SELECT conname FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid "
               "WHERE t.relname <> 'accounts' AND k.contype = 'f'")
    with _connect(pg_db) as conn:
        conn.execute(_DROP_COLUMN_CASCADE)
        before = {row[0] for row in conn.execute(objects)}
        conn.execute(sql)
        gone = before - {row[0] for row in conn.execute(objects)}
    named = action.facts.get("callers_dropped_text", "")
    assert gone and all(name in named for name in gone), (gone, named)
    assert all(name not in named for name in before - gone), (before - gone, named)


@pytest.mark.parametrize("setup", [
    # the materialized view reads a view's column, whose type a cast gives
    "CREATE VIEW pairs_v AS SELECT NULL::pair AS p;\n"
    "CREATE MATERIALIZED VIEW pairs_mv AS SELECT p FROM pairs_v;",
    "CREATE TABLE pairs_t (id int, p pair);\n"
    "CREATE MATERIALIZED VIEW pairs_mv AS SELECT t.p AS p, id FROM pairs_t t;",
])
def test_matview_column_of_composite_type_refuses_alter_attribute(pg_db: str,
                                                                 setup: str) -> None:
    """A materialized view stores its columns: one of a composite type (known from its
    query's plain column references) makes ALTER TYPE ... ALTER ATTRIBUTE ... TYPE fail."""
    import psycopg

    setup = f"CREATE TYPE pair AS (a int, b int);\n{setup}"
    sql = "ALTER TYPE pair ALTER ATTRIBUTE a TYPE bigint"
    (action,) = effect_after(setup, sql).actions
    assert server_refuses(pg_db, setup, sql, (psycopg.errors.FeatureNotSupported,))
    assert "column public.pairs_mv.p uses it" in action.facts["refused_by"]


def test_alter_attribute_plan_with_a_matview_runs_and_keeps_its_values(pg_db: str) -> None:
    """alter-type-in-use's alternative, run as written when a materialized view holds the
    type: it runs, and the view's values are computed again in the new type."""
    setup = ("CREATE TYPE pair AS (a int, b int);\n"
             "CREATE TABLE pairs_t (id int PRIMARY KEY, p pair);\n"
             "INSERT INTO pairs_t VALUES (1, ROW(7, 8));\n"
             "CREATE MATERIALIZED VIEW pairs_mv AS SELECT p, id FROM pairs_t;")
    (action,) = effect_after(setup, "ALTER TYPE pair ALTER ATTRIBUTE a TYPE bigint").actions
    plan = action.facts["alter_type_sql"]
    assert "UPDATE pairs_mv" not in plan
    with _connect(pg_db) as conn:
        conn.execute(setup)
        conn.execute(plan)
        assert conn.execute("SELECT (p).a, pg_typeof((p).a)::text FROM pairs_mv").fetchall() \
            == [(7, "bigint")]


@pytest.mark.parametrize("first", ["REINDEX INDEX accounts_note_idx",
                                   "ALTER INDEX accounts_note_idx SET TABLESPACE pg_default"])
def test_lock_accumulation_counts_an_index_held_access_exclusive(pg_db: str,
                                                                  first: str) -> None:
    """An index REINDEX or ALTER INDEX ... SET TABLESPACE holds ACCESS EXCLUSIVE stays locked
    until commit, while later statements wait for their own locks: lock-accumulation names
    its table, as for a table held ACCESS EXCLUSIVE."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = ("CREATE TABLE accounts (id bigint PRIMARY KEY, note text);\n"
             "CREATE INDEX accounts_note_idx ON accounts (note);\n"
             "CREATE TABLE orders (id bigint PRIMARY KEY);")
    later = "ALTER TABLE orders ADD COLUMN plan text"
    with _connect(pg_db) as conn:
        conn.execute(setup)
        conn.autocommit = False
        conn.execute(first)
        conn.execute(later)
        held = conn.execute(
            "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() "
            "AND relation = 'accounts_note_idx'::regclass").fetchall()
        conn.rollback()
    assert ("AccessExclusiveLock",) in held
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(f"SET LOCAL lock_timeout = '5s';\n{first};\n{later};",
                                      "0002_change.sql")]
    found = [f for f in lint_migrations(migrations, LintOptions(pg_version=18,
                                                                assume_in_transaction=True),
                                        Catalog())[-1].all_findings
             if f.rule == "lock-accumulation"]
    assert len(found) == 1
    assert "public.accounts" in found[0].message and "statement 2" in found[0].message


_PARTED = "CREATE TABLE p (id int{key}, v int) PARTITION BY RANGE (id);\n"
_ATTACH = "ALTER TABLE p ATTACH PARTITION c FOR VALUES FROM (1) TO (100)"


@pytest.mark.parametrize(("setup", "sql", "refused"), [
    (_PARTED.format(key=" NOT NULL") + "CREATE TABLE c (id int, v int);", _ATTACH, True),
    (_PARTED.format(key=" PRIMARY KEY") + "CREATE TABLE c (id int, v int);", _ATTACH, True),
    (_PARTED.format(key=" NOT NULL") + "CREATE TABLE c (id int NOT NULL, v int);", _ATTACH,
     False),
    (_PARTED.format(key="") + "ALTER TABLE p ADD CONSTRAINT p_v NOT NULL v NOT VALID;\n"
     "CREATE TABLE c (id int, v int);", _ATTACH, True),
    (_PARTED.format(key=" NOT NULL") + "CREATE TABLE c (id int, v int);\n"
     "ALTER TABLE c ADD CONSTRAINT c_id NOT NULL id NOT VALID;", _ATTACH, True),
    (_PARTED.format(key=" NOT NULL") + "CREATE TABLE c (id int, v int);\n"
     "ALTER TABLE c ADD CONSTRAINT c_id NOT NULL id NOT VALID;\n"
     "ALTER TABLE c VALIDATE CONSTRAINT c_id;", _ATTACH, False),
    ("CREATE TABLE p (id int NOT NULL, v int); CREATE TABLE c (id int, v int);",
     "ALTER TABLE c INHERIT p", True),
    ("CREATE TABLE p (id int PRIMARY KEY, v int); CREATE TABLE c (id int NOT NULL, v int);",
     "ALTER TABLE c INHERIT p", False),
])
def test_child_column_nullable_matches_server(pg_db: str, setup: str, sql: str,
                                              refused: bool) -> None:
    """child-column-nullable reports an ATTACH PARTITION / INHERIT exactly when PostgreSQL 18
    refuses it for a column the parent has NOT NULL; its alternative, run as written, makes
    the statement go through."""
    import psycopg

    errors = (psycopg.errors.DatatypeMismatch, psycopg.errors.InvalidObjectDefinition)
    (action,) = effect_after(setup, sql).actions
    assert bool(action.facts["child_nullable_columns"]) == refused
    assert server_refuses(pg_db, setup, sql, errors) == refused
    if refused and "NOT VALID" not in setup:
        with _connect(pg_db) as conn:
            conn.execute("DROP TABLE IF EXISTS c, p")
            conn.execute(setup)
            conn.execute(action.facts["child_not_null_sql"])
            conn.execute(sql)


_ONLY_SETUPS = {
    "inheritance": "CREATE TABLE b (id int, n int); CREATE TABLE c () INHERITS (b);",
    "partitioned": "CREATE TABLE b (id int, n int) PARTITION BY LIST (id);"
                   "CREATE TABLE c PARTITION OF b FOR VALUES IN (1);",
    "childless-partitioned": "CREATE TABLE b (id int, n int) PARTITION BY LIST (id);",
    "plain": "CREATE TABLE b (id int, n int);",
}


@pytest.mark.parametrize("setup", _ONLY_SETUPS)
@pytest.mark.parametrize("sql", ["ALTER TABLE ONLY b ADD COLUMN x int",
                                 "ALTER TABLE ONLY b ADD COLUMN IF NOT EXISTS n int",
                                 "ALTER TABLE ONLY b DROP COLUMN n",
                                 "ALTER TABLE ONLY b ADD CONSTRAINT k CHECK (n > 0)",
                                 "ALTER TABLE ONLY b ADD CONSTRAINT k CHECK (n > 0) NOT VALID",
                                 "ALTER TABLE ONLY b ADD CONSTRAINT k CHECK (n > 0) NO INHERIT",
                                 "ALTER TABLE ONLY b ADD CHECK (n > 0)",
                                 "ALTER TABLE ONLY b ALTER COLUMN n SET NOT NULL",
                                 "ALTER TABLE ONLY b ALTER COLUMN n TYPE bigint",
                                 "ALTER TABLE ONLY b RENAME COLUMN n TO m",
                                 "ALTER TABLE ONLY b ALTER COLUMN n SET DEFAULT 1"])
def test_only_refused_with_children_matches_server(pg_db: str, setup: str, sql: str) -> None:
    """only-refused-with-children reports an ALTER TABLE ONLY of a change the partitions or
    inheritance children must follow (ADD / DROP COLUMN, a CHECK, SET NOT NULL, a type, a
    column's name) exactly when PostgreSQL refuses it for them."""
    import psycopg

    (action, *_) = effect_after(_ONLY_SETUPS[setup], sql).actions
    refused = server_refuses(pg_db, _ONLY_SETUPS[setup], sql,
                              (psycopg.errors.InvalidTableDefinition,))
    if "NO INHERIT" in sql and "partitioned" in setup:
        # refused ONLY or not, as partitioned-table-refused says
        assert refused and action.facts.get("refused_on_partitioned")
        assert not action.facts.get("refused_with_only")
        return
    assert bool(action.facts.get("refused_with_only")) == refused


#: Column types, as a migration writes them, for the USING matrix: each pair is one ALTER.
RETYPED = ("text", "varchar(36)", "char(8)", "name", "smallint", "integer", "bigint",
           "numeric(10,2)", "double precision", "boolean", "uuid", "json", "jsonb", "date",
           "timestamp", "timestamptz", "interval", "bytea", "inet", "cidr", "money",
           "int4range", "bit(8)", "varbit", "text[]", "integer[]", "bigint[]", "uuid[]",
           "plain_text", "mood")


def test_type_change_needs_using_matches_server(pg_db: str) -> None:
    """For every pair of a spread of types (arrays, a domain, an enum among them), lockwise's
    `needs_using` is the server's "cannot be cast automatically" for ALTER ... TYPE without
    USING."""
    import psycopg

    setup = ("CREATE DOMAIN plain_text AS text;\nCREATE TYPE mood AS ENUM ('happy');\n"
             "CREATE TABLE retyped (" + ", ".join(
                 f"c{i} {t}" for i, t in enumerate(RETYPED)) + ");")
    wrong = []
    with _connect(pg_db) as conn:
        conn.execute(setup)
        for i, old in enumerate(RETYPED):
            for new in RETYPED:
                sql = f"ALTER TABLE retyped ALTER COLUMN c{i} TYPE {new}"
                refused = False
                try:
                    with conn.transaction(force_rollback=True):
                        conn.execute(sql)
                except psycopg.errors.DatatypeMismatch:
                    refused = True
                facts = effect_after(setup, sql).actions[0].facts
                if facts["needs_using"] != refused:
                    wrong.append(f"{old} -> {new}: server refuses={refused}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("example", _examples("only-primary-key-child-nullable"))
def test_only_primary_key_is_refused_exactly_for_the_bad_examples_and_runs_after_the_fix(
        pg_db: str, example) -> None:
    """ALTER TABLE ONLY parent ADD PRIMARY KEY: refused while a direct partition or child has
    a key column nullable or NOT NULL NOT VALID; after the rule's alternative (each child's
    column made NOT NULL through a CHECK) it runs, and leaves no CHECK behind."""
    import psycopg

    from lockwise.parse.postgres import parse_sql as split_sql

    # ("is not marked NOT NULL" is an internal error, SQLSTATE XX000, in PostgreSQL 18.6)
    refusals = (psycopg.errors.InternalError_, psycopg.errors.InvalidTableDefinition,
                psycopg.errors.ObjectNotInPrerequisiteState)
    assert server_refuses(pg_db, example.setup, example.sql, refusals) == example.bad
    facts = next(a.facts for a in effect_after(example.setup, example.sql).actions
                 if a.kind == "add_constraint")
    assert bool(facts.get("child_nullable_columns")) == example.bad
    if example.bad:
        with _connect(pg_db) as conn:
            for step in split_sql(facts["child_not_null_sql"]).statements:
                conn.execute(step.sql)
            conn.execute(example.sql)
            checks = conn.execute("SELECT count(*) FROM pg_constraint "
                                  "WHERE contype = 'c' AND conrelid <> 0").fetchone()[0]
        assert checks == 0


#: Extension types beside built-in ones: the casts of citext and hstore are their extensions'
#: (data/casts.json holds them apart, read from the server with the extensions installed).
EXTENSION_RETYPED = ("text", "varchar(36)", "integer", "json", "jsonb", "citext", "hstore",
                     "citext[]", "text[]")


def test_type_change_to_or_from_an_extension_type_needs_using_as_the_server_says(
        pg_db: str) -> None:
    """With the extensions created by the migrations (the catalog knows their types), every
    change among these types is said to need USING exactly when the server refuses it
    without one (text -> hstore, hstore -> json, citext -> integer are refused; text ->
    citext, integer -> citext (citext is a string type), citext -> text, hstore -> text
    run). Without CREATE EXTENSION in the migrations a type of that name is not judged."""
    import psycopg

    extensions = "CREATE EXTENSION IF NOT EXISTS citext;\nCREATE EXTENSION IF NOT EXISTS hstore;\n"
    table = ("CREATE TABLE retyped (" + ", ".join(
        f"c{i} {t}" for i, t in enumerate(EXTENSION_RETYPED)) + ");")
    setup = extensions + table
    wrong, refusals, unjudged = [], set(), []
    with _connect(pg_db) as conn:
        conn.execute(setup)
        for i, old in enumerate(EXTENSION_RETYPED):
            for new in EXTENSION_RETYPED:
                sql = f"ALTER TABLE retyped ALTER COLUMN c{i} TYPE {new}"
                try:
                    with conn.transaction(force_rollback=True):
                        conn.execute(sql)
                    refused = False
                except psycopg.errors.DatatypeMismatch:
                    refused = True
                    refusals.add(f"{old} -> {new}")
                said = effect_after(setup, sql).actions[0].facts["needs_using"]
                if said != refused:
                    wrong.append(f"{old} -> {new}: server refuses={refused}, said={said}")
                extension = any(t.startswith(("citext", "hstore")) for t in (old, new))
                if extension and effect_after(table, sql).actions[0].facts["needs_using"]:
                    unjudged.append(f"{old} -> {new}")
    assert not wrong, "\n".join(wrong)
    assert {"text -> hstore", "hstore -> json", "citext -> integer"} <= refusals
    assert not unjudged, "judged without CREATE EXTENSION: " + ", ".join(unjudged)


@pytest.fixture
def tablespace(pg_db: str) -> Iterator[str]:
    """A tablespace to move relations to: in place, in the server's own data directory."""
    import os

    name = f"ts_{os.getpid()}"
    with _connect(pg_db) as conn:
        conn.execute("SET allow_in_place_tablespaces = on")
        conn.execute(f"CREATE TABLESPACE {name} LOCATION ''")
    yield name
    with _connect(pg_db) as conn:
        conn.execute("DROP TABLE IF EXISTS moved, kept")
        conn.execute(f"DROP TABLESPACE {name}")


def _moved(conn, sql: str, relations: tuple[str, ...]) -> tuple[dict, set]:
    """Run `sql` in a transaction: the locks it holds on `relations`, by name, and which of
    them get a new relfilenode."""
    files = "SELECT relname, relfilenode FROM pg_class WHERE relname = ANY(%s)"
    before = dict(conn.execute(files, [list(relations)]).fetchall())
    with conn.transaction():
        conn.execute(sql)
        locks = dict(conn.execute(
            "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = pg_backend_pid() AND c.relname = ANY(%s)", [list(relations)]
        ).fetchall())
    after = dict(conn.execute(files, [list(relations)]).fetchall())
    return locks, {r for r in relations if before[r] != after[r]}


def test_index_set_tablespace_copies_the_index_under_its_own_lock(pg_db: str,
                                                                 tablespace: str) -> None:
    setup = "CREATE TABLE moved (id bigint, n int);\nCREATE INDEX moved_n ON moved (n);"
    sql = f"ALTER INDEX moved_n SET TABLESPACE {tablespace}"
    effect = effect_after(setup, sql)
    with _connect(pg_db) as conn:
        conn.execute(setup + "INSERT INTO moved SELECT g, g FROM generate_series(1, 100) g;")
        locks, copied = _moved(conn, sql, ("moved", "moved_n"))
    assert locks == {"moved_n": "AccessExclusiveLock"} and not effect.locks  # table: none
    assert effect.actions[0].facts["index_access_exclusive"]
    assert copied == {"moved_n"} and effect.rewrites == frozenset({"public.moved_n"})


def test_partitioned_index_set_tablespace_copies_nothing(pg_db: str, tablespace: str) -> None:
    """A partitioned index has no storage: SET TABLESPACE only records where its future
    partitions' indexes go, holding it ACCESS EXCLUSIVE for that catalog change alone; the
    partitions' indexes stay where they are. No copy: index-set-tablespace, which says the
    index is copied and offers REINDEX ... CONCURRENTLY (a rebuild of every partition's
    index), does not apply."""
    setup = ("CREATE TABLE moved (id bigint, day date) PARTITION BY RANGE (day);\n"
             "CREATE TABLE kept PARTITION OF moved FOR VALUES FROM ('2024-01-01') "
             "TO ('2025-01-01');\nCREATE INDEX moved_day ON moved (day);")
    sql = f"ALTER INDEX moved_day SET TABLESPACE {tablespace}"
    with _connect(pg_db) as conn:
        conn.execute(setup + "INSERT INTO moved VALUES (1, '2024-05-01');")
        locks, copied = _moved(conn, sql, ("moved", "kept", "moved_day", "kept_day_idx"))
        place = conn.execute("SELECT relname, reltablespace <> 0 FROM pg_class "
                             "WHERE relname IN ('moved_day', 'kept_day_idx') ORDER BY 1"
                             ).fetchall()
    assert locks == {"moved_day": "AccessExclusiveLock"} and not copied
    assert place == [("kept_day_idx", False), ("moved_day", True)]
    effect = effect_after(setup, sql)
    assert effect.actions[0].facts["index_access_exclusive"] and not effect.rewrites
    assert effect.actions[0].facts["index_partitioned"]
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(f"{sql};", "0002_change.sql")]
    found = lint_migrations(migrations, LintOptions(pg_version=18), Catalog())[-1].all_findings
    assert "index-set-tablespace" not in {f.rule for f in found}


def test_all_in_tablespace_locks_every_table_in_it(pg_db: str, tablespace: str) -> None:
    sql = f"ALTER TABLE ALL IN TABLESPACE {tablespace} SET TABLESPACE pg_default"
    with _connect(pg_db) as conn:
        conn.execute(f"CREATE TABLE moved (id bigint) TABLESPACE {tablespace}; "
                     f"CREATE TABLE kept (id bigint)")
        locks, copied = _moved(conn, sql, ("moved", "kept"))
    assert locks == {"moved": "AccessExclusiveLock"} and copied == {"moved"}
    facts = effect_after("", sql).actions[0].facts
    assert (facts["from_tablespace"], facts["tablespace"]) == (tablespace, "pg_default")


RENAMED = ("CREATE TYPE mood AS ENUM ('a');\n"
           "CREATE TABLE t (id int, a int NOT NULL, b int, CONSTRAINT t_c_check CHECK (a > 0), "
           "CONSTRAINT t_uq UNIQUE (b));\nCREATE TABLE u (id int);\n"
           "CREATE INDEX t_a_idx ON t (a);\nCREATE SEQUENCE s;\nCREATE VIEW v AS SELECT 1 AS x;\n"
           "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS x;")


@pytest.mark.parametrize("sql", [
    "ALTER TABLE t RENAME TO u", "ALTER TABLE t RENAME TO t_a_idx", "ALTER TABLE t RENAME TO mood",
    "ALTER TABLE t RENAME TO t", "ALTER TABLE t RENAME TO w",
    "ALTER INDEX t_a_idx RENAME TO u", "ALTER INDEX t_a_idx RENAME TO t_uq",
    "ALTER INDEX t_a_idx RENAME TO mood", "ALTER INDEX t_a_idx RENAME TO t_a_idx",
    "ALTER TABLE t RENAME COLUMN a TO b", "ALTER TABLE t RENAME COLUMN a TO a",
    "ALTER TABLE t RENAME COLUMN a TO c",
    "ALTER TABLE t RENAME CONSTRAINT t_c_check TO t_uq",
    "ALTER TABLE t RENAME CONSTRAINT t_c_check TO t_c_check",
    "ALTER TABLE t RENAME CONSTRAINT t_c_check TO u",
    "ALTER TABLE t RENAME CONSTRAINT t_c_check TO t_a_not_null",
    "ALTER TABLE t RENAME CONSTRAINT t_uq TO u", "ALTER TABLE t RENAME CONSTRAINT t_uq TO mood",
    "ALTER TABLE t RENAME CONSTRAINT t_uq TO t_c_check",
    "ALTER SEQUENCE s RENAME TO u", "ALTER SEQUENCE s RENAME TO t_a_idx",
    "ALTER SEQUENCE s RENAME TO mood", "ALTER SEQUENCE s RENAME TO s",
    "ALTER SEQUENCE s RENAME TO w", "ALTER VIEW v RENAME TO u", "ALTER VIEW v RENAME TO mood",
    "ALTER VIEW v RENAME TO w", "ALTER MATERIALIZED VIEW mv RENAME TO s",
    "ALTER MATERIALIZED VIEW mv RENAME TO mood", "ALTER MATERIALIZED VIEW mv RENAME TO w",
    # ALTER TABLE renames a sequence or an index as well: neither has a row type to clash
    "ALTER TABLE s RENAME TO mood", "ALTER TABLE s RENAME TO u",
    "ALTER TABLE t_a_idx RENAME TO mood", "ALTER TABLE t_a_idx RENAME TO u",
])
def test_rename_onto_a_taken_name_matches_server(pg_db: str, sql: str) -> None:
    import psycopg

    refused = server_refuses(pg_db, RENAMED, sql,
                              (psycopg.errors.DuplicateTable, psycopg.errors.DuplicateObject,
                               psycopg.errors.DuplicateColumn))
    assert bool(effect_after(RENAMED, sql).actions[0].facts.get("name_taken")) == refused


@pytest.mark.postgres
@pytest.mark.parametrize("held", ["ACCESS_SHARE", "ROW_SHARE", "ROW_EXCLUSIVE"])
def test_what_a_weak_lock_blocks_is_what_theserver_refuses(pg_db: str, held: str) -> None:
    """A lock that blocks no read, write or SHARE UPDATE EXCLUSIVE work still blocks every
    mode from the weakest it conflicts with up: the report names that mode (an UPDATE's ROW
    EXCLUSIVE holds off CREATE INDEX and CREATE TRIGGER; it said 'blocks nothing but ACCESS
    EXCLUSIVE'). Checked with LOCK TABLE ... NOWAIT in every mode against the held one."""
    import psycopg

    from lockwise.core.types import LockMode
    from lockwise.effects.locks import blocks_text

    mode = LockMode[held]
    refused = set()
    with _connect(pg_db) as setup:
        setup.execute("CREATE TABLE IF NOT EXISTS weak_lock (id int)")
    with _connect(pg_db) as holder, _connect(pg_db) as other:
        holder.execute("BEGIN")
        holder.execute(f"LOCK TABLE weak_lock IN {held.replace('_', ' ')} MODE")
        for tried in LockMode:
            try:
                with other.transaction():
                    other.execute(f"LOCK TABLE weak_lock IN {tried.name.replace('_', ' ')} "
                                  "MODE NOWAIT")
            except psycopg.errors.LockNotAvailable:
                refused.add(tried)
        holder.execute("ROLLBACK")
    weakest = min(refused)
    assert refused == {m for m in LockMode if m >= weakest}
    text = blocks_text(mode)
    if weakest is LockMode.ACCESS_EXCLUSIVE:
        assert text == "blocks nothing but ACCESS EXCLUSIVE"
    else:
        assert text.startswith(f"blocks {weakest.name.replace('_', ' ')} and stronger locks"), \
            text


#: (what runs before DROP OWNED BY the role, whether the role still owns an object then):
#: after REASSIGN OWNED the role owns nothing, unless something gave it an object again.
_OWNED_HISTORIES = [
    ("", True),
    ("REASSIGN OWNED BY lockwise_facts_owned TO CURRENT_USER;", False),
    ("REASSIGN OWNED BY lockwise_facts_owned TO CURRENT_USER;"
     "ALTER TABLE owned OWNER TO lockwise_facts_owned;", True),
    ("REASSIGN OWNED BY lockwise_facts_owned TO CURRENT_USER;"
     "ALTER SEQUENCE owned_seq OWNER TO lockwise_facts_owned;", True),
    # what the migration's own role creates is its own: the handed-over role gets nothing
    ("REASSIGN OWNED BY lockwise_facts_owned TO CURRENT_USER; CREATE SEQUENCE owned_seq2;",
     False),
    ("REASSIGN OWNED BY lockwise_facts_owned TO CURRENT_USER;"
     "ALTER SEQUENCE owned_seq OWNED BY owned.id;", False),
    ("REASSIGN OWNED BY lockwise_facts_owned TO CURRENT_USER; CREATE EXTENSION hstore;", False),
    ("REASSIGN OWNED BY lockwise_facts_owned TO CURRENT_USER;"
     "CREATE STATISTICS owned_stats ON (id + 1) FROM owned;", False),
    ("REASSIGN OWNED BY lockwise_facts_owned TO CURRENT_USER;"
     "ALTER TABLE owned OWNER TO lockwise_facts_owned; CREATE SEQUENCE owned_seq2;", True),
    # in a DO block, plain or run by EXECUTE, it holds after the block (fix-pg69) ...
    ("DO $$ BEGIN REASSIGN OWNED BY lockwise_facts_owned TO CURRENT_USER; END $$;", False),
    ("DO $$ BEGIN EXECUTE 'REASSIGN OWNED BY lockwise_facts_owned TO CURRENT_USER'; END $$;",
     False),
    ("DO $$ BEGIN EXECUTE format('REASSIGN OWNED BY %I TO CURRENT_USER', "
     "'lockwise_facts_owned'); END $$;", False),
    # ... unless the block gives the role an object again, or may (code the replay cannot read)
    ("DO $$ BEGIN REASSIGN OWNED BY lockwise_facts_owned TO CURRENT_USER; "
     "ALTER TABLE owned OWNER TO lockwise_facts_owned; END $$;", True),
    ("DO $$ DECLARE r text; BEGIN REASSIGN OWNED BY lockwise_facts_owned TO CURRENT_USER; "
     "FOR r IN SELECT 'owned' LOOP "
     "EXECUTE format('ALTER TABLE %I OWNER TO lockwise_facts_owned', r); END LOOP; END $$;",
     True),
]


@pytest.mark.parametrize(("before", "owns"), _OWNED_HISTORIES)
def test_drop_owned_drops_what_the_role_still_owns(pg_db: str, before: str,
                                                   owns: bool) -> None:
    """DROP OWNED BY drops the role's tables with their rows (rule drop-owned), unless a
    REASSIGN OWNED handed them over since (`roles_reassigned`)."""
    setup = ("DO $$ BEGIN CREATE ROLE lockwise_facts_owned; "
             "EXCEPTION WHEN duplicate_object THEN NULL; END $$;"
             "CREATE TABLE owned (id int); CREATE SEQUENCE owned_seq;"
             "ALTER TABLE owned OWNER TO lockwise_facts_owned;")
    with _connect(pg_db) as conn:
        conn.execute(setup + before)
        # every object of this database the role owns (sequences, statistics, extensions...)
        held = conn.execute("SELECT count(*) > 0 FROM pg_shdepend WHERE deptype = 'o' AND "
                            "refobjid = 'lockwise_facts_owned'::regrole AND dbid = (SELECT "
                            "oid FROM pg_database WHERE datname = current_database())"
                            ).fetchone()
        conn.execute("DROP OWNED BY lockwise_facts_owned")
        row = conn.execute("SELECT to_regclass('owned') IS NULL OR "
                           "to_regclass('owned_seq') IS NULL").fetchone()
        conn.execute("DROP TABLE IF EXISTS owned; DROP SEQUENCE IF EXISTS owned_seq, owned_seq2")
    assert row is not None and row[0] == owns
    assert held is not None and held[0] == owns
    catalog = Catalog()
    for stmt in parse_sql(setup + before).statements:
        apply_statement(catalog, stmt.tree, "0001")
    (stmt,) = parse_sql("DROP OWNED BY lockwise_facts_owned").statements
    (action,) = compute_effect(stmt.tree, Context(catalog=catalog, pg_version=18)).actions
    assert action.facts["roles_reassigned"] is not owns


_PARTED_INDEX = ("CREATE TABLE logs (id int, v int) PARTITION BY RANGE (id);\n"
                 "CREATE TABLE logs_1 PARTITION OF logs FOR VALUES FROM (0) TO (100);\n"
                 "CREATE UNIQUE INDEX logs_v ON logs (v, id);")


@pytest.mark.parametrize(("probe", "waits"), [
    ("INSERT INTO logs VALUES (2, 2)", False),
    ("INSERT INTO logs VALUES (3, 3) ON CONFLICT DO NOTHING", False),
    ("INSERT INTO logs VALUES (4, 4) ON CONFLICT (v, id) DO NOTHING", True),
    ("SELECT * FROM logs WHERE id = 1", True),
    ("UPDATE logs SET v = 5 WHERE id = 1", True),
    ("DELETE FROM logs WHERE id = 1", True),
    ("MERGE INTO logs USING (SELECT 6 AS id) s ON logs.id = s.id "
     "WHEN NOT MATCHED THEN INSERT VALUES (6, 6)", True),
    ("COPY logs FROM PROGRAM 'echo 7,7' WITH (FORMAT csv)", True),
])
def test_partitioned_index_set_tablespace_queues_all_but_a_plain_insert(
        pg_db: str, probe: str, waits: bool) -> None:
    """Behind ALTER INDEX <partitioned index> SET TABLESPACE waiting for ACCESS EXCLUSIVE on
    it, an INSERT through the parent goes on (it opens only the partition's indexes) unless
    its ON CONFLICT target infers the index; reads, UPDATE, DELETE, MERGE (which plan over
    the parent's indexes) and COPY FROM (which opens them) wait. missing-lock-timeout says so."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    sql = "ALTER INDEX logs_v SET TABLESPACE pg_default"
    with _connect(pg_db) as conn:
        conn.execute(_PARTED_INDEX + "INSERT INTO logs VALUES (1, 1);")
    assert _waits_behind(pg_db, sql, "logs_v", probe,
                         hold="SELECT * FROM logs WHERE v = 1") is waits
    migrations = [migration_from_text(_PARTED_INDEX, "0001_setup.sql"),
                  migration_from_text(f"{sql};", "0002_change.sql")]
    found = [f for f in lint_migrations(migrations, LintOptions(pg_version=18), Catalog()
                                        )[-1].all_findings if f.rule == "missing-lock-timeout"]
    assert len(found) == 1
    assert "while it waits, every read and write but a plain INSERT on it queues behind it" \
        in found[0].message, found[0].message


@pytest.mark.parametrize("partitioned", [False, True])
def test_set_tablespace_copies_a_tables_files_not_a_partitioned_tables(
        pg_db: str, partitioned: bool) -> None:
    """SET TABLESPACE gives a table new files; on a partitioned table it moves no partition
    (only later ones are created there): the rule set-tablespace says so for the first only."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = ("CREATE TABLE events (id bigint) PARTITION BY RANGE (id);\n"
             "CREATE TABLE events_1 PARTITION OF events FOR VALUES FROM (0) TO (1000);"
             if partitioned else "CREATE TABLE events (id bigint);")
    alter = "ALTER TABLE events SET TABLESPACE lockwise_archive;"
    reports = lint_migrations([migration_from_text(setup, "0001.sql"),
                               migration_from_text(alter, "0002.sql")], LintOptions())
    found = {f.rule for f in reports[-1].all_findings}
    stored = "events_1" if partitioned else "events"
    files = f"SELECT relfilenode, reltablespace FROM pg_class WHERE relname = '{stored}'"
    with _connect(pg_db) as conn:
        conn.execute(setup)
        conn.execute("SET allow_in_place_tablespaces = on")
        conn.execute("CREATE TABLESPACE lockwise_archive LOCATION ''")
        try:
            before = conn.execute(files).fetchone()
            conn.execute(alter)
            moved = conn.execute(files).fetchone() != before
        finally:
            conn.execute("DROP TABLE events")
            conn.execute("DROP TABLESPACE lockwise_archive")
    assert moved is not partitioned
    assert ("set-tablespace" in found) is moved


_JOINED_SETUP = ("CREATE TABLE orgs (id bigint PRIMARY KEY, plan text);\n"
                 "INSERT INTO orgs VALUES (0, 'free'), (1, 'pro');\n"
                 "CREATE TABLE accounts (id bigint PRIMARY KEY, org_id bigint, plan text);\n"
                 "INSERT INTO accounts SELECT i, i % 3, NULL FROM generate_series(1, 12000) i;")


@pytest.mark.parametrize("sql", [
    "UPDATE accounts SET plan = o.plan FROM orgs o WHERE accounts.org_id = o.id",
    "UPDATE accounts AS a SET plan = o.plan || a.id FROM orgs o WHERE o.id = a.org_id",
    "DELETE FROM accounts USING orgs WHERE accounts.org_id = orgs.id",
    "DELETE FROM accounts AS a USING orgs AS o WHERE a.org_id = o.id",
])
def test_unbatched_backfill_of_a_join_batches_the_joined_rows(pg_db: str, sql: str) -> None:
    """An UPDATE ... FROM or DELETE ... USING that only joins changes every row with a match
    (8000 of 12000 here): its batches change those rows and no other, and end."""
    batch = _batch_statement(sql, _JOINED_SETUP)
    accounts = _JOINED_SETUP.split("\n", 2)[2]  # (orgs is made once, with the first)
    with _connect(pg_db) as conn:
        conn.execute(_JOINED_SETUP.replace("accounts", "expected"))
        conn.execute(sql.replace("accounts", "expected"))
        conn.execute(accounts)
        counts = [conn.execute(batch).rowcount for _ in range(4)]
        assert counts == [5000, 3000, 0, 0], batch
        assert conn.execute("SELECT count(*) FROM (TABLE accounts EXCEPT TABLE expected "
                            "UNION ALL TABLE expected EXCEPT TABLE accounts) d").fetchone() == (0,)


_RENUMBERED = (
    "CREATE TABLE uc (id int PRIMARY KEY, owner int NOT NULL, ord int NOT NULL, flag boolean);\n"
    "INSERT INTO uc SELECT g, g % 7, 100 - g, g % 2 = 0 FROM generate_series(1, 60) g;\n"
    "CREATE TABLE uc_old () INHERITS (uc);\n"
    "INSERT INTO uc_old SELECT g, g % 7, 100 - g, true FROM generate_series(61, 70) g;\n"
    "CREATE TABLE other (id int PRIMARY KEY, ord int, flag boolean);\n"
    "INSERT INTO other SELECT g, g, g % 3 = 0 FROM generate_series(1, 30) g;")
_NUMBERED = "WITH o AS (SELECT id, row_number() OVER (PARTITION BY owner ORDER BY ord) AS n FROM uc"
#: Routines of the migrations: set-returning ones (one row where the flag is true, none
#: elsewhere), a plain one and an aggregate.
_USER_ROUTINES = (
    "\nCREATE FUNCTION one_if(b boolean) RETURNS SETOF int LANGUAGE sql AS $$ SELECT 1 WHERE b $$;"
    "\nCREATE FUNCTION rows_if(b boolean) RETURNS TABLE (n int) LANGUAGE plpgsql AS"
    " $$ BEGIN IF b THEN n := 1; RETURN NEXT; END IF; END $$;"
    "\nCREATE FUNCTION twice(i int) RETURNS int LANGUAGE sql AS $$ SELECT i * 2 $$;"
    "\nCREATE AGGREGATE my_sum(int) (sfunc = int4pl, stype = int, initcond = '0');")
_RENUMBERED_BY = ("WITH o AS (SELECT id, {} AS n FROM uc) UPDATE uc SET ord = o.n FROM o "
                  "WHERE uc.id = o.id")


@pytest.mark.parametrize("sql", [
    # every row (70 of 70): a copy of the whole table joined on its own column
    _NUMBERED + ") UPDATE uc SET ord = o.n FROM o WHERE uc.id = o.id",
    _NUMBERED + ") UPDATE uc AS t SET ord = o.n FROM o WHERE o.id = t.id AND true",
    "UPDATE uc t SET ord = o.n FROM (SELECT id, row_number() OVER (ORDER BY ord) n FROM uc) o "
    "WHERE t.id = o.id",
    "WITH o AS (SELECT * FROM uc) UPDATE uc SET ord = o.ord + 1 FROM o WHERE uc.id = o.id",
    "WITH o AS (SELECT uc.id AS key FROM uc) UPDATE uc SET ord = 0 FROM o WHERE uc.id = o.key",
    _NUMBERED + ") DELETE FROM uc USING o WHERE uc.id = o.id",
    # some rows: the query (or the statement) picks them
    _NUMBERED + " WHERE owner = 3) UPDATE uc SET ord = o.n FROM o WHERE uc.id = o.id",
    _NUMBERED + " LIMIT 10) UPDATE uc SET ord = o.n FROM o WHERE uc.id = o.id",
    "WITH o AS (SELECT DISTINCT ON (owner) id, ord AS n FROM uc ORDER BY owner, ord) "
    "UPDATE uc SET ord = o.n FROM o WHERE uc.id = o.id",
    "WITH o AS (SELECT min(id) AS id, count(*) AS n FROM uc GROUP BY owner "
    "HAVING count(*) > 8) UPDATE uc SET ord = o.n FROM o WHERE uc.id = o.id",
    "WITH o AS (SELECT max(id) AS id FROM uc) UPDATE uc SET ord = 0 FROM o WHERE uc.id = o.id",
    "WITH o AS (SELECT id, unnest(CASE WHEN flag THEN ARRAY[1] ELSE '{}'::int[] END) AS n "
    "FROM uc) UPDATE uc SET ord = o.n FROM o WHERE uc.id = o.id",
    _NUMBERED + ") UPDATE uc SET ord = o.n FROM o JOIN other x ON x.id = o.id AND x.flag "
    "WHERE uc.id = o.id",
    _NUMBERED + ") UPDATE uc SET ord = o.n FROM o JOIN other x ON x.id = o.id "
    "WHERE uc.id = o.id",
    "WITH o AS (SELECT u.id, row_number() OVER () AS n FROM uc u JOIN other x ON x.id = u.id) "
    "UPDATE uc SET ord = o.n FROM o WHERE uc.id = o.id",
    _NUMBERED + ") UPDATE uc SET ord = o.n FROM o WHERE uc.id = o.id AND uc.flag",
    "WITH o AS (SELECT id, row_number() OVER () AS n FROM other) "
    "UPDATE uc SET ord = o.n FROM o WHERE uc.id = o.id",
    _NUMBERED + ") UPDATE uc SET ord = o.n FROM o WHERE uc.id = o.n",
    "WITH o AS (SELECT id AS n, owner AS id FROM uc) UPDATE uc SET ord = 0 FROM o "
    "WHERE uc.id = o.id",
    "WITH o (n, id) AS (SELECT id, owner FROM uc) UPDATE uc SET ord = 0 FROM o "
    "WHERE uc.id = o.id",
    "UPDATE uc SET ord = o.n FROM (SELECT id, 1 AS n FROM ONLY uc) o WHERE uc.id = o.id",
    # the migrations' own routines: a plain function or an aggregate as a window keeps
    # every row; a set-returning function, as a built-in one, some
    _RENUMBERED_BY.format("twice(ord)"),
    _RENUMBERED_BY.format("my_sum(ord) OVER (ORDER BY id)"),
    _RENUMBERED_BY.format("(SELECT my_sum(x.ord) FROM other x)"),
    _RENUMBERED_BY.format("one_if(flag)"),
    _RENUMBERED_BY.format("public.one_if(flag)"),
    _RENUMBERED_BY.format("rows_if(flag)"),
    "UPDATE uc SET ord = o.n FROM (SELECT id, one_if(flag) AS n FROM uc) o WHERE uc.id = o.id",
])
def test_a_join_to_a_whole_copy_of_the_table_touches_every_row(pg_db: str, sql: str) -> None:
    """An UPDATE ... FROM (DELETE ... USING) a WITH query or subquery that reads the table
    itself whole, one row for each of its rows, joined on the same column, changes every row
    (the renumbering `WITH ordered AS (SELECT id, row_number() OVER (...)) UPDATE ... FROM
    ordered`): no WHERE limits it. A WHERE, LIMIT, DISTINCT ON, GROUP BY, aggregate or
    set-returning call of the query, a join to another table, another column or another
    table, ONLY beside children, or a further condition: some rows (each counted on 18.6)."""
    (action,) = [a for a in effect_after(_RENUMBERED + _USER_ROUTINES, sql).actions
                 if a.kind in ("update", "delete")]
    with _connect(pg_db) as conn:
        conn.execute(_RENUMBERED + _USER_ROUTINES)
        every = conn.execute(sql).rowcount == 70
    assert action.facts["has_where"] is not every


@pytest.mark.parametrize("call", ["sum(ord)", "my_sum(ord)", "one_of_ours(ord)"])
def test_an_aggregate_or_a_function_not_known_makes_no_whole_copy(pg_db: str,
                                                                   call: str) -> None:
    """An aggregate beside a column of the table, built-in or the migrations' own, is refused
    (42803, checked on 18.6): no copy of the table, as a function lockwise does not know
    (made outside the migrations) may be an aggregate or return a set."""
    sql = _RENUMBERED_BY.format(call)
    (action,) = [a for a in effect_after(_RENUMBERED + _USER_ROUTINES, sql).actions
                 if a.kind == "update"]
    assert action.facts["has_where"]
    if call != "one_of_ours(ord)":
        import psycopg

        with _connect(pg_db) as conn:
            conn.execute(_RENUMBERED + _USER_ROUTINES)
            with pytest.raises(psycopg.errors.GroupingError):
                conn.execute(sql)


def test_batches_of_a_renumbering_read_a_snapshot(pg_db: str) -> None:
    """Run in batches, a renumbering that reads the column it sets numbers anew the rows the
    batches before changed: not what the one statement writes. Read from a table that keeps
    the query's rows first, the batches write it (checked on 18.6); the alternative says so."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = _RENUMBERED.split("\nCREATE TABLE uc_old")[0]
    sql = _NUMBERED + ") UPDATE uc SET ord = o.n FROM o WHERE uc.id = o.id"
    reports = lint_migrations([migration_from_text(setup, "0001.sql"),
                               migration_from_text(sql + ";", "0002.sql")],
                              LintOptions(), Catalog())
    (instead,) = [f.instead for f in reports[-1].all_findings if f.rule == "unbatched-backfill"]
    assert "keep\n-- that query's rows in a table first" in instead
    result = "SELECT array_agg(ord ORDER BY id) FROM uc"
    with _connect(pg_db) as conn:
        conn.execute(setup)
        conn.execute(sql)
        whole = conn.execute(result).fetchone()
        conn.execute(f"DROP TABLE uc; {setup}")
        for low in range(1, 61, 20):
            conn.execute(f"{sql} AND uc.id BETWEEN {low} AND {low + 19}")
        assert conn.execute(result).fetchone() != whole
        conn.execute(f"DROP TABLE uc; {setup}")
        conn.execute(_NUMBERED.replace("WITH o AS (", "CREATE TABLE snapshot AS "))
        for low in range(1, 61, 20):
            conn.execute("UPDATE uc SET ord = o.n FROM snapshot o WHERE uc.id = o.id "
                         f"AND uc.id BETWEEN {low} AND {low + 19}")
        assert conn.execute(result).fetchone() == whole


@pytest.mark.parametrize("setup", [
    "CREATE DOMAIN d AS int; CREATE TYPE r AS RANGE (subtype = d); CREATE TABLE t (v r);\n"
    "ALTER DOMAIN d RENAME TO e; ALTER TYPE r RENAME TO q;",
    "CREATE SCHEMA app; CREATE DOMAIN d AS int; CREATE TYPE r AS RANGE (subtype = d);\n"
    "ALTER DOMAIN d SET SCHEMA app; ALTER DOMAIN app.d RENAME TO e; CREATE TABLE t (v r);\n"
    "ALTER DOMAIN app.e SET SCHEMA public;",
    "CREATE DOMAIN e AS int; CREATE TYPE r AS RANGE (subtype = e); CREATE TABLE t (v r);\n"
    "DROP TABLE t; CREATE TABLE t (v int);",
    "CREATE DOMAIN e AS int; CREATE TYPE r AS RANGE (subtype = e); CREATE TABLE t (v r);\n"
    "ALTER TABLE t DROP COLUMN v; DROP TYPE r; CREATE TYPE r AS RANGE (subtype = int4);\n"
    "CREATE TABLE t2 (v r);",
])
def test_range_over_a_domain_follows_renames_and_drops(pg_db: str, setup: str) -> None:
    """A range keeps its subtype by oid: renamed or moved, the domain (and the range) still
    hold each other; a range dropped and made again over another type holds it no more."""
    import psycopg

    sql = "ALTER DOMAIN e ADD CONSTRAINT positive CHECK (VALUE > 0)"
    (action,) = [a for a in effect_after(setup, sql).actions if a.kind == "alter_domain"]
    refused = (psycopg.errors.FeatureNotSupported,)
    assert bool(action.facts.get("refused_by")) == server_refuses(pg_db, setup, sql, refused)


_LIMITED = """
CREATE DOMAIN short_name AS varchar(20);
CREATE TABLE limited (v20 varchar(20), v50 varchar(50), t text, v varchar, c10 char(10),
                      a20 varchar(20)[], d short_name);
INSERT INTO limited VALUES ('a', 'b', 'c', 'd', 'e', '{f}', 'g');
"""


@pytest.mark.parametrize("sql", [
    "ALTER TABLE limited ALTER COLUMN v20 TYPE varchar(50)",
    "ALTER TABLE limited ALTER COLUMN v20 TYPE varchar(20)",
    "ALTER TABLE limited ALTER COLUMN v50 TYPE varchar(20)",
    "ALTER TABLE limited ALTER COLUMN t TYPE varchar(20)",
    "ALTER TABLE limited ALTER COLUMN v TYPE varchar(20)",
    "ALTER TABLE limited ALTER COLUMN c10 TYPE varchar(20)",
    "ALTER TABLE limited ALTER COLUMN a20 TYPE varchar(50)[]",
    "ALTER TABLE limited ALTER COLUMN d TYPE varchar(50)",
    "ALTER TABLE limited ALTER COLUMN v20 TYPE varchar(50) USING v20 || 'x'",
])
def test_raised_varchar_limit_matches_server(pg_db: str, sql: str) -> None:
    """`raises_varchar_limit` (prefer-text-over-varchar stays quiet) exactly where the column
    had a varchar length limit and keeps one no lower without the server rewriting the table."""
    with _connect(pg_db) as conn:
        conn.execute(_LIMITED)
        column = sql.split()[5]
        query = ("SELECT c.relfilenode, a.atttypmod FROM pg_class c JOIN pg_attribute a "
                 "ON a.attrelid = c.oid WHERE c.relname = 'limited' AND a.attname = %s")
        (before, old_mod), = conn.execute(query, (column,)).fetchall()
        old_limited = old_mod > 0 or column == "d"  # the domain's base type holds the limit
        conn.execute(sql)
        (after, new_mod), = conn.execute(query, (column,)).fetchall()
    raised = old_limited and new_mod > 0 and before == after
    facts = effect_after(_LIMITED, sql).actions[0].facts
    assert facts["raises_varchar_limit"] == raised


@pytest.mark.parametrize("sql", [
    "UPDATE pg_index SET indisready = indisready WHERE false",
    "SELECT count(*) FROM pg_class",
    "SELECT * FROM pg_stat_activity WHERE false",
])
def test_unqualified_system_catalogs_are_pg_catalogs_on_the_server(pg_db: str, sql: str) -> None:
    """An unqualified name of a system catalog or view is pg_catalog's, which the server
    searches before the search_path's schemas: the locks lockwise names are the server's."""
    effect = effect_after("", sql)
    with _connect(pg_db) as conn, conn.transaction(force_rollback=True):
        conn.execute(sql)
        locked = {f"{schema}.{name}" for schema, name in conn.execute(
            "SELECT n.nspname, c.relname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = pg_backend_pid() "
            "AND c.relkind IN ('r', 'v')").fetchall()}
    assert set(effect.locks) <= locked, (set(effect.locks), locked)
    assert all(name.startswith("pg_catalog.") for name in effect.locks)


@pytest.mark.parametrize("path, schema", [("app, public", "pg_catalog"),
                                          ("app, pg_catalog", "app")])
def test_a_search_path_naming_pg_catalog_decides_where_a_system_name_is(
        pg_db: str, path: str, schema: str) -> None:
    """pg_catalog comes first unless the path names it: a table app.pg_index is found under
    `app, pg_catalog`, the system catalog under `app, public` (locks read on the server)."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = "CREATE SCHEMA app; CREATE TABLE app.pg_index (indisready bool);"
    sql = f"SET search_path = {path};\nUPDATE pg_index SET indisready = indisready WHERE false;"
    (report,) = lint_migrations([migration_from_text(setup + "\n" + sql, "0001_x.sql")],
                                LintOptions(), Catalog())
    assert set(report.statements[-1].effect.locks) == {f"{schema}.pg_index"}
    with _connect(pg_db) as conn, conn.transaction(force_rollback=True):
        conn.execute(setup)
        conn.execute(sql)
        (locked,) = conn.execute(
            "SELECT n.nspname FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE l.pid = pg_backend_pid() "
            "AND c.relname = 'pg_index' AND l.mode = 'RowExclusiveLock'").fetchone()
    assert locked == schema


def test_system_relations_data_is_the_servers(pg_db: str) -> None:
    """data/relations.json lists pg_catalog's tables and views as the server has them (run
    scripts/gen_pg_catalog_data.py against a newer server to refresh it)."""
    import json
    from pathlib import Path

    import lockwise.effects.system_catalog as system_catalog

    data = json.loads(Path(system_catalog.__file__).with_name("data").joinpath(
        "relations.json").read_text())
    with _connect(pg_db) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        names = [r[0] for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'pg_catalog'::regnamespace "
            "AND relkind IN ('r', 'v', 'm', 'p', 'f') ORDER BY 1").fetchall()]
    if version.split()[0] != data["server_version"]:
        pytest.skip(f"the data is PostgreSQL {data['server_version']}'s, the server {version}")
    assert names == data["pg_catalog"]


_PARTITIONED_SETUP = (
    "CREATE TABLE p (id int, n int) PARTITION BY LIST (id);\n"
    "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);\n"
    "CREATE INDEX p_n ON p (n);\n"
    "CREATE TABLE q (id int, n int) PARTITION BY LIST (id);\n"
    "CREATE TABLE t (id int, n int);\n"
    "CREATE INDEX t_n ON t (n);\n"
    "CREATE TABLE s (id int, n int) PARTITION BY LIST (id);\n"
    "CREATE TABLE s1 PARTITION OF s FOR VALUES IN (1) PARTITION BY LIST (n);\n"
    "CREATE TABLE w (id int, n int NOT NULL, m int) PARTITION BY LIST (id);\n"
    "CREATE TABLE w1 PARTITION OF w FOR VALUES IN (1);\n"
    "CREATE TABLE w2 (id int, n int NOT NULL, m int);\n"
    "ALTER TABLE w ATTACH PARTITION w2 FOR VALUES IN (2);\n"
    "ALTER TABLE w ADD CONSTRAINT w_m_check CHECK (m > 0);\n"
    "CREATE TABLE ref (id int PRIMARY KEY);\n"
    "CREATE TABLE x (id int);\n")


@pytest.mark.parametrize("sql", [
    "ALTER TABLE p SET (fillfactor = 70)",
    "ALTER TABLE q SET (autovacuum_enabled = false)",
    "ALTER TABLE p SET (parallel_workers = 2, toast.autovacuum_enabled = false)",
    "ALTER TABLE p SET (toast.autovacuum_enabled = false)",
    "ALTER TABLE p RESET (fillfactor)",
    "ALTER TABLE p1 SET (fillfactor = 70)",
    "ALTER TABLE t SET (fillfactor = 70)",
    "ALTER TABLE p SET UNLOGGED",
    "ALTER TABLE q SET LOGGED",
    "ALTER TABLE p1 SET UNLOGGED",
    "ALTER TABLE p ADD CONSTRAINT c CHECK (n > 0) NO INHERIT",
    "ALTER TABLE q ADD CHECK (n > 0) NO INHERIT",
    "ALTER TABLE p1 ADD CONSTRAINT c CHECK (n > 0) NO INHERIT",
    "ALTER TABLE p ADD CONSTRAINT c CHECK (n > 0)",
    "ALTER TABLE p CLUSTER ON p_n",
    "ALTER TABLE p SET WITHOUT CLUSTER",
    "ALTER TABLE t CLUSTER ON t_n",
    "ALTER TABLE p SET ACCESS METHOD heap",
    "CLUSTER p USING p_n",
    "REINDEX INDEX p_n",
    "CREATE TABLE r (id int) PARTITION BY LIST (id) WITH (fillfactor = 70)",
    "CREATE TABLE r (id int) WITH (fillfactor = 70)",
    "CREATE UNLOGGED TABLE r (id int) PARTITION BY LIST (id)",
    "CREATE TABLE r (id int, CHECK (id > 0) NO INHERIT) PARTITION BY LIST (id)",
    "CREATE TABLE r (id int CHECK (id > 0) NO INHERIT) PARTITION BY LIST (id)",
    "CREATE TABLE r (id int CHECK (id > 0) NO INHERIT)",
    "CREATE TABLE r (id int) PARTITION BY LIST (id) USING heap",
    "CREATE UNIQUE INDEX u ON p (n)",
    "CREATE UNIQUE INDEX u ON ONLY p (n)",
    "CREATE UNIQUE INDEX u ON q (n)",
    "CREATE UNIQUE INDEX u ON p (n, id)",
    "CREATE UNIQUE INDEX u ON p (id DESC) WHERE n > 0",
    "CREATE UNIQUE INDEX u ON p ((id + 1))",
    "CREATE UNIQUE INDEX u ON p (id, (n + 1))",
    "CREATE UNIQUE INDEX u ON p1 (n)",
    "CREATE INDEX u ON p (n)",
    "ALTER TABLE p ADD CONSTRAINT u UNIQUE (n)",
    "ALTER TABLE p ADD PRIMARY KEY (n)",
    "ALTER TABLE p ADD CONSTRAINT u UNIQUE (n) INCLUDE (id)",
    "ALTER TABLE ONLY q ADD CONSTRAINT u UNIQUE (n)",
    "ALTER TABLE p ADD CONSTRAINT u UNIQUE (n, id)",
    "CREATE TABLE r (id int, n int PRIMARY KEY) PARTITION BY LIST (id)",
    "CREATE TABLE r (id int, n int, UNIQUE (n, id)) PARTITION BY LIST (id)",
    "CREATE TABLE r (id int, n int, UNIQUE (n, id)) PARTITION BY LIST ((id + 1))",
    "CREATE TABLE r (id int, n int, UNIQUE (n)) PARTITION BY LIST (id)",
    "CREATE TABLE r (id int, n int, UNIQUE (n))",
    "CREATE UNIQUE INDEX u ON s (id)",
    "CREATE UNIQUE INDEX u ON ONLY s (id)",
    "CREATE UNIQUE INDEX u ON s (id, n)",
    "ALTER TABLE s ADD CONSTRAINT u UNIQUE (id)",
    "ALTER TABLE ONLY s ADD CONSTRAINT u UNIQUE (id)",
    "ALTER TABLE ONLY p ADD CONSTRAINT f FOREIGN KEY (n) REFERENCES ref",
    "ALTER TABLE ONLY q ADD CONSTRAINT f FOREIGN KEY (n) REFERENCES ref",
    "ALTER TABLE p ADD CONSTRAINT f FOREIGN KEY (n) REFERENCES ref",
    "ALTER TABLE ONLY t ADD CONSTRAINT f FOREIGN KEY (n) REFERENCES ref",
    "ALTER TABLE p INHERIT x",
    "ALTER TABLE x INHERIT p",
    "ALTER TABLE p1 NO INHERIT p",
    "ALTER TABLE t INHERIT x",
    "CREATE TABLE c () INHERITS (p)",
    "CREATE TABLE c () INHERITS (t)",
    "TRUNCATE ONLY p",
    "TRUNCATE ONLY q, t",
    "TRUNCATE p",
    "TRUNCATE ONLY p1",
    "ALTER TABLE p DROP COLUMN id",
    "ALTER TABLE p ALTER COLUMN id TYPE bigint",
    "ALTER TABLE p RENAME COLUMN id TO key",
    "ALTER TABLE s DROP COLUMN n",
    "ALTER TABLE s ALTER COLUMN n TYPE bigint",
    "ALTER TABLE p DROP COLUMN n",
    "ALTER TABLE w1 DROP COLUMN m",
    "ALTER TABLE w2 DROP COLUMN m",
    "ALTER TABLE w1 ALTER COLUMN m TYPE bigint",
    "ALTER TABLE w2 RENAME COLUMN m TO k",
    "ALTER TABLE w1 ALTER COLUMN n DROP NOT NULL",
    "ALTER TABLE w1 ALTER COLUMN m SET NOT NULL",
    "ALTER TABLE w1 ALTER COLUMN m SET DEFAULT 1",
    # ONLY of a drop: refused before 18 for a CHECK or a NOT NULL (below), taken on 18
    "ALTER TABLE ONLY w DROP CONSTRAINT w_m_check",
    "ALTER TABLE ONLY w ALTER COLUMN n DROP NOT NULL",
    "ALTER TABLE ONLY w ALTER COLUMN m DROP NOT NULL",
    # a partition's CHECK or (18) NOT NULL from its parent, even one it had of its own before
    # ATTACH (w2_n_not_null), is not dropped on it alone; the parent's is, ONLY or not
    "ALTER TABLE w1 DROP CONSTRAINT w_m_check",
    "ALTER TABLE w2 DROP CONSTRAINT w_m_check",
    "ALTER TABLE w1 DROP CONSTRAINT w_n_not_null",
    "ALTER TABLE w2 DROP CONSTRAINT w2_n_not_null",
    "ALTER TABLE w DROP CONSTRAINT w_n_not_null",
    "ALTER TABLE ONLY w DROP CONSTRAINT w_n_not_null",
    # an exclusion constraint: from 17, only with each partition key column compared by =
    "ALTER TABLE p ADD CONSTRAINT e EXCLUDE USING btree (id WITH =)",
    "ALTER TABLE p ADD CONSTRAINT e EXCLUDE USING btree (id WITH =, n WITH =)",
    "ALTER TABLE ONLY p ADD CONSTRAINT e EXCLUDE USING btree (id WITH =)",
    "ALTER TABLE p ADD CONSTRAINT e EXCLUDE USING btree (n WITH =)",
    "ALTER TABLE p ADD CONSTRAINT e EXCLUDE USING btree ((id + 0) WITH =)",
    "CREATE TABLE r (id int4range, EXCLUDE USING gist (id WITH &&)) PARTITION BY RANGE (id)",
    "CREATE TABLE r (id int4range, EXCLUDE USING gist (id WITH =)) PARTITION BY RANGE (id)",
    "ALTER TABLE p1 ADD CONSTRAINT e EXCLUDE USING btree (n WITH =)",
    "ALTER TABLE s ADD CONSTRAINT e EXCLUDE USING btree (id WITH =)",
    "CREATE TABLE r (id int, EXCLUDE USING btree (id WITH =)) PARTITION BY LIST (id)",
    "CREATE TABLE r (id int, n int, EXCLUDE USING btree (n WITH =)) PARTITION BY LIST (id)",
    "CREATE TABLE r (id int, EXCLUDE USING btree (id WITH =)) PARTITION BY LIST ((id + 1))",
])
def test_refused_on_partitioned_table_matches_server(pg_db: str, sql: str) -> None:
    """partitioned-table-refused reports what PostgreSQL (the embedded 18) refuses to do to a
    partitioned table (storage parameters, a persistence, a NO INHERIT CHECK, a clustered
    index, ...) exactly when it refuses it, in the server's words."""
    _assert_refusal_is_the_servers(pg_db, _PARTITIONED_SETUP, sql, "refused_on_partitioned")


def _assert_refusal_is_the_servers(pg_db: str, setup: str, sql: str, fact: str) -> None:
    """`fact` (with its `_text`) is said of `sql` after `setup`, the embedded server's
    version (18) stated, exactly when the server refuses it, with the server's message."""
    effect = _effect_of(setup, sql, 18)
    said = [a.facts[f"{fact}_text"] for a in effect.actions if a.facts.get(fact)]
    refused = server_message(pg_db, setup, sql)
    assert bool(said) == bool(refused), (said, refused)
    if refused:
        assert refused in said[0]


@pytest.mark.parametrize(("sql", "version", "refused"), [
    ("ALTER TABLE p SET UNLOGGED", 17, False),  # a no-op on the partitioned table before 18
    ("ALTER TABLE p SET UNLOGGED", 18, True),
    ("CREATE UNLOGGED TABLE r (id int) PARTITION BY LIST (id)", 17, False),
    ("ALTER TABLE p SET ACCESS METHOD heap", 16, True),
    ("ALTER TABLE p SET ACCESS METHOD heap", 17, False),
    ("CREATE TABLE r (id int) PARTITION BY LIST (id) USING heap", 16, True),
    ("CLUSTER p USING p_n", 14, True),
    ("CLUSTER p USING p_n", 15, False),
    ("REINDEX INDEX p_n", 13, True),
    ("REINDEX INDEX p_n", 14, False),
    ("ALTER TABLE p SET (fillfactor = 70)", 12, True),
    # checked on 15.18 and 18.6; 16 and 17 from the release notes (18 catalogues NOT NULL)
    ("ALTER TABLE ONLY w DROP CONSTRAINT w_m_check", 15, True),
    ("ALTER TABLE ONLY w DROP CONSTRAINT w_m_check", 17, True),
    ("ALTER TABLE ONLY w DROP CONSTRAINT w_m_check", 18, False),
    ("ALTER TABLE ONLY w ALTER COLUMN n DROP NOT NULL", 17, True),
    ("ALTER TABLE ONLY w ALTER COLUMN m DROP NOT NULL", 15, True),
    ("ALTER TABLE ONLY w ALTER COLUMN m DROP NOT NULL", 18, False),
    ("ALTER TABLE w ALTER COLUMN n DROP NOT NULL", 15, False),
    ("ALTER TABLE ONLY q ALTER COLUMN n DROP NOT NULL", 15, False),  # no partition
    ("ALTER TABLE ONLY p1 ALTER COLUMN n DROP NOT NULL", 15, False),  # a leaf
    # a partition's inherited CHECK: every version (checked on 15.18 and 18.6); a NOT NULL
    # is a constraint with a name from 18 (15.18: "constraint ... does not exist")
    ("ALTER TABLE w1 DROP CONSTRAINT w_m_check", 15, True),
    ("ALTER TABLE w1 DROP CONSTRAINT w_n_not_null", 17, False),
    # any exclusion constraint before 17 (checked on 15.18), from 17 one on the key with =
    ("ALTER TABLE p ADD CONSTRAINT e EXCLUDE USING btree (id WITH =)", 16, True),
    ("ALTER TABLE p ADD CONSTRAINT e EXCLUDE USING btree (id WITH =)", 17, False),
    ("ALTER TABLE ONLY q ADD CONSTRAINT e EXCLUDE USING btree (id WITH =)", 15, True),
    ("CREATE TABLE r (id int, EXCLUDE USING btree (id WITH =)) PARTITION BY LIST (id)", 15, True),
    ("ALTER TABLE p1 ADD CONSTRAINT e EXCLUDE USING btree (n WITH =)", 15, False),
    ("ALTER TABLE p ADD CONSTRAINT e EXCLUDE USING btree (n WITH =)", 17, True),
])
def test_refused_on_partitioned_table_follows_the_version(sql: str, version: int,
                                                          refused: bool) -> None:
    """What changed between versions (checked on 15.18 and 18.6; the rest from the release
    notes): a version that refuses it refuses, the others not."""
    effect = _partitioned_effect(sql, version)
    assert any(a.facts.get("refused_on_partitioned") for a in effect.actions) == refused


def _partitioned_effect(sql: str, version: int):
    return _effect_of(_PARTITIONED_SETUP, sql, version)


def _effect_of(setup: str, sql: str, version: int):
    """The effect of `sql` after `setup`, `version` stated (--pg-version)."""
    (stmt,) = parse_sql(sql).statements
    return compute_effect(stmt.tree, Context(catalog=catalog_after(setup),
                                             pg_version=version, pg_version_stated=True))


def test_refused_on_partitioned_table_by_version_needs_the_version_stated() -> None:
    """Without --pg-version, only what every version refuses is said: SET UNLOGGED of a
    partitioned table is refused from 18 on, a no-op before."""
    ctx = Context(catalog=catalog_after(_PARTITIONED_SETUP), pg_version=18)
    (stmt,) = parse_sql("ALTER TABLE p SET UNLOGGED").statements
    assert not any(a.facts.get("refused_on_partitioned")
                   for a in compute_effect(stmt.tree, ctx).actions)
    (stmt,) = parse_sql("ALTER TABLE p SET (fillfactor = 70)").statements
    assert any(a.facts.get("refused_on_partitioned")
               for a in compute_effect(stmt.tree, ctx).actions)


#: An inheritance parent with a NOT NULL and a CHECK; a child with a column merged with the
#: parent's and one of its own, and a grandchild; a table made a child by INHERIT, with its
#: own NOT NULL and CHECK (which the parent's now count as inherited).
_INHERITANCE_SETUP = (
    "CREATE TABLE b (id int, n int NOT NULL, m int, CONSTRAINT b_m_check CHECK (m > 0));\n"
    "CREATE TABLE s (id int, extra int) INHERITS (b);\n"
    "CREATE TABLE gs () INHERITS (s);\n"
    "CREATE TABLE o (id int, n int NOT NULL, m int, CONSTRAINT b_m_check CHECK (m > 0));\n"
    "ALTER TABLE o INHERIT b;\n")


@pytest.mark.parametrize("sql", [
    "ALTER TABLE s DROP COLUMN m",
    "ALTER TABLE s DROP COLUMN id",
    "ALTER TABLE s DROP COLUMN extra",
    "ALTER TABLE s ALTER COLUMN m TYPE bigint",
    "ALTER TABLE s ALTER COLUMN id TYPE bigint",
    "ALTER TABLE s ALTER COLUMN extra TYPE bigint",
    "ALTER TABLE s RENAME COLUMN m TO k",
    "ALTER TABLE gs RENAME COLUMN extra TO k",
    "ALTER TABLE s RENAME COLUMN extra TO k",
    "ALTER TABLE s DROP CONSTRAINT b_m_check",
    "ALTER TABLE o DROP CONSTRAINT b_m_check",
    "ALTER TABLE s ALTER COLUMN n DROP NOT NULL",
    "ALTER TABLE s DROP CONSTRAINT b_n_not_null",
    "ALTER TABLE o ALTER COLUMN n DROP NOT NULL",
    "ALTER TABLE o DROP CONSTRAINT o_n_not_null",
    "ALTER TABLE b ALTER COLUMN n DROP NOT NULL",
    "ALTER TABLE b DROP CONSTRAINT b_m_check",
    "ALTER TABLE ONLY b DROP COLUMN m",
    "ALTER TABLE b RENAME COLUMN m TO k",
])
def test_refused_by_inheritance_matches_server(pg_db: str, sql: str) -> None:
    """inheritance-child-refused reports what PostgreSQL (the embedded 18) refuses to do to an
    inheritance child alone, for what it has from its parents (a column, even one merged with
    its own; a CHECK; from 18 a NOT NULL), exactly when it refuses it, in the server's
    words."""
    _assert_refusal_is_the_servers(pg_db, _INHERITANCE_SETUP, sql, "refused_by_inheritance")


@pytest.mark.parametrize(("sql", "version", "refused"), [
    # checked on 15.18 and 18.6: the NOT NULL of a child is inherited from 18 only
    ("ALTER TABLE s ALTER COLUMN n DROP NOT NULL", 15, False),
    ("ALTER TABLE s ALTER COLUMN n DROP NOT NULL", 17, False),
    ("ALTER TABLE s DROP COLUMN m", 15, True),
    ("ALTER TABLE o DROP CONSTRAINT b_m_check", 15, True),
])
def test_refused_by_inheritance_follows_the_version(sql: str, version: int,
                                                    refused: bool) -> None:
    effect = _effect_of(_INHERITANCE_SETUP, sql, version)
    assert any(a.facts.get("refused_by_inheritance") for a in effect.actions) == refused


_RENAMED = ("CREATE TABLE accounts (id bigint PRIMARY KEY, email text UNIQUE,"
            " parent_id bigint REFERENCES accounts, CHECK (email <> ''),"
            " EXCLUDE USING btree (parent_id WITH =));\n"
            "CREATE INDEX accounts_email_idx ON accounts (email);\n"
            "CREATE UNIQUE INDEX accounts_lower_email_idx ON accounts (lower(email));")


@pytest.mark.parametrize("rename, name", [
    ("ALTER TABLE accounts RENAME CONSTRAINT {} TO renamed", "accounts_pkey"),
    ("ALTER TABLE accounts RENAME CONSTRAINT {} TO renamed", "accounts_email_key"),
    ("ALTER TABLE accounts RENAME CONSTRAINT {} TO renamed", "accounts_parent_id_excl"),
    ("ALTER TABLE accounts RENAME CONSTRAINT {} TO renamed", "accounts_parent_id_fkey"),
    ("ALTER TABLE accounts RENAME CONSTRAINT {} TO renamed", "accounts_email_check"),
    ("ALTER INDEX {} RENAME TO renamed", "accounts_email_key"),
    ("ALTER INDEX {} RENAME TO renamed", "accounts_email_idx"),
    ("ALTER INDEX {} RENAME TO renamed", "accounts_lower_email_idx"),
])
def test_a_rename_cites_on_conflict_where_the_server_takes_the_name(pg_db: str, rename: str,
                                                                     name: str) -> None:
    import psycopg

    (action,) = effect_after(_RENAMED, rename.format(name)).actions
    cited = "ON CONFLICT ON CONSTRAINT" in action.facts["name_used_by_text"]
    refused = server_refuses(pg_db, _RENAMED, "INSERT INTO accounts VALUES (1, 'a', NULL) "
                             f"ON CONFLICT ON CONSTRAINT {name} DO NOTHING",
                             (psycopg.errors.UndefinedObject, psycopg.errors.WrongObjectType))
    assert cited is not refused


@pytest.mark.parametrize("rows", [0, 50_000])
def test_a_not_null_column_without_a_default_reads_no_further_than_a_row(pg_db: str,
                                                                         rows: int) -> None:
    """ADD COLUMN ... NOT NULL without a default scans the table, but fails at its first
    live row: lockwise says the scan ends at a row, as the server's tuple counter shows."""
    import psycopg

    setup = f"CREATE TABLE k (x int);\nINSERT INTO k SELECT generate_series(1, {rows});"
    effect = effect_after(setup, "ALTER TABLE k ADD COLUMN c int NOT NULL")
    assert effect.scans["public.k"].startswith(SCAN_ENDS_AT_A_ROW)
    with _connect(pg_db) as conn:
        conn.execute(setup)
        conn.execute("SELECT pg_stat_force_next_flush()")
        failed = False
        try:
            conn.execute("ALTER TABLE k ADD COLUMN c int NOT NULL")
        except psycopg.errors.NotNullViolation:
            failed = True
        conn.execute("SELECT pg_stat_force_next_flush()")
        (scans, read), = conn.execute("SELECT seq_scan, seq_tup_read FROM pg_stat_user_tables "
                                      "WHERE relname = 'k'").fetchall()
    assert (scans, read, failed) == (1, min(rows, 1), rows > 0)


@pytest.mark.parametrize("setup", [
    "CREATE TABLE accounts (id serial PRIMARY KEY, n int);",
    "CREATE TABLE accounts (id int GENERATED ALWAYS AS IDENTITY, n int);",
])
def test_a_column_s_renamed_sequence_still_feeds_its_default(pg_db: str, setup: str) -> None:
    """The default names its sequence by OID: inserts go on drawing from it under its new
    name, and only the old name is gone."""
    import psycopg

    rename = "ALTER SEQUENCE accounts_id_seq RENAME TO users_id_seq"
    (action,) = effect_after(setup, rename).actions
    assert action.facts["sequence_owned_by"] == "public.accounts.id"
    with _connect(pg_db) as conn:
        conn.execute(setup)
        conn.execute("INSERT INTO accounts (n) VALUES (1)")
        conn.execute(rename)
        (drawn,) = conn.execute("INSERT INTO accounts (n) VALUES (2) RETURNING id").fetchone()
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("SELECT nextval('accounts_id_seq')")
    assert drawn == 2


SCANNED = ("CREATE TABLE accounts (id bigint PRIMARY KEY, org_id bigint, plan text, email text, "
           "a int, b int, seen timestamptz NOT NULL DEFAULT now());\n"
           "CREATE INDEX accounts_a_b_idx ON accounts (a, b);\n"
           "CREATE TABLE orgs (id bigint PRIMARY KEY, plan text);")


@pytest.mark.parametrize(("sql", "scans"), [
    ("UPDATE accounts SET plan = 'free' WHERE plan = 'legacy'", True),
    ("DELETE FROM accounts WHERE email = 'a@example.com'", True),
    # an OR is served by indexes only if each branch is
    ("UPDATE accounts SET plan = 'free' WHERE email = 'a@example.com' OR id = 5", True),
    ("UPDATE accounts SET plan = o.plan FROM orgs o WHERE accounts.org_id = o.id "
     "AND o.plan = 'trial'", True),
    ("UPDATE accounts SET plan = 'free' WHERE id = 5", False),
    ("UPDATE accounts SET plan = 'free' WHERE id IN (5, 6) AND email = 'a@example.com'", False),
    ("DELETE FROM accounts WHERE email = 'a@example.com' AND id >= 1 AND id < 5001", False),
    ("UPDATE accounts SET plan = 'free' WHERE a = 5", False),
    ("DELETE FROM accounts WHERE ctid >= '(0,0)'::tid AND ctid < '(100,0)'::tid "
     "AND email = 'x'", False),
    # IS NULL of a NOT NULL column is false from PostgreSQL 17 (a one-time filter, no read;
    # checked on 18.6): the backfill written for rows an ADD COLUMN ... NOT NULL DEFAULT left
    ("UPDATE accounts SET seen = now() WHERE seen IS NULL", False),
    ("UPDATE accounts SET plan = 'free' WHERE plan = 'legacy' AND seen IS NULL", False),
    ("UPDATE accounts SET plan = 'free' WHERE plan IS NULL", True),
    ("DELETE FROM accounts WHERE email = 'a@example.com' OR seen IS NULL", True),
    # an EXISTS may drive the read (a semi join from the subquery's rows); NOT EXISTS and NOT
    # IN (subquery) are an anti join or a filter: every row is read to find those without a
    # match, whatever index its column has (rallly's orphan clean-up)
    ("DELETE FROM accounts a WHERE EXISTS (SELECT 1 FROM orgs o WHERE o.id = a.id "
     "AND o.plan = 'x')", False),
    ("DELETE FROM accounts a WHERE NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = a.id)", True),
    ("DELETE FROM accounts a WHERE a.plan = 'x' AND NOT EXISTS (SELECT 1 FROM orgs o "
     "WHERE o.id = a.id)", True),
    ("DELETE FROM accounts WHERE id NOT IN (SELECT id FROM orgs)", True),
    ("DELETE FROM accounts a WHERE a.id = 7 AND NOT EXISTS (SELECT 1 FROM orgs o "
     "WHERE o.id = a.org_id)", False),
    # IN (subquery) is a semi join as EXISTS is; `<> ALL` is NOT IN written otherwise (a
    # filter, never a join); an indexed equality ANDed beside a NOT IN still bounds the read,
    # one ORed beside it does not
    ("DELETE FROM accounts WHERE id IN (SELECT id FROM orgs WHERE plan = 'x')", False),
    ("DELETE FROM accounts WHERE id <> ALL (SELECT id FROM orgs)", True),
    ("DELETE FROM accounts WHERE id = 7 AND org_id NOT IN (SELECT id FROM orgs)", False),
    ("UPDATE accounts a SET plan = 'y' WHERE a.id = 7 OR NOT EXISTS (SELECT 1 FROM orgs o "
     "WHERE o.id = a.id)", True),
])
def test_where_no_index_serves_reads_the_table_as_the_server_plans_it(
        pg_db: str, sql: str, scans: bool) -> None:
    # On a table of many rows: the planner reads it whole only when no index (or row
    # address range) serves the WHERE; pg_stat_user_tables.seq_scan counts that read.
    (action, *_) = effect_after(SCANNED, sql + ";").actions
    assert action.facts["where_scans_table"] is scans
    plan = _planned(pg_db, SCANNED, sql,
                    "INSERT INTO accounts SELECT g, g % 100, 'x', 'e' || g, g % 1000, g "
                    "FROM generate_series(1, 100000) g",
                    "INSERT INTO orgs SELECT g, 'p' FROM generate_series(1, 100) g",
                    "ANALYZE orgs")
    assert ("Seq Scan on accounts" in plan) is scans, plan


def _planned(uri: str, setup: str, sql: str, *then: str) -> str:
    """The server's plan (EXPLAIN) of `sql` after `setup` and the statements `then` (which
    fill the tables), `accounts` analyzed."""
    with _connect(uri) as conn:
        conn.execute(setup)
        for statement in then:
            conn.execute(statement)
        conn.execute("ANALYZE accounts")
        return "\n".join(row[0] for row in conn.execute(f"EXPLAIN {sql}"))


def _plan_without_seq_scans(uri: str, sql: str) -> str:
    """The server's plan (EXPLAIN) of `sql` on database `uri`, sequential scans disabled: a
    Seq Scan in it means no index path serves its WHERE."""
    with _connect(uri) as conn:
        conn.execute("SET enable_seqscan = off")
        return "\n".join(row[0] for row in conn.execute(f"EXPLAIN {sql}"))


NEGATED = ("CREATE TABLE accounts (id bigint PRIMARY KEY, plan text, email text, a int, "
           "flag boolean, seen timestamptz NOT NULL DEFAULT now());\n"
           "CREATE INDEX accounts_a_idx ON accounts (a);\n"
           "CREATE INDEX accounts_email_idx ON accounts (email);\n"
           "CREATE INDEX accounts_flag_idx ON accounts (flag);\n"
           "CREATE INDEX accounts_seen_idx ON accounts (seen);")


@pytest.mark.parametrize(("where", "scans"), [
    # a B-tree finds equal values and ranges, not the values that differ from one
    ("id <> 5", True),
    ("NOT (id = 5)", True),
    ("id NOT IN (1, 2)", True),
    ("id != ALL (ARRAY[1, 2])", True),
    ("NOT (id = ANY (ARRAY[1, 2]))", True),
    ("id IS DISTINCT FROM 5", True),
    ("id IS NOT DISTINCT FROM 5", True),
    ("email NOT LIKE 'e1%'", True),
    ("ctid <> '(0,1)'", True),
    ("flag IS NOT TRUE", True),
    ("NOT (flag IS TRUE)", True),
    ("id <> 5 OR a = 1", True),
    ("NOT (id = 5 AND a = 1)", True),
    ("NOT (a = 1 OR id = 5)", True),
    # IS NOT NULL of a NOT NULL column is true (17+): dropped, every row read (the WHERE,
    # true of every row, limits nothing: no WHERE to serve, as `seen IS NOT NULL` alone)
    ("a = 1 OR NOT (seen IS NULL)", True),
    ("NOT (seen IS NULL)", True),
    # the planner moves a NOT inward, to the operator's negator: served as it is
    ("NOT (id > 5)", False),
    ("NOT (id BETWEEN 1 AND 10)", False),
    ("NOT (id <> 5)", False),
    ("NOT (id NOT IN (1, 2))", False),
    ("NOT flag", False),
    ("flag <> true", False),
    ("flag IS FALSE", False),
    ("NOT (a IS NULL)", False),
    ("NOT (id > 5 AND flag)", False),
    ("NOT (flag OR id <> 5)", False),
    ("a = 1 AND id <> 5", False),
])
def test_a_negated_condition_reads_the_table_as_the_server_plans_it(
        pg_db: str, where: str, scans: bool) -> None:
    # With sequential scans disabled the planner still reads the table whole only when no
    # index path exists for the WHERE: what lockwise says, data aside.
    sql = f"UPDATE accounts SET plan = 'y' WHERE {where}"
    (action, *_) = effect_after(NEGATED, sql + ";").actions
    assert (action.facts["where_scans_table"] or not action.facts["has_where"]) is scans
    plan = _planned(pg_db, NEGATED, sql,
                    "INSERT INTO accounts SELECT g, 'x', 'e' || g, g % 1000, g % 1000 <> 0 "
                    "FROM generate_series(1, 100000) g", "SET enable_seqscan = off")
    assert ("Seq Scan on accounts" in plan) is scans, plan


EXPRESSIONS = ("CREATE TABLE accounts (id bigint PRIMARY KEY, name text, actor_id text, "
               "email text);\n"
               "CREATE UNIQUE INDEX accounts_lower_idx ON accounts "
               "(lower(name), lower(actor_id));\n"
               "CREATE INDEX accounts_email_idx ON accounts (lower(email));")


@pytest.mark.parametrize(("sql", "scans"), [
    # an index of an expression serves a condition on that expression, not on the column
    # it reads (lemmy's `user_` de-duplication, its index on lower(actor_id))
    ("UPDATE accounts SET name = 'y' WHERE actor_id = 'a5'", True),
    ("UPDATE accounts SET name = 'y' WHERE email = 'e5'", True),
    ("UPDATE accounts SET name = 'y' WHERE upper(email) = 'E5'", True),
    ("DELETE FROM accounts a USING (SELECT min(id) AS id, actor_id FROM accounts "
     "GROUP BY actor_id HAVING count(*) > 1) b WHERE a.actor_id = b.actor_id "
     "AND a.id <> b.id", True),
    ("UPDATE accounts SET name = 'y' WHERE lower(email) = 'e5'", False),
    ("UPDATE accounts u SET name = 'y' WHERE lower(u.email) = 'e5'", False),
    ("UPDATE accounts SET name = 'y' WHERE lower(actor_id) = 'a5'", False),
    ("UPDATE accounts SET name = 'y' WHERE lower(name) = 'n5' AND actor_id = 'a5'", False),
])
def test_an_expression_index_serves_only_its_expression_as_the_server_plans_it(
        pg_db: str, sql: str, scans: bool) -> None:
    # With sequential scans disabled the planner reads the table whole only when no index
    # path exists (PostgreSQL 18 skips to the later expression of the multicolumn index).
    (action, *_) = effect_after(EXPRESSIONS, sql + ";").actions
    assert action.facts["where_scans_table"] is scans
    plan = _planned(pg_db, EXPRESSIONS, sql,
                    "INSERT INTO accounts SELECT g, 'n' || g, 'a' || (g % 50000), 'e' || g "
                    "FROM generate_series(1, 100000) g", "SET enable_seqscan = off")
    read = "Seq Scan on accounts" + (" a" if " a USING" in sql else "")
    assert (read in plan) is scans, plan


KEYED = ("CREATE EXTENSION IF NOT EXISTS citext;\n"
         "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
         "CREATE TABLE accounts (id bigint PRIMARY KEY, email text, vc varchar(50), "
         "handle varchar(50), nick text, alias text, n int, code char(5), "
         "cc text COLLATE \"C\", p text, h text, seen timestamptz, s smallint, nu numeric, "
         "ts timestamp, d date, f float8, body text, doc text, lp text, lv varchar(50), "
         "ln text, m int, w varchar(50), tc char(10), ct citext, ct2 citext, nc text, "
         "nl text, ni int, nn int);\n"
         "CREATE FUNCTION norm(text) RETURNS text IMMUTABLE LANGUAGE sql AS 'SELECT $1';\n"
         "CREATE FUNCTION inlined() RETURNS int VOLATILE LANGUAGE sql AS 'SELECT 5';\n"
         "CREATE FUNCTION plv() RETURNS int LANGUAGE plpgsql AS 'BEGIN RETURN 5; END';\n"
         "CREATE FUNCTION pls() RETURNS int STABLE LANGUAGE plpgsql AS 'BEGIN RETURN 5; END';\n"
         "CREATE FUNCTION public.sqlv() RETURNS int LANGUAGE sql VOLATILE "
         "BEGIN ATOMIC SELECT 5; END;\n"
         "CREATE SEQUENCE accounts_seq;\n"
         "CREATE INDEX accounts_email_idx ON accounts (email);\n"
         "CREATE INDEX accounts_vc_idx ON accounts (vc);\n"
         "CREATE INDEX accounts_handle_idx ON accounts (pg_catalog.lower(handle));\n"
         "CREATE INDEX accounts_nick_idx ON accounts (lower(nick));\n"
         "CREATE INDEX accounts_alias_idx ON accounts (norm(alias));\n"
         "CREATE INDEX accounts_seen_idx ON accounts "
         "(date_trunc('day', seen AT TIME ZONE 'UTC'));\n"
         "CREATE INDEX accounts_n_idx ON accounts (n);\n"
         "CREATE INDEX accounts_code_idx ON accounts (code);\n"
         "CREATE INDEX accounts_cc_idx ON accounts (cc);\n"
         "CREATE INDEX accounts_p_idx ON accounts (p text_pattern_ops);\n"
         "CREATE INDEX accounts_h_idx ON accounts USING hash (h);\n"
         "CREATE INDEX accounts_s_idx ON accounts (s);\n"
         "CREATE INDEX accounts_nu_idx ON accounts (nu);\n"
         "CREATE INDEX accounts_ts_idx ON accounts (ts);\n"
         "CREATE INDEX accounts_d_idx ON accounts (d);\n"
         "CREATE INDEX accounts_f_idx ON accounts (f);\n"
         "CREATE INDEX accounts_body_idx ON accounts USING gin (to_tsvector('english', body));\n"
         "CREATE INDEX accounts_doc_idx ON accounts USING gin "
         "(to_tsvector('english'::regconfig, doc));\n"
         "CREATE INDEX accounts_lp_idx ON accounts (lower(lp) text_pattern_ops);\n"
         "CREATE INDEX accounts_lv_idx ON accounts (lower(lv) varchar_pattern_ops);\n"
         "CREATE INDEX accounts_ln_idx ON accounts (length(ln));\n"
         "CREATE INDEX accounts_m_idx ON accounts (abs(m));\n"
         "CREATE INDEX accounts_w_idx ON accounts ((w::varchar(10)));\n"
         "CREATE INDEX accounts_cc_lower_idx ON accounts (lower(cc));\n"
         "CREATE INDEX accounts_tc_idx ON accounts USING gin ((tc::text) gin_trgm_ops);\n"
         "CREATE INDEX accounts_ct_idx ON accounts (ct text_pattern_ops);\n"
         "CREATE INDEX accounts_ct2_idx ON accounts ((ct2::text));\n"
         "CREATE INDEX accounts_nc_idx ON accounts ((lower(nc) COLLATE \"C\"));\n"
         "CREATE INDEX accounts_nl_idx ON accounts ((nl COLLATE \"C\"));\n"
         "CREATE INDEX accounts_ni_idx ON accounts ((abs(ni)::numeric));\n"
         "CREATE INDEX accounts_nn_idx ON accounts ((nn::numeric));")


@pytest.mark.parametrize(("where", "scans"), [
    # a plain index serves a condition on the bare column, not on an expression of it
    ("lower(email) = 'e5'", True),
    ("email || 'x' = 'e5x'", True),
    ("n + 1 = 6", True),
    ("abs(n) = 5", True),
    ("(n = 5) IS TRUE", True),
    ("lower(email) IN (SELECT 'e5')", True),
    ("email = lower('E5')", False),
    ("lower('E5') = email", False),
    ("n = abs(-5)", False),
    ("email IN (SELECT 'e5')", False),
    # the other side reads the table: no value to look up
    ("n = id", True),
    # a cast the planner strips keeps the index; one that converts the value does not
    ("n::int4 = 5", False),
    ("n::bigint = 5", True),
    ("n::text = '5'", True),
    ("email::varchar = 'e5'", False),
    ("email::varchar(10) = 'e5'", True),
    ("vc::text = 'v5'", False),
    ("vc::varchar(50) = 'v5'", False),
    ("code::bpchar = 'c5'", False),
    ("code::text = 'c5'", True),
    # an expression index serves the same function, however its name was written
    ("lower(handle) = 'h5'", False),
    ("lower(handle::text) = 'h5'", False),
    ("upper(handle) = 'h5'", True),
    ("pg_catalog.lower(nick) = 'k5'", False),
    ("public.norm(alias) = 'a5'", False),
    ("date_trunc('day', timezone('UTC', seen)) = '2020-01-01'", False),
    ("date_trunc('day', seen) = '2020-01-01'", True),
    # the prefix of a pattern: only an index in byte order (COLLATE "C") or of the pattern
    # operator class serves it (the embedded database's default collation, C.UTF-8, is not)
    ("email LIKE 'e5%'", True),
    ("email LIKE 'e5'", False),
    ("email ~ '^e5'", True),
    ("cc LIKE 'c5%'", False),
    ("cc LIKE '%c5'", True),
    ("cc LIKE '_c5'", True),
    ("cc LIKE vc", True),
    ("cc ~ '^c5'", False),
    ("cc ~ 'c5'", True),
    ("cc ILIKE 'c5%'", True),
    ("cc ILIKE '5%'", False),
    ("cc SIMILAR TO 'c5%'", False),
    ("p LIKE 'p5%'", False),
    ("p = 'p5'", False),
    ("p > 'p5'", True),
    ("p BETWEEN 'p5' AND 'p6'", True),
    # a comparison under another collation than the index's
    ("email COLLATE \"C\" = 'e5'", True),
    ("cc = 'c5' COLLATE \"POSIX\"", True),
    # a hash index finds equal values alone
    ("h = 'h5'", False),
    ("h IN ('h5', 'h6')", False),
    ("h > 'h5'", True),
    ("h IS NULL", True),
    # a value of a wider type converts the column (no operator of its index takes the two):
    # numeric and float against an integer, float against numeric
    ("n = 5.5", True),
    ("n = 5.0", True),
    ("n < 5.5", True),
    ("5.5 = n", True),
    ("id = 5.5", True),
    ("s = 5.0", True),
    ("n = 5::numeric", True),
    ("n = 5::float8", True),
    ("nu = 5::float8", True),
    ("n IN (1, 2.5)", True),
    ("n = ANY (ARRAY[1.5, 2])", True),
    ("n = ANY ('{1.5,2}'::numeric[])", True),
    # ... not the value converted to the column's type, nor an integer of another width, nor
    # a date or time of another kind (each an operator of the index's family)
    ("n = '5'", False),
    ("n = 5::bigint", False),
    ("s = 5", False),
    ("id = 5", False),
    ("id = 12345678901", False),
    ("nu = 5", False),
    ("nu = 5.5", False),
    ("f = 5.5", False),
    ("n IN (1, 2)", False),
    ("n BETWEEN 1 AND 2.5", False),
    ("email = 'e5'::varchar", False),
    ("vc = 'v5'::text", False),
    ("code = 'c5'::varchar", False),
    ("code = 'c5'::text", True),
    ("email = 'e5'::name", True),
    ("vc = 'v5'::bpchar", True),
    ("code = 'c5'::name", True),
    ("email = 'e5'::bpchar", False),
    ("vc = 'v5'::name", True),
    ("cc = 'c5'::name", False),
    ("code = 'c5'::bpchar", False),
    ("n = 5::oid", True),
    ("ts = now()", False),
    ("ts < '2020-01-01'::timestamptz", False),
    ("d = '2020-01-01'::timestamptz", False),
    ("d = now()", False),
    ("d < localtimestamp", False),
    # a volatile function gives no value to look up (a stable one, now(), does), unless a
    # subquery computes it first
    ("email = random()::text", True),
    ("id = nextval('accounts_seq')", True),
    ("ts < clock_timestamp()", True),
    ("email = md5(random()::text)", True),
    ("n = inlined()", False),
    ("n = plv()", True),
    ("plv() = n", True),
    ("n = public.plv()", True),
    ("n = pls()", False),
    ("n = sqlv()", False),
    ("n = (SELECT plv())", False),
    ("ts < now()", False),
    ("ts < statement_timestamp()", False),
    ("id = (SELECT nextval('accounts_seq'))", False),
    # = ALL, <> ANY, < ALL: no B-tree lookup; < ANY and a NOT that makes an = ANY are one
    ("n = ALL (ARRAY[1, 2])", True),
    ("n = ALL (ARRAY[1])", True),
    ("n <> ANY (ARRAY[1, 2])", True),
    ("n < ALL (ARRAY[1, 2])", True),
    ("n = ALL (SELECT 1)", True),
    ("n < ANY (ARRAY[1, 2])", False),
    ("NOT (n <> ALL (ARRAY[1, 2]))", False),
    ("NOT (n <> 5)", False),
    # an expression index's constant, its cast written or not
    ("to_tsvector('english'::regconfig, body) @@ to_tsquery('x')", False),
    ("to_tsvector('english', body) @@ to_tsquery('x')", False),
    ("to_tsvector('english', doc) @@ to_tsquery('x')", False),
    ("to_tsvector(doc) @@ to_tsquery('x')", True),
    # an expression index of the pattern class serves the prefix of a pattern on the
    # expression (lower() returns text: varchar_pattern_ops takes text too), and equality,
    # not a range; a plain one serves neither pattern
    ("lower(lp) LIKE 'l5%'", False),
    ("lower(lp) ~ '^l5'", False),
    ("lower(lp) = 'l5'", False),
    ("lower(lp) > 'l5'", True),
    ("lower(lp) LIKE '%l5'", True),
    ("upper(lp) LIKE 'L5%'", True),
    ("lower(lv) LIKE 'l5%'", False),
    ("lower(lv::text) LIKE 'l5%'", False),
    ("lower(nick) LIKE 'k5%'", True),
    # an expression's type as the function returns it (lower: text, length: int4, abs of
    # int4: int4): a cast that keeps it is stripped, one that changes it (a length coercion,
    # bpchar) is another expression; a value of a type that converts it is no key
    ("lower(lp)::text LIKE 'l5%'", False),
    ("lower(nick)::text = 'k5'", False),
    ("lower(nick)::varchar = 'k5'", False),
    ("lower(nick)::varchar(3) = 'k5'", True),
    ("lower(nick)::bpchar = 'k5'", True),
    ("lower(nick) = 'k5'::varchar", False),
    ("lower(nick) = 'k5'::bpchar", False),
    ("lower(nick) = 'k5'::name", True),
    ("length(ln) = 5", False),
    ("length(ln) = '5'", False),
    ("length(ln) = 5::bigint", False),
    ("length(ln) = 5.5", True),
    ("length(ln) IN (1, 2.5)", True),
    ("length(ln)::int4 = 5", False),
    ("length(ln)::bigint = 5", True),
    ("abs(m) = 5", False),
    ("abs(m) < 5::bigint", False),
    ("abs(m) = 5.0", True),
    ("w::varchar(10) = 'w5'", False),
    ("w::varchar(10) = 'w5'::text", False),
    ("w::varchar(10) = 'w5'::bpchar", True),
    ("date_trunc('day', seen AT TIME ZONE 'UTC') = '2020-01-01'::date", False),
    # an expression of a column COLLATE "C" is in "C" (byte order): its plain index serves
    # a prefix and ranges, not a comparison under another collation
    ("lower(cc) LIKE 'c5%'", False),
    ("lower(cc) ~ '^c5'", False),
    ("lower(cc) > 'c5'", False),
    ("lower(cc)::text LIKE 'c5%'", False),
    ("lower(cc) = 'c5' COLLATE \"POSIX\"", True),
    ("upper(cc) LIKE 'C5%'", True),
    # pg_trgm's % of a char(n): the server casts it to text, which a trigram index holds
    ("tc % 'c5'", False),
    ("tc::text % 'c5'", False),
    ("tc LIKE '%5%'", True),
    ("tc = 'c5'", True),
    # a citext cast to text: an index of it of text_pattern_ops holds that, not citext's own
    # comparison (its IS NULL it serves); an index of (ct2::text) serves =, not a prefix
    # outside byte order
    ("ct::text LIKE 'Ab5%'", False),
    ("ct::text ~ '^Ab5'", False),
    ("ct::text = 'Ab5'", False),
    ("ct = 'Ab5'", True),
    ("ct < 'Ab5'", True),
    ("ct IS NULL", False),
    ("ct LIKE 'Ab5%'", True),
    ("ct2::text = 'Ab5'", False),
    ("ct2::text LIKE 'Ab5%'", True),
    ("ct2 = 'Ab5'", True),
    # a name value compares under "C": an index of the key in "C" serves it
    ("lower(nc) = 'n5'::name", False),
    ("lower(nc) = 'n5'", True),
    ("nl = 'n5'::name", False),
    ("nl = 'n5'", True),
    ("nl IN ('n5'::name, 'n6'::name)", False),
    ("nl = ANY (ARRAY['n5'::name, 'n6'::name])", False),
    ("email IN ('e5'::name, 'e6'::name)", True),
    ("email = ANY (ARRAY['e5'::name])", True),
    # a value that converts the key: an index of the key so converted serves it
    ("abs(ni) = 5.5", False),
    ("abs(ni) IN (1, 2.5)", False),
    ("abs(ni) = 5", True),
    ("nn = 5.5", False),
    ("nn = 5", True),
])
def test_an_index_serves_its_key_as_the_server_plans_it(keyed_db: str, where: str,
                                                        scans: bool) -> None:
    # With sequential scans disabled the planner reads the table whole only when no index
    # path exists for the WHERE.
    sql = f"UPDATE accounts SET p = 'y' WHERE {where}"
    (action, *_) = effect_after(KEYED, sql + ";").actions
    assert action.facts["where_scans_table"] is scans
    plan = _plan_without_seq_scans(keyed_db, sql)
    assert ("Seq Scan on accounts" in plan) is scans, plan


@pytest.fixture(scope="module")
def keyed_db(pg_server: str) -> str:
    """A database of KEYED's table, 100,000 rows analyzed: filled once for every case (only
    planned, never run)."""
    from lockwise.db.scratch import create_database

    uri = create_database(pg_server, "keyed")
    _planned(uri, KEYED, "SELECT 1",
             "INSERT INTO accounts SELECT g, 'e' || g, 'v' || g, 'h' || g, 'k' || g, "
             "'a' || g, g, 'c' || (g % 1000), 'c' || g, 'p' || g, 'h' || g, "
             "now() - g * interval '1 minute', g % 30000, g, "
             "localtimestamp - g * interval '1 minute', current_date - g % 3000, g, "
             "'w' || g, 'w' || g, 'l' || g, 'l' || g, 'l' || g, g, 'w' || g, 'c' || g, "
             "'Ab' || g, 'Ab' || g, 'n' || g, 'n' || g, g, g "
             "FROM generate_series(1, 100000) g")
    return uri


DOCS = ("CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
        "CREATE TABLE docs (id bigint PRIMARY KEY, body text, tags text[], meta jsonb, "
        "tsv tsvector, span int4range, name text);\n"
        "CREATE INDEX docs_name_idx ON docs (name);")


@pytest.mark.parametrize(("where", "advised"), [
    ("to_tsvector('english', body) @@ to_tsquery('x')",
     "USING gin ((to_tsvector('english', body)))"),
    ("tags @> ARRAY['t5']", "USING gin (tags)"),
    ("tags && ARRAY['t5'] AND name <> 'x'", "USING gin (tags)"),
    ("meta @> '{\"k\": 5}'", "USING gin (meta)"),
    ("meta ? 'k'", "USING gin (meta)"),
    ("tsv @@ to_tsquery('x')", "USING gin (tsv)"),
    ("span && int4range(1, 2)", "USING gist (span)"),
    ("name % 'n5'", "USING gin (name gin_trgm_ops)"),
    ("name LIKE '%n5%'", "USING gin (name gin_trgm_ops)"),
    ("name LIKE '_5%'", "USING gin (name gin_trgm_ops)"),
    ("name ILIKE '%N5%'", "USING gin (name gin_trgm_ops)"),
    ("name ILIKE 'n5%'", "USING gin (name gin_trgm_ops)"),
    ("name ~ '5'", "USING gin (name gin_trgm_ops)"),
    ("name SIMILAR TO '%55%'", "USING gin (name gin_trgm_ops)"),
    ("lower(name) LIKE '%n5%'", "USING gin ((lower(name)) gin_trgm_ops)"),
    ("name LIKE 'n5%'", "(name text_pattern_ops)"),
    ("name ~ '^n5'", "(name text_pattern_ops)"),
    ("name SIMILAR TO 'n5%'", "(name text_pattern_ops)"),
    ("lower(name) LIKE 'n5%'", "((lower(name)) text_pattern_ops)"),
    ("lower(name) ~ '^n5'", "((lower(name)) text_pattern_ops)"),
    ("body = 'b5'", "(body)"),
])
def test_the_index_advised_for_an_operator_no_btree_serves_serves_it(
        pg_db: str, where: str, advised: str) -> None:
    """For a WHERE by an operator only GIN or GiST serve, the index advised (where the
    statement cannot be batched) is of that method and operator class: built on the server,
    it serves the WHERE with sequential scans disabled, as no B-tree of the column did."""
    _assert_the_index_advised_serves(
        pg_db, DOCS, "INSERT INTO docs SELECT g, 'b' || g, ARRAY['t' || g], "
        "jsonb_build_object('k', g), to_tsvector('b' || g), int4range(g, g + 1), "
        "'n' || g FROM generate_series(1, 100000) g",
        f"WITH w AS (SELECT 1) UPDATE docs SET name = 'y' WHERE {where}", advised)


def _assert_the_index_advised_serves(db: str, setup: str, fill: str, sql: str,
                                     advised: str) -> None:
    """The index advised for unbatchable `sql` (of docs, made by `setup`) is `advised`
    (CREATE INDEX's text after the table's name), and serves it (`_assert_the_advice_serves`)."""
    action = _unserved(effect_after(setup, sql + ";"))
    index = str(action.facts["where_batch_sql"])
    assert index == f"CREATE INDEX CONCURRENTLY ON public.docs {advised};{OWN_MIGRATION}"
    _assert_the_advice_serves(db, setup, fill, sql, index)


CONVERTED = ("CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
             "CREATE TABLE docs (id bigint PRIMARY KEY, code char(10), name text, n int);\n"
             "CREATE INDEX docs_code_idx ON docs (code);\n"
             "CREATE INDEX docs_name_idx ON docs (name);\n"
             "CREATE INDEX docs_lower_idx ON docs (lower(name));\n"
             "CREATE INDEX docs_length_idx ON docs (length(name));\n"
             "CREATE INDEX docs_n_idx ON docs (n);")


@pytest.mark.parametrize(("where", "advised"), [
    ("code % 'c5'", "USING gin ((code::text) gin_trgm_ops)"),
    ("lower(name) = 'n5'::name", "((lower(name)) COLLATE \"C\")"),
    ("name = 'n5'::name", "(name COLLATE \"C\")"),
    ("name IN ('n5'::name, 'n6'::name)", "(name COLLATE \"C\")"),
    ("length(name) = 5.5", "((length(name)::numeric))"),
    ("length(name) IN (1, 2.5)", "((length(name)::numeric))"),
    ("n = 5.5", "((n::numeric))"),
    ("code = 'c5'::text", "((code::text))"),
])
def test_the_index_advised_for_a_key_the_comparison_converts_serves_it(
        pg_db: str, where: str, advised: str) -> None:
    """Where the comparison converts the key (to text for pg_trgm's `%` of a char(n), to
    the value's type) or compares under the value's collation (a name's, "C"), the index
    of the key as written serves nothing: the one advised holds the key as the server
    compares it, and serves the WHERE as written (planned with sequential scans disabled)."""
    _assert_the_index_advised_serves(
        pg_db, CONVERTED, "INSERT INTO docs SELECT g, 'c' || g, 'n' || g, g "
        "FROM generate_series(1, 100000) g",
        f"WITH w AS (SELECT 1) UPDATE docs SET id = id WHERE {where}", advised)


def _unserved(effect: Effect) -> Action:
    """The first action of `effect` whose WHERE reads its whole table."""
    return next(a for a in effect.actions if a.facts.get("where_scans_table"))


def _assert_the_advice_serves(db: str, setup: str, fill: str, sql: str, index: str) -> None:
    """On database `db`, made by `setup` and filled by `fill` (analyzed), `sql` is a Seq
    Scan of docs with sequential scans disabled, and is not once the statements of `index`
    (one a line) have run."""
    with _connect(db) as conn:
        conn.execute(setup)
        conn.execute(fill)
        conn.execute("ANALYZE docs")
        conn.execute("SET enable_seqscan = off")

        def plan() -> str:
            return "\n".join(row[0] for row in conn.execute(f"EXPLAIN {sql}"))

        assert "Seq Scan on docs" in plan()
        for statement in index.split("\n"):
            conn.execute(statement)
        assert "Seq Scan on docs" not in plan(), plan()


def test_a_trigram_index_advised_for_a_leading_wildcard_creates_its_extension(
        pg_db: str) -> None:
    """`LIKE '%x%'` of a varchar column no extension serves in the migrations: the advice
    creates pg_trgm, then a trigram index of the column (varchar is text to the operator
    class), which serves the WHERE where a B-tree did not."""
    setup = "CREATE TABLE docs (id bigint PRIMARY KEY, title varchar(80));\n" \
            "CREATE INDEX docs_title_idx ON docs (title);"
    sql = "WITH w AS (SELECT 1) UPDATE docs SET title = 'y' WHERE title LIKE '%t5%'"
    action = _unserved(effect_after(setup, sql + ";"))
    index = str(action.facts["where_batch_sql"])
    assert index == ("CREATE EXTENSION IF NOT EXISTS pg_trgm;  -- in the migration before "
                     "(its operator class is pg_trgm's)\nCREATE INDEX CONCURRENTLY ON "
                     f"public.docs USING gin (title gin_trgm_ops);{OWN_MIGRATION}")
    assert "needs an index USING gin" in action.facts["where_unserved_text"]
    _assert_the_advice_serves(
        pg_db, setup, "INSERT INTO docs SELECT g, 't' || g FROM generate_series(1, 100000) g",
        sql, index)


@pytest.mark.parametrize(("type_name", "opclass"), [
    ("text", "text_pattern_ops"),
    ("varchar(80)", "varchar_pattern_ops"),
    ("char(10)", "bpchar_pattern_ops"),
])
@pytest.mark.parametrize("where", ["name LIKE 'n5%'", "name ~ '^n5'"])
def test_the_index_advised_for_a_pattern_prefix_is_of_the_pattern_class(
        pg_db: str, type_name: str, opclass: str, where: str) -> None:
    """A pattern's prefix under the default collation, which a B-tree of the column does not
    serve: the advice is a B-tree of the pattern operator class of the column's type (char(n)
    refuses the text one), which serves it with sequential scans disabled."""
    setup = f"CREATE TABLE docs (id bigint PRIMARY KEY, name {type_name});\n" \
            "CREATE INDEX docs_name_idx ON docs (name);"
    sql = f"WITH w AS (SELECT 1) UPDATE docs SET id = id WHERE {where}"
    action = _unserved(effect_after(setup, sql + ";"))
    index = str(action.facts["where_batch_sql"])
    assert index == \
        f"CREATE INDEX CONCURRENTLY ON public.docs (name {opclass});{OWN_MIGRATION}"
    _assert_the_advice_serves(
        pg_db, setup, "INSERT INTO docs SELECT g, 'n' || g FROM generate_series(1, 100000) g",
        sql, index)


@pytest.mark.parametrize(("type_name", "key", "advised"), [
    ("text", "lower(name)", "((lower(name)) text_pattern_ops)"),
    ("varchar(80)", "lower(name)", "((lower(name)) text_pattern_ops)"),
    ("char(10)", "upper(name)", "((upper(name)) text_pattern_ops)"),
    ("text", "md5(name)", "((md5(name)) text_pattern_ops)"),
    ("text", "name::varchar(20)", "((name::varchar(20)) varchar_pattern_ops)"),
    ("text", "name::char(20)", "((name::char(20)) bpchar_pattern_ops)"),
    # an expression of a column COLLATE "C" is in byte order: a plain B-tree serves it
    ("text COLLATE \"C\"", "lower(name)", "((lower(name)))"),
])
def test_the_index_advised_for_an_expression_s_pattern_prefix_is_of_its_type_s_pattern_class(
        pg_db: str, type_name: str, key: str, advised: str) -> None:
    """The prefix of a pattern on an expression, which a plain index of the expression does
    not serve under the default collation: the advice is a B-tree of the expression of the
    pattern class of the type it has (a built-in function's return type: lower, upper and
    md5 return text whatever string they take; a cast's), which serves it with sequential
    scans disabled; of an expression in byte order, a plain one."""
    setup = f"CREATE TABLE docs (id bigint PRIMARY KEY, name {type_name});"
    sql = f"WITH w AS (SELECT 1) UPDATE docs SET id = id WHERE {key} LIKE 'n5%'"
    action = _unserved(effect_after(setup, sql + ";"))
    index = str(action.facts["where_batch_sql"])
    assert index == f"CREATE INDEX CONCURRENTLY ON public.docs {advised};{OWN_MIGRATION}"
    _assert_the_advice_serves(
        pg_db, setup, "INSERT INTO docs SELECT g, 'n' || g FROM generate_series(1, 100000) g",
        sql, index)


CITEXT = ("CREATE EXTENSION IF NOT EXISTS citext;\n"
          "CREATE EXTENSION IF NOT EXISTS pg_trgm;\n"
          "CREATE TABLE accounts (id bigint PRIMARY KEY, name citext);\n"
          "CREATE INDEX accounts_name_idx ON accounts (name);\n"
          "CREATE INDEX accounts_name_pattern_idx ON accounts (name citext_pattern_ops);\n"
          "CREATE INDEX accounts_name_text_idx ON accounts (name text_pattern_ops);\n"
          "CREATE INDEX accounts_name_trgm_idx ON accounts USING gin (name gin_trgm_ops);\n"
          "CREATE INDEX accounts_name_cast_idx ON accounts USING gin "
          "((name::text) gin_trgm_ops);")


@pytest.mark.parametrize(("where", "scans"), [
    ("name = 'ab5'", False),
    ("name IN ('ab5', 'ab6')", False),
    ("name LIKE 'ab5%'", True),
    ("name LIKE 'Ab5'", True),
    ("name ~ '^ab5'", True),
    ("name ILIKE 'ab5%'", True),
    ("name LIKE '%b5%'", True),
    ("name SIMILAR TO 'ab5%'", True),
])
def test_a_citext_pattern_match_is_served_by_no_index_as_the_server_plans_it(
        citext_db: str, where: str, scans: bool) -> None:
    """citext matches a pattern by operators of its own, case-insensitive: no index of the
    column serves one (a B-tree of its default class, of citext_pattern_ops or
    text_pattern_ops, a trigram GIN of it or of name::text), its equality a B-tree does;
    where an unbatchable statement's advice would index it, none is advised."""
    sql = f"WITH w AS (SELECT 1) UPDATE accounts SET id = id WHERE {where}"
    action = next(a for a in effect_after(CITEXT, sql + ";").actions
                  if "where_scans_table" in a.facts)
    assert action.facts["where_scans_table"] is scans
    if scans:
        assert action.facts["where_unserved_text"].startswith("serves the ")
        assert "citext matches a pattern case-insensitively" in \
            action.facts["where_unserved_text"]
        assert str(action.facts["where_batch_sql"]) == \
            "-- (no index to create for the WHERE as written)"
    plan = _plan_without_seq_scans(citext_db, sql)
    assert ("Seq Scan on accounts" in plan) is scans, plan


@pytest.fixture(scope="module")
def citext_db(pg_server: str) -> str:
    """A database of CITEXT's table, 100,000 rows analyzed (only planned, never run)."""
    from lockwise.db.scratch import create_database

    uri = create_database(pg_server, "citext")
    _planned(uri, CITEXT, "SELECT 1", "INSERT INTO accounts SELECT g, 'Ab' || g "
             "FROM generate_series(1, 100000) g")
    return uri


@pytest.mark.parametrize("where", ["code LIKE '%5%'", "code ILIKE '%C5%'", "code ~ '5'"])
def test_a_char_n_match_without_a_prefix_is_advised_a_trigram_index_of_its_text(
        pg_db: str, where: str) -> None:
    """pg_trgm's operator classes refuse char(n), and its own pattern operators take the
    value with its padding, which no index holds: the advice is a trigram index of
    `code::text`, which serves the WHERE comparing `code::text` (said so), not the WHERE as
    written (both planned on the server)."""
    setup = "CREATE TABLE docs (id bigint PRIMARY KEY, code char(10));\n" \
            "CREATE INDEX docs_code_idx ON docs (code);"
    sql = f"WITH w AS (SELECT 1) UPDATE docs SET id = id WHERE {where}"
    action = _unserved(effect_after(setup, sql + ";"))
    assert "no trigram operator class takes char(n)" in action.facts["where_unserved_text"]
    assert "the WHERE compares (code::text) " in str(action.facts["where_batch_how_text"])
    index = str(action.facts["where_batch_sql"])
    assert index == ("CREATE EXTENSION IF NOT EXISTS pg_trgm;  -- in the migration before "
                     "(its operator class is pg_trgm's)\nCREATE INDEX CONCURRENTLY ON "
                     f"public.docs USING gin ((code::text) gin_trgm_ops);{OWN_MIGRATION}")
    fill = "INSERT INTO docs SELECT g, 'c' || g FROM generate_series(1, 100000) g"
    rewritten = sql.replace("code ", "code::text ")
    _assert_the_advice_serves(pg_db, setup, fill, rewritten, index)
    plan = _plan_without_seq_scans(pg_db, sql)
    assert "Seq Scan on docs" in plan, plan


#: Functions the migrations made, each index of one of them (fix-pg71): PL/pgSQL, which the
#: planner does not inline, so the index holds the call itself.
ROUTINE_KEYED = (
    "CREATE FUNCTION unorm(text) RETURNS text IMMUTABLE LANGUAGE plpgsql AS "
    "'BEGIN RETURN lower($1); END';\n"
    "CREATE FUNCTION vnorm(text) RETURNS varchar(20) IMMUTABLE LANGUAGE plpgsql AS "
    "'BEGIN RETURN lower($1); END';\n"
    "CREATE FUNCTION inorm(text) RETURNS int IMMUTABLE LANGUAGE plpgsql AS "
    "'BEGIN RETURN length($1); END';\n"
    "CREATE FUNCTION cnorm(text) RETURNS char(5) IMMUTABLE LANGUAGE plpgsql AS "
    "'BEGIN RETURN lower($1); END';\n"
    "CREATE TABLE accounts (id bigint PRIMARY KEY, a text, b text, c text, d text, "
    "e text COLLATE \"C\", g text);\n"
    "CREATE INDEX accounts_a_idx ON accounts (unorm(a));\n"
    "CREATE INDEX accounts_b_idx ON accounts (unorm(b) text_pattern_ops);\n"
    "CREATE INDEX accounts_c_idx ON accounts (vnorm(c));\n"
    "CREATE INDEX accounts_d_idx ON accounts (inorm(d));\n"
    "CREATE INDEX accounts_e_idx ON accounts (unorm(e));\n"
    "CREATE INDEX accounts_g_idx ON accounts (cnorm(g));")


@pytest.mark.parametrize(("where", "scans"), [
    # RETURNS text: a prefix needs byte order; a cast to text or varchar is none to the
    # planner, a length coercion another expression; varchar and bpchar values are converted
    ("unorm(a) LIKE 'a5%'", True),
    ("unorm(a) = 'a5'::varchar", False),
    ("unorm(a) = 'a5'::bpchar", False),
    ("unorm(a)::text = 'a5'", False),
    ("unorm(a)::varchar = 'a5'", False),
    ("unorm(a)::varchar(3) = 'a5'", True),
    ("unorm(a) = 'a5'::name", True),
    ("unorm(b) LIKE 'b5%'", False),
    ("unorm(b) > 'b5'", True),
    # RETURNS varchar(20) is varchar: a bpchar value converts it
    ("vnorm(c) = 'c5'", False),
    ("vnorm(c) = 'c5'::bpchar", True),
    ("vnorm(c) = 'c5'::text", False),
    ("vnorm(c)::text = 'c5'", False),
    ("vnorm(c)::varchar = 'c5'", False),
    ("vnorm(c) LIKE 'c5%'", True),
    # RETURNS int: a numeric value converts it, a bigint one does not
    ("inorm(d) = 5", False),
    ("inorm(d) = 5.5", True),
    ("inorm(d) = 5::bigint", False),
    ("inorm(d)::int4 = 5", False),
    ("inorm(d)::bigint = 5", True),
    # of a column COLLATE "C": the call is in "C", in byte order
    ("unorm(e) LIKE 'e5%'", False),
    ("unorm(e) > 'e5'", False),
    ("unorm(e) = 'e5' COLLATE \"POSIX\"", True),
    # RETURNS char(5) is bpchar: a text value converts it
    ("cnorm(g) = 'g5'", False),
    ("cnorm(g) = 'g5'::text", True),
    ("cnorm(g) LIKE 'g5%'", True),
])
def test_an_index_of_a_migration_s_function_serves_its_key_as_the_server_plans_it(
        routine_keyed_db: str, where: str, scans: bool) -> None:
    """A function the migrations made has the type it was declared to return, as a
    built-in one has (`overloads.returned_type`): a cast that keeps it, a value that
    converts it, a prefix under its collation, judged as for `lower(name)`."""
    _assert_served_as_planned(routine_keyed_db, ROUTINE_KEYED, where, scans)


def _assert_served_as_planned(db: str, setup: str, where: str, scans: bool) -> None:
    """`UPDATE accounts ... WHERE where` after `setup` reads the whole table as lockwise
    says (`scans`) and as the server plans it on `db` (made by `_planned_database`)."""
    sql = f"UPDATE accounts SET id = id WHERE {where}"
    (action, *_) = effect_after(setup, sql + ";").actions
    assert action.facts["where_scans_table"] is scans
    plan = _plan_without_seq_scans(db, sql)
    assert ("Seq Scan on accounts" in plan) is scans, plan


def _planned_database(server: str, name: str, setup: str, values: str) -> str:
    """A database `name` on `server` of `setup`'s table accounts, 100,000 rows of `values`
    (its columns' values of `g`, the row's number) analyzed: only planned, never run."""
    from lockwise.db.scratch import create_database

    uri = create_database(server, name)
    _planned(uri, setup, "SELECT 1",
             f"INSERT INTO accounts SELECT {values} FROM generate_series(1, 100000) g")
    return uri


@pytest.fixture(scope="module")
def routine_keyed_db(pg_server: str) -> str:
    """A database of ROUTINE_KEYED's table (`_planned_database`)."""
    return _planned_database(pg_server, "routine_keyed", ROUTINE_KEYED,
                             "g, 'a' || g, 'b' || g, 'c' || g, 'd' || g, 'e' || g, 'g' || g")


@pytest.mark.parametrize(("key", "advised"), [
    ("unorm(name) LIKE 'n5%'", "((unorm(name)) text_pattern_ops)"),
    ("vnorm(name) LIKE 'n5%'", "((vnorm(name)) varchar_pattern_ops)"),
    ("cnorm(name) LIKE 'n5%'", "((cnorm(name)) bpchar_pattern_ops)"),
    ("inorm(name) = 5.5", "((inorm(name)::numeric))"),
])
def test_the_index_advised_for_a_migration_s_function_is_of_its_return_type(
        pg_db: str, key: str, advised: str) -> None:
    """The index advised for a key calling a function the migrations made is of the class
    of the pattern family of the type it returns, or of the key as the comparison converts
    it (printed `x::t`), and serves the WHERE (planned with sequential scans disabled)."""
    setup = ROUTINE_KEYED.split("CREATE TABLE")[0] + \
        "CREATE TABLE docs (id bigint PRIMARY KEY, name text);"
    _assert_the_index_advised_serves(
        pg_db, setup, "INSERT INTO docs SELECT g, 'n' || g FROM generate_series(1, 100000) g",
        f"WITH w AS (SELECT 1) UPDATE docs SET id = id WHERE {key}", advised)


#: A citext column for each operator class B-tree and hash take it by (fix-pg71): those
#: whose input type is text hold it as text, citext's own as citext.
CITEXT_CLASSES = {"c1": "(c1 text_ops)", "c2": "(c2 varchar_ops)",
                  "c3": "(c3 text_pattern_ops)", "c4": "(c4 varchar_pattern_ops)",
                  "c5": "(c5 citext_pattern_ops)", "c6": "USING hash (c6 text_ops)",
                  "c7": "(c7 COLLATE \"C\" text_ops)", "c8": "((c8::text) varchar_pattern_ops)",
                  "c9": "((c9::varchar))", "c10": "USING hash (c10 text_pattern_ops)",
                  "c11": "(c11 citext_ops)"}
CITEXT_KEYED = ("CREATE EXTENSION IF NOT EXISTS citext;\n"
                "CREATE TABLE accounts (id bigint PRIMARY KEY, "
                + ", ".join(f"{c} citext" for c in CITEXT_CLASSES) + ");\n"
                + "".join(f"CREATE INDEX accounts_{c}_idx ON accounts {how};\n"
                          for c, how in CITEXT_CLASSES.items()))


@pytest.mark.parametrize(("where", "scans"), [
    # a class of text (or varchar, the same family) holds the citext as text: its `::text`
    # and `::varchar` (both binary casts) are keys, citext's own comparison is not; a text,
    # varchar or bpchar value makes the parser compare the citext as text
    ("c1::text = 'Ab5'", False),
    ("c1::text < 'Ab5'", False),
    ("c1::text LIKE 'Ab5%'", True),
    ("c1::text LIKE 'Ab5'", False),
    ("c1::text IN ('Ab5', 'Ab6')", False),
    ("c1::varchar = 'Ab5'", False),
    ("c1::varchar(10) = 'Ab5'", True),
    ("c1 = 'Ab5'", True),
    ("c1 < 'Ab5'", True),
    ("c1 IS NULL", False),
    ("c1 = 'Ab5'::text", False),
    ("c1 = 'Ab5'::varchar", False),
    ("c1 = 'Ab5'::bpchar", False),
    ("c1 = 'Ab5'::name", True),
    ("c2::text < 'Ab5'", False),
    ("c2 = 'Ab5'", True),
    # the pattern classes: an equality and a prefix, no range
    ("c3::varchar = 'Ab5'", False),
    ("c3::varchar LIKE 'Ab5%'", False),
    ("c3 = 'Ab5'::text", False),
    ("c4::text LIKE 'Ab5%'", False),
    ("c4::text ~ '^Ab5'", False),
    ("c4::text < 'Ab5'", True),
    ("c4 = 'Ab5'", True),
    ("c4 IS NULL", False),
    # citext's own pattern class: citext's equality (case-insensitive), no range, no text
    ("c5 = 'Ab5'", False),
    ("c5 < 'Ab5'", True),
    ("c5::text = 'Ab5'", True),
    ("c5::text LIKE 'Ab5'", True),
    ("c5 = 'Ab5'::text", True),
    ("c5::text IS NULL", False),
    # a hash of text: the equality of the citext as text alone, not its IS NULL
    ("c6::text = 'Ab5'", False),
    ("c6::text LIKE 'Ab5'", False),
    ("c6 = 'Ab5'::text", False),
    ("c6 = 'Ab5'", True),
    ("c6 IS NULL", True),
    ("c10::text = 'Ab5'", False),
    ("c10 IS NULL", True),
    # COLLATE "C": byte order serves a prefix, not an equality under the default collation
    ("c7::text LIKE 'Ab5%'", False),
    ("c7::text ~ '^Ab5'", False),
    ("c7::varchar LIKE 'Ab5%'", False),
    ("c7::text = 'Ab5'", True),
    # an index of the citext cast to text (or varchar: the same to the planner)
    ("c8::varchar = 'Ab5'", False),
    ("c8::varchar LIKE 'Ab5%'", False),
    ("c8 = 'Ab5'::text", False),
    ("c8 IS NULL", False),
    ("c8 = 'Ab5'", True),
    ("c9::text = 'Ab5'", False),
    ("c9::text < 'Ab5'", False),
    ("c9 = 'Ab5'::bpchar", False),
    ("c9 IS NULL", False),
    ("c9::text LIKE 'Ab5%'", True),
    # citext's own class: citext's comparisons, not text's
    ("c11 = 'Ab5'", False),
    ("c11 < 'Ab5'", False),
    ("c11::text = 'Ab5'", True),
    ("c11 = 'Ab5'::text", True),
    ("c11 = 'Ab5'::varchar", True),
    ("c11::text IS NULL", False),
])
def test_an_operator_class_of_a_citext_serves_as_the_server_plans_it(
        citext_keyed_db: str, where: str, scans: bool) -> None:
    _assert_served_as_planned(citext_keyed_db, CITEXT_KEYED, where, scans)


@pytest.fixture(scope="module")
def citext_keyed_db(pg_server: str) -> str:
    """A database of CITEXT_KEYED's table (`_planned_database`)."""
    return _planned_database(pg_server, "citext_keyed", CITEXT_KEYED,
                             "g, " + ", ".join("'Ab' || g" for _ in CITEXT_CLASSES))


@pytest.mark.parametrize(("where", "said"), [
    ("id <> 5", "serves the <> of its WHERE"),
    ("NOT (email = 'x')", "serves the <> of its WHERE"),
    ("email NOT LIKE 'e1%'", "serves the NOT LIKE of its WHERE"),
    ("NOT (a = ANY (ARRAY[1, 2]))", "serves the <> ALL (array) of its WHERE"),
    ("flag IS NOT TRUE", "serves the IS NOT TRUE of its WHERE"),
    ("plan NOT LIKE 'e1%'", "covers what its WHERE reads of it (plan)"),
    ("lower(email) = 'x'", "serves its WHERE as written (its indexes of email hold"),
    ("email LIKE 'e1%' AND plan = 'x'", "covers what its WHERE reads of it (email, plan)"),
    ("email LIKE 'e1%'", "serves its WHERE as written (its indexes of email hold"),
    ("a = 5.5", "serves the comparison of a (int4) with a numeric value (the parser converts"),
    ("a IN (1, 2.5) OR email = 'x'", "serves the list of values a (int4) is compared with, "
     "one of them numeric (the parser gives the list's values one type, numeric, and "
     "compares a::numeric = ANY (the list)"),
    ("a = ANY (ARRAY[1, 2.5])", "serves the list of values a (int4) is compared with"),
    ("a = (random() * 10)::int", "serves the comparison of a with a volatile function's"),
    ("email % 'x'", "serves its WHERE as written (its indexes of email are B-trees or hashes, "
     "which find equal values and ranges: the operator it compares by needs an index USING "
     "gin)"),
])
def test_where_without_index_says_a_negation_is_what_no_index_serves(where: str,
                                                                     said: str) -> None:
    """The message names the condition no index serves when an index reads each column the
    WHERE compares, and the columns when none reads one; an index of each column that
    serves the WHERE as written by none of them holds their values as they are."""
    (action, *_) = effect_after(NEGATED, f"DELETE FROM accounts WHERE {where};").actions
    assert action.facts["where_unserved_text"].startswith(said)


@pytest.mark.parametrize(("where", "said"), [
    ("NOT EXISTS (SELECT 1 FROM orgs o WHERE o.id = a.org_id)", "serves the NOT EXISTS of"),
    ("a.plan = 'x' AND a.org_id NOT IN (SELECT id FROM orgs)", "serves the NOT IN (subquery)"),
    ("a.org_id <> ALL (SELECT id FROM orgs)", "serves the <> ALL (subquery) of"),
    ("a.plan = 'x'", "covers what its WHERE reads of it (plan)"),
])
def test_where_without_index_says_an_anti_join_is_what_no_index_serves(where: str,
                                                                       said: str) -> None:
    """The message names the NOT EXISTS (NOT IN, <> ALL) no index serves, not the columns
    compared in it, which an index may well cover (org_id here)."""
    setup = SCANNED + "\nCREATE INDEX accounts_org_id_idx ON accounts (org_id);"
    (action, *_) = effect_after(setup, f"DELETE FROM accounts a WHERE {where};").actions
    assert action.facts["where_unserved_text"].startswith(said)


def test_is_null_of_a_not_null_column_reads_the_table_before_17() -> None:
    """Before PostgreSQL 17 the planner does not know IS NULL of a NOT NULL column is false:
    the statement reads every row to find none."""
    sql = "UPDATE accounts SET seen = now() WHERE seen IS NULL;"
    (action, *_) = effect_after(SCANNED, sql, pg_version=16).actions
    assert action.facts["where_scans_table"]


def _until_waiting(uri: str, probe: str, relation: str | None = None) -> None:
    """Return once a session waits for a lock (on `relation` when given; `probe`, started in
    another thread), as pg_locks shows it. Bounded by 60 s, not by a count of polls: on a
    loaded machine the thread may take seconds to reach its wait."""
    import time

    on = "" if relation is None else " AND relation = %s::regclass"
    deadline = time.monotonic() + 60
    with _connect(uri) as conn:
        while time.monotonic() < deadline:
            if conn.execute(f"SELECT 1 FROM pg_locks WHERE NOT granted{on}",
                            () if relation is None else (relation,)).fetchone():
                return
            time.sleep(0.02)
    pytest.fail(f"{probe} never waited for a lock")


def _wait_then(uri: str, hold: str, probe: str) -> BaseException | None:
    """Run `hold` in an open transaction, then `probe` in another session: it must wait for a
    lock; after `hold` commits, the error `probe` ends with (None when it runs)."""
    import threading

    import psycopg

    holder = psycopg.connect(uri)
    holder.execute(hold)
    failed: list[BaseException | None] = []

    def run() -> None:
        with _connect(uri) as conn:
            try:
                conn.execute(probe).fetchall()
                failed.append(None)
            except psycopg.Error as exc:
                failed.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        _until_waiting(uri, probe)
    finally:
        holder.commit()
        holder.close()
        thread.join()
    return failed[0]


@pytest.mark.parametrize(("hold", "fails", "reported"), [
    ("DROP VIEW v", True, False),
    ("DROP VIEW v; CREATE VIEW v AS SELECT id, 2 AS two FROM captcha_answer", False, True),
    # the view over a renamed table reaches it by OID
    ("ALTER TABLE captcha_answer RENAME TO captcha_old", False, True),
])
def test_query_on_a_relation_dropped_in_the_transaction_waits(pg_db: str, hold: str,
                                                              fails: bool,
                                                              reported: bool) -> None:
    """A query on a view an open transaction dropped waits for its ACCESS EXCLUSIVE. Dropped
    for good, the query then fails as it would right after the drop: holding the lock longer
    keeps from nothing that would have worked, and lock-accumulation leaves it out. Created
    again under its name, the query reads the new view after the commit; over a table
    renamed, it reads the table under its new name: the lock held longer blocks it, and
    lock-accumulation counts it."""
    import psycopg

    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = ("CREATE TABLE captcha_answer (id bigint PRIMARY KEY);\n"
             "CREATE VIEW v AS SELECT id FROM captcha_answer;\n"
             "CREATE TABLE local_site (id bigint, captcha_enabled boolean);")
    with _connect(pg_db) as conn:
        conn.execute(setup)
    error = _wait_then(pg_db, hold, "SELECT * FROM v")
    assert isinstance(error, psycopg.errors.UndefinedTable) if fails else error is None
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(f"SET LOCAL lock_timeout = '5s';\n{hold};\n"
                                      "ALTER TABLE local_site DROP COLUMN captcha_enabled;",
                                      "0002_change.sql")]
    found = lint_migrations(migrations, LintOptions(pg_version=18, assume_in_transaction=True),
                            Catalog())[-1].all_findings
    assert ("lock-accumulation" in {f.rule for f in found}) is reported


@pytest.mark.parametrize("remake", [
    "CREATE MATERIALIZED VIEW v AS SELECT id, 2 AS two FROM captcha_answer",
    "CREATE TABLE v AS SELECT id, 2 AS two FROM captcha_answer",
    "SELECT id, 2 AS two INTO v FROM captcha_answer",
])
def test_relation_remade_by_a_query_counts_before_it_is_made(pg_db: str, remake: str) -> None:
    """A view dropped and made again under its name by a materialized view, CREATE TABLE AS
    or SELECT INTO: a query on it waits for the dropped one's lock, then reads the new
    relation after the commit, so lock-accumulation counts the lock from the drop on, also
    while a statement between the drop and the new relation runs."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = ("CREATE TABLE captcha_answer (id bigint PRIMARY KEY);\n"
             "CREATE VIEW v AS SELECT id FROM captcha_answer;\n"
             "CREATE TABLE local_site (id bigint, captcha_enabled boolean);")
    with _connect(pg_db) as conn:
        conn.execute(setup)
    assert _wait_then(pg_db, f"DROP VIEW v; {remake}", "SELECT two FROM v") is None
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(f"SET LOCAL lock_timeout = '5s';\nDROP VIEW v;\n"
                                      "ALTER TABLE local_site DROP COLUMN captcha_enabled;\n"
                                      f"{remake};", "0002_change.sql")]
    found = lint_migrations(migrations, LintOptions(pg_version=18, assume_in_transaction=True),
                            Catalog())[-1].all_findings
    # (at the ALTER, the third statement: the view's lock is all it holds then)
    assert [f.statement_index for f in found if f.rule == "lock-accumulation"] == [2]


def test_ddl_takes_at_most_row_exclusive_on_system_catalogs(pg_db: str) -> None:
    """lock-accumulation counts no wait for a lock of ROW EXCLUSIVE or weaker on a system
    catalog: a transaction in the middle of DDL (creating, altering, indexing, dropping)
    holds none stronger there, so another session's UPDATE of pg_index, while it holds
    ACCESS EXCLUSIVE on a table of its own, gets its locks at once."""
    with _connect(pg_db) as ddl, _connect(pg_db) as other:
        other.execute("CREATE TABLE cat_t (id int PRIMARY KEY); "
                      "CREATE TABLE cat_u (id int PRIMARY KEY, t int)")
        ddl.execute("BEGIN")
        for sql in ("CREATE TABLE cat_v (id int PRIMARY KEY, note text)",
                    "ALTER TABLE cat_u ADD COLUMN note text",
                    "CREATE INDEX cat_u_t ON cat_u (t)",
                    "ALTER TABLE cat_u ADD FOREIGN KEY (t) REFERENCES cat_v",
                    "CREATE VIEW cat_w AS SELECT * FROM cat_u",
                    "COMMENT ON TABLE cat_u IS 'x'",
                    "DROP VIEW cat_w"):
            ddl.execute(sql)
        modes = {mode for (mode,) in other.execute(
            "SELECT l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
            "WHERE l.pid = %s AND c.relnamespace = 'pg_catalog'::regnamespace",
            (ddl.info.backend_pid,)).fetchall()}
        assert modes and modes <= {"AccessShareLock", "RowShareLock", "RowExclusiveLock"}, modes
        other.execute("BEGIN")
        other.execute("SET LOCAL lock_timeout = '200ms'")
        other.execute("ALTER TABLE cat_t ADD COLUMN c int")
        other.execute("UPDATE pg_index SET indisready = indisready WHERE indrelid = "
                      "(SELECT oid FROM pg_class WHERE relname = 'cat_t')")
        other.execute("ROLLBACK")
        ddl.execute("ROLLBACK")
        other.execute("DROP TABLE cat_u, cat_t")


#: A table whose key draws from a sequence it owns (serial: OWNED BY, the default's nextval).
_OWNED = "CREATE TABLE seq_accounts (id serial PRIMARY KEY, note text);"


def _lock_accumulation_at(sql: str) -> list[int]:
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    migrations = [migration_from_text(_OWNED, "0001_setup.sql"),
                  migration_from_text(f"SET LOCAL lock_timeout = '5s';\n{sql}",
                                      "0002_change.sql")]
    found = lint_migrations(migrations, LintOptions(pg_version=18, assume_in_transaction=True),
                            Catalog())[-1].all_findings
    return [f.statement_index for f in found if f.rule == "lock-accumulation"]


@pytest.mark.parametrize(("other", "sql"), [
    # lemmy's: the table renamed, then its sequence; a session that called nextval directly
    ("SELECT nextval('seq_accounts_id_seq')",
     "ALTER TABLE seq_accounts RENAME TO seq_customers;\n"
     "ALTER SEQUENCE seq_accounts_id_seq RENAME TO seq_customers_id_seq;"),
    # documenso's: the default dropped, then the sequence; a session that read it
    ("SELECT last_value FROM seq_accounts_id_seq",
     "ALTER TABLE seq_accounts ALTER COLUMN id DROP DEFAULT;\n"
     "DROP SEQUENCE seq_accounts_id_seq;"),
    # or moved it
    ("SELECT setval('seq_accounts_id_seq', 5)",
     "ALTER TABLE seq_accounts ADD COLUMN tag text;\n"
     "ALTER SEQUENCE seq_accounts_id_seq RENAME TO seq_account_ids;"),
])
def test_an_owned_sequence_is_held_by_who_uses_it_directly(pg_db: str, other: str,
                                                           sql: str) -> None:
    """ACCESS EXCLUSIVE on a table keeps INSERTs (and their default's nextval) off its
    sequence, but not a session that calls nextval, setval or reads the sequence by name: it
    holds the sequence's lock to its transaction's end, and DROP SEQUENCE or ALTER SEQUENCE
    ... RENAME waits for it while the table stays locked. lock-accumulation reports it."""
    import psycopg

    with _connect(pg_db) as conn:
        conn.execute(f"DROP TABLE IF EXISTS seq_accounts, seq_customers; {_OWNED}")
    with _connect(pg_db) as holder, _connect(pg_db) as ours:
        holder.execute("BEGIN")
        holder.execute(other)
        ours.execute("BEGIN")
        ours.execute("SET LOCAL lock_timeout = '300ms'")
        *first, last = [s for s in sql.split(";\n") if s.strip()]
        for step in first:
            ours.execute(step)
        with pytest.raises(psycopg.errors.LockNotAvailable):
            ours.execute(last)
        ours.execute("ROLLBACK")
        holder.execute("ROLLBACK")
    assert _lock_accumulation_at(sql) == [2]


@pytest.mark.parametrize(("sql", "probe"), [
    # renamed by the transaction: it holds the sequence's lock under the new name
    ("ALTER SEQUENCE seq_accounts_id_seq RENAME TO seq_account_ids;\n"
     "ALTER SEQUENCE seq_account_ids RESTART WITH 1000;",
     "SELECT nextval('seq_accounts_id_seq')"),  # (the name others still see)
    # created by the transaction: no other session sees it
    ("ALTER TABLE seq_accounts ADD COLUMN tag text;\nCREATE SEQUENCE seq_tag_ids;\n"
     "ALTER SEQUENCE seq_tag_ids RESTART WITH 1000;", None),
    ("ALTER TABLE seq_accounts ADD COLUMN tag text;\nCREATE SEQUENCE seq_tag_ids;\n"
     "DROP SEQUENCE seq_tag_ids;", None),
])
def test_a_sequence_the_transaction_renamed_or_created_waits_for_no_one(
        pg_db: str, sql: str, probe: str | None) -> None:
    """A sequence the transaction renamed is one it holds ACCESS EXCLUSIVE on already (a
    nextval queued behind it does not hold up its next statement on it), one it created no
    other session sees: the statement on it asks for no lock it could wait for, and
    lock-accumulation says nothing of it."""
    import contextlib
    import threading

    import psycopg

    with _connect(pg_db) as conn:
        conn.execute("DROP TABLE IF EXISTS seq_accounts, seq_customers; "
                     f"DROP SEQUENCE IF EXISTS seq_tag_ids; {_OWNED}")
    steps = [s for s in sql.split(";\n") if s.strip()]
    with _connect(pg_db) as ours:
        ours.execute("BEGIN")
        ours.execute("SET LOCAL lock_timeout = '300ms'")
        for step in steps[:-1]:
            ours.execute(step)
        waiter = None
        if probe is not None:
            def run() -> None:
                with _connect(pg_db) as conn:
                    conn.execute("SET lock_timeout = '5s'")
                    with contextlib.suppress(psycopg.Error):  # (its wait is the point)
                        conn.execute(probe)
            waiter = threading.Thread(target=run)
            waiter.start()
            _until_waiting(pg_db, probe)
        ours.execute(steps[-1])  # (no LockNotAvailable: granted at once)
        ours.execute("ROLLBACK")
        if waiter is not None:
            waiter.join()
    assert _lock_accumulation_at(sql) == []


@pytest.mark.parametrize("rows", [1, 3])
def test_deleting_referenced_rows_reads_an_unindexed_referencing_table_once_per_row(
        pg_db: str, rows: int) -> None:
    """The foreign key's query of each referenced row deleted reads a referencing table no
    index serves in full: as many sequential scans as rows deleted (checked on 18.6), which
    rule foreign-key-scan-per-row reports."""
    from lockwise.effects.postgres.queries import FOR_EACH_ROW

    setup = ("CREATE TABLE authors (id bigint PRIMARY KEY);\n"
             "INSERT INTO authors SELECT generate_series(1, 10);\n"
             "CREATE TABLE books (id bigint PRIMARY KEY, "
             "author_id bigint REFERENCES authors ON DELETE CASCADE);\n"
             "INSERT INTO books SELECT g, g % 10 + 1 FROM generate_series(1, 1000) g;")
    sql = f"DELETE FROM authors WHERE id <= {rows}"
    effect = effect_after(setup, sql)
    assert effect.scans["public.books"].startswith(FOR_EACH_ROW)
    with _connect(pg_db) as conn:
        conn.execute(setup)
        before = _seq_scans(conn, "books")
        conn.execute(sql)
        assert _seq_scans(conn, "books") - before == rows


def test_an_unqualified_column_of_an_update_from_is_the_one_relation_that_has_it(
        pg_db: str) -> None:
    """`UPDATE modlog ... FROM comment c WHERE target_comment_id = c.id`: the name is
    modlog's, the only relation with it, and every modlog row with a match is written, as
    with `modlog.target_comment_id`; were comment to have it too, the server refuses the name
    as ambiguous (checked on 18.6). Rule unbatched-backfill reads it so."""
    import psycopg

    setup = ("CREATE TABLE comment (id bigint PRIMARY KEY, post_id bigint);\n"
             "INSERT INTO comment SELECT g, g FROM generate_series(1, 10) g;\n"
             "CREATE TABLE modlog (id bigint PRIMARY KEY, target_comment_id bigint, "
             "target_post_id bigint);\n"
             "INSERT INTO modlog SELECT g, g % 12, NULL FROM generate_series(1, 24) g;")
    sql = "UPDATE modlog SET target_post_id = c.post_id FROM comment c " \
          "WHERE target_comment_id = c.id"
    effect = effect_after(setup, sql)
    assert effect.scans["public.modlog"].startswith("UPDATE whose WHERE only joins")
    with _connect(pg_db) as conn:
        conn.execute(setup)
        written = conn.execute(sql).rowcount
        matches = conn.execute("SELECT count(*) FROM modlog m JOIN comment c "
                               "ON c.id = m.target_comment_id").fetchone()[0]
        assert written == matches == 20
        conn.execute("ALTER TABLE comment ADD COLUMN target_comment_id bigint")
        with pytest.raises(psycopg.errors.AmbiguousColumn):
            conn.execute(sql)


@pytest.mark.parametrize(("column", "new_type"), [
    ("text DEFAULT md5('x')", "uuid"),
    ("text NOT NULL DEFAULT 'e4eaaaf2-d142-11e1-b3e4-080027620cdd'", "uuid"),
    ("text DEFAULT NULL", "uuid"),  # no default is kept for a NULL one
    ("text", "uuid"),
    ("integer DEFAULT 1", "boolean"),
    ("serial", "boolean"),
])
def test_needs_using_message_says_the_default_fails_exactly_when_the_server_refuses_it(
        pg_db: str, column: str, new_type: str) -> None:
    """Checked on 18.6: the statement with USING converts the column's DEFAULT by assignment
    still, and fails ("default for column ... cannot be cast automatically") when it has
    one: column-type-change-needs-using's message says so exactly then."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    setup = f"CREATE TABLE accounts (id bigint PRIMARY KEY, c {column});"
    sql = f"ALTER TABLE accounts ALTER COLUMN c TYPE {new_type}"
    reports = lint_migrations([migration_from_text(setup, "0001.sql"),
                               migration_from_text(sql + ";", "0002.sql")],
                              LintOptions(), Catalog())
    (message,) = [f.message for f in reports[-1].all_findings
                  if f.rule == "column-type-change-needs-using"]
    refused = server_message(pg_db, setup, f"{sql} USING c::{new_type}")
    assert ("default for column" in (refused or "")) == ("DEFAULT" in message), message


@pytest.mark.parametrize(("function", "rewrites"), [
    ("AS $$ SELECT CAST(extract(EPOCH FROM now()) * 1000000 AS bigint) $$ LANGUAGE sql", False),
    ("AS $$ SELECT CAST(extract(EPOCH FROM now()) * 1000000 AS bigint) $$ LANGUAGE sql "
     "SECURITY DEFINER", True),
    ("AS $$ SELECT CAST(extract(EPOCH FROM now()) * 1000000 AS bigint) $$ LANGUAGE sql "
     "SET search_path = public", True),
    ("AS $$ SELECT CAST(random() * 1000000 AS bigint) $$ LANGUAGE sql", True),
    ("AS $$ BEGIN RETURN CAST(extract(EPOCH FROM now()) * 1000000 AS bigint); END $$ "
     "LANGUAGE plpgsql", True),
])
def test_an_added_columns_default_is_judged_after_sql_functions_are_inlined(
        pg_db: str, function: str, rewrites: bool) -> None:
    """A SQL function left VOLATILE (the default) whose body is one stable expression is
    inlined by the planner before ADD COLUMN judges its default: the column is added without
    a rewrite, its one value stored as the rows' missing value. Not one that is SECURITY
    DEFINER, has a SET, calls a volatile function, or is PL/pgSQL (checked on the server)."""
    setup = f"CREATE TABLE queue (id bigint);\nCREATE FUNCTION micros() RETURNS bigint {function};"
    sql = "ALTER TABLE queue ADD COLUMN created_at bigint DEFAULT micros()"
    catalog = Catalog()
    for stmt in parse_sql(setup).statements:
        apply_statement(catalog, stmt.tree, "0001", sql=stmt.sql)
    (stmt,) = parse_sql(sql).statements
    effect = compute_effect(stmt.tree, Context(catalog=catalog, pg_version=18))
    assert ("public.queue" in effect.rewrites) is rewrites
    with _connect(pg_db) as conn:
        conn.execute(setup)
        conn.execute("INSERT INTO queue SELECT g FROM generate_series(1, 10) g")
        before = conn.execute("SELECT pg_relation_filenode('queue')").fetchone()
        conn.execute(sql)
        assert (conn.execute("SELECT pg_relation_filenode('queue')").fetchone() != before) \
            is rewrites
        assert conn.execute("SELECT atthasmissing FROM pg_attribute WHERE attrelid = "
                            "'queue'::regclass AND attname = 'created_at'").fetchone() \
            == (not rewrites,)
