"""ALTER TABLE: the dispatcher of its subcommands (`_ALTER_CMDS`), how they recurse to
partitions and inheritance children, and the subcommands without a family of their own
(SET TABLESPACE, SET LOGGED, storage parameters, INHERIT, SET ACCESS METHOD, ...)."""

from __future__ import annotations

from collections.abc import Callable

from lockwise.catalog.model import Catalog, Column, same_tablespace
from lockwise.catalog.replay import identity_sequence, not_null_check_name, not_null_column
from lockwise.core.types import LockMode
from lockwise.effects.nodes import PrintedSql, range_var, unwrap
from lockwise.effects.postgres import family_function
from lockwise.effects.postgres.builder import (
    NO_TABLE,
    Builder,
    L,
    already_exists,
    drop_defaults_drawing,
    lock_regclass_names,
    owned_sequences,
    refused_if_partitioned,
    refused_on_partitioned,
    sequence_name_taken,
    sequence_owner_refused,
    table_facts,
)
from lockwise.effects.postgres.columns import (
    add_column,
    alter_column_type,
    column_default,
    column_there,
    default_dropped,
    drop_column,
    drop_expression,
    drop_not_null,
    not_null_already,
    set_expression,
    set_not_null,
)
from lockwise.effects.postgres.missing_objects import constraint_absent, missing_in_alter
from lockwise.parse.quoting import quote_ident, quote_literal, relation_sql


def alter_table(b: Builder, stmt: dict) -> None:
    table, qualified = range_var(stmt.get("relation"))
    objtype = stmt.get("objtype", "OBJECT_TABLE")
    if objtype == "OBJECT_INDEX":
        family_function("indexes", "alter_index")(b, stmt, table)
        return
    base = table_facts(b, table, qualified)
    base["if_exists"] = bool(stmt.get("missing_ok"))
    base["only"] = not (stmt.get("relation") or {}).get("inh")
    if objtype == "OBJECT_FOREIGN_TABLE":
        base["table_is_foreign"] = True
    b.alters.add(f"table:{table}")
    b.freed_names = _names_dropped_first(b.ctx.catalog, table, stmt.get("cmds") or ())
    subcommands = [unwrap(node)[1] for node in stmt.get("cmds") or ()]
    b.freed_columns = frozenset(cmd.get("name", "") for cmd in subcommands
                                if cmd.get("subtype") == "AT_DropColumn")
    if objtype == "OBJECT_TYPE":  # a composite type: no table of its own to alter
        refusal = family_function("user_types", "alter_composite_type")(b, table, stmt)
        b.act("alter_composite_type", refusal, type=table, subcommands=tuple(
            cmd.get("subtype", "").replace("AT_", "").lower() for cmd in subcommands),
            cascade=any(cmd.get("behavior") == "DROP_CASCADE" for cmd in subcommands),
            # the tables it locks (typed tables, with CASCADE) are not new: the lock rules apply
            table_is_new=False)
        return
    b.subcommands = subcommands
    several = len(subcommands) > 1
    for position, cmd_node in enumerate(stmt.get("cmds") or (), 1):
        _, cmd = unwrap(cmd_node)
        handler = _alter_cmd(cmd.get("subtype", ""))
        # which subcommand each action is, where there are several: a finding about one
        # column points at it (`subcommand_position`)
        own = {**base, "subcommand_position": position} if several else base
        if missing := missing_in_alter(b.ctx.catalog, table, cmd, subcommands):
            own = {**own, **missing}
        if handler is None:
            b.lock(table, L.ACCESS_EXCLUSIVE)
            b.act("alter_table_other", own,
                  subcommand=cmd.get("subtype", "").replace("AT_", "").lower())
        else:
            handler(b, table, cmd, own)
            if not (stmt.get("relation") or {}).get("inh"):
                continue  # ONLY: the table alone
            if cmd.get("subtype") in _RECURSES:
                _recurse_to_children(b, table, cmd, handler)
            elif _ALTER_CMDS[cmd["subtype"]] == _TRIGGER_TOGGLE and \
                    family_function("triggers", "toggles_row_triggers")(b, table, cmd):
                # Row triggers are cloned to every partition, and toggled there too.
                for part in b.ctx.catalog.partitions(table):
                    b.lock(part, L.SHARE_ROW_EXCLUSIVE)
    if base["table_is_foreign"]:  # no rows here (a table the catalog does not know too)
        b.rewrites.discard(table)
        b.scans.pop(table, None)
    if len(subcommands) > 1:
        _validated_under_statement_lock(b, table)


