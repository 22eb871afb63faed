"""The PostgreSQL effect model: for one statement, the locks, rewrites, scans and objects.

Lock levels follow PostgreSQL's own choices (tablecmds.c `AlterTableGetLockLevel`, the
"Explicit Locking" documentation) and are checked against a real server by tests/oracle.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace

from lockwise.catalog.model import Catalog, Constraint, Index, Table
from lockwise.catalog.replay import (
    constraint_from,
    constraint_name,
    default_constraint_name,
    generated_name,
    index_from_stmt,
    owned_sequence,
)
from lockwise.catalog.search_path import elements_path
from lockwise.core.types import Action, Effect, LockMode
from lockwise.effects.context import Context
from lockwise.effects.foreign_keys import Key, keys_written, refused_reference
from lockwise.effects.literals import enum_candidate_literals
from lockwise.effects.locks import strongest
from lockwise.effects.nodes import (
    SERIAL_TYPES,
    PrintedSql,
    collation_name,
    column_def_constraints,
    columns_read,
    const_value,
    created_schema,
    drop_object_names,
    expression_sql,
    function_names,
    is_constant_true,
    object_name,
    only_relations,
    options_on,
    range_var,
    relations_in,
    schema_elements,
    strings,
    type_sql,
    type_stand_in,
    type_stand_in_note,
    unwrap,
    walk,
)
from lockwise.effects.partitions import (
    bound_proven_by_checks,
    partitioned_constraint_sql,
    partitioned_index_sql,
    range_bounds_sql,
)
from lockwise.effects.types import type_change_rebuilds_indexes, type_change_rewrites
from lockwise.effects.volatility import (
    builtin_functions,
    changes_between_transactions,
    has_subquery,
    volatile_functions,
)
from lockwise.parse.quoting import quote_ident, quote_literal, relation_sql, truncate_identifier

L = LockMode


@dataclass(slots=True)
class _Builder:
    ctx: Context
    actions: list[Action] = field(default_factory=list)
    locks: dict[str, LockMode] = field(default_factory=dict)
    rewrites: set[str] = field(default_factory=set)
    scans: dict[str, str] = field(default_factory=dict)
    transactional: bool = True
    creates: set[str] = field(default_factory=set)
    drops: set[str] = field(default_factory=set)
    alters: set[str] = field(default_factory=set)
    reads: set[str] = field(default_factory=set)
    writes: set[str] = field(default_factory=set)
    literals: set[str] = field(default_factory=set)
    #: Names the drops of the ALTER TABLE being read release before it adds anything.
    freed_names: frozenset[str] = frozenset()
    #: The columns that ALTER TABLE drops: their names are free for its ADD COLUMNs.
    freed_columns: frozenset[str] = frozenset()
    #: The subcommands of the ALTER TABLE being read (see `_added_by_alter`).
    subcommands: Sequence[dict] = ()

    def lock(self, relation: str, mode: LockMode) -> None:
        if relation:
            self.locks[relation] = strongest(self.locks.get(relation), mode)

    def act(self, action_kind: str, /, *bases: dict, **facts: object) -> None:
        """Record an action; later facts override earlier ones (bases first, then keywords)."""
        merged: dict = {}
        for base in bases:
            merged.update(base)
        merged.update(facts)
        self.actions.append(Action(action_kind, merged))

    def scan(self, relation: str, why: str) -> None:
        self.scans.setdefault(relation, why)

    def rewrite(self, relation: str, why: str) -> None:
        self.rewrites.add(relation)
        self.scans.setdefault(relation, why)

    def build(self) -> Effect:
        # A relation that does not exist yet is not "locked" in any way another session notices.
        locks = {r: m for r, m in self.locks.items() if r not in self.creates}
        # A partitioned table has no storage of its own: its partitions are what gets rewritten
        # or scanned (they are recorded by the handlers that recurse).
        for rel in [r for r in self.rewrites | set(self.scans)
                    if (t := self.ctx.catalog.tables.get(r)) and t.kind == "partitioned"]:
            self.rewrites.discard(rel)
            self.scans.pop(rel, None)
        # Column definitions are details of the statement's main action: list them after it.
        actions = sorted(self.actions, key=lambda a: a.kind == "define_column")
        return Effect(
            actions=tuple(actions) or (Action("other"),),
            locks=locks,
            rewrites=_frozen(self.rewrites),
            scans=dict(self.scans),
            transactional=self.transactional,
            creates=_frozen(self.creates),
            drops=_frozen(self.drops),
            alters=_frozen(self.alters),
            reads=_frozen(self.reads),
            writes=_frozen(self.writes),
            literals=_frozen(self.literals),
        )


_NOTHING: frozenset[str] = frozenset()


def _frozen(objects: set[str]) -> frozenset[str]:
    # Most of an effect's sets are empty, and every frozenset(set()) is a new ~200-byte object:
    # lint keeps every statement's effect, so sharing one empty set saves ~1 KB a statement.
    return frozenset(objects) if objects else _NOTHING


def _table_facts(b: _Builder, table: str, qualified: bool) -> dict:
    # `table` is always schema-qualified (locks and the catalog need one name per relation);
    # `table_sql` is the name as the user wrote it, for suggested SQL in their own words.
    return {"table": table, "table_name": table.split(".", 1)[1], "qualified": qualified,
            "table_sql": table if qualified else table.split(".", 1)[1],
            "table_is_new": b.ctx.table_is_new(table),
            "table_is_empty": b.ctx.table_is_empty(table),
            "table_known": table in b.ctx.catalog.tables}


def _row_key_facts(b: _Builder, table: str) -> dict:
    """What names a row of `table` in the batches a safe alternative writes: its primary key,
    or else the row's address (ctid), which every table has. `row_key_sql` is compared
    (`(a, b) IN (...)`), `row_key_columns_sql` selected."""
    key = b.ctx.catalog.primary_key(table) or ("ctid",)
    columns = ", ".join(map(quote_ident, key))
    return {"row_key_sql": columns if len(key) == 1 else f"({columns})",
            "row_key_columns_sql": columns}


def _read_tables(b: _Builder, node: object, skip: set[str] = frozenset()) -> None:
    for rel in relations_in(node):
        if rel not in skip:
            b.lock(rel, L.ACCESS_SHARE)
            b.reads.add(f"table:{rel}")


def _descendants(b: _Builder, table: str, inh: bool = True) -> list[str]:
    """The partitions and inheritance children a statement on `table` reaches too: all of
    them, however deep, unless ONLY was written (`inh` false)."""
    if not inh:
        return []
    return b.ctx.catalog.partitions(table) + b.ctx.catalog.inheritance_children(table)


def _direct_inheritance_children(catalog: Catalog, table: str) -> list[str]:
    """The tables that INHERIT from `table` itself (not its grandchildren)."""
    if table not in catalog.inheritance_parents:
        return []
    return [t.name for t in catalog.tables.values() if table in t.inherits]


def _lock_read_partitions(b: _Builder, node: object, mode: LockMode = L.ACCESS_SHARE) -> None:
    """A query that runs locks the partitions and inheritance children of what it reads too
    (only the parent when it is merely parsed, as by CREATE VIEW; only it with ONLY). Pruning
    on the partition key spares some partitions: not modeled, every partition counts as read.
    The views it reads are expanded into their queries (the rewriter's work, also not done
    for a query merely parsed): their relations are locked as if named."""
    only = only_relations(node)
    for rel in relations_in(node):
        for part in _descendants(b, rel, rel not in only):
            b.lock(part, mode)
        for base in _view_reads(b, rel):
            b.lock(base, mode)
            b.reads.add(f"table:{base}")
            for part in _descendants(b, base):
                b.lock(part, mode)


def _view_reads(b: _Builder, rel: str) -> list[str]:
    """The relations a query of `rel` reads when it is a known plain view (through the views
    it reads, however deep); nothing for any other relation."""
    known = b.ctx.catalog.tables.get(rel)
    return b.ctx.catalog.read_by(rel) if known is not None and known.kind == "view" else []


def _stored_reads(b: _Builder, node: object) -> list[str]:
    """The relations with rows of their own a query reads: views replaced by what they read."""
    out: list[str] = []
    for rel in relations_in(node):
        for read in (rel, *_view_reads(b, rel)):
            known = b.ctx.catalog.tables.get(read)
            if (known is None or known.kind != "view") and read not in out:
                out.append(read)
    return out


# --- column definitions ---------------------------------------------------------------------

_SERIAL_PLAIN = {"serial": "integer", "bigserial": "bigint", "smallserial": "smallint"}


def _virtual_allowed(catalog: Catalog, type_name: str, con: dict) -> bool:
    """Whether PostgreSQL 18 takes the generated column as VIRTUAL (added without a rewrite):
    it refuses a user-defined type or function there (checked on the server). A function not
    on the stock server's list (an extension's) counts as user-defined; a type does when the
    migrations created it or name its schema (an extension's type is not told apart)."""
    if "." in type_name or f"public.{type_name}" in catalog.types:
        return False
    builtin = builtin_functions()
    return all(name in builtin and name not in catalog.functions
               for name in function_names(con.get("raw_expr")))


def _column_def_facts(b: _Builder, table: str, col: dict) -> dict:
    """Facts about one ColumnDef: its type, default, constraints, and what adding it costs."""
    name = col.get("colname", "")
    tname, mods, is_array = b.ctx.catalog.column_type(col.get("typeName"))
    facts: dict = {"column": name, "type": tname, "typmods": mods, "array": is_array,
                   "type_text": type_sql(tname, mods, is_array),
                   # what a serial column is stored as, without the sequence default
                   "plain_type_text": _SERIAL_PLAIN.get(tname) or type_sql(tname, mods, is_array),
                   "length_sql": str(mods[0]) if mods else "<n>",
                   "serial": tname in SERIAL_TYPES, "not_null": False, "has_default": False,
                   "default_volatile": False, "volatile_functions": (), "identity": False,
                   "generated_stored": False, "virtual_allowed": False, "primary_key": False,
                   "unique": False, "references": None, "check": False}
    for item in col.get("constraints") or ():
        _, con = unwrap(item)
        contype = con.get("contype")
        if contype == "CONSTR_NOTNULL":
            facts["not_null"] = True
        elif contype == "CONSTR_DEFAULT":
            facts["has_default"] = True
            vol = volatile_functions(con.get("raw_expr"), b.ctx.catalog.functions)
            facts["volatile_functions"] = tuple(vol)
            facts["default_volatile"] = bool(vol)
            facts["default_null"] = unwrap(con.get("raw_expr"))[1].get("isnull", False)
        elif contype == "CONSTR_IDENTITY":
            facts["identity"] = True
            facts["not_null"] = True
        elif contype == "CONSTR_GENERATED":
            # PostgreSQL 18 records 's' (STORED) or 'v' (VIRTUAL, its default when neither
            # is written); older grammars only have STORED and leave the field out.
            facts["generated_stored"] = con.get("generated_kind", "s") != "v"
            facts["virtual_allowed"] = _virtual_allowed(b.ctx.catalog, tname, con)
        elif contype == "CONSTR_PRIMARY":
            facts["primary_key"] = True
            facts["not_null"] = True
        elif contype == "CONSTR_UNIQUE":
            facts["unique"] = True
        elif contype == "CONSTR_FOREIGN":
            facts["references"] = range_var(con.get("pktable"))[0]
        elif contype == "CONSTR_CHECK":
            facts["check"] = True
    if facts["serial"]:
        facts["has_default"] = True
        facts["default_volatile"] = True
        facts["volatile_functions"] = ("nextval",)
        facts["not_null"] = True
    # An id or a reference to one: the columns that run out of 32-bit values.
    facts["key_like"] = bool(facts["primary_key"] or facts["identity"] or facts["serial"]
                             or facts["references"]
                             or re.search(r"(?:^|_)id$", name, re.IGNORECASE)
                             or name.endswith("Id"))  # camelCase, e.g. "teamId"
    return facts


#: A constant of each common type that only stands in for the value existing rows should get
#: (the instead says so): what the user must choose, written so that the statement runs.
_STAND_IN_CONSTANTS = {
    **dict.fromkeys(("int2", "int4", "int8", "numeric", "float4", "float8", "money"), "0"),
    **dict.fromkeys(("text", "varchar", "bpchar", "citext", "name"), "''"),
    "bool": "false", "date": "CURRENT_DATE", "timestamp": "now()", "timestamptz": "now()",
    "time": "'00:00'", "timetz": "'00:00'", "interval": "'0'", "json": "'{}'",
    "jsonb": "'{}'", "uuid": "'00000000-0000-0000-0000-000000000000'", "bytea": "''",
    "inet": "'0.0.0.0'",
}


def _stand_in_constant_sql(catalog: Catalog, type_name: str, array: bool) -> str:
    """A constant of `type_name` to stand in for the default the user chooses: a zero of a
    built-in type, an enum's first label, a domain's base type's; an empty array; else a
    string constant naming what it stands for (PostgreSQL reads it as the type, if it can)."""
    if array:
        return "'{}'"
    domain = catalog.domain(type_name)
    if domain is not None:
        return _stand_in_constant_sql(catalog, domain.base, domain.array)
    labels = catalog.enums.get(type_name if "." in type_name else f"public.{type_name}")
    if labels:
        return quote_literal(labels[0])
    return _STAND_IN_CONSTANTS.get(type_name, "'value for existing rows'")


def _define_column(b: _Builder, table: str, facts: dict, **extra: object) -> None:
    b.act("define_column", {"table": table, "table_name": table.split(".", 1)[1]}, facts, extra)


# --- CREATE TABLE ---------------------------------------------------------------------------

def _skipped(b: _Builder, stmt: dict, known: bool, kind: str, /, *bases: dict,
             **facts: object) -> bool:
    """Whether `stmt`, a CREATE ... IF NOT EXISTS of an object the catalog `known`s already,
    is skipped by PostgreSQL with a NOTICE; then it is recorded as such: it creates nothing,
    so what the migration does next to the object is not done to a new one, and it takes
    none of the locks the creation would (the server checks the name first)."""
    if not (stmt.get("if_not_exists") and known):
        return False
    b.act(kind, *bases, facts, if_not_exists=True, exists_already=True, table_is_new=False)
    return True


def _already(b: _Builder, known: bool, what: str) -> dict:
    """Facts of a CREATE (without IF NOT EXISTS) of an object the catalog knows already:
    PostgreSQL stops with "already exists", and the migration fails. `what`: the object, as
    messages name it ("table public.t")."""
    return {"exists_already": True, "existing_object": what} if known else {}


def _relation_known(b: _Builder, name: str) -> bool:
    """Whether a relation of this (qualified) name exists for sure: tables, views, indexes and
    sequences share one namespace per schema."""
    catalog = b.ctx.catalog
    return (name in catalog.tables or name in catalog.indexes or name in catalog.sequences) \
        and catalog.sure_of(name)


def _create_table(b: _Builder, stmt: dict) -> None:
    table, qualified = range_var(stmt.get("relation"), create=True)
    if _skipped(b, stmt, table in b.ctx.catalog.tables, "create_table",
                _table_facts(b, table, qualified), columns=()):
        return
    b.creates.add(f"table:{table}")
    parent = None
    if stmt.get("partbound") and stmt.get("inhRelations"):
        parent = range_var(stmt["inhRelations"][0])[0]
        b.lock(parent, L.ACCESS_EXCLUSIVE)
        b.alters.add(f"table:{parent}")
        _check_default_partition(b, parent, stmt.get("partbound") or {})
        _clone_foreign_keys(b, parent, validate=None)
    elif stmt.get("inhRelations"):
        for rel in stmt["inhRelations"]:
            b.lock(range_var(rel)[0], L.SHARE_UPDATE_EXCLUSIVE)
    columns = []
    for elt in stmt.get("tableElts") or ():
        kind, body = unwrap(elt)
        if kind == "ColumnDef":
            facts = _column_def_facts(b, table, body)
            columns.append(facts["column"])
            b.creates.add(f"column:{table}.{facts['column']}")
            _define_column(b, table, facts, in_create_table=True, table_is_new=True)
            if facts["references"]:
                _fk_target(b, facts["references"])
        elif kind == "Constraint" and body.get("contype") == "CONSTR_FOREIGN":
            _fk_target(b, range_var(body.get("pktable"))[0])
        elif kind == "TableLikeClause":  # LIKE source: its definition is read
            source = range_var(body.get("relation"))[0]
            b.lock(source, L.ACCESS_SHARE)
            b.reads.add(f"table:{source}")
    b.act("create_table", _table_facts(b, table, qualified), table_is_new=True,
          **_already(b, _relation_known(b, table), f"relation {table}"),
          **_refused_facts(_refused_in_create_table(b, table, stmt)),
          if_not_exists=bool(stmt.get("if_not_exists")), columns=tuple(columns),
          partition_of=parent, partitioned=bool(stmt.get("partspec")),
          unlogged=(stmt.get("relation") or {}).get("relpersistence") == "u")


def _refused_in_create_table(b: _Builder, table: str, stmt: dict) -> list[str]:
    """The foreign keys of a CREATE TABLE that PostgreSQL refuses for want of a key to point
    at (`refused_reference`); one to the table itself may point at the keys written beside
    it, when all its columns are (no LIKE, INHERITS or PARTITION OF)."""
    elements = [unwrap(e) for e in stmt.get("tableElts") or ()]
    written = [(body, None) for kind, body in elements if kind == "Constraint"] + [
        (con, body.get("colname")) for kind, body in elements if kind == "ColumnDef"
        for con in column_def_constraints(body)]
    foreign = [(con, column) for con, column in written
               if con.get("contype") == "CONSTR_FOREIGN"]
    if not foreign:  # most tables: no key of theirs to gather
        return []
    complete = not stmt.get("inhRelations") and all(k != "TableLikeClause" for k, _ in elements)
    keys = keys_written(written)
    columns = {body.get("colname", "") for kind, body in elements if kind == "ColumnDef"}
    out = []
    for con, column in foreign:
        target = range_var(con.get("pktable"))[0]
        if target == table and not complete:
            continue
        own = target == table
        why = refused_reference(b.ctx.catalog, target, tuple(strings(con.get("pk_attrs"))),
                                keys if own else (), columns if own else (), created=own)
        if why:
            out.append(_reference_text(table, con, column, why))
    return out


def _reference_text(table: str, con: dict, column: str | None, why: str) -> str:
    """`t (a) -> u (b): why`, how a message lists a refused foreign key."""
    columns = ", ".join(strings(con.get("fk_attrs"))) or column or ""
    ref = ", ".join(strings(con.get("pk_attrs"))) or "its primary key"
    return f"{table} ({columns}) -> {range_var(con.get('pktable'))[0]} ({ref}): {why}"


def _refused_facts(refused: list[str]) -> dict:
    return {"refused_references": tuple(refused), "refused_references_text": "; ".join(refused)}
def _scan_fk_lookups(b: _Builder, target: str) -> None:
    """Validating a foreign key reads the referenced table: each partition of a partitioned
    one, which its query locks ACCESS SHARE at least (checked on the server)."""
    for rel in (target, *b.ctx.catalog.partitions(target)):
        b.lock(rel, L.ACCESS_SHARE)
        b.scan(rel, "foreign key validation (lookups)")


def _fk_target(b: _Builder, target: str) -> None:
    # A foreign key to a partitioned table gets its action triggers on every partition.
    for rel in (target, *b.ctx.catalog.partitions(target)):
        b.lock(rel, L.SHARE_ROW_EXCLUSIVE)
    b.reads.add(f"table:{target}")


def _drop_fk_triggers(b: _Builder, target: str) -> None:
    """A foreign key's action triggers on `target` (each partition of it too) are dropped:
    ACCESS EXCLUSIVE on each (checked on the server)."""
    for rel in (target, *b.ctx.catalog.partitions(target)):
        b.lock(rel, L.ACCESS_EXCLUSIVE)


def _create_table_as(b: _Builder, stmt: dict) -> None:
    # pglast's JSON inlines the IntoClause (no {"IntoClause": ...} wrapper); accept both.
    into = stmt.get("into") or {}
    into = into.get("IntoClause", into)
    table, qualified = range_var(into.get("rel"), create=True)
    matview = stmt.get("objtype") == "OBJECT_MATVIEW"
    # The query is analysed (its relations locked) before the server looks for the name;
    # it runs (reading the partitions too) only when the name is free.
    _read_tables(b, stmt.get("query"), {table})
    if _skipped(b, stmt, table in b.ctx.catalog.tables,
                "create_materialized_view" if matview else "create_table_as",
                _table_facts(b, table, qualified), with_data=not into.get("skipData")):
        return
    _lock_read_partitions(b, stmt.get("query"))
    b.creates.add(f"{'view' if matview else 'table'}:{table}")
    for rel in _stored_reads(b, stmt.get("query")):
        b.scan(rel, "query reads it in full to fill the new relation")
    b.act("create_materialized_view" if matview else "create_table_as",
          _table_facts(b, table, qualified), table_is_new=True,
          **_already(b, _relation_known(b, table), f"relation {table}"),
          with_data=not into.get("skipData"), if_not_exists=bool(stmt.get("if_not_exists")))


def _create_view(b: _Builder, stmt: dict) -> None:
    view, qualified = range_var(stmt.get("view"), create=True)
    if stmt.get("replace") and view in b.ctx.catalog.tables:
        b.lock(view, L.ACCESS_EXCLUSIVE)
        b.alters.add(f"view:{view}")
    else:
        b.creates.add(f"view:{view}")
    _read_tables(b, stmt.get("query"), {view})
    b.act("create_view", _table_facts(b, view, qualified), view=view,
          replace=bool(stmt.get("replace")),
          **_already(b, not stmt.get("replace") and _relation_known(b, view),
                     f"relation {view}"))


# --- indexes --------------------------------------------------------------------------------

def _index_columns(stmt: dict) -> tuple[str, ...]:
    cols = []
    for param in stmt.get("indexParams") or ():
        _, elem = unwrap(param)
        cols.append(elem.get("name") or "(expression)")
    return tuple(cols)


def _create_index(b: _Builder, stmt: dict) -> None:
    table, qualified = range_var(stmt.get("relation"))
    concurrently = bool(stmt.get("concurrent"))
    schema = table.split(".", 1)[0]
    index = f"{schema}.{stmt['idxname']}" if stmt.get("idxname") else ""
    only = not (stmt.get("relation") or {}).get("inh")
    b.lock(table, L.SHARE_UPDATE_EXCLUSIVE if concurrently else L.SHARE)
    catalog = b.ctx.catalog
    # IF NOT EXISTS of a known index: skipped after the table's lock, before any build.
    if _skipped(b, stmt, index in catalog.indexes, "create_index",
                _table_facts(b, table, qualified), index=index, concurrently=concurrently,
                index_name=stmt.get("idxname") or "", columns=_index_columns(stmt)):
        b.transactional = not concurrently
        return
    partitioned = (catalog.tables.get(table) or _NO_TABLE).kind == "partitioned"
    # ON ONLY a partitioned table: an invalid index on the parent alone, nothing is built.
    if not (only and partitioned):
        b.scan(table, "index build")  # (dropped in build() for a partitioned table: no storage)
    # On a partitioned table each partition gets its own index, built under the same lock.
    partitions = () if only else tuple(catalog.partitions(table))
    for part in partitions:
        b.lock(part, L.SHARE_UPDATE_EXCLUSIVE if concurrently else L.SHARE)
    if partitions:
        _build_partition_indexes(b, table, index_from_stmt(catalog, stmt))
    b.transactional = not concurrently
    b.alters.add(f"table:{table}")
    if index:
        b.creates.add(f"index:{index}")
    columns = _index_columns(stmt)
    for col in columns:
        b.reads.add(f"column:{table}.{col}")
    b.act("create_index", _table_facts(b, table, qualified), index=index,
          **_already(b, bool(index) and _relation_known(b, index), f"relation {index}"),
          index_name=stmt.get("idxname") or "", columns=columns, columns_text=", ".join(columns),
          unique=bool(stmt.get("unique")), concurrently=concurrently,
          if_not_exists=bool(stmt.get("if_not_exists")), partial=bool(stmt.get("whereClause")),
          method=stmt.get("accessMethod", "btree"), named=bool(stmt.get("idxname")),
          partitioned_table=partitioned, only=only, partitions=partitions,
          partitions_text=", ".join(partitions) or "none known",
          partitioned_index_sql=partitioned_index_sql(
              catalog, table, qualified, stmt.get("idxname") or "", columns,
              bool(stmt.get("unique"))) if partitioned else "")


def _build_partition_indexes(b: _Builder, table: str, like: Index) -> None:
    """The partitions of `table` a new partitioned index `like` builds its parts on: each
    reads its rows, unless it has an index of the same definition already, which is attached
    instead (and what is below it is left as it is: checked on the server)."""
    catalog = b.ctx.catalog
    for part in catalog.direct_partitions(table):
        if catalog.attachable_index(part, like) is None:
            b.scan(part, "index build (partition)")
            _build_partition_indexes(b, part, like)


class _NoTable:
    kind = ""
    columns: dict = {}
    constraints: dict = {}


_NO_TABLE = _NoTable()


def _reindex(b: _Builder, stmt: dict) -> None:
    concurrently = "concurrently" in options_on(stmt.get("params"))
    kind = stmt.get("kind", "")
    rel, qualified = range_var(stmt.get("relation"))
    if kind == "REINDEX_OBJECT_INDEX":
        index = rel
        idx = b.ctx.catalog.indexes.get(index)
        table = idx.table if idx else ""
        if table:
            b.lock(table, L.SHARE_UPDATE_EXCLUSIVE if concurrently else L.SHARE)
    elif kind == "REINDEX_OBJECT_TABLE":
        table, index = rel, ""
        b.lock(table, L.SHARE_UPDATE_EXCLUSIVE if concurrently else L.SHARE)
    else:
        table, index = "", ""
        b.transactional = False
    if table:
        b.scan(table, "index rebuild")
        b.alters.add(f"table:{table}")
    if concurrently:
        b.transactional = False
    if _partition_by_partition(b, table, L.SHARE_UPDATE_EXCLUSIVE if concurrently else L.SHARE):
        for part in b.ctx.catalog.partitions(table):
            b.scan(part, "index rebuild (partition)")
    # Besides SHARE on the table, each index being rebuilt is held ACCESS EXCLUSIVE: every
    # query that plans with the table opens its indexes and waits, reads included (checked on
    # the server). Table-level `locks` cannot say it, hence the fact.
    b.act("reindex", table=table, table_name=table.split(".", 1)[-1], index=index,
          index_access_exclusive=not concurrently,
          target=kind.replace("REINDEX_OBJECT_", "").lower(), concurrently=concurrently,
          name=(rel if qualified else rel.split(".", 1)[-1]) if rel else stmt.get("name") or "",
          table_is_new=b.ctx.table_is_new(table) if table else False)


# --- DROP -----------------------------------------------------------------------------------

_DROP_KINDS = {
    "OBJECT_TABLE": "table", "OBJECT_INDEX": "index", "OBJECT_VIEW": "view",
    "OBJECT_MATVIEW": "view", "OBJECT_SEQUENCE": "sequence", "OBJECT_TYPE": "type",
    "OBJECT_SCHEMA": "schema", "OBJECT_FUNCTION": "function", "OBJECT_TRIGGER": "trigger",
    "OBJECT_DOMAIN": "type", "OBJECT_EXTENSION": "extension", "OBJECT_PROCEDURE": "function",
    "OBJECT_POLICY": "policy", "OBJECT_FOREIGN_TABLE": "table", "OBJECT_RULE": "rule",
    "OBJECT_STATISTIC_EXT": "statistics",
}


def _dropped_indexes_named(catalog: Catalog, stmt: dict) -> tuple[str, ...]:
    """The indexes a DROP INDEX finding names: those the catalog knows exist, or all of them
    when it knows none. One finding speaks for the statement, and under IF EXISTS the first
    listed index may well be missing while a later one is the one that takes the lock."""
    listed = [object_name(names) for names in drop_object_names(stmt)]
    return tuple([i for i in listed if i in catalog.indexes] or listed)


def _drop(b: _Builder, stmt: dict) -> None:
    kind = _DROP_KINDS.get(stmt.get("removeType", ""), "other")
    cascade = stmt.get("behavior") == "DROP_CASCADE"
    if_exists = bool(stmt.get("missing_ok"))
    concurrently = bool(stmt.get("concurrent"))
    catalog = b.ctx.catalog
    named = _dropped_indexes_named(catalog, stmt) if kind == "index" else ()
    for names in drop_object_names(stmt):
        if kind in ("table", "view"):
            table = object_name(names)
            b.lock(table, L.ACCESS_EXCLUSIVE)
            b.drops.add(f"{kind}:{table}")
            for part in catalog.partitions(table):  # dropped with it
                b.lock(part, L.ACCESS_EXCLUSIVE)
                b.drops.add(f"table:{part}")
            for child in catalog.inheritance_children(table) if cascade else ():
                b.lock(child, L.ACCESS_EXCLUSIVE)  # (without CASCADE the server refuses)
                b.drops.add(f"table:{child}")
            known = catalog.tables.get(table)
            parent = known.partition_of if known is not None else None
            if parent:
                _lock_partition_set(b, parent)
            if known:
                # Dropping a table drops its FK triggers on the tables it references.
                for con in known.constraints.values():
                    if con.kind == "foreign" and con.references and con.references != table:
                        _drop_fk_triggers(b, con.references)
            for other, _con in catalog.referencing(table):
                if cascade and other != table:
                    b.lock(other, L.ACCESS_EXCLUSIVE)
            for view in catalog.views_over(table) if cascade else ():
                b.lock(view, L.ACCESS_EXCLUSIVE)  # dropped with it
            b.act("drop_table" if kind == "table" else "drop_view", table=table,
                  table_name=names[-1], table_sql=table if len(names) > 1 else names[-1],
                  cascade=cascade, if_exists=if_exists,
                  qualified=len(names) > 1, table_is_new=b.ctx.table_is_new(table),
                  table_known=known is not None,
                  referenced_by=tuple(sorted({o for o, _ in catalog.referencing(table)
                                              if o != table})),
                  partition_of=parent or "", is_partition=bool(parent),
                  drop_partition_sql=_drop_partition_sql(b, table, parent, len(names) > 1)
                  if parent else "")
        elif kind == "index":
            index = object_name(names)
            idx = catalog.indexes.get(index)
            table = idx.table if idx else ""
            if table:
                b.lock(table, L.SHARE_UPDATE_EXCLUSIVE if concurrently else L.ACCESS_EXCLUSIVE)
                for part in catalog.partitions(table):  # the partitions' indexes go with it
                    b.lock(part, L.ACCESS_EXCLUSIVE)
            b.drops.add(f"index:{index}")
            if concurrently:
                b.transactional = False
            b.act("drop_index", index=index, index_name=names[-1],
                  index_sql=index if len(names) > 1 else names[-1], table=table,
                  table_name=table.split(".", 1)[-1], concurrently=concurrently,
                  if_exists=if_exists, cascade=cascade, dropped_indexes_text=", ".join(named),
                  table_is_new=b.ctx.table_is_new(table) if table else False)
        elif kind == "policy":
            table = object_name(names[:-1]) if len(names) > 1 else ""
            b.lock(table, L.ACCESS_EXCLUSIVE)
            b.drops.add(f"policy:{table}.{names[-1]}")
            b.act("drop_policy", table=table, table_name=table.split(".", 1)[-1],
                  policy=names[-1], if_exists=if_exists)
        elif kind == "rule":  # (checked on the server, as DROP TRIGGER)
            table = object_name(names[:-1]) if len(names) > 1 else ""
            b.lock(table, L.ACCESS_EXCLUSIVE)
            b.drops.add(f"rule:{table}.{names[-1]}")
            b.act("drop_rule", table=table, table_name=table.split(".", 1)[-1],
                  name=names[-1], if_exists=if_exists, cascade=cascade)
        elif kind == "trigger":
            table = object_name(names[:-1]) if len(names) > 1 else ""
            b.lock(table, L.ACCESS_EXCLUSIVE)
            if table and _is_row_trigger(catalog, table, names[-1]):
                for part in catalog.partitions(table):  # its clones go with it
                    b.lock(part, L.ACCESS_EXCLUSIVE)
            b.drops.add(f"trigger:{table}.{names[-1]}")
            b.act("drop_trigger", table=table, table_name=table.split(".", 1)[-1],
                  trigger=names[-1], if_exists=if_exists,
                  table_is_new=b.ctx.table_is_new(table))
        elif kind == "schema":
            schema = names[-1]
            b.drops.add(f"schema:{schema}")
            for t in [t for t in catalog.tables if t.startswith(schema + ".")]:
                if cascade:
                    b.lock(t, L.ACCESS_EXCLUSIVE)
            b.act("drop_schema", schema=schema, cascade=cascade, if_exists=if_exists)
        else:
            name = object_name(names) if kind != "extension" else names[-1]
            if kind == "function" and cascade:
                # The triggers that execute it are dropped too, each locking its table as
                # DROP TRIGGER does.
                for table, trigger in catalog.triggers_calling(names[-1].lower(), name):
                    b.lock(table.name, L.ACCESS_EXCLUSIVE)
                    b.drops.add(f"trigger:{table.name}.{trigger}")
            elif kind == "statistics" and (table := catalog.statistics.get(name)):
                b.lock(table, L.SHARE_UPDATE_EXCLUSIVE)  # as CREATE STATISTICS
            elif kind == "type" and cascade:  # the columns of the type go with it
                for table, column in catalog.columns_of_type(name):
                    _dropped_column(b, table, column, f"DROP {stmt['removeType'][7:]} "
                                    f"{names[-1]} CASCADE drops the column")
            elif kind == "sequence" and cascade:  # the defaults that call nextval() on it
                for table, column in catalog.columns_drawing_from(name):
                    b.lock(table, L.ACCESS_EXCLUSIVE)
                    b.alters.add(f"column:{table}.{column}")
            b.drops.add(f"{kind}:{name}")
            b.act(f"drop_{kind}" if kind != "other" else "drop_other", name=name,
                  cascade=cascade, if_exists=if_exists,
                  object_type=stmt.get("removeType", "").replace("OBJECT_", "").lower())


def _lock_partition_set(b: _Builder, parent: str) -> None:
    """Removing a partition from `parent` (DROP, DETACH) changes the parent's set of
    partitions: ACCESS EXCLUSIVE on the parent, and on its DEFAULT partition, whose implicit
    bound changes with it (checked on the server)."""
    b.lock(parent, L.ACCESS_EXCLUSIVE)
    default = b.ctx.catalog.default_partition_of(parent)
    if default is not None:
        b.lock(default, L.ACCESS_EXCLUSIVE)


def _drop_partition_sql(b: _Builder, table: str, parent: str, qualified: bool) -> str:
    """How to drop partition `table` without holding `parent` ACCESS EXCLUSIVE: detach it
    CONCURRENTLY first (PostgreSQL 14+, and only without a DEFAULT partition), then drop what
    is by then an ordinary table."""
    table_sql = relation_sql(table, table, qualified)
    parent_sql = relation_sql(parent, table, qualified)
    if b.ctx.pg_version >= 14 and b.ctx.catalog.default_partition_of(parent) is None:
        return (f"ALTER TABLE {parent_sql} DETACH PARTITION {table_sql} CONCURRENTLY;"
                f"  -- own migration, outside a transaction\n"
                f"DROP TABLE {table_sql};  -- next migration: no lock on {parent_sql} any more")
    why = ("before PostgreSQL 14 DETACH PARTITION has no CONCURRENTLY form"
           if b.ctx.pg_version < 14 else
           f"DETACH PARTITION ... CONCURRENTLY is refused while {parent_sql} has a DEFAULT "
           "partition")
    return (f"-- {why}: keep the lock wait short instead\n"
            f"SET LOCAL lock_timeout = '5s';\nDROP TABLE {table_sql};")


def _drop_database(b: _Builder, stmt: dict) -> None:
    b.transactional = False
    b.drops.add(f"database:{stmt.get('dbname')}")
    b.act("drop_database", name=stmt.get("dbname", ""), if_exists=bool(stmt.get("missing_ok")))


def _truncate(b: _Builder, stmt: dict) -> None:
    cascade = stmt.get("behavior") == "DROP_CASCADE"
    # Each table is an action of its own; the statement's text names them all.
    written = ", ".join(t if q else t.split(".", 1)[1]
                        for t, q in map(range_var, stmt.get("relations") or ()))
    for rel in stmt.get("relations") or ():
        table, qualified = range_var(rel)
        b.lock(table, L.ACCESS_EXCLUSIVE)
        b.rewrites.add(table)  # TRUNCATE gives the table a new, empty relfilenode
        b.writes.add(f"table:{table}")
        # Inheritance children too unless ONLY (TRUNCATE ONLY of a partitioned table fails).
        children = b.ctx.catalog.inheritance_children(table) if unwrap(rel)[1].get("inh") else []
        for part in b.ctx.catalog.partitions(table) + children:
            b.lock(part, L.ACCESS_EXCLUSIVE)
            b.rewrites.add(part)
        if cascade:
            # Every table referencing it, transitively, is truncated too: new relfilenode.
            for other in _referencing_closure(b.ctx.catalog, table):
                b.lock(other, L.ACCESS_EXCLUSIVE)
                b.rewrites.add(other)
                b.writes.add(f"table:{other}")
        referenced_by = tuple(sorted({o for o, _ in b.ctx.catalog.referencing(table)
                                      if o != table}))
        b.act("truncate", _table_facts(b, table, qualified), **_row_key_facts(b, table),
              cascade=cascade, tables_text=written,
              referenced_by=referenced_by,
              referenced_by_text=", ".join(referenced_by) or "none known to these migrations")


def _referencing_closure(catalog, table: str) -> list[str]:
    """Tables whose foreign keys lead to `table`, directly or through other tables."""
    seen: dict[str, None] = {}
    todo = [table]
    while todo:
        for other, _ in catalog.referencing(todo.pop()):
            if other != table and other not in seen:
                seen[other] = None
                todo.append(other)
    return list(seen)


def _alter_table(b: _Builder, stmt: dict) -> None:
    table, qualified = range_var(stmt.get("relation"))
    objtype = stmt.get("objtype", "OBJECT_TABLE")
    if objtype == "OBJECT_INDEX":
        _alter_index(b, stmt, table)
        return
    base = _table_facts(b, table, qualified)
    base["if_exists"] = bool(stmt.get("missing_ok"))
    base["only"] = not (stmt.get("relation") or {}).get("inh")
    b.alters.add(f"table:{table}")
    b.freed_names = _names_dropped_first(b.ctx.catalog, table, stmt.get("cmds") or ())
    subcommands = [unwrap(node)[1] for node in stmt.get("cmds") or ()]
    b.freed_columns = frozenset(cmd.get("name", "") for cmd in subcommands
                                if cmd.get("subtype") == "AT_DropColumn")
    if objtype == "OBJECT_TYPE":  # a composite type: no table of its own to alter
        _alter_composite_type(b, table, subcommands)
        b.act("alter_composite_type", type=table, subcommands=tuple(
            cmd.get("subtype", "").replace("AT_", "").lower() for cmd in subcommands),
            cascade=any(cmd.get("behavior") == "DROP_CASCADE" for cmd in subcommands),
            # the tables it locks (typed tables, with CASCADE) are not new: the lock rules apply
            table_is_new=False)
        return
    b.subcommands = subcommands
    for cmd_node in stmt.get("cmds") or ():
        _, cmd = unwrap(cmd_node)
        handler = _ALTER_CMDS.get(cmd.get("subtype", ""))
        if handler is None:
            b.lock(table, L.ACCESS_EXCLUSIVE)
            b.act("alter_table_other", base,
                  subcommand=cmd.get("subtype", "").replace("AT_", "").lower())
        else:
            handler(b, table, cmd, base)
            if not (stmt.get("relation") or {}).get("inh"):
                continue  # ONLY: the table alone
            if cmd.get("subtype") in _RECURSES:
                _recurse_to_children(b, table, cmd, handler)
            elif handler is _trigger_toggle and _toggles_row_triggers(b, table, cmd):
                # Row triggers are cloned to every partition, and toggled there too.
                for part in b.ctx.catalog.partitions(table):
                    b.lock(part, L.SHARE_ROW_EXCLUSIVE)


def _alter_composite_type(b: _Builder, type_name: str, cmds: list[dict]) -> None:
    """ALTER TYPE t ADD / DROP / ALTER ATTRIBUTE of a composite type (checked on the server).
    With CASCADE the tables of that type, and what inherits from them, are altered with it,
    each ACCESS EXCLUSIVE (without, the server refuses while there is one). DROP ATTRIBUTE
    ... CASCADE also drops what depends on the attribute, such as a CHECK over a column of
    that type: the tables with a CHECK reading such a column are locked (the model does not
    know which attribute the CHECK reads: it counts them all)."""
    catalog = b.ctx.catalog
    if not any(cmd.get("behavior") == "DROP_CASCADE" for cmd in cmds):
        return
    _lock_typed_tables(b, type_name)
    if any(cmd.get("subtype") == "AT_DropColumn" for cmd in cmds):
        for table, column in catalog.columns_of_type(type_name):
            known = catalog.tables[table]
            if any(con.kind == "check" and column in columns_read(con.expr)
                   for con in known.constraints.values()):
                b.lock(table, L.ACCESS_EXCLUSIVE)


def _lock_typed_tables(b: _Builder, type_name: str) -> None:
    for table in b.ctx.catalog.typed_tables(type_name):
        b.lock(table, L.ACCESS_EXCLUSIVE)
        b.alters.add(f"table:{table}")


def _names_dropped_first(catalog: Catalog, table: str, cmds: list) -> frozenset[str]:
    """The constraint and index names an ALTER TABLE's drops release: PostgreSQL runs every
    DROP of the statement before it adds anything, so an unnamed constraint added in it may
    take such a name back (`DROP COLUMN id, ADD PRIMARY KEY (a, b)` is `t_pkey` again)."""
    known = catalog.tables.get(table)
    freed: set[str] = set()
    for node in cmds:
        cmd = unwrap(node)[1]
        if cmd.get("subtype") == "AT_DropConstraint" and cmd.get("name"):
            freed.add(cmd["name"])
        elif cmd.get("subtype") == "AT_DropColumn" and known is not None:
            column = cmd.get("name")
            freed.update(c.name for c in known.constraints.values() if column in c.columns)
            freed.update(i.name.split(".", 1)[1] for i in catalog.indexes_on(table)
                         if column in i.columns)
    return frozenset(freed)


#: ALTER TABLE subcommands that PostgreSQL applies to every partition too (unless ONLY), each
#: under the same lock level as on the parent (tablecmds.c, ATSimpleRecursion and friends).
_RECURSES = {
    "AT_AddColumn", "AT_DropColumn", "AT_AlterColumnType", "AT_ColumnDefault", "AT_SetNotNull",
    "AT_DropNotNull", "AT_AddConstraint", "AT_ValidateConstraint", "AT_DropConstraint",
    "AT_SetStatistics", "AT_SetStorage", "AT_AddIdentity", "AT_DropIdentity", "AT_SetIdentity",
    "AT_SetExpression",
}


def _recurse_to_children(b: _Builder, table: str, cmd: dict, handler: Callable) -> None:
    """Record the locks, rewrites and scans the subcommand also causes on each partition, and
    on each table that inherits from it (PostgreSQL recurses into both alike, with the
    exceptions of `_children_reached`)."""
    catalog = b.ctx.catalog
    for part in _children_reached(catalog, table, cmd):
        sub = _Builder(b.ctx)
        handler(sub, part, cmd, {**_table_facts(sub, part, True), "recursed_from": table})
        for rel, mode in sub.locks.items():
            b.lock(rel, mode)
        b.rewrites |= sub.rewrites
        for rel, why in sub.scans.items():
            b.scan(rel, why)


def _children_reached(catalog: Catalog, table: str, cmd: dict) -> list[str]:
    """The partitions and inheritance children a recursing subcommand reaches (checked on the
    server): VALIDATE of a constraint that is valid already does nothing at all, nor reaches
    the children of a NO INHERIT CHECK; a dropped constraint the children do not inherit
    leaves the inheritance children alone (a partition's own copy of an index constraint goes
    with it all the same)."""
    sub, name = cmd.get("subtype"), cmd.get("name", "")
    if sub == "AT_ValidateConstraint" and not _validation_recurses(catalog, table, name):
        return []
    children = catalog.partitions(table)
    if sub != "AT_DropConstraint" or _inherited_check(catalog, table, name):
        children += catalog.inheritance_children(table)
    return children


def _validation_recurses(catalog: Catalog, table: str, name: str) -> bool:
    con = (t := catalog.tables.get(table)) and t.constraints.get(name)
    if not con:
        return True  # unknown: it may be a NOT VALID one the children inherit
    return not con.validated and not (con.kind == "check" and con.no_inherit)


def _alter_index(b: _Builder, stmt: dict, index: str) -> None:
    idx = b.ctx.catalog.indexes.get(index)
    for cmd_node in stmt.get("cmds") or ():
        _, cmd = unwrap(cmd_node)
        sub = cmd.get("subtype", "")
        if sub == "AT_AttachPartition":
            # Both indexes' tables are opened to check the partition belongs to the parent.
            child = b.ctx.catalog.indexes.get(range_var(unwrap(cmd.get("def"))[1].get("name"))[0])
            for known in (idx, child):
                if known is not None:
                    b.lock(known.table, L.ACCESS_SHARE)
            b.act("attach_index_partition", index=index)
        else:
            # No lock on the table itself (checked on the server), but SET TABLESPACE holds the
            # index ACCESS EXCLUSIVE while it copies it: queries that plan with the table open
            # its indexes, so reads and writes wait all the same (checked on the server).
            b.act("alter_index", index=index, table=idx.table if idx else "",
                  subcommand=sub.replace("AT_", "").lower(),
                  index_access_exclusive=sub == "AT_SetTableSpace")
    b.alters.add(f"index:{index}")


def _add_column(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    _, col = unwrap(cmd.get("def"))
    facts = _column_def_facts(b, table, col)
    b.lock(table, L.ACCESS_EXCLUSIVE)
    # Dropped by the same statement, it is gone before the column is added (drops run first).
    known_column = b.ctx.catalog.known_column(table, facts["column"]) is not None and \
        facts["column"] not in b.freed_columns
    if cmd.get("missing_ok") and known_column:
        # IF NOT EXISTS, and the table has it: PostgreSQL skips the column with a NOTICE,
        # after taking the lock. Nothing is rewritten, scanned or checked (seen by `verify`
        # on temporal, whose combined migration adds again the columns of earlier ones).
        # Not when a DO block may have renamed it away (supabase does).
        b.act("add_column", base, facts, rewrites=False, rewrite_reason="",
              constraint_scans=(), constraint_scans_text="", if_not_exists=True,
              column_exists=True)
        return
    rewrite_why = None
    pg = b.ctx.pg_version
    if facts["identity"]:
        rewrite_why = "identity column: every row gets a value"
    elif facts["generated_stored"]:
        rewrite_why = "stored generated column: every row is computed"
    elif facts["default_volatile"]:
        rewrite_why = f"volatile default ({', '.join(facts['volatile_functions'])})"
    elif facts["has_default"] and pg < 11 and not facts.get("default_null"):
        rewrite_why = "any non-null default rewrites the table before PostgreSQL 11"
    elif b.ctx.catalog.is_constrained_domain(facts["type"]):
        rewrite_why = (f"domain {facts['type']} has a constraint: every row's value is "
                       f"checked and stored")
    if rewrite_why:
        b.rewrite(table, rewrite_why)
    elif facts["not_null"] and not facts["has_default"]:
        b.scan(table, "NOT NULL without a default: fails unless the table is empty")
        facts["stand_in_default_sql"] = _stand_in_constant_sql(b.ctx.catalog, facts["type"],
                                                               facts["array"])
    # Inline constraints that make the command read every existing row (checked against the
    # server's seq_scan counters): what the constraint_scans fact lists.
    constraint_scans = []
    if facts["primary_key"] or facts["unique"]:
        b.scan(table, "index build")
        constraint_scans.append("builds a unique index")
    refused = []
    if facts["references"]:
        _fk_target(b, facts["references"])
        if not base.get("recursed_from"):
            refused = _refused_in_add(b, table, [
                (con, facts["column"]) for con in column_def_constraints(col)
                if con.get("contype") == "CONSTR_FOREIGN"])
        # An all-NULL new column needs no FK validation (no scan); a non-null default does.
        if facts["has_default"] and not facts.get("default_null"):
            b.scan(table, "foreign key validation of the default")
            constraint_scans.append("validates the foreign key for every row")
    if facts["check"]:
        # Checked against the server: every existing row is verified even when the new column
        # is all NULL.
        b.scan(table, "CHECK validation")
        constraint_scans.append("checks the CHECK constraint on every row")
    b.creates.add(f"column:{table}.{facts['column']}")
    _define_column(b, table, facts, in_create_table=False, table_is_new=base["table_is_new"])
    if rewrite_why:
        # for the batched backfill instead
        facts.update(_row_key_facts(b, table),
                     backfill_value_sql=_backfill_value_sql(table, base["qualified"], col, facts))
    b.act("add_column", base, facts, rewrites=bool(rewrite_why),
          rewrite_reason=rewrite_why or "", constraint_scans=tuple(constraint_scans),
          constraint_scans_text="; ".join(constraint_scans),
          if_not_exists=bool(cmd.get("missing_ok")), column_exists=False,
          **_already(b, known_column, f"column {table}.{facts['column']}"),
          **_refused_facts(refused))


def _backfill_value_sql(table: str, qualified: bool, col: dict, facts: dict) -> str:
    """What a batched backfill writes into the old rows of a column added without its
    default: the default or generation expression as written; for a serial or identity
    column, the next value of its sequence, named as PostgreSQL names it (the instead says
    to create it); DEFAULT (the column's own, once set) when the expression cannot be
    printed, and NULL for a column with neither."""
    if facts["serial"] or facts["identity"]:
        sequence = relation_sql(owned_sequence(table, facts["column"]), table, qualified)
        return f"nextval({quote_literal(sequence)})"
    for con in column_def_constraints(col):
        if con.get("contype") in ("CONSTR_DEFAULT", "CONSTR_GENERATED"):
            return expression_sql(con.get("raw_expr")) or "DEFAULT"
    return "NULL"


def _refused_in_add(b: _Builder, table: str, foreign: list[tuple[dict, str | None]]
                    ) -> list[str]:
    """The foreign keys an ALTER TABLE adds (FOREIGN KEY nodes, with the column each is
    written on) that PostgreSQL refuses for want of a key (`refused_reference`): one to the
    table itself may point at the keys and columns the same statement adds."""
    out = []
    for con, column in foreign:
        target = range_var(con.get("pktable"))[0]
        keys, columns = _added_by_alter(b.subcommands) if target == table else ((), ())
        why = refused_reference(b.ctx.catalog, target, tuple(strings(con.get("pk_attrs"))),
                                keys, columns)
        if why:
            out.append(_reference_text(table, con, column, why))
    return out


def _added_by_alter(subcommands: Sequence[dict]) -> tuple[list[Key], frozenset[str]]:
    """The keys and columns an ALTER TABLE adds: a foreign key of the same statement may point
    at them (PostgreSQL adds foreign keys last). Found only for a foreign key to the table
    itself: every ALTER TABLE paid for it before."""
    added = [unwrap(cmd.get("def"))[1] for cmd in subcommands
             if cmd.get("subtype") == "AT_AddColumn"]
    keys = keys_written(
        [(unwrap(cmd.get("def"))[1], None) for cmd in subcommands
         if cmd.get("subtype") == "AT_AddConstraint"]
        + [(con, col.get("colname")) for col in added for con in column_def_constraints(col)])
    return keys, frozenset(col.get("colname", "") for col in added)


def _drop_column(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.ACCESS_EXCLUSIVE)
    col = cmd.get("name", "")
    # Foreign keys over the column are dropped with it, and dropping one takes ACCESS
    # EXCLUSIVE on the table at its other end too (as DROP CONSTRAINT; seen by `verify`).
    for other in _fk_partners(b.ctx.catalog, table, col):
        b.lock(other, L.ACCESS_EXCLUSIVE)
    if cmd.get("behavior") == "DROP_CASCADE":
        _drop_views_using(b, table, col)
    if base.get("only") and "recursed_from" not in base:
        # ONLY leaves the children's column in place, now their own (attislocal): each direct
        # child's catalog row changes under ACCESS EXCLUSIVE (tablecmds.c ATExecDropColumn).
        for child in _direct_inheritance_children(b.ctx.catalog, table):
            b.lock(child, L.ACCESS_EXCLUSIVE)
    b.drops.add(f"column:{table}.{col}")
    for idx in b.ctx.catalog.indexes_on(table):
        if col in idx.columns:
            b.drops.add(f"index:{idx.name}")
    b.act("drop_column", base, column=col, if_exists=bool(cmd.get("missing_ok")),
          column_is_new=b.ctx.column_is_new(table, col),
          cascade=cmd.get("behavior") == "DROP_CASCADE",
          column_known=b.ctx.catalog.column(table, col) is not None,
          **_views_using(b, table, col))


def _dropped_column(b: _Builder, table: str, column: str, why: str) -> None:
    """A column another object's DROP ... CASCADE takes with it: its data is lost as with
    DROP COLUMN (a drop_column action of its own, for the rules about lost data)."""
    b.lock(table, L.ACCESS_EXCLUSIVE)
    _drop_views_using(b, table, column)
    b.drops.add(f"column:{table}.{column}")
    b.act("drop_column", _table_facts(b, table, True), column=column, if_exists=False,
          cascade=True, column_known=True, dropped_by=why,
          column_is_new=b.ctx.column_is_new(table, column), **_views_using(b, table, column))


def _drop_views_using(b: _Builder, table: str, column: str) -> None:
    """Views using a column that CASCADE drops go with it, and the views over them. Not in
    `drops`, which names what the statement drops by name (as for DROP TABLE ... CASCADE): the
    conflict graph reports the views dropped silently."""
    catalog = b.ctx.catalog
    for view in catalog.views_using_column(table, column):
        for dropped in (view, *catalog.views_over(view)):
            b.lock(dropped, L.ACCESS_EXCLUSIVE)


def _views_using(b: _Builder, table: str, column: str) -> dict:
    """Facts naming the views whose query uses the column: PostgreSQL refuses to drop it
    (without CASCADE) or change its type while they exist (checked on the server)."""
    views = tuple(b.ctx.catalog.views_using_column(table, column))
    return {"used_by_views": views, "used_by_views_text": ", ".join(views)}


def _alter_column_type(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.ACCESS_EXCLUSIVE)
    colname = cmd.get("name", "")
    # A foreign key over the column, on either side, is dropped and re-created: that takes
    # ACCESS EXCLUSIVE on the table at its other end too (checked on the server).
    for other in _fk_partners(b.ctx.catalog, table, colname):
        b.lock(other, L.ACCESS_EXCLUSIVE)
    _, coldef = unwrap(cmd.get("def"))
    new, new_mods, new_array = b.ctx.catalog.column_type(coldef.get("typeName"))
    using = coldef.get("raw_default")
    old_col = b.ctx.catalog.known_column(table, colname)
    read_again = ""
    if old_col is None:
        rewrites, why = True, "old type unknown (table not created by these migrations)" \
            if b.ctx.catalog.sure_of(table) else "old type unknown (a DO block may have changed it)"
        old_type = ""
    else:
        old_type = old_col.type_text
        old_base = _base_type(b.ctx.catalog, old_col.type_name, old_col.typmods, old_col.array)
        new_base = _base_type(b.ctx.catalog, new, new_mods, new_array)
        if b.ctx.catalog.is_constrained_domain(new):
            rewrites, why = True, f"domain {new} has a constraint: every value is checked " \
                "and stored"
        elif old_base[2] != new_base[2]:
            rewrites, why = True, "array-ness changes"
        else:
            rewrites, why = type_change_rewrites(
                old_base[0], old_base[1], new_base[0], new_base[1], b.ctx.pg_version,
                b.ctx.session_timezone_utc, array=new_base[2])
        if using is not None and not _using_is_plain_cast(using, colname):
            rewrites, why = True, "USING expression computes every value"
        if not rewrites:
            read_again = _kept_values_scans(b, table, colname, old_base[0], new_base[0],
                                            old_col.collation != collation_name(coldef))
    if rewrites:
        b.rewrite(table, f"column type change: {why}")
        # The re-created foreign keys are validated again: the other end is read too.
        for other in _fk_partners(b.ctx.catalog, table, colname):
            b.scan(other, "foreign key re-validation after the type change")
    b.alters.add(f"column:{table}.{colname}")
    b.act("alter_column_type", base, column=colname, old_type=old_type, new_type=new,
          new_typmods=new_mods,
          new_type_text=type_sql(new, new_mods, new_array),
          length_sql=str(new_mods[0]) if new_mods else "<n>",
          rewrites=rewrites, rewrite_reason=why, has_using=using is not None,
          reads_table_again=bool(read_again), read_again_reason=read_again,
          old_type_known=old_col is not None,
          old_type_name=old_col.type_name if old_col is not None else "",
          indexed=any(colname in i.columns for i in b.ctx.catalog.indexes_on(table)),
          column_not_null=bool(old_col and old_col.not_null),
          column_has_default=bool(old_col and old_col.default),
          column_constraints=column_constraints(b.ctx.catalog, table, colname),
          **_views_using(b, table, colname))


#: Domains over domains are followed this deep at most (a guard against a cycle that only
#: hand-built or wrong input can make).
_DOMAIN_DEPTH = 8


def _base_type(catalog, name: str, mods: tuple[int, ...],
               array: bool) -> tuple[str, tuple[int, ...], bool]:
    """A column type as PostgreSQL stores it: a domain's values are its base type's (a
    domain without constraints converts to and from it as a relabel, checked on the server)."""
    for _ in range(_DOMAIN_DEPTH):
        domain = catalog.domain(name)
        if domain is None:
            break
        name, mods, array = domain.base, domain.typmods, array or domain.array
    return name, mods, array


def _kept_values_scans(b: _Builder, table: str, column: str, old: str, new: str,
                       collation_changes: bool) -> str:
    """A type change that keeps the stored values still reads the table: the CHECKs on the
    column are re-added and validated again, and its indexes are rebuilt when their operator
    class or collation changes (checked on the server). Returns what reads it ("" if
    nothing): all of it happens under the statement's ACCESS EXCLUSIVE lock."""
    known = b.ctx.catalog.known_table(table)
    if known is None:
        return ""
    reasons: list[str] = []
    for con in known.constraints.values():
        if con.kind == "check" and con.validated and (
                column in con.columns or column in columns_read(con.expr)):
            reasons.append(f"CHECK {con.name} is validated again after the type change")
            break
    if parent_index := _partitioned_index_over(b.ctx.catalog, known, column):
        reasons.append(f"its part of partitioned index {parent_index} is rebuilt")
    elif rebuilt := _index_rebuilt(b.ctx.catalog, known, column, old, new, collation_changes):
        reasons.append(rebuilt)
    for why in reasons:
        b.scan(table, why)
    return "; ".join(reasons)


def _index_rebuilt(catalog: Catalog, known: Table, column: str, old: str, new: str,
                   collation_changes: bool) -> str:
    """Which index over `column` a type change that keeps the values builds again ("" if
    none): one whose operator class or collation changes."""
    if not (collation_changes or type_change_rebuilds_indexes(old, new)):
        return ""
    why = "collation" if collation_changes else "operator class"
    for idx in catalog.indexes_on(known.name):
        if column in idx.columns or column in idx.reads:
            return f"index {idx.name} is rebuilt: its {why} changes"
    for con in known.constraints.values():
        if con.kind in ("primary", "unique", "exclude") and column in con.columns:
            return f"index of {con.name} is rebuilt: its {why} changes"
    return ""


def _partitioned_index_over(catalog: Catalog, partition: Table, column: str) -> str:
    """The index (or UNIQUE / PRIMARY KEY / EXCLUDE constraint) of a partitioned ancestor of
    `partition` over `column`, "" when none. A type change never reuses a partition's part of
    such an index, as it does a plain index whose operator class stays: each is built again
    from the partition's rows, even when the values are kept (checked on the server)."""
    seen: set[str] = set()
    parent = partition.partition_of
    while parent and parent not in seen:
        seen.add(parent)
        for idx in catalog.indexes_on(parent):
            if column in idx.columns or column in idx.reads:
                return idx.name
        ancestor = catalog.tables.get(parent)
        if ancestor is None:
            return ""
        for con in ancestor.constraints.values():
            if con.kind in ("primary", "unique", "exclude") and column in con.columns:
                return con.name
        parent = ancestor.partition_of
    return ""


def column_constraints(catalog: Catalog, table: str, column: str) -> tuple[str, ...]:
    """The constraints that `table.column` takes part in (CHECK, FOREIGN KEY, UNIQUE, PRIMARY
    KEY, EXCLUDE; as `table.constraint` for a foreign key of another table that references
    it): what dropping the column drops with it, or refuses to drop."""
    known = catalog.tables.get(table)
    own = [c.name for c in (known.constraints.values() if known else ())
           if column in c.columns or (c.kind == "check" and column in columns_read(c.expr))]
    key = next((c.columns for c in known.constraints.values() if c.kind == "primary"),
               ()) if known else ()
    incoming = [f"{other}.{c.name}" for other, c in catalog.referencing(table)
                if column in (c.ref_columns or key) and not (other == table and c.name in own)]
    return tuple(sorted(own)) + tuple(sorted(incoming))


def _fk_partners(catalog, table: str, column: str) -> set[str]:
    """Tables at the other end of the foreign keys that `table.column` takes part in."""
    out: set[str] = set()
    known = catalog.tables.get(table)
    for con in known.constraints.values() if known else ():
        if con.kind == "foreign" and con.references and column in con.columns:
            out.add(con.references)
    key = next((c.columns for c in known.constraints.values() if c.kind == "primary"),
               ()) if known else ()
    for other, con in catalog.referencing(table):
        if column in (con.ref_columns or key):  # no column list: the primary key
            out.add(other)
    out.discard(table)
    # A partitioned partner holds the key (or its triggers) on each partition too.
    return out | {part for other in out for part in catalog.partitions(other)}


def _using_is_plain_cast(expr: dict, column: str) -> bool:
    kind, body = unwrap(expr)
    if kind == "TypeCast":
        kind, body = unwrap(body.get("arg"))
    return kind == "ColumnRef" and strings(body.get("fields"))[-1:] == [column]


def _column_default(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.ACCESS_EXCLUSIVE)
    col = cmd.get("name", "")
    b.alters.add(f"column:{table}.{col}")
    expr = cmd.get("def")
    if expr is None:
        b.act("drop_default", base, column=col)
    else:
        vol = volatile_functions(expr, b.ctx.catalog.functions)
        b.act("set_default", base, column=col, default_volatile=bool(vol),
              volatile_functions=tuple(vol))


def _set_not_null(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.ACCESS_EXCLUSIVE)
    col = cmd.get("name", "")
    known = b.ctx.catalog.known_table(table)
    proven = _not_null_proven(b, table, col)
    column = known.columns.get(col) if known is not None else None
    already = column is not None and column.not_null
    if not proven and not already:
        b.scan(table, "SET NOT NULL checks every row")
    b.alters.add(f"column:{table}.{col}")
    b.act("set_not_null", base, column=col, proven_by_check=proven, already_not_null=already)


def _not_null_proven(b: _Builder, table: str, column: str) -> bool:
    """Whether a validated CHECK proves `column` has no NULLs, so that PostgreSQL 12+ makes it
    NOT NULL without reading the table (SET NOT NULL, and 18's ADD CONSTRAINT ... NOT NULL)."""
    known = b.ctx.catalog.known_table(table)
    return known is not None and b.ctx.pg_version >= 12 and any(
        c.kind == "check" and c.validated and column in c.not_null_columns
        for c in known.constraints.values())


def _drop_not_null(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.ACCESS_EXCLUSIVE)
    col = cmd.get("name", "")
    b.alters.add(f"column:{table}.{col}")
    b.act("drop_not_null", base, column=col)


_CONTYPES = {
    "CONSTR_CHECK": "check", "CONSTR_FOREIGN": "foreign", "CONSTR_UNIQUE": "unique",
    "CONSTR_PRIMARY": "primary", "CONSTR_EXCLUSION": "exclude", "CONSTR_NOTNULL": "not_null",
}
#: How a message names each kind of constraint (`constraint_kind_text`).
_CONSTRAINT_KIND_TEXT = {
    "check": "CHECK constraint", "foreign": "foreign key", "unique": "UNIQUE constraint",
    "primary": "PRIMARY KEY", "exclude": "EXCLUDE constraint", "not_null": "NOT NULL constraint",
}


def _add_constraint(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    _, con = unwrap(cmd.get("def"))
    kind = _CONTYPES.get(con.get("contype", ""), "other")
    not_valid = bool(con.get("skip_validation"))
    using_index = con.get("indexname")
    # An unnamed constraint gets the name PostgreSQL will give it: messages and the safe
    # alternative (which validates it by name later) need one.
    name = constraint_name(b.ctx.catalog, con, table, freed=b.freed_names)
    columns = tuple(strings(con.get("fk_attrs") if kind == "foreign" else con.get("keys")))
    facts = {**base, "constraint": name, "constraint_type": kind,
             "constraint_kind_text": _CONSTRAINT_KIND_TEXT.get(kind, "constraint"),
             "not_valid": not_valid,
             "using_index": using_index or "", "columns": columns,
             "columns_text": ", ".join(columns), "ref_table": "", "ref_columns": (),
             "fk_has_index": True, **_refused_facts([]), "partitioned_table":
                 (b.ctx.catalog.tables.get(table) or _NO_TABLE).kind == "partitioned"}
    if kind == "not_null" and columns:  # NOT NULL names exactly one column
        facts["column"] = columns[0]
    if kind == "check":  # for the safe alternative, which adds it again NOT VALID
        facts["check_sql"] = PrintedSql(con.get("raw_expr"), "the_check_expression")
    if not_valid:  # validate-in-same-transaction moves it to a migration of its own
        facts["constraint_sql"] = PrintedSql(
            {"Constraint": {k: v for k, v in con.items() if k != "conname"}},
            "CHECK (the_condition) NOT VALID /* replace: the constraint as first added */")
    if kind == "foreign":
        ref, _ = range_var(con.get("pktable"))
        b.lock(table, L.SHARE_ROW_EXCLUSIVE)
        equal = _equal_foreign_key(b.ctx.catalog, table, con) \
            if base.get("recursed_from") else None
        if equal is not None:  # taken over as the clone, as on ATTACH (_clone_foreign_keys)
            _drop_fk_triggers(b, ref)
        else:
            _fk_target(b, ref)
        ref_cols = tuple(strings(con.get("pk_attrs")))
        facts.update(ref_table=ref, ref_table_name=ref.split(".", 1)[-1], ref_columns=ref_cols,
                     ref_table_sql=(ref if range_var(con.get("pktable"))[1]
                                    else ref.split(".", 1)[-1]),
                     ref_columns_text=", ".join(ref_cols),
                     table_is_filled=b.ctx.table_is_filled(table),
                     ref_table_is_new=b.ctx.table_is_new(ref),
                     # a self-referencing key locks its one table once
                     locked_tables_text=table if ref == table else f"{table} and {ref}",
                     fk_has_index=b.ctx.catalog.has_index_leading_with(table, columns))
        # Only a table these migrations created has a fully known set of indexes.
        known = b.ctx.catalog.tables.get(table)
        facts["indexes_known"] = known is not None and known.created_by is not None
        if not base.get("recursed_from"):
            facts.update(_refused_facts(_refused_in_add(b, table, [(con, None)])))
        if not not_valid and (equal is None or not equal.validated):
            b.scan(table, "foreign key validation")
            _scan_fk_lookups(b, ref)
    else:
        b.lock(table, L.ACCESS_EXCLUSIVE)
        if kind == "primary" and base.get("only") and not base.get("recursed_from"):
            _only_primary_key_descendants(b, table, columns)
        if kind in ("unique", "primary", "exclude") and not using_index:
            if base.get("recursed_from"):
                why = _partition_constraint_scan(b.ctx.catalog, table, kind, columns)
            else:
                why = "index build"
            if why:
                b.scan(table, why)
            if kind != "exclude":
                facts.update(_partitioned_constraint_facts(b, table, name, kind, columns, base))
        elif kind == "primary" and using_index:
            t = b.ctx.catalog.tables.get(table)
            # USING INDEX names no columns: they are the index's.
            idx = b.ctx.catalog.indexes.get(f"{table.split('.', 1)[0]}.{using_index}")
            key = idx.columns if idx is not None else columns
            nullable = [c for c in key if t and c in t.columns and not t.columns[c].not_null]
            facts["pk_nullable_columns"] = tuple(nullable)
            facts["pk_nullable_columns_text"] = ", ".join(nullable)
            if nullable or t is None or idx is None:
                b.scan(table, "PRIMARY KEY checks the columns are NOT NULL")
        elif kind == "check" and not not_valid and not _check_not_checked_here(b, table, name,
                                                                                con, base):
            b.scan(table, "CHECK validation")
        elif kind == "not_null":  # PostgreSQL 18+
            facts["proven_by_check"] = proven = all(
                _not_null_proven(b, table, c) for c in columns)
            if not not_valid and not proven:
                b.scan(table, "NOT NULL validation")
    if using_index:
        # The index must exist; attaching it renames it to the constraint's name.
        b.reads.add(f"index:{table.split('.', 1)[0]}.{using_index}")
    b.alters.add(f"table:{table}")
    if con.get("conname"):
        b.creates.add(f"constraint:{table}.{name}")
    b.act("add_constraint", facts)


def _only_primary_key_descendants(b: _Builder, table: str, columns: tuple[str, ...]) -> None:
    """`ALTER TABLE ONLY t ADD PRIMARY KEY` on a key column not yet NOT NULL: the NOT NULL it
    adds to `t` must hold on every partition and inheritance descendant (the statement fails
    where it does not), each locked ACCESS EXCLUSIVE to check it, not read (checked on the
    server). A key named by USING INDEX has columns the statement does not write: counted as
    not NOT NULL."""
    catalog = b.ctx.catalog
    if columns and all(_not_null_in(catalog, table, c) for c in columns):
        return
    for rel in catalog.partitions(table) + catalog.inheritance_children(table):
        b.lock(rel, L.ACCESS_EXCLUSIVE)


def _check_not_checked_here(b: _Builder, table: str, name: str, con: dict,
                            base: dict) -> bool:
    """A CHECK added to a parent that this child does not check: NO INHERIT keeps it off
    the children (they are locked all the same), and a child that has a CHECK of that name
    already has it merged into that one (tablecmds.c MergeWithExistingConstraint; the server
    refuses to merge into a NOT VALID one)."""
    if not base.get("recursed_from"):
        return False
    if con.get("is_no_inherit"):
        return True
    own = (t := b.ctx.catalog.tables.get(table)) and t.constraints.get(name)
    return bool(own) and own.kind == "check"


def _partition_constraint_scan(catalog: Catalog, part: str, kind: str,
                               columns: tuple[str, ...]) -> str:
    """What a UNIQUE / PRIMARY KEY added to a partitioned table reads of partition `part`
    (empty: nothing). A partition with a UNIQUE or PRIMARY KEY constraint over the same
    columns, in the same order, has that constraint attached instead of a new index built;
    a primary key still reads it when a column may be NULL there (checked on the server)."""
    known = catalog.tables.get(part)
    if known is None or not any(c.kind in ("unique", "primary") and c.columns == columns
                                for c in known.constraints.values()):
        return "index build"
    if kind == "primary" and not all(_not_null_in(catalog, part, c) for c in columns):
        return "PRIMARY KEY checks the columns are NOT NULL"
    return ""


def _not_null_in(catalog: Catalog, table: str, column: str) -> bool:
    """Whether `column` is NOT NULL in `table`: also when a table above it, a partition,
    has it so (PostgreSQL makes every partition follow)."""
    return any((col := t.columns.get(column)) is not None and col.not_null
               for t in _lineage(catalog, table))


def _partitioned_constraint_facts(b: _Builder, table: str, name: str, kind: str,
                                  columns: tuple[str, ...], base: dict) -> dict:
    """Facts of a UNIQUE / PRIMARY KEY added to a partitioned table: the leaf partitions it
    would read (those without a matching constraint yet), and the way to prepare them first."""
    catalog = b.ctx.catalog
    if (catalog.tables.get(table) or _NO_TABLE).kind != "partitioned" or \
            base.get("recursed_from"):
        return {}
    leaves = () if base.get("only") else tuple(
        p for p in catalog.partitions(table)
        if (catalog.tables.get(p) or _NO_TABLE).kind != "partitioned"
        and _partition_constraint_scan(catalog, p, kind, columns))
    nullable = tuple(c for c in columns if not _not_null_in(catalog, table, c))
    constraint = name or default_constraint_name(catalog, table, columns, kind)
    return {"partitions_to_index": leaves,
            "partitions_to_index_text": ", ".join(leaves),
            "partitioned_constraint_sql": partitioned_constraint_sql(
                catalog, table, base["qualified"], constraint, kind == "primary", columns,
                leaves, nullable) if leaves else ""}


def _validate_constraint(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    name = cmd.get("name", "")
    b.lock(table, L.SHARE_UPDATE_EXCLUSIVE)
    known = b.ctx.catalog.tables.get(table)
    con = known.constraints.get(name) if known else None
    # A constraint valid already is left as it is: nothing read, the referenced table of a
    # foreign key not even locked (checked on the server).
    already = con is not None and con.validated
    if not already:
        if con is not None and con.kind == "foreign" and con.references:
            b.lock(con.references, L.ROW_SHARE)
            _scan_fk_lookups(b, con.references)
        b.scan(table, "constraint validation")
    b.alters.add(f"constraint:{table}.{name}")
    b.act("validate_constraint", base, constraint=name,
          constraint_type=con.kind if con else "", already_valid=already)


def _drop_constraint(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    name = cmd.get("name", "")
    b.lock(table, L.ACCESS_EXCLUSIVE)
    known = b.ctx.catalog.tables.get(table)
    con = known.constraints.get(name) if known else None
    if con is not None and con.kind == "foreign" and con.references:
        _drop_fk_triggers(b, con.references)
    if base.get("only") and "recursed_from" not in base and \
            _inherited_check(b.ctx.catalog, table, name):
        # ONLY leaves the children's copy in place, now their own (conislocal): each direct
        # child's catalog row changes under ACCESS EXCLUSIVE (checked on the server).
        for child in _direct_inheritance_children(b.ctx.catalog, table):
            b.lock(child, L.ACCESS_EXCLUSIVE)
    if con is not None and con.kind in ("primary", "unique") and con.columns and \
            cmd.get("behavior") == "DROP_CASCADE":
        # The foreign keys that use its index are dropped with it (checked on the server).
        key = set(con.columns)
        for other, fk in b.ctx.catalog.referencing(table):
            if set(fk.ref_columns or b.ctx.catalog.primary_key(table)) == key:
                b.lock(other, L.ACCESS_EXCLUSIVE)
                b.drops.add(f"constraint:{other}.{fk.name}")
    b.drops.add(f"constraint:{table}.{name}")
    b.act("drop_constraint", base, constraint=name, if_exists=bool(cmd.get("missing_ok")),
          constraint_type=con.kind if con else "")


def _alter_constraint(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    _, alter = unwrap(cmd.get("def"))
    name = alter.get("conname", "")
    catalog = b.ctx.catalog
    b.lock(table, L.ACCESS_EXCLUSIVE)
    # Each partition holds a clone of the constraint, altered with it (checked on the server).
    partitions = catalog.partitions(table)
    for part in partitions:
        b.lock(part, L.ACCESS_EXCLUSIVE)
    known = catalog.tables.get(table)
    con = known.constraints.get(name) if known else None
    enforce = bool(alter.get("is_enforced"))
    if alter.get("alterEnforceability") and b.ctx.pg_version >= 18 and con is not None \
            and con.kind == "foreign" and con.references and con.enforced != enforce:
        if enforce:  # validated as ADD FOREIGN KEY is (checked on the server)
            _fk_target(b, con.references)
            for rel in (table, *partitions):
                b.scan(rel, "foreign key validation (ENFORCED)")
            _scan_fk_lookups(b, con.references)
        else:  # its triggers on the referenced table (each partition of it) are dropped
            _drop_fk_triggers(b, con.references)
    if alter.get("alterInheritability"):
        _alter_not_null_inheritance(b, table, inherit=not alter.get("noinherit"))
    b.alters.add(f"constraint:{table}.{name}")
    b.act("alter_table_other", base, subcommand="alterconstraint", constraint=name,
          constraint_type=con.kind if con else "")


def _alter_not_null_inheritance(b: _Builder, table: str, inherit: bool) -> None:
    """PostgreSQL 18's ALTER CONSTRAINT ... [NO] INHERIT of a NOT NULL constraint: NO INHERIT
    leaves the direct children their copy, now their own; INHERIT adds it to every descendant,
    each read to check it (the model does not know which of them have the column NOT NULL
    already, and counts them all as read). Checked on the server."""
    catalog = b.ctx.catalog
    if not inherit:
        for child in _direct_inheritance_children(catalog, table):
            b.lock(child, L.ACCESS_EXCLUSIVE)
        return
    for child in catalog.inheritance_children(table):
        b.lock(child, L.ACCESS_EXCLUSIVE)
        b.scan(child, "NOT NULL constraint inherited: the child's rows are checked")


def _set_expression(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    column = cmd.get("name", "")
    b.lock(table, L.ACCESS_EXCLUSIVE)
    known = b.ctx.catalog.known_column(table, column)
    # A stored column (all there is before 18; the unknown one counts as stored) is computed
    # anew for every row: a rewrite (checked on the server). A virtual one stores nothing.
    if known is None or not known.virtual:
        b.rewrite(table, "SET EXPRESSION recomputes the stored generated column")
    b.alters.add(f"column:{table}.{column}")
    b.act("alter_table_other", base, subcommand="setexpression", column=column)


def _simple(kind: str, mode: LockMode, rewrite: str | None = None,
            transactional: bool = True) -> Callable:
    def handler(b: _Builder, table: str, cmd: dict, base: dict) -> None:
        b.lock(table, mode)
        if rewrite:
            b.rewrite(table, rewrite)
        if not transactional:
            b.transactional = False
        extra = {}
        if cmd.get("name"):
            extra["column" if kind.startswith("column_") else "name"] = cmd["name"]
        b.act(kind, base, **extra)
    return handler


def _set_persistence(logged: bool) -> Callable:
    def handler(b: _Builder, table: str, cmd: dict, base: dict) -> None:
        b.lock(table, L.ACCESS_EXCLUSIVE)
        known = b.ctx.catalog.tables.get(table)
        # A table these migrations created, known to be so already, is left as it is: no
        # rewrite (checked on the server). One created elsewhere may be either.
        unchanged = known is not None and known.created_by is not None and \
            b.ctx.catalog.sure_of(table) and known.unlogged != logged
        if not unchanged:
            b.rewrite(table, f"SET {'LOGGED' if logged else 'UNLOGGED'} rewrites the table")
        b.act("set_logged" if logged else "set_unlogged", base, unchanged=unchanged)
    return handler


def _attach_partition(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    _, spec = unwrap(cmd.get("def"))
    part, qualified = range_var(spec.get("name"))
    b.lock(table, L.SHARE_UPDATE_EXCLUSIVE if b.ctx.pg_version >= 12 else L.ACCESS_EXCLUSIVE)
    catalog = b.ctx.catalog
    # The whole tree of the attached table is locked up front (to refuse a cycle), and the
    # partition constraint of `table` itself is worked out from its ancestors' bounds, read
    # under ACCESS SHARE (checked on the server).
    for rel in (part, *catalog.partitions(part)):
        b.lock(rel, L.ACCESS_EXCLUSIVE)
    for ancestor in _lineage(catalog, table)[1:]:
        b.lock(ancestor.name, L.ACCESS_SHARE)
    bound = spec.get("bound") or {}
    parent = catalog.tables.get(table)
    # A bound that constrains nothing is proven without a CHECK.
    proven = _bound_is_empty(catalog, table, bound) or bound_proven_by_checks(
        parent, catalog.tables.get(part), bound)
    if not proven:
        _check_partition_rows(
            b, part, lambda rel: bound_proven_by_checks(parent, catalog.tables.get(rel), bound),
            "partition bound check: no validated CHECK constraint proves the bound")
    _check_default_partition(b, table, bound)
    _clone_foreign_keys(b, table, validate=None if b.ctx.table_is_new(part) else part,
                        attached=part)
    b.alters.add(f"table:{part}")
    bound_from, bound_to = range_bounds_sql(bound) or ("<from>", "<to>")
    b.act("attach_partition", base, partition=part,
          partition_sql=part if qualified else part.split(".", 1)[1],
          partition_is_new=b.ctx.table_is_new(part), bound_proven_by_check=proven,
          partition_key=parent.partition_key if parent else (),
          partition_key_text=", ".join(parent.partition_key if parent else ()) or "<key>",
          default_partition=bool(bound.get("is_default")),
          bound_from_sql=bound_from, bound_to_sql=bound_to)


def _equal_foreign_key(catalog: Catalog, part: str, con: dict) -> Constraint | None:
    """The key of partition `part`, its own or a clone of one above it, that PostgreSQL takes
    for the clone of foreign key `con` being added to a table above it, instead of making a
    new one (tablecmds.c tryAttachPartitionForeignKey; checked on the server)."""
    added = constraint_from(catalog, con, part)
    if added is None:
        return None
    return next((mine for mine in catalog.inherited_foreign_keys(part)
                 if catalog.same_foreign_key(added, mine)), None)


def _clone_foreign_keys(b: _Builder, parent: str, validate: str | None,
                        attached: str | None = None) -> None:
    """A new partition takes on the foreign keys of `parent` and the tables above it, both
    ways (checked on the server). Those it holds take SHARE ROW EXCLUSIVE on the tables they
    reference, whose rows are read to check the partition's (`validate`, an attached table
    with rows; not for a NOT VALID or NOT ENFORCED key); ACCESS EXCLUSIVE instead when the
    `attached` table has an equal key of its own, which becomes the clone and loses its
    triggers there (its rows are not read again if that key is valid). Those that reference
    them hold SHARE ROW EXCLUSIVE on the referencing tables."""
    catalog = b.ctx.catalog
    own = catalog.tables.get(attached) if attached else None
    for con in catalog.inherited_foreign_keys(parent):
        equal = next((mine for mine in own.constraints.values()
                      if catalog.same_foreign_key(con, mine)), None) if own else None
        if equal is not None:
            _drop_fk_triggers(b, con.references)
        else:
            _fk_target(b, con.references)
        if validate and con.validated and con.enforced and (
                equal is None or not equal.validated):
            b.scan(validate, "foreign key validation of the attached rows")
            _scan_fk_lookups(b, con.references)
    for known in _lineage(catalog, parent):
        for other, _ in catalog.referencing(known.name):
            if other != known.name:
                b.lock(other, L.SHARE_ROW_EXCLUSIVE)


def _check_default_partition(b: _Builder, parent: str, bound: dict) -> None:
    """A new partition's bound takes rows from the DEFAULT partition's range: PostgreSQL locks
    the DEFAULT partition and reads it in full to check that none of its rows belong there."""
    default = b.ctx.catalog.default_partition_of(parent)
    if default is not None and not bound.get("is_default"):
        b.lock(default, L.ACCESS_EXCLUSIVE)
        _check_partition_rows(b, default, lambda _: False,
                              "the DEFAULT partition is checked for rows of the new partition")


def _check_partition_rows(b: _Builder, rel: str, proven: Callable[[str], bool],
                          why: str) -> None:
    """How PostgreSQL checks that the rows of `rel` fit a partition constraint (tablecmds.c
    QueuePartitionConstraintValidation): not at all when `rel`'s CHECKs prove it; a table
    with rows is read in full; a partitioned one has each of its partitions locked ACCESS
    EXCLUSIVE and checked the same way, so only the leaves not proven are read."""
    if proven(rel):
        return
    catalog = b.ctx.catalog
    if (catalog.tables.get(rel) or _NO_TABLE).kind != "partitioned":
        b.scan(rel, why)
        return
    for child in catalog.direct_partitions(rel):
        b.lock(child, L.ACCESS_EXCLUSIVE)
        _check_partition_rows(b, child, proven, why)


def _bound_is_empty(catalog: Catalog, parent: str, bound: dict) -> bool:
    """A DEFAULT partition of a table with no other partition takes every row: its partition
    constraint is empty and nothing is read (checked on the server)."""
    return bool(bound.get("is_default")) and not catalog.direct_partitions(parent)


def _detach_partition(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    _, spec = unwrap(cmd.get("def"))
    part, qualified = range_var(spec.get("name"))
    concurrently = bool(spec.get("concurrent"))
    if concurrently:
        b.lock(table, L.SHARE_UPDATE_EXCLUSIVE)
        b.transactional = False
    else:
        _lock_partition_set(b, table)
        # The foreign keys that reference the parent, or a table above it, lose the
        # partition's rows: the referencing tables are locked and read for rows that point
        # into it; a referenced table above is opened ACCESS SHARE (checked on the server).
        for level, known in enumerate(_lineage(b.ctx.catalog, table)):
            for other, _ in b.ctx.catalog.referencing(known.name):
                if other != known.name:
                    if level:
                        b.lock(known.name, L.ACCESS_SHARE)
                    b.lock(other, L.ACCESS_EXCLUSIVE)
                    b.scan(other,
                           "foreign key check: no row may reference the detached partition")
    b.lock(part, L.ACCESS_EXCLUSIVE)
    if not concurrently:  # a partitioned partition goes with its whole tree
        for rel in b.ctx.catalog.partitions(part):
            b.lock(rel, L.ACCESS_EXCLUSIVE)
    # The partition's clones of the foreign keys above it become its own, with their own
    # triggers on the referenced tables (checked on the server, PostgreSQL 18).
    for con in b.ctx.catalog.inherited_foreign_keys(table):
        if con.references != table:
            _fk_target(b, con.references)
    b.alters.add(f"table:{part}")
    b.act("detach_partition", base, partition=part, concurrently=concurrently,
          partition_sql=part if qualified else part.split(".", 1)[1])


def _set_tablespace(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.ACCESS_EXCLUSIVE)
    # A table created without TABLESPACE lives in the database default (pg_default unless the
    # database was created otherwise): moving it there is a no-op, checked on the server. The
    # copy of the data files is a new relfilenode, but not a scan.
    if cmd.get("name", "") != "pg_default":
        b.rewrites.add(table)
    b.act("set_tablespace", base, tablespace=cmd.get("name", ""))


def _lineage(catalog: Catalog, table: str) -> list[Table]:
    """`table` and the partitioned tables above it, nearest first (those known)."""
    out: list[Table] = []
    current = catalog.tables.get(table)
    while current is not None and all(current.name != t.name for t in out):
        out.append(current)
        current = catalog.tables.get(current.partition_of) if current.partition_of else None
    return out


def _is_row_trigger(catalog: Catalog, table: str, name: str) -> bool:
    """Whether trigger `name` of `table` fires FOR EACH ROW. A partition holds, under the same
    name, a clone of each row trigger of the tables above it, known to the catalog only there.
    A trigger the catalog does not know counts as a row trigger: the one that locks more."""
    for known in _lineage(catalog, table):
        if name in known.triggers:
            return known.triggers[name].row
    return True


def _toggles_row_triggers(b: _Builder, table: str, cmd: dict) -> bool:
    """Whether ENABLE / DISABLE TRIGGER reaches a row trigger, which PostgreSQL then toggles on
    each partition too (checked on the server): the one named, or any user trigger (USER), or
    any trigger, also the internal ones of the foreign keys from and to the table (ALL)."""
    sub = cmd.get("subtype", "")
    if not sub.endswith(("TrigAll", "TrigUser")):
        return _is_row_trigger(b.ctx.catalog, table, cmd.get("name", ""))
    lineage = _lineage(b.ctx.catalog, table)
    if any(t.row for known in lineage for t in known.triggers.values()):
        return True
    return sub.endswith("TrigAll") and (
        any(c.kind == "foreign" for known in lineage for c in known.constraints.values())
        or any(b.ctx.catalog.referencing(known.name) for known in lineage))


def _trigger_toggle(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.SHARE_ROW_EXCLUSIVE)
    b.act("alter_trigger_state", base, trigger=cmd.get("name", ""),
          subcommand=cmd.get("subtype", "").replace("AT_", "").lower())


def _set_options(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    # Storage parameters that only steer autovacuum/planner take SHARE UPDATE EXCLUSIVE.
    defs = cmd.get("def") or ()
    if isinstance(defs, dict):  # pglast gives {'List': {'items': [...]}}
        defs = unwrap(defs)[1].get("items") or ()
    names = [unwrap(d)[1].get("defname", "") for d in defs]
    light = all(n == "fillfactor" or n.startswith(("autovacuum_", "toast.autovacuum_")) or n in
                {"parallel_workers", "vacuum_truncate", "vacuum_index_cleanup",
                 "toast_tuple_target", "log_autovacuum_min_duration",
                 "vacuum_max_eager_freeze_failure_rate"}  # PostgreSQL 18
                for n in names)
    b.lock(table, L.SHARE_UPDATE_EXCLUSIVE if light else L.ACCESS_EXCLUSIVE)
    b.act("set_storage_parameters", base, parameters=tuple(names))


def _inherit(b: _Builder, table: str, cmd: dict, base: dict, kind: str) -> None:
    # The child is altered (ACCESS EXCLUSIVE). INHERIT keeps the parent's definition from
    # changing meanwhile (SHARE UPDATE EXCLUSIVE, as CREATE TABLE ... INHERITS); NO INHERIT
    # only reads it (ACCESS SHARE). Both checked on the server.
    parent = range_var(cmd.get("def"))[0]
    b.lock(table, L.ACCESS_EXCLUSIVE)
    b.lock(parent, L.SHARE_UPDATE_EXCLUSIVE if kind == "inherit" else L.ACCESS_SHARE)
    b.act(kind, base, parent=parent)


def _set_access_method(b: _Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.ACCESS_EXCLUSIVE)
    method = cmd.get("name") or "heap"  # no name: DEFAULT, i.e. default_table_access_method
    # Tables are heap unless created USING another method (not tracked). Asking for the method
    # the table already has is a no-op from PostgreSQL 17 (checked on 18); older servers are
    # assumed to rewrite anyway.
    if method != "heap" or b.ctx.pg_version < 17:
        b.rewrite(table, "SET ACCESS METHOD rewrites the table")
    b.act("set_access_method", base, name=method)


_ALTER_CMDS: dict[str, Callable] = {
    "AT_AddColumn": _add_column,
    "AT_DropColumn": _drop_column,
    "AT_AlterColumnType": _alter_column_type,
    "AT_ColumnDefault": _column_default,
    "AT_SetNotNull": _set_not_null,
    "AT_DropNotNull": _drop_not_null,
    "AT_AddConstraint": _add_constraint,
    "AT_ValidateConstraint": _validate_constraint,
    "AT_DropConstraint": _drop_constraint,
    "AT_AlterConstraint": _alter_constraint,
    "AT_SetExpression": _set_expression,
    "AT_AttachPartition": _attach_partition,
    "AT_DetachPartition": _detach_partition,
    "AT_DetachPartitionFinalize": _simple("detach_partition_finalize", L.SHARE_UPDATE_EXCLUSIVE),
    "AT_SetTableSpace": _set_tablespace,
    "AT_SetLogged": _set_persistence(logged=True),
    "AT_SetUnLogged": _set_persistence(logged=False),
    "AT_SetStatistics": _simple("column_set_statistics", L.SHARE_UPDATE_EXCLUSIVE),
    "AT_ClusterOn": _simple("cluster_on", L.SHARE_UPDATE_EXCLUSIVE),
    "AT_DropCluster": _simple("cluster_off", L.SHARE_UPDATE_EXCLUSIVE),
    "AT_SetRelOptions": _set_options,
    "AT_ResetRelOptions": _set_options,
    "AT_EnableTrig": _trigger_toggle, "AT_DisableTrig": _trigger_toggle,
    "AT_EnableAlwaysTrig": _trigger_toggle, "AT_EnableReplicaTrig": _trigger_toggle,
    "AT_EnableTrigAll": _trigger_toggle, "AT_DisableTrigAll": _trigger_toggle,
    "AT_EnableTrigUser": _trigger_toggle, "AT_DisableTrigUser": _trigger_toggle,
    "AT_AddIdentity": _simple("column_add_identity", L.ACCESS_EXCLUSIVE),
    "AT_DropIdentity": _simple("column_drop_identity", L.ACCESS_EXCLUSIVE),
    "AT_SetIdentity": _simple("column_set_identity", L.ACCESS_EXCLUSIVE),
    "AT_ChangeOwner": _simple("change_owner", L.ACCESS_EXCLUSIVE),
    "AT_EnableRowSecurity": _simple("enable_row_security", L.ACCESS_EXCLUSIVE),
    "AT_DisableRowSecurity": _simple("disable_row_security", L.ACCESS_EXCLUSIVE),
    "AT_ForceRowSecurity": _simple("force_row_security", L.ACCESS_EXCLUSIVE),
    "AT_ReplicaIdentity": _simple("replica_identity", L.ACCESS_EXCLUSIVE),
    "AT_SetStorage": _simple("column_set_storage", L.ACCESS_EXCLUSIVE),
    "AT_SetAccessMethod": _set_access_method,
    "AT_SetOptions": _simple("column_set_options", L.SHARE_UPDATE_EXCLUSIVE),
    "AT_AddInherit": lambda b, table, cmd, base: _inherit(b, table, cmd, base, "inherit"),
    "AT_DropInherit": lambda b, table, cmd, base: _inherit(b, table, cmd, base, "no_inherit"),
    "AT_ResetOptions": _simple("column_set_options", L.SHARE_UPDATE_EXCLUSIVE),
}


# --- renames and other ALTERs ---------------------------------------------------------------

def _rename(b: _Builder, stmt: dict) -> None:
    rtype = stmt.get("renameType", "")
    new = stmt.get("newname", "")
    if rtype in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_COLUMN",
                 "OBJECT_TABCONSTRAINT", "OBJECT_FOREIGN_TABLE"):
        table, qualified = range_var(stmt.get("relation"))
        b.lock(table, L.ACCESS_EXCLUSIVE)
        base = _table_facts(b, table, qualified)
        if rtype == "OBJECT_COLUMN":
            old = stmt.get("subname", "")
            # Renamed in every partition and inheritance child too, unless ONLY.
            for part in _descendants(b, table, bool((stmt.get("relation") or {}).get("inh"))):
                b.lock(part, L.ACCESS_EXCLUSIVE)
            b.drops.add(f"column:{table}.{old}")
            b.creates.add(f"column:{table}.{new}")
            known = b.ctx.catalog.column(table, old)
            b.act("rename_column", base, column=old, new_name=new,
                  column_is_new=b.ctx.column_is_new(table, old),
                  column_type=known.type_text if known else "",
                  # as the safe alternative writes it: a stand-in when the type is unknown
                  column_type_sql=known.type_text if known else quote_ident(
                      type_stand_in(old)),
                  column_type_note=type_stand_in_note(old, known is not None),
                  column_not_null=bool(known and known.not_null),
                  column_has_default=bool(known and known.default),
                  indexed=any(old in i.columns for i in b.ctx.catalog.indexes_on(table)),
                  column_constraints=column_constraints(b.ctx.catalog, table, old))
        elif rtype == "OBJECT_TABCONSTRAINT":
            if _inherited_check(b.ctx.catalog, table, stmt.get("subname", "")):
                # A CHECK the children inherit is renamed in each of them, every partition
                # and inheritance descendant under ACCESS EXCLUSIVE (rename_constraint_internal).
                for child in _descendants(b, table, bool((stmt.get("relation") or {}).get("inh"))):
                    b.lock(child, L.ACCESS_EXCLUSIVE)
            b.alters.add(f"constraint:{table}.{stmt.get('subname', '')}")
            b.drops.add(f"constraint:{table}.{stmt.get('subname', '')}")
            b.creates.add(f"constraint:{table}.{new}")
            b.act("rename_constraint", base, constraint=stmt.get("subname", ""),
                  new_name=new, name=f"constraint {stmt.get('subname', '')} on {table}")
        else:
            target = f"{table.split('.', 1)[0]}.{new}"
            b.drops.add(f"table:{table}")
            b.creates.add(f"table:{target}")
            b.act("rename_table", base, new_name=new, new_table=target,
                  # the new name as the statement's table is written, for the old name's view
                  new_table_sql=target if qualified else new,
                  object_type=rtype.replace("OBJECT_", "").lower())
    elif rtype == "OBJECT_INDEX":
        index, _ = range_var(stmt.get("relation"))
        idx = b.ctx.catalog.indexes.get(index)
        # The index must exist (a migration that dropped it, or its column, breaks this one),
        # and goes on under its new name in the same schema.
        b.alters.add(f"index:{index}")
        b.drops.add(f"index:{index}")
        b.creates.add(f"index:{index.split('.', 1)[0]}.{new}")
        b.act("rename_index", index=index, new_name=new, table=idx.table if idx else "",
              name=f"index {index}",
              table_is_new=bool(idx) and b.ctx.table_is_new(idx.table))
    elif rtype == "OBJECT_TRIGGER":
        table, _ = range_var(stmt.get("relation"))
        # Every partition is locked, for a statement trigger too (checked on the server).
        for rel in (table, *b.ctx.catalog.partitions(table)):
            b.lock(rel, L.ACCESS_EXCLUSIVE)
        b.act("rename_trigger", table=table, trigger=stmt.get("subname", ""), new_name=new,
              name=f"trigger {stmt.get('subname', '')} on {table}",
              table_is_new=b.ctx.table_is_new(table))
    else:
        if rtype == "OBJECT_ATTRIBUTE" and stmt.get("behavior") == "DROP_CASCADE":
            # of a composite type: its typed tables are renamed with it
            _lock_typed_tables(b, range_var(stmt.get("relation"))[0])
        # A schema (or database, role, ...) is named by `subname`, not by an object node.
        names = _rename_object_names(stmt) or [stmt.get("subname", "")]
        b.act("rename_other", object_type=rtype.replace("OBJECT_", "").lower(),
              name=".".join(names), new_name=new)


def _inherited_check(catalog: Catalog, table: str, name: str) -> bool:
    """Whether constraint `name` of `table` is one its children inherit: a CHECK without NO
    INHERIT (one the catalog does not know counts as such: PostgreSQL then locks them all)."""
    con = (t := catalog.tables.get(table)) and t.constraints.get(name)
    if not con:
        return True
    return con.kind in ("check", "not_null") and not con.no_inherit


def _rename_object_names(stmt: dict) -> list[str]:
    obj = stmt.get("object")
    if isinstance(obj, dict):
        kind, body = unwrap(obj)
        if kind == "List":
            return strings(body.get("items"))
        if kind == "String":
            return [body.get("sval", "")]
        if kind == "ObjectWithArgs":
            return strings(body.get("objname"))
    if stmt.get("relation"):
        return [range_var(stmt["relation"])[0]]
    return []


def _alter_enum(b: _Builder, stmt: dict) -> None:
    type_ = object_name(strings(stmt.get("typeName")))
    b.alters.add(f"type:{type_}")
    if stmt.get("oldVal"):
        b.act("enum_rename_value", type=type_, old_value=stmt["oldVal"],
              new_value=stmt.get("newVal", ""),
              type_is_new=f"type:{type_}" in b.ctx.new_tables,
              enum_backfill_sql=_enum_backfill_sql(b, type_, stmt["oldVal"],
                                                   stmt.get("newVal", "")))
    else:
        if b.ctx.pg_version < 12:
            b.transactional = False
        b.act("enum_add_value", type=type_, value=stmt.get("newVal", ""),
              if_not_exists=bool(stmt.get("skipIfNewValExists")),
              positioned=bool(stmt.get("newValNeighbor")),
              type_is_new=f"type:{type_}" in b.ctx.new_tables,
              # to run again in a migration of its own (enum-value-used-in-transaction)
              add_value_sql=PrintedSql({"AlterEnumStmt": {**stmt, "skipIfNewValExists": True}},
                                       suffix=";"))


def _enum_backfill_sql(b: _Builder, type_: str, old: str, new: str) -> str:
    """The batched UPDATEs that move the rows of every column of enum `type_` the catalog
    knows from label `old` to `new`, one line each (run until they change no row); a comment
    when it knows none (the type may be used where the migrations do not show it)."""
    lines = []
    for table, column in b.ctx.catalog.columns_of_type(type_):
        known = b.ctx.catalog.known_column(table, column)
        rel, col = relation_sql(table, "public.", False), quote_ident(column)
        keys = _row_key_facts(b, table)
        old_sql, new_sql = quote_literal(old), quote_literal(new)
        if known is not None and known.array:
            change = f"{col} = array_replace({col}, {old_sql}, {new_sql})"
            match = f"{old_sql} = ANY ({col})"
        else:
            change, match = f"{col} = {new_sql}", f"{col} = {old_sql}"
        lines.append(f"UPDATE {rel} SET {change} WHERE {keys['row_key_sql']} IN (SELECT "
                     f"{keys['row_key_columns_sql']} FROM {rel} WHERE {match} LIMIT 5000);")
    return "\n".join(lines) or (f"-- no column of type {type_} is known: UPDATE each column "
                                f"that holds it, SET col = {quote_literal(new)} WHERE col = "
                                f"{quote_literal(old)}, in batches")


def _create_trigger(b: _Builder, stmt: dict) -> None:
    table, qualified = range_var(stmt.get("relation"))
    b.lock(table, L.SHARE_ROW_EXCLUSIVE)
    if stmt.get("row"):  # a row trigger on a partitioned table is cloned to each partition
        for part in b.ctx.catalog.partitions(table):
            b.lock(part, L.SHARE_ROW_EXCLUSIVE)
    b.creates.add(f"trigger:{table}.{stmt.get('trigname', '')}")
    b.act("create_trigger", _table_facts(b, table, qualified),
          trigger=stmt.get("trigname", ""), replace=bool(stmt.get("replace")))


def _create_policy(b: _Builder, stmt: dict) -> None:
    table, qualified = range_var(stmt.get("table"))
    b.lock(table, L.ACCESS_EXCLUSIVE)
    # The USING and WITH CHECK expressions are parsed and analyzed now: the tables their
    # subqueries read are opened (checked on the server).
    _read_tables(b, [stmt.get("qual"), stmt.get("with_check")], skip={table})
    b.act("create_policy", _table_facts(b, table, qualified),
          policy=stmt.get("policy_name", ""))


def _alter_policy(b: _Builder, stmt: dict) -> None:
    table, qualified = range_var(stmt.get("table"))
    b.lock(table, L.ACCESS_EXCLUSIVE)
    _read_tables(b, [stmt.get("qual"), stmt.get("with_check")], skip={table})
    b.act("alter_policy", _table_facts(b, table, qualified),
          policy=stmt.get("policy_name", ""))


_SCHEMA_MOVABLE = {"OBJECT_TABLE": "table", "OBJECT_VIEW": "view", "OBJECT_MATVIEW": "view",
                   "OBJECT_FOREIGN_TABLE": "table"}


def _set_schema(b: _Builder, stmt: dict) -> None:
    kind = _SCHEMA_MOVABLE.get(stmt.get("objectType", ""))
    schema = stmt.get("newschema", "")
    if kind is None:
        b.act("set_schema", object_type=stmt.get("objectType", "").replace("OBJECT_", "").lower(),
              new_schema=schema)
        return
    table, qualified = range_var(stmt.get("relation"))
    b.lock(table, L.ACCESS_EXCLUSIVE)
    b.drops.add(f"{kind}:{table}")
    b.creates.add(f"{kind}:{schema}.{table.split('.', 1)[1]}")
    b.act("set_schema", _table_facts(b, table, qualified), object_type=kind, new_schema=schema)


def _vacuum(b: _Builder, stmt: dict) -> None:
    full = "full" in options_on(stmt.get("options"))
    is_vacuum = bool(stmt.get("is_vacuumcmd"))
    tables = []
    reached = []
    for rel in stmt.get("rels") or ():
        _, vr = unwrap(rel)
        table = range_var(vr.get("relation"))[0]
        tables.append(table)
        # A partitioned table's partitions are processed with it; ANALYZE also samples the
        # inheritance children of a parent (its statistics cover them). Not with ONLY.
        if not (vr.get("relation") or {}).get("inh"):
            continue
        reached += b.ctx.catalog.partitions(table) if is_vacuum else _descendants(b, table)
    for table in tables + reached:
        if full:
            b.lock(table, L.ACCESS_EXCLUSIVE)
            b.rewrite(table, "VACUUM FULL rewrites the table")
        else:
            b.lock(table, L.SHARE_UPDATE_EXCLUSIVE)
            if is_vacuum:  # ANALYZE reads a random sample of pages, not the table in full
                b.scan(table, "vacuum")
    if is_vacuum:
        b.transactional = False
    b.act("vacuum" if is_vacuum else "analyze", tables=tuple(tables), full=full,
          tables_text=", ".join(tables) or "every table of the database",
          table=tables[0] if tables else "",
          table_name=tables[0].split(".", 1)[-1] if tables else "",
          table_is_new=bool(tables) and all(b.ctx.table_is_new(t) for t in tables))


def _partition_by_partition(b: _Builder, table: str, mode: LockMode) -> bool:
    """REINDEX and CLUSTER of a partitioned table (or of an index on one) work through its
    partitions one transaction each, so PostgreSQL refuses them in a transaction block; each
    partition is held in `mode` while its turn lasts (checked on the server). Whether `table`
    is such a table."""
    if (b.ctx.catalog.tables.get(table) or _NO_TABLE).kind != "partitioned":
        return False
    b.transactional = False
    for part in b.ctx.catalog.partitions(table):
        b.lock(part, mode)
    return True


def _cluster(b: _Builder, stmt: dict) -> None:
    table, qualified = range_var(stmt.get("relation"))
    if table:
        b.lock(table, L.ACCESS_EXCLUSIVE)
        b.rewrite(table, "CLUSTER rewrites the table in index order")
        if _partition_by_partition(b, table, L.ACCESS_EXCLUSIVE):
            for part in b.ctx.catalog.partitions(table):
                b.rewrite(part, "CLUSTER rewrites each partition in index order")
    else:
        b.transactional = False
    b.act("cluster", **(_table_facts(b, table, qualified) if table else {"table": ""}))


def _refresh_matview(b: _Builder, stmt: dict) -> None:
    view, qualified = range_var(stmt.get("relation"))
    concurrently = bool(stmt.get("concurrent"))
    b.lock(view, L.EXCLUSIVE if concurrently else L.ACCESS_EXCLUSIVE)
    if concurrently:  # diffs new contents against the old and updates rows in place
        b.scan(view, "REFRESH CONCURRENTLY compares old and new contents")
    else:
        b.rewrite(view, "REFRESH MATERIALIZED VIEW rebuilds it")
    catalog = b.ctx.catalog
    for source in catalog.read_by(view) if not stmt.get("skipData") else ():  # NO DATA: no query
        b.reads.add(f"table:{source}")
        for rel in (source, *_descendants(b, source)):
            b.lock(rel, L.ACCESS_SHARE)
            if (known := catalog.tables.get(rel)) is None or known.kind != "view":
                b.scan(rel, "REFRESH MATERIALIZED VIEW runs the view's query")
    facts = _table_facts(b, view, qualified)
    b.act("refresh_materialized_view", facts, concurrently=concurrently,
          unique_index_sql=_matview_unique_index_sql(
              catalog, view, relation_sql(view, view, qualified)))


def _matview_unique_index_sql(catalog: Catalog, view: str, written: str) -> str:
    """What REFRESH ... CONCURRENTLY needs first: nothing when the catalog knows a UNIQUE
    index of the view on plain columns without WHERE (a comment says so), else the index to
    build once, on a named stand-in for the columns only the user knows identify a row."""
    for idx in catalog.indexes_on(view):
        if idx.unique and idx.valid and not idx.partial and idx.columns and not idx.reads:
            return f"-- {idx.name} is the UNIQUE index CONCURRENTLY needs"
    name = quote_ident(truncate_identifier(f"{view.split('.', 1)[1]}_key"))
    return (f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {written} "
            "(unique_key_columns);  -- once; replace unique_key_columns with the view's "
            "columns that identify a row")


_LOCK_MODES = {1: L.ACCESS_SHARE, 2: L.ROW_SHARE, 3: L.ROW_EXCLUSIVE, 4: L.SHARE_UPDATE_EXCLUSIVE,
               5: L.SHARE, 6: L.SHARE_ROW_EXCLUSIVE, 7: L.EXCLUSIVE, 8: L.ACCESS_EXCLUSIVE}


def _lock_table(b: _Builder, stmt: dict) -> None:
    mode = _LOCK_MODES.get(stmt.get("mode", 8), L.ACCESS_EXCLUSIVE)
    tables = [range_var(r)[0] for r in stmt.get("relations") or ()]
    for rel, table in zip(stmt.get("relations") or (), tables, strict=True):
        for locked in (table, *_descendants(b, table, bool(unwrap(rel)[1].get("inh")))):
            b.lock(locked, mode)
        # A view's relations are locked in the same mode, recursively (checked on the server).
        for base in _view_reads(b, table):
            for locked in (base, *_descendants(b, base)):
                b.lock(locked, mode)
    b.act("lock_table", tables=tuple(tables), table=tables[0] if tables else "",
          mode=mode.pg_name, nowait=bool(stmt.get("nowait")),
          transaction_only=True, command="LOCK TABLE",
          # "AccessExclusiveLock" -> "ACCESS EXCLUSIVE", as LOCK TABLE ... IN ... MODE spells it
          mode_sql=" ".join(w.upper() for w in re.findall(r"[A-Z][a-z]*", mode.pg_name)[:-1]))


# --- DML ------------------------------------------------------------------------------------

def _data_modifying_ctes(b: _Builder, stmt: dict) -> None:
    """`WITH x AS (INSERT / UPDATE / DELETE ...) ...`: each data-modifying CTE runs as the
    statement it is, whatever the outer query (its target is a typed field of the parse tree,
    not a RangeVar node the search for read tables finds)."""
    for cte in (stmt.get("withClause") or {}).get("ctes") or ():
        kind, body = unwrap(unwrap(cte)[1].get("ctequery"))
        if kind in _CTE_DML:
            _CTE_DML[kind](b, body)


def _dml(kind: str) -> Callable:
    def handler(b: _Builder, stmt: dict) -> None:
        view, qualified = range_var(stmt.get("relation"))
        b.lock(view, L.ROW_EXCLUSIVE)
        b.writes.add(f"table:{view}")
        facts = _table_facts(b, view, qualified)
        # An auto-updatable view is rewritten into the statement on its one base relation.
        table = _updatable_view_base(b, view)
        if table != view:
            b.lock(table, L.ROW_EXCLUSIVE)
            b.writes.add(f"table:{table}")
        # An INSERT locks the partitions its rows go to (all of them, as far as the model
        # knows: rows are not routed); UPDATE, DELETE and MERGE every partition and inheritance
        # child, unless ONLY (pruning on the partition key is not modeled).
        targets = b.ctx.catalog.partitions(table) if kind == "insert" else \
            _descendants(b, table, bool((stmt.get("relation") or {}).get("inh")))
        for part in targets:
            b.lock(part, L.ROW_EXCLUSIVE)
        others = {k: v for k, v in stmt.items() if k != "relation"}
        _read_tables(b, others, {view})
        _lock_read_partitions(b, others)
        # `WHERE true` or `WHERE 1 = 1` is no WHERE: every row is touched.
        has_where = bool(stmt.get("whereClause")) and not is_constant_true(stmt["whereClause"])
        facts = _table_facts(b, table, qualified)
        columns: tuple[str, ...] = ()
        if kind == "update":
            columns = tuple(unwrap(t)[1].get("name", "") for t in stmt.get("targetList") or ())
            for col in columns:
                b.writes.add(f"column:{table}.{col}")
        elif kind == "insert":
            columns = tuple(unwrap(t)[1].get("name", "") for t in stmt.get("cols") or ())
        known = b.ctx.catalog.tables.get(table)
        rechecked = kind == "update" and table in b.ctx.written_in_transaction
        for con in known.constraints.values() if known and kind != "delete" else ():
            # The foreign-key check reads the referenced row FOR KEY SHARE (ROW SHARE on its
            # table); an UPDATE checks only when it sets the key columns, or when the rows
            # were written earlier in its transaction (seen by `verify` on lemmy).
            if con.kind == "foreign" and con.references and (
                    kind == "insert" or rechecked or set(con.columns) & set(columns)):
                for rel in (con.references, *b.ctx.catalog.partitions(con.references)):
                    b.lock(rel, L.ROW_SHARE)
        if kind in ("update", "delete"):
            _referencing_rows(b, table, kind, columns, {table})
        if kind in ("update", "delete") and not has_where:
            for rel in (table, *targets):
                b.scan(rel, f"{kind.upper()} without WHERE touches every row")
            facts.update(_row_key_facts(b, table))  # how batches would name rows
            facts.update(_batch_facts(b, stmt, kind, table, facts["qualified"]))
        b.act(kind, **facts, has_where=has_where, columns=columns,
              columns_text=", ".join(columns),
              limited=kind != "insert" and _where_is_batched(stmt.get("whereClause")))
        _data_modifying_ctes(b, stmt)  # after: the statement's own action comes first
    return handler


#: Stands for the condition only the user can write, with what to write (a block comment:
#: the batch statement goes on after it on the same line).
_NOT_YET_UPDATED = (" WHERE not_yet_updated /* replace not_yet_updated: a condition true only "
                    "for the rows this UPDATE has not changed yet */")


def _batch_facts(b: _Builder, stmt: dict, kind: str, table: str, qualified: bool) -> dict:
    """The UPDATE or DELETE of every row written to run in batches: the statement on `table`
    (with its schema if the statement wrote one) without its WHERE or RETURNING
    (`statement_head_sql`), and the
    condition that picks the rows a batch has left (`not_yet_done_sql`): none for a DELETE
    (every row left is to go), for an UPDATE the rows whose columns differ from what it sets,
    when that can be told (each value the same whenever computed, reading none of the columns
    it sets); else a named stand-in."""
    schema, relname = table.split(".", 1)
    relation = {k: v for k, v in (stmt.get("relation") or {}).items() if k != "schemaname"}
    relation.update(relname=relname, **({"schemaname": schema} if qualified else {}))
    head = expression_sql({"UpdateStmt" if kind == "update" else "DeleteStmt": {
        **{k: v for k, v in stmt.items() if k not in ("whereClause", "returningClause")},
        "relation": relation}})
    name = relation_sql(table, table, qualified)
    if kind == "delete":
        return {"statement_head_sql": head or f"DELETE FROM {name}", "not_yet_done_sql": ""}
    condition = _not_yet_updated(b, stmt)
    return {"statement_head_sql": head or f"UPDATE {name} SET the_column = the_value /* "
                                          "replace: the statement's SET list */",
            "not_yet_done_sql": f" WHERE {condition}" if condition else _NOT_YET_UPDATED}


def _not_yet_updated(b: _Builder, stmt: dict) -> str | None:
    """`(a, b) IS DISTINCT FROM (x, y)` for `UPDATE ... SET a = x, b = y`: true exactly for
    the rows the UPDATE has not changed yet; None where that does not hold or is not known
    (a volatile value, a subquery, a value reading a column it sets, DEFAULT, a subscript, an
    alias or FROM list a correlated condition would see). A value must be the same in every
    batch's transaction: with now() in it, the rows done in one batch differ from the next
    batch's now() and would be picked again for ever."""
    if stmt.get("fromClause") or stmt.get("withClause") or \
            (stmt.get("relation") or {}).get("alias"):
        return None
    columns, values = [], []
    for item in stmt.get("targetList") or ():
        kind, target = unwrap(item)
        value = target.get("val")
        if kind != "ResTarget" or target.get("indirection") or unwrap(value)[0] in (
                "MultiAssignRef", "SetToDefault") or has_subquery(value) or \
                changes_between_transactions(value, b.ctx.catalog.functions):
            return None
        columns.append(target.get("name", ""))
        values.append(expression_sql(value))
    if not columns or None in values or set(columns) & set(columns_read(
            [unwrap(i)[1].get("val") for i in stmt["targetList"]])):
        return None
    if len(columns) == 1:
        return f"{quote_ident(columns[0])} IS DISTINCT FROM ({values[0]})"
    return (f"({', '.join(map(quote_ident, columns))}) IS DISTINCT FROM "
            f"({', '.join(v or '' for v in values)})")


#: ON DELETE / ON UPDATE actions that change the referencing rows (CASCADE, SET NULL, SET
#: DEFAULT); the others (NO ACTION, RESTRICT) only look for them.
_MODIFYING_FK_ACTIONS = frozenset("cnd")


def _referencing_rows(b: _Builder, table: str, kind: str, columns: tuple[str, ...],
                      seen: set[str]) -> None:
    """Deleting rows of `table`, or changing their key, fires the foreign keys that point at
    it: NO ACTION / RESTRICT read the referencing rows FOR KEY SHARE (ROW SHARE on that
    table), CASCADE / SET NULL / SET DEFAULT update or delete them (ROW EXCLUSIVE), and a
    cascaded DELETE fires the foreign keys that point at that table in turn."""
    for other, con in b.ctx.catalog.referencing(table):
        if kind == "update" and not set(con.ref_columns or b.ctx.catalog.primary_key(table)) \
                & set(columns):
            continue  # the referenced key does not change: the foreign key does not fire
        action = con.on_delete if kind == "delete" else con.on_update
        if action not in _MODIFYING_FK_ACTIONS:
            b.lock(other, L.ROW_SHARE)
            continue
        b.lock(other, L.ROW_EXCLUSIVE)
        b.writes.add(f"table:{other}")
        if kind == "delete" and action == "c" and other not in seen:
            seen.add(other)
            _referencing_rows(b, other, "delete", (), seen)


#: Views over views are followed this deep at most (a guard against a cycle that only
#: wrong input can make).
_VIEW_DEPTH = 16


def _updatable_view_base(b: _Builder, relation: str) -> str:
    """The table a write to `relation` reaches: itself, or for a known view reading exactly
    one relation (what makes it auto-updatable) that relation, followed through views."""
    for _ in range(_VIEW_DEPTH):
        known = b.ctx.catalog.tables.get(relation)
        if known is None or known.kind != "view" or len(known.sources) != 1:
            break
        relation = known.sources[0]
    return relation


_CTE_DML = {"InsertStmt": _dml("insert"), "UpdateStmt": _dml("update"),
            "DeleteStmt": _dml("delete")}


def _where_is_batched(where: object) -> bool:
    """A WHERE that bounds the rows by a key range or a LIMITed subquery (a batch)."""
    if not where:
        return False
    for kind, body in walk(where):
        if kind == "SelectStmt" and body.get("limitCount"):
            return True
        if kind == "A_Expr" and body.get("kind") == "AEXPR_BETWEEN":
            return True
    return False


def _select(b: _Builder, stmt: dict) -> None:
    _read_tables(b, stmt)
    _lock_read_partitions(b, stmt)
    if stmt.get("lockingClause"):
        # FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE: ROW SHARE on the tables it locks rows
        # of (those named after OF, else every table of its FROM list).
        for _, clause in map(unwrap, stmt["lockingClause"]):
            named = clause.get("lockedRels") or stmt.get("fromClause")
            for rel in relations_in(named):
                b.lock(rel, L.ROW_SHARE)
            _lock_read_partitions(b, named, L.ROW_SHARE)
    if stmt.get("intoClause"):  # SELECT ... INTO: pglast's JSON inlines the IntoClause
        b.act("select_into")
    functions = [n for n in (strings(body.get("funcname")) for kind, body in walk(stmt)
                             if kind == "FuncCall") if n]
    b.act("select", functions=tuple(n[-1] for n in functions))
    _set_config_calls(b, stmt)
    _data_modifying_ctes(b, stmt)


def _set_config_calls(b: _Builder, stmt: dict) -> None:
    """`SELECT set_config('lock_timeout', '5s', false)` is a SET (true: a SET LOCAL) when its
    arguments are constants; a computed name or value cannot be followed."""
    for target in stmt.get("targetList") or ():
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
        b.act("set", name=name.lower(), value=value, local=local, reset=False, reset_all=False,
              transaction_scoped=local,
              command=f"set_config(..., {'true' if local else 'false'})")


# --- session and transaction control --------------------------------------------------------

#: Savepoint commands, which PostgreSQL refuses outside a transaction block, as written.
_SAVEPOINT_COMMANDS = {"savepoint": "SAVEPOINT", "release": "RELEASE SAVEPOINT",
                       "rollback_to": "ROLLBACK TO SAVEPOINT"}
#: DECLARE ... WITH HOLD (CURSOR_OPT_HOLD): the one cursor that may outlive its transaction.
_CURSOR_OPT_HOLD = 0x20


def _transaction(b: _Builder, stmt: dict) -> None:
    kind = stmt.get("kind", "").replace("TRANS_STMT_", "").lower()
    if kind in _SAVEPOINT_COMMANDS:
        b.act("transaction", kind=kind, transaction_only=True, command=_SAVEPOINT_COMMANDS[kind])
    else:
        b.act("transaction", kind=kind)


def _variable_set(b: _Builder, stmt: dict) -> None:
    kind = stmt.get("kind", "")
    name = (stmt.get("name") or "").lower()
    value = None
    args = stmt.get("args") or ()
    if name == "search_path":  # a list: one schema per argument
        value = tuple(const_value(a) for a in args)
    elif args:
        value = const_value(args[0])
    local = bool(stmt.get("is_local"))
    # SET TRANSACTION is scoped to the transaction whether or not LOCAL is written.
    scoped = local or name == "transaction"
    b.act("set", name=name, value=value, local=local,
          reset=kind in ("VAR_RESET", "VAR_SET_DEFAULT", "VAR_RESET_ALL"),
          reset_all=kind == "VAR_RESET_ALL", transaction_scoped=scoped,
          command="SET TRANSACTION" if name == "transaction" else "SET LOCAL" if local else "SET")


def _set_constraints(b: _Builder, stmt: dict) -> None:
    b.act("set", name="constraints", value="deferred" if stmt.get("deferred") else "immediate",
          local=False, reset=False, reset_all=False, transaction_scoped=True,
          command="SET CONSTRAINTS")


def _declare_cursor(b: _Builder, stmt: dict) -> None:
    hold = bool(stmt.get("options", 0) & _CURSOR_OPT_HOLD)
    b.act("declare_cursor", name=stmt.get("portalname", ""), hold=hold,
          transaction_only=not hold, command="DECLARE CURSOR")
    kind, query = unwrap(stmt.get("query"))
    if kind == "SelectStmt":  # the query is planned, and its tables locked, at DECLARE
        _select(b, query)


# --- everything else ------------------------------------------------------------------------

def _create_function(b: _Builder, stmt: dict) -> None:
    name = object_name(strings(stmt.get("funcname")), create=True)
    b.creates.add(f"function:{name}")
    # A SQL function's body is parsed and analyzed when it is created (check_function_bodies,
    # on by default): the tables it reads are opened ACCESS SHARE (checked on the server).
    # Other languages' bodies are only checked for syntax.
    options = {unwrap(o)[1].get("defname"): unwrap(o)[1].get("arg") for o in
               stmt.get("options") or ()}
    if str(unwrap(options.get("language"))[1].get("sval", "")).lower() == "sql":
        _read_tables(b, stmt.get("sql_body") or _sql_body(options.get("as")))
    b.act("create_function", name=name, replace=bool(stmt.get("replace")))


def _sql_body(definition: dict | None) -> list[dict]:
    """The parse trees of a SQL function's body written as a string (`AS $$ ... $$`)."""
    from lockwise.parse.postgres import parse_sql

    body = strings(unwrap(definition)[1].get("items"))
    if not body:
        return []
    parsed = parse_sql(body[0], comments=False)
    return [] if parsed.problems else [s.tree for s in parsed.statements]


def _create_type(kind: str) -> Callable:
    def handler(b: _Builder, stmt: dict) -> None:
        names = strings(stmt.get("typeName") or stmt.get("domainname")) or [
            range_var(stmt.get("typevar"), create=True)[0]]
        name = object_name(names, create=True) if "." not in names[-1] else names[-1]
        b.creates.add(f"type:{name}")
        b.act(kind, name=name)
    return handler


def _create_domain(b: _Builder, stmt: dict) -> None:
    name = object_name(strings(stmt.get("domainname")), create=True)
    b.creates.add(f"type:{name}")
    checks = [c for c in stmt.get("constraints") or ()
              if unwrap(c)[1].get("contype") == "CONSTR_CHECK"]
    b.act("create_type", name=name, type_kind="domain", has_check=bool(checks),
          base_type=type_sql(*b.ctx.catalog.column_type(stmt.get("typeName"))))


_DOMAIN_SUBCOMMANDS = {"T": "set_default", "N": "drop_not_null", "O": "set_not_null",
                       "C": "add_constraint", "X": "drop_constraint",
                       "V": "validate_constraint"}


def _alter_domain(b: _Builder, stmt: dict) -> None:
    name = object_name(strings(stmt.get("typeName")))
    sub = _DOMAIN_SUBCOMMANDS.get(stmt.get("subtype", ""), "other")
    _, con = unwrap(stmt.get("def"))
    not_valid = bool(con.get("skip_validation"))
    # Columns of this domain in known tables: adding a constraint (or NOT NULL) checks
    # every one of them, holding SHARE on each table (typecmds.c validateDomainConstraint).
    users = sorted({table for table, _ in b.ctx.catalog.columns_of_type(name)})
    checks = sub in ("set_not_null", "validate_constraint") or (
        sub == "add_constraint" and not not_valid)
    if checks:
        for table in users:
            b.lock(table, L.SHARE)
            b.scan(table, f"ALTER DOMAIN {name} checks every value of the domain")
    b.alters.add(f"type:{name}")
    b.act("alter_domain", type=name, subcommand=sub, not_valid=not_valid,
          **_domain_check_facts(stmt, sub, con, name),
          tables_using=tuple(users), tables_using_text=", ".join(users) or "(none known)",
          type_is_new=f"type:{name}" in b.ctx.new_tables)


def _domain_check_facts(stmt: dict, sub: str, con: dict, domain: str) -> dict:
    """The constraint an ALTER DOMAIN adds, validates or drops (`constraint`), and the
    condition a CHECK ... NOT VALID that does the same job tests (`check_sql`): its
    own expression, or `VALUE IS NOT NULL` for NOT NULL, which cannot be added NOT VALID."""
    not_null = sub == "set_not_null" or con.get("contype") == "CONSTR_NOTNULL"
    name = con.get("conname") or stmt.get("name")
    if not name and sub in ("set_not_null", "add_constraint"):
        # PostgreSQL names an unnamed one `domain_check` / `domain_not_null` (checked on the
        # server); the catalog keeps no domain constraints, so a number it would add for a
        # name already taken is not known.
        name = generated_name(domain.split(".", 1)[-1], None,
                              "not_null" if not_null else "check")
    return {"constraint": name or "",
            # An expression pglast cannot print: a named stand-in the user replaces.
            "check_sql": "VALUE IS NOT NULL" if not_null else
            PrintedSql(con.get("raw_expr"), "the_check_expression")}


def _create_schema(b: _Builder, stmt: dict) -> None:
    schema = created_schema(stmt) or ""
    if _skipped(b, stmt, schema in b.ctx.catalog.schemas, "create_schema", schema=schema):
        return
    b.creates.add(f"schema:{schema}")
    b.act("create_schema", schema=schema, if_not_exists=bool(stmt.get("if_not_exists")),
          **_already(b, schema in b.ctx.catalog.schemas, f"schema {schema}"))
    if schema:
        _run_elements(b, stmt, schema)


#: The kinds of object whose names an element of CREATE SCHEMA can refer to later ones by.
_NAMED_BY_ELEMENTS = ("table:", "view:", "index:", "sequence:", "type:")


def _run_elements(b: _Builder, stmt: dict, schema: str) -> None:
    """The elements of CREATE SCHEMA (CREATE TABLE, VIEW, INDEX, SEQUENCE, TRIGGER, GRANT
    written in it) run as the statements they are, in the server's order and in the new
    schema: their locks, scans, objects and actions are the statement's. Each action says
    which element it is (`schema_element`, its position as written, where its findings
    point); what an element created is new for the elements after it."""
    ctx = b.ctx
    made: set[str] = set()
    with elements_path(ctx.catalog, schema, made):
        for position, tree in schema_elements(stmt, schema):
            inner = compute_effect(tree, ctx)
            _take_effect(b, inner, made)
            b.transactional = b.transactional and inner.transactional
            for objects, taken in ((b.creates, inner.creates), (b.drops, inner.drops),
                                   (b.alters, inner.alters), (b.reads, inner.reads),
                                   (b.writes, inner.writes)):
                objects.update(taken)
            b.actions.extend(Action(a.kind, {**a.facts, "schema_element": position + 1})
                             for a in inner.actions)
            made.update(o.split(":", 1)[1] for o in inner.creates
                        if o.startswith(_NAMED_BY_ELEMENTS))
            created = {o[6:] for o in inner.creates if o.startswith("table:")}
            if created:
                ctx = replace(ctx, new_tables=ctx.new_tables | created)


def _take_effect(b: _Builder, inner: Effect, new: AbstractSet[str] = frozenset()) -> None:
    """The locks, rewrites and scans of a statement that `b`'s statement runs; none of the
    locks on `new` relations, which `b`'s statement creates (no other session sees them)."""
    for rel, mode in inner.locks.items():
        if rel not in new:
            b.lock(rel, mode)
    b.rewrites.update(inner.rewrites)
    for rel, why in inner.scans.items():
        b.scan(rel, why)


def _create_sequence(b: _Builder, stmt: dict) -> None:
    seq, _ = range_var(stmt.get("sequence"), create=True)
    if _skipped(b, stmt, seq in b.ctx.catalog.sequences, "create_sequence", name=seq):
        return
    b.creates.add(f"sequence:{seq}")
    b.act("create_sequence", name=seq, if_not_exists=bool(stmt.get("if_not_exists")),
          **_already(b, _relation_known(b, seq), f"relation {seq}"))


def _comment(b: _Builder, stmt: dict) -> None:
    objtype = stmt.get("objtype", "")
    if objtype in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE",
                   "OBJECT_COLUMN"):
        names = strings(unwrap(stmt.get("object"))[1].get("items"))
        table = object_name(names[:-1] if objtype == "OBJECT_COLUMN" else names)
        b.lock(table, L.SHARE_UPDATE_EXCLUSIVE)
    elif objtype in ("OBJECT_TABCONSTRAINT", "OBJECT_POLICY", "OBJECT_TRIGGER", "OBJECT_RULE"):
        # The object is looked up through its table, which is opened ACCESS SHARE (checked on
        # the server for constraints).
        names = strings(unwrap(stmt.get("object"))[1].get("items"))
        b.lock(object_name(names[:-1]), L.ACCESS_SHARE)
    b.act("comment", object_type=objtype.replace("OBJECT_", "").lower())


def _grant(b: _Builder, stmt: dict) -> None:
    # GRANT / REVOKE on named tables opens each one with ACCESS SHARE (checked on the server).
    if stmt.get("objtype") == "OBJECT_TABLE" and stmt.get("targtype") == "ACL_TARGET_OBJECT":
        for rel in stmt.get("objects") or ():
            b.lock(range_var(rel)[0], L.ACCESS_SHARE)
    b.act("grant")


def _create_rule(b: _Builder, stmt: dict) -> None:
    # A rule rewrites every later query on the table: it is added under ACCESS EXCLUSIVE
    # (checked on the server), and its actions are parsed against the tables they name.
    table, qualified = range_var(stmt.get("relation"))
    b.lock(table, L.ACCESS_EXCLUSIVE)
    _read_tables(b, [stmt.get("whereClause")], skip={table})
    for action in stmt.get("actions") or ():  # each locks what it would as a query
        for rel, mode in compute_effect(action, b.ctx).locks.items():
            b.lock(rel, mode)
    b.act("create_rule", _table_facts(b, table, qualified), name=stmt.get("rulename", ""))


def _create_publication(b: _Builder, stmt: dict) -> None:
    # Each table published by name is opened SHARE UPDATE EXCLUSIVE (checked on the server).
    for obj in stmt.get("pubobjects") or ():
        relation = (unwrap(obj)[1].get("pubtable") or {}).get("relation")
        if relation:
            b.lock(range_var(relation)[0], L.SHARE_UPDATE_EXCLUSIVE)
    b.act("create_publication", name=stmt.get("pubname", ""))


def _copy(b: _Builder, stmt: dict) -> None:
    """COPY FROM writes the table's rows; COPY TO reads all of them (or a query's)."""
    if stmt.get("relation"):
        table, qualified = range_var(stmt["relation"])
        if stmt.get("is_from"):
            b.lock(table, L.ROW_EXCLUSIVE)
            b.writes.add(f"table:{table}")
        else:
            b.lock(table, L.ACCESS_SHARE)
            b.scan(table, "COPY TO reads every row")
            b.reads.add(f"table:{table}")
        b.act("copy", _table_facts(b, table, qualified), copy_from=bool(stmt.get("is_from")))
        return
    _read_tables(b, stmt.get("query"))
    b.act("copy", copy_from=False)


def _alter_sequence(b: _Builder, stmt: dict) -> None:
    # OWNED BY looks the column up through its table, opened ACCESS SHARE (checked on the
    # server).
    for opt in stmt.get("options") or ():
        _, elem = unwrap(opt)
        if elem.get("defname") == "owned_by":
            names = strings(unwrap(elem.get("arg"))[1].get("items"))
            if len(names) > 1:  # OWNED BY NONE is one name
                b.lock(object_name(names[:-1]), L.ACCESS_SHARE)
    b.act("alter_sequence")


def _create_statistics(b: _Builder, stmt: dict) -> None:
    for rel in stmt.get("relations") or ():
        b.lock(range_var(rel)[0], L.SHARE_UPDATE_EXCLUSIVE)
    b.act("create_statistics", name=".".join(strings(stmt.get("defnames"))))


def _non_transactional(kind: str) -> Callable:
    def handler(b: _Builder, stmt: dict) -> None:
        b.transactional = False
        b.act(kind)
    return handler


_STRING_LITERAL = re.compile(r"'(?:[^']|'')*'")
#: A transaction-control statement of a PL/pgSQL body (COMMIT; / ROLLBACK AND CHAIN;).
_BODY_TRANSACTION_CONTROL = re.compile(r"\b(?:commit|rollback)\b(?:\s+and\s+(?:no\s+)?chain)?\s*;",
                                       re.IGNORECASE)


def _do_block(b: _Builder, stmt: dict) -> None:
    from lockwise.parse.plpgsql import do_block_code

    body, language = do_block_code(stmt)
    # A DO block that commits (a batched backfill) runs only outside a transaction block:
    # inside one PostgreSQL refuses it ("invalid transaction termination").
    if _BODY_TRANSACTION_CONTROL.search(_STRING_LITERAL.sub("''", body)):
        b.transactional = False
    b.act("do_block")
    if language == "plpgsql":
        _run_embedded(b, body)


def _cleared_in_do_block(facts: dict) -> dict:
    """Facts of an embedded statement that claim it fails, cleared: it is judged against the
    catalog from before the block, without what the block's earlier statements did (a key
    they add), and may sit in a branch that does not run (supabase adds a UNIQUE and then a
    foreign key to it, each under IF NOT EXISTS)."""
    return _refused_facts([]) if facts.get("refused_references") else {}


def _run_embedded(b: _Builder, body: str) -> None:
    """The statements the block runs take their own locks, rewrites and scans, and are judged
    as actions of the block (`in_do_block`). What they create or drop is left out of the
    block's objects: they may sit in a branch that does not run, and the conflict graph must
    not count on them. Each action keeps its statement's text (`embedded_sql`), from which a
    safe alternative is written, and its line in the body (`embedded_line`), where its
    findings point."""
    from lockwise.parse.plpgsql import embedded_statements

    ctx = b.ctx
    for sql, tree, line in embedded_statements(body):
        inner = compute_effect(tree, ctx)
        _take_effect(b, inner)
        b.actions.extend(Action(a.kind, {**a.facts, **_cleared_in_do_block(a.facts),
                                         "in_do_block": True, "embedded_sql": sql,
                                         "embedded_line": line}) for a in inner.actions)
        created = {o[6:] for o in inner.creates if o.startswith("table:")}
        if created:  # a table the block created is new for its later statements too
            ctx = replace(ctx, new_tables=ctx.new_tables | created)


def _plain(kind: str) -> Callable:
    def handler(b: _Builder, stmt: dict) -> None:
        b.act(kind)
    return handler


_HANDLERS: dict[str, Callable[[_Builder, dict], None]] = {
    "CreateStmt": _create_table,
    "CreateTableAsStmt": _create_table_as,
    "ViewStmt": _create_view,
    "IndexStmt": _create_index,
    "ReindexStmt": _reindex,
    "DropStmt": _drop,
    "DropdbStmt": _drop_database,
    "TruncateStmt": _truncate,
    "AlterTableStmt": _alter_table,
    "RenameStmt": _rename,
    "AlterEnumStmt": _alter_enum,
    "CreateTrigStmt": _create_trigger,
    "CreatePolicyStmt": _create_policy,
    "AlterPolicyStmt": _alter_policy,
    "AlterObjectSchemaStmt": _set_schema,
    "VacuumStmt": _vacuum,
    "ClusterStmt": _cluster,
    "RefreshMatViewStmt": _refresh_matview,
    "LockStmt": _lock_table,
    "InsertStmt": _dml("insert"),
    "UpdateStmt": _dml("update"),
    "DeleteStmt": _dml("delete"),
    "SelectStmt": _select,
    "TransactionStmt": _transaction,
    "VariableSetStmt": _variable_set,
    "ConstraintsSetStmt": _set_constraints,
    "DeclareCursorStmt": _declare_cursor,
    "CreateFunctionStmt": _create_function,
    "CreateEnumStmt": _create_type("create_type"),
    "CompositeTypeStmt": _create_type("create_type"),
    "CreateDomainStmt": _create_domain,
    "AlterDomainStmt": _alter_domain,
    "CreateSchemaStmt": _create_schema,
    "CreateSeqStmt": _create_sequence,
    "CommentStmt": _comment,
    "CreatedbStmt": _non_transactional("create_database"),
    "AlterSystemStmt": _non_transactional("alter_system"),
    "CreateTableSpaceStmt": _non_transactional("create_tablespace"),
    "DropTableSpaceStmt": _non_transactional("drop_tablespace"),
    "CreateSubscriptionStmt": _non_transactional("create_subscription"),
    "CreateExtensionStmt": _plain("create_extension"),
    "DoStmt": _do_block,
    "GrantStmt": _grant,
    "GrantRoleStmt": _plain("grant"),
    "CreateRoleStmt": _plain("create_role"),
    "AlterOwnerStmt": _plain("alter_owner"),
    "AlterSeqStmt": _alter_sequence,
    "CopyStmt": _copy,
    "RuleStmt": _create_rule,
    "CreatePublicationStmt": _create_publication,
    "CreateStatsStmt": _create_statistics,
    "MergeStmt": _dml("merge"),
}


def compute_effect(tree: dict, ctx: Context) -> Effect:
    """The effect of one parsed statement (`{'NodeType': {...}}`) in context `ctx`."""
    kind, body = unwrap(tree)
    b = _Builder(ctx)
    handler = _HANDLERS.get(kind)
    if handler is None:
        b.act("other", node=kind)
    else:
        handler(b, body)
    # Only needed to spot a use of an enum value added earlier in the same transaction; the
    # walk over the whole tree is skipped when no such value exists.
    if ctx.watch_literals and kind != "AlterEnumStmt":  # ADD VALUE's own value is no use of it
        b.literals.update(enum_candidate_literals(kind, body, ctx.catalog))
    return b.build()
