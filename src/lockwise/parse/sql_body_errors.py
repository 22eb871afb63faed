"""Where PostgreSQL's grammar rejects the AS string of a `LANGUAGE sql` routine, as an offset
in its CREATE statement.

While check_function_bodies is on, the server parses that string at CREATE (and then checks
its names, which effects/postgres/sql_body_names.py follows where the catalog is sure, and
its result type: sql_body_results.py) and refuses the routine when its grammar rejects
it, with the caret inside the body (checked on 18.6). A BEGIN ATOMIC body is part of the
statement's own grammar, and needs nothing of this. The core grammar gives a position (the
PL/pgSQL one does not: plpgsql_errors.py), so only the body's quoting is mapped back.
"""

from __future__ import annotations

from lockwise.effects.nodes import unwrap


def sql_body_error(sql: str, stmt: dict) -> tuple[str, int | None] | None:
    """What PostgreSQL's grammar says of the AS string of `stmt` (a CreateFunctionStmt whose
    language is sql, written as `sql`), when it rejects it, and at which offset of `sql`:
    the rejected token, or the body's closing quote where its text ran out (the server's
    caret for both); None for the offset when the body is not found as written (a template
    placeholder in it)."""
    body = _as_string(stmt)
    if body is None:
        return None
    from lockwise.parse import libpg
    from lockwise.parse.postgres import error_location, parser_message

    try:
        libpg.parser.parse_sql_json(body)
        return None
    except libpg.parser.ParseError as exc:
        message, at = parser_message(exc), error_location(exc)
    except RecursionError:  # (the statement's own parse would have refused it first)
        return None
    from lockwise.parse.plpgsql_errors import body_literal

    literal = body_literal(sql, body)
    if literal is None:
        return message, None
    offsets = literal[2]
    if "end of input" in message or at >= len(body):
        at = len(body)  # its closing quote
    return message, offsets[at]


def _as_string(stmt: dict) -> str | None:
    """The one string of the routine's AS clause (a C function's has two: not SQL)."""
    for option in stmt.get("options") or ():
        element = unwrap(option)[1]
        if element.get("defname") == "as":
            items = unwrap(element.get("arg"))[1].get("items") or ()
            return unwrap(items[0])[1].get("sval") if len(items) == 1 else None
    return None
