"""A called routine's body is run once per context within a statement (effects/postgres/
body_runs.py): the other calls of the statement under the same context take the kept run,
and a call under another context (a table renamed or a temporary one made by the body
around it, other routines running, another search_path) gets its own answer. The server's
answers for those contexts were checked on 18.6 (the body's UPDATE writes the renamed-in
table, the temporary one, the table the new search_path finds); the search_path that a SET
inside a body sets is not followed by the effect model, so it is checked between statements.
Counted, not timed."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects.body_writes import every_call
from lockwise.effects.postgres import body_runs, routines
from lockwise.lint import LintOptions, lint_migrations

SETUP = """CREATE TABLE accounts (id int);
CREATE SCHEMA other;
CREATE TABLE other.accounts (id int);
CREATE FUNCTION touch() RETURNS void LANGUAGE plpgsql AS $$
BEGIN UPDATE accounts SET id = id + 1; END $$;
"""


def chain(size: int, fan: int) -> str:
    """`size` functions, f_i writing `log` and calling f_{i+1} .. f_{i+fan}."""
    out = ["CREATE TABLE log (id int);"]
    for i in range(size):
        calls = "".join(f"  PERFORM f_{j}();\n" for j in range(i + 1, min(i + fan, size - 1) + 1))
        out.append(f"CREATE FUNCTION f_{i}() RETURNS void LANGUAGE plpgsql AS $$\nBEGIN\n"
                   f"  INSERT INTO log VALUES ({i});\n{calls}END $$;")
    return "\n".join(out) + "\n"


def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The routine bodies run from now on (one entry per run, its routine's words)."""
    runs: list[str] = []
    run_embedded = routines.run_embedded

    def counting(b, sql, ctx=None, routine="", *args, **kwargs):
        runs.append(routine)
        return run_embedded(b, sql, ctx, routine, *args, **kwargs)

    monkeypatch.setattr(routines, "run_embedded", counting)
    return runs


def never_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every body runs at every call again, as before runs were kept (in a statement, and
    across statements)."""
    monkeypatch.setattr(body_runs.BodyRuns, "find", lambda self, *asked: None)
    monkeypatch.setattr(body_runs.BodyRuns, "found_before", lambda self, *asked: None)


def lint(setup: str, sql: str):
    """The statements' reports of migration `sql` after migration `setup`."""
    reports = lint_migrations([migration_from_text(setup, "0001_setup.sql"),
                               migration_from_text(sql, "0002_m.sql")], LintOptions(),
                              Catalog())
    return reports[-1].statements


#: The facts that number the runs kept (`body_runs`): a call given a kept run says so; and
#: those that say where in the calls an action is (the routines it runs in, the statement of
#: the outermost body that called them): the effect holds a kept run's actions at its first
#: call, with its place, which a finding names (the first place, as when each was given).
NUMBERING = ("body_run", "body_actions", "body_shown_before", "routines_run", "embedded_sql")


def seen(statements) -> list[tuple]:
    """What the statements do and what is found of them, comparable between two lints: each
    action's kind and its facts that are plain values (every call's body in full:
    `every_call`), each finding, the locks."""
    plain = (str, int, bool, tuple, type(None))
    return [([(a.kind, sorted((k, v) for k, v in a.facts.items()
                              if type(v) in plain and k not in NUMBERING))
              for a in every_call(s.effect.actions)], sorted(s.effect.locks.items()),
             sorted((f.rule, f.message) for f in s.findings)) for s in statements]


def routine_calls(statements) -> list[tuple[str, tuple[str, ...]]]:
    """Each routine the statements run, with the routines it runs in (sorted)."""
    return sorted((a.facts["routine"], a.facts.get("routines_run", ()))
                  for s in statements for a in s.effect.actions if a.kind == "routine_call")


