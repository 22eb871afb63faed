"""INSERT, UPDATE, DELETE, MERGE (with their data-modifying CTEs and the batches a safe
alternative writes), SELECT and COPY."""

from __future__ import annotations

from collections.abc import Callable

from lockwise.catalog.model import VIEW_DEPTH, Catalog, Constraint, Table
from lockwise.catalog.replay import missing_index_parts
from lockwise.catalog.updatable import NO_UPDATABLE_COLUMNS, returned_calls, returns_no_rows
from lockwise.core.deferred import bound_on_use
from lockwise.effects.nodes import (
    JoinedSql,
    PrintedSql,
    ShownSql,
    columns_read,
    const_value,
    cte_names,
    expression_sql,
    is_constant_true,
    is_sequence_call,
    locking_queries,
    range_name,
    range_var,
    regclass_name,
    relations_in,
    select_into,
    sequence_argument,
    set_config_calls,
    strings,
    unprinted_note,
    unwrap,
    walk,
)
from lockwise.effects.partitions import index_parts_sql
from lockwise.effects.postgres.builder import (
    NO_TABLE,
    Builder,
    L,
    descendants,
    lock_drawn_sequences,
    lock_partition_ancestors,
    lock_read,
    lock_read_partitions,
    lock_view_reads,
    owned_sequences,
    read_tables,
    row_key_facts,
    rows_elsewhere,
    stored_reads,
    table_facts,
)
from lockwise.effects.postgres.create import create_table_as
from lockwise.effects.postgres.embedded import take_whole_effect
from lockwise.effects.postgres.where_index import (
    by_hand_sql,
    marked_for_apply,
    null_tested_column,
    unindexed_where,
    where_facts,
)
from lockwise.effects.volatility import changes_between_transactions, has_subquery
from lockwise.parse.quoting import quote_ident, relation_sql

# (imported at the first write to a table that foreign keys point at)
_key_actions = bound_on_use(globals(), "_key_actions", "lockwise.catalog.key_actions")
#: Imported at its first use (an UPDATE's or DELETE's batching): an import statement in a
#: function runs at each call.
_batches = bound_on_use(globals(), "_batches", "lockwise.executor.batches")


def _data_modifying_ctes(b: Builder, stmt: dict) -> None:
    """`WITH x AS (INSERT / UPDATE / DELETE ...) ...`: each data-modifying CTE runs as the
    statement it is, whatever the outer query (its target is a typed field of the parse tree,
    not a RangeVar node the search for read tables finds)."""
    with_clause = stmt.get("withClause") or {}
    ctes = [unwrap(cte)[1] for cte in with_clause.get("ctes") or ()]
    for at, cte in enumerate(ctes):
        kind, body = unwrap(cte.get("ctequery"))
        if kind in _CTE_DML:
            # (it reads the WITH queries before it by name, all of them WITH RECURSIVE)
            seen = ctes if with_clause.get("recursive") else ctes[:at]
            _CTE_DML[kind](b, body, in_with=True,
                           outer_ctes=frozenset(c.get("ctename", "") for c in seen))


#: MERGE's WHEN clause commands, as the writes they are.
_MERGE_COMMANDS = {"CMD_INSERT": "insert", "CMD_UPDATE": "update", "CMD_DELETE": "delete"}


def _merge_writes(stmt: dict) -> tuple[set[str], tuple[str, ...]]:
    """The writes a MERGE's WHEN clauses do (`insert`, `update`, `delete`), and the columns
    its UPDATEs set."""
    writes: set[str] = set()
    columns: dict[str, None] = {}
    for clause in stmt.get("mergeWhenClauses") or ():
        body = unwrap(clause)[1]
        write = _MERGE_COMMANDS.get(body.get("commandType", ""))
        if write:
            writes.add(write)
        if write == "update":
            columns.update(dict.fromkeys(
                unwrap(t)[1].get("name", "") for t in body.get("targetList") or ()))
    return writes, tuple(columns)


