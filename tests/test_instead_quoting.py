"""A finding's `instead` is SQL that names the user's own objects: mixed-case and reserved
names are quoted as PostgreSQL reads them back, SQL text facts are left as they are."""

from __future__ import annotations

import json
import re
import string
import subprocess
import sys
from pathlib import Path

import pytest
from pglast import parser

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.quoting import quote_literal
from lockwise.rules.instead import SQL_FACTS, SQL_TEXT_FACTS, built_names, render_instead
from lockwise.rules.instead_lines import PROSE, TEXT, line_kinds
from lockwise.rules.loader import load_rules

PG_RULES = [r for r in load_rules() if "postgresql" in r.dialects]

#: Names PostgreSQL reads wrongly unquoted: mixed case, reserved words, a quote character.
NAMES: dict[str, object] = {
    "table": "App.User", "table_sql": "App.User", "table_name": "User",
    "qualified": True, "column": "displayName", "constraint": "User_displayName_Check",
    "index": "App.User_Name_Idx", "index_sql": "App.User_Name_Idx", "index_name": "User_Idx",
    "new_name": "NewName", "not_null_check": "User_displayName_not_null_Check",
    "deprecated_name": "User_deprecated",
    "tablespace": "Fast_SSD", "savepoint": "Before Backfill",
    "new_table": "App.NewName", "new_table_sql": "App.NewName",
    "schema": "App", "using_index": "User_pkey_Idx", "name": 'App.Or"der',
    "partition": "App.Part2024", "partition_sql": "App.Part2024",
    "parent": "App.Base", "parent_sql": "App.Base",
    "ref_table": "App.Team", "ref_table_sql": "App.Team", "type": "App.Status",
    "tables": ("App.User", "public.order"),
    "holds_exclusive_from_earlier": ("App.User", "public.order"),
    "columns": ("teamId", "select"), "columns_text": "teamId, select",
    "ref_columns": ("Id", "user"), "ref_columns_text": "Id, user",
    "pk_nullable_columns": ("Id",), "pk_nullable_columns_text": "Id",
    "pk_not_null_check": "User_Id_not_null_Check",
    "pk_not_null_predicate_sql": '"Id" IS NOT NULL',
    "pk_set_not_null_sql": 'ALTER COLUMN "Id" SET NOT NULL',
    "partition_key": ("createdAt",), "partition_key_text": "createdAt",
    "new_value": "It's new", "old_value": "Old", "value": "5s",
    "uses_enum_value_added_in_transaction": ("New",),
    "used_by_views": ("App.V_Users",), "used_by_views_text": "App.V_Users",
    "view_columns": ("Id", "displayName"), "view_columns_text": "Id, displayName",
    "used_by_generated": ("Total",), "used_by_generated_text": "Total",
}

