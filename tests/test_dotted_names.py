"""Names that need quotes are shown quoted in messages, lock lines and reports: an index or a
constraint's (Prisma's `"Booking.uid_unique"`: bare, it reads as a schema, a table and a
column), and a table's, schema's or column's (`public."Booking"`, `public."user"`, `"My
App"."order"`: bare, another object, or not SQL at all). Lower-case names that are not
reserved stay bare. (Their alternatives, which quote them too, run on the server:
tests/test_alternatives_run.py.)"""

from __future__ import annotations

import io
import json

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from lockwise.report.json_report import render_json
from lockwise.report.markdown import render_markdown
from lockwise.report.text import render_text

SETUP = """CREATE TABLE "User" (id bigint PRIMARY KEY);
CREATE TABLE "Booking" (id bigint PRIMARY KEY, uid text, "userId" bigint);
CREATE UNIQUE INDEX "Booking.uid_unique" ON "Booking" (uid);
ALTER TABLE "Booking" ADD CONSTRAINT "Booking.id_positive" CHECK (id > 0);
CREATE TABLE "Event" (id bigint, day date) PARTITION BY RANGE (day);
CREATE TABLE "Event_2020" PARTITION OF "Event" FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE INDEX "Event.day_idx" ON "Event" (day);
CREATE TABLE "user" (id bigint PRIMARY KEY);
CREATE SCHEMA "My App";
CREATE TABLE "My App"."order" (id bigint, "Total" int);
CREATE TABLE accounts (id bigint PRIMARY KEY, name text);
CREATE TABLE "Counter" ("Id" serial);
CREATE DOMAIN "Money" AS int;
CREATE TABLE "Wallet" (v "Money");
CREATE TABLE "Seat" (id bigint, "bookingId" bigint REFERENCES "Booking");
CREATE SEQUENCE "Ticket_seq";
CREATE FUNCTION "Touch"() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END $$;
CREATE TRIGGER "Audit" BEFORE INSERT ON "Booking" FOR EACH ROW EXECUTE FUNCTION "Touch"();
CREATE TYPE "Mood" AS ENUM ('happy');
CREATE SEQUENCE plain_seq;
"""


def lint(sql: str):
    migrations = [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(sql + "\n", "0002_change.sql")]
    return lint_migrations(migrations, LintOptions(pg_version=18), Catalog())


def message(sql: str, rule: str) -> str:
    (statement,) = lint(sql)[-1].statements
    (finding,) = [f for f in statement.findings if f.rule == rule]
    return finding.message


@pytest.mark.parametrize(("sql", "rule", "shown"), [
    ('ALTER TABLE "Booking" ADD CONSTRAINT "Booking.userId_fkey" FOREIGN KEY ("userId") '
     'REFERENCES "User" (id);', "add-foreign-key-validated",
     'Adding foreign key "Booking.userId_fkey" on'),
    ('ALTER TABLE "Booking" ADD CONSTRAINT "Booking.id_check" CHECK (id > 0);',
     "add-check-validated", 'Adding CHECK "Booking.id_check" to'),
    ('ALTER TABLE "Booking" ADD CONSTRAINT "Booking.uid_key" UNIQUE (uid);',
     "add-unique-constraint", '"Booking.uid_key" builds its index'),
    ('DROP INDEX "Booking.uid_unique";', "drop-index-without-concurrently",
     'DROP INDEX public."Booking.uid_unique" takes'),
    ('ALTER INDEX "Booking.uid_unique" SET TABLESPACE pg_default;', "missing-lock-timeout",
     'ACCESS EXCLUSIVE on index public."Booking.uid_unique" of public."Booking"'),
    ('ALTER INDEX "Booking.uid_unique" RENAME TO booking_uid_key;',
     "rename-index-or-constraint", 'Renaming index public."Booking.uid_unique" to'),
    ('ALTER TABLE "Booking" RENAME CONSTRAINT "Booking.id_positive" TO booking_id_positive;',
     "rename-index-or-constraint", 'Renaming constraint "Booking.id_positive" on'),
])
def test_a_message_quotes_a_dotted_index_or_constraint_name(sql: str, rule: str,
                                                             shown: str) -> None:
    assert shown in message(sql, rule)


