"""Whether an UPDATE's or DELETE's WHERE leaves the planner nothing but a read of every row
of its table: no index of the table (nor a range of row addresses) serves any condition that
picks its rows. Checked on the server (tests/test_rule_facts_pg.py): such a statement is
planned as a Seq Scan of the table, counted in pg_stat_user_tables.seq_scan, whatever few
rows it matches; one condition on an indexed column is enough for an index scan to be
possible (an OR needs one in each branch).

From PostgreSQL 17 the planner takes IS NULL of a NOT NULL column for false (a one-time
filter: no row is read; checked on 18.6), as the backfill `UPDATE t SET c = ... WHERE c IS
NULL` of a column added NOT NULL DEFAULT is: such a condition is served, as an index would.

Judged only for a table whose indexes the catalog knows (`Catalog.fully_known`), and
leniently: any column of any index counts (PostgreSQL 18 skips to a later column of a
B-tree; a partial index counts for the columns its WHERE reads too, one whose WHERE calls a
function only for a WHERE holding that condition, fix-pg74, one whose WHERE calls none only
for a WHERE that implies it as the planner proves it, `_implied`, fix-pg81), so does an EXISTS
(a semi join may drive the read) and WHERE CURRENT OF. A NOT EXISTS, NOT IN (subquery) or
`<> ALL (subquery)` does not: an anti join (or a filter by the subquery's rows) reads every
row to find those without a match, whatever index the compared column has (a Seq Scan,
counted on 18.6); another condition ANDed beside it still may. Nor does a condition that
keeps the rows whose value differs (`<>`, NOT IN (list), `<> ALL (array)`, IS [NOT] DISTINCT
FROM, NOT LIKE, IS NOT TRUE), written so or under a NOT that the planner moves inward (`NOT
(a = 5)` is `a <> 5`): a B-tree finds equal values and ranges, and the planner reads every
row even with sequential scans disabled (18.6); `NOT (a > 5)` is `a <= 5`, `NOT BETWEEN` two
ranges, `NOT flag` is `flag = false`, `NOT (a IS NULL)` is `a IS NOT NULL`: each served (the
last not for a NOT NULL column from 17, where it is true and dropped). Whether an index that
serves the WHERE is chosen, and how many rows a range on one matches, depends on the data:
not said.

A condition is looked up in an index by its key: one side the index's column, bare, or its
expression, the other reading none of the table's columns (`email = lower('X')`, not
`lower(email) = 'x'` nor `a = b`), calling no volatile function outside a subquery
(`id = nextval('s')` has a value per row, `now()` one; a migration's PL/pgSQL one too, not a
SQL one the planner inlines: `volatility.calls_volatile`), and of a type that does not
convert the column (`int_col = 5.5` compares numerics: `types.key_conversion`)
nor bring a collation of its own (`text_col = 'x'::name` compares under "C"). An
index of an expression serves only a condition on that same expression (`lower(email) =
'x'`, matched on the parse tree as `_normalized` resolves it: the function's schema, casts
the planner strips, a string literal's cast, `to_tsvector('english', body)` being
`to_tsvector('english'::regconfig, body)`), not one on the column it reads (`email = 'x'`:
a Seq Scan even with sequential scans disabled, checked on 18.6). Then the operator
decides, by the index's access method, operator class and collation (`_key_serves`): the
prefix of a LIKE is served only in byte order (`collations.in_byte_order`): a column's or
index's COLLATE, else the database's default collation as the config or the statistics say
it (`Context.default_collation`), which lockwise takes not to be in byte order when neither
does (docs/accuracy.md, fix-pg62, fix-pg68). An expression key has the type a cast gives
it or a function returns (`_typed`: `lower(name)` is text, `length(name)` int4, a function
of the migrations' what it was declared to return) and its columns' collation, judged as a
column's (fix-pg67, fix-pg71); an index expression calls the functions the search_path at
its CREATE found (`routines.calls_qualified`). A citext's pattern match no index serves
(`_unindexed_match`); an index of a class of text holds a citext as text (`_citext_as_text`).
"""

from __future__ import annotations

import datetime
import decimal
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import NamedTuple

from lockwise.catalog.model import Catalog, Column, Table
from lockwise.catalog.overloads import constant_type, evident_type, returned_type
from lockwise.catalog.routines import function_schema
from lockwise.core.deferred import bound_on_use
from lockwise.effects.collations import in_byte_order
from lockwise.effects.nodes import (
    JoinedSql,
    PrintedSql,
    const_value,
    constant_truth,
    resolver_in_force,
    strings,
    type_name,
    unwrap,
    walk,
    walked_bodies_of_kind,
    with_column_refs,
    writes_cast_calls,
)
from lockwise.effects.types import (
    builtin_return_type,
    cast_keeps_index_key,
    key_conversion,
    other_index_method,
    type_collation,
)
from lockwise.effects.volatility import builtin_functions, calls_volatile
from lockwise.parse.quoting import OWN_MIGRATION, quote_ident
from lockwise.parse.trees import rebuilt

#: Imported at its first use (a WHERE a batch could walk): an import statement in a function
#: runs at each call.
_batches = bound_on_use(globals(), "_batches", "lockwise.executor.batches")

#: What every table has that a range condition reads rows by, as an index would
#: (a TID Range Scan, PostgreSQL 14+; an equality is a TID Scan on every version).
_ROW_ADDRESS = "ctid"


def unindexed_where(catalog: Catalog, table: str, stmt: dict, pg_version: int,
                    all_null: set[str] | None = None,
                    default_collation: str | None = None) -> tuple[str, ...] | None:
    """The columns of `table` that the WHERE of UPDATE / DELETE `stmt` reads (sorted; none
    when it reads none) when no index of the table serves it; None when one may, or when the
    table's indexes are not all known. `all_null`: its columns NULL in every row, whose IS
    NULL no index serves (it bounds nothing). `default_collation`: the database's default
    collation (`Context.default_collation`; None: not known)."""
    return _unindexed(catalog, table, stmt, pg_version, all_null, default_collation)[0]


def _unindexed(catalog: Catalog, table: str, stmt: dict, pg_version: int,
               all_null: set[str] | None, default_collation: str | None,
               unproven: list[_Partial] | None = None
               ) -> tuple[tuple[str, ...] | None, dict[str, list[_IndexKey]]]:
    """`unindexed_where`, with what the indexes of `table` serve (`_indexed`: empty when
    the WHERE or the table's indexes are not looked at), for `where_facts` to ask again;
    `unproven` gets the partial indexes the WHERE does not prove (`_implied_indexes`)."""
    known = catalog.fully_known(table)
    where = stmt.get("whereClause")
    if known is None or not where:
        return None, {}
    target = _typed_target(catalog, stmt, known, default_collation)
    indexed = _implied_indexes(_indexed(catalog, table), where, target, unproven)
    if pg_version >= 17:
        target.never_null = {name for name, col in known.columns.items()
                             if col.not_null and col.not_null_valid}
    target.all_null = set(all_null or ())
    if _served(where, target, indexed):
        return None, indexed
    return tuple(sorted(target.columns_in(where))), indexed


def _typed_target(catalog: Catalog, stmt: dict, known: Table,
                  default_collation: str | None, statement_sql: str | None = None
                  ) -> _Target:
    """The target of `stmt`, table `known`, with its columns' types, in a database whose
    default collation is `default_collation` (None: not known); its expressions printed
    with their casts as `x::t` unless the statement's text `statement_sql` writes
    `CAST(x AS t)` (`nodes.writes_cast_calls`)."""
    target = _Target(stmt, set(known.columns))
    target.types = known.columns
    target.catalog = catalog
    target.default_collation = default_collation
    target.postfix_casts = not writes_cast_calls(statement_sql)
    return target


class _IndexKey(NamedTuple):
    """How an index holds one column or expression: its access method, operator class and
    collation (as written; a column's own when the index names none). All None for an
    index whose definition is not known (a constraint's): it counts for any condition on
    the column."""

    method: str | None = None
    opclass: str | None = None
    collation: str | None = None


#: What an index whose definition is not known holds (and a row address range reads).
_ANY_KEY = _IndexKey()

#: How a B-tree holds a key that serves its IS NULL alone (of no operator class or
#: collation a condition has): a citext column held as text by a class of text, or the
#: other way round (the planner matches an IS NULL through the binary cast).
_NULLS_ONLY = _IndexKey("btree", "", "")

#: The operator classes of B-tree and hash whose input type is text (pg_opclass.opcintype),
#: each taking a citext as text, and the class of the same family each is (None: text's
#: default): an index of a citext column of one holds `name::text` (checked on 18.6).
_TEXT_CLASSES = {"text_ops": None, "varchar_ops": None,
                 "text_pattern_ops": "text_pattern_ops",
                 "varchar_pattern_ops": "varchar_pattern_ops"}

#: The access methods whose operator classes are modelled; the others (GIN, GiST, BRIN,
#: SP-GiST, an extension's) count for any condition on what they hold.
_HASH, _BTREE = "hash", "btree"

#: The B-tree comparison operators (an operator class of the pattern family serves only
#: `=` of them, and the prefix of a LIKE or regular expression: checked on 18.6).
_COMPARISONS = frozenset(("=", "<", ">", "<=", ">="))


class _Filed(NamedTuple):
    """What the indexes of a table serve (`_indexed`): those any WHERE may use, and for
    each partial index whose WHERE calls a function, what its WHERE requires
    (`_Required`, each of its ANDed conditions that calls one) and what it serves then."""

    indexed: dict[str, list[_IndexKey]]
    gated: tuple[_Partial, ...] = ()


class _Partial(NamedTuple):
    """A partial index whose WHERE calls a function (`_Filed.gated`): its name, its WHERE
    as the server keeps it (`Index.definition`'s), what that requires of a query's WHERE,
    and what the index serves then."""

    name: str
    predicate: object
    required: tuple[_Required, ...]
    keys: dict[str, list[_IndexKey]]


class _Required(NamedTuple):
    """An ANDed condition of a partial index's WHERE, `_normalized` (each function named
    with its schema, as pg_get_expr writes it): `whole`, its `_expression_key`; `compared`,
    for a comparison that calls a function, of an expression of the columns with what
    reads none (`app.norm(v) = 'x'`), that expression's key (None otherwise); `condition`,
    of one that calls none, the condition itself, which a query's WHERE proves as
    `_implied` says."""

    whole: str
    compared: str | None
    condition: object = None


def _indexed(catalog: Catalog, table: str) -> _Filed:
    """What an index of `table` serves a condition on: the columns it has as such and those
    its WHERE reads (`ctid` too, which a range serves), and its expressions (each as
    `_expression_key` writes it, `_normalized`), each with how an index holds it. An index
    whose definition is not known (a constraint's) counts for each column it reads. A
    partial index whose WHERE calls a function serves only a WHERE that proves those calls
    (`_implied_indexes`): filed apart.
    Found once while the table's columns and indexes stay as they are
    (`Catalog.found_per_version`): filing every index again for each UPDATE and DELETE of a
    table made a history of many of both quadratic. Not kept under a search_path set in
    the migration (`resolver_in_force`), which may change how an expression resolves."""
    if resolver_in_force() is not None:
        return _filed_indexes(catalog, table)
    return catalog.found_per_version(table, "where_index",
                                     lambda: _filed_indexes(catalog, table))


