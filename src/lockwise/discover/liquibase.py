"""Liquibase's formatted SQL changelogs: one .sql file, or a folder of them, whose first
non-blank line is `--liquibase formatted sql`.

As Liquibase's FormattedSqlChangeLogParser reads one (https://docs.liquibase.com/concepts/
changelogs/sql-format.html):

- `--changeset author:id [attribute:value ...]` opens a changeset, which runs to the next one;
  changesets run in the order of the file. A line that starts `--changeset` but is no such
  header (no `author:id`, a space after the colon) makes Liquibase refuse the changelog, as
  does a changeset with no SQL before the next one and a `--comment` line outside a changeset.
- each changeset runs in its own transaction, committed at its end; `runInTransaction:false`
  runs its statements one by one, each committed on its own. Attribute values are read as
  Java reads a boolean: anything but `true` is false.
- `dbms:` lists the databases it runs on (`postgresql`, `all`, `none`, `!name` excludes one);
  `ignore:true` skips it. `context:` and `labels:` filter at run time, which lockwise cannot
  know: such changesets are linted.
- `--rollback <sql>` lines (several add up), or a `/* liquibase rollback` ... `*/` block, hold
  its rollback; `--rollback not required` / `--rollback empty` say there is none to run, and
  `--rollback changesetId:<id> changesetAuthor:<author>` rolls back with that changeset's SQL.
- `endDelimiter:<d>` ends statements with <d> instead of `;`; `--ignoreLines:start` ...
  `--ignoreLines:end` and `--ignoreLines:<n>` hide lines from Liquibase.

A folder is read as Liquibase's `includeAll` reads one, file by file in name order; a .sql file
in it without the header is one changeset of its whole text, run in a transaction, as
Liquibase's plain SQL changelogs are.

Each changeset is one lockwise migration, its id `author:id`; its SQL (and its rollback, the
down migration) keep their lines and columns in the file.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from lockwise.core.types import Migration
from lockwise.parse.source import InputError

LAYOUT = "liquibase"

_HEADER = re.compile(r"\s*--\s*liquibase\s*formatted", re.IGNORECASE)
#: `--changeset author:id rest`, the author and id optionally in double quotes. No space after
#: the colon: Liquibase refuses `author: id`.
_CHANGESET = re.compile(r'\s*--\s*changeset\s+("[^"]+"|[^:]+):("[^"]+"|\S+)(.*)',
                        re.IGNORECASE)
#: What Liquibase takes for a changeset header it cannot read (and refuses).
_CHANGESET_LIKE = re.compile(r"\s*--\s*changeset|-\s*changeset\s", re.IGNORECASE)
_ROLLBACK = re.compile(r"\s*--\s*rollback (.*)", re.IGNORECASE)
_ROLLBACK_BLOCK = re.compile(r"\s*/\*\s*liquibase\s*rollback\s*", re.IGNORECASE)
_BLOCK_END = re.compile(r"(.*?)\*/\s*")
_IGNORE_LINES = re.compile(r"--\s*ignoreLines:(\w+)", re.IGNORECASE)
_COMMENT = re.compile(r"--\s*comment:? ", re.IGNORECASE)
#: Lines of a changeset that Liquibase reads as its metadata, not as its SQL.
_METADATA = re.compile(r"\s*--\s*(?:comments?:? |preconditions|precondition-|validCheckSum)",
                       re.IGNORECASE)
_ATTRIBUTE = re.compile(r'(\w+):("[^"]*"|\S*)')
_ROLLBACK_REFERENCE = {key: re.compile(rf"{key}:(\S+)", re.IGNORECASE)
                       for key in ("changesetId", "changesetAuthor", "changesetPath")}


def is_formatted(head: str) -> bool:
    """Whether a file's text (its head is enough) is a formatted SQL changelog: its first
    non-blank line is the header."""
    text = head.lstrip().lstrip("\ufeff").lstrip()  # a byte order mark, as Liquibase skips it
    return _HEADER.match(text[:text.find("\n")] if "\n" in text else text) is not None


#: `_HEADER` on a file's first bytes: blank lines and a byte order mark, then the header.
_HEADER_BYTES = re.compile(rb"\s*(?:\xef\xbb\xbf\s*)?--[ \t\f\v]*liquibase[ \t\f\v]*formatted",
                           re.IGNORECASE)


def _formatted_file(path: Path) -> bool:
    """`is_formatted` of a file, on its bytes: detection asks it of every .sql file of a
    folder, and decoding each file's head was a fifth of discovering a large folder."""
    from lockwise.discover.layouts import file_head

    data = file_head(path)
    return data is not None and _HEADER_BYTES.match(data) is not None


