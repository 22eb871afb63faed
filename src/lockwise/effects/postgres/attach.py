"""ALTER TABLE ... ATTACH / DETACH PARTITION, and what a new partition takes on (the
foreign keys above it, the check of the DEFAULT partition), which CREATE TABLE ... PARTITION
OF shares."""

from __future__ import annotations

from collections.abc import Callable

from lockwise.catalog.model import Catalog, Constraint, Index, Table
from lockwise.catalog.replay import (
    clone_name,
    index_builds,
    not_null_check_name,
    parent_indexes,
)
from lockwise.effects.foreign_keys import foreign_key_sql
from lockwise.effects.nodes import range_var, unwrap
from lockwise.effects.partitions import (
    attach_after_prebuilt_sql,
    bound_excluded_by_checks,
    bound_proven_by_checks,
    bound_sql,
    exclusion_sql,
    prebuilt_indexes_sql,
    range_bounds_sql,
)
from lockwise.effects.postgres.builder import (
    FOR_PARTITIONING,
    NO_TABLE,
    Builder,
    L,
    drop_fk_triggers,
    fk_target,
    partition_lineage,
    partitioned_refusal,
    refused_on_partitioned,
    scan_fk_lookups,
)
from lockwise.parse.quoting import (
    NEXT_MIGRATION,
    quote_ident,
    relation_sql,
    truncate_identifier,
)


def lock_partition_set(b: Builder, parent: str) -> None:
    """Removing a partition from `parent` (DROP, DETACH) changes the parent's set of
    partitions: ACCESS EXCLUSIVE on the parent, and on its DEFAULT partition, whose implicit
    bound changes with it (checked on the server)."""
    b.lock(parent, L.ACCESS_EXCLUSIVE)
    default = b.ctx.catalog.default_partition_of(parent)
    if default is not None:
        b.lock(default, L.ACCESS_EXCLUSIVE)


def attach_partition(b: Builder, table: str, cmd: dict, base: dict) -> None:
    from lockwise.effects.postgres.temporary_ties import partition_refused

    _, spec = unwrap(cmd.get("def"))
    part, qualified = range_var(spec.get("name"))
    b.lock(table, L.SHARE_UPDATE_EXCLUSIVE if b.ctx.pg_version >= 12 else L.ACCESS_EXCLUSIVE)
    catalog = b.ctx.catalog
    # The whole tree of the attached table is locked up front (to refuse a cycle), and the
    # partition constraint of `table` itself is worked out from its ancestors' bounds, read
    # under ACCESS SHARE (checked on the server).
    for rel in (part, *catalog.partitions(part)):
        b.lock(rel, L.ACCESS_EXCLUSIVE)
    for ancestor in partition_lineage(catalog, table)[1:]:
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
    default_facts = check_default_partition(b, table, bound, base.get("qualified", False))
    validated = clone_foreign_keys(b, table, attached=part,
                                   validate=None if b.ctx.table_is_new(part) else part)
    built, missing = _build_missing_indexes(b, table, part)
    b.alters.add(f"table:{part}")
    bound_from, bound_to = range_bounds_sql(bound) or ("<from>", "<to>")
    part_sql = relation_sql(part, part, qualified)
    attach_sql = (f"ALTER TABLE {base.get('table_sql', table)} ATTACH PARTITION {part_sql} "
                  f"{_bound_text(bound)};")
    b.act("attach_partition", base, default_facts, nullable_below(catalog, table, part, part_sql),
          _attach_refused(b, table, part) or partition_refused("attach", part, table),
          partition=part,
          partition_sql=part if qualified else part.split(".", 1)[1],
          partition_is_new=b.ctx.table_is_new(part), bound_proven_by_check=proven,
          partition_key=parent.partition_key if parent else (),
          partition_key_text=", ".join(parent.partition_key if parent else ()) or "<key>",
          default_partition=bool(bound.get("is_default")),
          bound_from_sql=bound_from, bound_to_sql=bound_to,
          validates_foreign_keys=bool(validated), builds_indexes=built,
          builds_indexes_text=", ".join(built),
          missing_indexes_text=", ".join(idx.name for idx, _ in missing),
          prebuilt_indexes_sql=prebuilt_indexes_sql(table, part, qualified, missing),
          foreign_keys_text=", ".join(sorted({con.name for con, _ in validated})),
          prevalidated_keys_sql=_prevalidated_keys_sql(catalog, validated, part, part,
                                                      qualified),
          add_partition_sql=attach_sql,
          attach_after_prebuilt_sql=attach_after_prebuilt_sql(attach_sql, missing))


