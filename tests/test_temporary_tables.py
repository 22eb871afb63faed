"""Temporary tables: CREATE TEMP TABLE puts the table in the session's own schema, pg_temp,
which the server searches first for relations (before pg_catalog and the search_path, unless
the path lists pg_temp itself). An unqualified name then means the temporary table, even when
a table of that name exists; no other session sees it, so nothing it locks or rewrites is
anyone else's wait, and it is gone when the session ends. Checked on the embedded server in
`test_the_server_puts_temporary_tables_in_pg_temp_and_finds_them_first`."""

from __future__ import annotations

import pytest

from effect_helpers import watch_session_ends
from lockwise.catalog.model import Catalog
from lockwise.core.types import LockMode, MigrationReport
from lockwise.discover import migration_from_text
from lockwise.effects.refused import statement_refusal
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import server_error

SETUP = """CREATE TABLE items (id int PRIMARY KEY, note text);
CREATE INDEX items_note_idx ON items (note);
"""


def lint(*migrations: str, catalog: Catalog | None = None) -> list[MigrationReport]:
    texts = [SETUP, *migrations]
    return lint_migrations([migration_from_text(sql, f"{i + 1:04}_m.sql")
                            for i, sql in enumerate(texts)],
                           LintOptions(), catalog if catalog is not None else Catalog())


@pytest.mark.parametrize("create", [
    "CREATE TEMP TABLE scratch (id int, note text);",
    "CREATE TEMPORARY TABLE scratch (id int, note text);",
    "CREATE TABLE pg_temp.scratch (id int, note text);",
    "CREATE TEMP TABLE scratch (id int, note text) ON COMMIT DELETE ROWS;",
    "CREATE TEMP TABLE scratch AS SELECT id, note FROM items;",
])
def test_a_temporary_table_is_in_pg_temp(create: str) -> None:
    catalog = Catalog()
    (report,) = lint(create + "\nALTER TABLE scratch ADD COLUMN extra int;\n"
                     "CREATE INDEX scratch_extra_idx ON scratch (extra);",
                     catalog=catalog)[1:]
    create_effect, alter_effect, index_effect = (s.effect for s in report.statements)
    assert "table:pg_temp.scratch" in create_effect.creates
    assert "index:pg_temp.scratch_extra_idx" in index_effect.creates
    # No other session can wait for it: its locks are no one's concern.
    assert alter_effect.locks == {} and index_effect.locks == {}
    assert not report.all_findings or {f.rule for f in report.all_findings} <= {
        "missing-if-exists"}
    # Gone with the migration's session; never in public.
    assert not [t for t in catalog.tables if t.endswith(".scratch")]


def test_a_temporary_table_shadows_a_table_of_the_same_name() -> None:
    catalog = Catalog()
    (report,) = lint("CREATE TEMP TABLE items (id int, note text);\n"
                     "INSERT INTO items SELECT 1, 'x';\n"
                     "ALTER TABLE items ALTER COLUMN id TYPE bigint;\n"
                     "CREATE INDEX items_id_idx ON items (id);\n"
                     "ALTER TABLE items ADD COLUMN flag int NOT NULL;\n"
                     "DROP TABLE items;\n", catalog=catalog)[1:]
    assert [f.rule for s in report.statements for f in s.findings
            if f.rule != "missing-if-exists"] == []
    assert [s.effect.locks for s in report.statements] == [{}] * 6
    # The real table is as it was.
    assert catalog.tables["public.items"].columns["id"].type_name == "int4"
    assert "flag" not in catalog.tables["public.items"].columns
    assert "public.items_id_idx" not in catalog.indexes


#: A DO block that makes a temporary `items` (beside the real one) and works on it, as
#: rallly's create_guest_users fills, reads and drops its `missing_users`.
_BLOCK = """DO $$
BEGIN
    CREATE TEMP TABLE items AS SELECT id, note FROM public.items WHERE note IS NULL;
    INSERT INTO items SELECT 1, 'x';
    ALTER TABLE items ALTER COLUMN id TYPE bigint;
    DROP TABLE items;
    ALTER TABLE items ADD COLUMN flag int NOT NULL;
END $$;"""


def test_a_temporary_table_a_do_block_made_shadows_a_table_of_the_same_name() -> None:
    """In a DO block too, an unqualified name of a temporary table the block made means it
    (not in the catalog from before the block): nothing of it is anyone's wait, its DROP
    loses no data; once the block dropped it, the name is the real table's again."""
    (report,) = lint(_BLOCK)[1:]
    (statement,) = report.statements
    assert statement.effect.locks == {"public.items": LockMode.ACCESS_EXCLUSIVE}
    assert "pg_temp.items" in statement.effect.scans  # (its type change, short: no one waits)
    rules = {f.rule for f in statement.findings}
    assert not rules & {"column-type-change-rewrites", "drop-table"}
    assert "add-column-not-null-without-default" in rules  # the real table's


@pytest.mark.postgres
def test_the_server_finds_a_do_blocks_temporary_table_first(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + "INSERT INTO items VALUES (7, NULL);")
        with pytest.raises(psycopg.errors.NotNullViolation):  # the real table, its one row
            conn.execute(_BLOCK)
        conn.execute(_BLOCK.replace(" NOT NULL", ""))
        columns = conn.execute(
            "SELECT string_agg(attname || ' ' || atttypid::regtype::text, ', ' ORDER BY attnum)"
            " FROM pg_attribute WHERE attrelid = 'public.items'::regclass AND attnum > 0"
            " AND NOT attisdropped").fetchone()
        temporary = conn.execute("SELECT to_regclass('pg_temp.items')").fetchone()
    assert columns == ("id integer, note text, flag integer",)
    assert temporary == (None,)


#: A procedure that makes a temporary table of the real table's name, and code that calls it
#: and then writes to the name: from a DO block, or from another routine's body, however
#: deep (checked on 18.6 below: the rows go to the temporary table).
_MAKES_ITEMS = ("CREATE PROCEDURE mk() LANGUAGE plpgsql AS $$ BEGIN"
                " CREATE TEMP TABLE items (id int, note text); END $$;\n")
_CALLED_THEN_WRITTEN = [
    _MAKES_ITEMS + "DO $$ BEGIN CALL mk(); UPDATE items SET note = 'x'; END $$;",
    _MAKES_ITEMS + "CREATE PROCEDURE o() LANGUAGE plpgsql AS $$ BEGIN CALL mk(); END $$;\n"
    "DO $$ BEGIN CALL o(); UPDATE items SET note = 'x'; END $$;",
    _MAKES_ITEMS + "CREATE PROCEDURE o() LANGUAGE plpgsql AS $$ BEGIN CALL mk();"
    " UPDATE items SET note = 'x'; END $$;\nCALL o();",
]


