"""Statements that run other statements, whose effects are computed through the package's
dispatcher: DO blocks, the elements of CREATE SCHEMA, the actions of CREATE RULE, EXPLAIN's
statement, and the prepared statements (PREPARE, EXECUTE, DEALLOCATE)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING

from lockwise.catalog.model import Index
from lockwise.catalog.search_path import elements_path, path_kept, path_of_sets
from lockwise.core.deferred import bound_on_use
from lockwise.core.lazy_re import lazy_compile
from lockwise.core.types import Action, Effect
from lockwise.effects.context import (
    Context,
    runs_temporary_maker,
    track_constant_columns,
    track_new_objects,
    track_null_columns,
)
from lockwise.effects.literals import enum_candidate_literals
from lockwise.effects.nodes import (
    TEMPORARY_PREFIX,
    PrintedSql,
    created_schema,
    options_on,
    range_var,
    relations_in,
    resolver_in_force,
    runs_as_select,
    schema_elements,
    temporary_in_force,
    unwrap,
    use_temporary,
)
from lockwise.effects.postgres.builder import (
    Builder,
    L,
    already_exists,
    long_scans,
    read_tables,
    refused_facts,
    skipped,
    table_facts,
)
from lockwise.parse.quoting import quote_ident, quote_literal

if TYPE_CHECKING:
    from lockwise.effects.context import Prepared
    from lockwise.parse.plpgsql import Branches, Embedded

# Imported at their first use: the package's dispatcher (the package imports this module),
# and what only a DO block, a routine's body or a statement that runs another needs.
_dispatcher = bound_on_use(globals(), "_dispatcher", "lockwise.effects.postgres")
_queries = bound_on_use(globals(), "_queries", "lockwise.effects.postgres.queries")
_plpgsql = bound_on_use(globals(), "_plpgsql", "lockwise.parse.plpgsql")
_routines = bound_on_use(globals(), "_routines", "lockwise.catalog.routines")
_conditions = bound_on_use(globals(), "_conditions", "lockwise.catalog.conditions")


def create_schema(b: Builder, stmt: dict) -> None:
    schema = created_schema(stmt) or ""
    if skipped(b, stmt, schema in b.ctx.catalog.schemas, "create_schema", schema=schema):
        return
    b.creates.add(f"schema:{schema}")
    b.act("create_schema", schema=schema, if_not_exists=bool(stmt.get("if_not_exists")),
          **already_exists(f"schema {quote_ident(schema)}" if schema in b.ctx.catalog.schemas
                           else ""))
    if schema:
        _run_elements(b, stmt, schema)


#: The kinds of object whose names an element of CREATE SCHEMA can refer to later ones by.
_NAMED_BY_ELEMENTS = ("table:", "view:", "index:", "sequence:", "type:")


def _run_elements(b: Builder, stmt: dict, schema: str) -> None:
    """The elements of CREATE SCHEMA (CREATE TABLE, VIEW, INDEX, SEQUENCE, TRIGGER, GRANT
    written in it) run as the statements they are, in the server's order and in the new
    schema: their locks, scans, objects and actions are the statement's. Each action says
    which element it is (`schema_element`, its position as written, where its findings
    point); what an element created is new for the elements after it."""
    ctx = b.ctx
    made: set[str] = set()
    with elements_path(ctx.catalog, schema, made):
        for position, tree in schema_elements(stmt, schema):
            inner = _dispatcher.compute_effect(tree, ctx)
            take_whole_effect(b, inner, made)
            b.actions.extend(Action(a.kind, {**a.facts, "schema_element": position + 1})
                             for a in inner.actions)
            made.update(o.split(":", 1)[1] for o in inner.creates
                        if o.startswith(_NAMED_BY_ELEMENTS))
            created = {o[6:] for o in inner.creates if o.startswith("table:")}
            if created:
                ctx = ctx.changed(new_tables=ctx.new_tables | created)


def _take_effect(b: Builder, inner: Effect, new: AbstractSet[str] = frozenset(),
                 empty: AbstractSet[str] = frozenset(),
                 first_named: Mapping[str, str] | None = None) -> None:
    """The locks, rewrites and scans of a statement that `b`'s statement runs; none of the
    locks on `new` relations, which `b`'s statement creates (no other session sees them),
    nor the rewrites and scans of `empty` ones, new and holding no rows yet. A relation an
    earlier statement renamed is locked, rewritten and read under the name `first_named`
    gives it (its name before the renames): one relation, one name."""
    named = first_named or {}
    for rel, mode in inner.locks.items():
        if rel not in new:
            b.lock(named.get(rel, rel), mode)
    b.rewrites.update(named.get(rel, rel) for rel in inner.rewrites if rel not in empty)
    for rel, why in inner.scans.items():
        if rel not in empty:
            b.scan(named.get(rel, rel), why)


def take_whole_effect(b: Builder, inner: Effect, new: AbstractSet[str] = frozenset()) -> None:
    """All that a statement `b`'s statement runs does but its actions: its locks (see
    `_take_effect`), rewrites, scans, objects, and whether it may run in a transaction block."""
    _take_effect(b, inner, new)
    b.transactional = b.transactional and inner.transactional
    for objects, taken in ((b.creates, inner.creates), (b.drops, inner.drops),
                           (b.alters, inner.alters), (b.reads, inner.reads),
                           (b.writes, inner.writes)):
        objects.update(taken)


def explain(b: Builder, stmt: dict) -> None:
    """EXPLAIN plans its statement: the parser, rewriter and planner lock what it names (views
    expanded, in its own modes), and that is all, nothing is run (checked on the server).
    EXPLAIN ANALYZE runs it: its whole effect, actions included, is the statement's. EXPLAIN
    EXECUTE of a name the session has not prepared is refused as the EXECUTE (26000)."""
    query = stmt.get("query") or {}
    if "analyze" in options_on(stmt.get("options")):
        inner = _dispatcher.compute_effect(query, b.ctx)
        take_whole_effect(b, inner)
        b.actions.extend(inner.actions)
        return
    _lock_unexecuted(b, query, b.ctx.changed(executes=False))
    # (EXPLAIN EXECUTE of a name not prepared: refused as the EXECUTE, checked on 18.6)
    b.act("explain", statement=unwrap(query)[0], **_queries.query_with_query_locked(query),
          **(executed_query(b, query)[1] if "ExecuteStmt" in query else {}))


def prepare(b: Builder, stmt: dict) -> None:
    """PREPARE parses and rewrites its statement, and plans it only when it is executed: it
    locks the relations the statement names and the views' relations, in its modes, not the
    partitions or children (checked on the server). Its analysis refuses what a run's would
    (FOR UPDATE OF a WITH query, checked on 18.6), and so does a name the session prepared
    already (42P05, `prepared_statement_exists`; checked on 18.6). The session keeps the
    statement (`prepared_query`, its text `prepared_text`) for the EXECUTEs of its name
    (`Session.prepared`)."""
    from lockwise.effects.postgres.queries import query_with_query_locked

    name = stmt.get("name", "")
    query = stmt.get("query") or {}
    _lock_unexecuted(b, query, b.ctx.changed(executes=False, plans=False))
    taken = b.ctx.prepared.get(name) if b.ctx.prepared is not None else None
    b.act("prepare", name=name, statement=unwrap(query)[0], prepared_query=query,
          prepared_text=_prepared_text(b.ctx.statement_sql, query),
          **query_with_query_locked(query),
          **({"prepared_statement_exists": True, "prepared_at": taken.at,
              "prepared_statement_text": f'prepared statement "{name}" already exists'}
             if taken is not None else {}))


def execute(b: Builder, stmt: dict) -> None:
    """EXECUTE runs the statement its name was PREPAREd with on the session: on the
    relations the PREPARE bound it to, or, once something had the server analyze it again
    (a DDL on a relation it opened, another search_path: `Session._rebind_prepared`), on
    what its names mean against the catalog of its own moment; planned and run, it takes
    the locks, scans and writes of that statement run alone, partitions and foreign-key checks
    included (checked on 18.6: tests/oracle). Its actions are that statement's, judged at the
    EXECUTE, each naming the prepared statement (`prepared_statement_run`, the PREPARE's place
    `prepared_at`, its text `embedded_sql`, from which an alternative is written). A name the
    session has not prepared (or forgot) is refused (26000, `prepared_statement_missing`);
    where no session is followed (`Context.prepared` None) nothing is known of it."""
    # The package's dispatcher: imported here, as the package imports this module.
    from lockwise.effects.postgres import compute_effect

    name = stmt.get("name", "")
    found, missing = _prepared(b, name)
    if found is None:
        b.act("execute", name=name, command="EXECUTE", **missing)
        return
    query, text, at = _bound(found), found.text, found.at
    inner = compute_effect(query, b.ctx.changed(statement_sql=text, executed=True))
    take_whole_effect(b, inner)
    b.actions.extend(Action(a.kind, {**a.facts, "prepared_statement_run": name,
                                     "prepared_at": at, "embedded_sql": text})
                     for a in inner.actions)


def deallocate(b: Builder, stmt: dict) -> None:
    """DEALLOCATE forgets the statement prepared under its name, refused for a name the
    session has not prepared (26000, as EXECUTE); DEALLOCATE ALL forgets every one, never
    refused (checked on 18.6). Neither is undone by a ROLLBACK (`Session.prepared`)."""
    if stmt.get("isall"):
        b.act("deallocate", all=True)
        return
    name = stmt.get("name", "")
    b.act("deallocate", name=name, command="DEALLOCATE", **_prepared(b, name)[1])


def executed_query(b: Builder, execute: dict) -> tuple[dict | None, dict]:
    """The query the EXECUTE `execute` runs, as a statement that runs one reads it (CREATE
    TABLE ... AS EXECUTE, EXPLAIN EXECUTE): the one the session PREPAREd under its name (None
    when there is none, or no session is followed), and the facts refusing a name the
    session has not prepared (`prepared_statement_missing`, the `command` EXECUTE)."""
    name = execute["ExecuteStmt"].get("name", "")
    found, missing = _prepared(b, name)
    return (_bound(found) if found is not None else None,
            {**missing, "name": name, "command": "EXECUTE"} if missing else {})


def _bound(found: Prepared) -> dict:
    """The statement an EXECUTE of `found` runs under the search_path in force: as PREPARE
    bound it, or analyzed again by its names (`Prepared.runs`)."""
    return found.runs(getattr(resolver_in_force(), "schemas", None))


def selected_query(b: Builder, execute: dict) -> tuple[dict | None, dict]:
    """The query CREATE TABLE ... AS EXECUTE `execute` reads: as `executed_query`, when the
    statement the session prepared under its name runs as a SELECT (`nodes.runs_as_select`);
    of any other (an UPDATE, INSERT ... RETURNING, SELECT ... INTO), None and the facts
    refusing it (42809, `prepared_statement_not_select`; checked on 18.6), which the server
    says only once it found the new table's name free."""
    query, missing = executed_query(b, execute)
    if query is None or runs_as_select(query):
        return query, missing
    name = execute["ExecuteStmt"].get("name", "")
    return None, {"prepared_statement_not_select": True, "name": name,
                  "prepared_at": _prepared(b, name)[0].at,  # type: ignore[union-attr]
                  "prepared_statement_text": "prepared statement is not a SELECT"}


