"""ALTER TABLE's constraint subcommands: ADD, VALIDATE, DROP and ALTER CONSTRAINT."""

from __future__ import annotations

from lockwise.catalog.model import Catalog, Constraint, Table
from lockwise.catalog.replay import (
    constraint_from,
    constraint_name,
    default_constraint_name,
    exclusion_columns,
    exclusion_index,
    foreign_key_clones,
    new_not_null_name,
    not_null_check_name,
    not_null_column,
    refused_inherited,
)
from lockwise.core.deferred import bound_on_use
from lockwise.effects.foreign_keys import (
    foreign_key_sql,
    leaf_key_names,
    leaf_partitions_query,
    partition_key_steps,
)
from lockwise.effects.nodes import (
    PrintedSql,
    columns_read,
    range_var,
    strings,
    unwrap,
    written_sql,
)
from lockwise.effects.partitions import partitioned_constraint_sql
from lockwise.effects.postgres.attach import child_not_null_facts
from lockwise.effects.postgres.builder import (
    NO_TABLE,
    Builder,
    L,
    already_exists,
    drop_fk_triggers,
    drop_foreign_keys_using,
    exclusion_refused,
    fk_target,
    inheritance_parents,
    name_taken,
    only_drop_refused,
    partition_lineage,
    partitioned_keys,
    refused_by_inheritance,
    refused_facts,
    refused_on_partitioned,
    scan_fk_lookups,
    unique_key_refused,
)
from lockwise.effects.postgres.columns import (
    not_null_proven,
    refused_in_add,
    refused_with_only,
)
from lockwise.effects.postgres.constraint_refusals import alter_constraint_refused
from lockwise.parse.quoting import NEXT_MIGRATION, quote_ident, quote_qualified, relation_sql

#: Imported at their first use: an import statement in a function runs at each call.
_temporary_ties = bound_on_use(globals(), "_temporary_ties",
                               "lockwise.effects.postgres.temporary_ties")
_not_null_refusals = bound_on_use(globals(), "_not_null_refusals",
                                  "lockwise.effects.postgres.not_null_refusals")

_CONTYPES = {
    "CONSTR_CHECK": "check", "CONSTR_FOREIGN": "foreign", "CONSTR_UNIQUE": "unique",
    "CONSTR_PRIMARY": "primary", "CONSTR_EXCLUSION": "exclude", "CONSTR_NOTNULL": "not_null",
}


#: How a message names each kind of constraint (`constraint_kind_text`).
_CONSTRAINT_KIND_TEXT = {
    "check": "CHECK constraint", "foreign": "foreign key", "unique": "UNIQUE constraint",
    "primary": "PRIMARY KEY", "exclude": "EXCLUDE constraint", "not_null": "NOT NULL constraint",
}


