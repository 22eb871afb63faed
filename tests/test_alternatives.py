"""The safe alternative lint prints (`instead`) for a statement fix can rewrite: SQL that
parses and keeps what the statement meant (UNIQUE, WHERE, USING, INCLUDE, expressions,
ON DELETE, DEFERRABLE), with unnamed constraints named as PostgreSQL names them; and for the
template alternatives, the user's own schema and key columns. The server tests run the
alternatives on the embedded PostgreSQL and read the catalog they leave."""

from __future__ import annotations

import re

import pytest
from pglast import ast, parse_sql

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.postgres import parse_sql as split_sql
from test_instead_quoting import statements_text

SETUP = """CREATE SCHEMA app;
CREATE TABLE app.users (id bigint PRIMARY KEY, email text, deleted_at timestamptz,
                        created_at timestamptz, data jsonb);
CREATE TABLE users (id bigint PRIMARY KEY, email text, deleted_at timestamptz,
                    created_at timestamptz, data jsonb);
CREATE TABLE accounts (id bigint PRIMARY KEY);
CREATE TABLE orders (id bigint, account_id bigint, amount int, fee int);
CREATE TABLE codes (code text PRIMARY KEY, label text);
CREATE TABLE log (line text);"""


def alternative(sql: str, rule: str, setup: str = SETUP, pg_version: int = 16) -> str:
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(sql, "0002_change.sql")],
                              LintOptions(pg_version=pg_version), Catalog())
    # (a statement changing several columns gets a finding for each; the first one's
    # alternative is the statement's)
    finding, *_ = [f for f in reports[-1].all_findings if f.rule == rule]
    return finding.instead


def statements(sql: str, rule: str, **kwargs) -> list:
    """The alternative's statements, parsed (pglast raises on SQL that does not parse)."""
    return [raw.stmt for raw in parse_sql(alternative(sql, rule, **kwargs))]


def _index(sql: str) -> ast.IndexStmt:
    (stmt,) = statements(sql, "index-without-concurrently")
    assert isinstance(stmt, ast.IndexStmt) and stmt.concurrent
    return stmt


def test_index_alternative_keeps_unique_and_where() -> None:
    stmt = _index("CREATE UNIQUE INDEX users_email_key ON users (email) "
                  "WHERE deleted_at IS NULL;")
    assert stmt.unique and stmt.whereClause is not None and stmt.idxname == "users_email_key"


def test_index_alternative_keeps_expressions_method_and_options() -> None:
    assert isinstance(_index("CREATE INDEX users_lower ON users (lower(email));")
                      .indexParams[0].expr, ast.FuncCall)
    gin = _index("CREATE INDEX users_data ON users USING gin (data jsonb_path_ops);")
    assert gin.accessMethod == "gin" and gin.indexParams[0].opclass[0].sval == "jsonb_path_ops"
    sorted_ = _index("CREATE INDEX users_c ON users (created_at DESC NULLS LAST) "
                     "INCLUDE (email);")
    assert sorted_.indexParams[0].ordering.name == "SORTBY_DESC"
    assert sorted_.indexParams[0].nulls_ordering.name == "SORTBY_NULLS_LAST"
    assert [p.name for p in sorted_.indexIncludingParams] == ["email"]


def test_unnamed_index_alternative_names_it_as_postgres_would() -> None:
    stmt = _index("CREATE INDEX ON users (deleted_at);")
    assert stmt.idxname == "users_deleted_at_idx" and stmt.if_not_exists


def test_primary_key_alternative_attaches_a_primary_key_named_as_postgres_does() -> None:
    build, attach = statements("ALTER TABLE orders ADD PRIMARY KEY (id);",
                               "add-unique-constraint")
    assert build.unique and build.concurrent and build.idxname == "orders_pkey"
    (cmd,) = attach.cmds
    assert cmd.def_.contype.name == "CONSTR_PRIMARY"
    assert cmd.def_.conname == cmd.def_.indexname == "orders_pkey"


def test_unique_alternative_keeps_its_clauses() -> None:
    build, attach = statements(
        "ALTER TABLE orders ADD UNIQUE NULLS NOT DISTINCT (account_id, amount) INCLUDE (fee) "
        "DEFERRABLE;", "add-unique-constraint")
    assert build.idxname == "orders_account_id_amount_key" and build.nulls_not_distinct
    assert [p.name for p in build.indexIncludingParams] == ["fee"]
    assert attach.cmds[0].def_.contype.name == "CONSTR_UNIQUE" and attach.cmds[0].def_.deferrable


def test_foreign_key_alternative_names_it_and_keeps_its_actions() -> None:
    add, validate = statements(
        "ALTER TABLE orders ADD FOREIGN KEY (account_id) REFERENCES accounts "
        "ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;", "add-foreign-key-validated")
    con = add.cmds[0].def_
    assert con.conname == "orders_account_id_fkey" and con.skip_validation
    assert con.fk_del_action == "c" and con.deferrable and con.initdeferred
    assert validate.cmds[0].name == "orders_account_id_fkey"
    add, _ = statements("ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (account_id) "
                        "REFERENCES accounts ON DELETE SET NULL (account_id);",
                        "add-foreign-key-validated")
    assert [c.sval for c in add.cmds[0].def_.fk_del_set_cols] == ["account_id"]


@pytest.mark.parametrize(("check", "name"), [
    ("amount > 0", "orders_amount_check"),
    ("amount > fee", "orders_check"),  # two columns: PostgreSQL names it after the table only
])
def test_check_alternative_keeps_the_expression(check: str, name: str) -> None:
    add, validate = statements(f"ALTER TABLE orders ADD CHECK ({check});",
                               "add-check-validated")
    con = add.cmds[0].def_
    assert con.conname == name and con.skip_validation
    assert isinstance(con.raw_expr, ast.A_Expr)
    assert validate.cmds[0].name == name


def test_long_names_are_shortened_as_postgres_does() -> None:
    table = "t" * 60
    sql = f"ALTER TABLE {table} ADD FOREIGN KEY (account_id) REFERENCES accounts;"
    add, _ = statements(sql, "add-foreign-key-validated",
                        setup=SETUP + f"\nCREATE TABLE {table} (account_id bigint);")
    # 63 bytes: the longer part (the table name) gives way.
    assert add.cmds[0].def_.conname == "t" * 47 + "_account_id_fkey"


def test_rename_table_view_names_the_renamed_table_in_its_schema() -> None:
    rename, view, _grants = statements("ALTER TABLE app.users RENAME TO members;",
                                       "rename-table")
    from_ = view.query.fromClause[0]
    assert (view.view.schemaname, view.view.relname) == ("app", "users")
    assert (from_.schemaname, from_.relname) == ("app", "members")


def test_serial_column_alternative_adds_its_integer_type_not_serial() -> None:
    text = alternative("ALTER TABLE log ADD COLUMN n bigserial;", "add-column-volatile-default")
    parsed = parse_sql(text)
    assert "serial" not in text
    added = [s.stmt.cmds[0].def_ for s in parsed if isinstance(s.stmt, ast.AlterTableStmt)
             and s.stmt.cmds[0].subtype.name == "AT_AddColumn"]
    assert [d.typeName.names[-1].sval for d in added] == ["int8"]
    assert any(isinstance(s.stmt, ast.CreateSeqStmt) for s in parsed)
    assert "SET DEFAULT nextval('log_n_seq'::regclass)" in text


def test_volatile_default_backfill_uses_the_default_expression() -> None:
    text = alternative("ALTER TABLE log ADD COLUMN token uuid DEFAULT gen_random_uuid();",
                       "add-column-volatile-default")
    parse_sql(text)
    assert "SET token = gen_random_uuid()" in text and "<value>" not in text


def _sets_not_null(stmts: list) -> bool:
    return any(isinstance(s, ast.AlterTableStmt) and s.cmds[0].subtype.name == "AT_SetNotNull"
               for s in stmts)


def test_set_not_null_alternative_before_pg12_keeps_the_check() -> None:
    sql = "ALTER TABLE orders ALTER COLUMN amount SET NOT NULL;"
    old = statements(sql, "set-not-null", pg_version=11)
    assert not _sets_not_null(old)  # it would scan under ACCESS EXCLUSIVE all the same
    assert old[-1].cmds[0].subtype.name == "AT_ValidateConstraint"
    assert _sets_not_null(statements(sql, "set-not-null"))


@pytest.mark.parametrize(("update", "key"), [
    ("UPDATE log SET line = 'x';", "ctid"),
    ("UPDATE codes SET label = 'x';", "code"),
    ("DELETE FROM users;", "id"),
])
def test_batches_name_rows_by_the_primary_key_or_ctid(update: str, key: str) -> None:
    text = alternative(update, "unbatched-backfill")
    table = update.split()[1 if update.startswith("UPDATE") else 2].rstrip(";")
    assert f"WHERE {key} IN (SELECT {key} FROM {table} " in text
    # (the batch statement ends it; commented where apply batches the statement, marked above)
    assert text.splitlines()[-1].removeprefix("-- ").startswith(
        update.split(" SET")[0].rstrip(";"))


