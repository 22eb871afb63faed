"""MySQL's JSON operators `->` and `->>` (MySQL 5.7's; temporal's generated columns use them)
on MariaDB, which has neither (fix-mysql53): error 1064 at the `>` after the `-`, which it
reads as a minus (checked on MariaDB 10.11 below). lockwise read them as MySQL does and said
nothing under --dialect mariadb."""

from __future__ import annotations

import re

import pytest

SETUP = "CREATE TABLE ev (id INT PRIMARY KEY, sa JSON, w VARCHAR(255));\n"
#: (a statement MariaDB refuses, the text its 1064 is near, the function to write instead).
REFUSED = [
    ("ALTER TABLE ev ADD COLUMN w2 VARCHAR(255) GENERATED ALWAYS AS (sa->>\"$.w\")",
     ">>\"$.w\")", "JSON_UNQUOTE(JSON_EXTRACT"),
    ("ALTER TABLE ev ADD COLUMN b JSON GENERATED ALWAYS AS (sa->'$.b')", ">'$.b')",
     "JSON_EXTRACT(c, path)"),
    ("UPDATE ev SET w = 'x' WHERE sa->>'$.k' = 'y'", ">>'$.k' = 'y'", "JSON_UNQUOTE"),
]
#: What MariaDB runs in their place.
READ = [
    "ALTER TABLE ev ADD COLUMN w2 VARCHAR(255) GENERATED ALWAYS AS "
    "(JSON_UNQUOTE(JSON_EXTRACT(sa, '$.w')))",
    "UPDATE ev SET w = 'x' WHERE JSON_EXTRACT(sa, '$.k') = 'y'",
    "UPDATE ev SET w = 'x' WHERE id - 1 > 0",
]


def _errors(report) -> list:
    return [f for f in report.all_findings if f.rule == "parse-error"]


@pytest.mark.parametrize(("sql", "near", "instead"), REFUSED)
def test_mariadb_refuses_mysql_s_json_operators(lint_change, sql: str, near: str,
                                               instead: str) -> None:
    change = f"{sql};"
    (error,) = _errors(lint_change(change, "mariadb"))
    assert f"error 1064 near '{near}'" in error.message, error.message
    assert instead in error.message
    assert error.span is not None and error.span.column == change.index(near) + 1


@pytest.mark.parametrize(("sql", "near", "instead"), REFUSED)
def test_mysql_reads_them(lint_change, sql: str, near: str, instead: str) -> None:
    assert _errors(lint_change(f"{sql};", "mysql")) == []


@pytest.mark.parametrize("sql", READ)
def test_mariadb_s_own_forms_are_read(lint_change, sql: str) -> None:
    assert _errors(lint_change(f"{sql};", "mariadb")) == []


# --- checked on MariaDB ----------------------------------------------------------------------

@pytest.mark.parametrize(("sql", "near", "instead"), REFUSED)
def test_mariadb_stops_at_the_greater_than(mariadb, sql: str, near: str, instead: str) -> None:
    mariadb.fresh("jops", SETUP)
    ran = mariadb.run(sql, "jops", whole=True)
    found = re.search(r"ERROR 1064 .* near '(.*)' at line", ran.stderr)
    assert found is not None and found.group(1) == near, (sql, ran.stderr)


@pytest.mark.parametrize("sql", READ)
def test_mariadb_runs_the_functions(mariadb, sql: str) -> None:
    mariadb.fresh("jops", SETUP)
    ran = mariadb.run(sql, "jops")
    assert ran.returncode == 0, (sql, ran.stderr)
