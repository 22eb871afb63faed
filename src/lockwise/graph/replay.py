"""The catalog replay, plus the few schema changes the down check needs and
lockwise.catalog.replay does not follow yet (they would otherwise read as down migrations
that fail to undo their up migration):

- `ADD CONSTRAINT n NOT NULL c` and `CREATE TABLE (..., CONSTRAINT n NOT NULL c)`
  (PostgreSQL 18's named NOT NULL constraints);
- `DROP SCHEMA`: the indexes of the tables it removes go too;
- `ALTER COLUMN c SET DEFAULT NULL`, which PostgreSQL stores as no default at all;
- `ALTER TYPE x RENAME TO y` and `ALTER TYPE x RENAME VALUE 'a' TO 'b'`.

Each is applied after `apply_statement`, so that a later fix in catalog/replay.py makes the
corresponding step here a no-op.
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog, Table
from lockwise.catalog.replay import apply_statement
from lockwise.effects.nodes import object_name, range_var, strings, unwrap


def replay(catalog: Catalog, tree: dict, migration_id: str = "") -> None:
    apply_statement(catalog, tree, migration_id)
    kind, body = unwrap(tree)
    if kind == "AlterTableStmt":
        _alter_table(catalog, body)
    elif kind == "CreateStmt":
        table = catalog.tables.get(range_var(body.get("relation"))[0])
        for elt in body.get("tableElts") or ():
            _not_null_constraint(table, elt)
    elif kind == "DropStmt" and body.get("removeType") == "OBJECT_SCHEMA":
        for key in [k for k, i in catalog.indexes.items() if i.table not in catalog.tables]:
            del catalog.indexes[key]
    elif kind == "RenameStmt" and body.get("renameType") == "OBJECT_TYPE":
        _rename_type(catalog, body)
    elif kind == "AlterEnumStmt" and body.get("oldVal"):
        labels = catalog.enums.get(object_name(strings(body.get("typeName"))))
        if labels is not None and body["oldVal"] in labels:
            labels[labels.index(body["oldVal"])] = body.get("newVal", "")


def _alter_table(catalog: Catalog, body: dict) -> None:
    table = catalog.tables.get(range_var(body.get("relation"))[0])
    if table is None:
        return
    for node in body.get("cmds") or ():
        _, cmd = unwrap(node)
        sub = cmd.get("subtype")
        if sub == "AT_AddConstraint":
            _not_null_constraint(table, cmd.get("def"))
        elif sub == "AT_ColumnDefault" and cmd.get("name") in table.columns and \
                unwrap(cmd.get("def"))[1].get("isnull"):
            table.columns[cmd["name"]].default = None


def _not_null_constraint(table: Table | None, node: dict | None) -> None:
    kind, con = unwrap(node)
    if table is None or kind != "Constraint" or con.get("contype") != "CONSTR_NOTNULL":
        return
    for name in strings(con.get("keys")):
        if name in table.columns:
            table.columns[name].not_null = True


def _rename_type(catalog: Catalog, body: dict) -> None:
    _, obj = unwrap(body.get("object"))
    names = strings(obj.get("items")) if obj.get("items") is not None else [obj.get("sval", "")]
    old = object_name(names)
    schema = old.split(".", 1)[0]
    new = f"{schema}.{body.get('newname', '')}"
    if old in catalog.enums:
        catalog.enums[new] = catalog.enums.pop(old)
    if old in catalog.types:
        catalog.types.discard(old)
        catalog.types.add(new)
    # Columns name their type as written: `mood` (search_path) or `public.mood`.
    spellings = {old: new}
    if schema == "public":
        spellings[old.split(".", 1)[1]] = new.split(".", 1)[1]
    for table in catalog.tables.values():
        for column in table.columns.values():
            if column.type_name in spellings:
                column.type_name = spellings[column.type_name]