@pytest.mark.parametrize("sql", _CALLED_THEN_WRITTEN)
def test_a_temporary_table_a_called_routine_made_shadows_a_table_of_the_same_name(
        sql: str) -> None:
    """A routine that code calls makes a temporary table: after the call, the code's
    unqualified name of it means it, as one the code made itself does."""
    report = lint(sql)[1]
    effect = report.statements[-1].effect
    assert [a.facts["table"] for a in effect.actions if a.kind == "update"] == \
        ["pg_temp.items"]
    assert "public.items" not in effect.locks


@pytest.mark.postgres
@pytest.mark.parametrize("sql", _CALLED_THEN_WRITTEN)
def test_the_server_finds_a_called_routines_temporary_table_first(pg_db: str,
                                                                   sql: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP + "INSERT INTO items VALUES (7, NULL);")
        conn.execute(sql)
        notes = conn.execute("SELECT note FROM public.items").fetchall()
    assert notes == [(None,)]


def test_a_path_that_lists_pg_temp_searches_it_in_its_place() -> None:
    (report,) = lint("CREATE TEMP TABLE items (id int);\n"
                     "SET search_path = public, pg_temp;\n"
                     "ALTER TABLE items ALTER COLUMN id TYPE bigint;\n")[1:]
    assert report.statements[2].effect.locks == {"public.items": LockMode.ACCESS_EXCLUSIVE}


def test_the_temporary_table_is_gone_in_the_next_migration() -> None:
    # Each migration's session ends with it: `items` is the real table again.
    second = lint("CREATE TEMP TABLE items (id int);",
                  "ALTER TABLE items ALTER COLUMN id TYPE bigint;")[-1]
    assert "public.items" in second.statements[0].effect.locks
    assert "column-type-change-rewrites" in {f.rule for f in second.statements[0].findings}


@pytest.mark.postgres
def test_the_server_puts_temporary_tables_in_pg_temp_and_finds_them_first(pg_db: str) -> None:
    import psycopg

    statements = ["CREATE TEMP TABLE items (id int, note text)",
                  "CREATE TABLE pg_temp.scratch (id int)",
                  "ALTER TABLE items ALTER COLUMN id TYPE bigint",
                  "CREATE INDEX items_id_idx ON items (id)"]
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
        conn.execute("SET search_path = public")  # pg_temp unlisted: searched first
        for sql in statements:
            conn.execute(sql)
        rows = conn.execute(
            "SELECT n.nspname LIKE 'pg_temp_%', c.relname, a.atttypid::regtype::text "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'id' "
            "WHERE c.relname IN ('items', 'scratch', 'items_id_idx') ORDER BY 1, 2").fetchall()
        with psycopg.connect(pg_db, autocommit=True) as other:  # another session
            theirs = other.execute("SELECT to_regclass('items_id_idx') IS NULL, "
                                   "to_regclass('scratch') IS NULL").fetchone()
    assert rows == [(False, "items", "integer"),
                    (True, "items", "bigint"), (True, "items_id_idx", "bigint"),
                    (True, "scratch", "integer")]
    assert theirs == (True, True)
    catalog = Catalog()
    (report,) = lint(";\n".join(["SET search_path = public", *statements]) + ";",
                     catalog=catalog)[1:]
    effects = [s.effect for s in report.statements[1:]]
    assert "table:pg_temp.items" in effects[0].creates
    assert "table:pg_temp.scratch" in effects[1].creates
    assert effects[2].rewrites == {"pg_temp.items"}
    assert "index:pg_temp.items_id_idx" in effects[3].creates
    assert catalog.tables["public.items"].columns["id"].type_name == "int4"


#: Made again after the migration's own temporary `scratch`: refused ("relation ... already
#: exists") while that one is there.
AGAIN = "CREATE TEMP TABLE scratch (note text)"


@pytest.mark.postgres
@pytest.mark.parametrize(("before", "in_transaction", "taken"), [
    ("CREATE TEMP TABLE scratch (id int) ON COMMIT DROP", False, False),
    ("CREATE TEMP TABLE scratch ON COMMIT DROP AS SELECT 1 AS id", False, False),
    ("BEGIN;\nCREATE TEMP TABLE scratch (id int) ON COMMIT DROP;\n"
     "INSERT INTO scratch VALUES (1);\nCOMMIT", False, False),
    ("BEGIN;\nCREATE TEMP TABLE scratch (id int) ON COMMIT DROP;\nROLLBACK", False, False),
    ("CREATE TEMP TABLE scratch (id int) ON COMMIT DROP", True, True),
    ("BEGIN;\nCREATE TEMP TABLE scratch (id int) ON COMMIT DROP", False, True),
    ("CREATE TEMP TABLE scratch (id int) ON COMMIT DELETE ROWS", False, True),
    ("CREATE TEMP TABLE scratch (id int)", False, True),
])
def test_on_commit_drop_goes_with_its_transaction_as_on_the_server(
        pg_db: str, before: str, in_transaction: bool, taken: bool) -> None:
    """ON COMMIT DROP: the table goes when its transaction ends: at the COMMIT (or
    ROLLBACK) of the migration's own, at once outside one (each statement its own
    transaction), at the end of the migration in the tool's."""
    import psycopg

    statements = [*before.split(";\n"), AGAIN]
    # (a tool's transaction: BEGIN first, on the one connection the statements run on)
    server_refuses = server_error(pg_db, ["BEGIN"] * in_transaction + statements[:-1], AGAIN,
                                  (psycopg.errors.DuplicateTable,)) is not None
    options = LintOptions(assume_in_transaction=in_transaction)
    report = lint_migrations([migration_from_text(";\n".join(statements) + ";", "0001_m.sql")],
                             options, Catalog())[0]
    (again,) = [s for s in report.statements if s.statement.sql.rstrip(";") == AGAIN]
    assert (statement_refusal(again.effect) == "name_taken") == server_refuses
    assert server_refuses == taken


def test_an_on_commit_drop_table_outside_a_transaction_leaves_the_name_to_the_real_one() -> None:
    (report,) = lint_migrations(
        [migration_from_text(SETUP + "CREATE TEMP TABLE items (id int) ON COMMIT DROP;\n"
                             "ALTER TABLE items ADD COLUMN extra int;\n", "0001_m.sql")],
        LintOptions(assume_in_transaction=False), Catalog())
    assert "public.items" in report.statements[-1].effect.locks


# --- the session's end drops what was filed in pg_temp, without scanning the catalog ------