def dml(kind: str) -> Callable:
    def handler(b: Builder, stmt: dict, in_with: bool = False,
                outer_ctes: frozenset[str] = frozenset()) -> None:
        """`in_with`: `stmt` is a data-modifying CTE of another statement, which sees the
        `outer_ctes` of that statement by name."""
        view, qualified = range_var(stmt.get("relation"))
        b.lock(view, L.ROW_EXCLUSIVE)
        b.writes.add(f"table:{view}")
        facts = table_facts(b, view, qualified)
        # An auto-updatable view is rewritten into the statement on its one base relation.
        table, refused, conflict = _updatable_view_base(
            b, view, kind, bool(stmt.get("onConflictClause"))) if b.ctx.rewrites else \
            (view, "", "")
        if table != view:
            b.lock(table, L.ROW_EXCLUSIVE)
            b.writes.add(f"table:{table}")
        # A view's INSTEAD OF trigger writes: the rows are found through its query.
        on_view = (b.ctx.catalog.tables.get(table) or NO_TABLE).kind == "view"
        if on_view and kind in ("update", "delete"):
            lock_view_reads(b, table)
        # An INSERT locks the partitions its rows go to (all of them, as far as the model
        # knows: rows are not routed); UPDATE, DELETE and MERGE every partition and inheritance
        # child, unless ONLY (pruning on the partition key is not modeled).
        # (rows are routed when the INSERT runs; the others' are found when planned)
        targets = (b.ctx.catalog.partitions(table) if b.ctx.executes else []) \
            if kind == "insert" else \
            descendants(b, table, b.ctx.plans and bool((stmt.get("relation") or {}).get("inh")))
        for part in targets:
            b.lock(part, L.ROW_EXCLUSIVE)
        merging, merged_columns = _merge_writes(stmt) if kind == "merge" else (set(), ())
        # (checked against a partition's constraint; a MERGE that only deletes is not)
        if kind in ("insert", "update") or merging & {"insert", "update"}:
            lock_partition_ancestors(b, table)
        if kind != "delete" and b.ctx.executes and b.ctx.rule_text:  # (locks rules read)
            known_table = b.ctx.catalog.tables.get(table)
            # (a table without such a column is not looked at: a seed INSERT's rows are many)
            if known_table is not None and any(c.identity or c.default_sequence
                                               for c in known_table.columns.values()):
                lock_drawn_sequences(b, table, _left_to_default(stmt, kind, known_table))
        others = {k: v for k, v in stmt.items() if k != "relation"}
        read_tables(b, others, {view}, outer_ctes)
        lock_read_partitions(b, others, outer_ctes=outer_ctes)
        lock_locked_rows(b, others, outer_ctes=outer_ctes)
        # (the statement's walk covers its data-modifying WITH queries)
        cte_locked = {} if in_with else with_query_locked(f"{kind.title()}Stmt", others, False)
        if kind == "insert" and b.ctx.executes and not stmt.get("withClause"):
            for rel in stored_reads(b, _read_whole(stmt.get("selectStmt")), outer_ctes):
                b.scan(rel, "INSERT ... SELECT without WHERE reads it in full to fill the table")
        if kind in ("update", "delete") and b.ctx.executes and not stmt.get("withClause"):
            for rel in stored_reads(b, _subqueries_read_whole(b, stmt), outer_ctes):
                b.scan(rel, f"{kind.upper()} reads it in full in a DISTINCT or GROUP BY "
                            "subquery beside it")
        # `WHERE true` or `WHERE 1 = 1` is no WHERE: every row is touched; so is every row
        # with a match when the WHERE only joins a FROM (USING) list that is whole tables.
        joined = kind in ("update", "delete") and _where_only_joins(
            stmt, *((_target_columns(b, table), table, b.ctx.catalog) if table == view
                    else ()))
        # Joined on a column of its own that holds one value in every row, it touches every
        # row or none (checked on 18.6): likely not what its author meant.
        constant = _joined_on_constant(b, stmt, table) if joined and table == view else None
        # So is `WHERE c IS NULL` (ANDed with literals true, or ORed with anything) of a
        # column this migration added without a default and nothing wrote since, NULL in
        # every row, and `WHERE c IS NOT NULL` of a NOT NULL column (checked on 18.6).
        all_null = _null_test_of_every_row(b, stmt, table) \
            if kind in ("update", "delete") and table == view else None
        own_where = bool(stmt.get("whereClause")) and not is_constant_true(stmt["whereClause"]) \
            and not joined and not all_null
        # Through views with a WHERE, only the rows they keep are written (each view's rows
        # are found by reading the table all the same, unless the statement has a WHERE).
        filtered = kind in ("update", "delete") and b.ctx.rewrites and \
            bool(b.ctx.catalog.view_filters(view, table))
        has_where = own_where or filtered
        facts = table_facts(b, table, qualified)
        columns: tuple[str, ...] = ()
        if kind == "update":
            columns = tuple(unwrap(t)[1].get("name", "") for t in stmt.get("targetList") or ())
            for col in columns:
                b.writes.add(f"column:{table}.{col}")
        elif kind == "insert":
            columns = tuple(unwrap(t)[1].get("name", "") for t in stmt.get("cols") or ())
            # A SELECT of a set surely empty (`generate_series(1, 0)`) inserts no row: the
            # table keeps none (`context.written_tables`), no row trigger fires (18.6).
            if table == view and not stmt.get("withClause") and \
                    returns_no_rows(stmt.get("selectStmt"), b.ctx.catalog):
                facts["writes_no_rows"] = True
            if stmt.get("onConflictClause"):
                facts.update(_invalid_arbiter(b, table, stmt["onConflictClause"], qualified))
        set_columns = merged_columns if kind == "merge" else columns
        if kind != "delete" and b.ctx.executes:  # not when only planned (EXPLAIN)
            _check_keys(b, table, kind == "insert" or "insert" in merging, set_columns,
                        _inserted_nulls(b, stmt, table) if kind == "insert" else set(),
                        updated=kind == "update")
        read_per_row: list = []
        if b.ctx.executes:  # the keys' triggers fire (a MERGE's as its clauses write)
            for fired in sorted({kind} & {"update", "delete"} or merging - {"insert"}):
                read_per_row += _referencing_rows(b, table, fired, set_columns)
        if read_per_row and b.ctx.rule_text:
            facts.update(_read_per_row_facts(b, read_per_row, facts["qualified"]))
        if kind in ("update", "delete") and not own_where:
            for rel in stored_reads(b, {"RangeVar": stmt["relation"]}) if on_view else \
                    (table, *targets):
                b.scan(rel, f"{kind.upper()} " + (
                    "through a view with a WHERE reads every row to find those it keeps"
                    if filtered else f"whose WHERE only joins on {constant}, one value in "
                    "every row, touches every row or none" if constant and rel == table
                    else "whose WHERE only joins touches every row with a match"
                    if joined else all_null or "without WHERE touches every row"))
            # No condition picks some rows of the tables beside it: the join reads them whole
            # (what a hash join of whole tables does; checked on the server).
            # (a WITH query of the statement beside it is no table: `_where_only_joins` let
            # one through only when it reads the updated table whole, scanned already)
            for rel in stored_reads(b, stmt.get("fromClause") or stmt.get("usingClause"),
                                    outer_ctes | _own_ctes(stmt)) if joined else ():
                b.scan(rel, f"{kind.upper()} whose WHERE only joins reads it in full to find "
                            "the matches")
            if b.ctx.rule_text and not has_where:
                # How batches would name rows (by the statement's name for the table when
                # a FROM or USING list stands beside it).
                beside = stmt.get("fromClause") or stmt.get("usingClause")
                facts.update(row_key_facts(b, table, beside and _target_name(stmt)))
                facts.update(_batch_facts(b, stmt, kind, table, facts["qualified"], joined))
        if kind in ("update", "delete"):
            # (a view's rows, partitions' and children's, or rows only planned: not judged;
            # nor without the rules' text: only rules and lint's cost read these facts)
            # (run in batches, a statement with a WITH, or in one, would lose or repeat it)
            said: list[str] = []  # what `unbatchable` said, when asked

            def unbatchable() -> str:
                said.append(_unbatchable(stmt, kind, in_with, b.ctx.catalog))
                return said[-1]

            facts.update(where_facts(
                b.ctx.catalog, table, stmt, kind, b.ctx.pg_version, b.ctx.rule_text,
                lambda: _batch_how(b, stmt, kind, table, reads_as_whole=said == [""])
                is _BATCH_BY_APPLY, unbatchable=unbatchable,
                all_null={c for t, c in b.ctx.null_columns if t == table},
                default_collation=b.ctx.default_collation, statement_sql=b.ctx.statement_sql)
                if own_where and table == view and b.ctx.executes and b.ctx.rule_text
                and not targets and not rows_elsewhere(b.ctx.catalog, table) else _WHERE_NOT_JUDGED)
        b.act(kind, **facts, **cte_locked, has_where=has_where, columns=columns,
              where_constant_text="" if constant is None else (
                  f" Its WHERE joins on {constant}, which this migration added with a constant "
                  "default and nothing wrote since: every row holds that one value, so it "
                  f"{kind}s every row or none. Likely another column was meant."),
              refused_by=(refused,) if refused else (), refused_by_text=refused,
              on_conflict_refused_by=(conflict,) if conflict else (),
              on_conflict_refused_by_text=conflict,
              columns_text=", ".join(columns),
              limited=kind != "insert" and b.ctx.rule_text
              and _where_is_batched(stmt.get("whereClause")))
        _data_modifying_ctes(b, stmt)  # after: the statement's own action comes first
        _lock_rule_actions(b, view, kind)
    return handler


def _read_whole(query: object) -> dict | None:
    """The relation (its RangeVar) `query` (an INSERT's, a subquery's) reads every row of, as
    it is written: a SELECT of one relation, or of one such subquery, with no WHERE, LIMIT or
    OFFSET (aggregates, DISTINCT and GROUP BY read every row too), no WITH (a name could be a
    CTE's); None for any other query, whose plan may read only some rows through an index.
    The statement around it has no WITH either."""
    kind, select = unwrap(query) if query else ("", {})
    if kind != "SelectStmt" or select.get("withClause") or \
            select.get("op", "SETOP_NONE") != "SETOP_NONE" or select.get("whereClause") or \
            select.get("limitCount") or select.get("limitOffset"):
        return None
    items = select.get("fromClause") or ()
    kind, item = unwrap(items[0]) if len(items) == 1 else ("", {})
    if kind == "RangeSubselect" and not item.get("lateral"):
        return _read_whole(item.get("subquery"))
    return items[0] if kind == "RangeVar" else None


def _subqueries_read_whole(b: Builder, stmt: dict) -> list[dict]:
    """The relations (RangeVars) an UPDATE ... FROM or DELETE ... USING reads in full in a
    subquery of its list: one with DISTINCT or GROUP BY is computed whole before the join
    (the planner cannot pull it up into it, and the join's conditions do not reach into it:
    a Seq Scan under the join, checked on 18.6), so it reads what `_read_whole` says, unless
    a condition of the WHERE pushed down into it (`pushdown.pushed_condition`) filters the
    relation's rows and an index of it may serve that condition, as one of the subquery's
    own WHERE would (`where_index.unindexed_where`). A subquery without either is pulled up
    into the join, whose conditions may reach the relation through an index."""
    found = []
    for item in stmt.get("fromClause") or stmt.get("usingClause") or ():
        kind, beside = unwrap(item)
        query = unwrap(beside.get("subquery"))[1] if kind == "RangeSubselect" and \
            not beside.get("lateral") and beside.get("subquery") else {}
        if (query.get("distinctClause") or query.get("groupClause")) and \
                (read := _read_whole(beside["subquery"])) is not None and \
                not _filtered(b, stmt, beside, read):
            found.append(read)
    return found


def _filtered(b: Builder, stmt: dict, beside: dict, read: dict) -> bool:
    """Whether a condition of `stmt`'s WHERE, pushed down into subquery `beside` of its list,
    filters the rows of relation `read` (its RangeVar) in a way an index of it may serve (or
    its indexes are not all known)."""
    alias = (beside.get("alias") or {}).get("aliasname")
    if not alias or not stmt.get("whereClause"):
        return False
    from lockwise.effects.postgres.pushdown import (  # (rare: only here)
        pushed_condition,
        renames_columns,
    )

    if renames_columns(beside):
        return False

    table = range_var(read)[0]
    expression_reads = {c for index in b.ctx.catalog.indexes_on(table) for c in index.reads}
    condition = pushed_condition(stmt["whereClause"], alias, beside["subquery"],
                                 b.ctx.catalog, expression_reads)
    return condition is not None and unindexed_where(
        b.ctx.catalog, table, {"relation": unwrap(read)[1],
                                            "whereClause": condition},
        b.ctx.pg_version, default_collation=b.ctx.default_collation) is None


