"""Whether a table's CHECK constraints already prove a partition bound (ATTACH PARTITION).

PostgreSQL skips the full scan of a table being attached as a partition when its validated
CHECK constraints (plus NOT NULL columns) imply the partition constraint (documentation of
ALTER TABLE ... ATTACH PARTITION). The server uses a general theorem prover; this is a small,
conservative one: it answers True only for the forms people write for this purpose
(`key IS NOT NULL AND key >= low AND key < high`, `key IN (...)`, `key BETWEEN a AND b`) on a
single-column key. Anything else is "not proven", which can only make lockwise more cautious.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lockwise.catalog.model import Catalog, Constraint, Index, Table
from lockwise.catalog.replay import default_constraint_name, free_relation_name, generated_name
from lockwise.effects.nodes import column_ref, const_value, unwrap, with_storage_parameters_sql
from lockwise.parse.quoting import (
    NEXT_MIGRATION,
    OWN_MIGRATION,
    quote_ident,
    quote_literal,
    relation_sql,
    truncate_identifier,
)

_UNBOUNDED = {"minvalue", "maxvalue"}


def _conjuncts(expr: dict | None) -> Iterator[tuple[str, dict]]:
    kind, body = unwrap(expr)
    if kind == "BoolExpr" and body.get("boolop") == "AND_EXPR":
        for arg in body.get("args") or ():
            yield from _conjuncts(arg)
    elif kind:
        yield kind, body


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _at_least(candidate: object, bound: object, strict: bool) -> bool:
    """candidate >= bound (or > when strict), decided only when it can be decided exactly."""
    a, b = _number(candidate), _number(bound)
    if a is not None and b is not None:
        return a > b if strict else a >= b
    # Non-numeric constants (dates, text): only an identical literal is decidable here.
    return not strict and candidate is not None and str(candidate) == str(bound)


def _datum(node: dict) -> tuple[bool, object]:
    """(unbounded, value) of one partition bound datum."""
    kind, body = unwrap(node)
    if kind == "ColumnRef" and (column_ref(node) or "").lower() in _UNBOUNDED:
        return True, None
    return False, const_value(node)


def _literal_sql(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _list_values(bound: dict) -> list[object] | None:
    """The values of a list bound (a PartitionBoundSpec body); None for another bound, or a
    value that is not a constant (NULL among them)."""
    if bound.get("strategy") != "l":
        return None
    values = [const_value(v) for v in bound.get("listdatums") or ()]
    return values if values and all(v is not None for v in values) else None


def _range_datums(bound: dict) -> tuple[tuple[bool, object], tuple[bool, object]] | None:
    """FROM and TO of a one-column range bound, each (unbounded, value) as `_datum` reads
    it; None for a list, hash or DEFAULT bound, or several columns."""
    lower, upper = bound.get("lowerdatums") or [], bound.get("upperdatums") or []
    if bound.get("strategy") != "r" or len(lower) != 1 or len(upper) != 1:
        return None
    return _datum(lower[0]), _datum(upper[0])


def range_bounds_sql(bound: dict) -> tuple[str, str] | None:
    """FROM and TO of a one-column range bound (a PartitionBoundSpec body) as SQL literals;
    None for a list, hash or DEFAULT bound, several columns, MINVALUE or MAXVALUE."""
    datums = _range_datums(bound)
    if datums is None:
        return None
    (low_open, low), (high_open, high) = datums
    if low_open or high_open or low is None or high is None:
        return None
    return _literal_sql(low), _literal_sql(high)


def _atoms(kind: str, body: dict, key: str) -> list[tuple[str, object]] | None:
    """What one expression asserts about `key`, as (operator, constant) pairs that all hold
    (`key <op> constant`; `in` / `not in` with a tuple; `is null` / `is not null`); None when
    it is not a comparison of `key` with constants."""
    if kind == "NullTest" and column_ref(body.get("arg")) == key:
        return [("is null" if body.get("nulltesttype") == "IS_NULL" else "is not null", None)]
    if kind != "A_Expr":
        return None
    op_nodes = body.get("name") or []
    op = unwrap(op_nodes[0])[1].get("sval", "") if op_nodes else ""
    left, right = body.get("lexpr"), body.get("rexpr")
    if body.get("kind") == "AEXPR_OP" and op in _FLIP:
        if column_ref(left) == key and const_value(right) is not None:
            return [(op, const_value(right))]
        if column_ref(right) == key and const_value(left) is not None:
            return [(_FLIP[op], const_value(left))]
    elif body.get("kind") == "AEXPR_BETWEEN" and column_ref(left) == key:
        low, high = (unwrap(right)[1].get("items") or [None, None])[:2]
        if const_value(low) is not None and const_value(high) is not None:
            return [(">=", const_value(low)), ("<=", const_value(high))]
    elif body.get("kind") == "AEXPR_IN" and op in ("=", "<>") and column_ref(left) == key:
        values = tuple(const_value(i) for i in unwrap(right)[1].get("items") or [])
        if all(v is not None for v in values):
            return [("in" if op == "=" else "not in", values)]
    return None


#: `constant <op> key` read as `key <flipped op> constant`.
_FLIP = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "=": "=", "<>": "<>"}
#: The atom that holds exactly when the other does not (for a non-NULL key).
_NEGATED = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "=": "<>", "<>": "=", "in": "not in",
            "not in": "in", "is null": "is not null", "is not null": "is null"}


def _comparisons(conjuncts: list[tuple[str, dict]], key: str) -> list[tuple[str, object]]:
    """(operator, constant) pairs that constrain `key`, normalized to `key <op> constant`."""
    return [atom for kind, body in conjuncts for atom in _atoms(kind, body, key) or ()]


def _alternatives(expr: dict | None, key: str) -> list[list[tuple[str, object]]] | None:
    """One CHECK conjunct as alternatives (OR) of atom conjunctions (AND) on `key`, the way
    PostgreSQL canonicalizes it before its proofs (a NOT pushed down: NOT (a AND b) is
    NOT a OR NOT b); None when some part of it is not about `key` and constants."""
    kind, body = unwrap(expr)
    args = body.get("args") or [] if kind == "BoolExpr" else []
    if kind == "BoolExpr" and body.get("boolop") == "OR_EXPR":
        out: list[list[tuple[str, object]]] = []
        for arg in args:
            found = _alternatives(arg, key)
            if found is None:
                return None
            out += found
        return out
    if kind == "BoolExpr" and body.get("boolop") == "NOT_EXPR" and len(args) == 1:
        negated = []
        for inner_kind, inner in _conjuncts(args[0]):
            atoms = _atoms(inner_kind, inner, key)
            if atoms is None:
                return None
            negated += [[(_NEGATED[op], value)] for op, value in atoms]
        return negated
    if kind == "A_Expr" and body.get("kind") == "AEXPR_NOT_BETWEEN":
        between = _atoms(kind, {**body, "kind": "AEXPR_BETWEEN"}, key)
        return None if between is None else [[(_NEGATED[op], v)] for op, v in between]
    atoms = _atoms(kind, body, key)
    return None if atoms is None else [atoms]


def _validated_checks(table: Table) -> list[dict | None]:
    """The CHECK expressions PostgreSQL trusts in its proofs: validated (hence enforced)."""
    return [con.expr for con in table.constraints.values()
            if con.kind == "check" and con.validated and con.enforced]


def bound_proven_by_checks(parent: Table | None, partition: Table | None,
                           bound: dict) -> bool:
    """True when `partition`'s validated CHECKs prove `bound` (a PartitionBoundSpec body)."""
    if parent is None or partition is None or len(parent.partition_key) != 1:
        return False
    key = parent.partition_key[0]
    if key == "(expression)" or bound.get("is_default"):
        return False
    conjuncts = [c for expr in _validated_checks(partition) for c in _conjuncts(expr)]
    column = partition.columns.get(key)
    not_null = (column is not None and column.not_null) or any(
        kind == "NullTest" and body.get("nulltesttype") == "IS_NOT_NULL"
        and column_ref(body.get("arg")) == key for kind, body in conjuncts)
    comparisons = _comparisons(conjuncts, key)
    strategy = bound.get("strategy")
    if strategy == "l":
        values = [const_value(v) for v in bound.get("listdatums") or ()]
        if not values or any(v is None for v in values) or not not_null:
            return False  # a NULL in the list changes the constraint: not handled here
        allowed = {str(v) for v in values}
        return any(op == "in" and {str(x) for x in c} <= allowed  # type: ignore[union-attr]
                   or op == "=" and str(c) in allowed for op, c in comparisons)
    if strategy != "r" or not not_null:
        return False
    lower = bound.get("lowerdatums") or []
    upper = bound.get("upperdatums") or []
    if len(lower) != 1 or len(upper) != 1:
        return False
    (low_open, low), (high_open, high) = _datum(lower[0]), _datum(upper[0])
    # Range partitions include the lower bound and exclude the upper one.
    low_ok = low_open or any(
        op in (">=", ">", "=") and _at_least(c, low, strict=False) for op, c in comparisons)
    high_ok = high_open or any(
        (op == "<" and _at_least(high, c, strict=False))
        or (op in ("<=", "=") and _at_least(high, c, strict=True)) for op, c in comparisons)
    return low_ok and high_ok


