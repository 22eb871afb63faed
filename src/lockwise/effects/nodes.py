"""Reading pglast's JSON parse trees: names, types, expressions. No PostgreSQL semantics here."""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from collections.abc import Set as AbstractSet
from enum import Enum
from functools import lru_cache
from typing import TYPE_CHECKING, Generic, TypeVar

from lockwise.core.deferred import bound_on_use
from lockwise.core.lazy_re import lazy_compile
from lockwise.parse.quoting import quote_ident, quote_literal, quote_qualified
from lockwise.parse.trees import rebuilt

if TYPE_CHECKING:
    from types import ModuleType

T = TypeVar("T")

#: Type aliases users write, folded to the names PostgreSQL stores in pg_type.
TYPE_ALIASES = {
    "integer": "int4", "int": "int4", "smallint": "int2", "bigint": "int8",
    "real": "float4", "double precision": "float8", "float": "float8",
    # (`char` / `character` arrive as pg_catalog.bpchar; a quoted "char" is the one-byte type)
    "boolean": "bool", "character varying": "varchar",
    "decimal": "numeric", "timestamp with time zone": "timestamptz",
    "timestamp without time zone": "timestamp", "time with time zone": "timetz",
    "time without time zone": "time", "bit varying": "varbit",
    "serial4": "serial", "serial8": "bigserial", "serial2": "smallserial",
}
SERIAL_TYPES = {"serial": "int4", "bigserial": "int8", "smallserial": "int2"}


def unwrap(node: dict | None) -> tuple[str, dict]:
    """{'RangeVar': {...}} -> ('RangeVar', {...})."""
    if not node:
        return "", {}
    ((kind, body),) = node.items()
    return kind, body


def atomic_statements(body: dict) -> list[dict]:
    """The statements of a BEGIN ATOMIC body (`sql_body`; pglast: a list holding one list of
    them); none for a RETURN body."""
    return [tree for outer in unwrap(body)[1].get("items") or ()
            for tree in unwrap(outer)[1].get("items") or ()]


def returning_list(stmt: dict) -> list:
    """The RETURNING items of INSERT / UPDATE / DELETE / MERGE `stmt`; [] for none. From
    PostgreSQL 18's grammar (pglast 8) on they are a returningClause's `exprs`; before, the
    statement's `returningList`."""
    return (stmt.get("returningClause") or {}).get("exprs") or stmt.get("returningList") or []


def strings(items: list | None) -> list[str]:
    """A list of {'String': {'sval': ...}} nodes as plain strings."""
    out = []
    # `unwrap` inlined: names are read from nearly every statement, a call per part.
    for item in items or ():
        if not item:
            continue
        ((kind, body),) = item.items()
        if kind == "String":
            out.append(body.get("sval", ""))
        elif kind == "A_Star":
            out.append("*")
    return out


#: (unqualified name, whether the statement creates it) -> its schema.
Resolver = Callable[[str, bool], str]

#: How unqualified names resolve when the migration set a search_path
#: (lockwise.catalog.search_path); None under the default path, where every one is `public`'s.
#: The effect model, the catalog replay and the conflict graph all qualify names here.
_resolver: Resolver | None = None
#: Whether the session has a temporary relation (or type) of an unqualified name
#: (`use_temporary`): the server searches pg_temp first for those, unless the search_path
#: lists it (then the resolver places it). None: no session is being replayed.
_temporary: Callable[[str], bool] | None = None
#: The schema lockwise names a session's temporary schema by (the server's pg_temp_<n>).
TEMPORARY_SCHEMA = "pg_temp"
TEMPORARY_PREFIX = TEMPORARY_SCHEMA + "."


#: How many times the resolution of names changed (`use_resolver`, `use_temporary`).
_resolutions = 0


def use_resolver(resolver: Resolver | None) -> Resolver | None:
    """Resolve unqualified names with `resolver` from now on; returns the one it replaces."""
    global _resolver, _last_relations, _resolutions
    previous, _resolver = _resolver, resolver
    _last_relations = (None, (), frozenset(), [], [])  # found under the previous path
    _resolutions += 1
    return previous


def use_temporary(known: Callable[[str], bool] | None) -> Callable[[str], bool] | None:
    """Look up the session's temporary relations with `known` from now on (see
    `_temporary`); returns the lookup it replaces."""
    global _temporary, _last_relations, _resolutions
    previous, _temporary = _temporary, known
    _last_relations = (None, (), frozenset(), [], [])
    _resolutions += 1
    return previous


def resolution() -> int:
    """A number that changes whenever unqualified names start to resolve otherwise
    (`use_resolver`, `use_temporary`): an answer remembered for a node (`NodeMemo`) that
    depends on how its names resolve holds while this is the same."""
    return _resolutions


def temporary_in_force() -> Callable[[str], bool] | None:
    """The lookup of the session's temporary relations `use_temporary` put in place."""
    return _temporary


def resolver_in_force() -> Resolver | None:
    """The resolver `use_resolver` put in place (None: the default path)."""
    return _resolver


def qualified(schema: str | None, name: str, create: bool = False) -> str:
    """`schema.name`; an unqualified name (no `schema`) in the schema the search_path in
    force gives it: the one holding such an object, or for a new one (`create`) the one
    CREATE puts it in. Under the default path, an existing system catalog's is pg_catalog
    (`lockwise.effects.system_catalog`), every other one public."""
    if schema is None:
        if _resolver is not None:
            schema = _resolver(name, create)
        elif not create and _temporary is not None and _temporary(name):
            schema = TEMPORARY_SCHEMA
        elif not create and name.startswith("pg_"):
            schema = "pg_catalog" if _system_catalog.is_system_relation(name) else None
    return f"{schema or 'public'}.{name}"


def range_var(rv: dict | None, create: bool = False) -> tuple[str, bool]:
    """A RangeVar as ('schema.name', was_qualified); `create`: the statement creates it, a
    relation (a composite type's name: `type_var`)."""
    if not rv:
        return "", False
    if "RangeVar" in rv:
        rv = rv["RangeVar"]
    schema = rv.get("schemaname")
    persistence = rv.get("relpersistence")
    if persistence == "t" or (schema or "").startswith("pg_temp_") or (
            create and schema is None and persistence == "p"
            and getattr(_resolver, "temporary_first", False)):
        # CREATE TEMP ... (the parser marks only those), the session's own schema by its
        # number, or an unqualified new relation under a search_path that puts pg_temp
        # first (an UNLOGGED one the server refuses there): the session's temporary schema
        return f"{TEMPORARY_SCHEMA}.{rv.get('relname', '')}", schema is not None
    if schema:  # (written: `qualified`'s answer, without its call)
        return f"{schema}.{rv.get('relname', '')}", True
    return qualified(schema, rv.get("relname", ""), create), schema is not None


def view_var(stmt: dict) -> tuple[str, bool]:
    """The name (and whether written qualified) a CREATE VIEW (a ViewStmt) gives its view:
    `range_var`'s, but in pg_temp when the view is unqualified and its query reads a
    temporary relation (in a join, a subquery, a CTE; a view over one is temporary too): the
    server makes such a view temporary (NOTICE: view "v" will be a temporary view; checked on
    18.6: test_temporary_tables). Written in another schema, the server refuses it."""
    rv = stmt.get("view") or {}
    rv = rv.get("RangeVar", rv)
    if rv.get("schemaname") is None and rv.get("relpersistence") == "p" and any(
            name.startswith(TEMPORARY_PREFIX) for name in relations_in(stmt.get("query"))):
        return f"{TEMPORARY_SCHEMA}.{rv.get('relname', '')}", False
    return range_var(rv, create=True)


def type_var(rv: dict | None) -> str:
    """The qualified name CREATE TYPE ... AS (...) gives its composite type (its `typevar`):
    where CREATE puts a type (pg_temp only under a search_path with it first, as for every
    unqualified object: `SearchPath.creation_schema`)."""
    rv = (rv or {}).get("RangeVar", rv) or {}
    return qualified(rv.get("schemaname"), rv.get("relname", ""), create=True)


def range_name(rv: dict) -> str:
    """The name a table in a statement goes by in the rest of it: its alias, else its own."""
    return (rv.get("alias") or {}).get("aliasname") or rv.get("relname", "")


def object_name(names: list[str], create: bool = False) -> str:
    """['s', 'x'] -> 's.x'; ['x'] -> 'public.x' (under the default search_path)."""
    if len(names) >= 2:
        return f"{names[-2]}.{names[-1]}"
    return qualified(None, names[-1] if names else "", create)


def aggregate_made(kind: str, node: dict) -> str | None:
    """The aggregate a CREATE AGGREGATE (`node`, a statement of parse-tree kind `kind`)
    makes, qualified as `Catalog.aggregates` keeps it; None for another statement. The one
    reading of it for the replay (`routines.keep_aggregate`) and apply's plan
    (`batches.aggregates_made`)."""
    if kind != "DefineStmt" or node.get("kind") != "OBJECT_AGGREGATE":
        return None
    return object_name(strings(node.get("defnames")), create=True)


def drop_object_names(stmt: dict) -> list[list[str]]:
    """The name parts of each object a DropStmt drops (a relation, type, function, ...)."""
    return [names for obj in stmt.get("objects") or ()
            if (names := drop_object_name(obj)) is not None]


