"""Precision: where lockwise's facts make a rule fire or stay quiet when a syntax-only linter
could not tell. Each case names the rules expected and the rules that must not fire."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from lockwise.catalog.model import Catalog
from lockwise.core.types import Finding, LockMode
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.quoting import OWN_MIGRATION

ACCOUNTS = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text, note text);"


def findings(sql: str, setup: str = ACCOUNTS, pg_version: int = 16,
             in_transaction: bool = True) -> list[Finding]:
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    options = LintOptions(pg_version=pg_version, assume_in_transaction=in_transaction)
    return lint_migrations(migrations, options, Catalog())[-1].all_findings


def rules(sql: str, **kwargs) -> set[str]:
    return {f.rule for f in findings(sql, **kwargs)}


def test_drop_not_null_with_lock_timeout_is_clean() -> None:
    # squawk bans DROP NOT NULL; it only relaxes a constraint and is instant.
    assert rules("SET LOCAL lock_timeout = '5s';\n"
                 "ALTER TABLE accounts ALTER COLUMN email DROP NOT NULL;") == set()


@pytest.mark.parametrize("column", [
    "token bigint GENERATED ALWAYS AS IDENTITY",
    "email_lower text GENERATED ALWAYS AS (lower(email)) STORED",
    "token uuid DEFAULT gen_random_uuid()",
    "seen_at timestamptz DEFAULT clock_timestamp()",
    "r float8 DEFAULT random()",
])
def test_add_column_that_fills_every_row_rewrites(column: str) -> None:
    assert "add-column-volatile-default" in rules(f"ALTER TABLE accounts ADD COLUMN {column};")


def test_add_column_constant_default_does_not_rewrite_from_pg11() -> None:
    sql = "ALTER TABLE accounts ADD COLUMN active boolean NOT NULL DEFAULT true;"
    assert "add-column-volatile-default" not in rules(sql, pg_version=11)
    assert "add-column-volatile-default" in rules(sql, pg_version=10)


def test_primary_key_using_existing_index_builds_nothing() -> None:
    setup = ACCOUNTS.replace(" PRIMARY KEY", " NOT NULL") + \
        "\nCREATE UNIQUE INDEX accounts_id_key ON accounts (id);"
    fired = rules("SET LOCAL lock_timeout = '5s';\n"
                  "ALTER TABLE accounts ADD CONSTRAINT accounts_pkey "
                  "PRIMARY KEY USING INDEX accounts_id_key;", setup=setup)
    assert fired == set()


def test_exclude_constraint_has_its_own_rule() -> None:
    fired = rules("ALTER TABLE accounts ADD CONSTRAINT no_dupes "
                  "EXCLUDE USING btree (email WITH =);")
    assert "add-exclude-constraint" in fired
    assert "add-unique-constraint" not in fired  # its advice (USING INDEX) does not apply


def test_enum_add_value_in_transaction_before_12_cannot_run() -> None:
    setup = "CREATE TYPE mood AS ENUM ('happy');"
    sql = "ALTER TYPE mood ADD VALUE 'calm';"
    assert "concurrently-in-transaction" in rules(sql, setup=setup, pg_version=11)
    assert "concurrently-in-transaction" not in rules(sql, setup=setup, pg_version=12)


def test_everything_on_a_table_created_in_the_same_migration_is_safe() -> None:
    sql = """
    CREATE TABLE drafts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, title text,
                         account_id bigint REFERENCES accounts (id));
    CREATE INDEX drafts_account_id_idx ON drafts (account_id);
    ALTER TABLE drafts ADD COLUMN token uuid DEFAULT gen_random_uuid();
    ALTER TABLE drafts ALTER COLUMN title SET NOT NULL;
    ALTER TABLE drafts ALTER COLUMN title TYPE varchar(200);
    ALTER TABLE drafts ADD CONSTRAINT drafts_title_check CHECK (title <> '');
    ALTER TABLE drafts RENAME COLUMN title TO headline;
    CREATE TRIGGER drafts_touch BEFORE UPDATE ON drafts FOR EACH ROW EXECUTE FUNCTION touch();
    TRUNCATE drafts CASCADE;
    """
    found = findings(sql)
    # But for the foreign key's SHARE ROW EXCLUSIVE on accounts, which is not new: while the
    # CREATE TABLE waits for it, writes to accounts queue behind it.
    assert [(f.rule, f.span.line) for f in found if f.safety.label != "safe"] == \
        [("missing-lock-timeout", 2)]


def test_type_change_judged_by_the_replayed_old_type() -> None:
    setup = "CREATE TABLE accounts (id bigint, email varchar(50), code int);"
    assert "column-type-change-rewrites" not in rules(
        "ALTER TABLE accounts ALTER COLUMN email TYPE text;", setup=setup)
    assert "column-type-change-rewrites" in rules(
        "ALTER TABLE accounts ALTER COLUMN code TYPE text;", setup=setup)


def test_drop_trigger_without_lock_timeout_is_reported() -> None:
    setup = ACCOUNTS + "\nCREATE TRIGGER t BEFORE UPDATE ON accounts FOR EACH ROW " \
        "EXECUTE FUNCTION touch();"
    assert "missing-lock-timeout" in rules("DROP TRIGGER t ON accounts;", setup=setup)
    assert rules("SET LOCAL lock_timeout = '5s';\nDROP TRIGGER t ON accounts;",
                 setup=setup) == set()


@pytest.mark.parametrize("sql", [
    "DROP TRIGGER IF EXISTS t ON accounts;",
    "DROP POLICY IF EXISTS own_rows ON accounts;",
    "DROP RULE IF EXISTS no_insert ON accounts;",
])
def test_drop_if_exists_of_what_a_known_table_lacks_waits_for_no_lock(sql: str) -> None:
    # The setup created accounts, with no trigger, policy or rule: nothing is dropped, and
    # the server holds no lock on the table.
    assert "missing-lock-timeout" not in rules(sql)
    # Created, it is dropped under ACCESS EXCLUSIVE.
    setup = ACCOUNTS + "\nCREATE TRIGGER t BEFORE UPDATE ON accounts FOR EACH ROW " \
        "EXECUTE FUNCTION touch();\nCREATE POLICY own_rows ON accounts USING (true);" \
        "\nCREATE RULE no_insert AS ON INSERT TO accounts DO INSTEAD NOTHING;"
    assert "missing-lock-timeout" in rules(sql, setup=setup)


def test_lock_accumulation_names_the_held_table_and_since_when() -> None:
    setup = ACCOUNTS + "\nCREATE TABLE orders (id bigint PRIMARY KEY);"
    found = [f for f in findings("SET LOCAL lock_timeout = '5s';\n"
                                 "ALTER TABLE accounts ADD COLUMN plan text;\n"
                                 "ALTER TABLE orders ADD COLUMN plan text;\n"
                                 "ALTER TABLE accounts ADD COLUMN tier text;\n"
                                 "COMMIT;", setup=setup) if f.rule == "lock-accumulation"]
    # Only the statement that asks for a new lock: the later change to accounts (already
    # locked) waits for nothing, and COMMIT releases the locks.
    assert len(found) == 1
    assert "public.accounts" in found[0].message and "statement 2" in found[0].message


@pytest.mark.parametrize(("after", "fires"), [
    # Locks on a table this transaction created are granted at once (no other session sees
    # it) and an empty table is read at once: the earlier lock is held no longer for them.
    ("CREATE INDEX audit_note_idx ON audit (note);", False),
    ("ALTER TABLE audit ADD CONSTRAINT audit_account_fk FOREIGN KEY (account_id) "
     "REFERENCES accounts (id);", False),
    # Filled from an old table, the new table takes as long to read as any other.
    ("INSERT INTO audit (account_id) SELECT id FROM accounts;\n"
     "CREATE INDEX audit_note_idx ON audit (note);", True),
    # A lock on an older table may wait behind other sessions.
    ("CREATE INDEX orders_id_idx ON orders (id);", True),
    # A materialized view made WITH NO DATA holds no row: its index build reads nothing
    # (checked on 18.6: it builds on 0 pages, locking no other table); REFRESHed from an old
    # table it holds that table's rows.
    ("CREATE MATERIALIZED VIEW plans AS SELECT id, plan FROM accounts WITH NO DATA;\n"
     "CREATE UNIQUE INDEX plans_id_idx ON plans (id);", False),
    ("CREATE MATERIALIZED VIEW plans AS SELECT id, plan FROM accounts WITH NO DATA;\n"
     "REFRESH MATERIALIZED VIEW plans;\nCREATE UNIQUE INDEX plans_id_idx ON plans (id);",
     True),
])
def test_lock_accumulation_ignores_what_only_touches_tables_new_in_the_transaction(
        after: str, fires: bool) -> None:
    setup = ACCOUNTS + "\nCREATE TABLE orders (id bigint PRIMARY KEY);"
    sql = ("SET LOCAL lock_timeout = '5s';\n"
           "ALTER TABLE accounts ADD COLUMN plan text;\n"
           "CREATE TABLE audit (account_id bigint, note text);\n" + after)
    found = [f for f in findings(sql, setup=setup) if f.rule == "lock-accumulation"]
    assert bool(found) is fires, found


def test_enum_value_used_in_transaction_only_when_in_the_same_transaction() -> None:
    setup = "CREATE TYPE mood AS ENUM ('happy');\nCREATE TABLE people (id bigint, m mood);"
    used = "ALTER TYPE mood ADD VALUE 'calm';\nUPDATE people SET m = 'calm' WHERE id = 1;"
    assert "enum-value-used-in-transaction" in rules(used, setup=setup)
    split = "BEGIN;\nALTER TYPE mood ADD VALUE 'calm';\nCOMMIT;\n" \
        "BEGIN;\nUPDATE people SET m = 'calm' WHERE id = 1;\nCOMMIT;"
    assert "enum-value-used-in-transaction" not in rules(split, setup=setup,
                                                         in_transaction=False)


def test_fk_index_created_later_in_the_migration_counts() -> None:
    setup = ACCOUNTS + "\nCREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint);"
    add_fk = ("ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) "
              "REFERENCES accounts (id) NOT VALID;")
    assert "fk-without-index" in rules(add_fk, setup=setup)
    assert "fk-without-index" not in rules(
        add_fk + "\nCREATE INDEX orders_account_id_idx ON orders (account_id);", setup=setup)


def test_opt_in_rule_runs_only_when_selected() -> None:
    migrations = [migration_from_text("ALTER TABLE accounts ADD COLUMN x text;", "0001_a.sql")]
    default = lint_migrations(migrations, LintOptions(), Catalog())[-1].all_findings
    assert "unqualified-table-name" not in {f.rule for f in default}
    selected = lint_migrations(migrations, LintOptions(select=frozenset({"opt-in"})),
                               Catalog())[-1].all_findings
    assert {f.rule for f in selected} == {"unqualified-table-name"}


def test_a_renamed_existing_table_is_not_new() -> None:
    # Renaming gives an existing table (with its rows) a new name: later statements on the new
    # name are judged like statements on an existing table.
    fired = rules("ALTER TABLE accounts RENAME TO customers;\n"
                  "CREATE INDEX customers_email_idx ON customers (email);")
    assert "index-without-concurrently" in fired
    fired_new = rules("CREATE TABLE drafts (id bigint, title text);\n"
                      "ALTER TABLE drafts RENAME TO draft_posts;\n"
                      "CREATE INDEX draft_posts_title_idx ON draft_posts (title);")
    assert "index-without-concurrently" not in fired_new


@pytest.mark.parametrize("sql", [
    # lemmy 2024-02-24 (comment_reply becomes notification): rename, DDL, then a data change.
    "ALTER TABLE accounts RENAME TO customers;\nALTER TABLE customers ADD COLUMN x int;\n"
    "INSERT INTO customers (id) VALUES (1);",
    "ALTER TABLE accounts RENAME TO customers;\nUPDATE customers SET note = 'x' WHERE id = 1;",
    "UPDATE accounts SET note = 'x' WHERE id = 1;\nALTER TABLE accounts RENAME TO customers;\n"
    "ALTER TABLE customers ADD COLUMN x int;",
])
def test_ddl_and_dml_on_a_renamed_existing_table_mix(sql: str) -> None:
    # The rename keeps the table (its rows, its OID, the ACCESS EXCLUSIVE the transaction
    # holds on it, checked on 18.6): it is not created in the transaction.
    (mixed,) = [f for f in findings(sql) if f.rule == "mixed-ddl-and-dml"]
    assert "public.customers" in mixed.message or "public.accounts" in mixed.message
    created = "CREATE TABLE drafts (id bigint, note text);\n" + sql.replace(
        "accounts", "drafts").replace("customers", "draft_posts")
    assert "mixed-ddl-and-dml" not in {f.rule for f in findings(created)}


def test_a_renamed_table_is_the_same_table_for_lock_accumulation() -> None:
    # A rewrite of the table the transaction renamed waits for no lock it lacks and holds
    # no other table: nothing accumulates, as without the rename.
    for sql in ("ALTER TABLE accounts RENAME TO customers;\n"
                "ALTER TABLE customers ADD COLUMN token uuid DEFAULT gen_random_uuid();",
                "ALTER TABLE accounts ADD COLUMN plan text;\n"
                "ALTER TABLE accounts ADD COLUMN token uuid DEFAULT gen_random_uuid();"):
        assert "lock-accumulation" not in rules(sql), sql


def test_an_update_rechecks_foreign_keys_of_rows_its_transaction_wrote() -> None:
    """PostgreSQL checks a row's foreign keys again when an UPDATE changes a row its own
    transaction wrote (verified against the server in tests/verify): ROW SHARE on the
    referenced table. Once the transaction is over, rows are checked only when the key
    changes."""
    setup = ACCOUNTS + "CREATE TABLE notes (id int, account_id bigint REFERENCES accounts);"

    def locks(sql: str, in_transaction: bool = True) -> list[dict]:
        migrations = [migration_from_text(setup, "0001_setup.sql"),
                      migration_from_text(sql, "0002_change.sql")]
        options = LintOptions(assume_in_transaction=in_transaction)
        report = lint_migrations(migrations, options, Catalog())[-1]
        return [s.effect.locks for s in report.statements]

    written = locks("UPDATE notes SET id = 1;\nUPDATE notes SET id = 2;")
    assert "public.accounts" not in written[0]
    assert written[1]["public.accounts"].pg_name == "RowShareLock"
    # Each statement its own transaction, or the transaction committed in between.
    assert all("public.accounts" not in x for x in locks(
        "UPDATE notes SET id = 1;\nUPDATE notes SET id = 2;", in_transaction=False))
    assert "public.accounts" not in locks(
        "BEGIN;\nUPDATE notes SET id = 1;\nCOMMIT;\nUPDATE notes SET id = 2;",
        in_transaction=False)[3]
    inserted = locks("INSERT INTO notes VALUES (1, 1);\nUPDATE notes SET id = 2;")
    assert inserted[1]["public.accounts"].pg_name == "RowShareLock"


@pytest.mark.parametrize(("setup", "written"), [
    (ACCOUNTS, "ADD COLUMN email_address text;"),
    ("CREATE TABLE accounts (id bigint, email varchar(320) NOT NULL);",
     "ADD COLUMN email_address varchar(320);"),
    # a table no migration created: type unknown, a stand-in that says so
    ("", "ADD COLUMN email_address type_of_email;  -- replace type_of_email with the type of "
         "email"),
])
def test_rename_column_alternative_names_the_column_type(setup: str, written: str) -> None:
    (finding,) = [f for f in findings("ALTER TABLE accounts RENAME COLUMN email TO "
                                      "email_address;", setup=setup)
                  if f.rule == "rename-column"]
    assert written in finding.instead


@pytest.mark.parametrize(("sql", "rule", "written"), [
    ("ALTER TABLE accounts ADD COLUMN code varchar(12);", "prefer-text-over-varchar",
     "CHECK (char_length(code) <= 12)"),
    ("ALTER TABLE accounts ALTER COLUMN email TYPE varchar(320);", "prefer-text-over-varchar",
     "CHECK (char_length(email) <= 320)"),
    ("ALTER TABLE accounts ADD COLUMN country char(2);", "ban-char-column",
     "CHECK (char_length(country) = 2)"),
])
def test_length_alternatives_name_the_length(sql: str, rule: str, written: str) -> None:
    (finding,) = [f for f in findings(sql) if f.rule == rule]
    assert written in finding.instead


@pytest.mark.parametrize(("column", "new_type", "rewrites"), [
    ("tags", "varchar(40)[]", True),  # arrays are cast element by element
    ("tags", "text[]", True),
    ("tags", "varchar[]", False),  # only the typmod goes: a relabel
    ("took", "interval(3)", True),  # interval typmods are kept, not ignored
    ("took", "interval HOUR TO MINUTE", True),
    ("took", "interval(6)", False),
    ("created_at", "timestamp(6)", False),  # 6 is the maximum precision
    ("created_at", "timestamp(5)", True),
])
def test_type_change_arrays_intervals_and_precision(column: str, new_type: str,
                                                    rewrites: bool) -> None:
    setup = ("CREATE TABLE jobs (id bigint, tags varchar(20)[], took interval, "
             "created_at timestamp);")
    found = rules(f"ALTER TABLE jobs ALTER COLUMN {column} TYPE {new_type};", setup=setup)
    assert ("column-type-change-rewrites" in found) == rewrites


def test_timestamptz_to_timestamp_in_utc_does_not_rewrite_from_pg12() -> None:
    setup = "CREATE TABLE events (id bigint, happened_at timestamptz);"
    sql = "SET LOCAL TimeZone = 'UTC';\nALTER TABLE events ALTER COLUMN happened_at TYPE timestamp;"
    assert "column-type-change-rewrites" not in rules(sql, setup=setup)
    assert "column-type-change-rewrites" in rules(sql, setup=setup, pg_version=11)
    assert "column-type-change-rewrites" in rules(sql.split("\n", 1)[1], setup=setup)


def test_column_used_by_a_view_fails_and_drop_column_stays_quiet() -> None:
    setup = ("CREATE TABLE users (id bigint, name varchar(50), email text);\n"
             "CREATE VIEW v_users AS SELECT id, name FROM users;")
    dropped = rules("ALTER TABLE users DROP COLUMN name;", setup=setup)
    # drop-column's alternative repeats the DROP, which would fail the same way
    assert "column-used-by-view" in dropped and "drop-column" not in dropped
    assert "column-used-by-view" in rules(
        "ALTER TABLE users ALTER COLUMN name TYPE varchar(100);", setup=setup)
    other = rules("ALTER TABLE users DROP COLUMN email;", setup=setup)
    assert "column-used-by-view" not in other and "drop-column" in other
    cascade = rules("ALTER TABLE users DROP COLUMN name CASCADE;", setup=setup)
    assert "column-used-by-view" not in cascade and "drop-column" in cascade


def test_column_used_by_a_policy_fails_and_drop_column_stays_quiet() -> None:
    setup = ("CREATE TABLE docs (id bigint, owner_id int, note text);\n"
             "CREATE POLICY own ON docs USING (owner_id = 1);")
    dropped = rules("ALTER TABLE docs DROP COLUMN owner_id;", setup=setup)
    # drop-column's alternative repeats the DROP, which would fail the same way
    assert "column-used-by-policy" in dropped and "drop-column" not in dropped
    other = rules("ALTER TABLE docs DROP COLUMN note;", setup=setup)
    assert "column-used-by-policy" not in other and "drop-column" in other
    cascade = rules("ALTER TABLE docs DROP COLUMN owner_id CASCADE;", setup=setup)
    assert "column-used-by-policy" not in cascade and "drop-column" in cascade


def test_identity_refused_on_a_nullable_column_is_not_also_said_to_collide() -> None:
    setup = "CREATE TABLE accounts (id bigint PRIMARY KEY, legacy_id bigint);"
    found = rules("ALTER TABLE accounts ALTER COLUMN legacy_id ADD GENERATED ALWAYS AS IDENTITY;",
                  setup=setup)
    # identity-added-to-populated-column's alternative repeats the ADD, which fails the same way
    assert "identity-on-nullable-column" in found
    assert "identity-added-to-populated-column" not in found


def test_add_not_null_constraint_is_judged_from_pg18() -> None:
    sql = "ALTER TABLE accounts ADD CONSTRAINT accounts_email_nn NOT NULL email;"
    assert "add-not-null-constraint" in rules(sql, pg_version=18)
    assert "add-not-null-constraint" not in rules(
        sql.replace(";", " NOT VALID;"), pg_version=18)
    proven = ACCOUNTS + "\nALTER TABLE accounts ADD CONSTRAINT ck CHECK (NOT (email IS NULL));"
    assert "add-not-null-constraint" not in rules(sql, setup=proven, pg_version=18)


@pytest.mark.parametrize(("check", "proven"), [
    ("email IS NOT NULL AND length(email) > 3", True),
    ("NOT (email IS NULL)", True),
    ("length(email) > 3", False),
    ("email IS NOT NULL OR note IS NOT NULL", False),
])
def test_set_not_null_proof_follows_predtest(check: str, proven: bool) -> None:
    setup = ACCOUNTS + f"\nALTER TABLE accounts ADD CONSTRAINT ck CHECK ({check});"
    found = rules("ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;", setup=setup)
    assert ("set-not-null" not in found) == proven

_AGAIN = "CREATE TABLE IF NOT EXISTS accounts (id bigint PRIMARY KEY, email text, note text);\n"


@pytest.mark.parametrize(("change", "rule"), [
    ("CREATE INDEX accounts_email ON accounts (email);", "index-without-concurrently"),
    ("ALTER TABLE accounts ADD COLUMN u uuid DEFAULT gen_random_uuid();",
     "add-column-volatile-default"),
    ("ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;", "set-not-null"),
])
def test_create_table_if_not_exists_of_an_existing_table_does_not_make_it_new(
        change: str, rule: str) -> None:
    """PostgreSQL skips CREATE TABLE IF NOT EXISTS of a table an earlier migration created:
    the next statements change the old table, with its rows, not a new empty one."""
    assert rule in rules(_AGAIN + change)
    # A table the IF NOT EXISTS does create is new: the same change is safe on it.
    assert rule not in rules(_AGAIN.replace("accounts", "fresh") +
                             change.replace("accounts", "fresh"))


def test_skipped_create_takes_no_lock_on_the_referenced_table() -> None:
    from lockwise.catalog.replay import apply_statement
    from lockwise.effects.context import Context
    from lockwise.effects.postgres import compute_effect
    from lockwise.parse.postgres import parse_sql

    catalog = Catalog()
    for sql in ("CREATE TABLE p (id int PRIMARY KEY)", "CREATE TABLE c (pid int)"):
        apply_statement(catalog, parse_sql(sql).statements[0].tree)
    again = parse_sql("CREATE TABLE IF NOT EXISTS c (pid int REFERENCES p)").statements[0]
    effect = compute_effect(again.tree, Context(catalog=catalog))
    assert effect.locks == {} and not effect.creates
    assert [a.facts.get("exists_already") for a in effect.actions] == [True]
    fresh = parse_sql("CREATE TABLE IF NOT EXISTS d (pid int REFERENCES p)").statements[0]
    assert "public.p" in compute_effect(fresh.tree, Context(catalog=catalog)).locks


EVENTS = """CREATE TABLE events (id bigint, day date, kind text) PARTITION BY RANGE (day);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
"""


def test_reindex_of_a_partitioned_table_names_each_index_to_rebuild_instead() -> None:
    # The parent's indexes (their parts attached below them are rebuilt with them) and a
    # partition's own index, written as the statement writes the table: qualified here.
    setup = EVENTS + ("CREATE INDEX events_day ON events (day);\n"
                      "CREATE INDEX events_2025_kind ON events_2025 (kind);")
    sql = "REINDEX TABLE CONCURRENTLY public.events;"
    (found,) = [f for f in findings(sql, setup=setup, in_transaction=False)
                if f.rule == "reindex-partitioned-table-concurrently"]
    steps = [line for line in found.instead.splitlines() if not line.startswith("--")]
    # (each its own migration: REINDEX CONCURRENTLY refuses a transaction block)
    assert steps == [f"REINDEX INDEX CONCURRENTLY public.events_day;{OWN_MIGRATION}",
                     f"REINDEX INDEX CONCURRENTLY public.events_2025_kind;{OWN_MIGRATION}"]
    # Without an index the catalog knows, the advice says what to do in words.
    (bare,) = [f for f in findings("REINDEX TABLE CONCURRENTLY events;", setup=EVENTS,
                                   in_transaction=False)
               if f.rule == "reindex-partitioned-table-concurrently"]
    assert "each index of events" in bare.instead
    # REINDEX INDEX CONCURRENTLY of the partitioned index, and REINDEX TABLE of a partition,
    # take no SHARE lock: neither rule speaks.
    for quiet in ("REINDEX INDEX CONCURRENTLY events_day;",
                  "REINDEX TABLE CONCURRENTLY events_2024;"):
        assert not {"reindex-partitioned-table-concurrently", "missing-lock-timeout"} & rules(
            quiet, setup=setup, in_transaction=False)


@pytest.mark.parametrize("sql, says", [
    # One table: SHARE on it and ACCESS EXCLUSIVE on its indexes for the whole rebuild.
    ("REINDEX TABLE events_2024;", "every query on the table waits for the whole rebuild"),
    # A partitioned table or index, a schema: each partition (table) in its own transaction,
    # so a query waits for its partition's (table's) rebuild only (checked on the server:
    # tests/oracle, reindex of partitioned tables and indexes).
    ("REINDEX TABLE events;", "rebuilds one partition at a time"),
    ("REINDEX INDEX events_day;", "rebuilds one partition at a time"),
    ("REINDEX SCHEMA public;", "rebuilds one table at a time"),
])
def test_reindex_without_concurrently_says_what_waits_for_how_long(sql: str, says: str) -> None:
    setup = EVENTS + "CREATE INDEX events_day ON events (day);"
    (found,) = [f for f in findings(sql, setup=setup, in_transaction=False)
                if f.rule == "reindex-without-concurrently"]
    assert says in found.message, found.message


def test_index_on_partitioned_table_is_not_safe() -> None:
    # It takes SHARE on every partition for the whole build; the plain-table rule's advice
    # (CONCURRENTLY) is refused on a partitioned table, so the partitioned rule speaks instead.
    (found,) = [f for f in findings("CREATE INDEX events_kind_idx ON events (kind);",
                                    setup=EVENTS) if f.rule == "index-on-partitioned-table"]
    assert "index-without-concurrently" not in rules(
        "CREATE INDEX events_kind_idx ON events (kind);", setup=EVENTS)
    assert "CREATE INDEX IF NOT EXISTS events_kind_idx ON ONLY events (kind);" in found.instead
    for part in ("events_2024", "events_2025"):
        assert f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {part}_kind_idx ON {part} (kind);" \
            in found.instead
        assert f"ALTER INDEX events_kind_idx ATTACH PARTITION {part}_kind_idx;" in found.instead


def test_index_on_only_partitioned_table_or_without_partitions_is_safe() -> None:
    assert "index-on-partitioned-table" not in rules(
        "CREATE INDEX events_kind_idx ON ONLY events (kind);", setup=EVENTS)
    assert "index-on-partitioned-table" not in rules(
        "CREATE INDEX events_kind_idx ON events (kind);", setup=EVENTS.splitlines()[0])


def test_unique_constraint_on_partitioned_table_is_written_partition_by_partition() -> None:
    # add-unique-constraint's advice (CONCURRENTLY, USING INDEX) is refused on a partitioned
    # table: the partitioned rule writes each partition's steps instead.
    sql = "ALTER TABLE events ADD CONSTRAINT events_pk PRIMARY KEY (id, day);"
    (found,) = [f for f in findings(sql, setup=EVENTS)
                if f.rule == "unique-constraint-on-partitioned-table"]
    assert "add-unique-constraint" not in rules(sql, setup=EVENTS)
    # Each partition's key named as PostgreSQL names the one it would build (`_pkey`).
    for part in ("events_2024", "events_2025"):
        assert (f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {part}_pkey ON {part} "
                "(id, day);" in found.instead)
        assert (f"ALTER TABLE {part} ADD CONSTRAINT {part}_pkey PRIMARY KEY USING INDEX "
                f"{part}_pkey;" in found.instead)
    # The columns may hold NULLs: made NOT NULL first, proven by a validated CHECK, dropped
    # once the key holds.
    assert "ALTER TABLE events ALTER COLUMN id SET NOT NULL, ALTER COLUMN day SET NOT NULL;" \
        in found.instead
    *_, attach, drop = found.instead.splitlines()
    assert attach.startswith("ALTER TABLE events ADD CONSTRAINT events_pk PRIMARY KEY (id, day);")
    assert drop == "ALTER TABLE events DROP CONSTRAINT events_pk_not_null;"


def test_unique_constraint_on_partitioned_table_with_prepared_partitions_is_safe() -> None:
    # The last step of the plan: each partition has its constraint, which is attached. (An
    # index is a relation: named as its table, PostgreSQL refuses it, and the replay with it.)
    prepared = EVENTS + "".join(
        f"CREATE UNIQUE INDEX {p}_key ON {p} (id, day);"
        f"ALTER TABLE {p} ADD CONSTRAINT {p}_key UNIQUE USING INDEX {p}_key;"
        for p in ("events_2024", "events_2025"))
    sql = "ALTER TABLE events ADD UNIQUE (id, day);"
    assert not {"unique-constraint-on-partitioned-table", "add-unique-constraint"} & rules(
        sql, setup=prepared)
    # Not when the columns are in another order: new indexes are built.
    assert "unique-constraint-on-partitioned-table" in rules(
        "ALTER TABLE events ADD UNIQUE (day, id);", setup=prepared)
    # A plain table's matching constraint does not spare the build of another index.
    assert "add-unique-constraint" in rules(
        "ALTER TABLE events_2024 ADD UNIQUE (id, day);", setup=prepared)


def test_concurrent_index_on_partitioned_table_fails() -> None:
    sql = "CREATE INDEX CONCURRENTLY events_kind_idx ON events (kind);"
    assert "concurrent-index-on-partitioned-table" in rules(sql, setup=EVENTS,
                                                           in_transaction=False)
    assert "concurrent-index-on-partitioned-table" not in rules(
        "CREATE INDEX CONCURRENTLY events_2024_kind_idx ON events_2024 (kind);", setup=EVENTS,
        in_transaction=False)


@pytest.mark.parametrize(("setup", "pg_version", "advice"), [
    (EVENTS, 16, "ALTER TABLE events DETACH PARTITION events_2025 CONCURRENTLY;"),
    (EVENTS, 13, "SET LOCAL lock_timeout"),
    (EVENTS + "CREATE TABLE events_other PARTITION OF events DEFAULT;", 16,
     "SET LOCAL lock_timeout"),
])
def test_drop_partition_locks_the_parent(setup: str, pg_version: int, advice: str) -> None:
    (found,) = [f for f in findings("DROP TABLE events_2025;", setup=setup,
                                    pg_version=pg_version) if f.rule == "drop-partition"]
    assert advice in found.instead
    # Refused before 14 and with a DEFAULT partition: not suggested there.
    assert ("DETACH PARTITION events_2025 CONCURRENTLY" in found.instead) == \
        advice.startswith("ALTER TABLE")


def test_drop_of_an_ordinary_table_is_not_a_partition_drop() -> None:
    assert "drop-partition" not in rules("DROP TABLE accounts;")


@pytest.mark.parametrize(("sql", "rule", "named"), [
    ("VACUUM FULL;", "vacuum-full", "VACUUM FULL rewrites every table of the database"),
    ("VACUUM FULL accounts;", "vacuum-full", "VACUUM FULL rewrites public.accounts"),
    ("TRUNCATE accounts, orders;", "truncate-table", "TRUNCATE accounts, orders deletes"),
    # (DROP INDEX IF EXISTS of an unknown index and a known one named the table here until
    # drop-index-without-concurrently's alternative came to supersede the finding.)
    ("ALTER TABLE orders ADD CONSTRAINT orders_fk FOREIGN KEY (id) REFERENCES accounts (id) "
     "NOT VALID;", "missing-lock-timeout",
     "SHARE ROW EXCLUSIVE on public.orders, public.accounts with"),
])
def test_messages_name_every_table_the_statement_reaches(sql: str, rule: str,
                                                         named: str) -> None:
    setup = ACCOUNTS + ("CREATE TABLE orders (id bigint);\n"
                        "CREATE INDEX accounts_email ON accounts (email);")
    found = [f for f in findings(sql, setup=setup, in_transaction=False) if f.rule == rule]
    assert found and named in found[0].message, [f.message for f in found]


#: A partitioned key table, a table referencing one of its partitions, one referencing it.
_KEYS_PARTED = ("CREATE TABLE k (a int PRIMARY KEY) PARTITION BY LIST (a);\n"
                "CREATE TABLE k1 PARTITION OF k FOR VALUES IN (1);\n"
                "CREATE TABLE to_part (a int REFERENCES k1);\n"
                "CREATE TABLE to_parent (a int REFERENCES k) PARTITION BY LIST (a);\n"
                "CREATE TABLE to_parent1 PARTITION OF to_parent FOR VALUES IN (1);\n")


@pytest.mark.parametrize(("sql", "named"), [
    # A key to a partition is a key to what the parent's TRUNCATE empties.
    ("TRUNCATE k CASCADE;", "(public.to_parent, public.to_part)"),
    # A key to the partitioned parent reaches each partition: its partition's TRUNCATE too.
    ("TRUNCATE k1 CASCADE;", "(public.to_parent, public.to_part)"),
])
def test_truncate_cascade_names_the_tables_referencing_any_partition(sql: str,
                                                                      named: str) -> None:
    found = [f for f in findings(sql, setup=_KEYS_PARTED) if f.rule == "truncate-cascade"]
    assert found and named in found[0].message, [f.message for f in found]


def test_type_change_without_rewrite_that_rebuilds_an_index_needs_downtime() -> None:
    # No rewrite in a UTC session, but the index over the column moves from timestamp_ops to
    # timestamptz_ops: it is built again from every row under ACCESS EXCLUSIVE.
    setup = ("CREATE TABLE events (id bigint, happened_at timestamp);\n"
             "CREATE INDEX events_happened_at_idx ON events (happened_at DESC);")
    sql = ("SET LOCAL lock_timeout = '5s';\nSET LOCAL statement_timeout = '30s';\n"
           "SET timezone = 'UTC';\n"
           "ALTER TABLE events ALTER COLUMN happened_at TYPE timestamptz USING happened_at;")
    fired = rules(sql, setup=setup)
    assert "column-type-change-reads-table" in fired
    assert "column-type-change-rewrites" not in fired
    unindexed = "CREATE TABLE events (id bigint, happened_at timestamp);"
    assert rules(sql, setup=unindexed) == set()


def test_foreign_key_on_a_new_table_filled_from_an_old_one_blocks_writes_to_the_target() -> None:
    # The new table is invisible to the application, but it holds every row of `likes`: the
    # validation reads them all while writes to `accounts` wait.
    setup = ACCOUNTS + "\nCREATE TABLE likes (account_id bigint, post_id bigint);"
    fk = ("ALTER TABLE account_likes ADD CONSTRAINT account_likes_account_fk "
          "FOREIGN KEY (account_id) REFERENCES accounts (id);")
    prefix = "SET LOCAL lock_timeout = '5s';\n"
    filled = prefix + "CREATE TABLE account_likes AS SELECT account_id FROM likes;\n" + fk
    assert "add-foreign-key-validated" in rules(filled, setup=setup)
    empty = prefix + "CREATE TABLE account_likes (account_id bigint);\n" + fk
    assert "add-foreign-key-validated" not in rules(empty, setup=setup)
    constants = prefix + ("CREATE TABLE account_likes (account_id bigint);\n"
                          "INSERT INTO account_likes VALUES (1);\n") + fk
    assert "add-foreign-key-validated" not in rules(constants, setup=setup)


NOT_NULL = "ALTER TABLE accounts ADD COLUMN plan text NOT NULL;"


@pytest.mark.parametrize(("before", "fires"), [
    ("TRUNCATE accounts;", False),
    ("TRUNCATE accounts CASCADE;", False),
    ("TRUNCATE accounts, other;", False),
    ("DELETE FROM accounts;", True),
    ("TRUNCATE other;", True),
    ("TRUNCATE accounts; INSERT INTO accounts (id) VALUES (1);", True),
    ("TRUNCATE accounts; COPY accounts FROM '/srv/accounts.csv';", True),
    # Code lockwise does not read whole may write any table.
    ("TRUNCATE accounts; DO $$ BEGIN EXECUTE 'INSERT INTO accounts VALUES (1)'; END $$;", True),
    ("TRUNCATE accounts; SELECT fill_accounts();", True),
    ("TRUNCATE accounts; SELECT set_config('app.x', 'y', true);", False),
    ("TRUNCATE accounts; UPDATE other SET id = 1;", False),
    # Catalog-only changes lint models: no row is written.
    ("TRUNCATE accounts; ALTER STATISTICS accounts_st SET STATISTICS 500;", False),
    ("TRUNCATE accounts; ALTER TABLE accounts ALTER COLUMN email SET COMPRESSION pglz;", False),
])
def test_a_table_truncated_in_the_transaction_is_empty(before: str, fires: bool) -> None:
    setup = ACCOUNTS + "CREATE TABLE other (id int);" \
        "CREATE STATISTICS accounts_st ON id, email FROM accounts;"
    found = rules(f"{before}\n{NOT_NULL}", setup=setup)
    assert ("add-column-not-null-without-default" in found) is fires


@pytest.mark.parametrize(("between", "reads_accounts"), [
    ("", False),
    ("INSERT INTO audit (account_id) SELECT id FROM accounts;", True),
])
def test_foreign_key_of_an_empty_table_does_not_read_the_referenced_table(
        between: str, reads_accounts: bool) -> None:
    # Checked on the server: validating a key of a table with no row reads the referenced
    # table not at all (0 scans of a 200,000-row table); once filled, in full.
    sql = ("CREATE TABLE audit (account_id bigint, note text);\n" + between +
           "\nALTER TABLE audit ADD CONSTRAINT audit_account_fk FOREIGN KEY (account_id) "
           "REFERENCES accounts (id);")
    reports = lint_migrations([migration_from_text(ACCOUNTS, "0001_setup.sql"),
                               migration_from_text(sql, "0002_change.sql")],
                              LintOptions(pg_version=16, assume_in_transaction=True), Catalog())
    fk = reports[-1].statements[-1].effect
    assert "public.audit" in fk.scans
    assert ("public.accounts" in fk.scans) is reads_accounts


def test_table_is_empty_fact_follows_the_migration() -> None:
    from lockwise.effects.context import Context
    from lockwise.effects.postgres import compute_effect
    from lockwise.lint import _track_empty_tables
    from lockwise.parse.postgres import parse_sql

    ctx = Context()

    def run(sql: str, in_transaction: bool = True) -> None:
        for stmt in parse_sql(sql).statements:
            _track_empty_tables(ctx, compute_effect(stmt.tree, ctx), in_transaction)

    run("CREATE TABLE n (id int); CREATE TABLE f AS SELECT 1 AS id; CREATE TABLE IF NOT EXISTS"
        " accounts (id int); SELECT 1 AS id INTO g; CREATE TABLE e AS SELECT 1 AS id WITH NO DATA;")
    assert ctx.table_is_empty("public.n")
    assert ctx.table_is_empty("public.e")  # WITH NO DATA
    assert not ctx.table_is_empty("public.f")  # filled by its query
    assert not ctx.table_is_empty("public.g")
    run("TRUNCATE accounts;")
    assert ctx.table_is_empty("public.accounts")
    run("SELECT 1;", in_transaction=False)  # the transaction ended: its lock is gone
    assert not ctx.table_is_empty("public.accounts")
    assert ctx.table_is_empty("public.n")  # a new table stays empty until written
    run("INSERT INTO n VALUES (1);")
    assert not ctx.table_is_empty("public.n")


def test_create_schema_elements_are_judged_where_they_are_written() -> None:
    """The elements of CREATE SCHEMA are judged as the statements they are, on the tables
    they create in the new schema: each finding points at its element (past a comment and
    names that are not ASCII), and an index on a table the statement creates is not one to
    build concurrently. An element PostgreSQL refuses fails the whole statement, which its
    refusal alone then judges."""
    sql = ("CREATE SCHEMA app\n"
           "  CREATE TABLE \"größe\" (id bigint PRIMARY KEY, at timestamp) -- (x\n"
           "  CREATE INDEX ON \"größe\" (at)\n"
           "  CREATE TABLE refs (id bigint PRIMARY KEY,\n"
           "                     email text REFERENCES accounts (email));\n")
    refused = {f.rule: f for f in findings(sql)}
    assert refused.keys() == {"foreign-key-without-unique-target"}
    found = {f.rule: f for f in findings(sql.replace("(email)", "(id)").replace(
        "email text", "email bigint"))}
    assert "prefer-timestamptz" in found
    assert "index-without-concurrently" not in found
    # quoted as PostgreSQL's quote_ident quotes a name that is not ASCII (checked on 18.6)
    assert 'app."größe".at' in found["prefer-timestamptz"].message
    fk = refused["foreign-key-without-unique-target"]
    assert (fk.span.line, fk.span.column, fk.span.end_line, fk.span.end_column) == (4, 3, 5, 60)
    assert sql[fk.span.start_offset:fk.span.end_offset].startswith("CREATE TABLE refs")
    assert sql[fk.span.start_offset:fk.span.end_offset].endswith("(email))")
    timestamp = found["prefer-timestamptz"].span
    assert (timestamp.line, timestamp.column, timestamp.end_line) == (2, 3, 2)


# A COMMIT written in a migration the tool wraps in a transaction ends that transaction: the
# statements after it run in autocommit where the tool sends them one by one (checked on the
# server: tests/test_rule_facts_pg.py::test_a_commit_in_the_tools_transaction_matches_server).
AFTER_COMMIT = "ALTER TABLE accounts ADD COLUMN n int;\n{end};\n"


@pytest.mark.parametrize("end", ["COMMIT", "ROLLBACK", "END"])
def test_concurrently_after_the_tools_transaction_is_committed(end: str) -> None:
    sql = AFTER_COMMIT.format(end=end) + \
        "CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);"
    fired = rules(sql)
    assert "concurrently-in-transaction" not in fired
    # Outside a transaction a failed build leaves an INVALID index: IF NOT EXISTS to retry.
    assert "missing-if-exists" in fired
    # Without the COMMIT it is refused inside the tool's transaction.
    assert "concurrently-in-transaction" in rules(
        "CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);")


def test_set_local_before_a_commit_does_not_cover_what_follows() -> None:
    covered = "SET LOCAL lock_timeout = '5s';\nALTER TABLE accounts ADD COLUMN n int;\n"
    assert "missing-lock-timeout" not in rules(covered)
    fired = rules(covered.replace("ALTER", "COMMIT;\nALTER"))
    assert "missing-lock-timeout" in fired
    # and a SET LOCAL after it is outside any transaction: it does nothing
    assert "set-local-outside-transaction" in rules("COMMIT;\n" + covered)


def test_a_commit_in_a_one_string_migration_leaves_the_rest_in_a_transaction() -> None:
    import dataclasses

    sql = AFTER_COMMIT.format(end="COMMIT") + \
        "CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);"
    for layout in ("sqlx", "golang-migrate"):
        migrations = [dataclasses.replace(migration_from_text(text, name), layout=layout)
                      for text, name in ((ACCOUNTS, "1_setup.sql"), (sql, "2_change.sql"))]
        found = {f.rule for f in lint_migrations(migrations, LintOptions(), Catalog())[-1]
                 .all_findings}
        assert "concurrently-in-transaction" in found, layout


def test_vacuum_full_of_the_toast_table_only_still_holds_the_table() -> None:
    # PROCESS_MAIN false leaves the table's file alone, but its TOAST table (often most of
    # its data) is rewritten while the table is held ACCESS EXCLUSIVE.
    found = rules("VACUUM (PROCESS_MAIN false, FULL) accounts;", in_transaction=False)
    assert {"vacuum-full", "missing-statement-timeout"} <= found
    assert "missing-statement-timeout" not in rules("VACUUM (PROCESS_MAIN false) accounts;",
                                                    in_transaction=False)


def test_vacuum_full_of_the_whole_database_holds_each_known_table() -> None:
    # Without a table list each table is rewritten in turn under ACCESS EXCLUSIVE.
    assert "missing-statement-timeout" in rules("VACUUM FULL;", in_transaction=False)
    assert "missing-statement-timeout" not in rules("VACUUM;", in_transaction=False)


def test_statement_timeout_names_the_table_read_not_the_parent() -> None:
    # ATTACH holds the parent SHARE UPDATE EXCLUSIVE and reads the new partition under
    # ACCESS EXCLUSIVE: the message names the partition as what is read and held.
    setup = ("CREATE TABLE events (id bigint, day date) PARTITION BY RANGE (day);\n"
             "CREATE TABLE events_2025 (id bigint, day date);")
    (finding,) = [f for f in findings("ALTER TABLE events ATTACH PARTITION events_2025 FOR "
                                      "VALUES FROM ('2025-01-01') TO ('2026-01-01');", setup)
                  if f.rule == "missing-statement-timeout"]
    assert "reads or rewrites public.events_2025 while holding ACCESS EXCLUSIVE on " \
           "public.events_2025," in finding.message
    assert "public.events " not in finding.message and "public.events," not in finding.message


@pytest.mark.parametrize("make", ["SELECT id, email INTO copy FROM accounts;",
                                  "CREATE TABLE copy AS SELECT id, email FROM accounts;"])
def test_a_table_made_from_a_query_is_new_and_its_columns_known(make: str) -> None:
    """SELECT ... INTO creates its table as CREATE TABLE ... AS does: changed in the same
    migration it locks no one out; in a later one, its columns are those of the query (a
    varchar(200) made text stores the same bytes: no rewrite)."""
    assert rules(make + "ALTER TABLE copy ADD PRIMARY KEY (id);") == set()
    setup = "CREATE TABLE accounts (id bigint PRIMARY KEY, email varchar(200));" + make
    found = rules("SET lock_timeout = '1s'; ALTER TABLE copy ALTER COLUMN email TYPE text;",
                  setup=setup)
    assert "column-type-change-rewrites" not in found
    widened = rules("SET lock_timeout = '1s'; ALTER TABLE copy ALTER COLUMN id TYPE int;",
                    setup=setup)
    assert "column-type-change-rewrites" in widened


@pytest.mark.parametrize(("sql", "kind", "facts"), [
    ("ALTER STATISTICS accounts_st SET STATISTICS 500", "alter_statistics",
     {"name": "public.accounts_st", "table": "public.accounts"}),
    ("ALTER STATISTICS IF EXISTS gone SET STATISTICS 500", "alter_statistics",
     {"name": "public.gone", "table": "", "if_exists": True}),
    ("ALTER TABLE accounts ALTER COLUMN email SET COMPRESSION pglz", "column_set_compression",
     {"table": "public.accounts", "column": "email"}),
])
def test_catalog_only_statements_have_named_actions(sql: str, kind: str, facts: dict) -> None:
    """Not `other` / `alter_table_other`: the statistics object and its table, the column,
    are facts; ALTER STATISTICS locks no table (oracle case alter-statistics-set-statistics)."""
    from lockwise.catalog.replay import apply_statement
    from lockwise.effects.context import Context
    from lockwise.effects.postgres import compute_effect
    from lockwise.parse.postgres import parse_sql

    catalog = Catalog()
    for stmt in parse_sql(ACCOUNTS + "CREATE STATISTICS accounts_st ON id, email FROM accounts;"
                          ).statements:
        apply_statement(catalog, stmt.tree)
    effect = compute_effect(parse_sql(sql).statements[0].tree, Context(catalog=catalog))
    (action,) = effect.actions
    assert action.kind == kind
    assert {k: action.facts.get(k) for k in facts} == facts
    assert effect.locks == ({} if kind == "alter_statistics"
                            else {"public.accounts": LockMode.ACCESS_EXCLUSIVE})


@pytest.mark.parametrize(("sql", "kept"), [
    # CONCURRENTLY takes SHARE UPDATE EXCLUSIVE: the CONCURRENTLY finding clears this one.
    ("CREATE INDEX accounts_note_idx ON accounts (note);", False),
    ("VACUUM FULL accounts;", False),
    # A rewrite keeps ACCESS EXCLUSIVE, and missing-statement-timeout's SET statement_timeout
    # is an addition, not the statement done otherwise: neither clears it.
    ("ALTER TABLE accounts ALTER COLUMN note TYPE int USING note::int;", True),
    ("ALTER TABLE accounts RENAME COLUMN note TO remark;", True),
])
def test_lock_timeout_finding_left_out_only_where_an_alternative_needs_none(
        sql: str, kept: bool) -> None:
    found = rules(sql, in_transaction="VACUUM" not in sql)
    assert found - {"missing-lock-timeout"}  # another finding with an alternative
    assert ("missing-lock-timeout" in found) is kept


def test_a_waived_concurrently_finding_leaves_the_lock_timeout_finding() -> None:
    """Whoever waives the CONCURRENTLY advice keeps the SHARE lock: lock_timeout matters."""
    sql = ("-- lockwise: ignore[index-without-concurrently] reason: a small table\n"
           "CREATE INDEX accounts_note_idx ON accounts (note);")
    assert rules(sql) == {"missing-lock-timeout"}
    ignored = LintOptions(pg_version=16, assume_in_transaction=True,
                          ignore=frozenset({"index-without-concurrently"}))
    report = lint_migrations([migration_from_text(ACCOUNTS, "0001_setup.sql"),
                              migration_from_text("CREATE INDEX i ON accounts (note);",
                                                  "0002_change.sql")], ignored, Catalog())[-1]
    assert {f.rule for f in report.all_findings} == {"missing-lock-timeout"}


@pytest.mark.parametrize(("sql", "queued"), [
    ("CREATE TRIGGER t BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION f();",
     "every write (reads go on) on it queues"),
    ("ALTER TABLE accounts ADD COLUMN extra text;", "every read and write on it queues"),
])
def test_lock_timeout_message_says_whether_reads_queue(sql: str, queued: str) -> None:
    [message] = [f.message for f in findings(sql) if f.rule == "missing-lock-timeout"]
    assert queued in message


TWO_ALTERS = ("ALTER TABLE accounts ADD COLUMN a text;\n"
              "ALTER TABLE accounts ADD COLUMN b text;\n"
              "ALTER TABLE accounts ADD COLUMN c text;")


def _lock_timeout_findings(sql: str, **kwargs) -> list[Finding]:
    return [f for f in findings(sql, **kwargs) if f.rule == "missing-lock-timeout"]


@pytest.mark.parametrize(("in_transaction", "cover"), [
    (True, "later in the same transaction wait without a lock_timeout too: one SET LOCAL "
           "lock_timeout at its start covers them all."),
    (False, "after it wait without a lock_timeout too: one SET lock_timeout before this "
            "statement covers them all."),
])
def test_lock_timeout_reported_once_for_what_one_set_covers(in_transaction: bool,
                                                            cover: str) -> None:
    [found] = _lock_timeout_findings(TWO_ALTERS, in_transaction=in_transaction)
    assert found.statement_index == 0
    assert found.message.endswith(f"Statements 2 (line 2) and 3 (line 3) {cover}")


def test_each_transaction_gets_its_own_lock_timeout_finding() -> None:
    sql = ("BEGIN;\nALTER TABLE accounts ADD COLUMN a text;\n"
           "ALTER TABLE accounts ADD COLUMN b text;\nCOMMIT;\n"
           "BEGIN;\nALTER TABLE accounts ADD COLUMN c text;\nCOMMIT;")
    found = _lock_timeout_findings(sql, in_transaction=False)
    assert [f.statement_index for f in found] == [1, 5]
    assert "Statement 3 (line 3) later in the same transaction waits" in found[0].message
    assert "Statement" not in found[1].message


def test_a_session_set_covers_the_transactions_after_it() -> None:
    sql = ("ALTER TABLE accounts ADD COLUMN a text;\n"
           "BEGIN;\nALTER TABLE accounts ADD COLUMN b text;\nCOMMIT;")
    [found] = _lock_timeout_findings(sql, in_transaction=False)
    assert found.statement_index == 0 and "Statement 3 (line 3) after it" in found.message


def test_a_statement_waived_leaves_the_next_one_reported() -> None:
    sql = "-- lockwise: ignore[missing-lock-timeout] reason: tiny table\n" + TWO_ALTERS
    [found] = _lock_timeout_findings(sql)
    assert found.statement_index == 1 and "Statement 3 (line 4)" in found.message


def test_many_statements_are_counted_past_the_fifth() -> None:
    sql = "\n".join(f"ALTER TABLE accounts ADD COLUMN c{i} text;" for i in range(9))
    [found] = _lock_timeout_findings(sql)
    assert "Statements 2 (line 2), 3 (line 3), 4 (line 4), 5 (line 5), 6 (line 6) and 3 more " \
           "later" in found.message


def test_a_covered_statement_keeps_its_safety_without_a_finding_of_its_own() -> None:
    migrations = [migration_from_text(ACCOUNTS, "0001_setup.sql"),
                  migration_from_text(TWO_ALTERS, "0002_change.sql")]
    options = LintOptions(pg_version=16, assume_in_transaction=True)
    statements = lint_migrations(migrations, options, Catalog())[-1].statements
    assert [len(s.findings) for s in statements] == [1, 0, 0]
    assert {s.safety.label for s in statements} == {"safe-with-care"}
    assert statements[2].reason == "Write-blocking lock requested without a lock_timeout"


TEAM_RULES = {
    # Read in `when`, a fact only messages print elsewhere: it is there when rules are matched.
    "team-no-exclusive-on-accounts": """id = "team-no-exclusive-on-accounts"
