"""The catalog replay, plus the few schema changes the down check needs and
lockwise.catalog.replay does not follow yet (they would otherwise read as down migrations
that fail to undo their up migration):

- `ADD CONSTRAINT n NOT NULL c` and `CREATE TABLE (..., CONSTRAINT n NOT NULL c)`
  (PostgreSQL 18's named NOT NULL constraints);
- `DROP SCHEMA`: the indexes of the tables it removes go too;
- `ALTER COLUMN c SET DEFAULT NULL`, which PostgreSQL stores as no default at all;
- `ALTER TYPE x RENAME TO y` and `ALTER TYPE x RENAME VALUE 'a' TO 'b'`;
- dropping a column drops the indexes whose predicate (`WHERE`) or expressions read it, not
  only those whose key lists it (`reads` below keeps what they read);
- `RENAME CONSTRAINT` of a UNIQUE / PRIMARY KEY constraint renames its index too;
- the name PostgreSQL gives an unnamed multi-column UNIQUE or FOREIGN KEY constraint: all its
  columns (`t_a_b_key`), where the replay uses the first only (`t_a_key`), so a later
  `DROP CONSTRAINT t_a_b_key` would miss it (and two such constraints would share a name).

Each is applied after `apply_statement`, so that a later fix in catalog/replay.py makes the
corresponding step here a no-op.
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog, Table
from lockwise.catalog.replay import apply_statement
from lockwise.effects.nodes import object_name, range_var, strings, unwrap, walk


def replay(catalog: Catalog, tree: dict, migration_id: str = "",
           reads: dict[str, set[str]] | None = None) -> None:
    """apply_statement and the steps above. `reads` maps partial and expression indexes to
    the columns their predicate and expressions read (kept by the caller across statements)."""
    apply_statement(catalog, _name_constraints(tree), migration_id)
    kind, body = unwrap(tree)
    if kind == "IndexStmt" and reads is not None:
        _index_reads(catalog, body, reads)
    if kind == "AlterTableStmt":
        _alter_table(catalog, body)
        if reads:
            _drop_reading_indexes(catalog, body, reads)
    elif kind == "CreateStmt":
        table = catalog.tables.get(range_var(body.get("relation"))[0])
        for elt in body.get("tableElts") or ():
            _not_null_constraint(table, elt)
    elif kind == "DropStmt" and body.get("removeType") == "OBJECT_SCHEMA":
        for key in [k for k, i in catalog.indexes.items() if i.table not in catalog.tables]:
            del catalog.indexes[key]
    elif kind == "RenameStmt" and body.get("renameType") == "OBJECT_TYPE":
        _rename_type(catalog, body)
    elif kind == "RenameStmt" and body.get("renameType") == "OBJECT_COLUMN" and reads:
        # Indexes follow a column rename (they reference it by number).
        table = range_var(body.get("relation"))[0]
        old, new = body.get("subname", ""), body.get("newname", "")
        for name, cols in reads.items():
            index = catalog.indexes.get(name)
            if index is not None and index.table == table and old in cols:
                cols.discard(old)
                cols.add(new)
    elif kind == "RenameStmt" and body.get("renameType") == "OBJECT_TABCONSTRAINT":
        table = range_var(body.get("relation"))[0]
        schema = table.split(".", 1)[0]
        old, new = f"{schema}.{body.get('subname', '')}", f"{schema}.{body.get('newname', '')}"
        index = catalog.indexes.get(old)
        if index is not None and index.table == table and new not in catalog.indexes:
            index.name = new
            catalog.indexes[new] = catalog.indexes.pop(old)
    elif kind == "AlterEnumStmt" and body.get("oldVal"):
        labels = catalog.enums.get(object_name(strings(body.get("typeName"))))
        if labels is not None and body["oldVal"] in labels:
            labels[labels.index(body["oldVal"])] = body.get("newVal", "")


def _index_reads(catalog: Catalog, body: dict, reads: dict[str, set[str]]) -> None:
    table = range_var(body.get("relation"))[0]
    if not body.get("idxname"):
        return
    name = f"{table.split('.', 1)[0]}.{body['idxname']}"
    exprs = [unwrap(p)[1].get("expr") for p in body.get("indexParams") or ()]
    read = {names[-1] for kind, node in walk([body.get("whereClause"), exprs])
            if kind == "ColumnRef" and (names := strings(node.get("fields")))}
    if read and name in catalog.indexes:
        reads[name] = read
    else:
        reads.pop(name, None)


def _drop_reading_indexes(catalog: Catalog, body: dict, reads: dict[str, set[str]]) -> None:
    table = range_var(body.get("relation"))[0]
    for node in body.get("cmds") or ():
        _, cmd = unwrap(node)
        if cmd.get("subtype") != "AT_DropColumn":
            continue
        for name in [n for n, cols in reads.items() if cmd.get("name") in cols]:
            index = catalog.indexes.get(name)
            if index is not None and index.table == table:
                del catalog.indexes[name]
            if index is None or index.table == table:
                del reads[name]


_SUFFIX = {"CONSTR_UNIQUE": "key", "CONSTR_FOREIGN": "fkey"}


def _generated_name(table: str, con: dict) -> str | None:
    """PostgreSQL's name for an unnamed multi-column UNIQUE / FOREIGN KEY constraint (None
    when the replay's own guess is already right or the name would need truncating)."""
    suffix = _SUFFIX.get(con.get("contype", ""))
    columns = strings(con.get("fk_attrs") if suffix == "fkey" else con.get("keys"))
    if suffix is None or con.get("conname") or len(columns) < 2:
        return None
    name = "_".join([table, *columns, suffix])
    return name if len(name.encode()) <= 63 else None


def _name_constraints(tree: dict) -> dict:
    """`tree`, with PostgreSQL's generated names filled in where the replay would guess
    wrong (a copy: parse trees are shared with lint's reports and must not change)."""
    kind, body = unwrap(tree)
    if kind not in ("CreateStmt", "AlterTableStmt"):
        return tree
    table = (body.get("relation") or {}).get("relname", "")
    if kind == "CreateStmt":
        elts = body.get("tableElts") or ()
        named = [{"Constraint": {**con, "conname": name}}
                 if (k == "Constraint" and (name := _generated_name(table, con))) else elt
                 for elt in elts for k, con in [unwrap(elt)]]
        return tree if named == list(elts) else {kind: {**body, "tableElts": named}}
    cmds = []
    for node in body.get("cmds") or ():
        _, cmd = unwrap(node)
        k, con = unwrap(cmd.get("def")) if cmd.get("subtype") == "AT_AddConstraint" else ("", {})
        name = _generated_name(table, con) if k == "Constraint" else None
        cmds.append({"AlterTableCmd": {**cmd, "def": {"Constraint": {**con, "conname": name}}}}
                    if name else node)
    return tree if cmds == list(body.get("cmds") or ()) else {kind: {**body, "cmds": cmds}}


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
