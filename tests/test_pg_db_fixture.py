"""The `pg_db` fixture drops each test's database once the test is done, also when it failed:
a session used to leave ~1,200 databases (~10 GB) on its server. The tests run in file order:
each later one checks that the databases of the earlier ones are gone."""

from __future__ import annotations

import psycopg
import pytest

from pg_dropper import DatabaseDropper

#: The names of the databases the tests above handed out.
_USED: list[str] = []


def _name(uri: str) -> str:
    with psycopg.connect(uri) as conn:
        return conn.execute("SELECT current_database()").fetchone()[0]


def _databases(pg_server: str) -> set[str]:
    with psycopg.connect(pg_server) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


def test_a_test_gets_a_database_of_its_own(pg_db: str) -> None:
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TABLE left_here (id int)")
        # a session still open when the test ends does not keep its database alive
        lingering = psycopg.connect(pg_db, autocommit=True)
        lingering.execute("SELECT 1")
    _USED.append(_name(pg_db))


@pytest.mark.xfail(raises=AssertionError, strict=True, reason="a test that fails")
def test_a_test_that_fails(pg_db: str) -> None:
    _USED.append(_name(pg_db))
    raise AssertionError("failed on purpose: its database is dropped all the same")


def test_the_databases_of_the_tests_before_are_dropped(
        pg_server: str, pg_dropper: DatabaseDropper, pg_db: str) -> None:
    assert len(_USED) == 2
    pg_dropper.wait()
    assert not set(_USED) & _databases(pg_server)
    assert not pg_dropper.failures
    # and this test's own database is new and empty: nothing of the first one's is in it
    with psycopg.connect(pg_db) as conn:
        assert conn.execute("SELECT count(*) FROM pg_class WHERE relname = 'left_here'"
                            ).fetchone()[0] == 0


def test_a_database_made_without_the_fixtures_is_dropped_too(pg_server: str) -> None:
    from lockwise.db.scratch import create_database

    create_database(pg_server, "made_by_the_test")
    _USED.append("made_by_the_test")


def test_and_so_is_it(pg_server: str, pg_dropper: DatabaseDropper) -> None:
    pg_dropper.wait()
    assert "made_by_the_test" not in _databases(pg_server)


def test_a_dropper_records_what_it_could_not_drop(pg_server: str) -> None:
    from lockwise.db.scratch import create_database, drop_database, with_database

    dropper = DatabaseDropper(pg_server)
    create_database(pg_server, "not_dropped")
    dropper.admin_uri = with_database(pg_server, "no_such_admin_database")
    dropper.take("not_dropped")
    dropper.wait()
    dropper.close()
    assert len(dropper.failures) == 1 and dropper.failures[0].startswith("lockwise_dropped_")
    drop_database(pg_server, dropper.failures[0].split(":")[0])
