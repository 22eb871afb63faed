"""The SQL statements a DO block runs, found in its PL/pgSQL body.

Migrations wrap DDL in DO blocks to make it conditional (`IF NOT EXISTS (...) THEN ALTER TABLE
... ADD CONSTRAINT ...`) or to swallow an error (`EXCEPTION WHEN duplicate_object`). The server
runs those statements when the block runs, with their own locks, rewrites and scans, so the
effect model must see them. PostgreSQL's PL/pgSQL grammar (through pglast) finds them: each
embedded SQL statement, and each `EXECUTE` of a constant string or of `format()` of constants.
SQL built at run time otherwise is not read: `dynamic_sql` finds it (rule
dynamic-sql-not-linted).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import NamedTuple

#: Words without which a body runs no statement that locks more than it reads, nor takes a
#: session-level advisory lock, nor calls a routine for its effects (PERFORM, CALL): the
#: parse is skipped for blocks that only compute, raise or select.
_RUNS_SQL = re.compile(r"\b(?:alter|create|drop|insert|update|delete|merge|truncate|lock|"
                       r"reindex|cluster|refresh|comment|grant|revoke|reassign|execute|"
                       r"perform|call|"
                       r"pg_(?:try_)?advisory_(?:un)?lock\w*)\b", re.IGNORECASE)
#: An EXECUTE argument that is one string constant: dynamic SQL known before it runs.
_STRING_CONSTANT = re.compile(r"\s*'((?:[^']|'')*)'\s*", re.DOTALL)
#: The same written in dollar quotes (`$q$...$q$`, `$$...$$`): its text as written. A tag
#: starts with a letter, `_` or any character past ASCII, then digits too: written as the
#: ASCII characters it may not hold (a class of every one past ASCII cost each start-up
#: 4 ms of `re`'s compiling, a 65,536-entry map filled in Python).
_DOLLAR_CONSTANT = re.compile(r"\s*\$((?:[^\x00-\x40\x5b-\x5e\x60\x7b-\x7f]"
                              r"[^\x00-\x2f\x3a-\x40\x5b-\x5e\x60\x7b-\x7f]*)?)"
                              r"\$(.*)\$\1\$\s*", re.DOTALL)


def do_block_code(do_stmt: dict) -> tuple[str, str]:
    """A DO block's code and language (`{"args": [...]}` of its DoStmt; PL/pgSQL unless the
    block says otherwise)."""
    args = {}
    for arg in do_stmt.get("args") or ():
        elem = next(iter(arg.values()), {}) if isinstance(arg, dict) else {}
        args[elem.get("defname")] = (elem.get("arg") or {}).get("String", {}).get("sval", "")
    return args.get("as", ""), str(args.get("language") or "plpgsql").lower()


def plpgsql_body(do_stmt: dict) -> str | None:
    """The code of a DO block when it is PL/pgSQL, the default language; None for a block in
    another language."""
    code, language = do_block_code(do_stmt)
    return code if language == "plpgsql" else None


class Embedded(NamedTuple):
    """A statement a DO block runs."""

    sql: str
    tree: dict
    #: Its line in the body, 1 for the text right after the opening quote ($$).
    line: int


def embedded_statements(body: str, branches: Branches | None = None
                        ) -> tuple[Embedded, ...]:
    """The statements a PL/pgSQL DO body runs, in the order written: each one's SQL text,
    parse tree and line in the body.

    Statements in branches that may not run count as run (the model is the worst case),
    but those of the branches `branches` leaves out (`decided_branches`). Dynamic SQL built
    at run time (`EXECUTE format('...', r.name)`) cannot be known and is left out
    (`dynamic_sql`); so is a body that does not parse.
    """
    if branches is not None and branches.decided:
        return _read_tree(branches.tree)[0]
    return _read(body)[0]


def fully_read(body: str) -> bool:
    """Whether `embedded_statements` is everything the body can run: no dynamic SQL built at
    run time, and every embedded statement parsed."""
    return _read(body)[1]


def embedded_steps(body: str, branches: Branches | None = None
                   ) -> tuple[tuple[Embedded, bool], ...]:
    """`embedded_statements` and, between them in the order written, PL/pgSQL's own
    expressions (conditions, assigned values, RAISE arguments ...), each as the SELECT it
    evaluates, and the queries a FOR loop, RETURN QUERY or a cursor runs: (the step, True
    for an expression). The server reads a constant in either, so
    either may use an enum value; an expression that does not parse is left out. Without
    the branches `branches` leaves out, when given (their conditions are evaluated)."""
    if branches is not None and branches.decided:
        return _steps(body, branches.tree)
    return _cached_steps(body)


@lru_cache(maxsize=256)
def _cached_steps(body: str) -> tuple[tuple[Embedded, bool], ...]:
    return _steps(body, _functions(body))


def _steps(body: str, functions: object) -> tuple[tuple[Embedded, bool], ...]:
    if functions is None:
        return ()
    steps: list[tuple[Embedded, bool]] = []
    code, before = routine_code(body) if _CREATE_ROUTINE.match(body) else (body, 0)
    declared = [[(query, line + before) for query, line in block]
                for block in _declared_defaults(code, _count_blocks(functions))]
    for query, line, expression in _queries(functions, declared)[0]:
        steps.extend((Embedded(sql, tree, line), expression)
                     for sql, tree in parse_statements(query))
    return tuple(steps)


@lru_cache(maxsize=256)
def _read(body: str) -> tuple[tuple[Embedded, ...], bool]:
    if not _RUNS_SQL.search(body):
        return (), True
    return _read_tree(_functions(body))


def _read_tree(functions: object) -> tuple[tuple[Embedded, ...], bool]:
    if functions is None:
        return (), False
    queries, complete = _queries(functions)
    found: list[Embedded] = []
    for query, line, _ in queries:
        parsed = parse_statements(query)
        complete = complete and bool(parsed)
        found.extend(Embedded(sql, tree, line) for sql, tree in parsed)
    return tuple(found), complete


class Branches(NamedTuple):
    """A body's parse without the branches that do not run (`decided_branches`)."""

    tree: object
    #: The constructs whose every branch still counts, in the order written: (what, its
    #: line in the body), "IF", "CASE", "FOR loop", "EXCEPTION clause" ...
    claimed: tuple[tuple[str, int], ...]
    #: How many IFs run one branch: with none, `tree` is the body's whole parse.
    decided: int