def _attach_refused(b: Builder, table: str, part: str) -> dict:
    """ATTACH PARTITION `part` to `table` refused (checked on 18.6), in the order the server
    checks: `table` a plain table these migrations made (one made elsewhere may be
    partitioned); `part` a partition already (of any table, `table` too), a typed table, an
    inheritance child or a plain inheritance parent; `part` being `table` or a partitioned
    table above it (a cycle). What the catalog is not sure of (whether `table` is
    partitioned, whether `part`, made elsewhere, is a partition) changes the words, not the
    refusal: each message the server may give is said, with when."""
    catalog = b.ctx.catalog
    known = catalog.tables.get(table)
    if known is not None and known.kind == "table" and known.created_by is not None:
        return refused_on_partitioned(b.ctx, "attach_not_partitioned", table)
    what = _unattachable(catalog, part)
    cycle = part == table or any(t.name == part for t in partition_lineage(catalog, table))
    if not what and not cycle:
        return {}
    # (refusal, relation it names) in the server's order: each but the last said with the
    # condition under which the server gives it, the last when none of those holds
    said = [(what or "circular", part if what else table)]
    if not what and (catalog.tables.get(part) or NO_TABLE).created_by is None:
        said.insert(0, ("attach_partition", part))  # not known not to be a partition
    if not _surely_partitioned(catalog, table, known):
        said.insert(0, ("attach_not_partitioned", table))
    if len(said) == 1:
        return refused_on_partitioned(b.ctx, *said[0])
    when = {"attach_not_partitioned": f"if {_bare(table)} is not partitioned",
            "attach_partition": f"if {_bare(part)} is a partition"}
    texts = [refused_on_partitioned(b.ctx, key, name)["refused_on_partitioned_text"]
             for key, name in said]
    steps = [f"{'else ' if i else ''}{when[key]}: {text}"
             for i, ((key, _), text) in enumerate(zip(said, texts[:-1], strict=False))]
    return partitioned_refusal("; ".join([*steps, f"else: {texts[-1]}"]), FOR_PARTITIONING)


def _unattachable(catalog: Catalog, part: str) -> str:
    """Why `part` cannot become a partition, as the catalog knows it (a key of the
    partitioned refusals; "" when it can): a partition already, a typed table, an
    inheritance child, a plain inheritance parent (a foreign table with children is
    attached: checked on 18.6)."""
    attached = catalog.tables.get(part) or NO_TABLE
    if attached.partition_of:
        return "attach_partition"
    if attached.of_type:
        return "attach_typed"
    if attached.inherits:
        return "attach_inheritance_child"
    if attached.kind != "foreign" and catalog.direct_inheritance_children(part):
        return "attach_inheritance_parent"
    return ""


def _surely_partitioned(catalog: Catalog, table: str, known: Table | None) -> bool:
    """Whether `table` is a partitioned table for sure: made so here, or one the migrations
    attached partitions to."""
    return known is not None and known.kind == "partitioned" or \
        bool(catalog.direct_partitions(table))


def _bare(name: str) -> str:
    return name.split(".", 1)[-1]


def nullable_below(catalog: Catalog, parent: str, child: str, child_sql: str) -> dict:
    """The columns NOT NULL in `parent` (valid or not, a PRIMARY KEY's too) that `child`,
    being attached or made to inherit, has without a valid NOT NULL: PostgreSQL refuses
    the ATTACH PARTITION / INHERIT ("column ... in child table must be marked NOT NULL";
    a NOT VALID one of the child's "conflicts with NOT VALID constraint"; checked on
    PostgreSQL 18). Only columns whose definition in both tables the catalog is sure of; with
    the SQL that gives the child its NOT NULL without reading it under ACCESS EXCLUSIVE."""
    known = catalog.known_table(parent)
    if known is None or not any(c.not_null for c in known.columns.values()):
        return {"child_nullable_columns": ()}  # most parents: nothing to compare
    nullable = []
    for name, col in known.columns.items():
        mine = catalog.known_column(child, name) if col.not_null else None
        if mine is not None and not (mine.not_null and (mine.not_null_valid or
                                                        not col.not_null_valid)):
            nullable.append(name)
    return child_not_null_facts(catalog, [(child, child_sql, name) for name in nullable])


