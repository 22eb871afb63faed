"""Writing identifiers and literals back into SQL the way PostgreSQL reads them."""

from __future__ import annotations

import sys
from functools import cache, lru_cache
from types import ModuleType

from lockwise.core.lazy_re import lazy_compile

_PLAIN = lazy_compile(r"[a-z_][a-z0-9_$]*")

#: NAMEDATALEN - 1 in a default PostgreSQL build: longer identifiers are cut (with a NOTICE).
MAX_IDENTIFIER_BYTES = 63


#: The comment line an alternative starts a migration with, after one that must commit first
#: (a NOT VALID constraint before its VALIDATE): how lint's alternatives and fix's rewrites mark
#: it (tests/test_alternatives_run.py splits them there).
NEXT_MIGRATION = "-- next migration, after the previous one committed:"
#: The comment after a statement that must run alone, outside a transaction (CONCURRENTLY).
OWN_MIGRATION = "  -- own migration, outside a transaction"
#: The comment line before one that must run alone, outside a transaction, when it spans
#: several lines (a DO block): what it starts lasts until the next marker.
OWN_MIGRATION_LINE = "-- in its own migration, outside a transaction:"

@cache
def _reserved() -> frozenset[str]:
    """Words that cannot be a bare column or table name: pglast's list of PostgreSQL's
    keywords, read at the first name quoted. Before pglast is imported (a report from the
    result cache, which parses nothing, quoting the relations its lock lines name), its
    keywords file alone is read, not the parser it comes with (a tenth of a second)."""
    keywords = None if "pglast" in sys.modules else _pglast_keywords()
    if keywords is None:
        from lockwise.parse.libpg import import_pglast

        import_pglast()  # pglast as lint loads it, if this is its first use
        import pglast.keywords as keywords
    return frozenset(keywords.RESERVED_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS)


def _pglast_keywords() -> ModuleType | None:
    """pglast's `keywords` module (data, no import) loaded on its own, under a name of ours:
    without pglast's package, whose import loads its parser; None where pglast is laid out
    otherwise."""
    import importlib.util
    import os

    spec = importlib.util.find_spec("pglast")
    if spec is None or spec.origin is None:
        return None
    path = os.path.join(os.path.dirname(spec.origin), "keywords.py")
    own = importlib.util.spec_from_file_location("lockwise.parse._pglast_keywords", path)
    if own is None or own.loader is None or not os.path.isfile(path):
        return None
    module = importlib.util.module_from_spec(own)
    try:
        own.loader.exec_module(module)
    except Exception:  # noqa: BLE001 - an unexpected file: pglast imported as usual
        return None
    return module


# Cached: every finding's suggested SQL quotes its names, and a history repeats the same few
# tables and columns thousands of times.
@lru_cache(maxsize=4096)
def quote_ident(name: str) -> str:
    """`name` as SQL: bare when PostgreSQL would read it back unchanged (lower case, not a
    reserved word), double-quoted otherwise."""
    if _PLAIN.fullmatch(name) and name not in _reserved():
        return name
    return '"' + name.replace('"', '""') + '"'


@lru_cache(maxsize=4096)
def quote_qualified(name: str) -> str:
    """A `schema.name` as lockwise's facts hold it (the schema, if any, before the first dot)
    with each part quoted: `app.User` -> `app."User"`. Cached as `quote_ident` is: every
    type a column names and every finding's advice quote a few names thousands of times."""
    return ".".join(map(quote_ident, name.split(".", 1)))


#: Object-key kinds (`kind:name`: what the effect model says a statement creates, drops,
#: ...) whose name is a table's member: `column:public.Booking.userId` is a schema, a table
#: and a column.
_MEMBER_KINDS = frozenset({"column", "constraint", "trigger", "policy", "rule"})
#: Kinds whose name is one identifier, in no schema.
_UNQUALIFIED_KINDS = frozenset({"schema", "database"})


def object_sql(kind: str, name: str) -> str:
    """The name of an object key (`kind:name`, split at its colon) as SQL reads it back,
    each part quoted where it needs it: a table's member's as schema, table and its own name
    (`public."Booking"."userId"`), a schema's as one name (`"My App"`), any other's as
    `schema.name` (`public."Booking"`)."""
    if kind in _MEMBER_KINDS and name.count(".") >= 2:
        table, member = name.rsplit(".", 1)
        return f"{quote_qualified(table)}.{quote_ident(member)}"
    return quote_ident(name) if kind in _UNQUALIFIED_KINDS else quote_qualified(name)


