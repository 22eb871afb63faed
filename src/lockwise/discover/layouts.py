"""Migration directory layouts: how each tool names and orders its files.

Each layout is a pair of functions: `detect(dir) -> bool` and `read(dir) -> list[Migration]`.
Auto-detection tries them in order; `--layout` forces one.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from lockwise.core.lazy_re import lazy_compile
from lockwise.core.types import Migration, ToolPlaceholders
from lockwise.discover.dialects import (
    all_left_out,
    left_out_note,
    other_database,
    prisma_provider_note,
)
from lockwise.discover.manifest import MANIFEST, Warned
from lockwise.discover.pop import detect_pop, dialect_in_force, pop_dialect, pop_notes, read_pop
from lockwise.discover.properties import flyway_lines, property_entries
from lockwise.discover.versions import (
    diesel_version,
    text_key,
    version_folder_runs,
    version_identity,
    version_key,
    version_sort_key,
)
from lockwise.parse.source import (
    InputError,
    decode_sql,
    missing_path_error,
    os_input_error,
    path_error,
    read_sql_file,
)

if TYPE_CHECKING:
    from lockwise.discover.flyway_config import Setting
    from lockwise.discover.spring_boot import FlywayRun

#: Layouts whose tools know a migration by its whole name (prisma's folder, sql-migrate's file)
#: or its journal entry (drizzle), not by its version: two of them may share a version, and
#: they run in the order of names (drizzle: of its journal).
KEYED_BY_NAME = frozenset({"prisma", "sql-migrate", "drizzle"})
#: Layouts whose tools run migrations in the order a list gives (drizzle's journal, a
#: Liquibase changelog), whatever their versions: version order and text order do not matter.
LISTED_ORDER = frozenset({"drizzle", "liquibase"})

#: goose's annotation that runs a whole file (both directions) outside a transaction.
_GOOSE_NO_TX = r"\+goose\s+NO\s+TRANSACTION"
#: A comment that marks a whole migration as non-transactional, whatever the layout.
_NO_TX_MARKERS = lazy_compile(
    r"^\s*--\s*(?:lockwise:\s*no-transaction|no-transaction|"
    rf"migrate:up\s+transaction:\s*false|{_GOOSE_NO_TX}|atlas:txmode\s+none)\b",
    re.IGNORECASE | re.MULTILINE,
)
#: goose's annotation on a line of its own, wherever it is in the file.
_GOOSE_NO_TX_LINE = lazy_compile(rf"^\s*--\s*{_GOOSE_NO_TX}\s*$", re.IGNORECASE | re.MULTILINE)


#: lockwise's own marker, which every layout honours beside its tool's.
_LOCKWISE_NO_TX = lazy_compile(r"^\s*--\s*lockwise:\s*no-transaction\b",
                               re.IGNORECASE | re.MULTILINE)


def lockwise_no_transaction(sql: str) -> bool:
    """Whether lockwise's own no-transaction marker sits in the head of `sql`."""
    return _LOCKWISE_NO_TX.search(sql[:4096]) is not None


def _no_transaction_marker(sql: str) -> bool:
    head = sql[:4096]
    # Every marker says "transaction" or (Atlas's) "txmode": a file without either skips the
    # regex. Only for ASCII text, where lower() folds case as the regex does (it also matches
    # ı, İ and ſ).
    if head.isascii():
        lowered = head.lower()
        if "transaction" not in lowered and "txmode" not in lowered:
            return False
    return bool(_NO_TX_MARKERS.search(head))


def goose_no_transaction(text: str) -> bool:
    """Whether a goose file carries `-- +goose NO TRANSACTION` on any line: goose's
    sqlparser.ParseSQLMigration reads every line of the file, whichever direction it runs,
    and the annotation sets useTx = false for both, wherever it is."""
    # A substring test first: the regex (over the whole file) only runs for the few files
    # that say TRANSACTION in some case.
    if "TRANSACTION" not in text and "transaction" not in text.lower():
        return False
    return _GOOSE_NO_TX_LINE.search(text) is not None


def down_no_transaction(down_sql: str) -> bool:
    """Whether a down migration's own text carries a no-transaction marker (lockwise's, or
    another tool's), wherever its section starts in a file that holds both directions."""
    return _no_transaction_marker(down_sql.lstrip())


#: A file name's version and description, tried in order (`_split_version`).
_VERSION_THEN_NAME = (lazy_compile(r"^(\d[\d._\-]*\d|\d)[_\-.]+(?=\D)(.*)$"),
                      lazy_compile(r"^(\d+)[_\-.]+(.*)$"), lazy_compile(r"^([\d._\-]*\d)()$"))


def _split_version(stem: str) -> tuple[str, str]:
    """`20240101120000_add_users` -> ('20240101120000', 'add_users'); no prefix -> ('', stem).
    A name of digits and separators only is a version whole: photoprism's `20241011-000003`
    sorts after `20241011-000001.pre` (version `20241011-000001`), as its tool runs them."""
    match = (_VERSION_THEN_NAME[0].match(stem) or _VERSION_THEN_NAME[2].match(stem)
             or _VERSION_THEN_NAME[1].match(stem))
    if not match:
        return "", stem
    return match.group(1), match.group(2)


class _Seen:
    """What one discover() call already asked the file system, so detection and reading (which
    look at the same folders and files) ask it once. (Plain classes, as `_SqlxName` and
    `_OtherDatabases`: making a dataclass is about 1 M instructions of every lint's start.)"""

    __slots__ = ("applications", "contents", "heads", "holding", "listings",
                 "migration_dirs", "sectioned", "sql_files")

    def __init__(self) -> None:
        #: folder (as str(path)) -> its entries: name -> (is a regular file, is a directory)
        self.listings: dict[str, dict[str, tuple[bool, bool]]] = {}
        #: (folder, file name) -> the sub-folders holding that file
        self.migration_dirs: dict[tuple[str, str], tuple[Path, ...]] = {}
        #: folder -> its .sql files
        self.sql_files: dict[str, tuple[Path, ...]] = {}
        #: path -> the whole content, when detection already read it (the reader takes it)
        self.contents: dict[Path, bytes] = {}
        #: folder -> the tool whose up/down section markers its .sql files hold (dbmate, goose)
        self.sectioned: dict[str, str | None] = {}
        #: path -> its first bytes, as detection read them (see `file_head`)
        self.heads: dict[Path, bytes | None] = {}
        #: classpath root -> the (vendor, existing location folders) of its enabled Flyway
        #: runs (`_application_roots`)
        self.applications: dict[str, list[tuple[str | None, list[Path]]]] = {}
        #: the folders above the locations those runs read (`claim`; each a real path, no
        #: `/` at its end: "" for the root), so whether a folder holds one is one look-up
        #: (`_holds_claimed`), not a look at every location for each folder walked
        self.holding: set[str] = set()

    def claim(self, folders: list[Path]) -> None:
        """The locations `folders` are read by a Flyway run: no histories of their own."""
        for folder in folders:
            above = os.path.dirname(os.path.realpath(folder))
            while above.rstrip(os.sep) not in self.holding:
                self.holding.add(above.rstrip(os.sep))
                if os.path.dirname(above) == above:
                    break
                above = os.path.dirname(above)


_SEEN: ContextVar[_Seen | None] = ContextVar("lockwise_discover_seen", default=None)


def _join(folder: str, name: str) -> str:
    """str(Path(folder) / name), without building the Path."""
    if folder == ".":
        return name
    return folder + name if folder.endswith("/") else f"{folder}/{name}"


def _entry_types(entry: os.DirEntry, folder: str) -> tuple[bool, bool]:
    """(is a regular file, is a directory) of a DirEntry, which needs no stat (the type comes
    with the name, except for symlinks), with Path's answers when following a link fails."""
    try:
        is_file, is_dir = entry.is_file(), entry.is_dir()
    except OSError:  # a symlink loop: Path.is_file() says False, or raises what it raises
        path = Path(folder) / entry.name
        is_file, is_dir = path.is_file(), path.is_dir()
    if not (is_file or is_dir) and entry.is_symlink():
        # A link to nothing (a moved file, one not checked out) or one that leads back to
        # itself counts as the file its name says: a migration left out in silence would
        # leave the history linted without it; read, it is an input error naming the link.
        return True, False
    return is_file, is_dir


def _listing(directory: Path | str) -> dict[str, tuple[bool, bool]]:
    """name -> (is a regular file, is a directory) for the entries of `directory`, in name
    order (the order sorted() gives their paths).

    One os.scandir instead of a stat per entry; inside discover() each directory is listed
    once, however often detection and reading look at it.
    """
    folder = str(directory)
    seen = _SEEN.get()
    if seen is not None and folder in seen.listings:
        return seen.listings[folder]
    found: dict[str, tuple[bool, bool]] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            found[entry.name] = _entry_types(entry, folder)
    listing = dict(sorted(found.items()))
    if seen is not None:
        seen.listings[folder] = listing
    return listing


def _is_file(path: Path) -> bool:
    """Path.is_file(), answered from the listing of its folder when discover() has one."""
    seen = _SEEN.get()
    if seen is None:
        return path.is_file()
    folder, name = os.path.split(str(path))
    listing = seen.listings.get(folder or ".")
    if listing is None:
        return path.is_file()
    return listing.get(name, (False, False))[0]


def _has_file(folder: str, filename: str) -> bool:
    """Whether `folder` holds a regular file `filename` (one listing per folder)."""
    try:
        return _listing(folder).get(filename, (False, False))[0]
    except OSError:  # an unreadable folder: ask for the file itself, as a stat would
        return (Path(folder) / filename).is_file()


def _read(path: Path) -> str:
    """read_sql_file(path), from what layout detection already read when it read it whole."""
    seen = _SEEN.get()
    data = seen.contents.pop(path, None) if seen is not None else None
    return read_sql_file(path) if data is None else decode_sql(data, path)


def _remember(path: Path, data: bytes) -> None:
    """Keep a file read whole during detection for the reader (see `_read`)."""
    seen = _SEEN.get()
    if seen is not None:
        seen.contents[path] = data


#: How much of a file detection reads (section markers and no-transaction lines come first).
HEAD_BYTES = 65536


def file_head(path: Path) -> bytes | None:
    """The first HEAD_BYTES of `path` as bytes (None when it cannot be read), read once per
    discover() call; a file shorter than that is kept whole for the reader. One read call:
    a read of a regular file stops short only at its end (a buffered reader asked again
    for the empty read there, two calls a file, as `read_descriptor` did: fix-speed89)."""
    seen = _SEEN.get()
    if seen is not None and path in seen.heads:
        return seen.heads[path]
    data: bytes | None
    try:
        descriptor = os.open(path, os.O_RDONLY)
        try:
            data = os.read(descriptor, HEAD_BYTES)
        finally:
            os.close(descriptor)
    except OSError:  # (a folder opens, its read fails)
        data = None
    if data is not None and len(data) < HEAD_BYTES:  # whole: reading it again would repeat this
        _remember(path, data)
    if seen is not None:
        seen.heads[path] = data
    return data


