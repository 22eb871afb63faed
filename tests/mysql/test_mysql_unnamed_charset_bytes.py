"""A string column whose character set neither it nor its table named has the server's
default (character_set_server: latin1 on MariaDB before 11.6, utf8mb4 from 11.6 and on MySQL
8): its VARCHAR length bytes count in that set, and a table default a later ALTER gives
(`DEFAULT CHARSET=`) leaves it as it is, until a MODIFY naming no character set re-encodes
it into the table's (fix-mysql66). lockwise counted such a column in utf8mb4's 4 bytes, and
read a MODIFY of it after a new table default as keeping it. A column of a table that named
its default (latin1 here) takes it, and keeps it when the default changes (checked too).
Every algorithm is MariaDB 10.11's, which these tests run (its character_set_server is
latin1 with --no-defaults)."""

from __future__ import annotations

import pytest

UNNAMED = "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(60), w VARCHAR(200), KEY t_v (v));"
LATIN1 = UNNAMED[:-1] + " DEFAULT CHARSET=latin1;"
SETUP = UNNAMED

#: (table, statements before the change, the change, MariaDB 10.11's cheapest algorithm)
CASES = [
    # latin1 by the server: 200 to 256 bytes adds a length byte (a copy); 60 to 300 of an
    # indexed column in latin1 stays instant
    (UNNAMED, "", "ALTER TABLE t MODIFY w VARCHAR(256)", "COPY"),
    (UNNAMED, "", "ALTER TABLE t MODIFY w VARCHAR(255)", "INSTANT"),
    (UNNAMED, "", "ALTER TABLE t MODIFY v VARCHAR(100)", "INSTANT"),
    (UNNAMED, "", "ALTER TABLE t MODIFY v VARCHAR(300)", "INSTANT"),
    # a new table default: the MODIFY re-encodes into it; naming latin1 keeps the column
    (UNNAMED, "ALTER TABLE t DEFAULT CHARSET=utf8mb4;", "ALTER TABLE t MODIFY w VARCHAR(255)",
     "COPY"),
    (UNNAMED, "ALTER TABLE t DEFAULT CHARSET=utf8mb4;",
     "ALTER TABLE t MODIFY w VARCHAR(255) CHARACTER SET latin1", "INSTANT"),
    (UNNAMED, "ALTER TABLE t DEFAULT CHARSET=latin1;", "ALTER TABLE t MODIFY v VARCHAR(100)",
     "INSTANT"),
    # the table's own default: the columns take it, and keep it when it changes
    (LATIN1, "", "ALTER TABLE t MODIFY w VARCHAR(255)", "INSTANT"),
    (LATIN1, "", "ALTER TABLE t MODIFY w VARCHAR(256)", "COPY"),
    (LATIN1, "ALTER TABLE t DEFAULT CHARSET=utf8mb4;",
     "ALTER TABLE t MODIFY w VARCHAR(255) CHARACTER SET latin1", "INSTANT"),
    (LATIN1, "ALTER TABLE t DEFAULT CHARSET=utf8mb4;",
     "ALTER TABLE t MODIFY w VARCHAR(256) CHARACTER SET latin1", "COPY"),
    (LATIN1, "ALTER TABLE t DEFAULT CHARSET=utf8mb4;", "ALTER TABLE t MODIFY w VARCHAR(255)",
     "COPY"),
    (LATIN1, "ALTER TABLE t DEFAULT CHARSET=utf8mb4;", "ALTER TABLE t ADD COLUMN x VARCHAR(70)",
     "INSTANT"),
]


@pytest.mark.parametrize(("table", "before", "change", "algorithm"), CASES)
def test_lockwise(alter_algorithm, lint_change, table: str, before: str, change: str,
                  algorithm: str) -> None:
    assert alter_algorithm(lint_change(change + ";", "mariadb", "10.11",
                                       f"{table}\n{before}")) == algorithm


def _cheapest(mariadb, setup: str, change: str) -> str:
    for algorithm in ("INSTANT", "NOCOPY", "INPLACE", "COPY"):
        mariadb.fresh("unnamed_charset", setup)
        if mariadb.run(f"{change}, ALGORITHM={algorithm}", "unnamed_charset").returncode == 0:
            return algorithm
    return ""


@pytest.mark.parametrize(("table", "before", "change", "algorithm"), CASES)
def test_on_mariadb(mariadb, table: str, before: str, change: str, algorithm: str) -> None:
    server = mariadb.run("SELECT @@character_set_server", "mysql").stdout.strip()
    assert server == "latin1"  # (the older side of 11.6)
    assert _cheapest(mariadb, f"{table}\n{before}", change) == algorithm


@pytest.mark.parametrize(("dialect", "version", "algorithm"), [
    ("mariadb", "11.5", "COPY"),  # latin1: a second length byte
    ("mariadb", "11.6", "INSTANT"),  # utf8mb4 from 11.6: 800 to 1024 bytes, two already
    ("mysql", "8.4.0", "INPLACE"),  # utf8mb4: two length bytes already, in place
])
def test_the_server_default_follows_the_version(alter_algorithm, lint_change, dialect: str,
                                                version: str, algorithm: str) -> None:
    assert alter_algorithm(lint_change("ALTER TABLE t MODIFY w VARCHAR(256);", dialect,
                                       version)) == algorithm