def _validated_under_statement_lock(b: Builder, table: str) -> None:
    """Mark each VALIDATE CONSTRAINT of `table` that shares its ALTER TABLE with a subcommand
    taking a stronger lock on it: the statement holds its strongest lock on each relation
    from its start, so the validation reads every row under that lock, not under the SHARE
    UPDATE EXCLUSIVE it takes alone (checked on the server: oracle case
    `sweep-validate-and-add-foreign-key-not-valid`)."""
    held = b.locks.get(table)
    if held is None or held <= L.SHARE_UPDATE_EXCLUSIVE:
        return
    for action in b.actions:
        if action.kind == "validate_constraint" and action.facts.get("table") == table \
                and not action.facts.get("already_valid"):
            action.facts["validated_under_stronger_lock"] = True
            action.facts["statement_lock_text"] = held.name.replace("_", " ")
            action.facts["validation_blocks_text"] = "every query on" \
                if held is L.ACCESS_EXCLUSIVE else "every write to"


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
            # (a CHECK reading the column too, `num_nonnulls(a, b) = 1`: checked on 18.6)
            freed.update(c.name for c in known.constraints.values()
                         if column in c.columns or column in c.reads)
            freed.update(i.name.split(".", 1)[1] for i in catalog.indexes_on(table)
                         if column in i.columns)
    return frozenset(freed)


#: ALTER TABLE subcommands that PostgreSQL applies to every partition too (unless ONLY), each
#: under the same lock level as on the parent (tablecmds.c, ATSimpleRecursion and friends).
_RECURSES = {
    "AT_AddColumn", "AT_DropColumn", "AT_AlterColumnType", "AT_ColumnDefault", "AT_SetNotNull",
    "AT_DropNotNull", "AT_AddConstraint", "AT_ValidateConstraint", "AT_DropConstraint",
    "AT_SetStatistics", "AT_SetStorage", "AT_AddIdentity", "AT_DropIdentity", "AT_SetIdentity",
    "AT_SetExpression", "AT_DropExpression",
}


def _recurse_to_children(b: Builder, table: str, cmd: dict, handler: Callable) -> None:
    """Record the locks, rewrites and scans the subcommand also causes on each partition, and
    on each table that inherits from it (PostgreSQL recurses into both alike, with the
    exceptions of `_children_reached`)."""
    for part in _children_reached(b, table, cmd):
        sub = Builder(b.ctx)
        handler(sub, part, cmd, {**table_facts(sub, part, True), "recursed_from": table})
        for rel, mode in sub.locks.items():
            b.lock(rel, mode)
        b.rewrites |= sub.rewrites
        for rel, why in sub.scans.items():
            b.scan(rel, why)


def _children_reached(b: Builder, table: str, cmd: dict) -> list[str]:
    """The partitions and inheritance children a recursing subcommand reaches (checked on the
    server): VALIDATE of a constraint that is valid already does nothing at all, nor reaches
    the children of a NO INHERIT CHECK, nor the inheritance children for a foreign key
    (locked by ADD, which gives them no copy of it); a dropped constraint the children do not
    inherit leaves the inheritance children alone (a partition's own copy of an index
    constraint goes with it all the same); of an identity column, only SET GENERATED reaches
    the partitions (RESTART and the sequence options change the one sequence they share)."""
    catalog = b.ctx.catalog
    sub, name = cmd.get("subtype"), cmd.get("name", "")
    if sub == "AT_ValidateConstraint" and not _validation_recurses(catalog, table, name):
        return []
    if _skipped_before_children(b, table, cmd):
        return []
    if sub == "AT_SetIdentity" and not _sets_generated(cmd):
        return []
    children = catalog.partitions(table)
    if sub == "AT_DropConstraint" and (
            not family_function("constraints", "inherited_check")(catalog, table, name) or (
            cmd.get("missing_ok") and constraint_absent(catalog, table, name))):
        return children
    if sub == "AT_ValidateConstraint" and _foreign_key(catalog, table, name):
        return children  # an inheritance child has no copy of a foreign key to validate
    return children + catalog.inheritance_children(table)


