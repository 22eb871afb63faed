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

    absolute = Path(directory).absolute()
    if _listing(directory).get("committed", (False, False))[1]:
        prelude = pg_settings_sql(absolute.parent)
        return _read_committed(directory / "committed", prelude) + \
            _read_current(directory, prelude)
    if directory.name == "committed":  # named on its own: the current migration is above
        return _read_committed(directory, pg_settings_sql(absolute.parent.parent))
    return _read_current(directory, pg_settings_sql(absolute.parent))


def _read_committed(folder: Path, prelude: str) -> list[Migration]:
    from lockwise.discover.layouts import _make, _read

    out = []
    for path, match in _committed(folder):
        text = _read(path)
        out.append(_make(match.group(1), match.group(2) or "", path, text, LAYOUT,
                         no_transaction=_no_transaction(text), markers=False,
                         prelude=prelude))
    return out


def _read_current(directory: Path, prelude: str) -> list[Migration]:
    from lockwise.discover.layouts import _LOCKWISE_NO_TX, _make, _read

    files = _current(directory)
    if files == [directory / "current.sql"]:
        text = _read(files[0])
        return [_make(CURRENT, "", files[0], text, LAYOUT,
                      no_transaction=_no_transaction(text), markers=False, prelude=prelude)]
    out = []
    for path in files:  # one migration in parts: graphile-migrate joins them
        text = _read(path)
        out.append(_make(CURRENT, path.stem, path, text, LAYOUT, markers=False,
                         no_transaction=_LOCKWISE_NO_TX.search(text[:4096]) is not None,
                         prelude=prelude))
    return out


#: A JSON5 comment, or a string (kept: a `//` inside one is no comment).
_JSON5_COMMENT = re.compile(r"""("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
                            r"|//[^\n]*|/\*.*?\*/", re.DOTALL)
#: `pgSettings: { ... }` (its key quoted or not), a flat object of settings.
_PG_SETTINGS = re.compile(r"""(?:"pgSettings"|'pgSettings'|(?<![\w$])pgSettings)"""
                          r"\s*:\s*\{([^{}]*)\}")
#: One `name: value` of it: the name quoted or bare, the value a string or a number.
_SETTING = re.compile(r"""(?:"([^"\\]*)"|'([^'\\]*)'|([A-Za-z_$][\w$]*))\s*:\s*"""
                      r"""(?:"([^"\\]*)"|'([^'\\]*)'|(-?\d+(?:\.\d+)?))""")


def pg_settings_sql(project: Path) -> str:
    """The `pgSettings` of the `.gmrc` in `project` (the folder above the migrations), as
    the SET statements of the settings graphile-migrate makes: it runs `set_config(name,
    value, false)` for each on its connection before any migration (src/pgReal.ts,
    `withClient`), so they are in force for every one (a `lock_timeout` there satisfies
    missing-lock-timeout). `.gmrc` is JSON5: comments, quoted or bare keys, strings in
    either quotes. "" without a `.gmrc`, or one whose settings are not plain strings and
    numbers (`.gmrc.js` is code lockwise does not run)."""
    from lockwise.discover.layouts import _has_file, _read
    from lockwise.parse.quoting import quote_ident, quote_literal

    if not _has_file(str(project), ".gmrc"):
        return ""
    text = _JSON5_COMMENT.sub(lambda m: m.group(1) or " ", _read(project / ".gmrc"))
    found = _PG_SETTINGS.search(text)
    if found is None:
        return ""
    statements = []
    for m in _SETTING.finditer(found.group(1)):
        name = next(g for g in m.groups()[:3] if g is not None)
        value = next(g for g in m.groups()[3:] if g is not None)
        if not re.fullmatch(r"[A-Za-z_][\w$]*(?:\.[A-Za-z_][\w$]*)*", name):
            continue
        # (search_path's text is a list, as set_config reads it: written as a SET's list)
        shown = value if name.lower() == "search_path" and re.fullmatch(
            r'\s*(?:"[^"]+"|[\w$]+)(?:\s*,\s*(?:"[^"]+"|[\w$]+))*\s*', value) \
            else quote_literal(value)
        statements.append(f"SET {'.'.join(map(quote_ident, name.split('.')))} TO {shown};")
    return "\n".join(statements)
