"""ADD UNIQUE / PRIMARY KEY (a unique index CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX),
DROP INDEX of several indexes and SET NOT NULL, written from the parse tree: the same
statements as the deparse route's (pglast's printer of the rewritten tree); any other shape
steps aside to it."""

from __future__ import annotations

import pytest
from pglast import parse_sql
from pglast.stream import RawStream

from lockwise.discover import discover
from lockwise.fix.patterns import _rewrite_deparsed, _rewrite_in_place, rewrite
from lockwise.lint import LintOptions, lint_migrations

UNIQUE = {"add-unique-constraint"}
DROP_INDEX = {"drop-index-without-concurrently"}
NOT_NULL = {"set-not-null"}

#: (statement, PostgreSQL's name of its key when unnamed, or "")
KEYS = [
    ("ALTER TABLE private_message\n    ADD CONSTRAINT idx_private_message_ap_id UNIQUE (ap_id)",
     ""),
    ("ALTER TABLE orders ADD PRIMARY KEY (id);", "orders_pkey"),
    ("alter table orders add unique (account_id, amount) -- why\n;",
     "orders_account_id_amount_key"),
    ('ALTER TABLE "My Schema"."Order Lines" ADD CONSTRAINT "Lines_Key" UNIQUE ("orderId", '
     '"user", "time", a$b)', ""),
    ("ALTER TABLE ONLY orders ADD CONSTRAINT o_u UNIQUE NULLS NOT DISTINCT (account_id) "
     "INCLUDE (fee, amount)", ""),
    ("ALTER TABLE IF EXISTS app.orders ADD CONSTRAINT o_u UNIQUE (account_id) DEFERRABLE", ""),
    ("ALTER TABLE orders ADD UNIQUE (account_id) INITIALLY DEFERRED", "orders_account_id_key"),
    ("ALTER TABLE orders ADD UNIQUE (account_id) NOT DEFERRABLE INITIALLY IMMEDIATE",
     "orders_account_id_key"),
    ("ALTER TABLE orders ADD CONSTRAINT o_pk PRIMARY KEY (id) USING INDEX TABLESPACE pg_default",
     ""),
    ("ALTER TABLE orders ADD CONSTRAINT between UNIQUE (fee) INCLUDE (amount) "
     "USING INDEX TABLESPACE pg_default DEFERRABLE INITIALLY DEFERRED", ""),
    # lemmy's change of primary keys: the drops move into the attaching step, the index is
    # built under a name of its own until then
    ("ALTER TABLE captcha_answer\n    DROP COLUMN id,\n    ADD PRIMARY KEY (uuid),\n"
     "    DROP CONSTRAINT captcha_answer_uuid_key", "captcha_answer_pkey"),
    ('ALTER TABLE "Webhook" DROP CONSTRAINT "Webhook_pkey", ADD CONSTRAINT "Webhook_pkey" '
     'PRIMARY KEY ("id")', ""),
    ("ALTER TABLE t DROP COLUMN IF EXISTS id CASCADE, DROP IF EXISTS c RESTRICT, "
     "DROP CONSTRAINT IF EXISTS x CASCADE, ADD PRIMARY KEY (a)", "t_pkey"),
    (f"ALTER TABLE t DROP CONSTRAINT x, ADD CONSTRAINT {'k' * 63} PRIMARY KEY (a)", ""),
    # a comment before the statement, and non-ASCII names
    ("-- the key\nALTER TABLE café ADD UNIQUE (naïve)", "café_naïve_key"),
    # storage parameters: numbers, a bare word, a string, one without a value
    ("ALTER TABLE orders ADD CONSTRAINT o_f UNIQUE (fee) WITH (fillfactor = 70, "
     "deduplicate_items = off)", ""),
    ("ALTER TABLE orders ADD PRIMARY KEY (id) WITH (fillfactor='90', deduplicate_items) "
     "USING INDEX TABLESPACE pg_default", "orders_pkey"),
]


def normalized(sql: str) -> list[str]:
    return [RawStream()(stmt) for stmt in parse_sql(sql)]


def facts_of(name: str) -> dict:
    return {"constraint_names": (name,) if name else ("",)}