def drop_object_name(obj: dict) -> list[str] | None:
    """The name parts of one object of a DropStmt; None for a kind of object it has no name
    for."""
    kind, body = unwrap(obj)
    if kind == "List":
        return strings(body.get("items"))
    if kind == "String":
        return [body.get("sval", "")]
    if kind == "TypeName":
        return strings(body.get("names"))
    if kind == "ObjectWithArgs":
        return strings(body.get("objname"))
    return None


def type_name(tn: dict | None) -> tuple[str, tuple[int, ...], bool]:
    """A TypeName as (normalized name, integer typmods, is_array). The name keeps its case:
    the parser already folded an unquoted one, and a quoted `"Role"` is another type than
    `role`. A built-in type is named without its `pg_catalog`, a user type in another schema
    as `schema.name`."""
    if not tn:
        return "", (), False
    if "TypeName" in tn:
        tn = tn["TypeName"]
    names = strings(tn.get("names"))
    name = names[-1] if names else ""
    if len(names) >= 2 and names[0] != "pg_catalog":
        name = f"{names[-2]}.{names[-1]}"
    name = TYPE_ALIASES.get(name, name)
    mods = []
    for mod in tn.get("typmods") or ():
        kind, body = unwrap(mod)
        if kind == "A_Const" and "ival" in body:
            mods.append(int(body["ival"].get("ival", 0)))
    array = bool(tn.get("arrayBounds"))
    if name.startswith("_") and not array:
        # A built-in array type by its pg_type name: `_int4` is `int4[]` (`_int4[]` is no
        # type: the server refuses it, 42704). A user type's (`_x`) is `Catalog.column_type`'s.
        from lockwise.effects.types import builtin_array_element

        element = builtin_array_element(name)
        if element is not None:
            return element, tuple(mods), True
    return name, tuple(mods), array


#: interval's field names by their bit in a typmod's field mask (datetime.h), largest first.
_INTERVAL_FIELDS = (("YEAR", 2), ("MONTH", 1), ("DAY", 3), ("HOUR", 10), ("MINUTE", 11),
                    ("SECOND", 12))
_INTERVAL_FULL_RANGE = 0x7FFF


def type_sql(name: str, mods: tuple[int, ...], array: bool = False) -> str:
    """A type as SQL, from `type_name`'s parts (interval's typmods are a field mask and a
    precision: they are written back as fields, `interval HOUR TO MINUTE`)."""
    if name == "interval" and mods:
        text = name
        fields = [f for f, bit in _INTERVAL_FIELDS if mods[0] & (1 << bit)]
        if mods[0] != _INTERVAL_FULL_RANGE and fields:
            text += " " + (f"{fields[0]} TO {fields[-1]}" if len(fields) > 1 else fields[0])
        if len(mods) > 1:
            text += f"({mods[1]})"
    elif name == "char":  # the one-byte type: `char` unquoted is character(1)
        text = '"char"'
    else:
        # quoted where needed: built-in names are plain lower case and stay as they are
        text = quote_qualified(name) + (f"({','.join(map(str, mods))})" if mods else "")
    return text + ("[]" if array else "")


#: pg_type names that format_type() prints as the SQL standard's names, which users write.
_STANDARD_TYPE_NAMES = {
    "int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real",
    "float8": "double precision", "bool": "boolean", "varchar": "character varying",
    "varbit": "bit varying"}
#: The pg_type names a migration seldom writes, by the names it writes in their place.
_WRITTEN_TYPE_NAMES = {name: written for name, written in _STANDARD_TYPE_NAMES.items()
                       if name not in ("varchar", "varbit")}
#: The date/time types whose precision format_type() writes before the zone.
_ZONED_TYPES = {"timestamptz": ("timestamp", " with time zone"),
                "timestamp": ("timestamp", " without time zone"),
                "timetz": ("time", " with time zone"), "time": ("time", " without time zone")}


def format_type(name: str, mods: tuple[int, ...], array: bool = False) -> str:
    """A type, from `type_name`'s parts, as PostgreSQL's format_type() prints it in its
    messages and users write it (`integer`, `character varying(20)`, `timestamp(3) with time
    zone`; checked on the server): for the words of a message, where `type_sql` keeps the
    pg_type names lockwise stores (`int4`, `varchar(20)`)."""
    if name in _ZONED_TYPES:
        base, zone = _ZONED_TYPES[name]
        text = base + (f"({mods[0]})" if mods else "") + zone
    elif name == "interval":
        text = type_sql(name, mods).lower()  # its fields: `interval hour to minute`
    elif name == "bpchar" and mods:
        text = f"character({mods[0]})"
    elif name == "numeric" and len(mods) == 1:
        text = f"numeric({mods[0]},0)"
    elif name in _STANDARD_TYPE_NAMES:
        text = _STANDARD_TYPE_NAMES[name] + (f"({','.join(map(str, mods))})" if mods else "")
    else:
        text = type_sql(name, mods)
    return text + ("[]" if array else "")


def written_type(name: str, mods: tuple[int, ...] = (), array: bool = False) -> str:
    """A type, from `type_name`'s parts, as SQL in the names migrations write (`bigint`,
    `double precision`, `boolean`, `char(3)`), where `type_sql` keeps pg_type's (`int8`,
    `float8`, `bool`, `bpchar(3)`): the type a finding's message and safe alternative name."""
    if name == "bpchar" and mods:
        text = f"char({mods[0]})"
    elif name in _WRITTEN_TYPE_NAMES:
        text = _WRITTEN_TYPE_NAMES[name] + (f"({','.join(map(str, mods))})" if mods else "")
    else:
        return type_sql(name, mods, array)
    return text + ("[]" if array else "")


def walk(node: object) -> Iterator[tuple[str, dict]]:
    """Every (kind, body) node below `node`, depth first."""
    # Exact type checks and bound methods: this runs over every node of every statement, several
    # times, and was the top line of the profile. pglast's JSON holds only plain dicts/lists.
    # A list's items go on the stack at once (not the list, to be taken off and spread
    # later): the same order, one step less per list.
    stack = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is dict:
            for key, value in item.items():
                vtype = type(value)
                if vtype is dict:
                    if key and key[0].isupper():
                        yield key, value
                    push(value)
                elif vtype is list:
                    extend(value)
        elif kind is list:
            extend(item)


#: What `bodies_of_kind` found lately, a memo a kind: a column's default is asked for its
#: calls three times by the effect model (`named_calls`, `lock_default_sequences`,
#: `nextval_sequence`), a statement's calls by the effect model and again by the replay.
_bodies_found: dict[str, NodeMemo[tuple[dict, ...]]] = {}


def bodies_of_kind(node: object, kind: str) -> tuple[dict, ...]:
    """The bodies of the `kind` nodes below `node`, in `walk`'s order: `[body for k, body in
    walk(node) if k == kind]`, without a generator step and a tuple per node (most walks
    look for one kind: a statement's calls, an expression's column references), and
    remembered for the node (`NodeMemo`: a tree is never changed in place)."""
    memo = _bodies_found.get(kind)
    if memo is None:
        memo = _bodies_found[kind] = NodeMemo()
    found = memo.get(node)
    if found is None:
        found = memo.put(node, walked_bodies_of_kind(node, kind))
    return found


#: Node kinds whose bodies hold no node but the String and A_Star parts of a column
#: reference's name (ColumnRef) or none at all (constants, parameters, the name parts, an
#: option's number): a walk for any other kind need not go below one. Not going below them
#: spares `_relations` and `walked_bodies_of_kind` a quarter to a third of their steps on
#: the corpora.
_LEAF_KINDS = frozenset({"ColumnRef", "A_Const", "String", "A_Star", "ParamRef", "Integer",
                         "Float"})
#: The kinds found below a `_LEAF_KINDS` node: a walk for one of them goes below every node.
_IN_LEAVES = frozenset({"String", "A_Star"})


def walked_bodies_of_kind(node: object, kind: str,
                          skipped: str | None = None) -> tuple[dict, ...]:
    """`bodies_of_kind`, walked each time and not remembered: for a caller that asks once
    of a tree no one else asks of (an entry in the memo would put out one still of use). Not
    below a node of `_LEAF_KINDS`: it holds no `kind`. With `skipped` (a key whose value is a
    node: "SubLink", "subselect"), not below that key either: the `kind` bodies of
    `walk_except(node, skipped)`, in `walk`'s order, without a generator step a node."""
    out: list[dict] = []
    leaves = frozenset() if kind in _IN_LEAVES else _LEAF_KINDS
    if skipped is not None:
        if skipped == kind:
            return ()
        leaves = leaves | {skipped}
    stack = [node]
    pop, push, extend, add = stack.pop, stack.append, stack.extend, out.append
    while stack:
        item = pop()
        if type(item) is dict:
            for key, value in item.items():
                vtype = type(value)
                if vtype is dict:
                    if key == kind:
                        add(value)
                    if key not in leaves:
                        push(value)
                elif vtype is list:
                    extend(value)
        elif type(item) is list:
            extend(item)
    return tuple(out)


#: The clauses of a query whose expressions the executor runs before its output columns
#: (target list, SET list, RETURNING, VALUES), in the order it runs them (checked on 18.6
#: with RAISE NOTICE, fix-pg72): LIMIT and OFFSET are computed before the first row is
#: fetched, a WITH query when its scan starts, then the FROM items (a join's ON after both
#: sides), WHERE, GROUP BY, HAVING, windows, and an ORDER BY expression below the projection.
_RUN_BEFORE_OUTPUT = ("limitOffset", "limitCount", "withClause", "fromClause", "usingClause",
                      "whereClause", "groupClause", "havingClause", "windowClause",
                      "sortClause")


