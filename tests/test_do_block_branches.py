"""A DO block's IF / ELSIF whose condition asks the catalog what the migrations made (a column
in information_schema.columns, a type in pg_type ...) runs one branch: the effect model takes
that branch's statements alone when the catalog answers the condition for sure. Where it cannot
(a condition on data, a column of a table it does not know whole, a loop that may run its
statements no time or many), it counts every branch, and the statement's reason says so.
PL/pgSQL plans a statement when it first runs it: a branch that does not run locks nothing
(checked on 18.6: `test_the_model_locks_what_the_server_locks`)."""

from __future__ import annotations

import pytest

from effect_helpers import catalog_after, effect_after
from lockwise.catalog.conditions import condition_holds
from lockwise.catalog.model import Catalog
from lockwise.core.types import MigrationReport
from lockwise.discover import migration_from_text
from lockwise.lint import LintOptions, lint_migrations

SETUP = """CREATE TABLE t (id bigint PRIMARY KEY, n int);
CREATE TABLE u (id bigint PRIMARY KEY);
CREATE TYPE mood AS ENUM ('a');
"""

#: The column `t.n` as information_schema.columns answers for it, with the schema and not.
T_N = "SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'n'"
T_M_PUBLIC = ("SELECT FROM information_schema.columns "
              "WHERE table_schema = 'public' AND table_name = 't' AND column_name = 'm'")


def do(body: str) -> str:
    return f"DO $$\nBEGIN\n{body}\nEND\n$$"


#: DO blocks whose IF the catalog decides: the branch that runs, alone.
DECIDED = [
    # a column of a table the migrations made, there: EXISTS is true
    f"IF EXISTS ({T_N}) THEN\n  ALTER TABLE t ADD COLUMN m int;\nELSE\n"
    "  ALTER TABLE u ADD COLUMN m int;\nEND IF;",
    # a column it lacks, asked in its schema: NOT EXISTS is true
    f"IF NOT EXISTS ({T_M_PUBLIC}) THEN\n  ALTER TABLE u ADD COLUMN m int;\nELSE\n"
    "  ALTER TABLE t ADD COLUMN m int;\nEND IF;",
    # a type the migrations made: NOT EXISTS is false, the branch does not run
    "IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'mood') THEN\n"
    "  ALTER TABLE t ADD COLUMN m int;\nEND IF;\nALTER TABLE u ADD COLUMN m int;",
    # ELSIF: the first condition false, the second true
    f"IF EXISTS ({T_M_PUBLIC}) THEN\n  ALTER TABLE t ADD COLUMN k int;\n"
    "ELSIF EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'u') THEN\n"
    "  ALTER TABLE u ADD COLUMN m int;\nEND IF;",
]

#: DO blocks that keep every branch: their conditions are not answered by the catalog, or
#: not for sure at that point of the block.
UNDECIDED = [
    # a condition on data
    "IF EXISTS (SELECT 1 FROM t WHERE n > 0) THEN\n  ALTER TABLE t ADD COLUMN m int;\n"
    "ELSE\n  ALTER TABLE u ADD COLUMN m int;\nEND IF;",
    # asked after a statement of the block that may change the answer: the first branch adds
    # the column the second IF asks about
    f"IF NOT EXISTS ({T_M_PUBLIC}) THEN\n  ALTER TABLE t ADD COLUMN m int;\nEND IF;\n"
    f"IF EXISTS ({T_M_PUBLIC}) THEN\n  ALTER TABLE u ADD COLUMN m int;\nEND IF;",
    # a loop that may run its statements no time or many
    "FOR i IN 1..0 LOOP\n  ALTER TABLE u ADD COLUMN m int;\nEND LOOP;",
]


