"""MariaDB 10.7's ALTER TABLE t CONVERT PARTITION p TO TABLE t2 makes t2, a plain table with
t's columns, keys and CHECK constraints and the partition's rows; CONVERT TABLE t2 TO
PARTITION p ... moves t2 into t, and t2 is gone (both checked on 10.11). The replayed
schema follows: later statements about t2 are judged on what it is."""

from __future__ import annotations

SETUP = ("CREATE TABLE orders (id INT, n INT, CONSTRAINT positive CHECK (n > 0),\n"
         "  KEY orders_n (n)) PARTITION BY RANGE (id) (PARTITION p0 VALUES LESS THAN (10),\n"
         "  PARTITION p1 VALUES LESS THAN (20), PARTITION p2 VALUES LESS THAN (30));")
OUT = "ALTER TABLE orders CONVERT PARTITION p2 TO TABLE orders_p2;"
BACK = "ALTER TABLE orders CONVERT TABLE orders_p2 TO PARTITION p2 VALUES LESS THAN (30);"
MISSING = "mysql-constraint-not-found"


def _lint(*files: str):
    from lockwise.catalog.model import Catalog
    from lockwise.discover import migration_from_text
    from lockwise.lint import LintOptions, lint_migrations

    catalog = Catalog()
    reports = lint_migrations([migration_from_text(text, f"{i}_m.sql")
                               for i, text in enumerate(files, 1)],
                              LintOptions(dialect="mariadb"), catalog)
    return reports, catalog


def _rules(report) -> list[str]:
    return sorted(f.rule for f in report.all_findings)


def test_a_converted_partition_is_a_table_with_the_definition() -> None:
    _, catalog = _lint(SETUP, OUT)
    made = catalog.tables["orders_p2"]
    assert list(made.columns) == ["id", "n"] and made.kind == "table"
    assert "positive" in made.constraints and "orders_n" in made.keys


def test_later_statements_judge_the_new_table() -> None:
    reports, _ = _lint(SETUP, OUT + "\nALTER TABLE orders_p2 DROP CONSTRAINT nope;",
                       "ALTER TABLE orders_p2 DROP CONSTRAINT positive;")
    assert [_rules(r) for r in reports[1:]] == [[MISSING], []]


def test_the_partition_of_a_new_table_is_a_new_table() -> None:
    reports, _ = _lint(SETUP + "\n" + OUT + "\nALTER TABLE orders_p2 MODIFY n BIGINT;")
    (facts,) = [a.facts for a in reports[0].statements[-1].effect.actions
                if a.kind == "mysql_alter_table"]
    assert facts["table_is_new"], facts


def test_a_table_converted_to_a_partition_is_gone() -> None:
    made = "CREATE TABLE orders_p2 (id INT, n INT, CONSTRAINT positive CHECK (n > 0));"
    _, catalog = _lint(SETUP, made, BACK)
    assert "orders_p2" not in catalog.tables
    reports, _ = _lint(SETUP, made, BACK + "\nALTER TABLE orders_p2 DROP CONSTRAINT nope;")
    assert _rules(reports[-1]) == []  # a table the replay does not know: not judged


def test_a_qualified_target_is_in_its_database() -> None:
    _, catalog = _lint(SETUP, "ALTER TABLE orders CONVERT PARTITION p2 TO TABLE archive.old;")
    assert catalog.tables["archive.old"].database == "archive"


def test_the_server_agrees(mariadb) -> None:
    """Checked on 10.11: the new table's definition, and the table gone after CONVERT TABLE."""
    assert mariadb.run("CREATE DATABASE IF NOT EXISTS convert_partition", "mysql"
                       ).returncode == 0
    ran = mariadb.run(f"{SETUP} INSERT INTO orders VALUES (25, 1); {OUT} "
                      "SELECT COUNT(*) FROM orders_p2; SELECT COUNT(*) FROM "
                      "information_schema.check_constraints WHERE table_name = 'orders_p2' AND "
                      "constraint_schema = 'convert_partition'; SELECT COUNT(*) FROM "
                      "information_schema.partitions WHERE table_name = 'orders_p2' AND "
                      "table_schema = 'convert_partition' AND partition_name IS NOT NULL; "
                      f"{BACK} SELECT COUNT(*) FROM information_schema.tables WHERE "
                      "table_schema = 'convert_partition'", "convert_partition", whole=True)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["1", "1", "0", "1"], ran.stdout
