"""Batched backfills: an UPDATE or DELETE marked `-- lockwise: batch size=N sleep=MS` runs as
key-range batches, each in its own short transaction, resumable after an interruption.

Each batch adds `key >= lo AND key < lo + size` to the statement's WHERE clause (the key is the
table's single-column integer primary key, named through the target's alias or name), commits,
and records the next key in a progress table beside the history table in the same transaction:
after a crash, exactly the committed batches are recorded, and the next run continues from
there without redoing them.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Protocol

from lockwise.effects.nodes import (
    NodeMemo,
    bodies_of_kind,
    range_name,
    range_var,
    relation_vars,
    relations_in,
    resolution,
    returning_list,
    strings,
    unwrap,
    walk,
)
from lockwise.effects.volatility import builtin_aggregates
from lockwise.rules.directives import BATCH_DIRECTIVE

if TYPE_CHECKING:
    from lockwise.catalog.objects import Trigger

_ARG = re.compile(r"(\w+)\s*=\s*(\S+)")
#: The primary key types batches go by (lint offers the directive only for them).
BATCH_KEY_TYPES = frozenset({"int2", "int4", "int8"})


class BatchError(ValueError):
    """A batch directive or batched statement lockwise cannot run; the message says why."""


@dataclass(frozen=True, slots=True)
class BatchSpec:
    size: int = 1000
    sleep_ms: int = 0


def parse_batch_directive(comments: Iterable[str]) -> BatchSpec | None:
    """The batch directive among a statement's comments, or None. Bad values are errors."""
    for comment in comments:
        match = BATCH_DIRECTIVE.search(comment)
        if not match:
            continue
        values = dict(_ARG.findall(match.group("args")))
        unknown = set(values) - {"size", "sleep", "pages"}
        if unknown:
            raise BatchError(f"unknown batch setting(s) {', '.join(sorted(unknown))}: "
                             "use size=ROWS and sleep=MILLISECONDS")
        try:
            size = int(values.get("size", 1000))
            sleep_ms = int(values.get("sleep", 0))
        except ValueError:
            raise BatchError("batch size and sleep must be whole numbers") from None
        if size <= 0 or sleep_ms < 0:
            raise BatchError("batch size must be positive and sleep not negative")
        return BatchSpec(size, sleep_ms)
    return None


def _batched_sql(tree, key: str, lo: int, hi: int) -> str:
    """The statement with `key >= lo AND key < hi` added to its WHERE clause, the key named
    through the target table: its alias, else its name as written (schema too, if given),
    so that a table the statement joins (UPDATE ... FROM, DELETE ... USING) with a column of
    the same name does not make it ambiguous."""
    from pglast import ast, enums
    from pglast.stream import RawStream

    target = tree.relation
    names = (target.alias.aliasname,) if target.alias is not None else tuple(
        n for n in (target.schemaname, target.relname) if n)
    column = tuple(ast.String(sval=n) for n in (*names, key))
    bound = ast.BoolExpr(boolop=enums.BoolExprType.AND_EXPR, args=(
        ast.A_Expr(kind=enums.A_Expr_Kind.AEXPR_OP, name=(ast.String(sval=">="),),
                   lexpr=ast.ColumnRef(fields=column),
                   rexpr=ast.A_Const(val=ast.Integer(ival=lo))),
        ast.A_Expr(kind=enums.A_Expr_Kind.AEXPR_OP, name=(ast.String(sval="<"),),
                   lexpr=ast.ColumnRef(fields=column),
                   rexpr=ast.A_Const(val=ast.Integer(ival=hi))),
    ))
    original = tree.whereClause
    tree.whereClause = bound if original is None else ast.BoolExpr(
        boolop=enums.BoolExprType.AND_EXPR, args=(original, bound))
    try:
        return RawStream()(tree)
    finally:
        tree.whereClause = original


def _target(sql: str, tables: TableFacts | None = None):
    from pglast import parse_sql
    from pglast.parser import ParseError, parse_sql_json

    try:
        (raw,) = parse_sql(sql)
    except ParseError as exc:  # e.g. a template placeholder left in it
        raise BatchError(f"the batched statement does not parse: {exc}") from None
    # (judged on the parser's JSON tree, the one lint and apply's plan judge)
    refusal = batch_refusal(json.loads(parse_sql_json(sql))["stmts"][0]["stmt"],
                            tables=tables)
    if refusal is not None:
        raise BatchError(refusal)
    return raw.stmt


def batches_itself(tree: dict) -> bool:
    """Whether the statement `tree`, marked with a batch directive, batches itself: a DO block
    (lockwise fix's backfill, which commits each batch, is marked so). `lockwise apply` runs
    it as written, neither batching it nor refusing the directive; lint reports what its body
    runs as it would unmarked (`batch_refusal` refuses it: nothing batches that)."""
    return "DoStmt" in tree


def batch_refusal(tree: dict, aggregates: Collection[str] = (),
                  unique: UniqueColumns | None = None,
                  tables: TableFacts | None = None) -> str | None:
    """Why the statement `tree` (`{"UpdateStmt": {...}}`, its kind to its node) cannot run in
    key-range batches, or None when it can (`refused_batching`'s reason). The one decision
    of what a batch directive batches: `lockwise apply` asks when it plans a migration, the
    run again, and lint, for the `batch_directive` fact, rule misplaced-batch-directive and
    the alternative it offers (effects/postgres/queries.py). `aggregates`: the migrations'
    own (`Catalog.aggregates`), which count as the built-in ones do; `unique`: the columns
    of a table that are unique in it (`Catalog.unique_columns`; None: not known);
    `tables`: what is known of the tables (the catalog, or the server at run time), whose
    unique columns count when `unique` is not given."""
    refused = refused_batching(tree, aggregates, unique, tables)
    return None if refused is None else refused[0]


def aggregates_made(trees: Iterable[dict]) -> dict[str, str]:
    """The aggregates the statements `trees` (their kind to their node) make, qualified as
    `Catalog.aggregates` keeps them (what a later statement of the same migration calls),
    each with what it keeps of its rows' values (`routines.aggregate_keeps`)."""
    from lockwise.catalog.routines import aggregate_keeps
    from lockwise.effects.nodes import aggregate_made

    return {made: aggregate_keeps(node) for tree in trees for kind, node in tree.items()
            if (made := aggregate_made(kind, node)) is not None}


def with_aggregates_made(aggregates: Collection[str], trees: Iterable[dict]
                         ) -> dict[str, object]:
    """`aggregates` (names, or `Catalog.aggregates`: names to their overloads) with those
    the statements `trees` make (`aggregates_made`), as `refused_batching` takes them."""
    known: dict[str, object] = dict(aggregates) if isinstance(aggregates, Mapping) else \
        dict.fromkeys(aggregates, "")
    known.update(aggregates_made(trees))
    return known


#: What to do of a statement whose reason says what to change in it.
_OR_RUN_WHOLE = "or remove the directive to run the statement whole"


#: The columns of a table (its qualified name) each unique in it (`Catalog.unique_columns`),
#: None when not known.
UniqueColumns = Callable[[str], "frozenset[str] | None"]


class TableFacts(Protocol):
    """What a batch judgement asks of a table (qualified) beside its statement: the catalog
    lint keeps (`Catalog`), the one apply's plan keeps of a migration's batched tables
    (`KnownTables`), or the server's at run time (`ServerTables`)."""

    def unique_columns(self, table: str) -> frozenset[str] | None:
        """Its columns each unique in it; None when the table is not known."""
        ...

    def views_over(self, relation: str) -> list[str]:
        """The views that read it, directly or through other views."""
        ...

    def primary_key(self, table: str) -> tuple[str, ...]:
        """Its primary key's columns (empty when not known)."""
        ...

    def key_writes(self, table: str, kind: str, columns: frozenset[str] = frozenset()
                   ) -> list[tuple[str, str, str, frozenset[str]]]:
        """What the foreign keys' actions write when a `kind` write (delete, or update of
        `columns`) of its rows fires them, in turn too: (the key's table, the key, delete
        or update, the columns set); a key that only looks (NO ACTION, RESTRICT) with ""
        and no columns."""
        ...

    def triggers_on(self, table: str) -> list[tuple[str, Trigger, str | None]]:
        """Its triggers: name, trigger, its function's CREATE statement (None: not known)."""
        ...


