"""What the executor will run for each pending migration, and whether the gate lets it.

A plan fixes, before anything touches the database: the statements (as the parser split them),
whether the migration runs in one transaction or statement by statement, and the lint verdict
computed for exactly that way of running it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lockwise.core.types import (
    LockMode,
    Migration,
    MigrationReport,
    Safety,
    Span,
    ToolPlaceholders,
)
from lockwise.executor.batches import (
    BatchError,
    BatchSpec,
    KnownTables,
    TableFacts,
    batched_write,
    batches_itself,
    fired_once_per_batch,
    known_tables,
    parse_batch_directive,
    refused_batching,
    statement_tree,
    with_aggregates_made,
)
from lockwise.executor.checksum import all_checksums
from lockwise.executor.parts import (
    located,
    parse_by_part,
    part_starts,
    position,
    why_statement_by_statement,
)

if TYPE_CHECKING:
    from lockwise.config import Config

#: TransactionStmt kinds that open or close a transaction (savepoints are fine inside ours).
_OPENS = {"TRANS_STMT_BEGIN", "TRANS_STMT_START"}
_SAVEPOINTS = {"TRANS_STMT_SAVEPOINT", "TRANS_STMT_RELEASE", "TRANS_STMT_ROLLBACK_TO"}
_CLOSES = {"TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK", "TRANS_STMT_PREPARE",
           "TRANS_STMT_COMMIT_PREPARED", "TRANS_STMT_ROLLBACK_PREPARED"}


@dataclass(frozen=True, slots=True)
class IndexCheck:
    """Indexes a successful CONCURRENTLY statement may leave INVALID without creating them:

    create    the index a named CREATE INDEX CONCURRENTLY builds on `name` (IF NOT EXISTS skips
              an invalid leftover of an earlier failed build under that name)
    index     REINDEX INDEX CONCURRENTLY `name`: the index and the `_ccnew` / `_ccold`
              leftovers of an earlier failed REINDEX of it, which the rerun does not touch
    table     REINDEX TABLE `name` (its partitions and TOAST tables too),
    schema    REINDEX SCHEMA `name`, or
    database  REINDEX DATABASE ... CONCURRENTLY: every invalid index there, since REINDEX
              CONCURRENTLY skips invalid indexes with a mere WARNING
    """

    scope: str
    #: As written: resolved on the server with the migration's search_path.
    schema: str | None = None
    name: str = ""
    index: str = ""


_REINDEX_SCOPES = {"REINDEX_OBJECT_INDEX": "index", "REINDEX_OBJECT_TABLE": "table",
                   "REINDEX_OBJECT_SCHEMA": "schema", "REINDEX_OBJECT_DATABASE": "database"}


@dataclass(slots=True)
class PlannedStatement:
    #: 0-based index of the statement in the file, as `lockwise lint` numbers it (minus one).
    index: int
    sql: str
    line: int
    #: False for statements PostgreSQL refuses inside a transaction block (CONCURRENTLY, ...).
    transactional: bool
    safety: Safety = Safety.SAFE
    locks: dict[str, LockMode] = field(default_factory=dict)
    estimated_seconds: float | None = None
    #: How long its strongest lock is held, by the cost model (None: no statistics).
    lock_seconds: float | None = None
    #: `-- lockwise: batch size=N sleep=MS`: run as key-range batches (executor/batches.py).
    batch: BatchSpec | None = None
    #: Where this CONCURRENTLY statement may report success over an INVALID index, for the
    #: runner to check afterwards (None: the before/after comparison says it all).
    index_check: IndexCheck | None = None
    #: The column `sql` starts at on `line` (a failure is named file:line:column).
    column: int = 1
    #: A transaction-control statement (BEGIN, COMMIT, SAVEPOINT, ...): pglast's kind
    #: (`TRANS_STMT_COMMIT`), None for any other statement.
    control: str | None = None
    #: COMMIT AND CHAIN / ROLLBACK AND CHAIN: a new transaction opens at once.
    chain: bool = False
    #: The fact by which the gate's lint knows PostgreSQL refuses it (`statement_refusal`),
    #: "" when it runs or when the migration waives the rule that says so: planned with no
    #: lock, and the gate runs no migration holding one, whatever --allow.
    refused: str = ""
    #: A DO block or CALL: run outside a transaction block it may COMMIT part of its work and
    #: then fail (a lock_timeout after its first COMMIT): never retried, since running it again
    #: repeats what committed.
    commits_partway: bool = False
    #: The client_encoding it runs in: the encoding a psql `\\encoding X` before it names
    #: (session_encoding.py); None for the session's own, UTF8.
    client_encoding: str | None = None

    @property
    def runs_in_block(self) -> bool:
        """Whether, in a statement-by-statement run, it can run in a transaction of its own
        together with the update of its progress: not a statement PostgreSQL refuses in a
        transaction block, not a batch (each batch commits), not transaction control."""
        return self.transactional and self.batch is None and self.control is None

    @property
    def closes_block(self) -> bool:
        """A plain COMMIT (or END): in a statement-by-statement run, the progress of the
        statements of the file's own transaction is written in it, just before it."""
        return self.control == "TRANS_STMT_COMMIT" and not self.chain