#: Words of the constructs that choose what runs (`decided_branches`).
_CHOOSES = re.compile(r"\b(?:if|case|loop|exception)\b", re.IGNORECASE)
#: PL/pgSQL statements that run SQL (what `embedded_statements` finds, and dynamic SQL).
_RUNS = ("PLpgSQL_stmt_execsql", "PLpgSQL_stmt_perform", "PLpgSQL_stmt_call",
         "PLpgSQL_stmt_dynexecute", "PLpgSQL_stmt_dynfors")
#: The statements that run whenever they are reached (`certain_lines`): those that run SQL,
#: and an assignment, whose expression runs as a SELECT (`v := f()` calls f: checked on 18.6).
_EVALUATES = (*_RUNS, "PLpgSQL_stmt_assign")
#: Loops, as a reason names them: they may run their statements no time, once or many.
_LOOPS = {"PLpgSQL_stmt_loop": "LOOP", "PLpgSQL_stmt_while": "WHILE loop",
          "PLpgSQL_stmt_fori": "FOR loop", "PLpgSQL_stmt_fors": "FOR loop",
          "PLpgSQL_stmt_forc": "FOR loop", "PLpgSQL_stmt_dynfors": "FOR loop",
          "PLpgSQL_stmt_foreach_a": "FOREACH loop"}


def decided_branches(body: str, decide: Callable[[str], bool | None]) -> Branches | None:
    """`body`'s parse with each IF / ELSIF that `decide` answers (given a condition's SQL:
    True, False, or None when it cannot tell) reduced to the branch that runs, its
    conditions kept (they are evaluated). A condition is asked only before any statement
    of the body that runs SQL (which may change the answer: an ALTER adding the column the
    next IF asks about), outside loops and EXCEPTION clauses. None when the body chooses
    nothing that runs SQL, or does not parse."""
    if not _CHOOSES.search(body) or not _RUNS_SQL.search(body):
        return None
    functions = _functions(body)
    if functions is None:
        return None
    pruning = _Pruning(decide)
    try:
        tree = pruning.visit(functions)
    except RecursionError:
        return None
    return Branches(tree, tuple(pruning.claimed), pruning.decided)


@lru_cache(maxsize=256)
def undecided_branches(body: str) -> Branches | None:
    """`decided_branches` of `body` with no IF decided: the same for every ask of one text,
    so kept by text (a routine's is asked at each call, to name what every branch of
    counts). The tree is shared: read it, never change it."""
    return decided_branches(body, lambda sql: None)


def certain_lines(body: str, branches: Branches | None = None) -> frozenset[int]:
    """The lines of `body` (as `Embedded.line` has them) whose statements run whenever the
    block runs to its end: not in an IF the catalog does not decide (those `branches`
    decides run their branch), a CASE, a loop, or a block with an EXCEPTION clause (which
    undoes its statements when it catches an error), nor after a RETURN or EXIT, or such a
    construct that may run one and leave. A line that also holds a statement that may not
    run is left out."""
    tree = branches.tree if branches is not None and branches.decided else _functions(body)
    if tree is None:
        return frozenset()
    walk = _Certainty()
    try:
        walk.visit(tree, True)
    except RecursionError:
        return frozenset()
    return frozenset(walk.sure - walk.unsure)


#: The constructs whose statements may not run (a decided IF is a `PLpgSQL_branch_taken`).
_MAY_SKIP = ("PLpgSQL_stmt_if", "PLpgSQL_stmt_case", *_LOOPS)