def _make(version: str, name: str, path: Path, up_sql: str, layout: str,
          down_path: Path | None = None, markers: bool = True, **extra) -> Migration:
    """The migration; `markers`: whether any no-transaction marker lockwise knows counts
    (not for a tool that reads one marker exactly where it must be)."""
    down_sql = _read(down_path) if down_path and _is_file(down_path) else None
    return Migration(
        version=version or name,
        name=name if version else "",
        path=path,
        up_sql=up_sql,
        down_sql=down_sql,
        down_path=down_path if down_sql is not None else None,
        no_transaction=extra.pop("no_transaction", False) or (
            markers and _no_transaction_marker(up_sql)),
        layout=layout,
        sort_key=extra.pop("sort_key", None) or version_key(version or name),
        **extra,
    )


def _is_sql(name: str) -> bool:
    """Path(name).suffix.lower() == ".sql" (a bare ".sql" is a dot-file without suffix)."""
    return len(name) > 4 and name[-4:].lower() == ".sql"


def _kept(table: Callable[[_Seen], dict], key: object,
          find: Callable[[], list[Path]]) -> list[Path]:
    """`find()`, asked once per discover() call: kept in `table` of the call's _Seen."""
    seen = _SEEN.get()
    if seen is None:
        return find()
    kept = table(seen)
    if key not in kept:
        kept[key] = tuple(find())
    return list(kept[key])


def _has_sql(folder: str) -> bool:
    """Whether `_sql_files(folder)` is not empty, from the folder's listing alone."""
    return any(is_file and _is_sql(name) for name, (is_file, _) in _listing(folder).items())


def _sql_files(directory: Path) -> list[Path]:
    """The .sql files of `directory`, in name order (every layout's detection asks: the answer
    is kept for the discover() call, as building a Path per file was most of discovering)."""
    folder = str(directory)
    return _kept(lambda seen: seen.sql_files, folder, lambda: [
        directory / name for name, (is_file, _) in _listing(folder).items()
        if is_file and _is_sql(name)])


# --- golang-migrate: NNN_name.up.sql / NNN_name.down.sql ------------------------------------

def _detect_golang(directory: Path) -> bool:
    return any(p.name.lower().endswith(".up.sql") for p in _sql_files(directory))


#: golang-migrate's file names (source.Regex, `^([0-9]+)_(.*)\.(down|up)\.(.*)$`): the
#: direction as written, any extension; the version must parse as a uint64. It ignores any
#: other file.
_GOLANG_NAME = lazy_compile(r"([0-9]+)_(.*)\.(up|down)\.(.*)")


def _golang_files(directory: Path) -> list[tuple[Path, re.Match[str]]]:
    """The files of `directory` golang-migrate takes for migrations, with their parts: of
    any extension, as its PostgreSQL and MySQL drivers send a file's bytes to the server
    whatever its name (`2_b.up.txt` runs as SQL)."""
    return [(directory / name, m) for name, (is_file, _) in _listing(directory).items()
            if is_file and (m := _GOLANG_NAME.fullmatch(name)) and int(m.group(1)) < 2**64]


def _not_sql(migrations: list[Migration]) -> list[str]:
    """The up and down files of golang-migrate `migrations` whose names do not end in .sql:
    read as SQL, as golang-migrate runs them."""
    return [p.name for m in migrations for p in (m.path, m.down_path)
            if p is not None and not _is_sql(p.name)]


def _read_golang(directory: Path) -> list[Migration]:
    files = _golang_files(directory)
    downs: dict[int, list[Path]] = {}
    for path, m in files:
        if m.group(3) == "down":
            downs.setdefault(int(m.group(1)), []).append(path)
    out = []
    for path, m in files:
        if m.group(3) != "up":
            continue
        # golang-migrate pairs the directions by version, whatever the rest of the names;
        # of two downs of one version (which it refuses: source.ErrDuplicateMigration), the
        # one named as the up, the others kept for the graph to report.
        candidates = sorted(downs.get(int(m.group(1)), []), key=str)
        same = path.with_name(path.name[:m.start(3)] + "down" + path.name[m.end(3):])
        down = same if same in candidates else next(iter(candidates), None)
        out.append(_make(m.group(1), m.group(2), path, _read(path), "golang-migrate", down,
                         other_down_paths=tuple(p for p in candidates if p != down)))
    return out


def _note_unread(directory: Path, migrations: list[Migration], notes: list[str]) -> None:
    """Name the .sql files of a golang-migrate folder that are no migration's up or down (an
    `.up` left out, a down without its up), those of a dbmate folder without a version at the
    start of their names, and those of a Flyway location whose names Flyway does not parse
    (and its undo files of a version no V file has): their tool skips them too, and a
    migration missing from the report would otherwise go unnoticed. goose's: the .sql files
    goose does not take, and the Go migrations lockwise does not read. A folder of no
    migration is looked at as its layout (a Flyway location of undo files only)."""
    layout = migrations[0].layout if migrations else detect_layout(directory)
    if layout == "golang-migrate":
        read = {p for m in migrations for p in (m.path, m.down_path, *m.other_down_paths)
                if p is not None}
        unread = [p.name for p in _sql_files(directory) if p not in read]
        why = "golang-migrate reads N_name.up.sql files (N an unsigned 64-bit integer, " \
            "`up` as written) and the N_*.down.sql of each version"
        if other := _not_sql(migrations):
            notes.append(f"{directory}: {', '.join(other)} read as SQL: golang-migrate runs "
                         f"every N_name.up.<extension> file and its down, whatever the "
                         f"extension (rename it to .sql, or move it out of the folder)")
    elif layout == "dbmate":
        unread = [p.name for p in _sql_files(directory) if not dbmate_file(p.name)]
        why = "dbmate runs the files whose names begin with a digit (0-9) and end in .sql, " \
            "as written"
    elif layout == "goose":
        unread = [p.name for p in _sql_files(directory) if goose_version(p.name) is None]
        why = "goose takes N_name.sql (N an integer above 0, .sql as written); `goose up` " \
            "refuses the folder for such a file (\"could not parse SQL migration file\"), " \
            "goose.NewProvider skips it: rename it N_name.sql, or move it out of the folder"
        if go := [path.name for _, path in goose_go_files(directory)]:
            notes.append(f"{directory}: {', '.join(go)} not linted: Go migrations goose runs "
                         f"in version order with the SQL ones; lockwise reads SQL only")
    elif layout == "flyway":
        from lockwise.discover.spring_boot import turned_off_note

        if (off := turned_off_note(directory, "flyway")) is not None:
            notes.append(off)
        notes.extend(_note_placeholder_lists(directory))
        # every location of the run, each file named from its own location
        walked: set = set()
        below = [(p.relative_to(location).as_posix() if location == directory else str(p), p,
                  _flyway_name(p.name))
                 for location in _flyway_run(directory)[1]
                 for p in _walk_sql(location, walked)]
        unread = [name for name, p, parsed in below
                  if not parsed and not _FLYWAY_CALLBACK.match(p.name)]
        why = "Flyway ignores names it does not parse: V<version>__<description>.sql, " \
            "U<version>__<description>.sql, R__<description>.sql, prefix and .sql as written"
        # An undo file no versioned migration of its version has: no migration's down.
        downs = {p for m in migrations for p in (m.down_path, *m.other_down_paths)}
        alone = [name for name, p, parsed in below
                 if parsed and parsed[0] == "U" and p not in downs]
        if alone and not migrations:
            notes.append(f"{directory}: only undo migrations ({', '.join(alone)}), no "
                         f"V<version>__*.sql: Flyway has nothing here to migrate or undo, and "
                         f"nothing is linted (name the location that holds the migrations "
                         f"they undo, or the folder above both)")
        elif alone:
            notes.append(f"{directory}: {', '.join(alone)} not read: no V<version>__*.sql "
                         f"migration has its version, so it undoes nothing (add the "
                         f"migration it undoes, or remove it)")
    elif layout == "pop":
        notes.extend(pop_notes(directory, pop_dialect()))
        return
    elif layout == "liquibase":
        from lockwise.discover.liquibase import note_above, note_turned_off

        notes.extend(note for note in (note_above(directory), note_turned_off(directory))
                     if note)
        return
    else:
        return
    if unread:
        notes.append(f"{directory}: {', '.join(unread)} not read: {why}")


# --- sqlx: <version>_<description>.sql, or .up.sql + .down.sql, flat in one folder -----------
# As sqlx-core's migrate/source.rs reads them: the name splits at its first `_`; a file whose
# rest does not end in `.sql` (case matters) is not a migration; the version must parse as a
# Rust i64 (or sqlx refuses the whole folder); `.up.sql` / `.down.sql` are the two directions
# of a reversible migration, anything else a simple one. sqlx runs each in a transaction
# unless its text begins with `-- no-transaction` (the very first bytes).

_SQLX_NO_TX = b"-- no-transaction"
#: Rust's i64::from_str: an optional sign, then ASCII digits.
_RUST_INT = lazy_compile(r"[+-]?[0-9]+")
_I64 = range(-(2**63), 2**63)


class _SqlxName:
    """The parts of an sqlx migration's file name."""

    __slots__ = ("description", "kind", "version")

    def __init__(self, version: str, description: str, kind: str) -> None:
        self.version = version
        self.description = description
        #: "up", "down" or "simple"
        self.kind = kind

    @property
    def valid(self) -> bool:
        return _RUST_INT.fullmatch(self.version) is not None and int(self.version) in _I64


def _sqlx_name(name: str) -> _SqlxName | None:
    """How sqlx reads a file name; None for a file sqlx does not take as a migration."""
    version, sep, rest = name.partition("_")
    if not sep or not rest.endswith(".sql"):
        return None
    for kind in ("up", "down"):
        if rest.endswith(f".{kind}.sql"):
            return _SqlxName(version, rest[: -len(f".{kind}.sql")], kind)
    return _SqlxName(version, rest[: -len(".sql")], "simple")


def _sqlx_files(directory: Path) -> list[tuple[Path, _SqlxName]]:
    return [(path, parsed) for path in _sql_files(directory)
            if (parsed := _sqlx_name(path.name)) is not None]


#: A Cargo.toml that depends on sqlx: `sqlx = ...`, `sqlx.workspace = true` or a
#: `[dependencies.sqlx]` table (of any target or workspace).
_CARGO_SQLX = lazy_compile(r"^\s*(?:sqlx\s*(?:=|\.)|\[[\w.\-]*dependencies\.sqlx\s*\])",
                           re.MULTILINE)


#: Rust's package manifest, where sqlx is a dependency.
CARGO_TOML = "Cargo.toml"


def _cargo_uses_sqlx(directory: Path) -> bool:
    """Whether the folder, or one of the two above it (a crate keeps migrations/ beside its
    Cargo.toml; a workspace, a level higher), has a Cargo.toml that depends on sqlx."""
    folder = Path(os.path.abspath(directory))
    for candidate in (folder, *list(folder.parents)[:2]):
        if _has_file(str(candidate), CARGO_TOML):
            data = file_head(candidate / CARGO_TOML)
            if data is not None and _CARGO_SQLX.search(data.decode("utf-8", errors="replace")):
                return True
    return False


def _sqlx_no_transaction(path: Path) -> bool:
    """Whether sqlx runs the file outside a transaction: its raw text (a byte order mark
    included) begins with `-- no-transaction`."""
    data = file_head(path)
    return data is not None and data.startswith(_SQLX_NO_TX)


