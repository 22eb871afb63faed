"""graphile-migrate's migrations folder.

`migrations/committed/<number>[-<message>].sql` are the committed migrations, in the order of
their numbers; each begins with header lines (`--! Previous: ...`, `--! Hash: ...`, optionally
`--! Message: ...`) and a blank line. `migrations/current.sql`, or the files of a
`migrations/current/` folder in name order, is the migration being written, which `graphile-migrate
commit` turns into the next committed one: it is read as the last migration, as it is the one
worth linting most. `.gmrc` in the folder above marks the project.

Each migration runs in a transaction, sent as one query string, unless the first line of its
body (after the headers) is `--! no-transaction`: then it is sent as one string without one
(PostgreSQL's implicit transaction when it holds several statements). graphile-migrate honours
that line in `current.sql` and committed files, not in the files of a `current/` folder.
"""

from __future__ import annotations

import re
from pathlib import Path

from lockwise.core.types import Migration

LAYOUT = "graphile-migrate"
#: graphile-migrate's VALID_FILE_REGEX, for committed files and those of `current/`.
_FILE = re.compile(r"([0-9]+)(?:-([-_a-zA-Z0-9]*))?\.sql")
#: A header line: graphile-migrate's headers begin with a capital letter.
_HEADER = re.compile(r"--! [A-Z][a-zA-Z0-9_]*(?::.*)?")
_NO_TX = re.compile(r"--!\s*no-transaction\b")
#: The configuration files that mark a graphile-migrate project.
CONFIGS = (".gmrc", ".gmrc.js", ".gmrc.cjs", "graphile-migrate.config.js")
#: The version of the migration being written: after every number, one migration in parts
#: when it is a `current/` folder (its files share the folder's name as their version).
CURRENT = "current"


def being_written(migration: Migration) -> bool:
    """Whether `migration` is graphile-migrate's current one (current.sql or a file of
    current/): `graphile-migrate migrate` never runs it, only `watch` on a development
    database, until `commit` makes it the next committed migration."""
    return migration.layout == LAYOUT and migration.version == CURRENT


def _body_first_line(text: str) -> str:
    """The first line of the body, as graphile-migrate cuts it: after the header lines, with
    the blanks around it trimmed."""
    lines = text.split("\n")
    headers = 0
    while headers < len(lines) and _HEADER.fullmatch(lines[headers].rstrip("\r")):
        headers += 1
    body = "\n".join(lines[headers:]).strip()
    return body.split("\n", 1)[0]


def _no_transaction(text: str) -> bool:
    from lockwise.discover.layouts import _LOCKWISE_NO_TX

    return _NO_TX.match(_body_first_line(text)) is not None or \
        _LOCKWISE_NO_TX.search(text[:4096]) is not None


def _committed(folder: Path) -> list[tuple[Path, re.Match[str]]]:
    """The files of a `committed/` folder that graphile-migrate reads."""
    from lockwise.discover.layouts import _sql_files

    return [(path, match) for path in _sql_files(folder)
            if (match := _FILE.fullmatch(path.name))]


def _signed(path: Path) -> bool:
    """Whether a file begins with graphile-migrate's headers, one of them `--! Previous:`."""
    from lockwise.discover.layouts import file_head

    data = file_head(path)
    if data is None or not data.startswith(b"--! "):
        return False
    for line in data.decode("utf-8", errors="replace").split("\n"):
        if not _HEADER.fullmatch(line.rstrip("\r")):
            return False
        if line.startswith("--! Previous:"):
            return True
    return False


def _has_committed(folder: Path) -> bool:
    return any(_signed(path) for path, _ in _committed(folder))


def _current(directory: Path) -> list[Path]:
    """current.sql, or the files of current/ in name order."""
    from lockwise.discover.layouts import _listing, _sql_files

    listing = _listing(directory)
    if listing.get("current.sql", (False, False))[0]:
        return [directory / "current.sql"]
    if listing.get(CURRENT, (False, False))[1]:
        return [path for path in _sql_files(directory / CURRENT) if _FILE.fullmatch(path.name)]
    return []


def detect_graphile(directory: Path) -> bool:
    """A migrations folder whose `committed/` holds signed migrations, one with a current
    migration beside a `.gmrc` above it, or a `committed/` folder named on its own."""
    from lockwise.discover.layouts import _has_file, _listing

    try:
        listing = _listing(directory)
    except OSError:
        return False
    if listing.get("committed", (False, False))[1] and _has_committed(directory / "committed"):
        return True
    if directory.name == "committed" and _has_committed(directory):
        return True
    parent = str(Path(directory).absolute().parent)
    return bool(_current(directory)) and any(_has_file(parent, name) for name in CONFIGS)


def read_graphile(directory: Path) -> list[Migration]:
    from lockwise.discover.layouts import _listing

    if _listing(directory).get("committed", (False, False))[1]:
        return _read_committed(directory / "committed") + _read_current(directory)
    if directory.name == "committed":  # named on its own: the current migration is above
        return _read_committed(directory)
    return _read_current(directory)


def _read_committed(folder: Path) -> list[Migration]:
    from lockwise.discover.layouts import _make, _read

    out = []
    for path, match in _committed(folder):
        text = _read(path)
        out.append(_make(match.group(1), match.group(2) or "", path, text, LAYOUT,
                         no_transaction=_no_transaction(text), markers=False))
    return out


def _read_current(directory: Path) -> list[Migration]:
    from lockwise.discover.layouts import _LOCKWISE_NO_TX, _make, _read

    files = _current(directory)
    if files == [directory / "current.sql"]:
        text = _read(files[0])
        return [_make(CURRENT, "", files[0], text, LAYOUT,
                      no_transaction=_no_transaction(text), markers=False)]
    out = []
    for path in files:  # one migration in parts: graphile-migrate joins them
        text = _read(path)
        out.append(_make(CURRENT, path.stem, path, text, LAYOUT, markers=False,
                         no_transaction=_LOCKWISE_NO_TX.search(text[:4096]) is not None))
    return out