def _prepared(b: Builder, name: str) -> tuple[Prepared | None, dict]:
    """The statement the session prepared under `name` (None when there is none), and the
    facts of a statement naming it: refused when the session has none
    (`prepared_statement_missing`), none when no session is followed."""
    prepared = b.ctx.prepared
    found = prepared.get(name) if prepared is not None else None
    if found is not None or prepared is None:
        return found, {}
    return None, {"prepared_statement_missing": True,
                  "prepared_statement_text": f'prepared statement "{name}" does not exist'}


def _prepared_text(sql: str | None, query: dict) -> str:
    """The text of the statement PREPARE `sql` prepares (`query`): what follows its first AS
    outside parentheses (the parameters' types hold none at that level), as written; printed
    from `query` when the text is not at hand."""
    from lockwise.parse import libpg

    if sql:
        try:
            tokens = libpg.parser.scan(sql)
        except Exception:  # noqa: BLE001 - a placeholder the scanner cannot read
            tokens = []
        depth = 0
        for token in tokens:
            if token.name == "ASCII_40":
                depth += 1
            elif token.name == "ASCII_41":
                depth -= 1
            elif token.name == "AS" and depth == 0:
                return sql[token.end + 1:].strip().rstrip(";").rstrip()
    return str(PrintedSql(query))