def _detect_sqlx(directory: Path) -> bool:
    """sqlx-named files, all with versions sqlx parses, and a sign of sqlx itself: a Cargo.toml
    that depends on it, or a file that begins with sqlx's `-- no-transaction`. Files of
    another tool's sections (dbmate, goose, sql-migrate) or Atlas's folder are theirs."""
    files = _sqlx_files(directory)
    if not files or not all(parsed.valid for _, parsed in files):
        return False
    if not (_cargo_uses_sqlx(directory) or
            any(_sqlx_no_transaction(path) for path, _ in files)):
        return False
    from lockwise.discover.tools import _sectioned

    return _sectioned(directory) is None and not _detect_atlas(directory)


def _read_sqlx(directory: Path) -> list[Migration]:
    files = _sqlx_files(directory)
    downs = {parsed.version: path for path, parsed in files if parsed.kind == "down"}
    out = []
    for path, parsed in files:
        if parsed.kind == "down":
            continue
        if not parsed.valid:  # sqlx refuses the whole folder
            raise path_error(f"sqlx cannot read the version {parsed.version!r} of this file "
                             "name: expected an integer prefix (e.g. `01_foo.sql`)", path)
        up_sql = _read(path)
        no_tx = _sqlx_no_transaction(path) or _LOCKWISE_NO_TX.search(up_sql[:4096]) is not None
        out.append(_make(parsed.version, parsed.description, path, up_sql, "sqlx",
                         downs.get(parsed.version) if parsed.kind == "up" else None,
                         no_transaction=no_tx, markers=False,
                         sort_key=version_key(str(int(parsed.version)))))
    return out


# --- diesel / prisma: <version>_<name>/up.sql (+ down.sql) or /migration.sql ----------

def _migration_dirs(directory: Path, filename: str) -> list[Path]:
    """The sub-folders of `directory` holding a file `filename`, in name order (detection and
    reading both ask: the answer is kept for the discover() call)."""
    folder = str(directory)
    return _kept(lambda seen: seen.migration_dirs, (folder, filename), lambda: [
        directory / name for name, (_, is_dir) in _listing(folder).items()
        if is_dir and _has_file(_join(folder, name), filename)])


def _detect_diesel(directory: Path) -> bool:
    return bool(_migration_dirs(directory, "up.sql"))


def _read_diesel(directory: Path) -> list[Migration]:
    """Each folder's version as diesel reads it (`diesel_version`), in diesel's order: by
    version as text, without its dashes (`version_sort_key`)."""
    out = []
    for sub in _migration_dirs(directory, "up.sql"):
        version, name = diesel_version(sub.name)
        up = sub / "up.sql"
        meta = sub / "metadata.toml"
        no_tx = _is_file(meta) and re.search(
            r"run_in_transaction\s*=\s*false", meta.read_text(errors="replace")) is not None
        out.append(_make(version, name, up, read_sql_file(up), "diesel", sub / "down.sql",
                         no_transaction=no_tx, sort_key=version_sort_key(version, "diesel")))
    return out


#: A Hasura migration's folder as its CLI reads it (cli/migrate/source/parse.go, `Regex`, on
#: `<folder>.up.sql`): an unsigned 64-bit version, `_`, the name.
_HASURA_FOLDER = lazy_compile(r"([0-9]+)_(.*)", re.DOTALL)


#: The Hasura CLI's project config, and its default metadata folder beside it.
HASURA_CONFIG, HASURA_METADATA = "config.yaml", "metadata"


def _hasura_project(directory: Path) -> bool:
    """Whether `directory` is a Hasura project's `migrations` (config v2) or one database's
    folder in it (`migrations/<database>`, config v3): the project beside it holds the CLI's
    config.yaml (`hasura init`) and its metadata folder, or a config naming one."""
    folder = Path(os.path.abspath(directory))
    project = folder.parent if folder.name == "migrations" else folder.parent.parent
    if project / "migrations" not in (folder, folder.parent) or \
            not _has_file(str(project), HASURA_CONFIG):
        return False
    if (project / HASURA_METADATA).is_dir():
        return True
    try:
        return "metadata_directory" in (project / HASURA_CONFIG).read_text(errors="replace")
    except OSError:  # an unreadable config: not read as Hasura's
        return False


#: The Hasura CLI's opt-out of run_sql's transaction: alone on the first line, blanks around
#: it allowed (cli/migrate/detect_no_transaction_test.go); it sets run_sql's `no_transaction`.
HASURA_NO_TX_MARKER = "-- hasura:no-transaction"
_HASURA_NO_TX = lazy_compile(rf"[ \t]*{HASURA_NO_TX_MARKER}[ \t\r]*")


def _hasura_no_transaction(sql: str) -> bool:
    """Whether Hasura runs the up.sql `sql` outside a transaction: its own marker as its
    first line, or lockwise's. The CLI sends the file whole as one `run_sql`, which the server
    runs in a transaction, and reads no other tool's marker."""
    first = sql[:sql.find("\n")] if "\n" in sql[:4096] else sql[:4096]
    return _HASURA_NO_TX.fullmatch(first) is not None or lockwise_no_transaction(sql)


def _detect_hasura(directory: Path) -> bool:
    return _hasura_project(directory) and _detect_diesel(directory)


def _read_hasura(directory: Path) -> list[Migration]:
    """`<version>_<name>/up.sql` (+ down.sql), the version a number to the Hasura CLI: `01`
    and `1` are one version, ordered as numbers; another folder is no migration to it."""
    out = []
    for sub in _migration_dirs(directory, "up.sql"):
        match = _HASURA_FOLDER.fullmatch(sub.name)
        if match is None or int(match.group(1)) >= 1 << 64:  # ParseUint refuses it
            continue
        up = sub / "up.sql"
        up_sql = read_sql_file(up)
        out.append(_make(match.group(1), match.group(2), up, up_sql, "hasura",
                         sub / "down.sql", no_transaction=_hasura_no_transaction(up_sql),
                         markers=False, sort_key=version_key(str(int(match.group(1))))))
    return out


def _detect_prisma(directory: Path) -> bool:
    return bool(_migration_dirs(directory, "migration.sql"))


def _read_prisma(directory: Path) -> list[Migration]:
    """Each `<version>_<name>/migration.sql`, in Prisma's order: by folder name as text
    (TEXT_ORDER_LAYOUTS), whatever the version's width."""
    out = []
    for sub in _migration_dirs(directory, "migration.sql"):
        version, name = _split_version(sub.name)
        path = sub / "migration.sql"
        out.append(_make(version, name, path, read_sql_file(path), "prisma",
                         sort_key=text_key(sub.name)))
    return out


# --- Flyway: V<ver>__<name>.sql, U<ver>__<name>.sql (undo), R__<name>.sql (repeatable) -------

#: A version as Flyway's MigrationVersion parses one: digits, separated by `.` or `_`.
_FLYWAY_VERSION = lazy_compile(r"\d+(?:[._]\d+)*")


def _flyway_name(name: str) -> tuple[str, str, str] | None:
    """(kind: `V`, `U` or `R`; the version, dotted; the description) of a Flyway migration's
    file name, or None when Flyway would not take it for one. As its ResourceNameParser reads
    a name: prefix and suffix as written, case and all (`v1__x.sql` and `V1__x.SQL` are no
    migrations); the version up to the first `__`, the description after it, which may be
    left out (`V2.sql` is version 2); a repeatable has no version. Flyway ignores a name it
    cannot parse (validateMigrationNaming is off by default)."""
    if not name.endswith(".sql") or name[:1] not in ("V", "U", "R"):
        return None
    version, _, description = name[1:-4].partition("__")
    if name[0] == "R":
        return None if version else ("R", "", description)
    if not _FLYWAY_VERSION.fullmatch(version):
        return None
    return name[0], version.replace("_", "."), description


#: Flyway's SQL callbacks: an event's name as written (`Event.fromId` compares it exactly),
#: then optionally `__description`. Run around migrations, never migrations themselves.
_FLYWAY_CALLBACK = lazy_compile(
    r"^(?:(?:before|after)(?:Each)?(?:Migrate|Undo)(?:Statement)?(?:Error)?|beforeRepeatables|"
    r"afterVersioned|afterMigrateApplied|(?:before|after)(?:Clean|Validate|Baseline|Repair|"
    r"Info|Connect)(?:Error)?|createSchema)(?:__.*)?\.sql$")

#: The callback Flyway runs before each migration, in the migration's transaction (if any).
_BEFORE_EACH_MIGRATE = lazy_compile(r"^beforeEachMigrate(?:__.*)?\.sql$")
#: The callback Flyway runs once before a `migrate`, on the migrations' connection.
_BEFORE_MIGRATE = lazy_compile(r"^beforeMigrate(?:__.*)?\.sql$")


def _detect_flyway(directory: Path, seen: set[str] | None = None) -> bool:
    """Flyway's location: its own files Flyway-named, or (as Flyway scans a location
    recursively) no .sql of its own and folders of them only: release1/, release2/.
    `seen`: the folders (real paths) looked at already, so a symlink loop ends."""
    own = [p for p in _sql_files(directory) if not _FLYWAY_CALLBACK.match(p.name)]
    if own:
        return any(_flyway_name(p.name) for p in own)
    return _flyway_releases(directory, seen if seen is not None else set())


def _flyway_releases(directory: Path, seen: set[str]) -> bool:
    """Whether `directory` holds Flyway folders (or folders of them) and no other SQL: one
    location, read whole. Not when one of them is named as tools name a project's migrations
    (a/migrations, b/db/migration): a folder per service is a history per database."""
    try:
        entries = _listing(directory)
    except OSError:
        return False
    here = os.path.realpath(directory)
    seen.add(here)
    found = False
    for name, (_, is_dir) in entries.items():
        # By name only: asking git which folders it ignores, per folder asked, is too slow
        # for detection (a folder git ignores that holds other SQL only keeps this False).
        if not is_dir or not _may_hold_migrations(name):
            continue
        if name.lower() in _MIGRATION_FOLDERS:
            return False
        sub = directory / name
        try:
            # (a folder of callbacks only, beforeMigrate.sql, ..., holds no migration)
            empty = all(_FLYWAY_CALLBACK.match(p.name) for p in _sql_files(sub)) and \
                not any(d for _, d in _listing(sub).values())
        except OSError:
            continue
        real = os.path.realpath(sub)
        # docs/, or a link back to a folder looked at or above: nothing new
        if empty or real in seen or here.startswith(real.rstrip("/") + "/"):
            continue
        if not _detect_flyway(sub, seen):
            return False
        found = True
    return found


def _callbacks(paths: Iterable[Path], event: re.Pattern[str]) -> str:
    """The text of the SQL callbacks of one event, in the order Flyway runs them (by name)."""
    return "\n".join(_read(path) for path in sorted(
        (p for p in paths if event.match(p.name)), key=lambda p: (p.name, p)))