@pytest.mark.parametrize(("statement", "key"), [
    ("UPDATE users SET email = accounts.id::text FROM accounts;", "users.id"),
    ("UPDATE users AS u SET email = a.id::text FROM accounts a;", "u.id"),
    ("DELETE FROM log USING accounts;", "log.ctid"),
])
def test_batches_qualify_the_row_key_beside_other_tables(statement: str, key: str) -> None:
    # The FROM (USING) list can have a column of the key's name (lemmy's
    # `WITH x AS (INSERT ... RETURNING person.id) UPDATE local_site ... FROM x`): unqualified,
    # PostgreSQL refuses the batch as ambiguous.
    last = alternative(statement, "unbatched-backfill").splitlines()[-1]
    assert f" WHERE {key} IN (SELECT " in last


@pytest.mark.parametrize(("statement", "applies"), [
    ("DELETE FROM users;", True),  # bigint primary key
    ("UPDATE codes SET label = 'x';", False),  # text primary key
    ("UPDATE log SET line = 'x';", False),  # no primary key
    ("WITH a AS (SELECT id FROM accounts) UPDATE users SET email = 'x' FROM a;", False),
    # apply names the key through the target (`users.id >= lo AND users.id < hi`): not
    # ambiguous beside accounts.id (test_a_batched_join_follows_the_advice, on the server)
    ("UPDATE users SET email = accounts.id::text FROM accounts;", True),
    ("DELETE FROM users USING accounts;", True),
])
def test_batches_offer_lockwise_apply_only_where_it_can_batch(statement: str,
                                                              applies: bool) -> None:
    # `lockwise apply` batches by a single-column integer primary key, and refuses a
    # statement with WITH or RETURNING (executor/batches.py): the directive is offered only
    # where it runs.
    from lockwise.executor.batches import BatchError, _target

    text = alternative(statement, "unbatched-backfill")
    assert ("-- lockwise: batch" in text) == applies, text
    if not applies and "WITH" in statement:
        with pytest.raises(BatchError):
            _target(statement)


def test_batches_do_not_repeat_a_with_query_that_writes_rows() -> None:
    # lemmy 2025-08-01-000057_multi-community: `WITH x AS (INSERT ... RETURNING person.id)
    # UPDATE local_site ... FROM x`: each repetition of the statement would insert again.
    text = alternative("WITH x AS (INSERT INTO accounts VALUES (1) RETURNING id) "
                       "UPDATE users SET email = x.id::text FROM x;", "unbatched-backfill")
    assert "-- lockwise: batch" not in text
    assert "writes rows" in text and "once" in text, text


# --- on the server ---------------------------------------------------------------------------

ROWS = """INSERT INTO accounts SELECT g FROM generate_series(1, 50) g;
INSERT INTO orders SELECT g, g, g, 1 FROM generate_series(1, 50) g;
INSERT INTO log SELECT 'line ' || g FROM generate_series(1, 300) g;
INSERT INTO users (id, email) SELECT g, g || '@x' FROM generate_series(1, 20) g;"""


def _run(conn, sql: str) -> None:
    """Each statement on its own, as the alternative's migrations run them (CONCURRENTLY and
    a DO block that commits refuse a transaction block)."""
    for stmt in split_sql(sql).statements:
        conn.execute(stmt.sql)


def _constraints(conn, table: str) -> dict[str, tuple]:
    return {row[0]: row[1:] for row in conn.execute(
        "SELECT conname, contype, convalidated, confdeltype, condeferrable, condeferred "
        "FROM pg_constraint WHERE conrelid = %s::regclass", (table,))}


def _name_postgres_gives(conn, sql: str, table: str) -> str:
    """The name PostgreSQL gives the constraint `sql` adds (rolled back)."""
    before = set(_constraints(conn, table))
    conn.execute("BEGIN")
    try:
        conn.execute(sql)
        # PostgreSQL 18 adds a NOT NULL constraint for each PRIMARY KEY column as well.
        (name,) = {n for n, (kind, *_) in _constraints(conn, table).items()
                   if kind != "n"} - before
    finally:
        conn.execute("ROLLBACK")
    return name


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "table", "contype", "deltype", "deferrable"), [
    ("ALTER TABLE orders ADD PRIMARY KEY (id);", "orders", "p", None, False),
    ("ALTER TABLE orders ADD UNIQUE (account_id, amount) DEFERRABLE;", "orders", "u", None,
     True),
    ("ALTER TABLE orders ADD FOREIGN KEY (account_id) REFERENCES accounts "
     "ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED;", "orders", "f", "c", True),
    ("ALTER TABLE orders ADD CHECK (amount > 0);", "orders", "c", None, False),
    ("ALTER TABLE orders ADD CHECK (amount >= fee);", "orders", "c", None, False),
    (f"ALTER TABLE {'t' * 60} ADD FOREIGN KEY (account_id) REFERENCES accounts;", "t" * 60,
     "f", "a", False),
])
def test_constraint_alternatives_run_and_build_what_was_asked(
        pg_db: str, sql: str, table: str, contype: str, deltype: str | None,
        deferrable: bool) -> None:
    import psycopg

    setup = SETUP + f"\nCREATE TABLE {'t' * 60} (account_id bigint);"
    rule = {"p": "add-unique-constraint", "u": "add-unique-constraint",
            "f": "add-foreign-key-validated", "c": "add-check-validated"}[contype]
    text = alternative(sql, rule, setup=setup)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, setup + "\n" + ROWS)
        expected_name = _name_postgres_gives(conn, sql, table)
        _run(conn, text)
        found = _constraints(conn, table)
    assert expected_name in found, (text, found)
    kind, validated, confdeltype, is_deferrable, _ = found[expected_name]
    assert (kind, validated, is_deferrable) == (contype, True, deferrable)
    if deltype is not None:
        assert confdeltype == deltype


@pytest.mark.postgres
def test_index_alternative_builds_the_same_unique_partial_index(pg_db: str) -> None:
    import psycopg

    text = alternative("CREATE UNIQUE INDEX users_email_key ON users (lower(email)) "
                       "WHERE deleted_at IS NULL;", "index-without-concurrently")
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, SETUP + "\n" + ROWS)
        _run(conn, text)
        (row,) = conn.execute(
            "SELECT i.indisunique, i.indisvalid, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indexrelid = 'users_email_key'::regclass").fetchall()
    assert row[:2] == (True, True)
    assert "lower(email)" in row[2] and "WHERE (deleted_at IS NULL)" in row[2]


@pytest.mark.postgres
def test_serial_column_alternative_gives_every_row_a_value_without_a_rewrite(
        pg_db: str) -> None:
    import psycopg

    text = alternative("ALTER TABLE log ADD COLUMN n bigserial;", "add-column-volatile-default")
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, SETUP + "\n" + ROWS)
        before = conn.execute("SELECT pg_relation_filenode('log')").fetchone()
        _run(conn, text)
        after = conn.execute("SELECT pg_relation_filenode('log')").fetchone()
        column = conn.execute(
            "SELECT format_type(atttypid, atttypmod), attnotnull, "
            "pg_get_serial_sequence('log', 'n') FROM pg_attribute "
            "WHERE attrelid = 'log'::regclass AND attname = 'n'").fetchone()
        counts = conn.execute("SELECT count(DISTINCT n), count(*) FROM log").fetchone()
        conn.execute("INSERT INTO log (line) VALUES ('new')")
        new = conn.execute("SELECT n FROM log WHERE line = 'new'").fetchone()
    assert before == after  # no rewrite
    assert column == ("bigint", True, "public.log_n_seq")
    assert counts == (300, 300) and new[0] is not None


@pytest.mark.postgres
def test_rename_table_alternative_keeps_the_old_name_in_its_schema(pg_db: str) -> None:
    import psycopg

    text = alternative("ALTER TABLE app.users RENAME TO members;", "rename-table")
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, SETUP)
        conn.execute("INSERT INTO users (id) VALUES (1)")  # public.users: must not be read
        conn.execute("INSERT INTO app.users (id) VALUES (7), (8)")
        conn.execute("BEGIN")
        _run(conn, text)
        conn.execute("COMMIT")
        ids = conn.execute("SELECT id FROM app.users ORDER BY id").fetchall()
    assert ids == [(7,), (8,)]


def test_a_statement_a_do_block_runs_gets_its_own_rewrite() -> None:
    # The block's own text is no statement to rewrite: the alternative is the embedded one's.
    stmts = statements("DO $$ BEGIN\n  ALTER TABLE orders ADD CHECK (amount > fee);\n"
                       "EXCEPTION WHEN duplicate_object THEN NULL;\nEND $$;",
                       "add-check-validated")
    add, validate = (s.cmds[0] for s in stmts)
    assert add.def_.conname == "orders_check" and add.def_.skip_validation
    assert add.def_.raw_expr is not None and validate.name == "orders_check"


