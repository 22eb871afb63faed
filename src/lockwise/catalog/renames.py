"""The replay of renames and moves: ALTER ... RENAME (relations, columns, constraints,
indexes, types, routines, sequences, schemas) and ALTER ... SET SCHEMA.

Split from `catalog.replay`, loaded with the first such statement.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from lockwise.catalog import policies
from lockwise.catalog.extended_statistics import (
    _add_statistics,
    _move_statistics,
    _statistics_entry,
    renamed_statistics_definition,
)
from lockwise.catalog.model import Catalog, Table
from lockwise.catalog.policies import renamed_columns
from lockwise.catalog.replay import (
    _ROUTINE_KINDS,
    RELATION_KINDS,
    _attach_index,
    _children,
    _drop_statistics,
    _name_rule,
    _rules_follow_rename,
    _statistics_on,
    not_null_column,
    not_null_name,
    owned_sequences,
    renamed_index_definition,
)
from lockwise.catalog.routines import (
    forget_gone_routines,
    forget_routine,
    retype_routines,
    routine_named,
    signature_holder,
)
from lockwise.catalog.user_types import _change_domain_check, typed_table_trees
from lockwise.effects.nodes import (
    calls_function,
    object_name,
    range_var,
    renamed_column_in,
    strings,
    unwrap,
)

if TYPE_CHECKING:
    from lockwise.catalog.overloads import Routine


def _rename(catalog: Catalog, stmt: dict) -> None:
    rtype = stmt.get("renameType", "")
    new = stmt.get("newname", "")
    if rtype == "OBJECT_STATISTIC_EXT":
        _move_statistics(catalog, stmt, None, new)
        return
    if rtype in _ROUTINE_KINDS:
        _move_routine(catalog, rtype, new, None, stmt.get("object"))
        return
    if rtype == "OBJECT_AGGREGATE":
        _move_routine(catalog, rtype, new, None, stmt.get("object"), "aggregates")
        return
    if rtype == "OBJECT_OPCLASS" and catalog.operator_classes:
        from lockwise.catalog.operators import move_operator_class

        move_operator_class(catalog, stmt.get("object"), None, new)
        return
    if rtype == "OBJECT_OPFAMILY" and catalog.operator_families:
        from lockwise.catalog.operators import move_operator_family

        move_operator_family(catalog, stmt.get("object"), None, new)
        return
    if rtype in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
        _move_type(catalog, _type_spellings(stmt))
        return
    if rtype == "OBJECT_DOMCONSTRAINT":
        domain, old = object_name(_object_names(stmt)), stmt.get("subname", "")
        known = catalog.domains.get(domain)
        if known is not None and known.not_null and known.not_null_name == old:
            catalog.domains[domain] = replace(known, not_null_name=new)
        _change_domain_check(catalog, domain, old, lambda c: replace(c, name=new))
        return
    if rtype == "OBJECT_SCHEMA":
        _rename_schema(catalog, stmt.get("subname", ""), new)
        return
    name, _ = range_var(stmt.get("relation"))
    if rtype == "OBJECT_TABLE" and (name in catalog.sequences or name not in catalog.tables
                                    and catalog.relation_named(name).startswith("sequence ")):
        # ALTER TABLE renames a sequence too, a serial's as well (checked on the server)
        rtype = "OBJECT_SEQUENCE"
    if rtype == "OBJECT_TABLE" and name in catalog.indexes:
        rtype = "OBJECT_INDEX"  # and an index (checked on the server: test_object_missing.py)
    if _rename_refused(catalog, rtype, name, stmt.get("subname", ""), new):
        return
    if rtype == "OBJECT_SEQUENCE":
        _move_sequence(catalog, name, f"{name.split('.', 1)[0]}.{new}")
        return
    t = catalog.tables.get(name)
    if rtype in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW") and t:
        _move_relation(catalog, t, f"{name.split('.', 1)[0]}.{new}")
    elif rtype == "OBJECT_ATTRIBUTE":
        old = stmt.get("subname", "")
        if name in catalog.composites:
            catalog.composites[name] = tuple(replace(a, name=new) if a.name == old else a
                                             for a in catalog.composites[name])
        for _, tree in typed_table_trees(catalog, {"RenameStmt": stmt}):
            _rename(catalog, tree["RenameStmt"])  # the typed tables' columns follow
    elif rtype == "OBJECT_COLUMN":
        old = stmt.get("subname", "")
        # Unless ONLY (which the server refuses for an inherited column), the partitions and
        # inheritance children, however deep, rename theirs too (checked on the server).
        below = _children(catalog, name) if (stmt.get("relation") or {}).get("inh") else []
        for table in [name, *(child.name for child in below)]:
            _rename_column(catalog, table, old, new)
    elif rtype == "OBJECT_TABCONSTRAINT":
        old = stmt.get("subname", "")
        con = t.constraints.get(old) if t is not None else None
        if con is None and t is not None and catalog.not_null_constraints:
            _rename_not_null(catalog, t, old, new, bool((stmt.get("relation") or {}).get("inh")))
        _rename_constraint(catalog, t, name, old, new)
        # A CHECK is renamed in the partitions and children that have it (ONLY is refused).
        if con is not None and con.kind == "check" and (stmt.get("relation") or {}).get("inh"):
            for child in _children(catalog, name):
                _rename_constraint(catalog, child, child.name, old, new)
        # A foreign key's clones keep their names, and stay its clones.
        if con is not None and con.kind == "foreign":
            for part in filter(None, map(catalog.tables.get, catalog.direct_partitions(name))):
                for clone in [c for c in part.constraints.values() if c.clone_of == old]:
                    catalog.put_constraint(part, replace(clone, clone_of=new))
    elif rtype == "OBJECT_INDEX" and name in catalog.indexes:
        _rename_index(catalog, name, f"{name.split('.', 1)[0]}.{new}")
    elif rtype == "OBJECT_TRIGGER" and t and stmt.get("subname") in t.triggers:
        t.triggers[new] = t.triggers.pop(stmt["subname"])
    elif rtype == "OBJECT_POLICY":
        policies.rename_policy(t, stmt.get("subname", ""), new)
    elif rtype == "OBJECT_RULE":
        _name_rule(catalog, name, stmt.get("subname", ""), new)


#: Renames of a row of pg_class, and whether the object has a row type named like it too.
_RELATION_RENAMES = {"OBJECT_TABLE": True, "OBJECT_VIEW": True, "OBJECT_MATVIEW": True,
                     "OBJECT_FOREIGN_TABLE": True, "OBJECT_INDEX": False,
                     "OBJECT_SEQUENCE": False}


def _rename_refused(catalog: Catalog, rtype: str, name: str, old: str, new: str) -> bool:
    """Whether the server refuses this rename for a name the catalog holds ("already
    exists", rule rename-onto-taken-name): a relation of the schema (tables, views, indexes,
    sequences share pg_class; a relation's row type a type's name), a column or a constraint
    of the table. Applied, it replaced the object of that name, and the statements after it
    saw the renamed one in its place."""
    if rtype in _RELATION_RENAMES:
        target = f"{name.split('.', 1)[0]}.{new}"
        return bool(catalog.relation_named(target) or
                    (_RELATION_RENAMES[rtype] and catalog.type_named(target)))
    t = catalog.tables.get(name)
    if t is None:
        return False
    if rtype == "OBJECT_COLUMN":
        return new in t.columns
    if rtype == "OBJECT_TABCONSTRAINT":
        # one with an index renames it too: a relation of the name refuses that
        con = t.constraints.get(old)
        return new in t.constraints or catalog.not_null_constraints and \
            not_null_column(t, new) is not None or (
            con is not None and con.kind in ("primary", "unique", "exclude") and
            bool(catalog.relation_named(f"{name.split('.', 1)[0]}.{new}")))
    return False


def _rename_column(catalog: Catalog, name: str, old: str, new: str) -> None:
    """Column `old` of table `name` goes by `new`, and what refers to it by number follows."""
    t = catalog.tables.get(name)
    # Indexes follow the rename (they name columns by number), also on a table created
    # outside the migrations. New Index objects: a down check's fork shares the old ones.
    for key in catalog.index_keys_on(name):
        idx = catalog.indexes[key]
        if old in idx.columns or old in idx.reads or old in idx.predicate_not_null:
            catalog.indexes[key] = replace(
                idx, columns=renamed_columns(idx.columns, old, new),
                reads=_renamed_in(idx.reads, old, new),
                predicate_not_null=renamed_columns(idx.predicate_not_null, old, new),
                definition=renamed_index_definition(idx.definition, old, new))
    if t is None:
        return
    if t.column_names is not None:
        t.column_names = renamed_columns(t.column_names, old, new)
    if old in t.columns:  # the column keeps its place (`*` expands in order)
        t.columns[old].name = new
        t.columns = {new if n == old else n: c for n, c in t.columns.items()}
        # (an identity whose sequence was not recorded goes by the column's new name)
        catalog.note_sequence_column(name, t.columns[new])
    for con in t.constraints.values():
        con.columns = renamed_columns(con.columns, old, new)
        con.set_columns = renamed_columns(con.set_columns, old, new)
        con.reads = _renamed_in(con.reads, old, new)
    # The foreign keys pointing at it (its own too, and the partitions' clones) name their
    # referenced columns by number on the server: they point at the renamed one.
    # Only those that name it are changed: a down check's fork shares the others' tables
    # (`reach.tables_reached` copies the tables of those only).
    for _, fk in catalog.referencing(name, clones=True):
        if old in fk.ref_columns:
            fk.ref_columns = renamed_columns(fk.ref_columns, old, new)
    t.triggers = {name: replace(trigger, columns=_renamed_in(trigger.columns, old, new),
                                update_of=renamed_columns(trigger.update_of, old, new),
                                when_changed=renamed_columns(trigger.when_changed, old, new))
                  if old in trigger.columns else trigger for name, trigger in t.triggers.items()}
    for col in t.columns.values():  # generation expressions name columns by number
        if old in col.reads:
            col.reads = _renamed_in(col.reads, old, new)
            col.expression = renamed_column_in(col.expression, old, new)
    for stat in _statistics_on(catalog, name):
        catalog.statistics_columns[stat] = tuple(
            new if c == old else c for c in catalog.statistics_columns.get(stat, ()))
        catalog.statistics_reads[stat] = frozenset(
            new if c == old else c for c in catalog.statistics_reads.get(stat, ()))
        if stat in catalog.statistics_definitions:
            catalog.statistics_definitions[stat] = renamed_statistics_definition(
                catalog.statistics_definitions[stat], old, new)
    policies.follow_column_rename(catalog, name, old, new)
    for view in catalog.views_using_column(name, old):  # they name columns by number
        v = catalog.tables[view]
        v.column_reads = tuple((r, new if (r, c) == (name, old) else c)
                               for r, c in v.column_reads)
        catalog.note_column_reads(v)


def _renamed_in(reads: tuple[str, ...], old: str, new: str) -> tuple[str, ...]:
    """A sorted `reads` tuple with column `old` renamed `new` (the same tuple when it does not
    hold `old`: forks share it)."""
    return tuple(sorted({new if c == old else c for c in reads})) if old in reads else reads


def _move_relation(catalog: Catalog, t: Table, new_name: str) -> None:
    """Relation `t` goes by `new_name` (RENAME, SET SCHEMA): the objects that refer to it by
    oid on the server follow it (its indexes, views over it, foreign keys, partitions)."""
    name = t.name
    catalog.move_table(t, new_name)  # (its constraints filed under it: they keep their names)
    catalog.filed(new_name)
    catalog.move_array(name, new_name)  # (its array type with it)
    if t.column_reads:  # a view moved: what it reads is filed under its new name
        catalog.note_column_reads(t)
    if t.sources:
        catalog.note_sources(t)
    if t.triggers:
        catalog.note_triggers(t)
    policies.follow_relation_rename(catalog, t, name, new_name)
    _rules_follow_rename(catalog, name, new_name)
    schema = new_name.split(".", 1)[0]
    for key in catalog.index_keys_on(name):
        # Re-filed under the table's new name, in the schema the table is now in; a new
        # Index (SET SCHEMA in a down migration: its copy of the catalog shares them).
        idx = catalog.indexes.pop(key)
        moved = replace(idx, table=new_name, name=f"{schema}.{idx.name.split('.', 1)[-1]}")
        catalog.indexes[moved.name] = moved
        catalog.filed(moved.name)
    _follow_parent_rename(catalog, name, new_name)
    catalog.note_uses(new_name)  # (after its indexes: they are filed under it too)
    for stat in _statistics_on(catalog, name):  # on the table by oid; in their own schema
        catalog.statistics[stat] = new_name
    for other in catalog.views_reading(name):  # views follow (they refer to it by oid)
        other.sources = tuple(new_name if s == name else s for s in other.sources)
        other.column_reads = tuple((new_name if r == name else r, c)
                                   for r, c in other.column_reads)
        catalog.note_column_reads(other)
        catalog.note_sources(other)
    # The tables whose foreign keys may point at it (a superset), and t itself: its own
    # keys are filed under its new name.
    holders = catalog.tables.values() if catalog.fk_sources is None else \
        [o for n in sorted(catalog.fk_sources.get(name, ())) if (o := catalog.tables.get(n))]
    for other in [*(o for o in holders if o is not t), t]:
        for con in other.constraints.values():
            if con.references == name:
                con.references = new_name
            if con.kind == "foreign" and (other is t or con.references == new_name):
                catalog.note_foreign_key(other.name, con.references)


def _set_schema(catalog: Catalog, stmt: dict) -> None:
    """ALTER TABLE / VIEW / MATERIALIZED VIEW / FOREIGN TABLE ... SET SCHEMA: the relation and
    its indexes move (a move into the schema it is in already changes nothing). ALTER
    STATISTICS ... SET SCHEMA moves the statistics object alone; ALTER OPERATOR ... SET
    SCHEMA the operator."""
    kind = stmt.get("objectType")
    if _move_refused(catalog, stmt):
        return
    if kind == "OBJECT_STATISTIC_EXT":
        _move_statistics(catalog, stmt, stmt.get("newschema"), None)
    elif kind in _ROUTINE_KINDS:
        _move_routine(catalog, kind, None, stmt.get("newschema", ""), stmt.get("object"))
    elif kind == "OBJECT_AGGREGATE":
        _move_routine(catalog, kind, None, stmt.get("newschema", ""), stmt.get("object"),
                      "aggregates")
    elif kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
        _move_type(catalog, _type_spellings(stmt))
    elif kind == "OBJECT_OPERATOR":
        from lockwise.catalog.operators import move_operator

        move_operator(catalog, stmt)
    elif kind == "OBJECT_OPCLASS" and catalog.operator_classes:
        from lockwise.catalog.operators import move_operator_class

        move_operator_class(catalog, stmt.get("object"), stmt.get("newschema", ""), None)
    elif kind == "OBJECT_OPFAMILY" and catalog.operator_families:
        from lockwise.catalog.operators import move_operator_family

        move_operator_family(catalog, stmt.get("object"), stmt.get("newschema", ""), None)
    elif kind == "OBJECT_SEQUENCE":
        name, _ = range_var(stmt.get("relation"))
        _move_sequence(catalog, name, f"{stmt.get('newschema', '')}.{name.split('.', 1)[-1]}")
    if kind not in RELATION_KINDS:
        return
    name, _ = range_var(stmt.get("relation"))
    t = catalog.tables.get(name)
    new_name = f"{stmt.get('newschema', '')}.{name.split('.', 1)[-1]}"
    if t is not None and new_name != name and new_name not in catalog.tables:
        _move_relation(catalog, t, new_name)
        _move_serial_sequences(catalog, t, stmt.get("newschema", ""))


def moved_names(catalog: Catalog, objtype: str, name: str) -> tuple[tuple[str, str, bool], ...]:
    """The names ALTER ... SET SCHEMA of `name` (qualified; `objtype` the statement's
    objectType) takes in the schema it moves to, in the server's order (AlterTableNamespace-
    Internal, AlterTypeNamespace; checked on 18.6), each as (what the refusal's message
    calls it, "relation" or "type"; the bare name; whether it is a row of pg_class, else of
    pg_type). A table, view, materialized view or foreign table (ALTER TABLE of a sequence
    too): the relation, its row type and that type's array type (a sequence and an index
    have neither), its indexes and the sequences its columns own, which move with it; a
    sequence: the relation; a type or domain: the type, a composite type's relation, then
    its array type (fix-pg115: the array keeps its name, `Catalog.array_name`, and a type
    of that name in the schema refuses the move, 42710)."""
    bare = name.split(".", 1)[-1]
    # (the catalog keeps no shell type, the one type without an array)
    array = ("type", catalog.array_name(name).split(".", 1)[-1], False)
    if objtype in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
        return (("type", bare, False),) + (
            (("relation", bare, True),) if name in catalog.composites else ()) + (array,)
    if objtype == "OBJECT_SEQUENCE":
        return (("relation", bare, True),)
    row_type = name not in catalog.sequences and name not in catalog.indexes
    return (("relation", bare, True), *((("type", bare, False), array) if row_type else ()),
            *(("relation", i.name.split(".", 1)[-1], True) for i in catalog.indexes_on(name)),
            *(("relation", seq.split(".", 1)[-1], True)
              for seq in owned_sequences(catalog, name)))


def _move_refused(catalog: Catalog, stmt: dict) -> bool:
    """Whether the server refuses ALTER ... SET SCHEMA `stmt` of a relation, sequence, type
    or domain for a name the new schema holds (rule set-schema-onto-taken-name: 42P07,
    42710): it moves nothing, and the object of that name stays, as after a refused RENAME
    (`_rename_refused`). A routine's refusal is `_move_routine`'s."""
    kind, schema = stmt.get("objectType", ""), stmt.get("newschema", "")
    if kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
        name = object_name(_object_names(stmt))
    elif kind == "OBJECT_SEQUENCE" or kind in RELATION_KINDS:
        name = range_var(stmt.get("relation"))[0]
    else:
        return False
    if not schema or name.split(".", 1)[0] == schema:  # (no move: the server does nothing)
        return False
    return any(catalog.relation_named(f"{schema}.{bare}") if relation
               else catalog.type_named(f"{schema}.{bare}")
               for _, bare, relation in moved_names(catalog, kind, name))


def _move_serial_sequences(catalog: Catalog, t: Table, schema: str) -> None:
    """SET SCHEMA of a table moves the sequences its serial columns own with it, and those
    attached by OWNED BY (checked on the server): the defaults drawing from one follow, as
    after ALTER SEQUENCE SET SCHEMA."""
    for col in list(t.columns.values()):
        for sequence in col.owns:
            _move_sequence(catalog, sequence, f"{schema}.{sequence.split('.', 1)[1]}")
        if col.identity_sequence and not col.identity_sequence.startswith(f"{schema}."):
            col.identity_sequence = f"{schema}.{col.identity_sequence.split('.', 1)[1]}"
            catalog.note_sequence_column(t.name, col)
        seq = col.default_sequence
        if col.default == "nextval()" and seq and not seq.startswith(f"{schema}."):
            moved = f"{schema}.{seq.split('.', 1)[1]}"
            for table, column in catalog.columns_drawing_from(seq):
                drawing = catalog.tables[table].columns[column]
                drawing.default_sequence = moved
                catalog.note_sequence_column(table, drawing)


def _follow_parent_rename(catalog: Catalog, old: str, new: str) -> None:
    """Partitions and inheritance children name their parent by oid on the server: a renamed
    parent keeps them (a DROP of it still reaches every partition)."""
    if old in catalog.partition_parents:
        catalog.partition_parents.add(new)
    if old in catalog.inheritance_parents:
        catalog.inheritance_parents.add(new)
    elif old not in catalog.partition_parents:
        return  # nothing names it as parent: no look through every table
    for child in catalog.tables.values():
        if child.partition_of == old:
            child.partition_of = new
        if old in child.inherits:
            child.inherits = tuple(new if p == old else p for p in child.inherits)


def _rename_not_null(catalog: Catalog, t: Table, old: str, new: str, inh: bool) -> None:
    """PostgreSQL 18's RENAME CONSTRAINT of a NOT NULL constraint: renamed on `t` and, unless
    ONLY, on each partition and inheritance child that has it under that name (checked on
    18.6)."""
    column = not_null_column(t, old)
    if column is None:
        return
    for table in [t, *(_children(catalog, t.name) if inh else ())]:
        mine = table.columns.get(column.name)
        if mine is not None and mine.not_null and not_null_name(table, mine.name) == old:
            mine.not_null_name = new
            catalog.note_constraint_names(table)


def _rename_constraint(catalog: Catalog, t: Table | None, table: str, old: str,
                       new: str) -> None:
    con = t.constraints.pop(old, None) if t is not None else None
    if con is not None:
        con.name = new
        catalog.put_constraint(t, con)
    # A UNIQUE / PRIMARY KEY constraint and its index share their name: renaming one renames
    # the other. (Also when the table came from outside the migrations and the constraint is
    # unknown: an index of that name on that table can only be the constraint's.)
    if con is not None and con.kind not in ("primary", "unique", "exclude"):
        return
    schema = table.split(".", 1)[0]
    old_key, new_key = f"{schema}.{old}", f"{schema}.{new}"
    idx = catalog.indexes.get(old_key)
    if idx is not None and idx.table == table and new_key not in catalog.indexes:
        _rename_index(catalog, old_key, new_key)


def _rename_index(catalog: Catalog, old: str, new: str) -> None:
    """Index `old` (qualified) named `new`: the parts of it its partitions hold name it by
    oid on the server, so they stay attached to it."""
    idx = catalog.indexes.pop(old)
    idx.name = new
    catalog.indexes[new] = idx
    catalog.filed(new)
    # The UNIQUE / PRIMARY KEY / EXCLUDE constraint the index backs is renamed with it
    # (checked on the server: ALTER INDEX k RENAME TO k2, then DROP CONSTRAINT k2 runs).
    t = catalog.tables.get(idx.table)
    bare_old, bare_new = old.split(".", 1)[-1], new.split(".", 1)[-1]
    con = t.constraints.get(bare_old) if t is not None else None
    if con is not None and con.kind in ("primary", "unique", "exclude") and \
            bare_new not in t.constraints:
        del t.constraints[bare_old]
        con.name = bare_new
        catalog.put_constraint(t, con)
    for part in [i for i in catalog.indexes.values() if i.attached_to == old]:
        _attach_index(catalog, part, new)


def _move_type(catalog: Catalog, spellings: dict[str, str]) -> None:
    """ALTER TYPE / DOMAIN x RENAME TO y or SET SCHEMA s: the enum, type or domain, the
    domains over it and the columns of it follow (the server names a type by oid)."""
    old, new = next(iter(spellings.items()))
    if old in catalog.enums:
        catalog.enums[new] = catalog.enums.pop(old)
    if old in catalog.types:
        catalog.types.discard(old)
        catalog.types.add(new)
        catalog.filed(new)
    if old in catalog.multiranges:  # the multirange keeps its name and schema
        catalog.multiranges[new] = catalog.multiranges.pop(old)
    if old in catalog.range_subtypes:
        catalog.range_subtypes[new] = catalog.range_subtypes.pop(old)
    catalog.range_subtypes = {name: spellings.get(sub, sub)
                              for name, sub in catalog.range_subtypes.items()}
    if old in catalog.domains:
        catalog.domains[new] = catalog.domains.pop(old)
    if old in catalog.composites:
        catalog.composites[new] = catalog.composites.pop(old)
    if old in catalog.constrained_domains:
        catalog.constrained_domains.discard(old)
        catalog.constrained_domains.add(new)
    for name, domain in list(catalog.domains.items()):
        if domain.base in spellings:
            catalog.domains[name] = replace(domain, base=spellings[domain.base])
    for table in _tables_typed(catalog, spellings):
        for column in table.columns.values():
            if column.type_name in spellings:
                column.type_name = spellings[column.type_name]
        if table.of_type in spellings:  # a typed table names its type by oid too
            table.of_type = spellings[table.of_type]
    retype_routines(catalog, spellings)
    if catalog.type_named(new):
        catalog.move_array(old, new)  # (its array type with it)


def _type_spellings(stmt: dict) -> dict[str, str]:
    """ALTER TYPE / DOMAIN x RENAME TO y or SET SCHEMA s: each way a column may name the old
    type -> the name that now names it, the qualified one first. Columns name their type as
    written: `mood` (search_path) or `public.mood`."""
    old = object_name(_object_names(stmt))
    schema, bare = old.split(".", 1)
    return _spellings(old, f"{stmt.get('newschema') or schema}.{stmt.get('newname') or bare}")


def _spellings(old: str, new: str) -> dict[str, str]:
    """Type `old` (qualified) now goes by `new`: each way a column may name `old` -> the
    name that now names it, the qualified one first (a type of public is named bare)."""
    spellings = {old: new}
    schema, bare = old.split(".", 1)
    if schema == "public":
        new_schema, new_bare = new.split(".", 1)
        spellings[bare] = new_bare if new_schema == "public" else new
    return spellings


def _object_names(stmt: dict) -> list[str]:
    """The name parts of the object a RENAME or SET SCHEMA names by `object` (a type, domain,
    function)."""
    kind, obj = unwrap(stmt.get("object"))
    if kind == "List":
        return strings(obj.get("items"))
    if kind == "ObjectWithArgs":
        return strings(obj.get("objname"))
    if kind == "TypeName":
        return strings(obj.get("names"))
    return [obj.get("sval", "")]


def _move_routine(catalog: Catalog, objtype: str, new_name: str | None,
                  new_schema: str | None, obj: dict | None,
                  kept_as: str = "kept_routines") -> None:
    """ALTER FUNCTION / PROCEDURE / ROUTINE / AGGREGATE (`objtype`) f RENAME TO g or SET
    SCHEMA s: the overload the statement's ObjectWithArgs `obj` names, found as the server
    finds it (`routines.routine_named`: none of a bare name it finds not unique), goes by
    its new name. The triggers that execute it follow (the server names it by oid), so DROP
    FUNCTION g() CASCADE still reaches them."""
    old, moving = routine_named(catalog, unwrap(obj)[1] if obj else {}, objtype, kept_as)
    schema, _, bare = old.partition(".")
    if moved_onto_signature(catalog, old, moving, new_name, new_schema) is not None:
        return  # (refused, 42723: the routine and the one holding the signature stay)
    if bare:  # (a routine made outside may be moved onto a name a DROP freed)
        forget_gone_routines(catalog, f"{new_schema or schema}.{new_name or bare}(")
    if len(moving) == 1:
        _routine_moved(catalog, old, f"{new_schema or schema}.{new_name or bare}", moving,
                       kept_as)


def moved_onto_signature(catalog: Catalog, old: str, moving: tuple[Routine, ...],
                         new_name: str | None, new_schema: str | None) -> Routine | None:
    """The routine or aggregate that holds the signature ALTER FUNCTION / PROCEDURE /
    ROUTINE / AGGREGATE ... RENAME TO `new_name` or SET SCHEMA `new_schema` of the one
    overload `moving` of `old` (qualified) would take, which refuses it (42723 `function
    g(integer) already exists in schema "s"`, "function" for a procedure or an aggregate
    too; a rename to its own name as well; checked on 18.6): `routines.signature_holder`,
    the lookup CREATE FUNCTION's 42723 uses. None when it is free, the overload not known,
    or the move is to the schema it is in (the server does nothing)."""
    schema, _, bare = old.partition(".")
    if len(moving) != 1 or not bare or not new_name and (not new_schema or new_schema == schema):
        return None
    from lockwise.catalog.overloads import input_types  # (loaded with routines' first use)

    return signature_holder(catalog, f"{new_schema or schema}.{new_name or bare}",
                            input_types(moving[0]))


def _routine_moved(catalog: Catalog, old: str, new: str,
                   moving: tuple[Routine, ...] | None = None,
                   kept_as: str = "kept_routines") -> None:
    """Routine `old` (qualified; its overloads `moving`, else every one) goes by name `new`,
    and the triggers that execute it with it, and what calls it (`_follow_calls`)."""
    if kept_as == "kept_routines" and old != new and old in catalog.kept_routines:
        catalog.moved_onto(old, new)  # (before: whether `new` held routines)
    forget_routine(catalog, old, new, moving, kept_as)
    if kept_as == "kept_routines" and old != new and (
            catalog.operators or catalog.operator_classes):
        from lockwise.catalog.operators import follow_routine_move

        follow_routine_move(catalog, old, new, moving)
    if kept_as == "aggregates":
        # (what the name held before is not known to be gone: not `aggregate_sure`)
        catalog.made_order.pop(f"aggregate:{new}", None)
        return
    new_bare = new.split(".", 1)[1]
    for table, name in catalog.triggers_calling(old.split(".", 1)[1].lower(), old):
        trigger = table.triggers[name]
        table.triggers[name] = replace(trigger, function=new_bare.lower(),
                                       qualified=new if trigger.qualified else "")
        catalog.note_triggers(table)
    if old != new:
        _follow_calls(catalog, old, new)


def _follow_calls(catalog: Catalog, old: str, new: str) -> None:
    """Function `old` (qualified) goes by `new`: the expressions calling it keep calling it,
    the server tying them to it by oid (checked on 18.6, fix-small75: after ALTER FUNCTION f
    RENAME TO g, or SET SCHEMA s, pg_get_triggerdef writes `WHEN (g(new.n))`, `s.g(...)`, and
    DROP FUNCTION g is refused for the trigger's WHEN, a default, a CHECK, an index, a
    policy and a view calling it, CASCADE dropping them). Their calls of it (as
    `function_calls` writes them: bare or qualified) name `new` from now on; a bare call
    keeps its old name too while a function of that name is left (which of them it runs is
    not told apart)."""
    from lockwise.catalog.routines import made_names

    old_bare = old.rsplit(".", 1)[-1].lower()
    left = {old: old in catalog.kept_routines, old_bare: old_bare in made_names(catalog)}

    def follow(calls: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(name for call in calls for name in (
            ((call, new) if left[call] else (new,)) if call in left else (call,))))

    policies.follow_function_move(catalog, old, follow)
    # The routines whose SQL-standard body or an argument's default calls it (the server
    # ties them by oid too: DROP FUNCTION of the new name is refused, CASCADE drops them,
    # and a new function under the old name is none of theirs; checked on 18.6, fix-pg80).
    # `kept_routines` is replaced whole, never changed in place.
    kept = catalog.kept_routines
    if any(calls_function(r.calls, old) for overloads in kept.values() for r in overloads):
        catalog.kept_routines = {
            name: tuple(r._replace(calls=follow(r.calls)) if calls_function(r.calls, old)
                        else r for r in overloads) for name, overloads in kept.items()}
    for table, name in catalog.triggers_when_calling(old_bare, old):
        trigger = table.triggers[name]
        table.triggers[name] = replace(trigger, when_calls=follow(trigger.when_calls))
        catalog.note_triggers(table)
    callers = catalog.callers(lambda uses: calls_function(uses, old))
    for table, column in (*callers.defaults, *callers.generated):
        col = catalog.tables[table].columns[column]
        col.uses = follow(col.uses)
    for table, constraint in callers.constraints:
        con = catalog.tables[table].constraints[constraint]
        con.uses = follow(con.uses)
    for view in callers.views:
        catalog.tables[view].uses = follow(catalog.tables[view].uses)
    for key in callers.indexes:
        catalog.indexes[key].uses = follow(catalog.indexes[key].uses)
    for relation in {*(t for t, _ in (*callers.defaults, *callers.generated,
                                      *callers.constraints)), *callers.views,
                     *(catalog.indexes[key].table for key in callers.indexes)}:
        catalog.note_uses(relation)


def _move_sequence(catalog: Catalog, old: str, new: str) -> None:
    """ALTER SEQUENCE s RENAME TO t or SET SCHEMA: the defaults drawing from it follow
    (`nextval('s')` holds its oid), an identity column whose sequence it is, and the column
    owning it. A serial's sequence, which the catalog keeps on its column only, follows too
    (checked on the server: a DROP COLUMN or INSERT then locks it by its new name). The
    columns walked are those of the tables filed under it
    (`Catalog.tables_naming_sequence`): a walk of every column for each sequence renamed or
    moved made many of them quadratic. A rule reading it as a relation (`SELECT * FROM s`)
    keeps it by oid and names it by its new name (checked on 18.6: pg_rules), and so does a
    rule or policy naming it by a regclass constant (`nextval('s')`)."""
    if old == new:
        return
    _rules_follow_rename(catalog, old, new)
    policies.follow_relation_rename(catalog, None, old, new)
    for t in catalog.tables_naming_sequence(old):
        for col in t.columns.values():
            if col.identity_sequence == old:
                col.identity_sequence = new
            if old in col.owns:
                col.owns = tuple(new if s == old else s for s in col.owns)
            if col.default_sequence == old and col.default_sequence_recorded:
                col.default_sequence = new
        catalog.note_sequence_columns(t)  # (those that named `old` name `new` now)
    if old not in catalog.sequences:
        return
    catalog.sequences.discard(old)
    catalog.sequences.add(new)
    catalog.filed(new)


def _in_schema(name: str, old: str, new: str) -> str:
    """`name` (qualified) once schema `old` goes by `new`."""
    return new + name[len(old):] if name.startswith(old + ".") else name


def _rename_schema(catalog: Catalog, old: str, new: str) -> None:
    """ALTER SCHEMA `old` RENAME TO `new`: everything in it moves with it, and what refers
    to its objects by name in the catalog follows (the server refers to them by oid). A
    schema `new` that exists already: the server refuses, the catalog keeps what it had."""
    if not old or not new or old == new or new in catalog.schemas or \
            any(name.startswith(new + ".") for name in catalog.tables):
        return
    prefix = old + "."
    forget_gone_routines(catalog, new + ".")
    catalog.schemas.discard(old)
    catalog.schemas.add(new)
    for t in [t for name, t in catalog.tables.items() if name.startswith(prefix)]:
        _move_relation(catalog, t, _in_schema(t.name, old, new))
    # Those `_move_relation` left: the indexes of tables the catalog never knew, and the
    # partitions' indexes attached to a moved one (new Index objects: forks share them).
    for key in [k for k, i in catalog.indexes.items()
                if i.table.startswith(prefix) or (i.attached_to or "").startswith(prefix)]:
        idx = catalog.indexes.pop(key)
        moved = replace(idx, name=_in_schema(idx.name, old, new),
                        table=_in_schema(idx.table, old, new),
                        attached_to=idx.attached_to and _in_schema(idx.attached_to, old, new))
        catalog.indexes[moved.name] = moved
        catalog.filed(moved.name)
        if moved.uses:
            catalog.note_uses(moved.table)
    for type_name in _schema_types(catalog, old):
        _move_type(catalog, _spellings(type_name, _in_schema(type_name, old, new)))
    for sequence in sorted(s for s in catalog.sequences if s.startswith(prefix)):
        _move_sequence(catalog, sequence, _in_schema(sequence, old, new))
    for function in _schema_functions(catalog, old):
        _routine_moved(catalog, function, _in_schema(function, old, new))
    policies.follow_schema_rename(catalog, old, new)
    if catalog.operators or catalog.operator_classes or catalog.operator_families:
        from lockwise.catalog.operators import follow_schema_rename

        follow_schema_rename(catalog, lambda name: _in_schema(name, old, new))
    for stat in [s for s, on in catalog.statistics.items()
                 if s.startswith(prefix) or on.startswith(prefix)]:
        table, entry = catalog.statistics[stat], _statistics_entry(catalog, stat)
        _drop_statistics(catalog, [stat])
        _add_statistics(catalog, _in_schema(stat, old, new), _in_schema(table, old, new),
                        *entry)
    catalog.unsure = {_in_schema(name, old, new) for name in catalog.unsure}
    catalog.made_since_unsure = {_in_schema(name, old, new)
                                 for name in catalog.made_since_unsure}


def _schema_types(catalog: Catalog, schema: str) -> list[str]:
    """The enums, types and domains (qualified) of `schema`."""
    return sorted(n for n in {*catalog.enums, *catalog.types, *catalog.domains}
                  if n.startswith(schema + "."))


def _schema_trigger_functions(catalog: Catalog, schema: str) -> list[str]:
    """The functions (qualified) of `schema` that triggers execute."""
    return sorted({tr.qualified for t in catalog.tables.values() for tr in t.triggers.values()
                   if tr.qualified.startswith(schema + ".")})


def _schema_functions(catalog: Catalog, schema: str) -> list[str]:
    """The functions (qualified) of `schema` that triggers execute or the migrations made."""
    return sorted({*_schema_trigger_functions(catalog, schema),
                   *(name for name in catalog.kept_routines if name.startswith(schema + "."))})


def _tables_typed(catalog: Catalog, spellings: dict[str, str]) -> list[Table]:
    return [t for t in catalog.tables.values() if t.of_type in spellings
            or any(c.type_name in spellings for c in t.columns.values())]
