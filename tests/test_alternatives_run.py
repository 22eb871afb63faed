"""Every rule example's safe alternative, run on the embedded PostgreSQL: the statements a bad
example's finding suggests, put in place of the statement it flags, run after the example's
setup and reach what the statement meant (the same catalog), or differ only as the rule says."""

from __future__ import annotations

import re

import pytest

from lockwise.core.types import Statement
from lockwise.parse.postgres import parse_sql
from lockwise.rules.directives import BATCH_DIRECTIVE
from lockwise.rules.loader import load_rules
from pg_dropper import NewDatabase
from test_instead_quoting import statements_text
from test_rule_examples import findings_for

#: The tables the examples without a setup write about, with rows: a check or a key the
#: alternative adds is tried against data.
WORLD = """CREATE TABLE accounts (id bigint PRIMARY KEY, email text, age int, plan text,
                       legacy_flag boolean);
CREATE INDEX accounts_email_idx ON accounts (email);
INSERT INTO accounts SELECT g, 'a' || g || '@example.com', g, NULL, false
FROM generate_series(1, 20) g;
CREATE TABLE orders (id bigint PRIMARY KEY, account_id bigint, total numeric);
INSERT INTO orders SELECT g, g, g FROM generate_series(1, 20) g;
CREATE TABLE languages (id bigint PRIMARY KEY);
INSERT INTO languages VALUES (0);
CREATE TABLE posts (id bigint PRIMARY KEY);
INSERT INTO posts SELECT g FROM generate_series(1, 20) g;
CREATE TABLE audit_log (id bigint, line text);
INSERT INTO audit_log SELECT g, 'line ' || g FROM generate_series(1, 20) g;
CREATE TABLE events (id bigint, day date) PARTITION BY RANGE (day);
CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
DO $$ DECLARE r text; BEGIN FOREACH r IN ARRAY ARRAY['legacy_app', 'reporting', 'app', 'new_owner']
LOOP BEGIN EXECUTE format('CREATE ROLE %I', r); EXCEPTION WHEN duplicate_object THEN NULL; END;
END LOOP; END $$;
CREATE MATERIALIZED VIEW daily_totals AS SELECT account_id, sum(total) AS total FROM orders
GROUP BY account_id;"""

#: What the user is asked to fill in, filled in as a user of the example would.
FILLED_IN = {
    "'<existing value>'": "'sad'",
    "not_yet_updated": "true",
    "unique_key_columns": "account_id",
    "type_of_email": "text",
    "value_of_plan_id": "1",
    "value_of_handle": "'h' || id",
}

#: Rules (or cases) whose alternative ends elsewhere than the statement on purpose, and why:
#: only that it runs is checked.
ENDS_ELSEWHERE = {
    "add-column-not-null-without-default": "the column keeps the DEFAULT that lets it be NOT NULL",
    "alter-domain-add-constraint": "the domain's constraint stays NOT VALID; tables get CHECKs",
    "alter-domain-validate-constraint": "the domain's constraint stays NOT VALID; tables get "
                                        "CHECKs",
    "alter-type-rewrites-typed-tables": "a new attribute replaces the old one, at the end",
    "cascade-drops-dependents": "the dependents are kept, to drop by name",
    "cascade-drops-policy": "the policies are kept, to drop by name",
    "column-type-change-rewrites": "expand / contract: a new column beside the old one",
    "column-type-change-needs-using": "expand / contract: a new column beside the old one",
    # a partitioned table's: its contract step run too, it ends where the statement does
    # (test_a_partitioned_tables_type_change_expands_and_contracts_to_the_statements_end)
    "column-type-change-reads-table-9": "expand / contract: a new column beside the old one",
    "create-domain-with-constraint": "the constraint is added NOT VALID, validated later",
    "detach-partition-without-concurrently": "DETACH CONCURRENTLY leaves the bound as a CHECK",
    "drop-owned": "ownership moves to a role instead of objects being dropped",
    "drop-table": "the table is renamed, not dropped",
    "enum-rename-value": "the old value stays (enum values cannot be dropped)",
    "enum-value-position": "the value goes where the user chooses",
    "new-partition-reads-default": "the default partition keeps the CHECK that proves it",
    "not-valid-foreign-key-on-partitioned-table": "the key ends validated, on each partition",
    "refresh-matview-without-concurrently": "a unique index lets the refresh run concurrently",
    "rename-column": "expand / contract: a new column beside the old one",
    "rename-table": "a view keeps the old name",
    "set-expression-rewrites": "expand / contract: a new column kept in sync by a trigger",
    "set-not-null-2": "before PostgreSQL 12 the column stays nullable: the CHECK holds",
    "trigger-refreshes-matview": "no trigger: the view is refreshed outside the writers' "
                                 "transactions",
    # lint does not know the index the world has: the name it gives is the one taken
    "unnamed-index-outside-transaction-0": "the world's index takes the name",
    "unnamed-index-outside-transaction-1": "the world's index takes the name",
    # a statement with a WITH cannot run in batches: the advice indexes what its WHERE reads
    # first (an expression of the pattern class; pg_trgm and a trigram index of code::text)
    "where-without-index-26": "the index its WHERE needs is built first",
    "where-without-index-32": "the index its WHERE needs is built first",
}

#: Rules whose alternative adds what the statement lacks, an index and nothing else, and why.
ADDS_INDEXES = {
    "fk-without-index": "the index the foreign key's checks look rows up by",
    "foreign-key-scan-per-row": "the index each deleted row's key lookup uses",
}

#: Cases the alternative gets wrong, with what is wrong (strict: a fixed one must leave).
WRONG: dict[str, str] = {}


def _cases(wrong: dict[str, str] | None = None) -> list:
    """Every PostgreSQL rule's bad examples, as (rule, example); a case of `wrong` (WRONG by
    default) marked strict xfail with its reason."""
    wrong = WRONG if wrong is None else wrong
    cases = []
    for rule in load_rules():
        if rule.dialects[0] != "postgresql":
            continue
        for i, example in enumerate(rule.examples):
            if not example.bad or (example.dialect or "postgresql") != "postgresql":
                continue
            case = f"{rule.id}-{i}"
            marks = [pytest.mark.xfail(reason=wrong[case], strict=True)] if case in wrong \
                else []
            cases.append(pytest.param(rule, example, id=case, marks=marks))
    return cases


def _alternative_sql(text: str) -> str:
    sql = statements_text(text)
    for stand_in, value in FILLED_IN.items():
        sql = sql.replace(stand_in, value)
    return sql


class Migration(list):
    """Statements run together; outside a transaction where the alternative says so."""

    no_transaction = False


def _chunks(text: str) -> list[Migration]:
    """The alternative's statements, in the migrations it asks for: a comment line naming the
    next, a later or its own migration starts one; a statement marked `-- own migration`
    is one alone."""
    chunks = [Migration()]
    lines: list[list[str]] = [[]]
    for line in text.splitlines():
        code, _, comment = line.partition("--")
        if re.search(r"\b(next|later|own|separate) migration|^migration \d", comment.strip()):
            chunks.append(Migration())
            lines.append([code] if code.strip() else [])
            chunks[-1].no_transaction = "outside a transaction" in comment
            if code.strip():
                chunks.append(Migration())
                lines.append([])
            continue
        lines[-1].append(line)
    for chunk, text_lines in zip(chunks, lines, strict=True):
        chunk += [_with_batch_directive(s)
                  for s in parse_sql(_alternative_sql("\n".join(text_lines))).statements]
    return [c for c in chunks if c] or [Migration()]


