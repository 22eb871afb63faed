"""The MySQL / MariaDB form of unbatched-backfill's safe alternative (effects/mysql_batches.py):
what each kind of UPDATE and DELETE is batched as, and that every line of it is SQL MySQL reads.
test_mariadb_truth.py runs them on a real server."""

from __future__ import annotations

import re

import pytest
import sqlglot
from sqlglot import exp

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = ("CREATE TABLE `order` (`select` INT PRIMARY KEY, `Flag` INT, body VARCHAR(20), "
         "price DECIMAL(5,2), doc JSON, e ENUM('free', 'paid'));\n"
         "CREATE TABLE pair (a INT, b INT, x INT, PRIMARY KEY (a, b));\n"
         "CREATE TABLE nokey (v INT);")


def alternative(sql: str, dialect: str = "mysql") -> str | None:
    reports = lint_migrations([migration_from_text(SETUP, "1_setup.sql"),
                               migration_from_text(sql, "2_change.sql")],
                              LintOptions(dialect=dialect), Catalog())
    found = [f.instead for f in reports[1].all_findings if f.rule == "unbatched-backfill"]
    assert len(found) <= 1
    return found[0] if found else None


def statements(instead: str) -> list[exp.Expression]:
    body = "\n".join(line for line in instead.splitlines() if not line.startswith("--"))
    return [s for s in sqlglot.parse(body, read="mysql") if s is not None]


STATEMENTS = [
    "UPDATE `order` SET `Flag` = 1, body = 'Free';",
    "UPDATE `order` AS o SET o.`Flag` = 1;",
    "UPDATE `order` SET `Flag` = `Flag` + 1;",
    "UPDATE `order` SET `Flag` = 1, body = `Flag`;",
    "UPDATE `order` SET `Flag` = DEFAULT;",
    "UPDATE `order` SET `Flag` = RAND();",
    "UPDATE `order` SET body = NOW();",
    "UPDATE `order` SET body = @v;",
    "UPDATE `order` SET price = 1.5;",
    "UPDATE `order` SET doc = '{}';",
    "UPDATE `order` SET e = 'paid';",
    "UPDATE `order` SET `Flag` = 1, `Flag` = 2;",
    "UPDATE pair SET x = 1;",
    "UPDATE pair SET x = x * 2;",
    "UPDATE nokey SET v = 1;",
    "UPDATE nokey SET v = v + 1;",
    "UPDATE elsewhere SET v = 'x';",
    "UPDATE `order` o JOIN pair ON pair.a = o.`select` SET pair.x = o.`Flag`;",
    "UPDATE `order`, pair SET `order`.`Flag` = 1;",
    "WITH c AS (SELECT 1 AS v) UPDATE `order` SET `Flag` = (SELECT v FROM c);",
    "DELETE FROM `order`;",
    "DELETE FROM pair;",
    "DELETE FROM nokey;",
    "DELETE pair FROM `order` JOIN pair ON pair.a = `order`.`select`;",
    "DELETE FROM pair USING pair JOIN `order` ON pair.a = `order`.`select`;",
    "UPDATE `order`, pair SET pair.x = `order`.`Flag` WHERE pair.b = `order`.`select`;",
    "DELETE pair FROM pair, `order` AS o WHERE o.`select` = pair.b AND 1 = 1;",
]


@pytest.mark.parametrize("sql", STATEMENTS)
def test_every_alternative_is_sql_mysql_reads(sql: str) -> None:
    instead = alternative(sql)
    assert instead is not None
    assert not re.search(r"<[A-Za-z]", instead)  # no <placeholder> left to fill in
    parsed = statements(instead)
    assert parsed
    for stmt in parsed:
        # MySQL refuses ORDER BY / LIMIT on a multi-table UPDATE or DELETE.
        target = stmt.this if isinstance(stmt, (exp.Update, exp.Delete)) else None
        if isinstance(target, exp.Table) and (target.args.get("joins") or stmt.args.get("using")
                                              or stmt.args.get("tables")):
            assert stmt.args.get("limit") is None and stmt.args.get("order") is None, stmt


