"""What a called routine's body did at a call, kept for the other calls of the same statement
that run it under the same context (issue 10: 400 PL/pgSQL functions each calling the next 40
ran 65,000 bodies for one `SELECT f_0()`, one per call path, where 120 differ).

A body's run (`routines.run_called`: the `routine_call` action, the actions of its
statements after it, and the locks, rewrites and scans they take) depends on the routine, on
whether it is the only routine its statement runs (`alone`), on every field of the call's
`Context` (the catalog, the new, filled, empty and NULL tables and columns of the bodies
around it, `watch_literals`, `in_body`, ...), on how unqualified names resolve
(`nodes.resolution`: the search_path in force, the session's temporary relations and those
the bodies around it made), and on the routines already running (`Context.expanding_routines`)
only through how many there are (the depth) and which of those its run asked about: a
call of one of them is not expanded again. So a run is kept under all of those but the
routines running, with the routines it asked about (`asked`, those of the bodies it ran
in turn too) and which of them were running; it is taken again only where the same of
those run. Likewise the sets of tables `ASKED_SETS` names (the tables the open transaction
wrote, an UPDATE of one checking its foreign keys again; the new tables filled from older
ones; the tables sure to be empty) count only through the members the run asked about
(`Context.members_asked`: `written_before`, `table_is_filled`, `table_is_empty`) and which of
them were in the set: a write to another table between two statements calling the routine
leaves its run as it was. The statement's text (`Context.statement_sql`) is not part of it:
each body statement runs with its own.

Kept while the outermost call is followed (one statement, whose catalog does not change
meanwhile: the replay applies it afterwards), then let go.

The statement's effect holds a kept run's actions once, at the call that ran it: a later
call given the same run adds its `routine_call` action alone, with `body_shown_before` (the
run's number, `body_run`, on both), and the run's locks, rewrites and scans. `SELECT f_0()`
on functions each calling the next forty held an action per call path (65,000), each
judged by the rules; it holds each body's once per context (4,800). What counts the runs
(the cost of the bodies a statement runs: `cost.bodies`) finds a repeated call's body by
its number (`body_actions`: how many actions the first call's run holds)."""

from __future__ import annotations

from dataclasses import fields
from itertools import count
from typing import TYPE_CHECKING

from lockwise.core.types import Action
from lockwise.effects.context import Context
from lockwise.effects.nodes import resolution

if TYPE_CHECKING:
    from lockwise.catalog.overloads import Routine
    from lockwise.effects.locks import LockMode
    from lockwise.effects.postgres.builder import Builder

#: The sets of `Context` a body's run is kept by the members it asked about (each read
#: through a method that notes the question: `Context.members_asked`), not whole.
ASKED_SETS = ("written_in_transaction", "filled_tables", "empty_tables")

#: The fields of `Context` a body's run is kept under: all but the routines running and
#: `ASKED_SETS` (kept by what the run asked of them), the text of the statement (each body
#: statement is judged with its own), and the columns constant in every row (a routine's
#: body runs with none: `embedded.run_embedded`, as it runs after statements lockwise did
#: not follow).
_KEYED = tuple(f.name for f in fields(Context)
               if f.name not in ("expanding_routines", "statement_sql", "constant_columns",
                                 "members_asked", *ASKED_SETS))