def _filed_indexes(catalog: Catalog, table: str) -> _Filed:
    """`_indexed`, found from the catalog."""
    known = catalog.tables.get(table)
    columns = known.columns if known is not None else {}
    always: dict[str, list[_IndexKey]] = {_ROW_ADDRESS: [_ANY_KEY]}
    gated: list[_Partial] = []
    # The types (and collations) an index expression is normalized under; None under a
    # search_path set in the migration, where the schema of a function written bare may
    # change between them.
    types = tuple((name, c.type_name, tuple(c.typmods or ()), c.array, c.collation)
                  for name, c in columns.items()) if resolver_in_force() is None else None
    citexts = any(map(_is_citext, columns.values()))
    for index in catalog.indexes_on(table):
        definition = index.definition
        if definition is None:
            for column in (*index.columns, *index.reads):
                always.setdefault(column, []).append(_ANY_KEY)
            continue
        required = _required(definition.get("whereClause"), columns, catalog)
        indexed = always
        if required:
            indexed = {}
            gated.append(_Partial(index.name, definition["whereClause"], required, indexed))
        method = str(definition.get("accessMethod") or _BTREE).lower()
        for param in definition.get("indexParams") or ():
            elem = unwrap(param)[1]
            # (the server takes a COLLATE at the top of the expression for the index's:
            # `((lower(name) COLLATE "C"))` is `((lower(name)) COLLATE "C")`)
            expr, collated = _uncollated(elem["expr"]) if elem.get("expr") else (None, None)
            key, own = _index_expression_key(expr, columns, types, catalog) \
                if expr else (elem.get("name", ""), None)
            column = columns.get(key)
            collation = _database_default(_collation(elem.get("collation")) or collated or (
                column.collation if column is not None else own))
            opclass = (strings(elem.get("opclass")) or [None])[-1]
            how = _IndexKey(method, opclass, collation)
            citext = _citext_as_text(expr, key, columns, catalog) if citexts else None
            if citext is not None and expr is None and opclass in _TEXT_CLASSES:
                # (a class of text holds a citext as text: `name::text LIKE 'x%'` and `=`
                # are looked up in it, citext's own `name = 'x'` not; checked on 18.6)
                key, how = citext[1], _IndexKey(method, _TEXT_CLASSES[opclass], collation)
            indexed.setdefault(key, []).append(how)
            if citext is not None and method == _BTREE:
                # (an IS NULL is matched through the binary cast both ways: an index of
                # `name` serves `name::text IS NULL`, one of `name::text` `name IS NULL`)
                indexed.setdefault(citext[key == citext[0]], []).append(_NULLS_ONLY)
        # (in `walk`'s order, not `walk_except`'s: each column gets the same key whatever
        # the order, and every reader of `indexed` looks a column up or takes its key set)
        for body in walked_bodies_of_kind(definition.get("whereClause"), "ColumnRef",
                                          "subselect"):
            indexed.setdefault(strings(body.get("fields"))[-1], []).append(_ANY_KEY)
    return _Filed(always, tuple(gated))


def _required(predicate: object, columns: Mapping[str, Column],
              catalog: Catalog) -> tuple[_Required, ...]:
    """What partial index WHERE `predicate` (`Index.definition`'s: its calls named as the
    server keeps them, `replay.index_definition`) requires of a query's WHERE: each of its
    ANDed conditions (`_Required`)."""
    found = []
    for condition in _conjuncts(predicate):
        normalized = _normalized(condition, columns, catalog)
        if any(kind == "FuncCall" for kind, _ in walk(condition)):
            found.append(_Required(_expression_key(normalized), _compared_key(normalized)))
        else:
            found.append(_Required(_expression_key(normalized), None, condition))
    return tuple(found)


def _conjuncts(node: object) -> list[object]:
    """The conditions `node` ANDs (itself when it is no AND)."""
    kind, body = unwrap(node) if node else ("", {})
    if kind == "BoolExpr" and body.get("boolop") == "AND_EXPR":
        return [c for arg in body.get("args") or () for c in _conjuncts(arg)]
    return [node] if node else []


def _compared_key(condition: object) -> str | None:
    """For a comparison (`_normalized`) of an expression that reads columns with one that
    reads none, the `_key` of the former; None otherwise."""
    kind, body = unwrap(condition)
    if kind != "A_Expr" or body.get("kind") != "AEXPR_OP":
        return None
    sides = [body.get("lexpr"), body.get("rexpr")]
    reading = [side for side in sides
               if any(k == "ColumnRef" for k, _ in walk(side))]
    return _key(reading[0]) if len(reading) == 1 else None


def _implied_indexes(filed: _Filed, where: object, target: _Target,
                     unproven: list[_Partial] | None = None) -> dict[str, list[_IndexKey]]:
    """What the indexes of the target serve (`_indexed`) for a query whose WHERE is `where`:
    a partial index whose WHERE calls a function only when `where` ANDs each of those
    conditions (the planner proves a partial index's WHERE from the query's: checked on
    18.6, fix-pg74, an index `WHERE app.is_live(v)` served `n = 5 AND app.is_live(v)`, and
    neither `n = 5` nor `n = 5 AND is_live(v)` of another schema's is_live, whose calls
    are matched with the schema each resolves to, `_normalized`), or, for a comparison, a
    comparison of the same expression (leniently: its operator and value not compared,
    the planner proves `x < 5` from `x = 1`); a condition without a call when `where` ANDs
    one that implies it (`_implied`). `unproven`, when given, gets the partial indexes
    `where` does not prove."""
    if not filed.gated:
        return filed.indexed
    whole, compared, bare = set(), set(), []
    for condition in _conjuncts(where):
        bare.append(target.bare(condition))
        normalized = _normalized(bare[-1], target.types, target.catalog)
        whole.add(_expression_key(normalized))
        compared.add(_compared_key(normalized))
    indexed = {key: list(hows) for key, hows in filed.indexed.items()}
    read: list[set[tuple[str, ...]] | None] = []  # (what `bare` reads, once asked)
    for partial in filed.gated:
        if all(r.whole in whole or r.compared is not None and r.compared in compared or
               r.condition is not None and _may_prove(bare, r.condition, read) and
               _implied(r.condition, bare, target)
               for r in partial.required):
            for key, hows in partial.keys.items():
                indexed.setdefault(key, []).extend(hows)
        elif unproven is not None:
            unproven.append(partial)
    return indexed


#: The order of constant v to constant k (`_order`: -1 v < k, 0 equal, 1 v > k) by which a
#: query's `x <op> v` proves an index's `x <op2> k` (predtest.c's B-tree implication
#: table, for operators of one family): by the query's operator, then the index's.
_IMPLIES: dict[str, dict[str, frozenset[int]]] = {
    op: {op2: frozenset(orders) for op2, orders in row.items()} for op, row in {
        "=": {"=": (0,), "<": (-1,), "<=": (-1, 0), ">": (1,), ">=": (0, 1), "<>": (-1, 1)},
        "<": {"<": (-1, 0), "<=": (-1, 0), "<>": (-1, 0)},
        "<=": {"<": (-1,), "<=": (-1, 0), "<>": (-1,)},
        ">": {">": (0, 1), ">=": (0, 1), "<>": (0, 1)},
        ">=": {">": (1,), ">=": (0, 1), "<>": (1,)},
        "<>": {"<>": (0,)},
    }.items()}
