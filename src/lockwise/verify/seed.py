"""`--seed N`: fill the tables a migration created with N synthetic rows.

Later migrations then rewrite, validate and index tables that hold data, as they will in
production, instead of empty ones. Rows are generated on the server with one
`INSERT ... SELECT ... FROM generate_series(1, N)` per table: values follow each column's type
(numbers count up, so unique columns stay unique), NOT NULL columns always get a value,
foreign keys point at existing rows of the referenced table (tables are filled parents first),
and columns with a default, identity or generation expression are left to PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lockwise.parse.quoting import quote_ident

_COLUMNS = """
    SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
           a.atthasdef OR a.attidentity <> '' OR a.attgenerated <> '',
           t.typtype::text, t.typcategory::text, bt.typname,
           CASE WHEN a.atttypmod > 4 AND bt.typname IN ('varchar', 'bpchar')
                THEN a.atttypmod - 4 END,
           CASE WHEN bt.typname = 'numeric' AND a.atttypmod > 4
                THEN ((a.atttypmod - 4) >> 16) - ((a.atttypmod - 4) & 65535) END
    FROM pg_attribute a
    JOIN pg_type t ON t.oid = a.atttypid
    JOIN pg_type bt ON bt.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
    WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attnum"""
_FOREIGN_KEYS = """
    SELECT con.conname, con.confrelid::regclass::text,
           array(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                 JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n
                 ORDER BY k.i)::text[],
           array(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                 JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n
                 ORDER BY k.i)::text[]
    FROM pg_constraint con
    WHERE con.conrelid = %s::regclass AND con.contype = 'f'"""


@dataclass(slots=True)
class _Column:
    name: str
    type_sql: str
    not_null: bool
    has_default: bool
    typtype: str
    category: str
    base: str
    length: int | None
    integer_digits: int | None


@dataclass(slots=True)
class _ForeignKey:
    name: str
    target: str
    columns: list[str]
    target_columns: list[str]


@dataclass(slots=True)
class _Plan:
    table: str
    columns: list[_Column]
    fks: list[_ForeignKey] = field(default_factory=list)


def _qualified(table: str) -> str:
    schema, _, name = table.partition(".")
    return f"{quote_ident(schema)}.{quote_ident(name)}"


def _value(col: _Column) -> str | None:
    """A SQL expression over `g` (1..N) giving row g's value, or None (leave it NULL)."""
    base = col.base
    if col.typtype == "e":
        rng = f"enum_range(NULL::{col.type_sql})"
        return f"({rng})[1 + (g - 1) % array_length({rng}, 1)]"
    if base in ("int2",):
        return f"(g % 32767)::{col.type_sql}"
    if base in ("int4", "int8", "oid"):
        return f"g::{col.type_sql}"
    if base == "numeric":
        if col.integer_digits is not None and col.integer_digits < 10:
            return f"(g % (10 ^ {col.integer_digits})::bigint)::{col.type_sql}"
        return f"g::{col.type_sql}"
    if base in ("float4", "float8"):
        return f"(g + 0.5)::{col.type_sql}"
    if base in ("text", "varchar", "bpchar", "name", "citext"):
        # The row number first: truncating to a short length keeps rows distinct.
        text = f"g::text || '-' || {_literal(col.name)}"
        if col.length is not None:
            text = f"left({text}, {col.length})"
        return f"({text})::{col.type_sql}"
    if base == "bool":
        return f"(g % 2 = 0)::{col.type_sql}"
    if base == "date":
        return f"(DATE '2000-01-01' + g)::{col.type_sql}"
    if base in ("timestamp", "timestamptz"):
        return f"(TIMESTAMP '2000-01-01' + g * interval '1 minute')::{col.type_sql}"
    if base in ("time", "timetz"):
        return f"(TIME '00:00' + (g % 86400) * interval '1 second')::{col.type_sql}"
    if base == "interval":
        return f"(g * interval '1 second')::{col.type_sql}"
    if base == "uuid":
        return f"md5(g::text || {_literal(col.name)})::uuid::{col.type_sql}"
    if base in ("json", "jsonb"):
        return f"json_build_object('n', g)::{col.type_sql}"
    if base == "bytea":
        return f"convert_to(g::text, 'UTF8')::{col.type_sql}"
    if base in ("inet", "cidr"):
        return f"(inet '10.0.0.0' + g)::{col.type_sql}"
    if base == "tsvector":
        return f"to_tsvector('simple', 'w' || g)::{col.type_sql}"
    if col.category == "A":
        return f"'{{}}'::{col.type_sql}"
    if not col.not_null:
        return None
    # Last resort for other types: their text input from the row number.
    return f"g::text::{col.type_sql}"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _plan(conn: Any, table: str) -> _Plan:
    columns = [_Column(*row) for row in conn.execute(_COLUMNS, (_qualified(table),)).fetchall()]
    fks = [_ForeignKey(*row) for row in conn.execute(_FOREIGN_KEYS, (_qualified(table),))
           .fetchall()]
    return _Plan(table, columns, fks)