class _Certainty:
    """One pass over a body's parse in the order it runs (`certain_lines`)."""

    def __init__(self) -> None:
        self.sure: set[int] = set()
        self.unsure: set[int] = set()
        #: A RETURN or EXIT may have left the block by now.
        self.left = False

    def visit(self, item: object, sure: bool) -> None:
        if isinstance(item, list):
            for i in item:
                self.visit(i, sure)
            return
        if not isinstance(item, dict):
            return
        sure = sure and not self.left
        block = item.get("PLpgSQL_stmt_block")
        if any(kind in item for kind in _MAY_SKIP) or \
                (isinstance(block, dict) and block.get("exceptions")):
            for value in item.values():
                self.visit(value, False)
            self.left = self.left or _may_leave(item)
            return
        runs = next((item[kind] for kind in _EVALUATES if kind in item), None)
        if isinstance(runs, dict):
            (self.sure if sure else self.unsure).add(int(runs.get("lineno") or 1))
            return
        if "PLpgSQL_stmt_return" in item or "PLpgSQL_stmt_exit" in item:
            # (RETURN f() computes its value, a routine's call, before it leaves)
            if isinstance(value := item.get("PLpgSQL_stmt_return"), dict) and value.get("expr"):
                (self.sure if sure else self.unsure).add(int(value.get("lineno") or 1))
            self.left = True
            return
        for value in item.values():
            self.visit(value, sure)


def _may_leave(node: object) -> bool:
    """Whether a construct may leave the block: a RETURN, or an EXIT naming a label (one
    without leaves only its loop), below `node`."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "PLpgSQL_stmt_return" in item or \
                    (item.get("PLpgSQL_stmt_exit") or {}).get("label"):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _runs_sql(node: object) -> bool:
    """Whether a statement below `node` (a parse of PL/pgSQL) runs SQL."""
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if any(kind in item for kind in _RUNS):
                return True
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _blocks_of(node: object) -> list[dict]:
    """A stand-in for each block written below `node`, in order: a branch left out keeps
    them, so that the DECLARE sections read from the text (`_declared_defaults`) still pair
    with the blocks that are left."""
    if isinstance(node, list):
        return [b for item in node for b in _blocks_of(item)]
    if not isinstance(node, dict):
        return []
    block = node.get("PLpgSQL_stmt_block")
    own = [{"PLpgSQL_stmt_block": {"lineno": block["lineno"]}}] \
        if isinstance(block, dict) and "lineno" in block else []
    return own + [b for value in node.values() for b in _blocks_of(value)]


class _Pruning:
    """One pass over a body's parse in the order it runs (`decided_branches`)."""

    def __init__(self, decide: Callable[[str], bool | None]) -> None:
        self.decide = decide
        #: A statement running SQL may have run before this point.
        self.ran = False
        #: Inside a loop or an EXCEPTION clause: what ran before is not known.
        self.guarded = 0
        self.claimed: list[tuple[str, int]] = []
        self.decided = 0

    def visit(self, item: object) -> object:
        if isinstance(item, list):
            return [self.visit(i) for i in item]
        if not isinstance(item, dict):
            return item
        if "PLpgSQL_stmt_if" in item:
            return self._if(item["PLpgSQL_stmt_if"])
        loop = next((_LOOPS[k] for k in item if k in _LOOPS), None)
        if loop is not None or "PLpgSQL_stmt_case" in item:
            node = next(iter(item.values()))
            if _runs_sql(item):
                self.claimed.append((loop or "CASE", int(node.get("lineno") or 1)))
            self.guarded += loop is not None
            out = {k: self.visit(v) for k, v in item.items()}
            self.guarded -= loop is not None
            self.ran = self.ran or _runs_sql(item)
            return out
        if any(kind in item for kind in _RUNS):
            self.ran = True
            return item
        block = item.get("PLpgSQL_stmt_block")
        if isinstance(block, dict) and block.get("exceptions"):
            if _runs_sql(block["exceptions"]):
                self.claimed.append(("EXCEPTION clause", int(block.get("lineno") or 1)))
            body = self.visit(block.get("body"))
            self.guarded += 1
            handlers = self.visit(block["exceptions"])
            self.guarded -= 1
            return {"PLpgSQL_stmt_block": {**block, "body": body, "exceptions": handlers}}
        return {k: self.visit(v) for k, v in item.items()}

    def _if(self, node: dict) -> dict:
        line = int(node.get("lineno") or 1)
        arms = [(node.get("cond"), node.get("then_body") or [])] + [
            ((e.get("PLpgSQL_if_elsif") or {}).get("cond"),
             (e.get("PLpgSQL_if_elsif") or {}).get("stmts") or [])
            for e in node.get("elsif_list") or ()]
        arms.append((None, node.get("else_body") or []))
        chosen = self._chosen(arms) if not self.ran and not self.guarded else None
        if chosen is None:
            if _runs_sql(node):
                self.claimed.append(("IF", line))
            before, ran = self.ran, False
            out = {}
            for key, value in node.items():  # each branch from the same point
                self.ran = before
                out[key] = self.visit(value)
                ran = ran or self.ran
            self.ran = ran
            return {"PLpgSQL_stmt_if": out}
        # The conditions evaluated, then the branch that runs; the others' blocks kept.
        self.decided += 1
        taken: list[object] = []
        for at, (cond, body) in enumerate(arms):
            if at <= chosen and cond is not None:
                taken.append(cond)
            taken.extend(self.visit(body) if at == chosen else _blocks_of(body))
        return {"PLpgSQL_branch_taken": {"lineno": line, "body": taken}}

    def _chosen(self, arms: list[tuple[object, list]]) -> int | None:
        """The arm of an IF that runs (the ELSE last), or None when a condition before it
        cannot be told."""
        for at, (cond, _) in enumerate(arms):
            if cond is None:
                return at
            answer = self.decide(_expr(cond))
            if answer is None:
                return None
            if answer:
                return at
        return None