_TEMPORARY_HISTORY = """
CREATE TABLE keep (id int PRIMARY KEY);
CREATE TEMP TABLE tkeep (id int PRIMARY KEY);
CREATE TEMP TABLE t1 (id serial PRIMARY KEY, k int REFERENCES tkeep, u int UNIQUE);
CREATE INDEX t1_k ON t1 (k);
CREATE TEMPORARY SEQUENCE s1;
CREATE TEMP VIEW v1 AS SELECT * FROM t1;
CREATE TABLE pg_temp.t2 (a int UNIQUE);
CREATE TABLE U&"pg\\005ftemp".t3 (a int PRIMARY KEY);
CREATE TEMP TABLE t5 AS SELECT 1 AS a;
SELECT 1 AS a INTO TEMP t6;
ALTER TABLE t1 RENAME TO t7;
ALTER INDEX pg_temp.t1_k RENAME TO t7_k;
ALTER SEQUENCE pg_temp.s1 RENAME TO s2;
CREATE TEMP TABLE p (a int) PARTITION BY RANGE (a);
CREATE TEMP TABLE p1 PARTITION OF p FOR VALUES FROM (0) TO (10);
CREATE INDEX p_a ON p (a);
CREATE TEMP TABLE t8 (LIKE keep INCLUDING ALL);
SET search_path = pg_temp, public;
CREATE TABLE t4 (a int PRIMARY KEY);
CREATE SEQUENCE s4;
CREATE VIEW v4 AS SELECT * FROM t4;
CREATE INDEX t7_u ON t7 (u);
ALTER TABLE t7 RENAME TO t9;
"""


def _temporary_names(catalog: Catalog) -> set[str]:
    """Every relation (and type) the catalog files in pg_temp, found by listing it all."""
    return {n for names in (catalog.tables, catalog.indexes, catalog.sequences, catalog.types)
            for n in names if n.startswith("pg_temp.")}


def test_every_relation_filed_in_pg_temp_is_noted_and_goes_at_the_session_end(
        corpora, monkeypatch: pytest.MonkeyPatch) -> None:
    # `Catalog.temporary` is kept where the replay files a relation; a place that files one
    # in pg_temp without noting it would leave it behind the session's end. Lint and the
    # conflict graph each end a session after every migration (with lint's search_path).
    from pathlib import Path

    import lockwise.graph.build as build
    import lockwise.lint as lint_module
    from lockwise.catalog.replay import end_session
    from lockwise.cli.inputs import collect
    from lockwise.graph.api import history_conflicts

    noted: list[str] = []

    def checked(catalog: Catalog) -> None:
        there = _temporary_names(catalog)
        assert there <= catalog.temporary.keys()
        noted.extend(there)
        end_session(catalog)
        assert not _temporary_names(catalog)
        assert not catalog.temporary

    monkeypatch.setattr(lint_module, "end_session", checked)
    monkeypatch.setattr(build, "end_session", checked)
    folders = [*sorted(p for p in corpora.iterdir() if p.is_dir()), Path("fixtures/migrations")]
    histories = [*collect(folders, None).histories,
                 [migration_from_text(SETUP, "0001_setup.sql"),
                  migration_from_text(_TEMPORARY_HISTORY, "0002_temp.sql"),
                  migration_from_text(_TEMPORARY_HISTORY, "0003_temp.sql")]]
    for history in histories:
        lint_migrations(list(history), LintOptions(), Catalog())
    written = len(noted)
    # (U&, names the search_path finds in pg_temp, renames, partitions; with pg_temp first
    # in the path the server creates t4, s4 and v4 there too: checked on 18.6 in
    # test_the_server_creates_in_pg_temp_when_the_path_puts_it_first.)
    assert {"pg_temp.t3", "pg_temp.t9", "pg_temp.t7_u", "pg_temp.t7_k", "pg_temp.s2", "pg_temp.p_a",
            "pg_temp.p1_a_idx", "pg_temp.t8_pkey", "pg_temp.t4", "pg_temp.t4_pkey", "pg_temp.s4",
            "pg_temp.v4"} <= set(noted)
    history_conflicts(histories[-1:], pg_version=LintOptions().pg_version)
    assert len(noted) == 2 * written  # (the graph's replay files and drops the same)


