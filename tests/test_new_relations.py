"""What a migration made is new for its later statements: no application uses it yet, so no
one waits on its locks, and the rules that judge a change to what is in use leave it be
(Context.new_tables, `track_new_objects`).

A DO block's statements count as top-level ones do, when the block certainly runs them: the
CREATEs of its body outside any IF the catalog does not decide, loop or EXCEPTION block (whose
statements are undone when it catches an error), and before any RETURN such a construct may
run. Sequences (a serial's and an identity's too), views, materialized views and indexes made
by the migration are new relations as its tables are: a lock on one waits for no one. What
was there before the migration stays in use, whatever the migration renames it or moves it
to (checked on 18.6: `test_no_other_session_sees_what_the_migration_made`)."""

from __future__ import annotations

import re

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = """CREATE SCHEMA app;
CREATE TABLE accounts (id bigint PRIMARY KEY, email text);
CREATE TABLE orders (id serial PRIMARY KEY, note text);
CREATE SEQUENCE numbers;
CREATE TYPE mood AS ENUM ('a');
CREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n FROM accounts;
CREATE INDEX accounts_email ON accounts (email);
"""


def do(body: str) -> str:
    return f"DO $$\nBEGIN\n{body}\nEND\n$$;\n"


def rules_of(sql: str, setup: str = SETUP) -> list[set[str]]:
    """The rules reported on each statement of `sql`, linted as a migration after `setup`:
    a statement a finding of missing-lock-timeout speaks for (one SET covers it, the first
    one's message names it) has it too."""
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    report = lint_migrations(migrations, LintOptions(pg_version=18), Catalog())[-1]
    rules = [{f.rule for f in s.findings} for s in report.statements]
    for s in report.statements:
        for f in s.findings:
            if f.rule == "missing-lock-timeout" and (named := _COVERED.search(f.message)):
                for number in re.findall(r"(\d+) \(line", named.group(0)):
                    rules[int(number) - 1].add(f.rule)
    return rules


#: The statements a finding one SET covers speaks for, as its message names them.
_COVERED = re.compile(r"Statements? (?:\d+ \(line \d+\)(?:, | and )?)+")


#: DO block bodies that certainly make table t.
MAKES_T = [
    "CREATE TABLE t (x int);",
    "EXECUTE 'CREATE TABLE t (x int)';",
    "EXECUTE format('CREATE TABLE %I (x int)', 't');",
    # a block in the block, without an EXCEPTION clause
    "BEGIN\n  CREATE TABLE t (x int);\nEND;",
    # an IF the catalog decides: its branch runs
    "IF EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'accounts') THEN\n"
    "  CREATE TABLE t (x int);\nEND IF;",
    # after an IF the catalog does not decide that cannot leave the block
    "IF EXISTS (SELECT 1 FROM accounts) THEN\n  UPDATE accounts SET email = '';\nEND IF;\n"
    "CREATE TABLE t (x int);",
]

#: DO block bodies that may make table t, or may not.
MAY_MAKE_T = [
    # an IF on data
    "IF EXISTS (SELECT 1 FROM accounts) THEN\n  CREATE TABLE t (x int);\nEND IF;",
    # undone when the EXCEPTION clause catches an error (t was there)
    "CREATE TABLE t (x int);\nEXCEPTION WHEN duplicate_table THEN NULL;",
    # a loop that may run no time
    "FOR r IN SELECT * FROM accounts LOOP\n  EXECUTE 'CREATE TABLE t (x int)';\n  EXIT;\n"
    "END LOOP;",
    # after an IF that may leave the block
    "IF EXISTS (SELECT 1 FROM accounts) THEN\n  RETURN;\nEND IF;\nCREATE TABLE t (x int);",
    # a CASE on data
    "CASE WHEN EXISTS (SELECT 1 FROM accounts) THEN\n  CREATE TABLE t (x int);\n"
    "ELSE\n  NULL;\nEND CASE;",
]


@pytest.mark.parametrize("body", MAKES_T)
def test_a_table_a_do_block_makes_is_new_after_it(body: str) -> None:
    block, index = rules_of(do(body) + "CREATE INDEX t_x ON t (x);\n")
    assert "index-without-concurrently" not in index


@pytest.mark.parametrize("body", MAY_MAKE_T)
def test_a_table_a_do_block_may_make_is_not_new(body: str) -> None:
    block, index = rules_of(do(body) + "CREATE INDEX t_x ON t (x);\n")
    assert "index-without-concurrently" in index


