"""The effect model against the truth: every case runs on the real PostgreSQL server.

A case is (setup SQL, statement SQL); the test asserts that what lockwise predicts statically —
the strongest lock on each existing relation, which tables get a new relfilenode (rewrite),
which are read in full (sequential scan), whether the statement may run in a transaction
block — is what the server actually does. A mismatch is a bug in `lockwise.effects`, fixed
there; the case stays here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from lockwise.core.types import LockMode

pytestmark = pytest.mark.postgres

L = LockMode

#: A row trigger on T's table.
TOUCH_TRIGGER = """
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
"""

#: A table with a column of a constrained domain, of an enum, one drawing from a sequence and
#: a trigger, each of these in schema app (and an empty schema archive to move them to).
MOVABLE = """
CREATE SCHEMA app; CREATE SCHEMA archive;
CREATE TABLE t (id int PRIMARY KEY, n int); INSERT INTO t VALUES (1, 1);
CREATE DOMAIN app.pos AS int CHECK (VALUE > 0); CREATE TYPE app.mood AS ENUM ('a');
CREATE SEQUENCE app.c;
CREATE FUNCTION app.tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER x BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION app.tf();
ALTER TABLE t ADD COLUMN p app.pos, ADD COLUMN m app.mood,
    ADD COLUMN c int DEFAULT nextval('app.c');
"""

#: A parent table, and a child with a foreign key, both with some rows.
FK = """
CREATE TABLE parent (id bigint PRIMARY KEY, name text);
CREATE TABLE child (id bigint PRIMARY KEY, parent_id bigint REFERENCES parent (id), n int);
INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 10) g;
INSERT INTO child SELECT g, g, g FROM generate_series(1, 10) g;
"""

#: PostgreSQL 18's temporal keys: rooms (a WITHOUT OVERLAPS primary key, enough rows that its
#: index is used) and bookings of them, with rows.
TEMPORAL = """
CREATE TABLE room (id int4range, valid_at daterange,
                   CONSTRAINT room_pk PRIMARY KEY (id, valid_at WITHOUT OVERLAPS));
INSERT INTO room SELECT int4range(g, g + 1), daterange('2000-01-01', '2030-01-01')
FROM generate_series(1, 2000) g;
ANALYZE room;
CREATE TABLE booking (id int4range, room_id int4range, valid_at daterange);
INSERT INTO booking SELECT int4range(g, g + 1), int4range(g, g + 1),
    daterange('2001-01-01', '2002-01-01') FROM generate_series(1, 20) g;
"""

#: One table with columns of the types the type-change cases need, and some rows.
#: A role of the REASSIGN / DROP OWNED cases' own (roles are cluster-wide: made once).
OWNED_ROLE = """
DO $$ BEGIN CREATE ROLE lockwise_oracle_owned; EXCEPTION WHEN duplicate_object THEN NULL; END $$;
"""

T = """
CREATE TABLE t (
    id bigint PRIMARY KEY, n int, v varchar(50), s varchar(100), note text,
    price numeric(10,2), ts timestamp, r int4range
);
INSERT INTO t SELECT g, g, 'v' || g, 's' || g, 'note', g, '2020-01-01', int4range(g, g + 1)
FROM generate_series(1, 20) g;
"""

#: `t` with a policy reading two relations, and `docs` with one reading a view over one of
#: them and calling a function.
POLICIES = T + """
CREATE TABLE members (id bigint); CREATE TABLE other (id bigint);
CREATE VIEW other_v AS SELECT id FROM other;
CREATE FUNCTION allowed(bigint) RETURNS bool LANGUAGE sql AS 'SELECT true';
CREATE TABLE docs (id bigint);
CREATE POLICY p ON t USING (id IN (SELECT id FROM members))
    WITH CHECK (id IN (SELECT id FROM other));
CREATE POLICY d ON docs USING (allowed(id) AND id IN (SELECT id FROM other_v));
"""

#: A function for defaults, constraints, indexes and views to call.
CALLED = "CREATE FUNCTION f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';\n"

#: Foreign keys with each ON DELETE / ON UPDATE action, and a cascade two levels deep.
CASCADE = """
CREATE TABLE parent (id bigint PRIMARY KEY, name text);
CREATE TABLE owned (id bigint PRIMARY KEY,
                    parent_id bigint REFERENCES parent ON DELETE CASCADE ON UPDATE CASCADE);
CREATE TABLE owned_note (id bigint PRIMARY KEY, owned_id bigint REFERENCES owned ON DELETE CASCADE);
CREATE TABLE audit (id bigint, owned_id bigint REFERENCES owned);
CREATE TABLE tagged (id bigint, parent_id bigint REFERENCES parent ON DELETE SET NULL);
CREATE TABLE pinned (id bigint, parent_id bigint REFERENCES parent ON DELETE RESTRICT);
INSERT INTO parent SELECT g, 'p' || g FROM generate_series(1, 10) g;
INSERT INTO owned SELECT g, g FROM generate_series(1, 10) g;
INSERT INTO owned_note SELECT g, g FROM generate_series(1, 10) g;
INSERT INTO tagged SELECT g, 1 FROM generate_series(1, 10) g;
"""

PARTITIONED = """
CREATE TABLE events (id bigint, day date) PARTITION BY RANGE (day);
CREATE TABLE events_2024 PARTITION OF events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 (id bigint, day date);
INSERT INTO events VALUES (1, '2024-05-01');
INSERT INTO events_2025 VALUES (2, '2025-05-01');
"""

#: Columns of the character and bit string types, with a row.
CHARS = """
CREATE TABLE y (id int, c3 char(3), v varchar(10), tx text, bt bit(3), vb varbit(3));
INSERT INTO y VALUES (1, 'abc', 'x', 'x', B'101', B'10');
"""

ARRAYS = """
CREATE TABLE k (id int, v varchar(20)[], x text[], nn numeric(5,2)[]);
INSERT INTO k SELECT g, '{a}', '{b}', '{1.5}' FROM generate_series(1, 20) g;
"""

INTERVALS = """
CREATE TABLE k (id int, i interval, i3 interval(3), i6 interval(6),
                ds interval DAY TO SECOND(3), tz timestamptz, tm time);
INSERT INTO k SELECT g, '1 day', '1 day', '1 day', '1 day', now(), now()
FROM generate_series(1, 20) g;
"""

#: A partitioned table with two attached partitions, a row in each.
EVENTS = """
CREATE TABLE events (id bigint, day date, kind text) PARTITION BY RANGE (day);
CREATE TABLE events_2024 PARTITION OF events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 PARTITION OF events
    FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO events VALUES (1, '2024-05-01', 'a'), (2, '2025-05-01', 'b');
"""
EVENTS_DEFAULT = EVENTS + "CREATE TABLE events_other PARTITION OF events DEFAULT;"
EVENTS_INDEXED = EVENTS + "CREATE INDEX events_day ON events (day);"
EVENTS_TRIGGER = EVENTS + """
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER e_touch BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION touch();
"""
EVENTS_STATEMENT_TRIGGER = EVENTS + """
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER e_stmt BEFORE UPDATE ON events FOR EACH STATEMENT EXECUTE FUNCTION touch();
"""
#: A row trigger on a tree with a sub-partitioned partition and a DEFAULT partition.
EVENTS_TRIGGER_SUBPARTITIONED = EVENTS_TRIGGER + """
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')
    PARTITION BY LIST (kind);
CREATE TABLE events_2026_a PARTITION OF events_2026 FOR VALUES IN ('a');
CREATE TABLE events_other PARTITION OF events DEFAULT;
"""
#: Every leaf of a sub-partitioned tree with a DEFAULT partition has its primary key, built
#: as unique-constraint-on-partitioned-table writes it (index first, then USING INDEX).
EVENTS_KEYED_PARTITIONS = EVENTS + """
CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')
    PARTITION BY LIST (kind);
CREATE TABLE events_2026_a PARTITION OF events_2026 FOR VALUES IN ('a');
CREATE TABLE events_other PARTITION OF events DEFAULT;
INSERT INTO events VALUES (3, '2026-02-01', 'a'), (4, '2030-01-01', 'z');
CREATE UNIQUE INDEX e24 ON events_2024 (id, day, kind);
ALTER TABLE events_2024 ADD CONSTRAINT e24 PRIMARY KEY USING INDEX e24;
CREATE UNIQUE INDEX e25 ON events_2025 (id, day, kind);
ALTER TABLE events_2025 ADD PRIMARY KEY USING INDEX e25;
ALTER TABLE events_2026_a ADD PRIMARY KEY (id, day, kind);
ALTER TABLE events_other ADD CONSTRAINT eo UNIQUE (id, day, kind);
ALTER TABLE events_other ALTER COLUMN id SET NOT NULL, ALTER COLUMN day SET NOT NULL,
    ALTER COLUMN kind SET NOT NULL;
"""

DETACH_FINALIZE = "ALTER TABLE events DETACH PARTITION events_2024 FINALIZE"
#: A DETACH CONCURRENTLY cancelled while it waits for a query on the parent: left pending.
DETACH_INTERRUPTED = ("ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY",
                      "SELECT count(*) FROM events")

#: A partitioned table with a primary key, a unique constraint and an index (its partition
#: holds their clones), and a table with rows to attach whose CHECK proves its bound.
EVENTS_KEYED = """
CREATE TABLE events (id bigint, day date, kind text, PRIMARY KEY (id, day))
    PARTITION BY RANGE (day);
CREATE INDEX ON events (kind);
CREATE TABLE events_2024 PARTITION OF events
    FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
CREATE TABLE events_2025 (id bigint NOT NULL, day date NOT NULL, kind text,
    CHECK (day >= '2025-01-01' AND day < '2026-01-01'));
INSERT INTO events VALUES (1, '2024-05-01', 'a');
INSERT INTO events_2025 VALUES (2, '2025-05-01', 'b');
"""
ATTACH_2025 = "ALTER TABLE events ATTACH PARTITION events_2025 " \
              "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"

#: A partitioned table with a primary key, referenced by a foreign key (rows only in pk1).
PK = """
CREATE TABLE pk (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE pk1 PARTITION OF pk FOR VALUES FROM (0) TO (100);
CREATE TABLE pk2 PARTITION OF pk FOR VALUES FROM (100) TO (200);
CREATE TABLE ref (pid int REFERENCES pk);
INSERT INTO pk VALUES (1), (150); INSERT INTO ref VALUES (1);
"""

#: A key table and a table partitioned two levels deep that references it ON DELETE {action},
#: a row in a leaf (partitioned by another column than the key: nothing to prune).
REFERENCING_TREE = """
CREATE TABLE p (id int PRIMARY KEY);
CREATE TABLE c (pid int REFERENCES p ON DELETE {action}, k int) PARTITION BY LIST (k);
CREATE TABLE c1 PARTITION OF c FOR VALUES IN (1) PARTITION BY RANGE (k);
CREATE TABLE c11 PARTITION OF c1 FOR VALUES FROM (0) TO (10);
CREATE TABLE c2 PARTITION OF c FOR VALUES IN (2);
INSERT INTO p VALUES (1); INSERT INTO c VALUES (1, 1);
"""

#: Plain inheritance: a parent and a child, a row in each.
INH = """
CREATE TABLE base (id int, n int);
CREATE TABLE sub () INHERITS (base);
INSERT INTO base VALUES (1, 1); INSERT INTO sub VALUES (2, 2);
"""

#: `INH` and a key table holding its ids.
INH_KEYED = INH + "CREATE TABLE k (id int PRIMARY KEY); INSERT INTO k VALUES (1), (2);"

#: A partitioned key table (one partition itself partitioned) for TRUNCATE ... CASCADE.
TRUNC_PARTED = """
CREATE TABLE k (a int PRIMARY KEY) PARTITION BY LIST (a);
CREATE TABLE k1 PARTITION OF k FOR VALUES IN (1);
CREATE TABLE k2 PARTITION OF k FOR VALUES IN (2, 3) PARTITION BY LIST (a);
CREATE TABLE k2a PARTITION OF k2 FOR VALUES IN (2);
"""
#: A partitioned table referencing `k` (its partitions hold clones of the key), and a table
#: referencing one of its leaves, in turn referenced: CASCADE follows them all.
TRUNC_REFERENCING = """
CREATE TABLE r (a int REFERENCES k) PARTITION BY LIST (a);
CREATE TABLE r1 PARTITION OF r FOR VALUES IN (1);
CREATE TABLE r2 PARTITION OF r FOR VALUES IN (2) PARTITION BY LIST (a);
CREATE TABLE r2a PARTITION OF r2 FOR VALUES IN (2);
ALTER TABLE r2a ADD PRIMARY KEY (a);
CREATE TABLE s (a int UNIQUE REFERENCES r2a (a));
CREATE TABLE u (a int REFERENCES s (a));
"""

#: A list-partitioned table with a partitioned partition (mid, one leaf), and a loose table.
LIST_TREE = """
CREATE TABLE top (a int, b int) PARTITION BY LIST (a);
CREATE TABLE mid PARTITION OF top FOR VALUES IN (1) PARTITION BY LIST (b);
CREATE TABLE leaf1 PARTITION OF mid FOR VALUES IN (1);
CREATE TABLE loose (a int, b int);
INSERT INTO top VALUES (1, 1);
"""
#: The same with a partitioned DEFAULT partition, two levels deep.
LIST_TREE_DEFAULT = LIST_TREE + """
CREATE TABLE d PARTITION OF top DEFAULT PARTITION BY LIST (b);
CREATE TABLE d1 PARTITION OF d FOR VALUES IN (1);
CREATE TABLE d2 PARTITION OF d FOR VALUES IN (2) PARTITION BY LIST (a);
CREATE TABLE d21 PARTITION OF d2 DEFAULT;
INSERT INTO top VALUES (3, 1), (3, 2);
"""

#: An inheritance parent with a key, an inherited CHECK and a NO INHERIT one; two levels.
INH_CHECKS = """
CREATE TABLE p (a int PRIMARY KEY, c int CHECK (c > 0), d int);
ALTER TABLE p ADD CONSTRAINT nic CHECK (d > 0) NO INHERIT;
CREATE TABLE ch () INHERITS (p); CREATE TABLE gch () INHERITS (ch);
"""

#: A foreign key from a partitioned table (two levels, one partition attached) to a
#: partitioned one.
PARTITIONED_FK = """
CREATE TABLE parent (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE parent1 PARTITION OF parent FOR VALUES FROM (0) TO (10);
CREATE TABLE child (pid int, q int, CONSTRAINT fk FOREIGN KEY (pid) REFERENCES parent)
    PARTITION BY RANGE (pid);
CREATE TABLE child1 PARTITION OF child FOR VALUES FROM (0) TO (10) PARTITION BY LIST (q);
CREATE TABLE child11 PARTITION OF child1 FOR VALUES IN (1);
CREATE TABLE other (pid int, q int);
ALTER TABLE child ATTACH PARTITION other FOR VALUES FROM (10) TO (20);
INSERT INTO parent VALUES (1); INSERT INTO child VALUES (1, 1);
"""

#: A partitioned table (two levels) with a foreign key to a plain table.
FK_TREE = """
CREATE TABLE pk (a int PRIMARY KEY); INSERT INTO pk VALUES (1), (7), (15);
CREATE TABLE fk (a int, CONSTRAINT fk_a FOREIGN KEY (a) REFERENCES pk) PARTITION BY RANGE (a);
CREATE TABLE fk1 PARTITION OF fk FOR VALUES FROM (0) TO (10) PARTITION BY RANGE (a);
CREATE TABLE fk11 PARTITION OF fk1 FOR VALUES FROM (0) TO (5);
INSERT INTO fk VALUES (1);
"""

#: A partitioned table (a partitioned partition among its two) and an inheritance parent
#: (two levels), each with a NOT NULL and a CHECK their children have from them.
NN_TREES = """
CREATE TABLE p (a int NOT NULL, c int CHECK (c > 0)) PARTITION BY LIST (a);
CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1) PARTITION BY LIST (c);
CREATE TABLE p11 PARTITION OF p1 FOR VALUES IN (1);
CREATE TABLE p2 PARTITION OF p FOR VALUES IN (2);
CREATE TABLE i (a int NOT NULL, c int CHECK (c > 0));
CREATE TABLE i1 () INHERITS (i); CREATE TABLE i11 () INHERITS (i1);
INSERT INTO p VALUES (1, 1), (2, 2); INSERT INTO i11 VALUES (1, 1);
"""

#: PostgreSQL 17+: a partitioned table with an EXCLUDE (its key compared with `=`), a
#: partition with a row, and a table with a row to attach.
EXCLUDED = """
CREATE TABLE r (k int4range, during int4range, EXCLUDE USING gist (k WITH =, during WITH &&))
    PARTITION BY LIST (k);
CREATE TABLE r1 PARTITION OF r FOR VALUES IN ('[1,2)'); INSERT INTO r VALUES ('[1,2)', '[1,5)');
CREATE TABLE r2 (k int4range, during int4range); INSERT INTO r2 VALUES ('[2,3)', '[1,5)');
"""

#: Three levels of plain inheritance, a row at the bottom.
INH_DEEP = """
CREATE TABLE b (n int); CREATE TABLE s () INHERITS (b); CREATE TABLE gs () INHERITS (s);
INSERT INTO gs VALUES (1);
"""

#: A composite type with a typed table (and its child), one made a typed table and one no
#: longer.
TYPED = """
CREATE TYPE tt AS (a int, b text);
CREATE TABLE tb OF tt; CREATE TABLE tbs () INHERITS (tb);
CREATE TABLE tb2 (a int, b text); ALTER TABLE tb2 OF tt;
CREATE TABLE tb3 OF tt; ALTER TABLE tb3 NOT OF;
INSERT INTO tb VALUES (1, 'x');
"""

#: A table in a schema of its own (the search_path cases).
BILLING = """
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id bigint PRIMARY KEY, note varchar(50));
INSERT INTO billing.invoices SELECT g, 'n' FROM generate_series(1, 20) g;
"""

#: `users` in two schemas, and a table in public alone.
TWO_USERS = """
CREATE SCHEMA app;
CREATE TABLE app.users (id bigint, email text);
CREATE TABLE users (id bigint, email text);
CREATE TABLE only_public (id bigint, n int);
INSERT INTO app.users SELECT g, 'e' FROM generate_series(1, 20) g;
INSERT INTO users SELECT g, 'e' FROM generate_series(1, 20) g;
INSERT INTO only_public SELECT g, g FROM generate_series(1, 20) g;
"""

#: A table drawing from three sequences: an identity, a serial and a nextval() default.
SERIALS = """
CREATE SEQUENCE s;
CREATE TABLE k (id int GENERATED BY DEFAULT AS IDENTITY, n int, b serial,
                c bigint DEFAULT nextval('s'));
INSERT INTO k (n) VALUES (1);
"""
#: A table with columns owning sequences by OWNED BY: `c`, whose default draws from `s`,
#: and `n`, which has no default.
SERIALS_OWNED = """
CREATE TABLE k (id int, n int, c bigint);
CREATE SEQUENCE s OWNED BY k.c;
ALTER TABLE k ALTER COLUMN c SET DEFAULT nextval('s');
CREATE SEQUENCE ns OWNED BY k.n;
INSERT INTO k (n) VALUES (1);
"""
#: `s` handed from `k.c` to `u.d`.
OWNED_BY_U = "CREATE TABLE u (d int); ALTER SEQUENCE s OWNED BY u.d;"
#: A serial whose sequence no column owns any more.
SERIAL_OWNED_BY_NONE = "CREATE TABLE k (id serial, n int); ALTER SEQUENCE k_id_seq OWNED BY NONE;"
#: A partitioned table with an identity and a serial column, and a partition.
SERIALS_PARTITIONED = """
CREATE TABLE p (id int GENERATED ALWAYS AS IDENTITY, s serial, d int) PARTITION BY LIST (d);
CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);
"""

#: A plain (auto-updatable) view over `child`.
VIEWS = FK + "CREATE VIEW v AS SELECT * FROM child;"

#: A view `vs` over `child` whose query reads `parent` (or the view `v`) in a subquery.
VIEW_SUBLINKS = {
    "exists": "CREATE VIEW vs AS SELECT * FROM child WHERE EXISTS "
              "(SELECT 1 FROM parent WHERE parent.id = child.parent_id);",
    "in": "CREATE VIEW vs AS SELECT * FROM child WHERE parent_id IN (SELECT id FROM parent);",
    "select-list": "CREATE VIEW vs AS SELECT *, (SELECT max(id) FROM parent) AS top FROM child;",
    "view": "CREATE VIEW vs AS SELECT * FROM child WHERE id NOT IN (SELECT parent_id FROM v);",
}

#: The same view, with an INSTEAD OF trigger for each write.
VIEWS_TRIGGERED = VIEWS + """
CREATE FUNCTION v_write() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER v_write INSTEAD OF UPDATE OR INSERT OR DELETE ON v
    FOR EACH ROW EXECUTE FUNCTION v_write();
"""

MATVIEW = T + """
CREATE MATERIALIZED VIEW mv AS SELECT id, n FROM t;
CREATE UNIQUE INDEX mv_id ON mv (id);
"""


#: A table and its inheritance child, both with rows.
INHERIT_NULLS = """
CREATE TABLE p (a int, b int); CREATE TABLE c () INHERITS (p);
INSERT INTO p VALUES (1, 1); INSERT INTO c VALUES (2, 2);
"""

#: A keyless inheritance parent: a child with rows, an empty one, one NOT NULL already on
#: `id`, and a grandchild.
INH_KEYLESS = """
CREATE TABLE q (id int, v int);
CREATE TABLE qc1 (id int, v int); INSERT INTO qc1 SELECT g, g FROM generate_series(1, 100) g;
ALTER TABLE qc1 INHERIT q;
CREATE TABLE qc2 () INHERITS (q);
CREATE TABLE qc3 (id int NOT NULL, v int); ALTER TABLE qc3 INHERIT q;
CREATE TABLE qgc () INHERITS (qc1);
"""

#: Two levels of partitions, a row at the bottom.
SUBPARTED = """
CREATE TABLE sp (id int, r text) PARTITION BY LIST (r);
CREATE TABLE sp1 PARTITION OF sp FOR VALUES IN ('a') PARTITION BY RANGE (id);
CREATE TABLE sp11 PARTITION OF sp1 FOR VALUES FROM (0) TO (100);
INSERT INTO sp VALUES (1, 'a');
"""

#: A foreign table, of a server whose wrapper has no handler (no postgres_fdw needed). The
#: wrapper and server are the database's: made once, kept (IF NOT EXISTS).
FOREIGN = """
DO $$ BEGIN CREATE FOREIGN DATA WRAPPER lockwise_oracle_fdw;
EXCEPTION WHEN duplicate_object THEN NULL; END $$;
CREATE SERVER IF NOT EXISTS lockwise_oracle_server FOREIGN DATA WRAPPER lockwise_oracle_fdw;
CREATE FOREIGN TABLE ft (id int, note text) SERVER lockwise_oracle_server;
"""

#: Domain `base`, a domain over it, and its columns in a partitioned table (with partitions),
#: an inheritance tree, a materialized view and a view.
DOMAIN_USERS = """
CREATE DOMAIN base AS int; CREATE DOMAIN sub AS base CHECK (VALUE > -100);
CREATE TABLE parted (k int, d base) PARTITION BY LIST (k);
CREATE TABLE parted1 PARTITION OF parted FOR VALUES IN (1);
CREATE TABLE subs (id int, d sub); CREATE TABLE subs_child () INHERITS (subs);
INSERT INTO parted VALUES (1, 1); INSERT INTO subs VALUES (1, 1);
INSERT INTO subs_child VALUES (2, 2);
CREATE MATERIALIZED VIEW mv AS SELECT d FROM subs; CREATE VIEW plain_v AS SELECT d FROM parted;
"""


#: Schema app with a table with an index, one without, a partitioned table with a partition
#: and a matview (and a table of public, which REINDEX SCHEMA app leaves alone).
REINDEXED_SCHEMA = """
CREATE SCHEMA app; CREATE TABLE app.a (id int PRIMARY KEY); CREATE TABLE app.nix (id int);
CREATE TABLE app.p (id int PRIMARY KEY) PARTITION BY RANGE (id);
CREATE TABLE app.p1 PARTITION OF app.p FOR VALUES FROM (0) TO (10);
CREATE MATERIALIZED VIEW app.mv AS SELECT 1 AS x; CREATE UNIQUE INDEX ON app.mv (x);
CREATE TABLE x (id int PRIMARY KEY);
"""
#: Each stops REINDEX SCHEMA app (CONCURRENTLY or not) at another of its tables.
REINDEXED_SCHEMA_BLOCKERS = ("LOCK TABLE app.nix IN EXCLUSIVE MODE",
                             "LOCK TABLE app.p1 IN EXCLUSIVE MODE",
                             "REFRESH MATERIALIZED VIEW app.mv")


#: A table with a row, a log table and a source table: the rule cases add their rules to it.
RULED = """
CREATE TABLE t (id int, n int); CREATE TABLE log (id int); CREATE TABLE src (id int);
INSERT INTO t VALUES (1, 1); CREATE VIEW tv AS SELECT id, n FROM t;
"""

@dataclass(frozen=True, slots=True)
class Case:
    id: str
    setup: str
    sql: str
    #: SQL run on the session before the statement (e.g. SET TimeZone).
    session: str = ""
    #: Context fields for the model that mirror `session` (e.g. session_timezone_utc=True).
    context: dict = field(default_factory=dict)
    #: For statements refused in a transaction block: SQL that, held open in another session,
    #: makes the statement wait at its last lock so its locks can be read from pg_locks.
    blocker: str = ""
    #: More blockers, for a statement that works through partitions one transaction each
    #: (REINDEX, CLUSTER of a partitioned table): each stops it at another step, it is observed
    #: once per blocker, and what it holds at any of those steps is what it locks.
    more_blockers: tuple[str, ...] = ()
    #: Oldest server major the statement exists on.
    min_pg: int = 11
    #: Locks the server takes that no static model can know from the statement and the replayed
    #: schema (documented in docs/effect-model.md); asserted as observed, not predicted.
    unmodeled: dict = field(default_factory=dict)
    #: Tables the server reads in full for reasons no static model can know (same as above).
    unmodeled_scans: frozenset = frozenset()
    #: Tables the server rewrites for reasons the replayed catalog cannot know (same as above).
    unmodeled_rewrites: frozenset = frozenset()
    #: Whether sequential scans are compared. Off for queries whose scans the planner picks
    #: (a 20-row table is read sequentially whatever its indexes); on for everything whose
    #: scans PostgreSQL performs by definition (validation, rewrite, index build).
    compare_scans: bool = True
    #: Schemas besides public that the setup creates (observed under their own names).
    schemas: tuple[str, ...] = ()
    #: Whether locks on sequences are compared too (the cases about sequences ask for it;
    #: the model follows the nextval() a write's defaults call, and nextval() / setval() /
    #: currval() of a sequence named as a constant or by pg_get_serial_sequence()).
    sequences: bool = False
    #: (statement, holder): run after the setup and cancelled while it waits for `holder`,
    #: held open in another session: a DETACH ... CONCURRENTLY left pending, for FINALIZE.
    #: The model replays it with the setup, as the earlier migration that ran it.
    interrupted: tuple[str, str] = ()
    #: Whether the setup uses the oracle's tablespace `lockwise_oracle_ts` (skipped where the
    #: harness could not create it).
    tablespace: bool = False


CASES = [
    # --- CREATE ------------------------------------------------------------------------------
    Case("create-table", FK, "CREATE TABLE fresh (id int)"),
    Case("create-table-fk", FK,
         "CREATE TABLE grandchild (id int, child_id bigint REFERENCES child (id))"),
    Case("create-table-fk-table-constraint", FK,
         "CREATE TABLE gc (id int, child_id bigint, FOREIGN KEY (child_id) REFERENCES child)"),
    Case("create-table-partition-of", PARTITIONED,
         "CREATE TABLE events_2026 PARTITION OF events "
         "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"),
    Case("create-table-inherits", FK, "CREATE TABLE special_parent () INHERITS (parent)"),
    Case("create-table-like", T, "CREATE TABLE t_copy (LIKE t INCLUDING ALL)"),
    # LIKE never copies a foreign key: the referenced table is not locked.
    Case("create-table-like-fk-source", FK, "CREATE TABLE child_copy (LIKE child INCLUDING ALL)"),
    # Of a partitioned table: only the table itself is read, not its partitions.
    Case("create-table-like-partitioned", EVENTS_INDEXED,
         "CREATE TABLE events_copy (LIKE events INCLUDING ALL)"),
    Case("create-table-as", FK, "CREATE TABLE copy AS SELECT child.id, name FROM child "
         "JOIN parent ON parent.id = child.parent_id", compare_scans=False),
    Case("create-view", FK, "CREATE VIEW v AS SELECT * FROM child"),
    Case("create-or-replace-view", FK + "CREATE VIEW v AS SELECT id FROM child;",
         "CREATE OR REPLACE VIEW v AS SELECT id, n FROM child"),
    Case("create-materialized-view", FK, "CREATE MATERIALIZED VIEW mv AS SELECT * FROM child"),
    # WITH NO DATA: the query is analysed (its tables locked), never planned nor run: no
    # scan, no lock on a partition. With data, the partitions are what is read.
    Case("create-materialized-view-with-no-data", FK,
         "CREATE MATERIALIZED VIEW mv AS SELECT * FROM child WITH NO DATA"),
    # Of a partitioned table or an inheritance parent: the query reads every table under it.
    Case("create-table-as-partitioned", EVENTS, "CREATE TABLE copy AS SELECT * FROM events"),
    Case("create-materialized-view-inheritance-parent", INH,
         "CREATE MATERIALIZED VIEW mv AS SELECT * FROM base"),
    Case("create-table-as-only-inheritance-parent", INH,
         "CREATE TABLE copy AS SELECT * FROM ONLY base"),
    # SELECT ... INTO is run as CREATE TABLE ... AS: the same locks and reads, a new table.
    Case("select-into", FK, "SELECT child.id, name INTO copy FROM child "
         "JOIN parent ON parent.id = child.parent_id", compare_scans=False),
    Case("select-into-partitioned", EVENTS, "SELECT * INTO copy FROM events"),
    Case("select-into-only-inheritance-parent", INH, "SELECT * INTO copy FROM ONLY base"),
    Case("select-into-over-view", VIEWS, "SELECT * INTO copy FROM v"),
    # WITH NO DATA neither rewrites nor plans the query: nothing read, the named relations
    # locked alone (no partition, no table behind a view).
    Case("create-table-as-with-no-data", FK,
         "CREATE TABLE copy AS SELECT * FROM child WITH NO DATA"),
    Case("create-materialized-view-with-no-data-partitioned", EVENTS,
         "CREATE MATERIALIZED VIEW mv AS SELECT * FROM events WITH NO DATA"),
    Case("create-materialized-view-partitioned", EVENTS,
         "CREATE MATERIALIZED VIEW mv AS SELECT * FROM events"),
    Case("create-materialized-view-with-no-data-over-view", VIEWS,
         "CREATE MATERIALIZED VIEW mv AS SELECT * FROM v WITH NO DATA"),
    # IF NOT EXISTS of what exists: skipped with a NOTICE before any lock (no SHARE ROW
    # EXCLUSIVE on the referenced table, no scan of a table read by AS or MATERIALIZED VIEW).
    Case("create-table-if-not-exists-existing", FK,
         "CREATE TABLE IF NOT EXISTS child (id bigint, parent_id bigint REFERENCES parent)"),
    Case("create-table-if-not-exists-new", FK,
         "CREATE TABLE IF NOT EXISTS grandchild (id int, child_id bigint REFERENCES child)"),
    Case("create-table-as-if-not-exists-existing", FK,
         "CREATE TABLE IF NOT EXISTS child AS SELECT * FROM parent"),
    Case("create-matview-if-not-exists-existing", MATVIEW,
         "CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT id, n FROM t"),
    Case("create-schema-if-not-exists-existing", FK, "CREATE SCHEMA IF NOT EXISTS public"),
    Case("create-sequence-if-not-exists-existing", FK + "CREATE SEQUENCE s;",
         "CREATE SEQUENCE IF NOT EXISTS s", sequences=True),
    Case("create-index-if-not-exists-existing", T + "CREATE INDEX t_n ON t (n);",
         "CREATE INDEX IF NOT EXISTS t_n ON t (n)"),
    # On a partitioned table the partitions are locked before the name is looked up.
    Case("create-index-if-not-exists-existing-partitioned", EVENTS_INDEXED,
         "CREATE INDEX IF NOT EXISTS events_day ON events (day)"),
    Case("create-index", T, "CREATE INDEX t_n ON t (n)"),
    Case("create-unique-index", T, "CREATE UNIQUE INDEX t_v ON t (v)"),
    Case("create-partial-index", T, "CREATE INDEX t_n_big ON t (n) WHERE n > 10"),
    Case("create-expression-index", T, "CREATE INDEX t_lower_v ON t (lower(v))"),
    Case("create-index-concurrently", T, "CREATE INDEX CONCURRENTLY t_n ON t (n)",
         blocker="INSERT INTO t (id) VALUES (1000)"),
    Case("create-index-on-partitioned", PARTITIONED, "CREATE INDEX events_day ON events (day)"),
    # --- indexes -----------------------------------------------------------------------------
    Case("drop-index", T + "CREATE INDEX t_n ON t (n);", "DROP INDEX t_n"),
    Case("drop-index-concurrently", T + "CREATE INDEX t_n ON t (n);",
         "DROP INDEX CONCURRENTLY t_n", blocker="SELECT count(*) FROM t"),
    Case("reindex-table", T + "CREATE INDEX t_n ON t (n);", "REINDEX TABLE t"),
    # Without an index there is nothing to rebuild: the table is not read.
    Case("reindex-table-without-indexes", "CREATE TABLE lone (n int); INSERT INTO lone VALUES (1);",
         "REINDEX TABLE lone"),
    Case("reindex-matview-without-indexes", T + "CREATE MATERIALIZED VIEW mv AS SELECT n FROM t;",
         "REINDEX TABLE mv"),
    Case("reindex-matview", T + "CREATE MATERIALIZED VIEW mv AS SELECT n FROM t;"
         "CREATE INDEX mv_n ON mv (n);", "REINDEX TABLE mv"),
    Case("reindex-index", T + "CREATE INDEX t_n ON t (n);", "REINDEX INDEX t_n"),
    Case("reindex-index-concurrently", T + "CREATE INDEX t_n ON t (n);",
         "REINDEX INDEX CONCURRENTLY t_n", blocker="INSERT INTO t (id) VALUES (1000)"),
    Case("reindex-table-concurrently-false", T + "CREATE INDEX t_n ON t (n);",
         "REINDEX (CONCURRENTLY false) TABLE t"),
    Case("reindex-index-concurrently-1", T + "CREATE INDEX t_n ON t (n);",
         "REINDEX (CONCURRENTLY 1) INDEX t_n", blocker="INSERT INTO t (id) VALUES (1000)"),
    Case("alter-index-set-tablespace", T + "CREATE INDEX t_n ON t (n);",
         "ALTER INDEX t_n SET TABLESPACE pg_default"),
    Case("alter-index-set-fillfactor", T + "CREATE INDEX t_n ON t (n);",
         "ALTER INDEX t_n SET (fillfactor = 80)"),
    # OWNER TO of an index changes nothing (a warning: an index has its table's owner), but
    # holds the index ACCESS EXCLUSIVE, which stops every query planning with its table.
    Case("alter-index-owner-to", T + "CREATE INDEX t_n ON t (n);",
         "ALTER INDEX t_n OWNER TO lockwise_oracle_owner"),
    Case("comment-on-index", T + "CREATE INDEX t_n ON t (n);", "COMMENT ON INDEX t_n IS 'n'"),
    Case("alter-index-rename", T + "CREATE INDEX t_n ON t (n);",
         "ALTER INDEX t_n RENAME TO t_n_idx"),
    # ALTER TABLE renames an index too, but under ACCESS EXCLUSIVE on it (ALTER INDEX: SHARE
    # UPDATE EXCLUSIVE): every query planning with its table waits.
    Case("alter-table-rename-index", T + "CREATE INDEX t_n ON t (n);",
         "ALTER TABLE t_n RENAME TO t_n_idx"),
    # --- DROP / TRUNCATE ---------------------------------------------------------------------
    Case("drop-table-referencing", FK, "DROP TABLE child"),
    Case("drop-table-referenced-cascade", FK, "DROP TABLE parent CASCADE"),
    Case("drop-table-fk-both-ways", FK + """
         CREATE TABLE grandchild (id int, child_id bigint REFERENCES child (id));""",
         "DROP TABLE child CASCADE"),
    Case("drop-view", FK + "CREATE VIEW v AS SELECT * FROM child;", "DROP VIEW v"),
    Case("drop-materialized-view", MATVIEW, "DROP MATERIALIZED VIEW mv"),
    Case("rename-view", FK + "CREATE VIEW v AS SELECT * FROM child;",
         "ALTER VIEW v RENAME TO v2"),
    Case("truncate", T, "TRUNCATE t"),
    Case("truncate-referencing", FK, "TRUNCATE child"),
    Case("truncate-cascade", FK, "TRUNCATE parent CASCADE"),
    # CASCADE reaches a key to a partition of the table, a key to the partitioned table above
    # a partition truncated alone, and every partition of a partitioned referencing table;
    # not the inheritance children of a referencing table (they do not inherit its keys).
    Case("truncate-cascade-key-to-partition",
         TRUNC_PARTED + "CREATE TABLE r (a int REFERENCES k1);", "TRUNCATE k CASCADE"),
    Case("truncate-cascade-partition-key-to-parent",
         TRUNC_PARTED + "CREATE TABLE r (a int REFERENCES k);", "TRUNCATE k1 CASCADE"),
    Case("truncate-cascade-partitioned-referencing", TRUNC_PARTED + TRUNC_REFERENCING,
         "TRUNCATE k CASCADE"),
    Case("truncate-cascade-partition-of-partitioned-referencing", TRUNC_PARTED + TRUNC_REFERENCING,
         "TRUNCATE k2 CASCADE"),
    Case("truncate-cascade-key-to-inheritance-child",
         INH + "ALTER TABLE sub ADD PRIMARY KEY (id); CREATE TABLE r (a int REFERENCES sub);",
         "TRUNCATE base CASCADE"),
    Case("truncate-only-cascade-key-to-inheritance-child",
         INH + "ALTER TABLE sub ADD PRIMARY KEY (id); CREATE TABLE r (a int REFERENCES sub);",
         "TRUNCATE ONLY base CASCADE"),
    Case("truncate-cascade-referencing-inheritance-parent",
         FK + "CREATE TABLE child_sub () INHERITS (child);", "TRUNCATE parent CASCADE"),
    # --- ALTER TABLE ADD COLUMN --------------------------------------------------------------
    Case("add-column", T, "ALTER TABLE t ADD COLUMN c int"),
    Case("add-column-constant-default", T, "ALTER TABLE t ADD COLUMN c int DEFAULT 0"),
    Case("add-column-stable-default-now", T,
         "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT now()"),
    Case("add-column-volatile-gen-random-uuid", T,
         "ALTER TABLE t ADD COLUMN c uuid DEFAULT gen_random_uuid()"),
    Case("add-column-volatile-random", T, "ALTER TABLE t ADD COLUMN c float8 DEFAULT random()"),
    Case("add-column-volatile-clock-timestamp", T,
         "ALTER TABLE t ADD COLUMN c timestamptz DEFAULT clock_timestamp()"),
    Case("add-column-serial", T, "ALTER TABLE t ADD COLUMN c serial", sequences=True),
    Case("add-column-bigserial", T, "ALTER TABLE t ADD COLUMN c bigserial"),
    Case("add-column-identity", T,
         "ALTER TABLE t ADD COLUMN c bigint GENERATED ALWAYS AS IDENTITY", sequences=True),
    Case("add-column-generated-stored", T,
         "ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS (n * 2) STORED"),
    # The column is there already: skipped with a NOTICE, under the lock (temporal's
    # combined migration adds again what earlier ones added).
    Case("add-column-if-not-exists-there-already", T,
         "ALTER TABLE t ADD COLUMN IF NOT EXISTS n int GENERATED ALWAYS AS (id * 2) STORED"),
    # Skipped (IF NOT EXISTS of a column it has, IF EXISTS of one it lacks, SET NOT NULL of one
    # NOT NULL already on 18), a subcommand stops before it reaches the partitions or children.
    Case("add-column-if-not-exists-there-already-partitioned", EVENTS,
         "ALTER TABLE events ADD COLUMN IF NOT EXISTS kind text"),
    Case("add-column-if-not-exists-there-already-inheritance-parent", INH,
         "ALTER TABLE base ADD COLUMN IF NOT EXISTS n int"),
    Case("drop-column-if-exists-absent-partitioned", EVENTS,
         "ALTER TABLE events DROP COLUMN IF EXISTS nope"),
    Case("drop-column-if-exists-absent-inheritance-parent", INH,
         "ALTER TABLE base DROP COLUMN IF EXISTS nope"),
    Case("set-not-null-already-partitioned",
         EVENTS + "ALTER TABLE events ALTER COLUMN kind SET NOT NULL;",
         "ALTER TABLE events ALTER COLUMN kind SET NOT NULL", min_pg=18),
    Case("drop-not-null-nullable-partitioned", EVENTS,
         "ALTER TABLE events ALTER COLUMN kind DROP NOT NULL", min_pg=18),
    Case("drop-not-null-nullable-inheritance-parent", INH,
         "ALTER TABLE base ALTER COLUMN n DROP NOT NULL", min_pg=18),
    Case("drop-identity-if-exists-none-partitioned", EVENTS,
         "ALTER TABLE events ALTER COLUMN id DROP IDENTITY IF EXISTS"),
    # DROP CONSTRAINT IF EXISTS of a constraint the table lacks: its partitions are locked
    # all the same, its inheritance children not.
    Case("drop-constraint-if-exists-absent-inheritance-parent", INH,
         "ALTER TABLE base DROP CONSTRAINT IF EXISTS nope"),
    Case("drop-constraint-if-exists-absent-partitioned", EVENTS,
         "ALTER TABLE events DROP CONSTRAINT IF EXISTS nope"),
    # Dropped by the same statement first: added again, a rewrite for a stored generated one.
    Case("add-column-if-not-exists-dropped-first", T,
         "ALTER TABLE t DROP COLUMN n, ADD COLUMN IF NOT EXISTS n int GENERATED ALWAYS AS "
         "(id * 2) STORED"),
    Case("add-column-if-not-exists-new", T,
         "ALTER TABLE t ADD COLUMN IF NOT EXISTS c int GENERATED ALWAYS AS (n * 2) STORED"),
    Case("add-column-generated-virtual", T,
         "ALTER TABLE t ADD COLUMN c int GENERATED ALWAYS AS (n * 2) VIRTUAL", min_pg=18),
    Case("add-column-not-null-default", T, "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 1"),
    Case("add-column-null-default", T, "ALTER TABLE t ADD COLUMN c int DEFAULT NULL"),
    Case("add-column-references", FK,
         "ALTER TABLE child ADD COLUMN other_parent bigint REFERENCES parent (id)"),
    # Any DEFAULT clause, NULL too, makes PostgreSQL validate the key on every row
    # (parse_utilcmd.c skips the validation only when raw_default is unset); checked on 18.6
    # (supabase-auth's add_flow_state_to_relay_state).
    Case("add-column-references-default-null", FK,
         "ALTER TABLE child ADD COLUMN other_parent bigint REFERENCES parent (id) DEFAULT NULL"),
    Case("add-column-check", T, "ALTER TABLE t ADD COLUMN c int CHECK (c > 0)"),
    Case("add-column-check-default", T, "ALTER TABLE t ADD COLUMN c int DEFAULT 5 CHECK (c > 0)"),
    Case("add-column-unique", T, "ALTER TABLE t ADD COLUMN c int UNIQUE"),
    Case("add-column-primary-key", "CREATE TABLE k (x int); INSERT INTO k VALUES (1);",
         "ALTER TABLE k ADD COLUMN id bigserial PRIMARY KEY"),
    Case("add-column-not-null-no-default-empty", "CREATE TABLE k (x int);",
         "ALTER TABLE k ADD COLUMN c int NOT NULL"),
    # A domain with constraints makes ADD COLUMN evaluate (and store) it for every row.
    Case("add-column-domain-with-check",
         T + "CREATE DOMAIN posint AS int CHECK (VALUE > 0);",
         "ALTER TABLE t ADD COLUMN c posint"),
    Case("add-column-domain-constrained-later",
         T + "CREATE DOMAIN code AS text; ALTER DOMAIN code ADD CHECK (VALUE <> '');",
         "ALTER TABLE t ADD COLUMN c code"),
    Case("add-column-domain-without-constraints",
         T + "CREATE DOMAIN label AS text;", "ALTER TABLE t ADD COLUMN c label"),
    # Without a DEFAULT of its own the column takes its domain's: a volatile one is computed
    # for every row (the table is rewritten), a constant one fills NOT NULL with no check.
    Case("add-column-domain-volatile-default",
         T + "CREATE DOMAIN token AS uuid DEFAULT gen_random_uuid();",
         "ALTER TABLE t ADD COLUMN c token"),
    Case("add-column-domain-over-domain-volatile-default",
         T + "CREATE DOMAIN token AS uuid DEFAULT gen_random_uuid(); CREATE DOMAIN tok AS token;",
         "ALTER TABLE t ADD COLUMN c tok"),
    Case("add-column-domain-volatile-default-set-later",
         T + "CREATE DOMAIN roll AS float8; ALTER DOMAIN roll SET DEFAULT random();",
         "ALTER TABLE t ADD COLUMN c roll"),
    Case("add-column-domain-volatile-default-dropped",
         T + "CREATE DOMAIN roll AS float8 DEFAULT random(); ALTER DOMAIN roll DROP DEFAULT;",
         "ALTER TABLE t ADD COLUMN c roll"),
    Case("add-column-domain-volatile-default-overridden",
         T + "CREATE DOMAIN token AS uuid DEFAULT gen_random_uuid();",
         "ALTER TABLE t ADD COLUMN c token DEFAULT NULL"),
    Case("add-column-domain-volatile-default-array",
         T + "CREATE DOMAIN token AS uuid DEFAULT gen_random_uuid();",
         "ALTER TABLE t ADD COLUMN c token[]"),
    Case("add-column-not-null-domain-constant-default",
         T + "CREATE DOMAIN seven AS int DEFAULT 7;", "ALTER TABLE t ADD COLUMN c seven NOT NULL"),
    Case("add-column-not-null-domain-volatile-default",
         T + "CREATE DOMAIN token AS uuid DEFAULT gen_random_uuid();",
         "ALTER TABLE t ADD COLUMN c token NOT NULL"),
    Case("add-column-nextval-default", T + "CREATE SEQUENCE seq;",
         "ALTER TABLE t ADD COLUMN c bigint DEFAULT nextval('seq')"),
    # A default naming a sequence depends on it: ACCESS SHARE when stored; ROW EXCLUSIVE
    # when ADD COLUMN draws it for every existing row (a partition's too).
    Case("add-column-nextval-default-draws", T + "CREATE SEQUENCE seq;",
         "ALTER TABLE t ADD COLUMN c bigint DEFAULT nextval('seq')", sequences=True),
    Case("add-column-nextval-default-partitioned", PARTITIONED + "CREATE SEQUENCE seq;",
         "ALTER TABLE events ADD COLUMN c bigint DEFAULT nextval('seq')", sequences=True),
    Case("set-default-nextval", T + "CREATE SEQUENCE seq;",
         "ALTER TABLE t ALTER COLUMN n SET DEFAULT nextval('seq'::regclass)", sequences=True),
    Case("set-default-currval", T + "CREATE SEQUENCE seq;",
         "ALTER TABLE t ALTER COLUMN n SET DEFAULT currval('seq')", sequences=True),
    # A stored expression (default, CHECK, index, view, policy, trigger WHEN, rule, domain,
    # statistics, SQL-standard function body) depends on each relation a regclass constant
    # names: ACCESS SHARE on it while the expression is stored (PostgreSQL 18). The literal
    # of a function taking regclass is one too (`pg_relation_size('w')`). A query that
    # merely evaluates one (ALTER COLUMN TYPE's USING, CREATE TABLE AS, INSERT) takes none.
    *(Case(f"regclass-constant-{name}", T + "CREATE SEQUENCE seq; CREATE TABLE w (id int);"
           + TOUCH_TRIGGER.replace("t_touch", "x"), sql, sequences=True)
      for name, sql in [
          ("add-column-default", "ALTER TABLE t ADD COLUMN c regclass DEFAULT 'seq'::regclass"),
          ("folded-case", "ALTER TABLE t ADD COLUMN c regclass DEFAULT 'W'::regclass"),
          ("set-default", "ALTER TABLE t ALTER COLUMN n SET DEFAULT 'w'::regclass::oid::int"),
          ("function-argument", "ALTER TABLE t ALTER COLUMN n SET DEFAULT pg_relation_size('w')"),
          ("check", "ALTER TABLE t ADD CONSTRAINT ck CHECK (n::regclass <> 'w'::regclass)"),
          ("create-table", "CREATE TABLE u (c regclass DEFAULT 'w'::regclass, "
                           "d int CHECK (d::regclass <> CAST('seq' AS pg_catalog.regclass)))"),
          ("index-predicate", "CREATE INDEX ON t (id) WHERE n::regclass <> 'w'::regclass"),
          ("view", "CREATE VIEW v AS SELECT 'w'::regclass AS x"),
          ("matview", "CREATE MATERIALIZED VIEW mv AS SELECT CAST('w' AS regclass) AS x"),
          ("policy", "CREATE POLICY p ON t USING (n::regclass <> 'w'::regclass)"),
          ("trigger-when", "CREATE TRIGGER tw BEFORE UPDATE ON t FOR EACH ROW "
                           "WHEN (NEW.n::regclass = 'w'::regclass) EXECUTE FUNCTION touch()"),
          ("rule", "CREATE RULE r AS ON INSERT TO t WHERE NEW.n::regclass = 'w'::regclass "
                   "DO INSTEAD NOTHING"),
          ("domain", "CREATE DOMAIN dm AS int CHECK (VALUE::regclass <> 'w'::regclass)"),
          ("statistics", "CREATE STATISTICS st ON (n::regclass = 'w'::regclass), id FROM t"),
          ("function-body", "CREATE FUNCTION fx() RETURNS bigint LANGUAGE sql "
                            "BEGIN ATOMIC SELECT pg_relation_size('w'); END"),
          ("alter-type-using-not-stored",
           "ALTER TABLE t ALTER COLUMN n TYPE bigint USING n + ('w'::regclass)::oid::int"),
          ("create-table-as-not-stored", "CREATE TABLE c AS SELECT 'w'::regclass AS x"),
          ("insert-not-stored", "INSERT INTO w VALUES (('seq'::regclass)::oid::int)"),
          # A bare string as the default of a regclass column (or of a domain over it) is
          # stored as a regclass constant; an array's ('{w}') is not, nor is an INSERT's.
          ("bare-string-add-column", "ALTER TABLE t ADD COLUMN c regclass DEFAULT 'w'"),
          ("bare-string-create-table", "CREATE TABLE u (c pg_catalog.regclass DEFAULT 'seq', "
                                       "d regclass[] DEFAULT '{w}')"),
      ]),
    *(Case(f"regclass-constant-bare-string-{name}", T + "CREATE TABLE w (id int);" + setup, sql)
      for name, setup, sql in [
          ("domain", "CREATE DOMAIN rc AS regclass;", "CREATE TABLE u (c rc DEFAULT 'w')"),
          ("set-default", "ALTER TABLE t ADD COLUMN c regclass;",
           "ALTER TABLE t ALTER COLUMN c SET DEFAULT 'w'"),
          ("insert-not-stored", "CREATE TABLE u (c regclass);", "INSERT INTO u VALUES ('w')"),
          ("insert-default-not-locked", "CREATE TABLE u (id int, c regclass DEFAULT 'w');",
           "INSERT INTO u (id) VALUES (1)"),
      ]),
    # A stored expression copied or stored again depends on what its regclass constants
    # name as the original does: LIKE ... INCLUDING DEFAULTS / GENERATED / CONSTRAINTS /
    # INDEXES, a partition's or child's copies of its parent's defaults and CHECKs (not a NO
    # INHERIT one), and ALTER COLUMN TYPE, which stores the column's default, its CHECKs and
    # its indexes again.
    *(Case(f"regclass-copied-{name}", "CREATE TABLE w (id int);" + setup, sql)
      for name, setup, sql in [
          ("like-defaults", "CREATE TABLE k (id int, c regclass DEFAULT 'w'::regclass);",
           "CREATE TABLE z (LIKE k INCLUDING DEFAULTS)"),
          ("like-generated", "CREATE TABLE k (id int, c int GENERATED ALWAYS AS "
           "(id + ('w'::regclass)::oid::int) STORED);", "CREATE TABLE z (LIKE k INCLUDING ALL)"),
          ("like-constraints", "CREATE TABLE k (id int, c int CHECK "
           "(c::regclass <> 'w'::regclass));", "CREATE TABLE z (LIKE k INCLUDING CONSTRAINTS)"),
          ("like-indexes", "CREATE TABLE k (id int, c int); CREATE INDEX ki ON k "
           "((c::regclass = 'w'::regclass));", "CREATE TABLE z (LIKE k INCLUDING INDEXES)"),
          ("like-bare-string", "CREATE TABLE k (id int, c regclass DEFAULT 'w');",
           "CREATE TABLE z (LIKE k INCLUDING DEFAULTS)"),
          ("like-plain", "CREATE TABLE k (id int, c regclass DEFAULT 'w'::regclass CHECK "
           "(c <> 'w'::regclass));", "CREATE TABLE z (LIKE k)"),
          ("partition-of", "CREATE TABLE k (id int, c int CHECK (c::regclass <> 'w'::regclass),"
           " d regclass DEFAULT 'w'::regclass) PARTITION BY LIST (id);",
           "CREATE TABLE k1 PARTITION OF k FOR VALUES IN (1)"),
          ("inherits", "CREATE TABLE k (id int, d regclass DEFAULT 'w'::regclass);",
           "CREATE TABLE z () INHERITS (k)"),
          ("inherits-no-inherit-check", "CREATE TABLE k (id int, c int CHECK "
           "(c::regclass <> 'w'::regclass) NO INHERIT);", "CREATE TABLE z () INHERITS (k)"),
          ("type-change-default", "CREATE TABLE k (id int, n int DEFAULT "
           "('w'::regclass)::oid::int); INSERT INTO k VALUES (1);",
           "ALTER TABLE k ALTER COLUMN n TYPE bigint"),
          ("type-change-check", "CREATE TABLE k (id int, n int CHECK "
           "(n::regclass <> 'w'::regclass)); INSERT INTO k VALUES (1);",
           "ALTER TABLE k ALTER COLUMN n TYPE bigint"),
          ("type-change-index", "CREATE TABLE k (id int, n int); CREATE INDEX ki ON k "
           "((n::regclass = 'w'::regclass)); INSERT INTO k VALUES (1);",
           "ALTER TABLE k ALTER COLUMN n TYPE bigint"),
          ("type-change-other-column", "CREATE TABLE k (id int, n int CHECK "
           "(n::regclass <> 'w'::regclass)); INSERT INTO k VALUES (1);",
           "ALTER TABLE k ALTER COLUMN id TYPE bigint"),
      ]),
    # A rule of the table written rewrites the write: its actions run beside it (DO ALSO) or
    # instead of it (DO INSTEAD), each locking what it writes and reads, as does its WHERE;
    # a rule on another event, or one dropped, does not. (Their scans are the planner's.)
    *(Case(f"rule-{name}", RULED + rule, sql, compare_scans=False) for name, rule, sql in [
        ("also-insert-select", "CREATE RULE r AS ON INSERT TO t DO ALSO "
         "INSERT INTO log SELECT id FROM src WHERE src.id = NEW.id;", "INSERT INTO t VALUES (2)"),
        ("instead-insert", "CREATE RULE r AS ON INSERT TO t DO INSTEAD "
         "INSERT INTO log VALUES (NEW.id);", "INSERT INTO t VALUES (2)"),
        ("also-update", "CREATE RULE r AS ON UPDATE TO t DO ALSO "
         "UPDATE log SET id = NEW.id WHERE log.id = OLD.id;", "UPDATE t SET n = 3"),
        ("instead-delete", "CREATE RULE r AS ON DELETE TO t DO INSTEAD "
         "DELETE FROM log WHERE id = OLD.id;", "DELETE FROM t WHERE id = 1"),
        ("where-reads", "CREATE RULE r AS ON DELETE TO t WHERE EXISTS (SELECT 1 FROM src) "
         "DO INSTEAD NOTHING;", "DELETE FROM t WHERE id = 1"),
        ("two-actions", "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO log VALUES "
         "(NEW.id); DELETE FROM src WHERE id = NEW.id);", "INSERT INTO t VALUES (2)"),
        ("chained", "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO log VALUES (NEW.id);"
         "CREATE RULE l AS ON INSERT TO log DO ALSO DELETE FROM src;",
         "INSERT INTO t VALUES (2)"),
        ("on-view", "CREATE RULE r AS ON INSERT TO tv DO INSTEAD INSERT INTO log "
         "VALUES (NEW.id);", "INSERT INTO tv VALUES (2, 2)"),
        ("on-view-also", "CREATE RULE r AS ON INSERT TO tv DO ALSO INSERT INTO log "
         "VALUES (NEW.id);", "INSERT INTO tv VALUES (2, 2)"),
        ("other-event", "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO log VALUES "
         "(NEW.id);", "UPDATE t SET n = 3"),
        ("disabled", "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO log VALUES (NEW.id);"
         "ALTER TABLE t DISABLE RULE r;", "INSERT INTO t VALUES (2)"),
        ("enabled-again", "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO log VALUES "
         "(NEW.id); ALTER TABLE t DISABLE RULE r; ALTER TABLE t ENABLE ALWAYS RULE r;",
         "INSERT INTO t VALUES (2)"),
        ("action-table-renamed", "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO log "
         "VALUES (NEW.id); ALTER TABLE log RENAME TO log2;", "INSERT INTO t VALUES (2)"),
        ("table-renamed", "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO log VALUES "
         "(NEW.id); ALTER TABLE t RENAME TO t2; CREATE VIEW t AS SELECT 1 AS id;",
         "INSERT INTO t2 VALUES (2)"),
        ("action-table-dropped", "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO log "
         "VALUES (NEW.id); DROP TABLE log CASCADE;", "INSERT INTO t VALUES (2)"),
        ("drop-action-table-cascade", "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO "
         "log VALUES (NEW.id);", "DROP TABLE log CASCADE"),
        ("dropped", "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO log VALUES (NEW.id);"
         "DROP RULE r ON t;", "INSERT INTO t VALUES (2)"),
        ("renamed-then-replaced", "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO log "
         "VALUES (NEW.id); ALTER RULE r ON t RENAME TO r2; CREATE OR REPLACE RULE r2 AS "
         "ON INSERT TO t DO ALSO DELETE FROM src;", "INSERT INTO t VALUES (2)"),
    ]),
    # CREATE OR REPLACE VIEW of a view another view reads: the view ACCESS EXCLUSIVE, what
    # its new query reads ACCESS SHARE; the view over it is not touched.
    Case("replace-view-read-by-a-view", "CREATE TABLE t (id int, a int); CREATE TABLE u (id int);"
         "CREATE VIEW v AS SELECT id FROM t; CREATE VIEW w AS SELECT * FROM v;",
         "CREATE OR REPLACE VIEW v AS SELECT id, a FROM t"),
    Case("replace-view-read-by-a-view-new-source", "CREATE TABLE t (id int, a int); "
         "CREATE TABLE u (id int); CREATE VIEW v AS SELECT id FROM t; "
         "CREATE VIEW w AS SELECT * FROM v;", "CREATE OR REPLACE VIEW v AS SELECT id FROM u"),
    Case("rule-action-table-moved", RULED + "CREATE SCHEMA rule_arch; CREATE RULE r AS ON "
         "INSERT TO t DO ALSO INSERT INTO log VALUES (NEW.id); "
         "ALTER TABLE log SET SCHEMA rule_arch;", "INSERT INTO t VALUES (2)",
         schemas=("rule_arch",), compare_scans=False),
    Case("create-table-nextval-default", "CREATE SEQUENCE seq;",
         "CREATE TABLE z (id bigint DEFAULT nextval('seq'))", sequences=True),
    # A partition or an inheritance child stores its parent's defaults again: each depends on
    # the sequence it draws from (ACCESS SHARE), as LIKE ... INCLUDING DEFAULTS does.
    Case("create-partition-of-serial-parent", "CREATE TABLE k (id serial, d int) "
         "PARTITION BY LIST (d);", "CREATE TABLE k1 PARTITION OF k FOR VALUES IN (1)",
         sequences=True),
    Case("create-table-inherits-serial-parent", "CREATE SEQUENCE s; CREATE TABLE k (id serial, "
         "n int DEFAULT nextval('s'));", "CREATE TABLE z (extra int) INHERITS (k)",
         sequences=True),
    Case("create-partition-of-identity-parent", "CREATE TABLE k (id int GENERATED ALWAYS AS "
         "IDENTITY, d int) PARTITION BY LIST (d);",
         "CREATE TABLE k1 PARTITION OF k FOR VALUES IN (1)", sequences=True, min_pg=17),
    Case("create-table-like-including-defaults-nextval",
         "CREATE SEQUENCE seq; CREATE TABLE k (id bigint DEFAULT nextval('seq'));",
         "CREATE TABLE z (LIKE k INCLUDING DEFAULTS)", sequences=True),
    Case("add-column-nested-volatile-default", T,
         "ALTER TABLE t ADD COLUMN c bool DEFAULT (random() > 0.5)"),
    Case("add-column-immutable-user-function-default", T + """
         CREATE FUNCTION seven() RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT 7';""",
         "ALTER TABLE t ADD COLUMN c int DEFAULT seven()"),
    Case("add-column-volatile-user-function-default", T + """
         CREATE FUNCTION roll() RETURNS int LANGUAGE plpgsql AS 'BEGIN RETURN 4; END';""",
         "ALTER TABLE t ADD COLUMN c int DEFAULT roll()"),
    Case("add-column-array-default", T, "ALTER TABLE t ADD COLUMN tags text[] DEFAULT '{}'"),
    # --- DROP COLUMN / ALTER COLUMN TYPE -----------------------------------------------------
    Case("drop-column", T, "ALTER TABLE t DROP COLUMN note"),
    Case("type-int-to-bigint", T, "ALTER TABLE t ALTER COLUMN n TYPE bigint"),
    Case("type-varchar-grow", T, "ALTER TABLE t ALTER COLUMN v TYPE varchar(100)"),
    Case("type-varchar-shrink", T, "ALTER TABLE t ALTER COLUMN s TYPE varchar(10)"),
    Case("type-varchar-to-text", T, "ALTER TABLE t ALTER COLUMN v TYPE text"),
    Case("type-varchar-unbounded", T, "ALTER TABLE t ALTER COLUMN v TYPE varchar"),
    Case("type-text-to-varchar-n", T, "ALTER TABLE t ALTER COLUMN note TYPE varchar(10)"),
    Case("type-text-to-varchar", T, "ALTER TABLE t ALTER COLUMN note TYPE varchar"),
    # A binary-coercible cast to a length the value's own is not known against (varchar and
    # text to char(n), varbit and bit to bit(n) or varbit(n)) checks and pads every value;
    # char(n) to char without a length keeps them.
    Case("type-varchar-to-char-n", CHARS, "ALTER TABLE y ALTER COLUMN v TYPE char(10)"),
    Case("type-text-to-char-n", CHARS, "ALTER TABLE y ALTER COLUMN tx TYPE char(10)"),
    Case("type-varchar-to-bpchar", CHARS, "ALTER TABLE y ALTER COLUMN v TYPE bpchar"),
    Case("type-varbit-to-bit-n", CHARS, "ALTER TABLE y ALTER COLUMN vb TYPE bit(2)"),
    Case("type-bit-to-varbit-n", CHARS, "ALTER TABLE y ALTER COLUMN bt TYPE varbit(5)"),
    Case("type-bit-to-varbit", CHARS, "ALTER TABLE y ALTER COLUMN bt TYPE varbit"),
    Case("type-char-n-to-bpchar", CHARS, "ALTER TABLE y ALTER COLUMN c3 TYPE bpchar"),
    Case("type-char-n-grow", CHARS, "ALTER TABLE y ALTER COLUMN c3 TYPE char(5)"),
    Case("type-numeric-grow", T, "ALTER TABLE t ALTER COLUMN price TYPE numeric(12,2)"),
    Case("type-numeric-scale", T, "ALTER TABLE t ALTER COLUMN price TYPE numeric(12,4)"),
    Case("type-numeric-unbounded", T, "ALTER TABLE t ALTER COLUMN price TYPE numeric"),
    Case("type-timestamp-to-timestamptz", T, "ALTER TABLE t ALTER COLUMN ts TYPE timestamptz"),
    Case("type-timestamp-to-timestamptz-utc", T,
         "ALTER TABLE t ALTER COLUMN ts TYPE timestamptz", session="SET TimeZone = 'UTC'",
         context={"session_timezone_utc": True}),
    Case("type-using-plain-cast", T, "ALTER TABLE t ALTER COLUMN v TYPE text USING v::text"),
    Case("type-using-expression", T,
         "ALTER TABLE t ALTER COLUMN v TYPE text USING lower(v)"),
    Case("type-int-to-text-using", T, "ALTER TABLE t ALTER COLUMN n TYPE text USING n::text"),
    Case("type-timestamp-precision-grow", T + "ALTER TABLE t ALTER COLUMN ts TYPE timestamp(3);",
         "ALTER TABLE t ALTER COLUMN ts TYPE timestamp(6)"),
    Case("type-timestamp-precision-shrink", T, "ALTER TABLE t ALTER COLUMN ts TYPE timestamp(0)"),
    Case("type-int-to-bigint-using", T,
         "ALTER TABLE t ALTER COLUMN n TYPE bigint USING n::bigint"),
    Case("type-bigint-to-int", T, "ALTER TABLE t ALTER COLUMN id TYPE int"),
    Case("type-same", T, "ALTER TABLE t ALTER COLUMN n TYPE int"),
    Case("type-cidr-to-inet", "CREATE TABLE k (a cidr); INSERT INTO k VALUES ('10.0.0.0/8');",
         "ALTER TABLE k ALTER COLUMN a TYPE inet"),
    Case("type-text-to-jsonb", "CREATE TABLE k (doc text); INSERT INTO k VALUES ('{}');",
         "ALTER TABLE k ALTER COLUMN doc TYPE jsonb USING doc::jsonb"),
    Case("type-indexed-column", T + "CREATE INDEX t_v ON t (v);",
         "ALTER TABLE t ALTER COLUMN v TYPE varchar(200)"),
    # A type change that keeps the stored values still re-checks the CHECKs on the column and
    # rebuilds the indexes whose operator class or collation changes: each reads the table.
    Case("type-varchar-grow-with-check",
         T + "ALTER TABLE t ADD CONSTRAINT v_len CHECK (length(v) > 0);",
         "ALTER TABLE t ALTER COLUMN v TYPE varchar(100)"),
    Case("type-varchar-grow-with-not-valid-check",
         T + "ALTER TABLE t ADD CONSTRAINT v_len CHECK (length(v) > 0) NOT VALID;",
         "ALTER TABLE t ALTER COLUMN v TYPE varchar(100)"),
    Case("type-varchar-grow-with-check-on-another-column",
         T + "ALTER TABLE t ADD CONSTRAINT n_pos CHECK (n > 0);",
         "ALTER TABLE t ALTER COLUMN v TYPE varchar(100)"),
    Case("type-collation-indexed", T + "CREATE INDEX t_note ON t (note);",
         'ALTER TABLE t ALTER COLUMN note TYPE text COLLATE "C"'),
    Case("type-collation-not-indexed", T, 'ALTER TABLE t ALTER COLUMN note TYPE text COLLATE "C"'),
    Case("type-collation-same-indexed",
         T + 'ALTER TABLE t ALTER COLUMN note TYPE text COLLATE "C";'
             "CREATE INDEX t_note ON t (note);",
         'ALTER TABLE t ALTER COLUMN note TYPE text COLLATE "C"'),
    Case("type-timestamp-to-timestamptz-utc-indexed", T + "CREATE INDEX t_ts ON t (ts);",
         "ALTER TABLE t ALTER COLUMN ts TYPE timestamptz", session="SET TimeZone = 'UTC'",
         context={"session_timezone_utc": True}),
    Case("type-varchar-to-text-indexed", T + "CREATE INDEX t_v ON t (v);",
         "ALTER TABLE t ALTER COLUMN v TYPE text"),
    Case("type-varchar-to-text-unique", T + "ALTER TABLE t ADD CONSTRAINT t_v_key UNIQUE (v);",
         "ALTER TABLE t ALTER COLUMN v TYPE text"),
    # An index with an expression or a WHERE that depends on the column is never reused
    # (CheckIndexCompatible does not compare them): it is built again, reading the table,
    # whatever the new type; one that only reads another column is left alone.
    Case("type-varchar-grow-expression-indexed", T + "CREATE INDEX t_lv ON t (lower(v));",
         "ALTER TABLE t ALTER COLUMN v TYPE varchar(100)"),
    Case("type-numeric-grow-expression-indexed", T + "CREATE INDEX t_p2 ON t ((price * 2));",
         "ALTER TABLE t ALTER COLUMN price TYPE numeric(12,2)"),
    Case("type-varchar-same-expression-indexed", T + "CREATE INDEX t_lv ON t (lower(v));",
         "ALTER TABLE t ALTER COLUMN v TYPE varchar(50)"),
    Case("type-varchar-grow-partial-indexed", T + "CREATE INDEX t_v ON t (v) WHERE id > 0;",
         "ALTER TABLE t ALTER COLUMN v TYPE varchar(100)"),
    Case("type-varchar-grow-in-index-predicate", T + "CREATE INDEX t_id ON t (id) WHERE v <> '';",
         "ALTER TABLE t ALTER COLUMN v TYPE varchar(100)"),
    Case("type-varchar-grow-other-expression-indexed", T + "CREATE INDEX t_ls ON t (lower(s));",
         "ALTER TABLE t ALTER COLUMN v TYPE varchar(100)"),
    Case("type-varchar-to-text-expression-indexed", T + "CREATE INDEX t_lv ON t (lower(v));",
         "ALTER TABLE t ALTER COLUMN v TYPE text"),
    Case("type-cidr-to-inet-indexed",
         "CREATE TABLE k (a cidr); INSERT INTO k VALUES ('10.0.0.0/8'); CREATE INDEX k_a ON k (a);",
         "ALTER TABLE k ALTER COLUMN a TYPE inet"),
    # Domains: one without constraints is its base type; one with a CHECK is checked.
    Case("type-to-plain-domain", T + "CREATE DOMAIN plain_text AS text;",
         "ALTER TABLE t ALTER COLUMN note TYPE plain_text"),
    Case("type-from-plain-domain",
         T + "CREATE DOMAIN plain_text AS text; ALTER TABLE t ADD COLUMN pd plain_text;",
         "ALTER TABLE t ALTER COLUMN pd TYPE text"),
    Case("type-to-checked-domain", T + "CREATE DOMAIN nonempty AS text CHECK (VALUE <> '');",
         "ALTER TABLE t ALTER COLUMN note TYPE nonempty"),
    # A column of a domain has no typmod of its own (atttypmod -1): the server cannot tell the
    # domain's length or precision is no greater than the new type's, and rewrites.
    Case("type-from-length-domain-varchar-grow",
         T + "CREATE DOMAIN short_name AS varchar(20); ALTER TABLE t ADD COLUMN sn short_name;",
         "ALTER TABLE t ALTER COLUMN sn TYPE varchar(50)"),
    Case("type-from-precision-domain-numeric-grow",
         T + "CREATE DOMAIN cents AS numeric(10,2); ALTER TABLE t ADD COLUMN c cents;",
         "ALTER TABLE t ALTER COLUMN c TYPE numeric(12,2)"),
    Case("type-varchar-grow-to-length-domain",
         T + "CREATE DOMAIN long_name AS varchar(80);",
         "ALTER TABLE t ALTER COLUMN v TYPE long_name"),
    Case("type-from-checked-domain",
         T + "CREATE DOMAIN nonempty AS text CHECK (VALUE <> ''); "
             "ALTER TABLE t ADD COLUMN ne nonempty DEFAULT 'x';",
         "ALTER TABLE t ALTER COLUMN ne TYPE text"),
    # A domain whose constraints were all dropped is its base type again; one with one left
    # (a CHECK, or NOT NULL) is still checked.
    *(Case(f"type-to-domain-{case}", T + "CREATE DOMAIN nonempty AS text" + setup,
           "ALTER TABLE t ALTER COLUMN note TYPE nonempty") for case, setup in (
        ("check-dropped", " CHECK (VALUE <> ''); ALTER DOMAIN nonempty DROP CONSTRAINT "
                          "nonempty_check;"),
        ("checks-dropped", " CONSTRAINT a CHECK (VALUE <> '') CONSTRAINT b CHECK (VALUE <> 'x');"
                           "ALTER DOMAIN nonempty DROP CONSTRAINT a;"
                           "ALTER DOMAIN nonempty DROP CONSTRAINT IF EXISTS b;"),
        ("one-check-left", " CONSTRAINT a CHECK (VALUE <> '') CONSTRAINT b CHECK (VALUE <> 'x');"
                           "ALTER DOMAIN nonempty DROP CONSTRAINT a;"),
        ("not-null-left", " NOT NULL CHECK (VALUE <> '');"
                          "ALTER DOMAIN nonempty DROP CONSTRAINT nonempty_check;"),
        ("not-null-dropped", " NOT NULL; ALTER DOMAIN nonempty DROP NOT NULL;"),
        ("check-left-not-null-dropped", " NOT NULL CHECK (VALUE <> '');"
                                        "ALTER DOMAIN nonempty DROP NOT NULL;"),
        ("not-null-set-later", "; ALTER DOMAIN nonempty SET NOT NULL;"),
        ("check-dropped-then-added", " CHECK (VALUE <> ''); ALTER DOMAIN nonempty DROP "
                                     "CONSTRAINT nonempty_check; ALTER DOMAIN nonempty ADD "
                                     "CONSTRAINT c CHECK (VALUE <> 'x');"))),
    Case("add-column-domain-check-dropped",
         T + "CREATE DOMAIN posint AS int CHECK (VALUE > 0);"
             "ALTER DOMAIN posint DROP CONSTRAINT posint_check;",
         "ALTER TABLE t ADD COLUMN c posint"),
    Case("alter-domain-add-check-after-drop",
         T + "CREATE DOMAIN posint AS int CHECK (VALUE > 0); ALTER TABLE t ADD COLUMN c posint;"
             "ALTER DOMAIN posint DROP CONSTRAINT posint_check;",
         "ALTER DOMAIN posint ADD CONSTRAINT small CHECK (VALUE < 100)"),
    Case("type-to-plain-domain-converting", T + "CREATE DOMAIN plain_text AS text;",
         "ALTER TABLE t ALTER COLUMN n TYPE plain_text"),
    Case("type-to-varchar-domain", T + "CREATE DOMAIN short AS varchar(10);",
         "ALTER TABLE t ALTER COLUMN v TYPE short"),
    # Arrays: an element-by-element cast is never simplified to a relabel, even when the
    # scalar cast is binary coercible or widens a length.
    Case("set-vacuum-max-eager-freeze-failure-rate", T,
         "ALTER TABLE t SET (vacuum_max_eager_freeze_failure_rate = 0.1)", min_pg=18),
    Case("type-array-varchar-grow", ARRAYS, "ALTER TABLE k ALTER COLUMN v TYPE varchar(40)[]"),
    Case("type-array-varchar-to-text", ARRAYS, "ALTER TABLE k ALTER COLUMN v TYPE text[]"),
    Case("type-array-text-to-varchar", ARRAYS, "ALTER TABLE k ALTER COLUMN x TYPE varchar[]"),
    Case("type-array-numeric-grow", ARRAYS, "ALTER TABLE k ALTER COLUMN nn TYPE numeric(7,2)[]"),
    Case("type-array-drop-typmod", ARRAYS, "ALTER TABLE k ALTER COLUMN v TYPE varchar[]"),
    Case("type-array-same", ARRAYS, "ALTER TABLE k ALTER COLUMN x TYPE text[]"),
    # interval's typmod is a field mask and a precision (interval_support).
    Case("type-interval-to-precision", INTERVALS, "ALTER TABLE k ALTER COLUMN i TYPE interval(3)"),
    Case("type-interval-to-fields", INTERVALS,
         "ALTER TABLE k ALTER COLUMN i TYPE interval HOUR TO MINUTE"),
    Case("type-interval-precision-shrink", INTERVALS,
         "ALTER TABLE k ALTER COLUMN i6 TYPE interval(3)"),
    Case("type-interval-precision-grow", INTERVALS,
         "ALTER TABLE k ALTER COLUMN i3 TYPE interval(6)"),
    Case("type-interval-drop-typmod", INTERVALS, "ALTER TABLE k ALTER COLUMN i3 TYPE interval"),
    Case("type-interval-to-max-precision", INTERVALS,
         "ALTER TABLE k ALTER COLUMN i TYPE interval(6)"),
    Case("type-interval-seconds-precision-grow", INTERVALS,
         "ALTER TABLE k ALTER COLUMN ds TYPE interval DAY TO SECOND(5)"),
    Case("type-interval-to-second", INTERVALS, "ALTER TABLE k ALTER COLUMN i TYPE interval SECOND"),
    # Precision 6 is the maximum: the same as none (Rails 7 writes timestamp(6)).
    Case("type-timestamp-to-max-precision", T, "ALTER TABLE t ALTER COLUMN ts TYPE timestamp(6)"),
    Case("type-timestamptz-to-max-precision", INTERVALS,
         "ALTER TABLE k ALTER COLUMN tz TYPE timestamptz(6)"),
    Case("type-time-to-max-precision", INTERVALS, "ALTER TABLE k ALTER COLUMN tm TYPE time(6)"),
    Case("type-timestamp-precision-below-max", T,
         "ALTER TABLE t ALTER COLUMN ts TYPE timestamp(5)"),
    Case("type-timestamptz-to-timestamp-utc", INTERVALS,
         "ALTER TABLE k ALTER COLUMN tz TYPE timestamp", session="SET TimeZone = 'UTC'",
         context={"session_timezone_utc": True}),
    Case("type-timestamptz-to-timestamp", INTERVALS,
         "ALTER TABLE k ALTER COLUMN tz TYPE timestamp"),
    Case("type-timestamp-to-timestamptz-utc-precision", T,
         "ALTER TABLE t ALTER COLUMN ts TYPE timestamptz(3)", session="SET TimeZone = 'UTC'",
         context={"session_timezone_utc": True}),
    # A stored generated column's new expression is computed for every row (PG 17+); a
    # virtual one (PG 18) stores nothing.
    Case("set-expression-stored",
         T + "ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (n * 2) STORED;",
         "ALTER TABLE t ALTER COLUMN g SET EXPRESSION AS (n * 3)", min_pg=17),
    Case("set-expression-virtual",
         T + "ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (n * 2) VIRTUAL;",
         "ALTER TABLE t ALTER COLUMN g SET EXPRESSION AS (n * 3)", min_pg=18),
    # A virtual one under NOT NULL: the rows are checked against the new expression.
    Case("set-expression-virtual-not-null",
         T + "ALTER TABLE t ADD COLUMN g int NOT NULL GENERATED ALWAYS AS (n * 2) VIRTUAL;",
         "ALTER TABLE t ALTER COLUMN g SET EXPRESSION AS (n * 3)", min_pg=18),
    # A foreign key over the column, on either side, is dropped, re-created and validated
    # again, as by a type change: ACCESS EXCLUSIVE on, and a scan of, the other end too.
    Case("set-expression-stored-referencing", FK + """
         ALTER TABLE child ADD COLUMN twice bigint GENERATED ALWAYS AS (parent_id * 1) STORED
             REFERENCES parent (id);""",
         "ALTER TABLE child ALTER COLUMN twice SET EXPRESSION AS (parent_id)", min_pg=17),
    Case("set-expression-stored-referenced", FK + """
         ALTER TABLE parent ADD COLUMN code bigint GENERATED ALWAYS AS (id * 2) STORED UNIQUE;
         CREATE TABLE coded (code bigint REFERENCES parent (code));
         INSERT INTO coded VALUES (4);""",
         "ALTER TABLE parent ALTER COLUMN code SET EXPRESSION AS (id + id)", min_pg=17),
    # DROP EXPRESSION recurses to the children (ONLY is refused when there are some).
    Case("drop-expression-inheritance-parent", """
         CREATE TABLE gp (a int, g int GENERATED ALWAYS AS (a * 2) STORED);
         CREATE TABLE gc () INHERITS (gp);""",
         "ALTER TABLE gp ALTER COLUMN g DROP EXPRESSION", min_pg=13),
    Case("drop-expression-partitioned", """
         CREATE TABLE gp (a int, g int GENERATED ALWAYS AS (a * 2) STORED) PARTITION BY RANGE (a);
         CREATE TABLE gp1 PARTITION OF gp FOR VALUES FROM (0) TO (10);""",
         "ALTER TABLE gp ALTER COLUMN g DROP EXPRESSION", min_pg=13),
    # A virtual generated column stores nothing: its new type rewrites nothing. The CHECKs
    # on it are validated again (a scan).
    Case("type-change-virtual-generated",
         T + "ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (n * 2) VIRTUAL;",
         "ALTER TABLE t ALTER COLUMN g TYPE bigint", min_pg=18),
    Case("type-change-virtual-generated-to-text",
         T + "ALTER TABLE t ADD COLUMN g int NOT NULL GENERATED ALWAYS AS (n * 2) VIRTUAL;",
         "ALTER TABLE t ALTER COLUMN g TYPE text", min_pg=18),
    Case("type-change-virtual-generated-checked",
         T + "ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (n * 2) VIRTUAL CHECK (g > 0);",
         "ALTER TABLE t ALTER COLUMN g TYPE bigint", min_pg=18),
    # --- defaults and NOT NULL ---------------------------------------------------------------
    Case("set-default", T, "ALTER TABLE t ALTER COLUMN n SET DEFAULT 0"),
    Case("set-volatile-default", T, "ALTER TABLE t ALTER COLUMN n SET DEFAULT random() * 10"),
    Case("set-not-null-already", T, "ALTER TABLE t ALTER COLUMN id SET NOT NULL"),
    Case("drop-default", T + "ALTER TABLE t ALTER COLUMN n SET DEFAULT 0;",
         "ALTER TABLE t ALTER COLUMN n DROP DEFAULT"),
    Case("set-not-null", T, "ALTER TABLE t ALTER COLUMN n SET NOT NULL"),
    # PostgreSQL's proof (predtest): a conjunct of a top-level AND, or NOT (col IS NULL); a
    # strict function of the column is no proof.
    Case("set-not-null-proven-by-and-check",
         T + "ALTER TABLE t ADD CONSTRAINT ck CHECK (v IS NOT NULL AND length(v) > 0);",
         "ALTER TABLE t ALTER COLUMN v SET NOT NULL"),
    Case("set-not-null-proven-by-not-is-null",
         T + "ALTER TABLE t ADD CONSTRAINT ck CHECK (NOT (v IS NULL));",
         "ALTER TABLE t ALTER COLUMN v SET NOT NULL"),
    Case("set-not-null-strict-check-is-no-proof",
         T + "ALTER TABLE t ADD CONSTRAINT ck CHECK (length(v) > 0);",
         "ALTER TABLE t ALTER COLUMN v SET NOT NULL"),
    Case("set-not-null-or-check-is-no-proof",
         T + "ALTER TABLE t ADD CONSTRAINT ck CHECK (v IS NOT NULL OR n > 0);",
         "ALTER TABLE t ALTER COLUMN v SET NOT NULL"),
    Case("add-not-null-constraint", T, "ALTER TABLE t ADD CONSTRAINT t_n_nn NOT NULL n",
         min_pg=18),
    Case("add-not-null-constraint-proven-by-check",
         T + "ALTER TABLE t ADD CONSTRAINT ck CHECK (n IS NOT NULL);",
         "ALTER TABLE t ADD CONSTRAINT t_n_nn NOT NULL n", min_pg=18),
    Case("add-not-null-constraint-not-valid", T,
         "ALTER TABLE t ADD CONSTRAINT t_n_nn NOT NULL n NOT VALID", min_pg=18),
    Case("validate-not-null-constraint",
         T + "ALTER TABLE t ADD CONSTRAINT t_n_nn NOT NULL n NOT VALID;",
         "ALTER TABLE t VALIDATE CONSTRAINT t_n_nn", min_pg=18),
    # PostgreSQL 18's NOT NULL constraints, as the replay keeps them per column: SET NOT NULL
    # validates a NOT VALID one (reading the table); one valid already makes SET NOT NULL,
    # ADD NOT NULL and VALIDATE no-ops; dropping one by name makes SET NOT NULL read again.
    Case("set-not-null-validates-not-valid-not-null",
         T + "ALTER TABLE t ADD CONSTRAINT t_n_nn NOT NULL n NOT VALID;",
         "ALTER TABLE t ALTER COLUMN n SET NOT NULL", min_pg=18),
    Case("validate-not-null-valid-already",
         T + "ALTER TABLE t ADD CONSTRAINT t_n_nn NOT NULL n NOT VALID;"
             "ALTER TABLE t VALIDATE CONSTRAINT t_n_nn;",
         "ALTER TABLE t VALIDATE CONSTRAINT t_n_nn", min_pg=18),
    Case("validate-not-null-after-set-not-null",
         T + "ALTER TABLE t ADD CONSTRAINT t_n_nn NOT NULL n NOT VALID;"
             "ALTER TABLE t ALTER COLUMN n SET NOT NULL;",
         "ALTER TABLE t VALIDATE CONSTRAINT t_n_nn", min_pg=18),
    Case("add-not-null-on-not-null-column", T + "ALTER TABLE t ALTER COLUMN n SET NOT NULL;",
         "ALTER TABLE t ADD NOT NULL n", min_pg=18),
    Case("set-not-null-after-dropping-its-constraint",
         T + "ALTER TABLE t ALTER COLUMN n SET NOT NULL;"
             "ALTER TABLE t DROP CONSTRAINT t_n_not_null;",
         "ALTER TABLE t ALTER COLUMN n SET NOT NULL", min_pg=18),
    Case("set-not-null-after-dropping-named-constraint",
         T + "ALTER TABLE t ADD CONSTRAINT n_given NOT NULL n;"
             "ALTER TABLE t DROP CONSTRAINT n_given;",
         "ALTER TABLE t ALTER COLUMN n SET NOT NULL", min_pg=18),
    Case("add-not-null-no-inherit-reads-the-parent-alone", INHERIT_NULLS,
         "ALTER TABLE p ADD NOT NULL a NO INHERIT", min_pg=18),
    Case("validate-not-null-skips-child-valid-already",
         "CREATE TABLE p (a int); INSERT INTO p VALUES (1);"
         "ALTER TABLE p ADD CONSTRAINT p_nn NOT NULL a NOT VALID;"
         "CREATE TABLE c () INHERITS (p); INSERT INTO c VALUES (1);",
         "ALTER TABLE p VALIDATE CONSTRAINT p_nn", min_pg=18),
    Case("validate-not-null-reaches-child-not-valid", INHERIT_NULLS
         + "ALTER TABLE p ADD CONSTRAINT p_nn NOT NULL a NOT VALID;",
         "ALTER TABLE p VALIDATE CONSTRAINT p_nn", min_pg=18),
    Case("set-not-null-proven-by-check",
         T + "ALTER TABLE t ADD CONSTRAINT n_nn CHECK (n IS NOT NULL);",
         "ALTER TABLE t ALTER COLUMN n SET NOT NULL"),
    Case("set-not-null-check-not-validated",
         T + "ALTER TABLE t ADD CONSTRAINT n_nn CHECK (n IS NOT NULL) NOT VALID;",
         "ALTER TABLE t ALTER COLUMN n SET NOT NULL"),
    Case("set-not-null-check-validated-later",
         T + "ALTER TABLE t ADD CONSTRAINT n_nn CHECK (n IS NOT NULL) NOT VALID;"
             "ALTER TABLE t VALIDATE CONSTRAINT n_nn;",
         "ALTER TABLE t ALTER COLUMN n SET NOT NULL"),
    Case("drop-not-null", T + "ALTER TABLE t ALTER COLUMN n SET NOT NULL;",
         "ALTER TABLE t ALTER COLUMN n DROP NOT NULL"),
    # A DO block naming the table may have changed it in ways the replay does not follow:
    # what the catalog remembers of its columns and constraints is not relied on.
    Case("set-not-null-after-a-do-block", T + "ALTER TABLE t ALTER COLUMN n SET NOT NULL;"
         "DO $$ BEGIN ALTER TABLE t ALTER COLUMN n DROP NOT NULL; END $$;",
         "ALTER TABLE t ALTER COLUMN n SET NOT NULL"),
    Case("set-not-null-proven-by-check-after-a-do-block",
         T + "ALTER TABLE t ADD CONSTRAINT n_nn CHECK (n IS NOT NULL);"
             "DO $$ BEGIN ALTER TABLE t DROP CONSTRAINT n_nn; END $$;",
         "ALTER TABLE t ALTER COLUMN n SET NOT NULL"),
    Case("type-widen-after-a-do-block", T +
         "DO $$ BEGIN ALTER TABLE t ALTER COLUMN v TYPE int USING length(v); END $$;",
         "ALTER TABLE t ALTER COLUMN v TYPE varchar(100)"),
    Case("type-widen-after-a-do-block-with-execute", T +
         "DO $$ BEGIN EXECUTE 'ALTER TABLE t ALTER COLUMN v TYPE int USING length(v)'; END $$;",
         "ALTER TABLE t ALTER COLUMN v TYPE varchar(100)"),
    # A DO block that only reads and writes rows changes no column: t's are still known.
    Case("type-widen-after-a-data-only-do-block", T +
         "DO $$ BEGIN UPDATE t SET note = 'executed' WHERE id = 1; END $$;",
         "ALTER TABLE t ALTER COLUMN v TYPE varchar(100)"),
    # A DO block on another table leaves what is known of t alone.
    Case("set-not-null-already-do-block-elsewhere", T + "CREATE TABLE other (id int);"
         "DO $$ BEGIN ALTER TABLE other ADD COLUMN x int; END $$;",
         "ALTER TABLE t ALTER COLUMN id SET NOT NULL"),
    # --- constraints -------------------------------------------------------------------------
    Case("add-check", T, "ALTER TABLE t ADD CONSTRAINT n_pos CHECK (n > 0)"),
    Case("add-check-not-valid", T, "ALTER TABLE t ADD CONSTRAINT n_pos CHECK (n > 0) NOT VALID"),
    Case("add-foreign-key", FK + "CREATE TABLE other (id bigint, parent_id bigint);"
         "INSERT INTO other VALUES (1, 1);",
         "ALTER TABLE other ADD CONSTRAINT other_parent FOREIGN KEY (parent_id) "
         "REFERENCES parent (id)"),
    Case("add-foreign-key-not-valid", FK + "CREATE TABLE other (id bigint, parent_id bigint);",
         "ALTER TABLE other ADD CONSTRAINT other_parent FOREIGN KEY (parent_id) "
         "REFERENCES parent (id) NOT VALID"),
    Case("add-unique", T, "ALTER TABLE t ADD CONSTRAINT t_v_key UNIQUE (v)"),
    Case("add-primary-key", "CREATE TABLE k (id int NOT NULL, x int);"
         "INSERT INTO k VALUES (1, 1);", "ALTER TABLE k ADD PRIMARY KEY (id)"),
    Case("add-primary-key-nullable", "CREATE TABLE k (id int, x int);"
         "INSERT INTO k VALUES (1, 1);", "ALTER TABLE k ADD PRIMARY KEY (id)"),
    Case("add-unique-using-index", T + "CREATE UNIQUE INDEX t_v_uniq ON t (v);",
         "ALTER TABLE t ADD CONSTRAINT t_v_uniq UNIQUE USING INDEX t_v_uniq"),
    Case("add-primary-key-using-index", "CREATE TABLE k (id int NOT NULL, x int);"
         "CREATE UNIQUE INDEX k_id ON k (id);",
         "ALTER TABLE k ADD CONSTRAINT k_pkey PRIMARY KEY USING INDEX k_id"),
    Case("add-primary-key-using-index-nullable", "CREATE TABLE k (id int, x int);"
         "INSERT INTO k VALUES (1, 1); CREATE UNIQUE INDEX k_id ON k (id);",
         "ALTER TABLE k ADD CONSTRAINT k_pkey PRIMARY KEY USING INDEX k_id"),
    # The NOT NULL the key needs is proven by a validated CHECK (col IS NOT NULL): no scan,
    # as SET NOT NULL; a NOT VALID one proves nothing, nor one that covers part of the key.
    Case("add-primary-key-using-index-proven-by-check", "CREATE TABLE k (id int, x int);"
         "INSERT INTO k VALUES (1, 1); CREATE UNIQUE INDEX k_id ON k (id);"
         "ALTER TABLE k ADD CONSTRAINT k_id_nn CHECK (id IS NOT NULL);",
         "ALTER TABLE k ADD CONSTRAINT k_pkey PRIMARY KEY USING INDEX k_id"),
    Case("add-primary-key-using-index-not-valid-check", "CREATE TABLE k (id int, x int);"
         "INSERT INTO k VALUES (1, 1); CREATE UNIQUE INDEX k_id ON k (id);"
         "ALTER TABLE k ADD CONSTRAINT k_id_nn CHECK (id IS NOT NULL) NOT VALID;",
         "ALTER TABLE k ADD CONSTRAINT k_pkey PRIMARY KEY USING INDEX k_id"),
    Case("add-primary-key-using-index-check-on-part-of-key", "CREATE TABLE k (id int, x int);"
         "INSERT INTO k VALUES (1, 1); CREATE UNIQUE INDEX k_id_x ON k (id, x);"
         "ALTER TABLE k ADD CONSTRAINT k_id_nn CHECK (id IS NOT NULL);",
         "ALTER TABLE k ADD CONSTRAINT k_pkey PRIMARY KEY USING INDEX k_id_x"),
    Case("add-exclude", T, "ALTER TABLE t ADD CONSTRAINT t_r_excl EXCLUDE USING gist (r WITH &&)"),
    Case("validate-check", T + "ALTER TABLE t ADD CONSTRAINT n_pos CHECK (n > 0) NOT VALID;",
         "ALTER TABLE t VALIDATE CONSTRAINT n_pos"),
    Case("validate-foreign-key",
         FK + "CREATE TABLE other (id bigint, parent_id bigint);"
              "INSERT INTO other VALUES (1, 1);"
              "ALTER TABLE other ADD CONSTRAINT other_parent FOREIGN KEY (parent_id) "
              "REFERENCES parent (id) NOT VALID;",
         "ALTER TABLE other VALIDATE CONSTRAINT other_parent"),
    Case("type-change-referenced-key", FK, "ALTER TABLE parent ALTER COLUMN id TYPE int"),
    Case("type-change-foreign-key-column", FK,
         "ALTER TABLE child ALTER COLUMN parent_id TYPE int"),
    Case("alter-constraint-deferrable", FK,
         "ALTER TABLE child ALTER CONSTRAINT child_parent_id_fkey DEFERRABLE"),
    Case("disable-trigger-all", FK, "ALTER TABLE child DISABLE TRIGGER ALL"),
    # PG 18: enforcing a foreign key validates it, which locks and reads the referenced
    # table; no longer enforcing it drops its triggers there.
    Case("alter-constraint-enforced", FK + """
         CREATE TABLE other (id bigint, parent_id bigint); INSERT INTO other VALUES (1, 1);
         ALTER TABLE other ADD CONSTRAINT op FOREIGN KEY (parent_id) REFERENCES parent (id)
             NOT ENFORCED;""",
         "ALTER TABLE other ALTER CONSTRAINT op ENFORCED", min_pg=18),
    Case("alter-constraint-not-enforced", FK,
         "ALTER TABLE child ALTER CONSTRAINT child_parent_id_fkey NOT ENFORCED", min_pg=18),
    Case("alter-constraint-enforced-already", FK,
         "ALTER TABLE child ALTER CONSTRAINT child_parent_id_fkey ENFORCED", min_pg=18),
    # VALIDATE of a constraint valid already does nothing: no read, no lock on the referenced
    # table, no child reached; a NO INHERIT CHECK reaches no child; a child whose CHECK of
    # that name is its own and valid is locked, not read.
    Case("validate-foreign-key-already-valid", FK,
         "ALTER TABLE child VALIDATE CONSTRAINT child_parent_id_fkey"),
    Case("validate-check-already-valid-inheritance-parent",
         INH + "ALTER TABLE base ADD CONSTRAINT n_pos CHECK (n > 0);",
         "ALTER TABLE base VALIDATE CONSTRAINT n_pos"),
    Case("validate-no-inherit-check-inheritance-parent",
         INH + "ALTER TABLE base ADD CONSTRAINT n_pos CHECK (n > 0) NO INHERIT NOT VALID;",
         "ALTER TABLE base VALIDATE CONSTRAINT n_pos"),
    Case("validate-check-child-valid-already",
         INH + "ALTER TABLE sub ADD CONSTRAINT n_pos CHECK (n > 0);"
               "ALTER TABLE base ADD CONSTRAINT n_pos CHECK (n > 0) NOT VALID;",
         "ALTER TABLE base VALIDATE CONSTRAINT n_pos"),
    Case("validate-foreign-key-to-partitioned",
         PK + "CREATE TABLE ref2 (pid int); INSERT INTO ref2 VALUES (1), (150);"
              "ALTER TABLE ref2 ADD CONSTRAINT r2 FOREIGN KEY (pid) REFERENCES pk NOT VALID;",
         "ALTER TABLE ref2 VALIDATE CONSTRAINT r2"),
    Case("validate-check-inheritance-parent",
         INH + "ALTER TABLE base ADD CONSTRAINT n_pos CHECK (n > 0) NOT VALID;",
         "ALTER TABLE base VALIDATE CONSTRAINT n_pos"),
    # ALTER CONSTRAINT of a partitioned table's foreign key alters each partition's clone:
    # every partition ACCESS EXCLUSIVE (not the referenced table), every leaf read when it
    # becomes ENFORCED, the referenced partitions locked when it stops being enforced.
    Case("alter-constraint-deferrable-partitioned", PARTITIONED_FK,
         "ALTER TABLE child ALTER CONSTRAINT fk DEFERRABLE"),
    Case("alter-constraint-not-enforced-partitioned", PARTITIONED_FK,
         "ALTER TABLE child ALTER CONSTRAINT fk NOT ENFORCED", min_pg=18),
    Case("alter-constraint-enforced-partitioned",
         PARTITIONED_FK + "ALTER TABLE child ALTER CONSTRAINT fk NOT ENFORCED;",
         "ALTER TABLE child ALTER CONSTRAINT fk ENFORCED", min_pg=18),
    # PG 18: a NOT NULL constraint made NO INHERIT leaves the direct children their copy; made
    # INHERIT, it is added to (and checked on) every descendant.
    Case("alter-not-null-no-inherit", INH_DEEP + "ALTER TABLE b ADD CONSTRAINT nn NOT NULL n;",
         "ALTER TABLE b ALTER CONSTRAINT nn NO INHERIT", min_pg=18),
    Case("alter-not-null-inherit",
         INH_DEEP + "ALTER TABLE b ADD CONSTRAINT nn NOT NULL n NO INHERIT;",
         "ALTER TABLE b ALTER CONSTRAINT nn INHERIT", min_pg=18),
    # A child whose column is NOT NULL already (its own constraint, a NOT VALID one, or one
    # it inherits) is locked but not read, and the recursion stops there: its children are
    # not even locked. The parent itself is not read.
    Case("alter-not-null-inherit-child-not-null-already",
         "CREATE TABLE b (n int); INSERT INTO b VALUES (1);"
         "CREATE TABLE s () INHERITS (b); INSERT INTO s VALUES (1);"
         "CREATE TABLE s2 (n int NOT NULL); ALTER TABLE s2 INHERIT b;"
         "CREATE TABLE gs2 () INHERITS (s2); INSERT INTO s2 VALUES (1); INSERT INTO gs2 VALUES (1);"
         "CREATE TABLE s3 (n int); ALTER TABLE s3 ADD CONSTRAINT s3nn NOT NULL n NOT VALID;"
         "ALTER TABLE s3 INHERIT b; CREATE TABLE gs3 () INHERITS (s3); INSERT INTO gs3 VALUES (1);"
         "ALTER TABLE b ADD CONSTRAINT nn NOT NULL n NO INHERIT;",
         "ALTER TABLE b ALTER CONSTRAINT nn INHERIT", min_pg=18),
    Case("drop-check", T + "ALTER TABLE t ADD CONSTRAINT n_pos CHECK (n > 0);",
         "ALTER TABLE t DROP CONSTRAINT n_pos"),
    Case("drop-foreign-key", FK, "ALTER TABLE child DROP CONSTRAINT child_parent_id_fkey"),
    # CASCADE reaches the objects that depend on what is dropped, on other tables too.
    Case("drop-primary-key-cascade", FK, "ALTER TABLE parent DROP CONSTRAINT parent_pkey CASCADE"),
    # A unique index that is no constraint's, used by a foreign key: DROP INDEX ... CASCADE
    # drops the key with it, on the referencing table; a plain index beside it, nothing else.
    Case("drop-unique-index-cascade-drops-foreign-key",
         FK + "CREATE UNIQUE INDEX parent_name ON parent (name);"
              "ALTER TABLE child ADD COLUMN pname text REFERENCES parent (name);",
         "DROP INDEX parent_name CASCADE"),
    Case("drop-plain-index-cascade-beside-a-foreign-key",
         FK + "CREATE UNIQUE INDEX parent_name ON parent (name);"
              "CREATE INDEX parent_name_plain ON parent (name);"
              "ALTER TABLE child ADD COLUMN pname text REFERENCES parent (name);",
         "DROP INDEX parent_name_plain CASCADE"),
    Case("drop-column-cascade-view", T + "CREATE VIEW tv AS SELECT id, n FROM t;"
         "CREATE VIEW tv2 AS SELECT * FROM tv; CREATE VIEW tn AS SELECT id FROM t;",
         "ALTER TABLE t DROP COLUMN n CASCADE"),
    Case("drop-type-cascade", "CREATE TYPE mood AS ENUM ('sad', 'ok');"
         "CREATE TABLE people (id int, m mood); CREATE TABLE calm (id int);"
         "INSERT INTO people VALUES (1, 'ok');", "DROP TYPE mood CASCADE"),
    Case("drop-sequence-cascade", T + "CREATE SEQUENCE s;"
         "ALTER TABLE t ADD COLUMN c bigint DEFAULT nextval('s');", "DROP SEQUENCE s CASCADE",
         sequences=True),
    Case("drop-serial-sequence-cascade", T + "ALTER TABLE t ADD COLUMN c serial;",
         "DROP SEQUENCE t_c_seq CASCADE", sequences=True),
    Case("drop-domain-cascade", T + "CREATE DOMAIN dd AS int; ALTER TABLE t ADD COLUMN c dd;"
         "CREATE TABLE k (id int, d dd);", "DROP DOMAIN dd CASCADE"),
    # The domains over it (an array of it too) and their columns go with it, and the
    # generated columns reading any of those: each table ACCESS EXCLUSIVE.
    Case("drop-domain-cascade-reaches-subdomains", T + "CREATE DOMAIN dd AS int;"
         "CREATE DOMAIN sub AS dd; CREATE DOMAIN subs AS dd[];"
         "CREATE TABLE k (id int, d sub); CREATE TABLE ka (id int, d subs);"
         "CREATE TABLE g (id int, d dd[], x int GENERATED ALWAYS AS (id) STORED);"
         "CREATE TABLE calm (id int);", "DROP DOMAIN dd CASCADE"),
    Case("drop-type-cascade-reaches-domain-over-its-array",
         "CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE DOMAIN moods AS mood[];"
         "CREATE TABLE people (id int, m moods); CREATE TABLE calm (id int);",
         "DROP TYPE mood CASCADE"),
    # A type used only in a cast goes with what casts to it: a CHECK, a default,
    # a view (each ACCESS EXCLUSIVE on its table, the view on itself); a cast to a domain
    # over it too.
    Case("drop-type-cascade-drops-what-casts-to-it",
         "CREATE TYPE mood AS ENUM ('sad', 'ok'); CREATE DOMAIN sure AS mood;"
         "CREATE TABLE t (id int, s text CHECK (s::mood <> 'sad'), d text DEFAULT 'ok'::mood);"
         "CREATE TABLE u (id int, s text CONSTRAINT u_s CHECK (s::sure IS NOT NULL));"
         "CREATE TABLE w (id int); CREATE VIEW wv AS SELECT id, 'ok'::mood AS m FROM w;"
         "CREATE TABLE calm (id int, s text CHECK (s <> 'sad'));", "DROP TYPE mood CASCADE"),
    Case("drop-domain-cascade-drops-what-casts-to-it",
         "CREATE DOMAIN pos AS int CHECK (VALUE > 0);"
         "CREATE TABLE t (id int, n int CHECK (n::pos > 0), m int DEFAULT 1::pos);"
         "CREATE TABLE calm (id int);", "DROP DOMAIN pos CASCADE"),
    Case("drop-column-cascade-drops-generated-reader-and-its-view",
         "CREATE TABLE t (id int, a int, g int GENERATED ALWAYS AS (a * 2) STORED);"
         "CREATE VIEW vg AS SELECT id, g FROM t; CREATE VIEW va AS SELECT id FROM t;"
         "INSERT INTO t (id, a) VALUES (1, 1);", "ALTER TABLE t DROP COLUMN a CASCADE",
         min_pg=12),
    Case("drop-column-cascade-drops-virtual-reader-on-every-partition",
         "CREATE TABLE p (id int, a int, g int GENERATED ALWAYS AS (a * 2) VIRTUAL)"
         " PARTITION BY LIST (id); CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1);"
         "CREATE VIEW vg AS SELECT g FROM p1;", "ALTER TABLE p DROP COLUMN a CASCADE",
         min_pg=18),
    Case("drop-rule", T + "CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING;",
         "DROP RULE r ON t"),
    # A key dropped with CASCADE (or its column) took the foreign keys using it along: the
    # replay forgets them, so a later TRUNCATE ... CASCADE does not reach the table that had
    # one.
    Case("truncate-cascade-after-the-key-dropped-cascade",
         FK + "ALTER TABLE parent DROP CONSTRAINT parent_pkey CASCADE;",
         "TRUNCATE parent CASCADE"),
    Case("truncate-cascade-after-the-key-column-dropped-cascade",
         FK + "ALTER TABLE parent DROP COLUMN id CASCADE;", "TRUNCATE parent CASCADE"),
    # Not those on another unique constraint of the table.
    Case("truncate-cascade-after-another-key-dropped-cascade",
         FK + "ALTER TABLE parent ADD UNIQUE (name); CREATE TABLE other (pn text REFERENCES "
         "parent (name)); ALTER TABLE parent DROP CONSTRAINT parent_pkey CASCADE;",
         "TRUNCATE parent CASCADE"),
    Case("drop-statistics", T + "CREATE STATISTICS t_stats ON n, v FROM t;",
         "DROP STATISTICS t_stats"),
    # The replay follows the statistics object (renamed, moved) and its table (renamed): the
    # table is still locked.
    Case("drop-statistics-renamed", T + "CREATE STATISTICS t_stats ON n, v FROM t;"
         "ALTER STATISTICS t_stats RENAME TO t_st; CREATE SCHEMA app;"
         "ALTER STATISTICS t_st SET SCHEMA app; ALTER TABLE t RENAME TO t2;",
         "DROP STATISTICS app.t_st", schemas=("app",)),
    # One on a column dropped since (in an expression too) went with it: nothing is locked.
    Case("drop-statistics-gone-with-its-column",
         "CREATE TABLE u (a int, b int, c int); CREATE STATISTICS s ON a, b FROM u;"
         "CREATE STATISTICS s2 ON a, (c + 1) FROM u; ALTER TABLE u DROP COLUMN b, DROP COLUMN c;",
         "DROP STATISTICS IF EXISTS s, s2"),
    # --- renames -----------------------------------------------------------------------------
    Case("rename-table", T, "ALTER TABLE t RENAME TO t2"),
    Case("rename-column", T, "ALTER TABLE t RENAME COLUMN n TO m"),
    Case("rename-constraint", T + "ALTER TABLE t ADD CONSTRAINT n_pos CHECK (n > 0);",
         "ALTER TABLE t RENAME CONSTRAINT n_pos TO n_positive"),
    # --- partitions --------------------------------------------------------------------------
    Case("attach-partition", PARTITIONED,
         "ALTER TABLE events ATTACH PARTITION events_2025 "
         "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"),
    # ATTACH gives the table a part of each index of the parent: one it lacks is built,
    # reading it under ACCESS EXCLUSIVE even when a CHECK spares the bound's read; one of the
    # same definition is taken over, for a key only a constraint of the same kind (a UNIQUE
    # does not stand for a PRIMARY KEY, nor a bare unique index for either). A partitioned
    # table attached: each leaf lacking one is read, one that has them all is not.
    Case("attach-partition-builds-missing-indexes", EVENTS_KEYED, ATTACH_2025),
    Case("attach-partition-adopts-indexes", EVENTS_KEYED
         + "ALTER TABLE events_2025 ADD PRIMARY KEY (id, day);"
           "CREATE INDEX ON events_2025 (kind);", ATTACH_2025),
    Case("attach-partition-unique-for-primary-key", EVENTS_KEYED
         + "ALTER TABLE events_2025 ADD UNIQUE (id, day); CREATE INDEX ON events_2025 (kind);",
         ATTACH_2025),
    Case("attach-partitioned-partition-builds-leaf-indexes", EVENTS_KEYED
         + "CREATE TABLE events_2026 (id bigint NOT NULL, day date NOT NULL, kind text)"
           " PARTITION BY RANGE (day);"
           "CREATE TABLE events_2026_a PARTITION OF events_2026"
           " FOR VALUES FROM ('2026-01-01') TO ('2026-07-01');"
           "CREATE TABLE events_2026_b PARTITION OF events_2026"
           " FOR VALUES FROM ('2026-07-01') TO ('2027-01-01');"
           "ALTER TABLE events_2026 ADD CHECK (day >= '2026-01-01' AND day < '2027-01-01');"
           "ALTER TABLE events_2026_b ADD PRIMARY KEY (id, day);"
           "CREATE INDEX ON events_2026_b (kind);"
           "INSERT INTO events_2026 VALUES (3, '2026-02-01', 'a'), (4, '2026-08-01', 'b');",
         "ALTER TABLE events ATTACH PARTITION events_2026 "
         "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"),
    # A new key of the parent does not take over a partition's clone of another key over the
    # same columns (it is attached already): each partition's index is built.
    Case("add-unique-partitioned-over-cloned-key", EVENTS_KEYED,
         "ALTER TABLE events ADD CONSTRAINT events_id_day UNIQUE (id, day)"),
    Case("add-column-partitioned", PARTITIONED, "ALTER TABLE events ADD COLUMN note text"),
    Case("add-column-partitioned-volatile", PARTITIONED,
         "ALTER TABLE events ADD COLUMN u uuid DEFAULT gen_random_uuid()"),
    Case("set-not-null-partitioned", PARTITIONED,
         "ALTER TABLE events ALTER COLUMN id SET NOT NULL"),
    Case("rename-column-partitioned", PARTITIONED, "ALTER TABLE events RENAME COLUMN id TO ident"),
    Case("add-foreign-key-partitioned", PARTITIONED + FK,
         "ALTER TABLE events ADD FOREIGN KEY (id) REFERENCES parent (id)"),
    # A new partition's range must not hold rows of the DEFAULT partition: that one is locked
    # and scanned.
    Case("attach-partition-with-default", PARTITIONED
         + "CREATE TABLE events_other PARTITION OF events DEFAULT;",
         "ALTER TABLE events ATTACH PARTITION events_2025 "
         "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"),
    Case("create-partition-with-default", PARTITIONED
         + "CREATE TABLE events_other PARTITION OF events DEFAULT;",
         "CREATE TABLE events_2026 PARTITION OF events "
         "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"),
    Case("create-partition-with-attached-default", PARTITIONED
         + "CREATE TABLE events_rest (id bigint, day date);"
         + "ALTER TABLE events ATTACH PARTITION events_rest DEFAULT;",
         "CREATE TABLE events_2026 PARTITION OF events "
         "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"),
    # A validated CHECK on the DEFAULT partition that excludes the new range spares its read
    # (not the lock): NOT (range), or each side of it; a NOT VALID one, or a form PostgreSQL
    # cannot prove (NOT BETWEEN ... AND the day before TO), does not.
    Case("create-partition-default-excluded-by-check", PARTITIONED
         + "CREATE TABLE events_other PARTITION OF events DEFAULT;"
         + "ALTER TABLE events_other ADD CONSTRAINT x CHECK "
           "(NOT (day >= '2026-01-01' AND day < '2027-01-01')) NOT VALID;"
         + "ALTER TABLE events_other VALIDATE CONSTRAINT x;",
         "CREATE TABLE events_2026 PARTITION OF events "
         "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"),
    Case("attach-partition-default-excluded-by-check", PARTITIONED
         + "CREATE TABLE events_other PARTITION OF events DEFAULT;"
         + "ALTER TABLE events_other ADD CONSTRAINT x CHECK "
           "(day < '2025-01-01' OR day >= '2026-01-01');",
         "ALTER TABLE events ATTACH PARTITION events_2025 "
         "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')"),
    Case("create-partition-default-check-not-valid", PARTITIONED
         + "CREATE TABLE events_other PARTITION OF events DEFAULT;"
         + "ALTER TABLE events_other ADD CONSTRAINT x CHECK "
           "(NOT (day >= '2026-01-01' AND day < '2027-01-01')) NOT VALID;",
         "CREATE TABLE events_2026 PARTITION OF events "
         "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"),
    Case("create-partition-default-check-not-between", PARTITIONED
         + "CREATE TABLE events_other PARTITION OF events DEFAULT;"
         + "ALTER TABLE events_other ADD CONSTRAINT x CHECK "
           "(day NOT BETWEEN '2026-01-01' AND '2026-12-31');",
         "CREATE TABLE events_2026 PARTITION OF events "
         "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"),
    Case("create-partition-after-default-detached", PARTITIONED
         + "CREATE TABLE events_other PARTITION OF events DEFAULT;"
         + "ALTER TABLE events DETACH PARTITION events_other;",
         "CREATE TABLE events_2026 PARTITION OF events "
         "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"),
    # An attached partition is a partition like the others: ALTER TABLE on the parent locks it.
    Case("alter-parent-after-attach", PARTITIONED
         + "ALTER TABLE events ATTACH PARTITION events_2025 "
           "FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');",
         "ALTER TABLE events ADD COLUMN note text"),
    Case("add-check-partitioned", PARTITIONED,
         "ALTER TABLE events ADD CONSTRAINT id_pos CHECK (id > 0)"),
    # Plain INHERITS children are recursed into like partitions (not with ONLY).
    Case("add-column-inheritance-parent", FK + "CREATE TABLE special_parent () INHERITS (parent);",
         "ALTER TABLE parent ADD COLUMN flag bool"),
    Case("add-column-inheritance-grandparent", FK
         + "CREATE TABLE special_parent () INHERITS (parent);"
         + "CREATE TABLE very_special () INHERITS (special_parent);"
         + "CREATE TABLE adopted (id bigint NOT NULL, name text);"
         + "ALTER TABLE adopted INHERIT parent;"
         + "CREATE TABLE disowned () INHERITS (parent); ALTER TABLE disowned NO INHERIT parent;",
         "ALTER TABLE parent ALTER COLUMN name SET NOT NULL"),
    Case("add-column-only-inheritance-parent",
         FK + "CREATE TABLE special_parent () INHERITS (parent);",
         "ALTER TABLE ONLY parent ALTER COLUMN name SET DEFAULT 'x'"),
    Case("alter-only-partitioned", PARTITIONED,
         "ALTER TABLE ONLY events ALTER COLUMN id SET DEFAULT 0"),
    Case("type-change-partitioned", PARTITIONED, "ALTER TABLE events ALTER COLUMN id TYPE text"),
    Case("drop-partitioned-table", PARTITIONED, "DROP TABLE events"),
    Case("truncate-partitioned-table", PARTITIONED, "TRUNCATE events"),
    Case("select-partitioned-table", PARTITIONED, "SELECT count(*) FROM events",
         compare_scans=False),
    Case("detach-partition", PARTITIONED, "ALTER TABLE events DETACH PARTITION events_2024"),
    Case("detach-partition-concurrently", PARTITIONED,
         "ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY", min_pg=14,
         blocker="SELECT count(*) FROM events_2024"),
    # --- partitioned tables and inheritance children ----------------------------------------
    # Taking a partition out of its parent's set locks the parent (and its DEFAULT partition).
    Case("drop-partition", EVENTS, "DROP TABLE events_2025"),
    Case("drop-partition-with-default", EVENTS_DEFAULT, "DROP TABLE events_2025"),
    Case("detach-partition-with-default", EVENTS_DEFAULT,
         "ALTER TABLE events DETACH PARTITION events_2025"),
    Case("create-index-on-only-partitioned", EVENTS,
         "CREATE INDEX events_day ON ONLY events (day)"),
    # One transaction per partition: refused in a transaction block, observed at each step.
    Case("reindex-partitioned-table", EVENTS_INDEXED, "REINDEX TABLE events",
         blocker="LOCK TABLE ONLY events IN ROW EXCLUSIVE MODE",
         more_blockers=("LOCK TABLE ONLY events_2024 IN ROW EXCLUSIVE MODE",
                        "SELECT count(*) FROM events_2025")),
    Case("reindex-partitioned-index", EVENTS_INDEXED, "REINDEX INDEX events_day",
         blocker="LOCK TABLE ONLY events IN ROW EXCLUSIVE MODE",
         more_blockers=("LOCK TABLE ONLY events_2024 IN ROW EXCLUSIVE MODE",
                        "SELECT count(*) FROM events_2025")),
    # CONCURRENTLY or not, the first transaction lists the partitions under SHARE: it waits
    # for their writers and holds their writes until it commits (the parent itself: SHARE
    # UPDATE EXCLUSIVE). A partitioned index is listed through its index partitions only.
    Case("reindex-partitioned-table-concurrently", EVENTS_INDEXED,
         "REINDEX TABLE CONCURRENTLY events",
         blocker="LOCK TABLE ONLY events_2025 IN ROW EXCLUSIVE MODE",
         more_blockers=("LOCK TABLE ONLY events_2025 IN SHARE MODE",)),
    Case("reindex-partitioned-index-concurrently", EVENTS_INDEXED,
         "REINDEX INDEX CONCURRENTLY events_day",
         blocker="LOCK TABLE ONLY events IN SHARE MODE",
         more_blockers=("LOCK TABLE ONLY events_2024 IN SHARE MODE",
                        "LOCK TABLE ONLY events_2025 IN SHARE MODE")),
    # A partition alone is an ordinary table: SHARE UPDATE EXCLUSIVE, its parent not locked
    # (what reindex-partitioned-table-concurrently's advice relies on besides the case above).
    # REINDEX SCHEMA / DATABASE work through the tables one transaction each (never in a
    # transaction block): each table and matview held SHARE (CONCURRENTLY: SHARE UPDATE
    # EXCLUSIVE) while its indexes are rebuilt, a partitioned table itself never; each blocker
    # stops the statement at another table. REINDEX SYSTEM touches the system catalogs only.
    Case("reindex-schema", REINDEXED_SCHEMA, "REINDEX SCHEMA app", schemas=("app",),
         blocker="SELECT count(*) FROM app.a", more_blockers=REINDEXED_SCHEMA_BLOCKERS),
    Case("reindex-schema-concurrently", REINDEXED_SCHEMA, "REINDEX SCHEMA CONCURRENTLY app",
         schemas=("app",), blocker="LOCK TABLE app.a IN SHARE MODE",
         more_blockers=REINDEXED_SCHEMA_BLOCKERS),
    Case("reindex-database", "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE nix (id int);",
         "REINDEX DATABASE", blocker="SELECT count(*) FROM a",
         more_blockers=("LOCK TABLE nix IN ROW EXCLUSIVE MODE",), min_pg=16),
    Case("reindex-database-concurrently",
         "CREATE TABLE a (id int PRIMARY KEY); CREATE TABLE nix (id int);",
         "REINDEX DATABASE CONCURRENTLY", blocker="LOCK TABLE a IN SHARE MODE",
         more_blockers=("LOCK TABLE nix IN SHARE MODE",), min_pg=16),
    Case("reindex-system", T, "REINDEX SYSTEM", blocker="SELECT count(*) FROM pg_catalog.pg_am",
         min_pg=16),
    Case("reindex-partition-concurrently", EVENTS_INDEXED, "REINDEX TABLE CONCURRENTLY events_2024",
         blocker="INSERT INTO events_2024 VALUES (9, '2024-03-01', 'z')"),
    Case("cluster-partitioned", EVENTS_INDEXED, "CLUSTER events USING events_day",
         blocker="LOCK TABLE ONLY events IN ACCESS SHARE MODE", min_pg=15,
         more_blockers=("LOCK TABLE ONLY events_2024 IN ACCESS SHARE MODE",
                        "LOCK TABLE ONLY events_2025 IN ACCESS SHARE MODE")),
    Case("analyze-partitioned", EVENTS, "ANALYZE events"),
    # ONLY: the partitions are not analyzed, but the parent's statistics sample them all.
    Case("analyze-only-partitioned", EVENTS, "ANALYZE ONLY events", min_pg=18),
    Case("vacuum-analyze-only-partitioned", EVENTS, "VACUUM (ANALYZE) ONLY events",
         blocker="LOCK TABLE ONLY events IN SHARE UPDATE EXCLUSIVE MODE", min_pg=18,
         more_blockers=("LOCK TABLE ONLY events_2024 IN ACCESS EXCLUSIVE MODE",
                        "LOCK TABLE ONLY events_2025 IN ACCESS EXCLUSIVE MODE")),
    # The partitions with storage only, in turn; `mid` (partitioned) is never locked.
    Case("cluster-subpartitioned", LIST_TREE + "CREATE INDEX top_a ON top (a);",
         "CLUSTER top USING top_a", min_pg=15,
         blocker="LOCK TABLE ONLY top IN ACCESS SHARE MODE",
         more_blockers=("LOCK TABLE ONLY leaf1 IN ACCESS SHARE MODE",)),
    Case("lock-partitioned", EVENTS, "LOCK TABLE events IN SHARE MODE"),
    Case("lock-only-partitioned", EVENTS, "LOCK TABLE ONLY events IN SHARE MODE"),
    # Rows for both partitions: the model assumes an INSERT reaches every partition.
    Case("insert-partitioned", EVENTS,
         "INSERT INTO events VALUES (3, '2024-02-01', 'c'), (4, '2025-02-01', 'd')"),
    Case("update-partitioned", EVENTS, "UPDATE events SET kind = 'x'"),
    Case("delete-partitioned", EVENTS, "DELETE FROM events WHERE id = 1", compare_scans=False),
    Case("merge-partitioned", EVENTS + "CREATE TABLE inc (id bigint, kind text);"
         "INSERT INTO inc VALUES (1, 'z');",
         "MERGE INTO events USING inc ON events.id = inc.id "
         "WHEN MATCHED THEN UPDATE SET kind = inc.kind", min_pg=15, compare_scans=False),
    Case("select-for-update-partitioned", EVENTS, "SELECT * FROM events WHERE id = 1 FOR UPDATE",
         compare_scans=False),
    Case("drop-index-partitioned", EVENTS_INDEXED, "DROP INDEX events_day"),
    Case("attach-index-partition", EVENTS + "CREATE INDEX events_day ON ONLY events (day);"
         "CREATE INDEX e25 ON events_2025 (day);", "ALTER INDEX events_day ATTACH PARTITION e25"),
    # The last part attached makes the index valid, and the index it is a part of in turn:
    # no other lock for it.
    Case("attach-index-partition-completes-index", EVENTS
         + "CREATE INDEX events_day ON ONLY events (day); CREATE INDEX e24 ON events_2024 (day);"
           "ALTER INDEX events_day ATTACH PARTITION e24; CREATE INDEX e25 ON events_2025 (day);",
         "ALTER INDEX events_day ATTACH PARTITION e25"),
    Case("attach-index-subpartition-completes-parent-index", LIST_TREE
         + "CREATE INDEX top_b ON ONLY top (b); CREATE INDEX mid_b ON ONLY mid (b);"
           "ALTER INDEX top_b ATTACH PARTITION mid_b;"
           "CREATE INDEX leaf1_b ON leaf1 (b);",
         "ALTER INDEX mid_b ATTACH PARTITION leaf1_b"),
    Case("refresh-materialized-view-over-partitioned",
         EVENTS + "CREATE MATERIALIZED VIEW emv AS SELECT * FROM events;",
         "REFRESH MATERIALIZED VIEW emv"),
    # A new partition takes on the parent's foreign keys, both ways.
    Case("attach-partition-with-foreign-key", EVENTS + """
         CREATE TABLE parent (id bigint PRIMARY KEY); INSERT INTO parent VALUES (1), (2), (3);
         ALTER TABLE events ADD FOREIGN KEY (id) REFERENCES parent;
         CREATE TABLE events_2026 (id bigint, day date, kind text);
         INSERT INTO events_2026 VALUES (1, '2026-03-01', 'q');""",
         "ALTER TABLE events ATTACH PARTITION events_2026 "
         "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"),
    Case("create-partition-with-foreign-key", EVENTS + """
         CREATE TABLE parent (id bigint PRIMARY KEY); INSERT INTO parent VALUES (1), (2);
         ALTER TABLE events ADD FOREIGN KEY (id) REFERENCES parent;""",
         "CREATE TABLE events_2026 PARTITION OF events "
         "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"),
    Case("add-foreign-key-to-partitioned", PK + "CREATE TABLE ref2 (pid int);"
         "INSERT INTO ref2 VALUES (1);", "ALTER TABLE ref2 ADD FOREIGN KEY (pid) REFERENCES pk"),
    Case("create-table-references-partitioned", PK, "CREATE TABLE ref2 (pid int REFERENCES pk)"),
    Case("attach-partition-to-referenced", PK + "CREATE TABLE pk3 (id int PRIMARY KEY);",
         "ALTER TABLE pk ATTACH PARTITION pk3 FOR VALUES FROM (200) TO (300)"),
    Case("detach-partition-of-referenced", PK, "ALTER TABLE pk DETACH PARTITION pk2"),
    Case("detach-subpartition-of-referenced",
         "CREATE TABLE pk (id int PRIMARY KEY) PARTITION BY RANGE (id);"
         "CREATE TABLE pk1 PARTITION OF pk FOR VALUES FROM (0) TO (100) PARTITION BY RANGE (id);"
         "CREATE TABLE pk11 PARTITION OF pk1 FOR VALUES FROM (0) TO (50);"
         "CREATE TABLE pk12 PARTITION OF pk1 FOR VALUES FROM (50) TO (100);"
         "CREATE TABLE ref (pid int REFERENCES pk); INSERT INTO pk VALUES (60);"
         "INSERT INTO ref VALUES (60);", "ALTER TABLE pk1 DETACH PARTITION pk11"),
    # A partition holds a clone of each foreign key of the tables above it: one it leaves
    # becomes its own, with its own triggers on the referenced table (SHARE ROW EXCLUSIVE);
    # one it joins takes over an equal key the table had, whose triggers on the referenced
    # table are dropped (ACCESS EXCLUSIVE). NOT VALID keys are cloned too.
    Case("detach-partition-with-foreign-key", FK_TREE, "ALTER TABLE fk DETACH PARTITION fk1"),
    Case("detach-subpartition-inherited-foreign-key", FK_TREE,
         "ALTER TABLE fk1 DETACH PARTITION fk11"),
    Case("detach-partition-referencing-partitioned", PARTITIONED_FK,
         "ALTER TABLE child DETACH PARTITION other"),
    Case("attach-partition-with-equal-foreign-key",
         FK_TREE + "CREATE TABLE fk2 (a int REFERENCES pk); INSERT INTO fk2 VALUES (15);",
         "ALTER TABLE fk ATTACH PARTITION fk2 FOR VALUES FROM (10) TO (20)"),
    Case("attach-partition-with-other-foreign-key",
         FK_TREE + "CREATE TABLE fk2 (a int REFERENCES pk ON DELETE CASCADE);"
         "INSERT INTO fk2 VALUES (15);",
         "ALTER TABLE fk ATTACH PARTITION fk2 FOR VALUES FROM (10) TO (20)"),
    # An own key that differs in MATCH type or INITIALLY DEFERRED is not equal: the
    # partition gets a new clone, whose rows are checked (SHARE ROW EXCLUSIVE on pk).
    Case("attach-partition-with-match-full-foreign-key",
         FK_TREE + "CREATE TABLE fk2 (a int REFERENCES pk MATCH FULL);"
         "INSERT INTO fk2 VALUES (15);",
         "ALTER TABLE fk ATTACH PARTITION fk2 FOR VALUES FROM (10) TO (20)"),
    Case("attach-partition-with-initially-deferred-foreign-key",
         FK_TREE + "CREATE TABLE fk2 (a int REFERENCES pk INITIALLY DEFERRED);"
         "INSERT INTO fk2 VALUES (15);",
         "ALTER TABLE fk ATTACH PARTITION fk2 FOR VALUES FROM (10) TO (20)"),
    Case("attach-subpartition-inherits-foreign-key",
         FK_TREE + "CREATE TABLE fk12 (a int); INSERT INTO fk12 VALUES (7);",
         "ALTER TABLE fk1 ATTACH PARTITION fk12 FOR VALUES FROM (5) TO (10)"),
    Case("create-subpartition-inherits-foreign-key", FK_TREE,
         "CREATE TABLE fk12 PARTITION OF fk1 FOR VALUES FROM (5) TO (10)"),
    Case("attach-partition-not-valid-foreign-key",
         "CREATE TABLE pk (a int PRIMARY KEY); CREATE TABLE fk (a int) PARTITION BY RANGE (a);"
         "ALTER TABLE fk ADD FOREIGN KEY (a) REFERENCES pk NOT VALID; CREATE TABLE fk2 (a int);",
         "ALTER TABLE fk ATTACH PARTITION fk2 FOR VALUES FROM (10) TO (20)"),
    # The partitions' clones are in the catalog: dropping the referenced table with CASCADE
    # drops each, validating the parent's key validates each clone (renamed or not), and an
    # attached tree is validated leaf by leaf.
    Case("drop-referenced-table-cascade-partitioned-referencing", FK_TREE,
         "DROP TABLE pk CASCADE"),
    Case("drop-referenced-column-cascade-partitioned-referencing",
         "CREATE TABLE pk (a int PRIMARY KEY, n int UNIQUE);"
         "CREATE TABLE fk (a int REFERENCES pk (n)) PARTITION BY RANGE (a);"
         "CREATE TABLE fk1 PARTITION OF fk FOR VALUES FROM (0) TO (10);",
         "ALTER TABLE pk DROP COLUMN n CASCADE"),
    Case("validate-foreign-key-of-partitioned-with-renamed-clone",
         "CREATE TABLE pk (a int PRIMARY KEY); INSERT INTO pk VALUES (1), (15);"
         "CREATE TABLE fk (a int) PARTITION BY RANGE (a);"
         "CREATE TABLE fk1 (a int, CONSTRAINT v CHECK (a > 0)); INSERT INTO fk1 VALUES (1);"
         "ALTER TABLE fk ATTACH PARTITION fk1 FOR VALUES FROM (0) TO (10);"
         "ALTER TABLE fk ADD CONSTRAINT v FOREIGN KEY (a) REFERENCES pk NOT VALID;"
         "CREATE TABLE fk2 PARTITION OF fk FOR VALUES FROM (10) TO (20);"
         "INSERT INTO fk VALUES (15);",
         "ALTER TABLE fk VALIDATE CONSTRAINT v"),
    Case("attach-subpartitioned-table-validates-foreign-key-per-leaf",
         FK_TREE + "CREATE TABLE fk2 (a int) PARTITION BY RANGE (a);"
         "CREATE TABLE fk21 PARTITION OF fk2 FOR VALUES FROM (10) TO (15);"
         "CREATE TABLE fk22 PARTITION OF fk2 FOR VALUES FROM (15) TO (20);"
         "INSERT INTO fk2 VALUES (15);",
         "ALTER TABLE fk ATTACH PARTITION fk2 FOR VALUES FROM (10) TO (20)"),
    # PostgreSQL 17+: an EXCLUDE of the partitioned table is built on a table attached
    # without an equal one of its own (an index alone does not stand for it), under the ACCESS
    # EXCLUSIVE of the ATTACH; an equal one is taken over, reading nothing for it.
    Case("attach-partition-builds-exclusion-constraint", EXCLUDED,
         "ALTER TABLE r ATTACH PARTITION r2 FOR VALUES IN ('[2,3)')", min_pg=17),
    Case("attach-partition-with-equal-exclusion-constraint", EXCLUDED
         + "ALTER TABLE r2 ADD CONSTRAINT r2x EXCLUDE USING gist (k WITH =, during WITH &&);",
         "ALTER TABLE r ATTACH PARTITION r2 FOR VALUES IN ('[2,3)')", min_pg=17),
    Case("attach-partition-with-gist-index-builds-exclusion-constraint", EXCLUDED
         + "CREATE INDEX r2i ON r2 USING gist (k, during);",
         "ALTER TABLE r ATTACH PARTITION r2 FOR VALUES IN ('[2,3)')", min_pg=17),
    Case("add-exclusion-constraint-to-partitioned", EXCLUDED
         + "ALTER TABLE r1 ADD CONSTRAINT r1x EXCLUDE USING gist (k WITH =, during WITH &&);"
           "CREATE TABLE r3 PARTITION OF r FOR VALUES IN ('[3,4)'); INSERT INTO r3 VALUES"
           " ('[3,4)', '[1,2)');",
         "ALTER TABLE r ADD CONSTRAINT rx EXCLUDE USING gist (k WITH =, during WITH &&)",
         min_pg=17),
    Case("drop-exclusion-constraint-of-partitioned", EXCLUDED,
         "ALTER TABLE r DROP CONSTRAINT r_k_during_excl", min_pg=17),
    Case("detach-partition-then-drop-its-exclusion-constraint", EXCLUDED
         + "ALTER TABLE r DETACH PARTITION r1;",
         "ALTER TABLE r1 DROP CONSTRAINT r1_k_during_excl", min_pg=17),
    # The replay follows: a detached partition's keys are its own (dropping it drops their
    # triggers on the referenced table); an attached table's equal key is a clone (it has
    # none there).
    Case("drop-detached-partition", FK_TREE + "ALTER TABLE fk DETACH PARTITION fk1;",
         "DROP TABLE fk1"),
    Case("drop-foreign-key-of-detached-partition",
         FK_TREE + "ALTER TABLE fk1 DETACH PARTITION fk11;",
         "ALTER TABLE fk11 DROP CONSTRAINT fk_a"),
    Case("drop-attached-partition-with-equal-foreign-key",
         FK_TREE + "CREATE TABLE fk2 (a int REFERENCES pk);"
                   "ALTER TABLE fk ATTACH PARTITION fk2 FOR VALUES FROM (10) TO (20);",
         "DROP TABLE fk2"),
    # A foreign key to a partitioned table has triggers on each partition: dropping it (or
    # the table that holds it) takes ACCESS EXCLUSIVE on every one.
    Case("drop-table-referencing-partitioned", PK, "DROP TABLE ref"),
    Case("drop-foreign-key-to-partitioned", PK, "ALTER TABLE ref DROP CONSTRAINT ref_pid_fkey"),
    # A type change re-creates the foreign keys over the column on each partition of the
    # referencing table: locked, and the leaves read again.
    Case("alter-type-referenced-by-partitioned", FK_TREE,
         "ALTER TABLE pk ALTER COLUMN a TYPE bigint"),
    Case("alter-type-referencing-partitioned", PK, "ALTER TABLE ref ALTER COLUMN pid TYPE bigint"),
    Case("insert-referencing-partitioned", PK, "INSERT INTO ref VALUES (1), (150)",
         compare_scans=False),
    # `id + 0`: no pruning, which the model does not do either.
    Case("delete-from-referenced-partitioned", PK, "DELETE FROM pk WHERE id + 0 = 150",
         compare_scans=False),
    # A key's action on a partitioned referencing table runs on the whole tree (no ONLY):
    # every partition, however deep, is locked in the action's mode, and a cascaded delete
    # fires the keys that point at a partition in turn. (An inheritance child is not reached:
    # the query on a plain table says ONLY.)
    Case("delete-cascade-into-partitioned-referencing", REFERENCING_TREE.format(action="CASCADE"),
         "DELETE FROM p WHERE id = 1", compare_scans=False),
    Case("delete-cascade-through-a-partition", REFERENCING_TREE.format(action="CASCADE")
         + "ALTER TABLE c2 ADD PRIMARY KEY (pid); INSERT INTO c VALUES (1, 2);"
           "CREATE TABLE g (x int REFERENCES c2 (pid) ON DELETE CASCADE);",
         "DELETE FROM p WHERE id = 1", compare_scans=False),
    Case("delete-checked-by-partitioned-referencing",
         REFERENCING_TREE.format(action="NO ACTION") + "INSERT INTO p VALUES (2);",
         "DELETE FROM p WHERE id = 2", compare_scans=False),
    Case("delete-cascade-into-inheritance-parent", "CREATE TABLE p (id int PRIMARY KEY);"
         "CREATE TABLE c (pid int REFERENCES p ON DELETE CASCADE); CREATE TABLE cc () INHERITS (c);"
         "INSERT INTO p VALUES (1);", "DELETE FROM p WHERE id = 1", compare_scans=False),
    # Inheritance children are reached like partitions, unless ONLY.
    Case("update-inheritance-parent", INH, "UPDATE base SET n = 0"),
    Case("delete-inheritance-parent", INH, "DELETE FROM base"),
    Case("insert-inheritance-parent", INH, "INSERT INTO base VALUES (5, 5)"),
    Case("select-inheritance-parent", INH, "SELECT * FROM base", compare_scans=False),
    Case("select-only-inheritance-parent", INH, "SELECT * FROM ONLY base", compare_scans=False),
    Case("lock-inheritance-parent", INH, "LOCK TABLE base"),
    Case("rename-column-inheritance-parent", INH, "ALTER TABLE base RENAME COLUMN n TO m"),
    Case("truncate-inheritance-parent", INH, "TRUNCATE base"),
    Case("truncate-only-inheritance-parent", INH, "TRUNCATE ONLY base"),
    Case("analyze-inheritance-parent", INH, "ANALYZE base"),
    Case("analyze-only-inheritance-parent", INH, "ANALYZE ONLY base", min_pg=18),
    # PostgreSQL 18 vacuums the children of an inheritance parent too (ONLY: the parent alone).
    Case("vacuum-inheritance-parent", INH, "VACUUM base", min_pg=18,
         blocker="LOCK TABLE ONLY base IN SHARE UPDATE EXCLUSIVE MODE",
         more_blockers=("LOCK TABLE ONLY sub IN SHARE UPDATE EXCLUSIVE MODE",)),
    Case("vacuum-full-inheritance-parent", INH, "VACUUM FULL base", min_pg=18,
         blocker="LOCK TABLE ONLY base IN ACCESS SHARE MODE",
         more_blockers=("LOCK TABLE ONLY sub IN ACCESS SHARE MODE",)),
    Case("vacuum-only-inheritance-parent", INH, "VACUUM FULL ONLY base", min_pg=18,
         blocker="LOCK TABLE ONLY base IN ACCESS SHARE MODE"),
    Case("drop-inheritance-parent-cascade", INH, "DROP TABLE base CASCADE"),
    # A row trigger is cloned to every partition: enabling, disabling or dropping it reaches
    # them all (unless ONLY); a statement trigger stays on the parent.
    Case("disable-row-trigger-partitioned", EVENTS_TRIGGER,
         "ALTER TABLE events DISABLE TRIGGER e_touch"),
    Case("disable-row-trigger-only-partitioned", EVENTS_TRIGGER,
         "ALTER TABLE ONLY events DISABLE TRIGGER e_touch"),
    Case("disable-statement-trigger-partitioned", EVENTS_STATEMENT_TRIGGER,
         "ALTER TABLE events DISABLE TRIGGER e_stmt"),
    Case("disable-user-triggers-partitioned", EVENTS_TRIGGER,
         "ALTER TABLE events DISABLE TRIGGER USER"),
    Case("disable-user-triggers-statement-only-partitioned", EVENTS_STATEMENT_TRIGGER,
         "ALTER TABLE events DISABLE TRIGGER USER"),
    Case("disable-cloned-trigger-of-subpartitioned", EVENTS_TRIGGER_SUBPARTITIONED,
         "ALTER TABLE events_2026 ENABLE TRIGGER e_touch"),
    Case("drop-row-trigger-partitioned", EVENTS_TRIGGER_SUBPARTITIONED,
         "DROP TRIGGER e_touch ON events"),
    Case("drop-statement-trigger-partitioned", EVENTS_STATEMENT_TRIGGER,
         "DROP TRIGGER e_stmt ON events"),
    Case("drop-renamed-row-trigger-partitioned",
         EVENTS_TRIGGER + "ALTER TRIGGER e_touch ON events RENAME TO e_renamed;",
         "DROP TRIGGER e_renamed ON events"),
    Case("disable-trigger-replaced-by-statement-trigger", EVENTS_TRIGGER
         + "CREATE OR REPLACE TRIGGER e_touch BEFORE UPDATE ON events FOR EACH STATEMENT "
         "EXECUTE FUNCTION touch();", "ALTER TABLE events DISABLE TRIGGER e_touch", min_pg=14),
    # Renaming locks every partition, whatever the trigger's level.
    Case("rename-statement-trigger-partitioned", EVENTS_STATEMENT_TRIGGER,
         "ALTER TRIGGER e_stmt ON events RENAME TO e_renamed"),
    # ALL includes the internal row triggers of foreign keys, both ways; USER does not.
    Case("disable-all-triggers-partitioned-with-foreign-key", EVENTS + """
         CREATE TABLE parent (id bigint PRIMARY KEY); INSERT INTO parent VALUES (1), (2);
         ALTER TABLE events ADD FOREIGN KEY (id) REFERENCES parent;""",
         "ALTER TABLE events DISABLE TRIGGER ALL"),
    Case("disable-user-triggers-partitioned-with-foreign-key", EVENTS + """
         CREATE TABLE parent (id bigint PRIMARY KEY); INSERT INTO parent VALUES (1), (2);
         ALTER TABLE events ADD FOREIGN KEY (id) REFERENCES parent;""",
         "ALTER TABLE events DISABLE TRIGGER USER"),
    Case("disable-all-triggers-referenced-partitioned", PK, "ALTER TABLE pk DISABLE TRIGGER ALL"),
    Case("disable-all-triggers-partitioned-without-triggers", EVENTS,
         "ALTER TABLE events DISABLE TRIGGER ALL"),
    # UNIQUE / PRIMARY KEY on a partitioned table: each partition's index is built, unless the
    # partition has a matching constraint (same columns, same order), which is attached.
    Case("add-primary-key-partitioned", EVENTS,
         "ALTER TABLE events ADD CONSTRAINT events_pk PRIMARY KEY (id, day)"),
    Case("add-primary-key-partitioned-prepared", EVENTS_KEYED_PARTITIONS,
         "ALTER TABLE events ADD CONSTRAINT events_pk PRIMARY KEY (id, day, kind)"),
    Case("add-unique-partitioned-prepared", EVENTS_KEYED_PARTITIONS,
         "ALTER TABLE events ADD UNIQUE (id, day, kind)"),
    Case("add-unique-partitioned-other-column-order", EVENTS_KEYED_PARTITIONS,
         "ALTER TABLE events ADD UNIQUE (day, id, kind)"),
    Case("add-primary-key-partitioned-over-unique-partitions", EVENTS + """
         CREATE UNIQUE INDEX e24 ON events_2024 (id, day);
         ALTER TABLE events_2024 ADD CONSTRAINT e24 UNIQUE USING INDEX e24;
         ALTER TABLE events_2025 ADD CONSTRAINT e25 UNIQUE (id, day);""",
         "ALTER TABLE events ADD PRIMARY KEY (id, day)"),
    Case("add-primary-key-partitioned-over-unique-not-null-partitions", EVENTS + """
         ALTER TABLE events ALTER COLUMN id SET NOT NULL, ALTER COLUMN day SET NOT NULL;
         ALTER TABLE events_2024 ADD CONSTRAINT e24 UNIQUE (id, day);
         ALTER TABLE events_2025 ADD CONSTRAINT e25 UNIQUE (id, day);""",
         "ALTER TABLE events ADD PRIMARY KEY (id, day)"),
    Case("add-unique-partitioned-one-prepared", EVENTS
         + "ALTER TABLE events_2024 ADD CONSTRAINT e24 PRIMARY KEY (id, day);",
         "ALTER TABLE events ADD UNIQUE (id, day)"),
    # --- storage -----------------------------------------------------------------------------
    Case("set-access-method-heap", T, "ALTER TABLE t SET ACCESS METHOD heap", min_pg=15),
    Case("set-compression", T, "ALTER TABLE t ALTER COLUMN note SET COMPRESSION pglz",
         min_pg=14),
    Case("set-compression-partitioned", EVENTS,
         "ALTER TABLE events ALTER COLUMN kind SET COMPRESSION pglz", min_pg=14),
    Case("set-compression-only-partitioned", EVENTS,
         "ALTER TABLE ONLY events ALTER COLUMN kind SET COMPRESSION pglz", min_pg=14),
    Case("alter-statistics-set-statistics", T + "CREATE STATISTICS t_st ON n, v FROM t;",
         "ALTER STATISTICS t_st SET STATISTICS 500", min_pg=13),
    Case("set-column-option", T, "ALTER TABLE t ALTER COLUMN n SET (n_distinct = 100)"),
    Case("cluster-on", T + "CREATE INDEX t_n ON t (n);", "ALTER TABLE t CLUSTER ON t_n"),
    Case("set-without-cluster", T + "CREATE INDEX t_n ON t (n); ALTER TABLE t CLUSTER ON t_n;",
         "ALTER TABLE t SET WITHOUT CLUSTER"),
    Case("force-row-level-security", T, "ALTER TABLE t FORCE ROW LEVEL SECURITY"),
    Case("set-unlogged", T, "ALTER TABLE t SET UNLOGGED"),
    Case("set-logged", T.replace("CREATE TABLE", "CREATE UNLOGGED TABLE"),
         "ALTER TABLE t SET LOGGED"),
    Case("set-tablespace-pg-default", T, "ALTER TABLE t SET TABLESPACE pg_default"),
    # Where a table lives is followed: moving it to where it is copies nothing, anywhere else
    # copies its files (a new relfilenode), pg_default included. TABLESPACE, SET TABLESPACE,
    # default_tablespace while it is created, and a partitioned parent's tablespace say where.
    *(Case(f"set-tablespace-{name}", setup + "INSERT INTO k VALUES (1);", sql, tablespace=True)
      for name, setup, sql in [
          ("elsewhere-to-default", "CREATE TABLE k (id int) TABLESPACE lockwise_oracle_ts;",
           "ALTER TABLE k SET TABLESPACE pg_default"),
          ("to-where-it-is", "CREATE TABLE k (id int) TABLESPACE lockwise_oracle_ts;",
           "ALTER TABLE k SET TABLESPACE lockwise_oracle_ts"),
          ("moved-back", "CREATE TABLE k (id int); ALTER TABLE k SET TABLESPACE "
           "lockwise_oracle_ts;", "ALTER TABLE k SET TABLESPACE pg_default"),
          ("default-tablespace", "SET default_tablespace = lockwise_oracle_ts; "
           "CREATE TABLE k (id int); RESET default_tablespace;",
           "ALTER TABLE k SET TABLESPACE pg_default"),
          ("default-tablespace-reset", "SET default_tablespace = lockwise_oracle_ts; "
           "SET default_tablespace = ''; CREATE TABLE k (id int);",
           "ALTER TABLE k SET TABLESPACE pg_default"),
          ("explicit-default", "CREATE TABLE k (id int) TABLESPACE pg_default;",
           "ALTER TABLE k SET TABLESPACE pg_default"),
          ("partition-of-parent-elsewhere", "CREATE TABLE p (id int) PARTITION BY LIST (id) "
           "TABLESPACE lockwise_oracle_ts; CREATE TABLE k PARTITION OF p FOR VALUES IN (1);",
           "ALTER TABLE k SET TABLESPACE pg_default"),
          ("partition-of-parent-moved", "CREATE TABLE p (id int) PARTITION BY LIST (id); "
           "ALTER TABLE p SET TABLESPACE lockwise_oracle_ts; "
           "CREATE TABLE k PARTITION OF p FOR VALUES IN (1);",
           "ALTER TABLE k SET TABLESPACE pg_default"),
          ("partition-of-parent-under-default-tablespace",
           "SET default_tablespace = lockwise_oracle_ts; CREATE TABLE p (id int) "
           "PARTITION BY LIST (id); RESET default_tablespace; "
           "CREATE TABLE k PARTITION OF p FOR VALUES IN (1);",
           "ALTER TABLE k SET TABLESPACE pg_default"),
          ("partition-placed-apart", "CREATE TABLE p (id int) PARTITION BY LIST (id) "
           "TABLESPACE lockwise_oracle_ts; CREATE TABLE k PARTITION OF p FOR VALUES IN (1) "
           "TABLESPACE pg_default;", "ALTER TABLE k SET TABLESPACE pg_default"),
          ("table-as-elsewhere", "CREATE TABLE k TABLESPACE lockwise_oracle_ts AS "
           "SELECT 1 AS id;", "ALTER TABLE k SET TABLESPACE lockwise_oracle_ts"),
          ("renamed", "CREATE TABLE k0 (id int) TABLESPACE lockwise_oracle_ts; "
           "ALTER TABLE k0 RENAME TO k;", "ALTER TABLE k SET TABLESPACE lockwise_oracle_ts"),
          ("matview-elsewhere", "CREATE TABLE k (id int); CREATE MATERIALIZED VIEW mv "
           "TABLESPACE lockwise_oracle_ts AS SELECT id FROM k;",
           "ALTER MATERIALIZED VIEW mv SET TABLESPACE pg_default"),
      ]),
    Case("set-fillfactor", T, "ALTER TABLE t SET (fillfactor = 70)"),
    Case("set-autovacuum-parameter", T, "ALTER TABLE t SET (autovacuum_enabled = false)"),
    Case("reset-fillfactor", T + "ALTER TABLE t SET (fillfactor = 70);",
         "ALTER TABLE t RESET (fillfactor)"),
    Case("set-user-catalog-table", T, "ALTER TABLE t SET (user_catalog_table = true)"),
    Case("set-toast-parameter", T, "ALTER TABLE t SET (toast.autovacuum_enabled = false)"),
    Case("set-statistics", T, "ALTER TABLE t ALTER COLUMN n SET STATISTICS 500"),
    Case("set-storage", T, "ALTER TABLE t ALTER COLUMN note SET STORAGE EXTERNAL"),
    Case("cluster", T + "CREATE INDEX t_n ON t (n);", "CLUSTER t USING t_n"),
    Case("vacuum-full", T, "VACUUM FULL t", blocker="SELECT count(*) FROM t"),
    Case("vacuum-analyze", T, "VACUUM (ANALYZE) t",
         blocker="LOCK TABLE t IN SHARE UPDATE EXCLUSIVE MODE"),
    Case("refresh-materialized-view-with-no-data", MATVIEW,
         "REFRESH MATERIALIZED VIEW mv WITH NO DATA"),
    Case("vacuum", T, "VACUUM t", blocker="LOCK TABLE t IN SHARE UPDATE EXCLUSIVE MODE"),
    # Boolean options read as defGetBoolean does: an explicit false/off/0 turns FULL off.
    Case("vacuum-full-off", T, "VACUUM (FULL off) t",
         blocker="LOCK TABLE t IN SHARE UPDATE EXCLUSIVE MODE"),
    Case("vacuum-full-false", T, "VACUUM (FULL FALSE) t",
         blocker="LOCK TABLE t IN SHARE UPDATE EXCLUSIVE MODE"),
    Case("vacuum-full-0-analyze", T, "VACUUM (FULL 0, ANALYZE) t",
         blocker="LOCK TABLE t IN SHARE UPDATE EXCLUSIVE MODE"),
    Case("vacuum-full-on", T, "VACUUM (FULL on) t", blocker="SELECT count(*) FROM t"),
    # Only the TOAST table is rewritten, under the table's ACCESS EXCLUSIVE lock all the same.
    Case("vacuum-full-process-main-false", T, "VACUUM (PROCESS_MAIN false, FULL) t",
         blocker="SELECT count(*) FROM t", min_pg=16),
    Case("analyze", T, "ANALYZE t"),
    # No table list: every table, partitioned table and materialized view (not views).
    Case("analyze-whole-database", EVENTS + "CREATE MATERIALIZED VIEW mv AS SELECT id FROM "
         "events; CREATE VIEW recent AS SELECT id FROM events;", "ANALYZE"),
    # The view's query reads its source tables (the catalog keeps which relations it reads).
    Case("refresh-materialized-view", MATVIEW, "REFRESH MATERIALIZED VIEW mv"),
    Case("refresh-materialized-view-concurrently", MATVIEW,
         "REFRESH MATERIALIZED VIEW CONCURRENTLY mv"),
    Case("refresh-materialized-view-over-a-renamed-view", MATVIEW + """
         CREATE VIEW recent AS SELECT id FROM t WHERE id > 5;
         CREATE MATERIALIZED VIEW mv2 AS SELECT * FROM recent;
         ALTER VIEW recent RENAME TO recent_rows;""",
         "REFRESH MATERIALIZED VIEW mv2"),
    # CREATE ... IF NOT EXISTS on an existing materialized view is skipped: still t's.
    Case("refresh-materialized-view-after-create-if-not-exists", MATVIEW + """
         CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1 AS one;""",
         "REFRESH MATERIALIZED VIEW mv"),
    # DROP TABLE / SEQUENCE ... CASCADE drops what names it by a regclass constant: a CHECK,
    # a default, a generated column, an index, each under ACCESS EXCLUSIVE on its table.
    Case("drop-table-cascade-drops-regclass-users", "CREATE TABLE w (id int);"
         "CREATE TABLE c (id int, r regclass DEFAULT 'w'::regclass CHECK (r <> 'w'::regclass));"
         "CREATE TABLE d (n bigint DEFAULT pg_relation_size('w'));"
         "CREATE TABLE g (r regclass, b bool GENERATED ALWAYS AS (r = 'w'::regclass) STORED);"
         "CREATE TABLE i (r regclass); CREATE INDEX i_w ON i ((r = 'w'::regclass));"
         "CREATE TABLE calm (r regclass CHECK (r <> 'calm'::regclass));",
         "DROP TABLE w CASCADE"),
    Case("drop-sequence-cascade-drops-regclass-users", "CREATE SEQUENCE s;"
         "CREATE TABLE c (id int, r regclass CHECK (r <> 's'::regclass));",
         "DROP SEQUENCE s CASCADE", sequences=True),
    # DROP ... CASCADE drops the views and materialized views over it, however deep.
    Case("drop-table-cascade-drops-views", MATVIEW + """
         CREATE VIEW v AS SELECT id FROM t;
         CREATE VIEW vv AS SELECT * FROM v;
         CREATE MATERIALIZED VIEW mvv AS SELECT * FROM vv;
         CREATE TABLE unrelated (id int);
         CREATE VIEW unrelated_v AS SELECT * FROM unrelated;""",
         "DROP TABLE t CASCADE"),
    Case("drop-view-cascade", MATVIEW + """
         CREATE VIEW v AS SELECT id FROM t;
         CREATE VIEW vv AS SELECT * FROM v;""",
         "DROP VIEW v CASCADE"),
    # --- LOCK --------------------------------------------------------------------------------
    Case("lock-access-share", T, "LOCK TABLE t IN ACCESS SHARE MODE"),
    Case("lock-row-exclusive", T, "LOCK TABLE t IN ROW EXCLUSIVE MODE"),
    Case("lock-share", T, "LOCK TABLE t IN SHARE MODE"),
    Case("lock-share-row-exclusive", T, "LOCK TABLE t IN SHARE ROW EXCLUSIVE MODE"),
    Case("lock-exclusive", T, "LOCK TABLE t IN EXCLUSIVE MODE"),
    Case("lock-default", FK, "LOCK TABLE parent, child"),
    # --- triggers, policies, comments, owners ------------------------------------------------
    Case("create-trigger", T + """
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RETURN NEW; END $$;""",
         "CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch()"),
    Case("drop-trigger", T + """
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();""",
         "DROP TRIGGER t_touch ON t"),
    Case("drop-function-cascade-drops-its-triggers", T + """
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RETURN NEW; END $$;
         CREATE TABLE u (id int);
         CREATE TABLE untouched (id int);
         CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
         CREATE TRIGGER u_touch BEFORE INSERT ON u FOR EACH ROW EXECUTE FUNCTION touch();
         CREATE TRIGGER u_moved BEFORE DELETE ON u FOR EACH ROW EXECUTE FUNCTION touch();
         ALTER TRIGGER u_moved ON u RENAME TO u_renamed;""",
         "DROP FUNCTION touch() CASCADE"),
    # A function of the same name in another schema is another function: its triggers stay.
    Case("drop-function-cascade-other-schema", T + """
         CREATE SCHEMA app;
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RETURN NEW; END $$;
         CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RETURN NEW; END $$;
         CREATE TABLE u (id int);
         CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
         CREATE TRIGGER u_touch BEFORE UPDATE ON u FOR EACH ROW EXECUTE FUNCTION app.touch();""",
         "DROP FUNCTION app.touch() CASCADE", schemas=("app",)),
    Case("drop-function-whose-trigger-was-dropped", T + """
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
         DROP TRIGGER t_touch ON t;""",
         "DROP FUNCTION touch() CASCADE"),
    Case("disable-trigger", T + """
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();""",
         "ALTER TABLE t DISABLE TRIGGER t_touch"),
    Case("enable-trigger", T + """
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();
         ALTER TABLE t DISABLE TRIGGER t_touch;""",
         "ALTER TABLE t ENABLE TRIGGER t_touch"),
    Case("create-trigger-partitioned", PARTITIONED + """
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RETURN NEW; END $$;""",
         "CREATE TRIGGER e_touch BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION touch()"),
    Case("enable-replica-trigger", T + """
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();""",
         "ALTER TABLE t ENABLE REPLICA TRIGGER t_touch"),
    Case("create-policy", T, "CREATE POLICY own_rows ON t USING (n > 0)"),
    Case("alter-policy", T + "CREATE POLICY own_rows ON t USING (n > 0);",
         "ALTER POLICY own_rows ON t USING (n > 1)"),
    Case("drop-policy", T + "CREATE POLICY own_rows ON t USING (n > 0);",
         "DROP POLICY own_rows ON t"),
    Case("comment-on-constraint", T + "ALTER TABLE t ADD CONSTRAINT n_pos CHECK (n > 0);",
         "COMMENT ON CONSTRAINT n_pos ON t IS 'positive'"),
    Case("comment-on-policy", T + "CREATE POLICY own_rows ON t USING (n > 0);",
         "COMMENT ON POLICY own_rows ON t IS 'mine'"),
    Case("comment-on-trigger", T + """
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();""",
         "COMMENT ON TRIGGER t_touch ON t IS 'touch'"),
    Case("set-schema", T + "CREATE SCHEMA oracle_archive;",
         "ALTER TABLE t SET SCHEMA oracle_archive"),
    # DROP COLUMN ... CASCADE drops the policies (on its table and on others) using the
    # column; DROP TYPE ... CASCADE the policies using a column it drops.
    Case("drop-column-cascade-drops-policy-on-other", POLICIES
         + "CREATE POLICY q ON docs USING (id IN (SELECT id FROM t WHERE n > 0));",
         "ALTER TABLE t DROP COLUMN n CASCADE"),
    Case("drop-column-cascade-drops-policy-through-subquery", POLICIES,
         "ALTER TABLE members DROP COLUMN id CASCADE"),
    Case("drop-column-cascade-drops-policy-through-view", POLICIES,
         "ALTER TABLE other DROP COLUMN id CASCADE"),
    Case("drop-column-cascade-unused-keeps-policies", POLICIES
         + "CREATE POLICY q ON docs USING (id IN (SELECT id FROM t WHERE n > 0));",
         "ALTER TABLE t DROP COLUMN note CASCADE"),
    Case("drop-type-cascade-drops-policy", POLICIES + """
         CREATE TYPE mood AS ENUM ('a'); CREATE TABLE tagged (id bigint, md mood);
         CREATE POLICY m ON members USING (id IN (SELECT id FROM tagged WHERE md = 'a'));""",
         "DROP TYPE mood CASCADE"),
    Case("enable-row-level-security", T, "ALTER TABLE t ENABLE ROW LEVEL SECURITY"),
    Case("comment-on-table", T, "COMMENT ON TABLE t IS 'rows'"),
    Case("grant-select", T, "GRANT SELECT ON t TO lockwise_oracle_owner"),
    Case("create-statistics", T, "CREATE STATISTICS t_stats ON n, v FROM t"),
    Case("inherit", FK + "CREATE TABLE loose (id bigint PRIMARY KEY, name text);",
         "ALTER TABLE loose INHERIT parent"),
    Case("no-inherit", FK + "CREATE TABLE special_parent () INHERITS (parent);",
         "ALTER TABLE special_parent NO INHERIT parent"),
    Case("comment-on-column", T, "COMMENT ON COLUMN t.n IS 'a number'"),
    Case("owner-to", T, "ALTER TABLE t OWNER TO lockwise_oracle_owner"),
    Case("replica-identity-full", T, "ALTER TABLE t REPLICA IDENTITY FULL"),
    Case("add-identity", "CREATE TABLE k (id int NOT NULL);",
         "ALTER TABLE k ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY", sequences=True),
    Case("drop-identity", "CREATE TABLE k (id int GENERATED ALWAYS AS IDENTITY);",
         "ALTER TABLE k ALTER COLUMN id DROP IDENTITY", sequences=True),
    # An identity's sequence keeps the name it was given when its table is renamed (k_id_seq
    # after k becomes k2), follows its own rename and its table's SET SCHEMA.
    *(Case(f"{name}-after-table-rename", "CREATE TABLE k (id int GENERATED ALWAYS AS "
           "IDENTITY); ALTER TABLE k RENAME TO k2;", f"ALTER TABLE k2 ALTER COLUMN id {change}",
           sequences=True)
      for name, change in (("drop-identity", "DROP IDENTITY"),
                           ("set-identity-restart", "RESTART WITH 100"))),
    Case("drop-table-with-added-identity-after-rename",
         "CREATE TABLE k (id int NOT NULL);"
         "ALTER TABLE k ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY;"
         "ALTER TABLE k RENAME TO k2;", "DROP TABLE k2", sequences=True),
    Case("drop-table-with-identity-after-sequence-rename",
         "CREATE TABLE k (id int GENERATED ALWAYS AS IDENTITY);"
         "ALTER SEQUENCE k_id_seq RENAME TO k_ids;", "DROP TABLE k", sequences=True),
    # A serial's sequence renamed (lemmy's split_user_table_2: user_ban_id_seq becomes
    # person_ban_id_seq): the column's default follows it by oid, and what locks the sequence
    # later locks it by its new name (checked on 18.6).
    *(Case(f"{name}-serial-after-sequence-rename",
           "CREATE TABLE k (id serial, n int);"
           "ALTER TABLE k RENAME TO k2; ALTER SEQUENCE k_id_seq RENAME TO k2_id_seq;",
           statement, sequences=True)
      for name, statement in (("drop-table", "DROP TABLE k2"),
                              ("drop-column", "ALTER TABLE k2 DROP COLUMN id"),
                              ("insert", "INSERT INTO k2 (n) VALUES (1)"))),
    Case("drop-table-with-named-identity-sequence",
         "CREATE TABLE k (id int GENERATED ALWAYS AS IDENTITY (SEQUENCE NAME k_numbers));",
         "DROP TABLE k", sequences=True),
    # --- types -------------------------------------------------------------------------------
    Case("enum-add-value", "CREATE TYPE mood AS ENUM ('sad', 'ok');"
         "CREATE TABLE people (id int, m mood);",
         "ALTER TYPE mood ADD VALUE 'happy'"),
    # --- DML ---------------------------------------------------------------------------------
    Case("insert", T, "INSERT INTO t (id, n) VALUES (1000, 1)"),
    # Data-modifying CTEs: their targets are written whatever the outer statement is.
    Case("select-with-insert-cte", T,
         "WITH x AS (INSERT INTO t (id, n) VALUES (1000, 1) RETURNING id) SELECT * FROM x"),
    Case("insert-with-delete-cte", FK + "CREATE TABLE archive (id bigint, n int);",
         "WITH gone AS (DELETE FROM child WHERE n > 5 RETURNING id, n) "
         "INSERT INTO archive SELECT id, n FROM gone", compare_scans=False),
    Case("select-with-update-cte", FK,
         "WITH moved AS (UPDATE child SET parent_id = 2 WHERE id = 1 RETURNING id) "
         "SELECT count(*) FROM moved", compare_scans=False),
    # A data-modifying WITH query reads the WITH queries before it by name: no table of that
    # name is locked (documenso's add_organisations; checked on 18.6). With RECURSIVE it
    # sees the ones after it too.
    Case("insert-cte-reads-earlier-cte", FK + "CREATE TABLE archive (id bigint, n int);",
         "WITH picked AS (SELECT id, n FROM child WHERE id = 1), "
         "copied AS (INSERT INTO archive SELECT id, n FROM picked RETURNING id) "
         "SELECT count(*) FROM copied", compare_scans=False),
    Case("update-cte-reads-earlier-ctes", FK + "CREATE TABLE archive (id bigint, n int);",
         "WITH picked AS (SELECT id, n FROM child WHERE id = 1), "
         "copied AS (INSERT INTO archive SELECT id, n FROM picked RETURNING id), "
         "bumped AS (UPDATE child SET n = child.n + 1 FROM copied, picked "
         "WHERE child.id = copied.id AND picked.id = copied.id) "
         "SELECT 1", compare_scans=False),
    # INSERT ... SELECT of a whole relation (no WHERE, no LIMIT) reads each table behind it
    # in full: every partition, the tables of a view.
    Case("insert-select", FK + "CREATE TABLE archive (id bigint, n int);",
         "INSERT INTO archive SELECT id, n FROM child"),
    Case("insert-select-partitioned", EVENTS + "CREATE TABLE archive (id bigint, day date);",
         "INSERT INTO archive SELECT id, day FROM events"),
    Case("insert-select-view", VIEWS + "CREATE TABLE archive (id bigint, n int);",
         "INSERT INTO archive SELECT id, n FROM v"),
    Case("insert-select-distinct", FK + "CREATE TABLE archive (n int);",
         "INSERT INTO archive SELECT DISTINCT n FROM child"),
    Case("insert-select-where", FK + "CREATE TABLE archive (id bigint, n int);",
         "INSERT INTO archive SELECT id, n FROM child WHERE id = 1", compare_scans=False),
    Case("insert-with-foreign-key", FK, "INSERT INTO child VALUES (100, 1, 1)",
         compare_scans=False),
    # Rows whose foreign key columns are all left out (NULL, no default) are not checked:
    # the referenced table is not locked. A default fills them, and is checked.
    Case("insert-leaving-foreign-key-null", FK, "INSERT INTO child (id, n) VALUES (100, 1)",
         compare_scans=False),
    Case("insert-select-leaving-foreign-key-null", FK + "CREATE TABLE src (n int);",
         "INSERT INTO child (id, n) SELECT 100 + n, n FROM src", compare_scans=False),
    Case("insert-leaving-foreign-key-to-default", FK + "ALTER TABLE child ALTER COLUMN "
         "parent_id SET DEFAULT 1;", "INSERT INTO child (id, n) VALUES (100, 1)",
         compare_scans=False),
    # UPDATE ... FROM / DELETE ... USING whose WHERE only joins reads each table beside the
    # target in full (no condition of its own picks some of its rows; the plan joining whole
    # tables hashes them): the tables of a view, every partition. They are locked ACCESS SHARE
    # only: their rows are not locked.
    Case("update-from-join", FK, "UPDATE child SET n = parent.id FROM parent "
         "WHERE parent.id = child.parent_id"),
    Case("update-from-two-joined", FK + "CREATE TABLE src AS SELECT id FROM parent;",
         "UPDATE child SET n = 1 FROM parent JOIN src ON src.id = parent.id "
         "WHERE parent.id = child.parent_id"),
    Case("update-from-view", VIEWS + "CREATE TABLE sink AS SELECT id, n FROM child;",
         "UPDATE sink SET n = v.n FROM v WHERE v.id = sink.id"),
    Case("delete-using-join", FK + "CREATE TABLE gone AS SELECT id FROM child;",
         "DELETE FROM child USING gone WHERE gone.id = child.id"),
    Case("delete-using-partitioned", EVENTS + "CREATE TABLE k AS SELECT id FROM events;",
         "DELETE FROM k USING events WHERE events.id = k.id"),
    Case("update-from-filtered", FK, "UPDATE child SET n = 1 FROM parent "
         "WHERE parent.id = child.parent_id AND parent.name = 'p1'", compare_scans=False),
    Case("update", T, "UPDATE t SET n = n + 1 WHERE id < 5", compare_scans=False),
    Case("update-foreign-key-column", FK, "UPDATE child SET parent_id = 2 WHERE id = 1",
         compare_scans=False),
    Case("update-other-column", FK, "UPDATE child SET n = 0 WHERE id = 1", compare_scans=False),
    Case("update-all", T, "UPDATE t SET n = 0"),
    # A condition true by its literals alone touches every row, as no WHERE does.
    Case("update-where-true", T, "UPDATE t SET n = 0 WHERE true"),
    Case("delete-where-1-eq-1", T, "DELETE FROM t WHERE 1 = 1 AND NOT false"),
    Case("delete", T, "DELETE FROM t WHERE id = 1", compare_scans=False),
    Case("delete-all", T, "DELETE FROM t"),
    # The foreign key's ON DELETE / ON UPDATE action decides: NO ACTION / RESTRICT read the
    # referencing rows FOR KEY SHARE, CASCADE / SET NULL / SET DEFAULT modify them, and a
    # cascaded delete fires the foreign keys of the next table.
    Case("delete-referenced", FK + "DELETE FROM child WHERE id = 10;",
         "DELETE FROM parent WHERE id = 10", compare_scans=False),
    Case("delete-referenced-cascade", CASCADE, "DELETE FROM parent WHERE id = 1",
         compare_scans=False),
    Case("update-referenced-key", CASCADE, "UPDATE parent SET id = 100 WHERE id = 2",
         compare_scans=False),
    # A referencing table no index serves the key of is read in full for each row deleted
    # (its key's query: a CASCADE's DELETE, a SET NULL's UPDATE, a NO ACTION / RESTRICT check).
    Case("delete-referenced-without-index", CASCADE, "DELETE FROM parent"),
    Case("update-referenced-other-column", CASCADE, "UPDATE parent SET name = 'x' WHERE id = 2",
         compare_scans=False),
    Case("insert-on-conflict", T,
         "INSERT INTO t (id, n) VALUES (1, 1) ON CONFLICT (id) DO UPDATE SET n = 2",
         compare_scans=False),
    Case("merge", FK + "CREATE TABLE incoming (id bigint, n int);"
                       "INSERT INTO incoming VALUES (1, 5);",
         "MERGE INTO child USING incoming ON child.id = incoming.id "
         "WHEN MATCHED THEN UPDATE SET n = incoming.n", min_pg=15, compare_scans=False),
    # MERGE fires the foreign keys as the writes its WHEN clauses do: an INSERT checks the
    # target's keys, a DELETE or an UPDATE of a referenced key fires those pointing at it.
    Case("merge-insert-checks-key", FK + "CREATE TABLE incoming (id bigint, pid bigint);"
                                        "INSERT INTO incoming VALUES (100, 1);",
         "MERGE INTO child USING incoming ON child.id = incoming.id "
         "WHEN NOT MATCHED THEN INSERT VALUES (incoming.id, incoming.pid, 0)", min_pg=15,
         compare_scans=False),
    Case("merge-update-key-column-checks-key", FK + "CREATE TABLE incoming (id bigint);"
                                                  "INSERT INTO incoming VALUES (1);",
         "MERGE INTO child USING incoming ON child.id = incoming.id "
         "WHEN MATCHED THEN UPDATE SET parent_id = 2", min_pg=15, compare_scans=False),
    Case("merge-delete-referenced", CASCADE + "CREATE TABLE gone (id bigint);"
                                              "INSERT INTO gone VALUES (1);",
         "MERGE INTO parent USING gone ON parent.id = gone.id WHEN MATCHED THEN DELETE",
         min_pg=15, compare_scans=False),
    Case("merge-update-referenced-key", CASCADE + "CREATE TABLE moved (id bigint);"
                                                  "INSERT INTO moved VALUES (2);",
         "MERGE INTO parent USING moved ON parent.id = moved.id "
         "WHEN MATCHED THEN UPDATE SET id = 200", min_pg=15, compare_scans=False),
    Case("merge-update-referenced-other-column", CASCADE + "CREATE TABLE moved (id bigint);"
                                                           "INSERT INTO moved VALUES (2);",
         "MERGE INTO parent USING moved ON parent.id = moved.id "
         "WHEN MATCHED THEN UPDATE SET name = 'x'", min_pg=15, compare_scans=False),
    Case("select", FK, "SELECT * FROM child JOIN parent ON parent.id = child.parent_id",
         compare_scans=False),
    Case("select-for-update", T, "SELECT * FROM t WHERE id = 1 FOR UPDATE",
         compare_scans=False),
    Case("select-for-share-of", FK, "SELECT * FROM child JOIN parent "
         "ON parent.id = child.parent_id FOR SHARE OF child", compare_scans=False),
    # OF names a table by its alias; a partitioned one has its partitions' rows locked too.
    Case("select-for-update-of-alias", FK, "SELECT * FROM child c JOIN parent p "
         "ON p.id = c.parent_id FOR UPDATE OF c", compare_scans=False),
    Case("select-for-update-of-alias-partitioned", EVENTS + "CREATE TABLE k (id bigint);",
         "SELECT * FROM k JOIN events e ON e.id = k.id FOR UPDATE OF e", compare_scans=False),
    Case("select-for-update-of-subquery-alias", FK, "SELECT * FROM (SELECT * FROM child) s, "
         "parent p WHERE p.id = s.parent_id FOR UPDATE OF s", compare_scans=False),
    Case("select-for-update-of-view-alias", VIEWS + "CREATE TABLE k (id bigint);",
         "SELECT * FROM k, v x WHERE x.id = k.id FOR UPDATE OF x", compare_scans=False),
    # A locking clause below the top (a subquery's, a CTE's, an INSERT's query) locks too.
    Case("select-subquery-for-update", T, "SELECT * FROM (SELECT * FROM t FOR UPDATE) s",
         compare_scans=False),
    Case("select-cte-for-update", T, "WITH x AS (SELECT * FROM t FOR UPDATE) SELECT * FROM x",
         compare_scans=False),
    # A WITH query named in FROM is no table and no subquery: FOR UPDATE / SHARE passes it
    # by, locking no row of what it reads (ACCESS SHARE only), nor of a table of its name
    # (checked on 18.6; `FOR UPDATE OF a` naming it is refused: "cannot be applied to a WITH
    # query", tests/test_with_query_lock_refusals.py).
    Case("update-with-cte-for-update-of-earlier-cte",
         T + "CREATE TABLE a (id bigint); CREATE TABLE sink (id bigint);",
         "WITH a AS (SELECT id FROM t), b AS (SELECT * FROM a FOR UPDATE) "
         "UPDATE sink SET id = 0 WHERE id IN (SELECT id FROM b)", compare_scans=False),
    Case("delete-with-cte-for-share-of-earlier-cte", T + "CREATE TABLE sink (id bigint);",
         "WITH a AS (SELECT id FROM t), b AS (DELETE FROM sink WHERE id IN "
         "(SELECT id FROM a FOR SHARE) RETURNING id) SELECT * FROM b", compare_scans=False),
    Case("select-subquery-of-cte-for-update", T + "CREATE TABLE a (id bigint);",
         "WITH a AS (SELECT id FROM t) SELECT * FROM (SELECT * FROM a) s FOR UPDATE",
         compare_scans=False),
    Case("insert-select-for-update", T + "CREATE TABLE sink (id bigint);",
         "INSERT INTO sink SELECT id FROM t FOR UPDATE", compare_scans=False),
    # A view in a query is its query: the rewriter expands it, so its base tables are locked
    # (and read) as if named.
    Case("select-view", VIEWS, "SELECT * FROM v", compare_scans=False),
    Case("select-view-of-view", VIEWS + "CREATE VIEW vv AS SELECT id FROM v;",
         "SELECT * FROM vv", compare_scans=False),
    Case("insert-view", VIEWS, "INSERT INTO v VALUES (100, 1, 1)", compare_scans=False),
    # A view with an INSTEAD OF trigger for the statement is not rewritten into its base: the
    # trigger does the write. UPDATE and DELETE read the rows through the view's query.
    Case("update-view-instead-of-trigger", VIEWS_TRIGGERED, "UPDATE v SET n = 0"),
    Case("delete-view-instead-of-trigger", VIEWS_TRIGGERED, "DELETE FROM v WHERE id = 1",
         compare_scans=False),
    Case("insert-view-instead-of-trigger", VIEWS_TRIGGERED, "INSERT INTO v VALUES (100, 1, 1)"),
    # A trigger for another event leaves the statement to the rewriter.
    Case("update-view-instead-of-insert-trigger", VIEWS_TRIGGERED.replace(
        "UPDATE OR INSERT OR DELETE", "INSERT"), "UPDATE v SET n = 0"),
    Case("update-view", VIEWS, "UPDATE v SET n = 0"),
    Case("delete-view", VIEWS, "DELETE FROM v"),
    # Through a view with a WHERE, the rows written are those it keeps, found by reading the
    # table (no index on n): the table is still read in full.
    Case("update-view-with-where", VIEWS + "CREATE VIEW vw AS SELECT * FROM child WHERE n > 5;",
         "UPDATE vw SET n = 0"),
    Case("delete-view-with-where-and-own", VIEWS
         + "CREATE VIEW vw AS SELECT * FROM child WHERE n > 5;", "DELETE FROM vw WHERE id = 7",
         compare_scans=False),
    # A view whose WHERE reads another table in a subquery is still written through to the
    # one relation it selects from (ROW EXCLUSIVE); the rewriter locks the subquery's tables
    # ACCESS SHARE, also for an INSERT, which does not run the WHERE.
    *(Case(f"{verb}-view-with-sublink-{how}", VIEWS + VIEW_SUBLINKS[how],
           sql.replace("v", "vs", 1), compare_scans=False)
      for how in VIEW_SUBLINKS
      for verb, sql in (("insert", "INSERT INTO v VALUES (100, 1, 1)"),
                        ("update", "UPDATE v SET n = 0"), ("delete", "DELETE FROM v"))),
    Case("update-view-over-view-with-sublink", VIEWS + VIEW_SUBLINKS["exists"]
         + "CREATE VIEW vvs AS SELECT * FROM vs WHERE n > 0;", "UPDATE vvs SET n = 0",
         compare_scans=False),
    Case("lock-view", VIEWS, "LOCK TABLE v IN SHARE MODE"),
    Case("create-table-as-view", VIEWS, "CREATE TABLE c2 AS SELECT * FROM v"),
    Case("create-matview-over-view", VIEWS, "CREATE MATERIALIZED VIEW mvv AS SELECT * FROM v"),
    # --- session and transaction control -----------------------------------------------------
    Case("declare-cursor", FK, "DECLARE c CURSOR FOR SELECT * FROM child JOIN parent "
         "ON parent.id = child.parent_id", compare_scans=False),
    Case("declare-cursor-for-update", T, "DECLARE c CURSOR FOR SELECT * FROM t FOR UPDATE",
         compare_scans=False),
    Case("set-constraints", FK, "SET CONSTRAINTS ALL DEFERRED"),
    Case("savepoint", T, "SAVEPOINT before_change"),
    # --- rules, publications, COPY, sequences ------------------------------------------------
    Case("create-rule", T, "CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING"),
    Case("create-rule-also-insert", T + "CREATE TABLE log (id bigint);",
         "CREATE RULE r AS ON INSERT TO t WHERE new.n > 0 DO ALSO INSERT INTO log VALUES (new.id)"),
    # A rule's actions are parsed, never rewritten, planned or run: what they name is locked in
    # their modes, and only that (no partition, no table behind a view, no foreign-key check).
    Case("create-rule-action-insert-partitioned", T + PARTITIONED,
         "CREATE RULE r AS ON INSERT TO t DO ALSO "
         "INSERT INTO events VALUES (new.id, '2024-01-02')"),
    Case("create-rule-action-delete-view", VIEWS + "CREATE TABLE t (id bigint);",
         "CREATE RULE r AS ON INSERT TO t DO ALSO DELETE FROM v WHERE id = new.id"),
    Case("create-rule-action-insert-referencing", FK + "CREATE TABLE t (id bigint);",
         "CREATE RULE r AS ON INSERT TO t DO ALSO INSERT INTO child VALUES (new.id, 1, 1)"),
    Case("create-rule-action-update-inheritance-parent", INH + "CREATE TABLE t (id int);",
         "CREATE RULE r AS ON DELETE TO t DO ALSO UPDATE base SET n = 0 WHERE id = old.id"),
    Case("create-rule-action-select-for-update-view", VIEWS + "CREATE TABLE t (id bigint);",
         "CREATE RULE r AS ON UPDATE TO t DO ALSO SELECT * FROM v FOR UPDATE"),
    Case("create-or-replace-rule-on-view", VIEWS, "CREATE OR REPLACE RULE r AS ON INSERT TO v "
         "DO INSTEAD INSERT INTO parent VALUES (new.id, 'x')"),
    Case("create-publication", T + "CREATE TABLE other (id bigint);",
         "CREATE PUBLICATION pub_t FOR TABLE t, other"),
    Case("comment-on-view", FK + "CREATE VIEW v AS SELECT * FROM child;",
         "COMMENT ON VIEW v IS 'children'"),
    Case("comment-on-materialized-view", MATVIEW, "COMMENT ON MATERIALIZED VIEW mv IS 'mv'"),
    Case("copy-from-program", T, "COPY t (id) FROM PROGRAM 'echo 5000'"),
    Case("copy-to-program", T, "COPY t TO PROGRAM 'cat > /dev/null'"),
    # COPY FROM writes rows as INSERT does: routed to the partitions, each checked against the
    # table's foreign keys (ROW SHARE on the referenced table).
    Case("copy-from-partitioned", EVENTS, "COPY events FROM PROGRAM "
         "'printf \"5,2024-03-03,x\\n6,2025-03-03,y\\n\"' WITH (FORMAT csv)"),
    Case("copy-from-referencing", FK,
         "COPY child FROM PROGRAM 'echo 50,1,1' WITH (FORMAT csv)"),
    # COPY's query runs as the query it is: views expanded, partitions read, FOR UPDATE.
    Case("copy-query-over-view", VIEWS, "COPY (SELECT * FROM v) TO PROGRAM 'cat > /dev/null'",
         compare_scans=False),
    Case("copy-query-partitioned", EVENTS,
         "COPY (SELECT * FROM events) TO PROGRAM 'cat > /dev/null'", compare_scans=False),
    Case("copy-query-for-update", T,
         "COPY (SELECT * FROM t FOR UPDATE) TO PROGRAM 'cat > /dev/null'", compare_scans=False),
    Case("copy-query-to-program", FK,
         "COPY (SELECT * FROM child JOIN parent ON parent.id = child.parent_id) "
         "TO PROGRAM 'cat > /dev/null'", compare_scans=False),
    # Policies whose expressions read other relations and call a function: ALTER POLICY
    # opens what the expressions it keeps name; DROP ... CASCADE of one of those drops the
    # policy, under ACCESS EXCLUSIVE on its table; DROP POLICY IF EXISTS of a policy that
    # is not there locks nothing.
    Case("alter-policy-roles-keeps-expressions", POLICIES, "ALTER POLICY p ON t TO public"),
    Case("alter-policy-check-keeps-using", POLICIES,
         "ALTER POLICY p ON t WITH CHECK (n > 0)"),
    Case("alter-policy-using-keeps-check", POLICIES, "ALTER POLICY p ON t USING (n > 0)"),
    Case("drop-policy-if-exists-missing", POLICIES, "DROP POLICY IF EXISTS nope ON t"),
    Case("drop-policy-if-exists-present", POLICIES, "DROP POLICY IF EXISTS p ON t"),
    Case("drop-table-cascade-drops-policy", POLICIES, "DROP TABLE members CASCADE"),
    Case("drop-table-cascade-drops-policy-through-view", POLICIES,
         "DROP TABLE other CASCADE"),
    Case("drop-view-cascade-drops-policy", POLICIES, "DROP VIEW other_v CASCADE"),
    Case("drop-function-cascade-drops-policy", POLICIES,
         "DROP FUNCTION allowed(bigint) CASCADE"),
    # What calls a function goes with it under CASCADE: a default, a CHECK, a generated
    # column (dropped), an index (expression or WHERE), a view and those over it; on a
    # partitioned table or inheritance parent, the partitions' and children's copies too.
    Case("drop-function-cascade-drops-default", T + CALLED + "ALTER TABLE t ALTER COLUMN n "
         "SET DEFAULT f(1); CREATE TABLE calm (id int DEFAULT 1);", "DROP FUNCTION f(int) CASCADE"),
    Case("drop-function-cascade-drops-check", T + CALLED + "ALTER TABLE t ADD CONSTRAINT ck "
         "CHECK (f(n) > 0 AND id > 0);", "DROP FUNCTION f(int) CASCADE"),
    Case("drop-function-cascade-drops-generated-column", T + CALLED + "ALTER TABLE t ADD COLUMN g "
         "int GENERATED ALWAYS AS (f(n)) STORED; CREATE INDEX t_g ON t (g);"
         "CREATE VIEW tg AS SELECT id, g FROM t;", "DROP FUNCTION f(int) CASCADE"),
    Case("drop-function-cascade-drops-expression-index", T + CALLED +
         "CREATE INDEX t_fn ON t (f(n));", "DROP FUNCTION f(int) CASCADE"),
    Case("drop-function-cascade-drops-partial-index", T + CALLED +
         "CREATE INDEX t_p ON t (id) WHERE f(n) > 0;", "DROP ROUTINE f(int) CASCADE"),
    Case("drop-function-cascade-drops-views", T + CALLED + "CREATE VIEW v AS SELECT f(n) FROM t;"
         "CREATE MATERIALIZED VIEW v2 AS SELECT * FROM v;", "DROP FUNCTION f CASCADE"),
    Case("drop-function-cascade-drops-partitioned-callers", PARTITIONED + CALLED +
         "ALTER TABLE events ADD COLUMN n int DEFAULT f(1) CHECK (f(n) > 0);"
         "CREATE INDEX events_fn ON events (f(n));", "DROP FUNCTION f(int) CASCADE"),
    Case("drop-function-cascade-drops-inherited-check", CALLED +
         "CREATE TABLE b (id int, n int CONSTRAINT ck CHECK (f(n) > 0));"
         "CREATE TABLE c () INHERITS (b); CREATE TABLE calm (id int);",
         "DROP FUNCTION f(int) CASCADE"),
    Case("drop-function-cascade-other-schema-caller-kept", T + CALLED +
         "CREATE SCHEMA app; CREATE FUNCTION app.f(int) RETURNS int LANGUAGE sql IMMUTABLE "
         "AS 'SELECT $1'; ALTER TABLE t ALTER COLUMN n SET DEFAULT app.f(1);",
         "DROP FUNCTION f(int) CASCADE", schemas=("app",)),
    Case("drop-schema-cascade-drops-callers-outside", T +
         "CREATE SCHEMA util; CREATE FUNCTION util.f(int) RETURNS int LANGUAGE sql IMMUTABLE "
         "AS 'SELECT $1'; ALTER TABLE t ALTER COLUMN n SET DEFAULT util.f(1),"
         " ADD COLUMN g int GENERATED ALWAYS AS (util.f(id::int)) STORED;"
         "CREATE INDEX t_x ON t (util.f(n)); CREATE TABLE calm (id int);",
         "DROP SCHEMA util CASCADE", schemas=("util",)),
    Case("drop-schema-cascade-drops-policy", POLICIES + """
         CREATE SCHEMA rls_s; CREATE TABLE rls_s.x (id bigint);
         CREATE POLICY in_s ON docs FOR DELETE USING (EXISTS (SELECT FROM rls_s.x));""",
         "DROP SCHEMA rls_s CASCADE", schemas=("rls_s",)),
    Case("enable-row-level-security", T, "ALTER TABLE t ENABLE ROW LEVEL SECURITY"),
    Case("force-row-level-security", T, "ALTER TABLE t FORCE ROW LEVEL SECURITY"),
    Case("create-policy-subquery", T + "CREATE TABLE other (id bigint);",
         "CREATE POLICY p ON t USING (n IN (SELECT id FROM other))"),
    Case("alter-policy-subquery", T + "CREATE TABLE other (id bigint);"
         "CREATE POLICY p ON t USING (true);",
         "ALTER POLICY p ON t WITH CHECK (n IN (SELECT id FROM other))"),
    Case("create-sql-function", FK, "CREATE FUNCTION child_count() RETURNS bigint "
         "LANGUAGE sql AS $$SELECT count(*) FROM child JOIN parent ON parent.id = parent_id$$"),
    Case("create-sql-function-atomic", T, "CREATE FUNCTION t_count() RETURNS bigint "
         "LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM t; END", min_pg=14),
    Case("create-plpgsql-function", T, "CREATE FUNCTION t_count() RETURNS bigint "
         "LANGUAGE plpgsql AS $$BEGIN RETURN (SELECT count(*) FROM t); END$$"),
    # A SQL body is parsed and rewritten (views expanded), not planned: each statement of it
    # locks what it names in its own mode (a write ROW EXCLUSIVE, FOR UPDATE ROW SHARE), no
    # partition and no foreign-key check; BEGIN ATOMIC alike.
    Case("create-sql-function-insert", FK, "CREATE FUNCTION add_child() RETURNS void "
         "LANGUAGE sql AS $$INSERT INTO child VALUES (100, 1, 1)$$"),
    Case("create-sql-function-two-writes", FK, "CREATE FUNCTION wipe() RETURNS void "
         "LANGUAGE sql AS $$UPDATE parent SET name = 'x'; DELETE FROM child$$"),
    Case("create-sql-function-atomic-delete", FK, "CREATE FUNCTION drop_parent() RETURNS void "
         "LANGUAGE sql BEGIN ATOMIC DELETE FROM parent WHERE id = 0; END", min_pg=14),
    Case("create-sql-function-for-update", FK, "CREATE FUNCTION held() RETURNS SETOF child "
         "LANGUAGE sql AS $$SELECT * FROM child FOR UPDATE$$"),
    Case("create-sql-function-over-view", VIEWS, "CREATE FUNCTION n_v() RETURNS bigint "
         "LANGUAGE sql AS $$SELECT count(*) FROM v$$"),
    Case("create-sql-function-atomic-over-view", VIEWS, "CREATE FUNCTION n_v() RETURNS bigint "
         "LANGUAGE sql BEGIN ATOMIC SELECT count(*) FROM v; END", min_pg=14),
    Case("create-sql-function-insert-partitioned", EVENTS, "CREATE FUNCTION add_event() "
         "RETURNS void LANGUAGE sql AS $$INSERT INTO events VALUES (9, '2024-02-02', 'x')$$"),
    Case("create-sql-procedure-update", FK, "CREATE PROCEDURE reset_n() LANGUAGE sql "
         "AS $$UPDATE child SET n = 0$$"),
    # A utility statement is not analyzed: TRUNCATE in a body opens nothing; a CTE's write
    # and MERGE are analyzed as the statements they are.
    Case("create-sql-function-truncate", FK, "CREATE FUNCTION wipe() RETURNS void "
         "LANGUAGE sql AS $$TRUNCATE child$$"),
    Case("create-sql-function-cte-delete", FK, "CREATE FUNCTION wipe() RETURNS bigint "
         "LANGUAGE sql AS $$WITH d AS (DELETE FROM child RETURNING id) SELECT count(*) FROM d$$"),
    Case("create-sql-function-merge", FK + "CREATE TABLE incoming (id bigint, n int);",
         "CREATE FUNCTION take() RETURNS void LANGUAGE sql AS $$MERGE INTO child USING incoming "
         "ON child.id = incoming.id WHEN MATCHED THEN UPDATE SET n = incoming.n$$", min_pg=15),
    # A polymorphic argument leaves the body unanalyzed: nothing is opened.
    Case("create-sql-function-polymorphic", FK, "CREATE FUNCTION first_of(anyelement) "
         "RETURNS anyelement LANGUAGE sql AS $$UPDATE child SET n = 0; SELECT $1$$"),
    Case("alter-sequence-owned-by", T + "CREATE SEQUENCE s;", "ALTER SEQUENCE s OWNED BY t.n",
         sequences=True),
    # --- inheritance and partition corners (found by replaying DDL against the server) -------
    # A renamed parent keeps its partitions (they name it by oid): dropping it drops them.
    Case("drop-partitioned-after-rename",
         PARTITIONED + "ALTER TABLE events RENAME TO happenings;", "DROP TABLE happenings"),
    Case("drop-inheritance-parent-after-rename-cascade",
         INH + "ALTER TABLE base RENAME TO root;", "DROP TABLE root CASCADE"),
    # ONLY leaves the column to the children, each made its own: the direct ones are locked.
    Case("drop-column-only-inheritance-parent",
         INH + "CREATE TABLE subsub () INHERITS (sub);", "ALTER TABLE ONLY base DROP COLUMN n"),
    Case("drop-column-inheritance-parent", INH, "ALTER TABLE base DROP COLUMN n"),
    # An inherited CHECK is renamed in every descendant; a NO INHERIT one on its table alone.
    Case("rename-inherited-check",
         INH + "ALTER TABLE base ADD CONSTRAINT n_pos CHECK (n > 0);"
               "CREATE TABLE subsub () INHERITS (sub);",
         "ALTER TABLE base RENAME CONSTRAINT n_pos TO n_positive"),
    Case("rename-no-inherit-check",
         INH + "ALTER TABLE base ADD CONSTRAINT n_pos CHECK (n > 0) NO INHERIT;",
         "ALTER TABLE base RENAME CONSTRAINT n_pos TO n_positive"),
    Case("rename-inherited-check-partitioned",
         EVENTS + "ALTER TABLE events ADD CONSTRAINT id_pos CHECK (id > 0);",
         "ALTER TABLE events RENAME CONSTRAINT id_pos TO id_positive"),
    # NO INHERIT: the children are locked but not read; a child with a CHECK of that name
    # has it merged into its own, not read either.
    # A foreign key is not inherited: ADD locks the children (the subcommand recurses) but
    # validates the parent's own rows only; VALIDATE does not reach them.
    Case("add-foreign-key-inheritance-parent", INH_KEYED,
         "ALTER TABLE base ADD CONSTRAINT fk FOREIGN KEY (id) REFERENCES k"),
    Case("add-foreign-key-deep-inheritance", INH_DEEP + "CREATE TABLE k (n int PRIMARY KEY);"
         "INSERT INTO k VALUES (1); INSERT INTO b VALUES (1);",
         "ALTER TABLE b ADD FOREIGN KEY (n) REFERENCES k"),
    Case("validate-foreign-key-inheritance-parent", INH_KEYED + "ALTER TABLE base ADD CONSTRAINT "
         "fk FOREIGN KEY (id) REFERENCES k NOT VALID;", "ALTER TABLE base VALIDATE CONSTRAINT fk"),
    Case("add-column-references-inheritance-parent", INH_KEYED,
         "ALTER TABLE base ADD COLUMN kid int REFERENCES k"),
    Case("add-check-no-inherit-inheritance-parent", INH,
         "ALTER TABLE base ADD CONSTRAINT n_pos CHECK (n > 0) NO INHERIT"),
    Case("add-check-merged-into-child",
         INH + "ALTER TABLE sub ADD CONSTRAINT n_pos CHECK (n > 0);",
         "ALTER TABLE base ADD CONSTRAINT n_pos CHECK (n > 0)"),
    # --- partition trees below a partition (found by replaying PostgreSQL's regression DDL) ---
    # Attaching a partitioned table locks its whole tree, and reads the leaves its CHECKs do
    # not prove; attaching below the top reads the ancestors' bounds (ACCESS SHARE).
    Case("attach-partitioned-table-locks-its-tree", LIST_TREE
         + "CREATE TABLE sub (a int, b int) PARTITION BY LIST (b);"
           "CREATE TABLE sub1 PARTITION OF sub FOR VALUES IN (1) PARTITION BY LIST (a);"
           "CREATE TABLE sub11 PARTITION OF sub1 FOR VALUES IN (5);"
           "CREATE TABLE sub2 PARTITION OF sub FOR VALUES IN (2);"
           "ALTER TABLE sub2 ADD CONSTRAINT five CHECK (a IS NOT NULL AND a = 5);",
         "ALTER TABLE top ATTACH PARTITION sub FOR VALUES IN (5)"),
    Case("attach-below-the-top-reads-ancestors", LIST_TREE,
         "ALTER TABLE mid ATTACH PARTITION loose FOR VALUES IN (2)"),
    Case("attach-at-the-top-reads-no-ancestor", LIST_TREE,
         "ALTER TABLE top ATTACH PARTITION loose FOR VALUES IN (2)"),
    # A DEFAULT partition that is itself partitioned: every partition under it is locked and
    # each leaf read.
    Case("create-partition-with-partitioned-default", LIST_TREE_DEFAULT,
         "CREATE TABLE top7 PARTITION OF top FOR VALUES IN (7)"),
    Case("attach-partition-with-partitioned-default", LIST_TREE_DEFAULT,
         "ALTER TABLE top ATTACH PARTITION loose FOR VALUES IN (7)"),
    # A CHECK on the partitioned DEFAULT partition spares reading (and locking) its tree; one
    # on a leaf spares that leaf; one that leaves out a value of the new list spares nothing.
    Case("create-partition-partitioned-default-excluded-by-check",
         LIST_TREE_DEFAULT + "ALTER TABLE d ADD CONSTRAINT x CHECK (a NOT IN (7, 8));",
         "CREATE TABLE top7 PARTITION OF top FOR VALUES IN (7)"),
    Case("attach-partition-default-leaf-excluded-by-check",
         LIST_TREE_DEFAULT + "ALTER TABLE ONLY d1 ADD CONSTRAINT x CHECK (a <> 7);",
         "ALTER TABLE top ATTACH PARTITION loose FOR VALUES IN (7)"),
    Case("create-partition-default-check-misses-a-value",
         LIST_TREE_DEFAULT + "ALTER TABLE d ADD CONSTRAINT x CHECK (NOT (a IN (7)));",
         "CREATE TABLE top7 PARTITION OF top FOR VALUES IN (7, 8)"),
    # A DEFAULT partition of a table with no other partition takes every row: nothing to read.
    Case("attach-default-to-empty-parent",
         "CREATE TABLE lp (a int) PARTITION BY LIST (a); CREATE TABLE lp_any (a int);"
         "INSERT INTO lp_any VALUES (1);", "ALTER TABLE lp ATTACH PARTITION lp_any DEFAULT"),
    Case("attach-default-beside-a-partition",
         "CREATE TABLE lp (a int) PARTITION BY LIST (a);"
         "CREATE TABLE lp1 PARTITION OF lp FOR VALUES IN (1); CREATE TABLE lp_any (a int);"
         "INSERT INTO lp_any VALUES (2);", "ALTER TABLE lp ATTACH PARTITION lp_any DEFAULT"),
    Case("detach-partitioned-partition", LIST_TREE, "ALTER TABLE top DETACH PARTITION mid"),
    # A CHECK dropped from a partitioned table is gone from its partitions too, even those
    # that had it before they were attached: the replay follows, so the leaf is read.
    Case("attach-after-check-dropped-from-partitions",
         "CREATE TABLE lp (a int, b text) PARTITION BY LIST (a);"
         "CREATE TABLE p7 (a int, b text, CONSTRAINT seven CHECK (a IS NOT NULL AND a = 7))"
         " PARTITION BY LIST (b);"
         "CREATE TABLE p7a (a int, b text, CONSTRAINT seven CHECK (a IS NOT NULL AND a = 7));"
         "ALTER TABLE p7 ATTACH PARTITION p7a FOR VALUES IN ('a');"
         "ALTER TABLE p7 DROP CONSTRAINT seven;",
         "ALTER TABLE lp ATTACH PARTITION p7 FOR VALUES IN (7)"),
    # --- partitioned indexes (found by replaying indexing.sql) -------------------------------
    # A partition with an index of the same definition has it attached instead of building
    # one (a partitioned one keeps what is below it as it is); another method is no match.
    Case("create-index-partitioned-attaches-matching-index",
         EVENTS + "CREATE INDEX e24_day ON events_2024 (day);"
                  "CREATE INDEX e25_day ON events_2025 USING hash (day);",
         "CREATE INDEX events_day ON events (day)"),
    # The index of a partition's PRIMARY KEY or UNIQUE constraint is attached as well, a
    # deferrable one's too (checked on the server); not one NULLS NOT DISTINCT for a new
    # index without it.
    Case("create-unique-index-partitioned-attaches-constraint-index",
         EVENTS + "ALTER TABLE events_2024 ADD PRIMARY KEY (id, day);"
                  "ALTER TABLE events_2025 ADD CONSTRAINT e25_key UNIQUE (id, day);",
         "CREATE UNIQUE INDEX events_id_day ON events (id, day)"),
    Case("create-unique-index-partitioned-attaches-deferrable-unique",
         EVENTS + "ALTER TABLE events_2024 ADD UNIQUE (id, day) DEFERRABLE;"
                  "ALTER TABLE events_2025 ADD UNIQUE NULLS NOT DISTINCT (id, day);",
         "CREATE UNIQUE INDEX events_id_day ON events (id, day)"),
    Case("create-index-partitioned-attaches-only-index-of-subpartitioned", LIST_TREE
         + "CREATE TABLE top2 PARTITION OF top FOR VALUES IN (2); INSERT INTO top VALUES (2, 2);"
           "CREATE INDEX mid_b ON ONLY mid (b);",
         "CREATE INDEX top_b ON top (b)"),
    # The replay gives each partition its part of a partitioned index, named as the server
    # names it: once detached, dropping it locks the table.
    Case("drop-index-of-detached-created-partition",
         "CREATE TABLE p (a int) PARTITION BY LIST (a); CREATE INDEX ON p (a);"
         "CREATE TABLE p3 PARTITION OF p FOR VALUES IN (3);"
         "ALTER TABLE p DETACH PARTITION p3;", "DROP INDEX p3_a_idx"),
    Case("drop-index-of-detached-attached-partition",
         "CREATE TABLE p (a int) PARTITION BY LIST (a); CREATE INDEX ON p (a);"
         "CREATE TABLE p3 (a int); ALTER TABLE p ATTACH PARTITION p3 FOR VALUES IN (3);"
         "ALTER TABLE p DETACH PARTITION p3;", "DROP INDEX p3_a_idx"),
    # A dropped partitioned table takes its partitions, and their indexes, with it.
    Case("create-index-partitioned-after-tree-recreated",
         "CREATE TABLE p (a int) PARTITION BY LIST (a);"
         "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1); CREATE INDEX ON p1 (a);"
         "DROP TABLE p; CREATE TABLE p (a int) PARTITION BY LIST (a);"
         "CREATE TABLE p1 PARTITION OF p FOR VALUES IN (1); INSERT INTO p VALUES (1);",
         "CREATE INDEX ON p (a)"),
    # ONLY ADD PRIMARY KEY on a column not yet NOT NULL checks every descendant has it.
    Case("add-primary-key-only-partitioned-nullable",
         "CREATE TABLE ip (a int, b int) PARTITION BY RANGE (a);"
         "CREATE TABLE ip1 (a int NOT NULL, b int) PARTITION BY RANGE (a);"
         "CREATE TABLE ip11 (a int NOT NULL, b int);"
         "ALTER TABLE ip1 ATTACH PARTITION ip11 FOR VALUES FROM (0) TO (5);"
         "ALTER TABLE ip ATTACH PARTITION ip1 FOR VALUES FROM (0) TO (10);"
         "INSERT INTO ip VALUES (1, 1);", "ALTER TABLE ONLY ip ADD PRIMARY KEY (a)"),
    Case("add-primary-key-only-partitioned-not-null",
         "CREATE TABLE ip (a int NOT NULL, b int) PARTITION BY RANGE (a);"
         "CREATE TABLE ip1 PARTITION OF ip FOR VALUES FROM (0) TO (10);"
         "INSERT INTO ip VALUES (1, 1);", "ALTER TABLE ONLY ip ADD PRIMARY KEY (a)"),
    # SET LOGGED / UNLOGGED to what the table is already: nothing rewritten.
    Case("set-logged-already-logged", T, "ALTER TABLE t SET LOGGED"),
    Case("set-unlogged-already-unlogged",
         "CREATE UNLOGGED TABLE u (id int PRIMARY KEY); INSERT INTO u VALUES (1);"
         "CREATE TABLE l (id int); ALTER TABLE l SET UNLOGGED;",
         "ALTER TABLE u SET UNLOGGED"),
    Case("set-logged-after-set-unlogged",
         "CREATE TABLE l (id int); INSERT INTO l VALUES (1); ALTER TABLE l SET UNLOGGED;",
         "ALTER TABLE l SET LOGGED"),
    Case("create-table-like-then-attach",
         "CREATE TABLE lp (a int, b text) PARTITION BY LIST (a);"
         "CREATE TABLE src (a int NOT NULL, b text);"
         "CREATE TABLE p3 (LIKE src, CONSTRAINT three CHECK (a IN (3)));"
         "INSERT INTO p3 VALUES (3, 'x');",
         "ALTER TABLE lp ATTACH PARTITION p3 FOR VALUES IN (3)"),
    Case("create-table-like-including-constraints-then-attach",
         "CREATE TABLE lp (a int, b text) PARTITION BY LIST (a);"
         "CREATE TABLE src (a int NOT NULL CHECK (a IN (3)), b text);"
         "CREATE TABLE p3 (LIKE src INCLUDING CONSTRAINTS); INSERT INTO p3 VALUES (3, 'x');",
         "ALTER TABLE lp ATTACH PARTITION p3 FOR VALUES IN (3)"),
    Case("create-table-like-without-constraints-then-attach",
         "CREATE TABLE lp (a int, b text) PARTITION BY LIST (a);"
         "CREATE TABLE src (a int NOT NULL CHECK (a IN (3)), b text);"
         "CREATE TABLE p3 (LIKE src); INSERT INTO p3 VALUES (3, 'x');",
         "ALTER TABLE lp ATTACH PARTITION p3 FOR VALUES IN (3)"),
    # --- composite types (found by replaying alter_table.sql) ---------------------------------
    # ALTER TYPE ... CASCADE alters the tables of that type (not one made NOT OF), and their
    # inheritance children; the type itself is no table: nothing rewritten.
    Case("alter-type-add-attribute-cascade-typed-tables", TYPED,
         "ALTER TYPE tt ADD ATTRIBUTE c text CASCADE"),
    Case("alter-type-alter-attribute-cascade-typed-tables", TYPED,
         "ALTER TYPE tt ALTER ATTRIBUTE b TYPE varchar CASCADE"),
    # ALTER ATTRIBUTE ... TYPE ... CASCADE rewrites the typed tables as ALTER COLUMN ... TYPE
    # would: not when the values are kept (text to varchar, above), but for another type.
    Case("alter-type-alter-attribute-cascade-rewrites-typed-tables", TYPED,
         "ALTER TYPE tt ALTER ATTRIBUTE a TYPE bigint CASCADE"),
    Case("alter-type-alter-attribute-cascade-shorter-varchar", TYPED,
         "ALTER TYPE tt ALTER ATTRIBUTE b TYPE varchar(3) CASCADE"),
    # A partitioned typed table: its partitions are altered (and rewritten) too.
    Case("alter-type-alter-attribute-cascade-partitioned-typed-table",
         "CREATE TYPE tt AS (a int, b text); CREATE TABLE tp OF tt PARTITION BY LIST (a);"
         "CREATE TABLE tp1 PARTITION OF tp FOR VALUES IN (1); INSERT INTO tp VALUES (1, 'x');",
         "ALTER TYPE tt ALTER ATTRIBUTE b TYPE varchar(2) CASCADE"),
    Case("rename-attribute-cascade-partitioned-typed-table",
         "CREATE TYPE tt AS (a int, b text); CREATE TABLE tp OF tt PARTITION BY LIST (a);"
         "CREATE TABLE tp1 PARTITION OF tp FOR VALUES IN (1);",
         "ALTER TYPE tt RENAME ATTRIBUTE b TO bb CASCADE"),
    # DROP ATTRIBUTE ... CASCADE drops the views using the typed table's column.
    Case("alter-type-drop-attribute-cascade-view-over-typed-table",
         TYPED + "CREATE VIEW tv AS SELECT a FROM tb; CREATE VIEW tw AS SELECT b FROM tb;",
         "ALTER TYPE tt DROP ATTRIBUTE a CASCADE"),
    # DROP TYPE ... CASCADE drops its typed tables (and their children, and the views over
    # them), as DROP TABLE ... CASCADE: the tables referencing them are locked.
    Case("drop-type-cascade-drops-typed-tables",
         TYPED + "ALTER TABLE tb ADD PRIMARY KEY (a); CREATE TABLE ref (a int REFERENCES tb);"
                 "CREATE VIEW tv AS SELECT a FROM tbs;",
         "DROP TYPE tt CASCADE"),
    Case("drop-table-cascade-view-over-inheritance-child",
         "CREATE TABLE b (n int); CREATE TABLE s () INHERITS (b);"
         "CREATE VIEW sv AS SELECT n FROM s;",
         "DROP TABLE b CASCADE"),
    Case("rename-attribute-cascade-typed-tables", TYPED,
         "ALTER TYPE tt RENAME ATTRIBUTE a TO aa CASCADE"),
    Case("alter-type-alter-attribute-unused-type", "CREATE TYPE tu AS (a int, b text);",
         "ALTER TYPE tu ALTER ATTRIBUTE b TYPE varchar"),
    # DROP ATTRIBUTE ... CASCADE drops a CHECK over a column of the type: its table is locked.
    Case("alter-type-drop-attribute-cascade-dependent-check",
         TYPED + "CREATE TABLE holder (id int, v tt CHECK ((v).a > 0));"
                 "INSERT INTO holder VALUES (1, ROW(1, 'x'));",
         "ALTER TYPE tt DROP ATTRIBUTE a CASCADE"),
    # --- dropping a constraint of an inheritance parent ---------------------------------------
    # ONLY leaves an inherited CHECK to the direct children, now their own; a key or a
    # NO INHERIT CHECK never reaches them.
    Case("drop-check-only-inheritance-parent", INH_CHECKS,
         "ALTER TABLE ONLY p DROP CONSTRAINT p_c_check"),
    Case("drop-primary-key-inheritance-parent", INH_CHECKS, "ALTER TABLE p DROP CONSTRAINT p_pkey"),
    Case("drop-no-inherit-check-inheritance-parent", INH_CHECKS,
         "ALTER TABLE p DROP CONSTRAINT nic"),
    Case("drop-exclusion-constraint-inheritance-parent",
         "CREATE TABLE tx (c circle, r int4range, EXCLUDE USING gist (c WITH &&));"
         "ALTER TABLE tx ADD EXCLUDE USING gist ((c) WITH &&, r WITH &&);"
         "CREATE TABLE txc () INHERITS (tx);", "ALTER TABLE tx DROP CONSTRAINT tx_c_r_excl"),
    Case("drop-only-no-inherit-check-inheritance-parent", INH_CHECKS,
         "ALTER TABLE ONLY p DROP CONSTRAINT nic"),
    # PostgreSQL 18 takes ONLY for a CHECK or NOT NULL of a partitioned table (before, it
    # refuses): DROP CONSTRAINT holds every partition, however deep; DROP NOT NULL, as of an
    # inheritance parent, the direct ones, whose copies become their own.
    Case("drop-check-only-partitioned", NN_TREES, "ALTER TABLE ONLY p DROP CONSTRAINT p_c_check",
         min_pg=18),
    Case("drop-not-null-constraint-only-partitioned", NN_TREES,
         "ALTER TABLE ONLY p DROP CONSTRAINT p_a_not_null", min_pg=18),
    Case("drop-not-null-only-partitioned", NN_TREES, "ALTER TABLE ONLY p ALTER a DROP NOT NULL",
         min_pg=18),
    Case("drop-not-null-only-inheritance-parent", NN_TREES,
         "ALTER TABLE ONLY i ALTER a DROP NOT NULL", min_pg=18),
    Case("drop-not-null-constraint-only-inheritance-parent", NN_TREES,
         "ALTER TABLE ONLY i DROP CONSTRAINT i_a_not_null", min_pg=18),
    # --- SET SCHEMA moves the relation in the replay ----------------------------------------
    Case("drop-schema-cascade-after-set-schema",
         "CREATE SCHEMA s1; CREATE SCHEMA s2; CREATE TABLE s1.t (id int PRIMARY KEY);"
         "CREATE VIEW s1.v AS SELECT * FROM s1.t;"
         "ALTER TABLE s1.t SET SCHEMA s2; ALTER VIEW s1.v SET SCHEMA s2;",
         "DROP SCHEMA s2 CASCADE", schemas=("s1", "s2")),
    # The views elsewhere over its tables go with them, however deep.
    Case("drop-schema-cascade-drops-views-outside",
         "CREATE SCHEMA s1; CREATE TABLE s1.t (a int); CREATE TABLE s1.u (a int);"
         "CREATE VIEW v AS SELECT a FROM s1.t; CREATE VIEW w AS SELECT * FROM v;"
         "CREATE MATERIALIZED VIEW mv AS SELECT * FROM w; CREATE VIEW unrelated AS SELECT 1;",
         "DROP SCHEMA s1 CASCADE", schemas=("s1",)),
    # --- ALTER SCHEMA ... RENAME moves every object in it in the replay ------------------------
    Case("drop-schema-cascade-after-schema-rename",
         "CREATE SCHEMA s1; CREATE TABLE s1.t (id int PRIMARY KEY); CREATE INDEX ON s1.t (id);"
         "CREATE VIEW v AS SELECT * FROM s1.t; CREATE TABLE r (id int REFERENCES s1.t);"
         "CREATE TABLE kept (id int); ALTER SCHEMA s1 RENAME TO s2;",
         "DROP SCHEMA s2 CASCADE", schemas=("s1", "s2")),
    Case("drop-type-cascade-after-schema-rename",
         "CREATE SCHEMA s1; CREATE TYPE s1.mood AS ENUM ('a'); CREATE DOMAIN s1.d AS s1.mood;"
         "CREATE TABLE t (id int, m s1.mood); CREATE TABLE u (id int, m s1.d);"
         "CREATE TABLE kept (id int); INSERT INTO t VALUES (1, 'a');"
         "ALTER SCHEMA s1 RENAME TO s2;",
         "DROP TYPE s2.mood CASCADE", schemas=("s1", "s2")),
    Case("add-column-constrained-domain-after-schema-rename",
         "CREATE SCHEMA s1; CREATE DOMAIN s1.pos AS int CHECK (VALUE > 0);"
         "CREATE TABLE t (id int); INSERT INTO t VALUES (1); ALTER SCHEMA s1 RENAME TO s2;",
         "ALTER TABLE t ADD COLUMN p s2.pos DEFAULT 1", schemas=("s1", "s2")),
    Case("drop-sequence-cascade-after-schema-rename",
         "CREATE SCHEMA s1; CREATE SEQUENCE s1.c;"
         "CREATE TABLE t (id int DEFAULT nextval('s1.c')); CREATE TABLE kept (id int);"
         "ALTER SCHEMA s1 RENAME TO s2;",
         "DROP SEQUENCE s2.c CASCADE", schemas=("s1", "s2"), sequences=True),
    Case("drop-function-cascade-after-schema-rename",
         "CREATE SCHEMA s1;"
         "CREATE FUNCTION s1.tf() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;"
         "CREATE TABLE t (id int); CREATE TABLE kept (id int);"
         "CREATE TRIGGER x BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION s1.tf();"
         "ALTER SCHEMA s1 RENAME TO s2;",
         "DROP FUNCTION s2.tf() CASCADE", schemas=("s1", "s2")),
    Case("type-change-after-set-schema",
         "CREATE SCHEMA s1; CREATE SCHEMA s2; CREATE TABLE s1.t (id int, v varchar(10));"
         "CREATE INDEX t_v ON s1.t (v); ALTER TABLE s1.t SET SCHEMA s2;"
         "INSERT INTO s2.t VALUES (1, 'a');",
         "ALTER TABLE s2.t ALTER COLUMN v TYPE varchar(20)", schemas=("s1", "s2")),
    # A type change that keeps the values reuses a plain index, never a partition's part of a
    # partitioned index: that one is built again from every partition's rows.
    Case("type-varchar-grow-partitioned-index",
         "CREATE TABLE k (id int, v varchar(20), UNIQUE (id, v)) PARTITION BY LIST (id);"
         "CREATE TABLE k1 PARTITION OF k FOR VALUES IN (1) PARTITION BY LIST (id);"
         "CREATE TABLE k1a PARTITION OF k1 FOR VALUES IN (1);"
         "CREATE TABLE k2 PARTITION OF k FOR VALUES IN (2);"
         "INSERT INTO k VALUES (1, 'a'), (2, 'b');",
         "ALTER TABLE k ALTER COLUMN v TYPE varchar(40)"),
    Case("type-varchar-grow-partition-local-index",
         "CREATE TABLE k (id int, v varchar(20)) PARTITION BY LIST (id);"
         "CREATE TABLE k1 PARTITION OF k FOR VALUES IN (1); CREATE INDEX k1_v ON k1 (v);"
         "CREATE INDEX k_id ON k (id); INSERT INTO k VALUES (1, 'a');",
         "ALTER TABLE k ALTER COLUMN v TYPE varchar(40)"),
    # --- DO blocks: the statements their PL/pgSQL body runs ----------------------------------
    Case("do-block-add-check-or-skip", T,
         "DO $$ BEGIN ALTER TABLE t ADD CONSTRAINT t_n_pos CHECK (n > 0); "
         "EXCEPTION WHEN duplicate_object THEN NULL; END $$"),
    Case("do-block-conditional-index", T,
         "DO $$ BEGIN IF to_regclass('t_n_in_do_block') IS NULL THEN "
         "CREATE INDEX t_n_in_do_block ON t (n); END IF; END $$"),
    Case("do-block-execute-constant", T,
         "DO $$ BEGIN EXECUTE 'ALTER TABLE t ALTER COLUMN n TYPE bigint'; END $$"),
    Case("do-block-two-statements", FK,
         "DO $$ BEGIN UPDATE child SET n = 0; "
         "ALTER TABLE parent ADD COLUMN note text DEFAULT 'x'; END $$"),
    Case("do-block-only-raises", T, "DO $$ BEGIN RAISE NOTICE 'nothing to do'; END $$"),
    # PERFORM runs its query: the table it reads is opened ACCESS SHARE, the sequence it
    # draws from ROW EXCLUSIVE.
    Case("do-block-perform-reads", FK + "CREATE SEQUENCE s;",
         "DO $$ BEGIN PERFORM count(*) FROM parent; PERFORM nextval('s'); "
         "UPDATE child SET n = 0 WHERE id = 1; END $$", sequences=True, compare_scans=False),
    # A foreign key added to a partitioned table: a partition's equal key (its own, or a
    # clone of one above it) is taken over as the clone, its triggers on the referenced table
    # dropped (ACCESS EXCLUSIVE), its rows not read again when it is valid.
    Case("add-fk-partitioned-takes-over-equal-keys",
         "CREATE TABLE pk (a int PRIMARY KEY); CREATE TABLE fp (a int) PARTITION BY LIST (a);"
         "CREATE TABLE fp1 PARTITION OF fp (FOREIGN KEY (a) REFERENCES pk) FOR VALUES IN (1);"
         "CREATE TABLE fp2 PARTITION OF fp FOR VALUES IN (2);"
         "CREATE TABLE fp3 PARTITION OF fp (FOREIGN KEY (a) REFERENCES pk) FOR VALUES IN (3)"
         " PARTITION BY LIST (a); CREATE TABLE fp33 PARTITION OF fp3 FOR VALUES IN (3);"
         "INSERT INTO pk VALUES (1), (2), (3); INSERT INTO fp VALUES (1), (2), (3);",
         "ALTER TABLE fp ADD FOREIGN KEY (a) REFERENCES pk"),
    Case("add-fk-partitioned-not-valid-equal-key-read",
         "CREATE TABLE pk (a int PRIMARY KEY); CREATE TABLE fp (a int) PARTITION BY LIST (a);"
         "CREATE TABLE fp1 PARTITION OF fp FOR VALUES IN (1);"
         "INSERT INTO pk VALUES (1); INSERT INTO fp VALUES (1);"
         "ALTER TABLE fp1 ADD FOREIGN KEY (a) REFERENCES pk NOT VALID;",
         "ALTER TABLE fp ADD FOREIGN KEY (a) REFERENCES pk"),
    # Another action is another key: a new clone beside it.
    Case("add-fk-partitioned-different-key-kept",
         "CREATE TABLE pk (a int PRIMARY KEY); CREATE TABLE fp (a int) PARTITION BY LIST (a);"
         "CREATE TABLE fp1 PARTITION OF fp (FOREIGN KEY (a) REFERENCES pk ON DELETE CASCADE)"
         " FOR VALUES IN (1); INSERT INTO pk VALUES (1); INSERT INTO fp VALUES (1);",
         "ALTER TABLE fp ADD FOREIGN KEY (a) REFERENCES pk"),
    # --- CREATE SCHEMA with elements: each runs as its own statement, in the new schema -------
    # A REFERENCES of an element locks its target, found under the path the statement runs in.
    Case("create-schema-element-table-fk", FK,
         "CREATE SCHEMA s CREATE TABLE gc (id int, child_id bigint REFERENCES child (id))",
         schemas=("s",)),
    # A view element reads the table it names; an index element locks only its new table.
    Case("create-schema-element-view-and-index", T,
         "CREATE SCHEMA s CREATE VIEW v AS SELECT n FROM t CREATE INDEX ON t2 (n) "
         "CREATE TABLE t2 (n int)", schemas=("s",)),
    # Views run after tables: `t` is the element's new s.t, and the older t is not touched.
    Case("create-schema-element-view-of-new-table", T,
         "CREATE SCHEMA s CREATE VIEW v AS SELECT n FROM t CREATE TABLE t (n int)",
         schemas=("s",)),
    # Tables run as written: this `child` is the older one, the element after it too late.
    Case("create-schema-element-fk-before-its-target", FK,
         "CREATE SCHEMA s CREATE TABLE gc (child_id bigint REFERENCES child (id)) "
         "CREATE TABLE child (id bigint PRIMARY KEY)", schemas=("s",)),
    Case("create-schema-element-partition-of", PARTITIONED,
         "CREATE SCHEMA s CREATE TABLE e26 PARTITION OF events "
         "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01') GRANT SELECT ON e26 TO PUBLIC",
         schemas=("s",)),
    Case("create-schema-element-grant-on-older-table", T,
         "CREATE SCHEMA s GRANT SELECT ON t TO PUBLIC", schemas=("s",)),
    # The path in force is searched after the new schema.
    Case("create-schema-element-under-search-path", TWO_USERS,
         "CREATE SCHEMA s CREATE VIEW v AS SELECT email FROM users",
         session="SET search_path = app, {public}", schemas=("app", "s")),
    # The replay knows the tables elements create: the key to child is found, and the
    # element's varchar(10) grows in place.
    Case("create-schema-elements-replayed-fk", FK +
         "CREATE SCHEMA s CREATE TABLE gc (child_id bigint REFERENCES child (id));",
         "ALTER TABLE child ALTER COLUMN id TYPE int", schemas=("s",)),
    Case("create-schema-elements-replayed-columns",
         "CREATE SCHEMA s CREATE TABLE w (id int, v varchar(10)) CREATE INDEX ON w (v);"
         "INSERT INTO s.w VALUES (1, 'a');",
         "ALTER TABLE s.w ALTER COLUMN v TYPE varchar(20)", schemas=("s",)),
    # AUTHORIZATION without a name: the schema is named after the role.
    Case("create-schema-authorization-elements-replayed",
         "CREATE SCHEMA AUTHORIZATION lockwise_oracle_owner CREATE TABLE w (id int, v varchar(10));"
         "INSERT INTO lockwise_oracle_owner.w VALUES (1, 'a');",
         "ALTER TABLE lockwise_oracle_owner.w ALTER COLUMN v TYPE varchar(20)",
         schemas=("lockwise_oracle_owner",)),
    # --- search_path: which schema an unqualified name means -----------------------------------
    Case("search-path-varchar-grow-in-its-schema", BILLING,
         "ALTER TABLE invoices ALTER COLUMN note TYPE varchar(200)",
         session="SET search_path TO billing", schemas=("billing",)),
    Case("search-path-first-schema-holding-the-name", TWO_USERS,
         "ALTER TABLE users ALTER COLUMN email SET NOT NULL",
         session="SET search_path = app, {public}", schemas=("app",)),
    Case("search-path-falls-through-to-a-later-schema", TWO_USERS,
         "ALTER TABLE only_public ALTER COLUMN n TYPE bigint",
         session="SET search_path = app, {public}", schemas=("app",)),
    Case("search-path-default-means-public", TWO_USERS,
         "ALTER TABLE users ALTER COLUMN email SET NOT NULL", schemas=("app",)),
    # Types are found through the path like relations: the domain's constraint, the domain's
    # base type, and only that schema's columns of it.
    Case("search-path-add-column-checked-domain",
         BILLING + "CREATE DOMAIN billing.posint AS int CHECK (VALUE > 0);",
         "ALTER TABLE invoices ADD COLUMN c posint",
         session="SET search_path TO billing", schemas=("billing",)),
    Case("search-path-type-to-plain-domain",
         BILLING + "CREATE DOMAIN billing.long_note AS varchar(200);",
         "ALTER TABLE invoices ALTER COLUMN note TYPE long_note",
         session="SET search_path TO billing", schemas=("billing",)),
    Case("alter-domain-leaves-the-same-name-in-another-schema",
         "CREATE SCHEMA billing; CREATE DOMAIN code AS text;"
         "CREATE DOMAIN billing.code AS text; CREATE TABLE pub (id int, c code);"
         "CREATE TABLE billing.docs (id int, c billing.code);"
         "INSERT INTO pub VALUES (1, 'a'); INSERT INTO billing.docs VALUES (1, 'a');",
         "ALTER DOMAIN billing.code ADD CHECK (VALUE <> '')", schemas=("billing",)),
    # ALTER DOMAIN checks the columns of the domains over it too, and materialized views
    # (their column types known from the plain column references of their query); a
    # partitioned table (no storage) and a view are left alone.
    Case("alter-domain-add-check-reaches-every-stored-user", DOMAIN_USERS,
         "ALTER DOMAIN base ADD CONSTRAINT base_pos CHECK (VALUE > 0)"),
    Case("alter-domain-set-not-null-reaches-every-stored-user", DOMAIN_USERS,
         "ALTER DOMAIN base SET NOT NULL"),
    Case("alter-domain-validate-reaches-every-stored-user",
         DOMAIN_USERS + "ALTER DOMAIN base ADD CONSTRAINT base_pos CHECK (VALUE > 0) NOT VALID;",
         "ALTER DOMAIN base VALIDATE CONSTRAINT base_pos"),
    Case("alter-domain-add-not-valid-reads-nothing", DOMAIN_USERS,
         "ALTER DOMAIN base ADD CONSTRAINT base_pos CHECK (VALUE > 0) NOT VALID"),
    # --- type names keep their case when quoted (Prisma's enums) ------------------------------
    Case("add-column-mixed-case-checked-domain",
         T + 'CREATE DOMAIN "PosInt" AS int CHECK (VALUE > 0);',
         'ALTER TABLE t ADD COLUMN c "PosInt"'),
    Case("drop-mixed-case-type-cascade",
         "CREATE TYPE \"Mood\" AS ENUM ('sad', 'ok'); CREATE TYPE mood AS ENUM ('x');"
         "CREATE TABLE people (id int, m \"Mood\"); CREATE TABLE calm (id int, m mood);"
         "INSERT INTO people VALUES (1, 'ok'); INSERT INTO calm VALUES (1, 'x');",
         'DROP TYPE "Mood" CASCADE'),
    # --- PostgreSQL 18's temporal keys (found by replaying without_overlaps.sql) ---------------
    # A temporal foreign key added valid is checked row by row, each row looked up in the
    # referenced key's index: the referenced table is locked as for any key, not read in full.
    # VALIDATE and ENFORCED of one run the join that reads it.
    Case("add-temporal-fk-reads-the-referencing-table-only", TEMPORAL,
         "ALTER TABLE booking ADD CONSTRAINT booking_room_fk "
         "FOREIGN KEY (room_id, PERIOD valid_at) REFERENCES room (id, PERIOD valid_at)",
         min_pg=18),
    Case("validate-temporal-fk-reads-both-tables", TEMPORAL +
         "ALTER TABLE booking ADD CONSTRAINT booking_room_fk FOREIGN KEY "
         "(room_id, PERIOD valid_at) REFERENCES room (id, PERIOD valid_at) NOT VALID;",
         "ALTER TABLE booking VALIDATE CONSTRAINT booking_room_fk", min_pg=18),
    Case("enforce-temporal-fk-reads-both-tables", TEMPORAL +
         "ALTER TABLE booking ADD CONSTRAINT booking_room_fk FOREIGN KEY "
         "(room_id, PERIOD valid_at) REFERENCES room (id, PERIOD valid_at) NOT ENFORCED;",
         "ALTER TABLE booking ALTER CONSTRAINT booking_room_fk ENFORCED", min_pg=18),
    Case("add-temporal-primary-key", TEMPORAL,
         "ALTER TABLE booking ADD CONSTRAINT booking_pk "
         "PRIMARY KEY (id, valid_at WITHOUT OVERLAPS)",
         min_pg=18),
    # A key dropped by the same ALTER TABLE is not re-created by its column's type change: the
    # other end is not read (found by replaying without_overlaps.sql).
    Case("drop-fk-and-change-its-column-type", FK,
         "ALTER TABLE child DROP CONSTRAINT child_parent_id_fkey, "
         "ALTER COLUMN parent_id TYPE int"),
    Case("change-fk-column-type-revalidates", FK,
         "ALTER TABLE child ALTER COLUMN parent_id TYPE int"),
    Case("rename-policy", T + "CREATE POLICY own_rows ON t USING (n > 0);",
         "ALTER POLICY own_rows ON t RENAME TO positive_rows"),
    # --- DROP ... IF EXISTS of what a known table lacks (found by replaying
    # drop_if_exists.sql): the server looks it up, finds nothing and holds no lock.
    Case("drop-trigger-if-exists-absent", T, "DROP TRIGGER IF EXISTS t_touch ON t"),
    Case("drop-trigger-if-exists-present", T + TOUCH_TRIGGER,
         "DROP TRIGGER IF EXISTS t_touch ON t"),
    Case("drop-trigger-if-exists-renamed-away", T + TOUCH_TRIGGER +
         "ALTER TRIGGER t_touch ON t RENAME TO t_touch2;", "DROP TRIGGER IF EXISTS t_touch ON t"),
    Case("drop-policy-if-exists-absent", T, "DROP POLICY IF EXISTS own_rows ON t"),
    Case("drop-policy-if-exists-present", T + "CREATE POLICY own_rows ON t USING (n > 0);",
         "DROP POLICY IF EXISTS own_rows ON t"),
    Case("drop-policy-if-exists-renamed", T + "CREATE POLICY own_rows ON t USING (n > 0);"
         "ALTER POLICY own_rows ON t RENAME TO positive_rows;",
         "DROP POLICY IF EXISTS positive_rows ON t"),
    Case("drop-policy-if-exists-dropped-before", T + "CREATE POLICY own_rows ON t USING (true);"
         "DROP POLICY own_rows ON t;", "DROP POLICY IF EXISTS own_rows ON t"),
    Case("drop-policy-if-exists-table-renamed", T + "CREATE POLICY own_rows ON t USING (true);"
         "ALTER TABLE t RENAME TO t2;", "DROP POLICY IF EXISTS own_rows ON t2"),
    # --- objects moved by RENAME / SET SCHEMA: the catalog follows them (found by replaying
    # namespace.sql and alter_generic.sql) --------------------------------------------------
    Case("alter-column-type-to-its-own-constrained-domain", MOVABLE,
         "ALTER TABLE t ALTER COLUMN p TYPE app.pos", schemas=("app", "archive")),
    Case("alter-column-type-to-its-domain-moved", MOVABLE +
         "ALTER DOMAIN app.pos SET SCHEMA archive;",
         "ALTER TABLE t ALTER COLUMN p TYPE archive.pos", schemas=("app", "archive")),
    Case("add-column-of-renamed-constrained-domain", MOVABLE +
         "ALTER DOMAIN app.pos RENAME TO positive;",
         "ALTER TABLE t ADD COLUMN q app.positive", schemas=("app", "archive")),
    Case("drop-renamed-domain-cascade", MOVABLE + "ALTER DOMAIN app.pos RENAME TO positive;",
         "DROP DOMAIN app.positive CASCADE", schemas=("app", "archive")),
    Case("drop-type-cascade-after-set-schema", MOVABLE + "ALTER TYPE app.mood SET SCHEMA archive;",
         "DROP TYPE archive.mood CASCADE", schemas=("app", "archive")),
    Case("drop-sequence-cascade-after-rename", MOVABLE + "ALTER SEQUENCE app.c RENAME TO c2;",
         "DROP SEQUENCE app.c2 CASCADE", schemas=("app", "archive"), sequences=True),
    Case("drop-sequence-cascade-after-set-schema", MOVABLE +
         "ALTER SEQUENCE app.c SET SCHEMA archive;",
         "DROP SEQUENCE archive.c CASCADE", schemas=("app", "archive"), sequences=True),
    Case("drop-function-cascade-after-rename", MOVABLE + "ALTER FUNCTION app.tf() RENAME TO tf2;",
         "DROP FUNCTION app.tf2() CASCADE", schemas=("app", "archive")),
    Case("drop-function-cascade-after-set-schema", MOVABLE +
         "ALTER FUNCTION app.tf() SET SCHEMA archive;",
         "DROP FUNCTION archive.tf() CASCADE", schemas=("app", "archive")),
    # DROP SCHEMA ... CASCADE drops the keys between its tables and the others (found by
    # replaying create_schema.sql).
    Case("drop-schema-cascade-keys-crossing-it",
         "CREATE SCHEMA app; CREATE TABLE outside (id int PRIMARY KEY);"
         "CREATE TABLE app.kid (id int PRIMARY KEY, o int REFERENCES outside);"
         "CREATE TABLE other (id int, k int REFERENCES app.kid); CREATE TABLE bystander (id int);",
         "DROP SCHEMA app CASCADE", schemas=("app",)),
    Case("drop-rule-if-exists-absent", T, "DROP RULE IF EXISTS no_insert ON t"),
    # --- a PRIMARY KEY or NOT NULL on a plain inheritance parent ----------------------------
    # It gives every child, however deep, the NOT NULL (locked ACCESS EXCLUSIVE; read unless
    # its column is NOT NULL already).
    Case("add-primary-key-inheritance-parent", INH_KEYLESS, "ALTER TABLE q ADD PRIMARY KEY (id)"),
    Case("add-primary-key-two-columns-inheritance-parent", INH_KEYLESS,
         "ALTER TABLE q ADD CONSTRAINT q_pk PRIMARY KEY (id, v)"),
    Case("add-primary-key-child-proven-by-check-inheritance-parent",
         INH_KEYLESS + "ALTER TABLE qc1 ADD CONSTRAINT qc1_id_nn CHECK (id IS NOT NULL);",
         "ALTER TABLE q ADD PRIMARY KEY (id)"),
    # UNIQUE and EXCLUDE give the children no index: locked, not read.
    Case("add-unique-inheritance-parent", INH_KEYLESS, "ALTER TABLE q ADD UNIQUE (id)"),
    Case("add-exclude-inheritance-parent", INH_KEYLESS,
         "ALTER TABLE q ADD CONSTRAINT q_ex EXCLUDE USING btree (id WITH =)"),
    Case("set-not-null-inheritance-parent", INH_KEYLESS,
         "ALTER TABLE q ALTER COLUMN id SET NOT NULL"),
    # --- foreign tables: no storage here, nothing rewritten or read ---------------------------
    Case("alter-foreign-table-add-column", FOREIGN,
         "ALTER FOREIGN TABLE ft ADD COLUMN b int NOT NULL DEFAULT 1"),
    Case("alter-foreign-table-column-type", FOREIGN,
         "ALTER FOREIGN TABLE ft ALTER COLUMN id TYPE bigint"),
    Case("alter-table-foreign-table-column-type", FOREIGN,
         "ALTER TABLE ft ALTER COLUMN id TYPE text"),
    Case("alter-foreign-table-set-not-null", FOREIGN,
         "ALTER FOREIGN TABLE ft ALTER COLUMN id SET NOT NULL"),
    Case("alter-foreign-table-add-check", FOREIGN,
         "ALTER FOREIGN TABLE ft ADD CONSTRAINT ft_id_positive CHECK (id > 0)"),
    Case("alter-foreign-table-options", FOREIGN, "ALTER FOREIGN TABLE ft OPTIONS (ADD a 'b')"),
    Case("drop-foreign-table", FOREIGN, "DROP FOREIGN TABLE ft"),
    Case("alter-foreign-table-rename", FOREIGN, "ALTER FOREIGN TABLE ft RENAME TO ft2"),
    # Rows written into a partition named directly are checked against its partition
    # constraint: every partitioned table above it is opened ACCESS SHARE.
    Case("insert-into-subpartition", SUBPARTED, "INSERT INTO sp11 VALUES (2, 'a')"),
    Case("update-subpartition", SUBPARTED, "UPDATE sp11 SET id = id + 1"),
    Case("delete-from-subpartition", SUBPARTED, "DELETE FROM sp11"),
    # MERGE likewise when a row is inserted or updated (sp11 holds id 1: matched; 2: not);
    # a MERGE that only deletes opens none, as DELETE.
    Case("merge-into-subpartition", SUBPARTED,
         "MERGE INTO sp11 USING (VALUES (1), (2)) v(id) ON sp11.id = v.id "
         "WHEN MATCHED THEN UPDATE SET r = 'a' WHEN NOT MATCHED THEN INSERT VALUES (v.id, 'a')",
         min_pg=15, compare_scans=False),
    Case("merge-insert-into-subpartition", SUBPARTED,
         "MERGE INTO sp11 USING (VALUES (2)) v(id) ON sp11.id = v.id "
         "WHEN NOT MATCHED THEN INSERT VALUES (v.id, 'a')", min_pg=15, compare_scans=False),
    Case("merge-delete-from-subpartition", SUBPARTED,
         "MERGE INTO sp11 USING (VALUES (1)) v(id) ON sp11.id = v.id "
         "WHEN MATCHED THEN DELETE", min_pg=15, compare_scans=False),
    Case("merge-into-partitioned-inserts", EVENTS + "CREATE TABLE inc (id bigint, day date);"
         "INSERT INTO inc VALUES (9, '2025-03-01');",
         "MERGE INTO events USING inc ON events.id = inc.id "
         "WHEN NOT MATCHED THEN INSERT VALUES (inc.id, inc.day, 'n')", min_pg=15,
         compare_scans=False),
    Case("create-foreign-table-partition-of", FOREIGN
         + "CREATE TABLE parted (id int, region text) PARTITION BY LIST (region);",
         "CREATE FOREIGN TABLE parted_us PARTITION OF parted FOR VALUES IN ('us') "
         "SERVER lockwise_oracle_server"),
    Case("create-foreign-table-inherits", FOREIGN + "CREATE TABLE base (id int);",
         "CREATE FOREIGN TABLE base_remote () INHERITS (base) SERVER lockwise_oracle_server"),
    # A partitioned table with a foreign partition: only the local partitions are rewritten.
    Case("add-column-volatile-default-foreign-partition", FOREIGN + """
         CREATE TABLE parted (id int, region text) PARTITION BY LIST (region);
         CREATE TABLE parted_eu PARTITION OF parted FOR VALUES IN ('eu');
         CREATE FOREIGN TABLE parted_us PARTITION OF parted FOR VALUES IN ('us')
             SERVER lockwise_oracle_server;
         INSERT INTO parted_eu VALUES (1, 'eu');""",
         "ALTER TABLE parted ADD COLUMN seen timestamptz DEFAULT clock_timestamp()"),
    Case("drop-rule-if-exists-renamed", T + "CREATE RULE no_insert AS ON INSERT TO t "
         "DO INSTEAD NOTHING; ALTER RULE no_insert ON t RENAME TO no_insert2;",
         "DROP RULE IF EXISTS no_insert2 ON t"),
    # --- statement kinds and subcommands checked on the server since (round 4 QA) -------------
    # Storage parameters, each one's lock level from reloptions.c: the vacuum and planner ones
    # SHARE UPDATE EXCLUSIVE, on the table's TOAST table (toast.*) too.
    Case("set-parallel-workers", T, "ALTER TABLE t SET (parallel_workers = 4)"),
    Case("set-toast-tuple-target", T, "ALTER TABLE t SET (toast_tuple_target = 256)"),
    Case("set-vacuum-truncate", T, "ALTER TABLE t SET (vacuum_truncate = false)"),
    Case("set-vacuum-index-cleanup", T, "ALTER TABLE t SET (vacuum_index_cleanup = off)"),
    Case("set-log-autovacuum-min-duration", T,
         "ALTER TABLE t SET (log_autovacuum_min_duration = 0)"),
    Case("set-toast-vacuum-truncate", T, "ALTER TABLE t SET (toast.vacuum_truncate = false)"),
    Case("set-toast-vacuum-index-cleanup", T,
         "ALTER TABLE t SET (toast.vacuum_index_cleanup = off)"),
    Case("set-toast-log-autovacuum-min-duration", T,
         "ALTER TABLE t SET (toast.log_autovacuum_min_duration = 0)"),
    Case("set-light-and-heavy-parameters", T,
         "ALTER TABLE t SET (fillfactor = 70, user_catalog_table = true)"),
    Case("reset-autovacuum-parameter", T + "ALTER TABLE t SET (autovacuum_enabled = false);",
         "ALTER TABLE t RESET (autovacuum_enabled)"),
    Case("set-fillfactor-materialized-view", MATVIEW,
         "ALTER MATERIALIZED VIEW mv SET (fillfactor = 70)"),
    Case("set-view-security-barrier", VIEWS, "ALTER VIEW v SET (security_barrier = true)"),
    Case("set-view-check-option", VIEWS, "ALTER VIEW v SET (check_option = local)"),
    Case("reset-view-security-invoker", VIEWS + "ALTER VIEW v SET (security_invoker = true);",
         "ALTER VIEW v RESET (security_invoker)"),
    # Column subcommands on a partitioned table and an inheritance parent.
    Case("set-statistics-partitioned", EVENTS,
         "ALTER TABLE events ALTER COLUMN kind SET STATISTICS 500"),
    Case("set-statistics-inheritance-parent", INH,
         "ALTER TABLE base ALTER COLUMN n SET STATISTICS 500"),
    Case("set-storage-partitioned", EVENTS,
         "ALTER TABLE events ALTER COLUMN kind SET STORAGE EXTERNAL"),
    Case("set-storage-inheritance-parent", INH + "ALTER TABLE base ADD COLUMN s text;",
         "ALTER TABLE base ALTER COLUMN s SET STORAGE EXTERNAL"),
    Case("reset-column-option", T + "ALTER TABLE t ALTER COLUMN n SET (n_distinct = 100);",
         "ALTER TABLE t ALTER COLUMN n RESET (n_distinct)"),
    Case("set-column-option-partitioned", EVENTS,
         "ALTER TABLE events ALTER COLUMN id SET (n_distinct = 100)"),
    Case("set-default-partitioned", EVENTS,
         "ALTER TABLE events ALTER COLUMN kind SET DEFAULT 'x'"),
    Case("drop-default-partitioned",
         EVENTS + "ALTER TABLE events ALTER COLUMN kind SET DEFAULT 'x';",
         "ALTER TABLE events ALTER COLUMN kind DROP DEFAULT"),
    Case("set-default-inheritance-parent", INH, "ALTER TABLE base ALTER COLUMN n SET DEFAULT 0"),
    Case("add-identity-partitioned", EVENTS + "ALTER TABLE events ALTER COLUMN id SET NOT NULL;",
         "ALTER TABLE events ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY", min_pg=17,
         sequences=True),
    Case("drop-identity-partitioned",
         "CREATE TABLE ip (id int GENERATED ALWAYS AS IDENTITY, k int) PARTITION BY LIST (k);"
         "CREATE TABLE ip1 PARTITION OF ip FOR VALUES IN (1); INSERT INTO ip (k) VALUES (1);",
         "ALTER TABLE ip ALTER COLUMN id DROP IDENTITY", min_pg=17, sequences=True),
    Case("set-identity-generated", "CREATE TABLE k (id int GENERATED ALWAYS AS IDENTITY);",
         "ALTER TABLE k ALTER COLUMN id SET GENERATED BY DEFAULT", sequences=True),
    Case("set-identity-restart", "CREATE TABLE k (id int GENERATED ALWAYS AS IDENTITY);",
         "ALTER TABLE k ALTER COLUMN id RESTART WITH 100", sequences=True),
    Case("drop-expression-stored",
         T + "ALTER TABLE t ADD COLUMN g int GENERATED ALWAYS AS (n * 2) STORED;",
         "ALTER TABLE t ALTER COLUMN g DROP EXPRESSION", min_pg=13),
    Case("set-expression-stored-partitioned",
         EVENTS + "ALTER TABLE events ADD COLUMN g bigint GENERATED ALWAYS AS (id * 2) STORED;",
         "ALTER TABLE events ALTER COLUMN g SET EXPRESSION AS (id * 3)", min_pg=17),
    # OF / NOT OF, REPLICA IDENTITY, rules, row level security.
    Case("of-type", TYPED + "CREATE TABLE tb4 (a int, b text); INSERT INTO tb4 VALUES (1, 'x');",
         "ALTER TABLE tb4 OF tt"),
    Case("not-of-type", TYPED, "ALTER TABLE tb NOT OF"),
    Case("replica-identity-using-index",
         T + "CREATE UNIQUE INDEX t_v_u ON t (v); ALTER TABLE t ALTER COLUMN v SET NOT NULL;",
         "ALTER TABLE t REPLICA IDENTITY USING INDEX t_v_u"),
    Case("replica-identity-nothing", T, "ALTER TABLE t REPLICA IDENTITY NOTHING"),
    Case("replica-identity-partitioned", EVENTS, "ALTER TABLE events REPLICA IDENTITY FULL"),
    Case("disable-rule", T + "CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING;",
         "ALTER TABLE t DISABLE RULE r"),
    Case("enable-always-rule", T + "CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING;",
         "ALTER TABLE t ENABLE ALWAYS RULE r"),
    Case("enable-replica-rule", T + "CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING;",
         "ALTER TABLE t ENABLE REPLICA RULE r"),
    Case("disable-row-level-security", T + "ALTER TABLE t ENABLE ROW LEVEL SECURITY;",
         "ALTER TABLE t DISABLE ROW LEVEL SECURITY"),
    Case("no-force-row-level-security", T + "ALTER TABLE t FORCE ROW LEVEL SECURITY;",
         "ALTER TABLE t NO FORCE ROW LEVEL SECURITY"),
    Case("enable-row-level-security-partitioned", EVENTS,
         "ALTER TABLE events ENABLE ROW LEVEL SECURITY"),
    Case("owner-to-partitioned", EVENTS, "ALTER TABLE events OWNER TO lockwise_oracle_owner"),
    Case("enable-always-trigger", T + TOUCH_TRIGGER, "ALTER TABLE t ENABLE ALWAYS TRIGGER t_touch"),
    Case("disable-user-triggers", T + TOUCH_TRIGGER, "ALTER TABLE t DISABLE TRIGGER USER"),
    Case("disable-trigger-all-inheritance-parent", INH + """
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
         CREATE TRIGGER b_touch BEFORE UPDATE ON base FOR EACH ROW EXECUTE FUNCTION touch();""",
         "ALTER TABLE base DISABLE TRIGGER ALL"),
    # CREATE TRIGGER of the other kinds.
    Case("create-constraint-trigger", T + TOUCH_TRIGGER,
         "CREATE CONSTRAINT TRIGGER ct AFTER INSERT ON t DEFERRABLE "
         "FOR EACH ROW EXECUTE FUNCTION touch()"),
    # FROM names the other table of the constraint: opened ACCESS SHARE.
    Case("create-constraint-trigger-from", FK + TOUCH_TRIGGER.replace(" ON t ", " ON child "),
         "CREATE CONSTRAINT TRIGGER ct AFTER INSERT ON child FROM parent DEFERRABLE "
         "FOR EACH ROW EXECUTE FUNCTION touch()"),
    Case("create-or-replace-trigger", T + TOUCH_TRIGGER,
         "CREATE OR REPLACE TRIGGER t_touch BEFORE INSERT ON t FOR EACH ROW "
         "EXECUTE FUNCTION touch()", min_pg=14),
    Case("create-statement-trigger-partitioned", EVENTS + """
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RETURN NEW; END $$;""",
         "CREATE TRIGGER e_stmt AFTER UPDATE ON events FOR EACH STATEMENT "
         "EXECUTE FUNCTION touch()"),
    Case("create-instead-of-trigger-on-view", VIEWS + """
         CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN RETURN NEW; END $$;""",
         "CREATE TRIGGER v_ins INSTEAD OF INSERT ON v FOR EACH ROW EXECUTE FUNCTION touch()"),
    Case("rename-trigger", T + TOUCH_TRIGGER, "ALTER TRIGGER t_touch ON t RENAME TO t_touched"),
    Case("rename-rule", T + "CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING;",
         "ALTER RULE r ON t RENAME TO r2"),
    Case("create-policy-partitioned", EVENTS, "CREATE POLICY p ON events USING (id > 0)"),
    # COMMENT ON the other kinds that name a relation.
    Case("comment-on-rule", T + "CREATE RULE r AS ON INSERT TO t DO INSTEAD NOTHING;",
         "COMMENT ON RULE r ON t IS 'no inserts'"),
    Case("comment-on-view-column", VIEWS, "COMMENT ON COLUMN v.n IS 'n'"),
    Case("comment-on-column-partitioned", EVENTS, "COMMENT ON COLUMN events.kind IS 'k'"),
    Case("comment-on-statistics", T + "CREATE STATISTICS t_st ON n, v FROM t;",
         "COMMENT ON STATISTICS t_st IS 's'"),
    Case("comment-on-type-used-by-table", "CREATE TYPE mood AS ENUM ('a');"
         "CREATE TABLE people (id int, m mood);", "COMMENT ON TYPE mood IS 'm'"),
    # GRANT / REVOKE of the other forms.
    Case("revoke-select", T + "GRANT SELECT ON t TO lockwise_oracle_owner;",
         "REVOKE SELECT ON t FROM lockwise_oracle_owner"),
    Case("grant-column", T, "GRANT SELECT (n), UPDATE (n) ON t TO lockwise_oracle_owner"),
    Case("grant-on-view", VIEWS, "GRANT SELECT ON v TO lockwise_oracle_owner"),
    Case("grant-on-partitioned", EVENTS, "GRANT SELECT ON events TO lockwise_oracle_owner"),
    Case("grant-all-tables-in-schema", "CREATE SCHEMA app; CREATE TABLE app.a (id int);"
         "CREATE TABLE app.b (id int);",
         "GRANT SELECT ON ALL TABLES IN SCHEMA app TO lockwise_oracle_owner", schemas=("app",)),
    # ALTER TYPE (enum) and ALTER DOMAIN subcommands that check nothing.
    Case("enum-rename-value", "CREATE TYPE mood AS ENUM ('sad', 'ok');"
         "CREATE TABLE people (id int, m mood); INSERT INTO people VALUES (1, 'ok');",
         "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine'"),
    Case("enum-add-value-before", "CREATE TYPE mood AS ENUM ('sad', 'ok');"
         "CREATE TABLE people (id int, m mood); INSERT INTO people VALUES (1, 'ok');",
         "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok'"),
    Case("alter-domain-drop-constraint",
         DOMAIN_USERS + "ALTER DOMAIN base ADD CONSTRAINT base_pos CHECK (VALUE > 0);",
         "ALTER DOMAIN base DROP CONSTRAINT base_pos"),
    Case("alter-domain-drop-not-null", DOMAIN_USERS + "ALTER DOMAIN base SET NOT NULL;",
         "ALTER DOMAIN base DROP NOT NULL"),
    Case("alter-domain-set-default", DOMAIN_USERS, "ALTER DOMAIN base SET DEFAULT 7"),
    Case("alter-domain-drop-default", DOMAIN_USERS + "ALTER DOMAIN base SET DEFAULT 7;",
         "ALTER DOMAIN base DROP DEFAULT"),
    Case("alter-domain-rename-constraint",
         DOMAIN_USERS + "ALTER DOMAIN base ADD CONSTRAINT base_pos CHECK (VALUE > 0);",
         "ALTER DOMAIN base RENAME CONSTRAINT base_pos TO base_positive"),
    Case("create-statistics-partitioned", EVENTS, "CREATE STATISTICS es ON id, day FROM events"),
    # TRUNCATE of more forms.
    Case("truncate-restart-identity", "CREATE TABLE k (id serial, n int);"
         "INSERT INTO k (n) VALUES (1);", "TRUNCATE k RESTART IDENTITY", sequences=True),
    Case("truncate-both-ends-of-a-key", FK, "TRUNCATE child, parent"),
    Case("truncate-partition", EVENTS, "TRUNCATE events_2024"),
    # VACUUM / ANALYZE of more forms.
    Case("analyze-columns", T, "ANALYZE t (n, v)"),
    Case("analyze-materialized-view", MATVIEW, "ANALYZE mv"),
    Case("vacuum-full-materialized-view", MATVIEW, "VACUUM FULL mv",
         blocker="SELECT * FROM mv"),
    # LOCK TABLE in the modes not covered above.
    Case("lock-row-share", T, "LOCK TABLE t IN ROW SHARE MODE"),
    Case("lock-share-update-exclusive", T, "LOCK TABLE t IN SHARE UPDATE EXCLUSIVE MODE"),
    Case("lock-access-exclusive-nowait", T, "LOCK TABLE t IN ACCESS EXCLUSIVE MODE NOWAIT"),
    Case("lock-only-inheritance-parent", INH, "LOCK TABLE ONLY base IN EXCLUSIVE MODE"),
    # CREATE TABLE of more forms.
    Case("create-table-inherits-two-parents", INH + "CREATE TABLE other (x int);",
         "CREATE TABLE both_ () INHERITS (base, other)"),
    Case("create-default-partition", EVENTS,
         "CREATE TABLE events_other PARTITION OF events DEFAULT"),
    Case("create-partitioned-partition", EVENTS,
         "CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01') "
         "TO ('2027-01-01') PARTITION BY LIST (kind)"),
    Case("create-table-of-type", TYPED, "CREATE TABLE tb5 OF tt"),
    # ALTER VIEW / ALTER MATERIALIZED VIEW subcommands.
    Case("alter-view-set-default", VIEWS, "ALTER VIEW v ALTER COLUMN n SET DEFAULT 0"),
    Case("alter-view-drop-default", VIEWS + "ALTER VIEW v ALTER COLUMN n SET DEFAULT 0;",
         "ALTER VIEW v ALTER COLUMN n DROP DEFAULT"),
    Case("alter-view-owner-to", VIEWS, "ALTER VIEW v OWNER TO lockwise_oracle_owner"),
    Case("alter-view-rename-column", VIEWS, "ALTER VIEW v RENAME COLUMN n TO m"),
    Case("alter-view-set-schema", VIEWS + "CREATE SCHEMA oracle_view_archive;",
         "ALTER VIEW v SET SCHEMA oracle_view_archive", schemas=("oracle_view_archive",)),
    Case("rename-materialized-view", MATVIEW, "ALTER MATERIALIZED VIEW mv RENAME TO mv2"),
    Case("rename-materialized-view-column", MATVIEW,
         "ALTER MATERIALIZED VIEW mv RENAME COLUMN n TO m"),
    Case("alter-materialized-view-owner-to", MATVIEW,
         "ALTER MATERIALIZED VIEW mv OWNER TO lockwise_oracle_owner"),
    Case("alter-materialized-view-set-tablespace", MATVIEW,
         "ALTER MATERIALIZED VIEW mv SET TABLESPACE pg_default"),
    Case("alter-materialized-view-cluster-on", MATVIEW,
         "ALTER MATERIALIZED VIEW mv CLUSTER ON mv_id"),
    Case("alter-materialized-view-set-statistics", MATVIEW,
         "ALTER MATERIALIZED VIEW mv ALTER COLUMN n SET STATISTICS 500"),
    Case("alter-materialized-view-set-access-method", MATVIEW,
         "ALTER MATERIALIZED VIEW mv SET ACCESS METHOD heap", min_pg=15),
    Case("create-index-on-materialized-view", MATVIEW, "CREATE INDEX mv_n ON mv (n)"),
    # DROP ... CASCADE reaching dependents of more kinds.
    Case("drop-materialized-view-cascade", MATVIEW + "CREATE VIEW over_mv AS SELECT * FROM mv;",
         "DROP MATERIALIZED VIEW mv CASCADE"),
    Case("drop-column-cascade-materialized-view",
         T + "CREATE MATERIALIZED VIEW mvn AS SELECT id, n FROM t;",
         "ALTER TABLE t DROP COLUMN n CASCADE"),
    Case("drop-two-tables", FK, "DROP TABLE child, parent"),
    Case("drop-view-cascade-materialized-view-over-it",
         VIEWS + "CREATE MATERIALIZED VIEW mv AS SELECT * FROM v;", "DROP VIEW v CASCADE"),
    # Publications: the tables each statement names.
    Case("alter-publication-add-table", T + "CREATE TABLE other (id bigint);"
         "CREATE PUBLICATION pub_add FOR TABLE other;", "ALTER PUBLICATION pub_add ADD TABLE t"),
    Case("alter-publication-drop-table", T + "CREATE TABLE other (id bigint);"
         "CREATE PUBLICATION pub_drop FOR TABLE t, other;",
         "ALTER PUBLICATION pub_drop DROP TABLE t"),
    Case("alter-publication-set-table", T + "CREATE TABLE other (id bigint);"
         "CREATE PUBLICATION pub_set FOR TABLE other;", "ALTER PUBLICATION pub_set SET TABLE t",
         # the table SET takes out: the catalog does not follow publications
         unmodeled={"public.other": L.SHARE_UPDATE_EXCLUSIVE}),
    # A table named without ONLY brings its inheritance children, however deep, into the
    # publication, each opened as it is (a partitioned table's partitions are not added).
    # (A publication is the database's: each case names its own.)
    Case("create-publication-inheritance-parent", INH_DEEP,
         "CREATE PUBLICATION pub_inh FOR TABLE b"),
    Case("create-publication-inheritance-only", INH_DEEP,
         "CREATE PUBLICATION pub_inh_only FOR TABLE ONLY b"),
    Case("create-publication-partitioned", EVENTS,
         "CREATE PUBLICATION pub_parted FOR TABLE events"),
    Case("alter-publication-add-inheritance-parent", INH_DEEP + "CREATE PUBLICATION pub_inh_add;",
         "ALTER PUBLICATION pub_inh_add ADD TABLE s"),
    Case("alter-publication-drop-inheritance-parent",
         INH_DEEP + "CREATE PUBLICATION pub_inh_drop FOR TABLE b;",
         "ALTER PUBLICATION pub_inh_drop DROP TABLE b"),
    Case("drop-publication", T + "CREATE PUBLICATION pub_gone FOR TABLE t;",
         "DROP PUBLICATION pub_gone"),
    # ALTER INDEX of the other subcommands.
    Case("alter-index-set-statistics", T + "CREATE INDEX t_lower_v ON t (lower(v));",
         "ALTER INDEX t_lower_v ALTER COLUMN 1 SET STATISTICS 100"),
    Case("alter-index-reset", T + "CREATE INDEX t_n ON t (n) WITH (fillfactor = 80);",
         "ALTER INDEX t_n RESET (fillfactor)"),
    Case("set-identity-option-partitioned",
         "CREATE TABLE ip (id int GENERATED ALWAYS AS IDENTITY, k int) PARTITION BY LIST (k);"
         "CREATE TABLE ip1 PARTITION OF ip FOR VALUES IN (1); INSERT INTO ip (k) VALUES (1);",
         "ALTER TABLE ip ALTER COLUMN id SET INCREMENT BY 2", min_pg=17, sequences=True),
    Case("set-identity-restart-partitioned",
         "CREATE TABLE ip (id int GENERATED ALWAYS AS IDENTITY, k int) PARTITION BY LIST (k);"
         "CREATE TABLE ip1 PARTITION OF ip FOR VALUES IN (1); INSERT INTO ip (k) VALUES (1);",
         "ALTER TABLE ip ALTER COLUMN id RESTART", min_pg=17, sequences=True),
    Case("set-identity-generated-partitioned",
         "CREATE TABLE ip (id int GENERATED ALWAYS AS IDENTITY, k int) PARTITION BY LIST (k);"
         "CREATE TABLE ip1 PARTITION OF ip FOR VALUES IN (1); INSERT INTO ip (k) VALUES (1);",
         "ALTER TABLE ip ALTER COLUMN id SET GENERATED BY DEFAULT", min_pg=17, sequences=True),
    Case("set-identity-generated-and-option-partitioned",
         "CREATE TABLE ip (id int GENERATED ALWAYS AS IDENTITY, k int) PARTITION BY LIST (k);"
         "CREATE TABLE ip1 PARTITION OF ip FOR VALUES IN (1); INSERT INTO ip (k) VALUES (1);",
         "ALTER TABLE ip ALTER COLUMN id SET GENERATED BY DEFAULT SET INCREMENT BY 2",
         min_pg=17, sequences=True),
    Case("rename-partitioned-table", EVENTS, "ALTER TABLE events RENAME TO happenings"),
    Case("set-schema-partitioned", EVENTS + "CREATE SCHEMA oracle_parted_archive;",
         "ALTER TABLE events SET SCHEMA oracle_parted_archive",
         schemas=("oracle_parted_archive",)),
    Case("cluster-without-using", T + "CREATE INDEX t_n ON t (n); ALTER TABLE t CLUSTER ON t_n;",
         "CLUSTER t"),
    Case("comment-on-foreign-table",
         "CREATE FOREIGN DATA WRAPPER oracle_fdw_b; "
         "CREATE SERVER oracle_srv_b FOREIGN DATA WRAPPER oracle_fdw_b;"
         "CREATE FOREIGN TABLE ft (a int) SERVER oracle_srv_b;",
         "COMMENT ON FOREIGN TABLE ft IS 'f'"),
    Case("alter-constraint-initially-deferred", FK + "ALTER TABLE child ALTER CONSTRAINT "
         "child_parent_id_fkey DEFERRABLE;",
         "ALTER TABLE child ALTER CONSTRAINT child_parent_id_fkey INITIALLY DEFERRED"),
    Case("alter-constraint-not-deferrable", FK + "ALTER TABLE child ALTER CONSTRAINT "
         "child_parent_id_fkey DEFERRABLE;",
         "ALTER TABLE child ALTER CONSTRAINT child_parent_id_fkey NOT DEFERRABLE"),
    Case("inherit-with-checks",
         "CREATE TABLE p (a int CONSTRAINT a_pos CHECK (a > 0), b int NOT NULL);"
         "CREATE TABLE c (a int CONSTRAINT a_pos CHECK (a > 0), b int NOT NULL);"
         "INSERT INTO c VALUES (1, 1);",
         "ALTER TABLE c INHERIT p"),
    Case("no-inherit-middle-of-three-levels", INH_DEEP, "ALTER TABLE gs NO INHERIT s"),
    Case("create-view-security-invoker-over-view", VIEWS,
         "CREATE VIEW w WITH (security_invoker = true) AS SELECT * FROM v"),
    Case("notify", T, "NOTIFY chan, 'x'"),
    Case("alter-type-add-attribute-cascade-typed-table-child", TYPED,
         "ALTER TYPE tt ADD ATTRIBUTE c int CASCADE"),
    Case("create-sequence-owned-by", T, "CREATE SEQUENCE s OWNED BY t.n", sequences=True),
    Case("checkpoint", T, "CHECKPOINT"),
    # DETACH PARTITION ... FINALIZE of a DETACH ... CONCURRENTLY that was cancelled while it
    # waited for a query on the parent: it runs in a transaction block and does the detach's
    # second half (the partition ACCESS EXCLUSIVE, its foreign keys made its own, the rows
    # of the tables referencing the parent checked).
    Case("detach-partition-concurrently-referenced", EVENTS + """
         ALTER TABLE events ADD PRIMARY KEY (id, day);
         CREATE TABLE ref (id bigint, day date, FOREIGN KEY (id, day) REFERENCES events);
         INSERT INTO ref VALUES (2, '2025-05-01');""",
         "ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY", min_pg=14,
         blocker="LOCK TABLE ref IN ACCESS SHARE MODE"),
    Case("detach-partition-finalize", EVENTS_INDEXED, DETACH_FINALIZE, min_pg=14,
         interrupted=DETACH_INTERRUPTED),
    Case("detach-partition-finalize-foreign-key", EVENTS + """
         CREATE TABLE kinds (k text PRIMARY KEY); INSERT INTO kinds VALUES ('a'), ('b');
         ALTER TABLE events ADD FOREIGN KEY (kind) REFERENCES kinds;""", DETACH_FINALIZE,
         min_pg=14, interrupted=DETACH_INTERRUPTED),
    Case("detach-partition-finalize-referenced", EVENTS + """
         ALTER TABLE events ADD PRIMARY KEY (id, day);
         CREATE TABLE ref (id bigint, day date, FOREIGN KEY (id, day) REFERENCES events);
         INSERT INTO ref VALUES (2, '2025-05-01');""", DETACH_FINALIZE, min_pg=14,
         interrupted=DETACH_INTERRUPTED),
    Case("detach-partition-finalize-subpartitioned", EVENTS + """
         CREATE TABLE events_2026 PARTITION OF events FOR VALUES FROM ('2026-01-01')
             TO ('2027-01-01') PARTITION BY LIST (kind);
         CREATE TABLE events_2026_a PARTITION OF events_2026 FOR VALUES IN ('a');""",
         "ALTER TABLE events DETACH PARTITION events_2026 FINALIZE", min_pg=14,
         interrupted=("ALTER TABLE events DETACH PARTITION events_2026 CONCURRENTLY",
                      "SELECT count(*) FROM events")),
    # Sequences: ALTER SEQUENCE's options hold it SHARE ROW EXCLUSIVE (nextval waits),
    # the rest (RENAME, SET SCHEMA, OWNER TO, SET LOGGED, DROP) ACCESS EXCLUSIVE.
    Case("alter-sequence-restart", "CREATE SEQUENCE s;", "ALTER SEQUENCE s RESTART",
         sequences=True),
    Case("alter-sequence-as-bigint", "CREATE SEQUENCE s AS int;", "ALTER SEQUENCE s AS bigint",
         sequences=True),
    Case("alter-sequence-increment", "CREATE SEQUENCE s;", "ALTER SEQUENCE s INCREMENT BY 5",
         sequences=True),
    Case("alter-sequence-rename", "CREATE SEQUENCE s;", "ALTER SEQUENCE s RENAME TO s2",
         sequences=True),
    Case("alter-sequence-owner-to", "CREATE SEQUENCE s;",
         "ALTER SEQUENCE s OWNER TO lockwise_oracle_owner", sequences=True),
    Case("alter-sequence-set-unlogged", "CREATE SEQUENCE s;", "ALTER SEQUENCE s SET UNLOGGED",
         sequences=True, min_pg=15),
    Case("alter-sequence-set-schema", "CREATE SEQUENCE s; CREATE SCHEMA oracle_seq_archive;",
         "ALTER SEQUENCE s SET SCHEMA oracle_seq_archive", schemas=("oracle_seq_archive",),
         sequences=True),
    Case("drop-sequence", "CREATE SEQUENCE s;", "DROP SEQUENCE s", sequences=True),
    Case("drop-two-sequences-if-exists", "CREATE SEQUENCE s; CREATE SEQUENCE s2;",
         "DROP SEQUENCE IF EXISTS s, s2", sequences=True),
    Case("serial-type-bigint", "CREATE TABLE k (id serial, n int);",
         "ALTER TABLE k ALTER COLUMN id TYPE bigint", sequences=True),
    # The same ALTER TABLE's DROP DEFAULT runs first (drops come first, whatever the order
    # written): no default is stored again, the sequence is not read (documenso's
    # migrate_to_cuids_for_webhooks; checked on 18.6).
    Case("serial-drop-default-type-text", "CREATE TABLE k (id serial, n int);",
         "ALTER TABLE k ALTER COLUMN id DROP DEFAULT, ALTER COLUMN id TYPE text",
         sequences=True),
    # (nor what a regclass constant of that default names: checked on 18.6)
    Case("regclass-default-dropped-type-text",
         "CREATE TABLE w (id int); CREATE TABLE k (id int, s varchar(10) "
         "DEFAULT 'w'::regclass::text);",
         "ALTER TABLE k ALTER COLUMN s DROP DEFAULT, ALTER COLUMN s TYPE text",
         sequences=True),
    Case("serial-type-bigint-drop-default", "CREATE TABLE k (id serial, n int);",
         "ALTER TABLE k ALTER COLUMN id TYPE bigint, ALTER COLUMN id DROP DEFAULT",
         sequences=True),
    Case("nextval-default-type-bigint",
         "CREATE SEQUENCE s; CREATE TABLE k (id int DEFAULT nextval('s'), n int);",
         "ALTER TABLE k ALTER COLUMN id TYPE bigint", sequences=True),
    Case("drop-nextval-default-column",
         "CREATE SEQUENCE s; CREATE TABLE k (id int DEFAULT nextval('s'), n int);",
         "ALTER TABLE k DROP COLUMN id", sequences=True),
    # nextval() / setval() / currval() of a sequence named as a constant hold it ROW
    # EXCLUSIVE until commit (an ALTER SEQUENCE with options, SHARE ROW EXCLUSIVE, waits);
    # advisory locks lock no relation; a function's body locks what it reads when it runs.
    Case("select-nextval", "CREATE SEQUENCE s;", "SELECT nextval('s')", sequences=True),
    Case("select-setval", "CREATE SEQUENCE s;", "SELECT pg_catalog.setval('s', 10, false)",
         sequences=True),
    Case("select-nextval-regclass-and-currval", 'CREATE SEQUENCE s; CREATE SEQUENCE "Seq";',
         "SELECT nextval('s'::regclass), currval('s'), nextval('\"Seq\"')", sequences=True),
    Case("select-setval-max", T + "CREATE SEQUENCE s;", "SELECT setval('s', max(id)) FROM t",
         sequences=True, compare_scans=False),
    # A row that leaves a serial, identity or nextval() column to its default draws from the
    # sequence, ROW EXCLUSIVE until commit: INSERT (a column left out, DEFAULT, DEFAULT
    # VALUES, OVERRIDING USER VALUE), UPDATE ... SET c = DEFAULT, COPY FROM a column list
    # without it, MERGE's INSERT. A value given for it draws nothing. A partition's identity
    # draws from its parent's sequence, through the parent or not.
    Case("insert-omits-serial", SERIALS, "INSERT INTO k (n) VALUES (1)", sequences=True),
    Case("insert-default-keyword-and-values", SERIALS,
         "INSERT INTO k VALUES (DEFAULT, 1, 5, 6), (7, 2, 8, 9)", sequences=True),
    Case("insert-default-values", SERIALS, "INSERT INTO k DEFAULT VALUES", sequences=True),
    Case("insert-gives-every-drawn-column", SERIALS,
         "INSERT INTO k (id, n, b, c) VALUES (5, 1, 6, 7)", sequences=True),
    Case("insert-fewer-values-than-columns", SERIALS, "INSERT INTO k VALUES (5, 1, 6)",
         sequences=True),
    Case("insert-overriding-user-value", SERIALS,
         "INSERT INTO k (id, b, c) OVERRIDING USER VALUE VALUES (5, 6, 7)", sequences=True),
    Case("insert-select-omits-identity", SERIALS,
         "INSERT INTO k (n, c) SELECT g, g FROM generate_series(1, 3) g", sequences=True),
    Case("update-set-default-draws", SERIALS, "UPDATE k SET c = DEFAULT, n = 2",
         sequences=True),
    Case("update-without-default-draws-nothing", SERIALS, "UPDATE k SET n = 2",
         sequences=True),
    Case("copy-from-omits-serial", SERIALS, "COPY k (n, b) FROM PROGRAM 'echo 1,2' (FORMAT csv)",
         sequences=True),
    Case("copy-from-every-column", SERIALS,
         "COPY k FROM PROGRAM 'echo 1,2,3,4' (FORMAT csv)", sequences=True),
    Case("merge-insert-omits-serial", SERIALS, "MERGE INTO k USING (SELECT 1 AS n) s ON false "
         "WHEN NOT MATCHED THEN INSERT (n, b) VALUES (s.n, DEFAULT)", sequences=True),
    Case("explain-insert-draws-nothing", SERIALS, "EXPLAIN INSERT INTO k (n) VALUES (1)",
         sequences=True),
    Case("insert-partitioned-identity", SERIALS_PARTITIONED, "INSERT INTO p (d) VALUES (1)",
         sequences=True),
    Case("insert-partition-identity", SERIALS_PARTITIONED, "INSERT INTO p1 (d) VALUES (1)",
         sequences=True),
    # pg_get_serial_sequence() names a serial's or an identity's sequence (the table read as
    # regclass, the column literally), without locking the table; a column owning none gives
    # NULL, and setval(NULL, ...) locks nothing.
    Case("select-setval-serial-sequence", SERIALS,
         "SELECT setval(pg_get_serial_sequence('k', 'b'), 10)", sequences=True),
    Case("select-nextval-identity-sequence", SERIALS,
         "SELECT nextval(pg_catalog.pg_get_serial_sequence('K', 'id'))", sequences=True),
    Case("select-setval-serial-sequence-max", SERIALS,
         "SELECT setval(pg_get_serial_sequence('k', 'b'), coalesce(max(b), 1)) FROM k",
         sequences=True, compare_scans=False),
    Case("select-setval-sequence-of-plain-column", SERIALS,
         "SELECT setval(pg_get_serial_sequence('k', 'n'), 3)", sequences=True),
    Case("select-setval-sequence-of-nextval-default", SERIALS,
         "SELECT setval(pg_get_serial_sequence('k', 'c'), 3)", sequences=True),
    # A sequence attached to a column by OWNED BY (CREATE or ALTER SEQUENCE) is that column's
    # as a serial's is: pg_get_serial_sequence() names it, and it goes (ACCESS EXCLUSIVE)
    # with the column or the table, moves and changes owner with the table, and is restarted
    # by TRUNCATE ... RESTART IDENTITY. OWNED BY NONE, or another column, lets it go.
    *(Case(f"{name}-owned-by", SERIALS_OWNED + "".join(f"CREATE SCHEMA {s};" for s in schemas),
           sql, sequences=True, schemas=schemas)
      for name, sql, schemas in (
          ("select-setval-sequence", "SELECT setval(pg_get_serial_sequence('k', 'c'), 3)", ()),
          ("select-nextval-sequence-of-column-without-default",
           "SELECT nextval(pg_get_serial_sequence('k', 'n'))", ()),
          ("insert-draws", "INSERT INTO k (n) VALUES (1)", ()),
          ("drop-table", "DROP TABLE k", ()),
          ("drop-column", "ALTER TABLE k DROP COLUMN n", ()),
          ("drop-column-with-default", "ALTER TABLE k DROP COLUMN c", ()),
          ("truncate-restart-identity", "TRUNCATE k RESTART IDENTITY", ()),
          ("set-unlogged", "ALTER TABLE k SET UNLOGGED", ()),
          ("owner-to", "ALTER TABLE k OWNER TO lockwise_oracle_owner", ()),
          ("set-schema", "ALTER TABLE k SET SCHEMA oracle_owned_archive",
           ("oracle_owned_archive",)))),
    *(Case(name, setup, sql, sequences=True) for name, setup, sql in (
        ("drop-table-owned-by-after-sequence-rename",
         SERIALS_OWNED + "ALTER SEQUENCE s RENAME TO s2;", "DROP TABLE k"),
        ("drop-table-owned-by-after-column-rename",
         SERIALS_OWNED + "ALTER TABLE k RENAME COLUMN n TO m;", "DROP TABLE k"),
        ("drop-table-owned-by-none", SERIALS_OWNED + "ALTER SEQUENCE s OWNED BY NONE;",
         "DROP TABLE k"),
        ("drop-table-owned-by-another-table", SERIALS_OWNED + OWNED_BY_U, "DROP TABLE k"),
        ("drop-other-table-owning-sequence", SERIALS_OWNED + OWNED_BY_U,
         "DROP TABLE u CASCADE"),
        # A serial's sequence given to no column, or to another, is no longer the serial's:
        # it stays when the serial's table goes (its default still draws from it), and goes
        # with the column now owning it.
        ("drop-table-serial-owned-by-none", SERIAL_OWNED_BY_NONE, "DROP TABLE k"),
        ("insert-serial-owned-by-none", SERIAL_OWNED_BY_NONE, "INSERT INTO k (n) VALUES (1)"),
        ("drop-table-owning-a-serials-sequence-cascade",
         "CREATE TABLE k (id serial, n int); CREATE TABLE u (d int);"
         "ALTER SEQUENCE k_id_seq OWNED BY u.d;", "DROP TABLE u CASCADE"),
        ("drop-column-owning-sequence-cascade", SERIALS_OWNED + OWNED_BY_U,
         "ALTER TABLE u DROP COLUMN d CASCADE"),
    )),
    # A copy made by LIKE ... INCLUDING DEFAULTS draws from the serial's sequence: CASCADE
    # drops its default with the sequence.
    Case("drop-table-cascade-serial-drawn-by-copy",
         "CREATE TABLE k (id serial, n int); CREATE TABLE k2 (LIKE k INCLUDING DEFAULTS);",
         "DROP TABLE k CASCADE", sequences=True),
    Case("select-advisory-lock", T, "SELECT pg_advisory_lock(42), pg_advisory_xact_lock(43)",
         sequences=True),
    Case("select-function-reading-a-table",
         T + "CREATE FUNCTION f() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM t';",
         "SELECT f()", unmodeled={"public.t": L.ACCESS_SHARE}, compare_scans=False),
    # REASSIGN OWNED and DROP OWNED lock (ACCESS EXCLUSIVE) every relation the role owns in
    # the database, in a transaction block: those the migrations gave it (OWNER TO) are
    # modeled (`Catalog.owned_by`). The role is the cases' own. GRANT ... TO it locks
    # nothing when DROP OWNED revokes it.
    Case("reassign-owned", T + OWNED_ROLE + "ALTER TABLE t OWNER TO lockwise_oracle_owned;",
         "REASSIGN OWNED BY lockwise_oracle_owned TO CURRENT_USER"),
    Case("drop-owned", T + OWNED_ROLE + "CREATE TABLE u (id int);"
         "ALTER TABLE u OWNER TO lockwise_oracle_owned;"
         "GRANT SELECT ON t TO lockwise_oracle_owned;",
         "DROP OWNED BY lockwise_oracle_owned"),
    # Statements that lock no relation of the schema (the model records none): roles,
    # default privileges, casts, operators over a table's row type, aggregates, collations,
    # event triggers, LISTEN / NOTIFY, CHECKPOINT, DISCARD, SET ROLE, GRANT ON ALL TABLES IN
    # SCHEMA (which opens none of them), ALTER EXTENSION ... UPDATE.
    Case("alter-default-privileges", T,
         "ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO lockwise_oracle_owner"),
    Case("create-role", T, "CREATE ROLE lockwise_oracle_probe"),
    Case("alter-role-set", T, "ALTER ROLE lockwise_oracle_owner SET work_mem = '8MB'"),
    Case("create-cast", T + "CREATE TYPE pair AS (a int, b int); CREATE FUNCTION pair_of(int) "
         "RETURNS pair LANGUAGE sql IMMUTABLE AS 'SELECT $1, $1';",
         "CREATE CAST (int AS pair) WITH FUNCTION pair_of(int)"),
    Case("create-operator-on-row-type", T + "CREATE FUNCTION t_eq(t, t) RETURNS bool "
         "LANGUAGE sql IMMUTABLE AS 'SELECT $1.id = $2.id';",
         "CREATE OPERATOR === (LEFTARG = t, RIGHTARG = t, FUNCTION = t_eq)"),
    Case("create-aggregate", T, "CREATE AGGREGATE my_sum (int) (SFUNC = int4pl, STYPE = int)"),
    Case("create-collation", T, "CREATE COLLATION my_c (locale = 'C')"),
    Case("create-event-trigger", T + "CREATE FUNCTION et_f() RETURNS event_trigger "
         "LANGUAGE plpgsql AS $$ BEGIN END $$;",
         "CREATE EVENT TRIGGER lockwise_oracle_et ON ddl_command_start EXECUTE FUNCTION et_f()"),
    Case("listen", T, "LISTEN lockwise_channel"),
    Case("notify", T, "NOTIFY lockwise_channel, 'payload'"),
    Case("checkpoint", T, "CHECKPOINT"),
    Case("discard-plans", T, "DISCARD PLANS"),
    Case("discard-temp", T, "DISCARD TEMP"),
    Case("set-role", T, "SET ROLE lockwise_oracle_owner"),
    Case("grant-on-all-tables-in-schema",
         "CREATE SCHEMA oracle_grant_s; CREATE TABLE oracle_grant_s.g (id int);",
         "GRANT SELECT ON ALL TABLES IN SCHEMA oracle_grant_s TO lockwise_oracle_owner",
         schemas=("oracle_grant_s",)),
    Case("alter-extension-update", T, "ALTER EXTENSION plpgsql UPDATE"),
    # ALTER EXTENSION ... ADD / DROP of a relation holds it SHARE UPDATE EXCLUSIVE.
    Case("alter-extension-add-table", T + "CREATE EXTENSION IF NOT EXISTS pg_trgm;",
         "ALTER EXTENSION pg_trgm ADD TABLE t"),
    Case("alter-extension-add-view", FK + "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
         "CREATE VIEW v AS SELECT * FROM child;", "ALTER EXTENSION pg_trgm ADD VIEW v"),
    Case("alter-extension-add-sequence", "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
         "CREATE SEQUENCE s;", "ALTER EXTENSION pg_trgm ADD SEQUENCE s", sequences=True),
    Case("alter-extension-drop-materialized-view", MATVIEW + "CREATE EXTENSION IF NOT EXISTS "
         "pg_trgm; ALTER EXTENSION pg_trgm ADD MATERIALIZED VIEW mv;",
         "ALTER EXTENSION pg_trgm DROP MATERIALIZED VIEW mv"),
    Case("truncate-restart-identity-identity",
         "CREATE TABLE k (id int GENERATED ALWAYS AS IDENTITY, n serial);",
         "TRUNCATE k RESTART IDENTITY", sequences=True),
    Case("truncate-keeps-sequences", "CREATE TABLE k (id int GENERATED ALWAYS AS IDENTITY);",
         "TRUNCATE k", sequences=True),
    Case("set-schema-table-with-serial", "CREATE TABLE k (id serial, n int);"
         "CREATE SCHEMA oracle_serial_archive;", "ALTER TABLE k SET SCHEMA oracle_serial_archive",
         schemas=("oracle_serial_archive",), sequences=True),
    Case("owner-to-table-with-identity", "CREATE TABLE k (id int GENERATED ALWAYS AS IDENTITY);",
         "ALTER TABLE k OWNER TO lockwise_oracle_owner", sequences=True),
    Case("set-unlogged-table-with-identity",
         "CREATE TABLE k (id int GENERATED ALWAYS AS IDENTITY);", "ALTER TABLE k SET UNLOGGED",
         sequences=True, min_pg=15),
    Case("drop-partitioned-table-with-identity",
         "CREATE TABLE ip (id int GENERATED ALWAYS AS IDENTITY, k int) PARTITION BY LIST (k);"
         "CREATE TABLE ip1 PARTITION OF ip FOR VALUES IN (1);", "DROP TABLE ip",
         sequences=True, min_pg=17),
    Case("comment-on-sequence", "CREATE SEQUENCE s;", "COMMENT ON SEQUENCE s IS 's'",
         sequences=True),
    Case("grant-on-sequence", "CREATE SEQUENCE s;",
         "GRANT USAGE ON SEQUENCE s TO lockwise_oracle_owner", sequences=True),
    Case("set-identity-increment", "CREATE TABLE k (id int GENERATED ALWAYS AS IDENTITY);",
         "ALTER TABLE k ALTER COLUMN id SET INCREMENT BY 2", sequences=True),
    Case("identity-type-bigint", "CREATE TABLE k (id int GENERATED ALWAYS AS IDENTITY);",
         "ALTER TABLE k ALTER COLUMN id TYPE bigint", sequences=True),
    Case("drop-table-with-identity", "CREATE TABLE k (id int GENERATED ALWAYS AS IDENTITY);",
         "DROP TABLE k", sequences=True),
    Case("drop-table-with-serial", "CREATE TABLE k (id serial, n int);", "DROP TABLE k",
         sequences=True),
    Case("drop-table-with-serial-after-rename",
         "CREATE TABLE k (id serial, n int); ALTER TABLE k RENAME TO k2;", "DROP TABLE k2",
         sequences=True),
    Case("drop-table-with-serial-after-set-schema",
         "CREATE TABLE k (id serial, n int); CREATE SCHEMA oracle_moved_serial;"
         "ALTER TABLE k SET SCHEMA oracle_moved_serial;", "DROP TABLE oracle_moved_serial.k",
         schemas=("oracle_moved_serial",), sequences=True),
    Case("drop-table-with-identity-after-set-schema",
         "CREATE TABLE k (id int GENERATED ALWAYS AS IDENTITY);"
         "CREATE SCHEMA oracle_moved_identity; ALTER TABLE k SET SCHEMA oracle_moved_identity;",
         "DROP TABLE oracle_moved_identity.k", schemas=("oracle_moved_identity",),
         sequences=True),
    Case("drop-serial-column", "CREATE TABLE k (id serial, n int);",
         "ALTER TABLE k DROP COLUMN id", sequences=True),
    # ALTER ... [NO] DEPENDS ON EXTENSION: a trigger is looked up through its table (ACCESS
    # SHARE), a materialized view held ACCESS EXCLUSIVE, an index too (so every query that
    # plans with its table waits), a function locks nothing.
    Case("trigger-depends-on-extension", T + TOUCH_TRIGGER,
         "ALTER TRIGGER t_touch ON t DEPENDS ON EXTENSION plpgsql", min_pg=13),
    Case("trigger-no-depends-on-extension", EVENTS_TRIGGER,
         "ALTER TRIGGER e_touch ON events NO DEPENDS ON EXTENSION plpgsql", min_pg=13),
    Case("index-depends-on-extension", T + "CREATE INDEX t_n ON t (n);",
         "ALTER INDEX t_n DEPENDS ON EXTENSION plpgsql", min_pg=13),
    Case("materialized-view-depends-on-extension", MATVIEW,
         "ALTER MATERIALIZED VIEW mv DEPENDS ON EXTENSION plpgsql", min_pg=13),
    Case("function-depends-on-extension", T + CALLED,
         "ALTER FUNCTION f(int) DEPENDS ON EXTENSION plpgsql", min_pg=13),
    # Statement kinds that lock no relation (each had no case of its own).
    Case("set-lock-timeout", T, "SET lock_timeout = '1s'"),
    Case("discard-plans", T, "DISCARD PLANS"),
    Case("discard-temp", T, "DISCARD TEMP"),
    Case("create-domain-with-check", T, "CREATE DOMAIN pos AS int CHECK (VALUE > 0)"),
    Case("create-enum", T, "CREATE TYPE mood AS ENUM ('a', 'b')"),
    Case("create-composite-type", T, "CREATE TYPE pair AS (a int, b text)"),
    Case("create-range-type", T, "CREATE TYPE floatrange AS RANGE (subtype = float8)"),
    Case("create-role", T, "CREATE ROLE lockwise_oracle_rolled_back"),
    Case("grant-role", T, "GRANT lockwise_oracle_owner TO CURRENT_USER"),
    Case("create-extension-if-not-exists", T, "CREATE EXTENSION IF NOT EXISTS plpgsql"),
    Case("alter-type-owner-to", "CREATE TYPE mood AS ENUM ('a');"
         "CREATE TABLE people (id int, m mood);", "ALTER TYPE mood OWNER TO lockwise_oracle_owner"),
    Case("alter-composite-type-owner-to", TYPED, "ALTER TYPE tt OWNER TO lockwise_oracle_owner"),
    Case("alter-function-owner-to", T + CALLED,
         "ALTER FUNCTION f(int) OWNER TO lockwise_oracle_owner"),
    # ENABLE TRIGGER ALL / USER: SHARE ROW EXCLUSIVE on the table, as DISABLE TRIGGER ALL;
    # on a table with a foreign key, its internal triggers too, the referenced table untouched.
    Case("enable-trigger-all", FK, "ALTER TABLE child ENABLE TRIGGER ALL"),
    Case("enable-trigger-all-referenced", FK, "ALTER TABLE parent ENABLE TRIGGER ALL"),
    Case("enable-trigger-user", FK + "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql "
         "AS $$ BEGIN RETURN NEW; END $$; CREATE TRIGGER c_touch BEFORE UPDATE ON child "
         "FOR EACH ROW EXECUTE FUNCTION touch();", "ALTER TABLE child ENABLE TRIGGER USER"),
    Case("enable-trigger-all-partitioned", EVENTS_TRIGGER, "ALTER TABLE events ENABLE TRIGGER ALL"),
    # EXPLAIN plans the statement: the parser, rewriter and planner lock what it names (views
    # expanded), in its own modes; only ANALYZE runs it (foreign-key checks, writes, scans).
    Case("explain-select", T, "EXPLAIN SELECT * FROM t"),
    Case("explain-update", T, "EXPLAIN UPDATE t SET n = 2"),
    Case("explain-verbose-delete-view", VIEWS, "EXPLAIN (VERBOSE, COSTS off) DELETE FROM v"),
    Case("explain-insert-checks-no-key", FK, "EXPLAIN INSERT INTO child VALUES (11, 1, 1)"),
    Case("explain-analyze-false-update", T, "EXPLAIN (ANALYZE false) UPDATE t SET n = 2"),
    Case("explain-create-table-as", T, "EXPLAIN CREATE TABLE t2 AS SELECT * FROM t"),
    # Rows are routed to partitions when the INSERT runs: planned, it locks the parent only.
    Case("explain-insert-partitioned", EVENTS,
         "EXPLAIN INSERT INTO events VALUES (3, '2024-06-01', 'c')"),
    Case("explain-update-partitioned", EVENTS, "EXPLAIN UPDATE events SET kind = 'x'"),
    # PREPARE parses and rewrites its statement (views expanded), and plans it only when
    # executed: the relations it names, in its modes, partitions not reached.
    Case("prepare-select", T, "PREPARE q AS SELECT * FROM t"),
    Case("prepare-update-partitioned", EVENTS,
         "PREPARE q (text) AS UPDATE events SET kind = $1"),
    Case("prepare-insert-checks-no-key", FK, "PREPARE q AS INSERT INTO child VALUES (11, 1, 1)"),
    Case("prepare-select-view-for-update", VIEWS, "PREPARE q AS SELECT * FROM v FOR UPDATE"),
    Case("prepare-select-partitioned-view", EVENTS + "CREATE VIEW ev AS SELECT * FROM events;",
         "PREPARE q AS SELECT * FROM ev"),
    # FOR UPDATE without OF passes a WITH query by there too, as in a statement run: what the
    # WITH query reads gets ACCESS SHARE only, a table beside it ROW SHARE (checked on 18.6;
    # OF naming the WITH query is refused: tests/test_with_query_lock_refusals.py).
    Case("prepare-cte-for-update", T + "CREATE TABLE sink (id bigint);",
         "PREPARE q AS WITH a AS (SELECT id FROM t) SELECT a.id FROM a, sink FOR UPDATE"),
    # EXECUTE plans and runs the statement PREPAREd on its session: the locks of the statement
    # run itself (partitions, foreign-key checks, views' relations), not PREPARE's.
    Case("execute-update", T, "EXECUTE q", session="PREPARE q AS UPDATE t SET n = 2"),
    Case("execute-update-partitioned", EVENTS, "EXECUTE q ('x')",
         session="PREPARE q (text) AS UPDATE events SET kind = $1"),
    Case("execute-insert-checks-key", FK, "EXECUTE q",
         session="PREPARE q AS INSERT INTO child VALUES (11, 1, 1)"),
    Case("execute-select-view-for-update", VIEWS, "EXECUTE q",
         session="PREPARE q AS SELECT * FROM v FOR UPDATE", compare_scans=False),
    # CREATE TABLE ... AS EXECUTE runs the prepared query (a SELECT) as CREATE TABLE ... AS
    # of it would: its relations, partitions and views' tables read; WITH NO DATA, the
    # relations its PREPARE named.
    Case("create-table-as-execute", FK, "CREATE TABLE copy AS EXECUTE q",
         session="PREPARE q AS SELECT child.id, name FROM child "
         "JOIN parent ON parent.id = child.parent_id", compare_scans=False),
    Case("create-table-as-execute-partitioned", EVENTS, "CREATE TABLE copy AS EXECUTE q ('x')",
         session="PREPARE q (text) AS SELECT * FROM events WHERE kind <> $1"),
    Case("create-table-as-execute-over-view", VIEWS, "CREATE TABLE copy AS EXECUTE q",
         session="PREPARE q AS SELECT * FROM v", compare_scans=False),
    Case("create-table-as-execute-with-no-data", EVENTS,
         "CREATE TABLE copy AS EXECUTE q WITH NO DATA",
         session="PREPARE q AS SELECT * FROM events"),
    # EXPLAIN of an EXECUTE plans the prepared statement; with ANALYZE it runs it.
    Case("explain-execute-update-partitioned", EVENTS, "EXPLAIN EXECUTE q ('x')",
         session="PREPARE q (text) AS UPDATE events SET kind = $1"),
    Case("explain-analyze-execute-insert-checks-key", FK, "EXPLAIN ANALYZE EXECUTE q",
         session="PREPARE q AS INSERT INTO child VALUES (11, 1, 1)"),
    Case("create-rule-cte-for-update", T + "CREATE TABLE sink (id bigint);",
         "CREATE RULE r AS ON INSERT TO sink DO ALSO "
         "WITH a AS (SELECT id FROM t) SELECT * FROM a FOR UPDATE"),
    Case("create-sql-function-cte-for-update", T + "CREATE TABLE sink (id bigint);",
         "CREATE FUNCTION f() RETURNS SETOF bigint LANGUAGE sql AS "
         "$$WITH a AS (SELECT id FROM t) SELECT a.id FROM a, sink FOR UPDATE$$"),
    Case("create-sql-function-atomic-cte-for-update", T,
         "CREATE FUNCTION f() RETURNS SETOF bigint LANGUAGE sql BEGIN ATOMIC "
         "WITH a AS (SELECT id FROM t) SELECT * FROM a FOR UPDATE; END", min_pg=14),
    Case("explain-analyze-select", T, "EXPLAIN ANALYZE SELECT * FROM t", compare_scans=False),
    Case("explain-analyze-update", T, "EXPLAIN ANALYZE UPDATE t SET n = 2"),
    Case("explain-analyze-insert-checks-key", FK,
         "EXPLAIN (ANALYZE, BUFFERS) INSERT INTO child VALUES (11, 1, 1)"),
    Case("explain-analyze-delete-cascades", CASCADE,
         "EXPLAIN ANALYZE DELETE FROM parent WHERE id = 1", compare_scans=False),
    Case("explain-analyze-create-table-as", T,
         "EXPLAIN ANALYZE CREATE TABLE t2 AS SELECT * FROM t"),
    # --- a sweep of statement kinds and combinations not covered above ----------------------
    # Several subcommands in one ALTER TABLE: the strongest lock, each one's rewrite or scan.
    Case("sweep-type-grow-and-volatile-column", T, "ALTER TABLE t ALTER COLUMN v TYPE "
         "varchar(100), ADD COLUMN x float DEFAULT random()"),
    Case("sweep-type-bigint-and-set-not-null", T,
         "ALTER TABLE t ALTER COLUMN n TYPE bigint, ALTER COLUMN n SET NOT NULL"),
    Case("sweep-varchar-grow-and-set-not-null", T,
         "ALTER TABLE t ALTER COLUMN v TYPE varchar(60), ALTER COLUMN v SET NOT NULL"),
    Case("sweep-add-check-and-set-not-null", T, "ALTER TABLE t ADD CONSTRAINT nn "
         "CHECK (n IS NOT NULL), ALTER COLUMN n SET NOT NULL"),
    Case("sweep-set-unlogged-and-add-column", T, "ALTER TABLE t SET UNLOGGED, ADD COLUMN x int"),
    Case("sweep-fillfactor-and-statistics", T,
         "ALTER TABLE t SET (fillfactor = 70), ALTER COLUMN n SET STATISTICS 500"),
    Case("sweep-validate-and-add-foreign-key-not-valid",
         FK + "ALTER TABLE child ADD CONSTRAINT c2 CHECK (n > 0) NOT VALID;",
         "ALTER TABLE child VALIDATE CONSTRAINT c2, "
         "ADD CONSTRAINT fk2 FOREIGN KEY (parent_id) REFERENCES parent NOT VALID"),
    Case("sweep-constant-and-volatile-columns", T, "ALTER TABLE t ADD COLUMN a int DEFAULT 1, "
         "ADD COLUMN b uuid DEFAULT gen_random_uuid()"),
    Case("sweep-set-tablespace-and-type", T,
         "ALTER TABLE t SET TABLESPACE pg_default, ALTER COLUMN n TYPE bigint"),
    Case("sweep-set-access-method-and-add-column", T,
         "ALTER TABLE t SET ACCESS METHOD heap, ADD COLUMN x int DEFAULT 1", min_pg=15),
    # Keys and indexes.
    Case("sweep-add-self-foreign-key", T + "ALTER TABLE t ADD COLUMN parent bigint;",
         "ALTER TABLE t ADD CONSTRAINT t_parent FOREIGN KEY (parent) REFERENCES t (id)"),
    Case("sweep-validate-self-foreign-key", T + "ALTER TABLE t ADD COLUMN parent bigint;"
         "ALTER TABLE t ADD CONSTRAINT t_parent FOREIGN KEY (parent) REFERENCES t (id) NOT VALID;",
         "ALTER TABLE t VALIDATE CONSTRAINT t_parent"),
    Case("sweep-add-unique-include", T, "ALTER TABLE t ADD CONSTRAINT u UNIQUE (n) INCLUDE (v)"),
    Case("sweep-add-unique-nulls-not-distinct", T,
         "ALTER TABLE t ADD CONSTRAINT u UNIQUE NULLS NOT DISTINCT (n)", min_pg=15),
    Case("sweep-create-index-include", T, "CREATE INDEX t_inc ON t (n) INCLUDE (v)"),
    Case("sweep-create-unique-index-concurrently", T,
         "CREATE UNIQUE INDEX CONCURRENTLY t_n ON t (n)",
         blocker="INSERT INTO t (id) VALUES (1000)"),
    Case("sweep-create-unique-index-partitioned", PARTITIONED,
         "CREATE UNIQUE INDEX ev_u ON events (id, day)"),
    Case("sweep-create-index-concurrently-on-partition", EVENTS,
         "CREATE INDEX CONCURRENTLY e24_kind ON events_2024 (kind)",
         blocker="INSERT INTO events_2024 VALUES (9, '2024-02-02', 'x')"),
    Case("sweep-reindex-concurrently-referenced-key", FK,
         "REINDEX INDEX CONCURRENTLY parent_pkey", blocker="INSERT INTO parent VALUES (1000, 'x')"),
    Case("sweep-drop-column-in-index", T + "CREATE INDEX t_nv ON t (n, v);",
         "ALTER TABLE t DROP COLUMN v"),
    Case("sweep-drop-column-with-statistics", T + "CREATE STATISTICS st ON n, v FROM t;",
         "ALTER TABLE t DROP COLUMN v"),
    Case("sweep-type-change-with-statistics", T + "CREATE STATISTICS st ON n, v FROM t;",
         "ALTER TABLE t ALTER COLUMN n TYPE bigint"),
    Case("sweep-varchar-to-text-include-index", T + "CREATE INDEX t_inc ON t (n) INCLUDE (v);",
         "ALTER TABLE t ALTER COLUMN v TYPE text"),
    Case("sweep-enum-to-text", "CREATE TYPE mood AS ENUM ('a'); CREATE TABLE a (id int, m mood);"
         "INSERT INTO a VALUES (1, 'a');", "ALTER TABLE a ALTER COLUMN m TYPE text"),
    # Maintenance over several tables or a tree: one table at a time.
    Case("sweep-vacuum-full-two-tables", FK, "VACUUM FULL parent, child",
         blocker="LOCK TABLE parent IN ACCESS SHARE MODE",
         more_blockers=("LOCK TABLE child IN ACCESS SHARE MODE",)),
    Case("sweep-vacuum-full-partitioned", EVENTS, "VACUUM FULL events",
         blocker="LOCK TABLE ONLY events IN ACCESS SHARE MODE",
         more_blockers=("LOCK TABLE ONLY events_2024 IN ACCESS SHARE MODE",
                        "LOCK TABLE ONLY events_2025 IN ACCESS SHARE MODE")),
    Case("sweep-analyze-two-tables", FK, "ANALYZE parent, child"),
    Case("sweep-cluster-partition", EVENTS + "CREATE INDEX e24_day ON events_2024 (day);",
         "CLUSTER events_2024 USING e24_day"),
    Case("sweep-refresh-matview-over-view",
         VIEWS + "CREATE MATERIALIZED VIEW mvv AS SELECT * FROM v;",
         "REFRESH MATERIALIZED VIEW mvv"),
    Case("sweep-refresh-matview-concurrently-join", FK + "CREATE MATERIALIZED VIEW mj AS "
         "SELECT child.id, name FROM child JOIN parent ON parent.id = child.parent_id;"
         "CREATE UNIQUE INDEX ON mj (id);", "REFRESH MATERIALIZED VIEW CONCURRENTLY mj",
         compare_scans=False),
    # Partition trees and inheritance.
    Case("sweep-set-tablespace-partitioned", EVENTS,
         "ALTER TABLE events SET TABLESPACE pg_default"),
    Case("sweep-set-access-method-partitioned", EVENTS,
         "ALTER TABLE events SET ACCESS METHOD heap", min_pg=17),
    Case("sweep-validate-check-partitioned",
         EVENTS + "ALTER TABLE events ADD CONSTRAINT c CHECK (id > 0) NOT VALID;",
         "ALTER TABLE events VALIDATE CONSTRAINT c"),
    Case("sweep-set-not-null-on-partition", EVENTS,
         "ALTER TABLE events_2024 ALTER COLUMN kind SET NOT NULL"),
    Case("sweep-detach-partition-with-index", EVENTS_INDEXED,
         "ALTER TABLE events DETACH PARTITION events_2024"),
    Case("sweep-detach-default-partition", EVENTS_DEFAULT,
         "ALTER TABLE events DETACH PARTITION events_other"),
    Case("sweep-drop-default-partition", EVENTS_DEFAULT, "DROP TABLE events_other"),
    Case("sweep-add-generated-stored-partitioned", EVENTS,
         "ALTER TABLE events ADD COLUMN g bigint GENERATED ALWAYS AS (id * 2) STORED"),
    Case("sweep-add-identity-column-partitioned", EVENTS,
         "ALTER TABLE events ADD COLUMN g bigint GENERATED ALWAYS AS IDENTITY"),
    Case("sweep-add-volatile-column-subpartitioned", SUBPARTED,
         "ALTER TABLE sp ADD COLUMN g float DEFAULT random()"),
    Case("sweep-add-check-subpartitioned", SUBPARTED,
         "ALTER TABLE sp ADD CONSTRAINT c CHECK (id > 0)"),
    Case("sweep-add-volatile-column-inheritance-parent", INH,
         "ALTER TABLE base ADD COLUMN g float DEFAULT random()"),
    Case("sweep-type-change-inheritance-parent", INH,
         "ALTER TABLE base ALTER COLUMN n TYPE bigint"),
    Case("sweep-validate-check-deep-inheritance",
         INH_DEEP + "ALTER TABLE b ADD CONSTRAINT c CHECK (n > 0) NOT VALID;",
         "ALTER TABLE b VALIDATE CONSTRAINT c"),
    Case("sweep-foreign-key-to-inheritance-parent", "CREATE TABLE b (id int PRIMARY KEY);"
         "CREATE TABLE s () INHERITS (b); CREATE TABLE r (bid int);"
         "INSERT INTO b VALUES (1); INSERT INTO r VALUES (1);",
         "ALTER TABLE r ADD FOREIGN KEY (bid) REFERENCES b"),
    Case("sweep-type-change-of-key-to-partitioned", PK,
         "ALTER TABLE ref ALTER COLUMN pid TYPE bigint"),
    Case("sweep-validate-foreign-key-of-partitioned", "CREATE TABLE pk (id int PRIMARY KEY);"
         "INSERT INTO pk VALUES (1); CREATE TABLE c (pid int, k int) PARTITION BY LIST (k);"
         "CREATE TABLE c1 PARTITION OF c FOR VALUES IN (1); INSERT INTO c VALUES (1, 1);"
         "ALTER TABLE c ADD CONSTRAINT c_fk FOREIGN KEY (pid) REFERENCES pk NOT VALID;",
         "ALTER TABLE c VALIDATE CONSTRAINT c_fk"),
    Case("sweep-attach-beside-indexed-default", EVENTS_DEFAULT + "CREATE INDEX ON events (day);"
         "CREATE TABLE e26 (id bigint, day date, kind text);",
         "ALTER TABLE events ATTACH PARTITION e26 "
         "FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')"),
    Case("sweep-set-schema-partitioned-indexed", EVENTS_INDEXED + "CREATE SCHEMA app;",
         "ALTER TABLE events SET SCHEMA app", schemas=("app",)),
    Case("sweep-truncate-partitioned-referenced-cascade", PK, "TRUNCATE pk CASCADE"),
    # Triggers, views, and the rest.
    Case("sweep-create-trigger-transition-table", T + "CREATE FUNCTION tf() RETURNS trigger "
         "LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;", "CREATE TRIGGER tt AFTER INSERT "
         "ON t REFERENCING NEW TABLE AS nt FOR EACH STATEMENT EXECUTE FUNCTION tf()"),
    Case("sweep-create-trigger-when", T + TOUCH_TRIGGER, "CREATE TRIGGER tw BEFORE UPDATE ON t "
         "FOR EACH ROW WHEN (OLD.n IS DISTINCT FROM NEW.n) EXECUTE FUNCTION touch()"),
    Case("sweep-rename-column-under-view", VIEWS, "ALTER TABLE child RENAME COLUMN n TO m"),
    Case("sweep-lock-two-tables", FK, "LOCK TABLE parent, child IN SHARE MODE"),
    Case("sweep-truncate-two-tables", FK, "TRUNCATE parent, child"),
    Case("sweep-set-without-oids", T, "ALTER TABLE t SET WITHOUT OIDS"),
    Case("sweep-create-unlogged-table-as", T, "CREATE UNLOGGED TABLE c AS SELECT * FROM t"),
    Case("sweep-create-table-like-partitioned-indexes", EVENTS_INDEXED,
         "CREATE TABLE c (LIKE events INCLUDING INDEXES)"),
]


def _names(locks: dict) -> dict[str, str]:
    return {rel: mode.pg_name for rel, mode in sorted(locks.items())}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_effect_matches_server(oracle, case: Case) -> None:
    if oracle.server_major < case.min_pg:
        pytest.skip(f"needs PostgreSQL {case.min_pg}")
    if case.tablespace and not oracle.has_tablespace:
        pytest.skip("no directory for a tablespace could be given to the server's user")
    replayed = f"{case.setup};\n{case.interrupted[0]};" if case.interrupted else case.setup
    pred = oracle.predict(replayed, case.sql, case.context, case.session)
    obs = oracle.observe(case.setup, case.sql, session=case.session, blocker=case.blocker,
                         schemas=case.schemas, interrupted=case.interrupted)
    for blocker in case.more_blockers:
        step = oracle.observe(case.setup, case.sql, session=case.session, blocker=blocker,
                              schemas=case.schemas)
        for rel, mode in step.locks.items():
            obs.locks[rel] = max(obs.locks.get(rel, mode), mode)
        for index, mode in step.index_locks.items():
            obs.index_locks[index] = max(obs.index_locks.get(index, mode), mode)
        for seq, mode in step.sequence_locks.items():
            obs.sequence_locks[seq] = max(obs.sequence_locks.get(seq, mode), mode)
    created = {c.split(":", 1)[1] for c in pred.effect.creates}

    assert pred.transactional == obs.transactional, (
        f"model says transactional={pred.transactional}, server "
        f"{'accepts' if obs.transactional else 'refuses'} it in a transaction block")

    phantom = set(pred.locks) - obs.relations - obs.sequences - created
    assert not phantom, f"model locks relations that do not exist: {sorted(phantom)}"
    compared = obs.relations | obs.sequences if case.sequences else obs.relations
    observed = {**obs.locks, **(obs.sequence_locks if case.sequences else {})}
    for rel, mode in case.unmodeled.items():
        assert observed.pop(rel, None) == mode, f"unmodeled lock on {rel} changed"
        assert rel not in pred.locks, f"{rel} is now modeled: drop it from `unmodeled`"
    predicted = {r: m for r, m in pred.locks.items() if r in compared}
    assert _names(predicted) == _names(observed), "locks"

    assert not pred.rewrites & case.unmodeled_rewrites, "now modeled: drop `unmodeled_rewrites`"
    observed_rewrites = obs.rewrites - case.unmodeled_rewrites
    assert pred.rewrites & obs.relations == observed_rewrites, "rewrites (relfilenode changes)"

    # Index-level fact: an index held ACCESS EXCLUSIVE stops every query planning with its
    # table, which the table locks above do not show.
    for action in pred.effect.actions:
        # (REINDEX SYSTEM holds the system catalogs' indexes, which are not observed.)
        if action.kind in ("reindex", "alter_index", "depends_on_extension",
                           "rename_index") and \
                action.facts.get("target") != "system":
            held = any(m == L.ACCESS_EXCLUSIVE for m in obs.index_locks.values())
            assert action.facts["index_access_exclusive"] == held, "index ACCESS EXCLUSIVE"

    if obs.scans is not None and case.compare_scans:
        # Rewritten tables are left out: rebuilding their indexes scans the new heap (an empty
        # one after TRUNCATE), which says nothing about reading the old rows.
        scanned = obs.scans - case.unmodeled_scans - obs.rewrites
        assert (pred.scans - obs.rewrites) & obs.relations == scanned, "sequential scans"


@pytest.mark.parametrize("sql", ["REINDEX TABLE events", "REINDEX INDEX events_day"])
def test_reindex_of_a_partitioned_table_holds_each_partitions_indexes(oracle, sql: str) -> None:
    """REINDEX of a partitioned table (or of its partitioned index) rebuilds each partition's
    indexes in that partition's own transaction, holding them ACCESS EXCLUSIVE: reads of the
    partition wait then (and reads through the parent, which open them). At the partitions'
    turns the parent's own partitioned index is not held (REINDEX INDEX holds it ACCESS
    EXCLUSIVE only in its first transaction, while it lists the partitions: see
    test_reindex_of_a_partitioned_index_lists_under_it_then_takes_each_partition_in_turn).
    The model held the parent's indexes, so the report said reads of each partition go on.
    Observed at each partition's turn (a reader of the partition holds it there)."""
    from lockwise.catalog.model import Catalog
    from lockwise.catalog.replay import apply_statement
    from lockwise.effects.locks import index_held_exclusive, queued_locks
    from lockwise.parse.postgres import parse_sql

    held: set[str] = set()
    for partition in ("events_2024", "events_2025"):
        obs = oracle.observe(EVENTS_INDEXED, sql, blocker=f"SELECT count(*) FROM {partition}")
        held |= {i for i, m in obs.index_locks.items() if m == L.ACCESS_EXCLUSIVE}
    catalog = Catalog()
    for stmt in parse_sql(EVENTS_INDEXED).statements:
        apply_statement(catalog, stmt.tree, "setup")
    held_on = {catalog.indexes[index].table for index in held}
    assert held_on == {"public.events_2024", "public.events_2025"}
    effect = oracle.predict(EVENTS_INDEXED, sql, {}).effect
    assert index_held_exclusive(effect) == held_on | {"public.events"}
    queued = queued_locks(effect)
    assert queued["the indexes of public.events_2025"] == L.ACCESS_EXCLUSIVE
    assert "public.events_2025" not in queued  # named by its held indexes, not its SHARE


def test_reindex_of_a_partitioned_index_lists_under_it_then_takes_each_partition_in_turn(
        oracle) -> None:
    """REINDEX INDEX of a partitioned index: its first transaction holds the parent SHARE
    and the partitioned index itself ACCESS EXCLUSIVE (a read through the parent, which
    plans over it, holds it there), no partition; each partition is then held SHARE in its
    own transaction (a writer of the second stops it there, the first's lock already gone).
    Unlike REINDEX TABLE, which lists the partitions under SHARE at once. The parent's lock
    line says so."""
    from lockwise.effects.locks import lock_lines

    sql = "REINDEX INDEX events_day"
    listing = oracle.observe(EVENTS_INDEXED, sql,
                             blocker="SELECT count(*) FROM events WHERE day = '2024-03-01'")
    assert listing.index_locks.get("public.events_day") == L.ACCESS_EXCLUSIVE
    assert listing.locks == {"public.events": L.SHARE}
    later = oracle.observe(EVENTS_INDEXED, sql,
                           blocker="LOCK TABLE ONLY events_2025 IN ROW EXCLUSIVE MODE")
    assert later.locks == {"public.events_2025": L.SHARE}
    effect = oracle.predict(EVENTS_INDEXED, sql, {}).effect
    parent = next(held for rel, _, held, _ in lock_lines(effect) if rel == "public.events")
    assert parent.startswith("index public.events_day while its partitions are listed"), parent
    assert "one partition at a time" in parent


@pytest.mark.parametrize(("setup", "sql"), [
    ("CREATE INDEX ki ON k (id) TABLESPACE lockwise_oracle_ts;",
     "ALTER INDEX ki SET TABLESPACE pg_default"),
    ("CREATE INDEX ki ON k (id) TABLESPACE lockwise_oracle_ts;",
     "ALTER INDEX ki SET TABLESPACE lockwise_oracle_ts"),
    ("CREATE INDEX ki ON k (id);", "ALTER INDEX ki SET TABLESPACE pg_default"),
    ("CREATE INDEX ki ON k (id); ALTER INDEX ki SET TABLESPACE lockwise_oracle_ts;",
     "ALTER INDEX ki SET TABLESPACE pg_default"),
    ("SET default_tablespace = lockwise_oracle_ts; CREATE INDEX ki ON k (id); "
     "RESET default_tablespace;", "ALTER INDEX ki SET TABLESPACE pg_default"),
    # A key's index: USING INDEX TABLESPACE, else default_tablespace; over an index that
    # existed (USING INDEX), that index's.
    ("ALTER TABLE k ADD CONSTRAINT ki PRIMARY KEY (id);",
     "ALTER INDEX ki SET TABLESPACE pg_default"),
    ("ALTER TABLE k ADD CONSTRAINT ki UNIQUE (id) USING INDEX TABLESPACE lockwise_oracle_ts;",
     "ALTER INDEX ki SET TABLESPACE pg_default"),
    ("SET default_tablespace = lockwise_oracle_ts; ALTER TABLE k ADD CONSTRAINT ki "
     "PRIMARY KEY (id); RESET default_tablespace;", "ALTER INDEX ki SET TABLESPACE pg_default"),
    ("CREATE UNIQUE INDEX k_id ON k (id) TABLESPACE lockwise_oracle_ts; "
     "ALTER TABLE k ADD CONSTRAINT ki UNIQUE USING INDEX k_id;",
     "ALTER INDEX ki SET TABLESPACE lockwise_oracle_ts"),
])
def test_index_set_tablespace_copies_unless_already_there(oracle, setup: str, sql: str) -> None:
    """ALTER INDEX ... SET TABLESPACE gives the index a new relfilenode unless it is in that
    tablespace already (as CREATE INDEX, ALTER INDEX or default_tablespace put it): the
    model's rewrite of the index says the same. (Index files are not compared by the sweep.)"""
    import psycopg

    if not oracle.has_tablespace:
        pytest.skip("no directory for a tablespace could be given to the server's user")
    setup = "CREATE TABLE k (id int); INSERT INTO k VALUES (1);" + setup
    effect = oracle.predict(setup, sql, {}).effect
    with psycopg.connect(oracle.uri, autocommit=True) as conn:
        schema = f"ts{abs(hash((setup, sql)))}"
        conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}")
        try:
            conn.execute(f"SET search_path TO {schema}")
            conn.execute(setup)
            node = "SELECT relfilenode FROM pg_class WHERE oid = 'ki'::regclass"
            before = conn.execute(node).fetchone()
            conn.execute(sql)
            after = conn.execute(node).fetchone()
        finally:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    assert ("public.ki" in effect.rewrites) == (before != after)