def _foreign_key(catalog: Catalog, table: str, name: str) -> bool:
    con = (t := catalog.tables.get(table)) and t.constraints.get(name)
    return bool(con) and con.kind == "foreign"


def _skipped_before_children(b: Builder, table: str, cmd: dict) -> bool:
    """Whether the subcommand does nothing on `table` and so never reaches its partitions or
    children (checked on the server): ADD COLUMN IF NOT EXISTS of a column it has, DROP
    COLUMN IF EXISTS of one it lacks (for sure: a table these migrations created), and, from
    PostgreSQL 18, SET NOT NULL of a column NOT NULL already and DROP NOT NULL of one that is
    not; DROP IDENTITY IF EXISTS of a column that is no identity."""
    sub, name = cmd.get("subtype"), cmd.get("name", "")
    if sub == "AT_AddColumn" and cmd.get("missing_ok"):
        return column_there(b, table, unwrap(cmd.get("def"))[1].get("colname", ""))
    if sub == "AT_DropColumn" and cmd.get("missing_ok"):
        known = b.ctx.catalog.fully_known(table)
        return known is not None and name not in known.columns
    column = b.ctx.catalog.known_column(table, name)
    if sub == "AT_DropIdentity" and cmd.get("missing_ok"):
        return column is not None and not column.identity
    if sub == "AT_DropNotNull" and b.ctx.pg_version >= 18:
        return column is not None and not column.not_null
    return sub == "AT_SetNotNull" and b.ctx.pg_version >= 18 and \
        not_null_already(b.ctx.catalog, table, name)


def _sets_generated(cmd: dict) -> bool:
    options = cmd.get("def") or {}
    items = unwrap(options)[1].get("items") or () if isinstance(options, dict) else options
    return any(unwrap(item)[1].get("defname") == "generated" for item in items)


def _validation_recurses(catalog: Catalog, table: str, name: str) -> bool:
    con = (t := catalog.tables.get(table)) and t.constraints.get(name)
    if not con and t and (not_null := not_null_column(t, name)) is not None:
        return not not_null.not_null_valid
    if not con:
        return True  # unknown: it may be a NOT VALID one the children inherit
    return not con.validated and not (con.kind == "check" and con.no_inherit)


def _simple(kind: str, mode: LockMode, rewrite: str | None = None,
            transactional: bool = True, refused: str = "") -> Callable:
    """A subcommand that takes `mode`; `refused`: what a partitioned table refuses it as
    (`refused_if_partitioned`)."""
    def handler(b: Builder, table: str, cmd: dict, base: dict) -> None:
        b.lock(table, mode)
        if rewrite:
            b.rewrite(table, rewrite)
        if not transactional:
            b.transactional = False
        extra = {}
        if cmd.get("name"):
            extra["column" if kind.startswith("column_") else "name"] = cmd["name"]
        if refused:
            extra.update(refused_if_partitioned(b, table, refused))
        b.act(kind, base, **extra)
    return handler


