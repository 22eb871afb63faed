"""The replay of user types: domains (their defaults and checks), enums, composite types and
the typed tables over them, range types, and DROP TYPE / DOMAIN.

Split from `catalog.replay`, loaded with the first such statement.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import (
    _MAX_NAME_BYTES,
    _alter_table,
    _clip,
    _column,
    _drop_callers,
    _drop_column,
    _drop_relations,
    _is_null,
    free_generated_name,
    routines_of_type,
    type_callers,
)
from lockwise.catalog.routines import forget_overloads
from lockwise.effects.nodes import (
    SERIAL_TYPES,
    collation_name,
    object_name,
    range_var,
    strings,
    type_var,
    unwrap,
)

if TYPE_CHECKING:
    # Made where a statement makes one (`catalog.objects`: an ordinary migration has none).
    from lockwise.catalog.objects import DomainCheck


def _domain_default_expr(expr: dict | None) -> dict | None:
    """What `Domain.default` keeps of a default expression: None for none (or NULL)."""
    return None if expr is None or _is_null(expr) else expr


def _domain_default(catalog: Catalog, body: dict, base: str, is_array: bool) -> dict | None:
    """A new domain's default: its own, else its base domain's, which PostgreSQL copies when
    it creates the domain (a later ALTER DOMAIN of the base leaves it as it was). An array of
    a domain has no default (both checked on the server)."""
    for item in body.get("constraints") or ():
        _, con = unwrap(item)
        if con.get("contype") == "CONSTR_DEFAULT":
            return _domain_default_expr(con.get("raw_expr"))
    base_domain = None if is_array else catalog.domain(base)
    return base_domain.default if base_domain is not None else None


def multirange_type_name(stmt: dict) -> str:
    """The multirange type (qualified) CREATE TYPE ... AS RANGE `stmt` (a CreateRangeStmt)
    makes beside the range (PostgreSQL 14+): its `multirange_type_name`, else named after the
    range in the range's schema, its first `range` made `multirange` (`floatrange` ->
    `floatmultirange`), or else `_multirange` added (`period_multirange`), within 63 bytes
    (makeMultirangeTypeName; checked on the server)."""
    for param in stmt.get("params") or ():
        elem = unwrap(param)[1]
        if elem.get("defname") == "multirange_type_name":
            return object_name(strings(unwrap(elem.get("arg"))[1].get("names")), create=True)
    schema, _, name = object_name(strings(stmt.get("typeName")), create=True).partition(".")
    at = name.find("range")
    multi = f"{name[:at]}multi{name[at:]}" if at >= 0 else \
        f"{_clip(name.encode(), _MAX_NAME_BYTES - 11)}_multirange"
    return f"{schema}.{_clip(multi.encode(), _MAX_NAME_BYTES)}"


def _alter_composite(catalog: Catalog, name: str, stmt: dict) -> None:
    """ALTER TYPE `name` ADD / DROP / ALTER ATTRIBUTE of a composite type: its attributes
    change; a subcommand with CASCADE changes the columns of its typed tables too, and of
    what inherits from them, as the same ALTER TABLE subcommand would (DROP ATTRIBUTE ...
    CASCADE drops the views using the column; all checked on the server). Without CASCADE
    the server refuses while a typed table exists."""
    attributes = {a.name: a for a in catalog.composites.get(name, ())}
    for cmd in [unwrap(c)[1] for c in stmt.get("cmds") or ()]:
        sub, attribute = cmd.get("subtype", ""), cmd.get("name", "")
        if sub == "AT_AddColumn":
            col = _column(catalog, unwrap(cmd.get("def"))[1], name)
            attributes.setdefault(col.name, col)
        elif sub == "AT_DropColumn":
            attributes.pop(attribute, None)
        elif sub == "AT_AlterColumnType" and attribute in attributes:
            _, body = unwrap(cmd.get("def"))
            tname, mods, is_array = catalog.column_type(body.get("typeName"))
            attributes[attribute] = replace(attributes[attribute], type_name=tname,
                                            typmods=mods, array=is_array,
                                            collation=collation_name(body))
    for _, tree in typed_table_trees(catalog, {"AlterTableStmt": stmt}):
        _alter_table(catalog, tree["AlterTableStmt"])
    if name in catalog.composites:
        catalog.composites[name] = tuple(attributes.values())


def typed_table_trees(catalog: Catalog, tree: dict) -> list[tuple[str, dict]]:
    """ALTER TYPE ... ADD / DROP / ALTER / RENAME ATTRIBUTE of a composite type as what it
    does to each of its typed tables: (table, the ALTER TABLE or RENAME COLUMN it amounts
    to, of the subcommands with CASCADE, reaching the table's children too). Empty for any
    other statement, and without CASCADE (the server then refuses while a typed table
    exists)."""
    kind, body = unwrap(tree)
    if kind == "AlterTableStmt" and body.get("objtype") == "OBJECT_TYPE":
        cmds = [c for c in body.get("cmds") or ()
                if unwrap(c)[1].get("behavior") == "DROP_CASCADE"]
        return [(table, {"AlterTableStmt": {"relation": _relation_of(table), "cmds": cmds}})
                for table in catalog.typed_tables(range_var(body.get("relation"))[0])
                ] if cmds else []
    if kind == "RenameStmt" and body.get("renameType") == "OBJECT_ATTRIBUTE" and \
            body.get("behavior") == "DROP_CASCADE":
        return [(table, {"RenameStmt": {**body, "renameType": "OBJECT_COLUMN",
                                        "relation": _relation_of(table)}})
                for table in catalog.typed_tables(range_var(body.get("relation"))[0])]
    return []


def _relation_of(table: str) -> dict:
    """A RangeVar naming `table` (qualified), without ONLY."""
    schema, rel = table.split(".", 1)
    return {"schemaname": schema, "relname": rel, "inh": True}


def _add_label(labels: list[str], stmt: dict) -> None:
    """ALTER TYPE ... ADD VALUE: the label where BEFORE / AFTER puts it (else last), in the
    order the server sorts them; none when there already (IF NOT EXISTS, or refused)."""
    label, neighbor = stmt["newVal"], stmt.get("newValNeighbor")
    if label in labels:
        return
    if neighbor in labels:
        labels.insert(labels.index(neighbor) + bool(stmt.get("newValIsAfter")), label)
    else:
        labels.append(label)


def _drop_type(catalog: Catalog, name: str, cascade: bool, stmt: dict) -> None:
    """DROP TYPE / DOMAIN `name` (`stmt`); with CASCADE the domains over it and the columns
    of them all go with it, and the generated columns reading those, then what casts to one
    of them (without CASCADE the server refuses while any exist)."""
    types = [name]
    if cascade:
        found = type_callers(catalog, name, stmt)  # (as the catalog was: as the effect's)
        going = routines_of_type(catalog, name)
        # A typed table goes with its composite type, as DROP TABLE ... CASCADE (checked
        # on the server).
        for table in catalog.typed_tables(name):
            _drop_relations(catalog, table, cascade=True)
        for table, column in catalog.columns_dropped_with_type(name):
            if table in catalog.tables:
                _drop_column(catalog, catalog.tables[table], column, cascade=True)
        _drop_callers(catalog, found)
        forget_overloads(catalog, going)
        types = catalog.with_subdomains(name, arrays=True)
    for dropped in types:
        catalog.composites.pop(dropped, None)
        catalog.enums.pop(dropped, None)
        catalog.types.discard(dropped)
        catalog.types.discard(catalog.multiranges.pop(dropped, ""))  # a range's goes with it
        catalog.range_subtypes.pop(dropped, None)
        catalog.constrained_domains.discard(dropped)
        catalog.domains.pop(dropped, None)


def domain_check_name(catalog: Catalog, domain: str, label: str = "check") -> str:
    """The name PostgreSQL gives a CHECK added to `domain` (qualified) without one:
    `domain_check`, numbered past the names the constraints of its schema's domains and
    tables hold (ChooseConstraintName; checked on the server). `label` "not_null": its NOT
    NULL's, numbered alike (`domain_not_null1`; checked on 18.6)."""
    schema, bare = domain.split(".", 1)
    return free_generated_name(bare, label, lambda name: catalog.constraint_named(schema, name))


def _add_domain_constraint(catalog: Catalog, domain: str, con: dict) -> None:
    """A CHECK or NOT NULL constraint `con` of CREATE / ALTER DOMAIN `domain` (another kind
    is left), named as written or as PostgreSQL names it. A NOT NULL of a domain that has one
    adds nothing (checked on 18.6: its name stays, a name written is not taken); before 17 a
    NOT NULL has no name (`Catalog.domain_not_null_constraints`)."""
    known = catalog.domains.get(domain)
    if known is not None and con.get("contype") == "CONSTR_NOTNULL" and not known.not_null:
        name = (con.get("conname") or domain_check_name(catalog, domain, "not_null")) \
            if catalog.domain_not_null_constraints else ""
        catalog.domains[domain] = replace(known, not_null=True, not_null_name=name)
        return
    if known is None or con.get("contype") != "CONSTR_CHECK":
        return
    from lockwise.catalog.objects import DomainCheck

    check = DomainCheck(con.get("conname") or domain_check_name(catalog, domain),
                        con.get("raw_expr"), bool(con.get("skip_validation")))
    catalog.domains[domain] = replace(known, checks=(*known.checks, check))


def _drop_domain_not_null(catalog: Catalog, domain: str) -> None:
    """`domain` (a known one) without its NOT NULL constraint."""
    if (known := catalog.domains.get(domain)) is not None:
        catalog.domains[domain] = replace(known, not_null=False, not_null_name="")
        _note_domain_constrained(catalog, domain)


def _note_domain_constrained(catalog: Catalog, domain: str) -> None:
    """`Catalog.constrained_domains` holds `domain` (a known one) while it has a CHECK or
    NOT NULL constraint: once the last is dropped, a column of it is its base type again
    (checked on the server: changing a column's type to it rewrites nothing)."""
    known = catalog.domains.get(domain)
    if known is None:
        return
    if known.checks or known.not_null:
        catalog.constrained_domains.add(domain)
    else:
        catalog.constrained_domains.discard(domain)


def _change_domain_check(catalog: Catalog, domain: str, name: str,
                         change: Callable[[DomainCheck], DomainCheck | None]) -> None:
    """CHECK constraint `name` of `domain` as `change` leaves it (None: dropped)."""
    known = catalog.domains.get(domain)
    if known is None:
        return
    checks = [change(c) if c.name == name else c for c in known.checks]
    catalog.domains[domain] = replace(known, checks=tuple(c for c in checks if c is not None))


def apply_type_statement(catalog: Catalog, kind: str, body: dict) -> None:
    """Apply statement `body` of node type `kind` (one of `replay.TYPE_STATEMENTS`) to
    `catalog`."""
    if kind == "CreateDomainStmt":
        name = object_name(strings(body.get("domainname")), create=True)
        catalog.types.add(name)
        catalog.filed(name)
        catalog.place_array(name)
        base, mods, is_array = catalog.column_type(body.get("typeName"))
        from lockwise.catalog.objects import Domain

        catalog.domains[name] = Domain(
            SERIAL_TYPES.get(base, base), mods, is_array,
            _domain_default(catalog, body, base, is_array))
        # (named in the order written: a CHECK named `d_not_null` before NOT NULL numbers its
        # name, checked on 18.6)
        for con in body.get("constraints") or ():
            _add_domain_constraint(catalog, name, unwrap(con)[1])
        _note_domain_constrained(catalog, name)
    elif kind == "AlterDomainStmt" and body.get("subtype") in ("C", "O"):
        name = object_name(strings(body.get("typeName")))
        catalog.constrained_domains.add(name)
        _add_domain_constraint(catalog, name, {"contype": "CONSTR_NOTNULL"}
                               if body["subtype"] == "O" else unwrap(body.get("def"))[1])
    elif kind == "AlterDomainStmt" and body.get("subtype") in ("X", "V"):
        name = object_name(strings(body.get("typeName")))
        domain = catalog.domains.get(name)
        if body["subtype"] == "X" and domain is not None and domain.not_null and \
                domain.not_null_name == body.get("name"):
            _drop_domain_not_null(catalog, name)  # (DROP CONSTRAINT of it: checked on 18.6)
        _change_domain_check(catalog, name, body.get("name", ""),
                             (lambda _: None) if body["subtype"] == "X" else
                             (lambda c: replace(c, not_valid=False)))
        _note_domain_constrained(catalog, name)
    elif kind == "AlterDomainStmt" and body.get("subtype") == "N":
        _drop_domain_not_null(catalog, object_name(strings(body.get("typeName"))))
    elif kind == "AlterDomainStmt" and body.get("subtype") == "T":
        name = object_name(strings(body.get("typeName")))
        domain = catalog.domains.get(name)
        if domain is not None:
            catalog.domains[name] = replace(domain, default=_domain_default_expr(body.get("def")))
    elif kind == "CreateEnumStmt":
        name = object_name(strings(body.get("typeName")), create=True)
        catalog.enums[name] = strings(body.get("vals"))
        catalog.types.add(name)
        catalog.filed(name)
        catalog.place_array(name)
    elif kind == "CompositeTypeStmt":  # known, so that the search_path finds it
        name = type_var(body.get("typevar"))
        catalog.types.add(name)
        catalog.filed(name)
        catalog.place_array(name)
        catalog.composites[name] = tuple(_column(catalog, unwrap(c)[1], name)
                                         for c in body.get("coldeflist") or ())
    elif kind == "CreateRangeStmt":
        name = object_name(strings(body.get("typeName")), create=True)
        multirange = multirange_type_name(body)
        catalog.types |= {name, multirange}
        catalog.multiranges[name] = multirange
        catalog.filed(name)
        catalog.place_array(name)
        catalog.place_array(multirange)
        for param in body.get("params") or ():
            elem = unwrap(param)[1]
            if elem.get("defname") == "subtype":
                catalog.range_subtypes[name] = catalog.column_type(unwrap(elem.get("arg"))[1])[0]
    elif kind == "AlterEnumStmt":
        name = object_name(strings(body.get("typeName")))
        labels = catalog.enums.get(name)
        if body.get("oldVal"):  # RENAME VALUE 'a' TO 'b'
            if labels is not None and body["oldVal"] in labels:
                labels[labels.index(body["oldVal"])] = body.get("newVal", "")
        elif body.get("newVal"):
            _add_label(catalog.enums.setdefault(name, []), body)