#: A whole CREATE FUNCTION / PROCEDURE statement, where a DO block's body would start with
#: DECLARE, BEGIN, a label or a comment (catalog/routines.py keeps a routine so).
_CREATE_ROUTINE = re.compile(r"\s*create\b", re.IGNORECASE)


def _functions(body: str) -> object:
    """PL/pgSQL's parse of a DO block's body, or of a routine's whole CREATE statement (its
    parameters declared, its RETURN allowed: as the body alone in a DO block they are not);
    None when it does not parse. A routine's lines count from its CREATE."""
    parsed, _ = _compiled(body)
    if parsed is None:
        return None
    try:
        return json.loads(parsed)
    except (ValueError, RecursionError):
        return None


def parsed_function(create: str) -> dict | None:
    """PL/pgSQL's parse of a routine's whole CREATE statement (its PLpgSQL_function node);
    None when it does not parse."""
    parsed = _functions(create)
    first = parsed[0] if isinstance(parsed, list) and parsed else None
    return first.get("PLpgSQL_function") if isinstance(first, dict) else None


def compile_error(body: str) -> str | None:
    """What PL/pgSQL's grammar says of a DO block's body or a routine's CREATE statement when
    it rejects it (the server refuses it so: a DO block where it runs, a routine where it is
    created, under check_function_bodies); None when it parses."""
    return _compiled(body)[1] or None


@lru_cache(maxsize=256)
def _compiled(body: str) -> tuple[str | None, str]:
    """PL/pgSQL's parse of `body` (as `_functions` reads it) as JSON, or None and the
    parser's message."""
    if _CREATE_ROUTINE.match(body):
        return parse_plpgsql(body)
    tag = dollar_tag(body)
    return parse_plpgsql(f"DO {tag}{body}{tag}")


def dollar_tag(text: str) -> str:
    """A dollar quote's tag that `text` does not hold: `text` quoted with it is itself."""
    tag = "$lockwise$"
    while tag in text:
        tag = tag[:-1] + "_$"
    return tag


def parse_plpgsql(code: str) -> tuple[str | None, str]:
    """PL/pgSQL's parse of a DO block or a routine's CREATE statement as JSON, or None and
    the parser's message."""
    from lockwise.parse import libpg
    parser = libpg.parser

    if _VARIADIC.search(code) and _CREATE_ROUTINE.match(code):
        code = _variadic_read_as_in(code)
    try:
        return parser.parse_plpgsql_json(code), ""
    except parser.ParseError as exc:
        return None, str(exc.args[0] if exc.args else exc)
    except RecursionError:
        return None, "the body nests too deeply to parse"


#: The word of a VARIADIC parameter (`_variadic_read_as_in`).
_VARIADIC = re.compile(r"variadic", re.IGNORECASE)
#: An argument type the grammar spells as a keyword (`int`, `integer`, `bigint`, `boolean`,
#: `numeric`, `varchar`, `timestamp` ...): pg_catalog's scalar type, never an array.
_KEYWORD_TYPE_SCHEMA = "pg_catalog"


