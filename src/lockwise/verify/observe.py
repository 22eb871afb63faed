"""What a statement really did (locks, rewrites) and where lockwise's effect model disagrees.

Locks accumulate in a transaction, and PostgreSQL lists each lock mode a backend holds on a
relation once: a statement that takes a mode already held leaves no trace in pg_locks. So a
statement's observed locks are the *new* modes it added, and a prediction is consistent with
what was seen when the strongest new mode equals it, or when nothing stronger was added and the
predicted mode was already held from an earlier statement.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lockwise.core.types import Effect, LockMode

#: The finding id under which disagreements are printed.
RULE_ID = "model-disagreement"
#: Procedural code: the model makes no claim about what it locks, so nothing is compared.
OPAQUE_ACTIONS = frozenset({"do_block"})
#: Statements that write rows of one table, and so fire its triggers.
_DML = frozenset({"insert", "update", "delete"})


@dataclass(frozen=True, slots=True)
class RelationState:
    """The user relations visible to the migration's backend and the locks it holds."""

    #: oid -> (qualified name, relkind, relfilenode)
    relations: dict[int, tuple[str, str, int]]
    #: oid -> lock modes held by the backend (granted). Keyed by oid, not name: a statement
    #: that renames a table must not make its earlier locks look new under the new name.
    held: dict[int, frozenset[LockMode]]
    #: The relations with triggers of their own (not the internal foreign-key ones).
    triggered: frozenset[int] = frozenset()


@dataclass(slots=True)
class Observation:
    """What one statement was seen to do."""

    #: The strongest lock mode the statement newly took, per relation.
    locks: dict[str, LockMode] = field(default_factory=dict)
    #: Modes already held on each relation before the statement (in the same transaction).
    held_before: dict[str, frozenset[LockMode]] = field(default_factory=dict)
    #: Tables whose relfilenode changed.
    rewrites: frozenset[str] = frozenset()
    #: Relations that existed before the statement (the others it created itself).
    existed: frozenset[str] = frozenset()
    #: "transaction": exact, read inside the statement's transaction; "polling": sampled by a
    #: second connection while a statement that cannot run in a transaction block ran.
    method: str = "transaction"
    #: False when PostgreSQL refused to run the statement inside a transaction block.
    transactional: bool = True
    #: Rows the statement inserted, updated or deleted (-1 when it is not DML).
    rows: int = -1
    #: Relations that had triggers of their own before the statement.
    triggered: frozenset[str] = frozenset()
    #: The user's functions the statement calls (whose bodies the model does not read).
    user_functions: tuple[str, ...] = ()
    #: False when it ran outside any transaction block (autocommit, or one PostgreSQL refuses).
    in_block: bool = True
    #: Wall-clock seconds the statement itself took, observation queries left out.
    seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Disagreement:
    """A place where the effect model's prediction differs from what PostgreSQL did."""

    kind: str  # "lock", "rewrite" or "transactional"
    relation: str
    #: A lock's mode by pg_locks' name (`AccessExclusiveLock`), as JSON gives it, or "no lock".
    predicted: str
    observed: str

    def describe(self) -> str:
        """The disagreement in words; lock modes by the documentation's names, as lint's
        report names them (`ACCESS EXCLUSIVE`)."""
        if self.kind == "lock":
            return (f"{self.relation}: lockwise predicts {_words(self.predicted)}, "
                    f"PostgreSQL took {_words(self.observed)}")
        if self.kind == "rewrite":
            return (f"{self.relation}: lockwise predicts {self.predicted}, "
                    f"PostgreSQL {self.observed}")
        return f"lockwise predicts {self.predicted}, PostgreSQL {self.observed}"


#: What a disagreement says when no lock was predicted, or none taken.
_NO_LOCK = "no lock"


def _mode(mode: LockMode | None) -> str:
    return mode.pg_name if mode is not None else _NO_LOCK


def _words(mode: str) -> str:
    """A mode `_mode` named, as a report's reader reads it (`LockMode.sql_name`)."""
    return mode if mode == _NO_LOCK else LockMode.from_pg_name(mode).sql_name


