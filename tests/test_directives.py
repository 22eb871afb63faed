"""Ignore directives: lockwise's own form (with a required reason) and squawk's comments."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from lockwise.rules.directives import RENAMED_RULES, SQUAWK_ALIASES, parse_directive
from lockwise.rules.loader import load_rules

SETUP = "CREATE TABLE accounts (id bigint PRIMARY KEY, name text, email text, code char(2));"


def rules_fired(sql: str) -> list[str]:
    """Rule ids of all findings of `sql`, linted after a setup migration, in a transaction."""
    migrations = [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    reports = lint_migrations(migrations, LintOptions(assume_in_transaction=True), Catalog())
    return [f.rule for f in reports[-1].all_findings]


def test_without_a_directive_the_rule_fires() -> None:
    assert "drop-column" in rules_fired("ALTER TABLE accounts DROP COLUMN name;")


def test_ignore_with_reason_suppresses_only_that_rule_on_that_statement() -> None:
    fired = rules_fired(
        "-- lockwise: ignore[drop-column] reason: unused since release 4.2\n"
        "ALTER TABLE accounts DROP COLUMN name;\n"
        "ALTER TABLE accounts DROP COLUMN email;\n")
    assert fired.count("drop-column") == 1  # the second statement is not covered
    assert "ignore-without-reason" not in fired
    assert "unused-ignore" not in fired
    assert "missing-lock-timeout" in fired  # other rules on the same statement still fire


def test_ignore_without_reason_is_itself_a_finding() -> None:
    fired = rules_fired("-- lockwise: ignore[drop-column]\nALTER TABLE accounts DROP COLUMN name;")
    assert "ignore-without-reason" in fired
    assert "drop-column" not in fired


@pytest.mark.parametrize(("directive", "said"), [
    ("-- lockwise: ignore[drop-colum] reason: unused",
     "(no rule is named `drop-colum`; did you mean `drop-column`?)"),
    ("-- lockwise: ignore[drop-table, xyzzy] reason: unused", "(no rule is named `xyzzy`)"),
    ("-- squawk-ignore ban-drop-colum",
     "(no rule is named `ban-drop-colum`; did you mean `ban-drop-column`?)"),
    # a rule named that suppresses nothing here is no misspelling
    ("-- lockwise: ignore[drop-table] reason: cleanup", None),
])
def test_an_ignore_naming_no_rule_says_so(directive: str, said: str | None) -> None:
    """A misspelt rule id in a directive suppresses nothing: the finding names the id that
    is no rule and the rule meant, not only "name the rule it was meant for"."""
    migrations = [migration_from_text(SETUP, "0001_setup.sql"), migration_from_text(
        f"{directive}\nALTER TABLE accounts DROP COLUMN name;", "0002_change.sql")]
    reports = lint_migrations(migrations, LintOptions(assume_in_transaction=True), Catalog())
    (unused,) = [f for f in reports[-1].all_findings if f.rule == "unused-ignore"]
    assert "drop-column" in [f.rule for f in reports[-1].all_findings]
    if said is None:
        assert "no rule is named" not in unused.message
    else:
        assert f"suppresses no finding {said}: remove it" in unused.message, unused.message


def test_ignore_that_suppresses_nothing_is_reported() -> None:
    fired = rules_fired("-- lockwise: ignore[drop-table] reason: cleanup\n"
                        "ALTER TABLE accounts DROP COLUMN name;")
    assert "unused-ignore" in fired
    assert "drop-column" in fired


def test_file_level_ignore_covers_every_statement() -> None:
    fired = rules_fired(
        "-- lockwise: ignore-file[drop-column] reason: columns moved to profiles in 0041\n"
        "ALTER TABLE accounts DROP COLUMN name;\n"
        "ALTER TABLE accounts DROP COLUMN email;\n")
    assert "drop-column" not in fired
    assert "unused-ignore" not in fired


def test_unused_file_level_ignore_is_reported() -> None:
    fired = rules_fired("-- lockwise: ignore-file[drop-table] reason: nothing to drop\n"
                        "ALTER TABLE accounts ADD COLUMN note text;")
    assert "unused-ignore" in fired


@pytest.mark.parametrize(("comment", "rule", "sql"), [
    ("-- squawk-ignore ban-drop-column", "drop-column",
     "ALTER TABLE accounts DROP COLUMN name;"),
    ("-- squawk-ignore ban-char-field", "ban-char-column",
     "ALTER TABLE accounts ADD COLUMN country char(2);"),
    ("-- squawk-ignore prefer-bigint-over-int", "prefer-bigint",
     "ALTER TABLE accounts ADD COLUMN team_id int;"),
    ("-- squawk-ignore ban-truncate-cascade, ban-drop-column", "truncate-cascade",
     "TRUNCATE accounts CASCADE;"),
])
def test_squawk_ignore_suppresses_the_mapped_rule(comment: str, rule: str, sql: str) -> None:
    assert rule in rules_fired(sql)
    fired = rules_fired(f"{comment}\n{sql}")
    assert rule not in fired
    assert "ignore-without-reason" not in fired  # squawk has no reason syntax


def test_squawk_ignore_file_suppresses_in_every_statement() -> None:
    fired = rules_fired("-- squawk-ignore-file ban-drop-column\n"
                        "ALTER TABLE accounts DROP COLUMN name;\n"
                        "ALTER TABLE accounts DROP COLUMN email;\n")
    assert "drop-column" not in fired


def test_every_squawk_alias_names_a_shipped_rule() -> None:
    ids = {r.id for r in load_rules()}
    assert {alias: rule for alias, rule in SQUAWK_ALIASES.items() if rule not in ids} == {}


def test_a_directive_naming_a_merged_rule_ignores_the_rule_that_judges_it_now() -> None:
    trigger = "CREATE TRIGGER t BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION f();"
    assert "missing-lock-timeout" in rules_fired(trigger)
    fired = rules_fired("-- lockwise: ignore[trigger-without-lock-timeout] reason: tiny table\n"
                        + trigger)
    assert "missing-lock-timeout" not in fired and "unused-ignore" not in fired


def test_every_merged_rule_names_a_shipped_rule_and_is_not_one() -> None:
    ids = {r.id for r in load_rules()}
    assert {old: new for old, new in RENAMED_RULES.items() if new not in ids or old in ids} == {}


def test_parse_directive_reads_rules_and_reason() -> None:
    d = parse_directive("-- lockwise: ignore[drop-column, rename-column] reason: ticket 12")
    assert d is not None and not d.file_level
    assert d.rules == {"drop-column", "rename-column"} and d.reason == "ticket 12"
    block = parse_directive("/* lockwise: ignore-file[drop-table] reason: legacy */")
    assert block is not None and block.file_level and block.reason == "legacy"
    assert parse_directive("-- just a comment about lockwise") is None


def _placed(sql: str, dialect: str = "postgresql") -> list[tuple[str, int, int]]:
    migrations = [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    options = LintOptions(assume_in_transaction=True, dialect=dialect)
    reports = lint_migrations(migrations, options, Catalog())
    return sorted((f.rule, f.span.line, f.span.column) for f in reports[-1].all_findings
                  if f.span is not None and ("directive" in f.rule or "ignore" in f.rule))


@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_directive_findings_point_at_the_directive_comment(dialect: str) -> None:
    """unused-ignore and ignore-without-reason were placed at the statement the directive
    precedes (a directive on line 1 above blank lines was reported at 4:1)."""
    sql = ("-- lockwise: ignore[drop-table] reason: cleanup\n\n\n"
           "ALTER TABLE accounts ADD COLUMN note text;\n"
           "ALTER TABLE accounts\n  DROP COLUMN name /* lockwise: ignore[drop-column] */;\n")
    assert _placed(sql, dialect) == [("ignore-without-reason", 6, 20),
                                     ("unused-ignore", 1, 1)]


@pytest.mark.parametrize("comment", [
    "-- lockwise: ignore[drop-column] because the column is unused",
    "-- lockwise: ignore drop-column reason: unused",
    "/* LOCKWISE: ignore[drop-column] reasn: unused */",
])
@pytest.mark.parametrize("dialect", ["postgresql", "mysql"])
def test_a_malformed_directive_is_reported_at_its_comment(comment: str, dialect: str) -> None:
    """A directive lockwise cannot read ignores nothing: it was passed over in silence, so its
    writer believed the finding waived. It is reported where it is written."""
    sql = f"SELECT 1;\n  {comment}\nALTER TABLE accounts DROP COLUMN name;\n"
    assert _placed(sql, dialect) == [("invalid-directive", 2, 3)]
    assert "drop-column" in rules_fired(sql)


@pytest.mark.parametrize("comment", [
    "-- lockwise: ignore[drop-column] reason: unused since 4.2",
    "-- lockwise: ignore-file[drop-column] reason: unused since 4.2",
    "-- lockwise: ignore[drop-column]",
    "-- squawk-ignore ban-drop-column",
    "-- lockwise: batch size=100",
    "-- lockwise: this migration drops a column",
])
def test_well_formed_directives_and_prose_are_not_invalid(comment: str) -> None:
    assert "invalid-directive" not in rules_fired(
        f"{comment}\nALTER TABLE accounts DROP COLUMN name;\n")


def _findings(sql: str, setup: str = SETUP) -> list:
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    reports = lint_migrations(migrations, LintOptions(assume_in_transaction=True), Catalog())
    return reports[-1].all_findings


#: Rules judged at the end of the migration about what one statement did: the foreign key it
#: added without an index, the object it dropped without re-creating it.
STATEMENT_END_RULES = {
    "fk-without-index": (
        "CREATE TABLE orders (id bigint PRIMARY KEY);\n"
        "CREATE TABLE lines (id bigint PRIMARY KEY, order_id bigint, note_id bigint);\n"
        "CREATE TABLE notes (id bigint PRIMARY KEY);",
        "ALTER TABLE lines ADD CONSTRAINT lines_order_fk FOREIGN KEY (order_id) "
        "REFERENCES orders (id) NOT VALID;",
        "ALTER TABLE lines ADD CONSTRAINT lines_note_fk FOREIGN KEY (note_id) "
        "REFERENCES notes (id) NOT VALID;", "lines(order_id)", "lines(note_id)"),
    "drop-object": (
        SETUP + "\nCREATE FUNCTION old_fn(int) RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
        "CREATE VIEW old_view AS SELECT 1 AS one;",
        "DROP FUNCTION old_fn(int);", "DROP VIEW old_view;", "old_fn", "old_view"),
}


@pytest.mark.parametrize("rule", sorted(STATEMENT_END_RULES))
def test_an_end_of_migration_finding_points_at_the_statement_that_caused_it(rule: str) -> None:
    """Judged once the migration ends, the finding still names the statement that caused it,
    not the last statement of the file, which may have nothing to do with it."""
    setup, first, _, _, _ = STATEMENT_END_RULES[rule]
    (finding,) = [f for f in _findings(f"{first}\nALTER TABLE accounts ADD COLUMN x int;",
                                       setup) if f.rule == rule]
    assert (finding.span.line, finding.span.column) == (1, 1)


@pytest.mark.parametrize("rule", sorted(STATEMENT_END_RULES))
def test_an_ignore_on_the_statement_waives_its_end_of_migration_finding(rule: str) -> None:
    """`-- lockwise: ignore[rule]` on the statement that added the foreign key (dropped the
    object) waives what it did, as on any statement; the other statement's part stays."""
    setup, first, second, first_name, second_name = STATEMENT_END_RULES[rule]
    found = _findings(f"-- lockwise: ignore[{rule}] reason: reviewed\n{first}\n{second}", setup)
    assert "unused-ignore" not in {f.rule for f in found}
    (finding,) = [f for f in found if f.rule == rule]
    assert second_name in finding.message and first_name not in finding.message
    assert finding.span.line == 3
    found = _findings(f"-- lockwise: ignore[{rule}] reason: reviewed\n{first}", setup)
    assert {f.rule for f in found} & {rule, "unused-ignore"} == set()


