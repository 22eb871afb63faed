"""LOCK TABLES with an alias (`t AS x`): the server matches a statement's table by its name and
its alias both, so the entry serves `FROM t AS x` only. `INSERT INTO x` (INSERT takes no
alias), `FROM t` and `FROM u AS x` are refused, error 1100 for the name the statement uses; an
entry without an alias does not serve another table given its name as alias. Each checked on
MariaDB 10.11 (10.11.19)."""

from __future__ import annotations

import pytest

SETUP = """CREATE TABLE t (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE u (id INT PRIMARY KEY) ENGINE=InnoDB;
"""

#: (statements, the name the refusal lockwise reports, the server's error), each run on
#: MariaDB 10.11 too.
CASES = [
    ("LOCK TABLES t AS x WRITE; INSERT INTO x VALUES (1)", "x", "ERROR 1100"),
    ("LOCK TABLES t AS x WRITE; INSERT INTO t VALUES (1)", "t", "ERROR 1100"),
    ("LOCK TABLES t AS x WRITE; SELECT * FROM t", "t", "ERROR 1100"),
    ("LOCK TABLES t AS x WRITE; SELECT * FROM u AS x", "x", "ERROR 1100"),
    ("LOCK TABLES t AS x WRITE; SELECT * FROM t AS y", "y", "ERROR 1100"),
    ("LOCK TABLES t WRITE; SELECT * FROM u AS t", "t", "ERROR 1100"),
    ("LOCK TABLES t AS x READ; UPDATE t AS x SET id = id", "x", "ERROR 1099"),
    ("LOCK TABLES t AS x WRITE; SELECT * FROM t AS x", None, None),
    ("LOCK TABLES t AS x WRITE; UPDATE t AS x SET id = id", None, None),
    ("LOCK TABLES t AS x WRITE; DELETE x FROM t AS x", None, None),
    ("LOCK TABLES t AS x READ; SELECT * FROM t AS x", None, None),
]


def _refused(report) -> list[tuple[str, int]]:
    """The names the findings of mysql-table-not-locked name, with their error codes."""
    return [(a.facts["table"], a.facts["error_code"]) for s in report.statements
            for a in s.effect.actions if a.kind == "mysql_table_not_locked"]


@pytest.mark.parametrize(("sql", "refused", "error"), CASES)
def test_lockwise_refuses_what_the_server_refuses(lint_change, mariadb, sql: str, refused,
                                                  error) -> None:
    """It let `INSERT INTO x` through under `LOCK TABLES t AS x WRITE` (x was taken for a
    locked table), and `FROM u AS x` and `FROM u AS t` too: the server refuses each."""
    report = lint_change(sql.replace("; ", ";\n") + ";\nUNLOCK TABLES;", "mariadb")
    assert _refused(report) == ([(refused, int(error.split()[1]))] if refused else []), sql
    assert mariadb.run("CREATE DATABASE IF NOT EXISTS lock_alias", "mysql").returncode == 0
    assert mariadb.run(SETUP.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"),
                       "lock_alias").returncode == 0
    ran = mariadb.run(f"{sql}; UNLOCK TABLES", "lock_alias")
    assert (error in ran.stderr and f"'{refused}'" in ran.stderr) if error else \
        ran.returncode == 0, (sql, ran.stderr)


def test_the_finding_names_the_table_behind_the_alias(lint_change) -> None:
    """The finding says which table the alias stands for: `(t AS x WRITE)`, not `(x WRITE)`,
    which read as if a table x were locked."""
    report = lint_change("LOCK TABLES t AS x WRITE;\nINSERT INTO x VALUES (1);\n"
                         "UNLOCK TABLES;", "mysql")
    messages = [f.message for f in report.all_findings if f.rule == "mysql-table-not-locked"]
    assert len(messages) == 1 and "(t AS x WRITE)" in messages[0], messages