def _flyway_conf(conf: Path, keys: Iterable[str]) -> tuple[dict[str, str], str]:
    """The value of each of `keys` that the properties file `conf` (a script config) sets,
    read as Flyway reads its config files (`flyway_lines`, then `property_entries`; the last
    of a key counts), with the file's text (to point at a line in it)."""
    try:
        if not _is_file(conf):
            return {}, ""
        text = conf.read_text(errors="replace")
    except OSError:  # unreadable: as if absent (Flyway would not start; nothing to lint)
        return {}, ""
    return {key: value for key, value in property_entries(flyway_lines(text))
            if key in keys}, text


def _refused(path: Path, text: str, key: str, value: object) -> InputError:
    """The input error of a Flyway setting whose value Flyway refuses (it does not start)."""
    from lockwise.discover.flyway_config import setting_line

    wanted = "a string" if isinstance(_FLYWAY_DEFAULTS.get(key.rsplit(".", 1)[-1]), str) \
        else "`true` or `false` (as written)"
    shown = value if isinstance(value, str) else repr(value)
    return InputError(f"{key} = {shown}: Flyway accepts only {wanted} for {key} and stops "
                      f"before it migrates anything: write {wanted}", path,
                      setting_line(text, key))


def _refused_variable(variable: str, key: str, value: object) -> InputError:
    """The input error of a Flyway environment variable whose value Flyway refuses."""
    wanted = "a string" if isinstance(_FLYWAY_DEFAULTS.get(key), str) else "true or false"
    from lockwise.discover.flyway_config import given_by

    return InputError(f"{given_by(variable)}={value}: Flyway accepts only "
                      f"{wanted} for {key} and stops before it migrates anything: set it to "
                      f"{wanted} (for lockwise as for Flyway), or unset it")


def _flyway_script_transaction(conf: Path) -> bool | None:
    """Whether the script config beside a migration (`V1__x.sql.conf`) says it runs in a
    transaction (`executeInTransaction` exactly `true` or `false`: Flyway refuses other
    values), or None when it says nothing: Flyway then decides by the statements."""
    properties, text = _flyway_conf(conf, ("executeInTransaction",))
    value = properties.get("executeInTransaction")
    if value is not None and value not in ("true", "false"):
        raise _refused(conf, text, "executeInTransaction", value)
    return {"true": True, "false": False}.get(value or "")


#: Flyway's settings that lockwise reads, with its defaults: `mixed` (a migration may mix
#: statements a transaction block refuses with others, and then runs without one) and
#: `executeInTransaction` (a migration runs in one unless one of its statements refuses it),
#: which decide how a migration's transaction runs; `initSql` (SQL run on each connection
#: before the migrations: its session settings, a lock_timeout, are in force for them).
_FLYWAY_DEFAULTS: dict[str, bool | str] = {"mixed": False, "executeInTransaction": True,
                                           "initSql": ""}


def _flyway_value(key: str, value: object) -> bool | str | None:
    """A flyway.conf or flyway.toml value of `key` as Flyway takes it, None when it refuses
    it: a boolean (a conf's `true` / `false`) where its default is one, else a string."""
    if isinstance(_FLYWAY_DEFAULTS[key], str):
        return value if isinstance(value, str) else None
    if isinstance(value, str):
        return {"true": True, "false": False}.get(value)
    return value if isinstance(value, bool) else None


def _flyway_settings(directory: Path, run: FlywayRun | None) -> dict[str, bool | str]:
    """Flyway's `mixed`, `executeInTransaction` and `initSql` for the location `directory`.

    When a Spring Boot or Micronaut application runs the location (`run`, found by
    `spring_boot.application_run`: its application files are above the location, its
    classpath root `src/main/resources/`, or they name it), the application runs Flyway with
    its own properties alone, Flyway's defaults for what they leave unset. Otherwise as
    Flyway's command line reads them from the folder it runs in (the project's, which holds the
    location or a folder above it): each from the nearest of `directory` and the folders above
    it whose config files set it, as a run there loads them (`flyway_config.config_files`:
    the install and home folders', `flyway.toml`, then `flyway.user.toml`, then the named
    ones; the TOML files, with the selected environment's overrides, or else the conf files'
    `flyway.`-prefixed properties, never both); for a key none sets, the home folder's files
    when no folder has config files. Flyway's defaults otherwise. Resolvers in a value
    (`${env.NAME}`) are replaced from lockwise's environment. Raises InputError, as Flyway
    stops, for a value it refuses (no boolean where it wants one, no string), for a TOML file
    that does not parse and for a resolver lockwise cannot resolve."""
    from lockwise.discover.flyway_config import resolved

    if run is not None and run.config is None:
        return {**_FLYWAY_DEFAULTS, **run.settings}
    settings: dict[str, bool | str] = {}
    for key, setting in _nearest_flyway_settings(directory, tuple(_FLYWAY_DEFAULTS)).items():
        name = setting.variable or (key if setting.toml else f"flyway.{key}")
        value = resolved(setting, name)
        if (taken := _flyway_value(key, value)) is None:
            if setting.variable is not None:
                raise _refused_variable(setting.variable, key, value)
            raise _refused(setting.path, setting.text, name, value)
        settings[key] = taken
    return {**_FLYWAY_DEFAULTS, **settings}


def _nearest_flyway_settings(directory: Path, keys: tuple[str, ...]) -> dict[str, Setting]:
    """Each of Flyway's settings `keys` that the command-line run configured for the
    location `directory` gives, as written (see `_flyway_settings`): from the nearest of
    `directory` and the folders above it whose config files (or Flyway's variables and
    command line there) set it; the home folder's files when no folder has config files."""
    from lockwise.discover.flyway_config import conf_settings, has_config, toml_settings, wanted

    out: dict[str, Setting] = {}
    folder = Path(os.path.abspath(directory))
    candidates: list[Path | None] = [folder, *folder.parents]
    # no folder with Flyway's config: a run there still loads the home folder's files
    candidates.append(None)
    for candidate in candidates:
        if candidate is None and any(has_config(other) for other in (folder, *folder.parents)):
            break  # (a run that has them loaded the home folder's files with its own)
        found = {key: setting for key, setting in toml_settings(candidate).items()
                 if wanted(key, keys)}
        found |= {name.removeprefix("flyway."): setting for name, setting in conf_settings(
            candidate, tuple(f"flyway.{key}" for key in keys)).items()
            if name.removeprefix("flyway.") not in found}
        for key, setting in found.items():
            out.setdefault(key, setting)  # a nearer folder's wins: this one's is not read
        if len(out) == len(keys) and not any(key.endswith(".*") for key in keys):
            break
    return out


# --- Flyway's placeholders (fix-layouts23) -------------------------------------------------

#: The settings that say how Flyway replaces placeholders and what its built-in ones are,
#: and the placeholders' own values (`placeholders` a TOML table, `placeholders.<name>` the
#: conf's, a variable's or an argument's).
_PLACEHOLDER_SETTINGS = ("placeholderReplacement", "placeholderPrefix", "placeholderSuffix",
                         "defaultSchema", "schemas", "user", "table", "url", "placeholders",
                         "placeholders.*")


def _flyway_tool(directory: Path) -> tuple[str, str, bool, dict[str, str]]:
    """How Flyway's command-line run of the location `directory` replaces placeholders (as
    `_flyway_settings` reads its settings): prefix, suffix, whether it does, and the value of
    each placeholder lint knows, by name in lower case: those the run's config files,
    variables and arguments give (`flyway.placeholders.<name>`, `[flyway.placeholders]` and
    the environment's override, `FLYWAY_PLACEHOLDERS_<NAME>`, `-placeholders.<name>=`) and
    the built-in ones it can tell (`flyway:defaultSchema`: `defaultSchema`, else the first
    of `schemas`; `flyway:user`; `flyway:database`, from the url; `flyway:table`;
    `flyway:workingDirectory`, the folder the run is configured in). Raises InputError, as
    Flyway stops, for a placeholderReplacement other than true or false."""
    from lockwise.discover.flyway_config import (
        PLACEHOLDERS,
        Setting,
        built_in_placeholders,
        has_config,
        placeholder_text,
        resolved,
    )

    found = _nearest_flyway_settings(directory, _PLACEHOLDER_SETTINGS)

    def value(key: str) -> object:
        setting = found.get(key)
        if setting is None:
            return None
        try:
            return resolved(setting, setting.variable or
                            (key if setting.toml else f"flyway.{key}"))
        except InputError:
            if key in ("url", "user", "defaultSchema", "schemas", "table"):
                return None  # (a built-in lint cannot tell keeps its stand-in)
            raise

    replace = value("placeholderReplacement")
    setting = found.get("placeholderReplacement")
    if setting is not None and replace not in (True, False, "true", "false"):
        if setting.variable is not None:
            raise _refused_variable(setting.variable, "placeholderReplacement", replace)
        raise _refused(setting.path, setting.text, "placeholderReplacement" if setting.toml
                       else "flyway.placeholderReplacement", replace)
    values: dict[str, str] = {}
    table_setting = found.get("placeholders")
    if table_setting is not None and isinstance(table_setting.value, dict):
        for name, item in table_setting.value.items():
            text = placeholder_text(Setting(item, table_setting.path, table_setting.text,
                                            table_setting.variable, table_setting.toml),
                                    str(name))
            if text is not None:
                values[str(name).lower()] = text
    for key in sorted(found):
        if key.startswith(PLACEHOLDERS) and isinstance(item := value(key), str):
            values[key[len(PLACEHOLDERS):].lower()] = item
    where = next((folder for folder in (Path(os.path.abspath(directory)),
                                        *Path(os.path.abspath(directory)).parents)
                  if has_config(folder)), None)
    values |= built_in_placeholders(value("defaultSchema"), value("schemas"), value("user"),
                                    value("url"), value("table"), where)
    prefix, suffix = value("placeholderPrefix"), value("placeholderSuffix")
    return (prefix if isinstance(prefix, str) and prefix else "${",
            suffix if isinstance(suffix, str) and suffix else "}",
            replace not in (False, "false"), values)


def _tool_placeholders(path: Path, text: str, tool: tuple[str, str, bool, dict[str, str]]
                       ) -> ToolPlaceholders | None:
    """How Flyway replaces the placeholders of the migration `path` whose text is `text`
    (`_flyway_tool` of its run): the values of those it uses, with the script's own
    (`flyway:filename`, and `flyway:timestamp`, the time Flyway parses it: taken as the
    file's, so that lint's cache keeps its result). None without a placeholder in Flyway's
    syntax."""
    from lockwise.parse.templates import tool_placeholder_names

    prefix, suffix, replace, values = tool
    names = tool_placeholder_names(text, prefix, suffix)
    if not names:
        return None
    if not replace:
        return ToolPlaceholders(prefix, suffix, False)
    used = {name.lower() for _, _, name in names}
    own = {"flyway:filename": path.name}
    if "flyway:timestamp" in used:
        import contextlib
        import time

        with contextlib.suppress(OSError):
            own["flyway:timestamp"] = time.strftime("%Y-%m-%d %H:%M:%S",
                                                    time.localtime(path.stat().st_mtime))
    known = tuple(sorted((name, value) for name, value in (values | own).items()
                         if name in used))
    # (one without a value still says that Flyway, not a template engine, stops at it)
    return ToolPlaceholders(prefix, suffix, True, known)