def walk_in_order(node: object) -> Iterator[tuple[str, dict]]:
    """Every (kind, body) node below `node`, each before what it holds, and what it holds
    in the order the tree has it (an operator before its left operand, that before the
    right one): the order a walk of the analyzed expression meets them."""
    stack = [node]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        if type(item) is list:
            extend(reversed(item))
        elif type(item) is dict:
            held = []
            for key, value in item.items():
                if type(value) is dict:
                    if key[:1].isupper():
                        yield key, value
                    held.append(value)
                elif type(value) is list:
                    held.append(value)
            extend(reversed(held))


def _run_order(item: dict) -> list[tuple[str, object]]:
    """The fields of node `item` in the order the executor runs them (`_RUN_BEFORE_OUTPUT`
    first, the others as the tree has them)."""
    if not any(key in item for key in _RUN_BEFORE_OUTPUT):
        return list(item.items())
    first = [(key, item[key]) for key in _RUN_BEFORE_OUTPUT if key in item]
    return first + [(k, v) for k, v in item.items() if k not in _RUN_BEFORE_OUTPUT]


def calls_in_order(node: object) -> list[dict]:
    """The FuncCall nodes below `node` in the order the server runs them as far as the tree
    tells: a query's clauses as `_RUN_BEFORE_OUTPUT` says, then its output columns, items
    of a list (a target list's columns) in turn, a call's arguments before it."""
    out: list[dict] = []
    stack: list[tuple[object, bool]] = [(node, False)]
    while stack:
        item, ran = stack.pop()
        if ran:
            out.append(item)  # type: ignore[arg-type]
        elif type(item) is list:
            stack.extend((value, False) for value in reversed(item))
        elif type(item) is dict:
            for key, value in reversed(_run_order(item)):
                if key == "FuncCall":
                    stack.append((value, True))  # (after what it holds)
                if type(value) is dict or type(value) is list:
                    stack.append((value, False))
    return out


def walk_except(node: object, skipped: str) -> Iterator[tuple[str, dict]]:
    """`walk`, but not below a value under key `skipped` (in no set order): "SubLink", none
    of a subquery's nodes nor its compared expression's; "subselect", the subquery's only."""
    stack = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind is list:
            extend(item)
        elif kind is dict:
            for key, value in item.items():
                if key == skipped:
                    continue
                vtype = type(value)
                if vtype is dict:
                    if key[:1].isupper():
                        yield key, value
                    push(value)
                elif vtype is list:
                    push(value)


def named_calls(expr: object, skipped: str | None = None) -> list[tuple[str, dict]]:
    """`function_names`, each with its FuncCall."""
    calls = bodies_of_kind(expr, "FuncCall") if skipped is None else \
        walked_bodies_of_kind(expr, "FuncCall", skipped)
    out = []
    for body in calls:
        names = strings(body.get("funcname"))
        if names:
            out.append((names[-1].lower(), body))
    return out


def function_names(expr: object, skipped: str | None = None) -> list[str]:
    """Names of all functions called in an expression (last name part, lower case); with
    `skipped`, not those below a value under that key (`walk_except`, in no set order)."""
    return [name for name, _ in named_calls(expr, skipped)]


#: The last node `relations_in` read and what it found (the relations, those written with
#: ONLY, its function calls and casts for `expression_uses`, its SELECTs with FOR UPDATE
#: or SHARE for `locking_queries`, its RangeVars and WITH query names for `outer_ctes`):
#: the effect model and then the catalog replay ask about the same view query, which can
#: be thousands of nodes, and the effect model asks all of it of every INSERT, UPDATE and
#: DELETE. Holding the node keeps it alive, so `is` cannot match a different node at a
#: reused address.
_last_relations: tuple[object, tuple[str, ...], frozenset[str], list[tuple[str, dict]],
                       list[dict], list[dict], set[str]] = \
    (None, (), frozenset(), [], [], [], set())


def _relations(node: object) -> tuple[tuple[str, ...], frozenset[str]]:
    global _last_relations
    if node is not None and node is _last_relations[0]:
        return _last_relations[1], _last_relations[2]
    ctes: set[str] = set()
    found: list[dict] = []
    uses: list[tuple[str, dict]] = []
    locking: list[dict] = []
    # One pass for CTE names and relations, filtered after. `walk` inlined: a view's query
    # can be thousands of nodes, and a generator step per node was a third of the time.
    stack = [node]
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        item = pop()
        if type(item) is dict:
            for key, value in item.items():
                vtype = type(value)
                if vtype is dict:
                    if key == "RangeVar":
                        if value.get("relname"):
                            found.append(value)
                    elif key == "CommonTableExpr":
                        ctes.add(value.get("ctename"))
                    elif key == "FuncCall" or key == "TypeCast":
                        uses.append((key, value))
                    elif key == "SelectStmt" and value.get("lockingClause"):
                        locking.append(value)
                    elif key in _LEAF_KINDS:  # (none of the kinds looked for below one)
                        continue
                    push(value)
                elif vtype is list and key != "lockingClause":  # (OF names FROM items)
                    extend(value)  # as `walk` does
        elif type(item) is list:
            extend(item)
    seen: dict[str, None] = {}
    written_only: list[str] = []
    for body in found:  # (each named once: `range_var` is most of this loop)
        name = None
        if not (body.get("schemaname") is None and body.get("relname") in ctes):
            seen[name := range_var(body)[0]] = None
        if not body.get("inh"):
            written_only.append(range_var(body)[0] if name is None else name)
    only = frozenset(written_only)
    _last_relations = (node, tuple(seen), only, uses, locking, found, ctes)
    return _last_relations[1], only


def relations_in(node: object, outer_ctes: frozenset[str] = frozenset()) -> list[str]:
    """Qualified names of every table referenced through a RangeVar below `node`;
    `outer_ctes`: the WITH queries `node` sees from the statement around it (a data-modifying
    WITH query sees those before it), whose names are no tables either."""
    names = _relations(node)[0]
    if not outer_ctes:
        return list(names)
    return list(dict.fromkeys(range_var(body)[0] for body in relation_vars(node, outer_ctes)))


def relation_vars(node: object, outer_ctes: frozenset[str] = frozenset()) -> list[dict]:
    """The RangeVars (their bodies) below `node` that name tables, in `walk`'s order:
    `relations_in`'s, before their names are resolved (a caller that keeps them resolves
    them at each ask, under the search_path and temporary relations then in force)."""
    _relations(node)
    ctes = _last_relations[6] | outer_ctes
    return [body for body in _last_relations[5]
            if not (body.get("schemaname") is None and body.get("relname") in ctes)]


def locking_queries(node: object) -> list[dict]:
    """The SELECTs below `node` with a FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE
    clause, in `walk`'s order (none sits in a locking clause, which the pass skips)."""
    if node is None:
        return []
    if node is not _last_relations[0]:
        _relations(node)
    return _last_relations[4]


def cte_names(node: object) -> frozenset[str]:
    """The names of the WITH queries defined anywhere below `node`."""
    if node is None or node is not _last_relations[0]:
        _relations(node)
    return frozenset(_last_relations[6])


def only_relations(node: object) -> frozenset[str]:
    """The tables written with ONLY below `node` (a RangeVar without `inh`)."""
    return _relations(node)[1]


def nextval_sequence(expr: object) -> str | None:
    """The sequence (qualified) a default expression calls nextval() on, when it names it
    as a constant (`nextval('s')`, `nextval('app.s'::regclass)`)."""
    for body in bodies_of_kind(expr, "FuncCall"):
        if strings(body.get("funcname"))[-1:] == ["nextval"]:
            sequence = sequence_argument(body)
            if sequence:
                return sequence
    return None


#: The server's functions whose first argument names a sequence (`nextval('s')`): they draw
#: from or set it, each holding it ROW EXCLUSIVE until commit (checked on the server).
SEQUENCE_FUNCTIONS = frozenset({"nextval", "setval", "currval"})


def is_sequence_call(names: list[str]) -> bool:
    """Whether a call's name (`nextval`, `pg_catalog.setval`) is one of the server's
    sequence functions: a function of the user's own schema of that name takes none."""
    return bool(names) and names[-1] in SEQUENCE_FUNCTIONS and names[:-1] in ([], ["pg_catalog"])


def sequence_argument(call: dict) -> str | None:
    """The sequence (qualified) function call `call` (a FuncCall: nextval, setval ...) names
    by its first argument, when that is a constant (`'s'`, `'app.s'::regclass`)."""
    args = call.get("args") or ()
    return regclass_name(const_value(args[0]) if args else None)


def sequence_owner(stmt: dict) -> list[str] | None:
    """The column a CREATE / ALTER SEQUENCE's OWNED BY names (`[..., table, column]`), [] for
    OWNED BY NONE, None when the statement says nothing of it (the last one written wins)."""
    owner = None
    for opt in stmt.get("options") or ():
        _, elem = unwrap(opt)
        if elem.get("defname") == "owned_by":
            names = strings(unwrap(elem.get("arg"))[1].get("items"))
            owner = names if len(names) > 1 else []  # OWNED BY NONE is one name
    return owner


def regclass_name(value: object) -> str | None:
    """The relation (qualified) a string names as regclass input reads it (`'app.s'`,
    `'"Seq"'`): each part folded to lower case unless double-quoted; None for no string."""
    if not isinstance(value, str) or not value:
        return None
    return object_name([p[1:-1] if p.startswith('"') else p.lower() for p in value.split(".")])


