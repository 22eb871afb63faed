"""The graph builder on small histories: edges, conflicts, and what must not be flagged."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.graph.build import BranchInfo, build_graph, graph_builder


def history(tmp_path: Path, *files: tuple[str, str]) -> list:
    """Write (name, sql) files into a directory and discover them (the layout decides from
    the names: `N_x.sql` plain, `N_x.up.sql`/`.down.sql` golang-migrate)."""
    for name, sql in files:
        (tmp_path / name).write_text(sql)
    return discover(tmp_path)


def kinds(graph) -> list[str]:
    return [c.kind for c in graph.conflicts]


USERS = "CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, nick text);\n"


@pytest.mark.parametrize("sql", [
    "CREATE TABLE orders (id int, user_id bigint REFERENCES users (id));",
    "CREATE TABLE orders (id int, user_id bigint, FOREIGN KEY (user_id) REFERENCES users);",
    "ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users;",
    "ALTER TABLE orders ADD COLUMN user_id bigint CONSTRAINT u_fk REFERENCES users (id);",
    "ALTER TABLE orders ADD COLUMN n int DEFAULT 1, ADD FOREIGN KEY (n) REFERENCES users;",
])
def test_a_foreign_key_edge_is_an_fk_target(tmp_path: Path, sql: str) -> None:
    graph = build_graph(history(
        tmp_path, ("1_users.sql", USERS),
        ("2_orders.sql", "CREATE TABLE IF NOT EXISTS orders (id int, user_id bigint);\n"),
        ("3_fk.sql", sql + "\n")))
    assert graph.edges[("1_users", "3_fk")] == {"fk-target": ["table:public.users"]}


def test_a_check_or_default_naming_a_table_is_no_fk_target(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path, ("1_users.sql", USERS),
        ("2_orders.sql", "CREATE TABLE orders (id int DEFAULT 1, user_id bigint "
                         "CHECK (user_id > 0), FOREIGN KEY (user_id) REFERENCES users);\n"),
        ("3_more.sql", "ALTER TABLE users ADD COLUMN n int CHECK (n > 0);\n")))
    assert graph.edges[("1_users", "2_orders")]["fk-target"] == ["table:public.users"]
    assert "fk-target" not in graph.edges[("1_users", "3_more")]


def test_edges_say_why(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_users.sql", USERS),
        ("2_orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, "
                         "user_id bigint REFERENCES users (id));\n"),
        ("3_view.sql", "CREATE VIEW user_orders AS SELECT u.email, o.id FROM users u "
                       "JOIN orders o ON o.user_id = u.id;\n"),
        ("4_index.sql", "CREATE INDEX users_nick_idx ON users (nick);\n"),
        ("5_drop.sql", "DROP INDEX users_nick_idx;\n"),
    ))
    edges = {pair: {r: objs for r, objs in reasons.items() if r != "order"}
             for pair, reasons in graph.edges.items()}
    assert edges[("1_users", "2_orders")] == {"fk-target": ["table:public.users"]}
    assert sorted(edges[("1_users", "3_view")]["view-over"]) == [
        "column:public.users.email", "column:public.users.id", "table:public.users"]
    assert "column:public.orders.user_id" in edges[("2_orders", "3_view")]["view-over"]
    assert sorted(edges[("1_users", "4_index")]["created-by"]) == [
        "column:public.users.nick", "table:public.users"]
    assert edges[("4_index", "5_drop")] == {"created-by": ["index:public.users_nick_idx"]}
    assert graph.edges[("2_orders", "3_view")]["order"] == []
    assert ("1_users", "5_drop") not in edges
    assert graph.conflicts == []
    dependency = graph.dependency_graph()
    assert set(dependency.predecessors("3_view")) == {"1_users", "2_orders"}


def test_dropped_after_use_edge(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_users.sql", USERS),
        ("2_backfill.sql", "UPDATE users SET nick = email WHERE nick IS NULL;\n"),
        ("3_drop.sql", "ALTER TABLE users DROP COLUMN nick;\n"),
    ))
    assert graph.edges[("2_backfill", "3_drop")]["dropped-after-use"] == [
        "column:public.users.nick"]


def test_column_never_created_on_a_table_created_here(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_users.sql", USERS),
        ("2_index.sql", "CREATE INDEX users_phone_idx ON users (phone);\n"),
    ))
    assert kinds(graph) == ["missing-object"]
    assert graph.conflicts[0].object == "column:public.users.phone"
    assert "never has that column" in graph.conflicts[0].explanation


def test_objects_never_created_here_may_pre_exist(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_alter.sql", "ALTER TABLE legacy ADD COLUMN note text;\n"),
        ("2_index.sql", "CREATE INDEX legacy_owner_idx ON legacy (owner_id);\n"
                        "UPDATE other SET x = 1 WHERE id < 10;\n"),
    ))
    assert graph.conflicts == []


def test_using_a_renamed_column_by_its_old_name(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_users.sql", USERS),
        ("2_rename.sql", "ALTER TABLE users RENAME COLUMN nick TO handle;\n"),
        ("3_default.sql", "ALTER TABLE users ALTER COLUMN nick SET DEFAULT 'x';\n"),
    ))
    assert kinds(graph) == ["missing-object"]
    assert "renamed away in 2_rename" in graph.conflicts[0].explanation


def test_renaming_an_index_its_column_took_with_it(tmp_path: Path) -> None:
    """Dropping a column drops its indexes: a later ALTER INDEX ... RENAME of one fails. The
    renamed index goes on under its new name."""
    graph = build_graph(history(
        tmp_path,
        ("1_users.sql", USERS + "CREATE INDEX users_nick ON users (nick);\n"
                                "CREATE INDEX users_email ON users (email);\n"),
        ("2_drop.sql", "ALTER TABLE users DROP COLUMN nick;\n"),
        ("3_rename.sql", "ALTER INDEX users_nick RENAME TO users_handle;\n"
                         "ALTER INDEX users_email RENAME TO users_mail;\n"),
        ("4_again.sql", "ALTER INDEX users_mail RENAME TO users_email_address;\n"),
    ))
    assert kinds(graph) == ["missing-object"]
    assert graph.conflicts[0].object == "index:public.users_nick"


def test_renamed_table_keeps_its_columns(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_users.sql", USERS),
        ("2_rename.sql", "ALTER TABLE users RENAME TO members;\n"),
        ("3_index.sql", "CREATE INDEX members_nick_idx ON members (nick);\n"
                        "CREATE INDEX members_x_idx ON members (no_such_column);\n"),
    ))
    assert [c.object for c in graph.conflicts] == ["column:public.members.no_such_column"]


def test_if_exists_on_a_dropped_object_is_fine(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_users.sql", USERS),
        ("2_drop.sql", "DROP TABLE users;\n"),
        ("3_again.sql", "DROP TABLE IF EXISTS users;\n"),
        ("4_recreate.sql", USERS),
        ("5_use.sql", "ALTER TABLE users ADD COLUMN phone text;\n"),
    ))
    assert graph.conflicts == []


def test_dropping_the_target_of_a_foreign_key(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_users.sql", USERS),
        ("2_orders.sql", "CREATE TABLE orders (id bigint PRIMARY KEY, "
                         "user_email text REFERENCES users (email));\n"),
        ("3_drop.sql", "ALTER TABLE users DROP COLUMN email;\n"),
    ))
    assert kinds(graph) == ["dependency-dropped"]
    assert "foreign key orders_user_email_fkey on public.orders" in \
        graph.conflicts[0].explanation


def test_cascade_drop_is_flagged_unless_the_migration_recreates_the_view(
        tmp_path: Path) -> None:
    view = "CREATE VIEW nicks AS SELECT id, nick FROM users;\n"
    flagged = build_graph(history(
        tmp_path / "a" if (tmp_path / "a").mkdir() is None else tmp_path,
        ("1_users.sql", USERS), ("2_view.sql", view),
        ("3_drop.sql", "ALTER TABLE users DROP COLUMN nick CASCADE;\n"),
    ))
    assert kinds(flagged) == ["dependency-dropped"]
    assert "CASCADE, which silently drops view public.nicks" in \
        flagged.conflicts[0].explanation
    (tmp_path / "b").mkdir()
    recreated = build_graph(history(
        tmp_path / "b",
        ("1_users.sql", USERS), ("2_view.sql", view),
        ("3_drop.sql", "DROP TABLE users CASCADE;\n" + USERS + view),
    ))
    assert recreated.conflicts == []


def test_drop_view_first_then_column_is_fine(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_users.sql", USERS),
        ("2_view.sql", "CREATE VIEW v AS SELECT u.id, u.nick FROM users AS u;\n"),
        ("3_drop.sql", "DROP VIEW v;\nALTER TABLE users DROP COLUMN nick;\n"),
    ))
    assert graph.conflicts == []


def test_view_columns_resolve_per_query_level(tmp_path: Path) -> None:
    # `c` is `comments` inside the subquery and `channels` outside: dropping channels.post_id
    # (which the view does not use) must not be flagged; dropping comments.post_id must.
    setup = ("CREATE TABLE posts (id int PRIMARY KEY, title text);\n"
             "CREATE TABLE comments (id int PRIMARY KEY, post_id int, body text);\n"
             "CREATE TABLE channels (id int PRIMARY KEY, post_id int, name text);\n"
             "CREATE VIEW post_stats AS SELECT p.id, c.name, "
             "(SELECT count(*) FROM comments c WHERE c.post_id = p.id) AS n "
             "FROM posts p JOIN channels c ON c.id = p.id;\n")
    graph = build_graph(history(
        tmp_path,
        ("1_setup.sql", setup),
        ("2_drop.sql", "ALTER TABLE channels DROP COLUMN post_id;\n"),
        ("3_drop.sql", "ALTER TABLE comments DROP COLUMN post_id;\n"),
    ))
    assert [c.object for c in graph.conflicts] == ["column:public.comments.post_id"]


def test_down_round_trips_that_are_right(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_base.up.sql", "CREATE TYPE mood AS ENUM ('sad', 'ok');\n" + USERS +
         "ALTER TABLE users ADD COLUMN feeling mood;\n"),
        ("1_base.down.sql", "DROP TABLE users;\nDROP TYPE mood;\n"),
        # PostgreSQL stores SET DEFAULT NULL as no default at all.
        ("2_default.up.sql", "ALTER TABLE users ALTER COLUMN nick SET DEFAULT 'anon';\n"),
        ("2_default.down.sql", "ALTER TABLE users ALTER COLUMN nick SET DEFAULT NULL;\n"),
        # The enum rename dance, and a named NOT NULL constraint (PostgreSQL 18).
        ("3_enum.up.sql", "ALTER TYPE mood RENAME TO mood_old;\n"
                          "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');\n"
                          "ALTER TABLE users ALTER COLUMN feeling TYPE mood "
                          "USING feeling::text::mood;\nDROP TYPE mood_old;\n"
                          "ALTER TABLE users ALTER COLUMN email DROP NOT NULL;\n"),
        ("3_enum.down.sql", "ALTER TYPE mood RENAME TO mood_new;\n"
                            "CREATE TYPE mood AS ENUM ('sad', 'ok');\n"
                            "ALTER TABLE users ALTER COLUMN feeling TYPE mood "
                            "USING feeling::text::mood;\nDROP TYPE mood_new;\n"
                            "ALTER TABLE users ADD CONSTRAINT email_nn NOT NULL email;\n"),
    ))
    assert graph.downs_checked == 3
    assert graph.conflicts == []


def test_down_mismatches(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_base.up.sql", USERS),
        ("1_base.down.sql", "DROP TABLE users;\n"),
        ("2_type.up.sql", "ALTER TABLE users ALTER COLUMN nick TYPE varchar(40);\n"),
        ("2_type.down.sql", "SELECT 1;\n"),
        ("3_enum.up.sql", "CREATE TYPE mood AS ENUM ('sad');\n"),
        ("3_enum.down.sql", "-- nothing\n"),
        ("4_broken.up.sql", "ALTER TABLE users ADD COLUMN age int;\n"),
        ("4_broken.down.sql", "ALTER TABLE users DROP COLUMN age\nSELEC 1;\n"),
    ))
    found = {c.migrations[0]: c for c in graph.conflicts}
    assert kinds(graph) == ["down-mismatch"] * 3
    assert "was text null no default, after down varchar(40)" in found["2_type"].explanation
    assert found["3_enum"].object == "type:public.mood"
    assert "does not parse" in found["4_broken"].explanation
    assert found["4_broken"].locations[1].line == 2


def _branch_graph(tmp_path: Path, base_sql: str, ref_sql: str, ours_sql: str):
    migrations = history(tmp_path, ("1_users.sql", USERS), ("2_theirs.sql", base_sql),
                         ("3_ours.sql", ours_sql))
    ids = [m.id for m in migrations]
    info = BranchInfo(ref="main", branch_new=frozenset([ids[2]]),
                      base_new=frozenset([ids[1]]), applied_newest=migrations[1])
    del ref_sql
    return build_graph(migrations, branch=info)


def test_non_commuting_pairs(tmp_path: Path) -> None:
    # When REF's migration renames or drops what ours uses, the merged history also fails
    # outright (missing-object): both are reported.
    fails = ["missing-object", "non-commuting"]
    cases = [
        ("ALTER TABLE users ALTER COLUMN nick SET DEFAULT 'a';",
         "ALTER TABLE users ALTER COLUMN nick SET DEFAULT 'b';", "both change the default",
         ["non-commuting"]),
        ("ALTER TABLE users RENAME COLUMN nick TO handle;",
         "ALTER TABLE users ALTER COLUMN nick SET NOT NULL;", "renames column:public.users.nick",
         fails),
        ("UPDATE users SET nick = lower(nick);",
         "ALTER TABLE users ALTER COLUMN nick TYPE varchar(10);", "UPDATEs", ["non-commuting"]),
        ("CREATE TABLE audit (id int);", "CREATE TABLE audit (id bigint);",
         "both create table:public.audit", ["non-commuting"]),
        ("ALTER TABLE users DROP COLUMN nick;", "CREATE INDEX users_nick ON users (nick);",
         "drops column:public.users.nick", fails),
    ]
    for i, (theirs, ours, expected, expected_kinds) in enumerate(cases):
        d = tmp_path / str(i)
        d.mkdir()
        graph = _branch_graph(d, theirs, "", ours)
        assert sorted(kinds(graph)) == expected_kinds, (theirs, ours, graph.conflicts)
        (conflict,) = [c for c in graph.conflicts if c.kind == "non-commuting"]
        assert expected in conflict.explanation


def test_commuting_changes_are_not_conflicts(tmp_path: Path) -> None:
    cases = [
        ("ALTER TABLE users ADD COLUMN a int;", "ALTER TABLE users ADD COLUMN b int;"),
        ("CREATE INDEX users_email ON users (email);",
         "ALTER TABLE users ALTER COLUMN nick SET DEFAULT 'x';"),
        ("UPDATE users SET nick = 'x' WHERE id = 1;", "UPDATE users SET email = 'y';"),
    ]
    for i, (theirs, ours) in enumerate(cases):
        d = tmp_path / str(i)
        d.mkdir()
        assert _branch_graph(d, theirs, "", ours).conflicts == [], (theirs, ours)


def test_version_directories_and_numeric_layouts_are_not_version_conflicts(
        tmp_path: Path) -> None:
    # temporal-style: several files of one version live in the version's directory.
    for version in ("v1.9", "v1.10"):
        (tmp_path / "versioned" / version).mkdir(parents=True)
    (tmp_path / "versioned" / "v1.9" / "a.sql").write_text("CREATE TABLE a (id int);\n")
    (tmp_path / "versioned" / "v1.9" / "b.sql").write_text("CREATE TABLE b (id int);\n")
    (tmp_path / "versioned" / "v1.10" / "c.sql").write_text("CREATE TABLE c (id int);\n")
    assert build_graph(discover(tmp_path / "versioned")).conflicts == []
    # Linted from higher up (temporal/postgresql holds v12/temporal/versioned/...), the
    # version is the directory's path below that folder: still one migration in parts.
    assert build_graph(discover(tmp_path)).conflicts == []
    # Two files claiming one version in a folder not named by it still conflict.
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "001_a.sql").write_text("CREATE TABLE a (id int);\n")
    (flat / "001_b.sql").write_text("CREATE TABLE b (id int);\n")
    assert [c.kind for c in build_graph(discover(flat)).conflicts] == ["duplicate-version"]
    # golang-migrate parses versions as integers: 9 < 10 whatever the file names say.
    golang = tmp_path / "golang"
    golang.mkdir()
    assert build_graph(history(
        golang,
        ("9_a.up.sql", "CREATE TABLE a (id int);\n"), ("9_a.down.sql", "DROP TABLE a;\n"),
        ("10_b.up.sql", "CREATE TABLE b (id int);\n"), ("10_b.down.sql", "DROP TABLE b;\n"),
    )).conflicts == []


def test_down_replay_follows_what_postgresql_does_with_indexes_and_names(
        tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_base.up.sql", USERS + "CREATE TABLE follows (a int, b int, c int, "
                          "UNIQUE (a, b), UNIQUE (a, c));\n"),
        ("1_base.down.sql", "DROP TABLE follows;\nDROP TABLE users;\n"),
        # An unnamed UNIQUE (a, b) is follows_a_b_key in PostgreSQL; renaming the
        # constraint renames its index.
        ("2_names.up.sql", "ALTER TABLE follows DROP CONSTRAINT follows_a_b_key;\n"
                           "ALTER TABLE follows RENAME CONSTRAINT follows_a_c_key TO ac;\n"),
        ("2_names.down.sql", "ALTER TABLE follows RENAME CONSTRAINT ac TO follows_a_c_key;\n"
                             "ALTER TABLE follows ADD UNIQUE (a, b);\n"),
        # A partial index goes with the column its WHERE reads, even after a rename.
        ("3_partial.up.sql", "ALTER TABLE users ADD COLUMN gone boolean;\n"
                             "CREATE INDEX users_live ON users (id) WHERE NOT gone;\n"
                             "ALTER TABLE users RENAME COLUMN gone TO deleted;\n"),
        ("3_partial.down.sql", "ALTER TABLE users DROP COLUMN deleted;\n"),
    ))
    assert graph.downs_checked == 3
    assert graph.conflicts == []


def test_down_that_keeps_a_partial_index_is_reported(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path,
        ("1_base.up.sql", USERS),
        ("1_base.down.sql", "DROP TABLE users;\n"),
        ("2_partial.up.sql", "CREATE INDEX users_nick ON users (id) WHERE nick IS NULL;\n"),
        ("2_partial.down.sql", "SELECT 1;\n"),
    ))
    assert [(c.kind, c.object) for c in graph.conflicts] == [
        ("down-mismatch", "index:public.users (id)")]


def test_a_forked_catalog_does_not_leak_foreign_keys_into_the_original() -> None:
    """The down check replays a down migration on a fork; a foreign key it adds must not show
    up in the original catalog's foreign-key indexes. They are checked supersets, so a leak
    would only cost lookups, but the original must stay exactly as it was."""
    from lockwise.catalog.model import Catalog
    from lockwise.catalog.replay import apply_statement
    from lockwise.graph.down import fork
    from lockwise.parse.postgres import parse_sql

    def replay(catalog: Catalog, sql: str, migration: str) -> None:
        for stmt in parse_sql(sql).statements:
            apply_statement(catalog, stmt.tree, migration)

    catalog = Catalog()
    replay(catalog, "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE b (id int PRIMARY KEY, "
                    "a_id int REFERENCES a); CREATE TABLE c (id int, a_id int);", "1")
    sources = {k: set(v) for k, v in (catalog.fk_sources or {}).items()}
    stamps = {k: dict(v) for k, v in (catalog.fk_stamps or {}).items()}
    forked = fork(catalog, {"public.c"}, {"c", "a"}, renames=False)
    replay(forked, "ALTER TABLE c ADD CONSTRAINT c_a FOREIGN KEY (a_id) REFERENCES a;", "1")
    assert sorted(name for name, _ in forked.referencing("public.a")) == ["public.b", "public.c"]
    assert [name for name, _ in catalog.referencing("public.a")] == ["public.b"]
    assert (catalog.fk_sources or {}) == sources and (catalog.fk_stamps or {}) == stamps


def test_down_checks_of_tables_in_a_schema_no_migration_creates(tmp_path: Path) -> None:
    """Schemas made outside the migrations (by the platform, or a setup script) are not in the
    catalog's list of schemas; their tables must still be copied before a down is replayed,
    or the down changes the history's own catalog (and later migrations then use a column
    that seems gone), and compared after it."""
    graph = build_graph(history(
        tmp_path,
        ("1_a.up.sql", "CREATE TABLE app.accounts (id int);\n"),
        ("1_a.down.sql", "DROP TABLE app.accounts;\n"),
        ("2_b.up.sql", "ALTER TABLE app.accounts ADD COLUMN email text;\n"),
        ("2_b.down.sql", "ALTER TABLE app.accounts DROP COLUMN email;\n"),
        ("3_c.up.sql", "CREATE INDEX accounts_email ON app.accounts (email);\n"),
        ("3_c.down.sql", "DROP INDEX app.accounts_email;\n"),
        ("4_d.up.sql", "ALTER TABLE app.accounts ADD COLUMN nick text;\n"
                       "CREATE TYPE app.mood AS ENUM ('ok');\n"),
        ("4_d.down.sql", "SELECT 1;\n"),
    ))
    assert graph.downs_checked == 4
    assert [(c.kind, c.migrations[0]) for c in graph.conflicts] == [
        ("down-mismatch", "4_d")]
    explanation = graph.conflicts[0].explanation
    assert "column:app.accounts.nick" in explanation and "type:app.mood" in explanation


def _catalog_after(migrations: list, check_downs: bool):
    builder = graph_builder(migrations, downs_of=None if check_downs else frozenset())
    builder.run()
    return builder.catalog


WIDE_DOWNS = [
    # A type rename renames the columns of that type in every table.
    ("1_a.up.sql", "CREATE TYPE mood AS ENUM ('a');\nCREATE TABLE t1 (m mood);\n"
                   "CREATE TABLE t2 (m mood);\n"),
    ("1_a.down.sql", "DROP TABLE t2;\nDROP TABLE t1;\nDROP TYPE mood;\n"),
    ("2_b.up.sql", "ALTER TYPE mood RENAME TO mood2;\n"),
    ("2_b.down.sql", "ALTER TYPE mood2 RENAME TO mood;\n"),
    ("3_c.up.sql", "ALTER TABLE t2 ALTER COLUMN m TYPE text;\n"),
    ("3_c.down.sql", "ALTER TABLE t2 ALTER COLUMN m TYPE mood2 USING m::mood2;\n"),
    # A table rename changes what the views over it read.
    ("4_d.up.sql", "CREATE TABLE items (id int);\nCREATE VIEW recent AS SELECT id FROM items;\n"),
    ("4_d.down.sql", "DROP VIEW recent;\nDROP TABLE items;\n"),
    ("5_e.up.sql", "ALTER TABLE items RENAME TO things;\n"),
    ("5_e.down.sql", "ALTER TABLE things RENAME TO items;\n"),
    # DROP FUNCTION ... CASCADE drops the triggers that call it, on any table.
    ("6_f.up.sql", "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS "
                   "'BEGIN RETURN NEW; END';\nCREATE TRIGGER t1_touch BEFORE UPDATE ON t1 "
                   "FOR EACH ROW EXECUTE FUNCTION touch();\n"),
    ("6_f.down.sql", "DROP TRIGGER t1_touch ON t1;\nDROP FUNCTION touch();\n"),
    ("7_g.up.sql", "CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS "
                   "'BEGIN RETURN NULL; END';\n"),
    ("7_g.down.sql", "DROP FUNCTION touch() CASCADE;\n"),
    # A schema no migration creates.
    ("8_h.up.sql", "CREATE TABLE app.accounts (id int);\n"),
    ("8_h.down.sql", "DROP TABLE app.accounts;\n"),
    ("9_i.up.sql", "ALTER TABLE app.accounts ADD COLUMN email text;\n"),
    ("9_i.down.sql", "ALTER TABLE app.accounts DROP COLUMN email;\n"),
]


def test_down_checks_leave_the_historys_catalog_as_the_replay_alone_does(
        tmp_path: Path) -> None:
    """A down is replayed on a copy; whatever it changes (also tables it does not name) must
    not reach the catalog that later migrations are checked against."""
    migrations = history(tmp_path, *WIDE_DOWNS)
    assert _catalog_after(migrations, True) == _catalog_after(migrations, False)
    graph = build_graph(migrations)
    assert graph.downs_checked == 9
    assert graph.conflicts == []


# Downs that change a table neither they nor their up name (the up creates `other` only).
UNNAMED_REACH = {
    # The statements of a DO block are replayed: the tables they name are the down's.
    "do-block": ("CREATE TABLE accounts (id int, email text);\n",
                 "DO $$ BEGIN ALTER TABLE accounts DROP COLUMN email; END $$;\n"),
    # DROP TYPE / DOMAIN ... CASCADE drops the columns of that type.
    "type-cascade": ("CREATE TYPE mood AS ENUM ('a');\nCREATE TABLE t (id int, m mood);\n",
                     "DROP TYPE mood CASCADE;\n"),
    "domain-cascade": ("CREATE DOMAIN pos AS int CHECK (VALUE > 0);\n"
                       "CREATE TABLE t (id int, n pos);\n", "DROP DOMAIN pos CASCADE;\n"),
    # DROP SEQUENCE ... CASCADE drops the defaults that draw from it.
    "sequence-cascade": ("CREATE SEQUENCE s;\nCREATE TABLE t (id int DEFAULT nextval('s'));\n",
                         "DROP SEQUENCE s CASCADE;\n"),
    # A column rename is followed by the views that read the column.
    "column-rename": ("CREATE TABLE t (id int, a int);\nCREATE VIEW v AS SELECT a FROM t;\n",
                      "ALTER TABLE t RENAME COLUMN a TO b;\n"),
}


@pytest.mark.parametrize("case", sorted(UNNAMED_REACH))
def test_down_checks_copy_what_a_down_reaches_unnamed(tmp_path: Path, case: str) -> None:
    """Whatever a down changes must be copied before it is replayed, also a table that neither
    it nor its up names, or later migrations are checked against a schema the down left; and
    the check compares it (the down does not give back what was there before the up)."""
    base, down = UNNAMED_REACH[case]
    migrations = history(tmp_path, ("1_a.up.sql", base), ("1_a.down.sql", "SELECT 1;\n"),
                         ("2_b.up.sql", "CREATE TABLE other (id int);\n"),
                         ("2_b.down.sql", f"DROP TABLE other;\n{down}"))
    assert _catalog_after(migrations, True) == _catalog_after(migrations, False)
    conflicts = [(c.kind, c.migrations[0]) for c in build_graph(migrations).conflicts]
    assert ("missing-object", "2_b") not in conflicts
    if case in ("do-block", "type-cascade", "domain-cascade"):  # a column is gone
        assert ("down-mismatch", "2_b") in conflicts


@pytest.mark.parametrize(("down", "left"), [
    # A view the down creates goes with a table it then drops with CASCADE ...
    ("CREATE VIEW w AS SELECT id FROM t;\nDROP TABLE t CASCADE;\nCREATE TABLE t (id int);\n",
     []),
    # ... and stays without one (view dependencies are followed only for such downs).
    ("CREATE VIEW w AS SELECT id FROM t;\nDROP VIEW v;\n", ["view:public.w"]),
])
def test_down_check_follows_the_views_a_down_creates(tmp_path: Path, down: str,
                                                     left: list[str]) -> None:
    graph = build_graph(history(
        tmp_path, ("1_a.up.sql", "CREATE TABLE t (id int);\n"), ("1_a.down.sql", "DROP TABLE t;\n"),
        ("2_b.up.sql", "CREATE VIEW v AS SELECT id FROM t;\n"), ("2_b.down.sql", down)))
    assert [c.object for c in graph.conflicts if c.kind == "down-mismatch"] == left


V = "CREATE VIEW v AS SELECT c FROM t;\n"  # the view the up drops: each down creates it again
VIEW_DOWNS = {
    # Views created last: nothing reads what they read, which is then not worked out.
    "tail": (f"ALTER TABLE t DROP COLUMN d;\n{V}GRANT SELECT ON v TO public;\n", []),
    "tail-left": (f"{V}CREATE VIEW w AS SELECT c FROM t;\nALTER TABLE t DROP COLUMN d;\n",
                  ["view:public.w"]),
    # A later DROP COLUMN ... CASCADE drops the views that read the column: it needs them.
    "drop-column-cascade": (f"{V}ALTER TABLE t DROP COLUMN c CASCADE;\n"
                            f"ALTER TABLE t DROP COLUMN d, ADD COLUMN c int;\n{V}", []),
    "drop-column-cascade-left": (f"{V}ALTER TABLE t DROP COLUMN c CASCADE;\n"
                                 "ALTER TABLE t DROP COLUMN d, ADD COLUMN c int;\n",
                                 ["view:public.v"]),
    # ... also after a rename of that column, which the views follow.
    "rename-then-cascade": (f"{V}ALTER TABLE t RENAME COLUMN c TO e;\n"
                            "ALTER TABLE t DROP COLUMN e CASCADE;\n"
                            "ALTER TABLE t DROP COLUMN d, ADD COLUMN c int;\n",
                            ["view:public.v"]),
    # ... and the views over a table dropped with CASCADE, also in a DO block.
    "drop-table-cascade": (f"{V}DROP TABLE t CASCADE;\nCREATE TABLE t (id int, c int);\n",
                           ["view:public.v"]),
    "do-block": (f"{V}DO $$ BEGIN ALTER TABLE t DROP COLUMN c CASCADE; END $$;\n"
                 "ALTER TABLE t DROP COLUMN d, ADD COLUMN c int;\n", ["view:public.v"]),
}


@pytest.mark.parametrize("case", sorted(VIEW_DOWNS))
def test_down_check_works_out_view_reads_only_for_statements_that_read_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    """A down's CREATE VIEW finds what the view reads only when a later statement of the down
    reads it (`reads_view_reads`): the conflicts are those of finding it always."""
    import lockwise.graph.build as build

    down, left = VIEW_DOWNS[case]
    migrations = history(
        tmp_path, ("1_a.up.sql", f"CREATE TABLE t (id int, c int);\n{V}"),
        ("1_a.down.sql", "DROP VIEW v;\nDROP TABLE t;\n"),
        ("2_b.up.sql", "DROP VIEW v;\nALTER TABLE t ADD COLUMN d int;\n"),
        ("2_b.down.sql", down))
    found = [c.object for c in build_graph(migrations).conflicts]
    assert found == left
    monkeypatch.setattr(build, "reads_view_reads", lambda tree: True)
    assert [c.object for c in build_graph(migrations).conflicts] == found


def test_down_check_sees_what_a_do_block_of_the_up_changes(tmp_path: Path) -> None:
    graph = build_graph(history(
        tmp_path, ("1_a.up.sql", "CREATE TABLE t (id int);\n"), ("1_a.down.sql", "DROP TABLE t;\n"),
        ("2_b.up.sql", "DO $$ BEGIN ALTER TABLE t ADD COLUMN c int; END $$;\n"),
        ("2_b.down.sql", "SELECT 1;\n"),
        ("3_c.up.sql", "DO $$ BEGIN ALTER TABLE t ADD COLUMN d int; END $$;\n"),
        ("3_c.down.sql", "ALTER TABLE t DROP COLUMN d;\n")))
    assert [(c.kind, c.migrations[0], c.object) for c in graph.conflicts] == [
        ("down-mismatch", "2_b", "column:public.t.c")]


def test_down_checks_leave_lemmys_catalog_as_the_replay_alone_does(corpora: Path) -> None:
    migrations = discover(corpora / "lemmy")
    assert _catalog_after(migrations, True) == _catalog_after(migrations, False)


ACCOUNTS = ("CREATE TABLE owners (id bigint PRIMARY KEY);\n"
            "CREATE TABLE accounts (id bigint PRIMARY KEY, owner bigint, "
            "CONSTRAINT accounts_owner_fkey FOREIGN KEY (owner) REFERENCES owners (id));\n")


def _down_of_added_column(tmp_path: Path, between: str) -> list[str]:
    """Kinds of conflicts of a migration whose down leaves an added column in place, when
    `between` runs before it."""
    graph = build_graph(history(
        tmp_path,
        ("1_base.up.sql", ACCOUNTS),
        ("1_base.down.sql", "DROP TABLE accounts;\nDROP TABLE owners;\n"),
        ("2_between.up.sql", between),
        ("2_between.down.sql", "SELECT 1;\n"),
        ("3_add.up.sql", "ALTER TABLE accounts ADD COLUMN x int;\n"),
        ("3_add.down.sql", "SELECT 1;\n"),
    ))
    return [c.kind for c in graph.conflicts if c.migrations[0] == "3_add"]


def test_down_sees_added_columns_after_statements_that_keep_the_table_known(
        tmp_path: Path) -> None:
    # The replay follows these exactly (or they change nothing it models): the table's
    # columns stay known, so the down that keeps the added column is reported.
    for i, between in enumerate((
            "ALTER TABLE accounts ALTER CONSTRAINT accounts_owner_fkey INITIALLY DEFERRED;\n",
            "DO $$ BEGIN UPDATE accounts SET owner = NULL WHERE owner = 0; END $$;\n",
            "DO $$ BEGIN RAISE NOTICE 'accounts checked'; END $$;\n",
            "ALTER TABLE accounts DISABLE RULE r;\n",
            # a DO block's statements are replayed: the added column is known too
            "DO $$ BEGIN ALTER TABLE accounts ADD COLUMN z int; END $$;\n",
    )):
        folder = tmp_path / str(i)
        folder.mkdir()
        assert _down_of_added_column(folder, between) == ["down-mismatch"], between


def test_down_of_tables_a_statement_may_reshape_unseen_is_not_reported(
        tmp_path: Path) -> None:
    # DDL in a DO block that names the table, or dynamic SQL: the replay cannot know the
    # columns any more, so a column only the up names is not held against the down.
    for i, between in enumerate((
            # a body PL/pgSQL cannot read (the replay cannot follow it)
            "DO $$ BEGIN ALTER TABLE accounts ADD COLUMN z int; IF THEN; END $$;\n",
            "DO $$ BEGIN EXECUTE 'ALTER TABLE ' || 'accounts ADD COLUMN y int'; END $$;\n",
    )):
        folder = tmp_path / str(i)
        folder.mkdir()
        assert _down_of_added_column(folder, between) == [], between


def _version_conflicts(folder: Path, *names: str) -> list[tuple[str, str]]:
    folder.mkdir()
    for i, name in enumerate(names):
        # A down drops the table of the up just before it.
        (folder / name).write_text(f"DROP TABLE t{i - 1};\n" if name.endswith(".down.sql")
                                   else f"CREATE TABLE t{i} (id int);\n")
    return [(c.kind, c.object) for c in build_graph(discover(folder)).conflicts]


def test_versions_the_layouts_runner_reads_as_one_number_are_duplicates(
        tmp_path: Path) -> None:
    # golang-migrate (uint) and goose (int64) parse the prefix; Flyway each part, trailing
    # zero parts dropped: each refuses two files with one version.
    assert _version_conflicts(tmp_path / "golang", "1_a.up.sql", "1_a.down.sql",
                              "01_b.up.sql", "01_b.down.sql") == [
        ("duplicate-version", "version:1")]
    for i, (a, b) in enumerate((("V1__a.sql", "V01__b.sql"), ("V1.1__a.sql", "V1.01__b.sql"),
                                ("V2__a.sql", "V2.0.0__b.sql"), ("V1_1__a.sql", "V1.1__b.sql"))):
        assert _version_conflicts(tmp_path / f"flyway{i}", a, b) == [
            ("duplicate-version", f"version:{'2' if i == 2 else '1' if i == 0 else '1.1'}")], a
    goose = tmp_path / "goose"
    goose.mkdir()
    for i, name in enumerate(("1_a.sql", "001_b.sql")):
        (goose / name).write_text(f"-- +goose Up\nCREATE TABLE t{i} (id int);\n")
    graph = build_graph(discover(goose))
    assert [c.kind for c in graph.conflicts] == ["duplicate-version"]
    assert "(001, 1: goose reads them as one number)" in graph.conflicts[0].explanation


def test_versions_told_apart_by_the_layouts_runner_are_not_duplicates(tmp_path: Path) -> None:
    # Flyway: 1.1 and 1.10 differ, as do golang-migrate's 1 and 10.
    assert _version_conflicts(tmp_path / "flyway", "V1.1__a.sql", "V1.10__b.sql") == []
    assert _version_conflicts(tmp_path / "golang", "1_a.up.sql", "10_b.up.sql") == []
    # dbmate and diesel keep the version as text: 1 and 01 are two versions (whose order
    # depends on the tool: ambiguous-order, not a duplicate).
    dbmate = tmp_path / "dbmate"
    dbmate.mkdir()
    for i, name in enumerate(("1_a.sql", "01_b.sql")):
        (dbmate / name).write_text(f"-- migrate:up\nCREATE TABLE t{i} (id int);\n")
    assert [c.kind for c in build_graph(discover(dbmate)).conflicts] == ["ambiguous-order"]
    diesel = tmp_path / "diesel"
    for i, name in enumerate(("1_a", "01_b")):
        (diesel / name).mkdir(parents=True)
        (diesel / name / "up.sql").write_text(f"CREATE TABLE t{i} (id int);\n")
    assert [c.kind for c in build_graph(discover(diesel)).conflicts] == ["ambiguous-order"]


PEOPLE = ("CREATE TABLE users (id bigint PRIMARY KEY, email text, name text, uname text);\n"
          "CREATE TABLE orders (id bigint PRIMARY KEY, email text);\n")


def _missing_after(tmp_path: Path, change: str, use: str) -> list[tuple[str, str]]:
    graph = build_graph(history(tmp_path, ("1_base.sql", PEOPLE), ("2_change.sql", change),
                                ("3_use.sql", use)))
    return [(c.kind, c.object) for c in graph.conflicts]


_DROP_EMAIL = "ALTER TABLE users DROP COLUMN email;\n"
_RENAME_NAME = "ALTER TABLE users RENAME COLUMN name TO full_name;\n"


@pytest.mark.parametrize("change, use, column", [
    (_DROP_EMAIL, "CREATE VIEW v AS SELECT email FROM users;", "email"),
    (_DROP_EMAIL, "INSERT INTO users (id, email) VALUES (1, 'a');", "email"),
    (_DROP_EMAIL, "UPDATE users SET name = email;", "email"),
    (_DROP_EMAIL, "UPDATE users u SET name = 'x' WHERE u.email IS NULL RETURNING id;", "email"),
    (_DROP_EMAIL, "DELETE FROM users WHERE email IS NULL;", "email"),
    (_DROP_EMAIL, "ALTER TABLE users ADD CONSTRAINT u UNIQUE (email);", "email"),
    (_DROP_EMAIL, "CREATE INDEX i ON users (lower(email));", "email"),
    (_DROP_EMAIL, "CREATE INDEX i ON users (id) WHERE email IS NULL;", "email"),
    (_DROP_EMAIL, "ALTER TABLE users ADD CONSTRAINT c CHECK (email <> '');", "email"),
    (_DROP_EMAIL, "INSERT INTO users (id) VALUES (1) ON CONFLICT (id) DO UPDATE "
                  "SET name = excluded.email;", "email"),
    (_DROP_EMAIL, "COPY users (id, email) FROM stdin;", "email"),
    (_RENAME_NAME, "CREATE VIEW v AS SELECT u.name FROM users u JOIN orders o USING (id);",
     "name"),
    (_RENAME_NAME, "INSERT INTO users (id, name) VALUES (1, 'a');", "name"),
    (_RENAME_NAME, "CREATE TABLE t (id int, uname text, "
                   "FOREIGN KEY (uname) REFERENCES users (name));", "name"),
    (_RENAME_NAME, "ALTER TABLE orders ADD COLUMN uname text REFERENCES users (name);", "name"),
])
def test_uses_of_a_dropped_or_renamed_column_are_missing_objects(
        tmp_path: Path, change: str, use: str, column: str) -> None:
    assert _missing_after(tmp_path, change, use + "\n") == [
        ("missing-object", f"column:public.users.{column}")]


@pytest.mark.parametrize("use", [
    # Another table's column of the same name, qualified or the only one that has it.
    "UPDATE users SET name = o.email FROM orders o WHERE o.id = users.id;",
    "INSERT INTO users (id) SELECT id FROM orders WHERE email IS NULL;",
    "UPDATE users SET name = (SELECT email FROM orders LIMIT 1);",
    "CREATE VIEW v AS SELECT o.email FROM users u JOIN orders o ON o.id = u.id;",
    # An outer query's column: PostgreSQL looks there when the inner FROM lacks it.
    "CREATE VIEW v AS SELECT (SELECT max(id) FROM users WHERE email = 'x') FROM orders;",
    # A subquery's, a CTE's or an unknown table's column may be it.
    "CREATE VIEW v AS SELECT email FROM users, (SELECT 'a' AS email) s;",
    "CREATE VIEW v AS WITH c AS (SELECT 'a' AS email) SELECT email FROM users, c;",
    "UPDATE users SET name = email FROM legacy WHERE legacy.id = users.id;",
    # An output column named in ORDER BY; a function body.
    "CREATE VIEW v AS SELECT name AS email FROM users ORDER BY email;",
    "CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT email FROM users $$;",
    # The column added again.
    "ALTER TABLE users ADD COLUMN email text; CREATE INDEX i ON users (lower(email));",
])
def test_names_that_are_not_the_dropped_column_are_not_reported(tmp_path: Path,
                                                                use: str) -> None:
    assert _missing_after(tmp_path, _DROP_EMAIL, use + "\n") == []


def test_copy_into_a_renamed_table_is_a_missing_object(tmp_path: Path) -> None:
    assert _missing_after(tmp_path, "ALTER TABLE orders RENAME TO purchases;\n",
                          "COPY orders FROM stdin;\n") == [
        ("missing-object", "table:public.orders")]


def test_a_table_moved_to_another_schema_is_gone_from_the_old_one(tmp_path: Path) -> None:
    move = "CREATE SCHEMA app;\nALTER TABLE users SET SCHEMA app;\n"
    (tmp_path / "old").mkdir()
    assert _missing_after(tmp_path / "old", move, "UPDATE users SET name = 'x';\n") == [
        ("missing-object", "table:public.users")]
    graph = build_graph(history(tmp_path, ("1_base.sql", PEOPLE), ("2_change.sql", move),
                                ("3_use.sql", "UPDATE app.users SET name = 'x';\n"
                                              "CREATE TABLE users (id int);\n"
                                              "INSERT INTO users (id) VALUES (1);\n")))
    assert graph.conflicts == []


def test_sqlx_reads_versions_as_integers(tmp_path: Path) -> None:
    # sqlx parses the prefix as an i64: `1_a.sql` and `01_b.sql` are one version to it.
    (tmp_path / "Cargo.toml").write_text('[dependencies]\nsqlx = "0.8"\n')
    assert _version_conflicts(tmp_path / "migrations", "1_a.sql", "01_b.sql") == [
        ("duplicate-version", "version:1")]


def test_a_rename_moves_only_the_renamed_relation_and_its_parts(tmp_path: Path) -> None:
    # `users` is a substring of `users_archive` and `old_users`, and the view reads both:
    # only what belongs to public.users follows it to public.members.
    graph = build_graph(history(
        tmp_path,
        ("1_users.sql", USERS + "CREATE TABLE users_archive (id bigint, email text);\n"
                        "CREATE TABLE old_users (id bigint);\n"
                        "CREATE VIEW v AS SELECT u.email, a.email AS e2 FROM users u "
                        "JOIN users_archive a ON a.id = u.id;\n"),
        ("2_rename.sql", "ALTER TABLE users RENAME TO members;\n"),
        ("3_use.sql", "ALTER TABLE members ADD COLUMN n int;\n"
                      "ALTER TABLE users_archive ADD COLUMN n int;\n"
                      "ALTER TABLE old_users ADD COLUMN n int;\n"),
        ("4_drop.sql", "DROP TABLE members;\n"),
    ))
    assert graph.edges[("1_users", "3_use")] == {
        "created-by": ["table:public.users_archive", "table:public.old_users"]}
    assert graph.edges[("2_rename", "3_use")]["created-by"] == ["table:public.members"]
    assert kinds(graph) == ["dependency-dropped"]
    assert "view public.v" in graph.conflicts[0].explanation