def flyway_placeholder_values(directory: Path, path: Path) -> dict[str, str] | None:
    """The value of each placeholder Flyway's run of the location `directory` gives the
    migration `path`, by name in lower case, as lint puts them in (`_flyway_tool`); None
    when that run replaces none."""
    prefix, suffix, replace, values = _flyway_tool(directory)
    if not replace:
        return None
    found = _tool_placeholders(path, "".join(f"{prefix}{name}{suffix}" for name in (
        *values, "flyway:filename", "flyway:timestamp")), (prefix, suffix, True, values))
    return dict(found.values) if found is not None else {}


def flyway_database(directory: Path) -> tuple[str, str] | None:
    """The database the Flyway command-line run of the location `directory` migrates, by
    the kind of its JDBC url (`jdbc:mysql:...`), with where the url is set, as a note says
    it: the command line's `-url=` (or the selected environment's
    `-environments.<name>.url=`) over `FLYWAY_URL` over the config files' (`flyway.url`, or
    the selected environment's `url` in flyway.toml), as `_flyway_settings` reads them. None
    when no url is set or its kind is none lockwise knows. A Spring Boot application's run is
    read from its files (`spring_boot.application_database`: `spring.flyway.url` over
    `spring.datasource.url`); a Micronaut one's decides nothing. The kind is read as
    written when it is (`jdbc:postgresql://${env.HOST}/app`); else with the url's
    resolvers replaced, and a url lockwise cannot resolve decides nothing (a
    `${vault.url}` stops no lint)."""
    from lockwise.discover.dialects import url_database
    from lockwise.discover.flyway_config import given_by, resolved, setting_line

    run, _ = _flyway_run(directory)
    if run is not None and run.config is None:
        from lockwise.discover.spring_boot import application_database

        return application_database(run.root, "flyway") if run.spring and run.root else None
    setting = _nearest_flyway_settings(directory, ("url",)).get("url")
    if setting is None or not isinstance(setting.value, str):
        return None
    name = "url" if setting.toml else "flyway.url"
    database = url_database(setting.value)
    if database is None and "${" in setting.value:
        try:
            value = resolved(setting, setting.variable or name)
        except InputError:
            return None
        database = url_database(value) if isinstance(value, str) else None
    if database is None:
        return None
    where = given_by(setting.variable) if setting.variable is not None else \
        f"{name} at {setting.path}:{setting_line(setting.text, name)}"
    return database, where


def flyway_locations(folder: Path) -> list[str] | None:
    """The locations Flyway's own config files in `folder` set, None when they set none: the
    TOML files' `[flyway]` `locations` (or the environment's override: `toml_settings`; a
    list of strings, or one string split at its commas, as the conf's), else the conf files'
    `flyway.locations`; resolvers replaced (`flyway_config.resolved`). `FLYWAY_LOCATIONS` (and
    a TOML run's `flyway_locations`) and `flyway_args`' `-locations=` win over the files. A
    value of another type sets nothing."""
    from lockwise.discover.flyway_config import conf_settings, resolved, toml_settings

    setting = toml_settings(folder).get("locations")
    if setting is not None:
        value = resolved(setting, "locations")
        if isinstance(value, str):
            return value.split(",")
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            return value
    setting = conf_settings(folder, ("flyway.locations",)).get("flyway.locations")
    return None if setting is None else str(resolved(setting, "flyway.locations")).split(",")


def _note_placeholder_lists(directory: Path) -> list[str]:
    """What to say of the lists given as placeholders' values in the application's run of
    the location `directory` (`spring_boot.placeholder_lists`)."""
    from lockwise.discover.spring_boot import placeholder_lists

    try:
        run = _flyway_run(directory)[0]
        return placeholder_lists(run) if run is not None and run.config is None else []
    except (InputError, OSError):  # (a file the framework refuses is said where it is read)
        return []


def _flyway_run(directory: Path) -> tuple[FlywayRun | None, list[Path]]:
    """The application's Flyway run that reads the location `directory` (None: Flyway's own
    files configure it), with the folders read with it as one history (`directory` first
    when it is one of them; `directory` alone when no application runs it)."""
    from lockwise.discover.spring_boot import application_run

    claim = application_run(directory)
    return (claim[0], claim[1]) if claim else (None, [directory])


def _tool_settings() -> tuple[tuple[int, str], ...]:
    """The files other layouts' detection reads beside or above a history's folder, as (how
    many folders above it, at most; the name): sqlx's Cargo.toml (`_cargo_uses_sqlx`), the
    Hasura project's config.yaml (`_hasura_project`), tern's tern.conf, graphile-migrate's
    configs and the Supabase CLI's config.toml."""
    from lockwise.discover.graphile import CONFIGS
    from lockwise.discover.tools import SUPABASE_CONFIG, TERN_CONFIG

    return ((2, CARGO_TOML), (2, HASURA_CONFIG), (1, TERN_CONFIG),
            (1, SUPABASE_CONFIG), *((1, name) for name in CONFIGS))


#: The folders other layouts' detection asks only whether they exist, as `_tool_settings`
#: lists files: the Hasura project's metadata folder (`_hasura_project`), whose files it
#: never reads.
_TOOL_FOLDERS = ((2, HASURA_METADATA),)


def settings_folders(folder: PurePosixPath) -> list[str]:
    """The folders whose existence alone discovery may read to tell the layout of the history
    in `folder` (a path relative to the top of a tree) apart (`_TOOL_FOLDERS`): a copy of the
    tree needs them, empty, not their files. Paths relative to the same top."""
    return [("" if str(above) == "." else f"{above.as_posix()}/") + name
            for level, above in enumerate((folder, *folder.parents))
            for most, name in _TOOL_FOLDERS if level <= most]


def settings_files(folder: PurePosixPath) -> list[str]:
    """The files discovery may read the settings of the history in `folder` (a path
    relative to the top of a tree, such as a git repository's) from: Flyway's own config
    files in it and each folder above it, the application files of each of those that
    may be a classpath root, itself or its `src/main/resources` (`spring_boot`; the
    profiles' files are in `application_folders`), and the files other layouts are told
    apart by (`_tool_settings`: sqlx's Cargo.toml, Hasura's config.yaml, ...) where they
    look for them. Paths relative to the same top, whether each
    exists or not."""
    from lockwise.discover.flyway_config import CONFIG_FILES
    from lockwise.discover.spring_boot import APPLICATION_FILES

    out = []
    for level, above in enumerate((folder, *folder.parents)):
        prefix = "" if str(above) == "." else f"{above.as_posix()}/"
        out += [prefix + name for name in CONFIG_FILES]
        out += [f"{prefix}{resources}{name}" for resources in _RESOURCES
                for name in APPLICATION_FILES]
        out += [prefix + name for most, name in _tool_settings() if level <= most]
    return out


#: Where a folder's application files are, as `settings_files` reads them: itself, or its
#: `src/main/resources` (a Maven or Gradle project's classpath root).
_RESOURCES = ("", "src/main/resources/")


def application_folders(folder: PurePosixPath) -> list[str]:
    """The folders whose profiles' application files (`spring_boot.is_profile_file`) the
    history in `folder` may be read with: those of `settings_files`' application files,
    each `/`-terminated (`./` for the top), relative to the same top."""
    out = []
    for above in (folder, *folder.parents):
        prefix = "" if str(above) == "." else f"{above.as_posix()}/"
        out += [f"{prefix}{resources}{config}" or "./" for resources in _RESOURCES
                for config in ("", "config/")]
    return out


def _read_flyway(directory: Path) -> list[Migration]:
    """The migrations Flyway runs from the location `directory`: with the other locations of
    the Spring Boot or Micronaut run that names it (Flyway reads all of a run's locations as
    one history)."""
    from lockwise.discover.spring_boot import locations_below

    claim, locations = _flyway_run(directory)
    # Flyway reads every folder below its locations; a version must be unique in all of them
    # (else "Found more than one migration with version": the graph reports it). Not the
    # folders below that are another run's locations: that run reads them.
    walked: set = {path.resolve() for path in locations_below(locations)} - \
        {location.resolve() for location in locations}
    below = [path for location in locations for path in _walk_sql(location, walked)]
    files = [(path, parsed) for path in below if (parsed := _flyway_name(path.name))]
    prelude, run_prelude = (_callbacks(below, event) for event in (_BEFORE_EACH_MIGRATE,
                                                                     _BEFORE_MIGRATE))
    # Undo files by version as Flyway tells versions apart (`U2` and `U02` are one), as
    # found (by path): Flyway refuses two of one version, the graph reports the others.
    undo: dict[str, list[Path]] = {}
    for path, (kind, version, _) in files:
        if kind == "U":
            undo.setdefault(version_identity(version, "flyway"), []).append(path)
    versioned, repeatable = [], []
    settings = _flyway_settings(directory, claim) if files \
        else _FLYWAY_DEFAULTS
    # An application's run (Spring Boot, Micronaut) is read from its own files
    # (`spring.flyway.placeholders.<name>`, ...): no built-in placeholder's value is known.
    tool = None if not files else claim.placeholders \
        if claim is not None and claim.config is None else _flyway_tool(directory)
    for path, (kind, version, name) in files:
        if kind == "U":
            continue
        # A script config's executeInTransaction decides, whatever the settings say; else a
        # migration runs without a transaction when the settings turn it off, or (as the
        # linter sees its statements) when one refuses it.
        script = _flyway_script_transaction(path.with_name(path.name + ".conf"))
        transaction = {"no_transaction": script is False or (
            script is None and not settings["executeInTransaction"]),
                       "forced_transaction": script is True,
                       "mixed_without_transaction": settings["mixed"],
                       "init_sql": settings["initSql"]}
        text = _read(path)
        placeholders = _tool_placeholders(path, text, tool) if tool is not None else None
        if kind == "R":
            repeatable.append(_make("R", name, path, text, "flyway",
                                    repeatable=True, prelude=prelude,
                                    tool_placeholders=placeholders,
                                    run_prelude=run_prelude, **transaction))
        else:
            down, *others = sorted(undo.get(version_identity(version, "flyway"), [None]),
                                   key=str)
            versioned.append(_make(version, name, path, text, "flyway",
                                   down, prelude=prelude, run_prelude=run_prelude,
                                   tool_placeholders=placeholders,
                                   other_down_paths=tuple(others), **transaction))
    versioned.sort(key=lambda mig: (mig.sort_key, str(mig.path)))
    # by description: the name with `_` read as a space, as Flyway compares them
    repeatable.sort(key=lambda mig: (mig.name.replace("_", " "), str(mig.path)))
    return versioned + repeatable  # Flyway runs repeatables after all versioned migrations


# --- plain: *.sql ordered by version prefix; nested version folders read recursively --------

def _detect_plain(directory: Path) -> bool:
    return True


def _detect_atlas(directory: Path) -> bool:
    """Atlas keeps `atlas.sum`, the checksums of its versioned migrations, beside them."""
    return _has_file(str(directory), "atlas.sum")


def _read_atlas(directory: Path) -> list[Migration]:
    # `-- atlas:txmode none` is one of the markers `_make` looks for.
    return [_make(*_split_version(path.stem), path, _read(path), "atlas")
            for path in _sql_files(directory)]