def server_locks(uri: str, setup: str, sql: str, kinds: str = "'r', 'p'") -> dict[str, str]:
    """The strongest lock `sql` holds on each relation of schema public (of the relkinds
    `kinds`: tables), run in a transaction after `setup` on the server at `uri`."""
    import psycopg

    with psycopg.connect(uri, autocommit=True) as conn:
        conn.execute(setup)
        conn.autocommit = False
        conn.execute(sql)
        rows = conn.execute(
            "SELECT 'public.' || c.relname, l.mode FROM pg_locks l JOIN pg_class c "
            f"ON c.oid = l.relation WHERE l.pid = pg_backend_pid() AND c.relkind IN ({kinds}) "
            "AND c.relnamespace = 'public'::regnamespace").fetchall()
        conn.rollback()
    order = ["AccessShareLock", "RowShareLock", "RowExclusiveLock", "ShareUpdateExclusiveLock",
             "ShareLock", "ShareRowExclusiveLock", "ExclusiveLock", "AccessExclusiveLock"]
    strongest: dict[str, str] = {}
    for rel, mode in rows:
        if order.index(mode) >= order.index(strongest.get(rel, mode)):
            strongest[rel] = mode
    return strongest


def model_locks(setup: str, sql: str) -> dict[str, str]:
    return {rel: mode.pg_name for rel, mode in effect_after(setup, sql).locks.items()}


@pytest.mark.postgres
@pytest.mark.parametrize("body", [*DECIDED, UNDECIDED[1]])
def test_the_model_locks_what_the_server_locks(pg_db: str, body: str) -> None:
    """(checked on 18.6) The decided blocks: the branch that runs alone. The block that asks
    again after its own ALTER is kept whole, which is what the server runs."""
    assert model_locks(SETUP, do(body)) == server_locks(pg_db, SETUP, do(body))


@pytest.mark.postgres
def test_a_condition_on_data_claims_every_branch(pg_db: str) -> None:
    """(checked on 18.6) The server runs one branch (t is empty: the ELSE); the model, not
    knowing which, both."""
    sql = do(UNDECIDED[0])
    server, model = server_locks(pg_db, SETUP, sql), model_locks(SETUP, sql)
    assert server == {"public.t": "AccessShareLock", "public.u": "AccessExclusiveLock"}
    assert model == {"public.t": "AccessExclusiveLock", "public.u": "AccessExclusiveLock"}


def report(sql: str) -> MigrationReport:
    migrations = [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(sql + ";\n", "0002_change.sql")]
    return lint_migrations(migrations, LintOptions(pg_version=18), Catalog())[-1]


@pytest.mark.parametrize("body", UNDECIDED)
def test_the_reason_says_every_branch_is_counted(body: str) -> None:
    (statement,) = report(do(body)).statements
    assert "every branch" in statement.reason, statement.reason


def test_the_reason_names_the_construct_and_its_line() -> None:
    (statement,) = report(do(UNDECIDED[2])).statements
    assert "the FOR loop at line 3 of the block" in statement.reason, statement.reason
    (statement,) = report(do(UNDECIDED[0])).statements
    assert "the IF at line 3 of the block" in statement.reason, statement.reason


@pytest.mark.parametrize("body", DECIDED)
def test_a_decided_block_says_nothing_of_branches(body: str) -> None:
    (statement,) = report(do(body)).statements
    assert "every branch" not in statement.reason, statement.reason


def test_the_branch_that_does_not_run_gets_no_finding() -> None:
    """(the ELSE's ALTER TABLE u is not judged: it does not run)"""
    (statement,) = report(do(DECIDED[0])).statements
    tables = {f.message.split(" on ")[-1] for f in statement.findings}
    assert not any("public.u" in f.message for f in statement.findings), tables
    assert any("public.t" in f.message for f in statement.findings)


COLUMNS = "SELECT 1 FROM information_schema.columns WHERE "


