"""MySQL's grammar for CREATE of a stored program, against MariaDB's: MySQL has no CREATE OR
REPLACE PROCEDURE / FUNCTION / TRIGGER / EVENT (only a view's), and IF NOT EXISTS for
procedures, functions and triggers arrived in 8.0.29 (an event's is older). Each is a parse
error where the server stops, saying what to write instead; MariaDB reads them all."""

from __future__ import annotations

import pytest

from lockwise.effects.mysql import parse_server_version
from lockwise.parse.mysql import parse_mysql

#: One program of each kind named `keep`, `{create}` standing for its CREATE words.
PROGRAMS = {
    "procedure": "{create} keep() SELECT 1;",
    "function": "{create} keep() RETURNS INT RETURN 1;",
    "trigger": "{create} keep BEFORE INSERT ON accounts FOR EACH ROW SET NEW.n = 1;",
    "event": "{create} keep ON SCHEDULE EVERY 1 DAY DO DELETE FROM audit;",
}


def _problems(sql: str, dialect: str = "mysql", version: str | None = None):
    return parse_mysql(sql, dialect, parse_server_version(version) if version else None
                       ).problems


@pytest.mark.parametrize("kind", sorted(PROGRAMS))
@pytest.mark.parametrize("definer", ["", "DEFINER = CURRENT_USER "])
def test_create_or_replace_of_a_program_is_a_parse_error_on_mysql(kind: str,
                                                                  definer: str) -> None:
    sql = PROGRAMS[kind].format(create=f"CREATE OR REPLACE {definer}{kind.upper()}")
    (problem,) = _problems(sql)
    # MySQL reads OR REPLACE as a view's and stops at the word that is not VIEW
    assert sql[problem.span.column - 1:].startswith(kind.upper() + " "), problem
    assert f"near '{kind.upper()}" in problem.message
    assert f"DROP {kind.upper()} IF EXISTS keep" in problem.message, problem.message


@pytest.mark.parametrize("kind", sorted(PROGRAMS))
def test_create_or_replace_of_a_program_is_read_on_mariadb(kind: str) -> None:
    sql = PROGRAMS[kind].format(create=f"CREATE OR REPLACE {kind.upper()}")
    assert _problems(sql, "mariadb") == [] and _problems(sql, "mariadb", "10.4") == []


@pytest.mark.parametrize("kind", ["procedure", "function", "trigger"])
def test_if_not_exists_before_mysql_8_0_29_is_a_parse_error(kind: str) -> None:
    sql = PROGRAMS[kind].format(create=f"CREATE {kind.upper()} IF NOT EXISTS")
    (problem,) = _problems(sql, version="8.0.28")
    assert sql[problem.span.column - 1:].startswith("IF NOT EXISTS keep"), problem
    assert "near 'IF NOT EXISTS keep" in problem.message and "8.0.29" in problem.message
    assert f"DROP {kind.upper()} IF EXISTS keep" in problem.message, problem.message
    for version in ("8.0.29", "8.4", None):
        assert _problems(sql, version=version) == [], version


def test_an_events_if_not_exists_is_older() -> None:
    sql = PROGRAMS["event"].format(create="CREATE EVENT IF NOT EXISTS")
    assert _problems(sql, version="5.7") == []


def test_create_or_replace_view_stays_valid_on_mysql() -> None:
    assert _problems("CREATE OR REPLACE VIEW v AS SELECT 1;") == []


def test_the_finding_is_a_parse_error_at_the_statement(lint_change) -> None:
    report = lint_change("SELECT 1;\nCREATE OR REPLACE PROCEDURE widen() SELECT 1;",
                         setup="CREATE TABLE accounts (id INT PRIMARY KEY);")
    assert [(f.rule, f.span.line) for f in report.all_findings] == [("parse-error", 2)]


#: MariaDB's first version with CREATE OR REPLACE and IF NOT EXISTS of each kind (None: every
#: version has it): 10.1.3 for routines (MDEV-7282), 10.1.4 for triggers and events (the
#: knowledge base's CREATE TRIGGER / CREATE EVENT: "MariaDB starting with 10.1.4").
MARIADB_SINCE = {"procedure": ("10.1.3", "10.1.3"), "function": ("10.1.3", "10.1.3"),
                 "trigger": ("10.1.4", "10.1.4"), "event": ("10.1.4", None)}


def _before(version: str) -> str:
    """The release before `version` (10.1.3 -> 10.1.2)."""
    major, minor, patch = map(int, version.split("."))
    return f"{major}.{minor}.{patch - 1}"


@pytest.mark.parametrize("kind", sorted(PROGRAMS))
def test_create_or_replace_of_a_program_before_mariadb_has_it_is_a_parse_error(kind: str
                                                                              ) -> None:
    since = MARIADB_SINCE[kind][0]
    sql = PROGRAMS[kind].format(create=f"CREATE OR REPLACE {kind.upper()}")
    for version in (_before(since), "10.0", "5.5"):
        (problem,) = _problems(sql, "mariadb", version)
        assert sql[problem.span.column - 1:].startswith(kind.upper() + " "), problem
        assert since in problem.message and f"DROP {kind.upper()} IF EXISTS keep" in \
            problem.message, problem.message
    assert _problems(sql, "mariadb", since) == []


@pytest.mark.parametrize("kind", sorted(PROGRAMS))
def test_if_not_exists_of_a_program_before_mariadb_has_it_is_a_parse_error(kind: str) -> None:
    since = MARIADB_SINCE[kind][1]
    sql = PROGRAMS[kind].format(create=f"CREATE {kind.upper()} IF NOT EXISTS")
    if since is None:  # an event's is older
        assert _problems(sql, "mariadb", "5.5") == []
        return
    (problem,) = _problems(sql, "mariadb", _before(since))
    assert sql[problem.span.column - 1:].startswith("IF NOT EXISTS keep"), problem
    assert "near 'IF NOT EXISTS keep" in problem.message and since in problem.message, \
        problem.message
    assert _problems(sql, "mariadb", since) == []


@pytest.mark.parametrize("kind", ["DATABASE", "SCHEMA"])
def test_create_or_replace_database(kind: str) -> None:
    """MariaDB's since 10.1.3 (its knowledge base, CREATE DATABASE: "The OR REPLACE clause
    was added in MariaDB 10.1.3"); MySQL has none (8.4 manual, 15.1.12 "CREATE DATABASE
    Statement"): it reads OR REPLACE as a view's and stops at the word after it."""
    sql = f"CREATE OR REPLACE {kind} shop;"
    for dialect, version in (("mysql", None), ("mysql", "8.4"), ("mariadb", "10.1.2")):
        (problem,) = _problems(sql, dialect, version)
        assert sql[problem.span.column - 1:].startswith(kind + " "), problem
        assert f"DROP {kind} IF EXISTS shop" in problem.message, problem.message
    assert _problems(sql, "mariadb", "10.1.3") == [] and _problems(sql, "mariadb") == []


def test_create_or_replace_database_runs_on_mariadb(mariadb) -> None:
    """Checked on the server (10.11): it replaces the database."""
    ran = mariadb.run("CREATE OR REPLACE DATABASE replaced_db; CREATE OR REPLACE DATABASE "
                      "replaced_db; DROP DATABASE replaced_db;", "mysql", whole=True)
    assert ran.returncode == 0, ran.stderr