@pytest.mark.postgres
def test_a_key_that_replaces_the_old_one_takes_over_in_one_step(pg_db: str) -> None:
    # `DROP COLUMN id, DROP CONSTRAINT <unique>, ADD PRIMARY KEY (a, b)` (lemmy's change of
    # primary keys): the new key is built CONCURRENTLY under a name of its own while the old
    # ones stay, then the drops and the attach run together; the constraint gets the name
    # PostgreSQL gives it, the old key's (its drops run first).
    import psycopg

    setup = ("CREATE TABLE likes (id serial PRIMARY KEY, person_id int NOT NULL, "
             "post_id int NOT NULL, UNIQUE (post_id, person_id));")
    sql = ("ALTER TABLE likes DROP COLUMN id, DROP CONSTRAINT likes_post_id_person_id_key, "
           "ADD PRIMARY KEY (person_id, post_id);")
    text = alternative(sql, "add-unique-constraint", setup=setup)
    *_, attach = [s.sql for s in split_sql(text).statements]
    assert attach.startswith("ALTER TABLE likes DROP COLUMN id, DROP CONSTRAINT")
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, setup + "INSERT INTO likes (person_id, post_id) VALUES (1, 1), (1, 2);")
        conn.execute("BEGIN")
        conn.execute(sql)
        (expected,) = conn.execute("SELECT conname FROM pg_constraint WHERE contype = 'p' "
                                   "AND conrelid = 'likes'::regclass").fetchone()
        conn.execute("ROLLBACK")
        statements = [s.sql for s in split_sql(text).statements]
        for stmt in statements[:-1]:  # until the attach, the old keys still hold
            conn.execute(stmt)
            assert {"likes_pkey", "likes_post_id_person_id_key"} <= set(
                _constraints(conn, "likes"))
        conn.execute(statements[-1])
        found = _constraints(conn, "likes")
    assert expected == "likes_pkey" and found[expected][0] == "p"
    assert "likes_post_id_person_id_key" not in found


GENERATED = ("ALTER TABLE users ADD COLUMN email_lower text "
             "GENERATED ALWAYS AS (lower(users.email)) STORED;")


def test_stored_generated_column_alternative_has_no_default_to_set() -> None:
    text = alternative(GENERATED, "add-column-volatile-default")
    parse_sql(text)
    assert "<value>" not in text and "SET DEFAULT" not in text
    assert "NEW.email_lower := lower(new.email)" in text
    assert "SET email_lower = lower(users.email)" in text
    assert "VIRTUAL is added instantly" in text  # what PostgreSQL 18 would allow


def test_stored_generated_column_alternative_on_pg18_is_virtual() -> None:
    (stmt,) = statements(GENERATED, "add-column-volatile-default", pg_version=18)
    assert stmt.cmds[0].def_.constraints[0].generated_kind == "v"


def test_generated_column_calling_a_user_function_is_not_made_virtual() -> None:
    setup = SETUP + ("\nCREATE FUNCTION fold(t text) RETURNS text IMMUTABLE LANGUAGE sql "
                     "AS $$ SELECT lower(t) $$;")
    text = alternative(GENERATED.replace("lower(", "fold("), "add-column-volatile-default",
                       setup=setup, pg_version=18)
    assert "VIRTUAL" not in text and "NEW.email_lower := fold(new.email)" in text


@pytest.mark.postgres
@pytest.mark.parametrize("pg_version", [16, 18])
def test_generated_column_alternative_computes_every_row_without_a_rewrite(
        pg_db: str, pg_version: int) -> None:
    import psycopg

    text = alternative(GENERATED, "add-column-volatile-default", pg_version=pg_version)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, SETUP + "\nINSERT INTO users (id, email) "
                           "SELECT g, 'User' || g FROM generate_series(1, 300) g;")
        before = conn.execute("SELECT pg_relation_filenode('users')").fetchone()
        _run(conn, text)
        after = conn.execute("SELECT pg_relation_filenode('users')").fetchone()
        conn.execute("INSERT INTO users (id, email) VALUES (0, 'NEW@x')")
        wrong = conn.execute("SELECT count(*) FROM users "
                             "WHERE email_lower IS DISTINCT FROM lower(email)").fetchone()
    assert before == after  # no rewrite
    assert wrong == (0,)


#: Generated columns whose expressions the catalog must carry: qualified, through renames of
#: the columns they read and of the table, SET EXPRESSION and LIKE ... INCLUDING GENERATED.
GENERATED_SETUP = """CREATE TABLE t (id bigint, a int, "B" varchar(10), c int, n int,
    g int NOT NULL GENERATED ALWAYS AS (t.a * 2) STORED,
    v text GENERATED ALWAYS AS (lower("B")) VIRTUAL,
    w int GENERATED ALWAYS AS (id) STORED,
    z text COLLATE "C" GENERATED ALWAYS AS (a::text || 'x') STORED);
ALTER TABLE t RENAME COLUMN c TO c2;
ALTER TABLE t ADD COLUMN h int GENERATED ALWAYS AS (c2 + 1) STORED;
ALTER TABLE t RENAME COLUMN c2 TO "C3";
ALTER TABLE t ADD COLUMN k int GENERATED ALWAYS AS (n) STORED;
ALTER TABLE t ALTER COLUMN k SET EXPRESSION AS (id + 1);
ALTER TABLE t RENAME TO t2;
CREATE TABLE copy (LIKE t2 INCLUDING GENERATED);"""
GENERATED_ROWS = """INSERT INTO t2 (id, a, "B", "C3", n)
    SELECT g, g, 'X' || g, g, g FROM generate_series(1, 20) g;
INSERT INTO copy (id, a, "B", "C3", n) SELECT g, g, 'Y', g, g FROM generate_series(1, 20) g;"""


def _in_a_window(text: str) -> str:
    """The alternative with the statement said in a comment (a STORED generated column added
    back: no online form) made SQL, as a user runs it when the table may wait."""
    return re.sub(r"(?m)^-- [^\n]*may wait: ", "", text)


def test_generated_column_alternative_writes_each_expression_as_the_catalog_keeps_it() -> None:
    text = _in_a_window(alternative('ALTER TABLE t2 ALTER COLUMN "C3" TYPE bigint, '
                                    "ALTER COLUMN id TYPE int;",
                                    "column-used-by-generated-column",
                                    setup=GENERATED_SETUP, pg_version=18))
    (stmt,) = [raw.stmt for raw in parse_sql(text)]
    assert "<" not in text and "ALTER TABLE t2 DROP COLUMN h, DROP COLUMN k, DROP COLUMN w" in text
    # the renamed column, the expression SET EXPRESSION gave, in the order of the drops
    assert [(c.def_.colname, _sql(c.def_.constraints[0].raw_expr)) for c in stmt.cmds
            if c.subtype.name == "AT_AddColumn"] == [
        ("h", '"C3" + 1'), ("k", "id + 1"), ("w", "id")]


def _sql(node: object) -> str:
    from pglast.stream import RawStream

    return RawStream()(node)


def _generated_columns(conn, table: str) -> dict[str, tuple]:
    """Each generated column of `table`: its expression as the server prints it, STORED or
    VIRTUAL, NOT NULL, type and collation."""
    return {row[0]: row[1:] for row in conn.execute(
        "SELECT a.attname, pg_get_expr(d.adbin, d.adrelid), a.attgenerated, a.attnotnull, "
        "format_type(a.atttypid, a.atttypmod), a.attcollation FROM pg_attribute a "
        "JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
        "WHERE a.attrelid = %s::regclass AND a.attgenerated <> ''", (table,))}


def _column_types(conn, table: str) -> dict[str, str]:
    return dict(conn.execute(
        "SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped", (table,)))


