"""LOAD DATA / LOAD XML ... INTO TABLE t and SELECT ... INTO OUTFILE / DUMPFILE, which sqlglot
cannot read (they were parse errors): both servers run them in migrations. LOAD DATA writes t
as the INSERT it is (REPLACE: as REPLACE INTO t), with the same metadata locks (SHARED_WRITE on
t; on MariaDB the tables whose keys reference t, SHARED_READ, SHARED_WRITE along an ON DELETE
CASCADE for REPLACE); INTO OUTFILE / DUMPFILE reads as the SELECT it is without the clause.
Each checked on MariaDB 10.11 in information_schema.METADATA_LOCK_INFO, and under LOCK TABLES
(error 1100 for a table not locked, 1099 for a READ lock where LOAD DATA writes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.effects.mysql_locks import metadata_lock
from lockwise.parse.mysql import parse_mysql

SETUP = ("CREATE TABLE t (id INT PRIMARY KEY, a INT); CREATE TABLE u (id INT PRIMARY KEY, b "
         "INT); CREATE TABLE c (id INT PRIMARY KEY, tid INT, FOREIGN KEY (tid) REFERENCES "
         "t (id) ON DELETE CASCADE);")

R, W = "SHARED_READ", "SHARED_WRITE"

#: (statement, its action, the metadata locks MariaDB holds after it), each checked on
#: MariaDB 10.11; {csv} and {xml} name data files, {out} a file it writes.
HELD = [
    ("LOAD DATA INFILE '{csv}' INTO TABLE t FIELDS TERMINATED BY ','", "insert",
     {"t": W, "c": R}),
    ("LOAD DATA INFILE '{csv}' REPLACE INTO TABLE t FIELDS TERMINATED BY ','", "insert",
     {"t": W, "c": W}),
    ("LOAD DATA LOW_PRIORITY INFILE '{csv}' IGNORE INTO TABLE t CHARACTER SET utf8mb4 FIELDS "
     "TERMINATED BY ',' LINES TERMINATED BY '\\n' IGNORE 0 LINES (id, @a) SET a = @a + 1",
     "insert", {"t": W, "c": R}),
    ("LOAD XML INFILE '{xml}' INTO TABLE u ROWS IDENTIFIED BY '<row>'", "insert", {"u": W}),
    ("SELECT * FROM t INTO OUTFILE '{out}'", "select", {"t": R}),
    ("SELECT id INTO DUMPFILE '{out}' FROM u LIMIT 1", "select", {"u": R}),
    ("SELECT * INTO OUTFILE '{out}' CHARACTER SET utf8mb4 FIELDS TERMINATED BY ',' "
     "OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\n' FROM u WHERE id > 0", "select",
     {"u": R}),
    ("SELECT * FROM t JOIN u ON t.id = u.id INTO OUTFILE '{out}' FIELDS TERMINATED BY ',' "
     "FOR UPDATE", "select", {"t": W, "u": W}),
    ("SELECT * FROM t FOR UPDATE INTO OUTFILE '{out}'", "select", {"t": W}),
    # INTO variables after FROM / WHERE (MySQL 8 and MariaDB): the SELECT, as INTO before FROM
    ("SELECT a FROM t WHERE id = 1 INTO @v", "select", {"t": R}),
    ("SELECT a, id FROM t LIMIT 1 INTO @v, @`w x` FOR UPDATE", "select", {"t": W}),
    ("SELECT a FROM t WHERE id = 1 FOR UPDATE INTO @v", "select", {"t": W}),
    ("SELECT a FROM t UNION SELECT b FROM u INTO @v", "select", {"t": R, "u": R}),
]


def _filled(sql: str, files: Path, n: int) -> str:
    return sql.format(csv=files / "rows.csv", xml=files / "rows.xml", out=files / f"out{n}")


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "action", "held"), HELD)
def test_read_as_what_it_does(lint_change, sql: str, action: str, held: dict,
                              dialect: str) -> None:
    """Each was a parse-error (sqlglot's)."""
    report = lint_change(_filled(sql, Path("/srv/data"), 0) + ";", dialect)
    assert [f.message for f in report.findings if f.rule == "parse-error"] == []
    (statement,) = report.statements
    assert [a.kind for a in statement.effect.actions] == [action]
    if dialect == "mysql":  # (an INSERT's SHARED_READ on MySQL is not modelled)
        held = {table: lock for table, lock in held.items() if lock == W or table != "c"}
    assert {table: metadata_lock(statement.effect, mode)
            for table, mode in statement.effect.locks.items()} == held, sql


@pytest.mark.parametrize("sql", [
    "LOAD DATA LOCAL INFILE 'rows.csv' INTO TABLE t",
    "LOAD DATA CONCURRENT LOCAL INFILE 'rows.csv' INTO TABLE `t` (id, a)",
    "load data infile '/srv/rows.csv' into table d.t",
    "SELECT a, id FROM t WHERE id = 1 INTO @v, @'w'",
    "select a from t into @v lock in share mode",
])
def test_the_other_forms_are_read(sql: str) -> None:
    for dialect in ("mysql", "mariadb"):
        parsed = parse_mysql(sql + ";", dialect)
        assert parsed.problems == [], (sql, parsed.problems)


def test_the_locks_on_mariadb(mariadb, tmp_path: Path) -> None:
    """Checked on MariaDB 10.11: each statement holds exactly the metadata locks said
    (information_schema.METADATA_LOCK_INFO, the session's own, before ROLLBACK)."""
    (tmp_path / "rows.csv").write_text("1,1\n2,2\n")
    (tmp_path / "rows.xml").write_text('<list><row id="1" b="2"/></list>\n')
    tmp_path.chmod(0o777)
    assert mariadb.run("INSTALL SONAME 'metadata_lock_info'", "mysql").returncode in (0, 1)
    assert mariadb.run("CREATE DATABASE load_data", "mysql").returncode == 0
    assert mariadb.run(SETUP, "load_data").returncode == 0
    for n, (sql, _, held) in enumerate(HELD):
        ran, found = mariadb.metadata_locks(_filled(sql, tmp_path, n), "load_data")
        assert ran.returncode == 0, (sql, ran.stderr)
        assert found == {table: f"MDL_{lock}" for table, lock in held.items()}, sql


@pytest.mark.parametrize(("sql", "refused", "error"), [
    ("LOCK TABLES u WRITE; LOAD DATA INFILE '{csv}' INTO TABLE t FIELDS TERMINATED BY ','",
     "t", "ERROR 1100"),
    ("LOCK TABLES u READ; LOAD DATA INFILE '{csv}' INTO TABLE u FIELDS TERMINATED BY ','",
     "u", "ERROR 1099"),
    ("LOCK TABLES t WRITE, c READ; LOAD DATA INFILE '{csv}' INTO TABLE t FIELDS TERMINATED "
     "BY ','", None, None),
    ("LOCK TABLES u READ; SELECT * FROM t INTO OUTFILE '{out}'", "t", "ERROR 1100"),
    ("LOCK TABLES t READ; SELECT * FROM t INTO OUTFILE '{out}'", None, None),
    ("LOCK TABLES u READ; SELECT a FROM t WHERE id = 1 INTO @v", "t", "ERROR 1100"),
])
def test_under_lock_tables(lint_change, mariadb, tmp_path: Path, sql: str, refused,
                           error) -> None:
    """As the INSERT and the SELECT they are: checked on MariaDB 10.11."""
    (tmp_path / "rows.csv").write_text("1,1\n")
    tmp_path.chmod(0o777)
    sql = _filled(sql, tmp_path, 0)
    report = lint_change(sql.replace("; ", ";\n") + ";\nUNLOCK TABLES;", "mariadb")
    found = [f.message for s in report.statements for f in s.findings
             if f.rule == "mysql-table-not-locked"]
    assert [m.split(" ", 1)[0] for m in found] == ([refused] if refused else []), found
    assert mariadb.run("CREATE DATABASE IF NOT EXISTS load_data_held", "mysql").returncode == 0
    assert mariadb.run(SETUP.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS"),
                       "load_data_held").returncode == 0
    ran = mariadb.run(f"{sql}; UNLOCK TABLES", "load_data_held")
    assert (error in ran.stderr) if error else ran.returncode == 0, (sql, ran.stderr)


@pytest.mark.parametrize("sql", [
    "SELECT 1 INTO OUTFILE '/tmp/x' UNION SELECT 2",
    "INSERT INTO t SELECT 1, 2 INTO OUTFILE '/tmp/x'",
    "SELECT a FROM t INTO @v UNION SELECT b FROM u",
    "INSERT INTO t SELECT 1, 2 INTO @v",
    "INSERT INTO t SELECT a, id FROM t INTO @v, @w",
    "REPLACE INTO t SELECT 1, 2 INTO @v",
])
def test_what_the_server_refuses_stays_a_parse_error(sql: str) -> None:
    """INTO OUTFILE or INTO @v before a UNION, or in an INSERT's or a REPLACE's query: error
    1064 on MariaDB 10.11 (INSERT ... SELECT ... INTO @v, which sqlglot reads, at its INTO)."""
    for dialect in ("mysql", "mariadb"):
        problems = parse_mysql(sql + ";", dialect).problems
        assert problems != [], (sql, dialect)
        if sql.endswith(("@v", "@w")):
            assert problems[0].message.startswith("error 1064 near 'INTO @"), problems
            assert problems[0].span.column == sql.rindex("INTO") + 1


def test_the_server_refuses_an_insert_selecting_into_variables(mariadb) -> None:
    """Checked on MariaDB 10.11: error 1064 near its INTO."""
    assert mariadb.run("CREATE DATABASE IF NOT EXISTS into_vars", "mysql").returncode == 0
    assert mariadb.run("CREATE TABLE IF NOT EXISTS t (id INT, a INT)", "into_vars"
                       ).returncode == 0
    for sql in ("INSERT INTO t SELECT 1, 2 INTO @v", "REPLACE INTO t SELECT 1, 2 INTO @v",
                "INSERT INTO t SELECT a, id FROM t INTO @v, @w"):
        ran = mariadb.run(sql, "into_vars")
        assert "ERROR 1064" in ran.stderr and "near 'INTO @v" in ran.stderr, (sql, ran.stderr)



@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_a_trailing_into_in_a_programs_body_is_read(lint_change, dialect: str) -> None:
    """SELECT ... FROM t INTO v in a function's body: the SELECT it is, which returns no
    result set (the CREATE runs on MariaDB 10.11); it was left out of the body unread."""
    sql = ("CREATE FUNCTION first_a() RETURNS INT READS SQL DATA BEGIN\n  DECLARE v INT;\n"
           "  SELECT a FROM t WHERE id = 1 INTO v;\n  RETURN v;\nEND;")
    (statement,) = parse_mysql(sql, dialect).statements
    assert [(text, type(tree).__name__) for _, text, tree in
            statement.tree["program"]["statements"]] == [
        ("SELECT a FROM t WHERE id = 1 INTO v", "Select")]
    assert [f.rule for f in lint_change(sql, dialect).all_findings
            if f.rule in ("parse-error", "mysql-program-result-set")] == []
