"""MariaDB's system-versioned tables (10.3.4 on): a CREATE TABLE's table-level `WITH SYSTEM
VERSIONING` is read (the table reaches the replayed schema), and ALTER TABLE's `ADD SYSTEM
VERSIONING` copies the table with writes waiting (ALGORITHM=COPY, LOCK=SHARED at best),
`DROP SYSTEM VERSIONING` rebuilds it in place with writes waiting (INPLACE, LOCK=SHARED):
checked on MariaDB 10.11. MySQL has no system versioning: a parse-error."""

from __future__ import annotations

import pytest
from test_mariadb_truth import _agrees

CREATE = "CREATE TABLE v (id INT PRIMARY KEY, n INT) WITH SYSTEM VERSIONING;"
PLAIN = "CREATE TABLE p (id INT PRIMARY KEY, n INT) ENGINE=InnoDB;"


def _lint(sql: str, dialect: str = "mariadb", version: str | None = None, setup: str = ""):
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    catalog = Catalog()
    *_, report = lint_migrations(
        [migration_from_text(text, f"{i}_m.sql") for i, text in enumerate((setup, sql)) if text],
        LintOptions(dialect=dialect, server_version=version), catalog)
    return report, catalog


def _parse_errors(report) -> list[tuple[int, int, str]]:
    return [(f.span.line, f.span.column, f.message) for f in report.all_findings
            if f.rule == "parse-error"]


def _plans(report) -> list[tuple[tuple[str, ...], str, bool]]:
    return [(a.facts["operations"], a.facts["algorithm"], a.facts["permits_dml"])
            for s in report.statements for a in s.effect.actions
            if a.kind == "mysql_alter_table"]


@pytest.mark.parametrize("options", ["", " ENGINE=InnoDB", " ENGINE=InnoDB COMMENT='c'"])
def test_a_system_versioned_table_reaches_the_schema(options: str) -> None:
    sql = CREATE.replace(") WITH", f"){options} WITH")
    report, catalog = _lint(sql)
    assert _parse_errors(report) == []
    assert [a.kind for s in report.statements for a in s.effect.actions] == ["create_table"]
    assert set(catalog.tables["v"].columns) == {"id", "n"}


def test_add_system_versioning_copies_the_table() -> None:
    report, _ = _lint("ALTER TABLE p ADD SYSTEM VERSIONING;", setup=PLAIN)
    assert _plans(report) == [(("add_system_versioning",), "COPY", False)]
    assert "mysql-table-copy" in {f.rule for f in report.all_findings}


def test_drop_system_versioning_rebuilds_in_place_with_writes_waiting() -> None:
    report, _ = _lint(f"{CREATE}\nALTER TABLE v DROP SYSTEM VERSIONING;\n"
                      "ALTER TABLE v ADD SYSTEM VERSIONING, ALGORITHM=COPY, LOCK=SHARED;")
    assert _plans(report) == [(("drop_system_versioning",), "INPLACE", False),
                              (("add_system_versioning",), "COPY", False)]
    assert {f.rule for f in report.all_findings} & {
        "mysql-algorithm-not-supported", "mysql-lock-not-supported"} == set()


@pytest.mark.parametrize(("statement", "refused"), [
    ("ALTER TABLE v DROP SYSTEM VERSIONING, LOCK=NONE", "mysql-lock-not-supported"),
    ("ALTER TABLE v DROP SYSTEM VERSIONING, ALGORITHM=NOCOPY",
     "mysql-algorithm-not-supported")])
def test_a_clause_the_server_refuses_is_reported(statement: str, refused: str) -> None:
    report, _ = _lint(f"{CREATE}\n{statement};")
    assert refused in {f.rule for f in report.all_findings}


@pytest.mark.parametrize("sql", [CREATE, f"{PLAIN}\nALTER TABLE p ADD SYSTEM VERSIONING;",
                                 f"{PLAIN}\nALTER TABLE p DROP SYSTEM VERSIONING;"])
def test_mysql_has_no_system_versioning(sql: str) -> None:
    report, _ = _lint(sql, dialect="mysql")
    ((line, column, message),) = _parse_errors(report)
    last = sql.splitlines()[-1]
    assert (line, column) == (len(sql.splitlines()), last.index("SYSTEM") + 1), message
    assert "MariaDB" in message, message


def test_before_10_3_4_it_is_a_parse_error() -> None:
    ((_, column, message),) = _parse_errors(_lint(CREATE, version="10.3.3")[0])
    assert column == CREATE.index("SYSTEM") + 1 and "10.3.4" in message, message
    assert _parse_errors(_lint(CREATE, version="10.3.4")[0]) == []


CASES = {
    "add_system_versioning": "ALTER TABLE p ADD SYSTEM VERSIONING",
    "drop_system_versioning": "ALTER TABLE v DROP SYSTEM VERSIONING",
}
DROPS = "DROP TABLE IF EXISTS v; DROP TABLE IF EXISTS p;"
SETUP = f"{DROPS}\n{CREATE}\n{PLAIN}\n"


@pytest.mark.parametrize("case", sorted(CASES))
def test_mariadb_agrees_on_system_versioning(mariadb, case: str) -> None:
    _agrees(mariadb, case, CASES[case], SETUP, DROPS)