@pytest.mark.postgres
def test_a_stored_generated_column_added_to_a_table_with_rows_rewrites_it(pg_db: str) -> None:
    """Checked on 18.6: ADD COLUMN ... GENERATED ... STORED computes every row into a new file
    under ACCESS EXCLUSIVE (no NOT VALID, no CONCURRENTLY form): a STORED generated column has
    no online way back onto a table with rows."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE o (id bigint, q int); INSERT INTO o SELECT g, g "
                     "FROM generate_series(1, 20) g")
        before = conn.execute("SELECT pg_relation_filenode('o')").fetchone()
        with conn.transaction():
            conn.execute("ALTER TABLE o ADD COLUMN t int GENERATED ALWAYS AS (q * 2) STORED")
            modes = {m for (m,) in conn.execute(
                "SELECT mode FROM pg_locks WHERE relation = 'o'::regclass "
                "AND pid = pg_backend_pid()")}
        after = conn.execute("SELECT pg_relation_filenode('o')").fetchone()
    assert before != after and "AccessExclusiveLock" in modes


@pytest.mark.parametrize(("sql", "stored"), [
    ("ALTER TABLE t2 ALTER COLUMN a TYPE bigint;", True),
    ('ALTER TABLE t2 ALTER COLUMN "B" TYPE varchar(20);', False),  # VIRTUAL
    ("ALTER TABLE t2 DROP COLUMN a;", False),  # g and z go, none comes back
])
def test_generated_column_alternative_that_adds_a_stored_one_back_is_a_comment(
        sql: str, stored: bool) -> None:
    """A STORED generated column added back to a table with rows has no online form: the
    statement is said in a comment, to run when the table may wait, not as SQL that would
    pass for safe. Without one, the statement stays SQL."""
    text = alternative(sql, "column-used-by-generated-column", setup=GENERATED_SETUP,
                       pg_version=18)
    code = [line for line in text.splitlines() if line.strip() and not line.startswith("--")]
    assert (not code, "no online form" in text) == (stored, stored), text


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "lost"), [
    ("ALTER TABLE t2 ALTER COLUMN a TYPE bigint", set()),
    ('ALTER TABLE t2 ALTER COLUMN "B" TYPE varchar(20)', set()),  # VIRTUAL
    ('ALTER TABLE t2 ALTER COLUMN "C3" TYPE bigint', set()),  # read under another name
    ("ALTER TABLE t2 ALTER COLUMN id TYPE int, ALTER COLUMN a TYPE bigint USING a + 1", set()),
    ('ALTER TABLE copy ALTER COLUMN "C3" TYPE bigint', set()),  # copied by LIKE
    ("ALTER TABLE t2 DROP COLUMN a", {"g", "z"}),
    ("ALTER TABLE t2 ALTER COLUMN id TYPE int, DROP COLUMN a", {"g", "z"}),
    ("ALTER TABLE t2 DROP COLUMN a, DROP COLUMN g", {"g", "z"}),  # g's own drop too late
])
def test_generated_column_alternative_runs_and_keeps_the_expressions(
        pg_db: str, sql: str, lost: set) -> None:
    import psycopg

    text = alternative(sql + ";", "column-used-by-generated-column", setup=GENERATED_SETUP,
                       pg_version=18)
    (stmt,) = [raw.stmt for raw in parse_sql(sql)]
    table = stmt.relation.relname
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, GENERATED_SETUP + "\n" + GENERATED_ROWS)
        before = _generated_columns(conn, table)
        with pytest.raises((psycopg.errors.FeatureNotSupported,
                            psycopg.errors.DependentObjectsStillExist)):
            conn.execute(sql)  # the statement the rule reports is refused
        _run(conn, _in_a_window(text))
        after = _generated_columns(conn, table)
        types = _column_types(conn, table)
    assert after == {name: kept for name, kept in before.items() if name not in lost}, text
    for cmd in stmt.cmds:  # and the statement's own change is made
        if cmd.subtype.name == "AT_DropColumn":
            assert cmd.name not in types
        else:
            assert types[cmd.name] == _sql(cmd.def_.typeName).replace("int8", "bigint") \
                .replace("int4", "integer").replace("varchar", "character varying")


@pytest.mark.postgres
@pytest.mark.parametrize(("setup", "sql", "pg_version"), [
    ("CREATE TABLE orders (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, qty int, "
     "price numeric, "
     "total numeric GENERATED ALWAYS AS (qty * price) STORED);",
     "ALTER TABLE orders ALTER COLUMN total SET EXPRESSION AS (orders.qty * price * 2);", 17),
    ('CREATE TABLE "Orders" (qty int, price numeric, '
     '"Total" numeric NOT NULL GENERATED ALWAYS AS (qty * price) VIRTUAL);',
     'ALTER TABLE "Orders" ALTER COLUMN "Total" SET EXPRESSION AS (qty * price * 2);', 18),
])
def test_set_expression_alternative_fills_the_new_column_without_a_rewrite(
        pg_db: str, setup: str, sql: str, pg_version: int) -> None:
    import psycopg

    text = alternative(sql, "set-expression-rewrites", setup=setup, pg_version=pg_version)
    table = '"Orders"' if '"Orders"' in sql else "orders"
    column = '"Total_new"' if '"Total"' in sql else "total_new"
    *expand, batch = [s.sql for s in split_sql(text).statements]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, setup)
        conn.execute(f"INSERT INTO {table} (qty, price) SELECT g, g FROM generate_series(1, 300) g")
        before = conn.execute(f"SELECT pg_relation_filenode('{table}')").fetchone()
        for stmt in expand:
            conn.execute(stmt)
        while conn.execute(batch).rowcount:
            pass
        conn.execute(f"INSERT INTO {table} (qty, price) VALUES (7, 3)")
        conn.execute(f"UPDATE {table} SET qty = 0 WHERE qty = 1")
        after = conn.execute(f"SELECT pg_relation_filenode('{table}')").fetchone()
        wrong = conn.execute(f"SELECT count(*) FROM {table} "
                             f"WHERE {column} IS DISTINCT FROM qty * price * 2").fetchone()
    assert before == after and wrong == (0,), text


@pytest.mark.postgres
def test_delete_using_batch_runs_on_the_server(pg_db: str) -> None:
    import psycopg

    text = alternative("DELETE FROM users USING accounts;", "unbatched-backfill")
    batch = text.splitlines()[-1].removeprefix("-- ")  # (other runners', after the marked one)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, SETUP + ROWS)
        while conn.execute(batch).rowcount:
            pass
        left = conn.execute("SELECT count(*) FROM users").fetchone()
    assert left == (0,), text


def _rewritten_statements() -> list:
    """Every statement of the bad examples of the rules whose alternative is a rewrite, with
    those rules, plus statements the in-place routes step aside for."""
    from lockwise.fix.alternative import REWRITTEN
    from lockwise.rules.loader import load_rules

    texts = [e.sql for r in load_rules() if r.id in REWRITTEN for e in r.examples if e.bad]
    texts += ["ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES p, ADD UNIQUE (b);",
              "DROP INDEX a, b CASCADE;", "REINDEX (CONCURRENTLY false) TABLE t;",
              "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0), ALTER COLUMN a SET NOT NULL;",
              # written as no printer writes it: only the in-place route keeps it so
              "alter table orders\n  add constraint o_fk foreign key (account_id)\n"
              "    references accounts (id) on delete cascade;",
              "create unique index  orders_ref\n  on orders (ref) where ref is not null;"]
    return [pytest.param(stmt.sql, stmt.tree, id=f"{i}-{stmt.index}")
            for i, text in enumerate(texts) for stmt in split_sql(text).statements]


@pytest.mark.parametrize(("sql", "tree"), _rewritten_statements())
def test_a_rewrite_from_lints_tree_is_the_rewrite_from_the_text(sql: str, tree: dict) -> None:
    # lint hands its parse tree (node locations left out) to the rewrite, which then does not
    # parse the statement again: same result, and the tree, which the replay reads after,
    # is left as it was.
    import copy

    from lockwise.fix.alternative import REWRITTEN
    from lockwise.fix.patterns import Unprintable, rewrite

    before = copy.deepcopy(tree)
    facts = {"constraint_names": ("c1", "c2", "c3"), "pg_version": 16}
    for rule in sorted(REWRITTEN):
        try:
            expected = rewrite(sql, {rule}, facts)
        except Unprintable:
            expected = Unprintable
        try:
            got = rewrite(sql, {rule}, facts, tree)
        except Unprintable:
            got = Unprintable
        assert got == expected, rule
    assert tree == before


def _all_but_the_last_run(uri: str, setup: str, text: str) -> str:
    """Run `setup` and every statement of the alternative `text` but its last, which is
    returned, to be run on a fresh backend: one keeps unflushed scan counts (VALIDATE's) across
    transactions, so the last step's own scans are counted only there."""
    import psycopg

    *prepare, last = [stmt.sql for stmt in split_sql(text).statements]
    with psycopg.connect(uri, autocommit=True) as conn:
        _run(conn, setup)
        for stmt in prepare:
            conn.execute(stmt)
    return last


@pytest.mark.postgres
@pytest.mark.parametrize(("setup", "sql", "default"), [
    ("CREATE TABLE events (id bigint, day date) PARTITION BY RANGE (day);"
     "CREATE TABLE events_other PARTITION OF events DEFAULT;"
     "INSERT INTO events VALUES (1, '2030-01-01');",
     "CREATE TABLE events_2026 PARTITION OF events "
     "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');", "events_other"),
    ("CREATE SCHEMA app; CREATE TABLE app.accounts (id bigint, region text) "
     "PARTITION BY LIST (region); CREATE TABLE app.rest PARTITION OF app.accounts DEFAULT;"
     "CREATE TABLE app.us (id bigint, region text NOT NULL CHECK (region IN ('us', 'ca')));"
     "INSERT INTO app.accounts VALUES (1, 'fr');",
     "ALTER TABLE app.accounts ATTACH PARTITION app.us FOR VALUES IN ('us', 'ca');", "app.rest"),
])
def test_new_partition_alternative_adds_it_without_reading_the_default(
        pg_db: str, setup: str, sql: str, default: str) -> None:
    import psycopg

    text = alternative(sql, "new-partition-reads-default", setup=setup)
    add = _all_but_the_last_run(pg_db, setup, text)
    with psycopg.connect(pg_db, autocommit=True) as conn, conn.transaction():
        conn.execute(add)
        (scans,) = conn.execute("SELECT pg_stat_get_xact_numscans(%s::regclass)",
                                (default,)).fetchone()
    assert scans == 0, text
    # ... and the alternative, linted, is not judged the same way again.
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(text, "0002_change.sql")],
                              LintOptions(pg_version=18), Catalog())
    assert "new-partition-reads-default" not in {f.rule for f in reports[-1].all_findings}