#: SQL text facts, as the effect model writes them.
SQL_TEXT: dict[str, object] = {
    "view_aliases_sql": ' ("Id", "Name")', "view_query_sql": 'SELECT "Id", name FROM "App"."User"',
    "view_dependents_note": "-- Over it, dropped first: App.V_Users\n",
    "advisory_xact_lock_sql": "SELECT pg_advisory_xact_lock(hashtext('Backfill'));",
    "advisory_unlock_sql": "SELECT pg_advisory_unlock(hashtext('Backfill'));",
    "temporary_routine_sql": 'pg_temp."OrderTotal"',
    "not_unique_routine_sql": 'app."OrderTotal"(int8)',
    "name_sql": '"App"."Or""der"', "name_literal_sql": "'public.\"Order_Id_seq\"'",
    "type_text": "numeric(10,2)", "new_type_text": "bigint", "column_type_sql": "text",
    "column_type_note": "",
    "held_exclusive_since": 2,
    "base_type": "text", "length_sql": "10", "bound_from_sql": "'2024-01-01'",
    "bound_to_sql": "'2025-01-01'", "mode_sql": "SHARE ROW EXCLUSIVE", "target": "index",
    "command": "LOCK TABLE", "object_type": "type",
    "unindexed_foreign_keys_sql": 'CREATE INDEX CONCURRENTLY "Ix" ON "App"."User" ("teamId");',
    "long_identifier_truncated": "x", "rules": "drop-table",
    "dropped_not_recreated_text": "table App.User",
    "dynamic_sql_text": "EXECUTE format('ALTER TABLE %I ADD x int', r.relname) (line 3 of "
                        "the block)",
    "dropped_not_recreated_them": "it", "algorithm": "INPLACE",
    "alter_clause": "ADD COLUMN x int",
    "partitioned_index_sql": 'CREATE INDEX "Ix" ON ONLY "App"."User" ("teamId");',
    "partitioned_constraint_sql": 'ALTER TABLE "App"."User" ADD UNIQUE ("teamId");',
    "partitioned_reindex_sql": 'REINDEX INDEX CONCURRENTLY "App"."Ix";',
    "drop_partition_sql": 'DROP TABLE "App"."Part2024";',
    "policies_dropped_sql": 'DROP POLICY "Own" ON "App"."User";',
    "drop_used_policies_sql": 'DROP POLICY "Own" ON "App"."User";',
    "drop_used_triggers_sql": 'DROP TRIGGER "Audit" ON "App"."User";',
    "refresh_concurrently_sql": 'REFRESH MATERIALIZED VIEW CONCURRENTLY "App"."UserStats";',
    "drop_used_routines_sql": 'DROP FUNCTION "App"."Count"();',
    "callers_dropped_sql": 'ALTER TABLE "App"."User" ALTER COLUMN "Region" DROP DEFAULT;',
    "execute_select_into_sql": "DO $$ BEGIN EXECUTE 'CREATE TABLE \"App\".\"Copy\" AS "
                               "SELECT 1'; END $$;",
    "refused_index_drop_sql": 'ALTER TABLE "App"."User" DROP CONSTRAINT "User_pkey";',
    "dropped_outside_sql": 'ALTER TABLE "App"."User" DROP COLUMN "Mood";',
    "refused_function_drop_sql": 'ALTER TABLE "App"."User" ALTER COLUMN "Score" DROP DEFAULT;',
    "refused_operator_drop_sql": 'ALTER TABLE "App"."User" ALTER COLUMN "Score" DROP DEFAULT;',
    "refused_routine_kind_drop_sql": 'DROP AGGREGATE "App"."Total"(integer);',
    "refused_member_drop_sql": 'DROP OPERATOR CLASS "App"."Score_Ops" USING btree;',
    "refused_array_type_sql": 'ALTER TYPE "App"."Mood" RENAME TO "Feeling";',
    "refused_array_type_hint": 'You can alter type "App"."Mood", which will alter the array '
                               "type as well.",
    "refused_sequence_name": "Orders_Id",
    "policies_dropped_text": "Own on App.User",
    "plain_type_text": "bigint", "bigint_type_sql": "bigint", "row_key_sql": '("Id", "user")',
    "widen_references_sql": 'and "userId" bigint in "Account", which references it: widen '
                            "both, or neither",
    "row_key_columns_sql": '"Id", "user"', "statement_head_sql": 'UPDATE "App"."User" SET a = 1',
    "backfill_value_sql": "gen_random_uuid()", "check_sql": "VALUE > 0",
    "converted_value_sql": "\"displayName\"::bigint * 2",
    "syntax_instead": "instead of MERGE: INSERT ... ON CONFLICT\n-- instead of MERGE ... "
                      "RETURNING: a SELECT after it", "syntax_needs_version": 17,
    "expression_sql": "qty * 2", "expression_over_new_sql": "new.qty * 2",
    "generated_column": "Total", "generation_expression_sql": "bucket_of(qty)",
    "user_defined_uses_text": "function bucket_of()",
    "regenerated_sql": 'ALTER TABLE "App"."User" DROP COLUMN "Total", ALTER COLUMN qty TYPE '
                       'bigint, ADD COLUMN "Total" bigint GENERATED ALWAYS AS (qty * 2) STORED',
    "regenerated_how": "PostgreSQL runs an ALTER TABLE's drops first.\n-- Total: again.",
    "stand_in_default_sql": "0", "if_not_exists_sql": "IF NOT EXISTS ", "unique_index_sql":
        'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "V_key" ON "App"."V" (x);',
    "enum_values_added_sql": "ALTER TYPE \"Mood\" ADD VALUE IF NOT EXISTS 'calm';",
    "constraint_added_sql": "CHECK (x > 0) NOT VALID",
    "foreign_key_sql": 'FOREIGN KEY ("teamId") REFERENCES "App"."Team" ("Id") NOT VALID',
    "per_table_checks_sql": 'ALTER TABLE "App"."User" ADD CONSTRAINT "User_n_check"\n'
                            '  CHECK (<the check, with "n" for VALUE>) NOT VALID;',
    "missing_object_owner_sql": 'domain "App"."Amount"',
    "missing_object_describe_sql": '\\dD+ "App"."Amount"',
    "missing_object_rerun_sql": 'ALTER DOMAIN "App"."Amount" DROP CONSTRAINT IF EXISTS '
                                '"Amount_check";',
    "not_valid_sql": 'ALTER DOMAIN "App"."Amount" ADD CONSTRAINT "Amount_check" CHECK (VALUE > 0)'
                     " NOT VALID;",
    "prevalidated_keys_sql": 'ALTER TABLE "App"."Part2026" VALIDATE CONSTRAINT "Fk";',
    "partition_keys_sql": 'ALTER TABLE "App"."Part2026" ADD CONSTRAINT "Fk" FOREIGN KEY ("A") '
                          'REFERENCES "App"."User" NOT VALID;',
    "indexes_dropped_first_sql": 'DROP INDEX CONCURRENTLY IF EXISTS "App"."User_idx";',
    "checks_dropped_first_sql": 'ALTER TABLE "App"."User" DROP CONSTRAINT "User_check";',
    "type_change_sql": 'ALTER TABLE "App"."User" ALTER COLUMN "displayName" TYPE text;',
    "checks_added_after_sql": 'ALTER TABLE "App"."User" ADD CONSTRAINT "User_check" CHECK '
                              '("Mixed Col" > 0) NOT VALID;',
    "deprecated_names_sql": 'ALTER INDEX "App"."User_pkey" RENAME TO "User_pkey_deprecated";',
    "grants_copied_sql": "DO $lockwise$ BEGIN EXECUTE 'GRANT SELECT ON \"App\".\"User\" TO "
                         "reporting'; END $lockwise$;",
    "indexes_built_after_sql": 'CREATE INDEX CONCURRENTLY IF NOT EXISTS "User_idx" ON '
                               '"App"."User" ("displayName");',
    "indexes_swapped_in_sql": 'ALTER TABLE "App"."User" ADD CONSTRAINT "User_pkey" PRIMARY '
                              'KEY USING INDEX "User_pkey_new";',
    "prebuilt_indexes_sql": 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "Part2026_pkey" '
                            'ON "App"."Part2026" ("Id");',
    "index_parts_sql": 'ALTER INDEX "App"."Events_Id_idx" ATTACH PARTITION '
                       '"App"."Part2026_Id_idx";',
    "children_not_null_sql": 'ALTER TABLE "App"."Part2026" ADD CONSTRAINT "Nn" NOT NULL '
                             '"displayName" NOT VALID;',
    "children_validate_sql": 'ALTER TABLE "App"."Part2026" VALIDATE CONSTRAINT "Nn";',
    "child_not_null_sql": 'ALTER TABLE "App"."Part2026" ADD CONSTRAINT "Nn" CHECK '
                          '("displayName" IS NOT NULL) NOT VALID;',
    "attach_after_prebuilt_sql": 'ALTER TABLE "App"."User" ATTACH PARTITION "App"."Part2026" '
                                 "FOR VALUES IN ('x');  -- takes them over, builds nothing",
    "add_partition_sql": 'CREATE TABLE "App"."Part2026" PARTITION OF "App"."User" '
                         "FOR VALUES IN ('x');",
    "default_partition_sql": '"App"."UserRest"', "default_check_name": '"UserRest_excludes"',
    "default_exclusion_sql": "\"region\" NOT IN ('x')",
    "not_yet_done_sql": " WHERE x IS DISTINCT FROM (1)", "join_condition_sql": "",
    "returning_sql": ' RETURNING "Id", total',
    "new_column_default_sql": 'ALTER TABLE "App"."User" ALTER COLUMN "Mixed Col_new" SET '
                              "DEFAULT ('x')::uuid;",
    "new_column_not_null_sql": 'ALTER TABLE "App"."User" ADD CONSTRAINT "C" CHECK '
                               '("Mixed Col_new" IS NOT NULL) NOT VALID;',
    "new_column_validated_sql": 'ALTER TABLE "App"."User" VALIDATE CONSTRAINT "C";',
    "new_column_renamed_sql": 'ALTER TABLE "App"."User" RENAME CONSTRAINT "C" TO "D";',
    "batch_how_text": "repeat until no rows are updated, each batch in its own transaction:",
    "where_batch_how_text": 'in batches by "Id", each in its own transaction:',
    "where_batch_sql": 'UPDATE "App"."User" SET "displayName" = \'b\' WHERE "displayName" = '
                       '\'a\' AND "Id" >= 1 AND "Id" < 5001;',
    "alter_type_sql": 'ALTER TYPE "App"."Address" ADD ATTRIBUTE "Zip_new" bigint CASCADE;',
    "instant_column_sql": '"Big Score" numeric(10, 2) DEFAULT 0 NOT NULL',
    "truncated_tables_sql": '"App"."User", "App"."V_Users"',
    "drop_views_sql": 'DROP MATERIALIZED VIEW "App"."V_Users";',
    "roles_sql": '"Legacy_App", CURRENT_USER', "new_role_sql": '"App"',
    "identity_generated_sql": "BY DEFAULT",
    "identity_sql": 'GENERATED BY DEFAULT AS IDENTITY (SEQUENCE NAME "App"."User_Ids")',
    "identity_setval_sql": "SELECT setval(pg_get_serial_sequence('\"App\".\"User\"', "
                           "'displayName'), coalesce(max(\"displayName\"), 0) + 1, false) "
                           'FROM "App"."User";',
    "enum_backfill_sql": 'UPDATE "App"."User" SET "displayName" = \'b\' WHERE "Id" IN '
                         '(SELECT "Id" FROM "App"."User" WHERE "displayName" = \'a\' LIMIT 5000);',
}