@dataclass(frozen=True, slots=True)
class KnownTables:
    """`TableFacts` of some tables, kept as they were at one point (apply's plan keeps them
    as the migrations before a batched one left them: `known_tables`)."""

    unique: Mapping[str, frozenset[str] | None]
    views: Mapping[str, tuple[str, ...]]
    keys: Mapping[str, tuple[str, ...]]
    #: `key_writes` of the batched statements' writes (`batched_write`), and the triggers.
    actions: Mapping[tuple[str, str, frozenset[str]],
                     tuple[tuple[str, str, str, frozenset[str]], ...]] = \
        field(default_factory=dict)
    triggers: Mapping[str, tuple[tuple[str, Trigger, str | None], ...]] = \
        field(default_factory=dict)

    def unique_columns(self, table: str) -> frozenset[str] | None:
        return self.unique.get(table)

    def views_over(self, relation: str) -> list[str]:
        return list(self.views.get(relation, ()))

    def primary_key(self, table: str) -> tuple[str, ...]:
        return self.keys.get(table, ())

    def key_writes(self, table: str, kind: str, columns: frozenset[str] = frozenset()
                   ) -> list[tuple[str, str, str, frozenset[str]]]:
        return list(self.actions.get((table, kind, frozenset(columns)), ()))

    def triggers_on(self, table: str) -> list[tuple[str, Trigger, str | None]]:
        return list(self.triggers.get(table, ()))


def known_tables(facts: TableFacts, tables: Iterable[str],
                 writes: Iterable[tuple[str, str, frozenset[str]]] = ()) -> KnownTables:
    """`facts` of `tables`, kept as they are now (the catalog changes as the replay goes),
    with what the foreign keys' actions write for each of `writes` (`batched_write`)."""
    names = set(tables) | {referencing for w in set(writes)
                           for referencing, _, how, _ in facts.key_writes(*w) if how}
    return KnownTables({t: facts.unique_columns(t) for t in names},
                       {t: tuple(facts.views_over(t)) for t in names},
                       {t: facts.primary_key(t) for t in names},
                       {w: tuple(facts.key_writes(*w)) for w in set(writes)},
                       {t: tuple(facts.triggers_on(t)) for t in names})


#: The relation of a qualified name on the server (`schema.name`, the two passed apart).
_RELATION = ("(SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
             "WHERE n.nspname = %s AND c.relname = %s)")


class ServerTables:
    """`TableFacts` the server on `conn` holds (apply's run asks it again before the first
    batch: a table the migrations' replay did not know, made elsewhere, is known there)."""

    def __init__(self, conn) -> None:
        self._conn = conn

    def unique_columns(self, table: str) -> frozenset[str] | None:
        schema, _, name = table.partition(".")
        if self._conn.execute(f"SELECT {_RELATION}", (schema, name)).fetchone()[0] is None:
            return None
        return frozenset(row[0] for row in self._conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            f"AND a.attnum = i.indkey[0] WHERE i.indrelid = {_RELATION} AND i.indisunique "
            "AND i.indisvalid AND i.indnatts = 1 AND i.indkey[0] <> 0 "
            "AND i.indpred IS NULL", (schema, name)))

    def views_over(self, relation: str) -> list[str]:
        schema, _, name = relation.partition(".")
        # (a view's rule depends on each relation its query reads: pg_depend, pg_rewrite)
        return [row[0] for row in self._conn.execute(
            "WITH RECURSIVE over(oid) AS ("
            f" SELECT {_RELATION} UNION"
            " SELECT r.ev_class FROM over JOIN pg_depend d ON d.refobjid = over.oid"
            " AND d.refclassid = 'pg_class'::regclass AND d.classid = 'pg_rewrite'::regclass"
            " JOIN pg_rewrite r ON r.oid = d.objid WHERE r.ev_class <> over.oid)"
            " SELECT n.nspname || '.' || c.relname FROM over JOIN pg_class c ON c.oid ="
            f" over.oid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid <> {_RELATION}",
            (schema, name, schema, name))]

    def primary_key(self, table: str) -> tuple[str, ...]:
        schema, _, name = table.partition(".")
        return tuple(row[0] for row in self._conn.execute(
            "SELECT a.attname FROM pg_index i, unnest(i.indkey) WITH ORDINALITY k(attnum, n) "
            "JOIN pg_attribute a ON a.attnum = k.attnum "
            f"WHERE a.attrelid = i.indrelid AND i.indrelid = {_RELATION} AND i.indisprimary "
            "ORDER BY k.n", (schema, name)))


    def key_writes(self, table: str, kind: str, columns: frozenset[str] = frozenset()
                   ) -> list[tuple[str, str, str, frozenset[str]]]:
        # as catalog/key_actions.py follows them: each write of a table once
        found: list[tuple[str, str, str, frozenset[str]]] = []
        # (PG18's NOT ENFORCED keys have no triggers: they neither act nor look)
        enforced = " AND k.conenforced" if self._conn.info.server_version >= 180000 else ""
        pending = [(table, kind, frozenset(columns))]
        seen = set(pending)
        while pending:
            written, how, changed = pending.pop(0)
            schema, _, name = written.partition(".")
            for referencing, key, action, own, referenced, set_columns in self._conn.execute(
                    "SELECT n.nspname || '.' || c.relname, k.conname, CASE WHEN %s = 'delete' "
                    "THEN k.confdeltype ELSE k.confupdtype END, ARRAY(SELECT a.attname FROM "
                    "pg_attribute a WHERE a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey))"
                    ", ARRAY(SELECT a.attname FROM pg_attribute a WHERE a.attrelid = k.confrelid"
                    " AND a.attnum = ANY(k.confkey)), ARRAY(SELECT a.attname FROM pg_attribute "
                    "a WHERE a.attrelid = k.conrelid AND a.attnum = ANY(k.confdelsetcols)) "
                    "FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN "
                    "pg_namespace n ON n.oid = c.relnamespace WHERE k.contype = 'f' AND "
                    f"k.confrelid = {_RELATION}{enforced}", (how, schema, name)):
                if how == "update" and changed.isdisjoint(referenced):
                    continue
                if action not in "cnd":  # (NO ACTION, RESTRICT: they only look)
                    found.append((referencing, key, "", frozenset()))
                    continue
                write = "delete" if how == "delete" and action == "c" else "update"
                sets = frozenset() if write == "delete" else frozenset(
                    how == "delete" and set_columns or own)
                found.append((referencing, key, write, sets))
                if (referencing, write, sets) not in seen:
                    seen.add((referencing, write, sets))
                    pending.append((referencing, write, sets))
        return found

    def triggers_on(self, table: str) -> list[tuple[str, Trigger, str | None]]:
        from lockwise.catalog.objects import Trigger

        schema, _, name = table.partition(".")
        # (tgtype's bits: 1 FOR EACH ROW, 2 BEFORE, 4 INSERT, 8 DELETE, 16 UPDATE)
        return [(trigger, Trigger(function, bool(kind & 1), events=tuple(
            event for bit, event in ((4, "insert"), (8, "delete"), (16, "update"))
            if kind & bit), update_of=tuple(columns), fires=fires, before=bool(kind & 2)),
            create) for trigger, kind, fires, columns, function, create in self._conn.execute(
            "SELECT t.tgname, t.tgtype::int, t.tgenabled::text, ARRAY(SELECT a.attname FROM "
            "pg_attribute a WHERE a.attrelid = t.tgrelid AND a.attnum = ANY(t.tgattr::int2[]))"
            ", p.proname, CASE WHEN l.lanname IN ('plpgsql', 'sql') THEN "
            "pg_get_functiondef(p.oid) END FROM pg_trigger t JOIN pg_proc p ON p.oid = "
            "t.tgfoid JOIN pg_language l ON l.oid = p.prolang WHERE NOT t.tgisinternal AND "
            f"t.tgrelid = {_RELATION} ORDER BY t.tgname", (schema, name))]


def statement_tree(sql: str) -> dict | None:
    """The parser's tree of the one statement `sql` (its kind to its node), as lint and
    apply's plan judge it; None when it does not parse."""
    from pglast.parser import ParseError, parse_sql_json

    try:
        return json.loads(parse_sql_json(sql))["stmts"][0]["stmt"]
    except (ParseError, KeyError, IndexError, ValueError):
        return None


def batched_write(sql: str) -> tuple[str, str, frozenset[str]] | None:
    """The write UPDATE or DELETE `sql` makes, as `TableFacts.key_writes` takes it: its
    table (qualified), delete or update, the columns it sets; None for another statement."""
    ((kind, node),) = (statement_tree(sql) or {"": {}}).items()
    if kind not in ("UpdateStmt", "DeleteStmt"):
        return None
    return (range_var(node.get("relation"))[0], _WRITE[kind], _set_columns(node))


#: The write an UPDATE or DELETE makes, as triggers and foreign keys name it.
_WRITE = {"UpdateStmt": "update", "DeleteStmt": "delete"}


def _set_columns(node: dict) -> frozenset[str]:
    """The columns an UPDATE's SET list names (none of a DELETE)."""
    return frozenset(unwrap(t)[1].get("name", "") for t in node.get("targetList") or ()
                     if "ResTarget" in t)