def _batch(sql: str) -> str:
    """The alternative's statement that changes the rows."""
    changes = [s for s in statements(alternative(sql) or "")
               if isinstance(s, (exp.Update, exp.Delete))]
    assert len(changes) == 1
    return changes[0].sql(dialect="mysql")


def test_an_update_of_constants_repeats_with_a_null_safe_condition() -> None:
    assert _batch("UPDATE `order` SET `Flag` = 1, body = 'Free';") == (
        "UPDATE `order` SET `Flag` = 1, body = 'Free' WHERE NOT (`Flag` <=> 1 AND body <=> "
        "CAST('Free' AS CHAR CHARACTER SET utf8mb4) COLLATE utf8mb4_bin) ORDER BY `select` "
        "LIMIT 5000")
    # ENUM compares by member: a byte comparison would never see 'PAID' stored as 'paid'.
    assert "NOT (e <=> 'paid')" in _batch("UPDATE `order` SET e = 'paid';")
    assert "NOT (o.`Flag` <=> 1)" in _batch("UPDATE `order` AS o SET o.`Flag` = 1;")


def test_a_delete_repeats_with_no_condition() -> None:
    assert _batch("DELETE FROM `order`;") == "DELETE FROM `order` ORDER BY `select` LIMIT 5000"
    assert _batch("DELETE FROM pair;") == "DELETE FROM pair ORDER BY a, b LIMIT 5000"


def test_a_deletes_returning_goes_after_its_limit() -> None:
    """MariaDB reads `DELETE ... ORDER BY ... LIMIT n RETURNING ...` and refuses RETURNING
    before ORDER BY or LIMIT (checked on 10.11)."""
    batch = [line for line in (alternative("DELETE FROM `order` RETURNING `select`, body;",
                                           "mariadb") or "").splitlines()
             if not line.startswith("--")]
    assert batch == ["DELETE FROM `order` ORDER BY `select` LIMIT 5000 RETURNING `select`, body;"]


@pytest.mark.parametrize(("sql", "why"), [
    ("UPDATE `order` SET `Flag` = `Flag` + 1;", "`Flag` + 1 reads the row"),
    ("UPDATE `order` SET `Flag` = 1, body = `Flag`;", "reads the row"),
    ("UPDATE `order` SET `Flag` = DEFAULT;", "DEFAULT, whose value is not known"),
    ("UPDATE `order` SET `Flag` = RAND();", "can differ from one batch to the next"),
    ("UPDATE `order` SET body = NOW();", "can differ from one batch to the next"),
    ("UPDATE `order` SET body = @v;", "can differ from one batch to the next"),
    # a subquery of another table reads that table, not the row (ory/hydra's nid backfills)
    ("UPDATE `order` SET body = (SELECT a FROM pair LIMIT 1);",
     "(SELECT a FROM pair LIMIT 1) reads pair again in each batch, which can change"),
    ("UPDATE `order` SET body = (SELECT a FROM pair WHERE pair.x = `order`.`Flag`);",
     "reads pair again in each batch"),
    ("UPDATE `order` SET body = `Flag` + (SELECT a FROM pair LIMIT 1);", "reads the row"),
    ("UPDATE `order` SET price = 1.5;", "DECIMAL: the value stored can differ"),
    ("UPDATE `order` SET doc = '{}';", "JSON"),
    ("UPDATE `order` SET `Flag` = 1, `Flag` = 2;", "sets a column twice"),
    ("UPDATE `order` o JOIN pair ON pair.a = o.`select` SET pair.x = o.`Flag`;",
     "multi-table UPDATE takes no ORDER BY or LIMIT"),
    ("DELETE pair FROM `order` JOIN pair ON pair.a = `order`.`select`;",
     "multi-table DELETE takes no ORDER BY or LIMIT"),
])
def test_what_no_condition_can_batch_walks_the_key(sql: str, why: str) -> None:
    instead = alternative(sql) or ""
    assert why in instead and "walk the primary key" in instead
    assert "LIMIT 5000" not in _batch(sql) and "@lockwise_end_1" in _batch(sql)


