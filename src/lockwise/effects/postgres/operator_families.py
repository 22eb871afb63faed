"""CREATE / ALTER OPERATOR FAMILY, CREATE OPERATOR CLASS and ALTER ... OWNER: the operator
classes and families they make, look up or move, as the conflict graph follows them (an
ALTER or DROP of one an earlier statement dropped fails: 42704 "operator family "f" does not
exist for access method "btree""), and a CREATE or rename onto a family the catalog keeps
(42710 "operator family "f" for access method "btree" already exists"). Checked on 18.6,
fix-pg104."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lockwise.effects.nodes import object_name, strings, unwrap
from lockwise.effects.postgres.builder import already_exists

if TYPE_CHECKING:
    from lockwise.effects.postgres.builder import Builder

#: The object types whose keys `operator_object_key` makes, by their kind in it.
OPERATOR_OBJECTS = {"OBJECT_OPCLASS": "class", "OBJECT_OPFAMILY": "family"}


def create_operator_family(b: Builder, stmt: dict) -> None:
    """CREATE OPERATOR FAMILY: refused when the catalog keeps one of its name and access
    method (42710 "operator family "f" for access method "btree" already exists"; one of
    another access method, or in another schema on the search_path, is no obstacle)."""
    from lockwise.catalog.operators import family_taken, operator_object_key

    names, method = strings(stmt.get("opfamilyname")), str(stmt.get("amname") or "")
    name = object_name(names, create=True)
    b.creates.add(operator_object_key(b.ctx.catalog, "family", [method, *names], create=True))
    b.act("create_operator_family", name=name, access_method=method,
          **already_exists(family_taken(b.ctx.catalog, name, method)))


def create_operator_class(b: Builder, stmt: dict) -> None:
    """CREATE OPERATOR CLASS: it makes the class, and the family of its own name when it
    names no FAMILY; FAMILY f must exist (the graph follows both)."""
    from lockwise.catalog.operators import operator_object_key

    names, method = strings(stmt.get("opclassname")), str(stmt.get("amname") or "")
    catalog = b.ctx.catalog
    b.creates.add(operator_object_key(catalog, "class", [method, *names], create=True))
    if stmt.get("opfamilyname"):
        b.alters.add(operator_object_key(catalog, "family",
                                         [method, *strings(stmt["opfamilyname"])]))
    elif (family := operator_object_key(catalog, "family", [method, *names], create=True)):
        b.creates.add(family)
    b.act("other", node="CreateOpClassStmt")


def alter_operator_family(b: Builder, stmt: dict) -> None:
    """ALTER OPERATOR FAMILY ... ADD / DROP: the family must exist."""
    from lockwise.catalog.operators import operator_object_key

    names, method = strings(stmt.get("opfamilyname")), str(stmt.get("amname") or "")
    b.alters.add(operator_object_key(b.ctx.catalog, "family", [method, *names]))
    b.act("alter_operator_family", name=object_name(names), access_method=method,
          drops_members=bool(stmt.get("isDrop")))


def alter_owner(b: Builder, stmt: dict) -> None:
    """ALTER ... OWNER TO: an operator class or family must exist (the graph follows it)."""
    if (kind := OPERATOR_OBJECTS.get(stmt.get("objectType", ""))) is not None:
        from lockwise.catalog.operators import operator_object_key

        b.alters.add(operator_object_key(
            b.ctx.catalog, kind, strings(unwrap(stmt.get("object"))[1].get("items"))))
    b.act("alter_owner")


def moved_operator_object(b: Builder, rtype: str, items: list[str], schema: str,
                          name: str) -> dict:
    """ALTER OPERATOR CLASS / FAMILY `items` (the access method, then its name parts) RENAME
    TO `name` or SET SCHEMA `schema` (the other one ""): it must exist, and goes on by its
    new name; the facts of a family renamed or moved onto one the catalog keeps (42710
    "operator family "g" for access method "btree" already exists in schema "public"; the
    name is taken per schema and access method)."""
    from lockwise.catalog.operators import family_taken, operator_object_key

    kind = OPERATOR_OBJECTS[rtype]
    catalog = b.ctx.catalog
    old = operator_object_key(catalog, kind, items)
    if not old:
        return {}
    b.alters.add(old)
    b.drops.add(old)
    kept = old.split(":", 1)[1]
    moved = f"{schema or kept.split('.', 1)[0]}.{name or kept.split('.', 1)[1]}"
    b.creates.add(f"{old.split(':', 1)[0]}:{moved}")
    return already_exists(family_taken(catalog, moved, items[0])) if kind == "family" else {}
