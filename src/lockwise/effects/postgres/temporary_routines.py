"""A function or procedure named without a schema that the session has only in pg_temp.

The server looks for a relation or a type in the session's temporary schema first, but never
for a function or procedure (nor an operator) unless the name is written `pg_temp.f`: an
unqualified call (in a query, a view, a default), CALL, ALTER, COMMENT, GRANT, DROP (without
IF EXISTS) or a trigger executing one is refused ("function f() does not exist", 42883),
whatever the search_path, pg_temp first in it included, even when that path made the routine
there (checked on 18.6:
tests/test_temporary_tables.py). Said only where lockwise is sure: the session made
`pg_temp.f` and lockwise knows no other `f` (no routine of the migrations in another schema,
no built-in function). The facts are `refused_temporary_routine` and the routine's name.
"""

from __future__ import annotations

from collections.abc import Iterator

from lockwise.catalog.model import Catalog
from lockwise.effects.nodes import TEMPORARY_SCHEMA, bodies_of_kind, strings
from lockwise.effects.postgres.routine_objects import NAMING_KINDS, routine_objects
from lockwise.parse.quoting import quote_qualified


def unqualified_temporary_routine(catalog: Catalog, kind: str, body: dict) -> dict:
    """The refusal facts of statement `body` (of node `kind`) when it names, unqualified, a
    routine only pg_temp has; {} when it names none. (`Catalog.temporary` holds only the
    session's own objects: the cheap test first.)"""
    if catalog.kept_routines.keys().isdisjoint(catalog.temporary):
        return {}
    for names in _routines_named(kind, body):
        if len(names) == 1 and (temporary := _only_temporary(catalog, names[0])):
            procedure = all(r.procedure for r in catalog.kept_routines[temporary])
            return {"refused_temporary_routine": True, "temporary_routine": names[0],
                    "temporary_routine_kind": "procedure" if procedure else "function",
                    "temporary_routine_sql": quote_qualified(temporary)}
    return {}


def _routines_named(kind: str, body: dict) -> Iterator[list[str]]:
    """The names (as written, in parts) of the routines `body` calls or names as objects."""
    if kind in NAMING_KINDS:
        # (IF EXISTS only notices)
        for _, obj in routine_objects(kind, body):
            if not body.get("missing_ok"):
                yield strings(obj.get("objname"))
    else:
        if kind == "CallStmt":
            yield strings((body.get("funccall") or {}).get("funcname"))
        elif kind == "CreateTrigStmt":  # the function it executes (then its WHEN's calls)
            yield strings(body.get("funcname"))
        for node in bodies_of_kind(body, "FuncCall"):
            yield strings(node.get("funcname"))


def _only_temporary(catalog: Catalog, bare: str) -> str:
    """`pg_temp.<bare>` when the session made that routine and lockwise knows no other routine
    of the name that the server would find instead; "" otherwise."""
    temporary = f"{TEMPORARY_SCHEMA}.{bare}"
    if temporary not in catalog.kept_routines:
        return ""
    from lockwise.effects.volatility import builtin_functions

    if bare in builtin_functions() or any(
            name != temporary and name.split(".", 1)[-1] == bare
            for name in catalog.kept_routines):
        return ""
    return temporary