def bound_excluded_by_checks(parent: Table | None, table: Table | None, bound: dict) -> bool:
    """True when `table`'s validated CHECKs prove it holds no row of `bound` (a new partition's
    PartitionBoundSpec body): PostgreSQL then skips reading the DEFAULT partition `table`
    when the partition is added (check_default_partition_contents: the CHECKs must imply
    NOT of the new partition constraint, `key IS NULL OR key < FROM OR key >= TO` for a
    range). Some CHECK conjunct must allow only values outside the bound, each alternative of
    it proven so on its own, as PostgreSQL's prover does (checked on the server)."""
    if parent is None or table is None or len(parent.partition_key) != 1:
        return False
    key = parent.partition_key[0]
    outside = _outside(bound)
    if key == "(expression)" or outside is None:
        return False
    for expr in _validated_checks(table):
        for kind, body in _conjuncts(expr):
            alternatives = _alternatives({kind: body}, key)
            if alternatives and all(any(outside(op, value) for op, value in alternative)
                                    for alternative in alternatives):
                return True
    return False


def _outside(bound: dict) -> Callable[[str, object], bool] | None:
    """Whether `key <op> value` proves a non-NULL key outside `bound`; None for the bounds not
    handled (DEFAULT, hash, several columns, a NULL in a list)."""
    if bound.get("is_default"):
        return None
    if bound.get("strategy") == "l":
        datums = _list_values(bound)
        if datums is None:
            return None
        values = {str(v) for v in datums}
        return lambda op, value: op == "is null" or (
            op == "not in" and values <= {str(v) for v in value}  # type: ignore[union-attr]
            or op == "<>" and values == {str(value)})
    range_datums = _range_datums(bound)
    if range_datums is None:
        return None
    (low_open, low), (high_open, high) = range_datums

    def outside(op: str, value: object) -> bool:
        # Below FROM (the range includes FROM) or at TO and above (it excludes TO).
        below = not low_open and (op == "<" and _at_least(low, value, strict=False)
                                  or op in ("<=", "=") and _at_least(low, value, strict=True))
        above = not high_open and op in (">=", ">", "=") and _at_least(value, high,
                                                                         strict=False)
        return op == "is null" or below or above
    return outside