def _lock_rule_actions(b: Builder, relation: str, event: str) -> None:
    """The rewriter adds the actions of each rule of `relation` on `event` to the write
    (DO ALSO; DO INSTEAD in its place, the relation still locked): each does what it would
    written out (locks, scans, through further rules), and the rule's WHERE locks what it
    reads (checked on the server). Only the rules the catalog knows."""
    known = b.ctx.catalog.tables.get(relation)
    key = (relation, event)
    if known is None or not known.rules or not b.ctx.rewrites or key in b.ctx.expanding_rules:
        return
    from lockwise.effects.postgres import compute_effect  # the package imports this module

    ctx = b.ctx.changed(expanding_rules=b.ctx.expanding_rules | {key})
    for rule in known.rules.values():
        if rule.event != event or not rule.enabled:
            continue
        read_tables(b, [rule.where], skip={relation})
        for action in rule.actions:
            take_whole_effect(b, compute_effect(action, ctx))


def _check_keys(b: Builder, table: str, every: bool, columns: tuple[str, ...],
                nulls: set[str] = frozenset(), updated: bool = False) -> None:
    """The foreign keys of `table` that written rows are checked against: each reads the
    referenced row FOR KEY SHARE (ROW SHARE on its table, every partition of it too). Every
    key (`every`: rows inserted; or `updated`, rows an UPDATE writes that the transaction
    wrote before, which it checks again: seen by `verify` on lemmy, and checked on 18.6), or
    only those over the `columns` an UPDATE sets; not one whose columns are all `nulls` (a
    row with a NULL key is not looked up). Whether the transaction wrote the table is asked
    only for a key the UPDATE does not set (`Context.written_before`: a body's run is kept
    by the answers it asked for)."""
    known = b.ctx.catalog.tables.get(table)
    for con in known.constraints.values() if known is not None else ():
        if con.kind == "foreign" and con.references and (
                every or set(con.columns) & set(columns)
                or updated and b.ctx.written_before(table)) and \
                not (con.columns and set(con.columns) <= nulls):
            for rel in (con.references, *b.ctx.catalog.partitions(con.references)):
                b.lock(rel, L.ROW_SHARE)


def _inserted_nulls(b: Builder, stmt: dict, table: str) -> set[str]:
    """The columns of `table` an INSERT leaves NULL in every row: left out (or given DEFAULT)
    with no default, not identity, generated or of a domain; none when a trigger or rule of
    the table could fill them. (A foreign key over such columns alone is not checked: checked
    on the server.)"""
    known = b.ctx.catalog.tables.get(table)
    if known is None or known.triggers or known.rules:
        return set()
    # (a column of a domain is left alone: the domain may have a default)
    return {name for name in _left_to_default(stmt, "insert", known)
            if (col := known.columns.get(name)) is not None and col.default is None
            and not col.identity and not col.generated
            and b.ctx.catalog.domain(col.type_name) is None}


def _left_to_default(stmt: dict, kind: str, table: Table) -> set[str]:
    """The columns of `table` whose default an INSERT, UPDATE or MERGE computes for the rows
    it writes: those an INSERT leaves out or gives DEFAULT (all of them for DEFAULT VALUES;
    an identity given a value under OVERRIDING USER VALUE too), those SET to DEFAULT."""
    if kind == "update":
        return _set_to_default(stmt.get("targetList"))
    if kind == "insert":
        select = unwrap(stmt.get("selectStmt"))[1] if stmt.get("selectStmt") else None
        return _inserted_defaults(table, stmt.get("cols"), select, stmt.get("override"))
    out: set[str] = set()
    for _, clause in map(unwrap, stmt.get("mergeWhenClauses") or ()):
        if clause.get("commandType") == "CMD_UPDATE":
            out |= _set_to_default(clause.get("targetList"))
        elif clause.get("commandType") == "CMD_INSERT":
            values = clause.get("values")
            select = {"valuesLists": [{"List": {"items": values}}]} if values else None
            out |= _inserted_defaults(table, clause.get("targetList"), select,
                                      clause.get("override"))
    return out


def _set_to_default(targets: object) -> set[str]:
    """The columns `SET c = DEFAULT` names in an UPDATE's (or MERGE's) target list."""
    return {body.get("name", "") for _, body in map(unwrap, targets or ())
            if unwrap(body.get("val"))[0] == "SetToDefault"}


def _inserted_defaults(table: Table, cols: object, select: dict | None,
                       override: object) -> set[str]:
    """The columns of `table` an INSERT of `select` (its VALUES or query; None: DEFAULT
    VALUES) into `cols` (none written: the table's columns in order) leaves to their default.
    A query whose width is not known (`SELECT *`, a set operation) fills every column named."""
    every = list(table.columns)
    named = [unwrap(c)[1].get("name", "") for c in cols or ()] or every
    if select is None:
        return set(every)
    rows = [unwrap(row)[1].get("items") or () for row in select.get("valuesLists") or ()]
    targets = select.get("targetList") or ()
    if cols or (not rows and (select.get("op", "SETOP_NONE") != "SETOP_NONE"
                              or not targets or any(map(_is_star, targets)))):
        width = len(named)  # a column list is filled whole (the server refuses less)
    else:
        width = max(map(len, rows)) if rows else len(targets)
    given = named[:width]
    out = set(every) - set(given)
    for row in rows:
        out |= {given[i] for i, item in enumerate(row)
                if i < len(given) and unwrap(item)[0] == "SetToDefault"}
    if override == "OVERRIDING_USER_VALUE":
        out |= {c for c in given if c in table.columns and table.columns[c].identity}
    return out


def _is_star(target: object) -> bool:
    """Whether a target list entry is `*` or `t.*` (its width is the relation's)."""
    kind, value = unwrap(unwrap(target)[1].get("val"))
    fields = value.get("fields") or () if kind == "ColumnRef" else ()
    return bool(fields) and unwrap(fields[-1])[0] == "A_Star"


#: Stands for the condition only the user can write, with what to write (a block comment:
#: the batch statement goes on after it on the same line).
_NOT_YET_UPDATED = (" WHERE not_yet_updated /* replace not_yet_updated: a condition true only "
                    "for the rows this UPDATE has not changed yet */")


