"""The parts of an UPDATE's or DELETE's printed text (issue 10): where its head ends and its
WHERE stands, noted while pglast prints it, and the text of its first batch spliced from
them. Imported at the first such statement printed (`nodes.expression_sql`), not at start.
"""

from __future__ import annotations

from pglast.stream import RawStream

from lockwise.effects.nodes import expression_sql, unwrap


class HeadNoting(RawStream):  # type: ignore[misc]
    """pglast's RawStream, noting in `head_end` where the text stood at the last line break
    before node `cut` is printed (an UPDATE's or DELETE's WHERE, else its RETURNING, which
    its printer writes after a break, then the keyword): the end of the text the statement
    prints without them, which prints the rest alike (the printers read a node's
    ancestors, never its siblings); and in `where_start`, `where_end` where node `where`
    starts and ends."""

    def __init__(self, cut: object, where: object) -> None:
        super().__init__()
        self.cut, self.where, self.head_end, self.broken_at = cut, where, None, 0
        self.where_start: int | None = None
        self.where_end: int | None = None

    def newline(self) -> None:
        self.broken_at = self.tell()
        super().newline()

    def print_node(self, node: object, is_name: bool = False, is_symbol: bool = False) -> None:
        if node is self.cut and self.head_end is None:
            self.head_end = self.broken_at
        if node is not self.where or self.where_start is not None:
            super().print_node(node, is_name, is_symbol)
            return
        self.where_start = self.tell()
        super().print_node(node, is_name, is_symbol)
        self.where_end = self.tell()


def bounded(text: str, spans: tuple[int | None, int | None, int | None], where: object,
             other: object) -> tuple[str | None] | None:
    """The text of the statement printed last (`text`, its WHERE `where` at `spans[1:]`)
    with its WHERE `other` in place of `where`, when `other` is an AND whose first argument
    is that very `where` (the batch's bounds after it), else None. pglast's `bool_expr`
    writes `where` in parentheses when it is itself an AND or OR
    (`_bool_expr_needs_to_be_wrapped_in_parens`), then ` AND ` and the others as the AND of
    them alone prints them: no printer of a WHERE's top node reads whether its parent is
    the statement or a BoolExpr (`bool_expr` asks only whether it is a ResTarget; pglast's
    printers chosen by parent have none of those for parent but an UPDATE's ResTargets),
    and a node writes the same after a space as after `(`."""
    start, end = spans[1], spans[2]
    kind, body = unwrap(other)
    args = body.get("args") if kind == "BoolExpr" and len(body) == 2 and \
        body.get("boolop") == "AND_EXPR" else None
    if start is None or end is None or not args or len(args) < 2 or args[0] is not where:
        return None
    rest = expression_sql({"BoolExpr": {"boolop": "AND_EXPR", "args": args[1:]}})
    kept = text[start:end]
    if rest is None or not kept or kept[-1].isspace() or rest[-1].isspace():
        return None
    inner, inner_body = unwrap(where)
    if inner == "BoolExpr" and inner_body.get("boolop") in ("AND_EXPR", "OR_EXPR"):
        kept = f"({kept})"
    return (f"{text[:start]}{kept} AND {rest}{text[end:]}",)