def exclusion_sql(key: str, bound: dict) -> str | None:
    """A CHECK expression on `key` that bound_excluded_by_checks accepts for `bound`: the
    one a DEFAULT partition needs before a partition of `bound` is added; None when the bound
    is not one it handles."""
    column = quote_ident(key)
    if bound.get("strategy") == "l":
        values = _list_values(bound)
        if values is None:
            return None
        return f"{column} NOT IN ({', '.join(map(_literal_sql, values))})"
    bounds = range_bounds_sql(bound)
    if bounds is None:
        return None
    return f"NOT ({column} >= {bounds[0]} AND {column} < {bounds[1]})"


def bound_sql(bound: dict) -> str | None:
    """`FOR VALUES ...` of a one-column list or range bound, None for other bounds."""
    if bound.get("strategy") == "l":
        values = _list_values(bound)
        return None if values is None else f"FOR VALUES IN ({', '.join(map(_literal_sql, values))})"
    bounds = range_bounds_sql(bound)
    return None if bounds is None else f"FOR VALUES FROM ({bounds[0]}) TO ({bounds[1]})"


# --- safe alternatives written with the user's names and the known partitions ----------------

def child_index_name(index_name: str, table_name: str, child_name: str) -> str:
    """The name of the index of partition `child_name` that matches `index_name` on its parent:
    the table's name in it is swapped for the partition's (events_kind_idx on events ->
    events_2024_kind_idx on events_2024), else the partition's name is put in front."""
    if index_name.startswith(table_name + "_"):
        name = child_name + index_name[len(table_name):]
    else:
        name = f"{child_name}_{index_name}"
    return truncate_identifier(name)