def _variadic_read_as_in(create: str) -> str:
    """`create` with its parameters' VARIADIC words blanked, for pglast's PL/pgSQL parser:
    it takes no VARIADIC parameter but a polymorphic one ("VARIADIC parameter must be an
    array" for `VARIADIC int[]`, which the server creates; checked on 18.6), while the body
    reads the parameter (its name, or `$n`) as an IN one all the same. Blanked with spaces,
    so the body's errors keep their places. Kept as written when a VARIADIC parameter's type
    is certainly no array (a keyword type without `[]`: the server's refusal is the same)."""
    from lockwise.parse import libpg

    try:
        stmts = json.loads(libpg.parser.parse_sql_json(create)).get("stmts") or ()
        tokens = libpg.parser.scan(create)
    except (libpg.parser.ParseError, ValueError, RecursionError):
        return create
    routine = (stmts[0].get("stmt", {}).get("CreateFunctionStmt") or {}) if stmts else {}
    for param in routine.get("parameters") or ():
        body = param.get("FunctionParameter") or {}
        if body.get("mode") != "FUNC_PARAM_VARIADIC":
            continue
        type_name = body.get("argType") or {}
        names = [n.get("String", {}).get("sval") for n in type_name.get("names") or ()]
        if not type_name.get("arrayBounds") and len(names) == 2 and \
                names[0] == _KEYWORD_TYPE_SCHEMA and not str(names[1]).startswith("_"):
            return create
    out = list(create)
    for token in tokens:
        if token.name == "VARIADIC":
            out[token.start:token.end + 1] = " " * (token.end + 1 - token.start)
    return "".join(out)


#: PL/pgSQL statements that run SQL computed at run time (`FOR ... IN EXECUTE`, `RETURN
#: QUERY EXECUTE`, `OPEN ... FOR EXECUTE` carry a `dynquery`).
_DYNAMIC = frozenset({"PLpgSQL_stmt_dynfors", "dynquery"})
#: PLpgSQL_expr.parseMode of an assignment (`v := expr`, RAW_PARSE_PLPGSQL_ASSIGN1..3),
#: whose query text holds the target too.
_ASSIGN_MODES = frozenset({3, 4, 5})
_ASSIGNED = re.compile(r"^[^:=]*(?::=|=)(.*)$", re.DOTALL)


def _queries(node: object, declared: list[list[tuple[str, int]]] | None = None
             ) -> tuple[list[tuple[str, int, bool]], bool]:
    """The SQL text and body line of each embedded statement and constant EXECUTE below
    `node`, in order (given the `declared` defaults of each block, PL/pgSQL's own
    expressions between them, flagged True: a block's defaults where it starts), and whether
    that is all of it (no SQL computed at run time)."""
    expressions = declared is not None
    blocks = iter(declared or ())
    out: list[tuple[str, int, bool]] = []
    complete = True
    stack: list[tuple[object, int]] = [(node, 1)]
    while stack:
        item, line = stack.pop()
        if isinstance(item, list):
            stack.extend((i, line) for i in reversed(item))
        elif isinstance(item, dict):
            line = item.get("lineno", line) if isinstance(item.get("lineno"), int) else line
            if expressions and "lineno" in (item.get("PLpgSQL_stmt_block") or {}):
                out.extend((f"SELECT {query}", at, True) for query, at in next(blocks, ()))
            if "datums" in item:
                # (the variables, read from the text instead: the parse leaves out the
                # default of a variable of a type it does not know, and where it is declared)
                item = {k: v for k, v in item.items() if k != "datums"}
            if "PLpgSQL_stmt_execsql" in item:
                stmt = item["PLpgSQL_stmt_execsql"]
                out.append((_expr(stmt.get("sqlstmt")), stmt.get("lineno", 1), False))
            elif "PLpgSQL_stmt_perform" in item or "PLpgSQL_stmt_call" in item:
                # PERFORM's query, as the SELECT it runs; CALL's (DO too) as written
                stmt = item.get("PLpgSQL_stmt_perform") or item["PLpgSQL_stmt_call"]
                out.append((_expr(stmt.get("expr")), stmt.get("lineno", 1), False))
            elif "PLpgSQL_stmt_dynexecute" in item:
                stmt = item["PLpgSQL_stmt_dynexecute"]
                known = constant_sql(_expr(stmt.get("query")))
                if known is not None:
                    # (EXECUTE refuses a SELECT ... INTO a table: it makes none)
                    if not selects_into(known):
                        out.append((known, stmt.get("lineno", 1), False))
                else:
                    complete = False
            elif expressions and "PLpgSQL_expr" in item:
                expr = item["PLpgSQL_expr"]
                query = str(expr.get("query", ""))
                if expr.get("parseMode") in _ASSIGN_MODES and (m := _ASSIGNED.match(query)):
                    query = m.group(1)
                # (a FOR's, RETURN QUERY's or cursor's query is whole: parseMode 0)
                if query.strip() and expr.get("parseMode", 0) != 0:
                    query = f"SELECT {query.strip()}"
                out.append((query.strip(), line, True))
            else:
                complete = complete and not _DYNAMIC.intersection(item)
                stack.extend((v, line) for v in reversed(list(item.values())))
    return [(q, line, e) for q, line, e in out if q], complete


def selects_into(sql: str) -> bool:
    """Whether SQL `sql` is a `SELECT ... INTO table`, which EXECUTE refuses ("EXECUTE of
    SELECT ... INTO is not implemented", 0A000; checked on 18.6, fix-pg74): run so, it
    makes no table (the block stops there), where the same statement in the migration
    itself makes one. (`EXECUTE '...' INTO n` is PL/pgSQL's, into its variables.)"""
    if "into" not in sql.lower():
        return False
    from lockwise.parse import libpg

    try:
        stmts = json.loads(libpg.parser.parse_sql_json(sql)).get("stmts") or ()
    except (libpg.parser.ParseError, ValueError, RecursionError):
        return False
    return any((s.get("stmt") or {}).get("SelectStmt", {}).get("intoClause") for s in stmts)


