"""Advice in words is shown as words and command lines as shell, not as SQL: a rule's page,
`lockwise explain` and the markdown report fence only an `instead`'s SQL as ```sql."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.report.rule_docs import rule_markdown
from lockwise.report.sarif import render_sarif
from lockwise.rules.instead_lines import SH, SQL, TEXT, line_kinds
from lockwise.rules.loader import load_rules

RULES = sorted(load_rules(), key=lambda r: r.id)


def fenced(markdown: str, lang: str) -> list[str]:
    """Every line inside a ```lang block of `markdown`."""
    out: list[str] = []
    for block in re.findall(rf"^(`{{3,}}){lang}\n(.*?)\n\1$", markdown, re.M | re.S):
        out += block[1].splitlines()
    return out


def kinds(rule, kind: str) -> set[str]:
    """The lines of the rule's `instead` texts that the classification calls `kind`."""
    texts = (rule.instead, rule.instead_outside_transaction, rule.instead_mysql)
    return {line for text in texts if text for k, line in line_kinds(text)
            if k == kind and line.strip()}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_no_sql_block_of_a_rule_page_holds_prose(rule) -> None:
    page = rule_markdown(rule)
    prose = kinds(rule, TEXT)
    assert not prose & set(fenced(page, "sql")), rule.id
    for line in prose:
        assert line in page.splitlines(), f"{rule.id}: {line!r} left out"


@pytest.mark.parametrize("rule_id", ["unused-ignore", "concurrently-in-transaction",
                                     "template-placeholder", "unclosed-transaction"])
def test_explain_writes_advice_as_words(rule_id: str) -> None:
    result = CliRunner().invoke(app, ["explain", rule_id])
    assert result.exit_code == 0, result.output
    rule = next(r for r in RULES if r.id == rule_id)
    prose = kinds(rule, TEXT)
    assert prose
    assert not prose & set(fenced(result.output, "sql"))


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_no_sql_block_of_a_sarif_rule_help_holds_prose(dialect: str) -> None:
    """SARIF's rule help (GitHub code scanning shows its markdown) fences an `instead` as the
    rule pages do: prose as words, command lines as ```sh, SQL as ```sql."""
    from lockwise.core.types import Safety

    sarif = json.loads(render_sarif([], RULES, fail_on=Safety.REQUIRES_DOWNTIME,
                                    dialect=dialect))
    descriptors = {d["id"]: d for d in sarif["runs"][0]["tool"]["driver"]["rules"]}
    shown = 0
    for rule in RULES:
        help_ = descriptors[rule.id]["help"]
        instead = rule.instead_for(None, dialect)
        generic = {kind: {re.sub(r"\{(\w+)\}", r"<\1>", line)
                          for k, line in line_kinds(instead) if k == kind and line.strip()}
                   for kind in (TEXT, SH)}
        prose = generic[TEXT]
        sql = set(fenced(help_["markdown"], "sql"))
        assert not (prose | generic[SH]) & sql, rule.id
        shown += bool(prose)
        for line in prose:
            assert line in help_["markdown"].splitlines(), f"{rule.id}: {line!r} left out"
    assert shown  # some rule advises in words
    index = descriptors["index-without-concurrently"]["help"]["markdown"]
    assert any(line.startswith("CREATE INDEX CONCURRENTLY IF NOT EXISTS <index_name> ON ")
               for line in fenced(index, "sql"))


def test_sql_stays_sql_on_a_page() -> None:
    rule = next(r for r in RULES if r.id == "index-without-concurrently")
    assert kinds(rule, SQL) <= set(fenced(rule_markdown(rule), "sql"))


def test_a_table_copy_offers_its_tools_as_shell_lines(tmp_path: Path) -> None:
    path = tmp_path / "0001_widen.sql"
    path.write_text("ALTER TABLE orders MODIFY total BIGINT NOT NULL;\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["lint", str(path), "--dialect", "mysql", "-f",
                                      "markdown", "--no-cache"])
    shell = fenced(result.output, "sh")
    assert any(line.startswith("gh-ost ") for line in shell), result.output
    assert any(line.startswith("pt-online-schema-change ") for line in shell)
    assert not [line for line in fenced(result.output, "sql")
                if line.startswith(("gh-ost", "pt-online", "#"))]
    assert [k for k, _ in line_kinds("gh-ost --table=t\n# or\nALTER TABLE t;")] == \
        [SH, SH, SQL]