def detect_liquibase(directory: Path) -> bool:
    from lockwise.discover.layouts import _sql_files

    return any(_formatted_file(path) for path in _sql_files(directory)) or \
        master_changelog(directory) is not None


def may_be_liquibase(directory: Path) -> bool:
    """Whether `directory` holds Liquibase changelogs (a formatted SQL one, or a changelog
    that includes others), its includes not looked at: `lint --base` asks before it has
    unpacked the files they name."""
    from lockwise.discover.layouts import _CHANGELOG_SUFFIXES, _listing, _sql_files, file_head

    return any(_formatted_file(path) for path in _sql_files(directory)) or any(
        is_file and name.lower().endswith(_CHANGELOG_SUFFIXES) and
        (head := file_head(directory / name)) is not None and _MASTER_BYTES.search(head)
        for name, (is_file, _) in _listing(directory).items())


# --- a master changelog that includes SQL files -------------------------------------------

#: What a changelog's first bytes hold when it is one that includes others.
_MASTER_BYTES = re.compile(rb"databaseChangeLog[\s\S]*include", re.IGNORECASE)


def master_changelog(directory: Path) -> Path | None:
    """The master changelog of `directory`: its XML, YAML or JSON `databaseChangeLog` that
    includes SQL files (`include` of a file, `includeAll` of a folder) and that no other
    such changelog of the folder includes (Spring Boot's `db.changelog-master.yaml`, the
    `--changelog-file` Liquibase's command line is given); None when there is none, or
    several (which one runs is said where Liquibase runs)."""
    from lockwise.discover.layouts import _CHANGELOG_SUFFIXES, _listing, file_head

    candidates = []
    for name, (is_file, _) in _listing(directory).items():
        if is_file and name.lower().endswith(_CHANGELOG_SUFFIXES):
            head = file_head(directory / name)
            if head is not None and _MASTER_BYTES.search(head):
                candidates.append(directory / name)
    if not candidates:
        return None
    candidates.sort()
    included = {Path(os.path.abspath(entry.path)) for master in candidates
                for entry in _entries(master)}
    masters = [path for path in candidates
               if Path(os.path.abspath(path)) not in included and _sql_of(path)]
    if not masters:
        for candidate in candidates:  # (a cycle leaves none that nothing includes: said)
            _changelog_files(candidate)
    if len(masters) > 1:  # the one a Spring Boot application runs, if it is one of them
        from lockwise.discover.spring_boot import liquibase_change_logs

        chosen = {os.path.abspath(path) for path in liquibase_change_logs(directory)}
        masters = [path for path in masters if os.path.abspath(path) in chosen]
    return masters[0] if len(masters) == 1 else None


def _sql_of(master: Path) -> bool:
    """Whether `master` includes any SQL file, itself or through the changelogs it includes."""
    try:
        return bool(_changelog_files(master))
    except InputError:  # (it is said when the history is read)
        return True


@dataclass(frozen=True)
class _Element:
    """An element of a changelog's `databaseChangeLog` list: its tag (`include`,
    `includeAll`, `changeSet`, ...), its scalar attributes (None for a value that is a list,
    a mapping or null), and the 1-based line and column of the element and of each
    attribute's value."""

    tag: str
    attributes: dict[str, str | None]
    line: int
    column: int
    places: dict[str, tuple[int, int]] = field(default_factory=dict)

    def place(self, name: str) -> tuple[int, int]:
        return self.places.get(name, (self.line, self.column))


