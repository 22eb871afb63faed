"""ADD CONSTRAINT ... FOREIGN KEY / CHECK rewritten NOT VALID in the user's own text: the same
statement as the deparse route's (pglast's printer of the rewritten tree), the user's formatting
kept; any other shape steps aside to the deparse route."""

from __future__ import annotations

import difflib

import pytest
from pglast import parse_sql, parser
from pglast.stream import RawStream

from lockwise.discover import discover
from lockwise.fix.patterns import _rewrite_deparsed, _rewrite_in_place, rewrite
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.quoting import quote_ident

BOTH = {"add-foreign-key-validated", "add-check-validated"}
FK = {"add-foreign-key-validated"}
CHECK = {"add-check-validated"}

#: (statement, rules, PostgreSQL's names of its constraints, in order)
SAME_AS_DEPARSED = [
    ("ALTER TABLE orders ADD CONSTRAINT orders_fk FOREIGN KEY (account_id) "
     "REFERENCES accounts (id);", FK, ("orders_fk",)),
    ("ALTER TABLE orders ADD FOREIGN KEY (account_id) REFERENCES accounts", FK,
     ("orders_account_id_fkey",)),
    ("ALTER TABLE ONLY orders\n    ADD CONSTRAINT orders_fk FOREIGN KEY (account_id)\n"
     "    REFERENCES accounts (id) MATCH FULL ON DELETE SET NULL (account_id) "
     "ON UPDATE CASCADE\n    DEFERRABLE INITIALLY DEFERRED -- why\n;", FK, ("orders_fk",)),
    ("alter table orders add foreign key (account_id) references accounts (id) "
     "on delete cascade not deferrable", FK, ("orders_account_id_fkey",)),
    ('ALTER TABLE "My Schema"."Order Lines" ADD CONSTRAINT "Lines_Order_FK" FOREIGN KEY '
     '("orderId") REFERENCES "My Schema"."Orders"("id") ON DELETE RESTRICT', FK,
     ("Lines_Order_FK",)),
    ('ALTER TABLE s."T" ADD FOREIGN KEY ("A") REFERENCES s.other', FK, ("T_A_fkey",)),
    ("ALTER TABLE accounts ADD CONSTRAINT age_ok CHECK ((age > 0 AND (age < 200 OR age IS "
     "NULL)) AND coalesce(age, 1) IN (1, 2, 3)) NO INHERIT", CHECK, ("age_ok",)),
    ("alter table accounts\n  add check (char_length(email) <= 255) /* limit */ -- done", CHECK,
     ("accounts_email_check",)),
    ("ALTER TABLE IF EXISTS accounts ADD CONSTRAINT \"select\" CHECK (plan <> 'x''y')", CHECK,
     ("select",)),
    # several constraints: each one NOT VALID, comments between them kept
    ("ALTER TABLE orders\n    ADD CONSTRAINT a_fk FOREIGN KEY (account_id) REFERENCES "
     "accounts (id), -- first\n    ADD CHECK (total >= 0) /* second */,\n"
     "    ADD CONSTRAINT b_fk FOREIGN KEY (other_id) REFERENCES other ON DELETE CASCADE;\n",
     BOTH, ("a_fk", "orders_total_check", "b_fk")),
    # only the constraints of the rule asked for
    ("ALTER TABLE orders ADD CONSTRAINT a_fk FOREIGN KEY (account_id) REFERENCES accounts, "
     "ADD CHECK (total >= 0)", FK, ("a_fk", "orders_total_check")),
    ("ALTER TABLE orders ADD CONSTRAINT a_fk FOREIGN KEY (account_id) REFERENCES accounts, "
     "ADD CHECK (total >= 0)", CHECK, ("a_fk", "orders_total_check")),
    # one already NOT VALID is left as it is, the other rewritten
    ("ALTER TABLE orders ADD CONSTRAINT a_fk FOREIGN KEY (account_id) REFERENCES accounts "
     "NOT VALID, ADD CONSTRAINT b_fk FOREIGN KEY (other_id) REFERENCES other", FK,
     ("a_fk", "b_fk")),
    # the parse tree counts bytes, the scanner characters
    ("ALTER TABLE accounts ADD CHECK (email <> 'é'), -- ü\n  ADD CHECK (plan <> 'ß')", CHECK,
     ("accounts_email_check", "accounts_plan_check")),
    # a comment before the statement is left out, as the deparse route does
    ("-- add the key\nALTER TABLE orders ADD CONSTRAINT orders_fk FOREIGN KEY (account_id) "
     "REFERENCES accounts (id)", FK, ("orders_fk",)),
]


