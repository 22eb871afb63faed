"""ALTER TABLE of a column or constraint that is certainly not there (`object_missing`, the
server's message in `missing_object_error`): the table was created by these migrations, the
catalog knows all it has (`Catalog.fully_known`), and the name is not among them. Each
verdict is held against the embedded server: what lockwise says is refused, the server
refuses with that very message; what it lets pass, it does not claim."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects.refused import statement_refusal
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import server_message

SETUP = ("CREATE TABLE t (id int PRIMARY KEY, email text, gone int, "
         "d int CONSTRAINT t_d_check CHECK (d > 0));\n"
         "ALTER TABLE t DROP COLUMN gone;\n"
         "ALTER TABLE t DROP CONSTRAINT t_d_check;\n"
         # Renaming a key's index renames the key (lemmy's idx_user_inbox_url).
         "CREATE TABLE u (id int, c int CONSTRAINT u_c_key UNIQUE);\n"
         "ALTER INDEX u_c_key RENAME TO u_c_uniq;\n"
         # ALTER TABLE renames an index too.
         "CREATE TABLE v (id int, c int CONSTRAINT v_c_key UNIQUE);\n"
         "ALTER TABLE v_c_key RENAME TO v_c_uniq;\n"
         # A CREATE TABLE AS whose columns the replay cannot tell, then one added (lemmy's
         # person_saved_combined): not every column is known.
         "CREATE TABLE w AS SELECT id FROM generate_series(1, 2) id;\n"
         "ALTER TABLE w ADD COLUMN z int;\n"
         # PostgreSQL 18's NOT NULL constraints keep their names when the table or the
         # column is renamed (checked on 18.6).
         "CREATE TABLE r0 (a int NOT NULL, b int NOT NULL);\n"
         "ALTER TABLE r0 RENAME TO r;\n"
         "ALTER TABLE r RENAME COLUMN b TO c;\n"
         # A domain's NOT NULL constraint has a name too (`p_q_not_null`): the table's is
         # numbered past it, `p_q_not_null1` (checked on 18.6).
         "CREATE DOMAIN p_q AS int NOT NULL;\n"
         "CREATE TABLE p (q int NOT NULL);\n"
         # A domain these migrations made: its constraints are known, NOT NULL's name too.
         "CREATE DOMAIN dm AS int CONSTRAINT dm_pos CHECK (VALUE > 0) "
         "CONSTRAINT dm_small CHECK (VALUE < 100) NOT NULL;\n"
         "ALTER DOMAIN dm DROP CONSTRAINT dm_small;\n"
         'CREATE DOMAIN "Dm" AS int;\n')


def _facts(sql: str, setup: str = SETUP) -> dict:
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(sql + ";", "0002_change.sql")],
                              LintOptions(pg_version=18, pg_version_stated=True), Catalog())
    (stmt,) = reports[-1].statements
    if statement_refusal(stmt.effect) != "object_missing":
        return {}
    return next(a.facts for a in stmt.effect.actions if a.facts.get("object_missing"))


REFUSED = [
    "ALTER TABLE t DROP COLUMN gone",
    "ALTER TABLE t DROP COLUMN emial",
    "ALTER TABLE t ALTER COLUMN gone TYPE bigint",
    "ALTER TABLE t ALTER COLUMN gone SET DEFAULT 0",
    "ALTER TABLE t ALTER COLUMN gone SET NOT NULL",
    "ALTER TABLE t ALTER COLUMN gone DROP NOT NULL",
    "ALTER TABLE t ADD COLUMN x int, DROP COLUMN gone",
    "ALTER TABLE t DROP CONSTRAINT t_d_check",
    "ALTER TABLE t RENAME COLUMN gone TO back",
    "ALTER TABLE u DROP CONSTRAINT u_c_key",
    "ALTER TABLE v DROP CONSTRAINT v_c_key",
    "ALTER TABLE r DROP CONSTRAINT r_a_not_null",
    "ALTER TABLE r DROP CONSTRAINT r_c_not_null",
    "ALTER TABLE p DROP CONSTRAINT p_q_not_null",
    # checked on 18.6: 'constraint "x" of domain "dm" does not exist' (42704)
    "ALTER DOMAIN dm DROP CONSTRAINT dm_small",
    "ALTER DOMAIN dm VALIDATE CONSTRAINT dm_smal",
    "ALTER DOMAIN dm RENAME CONSTRAINT dm_small TO dm_tiny",
    "ALTER DOMAIN dm DROP CONSTRAINT p_q_not_null",
    # the name as written for DROP; as format_type_be shows it for RENAME (checked on 18.6)
    "ALTER DOMAIN public.dm DROP CONSTRAINT dm_small",
    'ALTER DOMAIN "Dm" DROP CONSTRAINT c',
    'ALTER DOMAIN public."Dm" RENAME CONSTRAINT c TO d',
]

RUNS = [
    "ALTER TABLE t DROP COLUMN IF EXISTS gone",
    "ALTER TABLE t DROP CONSTRAINT IF EXISTS t_d_check",
    "ALTER TABLE t DROP COLUMN email",
    "ALTER TABLE t ADD COLUMN gone int, ALTER COLUMN gone SET DEFAULT 0",
    "ALTER TABLE t DROP CONSTRAINT t_pkey",
    "ALTER TABLE IF EXISTS t DROP COLUMN email",
    "ALTER TABLE u DROP CONSTRAINT u_c_uniq",
    "ALTER TABLE v DROP CONSTRAINT v_c_uniq",
    "ALTER TABLE w DROP COLUMN id",
    "ALTER TABLE r DROP CONSTRAINT r0_a_not_null",
    "ALTER TABLE r DROP CONSTRAINT r0_b_not_null",
    "ALTER TABLE p DROP CONSTRAINT p_q_not_null1",
    "ALTER DOMAIN dm DROP CONSTRAINT IF EXISTS dm_small",  # a NOTICE (checked on 18.6)
    "ALTER DOMAIN dm DROP CONSTRAINT dm_pos",
    "ALTER DOMAIN dm DROP CONSTRAINT dm_not_null",
    "ALTER DOMAIN dm VALIDATE CONSTRAINT dm_pos",
    "ALTER DOMAIN dm RENAME CONSTRAINT dm_pos TO dm_positive",
    "ALTER DOMAIN dm RENAME CONSTRAINT dm_not_null TO dm_nn",
    "ALTER DOMAIN p_q DROP CONSTRAINT p_q_not_null",
]


@pytest.mark.parametrize("sql", REFUSED)
def test_refused_as_the_server_says(pg_db: str, sql: str) -> None:
    facts = _facts(sql)
    assert facts, f"lockwise lets {sql!r} pass"
    assert facts["missing_object_error"] == server_message(pg_db, SETUP, sql)


@pytest.mark.parametrize("sql", RUNS)
def test_not_claimed_where_the_server_runs_it(pg_db: str, sql: str) -> None:
    assert server_message(pg_db, SETUP, sql) == ""
    assert _facts(sql) == {}


def test_names_the_closest_column() -> None:
    facts = _facts("ALTER TABLE t ALTER COLUMN emial SET NOT NULL")
    assert facts["missing_object"] == "column public.t.emial"
    assert facts["closest_name"] == "email"


def test_not_claimed_after_a_do_block() -> None:
    setup = SETUP + "DO $$ BEGIN EXECUTE 'ALTER TABLE t ADD COLUMN gone int'; END $$;\n"
    assert _facts("ALTER TABLE t DROP COLUMN gone", setup) == {}


def test_names_the_closest_domain_constraint() -> None:
    facts = _facts("ALTER DOMAIN dm VALIDATE CONSTRAINT dm_poss")
    assert facts["missing_object"] == "constraint public.dm.dm_poss"
    assert facts["closest_name"] == "dm_pos"
    assert "domain public.dm" in facts["missing_object_origin"]


def test_not_claimed_of_a_domain_after_a_do_block() -> None:
    setup = SETUP + ("DO $$ BEGIN EXECUTE 'ALTER DOMAIN dm ADD CONSTRAINT dm_small "
                     "CHECK (VALUE < 9)'; END $$;\n")
    assert _facts("ALTER DOMAIN dm DROP CONSTRAINT dm_small", setup) == {}


def test_not_claimed_of_a_domain_a_do_block_may_change() -> None:
    setup = SETUP + ("DO $$ spi_exec {alter domain dm add constraint dm_small "
                     "check (value < 9)} $$ LANGUAGE pltcl;\n")
    assert _facts("ALTER DOMAIN dm DROP CONSTRAINT dm_small", setup) == {}


def test_not_claimed_in_a_do_block_that_adds_it() -> None:
    # judged against the catalog from before the block: its ADD is not seen there
    sql = ("DO $$ BEGIN ALTER DOMAIN dm ADD CONSTRAINT dm_small CHECK (VALUE < 9); "
           "ALTER DOMAIN dm DROP CONSTRAINT dm_small; END $$")
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(sql + ";", "0002_change.sql")],
                              LintOptions(pg_version=18, pg_version_stated=True), Catalog())
    assert not any(f.rule == "object-missing" for s in reports[-1].statements
                   for f in s.findings)


def test_not_claimed_of_a_domain_made_elsewhere() -> None:
    reports = lint_migrations([migration_from_text("ALTER DOMAIN d DROP CONSTRAINT c;",
                                                   "0001_x.sql")],
                              LintOptions(), Catalog())
    assert not statement_refusal(reports[0].statements[0].effect)


def test_not_claimed_of_a_table_made_elsewhere() -> None:
    reports = lint_migrations([migration_from_text("ALTER TABLE u DROP COLUMN c;",
                                                   "0001_x.sql")],
                              LintOptions(), Catalog())
    assert not statement_refusal(reports[0].statements[0].effect)


AGAIN = {"1_users.sql": "CREATE TABLE users (id int, nick text, age int, "
                        "CONSTRAINT users_age_check CHECK (age > 0));\n",
         "2_drop.sql": "ALTER TABLE users DROP COLUMN nick, DROP CONSTRAINT users_age_check, "
                       "DROP COLUMN age;\n",
         "3_again.sql": "ALTER TABLE users DROP COLUMN nick, DROP COLUMN age;\n"
                        "SELECT 1; ALTER TABLE users\n  DROP CONSTRAINT users_age_check;\n"}


def _run(tmp_path, *args: str) -> str:
    """The output of `lockwise *args` on the migrations of AGAIN."""
    import subprocess
    import sys

    for name, sql in AGAIN.items():
        (tmp_path / name).write_text(sql)
    return subprocess.run([sys.executable, "-m", "lockwise", *args, str(tmp_path)],
                          capture_output=True, text=True, check=False).stdout


def test_the_graph_keeps_its_conflicts(tmp_path) -> None:
    """`lockwise graph` reports no rules: it names every object gone, each once."""
    import json

    out = _run(tmp_path, "graph", "-f", "json")
    assert sorted(c["object"] for c in json.loads(out)["conflicts"]
                  if c["kind"] == "missing-object") == [
        "column:public.users.age", "column:public.users.nick",
        "constraint:public.users.users_age_check"]


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github", "markdown", "junit",
                                 "gitlab"])
def test_lint_does_not_say_it_twice(tmp_path, fmt: str) -> None:
    """lint's rule object-missing reports a statement's first absent name (where the server
    stops); the graph's missing-object conflict on that object says the same of it and is
    left out of lint's report, whatever its format. The statement's other absent column is
    said by its conflict only."""
    out = _run(tmp_path, "lint", "--no-cache", "-f", fmt)
    assert "column public.users.nick is not there" in out
    assert "constraint public.users.users_age_check is not there" in out
    assert "drops column public.users.age, which was dropped in 2_drop" in out
    assert "drops column public.users.nick, which" not in out
    assert "users_age_check, which" not in out


TEMP_TYPE = ("CREATE TABLE p (id int);\n"
             "CREATE TYPE pg_temp.mood AS ENUM ('ok');\n"
             "ALTER TABLE p ADD COLUMN m pg_temp.mood;\n")


def test_a_column_of_a_temporary_type_goes_with_the_session(pg_db: str) -> None:
    """The session's end drops its temporary types with CASCADE: a permanent table's column
    of one goes too, and the next migration (a new session) cannot drop it again."""
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(TEMP_TYPE)
    sql = "ALTER TABLE p DROP COLUMN m"
    reports = lint_migrations([migration_from_text(TEMP_TYPE, "0001_setup.sql"),
                               migration_from_text(sql + ";", "0002_change.sql")],
                              LintOptions(), Catalog())
    (stmt,) = reports[-1].statements
    facts = next((a.facts for a in stmt.effect.actions if a.facts.get("object_missing")), {})
    assert facts.get("missing_object_error") == server_message(pg_db, None, sql)


@pytest.mark.parametrize(("version", "missing"), [(15, True), (16, True), (17, False),
                                                  (18, False)])
def test_a_domain_not_null_has_a_name_to_drop_from_17(version: int, missing: bool) -> None:
    """Before 17 a domain's NOT NULL has no name: DROP CONSTRAINT of the one 17 and 18 give
    it is refused, "constraint "d_not_null" of domain "d" does not exist" (15.18, by hand)."""
    reports = lint_migrations([migration_from_text("CREATE DOMAIN d AS int NOT NULL;",
                                                   "0001_setup.sql"),
                               migration_from_text("ALTER DOMAIN d DROP CONSTRAINT d_not_null;",
                                                   "0002_change.sql")],
                              LintOptions(pg_version=version, pg_version_stated=True), Catalog())
    (stmt,) = reports[-1].statements
    assert (statement_refusal(stmt.effect) == "object_missing") is missing
