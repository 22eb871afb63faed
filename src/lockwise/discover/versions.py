"""Ordering of migration versions: numbers compare as numbers, everything else as text; and
which versions a layout's runner takes for one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lockwise.core.lazy_re import lazy_compile

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence
    from pathlib import PurePath

    from lockwise.core.types import Migration

_PART = lazy_compile(r"\d+|[^\d._\-]+")


def version_key(version: str) -> tuple:
    """A sort key where `2` < `10`, `1.2` < `1.10` and `2019-02-26-1` < `2019-03-01-1`."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in
                 _PART.findall(version))


#: Layouts whose runner orders its migrations as text, whatever their digits say: dbmate's
#: FindMigrations (pkg/dbmate/db.go) sorts by FileName with Go's `<`, byte by byte (`10_b.sql`
#: runs before `9_a.sql`); diesel's pending_migrations (diesel_migrations
#: src/migration_harness.rs) sorts by version (`version_identity`), a MigrationVersion whose
#: Ord is its text's (diesel src/migration/mod.rs, derived on a Cow<str>): `10` before `9`.
#: pop and popx (Ory's) sort by Version, a string, with Go's `<` (popx Migrations.Less).
#: Prisma's list_migrations (schema-engine, migrations_directory.rs) sorts its folders by
#: name, a str's byte order: `20230912150657_a` before `202310122339_b`.
TEXT_ORDER_LAYOUTS = frozenset({"dbmate", "diesel", "pop", "prisma"})


def text_key(text: str) -> tuple:
    """A sort key of version_key's shape that orders `text` as plain text, case kept: by code
    point, which is the order of UTF-8 bytes Go's string comparison gives."""
    return ((1, 0, text),)


def run_key(migration: Migration) -> tuple:
    """Where `migration` runs among its history's: its sort key, the order its layout's
    runner runs them in (dbmate's by file name as text, diesel's by version as text)."""
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
    return text_key(version_identity(version, layout)) if layout in TEXT_ORDER_LAYOUTS \
        else version_key(version)


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


def diesel_version(folder: str) -> tuple[str, str]:
    """(version, name) of a diesel migration's folder: the version as written, its name up to
    the first `_` (`-` kept: `version_identity` drops it, as diesel's version_from_string,
    migrations_internals src/lib.rs, does), and the rest. A name without `_` is all version
    (`20240101-add-users`)."""
    version, _, name = folder.partition("_")
    return version, name


def version_identity(version: str, layout: str) -> str:
    """The version as `layout`'s runner tells versions apart: two migrations with the same
    identity are the same version to it (`01` is `1` to golang-migrate and goose, `1.01.0`
    is `1.1` to Flyway); a version it would not parse is its own text. diesel's is the text up
    to the first `_`, its `-` removed (migrations_internals' version_from_string):
    `2024-01-01-000000` is `20240101000000`."""
    if layout == "diesel":
        return diesel_version(version)[0].replace("-", "")
    parts = _numeric_parts(version, layout)
    if parts is None:
        return version
    numbers = [int(p) for p in parts]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return ".".join(map(str, numbers))


#: Layouts whose runner, of the migrations that share a version, runs one and leaves nothing of
#: the others applied: where the one it runs stands among them, in run order (name order).
#: diesel's pending_migrations (diesel_migrations src/migration_harness.rs) keeps the last of
#: a version in its map, and embed_migrations! (migrations_macros src/embed_migrations.rs)
#: sorts the folders by path: the last by name runs, the others never (`diesel migration run`
#: takes read_dir's order instead, which is not fixed). dbmate (pkg/dbmate/db.go, Migrate) and
#: the Supabase CLI (pkg/migration/apply.go) run the first by name and record its version, the
#: others failing on it with their statements rolled back; Atlas (sql/migrate/migrate.go,
#: Executor) runs the first and never the others. The tools that refuse the folder run none.
ONE_OF_A_VERSION_RUNS = {"diesel": -1, "dbmate": 0, "supabase": 0, "atlas": 0}


def history_starts(histories: Sequence[Sequence[Migration]]) -> frozenset[int]:
    """The id() of each history's first migration after the first history's, for
    `lint_migrations(new_databases=...)` and `never_run`. Each directory named on the command
    line is a history of its own, applied to a database of its own (as `lockwise apply DIR`
    does, and as the conflict graph sees them): one directory's tables are not another's."""
    return frozenset(id(h[0]) for h in histories[1:] if h)


def never_run(migrations: Iterable[Migration], history_starts: Collection[int] = ()
              ) -> dict[int, Migration]:
    """id() of each of `migrations` (in run order; a history of its own from each migration
    whose id() is in `history_starts`) that its runner never applies, as it runs another of
    its version (ONE_OF_A_VERSION_RUNS), mapped to that other one. A dbmate migration marked
    transaction:false is applied though: its statements run and stay, only its version's
    insert fails. The one decision lint's replay, the graph's and verify's runs take."""
    groups: dict[tuple[int, str], list[Migration]] = {}
    history = 0
    for m in migrations:
        history += id(m) in history_starts
        if m.layout in ONE_OF_A_VERSION_RUNS and not m.repeatable:
            groups.setdefault((history, version_identity(m.version, m.layout)), []).append(m)
    out = {}
    for group in groups.values():
        if len(group) > 1:
            runs = group[ONE_OF_A_VERSION_RUNS[group[0].layout]]
            out.update((id(m), runs) for m in group if m is not runs and not (
                m.layout == "dbmate" and m.no_transaction))
    return out


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
