"""CREATE INDEX, REINDEX and ALTER INDEX."""

from __future__ import annotations

from lockwise.catalog.model import Catalog, Index, same_tablespace
from lockwise.catalog.replay import (
    default_index_name,
    index_builds,
    index_from_stmt,
    missing_index_parts,
)
from lockwise.effects.nodes import (
    columns_read,
    index_expressions,
    options_on,
    range_var,
    unwrap,
)
from lockwise.effects.partitions import partitioned_index_sql, partitioned_reindex_sql
from lockwise.effects.postgres.builder import (
    NO_TABLE,
    Builder,
    L,
    already_exists,
    name_taken,
    partitioned_keys,
    refused_if_partitioned,
    skipped,
    table_facts,
    unique_key_refused,
)
from lockwise.effects.postgres.maintenance import known_tables, partition_by_partition
from lockwise.parse.quoting import quote_qualified


def _index_columns(stmt: dict) -> tuple[str, ...]:
    cols = []
    for param in stmt.get("indexParams") or ():
        _, elem = unwrap(param)
        cols.append(elem.get("name") or "(expression)")
    return tuple(cols)


def create_index(b: Builder, stmt: dict) -> None:
    table, qualified = range_var(stmt.get("relation"))
    concurrently = bool(stmt.get("concurrent"))
    schema = table.split(".", 1)[0]
    index = f"{schema}.{stmt['idxname']}" if stmt.get("idxname") else ""
    only = not (stmt.get("relation") or {}).get("inh")
    b.lock(table, L.SHARE_UPDATE_EXCLUSIVE if concurrently else L.SHARE)
    catalog = b.ctx.catalog
    # On a partitioned table each partition gets its own index, built under the same lock,
    # taken before the name is looked up: also when IF NOT EXISTS skips (checked on the server).
    partitions = () if only else tuple(catalog.partitions(table))
    for part in partitions:
        b.lock(part, L.SHARE_UPDATE_EXCLUSIVE if concurrently else L.SHARE)
    # A function that is not immutable: refused after the lock, before the name is looked
    # up (IF NOT EXISTS of an index that is there too: checked on 18.6).
    refused = not_immutable_refusal(catalog, stmt, table)
    # IF NOT EXISTS of a known index: skipped after the tables' locks, before any build.
    if not refused and skipped(b, stmt, b.ctx.catalog.skips_creating(stmt, index), "create_index",
                               table_facts(b, table, qualified), index=index,
                               concurrently=concurrently, index_name=stmt.get("idxname") or "",
                               columns=_index_columns(stmt)):
        b.transactional = not concurrently
        return
    partitioned = (catalog.tables.get(table) or NO_TABLE).kind == "partitioned"
    # ON ONLY a partitioned table: an invalid index on the parent alone, nothing is built.
    if not (only and partitioned):
        b.scan(table, "index build")  # (dropped in build() for a partitioned table: no storage)
    # (what a partition's index of the same definition stands for: attached, not built)
    like = index_from_stmt(catalog, stmt) if partitions else None
    if like is not None:
        _build_partition_indexes(b, table, like)
    b.transactional = not concurrently
    b.alters.add(f"table:{table}")
    if index:
        b.creates.add(f"index:{index}")
    columns = _index_columns(stmt)
    for col in columns:
        b.reads.add(f"column:{table}.{col}")
    # The index depends on the columns its expressions, INCLUDE list and WHERE read too: a
    # DROP COLUMN of one drops the index with it, silently.
    included = [unwrap(p)[1].get("name") for p in stmt.get("indexIncludingParams") or ()]
    for col in (*columns_read(index_expressions(stmt)), *included):
        if col:
            b.reads.add(f"column:{table}.{col}")
    # Unnamed, it gets the name PostgreSQL would give it: the rewrite writes that name, so a
    # retry after a failed CONCURRENTLY build finds its INVALID index instead of making
    # another one beside it (t_c_idx1).
    index_name = stmt.get("idxname") or default_index_name(catalog, stmt)
    # Run again, an unnamed CREATE INDEX builds a second index, named apart (checked on the
    # server): IF NOT EXISTS, which would skip it, wants a name.
    rerun_index_name = "" if stmt.get("idxname") else \
        default_index_name(catalog, stmt, also_taken=index_name)
    b.act("create_index", table_facts(b, table, qualified), index=index,
          # (a name taken is looked at after the functions: their refusal is the one said)
          **({} if refused else already_exists(name_taken(b, index, row_type=False))),
          index_name=index_name, rerun_index_name=rerun_index_name, columns=columns,
          columns_text=", ".join(columns),
          unique=bool(stmt.get("unique")), concurrently=concurrently,
          if_not_exists=bool(stmt.get("if_not_exists")), partial=bool(stmt.get("whereClause")),
          method=stmt.get("accessMethod", "btree"), named=bool(stmt.get("idxname")),
          partitioned_table=partitioned, only=only, partitions=partitions,
          **(unique_key_refused(b.ctx, partitioned_keys(catalog, table, only), columns,
                                "UNIQUE")
             if partitioned and stmt.get("unique") else {}),
          partitions_text=", ".join(map(quote_qualified, partitions)) or "none known",
          partitioned_index_sql=partitioned_index_sql(
              catalog, table, qualified, index_name, columns, bool(stmt.get("unique")),
              lambda part: default_index_name(catalog, stmt, table=part), like)
          if partitioned else "", **refused)