def refused_batching(tree: dict, aggregates: Collection[str] = (),
                     unique: UniqueColumns | None = None,
                     tables: TableFacts | None = None) -> tuple[str, str] | None:
    """Why the statement `tree` cannot run in key-range batches and what its author can do,
    or None when it can: only an UPDATE or DELETE without WITH or RETURNING can (each batch
    would return its own rows, and the runner reads none), whose key bound names its table
    alone (`_batched_sql`), and whose batches read what the statement reads
    (`batches_read_otherwise`; `aggregates`, `unique` and `tables` as `batch_refusal`
    takes them)."""
    ((kind, node),) = tree.items()
    refused = refused_as_written(kind, node)
    if refused is not None:
        return refused
    reason = batches_read_otherwise(kind, node, aggregates, unique, tables)
    return None if reason is None else (reason, _OR_RUN_WHOLE)


def refused_as_written(kind: str, node: dict) -> tuple[str, str] | None:
    """`refused_batching`'s refusals of the statement's form (`kind` to its `node`), before
    what its batches would read (`batches_read_otherwise`): not an UPDATE or DELETE, a WITH
    or RETURNING, a key bound its FROM or USING list makes ambiguous."""
    if kind not in ("UpdateStmt", "DeleteStmt"):
        return ("only UPDATE and DELETE statements can run in batches",
                "mark the UPDATE or DELETE itself, or remove the directive")
    if node.get("withClause") or returning_list(node):
        return ("a batched statement cannot use WITH or RETURNING",
                f"drop the WITH or RETURNING clause, {_OR_RUN_WHOLE}")
    target = node.get("relation") or {}
    if not target.get("alias") and not target.get("schemaname") and target.get("relname") in \
            _names_beside(node.get("fromClause") or node.get("usingClause") or ()):
        return (f"a table named {target['relname']} in its FROM or USING list makes the key "
                "bound ambiguous: write the target's schema or give it an alias", _OR_RUN_WHOLE)
    return None


#: What to do of a statement whose batches would read otherwise than it does.
_FROM_A_SNAPSHOT = ("keep what it reads in a table first, CREATE TABLE ... AS SELECT, and "
                    "read that in its place")


def batches_read_otherwise(kind: str, node: dict, aggregates: Collection[str] = (),
                           unique: UniqueColumns | None = None,
                           tables: TableFacts | None = None) -> str | None:
    """Why batches of UPDATE or DELETE `node` (`kind`: "UpdateStmt" or "DeleteStmt") would
    change other rows than the statement whole, or other values, or None when they change
    the same: the one judgement apply's refusal (`refused_batching`) and lint's batching
    advice (effects/postgres/queries.py) share. Each batch reads the table as the batches
    before it left it: an UPDATE may not read a column it sets of other rows
    (`reads_what_it_sets`), nor set the key its batches go by (a row moved into a later
    range is changed again; `tables` says the key); a DELETE may not decide a row by an
    aggregate, a row number or a LIMIT over its table (`deletes_by_counting`), nor by
    another row of it the batches before may have deleted (`picks_row_by_value`,
    `pairs_rows_by_inequality`, `loses_its_witnesses`); neither may read its table through
    a view (`tables`), which lockwise does not see into. `aggregates`, `unique`: as
    `batch_refusal` takes them."""
    if unique is None and tables is not None:
        unique = tables.unique_columns
    table = range_var(node.get("relation"))[0]
    views = set(tables.views_over(table)) if tables is not None else set()
    if views:
        read = [node.get(k) for k in ("targetList", "fromClause", "usingClause",
                                      "whereClause")]
        through = [name for name in relations_in(read) if name in views]
        if through:
            return (f"it reads its own table through the view {through[0]}, which each batch "
                    "would read as the batches before it left the table: read the table "
                    f"itself in its place for lockwise to judge, or {_FROM_A_SNAPSHOT}")
    fired = _fired_otherwise(kind, node, tables, views) if tables is not None else None
    if fired is not None:
        return fired
    if kind == "UpdateStmt":
        sets = {unwrap(t)[1].get("name", "") for t in node.get("targetList") or ()}
        key = [c for c in (tables.primary_key(table) if tables is not None else ()) if c in sets]
        if key:
            return (f"it sets {key[0]}, the key its batches go by, and a row it moves into a "
                    "later batch's range would be changed again: set the key in one statement")
        if reads_what_it_sets(node):
            return ("it reads a column it sets from its own table's other rows, and each batch "
                    f"would read what the batches before it wrote: {_FROM_A_SNAPSHOT}")
        return None
    if deletes_by_counting(node, aggregates):
        return ("it picks rows by an aggregate, a row number or a LIMIT over its own table, "
                "which each batch would take of what is left of the rows the batches before "
                f"it deleted: {_FROM_A_SNAPSHOT}")
    if picks_row_by_value(node, aggregates, unique):
        return ("it deletes a row when another row of its table exists that a value of the "
                "row picks (`b.id = a.id - 1`), and that row may be one the batches before it "
                f"deleted: {_FROM_A_SNAPSHOT}")
    if pairs_rows_by_inequality(node):
        return ("it deletes a row when another row of its table differs from it (`<>`), and "
                "that row may be one the batches before it deleted: pair the rows by `<` or "
                f"`>` to keep one of each group, or {_FROM_A_SNAPSHOT}")
    if loses_its_witnesses(node, aggregates, unique):
        return ("it decides a row by other rows of its own table (EXISTS, NOT EXISTS, IN, NOT "
                "IN or USING of it again), and the batches before it may have deleted the row "
                "that decides it (a leaf's last child, the flagged row of a group, the first "
                f"row of a pair): {_FROM_A_SNAPSHOT}")
    return None


def _fired_otherwise(kind: str, node: dict, tables: TableFacts,
                     views: set[str]) -> str | None:
    """Why the foreign keys' actions or the triggers that UPDATE or DELETE `node` fires
    would make its batches change other rows than the statement whole, or None. Run whole,
    the statement reads the tables as they were before it: the keys' actions (ON DELETE /
    ON UPDATE CASCADE, SET NULL, SET DEFAULT) and the triggers' writes come after its
    reading. Run in batches, each batch reads what those of the batches before it wrote
    (checked on 18.6, fix-executor14). Refused: an action writing a column the statement
    reads, or deleting rows of a table it reads again (its own, or another), or a table
    the statement reads through a view (fix-executor15); a key of its table to itself that
    only looks (NO ACTION, RESTRICT: a batch deleting a parent whose child a later batch
    deletes fails, fix-executor15); a trigger (row or statement) of its table or of a table
    the actions write whose function writes a table the statement reads, or reads one the
    statement or the actions write, or whose statements lockwise cannot all see (dynamic
    SQL, a call to a function not built in, a language other than SQL and PL/pgSQL); its
    WHEN is not weighed. A statement trigger that passes is batched: it fires once per
    batch (`fired_once_per_batch`). `views`: those over the statement's table
    (`batches_read_otherwise` asked them first)."""
    table = range_var(node.get("relation"))[0]
    write, sets = _WRITE[kind], _set_columns(node)
    read = [node.get(k) for k in ("targetList", "fromClause", "usingClause", "whereClause")]
    relations = set(relations_in(read))
    columns = {"*" if unwrap((ref.get("fields") or [{}])[-1])[0] == "A_Star" else names[-1]
               for part in read for ref in bodies_of_kind(part, "ColumnRef")
               if (names := strings(ref.get("fields")) or ["*"])}
    actions = tables.key_writes(table, write, sets)
    for referencing, key, how, changed in actions:
        if how == "" and referencing == table:
            return (f"its foreign key {key} on {table} points at its own table and only looks "
                    "(NO ACTION or RESTRICT): a batch that "
                    f"{'deletes' if write == 'delete' else 'changes the key of'} a row whose "
                    "referencing rows a later batch would "
                    f"{'delete' if write == 'delete' else 'change'} fails with the key's "
                    "violation, where the statement whole succeeds (the key is checked "
                    "after it, those rows gone too): run it whole")
        if referencing != table and referencing not in relations:
            continue
        if how == "delete" and (referencing in relations):
            return (f"its foreign key {key} on {referencing} deletes rows (ON DELETE "
                    f"CASCADE) of {'its own table' if referencing == table else referencing}"
                    ", which the statement reads again: each batch would read what the "
                    f"batches before it left, so run it whole, or {_FROM_A_SNAPSHOT}")
        read_again = sorted(changed & columns) or ["*"] * ("*" in columns)
        if how == "update" and read_again:
            return (f"its foreign key {key} on {referencing} sets {read_again[0]} of the rows "
                    "it points at (ON DELETE SET NULL or SET DEFAULT, or ON UPDATE), which the "
                    "statement reads: a later batch would read what the batches before it "
                    f"set, so run it whole, or {_FROM_A_SNAPSHOT}")
    written = [(referencing, how, changed) for referencing, _, how, changed in actions if how]
    changed_tables = {table} | {referencing for referencing, *_ in written}
    for other in sorted(changed_tables - {table}):
        through = sorted(relations & set(tables.views_over(other)))
        if through:
            return (f"it reads the view {through[0]} over {other}, which its foreign keys' "
                    "actions write: each batch would read what the batches before it left, "
                    f"so run it whole, or {_FROM_A_SNAPSHOT}")
    viewed = views.union(*(tables.views_over(t) for t in changed_tables - {table}))
    fired = [(table, write, sets)] + list(dict.fromkeys(written))
    for on, how, changed in fired:
        for name, trigger, create in tables.triggers_on(on):
            if not _fires(trigger, how, changed):
                continue
            what = f"its {'row' if trigger.row else 'statement'} trigger {name}" + (
                "" if on == table else f" on {on} (its foreign keys' actions write it)")
            seen = _body_tables(create)
            if seen is None:
                return (f"{what} runs {trigger.function}(), and lockwise cannot see all that "
                        "it writes (dynamic SQL, another function, or a body the migrations "
                        "did not make): it may write what later batches read, so run the "
                        "statement whole")
            writes, reads = seen
            both = sorted(writes & (relations | {table}))
            if both:
                return (f"{what} writes {both[0]}, which the statement reads: each batch "
                        "would read what the triggers of the batches before it wrote, so "
                        "run the statement whole")
            both = sorted(reads & (changed_tables | viewed))
            if both:
                return (f"{what} reads {both[0]}, which the batches change: it would read "
                        "what the batches before it left instead of what the whole "
                        "statement leaves, so run the statement whole")
    return None