FACTS = {**NAMES, **SQL_TEXT}

#: Names each identifier fact stands for, as PostgreSQL reads them back.
EXPECTED: dict[str, list[str]] = {
    key: list(value) if isinstance(value, tuple) else str(value).split(".", 1)
    for key, value in NAMES.items() if key in SQL_FACTS and isinstance(value, (str, tuple))
}
EXPECTED["tables"] = [part for name in NAMES["tables"] for part in name.split(".", 1)]
for text, items in (("columns_text", "columns"), ("ref_columns_text", "ref_columns"),
                    ("pk_nullable_columns_text", "pk_nullable_columns"),
                    ("partition_key_text", "partition_key"),
                    ("view_columns_text", "view_columns")):
    EXPECTED[text] = list(NAMES[items])


def templates(rule) -> list[str]:
    return [t for t in (rule.instead, rule.instead_outside_transaction) if t]


def placeholders(template: str) -> set[str]:
    return {key for _, key, _, _ in string.Formatter().parse(template) if key}


#: The templates' own placeholders for what lockwise cannot know, made SQL.
ELLIPSES: tuple[tuple[str, str], ...] = ()


def sql_lines(text: str) -> list[str]:
    """The statements of an `instead`: lines that are not comments, without their trailing
    comment, an indented line joined to the one before (every line of a DO block);
    placeholders (`<value>`, `...`) made
    SQL."""
    out: list[str] = []
    for line in text.splitlines():
        sql = line.split("  --", 1)[0].rstrip()
        if not sql.strip() or sql.lstrip().startswith("--"):
            continue
        sql = re.sub(r"<[^>]*>", "x", sql)
        for placeholder, replacement in ELLIPSES:
            sql = sql.replace(placeholder, replacement)
        # (a DO block's body goes on until its closing dollar quote)
        if out and (sql.startswith(" ") and not out[-1].endswith(";")
                    or out[-1].count("$lockwise$") % 2):
            out[-1] += " " + sql.strip()
        else:
            out.append(sql.strip())
    return out