def collation_name(column_def: dict) -> str | None:
    """The collation a ColumnDef writes (`COLLATE "C"`), by its last name; None when it
    writes none, or the type's default by name."""
    names = strings((column_def.get("collClause") or {}).get("collname"))
    return names[-1] if names and names[-1] != "default" else None


def function_calls(node: object) -> tuple[str, ...]:
    """The functions an expression (or several) calls, each once in order, lower case, with
    the schema only when one is written (`auth.uid`, `f`): what the server records as
    depending on each (DROP FUNCTION ... CASCADE drops what calls it)."""
    return _calls_and_casts(node, casts=False)


def expression_uses(node: object) -> tuple[str, ...]:
    """What the server records an expression (or several) as depending on, by name: the
    functions it calls (as `function_calls`) and the types it casts to, each written
    `::name` (as `type_name` names it, an array's element type): DROP FUNCTION / TYPE /
    DOMAIN ... CASCADE drops what uses them."""
    return _calls_and_casts(node, casts=True)


def _calls_and_casts(node: object, casts: bool) -> tuple[str, ...]:
    """Functions called, then (with `casts`) types cast to, in one walk: the replay asks
    this of every default, CHECK, index and view, and a view's query can be long."""
    calls: dict[str, None] = {}
    cast_types: dict[str, None] = {}
    if node is None:
        return ()
    # A view's query was just read by `relations_in`, which kept its calls and casts.
    found = _last_relations[3] if node is _last_relations[0] else walk(node)
    for kind, body in found:
        if kind == "FuncCall":
            if name := ".".join(strings(body.get("funcname"))[-2:]).lower():
                calls[name] = None
        elif casts and kind == "TypeCast":
            cast_types["::" + type_name(body.get("typeName"))[0]] = None
    return (*calls, *cast_types)


def casts_to(uses: tuple[str, ...], types: AbstractSet[str]) -> bool:
    """Whether `uses` (as `expression_uses` gives them) casts to one of `types` (qualified;
    an unqualified cast names `public`'s)."""
    return any(u.startswith("::") and (u[2:] if "." in u else f"public.{u[2:]}") in types
               for u in uses)


def calls_function(calls: tuple[str, ...], function: str) -> bool:
    """Whether `calls` (as `function_calls` gives them) may call `function` (qualified): an
    unqualified call names it when the search_path finds it, which a static reading cannot
    tell apart, so it counts."""
    return function in calls or function.rsplit(".", 1)[-1] in calls


def columns_read(node: object, of: str | None = None) -> tuple[str, ...]:
    """The columns an expression (or several) reads, by name, sorted, each once; with `of`,
    only those written bare or qualified by `of` (beside a FROM list, a column of the same
    name qualified by another item is another column)."""
    if of is not None:
        return tuple(sorted(_columns_read_walk(node, of)))
    # Several expressions (nested lists of them) are read one by one, each from the memo when
    # it was read lately: the effect model and then the catalog replay ask about the same
    # CHECK, index expression and WHERE, each in a list of its own making.
    if type(node) is not list:
        return tuple(sorted(_columns_read_once(node)))
    read: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if type(item) is list:
            stack.extend(item)
        elif item is not None:
            read |= _columns_read_once(item)
    return tuple(sorted(read))


def index_expressions(stmt: dict) -> list:
    """A CREATE INDEX's WHERE and its elements' expressions (None for a plain column), as
    the effect model and the catalog replay both read them (`columns_read`'s memo matches
    the same nodes)."""
    return [stmt.get("whereClause"),
            [unwrap(p)[1].get("expr") for p in stmt.get("indexParams") or ()]]


class NodeMemo(Generic[T]):
    """What a walk found lately below parse tree nodes, by the node's address: the effect
    model and then the catalog replay ask the same question of a statement's nodes, close
    together. Each entry holds its node, so that `is` cannot match a different node at a
    reused address; the oldest goes when 64 are held (a few statements' worth: emptying it
    whole dropped the statement whose routines' bodies had filled it, before the replay
    asked of it again)."""

    __slots__ = ("_entries",)

    def __init__(self) -> None:
        self._entries: dict[int, tuple[object, T]] = {}

    def get(self, node: object) -> T | None:
        entry = self._entries.get(id(node))
        return entry[1] if entry is not None and entry[0] is node else None

    def put(self, node: object, found: T) -> T:
        entries = self._entries
        if len(entries) >= 64:
            del entries[next(iter(entries))]
        entries[id(node)] = (node, found)
        return found


#: The expressions `columns_read` read lately and their columns.
_columns_read_memo: NodeMemo[frozenset[str]] = NodeMemo()


def _columns_read_once(node: object) -> frozenset[str]:
    read = _columns_read_memo.get(node)
    if read is None:
        read = _columns_read_memo.put(node, frozenset(_columns_read_walk(node, None)))
    return read


def _columns_read_walk(node: object, of: str | None) -> set[str]:
    return {names[-1] for body in bodies_of_kind(node, "ColumnRef")
            if (names := strings(body.get("fields")))
            and (of is None or len(names) == 1 or names[-2] == of)}


def with_column_refs(node: object, names: Callable[[list[str]], list[str] | None]) -> object:
    """A copy of `node` (a JSON parse tree) in which each column reference written as names
    (`qty`, `orders.qty`) is written as `names` gives for it (None: as it was). The tree is
    shared (the statement's, a catalog's forks): it is never changed in place, and so, when
    `names` writes none of its references otherwise, `node` itself is the answer (most
    generation expressions and index definitions name no column with its table: a copy
    of each cost a call per node). A caller that changes the answer copies it first."""
    def renamed(item: object) -> object:
        ref = item.get("ColumnRef") if type(item) is dict and len(item) == 1 else None
        if type(ref) is not dict:
            return None
        written = strings(ref.get("fields"))
        if not written or len(written) != len(ref.get("fields") or ()):
            return None
        spelled = names(written)
        return None if spelled is None else {
            "ColumnRef": {**ref, "fields": [{"String": {"sval": name}} for name in spelled]}}

    # Looked for first, without copying: each dict and list the copy would reach, as it
    # would ask (`renamed` answers None for any node but a one-key ColumnRef dict).
    stack = [node]
    pop, extend = stack.pop, stack.extend
    while stack:
        item = pop()
        if type(item) is dict:
            if "ColumnRef" in item and renamed(item) is not None:
                return rebuilt(node, renamed)
            extend(item.values())
        elif type(item) is list:
            extend(item)
    return node


def generation_expression(expr: dict | None) -> dict | None:
    """A generation expression as the catalog keeps it: each column reference by its column
    name alone. The server keeps the column's number, so a table qualification (`t.a`) is
    neither kept nor needed, and would be wrong once the table is renamed or copied (LIKE)."""
    if expr is None:
        return None
    return with_column_refs(expr, lambda written: written[-1:] if len(written) > 1 else None)


def renamed_column_in(expr: dict | None, old: str, new: str) -> dict | None:
    """`expr` (a generation expression, see `generation_expression`) after column `old` of
    its table is renamed `new`: the server's expression, which names it by number, follows."""
    if expr is None:
        return None
    return with_column_refs(expr, lambda written: [new] if written == [old] else None)


def on_new_row(expr: dict) -> dict:
    """`expr` with each column reference read from a row trigger's NEW row (`NEW.qty`)."""
    return with_column_refs(expr, lambda written: ["new", written[-1]])


def set_config_calls(select: dict) -> list[tuple[str, object, bool]]:
    """The settings SelectStmt `select` sets by `set_config(name, value, is_local)` calls at
    the top of its output columns whose arguments are constants: each setting's name (lower
    case), value, and whether it is local (a SET LOCAL); a computed name or value cannot be
    followed."""
    return [(name, value, local) for _, name, value, local in set_config_nodes(select)]


def set_config_nodes(select: dict) -> list[tuple[dict, str, object, bool]]:
    """`set_config_calls`, each with its FuncCall first."""
    out = []
    for target in select.get("targetList") or ():
        kind, call = unwrap(unwrap(target)[1].get("val"))
        if kind != "FuncCall" or \
                strings(call.get("funcname")) not in (["set_config"], ["pg_catalog", "set_config"]):
            continue
        args = call.get("args") or ()
        name, value, local = (const_value(a) for a in args) if len(args) == 3 else (None,) * 3
        if not isinstance(name, str) or value is None or local is None:
            continue
        local = local if isinstance(local, bool) else str(local).strip().lower() in (
            "t", "true", "y", "yes", "on", "1")
        out.append((call, name.lower(), value, local))
    return out


def const_value(expr: dict | None) -> object:
    """The Python value of a constant expression, or None when it is not a plain constant."""
    kind, body = unwrap(expr)
    if kind == "TypeCast":
        return const_value(body.get("arg"))
    if kind != "A_Const":
        return None
    for key in ("ival", "fval", "sval", "boolval"):
        if key in body:
            inner = body[key]
            return next(iter(inner.values()), 0 if key == "ival" else False)
    return None


def column_ref(expr: dict | None) -> str | None:
    kind, body = unwrap(expr)
    if kind == "ColumnRef":
        names = strings(body.get("fields"))
        return names[-1] if names else None
    return None