def test_only_a_name_noted_in_pg_temp_is_looked_for_there(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # `is_temporary` (asked for each unqualified name under the default path) looks in the
    # catalog only for a name `Catalog.temporary` holds: every place that files an object
    # in pg_temp notes it (test_every_relation_filed_in_pg_temp_is_noted_...). A name noted
    # but gone since (dropped) is no temporary relation.
    import lockwise.catalog.search_path as search_path
    from lockwise.catalog.replay import apply_statement
    from lockwise.effects.nodes import qualified
    from lockwise.parse.postgres import parse_sql

    catalog = Catalog()
    looked: list[str] = []
    knows = search_path._knows
    monkeypatch.setattr(search_path, "_knows",
                        lambda c, name: looked.append(name) or knows(c, name))

    def replay(sql: str) -> None:
        with search_path.PathInForce(catalog):  # (as lint replays: pg_temp searched first)
            for stmt in parse_sql(sql).statements:
                apply_statement(catalog, stmt.tree, "0001", sql=stmt.sql)

    def resolved(*names: str) -> list[str]:
        with search_path.PathInForce(catalog):
            return [qualified(None, name) for name in names]

    replay(SETUP)
    assert resolved("items", "scratch") == ["public.items", "public.scratch"]
    assert looked == []  # (nothing in pg_temp: not looked for)
    replay("CREATE TEMP TABLE items (id int);\nCREATE TEMP SEQUENCE counter;\n"
           "CREATE TYPE pg_temp.mood AS ENUM ('a');\nALTER TABLE items RENAME TO scratch;\n")
    looked.clear()
    assert resolved("items", "scratch", "counter", "mood", "other") == [
        "public.items", "pg_temp.scratch", "pg_temp.counter", "pg_temp.mood", "public.other"]
    assert "pg_temp.items" in catalog.temporary  # (noted, gone since: renamed)
    assert looked == ["pg_temp.items", "pg_temp.scratch", "pg_temp.counter", "pg_temp.mood"]
    replay("DROP TABLE scratch;")
    assert resolved("scratch") == ["public.scratch"]


class _Listed(dict):
    """A catalog's tables that count how often they are listed whole."""

    listed = 0

    def __iter__(self):
        _Listed.listed += 1
        return super().__iter__()


def test_the_session_end_does_not_list_the_catalog() -> None:
    from lockwise.catalog.model import IndexMap
    from lockwise.catalog.replay import apply_statement, end_session
    from lockwise.parse.postgres import parse_sql

    class ListedIndexes(IndexMap):
        def __iter__(self):
            _Listed.listed += 1
            return super().__iter__()

    class ListedSequences(set):
        def __iter__(self):
            _Listed.listed += 1
            return super().__iter__()

    catalog = Catalog()
    for stmt in parse_sql(SETUP + _TEMPORARY_HISTORY).statements:
        apply_statement(catalog, stmt.tree, "0001", sql=stmt.sql)
    temporary = _temporary_names(catalog)
    assert len(temporary) >= 15
    catalog.tables = _Listed(catalog.tables)
    catalog.indexes = ListedIndexes(catalog.indexes)
    catalog.sequences = ListedSequences(catalog.sequences)
    kept = {n for names in (catalog.tables, catalog.indexes, catalog.sequences)
            for n in names} - temporary
    _Listed.listed = 0
    end_session(catalog)
    assert _Listed.listed == 0
    assert {n for names in (catalog.tables, catalog.indexes, catalog.sequences)
            for n in names} == kept


class _ListedWhole(_Listed):
    """Tables that count each listing, by their items, keys or values too."""

    def items(self):
        _Listed.listed += 1
        return super().items()

    def keys(self):
        _Listed.listed += 1
        return super().keys()

    def values(self):
        _Listed.listed += 1
        return super().values()


def test_the_end_of_a_transaction_finds_its_on_commit_drop_tables_without_listing(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # (Dropping one costs what a DROP TABLE ... CASCADE does; finding them must not cost a
    # listing of every table of the history at each COMMIT.)
    import lockwise.catalog.replay as replay
    from lockwise.parse.postgres import parse_sql

    catalog = Catalog()
    for stmt in parse_sql(SETUP + _TEMPORARY_HISTORY + "RESET search_path;\n"
                          "CREATE TEMP TABLE gone (id int PRIMARY KEY) ON COMMIT DROP;\n"
                          "CREATE TEMP VIEW gone_v AS SELECT * FROM gone;\n"
                          "CREATE TEMP TABLE stays (id int) ON COMMIT DELETE ROWS;\n"
                          ).statements:
        replay.apply_statement(catalog, stmt.tree, "0001", sql=stmt.sql)
    dropped: list[str] = []
    monkeypatch.setattr(replay, "_drop_relations",
                        lambda _c, name, cascade: dropped.append(name))
    catalog.tables = _ListedWhole(catalog.tables)
    _Listed.listed = 0
    replay.end_transaction(catalog)
    assert _Listed.listed == 0
    assert dropped == ["pg_temp.gone"]
    assert not catalog.commit_drops


def test_the_end_of_a_transaction_drops_its_on_commit_drop_tables() -> None:
    from lockwise.catalog.replay import apply_statement, end_transaction
    from lockwise.catalog.search_path import PathInForce
    from lockwise.parse.postgres import parse_sql

    catalog = Catalog()
    for stmt in parse_sql(SETUP + "CREATE TEMP TABLE gone (id int PRIMARY KEY) ON COMMIT DROP;\n"
                          "CREATE TEMP VIEW gone_v AS SELECT * FROM gone;\n"
                          "CREATE TEMP TABLE stays (id int) ON COMMIT DELETE ROWS;\n"
                          ).statements:
        with PathInForce(catalog):  # (the view reads the temporary table, as in lint)
            apply_statement(catalog, stmt.tree, "0001", sql=stmt.sql)
    before = set(catalog.tables) | set(catalog.indexes)
    end_transaction(catalog)
    assert before - (set(catalog.tables) | set(catalog.indexes)) == {
        "pg_temp.gone", "pg_temp.gone_v", "pg_temp.gone_pkey"}


# --- pg_temp first in the search_path: an unqualified CREATE makes a temporary relation -----

#: (path, whether an unqualified CREATE TABLE / VIEW / SEQUENCE makes a temporary one there
#: on the server, whether lockwise files it in pg_temp). `"$user"` names no schema here (none
#: is named after the role); with pg_catalog first the server refuses to create ("permission
#: denied to create pg_catalog.t"), lockwise goes on to the next schema as before. A schema
#: lockwise does not know before pg_temp may exist outside the migrations: lockwise does not
#: take the relation for a temporary one (the server skips a schema that is not there).
_TEMPORARY_PATHS = [
    ("pg_temp, public", True, True),
    ("pg_temp", True, True),
    ('"$user", pg_temp, public', True, True),
    ("public, pg_temp", False, False),
    ("nosuch, pg_temp, public", True, False),
    ("pg_catalog, pg_temp, public", None, False),
]
_CREATES = ["CREATE TABLE t (id int PRIMARY KEY, note text)",
            "CREATE VIEW v AS SELECT id FROM t",
            "CREATE SEQUENCE s",
            "CREATE TABLE t2 AS SELECT 1 AS id",
            "CREATE INDEX t_note ON t (note)"]


@pytest.mark.postgres
def test_the_server_creates_in_pg_temp_when_the_path_puts_it_first(pg_db: str) -> None:
    import psycopg

    found = []
    for path, _, _ in _TEMPORARY_PATHS:
        with psycopg.connect(pg_db, autocommit=True) as conn:
            conn.execute(f"SET search_path = {path}")
            try:
                for sql in _CREATES:
                    conn.execute(sql)
            except psycopg.errors.InsufficientPrivilege:
                found.append(None)
                continue
            rows = conn.execute(
                "SELECT DISTINCT c.relpersistence = 't' AND n.nspname LIKE 'pg_temp_%' "
                "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relname IN ('t', 'v', 's', 't2', 't_note', 't_pkey')").fetchall()
            assert len(rows) == 1
            found.append(rows[0][0])
            conn.execute("DROP TABLE IF EXISTS public.t, public.t2 CASCADE; "
                         "DROP SEQUENCE IF EXISTS public.s")
    assert found == [server for _, server, _ in _TEMPORARY_PATHS]


@pytest.mark.parametrize(("path", "filed"), [(p, f) for p, _, f in _TEMPORARY_PATHS])
def test_an_unqualified_create_under_pg_temp_first_is_temporary(path: str, filed: bool) -> None:
    catalog = Catalog()
    (report,) = lint(f"SET search_path = {path};\n" + ";\n".join(_CREATES) + ";\n"
                     "ALTER TABLE t ADD COLUMN extra int NOT NULL;\n", catalog=catalog)[1:]
    creates = {c for s in report.statements for c in s.effect.creates
               if c.partition(":")[0] in ("table", "view", "sequence", "index")}
    names = {"table:t", "view:v", "sequence:s", "table:t2", "index:t_note"}
    expected = ("pg_temp." if filed else "public.")
    assert {c for c in names if c.replace(":", ":" + expected) in creates} == names
    # The rules quieted for the session's own relations are quiet then, and its locks are
    # no other session's wait.
    created, altered = report.statements[1], report.statements[-1]
    assert ("missing-if-exists" in {f.rule for f in created.findings}) is not filed
    assert (altered.effect.locks == {}) is filed
    # And they are gone with the session.
    assert not [t for t in catalog.tables if t.startswith("pg_temp.")]


def test_a_composite_type_under_pg_temp_first_leaves_nothing_in_pg_temp() -> None:
    # Its name is a RangeVar as a table's; made in pg_temp (as on the server), it must go at
    # the session's end with the relations, or a later `pair` would be taken for it.
    catalog = Catalog()
    reports = lint("SET search_path = pg_temp, public;\nCREATE TYPE pair AS (a int, b int);\n"
                   "CREATE TABLE t (p pair);\n", catalog=catalog)
    assert "table:pg_temp.t" in reports[1].statements[-1].effect.creates
    assert not [t for t in catalog.types if t.startswith("pg_temp.")]
    assert not catalog.temporary


# --- a view over a temporary relation is temporary -----------------------------------------

#: (a CREATE VIEW after `CREATE TEMP TABLE scratch` and `CREATE VIEW over_scratch AS SELECT *
#: FROM scratch`, whether the server makes the view temporary: its query reads a temporary
#: relation, in a join, a subquery or a CTE, or a view over one; a temporary sequence named in
#: a string constant (`nextval('s')`) is no relation of its query.)
_VIEWS_OVER_TEMPORARY = [
    ("CREATE VIEW v AS SELECT * FROM scratch", True),
    ("CREATE VIEW v AS SELECT * FROM over_scratch", True),
    ("CREATE VIEW v AS SELECT i.id FROM items i JOIN scratch s USING (id)", True),
    ("CREATE VIEW v AS SELECT id FROM items WHERE id IN (SELECT id FROM scratch)", True),
    ("CREATE VIEW v AS WITH w AS (SELECT * FROM scratch) SELECT * FROM w", True),
    ("CREATE OR REPLACE VIEW v AS SELECT * FROM pg_temp.scratch", True),
    ("CREATE VIEW v AS SELECT * FROM items", False),
    ("CREATE VIEW v AS SELECT nextval('temporary_seq') AS n", False),
]
_TEMPORARY_SETUP = ("CREATE TEMP TABLE scratch (id int, note text);\n"
                    "CREATE TEMP SEQUENCE temporary_seq;\n"
                    "CREATE VIEW over_scratch AS SELECT * FROM scratch;\n")


@pytest.mark.postgres
def test_the_server_makes_a_view_over_a_temporary_relation_temporary(pg_db: str) -> None:
    import psycopg

    found = []
    for sql, _ in _VIEWS_OVER_TEMPORARY:
        with psycopg.connect(pg_db, autocommit=True) as conn:
            notices: list[str] = []
            conn.add_notice_handler(
                lambda d, said=notices: said.append(d.message_primary or ""))
            conn.execute(SETUP.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS")
                         .replace("CREATE INDEX", "CREATE INDEX IF NOT EXISTS"))
            conn.execute(_TEMPORARY_SETUP)
            conn.execute(sql)
            (temporary,) = conn.execute(
                "SELECT relpersistence = 't' FROM pg_class WHERE oid = 'v'::regclass"
            ).fetchone()
            assert ('view "v" will be a temporary view' in notices) is temporary
            found.append(temporary)
            conn.execute("DROP VIEW IF EXISTS public.v")
    assert found == [temporary for _, temporary in _VIEWS_OVER_TEMPORARY]


@pytest.mark.parametrize(("sql", "temporary"), _VIEWS_OVER_TEMPORARY)
def test_a_view_over_a_temporary_relation_is_filed_in_pg_temp(sql: str,
                                                               temporary: bool) -> None:
    catalog = Catalog()
    (report,) = lint(_TEMPORARY_SETUP + sql + ";\nCREATE VIEW over_v AS SELECT * FROM v;\n"
                     "ALTER VIEW v RENAME COLUMN id TO key;\n", catalog=catalog)[1:]
    over_scratch, view, over_view, renamed = (s.effect for s in report.statements[2:])
    assert "view:pg_temp.over_scratch" in over_scratch.creates
    schema = "pg_temp" if temporary else "public"
    assert f"view:{schema}.v" in view.creates
    assert f"view:{schema}.over_v" in over_view.creates
    # A temporary view's locks are no other session's wait.
    assert (renamed.locks == {}) is temporary
    # Gone with the session: the views over temporary relations, and only those.
    assert not [t for t in catalog.tables if t.startswith("pg_temp.")]
    assert ("public.v" in catalog.tables) is not temporary


# --- what ties a temporary relation to a permanent one is refused --------------------------

_MIXED_SETUP = """CREATE TABLE parent (a int) PARTITION BY RANGE (a);
CREATE TABLE perm (id int PRIMARY KEY);
CREATE TABLE plain (a int);
CREATE TEMP TABLE tparent (a int) PARTITION BY RANGE (a);
CREATE TEMP TABLE tmp (id int PRIMARY KEY);
CREATE TEMP TABLE tt (a int);
CREATE UNLOGGED TABLE unl (id int PRIMARY KEY);
"""
_BOUND = "FOR VALUES FROM (0) TO (10)"
_PG_TEMP_FIRST = "SET search_path = pg_temp, public"

#: (a statement run before, the statement, the server's message refusing it: "" when it
#: runs). The same on 15 (checked by hand) as on 18.6.
_MIXED = [
    ("", f"CREATE TEMP TABLE p1 PARTITION OF parent {_BOUND}",
     'cannot create a temporary relation as partition of permanent relation "parent"'),
    ("", f"CREATE TABLE pg_temp.p1 PARTITION OF parent {_BOUND}",
     'cannot create a temporary relation as partition of permanent relation "parent"'),
    (_PG_TEMP_FIRST, f"CREATE TABLE p1 PARTITION OF parent {_BOUND}",
     'cannot create a temporary relation as partition of permanent relation "parent"'),
    ("", f"CREATE TABLE p1 PARTITION OF tparent {_BOUND}",
     'cannot create a permanent relation as partition of temporary relation "tparent"'),
    (_PG_TEMP_FIRST, f"CREATE TABLE p1 PARTITION OF tparent {_BOUND}", ""),
    ("", f"CREATE TEMP TABLE p1 PARTITION OF tparent {_BOUND}", ""),
    ("", "ALTER TABLE parent ATTACH PARTITION tt FOR VALUES FROM (10) TO (20)",
     'cannot attach a temporary relation as partition of permanent relation "parent"'),
    ("", "ALTER TABLE tparent ATTACH PARTITION plain FOR VALUES FROM (10) TO (20)",
     'cannot attach a permanent relation as partition of temporary relation "tparent"'),
    ("", "CREATE TABLE child () INHERITS (tmp)", 'cannot inherit from temporary relation "tmp"'),
    ("", "CREATE TEMP TABLE child () INHERITS (perm)", ""),
    ("", "CREATE TEMP TABLE f (id int REFERENCES perm)",
     "constraints on temporary tables may reference only temporary tables"),
    ("", "CREATE TEMP TABLE f (id int, FOREIGN KEY (id) REFERENCES public.perm)",
     "constraints on temporary tables may reference only temporary tables"),
    (_PG_TEMP_FIRST, "CREATE TABLE f (id int REFERENCES perm)",
     "constraints on temporary tables may reference only temporary tables"),
    ("", "CREATE TABLE f (id int REFERENCES tmp)",
     "constraints on permanent tables may reference only permanent tables"),
    ("", "ALTER TABLE tt ADD FOREIGN KEY (a) REFERENCES perm",
     "constraints on temporary tables may reference only temporary tables"),
    ("", "ALTER TABLE plain ADD COLUMN r int REFERENCES tmp",
     "constraints on permanent tables may reference only permanent tables"),
    ("", "CREATE UNLOGGED TABLE f (id int REFERENCES tmp)",
     "constraints on unlogged tables may reference only permanent or unlogged tables"),
    ("", "CREATE VIEW public.v AS SELECT * FROM tt",
     "cannot create temporary relation in non-temporary schema"),
    ("", "CREATE MATERIALIZED VIEW mv AS SELECT a FROM plain JOIN tt USING (a)",
     "materialized views must not use temporary tables or views"),
    ("", "CREATE TABLE copy AS SELECT * FROM tt", ""),
    ("", "CREATE TEMP TABLE f (id int REFERENCES tmp)", ""),
    (_PG_TEMP_FIRST, "CREATE TABLE f (id int PRIMARY KEY, up int REFERENCES f)", ""),
    ("", "CREATE TABLE f (id int REFERENCES perm)", ""),
    # An unlogged table's rows are not kept through a crash: a permanent table's key may
    # not point at them (an unlogged table's may point at a permanent one).
    ("", "CREATE TABLE f (id int REFERENCES unl)",
     "constraints on permanent tables may reference only permanent tables"),
    ("", "ALTER TABLE plain ADD FOREIGN KEY (a) REFERENCES unl",
     "constraints on permanent tables may reference only permanent tables"),
    ("", "ALTER TABLE plain ADD COLUMN r int REFERENCES unl",
     "constraints on permanent tables may reference only permanent tables"),
    ("", "CREATE TEMP TABLE f (id int REFERENCES unl)",
     "constraints on temporary tables may reference only temporary tables"),
    ("", "CREATE UNLOGGED TABLE f (id int REFERENCES unl)", ""),
    ("", "CREATE UNLOGGED TABLE f (id int REFERENCES perm)", ""),
    # A key to the table's own unqualified name is looked up once the table is made: the
    # session's temporary table of that name comes first, not the new permanent one.
    ("", "CREATE TABLE public.tmp (id int PRIMARY KEY, up int REFERENCES tmp)",
     "constraints on permanent tables may reference only permanent tables"),
    ("", "CREATE TABLE tmp (id int PRIMARY KEY, up int REFERENCES tmp)",
     "constraints on permanent tables may reference only permanent tables"),
    ("", "CREATE TABLE public.tmp (id int PRIMARY KEY, up int REFERENCES public.tmp)", ""),
    ("", "CREATE TEMP TABLE perm (id int PRIMARY KEY, up int REFERENCES perm)", ""),
    # a path that lists pg_temp searches it in its place: public's table comes first
    ("SET search_path = public, pg_temp",
     "CREATE TEMP TABLE perm (id int PRIMARY KEY, up int REFERENCES perm)",
     "constraints on temporary tables may reference only temporary tables"),
    ("SET search_path = public, pg_temp",
     "CREATE TEMP TABLE f (id int PRIMARY KEY, up int REFERENCES f)", ""),
]


@pytest.mark.postgres
def test_the_server_refuses_to_tie_temporary_and_permanent_relations(pg_db: str) -> None:
    from server_helpers import server_message

    # (each on the permanent tables of the setup alone: those an earlier one made dropped)
    again = "DROP TABLE IF EXISTS parent, perm, plain, unl, f, child, copy, public.tmp CASCADE"
    found = [server_message(pg_db, [again, _MIXED_SETUP, before], sql)
             for before, sql, _ in _MIXED]
    assert found == [message for _, _, message in _MIXED]


@pytest.mark.parametrize(("before", "sql", "message"), _MIXED)
def test_what_ties_temporary_and_permanent_relations_is_refused(before: str, sql: str,
                                                                message: str) -> None:
    (report,) = lint(_MIXED_SETUP + (before + ";\n" if before else "") + sql + ";")[1:]
    last = report.statements[-1]
    said = [a.facts["refused_by_persistence_text"] for a in last.effect.actions
            if a.facts.get("refused_by_persistence")]
    assert said == ([message] if message else [])
    assert (statement_refusal(last.effect) == "refused_by_persistence") is bool(message)
    assert ("temporary-permanent-mix-refused" in {f.rule for f in last.findings}) is \
        bool(message)


# --- pg_temp first in the search_path: functions, procedures and types go there too ---------

_ROUTINES_AND_TYPES = {
    "function:f": "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
    "function:p": "CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1'",
    "type:mood": "CREATE TYPE mood AS ENUM ('happy')",
    "type:pair": "CREATE TYPE pair AS (a int, b int)",
    "type:posint": "CREATE DOMAIN posint AS int CHECK (VALUE > 0)",
    "type:span": "CREATE TYPE span AS RANGE (subtype = int4)",
    "sequence:s": "CREATE SEQUENCE s",
}


@pytest.mark.postgres
def test_the_server_creates_routines_and_types_in_pg_temp_first_in_the_path(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 2'")
        conn.execute("SET search_path = pg_temp, public")
        for sql in _ROUTINES_AND_TYPES.values():
            conn.execute(sql)
        where = conn.execute(
            "SELECT 'function:' || proname, n.nspname LIKE 'pg_temp_%' FROM pg_proc p "
            "JOIN pg_namespace n ON n.oid = p.pronamespace WHERE proname IN ('f', 'p') "
            "UNION ALL SELECT 'type:' || typname, n.nspname LIKE 'pg_temp_%' FROM pg_type t "
            "JOIN pg_namespace n ON n.oid = t.typnamespace "
            "WHERE typname IN ('mood', 'pair', 'posint', 'span') "
            "UNION ALL SELECT 'sequence:' || relname, relpersistence = 't' FROM pg_class "
            "WHERE relname = 's'").fetchall()
        # An unqualified call never finds a temporary function, pg_temp first or not.
        called = [conn.execute(sql).fetchone()[0] for sql in ("SELECT f()", "SELECT pg_temp.f()")]
        with pytest.raises(psycopg.errors.UndefinedFunction):
            conn.execute("CALL p()")
    assert sorted(where) == sorted([*((k, True) for k in _ROUTINES_AND_TYPES),
                                    ("function:f", False)])
    assert called == [2, 1]


def test_routines_and_types_made_under_pg_temp_first_are_temporary() -> None:
    catalog = Catalog()
    report = lint("CREATE TYPE mood AS ENUM ('sad');",
                  "SET search_path = pg_temp, public;\n" + ";\n".join(_ROUTINES_AND_TYPES.values())
                  + ";\nCREATE TABLE t (m mood, p pair, d posint);\n", catalog=catalog)[-1]
    statements = report.statements[1:len(_ROUTINES_AND_TYPES) + 1]
    for (made, _), statement in zip(_ROUTINES_AND_TYPES.items(), statements, strict=True):
        kind, name = made.split(":")
        assert f"{kind}:pg_temp.{name}" in statement.effect.creates
        # the session's own: not there when the migration runs again
        assert "missing-if-exists" not in {f.rule for f in statement.findings}
    # public's mood does not take the name of the one made in pg_temp.
    assert statement_refusal(report.statements[3].effect) == ""
    # Gone with the session.
    assert not [t for t in catalog.types if t.startswith("pg_temp.")]
    assert not [f for f in catalog.kept_routines if f.startswith("pg_temp.")]
    assert not catalog.temporary


# --- a permanent table's column of a temporary type; DISCARD TEMP / ALL --------------------

_TEMPORARY_TYPE_COLUMN = """CREATE TYPE pg_temp.mood AS ENUM ('sad', 'happy');
CREATE TABLE perm (id int, m pg_temp.mood, ms pg_temp.mood[], keep int);
CREATE VIEW perm_moods AS SELECT id, m FROM perm;
CREATE INDEX perm_m_idx ON perm (m);
"""


@pytest.mark.postgres
def _wait_for_the_end_of(conn: object, pid: int) -> None:
    """Wait until the server process `pid` has exited: a client's disconnect returns before
    the backend drops its temporary objects (its exit does, before it leaves
    pg_stat_activity), and a session started meanwhile still sees them."""
    import time

    deadline = time.monotonic() + 60
    while conn.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone():
        assert time.monotonic() < deadline, f"backend {pid} did not exit"
        time.sleep(0.05)


def test_the_server_drops_a_permanent_tables_column_of_a_temporary_type(pg_db: str) -> None:
    import psycopg

    notices: list[str] = []
    columns = ("SELECT attname FROM pg_attribute WHERE attrelid = 'perm'::regclass "
               "AND attnum > 0 AND NOT attisdropped ORDER BY attnum")
    gone = "SELECT count(*) FROM pg_class WHERE relname IN ('perm_moods', 'perm_m_idx')"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(_TEMPORARY_TYPE_COLUMN)
        made_by = conn.info.backend_pid
    with psycopg.connect(pg_db, autocommit=True) as conn:  # the session that made it ended
        _wait_for_the_end_of(conn, made_by)
        after_session = conn.execute(columns).fetchall(), conn.execute(gone).fetchone()[0]
        conn.execute("DROP TABLE perm")
        conn.execute(_TEMPORARY_TYPE_COLUMN)
        conn.add_notice_handler(lambda d: notices.extend(
            [d.message_primary or "", *(d.message_detail or "").splitlines()]))
        conn.execute("DROP TYPE pg_temp.mood CASCADE")  # what the session's end does
        after_drop = conn.execute(columns).fetchall()
        conn.execute("DROP TABLE perm")
        conn.execute(_TEMPORARY_TYPE_COLUMN)
        for discard in ("DISCARD TEMP", "DISCARD ALL"):
            conn.execute(discard)
            assert conn.execute(columns).fetchall() == [("id",), ("keep",)]
            conn.execute("DROP TABLE perm")
            conn.execute(_TEMPORARY_TYPE_COLUMN)
    assert after_session == ([("id",), ("keep",)], 0)
    assert after_drop == [("id",), ("keep",)]
    # The NOTICE names the columns (and the view over one); the index goes with its column.
    assert notices[0] == "drop cascades to 3 other objects"
    assert {"drop cascades to column m of table perm", "drop cascades to column ms of table perm",
            "drop cascades to view perm_moods"} == set(notices[1:])


@pytest.mark.parametrize("end", ["", "DISCARD TEMP;\n", "DISCARD ALL;\n"])
def test_a_permanent_tables_column_of_a_temporary_type_goes_with_the_session(end: str) -> None:
    # Gone with the type, its view and its index too, at the session's end or at DISCARD:
    # a later migration may add the column and the view again.
    catalog = Catalog()
    later = ("ALTER TABLE perm ADD COLUMN m text;\n"
             "CREATE VIEW perm_moods AS SELECT id, keep FROM perm;\n"
             "CREATE INDEX perm_m_idx ON perm (keep);\n")
    reports = lint(_TEMPORARY_TYPE_COLUMN + end, *([later] if not end else []),
                   catalog=catalog)
    if end:  # in the same migration
        reports = lint(_TEMPORARY_TYPE_COLUMN + end + later)
    refusals = [statement_refusal(s.effect) for s in reports[-1].statements[-3:]]
    assert refusals == ["", "", ""]
    if not end:
        assert list(catalog.tables["public.perm"].columns) == ["id", "keep", "m"]


def test_discard_temp_drops_the_sessions_temporary_objects() -> None:
    for discard in ("DISCARD TEMP", "DISCARD ALL"):
        (report,) = lint("CREATE TEMP TABLE items (id int);\n"
                         "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
                         f"{discard};\n"
                         "ALTER TABLE items ALTER COLUMN id TYPE bigint;\n"
                         "CREATE TEMP TABLE items (id int);\n"
                         "CREATE FUNCTION pg_temp.f() RETURNS int LANGUAGE sql AS 'SELECT 2';\n"
                         )[1:]
        # `items` is the real table again: its rewrite is everyone's wait.
        assert report.statements[3].effect.locks == {"public.items": LockMode.ACCESS_EXCLUSIVE}
        # and the temporary ones may be made again
        assert [statement_refusal(s.effect) for s in report.statements[4:]] == ["", ""]


def test_the_conflict_graph_replays_discard_temp(monkeypatch: pytest.MonkeyPatch) -> None:
    import lockwise.graph.build as build
    from lockwise.graph.api import history_conflicts

    left = watch_session_ends(monkeypatch, build,
                              lambda catalog: _temporary_names(catalog) | set(catalog.temporary))
    history_conflicts([[migration_from_text(
        "CREATE TEMP TABLE items (id int);\nCREATE INDEX ON items (id);\nDISCARD TEMP;\n",
        "0001_m.sql")]], pg_version=18)
    assert left == [set()]


@pytest.mark.postgres
def test_the_server_resets_the_search_path_at_discard_all(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("SET search_path = pg_temp, public")
        conn.execute("SET lock_timeout = '2s'")
        conn.execute("DISCARD ALL")
        conn.execute("CREATE TABLE t (id int)")
        assert conn.execute("SELECT relpersistence FROM pg_class WHERE relname = 't'"
                            ).fetchone() == ("p",)
        assert conn.execute("SHOW lock_timeout").fetchone() == ("0",)


def test_discard_all_resets_what_the_migration_set() -> None:
    (report,) = lint("SET search_path = pg_temp, public;\nSET lock_timeout = '2s';\n"
                     "DISCARD ALL;\nCREATE TABLE t (id int);\n"
                     "ALTER TABLE items ADD COLUMN flag int;\n")[1:]
    assert "table:public.t" in report.statements[3].effect.creates
    assert "missing-lock-timeout" in {f.rule for f in report.statements[4].findings}


#: A temporary table shadowing `items`, a setting, then DISCARD ALL inside BEGIN.
_DISCARD_ALL_IN_BLOCK = ("CREATE TEMP TABLE items (id int);\nSET lock_timeout = '2s';\n"
                         "BEGIN;\nDISCARD ALL;\nCOMMIT;\n")


@pytest.mark.postgres
def test_the_server_refuses_discard_all_in_a_transaction_block(pg_db: str) -> None:
    # checked on 18.6: refused with 25001 (an implicit block of several statements too); the
    # temporary objects stay. DISCARD TEMP / PLANS / SEQUENCES run in a block, and DISCARD
    # TEMP's drops are undone by a ROLLBACK.
    import psycopg

    count = "SELECT count(*) FROM pg_class WHERE relname = 'scratch'"
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute("CREATE TEMP TABLE scratch (id int)")
        for block in ("BEGIN; DISCARD ALL", "SELECT 1; DISCARD ALL"):
            with pytest.raises(psycopg.errors.ActiveSqlTransaction) as refused:
                conn.execute(block)
            assert refused.value.diag.message_primary == \
                "DISCARD ALL cannot run inside a transaction block"
            conn.execute("ROLLBACK")
            assert conn.execute(count).fetchone() == (1,)
        conn.execute("BEGIN; DISCARD PLANS; DISCARD SEQUENCES; DISCARD TEMP")
        conn.execute("ROLLBACK")
        assert conn.execute(count).fetchone() == (1,)
        conn.execute("BEGIN; DISCARD TEMP; COMMIT")
        assert conn.execute(count).fetchone() == (0,)


def test_discard_all_in_a_transaction_block_is_refused_and_not_replayed() -> None:
    catalog = Catalog()
    (report,) = lint(_DISCARD_ALL_IN_BLOCK + "ALTER TABLE items ALTER COLUMN id TYPE bigint;\n"
                     "ALTER TABLE items ADD COLUMN flag int;\n", catalog=catalog)[1:]
    discard = report.statements[3]
    assert statement_refusal(discard.effect) == "refused_in_transaction_block"
    assert "concurrently-in-transaction" in {f.rule for f in discard.findings}
    # The temporary `items` is still there: nothing of the real one is locked.
    assert report.statements[5].effect.locks == {}
    # and lock_timeout still set: no finding says it is missing.
    assert "missing-lock-timeout" not in {f.rule for f in report.statements[6].findings}


@pytest.mark.parametrize("target", ["TEMP", "PLANS", "SEQUENCES"])
def test_other_discards_run_in_a_transaction_block(target: str) -> None:
    (report,) = lint(f"BEGIN;\nDISCARD {target};\nCOMMIT;\n")[1:]
    assert statement_refusal(report.statements[1].effect) == ""
    assert not {f.rule for f in report.statements[1].findings}


def test_the_conflict_graph_does_not_replay_discard_all_in_a_block(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import lockwise.graph.build as build
    from lockwise.graph.api import history_conflicts

    left = watch_session_ends(monkeypatch, build, lambda catalog: set(catalog.temporary))
    history_conflicts([[migration_from_text(_DISCARD_ALL_IN_BLOCK, "0001_m.sql")]],
                      pg_version=18)
    assert left == [{"pg_temp.items"}]


# --- an unqualified name never finds a function or procedure in pg_temp --------------------

_TEMPORARY_ROUTINES = (_PG_TEMP_FIRST + ";\n"
                       "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';\n"
                       "CREATE PROCEDURE p() LANGUAGE sql AS 'SELECT 1';\n")

#: (a statement, whether the server refuses it after _TEMPORARY_ROUTINES: the function or
#: procedure it names unqualified is only pg_temp's, where the server never looks for one).
_UNQUALIFIED_ROUTINES = [
    ("SELECT f()", True),
    ("SELECT 1 FROM items WHERE id = f()", True),
    ("CALL p()", True),
    ("ALTER FUNCTION f() RENAME TO g", True),
    ("ALTER PROCEDURE p() RENAME TO q", True),
    ("ALTER FUNCTION f() STABLE", True),
    ("COMMENT ON FUNCTION f() IS 'one'", True),
    ("DROP FUNCTION f()", True),
    ("CREATE VIEW v AS SELECT f()", True),
    ("CREATE TABLE t (id int DEFAULT f())", True),
    ("GRANT EXECUTE ON FUNCTION f() TO PUBLIC", True),
    ("CREATE FUNCTION pg_temp.tg() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';\n"
     "CREATE TRIGGER items_tg BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION tg()", True),
    ("SELECT pg_temp.f()", False),
    ("CALL pg_temp.p()", False),
    ("ALTER FUNCTION pg_temp.f() RENAME TO g", False),
    ("DROP FUNCTION IF EXISTS f()", False),
    ("SELECT now()", False),
]


@pytest.mark.postgres
def test_the_server_never_finds_a_temporary_routine_unqualified(pg_db: str) -> None:
    import psycopg

    again = "DROP TABLE IF EXISTS items CASCADE"
    found = [server_error(pg_db, [again, SETUP, _TEMPORARY_ROUTINES], sql,
                          (psycopg.errors.UndefinedFunction,)) is not None
             for sql, _ in _UNQUALIFIED_ROUTINES]
    assert found == [refused for _, refused in _UNQUALIFIED_ROUTINES]


@pytest.mark.parametrize(("sql", "refused"), _UNQUALIFIED_ROUTINES)
def test_an_unqualified_temporary_routine_is_refused(sql: str, refused: bool) -> None:
    (report,) = lint(_TEMPORARY_ROUTINES + sql + ";")[1:]
    last = report.statements[-1]
    rules = {f.rule for f in last.findings}
    assert (statement_refusal(last.effect) == "refused_temporary_routine") is refused
    assert ("temporary-routine-unqualified-refused" in rules) is refused
    if refused:  # the server renames nothing
        assert "rename-object" not in rules


def test_an_unqualified_routine_lockwise_knows_elsewhere_is_not_refused() -> None:
    (report,) = lint("CREATE FUNCTION public.f() RETURNS int LANGUAGE sql AS 'SELECT 2';\n"
                     + _TEMPORARY_ROUTINES + "SELECT f();\nALTER FUNCTION f() RENAME TO g;")[1:]
    assert [statement_refusal(s.effect) for s in report.statements[-2:]] == ["", ""]