def add_constraint(b: Builder, table: str, cmd: dict, base: dict) -> None:
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
             # a temporal key (PostgreSQL 18): its index is GiST, which is never unique, so
             # no index built CONCURRENTLY can be attached (checked on 18.6)
             "without_overlaps": bool(con.get("without_overlaps")),
             "using_index": using_index or "", "columns": columns,
             "columns_text": ", ".join(columns), "ref_table": "", "ref_columns": (),
             **refused_facts([]), "partitioned_table":
                 (b.ctx.catalog.tables.get(table) or NO_TABLE).kind == "partitioned"}
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
        if equal is not None:  # taken over as the clone, as on ATTACH (clone_foreign_keys)
            drop_fk_triggers(b, ref)
        else:
            fk_target(b, ref)
        ref_cols = tuple(strings(con.get("pk_attrs")))
        facts.update(ref_table=ref, ref_columns=ref_cols,
                     ref_table_sql=(ref if range_var(con.get("pktable"))[1]
                                    else ref.split(".", 1)[-1]),
                     ref_columns_text=", ".join(ref_cols),
                     table_is_filled=b.ctx.table_is_filled(table),
                     ref_table_is_new=b.ctx.table_is_new(ref),
                     locked_tables_text=_write_blocked_text(b, table, ref))
        facts.update(_partition_keys_facts(b.ctx.catalog, table, {**con, "conname": name},
                                           base))
        if not_valid and facts["partitioned_table"] and not base.get("recursed_from"):
            facts["partition_keys_sql"] = _partition_keys_sql(
                b.ctx.catalog, table, {**con, "conname": name}, base, b.ctx.pg_version)
        if not base.get("recursed_from"):
            facts.update(refused_facts(refused_in_add(b, table, [(con, None)])))
        if not base.get("recursed_from"):
            facts.update(_temporary_ties.reference_refused(b.ctx.catalog, table, (ref,)))
        if facts["partitioned_table"] and base.get("only") and not base.get("recursed_from"):
            facts.update(refused_on_partitioned(b.ctx, "only_foreign_key", table,
                                                ref=ref.split(".", 1)[-1]))
        # An inheritance child is locked but gets no copy of the key: the parent's is
        # validated on the parent's own rows (ONLY), the child's are not read (checked on the
        # server).
        inheritance_child = bool(base.get("recursed_from")) and \
            not _is_partition(b.ctx.catalog, table)
        # a partitioned table whose leaves have the key validated takes theirs over: no
        # validation query runs (checked on the server)
        if not not_valid and (equal is None or not equal.validated) and \
                not inheritance_child and not facts["checked_on_partitions"]:
            b.scan(table, "foreign key validation")
            # A temporal key (PERIOD) added valid is checked row by row, each row looked up in
            # the referenced key's index; VALIDATE, ENFORCED and ATTACH of one still run the
            # join that reads the referenced table (checked on PostgreSQL 18).
            scan_fk_lookups(b, ref, table, by_index=bool(con.get("fk_with_period")))
    else:
        b.lock(table, L.ACCESS_EXCLUSIVE)
        if kind == "primary" and base.get("only") and not base.get("recursed_from"):
            facts.update(_only_primary_key_descendants(b, table, columns))
        if kind in ("unique", "primary", "exclude") and not using_index:
            if base.get("recursed_from") and not _is_partition(b.ctx.catalog, table):
                why = _inheritance_child_key_scan(b, table, kind, columns)
            elif base.get("recursed_from") and kind == "exclude":
                # An equal EXCLUDE of the partition's own is taken over (checked on the
                # server, PostgreSQL 17+).
                like = exclusion_index(b.ctx.catalog, con, table)
                why = "" if like is not None and b.ctx.catalog.attachable_index(
                    table, like, ("exclude",)) is not None else "index build"
            elif base.get("recursed_from"):
                why = _partition_constraint_scan(b.ctx.catalog, table, kind, columns)
            else:
                why = "index build"
            if why:
                b.scan(table, why)
            if kind != "exclude":
                facts.update(_partitioned_constraint_facts(b, table, name, kind, columns, base))
        if kind in ("unique", "primary") and facts["partitioned_table"] and \
                not base.get("recursed_from"):
            facts.update(unique_key_refused(
                b.ctx, partitioned_keys(b.ctx.catalog, table, bool(base.get("only"))),
                columns, "PRIMARY KEY" if kind == "primary" else "UNIQUE"))
        elif kind == "exclude" and facts["partitioned_table"] and \
                not base.get("recursed_from"):
            facts.update(exclusion_refused(
                b.ctx, partitioned_keys(b.ctx.catalog, table, bool(base.get("only"))),
                exclusion_columns(con)))
        elif kind == "primary" and using_index:
            t = b.ctx.catalog.tables.get(table)
            # USING INDEX names no columns: they are the index's.
            idx = b.ctx.catalog.indexes.get(f"{table.split('.', 1)[0]}.{using_index}")
            key = idx.columns if idx is not None else columns
            # A validated CHECK (c IS NOT NULL) proves a column as it does for SET NOT NULL:
            # no scan (checked on the server). A column a SET NOT NULL of the same statement
            # makes NOT NULL is that subcommand's to scan, once: the key adds no scan (checked
            # on 18.6).
            set_here = {cmd.get("name") for cmd in b.subcommands
                        if cmd.get("subtype") == "AT_SetNotNull"}
            nullable = [c for c in key if t and c in t.columns and not t.columns[c].not_null
                        and c not in set_here and not not_null_proven(b, table, c)]
            facts["pk_nullable_columns"] = tuple(nullable)
            facts["pk_nullable_columns_text"] = ", ".join(nullable)
            if nullable:
                facts.update(_pk_not_null_facts(t, table, nullable))
            if nullable or t is None or idx is None:
                b.scan(table, "PRIMARY KEY checks the columns are NOT NULL")
        elif kind == "check" and not not_valid and not _check_not_checked_here(b, table, name,
                                                                                con, base):
            b.scan(table, "CHECK validation")
        elif kind == "not_null":  # PostgreSQL 18+
            facts["proven_by_check"] = proven = all(
                not_null_proven(b, table, c) for c in columns)
            facts["already_not_null"] = already = bool(columns) and all(
                _validly_not_null(b.ctx.catalog, table, c) for c in columns)
            # NO INHERIT: the children are locked, not read (checked on the server).
            elsewhere = bool(base.get("recursed_from")) and bool(con.get("is_no_inherit"))
            if not not_valid and not proven and not already and not elsewhere:
                b.scan(table, "NOT NULL validation")
    if using_index:
        # The index must exist; attaching it renames it to the constraint's name.
        b.reads.add(f"index:{table.split('.', 1)[0]}.{using_index}")
    # The constraint depends on the columns it names (a CHECK on those its expression reads, a
    # foreign key on the referenced ones too): dropping one drops the constraint with it,
    # silently for a CHECK, UNIQUE or PRIMARY KEY of that column alone.
    read = (*columns, *(columns_read(con.get("raw_expr")) if kind == "check" else ()))
    b.reads.update(f"column:{table}.{col}" for col in read)
    b.reads.update(f"column:{facts['ref_table']}.{col}" for col in facts["ref_columns"])
    b.alters.add(f"table:{table}")
    if con.get("conname"):
        b.creates.add(f"constraint:{table}.{name}")
        if not base.get("recursed_from"):
            facts.update(already_exists(constraint_name_taken(b, table, name, kind,
                                                              using_index or "")))
    if kind in ("check", "not_null") and not con.get("is_no_inherit"):
        facts.update(refused_with_only(b, table, base, f"adds constraint {name}"))
    elif kind in ("check", "not_null") and facts["partitioned_table"]:
        facts.update(refused_on_partitioned(b.ctx, f"no_inherit_{kind}", table))
    b.act("add_constraint", facts)


