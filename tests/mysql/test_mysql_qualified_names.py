"""A table of the session's database named with it: after `USE b`, `b.t` and `t` are one
table (checked on MariaDB 10.11), whether it was created as `t` after the USE or as `b.t`,
and in a later migration that names it `b.t` without a USE. Every statement that looks a
table up finds it so: ALTER, DROP, RENAME, CREATE / DROP INDEX, a foreign key's REFERENCES,
INSERT / UPDATE / DELETE, LOCK TABLES, OPTIMIZE."""

from __future__ import annotations

import pytest

SETUP = "CREATE TABLE accounts (id INT PRIMARY KEY, n INT);"
#: t in b, created unqualified after USE b or qualified.
CREATED = ["USE b;\nCREATE TABLE t (id INT PRIMARY KEY, n INT, v VARCHAR(10));",
           "USE b;\nCREATE TABLE b.t (id INT PRIMARY KEY, n INT, v VARCHAR(10));"]
MISSING = "ALTER TABLE t DROP CONSTRAINT nope;"


def _reports(*files: str, dialect: str = "mariadb"):
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    migrations = [migration_from_text(text, f"{i}_m.sql")
                  for i, text in enumerate((SETUP, *files), 1)]
    return lint_migrations(migrations, LintOptions(dialect=dialect))[1:]


def _rules(*files: str, dialect: str = "mariadb") -> list[list[str]]:
    return [sorted(f.rule for f in r.all_findings) for r in _reports(*files, dialect=dialect)]


@pytest.mark.parametrize("created", CREATED)
@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_an_alter_of_the_qualified_name_finds_the_table(created: str, dialect: str) -> None:
    assert _rules(f"{created}\nALTER TABLE b.t DROP CONSTRAINT nope;", dialect=dialect) == [
        ["mysql-constraint-not-found"]]
    # in a later migration: with USE b, and without (the table is still b's)
    assert _rules(created, "USE b;\nALTER TABLE b.t DROP CONSTRAINT nope;",
                  "ALTER TABLE b.t DROP CONSTRAINT nope;", dialect=dialect) == [
        [], ["mysql-constraint-not-found"], ["mysql-constraint-not-found"]]


@pytest.mark.parametrize("created", CREATED)
def test_an_alter_of_the_qualified_name_knows_its_columns(created: str) -> None:
    """VARCHAR(10) -> VARCHAR(20) keeps its length bytes: instant on MariaDB, not the copy
    of an unknown column's type change."""
    (report,) = _reports(f"{created}\nALTER TABLE b.t MODIFY v VARCHAR(20);")
    (summary,) = [a.facts for a in report.statements[-1].effect.actions
                  if a.kind == "mysql_alter_table"]
    assert summary["operations"] == ("extend_varchar_same_length_bytes",), summary
    assert summary["table_is_new"] and summary["table"] == "b.t"


@pytest.mark.parametrize("created", CREATED)
@pytest.mark.parametrize("statement", ["DROP TABLE b.t;", "RENAME TABLE b.t TO gone;",
                                       "ALTER TABLE b.t RENAME TO gone;"])
def test_a_drop_or_rename_of_the_qualified_name_takes_the_table(created: str,
                                                                  statement: str) -> None:
    """t is gone: the ALTER of it is refused with 1146 "Table 'b.t' doesn't exist" (checked
    on MariaDB 10.11; fix-mysql45), not a constraint it cannot find."""
    assert _rules(f"{created}\n{statement}\n{MISSING}") == [["mysql-unknown-table"]]


@pytest.mark.parametrize("created", CREATED)
@pytest.mark.parametrize("index", ["CREATE INDEX t_n ON b.t (n, id);",
                                   "ALTER TABLE b.t ADD INDEX t_n (n, id);"])
