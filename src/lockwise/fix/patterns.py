"""The rewrite patterns: one unsafe statement -> the statements of its safe sequence.

Each pattern works on pglast's AST of the statement (so the SQL it writes is deparsed by
PostgreSQL's own grammar rules, with the user's names) and places the pieces in phases:

* `main`: runs where the statement was, in the migration's transaction;
* `alone`: a statement that must run outside any transaction (CONCURRENTLY, batched backfill),
  each in its own migration, in order;
* `later`: phases that run in later migrations, after the main phase committed, in order
  (e.g. VALIDATE; SET NOT NULL proven by the validated CHECK).
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Rules with a mechanical rewrite.
FIXABLE = frozenset({
    "index-without-concurrently", "drop-index-without-concurrently",
    "reindex-without-concurrently", "add-foreign-key-validated", "add-check-validated",
    "add-unique-constraint", "set-not-null", "add-column-volatile-default",
})

#: Heap pages per backfill batch (8 kB each: about 800 kB of table per transaction).
BATCH_PAGES = 100


@dataclass(slots=True)
class Pieces:
    """Where the parts of one rewritten statement go."""

    main: list[str] = field(default_factory=list)
    alone: list[str] = field(default_factory=list)
    later: list[list[str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def at(self, phase: int) -> list[str]:
        """The statements of later phase `phase` (0: the first migration after this one)."""
        while len(self.later) <= phase:
            self.later.append([])
        return self.later[phase]


def _sql(node) -> str:
    from pglast.stream import RawStream

    return RawStream()(node)


def _quote(name: str) -> str:
    """An identifier as PostgreSQL needs it written: quoted unless plain and not reserved."""
    import re

    from pglast.keywords import RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS

    plain = re.fullmatch(r"[a-z_][a-z0-9_$]*", name) and name not in RESERVED_KEYWORDS \
        and name not in TYPE_FUNC_NAME_KEYWORDS
    return name if plain else '"' + name.replace('"', '""') + '"'


def _table_sql(relation) -> str:
    return ".".join(_quote(p) for p in (relation.schemaname, relation.relname) if p)


def not_null_check_name(table: str, column: str) -> str:
    return f"{table}_{column}_not_null"[:63]


def batched_backfill(table_sql: str, column: str, value_sql: str) -> str:
    """A backfill that commits every batch: a DO block run outside a transaction (PG 11+).

    Batches are ranges of heap pages (a TID range scan from PostgreSQL 14, so each batch reads
    only its pages); each UPDATE commits before the next, so no row lock outlives its batch.
    Rows already filled are skipped (`IS NULL`), so running it again after an interruption
    does not redo finished batches.
    """
    col = _quote(column)
    literal = "'" + table_sql.replace("'", "''") + "'"
    return (
        f"-- lockwise: batch pages={BATCH_PAGES}\n"
        "DO $lockwise$\n"
        "DECLARE\n"
        f"  last_page bigint := pg_relation_size({literal}) / "
        "current_setting('block_size')::bigint;\n"
        "  first_page bigint := 0;\n"
        "BEGIN\n"
        "  WHILE first_page <= last_page LOOP\n"
        f"    UPDATE {table_sql} SET {col} = {value_sql}\n"
        "    WHERE ctid >= format('(%s,0)', first_page)::tid\n"
        f"      AND ctid < format('(%s,0)', first_page + {BATCH_PAGES})::tid\n"
        f"      AND {col} IS NULL;\n"
        f"    first_page := first_page + {BATCH_PAGES};\n"
        "    COMMIT;\n"
        "  END LOOP;\n"
        "END\n"
        "$lockwise$"
    )


def _not_null_path(table_sql: str, table_name: str, column: str, pieces: Pieces,
                   add_check: list[str], first_phase: int) -> None:
    """CHECK (col IS NOT NULL) NOT VALID, then VALIDATE, SET NOT NULL (no scan, PG 12+) and
    drop the CHECK, each step in a later transaction than the one before."""
    check = not_null_check_name(table_name, column)
    col = _quote(column)
    add_check.append(
        f"ALTER TABLE {table_sql} ADD CONSTRAINT {_quote(check)} CHECK ({col} IS NOT NULL) "
        "NOT VALID")
    pieces.at(first_phase).extend([
        f"ALTER TABLE {table_sql} VALIDATE CONSTRAINT {_quote(check)}",
        f"ALTER TABLE {table_sql} ALTER COLUMN {col} SET NOT NULL",
        f"ALTER TABLE {table_sql} DROP CONSTRAINT {_quote(check)}",
    ])


def rewrite(sql: str, rules: set[str]) -> Pieces | None:
    """The safe sequence for one statement, or None when no pattern applies to it."""
    from pglast import ast, parse_sql

    if not rules & FIXABLE:
        return None
    (raw,) = parse_sql(sql)
    stmt = raw.stmt
    pieces = Pieces()
    if isinstance(stmt, ast.IndexStmt) and "index-without-concurrently" in rules:
        stmt.concurrent = True
        stmt.if_not_exists = bool(stmt.idxname)
        pieces.alone.append(_sql(stmt))
        pieces.notes.append("a failed CONCURRENTLY build leaves an INVALID index: check "
                            "pg_index.indisvalid and drop it before retrying")
        return pieces
    if isinstance(stmt, ast.DropStmt) and "drop-index-without-concurrently" in rules:
        stmt.concurrent = True
        stmt.missing_ok = True
        pieces.alone.append(_sql(stmt))
        return pieces
    if isinstance(stmt, ast.ReindexStmt) and "reindex-without-concurrently" in rules:
        stmt.params = (*(stmt.params or ()), ast.DefElem(defname="concurrently"))
        pieces.alone.append(_sql(stmt))
        return pieces
    if isinstance(stmt, ast.AlterTableStmt):
        return _rewrite_alter(stmt, rules, pieces)
    return None


def _rewrite_alter(stmt, rules: set[str], pieces: Pieces) -> Pieces | None:
    from pglast import ast

    table_sql = _table_sql(stmt.relation)
    table_name = stmt.relation.relname
    kept = []
    changed = False
    for cmd in stmt.cmds:
        sub = cmd.subtype
        con = cmd.def_ if isinstance(cmd.def_, ast.Constraint) else None
        name = getattr(sub, "name", str(sub))
        if name == "AT_AddConstraint" and con is not None and \
                con.contype.name in ("CONSTR_FOREIGN", "CONSTR_CHECK") and \
                not con.skip_validation and \
                rules & {"add-foreign-key-validated", "add-check-validated"}:
            con.skip_validation = True
            con.initially_valid = False
            kept.append(cmd)
            if con.conname:
                pieces.at(0).append(
                    f"ALTER TABLE {table_sql} VALIDATE CONSTRAINT {_quote(con.conname)}")
            else:
                pieces.notes.append("name the constraint so that it can be validated later")
            changed = True
        elif name == "AT_AddConstraint" and con is not None and \
                con.contype.name in ("CONSTR_UNIQUE", "CONSTR_PRIMARY") and \
                not con.indexname and "add-unique-constraint" in rules and con.keys:
            index = con.conname or f"{table_name}_{'_'.join(k.sval for k in con.keys)}_key"
            columns = ", ".join(_quote(k.sval) for k in con.keys)
            pieces.alone.append(f"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "
                                f"{_quote(index)} ON {table_sql} ({columns})")
            kind = "PRIMARY KEY" if con.contype.name == "CONSTR_PRIMARY" else "UNIQUE"
            pieces.at(0).append(f"ALTER TABLE {table_sql} ADD CONSTRAINT {_quote(index)} "
                                f"{kind} USING INDEX {_quote(index)}")
            changed = True
        elif name == "AT_SetNotNull" and "set-not-null" in rules:
            _not_null_path(table_sql, table_name, cmd.name, pieces, pieces.main, 0)
            changed = True
        elif name == "AT_AddColumn" and "add-column-volatile-default" in rules:
            coldef = cmd.def_
            default = next((c for c in coldef.constraints or () if
                            c.contype.name == "CONSTR_DEFAULT"), None)
            not_null = any(c.contype.name == "CONSTR_NOTNULL" for c in coldef.constraints or ())
            other = [c for c in coldef.constraints or () if c.contype.name not in
                     ("CONSTR_DEFAULT", "CONSTR_NOTNULL")]
            if default is None or other:
                kept.append(cmd)  # identity / generated / serial columns: no mechanical rewrite
                pieces.notes.append(f"{coldef.colname}: identity, serial and generated columns "
                                    "have no mechanical rewrite")
                continue
            col = _quote(coldef.colname)
            value = _sql(default.raw_expr)
            pieces.main.append(f"ALTER TABLE {table_sql} ADD COLUMN {col} "
                               f"{_sql(coldef.typeName)}")
            pieces.main.append(f"ALTER TABLE {table_sql} ALTER COLUMN {col} SET DEFAULT {value}")
            pieces.alone.append(batched_backfill(table_sql, coldef.colname, value))
            if not_null:
                # The CHECK comes after the backfill: NOT VALID still checks every UPDATE, and
                # an application update of a row not yet backfilled would fail it.
                _not_null_path(table_sql, table_name, coldef.colname, pieces, pieces.at(0), 1)
            changed = True
        else:
            kept.append(cmd)
    if not changed:
        return None
    if kept:
        stmt.cmds = tuple(kept)
        pieces.main.insert(0, _sql(stmt))
    return pieces