def members_in(ctx: Context, asked: frozenset[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """Of the questions `asked` (a field of `ASKED_SETS`, a member), those `ctx` answers
    yes."""
    return frozenset(q for q in asked if q[1] in getattr(ctx, q[0]))


class _Same:
    """An object compared by identity (the catalog: not changed while a statement's bodies
    are followed), held so that its address is not taken by another."""

    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        return type(other) is _Same and other.value is self.value

    def __hash__(self) -> int:
        return id(self.value)


def _frozen(value: object) -> object:
    """`value` as a key: a set or dict by what it holds now (a body's own copies of the new
    tables, NULL columns, ... grow as its statements run), anything else unhashable by
    identity."""
    kind = type(value)
    if kind is set or kind is frozenset:
        return frozenset(value)  # type: ignore[arg-type]
    if kind is dict:
        return tuple((k, _frozen(v)) for k, v in value.items())  # type: ignore[attr-defined]
    try:
        hash(value)
    except TypeError:
        return _Same(value)
    return value


def _lasting(key: tuple) -> bool:
    """Whether a run kept under `key` may be taken by a later statement: its key holds no
    object compared by identity (a `_Same`, which may have changed in place since) but the
    catalog, whose changes of schema let the runs go (`BodyRuns.across`)."""
    return not any(_holds_same(item) for at, item in enumerate(key) if at != _CATALOG_AT)


#: Where `BodyRuns.key` puts the catalog.
_CATALOG_AT = 4 + _KEYED.index("catalog")


def _holds_same(item: object) -> bool:
    """Whether `item`, a part of a key, holds an object compared by identity."""
    kind = type(item)
    return kind is _Same or kind is tuple and any(_holds_same(part)
                                                  for part in item)  # type: ignore[attr-defined]


#: The numbers of the runs kept (`body_run`), each its own: a statement may follow its calls
#: more than once (each part of it that calls routines), each time with runs of its own.
_NUMBERS = count(1)


class BodyRun:
    """What a body's run added to the statement that called it: its `routine_call` action's
    facts (`call`), the actions after it, the locks (in the order first taken), rewrites and
    scans (in the order first given), the routines it asked about (`asked`), and what it
    asked of `ASKED_SETS` (`members`) with the answers yes (`members_in`)."""

    __slots__ = ("actions", "asked", "call", "locks", "members", "members_in", "rewrites",
                 "scans")

    def __init__(self, call: dict, actions: list[Action], locks: list[tuple[str, LockMode]],
                 rewrites: set[str], scans: list[tuple[str, str]], asked: set,
                 members: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
                 ctx: Context | None = None) -> None:
        self.call = call
        self.actions = actions
        self.locks = locks
        self.rewrites = rewrites
        self.scans = scans
        self.asked = frozenset(asked)
        self.members = frozenset(members)
        self.members_in = members_in(ctx, self.members) if ctx is not None else frozenset()

    def fits(self, among: frozenset, running: frozenset, ctx: Context) -> bool:
        """Whether the run, kept with `among` of the routines it asked about running, stands
        for a call in `ctx` where `running` run: the same of those it asked about run, and
        `ctx` answers what it asked of `ASKED_SETS` as its call's did."""
        return running & self.asked == among and self.answered_as(ctx)

    def answered_as(self, ctx: Context) -> bool:
        """Whether `ctx` answers what the run asked of `ASKED_SETS` as its call's did."""
        return not self.members or members_in(ctx, self.members) == self.members_in

    def does_as(self, other: BodyRun) -> bool:
        """Whether the run takes the locks `other` takes, in the same order, and its actions
        are of the same kinds on the same tables: a second run of a body at a later call of
        the statement (`routines.run_called`) adds nothing then."""
        return self.locks == other.locks and len(self.actions) == len(other.actions) and all(
            a.kind == o.kind and a.facts.get("table") == o.facts.get("table")
            for a, o in zip(self.actions, other.actions, strict=True))

    def given_to(self, b: Builder, routine_runs: str, again: bool = False) -> None:
        """The run, added to `b` as the run itself would (its actions copied: a caller may
        change their facts), its call running the body as `routine_runs` says; `again`: a
        call after the one that added its actions, its `routine_call` alone."""
        call = {**self.call, "routine_runs": routine_runs}
        if again:
            b.actions.append(Action("routine_call", {**call, "body_shown_before": True}))
        else:
            b.actions.append(Action("routine_call", call))
            b.actions.extend(Action(a.kind, dict(a.facts)) for a in self.actions)
        for rel, mode in self.locks:
            b.lock(rel, mode)
        b.rewrites.update(self.rewrites)
        for rel, why in self.scans:
            b.scan(rel, why)


    def renumbered(self) -> BodyRun:
        """The same run for another statement: its call's facts its own, to be numbered
        (`BodyRuns.keep`) among that statement's runs."""
        run = BodyRun.__new__(BodyRun)
        run.call, run.actions, run.locks = dict(self.call), self.actions, self.locks
        run.rewrites, run.scans, run.asked = self.rewrites, self.scans, self.asked
        run.members, run.members_in = self.members, self.members_in
        return run


#: Runs kept across statements: by (key, which of the routines it asked about run), the
#: run; held in the catalog's `version_memo`, which the replay lets go at every statement
#: that may change the schema (see `BodyRuns.across`).
_ACROSS = ("", "body runs")


class BodyRuns:
    """The runs of bodies kept while a statement's calls are followed, and the routines and
    the members of `ASKED_SETS` the runs in progress asked about (innermost last)."""

    __slots__ = ("across", "asking", "asking_members", "kept")

    def __init__(self, ctx: Context | None = None) -> None:
        self.kept: dict[tuple, list[tuple[frozenset, BodyRun]]] = {}
        self.asking: list[set] = []
        #: What each run in progress asked of `ASKED_SETS`: the `Context.members_asked` of
        #: its body's statements.
        self.asking_members: list[set[tuple[str, str]]] = []
        #: The runs kept by the statements before, while the schema stays as it is: the
        #: catalog's `version_memo` (let go by the replay at each statement but a plain
        #: UPDATE, DELETE, INSERT or SELECT, and by each copy) holds them, so a run is taken
        #: again only from a catalog whose schema is the one it ran on; the rest of what it
        #: depends on is its key. None: runs are kept for the statement alone.
        self.across: dict[tuple, BodyRun] | None = None
        if ctx is not None:
            catalog = ctx.catalog
            memo = catalog.version_memo
            if memo is None:
                memo = catalog.version_memo = {}
            entry = memo.get(_ACROSS)
            if entry is None:
                entry = memo[_ACROSS] = (None, {})  # type: ignore[assignment]
            self.across = entry[1]

    def key(self, ctx: Context, routine: Routine, alone: bool) -> tuple:
        """What a run of `routine`'s body at a call in `ctx` depends on, but the routines
        running."""
        return (routine, alone, len(ctx.expanding_routines), resolution(),
                *(_frozen(getattr(ctx, name)) for name in _KEYED))

    def asked(self, routine: Routine) -> None:
        """The run in progress asked whether `routine` is running."""
        if self.asking:
            self.asking[-1].add(routine)

    def begin(self) -> set[tuple[str, str]]:
        """A body's run begins: what it asks about is noted from now on, what it asks of
        `ASKED_SETS` in the set returned (its `Context.members_asked`)."""
        self.asking.append(set())
        self.asking_members.append(set())
        return self.asking_members[-1]

    def end(self) -> tuple[set, set[tuple[str, str]]]:
        """The run begun last ends: the routines and the members it asked about."""
        return self.asking.pop(), self.asking_members.pop()

    def find(self, key: tuple, running: frozenset, ctx: Context) -> BodyRun | None:
        """The run kept under `key` that fits a call in `ctx` where `running` run
        (`BodyRun.fits`)."""
        for among, run in self.kept.get(key, ()):
            if run.fits(among, running, ctx):
                self._asked_too(run)
                return run
        return None

    def found_before(self, key: tuple, running: frozenset, ctx: Context) -> BodyRun | None:
        """The run an earlier statement kept under `key` (`across`) that fits the call as
        `find`'s, kept for this statement as its own (renumbered)."""
        if self.across is None or not _lasting(key):
            return None
        for among, run in self.across.get(key, ()):  # type: ignore[attr-defined]
            if run.fits(among, running, ctx):
                run = run.renumbered()
                self.keep(key, running, run, across=False)
                return run
        return None

    def keep(self, key: tuple, running: frozenset, run: BodyRun, across: bool = True) -> None:
        """Keep `run`, numbered (`body_run`) for the calls given it again."""
        run.call["body_run"] = next(_NUMBERS)
        run.call["body_actions"] = len(run.actions)
        self.kept.setdefault(key, []).append((running & run.asked, run))
        if across and self.across is not None and _lasting(key):
            self.across.setdefault(key, []).append(  # type: ignore[attr-defined]
                (running & run.asked, run.renumbered()))
        self._asked_too(run)

    def _asked_too(self, run: BodyRun) -> None:
        """What a run asked about, its caller's run asked too: the caller's answer depends on
        it."""
        if self.asking:
            self.asking[-1].update(run.asked)
            self.asking_members[-1].update(run.members)
