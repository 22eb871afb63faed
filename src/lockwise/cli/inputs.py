"""Turning command-line paths and stdin into the migrations to lint."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from lockwise.core.types import Migration
from lockwise.discover import (
    LAYOUTS,
    discover,
    discover_histories,
    file_key,
    migration_from_text,
    not_a_migration,
    versions_folder,
)
from lockwise.discover.dialects import named_path_note
from lockwise.parse.source import InputError, decode_sql, path_error, read_limited


def read_stdin(filename: str, layout: str | None = None) -> list[Migration]:
    """The migration piped on stdin; `layout` (--layout): the tool that runs it, which
    decides what runs in a transaction (golang-migrate sends it as one string, diesel wraps
    it in one); without it, it runs as written (psql -f)."""
    if layout is not None and layout not in LAYOUTS:
        raise InputError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    if sys.stdin is None:  # closed by the shell (`<&-`)
        raise path_error("standard input is closed: nothing to read", Path(filename))
    data = read_limited(sys.stdin.buffer, Path(filename))
    migration = migration_from_text(decode_sql(data, Path(filename)), filename)
    return [migration if layout is None else replace(migration, layout=layout)]


class Collected:
    """What the command-line paths name. (Not a dataclass: one is made per run and read in
    place, and making a dataclass costs every lint about 1 M instructions.)"""

    __slots__ = ("directories", "histories", "migrations", "notes", "only", "warnings")

    def __init__(self) -> None:
        #: Every migration to replay, in order.
        self.migrations: list[Migration] = []
        #: Paths of the migrations to report (None: all): paths, since the directories of two
        #: files named may hold the same id.
        self.only: set[str] | None = None
        #: The migrations again, one list per path given: each directory is its own sequence
        #: of versions (`lockwise lint A B` does not interleave A's and B's versions).
        self.histories: list[list[Migration]] = []
        #: For each history, the path discovered for it: the directory named, or the
        #: directory of a file named on its own (where `--base` reads the same migrations
        #: from git).
        self.directories: list[Path] = []
        #: What discovery left out, and why (printed as notes: a file skipped in silence
        #: would look linted).
        self.notes: list[str] = []
        #: What could not be read around a file named, which is linted all the same (printed
        #: as warnings).
        self.warnings: list[str] = []


def collect(paths: list[Path], layout: str | None, dialect: str = "postgresql",
            chosen: bool = False, done: str = "linted") -> Collected:
    """Migrations to replay, in order, and which of them to report.

    A file named on its own (as pre-commit passes them) is linted with the rest of its
    directory replayed first, so the catalog knows the tables it touches. Below a folder
    named, the histories in folders named for another database than `dialect` are left out
    (noted); a path named is read with `dialect`, and noted when its own folders name another
    database and the dialect was not `chosen` (it is the default). `done`: what the command
    does to the migrations, for the warning that a file is so treated alone ("verified").
    """
    from lockwise.discover.pop import dialect_in_force

    out = Collected()
    try:
        with dialect_in_force(dialect):  # a pop folder of a file named is read for it too
            _collect(out, paths, layout, dialect, chosen, done)
    finally:  # an input error ends the run: what was left out before it is said first
        print_notes(out.notes)
        print_notes(out.warnings, "warning")
    return out


def print_notes(notes: list[str], kind: str = "note") -> None:
    """Discovery's notes (or warnings), on stderr (whatever the report's format), each once."""
    from lockwise.discover.manifest import Warned

    for note in dict.fromkeys(notes):
        # A note discovery marked as a warning (it had to guess) says so.
        print(f"lockwise: {'warning' if isinstance(note, Warned) else kind}: {note}",
              file=sys.stderr)


def _collect(out: Collected, paths: list[Path], layout: str | None, dialect: str,
             chosen: bool, done: str) -> None:
    seen: set[tuple[str, str, tuple]] = set()

    def take(found: list[Migration], directory: Path) -> None:
        history = []
        for m in found:
            # A file holds several migrations in a Liquibase changelog, one a changeset (two
            # may share an id: a conflict to report, so their places tell them apart).
            key = (file_key(m.path), m.id, m.sort_key)
            if key not in seen:
                seen.add(key)
                history.append(m)
        out.migrations += history
        if history:
            out.histories.append(history)
            out.directories.append(directory)

    read: dict[Path, list[Migration] | InputError] = {}  # each directory discovered once
    # What each path asks to report, whatever the order of the paths: a directory all of its
    # migrations, a file its own. Without a file named, everything replayed is reported.
    reported: set[str] = set()
    file_named = False
    for path in paths:
        note = None if chosen else named_path_note(path, dialect)
        if note is not None:
            out.notes.append(note)
        if path.is_file():
            # pre-commit passes every .sql file its pattern matches; --layout says the file
            # is a migration whatever its name.
            why = not_a_migration(path) if layout is None else None
            if why is not None:
                out.notes.append(f"{path}: not linted: {why} (--layout plain lints it)")
                continue
            directory, parent_migrations, match = _directory_context(path, layout, read)
            if match:
                file_named = True
                reported.update(str(m.path) for m in match)
                take(parent_migrations, directory)
                continue
            refused = read.get(directory)
            # Linted alone (below), and said so; unless the file itself is what could not be
            # read: its own input error says it.
            if isinstance(refused, InputError) and not _same_file(refused.path, path):
                # The neighbour's error as its own would read: file:line:column.
                where = refused if refused.path is not None else f"{directory}: {refused}"
                out.warnings.append(f"{path} is {done} alone, without the migrations of "
                                    f"{directory} before it: {where}")
        for root, found in discover_histories(path, layout, out.notes, dialect):
            reported.update(str(m.path) for m in found)
            take(found, root)
    out.only = reported if file_named else None


def _same_file(a: Path | str | None, b: Path) -> bool:
    try:
        return a is not None and Path(a).resolve() == b.resolve()
    except OSError:
        return False


def one_history(path: Path, layout: str | None) -> list[Migration]:
    """The migrations of `path` for the commands that take one history (`graph`, `apply`),
    which read PostgreSQL: a folder holding several migration directories is an input error
    that names them (not those left out for another database's folder, as lint leaves them
    out)."""
    notes: list[str] = []
    named = named_path_note(path, "postgresql")
    try:
        histories = discover_histories(path, layout, notes, "postgresql")
    finally:
        print_notes(([named] if named is not None else []) + notes)
    require_one(path, [root for root, _ in histories])
    return histories[0][1]


def require_one(path: Path, directories: list[Path]) -> None:
    """An input error when `path` turned out to hold several histories (`directories`)."""
    if len(directories) > 1:
        shown = ", ".join(str(d) for d in directories[:4])
        more = f" and {len(directories) - 4} more" if len(directories) > 4 else ""
        raise path_error(f"holds {len(directories)} separate migration directories ({shown}"
                         f"{more}), each a database's history of its own: name one of them, "
                         f"or give --layout to read the folder as one", path)


def _graphile_part(path: Path) -> bool:
    """Whether `path` is in graphile-migrate's committed/ or current/ folder."""
    if path.parent.name not in ("committed", "current"):
        return False
    from lockwise.discover.graphile import detect_graphile

    return detect_graphile(path.parent.parent)


