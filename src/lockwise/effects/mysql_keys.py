"""MySQL / MariaDB indexes and DROP COLUMN: what dropping an indexed column does.

The server takes a dropped column out of every index that has it, and drops an index left
without columns (the manual's "ALTER TABLE Statement", 13.1.9 in 8.0, 15.1.9 in 8.4: "If all
columns that make up an index are dropped, the index is dropped as well"). That index change
is not instant:

* MySQL: DROP COLUMN is instant from 8.0.29 only beside operations that are instant too ("Online
  DDL Operations", 15.12.1 in 8.0, 17.12.1 in 8.4: "Adding or dropping a column cannot be
  combined in the same statement with other ALTER TABLE actions that do not support
  ALGORITHM=INSTANT"); dropping or changing an index is in place: the drop takes its
  in-place path, a rebuild.
* MariaDB (its "InnoDB Online DDL Operations with ALGORITHM=INSTANT" and ALTER TABLE pages,
  checked on 10.11): when every index that has the column goes with it, NOCOPY (no rebuild);
  when an index keeps other columns it is built again: an in-place rebuild. Dropping a column
  of a multi-column UNIQUE index or primary key that keeps other columns is refused (error
  1072, from 10.2.8: the other columns would have to become unique).
* Both: the primary key's last column dropped drops the primary key (a copy), and an index the
  same ALTER adds on a column it drops is refused (error 1072, "Key column ... doesn't exist").

The catalog keeps each table's indexes other than FULLTEXT ones (effects/mysql_fulltext.py)
and the primary key (`Table.constraints["PRIMARY"]`) in `Table.keys`.
"""

from __future__ import annotations

from dataclasses import dataclass

from lockwise.catalog.model import Table

#: A key the migrations wrote: its columns and whether it is UNIQUE.
Key = tuple[tuple[str, ...], bool]


def key_of(node) -> tuple[str, tuple[str, ...], bool, bool] | None:
    """(name, columns, unique, on a column prefix) of an index in a CREATE TABLE or an ALTER
    TABLE ... ADD (a sqlglot node); None for what is no such index (FULLTEXT, PRIMARY KEY,
    FOREIGN KEY, CHECK)."""
    from sqlglot import exp

    name = ""
    if isinstance(node, exp.Constraint) and node.expressions:
        name, node = (node.this.name if node.this is not None else ""), node.expressions[0]
    if isinstance(node, exp.UniqueColumnConstraint) and isinstance(node.this, exp.Schema):
        schema = node.this
        name = name or (schema.this.name if schema.this is not None else "")
        return (name.lower(), columns_of(schema.expressions), True,
                on_prefix(schema.expressions))
    if isinstance(node, exp.IndexColumnConstraint) and \
            str(node.args.get("kind") or "").upper() != "FULLTEXT":
        name = name or (node.this.name if node.this is not None else "")
        return name.lower(), columns_of(node.expressions), False, on_prefix(node.expressions)
    return None


def on_prefix(parts) -> bool:
    """Whether an index's column list (sqlglot nodes) has a column prefix part, `c(5)`: a
    ColumnPrefix in a table's definitions, a call in CREATE INDEX's."""
    from sqlglot import exp

    return any(isinstance(part.this if isinstance(part, exp.Ordered) else part,
                          exp.ColumnPrefix | exp.Anonymous) for part in parts or ())


@dataclass(frozen=True)
class WrittenIndex:
    """An index definition read from its text: its columns, whether a part is a column
    prefix (`c(5)`), whether an option makes it INVISIBLE (MariaDB: IGNORED)."""

    columns: tuple[str, ...]
    prefix: bool
    invisible: bool