def not_null_columns(expr: dict | None) -> tuple[str, ...]:
    """The columns a CHECK expression proves NOT NULL the way PostgreSQL's predtest does for
    SET NOT NULL: `col IS NOT NULL` or `NOT (col IS NULL)`, alone or as a conjunct of a top-level
    AND. A strict function or operator on the column does not count (`length(col) > 0` still
    scans: checked on 18)."""
    kind, body = unwrap(expr)
    if kind == "NullTest" and body.get("nulltesttype") == "IS_NOT_NULL":
        col = column_ref(body.get("arg"))
        return (col,) if col else ()
    if kind == "BoolExpr" and body.get("boolop") == "AND_EXPR":
        return tuple(c for arg in body.get("args") or () for c in not_null_columns(arg))
    if kind == "BoolExpr" and body.get("boolop") == "NOT_EXPR" and len(body.get("args") or ()) == 1:
        inner_kind, inner = unwrap(body["args"][0])
        if inner_kind == "NullTest" and inner.get("nulltesttype") == "IS_NULL":
            col = column_ref(inner.get("arg"))
            return (col,) if col else ()
    return ()


def pinned_columns(expr: dict | None) -> tuple[str, ...]:
    """The columns a CHECK expression pins to one constant: `col = <constant>` (either side),
    alone or as a conjunct of a top-level AND; every row then holds that value or NULL. An OR,
    or any other comparison, pins nothing."""
    kind, body = unwrap(expr)
    if kind == "BoolExpr" and body.get("boolop") == "AND_EXPR":
        return tuple(c for arg in body.get("args") or () for c in pinned_columns(arg))
    if kind != "A_Expr" or body.get("kind") != "AEXPR_OP" or strings(body.get("name")) != ["="]:
        return ()
    for one, other in ((body.get("lexpr"), body.get("rexpr")),
                       (body.get("rexpr"), body.get("lexpr"))):
        col = column_ref(one)
        if col and const_value(other) is not None:
            return (col,)
    return ()


def only_not_null_columns(expr: dict | None) -> tuple[str, ...]:
    """When every conjunct of a top-level AND (or the one condition) is a NOT NULL test of a
    column: those columns; otherwise (some other condition among them) nothing. A partial index
    with such a predicate serves any query that compares those columns with `=` (a strict
    operator implies NOT NULL: predtest.c); any other predicate cannot be proven by a lookup
    with parameters."""
    kind, body = unwrap(expr)
    parts = body.get("args") or () if kind == "BoolExpr" and body.get("boolop") == "AND_EXPR" \
        else (expr,)
    found = [not_null_columns(part) for part in parts]
    return tuple(c for cols in found for c in cols) if all(len(c) == 1 for c in found) else ()


_COMPARISONS = {"=": operator.eq, "<>": operator.ne, "!=": operator.ne, "<": operator.lt,
                ">": operator.gt, "<=": operator.le, ">=": operator.ge}


def is_constant_true(expr: dict | None) -> bool:
    """Whether a condition is true for every row by its literals alone: `true`, `NOT false`,
    a comparison of two number literals that holds (`1 = 1`, `2 > 1.5`), `'a' = 'a'`, and
    AND / OR of such. No column is looked at: `id IS NOT NULL` is not folded, even on a NOT
    NULL column."""
    return _fold(expr) is True


def constant_truth(expr: dict | None, null: bool | None = None) -> bool | None:
    """The value a condition has by its literals alone (`is_constant_true`'s folding: `1 = 1`,
    `NOT false`, `x = 1 AND false`, `x = 1 OR true`), as the planner folds it before it reads
    a row; None when it depends on more. `null` when it is NULL whatever the row: `NULL`,
    `NOT NULL`, `x = NULL` (a comparison with NULL is NULL), `NULL AND true`, `NULL OR false`
    (SQL's three-valued logic, as the planner folds it)."""
    value = _fold(expr)
    return null if value is _NULL else value if isinstance(value, bool) else None


#: A NULL literal's value in `_fold` (None there means "not known").
_NULL = object()


def _fold(expr: dict | None) -> object:
    """The constant value of a condition built from literals (`_NULL` for NULL), or None when
    it depends on more."""
    kind, body = unwrap(expr)
    if kind == "A_Const" and body.get("isnull"):
        return _NULL
    if kind == "A_Const" and "fval" in body:  # pglast keeps a decimal literal as its text
        return float(body["fval"].get("fval", "0"))
    if kind == "TypeCast" and unwrap(body.get("arg"))[1].get("isnull"):
        return _NULL
    if kind in ("A_Const", "TypeCast"):
        return const_value(expr)
    if kind == "BoolExpr":
        values = [_fold(arg) for arg in body.get("args") or ()]
        op = body.get("boolop")
        if op == "NOT_EXPR" and len(values) == 1 and (values[0] is _NULL or
                                                      isinstance(values[0], bool)):
            return values[0] if values[0] is _NULL else not values[0]
        # (three-valued: false decides an AND, true an OR; else NULL among known values)
        decides, rest = (False, True) if op == "AND_EXPR" else (True, False)
        if op not in ("AND_EXPR", "OR_EXPR"):
            return None
        if decides in values:
            return decides
        if all(v is rest or v is _NULL for v in values):
            return _NULL if _NULL in values else rest
        return None
    if kind == "A_Expr" and body.get("kind") == "AEXPR_OP":
        op = _COMPARISONS.get("".join(strings(body.get("name"))))
        left, right = _fold(body.get("lexpr")), _fold(body.get("rexpr"))
        if op and _NULL in (left, right):
            return _NULL  # the comparisons are strict: NULL whatever the other side
        numbers = (int, float)
        # Strings only for (in)equality: their order depends on the collation.
        comparable = (isinstance(left, numbers) and isinstance(right, numbers) or
                      isinstance(left, str) and isinstance(right, str) and
                      op in (operator.eq, operator.ne))
        if op and comparable and not isinstance(left, bool) and not isinstance(right, bool):
            return op(left, right)
    return None


def option_is_on(defelem: dict | None) -> bool:
    """A boolean option (`FULL`, `CONCURRENTLY false`, `VERBOSE 0`) read as PostgreSQL's
    defGetBoolean reads it: no argument is true; 0, false and off (any case) are false. Any
    other value is true, or an error that stops the statement: either way not "off"."""
    kind, body = unwrap(defelem)
    if kind == "DefElem":
        kind, body = unwrap(body.get("arg"))
    if not kind:
        return True
    if kind == "Integer":
        return body.get("ival", 0) != 0
    if kind == "Boolean":
        return bool(body.get("boolval"))
    if kind == "TypeName":  # `create_slot = off`: an unquoted word parses as a type name
        names = body.get("names") or ()
        kind, body = unwrap(names[-1]) if len(names) == 1 else ("", {})
    if kind == "String":
        return body.get("sval", "").lower() not in ("false", "off")
    return True


def options_on(options: list | None) -> set[str]:
    """The names of the boolean options of a DefElem list that are on."""
    return {unwrap(o)[1].get("defname", "") for o in options or () if option_is_on(o)}


#: Constraint attributes a column definition writes as items of their own, after the
#: constraint they qualify, and what each sets on it (as a table constraint carries them).
_COLUMN_CONSTRAINT_ATTRIBUTES = {
    "CONSTR_ATTR_DEFERRABLE": {"deferrable": True},
    "CONSTR_ATTR_NOT_DEFERRABLE": {"deferrable": False},
    # INITIALLY DEFERRED alone makes it DEFERRABLE (the server refuses NOT DEFERRABLE with it)
    "CONSTR_ATTR_DEFERRED": {"initdeferred": True, "deferrable": True},
    "CONSTR_ATTR_IMMEDIATE": {"initdeferred": False},
    "CONSTR_ATTR_NOT_ENFORCED": {"is_enforced": False, "skip_validation": True},
}


def select_into(select: dict) -> dict | None:
    """The CREATE TABLE ... AS body a `SELECT ... INTO t ...` (a SelectStmt body) stands for,
    which the server runs it as; None for a SELECT without INTO. pglast's JSON inlines the
    IntoClause (no {"IntoClause": ...} wrapper)."""
    into = select.get("intoClause")
    if not into:
        return None
    query = {k: v for k, v in select.items() if k != "intoClause"}
    return {"query": {"SelectStmt": query}, "into": into.get("IntoClause", into),
            "objtype": "OBJECT_TABLE"}


def bound_relations(tree: dict) -> dict:
    """`tree` with each relation it names without a schema (not a WITH query's name, nor the
    table a SELECT ... INTO makes) named in the schema the search_path in force finds it in:
    the statement as PREPARE's analysis binds it, by the relations' OIDs, which a relation
    made later earlier in the path does not change (checked on 18.6)."""
    ctes = cte_names(tree)

    def bind(node: object) -> object:
        if type(node) is list:
            return [bind(item) for item in node]
        if type(node) is not dict:
            return node
        if node.get("relname") and node.get("schemaname") is None and \
                node["relname"] not in ctes and node.get("relpersistence") != "t":
            return {**node, "schemaname": range_var(node)[0].split(".", 1)[0]}
        return {key: value if key == "intoClause" else bind(value)
                for key, value in node.items()}

    return bind(tree)  # type: ignore[return-value]


def runs_as_select(tree: dict) -> bool:
    """Whether statement `tree` is a query the server runs as a SELECT (a SELECT, VALUES or
    TABLE, over WITH queries that write or not), not a SELECT ... INTO, which it runs as
    CREATE TABLE AS: what CREATE TABLE ... AS EXECUTE takes of a prepared statement (the
    server refuses any other, "prepared statement is not a SELECT": checked on 18.6)."""
    select = tree.get("SelectStmt")
    return select is not None and select_into(select) is None


