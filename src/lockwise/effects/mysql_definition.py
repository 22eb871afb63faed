"""A CREATE TABLE whose own definition the server refuses (fix-mysql61): a column named twice
(error 1060), an index, primary key or foreign key on a column the table does not have (1072),
two indexes of one name (1061), two primary keys (1068).

Checked on MariaDB 10.11, which answers the first of them in that order whatever the order
they are written in (`(a INT, KEY i (a), KEY i (b), KEY j (nope))`: 1072). MySQL 8 has the
same errors and numbers (its "Server Error Message Reference": ER_DUP_FIELDNAME,
ER_KEY_COLUMN_DOES_NOT_EXITS, ER_DUP_KEYNAME, ER_MULTIPLE_PRI_KEY), not observed: where a
definition has more than one of them, which MySQL answers first is not said.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class _Definition:
    """What a CREATE TABLE's definition lists, as written."""

    columns: list[str] = field(default_factory=list)
    #: each index's, primary key's or foreign key's columns (plain columns only)
    key_columns: list[str] = field(default_factory=list)
    #: the indexes written with a name (an unnamed one's is the server's to choose)
    index_names: list[str] = field(default_factory=list)
    primary_keys: int = 0


def _plain_columns(parts) -> list[str] | None:
    """The column names of a key's parts as written (`c(5)` is `c`); None when one part is
    not a column (an expression: not judged)."""
    from sqlglot import exp

    names = []
    for part in parts or ():
        part = part.this if isinstance(part, exp.Ordered) else part
        if isinstance(part, exp.ColumnPrefix):
            part = part.this
        if not isinstance(part, (exp.Column, exp.Identifier)) or not part.name:
            return None
        names.append(part.name)
    return names


def _read(parts) -> _Definition:
    from sqlglot import exp

    found = _Definition()
    for part in parts:
        name = ""
        if isinstance(part, exp.Constraint) and part.expressions:
            name = part.this.name if part.this is not None else ""
            part = part.expressions[0]
        columns: list[str] | None = []
        if isinstance(part, exp.ColumnDef):
            found.columns.append(part.name)
            found.primary_keys += any(isinstance(c.args.get("kind"),
                                                 exp.PrimaryKeyColumnConstraint)
                                      for c in part.args.get("constraints") or ())
        elif isinstance(part, exp.PrimaryKey):
            found.primary_keys += 1
            columns = _plain_columns(part.expressions)
        elif isinstance(part, exp.UniqueColumnConstraint) and isinstance(part.this, exp.Schema):
            name = name or (part.this.this.name if part.this.this is not None else "")
            columns = _plain_columns(part.this.expressions)
            found.index_names += [name] if name else []
        elif isinstance(part, exp.IndexColumnConstraint):
            name = name or (part.this.name if part.this is not None else "")
            columns = _plain_columns(part.expressions)
            found.index_names += [name] if name else []
        elif isinstance(part, exp.ForeignKey):
            columns = _plain_columns(part.expressions)
        found.key_columns += columns or []
    return found


def _first_twice(names: list[str]) -> str:
    """The first name of `names` written again later (case-insensitively: the later one as
    written, as the server names it), "" when none is."""
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            return name
        seen.add(name.lower())
    return ""


def definition_refusal(expr, flavour: str) -> dict | None:
    """The facts of the server's refusal of CREATE TABLE `expr` (a sqlglot tree) for its own
    definition (error_code, server_error, why_text), None when none is sure. A LIKE copy is
    not read; an AS SELECT's or system-versioned table's columns are not all written, so a
    key's missing column is not said for one."""
    from sqlglot import exp

    schema = expr.this if isinstance(expr.this, exp.Schema) else None
    if schema is None:
        return None
    found = _read(schema.expressions)
    refusals = []
    if twice := _first_twice(found.columns):
        refusals.append((1060, f"Duplicate column name '{twice}'",
                         f"it defines the column {twice} twice"))
    written = {c.lower() for c in found.columns}
    missing = next((c for c in found.key_columns if c.lower() not in written), "")
    if missing and expr.expression is None and \
            "SYSTEM VERSIONING" not in expr.sql("mysql").upper():  # (columns not written)
        refusals.append((1072, f"Key column '{missing}' doesn't exist in table",
                         f"a key names the column {missing}, which the table does not have"))
    if twice := _first_twice(found.index_names):
        refusals.append((1061, f"Duplicate key name '{twice}'",
                         f"it names two indexes {twice}"))
    if found.primary_keys > 1:
        refusals.append((1068, "Multiple primary key defined",
                         "it defines more than one primary key"))
    if not refusals or (flavour == "mysql" and len(refusals) > 1):
        return None
    code, error, why = refusals[0]
    return {"error_code": code, "server_error": error, "why_text": why}