#: photoprism's migration files (internal/entity/migrate/<dialect>/): `<ID>[.<stage>].sql`,
#: the ID `YYYYMMDD-NNNNNN`; its stages in the order they run (the package's README "When
#: Migrations Run", stages.go): `pre` before gorm's AutoMigrate, the files without a stage
#: (`main`) after it, then `post`.
_PHOTOPRISM_NAME = lazy_compile(r"\d{8}-\d{6}(?:\.(pre|post))?\.sql")
_PHOTOPRISM_STAGES = {"pre": 0, None: 1, "post": 2}


def _photoprism_stages(paths: list[Path]) -> dict[Path, int] | None:
    """Where each of a plain folder's `paths` runs in photoprism's stages (fix-layouts27):
    None unless one of them is a `.pre.sql` or `.post.sql` of a photoprism ID (its runner
    runs every `pre` file first, then the others in name order, then `post`)."""
    stages = {path: match.group(1) for path in paths
              if (match := _PHOTOPRISM_NAME.fullmatch(path.name))}
    if not any(stages.values()):
        return None
    return {path: _PHOTOPRISM_STAGES[stages.get(path)] for path in paths}


def _read_plain(directory: Path) -> list[Migration]:
    out = []
    paths = _sql_files(directory) or sorted(
        p for p in _walk_sql(directory, set()) if _is_file(p))
    stages = _photoprism_stages(paths)
    for path in paths:
        if path.name.lower().endswith(".down.sql"):
            continue
        version, name = _split_version(path.stem)
        if path.parent != directory:  # nested (e.g. v1.2/schema.sql): the folders carry it
            # The version is the folders' path, the name the file's: its id (version_name)
            # says the version once (v1.2_schema, not v1.2_v1.2_schema).
            version = "/".join(path.relative_to(directory).parts[:-1])
            name = path.stem
        # A photoprism stage runs whole before the next: it leads the key.
        staged = ((0, stages[path], ""),) + version_key(version or name) if stages else None
        out.append(_make(version, name, path, _read(path), "plain", sort_key=staged))
    out.sort(key=lambda m: (m.sort_key, str(m.path)))
    return _in_manifest_order(out)


def _manifests(migrations: list[Migration]) -> Iterator[tuple[list[Migration], list[str],
                                                              Warned | None]]:
    """Each version folder of several files with a manifest.json (temporal's), its files in
    name order, their names in the order the manifest gives, and its warning."""
    for run in version_folder_runs(migrations):
        folder = run[0].path.parent
        if len(run) > 1 and _has_file(str(folder), MANIFEST):
            from lockwise.discover.manifest import manifest_order

            yield (run, *manifest_order(folder, [m.path.name for m in run]))


def _in_manifest_order(migrations: list[Migration]) -> list[Migration]:
    """`migrations` with the files of each version folder in its manifest's order."""
    for run, order, _ in _manifests(migrations):
        start = migrations.index(run[0])
        by_name = {m.path.name: m for m in run}
        migrations[start:start + len(run)] = [by_name[n] for n in order]
    return migrations


def _note_manifests(migrations: list[Migration], notes: list[str]) -> None:
    """Warn of each manifest.json that could not order its version's files."""
    if migrations and migrations[0].layout == "plain":
        notes += [warning for _, _, warning in _manifests(migrations) if warning]


#: Folders whose .sql files are never the project's migrations: tools' and dependencies'
#: (vendored Go modules), and build output (Maven's target/classes holds a copy of
#: src/main/resources/db/migration).
_NOT_MIGRATIONS = frozenset({"node_modules", "site-packages", "__pycache__", "venv", "vendor",
                             "bower_components", "target", "build", "dist"})


class _Ignored:
    """The folders git ignores below one directory, asked of git only when a walk first
    goes below it (a folder that is a history itself never runs git)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._folders: frozenset[str] | None = None

    def __contains__(self, folder: Path) -> bool:
        if self._folders is None:
            from lockwise.discover.ignored import ignored_folders

            self._folders = ignored_folders(self.directory)
        return bool(self._folders) and os.path.abspath(folder) in self._folders


def _read_below(directory: Path, name: str, ignored: _Ignored) -> bool:
    """Whether a walk looking for migrations goes into the folder `name` of `directory`:
    not a hidden folder (.git, .venv, .tox), a dependencies' or build output's, or one git
    ignores."""
    return _may_hold_migrations(name) and directory / name not in ignored


def _may_hold_migrations(name: str) -> bool:
    """Whether a folder's name alone lets a walk go into it (see `_read_below`)."""
    return not name.startswith(".") and name not in _NOT_MIGRATIONS


def _walk_sql(directory: Path, seen: set, ignored: _Ignored | None = None) -> list[Path]:
    """All .sql files below `directory`, following no symlink loop twice. Hidden folders,
    dependencies' and build output's are not read (see `_read_below`): `lockwise lint` run at
    a project's root would otherwise lint every package's SQL."""
    ignored = ignored if ignored is not None else _Ignored(directory)
    try:
        key = directory.resolve()
    except (OSError, RuntimeError):
        return []
    if key in seen:
        return []
    seen.add(key)
    found: list[Path] = []
    try:
        entries = _listing(directory)
    except OSError:
        return []
    for name, (_, is_dir) in entries.items():
        if is_dir:
            if _read_below(directory, name, ignored):
                found.extend(_walk_sql(directory / name, seen, ignored))
        elif _is_sql(name):
            found.append(directory / name)
    return found


#: A folder named as a version: v1.5, 1.5, 2024_01, V3.
_VERSION_FOLDER = lazy_compile(r"[vV]?\d+(?:[._-]\d+)*")


def versions_folder(folder: Path) -> bool:
    """Whether `folder` holds version folders only: named as versions (temporal's
    versioned/: v1.0, v1.1, ...) or beginning with one (a folder per migration:
    0001_init/, 0002_users/). Not a project folder that has a `v1/` among others, which
    would be read whole."""
    try:
        entries = _listing(folder)
    except OSError:
        return False
    names = [name for name, (_, is_dir) in entries.items()
             if is_dir and not name.startswith(".")]
    return bool(names) and all(_VERSION_FOLDER.fullmatch(name) or _split_version(name)[0]
                               for name in names) and \
        not any(_holds_histories(folder, name) for name in names)


def _holds_histories(parent: Path, name: str) -> bool:
    """Whether the folder `name` of `parent`, named as a version, holds no SQL of its own,
    only separate migration directories below (temporal's postgresql/v12/: temporal/ and
    visibility/, two databases): a server version, not a migration version, so its parent is
    no folder of versions. Its listing answers for a folder with SQL (a folder per
    migration: lemmy's 342), with no Path built for it or its files."""
    if _has_sql(_join(str(parent), name)):
        return False
    folder = parent / name
    return len(_roots(folder, set(), _Ignored(folder), [])) > 1


def discover_histories(path: Path, layout: str | None = None,
                       notes: list[str] | None = None, dialect: str | None = None,
                       ) -> list[tuple[Path, list[Migration]]]:
    """The migration directories `path` names, each the history of a database of its own,
    with its migrations (as `discover` reads them).

    `path` itself when it is one: a file, a folder of a known layout, one that holds .sql
    files with versions in their names or whose folders are all versions, or any folder with
    `layout` given. Otherwise, the directories found in each of its folders, as a monorepo
    keeps services/a/migrations beside services/b/migrations: read as one history, b's
    `CREATE TABLE users` would meet a's table, and each history's versions the other's.
    Folders without SQL give none; hidden, dependencies', build output's and git-ignored
    folders are not read. A folder whose own .sql files have no version in their names
    (schema.sql, structure.sql, seeds.sql: dumps and seeds) and which has a folder of
    migrations below it is not a history: its files are skipped, and said so in `notes`.
    A folder with no SQL at all is one history, with no migrations.

    With `dialect`, a history found below `path` in a folder named for another database
    (mysql/, sqlite/: see lockwise.discover.dialects) is left out, said so in `notes`; when
    every history found is, `path` is an input error (nothing of it would be linted). A pop
    folder (lockwise.discover.pop) is read for `dialect`.
    """
    with dialect_in_force(dialect):
        return _discover_histories(path, layout, notes, dialect)


def _discover_histories(path: Path, layout: str | None, notes: list[str] | None,
                        dialect: str | None) -> list[tuple[Path, list[Migration]]]:
    if layout is not None or not path.is_dir():
        found = discover(path, layout)
        if layout is not None and not found:
            # Linting nothing and passing would hide a wrong --layout (or a wrong folder).
            raise path_error(f"no {layout} migrations found here (--layout {layout})", path)
        return [(path, found)]
    notes = notes if notes is not None else []
    token = _SEEN.set(_Seen())  # the folders listed to find them are not listed again
    try:
        before = len(notes)
        others = _OtherDatabases(dialect) if dialect is not None else None
        seen: set = set()
        roots = _application_above(path, seen, notes, others)
        roots += _roots(path, seen, _Ignored(path), notes, others)
        if not roots and others is not None and others.left_out:
            raise path_error(all_left_out(dialect), path)
        if not roots and len(notes) == before:
            roots = [path]
        histories = _distinct([(root, discover(root)) for root in dict.fromkeys(roots)])
        if dialect is not None:
            histories = _by_flyway_url(path, histories, dialect, notes)
        histories = histories or [(path, [])]
        for root, migrations in histories:
            _note_unread(root, migrations, notes)
            _note_manifests(migrations, notes)
            if dialect is not None and migrations and migrations[0].layout == "prisma" and \
                    (note := prisma_provider_note(root, dialect)):
                notes.append(note)
        return histories
    except OSError as exc:  # a folder looked into cannot be listed
        raise os_input_error(exc, path) from None
    finally:
        _SEEN.reset(token)


def _by_flyway_url(path: Path, histories: list[tuple[Path, list[Migration]]], dialect: str,
                   notes: list[str]) -> list[tuple[Path, list[Migration]]]:
    """`histories` less the Flyway histories found below `path` whose run's url names another
    database than `dialect` (`flyway_database`), as a folder named for one is left out (in
    `notes`); `path`'s own is read all the same, and noted (naming it is a choice). Raises
    InputError when every history found was left out."""
    from lockwise.discover.dialects import url_note

    kept = []
    for root, migrations in histories:
        layout = migrations[0].layout if migrations else None
        found = flyway_database(root) if layout == "flyway" else \
            _liquibase_database(root) if layout == "liquibase" else None
        tool = "Liquibase" if layout == "liquibase" else "Flyway"
        if found is None or other_database(found[0], dialect, []) is None:
            kept.append((root, migrations))
        elif root == path:
            notes.append(url_note(root, found[0], found[1], dialect, tool) or "")
            kept.append((root, migrations))
        else:
            notes.append(left_out_note(root, root.name, found[0], dialect,
                                       f"{tool}'s url, {found[1]},"))
    if histories and not kept:
        raise path_error(all_left_out(dialect), path)
    return kept


def _liquibase_database(directory: Path) -> tuple[str, str] | None:
    """The database the Spring Boot application whose resources hold the Liquibase folder
    `directory` (the nearest classpath root above it, as for its master changelog) runs
    Liquibase on: `spring.liquibase.url` over `spring.datasource.url`
    (`spring_boot.application_database`); None without one, or a url of no kind known."""
    from lockwise.discover.spring_boot import application_database, nearest_classpath_root

    root = nearest_classpath_root(directory)
    return None if root is None else application_database(root, "liquibase")