def _locking_sequences(column_handler: Callable) -> Callable:
    """DROP COLUMN and ALTER COLUMN TYPE, with their locks on the column's sequences (checked
    on the server): a serial or identity column's own goes with the column (ACCESS EXCLUSIVE);
    a type change alters an identity's sequence as ALTER SEQUENCE AS does (SHARE ROW
    EXCLUSIVE) and reads the one a nextval() default names again (ACCESS SHARE)."""
    def handler(b: Builder, table: str, cmd: dict, base: dict) -> None:
        if not (b.ctx.rule_text and b.ctx.locks_read):  # the locks only rules read
            column_handler(b, table, cmd, base)
            return
        column = cmd.get("name", "")
        owned = owned_sequences(b, table, (column,))
        if cmd.get("subtype") == "AT_DropColumn":
            for seq in owned:
                b.lock(seq, L.ACCESS_EXCLUSIVE)
                if cmd.get("behavior") == "DROP_CASCADE":
                    drop_defaults_drawing(b, seq, besides=table)
        elif (known := b.ctx.catalog.column(table, column)) is not None:
            for seq in owned if known.identity else ():
                b.lock(seq, L.SHARE_ROW_EXCLUSIVE)
            # (a DROP DEFAULT of the column in the same statement runs first, whatever the
            # order written: no default is stored again; checked on the server)
            dropped = default_dropped(b, column)
            if known.default_sequence and known.default_sequence_recorded and not dropped:
                b.lock(known.default_sequence, L.ACCESS_SHARE)
            _lock_restored_regclass_names(b, table, column, known, dropped)
        column_handler(b, table, cmd, base)
    return handler


def _lock_restored_regclass_names(b: Builder, table: str, column: str, known: Column,
                                  default_dropped: bool) -> None:
    """A type change stores the column's default (or generation expression), the CHECKs
    reading it and its indexes again: what their regclass constants name is held ACCESS
    SHARE, as when they were made (checked on the server); not a default the same statement
    drops (`default_dropped`)."""
    catalog = b.ctx.catalog
    if not default_dropped:
        lock_regclass_names(b, known.names)
    for con in (catalog.tables.get(table) or NO_TABLE).constraints.values():
        if con.kind == "check" and column in con.reads:
            lock_regclass_names(b, con.names)
    for idx in catalog.indexes_on(table):
        if column in idx.columns or column in idx.reads:
            lock_regclass_names(b, idx.names)


def _with_owned_sequences(table_handler: Callable) -> Callable:
    """OWNER TO and SET LOGGED / UNLOGGED change the table's serial and identity sequences
    with it, each held ACCESS EXCLUSIVE (checked on the server)."""
    def handler(b: Builder, table: str, cmd: dict, base: dict) -> None:
        for seq in owned_sequences(b, table):
            b.lock(seq, L.ACCESS_EXCLUSIVE)
        table_handler(b, table, cmd, base)
    return handler


def _identity(kind: str, sequence_mode: LockMode) -> Callable:
    """DROP IDENTITY drops the column's sequence (ACCESS EXCLUSIVE on it); SET GENERATED,
    RESTART and the sequence options change it as ALTER SEQUENCE does (SHARE ROW EXCLUSIVE);
    the table is held ACCESS EXCLUSIVE either way (checked on the server)."""
    table_handler = _simple(kind, L.ACCESS_EXCLUSIVE)

    def handler(b: Builder, table: str, cmd: dict, base: dict) -> None:
        for seq in owned_sequences(b, table, (cmd.get("name", ""),)):
            b.lock(seq, sequence_mode)
        table_handler(b, table, cmd, base)
    return handler


def _add_identity(b: Builder, table: str, cmd: dict, base: dict) -> None:
    """ADD GENERATED ... AS IDENTITY makes a sequence that starts at 1 (or its START WITH, or
    its RESTART WITH) whatever the column holds (checked on the server): the facts to say so,
    and the setval() that moves it past the existing values, in the statement's own names."""
    b.lock(table, L.ACCESS_EXCLUSIVE)
    column = cmd.get("name", "")
    _, identity = unwrap(cmd.get("def"))
    option_nodes = [unwrap(o)[1] for o in identity.get("options") or ()]
    options = {o.get("defname") for o in option_nodes}
    # RESTART with a value among the options is where the new sequence begins (RESTART
    # alone goes to the start value): checked on the server
    restart_given = any(o.get("defname") == "restart" and o.get("arg") for o in option_nodes)
    written = relation_sql(table, table, base["qualified"])
    generated = "ALWAYS" if identity.get("generated_when") == "a" else "BY DEFAULT"
    sequence = identity_sequence(b.ctx.catalog, table, column, identity)
    # A sequence of its own, new: no code names it yet (a rename of it later in the
    # migration breaks nothing: rename-owned-sequence's `object_is_new`).
    b.creates.add(f"sequence:{sequence}")
    b.act("column_add_identity", base, column=column, identity_generated_sql=generated,
          # its name held by a relation (a SEQUENCE NAME written) or a type: refused
          **(already_exists(taken) if (taken := sequence_name_taken(b, [sequence])) else
             sequence_owner_refused(b, table, [(column, sequence)])),
          column_allows_null=_allows_null(b, table, column),
          # the CHECK that makes the column NOT NULL first without a read under the lock
          not_null_check=not_null_check_name(b.ctx.catalog.known_table(table),
                                             table.split(".", 1)[-1], column),
          # with its sequence options (SEQUENCE NAME, INCREMENT, ...), as written
          identity_sql=PrintedSql(cmd.get("def") or {}, f"GENERATED {generated} AS IDENTITY"),
          identity_start_given="start" in options or restart_given,
          identity_sequence=sequence,
          identity_setval_sql=f"SELECT setval(pg_get_serial_sequence({quote_literal(written)}, "
                              f"{quote_literal(column)}), coalesce(max({quote_ident(column)}), "
                              f"0) + 1, false) FROM {written};")


