"""Batching's judgement of the triggers an UPDATE or DELETE fires (executor/batches.py
`_fired_otherwise`) reads a trigger function's body once (`_body_vars`, by its text) and
resolves the names it holds at each ask (fix-speed81): a function replaced since, or a
temporary relation made since that the body's unqualified name now means, is seen."""

from __future__ import annotations

import json

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects import nodes
from lockwise.executor import batches
from lockwise.lint import LintOptions, lint_migrations

_SETUP = ("CREATE TABLE t (id bigint PRIMARY KEY, score int NOT NULL);\n"
          "CREATE TABLE c (id bigint PRIMARY KEY, t_id bigint, n int);\n"
          "CREATE TABLE log (what text);\n")


def _function(body: str, replace: bool = False) -> str:
    return (f"CREATE {'OR REPLACE ' if replace else ''}FUNCTION f() RETURNS trigger "
            f"LANGUAGE plpgsql AS $$\nBEGIN\n  {body}\n  RETURN OLD;\nEND\n$$;\n")


_TRIGGER = "CREATE TRIGGER tr AFTER DELETE ON t FOR EACH ROW EXECUTE FUNCTION f();\n"
#: Reads c by its qualified name: a temporary c does not change what it reads.
_DELETE = "DELETE FROM t WHERE score = 1 AND id IN (SELECT t_id FROM public.c)"


def _catalog(*migrations: str) -> Catalog:
    catalog = Catalog()
    lint_migrations([migration_from_text(sql, f"{i:04}_m.sql")
                     for i, sql in enumerate(migrations, 1)],
                    LintOptions(pg_version=18), catalog)
    return catalog


def _judged(catalog: Catalog, statement: str = _DELETE) -> str | None:
    from pglast.parser import parse_sql_json

    tree = json.loads(parse_sql_json(statement))["stmts"][0]["stmt"]
    ((kind, node),) = tree.items()
    return batches.batches_read_otherwise(kind, node, catalog.aggregates,
                                          catalog.unique_columns, catalog)


def test_a_trigger_function_replaced_between_two_deletes_is_judged_anew() -> None:
    catalog = _catalog(_SETUP + _function("UPDATE c SET n = 0 WHERE t_id = OLD.id;")
                       + _TRIGGER)
    assert "row trigger tr writes public.c" in (_judged(catalog) or "")
    lint_migrations([migration_from_text(
        _function("INSERT INTO log VALUES ('gone');", replace=True), "0002_m.sql")],
        LintOptions(pg_version=18), catalog)
    assert _judged(catalog) is None
    lint_migrations([migration_from_text(
        _function("UPDATE c SET n = 0 WHERE t_id = OLD.id;", replace=True), "0003_m.sql")],
        LintOptions(pg_version=18), catalog)
    assert "row trigger tr writes public.c" in (_judged(catalog) or "")


def test_a_temporary_table_made_between_two_deletes_changes_what_the_body_writes() -> None:
    """The body's `UPDATE c` writes the session's temporary c once there is one (the server
    searches pg_temp first): the DELETE reads public.c, which the trigger then leaves."""
    catalog = _catalog(_SETUP + _function("UPDATE c SET n = 0 WHERE t_id = OLD.id;")
                       + _TRIGGER)
    assert "row trigger tr writes public.c" in (_judged(catalog) or "")
    before = nodes.use_temporary(lambda name: name == "c")  # (CREATE TEMP TABLE c ...)
    try:
        assert _judged(catalog) is None
    finally:
        nodes.use_temporary(before)
    assert "row trigger tr writes public.c" in (_judged(catalog) or "")


def test_a_trigger_body_is_parsed_once_for_several_statements(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from lockwise.parse import plpgsql

    catalog = _catalog(_SETUP + _function("UPDATE c SET n = 0 WHERE t_id = OLD.id;")
                       + _TRIGGER)
    batches._body_vars.cache_clear()
    plpgsql._cached_steps.cache_clear()
    read: list[str] = []  # (the bodies embedded_steps parsed or was asked for again)
    steps = plpgsql.embedded_steps
    monkeypatch.setattr(plpgsql, "embedded_steps",
                        lambda body, *more: read.append(body) or steps(body, *more))
    statements = [_DELETE, "DELETE FROM t WHERE score = 2",
                  "DELETE FROM t WHERE id IN (SELECT t_id FROM c WHERE n > 3)"]
    judged = [_judged(catalog, statement) for statement in statements]
    assert len(read) == 1 and batches._body_vars.cache_info().hits == 2
    assert judged[0] is not None and judged[2] is not None and judged[1] is None