@dataclass(slots=True)
class Plan:
    migration: Migration
    path: Path
    statements: list[PlannedStatement]
    #: True: the whole migration runs in one transaction; False: statement by statement.
    transactional: bool
    #: The text's checksum under every known algorithm, the current one first: batch progress
    #: recorded by an earlier lockwise (whose algorithm differed) is found by any of them.
    checksums: tuple[str, ...]
    #: Why the executor cannot run this migration at all (psql meta-commands, ...).
    problems: list[str] = field(default_factory=list)
    #: What the executor passes over and says so (psql settings: `psql_settings_skipped`).
    notes: list[str] = field(default_factory=list)
    #: Statements the executor leaves out: the migration's own BEGIN/COMMIT wrapper.
    dropped: list[int] = field(default_factory=list)
    report: MigrationReport | None = None
    ignored_rules: list[dict] = field(default_factory=list)
    #: Statements a failed or interrupted run (cleared by repair) already completed: this run
    #: continues after them (runner._resume_at).
    resume_at: int = 0

    @property
    def checksum(self) -> str:
        """The checksum new history rows record (the current algorithm's)."""
        return self.checksums[0]

    @property
    def safety(self) -> Safety:
        return self.report.safety if self.report else Safety.SAFE

    @property
    def refused_statements(self) -> list[PlannedStatement]:
        """The statements the gate's lint knows PostgreSQL refuses: the migration would fail
        at the first."""
        return [s for s in self.statements if s.refused]

    @property
    def predicted_seconds(self) -> float | None:
        known = [s.estimated_seconds for s in self.statements if s.estimated_seconds is not None]
        return sum(known) if known else None


def _txn_kind(tree: dict) -> str | None:
    node = tree.get("TransactionStmt")
    return node.get("kind") if isinstance(node, dict) else None


def _chains(tree: dict) -> bool:
    node = tree.get("TransactionStmt")
    return isinstance(node, dict) and bool(node.get("chain"))


def _index_check(tree: dict) -> IndexCheck | None:
    """What to check after a CONCURRENTLY statement (see IndexCheck), or None."""
    node = tree.get("IndexStmt")
    if isinstance(node, dict):
        relation = node.get("relation") or {}
        if not node.get("concurrent") or not node.get("idxname") or not relation.get("relname"):
            return None
        return IndexCheck("create", relation.get("schemaname"), relation["relname"],
                          node["idxname"])
    node = tree.get("ReindexStmt")
    if not isinstance(node, dict) or node.get("kind") not in _REINDEX_SCOPES:
        return None
    params = [p.get("DefElem", {}).get("defname") for p in node.get("params") or ()]
    if "concurrently" not in params:
        return None
    relation = node.get("relation") or {}
    scope = _REINDEX_SCOPES[node["kind"]]
    if scope in ("index", "table"):
        return IndexCheck(scope, relation.get("schemaname"), relation.get("relname") or "")
    return IndexCheck(scope, None, node.get("name") or "")