def _distinct(histories: list[tuple[Path, list[Migration]]]) -> list[tuple[Path, list[Migration]]]:
    """`histories` less those whose migrations an earlier one holds (a Flyway run of several
    locations is read whole from each of them)."""
    out, taken = [], set()
    for root, migrations in histories:
        keys = {file_key(m.path) for m in migrations}
        if not migrations or not keys <= taken:
            taken |= keys
            out.append((root, migrations))
    return out


#: Folders where tools keep their migrations, in SQL or not (Rails' db/migrate/*.rb): the
#: .sql files beside one are the schema those migrations produce, or its seed data.
_MIGRATION_FOLDERS = frozenset({"migrate", "migrations", "migration"})


def _unversioned(files: list[Path]) -> bool:
    """Whether no file has a version in its name (schema.sql, seeds.sql, database.sql)."""
    return not any(_split_version(path.stem)[0] for path in files)


def _holds_migrations(directory: Path) -> bool:
    """Whether a folder found by discovery is a history of migrations, not a folder of
    unversioned scripts: a known layout, version folders, or versioned .sql files."""
    return detect_layout(directory) != "plain" or versions_folder(directory) or \
        not _unversioned(_sql_files(directory))


class _OtherDatabases:
    """The dialect in force while histories are looked for, and those found in a folder named
    for another database, left out."""

    __slots__ = ("dialect", "left_out")

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.left_out: list[Path] = []


def _roots(directory: Path, seen: set, ignored: _Ignored, notes: list[str],
           others: _OtherDatabases | None = None) -> list[Path]:
    try:
        key = directory.resolve()
        entries = _listing(directory)
    except (OSError, RuntimeError):
        return []
    if key in seen:
        return []
    seen.add(key)
    own = _sql_files(directory)
    roots: list[Path] = _application_roots(directory, entries, seen, notes, others)
    if not _holds_claimed(key) and (versions_folder(directory) or detect_layout(directory) !=
                                    "plain" or own and not _unversioned(own)):
        _note_unread_subfolders(directory, entries, ignored, notes)
        return [*roots, directory]
    left_out: list[Path] = []
    for name, (_, is_dir) in entries.items():
        if not is_dir or not _read_below(directory, name, ignored):
            continue
        database = None if others is None else other_database(name, others.dialect, entries)
        if database is None:
            roots += _roots(directory / name, seen, ignored, notes, others)
        else:  # its own notes (dumps beside its migrations) are about SQL not linted anyway
            left_out += _left_out(directory / name, database, seen, ignored, notes, others)
    if not own:
        return roots
    beside = _migrations_beside(directory, entries, roots + left_out)
    if beside is None:  # unversioned scripts and nothing else: they are the history
        return [directory]
    names = ", ".join(path.name for path in own)
    notes.append(f"{directory}: {names} not linted: no version in the name, beside the "
                 f"migrations of {beside} (a schema dump or seed data, not a history; "
                 f"`--layout plain FILE` lints one)")
    return roots


def _application_roots(directory: Path, entries: dict[str, tuple[bool, bool]], seen: set,
                       notes: list[str], others: _OtherDatabases | None) -> list[Path]:
    """The histories of the Flyway runs that the application files of `directory` (a Spring
    Boot or Micronaut classpath root) or of its `src/main/resources` configure: each run's
    first location that exists (`_read_flyway` reads its other locations with it); for a
    `{vendor}` location, one per database folder found, those named for another database than
    the dialect in force left out (noted). Their locations are claimed: the walk does not read
    them again, nor takes a folder above one for a history. An application file that does
    not load is an input error when Flyway migrations are below it (else nothing to lint
    needs it)."""
    # Flyway's config: read where a folder has files (a plain SQL folder's lint loads none)
    from lockwise.discover.flyway_config import CONFIG_FILES, run_folder
    from lockwise.discover.spring_boot import (
        application_runs,
        config_classpath_root,
        flyway_config_run,
        holds_application_files,
    )

    state = _SEEN.get()
    if state is None:
        return []
    found: list[Path] = []
    keys = []
    for root, names in ((directory, entries), (directory / "src" / "main" / "resources", None)):
        try:
            if names is None:
                if not entries.get("src", (False, False))[1]:
                    continue
                names = _listing(root)
        except OSError:
            continue
        if not holds_application_files(root, names):
            continue
        if str(root) not in state.applications:  # each classpath root read once per walk
            state.applications[str(root)] = _run_locations(
                root, lambda root=root: application_runs(root) or [], root)
        keys.append(str(root))
    # Flyway's command line's, run here
    # (or, in the folder of lockwise's config, the run it gives a working directory)
    if (run_in := run_folder(directory, entries)) is not None:
        key = f"{run_in}{os.sep}{CONFIG_FILES[0]}"
        if key not in state.applications:
            state.applications[key] = _run_locations(
                run_in, lambda: [run] if (run := flyway_config_run(run_in)) else [],
                config_classpath_root(run_in))
        keys.append(key)
    for key in keys:
        # (again at each call: a walk that looks ahead, `_holds_histories`, may come first)
        for vendor, folders in state.applications[key]:
            state.claim(folders)
            seen.update(folder.resolve() for folder in folders)
            # the history is found at a location Flyway's files are in (another may be
            # empty, or hold something else), and read whole from there
            history = next((folder for folder in folders if _detect_flyway(folder)), folders[0])
            database = None if vendor is None or others is None else \
                other_database(vendor, others.dialect, [])
            if database is None:
                found.append(history)
            else:
                notes.append(left_out_note(history, vendor, database, others.dialect))
                others.left_out.append(history)
    return found


def _run_locations(folder: Path, runs: Callable[[], list[FlywayRun]],
                   classpath_root: Path) -> list[tuple[str | None, list[Path]]]:
    """The existing location folders of each enabled run of `runs()` (those configured in
    `folder`), by vendor. A configuration file that does not load is an input error when
    Flyway migrations are below `folder`, else it configures nothing."""
    from lockwise.discover.spring_boot import location_folders

    try:
        found = runs()
    except InputError:
        if any(_flyway_name(path.name) for path in _walk_sql(folder, set())):
            raise
        found = []
    out = []
    for run in found:
        try:
            out += [(vendor, folders) for vendor, folders in
                    (location_folders(run, classpath_root) if run.enabled else []) if folders]
        except OSError as exc:  # (a name too long): said at the setting, not at the path
            if run.config is None:
                raise
            raise _location_refused(run.config, exc) from None
    return out


def _location_refused(folder: Path, exc: OSError) -> InputError:
    """The input error of a location of the Flyway run configured in `folder` that the
    system refuses to look at (a name longer than it allows), at the setting that gives the
    locations: the line of flyway.toml's `locations` or flyway.conf's `flyway.locations`,
    or the environment variable."""
    from lockwise.discover.flyway_config import (
        conf_settings,
        given_by,
        setting_line,
        toml_settings,
    )

    key = "locations"
    setting = toml_settings(folder).get(key)
    if setting is None:
        key = "flyway.locations"
        setting = conf_settings(folder, (key,)).get(key)
    named = os.fsdecode(exc.filename) if exc.filename else "a folder"
    message = (f"a location names {named}, which the system refuses to look at "
               f"({exc.strerror or exc}; a name longer than 255 bytes, or a path longer "
               "than the system allows, is refused): Flyway cannot read it either; fix the "
               "location")
    if setting is None:
        return InputError(message, folder, None)
    if setting.variable is not None:
        return InputError(f"{given_by(setting.variable)}: {message}")
    return InputError(f"{key}: {message}", setting.path, setting_line(setting.text, key))


def _application_above(path: Path, seen: set, notes: list[str],
                       others: _OtherDatabases | None) -> list[Path]:
    """For a folder named inside a classpath root (`src/main/resources/db/migration`, whose
    folders are `{vendor}` locations), below a project whose `src/main/resources` holds
    application files (`sql/`, whose folders are `filesystem:sql/*` locations), or below a
    folder whose Flyway config files set locations: the histories of the application's Flyway
    runs below it, their locations claimed as when the walk starts above
    (`_application_roots`); the databases left out below it noted. A project's resources
    decide only when a run's location is below the folder (as `application_run`'s)."""
    from lockwise.discover.flyway_config import has_config
    from lockwise.discover.spring_boot import APPLICATION_FILES

    folder = Path(os.path.abspath(path))
    for candidate in folder.parents:
        resources = candidate / "src" / "main" / "resources"
        in_resources_only = not any(os.path.isfile(candidate / name)
                                    for name in APPLICATION_FILES) and \
            not (has_config(candidate) and _configures(candidate))
        if in_resources_only and not any(os.path.isfile(resources / name)
                                         for name in APPLICATION_FILES):
            continue
        # spelt as `path` is (relative when it is), as the walk would have found them
        root = candidate if path.is_absolute() else Path(os.path.relpath(candidate))
        try:
            names = _listing(root)
        except OSError:
            return []
        found: list[str] = []
        local = _OtherDatabases(others.dialect) if others is not None else None
        before = len(notes)
        roots = _application_roots(root, names, seen, found, local)
        for note, history in zip(found, local.left_out if local else (), strict=True):
            if os.path.abspath(history) == str(folder):  # named: read whatever its name says
                roots.append(history)
            elif _within(history, folder) and others is not None:
                notes.append(note)
                others.left_out.append(history)
        below = [history for history in roots if _within(history, folder)]
        if below or not in_resources_only or len(notes) > before:
            return below
    return []


def _configures(folder: Path) -> bool:
    """Whether Flyway's config files in `folder` set locations; one that does not load sets
    none here (the run's history says so, if it has migrations)."""
    from lockwise.discover.spring_boot import flyway_config_run

    try:
        return flyway_config_run(folder) is not None
    except InputError:
        return False


def _within(path: Path, folder: Path) -> bool:
    """Whether `path` is the absolute `folder` or below it."""
    return (os.path.abspath(path) + os.sep).startswith(str(folder).rstrip(os.sep) + os.sep)


def _holds_claimed(key: Path) -> bool:
    """Whether a location an application's Flyway run reads is below the folder `key` (a real
    path): the folder is no history of its own, its folders are walked."""
    state = _SEEN.get()
    return state is not None and str(key).rstrip(os.sep) in state.holding


def _left_out(folder: Path, database: str, seen: set, ignored: _Ignored, notes: list[str],
              others: _OtherDatabases) -> list[Path]:
    """The histories below `folder`, named for another database: noted, not linted."""
    found = _roots(folder, seen, ignored, [])
    for history in found:
        notes.append(left_out_note(history, folder.name, database, others.dialect))
    others.left_out += found
    return found


def _migrations_beside(directory: Path, entries: dict[str, tuple[bool, bool]],
                       roots: list[Path]) -> Path | None:
    """The folder of migrations below `directory` (one discovery found, or one named as
    tools name theirs) that makes its unversioned .sql files a dump, or None."""
    found = next((root for root in roots if _holds_migrations(root)), None)
    if found is not None:
        return found
    return next((directory / name for name, (_, is_dir) in entries.items()
                 if is_dir and name.lower() in _MIGRATION_FOLDERS), None)