#: The statements whose parse analysis opens the relations they name (in their own modes);
#: any other is passed through untouched.
_ANALYZED = frozenset({"SelectStmt", "InsertStmt", "UpdateStmt", "DeleteStmt", "MergeStmt"})


def lock_parsed(b: Builder, statements: Iterable[dict], rewritten: bool) -> None:
    """The locks of `statements` only parsed, as a rule's actions are and a SQL function's body
    when it is created: what each names in its own modes (a write ROW EXCLUSIVE, FOR UPDATE
    ROW SHARE), never a partition nor a foreign-key check; `rewritten`: also the relations of
    the views they name, which the rewriter expands (checked on the server)."""
    ctx = b.ctx.changed(executes=False, plans=False, rewrites=rewritten)
    for tree in statements:
        if unwrap(tree)[0] in _ANALYZED:
            _lock_unexecuted(b, tree, ctx)


def _lock_unexecuted(b: Builder, query: dict, ctx: Context) -> None:
    """The locks of `query` as far as `ctx` says it gets: nothing else of it, which never
    runs (no scan, write, object or action)."""
    for rel, mode in _dispatcher.compute_effect(query, ctx).locks.items():
        b.lock(rel, mode)


def create_rule(b: Builder, stmt: dict) -> None:
    # A rule rewrites every later query on the table: it is added under ACCESS EXCLUSIVE
    # (checked on the server), and its actions are parsed against the tables they name.
    table, qualified = range_var(stmt.get("relation"))
    b.lock(table, L.ACCESS_EXCLUSIVE)
    read_tables(b, [stmt.get("whereClause")], skip={table})
    lock_parsed(b, stmt.get("actions") or (), rewritten=False)
    # (analyzed there: refused as a run of them would be, checked on 18.6)
    b.creates.add(f"rule:{table}.{stmt.get('rulename', '')}")
    b.act("create_rule", table_facts(b, table, qualified), name=stmt.get("rulename", ""),
          **_queries.query_with_query_locked(stmt.get("actions")))


_STRING_LITERAL = lazy_compile(r"'(?:[^']|'')*'")


