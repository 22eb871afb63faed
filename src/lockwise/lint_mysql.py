"""The lint pipeline for MySQL and MariaDB: the same stages as lint.py, other facts.

parse/mysql.py (sqlglot) -> effects/mysql.py (algorithm, rebuild, lock per ALTER operation)
-> the rules whose `dialects` include mysql/mariadb -> the same reports.
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog
from lockwise.core.types import Finding, Migration, MigrationReport, Safety, StatementReport
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
)
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
from lockwise.parse.mysql import parse_mysql
from lockwise.rules.directives import parse_directive
from lockwise.rules.engine import RuleIndex


def server_version(options: LintOptions) -> tuple[int, ...]:
    if options.server_version:
        return parse_server_version(options.server_version)
    return DEFAULT_VERSIONS[options.dialect]


def analyze_mysql_migration(migration: Migration, catalog: Catalog, index: RuleIndex,
                            options: LintOptions) -> MigrationReport:
    """Judge one MySQL/MariaDB migration, moving the catalog past it."""
    parsed = parse_mysql(migration.up_sql, options.dialect, server_version(options))
    file_directives = [d for text, span in parsed.comments
                       if (d := parse_directive(text, span)) and d.file_level]
    judge = Judge(index, migration, file_directives)
    session = MySQLSession(flavour=options.dialect, version=server_version(options))
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
        effect = compute_mysql_effect(stmt.tree, catalog, session)
        # `lockwise apply` runs PostgreSQL only (docs/mysql.md): no directive batches a
        # MySQL or MariaDB statement, so none is a promise of batches (`batched_by_apply`).
        context = {**base, **effect_facts(effect), "batch_directive": False}
        findings: list[Finding] = []
        seen: dict[tuple, tuple] = {}
        for action in effect.actions:
            facts = {**context, **action.facts, "action": action.kind}
            # a finding about a word inside the statement (a program's LOCK TABLES) is there
            span = span_within(stmt, *action.facts["at"]) if "at" in action.facts else stmt.span
            findings += judge.judge(facts, span, stmt.index, stmt_directives, seen)
        accepted = not refused(effect.actions)  # what the server refuses runs nothing
        # (but MariaDB's refused DROP TABLE drops the rest of its list)
        if accepted or drops_in_part(effect.actions, session.flavour):
            apply_mysql_statement(catalog, stmt.tree, migration.id, session)
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
