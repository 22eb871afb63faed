"""ALTER ... RENAME of every kind of object, and ALTER ... SET SCHEMA."""

from __future__ import annotations

from lockwise.catalog.model import Index
from lockwise.effects.nodes import (
    object_name,
    range_var,
    strings,
    type_stand_in,
    type_stand_in_note,
    unwrap,
)
from lockwise.effects.postgres import family_function
from lockwise.effects.postgres.builder import (
    NO_TABLE,
    Builder,
    L,
    already_exists,
    descendants,
    name_taken,
    owned_sequences,
    partition_column_refused,
    rows_elsewhere,
    signature_shown,
    table_facts,
)
from lockwise.effects.postgres.columns import refused_with_only
from lockwise.effects.postgres.constraints import (
    constraint_name_taken,
    inherited_check,
    named_not_null,
)
from lockwise.effects.postgres.missing_objects import missing_column, missing_in_domain
from lockwise.effects.postgres.user_types import (
    misread_array_type,
    refused_array_type,
    rename_attribute,
)
from lockwise.parse.quoting import quote_ident, quote_literal, quote_qualified, relation_sql


def rename(b: Builder, stmt: dict) -> None:
    rtype = stmt.get("renameType", "")
    new = stmt.get("newname", "")
    if rtype == "OBJECT_TABLE" and _names_a_sequence(b, range_var(stmt.get("relation"))[0]):
        # ALTER TABLE renames a sequence as ALTER SEQUENCE does: ACCESS EXCLUSIVE on the
        # sequence only, the defaults drawing from it follow (checked on the server).
        rtype = "OBJECT_SEQUENCE"
    if rtype == "OBJECT_TABLE" and range_var(stmt.get("relation"))[0] in b.ctx.catalog.indexes:
        # ALTER TABLE renames an index too, holding it ACCESS EXCLUSIVE, where ALTER INDEX
        # takes SHARE UPDATE EXCLUSIVE (checked on the server).
        _rename_index(b, range_var(stmt.get("relation"))[0], new, exclusive=True)
    elif rtype in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_COLUMN",
                   "OBJECT_TABCONSTRAINT", "OBJECT_FOREIGN_TABLE"):
        table, qualified = range_var(stmt.get("relation"))
        b.lock(table, L.ACCESS_EXCLUSIVE)
        base = table_facts(b, table, qualified)
        if rtype == "OBJECT_COLUMN":
            old = stmt.get("subname", "")
            # Renamed in every partition and inheritance child too, unless ONLY.
            for part in descendants(b, table, bool((stmt.get("relation") or {}).get("inh"))):
                b.lock(part, L.ACCESS_EXCLUSIVE)
            b.drops.add(f"column:{table}.{old}")
            b.creates.add(f"column:{table}.{new}")
            known = b.ctx.catalog.column(table, old)
            only = {**base, "only": not (stmt.get("relation") or {}).get("inh")}
            b.act("rename_column", base, refused_with_only(b, table, only,
                                                           f"renames column {old}"),
                  partition_column_refused(b, table, old, "rename", base),
                  column=old, new_name=new,
                  column_is_new=b.ctx.column_is_new(table, old),
                  column_type=known.type_text if known else "",
                  column_collation=known.collation or "" if known else "",
                  # as the safe alternative writes it: a stand-in when the type is unknown
                  column_type_sql=known.type_text if known else quote_ident(
                      type_stand_in(old)),
                  column_type_note=type_stand_in_note(old, known is not None),
                  indexed=any(old in i.columns for i in b.ctx.catalog.indexes_on(table)),
                  **(family_function("expand_contract", "expand_contract_facts")(
                      b.ctx.catalog, table, old, known) if b.ctx.fix_facts else {}),
                  inheritance_children=tuple(b.ctx.catalog.inheritance_children(table)),
                  rows_elsewhere=rows_elsewhere(b.ctx.catalog, table),
                  **_renamed_onto(already_exists(
                      f"column {quote_qualified(table)}.{quote_ident(new)}"
                      if b.ctx.catalog.sure_of(table)
                      and b.ctx.catalog.column(table, new) is not None else "")),
                  **({} if stmt.get("missing_ok") else missing_column(
                      b.ctx.catalog, table, old, f'column "{old}" does not exist')))
        elif rtype == "OBJECT_TABCONSTRAINT":
            if inherited_check(b.ctx.catalog, table, stmt.get("subname", "")):
                # A CHECK the children inherit is renamed in each of them, every partition
                # and inheritance descendant under ACCESS EXCLUSIVE (rename_constraint_internal).
                for child in descendants(b, table, bool((stmt.get("relation") or {}).get("inh"))):
                    b.lock(child, L.ACCESS_EXCLUSIVE)
            b.alters.add(f"constraint:{table}.{stmt.get('subname', '')}")
            b.drops.add(f"constraint:{table}.{stmt.get('subname', '')}")
            b.creates.add(f"constraint:{table}.{new}")
            old = stmt.get("subname", "")
            known = b.ctx.catalog.tables.get(table)
            con = (known or NO_TABLE).constraints.get(old)
            not_null = named_not_null(b, known, old)
            kind = con.kind if con is not None else "not_null" if not_null else "?"
            b.act("rename_constraint", base, constraint=old, new_name=new,
                  name=f"NOT NULL constraint {quote_ident(old)} of "
                       f"{quote_qualified(table)}.{quote_ident(not_null)}"
                  if not_null else f"constraint {quote_ident(old)} on {quote_qualified(table)}",
                  name_used_by_text=name_used_by(kind),
                  # an index-backed one renames its index too: a relation name
                  **_renamed_onto(already_exists(constraint_name_taken(
                      b, table, new, con.kind if con is not None else "", ""))))
        else:
            target = f"{table.split('.', 1)[0]}.{new}"
            b.drops.add(f"table:{table}")
            b.creates.add(f"table:{target}")
            b.act("rename_table", base, new_name=new, new_table=target,
                  # the new name as the statement's table is written, for the old name's view
                  new_table_sql=target if qualified else new,
                  grants_copied_sql=_grants_copied_sql(relation_sql(table, table, qualified),
                                                       relation_sql(target, table, qualified)),
                  object_type=rtype.replace("OBJECT_", "").lower(),
                  # ALTER TABLE renames a sequence or an index too: with no row type, a
                  # type's name is free for them (checked on the server)
                  **_renamed_onto(already_exists(name_taken(
                      b, target, row_type=table not in b.ctx.catalog.sequences
                      and table not in b.ctx.catalog.indexes))))
    elif rtype == "OBJECT_INDEX":
        _rename_index(b, range_var(stmt.get("relation"))[0], new, exclusive=False)
    elif rtype == "OBJECT_TRIGGER":
        table, _ = range_var(stmt.get("relation"))
        # Every partition is locked, for a statement trigger too (checked on the server).
        for rel in (table, *b.ctx.catalog.partitions(table)):
            b.lock(rel, L.ACCESS_EXCLUSIVE)
        b.act("rename_trigger", table=table, trigger=stmt.get("subname", ""), new_name=new,
              name=f"trigger {quote_ident(stmt.get('subname', ''))} on {quote_qualified(table)}",
              name_used_by_text=name_used_by("trigger"),
              table_is_new=b.ctx.table_is_new(table))
    else:
        taken: dict = {}
        written = _rename_object_names(stmt)
        if rtype in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
            # Its new name held by another type (an enum, a domain, a relation's row type;
            # and a relation's name, of a composite type): 42710 `type "_x" already exists`.
            # An array type of the name is renamed out of the way instead (`_x` to `__x`;
            # the catalog keeps none), checked on 18.6 (fix-pg105).
            old = object_name(written)
            target = f"{old.split('.', 1)[0]}.{new}"
            # An array type (`_x`) is refused first: 42809 "cannot alter array type x[]".
            # ALTER DOMAIN of one: 42809 "x[] is not a domain".
            taken = refused_array_type(b.ctx.catalog, written, f"RENAME TO {quote_ident(new)}") \
                if rtype == "OBJECT_TYPE" else misread_array_type(
                    b.ctx.catalog, "RenameStmt", stmt, written, "domain")
            if target != old and not taken:
                taken = already_exists(name_taken(
                    b, target, relation=old in b.ctx.catalog.composites))
        if rtype == "OBJECT_SEQUENCE":  # (checked on the server)
            seq = range_var(stmt.get("relation"))[0]
            b.lock(seq, L.ACCESS_EXCLUSIVE)
            # Relations share one namespace per schema; a sequence has no row type, so an
            # enum's or domain's name is free for it (checked on the server).
            table, column = _sequence_owner(b, seq)
            taken = {**already_exists(name_taken(b, f"{seq.split('.', 1)[0]}.{new}",
                                                 row_type=False)),
                     # the old name as nextval, currval and setval read it, quoted in
                     # the constant where it needs it: 'public."Seq"' (checked on 18.6)
                     "name_literal_sql": quote_literal(quote_qualified(seq)),
                     "sequence_owned": bool(table), "sequence_owned_by":
                     f"{quote_qualified(table)}.{quote_ident(column)}"
                     if table else "",
                     # made with its column, earlier in the migration: no code names it yet
                     "sequence_owner_is_new": bool(table) and (
                         b.ctx.table_is_new(table) or b.ctx.column_is_new(table, column))}
        if rtype in ("OBJECT_POLICY", "OBJECT_RULE"):
            # Renamed in its table's catalog rows, under ACCESS EXCLUSIVE as CREATE POLICY and
            # DROP RULE take it (checked on the server).
            b.lock(range_var(stmt.get("relation"))[0], L.ACCESS_EXCLUSIVE)
        # Of a composite type: its typed tables are renamed with it (CASCADE), or refuse it.
        refusal = rename_attribute(b, stmt) if rtype == "OBJECT_ATTRIBUTE" else \
            (misread_array_type(b.ctx.catalog, "RenameStmt", stmt, written, "domain") or
             missing_in_domain(b.ctx, object_name(written), stmt.get("subname", ""))) \
            if rtype == "OBJECT_DOMCONSTRAINT" else {}
        # A schema (or database, role, ...) is named by `subname`, not by an object node.
        names = written or [stmt.get("subname", "")]
        if rtype in ("OBJECT_OPCLASS", "OBJECT_OPFAMILY"):
            taken = family_function("operator_families", "moved_operator_object")(
                b, rtype, names, "", new)
        elif rtype in _ROUTINES or rtype == "OBJECT_AGGREGATE":
            taken = _routine_moved_onto(b, stmt, rtype, new, None)
        renamed = renamed_object(rtype, names, new)
        if renamed and renamed["object"].startswith(("type:", "sequence:")):
            # It must exist, and goes on under its new name in the same schema (a later
            # migration using the old name fails: the conflict graph). Not a function's:
            # its overloads share the name.
            b.alters.add(renamed["object"])
            b.drops.add(renamed["object"])
            b.creates.add(renamed["new_object"])
        b.act("rename_other", refusal, _renamed_onto(taken),
              object_type=rtype.replace("OBJECT_", "").lower(),
              name=".".join(names), name_sql=_names_sql(stmt, names), new_name=new,
              **renamed,
              # made (or given its name) earlier in the migration, or in the DO block
              object_is_new=bool(renamed) and b.ctx.object_is_new(renamed["object"]))