def normalized(sql: str) -> list[str]:
    return [RawStream()(stmt) for stmt in parse_sql(sql)]


@pytest.mark.parametrize(("sql", "rules", "names"), SAME_AS_DEPARSED)
def test_the_text_route_writes_the_deparse_routes_statement(sql: str, rules: set[str],
                                                            names: tuple[str, ...]) -> None:
    facts = {"constraint_names": names}
    in_text = _rewrite_in_place(sql, rules, facts)
    assert in_text is not None, "the statement stepped aside"
    deparsed = _rewrite_deparsed(sql, rules, facts)
    assert deparsed is not None
    assert [normalized(s) for s in in_text.main] == [normalized(s) for s in deparsed.main]
    assert in_text.later == deparsed.later  # the VALIDATE steps, word for word
    assert (in_text.alone, in_text.notes) == (deparsed.alone, deparsed.notes) == ([], [])
    assert rewrite(sql, rules, facts) == in_text


@pytest.mark.parametrize(("sql", "names", "expected"), [
    ("ALTER TABLE orders\n    ADD CONSTRAINT orders_fk FOREIGN KEY (account_id) REFERENCES "
     "accounts (id) ON DELETE CASCADE; -- late", ("orders_fk",),
     "ALTER TABLE orders\n    ADD CONSTRAINT orders_fk FOREIGN KEY (account_id) REFERENCES "
     "accounts (id) ON DELETE CASCADE NOT VALID"),
    ("alter table orders add foreign key (account_id) references accounts (id)",
     ("orders_account_id_fkey",),
     "alter table orders add constraint orders_account_id_fkey foreign key (account_id) "
     "references accounts (id) not valid"),
    ('ALTER TABLE s."T" ADD CHECK ((a > 0)) /* kept */, ADD FOREIGN KEY ("A") REFERENCES s.o',
     ("T_a_check", "T_A_fkey"),
     'ALTER TABLE s."T" ADD CONSTRAINT "T_a_check" CHECK ((a > 0)) NOT VALID /* kept */, '
     'ADD CONSTRAINT "T_A_fkey" FOREIGN KEY ("A") REFERENCES s.o NOT VALID'),
])
def test_the_users_text_is_kept_and_only_keywords_are_added(sql: str, names: tuple[str, ...],
                                                             expected: str) -> None:
    pieces = rewrite(sql, BOTH, {"constraint_names": names})
    assert pieces is not None
    assert pieces.main == [expected]


def statement_text(sql: str) -> str:
    """`sql` from its first token to its last (no `;`): what the rewrite starts from."""
    tokens = [t for t in parser.scan(sql) if t.name not in ("SQL_COMMENT", "C_COMMENT")]
    last = tokens[-2] if tokens[-1].name == "ASCII_59" else tokens[-1]
    return sql[tokens[0].start:last.end + 1]


def words_added(original: str, rewritten: str, allowed: set[str]) -> list[str]:
    """The pieces of text `rewritten` has beyond `original` (nothing of it may be missing),
    each slid to where it reads as one of `allowed` if it can be: `ADD CONSTRAINT c CHECK`
    is also `ADD C` + `ONSTRAINT c C` + `HECK`."""
    matcher = difflib.SequenceMatcher(None, original, rewritten, autojunk=False)
    opcodes = matcher.get_opcodes()
    assert {op for op, *_ in opcodes} <= {"equal", "insert"}, opcodes
    pieces = []
    for op, _, _, start, end in opcodes:
        if op != "insert":
            continue
        slid = [rewritten[start - k:end - k] for k in range(end - start + 1)
                if rewritten[start - k:start] == rewritten[end - k:end]]
        pieces.append(next((p for p in slid if p.strip().lower() in allowed), slid[0]))
    return pieces