def partitioned_index_sql(catalog: Catalog, table: str, qualified: bool, index_name: str,
                          columns: tuple[str, ...], unique: bool,
                          part_name: Callable[[str], str] | None = None,
                          like: Index | None = None) -> str:
    """The way to index a partitioned table without blocking writes: an invalid index ON ONLY
    the parent (instant), each leaf partition's index built CONCURRENTLY, then each attached to
    its parent's index, children first (an index becomes valid once all its partitions are).
    `index_name`: the index's name, PostgreSQL's (`default_index_name`) for an unnamed one.
    `part_name`: the name of a partition's part, as the statement would give it (PostgreSQL
    names it after the partition and the columns, numbered while taken); without it, the
    index's name with the partition's in place of the table's (`child_index_name`). `like`:
    the index the statement makes, when the catalog has it; a partition's index of the same
    definition, not attached to another, is attached instead of one built, and nothing is
    built below it (what the statement does, `Catalog.attachable_index`; checked on 18.6)."""
    table_name = table.split(".", 1)[1]
    kind = "UNIQUE INDEX" if unique else "INDEX"
    cols = ", ".join(columns)
    names = {table: index_name}
    steps: list[str] = [f"CREATE {kind} IF NOT EXISTS {quote_ident(index_name)} "
                        f"ON ONLY {relation_sql(table, table, qualified)} ({cols});"]
    attaches: list[tuple[int, str]] = []
    taken_over: set[str] = set()  # partitions whose index is attached: theirs have theirs
    for part in catalog.partitions(table):  # parents before their partitions
        known = catalog.tables[part]
        parent = known.partition_of or table
        if parent in taken_over:
            taken_over.add(part)
            continue
        taken = catalog.attachable_index(part, like) if like is not None else None
        names[part] = taken.name.split(".", 1)[1] if taken is not None else \
            part_name(part) if part_name is not None else \
            child_index_name(index_name, table_name, part.split(".", 1)[1])
        target = relation_sql(part, table, qualified)
        if taken is not None:
            taken_over.add(part)
        elif known.kind == "partitioned":  # a sub-partitioned partition: indexed like the top
            steps.append(f"CREATE {kind} IF NOT EXISTS {quote_ident(names[part])} "
                         f"ON ONLY {target} ({cols});")
        else:
            steps.append(f"CREATE {kind} CONCURRENTLY IF NOT EXISTS {quote_ident(names[part])} "
                         f"ON {target} ({cols});{OWN_MIGRATION}")
        parent_index = _index_sql(names[parent], parent, table, qualified)
        child_index = _index_sql(names[part], part, table, qualified)
        attaches.append((len(_ancestors(catalog, part, table)),
                         f"ALTER INDEX {parent_index} ATTACH PARTITION {child_index};"))
    steps += [sql for _, sql in sorted(attaches, key=lambda a: -a[0])]
    return "\n".join(steps)


def partitioned_constraint_sql(catalog: Catalog, table: str, qualified: bool, constraint: str,
                               primary: bool, columns: tuple[str, ...], parts: tuple[str, ...],
                               nullable: tuple[str, ...]) -> str:
    """The way to add a UNIQUE / PRIMARY KEY constraint `constraint` (PostgreSQL's name for it)
    to a partitioned table without building its index under ACCESS EXCLUSIVE: each leaf
    partition of `parts` gets its unique index CONCURRENTLY and a constraint over it, then the
    parent's constraint attaches them all without reading any partition (checked on the
    server). A primary key needs its columns NOT NULL first (`nullable` ones): a validated
    CHECK proves them, so SET NOT NULL reads nothing."""
    table_sql = relation_sql(table, table, qualified)
    kind = "PRIMARY KEY" if primary else "UNIQUE"
    cols = ", ".join(quote_ident(c) for c in columns)
    steps: list[str] = []
    if primary and nullable:
        # the key's name shortened to keep the suffix: cut at the end, a 63-byte name would
        # name the CHECK as the key
        check = quote_ident(generated_name(constraint, None, "not_null"))
        proof = " AND ".join(f"{quote_ident(c)} IS NOT NULL" for c in nullable)
        steps += [f"ALTER TABLE {table_sql} ADD CONSTRAINT {check} CHECK ({proof}) NOT VALID;",
                  NEXT_MIGRATION,
                  f"ALTER TABLE {table_sql} VALIDATE CONSTRAINT {check};  -- writes go on",
                  f"ALTER TABLE {table_sql} "
                  + ", ".join(f"ALTER COLUMN {quote_ident(c)} SET NOT NULL" for c in nullable)
                  + ";  -- no scan: the CHECK proves it"]
    # PostgreSQL names a partition's index of the key after the partition and the key's kind
    # (events_2024_pkey, events_2024_id_day_key), whatever the parent's constraint is called,
    # numbered while a relation of the schema or a constraint of the partition has the name
    # (events_2024_pkey1; checked on 18.6).
    names = {part: quote_ident(default_constraint_name(
        catalog, part, columns, "primary" if primary else "unique")) for part in parts}
    steps += [f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS {names[part]} ON "
              f"{relation_sql(part, table, qualified)} ({cols});{OWN_MIGRATION}"
              for part in parts]
    steps += [f"ALTER TABLE {relation_sql(part, table, qualified)} ADD CONSTRAINT {names[part]} "
              f"{kind} USING INDEX {names[part]};" for part in parts]
    steps.append(f"ALTER TABLE {table_sql} ADD CONSTRAINT {quote_ident(constraint)} {kind} "
                 f"({cols});  -- attaches the partitions' constraints, reads no partition")
    if primary and nullable:  # its work done: the columns are NOT NULL (and the partitions')
        steps.append(f"ALTER TABLE {table_sql} DROP CONSTRAINT {check};")
    return "\n".join(steps)