def _renamed_onto(taken: dict) -> dict:
    """`taken`, the facts of a rename (`already_exists`, or {}), with what the rule's message
    quotes the server refusing it with when the name is taken (`rename_refused_quote`): its
    whole message where the effect knows it (`rename_refused_text`: a routine's), else the
    words every such message has, "already exists" (the other kinds' texts are not checked)."""
    if not taken.get("name_taken"):
        return taken
    return {**taken, "rename_refused_quote": taken.get("rename_refused_text") or "already exists"}


#: The objects code names whose renames the session follows (`Session.dropped`, `created`)
#: and `Context.object_is_new` tells new, as their kind is written in an object key
#: ("type:public.mood"; a schema's is its name alone, "schema:app").
_RENAMED_KINDS = {"OBJECT_TYPE": "type", "OBJECT_DOMAIN": "type", "OBJECT_FUNCTION": "function",
                  "OBJECT_PROCEDURE": "function", "OBJECT_ROUTINE": "function",
                  "OBJECT_SEQUENCE": "sequence", "OBJECT_AGGREGATE": "aggregate",
                  "OBJECT_SCHEMA": "schema"}


def _rename_index(b: Builder, index: str, new: str, exclusive: bool) -> None:
    """Index `index` goes by `new`; `exclusive`: held ACCESS EXCLUSIVE meanwhile, which stops
    every query planning with its table (`index_access_exclusive`)."""
    idx = b.ctx.index(index)
    # The index must exist (a migration that dropped it, or its column, breaks this one),
    # and goes on under its new name in the same schema.
    b.alters.add(f"index:{index}")
    b.drops.add(f"index:{index}")
    b.creates.add(f"index:{index.split('.', 1)[0]}.{new}")
    b.act("rename_index", index=index, new_name=new, table=idx.table if idx else "",
          name=f"index {quote_qualified(index)}", index_access_exclusive=exclusive,
          name_used_by_text=name_used_by(_index_kind(b, idx)),
          table_is_new=bool(idx) and b.ctx.table_is_new(idx.table),
          # an index has no row type: a type's name is free for it
          **_renamed_onto(already_exists(name_taken(b, f"{index.split('.', 1)[0]}.{new}",
                                                    row_type=False))))