@pytest.mark.postgres
@pytest.mark.parametrize(("setup", "table", "constraint"), [
    ("CREATE TABLE accounts (id bigint PRIMARY KEY); INSERT INTO accounts VALUES (1);"
     "CREATE TABLE orders (id bigint, account_id bigint); INSERT INTO orders VALUES (1, 1);"
     "ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account_id) "
     "REFERENCES accounts (id) ON DELETE CASCADE DEFERRABLE NOT ENFORCED;",
     "orders", "orders_account_fk"),
    ("CREATE SCHEMA app; CREATE TABLE app.parent (id int PRIMARY KEY) PARTITION BY RANGE (id);"
     "CREATE TABLE app.parent1 PARTITION OF app.parent FOR VALUES FROM (0) TO (10);"
     "CREATE TABLE app.child (pid int, CONSTRAINT fk FOREIGN KEY (pid) REFERENCES app.parent "
     "ON UPDATE SET NULL NOT ENFORCED) PARTITION BY RANGE (pid);"
     "CREATE TABLE app.child1 PARTITION OF app.child FOR VALUES FROM (0) TO (10);"
     "INSERT INTO app.parent VALUES (1); INSERT INTO app.child VALUES (1);",
     "app.child", "fk"),
])
def test_enforce_alternative_gives_the_same_key_validated(
        pg_db: str, setup: str, table: str, constraint: str) -> None:
    import psycopg

    sql = f"ALTER TABLE {table} ALTER CONSTRAINT {constraint} ENFORCED;"
    text = alternative(sql, "alter-constraint-enforced", setup=setup, pg_version=18)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, setup)
        conn.execute("BEGIN")
        conn.execute(sql)
        expected = conn.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE "
                                "conrelid = %s::regclass AND conname = %s",
                                (table, constraint)).fetchone()
        conn.execute("ROLLBACK")
        _run(conn, text)
        found = conn.execute("SELECT pg_get_constraintdef(oid), convalidated, conenforced "
                             "FROM pg_constraint WHERE conrelid = %s::regclass AND "
                             "conname = %s", (table, constraint)).fetchone()
    assert found == (expected[0], True, True), text


@pytest.mark.postgres
@pytest.mark.parametrize("own_key", ["", "ALTER TABLE app.orders_2026 ADD CONSTRAINT mine "
                                         "FOREIGN KEY (account_id) REFERENCES app.accounts "
                                         "ON DELETE CASCADE NOT VALID;"])
def test_attach_alternative_validates_the_keys_before_attaching(pg_db: str,
                                                                 own_key: str) -> None:
    import psycopg

    setup = ("CREATE SCHEMA app; CREATE TABLE app.accounts (id bigint PRIMARY KEY);"
             "CREATE TABLE app.orders (id bigint, account_id bigint REFERENCES app.accounts "
             "ON DELETE CASCADE, day date) PARTITION BY RANGE (day);"
             "CREATE TABLE app.orders_2026 (id bigint, account_id bigint, day date);"
             "INSERT INTO app.accounts VALUES (1); INSERT INTO app.orders_2026 VALUES "
             f"(1, 1, '2026-02-01');{own_key}")
    sql = ("ALTER TABLE app.orders ATTACH PARTITION app.orders_2026 "
           "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');")
    text = alternative(sql, "attach-partition-validates-foreign-key", setup=setup)
    attach = _all_but_the_last_run(pg_db, setup, text)
    with psycopg.connect(pg_db, autocommit=True) as conn, conn.transaction():
        conn.execute(attach)
        (scans,) = conn.execute("SELECT pg_stat_get_xact_numscans('app.accounts'::regclass) "
                                "+ pg_stat_get_xact_numscans('app.accounts_pkey'::regclass)"
                                ).fetchone()
        keys = conn.execute("SELECT convalidated FROM pg_constraint WHERE contype = 'f' AND "
                            "conrelid = 'app.orders_2026'::regclass").fetchall()
    assert (scans, keys) == (0, [(True,)]), text


def _attached_by_the_alternative(uri: str, setup: str, sql: str, part: str,
                                 check: str) -> tuple[int, list, str]:
    """Run the alternative attach-partition-builds-index writes for ATTACH `sql`: the scans
    of `part` its ATTACH makes, the rows of query `check` after it, and the alternative, once
    checked not to be judged so again."""
    import psycopg

    text = alternative(sql, "attach-partition-builds-index", setup=setup)
    attach = _all_but_the_last_run(uri, setup, text)
    with psycopg.connect(uri, autocommit=True) as conn, conn.transaction():
        conn.execute(attach)
        (scans,) = conn.execute(f"SELECT pg_stat_get_xact_numscans('{part}'::regclass)"
                                ).fetchone()
        rows = conn.execute(check).fetchall()
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(text, "0002_change.sql")],
                              LintOptions(pg_version=18), Catalog())
    assert "attach-partition-builds-index" not in {f.rule for f in reports[-1].all_findings}
    return scans, rows, text


@pytest.mark.postgres
@pytest.mark.parametrize("own", ["", "ALTER TABLE app.events_2026 ADD UNIQUE (id, day);"])
def test_attach_alternative_builds_the_indexes_before_attaching(pg_db: str, own: str) -> None:
    """The indexes the table lacks (a UNIQUE of its own does not stand for the PRIMARY KEY),
    built beforehand, are taken over by ATTACH, which then reads nothing, and the alternative
    is not judged so again."""
    setup = ("CREATE SCHEMA app; CREATE TABLE app.events (id bigint, day date, kind text,"
             " PRIMARY KEY (id, day)) PARTITION BY RANGE (day);"
             "CREATE INDEX ON app.events USING hash (kind);"
             "CREATE TABLE app.events_2026 (id bigint NOT NULL, day date NOT NULL, kind text,"
             " CHECK (day >= '2026-01-01' AND day < '2027-01-01'));"
             f"INSERT INTO app.events_2026 VALUES (1, '2026-02-01', 'a');{own}")
    sql = ("ALTER TABLE app.events ATTACH PARTITION app.events_2026 "
           "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');")
    scans, parts, text = _attached_by_the_alternative(
        pg_db, setup, sql, "app.events_2026",
        "SELECT count(*) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE c.relkind = 'i' AND c.relnamespace = 'app'::regnamespace")
    assert (scans, parts) == (0, [(2,)]), text


BOOKINGS = ("CREATE TABLE bookings (room int4range, during tstzrange, kind text,"
            " EXCLUDE USING gist (room WITH =, during WITH &&)) PARTITION BY LIST (room);"
            "CREATE TABLE bookings_1 (room int4range NOT NULL CHECK (room = '[1,2)'),"
            " during tstzrange, kind text);")
ATTACH_BOOKINGS = "ALTER TABLE bookings ATTACH PARTITION bookings_1 FOR VALUES IN ('[1,2)');"


@pytest.mark.postgres
@pytest.mark.parametrize(("sql", "error"), [
    ("ALTER TABLE bookings_1 ADD CONSTRAINT b_excl EXCLUDE USING gist (room WITH =, "
     "during WITH &&) NOT VALID", "FeatureNotSupported"),
    ("ALTER TABLE bookings_1 ADD CONSTRAINT b_excl EXCLUDE USING INDEX bookings_1_gist",
     "SyntaxError")])