def test_a_table_there_before_is_not_new_after_a_block_that_skips_making_it() -> None:
    body = "CREATE TABLE IF NOT EXISTS accounts (id bigint PRIMARY KEY, email text);"
    block, index = rules_of(do(body) + "CREATE INDEX accounts_id ON accounts (id);\n")
    assert "index-without-concurrently" in index


#: Objects of other kinds a DO block makes, and a statement after it that a rule judges only
#: on what was there before: (body, statement, rule).
MADE_BY_A_BLOCK = [
    ("CREATE SEQUENCE s;", "ALTER SEQUENCE s RESTART;", "missing-lock-timeout"),
    ("EXECUTE 'CREATE SEQUENCE s';", "ALTER SEQUENCE s RENAME TO s2;", "missing-lock-timeout"),
    ("CREATE TYPE feeling AS ENUM ('a');", "ALTER TYPE feeling RENAME VALUE 'a' TO 'b';",
     "enum-rename-value"),
    ("CREATE MATERIALIZED VIEW mv AS SELECT 1 AS one;",
     "ALTER MATERIALIZED VIEW mv RENAME TO mv2;", "missing-lock-timeout"),
    ("CREATE INDEX accounts_memo ON accounts (email);",
     "ALTER INDEX accounts_memo SET TABLESPACE fast;", "missing-lock-timeout"),
    ("ALTER TABLE accounts ADD COLUMN memo text;",
     "ALTER TABLE accounts RENAME COLUMN memo TO memo2;", "rename-column"),
]


@pytest.mark.parametrize(("body", "sql", "rule"), MADE_BY_A_BLOCK)
def test_what_a_do_block_makes_is_new_after_it(body: str, sql: str, rule: str) -> None:
    block, after = rules_of(do(body) + sql + "\n")
    assert rule not in after


@pytest.mark.parametrize(("body", "sql", "rule"), MADE_BY_A_BLOCK)
def test_what_a_do_block_may_make_is_not_new_after_it(body: str, sql: str, rule: str) -> None:
    guarded = f"IF EXISTS (SELECT 1 FROM accounts) THEN\n{body}\nEND IF;"
    block, after = rules_of(do(guarded) + sql + "\n")
    assert rule in after


def test_a_type_made_under_an_exception_clause_is_not_new() -> None:
    """(the usual way to make a type "if it does not exist": it may have been there)"""
    body = "CREATE TYPE feeling AS ENUM ('a');\nEXCEPTION WHEN duplicate_object THEN NULL;"
    block, after = rules_of(do(body) + "ALTER TYPE feeling RENAME VALUE 'a' TO 'b';\n")
    assert "enum-rename-value" in after


#: Statements on sequence s that wait for a lock on it.
ON_SEQUENCE = [
    "ALTER SEQUENCE {s} RENAME TO s2;",
    "ALTER TABLE {s} RENAME TO s2;",
    "ALTER SEQUENCE {s} OWNED BY accounts.id;",
    "ALTER SEQUENCE {s} OWNED BY NONE;",
    "ALTER SEQUENCE {s} RESTART;",
    "ALTER SEQUENCE {s} INCREMENT BY 2;",
    "ALTER SEQUENCE {s} OWNER TO CURRENT_USER;",
    "ALTER SEQUENCE {s} SET SCHEMA app;",
    "ALTER SEQUENCE {s} SET UNLOGGED;",
    "DROP SEQUENCE {s};",
]


@pytest.mark.parametrize("sql", ON_SEQUENCE)
def test_a_lock_on_a_sequence_the_migration_made_waits_for_no_one(sql: str) -> None:
    made, changed = rules_of("CREATE SEQUENCE s;\n" + sql.format(s="s") + "\n")
    assert "missing-lock-timeout" not in changed
    assert "set-logged-unlogged" not in changed


@pytest.mark.parametrize("sql", ON_SEQUENCE)
def test_a_lock_on_a_sequence_there_before_waits(sql: str) -> None:
    (changed,) = rules_of(sql.format(s="numbers") + "\n")
    assert "missing-lock-timeout" in changed


#: Tables made with a serial or identity column, and the sequence they made.
SERIALS = [
    ("CREATE TABLE t (id serial);", "t_id_seq"),
    ("CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY);", "t_id_seq"),
    ("CREATE TABLE t (id bigint GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME t_ids));",
     "t_ids"),
    ("ALTER TABLE accounts ADD COLUMN n bigserial;", "accounts_n_seq"),
]


@pytest.mark.parametrize(("made", "sequence"), SERIALS)
def test_the_sequence_of_a_new_serial_column_is_new(made: str, sequence: str) -> None:
    *_, changed = rules_of(f"{made}\nALTER SEQUENCE {sequence} RESTART;\n")
    assert "missing-lock-timeout" not in changed