def not_immutable_refusal(catalog: Catalog, stmt: dict, table: str) -> dict:
    """`refused_not_immutable`, the server's message and the calls it is about, when a
    CREATE INDEX's WHERE (judged first) or one of its key expressions calls what is surely
    not immutable (`immutability.not_immutable_calls`; a column of `table` typed when the
    replay is sure of it). Empty when it calls none."""
    from lockwise.effects.immutability import (
        not_immutable_calls,
        not_immutable_facts,
        table_scope,
    )

    where, expressions = index_expressions(stmt)
    if where is None and not any(expressions):  # (columns alone: no call to judge)
        return {}
    scope = table_scope(catalog, table)
    for node, part in ((where, "predicate"), (expressions, "expression")):
        if calls := not_immutable_calls(catalog, node, scope):
            return not_immutable_facts(f"functions in index {part} must be marked IMMUTABLE",
                                       calls)
    return {}


def _build_partition_indexes(b: Builder, table: str, like: Index) -> None:
    """The partitions of `table` a new partitioned index `like` builds its parts on: each
    reads its rows, unless it has an index of the same definition already, which is attached
    instead (and what is below it is left as it is: checked on the server)."""
    catalog = b.ctx.catalog
    for part in catalog.direct_partitions(table):
        for rel in index_builds(catalog, part, like):
            b.scan(rel, "index build (partition)")