#: A transaction-control statement of a PL/pgSQL body (COMMIT; / ROLLBACK AND CHAIN;).
_BODY_TRANSACTION_CONTROL = lazy_compile(
    r"\b(?:commit|rollback)\b(?:\s+and\s+(?:no\s+)?chain)?\s*;", re.IGNORECASE)


#: A body that may add an enum value (ALTER TYPE ... ADD VALUE, in any spacing or case).
_ADDS_ENUM_VALUE = lazy_compile(r"\badd\s+value\b", re.IGNORECASE)


@lru_cache(maxsize=256)
def _adds_enum_value(body: str) -> bool:
    """Whether `body` may add an enum value. Kept by text, as `routines._loops` is: a
    routine's body is searched again at each call."""
    return _ADDS_ENUM_VALUE.search(body) is not None


def do_block(b: Builder, stmt: dict) -> None:
    body, language = _plpgsql.do_block_code(stmt)
    if runs_transaction_control(body):
        b.transactional = False
    if language == "plpgsql":
        b.act("do_block", **dynamic_sql_facts(body, "This DO block", "of the block"),
              **executed_select_into_facts(body))
        run_embedded(b, body)
    else:
        b.act("do_block")


def runs_transaction_control(body: str) -> bool:
    """Whether PL/pgSQL code commits or rolls back (a batched backfill): it then runs only
    outside a transaction block (PostgreSQL: "invalid transaction termination")."""
    return bool(_BODY_TRANSACTION_CONTROL.search(_STRING_LITERAL.sub("''", body)))


def dynamic_sql_facts(body: str, source: str, where: str) -> dict:
    """The SQL PL/pgSQL code `body` builds at run time that may change a table
    (`dynamic_sql`): what it runs is not linted, and the rule dynamic-sql-not-linted says so
    of `source` (what builds it: "This DO block"), each EXECUTE's line `where` ("of the
    block")."""
    found = _plpgsql.dynamic_sql(body)
    return {"dynamic_sql": tuple(query for _, query in found), "dynamic_sql_source": source,
            "dynamic_sql_text": "; ".join(f"EXECUTE {' '.join(query.split())} (line {line} "
                                          f"{where})" for line, query in found)}


def executed_select_into_facts(body: str) -> dict:
    """The EXECUTEs of PL/pgSQL code `body` that run a `SELECT ... INTO table`
    (`plpgsql.executed_selects_into`), which the server refuses when they run ("EXECUTE of
    SELECT ... INTO is not implemented", checked on 18.6): `execute_select_into`, with each
    one's line, and a block whose EXECUTEs run the CREATE TABLE ... AS that makes each table
    instead."""
    found = _plpgsql.executed_selects_into(body)
    if not found:
        return {"execute_select_into": False}
    return {"execute_select_into": True,
            "execute_select_into_text": "; ".join(f"EXECUTE '{' '.join(sql.split())}' (line "
                                                  f"{line} of the block)" for line, sql in found),
            "execute_select_into_sql": "DO $$ BEGIN " + "".join(
                f"EXECUTE {quote_literal(table_as(sql))}; " for _, sql in found) + "END $$;"}


def table_as(select_into: str) -> str:
    """`SELECT ... INTO [TEMP] t ...` written as the CREATE TABLE ... AS that makes the same
    table, which EXECUTE runs."""
    from pglast import ast, enums, parse_sql
    from pglast.stream import RawStream

    select = parse_sql(select_into)[0].stmt
    into, select.intoClause = select.intoClause, None
    return RawStream()(ast.CreateTableAsStmt(query=select, into=into,
                                             objtype=enums.ObjectType.OBJECT_TABLE))


def _cleared_in_do_block(facts: dict, made: AbstractSet[str]) -> dict:
    """Facts of an embedded statement that claim it fails, cleared: it is judged against the
    catalog from before the block, without what the block's earlier statements did (a key
    they add), and may sit in a branch that does not run (supabase adds a UNIQUE and then a
    foreign key to it, each under IF NOT EXISTS). Likewise a column or constraint it names
    that the block's earlier statements made (`made`: their objects, `column:<table>.<name>`),
    which the server finds there (checked on 18.6)."""
    if facts.get("refused_references"):
        return refused_facts([])
    if facts.get("object_missing") and \
            str(facts.get("missing_object", "")).replace(" ", ":", 1) in made:
        return {"object_missing": False}
    return {}


def run_embedded(b: Builder, body: str, ctx: Context | None = None,
                 routine: str = "", statements: tuple[Embedded, ...] | None = None,
                 alone: bool = False) -> None:
    """`_run_steps`, under the search_path in force at its start, which a SET of the body
    changes for its later statements (`path_of_sets`); the caller's is back afterwards
    (the session follows what of it lasts: `Session._apply_action`)."""
    with path_kept():
        _run_steps(b, body, ctx, routine, statements, alone)