@pytest.mark.parametrize(("sql", "rules", "names"), SAME_AS_DEPARSED)
def test_only_not_valid_and_a_name_are_added_to_the_users_text(sql: str, rules: set[str],
                                                               names: tuple[str, ...]) -> None:
    (text,) = rewrite(sql, rules, {"constraint_names": names}).main
    allowed = {"not valid"} | {f"constraint {quote_ident(n).lower()}" for n in names}
    added = [p.strip().lower() for p in words_added(statement_text(sql), text, allowed)]
    assert added
    assert set(added) <= allowed


#: (statement, rules, names): the text route steps aside, the deparse route decides.
STEPS_ASIDE = [
    # mixtures with other subcommands
    ("ALTER TABLE orders ADD COLUMN b_id int REFERENCES b, ADD CHECK (total > 0)", CHECK,
     ("orders_total_check",)),
    ("ALTER TABLE orders DROP CONSTRAINT orders_total_check, ADD CHECK (total > 0)", CHECK,
     ("orders_total_check",)),
    ("ALTER TABLE orders ALTER COLUMN total SET NOT NULL, ADD CONSTRAINT t_ok CHECK "
     "(total > 0)", CHECK, ("t_ok",)),
    ("ALTER TABLE orders ADD CONSTRAINT u UNIQUE (total), ADD CONSTRAINT t_ok CHECK "
     "(total > 0)", CHECK, ("u", "t_ok")),
    # nothing to rewrite: already NOT VALID, or not the rule's kind of constraint
    ("ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES b NOT VALID", FK, ("fk",)),
    ("ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES b", CHECK, ("fk",)),
    # no name known for an unnamed constraint (facts of another statement, or none)
    ("ALTER TABLE orders ADD CHECK (total > 0)", CHECK, ()),
    ("ALTER TABLE orders ADD CHECK (total > 0), ADD CHECK (total < 9)", CHECK, ("only_one",)),
    # not an ALTER TABLE of constraints at all
    ("ALTER TABLE orders ADD COLUMN c int", CHECK, ()),
    ("CREATE TABLE orders (a int REFERENCES b)", FK, ()),
]


@pytest.mark.parametrize(("sql", "rules", "names"), STEPS_ASIDE)
def test_other_shapes_step_aside_to_the_deparse_route(sql: str, rules: set[str],
                                                      names: tuple[str, ...]) -> None:
    facts = {"constraint_names": names}
    assert _rewrite_in_place(sql, rules, facts) is None
    assert rewrite(sql, rules, facts) == _rewrite_deparsed(sql, rules, facts)


def test_an_unnamed_constraint_without_its_name_keeps_the_deparse_routes_note() -> None:
    pieces = rewrite("ALTER TABLE orders ADD CHECK (total > 0)", CHECK)
    assert pieces is not None
    assert pieces.main == ["ALTER TABLE orders ADD CHECK (total > 0) NOT VALID"]
    assert pieces.notes == ["name the constraint so that it can be validated later"]


def test_lint_writes_the_constraint_alternative_in_the_users_text(tmp_path) -> None:
    (tmp_path / "1_a.sql").write_text(
        "CREATE TABLE accounts (id int PRIMARY KEY);\nCREATE TABLE orders (account_id int);\n")
    (tmp_path / "2_b.sql").write_text(
        "alter table orders\n    add foreign key (account_id)\n    references accounts (id);\n")
    (report,) = lint_migrations(discover(tmp_path), LintOptions())[1:]
    (finding,) = [f for s in report.statements for f in s.findings
                  if f.rule == "add-foreign-key-validated"]
    assert finding.instead.startswith(
        "alter table orders\n    add constraint orders_account_id_fkey foreign key (account_id)"
        "\n    references accounts (id) not valid;\n-- next migration, after the previous one "
        "committed:\nALTER TABLE orders VALIDATE CONSTRAINT orders_account_id_fkey;")