def _batch_facts(b: Builder, stmt: dict, kind: str, table: str, qualified: bool,
                 joined: bool) -> dict:
    """The UPDATE or DELETE of every row written to run in batches: the statement on `table`
    (with its schema if the statement wrote one) without its WHERE or RETURNING
    (`statement_head_sql`), the WHERE it keeps when that only joins (`join_condition_sql`,
    ANDed before the batch's bound), its RETURNING, which each batch keeps for its own rows
    (`returning_sql`: the batches together return the statement's rows), and the
    condition that picks the rows a batch has left (`not_yet_done_sql`): none for a DELETE
    (every row left is to go), for an UPDATE the rows whose columns differ from what it sets,
    when that can be told (each value the same whenever computed, reading none of the columns
    it sets); else a named stand-in. Of a join, only rows with a match are left to do.
    Where `lockwise apply` can batch the statement (`_batch_how`), the statement itself,
    marked, comes first (in `batch_how_text`) and the batch statement is a comment after it;
    of a WITH query that writes rows (to run once first), the batches are written without it.
    They are printed when shown (`ShownSql`); a join's (rare) are printed at once."""
    how: str | ShownSql = _batch_how(b, stmt, kind, table)
    if how is _BATCH_AFTER_WITH_WRITES:
        # (its WITH queries that write run once first, into tables of their names: the
        # batches read those, as the text says; the others are kept)
        ctes = [c for c in (stmt.get("withClause") or {}).get("ctes") or ()
                if unwrap(unwrap(c)[1].get("ctequery"))[0] not in _WRITING_QUERIES]
        stmt = {**stmt, "withClause": {**stmt["withClause"], "ctes": ctes}} if ctes else \
            {k: v for k, v in stmt.items() if k != "withClause"}
    schema, relname = table.split(".", 1)
    relation = {k: v for k, v in (stmt.get("relation") or {}).items() if k != "schemaname"}
    relation.update(relname=relname, **({"schemaname": schema} if qualified else {}))
    name = relation_sql(table, table, qualified)
    head: ShownSql = PrintedSql({"UpdateStmt" if kind == "update" else "DeleteStmt": {
        **{k: v for k, v in stmt.items() if k not in ("whereClause", "returningClause")},
        "relation": relation}},
        f"DELETE FROM {name}" if kind == "delete" else
        f"UPDATE {name} SET the_column = the_value /* replace: the statement's SET list */")
    condition = _not_yet_updated(b, stmt, joined) if kind == "update" else None
    alias = (stmt.get("relation") or {}).get("alias")
    # (an aliased table's batch reads its rows under the alias: the condition's columns,
    # and the SET values', are the batch's own rows there, not the outer statement's)
    named = f" AS {quote_ident(alias['aliasname'])}" if alias else ""
    done: str | ShownSql = "" if kind == "delete" else \
        JoinedSql(named, condition or _NOT_YET_UPDATED) if named else \
        condition or _NOT_YET_UPDATED
    where = expression_sql(stmt.get("whereClause")) if joined else None
    if where:
        # The batch's rows are picked among those with a match, as the statement's are:
        # under the statement's own name for the table, the join's names read the same.
        # (a FROM list pglast cannot print, where the WHERE printed: a note to replace, not
        # the word None)
        matched = PrintedSql({"SelectStmt": {
            "fromClause": stmt.get("fromClause") or stmt.get("usingClause"),
            "whereClause": stmt["whereClause"], "op": "SETOP_NONE",
            "limitOption": "LIMIT_OPTION_DEFAULT"}},
            "SELECT FROM " + unprinted_note(
                f"the statement's {'FROM' if kind == 'update' else 'USING'} list")
            + f" WHERE {where}")
        # (what the UPDATE sets is read from the matched row: inside the EXISTS)
        left = "" if kind == "delete" else str(condition.after(" AND ")) if condition else \
            _NOT_YET_UPDATED.replace(" WHERE ", " AND ", 1)
        done = f"{named} WHERE EXISTS ({matched}{left})"
    returning = stmt.get("returningClause")
    if how in _MARKED:
        # The statement itself marked (written out of its body or EXECUTE): what apply
        # batches; the batch statement is other runners', a comment after it.
        how = JoinedSql(_batches.once_per_batch_note(
            "UpdateStmt" if kind == "update" else "DeleteStmt", stmt, b.ctx.catalog),
            how, "\n", marked_for_apply(
            {"UpdateStmt" if kind == "update" else "DeleteStmt": {**stmt, "relation": relation}},
            _BATCH_BY_HAND))
        head = by_hand_sql(head)
    return {"statement_head_sql": head, "not_yet_done_sql": done,
            "join_condition_sql": f"{where} AND " if where else "",
            "returning_sql": JoinedSql(" RETURNING ", PrintedSql(
                {"ReturningClause": returning})) if returning else "",
            "batch_how_text": how}


#: How the batches run, before the batch statement: with `lockwise apply` (the statement
#: marked, `marked_for_apply`, other runners' batch statement a comment after it), or by
#: repeating the statement with any runner (a comment, its first `-- ` in the template).
_BATCH_BY_APPLY = (
    "with `lockwise apply`: mark it, and it runs in key-range batches, each in its own "
    "transaction:")
_BATCH_BY_REPEATING = (
    "repeat until no rows are updated, each batch in its own transaction (`lockwise apply`\n"
    "-- batches only a statement without WITH or RETURNING, by a one-column integer primary\n"
    "-- key, its table named unambiguously: no table of its name beside it, unless with a\n"
    "-- schema or an alias):")
_BATCH_IN_PLACE_OF_EXECUTE = (
    "`lockwise apply` cannot batch an EXECUTE (a batch directive on it stops the run): to\n"
    "-- have it batch, write the prepared statement itself in place of the EXECUTE (its\n"
    "-- arguments for $1, ...) and mark that:")
_BATCH_IN_BODY = (
    "`lockwise apply` batches only a statement of the migration itself, not one a\n"
    "-- DO block or a function runs (a batch directive on the call stops the run; on a DO\n"
    "-- block, apply runs the block as written): to have it batch, write it out as a statement\n"
    "-- of its own in place of the block or call (values for its variables) and mark that:")
#: The texts after which the statement is printed, marked for apply.
_MARKED = (_BATCH_BY_APPLY, _BATCH_IN_PLACE_OF_EXECUTE, _BATCH_IN_BODY)
#: How other runners go, after the marked statement.
_BATCH_BY_HAND = (
    "with any other runner, in place of the marked statement, repeat this until no rows are\n"
    "-- updated, each batch in its own transaction:")
_BATCH_AFTER_WITH_WRITES = (
    "its WITH query writes rows, and each repetition would write them again: run that\n"
    "-- query once on its own first, keeping what it returns in a table of the WITH query's\n"
    "-- name, which the statement below reads in its place; then repeat it until no rows are\n"
    "-- updated, each batch in its own transaction:")
_BATCH_FROM_A_SNAPSHOT = (
    "it reads a column it sets of its table's other rows (in a query, or the table named\n"
    "-- again beside it), and each batch would read what the batches before it changed (a\n"
    "-- renumbering would number the rows anew; `lockwise apply` refuses to batch it): keep\n"
    "-- that query's rows in a table first (CREATE TABLE ... AS SELECT ...) and read that\n"
    "-- table here in its place; then repeat until no rows are updated, each batch in its own\n"
    "-- transaction:")
_DELETE_FROM_A_SNAPSHOT = (
    "it picks rows by an aggregate, a row number or a LIMIT over its own table, and each\n"
    "-- batch would take that of the rows the batches before it left (`lockwise apply`\n"
    "-- refuses to batch it): keep that query's rows in a table first (CREATE TABLE ... AS\n"
    "-- SELECT ...) and read that table here in its place; then repeat until no rows are\n"
    "-- deleted, each batch in its own transaction:")
#: An UPDATE or DELETE whose WHERE is not judged for an index (`where_facts`).
_WHERE_NOT_JUDGED = {"where_scans_table": False}
#: Statements a WITH query can be that write rows (MERGE from PostgreSQL 17).
_WRITING_QUERIES = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})


def _unbatchable(stmt: dict, kind: str, in_with: bool, catalog: Catalog) -> str:
    """Why batches of UPDATE or DELETE `stmt` (`kind`) would do other than it does, as
    where-without-index's advice says it; "" when they would not. One with a WITH, or in
    one, would lose or repeat it; one whose batches read what the batches before it wrote
    or left would change other rows (`lockwise apply` refuses to batch it: the one
    judgement, executor/batches.py `batches_read_otherwise`, asked with the `catalog`'s
    aggregates, unique columns, keys and views)."""
    if in_with or stmt.get("withClause"):
        return "run in batches, the statement's WITH would be lost or repeated"
    if _batches.batches_read_otherwise("UpdateStmt" if kind == "update" else "DeleteStmt",
                                       stmt, catalog.aggregates, catalog.unique_columns,
                                       catalog) is not None:
        return ("not in batches:\n-- each would read what the batches before it "
                + ("wrote" if kind == "update" else "left") + "; or keep what\n-- it reads of"
                " its own table in a table first, CREATE TABLE ... AS SELECT, and\n-- read"
                " that in its place")
    return ""


