"""lockwise's effect of a statement after a setup replayed into a fresh catalog (what the
server does with it: server_helpers.py)."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType

import pytest

from lockwise.catalog.model import Catalog
from lockwise.catalog.replay import apply_statement
from lockwise.core.types import Effect
from lockwise.effects.context import Context
from lockwise.effects.postgres import compute_effect
from lockwise.lint import LintOptions
from lockwise.parse.postgres import parse_sql


def catalog_after(setup: str) -> Catalog:
    """The catalog `setup` leaves, replayed as one migration."""
    catalog = Catalog()
    for stmt in parse_sql(setup).statements:
        apply_statement(catalog, stmt.tree, "0001")
    return catalog


def effect_after(setup: str, sql: str, pg_version: int = 18) -> Effect:
    """lockwise's effect of the one statement `sql` after replaying `setup`."""
    (stmt,) = parse_sql(sql).statements
    return compute_effect(stmt.tree, Context(catalog=catalog_after(setup), pg_version=pg_version))



def refusal_facts(setup: str, sql: str, refusal: str, options: LintOptions | None = None
                  ) -> dict:
    """The facts of the action saying `refusal` when lint, after the migration `setup`,
    says PostgreSQL refuses the one statement of the next migration, `sql`, for it; {} when
    it says no refusal, or another."""
    from lockwise.discover import migration_from_text
    from lockwise.effects.refused import statement_refusal
    from lockwise.lint import lint_migrations

    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(sql, "0002_change.sql")],
                              options or LintOptions(), Catalog())
    (stmt,) = reports[-1].statements
    if statement_refusal(stmt.effect) != refusal:
        return {}
    return next(dict(a.facts) for a in stmt.effect.actions if a.facts.get(refusal))


def watch_session_ends(monkeypatch: pytest.MonkeyPatch, module: ModuleType,
                       seen: Callable[[Catalog], set[str]]) -> list[set[str]]:
    """What `seen` finds in the catalog each time `module` ends a session, just before it ends
    (the list fills as the caller lints or builds a graph)."""
    left: list[set[str]] = []
    ended = module.end_session

    def checked(catalog: Catalog) -> None:
        left.append(seen(catalog))
        ended(catalog)

    monkeypatch.setattr(module, "end_session", checked)
    return left


def columns_made(sql: str, name: str) -> list[tuple[str, str]] | None:
    """The columns (name, type as format_type() prints it) lockwise gives relation `name`
    once `sql` is linted as one migration; None when it gives none (not made, or a column's
    type not known)."""
    from lockwise.discover import migration_from_text
    from lockwise.effects.nodes import format_type
    from lockwise.lint import LintOptions, lint_migrations

    catalog = Catalog()
    lint_migrations([migration_from_text(sql, "0001_m.sql")], LintOptions(), catalog)
    table = catalog.tables.get(name)
    if table is None or not table.columns:
        return None
    return [(c.name, format_type(c.type_name, c.typmods, c.array))
            for c in table.columns.values()]


#: A catalog with something in most of its containers: enum labels, functions, sequences,
#: domains, composite and range types, statistics, triggers, policies, a view, foreign keys
#: (a down check's fork and the copy kept at a savepoint are checked on it).
FULL_CATALOG = (
    "CREATE SCHEMA app; CREATE TYPE mood AS ENUM ('sad', 'ok');"
    "CREATE TYPE pair AS (x int, y int); CREATE TYPE span AS RANGE (subtype = int4);"
    "CREATE DOMAIN positive AS int CHECK (VALUE > 0); CREATE SEQUENCE s;"
    "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';"
    "CREATE TABLE a (id int PRIMARY KEY, m mood, p positive, n int DEFAULT nextval('s'));"
    "CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a, note text);"
    "CREATE INDEX b_note ON b (note); CREATE VIEW v AS SELECT id, note FROM b;"
    "CREATE TRIGGER a_touch BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION touch();"
    "ALTER TABLE a ENABLE ROW LEVEL SECURITY;"
    "CREATE POLICY own ON a USING (id IN (SELECT a_id FROM b));"
    "CREATE STATISTICS a_stats (dependencies) ON id, n FROM a;"
    "CREATE TABLE parted (id int) PARTITION BY RANGE (id);"
    "CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);"
    "CREATE TABLE kid (extra int) INHERITS (b);"
)