def executed_selects_into(body: str) -> tuple[tuple[int, str], ...]:
    """Each EXECUTE of PL/pgSQL code `body` that runs a known `SELECT ... INTO table`
    (`constant_sql`, `selects_into`), which the server refuses when it runs it ("EXECUTE of
    SELECT ... INTO is not implemented", 0A000; checked on 18.6): its line in the body and
    the SQL. Not one under a block with an EXCEPTION clause, which may catch the error."""
    functions = _functions(body) if "into" in body.lower() else None
    found: list[tuple[int, str]] = []
    for item in _nodes(functions, lambda item: bool(
            (item.get("PLpgSQL_stmt_block") or {}).get("exceptions"))):
        run = item.get("PLpgSQL_stmt_dynexecute")
        known = constant_sql(_expr(run.get("query")).strip()) if run else None
        if known is not None and not run.get("into") and selects_into(known):
            found.append((int(run.get("lineno") or 1), known))
    return tuple(found)


def _nodes(tree: object, skipped: Callable[[dict], bool] | None = None) -> Iterator[dict]:
    """Each object of a PL/pgSQL parse `tree`, in the body's order; not below one that
    `skipped` says to leave out (nor that one)."""
    stack: list[object] = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if skipped is not None and skipped(item):
                continue
            yield item
            stack.extend(reversed(item.values()))
        elif isinstance(item, list):
            stack.extend(reversed(item))


def constant_sql(query: str) -> str | None:
    """The SQL an EXECUTE of `query` runs when it is known before the block runs: a string
    constant, or format() of a constant format string and constant arguments; None when it
    is computed at run time."""
    constant = _STRING_CONSTANT.fullmatch(query)
    if constant:
        return constant.group(1).replace("''", "'")
    dollar = _DOLLAR_CONSTANT.fullmatch(query) if "$" in query else None
    if dollar and f"${dollar.group(1)}$" not in dollar.group(2):  # (one constant, whole)
        return dollar.group(2)
    if not _FORMAT_CALL.match(query):  # (most EXECUTEs: no parse of their expression)
        return None
    return _constant_format(query)


#: An expression that may be a call of format().
_FORMAT_CALL = re.compile(r"\s*(?:pg_catalog\s*\.\s*)?format\s*\(", re.IGNORECASE)
#: A conversion of format(): `%%`, or `%[n$]` then the type, nothing between (the flags and
#: widths, which pad the text, are not followed).
_CONVERSION = re.compile(r"%(?:(%)|(?:([1-9][0-9]*)\$)?([sIL]))")


def _constant_format(query: str) -> str | None:
    """format(<constant>, <constants>...) evaluated as the server does (%s the text, %I
    quote_ident, %L quote_literal or NULL; after `%n$`, the next argument is the n+1-th);
    None for anything else, or what the server would raise on (too few arguments, a NULL
    name)."""
    from lockwise.effects.nodes import const_value
    from lockwise.parse.quoting import quote_ident, quote_literal

    call = (_expression_tree(query) or {}).get("FuncCall")
    if not call or [n.get("String", {}).get("sval") for n in call.get("funcname") or ()][-1:] \
            != ["format"] or not call.get("args") or call.get("agg_star"):
        return None
    values = []
    for arg in call["args"]:
        value = const_value(arg)
        if "A_Const" not in arg or isinstance(value, bool):  # (a boolean prints as t or f)
            return None
        values.append(value)
    template, values = values[0], values[1:]
    if not isinstance(template, str):
        return None
    out: list[str] = []
    taken, at = 0, 0
    for match in _CONVERSION.finditer(template):
        text = template[at:match.start()]
        if "%" in text:
            return None  # a conversion not followed (flags, a width)
        out.append(text)
        at = match.end()
        if match.group(1):
            out.append("%")
            continue
        index = int(match.group(2)) - 1 if match.group(2) else taken
        taken = index + 1
        if index >= len(values):
            return None
        value, kind = values[index], match.group(3)
        if value is None and kind == "I":
            return None
        out.append("" if value is None and kind == "s" else "NULL" if value is None
                   else quote_ident(str(value)) if kind == "I"
                   else quote_literal(value) if kind == "L" else str(value))
    rest = template[at:]
    return None if "%" in rest else "".join(out) + rest


