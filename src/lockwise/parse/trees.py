"""Copies of JSON parse trees (pglast's dicts and lists) with some of their nodes replaced."""

from __future__ import annotations

from collections.abc import Callable, Iterator

#: The end of an iterator, for `rebuilt`.
_END = object()


def rebuilt(node: object, replaced: Callable[[object], object]) -> object:
    """A copy of parse tree `node` in which each node (a dict, a list, a string, a number) for
    which `replaced` answers something other than None is that answer; the others are copied,
    with their children, or kept (a string or a number). The tree is never changed in place.

    Copied with a stack of its own, not by recursion: a tree is as deep as the JSON decoder
    built it (a statement nested hundreds of expressions deep), deeper than a recursive copy,
    two frames a level, reaches from the stack of the lint or the graph that asks."""
    stack: list[tuple[Iterator, dict | list]] = []

    def copied(item: object) -> object:
        new = replaced(item)
        if new is not None:
            return new
        if type(item) is dict:
            stack.append((iter(item.items()), {}))
        elif type(item) is list:
            stack.append((iter(item), []))
        else:
            return item
        return stack[-1][1]

    root = copied(node)
    while stack:
        items, out = stack[-1]
        item = next(items, _END)
        if item is _END:
            stack.pop()
        elif type(out) is dict:
            out[item[0]] = copied(item[1])
        else:
            out.append(copied(item))  # type: ignore[union-attr]
    return root
