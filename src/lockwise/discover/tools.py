"""Layouts of dbmate, goose, sql-migrate and sqitch.

dbmate: `<version>_<name>.sql`, each file holding both directions after `-- migrate:up` and
`-- migrate:down` lines; `-- migrate:up transaction:false` runs it outside a transaction.

goose: `<version>_<name>.sql`, each file holding both directions after `-- +goose Up` and
`-- +goose Down` lines; `-- +goose NO TRANSACTION` runs it outside a transaction.

sql-migrate: the same with `-- +migrate Up` and `-- +migrate Down`; `-- +migrate Up
notransaction` runs it outside a transaction.

sqitch: `sqitch.plan` lists the changes in deploy order; each change has `deploy/<change>.sql`,
`revert/<change>.sql` and `verify/<change>.sql`. A change reworked after a tag keeps its older
scripts as `deploy/<change>@<tag>.sql`.

tern (jackc/tern): `<number>_<name>.sql`, the up SQL, then `---- create above / drop below ----`,
then the down SQL; `---- tern: disable-tx ----` on a line of its own runs it statement by
statement without a transaction.

postgrator: `<version>.do[.<description>].sql`, its down `<version>.undo[.<description>].sql`.

Supabase CLI: `supabase/migrations/<version>_<name>.sql`, beside `supabase/config.toml`.

The helpers of layouts.py are imported inside the functions: layouts.py imports this module
while it builds its LAYOUTS table.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

from lockwise.core.lazy_re import lazy_compile
from lockwise.core.types import Migration
from lockwise.parse.source import InputError, read_sql_file, read_text_file

# --- dbmate and goose: both directions in one file -------------------------------------------

_DBMATE_SECTION = lazy_compile(r"^[ \t]*--[ \t]*migrate:(up|down)\b([^\n]*)$",
                               re.IGNORECASE | re.MULTILINE)
#: dbmate's parser (pkg/dbmate/migration.go: `(?m)^--\s*migrate:up(\s*$|\s+\S+)`) knows a
#: marker only lowercase at the start of a line: the sections are split as it splits them
#: (the looser pattern above only tells a dbmate folder, whose misspelt file is then refused).
_DBMATE_MARKER = lazy_compile(r"^--\s*migrate:(up|down)(?=\s|$)([^\n]*)$", re.MULTILINE)
#: The files dbmate takes for migrations (FindMigrations, pkg/dbmate/db.go: `^(\d+).*\.sql$`,
#: Go's \d the ASCII digits, `.sql` as written); the digits are the version it records. It
#: skips the others in its folder (notes.sql, a dump), and so does lockwise.
_DBMATE_FILE = lazy_compile(r"([0-9]+).*\.sql")


def dbmate_file(name: str) -> bool:
    """Whether dbmate takes the file `name` in its migrations folder for a migration."""
    return _DBMATE_FILE.fullmatch(name) is not None


#: goose's NumericComponent (pressly/goose v3): the text before a name's first `_` parsed by
#: strconv.ParseInt (an optional sign, ASCII digits), as an int64 above zero.
_GOOSE_VERSION = lazy_compile(r"[+-]?[0-9]+")


def goose_version(name: str, extensions: tuple[str, ...] = (".sql",)) -> str | None:
    """The version goose reads in the file name `name` (its text, as written), or None for a
    file goose does not take for a migration: a name not ending in one of `extensions` as
    written (its fs.Glob patterns `*.sql`, `*.go` keep case), a `_test.go`, or one whose
    text before the first `_` is no int64 above zero. `goose up` refuses a folder holding
    such a .sql file ("could not parse SQL migration file"); goose.NewProvider skips it."""
    if not name.endswith(extensions) or name.endswith("_test.go"):
        return None
    prefix, sep, _ = name.partition("_")
    if not sep or not _GOOSE_VERSION.fullmatch(prefix) or not 0 < int(prefix) < 2**63:
        return None
    return prefix


def goose_go_files(directory: Path) -> list[tuple[int, Path]]:
    """goose's Go migrations in `directory` (the .go files it takes: goose_version), each with
    its version as goose reads it (an int64), in name order."""
    from lockwise.discover.layouts import _listing

    return [(int(version), directory / name) for name, (is_file, _) in
            _listing(directory).items()
            if is_file and (version := goose_version(name, (".go",))) is not None]


def _name_parts(layout: str, name: str) -> tuple[str, str, tuple] | None:
    """(version, name, sort key) of a dbmate or goose file as its tool reads the file name,
    or None for a file it does not take; None too for other layouts."""
    from lockwise.discover.versions import text_key, version_key

    if layout == "dbmate":
        match = _DBMATE_FILE.fullmatch(name)
        if match is None:
            return None
        version = match.group(1)
        rest = name[len(version):-len(".sql")].lstrip("_-.")
        return version, rest, text_key(name)  # dbmate runs them in file-name order
    if layout == "goose":
        version = goose_version(name)
        if version is None:
            return None
        rest = name[len(version) + 1:-len(".sql")]
        return version, rest, version_key(str(int(version)))
    return None


_GOOSE_SECTION = lazy_compile(r"^[ \t]*--[ \t]*\+goose[ \t]+(up|down)\b([^\n]*)$",
                              re.IGNORECASE | re.MULTILINE)
_SQL_MIGRATE_SECTION = lazy_compile(r"^[ \t]*--[ \t]*\+migrate[ \t]+(up|down)\b([^\n]*)$",
                                    re.IGNORECASE | re.MULTILINE)
#: Each tool's section markers, and the plain text every marker holds (a cheap first test).
_SECTIONS = {"dbmate": (_DBMATE_SECTION, "migrate:"), "goose": (_GOOSE_SECTION, "+goose"),
             "sql-migrate": (_SQL_MIGRATE_SECTION, "+migrate")}


#: A line holding only a `--` comment.
_COMMENT_LINE = lazy_compile(r"^[ \t]*--[^\n]*", re.MULTILINE)


def _blank(piece: str) -> str:
    return re.sub(r"[^\n]", " ", piece)


def keep_ranges(text: str, ranges: list[tuple[int, int]]) -> str:
    """Keep the pieces text[start:end] of `ranges` (in order, not overlapping); replace
    everything else by spaces, newlines kept, so each kept piece sits at its true line and
    column of the file."""
    out, at = [], 0
    for start, end in ranges:
        out += [_blank(text[at:start]), text[start:end]]
        at = end
    out.append(_blank(text[at:]))
    return "".join(out)


def _blank_outside(text: str, start: int, end: int) -> str:
    """Keep text[start:end] only (see `keep_ranges`)."""
    return keep_ranges(text, [(start, end)])


def _split_sections(text: str, markers: re.Pattern[str]
                    ) -> tuple[str, str | None, re.Match[str] | None]:
    """(up SQL, down SQL or None, the up marker) of a file holding both directions, lines
    kept true; the whole text as up when it has no marker, none of it when it has only a down
    section (sql-migrate runs such a file: no up statements)."""
    sections = list(markers.finditer(text))
    up = next((m for m in sections if m.group(1).lower() == "up"), None)
    if up is None:
        if sections:
            return _blank(text), _blank_outside(text, sections[0].start(), len(text)), None
        return text, None, None
    down = next((m for m in sections if m.group(1).lower() == "down" and m.start() > up.end()),
                None)
    up_end = down.start() if down else len(text)
    # The marker line itself stays in the up text: it is a comment, and ignore-file
    # directives written next to it keep working; so do the comment lines of the file's
    # header above it (the tools allow nothing else there), where teams write them.
    head = [(m.start(), m.end()) for m in _COMMENT_LINE.finditer(text, 0, up.start())]
    up_sql = keep_ranges(text, [*head, (up.start(), up_end)])
    down_sql = _blank_outside(text, down.start(), len(text)) if down else None
    return up_sql, down_sql, up


def split_dbmate(text: str) -> tuple[str, str | None, bool]:
    """(up SQL, down SQL or None, no_transaction) of a dbmate file, lines kept true."""
    up_sql, down_sql, up = _split_sections(text, _DBMATE_MARKER)
    return up_sql, down_sql, up is not None and _dbmate_options(up.group(2)).get(
        "transaction") == "false"


def _dbmate_options(rest: str) -> dict[str, str]:
    """The options of a dbmate marker line after `migrate:up` as dbmate reads them
    (`parseMigrationOptions`): whitespace-separated `key:value` pairs, anything else
    skipped, the last of a key kept; `transaction:false` exactly (case kept) runs the
    migration outside a transaction."""
    options: dict[str, str] = {}
    for pair in re.split(r"[\t\n\f\r ]+", rest.strip()):
        parts = pair.split(":")
        if len(parts) == 2:
            options[parts[0]] = parts[1]
    return options


def down_section_no_transaction(layout: str, down_sql: str) -> bool | None:
    """Whether the down section's own marker line runs it outside a transaction, for the
    tools whose directions each carry their own option (dbmate's `DownOptions`, sql-migrate's
    `-- +migrate Down notransaction`); None for the others, where the file's marker covers
    both directions."""
    markers = {"dbmate": _DBMATE_MARKER, "sql-migrate": _SQL_MIGRATE_SECTION}.get(layout)
    if markers is None:
        return None
    down = next((m for m in markers.finditer(down_sql) if m.group(1).lower() == "down"), None)
    if down is None:
        return False
    if layout == "dbmate":
        return _dbmate_options(down.group(2)).get("transaction") == "false"
    return "notransaction" in down.group(2).lower()


def down_runs_without_transaction(migration: Migration) -> bool:
    """Whether the migration's down file runs outside its tool's transaction: the up file's
    marker (or the tool's setting) covers the down too, and the down may carry its own. dbmate
    and sql-migrate give each direction its own option: there the up section's option does
    not cover the down (lockwise's own marker still does)."""
    from lockwise.discover.layouts import down_no_transaction, lockwise_no_transaction

    down = migration.down_sql or ""
    own = down_section_no_transaction(migration.layout, down)
    covered = migration.no_transaction if own is None else \
        own or lockwise_no_transaction(migration.up_sql)
    return covered or down_no_transaction(down)


def split_goose(text: str) -> tuple[str, str | None, bool]:
    """(up SQL, down SQL or None, no_transaction) of a goose file, lines kept true."""
    from lockwise.discover.layouts import _no_transaction_marker, goose_no_transaction

    up_sql, down_sql, _ = _split_sections(text, _GOOSE_SECTION)
    # goose honours its annotation on any line (the down section's too); the other markers
    # lockwise knows count in the head, as in every layout.
    return up_sql, down_sql, goose_no_transaction(text) or _no_transaction_marker(text)


def split_sql_migrate(text: str) -> tuple[str, str | None, bool]:
    """(up SQL, down SQL or None, no_transaction) of a sql-migrate file, lines kept true."""
    up_sql, down_sql, up = _split_sections(text, _SQL_MIGRATE_SECTION)
    no_tx = up is not None and "notransaction" in up.group(2).lower()
    return up_sql, down_sql, no_tx


def split_sections(text: str) -> tuple[str, str | None, bool, str | None]:
    """(up SQL, down SQL or None, no_transaction, tool) of a text that may hold a tool's up
    and down sections (a file piped on stdin); tool None and the text unchanged when it has
    none."""
    from lockwise.discover.layouts import HEAD_BYTES

    tool = _tool_of(text[:HEAD_BYTES])
    if tool is None and _TERN_SEPARATOR_LINE.search(text[:HEAD_BYTES]):
        return (*split_tern(text), "tern")
    if tool is None:
        from lockwise.discover.layouts import _no_transaction_marker

        return text, None, _no_transaction_marker(text), None
    return (*_split_marked(tool, text), tool)


def _split_marked(tool: str, text: str) -> tuple[str, str | None, bool]:
    """(up SQL, down SQL or None, no_transaction) of a `tool` file: run without a transaction
    by the tool's own marker, or by any marker lockwise knows (`-- lockwise: no-transaction`)
    in the up section or above it."""
    from lockwise.discover.layouts import _no_transaction_marker

    up_sql, down_sql, no_tx = _SPLITTERS[tool](text)
    head = text if down_sql is None else text[:len(text) - len(down_sql.lstrip())]
    if tool == "dbmate" and "migrate:" in head:
        # A line that looks like dbmate's marker is dbmate's to read (split_dbmate), exactly.
        head = _DBMATE_SECTION.sub("", head)
    return up_sql, down_sql, no_tx or _no_transaction_marker(head)


def _sections_of(path: Path) -> str | None:
    """The tool whose up marker the head of `path` holds, or None."""
    from lockwise.discover.layouts import file_head

    data = file_head(path)
    return None if data is None else _tool_of(data.decode("utf-8", errors="replace"))


def _tool_of(head: str) -> str | None:
    """The tool whose up marker `head` holds, or None."""
    lowered = head.lower()
    for tool, (markers, needle) in _SECTIONS.items():
        # The plain test first: it dismisses every other file without running the regex.
        if needle in lowered and any(m.group(1).lower() == "up" for m in markers.finditer(head)):
            return tool
    return None


def _sectioned(directory: Path) -> str | None:
    """The tool of the first .sql file of `directory` with section markers (one read of the
    heads answers both detectors)."""
    from lockwise.discover.layouts import _SEEN, _sql_files

    seen = _SEEN.get()
    key = str(directory)
    if seen is not None and key in seen.sectioned:
        return seen.sectioned[key]
    tool = next((t for p in _sql_files(directory) if (t := _sections_of(p))), None)
    if seen is not None:
        seen.sectioned[key] = tool
    return tool


def detect_dbmate(directory: Path) -> bool:
    return _sectioned(directory) == "dbmate"


def detect_goose(directory: Path) -> bool:
    return _sectioned(directory) == "goose"


def detect_sql_migrate(directory: Path) -> bool:
    return _sectioned(directory) == "sql-migrate"


#: Each tool's up marker as its documentation writes it, for the message of a file without.
_UP_MARKERS = {"dbmate": "-- migrate:up", "goose": "-- +goose Up", "sql-migrate": "-- +migrate Up"}
#: sql-migrate's sqlparse knows a line beginning exactly `-- +migrate Up` or `Down` (case
#: kept), and runs a file with a Down annotation alone.
_SQL_MIGRATE_ANNOTATION = lazy_compile(r"^-- \+migrate (?:Up|Down)(?:[ \t]|$)", re.MULTILINE)


#: An indented goose annotation: goose's annotations "cannot have leading spaces" (its
#: annotations documentation); releases before that check read the line as a comment.
_GOOSE_INDENTED = lazy_compile(r"^[ \t]+--[ \t]*\+goose\b", re.MULTILINE | re.IGNORECASE)


#: A dbmate down marker with whitespace before it, which dbmate's `(?m)^--\s*migrate:down`
#: does not match (a plain comment to it).
_DBMATE_INDENTED_DOWN = lazy_compile(r"^[ \t]+--\s*migrate:down(?:\s*$|\s+\S+)", re.MULTILINE)


def _tool_refusal(layout: str, text: str) -> tuple[str, int] | None:
    """Why `layout`'s tool refuses a migration of this text, and the line to look at, or
    None. For want of its up section: dbmate "requires each migration to define an up block",
    goose says it "must start with '-- +goose Up' annotation", sql-migrate finds "no Up/Down
    annotations"; goose also refuses an indented annotation. dbmate 2.0.0 and later also
    requires a down marker after the up one (amacneil/dbmate#397, released in v2.0.0; 1.x ran
    such a file) and refuses statements above the up marker (#77)."""
    marker = _UP_MARKERS[layout]
    if layout == "goose" and (indented := _GOOSE_INDENTED.search(text)):
        return ("goose refuses an annotation with leading whitespace (its annotations \"cannot "
                "have leading spaces\"; releases before that check read the line as a plain "
                "comment, so what follows stays in the section above): the deploy is not what "
                "the file says; remove the spaces before --"), _line_of(text, indented.start())
    if layout == "sql-migrate":
        found = _SQL_MIGRATE_ANNOTATION.search(text) is not None
    else:
        sections = list((_DBMATE_MARKER if layout == "dbmate" else _SECTIONS[layout][0])
                        .finditer(text))
        up = next((m for m in sections if m.group(1).lower() == "up"), None)
        found = up is not None
        if up is not None and layout == "dbmate":
            return _dbmate_refusal(text, up, sections)
    if found:
        return None
    return (f"{layout} refuses a migration without {marker}: the deploy stops here; write "
            f"{marker} on the line above its SQL"), 1


def _dbmate_refusal(text: str, up: re.Match[str], sections: list[re.Match[str]]
                    ) -> tuple[str, int] | None:
    """Why dbmate refuses a file whose first up marker is `up` (`sections`: all its markers),
    and the line to look at, or None."""
    for number, line in enumerate(text[:up.start()].splitlines(), 1):
        if line.strip() and not line.lstrip().startswith("--"):
            return ("dbmate refuses statements before -- migrate:up (\"does not support "
                    "statements preceding the '-- migrate:up' block\"): the deploy stops here; "
                    "move them below it"), number
    if not any(m.group(1) == "down" and m.start() > up.start() for m in sections):
        if (indented := _DBMATE_INDENTED_DOWN.search(text, up.end())) is not None:
            return ("dbmate knows -- migrate:down only at the start of a line (its pattern is "
                    "`^--\\s*migrate:down`): this indented one is a plain comment to it, so "
                    "2.0.0 and later refuse the file for want of a down section and 1.x ran "
                    "what follows it as part of the up; the deploy is not what the file says: "
                    "remove the spaces before -- migrate:down"), _line_of(text, indented.start())
        return ("dbmate 2.0.0 and later refuses a migration without -- migrate:down after its "
                "up section (\"requires each migration to define a down block\", "
                "amacneil/dbmate#397; 1.x ran it): the deploy stops here; add an empty "
                "-- migrate:down section: a line -- migrate:down at the end of the file, below "
                "the up SQL (write the statements that undo it there, or leave it empty)"), \
            _line_of(text, up.start())
    # Several sections (amacneil/dbmate#620): dbmate splits the file at each up marker and
    # refuses a section with two downs. Before it, the down is everything after the first
    # down marker, a second up section included: it never runs up. Since, each section runs
    # and records the file's version, so the second one fails on the row the first recorded
    # and is rolled back, the first staying applied (#820, reported on 2.34.1 and 2.35.0).
    ups = [m for m in sections if m.group(1) == "up"]
    if len(ups) > 1:
        return ("dbmate runs only the first -- migrate:up section of a file: releases before "
                "sections (amacneil/dbmate#620) read the later ones as part of the down, later "
                "ones fail on the version the first section recorded (\"duplicate key value "
                "violates unique constraint\", #820) and roll the second back (under "
                "transaction:false it stays), the deploy stopping with the first one applied; "
                "move this section and its down into a migration file of its own, with a later "
                "version"), _line_of(text, ups[1].start())
    downs = [m for m in sections if m.group(1) == "down" and m.start() > up.start()]
    if len(downs) > 1:
        return ("dbmate refuses a second -- migrate:down after one -- migrate:up (\"requires "
                "each migration to define an up block\", since sections, amacneil/dbmate#620; "
                "before, the down ran both): the deploy stops here; remove this marker, the "
                "down section is everything below the first one"), _line_of(text, downs[1].start())
    return None


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _read_sectioned(directory: Path, layout: str) -> list[Migration]:
    from lockwise.discover.layouts import _read, _split_version, _sql_files
    from lockwise.discover.versions import version_key

    # goose runs its Go migrations with the SQL ones, and refuses two files of one version.
    go: dict[int, list[Path]] = {}
    for number, go_path in goose_go_files(directory) if layout == "goose" else ():
        go.setdefault(number, []).append(go_path)
    out = []
    for path in _sql_files(directory):
        if layout == "sql-migrate":
            version, name = _split_version(path.stem)
            sort_key = version_key(version or name)
        elif parts := _name_parts(layout, path.name):
            version, name, sort_key = parts
        else:  # a file dbmate or goose does not run (see `_note_unread`)
            continue
        text = _read(path)
        if version and (refusal := _tool_refusal(layout, text)):
            raise InputError(refusal[0], path, refusal[1])
        up_sql, down_sql, no_tx = _split_marked(layout, text)
        out.append(Migration(
            version=version or name, name=name if version else "", path=path, up_sql=up_sql,
            down_sql=down_sql, down_path=path if down_sql is not None else None,
            no_transaction=no_tx, layout=layout, sort_key=sort_key,
            same_version_paths=tuple(go.get(int(version), ()) if go else ())))
    return out


def read_dbmate(directory: Path) -> list[Migration]:
    return _read_sectioned(directory, "dbmate")


def read_goose(directory: Path) -> list[Migration]:
    return _read_sectioned(directory, "goose")


def read_sql_migrate(directory: Path) -> list[Migration]:
    return _read_sectioned(directory, "sql-migrate")


_SPLITTERS: dict[str, Callable[[str], tuple[str, str | None, bool]]] = {
    "dbmate": split_dbmate, "goose": split_goose, "sql-migrate": split_sql_migrate}


# --- tern: both directions in one file, split at a magic comment ---------------------------
# As tern's migrate package reads them: only the directory's own files named
# `<digits>_<anything>.sql` (case matters) are migrations, numbered by that prefix as an int32;
# each splits at the first `---- create above / drop below ----` wherever it stands, and a
# migration whose up SQL has a line that is exactly `---- tern: disable-tx ----` runs statement
# by statement outside a transaction (down included). Others run in one transaction, sent as
# one string. The .sql files of its sub-folders are templates for `{{ template "..." }}`.

TERN_SEPARATOR = "---- create above / drop below ----"
_TERN_NAME = lazy_compile(r"([0-9]+)_.+\.sql", re.DOTALL)
_TERN_NO_TX = lazy_compile(r"^---- tern: disable-tx ----$", re.MULTILINE)
#: The separator as tern's users write it, on a line of its own: a sign of tern. A mention of
#: it elsewhere in a line (a comment about it) is none.
_TERN_SEPARATOR_LINE = lazy_compile(r"^[ \t]*" + re.escape(TERN_SEPARATOR) + r"[ \t]*\r?$",
                                    re.MULTILINE)


def split_tern(text: str) -> tuple[str, str | None, bool]:
    """(up SQL, down SQL or None, no_transaction) of a tern file, lines kept true: the down
    is None when nothing but blanks follows the separator (tern: irreversible)."""
    from lockwise.discover.layouts import _LOCKWISE_NO_TX

    at = text.find(TERN_SEPARATOR)
    if at < 0:
        up_sql, down_sql = text, None
    else:
        after = at + len(TERN_SEPARATOR)
        up_sql = _blank_outside(text, 0, at)
        down_sql = _blank_outside(text, after, len(text)) if text[after:].strip() else None
    no_tx = _TERN_NO_TX.search(up_sql) is not None or \
        _LOCKWISE_NO_TX.search(up_sql[:4096]) is not None
    return up_sql, down_sql, no_tx


def _tern_files(directory: Path) -> list[tuple[Path, str]]:
    """(file, its number) of the directory's files tern takes for migrations."""
    from lockwise.discover.layouts import _sql_files

    return [(path, match.group(1)) for path in _sql_files(directory)
            if (match := _TERN_NAME.fullmatch(path.name))]


#: tern's config file.
TERN_CONFIG = "tern.conf"


def _tern_config(directory: Path) -> bool:
    """A tern.conf in the folder (tern's default: config and migrations in one folder) or the
    folder above (`tern migrate --migrations migrations`)."""
    from lockwise.discover.layouts import _has_file

    folder = Path(os.path.abspath(directory))
    return any(_has_file(str(candidate), TERN_CONFIG) for candidate in (folder, folder.parent))


def detect_tern(directory: Path) -> bool:
    """tern-named files, and a sign of tern: its tern.conf, or a file that holds its separator
    on a line of its own or its disable-tx line."""
    from lockwise.discover.layouts import file_head

    files = _tern_files(directory)
    if not files:
        return False
    if _tern_config(directory):
        return True
    for path, _ in files:
        data = file_head(path)
        if data is None or b"---- " not in data:  # both signs begin so: most files skip here
            continue
        head = data.decode("utf-8", errors="replace")
        if _TERN_SEPARATOR_LINE.search(head) or _TERN_NO_TX.search(head):
            return True
    return False


def read_tern(directory: Path) -> list[Migration]:
    from lockwise.discover.layouts import _read
    from lockwise.discover.versions import version_key

    out = []
    for path, number in _tern_files(directory):
        up_sql, down_sql, no_tx = split_tern(_read(path))
        out.append(Migration(
            version=number, name=path.name[len(number) + 1:-len(".sql")], path=path,
            up_sql=up_sql,
            down_sql=down_sql, down_path=path if down_sql is not None else None,
            no_transaction=no_tx, layout="tern", sort_key=version_key(str(int(number)))))
    return out


# --- postgrator: <version>.do[.<description>].sql and <version>.undo[...].sql --------------
# Postgrator splits a file name at its dots: the version (a number), the action (`do` or
# `undo`), the description. It sends a file as one query string, without a transaction of its
# own.

_POSTGRATOR = lazy_compile(r"([0-9]+)\.(do|undo)(?:\.(.*))?\.sql")


def _postgrator_files(directory: Path) -> list[tuple[Path, re.Match[str]]]:
    from lockwise.discover.layouts import _sql_files

    return [(path, match) for path in _sql_files(directory)
            if (match := _POSTGRATOR.fullmatch(path.name))]


def detect_postgrator(directory: Path) -> bool:
    return any(match.group(2) == "do" for _, match in _postgrator_files(directory))


def read_postgrator(directory: Path) -> list[Migration]:
    from lockwise.discover.layouts import _make, _read
    from lockwise.discover.versions import version_key

    files = _postgrator_files(directory)
    # Postgrator picks a version's undo by its number: 1 and 001 are one version.
    undo = {int(match.group(1)): path for path, match in files if match.group(2) == "undo"}
    return [_make(match.group(1), match.group(3) or "", path, _read(path), "postgrator",
                  undo.get(int(match.group(1))),
                  sort_key=version_key(str(int(match.group(1)))))
            for path, match in files if match.group(2) == "do"]


# --- Supabase CLI: supabase/migrations/<version>_<name>.sql ------------------------------------
# The CLI takes the files named `^([0-9]+)_(.*)\.sql$`, and sends each one's statements with
# its history row as one pipeline: PostgreSQL's implicit transaction when it holds several.

_SUPABASE = lazy_compile(r"([0-9]+)_(.*)\.sql", re.DOTALL)


#: The Supabase CLI's config file (`supabase init`), beside its migrations folder.
SUPABASE_CONFIG = "config.toml"


def detect_supabase(directory: Path) -> bool:
    """`migrations` in a `supabase` folder that holds the CLI's config.toml (`supabase init`)."""
    from lockwise.discover.layouts import _has_file

    folder = Path(os.path.abspath(directory))
    return folder.name == "migrations" and folder.parent.name == "supabase" and \
        _has_file(str(folder.parent), SUPABASE_CONFIG)


def read_supabase(directory: Path) -> list[Migration]:
    from lockwise.discover.layouts import _make, _read, _sql_files

    return [_make(match.group(1), match.group(2), path, _read(path), "supabase")
            for path in _sql_files(directory)
            if (match := _SUPABASE.fullmatch(path.name))]


# --- sqitch ---------------------------------------------------------------------------------

#: `name [deps] 2013-12-30T23:19:53Z Planner Name <email> # note`; a leading + or - is the
#: deploy/revert operator of older plan files.
_CHANGE = lazy_compile(r"^[+-]?(?P<name>[^\s\[@#:%][^\s\[]*)\s*(?:\[[^\]]*\])?\s*"
                       r"\d{4}-\d\d-\d\dT")
_TAG = lazy_compile(r"^@(?P<tag>[^\s]+)\s")


def detect_sqitch(directory: Path) -> bool:
    return (directory / "sqitch.plan").is_file() and (directory / "deploy").is_dir()


def _plan_changes(plan: Path) -> list[tuple[str, str | None, int]]:
    """(change name, suffix for its scripts or None, plan line) in deploy order.

    A change planned again later (reworked) has its earlier scripts at `<name>@<tag>` where
    tag is the first tag after the earlier entry.
    """
    lines = read_text_file(plan, "sqitch plan").splitlines()
    entries: list[tuple[str, int]] = []
    tags: list[tuple[int, str]] = []  # (index of the next change, tag)
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line.startswith(("#", "%")):
            continue
        if tag := _TAG.match(line + " "):
            tags.append((len(entries), tag.group("tag")))
            continue
        change = _CHANGE.match(line)
        if change is None:
            raise InputError(f"not a sqitch plan line: {line[:60]!r}", plan, number)
        entries.append((change.group("name"), number))
    out: list[tuple[str, str | None, int]] = []
    for i, (name, number) in enumerate(entries):
        reworked = any(other == name for other, _ in entries[i + 1:])
        suffix = None
        if reworked:
            suffix = next((tag for index, tag in tags if index > i), None)
        out.append((name, suffix, number))
    return out


def read_sqitch(directory: Path) -> list[Migration]:
    from lockwise.discover.layouts import _no_transaction_marker
    from lockwise.discover.versions import version_key

    plan = directory / "sqitch.plan"
    out = []
    changes = _plan_changes(plan)
    width = max(4, len(str(len(changes))))
    for position, (name, suffix, number) in enumerate(changes, 1):
        script = f"{name}@{suffix}.sql" if suffix else f"{name}.sql"
        path = directory / "deploy" / script
        if not path.is_file():
            raise InputError(f"sqitch change {name!r} has no deploy script {script}", plan,
                             number)
        revert = directory / "revert" / script
        down_sql = read_sql_file(revert) if revert.is_file() else None
        version = str(position).zfill(width)
        up_sql = read_sql_file(path)
        out.append(Migration(
            version=version, name=name, path=path, up_sql=up_sql,
            down_sql=down_sql, down_path=revert if down_sql is not None else None,
            no_transaction=_no_transaction_marker(up_sql), layout="sqitch",
            sort_key=version_key(version)))
    return out
