"""A statement the effect model knows PostgreSQL refuses is reported by its refusal alone:
the lock, rewrite and index-build advice of the other rules is about a statement that cannot
run (docs/effect-model.md, "Refused statements")."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.core.types import LockMode, MigrationReport
from lockwise.discover import migration_from_text
from lockwise.effects.refused import REFUSAL_FACTS
from lockwise.lint import LintOptions, lint_migrations
from lockwise.rules.engine import RuleIndex
from lockwise.rules.loader import load_rules

EVENTS = """CREATE TABLE events (id bigint, day date, kind text) PARTITION BY RANGE (day);
CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE accounts (id bigint PRIMARY KEY, note text);
CREATE TABLE orders (id bigint, account_id bigint REFERENCES accounts);
"""


def report(sql: str, pg_version: int = 16, stated: bool = False) -> MigrationReport:
    migrations = [migration_from_text(EVENTS, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    options = LintOptions(pg_version=pg_version, pg_version_stated=stated)
    return lint_migrations(migrations, options, Catalog())[-1]


def rules_of(sql: str, statement: int = 0, **kwargs: object) -> set[str]:
    return {f.rule for f in report(sql, **kwargs).statements[statement].findings}


def test_a_unique_key_the_partitioning_refuses_gets_the_refusal_only() -> None:
    sql = "ALTER TABLE events ADD CONSTRAINT events_id_key UNIQUE (id);"
    assert rules_of(sql) == {"partitioned-table-refused"}
    # The migration reads as refused, not as a slow index build.
    found = report(sql)
    assert found.reason == \
        "statement 1: PostgreSQL refuses this on a partitioned table or a partition", \
        found.reason


def test_a_unique_key_the_partitioning_takes_keeps_its_lock_findings() -> None:
    sql = "ALTER TABLE events ADD CONSTRAINT events_id_key UNIQUE (id, day);"
    assert {"unique-constraint-on-partitioned-table", "missing-lock-timeout"} <= rules_of(sql)
    assert "partitioned-table-refused" not in rules_of(sql)


def test_a_refused_persistence_change_gets_no_lock_finding() -> None:
    # The refused statement's missing-lock-timeout does not speak for the statement after
    # it either: that one gets its own.
    sql = "ALTER TABLE accounts SET UNLOGGED;\nALTER TABLE orders ADD COLUMN kind text;"
    found = report(sql)
    first, second = found.statements
    assert {f.rule for f in first.findings} == {"persistence-change-refused"}
    (timeout,) = [f for f in second.findings if f.rule == "missing-lock-timeout"]
    assert timeout.statement_index == 1
    assert found.reason.startswith("statement 1: "), found.reason


def test_a_persistence_change_the_server_takes_keeps_its_lock_findings() -> None:
    assert {"set-logged-unlogged", "missing-lock-timeout"} <= rules_of(
        "ALTER TABLE orders SET UNLOGGED;")


def test_syntax_the_stated_version_lacks_is_still_reported() -> None:
    sql = "ALTER TABLE accounts ALTER COLUMN note SET COMPRESSION lz4;"
    assert rules_of(sql, pg_version=13, stated=True) == {"syntax-newer-than-pg-version"}
    assert "missing-lock-timeout" in rules_of(sql, pg_version=14, stated=True)


def test_a_parse_error_beside_a_refused_statement_is_still_reported() -> None:
    sql = "ALTER TABLE events ADD UNIQUE (id);\nALTER TABLE accounts ADD COLUMN;"
    assert "parse-error" in {f.rule for f in report(sql).all_findings}


@pytest.fixture(scope="module")
def index() -> RuleIndex:
    return RuleIndex(load_rules())


def test_the_rules_judging_a_refused_statement_are_those_that_report_a_refusal(
        index: RuleIndex) -> None:
    kept = {r.id for r in index.refusals.rules}
    assert {"partitioned-table-refused", "persistence-change-refused",
            "syntax-newer-than-pg-version", "object-already-exists"} <= kept
    assert not {"set-logged-unlogged", "unique-constraint-on-partitioned-table",
                "missing-lock-timeout"} & kept
    for rule in index.refusals.rules:
        assert any(alternative.get(fact) is True for alternative in rule.when
                   for fact in REFUSAL_FACTS), rule.id


def test_a_do_block_keeps_the_findings_of_the_statements_it_runs_that_are_not_refused() -> None:
    # The refused ALTER may sit in a branch that does not run; the index build runs anyway.
    sql = ("DO $$ BEGIN IF false THEN ALTER TABLE accounts SET UNLOGGED; END IF; "
           "CREATE INDEX orders_account_idx ON orders (account_id); END $$;")
    assert {"persistence-change-refused", "index-without-concurrently"} <= rules_of(sql)
    at = {(f.rule, f.span.column) for f in report(sql).statements[0].findings}
    assert {rule for rule, column in at if column == 27} == {"persistence-change-refused"}
    assert ("index-without-concurrently", 70) in at


RULED = """CREATE TABLE ledger (id bigint PRIMARY KEY, amount int);
CREATE TABLE ledger_log (id bigint);
CREATE RULE log_update AS ON UPDATE TO ledger DO ALSO INSERT INTO ledger_log VALUES (NEW.id);
"""


def test_an_on_conflict_insert_the_rules_refuse_is_a_refusal() -> None:
    # The rewriter refuses it before any row is read, on an empty table, a disabled rule,
    # EXPLAIN and PREPARE alike ("INSERT with ON CONFLICT clause cannot be used with table
    # that has INSERT or UPDATE rules", checked on 18.6; test_view_writes_pg compares the
    # fact with the server): no lock it would take counts, and the reports say it is refused.
    from lockwise.effects.refused import statement_refusal

    sql = ("BEGIN;\nLOCK TABLE accounts;\n"
           "INSERT INTO ledger VALUES (1, 1) ON CONFLICT DO NOTHING;\nCOMMIT;")
    migrations = [migration_from_text(EVENTS + RULED, "0001_setup.sql"),
                  migration_from_text(sql, "0002_change.sql")]
    found = lint_migrations(migrations, LintOptions(), Catalog())[-1]
    insert = found.statements[2]
    assert {f.rule for f in insert.findings} == {"on-conflict-with-rules"}
    assert statement_refusal(insert.effect) == "on_conflict_refused_by"


def test_inherit_of_a_table_the_catalog_does_not_know_is_judged() -> None:
    # A table made outside the migrations: neither partitioned nor a partition as far as the
    # catalog knows (the stand-in for an unknown table lacked `partition_of`: a traceback).
    assert "partitioned-table-refused" not in rules_of("ALTER TABLE elsewhere INHERIT accounts;")
    assert "partitioned-table-refused" not in rules_of(
        "ALTER TABLE elsewhere NO INHERIT accounts;")
    # no table inherits from a partitioned one
    assert "partitioned-table-refused" in rules_of("ALTER TABLE elsewhere INHERIT events;")


#: ATTACH PARTITION the server refuses, and its message (checked on 18.6: 42809 for a
#: parent that is no partitioned table, 42P07 for a cycle).
REFUSED_ATTACHES = {
    "ALTER TABLE accounts ATTACH PARTITION orders FOR VALUES FROM (1) TO (2);":
        'ALTER action ATTACH PARTITION cannot be performed on relation "accounts"',
    "ALTER TABLE accounts ATTACH PARTITION accounts FOR VALUES FROM (1) TO (2);":
        'ALTER action ATTACH PARTITION cannot be performed on relation "accounts"',
    "ALTER TABLE events ATTACH PARTITION events FOR VALUES FROM ('2030-01-01') TO "
    "('2031-01-01');": "circular inheritance not allowed",
    "CREATE TABLE sub (id bigint, day date, kind text) PARTITION BY RANGE (day);\n"
    "ALTER TABLE events ATTACH PARTITION sub FOR VALUES FROM ('2030-01-01') TO "
    "('2031-01-01');\nALTER TABLE sub ATTACH PARTITION events FOR VALUES FROM ('2030-01-01') "
    "TO ('2030-02-01');": "circular inheritance not allowed",
}


#: ATTACH PARTITION of a table that cannot become a partition, and the server's message
#: (checked on 18.6, each 42809): one already a partition (of the same parent or another,
#: a partitioned one attached to itself too), an inheritance child, a plain inheritance
#: parent, a typed table. The server looks at them in that order, after the parent's kind
#: and before a cycle.
REFUSED_PARTITIONS = {
    "CREATE TABLE archive (id bigint, day date, kind text) PARTITION BY RANGE (day);\n"
    "ALTER TABLE archive ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') TO "
    "('2025-01-01');": '"events_2024" is already a partition',
    "ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM ('2030-01-01') TO "
    "('2031-01-01');": '"events_2024" is already a partition',
    "CREATE TABLE events_2030 PARTITION OF events FOR VALUES FROM ('2030-01-01') TO "
    "('2031-01-01') PARTITION BY LIST (kind);\n"
    "ALTER TABLE events_2030 ATTACH PARTITION events_2030 FOR VALUES IN ('a');":
        '"events_2030" is already a partition',
    "CREATE TABLE base (id bigint, day date, kind text);\n"
    "CREATE TABLE child () INHERITS (base);\n"
    "ALTER TABLE events ATTACH PARTITION child FOR VALUES FROM ('2030-01-01') TO "
    "('2031-01-01');": "cannot attach inheritance child as partition",
    "CREATE TABLE base (id bigint, day date, kind text);\n"
    "CREATE TABLE child (id bigint, day date, kind text);\n"
    "ALTER TABLE child INHERIT base;\n"
    "ALTER TABLE events ATTACH PARTITION child FOR VALUES FROM ('2030-01-01') TO "
    "('2031-01-01');": "cannot attach inheritance child as partition",
    "CREATE TABLE base (id bigint, day date, kind text);\n"
    "CREATE TABLE child () INHERITS (base);\n"
    "ALTER TABLE events ATTACH PARTITION base FOR VALUES FROM ('2030-01-01') TO "
    "('2031-01-01');": "cannot attach inheritance parent as partition",
    "CREATE TYPE event_row AS (id bigint, day date, kind text);\n"
    "CREATE TABLE typed OF event_row;\n"
    "ALTER TABLE events ATTACH PARTITION typed FOR VALUES FROM ('2030-01-01') TO "
    "('2031-01-01');": "cannot attach a typed table as partition",
}


#: Every refused ATTACH above, each judged, replayed and compared with the server alike.
ATTACHES = {**REFUSED_ATTACHES, **REFUSED_PARTITIONS}


@pytest.mark.parametrize("sql", ATTACHES)
def test_an_attach_the_server_refuses_is_refused_and_changes_nothing(sql: str) -> None:
    found = report(sql)
    last = found.statements[-1]
    assert {f.rule for f in last.findings} == {"partitioned-table-refused"}, last.findings
    (finding,) = last.findings
    assert f'"{ATTACHES[sql]}"' in finding.message, finding.message
    # Refused, it records no partition: the same statement again is refused the same way
    # (a table attached to itself was a cycle in the catalog, the next statement a
    # RecursionError reported as "nested too deeply").
    again = report(f"{sql}\n{sql.splitlines()[-1]}")
    assert "parse-error" not in {f.rule for f in again.all_findings}
    assert {f.rule for f in again.statements[-1].findings} == {"partitioned-table-refused"}


@pytest.mark.parametrize("sql", ATTACHES)
def test_the_refused_attaches_are_the_servers(pg_db: str, sql: str) -> None:
    from server_helpers import server_message

    *setup, statement = sql.splitlines()
    assert server_message(pg_db, [EVENTS, *setup], statement) == ATTACHES[sql]


def test_the_reported_self_attach_is_refused_without_a_traceback() -> None:
    sql = ("CREATE TABLE a (id int PRIMARY KEY, n int CHECK (n > 0), m int NOT NULL, "
           "CONSTRAINT k UNIQUE (n));\n"
           "ALTER TABLE a ATTACH PARTITION a FOR VALUES FROM (10) TO (20);\n"
           "ALTER TABLE a ATTACH PARTITION a FOR VALUES FROM (10) TO (20);")
    found = report(sql)
    assert [{f.rule for f in s.findings} & {"partitioned-table-refused", "parse-error"}
            for s in found.statements[1:]] == [{"partitioned-table-refused"}] * 2


def test_an_attach_to_a_table_the_catalog_does_not_know_is_not_refused() -> None:
    assert "partitioned-table-refused" not in rules_of(
        "ALTER TABLE elsewhere ATTACH PARTITION orders FOR VALUES FROM (1) TO (2);")


def test_a_partition_refused_elsewhere_stays_where_it_was() -> None:
    # The refused ATTACH is not replayed: events_2024 is still a partition of events, whose
    # DETACH locks it, and once detached it attaches elsewhere (checked on 18.6).
    sql = ("CREATE TABLE archive (id bigint, day date, kind text) PARTITION BY RANGE (day);\n"
           "ALTER TABLE archive ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') "
           "TO ('2025-01-01');\n"
           "ALTER TABLE events DETACH PARTITION events_2024;\n"
           "ALTER TABLE archive ATTACH PARTITION events_2024 FOR VALUES FROM ('2024-01-01') "
           "TO ('2025-01-01');")
    found = report(sql)
    refused = [bool(s.effect.actions[0].facts.get("refused_on_partitioned"))
               for s in found.statements]
    assert refused == [False, True, False, False]
    detach = found.statements[2].effect
    assert detach.locks.get("public.events_2024") == LockMode.ACCESS_EXCLUSIVE, detach.locks


def test_detach_then_attach_elsewhere_runs_on_the_server(pg_db: str) -> None:
    from server_helpers import server_message

    setup = ("CREATE TABLE archive (id bigint, day date, kind text) PARTITION BY RANGE (day);\n"
             "ALTER TABLE events DETACH PARTITION events_2024;")
    assert server_message(pg_db, [EVENTS, setup],
                          "ALTER TABLE archive ATTACH PARTITION events_2024 FOR VALUES FROM "
                          "('2024-01-01') TO ('2025-01-01');") == ""


def test_an_inheritance_parent_left_by_its_children_can_be_attached() -> None:
    sql = ("CREATE TABLE base (id bigint, day date, kind text);\n"
           "CREATE TABLE child () INHERITS (base);\n"
           "ALTER TABLE child NO INHERIT base;\n"
           "ALTER TABLE events ATTACH PARTITION base FOR VALUES FROM ('2030-01-01') TO "
           "('2031-01-01');")
    assert "partitioned-table-refused" not in rules_of(sql, statement=3)


#: Each kind a table the catalog does not know may be, and what the server says when it is
#: attached to itself (checked on 18.6): always refused, 42809 but for a partitioned table
#: that is no partition (42P07).
SELF_ATTACHES = {
    "CREATE TABLE elsewhere (id bigint);":
        'ALTER action ATTACH PARTITION cannot be performed on relation "elsewhere"',
    "CREATE TABLE elsewhere (id bigint) PARTITION BY RANGE (id);":
        "circular inheritance not allowed",
    "CREATE TABLE top (id bigint) PARTITION BY RANGE (id);\n"
    "CREATE TABLE elsewhere PARTITION OF top FOR VALUES FROM (1) TO (10) "
    "PARTITION BY RANGE (id);": '"elsewhere" is already a partition',
    "CREATE TABLE top (id bigint) PARTITION BY RANGE (id);\n"
    "CREATE TABLE elsewhere PARTITION OF top FOR VALUES FROM (1) TO (10);":
        'ALTER action ATTACH PARTITION cannot be performed on relation "elsewhere"',
}
SELF_ATTACH = "ALTER TABLE elsewhere ATTACH PARTITION elsewhere FOR VALUES FROM (1) TO (2);"


def test_a_self_attach_of_a_table_the_catalog_does_not_know_says_what_the_server_may() -> None:
    # Refused whatever the table is, in words that depend on what it is: each said, none
    # taken for sure (the catalog does not know the table is partitioned: no cycle claimed).
    found = report(f"{SELF_ATTACH}\n{SELF_ATTACH}\nALTER TABLE elsewhere ADD COLUMN n int;")
    assert "parse-error" not in {f.rule for f in found.all_findings}
    for statement in found.statements[:2]:
        (finding,) = statement.findings
        assert finding.rule == "partitioned-table-refused"
        for message in SELF_ATTACHES.values():
            assert message in finding.message, finding.message
    assert not found.statements[2].effect.actions[0].facts.get("refused_on_partitioned")


@pytest.mark.parametrize("setup", SELF_ATTACHES)
def test_the_self_attach_messages_are_the_servers(pg_db: str, setup: str) -> None:
    from server_helpers import server_message

    assert server_message(pg_db, setup, SELF_ATTACH) == SELF_ATTACHES[setup]


def test_a_partition_attached_to_a_table_the_catalog_does_not_know_is_refused() -> None:
    # Refused either way: "already a partition" when elsewhere is partitioned, the parent's
    # refusal when it is not (checked on 18.6).
    found = report("ALTER TABLE elsewhere ATTACH PARTITION events_2024 FOR VALUES FROM "
                   "('2030-01-01') TO ('2031-01-01');")
    (finding,) = found.statements[0].findings
    assert finding.rule == "partitioned-table-refused"
    assert '"events_2024" is already a partition' in finding.message, finding.message
    assert 'ALTER action ATTACH PARTITION cannot be performed on relation "elsewhere"' in \
        finding.message, finding.message


#: A table named as its own parent, once the names resolve (PARTITION OF or INHERITS,
#: unqualified, qualified, in a schema of the path, IF NOT EXISTS): never made. What the
#: server says (checked on 18.6): the parent, as written, "does not exist" when the table
#: does not (it is looked up before the table is made); when a table of the name exists,
#: the bare name "already exists", but for INHERITS of a partitioned one; with IF NOT
#: EXISTS, a NOTICE "... already exists, skipping" (`None`: it runs).
OWN_PARENTS = {
    "CREATE TABLE b PARTITION OF b FOR VALUES FROM (0) TO (10);":
        ('relation "b" does not exist', 'relation "b" already exists'),
    "CREATE TABLE b (x int) INHERITS (b);":
        ('relation "b" does not exist', 'cannot inherit from partitioned table "b"'),
    "CREATE TABLE public.b (x int) INHERITS (public.b);":
        ('relation "public.b" does not exist', 'cannot inherit from partitioned table "b"'),
    "CREATE TABLE IF NOT EXISTS b PARTITION OF b FOR VALUES FROM (0) TO (10);":
        ('relation "b" does not exist', None),
    "CREATE TABLE IF NOT EXISTS b (x int) INHERITS (public.b);":
        ('relation "public.b" does not exist', None),
    "SET search_path = app, public;\nCREATE TABLE b PARTITION OF app.b FOR VALUES FROM (0) "
    "TO (10);": ('relation "app.b" does not exist', 'relation "b" already exists'),
}
#: What the server says when `b` is a plain table or a view (INHERITS alike: its parent
#: looked up first).
OWN_PARENT_KINDS = {"CREATE TABLE b (x int);": 'relation "b" already exists',
                    "CREATE VIEW b AS SELECT 1 AS x;":
                        'inherited relation "b" is not a table or foreign table'}


@pytest.mark.parametrize("sql", OWN_PARENTS)
def test_a_table_made_its_own_parent_is_refused_and_not_recorded(sql: str) -> None:
    # The repro: b was recorded as a partition of itself, and the ATTACH after it recursed
    # forever (a RecursionError, the statement missing from the report).
    attach = "ALTER TABLE accounts ATTACH PARTITION b FOR VALUES FROM (10) TO (20);"
    found = report(f"CREATE SCHEMA app;\nBEGIN;\n{sql}\n{attach}\nCOMMIT;")
    *_, made, attached, _ = found.statements
    (finding,) = made.findings
    # a partition of itself is a partitioning matter; a child of itself is no partitioning
    # matter (nor a cycle: no server message says "circular" of it)
    assert finding.rule == ("partitioned-table-refused" if "PARTITION OF" in sql
                            else "table-inherits-itself-refused")
    missing, exists = OWN_PARENTS[sql]
    # whether b exists, and what it is, is not known: what the server says of each, with when
    said = [exists or 'relation "b" already exists, skipping', f"else: {missing}\""]
    if exists is not None:
        said += OWN_PARENT_KINDS.values()
    for message in said:
        assert message in finding.message, finding.message
    assert "parse-error" not in {f.rule for f in found.all_findings}
    assert attached.statement.sql == attach.rstrip(";")
    assert {f.rule for f in attached.findings} == {"partitioned-table-refused"}


@pytest.mark.parametrize("sql", OWN_PARENTS)
def test_the_own_parent_messages_are_the_servers(pg_db: str, sql: str) -> None:
    from server_helpers import server_message

    *setup, statement = sql.splitlines()
    missing, exists = OWN_PARENTS[sql]
    assert server_message(pg_db, ["CREATE SCHEMA app;", *setup], statement) == missing
    first = "app" if setup else "public"
    assert server_message(pg_db, [*setup, f"CREATE TABLE {first}.b (x int) PARTITION BY "
                                  "RANGE (x);"], statement) == (exists or "")


@pytest.mark.parametrize("setup", OWN_PARENT_KINDS)
@pytest.mark.parametrize("statement", ["CREATE TABLE b (x int) INHERITS (b);",
                                       "CREATE TABLE b PARTITION OF b FOR VALUES IN (1);"])
def test_the_own_parent_messages_of_each_kind_are_the_servers(pg_db: str, setup: str,
                                                              statement: str) -> None:
    from server_helpers import server_message

    assert server_message(pg_db, setup, statement) == OWN_PARENT_KINDS[setup]


def test_a_table_known_to_exist_made_its_own_parent_is_the_name_taken() -> None:
    setup = "CREATE TABLE b (x int) PARTITION BY RANGE (x);\n"
    assert rules_of("CREATE TABLE b (x int);\nCREATE TABLE b (y int) INHERITS (b);",
                    statement=1) == {"object-already-exists"}
    assert rules_of(f"{setup}CREATE TABLE b PARTITION OF b FOR VALUES FROM (0) TO (10);",
                    statement=1) == {"object-already-exists"}
    skipped = report(f"{setup}CREATE TABLE IF NOT EXISTS b PARTITION OF b FOR VALUES FROM (0) "
                     "TO (10);").statements[1]
    assert "partitioned-table-refused" not in {f.rule for f in skipped.findings}
    assert skipped.effect.actions[0].facts.get("exists_already")


def test_a_temporary_table_inheriting_a_table_of_its_name_names_another() -> None:
    # pg_temp.b is made after its parent `b` is looked up: not itself (public.b, or none)
    assert "partitioned-table-refused" not in rules_of(
        "CREATE TEMP TABLE b (x int) INHERITS (b);")
    assert "table-inherits-itself-refused" in rules_of(
        "CREATE TEMP TABLE b (x int) INHERITS (pg_temp.b);")


@pytest.mark.parametrize("sql", [
    "CREATE TABLE b PARTITION OF b FOR VALUES FROM (0) TO (10);",
    "CREATE TABLE b (x int) INHERITS (b);",
    "CREATE TABLE b (x int);\nALTER TABLE b INHERIT b;",
    "CREATE TABLE b (x int);\nCREATE TABLE c () INHERITS (b);\nALTER TABLE b INHERIT c;",
    "CREATE TABLE c (x int) INHERITS (b);\nCREATE TABLE b (x int) INHERITS (c);",
])
def test_the_replay_never_records_a_table_above_itself(sql: str) -> None:
    from lockwise.catalog.replay import apply_statement
    from lockwise.parse.postgres import parse_sql

    catalog = Catalog()
    for stmt in parse_sql(sql).statements:
        apply_statement(catalog, stmt.tree, "0001")
    assert all(name not in catalog.ancestors(name) for name in catalog.tables), {
        t.name: (t.partition_of, t.inherits) for t in catalog.tables.values()}


def test_a_statement_lockwise_cannot_analyze_stays_in_the_report_with_its_finding(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import lockwise.lint

    real = lockwise.lint.compute_effect

    def deep(tree: dict, ctx: object) -> object:
        if "AlterTableStmt" in tree:
            raise RecursionError
        return real(tree, ctx)  # type: ignore[arg-type]

    monkeypatch.setattr(lockwise.lint, "compute_effect", deep)
    found = report("BEGIN;\nALTER TABLE accounts ADD COLUMN n int;\nCREATE TABLE z (id bigint);"
                   "\nCOMMIT;")
    assert [s.statement.index for s in found.statements] == [0, 1, 2, 3]
    (finding,) = found.statements[1].findings
    assert finding.rule == "parse-error" and "nested too deeply" in finding.message
    assert finding.span == found.statements[1].statement.span
    assert found.statements[1].effect.locks == {}


#: INHERIT making a table its own ancestor (checked on 18.6): refused 42P07 once the table is
#: found neither partitioned nor a partition, whatever the columns (the last statement; the
#: lines before it the setup).
CIRCULAR_INHERITS = {
    "CREATE TABLE b (x int);\nALTER TABLE b INHERIT b;": "circular inheritance not allowed",
    "CREATE TABLE a (x int);\nCREATE TABLE b (y int) INHERITS (a);\nALTER TABLE a INHERIT b;":
        "circular inheritance not allowed",
    "CREATE TABLE a (x int);\nCREATE TABLE b (x int) INHERITS (a);\n"
    "CREATE TABLE c (x int) INHERITS (b);\nALTER TABLE a INHERIT c;":
        "circular inheritance not allowed",
    "CREATE TABLE b (x int) PARTITION BY RANGE (x);\nALTER TABLE b INHERIT b;":
        "cannot change inheritance of partitioned table",
    "CREATE TABLE p (x int) PARTITION BY RANGE (x);\n"
    "CREATE TABLE c PARTITION OF p FOR VALUES FROM (1) TO (2);\nALTER TABLE c INHERIT c;":
        "cannot change inheritance of a partition",
}


@pytest.mark.parametrize("sql", CIRCULAR_INHERITS)
def test_a_circular_inherit_is_refused_in_the_servers_words(sql: str) -> None:
    # A plain table's cycle is no partitioning matter: a rule of its own, which says so;
    # a partitioned table or a partition is refused for its partitioning first.
    said = CIRCULAR_INHERITS[sql]
    found = report(f"{sql}\n{sql.splitlines()[-1]}")
    for statement in found.statements[-2:]:
        (finding,) = statement.findings
        if said == "circular inheritance not allowed":
            assert finding.rule == "inheritance-cycle-refused"
            assert f'("{said}", with the detail' in finding.message, finding.message
            assert "partition" not in finding.title + finding.message, finding.message
        else:
            assert finding.rule == "partitioned-table-refused"
            assert f'"{said}")' in finding.message, finding.message


#: The server's detail of each circular INHERIT above (checked on 18.6: `"<parent>" is
#: already a child of "<table>".`, the bare names).
CIRCULAR_DETAILS = {sql: detail for sql, detail in zip(list(CIRCULAR_INHERITS)[:3], (
    '"b" is already a child of "b".', '"b" is already a child of "a".',
    '"c" is already a child of "a".'), strict=True)}


@pytest.mark.parametrize("sql", CIRCULAR_DETAILS)
def test_a_circular_inherit_says_the_servers_detail(pg_db: str, sql: str) -> None:
    from server_helpers import server_error

    *setup, statement = sql.splitlines()
    exc = server_error(pg_db, setup, statement)
    assert exc is not None and exc.diag.message_detail == CIRCULAR_DETAILS[sql]
    (finding,) = report(sql).statements[-1].findings
    assert f"with the detail '{CIRCULAR_DETAILS[sql]}'" in finding.message, finding.message


@pytest.mark.parametrize("sql", CIRCULAR_INHERITS)
def test_the_circular_inherit_messages_are_the_servers(pg_db: str, sql: str) -> None:
    from server_helpers import server_message

    *setup, statement = sql.splitlines()
    assert server_message(pg_db, setup, statement) == CIRCULAR_INHERITS[sql]


def test_an_inherit_of_a_table_below_it_no_longer_is_not_circular() -> None:
    sql = ("CREATE TABLE a (x int);\nCREATE TABLE b (x int) INHERITS (a);\n"
           "ALTER TABLE b NO INHERIT a;\nALTER TABLE a INHERIT b;")
    assert "partitioned-table-refused" not in rules_of(sql, statement=3)


def test_a_self_inherit_of_a_table_the_catalog_does_not_know_says_what_the_server_may() -> None:
    (finding,) = report("ALTER TABLE b INHERIT b;").statements[0].findings
    assert finding.rule == "inheritance-cycle-refused"
    for message in CIRCULAR_INHERITS.values():
        assert message in finding.message, finding.message


#: A CREATE TABLE of a name the migrations took (b, a plain table; p partitioned) and what
#: the server says (checked on 18.6): the parents and the table's own options are checked
#: before the name, its keys and constraints after it. Only the first is reported.
TAKEN = "CREATE TABLE p (x int) PARTITION BY RANGE (x);\nCREATE TABLE b (x int);"
TAKEN_NAME_ORDER = {
    "CREATE TABLE b (x int) INHERITS (p);": 'cannot inherit from partitioned table "p"',
    "CREATE TABLE b (x int) INHERITS (p) WITH (fillfactor = 50);":
        'cannot inherit from partitioned table "p"',
    "CREATE TABLE b (x int) PARTITION BY RANGE (x) WITH (fillfactor = 50);":
        "cannot specify storage parameters for a partitioned table",
    "CREATE UNLOGGED TABLE b (x int) PARTITION BY RANGE (x);":
        "partitioned tables cannot be unlogged",
    "CREATE TABLE b (y int, UNIQUE (y)) PARTITION BY RANGE (x);": 'relation "b" already exists',
    "CREATE TABLE b (x int, CHECK (x > 0) NO INHERIT) PARTITION BY RANGE (x);":
        'relation "b" already exists',
    "CREATE TABLE b (x int REFERENCES p (x));": 'relation "b" already exists',
}


@pytest.mark.parametrize("sql", TAKEN_NAME_ORDER)
def test_a_create_table_of_a_taken_name_gets_the_first_refusal_only(sql: str) -> None:
    found = report(f"{TAKEN}\n{sql}", pg_version=18, stated=True).statements[-1]
    rules = {f.rule for f in found.findings} - {"missing-if-exists"}
    said = TAKEN_NAME_ORDER[sql]
    if "already exists" in said:
        assert rules == {"object-already-exists"}, found.findings
    else:
        assert rules == {"partitioned-table-refused"}, found.findings
        (finding,) = [f for f in found.findings if f.rule in rules]
        assert f'"{said}"' in finding.message, finding.message


@pytest.mark.parametrize("sql", TAKEN_NAME_ORDER)
def test_the_taken_name_orders_are_the_servers(pg_db: str, sql: str) -> None:
    from server_helpers import server_message

    assert server_message(pg_db, TAKEN, sql) == TAKEN_NAME_ORDER[sql]


def test_a_partitioned_table_made_its_own_parent_again_is_refused_for_its_kind(
        pg_db: str) -> None:
    from server_helpers import server_message

    setup = "CREATE TABLE b (x int) PARTITION BY RANGE (x);"
    statement = "CREATE TABLE b (x int) INHERITS (b);"
    said = 'cannot inherit from partitioned table "b"'
    assert server_message(pg_db, setup, statement) == said
    (finding,) = report(f"{setup}\n{statement}").statements[1].findings
    assert finding.rule == "partitioned-table-refused"
    assert said in finding.message, finding.message


#: What partitioned-table-refused says a refusal is about, chosen by the effect: the
#: partitioning, a partitioned table made its own ancestor (ATTACH PARTITION, the server's
#: "circular inheritance not allowed"), a table named as its own parent (CREATE TABLE ...
#: PARTITION OF / INHERITS). A plain table's INHERIT cycle is inheritance-cycle-refused's.
REFUSAL_REASONS = {
    "ALTER TABLE events SET (fillfactor = 70);": "for its partitioning",
    "ALTER TABLE events ATTACH PARTITION events FOR VALUES FROM ('2030-01-01') TO "
    "('2031-01-01');": "as it would become its own ancestor",
    "CREATE TABLE b PARTITION OF b FOR VALUES FROM (0) TO (10);":
        "as it is named its own parent",
}


@pytest.mark.parametrize("sql", REFUSAL_REASONS)
def test_the_refusal_message_says_what_the_refusal_is_about(sql: str) -> None:
    (finding,) = report(sql).statements[-1].findings
    assert finding.rule == "partitioned-table-refused"
    assert f", {REFUSAL_REASONS[sql]} (\"" in finding.message, finding.message
    if "partitioning" not in REFUSAL_REASONS[sql]:
        assert "partitioning" not in finding.message, finding.message


@pytest.mark.parametrize("sql", [s for s in OWN_PARENTS if "INHERITS" in s])
def test_a_table_inheriting_from_itself_is_no_partitioning_matter(sql: str) -> None:
    # Of a table these migrations did not make, what the server says of each case, with
    # when (checked above against the server), under a rule that speaks of inheritance.
    (finding,) = report(sql).statements[-1].findings
    assert finding.rule == "table-inherits-itself-refused"
    assert "refuses this on a partitioned table" not in finding.title + finding.message
    missing, exists = OWN_PARENTS[sql]
    for message in [missing, *((exists, *OWN_PARENT_KINDS.values()) if exists else
                               ('relation "b" already exists, skipping',))]:
        assert message in finding.message, finding.message