def updates(statements) -> list[tuple[str, bool]]:
    """The tables the statements' UPDATEs write, and whether each is new (each call's, also
    of a body whose actions the effect holds once: `every_call`)."""
    return [(a.facts["table"], a.facts["table_is_new"]) for s in statements
            for a in every_call(s.effect.actions) if a.kind == "update"]


@pytest.mark.parametrize("call", ["SELECT f_0();", "DO $$ BEGIN PERFORM f_0(); END $$;",
                                  "SELECT f_0(), f_1();"])
def test_a_chain_of_calls_runs_each_body_once_per_context(
        monkeypatch: pytest.MonkeyPatch, call: str) -> None:
    """14 functions each calling the next six: a statement that calls f_0 runs a body per
    call path (MAX_DEPTH deep), where a few dozen contexts differ. What lint reports is the
    same as when every path runs its body again."""
    runs = counted(monkeypatch)
    kept = seen(lint(chain(14, 6), call))
    fewer = len(runs)
    never_kept(monkeypatch)
    runs.clear()
    again = seen(lint(chain(14, 6), call))
    assert kept == again
    assert fewer * 2 < len(runs)


def test_a_trigger_that_calls_a_chain_runs_each_body_once_per_context(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An INSERT firing a trigger whose function calls the first six of the chain: the
    same (the trigger's function is one of the routines running, MAX_DEPTH deep)."""
    trigger = ("CREATE TABLE events (id int);\n"
               "CREATE FUNCTION on_event() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
               + "".join(f"PERFORM f_{i}();\n" for i in range(6)) + "RETURN NEW; END $$;\n"
               "CREATE TRIGGER on_event AFTER INSERT ON events FOR EACH ROW "
               "EXECUTE FUNCTION on_event();\n")
    runs = counted(monkeypatch)
    kept = seen(lint(chain(14, 6) + trigger, "INSERT INTO events VALUES (1);"))
    fewer = len(runs)
    never_kept(monkeypatch)
    runs.clear()
    assert kept == seen(lint(chain(14, 6) + trigger, "INSERT INTO events VALUES (1);"))
    assert fewer * 2 < len(runs)


RENAMED = """CREATE FUNCTION renamed() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM touch();
  ALTER TABLE accounts RENAME TO old_accounts;
  CREATE TABLE accounts (id int);
  PERFORM touch();
END $$;
"""
TEMPORARY = """CREATE FUNCTION temporary() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM touch();
  CREATE TEMP TABLE accounts (id int);
  PERFORM touch();
END $$;
"""


@pytest.mark.parametrize("keep", [True, False])
def test_a_body_called_after_its_table_was_renamed_away_writes_the_new_one(
        monkeypatch: pytest.MonkeyPatch, keep: bool) -> None:
    """The second call of touch() writes the table made under the old one's name: new (on
    18.6 its UPDATE writes the new public.accounts, not old_accounts)."""
    if not keep:
        never_kept(monkeypatch)
    runs = counted(monkeypatch)
    assert updates(lint(SETUP + RENAMED, "SELECT renamed();")) == [
        ("public.accounts", False), ("public.accounts", True)]
    assert runs.count("function public.touch") == 2


@pytest.mark.parametrize("keep", [True, False])
def test_a_body_called_after_a_temporary_table_of_its_name_writes_that(
        monkeypatch: pytest.MonkeyPatch, keep: bool) -> None:
    """The second call of touch() writes the temporary table the body around it made (on
    18.6: pg_temp's accounts)."""
    if not keep:
        never_kept(monkeypatch)
    runs = counted(monkeypatch)
    assert updates(lint(SETUP + TEMPORARY, "SELECT temporary();")) == [
        ("public.accounts", False), ("pg_temp.accounts", True)]
    assert runs.count("function public.touch") == 2


def test_the_same_call_under_another_search_path_writes_what_that_path_finds() -> None:
    """Between two statements of a migration, SET search_path: the second call writes the
    table the new path finds first (on 18.6: other.accounts)."""
    assert updates(lint(SETUP, "SELECT public.touch();\nSET search_path = other, public;\n"
                               "SELECT public.touch();\n")) == [
        ("public.accounts", False), ("other.accounts", False)]


MUTUAL = """CREATE FUNCTION a() RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM b(); UPDATE accounts SET id = 1; END $$;
CREATE FUNCTION b() RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM a(); DELETE FROM accounts; END $$;
"""


def test_a_body_runs_its_calls_but_those_of_the_routines_running(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`SELECT a(), b()`, each calling the other: b's body under a does not run a again, b's
    body called first does; one kept run must not stand for the other."""
    runs = counted(monkeypatch)
    statements = lint(SETUP + MUTUAL, "SELECT a(), b();")
    assert routine_calls(statements) == [
        ("public.a", ()), ("public.a", ("function public.b",)),
        ("public.b", ()), ("public.b", ("function public.a",))]
    assert len(runs) == 4
    never_kept(monkeypatch)
    assert seen(statements) == seen(lint(SETUP + MUTUAL, "SELECT a(), b();"))


def test_a_body_called_twice_in_one_context_runs_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two calls of touch() in one body, nothing between them that changes its context: one
    run, its actions held once, at the first call; the second call says it runs them."""
    twice = ("CREATE FUNCTION twice() RETURNS void LANGUAGE plpgsql AS $$\n"
             "BEGIN PERFORM touch(); PERFORM touch(); END $$;\n")
    runs = counted(monkeypatch)
    statements = lint(SETUP + twice, "SELECT twice();")
    assert updates(statements) == [("public.accounts", False)] * 2
    assert runs.count("function public.touch") == 1
    [statement] = statements
    assert [(a.kind, a.facts.get("routine"), a.facts.get("body_shown_before", False))
            for a in statement.effect.actions if a.kind in ("routine_call", "update")] == [
        ("routine_call", "public.twice", False), ("routine_call", "public.touch", False),
        ("update", None, False), ("routine_call", "public.touch", True)]


def test_a_chain_of_calls_holds_each_bodys_actions_once_per_context(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`SELECT f_0()` on 30 functions each calling the next ten: the effect held an action
    per call path (MAX_DEPTH deep: 1 + 10 + 100 bodies); it holds each body's once per
    context, the other calls by their `routine_call` alone, and counts as many actions as
    the bodies run, not the paths. Every call's body in full (`every_call`) is the effect
    of every path run again, but where each action is (the first call's)."""
    statements = lint(chain(30, 10), "SELECT f_0();")
    held = len(statements[0].effect.actions)
    calls = [a for a in statements[0].effect.actions if a.kind == "routine_call"]
    assert len(calls) == 1 + 10 + 100
    # (f_0, f_1 .. f_10 under it, f_2 .. f_20 a level further)
    assert len([a for a in calls if not a.facts.get("body_shown_before")]) == 1 + 10 + 19
    never_kept(monkeypatch)
    again = lint(chain(30, 10), "SELECT f_0();")
    assert held * 3 < len(again[0].effect.actions)
    assert seen(statements) == seen(again)


SHARED = """CREATE FUNCTION a() RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM c(); UPDATE accounts SET id = 1; END $$;
CREATE FUNCTION b() RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM c(); END $$;
CREATE FUNCTION c() RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM a(); DELETE FROM accounts; END $$;
"""


DEEPER = """CREATE FUNCTION a() RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM m(); UPDATE accounts SET id = 1; END $$;
CREATE FUNCTION b() RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM m(); END $$;
CREATE FUNCTION m() RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM n(); END $$;
CREATE FUNCTION n() RETURNS void LANGUAGE plpgsql AS $$
BEGIN PERFORM a(); DELETE FROM accounts; END $$;
"""


#: Routines called under other routines running, as deep: what runs, by MAX_DEPTH.
UNDER_OTHERS = {
    # c's body under a does not run a again (a is running); c's under b, as deep, does
    "shared": (SHARED, 3, [
        ("public.a", ()), ("public.a", ("function public.c", "function public.b")),
        ("public.b", ()), ("public.c", ("function public.a",)),
        ("public.c", ("function public.b",))]),
    # m's body asks nothing of a itself, but n's under it does (four deep)
    "deeper": (DEEPER, 4, [
        ("public.a", ()),
        ("public.a", ("function public.n", "function public.m", "function public.b")),
        ("public.b", ()), ("public.m", ("function public.a",)),
        ("public.m", ("function public.b",)),
        ("public.n", ("function public.m", "function public.a")),
        ("public.n", ("function public.m", "function public.b"))]),
}


@pytest.mark.parametrize("keep", [True, False])
@pytest.mark.parametrize("case", sorted(UNDER_OTHERS))
def test_a_body_under_other_routines_running_runs_again(
        monkeypatch: pytest.MonkeyPatch, keep: bool, case: str) -> None:
    """`SELECT a(), b()`, both calling a routine whose calls (or those of the routines it
    calls) reach a: its run under a, where a is not run again, must not stand for its run
    under b, as deep, where a runs (`UNDER_OTHERS`; MAX_DEPTH raised for the deeper one)."""
    functions, depth, calls = UNDER_OTHERS[case]
    monkeypatch.setattr(routines, "MAX_DEPTH", depth)
    if not keep:
        never_kept(monkeypatch)
    assert routine_calls(lint(SETUP + functions, "SELECT a(), b();")) == calls


AUDIT = """CREATE TABLE audit_log (id int);
CREATE TABLE other_log (id int);
CREATE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO audit_log VALUES (1); RETURN NEW; END $$;
"""


def _three_calls(between: str) -> str:
    """touch() called by three statements, `between` before the third (each in a
    transaction of its own: the migration runs in none)."""
    return f"SELECT touch();\nSELECT touch();\n{between}\nSELECT touch();\n"


def test_a_body_a_later_statement_runs_on_the_same_schema_is_not_run_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The three statements call touch() under the same context and schema: the second and
    third take the first's run (main ran it three times), with the same actions, locks and
    findings as a run of their own."""
    runs = counted(monkeypatch)
    statements = lint(SETUP, _three_calls("SELECT 1;"))
    assert runs.count("function public.touch") == 1
    never_kept(monkeypatch)
    assert seen(statements) == seen(lint(SETUP, _three_calls("SELECT 1;")))


@pytest.mark.parametrize("between", [
    "ALTER TABLE accounts ADD COLUMN b int;",
    "CREATE TRIGGER audited AFTER UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION audit();",
    "ALTER TABLE accounts RENAME TO old_accounts;\nCREATE TABLE accounts (id int);",
    "SET search_path = other, public;",
])
def test_a_body_runs_again_after_a_change_of_the_schema_or_the_path(
        monkeypatch: pytest.MonkeyPatch, between: str) -> None:
    """A column added, a trigger added to the table the body writes, the table replaced,
    another search_path: the third call runs the body again (the second took the first's
    run), and gets what a run of its own gets (the trigger's INSERT, the new table,
    other.accounts)."""
    runs = counted(monkeypatch)
    statements = lint(SETUP + AUDIT, _three_calls(between))
    assert runs.count("function public.touch") == 2
    never_kept(monkeypatch)
    assert seen(statements) == seen(lint(SETUP + AUDIT, _three_calls(between)))


def test_a_trigger_whose_function_is_replaced_runs_the_new_body(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The trigger's function replaced between two UPDATEs that fire it: the later UPDATE
    runs the new body (other_log), not the run kept for the old one (audit_log)."""
    replaced = ("CREATE OR REPLACE FUNCTION audit() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                "BEGIN INSERT INTO other_log VALUES (1); RETURN NEW; END $$;")
    sql = ("CREATE TRIGGER audited AFTER UPDATE ON accounts FOR EACH ROW "
           "EXECUTE FUNCTION audit();\n" + "UPDATE accounts SET id = 2;\n" * 2 + replaced +
           "\nUPDATE accounts SET id = 2;\n")
    statements = lint(SETUP + AUDIT, sql)
    inserts = [a.facts["table"] for s in statements for a in every_call(s.effect.actions)
               if a.kind == "insert"]
    assert inserts == ["public.audit_log", "public.audit_log", "public.other_log"]
    never_kept(monkeypatch)
    assert seen(statements) == seen(lint(SETUP + AUDIT, sql))


#: accounts with a foreign key its UPDATE in touch() does not set: an UPDATE of rows the
#: transaction wrote before checks the key again, locking parents ROW SHARE (checked on 18.6:
#: the second `SELECT touch()` of a transaction takes it, the first does not, an INSERT into
#: other_log between them or not).
KEYED = """CREATE TABLE parents (id int PRIMARY KEY);
CREATE TABLE accounts (id int, parent int REFERENCES parents);
CREATE TABLE other_log (id int);
CREATE FUNCTION touch() RETURNS void LANGUAGE plpgsql AS $$
BEGIN UPDATE accounts SET id = id + 1; END $$;
"""


def _in_transaction(*statements: str) -> str:
    return "BEGIN;\n" + "".join(f"{s}\n" for s in statements) + "COMMIT;\n"


def runs_checked(monkeypatch: pytest.MonkeyPatch, setup: str, sql: str) -> tuple[list[str], list]:
    """The bodies run (`counted`) by migration `sql` after `setup`, and its statements, which
    are checked to be what runs never kept give (`never_kept`)."""
    runs = counted(monkeypatch)
    statements = lint(setup, sql)
    done = list(runs)
    never_kept(monkeypatch)
    assert seen(statements) == seen(lint(setup, sql))
    return done, statements


def parents_locked(statements) -> list[bool]:
    """Whether each statement locks parents (its key's check reads a row of it)."""
    return [("public.parents" in s.effect.locks) for s in statements]


def test_a_write_to_a_table_the_body_does_not_update_leaves_its_run_kept(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """An INSERT into other_log between the second and third calls of a transaction: the
    tables written differ, but not accounts, the one touch()'s run asked about: the third
    call takes the second's run (main ran the body three times), locking parents as that
    run does and as a run of its own would."""
    sql = _in_transaction("SELECT touch();", "SELECT touch();",
                          "INSERT INTO other_log VALUES (1);", "SELECT touch();")
    runs, statements = runs_checked(monkeypatch, KEYED, sql)
    assert runs.count("function public.touch") == 2
    assert parents_locked(statements) == [
        False, False, True, False, True, False]


def test_a_body_runs_again_once_the_table_it_updates_was_written(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The first call's UPDATE wrote accounts: the second call's UPDATE checks the key again,
    which the first's run did not; so the body runs again, and gets what a run of its own
    gets (parents locked)."""
    sql = _in_transaction("SELECT touch();", "SELECT touch();")
    runs, statements = runs_checked(monkeypatch, KEYED, sql)
    assert runs.count("function public.touch") == 2
    assert parents_locked(statements) == [
        False, False, True, False]


def test_a_kept_run_asks_again_for_the_tables_its_nested_run_asked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """outer() calls touch(): outer's run asked, through touch()'s, whether accounts was
    written. The second `SELECT outer()` of the transaction (accounts written by the
    first) must not take the first's run: it runs outer() again, and touch() under it."""
    setup = KEYED + ("CREATE FUNCTION outer_() RETURNS void LANGUAGE plpgsql AS $$\n"
                     "BEGIN PERFORM touch(); END $$;\n")
    sql = _in_transaction("SELECT outer_();", "INSERT INTO other_log VALUES (1);",
                          "SELECT outer_();", "SELECT outer_();")
    runs, statements = runs_checked(monkeypatch, setup, sql)
    assert runs.count("function public.outer_") == 2
    assert runs.count("function public.touch") == 2
    assert parents_locked(statements) == [
        False, False, False, True, True, False]


def test_a_body_runs_once_whichever_columns_its_callers_find_constant(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A column added with a constant default is constant for the statements after it
    (`Context.constant_columns`) until a write of its table: the first call's UPDATE of
    accounts forgets it. A routine's body finds no column constant (it runs after statements
    lockwise did not follow): the second call takes the first's run (main ran the body
    twice), and both are what a run of their own gives."""
    setup = KEYED + ("CREATE FUNCTION joined() RETURNS void LANGUAGE plpgsql AS $$\n"
                     "BEGIN UPDATE accounts SET id = 1 FROM other_log\n"
                     "  WHERE accounts.c = other_log.id; END $$;\n")
    sql = ("ALTER TABLE accounts ADD COLUMN c int DEFAULT 1;\n"
           "SELECT joined();\nSELECT joined();\n")
    runs, statements = runs_checked(monkeypatch, setup, sql)
    assert runs.count("function public.joined") == 1


#: fresh is made by the migration (empty), then filled from an older table: new, not empty
#: and filled from then on (`Context.empty_tables`, `filled_tables`).
FILLED_BETWEEN = ("CREATE TABLE fresh (id int);\nSELECT {f}();\n"
                  "INSERT INTO fresh SELECT id FROM other_log;\nSELECT {f}();\n")


def test_a_table_filled_that_the_body_does_not_write_leaves_its_run_kept(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """fresh filled between two calls of touch(), which writes accounts alone: the tables
    empty and filled differ, not what touch()'s run asked of them (accounts): the second call
    takes the first's run (main ran the body twice)."""
    sql = FILLED_BETWEEN.format(f="touch")
    runs, statements = runs_checked(monkeypatch, KEYED, sql)
    assert runs.count("function public.touch") == 1


def test_a_body_runs_again_once_the_table_it_writes_is_filled(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """fill_fresh() updates fresh: empty at the first call, filled at the second, whose run
    is its own (the UPDATE's table no longer empty), as a run of its own gives."""
    setup = KEYED + ("CREATE FUNCTION fill_fresh() RETURNS void LANGUAGE plpgsql AS $$\n"
                     "BEGIN UPDATE fresh SET id = id + 1; END $$;\n")
    sql = FILLED_BETWEEN.format(f="fill_fresh")
    runs, statements = runs_checked(monkeypatch, setup, sql)
    assert runs.count("function public.fill_fresh") == 2
    assert [a.facts["table_is_empty"] for s in statements for a in every_call(s.effect.actions)
            if a.kind == "update"] == [True, False]


def test_a_body_called_where_a_caller_filled_its_table_runs_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """`SELECT h(), f()`, each calling g(), which adds a foreign key to fresh (new and
    empty): f() first fills fresh from an older table, so g()'s run under f() finds fresh
    filled (its `table_is_filled` fact), not as its run under h() did: it runs again."""
    setup = KEYED + (
        "CREATE FUNCTION g() RETURNS void LANGUAGE plpgsql AS $$\n"
        "BEGIN ALTER TABLE fresh ADD CONSTRAINT fresh_fk FOREIGN KEY (id) REFERENCES parents;"
        " END $$;\n"
        "CREATE FUNCTION h() RETURNS void LANGUAGE plpgsql AS $$\n"
        "BEGIN PERFORM g(); END $$;\n"
        "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$\n"
        "BEGIN INSERT INTO fresh SELECT id FROM other_log; PERFORM g(); END $$;\n")
    sql = "CREATE TABLE fresh (id int);\nSELECT h(), f();\n"
    runs, statements = runs_checked(monkeypatch, setup, sql)
    assert runs.count("function public.g") == 2
    assert [a.facts["table_is_filled"] for s in statements for a in every_call(s.effect.actions)
            if a.kind == "add_constraint"] == [False, True]