def _run_steps(b: Builder, body: str, ctx: Context | None, routine: str,
               statements: tuple[Embedded, ...] | None, alone: bool) -> None:
    """The statements the block runs take their own locks, rewrites and scans, and are judged
    as actions of the block (`in_do_block`). What they create or drop is left out of the
    block's objects: they may sit in a branch that does not run, and the conflict graph must
    not count on them. `body` may be a PL/pgSQL routine's whole CREATE statement, run at a
    call (`ctx`: the call's; `routine`: which it is, "function public.f"): its actions say so
    (`routines_run`) and point at the call, not at a line of the body (a SQL routine's
    `statements` are given: no PL/pgSQL to read). Each action keeps its
    statement's text (`embedded_sql`), from which a safe alternative is written, and its line
    in the body (`embedded_line`), where its findings point.

    An IF the catalog answers runs its one branch (`decided_branches`): in a DO block; in a
    PL/pgSQL routine when it is the only one its statement runs (`alone`), not run by a body
    (whose earlier statements the catalog lacks), and what it then runs changes no table's
    shape (no DDL, no dynamic SQL), so that each call, the statement's next rows' too, takes
    the same branch (checked on 18.6).

    When an enum value may be in use too new to read (added earlier in the transaction, or
    by the block: a block's statements share one transaction, even in autocommit), each
    statement's and expression's string constants that may be read as an enum are stated
    (`enum_values_read`), with the values the block added before them (`enum_values_added_
    in_block`); the session decides which are unsafe (`Session.action_facts`). The uses in
    PL/pgSQL's own expressions are the block's own action's."""
    ctx = ctx or b.ctx
    watching = ctx.watch_literals or _adds_enum_value(body)
    # (an expression that calls a kept routine runs as its SELECT: `x := f()`, `IF f()`)
    follow = bool(ctx.catalog.kept_routines)
    block = b.actions[-1]
    branches = None
    if statements is None and not routine:
        branches = _branches(block, body, ctx, "the block")
    elif statements is None:
        branches = _routine_branches(block, body, ctx, routine, alone and not ctx.in_body and
                                     not block.facts.get("dynamic_sql"))
    if statements is not None:
        steps = [(e, False) for e in statements]
    else:
        steps = _plpgsql.embedded_steps(body, branches) if watching or follow else \
            [(e, False) for e in _plpgsql.embedded_statements(body, branches)]
    if watching:
        ctx = ctx.changed(watch_literals=True)
    # What the block's statements make new is new for the ones after them, as at top level
    # (its tables, the columns it adds: Context.new_tables). The tables among them that the
    # catalog did not know (not those of a CREATE TABLE IF NOT EXISTS, or a branch, that
    # finds its table there) no other session sees before the block's transaction commits,
    # so no one waits on their locks (checked on 18.6); and until a statement of the block
    # fills one from an older table (Context.filled_tables), reading or rewriting it is
    # short. So too its views, materialized views, sequences and indexes: no one waits on
    # them (their locks are left out; checked on 18.6).
    # Likewise the indexes they create are known to the ones after them, with their tables
    # (Context.body_indexes): a DROP INDEX of one locks its table (checked on 18.6).
    # And the materialized views they create with their queries' relations
    # (Context.body_views): a REFRESH of one runs its query (checked on 18.6).
    # And the columns its statements add without a default are NULL in every row for the
    # ones after them (Context.null_columns), when both run whenever the block does
    # (`certain_lines`), until a statement of the block writes the table; those a DO block
    # adds with a constant default hold that value (Context.constant_columns), for the
    # statements after the block too (`constant_columns_after`). A routine's body runs at
    # a call, after statements lockwise did not follow: it finds no column constant.
    outer = ctx
    ctx = ctx.changed(new_tables=set(ctx.new_tables), filled_tables=set(ctx.filled_tables),
                      body_indexes=dict(ctx.body_indexes), body_views=dict(ctx.body_views),
                      null_columns=set(ctx.null_columns),
                      constant_columns=set(ctx.constant_columns)
                      if statements is None and not routine else set(),
                      in_body=True)
    certain: frozenset[int] | None = None  # the block's lines that run whenever it does
    added_nulls: set[tuple[str, str]] = set()  # of ctx.null_columns, the block's own
    made: set[str] = set()
    # the statements that make or rename something, (line, effect), of a DO block: what the
    # block makes for sure is new after it (`_note_made_new`)
    naming: list[tuple[int, Effect]] | None = [] if statements is None and not routine \
        else None
    objects: set[str] = set()  # what the block's statements created (Effect.creates)
    # "<table>.<constraint>" -> its ADD CONSTRAINT, of the constraints the block added NOT
    # VALID: a later VALIDATE of one runs in the same transaction (a block is one), facts
    # `constraint_added_in_block` (Session.action_facts reads them)
    not_valid: dict[str, object] = {}
    # value -> (its type, its ADD VALUE), added to a type the block did not create
    added: dict[str, tuple[str, str]] = {}
    made_types: set[str] = set()
    # a relation a statement of the block renamed: its name now -> its name before the block's
    # renames, under which the block locks it (one relation, however many names it took)
    first_named: dict[str, str] = {}
    # The temporary relations the block's statements made (and did not drop since): an
    # unqualified name of one means it, as one the session made before the block does
    # (`use_temporary`; the catalog, from before the block, does not hold them; checked on
    # 18.6), only while a session is replayed (a lookup is in force). So do those a routine
    # it calls made (`temporary_made` of the call).
    in_session = temporary_in_force()
    temporary: set[str] = set()
    made_temporary: set[int] = set()  # the lines of a routine's body that make one
    for (sql, tree, line), expression in steps:
        if expression and not (follow and _routines.calls_routine(ctx.catalog, tree)):
            if watching:
                kind, node = unwrap(tree)
                _note_enum_reads(block.facts,
                                 enum_candidate_literals(kind, node, ctx.catalog), added)
            continue
        # (its own text: the block's can spell a name with escapes, as E'regcl\x61ss' does)
        sure = certain is not None and line in certain
        if temporary and in_session is not None:
            use_temporary(lambda name: name in temporary or in_session(name))
        try:
            inner = _dispatcher.compute_effect(tree, ctx.changed(
                statement_sql=sql, null_columns=ctx.null_columns
                if sure or not added_nulls else ctx.null_columns - added_nulls))
        finally:
            if temporary and in_session is not None:
                use_temporary(in_session)
        path_of_sets(inner.actions, ctx.catalog)
        temporary.update(_temporary_names(inner.creates), *(
            a.facts.get("temporary_made", ()) for a in inner.actions
            if a.kind == "routine_call" and not a.facts.get("in_do_block")))
        if _temporary_names(inner.creates) or runs_temporary_maker(inner):
            made_temporary.add(line)
        temporary.difference_update(_temporary_names(inner.drops))
        # (of them, the tables and materialized views hold no rows until filled: one made
        # WITH data, or REFRESHed, is filled, `Context.filled_tables`)
        empty = {t for t in made if (f"table:{t}" in objects or f"view:{t}" in objects)
                 and not ctx.table_is_filled(t)}
        _take_effect(b, inner, made, empty, first_named)
        _note_renames(first_named, inner)
        reads: dict = {}
        if watching:
            _note_enum_reads(reads, inner.literals, added)
        b.actions.extend(Action(a.kind, {**a.facts, **_cleared_in_do_block(a.facts, objects),
                                         **reads, **_added_in_block(a, not_valid),
                                         "in_do_block": True, "embedded_sql": sql,
                                         # whether this statement of the block reads a table
                                         # at length: the block's finding about its long
                                         # scans points at the statement that reads
                                         "scans_at_length": any(
                                             rel not in empty for rel in long_scans(inner)),
                                         **_where(a.facts, line, routine)})
                         for a in inner.actions)
        for a in inner.actions:
            if a.kind == "add_constraint" and a.facts.get("not_valid"):
                not_valid[f"{a.facts.get('table')}.{a.facts.get('constraint')}"] = \
                    a.facts.get("constraint_sql", "")
        for a in inner.actions:
            if a.kind == "enum_add_value" and a.facts.get("value") and \
                    f"type:{a.facts.get('type')}" not in made_types:
                added.setdefault(str(a.facts["value"]), (str(a.facts.get("type")),
                                                         str(a.facts.get("add_value_sql", sql))))
        made_types.update(o for o in inner.creates if o.startswith("type:"))
        track_new_objects(ctx, inner)
        if certain is None and naming is not None and \
                any(a.kind == "add_column" for a in inner.actions):
            certain = _plpgsql.certain_lines(body, branches)
            sure = line in certain
        before = set(ctx.null_columns)
        track_null_columns(ctx.null_columns, inner, sure)
        track_constant_columns(ctx.constant_columns, inner, sure)
        added_nulls = (added_nulls | (ctx.null_columns - before)) & ctx.null_columns
        if naming is not None and (inner.creates or inner.drops or any(
                a.kind in _NAMING for a in inner.actions)):
            naming.append((line, inner))
        _note_body_indexes(ctx, inner)
        _note_freed_names(ctx, inner)
        _note_body_views(ctx, tree, inner)
        objects.update(inner.creates)
        made.update(_new_relations(ctx, inner, made))
    if naming is not None:
        _note_made_new(block, body, branches, naming, outer, ctx.filled_tables)
        if not block.facts.get("dynamic_sql"):  # (what EXECUTE runs may write any table)
            block.facts["constant_columns_after"] = frozenset(ctx.constant_columns)
    if routine and temporary:
        # (what the code that called it finds under those names after the call, as it
        # finds a temporary relation it made itself: checked on 18.6)
        block.facts["temporary_made"] = tuple(sorted(temporary))
    if made_temporary and (statements is not None or
                           made_temporary & _plpgsql.certain_lines(body, branches)):
        # A temporary object made whenever the body runs to its end (a SQL body's every
        # statement runs), by a statement of it or a routine it calls for sure: the
        # session's temporary schema is there after it (`Session._rebind_prepared`; checked
        # on 18.6). A DO block runs its body whenever it runs; a routine's runs at a call
        # only when that call runs for sure (`routines.run_called`).
        if routine:
            block.facts["body_makes_temporary"] = True
        else:
            block.facts["makes_temporary"] = True