def _batch_how(b: Builder, stmt: dict, kind: str, table: str,
               reads_as_whole: bool = False) -> str:
    """How the batches of an UPDATE or DELETE (`kind`) of every row run: by `lockwise apply`
    where it can (what `batch_refusal` lets it batch, by a one-column integer primary key:
    executor/batches.py; an UPDATE ... FROM or DELETE ... USING too, its key bound named
    through the target), else by repeating the statement; a WITH query that writes rows is to
    run once, not per batch. Run by an EXECUTE (`Context.executed`), a DO block or a function
    (`Context.in_body`), written out first: apply batches none of those. `reads_as_whole`:
    `_unbatchable` said "" of it, so its batches read what it reads whole
    (`batches_read_otherwise` found nothing) and that is not asked again."""
    ctes = (stmt.get("withClause") or {}).get("ctes") or ()
    if any(unwrap(unwrap(c)[1].get("ctequery"))[0] in _WRITING_QUERIES for c in ctes):
        return _BATCH_AFTER_WITH_WRITES
    if kind == "update" and _batches.reads_what_it_sets(stmt):
        return _BATCH_FROM_A_SNAPSHOT
    aggregates = b.ctx.catalog.aggregates
    if kind == "delete" and _batches.deletes_by_counting(stmt, aggregates):
        return _DELETE_FROM_A_SNAPSHOT
    key = b.ctx.catalog.primary_key(table)
    known = b.ctx.catalog.tables.get(table)
    column = known.columns.get(key[0]) if known is not None and len(key) == 1 else None
    node_kind = "UpdateStmt" if kind == "update" else "DeleteStmt"
    # (`batch_refusal`, less what `_unbatchable` found already when it said "")
    refused = _batches.refused_as_written(node_kind, stmt) if reads_as_whole else \
        _batches.batch_refusal({node_kind: stmt}, aggregates, b.ctx.catalog.unique_columns,
                               b.ctx.catalog)
    if refused or column is None or column.type_name not in _batches.BATCH_KEY_TYPES:
        return _BATCH_BY_REPEATING
    if b.ctx.executed:
        return _BATCH_IN_PLACE_OF_EXECUTE
    return _BATCH_IN_BODY if b.ctx.in_body else _BATCH_BY_APPLY


def _not_yet_updated(b: Builder, stmt: dict, joined: bool = False) -> _DistinctFrom | None:
    """`(a, b) IS DISTINCT FROM (x, y)` for `UPDATE ... SET a = x, b = y`: true exactly for
    the rows the UPDATE has not changed yet; None where that does not hold or is not known
    (a volatile value, a subquery, a value reading a column it sets, DEFAULT, a subscript, a
    FROM list a correlated condition would see). A value must be the same in every
    batch's transaction: with now() in it, the rows done in one batch differ from the next
    batch's now() and would be picked again for ever. Of an UPDATE whose WHERE only joins
    (`joined`), or whose table has an alias, the condition is read beside the FROM list or
    under the alias, the statement's name for the table: its columns are written with it."""
    target = _target_name(stmt)
    if stmt.get("withClause") or not joined and stmt.get("fromClause"):
        return None
    columns, values = [], []
    for item in stmt.get("targetList") or ():
        kind, body = unwrap(item)
        value = body.get("val")
        if kind != "ResTarget" or body.get("indirection") or unwrap(value)[0] in (
                "MultiAssignRef", "SetToDefault") or has_subquery(value) or \
                changes_between_transactions(value, b.ctx.catalog):
            return None
        columns.append(body.get("name", ""))
        values.append(value)
    if not columns or set(columns) & set(columns_read(
            [unwrap(i)[1].get("val") for i in stmt["targetList"]], target)):
        return None
    aliased = bool((stmt.get("relation") or {}).get("alias"))
    return _DistinctFrom(tuple(columns), tuple(values), target if joined or aliased else "")


class _DistinctFrom(ShownSql):
    """`(a, b) IS DISTINCT FROM (x, y)` after `keyword` (` WHERE `, ` AND `), the columns
    written with `qualifier` (a join's name for the table) when there is one; or the named
    stand-in when pglast cannot print one of the values."""

    __slots__ = ("columns", "values", "qualifier", "keyword")

    def __init__(self, columns: tuple[str, ...], values: tuple[dict, ...], qualifier: str,
                 keyword: str = " WHERE ") -> None:
        super().__init__()
        self.columns, self.values, self.qualifier = columns, values, qualifier
        self.keyword = keyword

    def after(self, keyword: str) -> _DistinctFrom:
        return _DistinctFrom(self.columns, self.values, self.qualifier, keyword)

    def _printed(self) -> str:
        values = [expression_sql(v) for v in self.values]
        if None in values:
            return _NOT_YET_UPDATED.replace(" WHERE ", self.keyword, 1)
        written = [f"{quote_ident(self.qualifier)}.{quote_ident(c)}" if self.qualifier
                   else quote_ident(c) for c in self.columns]
        if len(self.columns) == 1:
            return f"{self.keyword}{written[0]} IS DISTINCT FROM ({values[0]})"
        return (f"{self.keyword}({', '.join(written)}) IS DISTINCT FROM "
                f"({', '.join(values)})")  # type: ignore[arg-type]

    def _parts(self) -> tuple:
        return self.columns, self.values, self.qualifier, self.keyword


def _null_test_of_every_row(b: Builder, stmt: dict, table: str) -> str | None:
    """Why an UPDATE's or DELETE's whole WHERE, a NULL test of one column of `table`, limits
    nothing (the end of its scan reason): IS NULL of a column NULL in every row
    (`Context.null_columns`), IS NOT NULL of a validated NOT NULL column; None otherwise,
    and beside a FROM or USING list (whose relations may have such a column)."""
    if stmt.get("fromClause") or stmt.get("usingClause"):
        return None
    column = null_tested_column(stmt, {c for t, c in b.ctx.null_columns if t == table})
    if column:
        return f"whose WHERE holds where {quote_ident(column)} IS NULL touches every row: " \
            "the column, added by this migration without a default, is NULL in each"
    known = b.ctx.catalog.known_table(table)
    never_null = {name for name, col in known.columns.items()
                  if col.not_null and col.not_null_valid} if known is not None else set()
    column = null_tested_column(stmt, never_null, "IS_NOT_NULL")
    return f"whose WHERE holds where {quote_ident(column)} IS NOT NULL touches every row: " \
        "the column is NOT NULL" if column else None


def _target_name(stmt: dict) -> str:
    """The name an UPDATE or DELETE gives its table in the rest of the statement."""
    return range_name(stmt.get("relation") or {})


def _target_columns(b: Builder, table: str) -> frozenset[str]:
    """The columns of an UPDATE's or DELETE's `table` when the catalog knows them all (none
    otherwise): an unqualified column of its WHERE that is one of them is the table's, since
    PostgreSQL refuses a name two relations of the statement have (ambiguous)."""
    known = b.ctx.catalog.fully_known(table)
    return frozenset(known.columns) if known is not None else frozenset()


def _where_only_joins(stmt: dict, target_columns: frozenset[str] = frozenset(),
                      table: str = "", catalog: Catalog | None = None) -> bool:
    """Whether an UPDATE ... FROM or DELETE ... USING changes every row of its table that has
    a match: the list beside it is tables (or joins of them) and each ANDed condition of its
    WHERE (and of its joins' ON) is true by its literals or equates two columns of two
    different relations the statement names (an unqualified name of the WHERE that is one of
    the table's `target_columns` is the table's). A WITH query or a subquery beside it that
    reads `table` (the statement's, resolved; "" through a view) whole, one row for each of its
    rows (`_whole_copy`), counts when each condition naming it equates one of the table's
    columns with that same column of it: every row of the table matches its own copy. Another
    subquery or WITH query, a VALUES list or a function beside it, or any other condition, may
    limit the rows (a batch, a filter): not read."""
    beside = list(stmt.get("fromClause") or stmt.get("usingClause") or ())
    if not beside or not stmt.get("whereClause"):
        return False
    target = _target_name(stmt)
    # (each condition with the columns an unqualified name of it may be the target's: a
    # join's ON does not see the target, its names are the joined relations')
    names, conditions = {target}, [(stmt["whereClause"], target_columns)]
    with_clause = stmt.get("withClause") or {}
    ctes = {body.get("ctename"): body for body in map(lambda c: unwrap(c)[1],
                                                      with_clause.get("ctes") or ())}
    # (a copy's name -> the table's column under each of its column names, None for an
    # expression; `*` when it keeps every column under its own name)
    copies: dict[str, dict[str, str | None]] = {}
    while beside:
        kind, item = unwrap(beside.pop())
        copy = _whole_copy(kind, item, stmt, table, ctes, catalog) \
            if table and not with_clause.get("recursive") else None
        if copy is not None:
            alias = (item.get("alias") or {}).get("aliasname") or item.get("relname", "")
            copies[alias] = copy
            names.add(alias)
        # (a WITH query's rows are its own: `WITH batch AS (... LIMIT 5000)` is a batch)
        elif kind == "RangeVar" and not (item.get("relname") in ctes
                                         and not item.get("schemaname")):
            names.add(range_name(item))
        elif kind == "JoinExpr" and not item.get("alias"):
            beside += [item.get("larg"), item.get("rarg")]
            conditions += [(item["quals"], frozenset())] if item.get("quals") else []
        else:
            return False
    while conditions:
        condition, own = conditions.pop()
        kind, body = unwrap(condition)
        if kind == "BoolExpr" and body.get("boolop") == "AND_EXPR":
            conditions += [(arg, own) for arg in body.get("args") or ()]
        elif not is_constant_true({kind: body}) and not _equates_columns(
                body if kind == "A_Expr" else {}, names, target, own, copies):
            return False
    return True


