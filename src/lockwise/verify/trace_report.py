"""Reports for `lockwise trace`: text, JSON (versioned) and markdown."""

from __future__ import annotations

import json
from typing import TextIO

from lockwise.effects.locks import blocks, blocks_text, relation_shown
from lockwise.verify.observe import RULE_ID
from lockwise.verify.report import one_line
from lockwise.verify.trace import TracedFile, TracedStatement, TraceResult

#: Version of the JSON report's shape; a change that removes or renames a key bumps it.
JSON_VERSION = 1
_SQL_WIDTH = 100

#: How a statement ran, by the key the JSON report gives it.
_RUN_TEXT = {
    "transaction": "in the migration's transaction",
    "autocommit": "alone (autocommit)",
    "non-transactional": "outside any transaction block (PostgreSQL refuses one; locks polled)",
}


def _run(s: TracedStatement) -> str:
    obs = s.observed
    if obs is None:
        return "not observed"
    if not obs.transactional:
        return "non-transactional"
    return "transaction" if obs.in_block else "autocommit"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


def _header(result: TraceResult) -> str:
    """`3 migrations (5 before them applied first, untraced)`."""
    n = result.targeted
    history = f" ({result.history} before {'them' if n > 1 else 'it'} applied first, " \
        "untraced)" if result.history else ""
    return _count(n, "migration") + history


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _where(f: TracedFile, line: int, column: int) -> str:
    return f"{f.migration.path}:{line}:{column}"


def _lock_text(s: TracedStatement, rel: str) -> str:
    """`ACCESS EXCLUSIVE on public.t, blocks reads, ... (predicted ...)` for one relation:
    the strongest mode held on it once the statement ran (an earlier statement of the
    transaction may have taken it), and what that blocks. Modes by the documentation's names,
    as lint's report gives them; JSON keeps pg_locks' (`AccessExclusiveLock`)."""
    assert s.observed is not None
    got, want = s.observed.locks.get(rel), s.predicted.locks.get(rel)
    held = s.held_before(rel)
    shown = relation_shown(rel)
    if got is not None and (held is None or got > held):
        seen = f"{got.sql_name} on {shown}, {blocks_text(got)}"
    elif held is not None:
        also = f"; it took {got.sql_name} besides" if got is not None else ""
        seen = (f"{held.sql_name} on {shown} already held from an earlier statement, "
                f"{blocks_text(held)}{also}")
    else:
        seen = f"no lock seen on {shown}"
    return f"{seen} (predicted {want.sql_name if want is not None else 'no lock'})"


def _rewrite_text(s: TracedStatement) -> list[str]:
    assert s.observed is not None
    existed = s.observed.existed
    predicted = {r for r in s.predicted.rewrites if r in existed}
    out = []
    for rel in sorted(predicted | s.observed.rewrites):
        seen = f"rewrote {relation_shown(rel)} (new relfilenode)" \
            if rel in s.observed.rewrites else f"{relation_shown(rel)} kept its relfilenode"
        out.append(f"{seen} (predicted {'a rewrite' if rel in predicted else 'no rewrite'})")
    return out


def _failure_text(f: TracedFile) -> str:
    assert f.failure is not None
    line, column = f.failure_position()
    code = f" [SQLSTATE {f.failure.sqlstate}]" if f.failure.sqlstate else ""
    rolled = " (its transaction was rolled back)" if f.in_transaction else ""
    return f"{_where(f, line, column)}: failed: {f.failure.message}{code}{rolled}"


def _strongest_text(f: TracedFile) -> str:
    strongest = f.strongest_lock
    if strongest is None:
        return "none on a relation that existed before"
    rel, mode = strongest
    return f"{mode.sql_name} on {relation_shown(rel)} ({blocks_text(mode)})"