def test_the_key_walk_uses_the_changed_tables_key_qualified_in_a_join() -> None:
    batch = _batch("UPDATE `order` o JOIN pair ON pair.a = o.`select` SET pair.x = o.`Flag`;")
    assert "WHERE (@lockwise_last_1 IS NULL OR (pair.a > @lockwise_last_1 OR (pair.a = " \
           "@lockwise_last_1 AND pair.b > @lockwise_last_2))) AND (pair.a < @lockwise_end_1 " \
           "OR (pair.a = @lockwise_end_1 AND pair.b <= @lockwise_end_2))" in batch
    assert "o.`select`" not in batch.split("WHERE")[1]


def test_a_table_without_a_known_key_is_batched_without_order_by() -> None:
    assert _batch("UPDATE nokey SET v = 1;") == \
        "UPDATE nokey SET v = 1 WHERE NOT (v <=> 1) LIMIT 5000"
    assert "the table has no primary key" in (alternative("DELETE FROM nokey;") or "")
    assert "primary key is unknown" in (alternative("UPDATE elsewhere SET v = 'x';") or "")
    # A walk needs a key: the stand-in says what to put there.
    assert "replace the_key with a unique NOT NULL column" in \
        (alternative("UPDATE nokey SET v = v + 1;") or "")


def test_a_limit_bounds_the_rows_and_a_batch_directive_does_not_silence_it_on_mysql() -> None:
    assert alternative("UPDATE `order` SET `Flag` = 1 ORDER BY `select` LIMIT 100;") is None
    directive = "-- lockwise: batch size=5000 sleep=50\nUPDATE `order` SET `Flag` = 1;"
    assert alternative(directive, "mariadb") is not None
    assert "lockwise apply" not in (alternative(directive) or "")


@pytest.mark.parametrize("sql", [
    # a comma list joined in its WHERE changes every row that has a match
    "UPDATE `order`, pair SET pair.x = `order`.`Flag` WHERE pair.b = `order`.`select`;",
    "UPDATE `order` o, pair p SET p.x = o.`Flag` WHERE o.`select` = p.b AND p.a = o.`Flag`;",
    "DELETE pair FROM pair, `order` WHERE pair.b = `order`.`select`;",
    "DELETE FROM pair USING pair, `order` WHERE pair.b = `order`.`select`;",
    "UPDATE `order` JOIN pair ON pair.b = `order`.`select` SET pair.x = 1 WHERE 1 = 1;",
    # a WHERE true by its literals alone limits nothing
    "UPDATE `order` SET `Flag` = 1 WHERE true;",
    "DELETE FROM `order` WHERE 1 = 1;",
    "UPDATE `order` SET `Flag` = 1 WHERE 1;",  # MySQL reads a number other than 0 as true
    "DELETE FROM `order` WHERE 2 > 1 AND 0.5;",
])
def test_a_join_or_a_constant_where_is_no_batch(sql: str) -> None:
    instead = alternative(sql)
    assert instead is not None
    if "pair" in sql:  # the batches keep the join
        batch = [s for s in statements(instead) if isinstance(s, (exp.Update, exp.Delete))][0]
        assert any(isinstance(eq.this, exp.Column) and isinstance(eq.expression, exp.Column)
                   and {eq.this.name, eq.expression.name} == {"b", "select"}
                   for eq in batch.find_all(exp.EQ))


@pytest.mark.parametrize("sql", [
    "UPDATE `order`, pair SET pair.x = 1 WHERE pair.b = `order`.`select` AND pair.a < 10;",
    "UPDATE `order`, pair SET pair.x = 1 WHERE pair.b = `order`.`select` AND "
    "pair.a BETWEEN 1 AND 5000;",
    "UPDATE `order` JOIN pair ON pair.b = `order`.`select` AND pair.a < 10 SET pair.x = 1;",
    "UPDATE `order`, pair SET pair.x = 1 WHERE pair.b = `order`.`Flag` OR pair.a = 1;",
    "UPDATE `order`, pair SET pair.x = 1 WHERE pair.b = pair.a;",  # one table's columns
    "UPDATE `order` SET `Flag` = 1 WHERE `select` < 5000;",
    "UPDATE `order` SET `Flag` = 1 WHERE 0;",
])
def test_a_filter_or_a_key_range_beside_the_join_limits_it(sql: str) -> None:
    assert alternative(sql) is None