def client_copy(tree: dict) -> str | None:
    """Why a COPY that exchanges its data with the client cannot run, or None: lockwise sends
    SQL only (psycopg's execute() rejects the COPY protocol, and the failed COPY left the
    connection unusable)."""
    node = tree.get("CopyStmt")
    if not isinstance(node, dict) or node.get("filename") or node.get("is_program"):
        return None
    direction = "FROM STDIN" if node.get("is_from") else "TO STDOUT"
    return (f"COPY ... {direction} exchanges data with the client (psql's COPY protocol), which "
            "lockwise cannot run: load the data with INSERT, or COPY from a file on the server")


#: psql meta-commands that change only what psql prints or how it reacts, never what the
#: server runs (a variable `\set` defines is reported where it is used).
_CLIENT_ONLY = frozenset({"set", "unset", "echo", "qecho", "warn", "timing", "pset", "a", "t",
                          "x", "encoding"})


def client_side_input(parsed: Any, text: str) -> list[tuple[Span, str]]:
    """Where `parsed` (the parse of `text`) holds what only psql runs and changes what runs,
    and why lockwise cannot run it: meta-commands (\\i, \\connect, \\copy, ...), variables,
    \\gexec (the meta-command it is; COPY data is reported with its COPY ... FROM STDIN, by
    `client_copy`). The meta-commands that change nothing the server runs
    (`\\set ON_ERROR_STOP on`, `\\echo`) are `psql_settings_skipped`'s."""
    return [(s.span, _client_side(s, text)) for s in parsed.skipped
            if s.kind not in ("psql-gexec", "copy-data") and not _changes_nothing_run(s)]


def psql_settings_skipped(parsed: Any) -> list[tuple[Span, str]]:
    """Where `parsed` holds a psql meta-command that only sets psql's own behaviour
    (`\\set ON_ERROR_STOP on`, `\\timing`, `\\echo`), and the note saying it is skipped: it
    changes nothing the server runs, so apply, verify and trace all pass over it alike."""
    return [(s.span, _skipped_note(s.text)) for s in parsed.skipped if _changes_nothing_run(s)]


def _skipped_note(text: str) -> str:
    words = text[1:].split()
    if len(words) > 1 and words[0] == "encoding":
        # The file was read by it (parse/psql_encoding.py): the server gets the characters
        # psql would send, in UTF-8.
        return (f"`{text}`: the file's text after it was read as that encoding, as psql sends "
                "it, and the statements after it run with that client_encoding, as psql's do")
    return (f"`{text}` only sets psql's own behaviour, not what the server runs: skipped "
            "(lockwise stops at a migration's first error, as psql with ON_ERROR_STOP does)")


#: psql variables whose `\set` does change what runs: AUTOCOMMIT off opens transactions the
#: file never wrote, ON_ERROR_ROLLBACK goes on past a failed statement.
_RUN_VARIABLES = frozenset({"autocommit", "on_error_rollback"})


def _changes_nothing_run(skipped: Any) -> bool:
    words = skipped.text[1:].split(maxsplit=2)
    return (skipped.kind == "psql-meta" and bool(words) and words[0].lower() in _CLIENT_ONLY
            and not (words[0].lower() == "set" and len(words) > 1
                     and words[1].lower() in _RUN_VARIABLES))


def _client_side(skipped: Any, text: str) -> str:
    """Why a part of the file only psql runs cannot be run, naming it as written."""
    if skipped.kind == "psql-variables":  # at the first variable; its text says how many
        return (f"`{text[skipped.span.start_offset:skipped.span.end_offset]}` is a psql "
                "variable: lockwise cannot run it (psql fills it in before it sends the "
                "statement)")
    what = "a psql meta-command" if skipped.kind == "psql-meta" else "for psql"
    return (f"`{skipped.text}` is {what}: lockwise cannot run it (it is a psql client "
            "feature, not SQL)")