def render_text(result: TraceResult, out: TextIO) -> None:
    """Each traced file's statements, observed next to predicted, then its summary."""
    seeded = f", {result.seed} synthetic rows in each new table" if result.seed else ""
    out.write(f"lockwise trace: {_header(result)} on {result.server}{seeded}\n")
    for f in result.files:
        out.write(f"\n{f.migration.path}")
        if not f.traced:
            out.write(" (history, applied before the traced migrations)\n")
        elif f.never_runs:
            out.write(" (never run by its tool)\n")
        else:
            out.write(" (one transaction)\n" if f.in_transaction else
                      " (no transaction around it)\n")
        for s in f.statements:
            _statement_text(f, s, out)
        if f.failure is not None:
            out.write(f"  {_failure_text(f)}\n")
            out.write(f"      statement: {one_line(f.failure.statement.sql, _SQL_WIDTH)}\n")
        for table, rows in f.seeded.items():
            out.write(f"  seeded {relation_shown(table)} with {rows} rows\n")
        for note in f.notes:
            out.write(f"  note: {note}\n")
        if f.traced and not f.never_runs:
            longest = f.longest
            long_text = (f"longest {longest.statement.span.line}:"
                         f"{longest.statement.span.column} ({_ms(longest.observed.seconds)}), "
                         if longest is not None and longest.observed is not None else "")
            out.write(f"  summary: {_count(len(f.statements), 'statement')} in {_ms(f.seconds)}; "
                      f"{long_text}strongest lock: {_strongest_text(f)}\n")
    _verdict(result, out)


def _statement_text(f: TracedFile, s: TracedStatement, out: TextIO) -> None:
    span = s.statement.span
    mark = "  DISAGREES" if s.disagreements else ""
    out.write(f"  {span.line}:{span.column}  {one_line(s.statement.sql, _SQL_WIDTH)}{mark}\n")
    if s.skipped:
        out.write(f"      skipped: {s.skipped}\n")
        return
    if s.observed is None:
        out.write("      transaction control, run as written\n")
        return
    relations = s.relations
    for rel in relations:
        out.write(f"      lock: {_lock_text(s, rel)}\n")
    if not relations:
        out.write("      lock: none on an existing relation (predicted none)\n")
    for line in _rewrite_text(s):
        out.write(f"      rewrite: {line}\n")
    rows = f"; {_count(s.observed.rows, 'row')}" if s.observed.rows >= 0 else ""
    out.write(f"      ran {_RUN_TEXT[_run(s)]}{rows}; {_ms(s.observed.seconds)}\n")
    for d in s.disagreements:
        out.write(f"      DISAGREES: {d.describe()}\n")


def _verdict(result: TraceResult, out: TextIO) -> None:
    disagreements = result.disagreements
    checked = sum(s.observed is not None for f in result.files for s in f.statements)
    out.write(f"\nlockwise model check: {checked} statements observed, "
              f"{_count(len(disagreements), 'disagreement')}\n")
    for f, s, d in disagreements:
        span = s.statement.span
        out.write(f"  {_where(f, span.line, span.column)}: {RULE_ID}: {d.describe()}\n")
    failed = result.failed
    if failed is not None:
        out.write(f"\nFAILED: {_failure_text(failed)}; the run stopped there\n")
    elif not disagreements:
        out.write("every statement ran, and did what lockwise predicts\n")


def _statement_json(s: TracedStatement) -> dict:
    span = s.statement.span
    obs = s.observed
    locks = []
    for rel in s.relations:
        got, want = (obs.locks.get(rel) if obs else None), s.predicted.locks.get(rel)
        locks.append({"relation": rel, "observed": got.pg_name if got else None,
                      "predicted": want.pg_name if want else None,
                      "blocks": list(blocks(got)) if got else [],
                      "already_held": s.already_held(rel),
                      "held_before": held.pg_name if (held := s.held_before(rel)) else None})
    return {
        "line": span.line, "column": span.column, "sql": s.statement.sql,
        "skipped": s.skipped or None,
        "run": _run(s) if not s.skipped else "skipped",
        "rows": obs.rows if obs is not None and obs.rows >= 0 else None,
        "ms": round(obs.seconds * 1000, 3) if obs is not None else None,
        "locks": locks,
        "observed": None if obs is None else {
            "rewrites": sorted(obs.rewrites), "method": obs.method,
            "transactional": obs.transactional},
        "predicted": {"rewrites": sorted(s.predicted.rewrites),
                      "transactional": s.predicted.transactional},
        "disagreements": [{"kind": d.kind, "relation": d.relation or None,
                           "predicted": d.predicted, "observed": d.observed,
                           "message": d.describe()} for d in s.disagreements],
    }