def not_null_through_check(catalog: Catalog, table: str, table_sql: str,
                           column: str) -> tuple[str, str]:
    """The steps that make `column` of `table` (written `table_sql`) NOT NULL without reading
    it under ACCESS EXCLUSIVE: the CHECK (col IS NOT NULL) added NOT VALID (rows written from
    then on are checked), and the next migration's: its VALIDATE (SHARE UPDATE EXCLUSIVE),
    SET NOT NULL (no read: the CHECK proves it) and the CHECK dropped. The CHECK is named
    clear of `table_col_not_null`, PostgreSQL 18's name for the NOT NULL constraint SET NOT
    NULL adds (`not_null_check_name`)."""
    con = quote_ident(not_null_check_name(catalog.known_table(table), table.split(".", 1)[1],
                                          column))
    col = quote_ident(column)
    return (f"ALTER TABLE {table_sql} ADD CONSTRAINT {con} CHECK ({col} IS NOT NULL) NOT VALID;",
            f"{NEXT_MIGRATION}\n"
            f"ALTER TABLE {table_sql} VALIDATE CONSTRAINT {con};\n"
            f"ALTER TABLE {table_sql} ALTER COLUMN {col} SET NOT NULL;"
            f"  -- no read: the CHECK proves it (PG 12+)\n"
            f"ALTER TABLE {table_sql} DROP CONSTRAINT {con};")


def child_not_null_facts(catalog: Catalog, nullable: list[tuple[str, str, str]]) -> dict:
    """The facts naming the (table, table as written, column) of `nullable` that must be NOT
    NULL, valid, before a statement PostgreSQL would refuse otherwise, with the SQL that
    makes each so without reading the table under ACCESS EXCLUSIVE: a CHECK (col IS NOT
    NULL) NOT VALID, validated, SET NOT NULL (no read: the CHECK proves it), the CHECK
    dropped; the CHECK named clear of `table_col_not_null`, PostgreSQL 18's name for the
    NOT NULL constraint SET NOT NULL adds (`not_null_check_name`)."""
    steps = ["\n".join(not_null_through_check(catalog, child, child_sql, name))
             for child, child_sql, name in nullable]
    return {"child_nullable_columns": tuple(c for _, _, c in nullable),
            "child_nullable_columns_text": ", ".join(f"{t}.{c}" for t, _, c in nullable),
            "child_not_null_sql": "\n".join(steps)}


def _build_missing_indexes(
        b: Builder, parent: str, part: str,
) -> tuple[tuple[str, ...], list[tuple[Index, Constraint | None]]]:
    """ATTACH gives the attached table a part of each index of `parent`: an index of the same
    definition it has is taken over (for a UNIQUE / PRIMARY KEY, one of a constraint of the
    same kind), else one is built, reading the table (each of its leaves) under the ACCESS
    EXCLUSIVE lock ATTACH holds on it (checked on the server). The relations read, and the
    indexes of `parent` (with their constraint) that `part` itself lacks."""
    catalog = b.ctx.catalog
    built: dict[str, None] = {}
    missing: list[tuple[Index, Constraint | None]] = []
    for idx, con in parent_indexes(catalog, parent):
        reached = index_builds(catalog, part, idx, con, attaching=True)
        if reached:
            missing.append((idx, con))
        built.update(dict.fromkeys(rel for rel in reached
                                   if (catalog.tables.get(rel) or NO_TABLE).kind != "partitioned"))
    for rel in built:
        b.scan(rel, "index build: the attached table lacks an index of the partitioned table")
    return tuple(built), missing