def parse_tree(sql: str) -> dict:
    """The JSON parse tree of `sql`: statements, or a column definition (read as part of a
    CREATE TABLE), or a table reference; raises the error of `sql` read as statements."""
    # (the column definition's own trailing comment must not hide the closing parenthesis)
    for form in (sql, f"CREATE TABLE t ({sql.rstrip(';')}\n)", f"SELECT FROM {sql}"):
        try:
            return json.loads(parser.parse_sql_json(form))
        except parser.ParseError:
            continue
    parser.parse_sql(sql)  # raises the first form's error
    raise AssertionError("unreachable: the first form parsed")


def _body_names(body: str) -> list[str]:
    """The identifiers of a function's body (a string in the parse tree), as PostgreSQL
    reads them: unquoted, or folded to lower case."""
    names = []
    for token in parser.scan(body):
        if token.name == "IDENT":
            text = body[token.start:token.end + 1]
            names.append(text[1:-1].replace('""', '"') if text.startswith('"') else text.lower())
    return names


def tree_names(sql: str) -> list[str]:
    """Every name and string in the parse tree of `sql` (a column definition is read as
    part of a CREATE TABLE), and the identifiers of a function's body."""
    tree = parse_tree(sql)
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, str) and key not in ("location",):
                    found.append(value)
                    if key == "sval" and value.lstrip().startswith("BEGIN"):
                        found.extend(_body_names(value))
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)
    walk(tree)
    return found




@pytest.mark.parametrize("rule", PG_RULES, ids=lambda r: r.id)
def test_every_placeholder_is_classified(rule) -> None:
    for template in templates(rule):
        unknown = placeholders(template) - SQL_FACTS.keys() - SQL_TEXT_FACTS
        assert not unknown, f"{rule.id}: classify {unknown} in lockwise.rules.instead"


@pytest.mark.parametrize("rule", PG_RULES, ids=lambda r: r.id)
def test_every_instead_parses_and_names_the_right_objects(rule) -> None:
    for template in templates(rule):
        rendered = render_instead(template, FACTS)
        assert "{" not in rendered, rendered
        # Statement by statement, each with the facts its template names.
        for statement, sql in zip(sql_lines(template), sql_lines(rendered), strict=True):
            if sql.startswith(PROSE):
                continue
            names = tree_names(sql)
            runs = built_names(statement)
            for run in runs:
                name = "".join(p if isinstance(p, str) else str(FACTS[p[0]]) for p in run)
                assert name in names, f"{rule.id}: {name} not in {sql}"
            in_built = {p[0] for run in runs for p in run if isinstance(p, tuple)}
            for key in placeholders(statement) & SQL_FACTS.keys() - in_built:
                parts = EXPECTED[key]
                # A setting's name is one dotted string in the tree.
                assert all(p in names for p in parts) or ".".join(parts) in names, \
                    f"{rule.id}: {key}={parts} not in {sql}"


def test_a_qualified_name_is_quoted_part_by_part() -> None:
    assert render_instead("DROP INDEX {index};", {"index": "App.User_idx"}) == \
        'DROP INDEX "App"."User_idx";'
    assert render_instead("ALTER TYPE {type}", {"type": "public.status"}) == \
        "ALTER TYPE public.status"


def test_a_relation_keeps_the_schema_only_where_the_statement_wrote_one() -> None:
    template = "ALTER TABLE {table_sql}"
    written = {"table": "public.User", "table_sql": "User"}
    assert render_instead(template, written) == 'ALTER TABLE "User"'
    assert render_instead(template, {**written, "table_sql": "public.User"}) == \
        'ALTER TABLE public."User"'
    # A bare name holding a dot is one identifier, not a schema and a table.
    assert render_instead(template, {"table": "public.a.b", "table_sql": "a.b"}) == \
        'ALTER TABLE "a.b"'
    # No as-written form: the qualified name.
    assert render_instead(template, {"table": "app.Orders"}) == 'ALTER TABLE app."Orders"'


def test_a_list_is_quoted_item_by_item() -> None:
    facts = {"columns": ("teamId", "id", "(expression)"), "columns_text": "teamId, id, ..."}
    assert render_instead("({columns_text})", facts) == '("teamId", id, (expression))'
    # Without its items (a placeholder such as <key>), the text as it is.
    assert render_instead("({partition_key_text})", {"partition_key": (),
                                                     "partition_key_text": "<key>"}) == "(<key>)"


def test_a_built_name_is_one_identifier() -> None:
    facts = {"table_name": "User", "column": "displayName"}
    assert render_instead("ADD CONSTRAINT {table_name}_{column}_not_null", facts) == \
        'ADD CONSTRAINT "User_displayName_not_null"'
    assert render_instead("{column}_new {column}", facts) == \
        '"displayName_new" "displayName"'
    plain = {"table_name": "users", "column": "email"}
    assert render_instead("{table_name}_{column}_not_null", plain) == "users_email_not_null"
    # A suffix making a reserved word is quoted too.
    assert render_instead("{table_name}_table", {"table_name": "current"}) == \
        "current_table"
    assert render_instead("{column}role", {"column": "current_"}) == '"current_role"'