def constraint_name_taken(b: Builder, table: str, name: str, kind: str,
                          using_index: str) -> str:
    """What holds the name of a constraint added to `table`, or renamed to `name` (checked on
    the server): a constraint of the table (from PostgreSQL 18 a NOT NULL one too, but for a
    NOT NULL constraint added, which may merge with it), or for one with an index (UNIQUE,
    PRIMARY KEY, EXCLUDE: named after the constraint, `USING INDEX` renamed to it) any
    relation of the schema; "" when free, or freed by a drop of the same statement."""
    catalog = b.ctx.catalog
    if name in b.freed_names or not catalog.sure_of(table):
        return ""
    known = catalog.tables.get(table) or NO_TABLE
    own = known.constraints.get(name)
    if own is not None and not own.inherited:
        return f"constraint {name} of {table}"
    if kind != "not_null" and b.ctx.pg_version >= 18 and known is not NO_TABLE \
            and not_null_column(known, name) is not None:
        return f"NOT NULL constraint {name} of {table}"
    if kind in ("unique", "primary", "exclude") and name != using_index:
        return name_taken(b, f"{table.split('.', 1)[0]}.{name}", row_type=False)
    return ""


def _pk_not_null_facts(t: Table | None, table: str, columns: list[str]) -> dict:
    """What primary-key-nullable-columns' alternative writes to make `columns` NOT NULL
    without a scan: one CHECK of them all (each conjunct proves its column to SET NOT NULL,
    checked on the server), named clear of the NOT NULL constraints PostgreSQL 18 names
    `table_column_not_null`, and one ALTER TABLE setting them all NOT NULL."""
    return {"pk_not_null_check": not_null_check_name(t, table.split(".", 1)[-1],
                                                     "_".join(columns)),
            "pk_not_null_predicate_sql": " AND ".join(
                f"{quote_ident(c)} IS NOT NULL" for c in columns),
            "pk_set_not_null_sql": ", ".join(
                f"ALTER COLUMN {quote_ident(c)} SET NOT NULL" for c in columns)}


