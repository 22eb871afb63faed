"""Ignore directives in SQL comments.

  -- lockwise: ignore[rule-id, other-rule] reason: why this is fine here
  -- lockwise: ignore-file[rule-id] reason: ...
  -- squawk-ignore rule-id            (squawk's form, understood so teams can switch)
  -- squawk-ignore-file rule-id
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lockwise.core.types import Span

_LOCKWISE = re.compile(
    r"lockwise:\s*(?P<scope>ignore-file|ignore)\s*(?:\[(?P<rules>[^\]]*)\])?\s*"
    r"(?:reason:\s*(?P<reason>.*?))?\s*(?:\*/)?\s*$", re.IGNORECASE)
_SQUAWK = re.compile(r"squawk-(?P<scope>ignore-file|ignore)\b\s*(?P<rules>[\w\-, ]*)",
                     re.IGNORECASE)

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
    "adding-serial-primary-key-field": "add-column-volatile-default",
    "ban-concurrent-index-creation-in-transaction": "concurrently-in-transaction",
    "transaction-nesting": "nested-transaction",
}


@dataclass(slots=True)
class Directive:
    rules: frozenset[str]  # empty = all rules
    reason: str
    file_level: bool
    span: Span | None
    text: str
    used: int = field(default=0)

    def covers(self, rule_id: str) -> bool:
        return not self.rules or rule_id in self.rules


def parse_directive(comment: str, span: Span | None = None) -> Directive | None:
    """The ignore directive in one comment, or None."""
    body = comment.strip()
    body = body[2:] if body.startswith("--") else body.strip("/*").strip()
    match = _LOCKWISE.search(body)
    if match:
        rules = frozenset(r.strip() for r in (match.group("rules") or "").split(",") if r.strip())
        return Directive(rules, (match.group("reason") or "").strip(),
                         match.group("scope").lower() == "ignore-file", span, comment.strip())
    match = _SQUAWK.search(body)
    if match:
        names = [r.strip() for r in match.group("rules").split(",") if r.strip()]
        rules = frozenset(SQUAWK_ALIASES.get(n, n) for n in names)
        # squawk has no reason syntax: the comment itself is the team's record.
        return Directive(rules, "squawk-ignore", match.group("scope").lower() ==
                         "ignore-file", span, comment.strip())
    return None
