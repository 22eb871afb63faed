"""Copies of catalog objects that the replay can move forward without touching the
originals: the down check's forks (`graph.down.fork`) and the catalog kept at a savepoint
(`replay.copied`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, is_dataclass
from typing import Any

#: Values clone shares instead of copying: immutable, or (tuples) never changed in place by the
#: replay.
SHARED = frozenset({str, int, bool, float, type(None), tuple, frozenset, bytes})
#: Inside a dict, a dict value is also shared: it is part of a parse tree (a CHECK's expression).
_SHARED_IN_DICT = SHARED | {dict}


def _copier(cls: type) -> Callable[[Any], Any] | None:
    """A function that copies an object of dataclass type `cls` field by field, written
    out for its fields (as dataclasses writes `__init__`): a shared value (`SHARED`) is
    kept, any other cloned. A quarter fewer instructions than reading the fields in one C
    call and rebuilding the object through its `__init__` (a lemmy table, 39 fields and
    nine columns of 26 on average: 267,700 instead of 360,600). None for another type."""
    if not is_dataclass(cls):
        return None
    # A frozen class, or one with a __setattr__ of its own, is set through object's.
    direct = cls.__setattr__ is object.__setattr__
    lines = ["def copy(value):", "    new = new_object(cls)"]
    for f in fields(cls):
        item = "item if type(item) in shared else clone(item)"
        lines += [f"    item = value.{f.name}",
                  f"    new.{f.name} = {item}" if direct else
                  f"    set_field(new, {f.name!r}, {item})"]
    lines.append("    return new")
    scope = {"new_object": object.__new__, "cls": cls, "shared": SHARED, "clone": clone,
             "set_field": object.__setattr__}
    exec("\n".join(lines), scope)  # (the text above, written from the class's fields)
    return scope["copy"]


#: Each dataclass type's `_copier` (None for another type), made when clone first meets it.
_COPIERS: dict[type, Callable[[Any], Any] | None] = {}


def clone(value: Any) -> Any:
    """A copy of a catalog object that replay can move forward without touching the original.

    Much faster than copy.deepcopy: the replay only mutates the containers of the catalog
    model (dicts of columns, constraints; label lists; sets) and the dataclass objects in
    them; parse trees kept inside (e.g. a CHECK's expression) are never mutated, so only their
    top level is copied and the rest shared.
    """
    cls = type(value)
    if cls is dict:
        # Columns, constraints, enum labels are copied; a nested dict is part of a parse tree
        # (a CHECK's expression), which is shared.
        return {k: v if type(v) in _SHARED_IN_DICT else clone(v) for k, v in value.items()}
    if cls is list:
        return list(value)
    if cls is set:
        return set(value)
    if cls in SHARED:
        return value
    try:
        copy = _COPIERS[cls]
    except KeyError:
        copy = _COPIERS[cls] = _copier(cls)
    return value if copy is None else copy(value)
