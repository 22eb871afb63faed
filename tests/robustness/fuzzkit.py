"""Shared pieces of the robustness suite: hypothesis profiles, SQL grammar strategies, mutators
and the checks every input must pass.

Profiles (pick one with the HYPOTHESIS_PROFILE environment variable; see docs/robustness.md):

* ``ci`` (default): derandomized (fixed seed), a few hundred examples in total, the whole
  robustness folder runs in well under two minutes on a 2-core machine.
* ``nightly``: random seeds, ~50x more examples, for local or scheduled runs.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from corpus_paths import CORPORA

REPO = Path(__file__).resolve().parents[2]

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

# The deadline bounds the time of one example (one lint of one input): generous, because CI
# machines are shared, but a hang or quadratic blow-up on a fuzzed input still fails the test.
settings.register_profile(
    "ci", derandomize=True, database=None, max_examples=60,
    deadline=timedelta(seconds=10), suppress_health_check=_SLOW_OK, print_blob=True)
settings.register_profile(
    "nightly", derandomize=False, max_examples=3000,
    deadline=timedelta(seconds=30), suppress_health_check=_SLOW_OK, print_blob=True)

PROFILE_NAME = os.environ.get("HYPOTHESIS_PROFILE", "ci")
if PROFILE_NAME not in ("ci", "nightly"):
    PROFILE_NAME = "ci"
PROFILE = settings.get_profile(PROFILE_NAME)


def scaled(examples: int) -> settings:
    """Settings for one test: `examples` under the ci profile, 50x that under nightly."""
    factor = 50 if PROFILE_NAME == "nightly" else 1
    return settings(PROFILE, max_examples=examples * factor)


# --- grammar fragments ------------------------------------------------------------------------

_NAMES = ["users", "accounts", "orders", "items", "events", "t", "public.users", "app.orders",
          '"Mixed Case"', '"weird""quote"', "schema1.t2", "pg_temp.x", "ünïcode", "a" * 70]
_COLUMNS = ["id", "email", "name", "created_at", "total", "status", "payload", '"select"', "c1"]
_TYPES = ["int", "bigint", "text", "varchar(20)", "varchar", "numeric(10,2)", "timestamptz",
          "timestamp", "jsonb", "json", "uuid", "serial", "bigserial", "int[]", "boolean",
          "citext", "my_enum", "double precision", "char(3)", "bytea", "tsvector"]
_DEFAULTS = ["0", "'x'", "now()", "gen_random_uuid()", "random()", "clock_timestamp()",
             "'{}'::jsonb", "nextval('s')", "true", "NULL", "1 + 2", "lower('A')"]
_EXPRS = ["id > 0", "email IS NOT NULL", "total >= 0", "status IN ('a', 'b')", "true",
          "length(name) < 100", "created_at < now()"]

ident = st.sampled_from(_NAMES)
column = st.sampled_from(_COLUMNS)
coltype = st.sampled_from(_TYPES)
default = st.sampled_from(_DEFAULTS)
expr = st.sampled_from(_EXPRS)


def _column_def(draw: st.DrawFn) -> str:
    text = f"{draw(column)} {draw(coltype)}"
    for clause in draw(st.lists(st.sampled_from(
            ["NOT NULL", "NULL", "PRIMARY KEY", "UNIQUE", "DEFAULT", "REFERENCES", "CHECK",
             "GENERATED ALWAYS AS IDENTITY"]), max_size=3)):
        if clause == "DEFAULT":
            clause = f"DEFAULT {draw(default)}"
        elif clause == "REFERENCES":
            clause = f"REFERENCES {draw(ident)}({draw(column)})"
        elif clause == "CHECK":
            clause = f"CHECK ({draw(expr)})"
        text += " " + clause
    return text


@st.composite
def ddl(draw: st.DrawFn) -> str:
    t, c = draw(ident), draw(column)
    choice = draw(st.integers(0, 27))
    if choice == 0:
        cols = ", ".join(_column_def(draw) for _ in range(draw(st.integers(0, 4))))
        return f"CREATE TABLE {draw(st.sampled_from(['', 'IF NOT EXISTS ']))}{t} ({cols})"
    if choice == 1:
        return f"ALTER TABLE {t} ADD COLUMN {_column_def(draw)}"
    if choice == 2:
        return f"ALTER TABLE {t} DROP COLUMN {draw(st.sampled_from(['', 'IF EXISTS ']))}{c}"
    if choice == 3:
        return f"ALTER TABLE {t} ALTER COLUMN {c} TYPE {draw(coltype)}"
    if choice == 4:
        verb = draw(st.sampled_from(["SET", "DROP"]))
        return f"ALTER TABLE {t} ALTER COLUMN {c} {verb} NOT NULL"
    if choice == 5:
        return f"ALTER TABLE {t} ALTER COLUMN {c} SET DEFAULT {draw(default)}"
    if choice == 6:
        nv = draw(st.sampled_from(["", " NOT VALID"]))
        return (f"ALTER TABLE {t} ADD CONSTRAINT {c}_fk FOREIGN KEY ({c}) "
                f"REFERENCES {draw(ident)} ({draw(column)}){nv}")
    if choice == 7:
        nv = draw(st.sampled_from(["", " NOT VALID"]))
        return f"ALTER TABLE {t} ADD CONSTRAINT {c}_ck CHECK ({draw(expr)}){nv}"
    if choice == 8:
        return f"ALTER TABLE {t} VALIDATE CONSTRAINT {c}_ck"
    if choice == 9:
        conc = draw(st.sampled_from(["", "CONCURRENTLY "]))
        uniq = draw(st.sampled_from(["", "UNIQUE "]))
        return f"CREATE {uniq}INDEX {conc}ix_{c} ON {t} ({c})"
    if choice == 10:
        conc = draw(st.sampled_from(["", "CONCURRENTLY "]))
        return f"DROP INDEX {conc}{draw(st.sampled_from(['', 'IF EXISTS ']))}ix_{c}"
    if choice == 11:
        return f"ALTER TABLE {t} RENAME COLUMN {c} TO {draw(column)}"
    if choice == 12:
        return f"ALTER TABLE {t} RENAME TO {draw(ident).split('.')[-1]}"
    if choice == 13:
        return f"DROP TABLE {draw(st.sampled_from(['', 'IF EXISTS ']))}{t} " \
               f"{draw(st.sampled_from(['', 'CASCADE']))}"
    if choice == 14:
        mat = draw(st.sampled_from(["", "MATERIALIZED "]))
        return f"CREATE {mat}VIEW v_{c} AS SELECT {c} FROM {t} WHERE {draw(expr)}"
    if choice == 15:
        return "CREATE TYPE my_enum AS ENUM ('a', 'b')"
    if choice == 16:
        return f"ALTER TYPE my_enum ADD VALUE {draw(st.sampled_from(['', 'IF NOT EXISTS ']))}'c'"
    if choice == 17:
        return f"TRUNCATE {t}"
    if choice == 18:
        return f"CREATE TABLE {t}_copy AS SELECT * FROM {t}"
    if choice == 19:
        return f"SELECT * INTO {t}_bak FROM {t}"
    if choice == 20:
        return f"COMMENT ON TABLE {t} IS 'hello; -- not a comment'"
    if choice == 21:
        return f"GRANT SELECT ON {t} TO PUBLIC"
    if choice == 22:
        return draw(st.sampled_from(["CREATE SCHEMA app", "CREATE EXTENSION IF NOT EXISTS citext",
                                     "VACUUM ANALYZE users", "REINDEX TABLE users",
                                     "CLUSTER users USING ix_id", "CREATE SEQUENCE s",
                                     "REFRESH MATERIALIZED VIEW CONCURRENTLY v_id"]))
    if choice == 23:
        return f"ALTER TABLE {t} ADD PRIMARY KEY USING INDEX ix_{c}"
    if choice == 24:
        return f"ALTER TABLE {t} SET {draw(st.sampled_from(['LOGGED', 'UNLOGGED']))}"
    if choice == 25:
        return (f"CREATE TRIGGER tr BEFORE INSERT ON {t} FOR EACH ROW "
                f"EXECUTE FUNCTION f_{c}()")
    if choice == 26:
        conc = draw(st.sampled_from(["", "CONCURRENTLY"]))
        return f"ALTER TABLE {t} DETACH PARTITION {t}_p1 {conc}"
    return f"ALTER TABLE {t} ADD CONSTRAINT {c}_uq UNIQUE ({c})"


@st.composite
def dml(draw: st.DrawFn) -> str:
    t, c = draw(ident), draw(column)
    choice = draw(st.integers(0, 4))
    if choice == 0:
        return f"INSERT INTO {t} ({c}) VALUES ({draw(default)})"
    if choice == 1:
        where = draw(st.sampled_from(["", f" WHERE {draw(expr)}",
                                      f" WHERE id IN (SELECT id FROM {t} LIMIT 1000)"]))
        return f"UPDATE {t} SET {c} = {draw(default)}{where}"
    if choice == 2:
        return f"DELETE FROM {t}{draw(st.sampled_from(['', ' WHERE id < 10']))}"
    if choice == 3:
        return f"SELECT {c}, count(*) FROM {t} GROUP BY 1"
    return f"INSERT INTO {t} SELECT * FROM {draw(ident)} ON CONFLICT DO NOTHING"


transaction = st.sampled_from([
    "BEGIN", "COMMIT", "ROLLBACK", "START TRANSACTION", "END", "SAVEPOINT sp",
    "RELEASE SAVEPOINT sp", "ROLLBACK TO SAVEPOINT sp", "SET lock_timeout = '5s'",
    "SET LOCAL lock_timeout TO 1000", "SET statement_timeout = 0", "RESET lock_timeout",
    "SET search_path TO app, public", "COMMIT AND CHAIN", "PREPARE TRANSACTION 'x'",
    "SET TIME ZONE 'UTC'", "LOCK TABLE users IN ACCESS EXCLUSIVE MODE",
])

comment = st.sampled_from([
    "-- a comment", "/* block */", "/* nested /* inner */ still */", "-- ;;;; semicolons",
    "-- lockwise: ignore[drop-column] reason: unused", "-- lockwise: ignore[all]",
    "-- lockwise: ignore-file[set-not-null]", "-- squawk-ignore ban-drop-column",
    "-- lockwise: ignore[", "/* unterminated", "-- lockwise: no-transaction",
    "-- migrate:up transaction:false", "-- +goose NO TRANSACTION", "--",
])

dollar = st.sampled_from([
    "CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "ALTER TABLE users DROP COLUMN email; RETURN NEW; END $$",
    "DO $body$ BEGIN EXECUTE 'DROP TABLE x'; END $body$",
    "DO $$\n\\set inside 1\nBEGIN NULL; END\n$$",
    "CREATE FUNCTION g() RETURNS int AS $x$ SELECT 1; $y$ $x$ LANGUAGE sql",
    "SELECT $$unterminated",
    "SELECT $a$ $$ nested $$ $a$",
    "CREATE OR REPLACE FUNCTION h(int) RETURNS int IMMUTABLE AS 'select $1' LANGUAGE sql",
])

meta = st.sampled_from([
    "\\connect other", "\\c db", "\\set ON_ERROR_STOP on", "\\i other.sql", "\\ir ../x.sql",
    "\\echo hi", "\\gset", "\\if :flag", "\\endif", "\\", "\\\\", "\\.", "\\copy t from 'f'",
])

copy_block = st.builds(
    lambda cols, rows, end: f"COPY users ({cols}) FROM stdin;\n"
    + "".join(r + "\n" for r in rows) + end,
    st.sampled_from(["id, email", "id", "a, b, c"]),
    st.lists(st.sampled_from(["1\ta@b.c", "2\t\\N", "DROP TABLE users;", "\\set x", "",
                              "3\t'quote", "$$"]), max_size=4),
    st.sampled_from(["\\.\n", "", "\\.", "\\. \n"]),
)

placeholder = st.sampled_from([
    '{{ index .Options "Namespace" }}', "{{.Schema}}", "${schema}", "${flyway:user}",
    "{% if x %}", "{% endif %}", "{# note #}", ":'var'", ":var", "%(name)s", "$1", "?",
    "{{", "}}", "${", "{schema}",
])

junk = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@st.composite
def templated(draw: st.DrawFn) -> str:
    """A statement with a placeholder spliced in where a name or value goes."""
    stmt = draw(st.one_of(ddl(), dml()))
    words = stmt.split(" ")
    at = draw(st.integers(0, len(words)))
    words.insert(at, draw(placeholder))
    return " ".join(words)


fragment = st.one_of(
    ddl(), ddl(), dml(), transaction, comment, dollar, meta, copy_block, templated(), junk,
)
separator = st.sampled_from([";\n", ";\n", ";\n\n", ";", "\n", " ", ";;\n", ";\r\n", "\t;"])


@st.composite
def migration_sql(draw: st.DrawFn) -> str:
    """A migration file assembled from grammar fragments, separators sometimes missing."""
    parts = draw(st.lists(st.tuples(fragment, separator), max_size=12))
    text = "".join(f + s for f, s in parts)
    if draw(st.booleans()):
        text = draw(comment) + "\n" + text
    return text


# --- mutators over bytes ----------------------------------------------------------------------

def corpus_files(limit_bytes: int = 400_000) -> list[Path]:
    """Every SQL file of ../shared/corpora (smaller than `limit_bytes`), sorted; [] if absent."""
    if not CORPORA.is_dir():
        return []
    return sorted(p for p in CORPORA.rglob("*.sql") if p.stat().st_size < limit_bytes)


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` after one to three random mutations."""
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["truncate", "flip", "insert", "encode", "bom", "crlf",
                                   "huge_line", "nest", "splice", "delete"]))
        n = len(data)
        if op == "truncate" and n:
            data = data[: draw(st.integers(0, n))]
        elif op == "flip" and n:
            for _ in range(draw(st.integers(1, 8))):
                i = draw(st.integers(0, n - 1))
                data = data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1:]
        elif op == "insert":
            i = draw(st.integers(0, n))
            data = data[:i] + draw(st.binary(max_size=16)) + data[i:]
        elif op == "encode":
            codec = draw(st.sampled_from(["latin-1", "utf-16", "utf-16-le", "cp1252",
                                          "utf-32", "shift_jis"]))
            data = data.decode("utf-8", "replace").encode(codec, "replace")
        elif op == "bom":
            data = b"\xef\xbb\xbf" + data
        elif op == "crlf":
            data = data.replace(b"\n", b"\r\n")
        elif op == "huge_line":
            i = draw(st.integers(0, n))
            unit = draw(st.sampled_from([b"x", b"(1),", b"a, ", b"-- ", b"'", b"$$", b" "]))
            data = data[:i] + unit * (200_000 // len(unit)) + data[i:]
        elif op == "nest":
            depth = draw(st.sampled_from([50, 150, 300, 600, 3000]))
            shape = draw(st.sampled_from(["paren", "plus", "subselect", "array", "case"]))
            opener, closer = {"paren": (b"(", b")"), "plus": (b"1+(", b")"),
                              "subselect": (b"(SELECT ", b")"), "array": (b"ARRAY[", b"]"),
                              "case": (b"CASE WHEN true THEN ", b" END")}[shape]
            head, tail = draw(st.sampled_from([(b"SELECT ", b""), (b"SELECT {{ x }}, ", b""),
                                               (b"CREATE INDEX ix ON t ((", b"))")]))
            stmt = head + opener * depth + b"1" + closer * depth + tail + b";\n"
            i = draw(st.integers(0, n))
            data = data[:i] + stmt + data[i:]
        elif op == "splice" and n:
            i, j = sorted((draw(st.integers(0, n)), draw(st.integers(0, n))))
            data = data[:j] + data[i:j] + data[j:]
        elif op == "delete" and n:
            i, j = sorted((draw(st.integers(0, n)), draw(st.integers(0, n))))
            data = data[:i] + data[j:]
    return data


# --- the checks -------------------------------------------------------------------------------

def check_reports(reports: list, sql: str) -> None:
    """What every lint result must look like, whatever the input."""
    from lockwise.core.types import Safety
    from lockwise.options import LintOptions
    from lockwise.report.json_report import render_json
    from lockwise.report.text import render_text

    line_count = sql.count("\n") + 1
    for report in reports:
        assert isinstance(report.safety, Safety)
        findings = list(report.findings) + [f for s in report.statements for f in s.findings]
        for finding in findings:
            assert finding.rule and isinstance(finding.safety, Safety)
            if finding.span is not None:
                assert 1 <= finding.span.line <= line_count + 1, finding
                assert finding.span.column >= 1, finding
        for s in report.statements:
            assert 1 <= s.statement.span.line <= line_count
    # The reports must render: the JSON is valid, the text report prints.
    json.loads(render_json(reports, options=LintOptions()))
    import io

    render_text(reports, io.StringIO(), verbose=True, color=False)


def lint_text(sql: str, filename: str = "fuzz.sql") -> list:
    from lockwise.discover import migration_from_text
    from lockwise.lint import lint_migrations

    reports = lint_migrations([migration_from_text(sql, filename)])
    assert len(reports) == 1
    check_reports(reports, sql)
    return reports


def lint_bytes(data: bytes, filename: str = "fuzz.sql") -> list | None:
    """Decode like the CLI does; an input error must be clear (file:line:col), not a crash."""
    from lockwise.parse.source import InputError, decode_sql

    try:
        text = decode_sql(data, Path(filename))
    except InputError as exc:
        rendered = str(exc)
        assert rendered.startswith(f"{filename}:{exc.line}:{exc.column}: "), rendered
        assert exc.line >= 1 and exc.column >= 1
        return None
    return lint_text(text, filename)
