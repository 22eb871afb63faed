"""timestamp <-> timestamptz skips the rewrite (PostgreSQL 12+) when the session's TimeZone
has a fixed offset of zero (fix-small76). lockwise follows the TimeZone the migration sets
before the type change, and only while it is in force: a SET LOCAL ends with its transaction,
a ROLLBACK undoes a SET, RESET and SET TIME ZONE LOCAL / DEFAULT go back to the server's
default, which lockwise does not know (checked on 18.6 with a database whose TimeZone is
Europe/London)."""

from __future__ import annotations

import psycopg
import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import locks_and_files

SETUP = ("CREATE TABLE t (id bigint, ts timestamp, tz timestamptz);\n"
         "CREATE INDEX t_ts ON t (ts);\nCREATE INDEX t_tz ON t (tz);")
#: (statements run first, whether the table is rewritten afterwards)
BEFORE = [
    ((), True),
    (("SET TimeZone = 'UTC'",), False),
    (("SET TIME ZONE 'UTC'",), False),
    (("SET TIME ZONE 'Etc/UTC'",), False),
    (("SET TIME ZONE 'Europe/London'",), True),
    (("BEGIN", "SET LOCAL TimeZone = 'UTC'", "COMMIT"), True),
    (("BEGIN", "SET LOCAL TimeZone = 'UTC'", "ROLLBACK"), True),
    (("BEGIN", "SET TimeZone = 'UTC'", "ROLLBACK"), True),
    (("SET TimeZone = 'UTC'", "RESET TimeZone"), True),
    (("SET TimeZone = 'UTC'", "SET TIME ZONE LOCAL"), True),
    (("SET TimeZone = 'UTC'", "SET TIME ZONE DEFAULT"), True),
    (("SET TimeZone = 'UTC'", "RESET ALL"), True),
    # (fix-pg84) the zone's offset decides, not its name: every spelling of a fixed zero
    (("SET TIME ZONE '+00'",), False),
    (("SET TIME ZONE '-0'",), False),
    (("SET TIME ZONE 0.0",), False),
    (("SET TIME ZONE 'UTC0'",), False),
    (("SET TIME ZONE 'XXX+00:00'",), False),
    (("SET TIME ZONE '<+00>0'",), False),
    (("SET TIME ZONE INTERVAL '0'",), False),
    (("SET TIME ZONE INTERVAL '0 hours'",), False),
    (("SET TIME ZONE 'Etc/Universal'",), False),
    (("SET TIME ZONE 'Zulu'",), False),
    (("SET TIME ZONE 'GMT0'",), False),
    (("SET TIME ZONE 'GMT-0'",), False),
    (("SET TIME ZONE 'UCT'",), False),
    (("SET TIME ZONE 'Factory'",), False),
    # ... and not one that ever had another offset, or a daylight-saving part
    (("SET TIME ZONE 'Iceland'",), True),
    (("SET TIME ZONE 'WET'",), True),
    (("SET TIME ZONE 'UTC0DST'",), True),
    (("SET TIME ZONE 'UTC0:30'",), True),
    (("SET TIME ZONE '+1'",), True),
    (("SET TIME ZONE INTERVAL '1 hour'",), True),
]
CHANGES = ["ALTER TABLE t ALTER COLUMN ts TYPE timestamptz",
           "ALTER TABLE t ALTER COLUMN tz TYPE timestamp"]


def _rewrite_findings(sql: str) -> list:
    migrations = [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    reports = lint_migrations(migrations, LintOptions(assume_in_transaction=False),
                              Catalog())
    return [f for f in reports[-1].all_findings if f.rule == "column-type-change-rewrites"]


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize(("before", "rewrites"), BEFORE)
def test_the_rewrite_follows_the_time_zone_in_force(before: tuple[str, ...], rewrites: bool,
                                                    change: str) -> None:
    found = _rewrite_findings("".join(f"{sql};\n" for sql in (*before, change)))
    assert bool(found) is rewrites
    # where it is reported, the message says how to skip it
    assert all("TimeZone is UTC" in f.message for f in found)


@pytest.mark.postgres
@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize(("before", "rewrites"), BEFORE)
def test_the_server_rewrites_unless_utc_is_in_force(pg_db: str, before: tuple[str, ...],
                                                    rewrites: bool, change: str) -> None:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        # (the embedded server's own default is UTC: a database default that is not)
        conn.execute(f"ALTER DATABASE {conn.info.dbname} SET TimeZone = 'Europe/London'")
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + "\nINSERT INTO t SELECT g, now(), now() "
                             "FROM generate_series(1, 100) g;")
        for sql in before:
            conn.execute(sql)
        modes, rewritten = locks_and_files(conn, change, "t", ("t",))
        assert "AccessExclusiveLock" in modes
        assert rewritten is rewrites