def test_the_sequence_of_a_serial_column_there_before_is_not_new() -> None:
    (changed,) = rules_of("ALTER SEQUENCE orders_id_seq RESTART;\n")
    assert "missing-lock-timeout" in changed


def test_a_sequence_renamed_is_not_new_under_its_new_name() -> None:
    """Renaming a sequence that was there leaves it in use (a default draws from it by its
    oid): its new name is new to code, the sequence is not."""
    sql = ("SET lock_timeout = '5s';\nALTER SEQUENCE numbers RENAME TO n2;\n"
           "RESET lock_timeout;\nALTER SEQUENCE n2 RESTART;\n")
    *_, changed = rules_of(sql)
    assert "missing-lock-timeout" in changed


def test_a_type_renamed_is_not_new_under_its_new_name() -> None:
    *_, changed = rules_of("ALTER TYPE mood RENAME TO feeling;\n"
                           "ALTER TYPE feeling RENAME VALUE 'a' TO 'b';\n")
    assert "enum-rename-value" in changed


def test_a_table_moved_to_another_schema_is_not_new_there() -> None:
    *_, changed = rules_of("ALTER TABLE accounts SET SCHEMA app;\n"
                           "CREATE INDEX accounts_id ON app.accounts (id);\n")
    assert "index-without-concurrently" in changed


def test_a_new_table_moved_to_another_schema_is_new_there() -> None:
    *_, changed = rules_of("CREATE TABLE t (x int);\n"
                           "ALTER TABLE t SET SCHEMA app;\nCREATE INDEX t_x ON app.t (x);\n")
    assert "index-without-concurrently" not in changed


#: Views, materialized views and indexes, made by the migration (`{made}`) or there before.
OTHER_RELATIONS = [
    ("CREATE VIEW v AS SELECT 1 AS one;", "ALTER VIEW {v} RENAME TO v2;", "v", "accounts_v"),
    ("CREATE MATERIALIZED VIEW mv AS SELECT 1 AS one;",
     "ALTER MATERIALIZED VIEW {v} RENAME TO mv2;", "mv", "totals"),
    ("CREATE INDEX i ON accounts (id);", "ALTER INDEX {v} SET TABLESPACE pg_default;", "i",
     "accounts_email"),
]


@pytest.mark.parametrize(("made", "sql", "new", "old"), OTHER_RELATIONS)
def test_a_lock_on_a_relation_the_migration_made_waits_for_no_one(
        made: str, sql: str, new: str, old: str) -> None:
    *_, changed, commit = rules_of(f"BEGIN;\n{made}\n{sql.format(v=new)}\nCOMMIT;\n")
    assert "missing-lock-timeout" not in changed
    setup = SETUP + "CREATE VIEW accounts_v AS SELECT 1 AS one;\n"
    *_, changed, commit = rules_of(f"BEGIN;\n{sql.format(v=old)}\nCOMMIT;\n", setup)
    assert "missing-lock-timeout" in changed


#: Each kind of relation a DO block, and a migration, makes.
MADE_IN_TRANSACTION = ("DO $$ BEGIN CREATE TABLE t (x int); EXECUTE 'CREATE SEQUENCE s'; "
                       "CREATE INDEX i ON t (x); CREATE VIEW v AS SELECT 1 AS one; "
                       "CREATE MATERIALIZED VIEW mv AS SELECT 1 AS one; END $$;\n"
                       "CREATE TABLE t2 (x int); CREATE SEQUENCE s2; "
                       "CREATE MATERIALIZED VIEW mv2 AS SELECT 1 AS one;")