def reindex(b: Builder, stmt: dict) -> None:
    concurrently = "concurrently" in options_on(stmt.get("params"))
    kind = stmt.get("kind", "")
    rel, qualified = range_var(stmt.get("relation"))
    if kind == "REINDEX_OBJECT_INDEX":
        index = rel
        b.alters.add(f"index:{index}")  # fails when it is gone (the conflict graph)
        idx = b.ctx.index(index)
        table = idx.table if idx else ""
        if table:
            b.lock(table, L.SHARE_UPDATE_EXCLUSIVE if concurrently else L.SHARE)
    elif kind == "REINDEX_OBJECT_TABLE":
        table, index = rel, ""
        b.lock(table, L.SHARE_UPDATE_EXCLUSIVE if concurrently else L.SHARE)
    else:
        table, index = "", ""
        b.transactional = False
        _reindex_many(b, kind, stmt.get("name") or "", concurrently)
    # Before 14, REINDEX TABLE of a partitioned table warns "REINDEX of partitioned tables is
    # not yet implemented, skipping" and does nothing past its lock (PostgreSQL 12's
    # indexcmds.c and index.c; its REINDEX INDEX is refused: `refused_on_partitioned`).
    skipped_before_14 = kind == "REINDEX_OBJECT_TABLE" and b.ctx.pg_version < 14 and \
        (b.ctx.catalog.tables.get(table) or NO_TABLE).kind == "partitioned"
    nothing = bool(table) and (skipped_before_14 or _sure_without_indexes(b.ctx.catalog, table))
    if table:
        if not nothing:
            b.scan(table, "index rebuild")
        b.alters.add(f"table:{table}")
    if concurrently:
        b.transactional = False
    # REINDEX TABLE lists a partitioned table's partitions under SHARE in its first
    # transaction, CONCURRENTLY or not (find_all_inheritors): writers of any partition wait
    # for it, and it for them (checked on the server). REINDEX INDEX lists the index's parts:
    # its first transaction holds the parent SHARE and the partitioned index ACCESS
    # EXCLUSIVE, no partition; each partition is held in its own turn (checked on the server).
    listed_share = kind == "REINDEX_OBJECT_TABLE" or not concurrently
    partitioned = not skipped_before_14 and partition_by_partition(
        b, table, L.SHARE if listed_share else L.SHARE_UPDATE_EXCLUSIVE)
    if partitioned:
        for part in b.ctx.catalog.partitions(table):
            b.scan(part, "index rebuild (partition)")
    # Besides SHARE on the table, each index being rebuilt is held ACCESS EXCLUSIVE: every
    # query that plans with the table opens its indexes and waits, reads included (checked on
    # the server). Table-level `locks` cannot say it, hence the fact.
    b.act("reindex", table=table, table_name=table.split(".", 1)[-1], index=index,
          index_access_exclusive=not concurrently and not nothing,
          index_exclusive_tables=_indexes_held_on(b.ctx.catalog, table, index)
          if partitioned and not concurrently else (),
          target=kind.replace("REINDEX_OBJECT_", "").lower(), concurrently=concurrently,
          name=(rel if qualified else rel.split(".", 1)[-1]) if rel else stmt.get("name") or "",
          table_is_new=b.ctx.table_is_new(table) if table else False,
          partitioned_table=partitioned,
          **(refused_if_partitioned(b, table, "reindex_index")
             if kind == "REINDEX_OBJECT_INDEX" else {}),
          rebuild_text=_rebuild_text(kind, partitioned),
          partitioned_reindex_sql=partitioned_reindex_sql(b.ctx.catalog, table, qualified)
          if partitioned and kind == "REINDEX_OBJECT_TABLE" else "")


def _sure_without_indexes(catalog: Catalog, table: str) -> bool:
    """Whether `table` has no index to rebuild, as far as the catalog is sure: a table it
    fully knows, or a materialized view these migrations made (REINDEX reads neither then:
    checked on the server). Not a partitioned table, whose partitions are rebuilt."""
    known = catalog.tables.get(table)
    sure = known is not None and known.kind != "partitioned" and (
        catalog.fully_known(table) is not None if known.kind == "table"
        else known.kind == "matview" and known.created_by is not None)
    return sure and not catalog.indexes_on(table)


def _rebuild_text(kind: str, partitioned: bool) -> str:
    """How a plain REINDEX holds what it rebuilds, and who waits (checked on the server):
    SHARE on the table and ACCESS EXCLUSIVE on each index, which every query that plans with
    the table opens; a partitioned table's or index's partitions, and a schema's or
    database's tables, each in a transaction of its own."""
    held = ("under a SHARE lock on {0} and an ACCESS EXCLUSIVE lock on each index it "
            "rebuilds there: every query that reaches {0} waits while its indexes are "
            "rebuilt, reads included")
    if kind in ("REINDEX_OBJECT_SCHEMA", "REINDEX_OBJECT_DATABASE"):
        return "rebuilds one table at a time, each " + held.format("that table")
    if partitioned:
        return "rebuilds one partition at a time, each " + held.format("that partition")
    return ("rebuilds under a SHARE lock on the table and an ACCESS EXCLUSIVE lock on each "
            "index it rebuilds: every query on the table waits for the whole rebuild, reads "
            "included")