def _temporary_names(objects: AbstractSet[str]) -> set[str]:
    """The names of the temporary tables, views and sequences among `objects`
    (`table:pg_temp.x`)."""
    return {name.partition(TEMPORARY_PREFIX)[2] for name in objects
            if name.partition(":")[2].startswith(TEMPORARY_PREFIX)}


#: Actions that make or rename what `track_new_objects` follows besides Effect.creates.
_NAMING = frozenset({"create_function", "create_aggregate", "rename_other", "rename_column",
                     "do_block"})


def _note_made_new(block: Action, body: str, branches: Branches | None,
                   naming: list[tuple[int, Effect]], outer: Context,
                   filled: AbstractSet[str]) -> None:
    """What DO block `block` makes for sure, new for the statements after it as a top-level
    statement's objects are (`made_new`: the keys `track_new_objects` files them under): of
    the statements `naming` (their lines in `body` and effects), those that run whenever the
    block runs to its end (`certain_lines`: outside the IFs `branches` does not decide,
    CASEs, loops and EXCEPTION blocks; a CREATE in an IF that asks whether the object exists
    may find it there). And the tables it filled from older ones (`filled_new`), whichever
    branch did (checked on 18.6: another session sees none of them before the block's
    transaction commits)."""
    if filled_new := outer.filled_since(filled):
        block.facts["filled_new"] = tuple(sorted(filled_new))
    if not naming:  # (nearly every block: it changes rows, or columns that were there)
        return
    from lockwise.parse.plpgsql import certain_lines

    lines = certain_lines(body, branches)
    sure = Context(catalog=outer.catalog, new_tables=set(outer.new_tables),
                   filled_tables=set(outer.filled_tables))
    for line, inner in naming:
        if line in lines:
            track_new_objects(sure, inner)
    if made := sure.new_tables - outer.new_tables:
        block.facts["made_new"] = tuple(sorted(made))


