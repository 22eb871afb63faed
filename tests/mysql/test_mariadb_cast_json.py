"""MySQL's CAST(x AS JSON) and CONVERT(x, JSON) on MariaDB (fix-mysql56, found in ory/hydra's
MySQL history, whose UPDATEs build JSON arrays with `cast(concat(...) as json)`): MariaDB has
no JSON type to cast to (its JSON column is LONGTEXT with a JSON_VALID check) and answers
1064 at the JSON (checked on MariaDB 10.11 below). lockwise said nothing under --dialect
mariadb."""

from __future__ import annotations

import re

import pytest

SETUP = "CREATE TABLE cl (id INT PRIMARY KEY, uris TEXT, uris_json JSON);\n"
#: (a statement MariaDB refuses, the text its 1064 is near, the form lockwise names).
REFUSED = [
    ("UPDATE cl SET uris_json = cast(concat('[\"', REPLACE(uris, '|', '\",\"'), '\"]') as json)"
     " WHERE uris <> ''", "json) WHERE uris <> ''", "CAST(... AS JSON)"),
    ("UPDATE cl SET uris_json = CONVERT(uris, JSON)", "JSON)", "CONVERT(..., JSON)"),
    ("SELECT CAST( uris  AS   Json ) FROM cl", "Json ) FROM cl", "CAST(... AS JSON)"),
    ("ALTER TABLE cl ADD COLUMN g TEXT AS (CAST(uris AS JSON))", "JSON))", "CAST(... AS JSON)"),
]
#: What MariaDB runs in their place, and JSON words that are no cast's type.
READ = [
    "UPDATE cl SET uris_json = concat('[\"', REPLACE(uris, '|', '\",\"'), '\"]') "
    "WHERE uris <> ''",
    "UPDATE cl SET uris_json = JSON_ARRAY(uris)",
    "SELECT CAST(uris AS CHAR), CONVERT(uris, CHAR) FROM cl",
    "ALTER TABLE cl ADD COLUMN j2 JSON",
    "SELECT JSON_VALID(uris) AS json FROM cl",
]


def _errors(report) -> list:
    return [f for f in report.all_findings if f.rule == "parse-error"]


@pytest.mark.parametrize(("sql", "near", "written"), REFUSED)
def test_mariadb_has_no_json_to_cast_to(lint_change, sql: str, near: str,
                                        written: str) -> None:
    change = f"{sql};"
    (error,) = _errors(lint_change(change, "mariadb"))
    assert f"error 1064 near '{near}'" in error.message, error.message
    assert f"MySQL's {written}" in error.message
    assert "write the expression without the cast" in error.message
    assert error.span is not None and error.span.column == change.index(near) + 1


@pytest.mark.parametrize(("sql", "near", "written"), REFUSED)
def test_mysql_casts_to_json(lint_change, sql: str, near: str, written: str) -> None:
    assert _errors(lint_change(f"{sql};", "mysql")) == []


@pytest.mark.parametrize("sql", READ)
def test_mariadb_s_own_forms_are_read(lint_change, sql: str) -> None:
    assert _errors(lint_change(f"{sql};", "mariadb")) == []


# --- checked on MariaDB ----------------------------------------------------------------------

@pytest.mark.parametrize(("sql", "near", "written"), REFUSED)
def test_mariadb_stops_at_the_json(mariadb, sql: str, near: str, written: str) -> None:
    mariadb.fresh("cjson", SETUP)
    ran = mariadb.run(sql, "cjson", whole=True)
    found = re.search(r"ERROR 1064 .* near '(.*)' at line", ran.stderr)
    assert found is not None and found.group(1) == near, (sql, ran.stderr)


@pytest.mark.parametrize("sql", READ)
def test_mariadb_runs_the_forms_without_the_cast(mariadb, sql: str) -> None:
    mariadb.fresh("cjson", SETUP + "INSERT INTO cl VALUES (1, 'a|b', NULL);")
    ran = mariadb.run(sql, "cjson")
    assert ran.returncode == 0, (sql, ran.stderr)
