"""Which collations compare strings byte by byte (code point order), where a B-tree of a
text column's default operator class serves the prefix of a pattern (`LIKE 'abc%'`, `~
'^abc'`) as a range, and how the database's default collation is named.

Checked on PostgreSQL 18.6 (docs/accuracy.md, fix-pg68), 100,000 rows, sequential scans
off: a plain index serves `email LIKE 'e5%'` in a database of LC_COLLATE 'C' or 'POSIX'
(libc), or of the builtin provider (PostgreSQL 17+) whatever its locale ('C', 'C.UTF-8',
'PG_UNICODE_FAST'), and under a column's COLLATE "C", "POSIX", "ucs_basic", "pg_c_utf8" or
"pg_unicode_fast"; not in a database of libc's 'C.UTF-8' (the embedded server's default),
whose order PostgreSQL does not take for byte order, nor of any other libc or ICU locale.
"""

from __future__ import annotations

from collections.abc import Mapping

#: The collations, as a COLLATE clause names them, whose order is byte order: libc's C and
#: POSIX, and the builtin provider's (ucs_basic is builtin C from 17, libc C before).
BYTE_ORDER = frozenset({"C", "POSIX", "ucs_basic", "pg_c_utf8", "pg_unicode_fast"})

#: The builtin provider's locales (pg_database.datlocale) by the collation that has each.
_BUILTIN = {"C": "C", "C.UTF-8": "pg_c_utf8", "PG_UNICODE_FAST": "pg_unicode_fast"}


def in_byte_order(collation: str | None, default: str | None) -> bool:
    """Whether `collation` (as named; None: the database's default, `default`, itself None
    when not known) orders strings byte by byte. An unknown default is taken not to: most
    databases are made with a language's locale, or libc's C.UTF-8."""
    return (collation or default) in BYTE_ORDER


def database_collation(database: Mapping[str, object]) -> str | None:
    """The database's default collation, named as `in_byte_order` reads it, from its row of
    pg_database (`datlocprovider`, `datcollate`, `datlocale`, as each version has them):
    libc's LC_COLLATE (`C`, `en_US.UTF-8`); the builtin provider's locale as the collation
    that has it (`pg_c_utf8`); an ICU locale as it is (`und`: never byte order)."""
    provider = database.get("datlocprovider") or "c"
    locale = database.get("datlocale") or database.get("daticulocale")
    if provider == "b":
        return _BUILTIN.get(str(locale), str(locale)) if locale else None
    if provider == "i":
        return f"{locale}-x-icu" if locale else None
    collate = database.get("datcollate")
    return str(collate) if collate else None
