"""Flyway's undo files (`U1__x.sql`, its downs) get the placeholder values its versioned
files get (fix-pg92): the graph's down check parsed them with `${schema}` left in (a
stand-in identifier), so a down that undoes its up read as one that does not
(down-mismatch), and a refused down statement was not seen. Each verdict is held against
the server's, the values put in as Flyway puts them."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest

from lockwise.discover import discover
from lockwise.graph.build import build_graph
from lockwise.parse.postgres import parse_sql
from tree_helpers import write

_V1 = "CREATE SCHEMA ${schema};\nCREATE TABLE ${schema}.accounts (id bigint, email text);\n"
_U1 = "DROP TABLE ${schema}.accounts;\nDROP SCHEMA ${schema};\n"
_V2 = "CREATE INDEX accounts_email ON ${schema}.accounts (email);\n"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    for name in list(os.environ):
        if name.upper().startswith(("FLYWAY_", "SPRING_")):
            monkeypatch.delenv(name)


def _conflicts(root: Path, undo_index: str) -> list[tuple[str, str, int | None]]:
    write(root, {"flyway.conf": "flyway.locations=filesystem:db/migration\n"
                                "flyway.placeholders.schema=billing\n",
                 "db/migration/V1__schema.sql": _V1, "db/migration/U1__schema.sql": _U1,
                 "db/migration/V2__index.sql": _V2, "db/migration/U2__index.sql": undo_index})
    graph = build_graph(discover(root / "db/migration"))
    return [(c.kind, Path(c.locations[-1].path).name, c.locations[-1].line)
            for c in graph.conflicts]


def _first_refused_line(dsn: str, undo: str) -> int | None:
    """The line of the undo's first statement the server refuses after both versioned
    files ran, the values put in; None when it runs."""
    def put_in(sql: str) -> str:
        return sql.replace("${schema}", "billing")

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(put_in(_V1 + _V2))
        for stmt in parse_sql(put_in(undo)).statements:
            try:
                conn.execute(stmt.sql)
            except psycopg.Error:
                return stmt.span.line
        conn.execute(put_in(_U1))  # then the first undo runs too
    return None


def test_undo_files_that_undo_their_versions_say_nothing(tmp_path: Path, pg_db: str) -> None:
    undo = "DROP INDEX ${schema}.accounts_email;\n"
    assert _first_refused_line(pg_db, undo) is None
    assert _conflicts(tmp_path, undo) == []


def test_a_refused_undo_statement_is_found_with_the_values_put_in(tmp_path: Path,
                                                                  pg_db: str) -> None:
    undo = "DROP INDEX ${schema}.accounts_email;\nDROP INDEX ${schema}.accounts_email;\n"
    assert _first_refused_line(pg_db, undo) == 2
    assert _conflicts(tmp_path, undo) == [("missing-object", "U2__index.sql", 2)]
