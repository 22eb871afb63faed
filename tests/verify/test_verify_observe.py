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
    # In words, modes by the documentation's names; the fields (JSON's) keep pg_locks'.
    assert d.describe() == ("public.t: lockwise predicts SHARE UPDATE EXCLUSIVE, "
                            "PostgreSQL took ACCESS EXCLUSIVE")
    assert (d.predicted, d.observed) == ("ShareUpdateExclusiveLock", "AccessExclusiveLock")


def test_unpredicted_lock_is_a_disagreement() -> None:
    (d,) = compare(_effect({}), _obs({"public.p": L.ROW_EXCLUSIVE}))
    assert d.predicted == "no lock" and d.observed == "RowExclusiveLock"


def test_predicted_lock_not_taken_is_a_disagreement() -> None:
    (d,) = compare(_effect({T: L.SHARE}), _obs({}))
    assert d.describe() == "public.t: lockwise predicts SHARE, PostgreSQL took no lock"


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


def _dml(kind: str, locks: dict[str, LockMode]) -> Effect:
    return Effect(actions=(Action(kind, {"table": T}),), locks=locks)


def test_foreign_key_actions_on_referencing_tables_depend_on_the_rows_changed() -> None:
    """DELETE from a table whose rows other tables reference ON DELETE CASCADE: the cascade
    writes the referencing table once a deleted row has referencing rows."""
    predicted = _dml("delete", {T: L.ROW_EXCLUSIVE, "public.p": L.ROW_EXCLUSIVE})
    assert compare(predicted, _obs({T: L.ROW_EXCLUSIVE}, rows=0)) == []
    assert compare(predicted, _obs({T: L.ROW_EXCLUSIVE, "public.p": L.ACCESS_SHARE},
                                   rows=2)) == []
    # The statement's own table is always locked, whatever the rows.
    (d,) = compare(predicted, _obs({"public.p": L.ROW_EXCLUSIVE}, rows=0))
    assert d.relation == T
    # A statement that changes no rows is not exempt: DDL's locks do not depend on data.
    ddl = Effect(actions=(Action("alter_table", {"table": T}),),
                 locks={T: L.ACCESS_EXCLUSIVE, "public.p": L.ROW_EXCLUSIVE})
    assert len(compare(ddl, _obs({T: L.ACCESS_EXCLUSIVE}))) == 1


def test_locks_of_user_triggers_are_not_the_models() -> None:
    """A trigger on the written table runs a function: it may refresh a materialized view
    or write an audit table. Only the written table's own lock is compared then."""
    predicted = _dml("update", {T: L.ROW_EXCLUSIVE})
    seen = {T: L.ROW_EXCLUSIVE, "public.p": L.EXCLUSIVE}
    triggered = _obs(seen, rows=1)
    triggered.triggered = frozenset({T})
    assert compare(predicted, triggered) == []
    (d,) = compare(predicted, _obs(seen, rows=1))  # no trigger: the lock is unexplained
    assert (d.relation, d.observed) == ("public.p", "ExclusiveLock")
    wrong = _obs({T: L.SHARE_ROW_EXCLUSIVE}, rows=1)
    wrong.triggered = frozenset({T})
    (d,) = compare(predicted, wrong)  # the table itself is still compared
    assert d.relation == T


def test_observation_names_the_relations_with_triggers() -> None:
    before = RelationState({1: ("public.a", "r", 10), 2: ("public.b", "r", 20)}, {},
                           frozenset({2, 99}))
    obs = observation_between(before, RelationState(before.relations, {}))
    assert obs.triggered == {"public.b"}


def test_rewrites_by_user_triggers_are_not_the_models() -> None:
    predicted = _dml("delete", {T: L.ROW_EXCLUSIVE})
    seen = _obs({T: L.ROW_EXCLUSIVE}, rows=0, rewrites=frozenset({"public.p"}))
    assert len(compare(predicted, seen)) == 1
    seen.triggered = frozenset({T})
    assert compare(predicted, seen) == []


def test_what_the_users_functions_lock_is_not_the_models() -> None:
    """`UPDATE ... FROM activity('1 day')`: the function's body reads other tables."""
    predicted = _dml("update", {T: L.ROW_EXCLUSIVE})
    seen = _obs({T: L.ROW_EXCLUSIVE, "public.p": L.ACCESS_SHARE}, rows=3)
    assert len(compare(predicted, seen)) == 1
    seen.user_functions = ("activity",)
    assert compare(predicted, seen) == []
    # What the model does name is still compared.
    stronger = _obs({T: L.ACCESS_EXCLUSIVE}, rows=3)
    stronger.user_functions = ("activity",)
    assert len(compare(predicted, stronger)) == 1