@pytest.mark.parametrize(("condition", "answer"), [
    (f"EXISTS ({COLUMNS}table_name = 't' AND column_name = 'n')", True),
    (f"EXISTS ({COLUMNS}'n' = column_name AND table_name = 't' LIMIT 1)", True),
    # absent only in the schema of a table the migrations made whole
    (f"NOT EXISTS ({COLUMNS}table_name = 't' AND column_name = 'm')", None),
    (f"NOT EXISTS ({COLUMNS}table_schema = 'public' AND table_name = 't' AND "
     "column_name = 'm')", True),
    (f"EXISTS ({COLUMNS}table_schema = 'other' AND table_name = 't' AND column_name = 'n')",
     None),
    # not a plain conjunction of equalities, or no row whatever the catalog
    (f"EXISTS ({COLUMNS}table_name = 't' OR column_name = 'n')", None),
    (f"EXISTS ({COLUMNS}table_name = 't' AND table_name = 'u' AND column_name = 'n')", None),
    (f"EXISTS ({COLUMNS}table_name = 't' AND column_name = 'n' LIMIT 0)", None),
    (f"EXISTS ({COLUMNS}table_name = 't' AND column_name = 'n' UNION SELECT 1)", None),
    (f"EXISTS ({COLUMNS}table_name = 't' AND column_name = 'n') AND true", None),
    ("EXISTS (SELECT 1 FROM pg_catalog.pg_type WHERE typname = 'mood')", True),
    ("EXISTS (SELECT 1 FROM pg_type WHERE typname = 't')", True),  # its row type
    ("EXISTS (SELECT 1 FROM pg_type WHERE typname = 'elsewhere')", None),
    ("EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'u')", True),
    ("EXISTS (SELECT 1 FROM t WHERE n > 0)", None),
    ("(((", None),
])
def test_what_the_catalog_answers(condition: str, answer: bool | None) -> None:
    assert condition_holds(catalog_after(SETUP), condition) is answer


#: Indexes and constraints, as pg_indexes, information_schema.table_constraints and
#: pg_constraint list them.
KEYS = """CREATE TABLE k (id bigint PRIMARY KEY, n int NOT NULL CONSTRAINT n_pos CHECK (n > 0),
  r box, u int UNIQUE);
CREATE INDEX k_n_idx ON k (n);
ALTER TABLE k ADD CONSTRAINT k_excl EXCLUDE USING gist (r WITH &&);
CREATE TABLE f (id bigint REFERENCES k);
CREATE MATERIALIZED VIEW mv AS SELECT id FROM k;
CREATE INDEX mv_idx ON mv (id);
"""
INDEXES = "SELECT 1 FROM pg_indexes WHERE "
CONSTRAINTS = "SELECT 1 FROM information_schema.table_constraints WHERE "