def _joined_on_constant(b: Builder, stmt: dict, table: str) -> str | None:
    """The column, as the statement names it (`t.c`), of an UPDATE ... FROM or DELETE ...
    USING whose WHERE only joins (`_where_only_joins`) and whose every condition naming its
    `table` equates one of its columns that hold one value in every row
    (`Context.constant_columns`) with another relation's column: each row of the table then
    matches the same rows beside it, so it touches every row or none (checked on 18.6); None
    otherwise."""
    constants = {c for t, c in b.ctx.constant_columns if t == table}
    if not constants:
        return None
    target, own = _target_name(stmt), _target_columns(b, table)
    conditions, found = [stmt["whereClause"]], None
    while conditions:
        kind, body = unwrap(conditions.pop())
        if kind == "BoolExpr" and body.get("boolop") == "AND_EXPR":
            conditions += body.get("args") or []
            continue
        if kind != "A_Expr":
            continue  # true by its literals (`_where_only_joins`)
        sides = [strings(unwrap(side)[1].get("fields")) for side in (body.get("lexpr"),
                                                                      body.get("rexpr"))]
        mine = [f[-1] for f in sides if f[:-1] == [target] or len(f) == 1 and f[0] in own]
        if not mine:
            continue  # a join of the relations beside it
        if len(mine) > 1 or mine[0] not in constants:
            return None
        found = f"{quote_ident(target)}.{quote_ident(mine[0])}"
    return found


def _own_ctes(stmt: dict) -> frozenset[str]:
    """The names of the WITH queries of `stmt` itself."""
    return frozenset(unwrap(c)[1].get("ctename", "")
                     for c in (stmt.get("withClause") or {}).get("ctes") or ())


def _whole_copy(kind: str, item: dict, stmt: dict, table: str, ctes: dict[str, dict],
                catalog: Catalog | None = None) -> dict[str, str | None] | None:
    """The columns of FROM (USING) item `item` (of node `kind`), under its names, when it is
    a WITH query of `stmt` (one of `ctes`) or a subquery that returns each row of the
    statement's `table` once: a SELECT of that one table (with its inheritance children when
    the statement's has them) with no WHERE, LIMIT, OFFSET, DISTINCT (ON), GROUP BY, HAVING,
    WITH or set operation, and no aggregate or set-returning call in its list (a window
    function keeps every row: the renumbering `row_number() OVER (...)` of each), built-in or
    not: nor a call of a function neither built-in nor the migrations' (`returned_calls`
    with the `catalog`; checked on 18.6). Each name is
    the table's column it reads plainly (`*` for one that keeps them all), None for another
    expression; None for any other item, and for one renaming its columns (a column list)."""
    if kind == "RangeVar" and not item.get("schemaname") and item.get("relname") in ctes:
        cte = ctes[item["relname"]]
        query = None if cte.get("aliascolnames") else cte.get("ctequery")
    else:
        query = item.get("subquery") if kind == "RangeSubselect" and \
            not item.get("lateral") else None
    query_kind, select = unwrap(query) if query else ("", {})
    if query_kind != "SelectStmt" or (item.get("alias") or {}).get("colnames") or any(
            select.get(clause) for clause in (
                "withClause", "whereClause", "limitCount", "limitOffset", "distinctClause",
                "groupClause", "havingClause", "valuesLists")) or \
            select.get("op", "SETOP_NONE") != "SETOP_NONE" or \
            set(returned_calls(select.get("targetList"), catalog)) - {"window"}:
        return None
    items = select.get("fromClause") or ()
    read_kind, read = unwrap(items[0]) if len(items) == 1 else ("", {})
    inherits = (stmt.get("relation") or {}).get("inh")  # (absent for ONLY)
    if read_kind != "RangeVar" or range_var(read)[0] != table or \
            not read.get("schemaname") and read.get("relname") in ctes or \
            inherits and not read.get("inh"):
        return None
    own, columns = range_name(read), {}
    for target in select.get("targetList") or ():
        body = unwrap(target)[1]
        value_kind, value = unwrap(body.get("val"))
        fields = value.get("fields") or () if value_kind == "ColumnRef" else ()
        names = strings(fields)
        plain = bool(fields) and (len(fields) == 1 or names[:-1] == [own])
        column = "*" if plain and unwrap(fields[-1])[0] == "A_Star" else \
            names[-1] if plain and len(names) == len(fields) else None
        name = body.get("name") or column or ""
        # (a name given twice is ambiguous: the server refuses it, nothing is told)
        columns[name] = None if name in columns else column
    return columns


def _equates_columns(expr: dict, names: set[str], target: str = "",
                     target_columns: frozenset[str] = frozenset(),
                     copies: dict[str, dict[str, str | None]] | None = None) -> bool:
    """`a.x = b.y`: an equality of columns of two different relations among `names`. An
    unqualified column is the `target`'s when it is one of its `target_columns` (another
    relation's, or one the catalog does not know, is not told apart: not an equality). Of
    one of the `copies` of the target (`_whole_copy`), only the target's own column is."""
    if expr.get("kind") != "AEXPR_OP" or strings(expr.get("name")) != ["="]:
        return False
    sides = []
    for side in (expr.get("lexpr"), expr.get("rexpr")):
        kind, ref = unwrap(side)
        fields = strings(ref.get("fields")) if kind == "ColumnRef" else []
        if len(fields) == 1 and fields[0] in target_columns:
            fields = [target, fields[0]]
        if len(fields) < 2 or fields[-2] not in names:
            return False
        sides.append((fields[-2], fields[-1]))
    (left, left_column), (right, right_column) = sides
    for copy, column, other, other_column in ((left, left_column, right, right_column),
                                              (right, right_column, left, left_column)):
        if copies and copy in copies:
            kept = copies[copy]
            read = kept.get(column, column if "*" in kept.values() else None)
            return other == target and read == other_column
    return left != right


#: How a scan repeated for each row a statement changes begins its reason (the cost model
#: reads it: no single pass stands for it).
FOR_EACH_ROW = "for each row"


def _invalid_arbiter(b: Builder, table: str, clause: dict, qualified: bool) -> dict:
    """`ON CONFLICT (cols)` on a table whose only unique index over exactly those columns
    (in any order) is not valid: an index made ON ONLY a partitioned table whose partitions
    do not all have a valid part of it attached yet. PostgreSQL infers no arbiter from an
    invalid index, and refuses the statement (checked on the server). Only for a table these
    migrations created, whose indexes are all known; facts empty otherwise."""
    elems = [unwrap(e)[1] for e in (clause.get("infer") or {}).get("indexElems") or ()]
    wanted = {e.get("name") for e in elems}
    known = b.ctx.catalog.tables.get(table)
    if not elems or None in wanted or known is None or known.created_by is None or \
            (clause.get("infer") or {}).get("whereClause"):
        return {}
    unique = [i for i in b.ctx.catalog.indexes_on(table)
              if i.unique and not i.partial and not i.reads and set(i.columns) == wanted]
    invalid = next((i for i in unique if not i.valid), None)
    if invalid is None or any(i.valid for i in unique):
        return {}
    missing = missing_index_parts(b.ctx.catalog, invalid.name)
    return {"arbiter_index_invalid": True, "invalid_arbiter_index": invalid.name,
            "partitions_without_index": tuple(missing),
            "partitions_without_index_text": ", ".join(missing) or "none known",
            "index_parts_sql": index_parts_sql(b.ctx.catalog, invalid, missing, qualified)}