def _with_batch_directive(statement: Statement) -> str:
    """The statement's SQL, after the batch directive it is marked with, if any: pasted, the
    alternative keeps the directive on the statement it marks (lockwise apply batches it, and
    lint reports it no more)."""
    marks = [c for c in statement.leading_comments if BATCH_DIRECTIVE.search(c)]
    return "\n".join((*marks, statement.sql))


def _run_migration(conn, statements: Migration) -> None:
    """As a migration tool runs it: in a transaction, unless it is marked to run outside one or
    a statement refuses one."""
    import psycopg

    if not statements.no_transaction:
        try:
            with conn.transaction():
                for sql in statements:
                    conn.execute(sql)
            return
        except psycopg.errors.ActiveSqlTransaction:
            pass
    for sql in statements:
        conn.execute(sql)


def _same(a: str, b: str) -> bool:
    from pglast import fingerprint

    return fingerprint(a) == fingerprint(b)


def _by_statement(findings: list) -> dict:
    """The alternatives of the findings, by statement: those of one statement (one for each
    column it drops, say) one after the other."""
    out: dict = {}
    for f in findings:
        out[f.statement_index] = f"{out[f.statement_index]}\n{f.instead}" \
            if f.statement_index in out else f.instead
    return out


def _rewritten(statements: list[str], found: dict) -> list[Migration]:
    """The example's statements with each flagged one replaced by its alternative; an
    alternative made only of settings goes before the statement (it says what to run first),
    and a statement of the example the alternative repeats is not run twice. A finding of
    the migration's end (index None) adds its alternative after the last statement."""
    alternatives = {i: _chunks(instead) for i, instead in found.items()}
    at_end = alternatives.pop(None, [Migration()])
    repeated = [a for chunks in alternatives.values() for chunk in chunks for a in chunk]
    out = [Migration()]
    for i, sql in enumerate(statements):
        if i not in found:
            if not any(_same(sql, a) for a in repeated):
                out[-1].append(sql)
            continue
        first, *later = alternatives[i]
        if all(re.match(r"(?i)\s*(SET|RESET)\b", s) for chunk in alternatives[i]
               for s in chunk):
            out[-1] += [*first, sql]
            continue
        out[-1] += first
        out += later
    out[-1] += at_end[0]
    out += at_end[1:]
    return [m for m in out if m]


def _run_both(pg_databases: NewDatabase, case: str, setup: str, statements: list[str],
              found: dict) -> tuple:
    """The catalogs the statements and their rewrite leave, each run after `setup` in a new
    database (skipped when the statements themselves fail); and the rewrite's migrations."""
    import psycopg

    from lockwise.verify.snapshot import take_snapshot

    name = re.sub(r"\W", "_", case)
    snapshots = []
    rewritten = _rewritten(statements, found)
    for side, migrations in (("stmt", [Migration(statements)]), ("alt", rewritten)):
        uri = pg_databases(f"alt_{side}_{name}")
        with psycopg.connect(uri, autocommit=True) as conn:
            for stmt in parse_sql(setup).statements:
                conn.execute(stmt.sql)
            try:
                for migration in migrations:
                    _run_migration(conn, migration)
            except psycopg.Error as exc:
                if side == "stmt":
                    pytest.skip(f"the statement itself fails here: {exc}")
                pytest.fail(f"{case}: {exc}\n" + "\n-- migration\n".join(
                    ";\n".join(m) for m in migrations))
            snapshots.append(take_snapshot(conn))
    return snapshots[0], snapshots[1], rewritten


@pytest.mark.postgres
@pytest.mark.parametrize(("rule", "example"), _cases())
def test_the_alternative_runs_and_ends_where_the_statement_would(
        rule, example, pg_databases: NewDatabase) -> None:
    from lockwise.verify.snapshot import diff_snapshots

    found = _by_statement(findings_for(example, rule))
    statements = [s.sql for s in parse_sql(example.sql).statements]
    if not any(_chunks(instead) != [[]] for instead in found.values()):
        pytest.skip("no SQL in the alternative")
    case = f"{rule.id}-{rule.examples.index(example)}"
    before, after, rewritten = _run_both(pg_databases, case, example.setup or WORLD, statements,
                                         found)
    shown = "\n-- migration\n".join(";\n".join(m) for m in rewritten)
    if rule.id in ADDS_INDEXES:
        added = diff_snapshots(before, after)
        assert added and all(d.before is None and d.key.startswith("index")
                             for d in added), shown
        return
    if rule.id in ENDS_ELSEWHERE or case in ENDS_ELSEWHERE:
        return
    assert diff_snapshots(before, after) == [], shown


LONG = "l" * 58
#: Tables whose names need quoting, a reserved word, a schema, and names near 63 bytes.
AWKWARD = f"""CREATE SCHEMA my_schema;
CREATE TABLE "order" (id bigint PRIMARY KEY, "user" int, "Total" int);
CREATE TABLE my_schema."Weird Name" ("Id" bigint, "Mixed Col" bigint, "select" text);
CREATE TABLE "User" (id bigint PRIMARY KEY, "Mixed Col" text);
CREATE TABLE {LONG} (id bigint, {LONG}_column bigint, note text);
INSERT INTO "order" SELECT g, g, g FROM generate_series(1, 10) g;
INSERT INTO my_schema."Weird Name" SELECT g, g, 'x' FROM generate_series(1, 10) g;
INSERT INTO "User" SELECT g, 'u' || g FROM generate_series(1, 10) g;
INSERT INTO {LONG} SELECT g, g, 'n' FROM generate_series(1, 10) g;"""