def test_a_lock_line_quotes_a_dotted_index_name() -> None:
    out = io.StringIO()
    render_text(lint('REINDEX INDEX "Event.day_idx";')[-1:], out, color=False)
    assert 'index public."Event.day_idx" while its partitions are listed' in out.getvalue()


def findings(sql: str, rule: str) -> list[str]:
    """The messages of `rule`'s findings on the migration `sql`, its statements' and its own."""
    (report,) = lint(sql)[-1:]
    every = [*report.findings, *(f for s in report.statements for f in s.findings)]
    return [f.message for f in every if f.rule == rule]


@pytest.mark.parametrize(("sql", "rule", "shown"), [
    ('ALTER TABLE "Booking" ALTER COLUMN "userId" SET NOT NULL;', "set-not-null",
     'SET NOT NULL on public."Booking"."userId" reads every row while holding ACCESS EXCLUSIVE:'
     ' all queries on public."Booking" wait.'),
    ('CREATE INDEX booking_uid ON "Booking" (uid);', "index-without-concurrently",
     'CREATE INDEX on public."Booking" takes a SHARE lock'),
    ('ALTER TABLE "Booking" ADD COLUMN "Status" text;', "missing-lock-timeout",
     'waits for ACCESS EXCLUSIVE on public."Booking" with no lock_timeout'),
    ('ALTER TABLE "My App"."order" ALTER COLUMN id TYPE int;', "column-type-change-rewrites",
     'rewrites "My App"."order" and its indexes'),
    ('ALTER TABLE "My App"."order" ALTER COLUMN id TYPE int;', "missing-statement-timeout",
     'rewrites "My App"."order" while holding ACCESS EXCLUSIVE on "My App"."order", with no'),
    ('ALTER TABLE "Booking" RENAME COLUMN uid TO "Uid";', "rename-column",
     'Renaming public."Booking".uid to "Uid" breaks'),
    ('ALTER TABLE "user" RENAME TO "order";', "rename-table",
     'Renaming public."user" to "order" breaks'),
    ('LOCK TABLE "user";', "lock-table", 'LOCK TABLE public."user" IN ACCESS EXCLUSIVE MODE'),
    ('ALTER TABLE "Booking" ADD CONSTRAINT booking_user FOREIGN KEY ("userId") '
     'REFERENCES "User" (id) NOT VALID;', "fk-without-index",
     'referencing columns: public."Booking"("userId") -> public."User".'),
    # prose the effect model builds from names
    ('ALTER TABLE "Booking" ADD CONSTRAINT booking_user FOREIGN KEY ("userId") '
     'REFERENCES "User" (id);', "add-foreign-key-validated",
     'SHARE ROW EXCLUSIVE on public."Booking" and public."User": writes wait'),
    ('TRUNCATE "user";', "truncate-table", 'TRUNCATE "user" deletes every row'),
    ('TRUNCATE "Booking" CASCADE;', "truncate-cascade",
     'foreign key to it (public."Seat"), under'),
    ('VACUUM FULL "Booking";', "vacuum-full", 'VACUUM FULL rewrites public."Booking" while'),
    ('BEGIN;\nALTER TABLE "Booking" ADD COLUMN n int;\nUPDATE "Booking" SET n = 1;\nCOMMIT;',
     "mixed-ddl-and-dml", 'data changes on public."Booking":'),
    ('UPDATE "Booking" SET uid = \'x\' WHERE "userId" = 1;', "where-without-index",
     'what its WHERE reads of it ("userId")'),
    ('CREATE INDEX event_id ON "Event" (id);', "index-on-partitioned-table",
     'each of its partitions (public."Event_2020")'),
    ('ALTER SEQUENCE "Counter_Id_seq" RENAME TO counter_seq;', "rename-owned-sequence",
     'the default of public."Counter"."Id" refers to it'),
    ('ALTER DOMAIN "Money" ADD CONSTRAINT money_positive CHECK (VALUE > 0);',
     "alter-domain-add-constraint",
     'ALTER DOMAIN public."Money" checks every value of every column that uses it (known: '
     'public."Wallet")'),
    # the object a name is taken by, or that is not there
    ('CREATE TABLE "Booking" (id int);', "object-already-exists",
     'table public."Booking" exists already'),
    ('ALTER TABLE "Booking" ADD COLUMN "userId" int;', "object-already-exists",
     'column public."Booking"."userId" exists already'),
    ('CREATE SCHEMA "My App";', "object-already-exists", 'schema "My App" exists already'),
    ('CREATE INDEX "Booking.uid_unique" ON "Booking" (id);', "object-already-exists",
     'index public."Booking.uid_unique" exists already'),
    ('CREATE DOMAIN "Money" AS bigint;', "object-already-exists",
     'domain public."Money" exists already'),
    ('ALTER TABLE "Booking" RENAME COLUMN uid TO "userId";', "rename-onto-taken-name",
     'column public."Booking"."userId" exists already'),
    ('ALTER TABLE "Booking" DROP COLUMN "Nope";', "object-missing",
     'column public."Booking"."Nope" is not there (table public."Booking", created in '
     '0001_setup, has no column "Nope" as'),
    ('ALTER TABLE "Booking" DROP CONSTRAINT "Nope";', "object-missing",
     'constraint public."Booking"."Nope" is not there'),
    ('DROP SEQUENCE "Ticket_seq";', "drop-object",
     'drops sequence public."Ticket_seq" without creating it again'),
    # the object a rename, a domain or a routine names (`name_sql`; `name` is prose in some
    # actions), and the prose a rename of a constraint or trigger builds
    ('ALTER TYPE "Mood" RENAME TO mood;', "rename-object",
     'Renaming type "Mood" to mood breaks'),
    ('ALTER SCHEMA "My App" RENAME TO my_app;', "rename-object",
     'Renaming schema "My App" to my_app breaks'),
    ('ALTER SEQUENCE "Ticket_seq" RENAME TO ticket_seq;', "rename-object",
     'Renaming sequence public."Ticket_seq" to ticket_seq breaks'),
    ('ALTER FUNCTION "Touch"() RENAME TO touch;', "rename-object",
     'Renaming function "Touch" to touch breaks'),
    ('ALTER SEQUENCE "Counter_Id_seq" RENAME TO counter_seq;', "rename-owned-sequence",
     'Renaming sequence public."Counter_Id_seq" to counter_seq:'),
    # inside the string constant, as setval reads it (checked on 18.6:
    # test_setval_reads_a_mixed_case_sequence_quoted_inside_the_constant)
    ('ALTER SEQUENCE "Counter_Id_seq" RENAME TO counter_seq;', "rename-owned-sequence",
     """setval('public."Counter_Id_seq"')"""),
    ('ALTER TABLE "Booking" RENAME CONSTRAINT "Booking.id_positive" TO booking_id_positive;',
     "rename-index-or-constraint",
     'Renaming constraint "Booking.id_positive" on public."Booking" to booking_id_positive:'),
    ('ALTER TRIGGER "Audit" ON "Booking" RENAME TO audit;', "rename-index-or-constraint",
     'Renaming trigger "Audit" on public."Booking" to audit:'),
    ('CREATE DOMAIN "Positive" AS int CHECK (VALUE > 0);', "create-domain-with-constraint",
     'Domain public."Positive" has a CHECK constraint'),
    ('CREATE FUNCTION "AddCols"() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n'
     '  ALTER TABLE accounts ADD COLUMN audited_at timestamptz;\n  PERFORM "AddCols"();\n'
     'END $$;', "routine-calls-itself-always", 'public."AddCols" calls itself on every run'),
    # what PostgreSQL reads back unchanged stays bare: the common output does not change
    ('ALTER SEQUENCE plain_seq RENAME TO plainer_seq;', "rename-object",
     'Renaming sequence public.plain_seq to plainer_seq breaks'),
    ('CREATE INDEX accounts_name ON accounts (name);', "index-without-concurrently",
     'CREATE INDEX on public.accounts takes a SHARE lock'),
    ('ALTER TABLE accounts ADD COLUMN note text;', "missing-lock-timeout",
     'waits for ACCESS EXCLUSIVE on public.accounts with no lock_timeout'),
])
def test_a_message_quotes_a_relation_or_column_name_that_needs_it(sql: str, rule: str,
                                                                 shown: str) -> None:
    assert any(shown in text for text in findings(sql, rule)), findings(sql, rule)


