"""Shared fixtures. Tests that need PostgreSQL use the embedded server: one per test session."""

from __future__ import annotations

import functools
import itertools
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus_paths import ABSENT, CORPORA
from pg_dropper import DatabaseDropper, NewDatabase

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

_db_counter = itertools.count()

# `Catalog.callers` checks the answer of its index against a scan of every table (before
# lockwise is imported: the flag is read then; the CLI's subprocesses inherit it).
os.environ.setdefault("LOCKWISE_CHECK_CALLERS", "1")


@pytest.fixture(scope="session", autouse=True)
def _session_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The suite's own result cache: nothing read from or left in the user's ~/.cache."""
    folder = tmp_path_factory.mktemp("lockwise-cache")
    previous = os.environ.get("LOCKWISE_CACHE_DIR")
    os.environ["LOCKWISE_CACHE_DIR"] = str(folder)
    yield folder
    if previous is None:
        os.environ.pop("LOCKWISE_CACHE_DIR", None)
    else:
        os.environ["LOCKWISE_CACHE_DIR"] = previous


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URI of the session's embedded PostgreSQL (admin database)."""
    from lockwise.db.scratch import ScratchUnavailable, scratch_server

    try:
        with scratch_server() as uri:
            yield uri
    except ScratchUnavailable as exc:  # pragma: no cover - CI installs the extra
        pytest.fail(f"embedded PostgreSQL unavailable: {exc}")


@pytest.fixture(scope="session")
def pg_dropper(pg_server: str) -> Iterator[DatabaseDropper]:
    dropper = DatabaseDropper(pg_server)
    yield dropper
    dropper.close()
    if dropper.failures:
        warnings.warn("pg_db could not drop: " + "; ".join(dropper.failures), stacklevel=1)


@pytest.fixture
def pg_databases(pg_server: str) -> NewDatabase:
    """Makes brand-new databases on the session's server, by name (a database of that name
    dropped first), for one test: `new(name)` returns its URI. Dropped after the test, as
    every database a test makes (`_drop_the_tests_databases`)."""
    from lockwise.db.scratch import create_database

    return functools.partial(create_database, pg_server)


@pytest.fixture(autouse=True)
def _drop_the_tests_databases(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every database a test of the embedded server makes (`pg_db`, `pg_databases`, or its
    own `create_database`) is dropped after it, also when it failed: in the background
    (`DatabaseDropper`). A session used to leave ~1,200 of them, ~10 GB."""
    if "pg_server" not in request.fixturenames:
        yield
        return
    dropper: DatabaseDropper = request.getfixturevalue("pg_dropper")
    before = dropper.names()
    try:
        yield
    finally:
        for name in sorted(dropper.names() - before):
            dropper.take(name)


@pytest.fixture
def pg_db(pg_databases: NewDatabase) -> str:
    """URI of a brand-new empty database on the session's server, for one test."""
    return pg_databases(f"t{os.getpid()}_{next(_db_counter)}")


@pytest.fixture
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip(ABSENT)
    return CORPORA