def clone_foreign_keys(b: Builder, parent: str, validate: str | None,
                        attached: str | None = None) -> list[tuple[Constraint, Constraint | None]]:
    """A new partition takes on the foreign keys of `parent` and the tables above it, both
    ways (checked on the server). Those it holds take SHARE ROW EXCLUSIVE on the tables they
    reference, whose rows are read to check the partition's (`validate`, an attached table
    with rows; not for a NOT VALID or NOT ENFORCED key); ACCESS EXCLUSIVE instead when the
    `attached` table has an equal key of its own, which becomes the clone and loses its
    triggers there (its rows are not read again if that key is valid). Those that reference
    them hold SHARE ROW EXCLUSIVE on the referencing tables. Returns the keys whose rows are
    read, each with the attached table's equal key (not valid) when it has one."""
    catalog = b.ctx.catalog
    validated: list[tuple[Constraint, Constraint | None]] = []
    own = catalog.tables.get(attached) if attached else None
    for con in catalog.inherited_foreign_keys(parent):
        equal = next((mine for mine in own.constraints.values()
                      if catalog.same_foreign_key(con, mine)), None) if own else None
        if equal is not None:
            drop_fk_triggers(b, con.references)
        else:
            fk_target(b, con.references)
        if validate and con.validated and con.enforced and (
                equal is None or not equal.validated):
            b.scan(validate, "foreign key validation of the attached rows")
            scan_fk_lookups(b, con.references, validate)
            validated.append((con, equal))
    for known in partition_lineage(catalog, parent):
        for other, _ in catalog.referencing(known.name):
            if other != known.name:
                b.lock(other, L.SHARE_ROW_EXCLUSIVE)
    return validated


def _prevalidated_keys_sql(catalog: Catalog,
                           keys: list[tuple[Constraint, Constraint | None]], part: str,
                           like: str, qualified: bool) -> str:
    """The steps that give the table to attach each of `keys` validated beforehand, under
    SHARE UPDATE EXCLUSIVE (ROW SHARE on the referenced table): ATTACH then takes them over
    as the clones and reads nothing for them (checked on the server). A key added here is
    named as ATTACH would name its clone, so what later names that clone finds it."""
    table_sql = relation_sql(part, like, qualified)
    adds, validations = [], []
    known = catalog.tables.get(part)
    for con, own in keys:
        name = quote_ident(own.name if own else
                           clone_name(con.name, known) if known else con.name)
        if own is None:
            adds.append(f"ALTER TABLE {table_sql} ADD CONSTRAINT {name} "
                        f"{foreign_key_sql(con, part, qualified)};")
        validations.append(f"ALTER TABLE {table_sql} VALIDATE CONSTRAINT {name};"
                           "  -- writes go on")
    return "\n".join([*adds, NEXT_MIGRATION, *validations] if adds else validations)


def check_default_partition(b: Builder, parent: str, bound: dict, qualified: bool) -> dict:
    """A new partition's bound takes rows from the DEFAULT partition's range: PostgreSQL locks
    the DEFAULT partition and reads it in full to check that none of its rows belong there,
    unless its validated CHECKs prove it (checked on the server). The facts a rule needs to
    tell the read and how to skip it (`reads_default_partition`)."""
    catalog = b.ctx.catalog
    default = catalog.default_partition_of(parent)
    if default is None or bound.get("is_default"):
        return {"reads_default_partition": False}
    # `partitioned_table`, `bound_sql` and the caller's `add_partition_sql` let one rule
    # speak of CREATE TABLE ... PARTITION OF and ATTACH PARTITION alike.
    b.lock(default, L.ACCESS_EXCLUSIVE)
    known = catalog.tables.get(parent)
    scans = set(b.scans)
    _check_partition_rows(
        b, default, lambda rel: bound_excluded_by_checks(known, catalog.tables.get(rel), bound),
        "the DEFAULT partition is checked for rows of the new partition")
    key = known.partition_key[0] if known and len(known.partition_key) == 1 else ""
    return {"reads_default_partition": set(b.scans) != scans,
            "default_partition_table": default,
            "default_partition_sql": relation_sql(default, parent, qualified),
            "default_partition_is_new": b.ctx.table_is_new(default),
            "default_check_name": quote_ident(truncate_identifier(
                f"{default.split('.', 1)[1]}_excludes_new_partition")),
            "default_exclusion_sql": key and exclusion_sql(key, bound)
            or "NOT (<the new partition's bound>)",
            "partitioned_table": parent,
            "bound_sql": _bound_text(bound)}


