"""The lint pipeline: migrations -> statements -> facts -> findings -> reports.

discover (files) -> parse (pglast) -> effects (facts, with the catalog replayed from earlier
migrations) -> rules (policy) -> MigrationReport, which the report/ package prints.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from functools import cache, lru_cache, partial
from sys import intern
from typing import TYPE_CHECKING

from lockwise.catalog.model import CHECK_CALLERS, Catalog
from lockwise.catalog.replay import (
    Rollbacks,
    apply_statement,
    copied,
    end_session,
    end_statement,
)
from lockwise.catalog.search_path import PathInForce
from lockwise.core.code_store import keep_compiled
from lockwise.core.deferred import bound_on_use
from lockwise.core.types import (
    Action,
    Effect,
    Finding,
    LockMode,
    Migration,
    MigrationReport,
    Safety,
    Span,
    Statement,
    StatementReport,
    Strategy,
)
from lockwise.effects.body_writes import rows_written
from lockwise.effects.context import (
    Context,
    NewInRun,
    runs_unseen_code,
    track_constant_columns,
    track_new_objects,
    track_null_columns,
    written_tables,
)
from lockwise.effects.foreign_keys import unindexed_fk_facts
from lockwise.effects.identifiers import (
    defined_names,
    identifier_facts,
    long_identifiers,
    may_hold_long_identifier,
)
from lockwise.effects.locks import (
    held_text,
    inserts_pass,
    lock_label,
    lock_shown,
    queued_locks,
    relation_named,
    relation_shown,
    write_blocking_facts,
)
from lockwise.effects.nodes import TEMPORARY_PREFIX, NodeMemo
from lockwise.effects.postgres import action_kinds, compute_effect
from lockwise.effects.postgres.builder import long_scans
from lockwise.effects.refused import refusal, refusal_kept, refused_actions
from lockwise.effects.session import (
    Lookahead,
    Session,
    dropped_facts,
    joined_lookahead,
    lookahead,
)
from lockwise.fix import REWRITTEN
from lockwise.options import INPUT_ERROR_RULES, LintOptions, has_input_errors
from lockwise.parse import postgres
from lockwise.parse.postgres import TOO_DEEP, ParsedFile, ParseProblem, parse_sql
from lockwise.parse.templates import (
    as_spelled_in,
    linted_text,
    parse_templated,
    with_placeholders,
)
from lockwise.rules.directives import (
    BATCH_DIRECTIVE,
    Directive,
    malformed_directive,
    may_hold_directive,
    parse_directive,
)
from lockwise.rules.engine import RuleIndex, render
from lockwise.rules.instead import message_facts, render_instead
from lockwise.rules.loader import load_rules
from lockwise.rules.model import Rule

if TYPE_CHECKING:
    from lockwise.cost.hook import CostTracker

# The rewrites, imported by the first finding written with one (a lone file's lint may have none).
_alternative = bound_on_use(globals(), "_alternative", "lockwise.fix.alternative")
_patterns = bound_on_use(globals(), "_patterns", "lockwise.fix.patterns")
# Imported at their first use, as the rewrites: an import statement in a function runs at each
# call (the scanner at each CREATE SCHEMA element and subcommand span, the PL/pgSQL grammar
# at each routine and DO block).
_libpg = bound_on_use(globals(), "_libpg", "lockwise.parse.libpg")
_plpgsql = bound_on_use(globals(), "_plpgsql", "lockwise.parse.plpgsql")
_routines = bound_on_use(globals(), "_routines", "lockwise.catalog.routines")

#: Layouts whose tools wrap each migration in a transaction unless told otherwise (Liquibase:
#: each changeset; drizzle: one transaction around every pending migration, with no opt-out).
#: Plain files have no known runner: out of a transaction unless told (--assume-in-transaction).
#: sqitch runs each deploy script with psql as written: its scripts bring their own BEGIN/COMMIT.
TRANSACTIONAL_LAYOUTS = {"diesel", "sqlx", "flyway", "dbmate", "goose", "sql-migrate", "atlas",
                         "drizzle", "liquibase", "tern", "graphile-migrate", "hasura", "pop"}
#: Tools that send a migration's whole text as one query string (golang-migrate's PostgreSQL
#: driver, prisma migrate, postgrator) or its statements as one pipeline (the Supabase CLI's
#: ExecBatch). PostgreSQL runs several statements so in one implicit transaction block, and a
#: single statement in none: one CREATE INDEX CONCURRENTLY alone in its file works, beside
#: another statement it fails.
SCRIPT_LAYOUTS = {"golang-migrate", "prisma", "postgrator", "supabase"}
#: Tools that send a migration marked to run without a transaction as one query string: sqlx
#: (`-- no-transaction`) runs it with a plain execute, graphile-migrate (`--! no-transaction`)
#: with one query, dbmate (`-- migrate:up transaction:false`) with `sqlDB.Exec(up)`, diesel
#: (metadata.toml's `run_in_transaction = false`: diesel_migrations src/migration_harness.rs,
#: run_migration, skips its `transaction`) with `batch_execute` of the whole up.sql
#: (src/file_based_migrations.rs, run_sql_from_file), PQexec in PgConnection (diesel
#: src/pg/connection/mod.rs), so several statements still share PostgreSQL's implicit
#: transaction block. popx runs a `.autocommit` migration with its runner that has no
#: transaction (RunnerNoTx), which sends the text whole (`c.Store.Exec`).
SCRIPT_WHEN_NO_TRANSACTION = {"sqlx", "graphile-migrate", "dbmate", "diesel", "pop"}
#: Tools that open a transaction and send the whole migration in it as one query string:
#: sqlx (`tx.execute(&*migration.sql)`), diesel (`batch_execute`), dbmate (`tx.Exec(up)`),
#: tern (`conn.Exec(ctx, sql)` after Begin), graphile-migrate (`begin`, then the text). The
#: others of TRANSACTIONAL_LAYOUTS split the file and send its statements one by one (tern
#: too, for a migration marked disable-tx).
#: Hasura: the CLI sends each up.sql whole as one `run_sql` (cli/migrate/database/hasuradb/
#: hasuradb.go, Run), which the server runs in a transaction; one marked
#: `-- hasura:no-transaction` (run_sql's `no_transaction`) has its statements split and run
#: one by one, outside any (discover.layouts reads that marker, and no other tool's).
#: pop and popx: `tx.Store.Exec(content)` in the transaction that then records the version
#: (pop's Migrator.UpTo, popx's isolatedTransaction).
ONE_STRING_IN_TRANSACTION = {"sqlx", "diesel", "dbmate", "tern", "graphile-migrate", "hasura",
                             "pop"}


#: Tag of rules that only run when `--select`ed.
OPT_IN_TAG = "opt-in"


#: The rule index last built, with the options it was built from: a file is linted after its
#: folder's earlier migrations, in two calls of `lint_migrations` with the same options,
#: which share it (building it again was 1% of a one-file lint). The catalog is compared by
#: identity: `load_rules` gives the same one until its cache is cleared.
_last_index: tuple[tuple[Rule, ...], tuple, RuleIndex] | None = None


def rule_index(options: LintOptions) -> RuleIndex:
    global _last_index
    catalog = load_rules(tuple(options.rules_dirs), examples=False)
    chosen = (options.dialect, options.select, options.ignore)
    if _last_index is not None and _last_index[0] is catalog and _last_index[1] == chosen:
        return _last_index[2]
    rules: Iterable[Rule] = [r for r in catalog if options.dialect in r.dialects]
    # Style rules tagged "opt-in" (e.g. unqualified-table-name) run only when selected by
    # id or by the "opt-in" tag: they are team conventions, not safety facts.
    rules = [r for r in rules if OPT_IN_TAG not in r.tags or r.id in options.select or
             OPT_IN_TAG in options.select]
    if options.select:
        rules = [r for r in rules if r.id in options.select or r.id in INPUT_ERROR_RULES or
                 any(t in options.select for t in r.tags)]
    if options.ignore:
        rules = [r for r in rules if r.id not in options.ignore or r.id in INPUT_ERROR_RULES]
    index = RuleIndex(rules, known=(r.id for r in catalog))
    _last_index = (catalog, chosen, index)
    return index


def tool_transaction(layout: str) -> bool:
    """Whether the layout's tool runs a migration of several ordinary statements in a
    transaction (its own, or PostgreSQL's implicit one for a string of statements)."""
    return layout in TRANSACTIONAL_LAYOUTS or layout in SCRIPT_LAYOUTS


def tool_runs_in_transaction(migration: Migration, statements: int,
                             refuse: Callable[[bool], bool]) -> bool:
    """Whether the migration's tool runs it, of `statements` statements, in a transaction;
    `refuse(every)`: whether every one of them (else: any) refuses a transaction block
    (asked for Flyway, which spots them)."""
    layout = migration.layout
    if layout in SCRIPT_LAYOUTS:
        return statements > 1
    if layout == "flyway" and statements and not migration.forced_transaction and (
            refuse(not migration.mixed_without_transaction)):
        # Flyway runs a migration of such statements without a transaction, and one that
        # mixes them with others too when `mixed` is on (else it refuses it)
        return False
    return tool_transaction(layout)


def tool_refuses_mixed(migration: Migration, refuses: Sequence[bool]) -> bool:
    """Whether the migration's tool refuses to run it at all as it mixes statements that
    refuse a transaction block (`refuses`: one flag per statement) with others: Flyway, unless
    its `mixed` is on or a setting decides the migration's transaction (ParserSqlScript:
    "Detected both transactional and non-transactional statements within the same migration
    (even though mixed is false)"). lint judges such a migration as run in a transaction."""
    return migration.layout == "flyway" and any(refuses) and not all(refuses) and not (
        migration.mixed_without_transaction or migration.forced_transaction or
        migration.no_transaction)


def starts_in_transaction(migration: Migration, options: LintOptions,
                          statements: Sequence[Statement]) -> bool:
    """Whether the first of the migration's `statements` runs in a transaction its tool opened
    or, for a tool that sends the text as one string of statements, PostgreSQL's implicit one."""
    if migration.no_transaction:
        return migration.layout in SCRIPT_WHEN_NO_TRANSACTION and len(statements) > 1
    if options.assume_in_transaction is not None:
        return options.assume_in_transaction
    return tool_runs_in_transaction(
        migration, len(statements), lambda every: _refuse_transactions(statements, options,
                                                                        every))


def _refuse_transactions(statements: Sequence[Statement], options: LintOptions,
                         every: bool) -> bool:
    """Whether every statement (`every`; else any) refuses to run in a transaction block
    (CREATE INDEX CONCURRENTLY, VACUUM, ...). Which do is a matter of syntax and version, not
    of the schema: an empty catalog tells. Stops at the first that decides, for `every`
    usually the first."""
    ctx = Context(catalog=Catalog(), pg_version=options.pg_version)
    test = all if every else any
    try:
        return test(not compute_effect(s.tree, ctx).transactional for s in statements)
    except RecursionError:  # reported where the statement is judged
        return False


def outside_transaction_why(migration: Migration, options: LintOptions) -> str:
    """Why the migration's statements run outside a transaction where its tool opens none, as
    a message says it (`starts_in_transaction` decides whether they do)."""
    if migration.no_transaction:
        return "the migration is marked to run without a transaction"
    if options.assume_in_transaction is False:
        return "as --assume-no-transaction says"
    if migration.layout in SCRIPT_LAYOUTS:
        return f"{migration.layout} sends a migration of one statement as one string, which " \
            "PostgreSQL runs in no transaction"
    if migration.layout == "flyway" and migration.mixed_without_transaction:
        return "Flyway runs a migration with a statement that refuses a transaction block " \
            "without one, as its `mixed` setting says"
    if migration.layout == "flyway":
        return "Flyway runs a migration whose statements all refuse a transaction block " \
            "without one"
    runs = "sqitch runs a deploy script" if migration.layout == "sqitch" else \
        "a plain SQL file runs"
    return f"{runs} as psql -f runs it, each statement committing on its own; " \
        "--assume-in-transaction says otherwise"


def runs_as_one_string(migration: Migration, options: LintOptions) -> bool:
    """Whether the migration's transaction is PostgreSQL's implicit block for a string of
    statements (not a transaction block: an explicit BEGIN takes it over, SAVEPOINT fails)."""
    if migration.no_transaction:
        return migration.layout in SCRIPT_WHEN_NO_TRANSACTION
    return options.assume_in_transaction is None and migration.layout in SCRIPT_LAYOUTS


def sends_one_string(migration: Migration) -> bool:
    """Whether the layout's tool sends the migration's text as one query string, inside its
    own transaction or not (what a COMMIT written in it leaves after it depends on that)."""
    if migration.no_transaction:
        return migration.layout in SCRIPT_WHEN_NO_TRANSACTION
    return migration.layout in SCRIPT_LAYOUTS or migration.layout in ONE_STRING_IN_TRANSACTION


#: A statement's rewrite not made yet (`_finding`: None is a rewrite that does not apply).
_NOT_YET = object()


def _finding(rule: Rule, facts: dict, migration: Migration, span: Span | None,
             index: int | None, statement: tuple[Statement, Effect] | None = None,
             stand_ins: dict[str, str] | None = None,
             alternative_statements: dict[str, list[tuple[str, dict]]] | None = None,
             rewrites: dict[tuple, object] | None = None) -> Finding:
    """`stand_ins`: the template placeholders the migration was linted with (their stand-in
    identifiers, which facts hold, are written back as the user's placeholders).
    `alternative_statements`: where the statements of a rewrite (their texts and parse
    trees) are noted by its text, when the rewrite knows them (see `_alternative_clears`).
    `rewrites`: the rewrites of `statement` made so far (`Judge._rewrites_of`)."""
    instead = None
    if statement is not None and rule.id in REWRITTEN:
        # Rewritten from the statement itself, as `lockwise fix` would: only statements with
        # such a finding pay for parsing and printing their SQL again, and only runs with one
        # for importing the rewrites. The rewrite is of the whole statement: each finding of
        # the rule on it (one per column an ALTER TABLE adds) has the same one.
        stmt, effect = statement
        embedded = facts.get("embedded_sql")
        key = (rule.id, embedded, facts.get("pg_version"))
        alternative = _NOT_YET if rewrites is None else rewrites.get(key, _NOT_YET)
        if alternative is _NOT_YET:
            alternative = _alternative.statement_alternative(
                rule.id, embedded or linted_text(stmt.sql), {
                    **_patterns.statement_facts(effect.actions),
                    "pg_version": facts.get("pg_version")},
                None if embedded else stmt.tree)
            if rewrites is not None:
                rewrites[key] = alternative
        if alternative is not None:
            instead = alternative.text
            if alternative.statements is not None and alternative_statements is not None:
                alternative_statements[instead] = alternative.statements
    if instead is None:
        instead = render_instead(
            rule.instead_for(facts.get("set_local_applies"), facts.get("dialect")), facts)
    template = rule.message_for(facts.get("dialect"))
    message = render(template, message_facts(facts, template))
    if routines := facts.get("routines_run"):  # run by a routine the statement calls
        message = f"{message} (in {', called in '.join(routines)}, which this statement runs)"
    if (prepared := facts.get("prepared_statement_run")) is not None:  # run by an EXECUTE
        from lockwise.parse.quoting import quote_ident

        message = f"{message} (in the prepared statement {quote_ident(prepared)}, PREPAREd " \
            f"at statement {facts.get('prepared_at')}, which this EXECUTE runs)"
    if stand_ins:
        if statement is not None:
            stand_ins = as_spelled_in(stand_ins, statement[0].sql)
        message, instead = with_placeholders(message, stand_ins), \
            with_placeholders(instead, stand_ins)
    return Finding(rule=rule.id, safety=rule.safety, message=message,
                   path=migration.path, span=span, why=rule.why_for(facts.get("dialect")),
                   instead=instead,
                   statement_index=index, title=rule.title)


class Judge:
    """Applies rules to actions and honours ignore directives."""

    def __init__(self, index: RuleIndex, migration: Migration, file_directives: list[Directive],
                 stand_ins: dict[str, str] | None = None):
        self.index = index
        self.migration = migration
        self.stand_ins = stand_ins
        self.file_directives = file_directives
        #: The statements of the statement's rewrites, by their text, where the rewrite
        #: knows their trees: none with placeholders, whose printed text is not what was
        #: parsed.
        self.alternative_statements: dict[str, list[tuple[str, dict]]] | None = \
            None if stand_ins else {}
        #: The statement (and effect) judged last, and its rewrites by rule, embedded text
        #: and target version (`_finding`).
        self._rewritten: tuple[Statement, Effect] | None = None
        self._rewrites: dict[tuple, object] = {}
        #: The findings of rules `superseded_by_alternatives` matched since `written` was
        #: last asked, not written yet (by their id, each with its finding and its writer):
        #: most are dropped as superseded (`_without_superseded`), and writing them (the
        #: message's facts, the advice) was the work of a finding shown.
        self._unwritten: dict[int, tuple[Finding, Callable[[], Finding]]] = {}

    def written(self, findings: list[Finding]) -> list[Finding]:
        """`findings` with those `judge` left unwritten written (in place: a finding is
        kept by identity); the unwritten ones not among them are let go."""
        if self._unwritten:
            for finding in findings:
                if (pending := self._unwritten.get(id(finding))) is not None:
                    done = pending[1]()
                    finding.message, finding.why, finding.instead = \
                        done.message, done.why, done.instead
            self._unwritten.clear()
        return findings

    def _rewrites_of(self, statement: tuple[Statement, Effect]) -> dict[tuple, object]:
        """Where the rewrites of `statement` are kept while its actions are judged."""
        last = self._rewritten
        if last is None or last[0] is not statement[0] or last[1] is not statement[1]:
            self._rewritten, self._rewrites = statement, {}
        return self._rewrites

    def judge(self, facts: dict, span: Span | None, stmt_index: int | None,
              directives: Sequence[Directive] = (), seen: dict[tuple, tuple] | None = None,
              statement: tuple[Statement, Effect] | None = None,
              covered: Callable[[str], bool] | None = None,
              refused: bool = False, runs: bool = False) -> list[Finding]:
        """The findings of one action's `facts`; `seen`: what the statement got so far
        (`_shown_once`); `statement`: the statement and effect they come from, of which a
        finding writes its safe alternative; `covered`: whether a finding reported earlier
        speaks for the one of a rule (`OncePerTransaction`), which is then not written;
        `refused`: the statement is one PostgreSQL refuses, judged by `RuleIndex.refusals`
        only; `runs`: the action is one it runs (`refused_actions` says no), whose facts
        hold no true refusal fact, judged by `RuleIndex.running`."""
        out = []
        index = self.index.refusals if refused else self.index.running if runs else self.index
        matched = index.matching(facts)
        if CHECK_CALLERS and runs:  # (tests: what the whole index matches)
            assert matched == self.index.matching(facts), \
                f"{facts.get('action')}: a refusal fact of an action that runs"
        if not matched:
            return out
        part = facts.get("statement_part")
        named_by = self.index.named_by
        every_waiver = (*directives, *self.file_directives)
        for rule in matched:
            named = named_by.get(rule.id)
            value = facts.get(named) if named else None
            if seen is not None:
                # One finding per rule and statement, even when several actions match it;
                # per part of a statement that does several things alike (each pair of
                # MySQL's RENAME TABLE: `statement_part`), each naming its own table; per
                # column or table for a rule whose message names one (DROP COLUMN a, DROP
                # COLUMN b; DROP TABLE a, b).
                if (rule.id, part, value) in seen:
                    continue
                seen[(rule.id, part, value)] = ()
            suppressed = False
            # An input error is no finding to waive: no directive covers it.
            waivers = () if rule.id in INPUT_ERROR_RULES else every_waiver
            for d in waivers:
                if d.covers(rule.id):
                    d.used += 1
                    suppressed = True
            if not suppressed and (covered is None or not covered(rule.id)):
                # A finding about one column of several subcommands points at its own (in
                # the statement as written: not one a DO block runs).
                where = _subcommand_span(statement[0], facts["subcommand_position"]) \
                    if named == "column" and statement is not None and \
                    not rule.message_further and \
                    facts.get("subcommand_position") and span is statement[0].span else span
                if rule.superseded_by_alternatives and seen is not None and \
                        statement is not None and named is None and not rule.message_further \
                        and rule.id not in REWRITTEN:
                    # Written once it is known to stay (`written`): its message and advice
                    # are what superseding it reads nothing of, and `_shown_once` keeps the
                    # first of a rule naming nothing without reading them.
                    finding = Finding(rule=rule.id, safety=rule.safety, message="",
                                      path=self.migration.path, span=where,
                                      statement_index=stmt_index, title=rule.title)
                    self._unwritten[id(finding)] = (finding, partial(
                        _finding, rule, facts, self.migration, where, stmt_index, statement,
                        self.stand_ins, self.alternative_statements))
                else:
                    finding = _finding(rule, facts, self.migration, where, stmt_index,
                                       statement, self.stand_ins, self.alternative_statements,
                                       None if statement is None else
                                       self._rewrites_of(statement))
                further = render(rule.message_further, message_facts(
                    facts, rule.message_further)) if rule.message_further else None
                if seen is None or _shown_once(finding, seen, (rule.id, part), named, value,
                                               further):
                    out.append(finding)
        return out


def _shown_once(finding: Finding, seen: dict[tuple, tuple], key: tuple, named: str | None,
                value: object, further: str | None = None) -> bool:
    """Whether to keep `finding`, of a rule on a part of a statement (`key`), about the
    column or table (`named`) `value`: the first one is noted in `seen`; a later one, about
    another, whose alternative is the same text (one for the whole statement, such as its
    rewrite, which covers every column) is named in the first one's message instead of
    repeating it (temporal adds thirty generated columns in one ALTER TABLE). Of a rule
    with `message_further` (`further`, filled), a later one is always folded into the first:
    its text added to the message, its alternative to the alternative."""
    first = seen.get(key)
    if first is None:
        seen[key] = (finding, finding.message, [])
        return True
    kept, message, others = first
    if further is not None:
        kept.message = f"{kept.message} {further}"
        if finding.instead and finding.instead not in kept.instead:
            # (each alternative's closing comments, what to do in a later migration, after
            # every alternative's statements: no statement follows a "later migration")
            (body, tail), (more, more_tail) = map(_closing_comments, (kept.instead,
                                                                     finding.instead))
            kept.instead = "\n".join(part for part in (body, more, tail, more_tail) if part)
        return False
    if finding.instead != kept.instead:
        return True
    others.append(str(value))
    listed = others[0] if len(others) == 1 else f"{', '.join(others[:-1])} and {others[-1]}"
    kept.message = (f"{message} The statement's {named}{'s' if len(others) > 1 else ''} "
                    f"{listed} likewise: the alternative covers "
                    f"{'both' if len(others) == 1 else 'them all'}.")
    return False


def _closing_comments(text: str) -> tuple[str, str]:
    """`text`, an alternative, split before the comment lines it ends with."""
    lines = text.split("\n")
    end = len(lines)
    while end and lines[end - 1].lstrip().startswith("--"):
        end -= 1
    return "\n".join(lines[:end]), "\n".join(lines[end:])


def statement_reason(findings: list[Finding], effect: Effect) -> str:
    """Why a statement is at the level of its worst finding: that finding's title, unless it
    is only advice (safe), which is not why the statement is safe: then what it locks, and
    the advice after."""
    worst = max(findings, key=lambda f: f.safety) if findings else None
    # (a DO block's own, on its first action; a routine's it runs, on its `routine_call`)
    # (each once: a body run again at a later call of the statement claims its own again)
    claimed = [c for a in effect.actions for c in a.facts.get("branches_claimed", ())]
    if claimed:
        claimed = list(dict.fromkeys(claimed))
    branches = f"; the locks of every branch counted ({', '.join(claimed)}: which runs is " \
        "not known before it runs)" if claimed else ""
    if worst is not None and worst.safety > Safety.SAFE:
        return f"{worst.title or worst.message}{branches}"
    if effect.locks:
        table, mode = max(effect.locks.items(), key=lambda kv: kv[1])
        locks = (f"takes {lock_label(effect, table, mode)} on "
                 f"{relation_named(effect, table)} {held_text(effect, mode)}")
    else:
        locks = "takes no table lock"
    locks += branches
    return locks if worst is None else f"{locks}{_ADVICE}{worst.title or worst.message}"


#: Joins a safe statement's or migration's reason to the advice it has (a safe finding).
_ADVICE = "; advice: "


def strategy_for(findings: list[Finding], effect: Effect, rules: dict[str, Rule]) -> Strategy:
    for f in sorted(findings, key=lambda f: -f.safety) if len(findings) > 1 else findings:
        rule = rules.get(f.rule)
        if rule is not None and rule.strategy is not None:
            return rule.strategy
    return Strategy.TRANSACTIONAL if effect.transactional else Strategy.NON_TRANSACTIONAL


#: The index a migration replayed only for context is "judged" with.
_NO_RULES = RuleIndex(())


def _parse(migration: Migration, options: LintOptions, judged: bool,
           ahead: list[Lookahead]) -> ParsedFile:
    """The migration's statements; for a huge file, without their trees (`ParsedFile.pieces`
    builds them), with what `lookahead` reads of each piece added to `ahead` when `judged`."""
    if migration.parts:  # a version folder applied as one: each file parsed alone
        from lockwise.executor.parts import parse_by_part

        return parse_by_part(migration, migration.up_sql, lambda text: parse_templated(
            text, options.templates, migration.path, comments=judged,
            tool=migration.tool_placeholders))
    # (a file whose tool puts values in is parsed whole: its places are the file's)
    if len(migration.up_sql) > postgres.PIECES_FROM and migration.tool_placeholders is None:
        from lockwise.parse.pieces import parse_in_pieces

        parsed = parse_in_pieces(
            migration.up_sql, postgres.PIECE_STATEMENTS, comments=judged,
            summarize=(lambda trees, first: ahead.append(lookahead(trees, first)))
            if judged else None)
        if parsed is not None:
            return parsed
        ahead.clear()
    return parse_templated(migration.up_sql, options.templates, migration.path,
                           comments=judged, tool=migration.tool_placeholders)


def analyze_migration(migration: Migration, catalog: Catalog, index: RuleIndex | None,
                      options: LintOptions, release: bool = False,
                      run: NewInRun | None = None) -> MigrationReport:
    """Judge one migration against the catalog, moving the catalog past it.

    With no `index`, the migration is only replayed, for the context of the ones after it:
    its report has every statement's effect (which the conflict graph reads) but no findings,
    and nothing is computed for rules alone (comments, directives, facts, costs).
    With `release`, each statement keeps only what the printers use (`release_details`) as
    soon as it is judged and replayed, for callers that need no more: a migration of 60,000
    statements then never holds every parse tree and every action's facts at once.
    With `run`, the migration is one of a run applied together: the tables the earlier ones
    created are new for it too, and `run` gets the ones it creates.
    """
    judged = index is not None
    if index is None:
        index = _NO_RULES
    if options.dialect != "postgresql":
        from lockwise.lint_mysql import analyze_mysql_migration

        report = analyze_mysql_migration(migration, catalog, index, options)
        if release:
            release_details(report)
        return report
    ahead: list[Lookahead] = []
    parsed = _parse(migration, options, judged, ahead)
    file_directives = [d for text, span in parsed.comments
                       if (d := parse_directive(text, span)) and d.file_level]
    judge = Judge(index, migration, file_directives, parsed.placeholders)
    catalog.not_null_constraints = options.pg_version >= 18 or not options.pg_version_stated
    catalog.domain_not_null_constraints = options.pg_version >= 17 or \
        not options.pg_version_stated
    ctx = Context(catalog=catalog, pg_version=options.pg_version,
                  pg_version_stated=options.pg_version_stated, migration_id=migration.id,
                  session_timezone_utc=options.session_timezone_utc,
                  default_collation=options.default_collation, fix_facts=not release)
    if run is not None:
        run.seed(ctx)
    implicit = starts_in_transaction(migration, options, parsed.statements
                                     if parsed.pieces is None else
                                     parsed.pieces.passed_through(parsed.statements))
    one_string = runs_as_one_string(migration, options)
    session = Session(implicit_transaction=implicit, implicit_block=implicit and one_string,
                      alone_in_string=one_string and len(parsed.statements) == 1,
                      one_string=sends_one_string(migration),
                      outside_transaction_why=outside_transaction_why(migration, options))
    ctx.prepared = session.prepared  # (what an EXECUTE runs, as the session follows it)
    for once in (migration.init_sql, migration.run_prelude):
        if once:
            _run_prelude(once, session, ctx, once=True)
    if migration.prelude:
        _run_prelude(migration.prelude, session, ctx)
    if judged:
        session.ahead = lookahead([s.tree for s in parsed.statements]) \
            if parsed.pieces is None else joined_lookahead(ahead)
    base = {"pg_version": options.pg_version, "pg_version_stated": options.pg_version_stated,
            "migration": migration.id,
            "statement_count": len(parsed.statements),
            # (the cost tracker's, with stats: a table it knows is small; see cost.hook)
            "scan_is_brief": False, "hold_extended_briefly": False}
    migration_findings: list[Finding] = []
    all_directives: list[Directive] = list(file_directives)
    migration_findings += input_findings(judge, parsed, base, migration.up_sql)
    migration_findings += misplaced_batch_directives(
        judge, parsed, base, aggregates=ctx.catalog.aggregates,
        unique=ctx.catalog.unique_columns, tables=ctx.catalog)

    reports: list[StatementReport] = []
    #: The statements' own ignore directives, and the statement that added each foreign key
    #: ((table, name) -> index): end-of-migration findings about one statement honour them.
    directives_of: dict[int, list[Directive]] = {}
    fk_added_by: dict[tuple[str, str], int] = {}
    #: The tables those statements name without their schema (their alternative does too).
    fk_bare: set[str] = set()
    costs = _cost_tracker(options) if judged else None
    once = OncePerTransaction(index)
    # What lint keeps of the statements besides the catalog, undone with it by a ROLLBACK or
    # a ROLLBACK TO SAVEPOINT: the drops and creates drop-object counts, the tables new (and
    # empty, filled, written) in the migration, the foreign keys' statements, the locks the
    # cost tracker holds.
    rollbacks = Rollbacks(migration.up_sql, keep=(
        session.dropped, session.created, session.dropped_matviews, ctx.new_tables,
        ctx.filled_tables, ctx.empty_tables, ctx.truncated_in_transaction, ctx.null_columns,
        ctx.constant_columns, ctx.written_in_transaction, fk_added_by, fk_bare,
        *((costs.held,) if costs is not None else ())))
    migration_id = migration.id  # (a property, built anew at each read)
    # A file holding no long identifier holds none in any statement cut from it (not so the
    # text a template or a part's file gives a statement, looked at alone).
    long_names = bool(parsed.placeholders) or bool(migration.parts) or \
        may_hold_long_identifier(migration.up_sql)
    with PathInForce(catalog) as path:
        for position, stmt in enumerate(parsed.statements if parsed.pieces is None else
                                        parsed.pieces.with_trees(parsed.statements)):
            directives = statement_directives(stmt)
            all_directives.extend(directives)
            if directives:
                directives_of[stmt.index] = directives
            path.use(session.search_path)  # names resolve through the path set so far
            # (read once a side of `session.after`: a property, asked of every statement)
            ctx.in_transaction = in_transaction = session.in_transaction
            ctx.savepoints = session.open_savepoints
            ctx.check_function_bodies = session.check_function_bodies is not False
            # the migration's own SET TimeZone while it is in force (a SET LOCAL ends with
            # its transaction, RESET goes back to the default: checked on 18.6), else the
            # default the options say
            ctx.session_timezone_utc = options.session_timezone_utc \
                if session.timezone is None else bool(session.timezone_utc)
            ctx.watch_literals = bool(session.tx_enum_values) and in_transaction
            ctx.statement_sql = stmt.sql
            too_deep = False
            try:
                effect = compute_effect(stmt.tree, ctx)
            except RecursionError:  # thousands of nested expressions (or a model's loop):
                # reported at the statement, which stays in the report, its effect unknown
                effect, too_deep = _unanalyzed(stmt.tree), True
            finally:
                ctx.statement_sql = None  # (another caller's statement is not this text)
            if judged and (error := _body_error(stmt, session, effect)):
                migration_findings += judge.judge(
                    {**parse_error_facts(base, error[0]), "parser": error[2]}, error[1], None)
            refused = refusal(effect)
            # What the statement runs (an EXECUTE's prepared query), asked once for the cost
            # model and the replay: only an EXECUTE's answer can change at `session.after`,
            # which binds a prepared statement its EXECUTE analyzed again.
            ran = session.run_statement(stmt.tree, stmt.sql)
            findings: list[Finding] = []
            if judged and too_deep:
                findings = judge.judge(parse_error_facts(base, TOO_DEEP), stmt.span, None)
            elif judged:
                once.start(stmt, session, in_transaction)
                findings = once.take(
                    _judge_statement(judge, stmt, effect, session, costs, ctx, base, directives,
                                     once.covered, refused, long_names, runs=ran[0]),
                    partial(_without_superseded, judge=judge, effect=effect, session=session,
                            ctx=ctx, base=base))
            shown = _as_written(effect, as_spelled_in(parsed.placeholders, stmt.sql)) \
                if parsed.placeholders else effect
            reports.append(_statement_report(stmt, shown, findings, session, in_transaction,
                                             index.by_id, once.covering()))
            rollbacks.before(catalog, session)
            ended = session.ended_transactions
            session.after(effect, stmt.index)
            in_transaction = session.in_transaction
            _track_writes(ctx, effect, in_transaction)
            _track_empty_tables(ctx, effect, in_transaction)
            if costs is not None:
                costs.fill(reports[-1])
                costs.after(effect, in_transaction)
            # A statement the server refuses changes nothing: the ones after it are judged on
            # the schema its failure leaves (docs/effect-model.md, "Refused statements").
            if not refused and not too_deep:  # (what it does is unknown: not replayed)
                applied, applied_sql = ran if ran[0] is stmt.tree else \
                    session.run_statement(stmt.tree, stmt.sql)
                try:
                    apply_statement(catalog, applied, migration_id, sql=applied_sql)
                except RecursionError:
                    migration_findings += judge.judge(
                        parse_error_facts(base, TOO_DEEP), stmt.span, None)
                track_new_objects(ctx, effect)
            end_statement(catalog, session, ended)  # its ON COMMIT DROP tables may go
            rollbacks.after(catalog, session, ended)
            if judged:
                if fk_added_by:
                    _follow_renames(effect, fk_added_by)
                _note_foreign_keys(catalog, effect, migration_id, stmt.index, fk_added_by,
                                   fk_bare)
            if release:
                _release(reports[-1], refused)
                parsed.statements[position] = reports[-1].statement
    end_session(catalog)  # (its temporary tables are no later migration's)

    once.finish()
    if run is not None:
        run.keep(ctx)
    if judged:
        end = end_span(migration, parsed.statements)
        end_facts = {**base, "action": "end_of_migration",
                     "open_transaction": session.explicit_transaction,
                     "empty": not parsed.statements and not parsed.problems,
                     **session.advisory_facts(),
                     **unindexed_fk_facts((), catalog), **dropped_facts(())}
        migration_findings += judge.judge(end_facts, end, None)
        # What a statement did, judged once the migration ends: the finding points at the
        # statement, and that statement's directives waive its part.
        spans = {r.statement.index: r.statement.span for r in reports}
        missing = catalog.unindexed_foreign_keys(migration.id)
        for facts_of, by_statement in (
                (partial(unindexed_fk_facts, catalog=catalog, new_tables=ctx.new_tables,
                         bare=fk_bare),
                 [(fk_added_by.get((t, c.name)), (t, c)) for t, c in missing]),
                (dropped_facts, session.dropped_named())):
            migration_findings += _caused_by_statements(
                judge, end_facts, facts_of, by_statement, directives_of, spans, end)
    if judged:
        all_directives += _directives_of_no_statement(parsed, all_directives)
    report = migration_report(migration, reports, migration_findings, all_directives, index,
                              base)
    report.placeholders = parsed.placeholders
    return report


#: What Flyway sets again before each migration (`restoreOriginalState`, the role;
#: `changeCurrentSchemaTo`, the search_path): what a callback run once before them set is gone.
_RESET_PER_MIGRATION = frozenset({"role", "search_path", "session_authorization"})


def _run_prelude(sql: str, session: Session, ctx: Context, once: bool = False) -> None:
    """The settings (`SET`) of what the runner runs before the migration on its connection,
    in its transaction if it has one (Flyway's beforeEachMigrate): in force for its
    statements. `once`: run once before the whole run, in a transaction of its own (Flyway's
    beforeMigrate), so only its session settings last, less what the runner sets again before
    each migration. What else the prelude does is not the migration's to judge."""
    parsed = parse_sql(sql, comments=False)
    for stmt in parsed.statements:
        if once and ((body := stmt.tree.get("VariableSetStmt")) is None or body.get("is_local")
                     or str(body.get("name", "")).lower() in _RESET_PER_MIGRATION):
            continue
        if "VariableSetStmt" in stmt.tree:
            ctx.in_transaction = session.in_transaction
            try:
                session.after(compute_effect(stmt.tree, ctx), -1)
            except RecursionError:
                continue


def _unanalyzed(tree: dict) -> Effect:
    """The effect a statement lockwise could not analyze (nested too deeply) is reported
    with: its kind of statement only, no lock, rewrite or scan claimed."""
    return Effect(actions=(Action("other", {"node": next(iter(tree), "")}),), locks={})


def _note_foreign_keys(catalog: Catalog, effect: Effect, migration_id: str, index: int,
                       added_by: dict[tuple[str, str], int], bare: set[str]) -> None:
    """Record, for a statement that adds a foreign key (ADD CONSTRAINT, a REFERENCES clause),
    the keys of this migration its tables now have that no earlier statement added, and
    the tables it names without their schema (into `bare`)."""
    for a in effect.actions:  # (a loop, not `any` of a generator: asked of every statement)
        facts = a.facts
        if facts.get("constraint_type") == "foreign" or facts.get("references"):
            break
    else:
        return
    bare.update(a.facts["table"] for a in effect.actions
                if a.facts.get("table") and a.facts.get("qualified") is False)
    for name in {a.facts.get("table") for a in effect.actions} - {None}:
        table = catalog.tables.get(name)
        for con in table.constraints.values() if table is not None else ():
            if con.kind == "foreign" and con.created_by == migration_id:
                added_by.setdefault((name, con.name), index)


def _follow_renames(effect: Effect, added_by: dict[tuple[str, str], int]) -> None:
    """Key `added_by` by the names its foreign keys have after the statement: a RENAME
    CONSTRAINT of one, or its table renamed or moved to another schema, leaves the key the
    one the earlier statement added (its finding points there, its ignore waives it)."""
    for action in effect.actions:
        facts, table = action.facts, action.facts.get("table")
        if action.kind == "rename_constraint":
            old = (table, facts.get("constraint"))
            if old in added_by:
                added_by[(table, facts.get("new_name"))] = added_by.pop(old)
            continue
        if action.kind == "rename_table":
            new = facts.get("new_table")
        elif action.kind == "set_schema" and facts.get("object_type") == "table" and table:
            new = f"{facts.get('new_schema')}.{table.split('.', 1)[1]}"
        else:
            continue
        for key in [k for k in added_by if k[0] == table]:
            added_by[(new, key[1])] = added_by.pop(key)


def _caused_by_statements(judge: Judge, end_facts: dict, facts_of: Callable[[list], dict],
                          by_statement: list[tuple[int | None, object]],
                          directives_of: dict[int, list[Directive]], spans: dict[int, Span],
                          end: Span) -> list[Finding]:
    """The end-of-migration finding about things statements did (`by_statement`: (statement
    index or None when unknown, thing), in order; `facts_of` makes the facts of some of them).
    A statement whose ignore directive covers the rule waives its things; the finding names
    the rest and points at the first statement among them."""
    kept: list[tuple[int | None, object]] = []
    for index, thing in by_statement:
        directives = directives_of.get(index, ()) if index is not None else ()
        if directives:
            rules = judge.index.matching({**end_facts, **facts_of([thing])})
            waivers = [d for d in directives for r in rules if d.covers(r.id)]
            for d in waivers:
                d.used += 1
            if waivers:
                continue
        kept.append((index, thing))
    if not kept:
        return []
    first = min((index for index, _ in kept if index is not None), default=None)
    span = spans.get(first, end) if first is not None else end
    return judge.judge({**end_facts, **facts_of([thing for _, thing in kept])}, span, None)


def _judge_statement(judge: Judge, stmt: Statement, effect: Effect, session: Session,
                     costs: CostTracker | None, ctx: Context, base: dict,
                     directives: list[Directive],
                     covered: Callable[[str], bool] | None = None,
                     refused: str = "", long_names: bool = True, *,
                     runs: dict) -> list[Finding]:
    """The findings of one statement: each of its actions' facts, with the statement's and
    the session's, against the rules; `covered`: see `Judge.judge`. `refused`: the fact by
    which the effect model knows PostgreSQL refuses the statement (`refusal`): then only the
    rules reporting a refusal judge it (each statement a DO block runs by its own refusal:
    `refused_actions`), as nothing else it would do happens. `long_names`: whether the
    file may hold an identifier too long for PostgreSQL (`may_hold_long_identifier`).
    `runs`: what the statement runs (`Session.run_statement`), for the cost model."""
    context_facts = {**base, **session.facts(),
                     **session.statement_facts(effect, stmt.index, ctx.empty_tables),
                     **effect_facts(effect, ctx.catalog, ctx.new_tables, ctx.empty_tables,
                                    judge.index.reads("locks_text")),
                     **_long_identifier_facts(stmt, effect, long_names),
                     "batch_directive": batched_by_apply(stmt, ctx.catalog.aggregates,
                                                         ctx.catalog.unique_columns,
                                                         ctx.catalog),
                     "last_statement": stmt.index + 1 == base["statement_count"],
                     # an action a DO block runs says True; one of CREATE SCHEMA's
                     # elements, which element it is (its position as written)
                     "in_do_block": False, "schema_element": 0}
    if costs is not None:
        context_facts.update(costs.before(effect, runs, ctx.new_tables,
                                          ctx.in_transaction, ctx.catalog,
                                          ctx.filled_tables))
        if context_facts["holds_exclusive_from_earlier"] and \
                not context_facts["held_exclusive_waits"]:
            context_facts["hold_extended_briefly"] = costs.run_is_brief()
    findings: list[Finding] = []
    seen: dict[tuple, tuple] = {}
    if judge.alternative_statements:
        judge.alternative_statements.clear()  # only this statement's rewrites are asked about
    last = len(effect.actions) - 1
    refused_ones = refused_actions(effect) if refused else None
    for i, action in enumerate(effect.actions):
        # The last action's facts are the statement's own, completed (no copy of them).
        facts = context_facts if i == last else dict(context_facts)
        facts.update(action.facts)
        facts.update(session.action_facts(action, stmt.index, ctx.catalog))
        if costs is not None and (facts.get("where_scans_table") or (
                facts.get("has_where") is False and action.kind in ("update", "delete"))):
            facts["scan_is_brief"] = costs.scan_is_brief(
                facts["table"], changes_every_row=not facts.get("where_scans_table"))
        facts["action"] = action.kind
        span = _action_span(stmt, action.facts)
        findings += judge.judge(facts, span, stmt.index, directives, seen, (stmt, effect),
                                covered, refused=refused_ones is not None and refused_ones[i],
                                runs=refused_ones is None or not refused_ones[i])
    return findings


class OncePerTransaction:
    """Keeps one finding of each rule `one_set_covers` for the statements one SET of its
    setting would cover: a SET LOCAL at the start of a transaction covers the rest of it, a
    session SET outside one covers the rest of the migration; and one finding of each rule
    `once_per_transaction` for each transaction, until a ROLLBACK TO a savepoint made before
    it undoes the work it was reported at (the statements after are judged anew: the
    transaction's state the rule reads is put back with the savepoint). The later statements'
    findings are dropped and named in the first one's message (`finish`)."""

    _SESSION = ("session",)

    def __init__(self, index: RuleIndex):
        # A rule once per transaction has no setting: "" (and a finding of it outside a
        # transaction is kept as it is).
        self.settings = index.once_settings  # (read only)
        self.current: dict[str, tuple[tuple, Finding, list[Statement]]] = {}
        self.kept: list[tuple[tuple, Finding, list[Statement]]] = []
        self._covering: list[Finding] = []
        self._stmt: Statement | None = None
        self._scope: tuple = self._SESSION
        #: How many savepoints the transaction had when each rule's current finding was
        #: taken: a ROLLBACK TO one of them or an older one undoes its statement's work.
        self._depth: dict[str, int] = {}
        self._savepoints = 0

    def covering(self) -> list[Finding]:
        """The kept findings that cover the statement `start` was last given."""
        return self._covering

    def start(self, stmt: Statement, session: Session, in_transaction: bool) -> None:
        """Begin judging `stmt`: `covered` answers for its findings, `take` keeps them
        (`in_transaction`: the session's, before the statement)."""
        self._covering = []
        self._stmt = stmt
        self._scope = ("transaction", session.ended_transactions) if in_transaction \
            else self._SESSION
        self._savepoints = len(session.savepoints)
        if (at := session.rolled_back_to) >= 0:
            for rule_id in [r for r, depth in self._depth.items() if depth > at]:
                del self._depth[rule_id]
                self.current.pop(rule_id, None)

    def covered(self, rule_id: str) -> bool:
        """Whether a finding kept earlier speaks for the statement's finding of `rule_id`
        (noted if so). Asked before the finding is written: most findings of these rules are
        covered, and writing their messages and alternatives only to drop them was about half
        of the findings lint wrote."""
        if rule_id not in self.settings:
            return False
        first = self.current.get(rule_id)
        if first is None or first[0] not in (self._SESSION, self._scope) or (
                first[0] == self._SESSION and self.settings[rule_id] in _SET_PER_STATEMENT):
            return False
        first[2].append(self._stmt)
        self._covering.append(first[1])
        return True

    def take(self, findings: list[Finding],
             prune: Callable[[list[Finding]], list[Finding]]) -> list[Finding]:
        """The statement's `findings` (those `covered` left), `prune`d
        (`_without_superseded`, which writes those it keeps). Pruning only what is not
        covered spares the costly look at other findings' alternatives on every statement but
        the first of each scope."""
        findings = prune(findings)
        for finding in findings:
            if finding.rule in self.settings:
                self.current[finding.rule] = (self._scope, finding, [])
                self.kept.append(self.current[finding.rule])
                if not self.settings[finding.rule]:  # (a SET LOCAL at the start covers on)
                    self._depth[finding.rule] = self._savepoints
        return findings

    def finish(self) -> None:
        """Name, in each finding kept, the statements it speaks for."""
        for scope, finding, covered in self.kept:
            if not covered:
                continue
            one, setting = len(covered) == 1, self.settings[finding.rule]
            if not setting:  # once_per_transaction
                finding.message += (f" {_statements_text(covered)} later in the same "
                                    f"transaction {'is' if one else 'are'} in the same case: "
                                    f"the same change to the transaction covers "
                                    f"{'both' if one else 'them all'}.")
                continue
            where, how = ("after it", f"one SET {setting} before this statement") \
                if scope == self._SESSION else \
                ("later in the same transaction", f"one SET LOCAL {setting} at its start")
            verb = _SETTING_VERBS.get(setting, "wait")
            finding.message += (f" {_statements_text(covered)} {where} "
                                f"{verb + 's' if one else verb} without a {setting} too: "
                                f"{how} covers {'both' if one else 'them all'}.")


#: Settings whose finding a session SET does not cover for the statements after it (nor a
#: rule once per transaction, with none): outside a transaction statement_timeout is reset
#: after each statement it bounds, so that a later CONCURRENTLY build is not cut short.
_SET_PER_STATEMENT = frozenset({"", "statement_timeout"})
#: What the statements a finding covers do without the setting (lock_timeout: wait).
_SETTING_VERBS = {"statement_timeout": "run"}


#: Statements named one by one in a message, the rest counted.
_NAMED_STATEMENTS = 5


def _statements_text(statements: list[Statement]) -> str:
    """'Statement 4 (line 12)', 'Statements 4 (line 12), 7 (line 20) and 3 more'."""
    named = [f"{s.index + 1} (line {s.span.line})" for s in statements[:_NAMED_STATEMENTS]]
    rest = len(statements) - len(named)
    if rest:
        named.append(f"{rest} more")
    if len(named) == 1:
        return f"Statement {named[0]}"
    return f"Statements {', '.join(named[:-1])} and {named[-1]}"


def _without_superseded(findings: list[Finding], judge: Judge, effect: Effect,
                        session: Session, ctx: Context, base: dict) -> list[Finding]:
    """`findings` less those of rules `superseded_by_alternatives` that another finding's
    safe alternative clears: a user told to build the index CONCURRENTLY gets no second
    finding about how long the plain build's SHARE lock may queue. In a DO block that runs
    more than one statement, an alternative stands for one of them only: the others' locks
    stay, and nothing is superseded. Those kept that `judge` left unwritten are written
    (`Judge.written`)."""
    if len(findings) < 2:
        return judge.written(findings)
    by_id = judge.index.by_id
    # (the rules that may be superseded, each once: a rule naming its column or table has a
    # finding for each, and the same other findings to be cleared by)
    superseded = [rule for rule_id in dict.fromkeys([f.rule for f in findings])
                  if (rule := by_id.get(rule_id)) is not None and
                  rule.superseded_by_alternatives]
    if not superseded or len({a.facts["embedded_line"] for a in effect.actions
                              if "embedded_line" in a.facts}) > 1:
        return judge.written(findings)
    moot = set()
    known = judge.alternative_statements or {}
    for rule in superseded:
        for other in findings:
            if other.rule != rule.id and _alternative_clears(
                    judge.index.alone(rule), other.instead, effect, session, ctx, base,
                    known.get(other.instead)):
                moot.add(rule.id)
                break
    return judge.written([f for f in findings if f.rule not in moot] if moot else findings)


def _alternative_clears(rule: RuleIndex, alternative: str, effect: Effect, session: Session,
                        ctx: Context, base: dict,
                        statements: Sequence[tuple[str, dict]] | None = None) -> bool:
    """Whether `alternative` (another finding's safe alternative, as printed) does the
    statement's work (an action of the same kind) and, run from the same catalog and session
    in the statement's place, gets no finding of `rule`. Prose, text that does not parse and
    an addition that leaves the statement as it is (a SET before it) clear nothing.
    `statements`: its statements (text, parse tree) when the rewrite that wrote it knows
    them (`Alternative.statements`), so it is not parsed again."""
    if statements is None:
        statements = _alternative_statements(alternative)
        if not statements:
            return False
    kinds = {a.kind for a in effect.actions}
    if _never_does(kinds, statements):
        return False
    does_its_work = False  # (an action of the statement's kind)
    # A copy of the settings in force, not of the transaction's bookkeeping: the alternative
    # is judged as the statement would be, from the same session state. Each statement is
    # judged once its effect is computed: the first that gets a finding of `rule` answers,
    # and the effects of those after it are never needed (the effect model reads the
    # catalog and the context, which judging leaves as they were).
    replay = Session(implicit_transaction=session.in_transaction,
                     implicit_block=session.implicit_block,
                     outside_transaction_why=session.outside_transaction_why,
                     lock_timeout_ms=session.lock_timeout_ms,
                     statement_timeout_ms=session.statement_timeout_ms)
    last = len(statements) - 1
    for index, (sql, tree) in enumerate(statements):
        try:
            # Each with its own text, as the statement was: a search of it spares the effect
            # model its walks over the tree (regclass constants, syntax the version lacks).
            ctx.statement_sql = sql
            alt = compute_effect(tree, ctx)
        except RecursionError:
            return False
        finally:
            ctx.statement_sql = None  # (as after the statement's own effect)
        does_its_work = does_its_work or any(a.kind in kinds for a in alt.actions)
        shared = {**base, **replay.facts(), **replay.statement_facts(alt, index, ctx.empty_tables),
                  **effect_facts(alt, ctx.catalog, ctx.new_tables, ctx.empty_tables,
                                 rule.reads("locks_text"))}
        for action in alt.actions:
            facts = {**shared, **action.facts, **replay.action_facts(action, index),
                     "action": action.kind}
            if rule.matching(facts):
                return False
        if index < last:  # (the replayed session is dropped after the last statement)
            replay.after(alt, index)
    return does_its_work


def _never_does(kinds: Collection[str], statements: Sequence[tuple[str, dict]]) -> bool:
    """Whether no statement of an alternative can do an action of `kinds`, from their parse
    trees alone (`action_kinds`): then it does not do the statement's work, whatever its
    effect, and `_alternative_clears` is false without computing one (a SET statement_timeout
    before and a RESET after an ALTER TABLE: 610 of the 2,670 effects it computed on the
    generated corpus's 2,500 files)."""
    for _sql, tree in statements:
        known = action_kinds(tree)
        if known is None or not known.isdisjoint(kinds):
            return False
    return True


@lru_cache(maxsize=256)
def _alternative_statements(alternative: str) -> tuple[tuple[str, dict], ...]:
    """The statements (text, parse tree) of a safe alternative's text; none for prose, and
    for text that does not parse (`_alternative_clears`). Kept by text: most alternatives
    are written from templates, and the same one (a SET before the statement, an expand /
    contract plan) is tried at many statements. Their trees are shared, as the rewrites'
    are: no reader changes a parse tree in place."""
    if not _has_code(alternative):
        return ()
    parsed = parse_sql(alternative, comments=False, salvage=False)
    if parsed.problems or parsed.skipped:
        return ()
    return tuple((s.sql, s.tree) for s in parsed.statements)


def _has_code(text: str) -> bool:
    """Whether `text` has a line that is not a `--` comment: many alternatives are advice
    written as comments, and parsing them only to find no statement costs more than this."""
    return any(line.strip() and not line.lstrip().startswith("--") for line in text.splitlines())


def _action_span(stmt: Statement, facts: dict) -> Span:
    """Where a finding of an action of `stmt` points: the statement, or the part of it that
    the action is (a DO block's statement, an element of CREATE SCHEMA)."""
    if "embedded_line" in facts:
        return _embedded_span(stmt, facts["embedded_line"], str(facts.get("embedded_sql", "")))
    if facts.get("schema_element"):
        return _element_span(stmt, facts["schema_element"])
    return stmt.span


def _element_span(stmt: Statement, position: int) -> Span:
    """Where element `position` (1 for the first written) of a CREATE SCHEMA is in the file:
    each element starts with a CREATE or GRANT outside parentheses (none can hold another at
    that level) and ends with its last token before the next one; the statement's span when
    its text does not show it (a template placeholder)."""
    parser = _libpg.parser

    try:
        tokens = parser.scan(stmt.sql)
    except Exception:  # a placeholder the scanner cannot read: the statement itself
        return stmt.span
    elements: list[list[int]] = []  # [first byte, last byte] of each element
    depth = 0
    for token in tokens[1:]:  # the CREATE of CREATE SCHEMA starts nothing
        depth += (token.name == "ASCII_40") - (token.name == "ASCII_41")
        if depth == 0 and token.name in ("CREATE", "GRANT"):
            elements.append([token.start, token.end])
        elif elements and token.name != "ASCII_59":
            elements[-1][1] = token.end
    if position > len(elements):
        return stmt.span
    first, last = elements[position - 1]  # pglast counts characters, as Python's text does
    return span_within(stmt, first, last + 1 - first)


def _subcommand_span(stmt: Statement, position: int) -> Span:
    """Where subcommand `position` (1 for the first written) of an ALTER TABLE is in the
    file: the subcommands are parted by the commas outside parentheses and brackets (the
    first one from the statement's start); the statement's span when its text does not show
    it (a template placeholder)."""
    parts = _subcommand_parts(stmt.sql)
    if position > len(parts):
        return stmt.span
    first, last = parts[position - 1]
    return span_within(stmt, first, last + 1 - first)


@lru_cache(maxsize=64)
def _subcommand_parts(sql: str) -> tuple[tuple[int, int], ...]:
    """The [first, last] characters of each comma-separated part of `sql` at its top level;
    none when the scanner cannot read it."""
    parser = _libpg.parser

    try:
        tokens = parser.scan(sql)
    except Exception:  # a placeholder the scanner cannot read
        return ()
    parts: list[list[int]] = []
    depth, start = 0, True
    for token in tokens:
        depth += (token.name in ("ASCII_40", "ASCII_91")) - (token.name in ("ASCII_41",
                                                                          "ASCII_93"))
        if depth == 0 and token.name == "ASCII_44":
            start = True
        elif token.name != "ASCII_59":
            if start:
                parts.append([token.start, token.end])
                start = False
            parts[-1][1] = token.end
    return tuple((a, b) for a, b in parts)


def span_within(stmt: Statement, start: int, length: int,
                on_line: tuple[int, int] | None = None) -> Span:
    """The span of the `length` characters of `stmt`'s text from `start`; `on_line`, when
    the caller knows them and the span is on one line: how many lines of the text come
    before it, and where its line starts (not counted again: a DO block's statements
    would each count the lines of the whole block before them)."""

    def position(at: int) -> tuple[int, int]:
        if on_line is not None:
            lines_before, line_start = on_line
        else:
            lines_before = stmt.sql.count("\n", 0, at)
            line_start = stmt.sql.rfind("\n", 0, at) + 1
        return (stmt.span.line + lines_before,
                at - line_start + (stmt.span.column if lines_before == 0 else 1))

    line, column = position(start)
    end_line, end_column = position(start + length - 1) if length > 0 else (line, column - 1)
    return Span(line, column, end_line, end_column, stmt.span.start_offset + start,
                stmt.span.start_offset + start + length)


def _body_error(stmt: Statement, session: Session, effect: Effect
                ) -> tuple[str, Span, str] | None:
    """What the grammar of its language says of the body `stmt` compiles, when it rejects
    it, where (in the body, else the statement), and whose grammar: a DO block's, or a
    PL/pgSQL or `LANGUAGE sql` routine's (an AS string) created while check_function_bodies
    is on; before it, the VARIADIC parameter of no array type `effect` says the server
    refuses the routine for."""
    kind = next(iter(stmt.tree))
    if kind == "CreateFunctionStmt" and effect.actions and \
            effect.actions[0].facts.get("refused_variadic_parameter"):
        return "VARIADIC parameter must be an array", _variadic_not_array(stmt), "PostgreSQL"
    if kind == "DoStmt":
        body = _plpgsql.plpgsql_body(stmt.tree[kind])
        error = None if body is None else _plpgsql.compile_error(body)
    elif kind == "CreateFunctionStmt" and session.check_function_bodies is not False:
        routine = stmt.tree[kind]
        if _routines.routine_language(routine) == "sql" and not routine.get("sql_body"):
            return _sql_body_error(stmt, routine)
        if not _routines.is_plpgsql_routine(routine):
            return None
        error = _plpgsql.compile_error(stmt.sql)
        body = _plpgsql.routine_code(stmt.sql)[0] if error else None
    else:
        return None
    if error is None or body is None:
        return None
    from lockwise.parse.plpgsql_errors import rejected_at

    at = rejected_at(stmt.sql, body, error, kind == "CreateFunctionStmt")
    return error, stmt.span if at is None else span_within(stmt, *at), "PL/pgSQL's parser"


def _variadic_not_array(stmt: Statement) -> Span:
    """Where CREATE FUNCTION / PROCEDURE `stmt` has the VARIADIC parameter of no array type
    the server refuses it for (`overloads.variadic_not_array`, fact
    `refused_variadic_parameter`): at the parameter, as the statement parsed again places
    it (the tree kept has no locations); the statement's span when its text does not parse
    alone (a template placeholder)."""
    from lockwise.catalog.overloads import variadic_not_array

    which = variadic_not_array(stmt.tree["CreateFunctionStmt"]["parameters"])
    if which is None:  # (not so: the fact says there is one)
        return stmt.span
    import json

    from lockwise.parse import libpg

    try:
        tree = json.loads(libpg.parser.parse_sql_json(stmt.sql))
        at = tree["stmts"][0]["stmt"]["CreateFunctionStmt"]["parameters"][which][
            "FunctionParameter"]["location"]
    except (libpg.parser.ParseError, LookupError):
        return stmt.span
    return span_within(stmt, at, 1)


def _sql_body_error(stmt: Statement, routine: dict) -> tuple[str, Span, str] | None:
    """`_body_error` of a `LANGUAGE sql` routine with an AS string."""
    from lockwise.parse.sql_body_errors import sql_body_error

    found = sql_body_error(stmt.sql, routine)
    if found is None:
        return None
    error, at = found
    return error, stmt.span if at is None else span_within(stmt, at, 1), "PostgreSQL's parser"


def _embedded_span(stmt: Statement, line: int, sql: str) -> Span:
    """Where statement `sql` of a DO block starts in the file: on line `line` of the block's
    body (the text after its opening quote), where its text starts (else at the line's first
    character); the block's own span when the body cannot be found in the statement's text
    as written (a template placeholder)."""
    before, first_line, starts = _body_line_starts(stmt)
    if len(starts) < line:
        return stmt.span
    start = starts[line - 1]
    line_start = start if line > 1 else first_line
    end = starts[line] - 1 if line < len(starts) else len(stmt.sql)
    head = sql.split("\n", 1)[0].strip()
    found = stmt.sql.find(head, start, end) if head else -1
    if found >= 0:
        start = found
    else:
        text = stmt.sql[start:end]
        start += len(text) - len(text.lstrip())
    while end > start and stmt.sql[end - 1].isspace():
        end -= 1
    return span_within(stmt, start, end - start, (before + line - 1, line_start))


#: The texts of the DO blocks `_embedded_span` placed statements of lately, and where
#: their lines start.
_body_lines_memo: NodeMemo[tuple[int, int, tuple[int, ...]]] = NodeMemo()


def _body_line_starts(stmt: Statement) -> tuple[int, int, tuple[int, ...]]:
    """How many lines of `stmt.sql` come before its DO block's body, where the line the body
    starts on starts, and where in it each line from the body on starts (the first: where
    the body starts); none when the body cannot be found in it as written. Found once per
    block:
    each of its statements' findings is placed from them (a block of 20,000 statements
    searched its whole text for each of them: minutes)."""
    # (by its text: the statement is copied on its way, its text is not)
    starts = _body_lines_memo.get(stmt.sql)
    if starts is None:
        from lockwise.parse.plpgsql import plpgsql_body

        body = plpgsql_body(next(iter(stmt.tree.values()), {}))
        at = stmt.sql.find(body) if body else -1
        found = [] if at < 0 else [at]
        while at >= 0 and (at := stmt.sql.find("\n", at) + 1) > 0:
            found.append(at)
        first = found[0] if found else 0
        starts = _body_lines_memo.put(stmt.sql, (
            stmt.sql.count("\n", 0, first), stmt.sql.rfind("\n", 0, first) + 1, tuple(found)))
    return starts


def migration_report(migration: Migration, reports: list[StatementReport],
                     migration_findings: list[Finding], directives: list[Directive],
                     index: RuleIndex, base: dict) -> MigrationReport:
    """Judge the ignore directives (used? with a reason?) and take the worst level."""
    for d in directives:
        facts = {**base, "action": "ignore_directive", "has_reason": bool(d.reason),
                 "used": d.used > 0, "rules": tuple(sorted(d.rules)) or ("all",),
                 "directive": d.text,
                 "misnamed": "" if d.used else _misnamed(d, index.known_ids)}
        migration_findings += Judge(index, migration, []).judge(facts, d.span, None)

    findings_all = migration_findings + [f for r in reports for f in r.findings]
    safety = max((f.safety for f in findings_all), default=Safety.SAFE)
    return MigrationReport(migration, reports, migration_findings, safety,
                           migration_reason(reports, migration_findings, safety))


def _misnamed(directive: Directive, known: frozenset[str]) -> str:
    """` (no rule is named `x`; did you mean `y`?)` for the first name of an unused directive
    that is no rule (nor kind of conflict; a squawk-ignore's may be a squawk rule's), else
    "". Nothing is said when the catalog is unknown (no rules loaded)."""
    if not known:
        return ""
    from lockwise.graph.model import CONFLICT_TITLES
    from lockwise.rules.directives import SQUAWK_ALIASES, SQUAWK_REASON

    names = known | CONFLICT_TITLES.keys()
    if directive.reason == SQUAWK_REASON:
        names |= SQUAWK_ALIASES.keys()
    unknown = sorted(directive.rules - names)
    if not unknown:
        return ""
    from lockwise.config import closest

    meant = closest(unknown[0], names)
    return f" (no rule is named `{unknown[0]}`" + (f"; did you mean `{meant}`?)" if meant
                                                  else ")")


def migration_reason(reports: list[StatementReport], migration_findings: list[Finding],
                     safety: Safety) -> str:
    """Why a migration is at `safety` (the worst of its findings): its first worst
    statement's reason, numbered, or the title of its worst finding of the whole migration
    when none milder than that statement's is one (a foreign key without an index, a
    directive). A safe migration's findings are only advice, not why it is safe: its reason
    says every statement is safe, and names the first advice after (the whole
    migration's first)."""
    findings_all = migration_findings + [f for r in reports for f in r.findings]
    if not findings_all:
        return "every statement is safe"
    worst = next((r for r in reports if r.safety == safety and r.findings), None)
    if safety == Safety.SAFE:
        first = (migration_findings[0].title if migration_findings or worst is None
                 else f"statement {worst.statement.index + 1}: {worst.findings[0].title}")
        return f"every statement is safe{_ADVICE}{first}"
    if worst is not None and all(f.safety < safety for f in migration_findings):
        return f"statement {worst.statement.index + 1}: {worst.reason}"
    return max(findings_all, key=lambda f: f.safety).title


def _cost_tracker(options: LintOptions) -> CostTracker | None:
    """Duration estimates, only when a stats file was given (lockwise.cost stays unloaded)."""
    if options.stats is None:
        return None
    from lockwise.cost.hook import CostTracker
    from lockwise.cost.profile import DEFAULT_PROFILE

    return CostTracker(options.stats, options.profile or DEFAULT_PROFILE,
                       options.max_lock_seconds)


#: Who rejected the SQL, in parse-error's message: MySQL and MariaDB SQL is read with
#: sqlglot's MySQL grammar, not the server's own, so that parser is named.
PARSERS = {"postgresql": "PostgreSQL's parser", "mysql": "sqlglot's MySQL parser",
           "mariadb": "sqlglot's MySQL parser (reading MariaDB)"}


#: Which other dialect a file the parser rejects may be in, by the dialect it was read as: the
#: function of parse/dialect_hint.py that tells (imported at a file's first parse error).
_DIALECT_HINTS = {"postgresql": "mysql_hint", "mysql": "postgres_hint",
                  "mariadb": "postgres_hint"}


def parse_error_facts(base: dict, message: str, dialect_hint: str = "") -> dict:
    """The facts of a parse error; `base` names the dialect (PostgreSQL when it does not).
    `dialect_hint`: a sentence pointing to --dialect mysql (parse/dialect_hint.py)."""
    return {**base, "action": "parse_error", "message": message,
            "parser": PARSERS[base.get("dialect", "postgresql")], "dialect_hint": dialect_hint}


def _problem_facts(problem: ParseProblem, base: dict, source: str | None) -> dict:
    """The facts of the parse error `problem` of a file whose text is `source` (None: no
    hint at another dialect)."""
    hint = ""
    if source is not None:
        from lockwise.parse import dialect_hint

        hint = getattr(dialect_hint, _DIALECT_HINTS[base.get("dialect", "postgresql")])(
            source, problem.span.start_offset)
    facts = parse_error_facts(base, problem.message, hint)
    if problem.by:
        facts["parser"] = problem.by
    return facts


def parse_error_message(problem: ParseProblem, source: str | None = None) -> str:
    """What lint's `parse-error` finding says of PostgreSQL's parse error `problem` (the rule's
    own message), for the commands that refuse such a file before any rule judges it (apply,
    status, verify, trace, graph): one wording for one error whichever command meets it."""
    rule = next(r for r in load_rules(examples=False) if r.id == "parse-error")
    # (facts that name no dialect are PostgreSQL's)
    return render(rule.message_for(None), _problem_facts(problem, {}, source))


def statement_directives(stmt: Statement) -> list[Directive]:
    """The ignore directives of one statement, each placed at its comment."""
    # (most statements have no comment, most comments no directive: nothing to place)
    if not any(map(may_hold_directive, stmt.leading_comments)):
        return []
    return [d for text, span in placed_comments(stmt)
            if (d := parse_directive(text, span)) and not d.file_level]


def _directives_of_no_statement(parsed: ParsedFile, placed: list[Directive]
                                ) -> list[Directive]:
    """The statement ignores written after the file's last statement, but not on its line: they
    belong to no statement, so they suppress nothing (and are reported as such). `placed`:
    the directives already read (the statements' own, a comment on a statement's last line
    among them)."""
    end = parsed.statements[-1].span.end_offset if parsed.statements else 0
    known = {d.span.start_offset for d in placed if d.span is not None}
    return [d for text, span in parsed.comments
            if span.start_offset >= end and span.start_offset not in known
            and (d := parse_directive(text, span)) and not d.file_level]


def placed_comments(stmt: Statement) -> list[tuple[str, Span]]:
    """The statement's comments with their spans (the statement's own span for a statement
    built without them)."""
    comments = stmt.leading_comments
    spans = stmt.comment_spans if len(stmt.comment_spans) == len(comments) else \
        (stmt.span,) * len(comments)
    return list(zip(comments, spans, strict=True))


def _malformed_directives(parsed: ParsedFile) -> list[tuple[str, Span]]:
    # A comment before a statement is both the statement's and in parsed.comments. Only one
    # that may hold a directive can be malformed (`may_hold_directive`): the others (every
    # comment of lemmy and documenso) are neither placed nor put in order.
    placed = {span.start_offset: (text, span) for text, span in parsed.comments
              if may_hold_directive(text)}
    for stmt in parsed.statements:
        if any(map(may_hold_directive, stmt.leading_comments)):
            placed.update((span.start_offset, (text, span))
                          for text, span in placed_comments(stmt) if may_hold_directive(text))
    return [placed[k] for k in sorted(placed) if malformed_directive(placed[k][0])]


def input_findings(judge: Judge, parsed: ParsedFile, base: dict,
                   source: str | None = None) -> list[Finding]:
    """Findings about the file's text rather than its statements: SQL the parser rejects,
    client-side commands (psql meta-commands, COPY data, DELIMITER) that were skipped,
    ignore directives written so that they ignore nothing. `source`: the text PostgreSQL's
    parser read, to tell when a file it rejects is MySQL."""
    out: list[Finding] = []
    for text, span in _malformed_directives(parsed):
        out += judge.judge({**base, "action": "invalid_directive", "directive": text.strip()},
                           span, None)
    for problem in parsed.problems:
        out += judge.judge(_problem_facts(problem, base, source), problem.span, None)
    for skipped in parsed.skipped:
        out += judge.judge({**base, "action": skipped.kind.replace("-", "_"),
                            "text": skipped.text}, skipped.span, None)
    return out


def misplaced_batch_directives(judge: Judge, parsed: ParsedFile, base: dict,
                               mysql: bool = False,
                               aggregates: Collection[str] = (),
                               unique: Callable[[str], frozenset[str] | None] | None = None,
                               tables: Catalog | None = None) -> list[Finding]:
    """Each batch directive on a statement `lockwise apply` cannot run in batches (it refuses
    the migration), at the directive: a DO block marked so runs as written (it batches itself,
    as `lockwise fix` writes it). Of a MySQL or MariaDB migration (`mysql`), each: apply runs
    PostgreSQL migrations only, and batches none of its statements. `aggregates`: those the
    migrations before it made (`Catalog.aggregates`), as apply's plan knows them; `unique`:
    the tables' unique columns as they were before it (`Catalog.unique_columns`); `tables`:
    the catalog before it, whose keys and views `batch_refusal` asks too."""
    out: list[Finding] = []
    marked = {id(stmt) for stmt in parsed.statements
              if stmt.leading_comments and has_batch_directive(stmt)}
    if not marked:
        return out
    from lockwise.executor.batches import (
        aggregates_made,
        batch_refusal,
        batches_itself,
        with_aggregates_made,
    )

    made = with_aggregates_made(aggregates, ())  # with those the statements before it make
    # a huge file's statements get their trees as its pieces are read (they had none here:
    # a traceback for a directive in a file of thousands of statements)
    for stmt in parsed.statements if parsed.pieces is None or mysql else \
            parsed.pieces.passed_through(parsed.statements):
        if id(stmt) in marked:
            marked.discard(id(stmt))
            if mysql:
                refusal: str | None = "`lockwise apply` runs PostgreSQL migrations only"
            elif batches_itself(stmt.tree):
                refusal = None
            else:
                refusal = batch_refusal(stmt.tree, made, unique, tables)
            if refusal is not None:
                text, span = next((t, sp) for t, sp in placed_comments(stmt)
                                  if may_hold_directive(t) and BATCH_DIRECTIVE.search(t))
                out += judge.judge({**base, "action": "misplaced_batch_directive",
                                    "directive": text.strip(), "reason": refusal}, span, None)
            if not marked:
                break  # (the rest of a huge file is not parsed again for nothing)
        if not mysql:
            made.update(aggregates_made((stmt.tree,)))
    return out


def batched_by_apply(stmt: Statement, aggregates: Collection[str] = (),
                     unique: Callable[[str], frozenset[str] | None] | None = None,
                     tables: Catalog | None = None) -> bool:
    """Whether `lockwise apply` runs `stmt` in key-range batches (fact `batch_directive`): it is
    marked with a batch directive and apply can batch it, as `batch_refusal` decides for apply
    too. A marked statement apply refuses (misplaced-batch-directive: an EXECUTE, a function
    call, RETURNING) or runs as written (a DO block) batches nothing: its rows are judged as
    unmarked. `aggregates`: the migrations' own (`Catalog.aggregates`); `unique`: the
    tables' unique columns (`Catalog.unique_columns`); `tables`: the catalog (its keys and
    views)."""
    if not stmt.leading_comments or not has_batch_directive(stmt):
        return False
    from lockwise.executor.batches import batch_refusal

    return batch_refusal(stmt.tree, aggregates, unique, tables) is None


def has_batch_directive(stmt: Statement) -> bool:
    """`-- lockwise: batch ...` among the statement's comments (whether `lockwise apply` then
    runs it in key-range batches: `batched_by_apply`)."""
    comments = stmt.leading_comments
    if len(comments) == 1:  # the usual case: one comment, or none
        return may_hold_directive(comments[0]) and \
            BATCH_DIRECTIVE.search(comments[0]) is not None
    return any(may_hold_directive(c) and BATCH_DIRECTIVE.search(c) for c in comments)


def effect_facts(effect: Effect, catalog: Catalog | None = None,
                 new_tables: Collection[str] = (), empty_tables: Collection[str] = (),
                 locks_text: bool = True) -> dict:
    """The facts of the statement's effect; `catalog` tells which relations it locks have
    no writers (materialized views), for what queues behind its locks; `new_tables`, which
    were created earlier in the migration: no query of the application waits on those, but on
    the others the statement locks (the existing table a new one's foreign key references,
    the parent of a new partition) it does. `empty_tables` (Context.empty_tables) hold no row
    for sure: reading one is not long, however large it was (a TRUNCATE of the transaction
    emptied it; checked on the server). `locks_text`: whether to write that fact (every
    lock, as messages name them), which no rule of lint's own reads (`RuleIndex.reads`)."""
    locks = effect.locks
    long = [t for t in long_scans(effect) if t not in empty_tables] if empty_tables \
        else long_scans(effect)
    if not locks:
        # an index held ACCESS EXCLUSIVE, its table unlocked (ALTER INDEX ... SET
        # TABLESPACE): every query on the table queues all the same (but a plain INSERT,
        # when the index is partitioned)
        queued = queued_locks(effect, new_tables)
        return {"lock": None, "takes_access_exclusive": False, "access_exclusive_text": "",
                "temporary_only": _temporary_only(effect),
                "read_under_access_exclusive_text": "",
                "rewrites_table": bool(effect.rewrites), "scans_table": bool(effect.scans),
                "scans_at_length": bool(long),
                "transactional": effect.transactional, "locks_text": "",
                **write_blocking_facts(queued, inserts_go_on=inserts_pass(effect)
                                       if queued else ())}
    strongest = max(locks.values())
    exclusive = strongest is LockMode.ACCESS_EXCLUSIVE
    return {
        # as the reports' lock lines name it (lock_shown): a PostgreSQL mode by the
        # documentation's name, a MySQL statement's metadata lock kind
        "lock": lock_shown(effect, strongest, max(locks, key=locks.__getitem__)),
        "takes_access_exclusive": exclusive,
        "temporary_only": _temporary_only(effect),
        # Every table the statement holds ACCESS EXCLUSIVE, as messages name them (an action's
        # own `table` may be empty: DROP INDEX IF EXISTS of an unknown index).
        "access_exclusive_text": ", ".join(
            relation_shown(t, effect.dialect) for t, m in locks.items()
            if m is LockMode.ACCESS_EXCLUSIVE) if exclusive else "",
        # What it reads or rewrites among them: not the action's own table when that is the
        # parent of the partition ATTACH reads, say; else every table it reads.
        "read_under_access_exclusive_text": _read_under_access_exclusive(effect, long)
        if exclusive and effect.scans else "",
        "rewrites_table": bool(effect.rewrites),
        "scans_table": bool(effect.scans),
        # a read as long as the table is large: not one that fails at the first row
        "scans_at_length": bool(long),
        "transactional": effect.transactional,
        # as the reports' lock lines name them (lock_shown)
        **({"locks_text": ", ".join(f"{lock_shown(effect, m, t)} on {relation_named(effect, t)}"
                                    for t, m in locks.items())} if locks_text else {}),
        # What queries queue behind while the statement waits for its locks.
        **write_blocking_facts(queued_locks(effect, new_tables), _unwritten(effect, catalog)),
    }


def _temporary_only(effect: Effect) -> bool:
    """Whether every object the statement creates, alters or drops is the session's own, in
    pg_temp (a temporary table, its columns, indexes and constraints, a temporary sequence or
    view): gone when the session ends, and not there when the migration is run again."""
    # (a loop, not `any` and `all` of generators: asked of every statement, twice when its
    # finding has an alternative; most answer at their first object)
    found = False
    for objects in (effect.creates, effect.alters, effect.drops):
        for name in objects:
            if not name.partition(":")[2].startswith(TEMPORARY_PREFIX):
                return False
            found = True
    return found


def _unwritten(effect: Effect, catalog: Catalog | None) -> frozenset[str]:
    """The relations `effect` locks that no query writes, as `queued_locks` names them: the
    materialized views the catalog knows, and the one a REFRESH names (the server refuses it
    on anything else)."""
    found: list[str] = []
    refreshed: set[str] | None = None
    for rel in effect.locks:  # (a loop: asked of every statement that locks; most find none)
        if catalog is not None and (known := catalog.table(rel)) is not None and \
                known.kind == "matview":
            found.append(rel)
            continue
        if refreshed is None:
            refreshed = {a.facts.get("table") for a in effect.actions
                         if a.kind == "refresh_materialized_view"}
        if rel in refreshed:
            found.append(rel)
    return frozenset(relation_shown(rel, effect.dialect) for rel in found) if found \
        else _NONE_UNWRITTEN


_NONE_UNWRITTEN: frozenset[str] = frozenset()


def _read_under_access_exclusive(effect: Effect, long: list[str]) -> str:
    """`long`: the relations `effect` reads at length (`long_scans`)."""
    read = long or list(effect.scans)
    held = [t for t in read if effect.locks.get(t) is LockMode.ACCESS_EXCLUSIVE]
    return ", ".join(relation_shown(t, effect.dialect) for t in held or read)


def _statement_report(stmt: Statement, effect: Effect, findings: list[Finding],
                      session: Session, in_transaction: bool, rules: dict[str, Rule],
                      covering: list[Finding] | None = None) -> StatementReport:
    """`in_transaction`: the session's before the statement. `covering`: findings reported at
    an earlier statement that speak for this one too (`OncePerTransaction`): not listed
    again, but the statement is judged with them."""
    judged = [*findings, *covering] if covering else findings
    safety = max((f.safety for f in judged), default=Safety.SAFE)
    return StatementReport(
        statement=stmt, effect=effect, findings=findings, safety=safety,
        reason=statement_reason(judged, effect), strategy=strategy_for(judged, effect, rules),
        in_transaction=in_transaction, lock_timeout_ms=session.lock_timeout_ms,
        statement_timeout_ms=session.statement_timeout_ms,
        covered_by=tuple(covering) if covering else ())


def _as_written(effect: Effect, stand_ins: dict[str, str]) -> Effect:
    """The effect as the report shows it: the relations it locks, rewrites and scans named
    with the template placeholders written back, as messages name them. Its objects keep the
    stand-ins, by which the catalog, the conflict graph and `lockwise fix` know them."""
    return replace(
        effect,
        locks={with_placeholders(rel, stand_ins): mode for rel, mode in effect.locks.items()},
        rewrites=frozenset(with_placeholders(rel, stand_ins) for rel in effect.rewrites),
        scans={with_placeholders(rel, stand_ins): why for rel, why in effect.scans.items()})


def _long_identifier_facts(stmt: Statement, effect: Effect, file_may_hold: bool = True
                           ) -> dict:
    """`identifier_facts` of the long names `stmt` defines (the names found first, once:
    most statements name no long identifier, and need no defined names). `file_may_hold`
    False: the text the statement was cut from holds none (`may_hold_long_identifier`)."""
    names = long_identifiers(stmt.sql) if file_may_hold else []
    return identifier_facts(stmt.sql, defined_names(effect, stmt.tree) if names else None,
                            names)


def _track_writes(ctx: Context, effect: Effect, in_transaction: bool) -> None:
    """The tables whose rows the open transaction wrote (Context.written_in_transaction);
    forgotten when it ends, or when the statement ran on its own."""
    if not in_transaction:
        ctx.written_in_transaction.clear()
        return
    ctx.written_in_transaction.update(rows_written(effect.actions))


#: Actions that make a new table, empty unless filled by a query (CREATE TABLE AS WITH DATA;
#: a materialized view made WITH NO DATA holds no row either).
_EMPTY_MADE = frozenset({"create_table", "create_table_as", "create_materialized_view"})
#: The actions that may leave a table sure to be empty: those, a TRUNCATE, a DO block.
_EMPTY_MAKERS = _EMPTY_MADE | {"truncate", "do_block"}


def _track_empty_tables(ctx: Context, effect: Effect, in_transaction: bool) -> None:
    """The tables sure to hold no row (Context.empty_tables): created empty by this migration,
    or TRUNCATEd in the open transaction block (whose lock keeps other sessions out until it
    ends); and the columns sure to be NULL in every row (Context.null_columns): added by this
    migration without a default. Any statement that writes a table's rows may leave rows in
    it, and values in its columns. A PL/pgSQL DO block with no dynamic SQL makes empty the
    tables it makes for sure (`made_new`) as a CREATE TABLE does, when its statements (the
    effect's actions after the block's own) neither fill nor write them; what was there
    before, its code may have written."""
    track_null_columns(ctx.null_columns, effect)
    track_constant_columns(ctx.constant_columns, effect)
    if not (ctx.empty_tables or ctx.truncated_in_transaction) and \
            all(a.kind not in _EMPTY_MAKERS for a in effect.actions):
        return  # none known empty, none made so (most statements): nothing to forget or add
    truncated: set[str] = set()
    created: set[str] = set()
    made: set[str] | None = None  # the tables a DO block makes for sure (None: no block)
    for a in effect.actions:
        kind = a.kind
        if kind == "do_block" and made is None and not a.facts.get("dynamic_sql"):
            made = {key for key in a.facts.get("made_new", ()) if ":" not in key}
            continue
        if runs_unseen_code(a):
            ctx.empty_tables.clear()  # code lockwise does not read whole may write any table
            ctx.truncated_in_transaction.clear()
            return
        f = a.facts
        if kind == "truncate":
            truncated.add(f["table"])
        elif kind in _EMPTY_MADE and not f.get("exists_already") and \
                not f.get("with_data", False):
            created.add(f.get("table", ""))
    if made is not None:
        ctx.empty_tables.clear()
        ctx.truncated_in_transaction.clear()
        created &= made
    empty = ctx.empty_tables
    # (what the statement writes is worth finding only when a table is empty)
    if empty or created and made:
        written = written_tables(effect)
        empty -= written - truncated
        if made:
            created -= written
    empty.update(created)
    if in_transaction:
        empty.update(truncated)
        ctx.truncated_in_transaction.update(truncated - created)
    elif truncated or ctx.truncated_in_transaction:
        # The transaction ended (or the statement ran alone): its lock is gone.
        empty -= ctx.truncated_in_transaction | truncated
        ctx.truncated_in_transaction.clear()


def end_span(migration: Migration, statements: list[Statement]) -> Span:
    if statements:
        last = statements[-1].span
        return Span(last.end_line, last.end_column, last.end_line, last.end_column)
    return Span(1, 1, 1, 1)


def lint_migrations(migrations: Sequence[Migration], options: LintOptions | None = None,
                    catalog: Catalog | None = None,
                    on_report: Callable[[MigrationReport], None] | None = None,
                    new_databases: Collection[int] = frozenset(),
                    release: bool = False,
                    one_run: Collection[str] = frozenset(),
                    not_run: Collection[int] | None = None,
                    on_reported: Callable[[MigrationReport], object] | None = None,
                    ) -> list[MigrationReport]:
    """Judge migrations in order, replaying each into the catalog for the ones after it.

    With `options.only`, the other migrations are replayed for context but not reported.
    `on_report` sees every migration's report (reported or not) as soon as it is made.
    The catalog is emptied before each migration whose id() is in `new_databases`: the first
    of another directory's history (see `discover.versions.history_starts`). With `release`,
    the reports keep only what the printers use (see `analyze_migration`).
    `one_run`: ids of migrations applied together, in this order, by one run (the executor's
    pending ones): a table one of them creates is new for the later ones, as in one file. The
    others (applied before) create nothing new for them.
    `not_run`: the id() of the migrations their runner never applies, as it runs another of
    their version (`never_run`, found from `migrations` when not given: give it when they are
    part of a history linted in several calls). Each is judged but not replayed: the
    migrations after it find the catalog as it left it (the duplicate-version conflict says
    why).
    `on_reported`: sees each reported migration's report, after `on_report`, instead of the
    list returned (then empty): a report printed as it comes need not be held to the end.
    """
    options = options or LintOptions()
    if not_run is None:
        from lockwise.discover.versions import never_run

        not_run = never_run(migrations, new_databases)
    run = NewInRun() if one_run else None
    index = rule_index(options)
    catalog = catalog if catalog is not None else Catalog()
    reports = []
    for migration in migrations:
        if id(migration) in new_databases:
            catalog.reset()
        # The migrations only replayed for context are not judged: their reports are not shown.
        wanted = options.wants(migration)
        report = analyze_migration(migration, copied(catalog) if id(migration) in not_run
                                   else catalog, index if wanted else None, options,
                                   release, run if migration.id in one_run else None)
        if on_report is not None:
            on_report(report)
        if not wanted:
            continue
        if on_reported is not None:
            on_reported(report)
        else:
            reports.append(report)
    keep_compiled()  # the matchers, and the methods of the dataclasses defined so far
    return reports


def release_details(report: MigrationReport) -> None:
    """Keep only what the printers use, once rules and the conflict graph are done with a
    report: the statements' parse trees and the facts of each action (its kind stays) are most
    of lint's memory on a long history."""
    for s in report.statements:
        _release(s)


def _release(s: StatementReport, refused: str | None = None) -> None:
    """`release_details` of one statement; `refused`: `refusal` of its effect, when known."""
    e, st = s.effect, s.statement
    # Built directly: dataclasses.replace looks up the fields anew for every statement. No
    # tree (None, not a new `{}` per statement to keep, pickle and rebuild) and no comment
    # spans: what reads them (directives, batch directives) is done with the statement, and
    # no printer, nor `lockwise fix`, reads them from a report.
    # The texts that repeat from statement to statement (the relation names of its locks and
    # scans, its comments, its reason, its findings' messages and advice) are interned: the
    # reports of a long history hold each once, and the result cache, whose pickler shares
    # an object within a batch of reports, stores and loads it once a batch, not once each
    # (generated-10000: 43,578 comments are 7 texts; 89,423 messages 53,263).
    s.statement = Statement(st.index, st.sql, st.span, None,
                            tuple(map(intern, st.leading_comments)) if st.leading_comments
                            else ())
    mysql = e.dialect != "postgresql"
    s.effect = Effect(actions=refusal_kept(e, tuple([_printed_action(a, mysql)
                                                     for a in e.actions]), refused),
                      locks=_interned_keys(e.locks),
                      rewrites=frozenset(map(intern, e.rewrites)) if e.rewrites else e.rewrites,
                      scans={intern(name): intern(why) for name, why in e.scans.items()}
                      if e.scans else e.scans,
                      transactional=e.transactional, dialect=e.dialect)
    s.reason = intern(s.reason)
    for f in s.findings:
        f.message, f.instead = intern(f.message), intern(f.instead)


def _interned_keys(by_name: dict[str, LockMode]) -> dict[str, LockMode]:
    """`by_name` with its names (qualified relation names) interned (see `_release`)."""
    return {intern(name): mode for name, mode in by_name.items()} if by_name else by_name


#: The facts of a `routine_call` that number its body's run (effects/postgres/body_runs.py).
_BODY_RUN = ("body_run", "body_actions", "body_shown_before")


def _printed_action(action: Action, mysql: bool = False) -> Action:
    """An action with only the facts the printers read: what waits on a table one of whose
    indexes it holds ACCESS EXCLUSIVE, and which (`locks.blocked_work`, `lock_lines`); a
    MySQL table's name where the statement wrote it otherwise than the lock's key (`Posts`:
    `mysql_locks.table_as_written`)."""
    if action.facts.get("index_access_exclusive"):
        return Action(action.kind, {
            "index_access_exclusive": True, "table": action.facts.get("table", ""),
            "index_exclusive_tables": action.facts.get("index_exclusive_tables") or (),
            "index": action.facts.get("index", ""), "target": action.facts.get("target", "")})
    # (the lock's label, effects/mysql_locks.py: an ALTER's algorithm and lock, and the
    # tables a MariaDB DDL locks for the foreign keys that reference its own)
    children = {"key_children": action.facts["key_children"]} \
        if action.facts.get("key_children") else {}
    if action.kind == "routine_call" and "body_run" in action.facts:
        # (what says which run a call's body is: the JSON lists every call's, `every_call`)
        return Action(action.kind, {key: action.facts[key] for key in _BODY_RUN
                                    if key in action.facts})
    if action.kind == "mysql_alter_table":
        return Action(action.kind, {**{key: action.facts[key]
                                       for key in ("table", "algorithm", "lock_level")},
                                    **children})
    if children or mysql and isinstance(table := action.facts.get("table"), str) and \
            table != table.lower():
        return Action(action.kind, {"table": action.facts.get("table", ""), **children})
    return _bare_action(action.kind)


@cache
def _bare_action(kind: str) -> Action:
    return Action(kind, {})


def worst_safety(reports: Iterable[MigrationReport]) -> Safety:
    return max((r.safety for r in reports), default=Safety.SAFE)


# LintOptions and has_input_errors live in lockwise.options (importable without this
# pipeline) and are re-exported here.
__all__ = ["Action", "LintOptions", "analyze_migration", "has_input_errors", "lint_migrations",
           "worst_safety"]
