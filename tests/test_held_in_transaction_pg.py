"""What a transaction already holds, checked on the embedded server: a table a TRUNCATE of the
same transaction emptied stays empty until the commit (its ACCESS EXCLUSIVE lets no other
session in), so an index build, a constraint's check or a rewrite of it reads no row; and a DROP
INDEX whose table an earlier ALTER TABLE of the transaction locked ACCESS EXCLUSIVE waits for
no one. The rules that judge the length of such a scan, or the wait for such a lock, say
nothing then (fix-precision40).
"""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import rows_read

pytestmark = pytest.mark.postgres

SETUP = ("CREATE TABLE accounts (id int PRIMARY KEY, email text, balance int);\n"
         "CREATE INDEX accounts_email_idx ON accounts (email);\n")
FILL = "INSERT INTO accounts SELECT g, 'e' || g, g FROM generate_series(1, 20000) g"

#: statement after the TRUNCATE -> the rule that reports it on a table with rows
AFTER_TRUNCATE = {
    "ALTER TABLE accounts ADD CONSTRAINT accounts_email_key UNIQUE (email);":
        "add-unique-constraint",
    "CREATE INDEX accounts_balance_idx ON accounts (balance);": "index-without-concurrently",
    "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;": "set-not-null",
    "ALTER TABLE accounts ADD CONSTRAINT accounts_balance_check CHECK (balance >= 0);":
        "add-check-validated",
    "ALTER TABLE accounts ALTER COLUMN balance TYPE bigint;": "column-type-change-rewrites",
}


