"""Index and constraint names that need quotes (Prisma's `"Booking.uid_unique"`) are shown
quoted in messages and lock lines: bare, `Booking.uid_unique` reads as a schema, a table and a
column. (Their alternatives, which quote them too, run on the server:
tests/test_alternatives_run.py.)"""

from __future__ import annotations

import io

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from lockwise.report.text import render_text

SETUP = """CREATE TABLE "User" (id bigint PRIMARY KEY);
CREATE TABLE "Booking" (id bigint PRIMARY KEY, uid text, "userId" bigint);
CREATE UNIQUE INDEX "Booking.uid_unique" ON "Booking" (uid);
ALTER TABLE "Booking" ADD CONSTRAINT "Booking.id_positive" CHECK (id > 0);
CREATE TABLE "Event" (id bigint, day date) PARTITION BY RANGE (day);
CREATE TABLE "Event_2020" PARTITION OF "Event" FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');
CREATE INDEX "Event.day_idx" ON "Event" (day);
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
     'ACCESS EXCLUSIVE on index public."Booking.uid_unique" of public.Booking'),
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
