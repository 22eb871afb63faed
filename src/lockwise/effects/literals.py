"""Which string constants of a statement may become a value of an enum type.

An enum value added in the open transaction is refused ("unsafe use of new value") only where
it is read as that enum (enum_in): stored into a column of the type, cast to it, compared with
such a column. The same text stored into a `text` column is just text. The type a constant
reaches is resolved where the statement says it plainly: a cast, an INSERT's or UPDATE's target
column, a column definition's default, a comparison or IN list with a column. A constant whose
type is not resolved stays a candidate (the rule then warns; a missed use fails the deploy),
and so does one reaching a user-defined type (an enum, or a domain that may be over one); an
array literal (`'{sad,happy}'`) as its elements. The functions that return a type's labels
read them as the enum too: `enum_range(NULL::mood)` each label, `enum_first` / `enum_last`
the first / last one (checked on the server).
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog
from lockwise.effects.nodes import range_var, relations_in, strings, type_name, unwrap, walk


def enum_candidate_literals(kind: str, body: dict, catalog: Catalog) -> set[str]:
    """The string constants of the statement `body` (a `kind` node) that may be read as an
    enum: all of them but those whose type is resolved to a built-in or extension type."""
    # The target of an INSERT, UPDATE, DELETE or MERGE is a bare `relation`, no RangeVar node.
    target = range_var(body.get("relation"))[0] if isinstance(body.get("relation"), dict) else ""
    typing = _Typing(catalog, [target, *relations_in(body)] if target else relations_in(body))
    read: list[tuple[str, dict]] = []  # (the constants and calls: judged once typed, below)
    for node_kind, node in walk(body):
        if node_kind == "TypeCast":
            typing.settle(node.get("arg"), type_name(node.get("typeName"))[0])
        elif node_kind == "ColumnDef" and node.get("raw_default"):
            typing.settle(node["raw_default"], type_name(node.get("typeName"))[0])
        elif node_kind == "A_Expr" and node.get("kind") in ("AEXPR_OP", "AEXPR_IN"):
            typing.comparison(node.get("lexpr"), node.get("rexpr"))
            typing.comparison(node.get("rexpr"), node.get("lexpr"))
        elif node_kind == "A_Const" or node_kind == "FuncCall":
            read.append((node_kind, node))
    if kind == "InsertStmt":
        typing.insert(body)
    elif kind == "UpdateStmt":
        table = range_var(body.get("relation"))[0]
        for target in body.get("targetList") or ():
            _, res = unwrap(target)
            typing.settle(res.get("val"), typing.column_type(table, res.get("name", "")))
    found: set[str] = set()
    for k, v in read:
        if k == "A_Const" and isinstance(v.get("sval"), dict) and "sval" in v["sval"] \
                and (id(v) not in typing.safe or id(v) in typing.unsafe):
            found.add(text := str(v["sval"]["sval"]))
            if text.startswith("{") and text.endswith("}"):
                found.update(_array_elements(text))
        elif k == "FuncCall":
            found.update(_labels_read(v, catalog))
    return found


def _array_elements(text: str) -> set[str]:
    """The elements of array literal `text` (`{a, "b c"}`, nested too), unquoted: near
    enough for labels, which hold no commas or braces in practice."""
    return {item.strip().strip('"') for item in text.replace("{", ",").replace("}", ",")
            .split(",") if item.strip()}


#: Functions that read an enum's labels, and which of them (by position in the type's order).
_LABEL_READERS = {"enum_range": slice(None), "enum_first": slice(0, 1),
                  "enum_last": slice(-1, None)}


def _labels_read(call: dict, catalog: Catalog) -> list[str]:
    """The labels `enum_range(NULL::t)`, `enum_first` or `enum_last` returns, of an enum the
    catalog knows (found by its name, without schema); none for another call (the two
    argument enum_range reads the labels its arguments name, which are constants)."""
    names = strings(call.get("funcname"))
    args = call.get("args") or ()
    if not names or names[-1] not in _LABEL_READERS or names[:-1] not in ([], ["pg_catalog"]) \
            or len(args) != 1 or unwrap(args[0])[0] != "TypeCast":
        return []
    written = type_name(unwrap(args[0])[1].get("typeName"))[0].rsplit(".", 1)[-1]
    return [label for name, labels in catalog.enums.items()
            if name.rsplit(".", 1)[-1] == written
            for label in labels[_LABEL_READERS[names[-1]]]]


class _Typing:
    """Constants settled so far: `safe` reach a type that is no enum, `unsafe` one that may be
    (through a chain of casts the outermost decides too: `'x'::text::mood` is read as mood)."""

    def __init__(self, catalog: Catalog, tables: list[str]):
        self.catalog = catalog
        self.tables = tables
        self.safe: set[int] = set()
        self.unsafe: set[int] = set()
        # Enums and domains by unqualified name: a type written without its schema may be
        # found through any search_path.
        self.user_types = {t.rsplit(".", 1)[-1] for t in (*catalog.enums, *catalog.types)}

    def settle(self, expr: dict | None, type_: str | None) -> None:
        if not type_:
            return
        may_be_enum = type_.rsplit(".", 1)[-1] in self.user_types
        kind, body = unwrap(expr)
        while kind == "TypeCast":
            kind, body = unwrap(body.get("arg"))
        if kind == "A_Const":
            (self.unsafe if may_be_enum else self.safe).add(id(body))

    def comparison(self, column: dict | None, other: dict | None) -> None:
        type_ = self.column_ref_type(column)
        kind, body = unwrap(other)
        for expr in body.get("items") or () if kind == "List" else (other,):
            self.settle(expr, type_)

    def insert(self, stmt: dict) -> None:
        table = range_var(stmt.get("relation"))[0]
        known = self.catalog.tables.get(table)
        names = [unwrap(c)[1].get("name", "") for c in stmt.get("cols") or ()] or \
            (list(known.columns) if known else [])
        types = [self.column_type(table, name) for name in names]
        _, select = unwrap(stmt.get("selectStmt"))
        rows = [unwrap(r)[1].get("items") or () for r in select.get("valuesLists") or ()]
        rows.append([unwrap(t)[1].get("val") for t in select.get("targetList") or ()])
        for row in rows:
            for expr, type_ in zip(row, types, strict=False):
                self.settle(expr, type_)

    def column_type(self, table: str, column: str) -> str | None:
        known = self.catalog.tables.get(table)
        col = known.columns.get(column) if known else None
        return col.type_name if col else None

    def column_ref_type(self, expr: dict | None) -> str | None:
        """The type of a column reference when exactly one table of the statement has such a
        column (a qualifier may be an alias: it is not relied on)."""
        kind, body = unwrap(expr)
        if kind != "ColumnRef":
            return None
        names = strings(body.get("fields"))
        if not names:
            return None
        found = {t for t in (self.column_type(table, names[-1]) for table in self.tables) if t}
        return found.pop() if len(found) == 1 else None