def _referencing_rows(b: Builder, table: str, kind: str,
                      columns: tuple[str, ...]) -> list[tuple[str, Constraint]]:
    """Deleting rows of `table`, or changing their key, fires the foreign keys that point at
    it (`key_actions`): NO ACTION / RESTRICT read the referencing rows FOR KEY SHARE (ROW
    SHARE on that table), CASCADE / SET NULL / SET DEFAULT update or delete them (ROW
    EXCLUSIVE), which fires the keys that point at that table in turn. Returns the keys whose
    table is read in full for each row, when it may hold rows (not one the migration made
    and left empty)."""
    catalog = b.ctx.catalog
    read_per_row = []
    for action in _key_actions.schema_key_actions(catalog, table, kind, columns):
        other, key = action.referencing, action.key
        if key.columns and catalog.fully_known(other) is not None and \
                not catalog.has_index_leading_with(other, key.columns):
            # Its query finds the rows by the key's columns: without an index, a full read
            # for every row changed (checked on the server).
            b.scan(other, f"{FOR_EACH_ROW} {action.kind}d in {action.referenced}, its "
                          "foreign key's query reads it: no index serves the key")
            if not b.ctx.table_is_empty(other):
                read_per_row.append((other, key))
        # The key's query names a partitioned table without ONLY: its whole tree is reached
        # (a plain table, with ONLY: not its inheritance children). Checked on the server.
        for rel in action.reached:
            b.lock(rel, L.ROW_EXCLUSIVE if action.write else L.ROW_SHARE)
            if action.write:
                b.writes.add(f"table:{rel}")
    return read_per_row


def _read_per_row_facts(b: Builder, read_per_row: list[tuple[str, Constraint]],
                        qualified: bool) -> dict:
    """Rule foreign-key-scan-per-row's facts: the keys (table(columns) -> referenced) whose
    table the write reads in full once per row it deletes or changes the key of, and the
    index each needs, as fk-without-index writes it (`unindexed_fk_facts`)."""
    from lockwise.effects.foreign_keys import unindexed_fk_facts

    keys = list({(other, key.name): (other, key) for other, key in read_per_row}.values())
    return unindexed_fk_facts(keys, b.ctx.catalog, b.ctx.new_tables,
                              bare=() if qualified else {other for other, _ in keys})


def _updatable_view_base(b: Builder, relation: str, kind: str,
                         on_conflict: bool = False) -> tuple[str, str, str]:
    """The table a write (`kind`) to `relation` reaches: itself, or for a known view reading
    exactly one relation (what makes it auto-updatable) that relation, followed through views
    (each locked ROW EXCLUSIVE, what their subqueries read ACCESS SHARE);
    a view with an INSTEAD OF trigger or an unconditional DO INSTEAD rule for the write keeps
    it. Then why the server refuses the write ("" when it does not): a view on the way with
    neither of those, but a conditional DO INSTEAD rule for the write, or a query it cannot
    write through, DO ALSO rules or not; and, for an INSERT ... ON CONFLICT (`on_conflict`),
    a relation on the way that keeps the write and has an UPDATE rule (enabled or not) or an
    enabled INSERT rule that adds a query (rewriteHandler.c RewriteQuery; checked on the
    server)."""
    for _ in range(VIEW_DEPTH):
        known = b.ctx.catalog.tables.get(relation)
        if known is None:
            break
        written_through = False
        if known.kind == "view" and \
                not any(kind in t.instead_of for t in known.triggers.values()):
            instead = [r for r in known.rules.values()
                       if r.event == kind and r.instead and r.enabled]
            if not any(r.where is None for r in instead):
                why = "Views with conditional DO INSTEAD rules are not automatically " \
                    "updatable." if instead else known.not_updatable
                if not why and not known.updatable_columns and kind in ("insert", "update"):
                    why = NO_UPDATABLE_COLUMNS
                if why and kind in _WRITE_VERBS:
                    return relation, f"cannot {_WRITE_VERBS[kind]} view {relation}: {why}", ""
                written_through = True
        if on_conflict and not written_through and _rules_refuse_on_conflict(known):
            return relation, "", (f"INSERT with ON CONFLICT cannot be used with {relation}, "
                                  "which has INSERT or UPDATE rules")
        # (the relation written through to is the first source; the others are read by
        # the view's subqueries, which the rewriter locks, also for an INSERT)
        if not written_through or (known.not_updatable != "" and len(known.sources) != 1):
            break
        relation, *subqueries_read = known.sources
        b.lock(relation, L.ROW_EXCLUSIVE)  # each view on the way too
        for read in subqueries_read:
            lock_read(b, read)
            lock_view_reads(b, read)
    return relation, "", ""


def _rules_refuse_on_conflict(known: Table) -> bool:
    """Whether `known`'s rules make the server refuse an INSERT ... ON CONFLICT into it: an
    UPDATE rule, even a disabled one, or an enabled INSERT rule with an action (not DO
    INSTEAD NOTHING)."""
    return any(r.event == "update" or (r.event == "insert" and r.enabled and r.actions)
               for r in known.rules.values())


#: How the server's refusal names each write to a view.
_WRITE_VERBS = {"insert": "insert into", "update": "update", "delete": "delete from"}


_CTE_DML = {"InsertStmt": dml("insert"), "UpdateStmt": dml("update"),
            "DeleteStmt": dml("delete")}


def _where_is_batched(where: object) -> bool:
    """A WHERE that bounds the rows by a key range or a LIMITed subquery (a batch)."""
    if not where:
        return False
    for kind, body in walk(where):
        if kind == "SelectStmt" and body.get("limitCount"):
            return True
        if kind == "A_Expr" and body.get("kind") == "AEXPR_BETWEEN":
            return True
    return False


def select(b: Builder, stmt: dict) -> None:
    creating = select_into(stmt)
    if creating is not None:  # SELECT ... INTO t: run as CREATE TABLE t AS SELECT ...
        create_table_as(b, creating)
    else:
        read_tables(b, stmt)
        lock_read_partitions(b, stmt)
        lock_locked_rows(b, stmt, stmt)
    functions = []
    advisory: list[tuple[str, str]] = []
    for kind, body in walk(stmt):
        names = strings(body.get("funcname")) if kind == "FuncCall" else None
        if names:
            functions.append(names[-1])
            if is_sequence_call(names):
                _lock_sequence(b, body)
            if names[-1] in SESSION_ADVISORY_FUNCTIONS and names[:-1] in ([], ["pg_catalog"]):
                args = [expression_sql(a) for a in body.get("args") or ()]
                advisory.append((names[-1], ", ".join(a or "?" for a in args)))
    # (SELECT INTO's refusal is said by the CREATE TABLE AS it runs as)
    b.act("select", functions=tuple(functions), advisory_calls=tuple(advisory),
          **({} if creating is not None else
             with_query_locked("SelectStmt", stmt, bool(stmt.get("lockingClause")))))
    _set_config_calls(b, stmt)
    _data_modifying_ctes(b, stmt)


def lock_locked_rows(b: Builder, node: object, query: dict | None = None,
                     outer_ctes: frozenset[str] = frozenset(), runs: bool = True) -> None:
    """FOR UPDATE / NO KEY UPDATE / SHARE / KEY SHARE of `query` (the statement's own
    SELECT, when given) and of any SELECT below `node` (a subquery's, a CTE's): ROW SHARE
    on the tables it locks rows of (the FROM items named after OF, else every table of its
    FROM list) and, when the query `runs` (not only analysed, as by a CREATE TABLE AS that
    IF NOT EXISTS skips), their partitions and the tables behind a view. A WITH query named
    in FROM (one below `node`, or of `outer_ctes`) is passed by: no row of what it reads is
    locked (checked on 18.6)."""
    own = [query] if query is not None and query.get("lockingClause") else []
    lockings = [*own, *locking_queries(node)]
    ctes = cte_names(node) | outer_ctes if lockings else outer_ctes
    for locking in lockings:
        for _, clause in map(unwrap, locking["lockingClause"]):
            named = _locked_items(locking, clause["lockedRels"]) if clause.get("lockedRels") \
                else locking.get("fromClause")
            for rel in relations_in(named, ctes):
                b.lock(rel, L.ROW_SHARE)
            if runs:
                lock_read_partitions(b, named, L.ROW_SHARE, outer_ctes=ctes)


#: The server's words for each locking strength.
_STRENGTHS = {"LCS_FORUPDATE": "FOR UPDATE", "LCS_FORNOKEYUPDATE": "FOR NO KEY UPDATE",
              "LCS_FORSHARE": "FOR SHARE", "LCS_FORKEYSHARE": "FOR KEY SHARE"}