def test_mysql_re_encodes_into_a_later_table_default(alter_algorithm, lint_change) -> None:
    """MySQL 8's default is utf8mb4: after `DEFAULT CHARSET=latin1`, a MODIFY naming no
    character set re-encodes the column into latin1 (the manual's "Column Character Set and
    Collation": neither named, the table's are used), a copy."""
    assert alter_algorithm(lint_change(
        "ALTER TABLE t MODIFY w VARCHAR(200);", "mysql", None,
        f"{UNNAMED}\nALTER TABLE t DEFAULT CHARSET=latin1;")) == "COPY"


def test_the_kept_charset_advice_names_the_servers_default(mariadb, lint_change) -> None:
    """The copy's advice keeps the column's character set by naming it, the server's
    default here (it offered none: the column's was unknown); MariaDB runs it instantly."""
    before = f"{UNNAMED}\nALTER TABLE t DEFAULT CHARSET=utf8mb4;"
    (found,) = [f.instead for f in lint_change("ALTER TABLE t MODIFY w VARCHAR(255);",
                                               "mariadb", "10.11", before).all_findings
                if f.rule == "mysql-table-copy"]
    advice = "ALTER TABLE t MODIFY w VARCHAR(255) CHARACTER SET latin1;"
    assert advice in found.splitlines()
    mariadb.fresh("unnamed_charset", before)
    done = mariadb.run(advice.rstrip(";") + ", ALGORITHM=INSTANT", "unnamed_charset")
    assert done.returncode == 0, done.stderr


def _rules_with_config(tmp_path, monkeypatch, config: str) -> tuple[int, list[str], str]:
    """lint's exit code, rules and error output for UNNAMED then `MODIFY w VARCHAR(256)`,
    with `config` as lockwise.toml."""
    import json

    from typer.testing import CliRunner

    from lockwise.cli.app import app

    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "1_a.sql").write_text(UNNAMED)
    (tmp_path / "m" / "2_b.sql").write_text("ALTER TABLE t MODIFY w VARCHAR(256);")
    (tmp_path / "lockwise.toml").write_text(f'migrations = ["m"]\n{config}')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["lint", "-f", "json", "--no-cache"])
    if result.exit_code == 2:
        return 2, [], result.stderr
    return result.exit_code, [f["rule"] for m in json.loads(result.stdout)["migrations"]
                              for s in m["statements"] for f in s["findings"]], ""


@pytest.mark.parametrize(("config", "copies"), [
    ('dialect = "mariadb"\nserver_version = "10.11"\n', True),  # latin1, the default
    ('dialect = "mariadb"\nserver_version = "10.11"\ncharacter_set_server = "utf8mb4"\n', False),
    ('dialect = "mariadb"\nserver_version = "11.6"\n', False),  # utf8mb4, the default
    ('dialect = "mariadb"\nserver_version = "11.6"\ncharacter_set_server = "Latin1"\n', True),
    ('dialect = "mysql"\ncharacter_set_server = "latin1"\n', True),
])
def test_character_set_server_from_the_config(tmp_path, monkeypatch, config: str,
                                              copies: bool) -> None:
    _, rules, _ = _rules_with_config(tmp_path, monkeypatch, config)
    assert ("mysql-table-copy" in rules) == copies


@pytest.mark.parametrize(("config", "error"), [
    ('dialect = "mariadb"\ncharacter_set_server = 4\n', "character_set_server"),
    ('dialect = "mariadb"\ncharacter_set_server = "utf8 mb4"\n', "character_set_server"),
    ('dialect = "postgresql"\ncharacter_set_server = "utf8mb4"\n', "character_set_server"),
])
def test_a_bad_character_set_server_is_refused(tmp_path, monkeypatch, config: str,
                                               error: str) -> None:
    code, _, stderr = _rules_with_config(tmp_path, monkeypatch, config)
    assert code == 2 and error in stderr


def test_a_utf8mb4_database_on_mariadb(mariadb) -> None:
    """What `character_set_server = "utf8mb4"` stands for, on MariaDB 10.11: a database made
    with that default gives the table's columns utf8mb4, and VARCHAR(200) to (256) keeps two
    length bytes (instant), as lockwise then says."""
    assert mariadb.run("DROP DATABASE IF EXISTS unnamed_utf8mb4; CREATE DATABASE "
                       "unnamed_utf8mb4 CHARACTER SET utf8mb4", "mysql").returncode == 0
    assert mariadb.run(UNNAMED, "unnamed_utf8mb4").returncode == 0
    done = mariadb.run("ALTER TABLE t MODIFY w VARCHAR(256), ALGORITHM=INSTANT",
                       "unnamed_utf8mb4")
    assert done.returncode == 0, done.stderr