def partitioned_expand_contract_sql(catalog: Catalog, table: str, qualified: bool,
                                     column: str, new_type_sql: str, carried: dict,
                                     row_key: Callable[[str], dict], pg_version: int) -> str:
    """A type change of `column` of partitioned `table` (to `new_type_sql`, its values kept)
    done without building the parts of its indexes over the column again under ACCESS
    EXCLUSIVE, which CONCURRENTLY cannot spare a partitioned table: a new column, kept in
    step by a trigger (on each leaf partition before PostgreSQL 13, which has no row trigger
    on a partitioned table), backfilled partition by partition in batches; each index over
    the column built again over the new one, each partition's part CONCURRENTLY, attached
    to an index made ON ONLY the table (`partitioned_index_sql`), a UNIQUE constraint's
    made a constraint on each partition and then on the table (`partitioned_constraint_sql`);
    then the contract step, commented out (it drops the old column): the trigger dropped,
    the parts of each new index given the old parts' names, the old column dropped, the new
    one renamed, and each new index or constraint given the old one's name, so the table
    ends as the statement leaves it (run on 18.6 by tests/test_alternatives_run.py).
    `carried`: the new column's DEFAULT and NOT NULL steps (`new_column_*_sql`);
    `row_key`: a partition's `row_key_facts`. "" where this cannot be written: no partition
    known; an index over the column with expressions, a WHERE, another method, NULLS NOT
    DISTINCT or storage parameters; a PRIMARY KEY or EXCLUDE over it (a table has one
    primary key; an EXCLUDE has no online form)."""
    known = catalog.tables.get(table)
    leaves = catalog.leaf_partitions(table)
    over = [idx for idx in catalog.indexes_on(table)
            if column in idx.columns or column in idx.reads]
    if known is None or not leaves or not over:
        return ""
    target = relation_sql(table, table, qualified)
    schema, table_name = table.split(".", 1)
    new = generated_name(column, None, "new")
    col, new_col = quote_ident(column), quote_ident(new)
    builds: list[str] = []
    contract: list[str] = []
    renames: list[str] = []
    for idx in over:
        bare = idx.name.split(".", 1)[1]
        con = known.constraints.get(bare)
        if idx.signature is None or column in idx.reads or idx.storage_parameters != () or \
                idx.signature[0] != "btree" or idx.signature[2] or \
                (con is not None and con.kind != "unique"):
            return ""
        columns = tuple(new if c == column else c for c in idx.columns)
        if con is not None:
            name = default_constraint_name(catalog, table, columns, "unique")
            builds.append(partitioned_constraint_sql(catalog, table, qualified, name, False,
                                                     columns, leaves, ()))
            renames.append(f"ALTER TABLE {target} RENAME CONSTRAINT {quote_ident(name)} TO "
                           f"{quote_ident(bare)};")
        else:
            name = free_relation_name(catalog, schema, bare, "new")
            builds.append(partitioned_index_sql(catalog, table, qualified, name,
                                                tuple(map(quote_ident, columns)), idx.unique))
            renames.append(f"ALTER INDEX {relation_sql(f'{schema}.{name}', table, qualified)} "
                           f"RENAME TO {quote_ident(bare)};")
        contract.append(part_names_taken_sql(relation_sql(idx.name, table, True),
                                             relation_sql(f"{schema}.{name}", table, True)))
    sync = generated_name(table_name, new, "sync")
    function = relation_sql(f"{schema}.{sync}", table, qualified)
    converted = f"{col}::{new_type_sql}"
    triggered = (target,) if pg_version >= 13 else tuple(
        relation_sql(leaf, table, qualified) for leaf in leaves)
    backfills = []
    for leaf in leaves:
        keys = row_key(leaf)
        leaf_sql = relation_sql(leaf, table, qualified)
        backfills.append(
            f"UPDATE {leaf_sql} SET {new_col} = {converted} WHERE {keys['row_key_sql']} IN "
            f"(SELECT {keys['row_key_columns_sql']} FROM {leaf_sql} WHERE {new_col} IS NULL "
            f"AND {col} IS NOT NULL LIMIT 5000);")
    contract = [
        *(f"DROP TRIGGER {quote_ident(sync)} ON {on};" for on in triggered),
        f"DROP FUNCTION {function}();",
        *(f"{block};" for block in contract),
        f"ALTER TABLE {target} DROP COLUMN {col};",
        f"ALTER TABLE {target} RENAME COLUMN {new_col} TO {col};",
        *renames,
        # PostgreSQL 18's NOT NULL constraint of the new column takes the old one's name:
        # the last of the renames written for a contract that keeps the old column (the
        # first moves the old one's aside, which DROP COLUMN drops here; checked on 18.6)
        *str(carried.get("new_column_renamed_sql") or "").splitlines()[-1:]]
    steps = [
        f"-- expand / contract: a new column beside {column}, kept in step by a trigger, "
        "backfilled\n-- partition by partition; its indexes built on each partition "
        "CONCURRENTLY:",
        f"ALTER TABLE {target} ADD COLUMN {new_col} {new_type_sql};",
        *(str(carried[fact]) for fact in ("new_column_default_sql", "new_column_not_null_sql")
          if carried.get(fact)),
        f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $lockwise$ BEGIN "
        f"NEW.{new_col} := NEW.{converted}; RETURN NEW; END $lockwise$;",
        *(f"CREATE TRIGGER {quote_ident(sync)} BEFORE INSERT OR UPDATE ON {on} FOR EACH ROW "
          f"EXECUTE FUNCTION {function}();" for on in triggered),
        NEXT_MIGRATION,
        "-- the old rows, in batches, each in its own short transaction, until none is left:",
        *backfills,
        *([str(carried["new_column_validated_sql"])]
          if carried.get("new_column_validated_sql") else []),
        f"-- each index over {column} built again over {new}:",
        *builds,
        "-- contract step, in a later migration, once the application is ready for it (it "
        f"drops\n-- {column}: queries that name {new} break):",
        *(f"-- {line.removeprefix('-- ')}" for step in contract for line in step.splitlines())]
    return "\n".join(steps)