def _note_unread_subfolders(directory: Path, entries: dict[str, tuple[bool, bool]],
                            ignored: _Ignored, notes: list[str]) -> None:
    """A plain history reads its own .sql files only: say which of its folders hold
    migrations of their own that are not read with it."""
    if not _sql_files(directory) or detect_layout(directory) != "plain":
        return
    for name, (_, is_dir) in entries.items():
        sub = directory / name
        if is_dir and _read_below(directory, name, ignored) and _holds_migrations(sub) \
                and _sql_files(sub):
            notes.append(f"{sub}: holds migrations that are not read with those of "
                         f"{directory}: name it to lint it")


#: The names tools give a schema dump or seed data kept beside the migrations (dbmate's
#: db/schema.sql, Rails' structure.sql and seeds, temporal's database.sql / schema.sql).
_DUMP_NAMES = frozenset({"schema.sql", "structure.sql", "database.sql", "seed.sql",
                         "seeds.sql", "data.sql", "dump.sql"})


def not_a_migration(path: Path) -> str | None:
    """Why a .sql file named on its own is none of a history's migrations (a sqitch verify
    script; a schema dump or seed, by its usual name, beside a migration folder), or None.

    Any other file named is linted: naming it says it is meant to be, and a migration
    skipped would pass unjudged."""
    folder = path.parent
    if folder.name == "verify" and detect_sqitch(folder.parent):
        return "a sqitch verify script (it checks a change; it is not one)"
    if path.name.lower() not in _DUMP_NAMES:
        return None
    token = _SEEN.set(_SEEN.get() or _Seen())
    try:
        own = _sql_files(folder)
        if path not in own or not _unversioned(own):
            return None
        entries = _listing(folder)
        ignored = _Ignored(folder)
        roots = [root for name, (_, is_dir) in entries.items()
                 if is_dir and _read_below(folder, name, ignored)
                 for root in _roots(folder / name, set(), ignored, [])]
        beside = _migrations_beside(folder, entries, roots)
    except OSError:
        return None
    finally:
        _SEEN.reset(token)
    if beside is None:
        return None
    return (f"no version in its name, beside the migrations of {beside}: a schema dump or "
            f"seed data, not a migration")


# Drizzle and Liquibase live in modules of their own, imported only for a folder (or file)
# that is theirs: most folders are neither, and importing both was a tenth of lint's own
# start-up. The tests here tell cheaply; the modules decide.

#: How far into a file a Liquibase changelog's header (its first non-blank line) is looked for.
_LIQUIBASE_HEAD = 512


def _detect_drizzle(directory: Path) -> bool:
    """drizzle-kit's folder: its journal, meta/_journal.json (lockwise.discover.drizzle)."""
    return _has_file(_join(str(directory), "meta"), "_journal.json")


def _read_drizzle(directory: Path) -> list[Migration]:
    from lockwise.discover.drizzle import read_drizzle

    return read_drizzle(directory)


def _may_be_changelog(head: bytes | str | None) -> bool:
    """Whether a file's start (bytes or text) says "liquibase" at all."""
    if head is None:
        return False
    start = head[:_LIQUIBASE_HEAD].lower()
    return b"iquibase" in start if isinstance(start, bytes) else "iquibase" in start


#: The names a Liquibase master changelog may have (liquibase.master_changelog).
_CHANGELOG_SUFFIXES = (".xml", ".yaml", ".yml", ".json")


def _detect_liquibase(directory: Path) -> bool:
    if not any(_may_be_changelog(file_head(path)) for path in _sql_files(directory)) and \
            not any(is_file and name.lower().endswith(_CHANGELOG_SUFFIXES) and
                    b"databaseChangeLog" in (file_head(Path(directory, name)) or b"")
                    for name, (is_file, _) in _listing(directory).items()):
        return False
    from lockwise.discover.liquibase import detect_liquibase

    return detect_liquibase(directory)


def _read_liquibase(directory: Path) -> list[Migration]:
    from lockwise.discover.liquibase import read_liquibase

    return read_liquibase(directory)


def _detect_graphile(directory: Path) -> bool:
    """graphile-migrate's folder holds committed/, current.sql or current/, or is committed/
    itself (lockwise.discover.graphile, imported only for such a folder)."""
    try:
        listing = _listing(directory)
    except OSError:
        return False
    absent = (False, False)
    if not (directory.name == "committed" or listing.get("committed", absent)[1]
            or listing.get("current.sql", absent)[0] or listing.get("current", absent)[1]):
        return False
    from lockwise.discover.graphile import detect_graphile

    return detect_graphile(directory)


def _read_graphile(directory: Path) -> list[Migration]:
    from lockwise.discover.graphile import read_graphile

    return read_graphile(directory)


# dbmate, goose, sql-migrate, sqitch, tern, postgrator and Supabase live in tools.py, which
# uses the helpers above.
from lockwise.discover.tools import (  # noqa: E402
    dbmate_file,
    detect_dbmate,
    detect_goose,
    detect_postgrator,
    detect_sqitch,
    detect_sql_migrate,
    detect_supabase,
    detect_tern,
    goose_go_files,
    goose_version,
    read_dbmate,
    read_goose,
    read_postgrator,
    read_sqitch,
    read_sql_migrate,
    read_supabase,
    read_tern,
    split_sections,
)


class Layout:
    """A migration tool's layout: how to recognise its folder and read its migrations. (Not a
    dataclass: the constants of LAYOUTS, and making a dataclass costs every lint, a cached one
    too, about 1 M instructions.)"""

    __slots__ = ("detect", "name", "read")

    def __init__(self, name: str, detect: Callable[[Path], bool],
                 read: Callable[[Path], list[Migration]]) -> None:
        self.name = name
        self.detect = detect
        self.read = read


LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (
        # First: a journal says which tool it is, whatever the names.
        Layout("drizzle", _detect_drizzle, _read_drizzle),
        Layout("flyway", _detect_flyway, _read_flyway),
        # Its files named for a database (`.postgres.up.sql`) are golang-migrate's to it.
        Layout("pop", detect_pop, read_pop),
        # Before golang-migrate, whose `.up.sql` files sqlx's reversible ones look like.
        Layout("sqlx", _detect_sqlx, _read_sqlx),
        Layout("golang-migrate", _detect_golang, _read_golang),
        # Hasura's folders are diesel's, beside the Hasura CLI's config.yaml.
        Layout("hasura", _detect_hasura, _read_hasura),
        Layout("diesel", _detect_diesel, _read_diesel),
        Layout("prisma", _detect_prisma, _read_prisma),
        Layout("postgrator", detect_postgrator, read_postgrator),
        # Its committed/ folder and current.sql, or a .gmrc above: no other tool's.
        Layout("graphile-migrate", _detect_graphile, _read_graphile),
        Layout("sqitch", detect_sqitch, read_sqitch),
        # Liquibase's header, like the section markers after it, is in the files: the layouts
        # above tell by names alone, without reading a file.
        Layout("liquibase", _detect_liquibase, _read_liquibase),
        Layout("dbmate", detect_dbmate, read_dbmate),
        Layout("goose", detect_goose, read_goose),
        Layout("sql-migrate", detect_sql_migrate, read_sql_migrate),
        Layout("atlas", _detect_atlas, _read_atlas),
        # tern's separator is a comment anywhere in a file: after the tools whose markers,
        # names or folders say more.
        Layout("tern", detect_tern, read_tern),
        # A plain folder by its files, told apart by where it is (supabase/migrations).
        Layout("supabase", detect_supabase, read_supabase),
        Layout("plain", _detect_plain, _read_plain),
    )
}


def history_of_part(path: Path) -> Path | None:
    """The migrations directory that `path` is one part of, when it is not one itself: a file
    (its folder, or the folder above a folder per migration), one diesel or prisma migration's
    own folder, or sqitch's deploy/ (revert/, verify/). Read alone, such a part looks like a
    plain history of its own (diesel's up.sql and down.sql as two migrations)."""
    path = Path(os.path.abspath(path))  # `.` has no parent to look at
    folder = path.parent if _is_file(path) else path
    parent = folder.parent
    part = (folder.name in ("deploy", "revert", "verify") and detect_sqitch(parent)) or any(
        _is_file(folder / name) and _detect(parent)
        for name, _detect in (("up.sql", _detect_diesel), ("migration.sql", _detect_prisma)))
    if part:
        return parent
    return folder if folder != path else None


def detect_layout(directory: Path) -> str:
    for layout in LAYOUTS.values():
        if layout.detect(directory):
            return layout.name
    return "plain"


def file_key(path: Path) -> str:
    """The same string for every spelling of a path (./a/../b.sql and b.sql), without the
    file-system calls of Path.resolve(): cheap enough to use per migration."""
    return os.path.abspath(path)


def migration_from_text(sql: str, filename: str = "<stdin>") -> Migration:
    """A single migration given as text (stdin, or a file named on the command line)."""
    path = Path(filename)
    stem = path.name
    for suffix in (".up.sql", ".sql"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    version, name = _split_version(stem)
    # A dbmate, goose or sql-migrate file holds its down section too: that is not the up.
    up_sql, down_sql, no_tx, tool = split_sections(sql)
    return Migration(
        version=version or stem, name=name if version else "", path=path, up_sql=up_sql,
        down_sql=down_sql, down_path=path if down_sql is not None else None,
        no_transaction=no_tx, layout=tool or "file",
        sort_key=version_key(version or stem),
    )


def _read_single_file(path: Path, text: str) -> Migration:
    migration = migration_from_text(text, str(path))
    if path.name.lower().endswith(".up.sql"):
        down = path.with_name(path.name[: -len(".up.sql")] + ".down.sql")
        if down.is_file():
            return Migration(**{**_as_dict(migration), "down_sql": read_sql_file(down),
                                "down_path": down})
    return migration


def _as_dict(m: Migration) -> dict:
    return {f: getattr(m, f) for f in m.__slots__}  # type: ignore[attr-defined]


def discover(path: Path, layout: str | None = None) -> list[Migration]:
    """Read `path` (a directory or one file) as an ordered list of migrations.

    Raises InputError for a missing path or an unknown layout; never for file contents, which
    parse later and report their own problems.
    """
    if layout is not None and layout not in LAYOUTS:
        raise InputError(f"unknown layout {layout!r}; choose one of {', '.join(LAYOUTS)}")
    if not path.exists():
        raise missing_path_error(path)
    if path.is_file():
        text = read_sql_file(path)
        if _may_be_changelog(text):
            from lockwise.discover.liquibase import is_formatted, read_changelog

            if is_formatted(text[:HEAD_BYTES]):  # a Liquibase changelog: a migration a changeset
                return read_changelog(path, text)
        return [_read_single_file(path, text)]
    if not path.is_dir():
        raise path_error("not a regular file or directory", path)
    token = _SEEN.set(_SEEN.get() or _Seen())
    try:
        chosen = LAYOUTS[layout or detect_layout(path)]
        migrations = chosen.read(path)
    except OSError as exc:  # a folder or file below `path` cannot be listed or read
        raise os_input_error(exc, path) from None
    finally:
        _SEEN.reset(token)
    if chosen.name not in ("flyway", "plain"):  # these readers give the order their tool runs
        migrations.sort(key=lambda m: (m.sort_key, str(m.path)))
    return migrations