def _document(master: Path) -> list[_Element]:
    """The elements of the changelog `master`, in order. Raises InputError, at the line and
    column of the problem, for one that does not parse (Liquibase does not start)."""
    from lockwise.discover.layouts import _read

    text = _read(master)
    try:
        return _xml_elements(text) if master.suffix.lower() == ".xml" else _yaml_elements(text)
    except InputError as exc:
        raise InputError(f"Liquibase cannot read this changelog ({exc.message}); fix it",
                         master, exc.line, exc.column) from None
    except RecursionError:
        raise InputError("Liquibase cannot read this changelog (nested too deeply); fix it",
                         master) from None


def _xml_elements(text: str) -> list[_Element]:
    """The children of an XML changelog's root element, at their lines (expat refuses an
    entity expansion out of proportion to the text: a "billion laughs")."""
    from xml.parsers import expat

    parser = expat.ParserCreate(namespace_separator="}")
    elements: list[_Element] = []
    depth = 0

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth
        depth += 1
        if depth == 2:
            elements.append(_Element(name.rsplit("}", 1)[-1], dict(attributes),
                                     parser.CurrentLineNumber, parser.CurrentColumnNumber + 1))

    def end(_: str) -> None:
        nonlocal depth
        depth -= 1

    parser.StartElementHandler, parser.EndElementHandler = start, end
    try:
        parser.Parse(text.encode(), True)
    except expat.ExpatError as exc:
        raise InputError(expat.ErrorString(exc.code), None, exc.lineno,
                         exc.offset + 1) from None
    return elements


def _yaml_elements(text: str) -> list[_Element]:
    """The items of a YAML or JSON changelog's `databaseChangeLog` list, read from the
    document's nodes: an alias is never expanded, and only scalar attributes are read."""
    import yaml

    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise InputError(problem, None, mark.line + 1 if mark else 1,
                         mark.column + 1 if mark else 1) from None
    except yaml.YAMLError as exc:
        raise InputError(str(exc).replace("\n", " "), None) from None
    items = next((value.value for key, value in _pairs(root)
                  if key.value == "databaseChangeLog" and
                  isinstance(value, yaml.SequenceNode)), [])
    out = []
    for item in items:
        for key, body in _pairs(item):
            attributes: dict[str, str | None] = {}
            places = {}
            for name, value in _pairs(body):
                scalar = isinstance(value, yaml.ScalarNode) and \
                    not value.tag.endswith(":null")
                attributes[name.value] = value.value if scalar else None
                places[name.value] = (value.start_mark.line + 1, value.start_mark.column + 1)
            out.append(_Element(key.value, attributes, key.start_mark.line + 1,
                                key.start_mark.column + 1, places))
    return out