def _expression_tree(query: str) -> dict | None:
    """The parse tree of expression `query` (PL/pgSQL's text of one: `SELECT` and it), None
    when it is not one expression."""
    from lockwise.parse import libpg

    try:
        tree = json.loads(libpg.parser.parse_sql_json(f"SELECT {query}"))
    except (libpg.parser.ParseError, ValueError, RecursionError):
        return None
    stmts = tree.get("stmts") or ()
    targets = (stmts[0].get("stmt", {}).get("SelectStmt") or {}).get("targetList") \
        if len(stmts) == 1 else None
    return (targets[0].get("ResTarget") or {}).get("val") or {} \
        if targets and len(targets) == 1 else None


def _dynamic_template(query: str) -> str | None:
    """The text EXECUTE of expression `query` runs, as a format() string: format()'s own
    (a string constant, quoted or dollar-quoted), or the pieces of a concatenation (`'ALTER
    TABLE ' || quote_ident(s) || '.foo ...'`), its constants as written and `%s` for each
    other piece; None for anything else."""
    if "format" not in query.lower() and "||" not in query:
        return None  # (no parse of the rest)
    value = _expression_tree(query)
    if value is None:
        return None
    call = value.get("FuncCall")
    if call is not None:
        names = [n.get("String", {}).get("sval") for n in call.get("funcname") or ()]
        first = (call.get("args") or [{}])[0].get("A_Const", {}).get("sval")
        return first.get("sval") if names[-1:] == ["format"] and names[:-1] in \
            ([], ["pg_catalog"]) and isinstance(first, dict) else None
    pieces: list[str] = []
    todo = [value]
    while todo:  # (left to right: `a || b || c` is `(a || b) || c`)
        node = todo.pop()
        operator = node.get("A_Expr")
        if operator and [n.get("String", {}).get("sval") for n in operator.get("name") or ()] \
                == ["||"] and operator.get("lexpr"):
            todo += [operator.get("rexpr") or {}, operator["lexpr"]]
            continue
        text = node.get("A_Const", {}).get("sval")
        pieces.append(text["sval"].replace("%", "%%") if isinstance(text, dict) else "%s")
    return "".join(pieces) if len(pieces) > 1 else None


@lru_cache(maxsize=256)
def dynamic_formats(body: str) -> tuple[str, ...] | None:
    """The format strings of the SQL a PL/pgSQL body computes at run time when each piece of
    it is `EXECUTE format('<constant>', ...)` or a concatenation of constants and values
    (`_dynamic_template`); None when any is built otherwise (or the body does not parse)."""
    functions = _functions(body)
    if functions is None:
        return None
    found: list[str] = []
    stack: list[object] = [functions]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "PLpgSQL_stmt_dynexecute" in item:
                query = _expr(item["PLpgSQL_stmt_dynexecute"].get("query"))
                if constant_sql(query) is not None:
                    continue  # (known: among `embedded_statements`)
                template = _dynamic_template(query)
                if template is None:
                    return None
                found.append(template)
            elif _DYNAMIC.intersection(item):
                return None
            else:
                stack.extend(item.values())
    return tuple(found)


#: Run-time SQL known to be a query by the string constant it starts with (alone or as
#: format()'s format): it reads, and changes no table (WITH may hold a write: not one).
_QUERY_START = re.compile(r"\s*(?:(?:pg_catalog\s*\.\s*)?format\s*\(\s*)?'\s*\(*\s*"
                          r"(?:select|values|table|show)\b", re.IGNORECASE)
#: Run-time SQL known to be a role statement by the string constant it starts with (CREATE,
#: ALTER or DROP ROLE, USER or GROUP, alone or as format()'s format): it locks the shared role
#: catalogs (pg_authid, pg_auth_members) and no table (checked on 18.6: pg_locks).
_ROLE_START = re.compile(r"\s*(?:(?:pg_catalog\s*\.\s*)?format\s*\(\s*)?'\s*"
                         r"(?:create|alter|drop)\s+(?:role|user|group)\b", re.IGNORECASE)


@lru_cache(maxsize=256)
def dynamic_sql(body: str) -> tuple[tuple[int, str], ...]:
    """The SQL a PL/pgSQL body computes at run time that may change a table or its rows,
    which lockwise cannot read: for each EXECUTE (FOR ... IN EXECUTE, RETURN QUERY EXECUTE,
    OPEN ... FOR EXECUTE) of SQL not known before it runs (`constant_sql`) and not a query
    or a role statement by the text it starts with, its line in the body and its expression
    as written. None for a body that does not parse (nothing is read of it)."""
    functions = _functions(body) if "execute" in body.lower() else None
    found: list[tuple[int, str]] = []
    for item in _nodes(functions):
        dynamic = item.get("PLpgSQL_stmt_dynexecute") or item.get("PLpgSQL_stmt_dynfors")
        # (a statement running a query it computes holds it as `dynquery`)
        holder, query = (dynamic, dynamic.get("query")) if dynamic else \
            (item, item.get("dynquery"))
        text = _expr(query).strip()
        if text and constant_sql(text) is None and not _QUERY_START.match(text) \
                and not _ROLE_START.match(text):
            found.append((int(holder.get("lineno") or 1), text))
    return tuple(found)