#: What names an object of each kind, which a rename breaks: ON CONFLICT ON CONSTRAINT takes
#: only a UNIQUE, PRIMARY KEY or EXCLUDE constraint's name (an index of its own is not a
#: constraint; an EXCLUDE one only with DO NOTHING), and a violation's error names the
#: constraint, or the unique index of its own, it broke (its constraint_name field). "?":
#: a kind the catalog does not know.
_NAME_USED_BY = {
    "primary": "INSERT ... ON CONFLICT ON CONSTRAINT, error handling keyed on the constraint "
               "name, index hints, later migrations",
    "exclude": "INSERT ... ON CONFLICT ON CONSTRAINT ... DO NOTHING, error handling keyed on "
               "the constraint name, index hints, later migrations",
    "foreign": "error handling keyed on the constraint name in its violations, later "
               "migrations that drop or validate it",
    "unique index": "error handling keyed on the index name in its unique violations, index "
                    "hints, later migrations",
    "index": "index hints, monitoring queries, later migrations that drop or alter it",
    "trigger": "later migrations and scripts that drop, enable or disable it by name",
    # PostgreSQL 18's: no error message names it, ON CONFLICT refuses it (checked on 18.6)
    "not_null": "later migrations and scripts that drop, validate or alter it by name",
    "?": "error handling keyed on the constraint name, later migrations, and INSERT ... ON "
         "CONFLICT ON CONSTRAINT, if it is a UNIQUE, PRIMARY KEY or EXCLUDE constraint",
    "index?": "index hints, later migrations, and INSERT ... ON CONFLICT ON CONSTRAINT, if it "
              "is a UNIQUE, PRIMARY KEY or EXCLUDE constraint's index",
}
_NAME_USED_BY["unique"] = _NAME_USED_BY["primary"]
_NAME_USED_BY["check"] = _NAME_USED_BY["foreign"]


