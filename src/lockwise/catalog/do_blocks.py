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
from lockwise.effects.nodes import strings, unwrap, walk

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
    named: frozenset[str] = frozenset()
    if "execute" in words:
        formats = _plpgsql.dynamic_formats(body) if language == "plpgsql" else None
        found = [_tables_named(f) for f in formats or ("",)]
        if any(names is None for names in found):
            return {"*"}
        # run-time SQL of commands that keep every table's shape, or that name the tables
        # they change (a tenant loop's `ALTER TABLE %I.foo`: a table foo of any schema): the
        # rest of the body is what the replay follows
        named = frozenset().union(*found)
        words -= {"alter", "create"}
    if named or words & _DDL:
        # (and the domains it names: their constraints, `missing_in_domain`)
        return {t for t in (*catalog.tables, *catalog.domains)
                if (name := t.split(".", 1)[1].lower()) in named or
                (name in words and bool(words & _DDL))}
    return set()


#: What each conversion of format() stands for when a format string is parsed: `%I` a name,
#: `%L` a literal, `%s` a name or, where a name does not parse (SET STATISTICS %s), a number.
#: The name is one no migration writes: a table named with it is one the values name.
_NAME = "lockwise_value_"
_STAND_INS = {"I": (_NAME,), "L": ("NULL",), "%": ("%",), "s": (_NAME, "1")}


_CONVERSION = lazy_compile(r"%(?:\d+\$)?-?\d*([IsL%])")


#: At most this many `%s` are tried both ways (2 ** n parses).
_MAX_GUESSED = 6


#: Run-time commands that change no table's columns, constraints or indexes.
_SHAPE_KEEPING_COMMANDS = frozenset({"CommentStmt", "GrantStmt", "CreateStatsStmt",
                                     "AlterStatsStmt"})


@lru_cache(maxsize=256)  # (the same blocks are replayed once a round by lockwise fix)
def _tables_named(template: str) -> frozenset[str] | None:
    """The names (unqualified, lower case) of the tables whose shape a DO block's `EXECUTE
    format(template, ...)` may change, whatever names and values it is given: none for
    commands that keep every table's shape (a comment, a privilege, statistics, a statistics
    target) and for a query of built-in functions (`_query_makes`); for ALTER TABLE, CREATE
    INDEX, a rename of a table or its columns, CREATE and DROP TABLE, CREATE TABLE AS, the
    writes of rows, the tables they name, in any schema (a tenant loop's `ALTER TABLE
    %I.foo`); None when a table's name is one of the values, or for any other command."""
    import json
    from itertools import product

    from lockwise.parse import libpg

    pieces = _CONVERSION.split(template)  # text, conversion, text, ...
    kinds = pieces[1::2]
    if kinds.count("s") > _MAX_GUESSED:
        return None
    for choice in product(*(_STAND_INS[kind] for kind in kinds)):
        sql = "".join(p if i % 2 == 0 else choice[i // 2] for i, p in enumerate(pieces))
        try:
            stmts = json.loads(libpg.parser.parse_sql_json(sql)).get("stmts", [])
        except (libpg.parser.ParseError, ValueError, RecursionError):
            continue  # (a parse too deep for json's reader, 900 `1+(`: not read, fix-robust17)
        found: set[str] = set()
        for s in stmts:
            names = _named(unwrap(s.get("stmt")))
            if names is None or any(_NAME in name for name in names):
                return None
            found.update(names)
        return frozenset(found) if stmts else None
    return None


def _named(node: tuple[str, dict]) -> set[str] | None:
    """`_tables_named` of one statement's parse."""
    kind, body = node
    if _shape_kept(node):
        return set()
    if kind in ("SelectStmt", "CreateTableAsStmt"):
        return _query_makes(kind, body)
    if kind == "DropStmt":
        return {strings(o.get("List", {}).get("items"))[-1].lower()
                for o in body.get("objects") or ()} \
            if body.get("removeType") == "OBJECT_TABLE" else None
    if kind == "AlterTableStmt" and body.get("objtype") != "OBJECT_TABLE" or \
            kind == "RenameStmt" and body.get("renameType") not in _TABLE_RENAMES or \
            kind not in _TABLE_COMMANDS:
        return None
    found: set[str] = set()
    todo: list[object] = [body]
    while todo:  # (a RangeVar is written bare where a field holds one: `relation`)
        item = todo.pop()
        if isinstance(item, dict):
            if "relname" in item:
                found.add(str(item["relname"]).lower())
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return found


def _query_makes(kind: str, body: dict) -> set[str] | None:
    """`_named` of a query: a SELECT reads rows and changes no table's shape (a tenant loop
    counting rows, `EXECUTE format('SELECT count(*) FROM %I.foo', s) INTO n`, the INTO
    PL/pgSQL's); CREATE TABLE AS makes the table it names. A SELECT ... INTO a table makes
    none: EXECUTE refuses it ("EXECUTE of SELECT ... INTO is not implemented", checked on
    18.6, fix-pg74), as `parse.plpgsql.selects_into` says of a constant one. None when it
    may do more: a data-modifying WITH, or a call of what is not a built-in function (one
    the migrations made may run any DDL)."""
    from lockwise.effects.volatility import builtin_functions

    query, into = (body.get("query"), body.get("into")) if kind == "CreateTableAsStmt" else \
        ({kind: body}, body.get("intoClause"))
    for inner, part in walk(query):
        if inner in _ROW_WRITES or inner == "FuncCall" and not (
                (names := [n.lower() for n in strings(part.get("funcname"))])[:-1] in
                ([], ["pg_catalog"]) and names[-1] in builtin_functions()):
            return None
    return {str(into["rel"]["relname"]).lower()} if into and kind == "CreateTableAsStmt" \
        else set()


_ROW_WRITES = frozenset({"InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})


#: The commands whose tables are the ones their parse names (RangeVar), and the renames among
#: them that are a table's or its parts'.
_TABLE_COMMANDS = frozenset({"AlterTableStmt", "IndexStmt", "RenameStmt", "CreateStmt",
                             "InsertStmt", "UpdateStmt", "DeleteStmt"})
_TABLE_RENAMES = frozenset({"OBJECT_TABLE", "OBJECT_COLUMN", "OBJECT_TABCONSTRAINT"})


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
    from lockwise.parse.plpgsql import do_block_code, plpgsql_body

    body = plpgsql_body(stmt)
    with path_kept():  # (a SET of the block holds for its later statements)
        for step in followed_statements(catalog, body) if body is not None else ():
            apply_statement(catalog, step.tree, migration_id, sql=step.sql)
            follow_set(step.tree, catalog)
    code, language = do_block_code(stmt)
    catalog.reshaped(code_reshapes(catalog, code, language))
    if may_change_routines(code):
        catalog.code_ran()


def may_change_routines(code: str) -> bool:
    """Whether `code` (a DO block's, a routine's) may make, drop or rename a routine out of
    the replay's sight (`Catalog.code_ran`): it holds DDL, which a branch may not run, or
    dynamic SQL, which the replay does not follow."""
    return not _ROUTINE_DDL.isdisjoint(_WORD.findall(code.lower()))


#: The words of code that may make, drop or rename a routine (`may_change_routines`).
_ROUTINE_DDL = frozenset({"alter", "drop", "create", "execute"})


#: A word of code: where a DO block may name a table.
_WORD = lazy_compile(r"[a-z_][a-z0-9_$]*")


#: The commands that change a table's columns or constraints (RENAME is one of ALTER's).
_DDL = frozenset({"alter", "drop", "create"})
