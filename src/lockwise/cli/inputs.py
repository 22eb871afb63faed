"""Turning command-line paths and stdin into the migrations to lint."""

from __future__ import annotations

import sys
from pathlib import Path

from lockwise.core.types import Migration
from lockwise.discover import discover, file_key, migration_from_text
from lockwise.parse.source import InputError, decode_sql


def read_stdin(filename: str) -> list[Migration]:
    data = sys.stdin.buffer.read()
    return [migration_from_text(decode_sql(data, Path(filename)), filename)]


def collect(paths: list[Path], layout: str | None) -> tuple[list[Migration], set[str] | None]:
    """Migrations to replay, in order, and which of them to report (None: all).

    A file named on its own (as pre-commit passes them) is linted with the rest of its
    directory replayed first, so the catalog knows the tables it touches.
    """
    migrations: list[Migration] = []
    only: set[str] | None = None
    seen: set[str] = set()
    for path in paths:
        if path.is_file():
            parent_migrations = _directory_context(path, layout)
            target = file_key(path)
            match = [m for m in parent_migrations if file_key(m.path) == target or
                     (m.down_path is not None and file_key(m.down_path) == target)]
            if match:
                only = set() if only is None else only
                only.update(m.id for m in match)
                for m in parent_migrations:
                    if file_key(m.path) not in seen:
                        seen.add(file_key(m.path))
                        migrations.append(m)
                continue
        found = discover(path, layout)
        only = _all_of(found, only)
        for m in found:
            if file_key(m.path) not in seen:
                seen.add(file_key(m.path))
                migrations.append(m)
    return migrations, only


def _all_of(found: list[Migration], only: set[str] | None) -> set[str] | None:
    if only is None:
        return None
    return only | {m.id for m in found}


def _directory_context(path: Path, layout: str | None) -> list[Migration]:
    """The migrations of the directory a file belongs to (its parent, or grandparent for
    one-directory-per-migration layouts); empty when that cannot be read."""
    # sqitch keeps its plan beside deploy/: a deploy script's context is the folder above.
    for candidate in (path.parent.parent, path.parent) if path.name in (
            "up.sql", "down.sql", "migration.sql") or path.parent.name == "deploy" \
            else (path.parent,):
        try:
            found = discover(candidate, layout)
        except InputError:
            continue
        if any(file_key(m.path) == file_key(path) for m in found):
            return found
    return []
