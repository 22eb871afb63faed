"""What a statement changes without naming it, for the down check's copy of the catalog
(`tables_reached`), and whether a statement reads what views read (`reads_view_reads`).

Split from `catalog.replay` (which a one-file lint loads whole): only a down migration's
check in the conflict graph asks these.
"""

from __future__ import annotations

from lockwise.catalog import policies
from lockwise.catalog.model import Callers, Catalog, Table
from lockwise.catalog.renames import (
    _object_names,
    _schema_trigger_functions,
    _schema_types,
    _spellings,
    _tables_typed,
    _type_spellings,
)
from lockwise.catalog.replay import (
    _ROUTINE_KINDS,
    RELATION_KINDS,
    _children,
    _relations_dropped,
    _schema_policies,
    _tables_pointing_at,
    _tables_triggering,
    embedded_trees,
    relation_namers,
    routine_callers,
    schema_callers,
    type_callers,
)
from lockwise.catalog.user_types import typed_table_trees
from lockwise.effects.nodes import drop_object_names, object_name, range_var, unwrap


def tables_reached(catalog: Catalog, tree: dict) -> list[Table]:
    """The tables that replaying `tree` changes without the statement naming them: those with a
    column of a renamed type, or of a type or sequence dropped with CASCADE, what a renamed
    schema holds and what refers to it (`_schema_reach`), the views over and foreign keys to a
    renamed or dropped relation, the views that read a renamed column and the foreign keys to
    it, the tables whose triggers, defaults, constraints or indexes, and the views whose
    queries, call a function dropped with CASCADE (`_routine_reach`), the partitions and
    inheritance children of an altered table, the typed tables (and what they reach) of a
    composite type altered with CASCADE, and what a typed table dropped with its type reaches;
    for a DO block, what the statements the replay follows in it reach (the tables they name
    count as named: `embedded_trees`). Whoever replays on a copy of the catalog that shares
    tables must copy these first (graph/down.py)."""
    kind, body = unwrap(tree)
    if kind == "RenameStmt" and body.get("renameType") == "OBJECT_SCHEMA":
        return _schema_reach(catalog, body.get("subname", ""))
    if typed := typed_table_trees(catalog, tree):  # ALTER TYPE ... CASCADE
        return [t for table, inner in typed
                for t in (catalog.tables[table], *tables_reached(catalog, inner))]
    if kind in ("RenameStmt", "AlterObjectSchemaStmt"):
        moved = _moved_with(catalog, body.get("renameType") or body.get("objectType", ""), body)
        if moved is not None:
            return moved
    if kind == "RenameStmt":
        rtype = body.get("renameType", "")
        if rtype in RELATION_KINDS:
            return _tables_following(catalog, range_var(body.get("relation"))[0])
        table = range_var(body.get("relation"))[0]
        # A column or constraint renamed in the partitions and children too.
        # A foreign key's clones follow its name even with ONLY.
        below = _children(catalog, table) if rtype == "OBJECT_TABCONSTRAINT" or \
            rtype == "OBJECT_COLUMN" and (body.get("relation") or {}).get("inh") else []
        if rtype == "OBJECT_COLUMN":
            column = body.get("subname", "")
            views = catalog.views_using_column(table, column)
            # (the foreign keys to it that name it among their referenced columns: the replay
            # respells those only, `renames._rename_column`; a key to the primary key written
            # without columns, or to other columns, is left as it is. On lemmy+documenso the
            # 263 column renames of downs reach 1,250 keys, none naming the column)
            keys = [catalog.tables[other] for rel in (table, *(c.name for c in below))
                    for other, con in catalog.referencing(rel, clones=True)
                    if column in con.ref_columns]
            return [catalog.tables[view] for view in views] + below + keys + \
                policies.column_holders(catalog, [(table, column)])
        return below
    elif kind == "DropStmt":
        rtype = body.get("removeType", "")
        names = [n for n in drop_object_names(body) if n]
        if rtype in RELATION_KINDS:
            cascade = body.get("behavior") == "DROP_CASCADE"
            return [t for n in names for t in _relations_drop_reach(catalog, object_name(n),
                                                                     cascade)]
        if body.get("behavior") != "DROP_CASCADE":
            return []
        if rtype in _ROUTINE_KINDS:
            return [t for n in names for t in _routine_reach(catalog, n, body)]
        if rtype == "OBJECT_SCHEMA":
            # (its types take the columns and typed tables of them elsewhere along)
            return list({id(t): t for n in names for t in [
                *(t for t, _ in _schema_policies(catalog, n[-1])),
                *_callers_reached(catalog, schema_callers(catalog, n[-1], body)),
                *_types_reach(catalog, sorted(t for t in catalog.types
                                              if t.startswith(n[-1] + ".")), body)]}.values())
        if rtype == "OBJECT_SEQUENCE":
            dropped = [pair for n in names for pair in catalog.columns_drawing_from(
                object_name(n))]
            return [catalog.tables[table] for table in dict.fromkeys(t for t, _ in dropped)] + \
                _callers_reached(catalog, catalog.naming({object_name(n) for n in names}))
        if rtype in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
            return _types_reach(catalog, [object_name(n) for n in names], body)
    elif kind == "AlterObjectSchemaStmt" and body.get("objectType") in RELATION_KINDS:
        return _tables_following(catalog, range_var(body.get("relation"))[0])
    elif kind == "AlterTableStmt" and body.get("objtype") != "OBJECT_INDEX":
        # Columns, NOT NULLs and CHECKs added, changed or dropped reach the partitions and
        # inheritance children (some even with ONLY: DROP COLUMN makes theirs their own);
        # a table attached or detached becomes or stops being one, and the partitions of an
        # attached one get the clones of the parent's keys.
        moved = [range_var(unwrap(cmd.get("def"))[1].get("name"))[0]
                 for cmd in (unwrap(c)[1] for c in body.get("cmds") or ())
                 if cmd.get("subtype") in ("AT_AttachPartition", "AT_DetachPartition")]
        table = range_var(body.get("relation"))[0]
        # A column dropped with CASCADE takes the policies using it, on other tables too.
        cascaded = [(table, cmd.get("name", "")) for cmd in (unwrap(c)[1] for c in
                                                             body.get("cmds") or ())
                    if cmd.get("subtype") == "AT_DropColumn"
                    and cmd.get("behavior") == "DROP_CASCADE"]
        # A column or key dropped with CASCADE takes the foreign keys using it (and their
        # clones on partitions).
        keys_lost = any(cmd.get("subtype") in ("AT_DropColumn", "AT_DropConstraint")
                        and cmd.get("behavior") == "DROP_CASCADE"
                        for cmd in (unwrap(c)[1] for c in body.get("cmds") or ()))
        below = _children(catalog, table)
        # (the foreign keys to the partitions' and children's copies of it too)
        return below + [
            t for name in moved for rel in (name, *catalog.partitions(name))
            if (t := catalog.tables.get(rel)) is not None] + \
            policies.column_holders(catalog, cascaded) + [
            catalog.tables[other] for rel in ((table, *(c.name for c in below)) if keys_lost
                                               else ())
            for other, _ in catalog.referencing(rel, clones=True)]
    elif kind == "AlterTableStmt":
        # ALTER INDEX ... ATTACH PARTITION: a key's index takes the partition's constraint
        # over it along (`_own_key`).
        return [t for cmd in (unwrap(c)[1] for c in body.get("cmds") or ())
                if cmd.get("subtype") == "AT_AttachPartition"
                and (idx := catalog.indexes.get(range_var(unwrap(cmd.get("def"))[1].get(
                    "name"))[0])) is not None and (t := catalog.tables.get(idx.table))]
    elif kind == "DoStmt":
        return [t for inner in embedded_trees(body) for t in tables_reached(catalog, inner)]
    return []