def test_an_exclusion_constraint_has_no_online_form(pg_db: str, sql: str, error: str) -> None:
    """Checked on 18.6: an EXCLUDE constraint can be neither added NOT VALID nor made over an
    index built CONCURRENTLY: added before the ATTACH or by it, it is built reading the table
    under ACCESS EXCLUSIVE."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(BOOKINGS)
        conn.execute("CREATE INDEX CONCURRENTLY bookings_1_gist ON bookings_1 "
                     "USING gist (room, during)")
        with pytest.raises(getattr(psycopg.errors, error)):
            conn.execute(sql)


def test_attach_alternative_for_a_missing_exclusion_constraint_is_a_comment() -> None:
    """With no online form, the EXCLUDE the table lacks is said in comments (no SQL that would
    pass for safe): ATTACH builds it under ACCESS EXCLUSIVE on the table, as adding it first
    would."""
    text = alternative(ATTACH_BOOKINGS, "attach-partition-builds-index", setup=BOOKINGS,
                       pg_version=18)
    assert all(line.lstrip().startswith("--") for line in text.splitlines() if line.strip()), \
        text
    assert "bookings_1_room_during_excl" in text and "no online form" in text, text


def test_attach_alternative_builds_the_other_indexes_and_says_the_exclusion_is_built() -> None:
    """An index the table lacks beside the EXCLUDE is built CONCURRENTLY first; the ATTACH
    then says it builds the EXCLUDE, not that it builds nothing."""
    setup = BOOKINGS + "CREATE INDEX ON bookings (kind);"
    text = alternative(ATTACH_BOOKINGS, "attach-partition-builds-index", setup=setup,
                       pg_version=18)
    code = [line for line in text.splitlines() if line.strip() and not line.startswith("--")]
    assert [line.split()[:2] for line in code] == [["CREATE", "INDEX"], ["ALTER", "TABLE"]], text
    assert "builds nothing" not in text and "EXCLUDE" in code[-1], text


@pytest.mark.postgres
def test_on_conflict_alternative_makes_the_partitioned_index_valid(pg_db: str) -> None:
    """The parts the index made ON ONLY lacks (a sub-partitioned partition's made ON ONLY in
    turn), built and attached, make it valid: the INSERT ... ON CONFLICT then runs, and is not
    judged so again."""
    import psycopg

    setup = ("CREATE SCHEMA app; CREATE TABLE app.events (id bigint, day date)"
             " PARTITION BY RANGE (day);"
             "CREATE TABLE app.events_2024 PARTITION OF app.events"
             " FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');"
             "CREATE TABLE app.events_2025 PARTITION OF app.events"
             " FOR VALUES FROM ('2025-01-01') TO ('2026-01-01') PARTITION BY LIST (id);"
             "CREATE TABLE app.events_2025_1 PARTITION OF app.events_2025 FOR VALUES IN (1);"
             "CREATE UNIQUE INDEX events_id_day_idx ON ONLY app.events (id, day);")
    sql = ("INSERT INTO app.events (id, day) VALUES (1, '2025-05-01')"
           " ON CONFLICT (id, day) DO NOTHING;")
    text = alternative(sql, "on-conflict-invalid-index", setup=setup)
    steps = "\n".join(line for line in text.splitlines() if not line.startswith("--"))
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for stmt in split_sql(setup + steps).statements:
            conn.execute(stmt.sql)
        conn.execute(sql)
        conn.execute(sql)
        (valid,) = conn.execute("SELECT indisvalid FROM pg_index WHERE indexrelid ="
                                " 'app.events_id_day_idx'::regclass").fetchone()
    assert valid, text
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(steps, "0002_parts.sql"),
                               migration_from_text(sql, "0003_insert.sql")],
                              LintOptions(pg_version=18), Catalog())
    assert "on-conflict-invalid-index" not in {f.rule for f in reports[-1].all_findings}


@pytest.mark.postgres
def test_domain_alternative_proves_old_values_per_table(pg_db: str) -> None:
    import psycopg

    setup = ('CREATE DOMAIN amount AS numeric; CREATE TABLE payments (id bigint, "Value" amount);'
             "INSERT INTO payments VALUES (1, 5);")
    text = alternative("ALTER DOMAIN amount ADD CONSTRAINT amount_positive CHECK (VALUE > 0);",
                       "alter-domain-add-constraint", setup=setup, pg_version=18)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, setup)
        _run(conn, text)
        found = conn.execute("SELECT conname, convalidated, pg_get_constraintdef(oid) "
                             "FROM pg_constraint WHERE conrelid = 'payments'::regclass "
                             "OR contypid = 'amount'::regtype ORDER BY conname").fetchall()
    assert found == [("amount_positive", False, "CHECK ((VALUE > (0)::numeric)) NOT VALID"),
                     ("payments_Value_amount_positive", True,
                      'CHECK ((("Value")::numeric > (0)::numeric))')], text


@pytest.mark.postgres
@pytest.mark.parametrize("schema", ["public", "App"])
def test_not_null_inherit_alternative_reads_nothing_at_the_last_step(pg_db: str,
                                                                     schema: str) -> None:
    """Each child made NOT NULL beforehand (NOT VALID, then validated), ALTER CONSTRAINT ...
    INHERIT reads none of them, and every descendant ends up NOT NULL, as the statement alone
    would leave it."""
    import psycopg

    s = f'"{schema}"'
    setup = (f"CREATE SCHEMA IF NOT EXISTS {s}; CREATE TABLE {s}.events (id bigint, day date);"
             f"CREATE TABLE {s}.e1 () INHERITS ({s}.events);"
             f'CREATE TABLE {s}."E2" () INHERITS ({s}.events);'
             f'CREATE TABLE {s}.e21 () INHERITS ({s}."E2");'
             f"INSERT INTO {s}.e1 VALUES (1, now()); INSERT INTO {s}.e21 VALUES (2, now());"
             f"ALTER TABLE {s}.events ADD CONSTRAINT nn NOT NULL day NO INHERIT;")
    sql = f"ALTER TABLE {s}.events ALTER CONSTRAINT nn INHERIT;"
    text = alternative(sql, "alter-constraint-inherit", setup=setup, pg_version=18)
    inherit = _all_but_the_last_run(pg_db, setup, text)
    with psycopg.connect(pg_db, autocommit=True) as conn, conn.transaction():
        conn.execute(inherit)
        scans = conn.execute(
            "SELECT c.relname, pg_stat_get_xact_numscans(c.oid), a.attnotnull FROM pg_class c "
            "JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'day' "
            "WHERE c.relnamespace = %s::regnamespace ORDER BY 1", (s,)).fetchall()
        unchecked = conn.execute(
            "SELECT conrelid::regclass::text FROM pg_constraint WHERE contype = 'n' AND NOT "
            "convalidated AND connamespace = %s::regnamespace", (s,)).fetchall()
    assert scans == [("E2", 0, True), ("e1", 0, True), ("e21", 0, True),
                     ("events", 0, True)], text
    assert unchecked == [], text


@pytest.mark.parametrize("sql", [
    "CREATE INDEX users_email ON users (email);",
    "CREATE UNIQUE INDEX users_email_key ON users (email) WHERE deleted_at IS NULL;",
    "create index if not exists users_c on users (created_at desc nulls last) include (email);",
    "CREATE INDEX ON users (deleted_at);",
    "CREATE INDEX users_data ON ONLY users USING gin (data jsonb_path_ops) "
    "WITH (fastupdate = off);",
    'CREATE INDEX "Users Lower" ON app.users (lower(email)) TABLESPACE pg_default;',
    "CREATE INDEX users_e ON users (email) -- trailing comment",
    "CREATE /* a */ INDEX /* b */ users_e ON users (email);",
    "CREATE INDEX users_n ON users (email) NULLS NOT DISTINCT;",
    "DROP INDEX users_email;",
    "DROP INDEX IF EXISTS app.users_email RESTRICT;",
    'drop index "Users Lower"',
    "DROP INDEX users_a, users_b;",
])
def test_the_trees_of_a_rewrite_are_its_texts_parse(sql: str) -> None:
    # lint asks whether another finding's alternative clears missing-lock-timeout from the
    # statements the rewrite made instead of parsing the alternative: they must be that parse
    # (the trees, and the texts the effect model searches instead of walking the trees).
    from lockwise.fix.alternative import statement_alternative
    from lockwise.parse.templates import linted_text

    rule = "drop-index-without-concurrently" if sql.lower().startswith("drop") else \
        "index-without-concurrently"
    (stmt,) = split_sql(sql).statements
    got = statement_alternative(rule, linted_text(stmt.sql), {"pg_version": 16}, stmt.tree)
    assert got is not None
    parsed = split_sql(got.text, comments=False)
    assert not parsed.problems
    assert got.statements is None or \
        got.statements == [(s.sql, s.tree) for s in parsed.statements]
    if "," not in sql:  # one index: written into the user's text, from their tree
        assert got.statements is not None


@pytest.mark.postgres
@pytest.mark.parametrize("setup", [
    "CREATE TABLE orders (id bigint, amount int);",
    # the CHECK's first name is taken: numbered, as PostgreSQL numbers its own names
    "CREATE TABLE orders (id bigint, amount int);\nALTER TABLE orders ADD CONSTRAINT "
    "orders_amount_not_null_check CHECK (amount > 0);",
])
@pytest.mark.parametrize(("pg_version", "verbs"), [
    (17, ["ADD", "VALIDATE", "ALTER", "DROP"]),  # CHECK NOT VALID, VALIDATE, SET NOT NULL
    (18, ["ADD", "VALIDATE"]),  # the NOT NULL constraint itself added NOT VALID
])
def test_set_not_null_alternative_runs_and_leaves_postgres_own_names(
        pg_db: str, setup: str, pg_version: int, verbs: list[str]) -> None:
    # Each step runs on PostgreSQL 18; SET NOT NULL reads nothing (the CHECK proves it), and
    # what is left is the NOT NULL constraint under the name PostgreSQL gives it, not `...1`.
    import psycopg

    text = alternative("ALTER TABLE orders ALTER COLUMN amount SET NOT NULL;", "set-not-null",
                       setup=setup, pg_version=pg_version)
    steps = [s.sql for s in split_sql(text).statements]
    assert [s.split()[3] for s in steps] == verbs
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, setup + "INSERT INTO orders VALUES (1, 5), (2, 6);")
        before = _constraint_names(conn)
        for step in steps:
            if " SET NOT NULL" in step:
                # (a backend's counts outlive its transactions until they are flushed: the
                # difference is this statement's)
                conn.execute("BEGIN")
                before_scans = _scans(conn)
                conn.execute(step)
                assert _scans(conn) == before_scans, step
                conn.execute("COMMIT")
            else:
                conn.execute(step)
        after = _constraint_names(conn)
    assert after == before | {("orders_amount_not_null", "n")}


def _scans(conn) -> int:
    return conn.execute("SELECT pg_stat_get_xact_numscans('orders'::regclass)").fetchone()[0]


def _constraint_names(conn) -> set[tuple[str, str]]:
    return set(conn.execute("SELECT conname, contype::text FROM pg_constraint "
                            "WHERE conrelid = 'orders'::regclass").fetchall())


@pytest.mark.parametrize("sql", [
    'ALTER TABLE orders ADD COLUMN "Score" int DEFAULT 0 NOT NULL CHECK ("Score" >= 0);',
    "ALTER TABLE orders ADD COLUMN region_id bigint NOT NULL DEFAULT 1 "
    "REFERENCES accounts (id);",
    "ALTER TABLE orders ADD COLUMN code text COLLATE \"C\" DEFAULT 'x' NOT NULL "
    "CHECK (code <> '');",
])
def test_inline_constraint_alternative_adds_the_column_with_its_default_and_not_null(
        pg_db: str, sql: str) -> None:
    """The instant ADD COLUMN of add-column-with-constraint's alternative leaves out only the
    constraints that read the table: the column keeps its DEFAULT, NOT NULL and collation,
    which cost nothing, so the migration that follows it ends with the column asked for."""
    import psycopg

    text = alternative(sql, "add-column-with-constraint")
    column = parse_sql(sql)[0].stmt.cmds[0].def_.colname
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, SETUP + "\n" + ROWS)
        _run(conn, text)
        row = conn.execute(
            "SELECT a.attnotnull, pg_get_expr(d.adbin, d.adrelid), c.collname "
            "FROM pg_attribute a LEFT JOIN pg_collation c ON c.oid = a.attcollation "
            "LEFT JOIN pg_attrdef d "
            "ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
            "WHERE a.attrelid = 'orders'::regclass AND a.attname = %s", (column,)).fetchone()
    assert row is not None and row[0] and row[1] is not None, (text, row)
    assert (row[2] == "C") == ("COLLATE" in sql), (text, row)


@pytest.mark.postgres
@pytest.mark.parametrize(("setup", "not_nulls"), [
    ("CREATE TABLE orders (id bigint, account_id bigint, amount int);\n"
     "CREATE UNIQUE INDEX orders_key ON orders (account_id, id);",
     {"orders_account_id_not_null", "orders_id_not_null"}),
    # a column called pk: PostgreSQL 18 names its NOT NULL constraint orders_pk_not_null
    ("CREATE TABLE orders (pk bigint, amount int, fee int);\n"
     "CREATE UNIQUE INDEX orders_key ON orders (pk);", {"orders_pk_not_null"}),
    ('CREATE TABLE orders ("Id" bigint NOT NULL, "Account" bigint, amount int);\n'
     'CREATE UNIQUE INDEX orders_key ON orders ("Account", "Id");',
     {"orders_Id_not_null", "orders_Account_not_null"}),
])
@pytest.mark.parametrize("pg_version", [16, 18])
def test_primary_key_nullable_alternative_runs_without_a_scan_and_leaves_postgres_names(
        pg_db: str, setup: str, not_nulls: set[str], pg_version: int) -> None:
    # Every step runs on PostgreSQL 18; neither SET NOT NULL nor the key reads the table (the
    # CHECK proves the columns), and what is left is the key and the NOT NULL constraints
    # under the names PostgreSQL gives them (not `..._not_null1`).
    import psycopg

    text = alternative("ALTER TABLE orders ADD CONSTRAINT orders_pkey "
                       "PRIMARY KEY USING INDEX orders_key;", "primary-key-nullable-columns",
                       setup=setup, pg_version=pg_version)
    steps = [s.sql for s in split_sql(text).statements]
    assert [s.split()[3] for s in steps] == ["ADD", "VALIDATE", "ALTER", "DROP", "ADD"]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, setup + "INSERT INTO orders VALUES (1, 5, 7), (2, 6, 8);")
        for step in steps:
            conn.execute("BEGIN")
            before_scans = _scans(conn)
            conn.execute(step)
            if "VALIDATE" not in step:  # (the one step that reads, under a weak lock)
                assert _scans(conn) == before_scans, step
            conn.execute("COMMIT")
        after = _constraint_names(conn)
    assert after == {("orders_pkey", "p")} | {(name, "n") for name in not_nulls}


@pytest.mark.postgres
def test_set_not_null_over_a_not_valid_not_null_validates_that_constraint(pg_db: str) -> None:
    """PostgreSQL 18: a column whose NOT NULL constraint was added NOT VALID takes no second
    one (refused); validating the one it has reads the rows under SHARE UPDATE EXCLUSIVE and
    ends as SET NOT NULL would."""
    import psycopg

    setup = ('CREATE SCHEMA "My Schema"; CREATE TABLE "My Schema"."User" (id bigint, '
             '"E mail" text); INSERT INTO "My Schema"."User" VALUES (1, \'a\');'
             'ALTER TABLE "My Schema"."User" ADD CONSTRAINT "User nn" NOT NULL "E mail" '
             "NOT VALID;")
    text = alternative('ALTER TABLE "My Schema"."User" ALTER COLUMN "E mail" SET NOT NULL;',
                       "set-not-null", setup=setup, pg_version=18)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, setup)
        _run(conn, text)
        found = conn.execute("SELECT conname, convalidated FROM pg_constraint WHERE conrelid ="
                             " '\"My Schema\".\"User\"'::regclass").fetchall()
    assert found == [("User nn", True)], text


@pytest.mark.parametrize("other", [
    'ADD CONSTRAINT "Orders FK" FOREIGN KEY (account_id) REFERENCES accounts (id) NOT VALID',
    "ADD COLUMN note text",
])
def test_validate_beside_a_stronger_subcommand_runs_both_apart(other: str) -> None:
    """The other subcommands are written out as an ALTER TABLE of their own, the validation
    after it in the next migration: nothing the statement asked for is left to the reader."""
    setup = SETUP + ('\nCREATE TABLE app."Order" (id bigint, account_id bigint, total int);'
                     '\nALTER TABLE app."Order" ADD CONSTRAINT "Total ok" CHECK (total > 0) '
                     "NOT VALID;")
    text = alternative(f'ALTER TABLE app."Order" VALIDATE CONSTRAINT "Total ok", {other};',
                       "validate-in-combined-alter", setup=setup)
    first, validate = [s.sql for s in split_sql(text).statements]
    assert parse_sql(first) and parse_sql(other.join(("ALTER TABLE x ", "")))
    assert first.startswith('ALTER TABLE app."Order" ') and "VALIDATE" not in first, text
    assert validate == 'ALTER TABLE app."Order" VALIDATE CONSTRAINT "Total ok"', text
    assert text.index("next migration") > text.index(first), text


@pytest.mark.postgres
def test_views_in_the_way_of_a_type_change_are_dropped_each_as_what_it_is(pg_db: str) -> None:
    """A materialized view takes DROP MATERIALIZED VIEW (DROP VIEW refuses it), and a view
    over it goes first: with the drops the alternative writes, the type change runs."""
    import psycopg

    setup = ('CREATE SCHEMA app; CREATE TABLE app."User" (id bigint, name varchar(50));'
             'CREATE MATERIALIZED VIEW app."User Names" AS SELECT u.name FROM app."User" u;'
             'CREATE VIEW app.short_names AS SELECT name FROM app."User Names";')
    sql = 'ALTER TABLE app."User" ALTER COLUMN name TYPE text;'
    text = alternative(sql, "column-used-by-view", setup=setup)
    drops = [s.sql for s in split_sql(text).statements if s.sql.startswith("DROP")]
    assert drops == ["DROP VIEW app.short_names",
                     'DROP MATERIALIZED VIEW app."User Names"'], text
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, setup)
        with conn.transaction():
            for drop in drops:
                conn.execute(drop)
            conn.execute(sql)


@pytest.mark.postgres
def test_truncate_cascade_alternative_names_every_table_cascade_empties(pg_db: str) -> None:
    """Without CASCADE, TRUNCATE refuses a table others reference unless they are in it too:
    the alternative names each one CASCADE would reach (through references of references),
    so it runs, and the user sees what is emptied."""
    import psycopg

    setup = ('CREATE SCHEMA app; CREATE TABLE app."Order" (id bigint PRIMARY KEY);'
             'CREATE TABLE app."Order Line" (id bigint PRIMARY KEY, '
             'order_id bigint REFERENCES app."Order");'
             'CREATE TABLE app.line_notes (line_id bigint REFERENCES app."Order Line");'
             "CREATE TABLE app.other (id bigint);"
             "INSERT INTO app.\"Order\" VALUES (1); INSERT INTO app.\"Order Line\" VALUES (1, 1);"
             "INSERT INTO app.line_notes VALUES (1); INSERT INTO app.other VALUES (1);")
    text = alternative('TRUNCATE app."Order" CASCADE;', "truncate-cascade", setup=setup)
    (stmt,) = split_sql(text).statements
    assert "CASCADE" not in stmt.sql, text
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, setup)
        conn.execute(stmt.sql)
        left = conn.execute("SELECT (SELECT count(*) FROM app.\"Order\"), "
                            "(SELECT count(*) FROM app.\"Order Line\"), "
                            "(SELECT count(*) FROM app.line_notes), "
                            "(SELECT count(*) FROM app.other)").fetchone()
    assert left == (0, 0, 0, 1), text


def test_only_the_columns_that_rewrite_are_backfilled() -> None:
    """Beside a volatile default, a column whose default PostgreSQL stores once (a constant,
    now()) is added as written, instantly: backfilled in batches, each row would get another
    now() than the statement gives them all (lemmy's instance-actor)."""
    text = alternative("ALTER TABLE log ADD COLUMN token uuid DEFAULT gen_random_uuid(), "
                       "ADD COLUMN at timestamptz NOT NULL DEFAULT now(), "
                       "ADD COLUMN n int NOT NULL DEFAULT 0;", "add-column-volatile-default")
    assert text.splitlines()[0] == ("ALTER TABLE log ADD COLUMN at timestamptz NOT NULL "
                                    "DEFAULT now(), ADD COLUMN n integer NOT NULL DEFAULT 0;"), text
    assert "SET at =" not in text and "SET n =" not in text and "SET token =" in text, text


def test_a_statement_is_rewritten_once_for_the_findings_of_its_columns(monkeypatch) -> None:
    """Each column of an ALTER TABLE adding many gets a finding of the same rule, whose
    alternative is the rewrite of the whole statement: written once for the statement (it was
    once per finding, each parsing and printing every subcommand: quadratic on a wide table),
    and again for another statement of the same text."""
    from lockwise.fix import alternative as alternative_module

    calls = []
    real = alternative_module.rewrite

    def counted(sql, *args):
        calls.append(sql)
        return real(sql, *args)

    monkeypatch.setattr(alternative_module, "rewrite", counted)
    columns = ", ".join(f"ADD COLUMN t{i} uuid DEFAULT gen_random_uuid()" for i in range(6))
    drops = ", ".join(f"DROP COLUMN t{i}" for i in range(6))
    sql = f"ALTER TABLE log {columns};\nALTER TABLE log {drops};\nALTER TABLE log {columns};"
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(sql, "0002_change.sql")],
                              LintOptions(pg_version=16), Catalog())
    found = [f for f in reports[-1].all_findings if f.rule == "add-column-volatile-default"]
    assert [f.statement_index for f in found] == [0, 2], found
    assert found[0].instead == found[1].instead
    assert all(f"SET t{i} =" in found[0].instead for i in range(6)), found[0].instead
    assert "t5 likewise" in found[0].message, found[0].message
    assert len(calls) == 2, len(calls)