def test_a_built_name_is_cut_to_63_bytes_as_postgresql_cuts_it() -> None:
    from lockwise.catalog.replay import generated_name

    facts = {"table_name": "T" * 40, "column": "é" * 20}
    rendered = render_instead("{table_name}_{column}_not_null", facts)
    name = rendered.strip('"')
    assert len(name.encode()) <= 63
    # the facts shortened, the longer first, as PostgreSQL names what it makes: the suffix
    # stays, and no character is cut in half
    assert name == generated_name("T" * 40, "é" * 20, "not_null")
    assert name.endswith("é_not_null")
    # PostgreSQL reads the quoted name back as the same 63 bytes.
    stmt = json.loads(parser.parse_sql_json(f"ALTER TABLE t DROP CONSTRAINT {rendered}"))
    assert json.dumps(stmt, ensure_ascii=False).count(name) == 1


def test_sql_text_facts_are_left_alone() -> None:
    facts = {"table": "public.t", "table_sql": "t", "column": "Col", "new_type_text":
             'numeric(10,2)', "unindexed_foreign_keys_sql": 'CREATE INDEX "I" ON "T" ("c");',
             "length_sql": "<n>", "mode_sql": "ACCESS EXCLUSIVE"}
    assert render_instead("ADD COLUMN {column} {new_type_text}", facts) == \
        'ADD COLUMN "Col" numeric(10,2)'
    assert render_instead("{unindexed_foreign_keys_sql}", facts) == \
        'CREATE INDEX "I" ON "T" ("c");'
    assert render_instead("<= {length_sql} IN {mode_sql} MODE", facts) == \
        "<= <n> IN ACCESS EXCLUSIVE MODE"
    # A name built with SQL text in it is not one identifier: each piece as it is.
    assert render_instead("{column}{length_sql}", facts) == '"Col"<n>'


def test_constants_are_string_literals() -> None:
    assert render_instead("ADD VALUE {new_value}", {"new_value": "it's"}) == \
        "ADD VALUE 'it''s'"
    assert render_instead("{value}", {"value": 5000}) == quote_literal("5000")


def test_missing_facts_stay_visible_and_mysql_names_take_backticks() -> None:
    assert render_instead("ALTER TABLE {table_sql} ADD {column}_x", {}) == \
        "ALTER TABLE {table_sql} ADD {column}_x"
    mysql = {"dialect": "mysql", "table": "db.Order", "table_sql": "db.Order",
             "column": "select", "new_name": "my col", "value": "it's \\"}
    assert render_instead("ALTER TABLE {table_sql} RENAME COLUMN {column} TO {new_name}",
                          mysql) == "ALTER TABLE db.`Order` RENAME COLUMN `select` TO `my col`"
    assert render_instead("{value}", mysql) == "'it''s \\\\'"
    plain = {"dialect": "mariadb", "table": "accounts", "table_sql": "accounts", "column": "id"}
    assert render_instead("ALTER TABLE {table_sql} DROP COLUMN {column}", plain) == \
        "ALTER TABLE accounts DROP COLUMN id"


def test_unindexed_foreign_key_index_is_quoted_and_named_within_63_bytes() -> None:
    table = "Tab" + "x" * 55
    sql = (f'CREATE TABLE "Team" (id int PRIMARY KEY);\n'
           f'CREATE TABLE "{table}" ("teamId" int REFERENCES "Team", "order" int);\n'
           f'ALTER TABLE "{table}" ADD FOREIGN KEY ("order") REFERENCES "Team";\n')
    reports = lint_migrations([migration_from_text(sql, "0001_fk.sql")], LintOptions(),
                              Catalog())
    found = [f for r in reports for f in r.findings if f.rule == "fk-without-index"]
    assert len(found) == 1
    first, second = sql_lines(found[0].instead)
    # As PostgreSQL names `CREATE INDEX ON t (c)` (makeObjectName): the table's name is cut
    # so that the column's and `_idx` fit in 63 bytes. The table is new: built in place.
    long_name = "Tab" + "x" * 49 + "_teamId_idx"
    assert first == f'CREATE INDEX IF NOT EXISTS "{long_name}" ON "{table}" ("teamId");'
    assert len(long_name.encode()) == 63
    assert second == (f'CREATE INDEX IF NOT EXISTS "Tab{"x" * 50}_order_idx" ON "{table}" '
                      '("order");')
    for line in (first, second):
        assert table in tree_names(line)