def _allows_null(b: Builder, table: str, column: str) -> bool:
    """Whether `column` of `table` is sure to allow NULL when ADD GENERATED ... AS IDENTITY
    runs, which PostgreSQL then refuses (checked on the server): a column of a table whose
    columns the catalog knows, without NOT NULL, that no subcommand of the same ALTER TABLE
    could make NOT NULL (SET NOT NULL, a key or NOT NULL constraint, even after it)."""
    known = b.ctx.catalog.fully_known(table)
    col = known.columns.get(column) if known is not None else None
    if col is None or col.not_null:
        return False
    return not any(cmd.get("subtype") in ("AT_SetNotNull", "AT_AddConstraint")
                   for cmd in b.subcommands)


def _set_persistence(logged: bool) -> Callable:
    def handler(b: Builder, table: str, cmd: dict, base: dict) -> None:
        b.lock(table, L.ACCESS_EXCLUSIVE)
        known = b.ctx.catalog.tables.get(table)
        # A table these migrations created, known to be so already, is left as it is: no
        # rewrite (checked on the server). One created elsewhere may be either.
        unchanged = known is not None and known.created_by is not None and \
            b.ctx.catalog.sure_of(table) and known.unlogged != logged
        refusal = "" if unchanged else _persistence_refusal(b, table, logged)
        if not unchanged and not refusal:
            b.rewrite(table, f"SET {'LOGGED' if logged else 'UNLOGGED'} rewrites the table")
        # A partitioned table has no storage to rewrite: before 18 the statement leaves it
        # and its partitions as they are (checked on 15), from 18 it is refused.
        b.act("set_logged" if logged else "set_unlogged", base, unchanged=unchanged,
              refused_by=(refusal,) if refusal else (), refused_by_text=refusal,
              **refused_if_partitioned(b, table, "set_logged" if logged else "set_unlogged"))
    return handler


def _persistence_refusal(b: Builder, table: str, logged: bool) -> str:
    """Why PostgreSQL refuses to change `table`'s persistence ("" when it does not, as far
    as the catalog knows; checked on the server): SET LOGGED of a table with a foreign key
    to an unlogged table, SET UNLOGGED of one a logged table's foreign key points at (a
    partition too, when the key points at a partitioned table above it, whose partitions it
    points at). A key to the table itself does not count. Only tables these migrations
    created count as logged: of another, the persistence is not known."""
    catalog = b.ctx.catalog
    if logged:
        known = catalog.tables.get(table)
        partners = [c.references for c in (known.constraints.values() if known else ())
                    if c.kind == "foreign" and c.references and c.references != table]
        wrong = [p for p in partners if (t := catalog.tables.get(p)) is not None and t.unlogged]
        return f"it references unlogged table {wrong[0]}" if wrong else ""
    referenced = [table]
    while (up := catalog.tables.get(referenced[-1])) is not None and up.partition_of:
        referenced.append(up.partition_of)
    partners = [other for rel in referenced for other, _ in catalog.referencing(rel)
                if other != table]
    wrong = [p for p in partners if (t := catalog.tables.get(p)) is not None
             and t.created_by is not None and not t.unlogged]
    return f"logged table {wrong[0]} references it" if wrong else ""


