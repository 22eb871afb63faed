"""The terminal report: per migration, per statement, what it locks, what it blocks, the fix."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from lockwise.core.types import Finding, MigrationReport, Safety, StatementReport
from lockwise.effects.refused import refused_note
from lockwise.report.statement_lines import (
    NOT_IN_TRANSACTION,
    held_locks,
    level_from,
    rewritten,
    scanned,
)

if TYPE_CHECKING:
    from rich.console import Console

_STYLE = {
    Safety.SAFE: "green", Safety.SAFE_WITH_CARE: "yellow",
    Safety.REQUIRES_DOWNTIME: "red", Safety.DESTRUCTIVE: "bold magenta",
}


def _frame(sql: str, first_line: int, limit: int = 6) -> list[str]:
    lines = sql.splitlines() or [""]
    width = len(str(first_line + min(len(lines), limit) - 1))
    out = [f"  {first_line + i:>{width}} | {text}" for i, text in enumerate(lines[:limit])]
    if len(lines) > limit:
        out.append(f"  {'':>{width}} | ... ({len(lines) - limit} more lines)")
    return out


def _statement_lines(s: StatementReport, verbose: bool) -> list[tuple[str, str]]:
    """(text, style) pairs for one statement."""
    e = s.effect
    out: list[tuple[str, str]] = []
    head = f"  [{s.safety.label}] statement {s.statement.index + 1} (line {s.statement.span.line})"
    head += f": {e.action.replace('_', ' ')}{level_from(s)}"
    out.append((head, _STYLE[s.safety]))
    if not verbose and not s.findings:
        return out
    out.extend((line, "dim") for line in _frame(s.statement.sql, s.statement.span.line))
    if refused := refused_note(e):
        out.append((f"    refused: {refused}", ""))
    else:
        out.extend(_work_lines(s))
    for f in s.findings:
        out.extend(_finding_lines(f))
    return out


def _work_lines(s: StatementReport) -> list[tuple[str, str]]:
    """The locks, rewrites, scans and estimate of a statement that runs."""
    e = s.effect
    out = [(f"    lock: {held}, {what}", "") for held, what in held_locks(e)]
    if e.rewrites:
        out.append((f"    rewrites: {', '.join(rewritten(e))}", ""))
    out.extend((f"    scans: {rel} ({why})", "") for rel, why in scanned(e))
    if s.estimated_seconds is not None:
        out.append((f"    estimate: ~{_secs(s.estimated_seconds)}, blocks others ~"
                    f"{_secs(s.lock_seconds or 0)}", ""))
    elif s.cost_note:
        out.append((f"    estimate: none ({s.cost_note})", ""))
    if not e.transactional:
        out.append((f"    {NOT_IN_TRANSACTION}", ""))
    return out


def _secs(seconds: float) -> str:
    from lockwise.cost.model import human_seconds

    return human_seconds(seconds)


def _migration_estimate(r: MigrationReport) -> str:
    """` (~12.0 s, blocks others ~3.1 s)` when the cost model estimated every statement."""
    known = [s for s in r.statements if s.estimated_seconds is not None]
    if not known:
        return ""
    total = sum(s.estimated_seconds or 0 for s in known)
    locked = sum(s.lock_seconds or 0 for s in known)
    partial = "" if len(known) == len(r.statements) else \
        f", {len(r.statements) - len(known)} statement(s) not estimated"
    return f"  (~{_secs(total)}, blocks others ~{_secs(locked)}{partial})"


def _finding_lines(f: Finding) -> list[tuple[str, str]]:
    where = f"{f.path}:{f.span.line}:{f.span.column}" if f.span else str(f.path)
    out = [(f"    {where}: {f.rule} [{f.safety.label}] {f.message}", _STYLE[f.safety])]
    if f.instead:
        out.append(("    instead:", "bold"))
        out.extend((f"      {line}", "cyan") for line in f.instead.splitlines())
    return out


def _is_terminal(out: TextIO) -> bool:
    if os.environ.get("FORCE_COLOR") or os.environ.get("TTY_COMPATIBLE") == "1":
        return True  # rich would colour anyway: let it
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def writes_plain(out: TextIO, color: bool | None) -> bool:
    """Whether a report to `out` is printed without rich: no colour was asked for, or (by
    default) `out` is not a terminal. Importing rich costs more than linting a small file,
    and pre-commit hooks and CI logs are not terminals."""
    return color is False or (color is None and not _is_terminal(out))


def rich_console(out: TextIO, color: bool | None) -> Console:
    """The rich console a coloured report is printed through. A terminal that says it has no
    columns (`COLUMNS=0`, a pseudo-terminal not yet sized) made rich print nothing at all:
    the report was lost, its exit code kept. Lines are never wrapped (`soft_wrap`), so such
    a console gets rich's default width instead."""
    from rich.console import Console

    console = Console(file=out, force_terminal=color, no_color=color is False,
                      highlight=False, soft_wrap=True)
    if console.width < 1:
        console.width = 80
    return console


