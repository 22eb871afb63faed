"""SET, transaction control, SET CONSTRAINTS, DECLARE CURSOR and DISCARD."""

from __future__ import annotations

from lockwise.effects.nodes import const_value, unwrap
from lockwise.effects.postgres.builder import Builder
from lockwise.effects.postgres.queries import select

#: Savepoint commands, which PostgreSQL refuses outside a transaction block, as written.
_SAVEPOINT_COMMANDS = {"savepoint": "SAVEPOINT", "release": "RELEASE SAVEPOINT",
                       "rollback_to": "ROLLBACK TO SAVEPOINT"}


#: DECLARE ... WITH HOLD (CURSOR_OPT_HOLD): the one cursor that may outlive its transaction.
_CURSOR_OPT_HOLD = 0x20


def transaction(b: Builder, stmt: dict) -> None:
    kind = stmt.get("kind", "").replace("TRANS_STMT_", "").lower()
    if kind in ("commit_prepared", "rollback_prepared"):
        # They end a transaction PREPARE TRANSACTION left behind, from outside any block.
        b.transactional = False
        b.act("transaction", kind=kind)
    elif kind in _SAVEPOINT_COMMANDS:
        # (the name as PostgreSQL reads it: folded to lower case unless quoted)
        name = stmt.get("savepoint_name", "")
        b.act("transaction", kind=kind, transaction_only=True, command=_SAVEPOINT_COMMANDS[kind],
              savepoint=name, **_savepoint_missing(kind, name, b.ctx.savepoints))
    else:
        b.act("transaction", kind=kind)


def _savepoint_missing(kind: str, name: str, open_savepoints: tuple[str, ...] | None) -> dict:
    """The refusal of RELEASE or ROLLBACK TO a savepoint `name` that no savepoint open in the
    transaction block has (`open_savepoints`; released, ended by a ROLLBACK TO an older one or
    with its transaction, or never made; names compared as the server reads them): the
    server stops with 'savepoint "x" does not exist' (3B001) and the transaction is failed
    (checked on 18.6: tests/test_savepoints.py). Outside a block every savepoint command is
    refused whatever its name: `transaction_only`, said by its rule."""
    if kind == "savepoint" or open_savepoints is None or name in open_savepoints:
        return {}
    return {"savepoint_missing": True,
            "savepoint_missing_text": f'savepoint "{name}" does not exist'}


def variable_set(b: Builder, stmt: dict) -> None:
    kind = stmt.get("kind", "")
    name = (stmt.get("name") or "").lower()
    value = None
    args = stmt.get("args") or ()
    if name == "search_path":  # a list: one schema per argument
        value = tuple(const_value(a) for a in args)
    elif args:
        value = const_value(args[0])
    local = bool(stmt.get("is_local"))
    # SET TRANSACTION is scoped to the transaction whether or not LOCAL is written.
    scoped = local or name == "transaction"
    b.act("set", name=name, value=value, local=local,
          reset=kind in ("VAR_RESET", "VAR_SET_DEFAULT", "VAR_RESET_ALL"),
          reset_all=kind == "VAR_RESET_ALL", transaction_scoped=scoped,
          command="SET TRANSACTION" if name == "transaction" else "SET LOCAL" if local else "SET")


def set_constraints(b: Builder, stmt: dict) -> None:
    b.act("set", name="constraints", value="deferred" if stmt.get("deferred") else "immediate",
          local=False, reset=False, reset_all=False, transaction_scoped=True,
          command="SET CONSTRAINTS")


def declare_cursor(b: Builder, stmt: dict) -> None:
    hold = bool(stmt.get("options", 0) & _CURSOR_OPT_HOLD)
    b.act("declare_cursor", name=stmt.get("portalname", ""), hold=hold,
          transaction_only=not hold, command="DECLARE CURSOR")
    kind, query = unwrap(stmt.get("query"))
    if kind == "SelectStmt":  # the query is planned, and its tables locked, at DECLARE
        select(b, query)


def discard(b: Builder, stmt: dict) -> None:
    target = stmt.get("target", "").replace("DISCARD_", "").lower()
    # DISCARD ALL resets the whole session, transaction state included: refused in a block
    # ("DISCARD ALL cannot run inside a transaction block", 25001; an implicit block of
    # several statements too: `compute_effect` says so). The other targets run in one
    # (checked on 18.6).
    b.transactional = target != "all"
    b.act("discard", target=target)