def part_names_taken_sql(old_sql: str, new_sql: str) -> str:
    """A DO block run before the contract step of an expand/contract change drops the old
    column with partitioned index `old_sql`: each part of `new_sql` (SQL names) takes the name
    of the old index's part on its partition, which moves aside (the parts' names are the
    server's: read when it runs). Renaming a part that is a constraint's index renames the
    constraint too."""
    return (
        "DO $lockwise$\n"
        "DECLARE\n"
        "  pair record;\n"
        "BEGIN\n"
        "  FOR pair IN\n"
        "      WITH RECURSIVE old_parts (idx) AS (\n"
        f"        SELECT {quote_literal(old_sql)}::regclass\n"
        "        UNION ALL\n"
        "        SELECT inhrelid FROM pg_inherits JOIN old_parts ON inhparent = idx),\n"
        "      new_parts (idx) AS (\n"
        f"        SELECT {quote_literal(new_sql)}::regclass\n"
        "        UNION ALL\n"
        "        SELECT inhrelid FROM pg_inherits JOIN new_parts ON inhparent = idx)\n"
        "      SELECT o.idx AS old_idx, n.idx AS new_idx, old_class.relname AS old_name\n"
        "      FROM old_parts o JOIN pg_index old_index ON old_index.indexrelid = o.idx\n"
        "      JOIN pg_class old_class ON old_class.oid = o.idx\n"
        "      JOIN pg_index new_index ON new_index.indrelid = old_index.indrelid\n"
        "      JOIN new_parts n ON n.idx = new_index.indexrelid\n"
        f"      WHERE o.idx <> {quote_literal(old_sql)}::regclass LOOP\n"
        "    EXECUTE format('ALTER INDEX %s RENAME TO %I', pair.old_idx,\n"
        "                   'lockwise_old_' || pair.old_idx::oid);\n"
        "    EXECUTE format('ALTER INDEX %s RENAME TO %I', pair.new_idx, pair.old_name);\n"
        "  END LOOP;\n"
        "END\n"
        "$lockwise$")