def test_cli_json_instead_for_a_prisma_migration(tmp_path: Path) -> None:
    root = tmp_path / "prisma" / "migrations"
    (root / "20240101000000_init").mkdir(parents=True)
    (root / "20240102000000_nn").mkdir()
    (root / "20240101000000_init" / "migration.sql").write_text(
        'CREATE TABLE "User" ("id" SERIAL NOT NULL, "displayName" TEXT, '
        'CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n')
    (root / "20240102000000_nn" / "migration.sql").write_text(
        'ALTER TABLE "User" ALTER COLUMN "displayName" SET NOT NULL;\n')
    out = subprocess.run([sys.executable, "-m", "lockwise", "lint", "--no-cache", "-f", "json",
                          str(tmp_path)], capture_output=True, text=True, check=False)
    report = json.loads(out.stdout)
    found = [f for m in report["migrations"] for s in m["statements"] for f in s["findings"]
             if f["rule"] == "set-not-null"]
    assert len(found) == 1
    instead = found[0]["instead"]
    assert instead.splitlines()[0] == (
        'ALTER TABLE "User" ADD CONSTRAINT "User_displayName_not_null_check" '
        'CHECK ("displayName" IS NOT NULL) NOT VALID;')
    for sql in sql_lines(instead):
        parser.parse_sql(sql)
    # The message keeps the names as they are.
    assert "User" in found[0]["message"]


SETUP = ('CREATE SCHEMA app; CREATE TABLE app."User" (id int);'
         'CREATE TABLE "Team" (id int); CREATE INDEX "Idx" ON "Team" (id);'
         'CREATE INDEX "Idx" ON app."User" (id);'
         'CREATE TABLE "M" ("createdAt" date) PARTITION BY RANGE ("createdAt");'
         'CREATE TABLE "M_2024" PARTITION OF "M"'
         ' FOR VALUES FROM (\'2024-01-01\') TO (\'2025-01-01\');'
         'CREATE TABLE "M_2025" ("createdAt" date);'
         'CREATE TYPE "Status" AS ENUM (\'Old\');')