def _pairs(node: object) -> list:
    """The (key, value) pairs of a YAML mapping node whose key is a scalar; none for any
    other node."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return []
    return [(key, value) for key, value in node.value if isinstance(key, yaml.ScalarNode)]


@dataclass(frozen=True)
class _Included:
    """A file (`include`) or folder (`includeAll`) a changelog includes, and the line of the
    element that includes it."""

    path: Path
    tag: str
    line: int
    column: int


def _flag(element: _Element, name: str, default: bool) -> bool:
    """A boolean attribute as Liquibase reads one (`true` / `false`, any case)."""
    value = element.attributes.get(name)
    return default if value is None else value.strip().lower() == "true"


def _entries(master: Path) -> list[_Included]:
    """The files and folders `master` includes, in order: a path relative to the changelog's
    folder when `relativeToChangelogFile` is true, else to Liquibase's search path (the
    classpath root, or the folder Liquibase runs in), taken as the nearest of the
    changelog's folder and the folders above it that holds it. One with `ignore: true`, or
    not there with `errorIfMissing` (`errorIfMissingOrEmpty` for `includeAll`) false, is
    left out, as Liquibase leaves it. Raises InputError, at its line, for one Liquibase
    refuses: no `file` (`path`), not there, an `includeAll` of an empty folder."""
    out = []
    for element in _document(master):
        if element.tag not in ("include", "includeAll"):
            continue
        key = "file" if element.tag == "include" else "path"
        line, column = element.place(key)
        named = element.attributes.get(key)
        if named is None or not named.strip():
            if key in element.attributes:
                raise InputError(f"`{key}` of {element.tag} must be a path (Liquibase "
                                 "stops); fix it", master, line, column)
            said = "No 'file' attribute on 'include'" if key == "file" else \
                "No path attribute for includeAll"
            raise InputError(f"{element.tag} names no {key} (Liquibase stops: \"{said}\"); "
                             f"give it a {key}", master, line, column)
        if _flag(element, "ignore", False):
            continue
        found = _found(master, named.strip().replace("\\", "/"),
                       _flag(element, "relativeToChangelogFile", False))
        must = _flag(element, "errorIfMissing" if key == "file" else "errorIfMissingOrEmpty",
                     True)
        if found is None or element.tag == "includeAll" and not _holds_files(found):
            if not must:
                continue
            said = "not found" if found is None else \
                "Could not find directory or directory was empty"
            what = "not there" if found is None else \
                "no folder" if not found.is_dir() else "an empty folder"
            raise InputError(f"{element.tag} names {named}, which is {what} "
                             f"(Liquibase stops: \"{said}\"): fix the path, or set "
                             "relativeToChangelogFile", master, line, column)
        out.append(_Included(found, element.tag, line, column))
    return out


def _places(master: Path, named: str, relative: bool) -> list[Path]:
    """Where the path a changelog names may be, nearest first: see `_entries`."""
    path = named.removeprefix("classpath:").lstrip("/")
    if relative:
        return [master.parent / path]
    # (an absolute file-system path, else one on the search path)
    places = [Path(named)] if os.path.isabs(named) else []
    return places + [folder / path for folder in (master.parent, *master.parent.parents)]


def include_places(changelog: Path) -> list[Path]:
    """Every place where a file or folder `changelog` includes may be (for `lint --base`,
    which unpacks a revision's history folder and must fetch what it includes from
    elsewhere); none for a changelog that does not parse (said when it is read)."""
    try:
        elements = _document(changelog)
    except InputError:
        return []
    return [place for element in elements if element.tag in ("include", "includeAll")
            for key in ["file" if element.tag == "include" else "path"]
            if (named := element.attributes.get(key))
            for place in _places(changelog, named.strip().replace("\\", "/"),
                                 _flag(element, "relativeToChangelogFile", False))]


def _found(master: Path, named: str, relative: bool) -> Path | None:
    """Where the path a changelog names is, or None: see `_entries`."""
    for place in _places(master, named, relative):
        try:
            if place.exists():
                return place
        except (OSError, ValueError):  # a name too long, a NUL byte: not there
            continue
    return None


def _holds_files(folder: Path) -> bool:
    return any(names for _, _, names in os.walk(folder))


def _changelog_files(master: Path, chain: tuple[Path, ...] = ()) -> list[Path]:
    """The SQL changelogs `master` runs, in the order it runs them: each `include`d .sql
    file; each .sql file below an `includeAll`'d folder, its subfolders too, ordered by path
    as Liquibase orders them; the SQL files of an included XML or YAML changelog in its
    place. Changesets written in XML or YAML are not SQL lockwise reads. Raises InputError
    for a changelog that includes one that includes it (`chain`: those that include
    `master`), at the line of the include that closes the cycle: Liquibase's `include`
    does not guard against one, its parsing recursing until its stack overflows."""
    from lockwise.discover.layouts import _CHANGELOG_SUFFIXES

    out: list[Path] = []
    chain = (*chain, Path(os.path.abspath(master)))
    for entry in _entries(master):
        if entry.tag == "include":
            files = [entry.path]
        else:
            files = sorted((Path(root) / name for root, _, names in os.walk(entry.path)
                            for name in names), key=lambda path: path.as_posix())
        for path in files:
            if path.suffix.lower() == ".sql":
                out.append(path)
            elif path.suffix.lower() in _CHANGELOG_SUFFIXES:
                if Path(os.path.abspath(path)) in chain:
                    cycle = " -> ".join(part.name for part in (*chain, path))
                    raise InputError(f"{entry.tag} of {path.name} makes a cycle ({cycle}): "
                                     "Liquibase never finishes reading it; remove the "
                                     "include", master, entry.line, entry.column)
                out += _changelog_files(path, chain)
    return out


@dataclass
class _Changeset:
    author: str
    ident: str
    #: 1-based line of the header.
    line: int
    start: int
    attributes: dict[str, str]
    end: int = 0
    #: Pieces of the file that are its rollback SQL, and the line of the first.
    rollback: list[tuple[int, int]] = field(default_factory=list)
    rollback_line: int = 0
    #: Pieces of its own range that Liquibase does not read as SQL (ignored lines).
    hidden: list[tuple[int, int]] = field(default_factory=list)
    has_sql: bool = False

    @property
    def key(self) -> str:
        return f"{self.author}:{self.ident}"

    def flag(self, name: str, default: bool) -> bool:
        """A boolean attribute as Java's Boolean.parseBoolean reads it."""
        value = self.attributes.get(name.lower())
        return default if value is None else value.lower() == "true"


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) > 1 and text[0] == text[-1] == '"' else text