@pytest.mark.postgres
def test_no_other_session_sees_what_the_migration_made(pg_db: str) -> None:
    """(checked on 18.6) Until the migration's transaction commits, another session finds
    none of the relations it (or its DO block) made: it cannot lock one, so the migration's
    locks on them wait for no one, while a lock on a sequence that was there waits behind a
    session drawing from it. (After the commit no code deployed before the migration uses
    them: lockwise's "new", as for tables.)"""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn, \
            psycopg.connect(pg_db, autocommit=True) as other:
        conn.execute("CREATE TABLE accounts (id bigint); CREATE SEQUENCE numbers")
        conn.execute("BEGIN")
        conn.execute(MADE_IN_TRANSACTION)
        for name in ("t", "s", "i", "v", "mv", "t2", "s2", "mv2"):
            assert other.execute("SELECT to_regclass(%s)", (name,)).fetchone() == (None,)
            with pytest.raises(psycopg.errors.UndefinedTable), other.transaction():
                other.execute(f"LOCK TABLE {name}")
        # the migration's locks on them are granted at once, while `other` holds a lock on
        # each relation it sees
        other.execute("BEGIN")
        other.execute("LOCK TABLE accounts IN ACCESS SHARE MODE")
        other.execute("SELECT nextval('numbers')")
        conn.execute("SET LOCAL lock_timeout = '100ms'")
        for sql in ("ALTER SEQUENCE s OWNED BY t.x", "ALTER SEQUENCE s RENAME TO s3",
                    "ALTER SEQUENCE s2 RESTART", "ALTER TABLE mv RENAME TO mv3",
                    "CREATE INDEX ON t2 (x)", "ALTER INDEX i SET TABLESPACE pg_default"):
            conn.execute(sql)
        with pytest.raises(psycopg.errors.LockNotAvailable):
            conn.execute("ALTER SEQUENCE numbers RESTART")
        conn.execute("ROLLBACK")
        other.execute("ROLLBACK")


#: A new table a DO block fills from an older one, then given a foreign key to that one.
FILLED_BY_A_BLOCK = [
    "CREATE TABLE t (id bigint, account_id bigint);\n"
    + do("INSERT INTO t SELECT id, id FROM accounts;"),
    do("CREATE TABLE t (id bigint, account_id bigint);\n"
       "INSERT INTO t SELECT id, id FROM accounts;"),
    # filled in a branch that may not run: it may hold the rows all the same
    do("CREATE TABLE t (id bigint, account_id bigint);\n"
       "IF EXISTS (SELECT 1 FROM accounts) THEN\n"
       "  INSERT INTO t SELECT id, id FROM accounts;\nEND IF;"),
]


@pytest.mark.parametrize("sql", FILLED_BY_A_BLOCK)
def test_a_new_table_a_do_block_fills_holds_rows(sql: str) -> None:
    """Validating a foreign key reads the new table's rows, copied from accounts, while it
    holds accounts SHARE ROW EXCLUSIVE: as after a top-level INSERT ... SELECT."""
    *_, key = rules_of(sql + "ALTER TABLE t ADD CONSTRAINT t_account FOREIGN KEY (account_id) "
                             "REFERENCES accounts (id);\n")
    assert "add-foreign-key-validated" in key


def test_a_new_table_a_do_block_leaves_empty_takes_a_key_at_once() -> None:
    *_, key = rules_of(do("CREATE TABLE t (id bigint, account_id bigint);")
                       + "ALTER TABLE t ADD CONSTRAINT t_account FOREIGN KEY (account_id) "
                         "REFERENCES accounts (id);\n")
    assert "add-foreign-key-validated" not in key


#: What the migration made, moved to schema app by SET SCHEMA (an index and a serial's
#: sequence move with their table: checked on 18.6 below), then changed there under a rule
#: that judges only what was there before: (made, moved, statement, rule).
MOVED = [
    ("CREATE SEQUENCE s;", "ALTER SEQUENCE s SET SCHEMA app;", "ALTER SEQUENCE app.s RENAME TO s2;",
     "missing-lock-timeout"),
    ("CREATE SEQUENCE s;", "ALTER SEQUENCE s SET SCHEMA app;", "ALTER SEQUENCE app.s RESTART;",
     "missing-lock-timeout"),
    ("CREATE TABLE t (x int);\nCREATE INDEX t_x ON t (x);", "ALTER TABLE t SET SCHEMA app;",
     "ALTER INDEX app.t_x SET TABLESPACE pg_default;", "missing-lock-timeout"),
    ("CREATE TABLE t (id serial);", "ALTER TABLE t SET SCHEMA app;",
     "ALTER SEQUENCE app.t_id_seq RESTART;", "missing-lock-timeout"),
]


@pytest.mark.parametrize(("made", "moved", "sql", "rule"), MOVED)
def test_what_the_migration_made_stays_new_in_the_schema_it_moves_to(
        made: str, moved: str, sql: str, rule: str) -> None:
    *_, changed = rules_of(f"{made}\n{moved}\n{sql}\n")
    assert rule not in changed


@pytest.mark.parametrize(("made", "moved", "sql", "rule"), MOVED)
def test_what_was_there_before_is_not_new_in_the_schema_it_moves_to(
        made: str, moved: str, sql: str, rule: str) -> None:
    *_, changed = rules_of(f"{moved}\n{sql}\n", SETUP + made + "\n")
    assert rule in changed


