"""gobuffalo/pop's migrations, and ory/x popx's (Ory Hydra, Kratos, Keto): one folder holding
every database's history.

A file is `{version}_{name}[.{database}][.autocommit].{up|down}.{sql|fizz}` (popx's
MigrationFileRegexp, pop's ParseMigrationFilename): the name has no dot, the database part is
pop's dialect (`postgres`, `cockroach`, `mysql`, `sqlite3`, or a synonym of one), a file
without it applies to every database. For one database, pop runs of each version the files
named for that database, or when there are none the files named for none (popx's
SortAndFilter), in the order of the versions compared as text (Go's `<`, byte by byte), each
in a transaction of its own with the insert of its version (popx's isolatedTransaction);
`.autocommit` runs it without one. A file named for a database pop does not know is skipped;
`.fizz` is pop's own language, which lockwise does not read. The down file of a version pairs
with its up the same way. Both walk the whole folder (pop's FileMigrator with filepath.Walk,
popx's MigrationBox with fs.WalkDir; neither follows a link to a folder): a migration in a
subfolder is one of the history, sorted by version with the others (fix-layouts23). A folder
that holds nothing but two or more pop folders (and documentation) is the folder pop walks:
one history of them all (fix-layouts24).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from lockwise.core.lazy_re import lazy_compile
from lockwise.core.types import Migration

#: popx's file name pattern (popx/match.go), the direction and the extension as written.
_POP_NAME = lazy_compile(
    r"(\d+)_([^.]+)(\.[a-z0-9]+)?(\.autocommit)?\.(up|down)\.(sql|fizz)")

#: pop's dialects and their synonyms (its CanonicalDialect) -> the dialect.
_POP_DIALECTS = {
    **dict.fromkeys(("postgres", "postgresql", "pg", "pgx"), "postgres"),
    **dict.fromkeys(("cockroach", "cockroachdb", "crdb"), "cockroach"),
    **dict.fromkeys(("mysql", "mariadb"), "mysql"),
    **dict.fromkeys(("sqlite3", "sqlite"), "sqlite3"),
}

#: A pop dialect -> the database lockwise.discover.dialects names it.
_DATABASES = {"postgres": "postgresql", "cockroach": "cockroachdb", "mysql": "mysql",
              "sqlite3": "sqlite"}

#: The pop dialect of each --dialect: MariaDB is pop's mysql dialect.
_OF_LINTED = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql"}

#: The dialect in force (as --dialect spells it) while histories are discovered: which of a
#: pop folder's files are read.
_DIALECT: ContextVar[str] = ContextVar("lockwise_pop_dialect", default="postgresql")


@contextmanager
def dialect_in_force(dialect: str | None) -> Iterator[None]:
    """Read pop folders for `dialect` (PostgreSQL when None) within the block."""
    token = _DIALECT.set(dialect or "postgresql")
    try:
        yield
    finally:
        _DIALECT.reset(token)


def pop_dialect() -> str:
    """The dialect in force (as --dialect spells it) for pop folders."""
    return _DIALECT.get()


class PopFile:
    """One file whose name pop parses. (A plain class, as layouts' `_SqlxName`: a NamedTuple
    costs every lint's start.)"""

    __slots__ = ("autocommit", "dialect", "direction", "fizz", "name", "path", "version")

    def __init__(self, path: Path, version: str, name: str, dialect: str, autocommit: bool,
                 direction: str, fizz: bool) -> None:
        self.path = path
        self.version = version
        self.name = name
        #: pop's dialect, "all" for a file named for none, or the unknown part as written
        self.dialect = dialect
        self.autocommit = autocommit
        self.direction = direction
        self.fizz = fizz

    def parts(self) -> tuple[str, str, str, bool, str, bool]:
        """Its name's parts: version, name, dialect, autocommit, direction, fizz."""
        return self.version, self.name, self.dialect, self.autocommit, self.direction, self.fizz


def pop_file(path: Path) -> PopFile | None:
    """The parts of a file's name as pop reads them, or None when pop ignores the name."""
    match = _POP_NAME.fullmatch(path.name)
    if match is None:
        return None
    part, autocommit = match.group(3), match.group(4) is not None
    if part == ".autocommit" and not autocommit:  # popx: `1_a.autocommit.up.sql`, for all
        part, autocommit = None, True
    dialect = "all" if part is None else _POP_DIALECTS.get(part[1:], part[1:])
    return PopFile(path, match.group(1), match.group(2), dialect, autocommit,
                   match.group(5), match.group(6) == "fizz")


def _walked(directory: Path) -> list[Path]:
    """Every file below `directory`, as pop's walk visits them: each folder's entries in name
    order, a subfolder's files in its place, no link to a folder followed."""
    import os

    from lockwise.discover.layouts import _listing

    out: list[Path] = []
    for name, (is_file, is_dir) in _listing(directory).items():
        path = directory / name
        if is_file:
            out.append(path)
        elif is_dir and not os.path.islink(path):
            out += _walked(path)
    return out


def _pop_files(directory: Path, below: bool = True) -> list[PopFile]:
    """The files of `directory` whose names pop parses: those of its subfolders too, unless
    not `below`."""
    from lockwise.discover.layouts import _listing

    paths = _walked(directory) if below else \
        [directory / name for name, (is_file, _) in _listing(directory).items() if is_file]
    return [parsed for path in paths if (parsed := pop_file(path)) is not None]


def detect_pop(directory: Path) -> bool:
    """A folder holding a file named for one of pop's dialects, or a pop `.fizz` migration:
    golang-migrate's `N_name.up.sql` alone says nothing of pop, unless its version or
    `.autocommit` is popx's (`_popx_only`). Its own files only (a
    project's root is no pop folder for the one below it, whose subfolders are read with
    it, `read_pop`), or else its subfolders when it holds nothing but pop folders
    (`_of_pop_folders`)."""
    if any(f.fizz or f.dialect in _DATABASES or _popx_only(f)
           for f in _pop_files(directory, below=False)):
        return True
    return _of_pop_folders(directory)


#: Ory's 20-digit versions: a `YYYYMM...` timestamp of 14 digits (`20150100000001`: its day
#: may be `00`) and a 6-digit step.
_ORY_VERSION = lazy_compile(r"(?:19|20)\d\d(?:0[1-9]|1[0-2])\d{14}")


def _popx_only(f: PopFile) -> bool:
    """Whether a file's name is one only popx runs (fix-layouts27): `.autocommit`, or Ory's
    20-digit version past an unsigned 64-bit integer, which golang-migrate, whose names
    pop's look like, skips (it parses the version as a uint64) and popx compares as text
    with the others. (Another number past 2^64 says nothing of popx.)"""
    return f.autocommit or (_ORY_VERSION.fullmatch(f.version) is not None
                            and int(f.version) >= 2**64)


#: The files beside a folder's pop subfolders that say nothing of what it is: documentation.
_DOCUMENTATION = (".md", ".txt", ".rst")


def _of_pop_folders(directory: Path) -> bool:
    """Whether `directory` holds only pop folders (`detect_pop`), two or more, and no file
    but hidden ones and documentation (fix-layouts24): the folder pop is pointed at, whose
    walk reads its subfolders as one history (one subfolder is its own history, as one
    history either way; a project's root, with files of its own or folders of code, is
    none)."""
    import os
    from itertools import chain, islice

    from lockwise.discover.layouts import _listing

    names = []
    for name, (is_file, is_dir) in _listing(directory).items():
        if name.startswith("."):
            continue
        if not is_dir:
            if is_file and not name.lower().endswith(_DOCUMENTATION):
                return False
        else:
            names.append(name)
    # Looked at in order, as far as needed: a folder per migration (lemmy's 342) is no pop
    # folder from its first, so no Path and no lstat for each of the others.
    folders = (path for path in (directory / name for name in names)
               if not os.path.islink(path))  # (neither walk follows a link)
    first = list(islice(folders, 2))
    return len(first) == 2 and all(detect_pop(folder) for folder in chain(first, folders))


def _chosen(files: list[PopFile], direction: str, dialect: str) -> list[PopFile]:
    """The files pop runs in `direction` for `dialect`: of each version, those named for it,
    or else those named for none (SortAndFilter)."""
    by_version: dict[str, list[PopFile]] = {}
    for f in files:
        if f.direction == direction:
            by_version.setdefault(f.version, []).append(f)
    out = []
    for group in by_version.values():
        own = [f for f in group if f.dialect == dialect]
        out += own or [f for f in group if f.dialect == "all"]
    return out


def read_pop(directory: Path) -> list[Migration]:
    """The SQL migrations of a pop folder that pop runs on the database of the dialect in
    force, each with its down file; `.fizz` ones are left out (`pop_notes` says so)."""
    from lockwise.discover.layouts import _make, _read
    from lockwise.discover.versions import text_key

    dialect = _OF_LINTED.get(_DIALECT.get(), "postgres")
    files = _pop_files(directory)
    downs: dict[str, list[PopFile]] = {}
    for f in _chosen(files, "down", dialect):
        downs.setdefault(f.version, []).append(f)
    out = []
    for up in _chosen(files, "up", dialect):
        if up.fizz:
            continue
        pair = [d for d in downs.get(up.version, []) if not d.fizz]
        # Of two downs of one version, the one named as the up (pop runs both).
        down = next((d for d in pair if d.name == up.name), pair[0] if pair else None)
        out.append(_make(up.version, up.name, up.path, _read(up.path), "pop",
                         down.path if down else None, markers=False,
                         no_transaction=up.autocommit, sort_key=text_key(up.version),
                         other_down_paths=tuple(d.path for d in pair if d is not down)))
    return out


def pop_notes(directory: Path, dialect: str) -> list[str]:
    """What of a pop folder lockwise leaves out when it lints it with `dialect`: the files
    written for another database, the `.fizz` migrations pop runs for it, and the files whose
    names pop ignores or refuses."""
    from lockwise.discover.dialects import LINTED, OTHERS
    from lockwise.discover.layouts import _is_sql

    ours = _OF_LINTED.get(dialect, "postgres")
    files = _pop_files(directory)

    def shown(path: Path) -> str:
        return path.relative_to(directory).as_posix()

    notes = []
    others: dict[str, list[str]] = {}
    for f in files:
        if f.dialect != "all" and f.dialect != ours and f.dialect in _DATABASES:
            others.setdefault(_DATABASES[f.dialect], []).append(shown(f.path))
    for database, names in others.items():
        title = LINTED.get(database) or OTHERS[database]
        how = f"`lockwise lint --dialect {database} {directory}` lints them" \
            if database in LINTED else "lockwise lints PostgreSQL, MySQL and MariaDB only"
        notes.append(f"{directory}: {len(names)} file(s) named for {title} not linted "
                     f"({_few(names)}): pop runs them on {title} only: {how}")
    fizz = [shown(f.path) for direction in ("up", "down")
            for f in _chosen(files, direction, ours) if f.fizz]
    if fizz:
        notes.append(f"{directory}: {len(fizz)} fizz migration(s) not linted ({_few(fizz)}): "
                     f"fizz is pop's own language, which lockwise does not read; the "
                     f"migrations after them are linted without what they do")
    if named := [shown(f.path) for f in files if f.fizz and f.dialect != "all"]:
        notes.append(f"{directory}: {', '.join(named)}: pop refuses a fizz migration named for "
                     f"a database (fizz is written for every database): drop the database "
                     f"from its name, or write it in SQL")
    unknown = [shown(f.path) for f in files if f.dialect != "all" and f.dialect not in _DATABASES]
    if unknown:
        notes.append(f"{directory}: {', '.join(unknown)} not read: named for a database pop "
                     f"does not know (postgres, cockroach, mysql, sqlite3), so pop skips it")
    parsed = {f.path for f in files}
    unread = [shown(path) for path in _walked(directory)
              if _is_sql(path.name) and path not in parsed]
    if unread:
        notes.append(f"{directory}: {', '.join(unread)} not read: pop reads "
                     f"{{version}}_{{name}}[.{{database}}].up.sql and its .down.sql (the "
                     f"name without dots), and ignores any other file")
    return notes


def _few(names: list[str], shown: int = 3) -> str:
    """The first `shown` of `names`, and how many more."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more
