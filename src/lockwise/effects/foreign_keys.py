"""Facts about foreign keys: which ones lack a supporting index, judged when the migration is
complete, not when the FOREIGN KEY is added (the usual order is "add the key, then index it"
within the same migration); and which ones PostgreSQL refuses for want of a key to point at,
judged at the statement.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence

from lockwise.catalog.model import Catalog, Constraint
from lockwise.catalog.replay import free_generated_name, unnamed_index_name
from lockwise.effects.nodes import strings
from lockwise.parse.quoting import (
    OWN_MIGRATION,
    quote_ident,
    quote_literal,
    quote_qualified,
    relation_sql,
)


def unindexed_fk_facts(missing: Sequence[tuple[str, Constraint]], catalog: Catalog,
                       new_tables: Collection[str] = (), bare: Collection[str] = ()) -> dict:
    """The facts of fk-without-index for `missing`: (table, foreign key) pairs that
    `Catalog.unindexed_foreign_keys` found (or those of them no directive waived).
    `new_tables`: the tables this migration (or its run) made, indexed in place; `bare`: the
    tables the migration names without their schema, named so in the SQL too."""
    wanted = dict.fromkeys((table, con.columns) for table, con in missing)
    return {
        # as messages name them, quoted where needed: public."Booking"("userId") -> public."User"
        "unindexed_foreign_keys": tuple(
            f"{quote_qualified(table)}({', '.join(map(quote_ident, con.columns))}) -> "
            f"{quote_qualified(con.references)}" for table, con in missing),
        "unindexed_foreign_keys_sql": "\n".join(
            _index_sql(catalog, table, columns, table in new_tables, table not in bare)
            for table, columns in wanted),
    }


def _index_sql(catalog: Catalog, table: str, columns: tuple[str, ...], new: bool,
               qualified: bool) -> str:
    """The index a foreign key's lookups need, named as PostgreSQL would name it unnamed (a
    name no relation of the schema has: IF NOT EXISTS must not meet a partial index that
    cannot serve the key). A table the migration made is not in use yet: a plain build in
    the same migration waits on no one; otherwise CONCURRENTLY, which no transaction
    block runs (for a partitioned table, partition by partition)."""
    name = unnamed_index_name(catalog, table, columns)
    quoted = tuple(map(quote_ident, columns))
    known = catalog.tables.get(table)
    if not new and known is not None and known.kind == "partitioned":
        # PostgreSQL refuses CONCURRENTLY on a partitioned table.
        from lockwise.effects.partitions import partitioned_index_sql  # (see columns.py)

        return partitioned_index_sql(catalog, table, qualified, name, quoted, False,
                                     lambda part: unnamed_index_name(catalog, part, columns))
    name = quote_ident(name)
    target = f"{relation_sql(table, table, qualified)} ({', '.join(quoted)})"
    if new:
        return f"CREATE INDEX IF NOT EXISTS {name} ON {target};  -- here: the table is new"
    return f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {target};{OWN_MIGRATION}"


class Key:
    """A set of columns PostgreSQL can point a foreign key at: a PRIMARY KEY, a UNIQUE
    constraint, or a unique index (kind "index"). (Not a dataclass: read in place, never
    compared or printed, and making a dataclass costs every lint about 1 M instructions.)"""

    __slots__ = ("columns", "deferrable", "kind")

    def __init__(self, kind: str, columns: tuple[str, ...], deferrable: bool = False) -> None:
        self.kind = kind
        self.columns = columns
        self.deferrable = deferrable


def keys_written(constraints: Iterable[tuple[dict, str | None]]) -> list[Key]:
    """The PRIMARY KEY and UNIQUE constraints among Constraint nodes, each with the column it
    is written on (None for a table constraint)."""
    out = []
    for con, column in constraints:
        kind = {"CONSTR_PRIMARY": "primary", "CONSTR_UNIQUE": "unique"}.get(con.get("contype"))
        if kind is None:
            continue
        columns = tuple(strings(con.get("keys"))) or ((column,) if column else ())
        if not columns and con.get("indexname"):
            continue  # USING INDEX: the index's columns, which the catalog holds already
        out.append(Key(kind, columns, bool(con.get("deferrable"))))
    return out


def refused_reference(catalog: Catalog, target: str, ref_columns: tuple[str, ...],
                      added_keys: Sequence[Key] = (), added_columns: Collection[str] = (),
                      created: bool = False) -> str:
    """Why PostgreSQL refuses a foreign key to `target` on `ref_columns` (none: its primary
    key), checked on the server: no PRIMARY KEY, UNIQUE constraint or unique index is on
    exactly those columns (in any order; a partial or expression index does not count, one
    with INCLUDE columns or NULLS NOT DISTINCT does), or the only one is DEFERRABLE. "" when
    it accepts the key, and when the catalog does not fully know `target` (a key made
    outside the migrations would do).

    `added_keys` / `added_columns`: what the statement itself gives `target` (PostgreSQL adds
    keys before foreign keys, whatever their order); `created`: the statement creates
    `target`, so those are all it has."""
    if created:
        columns, keys = set(added_columns), list(added_keys)
    else:
        known = catalog.fully_known(target)
        if known is None:
            return ""
        columns = set(known.columns) | set(added_columns)
        keys = [Key(c.kind, c.columns, c.deferrable) for c in known.constraints.values()
                if c.kind in ("primary", "unique")]
        keys += [Key("index", i.columns) for i in catalog.indexes_on(target)
                 if i.unique and not i.partial and i.name.split(".", 1)[1] not in known.constraints]
        keys += added_keys
    if not ref_columns:
        primary = [k for k in keys if k.kind == "primary"]
        if not primary:
            return f"{target} has no primary key"
        return f"the primary key of {target} is DEFERRABLE" if all(
            k.deferrable for k in primary) else ""
    if len(set(ref_columns)) != len(ref_columns) or not set(ref_columns) <= columns:
        return ""  # refused too, for another reason (a repeated or missing column)
    matching = [k for k in keys
                if len(k.columns) == len(ref_columns) and set(k.columns) == set(ref_columns)]
    if any(not k.deferrable for k in matching):
        return ""
    listed = ", ".join(ref_columns)
    if matching:
        return f"the only key on {target} ({listed}) is DEFERRABLE"
    return (f"no PRIMARY KEY, UNIQUE constraint or unique index of {target} is on exactly "
            f"({listed})")


#: pg_constraint's action letters, as SQL.
_ACTIONS = {"r": "RESTRICT", "c": "CASCADE", "n": "SET NULL", "d": "SET DEFAULT"}


def foreign_key_sql(con: Constraint, like: str, qualified: bool) -> str:
    """Foreign key `con` (from the catalog) as a table constraint definition, ending NOT
    VALID: what adds it back without reading a row. The referenced table is named as the
    user names `like` (see relation_sql); NO ACTION, the default, is left out."""
    target = ", ".join(map(quote_ident, con.ref_columns))
    parts = [f"FOREIGN KEY ({', '.join(map(quote_ident, con.columns))}) REFERENCES "
             f"{relation_sql(con.references or '', like, qualified)}"
             + (f" ({target})" if target else "")]
    parts += [f"ON {event} {_ACTIONS[action]}" for event, action in
              (("DELETE", con.on_delete), ("UPDATE", con.on_update)) if action in _ACTIONS]
    if con.deferrable:
        parts.append("DEFERRABLE")
    return " ".join([*parts, "NOT VALID"])


def leaf_key_names(catalog: Catalog, table: str, names: Iterable[str],
                   columns: Sequence[str],
                   held: Callable[[str], Constraint | None] | None = None,
                   ) -> tuple[tuple[str, str, str, str], ...]:
    """(key, leaf, name, held) for foreign keys `names` of partitioned `table` (on `columns`)
    and each leaf partition: the name the key added to that leaf first takes, the one
    PostgreSQL 11 to 17 give the clone the table's key makes there (checked on 15): the key's
    own, or, when the leaf has a constraint of that name, `leaf_columns_fkey`, numbered while
    a constraint of the schema has it (ChooseConstraintName), those named before included.
    `held`: the equal key a leaf has already (its own or a clone), which the table's key
    takes over instead of cloning (one key of `names` only): then its name on the leaf, and
    `held` is "valid" or "not valid" (else "")."""
    leaves = catalog.leaf_partitions(table)
    out: list[tuple[str, str, str, str]] = []
    for name in names:
        given: set[str] = set()
        for leaf in leaves:
            known = catalog.tables.get(leaf)
            equal = held(leaf) if held is not None and known is not None else None
            if equal is not None and known is not None:
                out.append((name, leaf, _name_on(catalog, known.constraints, equal),
                            "valid" if equal.validated else "not valid"))
                continue
            own = name if known is None or name not in known.constraints else \
                _clone_constraint_name(catalog, leaf, columns, given)
            given.add(own)
            out.append((name, leaf, own, ""))
    return tuple(out)


def _name_on(catalog: Catalog, constraints: dict[str, Constraint], equal: Constraint) -> str:
    """The name on a leaf of foreign key `equal`, the leaf's own or one of a table above
    it (then its clone's there)."""
    if constraints.get(equal.name) is equal:
        return equal.name
    return next((con.name for con in constraints.values()
                 if con.clone_of and catalog.same_foreign_key(equal, con)), equal.name)


def _clone_constraint_name(catalog: Catalog, leaf: str, columns: Sequence[str],
                           given: set[str]) -> str:
    schema, relname = leaf.split(".", 1)
    taken = given.union(*(t.constraints for t in catalog.tables.values()
                          if t.name.split(".", 1)[0] == schema))
    return free_generated_name(relname, "fkey", taken.__contains__, name2="_".join(columns))


def leaf_partitions_query(table_sql: str, pg_version: int) -> str:
    """The query that lists the leaf partitions of `table_sql` (lockwise knows none), on a
    server of `pg_version` (pg_partition_tree is new in 12)."""
    literal = quote_literal(table_sql)
    if pg_version >= 12:
        return f"SELECT relid FROM pg_partition_tree({literal}) WHERE isleaf;"
    return (f"SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = {literal}::regclass;"
            " (and again for each partitioned one)")


def partition_key_steps(parts: Sequence[tuple[str, str, str]], table_sql: str,
                        not_valid_sql: str, valid_sql: str,
                        ) -> tuple[list[str], list[str], list[str]]:
    """A foreign key of a partitioned table added without a long lock where the server
    refuses it NOT VALID there (before PostgreSQL 18), as three migrations' statements: the
    key (`not_valid_sql`, `FOREIGN KEY ... NOT VALID`) on each leaf partition (`parts`: its
    SQL, the key's name there and whether it holds an equal key already, `leaf_key_names`);
    VALIDATE CONSTRAINT on each; then the key as written (`valid_sql`) on the table
    (`table_sql`), which takes the partitions' validated keys over without reading them
    (checked on the server). A leaf that holds the key gets no second one (every write
    would be checked twice), and is validated only if its key is NOT VALID."""
    return ([f"ALTER TABLE {part} ADD CONSTRAINT {quote_ident(name)} {not_valid_sql}"
             for part, name, held in parts if not held],
            [f"ALTER TABLE {part} VALIDATE CONSTRAINT {quote_ident(name)}"
             for part, name, held in parts if held != "valid"],
            [f"ALTER TABLE {table_sql} ADD {valid_sql}"])