#: Control characters quoted from a migration (an identifier, a comment) shown as `\x1b`:
#: printed raw, an ESC would drive the terminal (colours, cursor moves, its title). Tab is
#: expanded and newline kept; CR is dropped, as rich drops it (a CRLF file's line ends).
_CONTROL: dict[int, str | None] = {
    code: f"\\x{code:02x}" for code in (*range(0x20), 0x7F, *range(0x80, 0xA0))
    if code not in (9, 10)}
_CONTROL[13] = None


def visible(text: str) -> str:
    """`text` with its control characters shown as escapes (see _CONTROL)."""
    return text if text.isprintable() else text.translate(_CONTROL)


def plain(text: str) -> str:
    """What rich prints for the `visible` text without colour: tabs expanded."""
    if not text.isprintable():
        text = text.translate(_CONTROL)
        if "\t" in text:
            text = text.expandtabs(8) if text.isascii() else _expand_tabs_by_cells(text)
    return text


def _expand_tabs_by_cells(text: str) -> str:
    """Tabs expanded as rich expands them: tab stops count terminal cells, where a wide
    character takes two and a zero-width one none (str.expandtabs counts characters)."""
    from rich.text import Text

    expanded = Text(text)
    expanded.expand_tabs(8)
    return expanded.plain


class TextPrinter:
    """The human report printed migration by migration (`add`), then its summary (`end`):
    a 10,000-file report is never held whole, and lint need not hold the reports it printed.
    Colour only on a terminal (or when forced): without it, rich is not imported (see
    `writes_plain`)."""

    def __init__(self, out: TextIO, *, verbose: bool = False, color: bool | None = None
                 ) -> None:
        self._out, self._verbose = out, verbose
        self._console = None if writes_plain(out, color) else rich_console(out, color)
        #: How many migrations of each level were printed.
        self.counts = {s: 0 for s in Safety}

    def add(self, r: MigrationReport) -> None:
        """Print one migration's part of the report."""
        self.counts[r.safety] += 1
        head = f"{r.migration.where}  [{r.safety.label}] {r.reason}{_migration_estimate(r)}"
        if self._console is None:
            lines = [head]
            for f in r.findings:
                lines.extend(text for text, _ in _finding_lines(f))
            for s in r.statements:
                lines.extend(text for text, _ in _statement_lines(s, self._verbose))
            if "".join(lines).isprintable():  # nearly always: one C pass, not a call a line
                self._out.write("\n".join(lines) + "\n")  # one write per migration
            else:
                self._out.write("".join(plain(line) + "\n" for line in lines))
            return
        from rich.text import Text

        console = self._console
        console.print(Text(visible(head), style=_STYLE[r.safety] + " bold"))
        for f in r.findings:
            for text, style in _finding_lines(f):
                console.print(Text(visible(text), style=style))
        for s in r.statements:
            for text, style in _statement_lines(s, self._verbose):
                console.print(Text(visible(text), style=style))

    def end(self) -> None:
        """Print the summary line: how many migrations, how many at each level."""
        summary = ", ".join(f"{n} {s.label}" for s, n in self.counts.items() if n)
        line = f"{sum(self.counts.values())} migration(s): {summary or 'nothing to lint'}"
        if self._console is None:
            self._out.write(line + "\n")
            return
        from rich.text import Text

        self._console.print(Text(line, style="bold"))


def render_text(reports: Sequence[MigrationReport], out: TextIO, *, verbose: bool = False,
                color: bool | None = None) -> None:
    """Print the human report of `reports` (see `TextPrinter`)."""
    printer = TextPrinter(out, verbose=verbose, color=color)
    for r in reports:
        printer.add(r)
    printer.end()