def name_used_by(kind: str) -> str:
    """The code that names a renamed object of `kind` (a constraint's kind, "index", "unique
    index", "trigger", or "?" / "index?" when unknown), which must change with the rename."""
    return _NAME_USED_BY.get(kind, _NAME_USED_BY["?"])


def _names_a_sequence(b: Builder, relation: str) -> bool:
    """Whether `relation`, which no table of the catalog bears, is a sequence it knows: one of
    its own, or a serial's or identity's."""
    return relation not in b.ctx.catalog.tables and (
        relation in b.ctx.catalog.sequences or bool(_sequence_owner(b, relation)[0]))


def _sequence_owner(b: Builder, sequence: str) -> tuple[str, str]:
    """The table and column `sequence` goes with: a serial's, an identity's, or one it is
    OWNED BY; ("", "") for a sequence of its own, or one the catalog does not know. Only
    the tables filed under it are asked (`Catalog.tables_naming_sequence`: every table
    asked in turn made many renames quadratic), each once, then the columns of the one it
    goes with; of several, the first in the catalog's order, as a walk of every table
    found it."""
    catalog = b.ctx.catalog
    owning = [t for t in catalog.tables_naming_sequence(sequence)
              if sequence in owned_sequences(b, t.name)]
    if len(owning) > 1:  # (rare: a walk of every table's name to order them)
        order = {name: i for i, name in enumerate(catalog.tables)}
        owning.sort(key=lambda t: order[t.name])
    for table in owning[:1]:
        for column in table.columns:
            if sequence in owned_sequences(b, table.name, (column,)):
                return table.name, column
    return "", ""


def _index_kind(b: Builder, idx: Index | None) -> str:
    """`idx`'s kind as `name_used_by` takes it: a constraint's index is renamed with its
    constraint, and named as one."""
    if idx is None:
        return "index?"
    con = b.ctx.catalog.index_constraint(idx)
    return con.kind if con is not None else "unique index" if idx.unique else "index"


