"""The lint pipeline for MySQL and MariaDB: the same stages as lint.py, other facts.

parse/mysql.py (sqlglot) -> effects/mysql.py (algorithm, rebuild, lock per ALTER operation)
-> the rules whose `dialects` include mysql/mariadb -> the same reports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from lockwise.catalog.model import Catalog
from lockwise.core.types import (
    Effect,
    Finding,
    Migration,
    MigrationReport,
    Safety,
    Span,
    Statement,
    StatementReport,
)
from lockwise.effects.mysql import (
    DEFAULT_VERSIONS,
    MySQLSession,
    apply_mysql_statement,
    compute_mysql_effect,
    drops_in_part,
    end_session,
    locked_tables_text,
    parse_server_version,
    refused,
    refused_create,
)
from lockwise.effects.mysql_prepared import Held, executed, span_in_file, statement_of
from lockwise.lint import (
    Judge,
    LintOptions,
    effect_facts,
    end_span,
    input_findings,
    migration_report,
    misplaced_batch_directives,
    span_within,
    statement_directives,
    statement_reason,
    strategy_for,
)
from lockwise.parse.mysql import ParsedFile, parse_mysql
from lockwise.rules.directives import parse_directive
from lockwise.rules.engine import RuleIndex


def server_version(options: LintOptions) -> tuple[int, ...]:
    if options.server_version:
        return parse_server_version(options.server_version)
    return DEFAULT_VERSIONS[options.dialect]


def _run(stmt: Statement, catalog: Catalog, session: MySQLSession, migration: Migration,
         base: dict, judge: Judge, stmt_directives: list, seen: dict,
         place: Callable[[int, int], Span], span: Span, extra: dict | None = None
         ) -> tuple[Effect, list[Finding], bool]:
    """Judge `stmt` and move the catalog past it: its effect, findings (at `span`, or where
    `place` puts a word of the statement) and whether the server accepts it."""
    effect = compute_mysql_effect(stmt.tree, catalog, session)
    # `lockwise apply` runs PostgreSQL only (docs/mysql.md): no directive batches a
    # MySQL or MariaDB statement, so none is a promise of batches (`batched_by_apply`).
    context = {**base, **effect_facts(effect), "batch_directive": False, **(extra or {})}
    findings: list[Finding] = []
    for action in effect.actions:
        facts = {**context, **action.facts, "action": action.kind}
        # a finding about a word inside the statement (a program's LOCK TABLES) is there
        at = place(*action.facts["at"]) if "at" in action.facts else span
        findings += judge.judge(facts, at, stmt.index, stmt_directives, seen)
    accepted = not refused(effect.actions)  # what the server refuses runs nothing
    # (but MariaDB's refused DROP TABLE drops the rest of its list)
    if accepted or drops_in_part(effect.actions, session.flavour):
        apply_mysql_statement(catalog, stmt.tree, migration.id, session)
    else:
        refused_create(catalog, stmt.tree, session)
    return effect, findings, accepted


def _run_prepared(stmt: Statement, held: Held, name: str, catalog: Catalog,
                  session: MySQLSession, migration: Migration, base: dict, judge: Judge,
                  stmt_directives: list, seen: dict) -> tuple[Effect, list[Finding]] | None:
    """Judge at EXECUTE `stmt` the statement prepared as `name` from `held`'s text (None
    when that text is not one statement lockwise reads: its PREPARE said so)."""
    inner = statement_of(held, session.flavour, session.version)
    if inner is None:
        return None
    run = replace(inner, index=stmt.index)  # (its directives: the EXECUTE's)

    def place(start: int, length: int) -> Span:
        return span_in_file(held, run.span.start_offset + start, length, migration.up_sql)

    effect, findings, _ = _run(
        run, catalog, session, migration, base, judge, stmt_directives, seen, place,
        place(0, len(run.sql)), {"prepared_statement_run": name, "prepared_at": held.at})
    return effect, findings


def _parse(migration: Migration, options: LintOptions) -> ParsedFile:
    """The migration's statements, its template placeholders read as `--templates` says and
    the values its tool puts in its own (Flyway's `${name}`: `parse_with_values`), places
    kept those of the file as written. Plain SQL (no `{`) is parsed as it is."""
    version = server_version(options)
    if "{" not in migration.up_sql and migration.tool_placeholders is None:
        return parse_mysql(migration.up_sql, options.dialect, version)
    from lockwise.parse.templates import parse_templated

    return parse_templated(migration.up_sql, options.templates, migration.path,
                           tool=migration.tool_placeholders,
                           parse=lambda text: parse_mysql(text, options.dialect, version))


def analyze_mysql_migration(migration: Migration, catalog: Catalog, index: RuleIndex,
                            options: LintOptions) -> MigrationReport:
    """Judge one MySQL/MariaDB migration, moving the catalog past it."""
    parsed = _parse(migration, options)
    file_directives = [d for text, span in parsed.comments
                       if (d := parse_directive(text, span)) and d.file_level]
    judge = Judge(index, migration, file_directives, parsed.placeholders or None)
    session = MySQLSession(flavour=options.dialect, version=server_version(options),
                           charset_server=options.character_set_server)
    base = {"migration": migration.id, "dialect": options.dialect,
            "server_version": ".".join(map(str, session.version))}
    migration_findings: list[Finding] = []
    directives = list(file_directives)
    migration_findings += input_findings(judge, parsed, base, migration.up_sql)
    migration_findings += misplaced_batch_directives(judge, parsed, base, mysql=True)
    reports: list[StatementReport] = []
    lock_span = None
    for stmt in parsed.statements:
        stmt_directives = statement_directives(stmt)
        directives.extend(stmt_directives)
        session.statement_at = (stmt.span.start_offset, stmt.index + 1)
        seen: dict[tuple, tuple] = {}
        effect, findings, accepted = _run(
            stmt, catalog, session, migration, base, judge, stmt_directives, seen,
            lambda start, length, stmt=stmt: span_within(stmt, start, length), stmt.span)
        if (name := executed(stmt.sql)) is not None and \
                (held := session.prepared_texts.get(name)) is not None:
            # the prepared statement's text runs here: judged as if written at the EXECUTE,
            # its findings pointing into the string that holds it
            effect, findings = _run_prepared(
                stmt, held, name, catalog, session, migration, base, judge, stmt_directives,
                seen) or (effect, findings)
        if accepted and ("program" in stmt.tree or stmt.sql[:4].upper() == "CALL" or
                         catalog.mysql_functions):
            from lockwise.lint_mysql_programs import judge_program, program_runs

            for runs in program_runs(stmt, catalog, session.database):
                findings += judge_program(stmt, runs, judge, catalog, session, base,
                                          migration.id, stmt_directives, seen)
        reports.append(StatementReport(
            statement=stmt, effect=effect, findings=findings,
            safety=max((f.safety for f in findings), default=Safety.SAFE),
            reason=statement_reason(findings, effect),
            strategy=strategy_for(findings, effect, index.by_id),
            # MySQL commits implicitly around every DDL statement.
            in_transaction=False))
        if any(a.kind == "mysql_lock_tables" for a in effect.actions):
            session.lock_tables_line, lock_span = stmt.span.line, stmt.span
    held = session.locked_tables is not None
    end_session(catalog, session)
    migration_findings += judge.judge(
        {**base, "action": "end_of_migration", "open_transaction": False,
         "statement_count": len(parsed.statements),
         "empty": not parsed.statements and not parsed.problems,
         # LOCK TABLES without UNLOCK TABLES: the finding goes at the LOCK TABLES.
         "tables_locked_at_end": held, "locked_text": locked_tables_text(session)},
        lock_span if held else end_span(migration, parsed.statements), None)
    return migration_report(migration, reports, migration_findings, directives, index, base)