def instead_of(sql: str, rule: str) -> list[str]:
    """The statements of `rule`'s `instead` for `sql`, run after SETUP."""
    migrations = [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    reports = lint_migrations(migrations, LintOptions(assume_in_transaction=True), Catalog())
    found = [f for s in reports[-1].statements for f in s.findings if f.rule == rule]
    assert found, f"{rule} not reported for {sql}"
    return sql_lines(found[0].instead)


@pytest.mark.parametrize(("sql", "rule", "expected"), [
    ('DROP INDEX "Idx";', "drop-index-without-concurrently",
     'DROP INDEX CONCURRENTLY IF EXISTS "Idx";'),
    # A control character is no identifier character: unquoted it would not parse (the CLI
    # audit found `IF NOT EXISTS a<ESC>b`).
    ('CREATE INDEX "a\x1bb" ON "Team" (id);', "index-without-concurrently",
     'CREATE INDEX CONCURRENTLY IF NOT EXISTS "a\x1bb" ON "Team" (id);'),
    ('DROP INDEX "a\tb";', "drop-index-without-concurrently",
     'DROP INDEX CONCURRENTLY IF EXISTS "a\tb";'),
    ('DROP INDEX app."Idx";', "drop-index-without-concurrently",
     'DROP INDEX CONCURRENTLY IF EXISTS app."Idx";'),
    ('DROP TABLE "Team";', "drop-table",
     'ALTER TABLE "Team" RENAME TO "Team_deprecated";'),
    ('DROP TABLE public."Team";', "drop-table",
     'ALTER TABLE public."Team" RENAME TO "Team_deprecated";'),
    ('ALTER TABLE app."User" RENAME TO "Person";', "rename-table",
     'CREATE VIEW app."User" AS SELECT * FROM app."Person";'),
    ('REINDEX INDEX app."Idx";', "reindex-without-concurrently",
     'REINDEX INDEX CONCURRENTLY app."Idx";'),
    ('ALTER TABLE "M" DETACH PARTITION "M_2024";', "detach-partition-without-concurrently",
     'ALTER TABLE "M" DETACH PARTITION "M_2024" CONCURRENTLY;'),
    ('ALTER TABLE "M" ATTACH PARTITION "M_2025" FOR VALUES FROM (\'2025-01-01\') TO '
     '(\'2026-01-01\');', "attach-partition-without-check",
     'ALTER TABLE "M_2025" ADD CONSTRAINT partition_bound_check CHECK ("createdAt" IS NOT NULL '
     'AND "createdAt" >= \'2025-01-01\' AND "createdAt" < \'2026-01-01\') NOT VALID;'),
    ('ALTER TABLE "M" ADD PRIMARY KEY ("createdAt");', "unique-constraint-on-partitioned-table",
     'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "M_2024_pkey" ON "M_2024" ("createdAt");'),
    ('ALTER TYPE "Status" RENAME VALUE \'Old\' TO \'It\'\'s\';', "enum-rename-value",
     'ALTER TYPE public."Status" ADD VALUE IF NOT EXISTS \'It\'\'s\';'),
])
def test_statement_names_reach_the_instead_as_written(sql: str, rule: str, expected: str) -> None:
    lines = instead_of(sql, rule)
    assert expected in lines
    for line in lines:
        tree_names(line)  # parses


def statements_text(instead: str) -> str:
    """An `instead` as the SQL it asks to run: comment lines and prose lines (with their
    indented continuation lines) left out, but a batch directive (`-- lockwise: batch`), which
    marks the statement after it for `lockwise apply`; a statement may span lines, as a DO
    block does."""
    kept: list[str] = []
    for kind, line in line_kinds(instead):
        if kind != TEXT and (not line.lstrip().startswith("--") or
                             line.startswith("-- lockwise: batch ")):
            kept.append(line)
    return "\n".join(kept)


#: Rules whose rendered `instead` still holds a placeholder where a statement is expected
#: (`...`, `<...>`), with what it stands for: left to fix. Strict: a fixed one must leave.
NOT_YET_SQL = {
}


def _rendered_insteads() -> list:
    cases = []
    for rule in PG_RULES:
        for i, example in enumerate(rule.examples):
            if example.bad and (example.dialect or "postgresql") == "postgresql":
                case = f"{rule.id}-{i}"
                marks = [pytest.mark.xfail(reason=NOT_YET_SQL[case], strict=True)] \
                    if case in NOT_YET_SQL else []
                cases.append(pytest.param(rule, example, id=case, marks=marks))
    return cases


@pytest.mark.parametrize(("rule", "example"), _rendered_insteads())
def test_every_rendered_instead_parses(rule, example) -> None:
    """What a finding suggests runs as written: no `<value>` or `<table>` left for lockwise's
    reader to fill in where a statement is expected (what only the user can choose is a
    named stand-in with a comment, or sits in a comment)."""
    from test_rule_examples import findings_for

    found = findings_for(example, rule)
    assert found
    for finding in found:
        sql = statements_text(finding.instead)
        try:
            parse_tree(sql)
        except parser.ParseError as exc:
            pytest.fail(f"{rule.id}: {exc} in\n{sql}")


@pytest.mark.parametrize(("sql", "rule", "expected"), [
    # No mechanical rewrite (PRIMARY KEY, an identity): the template's backfill writes what
    # PostgreSQL would have computed, not a <value> placeholder.
    ('ALTER TABLE "Team" ADD COLUMN token uuid DEFAULT gen_random_uuid() PRIMARY KEY, '
     'ADD COLUMN note text;', "add-column-volatile-default",
     'UPDATE "Team" SET token = gen_random_uuid() WHERE ctid IN (SELECT ctid FROM "Team" '
     'WHERE token IS NULL LIMIT 5000);'),
    ('ALTER TABLE app."User" ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;',
     "add-column-volatile-default",
     'UPDATE app."User" SET n = nextval(\'app."User_n_seq"\') WHERE ctid IN (SELECT ctid '
     'FROM app."User" WHERE n IS NULL LIMIT 5000);'),
    ('ALTER TABLE "Team" ADD COLUMN g int GENERATED ALWAYS AS (id * 2) STORED CHECK (g > 0);',
     "add-column-volatile-default",
     'UPDATE "Team" SET g = id * 2 WHERE ctid IN (SELECT ctid FROM "Team" WHERE g IS NULL '
     'LIMIT 5000);'),
    # Batches skip the rows done: those already holding what the UPDATE sets...
    ('UPDATE "Team" SET id = 7;', "unbatched-backfill",
     'UPDATE "Team" SET id = 7 WHERE ctid IN (SELECT ctid FROM "Team" WHERE id IS DISTINCT FROM '
     '(7) LIMIT 5000);'),
    # ... unless the value reads what it sets (or is volatile): a stand-in says what to write.
    ('UPDATE "Team" SET id = id + 1;', "unbatched-backfill",
     'UPDATE "Team" SET id = id + 1 WHERE ctid IN (SELECT ctid FROM "Team" WHERE not_yet_updated '
     '/* replace not_yet_updated: a condition true only for the rows this UPDATE has not changed '
     'yet */ LIMIT 5000);'),
    # now() is one value per transaction: each batch's differs, done rows would come back.
    ('UPDATE "Team" SET id = length(now()::text);', "unbatched-backfill",
     'UPDATE "Team" SET id = length(CAST(now() AS text)) WHERE ctid IN (SELECT ctid FROM "Team" '
     'WHERE not_yet_updated /* replace not_yet_updated: a condition true only for the rows this '
     'UPDATE has not changed yet */ LIMIT 5000);'),
    ('UPDATE "Team" SET id = random();', "unbatched-backfill",
     'UPDATE "Team" SET id = random() WHERE ctid IN (SELECT ctid FROM "Team" WHERE '
     'not_yet_updated /* replace not_yet_updated: a condition true only for the rows this UPDATE '
     'has not changed yet */ LIMIT 5000);'),
    # The constraint as the migration added it, to add in a migration of its own.
    ('ALTER TABLE "Team" ADD FOREIGN KEY (id) REFERENCES app."User" (id) ON DELETE CASCADE '
     'NOT VALID;\nALTER TABLE "Team" VALIDATE CONSTRAINT "Team_id_fkey";',
     "validate-in-same-transaction",
     'ALTER TABLE "Team" ADD CONSTRAINT "Team_id_fkey" FOREIGN KEY (id) REFERENCES app."User" '
     '(id) ON DELETE CASCADE NOT VALID;'),
    # The value is added again as written, in a migration of its own.
    ('ALTER TYPE "Status" ADD VALUE \'New\' AFTER \'Old\';\nSELECT \'New\'::"Status";',
     "enum-value-used-in-transaction",
     'ALTER TYPE "Status" ADD VALUE IF NOT EXISTS \'New\' AFTER \'Old\';'),
    # A column the catalog does not know (of a table made elsewhere: "Team", made in SETUP,
    # certainly lacks it, refused by object-missing): its type is a named stand-in.
    ('ALTER TABLE "Other" RENAME COLUMN "Nope" TO nope;', "rename-column",
     'ALTER TABLE "Other" ADD COLUMN nope "type_of_Nope";'),
    ('ALTER TABLE "Team" RENAME COLUMN id TO "Id";', "rename-column",
     'ALTER TABLE "Team" ADD COLUMN "Id" integer;'),
    # The catalog knows the enum's type and the columns that hold it.
    ('ALTER TABLE "Team" ADD COLUMN s "Status" NOT NULL;', "add-column-not-null-without-default",
     'ALTER TABLE "Team" ADD COLUMN s "Status" NOT NULL DEFAULT \'Old\';'),
    ('ALTER TABLE "Team" ADD COLUMN tags text[] NOT NULL;', "add-column-not-null-without-default",
     'ALTER TABLE "Team" ADD COLUMN tags text[] NOT NULL DEFAULT \'{}\';'),
    ('ALTER TABLE "Team" ADD COLUMN at timestamptz(3) NOT NULL;',
     "add-column-not-null-without-default",
     'ALTER TABLE "Team" ADD COLUMN at timestamptz(3) NOT NULL DEFAULT now();'),
])
def test_the_instead_writes_what_lockwise_knows(sql: str, rule: str, expected: str) -> None:
    lines = instead_of(sql, rule)
    assert expected in lines, lines


def test_an_enum_rename_migrates_every_column_of_the_type() -> None:
    migrations = [migration_from_text(
        'CREATE TYPE "Status" AS ENUM (\'Old\'); CREATE SCHEMA app;'
        'CREATE TABLE app."T" (id int PRIMARY KEY, "st" "Status", past "Status"[]);'
        'CREATE TABLE other (st text);', "0001_setup.sql"),
        migration_from_text('ALTER TYPE "Status" RENAME VALUE \'Old\' TO \'New\';',
                            "0002_rename.sql")]
    reports = lint_migrations(migrations, LintOptions(), Catalog())
    found = [f for f in reports[-1].all_findings if f.rule == "enum-rename-value"]
    lines = sql_lines(found[0].instead)
    assert lines[1:] == [
        'UPDATE app."T" SET st = \'New\' WHERE id IN (SELECT id FROM app."T" WHERE st = \'Old\' '
        'LIMIT 5000);',
        'UPDATE app."T" SET past = array_replace(past, \'Old\', \'New\') WHERE id IN (SELECT id '
        'FROM app."T" WHERE \'Old\' = ANY (past) LIMIT 5000);']
    # A column of another type is left alone; no column known: a comment, not a statement.
    alone = lint_migrations([migration_from_text('CREATE TYPE s AS ENUM (\'a\');', "1.sql"),
                             migration_from_text("ALTER TYPE s RENAME VALUE 'a' TO 'b';",
                                                 "2.sql")], LintOptions(), Catalog())
    instead = next(f.instead for f in alone[-1].all_findings if f.rule == "enum-rename-value")
    assert sql_lines(instead) == ["ALTER TYPE public.s ADD VALUE IF NOT EXISTS 'b';"]
    assert "-- no column of type public.s is known" in instead


@pytest.mark.parametrize(("index", "first"), [
    # No UNIQUE index known (an expression one does not count): build one on a stand-in.
    ('CREATE UNIQUE INDEX dx ON "Daily" (lower(d::text));',
     'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "Daily_key" ON "Daily" (unique_key_columns);'),
    # One the view has already: nothing to build.
    ('CREATE UNIQUE INDEX dx ON "Daily" (d);', 'REFRESH MATERIALIZED VIEW CONCURRENTLY "Daily";'),
])
def test_a_matview_refresh_builds_the_unique_index_only_when_missing(index: str,
                                                                     first: str) -> None:
    setup = ('CREATE TABLE s (d date, t int);\nCREATE MATERIALIZED VIEW "Daily" AS SELECT d, '
             f'sum(t) AS t FROM s GROUP BY d;\n{index}')
    reports = lint_migrations([migration_from_text(setup, "0001.sql"), migration_from_text(
        'REFRESH MATERIALIZED VIEW "Daily";', "0002.sql")], LintOptions(), Catalog())
    (instead,) = [f.instead for f in reports[-1].all_findings
                  if f.rule == "refresh-matview-without-concurrently"]
    assert sql_lines(instead)[0] == first


def test_a_line_of_statements_there_are_none_of_leaves_no_blank_line() -> None:
    template = ("DROP INDEX i;\n{indexes_dropped_first_sql}\nALTER TABLE t;\n"
                "{indexes_built_after_sql}")
    assert render_instead(template, {"indexes_dropped_first_sql": "",
                                     "indexes_built_after_sql": ""}) == \
        "DROP INDEX i;\nALTER TABLE t;"
    assert render_instead(template, {"indexes_built_after_sql": "CREATE INDEX j ON t (c);"}) \
        == "DROP INDEX i;\n{indexes_dropped_first_sql}\nALTER TABLE t;\nCREATE INDEX j ON t (c);"


def test_a_commented_line_of_one_empty_fact_leaves_no_line() -> None:
    """`-- {fact}` (commented statements, as a contract step's) goes with an empty fact, as
    `{fact}` does; filled, each of its lines is a comment."""
    template = "SELECT 1;\n-- {steps_sql}\n-- DROP TABLE t;"
    assert render_instead(template, {"steps_sql": ""}) == "SELECT 1;\n-- DROP TABLE t;"
    assert render_instead(template, {"steps_sql": "SELECT 2;\n-- SELECT 3;"}) == \
        "SELECT 1;\n-- SELECT 2;\n-- SELECT 3;\n-- DROP TABLE t;"