def column_def_constraints(column_def: dict) -> list[dict]:
    """The constraints a ColumnDef writes, each with the attributes written after it folded
    in (`UNIQUE DEFERRABLE`, `REFERENCES t NOT ENFORCED`)."""
    out: list[dict] = []
    for item in column_def.get("constraints") or ():
        body = unwrap(item)[1]
        attributes = _COLUMN_CONSTRAINT_ATTRIBUTES.get(body.get("contype", ""))
        if attributes is None:
            out.append(body)
        elif out:
            out[-1] = {**out[-1], **attributes}
    return out


#: A_Const's value keys in the JSON tree -> pglast's node class for the value.
_CONST_VALUES = {"ival": "Integer", "fval": "Float", "boolval": "Boolean", "sval": "String",
                 "bsval": "BitString"}


def _ast_node(ast: ModuleType, kind: str, body: dict) -> object:
    """A JSON parse tree node as pglast's AST class `kind` (of module `ast`, imported once
    per print by `expression_sql`: an import at each node cost more than the rest of the
    visit), built as `Node.__init__` builds one from its dict, without the dict: each slot
    set in order, a list as a tuple, a node as a node (`_deserialize_value`'s reading).

    The JSON leaves out the wrapper of a field whose C type is one struct (TypeCast.typeName
    is a bare TypeName) and spells A_Const's value union as a key of its own: pglast's
    `__slots__` say which field is which. A field named as a Python keyword (`def`) has a
    `_` after its name there."""
    cls = getattr(ast, kind)
    slots = cls.__slots__
    # Every field at its zero value, then those the tree writes.
    omitted = _OMITTED.get(kind)
    if omitted is None:
        omitted = _OMITTED[kind] = {key: _omitted(slot) for key, slot in slots.items()}
    out: dict = dict(omitted)
    for key, value in body.items():
        if kind == "A_Const" and key in _CONST_VALUES:
            value_kind = _CONST_VALUES[key]
            out["val"] = _ast_node(ast, value_kind, value)
            continue
        if key not in slots and f"{key}_" in slots:
            out.pop(key, None)
            key = f"{key}_"
        slot = slots.get(key)
        if slot is None:
            continue  # e.g. A_Const's location, which pglast does not keep
        vtype = type(value)
        if vtype is not dict and vtype is not list:
            out[key] = value  # (a number, a string, a bool: `_ast_value` keeps it as it is)
            continue
        struct = slot.c_type.rstrip("*")
        if vtype is dict and not _wrapped(ast, value) and hasattr(ast, struct):
            out[key] = _ast_node(ast, struct, value)
        else:
            out[key] = _ast_value(ast, value)
    given = _STORED_AS_GIVEN.get(kind)
    if given is None:
        given = _STORED_AS_GIVEN[kind] = {key: _stored_as_given(slot)
                                          for key, slot in slots.items()}
    node = cls.__new__(cls)
    for key in slots:
        value = out.get(key)
        types = given[key]
        if value is None or types is not None and isinstance(value, types):
            _store(node, key, value)  # what pglast's `__setattr__` stores, without its checks
        elif type(value) is str and (member := _enum_member(kind, key, value)) is not None:
            _store(node, key, member)  # an enum's name, as its member (as `__setattr__` does)
        else:
            setattr(node, key, value)  # (pglast's checks and enums, as its __init__)
    return node


def _enum_member(kind: str, key: str, name: str) -> object | None:
    """The member of the enum of field `key` of pglast's node type `kind` that `name` names
    (as `Node.__setattr__` looks a name of more than one character up: `enum[name]`, its
    aliases too); None when the field holds no enum, or no member has that name (pglast's
    `__setattr__` then says what is wrong)."""
    members = _ENUM_MEMBERS.get(kind)
    if members is None:
        from pglast import enums

        members = _ENUM_MEMBERS[kind] = {
            field: dict(enum.__members__) for field, slot in getattr(_ast, kind).__slots__.items()
            if (enum := getattr(enums, slot.c_type, None)) is not None}
    named = members.get(key)
    return named.get(name) if named is not None and len(name) > 1 else None


def pglast_node(kind: str, body: dict) -> object:
    """pglast's node of JSON parse tree node `body`, of type `kind`: the node
    `pglast.parse_sql` builds for the same text, equal to it and printed the same, at a
    fraction of the cost (its constructors check each field: 200 calls a statement). Built
    anew, no node shared with another tree: the caller may change it."""
    return _ast_node(_ast, kind, body)


#: How pglast's `Node.__setattr__` stores a value it keeps as given (its last step).
_store = object.__setattr__
#: Node type -> the types of value each of its fields stores as given (`_stored_as_given`).
_STORED_AS_GIVEN: dict[str, dict[str, tuple[type, ...] | None]] = {}
#: Node type -> its fields that hold an enum -> the enum's members by name (`_enum_member`).
_ENUM_MEMBERS: dict[str, dict[str, dict[str, object]]] = {}


def _stored_as_given(slot: object) -> tuple[type, ...] | None:
    """The values pglast's `Node.__setattr__` stores unchanged in a field of `slot` (a
    `SlotTypeInfo`): once one is among its `py_type`, a field with no adaptor stores it as
    it is, unless it is a node pointer (whose dict becomes a node) or an enum (whose name or
    number becomes its member: a member is kept); a C bool's stores a bool as it is. None
    when it may change every value. Storing those directly spares a Python call per field
    (None, bools and numbers are most fields) and, for a number or an enum's member, an
    import statement and a look-up in the enum module: most of a node's building."""
    c_type, py_type, adaptor = slot  # type: ignore[misc]
    if adaptor is bool or adaptor is str:  # (a C bool's, a Float's text: a bool, a str kept)
        return (adaptor,)
    if c_type in _LIST_POINTERS:
        # Its adaptor builds a tuple of the same items, but for a dict holding "@" (pglast's
        # serialized node), which no JSON parse tree holds: `_ast_node` builds a tuple of
        # nodes, tuples and scalars, kept as it is. Of a Node* or Expr*, a node too.
        return (tuple,) if c_type == "List*" else (tuple, _ast.Node)
    if adaptor is not None:
        return None
    types = py_type if isinstance(py_type, tuple) else (py_type,)
    if c_type == "char*":
        return types
    if c_type.endswith("*"):
        # A pointer to one node type (RangeVar*, Alias*): its node is stored as it is, a
        # dict built into one (`py_type` is the dict and the node's class).
        return tuple(t for t in types if t is not dict) or None
    from pglast import enums

    enum = getattr(enums, c_type, None)
    return types if enum is None else (enum,)


#: The C types whose pglast adaptor makes a tuple of a list or a tuple (`_stored_as_given`).
_LIST_POINTERS = frozenset({"List*", "Node*", "Expr*"})
#: Node type -> its fields' values when the JSON tree leaves them out (`_omitted`), worked
#: out at the first print of the type (each is an enum's member, False, 0 or None: shared).
_OMITTED: dict[str, dict[str, object]] = {}


def _wrapped(ast: ModuleType, value: dict) -> bool:
    """Whether a JSON node is written {'Kind': {...}} (a field of any node type of `ast`)."""
    if len(value) != 1:
        return False
    kind, body = unwrap(value)
    return isinstance(body, dict) and (kind == "List" or hasattr(ast, kind))


def _omitted(slot: object) -> object:
    """The value of a field the JSON leaves out: it writes no field that holds its zero value
    (0, false, an enum's first member)."""
    types = slot.py_type if isinstance(slot.py_type, tuple) else (slot.py_type,)
    enum = next((t for t in types if isinstance(t, type) and issubclass(t, Enum)), None)
    if enum is not None:
        return next(iter(enum))
    if slot.c_type == "bool":
        return False
    return 0 if int in types and slot.c_type != "ParseLoc" else None


def _ast_value(ast: ModuleType, value: object) -> object:
    if isinstance(value, list):
        return tuple(_ast_value(ast, item) for item in value)
    if isinstance(value, dict) and _wrapped(ast, value):
        kind, body = unwrap(value)
        # A list in an expression (IN (...), BETWEEN's bounds) is a List node: a tuple in pglast
        return tuple(_ast_value(ast, item) for item in body.get("items", ())) \
            if kind == "List" else _ast_node(ast, kind, body)
    return value


# pglast's nodes and printer, imported at the first print (after the first parse, which
# loads pglast with `ast` unexecuted: `parse.libpg`).
_ast = bound_on_use(globals(), "_ast", "pglast.ast")
_stream = bound_on_use(globals(), "_stream", "pglast.stream")
_visitors = bound_on_use(globals(), "_visitors", "pglast.visitors")
#: Imported at the first UPDATE or DELETE printed with a WHERE or RETURNING.
_printed_parts = bound_on_use(globals(), "_printed_parts", "lockwise.effects.printed_parts")
#: Imported at its first use (a name `pg_` unqualified): an import statement in a function
#: runs at each call.
_system_catalog = bound_on_use(globals(), "_system_catalog", "lockwise.effects.system_catalog")
#: How many texts `expression_sql` keeps of the expressions it printed (`_printed`).
PRINTED_KEPT = 256
#: The texts of the expressions printed lately, by the expression's `repr` (an equal tree,
#: of plain dicts, lists and scalars: `repr` tells a list from a tuple, and 0 from '0').
#: Defaults and values repeat across a history (`0`, `''`, `CURRENT_TIMESTAMP`): each print
#: builds pglast's nodes from the tree and runs its printer, 7 to 30 times the cost of the
#: `repr`. Whole statements (a batch's UPDATE, a partition's index) are not kept: each is
#: another statement, and their `repr`s cost more than their rare repeats' prints. The
#: oldest goes when `PRINTED_KEPT` are held; texts only, no tree is kept.
_printed: dict[str, str | None] = {}
_NOT_PRINTED = object()