title = "ACCESS EXCLUSIVE on accounts"
safety = "safe-with-care"
when = { locks_text = "ACCESS EXCLUSIVE on public.accounts" }
message = "{locks_text} ({queued_behind_text})"
why = "team policy"
instead = "-- ask the on-call first"
""",
    # Once per transaction, as the built-in rules that are: the later statements' findings are
    # named in the first one's message, which prints facts of the first statement.
    "team-one-change-a-transaction": """id = "team-one-change-a-transaction"
title = "more than one change in a transaction"
safety = "safe-with-care"
when = { action = "add_column", table_is_new = false }
message = "{write_blocking_text} on {table} for {column}."
why = "team policy"
instead = "-- one change a migration"
once_per_transaction = true
""",
}


def test_team_rules_read_any_fact_and_are_reported_once_per_transaction(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.rules.loader import load_rules

    monkeypatch.setenv("LOCKWISE_CACHE_DIR", str(tmp_path / "cache"))
    rules_dir = tmp_path / "rules"
    rules_dir.mkdir()
    for name, text in TEAM_RULES.items():
        (rules_dir / f"{name}.toml").write_text(text)
    load_rules.cache_clear()
    try:
        migrations = [migration_from_text(ACCOUNTS, "0001_setup.sql"),
                      migration_from_text(TWO_ALTERS, "0002_change.sql")]
        options = LintOptions(pg_version=16, assume_in_transaction=True,
                              rules_dirs=(rules_dir,))
        statements = lint_migrations(migrations, options, Catalog())[-1].statements
    finally:
        load_rules.cache_clear()
    team = [[f for f in s.findings if f.rule.startswith("team-")] for s in statements]
    assert [[f.rule for f in found] for found in team] == [
        ["team-one-change-a-transaction", "team-no-exclusive-on-accounts"],
        ["team-no-exclusive-on-accounts"], ["team-no-exclusive-on-accounts"]]
    assert team[0][1].message == ("ACCESS EXCLUSIVE on public.accounts (every read and write "
                                  "on it queues)")
    assert team[0][0].message == (
        "ACCESS EXCLUSIVE on public.accounts on public.accounts for a. Statements 2 (line 2) "
        "and 3 (line 3) later in the same transaction are in the same case: the same change "
        "to the transaction covers them all.")
    assert all(s.safety.label == "safe-with-care" for s in statements)


@pytest.mark.parametrize(("sql", "in_transaction"), [
    (TWO_ALTERS, True),
    (TWO_ALTERS, False),
    ("BEGIN;\nALTER TABLE accounts ADD COLUMN a text;\nALTER TABLE accounts ADD COLUMN b text;\n"
     "COMMIT;\nBEGIN;\nALTER TABLE accounts ADD COLUMN c text;\nCOMMIT;", False),
    ("ALTER TABLE accounts ADD COLUMN a text;\nCOMMIT;\nALTER TABLE accounts ADD COLUMN b text;\n"
     "BEGIN;\nALTER TABLE accounts ADD COLUMN c text;\nCOMMIT;", True),
])
def test_following_each_kept_lock_timeout_finding_clears_the_statements_it_names(
        sql: str, in_transaction: bool) -> None:
    """The one SET a finding asks for, written before its statement, is in force at every
    statement it names (the session model follows lock_timeout as the server keeps it)."""
    kept = _lock_timeout_findings(sql, in_transaction=in_transaction)
    assert kept
    lines = sql.split("\n")
    for finding in sorted(kept, key=lambda f: -f.span.line):
        lines.insert(finding.span.line - 1, finding.instead)
    assert _lock_timeout_findings("\n".join(lines), in_transaction=in_transaction) == []


TYPES_IN_USE = """CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE TABLE feedback (id bigint, m mood);
CREATE TYPE pair AS (a int, b int);
CREATE TABLE pairs OF pair;
"""


@pytest.mark.parametrize("sql", ["DROP TYPE mood CASCADE;", "DROP TYPE pair CASCADE;",
                                 "DROP TYPE IF EXISTS mood, pair CASCADE;"])
def test_drop_type_cascade_is_labelled_a_drop_type(sql: str) -> None:
    """The statement drops a type: its report says so, whatever columns and typed tables go
    with it (each still an action of its own, for the rules about lost data)."""
    from lockwise.catalog.replay import apply_statement
    from lockwise.effects.context import Context
    from lockwise.effects.postgres import compute_effect
    from lockwise.parse.postgres import parse_sql

    catalog = Catalog()
    for stmt in parse_sql(TYPES_IN_USE).statements:
        apply_statement(catalog, stmt.tree)
    (stmt,) = parse_sql(sql).statements
    effect = compute_effect(stmt.tree, Context(catalog=catalog))
    assert effect.action == "drop_type"
    assert {"drop_column", "drop_table"} & {a.kind for a in effect.actions}


def test_drop_type_if_exists_cascade_needs_no_if_exists_for_what_it_drops() -> None:
    found = findings("DROP TYPE IF EXISTS mood CASCADE;\nDROP TYPE IF EXISTS pair CASCADE;\n"
                     "SELECT 1;", setup=TYPES_IN_USE, in_transaction=False)
    assert "missing-if-exists" not in {f.rule for f in found}
    assert {"drop-column", "drop-table"} <= {f.rule for f in found}


@pytest.mark.parametrize("sql", [
    "REINDEX TABLE accounts;",
    "REINDEX INDEX accounts_email_idx;",
    "ALTER INDEX accounts_email_idx SET TABLESPACE pg_default;",
])
def test_an_index_held_access_exclusive_blocks_every_query_on_its_table(sql: str) -> None:
    # Checked on the server: while REINDEX (or ALTER INDEX ... SET TABLESPACE) holds an index
    # ACCESS EXCLUSIVE, even `SELECT * FROM accounts WHERE id = 1`, which would use another
    # index, waits: planning opens every index of the table.
    from lockwise.lint import release_details
    from lockwise.report.json_report import statement_dict
    from lockwise.report.text import render_text

    setup = ACCOUNTS + "\nCREATE INDEX accounts_email_idx ON accounts (email);"
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    report = lint_migrations(migrations, LintOptions(pg_version=16), Catalog())[-1]
    release_details(report)  # what the printers get
    assert statement_dict(report.statements[-1])["blocks"]["public.accounts"] == \
        ["reads", "writes", "ddl"]
    out = io.StringIO()
    render_text([report], out, verbose=True, color=False)
    assert "public.accounts" in out.getvalue()
    assert "blocks reads, writes and other DDL" in out.getvalue()
    for f in report.all_findings:
        if f.rule == "reindex-without-concurrently":
            assert "every query on" in f.message, f.message


@pytest.mark.parametrize("rule", ["lock-accumulation", "mixed-ddl-and-dml"])
def test_a_transaction_long_cause_is_reported_once_per_transaction(rule: str) -> None:
    # One cause (the transaction holds DDL locks across its statements), one fix (split the
    # transaction): reported at its first statement, which names the others, as
    # missing-lock-timeout is for the statements one SET LOCAL covers.
    setup = ACCOUNTS + "\nCREATE TABLE orders (id bigint PRIMARY KEY, note text);"
    sql = ("SET LOCAL lock_timeout = '5s';\n"
           "ALTER TABLE accounts ADD COLUMN plan text;\n"
           "UPDATE accounts SET plan = 'free' WHERE id < 1000;\n"
           "ALTER TABLE orders ADD COLUMN plan text;\n"
           "UPDATE orders SET plan = 'free';\n"
           "ALTER TABLE accounts ALTER COLUMN plan SET DEFAULT 'free';\n"
           "COMMIT;\n"
           "BEGIN;\n"
           "SET LOCAL lock_timeout = '5s';\n"
           "ALTER TABLE accounts ADD COLUMN tier text;\n"
           "UPDATE accounts SET tier = 'a' WHERE id < 1000;\n"
           "ALTER TABLE orders ADD COLUMN tier text;\n"
           "COMMIT;")
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    report = lint_migrations(migrations, LintOptions(pg_version=16,
                                                     assume_in_transaction=True), Catalog())[-1]
    found = [f for f in report.all_findings if f.rule == rule]
    assert len(found) == 2, [f.message for f in found]  # one per transaction
    assert "later in the same transaction" in found[0].message
    # The statements it speaks for keep its safety.
    assert all(s.safety >= found[0].safety for s in report.statements
               if s.statement.index in (3, 4))


@pytest.mark.parametrize(("sql", "named", "not_named"), [
    # An old table's key to a table this migration creates: writes to the new table wait for
    # no one (no code writes it yet), so only the old table's writes are named.
    ("CREATE TABLE plans (id bigint PRIMARY KEY);\nALTER TABLE accounts ADD COLUMN plan_id "
     "bigint;\nALTER TABLE accounts ADD CONSTRAINT accounts_plan_fk FOREIGN KEY (plan_id) "
     "REFERENCES plans (id);", "public.accounts", "public.plans"),
    # A new table filled from the old one: the old referenced table's writes wait.
    ("CREATE TABLE audit AS SELECT id AS account_id FROM accounts;\nALTER TABLE audit ADD "
     "CONSTRAINT audit_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id);",
     "public.accounts", "public.audit"),
])
def test_foreign_key_message_names_the_tables_whose_writes_wait(sql: str, named: str,
                                                                 not_named: str) -> None:
    [found] = [f for f in findings("SET LOCAL lock_timeout = '5s';\n" + sql)
               if f.rule == "add-foreign-key-validated"]
    held = found.message.split("SHARE ROW EXCLUSIVE on ", 1)[1].split(":", 1)[0]
    assert named in held and not_named not in held, found.message


_FOREIGN = ("CREATE FOREIGN DATA WRAPPER archive_fdw;\n"
            "CREATE SERVER archive FOREIGN DATA WRAPPER archive_fdw;\n"
            "CREATE FOREIGN TABLE remote_orders (id int, note text) SERVER archive;")


_FOREIGN_CHANGES = [
    "ALTER FOREIGN TABLE remote_orders ALTER COLUMN id SET NOT NULL;",
    "ALTER FOREIGN TABLE remote_orders ADD CONSTRAINT remote_orders_id CHECK (id > 0);",
    "ALTER FOREIGN TABLE remote_orders ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp();",
    "ALTER FOREIGN TABLE remote_orders ADD COLUMN code int NOT NULL;",
    "ALTER FOREIGN TABLE remote_orders DROP COLUMN note;",
]


# Created by the migrations, the catalog knows it is foreign (even under ALTER TABLE); not
# known, the statement's FOREIGN TABLE says so.
@pytest.mark.parametrize(("setup", "change"), [
    *[(_FOREIGN, c) for c in (*_FOREIGN_CHANGES,
                              "ALTER TABLE remote_orders ALTER COLUMN id TYPE bigint;")],
    *[(ACCOUNTS, c) for c in _FOREIGN_CHANGES]])
def test_a_foreign_table_stores_no_row_to_rewrite_read_or_lose(setup: str, change: str) -> None:
    """A foreign table's rows are the remote server's: its ALTERs rewrite and read nothing
    here (checked on the server: oracle cases `alter-foreign-table-*`) and lose no data."""
    fired = rules("SET LOCAL lock_timeout = '5s';\n" + change, setup=setup, pg_version=18)
    assert fired == set(), fired


# An unnamed CREATE INDEX cannot take IF NOT EXISTS (the server's grammar wants a name), and
# run again it does not fail: PostgreSQL names the second index apart (accounts_email_idx1)
# and builds a duplicate (checked on the server). So the retry advice names the index.
@pytest.mark.parametrize("sql", [
    "CREATE INDEX CONCURRENTLY ON accounts (email);",
    "CREATE INDEX ON accounts (email);\nSELECT 1;",
])
def test_an_unnamed_index_outside_a_transaction_is_named_for_a_retry(sql: str) -> None:
    found = findings(sql, in_transaction=False)
    assert "missing-if-exists" not in {f.rule for f in found}
    (unnamed,) = [f for f in found if f.rule == "unnamed-index-outside-transaction"]
    assert "accounts_email_idx1" in unnamed.message
    assert "IF NOT EXISTS accounts_email_idx" in (unnamed.instead or "")


ORDERS_NOT_VALID = ("CREATE TABLE customers (id bigint PRIMARY KEY);\n"
                    "CREATE TABLE orders (id bigint, note text, customer_id bigint);\n"
                    "ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY "
                    "(customer_id) REFERENCES customers (id) NOT VALID;")


@pytest.mark.parametrize("earlier", [
    "ALTER TABLE orders ADD COLUMN paid boolean",
    "ALTER TABLE orders ALTER COLUMN note SET DEFAULT ''",
    "ALTER TABLE orders ADD CONSTRAINT orders_note_check CHECK (note <> '') NOT VALID",
])
def test_validate_after_access_exclusive_on_its_table_blocks_every_query(earlier: str) -> None:
    """VALIDATE CONSTRAINT after a statement that took ACCESS EXCLUSIVE on the same table in
    the same transaction scans the table with that lock held until commit: reads and writes
    wait for the whole validation, as for a constraint added without NOT VALID. Only
    lock-accumulation (safe-with-care) said so."""
    sql = (f"SET LOCAL lock_timeout = '5s';\n{earlier};\n"
           "ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;")
    assert "validate-under-exclusive-lock" in rules(sql, setup=ORDERS_NOT_VALID)
    # Run first, or without a transaction block, the validation holds no one up.
    first = ("SET LOCAL lock_timeout = '5s';\n"
             f"ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;\n{earlier};")
    assert "validate-under-exclusive-lock" not in rules(first, setup=ORDERS_NOT_VALID)
    assert "validate-under-exclusive-lock" not in rules(sql, setup=ORDERS_NOT_VALID,
                                                         in_transaction=False)


def test_validate_of_a_constraint_added_in_the_transaction_keeps_its_own_rule() -> None:
    sql = ("SET LOCAL lock_timeout = '5s';\n"
           "ALTER TABLE orders ADD CONSTRAINT orders_note_check CHECK (note <> '') NOT VALID;\n"
           "ALTER TABLE orders VALIDATE CONSTRAINT orders_note_check;")
    found = rules(sql, setup=ORDERS_NOT_VALID)
    assert "validate-in-same-transaction" in found
    assert "validate-under-exclusive-lock" not in found


def test_the_migration_reason_names_its_worst_statement_beside_a_milder_migration_finding(
        ) -> None:
    """A foreign key without an index (a finding of the whole migration, safe-with-care) does
    not hide which statement made the migration requires-downtime."""
    sql = ("SET lock_timeout = '5s';\nALTER TABLE accounts ADD COLUMN owner_id bigint;\n"
           "ALTER TABLE accounts ADD CONSTRAINT accounts_owner_fk FOREIGN KEY (owner_id) "
           "REFERENCES accounts (id);\n")
    migrations = [migration_from_text(ACCOUNTS, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    report = lint_migrations(migrations, LintOptions(pg_version=16), Catalog())[-1]
    assert [f.rule for f in report.findings] == ["fk-without-index"]
    assert report.safety.label == "requires-downtime"
    assert report.reason == "statement 3: Adding a foreign key validates it under a lock on " \
        "both tables"


@pytest.mark.parametrize("sql", [
    # lemmy 2023-07-11 receive_activity_table: copy into a new table, drop the old one.
    "CREATE TABLE accounts_kept (id bigint PRIMARY KEY, email text);\n"
    "INSERT INTO accounts_kept SELECT id, email FROM accounts;\n"
    "DROP TABLE accounts;",
    "ALTER TABLE accounts ADD COLUMN plan text;\n"
    "INSERT INTO archive SELECT id FROM accounts WHERE id < 1000;",
])
def test_a_table_the_data_change_only_reads_is_not_mixed(sql: str) -> None:
    # A read takes ACCESS SHARE and no row lock: it blocks no writer while the DDL waits,
    # and no data of the table changes in the transaction.
    setup = ACCOUNTS + "\nCREATE TABLE archive (id bigint);"
    assert "mixed-ddl-and-dml" not in rules(sql, setup=setup)
    written = "UPDATE accounts SET note = 'x' WHERE id = 1;\n" + sql
    assert "mixed-ddl-and-dml" in rules(written, setup=setup)


INT_KEY = "CREATE TABLE accounts (id serial PRIMARY KEY, email text);\n" \
          "CREATE TABLE orders (id bigint PRIMARY KEY);"


@pytest.mark.parametrize("sql", [
    "CREATE TABLE payments (id bigint PRIMARY KEY, account_id integer REFERENCES accounts);",
    "CREATE TABLE payments (id bigint PRIMARY KEY, account_id int4 REFERENCES accounts (id));",
    "CREATE TABLE payments (id bigint PRIMARY KEY, account_id integer,\n"
    "  FOREIGN KEY (account_id) REFERENCES accounts (id));",
    "ALTER TABLE orders ADD COLUMN account_id integer REFERENCES accounts;",
])
def test_prefer_bigint_leaves_a_reference_to_an_integer_key_alone(sql: str) -> None:
    # A bigint reference to an int key buys nothing until the key itself is widened (its
    # own definition is where prefer-bigint fires).
    assert "prefer-bigint" not in rules(sql, setup=INT_KEY)


@pytest.mark.parametrize(("sql", "instead"), [
    ("CREATE TABLE payments (id bigint PRIMARY KEY, order_id integer REFERENCES orders);",
     "order_id bigint"),
    ("ALTER TABLE orders ADD COLUMN coupon_id int;", "coupon_id bigint"),
    ("CREATE TABLE payments (account_id integer PRIMARY KEY REFERENCES accounts);",
     "account_id bigint"),
    ("CREATE TABLE coupons (id serial PRIMARY KEY);",
     "id bigint GENERATED BY DEFAULT AS IDENTITY"),
    ("CREATE TABLE coupons (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY);",
     "id bigint GENERATED ALWAYS AS IDENTITY"),
])
def test_prefer_bigint_suggests_identity_only_for_a_generated_id(sql: str, instead: str
                                                                 ) -> None:
    found = [f for f in findings(sql, setup=INT_KEY.replace("serial", "bigserial"))
             if f.rule == "prefer-bigint"]
    assert [f.instead.strip() for f in found] == [instead]


_JOINED = ("CREATE TABLE orgs (id bigint PRIMARY KEY, plan text, kind text);\n"
           "CREATE TABLE accounts (id bigint PRIMARY KEY, org_id bigint, plan text);")


@pytest.mark.parametrize("sql", [
    "UPDATE accounts SET plan = o.plan FROM orgs o WHERE accounts.org_id = o.id;",
    "UPDATE accounts AS a SET plan = o.plan FROM orgs o WHERE o.id = a.org_id AND true;",
    "DELETE FROM accounts USING orgs WHERE accounts.org_id = orgs.id;",
    "DELETE FROM accounts a USING orgs o JOIN orgs p ON p.id = o.id WHERE a.org_id = o.id;",
])
def test_a_join_that_only_matches_rows_is_an_unbatched_backfill(sql: str) -> None:
    # Joined rows are every row of the table that has a match: the join limits nothing.
    assert "unbatched-backfill" in rules(sql, setup=_JOINED)


@pytest.mark.parametrize("sql", [
    # a filter beside the join
    "UPDATE accounts SET plan = o.plan FROM orgs o WHERE accounts.org_id = o.id "
    "AND o.kind = 'trial';",
    # a key range: a batch
    "UPDATE accounts SET plan = o.plan FROM orgs o WHERE accounts.org_id = o.id "
    "AND accounts.id BETWEEN 1 AND 5000;",
    # a LIMITed subquery: a batch
    "DELETE FROM accounts USING orgs o WHERE accounts.org_id = o.id AND accounts.id IN "
    "(SELECT id FROM accounts LIMIT 5000);",
    # joined to a LIMITed subquery: a batch
    "UPDATE accounts SET plan = s.plan FROM (SELECT id, plan FROM orgs ORDER BY id LIMIT 100) s "
    "WHERE accounts.org_id = s.id;",
    # joined to a WITH query that picks a batch
    "WITH batch AS (SELECT id FROM accounts ORDER BY id LIMIT 5000) "
    "UPDATE accounts SET plan = 'free' FROM batch WHERE accounts.id = batch.id;",
    # the rows of a VALUES list
    "UPDATE accounts SET plan = v.plan FROM (VALUES (1, 'free')) v (id, plan) "
    "WHERE accounts.id = v.id;",
    # a join condition that filters (not an equality of two relations' columns)
    "UPDATE accounts SET plan = o.plan FROM orgs o WHERE accounts.org_id > o.id;",
])
def test_a_join_with_a_condition_that_limits_rows_is_no_unbatched_backfill(sql: str) -> None:
    assert "unbatched-backfill" not in rules(sql, setup=_JOINED)


def test_a_join_on_a_table_new_in_this_history_is_no_unbatched_backfill() -> None:
    sql = ("CREATE TABLE accounts (id bigint PRIMARY KEY, org_id bigint, plan text);\n"
           "UPDATE accounts SET plan = o.plan FROM orgs o WHERE accounts.org_id = o.id;")
    assert "unbatched-backfill" not in rules(
        sql, setup="CREATE TABLE orgs (id bigint PRIMARY KEY, plan text);")


_TWO_CREATES = "CREATE TABLE a (id bigint);\nCREATE TABLE b (id bigint);"
_LONE_CIC = "CREATE INDEX CONCURRENTLY accounts_email ON accounts (email);"


@pytest.mark.parametrize("layout, sql, no_transaction, says", [
    ("plain", _TWO_CREATES, False, "as psql -f runs it"),
    ("sqitch", _TWO_CREATES, False, "as psql -f runs it"),
    ("golang-migrate", _LONE_CIC, False, "golang-migrate sends a migration of one statement"),
    ("prisma", _LONE_CIC, False, "prisma sends a migration of one statement"),
    ("flyway", _LONE_CIC + "\n" + _LONE_CIC.replace("email", "note"), False,
     "Flyway runs a migration whose statements all refuse a transaction"),
    ("goose", _TWO_CREATES, True, "marked to run without a transaction"),
    ("goose", "ALTER TABLE accounts ADD COLUMN n int;\nCOMMIT;\n" + _TWO_CREATES, False,
     "the COMMIT at statement 2"),
])
def test_missing_if_exists_says_why_the_statement_runs_outside_a_transaction(
        layout: str, sql: str, no_transaction: bool, says: str) -> None:
    import dataclasses

    migrations = [dataclasses.replace(migration_from_text(text, name), layout=layout,
                                      no_transaction=name.startswith("2") and no_transaction)
                  for text, name in ((ACCOUNTS, "1_setup.sql"), (sql, "2_change.sql"))]
    (found,) = [f for f in lint_migrations(migrations, LintOptions(), Catalog())[-1]
                .all_findings if f.rule == "missing-if-exists"][:1]
    assert says in found.message


def test_missing_if_exists_names_the_option_that_assumes_no_transaction() -> None:
    (found, *_) = [f for f in findings(_TWO_CREATES, in_transaction=False)
                   if f.rule == "missing-if-exists"]
    assert "--assume-no-transaction" in found.message


@pytest.mark.parametrize("sql", [
    # a self-reference, inline: the table is not in the schema until its CREATE ends
    "CREATE TABLE folders (id serial PRIMARY KEY, parent_id integer REFERENCES folders (id));",
    # prisma's: the key of a table created after the column, tied by a foreign key at the end
    "ALTER TABLE accounts ADD COLUMN team_id integer;\n"
    "CREATE TABLE teams (id serial NOT NULL, CONSTRAINT teams_pkey PRIMARY KEY (id));\n"
    "ALTER TABLE accounts ADD CONSTRAINT accounts_team_id_fkey FOREIGN KEY (team_id) "
    "REFERENCES teams (id);",
    # the column and its foreign key added by the same ALTER TABLE
    "CREATE TABLE teams (id serial PRIMARY KEY);\n"
    "ALTER TABLE accounts ADD COLUMN team_id integer, ADD CONSTRAINT accounts_team_id_fkey "
    "FOREIGN KEY (team_id) REFERENCES teams (id);",
    '''CREATE TABLE "Folder" ("id" SERIAL NOT NULL, "parentId" INTEGER,
    CONSTRAINT "Folder_pkey" PRIMARY KEY ("id"));
    ALTER TABLE "Folder" ADD CONSTRAINT "Folder_parentId_fkey" FOREIGN KEY ("parentId")
    REFERENCES "Folder"("id");''',
])
def test_prefer_bigint_flags_the_integer_key_not_its_references(sql: str) -> None:
    flagged = [f.message.split(" is ")[0] for f in findings(sql) if f.rule == "prefer-bigint"]
    assert len(flagged) == 1 and flagged[0].endswith(".id"), flagged


@pytest.mark.parametrize("setup, sql", [
    ("CREATE TABLE accounts (id serial PRIMARY KEY);",
     "ALTER SEQUENCE accounts_id_seq RENAME TO users_id_seq;"),
    ("CREATE SEQUENCE invoice_numbers;", "ALTER SEQUENCE invoice_numbers RENAME TO numbers;"),
    ("CREATE TYPE mood AS ENUM ('happy');", "ALTER TYPE mood RENAME TO feeling;"),
])
def test_a_renamed_sequence_or_type_is_reported_renamed_not_dropped(setup: str,
                                                                      sql: str) -> None:
    fired = rules(sql, setup=setup)
    assert fired & {"rename-object", "rename-owned-sequence"}
    assert "drop-object" not in fired


@pytest.mark.parametrize("sql, rule", [
    ("CREATE INDEX ON accounts (email);\nCREATE TABLE b (id bigint);",
     "unnamed-index-outside-transaction"),
    ("SET LOCAL lock_timeout = '1s';\nALTER TABLE accounts ADD COLUMN n int;",
     "set-local-outside-transaction"),
])
def test_rules_about_running_outside_a_transaction_say_why(sql: str, rule: str) -> None:
    import dataclasses

    migrations = [dataclasses.replace(migration_from_text(text, name), layout="plain")
                  for text, name in ((ACCOUNTS, "1_setup.sql"), (sql, "2_change.sql"))]
    (found, *_) = [f for f in lint_migrations(migrations, LintOptions(), Catalog())[-1]
                   .all_findings if f.rule == rule]
    assert "as psql -f runs it" in found.message


_NAMED = ("CREATE TABLE accounts (id bigint PRIMARY KEY, email text UNIQUE,"
          " parent_id bigint REFERENCES accounts, CHECK (email <> ''),"
          " EXCLUDE USING btree (parent_id WITH =));\n"
          "CREATE INDEX accounts_email_idx ON accounts (email);\n"
          "CREATE UNIQUE INDEX accounts_lower_email_idx ON accounts (lower(email));\n"
          "CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts"
          " FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();")


@pytest.mark.parametrize("sql, on_conflict", [
    ("ALTER TABLE accounts RENAME CONSTRAINT accounts_pkey TO accounts_pk;", True),
    ("ALTER TABLE accounts RENAME CONSTRAINT accounts_email_key TO accounts_email_uq;", True),
    ("ALTER INDEX accounts_email_key RENAME TO accounts_email_uq;", True),
    ("ALTER TABLE accounts RENAME CONSTRAINT accounts_parent_id_excl TO accounts_excl;", True),
    ("ALTER TABLE accounts RENAME CONSTRAINT accounts_parent_id_fkey TO accounts_parent_fk;",
     False),
    ("ALTER TABLE accounts RENAME CONSTRAINT accounts_email_check TO accounts_email_ck;", False),
    ("ALTER INDEX accounts_email_idx RENAME TO accounts_email_ix;", False),
    ("ALTER INDEX accounts_lower_email_idx RENAME TO accounts_lower_email_ix;", False),
    ("ALTER TRIGGER accounts_touch ON accounts RENAME TO accounts_touched;", False),
])
def test_a_rename_cites_on_conflict_only_for_what_it_can_name(sql: str,
                                                             on_conflict: bool) -> None:
    # ON CONFLICT ON CONSTRAINT takes only a UNIQUE, PRIMARY KEY or EXCLUDE constraint's name:
    # not a foreign key's, a CHECK's, a trigger's, nor an index's of its own.
    (found,) = [f for f in findings(sql, setup=_NAMED) if f.rule == "rename-index-or-constraint"]
    assert ("ON CONFLICT ON CONSTRAINT" in found.message) is on_conflict, found.message


@pytest.mark.parametrize("sql", [
    "ALTER TABLE accounts RENAME CONSTRAINT accounts_parent_id_fkey TO accounts_parent_fk;",
    "ALTER TABLE accounts RENAME CONSTRAINT accounts_email_check TO accounts_email_ck;",
    "ALTER TABLE accounts RENAME CONSTRAINT accounts_pkey TO accounts_pk;",
])
def test_a_renamed_constraint_is_named_by_its_violations(sql: str) -> None:
    (found,) = [f for f in findings(sql, setup=_NAMED) if f.rule == "rename-index-or-constraint"]
    assert "error handling" in found.message, found.message


def test_a_rename_of_an_unknown_constraint_says_neutrally_where_on_conflict_applies() -> None:
    sql = "ALTER TABLE elsewhere RENAME CONSTRAINT elsewhere_key TO elsewhere_uq;"
    (found,) = [f for f in findings(sql) if f.rule == "rename-index-or-constraint"]
    assert "ON CONFLICT ON CONSTRAINT, if it is a UNIQUE" in found.message, found.message


def _report(sql: str):
    migrations = [migration_from_text(ACCOUNTS, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    return lint_migrations(migrations, LintOptions(pg_version=16), Catalog())[-1]


@pytest.mark.parametrize("sql, reason", [
    ("CREATE TABLE notes (id bigint PRIMARY KEY, body text);", "every statement is safe"),
    ("CREATE TABLE notes (id bigint PRIMARY KEY, at timestamp);",
     "every statement is safe; advice: statement 1: Prefer timestamptz over timestamp"),
    ("CREATE TABLE notes (id bigint PRIMARY KEY);\nCREATE TABLE {{t}} (id bigint);",
     "every statement is safe; advice: Template placeholders in the SQL"),
])
def test_a_safe_migration_s_reason_says_it_is_safe_and_names_its_advice(sql: str,
                                                                         reason: str) -> None:
    """A safe migration is not safe *because of* a style finding: its reason says so, and
    names the advice after."""
    report = _report(sql)
    assert report.safety.label == "safe"
    assert report.reason == reason


def test_a_safe_statement_s_reason_says_what_it_locks_before_its_advice() -> None:
    (statement,) = _report("CREATE TABLE notes (id bigint PRIMARY KEY, at timestamp);").statements
    assert statement.reason == "takes no table lock; advice: Prefer timestamptz over timestamp"


@pytest.mark.parametrize("sql, safety, reason", [
    ("ALTER TABLE accounts DROP COLUMN note;", "destructive",
     "statement 1: Dropping a column loses data and breaks readers"),
    ("ALTER TABLE accounts ADD COLUMN n int;", "safe-with-care",
     "statement 1: Write-blocking lock requested without a lock_timeout"),
])
def test_a_risky_migration_s_reason_is_its_worst_statement_s_title(sql: str, safety: str,
                                                                    reason: str) -> None:
    report = _report(sql)
    assert (report.safety.label, report.reason) == (safety, reason)


def test_a_not_null_column_without_a_default_needs_no_statement_timeout() -> None:
    """On a table with a row the statement fails at the first one; a table of none has no
    row to read: the scan is never long, and the failure is the finding."""
    fired = rules("SET LOCAL lock_timeout = '5s';\n"
                  "ALTER TABLE accounts ADD COLUMN plan text NOT NULL;")
    assert "add-column-not-null-without-default" in fired
    assert "missing-statement-timeout" not in fired


@pytest.mark.parametrize("setup, sql", [
    ("CREATE TABLE accounts (id serial PRIMARY KEY);",
     "ALTER SEQUENCE accounts_id_seq RENAME TO users_id_seq;"),
    ("CREATE TABLE accounts (id int GENERATED ALWAYS AS IDENTITY);",
     "ALTER SEQUENCE accounts_id_seq RENAME TO users_id_seq;"),
    ("CREATE TABLE user_ (id serial PRIMARY KEY);\nALTER TABLE user_ RENAME TO person;",
     "ALTER SEQUENCE user__id_seq RENAME TO person_id_seq;"),
    ("CREATE SEQUENCE numbers;\nCREATE TABLE invoices (n bigint);\n"
     "ALTER SEQUENCE numbers OWNED BY invoices.n;",
     "ALTER SEQUENCE numbers RENAME TO invoice_numbers;"),
    # ALTER TABLE renames a sequence too, as ALTER SEQUENCE does: ACCESS EXCLUSIVE on the
    # sequence only, pg_get_serial_sequence() follows (checked on the server); no table is
    # renamed, and no view could keep its old name
    ("CREATE TABLE accounts (id serial PRIMARY KEY);",
     "ALTER TABLE accounts_id_seq RENAME TO users_id_seq;"),
])
def test_renaming_a_column_s_own_sequence_breaks_only_code_naming_it(setup: str,
                                                                     sql: str) -> None:
    """The column's default names its sequence by OID and keeps drawing from it after the
    rename (checked on the server): only code naming the sequence breaks."""
    found = {f.rule: f for f in findings(sql, setup=setup)}
    assert "rename-object" not in found and "rename-table" not in found
    assert found["rename-owned-sequence"].safety.label == "safe-with-care"
    assert "keeps drawing from it" in found["rename-owned-sequence"].message


def test_renaming_a_sequence_no_column_owns_still_requires_downtime() -> None:
    found = {f.rule: f for f in findings("ALTER SEQUENCE numbers RENAME TO invoice_numbers;",
                                         setup="CREATE SEQUENCE numbers;")}
    assert "rename-owned-sequence" not in found
    assert found["rename-object"].safety.label == "requires-downtime"


def test_update_where_on_an_unindexed_column_reads_the_whole_table() -> None:
    setup = "CREATE TABLE accounts (id bigint PRIMARY KEY, plan text, email text);"
    found = [f for f in findings("UPDATE accounts SET plan = 'free' WHERE plan = 'legacy';",
                                 setup=setup) if f.rule == "where-without-index"]
    assert found and "plan" in found[0].message
    # the advice batches by the table's key, keeping the user's condition
    assert "plan = 'legacy'" in found[0].instead and "id >= 1" in found[0].instead


@pytest.mark.parametrize(("setup", "sql"), [
    # an indexed key
    ("CREATE TABLE accounts (id bigint PRIMARY KEY, plan text);",
     "UPDATE accounts SET plan = 'free' WHERE id = 5;"),
    # a table made outside these migrations: its indexes are not known
    ("ALTER TABLE accounts ADD COLUMN plan text;",
     "UPDATE accounts SET plan = 'free' WHERE plan = 'legacy';"),
    # a table the migration creates holds no row another session waits on
    ("SELECT 1;", "CREATE TABLE accounts (id bigint PRIMARY KEY, plan text);\n"
                  "UPDATE accounts SET plan = 'free' WHERE plan = 'legacy';"),
])
def test_update_where_an_index_may_serve_is_not_reported(setup: str, sql: str) -> None:
    assert "where-without-index" not in rules(sql, setup=setup)


def test_unindexed_where_of_a_statement_with_a_with_is_not_batched() -> None:
    # Run in batches, the WITH's INSERT would run once per batch (and its UPDATE, as a
    # statement of its own, would lose the rows the WITH returns): index the column instead.
    setup = "CREATE TABLE accounts (id bigint PRIMARY KEY, plan text);\n" \
        "CREATE TABLE plans_seen (plan text);"
    sql = "WITH seen AS (INSERT INTO plans_seen VALUES ('legacy') RETURNING plan)\n" \
          "UPDATE accounts SET plan = 'free' FROM seen WHERE accounts.plan = seen.plan;"
    (found,) = [f for f in findings(sql, setup=setup) if f.rule == "where-without-index"]
    assert "CREATE INDEX CONCURRENTLY ON public.accounts (plan);" in found.instead
    assert "INSERT" not in found.instead


@pytest.mark.parametrize(("sql", "pg_version", "index"), [
    # with a WITH the statement is not batched: the index named is the expression's
    ("WITH seen AS (SELECT 1)\nUPDATE accounts SET plan = 'free' WHERE lower(email) = 'x';",
     16, "CREATE INDEX CONCURRENTLY ON public.accounts ((lower(email)));"),
    # before 14, no TID range to batch by, and no integer key
    ("UPDATE accounts SET plan = 'free' WHERE lower(email) = 'x';", 13,
     "CREATE INDEX CONCURRENTLY ON public.accounts ((lower(email)));"),
    ("UPDATE accounts a SET plan = 'free' WHERE lower(a.email) = 'x' AND plan = 'y';", 13,
     "CREATE INDEX CONCURRENTLY ON public.accounts ((lower(email)), plan);"),
    ("UPDATE accounts SET plan = 'free' WHERE plan = 'x';", 13,
     "CREATE INDEX CONCURRENTLY ON public.accounts (plan);"),
])
def test_the_index_advised_holds_what_the_where_looks_up(sql: str, pg_version: int,
                                                         index: str) -> None:
    """An index of the column would not serve a condition on an expression of it: the advice
    names the expression, as the condition writes it (its target's alias left out)."""
    setup = "CREATE TABLE accounts (code text PRIMARY KEY, plan text, email text);"
    (found,) = [f for f in findings(sql, setup=setup, pg_version=pg_version)
                if f.rule == "where-without-index"]
    assert index in (found.instead or "")


def test_missing_statement_timeout_is_reported_once_per_transaction() -> None:
    # One SET LOCAL statement_timeout at the transaction's start bounds each statement of it:
    # the later ones are named in the first finding, not reported again.
    sql = ("SET LOCAL lock_timeout = '5s';\n"
           "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n"
           "ALTER TABLE accounts ALTER COLUMN note SET NOT NULL;\n"
           "ALTER TABLE accounts ADD CONSTRAINT accounts_note_check CHECK (note <> '');")
    (found,) = [f for f in findings(sql) if f.rule == "missing-statement-timeout"]
    assert found.statement_index == 1
    assert "Statements 3 (line 3) and 4 (line 4) later in the same transaction" in found.message


def test_missing_statement_timeout_outside_a_transaction_stays_per_statement() -> None:
    # There a session SET would cut later CONCURRENTLY builds short: each is reset after it.
    sql = ("SET lock_timeout = '5s';\n"
           "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;\n"
           "ALTER TABLE accounts ALTER COLUMN note SET NOT NULL;")
    found = [f for f in findings(sql, in_transaction=False)
             if f.rule == "missing-statement-timeout"]
    assert [f.statement_index for f in found] == [1, 2]


def test_lock_accumulation_leaves_out_tables_the_transaction_dropped() -> None:
    # lemmy's captcha-plugin: DROP TABLE captcha_answer, then ALTER TABLE local_site. A query
    # on the dropped table waits for the commit and then fails ("relation does not exist", as
    # right after the drop: checked on the server), so holding it longer blocks nothing that
    # would have worked. A table the DROP only locks (CASCADE: a referencing table losing its
    # foreign key) stays named.
    setup = ("CREATE TABLE captcha_answer (id bigint PRIMARY KEY);\n"
             "CREATE TABLE captcha_log (answer_id bigint REFERENCES captcha_answer);\n"
             "CREATE TABLE local_site (id bigint, captcha_enabled boolean);")
    sql = ("SET LOCAL lock_timeout = '5s';\nDROP TABLE captcha_answer{};\n"
           "ALTER TABLE local_site DROP COLUMN captcha_enabled;")
    assert "lock-accumulation" not in rules(sql.format(""), setup=setup)
    found = [f for f in findings(sql.format(" CASCADE"), setup=setup)
             if f.rule == "lock-accumulation"]
    assert len(found) == 1 and "public.captcha_log" in found[0].message
    assert "captcha_answer" not in found[0].message


@pytest.mark.parametrize("later", ["CREATE INDEX accounts_plan_idx ON accounts (plan);",
                                   "ALTER TABLE orders ADD COLUMN plan text;"])
def test_lock_accumulation_alternative_names_where_to_commit(later: str) -> None:
    # lemmy's schedule-post: ADD COLUMN on post, then CREATE INDEX on post. The transaction
    # takes ACCESS EXCLUSIVE on one table only, so "one table per transaction" does not fit:
    # the commit belongs after the ADD COLUMN (statement 2), as when another table follows.
    setup = ACCOUNTS + "\nCREATE TABLE orders (id bigint PRIMARY KEY);"
    sql = f"SET LOCAL lock_timeout = '5s';\nALTER TABLE accounts ADD COLUMN plan text;\n{later}"
    found = [f for f in findings(sql, setup=setup) if f.rule == "lock-accumulation"]
    assert len(found) == 1
    assert "statement 2" in found[0].instead and "public.accounts" in found[0].instead
    assert "on one table" not in found[0].instead


@pytest.mark.parametrize(("rename", "old", "new"), [
    ("ALTER SEQUENCE s RENAME TO s2;", "public.s", "public.s2"),
    ("ALTER TABLE accounts RENAME TO customers;", "public.accounts", "public.customers"),
    # renamed twice: the name it has now
    ("ALTER SEQUENCE s RENAME TO s1;\nALTER SEQUENCE s1 RENAME TO s2;", "public.s", "public.s2"),
])
def test_lock_accumulation_names_a_renamed_relation_as_the_statement_sees_it(
        rename: str, old: str, new: str) -> None:
    # The transaction holds ACCESS EXCLUSIVE on the relation under its new name: a statement
    # after the rename (and the user reading the message) knows it by that one.
    setup = ACCOUNTS + "\nCREATE SEQUENCE s;\nCREATE TABLE orders (id bigint PRIMARY KEY);"
    sql = f"SET LOCAL lock_timeout = '5s';\n{rename}\nALTER TABLE orders ADD COLUMN note text;"
    found = [f for f in findings(sql, setup=setup) if f.rule == "lock-accumulation"]
    assert len(found) == 1
    assert new in found[0].message and f"{old} " not in found[0].message
    assert f"{old}," not in found[0].message


#: A referenced table and one whose foreign key to it no index serves (lemmy's user_ and
#: comment, documenso's Document and DocumentAuditLog, as first written).
AUTHORS = ("CREATE TABLE authors (id bigint PRIMARY KEY, name text UNIQUE);\n"
           "CREATE TABLE books (id bigint PRIMARY KEY, "
           "author_id bigint REFERENCES authors ON DELETE CASCADE, title text);")


@pytest.mark.parametrize("sql", [
    "DELETE FROM authors WHERE name = 'admin';",  # the WHERE itself is indexed
    "UPDATE authors SET id = id + 1000 WHERE name = 'admin';",  # the key changes
])
def test_a_write_of_referenced_rows_reads_an_unindexed_referencing_table_per_row(
        sql: str) -> None:
    """The key's query of each row deleted (or whose key changes) finds the referencing rows
    by the key's columns: without an index on them, one full read of the referencing table
    per row. The WHERE of the statement is indexed: no other rule said so."""
    (found,) = [f for f in findings(sql, setup=AUTHORS) if f.rule == "foreign-key-scan-per-row"]
    assert "public.books(author_id) -> public.authors" in found.message
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS books_author_id_idx ON books (author_id)" \
        in found.instead


@pytest.mark.parametrize(("setup", "sql"), [
    # an index serves the key
    (AUTHORS + "\nCREATE INDEX books_author_idx ON books (author_id, title);",
     "DELETE FROM authors WHERE name = 'admin';"),
    # the key does not change
    (AUTHORS, "UPDATE authors SET name = 'x' WHERE name = 'admin';"),
    # the referencing table is new in the migration, and empty
    ("CREATE TABLE authors (id bigint PRIMARY KEY, name text UNIQUE);",
     "CREATE TABLE books (id bigint PRIMARY KEY, author_id bigint REFERENCES authors);\n"
     "DELETE FROM authors WHERE name = 'admin';"),
    # the referenced table is new in the migration: no older row refers to its rows
    ("SELECT 1;", AUTHORS + "\nDELETE FROM authors WHERE name = 'admin';"),
])
def test_a_write_no_referencing_table_is_read_for_is_not_reported(setup: str,
                                                                   sql: str) -> None:
    assert "foreign-key-scan-per-row" not in rules(sql, setup=setup)


#: lemmy's modlog, whose UPDATE ... FROM names its own column unqualified.
MODLOG = ("CREATE TABLE comment (id bigint PRIMARY KEY, post_id bigint);\n"
          "CREATE TABLE modlog (id bigint PRIMARY KEY, target_comment_id bigint, "
          "target_post_id bigint);")


@pytest.mark.parametrize("where", ["target_comment_id = c.id", "c.id = target_comment_id"])
def test_a_join_by_an_unqualified_column_of_the_updated_table_touches_every_match(
        where: str) -> None:
    """An unqualified column the updated table has is its own (PostgreSQL refuses a name
    two relations of the statement have): the WHERE only joins, as `modlog.target_comment_id
    = c.id` does, and every modlog row with a comment is written in one transaction."""
    sql = f"UPDATE modlog SET target_post_id = c.post_id FROM comment c WHERE {where};"
    assert "unbatched-backfill" in rules(sql, setup=MODLOG)


@pytest.mark.parametrize(("setup", "where"), [
    # post_id is comment's: `c.id = post_id` compares two columns of one row of comment
    (MODLOG, "c.id = post_id"),
    # modlog made outside these migrations: which relation has the column is not known
    ("CREATE TABLE comment (id bigint PRIMARY KEY, post_id bigint);\n"
     "ALTER TABLE modlog ADD COLUMN target_post_id bigint;", "target_comment_id = c.id"),
])
def test_an_unqualified_column_not_known_to_be_the_updated_table_s_is_no_join(
        setup: str, where: str) -> None:
    sql = f"UPDATE modlog SET target_post_id = c.post_id FROM comment c WHERE {where};"
    assert "unbatched-backfill" not in rules(sql, setup=setup)


# A DO block that creates a table and then works on it (an idempotent migration's usual
# shape: CREATE TABLE, CREATE INDEX, ENABLE ROW LEVEL SECURITY in one block). Checked on
# 18.6: another session does not see the table until the block's transaction commits, so
# nothing waits on its locks, and an index built on it reads an empty table (lockwise trace:
# the block locked only the table that was there before it).
NEW_IN_BLOCK = ("DO $$ BEGIN\n"
                "  CREATE TABLE IF NOT EXISTS notes (id bigint PRIMARY KEY, body text);\n"
                "  CREATE INDEX notes_body ON notes (body);\n"
                "  ALTER TABLE notes ENABLE ROW LEVEL SECURITY;\n"
                "END $$;")


def test_a_table_the_do_block_creates_is_locked_by_no_one_else() -> None:
    assert "missing-lock-timeout" not in rules(NEW_IN_BLOCK)


def test_an_index_on_a_table_the_do_block_creates_is_no_long_read() -> None:
    # The ADD COLUMN takes ACCESS EXCLUSIVE on accounts (a lock_timeout is due), but what
    # the block reads is the new, empty table: no statement_timeout finding.
    sql = NEW_IN_BLOCK.replace("BEGIN\n", "BEGIN\n  ALTER TABLE accounts ADD COLUMN n int;\n")
    fired = rules(sql)
    assert "missing-lock-timeout" in fired
    assert "missing-statement-timeout" not in fired


def test_a_materialized_view_the_do_block_makes_with_no_data_is_no_long_read() -> None:
    # As at top level: made WITH NO DATA, it holds no row and no other session sees it
    # (checked on 18.6: its index builds on 0 pages, locking no other table). Made with its
    # data, it holds the rows of the table it reads.
    block = ("DO $$ BEGIN\n  ALTER TABLE accounts ADD COLUMN n int;\n"
             "  CREATE MATERIALIZED VIEW emails AS SELECT id, email FROM accounts{data};\n"
             "  CREATE UNIQUE INDEX emails_id ON emails (id);\nEND $$;")
    assert "missing-statement-timeout" not in rules(block.format(data=" WITH NO DATA"))
    assert "missing-statement-timeout" in rules(block.format(data=""))


def test_a_do_block_still_locks_and_reads_the_tables_that_were_there() -> None:
    # A table that existed before the block, and a new table the block filled from it:
    # their locks are waited on, their rows read under the block's locks.
    assert "missing-lock-timeout" in rules(
        "DO $$ BEGIN ALTER TABLE accounts ADD COLUMN n int; END $$;")
    filled = rules("DO $$ BEGIN\n  ALTER TABLE accounts ADD COLUMN n int;\n"
                   "  CREATE TABLE copy AS SELECT 1 AS one;\n"
                   "  INSERT INTO copy SELECT 1 FROM accounts;\n"
                   "  CREATE INDEX copy_one ON copy (one);\nEND $$;")
    assert "missing-statement-timeout" in filled
    assert "missing-statement-timeout" in rules(
        "DO $$ BEGIN\n  ALTER TABLE accounts ADD COLUMN n int;\n"
        "  CREATE TABLE copy AS SELECT id FROM accounts;\n"
        "  CREATE INDEX copy_id ON copy (id);\nEND $$;")
    # A CREATE TABLE of a table the catalog knows already (IF NOT EXISTS, or a branch that
    # does not run): what follows works on the existing table.
    assert "missing-lock-timeout" in rules(
        "DO $$ BEGIN\n  CREATE TABLE IF NOT EXISTS accounts (id bigint PRIMARY KEY);\n"
        "  ALTER TABLE accounts ADD COLUMN n int;\nEND $$;")


def test_a_column_the_do_block_added_is_new_to_its_later_statements() -> None:
    # A scratch column added, filled and dropped in one block (as at top level, where the
    # column added earlier in the migration is new): no data of the application is lost.
    assert "drop-column" not in rules(
        "DO $$ BEGIN\n  ALTER TABLE accounts ADD COLUMN IF NOT EXISTS scratch bigint;\n"
        "  UPDATE accounts SET scratch = id WHERE id < 10;\n"
        "  ALTER TABLE accounts DROP COLUMN IF EXISTS scratch;\nEND $$;")
    # A column that was there before the block (ADD COLUMN IF NOT EXISTS finds it) is not.
    assert "drop-column" in rules(
        "DO $$ BEGIN\n  ALTER TABLE accounts ADD COLUMN IF NOT EXISTS note text;\n"
        "  ALTER TABLE accounts DROP COLUMN note;\nEND $$;")


@pytest.mark.parametrize("then", [
    "ALTER TABLE accounts RENAME COLUMN scratch TO kept",
    "ALTER TABLE accounts ALTER COLUMN scratch TYPE bigint",
    "ALTER TABLE accounts ALTER COLUMN scratch SET NOT NULL",
    "ALTER TABLE accounts DROP COLUMN scratch",
])
def test_a_do_block_may_use_what_its_earlier_statements_added(then: str) -> None:
    # Judged against the catalog from before the block, the column is not there; but the
    # block's first statement added it (the server runs both: checked on 18.6).
    setup = "CREATE TABLE accounts (id bigint PRIMARY KEY, email text);"
    sql = f"DO $$ BEGIN\n  ALTER TABLE accounts ADD COLUMN scratch int;\n  {then};\nEND $$;"
    assert "object-missing" not in rules(sql, setup=setup)
    # What neither the table nor the block's earlier statements have is missing still.
    assert "object-missing" in rules(
        f"DO $$ BEGIN\n  {then.replace('scratch', 'nowhere')};\nEND $$;", setup=setup)


def test_an_alternative_for_one_statement_of_a_do_block_leaves_the_others_locks() -> None:
    # CONCURRENTLY in place of the block's CREATE INDEX leaves its ADD COLUMN's ACCESS
    # EXCLUSIVE: a lock_timeout is still due.
    fired = rules("DO $$ BEGIN\n  ALTER TABLE accounts ADD COLUMN n int;\n"
                  "  CREATE INDEX accounts_n ON accounts (n);\nEND $$;")
    assert {"index-without-concurrently", "missing-lock-timeout"} <= fired
    # A block that only builds the index: the alternative does all its work.
    alone = rules("DO $$ BEGIN\n  CREATE INDEX accounts_email ON accounts (email);\nEND $$;")
    assert "index-without-concurrently" in alone
    assert "missing-lock-timeout" not in alone


def test_not_valid_and_validate_in_one_do_block_is_one_transaction() -> None:
    # A DO block runs in one transaction: the ADD CONSTRAINT's ACCESS EXCLUSIVE is held
    # through the validation scan, as when the two statements share a transaction.
    setup = ACCOUNTS + "\nCREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint);"
    fired = rules("DO $$ BEGIN\n  ALTER TABLE orders ADD CONSTRAINT orders_account_fk\n"
                  "    FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID;\n"
                  "  ALTER TABLE orders VALIDATE CONSTRAINT orders_account_fk;\nEND $$;",
                  setup=setup)
    assert "validate-in-same-transaction" in fired
    # Validating, alone in its block, a constraint added NOT VALID by an earlier migration.
    setup += ("\nALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id)"
              " REFERENCES accounts (id) NOT VALID;")
    assert "validate-in-same-transaction" not in rules(
        "DO $$ BEGIN ALTER TABLE orders VALIDATE CONSTRAINT orders_account_fk; END $$;",
        setup=setup)


# Checked on 18.6 (lockwise trace): a view, materialized view, sequence or index a DO block
# creates is, like its tables, seen by no other session before the block commits; the block
# that then alters, refreshes or drops it locks no relation that was there before it.
@pytest.mark.parametrize("work", [
    "CREATE VIEW v_notes AS SELECT 1 AS one;\n  ALTER VIEW v_notes RENAME TO v_notes2;\n"
    "  DROP VIEW v_notes2;",
    "CREATE MATERIALIZED VIEW mv_notes AS SELECT 1 AS one;\n"
    "  REFRESH MATERIALIZED VIEW mv_notes;\n  DROP MATERIALIZED VIEW mv_notes;",
    "CREATE SEQUENCE s_notes;\n  ALTER SEQUENCE s_notes RESTART WITH 5;\n"
    "  DROP SEQUENCE s_notes;",
    "CREATE INDEX accounts_note ON accounts (note);\n  DROP INDEX accounts_note;",
])
def test_a_relation_the_do_block_creates_is_locked_by_no_one_else(work: str) -> None:
    block = f"DO $$ BEGIN\n  {work}\nEND $$;"
    migrations = [migration_from_text(ACCOUNTS, "0001_setup.sql"),
                  migration_from_text(block, "0002_change.sql")]
    report = lint_migrations(migrations, LintOptions(pg_version=16), Catalog())[-1]
    # (the index's table was there before the block: building the index locks it)
    assert set(report.statements[0].effect.locks) <= {"public.accounts"}
    assert "missing-lock-timeout" not in rules(block) or "INDEX" in work


def test_a_join_whose_from_list_cannot_be_printed_never_says_none(monkeypatch) -> None:
    """Where pglast cannot print the batch's EXISTS subquery (its FROM list) but prints the
    WHERE, the advice says what to write in its place, never the word None."""
    from lockwise.effects import nodes

    built = nodes._statement_node

    def refusing(ast, kind: str, body: dict) -> object:
        if kind == "SelectStmt" and body.get("fromClause"):
            raise RecursionError("a FROM list nested too deeply to print")
        return built(ast, kind, body)

    monkeypatch.setattr(nodes, "_statement_node", refusing)
    sql = "UPDATE accounts SET plan = o.plan FROM orgs o WHERE accounts.org_id = o.id;"
    (finding,) = [f for f in findings(sql, setup=_JOINED) if f.rule == "unbatched-backfill"]
    assert "None" not in finding.instead
    assert "WHERE EXISTS (SELECT FROM /* replace: the statement's FROM list, as written */ " \
           "WHERE accounts.org_id = o.id" in finding.instead


@pytest.mark.parametrize("kept", ["DROP NOT NULL", "DROP DEFAULT"])
def test_a_subcommand_kept_beside_set_not_null_is_printed_without_a_space_before_its_semicolon(
        kept: str) -> None:
    """papermark's `ALTER COLUMN "dataroomId" DROP NOT NULL, ALTER COLUMN "teamId" SET NOT
    NULL`: the advice keeps the first subcommand as a statement of its own, which pglast
    prints with a trailing space after DROP NOT NULL (and DROP DEFAULT, DROP IDENTITY); the
    line read `... DROP NOT NULL ;`."""
    (finding,) = [f for f in findings(
        f"ALTER TABLE accounts ALTER COLUMN note {kept}, ALTER COLUMN email SET NOT NULL;")
        if f.rule == "set-not-null"]
    first = finding.instead.splitlines()[0]
    assert first == f"ALTER TABLE accounts ALTER COLUMN note {kept};", finding.instead
