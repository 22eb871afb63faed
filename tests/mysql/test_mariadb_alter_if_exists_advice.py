"""MariaDB's `ALTER TABLE IF EXISTS t ...`: the advice restates the ALTER's operations after the
table's name, and read `IF` as the name, so `ALTER TABLE IF EXISTS albums ROW_FORMAT=DYNAMIC`
(photoprism's `20260614-000001.pre.sql`) was advised as `ALTER TABLE albums EXISTS albums
ROW_FORMAT=DYNAMIC, ALGORITHM=INPLACE, LOCK=NONE`, which MariaDB 10.11 refuses (1064), and
gh-ost / pt-osc were handed `EXISTS albums ROW_FORMAT=DYNAMIC` as the alter."""

from __future__ import annotations

SETUP = ("CREATE TABLE albums (id INT PRIMARY KEY, album_path VARBINARY(1024)) "
         "ROW_FORMAT=DYNAMIC;\nINSERT INTO albums VALUES (1, 'a');")
ADVICE = "ALTER TABLE albums ROW_FORMAT=DYNAMIC, ALGORITHM=INPLACE, LOCK=NONE;"


def _finding(report, rule: str):
    (finding,) = [f for f in report.all_findings if f.rule == rule]
    return finding


def test_the_rebuild_advice_leaves_if_exists_out(lint_change) -> None:
    report = lint_change("ALTER TABLE IF EXISTS albums ROW_FORMAT=DYNAMIC;", "mariadb")
    assert ADVICE in _finding(report, "mysql-table-rebuild").instead
    assert "EXISTS albums" not in _finding(report, "mysql-table-rebuild").instead


def test_the_tools_get_the_operations_only(lint_change) -> None:
    report = lint_change("ALTER TABLE IF EXISTS albums MODIFY album_path VARCHAR(100);",
                         "mariadb")
    instead = _finding(report, "mysql-table-copy").instead
    assert "--alter='MODIFY album_path VARCHAR(100)'" in instead
    assert "EXISTS" not in instead


def test_online_if_exists_is_still_lock_none(lint_change) -> None:
    report = lint_change("ALTER ONLINE TABLE IF EXISTS albums ROW_FORMAT=DYNAMIC;", "mariadb")
    (facts,) = [a.facts for s in report.statements for a in s.effect.actions
                if a.kind == "mysql_alter_table"]
    assert facts["requested_lock"] == "NONE"


def test_on_mariadb(mariadb) -> None:
    mariadb.fresh("alter_if_exists", SETUP)
    for refused in ("ALGORITHM=INSTANT", "ALGORITHM=NOCOPY"):
        done = mariadb.run(f"ALTER TABLE IF EXISTS albums ROW_FORMAT=DYNAMIC, {refused}",
                           "alter_if_exists")
        assert "Changing table options requires the table to be rebuilt" in done.stderr
    assert mariadb.run(ADVICE, "alter_if_exists").returncode == 0
    broken = mariadb.run("ALTER TABLE albums EXISTS albums ROW_FORMAT=DYNAMIC, "
                         "ALGORITHM=INPLACE, LOCK=NONE", "alter_if_exists")
    assert broken.returncode != 0


def test_convert_reads_the_table_behind_if_exists(lint_change) -> None:
    setup = "CREATE TABLE albums (id INT PRIMARY KEY, title VARCHAR(40)) DEFAULT CHARSET=latin1;"
    copied = lint_change("ALTER TABLE IF EXISTS albums CONVERT TO CHARACTER SET utf8mb4;",
                         "mariadb", setup=setup)
    assert "mysql-table-copy" in {f.rule for f in copied.all_findings}
    numbers = lint_change("ALTER TABLE IF EXISTS albums CONVERT TO CHARACTER SET utf8mb4;",
                          "mariadb", setup="CREATE TABLE albums (id INT PRIMARY KEY, n INT);")
    assert not numbers.all_findings  # nothing to re-encode: the default only (INSTANT)


def test_convert_on_mariadb(mariadb) -> None:
    mariadb.fresh("convert_if_exists", "CREATE TABLE numbers (id INT PRIMARY KEY, n INT);\n"
                  "CREATE TABLE titles (id INT PRIMARY KEY, t VARCHAR(40)) CHARSET=latin1;")
    assert mariadb.run("ALTER TABLE IF EXISTS numbers CONVERT TO CHARACTER SET utf8mb4, "
                       "ALGORITHM=INSTANT", "convert_if_exists").returncode == 0
    done = mariadb.run("ALTER TABLE IF EXISTS titles CONVERT TO CHARACTER SET utf8mb4, "
                       "ALGORITHM=INPLACE", "convert_if_exists")
    assert "Try ALGORITHM=COPY" in done.stderr


def test_the_catalog_follows_convert_behind_if_exists(lint_change) -> None:
    # after the CONVERT the column is utf8mb4: naming utf8mb4 again changes nothing (INSTANT)
    setup = "CREATE TABLE albums (id INT PRIMARY KEY, title VARCHAR(40)) DEFAULT CHARSET=latin1;"
    report = lint_change("ALTER TABLE IF EXISTS albums CONVERT TO CHARACTER SET utf8mb4;\n"
                         "ALTER TABLE albums MODIFY title VARCHAR(40) CHARACTER SET utf8mb4;",
                         "mariadb", setup=setup)
    algorithms = [a.facts["algorithm"] for s in report.statements for a in s.effect.actions
                  if a.kind == "mysql_alter_table"]
    assert algorithms == ["COPY", "INSTANT"]