KEY_CONDITIONS = [
    # an index the migrations made, a constraint's too, of a materialized view too
    (f"EXISTS ({INDEXES}indexname = 'k_n_idx')", True),
    (f"EXISTS ({INDEXES}indexname = 'k_pkey' AND tablename = 'k')", True),
    (f"EXISTS ({INDEXES}schemaname = 'public' AND indexname = 'k_excl')", True),
    ("EXISTS (SELECT FROM pg_catalog.pg_indexes WHERE indexname = 'mv_idx')", True),
    (f"NOT EXISTS ({INDEXES}indexname = 'k_u_key')", False),
    # absent only asked of a table the migrations made whole, in its schema
    (f"EXISTS ({INDEXES}schemaname = 'public' AND tablename = 'k' AND indexname = 'k_m_idx')",
     False),
    (f"EXISTS ({INDEXES}schemaname = 'public' AND tablename = 'f' AND indexname = 'k_n_idx')",
     False),
    (f"EXISTS ({INDEXES}indexname = 'k_m_idx')", None),
    (f"EXISTS ({INDEXES}tablename = 'k' AND indexname = 'k_m_idx')", None),
    (f"EXISTS ({INDEXES}schemaname = 'other' AND indexname = 'k_n_idx')", None),
    (f"EXISTS ({INDEXES}schemaname = 'public' AND tablename = 'mv' AND indexname = 'x')", None),
    # table_constraints: CHECK, keys, foreign keys; no EXCLUDE
    (f"EXISTS ({CONSTRAINTS}constraint_name = 'n_pos')", True),
    (f"EXISTS ({CONSTRAINTS}table_name = 'f' AND constraint_name = 'f_id_fkey')", True),
    (f"EXISTS ({CONSTRAINTS}constraint_schema = 'public' AND constraint_name = 'k_pkey')", True),
    (f"NOT EXISTS ({CONSTRAINTS}table_schema = 'public' AND table_name = 'k' "
     "AND constraint_name = 'k_u_key')", False),
    (f"EXISTS ({CONSTRAINTS}table_schema = 'public' AND table_name = 'k' "
     "AND constraint_name = 'k_excl')", False),
    (f"EXISTS ({CONSTRAINTS}table_schema = 'public' AND table_name = 'f' "
     "AND constraint_name = 'n_pos')", False),
    (f"EXISTS ({CONSTRAINTS}constraint_name = 'k_excl')", None),
    (f"EXISTS ({CONSTRAINTS}table_name = 'k' AND constraint_name = 'k_gone')", None),
    # a NOT NULL's name (numbered when taken) is not known for sure
    (f"EXISTS ({CONSTRAINTS}table_schema = 'public' AND table_name = 'k' "
     "AND constraint_name = 'k_n_not_null')", None),
    (f"EXISTS ({CONSTRAINTS}constraint_type = 'CHECK' AND constraint_name = 'n_pos')", None),
    # pg_constraint: every constraint of a table, EXCLUDE too; absent never for sure
    ("EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'k_excl')", True),
    ("EXISTS (SELECT 1 FROM pg_catalog.pg_constraint WHERE conname = 'f_id_fkey')", True),
    ("EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'k_gone')", None),
]


@pytest.mark.parametrize(("condition", "answer"), KEY_CONDITIONS)
def test_what_the_catalog_answers_of_indexes_and_constraints(condition: str,
                                                             answer: bool | None) -> None:
    assert condition_holds(catalog_after(KEYS), condition) is answer


@pytest.mark.postgres
def test_the_server_answers_what_the_catalog_does(pg_db: str) -> None:
    # checked on 18.6
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(KEYS)
        for condition, answer in KEY_CONDITIONS:
            if answer is not None:
                assert conn.execute(f"SELECT {condition}").fetchone()[0] is answer, condition


#: A PL/pgSQL function whose IF asks the catalog (t.n is there: the ALTER does not run), or
#: its parameter (which the catalog cannot answer), called by a statement that runs its body.
GUARDED_ROUTINE = (
    "CREATE FUNCTION add_n() RETURNS void LANGUAGE plpgsql AS $f$\nBEGIN\n"
    "  IF NOT EXISTS (SELECT FROM information_schema.columns WHERE table_schema = 'public'"
    " AND table_name = 't' AND column_name = 'n') THEN\n"
    "    ALTER TABLE t ADD COLUMN n int;\n  END IF;\n  UPDATE u SET id = id;\nEND $f$;\n")
PARAMETER_ROUTINE = GUARDED_ROUTINE.replace("add_n()", "add_n(col text)").replace(
    "column_name = 'n'", "column_name = col")


@pytest.mark.postgres
def test_a_routine_s_guard_the_catalog_answers_runs_one_branch(pg_db: str) -> None:
    """(checked on 18.6) The function a statement calls runs its body then: its IF asked of
    the catalog at the call runs the branch that runs, as a DO block's does."""
    setup = SETUP + GUARDED_ROUTINE
    server = server_locks(pg_db, setup, "SELECT add_n()")
    assert linted_locks(setup, "SELECT add_n()") == server
    assert "public.t" not in server


@pytest.mark.postgres
def test_a_routine_s_guard_on_its_parameter_counts_every_branch(pg_db: str) -> None:
    """(checked on 18.6) A condition on the routine's parameter is not the catalog's to
    answer: the model counts the ALTER the server does not run."""
    setup = SETUP + PARAMETER_ROUTINE
    server = server_locks(pg_db, setup, "SELECT add_n('n')")
    model = linted_locks(setup, "SELECT add_n('n')")
    assert "public.t" not in server
    assert model == {**server, "public.t": "AccessExclusiveLock"}


