"""Helpers for the verify tests: migration directories written on the fly, and a runner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lockwise.core.types import Migration
from lockwise.discover import discover
from lockwise.verify.run import VerifyOptions, VerifyResult, verify_migrations


@pytest.fixture
def pg_conn(pg_db: str) -> Iterator[object]:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        yield conn


@pytest.fixture
def run_verify(pg_db: str, pg_conn) -> Callable[..., VerifyResult]:
    """Verify a list of migrations (or a directory) on the test's fresh database."""

    def run(source: Path | list[Migration], **options: object) -> VerifyResult:
        migrations = discover(source) if isinstance(source, Path) else source
        return verify_migrations(migrations, pg_conn, pg_db, VerifyOptions(**options),
                                 server="test")

    return run