def _set_tablespace(b: Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.ACCESS_EXCLUSIVE)
    # Moving a table to the tablespace it is in is a no-op; anywhere else its files are
    # copied: a new relfilenode, but not a scan (checked on the server). Where it is the
    # catalog follows for the tables these migrations created (`Table.tablespace`); another
    # may be anywhere: a copy. A partitioned table has no files: only partitions created
    # later go there, none is moved (checked on the server).
    known = b.ctx.catalog.tables.get(table)
    partitioned = known is not None and known.kind == "partitioned"
    there = known is not None and known.created_by is not None and \
        same_tablespace(known.tablespace, cmd.get("name", ""))
    if not partitioned and not there:
        b.rewrites.add(table)
    b.act("set_tablespace", base, tablespace=cmd.get("name", ""),
          table_is_partitioned=partitioned, in_tablespace_already=there)


def move_all_to_tablespace(b: Builder, stmt: dict) -> None:
    """ALTER TABLE / INDEX / MATERIALIZED VIEW ALL IN TABLESPACE a SET TABLESPACE b: each
    relation of that kind in `a` (of the database, not the system catalogs; OWNED BY: those
    roles' only) is copied under ACCESS EXCLUSIVE, every lock held until the transaction ends
    (checked on the server). Which relations are in `a` the migrations do not say: no lock
    is recorded, the action's facts say it."""
    kind = {"OBJECT_INDEX": "index", "OBJECT_MATVIEW": "materialized view"}.get(
        stmt.get("objtype", ""), "table")
    b.act("move_all_to_tablespace", object_type=kind,
          from_tablespace=stmt.get("orig_tablespacename", ""),
          tablespace=stmt.get("new_tablespacename", ""), nowait=bool(stmt.get("nowait")))


def _set_options(b: Builder, table: str, cmd: dict, base: dict) -> None:
    # Storage parameters that only steer autovacuum/planner take SHARE UPDATE EXCLUSIVE.
    defs = cmd.get("def") or ()
    if isinstance(defs, dict):  # pglast gives {'List': {'items': [...]}}
        defs = unwrap(defs)[1].get("items") or ()
    parsed = [unwrap(d)[1] for d in defs]
    names = [d.get("defname", "") for d in parsed]
    light = all(n == "fillfactor" or n.startswith(("autovacuum_", "toast.autovacuum_")) or n in
                {"parallel_workers", "vacuum_truncate", "vacuum_index_cleanup",
                 "toast_tuple_target", "log_autovacuum_min_duration",
                 "vacuum_max_eager_freeze_failure_rate"}  # PostgreSQL 18
                for n in names)
    b.lock(table, L.SHARE_UPDATE_EXCLUSIVE if light else L.ACCESS_EXCLUSIVE)
    b.act("set_storage_parameters", base, parameters=tuple(names),
          **_storage_parameters_refused(b, table, parsed, cmd.get("subtype") == "AT_SetRelOptions"))


def _storage_parameters_refused(b: Builder, table: str, parameters: list[dict],
                                setting: bool) -> dict:
    """A partitioned table refuses storage parameters of its own being set, not its TOAST
    table's (there is none: ignored) nor a RESET (checked on the server)."""
    if not setting or all(d.get("defnamespace") for d in parameters):
        return {}
    return refused_if_partitioned(b, table, "storage_parameters")


def _inherit(b: Builder, table: str, cmd: dict, base: dict, inherit: bool) -> None:
    # The child is altered (ACCESS EXCLUSIVE). INHERIT keeps the parent's definition from
    # changing meanwhile (SHARE UPDATE EXCLUSIVE, as CREATE TABLE ... INHERITS); NO INHERIT
    # only reads it (ACCESS SHARE). Both checked on the server.
    parent, parent_qualified = range_var(cmd.get("def"))
    b.lock(table, L.ACCESS_EXCLUSIVE)
    b.lock(parent, L.SHARE_UPDATE_EXCLUSIVE if inherit else L.ACCESS_SHARE)
    b.act("inherit" if inherit else "no_inherit", base, family_function(
        "attach", "nullable_below")(b.ctx.catalog, parent, table,
                                    relation_sql(table, table, base["qualified"]))
          if inherit else {}, _inheritance_refused(b, table, parent), parent=parent,
          parent_sql=parent if parent_qualified else parent.split(".", 1)[-1])