def read_index(text: str) -> WrittenIndex:
    """The index whose key part list is the first parenthesised list in `text`, with its
    options after it: CREATE INDEX read from its text (sqlglot keeps CREATE INDEX ...
    ALGORITHM=, ... INVISIBLE a command). A functional part, `((expr))`, names no column."""
    from sqlglot.errors import TokenError
    from sqlglot.tokens import TokenType

    from lockwise.parse.mysql import mysql_tokens

    try:
        tokens = mysql_tokens(text)
    except TokenError:
        return WrittenIndex((), False, False)
    start = next((i for i, tok in enumerate(tokens) if tok.token_type == TokenType.L_PAREN),
                 len(tokens))
    columns: list[str] = []
    prefix, depth, part, end = False, 0, [], len(tokens)
    for end in range(start + 1, len(tokens)):
        tok = tokens[end]
        if depth == 0 and tok.token_type in (TokenType.COMMA, TokenType.R_PAREN):
            if part and part[0].token_type != TokenType.L_PAREN:
                columns.append(part[0].text.lower())
                prefix |= len(part) > 1 and part[1].token_type == TokenType.L_PAREN
            if tok.token_type == TokenType.R_PAREN:
                break
            part = []
            continue
        depth += (tok.token_type == TokenType.L_PAREN) - (tok.token_type == TokenType.R_PAREN)
        part.append(tok)
    invisible = False
    for i in range(end + 1, len(tokens)):  # the last visibility written is the index's
        word = tokens[i].text.upper() if tokens[i].token_type not in (
            TokenType.IDENTIFIER, TokenType.STRING) else ""
        if word in ("VISIBLE", "INVISIBLE", "IGNORED"):
            invisible = word == "INVISIBLE" or (word == "IGNORED" and
                                                tokens[i - 1].text.upper() != "NOT")
    return WrittenIndex(tuple(columns), prefix, invisible)


def columns_of(parts) -> tuple[str, ...]:
    """An index's column list (sqlglot nodes) as column names: `c(5)` is `c`."""
    from sqlglot import exp

    out = []
    for part in parts or ():
        part = part.this if isinstance(part, exp.Ordered) else part
        out.append(part.name.lower())  # a Column, or a ColumnPrefix `c(5)` named by its column
    return tuple(c for c in out if c)


def unnamed_index_name(table: Table, columns: tuple[str, ...]) -> str:
    """The name the server gives an index written without one: its first column's, numbered
    when an index of the table has that name."""
    name, n = columns[0], 2
    while name in table.keys or name in table.fulltext:
        name, n = f"{columns[0]}_{n}", n + 1
    return name


def record(table: Table, name: str, columns: tuple[str, ...], unique: bool,
           prefix: bool = False) -> None:
    """Record the index `name` (unnamed: named as the server names it) of `table`, `prefix`
    when a part of it is a column prefix."""
    if columns:
        name = name or unnamed_index_name(table, columns)
        table.keys[name] = (columns, unique)
        if prefix:
            table.prefix_keys.add(name)
        else:
            table.prefix_keys.discard(name)


def rename_index(table: Table, old: str, new: str) -> None:
    if old in table.keys:
        table.keys[new] = table.keys.pop(old)
        if old in table.prefix_keys:
            table.prefix_keys.remove(old)
            table.prefix_keys.add(new)
        else:
            table.prefix_keys.discard(new)


def rename_column(table: Table, old: str, new: str) -> None:
    for name, (columns, unique) in table.keys.items():
        table.keys[name] = (tuple(new if c == old else c for c in columns), unique)


def drop_column(table: Table, column: str) -> None:
    """The server takes a dropped column out of its indexes, and drops an index left empty."""
    for name, (columns, unique) in list(table.keys.items()):
        kept = tuple(c for c in columns if c != column)
        if kept:
            table.keys[name] = (kept, unique)
        else:
            del table.keys[name]


@dataclass(frozen=True, slots=True)
class ColumnDrops:
    """What one ALTER's DROP COLUMNs do to the table's indexes."""

    #: dropped column -> "drop_column_with_index" (every index that has it goes too) or
    #: "drop_column_indexed" (an index keeps other columns: it is built again).
    operations: dict[str, str]
    #: Whether the primary key loses all its columns (it is dropped: a copy).
    drops_primary_key: bool
    #: The first drop the server refuses (error 1072), as (column, index, the index's other
    #: columns, whether the statement adds the index): a column of an index the same statement
    #: adds, or (MariaDB) of a multi-column UNIQUE index or primary key that keeps others.
    refused: tuple[str, str, tuple[str, ...], bool] | None