def expression_sql(expr: dict | None, postfix_casts: bool = False) -> str | None:
    """The SQL text of an expression of a JSON parse tree (a default, a generation
    expression), printed by pglast (with `postfix_casts`, its casts written `x::t`); None
    when it cannot be printed."""
    global _last_printed
    if not expr:
        return None
    key: str | None = None
    kind = next(iter(expr))
    if type(kind) is str and not kind.endswith("Stmt"):
        try:
            key = f"::{expr!r}" if postfix_casts else repr(expr)
        except RecursionError:  # deeper than `repr` goes: not kept (nor printed, below)
            pass
        else:
            kept = _printed.get(key, _NOT_PRINTED)
            if kept is not _NOT_PRINTED:
                return kept  # type: ignore[return-value]
    if key is None and len(expr) == 1 and \
            (again := _printed_again(kind, expr[kind], postfix_casts)) is not None:
        return again[0]
    spans: tuple[int | None, int | None, int | None] | None = None
    try:
        kind, body = unwrap(expr)
        if key is not None:
            text: str | None = printed_node(_ast_node(_ast, kind, body), postfix_casts)
        else:
            node = _statement_node(_ast, kind, body)
            cut = None if postfix_casts or kind not in _HEADED else \
                body.get("whereClause") or body.get("returningClause")
            if cut is None:
                text = printed_node(node, postfix_casts)
            else:  # (noting where its head and WHERE are: `_printed_again`)
                where = getattr(node, "whereClause", None)
                stream = _printed_parts.HeadNoting(
                    where or node.returningClause, where)  # type: ignore[attr-defined]
                text = printed_node(node, stream=stream)
                spans = (stream.head_end, stream.where_start, stream.where_end)
    except Exception:  # noqa: BLE001 - a node pglast cannot print: no text rather than a crash
        text, spans = None, None
    if key is None:
        if len(expr) == 1:
            _last_printed = (kind, expr[kind], postfix_casts, text, spans)
    else:
        if len(_printed) >= PRINTED_KEPT:
            del _printed[next(iter(_printed))]
        _printed[key] = text
    return text


def unprinted_note(what: str) -> str:
    """What advice writes in place of `what` where pglast cannot print it: a comment that
    says to write it there as the migration has it (never the word None)."""
    return f"/* replace: {what}, as written */"


def written_sql(expr: dict | None, what: str) -> str:
    """`expression_sql` of `expr`, else `unprinted_note` of `what` (a tree pglast cannot
    print: too deep, or of a node it has no printer for)."""
    return expression_sql(expr) or unprinted_note(what)


#: The statement `expression_sql` printed last: its kind, its JSON body (held, so that `is`
#: cannot match another body at a reused address), `postfix_casts`, its text and, of an
#: UPDATE or DELETE with a WHERE or RETURNING, where in the text its head ends and its
#: WHERE starts and ends (`printed_parts.HeadNoting`).
_last_printed: tuple[str, dict, bool, str | None,
                     tuple[int | None, int | None, int | None] | None] | None = None
#: The statements whose WHERE and RETURNING are printed last (pglast's `update_stmt`,
#: `delete_stmt`): without them, the text is the one before them.
_HEADED = frozenset(("UpdateStmt", "DeleteStmt"))
_CUT = ("whereClause", "returningClause")


# The text of statement `body` (of `kind`) when it is the one `expression_sql` printed last,
# field by field (each value the very same JSON value, or an equal number, string or bool of
# the same type: a tree is never changed in place), printed the same way; None when it is
# another. The batching advice prints the statement marked for apply and as its batch's head
# (without WHERE and RETURNING), each from its own body: of a statement with neither, the
# two are the same text (19 of the 389 statements printed on lemmy and documenso). Of a
# statement with a WHERE or RETURNING (37 more), the head is the statement's text before
# them, noted while printing it (`printed_parts.HeadNoting`): a body holding the same
# values but those.
# Its first batch (62 more: `where_index.batch_bound_sql`) holds the same values but its
# WHERE, an AND of the statement's WHERE and the batch's bounds: `printed_parts.bounded`.
# (A comment, not a docstring: the text would be read at every start.)
def _printed_again(kind: str, body: dict, postfix_casts: bool) -> tuple[str | None] | None:
    last = _last_printed
    if last is None or last[0] != kind or last[2] != postfix_casts:
        return None
    before, text, spans = last[1], last[3], last[4]
    other = None
    if len(before) != len(body):
        if spans is None or spans[0] is None or "whereClause" in body or \
                "returningClause" in body or \
                len(before) - len(body) != sum(key in before for key in _CUT):
            return None
        text = text[:spans[0]]  # type: ignore[index]
    for key, value in body.items():
        was = before.get(key, _NOT_PRINTED)
        if was is not value and (type(was) is not type(value) or type(value) in (dict, list)
                                 or was != value):
            if other is not None or key != "whereClause" or spans is None:
                return None
            other = value
    if other is not None:
        return _printed_parts.bounded(text, spans, before["whereClause"], other)  # type: ignore
    return (text,)


#: The statement `expression_sql` built last into pglast's nodes: its kind, its JSON body
#: (held, so that `is` cannot match another body at a reused address) and its node.
_last_statement: tuple[str, dict, object] | None = None


def _statement_node(ast: ModuleType, kind: str, body: dict) -> object:
    """`_ast_node` of a statement, taking the nodes of each field whose JSON value is the
    very one the statement built last had there (a tree is never changed in place, and
    the same value in the same field builds the same nodes). The batching advice prints a
    statement twice, marked for apply and as the head of its batch (without WHERE and
    RETURNING), from two bodies that share their other fields: the second builds only what
    the first lacked. The fields taken are distinct subtrees of the last statement's, built
    for it alone, so no node sits twice in the new tree (`_set_ancestors` sets each node's
    chain for the tree being printed)."""
    global _last_statement
    last = _last_statement
    shared: dict[str, str] = {}  # field -> its slot (`def_` for `def`)
    if last is not None and last[0] == kind:
        before, slots = last[1], getattr(ast, kind).__slots__
        for key, value in body.items():
            if type(value) in (dict, list) and before.get(key) is value:
                slot = key if key in slots else f"{key}_"
                if slot in slots:  # (a field pglast keeps no slot for is not built)
                    shared[key] = slot
    if not shared:
        node = _ast_node(ast, kind, body)
    else:
        node = _ast_node(ast, kind, {k: v for k, v in body.items() if k not in shared})
        built = last[2]  # type: ignore[index]
        for slot in shared.values():
            _store(node, slot, getattr(built, slot))
    _last_statement = (kind, body, node)
    return node


def printed_node(node: object, postfix_casts: bool = False, stream: object = None) -> str:
    """What `RawStream()(node)` returns (with `postfix_casts`, each cast written `x::t`:
    `_postfix_casts`; else into `stream` when given, a RawStream). Its entry point first
    sets every node's ancestors (which the printers read) with `populate_ancestors`, which
    makes a Visitor class and inspects it for its methods at each call, about half its
    cost: the same chains are set here (`_set_ancestors`), and `print_node` prints."""
    if stream is None:
        stream = _postfix_casts()() if postfix_casts else _stream.RawStream()
    if not isinstance(node, _ast.Node):  # a tuple of statements, or SQL text: as pglast does
        return stream(node)
    # (as the entry point wraps a lone node: its root ancestor is that tuple's)
    _set_ancestors((node,), _visitors.Ancestor())
    stream.print_node(node)
    return stream.getvalue()


def writes_cast_calls(sql: str | None) -> bool:
    """Whether statement text `sql` writes a cast `CAST(x AS t)` (the parse tree keeps no
    sign of how a cast was written: `x::t` and `CAST(x AS t)` are one node): its advice then
    prints casts so, else as `x::t` (`printed_node`'s `postfix_casts`)."""
    return sql is not None and _CAST_CALL.search(sql) is not None


_CAST_CALL = lazy_compile(r"(?i)\bcast\s*\(")


@lru_cache(maxsize=1)
def _postfix_casts() -> type:
    """pglast's RawStream, but printing each cast `x::t`, where its own printer writes
    `CAST(x AS t)`: advice is read beside the migration it quotes, whose casts are most
    often written so. The argument is put in parentheses unless it is a column, a plain
    call, a cast, a parameter or a constant that is no negative number (`(a + b)::text`,
    `(-5)::int`: `::` binds tighter than any operator)."""
    ast = _ast

    class PostfixCasts(_stream.RawStream):  # type: ignore[name-defined,misc]
        def print_node(self, node: object, is_name: bool = False,
                       is_symbol: bool = False) -> None:
            if type(node) is not ast.TypeCast:
                super().print_node(node, is_name, is_symbol)
                return
            arg = node.arg  # type: ignore[attr-defined]
            with self.expression(not _cast_operand(ast, arg)):
                self.print_node(arg)
            self.write("::")
            self.print_node(node.typeName)  # type: ignore[attr-defined]
            self.separator()

    return PostfixCasts