def _relations_drop_reach(catalog: Catalog, name: str, cascade: bool) -> list[Table]:
    """The tables `_drop_relations` changes: those pointing at a relation dropped or with a
    rule naming one, and with CASCADE those with a policy naming one or a view over one, or
    an expression naming one by a regclass constant."""
    return [t for rel in _relations_dropped(catalog, name, cascade)
            for t in (*_tables_pointing_at(catalog, rel),
                      *catalog.tables_with_rules_naming(rel))] + \
        (policies.holders_reached(catalog, catalog.cascade_reach(name))
         + _callers_reached(catalog, relation_namers(catalog, name)) if cascade else [])


def _routine_reach(catalog: Catalog, names: list[str], stmt: dict) -> list[Table]:
    """The tables DROP FUNCTION `names` ... CASCADE (`stmt`) changes: those with a trigger
    executing it, what calls it, the policies calling it or naming a view dropped with it."""
    found = routine_callers(catalog, object_name(names), stmt)
    return [*_tables_triggering(catalog, names), *_callers_reached(catalog, found),
            *policies.holders_reached(catalog, list(found.views), (object_name(names),))]


def _callers_reached(catalog: Catalog, found: Callers) -> list[Table]:
    """The tables and views `_drop_callers` changes or drops, and those with a policy using a
    generated column it drops."""
    return [catalog.tables[name] for name in (*found.tables(), *found.views,
                                              *(catalog.indexes[i].table for i in found.indexes))
            ] + policies.column_holders(catalog, list(found.generated))


