"""fix-speed72: walks of parse trees without a generator step per node.

`expression_uses` / `function_calls` read the calls and casts through `bodies_of_kind` (its
loop and its memo): they must answer what the `walk` they replaced answered, on hand-written
statements and on the corpora's statements when they are there; and a node asked about
again is not walked again."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from corpus_paths import ABSENT, CORPORA
from lockwise.effects import nodes
from lockwise.effects.nodes import (
    expression_uses,
    function_calls,
    named_calls,
    strings,
    type_name,
    walk,
)
from lockwise.parse.postgres import parse_sql

STATEMENTS = [
    "SELECT 1",
    "CREATE TABLE t (a int DEFAULT nextval('s'), b text CHECK (length(b::varchar) > 0))",
    "CREATE VIEW v AS SELECT lower(a)::text, upper(b), now()::date, a::int FROM t "
    "WHERE auth.uid() = x AND f(g(h(1)::bigint))",
    "CREATE INDEX i ON t ((lower(a)), (b::citext)) WHERE c::int > my.fn(d)",
    "ALTER TABLE t ADD CONSTRAINT c CHECK (a::int > 0 AND public.ok(a)), "
    "DROP COLUMN b CASCADE",
    "DROP TABLE t CASCADE",
    "DROP VIEW v",
    "TRUNCATE t CASCADE",
    "UPDATE t SET a = pg_catalog.lower(a) WHERE b = 1",
    "UPDATE t SET a = other.lower(a)",
    "INSERT INTO t SELECT my_func(x)::int, CAST(y AS text) FROM u",
    "DO $$ BEGIN PERFORM 1; END $$",
    "CREATE FUNCTION f(a int DEFAULT g()) RETURNS int LANGUAGE sql "
    "BEGIN ATOMIC SELECT h(a)::int; END",
    "ALTER TABLE t ALTER COLUMN a TYPE bigint USING a::bigint",
    "SELECT count(*), coalesce(a, b)::text, (SELECT max(z)::int FROM q) FROM t",
]


def _walked_uses(node: object, casts: bool) -> tuple[str, ...]:
    """What `_calls_and_casts` answered from `walk` before this round."""
    calls: dict[str, None] = {}
    cast_types: dict[str, None] = {}
    if node is None:
        return ()
    for kind, body in walk(node):
        if kind == "FuncCall":
            if name := ".".join(strings(body.get("funcname"))[-2:]).lower():
                calls[name] = None
        elif casts and kind == "TypeCast":
            cast_types["::" + type_name(body.get("typeName"))[0]] = None
    return (*calls, *cast_types)


def _trees(sql: str) -> list[dict]:
    return [s.tree for s in parse_sql(sql, comments=False).statements]


def _corpus_trees() -> Iterator[dict]:
    for directory in sorted(CORPORA.iterdir()) if CORPORA.is_dir() else ():
        for path in sorted(directory.rglob("*.sql"))[:80]:
            try:
                text = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue
            yield from _trees(text)


def _check(tree: dict) -> None:
    body = next(iter(tree.values()))
    for node in (tree, body, list(body.values())):
        assert expression_uses(node) == _walked_uses(node, True), tree
        assert function_calls(node) == _walked_uses(node, False), tree


@pytest.mark.parametrize("sql", STATEMENTS)
def test_calls_and_casts_are_what_the_walk_found(sql: str) -> None:
    for tree in _trees(sql):
        _check(tree)


def test_the_answers_on_the_corpora_are_what_the_walk_found() -> None:
    checked = 0
    for tree in _corpus_trees():
        _check(tree)
        checked += 1
    if not checked:
        pytest.skip(ABSENT)


def test_a_node_asked_again_or_after_named_calls_is_not_walked_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    walked: list[str] = []
    real = nodes._bodies_walk

    def counted(node: object, kind: str) -> tuple[dict, ...]:
        walked.append(kind)
        return real(node, kind)

    monkeypatch.setattr(nodes, "_bodies_walk", counted)
    (tree,) = _trees("SELECT f(a)::int, g(b) FROM t")
    query = tree["SelectStmt"]["targetList"]
    named_calls(query)  # (the effect model's question)
    assert walked == ["FuncCall"]
    assert function_calls(query) == ("g", "f")  # (walk's order: last pushed first)
    assert walked == ["FuncCall"]  # its calls from the memo
    assert expression_uses(query) == ("g", "f", "::int4")
    assert walked == ["FuncCall", "TypeCast"]  # the casts walked once
    assert expression_uses(query) == ("g", "f", "::int4")
    assert walked == ["FuncCall", "TypeCast"]
