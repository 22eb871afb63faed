"""The PL/pgSQL functions and procedures the migrations created, kept for their calls.

PostgreSQL only checks a PL/pgSQL body's syntax when CREATE FUNCTION / PROCEDURE runs; its
statements run at each call (`SELECT f()`, `CALL p()`, `PERFORM f()` in PL/pgSQL), where the
effect model judges them (effects/postgres/routines.py) and the replay follows them. Each is
kept as its whole CREATE statement (`Catalog.plpgsql_routines`): PL/pgSQL parses a body with
its parameters declared, which a DO block around the body alone would not have.
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog
from lockwise.effects.nodes import object_name, strings, unwrap, walk

#: The statements that can call a routine: CALL, and the queries and DML whose expressions
#: may call a function.
CALLING_KINDS = frozenset({"CallStmt", "SelectStmt", "InsertStmt", "UpdateStmt",
                           "DeleteStmt"})
#: How deep calls are followed: a routine that calls itself, or two that call each other,
#: are expanded no deeper (PostgreSQL's own limit is the stack's).
MAX_DEPTH = 3


def keep_routine(catalog: Catalog, stmt: dict, sql: str | None) -> None:
    """CREATE [OR REPLACE] FUNCTION / PROCEDURE `stmt`, written as `sql` (None when the caller
    has no text: then, as for another language, what was kept of the name goes)."""
    name = object_name(strings(stmt.get("funcname")), create=True)
    language = next((str(unwrap(unwrap(o)[1].get("arg"))[1].get("sval", "")).lower()
                     for o in stmt.get("options") or ()
                     if unwrap(o)[1].get("defname") == "language"), "")
    kept = dict(catalog.plpgsql_routines)
    if language == "plpgsql" and sql and not stmt.get("sql_body"):
        kept[name] = (sql, bool(stmt.get("is_procedure")))
    elif kept.pop(name, None) is None:
        return
    catalog.plpgsql_routines = kept


def forget_routine(catalog: Catalog, name: str, new_name: str | None = None) -> None:
    """DROP of routine `name` (qualified), or its move to `new_name` (RENAME, SET SCHEMA)."""
    if name not in catalog.plpgsql_routines:
        return
    kept = dict(catalog.plpgsql_routines)
    source = kept.pop(name)
    if new_name:
        kept[new_name] = source
    catalog.plpgsql_routines = kept


def called_routines(catalog: Catalog, kind: str, body: dict
                    ) -> list[tuple[str, str, bool]]:
    """The PL/pgSQL routines statement `body` (of node `kind`) calls, each once in order:
    (name, qualified; its CREATE statement; whether a procedure). CALL runs its procedure;
    a query or DML, each function its expressions call (whether a row makes it run or not:
    the worst case)."""
    if not catalog.plpgsql_routines or kind not in CALLING_KINDS:
        return []
    calls = [body.get("funccall") or {}] if kind == "CallStmt" else \
        [node for node_kind, node in walk(body) if node_kind == "FuncCall"]
    found: dict[str, tuple[str, bool]] = {}
    for call in calls:
        name = object_name(strings(call.get("funcname")))
        if name in catalog.plpgsql_routines:
            found.setdefault(name, catalog.plpgsql_routines[name])
    return [(name, sql, procedure) for name, (sql, procedure) in found.items()]


def calls_routine(catalog: Catalog, tree: dict) -> bool:
    """Whether statement `tree` calls a routine the catalog keeps."""
    return bool(called_routines(catalog, *unwrap(tree)))


def followed_trees(catalog: Catalog, code: str) -> list[dict]:
    """The statements PL/pgSQL `code` (a DO block's, or a routine's CREATE) runs that the
    replay follows: its embedded statements and, when the catalog keeps routines, the
    expressions (`x := f()`, `IF f() THEN`, a FOR's query) that call one, as their SELECT."""
    from lockwise.parse.plpgsql import embedded_statements, embedded_steps

    if not catalog.plpgsql_routines:
        return [e.tree for e in embedded_statements(code)]
    return [e.tree for e, expression in embedded_steps(code)
            if not expression or calls_routine(catalog, e.tree)]