def test_an_index_on_the_qualified_name_is_the_table_s(created: str, index: str) -> None:
    """DROP COLUMN n then builds t_n again (an in-place rebuild), not an instant drop."""
    (report,) = _reports(f"{created}\n{index}\nALTER TABLE t DROP COLUMN n;")
    (summary,) = [a.facts for a in report.statements[-1].effect.actions
                  if a.kind == "mysql_alter_table"]
    assert summary["operations"] == ("drop_column_indexed",), summary


@pytest.mark.parametrize("created", CREATED)
def test_a_foreign_key_to_the_qualified_name_references_the_table(created: str) -> None:
    child = "CREATE TABLE c (id INT PRIMARY KEY, t_id INT, FOREIGN KEY (t_id) REFERENCES b.t (id));"
    assert "mysql-foreign-key-column-changed" in _rules(
        f"{created}\n{child}", "USE b;\nALTER TABLE t MODIFY id BIGINT;")[1]


@pytest.mark.parametrize("created", CREATED)
@pytest.mark.parametrize("statement", ["UPDATE b.t SET n = 0;", "DELETE FROM b.t;"])
def test_a_write_to_the_qualified_name_of_a_new_table(created: str, statement: str) -> None:
    """The table is new in this migration: no reader waits for it, nothing to batch."""
    assert _rules(f"{created}\n{statement}") == [[]]
    assert "unbatched-backfill" in _rules(created, f"USE b;\n{statement}")[1]


def test_qualified_and_bare_names_are_one_table_on_mariadb(mariadb) -> None:
    """Checked on the server: after USE, b.t is t, whichever way it was created."""
    ran = mariadb.run(
        "CREATE DATABASE qn_b; USE qn_b; CREATE TABLE t (id INT PRIMARY KEY, n INT); "
        "CREATE TABLE qn_b.u (id INT PRIMARY KEY); ALTER TABLE qn_b.t ADD COLUMN m INT; "
        "CREATE INDEX t_n ON qn_b.t (n); ALTER TABLE u ADD COLUMN t_id INT, "
        "ADD FOREIGN KEY (t_id) REFERENCES qn_b.t (id); RENAME TABLE qn_b.u TO w; "
        "SELECT CONCAT(table_name, '.', column_name) FROM information_schema.columns "
        "WHERE table_schema = 'qn_b' ORDER BY 1", "mysql", whole=True)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["t.id", "t.m", "t.n", "w.id", "w.t_id"]


def test_a_trigger_on_the_qualified_name_goes_with_the_table() -> None:
    """DROP TABLE t drops the trigger created ON b.t: its name is free again."""
    trigger = "CREATE TRIGGER tr BEFORE INSERT ON {} FOR EACH ROW SET NEW.n = 1;"
    assert _rules(f"{CREATED[0]}\n{trigger.format('b.t')}\nDROP TABLE t;\n"
                  f"{trigger.format('accounts')}") == [[]]


def test_a_trigger_on_the_qualified_name_on_mariadb(mariadb) -> None:
    """Checked on the server: the trigger created ON b.t goes with DROP TABLE t."""
    ran = mariadb.run(
        "CREATE DATABASE qt_b; USE qt_b; CREATE TABLE t (id INT PRIMARY KEY, n INT); "
        "CREATE TABLE a (id INT PRIMARY KEY, n INT); CREATE TRIGGER tr BEFORE INSERT ON "
        "qt_b.t FOR EACH ROW SET NEW.n = 1; DROP TABLE t; CREATE TRIGGER tr BEFORE INSERT ON "
        "a FOR EACH ROW SET NEW.n = 1; SELECT event_object_table FROM information_schema."
        "triggers WHERE trigger_schema = 'qt_b'", "mysql", whole=True)
    assert ran.returncode == 0 and ran.stdout.split() == ["a"], ran


def test_the_locks_name_the_table_as_written() -> None:
    (report,) = _reports(f"{CREATED[0]}\nALTER TABLE b.t MODIFY id BIGINT;")
    effect = report.statements[-1].effect
    assert set(effect.locks) == {"b.t"} and effect.rewrites == {"b.t"}, effect