def _attributes(rest: str) -> dict[str, str]:
    return {m.group(1).lower(): _unquote(m.group(2)) for m in _ATTRIBUTE.finditer(rest)}


def runs_on_postgresql(dbms: str | None) -> bool:
    """Whether a `dbms:` list takes PostgreSQL (Liquibase's short name `postgresql`)."""
    if dbms is None:
        return True
    names = [name.strip().lower() for name in dbms.split(",") if name.strip()]
    if not names:
        return True
    if "none" in names or "!postgresql" in names:
        return False
    wanted = [name for name in names if not name.startswith("!")]
    return not wanted or "all" in wanted or "postgresql" in wanted


@dataclass
class _Scan:
    """One pass over a changelog's lines, as Liquibase reads them."""

    text: str
    path: Path
    changesets: list[_Changeset] = field(default_factory=list)
    #: Lines to skip, set by `--ignoreLines:<n>`, or None for `--ignoreLines:start`.
    skipping: int | None = 0
    #: The rollback block being read (its changeset), if any.
    block: _Changeset | None = None
    block_line: int = 0

    def error(self, message: str, line: int) -> InputError:
        return InputError(f"{message} (Liquibase refuses this changelog)", self.path, line)

    def run(self) -> list[_Changeset]:
        offset = 0
        for number, line in enumerate(self.text.split("\n"), 1):
            self._line(line, number, offset)
            offset += len(line) + 1
        if self.block is not None:
            raise self.error("the `/* liquibase rollback` comment is never closed",
                             self.block_line)
        if self.changesets:
            self.changesets[-1].end = len(self.text)
        return self.changesets

    def _hide(self, start: int, length: int) -> None:
        if self.changesets:
            self.changesets[-1].hidden.append((start, start + length))

    def _line(self, line: str, number: int, offset: int) -> None:
        if self.skipping is None or self.skipping > 0:
            self._hide(offset, len(line))
            ignore = _IGNORE_LINES.fullmatch(line)
            if self.skipping is None:
                if ignore and ignore.group(1) == "end":
                    self.skipping = 0
            else:
                self.skipping -= 1
            return
        if self.block is not None:
            self._block_line(line, offset)
            return
        if ignore := _IGNORE_LINES.fullmatch(line):
            self._ignore(ignore.group(1), number)
            return
        if header := _CHANGESET.fullmatch(line):
            self._open(header, number, offset)
            return
        if _CHANGESET_LIKE.match(line):
            raise self.error("not a changeset header: expected `--changeset author:id "
                             "[attribute:value ...]`", number)
        if not self.changesets:
            if _COMMENT.match(line):
                raise self.error("a `--comment` line outside any changeset", number)
            return
        self._in_changeset(self.changesets[-1], line, number, offset)

    def _ignore(self, value: str, number: int) -> None:
        if value == "start":
            self.skipping = None
        elif value.isdigit():
            self.skipping = int(value)
        else:
            raise self.error(f"`--ignoreLines:{value}`: expected a number, `start` or `end`",
                             number)

    def _open(self, header: re.Match[str], number: int, offset: int) -> None:
        if self.changesets:
            previous = self.changesets[-1]
            if not previous.has_sql:
                raise self.error(f"changeset {previous.key} has no SQL", previous.line)
            previous.end = offset
        author, ident = _unquote(header.group(1)), _unquote(header.group(2))
        if not ident.replace(":", "").strip():
            raise self.error("the changeset id is empty", number)
        self.changesets.append(_Changeset(author, ident, number, offset,
                                          _attributes(header.group(3))))

    def _in_changeset(self, changeset: _Changeset, line: str, number: int,
                      offset: int) -> None:
        if rollback := _ROLLBACK.fullmatch(line):
            changeset.rollback.append((offset + rollback.start(1), offset + len(line)))
            changeset.rollback_line = changeset.rollback_line or number
        elif _ROLLBACK_BLOCK.fullmatch(line):
            self.block, self.block_line = changeset, number
            changeset.rollback_line = changeset.rollback_line or number
        elif line.strip() and not _METADATA.match(line):
            changeset.has_sql = True

    def _block_line(self, line: str, offset: int) -> None:
        assert self.block is not None
        end = _BLOCK_END.fullmatch(line)
        self.block.rollback.append((offset, offset + (len(end.group(1)) if end else len(line))))
        if end:
            self.block = None