def fired_once_per_batch(kind: str, node: dict, tables: TableFacts | None) -> list[str]:
    """The statement triggers (their names) that UPDATE or DELETE `node` (`kind`), run in
    batches, fires once per batch instead of once: those `_fired_otherwise` lets through
    (they write nothing the statement reads), whose effects (a log's rows, a notification)
    the user is told of."""
    if tables is None or kind not in _WRITE:
        return []
    write, sets = _WRITE[kind], _set_columns(node)
    return [name for name, trigger, _ in
            tables.triggers_on(range_var(node.get("relation"))[0])
            if not trigger.row and _fires(trigger, write, sets)]


def once_per_batch_note(kind: str, node: dict, tables: TableFacts | None) -> str:
    """What the batching advice of UPDATE or DELETE `node` (`kind`) says first of the
    statement triggers it fires once per batch (`fired_once_per_batch`), ending in a new
    comment line; "" when there are none."""
    names = fired_once_per_batch(kind, node, tables)
    if not names:
        return ""
    return (f"batched, its statement trigger {', '.join(names)} fires once per batch, not "
            "once for the\n-- statement (a log it writes gets a row per batch);\n-- ")


def _fires(trigger: Trigger, write: str, sets: frozenset[str]) -> bool:
    """Whether `trigger` fires at a `write` (delete, or update setting `sets`): enabled (of
    the origin role, or always), and of the event, an UPDATE OF one of `sets` (its WHEN is
    not weighed: the worst case)."""
    return trigger.fires in "OA" and write in trigger.events and not (
        write == "update" and trigger.update_of and sets.isdisjoint(trigger.update_of))


def _body_tables(create: str | None) -> tuple[frozenset[str], frozenset[str]] | None:
    """The tables (qualified) a trigger function's statements write and read, from its
    CREATE statement `create`; None when lockwise cannot see them all: no text, another
    language than SQL or PL/pgSQL, dynamic SQL, or a call to a function not built in
    (whatever it does is unseen). Their names are resolved at each ask (`_body_vars` keeps
    them as written): a temporary relation made since, or another search_path, changes
    what they name."""
    named = _body_vars(create) if create else None
    if named is None:
        return None
    written, read, read_each = named
    writes = frozenset(range_var(rv)[0] for rv in written)
    return writes, frozenset(range_var(rv)[0] for rv in read) - writes | frozenset(
        range_var(rv)[0] for rv in read_each)


#: A trigger function's relations as written (`_body_vars`): the write statements' targets,
#: every RangeVar of the body, those of its statements but INSERTs, each statement alone.
_BodyVars = tuple[tuple[dict | None, ...], tuple[dict, ...], tuple[dict, ...]]


@lru_cache(maxsize=256)
def _body_vars(create: str) -> _BodyVars | None:
    """`_body_tables` of the function `create` makes, its names not yet resolved, or None
    when lockwise cannot see all it does: of the text alone (parsed once, whichever
    statements fire the trigger; a trigger function is asked of at each UPDATE or DELETE
    of its table judged for batching)."""
    from lockwise.effects.volatility import builtin_functions
    from lockwise.parse.plpgsql import embedded_steps, fully_read
    from lockwise.parse.sql_body import sql_body_statements

    language = re.search(r"\bLANGUAGE\s+'?(\w+)", create, re.IGNORECASE)
    name = language.group(1).lower() if language else ""
    if name == "plpgsql":
        if not fully_read(create):
            return None
        trees = [e.tree for e, _ in embedded_steps(create)]  # (its expressions too)
    elif name == "sql":
        trees = [e.tree for e in sql_body_statements(create)]
    else:
        return None
    builtin = builtin_functions()
    if any((strings(call.get("funcname"))[-1:] or [""])[0].lower() not in builtin
           for tree in trees for call in bodies_of_kind(tree, "FuncCall")):
        return None
    return (tuple(unwrap(tree)[1].get("relation") for tree in trees
                  if unwrap(tree)[0] in ("InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt")),
            tuple(relation_vars(trees)),
            tuple(rv for tree in trees if unwrap(tree)[0] != "InsertStmt"
                  for rv in relation_vars(tree)))


#: `reads_what_it_sets`' answers lately, each with the `resolution` of names it holds under:
#: lint asks it of a batched UPDATE twice (queries._batch_how, then `refused_batching`).
_reads_what_it_sets_memo: NodeMemo[tuple[int, bool]] = NodeMemo()


def reads_what_it_sets(update: dict) -> bool:
    """Whether UPDATE `update` (its node) reads a column it sets (or every column, `*`) of
    its table other than through the row it changes: in a query of it (a WITH query, a FROM
    subquery, a subquery of its SET list or WHERE) that reads the table, or through the table
    named again in its FROM list (`FROM t AS prev`). The one statement reads all of them as
    they were before it; run in batches, each batch would read what the batches before it
    wrote, and set other values (checked on 18.6: a max() added to each row, a renumbering,
    the previous row's value, a WHERE comparing with the average). In a query, a column
    qualified by another table's name is that table's, and one qualified by the UPDATE's
    own name is of the row it changes; one written bare counts. A scalar subquery that reads
    the table only where a column it does not set equals the changed row's (`(SELECT t2.n
    FROM t t2 WHERE t2.id = t.id)`) reads that row itself: the row matches, and a second
    would fail the statement (checked on 18.6: the same values batched)."""
    remembered = _reads_what_it_sets_memo.get(update)
    if remembered is not None and remembered[0] == resolution():
        return remembered[1]
    return _reads_what_it_sets_memo.put(update, (resolution(), _reads_what_it_sets(update)))[1]


def _reads_what_it_sets(update: dict) -> bool:
    """`reads_what_it_sets`, asked anew."""
    table = range_var(update.get("relation"))[0]
    target = range_name(update.get("relation") or {})
    sets = {unwrap(t)[1].get("name", "") for t in update.get("targetList") or ()}
    read = [update.get(k) for k in ("withClause", "targetList", "fromClause", "whereClause")]
    below = list(walk(read))  # (walked once: the tests below read it two and three times)
    own_row = {id(query) for kind, link in below if kind == "SubLink"
               and (query := _own_row_query(link, table, target, sets)) is not None}
    if any(kind == "SelectStmt" and id(body) not in own_row and table in relations_in(body)
           and _reads_columns(body, table, sets) for kind, body in below):
        return True
    again, items = set(), list(update.get("fromClause") or ())  # the names it goes by again
    while items:
        kind, item = unwrap(items.pop())
        if kind == "JoinExpr":
            items += [item.get("larg"), item.get("rarg")]
        elif kind == "RangeVar" and range_var(item)[0] == table:
            again.add(range_name(item))
    # One test for all of them: a FROM list naming the table thousands of times is read once.
    return bool(again) and any(
        kind == "ColumnRef" and (names := strings(ref.get("fields"))) and (
            len(names) == 1 and names[0] in sets
            or len(names) > 1 and names[-2] in again and (names[-1] in sets or names[-1] == "*"))
        for kind, ref in below)


def _reads_columns(query: dict, table: str, columns: set[str]) -> bool:
    """Whether `query` (a SELECT's node) reads one of `columns` (or `*`) of `table`: written
    bare or qualified by a name `table` goes by in it."""
    own = {range_name(rv) for kind, rv in walk(query)
           if kind == "RangeVar" and range_var(rv)[0] == table}
    for kind, ref in walk(query):
        if kind != "ColumnRef":
            continue
        fields = ref.get("fields") or ()
        star = bool(fields) and unwrap(fields[-1])[0] == "A_Star"
        names = strings(fields)  # (`*` among them)
        qualifier = names[-2] if len(names) > 1 else None
        if (qualifier is None or qualifier in own) and (star or names[-1:] and
                                                        names[-1] in columns):
            return True
    return False