@pytest.mark.parametrize("rename", [
    "ALTER TABLE lines RENAME CONSTRAINT lines_order_fk TO lines_order_id_fkey;",
    "ALTER TABLE lines RENAME TO order_lines;",
    "ALTER TABLE lines SET SCHEMA billing;",
])
def test_an_end_of_migration_finding_follows_its_foreign_key_through_a_rename(
        rename: str) -> None:
    """A foreign key renamed (or its table renamed or moved) later in the migration is still
    the one the statement added: the finding points at that statement, and its ignore
    waives it (it was reported at the end of the file, its ignore called unused)."""
    setup = STATEMENT_END_RULES["fk-without-index"][0] + "\nCREATE SCHEMA billing;"
    first = STATEMENT_END_RULES["fk-without-index"][1]
    (finding,) = [f for f in _findings(f"SELECT 1;\n{first}\n{rename}", setup)
                  if f.rule == "fk-without-index"]
    assert (finding.span.line, finding.span.column) == (2, 1)
    found = _findings(f"-- lockwise: ignore[fk-without-index] reason: reviewed\n{first}\n"
                      f"{rename}", setup)
    assert {f.rule for f in found} & {"fk-without-index", "unused-ignore"} == set()


@pytest.mark.parametrize(("name", "up", "down"), [
    ("00002_change.sql", "-- +goose Up", "-- +goose Down"),
    ("20240102000000_change.sql", "-- migrate:up", "-- migrate:down"),
    ("2_change.sql", "-- +migrate Up", "-- +migrate Down"),
])
def test_a_file_level_ignore_above_the_up_marker_covers_the_file(
        tmp_path, name: str, up: str, down: str) -> None:
    """Teams put a file's header comments first, above the tool's up marker (which the tools
    allow: comments only). An ignore-file directive there was left out with the text outside
    the up section: it ignored nothing and was not even reported as unused."""
    from lockwise.discover import discover

    version = name.split("_")[0]
    first = version.replace("2", "1", 1) if version != "2" else "1"
    (tmp_path / f"{first}_setup.sql").write_text(
        f"{up}\n{SETUP}\n{down}\nDROP TABLE accounts;\n")
    (tmp_path / name).write_text(
        "-- Drop the legacy name column.\n"
        "-- lockwise: ignore-file[drop-column] reason: unused since release 4.2\n"
        f"{up}\nALTER TABLE accounts DROP COLUMN name;\n"
        f"{down}\nALTER TABLE accounts ADD COLUMN name text;\n")
    reports = lint_migrations(discover(tmp_path), LintOptions(), Catalog())
    fired = [f.rule for f in reports[-1].all_findings]
    assert "drop-column" not in fired
    assert "unused-ignore" not in fired


def test_an_ignore_after_the_last_statement_is_reported_as_unused() -> None:
    """A statement's ignore written below it (or left behind when the statement after it
    was deleted) belongs to no statement: it suppresses nothing, and says so."""
    fired = rules_fired("ALTER TABLE accounts DROP COLUMN name;\n"
                        "-- lockwise: ignore[drop-column] reason: unused since release 4.2\n")
    assert "drop-column" in fired
    assert "unused-ignore" in fired
