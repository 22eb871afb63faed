"""A rule's documentation page, generated from its rule file (used by `explain` and docs/)."""

from __future__ import annotations

from lockwise.rules.instead_lines import TEXT, instead_blocks
from lockwise.rules.model import Rule


def instead_markdown(text: str) -> list[str]:
    """An `instead` as markdown lines: its SQL fenced as ```sql, its shell command lines as
    ```sh, its advice in words as a paragraph (not code)."""
    out: list[str] = []
    for kind, block in instead_blocks(text):
        out += [block, ""] if kind == TEXT else [f"```{kind}", block, "```", ""]
    return out


def rule_markdown(rule: Rule) -> str:
    lines = [f"# {rule.id}", "", f"**{rule.title}** — safety: `{rule.safety.label}`", ""]
    if rule.strategy:
        lines += [f"Suggested strategy: {rule.strategy.value}.", ""]
    lines += ["## What it does", "", rule.message, ""]
    if rule.message_mysql:
        lines += ["On MySQL and MariaDB:", "", rule.message_mysql, ""]
    lines += ["## Why is this bad?", "", rule.why, ""]
    if rule.why_mysql:
        lines += ["On MySQL and MariaDB:", "", rule.why_mysql, ""]
    lines += ["## Use instead", "", *instead_markdown(rule.instead)]
    if rule.instead_outside_transaction:
        lines += ["Outside a transaction block:", "",
                  *instead_markdown(rule.instead_outside_transaction)]
    if rule.instead_mysql:
        lines += ["On MySQL and MariaDB:", "", *instead_markdown(rule.instead_mysql)]
    bad = [e for e in rule.examples if e.bad]
    good = [e for e in rule.examples if not e.bad]
    for title, group in (("Examples that trigger the rule", bad),
                         ("Examples that pass", good)):
        if not group:
            continue
        lines += [f"## {title}", ""]
        for e in group:
            context = []
            if e.pg_version:
                context.append(f"PostgreSQL {e.pg_version}")
            if e.layout:
                context.append(f"{e.layout} layout")
            if e.in_transaction is not None:
                context.append("inside a transaction" if e.in_transaction
                               else "outside a transaction")
            if context or e.note:
                lines.append(f"*{'; '.join(context + ([e.note] if e.note else []))}*")
                lines.append("")
            if e.setup:
                lines += ["```sql", f"-- earlier migrations:\n{e.setup}", "```"]
            lines += ["```sql", e.sql, "```", ""]
    return "\n".join(lines).rstrip() + "\n"