def _own_row_query(link: dict, table: str, target: str, sets: set[str]) -> dict | None:
    """The query of scalar subquery `link` when it reads only the row the UPDATE changes:
    `(SELECT t2.a FROM t t2 WHERE t2.c = t.c)`, one table (the target's, under another
    name), one condition equating a column it does not set with the target's own, and no
    aggregate, grouping, LIMIT or subquery. The target's row matches it; were another row to
    match too, the scalar subquery would fail the statement."""
    if link.get("subLinkType") != "EXPR_SUBLINK":
        return None
    kind, query = unwrap(link.get("subselect"))
    item_kind, item = _only(query.get("fromClause"))
    if kind != "SelectStmt" or item_kind != "RangeVar" or range_var(item)[0] != table or \
            range_name(item) == target or _counts_rows(query) or any(
                query.get(k) for k in ("groupClause", "havingClause", "distinctClause",
                                       "windowClause", "withClause")) or \
            any(k == "SelectStmt" for k, _ in walk(query)):
        return None
    where_kind, where = unwrap(query.get("whereClause"))
    sides = sorted(strings(unwrap(where.get(side))[1].get("fields"))
                   for side in ("lexpr", "rexpr")) if where_kind == "A_Expr" and \
        where.get("kind") == "AEXPR_OP" and strings(where.get("name")) == ["="] else []
    pinned = sorted([[range_name(item), sides[0][-1]], [target, sides[0][-1]]]) \
        if len(sides) == 2 and len(sides[0]) == 2 else None
    return query if pinned == sides and sides[0][-1] not in sets else None


#: The built-in hypothetical-set aggregates, window functions too in another overload (not
#: in `builtin_aggregates`, which holds those that are aggregates in every overload): called
#: without OVER, `rank(5) WITHIN GROUP (ORDER BY n)`, they compute over the rows read.
_HYPOTHETICAL_SET = frozenset({"rank", "dense_rank", "percent_rank", "cume_dist"})


def _counts_rows(query: dict, spare: object = None, aggregates: Collection[str] = ()) -> bool:
    """Whether SELECT `query` (its node) or a query in it picks or computes by the rows it
    reads together: an aggregate (a built-in one, or one of `aggregates`), a window
    function, LIMIT or OFFSET, DISTINCT ON (but for the call `spare`). A window function
    the migrations made (CREATE FUNCTION ... WINDOW) is called with OVER: without, the
    server refuses the call (checked on 18.6)."""
    return any(
        kind == "FuncCall" and body is not spare and (
            body.get("over") or body.get("agg_star") or
            _is_aggregate(strings(body.get("funcname")), aggregates))
        or kind == "SelectStmt" and _picks_by_order(body) for kind, body in walk(query)) \
        or _picks_by_order(query)


def _is_aggregate(names: list[str], aggregates: Collection[str]) -> bool:
    """Whether the function named `names` (as written) is a built-in aggregate or one of
    `aggregates` (qualified: `Catalog.aggregates`). Written bare, one of any schema's name
    counts: a search_path may reach it."""
    name = (names[-1:] or [""])[0].lower()
    if name in builtin_aggregates() or name in _HYPOTHETICAL_SET:
        return True
    if not aggregates:
        return False
    if len(names) > 1:
        return f"{names[-2]}.{name}" in aggregates
    return any(a.rpartition(".")[2] == name for a in aggregates)


def _picks_by_order(query: dict) -> bool:
    return bool(query.get("limitCount") or query.get("limitOffset") or
                any(item for item in query.get("distinctClause") or ()))


def deletes_by_counting(delete: dict, aggregates: Collection[str] = ()) -> bool:
    """Whether DELETE `delete` (its node) picks its rows by what a query over its own table
    computes of its rows together (an aggregate, a row number, a LIMIT), in its WHERE or a
    subquery of its USING list: run in batches, each batch computes it over the rows the
    batches before it left (checked on 18.6: a comparison with avg(), a LIMIT, a count, the
    min() of a group and a row_number() deleted other rows in ten batches). A de-duplication
    decides alike in every batch and is batched (the same rows deleted): one over the table
    joined again or EXISTS, or `c NOT IN (SELECT min(c) ... GROUP BY ...)` (or max), whose
    rows kept no batch deletes. `aggregates`: the migrations' own (`Catalog.aggregates`),
    computing over the rows as the built-in ones do (checked on 18.6: a sum by CREATE
    AGGREGATE deleted 687 rows in ten batches, 500 whole)."""
    table = range_var(delete.get("relation"))[0]
    target = range_name(delete.get("relation") or {})
    read = [delete.get("usingClause"), delete.get("whereClause")]
    kept = {id(query) for kind, node in walk(read) if kind == "BoolExpr"
            and (query := _kept_extremes(node, table, target, aggregates)) is not None}
    return any(kind == "SelectStmt" and id(body) not in kept and table in relations_in(body)
               and _counts_rows(body, None, aggregates) for kind, body in walk(read))


#: The operators that pair two rows by their values differing (`a.id != b.id` is parsed
#: as `<>`), and those that order them.
_DIFFER = frozenset({"<>"})
_ORDER = frozenset({"<", ">"})


def pairs_rows_by_inequality(delete: dict) -> bool:
    """Whether DELETE `delete` (its node) deletes a row when another row of its own table
    differs from it: its table named again (in its USING list or a subquery) and a
    condition `a.c <> b.c` (`!=`, IS DISTINCT FROM, NOT (a.c = b.c)) between the row it
    deletes and that other one, with no `a.c < b.c` (or `>`) beside it. The row it pairs
    with may be one an earlier batch deleted, so a later batch keeps rows the statement
    deletes (checked on 18.6: `USING t b WHERE a.k = b.k AND a.id <> b.id`, each key twice,
    deleted all 1,000 rows whole, 500 in ten batches). Ordered by `<` or `>`, the row each
    group keeps is one no batch deletes (the same rows deleted, checked) and is batched."""
    found = _other_row(delete)
    if found is None:
        return False
    target, again, nodes = found
    differ = order = False
    for kind, node in nodes:
        if kind == "BoolExpr" and node.get("boolop") == "NOT_EXPR":
            kind, node = _only(node.get("args"))
            negated = kind == "A_Expr" and strings(node.get("name")) == ["="]
        else:
            negated = False
        if kind != "A_Expr" or not _pairs(node, target, again):
            continue
        op = strings(node.get("name"))
        if negated or node.get("kind") == "AEXPR_DISTINCT" or \
                node.get("kind") == "AEXPR_OP" and set(op) <= _DIFFER and op:
            differ = True
        elif node.get("kind") == "AEXPR_OP" and op and set(op) <= _ORDER:
            order = True
    return differ and not order


def picks_row_by_value(delete: dict, aggregates: Collection[str] = (),
                       unique: UniqueColumns | None = None) -> bool:
    """Whether DELETE `delete` (its node) deletes a row when one other row of its own table
    exists, picked by a value computed from the row it deletes or by another column: its
    table named again (USING, or a subquery) and an equality between the two rows whose
    sides differ but for their qualifiers (`b.id = a.id - 1`, `a.parent_id = b.id`), or an
    IN (= ANY, NOT IN) of a subquery over its table whose rows are not the tested row's
    own value (`id - 1 IN (SELECT id FROM t)`, `_tests_other_rows`). That
    row may be one an earlier batch deleted, so a later batch keeps rows the statement
    deletes (checked on 18.6: the row before it, `USING t b WHERE b.id = a.id - 1 AND a.v =
    b.v`, left 1 row of 1,000 whole and 10 in ten batches; a row's parent alike). The same
    expression of both (`a.k % 500 = b.k % 500`, `a.id = b.id`) groups rows, which a
    batch's own row always satisfies, or pairs a row with itself: batched. The row after
    it (`b.id = a.id + 1`) left the same rows in ascending batches by id, but only when
    the batch key is that column: refused too. `aggregates`: the migrations' own
    (`deletes_by_counting` judges a subquery that computes one); `unique`: as
    `batch_refusal` takes it."""
    if _tests_other_rows(delete, aggregates, unique):
        return True
    found = _other_row(delete)
    if found is None:
        return False
    target, again, nodes = found
    for kind, node in nodes:
        if kind == "A_Expr" and node.get("kind") == "AEXPR_OP" and \
                strings(node.get("name")) == ["="]:
            sides = [_qualifiers(node.get(k)) for k in ("lexpr", "rexpr")]
            if {target} in sides and any(q and q <= again | {""} for q in sides) and \
                    _unqualified(node.get("lexpr")) != _unqualified(node.get("rexpr")):
                return True
    return False