@pytest.mark.postgres
@pytest.mark.parametrize(("rule", "sql"), [
    ("index-without-concurrently", 'CREATE INDEX ON my_schema."Weird Name" ("Mixed Col");'),
    ("index-without-concurrently", f"CREATE INDEX ON {LONG} ({LONG}_column, note);"),
    ("add-foreign-key-validated", 'ALTER TABLE my_schema."Weird Name" ADD FOREIGN KEY '
                                  '("Mixed Col") REFERENCES "order";'),
    ("add-foreign-key-validated", f"ALTER TABLE {LONG} ADD FOREIGN KEY ({LONG}_column) "
                                  'REFERENCES "order" (id);'),
    ("add-check-validated", 'ALTER TABLE "order" ADD CHECK ("user" > 0);'),
    ("add-check-validated", f"ALTER TABLE {LONG} ADD CHECK ({LONG}_column > 0);"),
    ("add-unique-constraint", 'ALTER TABLE "User" ADD UNIQUE ("Mixed Col");'),
    ("add-unique-constraint", 'ALTER TABLE my_schema."Weird Name" ADD PRIMARY KEY ("Id");'),
    ("add-unique-constraint", f"ALTER TABLE {LONG} ADD UNIQUE ({LONG}_column, note);"),
    ("set-not-null", 'ALTER TABLE my_schema."Weird Name" ALTER COLUMN "select" SET NOT NULL;'),
    ("set-not-null", f"ALTER TABLE {LONG} ALTER COLUMN {LONG}_column SET NOT NULL;"),
    ("add-column-volatile-default",
     'ALTER TABLE my_schema."Weird Name" ADD COLUMN "Token" uuid DEFAULT gen_random_uuid();'),
    # lemmy's instance-actor: a volatile default beside UNIQUE, and another column
    ("add-column-volatile-default",
     'ALTER TABLE my_schema."Weird Name" ADD COLUMN "Token" uuid NOT NULL UNIQUE '
     'DEFAULT gen_random_uuid(), ADD COLUMN note text;'),
    ("add-column-with-constraint",
     'ALTER TABLE "order" ADD COLUMN "Score" int DEFAULT 0 CHECK ("Score" >= 0);'),
    ("add-column-with-constraint",
     f"ALTER TABLE {LONG} ADD COLUMN {LONG}_x bigint DEFAULT 1 REFERENCES \"order\";"),
    ("drop-index-without-concurrently", 'DROP INDEX my_schema."Weird Idx";'),
    # Prisma's names, with a dot: one name, quoted as such
    ("drop-index-without-concurrently", 'DROP INDEX "order.user_unique";'),
    ("index-without-concurrently",
     'CREATE UNIQUE INDEX "order.Total_unique" ON "order" ("Total");'),
    ("add-foreign-key-validated", 'ALTER TABLE "order" ADD CONSTRAINT "order.user_fkey" '
                                  'FOREIGN KEY ("user") REFERENCES "order";'),
    ("add-check-validated",
     'ALTER TABLE "order" ADD CONSTRAINT "order.user_check" CHECK ("user" > 0);'),
    ("add-unique-constraint",
     'ALTER TABLE "order" ADD CONSTRAINT "order.Total_key" UNIQUE ("Total");'),
    ("unbatched-backfill", 'UPDATE my_schema."Weird Name" SET "select" = \'y\';'),
    ("unbatched-backfill", 'DELETE FROM "order";'),
    ("column-type-change-reads-table",
     'ALTER TABLE my_schema."Weird Name" ALTER COLUMN "select" TYPE text COLLATE "C";'),
    # several columns in one statement: each one's finding, all of them run
    ("set-not-null", 'ALTER TABLE "order" ALTER COLUMN "user" SET NOT NULL, '
                     'ALTER COLUMN "Total" SET NOT NULL;'),
    ("add-column-volatile-default",
     'ALTER TABLE "order" ADD COLUMN u uuid DEFAULT gen_random_uuid(), '
     'ADD COLUMN "V" uuid DEFAULT gen_random_uuid();'),
])
@pytest.mark.parametrize("pg_version", [16, 18])
def test_alternatives_for_awkward_names_run_and_end_where_the_statement_would(
        rule: str, sql: str, pg_version: int, pg_databases: NewDatabase) -> None:
    """Quoted, reserved, schema-qualified and long names: the alternative quotes each as the
    statement does, keeps the schema, and names what it builds as PostgreSQL names it (cut to
    63 bytes as PostgreSQL cuts it), so the end is the statement's."""
    import dataclasses

    from lockwise.verify.snapshot import diff_snapshots

    setup = AWKWARD + ('\nCREATE INDEX "Weird Idx" ON my_schema."Weird Name" ("select");\n'
                       'CREATE UNIQUE INDEX "order.user_unique" ON "order" ("user");\n'
                       'ALTER TABLE my_schema."Weird Name" ADD CONSTRAINT "Select Check" '
                       'CHECK ("select" <> \'\');')
    example = dataclasses.replace(next(e for r in load_rules() if r.id == rule
                                       for e in r.examples if e.bad),
                                  sql=sql, setup=setup, pg_version=pg_version,
                                  in_transaction=None, layout=None, stats=None)
    found = _by_statement([f for f in findings_for(example, next(
        r for r in load_rules() if r.id == rule)) if f.statement_index is not None])
    assert found, sql
    case = f"awk{pg_version}_{abs(hash(sql)) % 10**8}"
    before, after, rewritten = _run_both(pg_databases, case, setup, [sql], found)
    assert diff_snapshots(before, after) == [], "\n-- migration\n".join(
        ";\n".join(m) for m in rewritten)


#: A table whose other constraints hold the names a NOT NULL alternative would pick first.
NAMES_TAKEN = """CREATE TABLE accounts (id bigint PRIMARY KEY, email text,
  CONSTRAINT {taken} CHECK (id > 0));
INSERT INTO accounts SELECT g, 'a' || g FROM generate_series(1, 10) g;"""


@pytest.mark.postgres
@pytest.mark.parametrize(("rule", "taken", "sql", "pg_version"), [
    # SET NOT NULL names its constraint accounts_email_not_null1 (checked on 18.6)
    ("set-not-null", "accounts_email_not_null",
     "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;", 18),
    ("set-not-null", "accounts_email_not_null_check",
     "ALTER TABLE accounts ALTER COLUMN email SET NOT NULL;", 16),
    ("add-column-volatile-default", "accounts_token_not_null",
     "ALTER TABLE accounts ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();", 18),
    ("add-column-volatile-default", "accounts_token_not_null_check",
     "ALTER TABLE accounts ADD COLUMN token uuid NOT NULL DEFAULT gen_random_uuid();", 16),
])
def test_a_not_null_alternative_numbers_its_names_past_the_tables_constraints(
        rule: str, taken: str, sql: str, pg_version: int, pg_databases: NewDatabase) -> None:
    """Another constraint of the table (a CHECK of another column) holds the name the NOT
    NULL steps would give their CHECK or their NOT NULL constraint: the server would refuse
    it, so the steps number the name past it, as PostgreSQL numbers the names it picks."""
    import dataclasses

    from lockwise.verify.snapshot import diff_snapshots

    setup = NAMES_TAKEN.format(taken=taken)
    found_rule = next(r for r in load_rules() if r.id == rule)
    example = dataclasses.replace(next(e for e in found_rule.examples if e.bad), sql=sql,
                                  setup=setup, pg_version=pg_version, in_transaction=None,
                                  layout=None, stats=None)
    found = _by_statement(findings_for(example, found_rule))
    assert found, sql
    before, after, rewritten = _run_both(pg_databases, f"taken_{pg_version}_{taken}", setup,
                                         [sql], found)
    assert diff_snapshots(before, after) == [], "\n-- migration\n".join(
        ";\n".join(m) for m in rewritten)


@pytest.mark.postgres
@pytest.mark.parametrize("partition_has", [
    "",
    # the parent key's name is taken on the partition: PostgreSQL adds `_1` to the clone's
    ", CONSTRAINT orders_account_id_fkey CHECK (id > 0)",
])
def test_a_key_added_before_attach_is_named_as_the_clone_attach_would_make(
        partition_has: str, pg_databases: NewDatabase) -> None:
    """The key the alternative adds to the table before ATTACH has the name ATTACH would
    give the clone, so later migrations that name it find it either way."""
    import dataclasses

    from lockwise.verify.snapshot import diff_snapshots

    rule = next(r for r in load_rules() if r.id == "attach-partition-validates-foreign-key")
    setup = ("CREATE TABLE accounts (id bigint PRIMARY KEY);\n"
             "INSERT INTO accounts VALUES (1);\n"
             "CREATE TABLE orders (id bigint, account_id bigint REFERENCES accounts, day date)"
             " PARTITION BY RANGE (day);\n"
             f"CREATE TABLE orders_2026 (id bigint, account_id bigint, day date{partition_has});"
             "\nINSERT INTO orders_2026 VALUES (1, 1, '2026-02-01');")
    example = dataclasses.replace(rule.examples[0], setup=setup)
    found = _by_statement(findings_for(example, rule))
    statements = [s.sql for s in parse_sql(example.sql).statements]
    case = f"attach_fk_name_{bool(partition_has)}"
    before, after, rewritten = _run_both(pg_databases, case, setup, statements, found)
    assert diff_snapshots(before, after) == [], "\n-- migration\n".join(
        ";\n".join(m) for m in rewritten)


