"""A statement that does the same thing to several columns (one ALTER TABLE dropping two, a
CREATE TABLE with two char(n) columns) gets a finding for each column a rule names, each
saying which; not one for the first column written and silence about the rest."""

from __future__ import annotations

import json

import pytest

from test_rule_precision import findings

SETUP = ("CREATE TABLE t (id bigint PRIMARY KEY, a int, b int, c varchar(10), "
         "e timestamp, f timestamp);")


@pytest.mark.parametrize(("rule", "sql", "named"), [
    ("drop-column", "ALTER TABLE t DROP COLUMN a, DROP COLUMN b;", ["t.a ", "t.b "]),
    ("add-column-not-null-without-default",
     "ALTER TABLE t ADD COLUMN x int NOT NULL, ADD COLUMN y int NOT NULL;",
     ["COLUMN x ", "COLUMN y "]),
    ("ban-char-column", "CREATE TABLE u (x char(3), y char(3));", ["u.x ", "u.y "]),
])
def test_each_column_gets_its_own_finding(rule: str, sql: str, named: list[str]) -> None:
    found = [f for f in findings(sql, setup=SETUP) if f.rule == rule]
    assert [[n in f.message for n in named] for f in found] == [
        [i == j for j in range(len(named))] for i in range(len(named))], \
        [f.message for f in found]


@pytest.mark.parametrize(("rule", "sql", "first", "others", "instead"), [
    ("add-column-volatile-default",
     "ALTER TABLE t ADD COLUMN u uuid DEFAULT gen_random_uuid(), "
     "ADD COLUMN v uuid DEFAULT gen_random_uuid(), "
     "ADD COLUMN w uuid DEFAULT gen_random_uuid();", "ADD COLUMN u ", "columns v and w ",
     ["SET u = gen_random_uuid()", "SET v = gen_random_uuid()", "SET w = gen_random_uuid()"]),
    ("add-column-volatile-default",
     "ALTER TABLE t ADD COLUMN g2 bigint GENERATED ALWAYS AS (a * 2) STORED, "
     "ADD COLUMN note text, ADD COLUMN g3 bigint GENERATED ALWAYS AS (b * 3) STORED;",
     "ADD COLUMN g2 ", "column g3 ", ["SET g2 = a * 2", "SET g3 = b * 3"]),
    ("set-not-null", "ALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER COLUMN b SET NOT NULL;",
     "public.t.a ", "column b ", ["(a IS NOT NULL)", "(b IS NOT NULL)"]),
])
def test_a_statement_wide_alternative_is_one_finding_naming_every_column(
        rule: str, sql: str, first: str, others: str, instead: list[str]) -> None:
    """An alternative that is the statement's rewrite covers every column: one finding,
    whose message names the other columns too, rather than one repeating the same lines for
    each (temporal adds thirty generated columns in one ALTER TABLE)."""
    (finding,) = [f for f in findings(sql, setup=SETUP) if f.rule == rule]
    assert all(part in finding.instead for part in instead), finding.instead
    assert first in finding.message.split(":")[0] and \
        f"{others}likewise" in finding.message, finding.message


def test_a_multi_column_type_change_is_one_finding_as_it_is_one_rewrite() -> None:
    """ALTER TABLE t ALTER a TYPE ..., ALTER b TYPE ... rewrites t once (checked on 18.6: one
    new relfilenode, the table_rewrite event trigger fired once): one finding naming each
    column with its own reason, and each column's alternative."""
    sql = ("ALTER TABLE t ALTER COLUMN a TYPE bigint, ALTER COLUMN note TYPE text, "
           "ALTER COLUMN c TYPE varchar(5), ALTER COLUMN b TYPE bigint;")
    (finding,) = [f for f in findings(sql, setup=SETUP + "ALTER TABLE t ADD note varchar(9);")
                  if f.rule == "column-type-change-rewrites"]
    message = finding.message
    assert message.startswith("ALTER COLUMN a TYPE bigint rewrites public.t "), message
    assert message.count("integer -> bigint") == 2 and "varchar length shrinks" in message, message
    assert "ALTER COLUMN c TYPE varchar(5)" in message and \
        "ALTER COLUMN b TYPE bigint" in message and "note" not in message, message
    assert all(f"{column}_new" in finding.instead for column in "abc"), finding.instead


def test_rules_about_the_statement_stay_once() -> None:
    found = findings("ALTER TABLE t DROP COLUMN a, DROP COLUMN b;", setup=SETUP,
                     in_transaction=False)
    assert [f.rule for f in found].count("missing-lock-timeout") == 1


def test_json_lists_both_columns_findings(tmp_path) -> None:
    from typer.testing import CliRunner

    from lockwise.cli.app import app

    (tmp_path / "001_init.sql").write_text(SETUP + "\n")
    (tmp_path / "002_drop.sql").write_text("SET lock_timeout = '1s';\n"
                                           "ALTER TABLE t DROP COLUMN a, DROP COLUMN b;\n")
    result = CliRunner().invoke(app, ["lint", str(tmp_path), "--format", "json", "--no-cache"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    drops = [f for m in report["migrations"] for s in m["statements"] for f in s["findings"]
             if f["rule"] == "drop-column"]
    # each points at its own subcommand
    assert [(f["line"], f["column"], f["end_column"], "t.a " in f["message"],
             "t.b " in f["message"]) for f in drops] == [
        (2, 1, 27, True, False), (2, 30, 42, False, True)]


def test_each_table_a_statement_drops_gets_its_own_finding() -> None:
    """DROP TABLE a, b: a finding, and an alternative keeping it, for each table (lemmy drops
    four at once); not the first one's alone."""
    found = [f for f in findings("DROP TABLE t, t2;", setup=SETUP + "\nCREATE TABLE t2 (id int);")
             if f.rule == "drop-table"]
    assert [("public.t " in f.message, "public.t2 " in f.message) for f in found] == [
        (True, False), (False, True)], [f.message for f in found]
    assert "ALTER TABLE t RENAME TO t_deprecated" in found[0].instead
    assert "ALTER TABLE t2 RENAME TO t2_deprecated" in found[1].instead


def test_a_do_blocks_subcommands_point_at_its_statement() -> None:
    """An ALTER TABLE a DO block runs is found at its line in the block, not at a part of
    the DO statement cut by its commas."""
    found = [f for f in findings(
        "DO $$ BEGIN\nALTER TABLE t DROP COLUMN a, DROP COLUMN b;\nEND $$;", setup=SETUP)
        if f.rule == "drop-column"]
    assert [f.span.line for f in found] == [2, 2], [f.span for f in found]