def _cast_operand(ast: ModuleType, arg: object) -> bool:
    """Whether `arg` (pglast's node) is printed before `::` without parentheses."""
    if type(arg) in (ast.ColumnRef, ast.TypeCast, ast.ParamRef):
        return True
    if type(arg) is ast.FuncCall:
        form = getattr(arg, "funcformat", None)  # (an enum member, or its name as written)
        return form is None or getattr(form, "name", form) == "COERCE_EXPLICIT_CALL"
    if type(arg) is ast.A_Const:
        value = getattr(arg, "val", None)
        number = getattr(value, "ival", None) if type(value) is ast.Integer else \
            getattr(value, "fval", None) if type(value) is ast.Float else None
        return not str(number or "").startswith("-")
    return False


def _set_ancestors(tree: tuple, root: object) -> None:
    """Each node's ancestors below `tree` as pglast's `Visitor.iterate` sets them (a node's
    field `m` of node `n` is `chain / (n, m)`, item `i` of a tuple `t` is `chain / (t, i)`,
    nothing else is walked), without its generator stepped by `send` at each node: a fifth
    of a print. A tree `expression_sql` builds shares no node, so the order is free."""
    node_type, ancestor = _ast.Node, _visitors.Ancestor
    stack: list[tuple[object, object]] = [(tree, root)]
    pop, push = stack.pop, stack.append
    while stack:
        item, chain = pop()
        if type(item) is tuple:
            for index, value in enumerate(item):
                if isinstance(value, (tuple, node_type)):
                    push((value, ancestor(chain, item, index)))
        else:
            _store(item, "ancestors", chain)  # (no field: pglast's `__setattr__` stores it)
            for member in item.__slots__:  # type: ignore[attr-defined]
                value = getattr(item, member)
                if isinstance(value, (tuple, node_type)):
                    push((value, ancestor(chain, item, member)))


class ShownSql:
    """SQL text made the first time it is shown (`str()`) and kept. Only a safe alternative
    shows such text, and most statements never get one: printed in the effect model, every
    CHECK, NOT VALID constraint, enum value, batched UPDATE and backfill value paid for
    pglast's node classes and printer (their import is about a third of a one-file lint),
    also in the migrations a file is linted after, which are never judged. Two are equal
    when they are made from equal parts (a judged migration's effects equal its replay's)."""

    __slots__ = ("text",)

    def __init__(self) -> None:
        self.text: str | None = None

    def __str__(self) -> str:
        if self.text is None:
            self.text = self._printed()
        return self.text

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._parts() == other._parts()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # (made of parse trees: dicts)

    def _printed(self) -> str:
        raise NotImplementedError

    def _parts(self) -> tuple:
        raise NotImplementedError


class PrintedSql(ShownSql):
    """The SQL of a parse tree (`expression_sql`, else `fallback`, then `suffix`), its casts
    written `x::t` when `postfix_casts`."""

    __slots__ = ("tree", "fallback", "suffix", "postfix_casts")

    def __init__(self, tree: dict | None, fallback: str = "", suffix: str = "",
                 postfix_casts: bool = False) -> None:
        super().__init__()
        self.tree, self.fallback, self.suffix = tree, fallback, suffix
        self.postfix_casts = postfix_casts

    def _printed(self) -> str:
        return (expression_sql(self.tree, self.postfix_casts) or self.fallback) + self.suffix

    def _parts(self) -> tuple:
        return self.tree, self.fallback, self.suffix, self.postfix_casts


class JoinedSql(ShownSql):
    """SQL text joined from plain text and `ShownSql` pieces."""

    __slots__ = ("pieces",)

    def __init__(self, *pieces: str | ShownSql) -> None:
        super().__init__()
        self.pieces = pieces

    def _printed(self) -> str:
        return "".join(map(str, self.pieces))

    def _parts(self) -> tuple:
        return self.pieces


def role_name(role: object) -> str | None:
    """The name a RoleSpec names (`{"RoleSpec": ...}` or its body); None for CURRENT_USER,
    SESSION_USER, CURRENT_ROLE and PUBLIC, whose role lockwise does not know."""
    spec = role if isinstance(role, dict) else {}
    spec = spec.get("RoleSpec", spec)
    return spec.get("rolename") if spec.get("roletype") == "ROLESPEC_CSTRING" else None


def role_sql(role: object) -> str:
    """A RoleSpec as SQL: its name quoted as needed, or its keyword (CURRENT_USER ...)."""
    name = role_name(role)
    if name is not None:
        return quote_ident(name)
    spec = role if isinstance(role, dict) else {}
    spec = spec.get("RoleSpec", spec)
    return str(spec.get("roletype", "")).replace("ROLESPEC_", "")


def created_schema(stmt: dict) -> str | None:
    """The schema a CreateSchemaStmt creates: the one it names, else (`CREATE SCHEMA
    AUTHORIZATION role`) the role's name; None for `AUTHORIZATION CURRENT_USER` and the like,
    whose role lockwise does not know."""
    if stmt.get("schemaname"):
        return str(stmt["schemaname"])
    return role_name(stmt.get("authrole") or {})


#: The order PostgreSQL (up to 18) runs CREATE SCHEMA's elements in, whatever order they are
#: written in: sequences, tables, views, indexes, triggers, grants (each kind as written).
_ELEMENT_ORDER = {"CreateSeqStmt": 0, "CreateStmt": 1, "ViewStmt": 2, "IndexStmt": 3,
                  "CreateTrigStmt": 4, "GrantStmt": 5}
#: The field of each element naming the relation it creates or (an index, a trigger) is on:
#: the server puts that relation in the new schema, whatever the search_path.
_ELEMENT_RELATION = {"CreateSeqStmt": "sequence", "CreateStmt": "relation", "ViewStmt": "view",
                     "IndexStmt": "relation", "CreateTrigStmt": "relation"}


def element_relation(element: dict) -> str:
    """The relation an element of CREATE SCHEMA (from `schema_elements`) creates or is on."""
    kind, body = unwrap(element)
    return range_var(body.get(_ELEMENT_RELATION.get(kind, "")), create=True)[0]


def schema_elements(stmt: dict, schema: str) -> list[tuple[int, dict]]:
    """The elements of CreateSchemaStmt `stmt` as (position as written, parse tree), in the
    order the server runs them, the relation each creates or is on qualified with `schema`
    (the new one) when written without a schema. The trees are copies where they differ: the
    statement's own stays as parsed."""
    out: list[tuple[int, dict]] = []
    for position, tree in enumerate(stmt.get("schemaElts") or ()):
        kind, body = unwrap(tree)
        field = _ELEMENT_RELATION.get(kind, "")
        rv = body.get(field)
        inner = rv.get("RangeVar", rv) if isinstance(rv, dict) else None
        if inner is not None and not inner.get("schemaname"):
            body = {**body, field: {**inner, "schemaname": schema}}
        out.append((position, {kind: body}))
    out.sort(key=lambda element: _ELEMENT_ORDER.get(next(iter(element[1])), len(_ELEMENT_ORDER)))
    return out


def type_stand_in(column: str) -> str:
    """The name a suggested column definition writes for the type of `column` where these
    migrations do not show it: a type no database has, so that a copy run unedited fails at
    once instead of making a column of the wrong type."""
    return f"type_of_{column}"


def value_stand_in(column: str) -> str:
    """The name a suggested backfill writes for the values the user chooses for the existing
    rows of `column`: a column no table has, so that a copy run unedited fails at once
    instead of writing one made-up value into every row."""
    return f"value_of_{column}"


def type_stand_in_note(column: str, known: bool) -> str:
    """The comment after a suggested column definition that says what its stand-in type
    (see `type_stand_in`) is to be replaced with; none when the type is known."""
    if known:
        return ""
    return (f"  -- replace {type_stand_in(column)} with the type of {column} (these migrations"
            " do not show it)")


def storage_parameters(options: list | tuple) -> tuple[tuple[str, str], ...] | None:
    """Each storage parameter of a `WITH (...)` or `SET (...)` list (DefElems) as its name and
    the SQL that sets it (`fillfactor = 70`, `deduplicate_items = off`); None for one of a
    form not written here (a namespace, an expression)."""
    written = []
    for option in options:
        kind, item = unwrap(option)
        if kind != "DefElem" or item.get("defnamespace"):
            return None
        name = quote_ident(item.get("defname") or "")
        arg = item.get("arg")
        if arg is None:
            written.append((item.get("defname") or "", name))
            continue
        arg_kind, value = unwrap(arg)
        if arg_kind == "Integer":
            text = str(value.get("ival", 0))  # pglast's JSON leaves a zero out
        elif arg_kind == "Float":
            text = value.get("fval", "")
        elif arg_kind == "String":
            text = quote_literal(value.get("sval", ""))
        elif arg_kind == "Boolean":
            text = "true" if value.get("boolval") else "false"
        elif arg_kind == "TypeName" and len(value.get("names") or ()) == 1 and \
                not value.get("typmods") and not value.get("arrayBounds"):
            text = quote_ident(strings(value["names"])[0])  # a bare word: `off`, `on`
        else:
            return None
        written.append((item.get("defname") or "", f"{name} = {text}"))
    return tuple(written)


def with_storage_parameters_sql(parameters: tuple[tuple[str, str], ...]) -> str:
    """`WITH (...)` of `storage_parameters`, "" without any."""
    return f"WITH ({', '.join(sql for _, sql in parameters)})" if parameters else ""