def _moved_with(catalog: Catalog, kind: str, body: dict) -> list[Table] | None:
    """The tables a RENAME or SET SCHEMA of a type, domain, routine or sequence changes:
    those with a column of it, a trigger executing it, a column naming it (a default drawing
    from it, an identity whose it is, the column owning it: `Catalog.tables_naming_sequence`;
    ALTER TABLE renames a sequence too, as the replay has it). None for another kind of
    object."""
    if kind in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
        return _tables_typed(catalog, _type_spellings(body))
    if kind in _ROUTINE_KINDS:
        return _tables_triggering(catalog, _object_names(body))
    name = range_var(body.get("relation"))[0] if kind in ("OBJECT_SEQUENCE", "OBJECT_TABLE") \
        else ""
    if kind == "OBJECT_SEQUENCE" or "renameType" in body and name in catalog.sequences:
        return catalog.tables_naming_sequence(name)
    return None


def _schema_reach(catalog: Catalog, schema: str) -> list[Table]:
    """The tables ALTER SCHEMA `schema` RENAME changes (none of which it names): its own,
    those following each of them, those with a column or of a type of it, with a default
    drawing from a sequence of it, a trigger executing or a policy calling a function of
    it."""
    prefix = schema + "."
    inside = [t for name, t in catalog.tables.items() if name.startswith(prefix)]
    reached = [*inside, *(o for t in inside for o in _tables_following(catalog, t.name))]
    for type_name in _schema_types(catalog, schema):
        reached += _tables_typed(catalog, _spellings(type_name, type_name))
    reached += [t for seq in catalog.sequences if seq.startswith(prefix)
                for t in catalog.tables_naming_sequence(seq)]
    reached += [t for function in _schema_trigger_functions(catalog, schema)
                for t in _tables_triggering(catalog, function.split("."))]
    reached += policies.calling_schema(catalog, schema)
    return list({id(t): t for t in reached}.values())


def _tables_following(catalog: Catalog, relation: str) -> list[Table]:
    """The tables a rename or SET SCHEMA of `relation` changes besides it: those pointing at
    it, with a rule naming it, and its direct partitions and inheritance children (which
    name their parent)."""
    parent = relation in catalog.partition_parents or relation in catalog.inheritance_parents
    children = [t for t in catalog.tables.values()
                if t.partition_of == relation or relation in t.inherits] if parent else []
    return _tables_pointing_at(catalog, relation) + \
        catalog.tables_with_rules_naming(relation) + children


def _types_reach(catalog: Catalog, types: list[str], body: dict) -> list[Table]:
    """The tables DROP TYPE / DOMAIN ... CASCADE (`body`) of `types` (qualified) changes:
    those with columns of them, those whose policies use those columns, those with
    what casts to them, and the typed tables of them (with what their drop reaches)."""
    dropped = [pair for name in types for pair in catalog.columns_dropped_with_type(name)]
    holders = policies.column_holders(catalog, dropped) + [
        t for name in types for t in _callers_reached(catalog,
                                                      type_callers(catalog, name, body))
    ] + [t for name in types for table in catalog.typed_tables(name)
         for t in _relations_drop_reach(catalog, table, cascade=True)]
    return [catalog.tables[table] for table in dict.fromkeys(t for t, _ in dropped)] + \
        holders


def reads_view_reads(tree: dict) -> bool:
    """Whether replaying `tree`, or `tables_reached`, reads what views read (`Table.sources`,
    `column_reads`, `uses`): a DROP or RENAME of a relation (the views over it), a column
    rename, DROP COLUMN ... CASCADE, DROP TYPE / DOMAIN ... CASCADE (the views that read the
    columns or cast to the type), DROP FUNCTION / PROCEDURE / ROUTINE / SCHEMA ... CASCADE
    (the views that call a function dropped), and a DO block, whose statements may be any of
    these. Keep it in step with the readers in this module."""
    kind, body = unwrap(tree)
    if kind == "DropStmt":  # a CASCADE drops the views using what it drops
        return body.get("removeType") in RELATION_KINDS or (
            body.get("removeType") in ("OBJECT_TYPE", "OBJECT_DOMAIN", "OBJECT_SCHEMA",
                                       *_ROUTINE_KINDS)
            and body.get("behavior") == "DROP_CASCADE")
    if kind == "RenameStmt":  # (RENAME ATTRIBUTE ... CASCADE renames typed tables' columns)
        return body.get("renameType") in (*RELATION_KINDS, "OBJECT_COLUMN") or (
            body.get("renameType") == "OBJECT_ATTRIBUTE"
            and body.get("behavior") == "DROP_CASCADE")
    if kind == "AlterObjectSchemaStmt":  # moves the views over a relation as a rename does
        return body.get("objectType") in RELATION_KINDS
    if kind == "AlterTableStmt":
        cmds = [unwrap(node)[1] for node in body.get("cmds") or ()]
        return any(cmd.get("subtype") == "AT_DropColumn" and cmd.get("behavior") == "DROP_CASCADE"
                   for cmd in cmds)
    return kind == "DoStmt"
