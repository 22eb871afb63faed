"""The replay of extended statistics objects (CREATE STATISTICS): their names, columns and
definitions, as LIKE ... INCLUDING STATISTICS, renames and moves carry them.

Split from `catalog.replay`, loaded with the first such statement; forgetting them when
their table or column goes stays there (`_drop_statistics`, `_statistics_on`).
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import _drop_statistics, _name_addition, generated_name
from lockwise.effects.nodes import (
    columns_read,
    generation_expression,
    object_name,
    range_var,
    renamed_column_in,
    strings,
    unwrap,
)


def _create_statistics(catalog: Catalog, stmt: dict) -> None:
    names = strings(stmt.get("defnames"))
    relations = stmt.get("relations") or ()
    if len(relations) == 1:  # PostgreSQL takes exactly one table
        table, _ = range_var(unwrap(relations[0])[1])
        columns = tuple(unwrap(e)[1].get("name") or "(expression)"
                        for e in stmt.get("exprs") or ())
        # An unqualified name goes to the table's schema (CreateStatistics); none (PostgreSQL
        # 16+): the one it chooses.
        if not names:
            name = _statistics_name(catalog, table, columns)
        else:
            name = object_name(names) if len(names) > 1 else \
                f"{table.split('.', 1)[0]}.{names[-1]}"
        reads = frozenset(c for e in stmt.get("exprs") or ()
                          for c in ([unwrap(e)[1]["name"]] if unwrap(e)[1].get("name") else
                                    columns_read(unwrap(e)[1].get("expr"))))
        _add_statistics(catalog, name, table, columns, reads, statistics_definition(stmt))


def statistics_definition(stmt: dict) -> dict:
    """`Catalog.statistics_definitions` of the object CREATE STATISTICS `stmt` makes: its
    kinds and elements, each column reference by its name alone (as `index_definition`)."""
    return generation_expression({key: stmt[key] for key in ("stat_types", "exprs")
                                  if key in stmt})


def renamed_statistics_definition(definition: dict, old: str, new: str) -> dict:
    """`definition` (`Catalog.statistics_definitions`) once column `old` of its table goes by
    `new`: its plain columns and the references of its expressions."""
    renamed = dict(renamed_column_in(definition, old, new))  # (may be `definition` itself)
    renamed["exprs"] = [{"StatsElem": {**elem, "name": new}}
                        if (elem := unwrap(e)[1]).get("name") == old else e
                        for e in renamed.get("exprs") or ()]
    return renamed


def _statistics_entry(catalog: Catalog, name: str) -> tuple:
    """What `_add_statistics` keeps of statistics object `name` beside its name and table."""
    return (catalog.statistics_columns.get(name, ()),
            catalog.statistics_reads.get(name, frozenset()),
            catalog.statistics_definitions.get(name))


def _add_statistics(catalog: Catalog, name: str, table: str, columns: tuple[str, ...],
                    reads: frozenset[str], definition: dict | None = None) -> None:
    catalog.statistics[name] = table
    catalog.statistics_columns[name] = columns
    catalog.statistics_reads[name] = reads
    if definition is not None:
        catalog.statistics_definitions[name] = definition


def _move_statistics(catalog: Catalog, stmt: dict, schema: str | None, name: str | None) -> None:
    """ALTER STATISTICS ... RENAME TO `name` / SET SCHEMA `schema`: the object goes by its
    new name (a name taken already: the server refuses, the catalog keeps what it had)."""
    old = object_name(strings(unwrap(stmt.get("object"))[1].get("items")))
    old_schema, _, old_name = old.partition(".")
    new_name = f"{schema or old_schema}.{name or old_name}"
    if old in catalog.statistics and new_name not in catalog.statistics:
        table, entry = catalog.statistics[old], _statistics_entry(catalog, old)
        _drop_statistics(catalog, [old])
        _add_statistics(catalog, new_name, table, *entry)


def _statistics_name(catalog: Catalog, table: str, columns: tuple[str, ...]) -> str:
    """The name (qualified) PostgreSQL chooses for statistics on `columns` of `table`:
    `t_a_b_stat`, an expression named `expr`, numbered while the schema has the name
    (ChooseExtendedStatisticName)."""
    schema, _, relname = table.partition(".")
    addition = _name_addition(tuple("expr" if c == "(expression)" else c for c in columns))
    number = 0
    while True:
        label = f"stat{number}" if number else "stat"
        name = f"{schema}.{generated_name(relname, addition, label)}"
        if name not in catalog.statistics:
            return name
        number += 1