def renamed_object(rtype: str, names: list[str], new: str, new_schema: str = "") -> dict:
    """The object keys of a renamed type, domain, function, aggregate, sequence or schema
    before and after (`object`, `new_object`: "type:public.mood", "type:public.feeling"); none
    for other objects. The new name is in `new_schema` (SET SCHEMA), else in the old one's
    schema."""
    kind = _RENAMED_KINDS.get(rtype)
    if kind is None or not names or not names[-1] or not new:
        return {}
    if kind == "schema":
        return {"object": f"schema:{names[-1]}", "new_object": f"schema:{new}"}
    old = names[0] if rtype == "OBJECT_SEQUENCE" else object_name(names)
    schema = new_schema or old.split(".", 1)[0]
    return {"object": f"{kind}:{old}", "new_object": f"{kind}:{schema}.{new}"}


def _names_sql(stmt: dict, names: list[str]) -> str:
    """The renamed object's name as SQL (`name_sql`): a relation's (a sequence's) as the
    facts qualify it, `public."Seq"`; another's part by part as written, `"My App"`,
    `app."Mood"` (a part may hold a dot)."""
    if stmt.get("relation") and not isinstance(stmt.get("object"), dict):
        return quote_qualified(names[0])
    return ".".join(map(quote_ident, names))


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


_ROUTINES = frozenset({"OBJECT_FUNCTION", "OBJECT_PROCEDURE", "OBJECT_ROUTINE"})

_SCHEMA_MOVABLE = {"OBJECT_TABLE": "table", "OBJECT_VIEW": "view", "OBJECT_MATVIEW": "view",
                   "OBJECT_FOREIGN_TABLE": "table"}


def set_schema(b: Builder, stmt: dict) -> None:
    kind = _SCHEMA_MOVABLE.get(stmt.get("objectType", ""))
    schema = stmt.get("newschema", "")
    if schema:
        # The schema must exist, IF EXISTS or not (3F000 `schema "s" does not exist`,
        # checked on 18.6): the conflict graph says a move into one a migration dropped.
        b.alters.add(f"schema:{schema}")
    if kind is None:
        rtype = stmt.get("objectType", "")
        if rtype == "OBJECT_SEQUENCE":  # (checked on the server)
            b.lock(range_var(stmt.get("relation"))[0], L.ACCESS_EXCLUSIVE)
        # A function's overload moves under its name to `schema` (the conflict graph follows
        # it as a rename: the old schema's name is gone once no overload keeps it); a
        # sequence too, under its name, new there if it was (`track_new_objects`).
        names = _rename_object_names(stmt)
        followed = bool(names) and (rtype in _ROUTINES or rtype == "OBJECT_SEQUENCE")
        # (a sequence's one name is qualified: it keeps the part after the schema)
        name = names[-1].split(".", 1)[-1] if rtype == "OBJECT_SEQUENCE" and names else \
            names[-1] if followed else ""
        moved = renamed_object(rtype, names, name, schema) if followed else {}
        taken: dict = {}
        if rtype in ("OBJECT_OPCLASS", "OBJECT_OPFAMILY"):
            taken = family_function("operator_families", "moved_operator_object")(
                b, rtype, names, schema, "")
            if taken:
                kind = "family" if rtype == "OBJECT_OPFAMILY" else "class"
                taken["set_schema_refused_text"] = (
                    f'operator {kind} "{names[-1]}" for access method "{names[0]}" '
                    f'already exists in schema "{schema}"')
        elif rtype == "OBJECT_SEQUENCE" and names:
            taken = _moved_onto(b, rtype, names[0], schema)
        elif rtype in ("OBJECT_TYPE", "OBJECT_DOMAIN"):
            # an array type is refused before its new name is looked at (checked on 18.6)
            taken = (refused_array_type(b.ctx.catalog, names, f"SET SCHEMA {quote_ident(schema)}")
                     if rtype == "OBJECT_TYPE" else misread_array_type(
                         b.ctx.catalog, "AlterObjectSchemaStmt", stmt, names, "domain")) or \
                _moved_onto(b, rtype, object_name(names), schema)
        elif rtype in _ROUTINES or rtype == "OBJECT_AGGREGATE":
            taken = _routine_moved_onto(b, stmt, rtype, None, schema)
        b.act("set_schema", taken, object_type=rtype.replace("OBJECT_", "").lower(),
              new_schema=schema, **moved)
        return
    table, qualified = range_var(stmt.get("relation"))
    b.lock(table, L.ACCESS_EXCLUSIVE)
    for seq in owned_sequences(b, table):  # moved with it (checked on the server)
        b.lock(seq, L.ACCESS_EXCLUSIVE)
    b.drops.add(f"{kind}:{table}")
    b.creates.add(f"{kind}:{schema}.{table.split('.', 1)[1]}")
    # (ALTER TABLE moves a sequence too: its names as a relation's)
    b.act("set_schema", table_facts(b, table, qualified),
          _moved_onto(b, "OBJECT_TABLE", table, schema), object_type=kind, new_schema=schema)