def _tests_other_rows(delete: dict, aggregates: Collection[str],
                      unique: UniqueColumns | None = None) -> bool:
    """Whether DELETE `delete` (its node) tests a value against the rows of a subquery over
    its own table by IN, = ANY or NOT IN, the value not the subquery's output for the
    same row (`id - 1 IN (SELECT id FROM t)`, `n IN (SELECT id FROM t)`, `id NOT IN (SELECT
    app.f(id) FROM t)`; its columns' qualifiers aside): a row an earlier batch deleted is no
    longer there to match (checked on 18.6: ids 1 to 1,000, `id - 1 IN (SELECT id FROM t)`
    left 1 row whole and 10 in ten batches, a parent's `n IN (SELECT id ...)` 1 and 506;
    fix-pg74: `id NOT IN (SELECT f(id) FROM t)`, f adding 10,000, deleted 10,000 rows of
    100,000 whole and all of them in batches). `id IN (SELECT id FROM t WHERE ...)` tests
    each row against itself when `id` is unique (the same 500 rows both ways); a column
    that is not (`n IN (SELECT n FROM t WHERE g > 95)`) matches other rows of its value,
    which an earlier batch may have deleted (fix-pg74: all 100,000 rows whole, 70,560 in
    batches): refused unless `unique` (the table's unique columns, `batch_refusal`) says
    one of the tested columns is unique, or the table is not known (None). NOT IN of the
    same value is batched: a row it deletes matched none of the subquery's rows, so no
    batch takes away a row a later one matches. A subquery that computes an aggregate, or
    picks by order, is `deletes_by_counting`'s."""
    table = range_var(delete.get("relation"))[0]
    negated = {id(unwrap(args[0])[1]) for kind, node in walk(delete.get("whereClause"))
               if kind == "BoolExpr" and node.get("boolop") == "NOT_EXPR"
               and len(args := node.get("args") or ()) == 1}
    keys = unique(table) if unique is not None else None
    for kind, link in walk(delete.get("whereClause")):
        if kind != "SubLink" or link.get("subLinkType") != "ANY_SUBLINK" or \
                strings(link.get("operName")) not in ([], ["="]):
            continue
        query_kind, query = unwrap(link.get("subselect"))
        if query_kind != "SelectStmt" or table not in relations_in(query) or \
                _counts_rows(query, None, aggregates):
            continue
        out = [unwrap(item)[1].get("val") for item in query.get("targetList") or ()]
        test_kind, test = unwrap(link.get("testexpr"))
        tested = test.get("args") or [] if test_kind == "RowExpr" else [link.get("testexpr")]
        if len(out) != len(tested):
            continue
        if any(_unqualified(a) != _unqualified(b) for a, b in zip(tested, out, strict=True)):
            return True
        if keys is not None and id(link) not in negated and not any(
                unwrap(a)[0] == "ColumnRef" and
                (strings(unwrap(a)[1].get("fields"))[-1:] or [""])[0] in keys for a in tested):
            return True
    return False


#: The comparisons that order two rows strictly (`a.id < b.id`): a transitive pairing, so
#: each row's pairing ends at a row that pairs with none, which no batch deletes.
_STRICT = frozenset({"<", ">"})


def loses_its_witnesses(delete: dict, aggregates: Collection[str] = (),
                        unique: UniqueColumns | None = None) -> bool:
    """Whether DELETE `delete` (its node) decides a row by other rows of its own table (the
    table again in its USING list, or in an EXISTS, IN, NOT EXISTS, NOT IN or scalar
    subquery) in a way that batches can change: a row it deletes may be the one another row
    needed (or needed not to be there), and a later batch decides that row otherwise
    (checked on 18.6, fix-executor13). A self-reference is batched only when each condition
    pairing the two rows compares the same expression of both by `=` or by a strict `<` or
    `>` (`_pairing`), and: where the row is deleted when such a row exists, either a strict
    order pairs them (the last row of each chain pairs with none and stays), or nothing but
    the pairing filters the other row (each row pairs with itself), or a unique column
    pairs it with itself alone (`t.email = b.email AND t.id > b.id`, `id IN (SELECT id FROM
    t WHERE g > 9)`); where it is deleted when none exists (NOT EXISTS, NOT IN), only
    equalities pair them, and the subquery filters the row deleted or the other one, not
    both: a row deleted paired with none, itself included, so it pairs with no other row
    either (`n NOT IN (SELECT n FROM t WHERE g > 9)`). Leaves deleted by `NOT EXISTS (...
    c.parent_id = t.id)`, the first row of each group by `NOT EXISTS (... b.id < a.id)`, a
    group with a flagged row by `EXISTS (... b.email = a.email AND b.flag)`, and a NOT
    EXISTS filtering both rows (`a.score = 0 AND b.score = 1`: the row of score 1 deleted
    kept the score-0 rows of its group) are refused. A subquery
    that computes an aggregate (of `aggregates`, the migrations' own, too) is
    `deletes_by_counting`'s. `unique`: as `batch_refusal` takes it (None, not known: a
    column pairing counts as unique)."""
    table = range_var(delete.get("relation"))[0]
    target = range_name(delete.get("relation") or {})
    keys = unique(table) if unique is not None else None
    using = [rv for kind, rv in _from_items(delete.get("usingClause") or ())
             if kind == "RangeVar" and range_var(rv)[0] == table]
    if using:
        conditions = _conjuncts(delete.get("whereClause")) + _join_quals(
            delete.get("usingClause"))
        if not _witness_stays(conditions, target, {range_name(rv) for rv in using}, True,
                              keys):
            return True
    for link, positive in _sublinks(delete.get("whereClause"), True):
        kind, query = unwrap(link.get("subselect"))
        if kind != "SelectStmt" or table not in relations_in(query) or \
                _counts_rows(query, None, aggregates):
            continue
        own = [rv for k, rv in _from_items(query.get("fromClause") or ())
               if k == "RangeVar" and range_var(rv)[0] == table]
        if len(own) != 1 or any(k == "SelectStmt" and table in relations_in(body)
                                for k, body in walk(query)):
            return True  # (deeper, or twice: not judged, refused)
        name = range_name(own[0])
        # Named as the DELETE names its row, the subquery's row hides it: its columns so
        # qualified are the subquery's own.
        hidden = name if name == target else None
        conditions = [_bare(c, hidden) for c in _conjuncts(query.get("whereClause")) +
                      _conjuncts(query.get("havingClause")) +
                      _join_quals(query.get("fromClause"))]
        link_type = link.get("subLinkType")
        if link_type in ("ANY_SUBLINK", "ALL_SUBLINK"):
            # `x IN (SELECT y ...)`: a row whose y = x exists; `x op ALL (...)`: none
            # fails `x op y` (judged both ways)
            test_kind, test = unwrap(link.get("testexpr"))
            tested = test.get("args") or [] if test_kind == "RowExpr" else \
                [link.get("testexpr")]
            out = [_bare(unwrap(item)[1].get("val"), hidden)
                   for item in query.get("targetList") or ()]
            if len(tested) != len(out):
                return True
            op = [{"String": {"sval": o}} for o in strings(link.get("operName")) or ["="]]
            conditions += [{"A_Expr": {"kind": "AEXPR_OP", "name": op, "rexpr": b,
                                       "lexpr": _outer(a, target)}}
                           for a, b in zip(tested, out, strict=True)]
            if link_type == "ALL_SUBLINK":
                positive = None
        elif link_type != "EXISTS_SUBLINK":
            positive = None
        if not _witness_stays(conditions, target, {name, ""}, positive, keys,
                              scalar=link_type not in ("EXISTS_SUBLINK", "ANY_SUBLINK",
                                                       "ALL_SUBLINK")):
            return True
    return False


def _witness_stays(conditions: list, target: str, others: set[str],
                   positive: bool | None, keys: frozenset[str] | None,
                   scalar: bool = False) -> bool:
    """Whether a self-reference whose `conditions` (ANDed) pair the DELETE's row (named
    `target`) with another of its table (named one of `others`) decides each row alike
    in batches (`loses_its_witnesses`); `positive`: the row is deleted when such a row
    exists (False: when none does; None: not known, judged both ways); `scalar`: the
    subquery's value is used (a scalar or ARRAY subquery), whose rows must be the row's
    own, pinned by a unique column."""
    columns: set[str] = set()  # the plain columns the rows are paired by `=`
    differing: set[str] = set()  # those they are told apart by `<>`
    order = filters_own = filters_other = False
    own_side: set[str] = set()  # other tables' names a condition reads beside each row
    other_side: set[str] = set()
    for condition in conditions:
        qualifiers = _qualifiers(condition)
        if target not in qualifiers:
            filters_other = True
            other_side |= qualifiers - others
        elif not qualifiers & others:
            filters_own = True
            own_side |= qualifiers - {target}
        else:
            paired = _pairing(condition, target, others)
            if paired is None:
                return False
            op, column = paired
            if op == "=":
                columns |= column
            elif op == "<>":
                differing |= column
            else:
                order = True
    if own_side & other_side:
        return False  # (a third table links the two rows: a pairing of any shape)
    pinned = bool(columns) if keys is None else bool(columns & keys)
    if scalar and (order or differing or not pinned):
        return False
    if differing and (positive is not True or not order or
                      keys is not None and not differing <= keys):
        return False  # (beside a strict order, `<>` of a unique column says nothing more)
    if positive is not False and filters_other and not order and not pinned:
        return False  # (deleted when such a row exists)
    if positive is not True:  # deleted when none does: a row deleted pairs with itself,
        # unless a filter of the other row left it out, and then it pairs with no other row
        # but by its own filter: a row that fails that filter and passes the other's is
        # deleted, and another of its group may need it
        return not (order or filters_own and filters_other)
    return True


