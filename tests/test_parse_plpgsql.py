"""The statements a DO block runs, read from its PL/pgSQL body."""

from __future__ import annotations

import pytest

from lockwise.effects.nodes import unwrap
from lockwise.parse.plpgsql import embedded_statements


def _kinds(body: str) -> list[str]:
    return [unwrap(tree)[0] for _, tree in embedded_statements(body)]


def test_statements_in_branches_and_handlers_are_found_in_order() -> None:
    body = """
    DECLARE r record;
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'c') THEN
        ALTER TABLE users ADD CONSTRAINT c UNIQUE (token);
      END IF;
      FOR r IN SELECT id FROM users LOOP
        UPDATE users SET n = 0 WHERE id = r.id;
      END LOOP;
      CREATE INDEX IF NOT EXISTS users_parent_idx ON users (parent);
    EXCEPTION WHEN duplicate_object THEN
      DELETE FROM audit;
    END"""
    assert _kinds(body) == ["AlterTableStmt", "UpdateStmt", "IndexStmt", "DeleteStmt"]


def test_execute_of_a_constant_is_read_and_of_a_computed_string_is_not() -> None:
    trees = embedded_statements(
        "BEGIN EXECUTE 'CREATE INDEX i ON t (a) WHERE b = ''y'''; "
        "EXECUTE format('DROP TABLE %I', 'q'); END")
    assert [(sql, unwrap(tree)[0]) for sql, tree in trees] == [
        ("CREATE INDEX i ON t (a) WHERE b = 'y'", "IndexStmt")]


@pytest.mark.parametrize("body", [
    "BEGIN RAISE NOTICE 'nothing to change'; END",  # no statement word: not even parsed
    "BEGIN PERFORM pg_sleep(0); END",
    "BEGIN ALTER TABLE ( END",  # a body PL/pgSQL rejects
    "BEGIN FOR r IN SELECT 1 LOOP UPDATE t SET a = 1; END LOOP; END",  # r undeclared
    "BEGIN EXECUTE 'ALTER TABLE ('; END",  # a constant that is not SQL
])
def test_bodies_without_known_statements(body: str) -> None:
    assert embedded_statements(body) == ()


def test_a_body_holding_the_quoting_tag_is_still_read() -> None:
    assert _kinds("BEGIN UPDATE t SET note = '$lockwise$'; END") == ["UpdateStmt"]