def _note_renames(first_named: dict[str, str], inner: Effect) -> None:
    """The relations `inner`'s statement renamed go into `first_named` (new name -> the name
    before the block's first rename of it); the old names leave it, free for another relation."""
    for a in inner.actions:
        if a.kind == "rename_table" and (new := a.facts.get("new_table")) and \
                not a.facts.get("exists_already"):
            old = str(a.facts.get("table", ""))
            first_named[str(new)] = first_named.pop(old, old)


def _note_body_indexes(ctx: Context, inner: Effect) -> None:
    """The indexes a statement of a body created (a CREATE INDEX the catalog does not see
    skipped or refused) or renamed go into `ctx.body_indexes`; those it dropped leave it."""
    for a in inner.actions:
        f = a.facts
        if a.kind == "create_index" and f.get("table") and not f.get("exists_already"):
            ctx.body_indexes[f["index"]] = Index(
                f["index"], f["table"], tuple(f.get("columns") or ()),
                unique=bool(f.get("unique")), partial=bool(f.get("partial")))
        elif a.kind == "rename_index" and (idx := ctx.body_indexes.pop(f["index"], None)):
            new = f"{f['index'].split('.', 1)[0]}.{f['new_name']}"
            ctx.body_indexes[new] = replace(idx, name=new)
        elif a.kind == "drop_index":
            ctx.body_indexes.pop(f.get("index", ""), None)


def _note_freed_names(ctx: Context, inner: Effect) -> None:
    """The names a statement of a body dropped or renamed away go into `ctx.body_freed`
    (a relation's, its row type's but an index's, and the indexes of a table it dropped or
    moved to another schema); those it created leave it."""
    if not inner.drops and not (ctx.body_freed and inner.creates):  # nearly every statement
        return
    freed = set(ctx.body_freed)
    for obj in inner.drops:
        kind, _, name = obj.partition(":")
        if kind in _RELATION_KINDS:
            freed.add(f"relation:{name}")
        if kind != "index":
            freed.add(f"type:{name}")
        # (a renamed table keeps its indexes' names; a dropped or moved one takes them along)
        if kind == "table" and not any(a.kind == "rename_table" for a in inner.actions):
            freed.update(f"relation:{index}" for index, found in ctx.catalog.indexes.items()
                         if found.table == name)
    for obj in inner.creates:
        name = obj.partition(":")[2]
        freed.difference_update((f"relation:{name}", f"type:{name}"))
    ctx.body_freed = frozenset(freed)