@pytest.mark.postgres
def test_set_schema_moves_a_tables_indexes_and_sequences_with_it(pg_db: str) -> None:
    """(checked on 18.6) What moves with the table, and what the migration moved is seen by
    no other session until its transaction commits, as what it made."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn, \
            psycopg.connect(pg_db, autocommit=True) as other:
        conn.execute("CREATE SCHEMA app")
        conn.execute("BEGIN")
        conn.execute("CREATE TABLE t (id serial); CREATE INDEX t_x ON t (id); "
                     "CREATE SEQUENCE s; ALTER TABLE t SET SCHEMA app; "
                     "ALTER SEQUENCE s SET SCHEMA app")
        for name in ("app.t", "app.t_x", "app.t_id_seq", "app.s"):
            assert conn.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone() \
                == (True,)
            assert other.execute("SELECT to_regclass(%s)", (name,)).fetchone() == (None,)
        conn.execute("ROLLBACK")


def test_a_relation_a_do_block_makes_in_the_transaction_holds_back_no_one() -> None:
    """lock-accumulation: a lock on a table the transaction made, in a DO block as at top
    level, keeps no other session waiting (`test_no_other_session_sees_what_the_migration_made`),
    while one on a table there before does."""
    held = "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE accounts ADD COLUMN note text;\n"
    changed = "ALTER TABLE t ADD COLUMN y int;\nCOMMIT;\n"  # (ACCESS EXCLUSIVE on t, no scan)
    for made in (do("CREATE TABLE t (x int);"), "CREATE TABLE t (x int);\n"):
        *_, column, commit = rules_of(held + made + changed)
        assert "lock-accumulation" not in column
    maybe = do("IF EXISTS (SELECT 1 FROM accounts) THEN\n  CREATE TABLE t (x int);\nEND IF;")
    *_, column, commit = rules_of(held + maybe + changed)
    assert "lock-accumulation" in column


#: DO block bodies after which table t, which the block makes, holds no row for sure (made
#: outside any branch, not AS a query, written by none of its statements), as after a
#: top-level CREATE TABLE; and bodies after which it may hold rows.
LEAVES_T_EMPTY = [
    "CREATE TABLE t (x int);",
    "EXECUTE 'CREATE TABLE t (x int)';",
    "CREATE TABLE t (x int);\nCREATE INDEX t_first ON t (x);",
]
MAY_FILL_T = [
    "CREATE TABLE t (x int);\nINSERT INTO t VALUES (1);",
    "CREATE TABLE t AS SELECT 1 AS x;",
    "CREATE TABLE t (x int);\nEXECUTE format('INSERT INTO t VALUES (%s)', 1);",
    "IF EXISTS (SELECT 1 FROM accounts) THEN\n  CREATE TABLE t (x int);\nEND IF;",
]
#: A transaction that holds accounts ACCESS EXCLUSIVE, then runs the block, then builds an
#: index on t: a build that reads rows holds accounts the while (lock-accumulation).
_HELD = "BEGIN;\nSET LOCAL lock_timeout = '5s';\nALTER TABLE accounts ADD COLUMN note text;\n"


@pytest.mark.parametrize("body", LEAVES_T_EMPTY)
def test_a_table_a_do_block_makes_is_empty_after_it(body: str) -> None:
    *_, index, commit = rules_of(_HELD + do(body) + "CREATE INDEX t_x ON t (x);\nCOMMIT;\n")
    assert "lock-accumulation" not in index
    # (as after a top-level CREATE TABLE; and a row written since fills it)
    *_, index, commit = rules_of(_HELD + do(body) + "INSERT INTO t VALUES (1);\n"
                                 "CREATE INDEX t_x ON t (x);\nCOMMIT;\n")
    assert "lock-accumulation" in index


@pytest.mark.parametrize("body", MAY_FILL_T)
def test_a_table_a_do_block_may_fill_is_not_empty_after_it(body: str) -> None:
    *_, index, commit = rules_of(_HELD + do(body) + "CREATE INDEX t_x ON t (x);\nCOMMIT;\n")
    assert "lock-accumulation" in index


def test_a_do_block_still_empties_what_it_may_write_of_the_tables_made_before() -> None:
    # (code lockwise does not read whole, dynamic SQL, may write any table)
    made = "CREATE TABLE u (x int);\n"
    *_, index, commit = rules_of(
        _HELD + made + do("CREATE TABLE t (x int);\nEXECUTE format('SELECT %s', 1);")
        + "CREATE INDEX u_x ON u (x);\nCOMMIT;\n")
    assert "lock-accumulation" in index