def _only_primary_key_descendants(b: Builder, table: str, columns: tuple[str, ...]) -> dict:
    """`ALTER TABLE ONLY t ADD PRIMARY KEY` on a key column not yet NOT NULL: the NOT NULL it
    adds to `t` must hold on every partition and inheritance descendant (the statement fails
    where it does not), each locked ACCESS EXCLUSIVE to check it, not read (checked on the
    server). A key named by USING INDEX has columns the statement does not write: counted as
    not NOT NULL."""
    catalog = b.ctx.catalog
    if columns and all(_not_null_in(catalog, table, c) for c in columns):
        return {}
    for rel in catalog.partitions(table) + catalog.inheritance_children(table):
        b.lock(rel, L.ACCESS_EXCLUSIVE)
    return _children_key_nullable(b, table, columns) if b.ctx.pg_version >= 18 else {}


def _children_key_nullable(b: Builder, table: str, columns: tuple[str, ...]) -> dict:
    """The key columns of `ALTER TABLE ONLY table ADD PRIMARY KEY` that a direct partition or
    inheritance child has nullable, or NOT NULL by a NOT VALID constraint: PostgreSQL 18
    refuses the statement (checked on the server; the children's children inherit a NOT NULL
    of theirs). Only the children the catalog is sure of."""
    catalog = b.ctx.catalog
    children = catalog.direct_partitions(table) + (
        [t.name for t in catalog.tables.values() if table in t.inherits]
        if table in catalog.inheritance_parents else [])
    nullable = [(child, relation_sql(child, table, False), c) for child in children
                for c in columns if (col := catalog.known_column(child, c)) is not None
                and not (col.not_null and col.not_null_valid)]
    return child_not_null_facts(catalog, nullable) if nullable else {}