def _rules(sql: str, in_transaction: bool = True) -> set[str]:
    migrations = [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    options = LintOptions(pg_version=18, assume_in_transaction=in_transaction)
    reports = lint_migrations(migrations, options, Catalog())
    return {f.rule for f in reports[-1].all_findings}


def _relation_locks(conn, pid: int) -> set[tuple[str, str]]:
    return set(conn.execute(
        "SELECT c.relname, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE l.pid = %s AND l.granted AND c.relnamespace = 'public'::regnamespace",
        (pid,)).fetchall())


@pytest.mark.parametrize(("statement", "rule"), list(AFTER_TRUNCATE.items()))
def test_a_table_truncated_in_the_transaction_is_read_empty_as_the_server_runs_it(
        pg_db: str, statement: str, rule: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as admin:
        admin.execute(SETUP + FILL)
        with psycopg.connect(pg_db) as tx, psycopg.connect(pg_db, autocommit=True) as other:
            pid = tx.execute("SELECT pg_backend_pid()").fetchone()[0]
            tx.execute("TRUNCATE accounts")
            # No row, and no other session can put one in before the commit.
            assert tx.execute("SELECT pg_relation_size('accounts')").fetchone()[0] == 0
            other.execute("SET lock_timeout = '100ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                other.execute("INSERT INTO accounts VALUES (0, 'x', 1)")
            held = _relation_locks(admin, pid)
            assert ("accounts", "AccessExclusiveLock") in held
            read = rows_read(tx, "accounts")
            tx.execute(statement)
            # It reads no row: with the 20,000 rows it reads every one (60,000 for the type).
            assert rows_read(tx, "accounts") == read
            assert tx.execute("SELECT count(*) FROM accounts").fetchone()[0] == 0
            tx.rollback()
    assert rule not in _rules(f"TRUNCATE accounts;\n{statement}")
    assert "missing-statement-timeout" not in _rules(f"TRUNCATE accounts;\n{statement}")
    # Outside a transaction the TRUNCATE's lock ends with it; filled again, rows are read.
    assert rule in _rules(f"TRUNCATE accounts;\n{statement}", in_transaction=False)
    assert rule in _rules(f"TRUNCATE accounts;\n{FILL};\n{statement}")


def test_a_drop_index_under_the_transactions_access_exclusive_waits_for_no_one(
        pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as admin:
        admin.execute(SETUP + FILL)
        with psycopg.connect(pg_db) as tx, psycopg.connect(pg_db) as reader:
            pid = tx.execute("SELECT pg_backend_pid()").fetchone()[0]
            tx.execute("ALTER TABLE accounts ADD COLUMN note text")
            before = _relation_locks(admin, pid)
            assert ("accounts", "AccessExclusiveLock") in before
            # A reader that came since holds nothing on the table: it waits for the ALTER.
            reader.execute("SET lock_timeout = '100ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                reader.execute("SELECT count(*) FROM accounts")
            reader.rollback()
            tx.execute("SET LOCAL lock_timeout = '50ms'")
            tx.execute("DROP INDEX accounts_email_idx")  # granted at once
            after = _relation_locks(admin, pid)
            assert {(rel, mode) for rel, mode in after - before} == {
                ("accounts_email_idx", "AccessExclusiveLock")}
            tx.rollback()
    alter = "ALTER TABLE accounts ADD COLUMN note text;\n"
    assert "drop-index-without-concurrently" not in _rules(
        alter + "DROP INDEX accounts_email_idx;")
    # Each on its own, the DROP asks for ACCESS EXCLUSIVE anew; so it does after a SHARE lock.
    assert "drop-index-without-concurrently" in _rules(
        alter + "DROP INDEX accounts_email_idx;", in_transaction=False)
    assert "drop-index-without-concurrently" in _rules(
        "CREATE INDEX accounts_balance_idx ON accounts (balance);\n"
        "DROP INDEX accounts_email_idx;")


def test_each_drop_index_of_a_table_is_reported_when_only_drop_indexes_lock_it() -> None:
    # The second DROP finds ACCESS EXCLUSIVE held, but by the first DROP, which may run
    # CONCURRENTLY in a migration of its own: then the second asks for the lock anew.
    migrations = [migration_from_text(SETUP + "CREATE INDEX accounts_balance_idx ON accounts "
                                      "(balance);", "0001_setup.sql"),
                  migration_from_text("DROP INDEX accounts_email_idx;\n"
                                      "DROP INDEX accounts_balance_idx;", "0002_change.sql")]
    reports = lint_migrations(migrations, LintOptions(pg_version=18, assume_in_transaction=True),
                              Catalog())
    found = [f for f in reports[-1].all_findings if f.rule == "drop-index-without-concurrently"]
    assert [f.span.line for f in found] == [1, 2]


ORDERS = ("CREATE TABLE users (id int PRIMARY KEY);\n"
          "CREATE TABLE orders (id int, total int, user_id int);\n")
ORDERS_FILL = ("INSERT INTO users SELECT generate_series(1, 20000);\n"
               "INSERT INTO orders SELECT g, g, g FROM generate_series(1, 20000) g;\n")
#: constraints added NOT VALID, then validated in the same transaction
NOT_VALID = ["CHECK (total > 0)", "FOREIGN KEY (user_id) REFERENCES users (id)"]


def _validate_rules(sql: str, in_transaction: bool = True) -> set[str]:
    migrations = [migration_from_text(ORDERS, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    options = LintOptions(pg_version=18, assume_in_transaction=in_transaction)
    return {f.rule for f in lint_migrations(migrations, options, Catalog())[-1].all_findings}


@pytest.mark.parametrize("constraint", NOT_VALID)
def test_a_validate_after_a_truncate_of_the_transaction_reads_no_row_and_waits_for_none(
        pg_db: str, constraint: str) -> None:
    # Checked on the server: after the TRUNCATE the VALIDATE reads no row, and the locks it
    # adds (SHARE UPDATE EXCLUSIVE on orders, ROW SHARE on users for a key) are weaker than
    # those the transaction holds already (ACCESS EXCLUSIVE, SHARE ROW EXCLUSIVE).
    import psycopg

    add = f"ALTER TABLE orders ADD CONSTRAINT orders_c {constraint} NOT VALID"
    validate = "ALTER TABLE orders VALIDATE CONSTRAINT orders_c"
    with psycopg.connect(pg_db, autocommit=True) as admin:
        admin.execute(ORDERS + ORDERS_FILL)
        with psycopg.connect(pg_db) as tx:
            pid = tx.execute("SELECT pg_backend_pid()").fetchone()[0]
            tx.execute(add)
            tx.execute("TRUNCATE orders")
            held = _relation_locks(admin, pid)
            read = rows_read(tx, "orders")
            tx.execute(validate)
            assert rows_read(tx, "orders") == read  # 20,000 with the rows
            added = _relation_locks(admin, pid) - held
            assert added <= {("orders", "ShareUpdateExclusiveLock"), ("users", "RowShareLock")}
            assert ("orders", "AccessExclusiveLock") in held
            if "FOREIGN" in constraint:
                assert ("users", "ShareRowExclusiveLock") in held
            tx.rollback()
    rule = "validate-in-same-transaction"
    assert rule not in _validate_rules(f"{add};\nTRUNCATE orders;\n{validate};")
    # The table still has its rows, or it was filled again after the TRUNCATE.
    assert rule in _validate_rules(f"{add};\n{validate};")
    assert rule in _validate_rules(f"{add};\nTRUNCATE orders;\n{ORDERS_FILL}{validate};")


def _messages(sql: str, rule: str, in_transaction: bool = True) -> list[str]:
    migrations = [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    options = LintOptions(pg_version=18, assume_in_transaction=in_transaction)
    reports = lint_migrations(migrations, options, Catalog())
    return [f.message for f in reports[-1].all_findings if f.rule == rule]


def test_an_index_build_under_the_transactions_access_exclusive_makes_reads_wait_too(
        pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as admin:
        admin.execute(SETUP + FILL)
        with psycopg.connect(pg_db) as tx, psycopg.connect(pg_db) as reader:
            tx.execute("ALTER TABLE accounts ADD COLUMN note text")
            tx.execute("CREATE INDEX accounts_balance_idx ON accounts (balance)")
            # Built, not committed: a reader still waits, as it does for the whole build.
            reader.execute("SET lock_timeout = '100ms'")
            with pytest.raises(psycopg.errors.LockNotAvailable):
                reader.execute("SELECT count(*) FROM accounts")
            reader.rollback()
            tx.rollback()
        # The build alone lets readers through.
        with psycopg.connect(pg_db) as tx, psycopg.connect(pg_db) as reader:
            tx.execute("CREATE INDEX accounts_balance_idx ON accounts (balance)")
            reader.execute("SET lock_timeout = '100ms'")
            assert reader.execute("SELECT count(*) FROM accounts").fetchone()[0] == 20000
            tx.rollback()
    build = "CREATE INDEX accounts_balance_idx ON accounts (balance);"
    [held] = _messages("ALTER TABLE accounts ADD COLUMN note text;\n" + build,
                       "index-without-concurrently")
    assert "reads too" in held and "statement 1" in held
    assert "inserts, updates and deletes wait" not in held
    for alone in (_messages(build, "index-without-concurrently"),
                  _messages("ALTER TABLE accounts ADD COLUMN note text;\n" + build,
                            "index-without-concurrently", in_transaction=False)):
        assert ["inserts, updates and deletes wait" in m and "reads too" not in m
                for m in alone] == [True]