def linted_locks(setup: str, sql: str) -> dict[str, str]:
    """The locks lint gives `sql` after `setup` (a routine's CREATE kept with its text, its
    body run at a call), of the tables of schema public."""
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(sql + ";\n", "0002_change.sql")]
    (statement,) = lint_migrations(migrations, LintOptions(pg_version=18),
                                   Catalog())[-1].statements
    return {rel: mode.pg_name for rel, mode in statement.effect.locks.items()
            if rel.startswith("public.")}


#: A guard read into a variable first: the catalog is not asked of `IF v` (a PL/pgSQL
#: variable), every branch counts, and the reason says which IF.
VARIABLE_GUARD = (
    f"DECLARE v boolean;\nBEGIN\n  v := EXISTS ({T_N});\n  IF v THEN\n"
    "    ALTER TABLE t ADD COLUMN m int;\n  ELSE\n    ALTER TABLE u ADD COLUMN m int;\n"
    "  END IF;\nEND;")


@pytest.mark.postgres
def test_a_guard_read_into_a_variable_counts_every_branch(pg_db: str) -> None:
    """(checked on 18.6) The server runs the first branch; the model, not answering `IF v`,
    both, and the reason names that IF."""
    sql = do(VARIABLE_GUARD)
    assert server_locks(pg_db, SETUP, sql) == {"public.t": "AccessExclusiveLock"}
    assert model_locks(SETUP, sql) == {"public.t": "AccessExclusiveLock",
                                       "public.u": "AccessExclusiveLock"}
    (statement,) = report(sql).statements
    assert "the IF at line 6 of the block" in statement.reason, statement.reason


def linted_actions(setup: str, sql: str) -> list[str]:
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(sql + ";\n", "0002_change.sql")]
    (statement,) = lint_migrations(migrations, LintOptions(pg_version=18),
                                   Catalog())[-1].statements
    return [a.kind for a in statement.effect.actions]


@pytest.mark.postgres
def test_a_routine_called_after_a_body_s_ddl_counts_every_branch(pg_db: str) -> None:
    """(checked on 18.6) The DO block drops t.n, then calls add_n(), whose guard then finds
    no n and adds it: the catalog from before the block cannot answer it."""
    import psycopg

    sql = do("ALTER TABLE t DROP COLUMN n;\nPERFORM add_n();")
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + GUARDED_ROUTINE)
        conn.execute(sql)
        assert conn.execute("SELECT count(*) FROM information_schema.columns WHERE "
                            "table_name = 't' AND column_name = 'n'").fetchone() == (1,)
    assert "add_column" in linted_actions(SETUP + GUARDED_ROUTINE, sql)


def test_a_routine_whose_body_changes_a_table_counts_every_branch() -> None:
    """A later call (the next row's, another call's of the statement) may find what the
    earlier one changed: the guard is not answered for it."""
    setup = SETUP + GUARDED_ROUTINE.replace(
        "UPDATE u SET id = id;", "ALTER TABLE u ADD COLUMN IF NOT EXISTS k int;")
    assert "public.t" in linted_locks(setup, "SELECT add_n()")
    assert "public.t" not in linted_locks(SETUP + GUARDED_ROUTINE, "SELECT add_n()")



#: A DROP INDEX of an index the block's own CREATE INDEX made (t is the setup's).
DROPS_THE_BLOCK_S_INDEX = do("CREATE INDEX t_n_idx ON t (n);\nDROP INDEX t_n_idx;")


def test_dropping_an_index_the_block_made_locks_its_table() -> None:
    """The CREATE INDEX takes SHARE on t; the DROP INDEX of that index locks t ACCESS
    EXCLUSIVE as at top level, knowing the index's table."""
    (reported,) = report(DROPS_THE_BLOCK_S_INDEX).statements
    assert reported.effect.locks["public.t"].pg_name == "AccessExclusiveLock"
    (drop,) = [a for a in reported.effect.actions if a.kind == "drop_index"]
    assert drop.facts["table"] == "public.t"