def column_drops(table: Table | None, dropped: set[str], added_columns: set[str],
                 dropped_keys: set[str], added_keys: list[tuple[str, tuple[str, ...]]],
                 flavour: str) -> ColumnDrops:
    """How the ALTER that drops `dropped` and adds `added_columns` (a column dropped and added
    again keeps its place in the indexes), drops the indexes `dropped_keys` (names; "primary"
    for the primary key) and adds `added_keys` (name, columns) runs its column drops."""
    gone = dropped - added_columns
    refused = next(((column, name, tuple(c for c in columns if c != column), True)
                    for name, columns in added_keys for column in columns if column in gone),
                   None)
    keys = dict(table.keys) if table is not None else {}
    primary = table.constraints.get("PRIMARY") if table is not None else None
    if primary is not None and "primary" not in dropped_keys:
        keys["PRIMARY"] = (primary.columns, True)
    operations: dict[str, str] = {}
    for name, (columns, unique) in keys.items():
        if name in dropped_keys or not dropped.intersection(columns):
            continue
        kept = [c for c in columns if c not in gone]
        for column in dropped.intersection(columns):
            if kept:
                operations[column] = "drop_column_indexed"
                if unique and column in gone and flavour == "mariadb" and not refused:
                    refused = (column, name, tuple(kept), False)
            else:
                operations.setdefault(column, "drop_column_with_index")
    drops_primary_key = primary is not None and "primary" not in dropped_keys and \
        set(primary.columns) <= gone
    return ColumnDrops(operations, drops_primary_key, refused)


# --- foreign keys and the indexes they need --------------------------------------------------

#: A foreign key's ON DELETE / ON UPDATE action as the catalog spells it (pg_constraint's
#: letters); NO ACTION (the default) is "a".
_ACTIONS = {"CASCADE": "c", "SET NULL": "n", "RESTRICT": "r", "SET DEFAULT": "d",
            "NO ACTION": "a"}


def foreign_key_of(node) -> tuple[str, tuple[str, ...], str, tuple[str, ...], str, str] | None:
    """(name, columns, referenced table, referenced columns, ON DELETE action, ON UPDATE
    action) of a FOREIGN KEY in a CREATE TABLE or an ALTER TABLE ... ADD (a sqlglot node);
    None for anything else. `name` is "" when the constraint is unnamed; the actions are
    pg_constraint's letters (c CASCADE, n SET NULL, a NO ACTION...)."""
    from sqlglot import exp

    name = ""
    if isinstance(node, exp.Constraint) and node.expressions:
        name, node = (node.this.name if node.this is not None else ""), node.expressions[0]
    if not isinstance(node, exp.ForeignKey):
        return None
    reference = node.args.get("reference")
    schema = reference.this if reference is not None else None
    if not isinstance(schema, exp.Schema) or not isinstance(schema.this, exp.Table):
        return None
    parent = ".".join(p for p in (schema.this.db, schema.this.name) if p).lower()
    actions = {"DELETE": "a", "UPDATE": "a"}
    for option in reference.args.get("options") or ():
        words = " ".join(str(option).upper().split()).split(" ", 2)
        if len(words) == 3 and words[0] == "ON" and words[1] in actions:
            actions[words[1]] = _ACTIONS.get(words[2], "a")
    return (name.lower(), columns_of(node.expressions), parent, columns_of(schema.expressions),
            actions["DELETE"], actions["UPDATE"])


