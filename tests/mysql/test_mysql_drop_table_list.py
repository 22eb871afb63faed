"""DROP TABLE of a list (effects/mysql.py's `_drop_outcome`): MariaDB works through it in
order and drops every table it can; one a foreign key still references stays (1451) and one
that is not there is skipped, and the statement then fails: with 1451 when a table stayed for
a key, else with 1051 "Unknown table" naming each missing table as `db.name`, in the list's
order, as written. IF EXISTS makes the 1051 a note. Under LOCK TABLES a missing table is
refused first (1100) and nothing is dropped. The replay drops what the server drops. Each
checked on MariaDB 10.11 (10.11.19); MySQL 8 drops nothing when it refuses (its manual's
"DROP TABLE Statement"; not checked on a MySQL server)."""

from __future__ import annotations

import pytest

SETUP = """CREATE TABLE p (id INT PRIMARY KEY) ENGINE=InnoDB;
CREATE TABLE c (id INT PRIMARY KEY, p_id INT,
  CONSTRAINT c_p_fk FOREIGN KEY (p_id) REFERENCES p (id)) ENGINE=InnoDB;
CREATE TABLE gc (id INT PRIMARY KEY, c_id INT,
  CONSTRAINT gc_c_fk FOREIGN KEY (c_id) REFERENCES c (id)) ENGINE=InnoDB;
CREATE TABLE x (id INT);
CREATE TABLE gone1 (id INT);
CREATE TABLE gone2 (id INT);
DROP TABLE gone1;
DROP TABLE gone2;
"""
#: the tables SETUP leaves
TABLES = {"p", "c", "gc", "x"}

#: (statements, the error MariaDB answers or None, the tables left)
CASES = [
    ("DROP TABLE x, gone1", "ERROR 1051", {"p", "c", "gc"}),
    ("DROP TABLE gone1, x, gone2", "ERROR 1051", {"p", "c", "gc"}),
    ("DROP TABLE gone2, gone1", "ERROR 1051", TABLES),
    ("DROP TABLE IF EXISTS x, gone1", None, {"p", "c", "gc"}),
    ("DROP TABLE p, gc", "ERROR 1451", {"p", "c", "x"}),
    ("DROP TABLE p, x, gc", "ERROR 1451", {"p", "c"}),
    ("DROP TABLE c, p", "ERROR 1451", TABLES),
    ("DROP TABLE gc, c, p", None, {"x"}),
    ("DROP TABLE p, gone1, x", "ERROR 1451", {"p", "c", "gc"}),
    ("DROP TABLE IF EXISTS c, x, p, gone1", "ERROR 1451", {"p", "c", "gc"}),
    ("LOCK TABLES x WRITE; DROP TABLE x, gone1", "ERROR 1100", TABLES),
]


def _errors(report) -> list[tuple[int, str]]:
    return [(a.facts["error_code"], a.facts["server_error"]) for s in report.statements
            for a in s.effect.actions if "server_error" in a.facts]


def _left(lint_change, sql: str, dialect: str = "mariadb") -> set[str]:
    """The tables the replay keeps after `sql`, read through a later statement per table:
    `table_known` says whether the replay still has it."""
    probes = "\n".join(f"ALTER TABLE {t} COMMENT = 'probe';" for t in sorted(TABLES))
    report = lint_change(f"{sql.replace('; ', ';' + chr(10))};\nUNLOCK TABLES;\n{probes}",
                         dialect)
    return {a.facts["table"] for s in report.statements[-len(TABLES):]
            for a in s.effect.actions if a.facts.get("table_known")}


@pytest.mark.parametrize(("sql", "error", "left"), CASES)
def test_the_replay_keeps_what_mariadb_keeps(lint_change, sql: str, error, left) -> None:
    """It kept every table of a refused DROP TABLE (gc of `DROP TABLE p, gc`, which MariaDB
    drops) and dropped those a missing table's 1051 leaves."""
    assert _left(lint_change, sql) == left, sql
    # (one refusal per table a key keeps: `DROP TABLE c, p` keeps both)
    codes = {code for code, _ in _errors(lint_change(sql.replace("; ", ";\n") + ";",
                                                     "mariadb"))}
    assert codes == ({int(error.split()[1])} if error else set()), sql


def test_the_error_names_the_missing_tables_as_the_server_does(lint_change) -> None:
    report = lint_change("DROP TABLE gone2, x, gone1;", "mariadb")
    assert _errors(report) == [(1051, "Unknown table 'gone2,gone1'")]
    report = lint_change("USE shop;\nDROP TABLE gone2, x, `gone1`;", "mariadb",
                         setup="USE shop;\n" + SETUP)
    assert _errors(report) == [(1051, "Unknown table 'shop.gone2,shop.gone1'")]


def test_the_finding_says_what_the_server_drops(lint_change) -> None:
    (mariadb,) = [f for f in lint_change("DROP TABLE x, gone1;", "mariadb").all_findings
                  if f.rule == "mysql-unknown-table"]
    assert "drops x and then fails" in mariadb.message, mariadb.message
    assert mariadb.instead.splitlines()[-1] == "DROP TABLE x;", mariadb.instead
    (mysql,) = [f for f in lint_change("DROP TABLE x, gone1;", "mysql").all_findings
                if f.rule == "mysql-unknown-table"]
    assert "drops none of its tables" in mysql.message, mysql.message


def test_a_missing_table_is_not_reported_as_dropped(lint_change) -> None:
    rules = [(f.rule, f.message.split(" deletes")[0]) for f in
             lint_change("DROP TABLE IF EXISTS x, gone1;", "mariadb").all_findings]
    assert rules == [("drop-table", "DROP TABLE x")]