def _plain_column(expression: object) -> set[str]:
    """The name of the column `expression` is (empty when it is none)."""
    kind, ref = unwrap(expression)
    names = strings(ref.get("fields")) if kind == "ColumnRef" else []
    return {names[-1]} if names and names[-1] != "*" else set()


def _pairing(condition: dict, target: str, others: set[str]
             ) -> tuple[str, set[str]] | None:
    """The operator (and the plain column, if it is one: `_plain_column`) by which
    `condition` compares the same expression of the DELETE's row (qualified `target`) and
    of another row of its table (one of `others`): "=", "<" or ">"; "<>" for `<>` (`!=`,
    IS DISTINCT FROM, NOT =) of a plain column, which says that the rows differ
    (`_witness_stays` lets it be only beside a strict order, which says as much when the
    column is unique); None for anything else."""
    kind, node = unwrap(condition)
    negated = kind == "BoolExpr" and node.get("boolop") == "NOT_EXPR"
    if negated:
        kind, node = _only(node.get("args"))
    if kind != "A_Expr" or node.get("kind") not in ("AEXPR_OP", "AEXPR_DISTINCT"):
        return None
    sides = [_qualifiers(node.get(k)) for k in ("lexpr", "rexpr")]
    if {target} not in sides or not any(q and q <= others for q in sides) or \
            _unqualified(node.get("lexpr")) != _unqualified(node.get("rexpr")):
        return None
    op = "".join(strings(node.get("name")))
    column = _plain_column(node.get("lexpr"))
    if negated and op == "=" or node.get("kind") == "AEXPR_DISTINCT" or op == "<>":
        return ("<>", column) if column else None
    return (op, column) if not negated and op in ("=", *_STRICT) else None


def _outer(expression: object, target: str) -> object:
    """`expression` of an IN's tested side, its bare columns qualified by `target` (the
    DELETE's row: they are outside the subquery)."""
    if isinstance(expression, dict):
        if "ColumnRef" in expression:
            fields = expression["ColumnRef"].get("fields") or []
            return {"ColumnRef": {"fields": [{"String": {"sval": target}}, *fields]
                                  if len(fields) == 1 else fields}}
        return {k: _outer(v, target) for k, v in expression.items()}
    if isinstance(expression, list):
        return [_outer(v, target) for v in expression]
    return expression



def _bare(expression: object, name: str | None) -> object:
    """`expression` with its columns qualified by `name` written bare (None: as it is)."""
    if name is None:
        return expression
    if isinstance(expression, dict):
        if "ColumnRef" in expression:
            fields = expression["ColumnRef"].get("fields") or []
            names = strings(fields)
            return {"ColumnRef": {"fields": fields[-1:]}} \
                if len(names) == 2 and names[0] == name else expression
        return {k: _bare(v, name) for k, v in expression.items()}
    if isinstance(expression, list):
        return [_bare(v, name) for v in expression]
    return expression

def _conjuncts(where: object) -> list:
    """The conditions a WHERE ANDs (itself, when it is not an AND)."""
    kind, node = unwrap(where) if where else ("", {})
    if kind == "BoolExpr" and node.get("boolop") == "AND_EXPR":
        return [c for arg in node.get("args") or () for c in _conjuncts(arg)]
    return [where] if where else []


def _from_items(items: Iterable[dict]) -> list[tuple[str, dict]]:
    """The tables of a FROM or USING list, joins' sides included (not a subquery's)."""
    found, items = [], list(items)
    while items:
        kind, item = unwrap(items.pop())
        if kind == "JoinExpr":
            items += [item.get("larg"), item.get("rarg")]
        elif kind:
            found.append((kind, item))
    return found


def _join_quals(items: object) -> list:
    """The ON conditions of the joins of a FROM or USING list, ANDed apart."""
    return [c for kind, join in walk(items or ()) if kind == "JoinExpr"
            for c in _conjuncts(join.get("quals"))]


def _sublinks(node: object, positive: bool | None) -> Iterator[tuple[dict, bool | None]]:
    """The subqueries of a WHERE `node`, each with whether a row is deleted when it finds
    rows (True), when it finds none (False: under a NOT), or not known (None: under
    anything else than AND, OR and NOT)."""
    kind, body = unwrap(node) if isinstance(node, dict) and len(node) == 1 else ("", {})
    if kind == "SubLink":
        yield body, positive
        yield from _sublinks(body.get("testexpr"), None)
        return
    if kind == "BoolExpr":
        flip = body.get("boolop") == "NOT_EXPR"
        for arg in body.get("args") or ():
            yield from _sublinks(arg, (not positive if positive is not None else None)
                                 if flip else positive)
        return
    for k, link in walk(node):
        if k == "SubLink":
            yield link, None


def _other_row(delete: dict) -> tuple[str, set[str], list[tuple[str, dict]]] | None:
    """The name DELETE `delete` (its node) gives its row, the names its table goes by
    again (in its USING list or a subquery), and the nodes of its USING list and WHERE;
    None when it names its table once."""
    read = [delete.get("usingClause"), delete.get("whereClause")]
    table = range_var(delete.get("relation"))[0]
    target = range_name(delete.get("relation") or {})
    nodes = list(walk(read))
    again = {range_name(rv) for kind, rv in nodes
             if kind == "RangeVar" and range_var(rv)[0] == table} - {target}
    return (target, again, nodes) if again else None


def _qualifiers(expression: object) -> set[str]:
    """The qualifiers of the columns `expression` reads ("" for a bare one)."""
    return {(names[-2] if len(names) > 1 else "") for kind, body in walk(expression)
            if kind == "ColumnRef" and (names := strings(body.get("fields")))}


def _unqualified(expression: object) -> object:
    """`expression` with its columns' qualifiers and its locations dropped, to compare."""
    if isinstance(expression, dict):
        if "ColumnRef" in expression:
            return ("column", tuple(strings(expression["ColumnRef"].get("fields"))[-1:]))
        return {k: _unqualified(v) for k, v in expression.items() if k != "location"}
    if isinstance(expression, list):
        return [_unqualified(v) for v in expression]
    return expression


def _pairs(comparison: dict, target: str, again: set[str]) -> bool:
    """Whether `comparison` (an A_Expr) compares a column of the DELETE's row (qualified by
    `target`) with one of its table's other row (qualified by a name of `again`, or bare in
    a subquery over it)."""
    sides = [strings(unwrap(comparison.get(k))[1].get("fields"))
             if unwrap(comparison.get(k))[0] == "ColumnRef" else None
             for k in ("lexpr", "rexpr")]
    if None in sides:
        return False
    qualifiers = sorted((names[-2] if len(names) > 1 else "") for names in sides if names)
    return len(qualifiers) == 2 and target in qualifiers and \
        bool({q for q in qualifiers if q != target} & (again | {""}))


def _kept_extremes(node: dict, table: str, target: str,
                   aggregates: Collection[str] = ()) -> dict | None:
    """The query of `c NOT IN (SELECT min(c) FROM t ... GROUP BY ...)` (or max), `node` a
    NOT: the rows it names are those the DELETE keeps, so none of the rows it deletes
    changes the query's answer."""
    link_kind, link = _only(node.get("args"))
    if node.get("boolop") != "NOT_EXPR" or link_kind != "SubLink" or \
            link.get("subLinkType") != "ANY_SUBLINK" or link.get("operName"):
        return None
    kind, query = unwrap(link.get("subselect"))
    test_kind, test = unwrap(link.get("testexpr"))
    out_kind, out = unwrap(_only(query.get("targetList"))[1].get("val"))
    if kind != "SelectStmt" or test_kind != "ColumnRef" or out_kind != "FuncCall" or \
            not _keeps_extreme(strings(out.get("funcname")), aggregates) or \
            out.get("over") or any(k == "SelectStmt" for k, _ in walk(query)) or \
            _counts_rows(query, out, aggregates):
        return None
    arg_kind, arg = _only(out.get("args"))
    own = {range_name(rv) for k, rv in walk(query) if k == "RangeVar" and range_var(rv)[0] == table}
    tested, counted = strings(test.get("fields")), strings(arg.get("fields"))
    return query if arg_kind == "ColumnRef" and tested[-1:] == counted[-1:] and \
        tested[:-1] in ([], [target]) and (counted[:-1] == [] or counted[-2] in own) and \
        own and table in relations_in(query) else None