def record_foreign_key(table: Table, name: str, columns: tuple[str, ...], parent: str,
                       ref_columns: tuple[str, ...], on_delete: str = "a",
                       on_update: str = "a") -> None:
    """Record a foreign key of `table`, and the index the server creates for it when none of
    the table's indexes starts with its columns (named after the constraint, "FOREIGN KEY
    Constraints": "Such an index is created on the referencing table automatically if it does
    not exist")."""
    from lockwise.catalog.model import Constraint

    if not columns:
        return
    n = sum(c.kind == "foreign" for c in table.constraints.values()) + 1
    key = name or f"{table.name.split('.')[-1]}_ibfk_{n}"
    table.constraints[key] = Constraint(key, "foreign", columns, references=parent,
                                        ref_columns=ref_columns, on_delete=on_delete,
                                        on_update=on_update)
    if not _served(columns, _indexes(table)):
        record(table, name, columns, False)


def implicit_primary_key(table: Table) -> str:
    """The UNIQUE index that stands in for the primary key of a table without one ("" when
    none): the first whose columns are all NOT NULL (MySQL manual, "Invisible Indexes": it
    "places the same constraint on table rows as an explicit primary key"; InnoDB clusters
    the rows on it). Checked on MariaDB 10.11: the first in the order the migrations wrote
    them, a later one or one on a nullable column is no primary key, nor is one on a column
    prefix, even written first (the server sorts whole-column keys before it)."""
    if "PRIMARY" in table.constraints:
        return ""
    return next((name for name, (columns, unique) in table.keys.items()
                 if unique and name not in table.prefix_keys and all(
                     (c := table.columns.get(column)) is not None and c.not_null
                     for column in columns)), "")


def without_unique_key(table: Table | None, operations: list[tuple[str, dict]]) -> str:
    """Whether `table`, whose definition the replay knows, has no PRIMARY KEY and no UNIQUE
    index, which an online schema change tool needs to follow its rows: "none", or "added"
    when the ALTER's `operations` add one; "nullable" when it has UNIQUE indexes, each with
    a column that may be NULL, which gh-ost refuses as its key ("Chosen key ... has nullable
    columns. Bailing out", go/logic/inspect.go; docs/shared-key.md: unless
    --allow-nullable-unique-key, safe only when no NULL is stored); "" when it has a key
    both tools take, or is not known."""
    if table is None or table.created_by is None or "PRIMARY" in table.constraints:
        return ""
    uniques = [columns for columns, unique in table.keys.values() if unique]
    if uniques:
        return "nullable" if all(_nullable_column(table, columns) for columns in uniques) \
            else ""
    adds = any(op in ("add_primary_key", "add_functional_unique_index") or (
        op == "add_index" and extra.get("unique")) for op, extra in operations)
    return "added" if adds else "none"


def _nullable_column(table: Table, columns: tuple[str, ...]) -> bool:
    """Whether one of `columns` is a column of `table` known to take NULL."""
    return any(column in table.columns and not table.columns[column].not_null
               for column in columns)


def invisible(node) -> bool:
    """Whether an index definition (a sqlglot node, a CONSTRAINT wrapper's too) says
    INVISIBLE."""
    from sqlglot import exp

    if isinstance(node, exp.Constraint) and node.expressions:
        node = node.expressions[0]
    return any(isinstance(option, exp.IndexConstraintOption) and
               option.args.get("visible") is False for option in node.args.get("options") or ())


def created_invisible_primary_key(parts, created: Table) -> tuple[str, bool] | None:
    """(name, implicit) of the key a CREATE TABLE (its definitions `parts`, the table it
    makes `created`) makes INVISIBLE although it is the table's primary key: its PRIMARY KEY,
    or, without one, its first UNIQUE key on NOT NULL columns (`implicit_primary_key`)."""
    from sqlglot import exp

    if "PRIMARY" in created.constraints:
        hidden = any(isinstance(part, exp.PrimaryKey) and invisible(part) for part in parts)
        return ("PRIMARY", False) if hidden else None
    implicit = implicit_primary_key(created)
    if not implicit:
        return None
    columns = created.keys[implicit][0]
    for part in parts:
        key = key_of(part)
        if key is not None and key[2] and not key[3] and key[1] == columns:
            return (key[0] or implicit, True) if invisible(part) else None
    return None