def _inheritance_refused(b: Builder, table: str, parent: str) -> dict:
    """INHERIT / NO INHERIT refused for partitioning (checked on the server): a partitioned
    table's or a partition's inheritance is its partitioning, and no table inherits from a
    partitioned one; INHERIT of the table itself or of one below it, as circular."""
    catalog = b.ctx.catalog
    known = catalog.tables.get(table) or NO_TABLE
    if known.kind == "partitioned":
        return refused_on_partitioned(b.ctx, "inherit_partitioned", table)
    if known.partition_of:
        return refused_on_partitioned(b.ctx, "inherit_partition", table)
    if parent == table or catalog.descends_from(parent, table):
        return _circular_inheritance(b, table, parent, known.created_by is not None)
    return refused_if_partitioned(b, parent, "inherit_from_partitioned")


def _circular_inheritance(b: Builder, table: str, parent: str, made_here: bool) -> dict:
    """INHERIT of `parent`, `table` itself or a table below it: refused as circular (42P07,
    with the detail `"parent" is already a child of "table".`, checked on 18.6) once the
    server has found `table` neither partitioned nor a partition. A table below another
    these migrations know is neither (the server refuses a partitioned parent or a partition
    as one); of `table` made its own parent outside them, which may be either, each message
    is said, with when."""
    circular = refused_on_partitioned(b.ctx, "circular", table)[_TEXT]
    bare, parent_bare = table.split(".", 1)[-1], parent.split(".", 1)[-1]
    text = circular
    if parent == table and not made_here:
        text = "; ".join([
            f"if {bare} is partitioned: "
            f"{refused_on_partitioned(b.ctx, 'inherit_partitioned', table)[_TEXT]}",
            f"else if a partition: "
            f"{refused_on_partitioned(b.ctx, 'inherit_partition', table)[_TEXT]}",
            f"else: {circular}"])
    return {"refused_circular_inheritance": True, "refused_circular_inheritance_text": text,
            "refused_circular_inheritance_detail":
                f'"{parent_bare}" is already a child of "{bare}".'}


_TEXT = "refused_on_partitioned_text"


def _set_access_method(b: Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.ACCESS_EXCLUSIVE)
    method = cmd.get("name") or "heap"  # no name: DEFAULT, i.e. default_table_access_method
    # Tables are heap unless created USING another method (not tracked). Asking for the method
    # the table already has is a no-op from PostgreSQL 17 (checked on 18); older servers are
    # assumed to rewrite anyway.
    if method != "heap" or b.ctx.pg_version < 17:
        b.rewrite(table, "SET ACCESS METHOD rewrites the table")
    b.act("set_access_method", base, name=method,
          **refused_if_partitioned(b, table, "set_access_method"))



#: The handler of ALTER TABLE's trigger toggles (ENABLE / DISABLE TRIGGER ...).
_TRIGGER_TOGGLE = ("triggers", "trigger_toggle")