#: A comparison operator as written with its sides swapped (`5 < x` is `x > 5`), and the
#: one its NOT is (the planner's negate_clause: `NOT (x < 5)` is `x >= 5`).
_TURNED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_NEGATED = {"=": "<>", "<>": "=", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
#: The longest IN list or array the planner proves by its elements (predtest.c's
#: MAX_SAOP_ARRAY_SIZE); a longer one only as a whole.
_MOST_ELEMENTS = 100
#: The operators, each strict (pg_proc.proisstrict of the function behind it), through which
#: an operand's NULL makes the condition NULL: a query's condition on x of one proves `x IS
#: NOT NULL` (`n + 1 > 2`, `s LIKE 'x%'`, `n <> 5`; checked on 18.6).
_STRICT = frozenset(("=", "<>", "<", "<=", ">", ">=", "+", "-", "*", "/", "%", "||",
                     "~~", "~~*", "!~~", "!~~*", "~", "~*", "!~", "!~*"))
_INTEGERS = frozenset(("int2", "int4", "int8"))
_NUMBERS = _INTEGERS | {"numeric"}
_DATES = frozenset(("date", "timestamp"))
_TEXTS = frozenset(("text", "varchar"))
#: How far from UTC a session's TimeZone may put a timestamptz written without an offset.
_ZONES = datetime.timedelta(hours=16)
_TRUE = frozenset(("t", "tr", "tru", "true", "y", "ye", "yes", "on", "1"))
_FALSE = frozenset(("f", "fa", "fal", "fals", "false", "n", "no", "of", "off", "0"))


class _Value(NamedTuple):
    """A constant as a comparison of a key of its type reads it: its kind (values of one
    kind are ordered by `_order`) and the least and most it may be (one value, unless the
    session's TimeZone decides it: a timestamptz written without an offset)."""

    kind: str
    least: object
    most: object


class _Compared(NamedTuple):
    """A condition comparing an expression of the table's columns with a constant: the
    expression's `_key` (with the type the comparison converts it to, if any), the operator
    (the constant's side turned to the right) and the constant."""

    key: str
    op: str
    value: _Value


def _implied(required: object, conditions: list[object], target: _Target) -> bool:
    """Whether a query whose WHERE ANDs `conditions` (column references bare) proves a
    partial index's condition `required` (one that calls no function), as the planner's
    predicate_implied_by does (predtest.c; each case checked on 18.6 by EXPLAIN with
    sequential scans off, fix-pg78 and fix-pg81): an AND of the query proves a condition one
    of its parts proves, an OR one each of its parts proves; a condition the index ANDs is
    proven part by part, one it ORs by a part. An IN list or `op ANY (array)` of constants
    is the OR of its elements' comparisons (`NOT IN`, `op ALL` the AND), a BETWEEN the AND
    of two (SYMMETRIC an OR of both orders), a NOT moved inward as the planner writes it.
    Between parts: the same condition (`_normalized`); `x IS NOT NULL` from a condition
    on x through strict operators; a comparison of the same expression with a constant of
    one kind whose value implies it (`_IMPLIES`; `_compared` says which). Nothing else."""
    return _proves({"BoolExpr": {"boolop": "AND_EXPR", "args": conditions}}, required, target)


def _may_prove(conditions: list[object], required: object,
               read: list[set[tuple[str, ...]] | None]) -> bool:
    """False when a query whose WHERE ANDs `conditions` cannot prove `required` (`_implied`),
    without the proof (fix-speed52): every part of `required` reads a column, and the
    conditions read none of its columns. A part is proven by one reading its columns (the
    same condition, a strict one on its NOT NULL's expression, a comparison of its
    expression): none reads them. Not when an IN list or array of either is empty (an
    empty OR proves anything, an empty AND is proven by anything). `read`: the columns
    `conditions` read, put in at the first call."""
    wanted = _parts_read(required, True)
    if wanted is None:
        return True
    if not read:
        read.append(_parts_read(_bool("AND_EXPR", conditions), False))
    return read[0] is None or not read[0].isdisjoint(wanted)


def _parts_read(node: object, each: bool) -> set[tuple[str, ...]] | None:
    """The column references (their names) that condition `node` reads; None when it ANDs
    or ORs no part (`_shape`), or, `each`, when one of its parts reads none."""
    shape, items = _shape(node)
    if shape == "atom":
        found = {tuple(strings(body.get("fields")))
                 for body in walked_bodies_of_kind(items[0], "ColumnRef")}
        return None if each and not found else found
    found = set()
    for item in items:
        part = _parts_read(item, each)
        if part is None:
            return None
        found |= part
    return found if items else None


def _proves(clause: object, predicate: object, target: _Target) -> bool:
    """Whether condition `clause` proves condition `predicate` (`_implied`'s recursion, in
    predicate_implied_by_recurse's order: the predicate's AND and OR first)."""
    pshape, pitems = _shape(predicate)
    cshape, citems = _shape(clause)
    if pshape == "and":
        return all(_proves(clause, p, target) for p in pitems)
    if pshape == "or":
        if cshape == "or":
            return all(any(_proves(c, p, target) for p in pitems) for c in citems)
        return any(_proves(clause, p, target) for p in pitems) or \
            cshape == "and" and any(_proves(c, predicate, target) for c in citems)
    if cshape == "and":
        return any(_proves(c, predicate, target) for c in citems)
    if cshape == "or":
        return all(_proves(c, predicate, target) for c in citems)
    return _proves_atom(citems[0], pitems[0], target)


def _proves_atom(clause: object, predicate: object, target: _Target) -> bool:
    """`_proves` of a condition that is no AND or OR (predicate_implied_by_simple_clause)."""
    def normalized(node: object) -> object:
        return _normalized(node, target.types, target.catalog)

    if _expression_key(normalized(clause)) == _expression_key(normalized(predicate)):
        return True
    kind, body = unwrap(predicate)
    if kind == "NullTest":
        return body.get("nulltesttype") == "IS_NOT_NULL" and \
            _strict_for(normalized(clause), _key(normalized(body.get("arg"))))
    wanted, found = _compared(predicate, target), _compared(clause, target)
    if wanted is None or found is None or wanted.key != found.key:
        return False
    orders = _IMPLIES.get(found.op, {}).get(wanted.op)
    return orders is not None and _order(found.value, wanted.value) in orders


def _shape(node: object) -> tuple[str, list[object]]:
    """Condition `node` as the planner's predtest classifies it: ("and", its parts), ("or",
    its parts), or ("atom", [the condition]), a NOT first moved inward (`_negated`)."""
    kind, body = unwrap(node)
    if kind == "BoolExpr":
        args = list(body.get("args") or ())
        if body.get("boolop") == "AND_EXPR":
            return "and", args
        if body.get("boolop") == "OR_EXPR":
            return "or", args
        inner = _negated(args[0]) if len(args) == 1 else None
        return _shape(inner) if inner is not None else ("atom", [node])
    if kind != "A_Expr":
        return "atom", [node]
    x, op, how = body.get("lexpr"), (strings(body.get("name")) or [""])[-1], body.get("kind")
    items = _elements(body.get("rexpr"))
    if items is None:
        return "atom", [node]
    if how == "AEXPR_IN" and op in ("=", "<>"):
        return ("or" if op == "=" else "and"), [_operation(x, op, i) for i in items]
    if how in ("AEXPR_OP_ANY", "AEXPR_OP_ALL") and op in _TURNED:
        return ("or" if how == "AEXPR_OP_ANY" else "and"), [_operation(x, op, i) for i in items]
    if how in _BETWEENS and len(items) == 2:
        low, high = items
        if how == "AEXPR_BETWEEN":
            return "and", [_operation(x, ">=", low), _operation(x, "<=", high)]
        if how == "AEXPR_NOT_BETWEEN":
            return "or", [_operation(x, "<", low), _operation(x, ">", high)]
        orders = ((low, high), (high, low))
        if how == "AEXPR_BETWEEN_SYM":
            return "or", [_bool("AND_EXPR", [_operation(x, ">=", a), _operation(x, "<=", b)])
                          for a, b in orders]
        return "and", [_bool("OR_EXPR", [_operation(x, "<", a), _operation(x, ">", b)])
                       for a, b in orders]
    return "atom", [node]


_BETWEENS = frozenset(("AEXPR_BETWEEN", "AEXPR_NOT_BETWEEN", "AEXPR_BETWEEN_SYM",
                       "AEXPR_NOT_BETWEEN_SYM"))


def _operation(x: object, op: str, value: object) -> dict:
    """The comparison `x <op> value` as the parser writes it."""
    return {"A_Expr": {"kind": "AEXPR_OP", "name": [{"String": {"sval": op}}], "lexpr": x,
                       "rexpr": value}}


def _bool(boolop: str, args: list[object]) -> dict:
    """`args` joined by `boolop` (AND_EXPR, OR_EXPR, NOT_EXPR) as the parser writes it."""
    return {"BoolExpr": {"boolop": boolop, "args": args}}


def _elements(node: object) -> list[object] | None:
    """The elements of an IN list, a BETWEEN's bounds or an ARRAY[...] or '{...}' array of
    constants, when there are at most `_MOST_ELEMENTS` of them, each a constant of one
    spelling (the parser gives a list of an integer and a decimal one type, numeric: `c IN
    (1, 2.0)` compares `c::numeric`); None otherwise."""
    kind, body = unwrap(node)
    if kind == "List":
        items = list(body.get("items") or ())
    elif kind == "A_ArrayExpr":
        items = list(body.get("elements") or ())
    elif kind == "A_Const" and isinstance(const_value(node), str):
        text = str(const_value(node))
        if not (text.startswith("{") and text.endswith("}")) or any(
                c in text[1:-1] for c in '{}"\\'):
            return None
        parts = [p.strip() for p in text[1:-1].split(",")] if text[1:-1].strip() else []
        if any(not p or p.upper() == "NULL" for p in parts):
            return None
        items = [{"A_Const": {"sval": {"sval": p}}} for p in parts]
    else:
        return None
    spellings = {_spelling(i) for i in items}
    if len(items) > _MOST_ELEMENTS or None in spellings or len(spellings - {"sval"}) > 1:
        return None
    return items


def _spelling(node: object) -> str | None:
    """How constant `node` is written: the type it is cast to, else the kind of literal
    (ival, fval, sval, boolval); None for no constant (a NULL among them)."""
    kind, body = unwrap(node)
    if kind == "TypeCast":
        name, _, array = type_name(body.get("typeName"))
        inner = unwrap(body.get("arg"))[0] in ("A_Const", "TypeCast")
        return name if inner and not array else None
    if kind != "A_Const" or body.get("isnull"):
        return None
    return next((k for k in ("ival", "fval", "sval", "boolval") if k in body), None)


def _negated(node: object) -> object | None:
    """The condition `NOT node` is as the planner writes it (negate_clause): a comparison
    with the negating operator, NOT IN for IN, NOT BETWEEN for BETWEEN, IS NULL for IS NOT
    NULL, De Morgan's AND and OR, `node`'s own argument for a NOT; None where the NOT stays
    (`NOT flag`, `_compared` reads as `flag = false`)."""
    kind, body = unwrap(node)
    if kind == "BoolExpr":
        args = list(body.get("args") or ())
        if body.get("boolop") == "NOT_EXPR":
            return args[0] if len(args) == 1 else None
        flipped = "OR_EXPR" if body.get("boolop") == "AND_EXPR" else "AND_EXPR"
        return _bool(flipped, [_bool("NOT_EXPR", [a]) for a in args])
    if kind == "NullTest":
        flipped = {"IS_NULL": "IS_NOT_NULL", "IS_NOT_NULL": "IS_NULL"}
        return {"NullTest": {**body, "nulltesttype": flipped[body.get("nulltesttype")]}}
    if kind != "A_Expr":
        return None
    op, how = (strings(body.get("name")) or [""])[-1], body.get("kind")
    if how == "AEXPR_OP" and op in _NEGATED:
        return _operation(body.get("lexpr"), _NEGATED[op], body.get("rexpr"))
    if how == "AEXPR_IN" and op in ("=", "<>"):
        return {"A_Expr": {**body, "name": [{"String": {"sval": _NEGATED[op]}}]}}
    between = {"AEXPR_BETWEEN": "AEXPR_NOT_BETWEEN", "AEXPR_BETWEEN_SYM":
               "AEXPR_NOT_BETWEEN_SYM"}
    between.update({v: k for k, v in between.items()})
    if how in between:
        return {"A_Expr": {**body, "kind": between[how]}}
    return None


def _compared(condition: object, target: _Target) -> _Compared | None:
    """Condition `condition` (column references bare) as a comparison of an expression of
    the columns with a constant (`_Compared`), the constant's side turned to the right; a
    boolean column alone as `flag = true`, its NOT and `flag <> true` as `flag = false` (the
    planner folds them so: checked on 18.6, as `f = 't'`). None for another condition,
    or a constant `_value` cannot read."""
    kind, body = unwrap(condition)
    negated = kind == "BoolExpr" and body.get("boolop") == "NOT_EXPR"
    if negated or kind == "ColumnRef":
        column = (body.get("args") or [None])[0] if negated else condition
        typed = _typed(column, target.types, target.catalog)
        if unwrap(column)[0] != "ColumnRef" or typed is None or typed.type_name != "bool":
            return None
        return _Compared(_key(column), "=", _Value("bool", not negated, not negated))
    op = (strings(body.get("name")) or [""])[-1] if kind == "A_Expr" else ""
    if body.get("kind") != "AEXPR_OP" or op not in _TURNED:
        return None
    sides = [body.get("lexpr"), body.get("rexpr")]
    reading = [any(k == "ColumnRef" for k, _ in walk(side)) for side in sides]
    if reading.count(True) != 1:
        return None
    column, constant = sides if reading[0] else sides[::-1]
    normalized = _normalized(column, target.types, target.catalog)
    found = _value(constant, _typed(normalized, target.types, target.catalog), target)
    if found is None:
        return None
    value, converted = found
    op = op if reading[0] else _TURNED[op]
    if value.kind == "bool" and op == "<>":
        op, value = "=", _Value("bool", not value.least, not value.least)
    return _Compared(_key(normalized) + (f"::{converted}" if converted else ""), op, value)


def _value(constant: object, typed: Column | None, target: _Target
           ) -> tuple[_Value, str | None] | None:
    """Constant `constant` as a comparison with a key typed `typed` reads it, and the type
    the comparison converts the key to (None: kept; `int_col > 10.5` compares `int_col::
    numeric`, `types.key_conversion`): a number of a key of an integer type or numeric, a
    date or timestamp of one of those, a timestamptz of a timestamptz (a range of 16 hours
    either side when written without an offset: the session's TimeZone decides it), a
    string of a text or varchar (`text-bytes` when its collation orders by bytes), a
    boolean of a bool. None for another: a collation written (`s > 'z' COLLATE "C"` is no
    comparison of the column's collation, which the planner does not prove), a timestamptz
    with a date or timestamp (their comparison depends on the TimeZone: stable, which the
    planner never evaluates to prove), a date written with a time, anything not a
    constant."""
    if typed is None or typed.array:
        return None
    written = _spelling(constant)
    literal = const_value(constant)
    if written is None or literal is None:
        return None
    given = {"ival": "int4", "fval": "numeric", "sval": None, "boolval": "bool"}.get(
        written, written)
    column = typed.type_name
    # (the integers compare across their types in one operator family, text and varchar
    # as text: the planner proves `int_col > 20::bigint` from its `int_col > 0`)
    same = given is None or given == column or {given, column} <= _INTEGERS or \
        {given, column} <= _TEXTS
    converted = None if same else key_conversion(column, given)
    compared = converted or column
    text = str(literal)
    try:
        if compared in _NUMBERS and given in _NUMBERS | {None}:
            number = decimal.Decimal(text)
            if compared in _INTEGERS and number != number.to_integral_value():
                return None
            return _Value("number", number, number), converted
        if compared in _DATES and given in _DATES | {None}:
            if (compared == "date" or given == "date") and not _DATE_ONLY.fullmatch(text):
                return None
            moment = datetime.datetime.fromisoformat(text)
            return (_Value("time", moment, moment), converted) if moment.tzinfo is None \
                else None
        if compared == "timestamptz" and given in ("timestamptz", None):
            moment = datetime.datetime.fromisoformat(text)
            if moment.tzinfo is None:
                return _Value("instant", moment - _ZONES, moment + _ZONES), converted
            utc = moment.astimezone(datetime.timezone.utc).replace(tzinfo=None)
            return _Value("instant", utc, utc), converted
    except (ValueError, decimal.InvalidOperation):
        return None
    if compared in _TEXTS and given in _TEXTS | {None}:
        kind = "text-bytes" if in_byte_order(typed.collation, target.default_collation) \
            else "text"
        return _Value(kind, text.encode(), text.encode()), converted
    if compared == "bool" and (given == "bool" or given is None and text.lower() in (
            _TRUE | _FALSE)):
        truth = literal if isinstance(literal, bool) else text.lower() in _TRUE
        return _Value("bool", truth, truth), converted
    return None


#: A date as a date column reads it without doubt (`'2024-01-01 10:00'` is that day to a
#: date column, 10:00 that day to a timestamp one: not judged).
_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _order(value: _Value, other: _Value) -> int | None:
    """-1, 0 or 1 as `value` is less than, equal to or more than `other`, whichever each is
    in its range; None when not known: values of two kinds, ranges that overlap, two
    different strings whose collation does not order by bytes."""
    if value.kind != other.kind:
        return None
    if value.kind == "text":
        return 0 if value.least == other.least else None
    if value.most < other.least:  # type: ignore[operator]
        return -1
    if value.least > other.most:  # type: ignore[operator]
        return 1
    exact = value.least == value.most and other.least == other.most
    return 0 if exact and value.least == other.least else None


def _strict_for(condition: object, key: str) -> bool:
    """Whether `condition` (`_normalized`) is NULL wherever expression `key` is: an
    operator of `_STRICT` (LIKE is `~~`) with `key` an operand, or within one through such
    operators and casts (clause_is_strict_for: `n + 1 > 2` proves `n IS NOT NULL`)."""
    kind, body = unwrap(condition)
    if kind == "TypeCast":
        return _strict_for(body.get("arg"), key)
    if kind != "A_Expr" or body.get("kind") not in ("AEXPR_OP", "AEXPR_LIKE", "AEXPR_ILIKE") \
            or (strings(body.get("name")) or [""])[-1] not in _STRICT:
        return False
    return any(side is not None and (_key(side) == key or _strict_for(side, key))
               for side in (body.get("lexpr"), body.get("rexpr")))


def _citext_as_text(expr: object, key: str, columns: Mapping[str, Column],
                    catalog: Catalog) -> tuple[str, str] | None:
    """For an index key `key` (`expr` normalized; None for a bare column) that is a citext
    column or that column cast to text (`_normalized`: `name::varchar` is `name::text`):
    the key of the column and that of the column as text; None for another key."""
    column = columns.get(key) if expr is None else None
    if column is None and expr is not None:
        kind, body = unwrap(_normalized(expr, columns, catalog))
        inner = unwrap(body.get("arg"))[0] if kind == "TypeCast" else ""
        if inner != "ColumnRef" or body.get("type") != ["text", [], False]:
            return None
        column = columns.get(_key(body["arg"]))
        if column is None or not _is_citext(column):
            return None
        return _key(body["arg"]), key
    if column is None or not _is_citext(column):
        return None
    return key, _key(_normalized(_cast({"ColumnRef": {"fields": [
        {"String": {"sval": key}}]}}, "text"), columns, catalog))


def _is_citext(column: Column) -> bool:
    """Whether `column` (a column, or an expression's type) is of the citext extension's
    type, and no array of it."""
    return not column.array and column.type_name.rpartition(".")[2] == "citext"


#: Index expressions' keys found lately, by the expression's node: (the node, the column
#: types `_indexed` read it under, its key and collation). Each index of a table is looked up
#: for each UPDATE and DELETE of it: thousands of each normalized every index again (minutes).
_index_keys: dict[int, tuple[object, tuple, tuple[str, str | None]]] = {}


def _index_expression_key(expr: object, columns: Mapping[str, Column],
                          types: tuple | None, catalog: Catalog) -> tuple[str, str | None]:
    """`_key` of index expression `expr` `_normalized` under `columns`, whose types are
    `types` (None: found again, not kept), and the collation it has from its columns
    (`_typed`). (Kept under the default path only, where a function written bare is always
    `public`'s: `routines.function_schema`.)"""
    if types is not None:
        found = _index_keys.get(id(expr))
        if found is not None and found[0] is expr and found[1] == types:
            return found[2]
    normalized = _normalized(expr, columns, catalog)
    typed = _typed(normalized, columns, catalog)
    keyed = (_key(normalized), typed.collation if typed is not None else None)
    if types is not None:
        if len(_index_keys) >= 4096:
            _index_keys.clear()
        _index_keys[id(expr)] = (expr, types, keyed)
    return keyed


def _collation(names: list | None) -> str | None:
    """A COLLATE clause's collation as named (without pg_catalog; "default" as written, which
    wins over a column's own as any collation written does), None for none."""
    return (strings(names) or [None])[-1]


def _database_default(collation: str | None) -> str | None:
    """`collation` as an index key and a comparison are matched by (None: the database's
    default). "default" is a collation of its own to the server, never the same as "C" or
    another named one, even in a database whose default is C (checked on 18.6)."""
    return None if collation == "default" else collation


def _key(expr: object) -> str:
    """What `_indexed` files expression `expr` (`_normalized`) under: a column's name for a
    bare column, else `_expression_key`."""
    kind, body = unwrap(expr)
    fields = strings(body.get("fields")) if kind == "ColumnRef" else ()
    return fields[0] if len(fields) == 1 else _expression_key(expr)


def _expression_key(expr: object) -> str:
    """Expression `expr` (a JSON parse tree, column references bare) as one string, to
    compare with another (the parser writes a node's keys in one order): never a column's
    name."""
    return json.dumps(expr)


def _normalized(expr: object, columns: Mapping[str, Column],
                catalog: Catalog | None) -> object:
    """Expression `expr` (column references bare, of `columns`) as the server resolves it,
    to match an index's with a condition's: each function named with its schema (a
    built-in's pg_catalog, written or not; another's the schema the search_path gives),
    how the call was spelled left out (`ts AT TIME ZONE 'UTC'` is `timezone('UTC', ts)`),
    each cast by its type's name, and the casts of a column that keep its values under its
    operator class left out (`lower(vc::text)` is `lower(vc)` for a varchar `vc`)."""
    def resolved(item: object) -> object:
        kind, body = unwrap(item) if type(item) is dict and len(item) == 1 else ("", {})
        if kind == "FuncCall":
            names = strings(body.get("funcname"))
            if len(names) == 1:
                names = ["pg_catalog" if names[0] in builtin_functions() else
                         function_schema(catalog, names[0]), names[0]]
            return {kind: {**{k: v for k, v in body.items()
                              if k not in ("funcname", "funcformat")},
                           "funcname": names,
                           "args": _normalized(body.get("args"), columns, catalog)}}
        if kind != "TypeCast":
            return None
        arg = _normalized(body.get("arg"), columns, catalog)
        if "sval" in unwrap(arg)[1]:
            return arg  # the server types an untyped literal as its place asks: the same
        name, mods, array = type_name(body.get("typeName"))
        typed = _typed(arg, columns, catalog)
        if typed is not None and not array and not typed.array and cast_keeps_index_key(
                typed.type_name, typed.typmods, name, mods):
            return arg
        if name == "varchar" and not mods and not array and typed is not None and \
                _is_citext(typed):
            name = "text"  # (both binary casts of it, which the planner strips alike)
        return {kind: {"arg": arg, "type": [name, list(mods), array]}}

    # (without a call or a cast the copy would equal `expr`: it is the answer itself, read
    # only as `_key` writes it; a function's arguments are most often so)
    if not any(kind in _RESOLVED for kind, _ in walk(expr)):
        return expr
    return rebuilt(expr, resolved)


#: The nodes `_normalized` writes otherwise.
_RESOLVED = frozenset({"FuncCall", "TypeCast"})


def _typed(expr: object, columns: Mapping[str, Column],
           catalog: Catalog | None = None) -> Column | None:
    """What the planner knows of expression `expr` (`_normalized`, column references bare,
    of `columns`) as an index key: the column it is, else its type (and typmods) as a
    column of no name: a cast's, or the type a function returns called with its
    arguments': a built-in immutable one's (`types.builtin_return_type`: `lower(name)` is
    text, `length(name)` int4), one of the migrations' as `catalog` replayed it
    (`overloads.returned_type`: `norm(name)` of a `RETURNS text`); None when not evident
    (another's function, an operator)."""
    kind, body = unwrap(expr)
    if kind == "ColumnRef":
        return columns.get(_key(expr))
    if kind == "TypeCast" and "type" in body:
        name, mods, array = body["type"]
        typed = _typed(body.get("arg"), columns, catalog)
        return Column("", name, tuple(mods), array=array, collation=_derived_collation(
            name, array, [typed] if typed is not None else []))
    names = body.get("funcname") or () if kind == "FuncCall" else ()  # (as `_normalized`
    if len(names) != 2 or body.get("agg_star"):  # writes it)
        return None
    overloads = None if names[0] == "pg_catalog" or catalog is None else \
        catalog.kept_routines.get(f"{names[0]}.{names[1]}")
    if names[0] != "pg_catalog" and not overloads:
        return None
    args: list[str | None] = []
    typed_args = []
    for arg in body.get("args") or ():
        typed = _typed(arg, columns, catalog)
        args.append(f"{typed.type_name}[]" if typed is not None and typed.array else
                    typed.type_name if typed is not None else constant_type(arg))
        typed_args += [typed] if typed is not None else []
    found = returned_type(overloads, args) if overloads else \
        builtin_return_type(names[1], args)
    if not found:
        return None
    element = found.removesuffix("[]")
    return Column("", element, array=element != found,
                  collation=_derived_collation(found, False, typed_args))


def _derived_collation(type_name: str, array: bool, args: list[Column]) -> str | None:
    """The collation a value of string type `type_name` computed from `args` has, written
    on none: the one collation of its arguments that have one (`lower(cc)` of a column
    COLLATE "C" is in "C": its plain index serves a prefix, checked on 18.6), None (the
    database's default) for several, none, or a result of another type."""
    if array or type_name not in _PATTERN_CLASSES:
        return None
    found = {arg.collation for arg in args if arg.collation and not arg.array}
    return found.pop() if len(found) == 1 else None


def null_tested_column(stmt: dict, columns: set[str], test: str = "IS_NULL") -> str | None:
    """The column of UPDATE / DELETE `stmt`'s target, one of `columns` (each NULL in every
    row), whose IS NULL makes its whole WHERE true of every row (`WHERE c IS NULL`, `WHERE
    t.c IS NULL`): the first when the WHERE ANDs such tests and conditions true by their
    literals alone, or when it ORs one with anything (`c IS NULL OR v = 1`), read with its
    NOTs moved inward as the planner moves them (`NOT (c IS NOT NULL)` is `c IS NULL`);
    None for any other WHERE: another condition still picks the rows. With `test`
    "IS_NOT_NULL", the same of IS NOT NULL, for `columns` NOT NULL in every row."""
    return _every_row(stmt.get("whereClause") or {}, _Target(stmt, columns), test)


def _every_row(node: object, target: _Target, test: str, negated: bool = False) -> str | None:
    """The column of `target.columns` whose IS NULL makes condition `node` (its negation
    when `negated`) true of every row (as `null_tested_column` says), None when it may be
    false of some."""
    node, negated, junction = _inward(node, negated)
    if junction:
        args = unwrap(node)[1].get("args") or ()
        found = [_every_row(arg, target, test, negated) for arg in args]
        # (a part true by its literals, under the NOTs too, holds of every row: `NOT (c IS
        # NOT NULL OR false)` is `c IS NULL AND true`)
        if junction == "AND_EXPR" and any(
                column is None and _truth(arg, negated) is not True
                for column, arg in zip(found, args, strict=True)):
            return None
        return next((column for column in found if column), None)
    column = _null_tested(node, target, test, negated)
    return column if column in target.columns else None


def _inward(node: object, negated: bool) -> tuple[object, bool, str | None]:
    """Condition `node` (its negation when `negated`) as the planner reads it, the NOTs
    around it moved inward: the condition under them, whether it is negated (an odd count
    of NOTs), and for an AND or OR which of the two it is once so (De Morgan's laws: `NOT
    (a AND b)` is `NOT a OR NOT b`), "AND_EXPR" or "OR_EXPR"; None for another condition."""
    kind, body = unwrap(node)
    while kind == "BoolExpr" and body.get("boolop") == "NOT_EXPR" and body.get("args"):
        node, negated = body["args"][0], not negated
        kind, body = unwrap(node)
    op = body.get("boolop") if kind == "BoolExpr" else None
    if op not in ("AND_EXPR", "OR_EXPR"):
        return node, negated, None
    return node, negated, ({"AND_EXPR": "OR_EXPR", "OR_EXPR": "AND_EXPR"}[op] if negated
                           else op)


def _truth(node: object, negated: bool) -> bool | None:
    """The value condition `node` (its negation when `negated`) has by its literals alone, as
    the planner folds it (checked on 18.6: `NOT (v = 2 OR true)` is a One-Time Filter: false,
    and `id = 1 OR (v = 2 AND false)` an Index Cond on id alone); None when it depends on a
    row. NULL, negated too (NOT NULL is NULL), is false: the WHERE keeps no row for it, and
    the planner, which reads the NOTs inward, drops it from an OR and makes an AND with it
    false (checked on 18.6: `NOT (a = 1 OR NULL)` and `a = 1 AND NULL` are a One-Time
    Filter: false, `a = 1 OR NOT (b = 2 OR NULL)` an Index Cond on a alone, `NOT (b = 2 AND
    NULL)` a Seq Scan with Filter `b <> 2`)."""
    # (NULL is `negated` itself, so that the negation below makes it false either way)
    value = constant_truth(node, null=negated)
    return None if value is None else value is not negated


def _null_tested(node: object, target: _Target, test: str = "IS_NULL",
                 negated: bool = False) -> str | None:
    """The target's column that condition `node` (its negation when `negated`: `NOT (c IS
    NULL)` is `c IS NOT NULL`) tests IS NULL (`test`), if it is such a test."""
    kind, body = unwrap(node)
    arg_kind, arg = unwrap(body.get("arg")) if kind == "NullTest" else ("", {})
    return target.column(strings(arg.get("fields"))) if arg_kind == "ColumnRef" and \
        (body.get("nulltesttype") == test) is not negated else None


class _Target:
    """The statement's target table as its WHERE names it: its alias, else its name."""

    def __init__(self, stmt: dict, columns: set[str]) -> None:
        relation = stmt.get("relation") or {}
        alias = (relation.get("alias") or {}).get("aliasname")
        self.names = {alias} if alias else {relation.get("relname", "")}
        self.columns = columns
        #: Its columns whose IS NULL the planner takes for false (PostgreSQL 17+).
        self.never_null: set[str] = set()
        #: Its columns NULL in every row (`Context.null_columns`): IS NULL of one is true.
        self.all_null: set[str] = set()
        #: Its columns as the catalog knows them (their types and collations), by name.
        self.types: Mapping[str, Column] = {}
        #: The catalog (the types a cast names).
        self.catalog: Catalog | None = None
        #: The database's default collation (`Context.default_collation`; None: not known).
        self.default_collation: str | None = None
        #: Whether its expressions are printed with casts as `x::t` (`_typed_target`).
        self.postfix_casts = True

    def sql(self, tree: object) -> PrintedSql:
        """Expression `tree` (of the statement) as advice prints it."""
        return PrintedSql(tree, postfix_casts=self.postfix_casts)  # type: ignore[arg-type]

    def column(self, fields: list[str]) -> str | None:
        """The target's column a ColumnRef names (`fields`), None for another relation's."""
        if not fields:
            return None
        if len(fields) == 1:
            return fields[0] if fields[0] in self.columns or fields[0] == _ROW_ADDRESS \
                else None
        return fields[-1] if fields[-2] in self.names else None

    def bare(self, node: object) -> object:
        """`node` with the target's column references bare, as an index's are."""
        return with_column_refs(node, lambda written: [self.column(written) or ""]
                                if len(written) > 1 and self.column(written) else None)

    def columns_in(self, node: object) -> set[str]:
        """The target's columns `node` reads, not counting those inside subqueries (their
        own FROM lists see other relations)."""
        return {column for body in walked_bodies_of_kind(node, "ColumnRef", "subselect")
                if (column := self.column(strings(body.get("fields"))))}


#: Each B-tree comparison operator's negator: `NOT (a < 5)` is planned as `a >= 5`, which
#: an index serves, and `NOT (a = 5)` as `a <> 5`, which none does (checked on 18.6).
_NEGATOR = {"=": "<>", "<>": "=", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}

#: How the parser names the pattern matches; their `!` operators are the NOT forms.
_MATCHES = {"AEXPR_LIKE": "LIKE", "AEXPR_ILIKE": "ILIKE", "AEXPR_SIMILAR": "SIMILAR TO"}


def _served(node: object, target: _Target, indexed: set[str], negated: bool = False) -> bool:
    """Whether an index (or a row address range) may serve condition `node` (its negation
    when `negated`: the planner moves a NOT inward, to an operator's negator where it has
    one, `NOT (a > 5)` to `a <= 5`, and by De Morgan's laws through AND and OR)."""
    node, negated, junction = _inward(node, negated)
    truth = _truth(node, negated)
    if truth is not None:
        # (false: no row is read, nothing to serve; true: it limits nothing, no index serves
        # it: in an AND the other parts may, an OR with it reads every row)
        return not truth
    kind, body = unwrap(node)
    if junction:
        served = (_served(a, target, indexed, negated) for a in body.get("args") or ())
        return all(served) if junction == "OR_EXPR" else any(served)
    if _anti_join(node, negated):
        return False  # every row is tried for those without a match
    if kind == "CurrentOfExpr" or kind == "SubLink" and \
            body.get("subLinkType") == "EXISTS_SUBLINK":
        return True
    if _unindexable(node, negated):
        return False  # a B-tree finds equal values or a range, not the values that differ
    tested = _null_tested(node, target, "IS_NULL", negated)
    if tested is not None and tested in target.never_null:
        return True  # false: nothing to read
    if tested is not None and tested in target.all_null:
        return False  # true of every row: through an index of it, each is read
    if _null_tested(node, target, "IS_NOT_NULL", negated) in target.never_null:
        return False  # true of every row: the planner drops it (17+) and reads them all
    return any(_key_serves(how, op, collation, other, target.default_collation)
               for key, other, op, collation, _ in _operands(node, target, negated)
               for how in indexed.get(key, ()))


#: A comparison with its sides swapped: `5 < a` is `a > 5`.
_COMMUTED = {"=": "=", "<": ">", ">": "<", "<=": ">=", ">=": "<="}

#: The operator the server compares by for each pattern match the parser names by its kind
#: (SIMILAR TO is made a regular expression match).
_MATCH_OPERATORS = {"AEXPR_LIKE": "~~", "AEXPR_ILIKE": "~~*", "AEXPR_SIMILAR": "~"}

#: The pattern matches whose pattern's fixed prefix a B-tree may serve: LIKE, ILIKE,
#: SIMILAR TO (as the parser names them) and the regular expression operators.
_PREFIXED = frozenset((*_MATCHES, "~", "~*"))


def _operands(node: object, target: _Target, negated: bool = False,
              skipped: list[str] | None = None, unmatched: bool = False
              ) -> Iterator[tuple[str, object, str, str | None, object]]:
    """Each way the planner may look condition `node` (its negation when `negated`: `NOT (a
    <> 5)` is `a = 5`) up in an index: the key (a column of the target, or an expression of
    its columns, as `_indexed` files it), the other side it is compared with (None for a
    test of the key alone), the operator (the parser's kind for a pattern match, `IS
    NULL`), the collation of the comparison (written, else the column's), and the key as
    written (its column references bare). The other side must not read the target's own
    columns (`a = b` is no lookup of either), nor call a volatile function outside a
    subquery (`id = nextval('s')`: no one value to look up; `now()`, stable, is one; a
    migration's function as `volatility.calls_volatile` judges it, by how the planner runs
    it), nor be of a type that converts a bare column key (`int_col = 5.5`:
    `_converting_type`), each checked on 18.6 (`skipped` gets why, for a column key,
    `_skipped_text`), nor a pattern match no index serves (`_unindexed_match`: yielded
    still when `unmatched`, for the advice to write what does). A condition of another
    form is its own key (`flag`, `f(a)`: an index of it serves it as `= true`)."""
    kind, body = unwrap(node)
    sides: list[tuple[object, object, str]] = []
    if kind == "A_Expr":
        expr_kind, lexpr, rexpr = body.get("kind", ""), body.get("lexpr"), body.get("rexpr")
        op = (strings(body.get("name")) or [""])[-1]
        if op == "<>" and any("boolval" in unwrap(side)[1] for side in (lexpr, rexpr)):
            op = "="  # `flag <> true` is `flag = false`
        if negated:
            op = _NEGATOR.get(op, op)  # (`_unindexable` took those no index serves)
        if expr_kind == "AEXPR_OP" and lexpr is not None:
            sides = [(lexpr, rexpr, op), (rexpr, lexpr, _COMMUTED.get(op, ""))]
        elif expr_kind in _MATCHES:
            sides = [(lexpr, rexpr, expr_kind)]
        elif expr_kind in ("AEXPR_OP_ANY", "AEXPR_OP_ALL", "AEXPR_IN"):
            sides = [(lexpr, rexpr, op)]
        elif expr_kind.startswith(("AEXPR_BETWEEN", "AEXPR_NOT_BETWEEN")):
            sides = [(lexpr, rexpr, "<")]
    elif kind == "NullTest":
        sides = [(body.get("arg"), None, "IS NULL")]
    elif kind == "BooleanTest":
        sides = [(body.get("arg"), None, "=")]
    elif kind == "SubLink":
        if body.get("subLinkType") == "ANY_SUBLINK":
            sides = [(body.get("testexpr"), None,
                      (strings(body.get("operName")) or ["="])[-1])]
    else:
        sides = [(node, None, "=")]
    for key, other, op in sides:
        if other is not None and target.columns_in(other):
            continue
        volatile = other is not None and calls_volatile(other, target.catalog)
        keys = unwrap(key)[1].get("args") or () if unwrap(key)[0] == "RowExpr" else (key,)
        for each in keys:  # (a row comparison is looked up by its columns)
            written, collation = _uncollated(each)
            other_collation = _uncollated(other)[1] if other is not None else None
            bare = target.bare(written)
            normalized = _normalized(bare, target.types, target.catalog)
            found = _key(normalized)
            column = target.types.get(found)
            typed = column or _typed(normalized, target.types, target.catalog)
            converted = _converting_type(typed, other, target.catalog, between=(
                "BETWEEN" in unwrap(node)[1].get("kind", ""))) \
                if typed is not None and other is not None else None
            match = _unindexed_match(typed, op, other) \
                if typed is not None and not unmatched else None
            cast = converted or _operator_conversion(typed, op) \
                if typed is not None and not volatile and not match else None
            if cast:
                # (looked up as the server converts it: an index of that cast serves it,
                # `(length(ln)::numeric)` of `length(ln) = 5.5`, `(code::text)` of `code %
                # 'x'`, checked on 18.6)
                if skipped is not None and converted:
                    name = quote_ident(found) if column is not None else str(target.sql(bare))
                    skipped.append(_skipped_text(name, typed, converted, unwrap(other)[0] in (
                        "List", "A_ArrayExpr") and "BETWEEN" not in unwrap(node)[1].get(
                            "kind", "")))
                bare = _cast(bare, cast)
                normalized = _normalized(bare, target.types, target.catalog)
                found, column = _key(normalized), None
                typed, converted = _typed(normalized, target.types, target.catalog), None
            if volatile or converted or match:
                if skipped is not None and typed is not None:
                    name = quote_ident(found) if column is not None else str(target.sql(bare))
                    skipped.append(match[0].format(name=name) if match else
                                   _skipped_text(name, typed, converted))
                continue
            yield found, other, op, _database_default(collation or other_collation or (
                typed.collation if typed is not None and typed.collation else
                _own_collation(other, target.catalog))), bare


def _cast(expr: object, type_name: str) -> dict:
    """Expression `expr` cast to type `type_name` (a parse tree)."""
    return {"TypeCast": {"arg": expr, "typeName": {
        "names": [{"String": {"sval": type_name}}], "typemod": -1}}}


def _operator_conversion(key: Column, op: str) -> str | None:
    """The type the server converts key `key` to for an operator `op` that only GIN or GiST
    serve, which no operator class of its type holds but one of that type does: char(n) to
    text for pg_trgm's `%` (gin_trgm_ops refuses char(n); `code % 'x'` is `code::text % 'x'`,
    served by a trigram index of `(code::text)`, checked on 18.6); None for another."""
    if key.array or key.type_name != "bpchar" or op in _COMPARISONS or op in _PREFIXED \
            or op == "IS NULL" or other_index_method(key.type_name, False, op) is not None:
        return None
    return "text" if other_index_method("text", False, op) is not None else None


def _unindexed_match(key: Column, op: str, pattern: object) -> tuple[str, str | None] | None:
    """Why no index of any kind serves the match by `op` of `pattern` that key `key` (a
    column, or an expression's type) is looked up by (a text with `{name}` for the key), and
    the type of a cast of the key whose index serves the match written on that cast (None:
    none said); None for another match: a citext's (its own operator, case-insensitive:
    neither a B-tree of citext_ops, citext_pattern_ops or text_pattern_ops nor pg_trgm's GIN
    of it serves it; `= 'x'` its B-tree does), or a char(n)'s with no fixed prefix (pg_trgm's
    classes refuse char(n), and its operator takes the value with its padding: an index of
    `::text` is no key of it, but serves `key::text LIKE ...`), each checked on 18.6."""
    if op not in _PREFIXED or key.array:
        return None
    match = _MATCHES.get(op, op)
    kind = key.type_name.rpartition(".")[2]
    if kind == "citext":
        return (f"serves the {match} of {{name}} (citext matches a pattern case-insensitively, "
                f"by an operator of its own that no index holds: compare {{name}}::text, or "
                f"lower({{name}}::text), in the WHERE and index that)", None)
    if kind == "bpchar" and _pattern_prefix(op, pattern) is False:
        return (f"serves the {match} of {{name}} with no fixed prefix (no trigram operator "
                f"class takes char(n), whose pattern is matched with its padding: compare "
                f"{{name}}::text in the WHERE and index that with gin_trgm_ops)", "text")
    return None


def _converting_type(column: Column, other: object, catalog: Catalog | None,
                     between: bool = False) -> str | None:
    """The type to which comparing `column` with `other` converts the column, which its
    B-tree does not hold (`types.key_conversion`: the value's, text for a citext; for each
    type `other` evidently has: a literal's, a cast's; an IN list or an ARRAY's elements
    have one type together, any bound of a BETWEEN may be looked up alone); None when the
    column is kept as it is, or `other` is an expression of no evident type."""
    if catalog is None or column.array:
        return None
    kind, body = unwrap(other)
    values = body.get("items") or () if kind == "List" else \
        body.get("elements") or () if kind == "A_ArrayExpr" else [other]
    types = [(evident_type(catalog, value, None) or "").removesuffix("[]") for value in values]
    converting = [c for t in types if (c := key_conversion(column.type_name, t))]
    return None if not converting or between and len(converting) < len(types) \
        else converting[0]


def _own_collation(value: object, catalog: Catalog | None) -> str | None:
    """The collation of its own (`types.type_collation`) that `value`'s evident type has
    (name's, "C"), which wins over the database's default one of a column it is compared
    with: `text_col = 'x'::name` compares under "C" (no index of the default serves it,
    one of `text_col COLLATE "C"` does: checked on 18.6); None for another value."""
    if value is None or catalog is None:
        return None
    kind, body = unwrap(value)
    if kind in ("List", "A_ArrayExpr"):
        # (an IN list or ARRAY of such values compares under it too: `text_col IN
        # ('x'::name, 'y'::name)` is `= ANY (... COLLATE "C")`, checked on 18.6)
        found = {_own_collation(item, catalog)
                 for item in body.get("items") or body.get("elements") or ()} - {None}
        return found.pop() if len(found) == 1 else None
    return type_collation((evident_type(catalog, value, None) or "").removesuffix("[]"))


def _skipped_text(name: str, column: Column, converted: str | None,
                  listed: bool = False) -> str:
    """Why the comparison of key `name` (a column's quoted name, or an expression as SQL) of
    type `column.type_name` with a value (with the values of an IN list or ARRAY when
    `listed`) is no lookup in its index: the value is of type `converted`, or else a
    volatile function's."""
    if converted and listed:
        # (`n IN (1, 2.5)` is `(n)::numeric = ANY ('{1,2.5}'::numeric[])`: a Seq Scan even
        # with sequential scans off, checked on 18.6, fix-pg81)
        return f"serves the list of values {name} ({column.type_name}) is compared with, " \
               f"one of them {converted} (the parser gives the list's values one type, " \
               f"{converted}, and compares {name}::{converted} = ANY (the list), which its " \
               f"indexes do not hold: write each value as {column.type_name})"
    if converted:
        return f"serves the comparison of {name} ({column.type_name}) with a {converted} " \
               f"value (the parser converts {name} to {converted}, which its indexes do not " \
               f"hold: write the value as {column.type_name})"
    return f"serves the comparison of {name} with a volatile function's value (one for " \
           f"each row, none to look up in an index)"


def _looked_up(node: object, target: _Target, negated: bool = False,
               skipped: list[str] | None = None, unmatched: bool = False
               ) -> Iterator[tuple[object, str, object]]:
    """The keys (as written, bare) by which an index could serve condition `node` (its
    negation when `negated`), each with its operator and the other side (as `_operands`
    yields them): what each of its conditions compares
    with what reads none of the table's columns; not in those that keep the rows whose value
    differs, nor in an anti join (no index serves them). `skipped`, `unmatched`: as
    `_operands` takes them."""
    node, negated, junction = _inward(node, negated)
    if junction:
        for arg in unwrap(node)[1].get("args") or ():
            yield from _looked_up(arg, target, negated, skipped, unmatched)
    elif _truth(node, negated) is None and not _anti_join(node, negated) and \
            not _unindexable(node, negated):
        yield from ((bare, op, other) for _, other, op, _, bare
                    in _operands(node, target, negated, skipped, unmatched))


def _index_elements(target: _Target, where: object, columns: tuple[str, ...]
                    ) -> tuple[str, list, str | None, str | JoinedSql | None]:
    """What an index serving `where` would be, as CREATE INDEX writes it: its USING clause
    ("" for a B-tree), its elements, the extension its operator class needs (None for a
    built-in one), and what the WHERE must compare for it to serve ("" for the WHERE as
    written; None when no index serves its keys: none is advised). A B-tree of each key
    `_looked_up` finds compared by its operators once (a column by its name, an expression
    in parentheses); else, of the first key compared by an operator only GIN or GiST serves
    (`@@`, `@>`, `&&`, `%`, a pattern match with no fixed prefix: `LIKE '%x%'`), an index
    of the method and operator class `types.other_index_method` says (pg_trgm's
    gin_trgm_ops for the pattern: checked on 18.6), of the key cast as `_unindexed_match`
    says where no index serves the key itself (char(n): `(code::text) gin_trgm_ops`); else
    a B-tree of the target's `columns` it reads; none when its only keys are matches no
    index serves (citext's). A key whose pattern has a fixed prefix (`LIKE 'x%'`) is held
    by the pattern class of its type, an expression's as a function returns it
    (`_pattern_class`, `_typed`); a key the comparison converts, as `_operands` yields it
    (cast: `((length(name)::numeric))`), and one compared with a value of a collation of its
    own in that collation (`((lower(name)) COLLATE "C")` of `= 'x'::name`)."""
    elements: list = []
    seen: set[str] = set()
    other: tuple[str, list, str | None, str | JoinedSql] | None = None
    unserved = False
    for bare, op, value in _looked_up(where, target, unmatched=True):
        key = _key(bare)
        typed = target.types.get(key) or _typed(
            _normalized(bare, target.types, target.catalog), target.types, target.catalog)
        match = _unindexed_match(typed, op, value) if typed is not None else None
        if match is not None and match[1] is None:
            unserved = True
            continue
        unprefixed = op in _PREFIXED and _pattern_prefix(op, value) is False
        if unprefixed or op not in _COMPARISONS and op not in _PREFIXED and op != "IS NULL":
            cast = match[1] if match is not None else None
            how = other_index_method(cast or (typed.type_name if typed is not None else None),
                                     typed is not None and typed.array and not cast,
                                     _MATCH_OPERATORS.get(op, op))
            if other is None and how is not None:
                element = _element(target, key, bare)
                if cast:
                    element = JoinedSql("(", element, f"::{cast})")
                other = (f" USING {how[0]}",
                         [JoinedSql(element, f" {how[1]}") if how[1] else element], how[2],
                         JoinedSql(element, f" {_MATCHES.get(op, op)} ...") if cast else "")
            if how is not None or not unprefixed:
                continue
        if key not in seen:
            seen.add(key)
            element = _element(target, key, bare)
            opclass = _pattern_class(typed, target.default_collation) \
                if op in _PREFIXED and _pattern_prefix(op, value) else None
            own = _own_collation(value, target.catalog) if op in _COMPARISONS else None
            if own and typed is not None and typed.collation != own:
                # (`lower(name) = 'x'::name` compares under "C": an index of the key in
                # "C" serves it, checked on 18.6)
                element = JoinedSql(element, f" COLLATE {quote_ident(own)}")
            elements.append(JoinedSql(element, f" {opclass}") if opclass else element)
    if elements or other is None:
        return "", elements or [quote_ident(c) for c in columns], None, \
            None if unserved and not elements else ""
    return other


#: The operator class of the pattern family (byte order) for a key of each type, by its type.
_PATTERN_CLASSES = {"text": "text_pattern_ops", "varchar": "varchar_pattern_ops",
                    "bpchar": "bpchar_pattern_ops"}


def _pattern_class(column: Column | None, default_collation: str | None) -> str | None:
    """The operator class a B-tree of key `column` needs to serve the prefix of a pattern
    (`LIKE 'x%'`, `~ '^x'`): the pattern family's for its type (checked on 18.6:
    text_pattern_ops of text, varchar_pattern_ops of varchar, bpchar_pattern_ops of char(n),
    which refuses the other two; with the default class each is a Seq Scan); None when the
    column's own collation, else the database's `default_collation`, is in byte order (its
    default class serves the prefix, and ranges too) or its type has no such class."""
    if column is None or column.array or in_byte_order(column.collation, default_collation):
        return None
    return _PATTERN_CLASSES.get(column.type_name)


def _element(target: _Target, key: str, bare: object) -> str | JoinedSql:
    """Key `key` (`bare` as written) as an index element: a column by its name, an
    expression in parentheses."""
    return quote_ident(key) if key in target.columns else \
        JoinedSql("(", target.sql(bare), ")")


def _uncollated(expr: object) -> tuple[object, str | None]:
    """Expression `expr` without the COLLATE clause around it, and its collation."""
    kind, body = unwrap(expr)
    return (body.get("arg"), _collation(body.get("collname"))) if kind == "CollateClause" \
        else (expr, None)


def _key_serves(how: _IndexKey, op: str, collation: str | None, other: object,
                default_collation: str | None = None) -> bool:
    """Whether an index key held `how` serves a lookup by operator `op` under `collation`
    of what `other` gives (checked on 18.6): a B-tree a comparison under its own collation,
    the IS NULL of its key, a LIKE without wildcard (under any collation: an equality under
    the key's), the prefix of a pattern (under any collation) only when the key's
    collation is in byte order (None being the database's `default_collation`) or
    with an operator class of the pattern family (`text_pattern_ops`), which serves no
    range; a hash index an equality alone. An index of another access method counts for
    any condition on its key (its operator classes are not modelled)."""
    if how.method not in (_BTREE, _HASH):
        return True
    if op == "IS NULL" or how == _NULLS_ONLY:
        return how.method == _BTREE and op == "IS NULL"
    if op in _PREFIXED:
        prefix = _pattern_prefix(op, other)
        if prefix is None and how.method == _BTREE and not how.opclass:
            # no wildcard: an equality, which the planner makes under the index's collation,
            # whatever the pattern's (`email COLLATE "C" LIKE 'e5'` uses a plain index)
            return True
        if prefix is None:
            op = "="
        elif how.method == _BTREE and prefix:
            # The prefix's range is compared under the index's collation, whatever the
            # pattern's (`email COLLATE "POSIX" LIKE 'e5%'` uses an index of "C").
            return (how.opclass or "").endswith("_pattern_ops") or \
                in_byte_order(how.collation, default_collation)
        else:
            return False
    if how.method == _HASH or (how.opclass or "").endswith("_pattern_ops"):
        return op == "=" and collation == how.collation
    return op in _COMPARISONS and collation == how.collation


#: What makes a pattern's next character no longer fixed, by how it matches.
_WILDCARDS = {"AEXPR_LIKE": "%_", "AEXPR_ILIKE": "%_", "AEXPR_SIMILAR": "%_|*+?{}()[]\\",
              "~": ".[](){}*+?|\\^$", "~*": ".[](){}*+?|\\^$"}


def _pattern_prefix(op: str, pattern: object) -> bool | None:
    """Whether the pattern a match by `op` (a `_PREFIXED`) compares with starts with a
    fixed prefix, as the planner reads one for an index: not behind a leading wildcard,
    anchored (`^`) for a regular expression, not a letter for a case-insensitive match;
    None for a LIKE without any wildcard (an equality). A pattern that is not a string
    literal counts as having one (its value may be known when the statement is planned)."""
    kind, body = unwrap(pattern)
    if kind == "FuncCall" and op == "AEXPR_SIMILAR":  # (the parser's similar_to_escape)
        kind, body = unwrap((body.get("args") or [None])[0])
    value = const_value({kind: body}) if kind else None
    if not isinstance(value, str):
        return True
    if op in ("~", "~*"):
        if not value.startswith("^"):
            return False
        value = value[1:]
    elif op == "AEXPR_LIKE" and not any(c in value for c in "%_\\"):
        return None
    first = value[:1]
    if not first or first in _WILDCARDS[op]:
        return False
    return not (op in ("AEXPR_ILIKE", "~*") and first.lower() != first.upper())


def _unindexable(node: object, negated: bool = False) -> str | None:
    """How condition `node` (its negation when `negated`) is written when it keeps the rows
    whose value differs from, or does not match, another: `<>`, `NOT IN (list)`, `<> ALL
    (array)`, IS [NOT] DISTINCT FROM, NOT LIKE, `!~`, IS NOT TRUE / FALSE, or a NOT of an
    operator without a negator, which no index serves (the planner reads every row, even
    with sequential scans disabled: checked on 18.6); None for any other condition.
    `flag <> true` is `NOT flag`, and so `flag = false`, which an index of `flag` serves."""
    kind, body = unwrap(node)
    if kind == "BooleanTest":
        test = body.get("booltesttype", "")
        if negated:
            test = test.replace("IS_NOT_", "IS_") if "_NOT_" in test else \
                test.replace("IS_", "IS_NOT_")
        return test.replace("_", " ") if test.startswith("IS_NOT_") else None
    if kind != "A_Expr":
        return None
    expr_kind = body.get("kind", "")
    op = (strings(body.get("name")) or [""])[-1]
    if expr_kind in ("AEXPR_DISTINCT", "AEXPR_NOT_DISTINCT"):
        return "IS DISTINCT FROM" if (expr_kind == "AEXPR_DISTINCT") is not negated \
            else "IS NOT DISTINCT FROM"
    if expr_kind in _MATCHES:
        return f"NOT {_MATCHES[expr_kind]}" if op.startswith("!") is not negated else None
    if expr_kind == "AEXPR_IN":
        return "NOT IN (list)" if (op == "<>") is not negated else None
    if expr_kind in ("AEXPR_OP_ANY", "AEXPR_OP_ALL"):
        every = (expr_kind == "AEXPR_OP_ALL") is not negated
        effective = _NEGATOR.get(op) if negated else op
        if not every and effective in _NEGATOR and effective != "<>":
            return None
        return f"{effective or f'NOT {op}'} {'ALL' if every else 'ANY'} (array)"
    if expr_kind != "AEXPR_OP" or any("boolval" in unwrap(body.get(side))[1]
                                      for side in ("lexpr", "rexpr")):
        return None
    if not negated:
        return op if op == "<>" or op.startswith("!") else None
    negator = _NEGATOR.get(op)
    if op.startswith("!") or negator not in (None, "<>"):
        return None  # NOT (a !~ b) is a ~ b, NOT (a > 5) is a <= 5: served as such
    return negator or f"NOT ({op})"


def _anti_join(node: object, negated: bool = False) -> str | None:
    """How SubLink `node` (its negation when `negated`) is written when it keeps the rows
    with no match in a subquery (`NOT EXISTS`, `NOT IN (subquery)`, `<> ALL (subquery)`): an
    anti join, or a filter by the subquery's rows (an ALL is never made a join), that no
    index of the table serves; None for any other condition."""
    kind, body = unwrap(node)
    if kind != "SubLink":
        return None
    if not negated:
        return f"{'.'.join(strings(body.get('operName')))} ALL (subquery)" \
            if body.get("subLinkType") == "ALL_SUBLINK" else None
    return {"EXISTS_SUBLINK": "NOT EXISTS", "ANY_SUBLINK": "NOT IN (subquery)"}.get(
        body.get("subLinkType", ""), "NOT (subquery)")


def _first_in(node: object, named: Callable[[object, bool], str | None],
              negated: bool = False) -> str | None:
    """The first condition that `node` is, ANDs or ORs (under a NOT when `negated`) that
    `named` (`_anti_join`, `_unindexable`) names, as it names it."""
    kind, body = unwrap(node)
    if kind != "BoolExpr":
        return named(node, negated)
    inner = negated is not (body.get("boolop") == "NOT_EXPR")
    return next(filter(None, (_first_in(arg, named, inner) for arg in body.get("args") or ())),
                None)


def batch_bound_sql(stmt: dict, kind: str, key: str, qualify: bool) -> PrintedSql:
    """`stmt` (an UPDATE or DELETE) with its WHERE ANDed with the first batch's range of
    `key` (an integer key column, or `ctid` for row address pages), named through the
    target (its alias, else its name as written) when `qualify`: a FROM / USING list beside
    it may have a column of the same name."""
    relation = stmt.get("relation") or {}
    alias = (relation.get("alias") or {}).get("aliasname")
    prefix = [alias] if alias else [n for n in (relation.get("schemaname"),
                                                relation.get("relname")) if n]
    fields = [{"String": {"sval": n}} for n in (*(prefix if qualify else ()), key)]

    def bound(op: str, value: dict) -> dict:
        return {"A_Expr": {"kind": "AEXPR_OP", "name": [{"String": {"sval": op}}],
                           "lexpr": {"ColumnRef": {"fields": fields}}, "rexpr": value}}

    if key == _ROW_ADDRESS:
        low, high = (_tid("(0,0)"), _tid("(1000,0)"))
    else:
        low, high = ({"A_Const": {"ival": {"ival": n}}} for n in (1, 5001))
    where = {"BoolExpr": {"boolop": "AND_EXPR", "args": [
        stmt["whereClause"], bound(">=", low), bound("<", high)]}}
    tree = {"UpdateStmt" if kind == "update" else "DeleteStmt": {**stmt, "whereClause": where}}
    return PrintedSql(tree, f"-- the statement, its WHERE ANDed with the batch's range of "
                            f"{quote_ident(key)}", suffix=";")


#: The directive an alternative marks a statement with for `lockwise apply` to batch it.
APPLY_DIRECTIVE = "-- lockwise: batch size=5000 sleep=50"


def marked_for_apply(tree: dict, by_hand: str) -> JoinedSql:
    """The statement `tree` (`{"UpdateStmt": ...}`) as an alternative writes it for
    `lockwise apply` to batch: the directive on the line right above it (apply batches the
    statement a directive stands above: the batch statements below it, marked, would each be
    cut again by key range and miss rows, checked on 18.6), then `by_hand`, the comment that
    says how other runners go: the batch statement written after it is theirs, commented
    (`by_hand_sql`), so the alternative pasted whole is the marked statement alone."""
    return JoinedSql(f"{APPLY_DIRECTIVE}\n", PrintedSql(
        tree, "-- the statement as written, in place of this line", suffix=";"),
        f"\n-- {by_hand}")


def by_hand_sql(sql: PrintedSql) -> JoinedSql:
    """The batch statement `sql` (or its head) of other runners, after `marked_for_apply`:
    a comment, not run where the alternative is pasted whole."""
    return JoinedSql("-- ", sql)


def _tid(value: str) -> dict:
    return {"TypeCast": {"arg": {"A_Const": {"sval": {"sval": value}}},
                         "typeName": {"names": [{"String": {"sval": "tid"}}], "typemod": -1}}}


def _unserved_text(catalog: Catalog, table: str, stmt: dict, columns: tuple[str, ...] | None,
                   reads: str, indexed: Mapping[str, list[_IndexKey]],
                   default_collation: str | None, statement_sql: str | None = None,
                   unproven: Sequence[_Partial] = ()) -> str | JoinedSql:
    """Why no index of `table` serves the WHERE of `stmt`, which reads `columns` of it
    (`reads`, as said): its NOT EXISTS (NOT IN, <> ALL subquery); else, when an index reads
    each of those columns, its condition that keeps the values that differ (`<>`, NOT LIKE),
    or what makes a comparison of one no lookup (a value of a type the column is converted
    to, a volatile function's), or that those indexes hold the values as they are (not the
    expression, or the order, the WHERE looks for); else that no index covers them.
    `indexed`: `_indexed` of the table (as `_unindexed` found it for `columns`);
    `default_collation`: the database's (None: not known); `statement_sql`: the statement's
    text (how its casts are printed, `_typed_target`); `unproven`: the partial indexes whose
    WHERE the statement's does not prove (`_implied_indexes`)."""
    where = stmt.get("whereClause")
    if columns is not None and (anti := _first_in(where, _anti_join)):
        return f"serves the {anti} of its WHERE (it keeps the rows with no match in its " \
               f"subquery: each row is tried, whatever index the compared column has)"
    covered = columns is not None and set(columns) <= indexed.keys()
    if covered and (written := _first_in(where, _unindexable)):
        return f"serves the {written} of its WHERE (an index finds the rows equal to a " \
               f"value, or in a range of values, not those that differ: each row is tried, " \
               f"whatever index the compared column has)"
    known = catalog.fully_known(table) if covered else None
    skipped: list[str] = []
    using = ""
    if known is not None:
        target = _typed_target(catalog, stmt, known, default_collation, statement_sql)
        list(_looked_up(where, target, skipped=skipped))
        using = _index_elements(target, where, columns or ())[0]
    if skipped:
        return skipped[0]
    if using:
        return f"serves its WHERE as written (its indexes of {reads} are B-trees or hashes, " \
               f"which find equal values and ranges: the operator it compares by needs an " \
               f"index{using})"
    if covered and columns:
        return f"serves its WHERE as written (its indexes of {reads} hold each value as it " \
               f"is: not an expression of it, and in byte order, for a pattern's prefix, " \
               f"only under COLLATE \"C\", text_pattern_ops, or a database whose default " \
               f"collation is C: `collation` in the config, or read by `lockwise stats`)"
    # (a partial index that would serve what it reads but for its own WHERE)
    partial = next((p for p in unproven if set(p.keys) & set(columns or ())), None)
    if partial is not None:
        # (no call in its WHERE: the planner proves it from the query's, fix-pg81, `_implied`)
        proven = all(r.condition is not None for r in partial.required)
        how = ("implies", "the planner proves it from the WHERE's conditions: an IN list or "
               "an OR by each of its values, a comparison by one with a constant that "
               "implies it") if proven else (
            "also holds", "each function the one the index resolved: another schema's of "
            "the name is another function")
        return JoinedSql(
            f"serves its WHERE: partial index {partial.name} serves only a WHERE that "
            f"{how[0]} its own condition, ",
            PrintedSql(partial.predicate, f"(the WHERE of {partial.name})"),  # type: ignore
            f" ({how[1]})")
    return f"covers what its WHERE reads of it ({reads})"


def where_facts(catalog: Catalog, table: str, stmt: dict, kind: str, pg_version: int,
                rule_text: bool, batched_by_apply: Callable[[], bool],
                unbatchable: Callable[[], str] | None = None,
                all_null: set[str] | None = None,
                default_collation: str | None = None, statement_sql: str | None = None
                ) -> dict:
    """The facts of rule where-without-index for UPDATE / DELETE `stmt` of `table`:
    `where_scans_table`, the columns its WHERE reads (`where_columns_text`), why no index
    serves it (`where_unserved_text`: what it reads, or its NOT EXISTS), and, with the
    rule's text, the statement in batches by the table's integer key (else by pages of row
    addresses, from PostgreSQL 14) that each read only their range (`where_batch_sql`,
    `where_batch_how_text`); where batches would change what it does (`unbatchable`, why: it
    has a WITH, or is one's data-modifying query; it reads what it sets, or counts its own
    table, as `lockwise apply` refuses to batch: `unbatchable()`, asked only when batches are
    written, as judging it reads the whole statement), an index on what the WHERE reads (and,
    for the latter, a snapshot of what it reads). `batched_by_apply()`: whether
    `lockwise apply` can batch it. `all_null`, `default_collation`: as `unindexed_where`
    takes them; `statement_sql`: the statement's text, whose way of writing casts the
    expressions it quotes keep (`_typed_target`)."""
    unproven: list[_Partial] = []
    columns, indexed = _unindexed(catalog, table, stmt, pg_version, all_null,
                                  default_collation, unproven)
    reads = ", ".join(map(quote_ident, columns or ())) or "none of its columns"
    facts: dict = {"where_scans_table": columns is not None, "where_columns_text": reads,
                   "where_unserved_text": _unserved_text(catalog, table, stmt, columns, reads,
                                                         indexed, default_collation,
                                                         statement_sql, unproven)}
    if columns is None or not rule_text:
        return facts
    why_unbatchable = unbatchable() if unbatchable is not None else ""
    key = catalog.primary_key(table)
    known = catalog.tables.get(table)
    column = known.columns.get(key[0]) if known is not None and len(key) == 1 else None
    qualify = bool(stmt.get("fromClause") or stmt.get("usingClause"))
    name = quote_ident(key[0]) if key else ""
    if not why_unbatchable and column is not None and column.type_name in _batches.BATCH_KEY_TYPES:
        how = (f"in batches by {name}, each in its own transaction: each reads its range of "
               f"{name}\n-- through the primary key's index, not the whole table, and keeps "
               f"the rows it changes\n-- locked only until it commits; then {name} >= 5001 "
               f"AND {name} < 10001, and so on\n-- up to the highest {name}")
        first = batch_bound_sql(stmt, kind, key[0], qualify)
        if batched_by_apply():
            # (the statement as written is what apply batches: marked, the first batch's
            # statement would be cut again by key range)
            return {**facts, "where_batch_how_text": JoinedSql(
                _batches.once_per_batch_note(
                    "UpdateStmt" if kind == "update" else "DeleteStmt", stmt, catalog),
                how, "; with `lockwise apply`, mark the statement as\n-- it is written, and "
                "it runs so:\n", marked_for_apply(
                    {"UpdateStmt" if kind == "update" else "DeleteStmt": stmt},
                    "with any other runner, in place of the marked statement, each batch by "
                    "hand, the first:")),
                "where_batch_sql": by_hand_sql(first)}
        return {**facts, "where_batch_how_text": how + ":", "where_batch_sql": first}
    if not why_unbatchable and pg_version >= 14:
        return {**facts, "where_batch_how_text":
                "in batches of 1000 pages of the table by row address, each in its own "
                "transaction:\n-- each reads only those pages (a TID Range Scan), not the "
                "whole table; then\n-- ctid >= '(1000,0)' AND ctid < '(2000,0)', and so on "
                "up to the table's last page\n-- (pg_relation_size() / "
                "current_setting('block_size')):",
                "where_batch_sql": batch_bound_sql(stmt, kind, _ROW_ADDRESS, qualify)}
    using, elements, extension, compared = _index_elements(
        _typed_target(catalog, stmt, known, default_collation, statement_sql),
        stmt.get("whereClause"),
        columns) if known is not None else ("", [], None, "")
    why = f" ({why_unbatchable})" if why_unbatchable else " (with no integer key to batch by)"
    if compared is None:
        return {**facts, "where_batch_how_text": f"no index serves the WHERE as written{why}: "
                "change it as said above, then index what it compares",
                "where_batch_sql": "-- (no index to create for the WHERE as written)"}
    # (an extension the migrations did not create may be there already: IF NOT EXISTS)
    created = "" if not extension or extension in catalog.extensions else \
        f"CREATE EXTENSION IF NOT EXISTS {quote_ident(extension)};  -- in the migration " \
        f"before (its operator class is {extension}'s)\n"
    listed = [piece for i, element in enumerate(elements)
              for piece in ((", ", element) if i else (element,))]
    return {**facts, "where_batch_how_text": JoinedSql(
                "index what the WHERE reads first", why,
                *(("; the WHERE compares ", compared, " then (no index serves it as "
                   "written)") if compared else ()), ":"),
            "where_batch_sql": JoinedSql(
                f"{created}CREATE INDEX CONCURRENTLY ON "
                f"{'.'.join(map(quote_ident, table.split('.', 1)))}{using} (",
                *(listed or ["the column the WHERE picks rows by"]), f");{OWN_MIGRATION}")}