def _directory_context(path: Path, layout: str | None,
                       read: dict[Path, list[Migration] | None],
                       ) -> tuple[Path, list[Migration], list[Migration]]:
    """The directory a file belongs to (its parent, or grandparent for
    one-directory-per-migration layouts and sqitch), its migrations, and those of them the
    file is (its up or its down migration); the migrations are empty when that cannot be
    read (the directory is then the likeliest one, where `--base` looks in git). `read`
    keeps the directories discovered so far (an unreadable one: why): the files of one
    commit mostly share one."""
    target = file_key(path)
    # sqitch keeps its plan beside deploy/ and revert/: their scripts' context is the folder
    # above (a revert script is its change's down migration). So do folders named as
    # versions (versioned/v1.5/executions.sql): the versions before are in the folder above;
    # and graphile-migrate's committed/ and current/, whose folder above is the history.
    candidates = (path.parent.parent, path.parent) if path.name in (
        "up.sql", "down.sql", "migration.sql") or path.parent.name in ("deploy", "revert") \
        or versions_folder(path.parent.parent) or _graphile_part(path) else (path.parent,)
    for candidate in candidates:
        if candidate not in read:
            try:
                read[candidate] = discover(candidate, layout)
            except InputError as exc:
                read[candidate] = exc
        known = read[candidate]
        found = known if isinstance(known, list) else []
        match = [m for m in found if file_key(m.path) == target or
                 (m.down_path is not None and file_key(m.down_path) == target)]
        if match:
            return candidate, found, match
    return candidates[0], [], []
