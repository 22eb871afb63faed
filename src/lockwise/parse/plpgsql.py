"""The SQL statements a DO block runs, found in its PL/pgSQL body.

Migrations wrap DDL in DO blocks to make it conditional (`IF NOT EXISTS (...) THEN ALTER TABLE
... ADD CONSTRAINT ...`) or to swallow an error (`EXCEPTION WHEN duplicate_object`). The server
runs those statements when the block runs, with their own locks, rewrites and scans, so the
effect model must see them. PostgreSQL's PL/pgSQL grammar (through pglast) finds them: each
embedded SQL statement, and each `EXECUTE` of a constant string.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache

#: Words without which a body runs no statement that locks more than it reads: the parse is
#: skipped for blocks that only compute, raise or select.
_RUNS_SQL = re.compile(r"\b(?:alter|create|drop|insert|update|delete|merge|truncate|lock|"
                       r"reindex|cluster|refresh|comment|grant|revoke|execute)\b", re.IGNORECASE)
#: An EXECUTE argument that is one string constant: dynamic SQL known before it runs.
_STRING_CONSTANT = re.compile(r"\s*'((?:[^']|'')*)'\s*", re.DOTALL)


@lru_cache(maxsize=256)
def embedded_statements(body: str) -> tuple[tuple[str, dict], ...]:
    """The statements a PL/pgSQL DO body runs, in the order written: each one's SQL text and
    parse tree.

    Statements in branches that may not run count as run (the model is the worst case).
    Dynamic SQL built at run time (`EXECUTE format(...)`) cannot be known and is left out;
    so is a body that does not parse.
    """
    if not _RUNS_SQL.search(body):
        return ()
    from pglast import parser

    tag = "$lockwise$"
    while tag in body:
        tag = tag[:-1] + "_$"
    try:
        functions = json.loads(parser.parse_plpgsql_json(f"DO {tag}{body}{tag}"))
    except (parser.ParseError, ValueError, RecursionError):
        return ()
    found: list[tuple[str, dict]] = []
    for query in _queries(functions):
        found.extend(_parse(query))
    return tuple(found)


def _queries(node: object) -> list[str]:
    """The SQL text of each embedded statement and constant EXECUTE below `node`, in order."""
    out: list[str] = []
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif isinstance(item, dict):
            if "PLpgSQL_stmt_execsql" in item:
                out.append(_expr(item["PLpgSQL_stmt_execsql"].get("sqlstmt")))
            elif "PLpgSQL_stmt_dynexecute" in item:
                constant = _STRING_CONSTANT.fullmatch(
                    _expr(item["PLpgSQL_stmt_dynexecute"].get("query")))
                if constant:
                    out.append(constant.group(1).replace("''", "'"))
            else:
                stack.extend(reversed(list(item.values())))
    return [q for q in out if q]


def _expr(node: object) -> str:
    expr = (node or {}).get("PLpgSQL_expr") if isinstance(node, dict) else None
    return str((expr or {}).get("query", ""))


def _parse(sql: str) -> list[tuple[str, dict]]:
    from lockwise.parse.postgres import parse_sql

    parsed = parse_sql(sql, comments=False)
    return [] if parsed.problems else [(s.sql, s.tree) for s in parsed.statements]