CHANGE = """ALTER TABLE "Booking" ALTER COLUMN "userId" SET NOT NULL;
ALTER TABLE "My App"."order" ALTER COLUMN id TYPE int;"""


def test_lock_rewrite_and_scan_lines_quote_relation_names() -> None:
    out = io.StringIO()
    render_text(lint(CHANGE + '\nALTER DOMAIN "Money" ADD CHECK (VALUE > 0);')[-1:], out,
                color=False)
    text = out.getvalue()
    assert 'scans: public."Wallet" (ALTER DOMAIN public."Money" checks every value' in text
    assert 'lock: ACCESS EXCLUSIVE on public."Booking", blocks reads' in text
    assert 'scans: public."Booking" (SET NOT NULL checks every row)' in text
    assert 'lock: ACCESS EXCLUSIVE on "My App"."order", blocks reads' in text
    assert 'rewrites: "My App"."order"' in text


def test_markdown_lock_lines_quote_relation_names() -> None:
    from lockwise.core.types import Safety

    text = render_markdown(lint(CHANGE)[-1:], fail_on=Safety.REQUIRES_DOWNTIME)
    assert '`ACCESS EXCLUSIVE` on `public."Booking"`' in text
    assert '- rewrites `"My App"."order"`' in text
    assert '- scans `public."Booking"` (SET NOT NULL checks every row)' in text