def index_parts_sql(catalog: Catalog, idx: Index, parts: list[str], qualified: bool,
                    like: str = "") -> str:
    """The steps that make partitioned index `idx` (made ON ONLY) valid: for each partition of
    `parts` that lacks a valid part of it, one built CONCURRENTLY and attached; a
    sub-partitioned one gets one ON ONLY, made valid the same way (checked on the server).
    `like`: the relation whose spelling names are written like (`idx.table`'s by default)."""
    like = like or idx.table
    kind = "UNIQUE INDEX" if idx.unique else "INDEX"
    cols = ", ".join(map(quote_ident, idx.columns))
    steps: list[str] = []
    for part in parts:
        name = child_index_name(idx.name.split(".", 1)[1], idx.table.split(".", 1)[1],
                                 part.split(".", 1)[1])
        target = relation_sql(part, like, qualified)
        if (catalog.tables.get(part) or Table(part)).kind == "partitioned":
            steps.append(f"CREATE {kind} IF NOT EXISTS {quote_ident(name)} ON ONLY {target} "
                         f"({cols});")
            sub = Index(f"{part.split('.', 1)[0]}.{name}", part, idx.columns, unique=idx.unique)
            steps.append(index_parts_sql(catalog, sub, catalog.direct_partitions(part),
                                         qualified, like))
        else:
            steps.append(f"CREATE {kind} CONCURRENTLY IF NOT EXISTS {quote_ident(name)} ON "
                         f"{target} ({cols});{OWN_MIGRATION}")
        steps.append(f"ALTER INDEX {relation_sql(idx.name, like, qualified)} ATTACH PARTITION "
                     f"{_index_sql(name, part, like, qualified)};")
    return "\n".join(step for step in steps if step)


def prebuilt_indexes_sql(table: str, part: str, qualified: bool,
                         missing: list[tuple[Index, Constraint | None]]) -> str:
    """The way to give table `part` each index of partitioned `table` in `missing` (with the
    UNIQUE / PRIMARY KEY / EXCLUDE constraint it is the index of) before ATTACH PARTITION:
    built CONCURRENTLY, a key's then made a constraint over it (USING INDEX), which ATTACH
    takes over instead of building its own under ACCESS EXCLUSIVE (checked on the server). An
    EXCLUDE has no online form (neither CONCURRENTLY, USING INDEX nor NOT VALID; checked on
    18.6): said in a comment, as built by the ATTACH. An index the catalog cannot write out is
    named, to be matched by hand."""
    part_sql = relation_sql(part, table, qualified)
    table_name, part_name = table.split(".", 1)[1], part.split(".", 1)[1]
    steps: list[str] = []
    for idx, con in missing:
        name = quote_ident(child_index_name(idx.name.split(".", 1)[1], table_name, part_name))
        if idx.signature is None:
            steps.append(f"-- an index of {part_sql} of the same definition as "
                         f"{relation_sql(idx.name, table, qualified)}, built CONCURRENTLY")
            continue
        if con is not None and con.kind == "exclude":  # no CONCURRENTLY, nor USING INDEX
            method = idx.signature[0]
            using = "" if method == "btree" else f" USING {method}"
            elements = ", ".join(f"{quote_ident(c)} WITH {op}"
                                 for c, op in zip(idx.columns, idx.signature[3], strict=False))
            steps.append(f"-- {name}: an EXCLUDE constraint has no online form (no "
                         "CONCURRENTLY, USING INDEX or NOT VALID): ATTACH builds it reading "
                         f"{part_sql} under ACCESS EXCLUSIVE, as ALTER TABLE {part_sql} ADD "
                         f"CONSTRAINT {name} EXCLUDE{using} ({elements}) would before it; "
                         f"run either when {part_sql} may wait")
            continue
        steps.append(f"{plain_index_sql(idx, name, part_sql, quoted=True)};"
                     + OWN_MIGRATION)
        if con is not None:
            kind = "PRIMARY KEY" if con.kind == "primary" else "UNIQUE"
            steps.append(f"ALTER TABLE {part_sql} ADD CONSTRAINT {name} {kind} USING INDEX "
                         f"{name};")
    return "\n".join(steps)


def attach_after_prebuilt_sql(attach_sql: str,
                              missing: list[tuple[Index, Constraint | None]]) -> str:
    """The ATTACH PARTITION `attach_sql` after `prebuilt_indexes_sql` of `missing`, saying
    what it still builds: the EXCLUDE constraints, which have no online form; "" when those
    are all it lacks (the comments say it all)."""
    excluded = [idx for idx, con in missing
                if con is not None and con.kind == "exclude" and idx.signature is not None]
    if len(excluded) == len(missing):
        return ""
    if excluded:
        return (f"{attach_sql}  -- takes them over, builds the EXCLUDE constraint(s) under "
                "ACCESS EXCLUSIVE")
    return f"{attach_sql}  -- takes them over, builds nothing"


