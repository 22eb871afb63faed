"""Session state across the statements of a migration: transaction, timeouts, held locks.

These are facts too: whether a statement runs inside a transaction block, whether a
`lock_timeout` is in force when it asks for its locks, and which ACCESS EXCLUSIVE locks earlier
statements of the same transaction still hold.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Iterator, Sequence
from collections.abc import Set as AbstractSet
from copy import copy
from dataclasses import dataclass, field
from itertools import chain
from typing import TYPE_CHECKING, cast

from lockwise.catalog.model import CHECK_CALLERS
from lockwise.catalog.search_path import read_path
from lockwise.core.deferred import bound_on_use
from lockwise.core.lazy_re import lazy_compile
from lockwise.core.numbers import MAX_TIMEOUT_MS
from lockwise.core.types import Action, Effect, LockMode
from lockwise.effects.body_writes import routine_writes
from lockwise.effects.context import RUNS_CODE, Prepared, runs_temporary_code
from lockwise.effects.locks import (
    conflicts,
    index_held_exclusive,
    relation_shown,
    waits_for_routine_work,
)
from lockwise.effects.nodes import (
    TEMPORARY_PREFIX,
    TEMPORARY_SCHEMA,
    bound_relations,
    column_def_constraints,
    const_value,
    drop_object_names,
    is_sequence_call,
    object_name,
    range_var,
    regclass_name,
    runs_as_select,
    sequence_argument,
    strings,
    unwrap,
    walk,
)
from lockwise.effects.refused import refusal
from lockwise.parse.quoting import object_sql, quote_ident, relation_sql

if TYPE_CHECKING:
    from lockwise.catalog.model import Catalog

#: Imported at its first use: an import statement in a function runs at each call.
_columns = bound_on_use(globals(), "_columns", "lockwise.effects.postgres.columns")

#: The units PostgreSQL reads in a time setting (lock_timeout = '2h'), in milliseconds.
DURATION_UNITS_MS = {"us": 0.001, "ms": 1, "s": 1000, "min": 60_000, "h": 3_600_000,
                     "d": 86_400_000}
#: Objects that running code reaches by name (tables have their own drop-table rule).
_NAMED_OBJECTS = ("view:", "function:", "type:", "sequence:")
_DML_ACTIONS = ("insert", "update", "delete", "merge")
_DDL_ACTIONS_EXCLUDED = {*_DML_ACTIONS, "select", "transaction", "set", "copy", "other",
                         "lock_table", "analyze", "do_block", "declare_cursor", "explain",
                         "prepare", "execute", "deallocate"}


#: Time zones with a fixed offset of zero (TimeZone settings, lower case): with one of them in
#: force, PostgreSQL 12+ changes a column from timestamp to timestamptz without a rewrite. The
#: tzdata names whose offset is zero and never changed (checked on 18.6, fix-pg84: every name
#: of pg_timezone_names at offset 0; `Europe/London`, `Iceland`, `WET`, `Africa/Abidjan` have
#: had other offsets, and rewrite).
UTC_ZONES = frozenset({"utc", "etc/utc", "gmt", "etc/gmt", "uct", "etc/uct", "universal",
                       "etc/universal", "zulu", "etc/zulu", "gmt0", "etc/gmt0", "etc/gmt+0",
                       "etc/gmt-0", "gmt+0", "gmt-0", "greenwich", "etc/greenwich", "factory"})

#: A number of hours as strtod reads it (check_timezone): leading blanks, no trailing ones.
_HOURS = lazy_compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?")
#: A POSIX zone without a daylight-saving part (tzparse): a name (any letters up to a digit or
#: sign, or `<...>`; it may be empty) then an offset, `[+-]hh[:mm[:ss]]`.
_POSIX_FIXED = lazy_compile(r"(?:<[^>]*>|[^\d,+\-<>]*)([+-]?\d+(?::\d+){0,2})")
#: An interval's text with units (SET TIME ZONE INTERVAL '0 hours'): numbers, signs, colons.
_INTERVAL_TEXT = lazy_compile(r"[\s\d.:+-]*(?:(?:hours?|minutes?|seconds?|days?)"
                              r"[\s\d.:+-]*)+")


def is_utc_zone(zone: str) -> bool:
    """Whether a TimeZone setting (as written, or an interval's text) has a fixed offset of
    zero, the test PostgreSQL makes to skip timestamp <-> timestamptz rewrites (the zone's
    offset, not its name: pg_get_timezone_offset). A number is hours in the ISO sign
    convention (`'+00'`, `0.0`, `'1e-9'`: seconds truncated), a POSIX spec with an offset of
    zero and no daylight-saving part (`'UTC0'`, `'XXX+00:00'`, `'<+00>0'`; `'UTC0DST'` has
    one), a zero interval, or a tzdata name of `UTC_ZONES` (checked on 18.6, fix-pg84)."""
    text = zone.lower()
    if text.strip() in UTC_ZONES:
        return True
    if _HOURS.fullmatch(text):
        return abs(float(text)) * 3600 < 1
    posix = _POSIX_FIXED.fullmatch(text)
    if posix:
        return re.search(r"[1-9]", posix.group(1)) is None
    return bool(_INTERVAL_TEXT.fullmatch(text)) and re.search(r"\d", text) is not None and \
        re.search(r"[1-9]", text) is None


#: What `_side` answers: the statement changes rows (an action of `_DML_ACTIONS`), else it
#: changes the schema (an action not of `_DDL_ACTIONS_EXCLUDED`), else neither.
_DML, _DDL, _NEITHER = 1, 2, 0


def _side(effect: Effect) -> int:
    """Which of the transaction's lock maps a statement's locks go in (`_hold_locks`) and
    mix with the other's (`_mixed_tables`): `_DML`, `_DDL` or `_NEITHER`. One pass over the
    actions, a loop and not `any` of a generator (a frame of its own): asked of nearly every
    statement, twice."""
    ddl = False
    for a in effect.actions:
        kind = a.kind
        if kind in _DML_ACTIONS:
            return _DML
        if kind not in _DDL_ACTIONS_EXCLUDED:
            ddl = True
    return _DDL if ddl else _NEITHER


def _zone(value: object) -> str | None:
    """A TimeZone setting as written, lower case; `utc` for any spelling of a fixed offset
    of zero (`SET TIME ZONE 0`, `'+00'`, `'UTC0'`, `INTERVAL '0'`: `is_utc_zone`)."""
    if value is None:
        return None
    return "utc" if is_utc_zone(str(value)) else str(value).strip().lower()


def is_duration(text: str) -> bool:
    """Whether PostgreSQL accepts `text` as a time setting such as lock_timeout: a number,
    optionally with a unit (us, ms, s, min, h, d: case-sensitive, as PostgreSQL reads them)."""
    units = "|".join(DURATION_UNITS_MS)
    return re.fullmatch(rf"\s*\d+(?:\.\d+)?\s*(?:{units})?\s*", text) is not None


def timeout_problem(text: str, ms: int) -> str | None:
    """Why `text`, read as `ms` milliseconds, is not the timeout it says: above what
    PostgreSQL takes (the SET fails), or a positive value under 1 ms, which PostgreSQL rounds
    to 0, no timeout at all. None when it is."""
    if ms > MAX_TIMEOUT_MS:
        return (f"{text!r} is more than PostgreSQL takes, {MAX_TIMEOUT_MS}ms (about 24 days); "
                "0 means no limit")
    if ms == 0 and re.search(r"[1-9]", text):
        return f"{text!r} is less than 1ms, which turns it off; write 0 for that, or at least 1ms"
    return None


def parse_duration_ms(value: object) -> int | None:
    """A PostgreSQL time setting (`'5s'`, `5000`, `'1min'`) in milliseconds; 0 means off."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return int(value)
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*", str(value).lower())
    if not match:
        return None
    number, unit = float(match.group(1)), match.group(2) or "ms"
    return int(number * DURATION_UNITS_MS.get(unit, 1))


def _boolean(value: object) -> bool | None:
    """A boolean setting's value as PostgreSQL reads it (on, off, true, false, yes, no, 1, 0
    and their prefixes); None for a value it would refuse."""
    word = str(value).strip().lower()
    if word in {"1", "on"} or (word and ("true".startswith(word) or "yes".startswith(word))):
        return True
    if word in {"0", "of", "off"} or (word and ("false".startswith(word) or
                                                "no".startswith(word))):
        return False
    return None


#: Settings the session follows: the attribute that holds each, and how its value is read.
_TRACKED = {"lock_timeout": ("lock_timeout_ms", parse_duration_ms),
            "statement_timeout": ("statement_timeout_ms", parse_duration_ms),
            "timezone": ("timezone", _zone),
            "search_path": ("search_path", read_path),
            "check_function_bodies": ("check_function_bodies", _boolean)}


#: `Session.statement_facts` of any statement run outside a transaction, and of one inside a
#: transaction that holds nothing these facts name (callers copy it).
_OUTSIDE_TRANSACTION = {
    "holds_exclusive_from_earlier": (), "held_exclusive_since": None,
    "held_exclusive_statements": 0, "held_exclusive_waits": False,
    "locks_held_exclusive_already": False,
    "uses_enum_value_added_in_transaction": (),
    "enum_values_added_sql": "",
    "mixes_ddl_and_dml": False, "mixed_tables": (), "mixed_tables_text": ""}


#: How a message names the statement that ended a transaction, by its kind.
_ENDED_BY = {"commit": "COMMIT", "rollback": "ROLLBACK", "prepare": "PREPARE TRANSACTION",
             "commit_prepared": "COMMIT PREPARED", "rollback_prepared": "ROLLBACK PREPARED"}


#: A foreign key a statement adds with ALTER TABLE (`Lookahead.foreign_keys`): the
#: statement's index, the table and column, the constraint and the column's place in its key.
ForeignKeyAhead = tuple[int, str, str, dict, int]
#: A foreign key a statement writes with the column it makes (CREATE TABLE, ADD COLUMN:
#: `Lookahead.references_to`): as `ForeignKeyAhead`, with the column's type as written (its
#: TypeName) after the column.
ReferenceAhead = tuple[int, str, str, dict, dict, int]
#: A CREATE TABLE or ALTER TABLE: its index, the statement's kind and its tree.
StatementAhead = tuple[int, str, dict]
#: A table a statement creates: its index, the table, the CREATE TABLE's tree.
TableAhead = tuple[int, str, dict]
#: A column or table a statement drops or renames: its index, the table, the column ("" for
#: the whole table) and whether it drops it (else it renames it: it lives on).
ColumnAhead = tuple[int, str, str, bool]


class Lookahead:
    """What a migration's statements do that the judgement of one before them may need
    (`lookahead`), each by statement index. A plain class with slots: a NamedTuple or a
    dataclass would generate and compile code at every one-file lint's import."""

    __slots__ = ("columns", "filled", "foreign_keys", "renamed_into", "sequences_set", "tables",
                 "tx_ends", "types", "views", "written", "_to_key")
    #: The parts `joined_lookahead` joins (the rest is worked out from them).
    PARTS = __slots__[:-1]

    def __init__(self, views: tuple[tuple[int, str], ...] = (), tx_ends: tuple[int, ...] = (),
                 types: tuple[tuple[int, str], ...] = (),
                 sequences_set: tuple[tuple[int, str], ...] = (),
                 foreign_keys: tuple[ForeignKeyAhead, ...] = (),
                 tables: tuple[TableAhead, ...] = (), filled: tuple[tuple[int, str], ...] = (),
                 columns: tuple[ColumnAhead, ...] = (),
                 written: tuple[StatementAhead, ...] = (),
                 renamed_into: tuple[tuple[int, str], ...] = ()) -> None:
        #: The views it creates.
        self.views = views
        #: The names it renames a table or a view to ("public.service_need").
        self.renamed_into = renamed_into
        #: The statements that end a transaction (COMMIT, ROLLBACK).
        self.tx_ends = tx_ends
        #: The types it creates or renames an object to ("type:public.mood").
        self.types = types
        #: The sequences it moves (setval, RESTART WITH): "sequence:s", or
        #: "column:public.t.id" for the one of that column (`pg_get_serial_sequence`, ALTER
        #: TABLE ... ALTER COLUMN ... RESTART).
        self.sequences_set = sequences_set
        #: The foreign keys ALTER TABLEs add (prisma adds them all at a migration's end).
        self.foreign_keys = foreign_keys
        #: The tables it creates (a key referenced before its table exists).
        self.tables = tables
        #: The relations a query fills: CREATE MATERIALIZED VIEW, CREATE TABLE AS, SELECT
        #: INTO (one that takes a dropped relation's name replaces it).
        self.filled = filled
        #: The columns and tables it drops or renames (`ColumnAhead`).
        self.columns = columns
        #: The CREATE TABLEs and ALTER TABLEs, whose foreign keys written with the columns
        #: they tie (`ReferenceAhead`) `references_to` reads when asked.
        self.written = written
        self._to_key: dict[str, list[ReferenceAhead]] | None = None

    def references_to(self, table: str) -> list[ReferenceAhead]:
        """The foreign keys to `table` that the statements write with their columns, and
        those ALTER TABLEs add (as a `ReferenceAhead` without the column's type), in
        statement order. Worked out for every table at the first ask (only a 32-bit key's
        prefer-bigint advice asks: fix-speed52)."""
        if self._to_key is None:
            ahead = sorted(chain(
                (found for at, kind, stmt in self.written
                 for found in _references_written(at, kind, stmt)),
                ((at, name, col, None, con, place)
                 for at, name, col, con, place in self.foreign_keys)), key=lambda r: r[0])
            self._to_key = {}
            for found in ahead:
                self._to_key.setdefault(range_var(found[4].get("pktable"))[0], []).append(found)
        return self._to_key.get(table, [])


#: A migration's lookahead before it is looked at (nothing ahead).
NO_LOOKAHEAD = Lookahead()


@dataclass(slots=True)
class Session:
    """What is in force on the migration's connection before each statement."""

    implicit_transaction: bool
    #: The implicit transaction is PostgreSQL's implicit block for a string of statements, not
    #: a transaction block: BEGIN takes it over instead of nesting, and SAVEPOINT is refused.
    implicit_block: bool = False
    #: The migration is one statement sent as one string: a statement added to it (a SET
    #: LOCAL) would make a string of two, which runs in an implicit transaction.
    alone_in_string: bool = False
    #: The tool sends the migration's text as one string of statements (after its own BEGIN or
    #: not): a COMMIT or ROLLBACK in it leaves the statements after it in PostgreSQL's
    #: implicit block for the rest of the string. Sent statement by statement, they run in
    #: autocommit instead (both checked on the server).
    one_string: bool = False
    explicit_transaction: bool = False
    #: Why the statements run outside a transaction while they do, as a message says it: the
    #: tool's way of running the migration (`lint.outside_transaction_why`), then the
    #: statement that ended a transaction.
    outside_transaction_why: str = ""
    #: Transactions the migration ended so far (COMMIT, ROLLBACK, ...): which one is open.
    ended_transactions: int = 0
    lock_timeout_ms: int | None = None
    statement_timeout_ms: int | None = None
    #: TimeZone set by the migration (lower case), None while it is the server's default.
    timezone: str | None = None
    #: The schemas of a search_path set by the migration, None while it is the default one
    #: (each migration starts with the default: see docs/effect-model.md).
    search_path: tuple[str, ...] | None = None
    #: check_function_bodies as the migration set it, None while it is the default (on):
    #: off, CREATE FUNCTION does not parse a PL/pgSQL body (pg_dump's output sets it so).
    check_function_bodies: bool | None = None
    #: The kind of the last transaction statement that ended a transaction ("commit", ...).
    _ended_by: str = ""
    #: SET LOCAL values vanish at the end of the transaction: remember what to restore.
    _saved: dict[str, object] = field(default_factory=dict)
    #: Any SET in a transaction is undone when it rolls back: the values it started with.
    _tx_start: dict[str, object] = field(default_factory=dict)
    #: The transaction's relations below are each under the name it has now: a rename or
    #: SET SCHEMA moves its entries to the new name (`_follow_moves`), for it is the same
    #: relation, with its rows and the locks the transaction holds on it (checked on 18.6).
    held_exclusive: dict[str, int] = field(default_factory=dict)  # table -> statement index
    #: Those of them a statement other than a plain DROP INDEX locked ACCESS EXCLUSIVE (an
    #: ALTER TABLE): held whatever becomes of the DROP INDEXes, which may run CONCURRENTLY
    #: in a migration of their own instead (drop-index-without-concurrently).
    tx_exclusive_kept: dict[str, int] = field(default_factory=dict)
    #: Strongest lock on each table taken by the transaction's DDL, and by its data changes:
    #: DDL and DML "mix" only where one holds a lock that the other's lock conflicts with.
    tx_ddl_locks: dict[str, LockMode] = field(default_factory=dict)
    tx_dml_locks: dict[str, LockMode] = field(default_factory=dict)
    #: "table.constraint" added NOT VALID in the transaction: its definition, as SQL.
    tx_not_valid: dict[str, object] = field(default_factory=dict)
    #: Enum labels added by ALTER TYPE ... ADD VALUE in the open transaction: PostgreSQL
    #: refuses to use them before that transaction commits ("unsafe use of new value").
    #: Each with the statements that added it (a label may be added to several types).
    tx_enum_values: dict[str, list[object]] = field(default_factory=dict)
    tx_created: set[str] = field(default_factory=set)  # relations created in the transaction
    #: Relations the transaction dropped and has not created again: a query on one dropped
    #: for good waits for the commit, then fails as it would right after the drop (checked
    #: on the server), so the ACCESS EXCLUSIVE held on it keeps from nothing that would have
    #: worked (drop-table reports the drop).
    tx_dropped: set[str] = field(default_factory=set)
    #: Those of `tx_created` made under the name of a relation the transaction dropped.
    tx_replaced: set[str] = field(default_factory=set)
    #: Those of `held_exclusive` other sessions see and wait for: not made by the
    #: transaction (unless under a name it dropped, `tx_replaced`), nor dropped by it.
    #: Noted for the relations each statement touches (`_note_held`), so a statement's
    #: listing of the locks held from earlier (`statement_facts`) looks at these, not at
    #: every relation the transaction dropped (3,000 DROP VIEWs in one transaction looked
    #: at 4.5 million).
    held_visible: set[str] = field(default_factory=set)
    #: Types created in the open transaction ("type:public.mood"): values added to one of
    #: them are usable at once (the server's check spares a type its transaction created).
    tx_types_created: set[str] = field(default_factory=set)
    tx_locks: dict[str, LockMode] = field(default_factory=dict)  # strongest lock held per table
    #: Over the whole migration: objects code may use by name ("view:public.v") that it
    #: dropped and has not created again, and objects it created itself.
    dropped: dict[str, int] = field(default_factory=dict)
    created: set[str] = field(default_factory=set)
    #: Those of `dropped` that DROP MATERIALIZED VIEW dropped ("view:public.v" too).
    dropped_matviews: set[str] = field(default_factory=set)
    #: What the statements after each one do that its judgement may need (`lookahead`).
    ahead: Lookahead = NO_LOOKAHEAD
    #: Session-level advisory locks held (pg_advisory_lock and the like, not `_xact_`): each
    #: ("" or "_shared", the key as written). They outlive COMMIT and ROLLBACK.
    advisory_held: list[tuple[str, str]] = field(default_factory=list)
    #: The open transaction's savepoints, oldest first: each its name and what
    #: `_savepoint_state` kept when it was made, which ROLLBACK TO puts back.
    savepoints: list[tuple[str, dict[str, object]]] = field(default_factory=list)
    #: The savepoint the last statement rolled back to (its place in `savepoints`), else -1.
    _rolled_back_to: int = -1
    #: The statements PREPAREd on the migration's connection, by name (`Context.prepared`):
    #: a ROLLBACK forgets none of them, DEALLOCATE and DISCARD ALL do (checked on 18.6). Each
    #: migration starts with none: the session of another migration file is not followed.
    prepared: dict[str, Prepared] = field(default_factory=dict)
    #: The session has its temporary schema: its first temporary object made it, and a
    #: ROLLBACK (TO SAVEPOINT) of the transaction that did undoes it (checked on 18.6).
    #: Made, it joins the search_path: the prepared statements are analyzed again
    #: (`_rebind_prepared`); a temporary object made after it changes no resolution.
    temporary_schema: bool = False

    @property
    def in_transaction(self) -> bool:
        return self.explicit_transaction or self.implicit_transaction

    @property
    def ended_by(self) -> str:
        """The kind of the last statement that ended a transaction ("commit", "rollback",
        ...; "" before any): a ROLLBACK undoes what its transaction replayed
        (`catalog.replay.Rollbacks`)."""
        return self._ended_by

    @property
    def rolled_back_to(self) -> int:
        """The place in `savepoints` of the savepoint the last statement rolled back to (ROLLBACK
        TO SAVEPOINT), -1 when it rolled back to none (`catalog.replay.Rollbacks`)."""
        return self._rolled_back_to

    @property
    def open_savepoints(self) -> tuple[str, ...] | None:
        """The names of the savepoints open in the transaction block, oldest first, for the
        statement about to run (`Context.savepoints`); None outside a block."""
        if not self.in_transaction_block:
            return None
        return tuple(name for name, _ in self.savepoints) if self.savepoints else ()

    @property
    def timezone_utc(self) -> bool | None:
        """Whether the TimeZone the migration set is UTC; None when it set none."""
        return None if self.timezone is None else self.timezone in UTC_ZONES

    @property
    def in_transaction_block(self) -> bool:
        """In a transaction opened by BEGIN (the migration's or its tool's)."""
        return self.explicit_transaction or (self.implicit_transaction and
                                             not self.implicit_block)

    def facts(self) -> dict:
        """Context facts for the statement about to run."""
        in_transaction = self.in_transaction
        return {
            "in_transaction": in_transaction,
            "explicit_transaction": self.explicit_transaction,
            "in_transaction_block": self.in_transaction_block,
            "outside_transaction_why": "" if in_transaction else self.outside_transaction_why,
            # Whether a SET LOCAL written first in the migration would be in force here.
            "set_local_applies": in_transaction or self.alone_in_string,
            "lock_timeout_ms": self.lock_timeout_ms,
            "lock_timeout_set": bool(self.lock_timeout_ms),
            "statement_timeout_ms": self.statement_timeout_ms,
            "statement_timeout_set": bool(self.statement_timeout_ms),
            "timezone_set": self.timezone is not None,
        }

    def statement_facts(self, effect: Effect, index: int,
                        empty_tables: Container[str] = ()) -> dict:
        """Facts that depend on this statement and what ran before it in the transaction.
        `empty_tables`: the tables sure to hold no row (Context.empty_tables)."""
        # The hold gets longer in a way that matters when this statement may wait (it asks
        # for a lock the transaction does not hold yet) or runs long (it reads a whole
        # table); SET, COMMIT or a quick change to an already locked table do neither.
        # Tables created in this transaction are invisible to others: holding them blocks
        # no one.
        if not self.in_transaction:
            return _OUTSIDE_TRANSACTION
        mixed = self._mixed_tables(effect)
        if not (mixed or self.held_exclusive or self.tx_enum_values):
            return _OUTSIDE_TRANSACTION  # the same facts: nothing held that they name
        # No other session uses what the transaction created; one that uses what it
        # dropped for good fails after the commit anyway.
        waits = bool(self.held_exclusive) and self._waits(effect)
        held = sorted(t for t in self._held_seen(index) if t not in effect.locks or
                      effect.locks[t] < LockMode.ACCESS_EXCLUSIVE) if self.held_exclusive and (
            waits or any(t not in empty_tables for t in effect.scans)
            # A routine's body (a called function's, a fired trigger's) runs inside the
            # statement: its writes are the statement's own, on rows no statement text
            # counts (its scans are in `effect.scans` already).
            or routine_writes(effect) is not None) else []
        since = min((self.held_exclusive[t] for t in held), default=None)
        used = sorted(effect.literals & self.tx_enum_values.keys())
        return {
            # each as the statement sees it: under its new name if the transaction renamed it
            "holds_exclusive_from_earlier": tuple(held),
            # 1-based number of the statement that took the earliest lock still held.
            "held_exclusive_since": since + 1 if since is not None else None,
            "held_exclusive_statements": index - since if since is not None else 0,
            # it asks for a lock the transaction lacks: it may queue while the others are
            # held, for as long as no statistics can tell (lock-accumulation)
            "held_exclusive_waits": waits,
            # Every table it locks, an earlier statement of the transaction other than a
            # DROP INDEX locked ACCESS EXCLUSIVE (the table of a DROP INDEX after an ALTER
            # TABLE of it; not one whose index alone it holds so): it waits for no one, and
            # no one waits for it who would not wait anyway (checked on 18.6).
            "locks_held_exclusive_already": bool(effect.locks and self.tx_exclusive_kept) and
            all(t in self.tx_exclusive_kept for t in effect.locks),
            "uses_enum_value_added_in_transaction": tuple(used),
            "enum_values_added_sql": "\n".join(dict.fromkeys(
                str(sql) for label in used for sql in self.tx_enum_values[label]))
            if used else "",
            "mixes_ddl_and_dml": bool(mixed),
            "mixed_tables": mixed,
            "mixed_tables_text": ", ".join(relation_shown(t, effect.dialect) for t in mixed),
        }

    def _held_seen(self, index: int) -> set[str]:
        """The relations held ACCESS EXCLUSIVE that other sessions see at statement
        `index`: `held_visible`, and those the transaction dropped that it or a later
        statement makes again (`_remade`): a query waiting for the old one reads the new one."""
        seen = self.held_visible
        remade = self._remade(index) if self.tx_dropped else set()
        again = [t for t in remade if t in self.tx_dropped and t in self.held_exclusive and
                 (t not in self.tx_created or t in self.tx_replaced)]
        if again:
            seen = seen.union(again)
        if CHECK_CALLERS:  # (tests: as a look at every relation held finds them)
            unseen = (self.tx_created - self.tx_replaced) | (self.tx_dropped - remade)
            walked = {t for t in self.held_exclusive if t not in unseen}
            assert seen == walked, f"held_visible {sorted(seen)}, walked {sorted(walked)}"
        return seen

    def _note_held(self, relations: Iterable[str]) -> None:
        """`held_visible` again for `relations`, whose entries a statement changed."""
        for t in relations:
            if t in self.held_exclusive and t not in self.tx_dropped and (
                    t not in self.tx_created or t in self.tx_replaced):
                self.held_visible.add(t)
            else:
                self.held_visible.discard(t)

    def _waits(self, effect: Effect) -> bool:
        """Whether the statement asks for a lock on a table stronger than the transaction
        holds there already, in a mode some other session's routine work may hold it in
        (`waits_for_routine_work`: not a GRANT's ACCESS SHARE), or that it reads. A
        table the transaction created is seen by no other session: any lock on it is
        granted at once. So is ROW EXCLUSIVE or weaker on a system catalog (lemmy's UPDATE
        pg_index): sessions, DDL included, hold no stronger one there (checked on the
        server). A GRANT on a materialized view waits for a REFRESH ... CONCURRENTLY of it
        (`waits_for_refresh`), routine work too."""
        # (a relation it reads, a query's, runs as long as the read: it counts, whatever
        # the lock; `effect.scans` names only DDL's reads). Listed only for a lock that
        # routine work does not wait for: a statement's reads name each column it reads.
        counted: set[str] | None = None
        for t, mode in effect.locks.items():
            if self.tx_locks.get(t, 0) >= mode or t in self.tx_created or (
                    mode <= LockMode.ROW_EXCLUSIVE and t.startswith("pg_catalog.")):
                continue
            if waits_for_routine_work(mode):
                return True
            if counted is None:
                counted = {v for a in effect.actions
                           for v in a.facts.get("waits_for_refresh", ())} | \
                    {r.split(":", 1)[1] for r in effect.reads}
            if t in counted:
                return True
        return False

    def _mixed_tables(self, effect: Effect) -> tuple[str, ...]:
        """Tables (not created in this transaction) on which this statement and the
        transaction's earlier statements of the other kind, DDL or DML (a table it only
        reads does not count), hold conflicting locks: the DDL's lock keeps others off the
        table while the data change runs, or the data change's locks are held while the DDL
        waits for its lock."""
        if not effect.locks or not (self.tx_ddl_locks or self.tx_dml_locks):
            return ()  # most statements: no lock, or a transaction that holds none yet
        side = _side(effect)
        dml = side == _DML
        earlier = self.tx_ddl_locks if dml else self.tx_dml_locks if side == _DDL else {}
        return tuple(sorted(t for t, mode in effect.locks.items() if t in earlier and
                            not (dml and mode is LockMode.ACCESS_SHARE) and
                            t not in self.tx_created and conflicts(mode, earlier[t])))

    def action_facts(self, action: Action, index: int, catalog: Catalog | None = None) -> dict:
        """Facts about one action (of statement `index`) that depend on the transaction, or
        on the statements after it (`catalog`: the schema they run against)."""
        facts = self._kind_facts(action, index)
        if action.kind == "define_column":
            facts = {**facts, "column_dropped_later": self._dropped_later(action.facts, index)}
            if catalog is not None:
                facts.update(self._reference_ahead(action.facts, index, catalog))
                facts.update(self._references_to_key(action.facts, index, catalog))
        if action.facts.get("enum_values_read"):
            facts = {**facts, **self._enum_values_read(action.facts)}
        return facts

    def _dropped_later(self, facts: dict, index: int) -> bool:
        """Whether a statement after `index` drops the column (or its table) under the name
        it has here, before any renames it: the column does not outlive the migration."""
        table, column = facts.get("table"), facts.get("column")
        return next((drops for at, name, col, drops in self.ahead.columns
                     if at > index and name == table and col in ("", column)), False)

    def _reference_ahead(self, facts: dict, index: int, catalog: Catalog) -> dict:
        """`references_narrow_key` of a key-like integer column that no REFERENCES of its own
        ties to a key, but a foreign key added by its statement or a later one does."""
        if not (self.ahead.foreign_keys and facts.get("key_like")
                and facts.get("references") is None):
            return {}
        if facts.get("type") not in _columns.NARROW_KEY_TYPES:
            return {}
        table, column = facts.get("table"), facts.get("column")
        for at, fk_table, fk_column, con, position in self.ahead.foreign_keys:
            if at >= index and (fk_table, fk_column) == (table, column):
                target = range_var(con.get("pktable"))[0]
                created = next((tree for made, name, tree in self.ahead.tables
                                if made >= index and name == target), None)
                return {"references_narrow_key": _columns.references_narrow_key(
                    catalog, target, strings(con.get("pk_attrs")), position, created)}
        return {}

    def _references_to_key(self, facts: dict, index: int, catalog: Catalog) -> dict:
        """`widen_references_sql` of a 32-bit (or 16-bit) integer column: the columns of
        such a type that its statement or a later one ties to it with a foreign key, in their
        own names, one line each (the lines after the first a comment: the template writes
        `-- ` before the first). A reference has its key's type (prefer-bigint
        leaves it alone): the key is widened with its references, or neither is."""
        if facts.get("type") not in _columns.NARROW_KEY_TYPES or not facts.get("key_like") \
                or not self.ahead.written:
            return {}
        table, column = facts.get("table", ""), facts.get("column", "")
        key: list[str] | None = None
        lines: list[str] = []
        for at, fk_table, fk_column, type_name, con, place in self.ahead.references_to(table):
            if at < index or (fk_table, fk_column) == (table, column):
                continue
            names = strings(con.get("pk_attrs"))
            if not names:  # (the key table's primary key)
                key = self._primary_key(facts, index, catalog) if key is None else key
                names = key
            if names[place:place + 1] != [column] or not self._narrow_type(
                    fk_table, fk_column, type_name, at, catalog):
                continue
            line = (f"and {quote_ident(fk_column)} bigint in "
                    f"{relation_sql(fk_table, table, False)}, which references it: widen "
                    "both, or neither")
            if line not in lines:
                lines.append(line)
        return {"widen_references_sql": "\n-- ".join(lines)} if lines else {}

    def _primary_key(self, facts: dict, index: int, catalog: Catalog) -> list[str]:
        """The primary key of the table of a column statement `index` defines (`facts`)."""
        if facts.get("primary_key"):
            return [facts.get("column", "")]
        created = next((tree for made, name, tree in self.ahead.tables
                        if made == index and name == facts.get("table")), None)
        if created is not None:
            return _columns.created_columns(created)[1]
        return list(catalog.primary_key(facts.get("table", "")))

    def _narrow_type(self, table: str, column: str, type_name: dict | None, at: int,
                     catalog: Catalog) -> bool:
        """Whether `table.column`, tied to a key by statement `at`, is a 32-bit or 16-bit
        integer: as written with the foreign key (`type_name`), else as the schema has it or
        a CREATE TABLE of the migration before `at` writes it."""
        if type_name is None:
            known = catalog.column(table, column)
            if known is not None:
                return known.type_name in _columns.NARROW_KEY_TYPES and not known.array
            created = next((tree for made, name, tree in reversed(self.ahead.tables)
                            if made < at and name == table), None)
            written = _columns.created_columns(created)[0].get(column) if created else None
            if written is None:
                return False
            type_name = written.get("typeName") or {}
        name, _, array = catalog.column_type(type_name)
        return name in _columns.NARROW_KEY_TYPES and not array

    def _enum_values_read(self, facts: dict) -> dict:
        """`statement_facts`' enum facts for an action of a DO block that may read enum
        values (`enum_values_read`): those the transaction added before the block, and those
        the block added before the action, to a type the transaction did not create."""
        reads = set(facts["enum_values_read"])
        adds: dict[str, list[object]] = {v: list(self.tx_enum_values[v])
                                         for v in reads & self.tx_enum_values.keys()}
        for value, type_, sql in facts.get("enum_values_added_in_block", ()):
            if f"type:{type_}" not in self.tx_types_created:
                adds.setdefault(value, []).append(sql)
        used = sorted(adds)
        return {"uses_enum_value_added_in_transaction": tuple(used),
                "enum_values_added_sql": "\n".join(dict.fromkeys(
                    str(sql) for value in used for sql in adds[value]))}

    def _kind_facts(self, action: Action, index: int) -> dict:
        """`action_facts` that depend on the kind of action."""
        if action.kind == "rename_table":
            # a view under the old name, or another table renamed to it (a swap, as evaka's
            # `service_need` and `new_service_need`), made later in the same transaction: no
            # query finds the name missing
            old = action.facts.get("table", "")
            return {"old_name_kept_by_view": self._taken_later(self.ahead.views, old, index) or
                    self._taken_later(self.ahead.renamed_into, old, index)}
        if action.kind == "rename_other":  # (no `object` for a role, a database, ...)
            old = action.facts.get("object")
            # (`object_is_new` is the effect's: Context.object_is_new)
            return {"old_name_kept": old is not None and self._taken_later(
                        self.ahead.types, old, index)}
        if action.kind == "validate_constraint":
            table = action.facts.get("table")
            key = f"{table}.{action.facts.get('constraint')}"
            # (added NOT VALID by an earlier statement of the same DO block: one transaction)
            in_block = action.facts.get("constraint_added_in_block")
            return {"constraint_added_in_transaction": in_block is not None or (
                        self.in_transaction and key in self.tx_not_valid),
                    "constraint_added_sql": self.tx_not_valid.get(key, "")
                    if in_block is None else in_block,
                    # An earlier statement of the transaction holds ACCESS EXCLUSIVE on the
                    # table until commit: the validation scan runs under it.
                    "table_held_exclusive": self.in_transaction and
                    table in self.held_exclusive and table not in self.tx_created}
        if action.kind == "create_index":
            # An earlier statement of the transaction holds ACCESS EXCLUSIVE on the table
            # until the commit: reads wait for the whole build too, not only writes (checked
            # on 18.6).
            table = action.facts.get("table")
            since = self.held_exclusive.get(table) if self.in_transaction and \
                table not in self.tx_created else None
            return {"table_held_exclusive": since is not None,
                    "build_waiters_text": "inserts, updates and deletes wait until the whole "
                    "index is built" if since is None else "every query on it waits, reads "
                    f"too, until the whole index is built (statement {since + 1} of the "
                    "transaction holds ACCESS EXCLUSIVE on it until the commit)"}
        if action.kind == "column_add_identity":
            f = action.facts
            moved = {f"column:{f.get('table')}.{f.get('column')}",
                     f"sequence:{f.get('identity_sequence')}"}
            return {"identity_sequence_set_later": any(
                at > index and key in moved for at, key in self.ahead.sequences_set)}
        if action.kind == "transaction":
            kind = action.facts.get("kind", "")
            return {"nested": kind in ("begin", "start") and self.in_transaction_block,
                    **(self._refused_outside_block() if kind in _SAVEPOINT_KINDS else {})}
        if action.kind == "lock_table" or action.kind == "declare_cursor":
            return self._refused_outside_block()
        return {}

    def _refused_outside_block(self) -> dict:
        """What is left of the statements before a statement PostgreSQL refuses outside a
        transaction block (`transaction_only`), as its rule says it: committed one by one, or,
        in PostgreSQL's implicit block for a string of statements (which refuses SAVEPOINT,
        RELEASE and ROLLBACK TO), rolled back with it (checked on 18.6:
        tests/test_savepoints.py)."""
        return {"statements_before_text": "the statements before it in the same string "
                "rolled back with it" if self.implicit_block and self.in_transaction
                else "the statements before it already committed"}

    def dropped_not_recreated(self) -> list[str]:
        """The named objects the migration dropped and did not create again, by statement,
        then by name (one statement's drops are a set, and the report must read the same on
        every run); `dropped[obj]` is the statement that dropped it."""
        return sorted(self.dropped, key=lambda o: (self.dropped[o], o))

    def dropped_named(self) -> list[tuple[int, str]]:
        """`dropped_not_recreated` with the statement that dropped each, a materialized view
        named so ("materialized view:public.v"), as drop-object says what it dropped."""
        return [(self.dropped[o], f"materialized {o}" if o in self.dropped_matviews else o)
                for o in self.dropped_not_recreated()]

    def after(self, effect: Effect, index: int) -> None:
        """Move the session state past a statement."""
        # A renamed type or sequence frees its old name too, but it is not dropped: the
        # rename's own rule (rename-object) says what the old name breaks.
        renamed = {a.facts.get("object") for a in effect.actions
                   if a.kind == "rename_other"} if effect.drops else ()
        for obj in effect.drops:
            # A dropped object that this migration created itself was never used by code.
            if obj.startswith(_NAMED_OBJECTS) and obj not in self.created and \
                    obj not in renamed:
                self.dropped.setdefault(obj, index)
        for obj in effect.creates:
            self.created.add(obj)
            self.dropped.pop(obj, None)  # dropped and re-created: same name, still works
        ended = self.ended_transactions
        self._rolled_back_to = -1
        for action in effect.actions:
            self._apply_action(action)
        first_temporary = not self.temporary_schema and _makes_temporary(effect)
        if effect.actions[0].kind in ("prepare", "deallocate") and not refusal(effect):
            self._follow_prepared(effect, index)
        elif self.prepared:
            self._rebind_prepared(effect, first_temporary)
        if first_temporary:
            if self.in_transaction:
                self._tx_start.setdefault("temporary_schema", False)
            self.temporary_schema = True
        if self.ended_transactions != ended:
            self.outside_transaction_why = f"the {_ENDED_BY.get(self._ended_by, 'COMMIT')} " \
                f"at statement {index + 1} ended the transaction; each statement after it " \
                "commits on its own"
        if self.in_transaction:
            moves = _moves(effect) if any(a.kind in _MOVES for a in effect.actions) else None
            touched: set[str] = set()
            if effect.drops and moves is None:
                # (one the transaction made itself was never seen by anyone)
                touched = _relations(effect.drops)
                self.tx_dropped.update(touched - self.tx_created)
            if creates := _created(effect):
                made = _relations(creates)
                touched |= made
                # (a relation renamed is the one it was: created here only if it was then)
                self.tx_created.update(made - set((moves or {}).values()))
                # One made under the name of one the transaction dropped replaces it: a
                # query waiting for the old one's lock reads the new one after the commit
                # (checked on the server), so its name is neither new nor gone.
                self.tx_replaced.update(made & self.tx_dropped)
                self.tx_dropped.difference_update(made)
                self.tx_types_created.update(o for o in creates if o.startswith("type:"))
            held = index_held_exclusive(effect)
            if effect.locks or held:
                self._hold_locks(effect, index, held)
                touched.update(effect.locks, held)
            if moves:
                self._follow_moves(moves)
                touched.update(moves, moves.values())
            if touched:
                self._note_held(touched)
        else:
            self._end_transaction()

    def _follow_moves(self, moves: dict[str, str]) -> None:
        """Keep what the transaction knows of each relation a statement renamed or moved to
        another schema (`moves`: old name -> new) under its new name: lock-accumulation and
        mixed-ddl-and-dml then see the statements after it on the same relation."""
        for was, now in moves.items():
            for held in (self.held_exclusive, self.tx_exclusive_kept, self.tx_locks,
                         self.tx_ddl_locks, self.tx_dml_locks):
                if was in held:
                    held[now] = held.pop(was)
            if was in self.tx_created:
                self.tx_created.discard(was)
                self.tx_created.add(now)

    def _hold_locks(self, effect: Effect, index: int, held_indexes: frozenset[str]) -> None:
        """The transaction holds the statement's locks until it ends (`held_indexes`: the
        tables whose indexes it holds ACCESS EXCLUSIVE, `index_held_exclusive`)."""
        for table, mode in effect.locks.items():
            self.tx_locks[table] = max(mode, self.tx_locks.get(table, mode))
            if mode is LockMode.ACCESS_EXCLUSIVE:
                self.held_exclusive.setdefault(table, index)
                if table not in self.tx_exclusive_kept and \
                        not all(a.kind == "drop_index" for a in effect.actions):
                    self.tx_exclusive_kept[table] = index
        # An index held ACCESS EXCLUSIVE (REINDEX, ALTER INDEX ... SET TABLESPACE) is held
        # until commit too, and stops every query on its table as a table lock would
        # (pg_locks, checked on the server).
        for table in held_indexes:
            self.held_exclusive.setdefault(table, index)
        side = _side(effect)
        dml = side == _DML
        held = self.tx_dml_locks if dml else self.tx_ddl_locks if side == _DDL else {}
        for table, mode in effect.locks.items():
            # A table a data change only reads (ACCESS SHARE, no row lock) is not changed
            # and keeps no writer waiting: it does not mix with DDL on it.
            if not (dml and mode is LockMode.ACCESS_SHARE):
                held[table] = max(mode, held.get(table, mode))

    def _apply_action(self, action: Action) -> None:
        f = action.facts
        if action.kind == "transaction":
            kind = f.get("kind", "")
            if kind in ("begin", "start"):
                self.explicit_transaction = True
            elif kind in ("commit", "rollback", "prepare", "commit_prepared",
                          "rollback_prepared"):
                # The tool's transaction ends here too, whoever opened it.
                self.explicit_transaction = False
                self.ended_transactions += 1
                self._ended_by = kind
                self.implicit_transaction = self.implicit_block = self.one_string
                self._end_transaction(rolled_back=kind == "rollback")
            elif kind in _SAVEPOINT_KINDS and self.in_transaction_block:
                self._savepoint(kind, f.get("savepoint", ""))
        elif action.kind == "set" and (f.get("name") in _TRACKED or f.get("reset_all")) and \
                not f.get("ends_with_call"):  # (a routine's SET clause restores it)
            for name in _TRACKED if f.get("reset_all") else (f["name"],):
                attr, read = _TRACKED[name]
                value = None if f.get("reset") else read(f.get("value"))
                if f.get("local") and not self.in_transaction:
                    continue  # SET LOCAL outside a transaction has no effect
                if self.in_transaction:
                    self._tx_start.setdefault(attr, getattr(self, attr))
                if f.get("local"):
                    self._saved.setdefault(attr, getattr(self, attr))
                else:  # a session SET after a SET LOCAL is what stays after COMMIT
                    self._saved.pop(attr, None)
                setattr(self, attr, value)
        elif action.kind == "select" and f.get("advisory_calls"):
            self._advisory(f["advisory_calls"])
        elif action.kind == "discard" and f.get("target") == "all" and not self.in_transaction:
            # DISCARD ALL runs pg_advisory_unlock_all() and RESET ALL; in a block it is
            # refused and changes nothing (so no SET LOCAL or transaction start to keep).
            self.advisory_held.clear()
            self.prepared.clear()  # (and DEALLOCATE ALL)
            for attr, _ in _TRACKED.values():
                setattr(self, attr, None)
        elif action.kind == "add_constraint" and f.get("not_valid"):
            # Kept as the fact is (effects.nodes.PrintedSql): printed only if shown.
            self.tx_not_valid[f"{f.get('table')}.{f.get('constraint')}"] = \
                f.get("constraint_sql", "")
        elif action.kind == "drop_view" and f.get("object_type") == "matview":
            self.dropped_matviews.add(f"view:{f.get('table')}")
        elif action.kind == "rename_other" and f.get("new_object"):
            # The new name is one this migration gives: no running code uses it yet (a type
            # renamed away to make room, then dropped, is no loss), and it is there again if
            # an earlier statement dropped it.
            self.created.add(f["new_object"])
            self.dropped.pop(f["new_object"], None)
        elif action.kind == "enum_add_value" and self.in_transaction and f.get("value") and \
                f"type:{f.get('type')}" not in self.tx_types_created:
            self.tx_enum_values.setdefault(str(f["value"]), []).append(
                f.get("add_value_sql", ""))

    def run_statement(self, tree: dict, sql: str) -> tuple[dict, str]:
        """The statement `tree` (of text `sql`) runs, which a replay applies and whose
        clauses the cost model reads, with its text: an EXECUTE's, the one the session
        PREPAREd under its name (a SELECT INTO makes its table then); CREATE TABLE ... AS
        EXECUTE's, itself AS that query (its table's columns are the query's); else itself."""
        body, made = tree.get("ExecuteStmt"), tree.get("CreateTableAsStmt")
        if made is not None:
            body = (made.get("query") or {}).get("ExecuteStmt")
        found = self.prepared.get(body.get("name", "")) if body is not None else None
        if found is None:
            return tree, sql
        query = found.runs(self.search_path)
        if made is None:
            return query, found.text
        # (of a prepared statement not a SELECT, the server refuses it: not followed, as the
        # effect model's create_table_as)
        return ({"CreateTableAsStmt": {**made, "query": query}}, sql) \
            if runs_as_select(query) else (tree, sql)

    def _follow_prepared(self, effect: Effect, index: int) -> None:
        """A PREPARE the server takes keeps its statement under its name, bound to the
        relations its analysis found (`Prepared.bound`: names resolve as they do now);
        DEALLOCATE forgets the one it names, DEALLOCATE ALL every one. (A refused one
        changes nothing: a PREPARE of a name taken keeps the statement first prepared under
        it.)"""
        action = effect.actions[0]
        f = action.facts
        if action.kind == "prepare":
            query = f["prepared_query"]
            self.prepared[f["name"]] = Prepared(
                query, str(f["prepared_text"]), index + 1,
                _bound(query, self.search_path, self.temporary_schema),
                frozenset(effect.locks), self.search_path)
        elif f.get("all"):
            self.prepared.clear()
        else:
            self.prepared.pop(f.get("name", ""), None)

    def _rebind_prepared(self, effect: Effect, first_temporary: bool) -> None:
        """What a statement does to the binding of the prepared statements (checked on 18.6:
        tests/test_prepared_statements.py). The server analyzes one again by its names at
        its next EXECUTE after a change to a relation its analysis opened (a lock above ROW
        EXCLUSIVE: DDL, ANALYZE, VACUUM, TRUNCATE, an index; a GRANT; not COMMENT nor LOCK
        TABLE), after a schema of its search_path is made, or the session's temporary
        schema (`first_temporary`: the statement makes the session's first temporary
        object; a later one changes nothing, after DISCARD TEMP too), or after DISCARD TEMP
        (ALL) drops a temporary relation it opened; and an EXECUTE that analyzed it again binds
        it to what it found (an EXECUTE under another search_path also analyzes it again,
        `Prepared.runs`)."""
        kinds = {a.kind for a in effect.actions}
        changed = {t for t, mode in effect.locks.items()
                   if mode > LockMode.ROW_EXCLUSIVE or "grant" in kinds} \
            if effect.locks and not kinds <= _NO_NEW_ANALYSIS else set()
        made = {o.split(":", 1)[1] for o in effect.creates if o.startswith("schema:")} | \
            ({TEMPORARY_SCHEMA} if first_temporary else set())
        # DISCARD TEMP drops the temporary relations, keeping the temporary schema (a later
        # temporary object changes no resolution; checked on 18.6)
        discarded = "discard" in kinds and any(
            a.kind == "discard" and a.facts.get("target") in ("temp", "all")
            for a in effect.actions)
        run = {a.facts["prepared_statement_run"] for a in effect.actions
               if "prepared_statement_run" in a.facts}
        for name, found in self.prepared.items():
            if name in run and found.runs(self.search_path) is found.query:
                self.prepared[name] = found.rebound(
                    _bound(found.query, self.search_path, self.temporary_schema),
                    frozenset(effect.locks), self.search_path)
            elif found.bound is not None and (
                    changed & found.relations or discarded and _names_temporary(found.bound)
                    or (made and made & {
                        *(found.path or ()), TEMPORARY_SCHEMA})):
                self.prepared[name] = found.rebound(None)

    def _savepoint(self, kind: str, name: str) -> None:
        """Follow SAVEPOINT, RELEASE SAVEPOINT and ROLLBACK TO SAVEPOINT `name` as PostgreSQL
        runs them (checked on 18.6): a name used again means its newest savepoint; RELEASE
        ends it and the savepoints after it, keeping their work; ROLLBACK TO undoes the work
        done since it (the locks taken and the settings made after it among them: pg_locks)
        and ends the savepoints after it, not it. A name with no savepoint is an error that
        leaves the transaction failed: nothing is followed for it."""
        if kind == "savepoint":
            self.savepoints.append((name, self._savepoint_state()))
            return
        at = next((i for i in range(len(self.savepoints) - 1, -1, -1)
                   if self.savepoints[i][0] == name), None)
        if at is None:
            return
        if kind == "release":
            del self.savepoints[at:]
            return
        del self.savepoints[at + 1:]
        self._rolled_back_to = at
        # (copied again: the savepoint stays, to be rolled back to once more)
        for attr, value in self._savepoint_state(self.savepoints[at][1]).items():
            setattr(self, attr, value)

    def _savepoint_state(self, state: dict[str, object] | None = None) -> dict[str, object]:
        """What a ROLLBACK TO puts back of the session (`state`: the one kept, else now's):
        its transaction's held locks and what it made, dropped and set, each copied."""
        if state is None:
            state = {attr: getattr(self, attr) for attr in _SAVEPOINT_KEEPS}
        kept = {attr: copy(value) for attr, value in state.items()}
        kept["tx_enum_values"] = {label: list(added) for label, added in
                                  cast(dict, state["tx_enum_values"]).items()}
        return kept

    def _advisory(self, calls: Sequence[tuple[str, str]]) -> None:
        """Follow the session-level advisory locks a statement takes and releases, in order.
        An unlock releases one hold of its key (of the same kind); one whose key is written
        otherwise than any held is taken to release the oldest hold of its kind."""
        for function, key in calls:
            shared = "_shared" if function.endswith("_shared") else ""
            if function == "pg_advisory_unlock_all":
                self.advisory_held.clear()
            elif "unlock" in function:
                held = [h for h in self.advisory_held if h[0] == shared]
                match = next((h for h in held if h[1] == key), held[0] if held else None)
                if match is not None:
                    self.advisory_held.remove(match)
            else:
                self.advisory_held.append((shared, key))

    def advisory_facts(self) -> dict:
        """The end of the migration's facts about the session-level advisory locks it still
        holds: they stay with the tool's connection until it ends or unlocks them."""
        keys = list(dict.fromkeys(self.advisory_held))
        return {"advisory_locks_held_at_end": bool(keys),
                "advisory_locks_text": ", ".join(
                    f"pg_advisory_lock{shared}({key})" for shared, key in keys),
                "advisory_xact_lock_sql": "\n".join(
                    f"SELECT pg_advisory_xact_lock{shared}({key});" for shared, key in keys),
                "advisory_unlock_sql": "\n".join(
                    f"SELECT pg_advisory_unlock{shared}({key});"
                    for shared, key in self.advisory_held)}

    def _taken_later(self, ahead: tuple[tuple[int, str], ...], old: str, index: int) -> bool:
        """Whether a later statement of the same transaction gives the name statement `index`
        renames away to another object (`ahead`: `Lookahead.views` for a table's name, a
        view taking it; `Lookahead.types` for a type's), so that no query ever finds it missing."""
        return old in self._named_later(ahead, index)

    def _named_later(self, ahead: Iterable[tuple[int, str]], index: int) -> Iterator[str]:
        """The names `ahead` (statement index, name) gives after statement `index`, in the
        same transaction."""
        if not self.in_transaction:
            return
        end = next((e for e in self.ahead.tx_ends if e > index), None)
        yield from (name for at, name in ahead if index < at and (end is None or at < end))

    def _remade(self, index: int) -> set[str]:
        """The names statement `index` or a later one of the transaction gives a view or
        table (a materialized view, one a query fills): a relation an earlier one dropped
        under one of them is made again. One read of the lookahead for all the dropped
        relations (read for each, a transaction dropping many read it again for each, at
        every statement)."""
        return {*self._named_later(self.ahead.views, index - 1),
                *self._named_later(self.ahead.filled, index - 1),
                *self._named_later(((at, table) for at, table, _ in self.ahead.tables),
                                   index - 1)}

    def _end_transaction(self, rolled_back: bool = False) -> None:
        # COMMIT ends SET LOCAL; ROLLBACK undoes every SET of the transaction (guc.c).
        for attr, value in (self._tx_start if rolled_back else self._saved).items():
            setattr(self, attr, value)
        self._saved.clear()
        self._tx_start.clear()
        self.held_exclusive.clear()
        self.held_visible.clear()
        self.tx_exclusive_kept.clear()
        self.tx_ddl_locks.clear()
        self.tx_dml_locks.clear()
        self.tx_not_valid.clear()
        self.tx_enum_values.clear()
        self.tx_created.clear()
        self.tx_dropped.clear()
        self.tx_replaced.clear()
        self.tx_types_created.clear()
        self.tx_locks.clear()
        if self.savepoints:
            self.savepoints.clear()


#: The savepoint commands the session follows (`Session._savepoint`).
_SAVEPOINT_KINDS = frozenset({"savepoint", "release", "rollback_to"})
#: What a savepoint keeps of the session for ROLLBACK TO (`Session._savepoint_state`): the
#: transaction's locks and what it made, dropped and set (SET, SET LOCAL: guc.c undoes them
#: too), and whether the session has its temporary schema (undone too: checked on 18.6).
#: (The migration's `dropped` and `created`, which a whole ROLLBACK undoes as well, are
#: kept with the catalog: `catalog.replay.Rollbacks`.)
_SAVEPOINT_KEEPS = ("held_exclusive", "held_visible", "tx_exclusive_kept", "tx_ddl_locks",
                    "tx_dml_locks", "tx_not_valid", "tx_enum_values", "tx_created", "tx_dropped",
                    "tx_replaced", "tx_types_created", "tx_locks", "_saved", "temporary_schema",
                    *(attr for attr, _ in _TRACKED.values()))


#: Actions that give a relation another name: it lives on under it, and what uses it by OID
#: (a view over it, a foreign key's checks, a default's nextval) waits for its lock, then
#: works (checked on the server): its old name is not dropped for lock-accumulation. Its new
#: name is one the transaction holds the lock of already. (`rename_other`: a sequence's.)
_MOVES = frozenset({"rename_table", "set_schema", "rename_other"})


def _moves(effect: Effect) -> dict[str, str]:
    """The relations a renaming statement (`_MOVES`) gives another name: old name -> new. A
    RENAME renames one; SET SCHEMA moves a table with its sequences, each keeping its name
    in the new schema."""
    old, new = _relations(effect.drops), _relations(effect.creates)
    if len(old) == 1 and len(new) == 1:
        return {old.pop(): new.pop()}
    by_name = {n.split(".", 1)[-1]: n for n in new}
    return {o: by_name[o.split(".", 1)[-1]] for o in old if o.split(".", 1)[-1] in by_name}


def _names_temporary(tree: object) -> bool:
    """Whether statement `tree` (as PREPARE bound it) names a relation in pg_temp."""
    stack = [tree]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            if item.get("schemaname") == TEMPORARY_SCHEMA:
                return True
            stack.extend(item.values())
        elif type(item) is list:
            stack.extend(item)
    return False


def _bound(query: dict, path: tuple[str, ...] | None, temporary_schema: bool) -> dict | None:
    """`query` as the server's analysis binds it under search_path `path`
    (`nodes.bound_relations`). Under the default path (None) every name but a temporary
    relation's is public's, and while the session has no temporary schema
    (`temporary_schema`), the one that makes it has the statement analyzed again
    (`Session._rebind_prepared`): bound or analyzed by its names, it runs the same, and is
    left as written (its alternatives name what it names). Once the schema is there, a
    temporary table made later under a name the statement found in public is not seen."""
    return bound_relations(query) if path is not None or temporary_schema else None


def _makes_temporary(effect: Effect) -> bool:
    """Whether `effect` makes a temporary object (a table, view, sequence in pg_temp:
    `Effect.creates`, or what its DO block makes for sure, `_created`; dropped again in the
    block, the temporary schema it made stays: checked on 18.6), or runs a routine whose
    body makes one for sure (`runs_temporary_maker`: a CALL, or `SELECT f()`, from the
    statement, a DO block or a routine's body, however deep; checked on 18.6). Asked of every
    statement until one makes the schema: its objects are read only when it creates one (most
    statements create nothing, and run no block and no routine)."""
    blocks = False
    for a in effect.actions:  # (one pass: `runs_temporary_maker`, and any DO block)
        if a.kind in RUNS_CODE:
            if runs_temporary_code(a):
                return True
            blocks = blocks or a.kind == "do_block"
    created = _created(effect) if blocks else effect.creates
    return bool(created) and any(o.split(":", 1)[-1].startswith(TEMPORARY_PREFIX)
                                 for o in created)


#: Statements that take a lock above ROW EXCLUSIVE and change nothing a prepared
#: statement's analysis read (checked on 18.6).
_NO_NEW_ANALYSIS = frozenset({"comment", "lock_table"})


def _created(effect: Effect) -> AbstractSet[str]:
    """The objects `effect` creates (`Effect.creates`) and those its DO block makes for sure
    (`made_new`, as `track_new_objects` files them: a table's or view's key its name alone),
    as its `creates` keys them: what the transaction made, its statement's or its block's."""
    made = [key if key.partition(":")[2] else f"table:{key}" for a in effect.actions
            if a.kind == "do_block" and not a.facts.get("in_do_block")
            for key in a.facts.get("made_new", ())]
    return effect.creates.union(made) if made else effect.creates


def _relations(objects: Iterable[str]) -> set[str]:
    """The tables, views and sequences (by name, as locks name them) of a statement's
    `creates` or `drops`: a sequence the transaction created or renamed is, as a table is,
    one no other session can hold a lock on (checked on the server)."""
    return {o.split(":", 1)[1] for o in objects
            if o.startswith(("table:", "view:", "sequence:"))}


#: The statements that create a type, and the field naming it.
_TYPE_CREATES = {"CreateEnumStmt": "typeName", "CreateRangeStmt": "typeName",
                 "CreateDomainStmt": "domainname"}


def lookahead(trees: list[dict], first: int = 0) -> Lookahead:
    """What a migration's statements `trees` do that a statement's judgement may need from
    the statements after it (`Lookahead`), in one pass over them. `first`: the index of the
    first of `trees` (a piece of a file: `joined_lookahead`)."""
    views: list[tuple[int, str]] = []
    ends: list[int] = []
    types: list[tuple[int, str]] = []
    sequences: list[tuple[int, str]] = []
    keys: list[ForeignKeyAhead] = []
    tables: list[TableAhead] = []
    filled: list[tuple[int, str]] = []
    columns: list[ColumnAhead] = []
    written: list[StatementAhead] = []
    renamed_into: list[tuple[int, str]] = []
    for index, tree in enumerate(trees, first):
        kind = next(iter(tree), "")
        sequences.extend((index, key) for key in _sequences_moved(kind, tree.get(kind)))
        if kind in ("AlterTableStmt", "CreateStmt"):
            written.append((index, kind, tree[kind]))
        if kind == "AlterTableStmt":
            keys.extend(_foreign_keys_added(index, tree[kind]))
            columns.extend(_columns_dropped(index, tree[kind]))
        elif kind == "DropStmt" and tree[kind].get("removeType") == "OBJECT_TABLE":
            columns.extend((index, object_name(names), "", True)
                           for names in drop_object_names(tree[kind]))
        elif kind == "RenameStmt" and tree[kind].get("renameType") in (
                "OBJECT_TABLE", "OBJECT_COLUMN"):
            renamed = range_var(tree[kind].get("relation"))[0]
            columns.append((index, renamed, tree[kind].get("subname") or "", False))
            if tree[kind].get("renameType") == "OBJECT_TABLE" and tree[kind].get("newname"):
                renamed_into.append(
                    (index, f"{renamed.rsplit('.', 1)[0]}.{tree[kind]['newname']}"))
        elif kind == "CreateStmt":
            tables.append((index, range_var(tree[kind].get("relation"), create=True)[0],
                           tree[kind]))
        elif kind == "ViewStmt":
            views.append((index, range_var(tree["ViewStmt"].get("view"))[0]))
        elif kind == "CreateTableAsStmt" or (kind == "SelectStmt" and
                                             tree[kind].get("intoClause")):
            into = tree[kind].get("into") or tree[kind].get("intoClause") or {}
            # (pglast's JSON inlines the IntoClause; accept the wrapper too)
            filled.append((index, range_var(into.get("IntoClause", into).get("rel"),
                                            create=True)[0]))
        elif kind == "TransactionStmt" and tree["TransactionStmt"].get("kind") in (
                "TRANS_STMT_COMMIT", "TRANS_STMT_ROLLBACK"):
            ends.append(index)
        elif kind in _TYPE_CREATES and (names := strings(tree[kind].get(_TYPE_CREATES[kind]))):
            types.append((index, f"type:{object_name(names)}"))
        elif kind == "CompositeTypeStmt":
            types.append((index, f"type:{range_var(tree[kind].get('typevar'))[0]}"))
        elif kind == "RenameStmt" and tree[kind].get("renameType") in (
                "OBJECT_TYPE", "OBJECT_DOMAIN") and (names := strings(
                    tree[kind].get("object", {}).get("List", {}).get("items"))):
            types.append((index, f"type:{object_name(names).split('.', 1)[0]}."
                                 f"{tree[kind].get('newname', '')}"))
    return Lookahead(views=tuple(views), tx_ends=tuple(ends), types=tuple(types),
                     sequences_set=tuple(sequences), foreign_keys=tuple(keys),
                     tables=tuple(tables), filled=tuple(filled), columns=tuple(columns),
                     written=tuple(written), renamed_into=tuple(renamed_into))


def joined_lookahead(pieces: list[Lookahead]) -> Lookahead:
    """`lookahead` of a file from that of each of its pieces, in order."""
    return Lookahead(**{part: tuple(chain.from_iterable(getattr(piece, part)
                                                        for piece in pieces))
                        for part in Lookahead.PARTS})


def _columns_dropped(index: int, stmt: dict) -> list[ColumnAhead]:
    """The columns an ALTER TABLE drops."""
    table = range_var(stmt.get("relation"))[0]
    return [(index, table, cmd.get("name", ""), True) for node in stmt.get("cmds") or ()
            if (cmd := unwrap(node)[1]).get("subtype") == "AT_DropColumn"]


def _foreign_keys_added(index: int, stmt: dict) -> list[ForeignKeyAhead]:
    """The foreign keys an ALTER TABLE adds, one entry for each of their columns."""
    table = range_var(stmt.get("relation"))[0]
    found = []
    for cmd in stmt.get("cmds") or ():
        body = unwrap(cmd)[1]
        con = unwrap(body.get("def"))[1] if body.get("subtype") == "AT_AddConstraint" else {}
        if con.get("contype") == "CONSTR_FOREIGN":
            found += [(index, table, column, con, position)
                      for position, column in enumerate(strings(con.get("fk_attrs")))]
    return found


def _references_written(index: int, kind: str, stmt: dict) -> list[ReferenceAhead]:
    """The foreign keys a CREATE TABLE, or an ALTER TABLE's ADD COLUMN, writes with the
    columns they tie (REFERENCES after a column, FOREIGN KEY over columns of the table it
    creates), one entry for each column."""
    if kind == "CreateStmt":
        table = range_var(stmt.get("relation"), create=True)[0]
        written = [unwrap(elt) for elt in stmt.get("tableElts") or ()]
    else:
        table = range_var(stmt.get("relation"))[0]
        written = [unwrap(cmd.get("def")) for cmd in (unwrap(node)[1]
                                                      for node in stmt.get("cmds") or ())
                   if cmd.get("subtype") == "AT_AddColumn" and cmd.get("def")]
    made = {body.get("colname", ""): body for what, body in written if what == "ColumnDef"}
    found: list[ReferenceAhead] = []
    for what, body in written:
        if what == "ColumnDef":
            found += [(index, table, body.get("colname", ""), body.get("typeName") or {}, con, 0)
                      for con in column_def_constraints(body)
                      if con.get("contype") == "CONSTR_FOREIGN"]
        elif what == "Constraint" and body.get("contype") == "CONSTR_FOREIGN":
            found += [(index, table, column, made[column].get("typeName") or {}, body, place)
                      for place, column in enumerate(strings(body.get("fk_attrs")))
                      if column in made]
    return found


def _restarts_past_start(options: object) -> bool:
    """Whether sequence options move the next value: RESTART WITH n, or RESTART with a new
    START (a bare RESTART goes back to the start, 1 unless set)."""
    items = unwrap(options)[1].get("items") or () if isinstance(options, dict) else options
    given = {(e := unwrap(o)[1]).get("defname"): e.get("arg") for o in items or ()}
    return "restart" in given and (given["restart"] is not None or "start" in given)


def _sequences_moved_in_block(stmt: dict) -> list[str]:
    """`_sequences_moved` of the statements and expressions a DO block runs (PERFORM
    setval(...), ALTER SEQUENCE ... RESTART WITH, ...)."""
    from lockwise.parse.plpgsql import embedded_steps, plpgsql_body

    body = plpgsql_body(stmt)
    if body is None or not _MOVES_SEQUENCE.search(body):
        return []
    return [key for step, _ in embedded_steps(body)
            for key in _sequences_moved(*unwrap(step.tree))]


#: Words without which a DO block's body sets no sequence's next value.
_MOVES_SEQUENCE = lazy_compile(r"\b(?:setval|restart)\b", re.IGNORECASE)


def _sequences_moved(kind: str, stmt: object) -> list[str]:
    """The sequences one statement sets the next value of: setval() calls that name theirs
    by a constant or by pg_get_serial_sequence('table', 'column'), ALTER SEQUENCE and ALTER
    TABLE ... ALTER COLUMN ... with RESTART WITH."""
    if kind == "AlterSeqStmt" and isinstance(stmt, dict):
        if _restarts_past_start(stmt.get("options")):
            return [f"sequence:{range_var(stmt.get('sequence'))[0]}"]
        return []
    if kind == "AlterTableStmt" and isinstance(stmt, dict):
        table = range_var(stmt.get("relation"))[0]
        return [f"column:{table}.{cmd.get('name')}" for node in stmt.get("cmds") or ()
                if (cmd := unwrap(node)[1]).get("subtype") == "AT_SetIdentity"
                and _restarts_past_start(cmd.get("def"))]
    if kind == "DoStmt" and isinstance(stmt, dict):
        return _sequences_moved_in_block(stmt)
    if kind != "SelectStmt" or not isinstance(stmt, dict):
        return []
    moved = []
    for node, call in walk(stmt):
        if node != "FuncCall" or not is_sequence_call(strings(call.get("funcname"))) or \
                strings(call.get("funcname"))[-1] != "setval":
            continue
        if (sequence := sequence_argument(call)) is not None:
            moved.append(f"sequence:{sequence}")
            continue
        args = call.get("args") or ()
        _, inner = unwrap(args[0]) if args else ("", {})
        names = [const_value(a) for a in inner.get("args") or ()]
        if strings(inner.get("funcname"))[-1:] == ["pg_get_serial_sequence"] and \
                len(names) == 2 and all(isinstance(n, str) for n in names):
            table = regclass_name(names[0])
            moved.append(f"column:{table}.{names[1]}")
    return moved


def dropped_facts(gone: Sequence[str]) -> dict:
    """The facts of drop-object for `gone` (`Session.dropped_not_recreated`, or those of them
    no directive waived)."""
    one = len(gone) == 1
    return {"dropped_not_recreated": tuple(gone),
            # each `kind:schema.name` as `kind schema.name`, quoted where it needs it
            "dropped_not_recreated_text": ", ".join(
                f"{kind} {object_sql(kind, name)}"
                for kind, name in (o.split(":", 1) for o in gone)),
            # The message's words for one object or several ("it" / "this name").
            "dropped_not_recreated_them": "it" if one else "them",
            "dropped_not_recreated_names": "this name" if one else "these names"}