@pytest.mark.postgres
def test_dropping_the_block_s_index_locks_what_the_server_locks(pg_db: str) -> None:
    """(checked on 18.6)"""
    server = server_locks(pg_db, SETUP, DROPS_THE_BLOCK_S_INDEX)
    assert server["public.t"] == "AccessExclusiveLock"
    assert model_locks(SETUP, DROPS_THE_BLOCK_S_INDEX) == server


#: A materialized view over a view (and so over t, a partitioned table) that the block makes
#: WITH NO DATA, then fills: CREATE reads nothing and expands no view; REFRESH runs the
#: query, the view expanded, each partition read.
MATVIEW_SETUP = ("CREATE TABLE p (id bigint, n int) PARTITION BY RANGE (id);\n"
                 "CREATE TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (100);\n"
                 "CREATE VIEW pv AS SELECT id, n FROM p;\n")
#: The relkinds of tables and views (the materialized view, new, no one else sees).
VIEWS_TOO = "'r', 'p', 'v'"
REFRESHES_THE_BLOCK_S_MATVIEW = do(
    "CREATE MATERIALIZED VIEW mv AS SELECT id, n FROM pv WITH NO DATA;\n"
    "REFRESH MATERIALIZED VIEW mv;")


@pytest.mark.postgres
def test_refreshing_the_block_s_matview_locks_what_the_server_locks(pg_db: str) -> None:
    """(checked on 18.6) The REFRESH reads the view's query: p and its partition, through
    the view, ACCESS SHARE; the new materialized view itself no one else sees."""
    server = server_locks(pg_db, MATVIEW_SETUP, REFRESHES_THE_BLOCK_S_MATVIEW, VIEWS_TOO)
    assert server == {"public.pv": "AccessShareLock", "public.p": "AccessShareLock",
                      "public.p1": "AccessShareLock"}
    assert linted_locks(MATVIEW_SETUP, REFRESHES_THE_BLOCK_S_MATVIEW) == server


def test_refreshing_the_block_s_matview_reads_its_source_tables() -> None:
    migrations = [migration_from_text(MATVIEW_SETUP, "0001_setup.sql"),
                  migration_from_text(REFRESHES_THE_BLOCK_S_MATVIEW + ";\n",
                                      "0002_change.sql")]
    (statement,) = lint_migrations(migrations, LintOptions(pg_version=18),
                                   Catalog())[-1].statements
    # (the partitioned p holds no rows of its own: its partition's are read)
    assert set(statement.effect.scans) == {"public.p1"}


def test_an_index_on_the_refreshed_matview_reads_its_rows() -> None:
    """Filled by the REFRESH (`Context.filled_tables`), the view is no longer empty: an
    index built on it reads it."""
    sql = REFRESHES_THE_BLOCK_S_MATVIEW.replace(
        "REFRESH MATERIALIZED VIEW mv;", "REFRESH MATERIALIZED VIEW mv;\nCREATE INDEX ON mv (n);")
    migrations = [migration_from_text(MATVIEW_SETUP, "0001_setup.sql"),
                  migration_from_text(sql + ";\n", "0002_change.sql")]
    (statement,) = lint_migrations(migrations, LintOptions(pg_version=18),
                                   Catalog())[-1].statements
    assert "public.mv" in statement.effect.scans


@pytest.mark.postgres
def test_refreshing_it_with_no_data_reads_nothing(pg_db: str) -> None:
    """(checked on 18.6) REFRESH ... WITH NO DATA runs no query: only the CREATE's view is
    locked (its query analyzed, not rewritten)."""
    sql = REFRESHES_THE_BLOCK_S_MATVIEW.replace("REFRESH MATERIALIZED VIEW mv;",
                                                "REFRESH MATERIALIZED VIEW mv WITH NO DATA;")
    server = server_locks(pg_db, MATVIEW_SETUP, sql, VIEWS_TOO)
    assert server == {"public.pv": "AccessShareLock"}
    assert linted_locks(MATVIEW_SETUP, sql) == server