def test_constraints_rewritten_in_the_users_text_run_on_postgres(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for sql, rules, names in SAME_AS_DEPARSED:
            conn.execute('DROP SCHEMA IF EXISTS nv, s, "My Schema" CASCADE; '
                         "CREATE SCHEMA nv; SET search_path = nv")
            conn.execute(SETUP)
            pieces = rewrite(sql, rules, {"constraint_names": names})
            assert pieces is not None
            for statement in [*pieces.main, *(s for phase in pieces.later for s in phase)]:
                conn.execute(statement)
        conn.execute('DROP SCHEMA nv, s, "My Schema" CASCADE; SET search_path = public')


#: Tables for every statement of SAME_AS_DEPARSED.
SETUP = """
CREATE TABLE accounts (id int PRIMARY KEY, email text, plan text, age int);
CREATE TABLE other (id int PRIMARY KEY);
CREATE TABLE orders (account_id int, other_id int, total int);
CREATE SCHEMA "My Schema";
CREATE TABLE "My Schema"."Orders" (id int PRIMARY KEY);
CREATE TABLE "My Schema"."Order Lines" ("orderId" int);
CREATE SCHEMA s;
CREATE TABLE s.other (id int PRIMARY KEY);
CREATE TABLE s."T" ("A" int, a int);
"""


@pytest.mark.parametrize(("sql", "rules", "names"), SAME_AS_DEPARSED)
def test_the_text_route_does_not_parse_a_statement_lint_parsed_again(
        monkeypatch: pytest.MonkeyPatch, sql: str, rules: set[str],
        names: tuple[str, ...]) -> None:
    # lint's tree has no node locations: the constraints are found by the scanner's tokens,
    # which the text route reads anyway, not by a second parse that keeps them.
    from lockwise.parse import libpg
    from lockwise.parse.postgres import parse_sql as lints_parse

    (stmt,) = lints_parse(sql).statements
    facts = {"constraint_names": names}
    expected = rewrite(sql, rules, facts)
    parses: list[str] = []
    parse_json = libpg.parser.parse_sql_json
    monkeypatch.setattr(libpg.parser, "parse_sql_json",
                        lambda text: parses.append(text) or parse_json(text))
    assert rewrite(stmt.sql, rules, facts, stmt.tree) == expected
    assert parses == []


@pytest.mark.parametrize("sql", [sql for sql, _, _ in SAME_AS_DEPARSED] + [
    # `add` is no reserved word: a table, schema, column and constraint may be named so
    "ALTER TABLE add ADD CONSTRAINT add CHECK (add > 0), ADD FOREIGN KEY (a, add) "
    "REFERENCES add.add (a, add) ON DELETE SET NULL (add), ADD CHECK (add IN (1, add))",
    "ALTER TABLE add.add ADD FOREIGN KEY (add) REFERENCES add, ADD CONSTRAINT c CHECK (true)",
    "ALTER FOREIGN TABLE add ADD CHECK (add <> ', ADD CHECK'), ADD CONSTRAINT add CHECK (1 = 1)",
])
def test_the_constraints_are_found_at_their_locations(sql: str) -> None:
    # The reference: the location a parse with locations gives each constraint (bytes),
    # made a character offset, as the route found them before it read the tokens alone.
    import json

    from lockwise.fix.patterns import _constraint_starts, _tokens

    (raw,) = json.loads(parser.parse_sql_json(sql))["stmts"]
    constraints = [cmd["AlterTableCmd"]["def"]["Constraint"]
                   for cmd in raw["stmt"]["AlterTableStmt"]["cmds"]]
    encoded = sql.encode()
    located = [len(encoded[:c["location"]].decode()) for c in constraints]
    tokens = _tokens(sql)
    starts = _constraint_starts(tokens, constraints)
    assert starts is not None
    assert [tokens[i].start for i in starts] == located