@pytest.mark.parametrize(("sql", "name"), KEYS)
def test_the_tree_route_writes_the_deparse_routes_statements(sql: str, name: str) -> None:
    in_tree = _rewrite_in_place(sql, UNIQUE, facts_of(name))
    assert in_tree is not None, "the statement stepped aside"
    deparsed = _rewrite_deparsed(sql, UNIQUE, facts_of(name))
    assert deparsed is not None
    assert [normalized(s) for s in in_tree.alone] == [normalized(s) for s in deparsed.alone]
    assert [[normalized(s) for s in phase] for phase in in_tree.later] == \
        [[normalized(s) for s in phase] for phase in deparsed.later]
    assert (in_tree.main, in_tree.notes, in_tree.declined) == \
        (deparsed.main, deparsed.notes, deparsed.declined)
    assert rewrite(sql, UNIQUE, facts_of(name)) == in_tree


@pytest.mark.parametrize(("sql", "name"), [
    (sql, name) for sql, name in KEYS if "$" not in sql and "NULLS NOT DISTINCT" not in sql])
def test_the_tree_route_writes_the_deparse_routes_text(sql: str, name: str) -> None:
    # pglast quotes a name with `$` (PostgreSQL reads it bare as well): the rest is word for
    # word, so lint's alternatives read as they did.
    in_tree = _rewrite_in_place(sql, UNIQUE, facts_of(name))
    deparsed = _rewrite_deparsed(sql, UNIQUE, facts_of(name))
    assert in_tree is not None and deparsed is not None
    assert (in_tree.alone, in_tree.later) == (deparsed.alone, deparsed.later)