def _moved_onto(b: Builder, objtype: str, old: str, schema: str) -> dict:
    """The facts of ALTER ... SET SCHEMA `schema` of `old` (qualified; `objtype` the
    statement's objectType) refused for a name the schema has: each name the move takes
    there (`catalog.renames.moved_names`, in the server's order) looked up as a new
    object's. 42P07 `relation "t" already exists in schema "s"`, 42710 `type "t" already
    exists in schema "s"` (checked on 18.6); {} when none is taken, or the schema is the one
    it is in (the server does nothing)."""
    if not schema or old.split(".", 1)[0] == schema:
        return {}
    from lockwise.catalog.renames import moved_names

    for word, bare, relation in moved_names(b.ctx.catalog, objtype, old):
        what = name_taken(b, f"{schema}.{bare}", relation=relation, row_type=not relation)
        if what:
            return {**already_exists(what), "set_schema_refused_text":
                    f'{word} "{bare}" already exists in schema "{schema}"'}
    return {}


def _routine_moved_onto(b: Builder, stmt: dict, rtype: str, new_name: str | None,
                        schema: str | None) -> dict:
    """ALTER FUNCTION / PROCEDURE / ROUTINE / AGGREGATE (`rtype`) ... RENAME TO `new_name`
    or SET SCHEMA `schema` of one overload the catalog knows onto a signature that schema's
    routines or aggregates surely hold (`catalog.renames.moved_onto_signature`): the facts
    of a taken name, and the server's message (`rename_refused_text`, `set_schema_refused_
    text`: 42723 `function g(integer) already exists in schema "s"`, "function" for a
    procedure or an aggregate too; checked on 18.6). {} when it is free or not known."""
    from lockwise.catalog.overloads import input_types
    from lockwise.catalog.renames import moved_onto_signature
    from lockwise.catalog.routines import routine_named
    from lockwise.effects.postgres.create import routine_kind_shown

    obj = unwrap(stmt.get("object"))[1] if isinstance(stmt.get("object"), dict) else {}
    old, moving = routine_named(b.ctx.catalog, obj, rtype, "aggregates"
                                if rtype == "OBJECT_AGGREGATE" else "kept_routines")
    holder = moved_onto_signature(b.ctx.catalog, old, moving, new_name, schema)
    if holder is None:
        return {}
    old_schema, _, bare = old.partition(".")
    shown = signature_shown([new_name or bare], input_types(moving[0]))
    said = f'function {shown} already exists in schema "{schema or old_schema}"'
    return {**already_exists(routine_kind_shown(holder)), **(
        {"rename_refused_text": said} if new_name else {"set_schema_refused_text": said})}


def _grants_copied_sql(view_sql: str, table_sql: str) -> str:
    """A DO block that gives the view under a renamed table's old name (`view_sql`) the
    table's grants (`table_sql`, its new name), PUBLIC's and WITH GRANT OPTION kept: the
    view is the migration role's, and a role refused on it is refused by the old name as by
    the rename (checked on the server). Run where the grants are, so none is guessed."""
    grantee = ("CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE a.grantee::regrole::text END\n"
               "          || CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END")
    return (f"DO $lockwise$\n  DECLARE g record;\n  BEGIN\n    FOR g IN SELECT a.privilege_type "
            f"AS what,\n        {grantee} AS who\n      FROM pg_class c, aclexplode(c.relacl) "
            f"a\n      WHERE c.oid = {quote_literal(table_sql)}::regclass AND a.grantee <> "
            "c.relowner LOOP\n      EXECUTE format('GRANT %s ON %s TO %s', g.what, "
            f"{quote_literal(view_sql)}, g.who);\n    END LOOP;\n  END $lockwise$;")