#: A function whose IF asks about data (CONDITION: which the catalog cannot answer), each
#: branch writing its own table.
DATA_ROUTINE = (
    "CREATE FUNCTION pick() RETURNS void LANGUAGE plpgsql AS $f$\nBEGIN\n"
    "  IF CONDITION THEN\n    UPDATE t SET n = 1;\n  ELSE\n    UPDATE u SET id = id;\n"
    "  END IF;\nEND $f$;\n")
ON_DATA = "EXISTS (SELECT 1 FROM t WHERE n > 0)"


def reason_after(setup: str, sql: str) -> str:
    migrations = [migration_from_text(setup, "0001_setup.sql"),
                  migration_from_text(sql + ";\n", "0002_change.sql")]
    (statement,) = lint_migrations(migrations, LintOptions(pg_version=18),
                                   Catalog())[-1].statements
    return statement.reason


@pytest.mark.postgres
@pytest.mark.parametrize("header", ["", "\nRETURNS void\nLANGUAGE plpgsql\nAS $f$ BEGIN"])
def test_a_routine_s_undecided_if_is_named_at_its_line(pg_db: str, header: str) -> None:
    """(checked on 18.6) The reason names the IF the catalog cannot answer, at the line the
    server's own context gives it ("PL/pgSQL function pick() line 3 at IF"): of its body,
    which begins after the dollar quote, not of its CREATE."""
    import psycopg

    routine = DATA_ROUTINE if not header else DATA_ROUTINE.replace(
        " RETURNS void LANGUAGE plpgsql AS $f$\nBEGIN", header)
    line = 3 if not header else 2
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + routine.replace("CONDITION", "(SELECT count(*) FROM t) / 0 > 0"))
        with pytest.raises(psycopg.errors.DivisionByZero) as raised:
            conn.execute("SELECT pick()")
    assert f"pick() line {line} at IF" in str(raised.value.diag.context)
    reason = reason_after(SETUP + routine.replace("CONDITION", ON_DATA), "SELECT pick()")
    assert "every branch" in reason, reason
    assert f"the IF at line {line} of function public.pick" in reason, reason


@pytest.mark.parametrize("call", ["SELECT pick()", "UPDATE u SET id = id WHERE pick() IS NULL",
                                  do("PERFORM pick();")])
def test_every_call_of_the_routine_names_its_if(call: str) -> None:
    reason = reason_after(SETUP + DATA_ROUTINE.replace("CONDITION", ON_DATA), call)
    assert "the IF at line 3 of function public.pick" in reason, reason


def test_a_routine_whose_guard_runs_ddl_names_its_if() -> None:
    """Its body changes a table: no IF of it is answered, each is named."""
    reason = reason_after(SETUP + PARAMETER_ROUTINE, "SELECT add_n('n')")
    assert "the IF at line 3 of function public.add_n" in reason, reason


def test_a_routine_s_decided_if_is_not_named() -> None:
    reason = reason_after(SETUP + GUARDED_ROUTINE, "SELECT add_n()")
    assert "every branch" not in reason, reason


@pytest.mark.postgres
def test_refreshing_the_block_s_renamed_matview_runs_its_query(pg_db: str) -> None:
    """(checked on 18.6) Renamed, it is the same view with the same query."""
    sql = REFRESHES_THE_BLOCK_S_MATVIEW.replace(
        "REFRESH MATERIALIZED VIEW mv;",
        "ALTER MATERIALIZED VIEW mv RENAME TO mv2;\nREFRESH MATERIALIZED VIEW mv2;")
    server = server_locks(pg_db, MATVIEW_SETUP, sql, VIEWS_TOO)
    assert server == {"public.pv": "AccessShareLock", "public.p": "AccessShareLock",
                      "public.p1": "AccessShareLock"}
    assert linted_locks(MATVIEW_SETUP, sql) == server