FK_SETUP = "CREATE TABLE orders (id bigint PRIMARY KEY);"


def test_fk_index_on_a_table_of_the_same_migration_is_built_there_plainly() -> None:
    """The table is new: no one waits on its lock, so no CONCURRENTLY and no migration of its
    own (a CONCURRENTLY build would not run where the table is made, in its transaction)."""
    sql = ("CREATE TABLE order_lines (id bigint PRIMARY KEY, "
           "order_id bigint REFERENCES orders);")
    text = alternative(sql, "fk-without-index", setup=FK_SETUP)
    (stmt,) = statements(sql, "fk-without-index", setup=FK_SETUP)
    assert isinstance(stmt, ast.IndexStmt) and not stmt.concurrent
    assert stmt.relation.schemaname is None and stmt.relation.relname == "order_lines"
    assert "own migration" not in text and "outside a transaction" not in text


def test_fk_index_on_a_table_of_an_earlier_migration_is_built_concurrently_apart() -> None:
    setup = FK_SETUP + "\nCREATE TABLE order_lines (id bigint PRIMARY KEY, order_id bigint);"
    sql = "ALTER TABLE order_lines ADD FOREIGN KEY (order_id) REFERENCES orders NOT VALID;"
    text = alternative(sql, "fk-without-index", setup=setup)
    (stmt,) = statements(sql, "fk-without-index", setup=setup)
    assert isinstance(stmt, ast.IndexStmt) and stmt.concurrent
    assert "own migration, outside a transaction" in text