def _keeps_extreme(names: list[str], aggregates: Collection[str]) -> bool:
    """Whether the aggregate named `names` (as written) keeps the largest or smallest value
    of its rows: min() or max(), or one of `aggregates` whose every overload of the name
    does (`Routine.keeps`; a name's value in a mapping of `with_aggregates_made`), made with
    a built-in `*larger` or `*smaller` state function (checked on 18.6: `NOT IN (SELECT
    app.my_max(id) ... GROUP BY g)` left the same 37 rows whole and in ten batches)."""
    name = (names[-1:] or [""])[0].lower()
    if names[:-1] in ([], ["pg_catalog"]) and name in ("min", "max"):
        return True
    if not isinstance(aggregates, Mapping):
        return False
    found = [value for key, value in aggregates.items()
             if (key == ".".join(names) if len(names) > 1 else key.rpartition(".")[2] == name)]
    kinds = {kept for value in found for kept in (
        (value,) if isinstance(value, str) else (r.keeps for r in value))}
    return bool(found) and len(kinds) == 1 and kinds != {""}


def _only(items: list | None) -> tuple[str, dict]:
    """The one node of `items` (its kind and body); ("", {}) when there are none or more."""
    return unwrap(items[0]) if items and len(items) == 1 else ("", {})


def _names_beside(items: Iterable[dict]) -> set[str]:
    """The names the tables of an UPDATE's FROM or a DELETE's USING list (and of their joins)
    go by: an unaliased one of the target's name in another schema makes the target's name
    ambiguous (checked on 18.6); a subquery's tables are its own."""
    names, items = set(), list(items)
    while items:
        kind, item = unwrap(items.pop())
        if kind == "RangeVar":
            names.add(range_name(item))
        elif kind == "JoinExpr" and not item.get("alias"):
            items += [item.get("larg"), item.get("rarg")]
    return names


def _key_column(conn, relation: str) -> str:
    row = conn.execute(
        """
        SELECT a.attname, format_type(a.atttypid, NULL), t.typname
        FROM pg_index i
        JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
        JOIN pg_type t ON t.oid = a.atttypid
        WHERE i.indrelid = to_regclass(%s) AND i.indisprimary AND i.indnatts = 1
        """, (relation,)).fetchone()
    if row is None or row[2] not in BATCH_KEY_TYPES:
        raise BatchError(f"{relation} has no single-column integer primary key to batch by")
    return row[0]


PROGRESS_DDL = """
CREATE TABLE IF NOT EXISTS {table} (
    version text NOT NULL,
    checksum text NOT NULL,
    statement_index integer NOT NULL,
    next_key bigint NOT NULL,
    last_key bigint NOT NULL,
    rows_done bigint NOT NULL DEFAULT 0,
    batches_done integer NOT NULL DEFAULT 0,
    seconds double precision NOT NULL DEFAULT 0,
    started_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    PRIMARY KEY (version, checksum, statement_index)
)
"""


@dataclass(slots=True)
class BatchResult:
    rows: int
    batches: int
    seconds: float
    resumed_from: int | None


def progress_table_name(history_table: str) -> str:
    """The name of the batch progress table kept beside the history table `history_table`
    (in its schema)."""
    return f"{history_table}_batches"


def progress_table(history_schema: str | None, history_table: str):
    from psycopg import sql

    name = progress_table_name(history_table)
    return sql.Identifier(history_schema, name) if history_schema else sql.Identifier(name)


def _ensure_progress_table(conn, progress) -> None:
    from psycopg import sql

    with conn.transaction():
        conn.execute(sql.SQL(PROGRESS_DDL).format(table=progress))


def forget_progress(conn, progress, version: str, checksums: Sequence[str]) -> None:
    """Delete the progress recorded for the migration text with these `checksums`: a run that
    does not continue a cleared failure (a re-apply after a rollback) runs every batch again,
    so no batch is skipped as "already finished" by an earlier, completed run."""
    from psycopg import sql

    _ensure_progress_table(conn, progress)
    conn.execute(sql.SQL("DELETE FROM {} WHERE version = %s AND checksum = ANY(%s)")
                 .format(progress), (version, list(checksums)))


def _recorded_progress(conn, progress, version: str, checksums: Sequence[str],
                       statement_index: int) -> tuple | None:
    """The progress row of this statement recorded under any of the text's `checksums` (an
    earlier lockwise wrote its own algorithm's), the current algorithm's first: (checksum,
    next_key, last_key, rows_done, batches_done, seconds, finished_at)."""
    from psycopg import sql

    return conn.execute(sql.SQL(
        "SELECT checksum, next_key, last_key, rows_done, batches_done, seconds, finished_at "
        "FROM {} WHERE version = %s AND statement_index = %s AND checksum = ANY(%s) "
        "ORDER BY array_position(%s, checksum) LIMIT 1").format(progress),
        (version, statement_index, list(checksums), list(checksums))).fetchone()


def run_batched(conn, sql_text: str, spec: BatchSpec, *, progress, version: str,
                checksums: Sequence[str], statement_index: int, lock_timeout_ms: int,
                report: Callable[[str], None]) -> BatchResult:
    """Run one batched statement on `conn` (autocommit), resuming recorded progress."""
    from psycopg import sql

    tree = _target(sql_text, ServerTables(conn))  # (before anything of it runs)
    relation = ".".join(p for p in (tree.relation.schemaname, tree.relation.relname) if p)
    _ensure_progress_table(conn, progress)
    key = _key_column(conn, relation)
    ident = sql.Identifier(key)
    found = _recorded_progress(conn, progress, version, checksums, statement_index)
    # Progress keeps the checksum it was recorded under, whichever algorithm that was.
    where = (version, found[0] if found else checksums[0], statement_index)
    row = found[1:] if found else None
    if row is not None and row[5] is not None:
        report(f"batched statement {statement_index + 1} already finished: "
               f"{row[2]} rows in {row[3]} batches")
        return BatchResult(row[2], row[3], row[4], row[0])
    if row is None:
        bounds = conn.execute(sql.SQL("SELECT min({k}), max({k}) FROM {t}").format(
            k=ident, t=sql.SQL(".").join(sql.Identifier(p) for p in relation.split("."))))\
            .fetchone()
        if bounds[0] is None:
            report(f"batched statement {statement_index + 1}: the table is empty")
            return BatchResult(0, 0, 0.0, None)
        next_key, last_key, rows, batches, seconds = bounds[0], bounds[1], 0, 0, 0.0
        with conn.transaction():
            conn.execute(sql.SQL(
                "INSERT INTO {} (version, checksum, statement_index, next_key, last_key) "
                "VALUES (%s, %s, %s, %s, %s)").format(progress), (*where, next_key, last_key))
        resumed = None
    else:
        next_key, last_key, rows, batches, seconds = row[0], row[1], row[2], row[3], row[4]
        resumed = next_key
        report(f"resuming batched statement {statement_index + 1} at {key} = {next_key} "
               f"({batches} batches, {rows} rows already done)")
    total = max(1, (last_key - next_key) // spec.size + 1)
    show = _progress_printer(report, total)
    while next_key <= last_key:
        started = time.monotonic()
        hi = next_key + spec.size
        with conn.transaction():
            if lock_timeout_ms:
                conn.execute("SELECT set_config('lock_timeout', %s, true)",
                             (f"{lock_timeout_ms}ms",))
            cur = conn.execute(_batched_sql(tree, key, next_key, hi))
            done = max(cur.rowcount, 0)
            elapsed = time.monotonic() - started
            # Recorded in the batch's own transaction: committed together or not at all.
            conn.execute(sql.SQL(
                "UPDATE {} SET next_key = %s, rows_done = rows_done + %s, "
                "batches_done = batches_done + 1, seconds = seconds + %s, updated_at = now() "
                "WHERE version = %s AND checksum = %s AND statement_index = %s").format(progress),
                (hi, done, elapsed, *where))
        next_key, rows, batches, seconds = hi, rows + done, batches + 1, seconds + elapsed
        show(batches, rows)
        if spec.sleep_ms and next_key <= last_key:
            time.sleep(spec.sleep_ms / 1000)
    with conn.transaction():
        conn.execute(sql.SQL(
            "UPDATE {} SET finished_at = now() WHERE version = %s AND checksum = %s "
            "AND statement_index = %s").format(progress), where)
    report(f"batched statement {statement_index + 1}: {rows} rows in {batches} batches, "
           f"{seconds:.1f} s")
    return BatchResult(rows, batches, seconds, resumed)


def _progress_printer(report: Callable[[str], None], total: int) -> Callable[[int, int], None]:
    """A progress bar on a terminal; otherwise a log line every tenth of the work."""
    if sys.stderr.isatty():
        def bar(done: int, rows: int) -> None:
            width = 30
            filled = min(width, width * done // total)
            sys.stderr.write(f"\r  [{'#' * filled}{'.' * (width - filled)}] "
                             f"{done}/{total} batches, {rows} rows")
            if done >= total:
                sys.stderr.write("\n")
            sys.stderr.flush()
        return bar
    step = max(1, total // 10)

    def log(done: int, rows: int) -> None:
        if done % step == 0 or done >= total:
            report(f"  batch {done}/{total}: {rows} rows so far")
    return log
