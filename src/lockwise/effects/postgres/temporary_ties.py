"""What PostgreSQL refuses for tying a temporary relation to one that is not: a partition
of a parent of the other kind (made or attached), a permanent table inheriting from a
temporary one, a foreign key between the two kinds (or from a permanent table to an unlogged
one), a materialized view over a temporary relation, or a view over one written in a
permanent schema. Each is refused whatever the rows, on
every version (checked on 15 and 18.6: tests/test_temporary_tables.py). The facts are
`refused_by_persistence` and the server's message, `refused_by_persistence_text`.

A relation is temporary when lockwise files it in pg_temp (`nodes.range_var`: CREATE TEMP,
`pg_temp.` written, an unqualified one under a search_path with pg_temp first, or an
unqualified name the session's temporary relation shadows).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from lockwise.effects.nodes import TEMPORARY_PREFIX, relations_in

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog


def partition_refused(verb: str, partition: str, parent: str) -> dict:
    """`partition` made (`verb` "create") or attached ("attach") as a partition of `parent`:
    refused when one is temporary and the other not (an unlogged one counts as permanent)."""
    if _temporary(partition) == _temporary(parent):
        return {}
    kinds = ("temporary", "permanent") if _temporary(partition) else ("permanent", "temporary")
    return _refused(f"cannot {verb} a {kinds[0]} relation as partition of {kinds[1]} "
                    f'relation "{_bare(parent)}"')


def inheritance_refused(child: str, parents: Iterable[str]) -> dict:
    """A table that is not temporary made to inherit from a temporary one (a temporary child
    of a permanent parent is taken)."""
    if not _temporary(child):
        for parent in parents:
            if _temporary(parent):
                return _refused(f'cannot inherit from temporary relation "{_bare(parent)}"')
    return {}


def reference_refused(catalog: Catalog, table: str, targets: Iterable[str],
                      unlogged: bool | None = None) -> dict:
    """A foreign key of `table` to one of `targets` whose persistence the server refuses to
    tie it to (checked on 15 and 18.6): a temporary table's may point only at temporary
    tables, an unlogged table's at permanent or unlogged ones, a permanent table's at
    permanent ones only (an unlogged table's rows are lost in a crash, the key's would not
    be). `unlogged`: whether `table` is UNLOGGED, None to ask the catalog, which knows only
    of those these migrations made (of another, only a temporary target is refused)."""
    temporary = _temporary(table)
    if unlogged is None:
        unlogged = persistence_unknown_or_unlogged(catalog, table)
    for target in targets:
        if temporary:
            if not _temporary(target):
                return _refused("constraints on temporary tables may reference only "
                                "temporary tables")
        elif _temporary(target):
            return _refused("constraints on unlogged tables may reference only permanent or "
                            "unlogged tables" if unlogged else _PERMANENT_ONLY)
        elif unlogged is False and (known := catalog.tables.get(target)) is not None \
                and known.unlogged:
            return _refused(_PERMANENT_ONLY)
    return {}


_PERMANENT_ONLY = "constraints on permanent tables may reference only permanent tables"


def persistence_unknown_or_unlogged(catalog: Catalog, table: str) -> bool | None:
    """Whether `table`, not temporary, is UNLOGGED: None when the catalog does not know,
    the table not being one these migrations made (it may have been made UNLOGGED)."""
    known = catalog.tables.get(table)
    return None if known is None or known.created_by is None else known.unlogged


def view_refused(view: str, query: object, materialized: bool = False) -> dict:
    """A materialized view whose query reads a temporary relation (its rows would outlive
    them), or a view over one written in a schema that is not pg_temp (`nodes.view_var`
    files an unqualified one there, as the server makes it temporary)."""
    if (materialized or not _temporary(view)) and any(map(_temporary, relations_in(query))):
        return _refused("materialized views must not use temporary tables or views"
                        if materialized else
                        "cannot create temporary relation in non-temporary schema")
    return {}


def _temporary(name: str) -> bool:
    return name.startswith(TEMPORARY_PREFIX)


def _bare(name: str) -> str:
    return name.split(".", 1)[-1]


def _refused(text: str) -> dict:
    return {"refused_by_persistence": True, "refused_by_persistence_text": text}
