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
    names no FAMILY; FAMILY f must exist (the graph follows both: 42704 "operator family
    "f" does not exist for access method "hash"" once dropped). Refused when the catalog
    keeps a class of its name and access method (42710 "operator class "oc" for access
    method "hash" already exists"; checked on 18.6, fix-pg108), or when the family it goes
    in holds a member it requires (23505, `operators.member_taken`; fix-pg110), or when it
    is DEFAULT FOR TYPE where a kept class is the default already (42710,
    `operators.default_taken`; fix-pg116)."""
    from lockwise.catalog.operators import (
        class_taken,
        default_taken,
        member_taken,
        operator_object_key,
    )

    names, method = strings(stmt.get("opclassname")), str(stmt.get("amname") or "")
    name = object_name(names, create=True)
    catalog = b.ctx.catalog
    b.creates.add(operator_object_key(catalog, "class", [method, *names], create=True))
    if stmt.get("opfamilyname"):
        b.alters.add(operator_object_key(catalog, "family",
                                         [method, *strings(stmt["opfamilyname"])]))
    elif (family := operator_object_key(catalog, "family", [method, *names], create=True)):
        b.creates.add(family)
    b.act("create_operator_class", name=name, access_method=method,
          **already_exists(class_taken(catalog, name, method) or member_taken(catalog, stmt)
                           or default_taken(catalog, stmt)))


def alter_operator_family(b: Builder, stmt: dict) -> None:
    """ALTER OPERATOR FAMILY ... ADD / DROP: the family must exist."""
    from lockwise.catalog.operators import operator_object_key

    names, method = strings(stmt.get("opfamilyname")), str(stmt.get("amname") or "")
    b.alters.add(operator_object_key(b.ctx.catalog, "family", [method, *names]))
    b.act("alter_operator_family", _member_drop_refused(b, stmt, [method, *names])
          or _member_add_refused(b, stmt, [method, *names]),
          name=object_name(names), access_method=method, drops_members=bool(stmt.get("isDrop")))


def _member_add_refused(b: Builder, stmt: dict, items: list[str]) -> dict:
    """ALTER OPERATOR FAMILY ... ADD of a member the kept family holds (`operators.
    member_held`: an earlier ADD put it there, or a kept class of the family requires it),
    the first one in the statement's order: the server refuses it (42710 "operator
    1(integer,integer) already exists in operator family "f""; checked on 18.6,
    fix-pg113)."""
    from lockwise.catalog.operators import family_named, item_member, member_held, member_text

    catalog = b.ctx.catalog
    if stmt.get("isDrop") or not (catalog.operator_members_added or catalog.operator_classes):
        return {}
    family = family_named(catalog, items)
    if family is None:
        return {}
    for elem in (unwrap(item)[1] for item in stmt.get("items") or ()):
        member = item_member(catalog, family[1], elem)
        if member is not None and member_held(catalog, family, member):
            return already_exists(f"{member_text(member)} of operator family {family[0]} "
                                  f"for access method {family[1]}")
    return {}


def _member_drop_refused(b: Builder, stmt: dict, items: list[str]) -> dict:
    """ALTER OPERATOR FAMILY ... DROP of a member a kept class of the family requires
    (`operators.required_member`, the first one in the statement's order): the server
    refuses it (2BP01 "cannot drop operator 1 (integer, integer) of operator family f for
    access method btree: <(integer,integer) because operator class oc for access method
    btree requires it", HINT "You can drop operator class oc for access method btree
    instead."; checked on 18.6, fix-pg104). The steps drop the class instead (its members
    go with it), after the indexes using it (`drops.refused_class_drop`'s). The server
    takes the items in order: one that went with its class before (`operators.gone_member`)
    fails there (42704, `missing_objects.missing_member`; fix-pg108), and so does one a family
    listing its members lacks (`operators.absent_member`; fix-pg113)."""
    from lockwise.catalog.operators import (
        absent_member,
        family_named,
        gone_member,
        required_member,
    )
    from lockwise.effects.dependents import drop_first_sql
    from lockwise.effects.postgres.builder import server_shown
    from lockwise.effects.postgres.drops import refused_class_drop
    from lockwise.effects.postgres.missing_objects import missing_member

    catalog = b.ctx.catalog
    family = family_named(catalog, items) if stmt.get("isDrop") else None
    if family is None:
        return {}
    found = None
    for elem in (unwrap(item)[1] for item in stmt.get("items") or ()):
        if gone := gone_member(catalog, family, elem):
            return missing_member(family, items, gone)
        if absent := absent_member(catalog, family, elem):
            return missing_member(family, items, absent, "no ALTER OPERATOR FAMILY ... ADD "
                                  "put it there, or a DROP took it out")
        if (required := required_member(catalog, family, elem)) is not None:
            found = elem, required
            break
    if found is None:
        return {}
    item, (key, member, types) = found
    shown = f"operator class {server_shown(key[0])} for access method {key[1]}"
    written = f"{server_shown(key[0])} USING {key[1]}"
    steps = refused_class_drop(b, {"removeType": "OBJECT_OPCLASS", "objects": [
        {"List": {"items": [{"String": {"sval": part}} for part in (
            key[1], *key[0].split(".", 1)[key[0].startswith("public."):])]}}]}
        ).get("refused_operator_drop_sql") or \
        drop_first_sql("operator class", written)
    what = "operator" if item.get("itemtype") == 1 else "function"
    return {"refused_member_drop": True,
            "refused_member_drop_error": f"cannot drop {what} {item.get('number')} ({types}) "
            f"of operator family {server_shown(family[0])} for access method {family[1]}: "
            f"{member} because {shown} requires it",
            "refused_member_drop_hint": f"You can drop {shown} instead.",
            "refused_member_drop_sql": steps}


def alter_owner(b: Builder, stmt: dict) -> None:
    """ALTER ... OWNER TO: an operator class or family must exist (the graph follows it); an
    array type's is refused (`user_types.refused_array_type`)."""
    if (kind := OPERATOR_OBJECTS.get(stmt.get("objectType", ""))) is not None:
        from lockwise.catalog.operators import operator_object_key

        b.alters.add(operator_object_key(
            b.ctx.catalog, kind, strings(unwrap(stmt.get("object"))[1].get("items"))))
    refused: dict = {}
    if stmt.get("objectType") == "OBJECT_TYPE":  # of an array type: refused (42809)
        from lockwise.effects.nodes import role_sql
        from lockwise.effects.postgres.user_types import refused_array_type

        refused = refused_array_type(
            b.ctx.catalog, strings(unwrap(stmt.get("object"))[1].get("items")),
            f"OWNER TO {role_sql(stmt.get('newowner'))}")
    elif stmt.get("objectType") == "OBJECT_DOMAIN":  # "x[] is not a domain" (42809)
        from lockwise.effects.postgres.user_types import misread_array_type

        refused = misread_array_type(b.ctx.catalog, "AlterOwnerStmt", stmt, strings(
            unwrap(stmt.get("object"))[1].get("items")), "domain")
    b.act("alter_owner", refused)


def moved_operator_object(b: Builder, rtype: str, items: list[str], schema: str,
                          name: str) -> dict:
    """ALTER OPERATOR CLASS / FAMILY `items` (the access method, then its name parts) RENAME
    TO `name` or SET SCHEMA `schema` (the other one ""): it must exist, and goes on by its
    new name; the facts of one renamed or moved onto one of its kind the catalog keeps
    (42710 "operator family "g" for access method "btree" already exists in schema
    "public"", "operator class "od" for access method "hash" ..."; the name is taken per
    schema and access method). A rename to its own name is refused so too; a SET SCHEMA to
    its own schema runs (checked on 18.6, fix-pg104 and fix-pg110)."""
    from lockwise.catalog.operators import class_taken, family_taken, operator_object_key

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
    if schema and moved == kept:
        return {}
    return already_exists((family_taken if kind == "family" else class_taken)(
        catalog, moved, items[0]))