def _file_json(f: TracedFile) -> dict:
    failure = None
    if f.failure is not None:
        line, column = f.failure_position()
        failure = {"line": line, "column": column, "message": f.failure.message,
                   "sqlstate": f.failure.sqlstate}
    longest, strongest = f.longest, f.strongest_lock
    return {
        "path": str(f.migration.path), "migration": f.migration.id, "traced": f.traced,
        "never_runs": f.never_runs, "transaction": f.in_transaction,
        "statements": [_statement_json(s) for s in f.statements],
        "failure": failure, "seeded": f.seeded, "notes": f.notes,
        "summary": {
            "statements": len(f.statements), "ms": round(f.seconds * 1000, 3),
            "longest": None if longest is None or longest.observed is None else {
                "line": longest.statement.span.line, "column": longest.statement.span.column,
                "ms": round(longest.observed.seconds * 1000, 3)},
            "strongest_lock": None if strongest is None else {
                "relation": strongest[0], "mode": strongest[1].pg_name},
        },
    }


def render_json(result: TraceResult, out: TextIO) -> None:
    report = {"version": JSON_VERSION, "server": result.server,
              "server_version": result.server_version, "seed": result.seed,
              "targeted": result.targeted, "history": result.history,
              "files": [_file_json(f) for f in result.files],
              "disagreements": len(result.disagreements),
              "failed": result.failed is not None}
    json.dump(report, out, indent=2)
    out.write("\n")


def render_markdown(result: TraceResult, out: TextIO) -> None:
    """A table per traced file, for a pull request comment."""
    from lockwise.report.markdown import table_cell

    out.write(f"## lockwise trace\n\n{_header(result)} on {table_cell(result.server)}"
              f"{f', {result.seed} synthetic rows in each new table' if result.seed else ''}."
              "\n")
    for f in result.files:
        out.write(f"\n### `{table_cell(str(f.migration.path))}`\n\n")
        if f.statements:
            out.write("| at | statement | locks (observed / predicted) | rewrite | ran | rows "
                      "| time |\n|---|---|---|---|---|---|---|\n")
        for s in f.statements:
            span = s.statement.span
            sql = table_cell(one_line(s.statement.sql, _SQL_WIDTH))
            if s.observed is None:
                ran = f"skipped: {s.skipped}" if s.skipped else "transaction control"
                out.write(f"| {span.line}:{span.column} | `{sql}` | | | {table_cell(ran)} "
                          f"| | |\n")
                continue
            locks = "<br>".join(table_cell(_lock_text(s, r)) for r in s.relations) or "none"
            rewrite = "<br>".join(table_cell(t.replace("rewrote", "rewritten:", 1))
                                  for t in _rewrite_text(s))
            rows = str(s.observed.rows) if s.observed.rows >= 0 else ""
            mark = "".join(f"<br>**disagrees**: {table_cell(d.describe())}"
                           for d in s.disagreements)
            out.write(f"| {span.line}:{span.column} | `{sql}` | {locks}{mark} | {rewrite} | "
                      f"{_run(s)} | {rows} | {_ms(s.observed.seconds)} |\n")
        if f.failure is not None:
            out.write(f"\n**{table_cell(_failure_text(f))}**\n")
        if f.notes:  # what the text and JSON reports say of the file too
            out.write("\n" + "".join(f"- note: {table_cell(note)}\n" for note in f.notes))
        if f.traced and not f.never_runs:
            out.write(f"\n{_count(len(f.statements), 'statement')} in {_ms(f.seconds)}; "
                      f"strongest lock {table_cell(_strongest_text(f))}.\n")
    out.write(f"\n{_count(len(result.disagreements), 'disagreement')} with lockwise's model"
              f"{'; a statement failed' if result.failed is not None else ''}.\n")


def exit_reason(result: TraceResult) -> str | None:
    """Why `trace` exits 1, or None: a failed statement, or the model disagreeing."""
    failed, n = result.failed, len(result.disagreements)
    reasons = []
    if failed is not None and not failed.server_lacks:
        reasons.append(f"a statement failed on the server ({_failure_text(failed)})")
    if n:
        reasons.append(f"lockwise's model disagreed with the server {_count(n, 'time')}")
    return "; ".join(reasons) or None

