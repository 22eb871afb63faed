"""A function, procedure or routine named as an object (ALTER, DROP, COMMENT ON, GRANT ON,
RENAME, OWNER TO, SET SCHEMA) without its argument types, when the name finds several.

The server looks such a name up as it looks up a call's, along the search_path (never in
pg_temp), FUNCTION finding no procedure and PROCEDURE no function, an overload hiding one of
the same argument types in a later schema; with no argument list it refuses the statement
when it finds more than one: "function name "f" is not unique" (42725), `IF EXISTS` or not
(checked on 18.6: `routines.routine_named`). Said only for overloads the migrations made,
which surely exist. The facts are `refused_routine_not_unique`, the name as written and the
overloads found.
"""

from __future__ import annotations

from collections.abc import Iterator

from lockwise.catalog.model import Catalog
from lockwise.effects.nodes import strings, unwrap
from lockwise.parse.quoting import quote_qualified

_ROUTINE_OBJECTS = frozenset({"OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE"})

#: Where each statement that names a routine as an object keeps its object type.
_OBJECT_TYPE_KEY = {"RenameStmt": "renameType", "AlterOwnerStmt": "objectType",
                    "AlterObjectSchemaStmt": "objectType", "CommentStmt": "objtype",
                    "DropStmt": "removeType", "GrantStmt": "objtype",
                    "AlterFunctionStmt": "objtype"}
#: The statements that may name a routine as an object.
NAMING_KINDS = frozenset(_OBJECT_TYPE_KEY)
#: What the server's message calls each object type.
_SAID = {"OBJECT_FUNCTION": "function", "OBJECT_PROCEDURE": "procedure",
         "OBJECT_ROUTINE": "routine"}


def routine_objects(kind: str, body: dict) -> Iterator[tuple[str, dict]]:
    """The object type and the ObjectWithArgs of each routine statement `body` (of node
    `kind`) names as an object (GRANT ... ON ALL FUNCTIONS IN SCHEMA names schemas)."""
    objtype = body.get(_OBJECT_TYPE_KEY.get(kind, ""))
    if objtype not in _ROUTINE_OBJECTS or \
            body.get("targtype", "ACL_TARGET_OBJECT") != "ACL_TARGET_OBJECT":
        return
    if kind == "AlterFunctionStmt":
        yield objtype, body.get("func") or {}
        return
    for obj in body.get("objects") or [body.get("object")]:
        yield objtype, unwrap(obj)[1] or {}


def not_unique_routine(catalog: Catalog, kind: str, body: dict) -> dict:
    """The refusal facts of statement `body` (of node `kind`) when it names a routine without
    its argument types and the name finds several overloads the migrations made; {} when it
    names none so."""
    from lockwise.catalog.routines import routine_named

    for objtype, obj in routine_objects(kind, body):
        if not obj.get("args_unspecified"):
            continue
        _, found = routine_named(catalog, obj, objtype)
        if len(found) > 1:
            said = _SAID[objtype]
            return {"refused_routine_not_unique": True,
                    "not_unique_routine": ".".join(strings(obj.get("objname"))),
                    "not_unique_routine_kind": said,
                    "not_unique_overloads_text": ", ".join(
                        f"{quote_qualified(r.name)}({', '.join(r.args)})" for r in found),
                    "not_unique_routine_sql": f"{quote_qualified(found[0].name)}"
                                              f"({', '.join(found[0].args)})"}
    return {}