def test_fk_index_takes_a_name_no_relation_has() -> None:
    """A partial index that cannot serve the key holds the first name PostgreSQL would give:
    IF NOT EXISTS would then skip the build, so the next free name is taken, as PostgreSQL
    numbers it."""
    sql = ("CREATE TABLE order_lines (id bigint PRIMARY KEY, order_id bigint REFERENCES orders,"
           " amount int);\nCREATE INDEX order_lines_order_id_idx ON order_lines (order_id) "
           "WHERE amount > 0;")
    (stmt,) = statements(sql, "fk-without-index", setup=FK_SETUP)
    assert stmt.idxname == "order_lines_order_id_idx1"


@pytest.mark.parametrize(("setup", "sql", "drop", "build"), [
    ("CREATE TABLE events (id bigint, happened_at timestamp);\n"
     "CREATE INDEX events_happened_at_idx ON events (happened_at);",
     "SET TimeZone = 'UTC';\nALTER TABLE events ALTER COLUMN happened_at TYPE timestamptz;",
     "DROP INDEX CONCURRENTLY IF EXISTS events_happened_at_idx;",
     "CREATE INDEX CONCURRENTLY IF NOT EXISTS events_happened_at_idx ON events (happened_at);"),
    ('CREATE SCHEMA "App";\nCREATE TABLE "App"."Users" (id bigint, "Email" text);\n'
     'CREATE INDEX "Users_Email" ON "App"."Users" USING btree ("Email", id);',
     'ALTER TABLE "App"."Users" ALTER COLUMN "Email" TYPE text COLLATE "C";',
     'DROP INDEX CONCURRENTLY IF EXISTS "App"."Users_Email";',
     'CREATE INDEX CONCURRENTLY IF NOT EXISTS "Users_Email" ON "App"."Users" ("Email", id);'),
])
def test_type_change_alternative_writes_the_index_steps_with_real_names(
        setup: str, sql: str, drop: str, build: str) -> None:
    """An index the type change builds again under ACCESS EXCLUSIVE, whose definition the
    catalog knows whole (plain columns), is dropped and built again CONCURRENTLY by name."""
    text = alternative(sql, "column-type-change-reads-table", setup=setup)
    lines = [line.split("  --", 1)[0] for line in text.splitlines()]
    assert drop in lines and build in lines, text
    assert lines.index(drop) < next(i for i, line in enumerate(lines)
                                    if line.startswith("ALTER TABLE")) < lines.index(build)


def test_type_change_alternative_drops_a_unique_index_only_once_its_successor_is_built(
        ) -> None:
    """Dropped, a unique index enforces nothing until it is built again: duplicates written
    meanwhile would fail the build. Its successor is built first, CONCURRENTLY, in the new
    collation (which the type change keeps), and the old one dropped with the type change."""
    setup = ("CREATE TABLE accounts (id bigint, email text);\n"
             "CREATE UNIQUE INDEX accounts_email_key ON accounts (email);")
    text = alternative('ALTER TABLE accounts ALTER COLUMN email TYPE text COLLATE "C";',
                       "column-type-change-reads-table", setup=setup)
    lines = [line for line in statements_text(text).splitlines() if line.strip()]
    build = next(i for i, line in enumerate(lines)
                 if line.startswith("CREATE UNIQUE INDEX CONCURRENTLY"))
    drop = next(i for i, line in enumerate(lines) if line.startswith("DROP INDEX"))
    assert build < drop and 'COLLATE "C"' in lines[build] and \
        "CONCURRENTLY" not in lines[drop], text


def test_type_change_alternative_of_an_exclusion_constraint_is_prose_alone() -> None:
    """An EXCLUDE constraint's index has no online build (USING INDEX takes a unique index
    only): no SQL is written that would still build it under the type change's lock."""
    setup = ("CREATE EXTENSION IF NOT EXISTS btree_gist;\nCREATE TABLE b (room text, during "
             "tstzrange, EXCLUDE USING gist (room WITH =, during WITH &&));\n"
             "CREATE INDEX b_room_idx ON b (room);")
    text = alternative('ALTER TABLE b ALTER COLUMN room TYPE text COLLATE "C";',
                       "column-type-change-reads-table", setup=setup)
    assert not statements_text(text).strip() and "EXCLUDE" in text, text


@pytest.mark.postgres
def test_rename_table_view_keeps_the_old_names_grants(pg_db: str) -> None:
    """The view under the old name is the migration role's, with no grant: a role that read
    or wrote the table by that name would be refused, as by the rename itself. The table's
    grants (PUBLIC's, WITH GRANT OPTION) are given to the view too."""
    import psycopg

    setup = ("DO $$ BEGIN CREATE ROLE reporting; EXCEPTION WHEN duplicate_object THEN NULL; "
             "END $$;\nDO $$ BEGIN CREATE ROLE \"App Role\"; EXCEPTION WHEN duplicate_object "
             "THEN NULL; END $$;\nCREATE SCHEMA \"My S\";\n"
             "GRANT USAGE ON SCHEMA \"My S\" TO reporting, \"App Role\";\n"
             "CREATE TABLE \"My S\".\"Acc'ounts\" (id bigint);\n"
             "GRANT SELECT ON \"My S\".\"Acc'ounts\" TO reporting;\n"
             "GRANT SELECT, INSERT ON \"My S\".\"Acc'ounts\" TO \"App Role\" WITH GRANT OPTION;")
    text = alternative("ALTER TABLE \"My S\".\"Acc'ounts\" RENAME TO \"New\";", "rename-table",
                       setup=setup)
    with psycopg.connect(pg_db, autocommit=True) as conn:
        _run(conn, setup)
        _run(conn, statements_text(text))
        acl = conn.execute("SELECT relacl::text[] FROM pg_class WHERE oid = "
                           "'\"My S\".\"Acc''ounts\"'::regclass").fetchone()[0]
        conn.execute("SET ROLE \"App Role\"")
        conn.execute("INSERT INTO \"My S\".\"Acc'ounts\" VALUES (1)")
        conn.execute("SET ROLE reporting")
        assert conn.execute("SELECT id FROM \"My S\".\"Acc'ounts\"").fetchall() == [(1,)], text
    assert sorted(acl[1:]) == ['"App Role"=a*r*/postgres', "reporting=r/postgres"], acl


def test_type_change_alternative_builds_an_index_again_with_its_storage_parameters() -> None:
    """Its storage parameters (WITH (fillfactor = 70)) are kept in the catalog: the index
    built again has them."""
    setup = ("CREATE TABLE accounts (id bigint, email text);\n"
             "CREATE INDEX accounts_email_idx ON accounts (email) WITH (fillfactor = 70);")
    text = alternative('ALTER TABLE accounts ALTER COLUMN email TYPE text COLLATE "C";',
                       "column-type-change-reads-table", setup=setup)
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS accounts_email_idx ON accounts (email) " \
        "WITH (fillfactor = 70);" in text, text
