"""Observed-vs-predicted comparison: the rules that decide what is a model disagreement."""

from __future__ import annotations

from lockwise.core.types import Action, Effect, LockMode
from lockwise.verify.observe import (
    Observation,
    RelationState,
    compare,
    observation_between,
)

L = LockMode
T = "public.t"


def _effect(locks: dict[str, LockMode], rewrites: frozenset[str] = frozenset(),
            kind: str = "alter_table", transactional: bool = True) -> Effect:
    return Effect(actions=(Action(kind),), locks=locks, rewrites=rewrites,
                  transactional=transactional)


def _obs(locks: dict[str, LockMode], held: dict[str, frozenset[LockMode]] | None = None,
         rewrites: frozenset[str] = frozenset(), method: str = "transaction",
         rows: int = -1, existed: frozenset[str] = frozenset({T, "public.p"})) -> Observation:
    return Observation(locks=locks, held_before=held or {}, rewrites=rewrites,
                       existed=existed, method=method, rows=rows)


def test_equal_locks_agree() -> None:
    assert compare(_effect({T: L.ACCESS_EXCLUSIVE}), _obs({T: L.ACCESS_EXCLUSIVE})) == []


def test_stronger_than_predicted_is_a_disagreement() -> None:
    (d,) = compare(_effect({T: L.SHARE_UPDATE_EXCLUSIVE}), _obs({T: L.ACCESS_EXCLUSIVE}))
    assert (d.kind, d.relation) == ("lock", T)
    assert d.describe() == ("public.t: lockwise predicts ShareUpdateExclusiveLock, "
                            "PostgreSQL took AccessExclusiveLock")


def test_unpredicted_lock_is_a_disagreement() -> None:
    (d,) = compare(_effect({}), _obs({"public.p": L.ROW_EXCLUSIVE}))
    assert d.predicted == "no lock" and d.observed == "RowExclusiveLock"


def test_predicted_lock_not_taken_is_a_disagreement() -> None:
    (d,) = compare(_effect({T: L.SHARE}), _obs({}))
    assert d.describe() == "public.t: lockwise predicts ShareLock, PostgreSQL took no lock"


def test_mode_already_held_in_the_transaction_is_invisible_and_agrees() -> None:
    held = {T: frozenset({L.ACCESS_EXCLUSIVE})}
    assert compare(_effect({T: L.ACCESS_EXCLUSIVE}), _obs({}, held)) == []
    # A weaker new mode next to an already-held predicted one is consistent too.
    assert compare(_effect({T: L.ACCESS_EXCLUSIVE}), _obs({T: L.ACCESS_SHARE}, held)) == []


def test_polling_only_reports_locks_stronger_than_predicted() -> None:
    assert compare(_effect({T: L.SHARE_UPDATE_EXCLUSIVE}), _obs({}, method="polling")) == []
    (d,) = compare(_effect({T: L.SHARE_UPDATE_EXCLUSIVE}),
                   _obs({T: L.ACCESS_EXCLUSIVE}, method="polling"))
    assert d.observed == "AccessExclusiveLock"


def test_foreign_key_row_share_depends_on_the_data_written() -> None:
    predicted = _effect({"public.p": L.ROW_SHARE}, kind="insert")
    assert compare(predicted, _obs({}, rows=0)) == []
    assert compare(predicted, _obs({"public.p": L.ACCESS_SHARE}, rows=0)) == []
    # Rows written, but with a NULL key: no check ran either.
    assert compare(predicted, _obs({}, rows=3)) == []
    # Not a data-changing statement (SELECT ... FOR SHARE): RowShareLock is certain.
    select = _effect({"public.p": L.ROW_SHARE}, kind="select")
    assert len(compare(select, _obs({}, rows=-1))) == 1


def test_relations_created_by_the_statement_are_not_compared() -> None:
    assert compare(_effect({"public.new": L.ACCESS_EXCLUSIVE}), _obs({})) == []


def test_rewrite_mismatches_both_ways() -> None:
    (d,) = compare(_effect({T: L.ACCESS_EXCLUSIVE}, frozenset({T})),
                   _obs({T: L.ACCESS_EXCLUSIVE}))
    assert d.describe() == "public.t: lockwise predicts a table rewrite, PostgreSQL kept its " \
        "relfilenode"
    (d,) = compare(_effect({T: L.ACCESS_EXCLUSIVE}),
                   _obs({T: L.ACCESS_EXCLUSIVE}, rewrites=frozenset({T})))
    assert d.predicted == "no rewrite"


def test_transactional_mismatch() -> None:
    obs = _obs({}, method="polling")
    obs.transactional = False
    (d,) = compare(_effect({}), obs)
    assert d.kind == "transactional"
    assert compare(_effect({}, transactional=False), obs) == []


def test_do_blocks_are_not_compared() -> None:
    assert compare(_effect({}, kind="do_block"), _obs({T: L.ACCESS_SHARE})) == []


def test_observation_is_the_delta_and_survives_renames_and_drops() -> None:
    before = RelationState({1: ("public.a", "r", 10), 2: ("public.b", "r", 20)},
                           {1: frozenset({L.ACCESS_EXCLUSIVE})})
    # Statement: rename a to c (lock already held), drop b, create d (oid 3), rewrite none.
    after = RelationState({1: ("public.c", "r", 10), 3: ("public.d", "r", 30)},
                          {1: frozenset({L.ACCESS_EXCLUSIVE}),
                           2: frozenset({L.ACCESS_EXCLUSIVE}),
                           3: frozenset({L.ACCESS_EXCLUSIVE})})
    obs = observation_between(before, after)
    assert obs.locks == {"public.b": L.ACCESS_EXCLUSIVE}
    assert obs.held_before == {"public.a": frozenset({L.ACCESS_EXCLUSIVE})}
    assert obs.existed == {"public.a", "public.b"}
    assert obs.rewrites == frozenset()


def test_observation_sees_a_new_relfilenode_as_a_rewrite() -> None:
    before = RelationState({1: ("public.a", "r", 10), 2: ("public.v", "v", 0)}, {})
    after = RelationState({1: ("public.a", "r", 11), 2: ("public.v", "v", 0)},
                          {1: frozenset({L.ACCESS_EXCLUSIVE, L.ACCESS_SHARE})})
    obs = observation_between(before, after)
    assert obs.rewrites == {"public.a"}
    assert obs.locks == {"public.a": L.ACCESS_EXCLUSIVE}