def _check_not_checked_here(b: Builder, table: str, name: str, con: dict,
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


def _is_partition(catalog: Catalog, table: str) -> bool:
    return (catalog.tables.get(table) or NO_TABLE).partition_of is not None


def _inheritance_child_key_scan(b: Builder, child: str, kind: str,
                                columns: tuple[str, ...]) -> str:
    """What a UNIQUE / PRIMARY KEY / EXCLUDE added to a plain inheritance parent reads of
    `child` (empty: nothing). The child gets no index, only the ACCESS EXCLUSIVE lock; a
    PRIMARY KEY gives it a NOT NULL on each key column, which reads it unless every one is
    NOT NULL there already or a validated CHECK proves it (checked on PostgreSQL 18: oracle
    cases `add-primary-key-*inheritance-parent`)."""
    if kind != "primary" or all(_validly_not_null(b.ctx.catalog, child, c) or
                                not_null_proven(b, child, c) for c in columns):
        return ""
    return "PRIMARY KEY makes its columns NOT NULL in the children: every row checked"


def _partition_constraint_scan(catalog: Catalog, part: str, kind: str,
                               columns: tuple[str, ...]) -> str:
    """What a UNIQUE / PRIMARY KEY added to a partitioned table reads of partition `part`
    (empty: nothing). A partition with a UNIQUE or PRIMARY KEY constraint over the same
    columns, in the same order, has that constraint attached instead of a new index built;
    a primary key still reads it when a column may be NULL there (checked on the server)."""
    known = catalog.tables.get(part)
    # A partition's clone of a key of its parent is attached already: not taken over.
    if known is None or not any(c.kind in ("unique", "primary") and c.columns == columns
                                and not c.inherited for c in known.constraints.values()):
        return "index build"
    if kind == "primary" and not all(_not_null_in(catalog, part, c) for c in columns):
        return "PRIMARY KEY checks the columns are NOT NULL"
    return ""


def _validly_not_null(catalog: Catalog, table: str, column: str) -> bool:
    """Whether `column` of `table` has a NOT NULL that holds for every row: not a PG 18 NOT
    VALID constraint (adding one again then reads nothing: checked on the server)."""
    known = catalog.known_table(table)
    col = known.columns.get(column) if known is not None else None
    return col is not None and col.not_null and col.not_null_valid


def _not_null_in(catalog: Catalog, table: str, column: str) -> bool:
    """Whether `column` is NOT NULL in `table`: also when a table above it, a partition,
    has it so (PostgreSQL makes every partition follow)."""
    return any((col := t.columns.get(column)) is not None and col.not_null
               for t in partition_lineage(catalog, table))


def _partitioned_constraint_facts(b: Builder, table: str, name: str, kind: str,
                                  columns: tuple[str, ...], base: dict) -> dict:
    """Facts of a UNIQUE / PRIMARY KEY added to a partitioned table: the leaf partitions it
    would read (those without a matching constraint yet), and the way to prepare them first."""
    catalog = b.ctx.catalog
    if (catalog.tables.get(table) or NO_TABLE).kind != "partitioned" or \
            base.get("recursed_from"):
        return {}
    leaves = () if base.get("only") else tuple(
        p for p in catalog.leaf_partitions(table)
        if _partition_constraint_scan(catalog, p, kind, columns))
    nullable = tuple(c for c in columns if not _not_null_in(catalog, table, c))
    constraint = name or default_constraint_name(catalog, table, columns, kind)
    return {"partitions_to_index": leaves,
            "partitions_to_index_text": ", ".join(leaves),
            "partitioned_constraint_sql": partitioned_constraint_sql(
                catalog, table, base["qualified"], constraint, kind == "primary", columns,
                leaves, nullable) if leaves else ""}


def validate_constraint(b: Builder, table: str, cmd: dict, base: dict) -> None:
    name = cmd.get("name", "")
    b.lock(table, L.SHARE_UPDATE_EXCLUSIVE)
    known = b.ctx.catalog.tables.get(table)
    con = _validated_here(b.ctx.catalog, known, name, base.get("recursed_from"))
    not_null = not_null_column(known, name) if known is not None and con is None else None
    # A constraint valid already is left as it is: nothing read, the referenced table of a
    # foreign key not even locked (checked on the server).
    already = con.validated if con is not None else \
        not_null is not None and not_null.not_null_valid
    if not already:
        if con is not None and con.kind == "foreign" and con.references:
            b.lock(con.references, L.ROW_SHARE)
            scan_fk_lookups(b, con.references, table)
        b.scan(table, "constraint validation")
    b.alters.add(f"constraint:{table}.{name}")
    # A table new in the migration has rows to check only when filled from older tables;
    # a foreign key's then hold up the writes of a referenced table that was there.
    references = con.references if con is not None and con.kind == "foreign" else ""
    b.act("validate_constraint", base, constraint=name,
          constraint_type=con.kind if con else "not_null" if not_null else "",
          already_valid=already, table_is_filled=b.ctx.table_is_filled(table),
          ref_table_is_new=bool(references) and b.ctx.table_is_new(references),
          # (set by alter_table when another subcommand takes a stronger lock on the table)
          validated_under_stronger_lock=False, statement_lock_text="",
          validation_blocks_text="")


def _validated_here(catalog: Catalog, known: Table | None, name: str,
                    top: str | None) -> Constraint | None:
    """The constraint of `known` that VALIDATE CONSTRAINT `name` of `top` (a table above it;
    None: of `known` itself) validates: for a foreign key, its clone, whatever its name."""
    above = catalog.tables.get(top) if top else None
    fk = above.constraints.get(name) if above is not None else None
    if fk is None or fk.kind != "foreign" or known is None:
        return known.constraints.get(name) if known else None
    return next((part.constraints[clone] for part, clone in foreign_key_clones(catalog, top, name)
                 if part is known), None)


def named_not_null(b: Builder, known: Table | None, name: str) -> str:
    """The column of `known` whose NOT NULL constraint is called `name`, from PostgreSQL 18,
    which names them ("" before: a NOT NULL is no constraint then, and a constraint of that
    name is one the catalog does not know). Dropping it makes the column nullable; no error
    message names it and ON CONFLICT ON CONSTRAINT refuses it (checked on the server)."""
    if b.ctx.pg_version < 18 or known is None or name in known.constraints:
        return ""
    column = not_null_column(known, name)
    return column.name if column is not None else ""


def drop_constraint(b: Builder, table: str, cmd: dict, base: dict) -> None:
    name = cmd.get("name", "")
    b.lock(table, L.ACCESS_EXCLUSIVE)
    known = b.ctx.catalog.tables.get(table)
    con = known.constraints.get(name) if known else None
    not_null = named_not_null(b, known, name)
    # A partition's clone of its parent's key: the server refuses to drop it alone.
    refused = "recursed_from" not in base and refused_inherited(con)
    if con is not None and con.kind == "foreign" and con.references and not con.clone_of:
        drop_fk_triggers(b, con.references)
    if base.get("only") and "recursed_from" not in base and \
            inherited_check(b.ctx.catalog, table, name):
        # ONLY leaves the children's copy in place, now their own (conislocal): each direct
        # child's catalog row changes under ACCESS EXCLUSIVE (checked on the server). A
        # partitioned table (which refuses it before 18) holds every partition, however deep
        # (checked on 18.6).
        below = b.ctx.catalog.partitions(table) if b.ctx.pg_version >= 18 else []
        for child in below + b.ctx.catalog.direct_inheritance_children(table):
            b.lock(child, L.ACCESS_EXCLUSIVE)
    if con is not None and con.kind in ("primary", "unique") and con.columns and \
            cmd.get("behavior") == "DROP_CASCADE":
        drop_foreign_keys_using(b, table, con.columns)
    b.drops.add(f"constraint:{table}.{name}")
    b.act("drop_constraint", base, {"column": not_null} if not_null else {}, constraint=name,
          if_exists=bool(cmd.get("missing_ok")),
          constraint_type=con.kind if con else "not_null" if not_null else "",
          inherited_from=known.partition_of or "" if refused and known is not None else "",
          **(only_drop_refused(b, table, base) if con is not None and con.kind == "check"
             else {}), **_inherited_drop_refused(b, known, name, con, base),
          **_not_null_refusals.key_column_refused(b, table, not_null, base, key_first=True),
          **_not_null_refusals.no_such_constraint_before_18(b, table, name, cmd))


def _inherited_drop_refused(b: Builder, known: Table | None, name: str,
                            con: Constraint | None, base: dict) -> dict:
    """DROP CONSTRAINT, on a partition or an inheritance child, of a CHECK its parent has
    (it is the parent's, even one the table had before ATTACH or INHERIT), or from
    PostgreSQL 18 of its NOT NULL constraint on a column NOT NULL in the parent: refused
    (checked on 15.18 and 18.6), `refused_on_partitioned` or `refused_by_inheritance`."""
    if "recursed_from" in base or known is None:
        return {}
    catalog = b.ctx.catalog
    partitioned = catalog.tables.get(known.partition_of) if known.partition_of else None
    parents = [partitioned] if partitioned else inheritance_parents(catalog, known)
    if con is not None:
        inherited = con.kind == "check" and any(
            (theirs := parent.constraints.get(name)) is not None and theirs.kind == "check"
            and not theirs.no_inherit for parent in parents)
        what = "drop_inherited_check"
    else:
        column = not_null_column(known, name)
        inherited = column is not None and any(
            (above := parent.columns.get(column.name)) is not None and above.not_null
            and not above.not_null_no_inherit for parent in parents)
        what = "drop_inherited_not_null"
    if not inherited:
        return {}
    refused = refused_on_partitioned if partitioned else refused_by_inheritance
    return refused(b.ctx, what, known.name, constraint=name)


def alter_constraint(b: Builder, table: str, cmd: dict, base: dict) -> None:
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
    enforces_foreign_key = False
    if alter.get("alterEnforceability") and b.ctx.pg_version >= 18 and con is not None \
            and con.kind == "foreign" and con.references and con.enforced != enforce:
        enforces_foreign_key = enforce
        if enforce:  # validated as ADD FOREIGN KEY is (checked on the server)
            fk_target(b, con.references)
            for rel in (table, *partitions):
                b.scan(rel, "foreign key validation: made ENFORCED")
            scan_fk_lookups(b, con.references, table)
        else:  # its triggers on the referenced table (each partition of it) are dropped
            drop_fk_triggers(b, con.references)
    inheritance: dict = {}
    if alter.get("alterInheritability"):
        inheritance = _alter_not_null_inheritance(b, table, name, base,
                                                  inherit=not alter.get("noinherit"))
    b.alters.add(f"constraint:{table}.{name}")
    b.act("alter_table_other", base, inheritance,
          _not_null_refusals.not_a_not_null(b, table, name, alter),
          alter_constraint_refused(b, table, alter),
          subcommand="alterconstraint", constraint=name,
          constraint_type=con.kind if con else "", enforces_foreign_key=enforces_foreign_key,
          foreign_key_sql=foreign_key_sql(con, table, base.get("qualified", False))
          if enforces_foreign_key and con else "")


def _alter_not_null_inheritance(b: Builder, table: str, name: str, base: dict,
                                inherit: bool) -> dict:
    """PostgreSQL 18's ALTER CONSTRAINT ... [NO] INHERIT of NOT NULL constraint `name`: NO
    INHERIT leaves the direct children their copy, now their own; INHERIT gives it to each
    direct child, which is locked and, unless its column is NOT NULL already (valid or not),
    read to check it, and then to that child's children the same way. A child NOT NULL
    already only counts the parent's constraint as inherited: it is not read, and its own
    children are not even locked. The parent is never read. Checked on the server. Returns
    the action's facts: the children read (`children_read`) and the SQL that makes them NOT
    NULL beforehand without reading them under ACCESS EXCLUSIVE."""
    catalog = b.ctx.catalog
    if not inherit:
        for child in catalog.direct_inheritance_children(table):
            b.lock(child, L.ACCESS_EXCLUSIVE)
        return {}
    known = catalog.tables.get(table)
    column = not_null_column(known, name) if known is not None else None
    colname = column.name if column is not None else ""
    reached = catalog.not_null_inheritors(
        table, lambda child: bool(colname) and _not_null_already(catalog, child, colname))
    for child, _, _ in reached:
        b.lock(child, L.ACCESS_EXCLUSIVE)
    read = [child for child, _, had in reached if not had]
    for child in read:
        b.scan(child, "NOT NULL constraint inherited: the child's rows are checked")
    # Made NOT NULL first, the direct children pass it on to theirs.
    first = [child for child, top, had in reached if top and not had]
    return {"children_read": read, "children_read_text": ", ".join(read), "column": colname,
            **_children_not_null_sql(catalog, first, colname, base)}


def _not_null_already(catalog: Catalog, table: str, column: str) -> bool:
    """Whether `column` of `table` has a NOT NULL constraint (even NOT VALID), as far as the
    catalog knows for sure (a table a DO block may have changed counts as not)."""
    known = catalog.known_column(table, column)
    return known is not None and known.not_null


def _children_not_null_sql(catalog: Catalog, children: list[str], column: str,
                           base: dict) -> dict:
    """For each child: a NOT NULL constraint on `column` added NOT VALID (instant; it reaches
    that child's own children too: `children_not_null_sql`), then, once that has committed,
    validated under SHARE UPDATE EXCLUSIVE (`children_validate_sql`). Named as SET NOT NULL
    would name it there (`new_not_null_name`: numbered past the schema's constraints)."""
    adds, validates = [], []
    for child in children if column else ():
        child_sql = relation_sql(child, base["table"], bool(base.get("qualified")))
        con = quote_ident(new_not_null_name(catalog.tables[child], child.split(".", 1)[-1],
                                            column, catalog))
        adds.append(f"ALTER TABLE {child_sql} ADD CONSTRAINT {con} NOT NULL "
                    f"{quote_ident(column)} NOT VALID;")
        validates.append(f"ALTER TABLE {child_sql} VALIDATE CONSTRAINT {con};")
    return {"children_not_null_sql": "\n".join(adds),
            "children_validate_sql": "\n".join(validates)}


def _write_blocked_text(b: Builder, table: str, ref: str) -> str:
    """The tables of a foreign key whose writes wait while it is validated: both (a
    self-referencing key locks its one table once), less one this migration created, which
    no code writes yet (unless both are: then the referencing table, as written)."""
    tables = [t for t in dict.fromkeys((table, ref)) if not b.ctx.table_is_new(t)] or [table]
    return " and ".join(map(quote_qualified, tables))


def _partition_keys_facts(catalog: Catalog, table: str, con: dict, base: dict) -> dict:
    """Foreign key `con` added to partitioned `table` (not to one of its partitions by the
    recursion; for those, none): its leaf partitions (`fk_leaf_partitions`, qualified), which
    before PostgreSQL 18 take the key NOT VALID in its place (the server refuses NOT VALID on
    a partitioned table), with the key's name on each (`fk_leaf_key_names`), and
    whether each of them has an equal validated key already (`checked_on_partitions`): the
    table's key then takes those over and reads no partition (checked on the server)."""
    if (catalog.tables.get(table) or NO_TABLE).kind != "partitioned":
        return {"fk_leaf_partitions": (), "checked_on_partitions": False}
    leaves = catalog.leaf_partitions(table)
    # (a sub-partitioned partition the recursion reaches takes its leaves' keys over too)
    return {"fk_leaf_partitions": () if base.get("recursed_from") else leaves,
            "fk_leaf_key_names": _leaf_keys(catalog, table, con),
            "checked_on_partitions": bool(leaves) and all(
                (equal := _equal_foreign_key(catalog, leaf, con)) is not None and equal.validated
                for leaf in leaves)}


def _partition_keys_sql(catalog: Catalog, table: str, con: dict, base: dict,
                        pg_version: int) -> str:
    """NOT VALID foreign key `con` (named) of partitioned `table` as the migrations that add
    it where the server refuses it there (`partition_key_steps`), each after the previous
    one committed: on each leaf partition under the name its clone takes there. With no
    partition known (a partition manager makes them), a stand-in for each, and the query
    that lists them."""
    qualified = bool(base.get("qualified"))
    table_sql = relation_sql(table, table, qualified)
    name = con["conname"]
    parts = [(relation_sql(leaf, table, qualified), own, held)
             for _, leaf, own, held in _leaf_keys(catalog, table, con)]
    unnamed = {key: value for key, value in con.items() if key != "conname"}
    valid = {key: value for key, value in con.items() if key != "skip_validation"}
    steps = partition_key_steps(
        # (the stand-in quoted, as fix's: the steps parse as they are)
        parts or [(quote_ident(f"<each partition of {table.split('.', 1)[1]}>"), name, "")],
        table_sql,
        written_sql({"Constraint": unnamed}, f"the definition of {name}"),
        written_sql({"Constraint": {**valid, "initially_valid": True}},
                    f"the definition of {name}, without NOT VALID"))
    text = f"\n{NEXT_MIGRATION}\n".join(
        "\n".join(f"{sql};" for sql in step) for step in steps)
    if parts:
        return text
    return ("-- lockwise knows no partition of it: write each leaf partition in place of the "
            f"stand-in; they are\n-- {leaf_partitions_query(table_sql, pg_version)}\n{text}")


def _leaf_keys(catalog: Catalog, table: str, con: dict) -> tuple:
    """`leaf_key_names` of foreign key `con` (named) of partitioned `table`, with the equal
    key each leaf holds already (which the table's key takes over)."""
    return leaf_key_names(catalog, table, [con["conname"]], tuple(strings(con.get("fk_attrs"))),
                          lambda leaf: _equal_foreign_key(catalog, leaf, con))


def _equal_foreign_key(catalog: Catalog, part: str, con: dict) -> Constraint | None:
    """The key of partition `part`, its own or a clone of one above it, that PostgreSQL takes
    for the clone of foreign key `con` being added to a table above it, instead of making a
    new one (tablecmds.c tryAttachPartitionForeignKey; checked on the server)."""
    added = constraint_from(catalog, con, part)
    if added is None:
        return None
    return next((mine for mine in catalog.inherited_foreign_keys(part)
                 if catalog.same_foreign_key(added, mine)), None)


def inherited_check(catalog: Catalog, table: str, name: str) -> bool:
    """Whether constraint `name` of `table` is one its children inherit: a CHECK without NO
    INHERIT (one the catalog does not know counts as such: PostgreSQL then locks them all)."""
    con = (t := catalog.tables.get(table)) and t.constraints.get(name)
    if not con:
        return True
    return con.kind in ("check", "not_null") and not con.no_inherit