def _up_text(text: str, changeset: _Changeset) -> str:
    """The changeset's SQL at its place in the file, its ignored lines blanked and its
    `endDelimiter` (on a line of its own) written as `;`, which lockwise's parser splits at."""
    from lockwise.discover.tools import keep_ranges

    ranges, at = [], changeset.start
    for start, end in changeset.hidden:
        ranges.append((at, start))
        at = end
    ranges.append((at, changeset.end))
    up = keep_ranges(text, ranges)
    delimiter = changeset.attributes.get("enddelimiter", "")
    if delimiter and delimiter != ";":
        pattern = re.compile(rf"^([ \t]*){re.escape(delimiter)}[ \t]*$",
                             re.IGNORECASE | re.MULTILINE)
        up = pattern.sub(lambda m: m.group(1) + ";" + " " * (len(m.group(0)) -
                                                               len(m.group(1)) - 1), up)
    return up


def _down_text(scan: _Scan, changeset: _Changeset, ups: dict[str, str]) -> str | None:
    """The rollback SQL at its place in the file; None when the changeset has none or says
    none is needed."""
    from lockwise.discover.tools import keep_ranges

    pieces = "\n".join(scan.text[start:end] for start, end in changeset.rollback).strip()
    lowered = pieces.lower()
    if not pieces or lowered.startswith(("not required", "empty")):
        return None
    if "changesetid" not in lowered:
        return keep_ranges(scan.text, changeset.rollback)
    found = {key: m.group(1) for key, pattern in _ROLLBACK_REFERENCE.items()
             if (m := pattern.search(pieces))}
    other = found.get("changesetPath")
    if other is not None and Path(other).name != scan.path.name:
        return None  # another changelog's changeset: not read here
    if "changesetId" not in found or "changesetAuthor" not in found:
        raise scan.error("a rollback that names a changeset needs both changesetId: and "
                         "changesetAuthor:", changeset.rollback_line)
    key = f"{found['changesetAuthor']}:{found['changesetId']}"
    if key not in ups:
        raise scan.error(f"the rollback names changeset {key}, which is not in this "
                         "changelog before it", changeset.rollback_line)
    return ups[key]


def read_changelog(path: Path, text: str, file_index: int = 0) -> list[Migration]:
    """The changesets of one formatted SQL changelog that run on PostgreSQL, in file order."""
    from lockwise.discover.layouts import _LOCKWISE_NO_TX
    from lockwise.discover.versions import version_key

    scan = _Scan(text, path)
    out: list[Migration] = []
    ups: dict[str, str] = {}
    for position, changeset in enumerate(scan.run(), 1):
        up_sql = _up_text(text, changeset)
        ups[changeset.key] = up_sql
        if changeset.flag("ignore", False) or \
                not runs_on_postgresql(changeset.attributes.get("dbms")):
            continue
        down_sql = _down_text(scan, changeset, ups)
        out.append(Migration(
            version=changeset.key, name="", path=path, up_sql=up_sql, down_sql=down_sql,
            down_path=path if down_sql is not None else None,
            no_transaction=not changeset.flag("runInTransaction", True) or
            _LOCKWISE_NO_TX.search(text, changeset.start, changeset.end) is not None,
            layout=LAYOUT,
            # Meant to be edited, and run again when it is (views, functions).
            repeatable=changeset.flag("runOnChange", False),
            sort_key=version_key(f"{file_index}.{position}")))
    return out


