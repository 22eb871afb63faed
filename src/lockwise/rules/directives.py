"""Ignore directives in SQL comments.

  -- lockwise: ignore[rule-id, other-rule] reason: why this is fine here
  -- lockwise: ignore-file[rule-id] reason: ...
  -- squawk-ignore rule-id            (squawk's form, understood so teams can switch)
  -- squawk-ignore-file rule-id
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lockwise.core.lazy_re import lazy_compile
from lockwise.core.types import Span

_LOCKWISE = lazy_compile(
    r"lockwise:\s*(?P<scope>ignore-file|ignore)\s*(?:\[(?P<rules>[^\]]*)\])?\s*"
    r"(?:reason:\s*(?P<reason>.*?))?\s*(?:\*/)?\s*$", re.IGNORECASE)
_SQUAWK = lazy_compile(r"squawk-(?P<scope>ignore-file|ignore)\b\s*(?P<rules>[\w\-, ]*)",
                       re.IGNORECASE)

#: Ids of rules merged into another, as configs, --select/--ignore and ignore directives
#: written for an earlier release may still name them: they name the rule that judges it now.
RENAMED_RULES = {
    # Waiting for SHARE ROW EXCLUSIVE is one case of waiting for a write-blocking lock.
    "trigger-without-lock-timeout": "missing-lock-timeout",
}


def current_rule_ids(names: Iterable[str]) -> list[str]:
    """`names` (rule ids, tags, kinds of conflict) with the ids of merged rules replaced."""
    return [RENAMED_RULES.get(n, n) for n in names]


#: The reason a `squawk-ignore` comment's directive gives (squawk has no reason syntax).
SQUAWK_REASON = "squawk-ignore"

#: squawk rule names -> lockwise rule ids, for `squawk-ignore` comments.
SQUAWK_ALIASES = {
    "require-concurrent-index-creation": "index-without-concurrently",
    "require-concurrent-index-deletion": "drop-index-without-concurrently",
    "adding-field-with-default": "add-column-volatile-default",
    "adding-not-nullable-field": "set-not-null",
    "adding-foreign-key-constraint": "add-foreign-key-validated",
    "constraint-missing-not-valid": "add-check-validated",
    "changing-column-type": "column-type-change-rewrites",
    "ban-drop-column": "drop-column",
    "ban-drop-table": "drop-table",
    "renaming-column": "rename-column",
    "renaming-table": "rename-table",
    "require-timeout-settings": "missing-lock-timeout",
    "disallowed-unique-constraint": "add-unique-constraint",
    # squawk's rule is about ADD PRIMARY KEY building its index under ACCESS EXCLUSIVE.
    "adding-serial-primary-key-field": "add-unique-constraint",
    "ban-concurrent-index-creation-in-transaction": "concurrently-in-transaction",
    "transaction-nesting": "nested-transaction",
    "adding-required-field": "add-column-not-null-without-default",
    "ban-alter-domain-with-add-constraint": "alter-domain-add-constraint",
    "ban-char-field": "ban-char-column",
    "ban-create-domain-with-constraint": "create-domain-with-constraint",
    "ban-drop-database": "drop-database",
    "ban-truncate-cascade": "truncate-cascade",
    "prefer-big-int": "prefer-bigint",
    "prefer-bigint-over-int": "prefer-bigint",
    "prefer-bigint-over-smallint": "prefer-bigint",
    "prefer-identity": "prefer-identity",
    "prefer-robust-stmts": "missing-if-exists",
    "prefer-text-field": "prefer-text-over-varchar",
    "prefer-timestamptz": "prefer-timestamptz",
    "ban-uncommitted-transaction": "unclosed-transaction",
    # names used by newer squawk releases (2.x)
    "prefer-timestamp-tz": "prefer-timestamptz",
    "require-lock-timeout": "missing-lock-timeout",
    "require-statement-timeout": "missing-statement-timeout",
    "require-concurrent-reindex": "reindex-without-concurrently",
    "renaming-object": "rename-object",
    "identifier-too-long": "identifier-too-long",
    "ban-drop-schema": "drop-schema",
    "ban-drop-view": "drop-object",
    "ban-drop-function": "drop-object",
    "ban-drop-type": "drop-object",
    "ban-drop-sequence": "drop-object",
    "require-enum-value-ordering": "enum-value-position",
    # ban-drop-not-null has no equivalent: DROP NOT NULL only relaxes a constraint and takes a
    # brief ACCESS EXCLUSIVE lock (covered by missing-lock-timeout); see docs/peer-comparison.md.
}


#: `-- lockwise: batch size=N sleep=MS`: `lockwise apply` runs the statement in key-range
#: batches (executor/batches.py reads the settings).
BATCH_DIRECTIVE = lazy_compile(r"lockwise:\s*batch\b(?P<args>[^\n]*)", re.IGNORECASE)


class Directive:
    """A `lockwise: ignore` (or squawk) comment: the rules it silences, where, and why. (Not a
    dataclass: read in place, never compared, copied or printed, and making a dataclass costs
    every lint about 1 M instructions.)"""

    __slots__ = ("file_level", "reason", "rules", "span", "text", "used")

    def __init__(self, rules: frozenset[str], reason: str, file_level: bool, span: Span | None,
                 text: str, used: int = 0) -> None:
        self.rules = rules  # empty = all rules
        self.reason = reason
        self.file_level = file_level
        self.span = span
        self.text = text
        self.used = used

    def covers(self, rule_id: str) -> bool:
        return not self.rules or rule_id in self.rules


#: The start of a lockwise ignore directive, whatever follows.
_ATTEMPT = lazy_compile(r"lockwise:\s*ignore", re.IGNORECASE)


def may_hold_directive(comment: str) -> bool:
    """Whether `comment` may hold a directive (each pattern above needs `lockwise:` or
    `squawk-`, in any case): they are searched only then. Most comments hold none, and a
    case-blind pattern is tried at every position of the text, about 100 instructions a
    character; `lower()` and a substring search cost a few. The substrings leave out `i` and
    `s`, the letters IGNORECASE also finds as characters `lower()` does not give them (İ, ı;
    ſ): a comment a pattern reads a directive from always passes."""
    lowered = comment.lower()
    return "lockw" in lowered or "quawk-" in lowered


def malformed_directive(comment: str) -> bool:
    """A comment that starts a lockwise ignore directive but does not parse as one
    (`ignore[drop-column] because ...`, no `reason:`): it ignores nothing, which its writer
    does not expect, so it is reported (rule invalid-directive) rather than passed over."""
    return may_hold_directive(comment) and _ATTEMPT.search(comment) is not None and \
        parse_directive(comment) is None


def parse_directive(comment: str, span: Span | None = None) -> Directive | None:
    """The ignore directive in one comment, or None."""
    if not may_hold_directive(comment):
        return None
    body = comment.strip()
    body = body[2:] if body.startswith("--") else body.strip("/*").strip()
    match = _LOCKWISE.search(body)
    if match:
        rules = frozenset(current_rule_ids(
            r.strip() for r in (match.group("rules") or "").split(",") if r.strip()))
        return Directive(rules, (match.group("reason") or "").strip(),
                         match.group("scope").lower() == "ignore-file", span, comment.strip())
    match = _SQUAWK.search(body)
    if match:
        names = [r.strip() for r in match.group("rules").split(",") if r.strip()]
        rules = frozenset(SQUAWK_ALIASES.get(n, n) for n in names)
        # squawk has no reason syntax: the comment itself is the team's record.
        return Directive(rules, SQUAWK_REASON, match.group("scope").lower() ==
                         "ignore-file", span, comment.strip())
    return None