def plain_index_sql(idx: Index, name: str, table_sql: str, quoted: bool = False,
                    collate: dict[str, str] | None = None) -> str:
    """CREATE INDEX CONCURRENTLY of an index like `idx` (one of plain columns: its
    `signature` known) named `name` (`quoted` already) on `table_sql`, without the `;`.
    `collate`: a COLLATE clause (` COLLATE "C"`) written after a column."""
    method, unique, nulls_not_distinct = idx.signature[:3]
    using = "" if method == "btree" else f" USING {method}"
    collate = collate or {}
    return (f"CREATE {'UNIQUE ' if unique else ''}INDEX CONCURRENTLY IF NOT EXISTS "
            f"{name if quoted else quote_ident(name)} ON {table_sql}{using} "
            f"({', '.join(quote_ident(c) + collate.get(c, '') for c in idx.columns)})"
            f"{' NULLS NOT DISTINCT' if nulls_not_distinct else ''}"
            f"{' ' if idx.storage_parameters else ''}"
            f"{with_storage_parameters_sql(idx.storage_parameters or ())}")


def index_from_definition_sql(idx: Index, name: str, target: dict, old: str, new: str,
                              tablespace_sql: str, concurrent: bool = True) -> str:
    """CREATE INDEX [CONCURRENTLY] IF NOT EXISTS `name` on `target` (`range_var_tree`) of
    `idx`'s definition (`Index.definition`) over column `new` in place of `old` (its
    elements, INCLUDE, expressions and WHERE renamed on the parse tree, printed by pglast),
    with its storage parameters and `tablespace_sql`, which CREATE INDEX writes before the
    WHERE; without the `;`."""
    from lockwise.catalog.replay import renamed_index_definition
    from lockwise.effects.nodes import written_sql

    definition = dict(renamed_index_definition(idx.definition, old, new) or {})
    where = definition.pop("whereClause", None)
    head = written_sql({"IndexStmt": {**definition, "idxname": name, "relation": target,
                                      "concurrent": concurrent, "if_not_exists": True}},
                       f"CREATE INDEX{' CONCURRENTLY' if concurrent else ''} IF NOT EXISTS "
                       f"{name} ON the table, with the rest of {idx.name}'s definition")
    parameters = with_storage_parameters_sql(idx.storage_parameters or ())
    return (f"{head}{' ' if parameters else ''}{parameters}{tablespace_sql}"
            f"{' WHERE ' + written_sql(where, f'the WHERE of {idx.name}') if where else ''}")


def range_var_tree(schema: str | None, name: str, inh: bool = True) -> dict:
    """A JSON parse tree's RangeVar of relation `name` (in `schema`, when written); ONLY it
    without `inh`."""
    return {"relname": name, "inh": inh, "relpersistence": "p",
            **({"schemaname": schema} if schema else {})}


def _index_sql(index_name: str, on_table: str, like: str, qualified: bool) -> str:
    # An index lives in its table's schema.
    return relation_sql(f"{on_table.split('.', 1)[0]}.{index_name}", like, qualified)


def _ancestors(catalog: Catalog, part: str, top: str) -> list[str]:
    out: list[str] = []
    current = catalog.tables.get(part)
    while current is not None and current.partition_of and current.name != top:
        out.append(current.partition_of)
        current = catalog.tables.get(current.partition_of)
    return out


def partitioned_reindex_sql(catalog: Catalog, table: str, qualified: bool) -> str:
    """What REINDEX TABLE CONCURRENTLY of partitioned `table` rebuilds, without its SHARE lock
    on every partition: REINDEX INDEX CONCURRENTLY of each index at the top of a tree of
    attached indexes (the table's own, and any partition's index attached to none), which
    takes SHARE UPDATE EXCLUSIVE on the tables only (checked on the server); each its own
    migration (REINDEX CONCURRENTLY refuses a transaction block, an implicit one too)."""
    tops = [i.name for rel in (table, *catalog.partitions(table))
            for i in catalog.indexes_on(rel) if i.attached_to is None]
    if not tops:
        return (f"-- REINDEX INDEX CONCURRENTLY each index of "
                f"{relation_sql(table, table, qualified)}, one statement each")
    return "\n".join(f"REINDEX INDEX CONCURRENTLY {relation_sql(name, table, qualified)};"
                     f"{OWN_MIGRATION}" for name in tops)