def _raw_changelog(path: Path, text: str, file_index: int) -> Migration:
    """A .sql file without the header, in a changelog folder: one changeset of its whole
    text, which Liquibase runs in a transaction."""
    from lockwise.discover.layouts import _LOCKWISE_NO_TX
    from lockwise.discover.versions import version_key

    return Migration(version=path.stem, name="", path=path, up_sql=text,
                     no_transaction=_LOCKWISE_NO_TX.search(text[:4096]) is not None,
                     layout=LAYOUT,
                     sort_key=version_key(f"{file_index}.0"))


#: How many folders above a folder of SQL changelogs a master that includes them is looked
#: for (the classpath root is `src/main/resources`, a few folders up).
LEVELS_ABOVE = 5


def master_above(directory: Path) -> tuple[Path, list[str]] | None:
    """The master changelog of a folder above `directory` (up to `LEVELS_ABOVE`, and not
    above a repository's root, the folder holding `.git`) that runs SQL changelogs of
    `directory` itself, and their names in the order it runs them; None when none does (or
    a changelog above is broken: said when that folder is linted)."""
    folder = Path(os.path.abspath(directory))
    for parent in folder.parents[:LEVELS_ABOVE]:
        try:
            master = master_changelog(parent)
            if master is not None and (mine := [
                    path.name for path in _changelog_files(master)
                    if Path(os.path.abspath(path)).parent == folder]):
                return master, list(dict.fromkeys(mine))
            if (parent / ".git").exists():
                return None
        except (InputError, OSError):
            return None
    return None


def _own_files(directory: Path) -> list[Path]:
    """The .sql files of a folder without a master changelog: in the order of a master
    above it that runs them (`master_above`), the others after them, in name order."""
    from lockwise.discover.layouts import _sql_files

    files = _sql_files(directory)
    above = master_above(directory)
    if above is None:
        return files
    return list(dict.fromkeys([directory / name for name in above[1]] + files))


def note_above(directory: Path) -> str | None:
    """What to say of a folder of SQL changelogs read alone whose changesets a master
    changelog above it runs (`master_above`): lockwise reads them in that master's order,
    and that master's history holds more than this folder."""
    from lockwise.discover.layouts import _sql_files

    if master_changelog(directory) is not None or (above := master_above(directory)) is None:
        return None
    master, names = above
    note = (f"{directory}: changesets read in the order of {master}, which runs them with "
            f"the rest of its history: lint {master.parent} to check all of it")
    if stray := [path.name for path in _sql_files(directory) if path.name not in names]:
        note += f"; {', '.join(stray)} not run by it (linted after the others, by name)"
    return note


def note_turned_off(directory: Path) -> str | None:
    """What to say of a Liquibase folder whose application turns Liquibase off (Spring
    Boot's `spring.liquibase.enabled=false`, Micronaut's
    `liquibase.datasources.<name>.enabled: false`): the application applies none of these
    changesets, so they are no history it runs. They are linted all the same (the Liquibase
    command line, or another application, may run them)."""
    from lockwise.discover.spring_boot import turned_off_note

    return turned_off_note(directory, "liquibase")


def read_liquibase(directory: Path) -> list[Migration]:
    """The changesets of the folder's SQL changelogs: those its master changelog runs, in
    its order (`master_changelog`), else its own .sql files, in the order of a master
    above that runs them (`master_above`) or in name order (`includeAll`)."""
    from lockwise.discover.layouts import _read

    out: list[Migration] = []
    master = master_changelog(directory)
    files = _changelog_files(master) if master is not None else _own_files(directory)
    for file_index, path in enumerate(files, 1):
        text = _read(path)
        if is_formatted(text[:4096]):
            out += read_changelog(path, text, file_index)
        else:
            out.append(_raw_changelog(path, text, file_index))
    return out