def _indexes(table: Table) -> list[tuple[str, tuple[str, ...]]]:
    """The table's indexes (the primary key as "PRIMARY"), name and columns."""
    primary = table.constraints.get("PRIMARY")
    return [(name, columns) for name, (columns, _) in table.keys.items()] + (
        [("PRIMARY", primary.columns)] if primary is not None else [])


def _served(columns: tuple[str, ...], indexes: list[tuple[str, tuple[str, ...]]]) -> str:
    """The first index whose leading columns are `columns`, in order ("" when none): what a
    foreign key needs on either side."""
    return next((name for name, cols in indexes if cols[:len(columns)] == columns), "")


def needed_index_dropped(tables: dict[str, Table], table: Table, dropped_indexes: set[str],
                         dropped_columns: set[str], dropped_foreign_keys: set[str],
                         added: list[tuple[str, tuple[str, ...]]]
                         ) -> tuple[str, str] | None:
    """(index, foreign key) when the ALTER of `table` leaves one of its foreign keys, or one of
    another table's that references it, without an index that starts with its columns: the
    server refuses it (ER_DROP_INDEX_FK, error 1553: "Cannot drop index '...': needed in a
    foreign key constraint"). `dropped_indexes` by name ("PRIMARY" for the primary key);
    `added`: the indexes the statement adds (name, columns)."""
    before = _indexes(table)
    after = [(name, tuple(c for c in columns if c not in dropped_columns))
             for name, columns in before if name not in dropped_indexes] + added
    after = [(name, columns) for name, columns in after if columns]
    needs = [(name, fk.columns) for name, fk in table.constraints.items()
             if fk.kind == "foreign" and name not in dropped_foreign_keys]
    needs += [(name, fk.ref_columns) for other in tables.values() if other is not table
              for name, fk in other.constraints.items()
              if fk.kind == "foreign" and fk.references == table.name and fk.ref_columns]
    for name, columns in needs:
        if (index := _served(columns, before)) and not _served(columns, after):
            return index, name
    return None


def foreign_key_of_column(tables: dict[str, Table], table: Table, column: str
                          ) -> tuple[str, str] | None:
    """(foreign key, its table when it references `table`, else "") of the first foreign key
    that has `column`: one of `table`'s on its columns, or another table's referencing it."""
    for name, fk in table.constraints.items():
        if fk.kind == "foreign" and column in fk.columns:
            return name, ""
    for other in tables.values():
        for name, fk in other.constraints.items():
            if fk.kind == "foreign" and fk.references == table.name and column in fk.ref_columns:
                return name, other.name
    return None


def foreign_key_sides(tables: dict[str, Table], table: Table | None) -> tuple[bool, bool]:
    """(whether `table` has a foreign key, whether another table's foreign key references it):
    what online schema change tools ask before they copy a table."""
    if table is None:
        return False, False
    own = any(fk.kind == "foreign" for fk in table.constraints.values())
    referenced = any(fk.kind == "foreign" and fk.references == table.name
                     for other in tables.values() if other is not table
                     for fk in other.constraints.values())
    return own, referenced


def set_null_foreign_key(table: Table, column: str) -> str:
    """The first foreign key of `table` that has `column` and whose ON DELETE or ON UPDATE is
    SET NULL ("" when none): the column must stay nullable (ER_FK_COLUMN_NOT_NULL, 1830)."""
    return next((name for name, fk in table.constraints.items()
                 if fk.kind == "foreign" and "n" in (fk.on_delete, fk.on_update)
                 and column in fk.columns), "")


def cascading_foreign_key(table: Table | None) -> str:
    """The first foreign key of `table` whose ON DELETE or ON UPDATE is CASCADE or SET NULL
    ("" when none): MySQL takes no LOCK=NONE on such a table (its manual, "Online DDL
    Limitations": "The ALTER TABLE clause LOCK=NONE is not permitted if there are
    ON...CASCADE or ON...SET NULL constraints on the table")."""
    if table is None:
        return ""
    return next((name for name, fk in table.constraints.items() if fk.kind == "foreign"
                 and {"c", "n"} & {fk.on_delete, fk.on_update}), "")