@pytest.mark.postgres
@pytest.mark.parametrize("sql", [
    "ALTER TABLE lines ADD FOREIGN KEY (order_id) REFERENCES orders;",
    # new in the migration: built in place, where CONCURRENTLY is refused all the same
    "CREATE TABLE new_lines (id bigint, order_id bigint REFERENCES orders, day date) "
    "PARTITION BY RANGE (day);\nCREATE TABLE new_lines_2026 PARTITION OF new_lines FOR VALUES "
    "FROM ('2026-01-01') TO ('2027-01-01');",
])
def test_the_index_of_a_foreign_key_of_a_partitioned_table_runs(sql: str,
                                                                pg_databases: NewDatabase) -> None:
    """PostgreSQL refuses CREATE INDEX CONCURRENTLY on a partitioned table: the key's index
    is made ON ONLY the parent, each partition's CONCURRENTLY, then attached."""
    import dataclasses

    from lockwise.verify.snapshot import diff_snapshots

    rule = next(r for r in load_rules() if r.id == "fk-without-index")
    setup = ("CREATE TABLE orders (id bigint PRIMARY KEY);\nINSERT INTO orders VALUES (1);\n"
             "CREATE TABLE lines (id bigint, order_id bigint, day date) PARTITION BY RANGE "
             "(day);\nCREATE TABLE lines_2026 PARTITION OF lines FOR VALUES FROM "
             "('2026-01-01') TO ('2027-01-01');\nINSERT INTO lines VALUES (1, 1, '2026-02-01');")
    example = dataclasses.replace(rule.examples[0], sql=sql, setup=setup)
    found = _by_statement(findings_for(example, rule))
    assert found, sql
    statements = [s.sql for s in parse_sql(sql).statements]
    before, after, rewritten = _run_both(pg_databases, f"fk_part_{len(statements)}", setup,
                                         statements, found)
    added = diff_snapshots(before, after)
    assert len(added) == 2 and all(d.before is None and d.key.startswith("index")
                                   for d in added), "\n-- migration\n".join(
        ";\n".join(m) for m in rewritten)


#: A partitioned table whose column a type change that keeps the values retypes: a UNIQUE
#: constraint and a plain index over it, two partitions (one sub-partitioned), rows in each.
PARTITIONED_RETYPED = """CREATE TABLE events (id bigint, kind varchar(20){not_null},
                     UNIQUE (id, kind)) PARTITION BY LIST (id);
CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1);
CREATE TABLE events_2 PARTITION OF events FOR VALUES IN (2) PARTITION BY LIST (id);
CREATE TABLE events_2_a PARTITION OF events_2 FOR VALUES IN (2);
CREATE INDEX ON events (kind);
INSERT INTO events VALUES (1, 'a'), (1, 'b'), (2, 'a');"""


def _contract_step(instead: str) -> list[str]:
    """The contract step an alternative leaves commented out, its statements uncommented."""
    _, marker, tail = instead.partition("-- contract step")
    assert marker, instead
    lines = [line.removeprefix("-- ") for line in tail.splitlines()[2:]]
    return [s.sql for s in parse_sql("\n".join(lines)).statements]


@pytest.mark.postgres
@pytest.mark.parametrize("not_null", ["", " NOT NULL"])
@pytest.mark.parametrize("pg_version", [16, 18])
def test_a_partitioned_tables_type_change_expands_and_contracts_to_the_statements_end(
        not_null: str, pg_version: int, pg_databases: NewDatabase) -> None:
    """A partitioned table's indexes over the column are built again under ACCESS EXCLUSIVE
    by the type change, which no CONCURRENTLY spares: the alternative is expand / contract,
    each step run on the server (checked on 18.6), and with its contract step run too the
    table ends as the statement leaves it (names of the indexes, the constraint and their
    partitions' parts included)."""
    import dataclasses

    from lockwise.verify.snapshot import diff_snapshots

    rule = next(r for r in load_rules() if r.id == "column-type-change-reads-table")
    setup = PARTITIONED_RETYPED.format(not_null=not_null)
    sql = "ALTER TABLE events ALTER COLUMN kind TYPE varchar(40);"
    example = dataclasses.replace(rule.examples[0], sql=sql, setup=setup,
                                  pg_version=pg_version)
    found = _by_statement([f for f in findings_for(example, rule) if f.rule == rule.id])
    assert "ADD COLUMN kind_new varchar(40)" in found[0], found[0]
    assert "ALTER COLUMN kind TYPE" not in found[0], found[0]
    found[0] += "\n-- later migration:\n" + "\n".join(
        f"{sql};" for sql in _contract_step(found[0]))
    case = f"retyped_{pg_version}_{bool(not_null)}"
    before, after, rewritten = _run_both(pg_databases, case, setup, [sql], found)
    assert diff_snapshots(before, after) == [], "\n-- migration\n".join(
        ";\n".join(m) for m in rewritten)


@pytest.mark.postgres
def test_a_table_kept_under_another_name_frees_the_names_a_new_one_takes(
        pg_databases: NewDatabase) -> None:
    """documenso drops a table and creates it again at once: the table kept instead keeps
    its index, key and sequence names (one namespace for every relation of the schema), so
    they take the old names' place too, and the new table's can be made."""
    import dataclasses

    rule = next(r for r in load_rules() if r.id == "drop-table")
    setup = ('CREATE TABLE "Token" (id serial, token text, CONSTRAINT "Token_pkey" PRIMARY KEY '
             '(id));\nCREATE UNIQUE INDEX "Token_token_key" ON "Token" (token);\n'
             "INSERT INTO \"Token\" (token) VALUES ('a');")
    sql = ('DROP TABLE IF EXISTS "Token" CASCADE;\nCREATE TABLE "Token" (id serial, token text, '
           'CONSTRAINT "Token_pkey" PRIMARY KEY (id));\n'
           'CREATE UNIQUE INDEX "Token_token_key" ON "Token" (token);')
    example = dataclasses.replace(rule.examples[0], sql=sql, setup=setup)
    found = _by_statement(findings_for(example, rule))
    assert list(found) == [0], sql
    _run_both(pg_databases, "drop_then_create", setup,
              [s.sql for s in parse_sql(sql).statements], found)


@pytest.mark.postgres
def test_dropping_several_columns_keeps_none_of_them(pg_databases: NewDatabase) -> None:
    """One ALTER TABLE dropping two columns: the findings' alternatives, run together, drop
    both (the second column's was not named at all)."""
    import dataclasses

    from lockwise.verify.snapshot import diff_snapshots

    rule = next(r for r in load_rules() if r.id == "drop-column")
    sql = 'ALTER TABLE "order" DROP COLUMN "user", DROP COLUMN "Total";'
    example = dataclasses.replace(rule.examples[0], sql=sql, setup=AWKWARD)
    found = _by_statement(findings_for(example, rule))
    before, after, rewritten = _run_both(pg_databases, "drop_two_columns", AWKWARD, [sql], found)
    assert diff_snapshots(before, after) == [], "\n-- migration\n".join(
        ";\n".join(m) for m in rewritten)


