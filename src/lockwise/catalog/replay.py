"""Moving the catalog forward: apply one parsed statement's schema changes.

Only what later judgements need is tracked (tables, columns, constraints, indexes, enums,
function volatility). Statements the replay does not understand leave the catalog unchanged.
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog, Column, Constraint, Index, Table
from lockwise.effects.nodes import (
    SERIAL_TYPES,
    is_not_null_check,
    object_name,
    range_var,
    strings,
    type_name,
    unwrap,
)

_CONTYPES = {"CONSTR_CHECK": "check", "CONSTR_FOREIGN": "foreign", "CONSTR_UNIQUE": "unique",
             "CONSTR_PRIMARY": "primary", "CONSTR_EXCLUSION": "exclude"}


def _column(col: dict) -> Column:
    tname, mods, is_array = type_name(col.get("typeName"))
    column = Column(col.get("colname", ""), SERIAL_TYPES.get(tname, tname), mods,
                    array=is_array)
    if tname in SERIAL_TYPES:
        column.not_null = True
        column.default = "nextval()"
    for item in col.get("constraints") or ():
        _, con = unwrap(item)
        contype = con.get("contype")
        if contype in ("CONSTR_NOTNULL", "CONSTR_PRIMARY", "CONSTR_IDENTITY"):
            column.not_null = True
        if contype == "CONSTR_DEFAULT":
            column.default = "default"
        if contype == "CONSTR_IDENTITY":
            column.identity = True
        if contype == "CONSTR_GENERATED":
            column.generated = True
    return column


def _constraint(con: dict, table: str, column: str | None = None) -> Constraint | None:
    kind = _CONTYPES.get(con.get("contype", ""))
    if kind is None:
        return None
    keys = strings(con.get("fk_attrs") if kind == "foreign" else con.get("keys"))
    columns = tuple(keys or ([column] if column else []))
    table_name = table.split(".", 1)[1]
    name = con.get("conname") or _default_constraint_name(table_name, columns, kind)
    return Constraint(
        name=name, kind=kind, columns=columns,
        validated=not con.get("skip_validation"),
        not_null_column=is_not_null_check(con.get("raw_expr")) if kind == "check" else None,
        references=range_var(con.get("pktable"))[0] if kind == "foreign" else None,
        ref_columns=tuple(strings(con.get("pk_attrs"))),
        expr=con.get("raw_expr") if kind == "check" else None,
    )


def _default_constraint_name(table: str, columns: tuple[str, ...], kind: str) -> str:
    suffix = {"primary": "pkey", "unique": "key", "foreign": "fkey", "check": "check",
              "exclude": "excl"}[kind]
    if kind == "primary":
        return f"{table}_pkey"
    return "_".join([table, *columns[:1], suffix]) if columns else f"{table}_{suffix}"


def _add_table_constraint(catalog: Catalog, t: Table, con: Constraint) -> None:
    t.constraints[con.name] = con
    if con.kind == "foreign":
        catalog.note_foreign_key(t.name, con.references)
    if con.kind == "primary":
        for c in con.columns:
            if c in t.columns:
                t.columns[c].not_null = True
    if con.kind in ("primary", "unique"):
        schema = t.name.split(".", 1)[0]
        catalog.indexes[f"{schema}.{con.name}"] = Index(f"{schema}.{con.name}", t.name,
                                                        con.columns, unique=True)


def _create_table(catalog: Catalog, stmt: dict, migration_id: str) -> None:
    name, _ = range_var(stmt.get("relation"))
    if stmt.get("if_not_exists") and name in catalog.tables:
        return
    t = Table(name, kind="partitioned" if stmt.get("partspec") else "table",
              created_by=migration_id,
              unlogged=(stmt.get("relation") or {}).get("relpersistence") == "u")
    spec = stmt.get("partspec") or {}
    if spec:
        t.partition_strategy = str(spec.get("strategy", "")).replace(
            "PARTITION_STRATEGY_", "").lower()
        t.partition_key = tuple(unwrap(p)[1].get("name") or "(expression)"
                                for p in spec.get("partParams") or ())
    if stmt.get("partbound") and stmt.get("inhRelations"):
        t.partition_of = range_var(stmt["inhRelations"][0])[0]
        catalog.partition_parents.add(t.partition_of)
        parent = catalog.tables.get(t.partition_of)
        if parent:
            t.columns = {k: Column(**{f: getattr(v, f) for f in v.__slots__})
                         for k, v in parent.columns.items()}
    catalog.tables[name] = t
    for elt in stmt.get("tableElts") or ():
        kind, body = unwrap(elt)
        if kind == "ColumnDef":
            col = _column(body)
            t.columns[col.name] = col
            for item in body.get("constraints") or ():
                con = _constraint(unwrap(item)[1], name, col.name)
                if con:
                    _add_table_constraint(catalog, t, con)
        elif kind == "Constraint":
            con = _constraint(body, name)
            if con:
                _add_table_constraint(catalog, t, con)


def _alter_table(catalog: Catalog, stmt: dict) -> None:
    name, _ = range_var(stmt.get("relation"))
    t = catalog.tables.get(name)
    if t is None:
        if stmt.get("objtype", "OBJECT_TABLE") != "OBJECT_TABLE":
            return
        t = catalog.tables[name] = Table(name)  # created outside these migrations
    for cmd_node in stmt.get("cmds") or ():
        _, cmd = unwrap(cmd_node)
        sub = cmd.get("subtype", "")
        colname = cmd.get("name", "")
        column = t.columns.get(colname)
        if sub == "AT_AddColumn":
            _, body = unwrap(cmd.get("def"))
            col = _column(body)
            t.columns[col.name] = col
            for item in body.get("constraints") or ():
                con = _constraint(unwrap(item)[1], name, col.name)
                if con:
                    _add_table_constraint(catalog, t, con)
        elif sub == "AT_DropColumn":
            t.columns.pop(colname, None)
            for key in [k for k in catalog.index_keys_on(name)
                        if colname in catalog.indexes[k].columns]:
                del catalog.indexes[key]
            for key in [k for k, c in t.constraints.items() if colname in c.columns]:
                del t.constraints[key]
        elif sub == "AT_AlterColumnType":
            _, body = unwrap(cmd.get("def"))
            tname, mods, is_array = type_name(body.get("typeName"))
            if column is None:
                column = t.columns[colname] = Column(colname, tname)
            column.type_name, column.typmods, column.array = tname, mods, is_array
        elif sub == "AT_ColumnDefault" and column is not None:
            column.default = None if cmd.get("def") is None else "default"
        elif sub == "AT_SetNotNull" and column is not None:
            column.not_null = True
        elif sub == "AT_DropNotNull" and column is not None:
            column.not_null = False
        elif sub == "AT_AddConstraint":
            con = _constraint(unwrap(cmd.get("def"))[1], name)
            if con:
                _add_table_constraint(catalog, t, con)
        elif sub == "AT_ValidateConstraint" and colname in t.constraints:
            t.constraints[colname].validated = True
        elif sub == "AT_DropConstraint":
            t.constraints.pop(colname, None)
            catalog.indexes.pop(f"{name.split('.', 1)[0]}.{colname}", None)
        elif sub == "AT_SetLogged":
            t.unlogged = False
        elif sub == "AT_SetUnLogged":
            t.unlogged = True


def _rename(catalog: Catalog, stmt: dict) -> None:
    rtype = stmt.get("renameType", "")
    new = stmt.get("newname", "")
    name, _ = range_var(stmt.get("relation"))
    t = catalog.tables.get(name)
    if rtype in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW") and t:
        new_name = f"{name.split('.', 1)[0]}.{new}"
        del catalog.tables[name]
        t.name = new_name
        catalog.tables[new_name] = t
        for key in catalog.index_keys_on(name):
            idx = catalog.indexes[key]
            idx.table = new_name
            catalog.indexes[key] = idx  # re-file it under the table's new name
        for other in catalog.tables.values():
            for con in other.constraints.values():
                if con.references == name:
                    con.references = new_name
                if con.kind == "foreign" and (other is t or con.references == new_name):
                    catalog.note_foreign_key(other.name, con.references)
    elif rtype == "OBJECT_COLUMN" and t:
        old = stmt.get("subname", "")
        if old in t.columns:
            col = t.columns.pop(old)
            col.name = new
            t.columns[new] = col
        for idx in catalog.indexes_on(name):
            idx.columns = tuple(new if c == old else c for c in idx.columns)
        for con in t.constraints.values():
            con.columns = tuple(new if c == old else c for c in con.columns)
    elif rtype == "OBJECT_TABCONSTRAINT" and t:
        old = stmt.get("subname", "")
        if old in t.constraints:
            con = t.constraints.pop(old)
            con.name = new
            t.constraints[new] = con
    elif rtype == "OBJECT_INDEX" and name in catalog.indexes:
        idx = catalog.indexes.pop(name)
        idx.name = f"{name.split('.', 1)[0]}.{new}"
        catalog.indexes[idx.name] = idx


def _create_index(catalog: Catalog, stmt: dict) -> None:
    table, _ = range_var(stmt.get("relation"))
    cols = tuple(unwrap(p)[1].get("name") or "(expression)" for p in stmt.get("indexParams") or ())
    idxname = stmt.get("idxname") or f"{table.split('.', 1)[1]}_{'_'.join(cols[:1])}_idx"
    qualified = f"{table.split('.', 1)[0]}.{idxname}"
    if qualified not in catalog.indexes:
        catalog.indexes[qualified] = Index(qualified, table, cols, unique=bool(stmt.get("unique")))


def _drop(catalog: Catalog, stmt: dict) -> None:
    rtype = stmt.get("removeType", "")
    for obj in stmt.get("objects") or ():
        kind, body = unwrap(obj)
        names = strings(body.get("items")) if kind == "List" else strings(body.get("names")) \
            if kind == "TypeName" else [body.get("sval", "")] if kind == "String" else []
        if not names:
            continue
        name = object_name(names)
        if rtype in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE"):
            catalog.tables.pop(name, None)
            for key in catalog.index_keys_on(name):
                del catalog.indexes[key]
            for other in catalog.tables.values():
                for key in [k for k, c in other.constraints.items() if c.references == name]:
                    del other.constraints[key]
        elif rtype == "OBJECT_INDEX":
            catalog.indexes.pop(name, None)
        elif rtype == "OBJECT_TYPE":
            catalog.enums.pop(name, None)
            catalog.types.discard(name)
        elif rtype == "OBJECT_SCHEMA":
            schema = names[-1]
            catalog.schemas.discard(schema)
            for key in [k for k in catalog.tables if k.startswith(schema + ".")]:
                del catalog.tables[key]


def _create_function(catalog: Catalog, stmt: dict) -> None:
    name = strings(stmt.get("funcname"))[-1].lower()
    volatility = "v"
    for opt in stmt.get("options") or ():
        _, body = unwrap(opt)
        if body.get("defname") == "volatility":
            value = unwrap(body.get("arg"))[1].get("sval", "volatile")
            volatility = {"immutable": "i", "stable": "s"}.get(value, "v")
    catalog.functions[name] = volatility


def _create_view(catalog: Catalog, stmt: dict, migration_id: str) -> None:
    name, _ = range_var(stmt.get("view"))
    catalog.tables.setdefault(name, Table(name, kind="view", created_by=migration_id))


def _create_table_as(catalog: Catalog, stmt: dict, migration_id: str) -> None:
    # pglast's JSON inlines the IntoClause (no {"IntoClause": ...} wrapper); accept both.
    into = stmt.get("into") or {}
    into = into.get("IntoClause", into)
    name, _ = range_var(into.get("rel"))
    kind = "matview" if stmt.get("objtype") == "OBJECT_MATVIEW" else "table"
    catalog.tables.setdefault(name, Table(name, kind=kind, created_by=migration_id))


def _stamp_constraints(catalog: Catalog, table: str, migration_id: str) -> None:
    """Record which migration added the constraints that are new on `table`."""
    t = catalog.tables.get(table)
    if catalog.fk_stamps is None:
        catalog.fk_stamps = {}
    for con in t.constraints.values() if t else ():
        if con.created_by is None:
            con.created_by = migration_id
            if con.kind == "foreign":
                catalog.fk_stamps.setdefault(migration_id, set()).add(table)


def apply_statement(catalog: Catalog, tree: dict, migration_id: str = "") -> None:
    """Apply the schema change of one statement to `catalog` (in place)."""
    kind, body = unwrap(tree)
    if kind == "CreateStmt":
        _create_table(catalog, body, migration_id)
        _stamp_constraints(catalog, range_var(body.get("relation"))[0], migration_id)
    elif kind == "AlterTableStmt":
        _alter_table(catalog, body)
        _stamp_constraints(catalog, range_var(body.get("relation"))[0], migration_id)
    elif kind == "RenameStmt":
        _rename(catalog, body)
    elif kind == "IndexStmt":
        _create_index(catalog, body)
    elif kind == "DropStmt":
        _drop(catalog, body)
    elif kind == "CreateFunctionStmt":
        _create_function(catalog, body)
    elif kind == "ViewStmt":
        _create_view(catalog, body, migration_id)
    elif kind == "CreateTableAsStmt":
        _create_table_as(catalog, body, migration_id)
    elif kind == "CreateEnumStmt":
        name = object_name(strings(body.get("typeName")))
        catalog.enums[name] = strings(body.get("vals"))
        catalog.types.add(name)
    elif kind == "AlterEnumStmt":
        name = object_name(strings(body.get("typeName")))
        if not body.get("oldVal") and body.get("newVal"):
            catalog.enums.setdefault(name, []).append(body["newVal"])
    elif kind == "CreateSchemaStmt":
        catalog.schemas.add(body.get("schemaname", ""))
    elif kind == "CreateSeqStmt":
        catalog.sequences.add(range_var(body.get("sequence"))[0])