def _note_body_views(ctx: Context, tree: dict, inner: Effect) -> None:
    """The materialized view a statement `tree` of a body created (not one a CREATE ... IF
    NOT EXISTS finds there) goes into `ctx.body_views` with the relations its query names
    (as the replay's `Table.sources`); one it renamed goes under its new name, one it dropped
    leaves it."""
    for a in inner.actions:
        f = a.facts
        if a.kind == "create_materialized_view" and f.get("table") and \
                not f.get("exists_already"):
            ctx.body_views[f["table"]] = tuple(relations_in(unwrap(tree)[1].get("query")))
        elif a.kind == "rename_table" and f.get("table") in ctx.body_views:
            ctx.body_views[f["new_table"]] = ctx.body_views.pop(f["table"])
        elif a.kind == "drop_view" and ctx.body_views:
            ctx.body_views.pop(f.get("table", ""), None)


#: The kinds of `Effect.creates` that are relations (rows of pg_class): a materialized view
#: is a `view:`.
_RELATION_KINDS = frozenset({"table", "view", "sequence", "index"})


def _new_relations(ctx: Context, inner: Effect, made: AbstractSet[str]) -> set[str]:
    """The relations a statement of the block created that no other session sees before the
    block commits: those the catalog did not know (not one a CREATE ... IF NOT EXISTS or a
    branch finds there), or, of a rename (which drops the old name), the new name of one the
    block made (`made`)."""
    created, dropped = ({name for kind, _, name in (o.partition(":") for o in objects)
                         if kind in _RELATION_KINDS} for objects in (inner.creates, inner.drops))
    if created and dropped:
        return created if dropped <= made else set()
    return {name for name in created if not ctx.catalog.relation_named(name)}


def _added_in_block(action: Action, not_valid: dict[str, object]) -> dict:
    """For a VALIDATE CONSTRAINT of a constraint the block's earlier statements added NOT
    VALID: that ADD CONSTRAINT (`constraint_added_in_block`), run in the same transaction."""
    if action.kind != "validate_constraint" or not not_valid:
        return {}
    key = f"{action.facts.get('table')}.{action.facts.get('constraint')}"
    return {"constraint_added_in_block": not_valid[key]} if key in not_valid else {}


def _branches(block: Action, body: str, ctx: Context, where: str,
              decide: bool = True) -> Branches | None:
    """A DO block's body (or a routine's CREATE statement) without the branches of the IFs
    the catalog decides (`catalog.conditions`: a guard asking whether a column or type
    exists; none when not `decide`); the constructs whose every branch still counts are
    named in `block`'s `branches_claimed`, each at its line of `where` (the statement's
    reason says them)."""
    branches = _decided(body, ctx, decide)
    if branches is not None and branches.claimed:
        block.facts["branches_claimed"] = tuple(
            f"the {what} at line {line} of {where}" for what, line in branches.claimed)
    return branches


def _routine_branches(block: Action, body: str, ctx: Context, routine: str,
                      decide: bool) -> Branches | None:
    """A routine's CREATE statement `body` without the branches of the IFs the catalog
    decides, when it may (`decide`) and the statements left change no table's shape (they
    would change the answer at the next call): only queries and DML, calling no routine the
    replay keeps. Else none is decided: every construct that runs SQL counts whole, named in
    the `routine_call` action `block` (`_branches`), at its line as the server's context
    gives it ("function public.f line 3")."""
    branches = _branches(block, body, ctx, routine, decide)
    if branches is None or not branches.decided:
        return None
    if any(unwrap(e.tree)[0] not in _ANALYZED or _routines.calls_routine(ctx.catalog, e.tree)
           for e in _plpgsql.embedded_statements(body, branches)):
        _branches(block, body, ctx, routine, decide=False)  # (each IF counts whole)
        return None
    return branches


def _decided(body: str, ctx: Context, decide: bool = True) -> Branches | None:
    """PL/pgSQL code `body` without the branches of the IFs the catalog answers for sure
    (`parse.plpgsql.decided_branches`, `catalog.conditions`; none when not `decide`)."""
    if not decide:
        return _plpgsql.undecided_branches(body)
    return _plpgsql.decided_branches(
        body, lambda sql: _conditions.condition_holds(ctx.catalog, sql))


def _where(facts: dict, line: int, routine: str) -> dict:
    """Where an action a body runs is: a DO block's, at its line in the block (an action of a
    routine a statement of the block calls, there too); a routine's, at the call, in that
    routine (`routines_run`: the routines it runs in, innermost first)."""
    if not routine:
        return {"embedded_line": line}
    return {"routines_run": (*facts.get("routines_run", ()), routine)}


def _note_enum_reads(facts: dict, literals: AbstractSet[str],
                     added: dict[str, tuple[str, str]]) -> None:
    """Add to `facts` the constants that may be read as an enum and, of them, those the
    block's earlier statements added: (value, type, the ADD VALUE that did)."""
    if not literals:
        return
    facts["enum_values_read"] = tuple(sorted({*facts.get("enum_values_read", ()), *literals}))
    mine = [(value, type_, sql) for value, (type_, sql) in sorted(added.items())
            if value in literals]
    if mine:
        facts["enum_values_added_in_block"] = tuple(dict.fromkeys(
            (*facts.get("enum_values_added_in_block", ()), *mine)))