def _indexes_held_on(catalog: Catalog, table: str, index: str) -> tuple[str, ...]:
    """The tables whose reads wait for an index REINDEX of partitioned `table` (or of its
    partitioned `index`) holds ACCESS EXCLUSIVE: each partition with an index it rebuilds,
    held in that partition's own transaction, and the parent, whose reads open them; never
    the parent's partitioned index itself (checked on the server)."""
    def rebuilt(part_index: Index) -> bool:
        at: str | None = part_index.name
        while at is not None and at != index:  # up the attached partitioned indexes
            at = (known.attached_to if (known := catalog.indexes.get(at)) else None)
        return at is not None

    return (table, *(part for part in catalog.partitions(table)
                     if any(not index or rebuilt(i) for i in catalog.indexes_on(part))))


#: What REINDEX SCHEMA / DATABASE rebuild the indexes of, one table a transaction (checked on
#: the server): not a partitioned table itself (its partitions are tables), not a view.
_REINDEXED_IN_TURN = ("table", "matview")


def _reindex_many(b: Builder, kind: str, schema: str, concurrently: bool) -> None:
    """REINDEX SCHEMA s / DATABASE: each table and matview the catalog knows (of schema s)
    is held SHARE (CONCURRENTLY: SHARE UPDATE EXCLUSIVE) while its indexes are rebuilt, a
    table without any index too. REINDEX SYSTEM rebuilds the system catalogs' only."""
    if kind == "REINDEX_OBJECT_SCHEMA":
        tables = known_tables(b.ctx.catalog, _REINDEXED_IN_TURN, schema)
    elif kind == "REINDEX_OBJECT_DATABASE":
        tables = known_tables(b.ctx.catalog, _REINDEXED_IN_TURN)
    else:
        return
    for table in tables:
        b.lock(table, L.SHARE_UPDATE_EXCLUSIVE if concurrently else L.SHARE)
        if b.ctx.catalog.indexes_on(table):
            b.scan(table, "index rebuild")


def alter_index(b: Builder, stmt: dict, index: str) -> None:
    idx = b.ctx.index(index)
    for cmd_node in stmt.get("cmds") or ():
        _, cmd = unwrap(cmd_node)
        sub = cmd.get("subtype", "")
        if sub == "AT_AttachPartition":
            # Both indexes' tables are opened to check the partition belongs to the parent.
            child = b.ctx.catalog.indexes.get(range_var(unwrap(cmd.get("def"))[1].get("name"))[0])
            for known in (idx, child):
                if known is not None:
                    b.lock(known.table, L.ACCESS_SHARE)
            # An index made ON ONLY becomes valid once each partition has a valid part.
            missing = missing_index_parts(b.ctx.catalog, index, child) \
                if idx is not None and not idx.valid else []
            b.act("attach_index_partition", index=index,
                  index_valid_after=idx is not None and not missing,
                  partitions_without_index=tuple(missing),
                  partitions_without_index_text=", ".join(missing))
        else:
            # No lock on the table itself (checked on the server), but SET TABLESPACE holds the
            # index ACCESS EXCLUSIVE while it copies it to new files (a new relfilenode; none
            # to where a CREATE INDEX of the migrations put it, `Index.tablespace`): queries
            # that plan with the table open its indexes, so reads and writes wait all the
            # same (checked on the server).
            # A partitioned index has no storage: SET TABLESPACE records where its future
            # partitions' indexes go, and copies nothing (theirs stay: checked on the server).
            moves = sub == "AT_SetTableSpace"
            # OWNER TO only warns (an index has its table's owner), under ACCESS EXCLUSIVE on
            # the index all the same (checked on the server).
            exclusive = moves or sub == "AT_ChangeOwner"
            table = idx.table if idx else ""
            known = b.ctx.catalog.tables.get(table)
            partitioned = known is not None and known.kind == "partitioned"
            there = moves and idx is not None and same_tablespace(idx.tablespace,
                                                                  cmd.get("name", ""))
            if moves and not partitioned and not there:
                b.rewrites.add(index)
            b.act("alter_index", index=index, table=table, index_partitioned=partitioned,
                  subcommand=sub.replace("AT_", "").lower(), index_access_exclusive=exclusive,
                  tablespace=cmd.get("name", "") if moves else "", in_tablespace_already=there,
                  index_sql=index if (stmt.get("relation") or {}).get("schemaname")
                  else index.split(".", 1)[-1],
                  table_is_new=b.ctx.table_is_new(table) if table else False)
    b.alters.add(f"index:{index}")
