"""Which expressions are volatile, from a real server's pg_proc (data/functions.json)."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from lockwise.effects.nodes import function_names, unwrap, walk

_DATA = Path(__file__).resolve().parent / "data" / "functions.json"


@lru_cache(maxsize=1)
def _builtin() -> dict[str, str]:
    data = json.loads(_DATA.read_text())
    out = {}
    for label, code in (("immutable", "i"), ("stable", "s"), ("volatile", "v")):
        for name in data[label]:
            out[name] = code
    return out


@lru_cache(maxsize=1)
def builtin_functions() -> frozenset[str]:
    """The names of the functions a stock server has (lower case, unqualified)."""
    return frozenset(_builtin())


def volatile_functions(expr: object, user_functions: dict[str, str]) -> list[str]:
    """Functions in `expr` that are volatile, or unknown (assumed volatile, to be safe)."""
    names = function_names(expr)
    if not names:
        return []
    builtin = _builtin()
    out = []
    for name in names:
        code = user_functions.get(name) or builtin.get(name)
        if code is None or code == "v":
            out.append(name)
    return out


def changes_between_transactions(expr: object, user_functions: dict[str, str]) -> bool:
    """Whether `expr` may give another value in a later transaction: it calls a function that
    is not immutable (now() is stable: one value per transaction, not per run), or unknown,
    or reads the clock as SQL does (CURRENT_TIMESTAMP, LOCALTIME, CURRENT_USER...)."""
    builtin = _builtin()
    return any((user_functions.get(name) or builtin.get(name)) != "i"
               for name in function_names(expr)) or \
        any(kind == "SQLValueFunction" for kind, _ in walk(expr))


def has_subquery(expr: object) -> bool:
    return any(kind == "SubLink" for kind, _ in walk(expr))


def is_constant(expr: object) -> bool:
    kind, _ = unwrap(expr) if isinstance(expr, dict) else ("", {})
    return kind in ("A_Const", "TypeCast") and not function_names(expr)
