"""What `lockwise fix`'s expand / contract rewrite of a column (fix/patterns.py
`_expand_contract`: an ALTER COLUMN TYPE's, a RENAME COLUMN's) reads of it, and no rule does:
computed only where a fix may be planned from the effects (`Context.fix_facts`), and loaded
with the first such statement there (`family_function`)."""

from __future__ import annotations

from lockwise.catalog.model import Catalog, Column
from lockwise.catalog.replay import free_relation_name
from lockwise.effects.nodes import unwrap
from lockwise.effects.postgres.columns import (
    column_not_null_name,
    movable_default,
    table_constraint_names,
)


def expand_contract_facts(catalog: Catalog, table: str, column: str,
                          known: Column | None) -> dict:
    """What `lockwise fix`'s expand / contract rewrite of a type change or a rename of
    `table.column` (`known`: the column, when the catalog has it) reads of it (fix/patterns.py
    `_expand_contract`): whether it is NOT NULL (and its constraint's name), its default, the
    indexes built again over the new column, the constraints and dependents that decline the
    rewrite, the table's constraint names."""
    return {"column_not_null": bool(known and known.not_null),
            "column_has_default": bool(known and known.default),
            "column_default_sql": movable_default(known),
            **column_index_facts(catalog, table, column),
            "column_constraints": column_constraints(catalog, table, column),
            "column_dependents": column_dependents(catalog, table, column),
            "column_not_null_name": column_not_null_name(catalog, table, column),
            "table_constraint_names": table_constraint_names(catalog, table)}


def column_index_facts(catalog: Catalog, table: str, column: str) -> dict:
    """The indexes over `table.column` an expand/contract change builds again on the new
    column before its contract step drops the old one with them (`column_indexes`): those
    the catalog knows whole (plain columns, or the CREATE INDEX of one with expressions, a
    WHERE, INCLUDE, operator classes; storage parameters it can write), a unique one too
    (the old column's keeps the values unique meanwhile); not a constraint's (the change is
    declined for those), nor a part of a partitioned index. How many indexes read the
    column (`column_index_count`): those others are left to the user. And for a partitioned
    table, its partitions top down, each with its parent and whether it is partitioned
    itself (`partition_tree`): each gets a part of each index. The extended statistics with
    expressions that read the column, each with its name (qualified) and CREATE STATISTICS
    definition (`column_statistics`): the server keeps no text of them the contract step
    could rename the column in, so they are made again from the migrations'. The name each
    index is built under over the new column (`column_index_new_names`: `<index>_new`,
    numbered while a relation of its schema has it)."""
    known = catalog.tables.get(table)
    over = [idx for idx in catalog.indexes_on(table)
            if column in idx.columns or column in idx.reads]
    partitioned = known is not None and known.kind == "partitioned"
    rebuilt = tuple(
        idx for idx in over
        # a partitioned table's is written from its CREATE INDEX, part by part
        if (idx.definition is not None or not partitioned
            and column in idx.columns and idx.signature is not None) and idx.valid
        and not idx.attached_to and idx.storage_parameters is not None
        and not (known and idx.name.split(".", 1)[1] in known.constraints))
    built: dict[str, str] = {}
    for idx in rebuilt:
        schema, name = idx.name.split(".", 1)
        built[idx.name] = free_relation_name(catalog, schema, name, "new", built.values())
    return {"column_indexes": rebuilt,
            # the name each is built under over the new column, free in its schema
            "column_index_new_names": tuple(built.items()),
            "column_index_count": len(over),
            "partition_tree": tuple(
                (part, catalog.tables[part].partition_of,
                 catalog.tables[part].kind == "partitioned")
                for part in catalog.partitions(table)) if partitioned else (),
            "column_statistics": tuple(
                (stat, definition) for stat, on in catalog.statistics.items()
                if on == table and column in catalog.statistics_reads.get(stat, ())
                and (definition := catalog.statistics_definitions.get(stat)) is not None
                and any(unwrap(e)[1].get("expr") for e in definition.get("exprs") or ()))}


def column_constraints(catalog: Catalog, table: str, column: str) -> tuple[str, ...]:
    """The constraints that `table.column` takes part in (CHECK, FOREIGN KEY, UNIQUE, PRIMARY
    KEY, EXCLUDE; as `table.constraint` for a foreign key of another table that references
    it): what dropping the column drops with it, or refuses to drop."""
    known = catalog.tables.get(table)
    own = [c.name for c in (known.constraints.values() if known else ())
           if column in c.columns or column in c.reads]
    key = next((c.columns for c in known.constraints.values() if c.kind == "primary"),
               ()) if known else ()
    incoming = [f"{other}.{c.name}" for other, c in catalog.referencing(table)
                if column in (c.ref_columns or key) and not (other == table and c.name in own)]
    return tuple(sorted(own)) + tuple(sorted(incoming))


def column_dependents(catalog: Catalog, table: str, column: str) -> tuple[str, ...]:
    """The policies that read `table.column` and the triggers of `table` that name it (UPDATE
    OF, WHEN), as `policy <name>` / `trigger <name>`: what makes DROP COLUMN of it fail
    (the policies of other tables as `policy <name> on <table>`)."""
    known = catalog.tables.get(table)
    policies = [f"policy {name}" if other.name == table else f"policy {name} on {other.name}"
                for other, name in catalog.policies_using_column(table, column)]
    triggers = [f"trigger {name}" for name, trigger in (known.triggers if known else {}).items()
                if column in trigger.columns]
    return tuple(policies) + tuple(sorted(triggers))