def test_mysql_drops_nothing_when_it_refuses(lint_change) -> None:
    """MySQL 8 checks the list first (its manual): a missing table, or a referenced one
    (3730), leaves every table."""
    assert _left(lint_change, "DROP TABLE x, gone1", "mysql") == TABLES
    assert _left(lint_change, "DROP TABLE p, gc", "mysql") == TABLES
    assert _left(lint_change, "DROP TABLE IF EXISTS x, gone1", "mysql") == {"p", "c", "gc"}


def test_each_table_a_key_keeps_is_refused(lint_change) -> None:
    """`DROP TABLE c, p` with gc referencing c: c stays, so p stays too (it took c for
    dropped, as listed before p); the server answers one error (fix-mysql45), for c."""
    report = lint_change("DROP TABLE c, p;", "mariadb")
    assert [(a.facts["table"], a.facts["others_kept_text"]) for s in report.statements
            for a in s.effect.actions if a.kind == "mysql_referenced_table_dropped"] == \
        [("c", " (p stays too, kept by a key)")]


def test_a_table_made_again_is_there(lint_change) -> None:
    report = lint_change("CREATE TABLE gone1 (id INT);\nDROP TABLE gone1;", "mariadb")
    assert _errors(report) == []


# --- checked on MariaDB ----------------------------------------------------------------------

@pytest.mark.parametrize(("sql", "error", "left"), CASES)
def test_what_mariadb_drops(mariadb, sql: str, error, left) -> None:
    database = "drop_table_list"
    assert mariadb.run(f"DROP DATABASE IF EXISTS {database}; CREATE DATABASE {database}",
                       "mysql").returncode == 0
    assert mariadb.run(SETUP, database).returncode == 0
    ran = mariadb.run(sql, database)
    assert (error in ran.stderr) if error else ran.returncode == 0, (sql, ran.stderr)
    assert set(mariadb.run("SHOW TABLES", database).stdout.split()) == left, sql


def test_mariadb_names_the_missing_tables(mariadb) -> None:
    database = "drop_table_list"
    assert mariadb.run(f"DROP DATABASE IF EXISTS {database}; CREATE DATABASE {database}",
                       "mysql").returncode == 0
    assert mariadb.run(SETUP, database).returncode == 0
    ran = mariadb.run("DROP TABLE gone2, x, `gone1`", database)
    assert f"ERROR 1051 (42S02) at line 1: Unknown table '{database}.gone2,{database}.gone1'" \
        in ran.stderr, ran.stderr
    ran = mariadb.run("DROP TABLE IF EXISTS gone2, gone1; SHOW WARNINGS", database)
    assert f"Note\t1051\tUnknown table '{database}.gone2,{database}.gone1'" in ran.stdout


def test_a_procedure_drops_what_mariadb_drops_at_its_call(lint_change) -> None:
    """A procedure's DROP TABLE p, gc, refused for p at the CALL, still drops gc."""
    sql = ("DELIMITER $$\nCREATE PROCEDURE tidy() BEGIN DROP TABLE p, gc; END$$\n"
           "DELIMITER ;\nCALL tidy()")
    assert _left(lint_change, sql) == {"p", "c", "x"}


@pytest.mark.parametrize("dialect", ["mariadb", "mysql"])
def test_a_long_list_finds_the_keys_of_its_tables_in_one_walk(
        lint_change, monkeypatch: pytest.MonkeyPatch, dialect: str) -> None:
    # A DROP TABLE of n tables chained by foreign keys looked for the keys referencing each
    # table in every table, once per table listed (`Catalog.referencing`), and the reports
    # looked through all of the statement's actions for each table: 4,000 tables took 16 s
    # on MariaDB (fix-robust16). The keys of all of them are found in one walk.
    from lockwise.catalog.model import Catalog
    from lockwise.effects import mysql_locks

    n = 40
    setup = "CREATE TABLE t0 (id INT PRIMARY KEY) ENGINE=InnoDB;\n" + "".join(
        f"CREATE TABLE t{i} (id INT PRIMARY KEY, p INT, CONSTRAINT k{i} FOREIGN KEY (p) "
        f"REFERENCES t{i - 1} (id)) ENGINE=InnoDB;\n" for i in range(1, n))
    walks: list[int] = []
    referencing_each, filed = Catalog.referencing_each, mysql_locks._filed

    def counted(self: Catalog, tables, clones: bool = False):  # noqa: ANN001, ANN202
        walks.append(len(tables))
        return referencing_each(self, tables, clones)

    built: list[int] = []

    def counted_filed(effect):  # noqa: ANN001, ANN202
        if not (mysql_locks._last_filed and mysql_locks._last_filed[0][0] is effect.actions):
            built.append(len(effect.actions))
        return filed(effect)

    monkeypatch.setattr(Catalog, "referencing_each", counted)
    monkeypatch.setattr(mysql_locks, "_filed", counted_filed)
    backwards = ", ".join(f"t{i}" for i in reversed(range(n)))
    report = lint_change(f"DROP TABLE {backwards};", dialect, setup=setup)
    assert walks in ([n], [n, n])  # (the effect model's, the replay's)
    assert _errors(report) == []
    assert len(built) <= 2  # (the statement's actions looked through once, per report pass)
    forwards = ", ".join(f"t{i}" for i in range(n))
    walks.clear()
    report = lint_change(f"DROP TABLE {forwards};", dialect, setup=setup)
    assert walks in ([n], [n, n])  # (the effect model's, the replay's)
    # (MariaDB keeps t0 ... t38, each referenced by the next, still there; MySQL 8 checks
    # the whole list first: every referencing table is in it)
    assert [code for code, _ in _errors(report)] == ([1451] if dialect == "mariadb" else [])