#: Each subcommand's handler: a function, or the family module and name of one, imported
#: with its first subcommand (`_alter_cmd`), as the statement families are: an ADD COLUMN
#: loaded the constraints', partitions', triggers', indexes' and typed tables' families too,
#: 1% of a one-file lint.
_ALTER_CMDS: dict[str, Callable | tuple[str, str]] = {
    "AT_AddColumn": add_column,
    "AT_DropColumn": _locking_sequences(drop_column),
    "AT_AlterColumnType": _locking_sequences(alter_column_type),
    "AT_ColumnDefault": column_default,
    "AT_SetNotNull": set_not_null,
    "AT_DropNotNull": drop_not_null,
    "AT_AddConstraint": ("constraints", "add_constraint"),
    "AT_ValidateConstraint": ("constraints", "validate_constraint"),
    "AT_DropConstraint": ("constraints", "drop_constraint"),
    "AT_AlterConstraint": ("constraints", "alter_constraint"),
    "AT_SetExpression": set_expression,
    "AT_DropExpression": drop_expression,
    "AT_AttachPartition": ("attach", "attach_partition"),
    "AT_DetachPartition": ("attach", "detach_partition"),
    "AT_DetachPartitionFinalize": ("attach", "detach_partition_finalize"),
    "AT_SetTableSpace": _set_tablespace,
    "AT_SetLogged": _with_owned_sequences(_set_persistence(logged=True)),
    "AT_SetUnLogged": _with_owned_sequences(_set_persistence(logged=False)),
    "AT_SetStatistics": _simple("column_set_statistics", L.SHARE_UPDATE_EXCLUSIVE),
    # A partitioned table has no index to mark for a later bare CLUSTER (checked on the server).
    "AT_ClusterOn": _simple("cluster_on", L.SHARE_UPDATE_EXCLUSIVE, refused="cluster_on"),
    "AT_DropCluster": _simple("cluster_off", L.SHARE_UPDATE_EXCLUSIVE, refused="cluster_on"),
    "AT_SetRelOptions": _set_options,
    "AT_ResetRelOptions": _set_options,
    "AT_EnableTrig": _TRIGGER_TOGGLE, "AT_DisableTrig": _TRIGGER_TOGGLE,
    "AT_EnableAlwaysTrig": _TRIGGER_TOGGLE, "AT_EnableReplicaTrig": _TRIGGER_TOGGLE,
    "AT_EnableTrigAll": _TRIGGER_TOGGLE, "AT_DisableTrigAll": _TRIGGER_TOGGLE,
    "AT_EnableTrigUser": _TRIGGER_TOGGLE, "AT_DisableTrigUser": _TRIGGER_TOGGLE,
    "AT_AddIdentity": _add_identity,
    "AT_DropIdentity": _identity("column_drop_identity", L.ACCESS_EXCLUSIVE),
    "AT_SetIdentity": _identity("column_set_identity", L.SHARE_ROW_EXCLUSIVE),
    "AT_ChangeOwner": _with_owned_sequences(_simple("change_owner", L.ACCESS_EXCLUSIVE)),
    "AT_EnableRowSecurity": _simple("enable_row_security", L.ACCESS_EXCLUSIVE),
    "AT_DisableRowSecurity": _simple("disable_row_security", L.ACCESS_EXCLUSIVE),
    "AT_ForceRowSecurity": _simple("force_row_security", L.ACCESS_EXCLUSIVE),
    "AT_ReplicaIdentity": _simple("replica_identity", L.ACCESS_EXCLUSIVE),
    "AT_SetStorage": _simple("column_set_storage", L.ACCESS_EXCLUSIVE),
    # Only values stored from now on are compressed the new way: nothing is rewritten, and
    # the partitions are not reached (the command never recurses: checked on the server).
    "AT_SetCompression": _simple("column_set_compression", L.ACCESS_EXCLUSIVE),
    "AT_SetAccessMethod": _set_access_method,
    "AT_SetOptions": _simple("column_set_options", L.SHARE_UPDATE_EXCLUSIVE),
    "AT_AddInherit": lambda b, table, cmd, base: _inherit(b, table, cmd, base, True),
    "AT_DropInherit": lambda b, table, cmd, base: _inherit(b, table, cmd, base, False),
    "AT_ResetOptions": _simple("column_set_options", L.SHARE_UPDATE_EXCLUSIVE),
}
#: The handlers of `_ALTER_CMDS` named by family, once imported.
_RESOLVED: dict[str, Callable] = {}


def _alter_cmd(subtype: str) -> Callable | None:
    """The handler of an ALTER TABLE subcommand (None: none of its own), its family imported
    at its first use."""
    handler = _RESOLVED.get(subtype)
    if handler is None:
        found = _ALTER_CMDS.get(subtype)
        if found is None:
            return None
        handler = _RESOLVED[subtype] = family_function(*found) if isinstance(found, tuple) \
            else found
    return handler
