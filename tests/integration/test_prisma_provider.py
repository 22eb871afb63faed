"""Prisma's `migrations/migration_lock.toml` names the database the migrations are written for
(`provider = "mysql"`): a history read with another dialect gets a note saying how to lint it
as its own (fix-layouts19); before, a MySQL project's migrations were read as PostgreSQL
without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover_histories
from tree_helpers import write


@pytest.mark.parametrize(("provider", "dialect", "said"), [
    ("mysql", "postgresql", "--dialect mysql"),
    ("sqlite", "postgresql", "SQLite"),
    ("postgresql", "postgresql", None),
    ("mysql", "mysql", None),
])
def test_the_lock_file_s_provider_is_noted_when_it_is_not_the_dialect(
        tmp_path: Path, provider: str, dialect: str, said: str | None) -> None:
    root = tmp_path / "prisma" / "migrations"
    write(root, {"migration_lock.toml": f'provider = "{provider}"\n',
                 "20240101000000_init/migration.sql": "CREATE TABLE t (a int);\n"})
    notes: list[str] = []
    histories = discover_histories(root, notes=notes, dialect=dialect)
    assert [len(migrations) for _, migrations in histories] == [1]
    found = [note for note in notes if "migration_lock.toml" in note]
    if said is None:
        assert not found, notes
    else:
        assert len(found) == 1 and said in found[0], notes