def observation_between(before: RelationState, after: RelationState) -> Observation:
    """The locks and rewrites a statement added, from the states around it (one transaction)."""
    locks: dict[str, LockMode] = {}
    existed = {name for name, _, _ in before.relations.values()}
    for oid, modes in after.held.items():
        new = modes - before.held.get(oid, frozenset())
        # Relations the statement created itself are not in `before`: nobody else could
        # have been waiting for them. Names are the ones the statement used (before it ran).
        if new and oid in before.relations:
            locks[before.relations[oid][0]] = max(new)
    held_before = {before.relations[oid][0]: modes for oid, modes in before.held.items()
                   if oid in before.relations}
    rewrites = set()
    for oid, (name, kind, filenode) in before.relations.items():
        now = after.relations.get(oid)
        # Only tables and materialized views have storage that a rewrite replaces; a dropped
        # relation is gone, not rewritten.
        if kind in ("r", "m") and now is not None and now[2] != filenode:
            rewrites.add(name)
    triggered = frozenset(before.relations[oid][0] for oid in before.triggered
                          if oid in before.relations)
    return Observation(locks=locks, held_before=held_before, rewrites=frozenset(rewrites),
                       existed=frozenset(existed), triggered=triggered)


def compare(predicted: Effect, observed: Observation) -> list[Disagreement]:
    """Disagreements between the effect model's prediction and an observation."""
    if predicted.action in OPAQUE_ACTIONS:
        return []
    out: list[Disagreement] = []
    if not observed.transactional and predicted.transactional:
        out.append(Disagreement("transactional", "", "it can run in a transaction block",
                                "refused to run it inside a transaction block"))
    # The table an INSERT, UPDATE or DELETE writes. Its user triggers run functions whose
    # locks the model does not claim to know (a trigger may refresh a materialized view, or
    # write an audit table): with them, only the table itself is compared.
    target = predicted.actions[0].facts.get("table") if predicted.action in _DML else None
    triggered = target is not None and target in observed.triggered
    relations = {r for r in set(predicted.locks) | set(observed.locks) if r in observed.existed}
    for rel in sorted(relations):
        want = predicted.locks.get(rel)
        got = observed.locks.get(rel)
        held = observed.held_before.get(rel, frozenset())
        if got == want or (triggered and rel != target):
            continue
        if want is None and observed.user_functions:
            continue  # what the user's functions read or write: their code, not the model's
        if got is not None and (want is None or got > want):
            # Stronger than predicted (or not predicted at all): always a real disagreement.
            out.append(Disagreement("lock", rel, _mode(want), _mode(got)))
        elif observed.method == "polling":
            # Sampling may miss a short-lived lock: only "stronger than predicted" is certain.
            continue
        elif want is LockMode.ROW_SHARE and observed.rows >= 0:
            # Foreign-key checks lock the referenced table (FOR KEY SHARE) row by row, and
            # only for rows whose key is set (or changed): whether a data-changing statement
            # runs them depends on its data, which the model cannot see. (A weaker lock seen
            # instead is the statement's own read.)
            continue
        elif want is LockMode.ROW_EXCLUSIVE and rel != target and observed.rows >= 0 and \
                predicted.action in ("update", "delete"):
            # ON DELETE / ON UPDATE CASCADE or SET NULL / SET DEFAULT: the foreign key's
            # action changes the referencing rows row by row, when a deleted row (or a
            # changed key) has some: it depends on the data too.
            continue
        elif want is not None and want not in held:
            out.append(Disagreement("lock", rel, _mode(want), _mode(got)))
    if observed.method == "transaction":
        predicted_rewrites = {r for r in predicted.rewrites if r in observed.existed}
        for rel in sorted(predicted_rewrites - observed.rewrites):
            out.append(Disagreement("rewrite", rel, "a table rewrite", "kept its relfilenode"))
        for rel in sorted(observed.rewrites - predicted_rewrites):
            if (not triggered or rel == target) and (
                    rel in predicted.locks or not observed.user_functions):
                out.append(Disagreement("rewrite", rel, "no rewrite",
                                        "rewrote it (new relfilenode)"))
    return out