@pytest.mark.parametrize(("clauses", "written"), [
    ("USING INDEX TABLESPACE pg_default", "NULLS NOT DISTINCT TABLESPACE pg_default"),
    ("WITH (fillfactor = 70) USING INDEX TABLESPACE pg_default",
     "NULLS NOT DISTINCT WITH (fillfactor = 70) TABLESPACE pg_default"),
])
def test_nulls_not_distinct_goes_where_create_index_takes_it(clauses: str,
                                                              written: str) -> None:
    # pglast prints an index's NULLS NOT DISTINCT last, after WITH and TABLESPACE, which
    # PostgreSQL does not parse: the tree route writes CREATE INDEX's order.
    sql = f"ALTER TABLE orders ADD CONSTRAINT o_u UNIQUE NULLS NOT DISTINCT (fee) {clauses}"
    pieces = rewrite(sql, UNIQUE, facts_of(""))
    assert pieces is not None
    assert pieces.alone == [
        f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS o_u ON orders (fee) {written}"]
    assert pieces.later == [["ALTER TABLE orders ADD CONSTRAINT o_u UNIQUE USING INDEX o_u"]]
    assert normalized(pieces.alone[0])


#: (statement, names): the tree route steps aside, the deparse route decides.
STEPS_ASIDE = [
    # other subcommands beside the key and its drops
    ('ALTER TABLE "UserProfile" DROP CONSTRAINT "UserProfile_pkey", ADD COLUMN "id" INTEGER '
     'NOT NULL, ADD CONSTRAINT "UserProfile_pkey" PRIMARY KEY ("id")', ("UserProfile_pkey",)),
    ("ALTER TABLE t ALTER COLUMN id SET NOT NULL, ADD CONSTRAINT t_pkey PRIMARY KEY (id)",
     ("t_pkey",)),
    ("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES b, ADD UNIQUE (a)",
     ("fk", "t_a_key")),
    ("ALTER TABLE t ADD UNIQUE (a), ADD UNIQUE (b)", ("t_a_key", "t_b_key")),
    # clauses the tree route does not write
    ("ALTER TABLE t ADD CONSTRAINT u UNIQUE (a) WITH (fillfactor = numeric(7))", ("u",)),
    ("ALTER TABLE t ADD CONSTRAINT u UNIQUE (a, p WITHOUT OVERLAPS)", ("u",)),
    ("ALTER TABLE db.s.t ADD CONSTRAINT u UNIQUE (a)", ("u",)),
    # nothing to build: already an index, or not a key
    ("ALTER TABLE t ADD CONSTRAINT u UNIQUE USING INDEX i", ("u",)),
    ("ALTER TABLE t ADD CONSTRAINT x EXCLUDE USING gist (a WITH =)", ("x",)),
    ("ALTER FOREIGN TABLE t ADD CONSTRAINT u UNIQUE (a)", ("u",)),
    # an unnamed key without its name (facts of another statement, or none)
    ("ALTER TABLE t ADD UNIQUE (a)", ()),
    ("ALTER TABLE t ADD UNIQUE (a)", ("one", "two")),
    ("ALTER TABLE t ADD COLUMN c int UNIQUE", ()),
]


@pytest.mark.parametrize(("sql", "names"), STEPS_ASIDE)
def test_other_shapes_step_aside_to_the_deparse_route(sql: str, names: tuple[str, ...]) -> None:
    facts = {"constraint_names": names}
    assert _rewrite_in_place(sql, UNIQUE, facts) is None
    assert rewrite(sql, UNIQUE, facts) == _rewrite_deparsed(sql, UNIQUE, facts)


@pytest.mark.parametrize("sql", [
    "DROP INDEX idx_a, app.idx_b",
    'DROP INDEX IF EXISTS "Idx A", "user", c.d.e RESTRICT;',
    "drop index concurrently a, b -- PostgreSQL refuses this one as written",
    "DROP INDEX a$b, naïve",
])
def test_several_indexes_are_dropped_one_statement_each_as_the_deparse_route_does(
        sql: str) -> None:
    in_tree = _rewrite_in_place(sql, DROP_INDEX, {})
    deparsed = _rewrite_deparsed(sql, DROP_INDEX, {})
    assert in_tree is not None and deparsed is not None
    assert len(in_tree.alone) > 1
    assert [normalized(s) for s in in_tree.alone] == [normalized(s) for s in deparsed.alone]
    assert (in_tree.main, in_tree.later, in_tree.notes) == ([], [], [])
    if "$" not in sql:
        assert in_tree.alone == deparsed.alone


@pytest.mark.parametrize("sql", ["DROP INDEX a, b CASCADE", "DROP TABLE a, b"])
def test_drops_the_tree_route_does_not_write_step_aside(sql: str) -> None:
    assert _rewrite_in_place(sql, DROP_INDEX, {}) is None
    assert rewrite(sql, DROP_INDEX, {}) == _rewrite_deparsed(sql, DROP_INDEX, {})


@pytest.mark.parametrize("sql", [
    "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
    'alter table only app."Users" alter "Email" set not null, alter column name set not null;',
    f"ALTER TABLE {'t' * 60} ALTER COLUMN {'c' * 60} SET NOT NULL -- why",
])
@pytest.mark.parametrize("pg_version", [11, 12, 18])
def test_set_not_null_is_written_as_the_deparse_route_writes_it(sql: str,
                                                               pg_version: int) -> None:
    facts = {"pg_version": pg_version}
    in_tree = _rewrite_in_place(sql, NOT_NULL, facts)
    assert in_tree is not None
    assert in_tree == _rewrite_deparsed(sql, NOT_NULL, facts)
    assert in_tree.main and in_tree.later


@pytest.mark.parametrize("sql", [
    "ALTER TABLE users ALTER COLUMN email SET NOT NULL, ADD COLUMN c int",
    "ALTER TABLE users ALTER COLUMN email SET NOT NULL, ALTER COLUMN name DROP NOT NULL",
    "ALTER TABLE users ALTER COLUMN email SET NOT NULL, ADD CONSTRAINT u UNIQUE (email)",
    "ALTER FOREIGN TABLE users ALTER COLUMN email SET NOT NULL",
])
def test_set_not_null_beside_other_subcommands_steps_aside(sql: str) -> None:
    rules = NOT_NULL | UNIQUE
    facts = {"constraint_names": ("u",)}
    assert _rewrite_in_place(sql, rules, facts) is None
    assert rewrite(sql, rules, facts) == _rewrite_deparsed(sql, rules, facts)


def test_lint_writes_the_key_alternative_from_the_tree(tmp_path) -> None:
    (tmp_path / "1_a.sql").write_text("CREATE TABLE orders (id int NOT NULL, fee int);\n")
    (tmp_path / "2_b.sql").write_text("alter table orders\n    add primary key (id);\n")
    (report,) = lint_migrations(discover(tmp_path), LintOptions())[1:]
    (finding,) = [f for s in report.statements for f in s.findings
                  if f.rule == "add-unique-constraint"]
    assert finding.instead.startswith(
        "-- in its own migration, outside a transaction:\n"
        "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_pkey ON orders (id);\n"
        "-- next migration, after the previous one committed:\n"
        "ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_pkey;")


#: The tables of KEYS, with the keys their drops drop.
SETUP = """
CREATE TABLE private_message (ap_id text);
CREATE TABLE orders (id int NOT NULL, account_id int, amount int, fee int);
CREATE SCHEMA app;
CREATE TABLE app.orders (account_id int);
CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema"."Order Lines" ("orderId" int, "user" int, "time" int, a$b int);
CREATE TABLE captcha_answer (id serial PRIMARY KEY, uuid uuid NOT NULL UNIQUE);
CREATE TABLE "Webhook" (id text CONSTRAINT "Webhook_pkey" PRIMARY KEY);
CREATE TABLE t (id int, c int, a int NOT NULL, CONSTRAINT x UNIQUE (a));
CREATE TABLE café (naïve text);
"""

#: (table, constraint, pg_constraint.contype, condeferrable, condeferred) each of KEYS adds.
BUILT = [
    ("private_message", "idx_private_message_ap_id", "u", False, False),
    ("orders", "orders_pkey", "p", False, False),
    ("orders", "orders_account_id_amount_key", "u", False, False),
    ('"My Schema"."Order Lines"', "Lines_Key", "u", False, False),
    ("orders", "o_u", "u", False, False),
    ("app.orders", "o_u", "u", True, False),
    ("orders", "orders_account_id_key", "u", True, True),
    ("orders", "orders_account_id_key", "u", False, False),
    ("orders", "o_pk", "p", False, False),
    ("orders", "between", "u", True, True),
    ("captcha_answer", "captcha_answer_pkey", "p", False, False),
    ('"Webhook"', "Webhook_pkey", "p", False, False),
    ("t", "t_pkey", "p", False, False),
    ("t", "k" * 63, "p", False, False),
    ("café", "café_naïve_key", "u", False, False),
    ("orders", "o_f", "u", False, False),
    ("orders", "orders_pkey", "p", False, False),
]


@pytest.mark.postgres
def test_keys_written_from_the_tree_run_on_postgres(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for (sql, name), (table, key, contype, deferrable, deferred) in zip(
                KEYS, BUILT, strict=True):
            conn.execute('DROP SCHEMA IF EXISTS k, app, "My Schema" CASCADE; '
                         "CREATE SCHEMA k; SET search_path = k")
            conn.execute(SETUP)
            pieces = rewrite(sql, UNIQUE, facts_of(name))
            assert pieces is not None
            for statement in [*pieces.alone, *(s for phase in pieces.later for s in phase)]:
                conn.execute(statement)
            found = conn.execute(
                "SELECT contype, condeferrable, condeferred FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND conname = %s", (table, key)).fetchall()
            assert found == [(contype, deferrable, deferred)], sql
        conn.execute('DROP SCHEMA k, app, "My Schema" CASCADE; SET search_path = public')


@pytest.mark.postgres
def test_nulls_not_distinct_with_a_tablespace_runs_on_postgres(pg_db: str) -> None:
    import psycopg

    pieces = rewrite("ALTER TABLE orders ADD CONSTRAINT o_u UNIQUE NULLS NOT DISTINCT (fee) "
                     "WITH (fillfactor = 70) USING INDEX TABLESPACE pg_default", UNIQUE,
                     facts_of(""))
    assert pieces is not None
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE orders (fee int)")
        for statement in [*pieces.alone, *pieces.later[0]]:
            conn.execute(statement)
        conn.execute("INSERT INTO orders VALUES (NULL)")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO orders VALUES (NULL)")


@pytest.mark.postgres
def test_several_indexes_dropped_from_the_tree_run_on_postgres(pg_db: str) -> None:
    import psycopg

    pieces = rewrite('DROP INDEX a_i, app."B i", missing', DROP_INDEX, {})
    assert pieces is not None
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute('CREATE SCHEMA app; CREATE TABLE t (a int); CREATE INDEX a_i ON t (a); '
                     'CREATE TABLE app.t (b int); CREATE INDEX "B i" ON app.t (b)')
        for statement in pieces.alone:
            conn.execute(statement)
        left = conn.execute("SELECT count(*) FROM pg_indexes WHERE indexname IN "
                            "('a_i', 'B i')").fetchone()
    assert left == (0,)


@pytest.mark.parametrize("sql", [
    "CREATE INDEX i ON t (lower(a)) WHERE b IS NOT NULL",
    "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0 AND b <> 'x')",
])
def test_a_rewrites_sql_is_printed_without_pglasts_ancestor_visitor(
        sql: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The rewrites print pglast nodes as `RawStream()` does, without the Visitor class its
    entry point makes and inspects at each print (`effects.nodes.printed_node`)."""
    import pglast.visitors

    from lockwise.fix.patterns import _sql

    expected = RawStream()(parse_sql(sql)[0].stmt)
    real, calls = pglast.visitors.populate_ancestors, []
    monkeypatch.setattr(pglast.visitors, "populate_ancestors",
                        lambda tree: (calls.append(tree), real(tree))[1])
    assert _sql(parse_sql(sql)[0].stmt) == expected
    assert calls == []
