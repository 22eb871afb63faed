"""`verify --dsn URL --preflight`: check the data a pending migration depends on, read-only.

A UNIQUE index fails on duplicates, SET NOT NULL on NULLs, a FOREIGN KEY on orphans, a CHECK
on the rows it rejects, a narrowing type change on values that do not fit, and dropping an
enum type on the columns still using it. Each of these is a query against the real database,
run in a READ ONLY transaction with a statement timeout, so a pre-flight never writes and never
runs long. Every problem comes with the count and a query the user can run to see the rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lockwise.core.types import Migration, Statement
from lockwise.parse.quoting import quote_ident

if TYPE_CHECKING:
    from lockwise.config import Config
    from lockwise.executor.history import HistoryTable

#: Bookkeeping tables of migration tools: how to read which versions are applied.
_TOOL_QUERIES = (
    ("diesel", "__diesel_schema_migrations", "SELECT version FROM __diesel_schema_migrations"),
    ("sqlx", "_sqlx_migrations", "SELECT version::text FROM _sqlx_migrations WHERE success"),
    ("flyway", "flyway_schema_history",
     "SELECT version FROM flyway_schema_history WHERE success AND version IS NOT NULL"),
    ("prisma", "_prisma_migrations",
     "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL "
     "AND rolled_back_at IS NULL"),
    ("golang-migrate", "schema_migrations",
     "SELECT version::text FROM schema_migrations WHERE NOT dirty"),
)
_INT_RANGES = {"int2": (-32768, 32767), "int4": (-2147483648, 2147483647)}
_SAMPLE_LIMIT = 20


@dataclass(frozen=True, slots=True)
class Problem:
    """Data that would make a pending statement fail."""

    migration: Migration
    statement: Statement
    check: str  # duplicates, nulls, orphans, check-violations, out-of-range, type-in-use, rows
    table: str
    count: int
    message: str
    sample_query: str


@dataclass(slots=True)
class PreflightResult:
    pending: list[Migration]
    problems: list[Problem] = field(default_factory=list)
    #: Checks that were not conclusive: timeouts, objects a pending migration creates first.
    notes: list[str] = field(default_factory=list)
    checks_run: int = 0


def _digits(version: str) -> str:
    return "".join(ch for ch in version if ch.isdigit())


def pending_migrations(conn: Any, migrations: Sequence[Migration], only: set[str] | None,
                       history: HistoryTable | None = None, config: Config | None = None
                       ) -> tuple[list[Migration], str]:
    """The migrations not yet applied to the database, and how that was decided: `history`,
    the table `lockwise apply` keeps (its default when None), else a migration tool's own.
    The history is read as `status` reads it, with `config` (the lockwise.toml in force,
    whose settings of the target the plans of unfinished runs are read with)."""
    from lockwise.executor.history import DEFAULT_HISTORY_TABLE, HistoryTable, read_rows
    from lockwise.executor.state import APPLIED, BASELINED, compute_state

    if only is not None:
        return [m for m in migrations if m.id in only or str(m.path) in only], \
            "named on the command line"
    history = history or HistoryTable.parse(DEFAULT_HISTORY_TABLE)
    rows = read_rows(conn, history)  # read only; none when the table is not there
    if rows:
        # As apply sees them: a failed or cleared run is to run again, a rolled back one too.
        state = compute_state(migrations, rows, config=config)
        done = {id(v.migration) for v in state.having(APPLIED, BASELINED) if v.migration}
        return [m for m in migrations if id(m) not in done], \
            f"not applied according to {history.display}"
    for layout, table, query in _TOOL_QUERIES:
        if conn.execute("SELECT to_regclass(%s)", (table,)).fetchone()[0] is None:
            continue
        applied = {str(r[0]) for r in conn.execute(query).fetchall()}
        if layout == "golang-migrate":
            # golang-migrate keeps only the current version: everything after it is pending.
            current = max((int(v) for v in applied if v.isdigit()), default=-1)
            pending = [m for m in migrations if _digits(m.version) and
                       int(_digits(m.version)) > current]
        elif layout == "prisma":
            pending = [m for m in migrations if m.id not in applied and m.path.parent.name
                       not in applied]
        else:
            done = {_digits(v) for v in applied}
            pending = [m for m in migrations if _digits(m.version) not in done]
        return pending, f"not recorded in {table}"
    return list(migrations), "no migration tool table found: all are checked"


class _Checker:
    """Walks the pending statements in order, tracking what they change before each check."""

    def __init__(self, conn: Any, result: PreflightResult, server_version: int) -> None:
        self.conn = conn
        self.result = result
        self.server_version = server_version
        self.created_tables: set[str] = set()
        self.added_columns: set[tuple[str, str]] = set()
        self.renamed_tables: dict[str, str] = {}  # new name -> name in the database
        self.renamed_columns: dict[tuple[str, str], str] = {}
        self.renamed_types: dict[str, str] = {}
        self.written: dict[str, int] = {}  # table -> statement number that writes it first
        self.retyped: set[tuple[str, str]] = set()  # columns an earlier statement retypes
        self.pending_enums: dict[str, list[str]] = {}

    # --- names ----------------------------------------------------------------------------

    def table(self, range_var: Any) -> str:
        schema = range_var.schemaname or "public"
        name = f"{schema}.{range_var.relname}"
        return self.renamed_tables.get(name, name)

    def column(self, table: str, col: str) -> str:
        return self.renamed_columns.get((table, col), col)

    def sql_table(self, table: str) -> str:
        schema, _, name = table.partition(".")
        return f"{quote_ident(schema)}.{quote_ident(name)}"

    def is_new(self, table: str, columns: Sequence[str] = ()) -> bool:
        return table in self.created_tables or any(
            (table, c) in self.added_columns for c in columns)

    # --- running a check ---------------------------------------------------------------------

    def count(self, sql: str) -> int | None:
        """Run one counting query in its own savepoint; None when it failed (reported)."""
        import psycopg

        self.result.checks_run += 1
        try:
            with self.conn.transaction():
                return int(self.conn.execute(sql).fetchone()[0])
        except psycopg.errors.QueryCanceled:
            self.result.notes.append(f"check timed out: {sql}")
        except psycopg.Error as exc:
            message = getattr(exc.diag, "message_primary", None) or str(exc)
            self.result.notes.append(f"check failed ({message.strip()}): {sql}")
        return None

    def report(self, m: Migration, stmt: Statement, check: str, table: str, count_sql: str,
               sample_sql: str, message: str) -> None:
        if self.is_new(table):
            return
        found = self.count(count_sql)
        if not found:
            return
        where = f"{m.path.name}:{stmt.span.line}"
        writer = self.written.get(table)
        if writer is not None:
            self.result.notes.append(
                f"{where}: {message.format(count=found)} now, but statement {writer} of the "
                f"pending migrations writes to {table} first; re-check after it runs "
                f"(see: {sample_sql})")
            return
        self.result.problems.append(Problem(m, stmt, check, table, found,
                                            message.format(count=found), sample_sql))

    # --- statements ----------------------------------------------------------------------------

    def statement(self, m: Migration, stmt: Statement, number: int) -> None:
        from pglast import ast, parse_sql

        try:
            (raw,) = parse_sql(stmt.sql)
        except Exception:  # already parsed once by lockwise; pglast's Python AST is a check
            return
        node = raw.stmt
        if isinstance(node, ast.IndexStmt):
            self.unique_index(m, stmt, node)
        elif isinstance(node, ast.AlterTableStmt):
            self.alter_table(m, stmt, node)
        elif isinstance(node, ast.CreateStmt):
            self.created_tables.add(self.table(node.relation))
        elif isinstance(node, ast.CreateEnumStmt):
            name = ".".join(n.sval for n in node.typeName)
            self.pending_enums[name if "." in name else f"public.{name}"] = \
                [v.sval for v in node.vals or ()]
        elif isinstance(node, ast.RenameStmt):
            self.rename(node)
        elif isinstance(node, ast.DropStmt):
            self.drop_type(m, stmt, node)
        elif isinstance(node, (ast.UpdateStmt, ast.DeleteStmt, ast.InsertStmt)):
            self.written.setdefault(self.table(node.relation), number)

    def rename(self, node: Any) -> None:
        from pglast.enums import ObjectType

        if node.renameType == ObjectType.OBJECT_TABLE and node.relation is not None:
            old = self.table(node.relation)
            schema = old.split(".", 1)[0]
            self.renamed_tables[f"{schema}.{node.newname}"] = old
        elif node.renameType == ObjectType.OBJECT_COLUMN and node.relation is not None:
            table = self.table(node.relation)
            self.renamed_columns[(table, node.newname)] = self.column(table, node.subname)
        elif node.renameType == ObjectType.OBJECT_TYPE and node.object is not None:
            names = [n.sval for n in getattr(node.object, "names", None) or
                     (node.object if isinstance(node.object, tuple) else ())]
            if names:
                old = ".".join(names) if len(names) > 1 else f"public.{names[0]}"
                schema = old.split(".", 1)[0]
                self.renamed_types[f"{schema}.{node.newname}"] = old

    def unique_index(self, m: Migration, stmt: Statement, node: Any) -> None:
        from pglast.stream import RawStream

        if not node.unique:
            return
        table = self.table(node.relation)
        exprs = []
        for elem in node.indexParams or ():
            if elem.name:
                exprs.append(quote_ident(self.column(table, elem.name)))
            elif elem.expr is not None:
                exprs.append(f"({RawStream()(elem.expr)})")
        names = [e.name for e in node.indexParams or () if e.name]
        if not exprs or self.is_new(table, names):
            return
        where = [f"{e} IS NOT NULL" for e in exprs] if not node.nulls_not_distinct else []
        if node.whereClause is not None:
            where.append(f"({RawStream()(node.whereClause)})")
        self.duplicates(m, stmt, table, exprs, where, f"unique index {node.idxname or ''}")

    def duplicates(self, m: Migration, stmt: Statement, table: str, exprs: list[str],
                   where: list[str], what: str) -> None:
        cond = f" WHERE {' AND '.join(where)}" if where else ""
        keys = ", ".join(exprs)
        grouped = f"SELECT {keys}, count(*) AS copies FROM {self.sql_table(table)}{cond} " \
                  f"GROUP BY {keys} HAVING count(*) > 1"
        self.report(m, stmt, "duplicates", table,
                    f"SELECT count(*) FROM ({grouped}) AS d",
                    f"{grouped} ORDER BY copies DESC LIMIT {_SAMPLE_LIMIT};",
                    f"{{count}} duplicate value(s) of ({keys}) in {table}: the "
                    f"{what.strip()} cannot be built")

    def nulls(self, m: Migration, stmt: Statement, table: str, column: str) -> None:
        col = quote_ident(self.column(table, column))
        rows = f"FROM {self.sql_table(table)} WHERE {col} IS NULL"
        self.report(m, stmt, "nulls", table, f"SELECT count(*) {rows}",
                    f"SELECT * {rows} LIMIT {_SAMPLE_LIMIT};",
                    f"{{count}} row(s) of {table} have {column} NULL: SET NOT NULL fails")

    def alter_table(self, m: Migration, stmt: Statement, node: Any) -> None:
        from pglast.enums import AlterTableType as T

        table = self.table(node.relation)
        for cmd in node.cmds or ():
            sub = cmd.subtype
            if sub == T.AT_SetNotNull:
                if not self.is_new(table, [cmd.name]):
                    self.nulls(m, stmt, table, cmd.name)
            elif sub == T.AT_AddColumn:
                self.add_column(m, stmt, table, cmd.def_)
            elif sub == T.AT_AddConstraint:
                self.constraint(m, stmt, table, cmd.def_)
            elif sub == T.AT_ValidateConstraint:
                self.validate(m, stmt, table, cmd.name)
            elif sub == T.AT_AlterColumnType:
                self.retype(m, stmt, table, cmd.name, cmd.def_)
                self.retyped.add((table, cmd.name))

    def add_column(self, m: Migration, stmt: Statement, table: str, coldef: Any) -> None:
        from pglast.enums import ConstrType

        cons = coldef.constraints or ()
        not_null = any(c.contype in (ConstrType.CONSTR_NOTNULL, ConstrType.CONSTR_PRIMARY)
                       for c in cons)
        has_default = any(c.contype in (ConstrType.CONSTR_DEFAULT, ConstrType.CONSTR_IDENTITY,
                                        ConstrType.CONSTR_GENERATED) for c in cons)
        if not_null and not has_default:
            rows = f"FROM {self.sql_table(table)}"
            self.report(m, stmt, "rows", table,
                        f"SELECT count(*) FROM (SELECT 1 {rows} LIMIT 1) AS r",
                        f"SELECT count(*) {rows};",
                        f"{table} is not empty: ADD COLUMN {coldef.colname} NOT NULL without a "
                        f"default fails")
        self.added_columns.add((table, coldef.colname))

    def constraint(self, m: Migration, stmt: Statement, table: str, con: Any) -> None:
        from pglast.enums import ConstrType
        from pglast.stream import RawStream

        if con.contype in (ConstrType.CONSTR_UNIQUE, ConstrType.CONSTR_PRIMARY):
            if con.indexname:  # USING INDEX: the index already proved uniqueness
                return
            cols = [k.sval for k in con.keys or ()]
            if not cols or self.is_new(table, cols):
                return
            exprs = [quote_ident(self.column(table, c)) for c in cols]
            where = [] if con.nulls_not_distinct else [f"{e} IS NOT NULL" for e in exprs]
            kind = "primary key" if con.contype == ConstrType.CONSTR_PRIMARY else "unique"
            self.duplicates(m, stmt, table, exprs, where, f"{kind} constraint {con.conname or ''}")
            if con.contype == ConstrType.CONSTR_PRIMARY:
                for c in cols:
                    self.nulls(m, stmt, table, c)
        elif con.contype == ConstrType.CONSTR_FOREIGN and not con.skip_validation:
            cols = [a.sval for a in con.fk_attrs or ()]
            target = self.table(con.pktable)
            target_cols = [a.sval for a in con.pk_attrs or ()] or self.primary_key(target)
            if cols and target_cols and not self.is_new(table, cols) and \
                    not self.is_new(target):
                self.orphans(m, stmt, table, cols, target, target_cols)
        elif con.contype == ConstrType.CONSTR_CHECK and not con.skip_validation and \
                not self.is_new(table):
            self.check(m, stmt, table, RawStream()(con.raw_expr), con.conname or "")

    def primary_key(self, table: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
            "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = to_regclass(%s) AND i.indisprimary "
            "ORDER BY array_position(i.indkey, a.attnum)", (self.sql_table(table),)).fetchall()
        return [r[0] for r in rows]

    def orphans(self, m: Migration, stmt: Statement, table: str, cols: list[str], target: str,
                target_cols: list[str]) -> None:
        child = [f"c.{quote_ident(self.column(table, c))}" for c in cols]
        parent = [f"p.{quote_ident(self.column(target, c))}" for c in target_cols]
        match = " AND ".join(f"{p} = {c}" for p, c in zip(parent, child, strict=True))
        # MATCH SIMPLE: a row with any NULL in the key is not checked.
        rows = (f"FROM {self.sql_table(table)} AS c WHERE "
                + " AND ".join(f"{c} IS NOT NULL" for c in child)
                + f" AND NOT EXISTS (SELECT 1 FROM {self.sql_table(target)} AS p WHERE {match})")
        self.report(m, stmt, "orphans", table, f"SELECT count(*) {rows}",
                    f"SELECT {', '.join(child)} {rows} LIMIT {_SAMPLE_LIMIT};",
                    f"{{count}} row(s) of {table} reference a missing {target} row "
                    f"({', '.join(cols)}): the foreign key cannot be validated")

    def check(self, m: Migration, stmt: Statement, table: str, expr: str, name: str) -> None:
        # A CHECK passes when its expression is NULL: count only rows where it is false.
        rows = f"FROM {self.sql_table(table)} WHERE NOT ({expr})"
        self.report(m, stmt, "check-violations", table, f"SELECT count(*) {rows}",
                    f"SELECT * {rows} LIMIT {_SAMPLE_LIMIT};",
                    f"{{count}} row(s) of {table} violate CHECK ({expr})"
                    + (f" of constraint {name}" if name else ""))

    def validate(self, m: Migration, stmt: Statement, table: str, name: str) -> None:
        row = self.conn.execute(
            "SELECT contype::text, pg_get_expr(conbin, conrelid), confrelid::regclass::text, "
            "array(SELECT attname FROM pg_attribute WHERE attrelid = conrelid "
            "      AND attnum = ANY(conkey) ORDER BY array_position(conkey, attnum))::text[], "
            "array(SELECT attname FROM pg_attribute WHERE attrelid = confrelid "
            "      AND attnum = ANY(confkey) ORDER BY array_position(confkey, attnum))::text[] "
            "FROM pg_constraint WHERE conrelid = to_regclass(%s) AND conname = %s",
            (self.sql_table(table), name)).fetchone()
        if row is None:
            return  # added by a pending statement: checked there, if it was validated
        contype, expr, target, cols, target_cols = row
        if contype == "c" and expr:
            self.check(m, stmt, table, expr, name)
        elif contype == "f":
            target = target if "." in target else f"public.{target}"
            self.orphans(m, stmt, table, list(cols), target.replace('"', ""), list(target_cols))

    def retype(self, m: Migration, stmt: Statement, table: str, column: str, coldef: Any) -> None:
        from pglast.stream import RawStream

        if self.is_new(table, [column]) or coldef is None or coldef.typeName is None:
            return
        tn = coldef.typeName
        names = [n.sval for n in tn.names]
        base = names[-1]
        mods = [getattr(getattr(t, "val", None), "ival", None) for t in tn.typmods or ()]
        type_sql = RawStream()(tn)
        col = quote_ident(self.column(table, column))
        qualified = ".".join(names) if len(names) > 1 else f"public.{base}"
        if coldef.raw_default is not None and qualified not in self.pending_enums:
            return  # USING expression: the user's own conversion, not a plain cast
        cond = None
        if qualified in self.pending_enums:
            labels = ", ".join("'" + v.replace("'", "''") + "'"
                               for v in self.pending_enums[qualified])
            cond = f"{col}::text NOT IN ({labels})"
        elif base in ("varchar", "bpchar") and mods and mods[0] is not None:
            cond = f"char_length(rtrim({col}::text)) > {mods[0]}"
        elif base in _INT_RANGES:
            lo, hi = _INT_RANGES[base]
            cond = f"{col}::numeric NOT BETWEEN {lo} AND {hi}"
        elif base == "numeric" and mods and mods[0] is not None:
            scale = mods[1] if len(mods) > 1 and mods[1] is not None else 0
            cond = f"abs(round({col}::numeric, {scale})) >= 10::numeric ^ {mods[0] - scale}"
        elif self.server_version >= 16:
            literal = "'" + type_sql.replace("'", "''") + "'"
            cond = f"NOT pg_input_is_valid({col}::text, {literal})"
        if cond is None:
            return
        rows = f"FROM {self.sql_table(table)} WHERE {col} IS NOT NULL AND {cond}"
        self.report(m, stmt, "out-of-range", table, f"SELECT count(*) {rows}",
                    f"SELECT {col} {rows} LIMIT {_SAMPLE_LIMIT};",
                    f"{{count}} row(s) of {table} have a {column} that does not fit "
                    f"{type_sql}: the type change fails")

    def drop_type(self, m: Migration, stmt: Statement, node: Any) -> None:
        from pglast.enums import ObjectType

        if node.removeType not in (ObjectType.OBJECT_TYPE, ObjectType.OBJECT_DOMAIN):
            return
        for obj in node.objects or ():
            names = [n.sval for n in getattr(obj, "names", None) or ()]
            if not names:
                continue
            name = ".".join(names) if len(names) > 1 else f"public.{names[0]}"
            name = self.renamed_types.get(name, name)
            users = self.conn.execute(
                "SELECT n.nspname || '.' || c.relname, a.attname FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n "
                "ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND a.attnum > 0 "
                "AND NOT a.attisdropped AND a.atttypid IN (SELECT t.oid FROM pg_type t "
                "WHERE t.oid = to_regtype(%s) OR t.typelem = to_regtype(%s))",
                (name, name)).fetchall()
            for table, column in users:
                if (table, column) in self.retyped:
                    continue  # converted to another type earlier in the pending statements
                col = quote_ident(column)
                rows = f"FROM {self.sql_table(table)} WHERE {col} IS NOT NULL"
                self.report(m, stmt, "type-in-use", table, f"SELECT count(*) {rows}",
                            f"SELECT {col}, count(*) {rows} GROUP BY 1 ORDER BY 2 DESC "
                            f"LIMIT {_SAMPLE_LIMIT};",
                            f"{{count}} row(s) of {table}.{column} still hold values of type "
                            f"{name}: DROP TYPE fails (or, with CASCADE, drops the column)")


def preflight(conn: Any, migrations: Sequence[Migration], *, timeout_ms: int = 10_000,
              server_version: int = 16) -> PreflightResult:
    """Run the data checks for `migrations` (the pending ones, in order) on `conn`.

    Everything runs in one READ ONLY transaction that is rolled back at the end; every query
    is bounded by `timeout_ms` and by a lock timeout of the same length, so a check never
    waits behind the application's locks for long.
    """
    from lockwise.parse.postgres import parse_sql

    result = PreflightResult(list(migrations))
    checker = _Checker(conn, result, server_version)
    with conn.transaction(force_rollback=True):
        conn.execute("SET TRANSACTION READ ONLY")
        conn.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
        conn.execute(f"SET LOCAL lock_timeout = {int(timeout_ms)}")
        number = 0
        for m in migrations:
            for stmt in parse_sql(m.up_sql).statements:
                number += 1
                checker.statement(m, stmt, number)
    return result