def _order(plans: list[_Plan]) -> list[_Plan]:
    """Parents before children among the tables to fill (a cycle keeps its given order)."""
    names = {p.table for p in plans}
    done: list[_Plan] = []
    placed: set[str] = set()
    pending = list(plans)
    while pending:
        ready = [p for p in pending if all(_strip(fk.target) in placed or
                                           _strip(fk.target) not in names or
                                           _strip(fk.target) == p.table for fk in p.fks)]
        if not ready:
            ready = pending[:1]
        for p in ready:
            done.append(p)
            placed.add(p.table)
            pending.remove(p)
    return done


def _strip(regclass_text: str) -> str:
    """`regclass::text` omits `public.`: put it back, to compare with qualified names."""
    name = regclass_text.replace('"', "")
    return name if "." in name else f"public.{name}"


def _insert_sql(conn: Any, plan: _Plan, rows: int) -> str | None:
    """The INSERT for one table; None when a NOT NULL foreign key has no row to point at."""
    targets: list[str] = []
    values: list[str] = []
    joins: list[str] = []
    fk_columns: set[str] = set()
    not_null = {c.name for c in plan.columns if c.not_null}
    for i, fk in enumerate(plan.fks):
        count = conn.execute(f"SELECT count(*) FROM {fk.target}").fetchone()[0]
        if _strip(fk.target) == plan.table or count == 0:
            if not_null & set(fk.columns):
                return None
            fk_columns.update(fk.columns)  # left NULL: no row to reference
            continue
        alias = f"fk{i}"
        cols = ", ".join(quote_ident(c) for c in fk.target_columns)
        joins.append(
            f"JOIN (SELECT {cols}, row_number() OVER (ORDER BY {cols}) AS rn "
            f"FROM {fk.target}) AS {alias} ON {alias}.rn = 1 + (g - 1) % {count}")
        for col, target_col in zip(fk.columns, fk.target_columns, strict=True):
            if col not in fk_columns:
                fk_columns.add(col)
                targets.append(quote_ident(col))
                values.append(f"{alias}.{quote_ident(target_col)}")
    for col in plan.columns:
        if col.name in fk_columns or col.has_default:
            continue
        value = _value(col)
        if value is None:
            continue
        targets.append(quote_ident(col.name))
        values.append(value)
    # Rows the migration inserted itself come first: number the synthetic ones after them,
    # so generated keys do not collide with theirs.
    start = conn.execute(f"SELECT count(*) FROM {_qualified(plan.table)}").fetchone()[0] + 1
    series = f"generate_series({start}, {start + rows - 1}) AS g"
    if not targets:
        return f"INSERT INTO {_qualified(plan.table)} SELECT FROM {series}"
    return (f"INSERT INTO {_qualified(plan.table)} ({', '.join(targets)}) "
            f"SELECT {', '.join(values)} FROM {series} {' '.join(joins)}")


def seed_tables(conn: Any, tables: list[str], rows: int) -> tuple[dict[str, int], list[str]]:
    """Insert `rows` synthetic rows into each of `tables` (qualified names) on `conn`
    (autocommit). Returns rows inserted per table and notes on tables that could not be
    filled (a CHECK constraint or an unusual type the generator does not know)."""
    import psycopg

    seeded: dict[str, int] = {}
    notes: list[str] = []
    plans = _order([_plan(conn, t) for t in tables])
    for plan in plans:
        sql = _insert_sql(conn, plan, rows)
        if sql is None:
            notes.append(f"could not seed {plan.table}: a NOT NULL foreign key references an "
                         "empty table")
            continue
        try:
            with conn.transaction():
                cur = conn.execute(sql)
            seeded[plan.table] = cur.rowcount
        except psycopg.Error as exc:
            message = (getattr(exc.diag, "message_primary", None) or str(exc)).strip()
            notes.append(f"could not seed {plan.table}: {message}")
    return seeded, notes