def _check_partition_rows(b: Builder, rel: str, proven: Callable[[str], bool],
                          why: str) -> None:
    """How PostgreSQL checks that the rows of `rel` fit a partition constraint (tablecmds.c
    QueuePartitionConstraintValidation): not at all when `rel`'s CHECKs prove it; a table
    with rows is read in full; a partitioned one has each of its partitions locked ACCESS
    EXCLUSIVE and checked the same way, so only the leaves not proven are read."""
    if proven(rel):
        return
    catalog = b.ctx.catalog
    if (catalog.tables.get(rel) or NO_TABLE).kind != "partitioned":
        b.scan(rel, why)
        return
    for child in catalog.direct_partitions(rel):
        b.lock(child, L.ACCESS_EXCLUSIVE)
        _check_partition_rows(b, child, proven, why)


def _bound_text(bound: dict) -> str:
    if bound.get("is_default"):
        return "DEFAULT"
    return bound_sql(bound) or "<the bound as written>"


def _bound_is_empty(catalog: Catalog, parent: str, bound: dict) -> bool:
    """A DEFAULT partition of a table with no other partition takes every row: its partition
    constraint is empty and nothing is read (checked on the server)."""
    return bool(bound.get("is_default")) and not catalog.direct_partitions(parent)


def detach_partition(b: Builder, table: str, cmd: dict, base: dict) -> None:
    _, spec = unwrap(cmd.get("def"))
    part, qualified = range_var(spec.get("name"))
    concurrently = bool(spec.get("concurrent"))
    if concurrently:
        b.lock(table, L.SHARE_UPDATE_EXCLUSIVE)
        b.transactional = False
    else:
        lock_partition_set(b, table)
    _partition_leaves(b, table, part, whole_tree=not concurrently)
    b.alters.add(f"table:{part}")
    # CONCURRENTLY is refused while the table has a DEFAULT partition, that one included
    # (checked on the server).
    default = b.ctx.catalog.default_partition_of(table)
    b.act("detach_partition", base, partition=part, concurrently=concurrently,
          partition_sql=part if qualified else part.split(".", 1)[1],
          has_default_partition=default is not None, default_partition=default or "")


def detach_partition_finalize(b: Builder, table: str, cmd: dict, base: dict) -> None:
    """FINALIZE completes a DETACH ... CONCURRENTLY that was cancelled or failed while it
    waited: in a transaction block, with the parent held SHARE UPDATE EXCLUSIVE as the
    concurrent detach held it, it does the detach's second half (checked on the server). The
    replayed catalog has the partition detached already; what it reaches is found through
    the parent and the partition's own partitions alike."""
    part, qualified = range_var(unwrap(cmd.get("def"))[1].get("name"))
    b.lock(table, L.SHARE_UPDATE_EXCLUSIVE)
    _partition_leaves(b, table, part, whole_tree=True, rows_checked=False)
    b.alters.add(f"table:{part}")
    b.act("detach_partition_finalize", base, partition=part,
          partition_sql=part if qualified else part.split(".", 1)[1])


def _partition_leaves(b: Builder, table: str, part: str, *, whole_tree: bool,
                      rows_checked: bool = True) -> None:
    """What DETACH PARTITION, CONCURRENTLY or not, or its FINALIZE does to the partition `part`
    of `table` and to the foreign keys around them (checked on the server). The foreign keys
    that reference the parent, or a table above it, lose the partition's rows: the
    referencing tables are locked ACCESS EXCLUSIVE and, but by FINALIZE (the cancelled
    detach checked them), read for rows that point into it; a referenced table above is
    opened ACCESS SHARE. The partition is held ACCESS EXCLUSIVE, with its whole tree but by
    the first half of a concurrent detach (`whole_tree`). Its clones of the foreign keys above
    it become its own, with their own triggers on the referenced tables (PostgreSQL 18)."""
    for level, known in enumerate(partition_lineage(b.ctx.catalog, table)):
        for other, _ in b.ctx.catalog.referencing(known.name):
            if other != known.name:
                if level:
                    b.lock(known.name, L.ACCESS_SHARE)
                b.lock(other, L.ACCESS_EXCLUSIVE)
                if rows_checked:
                    b.scan(other,
                           "foreign key check: no row may reference the detached partition")
    for rel in (part, *(b.ctx.catalog.partitions(part) if whole_tree else ())):
        b.lock(rel, L.ACCESS_EXCLUSIVE)
    for con in b.ctx.catalog.inherited_foreign_keys(table):
        if con.references != table:
            fk_target(b, con.references)