def object_key_sql(key: str) -> str:
    """Object key `key` (`kind:name`, lockwise's own) as a user reads it: the kind, a space,
    and the name quoted where SQL needs it (`table public."Booking"`; lower-case names bare,
    `column public.users.email`). A key that names a table and columns (`index:public.t (a,
    b)`, `primary key:...`, the down comparison's `foreign key:public.t (a) -> public.u
    (id)`) has each part quoted."""
    kind, _, name = key.partition(":")
    if kind == "version":  # (a migration's version, no SQL name)
        return key.replace(":", " ", 1)
    if (kind.endswith("index") or kind.endswith(" key")) and name.endswith(")"):
        return f"{kind} " + " -> ".join(map(_columns_of_sql, name.split(" -> ")))
    return f"{kind} {object_sql(kind, name)}"


def _columns_of_sql(text: str) -> str:
    """`public.T (A, b)` as SQL reads it back: `public."T" ("A", b)`."""
    table, _, columns = text.partition(" (")
    listed = ", ".join(map(quote_ident, columns[:-1].split(", "))) if columns else ""
    return f"{quote_qualified(table)} ({listed})" if columns else quote_qualified(table)


def relation_sql(name: str, like: str, qualified: bool) -> str:
    """`name` (qualified) as the user would write it, quoted: bare when they wrote `like`
    bare (`qualified` false) and it lives in the same schema."""
    schema, bare = name.split(".", 1)
    if qualified or schema != like.split(".", 1)[0]:
        return f"{quote_ident(schema)}.{quote_ident(bare)}"
    return quote_ident(bare)


def clip_utf8(raw: bytes, limit: int) -> str:
    """The first `limit` bytes of UTF-8 `raw`, less a character cut in two (pg_mbcliplen):
    the one place a made-up name is cut to fit, since PostgreSQL counts bytes, and a name
    cut by characters is cut again by the server, differently."""
    return raw[:limit].decode("utf-8", "ignore")


def fit_name(parts: list[tuple[bool, str]], limit: int = MAX_IDENTIFIER_BYTES,
             in_bytes: bool = True) -> str:
    """A name PostgreSQL's way (makeObjectName) from (may it be shortened, text) parts within
    `limit` bytes, or characters, `in_bytes` false (MySQL counts characters): the longest
    shortenable part (the later one of a tie) loses a unit at a time, then each is cut at a
    character boundary; the other parts (a suffix such as `_new`) stay whole."""
    whole = "".join(text for _, text in parts)
    if len(whole.encode() if in_bytes else whole) <= limit:  # most names: nothing to cut
        return whole
    units = [text.encode() if in_bytes else text for _, text in parts]
    sizes = [len(u) for u in units]
    over = sum(sizes) - limit
    shortenable = [i for i, (short, _) in enumerate(parts) if short]
    while over > 0 and any(sizes[i] for i in shortenable):
        longest = max(reversed(shortenable), key=lambda i: sizes[i])
        sizes[longest] -= 1
        over -= 1
    return "".join(clip_utf8(u, n) if isinstance(u, bytes) else u[:n]
                   for u, n in zip(units, sizes, strict=True))


def truncate_identifier(name: str) -> str:
    """`name` as PostgreSQL keeps it: at most 63 bytes, never splitting a multi-byte
    character (pg_mbcliplen)."""
    raw = name.encode()
    if len(raw) <= MAX_IDENTIFIER_BYTES:
        return name
    return clip_utf8(raw, MAX_IDENTIFIER_BYTES)


def quote_literal(value: object) -> str:
    """`value` as a string constant (standard_conforming_strings: only quotes are doubled)."""
    return "'" + str(value).replace("'", "''") + "'"


@lru_cache(maxsize=4096)
def quote_mysql_ident(name: str) -> str:
    """`name` as MySQL reads it back: bare unless sqlglot's MySQL dialect must quote it (a
    reserved word such as `order`, a space or another character), then in backticks."""
    from sqlglot import exp
    from sqlglot.dialects.dialect import Dialect

    mysql = Dialect.get_or_raise("mysql")
    return mysql.quote_identifier(exp.to_identifier(name), identify=False).sql(dialect=mysql)


def quote_mysql_qualified(name: str) -> str:
    """A `db.table` with each part written by `quote_mysql_ident`."""
    return ".".join(map(quote_mysql_ident, name.split(".", 1)))


def quote_mysql_literal(value: object) -> str:
    """A MySQL string constant: a backslash escapes there (unless NO_BACKSLASH_ESCAPES)."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "''") + "'"
