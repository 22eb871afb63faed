"""Type names as PostgreSQL reads them: an unquoted name folded to lower case, a quoted one
(`"Role"`, as Prisma writes its enums) kept as written, in the facts, the replayed catalog and
the SQL of the safe alternatives; and an unqualified type found through the search_path the
migration set, wherever it is looked up later."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pglast import ast, parse_sql
from typer.testing import CliRunner

from lockwise.catalog.model import Catalog
from lockwise.cli.app import app
from lockwise.core.types import MigrationReport
from lockwise.discover.layouts import migration_from_text
from lockwise.effects.nodes import type_name, type_sql
from lockwise.lint import LintOptions, lint_migrations

#: A Prisma enum next to an unquoted one of the same name folded: two types.
ENUMS = """CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN');
CREATE TYPE Mood AS ENUM ('sad', 'ok');
CREATE TYPE "mood" AS ENUM ('x');
CREATE DOMAIN "Uid" AS uuid;
CREATE TABLE "User" (id bigint PRIMARY KEY, "role" "Role" NOT NULL DEFAULT 'USER',
                     m mood, note text);
"""


def lint(*sqls: str) -> list[MigrationReport]:
    migrations = [migration_from_text(sql, f"{i:04d}_m.sql") for i, sql in enumerate(sqls, 1)]
    return lint_migrations(migrations, LintOptions(pg_version=16), Catalog())


def finding(sql: str, rule: str, setup: str = ENUMS) -> str:
    (found,) = [f for f in lint(setup, sql)[-1].all_findings if f.rule == rule]
    return found.instead


def type_names_in(sql: str) -> list[tuple[str, ...]]:
    """The name parts of every type the SQL names, as the server's parser reads them (pglast
    raises on SQL that does not parse). Placeholders become a constant first."""
    stmts = parse_sql(sql.replace("<constant>", "'x'").replace("<value>", "NULL"))
    found: list[tuple[str, ...]] = []

    def visit(node: object) -> None:
        if isinstance(node, ast.TypeName):
            found.append(tuple(n.sval for n in node.names))
        if isinstance(node, ast.Node):
            for attr in node:
                visit(getattr(node, attr))
        elif isinstance(node, tuple):
            for item in node:
                visit(item)
    for raw in stmts:
        visit(raw.stmt)
    return found


def _tn(sql: str) -> dict:
    import pglast

    tree = json.loads(pglast.parser.parse_sql_json(f"CREATE TABLE t (c {sql})"))
    return tree["stmts"][0]["stmt"]["CreateStmt"]["tableElts"][0]["ColumnDef"]["typeName"]


@pytest.mark.parametrize(("written", "name", "sql"), [
    ('"Role"', "Role", '"Role"'),
    ("Role", "role", "role"),
    ('app."Mood"[]', "app.Mood", 'app."Mood"[]'),
    ('"My Schema"."a b"', "My Schema.a b", '"My Schema"."a b"'),
    ("bigint", "int8", "int8"),
    ("varchar(100)", "varchar", "varchar(100)"),
    ("timestamp with time zone", "timestamptz", "timestamptz"),
    ("timestamptz(3)", "timestamptz", "timestamptz(3)"),
    ("interval hour to minute", "interval", "interval HOUR TO MINUTE"),
])
def test_type_names_keep_the_case_the_parser_leaves(written: str, name: str, sql: str) -> None:
    got = type_name(_tn(written))
    assert got[0] == name
    assert type_sql(*got) == sql


def test_a_quoted_enum_is_written_back_quoted_in_the_add_column_alternative() -> None:
    instead = finding('ALTER TABLE "User" ADD COLUMN r2 "Role" NOT NULL',
                      "add-column-not-null-without-default")
    assert '"Role" NOT NULL' in instead
    assert type_names_in(instead) == [("Role",)]


def test_an_unquoted_type_is_its_folded_name() -> None:
    instead = finding('ALTER TABLE "User" ADD COLUMN m2 Mood NOT NULL',
                      "add-column-not-null-without-default")
    assert type_names_in(instead) == [("mood",)]


def test_the_type_change_alternative_names_the_new_type_as_written() -> None:
    instead = finding('ALTER TABLE "User" ALTER COLUMN note TYPE "Role" USING note::"Role"',
                      "column-type-change-rewrites")
    # the new column's type and the backfill's cast (the USING kept): both as written
    assert type_names_in(instead) == [("Role",), ("Role",)]


def test_the_rename_alternative_names_the_column_s_type_from_the_catalog() -> None:
    instead = finding('ALTER TABLE "User" RENAME COLUMN "role" TO kind', "rename-column")
    assert "ADD COLUMN kind \"Role\";" in instead
    assert type_names_in(instead) == [("Role",)]


def test_the_volatile_default_alternative_names_a_quoted_domain() -> None:
    # With constraints, the template's plain_type_text (not the statement rewritten)
    instead = finding('ALTER TABLE "User" ADD COLUMN token "Uid" NOT NULL '
                      "DEFAULT gen_random_uuid() UNIQUE", "add-column-volatile-default")
    assert 'ADD COLUMN token "Uid";' in instead
    assert type_names_in(instead) == [("Uid",)]


def test_the_domain_alternative_keeps_the_base_type_s_case_and_length() -> None:
    instead = finding('CREATE DOMAIN "Short" AS varchar(10) CHECK (VALUE <> \'\')',
                      "create-domain-with-constraint", setup="")
    (stmt,) = [raw.stmt for raw in parse_sql(instead)]
    assert isinstance(stmt, ast.CreateDomainStmt)
    assert [n.sval for n in stmt.typeName.names][-1] == "varchar"
    assert stmt.typeName.typmods[0].val.ival == 10
    over_enum = finding('CREATE DOMAIN "Admin" AS "Role" CHECK (VALUE = \'ADMIN\')',
                        "create-domain-with-constraint")
    assert type_names_in(over_enum) == [("Role",)]


def test_facts_and_catalog_tell_quoted_and_folded_names_apart() -> None:
    reports = lint(ENUMS, 'ALTER TABLE "User" ADD COLUMN a "mood", ADD COLUMN b Mood;')
    (stmt,) = reports[-1].statements
    types = [a.facts["type"] for a in stmt.effect.actions if a.kind == "define_column"]
    assert types == ["mood", "mood"]
    role = next(a for a in lint(ENUMS)[0].statements[-1].effect.actions
                if a.kind == "define_column" and a.facts["column"] == "role")
    assert role.facts["type"] == "Role" and role.facts["type_text"] == '"Role"'


def test_dropping_a_quoted_enum_with_cascade_drops_its_columns() -> None:
    # The catalog's key for "Role" is public.Role: the columns of that type are found
    # (they were not, when column types were folded to lower case).
    report = lint(ENUMS, 'DROP TYPE "Role" CASCADE;')[-1]
    (stmt,) = report.statements
    assert 'column:public.User.role' in stmt.effect.drops
    assert "column:public.User.m" not in stmt.effect.drops


def test_a_quoted_constrained_domain_rewrites_when_added() -> None:
    setup = 'CREATE DOMAIN "PosInt" AS int CHECK (VALUE > 0);\nCREATE TABLE t (id int);\n'
    (stmt,) = lint(setup, 'ALTER TABLE t ADD COLUMN c "PosInt";')[-1].statements
    assert stmt.effect.rewrites
    (plain,) = lint(setup + "CREATE DOMAIN posint AS int;\n",
                    "ALTER TABLE t ADD COLUMN c posint;")[-1].statements
    assert not plain.effect.rewrites


# --- the search_path ----------------------------------------------------------------------

BILLING = """CREATE SCHEMA billing;
SET search_path TO billing;
CREATE TYPE mood AS ENUM ('sad', 'ok');
CREATE DOMAIN posint AS int CHECK (VALUE > 0);
CREATE DOMAIN long_note AS varchar(200);
CREATE TABLE invoices (id bigint PRIMARY KEY, m mood, note varchar(50));
"""


def test_an_unqualified_type_under_a_path_is_its_schema_s() -> None:
    reports = lint(BILLING, "SET search_path TO billing;\n"
                   "ALTER TABLE invoices ADD COLUMN p posint;\n"
                   "ALTER TABLE invoices ALTER COLUMN note TYPE long_note;\n")
    _, add, change = reports[-1].statements
    assert set(add.effect.rewrites) == {"billing.invoices"}
    # a domain over a longer varchar: a relabel, as on the server
    assert not change.effect.rewrites
    define = next(a for a in add.effect.actions if a.kind == "define_column")
    assert define.facts["type"] == "billing.posint"


def test_under_the_default_path_the_same_names_are_public_s() -> None:
    # Nothing called posint in public: not the constrained billing one.
    (stmt,) = lint(BILLING, "ALTER TABLE billing.invoices ADD COLUMN p posint;")[-1].statements
    assert not stmt.effect.rewrites


def test_a_column_keeps_the_type_its_path_found() -> None:
    # Created under `billing`, looked up under the default path: still billing.mood.
    reports = lint(BILLING, "DROP TYPE billing.mood CASCADE;")
    (stmt,) = reports[-1].statements
    assert "column:billing.invoices.m" in stmt.effect.drops
    instead = finding("ALTER TABLE billing.invoices RENAME COLUMN m TO feeling;",
                      "rename-column", setup=BILLING)
    assert type_names_in(instead) == [("billing", "mood")]


def test_renaming_a_type_under_a_path_renames_its_columns_type() -> None:
    reports = lint(BILLING, "SET search_path TO billing;\nALTER TYPE mood RENAME TO feeling;",
                   "ALTER TABLE billing.invoices RENAME COLUMN m TO f;")
    (finding_,) = [f for f in reports[-1].all_findings if f.rule == "rename-column"]
    assert type_names_in(finding_.instead) == [("billing", "feeling")]


@pytest.mark.parametrize("create", ["CREATE TYPE pair AS (a int, b int)",
                                    "CREATE TYPE pair AS RANGE (subtype = int4)"])
def test_composite_and_range_types_are_found_through_the_path(create: str) -> None:
    setup = (f"CREATE SCHEMA geo;\nSET search_path TO geo;\n{create};\n"
             "CREATE TABLE spots (p pair);\n")
    instead = finding("ALTER TABLE geo.spots RENAME COLUMN p TO q;", "rename-column",
                      setup=setup)
    assert type_names_in(instead) == [("geo", "pair")]


def test_alter_domain_scans_only_the_columns_of_that_schema_s_domain() -> None:
    setup = BILLING + ("RESET search_path;\nCREATE DOMAIN posint AS int;\n"
                       "CREATE TABLE pub (id int, p posint);\n"
                       "SET search_path TO billing;\nCREATE TABLE docs (id int, p posint);\n")
    (stmt,) = lint(setup, "ALTER DOMAIN billing.posint ADD CHECK (VALUE < 100);")[-1].statements
    assert set(stmt.effect.scans) == {"billing.docs"}
    (public,) = lint(setup, "ALTER DOMAIN posint ADD CHECK (VALUE < 100);")[-1].statements
    assert set(public.effect.scans) == {"public.pub"}


# --- the CLI on a Prisma directory ---------------------------------------------------------

def test_cli_prisma_directory_suggests_the_enum_by_its_quoted_name(tmp_path: Path) -> None:
    migrations = tmp_path / "prisma" / "migrations"
    for version, sql in (
        ("20240101000000_init", 'CREATE TYPE "Role" AS ENUM (\'USER\', \'ADMIN\');\n'
         'CREATE TABLE "User" ("id" SERIAL NOT NULL, "email" TEXT NOT NULL,\n'
         '    CONSTRAINT "User_pkey" PRIMARY KEY ("id"));\n'),
        ("20240201000000_add_role", 'ALTER TABLE "User" ADD COLUMN "role" "Role" NOT NULL;\n'),
    ):
        (migrations / version).mkdir(parents=True)
        (migrations / version / "migration.sql").write_text(sql)
    (migrations / "migration_lock.toml").write_text('provider = "postgresql"\n')
    result = CliRunner().invoke(app, ["lint", "--no-cache", "--format", "json",
                                      str(migrations)])
    doc = json.loads(result.stdout)
    (migration,) = [m for m in doc["migrations"] if m["name"].endswith("add_role")]
    assert migration["layout"] == "prisma"
    insteads = [f["instead"] for s in migration["statements"] for f in s["findings"]
                if f["rule"] == "add-column-not-null-without-default"]
    assert insteads and all(type_names_in(i) == [("Role",)] for i in insteads)


def test_quoted_char_is_the_one_byte_type_not_bpchar() -> None:
    # The parser gives `char(5)` / `character` as pg_catalog.bpchar; `"char"` is PostgreSQL's
    # internal one-byte type, which ban-char-column has nothing to say about.
    from lockwise.effects.nodes import type_name
    from lockwise.parse.postgres import parse_sql

    (stmt,) = parse_sql('CREATE TABLE t (a char(5), b "char", c character);').statements
    columns = stmt.tree["CreateStmt"]["tableElts"]
    assert [type_name(c["ColumnDef"]["typeName"])[0] for c in columns] == \
        ["bpchar", "char", "bpchar"]
