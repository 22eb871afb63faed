"""Shared fixtures. Tests that need PostgreSQL use the embedded server: one per test session."""

from __future__ import annotations

import itertools
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from corpus_paths import ABSENT, CORPORA
from pg_dropper import DatabaseDropper

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
def pg_db(pg_server: str, pg_dropper: DatabaseDropper) -> Iterator[str]:
    """URI of a brand-new empty database on the session's server, for one test; dropped
    after it, also when it failed (in the background: `DatabaseDropper`)."""
    from lockwise.db.scratch import create_database

    name = f"t{os.getpid()}_{next(_db_counter)}"
    uri = create_database(pg_server, name)
    try:
        yield uri
    finally:
        pg_dropper.drop(name)


@pytest.fixture
def corpora() -> Path:
    if not CORPORA.is_dir():
        pytest.skip(ABSENT)
    return CORPORA