#: The statements a WITH clause can belong to.
_WITH_STATEMENTS = frozenset({"SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt",
                              "MergeStmt"})


def with_query_locked(kind: str, stmt: dict, locking: bool) -> dict:
    """`with_query_locked` and the server's message when a FOR UPDATE / NO KEY UPDATE / SHARE
    / KEY SHARE OF below `stmt` (a `kind` statement, its top-level SELECT's own clause when
    `locking`) names a FROM item that is a WITH query the SELECT sees: PostgreSQL refuses the
    statement ("FOR SHARE cannot be applied to a WITH query", checked on 18.6). A WITH query
    sees those before it (all of them under RECURSIVE), the statement's body all of its own
    and of the statements around it; one named with a schema is a table."""
    if not ((locking or locking_queries(stmt)) and cte_names(stmt)):
        return {}  # (both read from the pass the statement's reads made)
    return _with_query_locked({kind: stmt})


def query_with_query_locked(query: object) -> dict:
    """`with_query_locked` of the statement a statement holds (`{"SelectStmt": ...}`): CREATE
    VIEW's, CREATE MATERIALIZED VIEW's and CREATE TABLE AS's query (WITH NO DATA, IF NOT
    EXISTS and a name taken too: it is analyzed first), EXPLAIN's (without ANALYZE too) and
    COPY's; the server refuses each as it would refuse the query alone (checked on 18.6)."""
    if not (locking_queries(query) and cte_names(query)):
        return {}  # (both read from the pass the statement's reads made)
    return _with_query_locked(query)


def _with_query_locked(node: object) -> dict:
    """`with_query_locked` of `node`, walked from the top, each WITH clause seen from the
    statements below it."""
    stack: list[tuple[object, frozenset[str]]] = [(node, frozenset())]
    while stack:
        item, seen = stack.pop()
        if type(item) is list:
            stack.extend((value, seen) for value in item)
            continue
        if type(item) is not dict:
            continue
        for key, value in item.items():
            if key not in _WITH_STATEMENTS or type(value) is not dict:
                if type(value) in (dict, list):
                    stack.append((value, seen))
                continue
            with_clause = value.get("withClause") or {}
            ctes = [unwrap(cte)[1] for cte in with_clause.get("ctes") or ()]
            names = [cte.get("ctename", "") for cte in ctes]
            inside = seen | frozenset(names)
            for at, cte in enumerate(ctes):
                stack.append((cte.get("ctequery"), inside if with_clause.get("recursive")
                               else seen | frozenset(names[:at])))
            strength = _strength_locking_with_query(value, inside) \
                if key == "SelectStmt" and value.get("lockingClause") else ""
            if strength:
                return {"with_query_locked": True,
                        "with_query_locked_text": f"{strength} cannot be applied to a WITH query"}
            stack.append(({k: v for k, v in value.items()
                           if k not in ("withClause", "lockingClause")}, inside))
    return {}


def _strength_locking_with_query(select: dict, ctes: frozenset[str]) -> str:
    """The strength of `select`'s first locking clause naming (OF) a FROM item that is one of
    the WITH queries `ctes`, "" when none does."""
    for _, clause in map(unwrap, select["lockingClause"]):
        for kind, item in map(unwrap, _locked_items(select, clause.get("lockedRels") or [])):
            if kind == "RangeVar" and item.get("schemaname") is None \
                    and item.get("relname") in ctes:
                return _STRENGTHS.get(clause.get("strength", ""), "FOR UPDATE")
    return ""


def _locked_items(stmt: dict, locked: list) -> list[dict]:
    """The FROM items `FOR UPDATE OF a, b` names: each name is an item's alias, or its table's
    name when it has none (a subquery's alias stands for the tables it reads)."""
    items: dict[str, dict] = {}

    def visit(node: dict) -> None:
        kind, body = unwrap(node)
        if kind == "JoinExpr":
            visit(body.get("larg") or {})
            visit(body.get("rarg") or {})
        elif kind == "RangeVar":
            items[range_name(body)] = node
        elif kind == "RangeSubselect" and body.get("alias"):
            items[body["alias"].get("aliasname", "")] = body.get("subquery") or {}

    for item in stmt.get("fromClause") or ():
        visit(item)
    names = (unwrap(n)[1].get("relname", "") for n in locked)
    return [items[name] for name in names if name in items]


#: Functions that take or release session-level advisory locks (the `_xact_` ones end with
#: the transaction): a lock taken stays after COMMIT and ROLLBACK until unlocked as many
#: times as taken, DISCARD ALL or the end of the session (checked on the server).
SESSION_ADVISORY_FUNCTIONS = frozenset({
    "pg_advisory_lock", "pg_advisory_lock_shared", "pg_try_advisory_lock",
    "pg_try_advisory_lock_shared", "pg_advisory_unlock", "pg_advisory_unlock_shared",
    "pg_advisory_unlock_all"})


def _lock_sequence(b: Builder, call: dict) -> None:
    """The lock of a nextval / setval / currval `call` on the sequence it names as a
    constant, or by `pg_get_serial_sequence('table', 'column')` of a serial or identity
    column the catalog knows; any other expression is not followed. ROW EXCLUSIVE until
    commit: an ALTER SEQUENCE with options (SHARE ROW EXCLUSIVE) or a DROP waits."""
    sequence = sequence_argument(call) or _serial_sequence_of(b, (call.get("args") or [None])[0])
    if sequence:
        b.lock(sequence, L.ROW_EXCLUSIVE)


def _serial_sequence_of(b: Builder, expr: object) -> str | None:
    """The sequence `pg_get_serial_sequence('table', 'column')` returns, for constant
    arguments naming a serial or identity column of a table the catalog knows (the table
    read as regclass input, the column literally, as the server does); None otherwise (the
    server's NULL for a column owning no sequence locks nothing)."""
    kind, call = unwrap(expr)
    if kind != "FuncCall" or strings(call.get("funcname")) not in (
            ["pg_get_serial_sequence"], ["pg_catalog", "pg_get_serial_sequence"]):
        return None
    args = call.get("args") or ()
    table, column = (regclass_name(const_value(args[0])), const_value(args[1])) \
        if len(args) == 2 else (None, None)
    if table is None or not isinstance(column, str):
        return None
    return next(iter(owned_sequences(b, table, (column,))), None)


def _set_config_calls(b: Builder, stmt: dict) -> None:
    """`SELECT set_config('lock_timeout', '5s', false)` is a SET (true: a SET LOCAL) when its
    arguments are constants; a computed name or value cannot be followed."""
    for name, value, local in set_config_calls(stmt):
        b.act("set", name=name, value=value, local=local, reset=False, reset_all=False,
              transaction_scoped=local,
              command=f"set_config(..., {'true' if local else 'false'})")


def copy(b: Builder, stmt: dict) -> None:
    """COPY FROM writes the table's rows; COPY TO reads all of them (or a query's)."""
    if stmt.get("relation"):
        table, qualified = range_var(stmt["relation"])
        if stmt.get("is_from"):
            # Rows written as INSERT writes them: routed to the partitions (all of them, as
            # far as the model knows), checked against the foreign keys (checked on the server).
            for rel in (table, *b.ctx.catalog.partitions(table)):
                b.lock(rel, L.ROW_EXCLUSIVE)
            lock_partition_ancestors(b, table)
            _check_keys(b, table, True, ())
            b.writes.add(f"table:{table}")
            known = b.ctx.catalog.tables.get(table)
            if stmt.get("attlist") and known is not None:  # the columns it leaves out
                lock_drawn_sequences(b, table, set(known.columns) - set(strings(stmt["attlist"])))
        else:
            b.lock(table, L.ACCESS_SHARE)
            b.scan(table, "COPY TO reads every row")
            b.reads.add(f"table:{table}")
        b.act("copy", table_facts(b, table, qualified))
        return
    # The query runs as the query it is: views expanded, partitions read, FOR UPDATE's ROW
    # SHARE (checked on the server).
    from lockwise.effects.postgres import compute_effect  # the package's dispatcher

    take_whole_effect(b, compute_effect(stmt.get("query") or {}, b.ctx))
    b.act("copy", **query_with_query_locked(stmt.get("query")))
