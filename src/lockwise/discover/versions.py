"""Ordering of migration versions: numbers compare as numbers, everything else as text; and
which versions a layout's runner takes for one."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from pathlib import PurePath

    from lockwise.core.types import Migration

_PART = re.compile(r"\d+|[^\d._\-]+")


def version_key(version: str) -> tuple:
    """A sort key where `2` < `10`, `1.2` < `1.10` and `2019-02-26-1` < `2019-03-01-1`."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in
                 _PART.findall(version))


#: Layouts whose runner orders its migrations by file name as text, whatever their digits
#: say: dbmate's FindMigrations (pkg/dbmate/db.go) sorts by FileName with Go's `<`, byte by
#: byte (`10_b.sql` runs before `9_a.sql`).
TEXT_ORDER_LAYOUTS = frozenset({"dbmate"})


def text_key(text: str) -> tuple:
    """A sort key of version_key's shape that orders `text` as plain text, case kept: by code
    point, which is the order of UTF-8 bytes Go's string comparison gives."""
    return ((1, 0, text),)


def run_key(migration: Migration) -> tuple:
    """Where `migration` runs among its history's: its sort key, the order its layout's
    runner runs them in (dbmate's by file name as text)."""
    return migration.sort_key or version_key(migration.version)


def run_positions(migrations: Iterable[Migration]) -> dict[str, tuple]:
    """Each version of `migrations`, as their runner tells versions apart (version_identity),
    and where it runs: the run key of its last migration."""
    positions: dict[str, tuple] = {}
    for m in migrations:
        identity = version_identity(m.version, m.layout)
        positions[identity] = max(positions.get(identity, ()), run_key(m))
    return positions


def version_sort_key(version: str, layout: str,
                     positions: Mapping[str, tuple] | None = None) -> tuple:
    """Where a bare version (`--to`'s, a baseline's, a history row's, an applied list's) sorts
    among the run keys of `layout`'s migrations: where its migration runs, when `positions`
    (run_positions) has it (dbmate's 10 is 10_b.sql, which dbmate runs before 9_a.sql); a
    version no migration has, as text for the layouts whose runner orders names as text, else
    by version_key. Every comparison of a version with the migrations goes through here, so a
    cut (`apply --to`, a baseline, the newest applied version) falls where the runner's order
    puts it."""
    if positions:
        at = positions.get(version_identity(version, layout))
        if at is not None:
            return at
    return text_key(version) if layout in TEXT_ORDER_LAYOUTS else version_key(version)


#: Layouts whose runners parse the version as a number: golang-migrate and Hasura (uint64),
#: goose and sqlx
#: (int64), tern (int32) the prefix before `_`, postgrator (JavaScript's Number) the part
#: before the first dot, Flyway each dot-separated part (as BigInteger, trailing zero parts
#: dropped). To them `1` and `01` are one version, and file-name order does not matter.
#: dbmate, diesel, Atlas, Supabase and graphile-migrate keep the version as text (diesel
#: without its dashes: `version_identity`); prisma and sql-migrate know a migration by its
#: whole name.
#: sqitch has no versions: lockwise numbers its changes by their position in sqitch.plan,
#: zero-padded to the plan's length, so `0001` and `00001` (once the plan passed 9,999
#: changes) are one change.
NUMERIC_VERSION_LAYOUTS = frozenset({"golang-migrate", "goose", "flyway", "sqlx", "tern",
                                     "postgrator", "sqitch", "hasura"})


def _numeric_parts(version: str, layout: str) -> list[str] | None:
    """The numbers `layout`'s runner reads `version` as (Flyway's dot-separated parts), or
    None when it would not parse it, or keeps versions as text."""
    if layout not in NUMERIC_VERSION_LAYOUTS:
        return None
    parts = version.split(".") if layout == "flyway" else [version]
    return parts if all(p.isascii() and p.isdigit() for p in parts) else None


def runner_records(version: str, layout: str) -> bool:
    """Whether `layout`'s runner could have recorded `version` as applied: an integer (or
    Flyway's dotted integers) for those that parse one; any text for the others."""
    return layout not in NUMERIC_VERSION_LAYOUTS or _numeric_parts(version, layout) is not None


def version_identity(version: str, layout: str) -> str:
    """The version as `layout`'s runner tells versions apart: two migrations with the same
    identity are the same version to it (`01` is `1` to golang-migrate and goose, `1.01.0`
    is `1.1` to Flyway); a version it would not parse is its own text. diesel's is the text up
    to the first `_`, its `-` removed (migrations_internals' version_from_string):
    `2024-01-01-000000` is `20240101000000`."""
    if layout == "diesel":
        return version.split("_", 1)[0].replace("-", "")
    parts = _numeric_parts(version, layout)
    if parts is None:
        return version
    numbers = [int(p) for p in parts]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return ".".join(map(str, numbers))


def names_folder(version: str, folder: PurePath) -> bool:
    """Whether `version` is `folder`'s name, or its path below some folder (`a/v1.7`): the
    version of a folder per version (temporal's versioned/v1.7/*.sql), whose files are one
    migration in parts."""
    parts = version.split("/")
    return list(folder.parts[-len(parts):]) == parts


def version_folder_runs(migrations: list[Migration]) -> list[list[Migration]]:
    """`migrations` (in order) cut into runs: the files of one version folder together
    (temporal's versioned/v1.1/*.sql, its version the folder's name), any other migration
    alone."""
    runs: list[list[Migration]] = []
    for m in migrations:
        last = runs[-1][0] if runs else None
        if last is not None and last.path.parent == m.path.parent and \
                last.version == m.version and names_folder(m.version, m.path.parent):
            runs[-1].append(m)
        else:
            runs.append([m])
    return runs
