"""The replay of a DO block: the statements its PL/pgSQL runs, and the tables its dynamic SQL
may reshape (`do_block_reshapes`).

Split from `catalog.replay`, loaded with the first DO block.
"""

from __future__ import annotations

from functools import lru_cache

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.core.deferred import bound_on_use
from lockwise.core.lazy_re import lazy_compile
from lockwise.effects.nodes import unwrap

#: Imported at its first use: an import statement in a function runs at each call (a routine's
#: body at each statement that calls it or fires its trigger).
_plpgsql = bound_on_use(globals(), "_plpgsql", "lockwise.parse.plpgsql")


def do_block_reshapes(catalog: Catalog, stmt: dict) -> set[str]:
    """The tables whose columns a DO block may change unseen. The replay follows the
    statements of a PL/pgSQL body (`_do_block`): when that is all the body can run, none.
    Otherwise (SQL computed at run time, a statement that does not parse, another language):
    with DDL, the tables (and domains) it names; with dynamic SQL (EXECUTE), every table
    ("*"). One that only reads and writes rows (lemmy checks and backfills data in them), or
    names a table in a message, changes none."""
    from lockwise.parse.plpgsql import do_block_code

    return code_reshapes(catalog, *do_block_code(stmt))


def code_reshapes(catalog: Catalog, body: str, language: str) -> set[str]:
    """`do_block_reshapes` of code `body` in `language`: a DO block's, or a PL/pgSQL
    routine's whole CREATE statement (`parse.plpgsql` reads either)."""
    if language == "plpgsql" and _plpgsql.fully_read(body):
        return set()
    code = f"{body} {language}".lower()
    words = set(_WORD.findall(code))
    if "execute" in words and not (language == "plpgsql" and all(
            map(_keeps_shape, _plpgsql.dynamic_formats(body) or ("",)))):
        return {"*"}
    if "execute" in words:
        # run-time SQL of commands that keep every table's shape: the rest of the body is
        # what the replay follows
        words -= {"alter", "create"}
    if words & _DDL:
        # (and the domains it names: their constraints, `missing_in_domain`)
        return {t for t in (*catalog.tables, *catalog.domains)
                if t.split(".", 1)[1].lower() in words}
    return set()


#: What each conversion of format() stands for when a format string is parsed: `%I` a name,
#: `%L` a literal, `%s` a name or, where a name does not parse (SET STATISTICS %s), a number.
_STAND_INS = {"I": ("x",), "L": ("NULL",), "%": ("%",), "s": ("x", "1")}


_CONVERSION = lazy_compile(r"%(?:\d+\$)?-?\d*([IsL%])")


#: At most this many `%s` are tried both ways (2 ** n parses).
_MAX_GUESSED = 6


#: Run-time commands that change no table's columns, constraints or indexes.
_SHAPE_KEEPING_COMMANDS = frozenset({"CommentStmt", "GrantStmt", "CreateStatsStmt",
                                     "AlterStatsStmt"})


@lru_cache(maxsize=256)  # (the same blocks are replayed once a round by lockwise fix)
def _keeps_shape(template: str) -> bool:
    """Whether a DO block's `EXECUTE format(template, ...)` runs only commands that keep
    every table's shape (a comment, a privilege, statistics, a statistics target), whatever
    names and values it is given."""
    import json
    from itertools import product

    from lockwise.parse import libpg

    pieces = _CONVERSION.split(template)  # text, conversion, text, ...
    kinds = pieces[1::2]
    if kinds.count("s") > _MAX_GUESSED:
        return False
    for choice in product(*(_STAND_INS[kind] for kind in kinds)):
        sql = "".join(p if i % 2 == 0 else choice[i // 2] for i, p in enumerate(pieces))
        try:
            stmts = json.loads(libpg.parser.parse_sql_json(sql)).get("stmts", [])
        except (libpg.parser.ParseError, ValueError):
            continue
        return bool(stmts) and all(_shape_kept(unwrap(s.get("stmt"))) for s in stmts)
    return False


def _shape_kept(node: tuple[str, dict]) -> bool:
    kind, body = node
    if kind == "RenameStmt":
        return body.get("renameType") == "OBJECT_STATISTIC_EXT"
    if kind == "AlterTableStmt":
        return all(unwrap(cmd)[1].get("subtype") == "AT_SetStatistics"
                   for cmd in body.get("cmds") or ())
    return kind in _SHAPE_KEEPING_COMMANDS


def _do_block(catalog: Catalog, stmt: dict, migration_id: str) -> None:
    """A DO block's statements change the schema as they would alone (those in a branch that
    may not run included: the end state the block is written to reach; supabase renames a
    column in one when it exists)."""
    from lockwise.catalog.routines import followed_statements
    from lockwise.catalog.search_path import follow_set, path_kept
    from lockwise.parse.plpgsql import plpgsql_body

    body = plpgsql_body(stmt)
    with path_kept():  # (a SET of the block holds for its later statements)
        for step in followed_statements(catalog, body) if body is not None else ():
            apply_statement(catalog, step.tree, migration_id, sql=step.sql)
            follow_set(step.tree, catalog)
    catalog.reshaped(do_block_reshapes(catalog, stmt))


#: A word of code: where a DO block may name a table.
_WORD = lazy_compile(r"[a-z_][a-z0-9_$]*")


#: The commands that change a table's columns or constraints (RENAME is one of ALTER's).
_DDL = frozenset({"alter", "drop", "create"})
