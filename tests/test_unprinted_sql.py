"""Advice printed from a parse tree (`expression_sql`) where pglast refuses to print it says
what to write in its place (`written_sql`), never the word None. Each test makes pglast
refuse one kind of node, as a tree too deep for its printer does."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.catalog.model import Catalog
from lockwise.cli.app import app
from lockwise.core.types import Finding
from lockwise.discover import migration_from_text
from lockwise.effects import nodes
from lockwise.lint import LintOptions, lint_migrations


def _refusing(monkeypatch: pytest.MonkeyPatch, refused: str) -> None:
    """pglast refuses to build (and so print) a node of kind `refused`."""
    expression, statement = nodes._ast_node, nodes._statement_node
    nodes._printed.clear()  # (a text printed before would be taken from the cache)

    def expression_node(ast, kind: str, body: dict) -> object:
        if kind == refused:
            raise RecursionError(f"a {kind} nested too deeply to print")
        return expression(ast, kind, body)

    def statement_node(ast, kind: str, body: dict) -> object:
        if kind == refused:
            raise RecursionError(f"a {kind} nested too deeply to print")
        return statement(ast, kind, body)

    monkeypatch.setattr(nodes, "_ast_node", expression_node)
    monkeypatch.setattr(nodes, "_statement_node", statement_node)


def _findings(setup: str, sql: str, pg_version: int) -> list[Finding]:
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    options = LintOptions(pg_version=pg_version, pg_version_stated=True)
    return lint_migrations(migrations, options, Catalog())[-1].all_findings


def _instead(rule: str, setup: str, sql: str, pg_version: int = 16) -> str:
    (finding,) = [f for f in _findings(setup, sql, pg_version) if f.rule == rule]
    return finding.instead


_PARTITIONED = ("CREATE TABLE orders (id bigint PRIMARY KEY);\n"
                "CREATE TABLE lines (id bigint, order_id bigint, day date) "
                "PARTITION BY RANGE (day);\n"
                "CREATE TABLE lines_2026 PARTITION OF lines "
                "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');")


def test_a_partitioned_foreign_key_pglast_cannot_print_names_its_definition(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _refusing(monkeypatch, "Constraint")
    instead = _instead("not-valid-foreign-key-on-partitioned-table", _PARTITIONED,
                       "ALTER TABLE lines ADD CONSTRAINT lines_order_fk FOREIGN KEY (order_id) "
                       "REFERENCES orders (id) NOT VALID;", pg_version=17)
    assert "None" not in instead
    assert "ADD CONSTRAINT lines_order_fk /* replace: the definition of lines_order_fk, " \
           "as written */" in instead
    assert "/* replace: the definition of lines_order_fk, without NOT VALID, as written */" \
        in instead


_INDEXED = ("CREATE TABLE t (id bigint PRIMARY KEY, c varchar(20), d int);\n"
            "CREATE INDEX t_c_idx ON t ((c || 'x')) WHERE d > 517;")


@pytest.mark.parametrize(("refused", "said"), [
    ("IndexStmt", "/* replace: CREATE INDEX CONCURRENTLY IF NOT EXISTS t_c_idx ON the table, "
                  "with the rest of public.t_c_idx's definition, as written */ WHERE d > 517;"),
    ("A_Expr", "WHERE /* replace: the WHERE of public.t_c_idx, as written */;"),
])
def test_an_index_built_again_pglast_cannot_print_names_what_to_write(
        monkeypatch: pytest.MonkeyPatch, refused: str, said: str) -> None:
    """The index's head and its WHERE are printed apart: each says what it stands for."""
    _refusing(monkeypatch, refused)
    instead = _instead("column-type-change-reads-table", _INDEXED,
                       "ALTER TABLE t ALTER COLUMN c TYPE varchar(40);")
    assert "None" not in instead
    assert said in instead


def test_statistics_made_again_pglast_cannot_print_are_named(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "1_a.up.sql").write_text(
        "CREATE TABLE t (id bigint PRIMARY KEY, c int, d int);\n"
        "CREATE STATISTICS t_c_e ON (c + 1), d FROM t;\n")
    (tmp_path / "2_b.up.sql").write_text("ALTER TABLE t ALTER COLUMN c TYPE bigint;\n")
    _refusing(monkeypatch, "CreateStatsStmt")
    result = CliRunner().invoke(app, ["fix", str(tmp_path), "--write"])
    assert result.exit_code == 0, result.output
    written = "".join(p.read_text() for p in sorted(tmp_path.glob("*_contract.up.sql")))
    assert "None" not in written
    assert "/* replace: CREATE STATISTICS public.t_c_e as defined, with c read as c_new, " \
           "as written */" in written