def routine_code(create: str) -> tuple[str, int]:
    """The PL/pgSQL code of a routine's CREATE statement (its AS string) and the lines before
    it in the statement: its DECLARE sections are read from it (`_declared_defaults`)."""
    from lockwise.parse import libpg

    try:
        stmts = json.loads(libpg.parser.parse_sql_json(create)).get("stmts") or ()
    except (libpg.parser.ParseError, ValueError, RecursionError):
        return "", 0
    options = (stmts[0].get("stmt", {}).get("CreateFunctionStmt") or {}).get("options") \
        if stmts else None
    code = next((str(item.get("String", {}).get("sval", ""))
                 for o in options or () if o.get("DefElem", {}).get("defname") == "as"
                 for item in o["DefElem"].get("arg", {}).get("List", {}).get("items", ())[:1]),
                "")
    at = create.find(code) if code else -1  # (not found: a string with '' in it)
    return code, create.count("\n", 0, at) if at >= 0 else 0


def _count_blocks(node: object) -> int:
    """The blocks written in a body's parse (those with a line: not the one the parser wraps
    around a body whose block has a label or an EXCEPTION clause)."""
    if isinstance(node, list):
        return sum(map(_count_blocks, node))
    if not isinstance(node, dict):
        return 0
    own = "lineno" in (node.get("PLpgSQL_stmt_block") or {})
    return own + sum(map(_count_blocks, node.values()))


#: Tokens that end a declared type: what may follow it, the default last.
_AFTER_TYPE = frozenset({"COLLATE", "NOT", "DEFAULT", "COLON_EQUALS", "ASCII_61"})
_SETS_DEFAULT = frozenset({"DEFAULT", "COLON_EQUALS", "ASCII_61"})
#: Declarations that hold no value of a type: an alias, a bound cursor.
_NO_VALUE = frozenset({"alias", "cursor", "scroll", "no"})


def _declared_defaults(body: str, blocks: int) -> list[list[tuple[str, int]]]:
    """For each of a body's `blocks`, in the order its BEGIN is written, the values its
    DECLARE section sets variables to, each as the expression PL/pgSQL evaluates when the
    block starts (cast to the variable's type; as written for a `%TYPE`, which names it
    through a column) with its line. When the text does not show as many blocks as the parse
    (a BEGIN in a cursor's query), all of them where the body starts."""
    from lockwise.parse import libpg

    try:
        tokens = libpg.parser.scan(body)
    except Exception:  # noqa: BLE001 - a body the scanner cannot read declares nothing known
        return []
    found: list[list[tuple[str, int]]] = []
    section: list[tuple[str, int]] | None = None
    declaration: list = []
    depth = 0
    for token in tokens:
        if section is None:
            if token.name == "DECLARE":
                section, declaration, depth = [], [], 0
            elif token.name == "BEGIN_P":
                found.append([])
            continue
        depth += (token.name == "ASCII_40") - (token.name == "ASCII_41")
        if depth == 0 and token.name == "BEGIN_P":
            found.append(section)
            section = None
        elif depth == 0 and token.name == "ASCII_59":
            section.extend(_default(body, declaration))
            declaration = []
        elif token.name != "DECLARE" or declaration:
            declaration.append(token)
    if len(found) != blocks:
        return [[value for block in found for value in block]] + [[]] * (blocks - 1)
    return found


def _default(body: str, tokens: list) -> list[tuple[str, int]]:
    """The value one declaration (`name [CONSTANT] type [COLLATE c] [NOT NULL] [{DEFAULT |
    := | =} value]`, its tokens) sets its variable to, as `_declared_defaults` gives it; none
    without a value."""
    first = 2 if len(tokens) > 2 and body[tokens[1].start:tokens[1].end + 1].lower() == \
        "constant" else 1
    ends = [i for i, t in enumerate(tokens) if i >= first and t.name in _AFTER_TYPE]
    sets = [i for i in ends if tokens[i].name in _SETS_DEFAULT]
    if not sets or ends[0] == first or sets[0] + 1 >= len(tokens) or \
            body[tokens[first].start:tokens[first].end + 1].lower() in _NO_VALUE:
        return []
    type_sql = body[tokens[first].start:tokens[ends[0] - 1].end + 1]
    value = body[tokens[sets[0] + 1].start:tokens[-1].end + 1]
    line = body.count("\n", 0, tokens[0].start) + 1
    return [(value if "%" in type_sql else f"({value})::{type_sql}", line)]


def _expr(node: object) -> str:
    expr = (node or {}).get("PLpgSQL_expr") if isinstance(node, dict) else None
    return str((expr or {}).get("query", ""))


def parse_statements(sql: str) -> list[tuple[str, dict]]:
    """The statements of `sql` (its text, its parse tree); none when it does not parse."""
    from lockwise.parse.postgres import parse_sql

    parsed = parse_sql(sql, comments=False)
    return [] if parsed.problems else [(s.sql, s.tree) for s in parsed.statements]