@pytest.mark.postgres
@pytest.mark.parametrize("length", [60, 63])
def test_a_long_table_kept_under_another_name_keeps_the_suffix_within_63_bytes(
        length: int, pg_databases: NewDatabase, pg_server: str) -> None:
    """`<name>_deprecated` past 63 bytes: cut as PostgreSQL cuts the names it makes (the name
    shortened, the suffix kept), not left for the server to cut the suffix off (a 63-byte
    name would then be renamed to itself, which fails); its index and sequence likewise."""
    import dataclasses

    import psycopg

    from lockwise.catalog.replay import generated_name
    from lockwise.db.scratch import with_database

    rule = next(r for r in load_rules() if r.id == "drop-table")
    table = "t" * length
    setup = f"CREATE TABLE {table} (id serial PRIMARY KEY, note text);"
    sql = f"DROP TABLE {table};"
    example = dataclasses.replace(rule.examples[0], sql=sql, setup=setup)
    found = _by_statement(findings_for(example, rule))
    _run_both(pg_databases, f"drop_long_{length}", setup, [sql], found)
    with psycopg.connect(with_database(pg_server, f"alt_alt_drop_long_{length}")) as conn:
        names = {row[0] for row in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace")}
    assert generated_name(table, None, "deprecated") in names, names
    # the index's and the sequence's shortened names are the table's: numbered, as
    # PostgreSQL numbers a name it chose that is taken
    assert all(re.search(r"_deprecated\d*$", name) and len(name.encode()) <= 63
               for name in names), names


@pytest.mark.postgres
@pytest.mark.parametrize("index_sql", [
    "CREATE INDEX accounts_email_idx ON accounts (email) WITH (fillfactor = 70)",
    "CREATE INDEX accounts_email_idx ON accounts (email);\n"
    "ALTER INDEX accounts_email_idx SET (fillfactor = 60, deduplicate_items = off)",
    "CREATE INDEX accounts_email_idx ON accounts (email) WITH (fillfactor = 70, "
    "deduplicate_items = off);\nALTER INDEX accounts_email_idx RESET (fillfactor);\n"
    "ALTER INDEX accounts_email_idx SET (deduplicate_items = on)",
    "CREATE INDEX accounts_email_idx ON accounts (email) WITH (fillfactor = 70);\n"
    "ALTER INDEX accounts_email_idx RENAME TO accounts_mail_idx;\n"
    "ALTER INDEX accounts_mail_idx SET (fillfactor = 50)",
    # expressions and a WHERE: written out from the CREATE INDEX, not left to prose
    "CREATE INDEX accounts_lower ON accounts (lower(email))",
    "CREATE INDEX accounts_part ON accounts (id) WHERE email IS NOT NULL",
    'CREATE INDEX "Accounts Both" ON accounts (id, (email || \'x\')) INCLUDE (email) '
    "WITH (fillfactor = 80) WHERE length(email) > 1;\n"
    'ALTER TABLE accounts RENAME COLUMN email TO mail;\n'
    'ALTER TABLE accounts RENAME COLUMN mail TO email',
])
def test_an_index_built_again_keeps_its_storage_parameters(index_sql: str,
                                                          pg_databases: NewDatabase) -> None:
    """The type change's alternative drops an index it would rebuild and builds it again
    CONCURRENTLY: with the storage parameters it was built WITH and ALTER INDEX SET / RESET
    gave it since, under the name ALTER INDEX RENAME gave it (the catalog follows them); one
    with expressions or a WHERE from its definition, its columns renamed with the table's."""
    import dataclasses

    from lockwise.verify.snapshot import diff_snapshots

    rule = next(r for r in load_rules() if r.id == "column-type-change-reads-table")
    setup = (f"CREATE TABLE accounts (id bigint, email text);\n{index_sql};\n"
             "INSERT INTO accounts SELECT g, 'a' || g FROM generate_series(1, 20) g;")
    sql = 'ALTER TABLE accounts ALTER COLUMN email TYPE text COLLATE "C";'
    example = dataclasses.replace(rule.examples[0], sql=sql, setup=setup)
    found = _by_statement(findings_for(example, rule))
    assert "CREATE INDEX CONCURRENTLY" in found[0], found[0]
    case = f"idx_params_{abs(hash(index_sql)) % 10**8}"
    before, after, rewritten = _run_both(pg_databases, case, setup, [sql], found)
    assert diff_snapshots(before, after) == [], "\n-- migration\n".join(
        ";\n".join(m) for m in rewritten)


@pytest.mark.postgres
def test_a_type_change_alternative_backfills_what_using_computes(
        pg_databases: NewDatabase, pg_server: str) -> None:
    """ALTER COLUMN ... TYPE ... USING, for two columns in one statement: each column's
    alternative backfills its new column with the USING expression, so the new columns end
    with the values the statement would have given the old ones."""
    import dataclasses

    import psycopg

    from lockwise.db.scratch import with_database

    rule = next(r for r in load_rules() if r.id == "column-type-change-rewrites")
    setup = ("CREATE TABLE t (id bigint PRIMARY KEY, c int, d int);\n"
             "INSERT INTO t SELECT g, g, g * 10 FROM generate_series(1, 20) g;")
    sql = ("ALTER TABLE t ALTER COLUMN c TYPE bigint USING c * 2, "
           "ALTER COLUMN d TYPE text USING 'n' || d;")
    example = dataclasses.replace(rule.examples[0], sql=sql, setup=setup)
    found = _by_statement(findings_for(example, rule))
    _, _, rewritten = _run_both(pg_databases, "using_backfill", setup, [sql], found)
    shown = "\n-- migration\n".join(";\n".join(m) for m in rewritten)
    values = []
    for side, columns in (("stmt", "c, d"), ("alt", "c_new, d_new")):
        with psycopg.connect(with_database(pg_server, f"alt_{side}_using_backfill")) as conn:
            values.append(conn.execute(f"SELECT id, {columns} FROM t ORDER BY id").fetchall())
    assert values[0] == values[1], shown



@pytest.mark.postgres
@pytest.mark.parametrize(("setup", "sql", "using", "written"), [
    ("CREATE TABLE accounts (id bigint, external_id text);\n"
     "INSERT INTO accounts SELECT g, md5(g::text) FROM generate_series(1, 20) g;\n"
     "INSERT INTO accounts VALUES (21, NULL);",
     "ALTER TABLE accounts ALTER COLUMN external_id TYPE uuid;",
     "ALTER TABLE accounts ALTER COLUMN external_id TYPE uuid USING external_id::uuid;",
     "INSERT INTO accounts VALUES (22, md5('a'));"
     "UPDATE accounts SET external_id = md5('b') WHERE id = 1"),
    (AWKWARD, 'ALTER TABLE "order" ALTER COLUMN "user" TYPE boolean;',
     'ALTER TABLE "order" ALTER COLUMN "user" TYPE boolean USING "user"::boolean;',
     'INSERT INTO "order" VALUES (11, 0, 1);UPDATE "order" SET "user" = 0 WHERE id = 1'),
    (AWKWARD + '\nALTER TABLE my_schema."Weird Name" ADD COLUMN "Flag" int;\n'
     'UPDATE my_schema."Weird Name" SET "Flag" = "Id" % 2;',
     'ALTER TABLE my_schema."Weird Name" ALTER COLUMN "Flag" TYPE boolean;',
     'ALTER TABLE my_schema."Weird Name" ALTER COLUMN "Flag" TYPE boolean '
     'USING "Flag"::boolean;',
     'INSERT INTO my_schema."Weird Name" VALUES (11, 11, \'y\', 0)'),
])
def test_a_type_change_refused_without_using_runs_as_expand_contract(
        setup: str, sql: str, using: str, written: str, pg_databases: NewDatabase) -> None:
    """column-type-change-needs-using's alternative, run with rows (checked on 18.6): the new
    column, kept in sync by its trigger for rows written meanwhile, backfilled in batches;
    then its contract step (written as comments, for the user to decide on) swaps the names.
    The column ends with the new type and the values the statement with USING gives."""
    import dataclasses

    import psycopg

    rule = next(r for r in load_rules() if r.id == "column-type-change-needs-using")
    example = dataclasses.replace(rule.examples[0], sql=sql, setup=setup)
    found = _by_statement(findings_for(example, rule))
    assert list(found) == [0], sql
    expand, *later = _chunks(found[0])
    assert later == [], found[0]  # the contract step is left to the user: comments only
    marker = "-- next migration, after the previous one committed:"
    contract = "\n".join(line.removeprefix("-- ") for line in
                         found[0].split(marker, 1)[1].splitlines()
                         if re.match(r"-- (DROP|ALTER) ", line))
    assert contract.count(";") == 4, found[0]
    table = re.match(r"ALTER TABLE (.+) ALTER COLUMN ", sql).group(1)
    column = re.search(r"ALTER COLUMN (.+) TYPE ", sql).group(1)
    values = []
    for side, steps in (("stmt", [[*written.split(";"), using]]),
                        ("alt", [expand, written.split(";"), _chunks(contract)[0]])):
        name = f"alt_{side}_needs_using_{abs(hash(sql)) % 10**8}"
        with psycopg.connect(pg_databases(name), autocommit=True) as conn:
            for stmt in parse_sql(setup).statements:
                conn.execute(stmt.sql)
            for step in steps:
                _run_migration(conn, Migration(step))
            values.append(conn.execute(
                f"SELECT {column}, pg_typeof({column})::text FROM {table} "
                "ORDER BY 1").fetchall())
    assert values[0] == values[1], found[0]



UUID = "'e4eaaaf2-d142-11e1-b3e4-080027620cdd'"


@pytest.mark.postgres
@pytest.mark.parametrize(("column", "default", "written"), [
    (f"text NOT NULL DEFAULT {UUID}", f"{UUID}::uuid", "INSERT INTO accounts (id) VALUES (100)"),
    ("text NOT NULL", "", "INSERT INTO accounts VALUES (100, md5('a'))"),
    ("text DEFAULT md5('x')", "md5('x')::uuid", "INSERT INTO accounts (id) VALUES (100)"),
])
def test_a_type_change_refused_without_using_carries_the_default_and_not_null(
        column: str, default: str, written: str, pg_databases: NewDatabase) -> None:
    """column-type-change-needs-using's alternative gives the new column the old one's
    DEFAULT, converted as its values are, and its NOT NULL through a CHECK added NOT VALID
    with the column (the trigger gives every row written meanwhile a value), validated in a
    later migration once the backfill is done, then SET NOT NULL (no read: the CHECK proves
    it). Checked on 18.6: after the swap the column is as the statement with USING leaves it
    (which refuses a default without an assignment cast: DROP DEFAULT before, SET DEFAULT
    after), NOT NULL and default included, with the same values; and the NOT NULL constraint
    of the swapped column has the name the statement leaves it (the old one's: on 18.6 it
    keeps `accounts_external_id_new_not_null` through the rename unless renamed too)."""
    setup = (f"CREATE TABLE accounts (id bigint PRIMARY KEY, external_id {column});\n"
             "INSERT INTO accounts SELECT g, md5(g::text) FROM generate_series(1, 20) g;")
    sql = "ALTER TABLE accounts ALTER COLUMN external_id TYPE uuid;"
    # (written for the server it runs on: PostgreSQL 18 names the NOT NULL constraints)
    instead, expand, later, contract = _needs_using_steps(setup, sql)
    statement = ["ALTER TABLE accounts ALTER COLUMN external_id DROP DEFAULT",
                 "ALTER TABLE accounts ALTER COLUMN external_id TYPE uuid USING "
                 "external_id::uuid"] + ([
                     f"ALTER TABLE accounts ALTER COLUMN external_id SET DEFAULT {default}"]
                     if default else [])
    ends = _column_ends(pg_databases, f"carried_{abs(hash(column)) % 10**8}", setup,
                        "accounts", "external_id",
                        [("stmt", [Migration([written]), Migration(statement)]),
                         ("alt", [expand, Migration([written]), *later, *_chunks(contract)])])
    assert ends[0] == ends[1], instead


def _needs_using_steps(setup: str, sql: str) -> tuple[str, Migration, list[Migration], str]:
    """column-type-change-needs-using's alternative to `sql` after `setup`, written for
    PostgreSQL 18: its text, its expand step, the migrations after it, and its contract step
    (written as comments) as SQL."""
    import dataclasses

    rule = next(r for r in load_rules() if r.id == "column-type-change-needs-using")
    example = dataclasses.replace(rule.examples[0], sql=sql, setup=setup, pg_version=18)
    (instead,) = _by_statement(findings_for(example, rule)).values()
    expand, *later = _chunks(instead)
    contract = "\n".join(line.removeprefix("-- ") for line in instead.splitlines()
                         if re.match(r"-- (DROP|ALTER) ", line))
    return instead, expand, later, contract


def _column_ends(pg_databases: NewDatabase, name: str, setup: str, table: str, column: str,
                 sides: list[tuple[str, list[Migration]]]) -> list[tuple]:
    """For each side, its migrations run after `setup` in a new database: how they leave
    `table.column` (NOT NULL, default, type, its NOT NULL constraint's name) and the rows'
    values of it."""
    import psycopg

    ends = []
    for side, steps in sides:
        uri = pg_databases(f"alt_{side}_{name}")
        with psycopg.connect(uri, autocommit=True) as conn:
            for stmt in parse_sql(setup).statements:
                conn.execute(stmt.sql)
            for step in steps:
                _run_migration(conn, step)
            ends.append((
                conn.execute("SELECT attnotnull, pg_get_expr(adbin, adrelid), "
                             "format_type(atttypid, atttypmod), (SELECT conname FROM "
                             "pg_constraint WHERE conrelid = attrelid AND contype = 'n' "
                             "AND conkey = ARRAY[attnum]) FROM pg_attribute "
                             "LEFT JOIN pg_attrdef ON adrelid = attrelid AND adnum = attnum "
                             f"WHERE attrelid = '{table}'::regclass "
                             f"AND attname = '{column}'").fetchone(),
                conn.execute(f"SELECT id, {column} FROM {table} ORDER BY id").fetchall()))
    return ends


@pytest.mark.postgres
@pytest.mark.parametrize(("table", "column"), [("t" * 30, "c" * 25), ("t" * 60, "c" * 60)])
def test_a_type_change_refused_without_using_with_long_names_swaps_the_not_null_names(
        table: str, column: str, pg_databases: NewDatabase) -> None:
    """column-type-change-needs-using's alternative on PostgreSQL 18 with long names (checked
    on 18.6): `<column>_new`'s and `<column>_old`'s NOT NULL constraint names can cut to the
    same name (30 and 25 characters), or the new column's to the old one's (60 and 60), where
    the server numbers the second (`..._not_null1`). The template names them as the server
    does: the whole alternative runs, and the column ends with the NOT NULL constraint's name
    the statement with USING leaves it."""
    setup = (f"CREATE TABLE {table} (id bigint PRIMARY KEY, {column} text NOT NULL);\n"
             f"INSERT INTO {table} SELECT g, md5(g::text) FROM generate_series(1, 20) g;")
    sql = f"ALTER TABLE {table} ALTER COLUMN {column} TYPE uuid;"
    instead, expand, later, contract = _needs_using_steps(setup, sql)
    statement = [f"ALTER TABLE {table} ALTER COLUMN {column} TYPE uuid USING {column}::uuid"]
    ends = _column_ends(pg_databases, f"long_nn_{len(table)}_{len(column)}", setup, table, column,
                        [("stmt", [Migration(statement)]),
                         ("alt", [expand, *later, *_chunks(contract)])])
    assert ends[0] == ends[1], instead


#: Partitioned `events`, with a partition of each kind: a leaf, and one partitioned again.
EVENTS = ("CREATE TABLE events (id bigint, kind text) PARTITION BY LIST (id);\n"
          "CREATE TABLE events_1 PARTITION OF events FOR VALUES IN (1);\n"
          "CREATE TABLE events_2 PARTITION OF events FOR VALUES IN (2, 3) "
          "PARTITION BY LIST (id);\n"
          "CREATE TABLE events_2a PARTITION OF events_2 FOR VALUES IN (2);\n"
          "CREATE TABLE events_3 PARTITION OF events_2 FOR VALUES IN (3);\n"
          "INSERT INTO events SELECT 1 + g % 3, g::text FROM generate_series(1, 30) g;\n")


@pytest.mark.postgres
@pytest.mark.parametrize("setup", [
    # a leaf's index of the same columns: attached, not built again
    "CREATE INDEX kind_of_1 ON events_1 (kind);",
    # a sub-partitioned partition's, which has its parts: attached, nothing below it built
    "CREATE INDEX kind_of_2 ON events_2 (kind);",
    # a leaf's below a partition that has none
    "CREATE INDEX kind_of_3 ON events_3 (kind);",
    # not the same: a partial index, another access method or operator class, a UNIQUE
    # one: built
    "CREATE INDEX kind_of_1 ON events_1 (kind) WHERE id > 0;",
    "CREATE INDEX kind_of_1 ON events_1 USING hash (kind);",
    "CREATE INDEX kind_of_1 ON events_1 (kind text_pattern_ops);",
    "CREATE UNIQUE INDEX kind_of_1 ON events_1 (kind);",
    # attached to another index of the parent already: built
    "CREATE INDEX by_kind ON events (kind);",
])
def test_a_partitions_matching_index_is_attached_by_the_alternative(
        setup: str, pg_databases: NewDatabase) -> None:
    """CREATE INDEX on a partitioned table attaches a partition's index of the same definition
    not attached to another (same columns, access method, UNIQUE-ness, no WHERE) instead of
    building one (checked on 18.6): so does index-on-partitioned-table's alternative, where
    the catalog knows that index, and it ends with the indexes the statement leaves."""
    import dataclasses

    from lockwise.verify.snapshot import diff_snapshots

    rule = next(r for r in load_rules() if r.id == "index-on-partitioned-table")
    sql = "CREATE INDEX ON events (kind);"
    example = dataclasses.replace(next(e for e in rule.examples if e.bad), sql=sql,
                                  setup=EVENTS + setup)
    found = _by_statement(findings_for(example, rule))
    assert list(found) == [0], setup
    case = f"attached_{abs(hash(setup)) % 10**8}"
    before, after, rewritten = _run_both(pg_databases, case, EVENTS + setup, [sql], found)
    assert diff_snapshots(before, after) == [], "\n-- migration\n".join(
        ";\n".join(m) for m in rewritten)

#: Tables whose rows are in other tables than the one named: rows of one value in `ev`'s
#: first table, and of another at the same addresses (and ids) in `ev_b`.
SPREAD = {
    "partitioned": "CREATE TABLE ev (id bigint, day date, m mood) PARTITION BY RANGE (day);\n"
                   "CREATE TABLE ev_a PARTITION OF ev FOR VALUES FROM ('2020-01-01') "
                   "TO ('2021-01-01');\n"
                   "CREATE TABLE ev_b PARTITION OF ev FOR VALUES FROM ('2021-01-01') "
                   "TO ('2022-01-01');\n"
                   "INSERT INTO ev SELECT g, date '2020-01-01' + g, 'sad' "
                   "FROM generate_series(1, 20) g;\n",
    # a parent's primary key does not bind its children: the same ids are in both
    "inherited": "CREATE TABLE ev (id bigint PRIMARY KEY, day date, m mood);\n"
                 "CREATE TABLE ev_b () INHERITS (ev);\n"
                 "INSERT INTO ev SELECT g, date '2020-01-01', 'sad' "
                 "FROM generate_series(1, 20) g;\n",
}


@pytest.mark.postgres
@pytest.mark.parametrize("kind", sorted(SPREAD))
def test_a_batch_of_a_table_spread_over_partitions_or_children_touches_only_its_rows(
        kind: str, pg_db: str) -> None:
    """The batches that move an enum's rows to a renamed value name the rows of a batch by
    a key that tells the tables apart ((tableoid, ctid)): by ctid alone, or by a parent's
    primary key, a batch of the parent also changed the rows of the same address (or id) in
    the other partitions or children, whatever value they held."""
    import dataclasses

    import psycopg

    setup = ("CREATE TYPE mood AS ENUM ('happy', 'sad');\n" + SPREAD[kind] +
             "INSERT INTO ev_b SELECT g, date '2021-01-02', 'happy' "
             "FROM generate_series(1, 20) g;")
    rule = next(r for r in load_rules() if r.id == "enum-rename-value")
    example = dataclasses.replace(next(e for e in rule.examples if e.bad),
                                  sql="ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';",
                                  setup=setup, in_transaction=None, layout=None, stats=None)
    (finding,) = findings_for(example, rule)
    statements = [s for chunk in _chunks(finding.instead) for s in chunk]
    assert any("ev_b" not in s and s.startswith("UPDATE") for s in statements), statements
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for stmt in parse_sql(setup).statements:
            conn.execute(stmt.sql)
        for sql in statements:  # each UPDATE repeated until it changes no row
            while conn.execute(sql).rowcount > 0 and sql.startswith("UPDATE"):
                pass
        assert conn.execute("SELECT m::text, count(*) FROM ONLY ev_b GROUP BY 1"
                            ).fetchall() == [("happy", 20)], statements
        assert conn.execute("SELECT m::text, count(*) FROM ev WHERE tableoid <> 'ev_b'::regclass "
                            "GROUP BY 1").fetchall() == [("blue", 20)], statements



#: A partitioned table with rows, a sub-partitioned partition, and one in another schema.
PARTITIONED_LINES = (
    "CREATE SCHEMA archive;\n"
    "CREATE TABLE orders (id bigint PRIMARY KEY);\n"
    "INSERT INTO orders SELECT g FROM generate_series(1, 20) g;\n"
    "CREATE TABLE lines (id bigint, order_id bigint, day date) PARTITION BY RANGE (day);\n"
    "CREATE TABLE lines_2026 PARTITION OF lines FOR VALUES FROM ('2026-01-01') "
    "TO ('2027-01-01');\n"
    "CREATE TABLE lines_2027 PARTITION OF lines FOR VALUES FROM ('2027-01-01') "
    "TO ('2028-01-01') PARTITION BY RANGE (id);\n"
    "CREATE TABLE lines_2027_a PARTITION OF lines_2027 FOR VALUES FROM (0) TO (100);\n"
    "CREATE TABLE archive.lines_2025 PARTITION OF lines FOR VALUES FROM ('2025-01-01') "
    "TO ('2026-01-01');\n"
    "INSERT INTO lines SELECT g, g, date '2025-06-01' + g * 20 FROM generate_series(1, 20) g;")


@pytest.mark.postgres
@pytest.mark.parametrize("pg_version", [11, 17, 18])
@pytest.mark.parametrize(("rule_id", "sql"), [
    ("add-foreign-key-validated",
     "ALTER TABLE lines ADD FOREIGN KEY (order_id) REFERENCES orders;"),
    ("add-foreign-key-validated",
     "ALTER TABLE lines ADD CONSTRAINT lines_order_fk FOREIGN KEY (order_id) REFERENCES orders "
     "(id) ON DELETE CASCADE;"),
    # a column's REFERENCES, moved out of the ADD COLUMN
    ("add-column-with-constraint",
     "ALTER TABLE lines ADD COLUMN ref_id bigint DEFAULT 1 REFERENCES orders;"),
    ("add-column-volatile-default",
     "ALTER TABLE lines ADD COLUMN ref_id bigint DEFAULT (random() * 0 + 1)::bigint "
     "REFERENCES orders;"),
])
def test_a_foreign_key_of_a_partitioned_table_is_added_as_the_version_allows(
        rule_id: str, sql: str, pg_version: int, pg_databases: NewDatabase) -> None:
    """PostgreSQL before 18 refuses ADD FOREIGN KEY ... NOT VALID on a partitioned table
    (release notes of 18: NOT VALID foreign keys on partitioned tables are new there). Before
    18 the key is added NOT VALID to each leaf partition, each is validated, and the key added
    to the table takes them over; from 18 NOT VALID on the table, then VALIDATE. Either way
    the tables end with the statement's keys."""
    import dataclasses

    from lockwise.verify.snapshot import diff_snapshots

    rule = next(r for r in load_rules() if r.id == rule_id)
    example = dataclasses.replace(next(e for e in rule.examples if e.bad), sql=sql,
                                  setup=PARTITIONED_LINES, pg_version=pg_version,
                                  in_transaction=None, layout=None, stats=None)
    found = _by_statement(findings_for(example, rule))
    assert found, sql
    parent_not_valid = re.search(r"(?im)^ALTER TABLE lines ADD CONSTRAINT .* NOT VALID",
                                 found[0])
    assert bool(parent_not_valid) == (pg_version >= 18), found[0]
    case = f"fk_parts_{pg_version}_{abs(hash(sql)) % 10**8}"
    before, after, rewritten = _run_both(pg_databases, case, PARTITIONED_LINES, [sql], found)
    assert diff_snapshots(before, after) == [], "\n-- migration\n".join(
        ";\n".join(m) for m in rewritten)


@pytest.mark.postgres
@pytest.mark.parametrize("first", ["", "validated"])
def test_a_foreign_key_added_to_a_partitioned_table_takes_over_validated_keys_unread(
        first: str, pg_db: str) -> None:
    """The last step of the alternative before 18: ADD FOREIGN KEY on the partitioned table
    reads no partition whose equal key is validated (it takes that key over), nor the
    referenced table; without them it reads each (the counts of scans say which)."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for stmt in parse_sql(PARTITIONED_LINES).statements:
            conn.execute(stmt.sql)
        leaves = ("lines_2026", "lines_2027_a", "archive.lines_2025", "orders")
        if first:
            for leaf in leaves[:-1]:
                conn.execute(f"ALTER TABLE {leaf} ADD CONSTRAINT lines_order_id_fkey "
                             "FOREIGN KEY (order_id) REFERENCES orders NOT VALID")
                conn.execute(f"ALTER TABLE {leaf} VALIDATE CONSTRAINT lines_order_id_fkey")

        def scans() -> list:
            conn.execute("SELECT pg_stat_force_next_flush()")
            conn.execute("SELECT pg_stat_clear_snapshot()")
            return [conn.execute("SELECT seq_scan + coalesce(idx_scan, 0) FROM "
                                 "pg_stat_user_tables WHERE relid = %s::regclass",
                                 (leaf,)).fetchone()[0] for leaf in leaves]

        counted = scans()
        conn.execute("ALTER TABLE lines ADD FOREIGN KEY (order_id) REFERENCES orders")
        read = [b > a for a, b in zip(counted, scans(), strict=True)]
        assert read == [not first] * len(leaves)
        assert conn.execute("SELECT count(*) FROM pg_constraint WHERE contype = 'f' "
                            "AND convalidated").fetchone()[0] == 5


def test_a_foreign_key_that_takes_over_the_partitions_validated_keys_reads_nothing() -> None:
    """The effect model agrees with the server (above): the key added to a partitioned table
    whose leaf partitions have it validated reads neither a partition nor the referenced
    table."""
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    keys = "".join(f"ALTER TABLE {leaf} ADD CONSTRAINT lines_order_id_fkey FOREIGN KEY "
                   f"(order_id) REFERENCES orders NOT VALID;\nALTER TABLE {leaf} VALIDATE "
                   "CONSTRAINT lines_order_id_fkey;\n"
                   for leaf in ("lines_2026", "lines_2027_a", "archive.lines_2025"))
    reports = lint_migrations(
        [migration_from_text(PARTITIONED_LINES, "1_setup.sql"),
         migration_from_text(keys, "2_keys.sql"),
         migration_from_text("ALTER TABLE lines ADD FOREIGN KEY (order_id) REFERENCES orders;",
                             "3_key.sql")], LintOptions(pg_version=17))
    (statement,) = reports[-1].statements
    assert not statement.effect.scans, statement.effect.scans


@pytest.mark.postgres
@pytest.mark.parametrize("case", [11, 12])
def test_a_unique_index_built_in_the_new_collation_is_kept_by_the_type_change(
        case: int, pg_db: str) -> None:
    """column-type-change-reads-table's alternative for a key whose collation changes: the
    unique index built first CONCURRENTLY with the column in the new collation is the one
    the key ends with, its files untouched by the type change (no build under the lock;
    checked on 18.6)."""
    import psycopg

    rule = next(r for r in load_rules() if r.id == "column-type-change-reads-table")
    example = rule.examples[case]
    (instead,) = _by_statement(findings_for(example, rule)).values()
    migrations = _chunks(instead)
    assert "CONCURRENTLY" in migrations[0][0] and len(migrations) >= 2, instead
    files = "SELECT relname, relfilenode FROM pg_class WHERE relname LIKE 'accounts%' " \
            "AND relkind = 'i'"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for stmt in parse_sql(example.setup).statements:
            conn.execute(stmt.sql)
        for migration in migrations[:-1]:
            _run_migration(conn, migration)
        built = dict(conn.execute(files).fetchall())
        _run_migration(conn, migrations[-1])
        after = dict(conn.execute(files).fetchall())
    kept = {name.removesuffix("_new"): node for name, node in built.items()
            if name.endswith("_new")}
    assert kept and all(after[name] == node for name, node in kept.items()), (built, after)
