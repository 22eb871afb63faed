"""What lockwise knows of the schema at a point of the migration history.

Plain mutable containers: the catalog is state that the replay (catalog/replay.py) moves forward
one statement at a time. Names are stored qualified (`public.orders`) and case-folded as
PostgreSQL folds unquoted identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Column:
    name: str
    type_name: str  # normalized, e.g. "int4", "varchar", "timestamptz"
    typmods: tuple[int, ...] = ()
    not_null: bool = False
    default: str | None = None  # deparsed default expression
    identity: bool = False
    generated: bool = False
    array: bool = False

    @property
    def type_text(self) -> str:
        mods = f"({','.join(map(str, self.typmods))})" if self.typmods else ""
        return f"{self.type_name}{mods}{'[]' if self.array else ''}"


@dataclass(slots=True)
class Constraint:
    name: str
    kind: str  # check | foreign | unique | primary | exclude
    columns: tuple[str, ...] = ()
    validated: bool = True
    #: For a CHECK that only says `col IS NOT NULL`: that column (proves NOT NULL, PG 12+).
    not_null_column: str | None = None
    references: str | None = None  # FK target table
    ref_columns: tuple[str, ...] = ()


@dataclass(slots=True)
class Index:
    name: str  # qualified
    table: str
    columns: tuple[str, ...] = ()
    unique: bool = False
    valid: bool = True


@dataclass(slots=True)
class Table:
    name: str  # qualified
    kind: str = "table"  # table | partitioned | view | matview | foreign
    columns: dict[str, Column] = field(default_factory=dict)
    constraints: dict[str, Constraint] = field(default_factory=dict)
    created_by: str | None = None  # migration id that created it
    unlogged: bool = False
    partition_of: str | None = None


@dataclass(slots=True)
class Catalog:
    tables: dict[str, Table] = field(default_factory=dict)
    indexes: dict[str, Index] = field(default_factory=dict)
    #: enum type -> labels in order
    enums: dict[str, list[str]] = field(default_factory=dict)
    #: user functions -> volatility code ('i', 's', 'v')
    functions: dict[str, str] = field(default_factory=dict)
    sequences: set[str] = field(default_factory=set)
    schemas: set[str] = field(default_factory=lambda: {"public"})
    types: set[str] = field(default_factory=set)

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)

    def column(self, table: str, column: str) -> Column | None:
        t = self.tables.get(table)
        return t.columns.get(column) if t else None

    def indexes_on(self, table: str) -> list[Index]:
        return [i for i in self.indexes.values() if i.table == table]

    def referencing(self, table: str) -> list[tuple[str, Constraint]]:
        """Foreign keys in other tables that point at `table`."""
        return [(t.name, c) for t in self.tables.values() for c in t.constraints.values()
                if c.kind == "foreign" and c.references == table]

    def has_index_leading_with(self, table: str, columns: tuple[str, ...]) -> bool:
        """True when some index (or PK/UNIQUE) on `table` starts with exactly `columns`."""
        n = len(columns)
        for idx in self.indexes_on(table):
            if idx.columns[:n] == columns:
                return True
        t = self.tables.get(table)
        if t:
            for c in t.constraints.values():
                if c.kind in ("primary", "unique") and c.columns[:n] == columns:
                    return True
        return False