def test_a_safe_statement_s_reason_quotes_the_table_it_locks() -> None:
    (report,) = lint('SET lock_timeout = 1000;\nALTER TABLE "Booking" ADD COLUMN note text;')[-1:]
    assert report.statements[-1].reason.startswith(
        'takes ACCESS EXCLUSIVE on public."Booking" briefly')


def test_json_relation_keys_stay_as_the_facts_hold_them() -> None:
    """The JSON report's `locks`, `blocks`, `rewrites` and `scans` are keyed by the relation
    as `schema.name`, unquoted (docs/json-report.md): machine-readable, and stable."""
    document = json.loads(render_json(lint(CHANGE)[-1:], options=LintOptions(pg_version=18)))
    first, second = document["migrations"][0]["statements"]
    assert first["locks"] == {"public.Booking": "AccessExclusiveLock"}
    assert list(first["scans"]) == ["public.Booking"]
    assert second["rewrites"] == ["My App.order"]
    assert 'on public."Booking"' in first["findings"][0]["message"]


def test_setval_reads_a_mixed_case_sequence_quoted_inside_the_constant(pg_db: str) -> None:
    """What rename-owned-sequence writes for the old name, `setval('public."Seq"', ...)`,
    names the sequence; bare inside the constant it names another, lower-cased (checked on
    18.6)."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute('CREATE TABLE "Counter" ("Id" serial)')
        text = message('ALTER SEQUENCE "Counter_Id_seq" RENAME TO counter_seq;',
                       "rename-owned-sequence")
        written = text.split("setval(", 1)[1].split(")", 1)[0]
        assert conn.execute(f"SELECT setval({written}, 7)").fetchone() == (7,)
        with pytest.raises(psycopg.errors.UndefinedTable):
            conn.execute("SELECT setval('public.Counter_Id_seq', 7)")
