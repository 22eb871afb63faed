"""CREATE TRIGGER, ENABLE / DISABLE TRIGGER and which triggers fire per row; CREATE and
ALTER POLICY."""

from __future__ import annotations

from lockwise.catalog.model import Catalog
from lockwise.effects.nodes import range_var
from lockwise.effects.postgres.builder import (
    Builder,
    L,
    partition_lineage,
    read_tables,
    table_facts,
)
from lockwise.parse.quoting import relation_sql


def is_row_trigger(catalog: Catalog, table: str, name: str) -> bool:
    """Whether trigger `name` of `table` fires FOR EACH ROW. A partition holds, under the same
    name, a clone of each row trigger of the tables above it, known to the catalog only there.
    A trigger the catalog does not know counts as a row trigger: the one that locks more."""
    for known in partition_lineage(catalog, table):
        if name in known.triggers:
            return known.triggers[name].row
    return True


def toggles_row_triggers(b: Builder, table: str, cmd: dict) -> bool:
    """Whether ENABLE / DISABLE TRIGGER reaches a row trigger, which PostgreSQL then toggles on
    each partition too (checked on the server): the one named, or any user trigger (USER), or
    any trigger, also the internal ones of the foreign keys from and to the table (ALL)."""
    sub = cmd.get("subtype", "")
    if not sub.endswith(("TrigAll", "TrigUser")):
        return is_row_trigger(b.ctx.catalog, table, cmd.get("name", ""))
    lineage = partition_lineage(b.ctx.catalog, table)
    if any(t.row for known in lineage for t in known.triggers.values()):
        return True
    return sub.endswith("TrigAll") and (
        any(c.kind == "foreign" for known in lineage for c in known.constraints.values())
        or any(b.ctx.catalog.referencing(known.name) for known in lineage))


def trigger_toggle(b: Builder, table: str, cmd: dict, base: dict) -> None:
    b.lock(table, L.SHARE_ROW_EXCLUSIVE)
    b.act("alter_trigger_state", base, trigger=cmd.get("name", ""),
          subcommand=cmd.get("subtype", "").replace("AT_", "").lower())


def create_trigger(b: Builder, stmt: dict) -> None:
    table, qualified = range_var(stmt.get("relation"))
    b.lock(table, L.SHARE_ROW_EXCLUSIVE)
    if stmt.get("row"):  # a row trigger on a partitioned table is cloned to each partition
        for part in b.ctx.catalog.partitions(table):
            b.lock(part, L.SHARE_ROW_EXCLUSIVE)
    if stmt.get("constrrel"):  # CONSTRAINT TRIGGER ... FROM: looked up (checked on the server)
        b.lock(range_var(stmt["constrrel"])[0], L.ACCESS_SHARE)
    b.creates.add(f"trigger:{table}.{stmt.get('trigname', '')}")
    # (the views its function refreshes: facts of rules only, `Context.rule_text`)
    refreshed = refreshed_matviews(b.ctx.catalog, stmt) if b.ctx.rule_text else {}
    b.act("create_trigger", table_facts(b, table, qualified),
          trigger=stmt.get("trigname", ""), replace=bool(stmt.get("replace")),
          refreshes_matview=bool(refreshed),
          refreshed_matviews_text=", ".join(refreshed),
          refresh_concurrently_sql=_refreshed_concurrently_sql(b.ctx.catalog, refreshed))


def _refreshed_concurrently_sql(catalog: Catalog, refreshed: dict[str, str]) -> str:
    """Each refreshed view's REFRESH ... CONCURRENTLY, after the UNIQUE index it needs (the
    server refuses CONCURRENTLY on a view without one: 55000)."""
    if not refreshed:
        return ""
    from lockwise.effects.postgres.maintenance import matview_unique_index_sql

    return "\n".join(f"{matview_unique_index_sql(catalog, view, written)}\n"
                     f"REFRESH MATERIALIZED VIEW CONCURRENTLY {written};"
                     for view, written in refreshed.items())


def refreshed_matviews(catalog: Catalog, stmt: dict) -> dict[str, str]:
    """The materialized views that the function a CREATE TRIGGER executes refreshes without
    CONCURRENTLY (REFRESH MATERIALIZED VIEW in its body, as written), when the migrations made
    that function: every write the trigger fires on then refreshes them, holding ACCESS
    EXCLUSIVE on each to the end of the writer's transaction (checked on 18.6). Each view's
    name (qualified) -> as the function's body writes it, quoted."""
    from lockwise.catalog.routines import named_overloads, routine_statements

    names = [(n.get("String") or {}).get("sval", "") for n in stmt.get("funcname") or ()]
    out: dict[str, str] = {}
    for routine in named_overloads(catalog, names) or ():
        if routine.args or not routine.sql:  # a trigger function takes no arguments
            continue
        for embedded in routine_statements(catalog, routine):
            body = embedded.tree.get("RefreshMatViewStmt")
            if body is not None and not body.get("concurrent"):
                view, qualified = range_var(body.get("relation"))
                out.setdefault(view, relation_sql(view, view, qualified))
    return out


def create_policy(b: Builder, stmt: dict) -> None:
    table, qualified = range_var(stmt.get("table"))
    b.lock(table, L.ACCESS_EXCLUSIVE)
    # The USING and WITH CHECK expressions are parsed and analyzed now: the tables their
    # subqueries read are opened (checked on the server).
    read_tables(b, [stmt.get("qual"), stmt.get("with_check")], skip={table})
    b.act("create_policy", table_facts(b, table, qualified),
          policy=stmt.get("policy_name", ""))


def alter_policy(b: Builder, stmt: dict) -> None:
    table, qualified = range_var(stmt.get("table"))
    b.lock(table, L.ACCESS_EXCLUSIVE)
    read_tables(b, [stmt.get("qual"), stmt.get("with_check")], skip={table})
    # The server records the policy's dependencies again from the expressions it keeps too:
    # it opens the relations they name, ACCESS SHARE (checked on the server).
    known = b.ctx.catalog.tables.get(table)
    old = known.policies.get(stmt.get("policy_name", "")) if known is not None else None
    if old is not None:
        kept = (() if stmt.get("qual") else old.using_reads) + \
            (() if stmt.get("with_check") else old.check_reads)
        for rel in kept:
            if rel != table:
                b.lock(rel, L.ACCESS_SHARE)
                b.reads.add(f"table:{rel}")
    b.act("alter_policy", table_facts(b, table, qualified),
          policy=stmt.get("policy_name", ""))