def _blank(text: str, start: int, end: int) -> str:
    """Spaces instead of text[start:end], newlines kept, so lines and columns stay true."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _refused_batches(refused: tuple[str, str]) -> str:
    """The problem a batch directive `refused_batching` refuses is (its reason, what to do)."""
    return (f"the batch directive marks a statement lockwise cannot run in batches: "
            f"{refused[0]} ({refused[1]})")


def refuse_batches_by(plans: Sequence[Plan], tables: TableFacts) -> None:
    """Judge each batched statement of `plans` again with `tables` (the server's, before
    anything runs: a view over the table or a key the migrations did not make, which their
    replay does not know), adding a problem, at its file:line:column, for each refused."""
    for plan in plans:
        for s in plan.statements:
            tree = statement_tree(s.sql) if s.batch is not None else None
            refused = refused_batching(tree, tables=tables) if tree is not None else None
            problem = refused and f"{position(plan.migration, plan.path, s.line, s.column)}: " \
                f"{_refused_batches(refused)}"
            if problem and problem not in plan.problems:
                plan.problems.append(problem)
            elif tree is not None and not refused:
                place = position(plan.migration, plan.path, s.line, s.column)
                plan.notes += [n for n in _once_per_batch(tree, tables, place)
                               if n not in plan.notes]


def _once_per_batch(tree: dict, tables: TableFacts | None, place: str) -> list[str]:
    """The note of the statement triggers batched statement `tree` fires once per batch
    (`fired_once_per_batch`), at `place` (its file:line:column); none when it fires none."""
    ((kind, node),) = tree.items()
    names = fired_once_per_batch(kind, node, tables)
    return [f"{place}: in batches, its statement trigger {', '.join(names)} fires once per "
            "batch, not once for the statement (a log it writes gets a row per batch)"
            ] if names else []


def plan_sql(migration: Migration, sql_text: str, path: Path, pg_version: int,
             no_transaction: bool | None = None, aggregates: Collection[str] = (),
             default_collation: str | None = None, tables: TableFacts | None = None) -> Plan:
    """Split `sql_text` and decide how to run it (no lint verdict yet). `no_transaction`: the
    text is marked to run statement by statement (default: the migration is).
    `aggregates`: those the migrations before it made (`Catalog.aggregates`), which a batched
    DELETE may not compute over its table (`refused_batching`), as those it makes itself.
    `default_collation`: the database's, as lint's options have it (`LintOptions.
    default_collation`), for the effects computed here. `tables`: what the migrations before
    it left of the tables it batches (`known_tables`: their unique columns, key, views),
    which `refused_batching` judges its batched statements with."""
    from lockwise.effects.context import Context
    from lockwise.effects.postgres import compute_effect
    from lockwise.executor.session_encoding import client_encodings
    from lockwise.lint import tool_refuses_mixed
    from lockwise.parse.templates import as_sent
    from lockwise.rules.directives import parse_directive

    def at(line: int, column: int) -> str:  # in a joined version folder: the file's place
        return position(migration, path, line, column)

    parsed = parsed_as_run(migration, sql_text)
    tool = _tool(migration, sql_text)  # (the statements run with the values it puts in)
    problems = [str(p) for p in unrunnable(migration, sql_text, path, parsed)]
    statements = []
    once: list[str] = []  # (the notes of statement triggers a batched statement fires)
    # Each file of a version folder is a psql run of its own: an `\\encoding` ends with it.
    encodings = client_encodings(parsed, part_starts(migration, sql_text)
                                 if sql_text == migration.up_sql else ())
    for stmt_at, stmt in enumerate(parsed.statements):
        effect = compute_effect(stmt.tree, Context(pg_version=pg_version,
                                                   default_collation=default_collation))
        try:
            # A DO block batches itself (lockwise fix's backfill, marked so): it runs as
            # written, on its own; the key-range batches are for an UPDATE or DELETE.
            batch = None if batches_itself(stmt.tree) else \
                parse_batch_directive(stmt.leading_comments)
            # Refused now, not when the run reaches it: the statements before it would
            # have run (and, run statement by statement, committed).
            refused = batch and refused_batching(stmt.tree, with_aggregates_made(
                aggregates, (s.tree for s in parsed.statements[:stmt_at])), tables=tables)
            if refused:
                raise BatchError(_refused_batches(refused))
            if batch:
                once += _once_per_batch(stmt.tree, tables, at(stmt.span.line,
                                                              stmt.span.column))
        except BatchError as exc:
            problems.append(f"{at(stmt.span.line, stmt.span.column)}: {exc}")
            batch = None
        statements.append(PlannedStatement(stmt.index, as_sent(stmt.sql, tool),
                                           stmt.span.line,
                                           effect.transactional, locks=dict(effect.locks),
                                           batch=batch, column=stmt.span.column,
                                           index_check=_index_check(stmt.tree),
                                           control=_txn_kind(stmt.tree),
                                           chain=_chains(stmt.tree),
                                           commits_partway=bool({"DoStmt", "CallStmt"}
                                                                & set(stmt.tree)),
                                           client_encoding=encodings(stmt.span.start_offset)))
    # Batches commit one by one: a migration with a batched statement runs statement by
    # statement, like one with CONCURRENTLY.
    if no_transaction is None:
        no_transaction = migration.no_transaction
    # A setting that runs the migration in a transaction (Flyway's script config) is run so,
    # as its tool would: a statement a transaction block refuses is refused by the gate.
    transactional = not no_transaction and all(s.batch is None for s in statements) and (
        migration.forced_transaction or all(s.transactional for s in statements))
    plan = Plan(migration, path, statements, transactional, all_checksums(sql_text), problems,
                notes=[f"{at(span.line, span.column)}: {note}"
                       for span, note in psql_settings_skipped(parsed)] + once)
    if tool_refuses_mixed(migration, [not s.transactional for s in statements]):
        from lockwise.discover.spring_boot import mixed_setting

        refused = next(s for s in statements if not s.transactional)
        plan.notes.append(
            f"{at(refused.line, refused.column)}: Flyway refuses this migration: statement "
            f"{refused.index + 1} "
            "cannot run inside a transaction block, the others run in one, and Flyway's "
            f"`mixed` is off ({mixed_setting(migration.path.parent)}); lockwise runs it "
            "statement by statement, as Flyway does with `mixed = true`")

    why = why_statement_by_statement(plan)
    if why is not None:
        plan.notes.append(why)

    kinds = [_txn_kind(s.tree) for s in parsed.statements]
    if transactional and any(k in _OPENS or k in _CLOSES for k in kinds):
        control = [i for i, k in enumerate(kinds) if k in _OPENS or k in _CLOSES]
        if control == [0, len(kinds) - 1] and kinds[0] in _OPENS and \
                kinds[-1] == "TRANS_STMT_COMMIT":
            # BEGIN ... COMMIT around the whole file: the executor's own transaction replaces it.
            plan.dropped = control
            plan.statements = [s for s in statements if s.index not in control]
        else:
            stmt = parsed.statements[control[0]]
            plan.problems.append(
                f"{at(stmt.span.line, stmt.span.column)}: the migration controls its own "
                f"transactions ({stmt.sql.split()[0].upper()}); lockwise runs each migration in "
                "one transaction: remove it, or mark the migration `-- lockwise: no-transaction`")

    for text, span in parsed.comments:  # every comment of the file, with its own span
        directive = parse_directive(text, span)
        if directive is not None:
            plan.ignored_rules.append({
                "rules": sorted(directive.rules) or ["all"], "reason": directive.reason,
                "file_level": directive.file_level,
                "line": span.line if span is not None else None})
    return plan


def parsed_as_run(migration: Migration, sql_text: str) -> Any:
    """`sql_text` parsed; the migration's own text as its version folder's files, each parsed
    alone (a down is one file), with the values its tool puts in its placeholders, the up
    file's and the down's (Flyway's undo file) alike (`parse_with_values`: places and texts
    stay the file's, `as_sent` gives what runs)."""
    from lockwise.parse.postgres import parse_sql

    tool = _tool(migration, sql_text)
    if tool is None:
        parse: Any = parse_sql
    else:
        from lockwise.parse.templates import parse_with_values

        def parse(text: str) -> Any:
            return parse_with_values(text, tool, None)
    return parse_by_part(migration, sql_text, parse) if sql_text == migration.up_sql \
        else parse(sql_text)


def _tool(migration: Migration, sql_text: str) -> ToolPlaceholders | None:
    """How the tool replaces the placeholders of `sql_text` (the migration's up file or its
    down: Flyway replaces those of its undo files too)."""
    return migration.tool_placeholders


@dataclass(frozen=True, slots=True)
class Unrunnable:
    """A part of a file that lockwise cannot run, at its file:line:column (in a joined
    version folder, its own file's). `kind`: "client" (what only psql runs), "placeholder"
    (a template's), "parse" (SQL PostgreSQL's parser rejects) or "copy" (COPY data through
    the client)."""

    path: Path | str | None
    line: int
    column: int
    message: str
    kind: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


def unrunnable(migration: Migration, sql_text: str, path: Path | None,
               parsed: Any = None) -> list[Unrunnable]:
    """What in `sql_text` (of `path`; `parsed`: its parse, parsed here when not given) cannot
    be run at all: what only psql runs, a template placeholder (what the parser says of it is
    only a consequence), else SQL PostgreSQL's parser rejects (in lint's words), and COPY data
    from the client. The one judgement of apply's plan, status and verify (`check_parses`)."""
    from lockwise.lint import parse_error_message
    from lockwise.parse.templates import unrunnable_placeholder

    if parsed is None:
        parsed = parsed_as_run(migration, sql_text)

    def at(span: Span | tuple[int, int], message: str, kind: str) -> Unrunnable:
        line, column = (span.line, span.column) if isinstance(span, Span) else span
        where, line = located(migration, path, line)  # type: ignore[arg-type]
        return Unrunnable(where, line, column, message, kind)

    problems = [at(span, why, "client") for span, why in client_side_input(parsed, sql_text)]
    placeholder = unrunnable_placeholder(sql_text, _tool(migration, sql_text))
    if placeholder is not None:
        line, column, message = placeholder
        problems.append(at((line, column), message, "placeholder"))
    else:
        problems += [at(p.span, parse_error_message(p, sql_text), "parse")
                     for p in parsed.problems]
    return problems + [at(s.span, problem, "copy")
                       for s in parsed.statements if (problem := client_copy(s.tree))]


def first_unrunnable(problems: Sequence[Unrunnable]) -> Unrunnable | None:
    """The one problem of a file to stop at: its template placeholder, else the first place
    the parser rejects, else the first (by line and column) of what only psql runs."""
    for kind in ("placeholder", "parse"):
        found = next((p for p in problems if p.kind == kind), None)
        if found is not None:
            return found
    return min(problems, key=lambda p: (p.line, p.column), default=None)


def run_problems(migration: Migration, pg_version: int) -> list[str]:
    """What keeps `apply` from running `migration` at all, each at its file:line:column: the
    problems its plan on a PostgreSQL `pg_version` starts with (SQL PostgreSQL's parser
    rejects, what only psql runs, a batch directive it cannot read, a BEGIN or COMMIT inside
    the transaction it runs the file in, ...), for `lockwise status` to say of a pending
    migration before `apply` meets it. A file that is plainly SQL with none of these
    (`_plainly_runnable`, the common case) is not planned: status stays quick."""
    if not migration.parts and _plainly_runnable(migration.up_sql):
        return []
    return plan_sql(migration, migration.up_sql, migration.path, pg_version).problems


def _plainly_runnable(text: str) -> bool:
    """Whether `text` surely holds nothing its plan would refuse: it parses whole as plain SQL
    (`plain_parse_json`), with no COPY or transaction control, no batch directive and no
    template placeholder. False says only that it may: `plan_sql` says what."""
    from lockwise.parse.postgres import plain_parse_json
    from lockwise.parse.templates import unrunnable_placeholder
    from lockwise.rules.directives import BATCH_DIRECTIVE

    raw = plain_parse_json(text)
    return (raw is not None and '"CopyStmt"' not in raw and '"TransactionStmt"' not in raw
            and BATCH_DIRECTIVE.search(text) is None and unrunnable_placeholder(text) is None)


def down_plan(migration: Migration, pg_version: int, config: Config | None = None) -> Plan:
    """How `rollback` runs the down file of `migration` (in a transaction or not as
    `down_runs_without_transaction` says), read with `config`'s settings of the target as
    lint reads it (`reading_collation`)."""
    from lockwise.discover.tools import down_runs_without_transaction

    return plan_sql(migration, migration.down_sql or "", migration.down_path or migration.path,
                    pg_version, no_transaction=down_runs_without_transaction(migration),
                    default_collation=reading_collation(config, pg_version))


def reading_collation(config: Config | None, pg_version: int) -> str | None:
    """The database's default collation a plan built outside `build_plans` (rollback's,
    `status`'s) computes its effects with: from the options lint and apply build
    (`lint_options`; no statistics, which a plan does not read)."""
    from lockwise.config import lint_options

    return lint_options(config, pg_version=pg_version, costs=False).default_collation


def resume_point(plan: Plan, done: int) -> PlannedStatement | None:
    """The statement a run of `plan` that completed `done` of its statements goes on with;
    None when it completed them all. `done` counts the statements lockwise runs (not a
    BEGIN/COMMIT wrapper its transaction replaces): the statement is named by its number in
    the file (`index + 1`) and its line."""
    return plan.statements[done] if done < len(plan.statements) else None


def own_transaction(plan: Plan, begin: PlannedStatement) -> PlannedStatement | None:
    """In a statement-by-statement `plan`, the COMMIT that closes the file's own transaction
    opened by `begin`, when nothing in between commits part of it (COMMIT AND CHAIN): a run
    whose progress stops at `begin` did not commit any of them. None otherwise."""
    if plan.transactional or begin.control not in _OPENS:
        return None
    for stmt in plan.statements[plan.statements.index(begin) + 1:]:
        if stmt.closes_block:
            return stmt
        if stmt.control is not None and stmt.control not in _SAVEPOINTS:
            return None  # COMMIT AND CHAIN, ROLLBACK, PREPARE TRANSACTION
    return None


def lint_text(plan: Plan, parsed_text: str) -> str:
    """The text the gate lints: the file without the BEGIN/COMMIT wrapper the executor drops."""
    if not plan.dropped:
        return parsed_text
    text = parsed_text
    for stmt in parsed_as_run(plan.migration, parsed_text).statements:
        if stmt.index in plan.dropped:
            text = _blank(text, stmt.span.start_offset, stmt.span.end_offset)
    return text


def _gate_rules(config: Config | None, rules_dirs: tuple[Path, ...]
                ) -> tuple[frozenset[str], frozenset[str], Config | None, dict]:
    """The config's `select` and `ignore`, its overrides, and the tags of the rules (what an
    override's `select` may name), with the destructive rules always judged: a config that
    ignores one (or selects others) does not let a migration that loses data through; only
    `--allow destructive`, named on the command line of the run, does."""
    if config is None or not (config.select or config.ignore or config.overrides):
        return frozenset(), frozenset(), None, {}
    from lockwise.rules.directives import current_rule_ids
    from lockwise.rules.loader import load_rules, rule_tags

    rules = load_rules(tuple(rules_dirs))
    kept = frozenset(r.id for r in rules if r.safety >= Safety.DESTRUCTIVE)
    select = frozenset(current_rule_ids(config.select))
    overrides = [dataclasses.replace(o, select=o.select | kept if o.select else o.select,
                                     ignore=o.ignore - kept) for o in config.overrides]
    return (select | kept if select else select,
            frozenset(current_rule_ids(config.ignore)) - kept,
            dataclasses.replace(config, overrides=overrides),
            rule_tags(rules))


def build_plans(migrations: Sequence[Migration], pending: Sequence[Migration], pg_version: int,
                lock_timeout_set: bool, rules_dirs: tuple[Path, ...] = (),
                stats: object | None = None, config: Config | None = None) -> list[Plan]:
    """Plans for `pending`, each judged by the linter as the executor will run it, with every
    earlier migration replayed into the catalog for context. `config` (a lockwise.toml): its
    `select`, `ignore` and per-path `overrides` choose the rules, and its settings of the
    target (`lint_options`: the default collation, which the live `stats` also read) the
    facts, as for `lockwise lint`."""
    from lockwise.catalog.model import Catalog
    from lockwise.config import lint_options
    from lockwise.effects.refused import statement_refusal
    from lockwise.lint import lint_migrations
    from lockwise.rules.engine import reports_refusal
    from lockwise.rules.loader import load_rules

    select, ignore, gate_config, tags = _gate_rules(config, rules_dirs)
    options = lint_options(
        config,
        # The server's own version: syntax it lacks fails there, so the gate reports it.
        pg_version=pg_version, pg_version_stated=True, assume_in_transaction=True,
        rules_dirs=rules_dirs, select=select,
        only=frozenset(m.id for m in pending), stats=stats,
        # The executor sets lock_timeout itself around every statement it runs.
        ignore=ignore | ({"missing-lock-timeout"} if lock_timeout_set else frozenset()))
    plans = {m.id: plan_sql(m, m.up_sql, m.path, pg_version,
                            default_collation=options.default_collation) for m in pending}
    batched = {m.id for m in pending if any(s.batch for s in plans[m.id].statements)}
    to_lint = []
    for m in migrations:
        plan = plans.get(m.id)
        if plan is None:
            to_lint.append(m)
        else:
            to_lint.append(dataclasses.replace(m, up_sql=lint_text(plan, m.up_sql),
                                               no_transaction=not plan.transactional))
    # The pending migrations run one after another in this run: a table one creates is new
    # (empty, unknown to the application) for the later ones. Not one an applied one created.
    catalog = Catalog()
    # The aggregates the migrations before each batched one made (the replay's), which its
    # batched DELETE may not compute over its table, and what they left of the tables it
    # batches (unique columns, key, views over them): planned again with them.
    writes = {w for m in pending if m.id in batched for s in plans[m.id].statements if s.batch
              for w in [batched_write(s.sql)] if w}
    targets = {w[0] for w in writes}
    known: dict[str, tuple[Mapping[str, object], KnownTables]] = {}
    made: list[Mapping[str, object]] = [{}]  # (those the migrations so far made)
    left = [known_tables(catalog, targets, writes)]  # (and what they left of those tables)

    def before_next(report: MigrationReport) -> None:
        if report.migration.id in batched:
            known[report.migration.id] = (made[0], left[0])
        made[0] = dict(catalog.aggregates)
        left[0] = known_tables(catalog, targets, writes)

    reports = lint_migrations(to_lint, options, catalog, on_report=before_next,
                              one_run=frozenset(plans))
    for migration_id, (aggregates, tables) in known.items():
        m = next(m for m in pending if m.id == migration_id)
        again = plan_sql(m, m.up_sql, m.path, pg_version, aggregates=aggregates,
                         default_collation=options.default_collation, tables=tables)
        plans[m.id].problems += [p for p in again.problems if p not in plans[m.id].problems]
        plans[m.id].notes += [n for n in again.notes if n not in plans[m.id].notes]
    refusal_rules = frozenset(r.id for r in load_rules(rules_dirs, examples=False)
                              if reports_refusal(r))
    if gate_config is not None and gate_config.overrides:
        from lockwise.config import apply_overrides

        reports = apply_overrides(list(reports), gate_config, tags)
    for report in reports:
        plan = plans[report.migration.id]
        plan.report = report
        for planned, stmt_report in zip(plan.statements, report.statements, strict=False):
            planned.safety = stmt_report.safety
            # Refused when a refusal rule reports it: a refusal the migration waived (its rule
            # ignored) is the user's word that the statement runs, planned as one that does,
            # whatever other rules say of the statement.
            planned.refused = statement_refusal(stmt_report.effect) if any(
                f.rule in refusal_rules for f in stmt_report.findings) else ""
            planned.locks = {} if planned.refused else dict(stmt_report.effect.locks)
            planned.estimated_seconds = stmt_report.estimated_seconds
            planned.lock_seconds = None if planned.refused else stmt_report.lock_seconds
    for plan in plans.values():
        if plan.report is None:  # never run a migration the gate did not judge
            plan.problems.append(f"{plan.path}: the linter did not report on this migration")
    return [plans[m.id] for m in pending]
