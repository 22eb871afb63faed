"""ALTER DATABASE and logical replication subscriptions: statements on objects outside any
schema, some of which PostgreSQL refuses inside a transaction block because what they do
(copy a database's files, create or drop a replication slot on the publisher) cannot be
rolled back."""

from __future__ import annotations

from lockwise.effects.nodes import option_is_on, unwrap
from lockwise.effects.postgres.builder import Builder

#: ALTER SUBSCRIPTION forms that fetch the publications' tables from the publisher, unless
#: `refresh = false` says not to (REFRESH PUBLICATION always does).
_REFRESHING = {"ALTER_SUBSCRIPTION_REFRESH", "ALTER_SUBSCRIPTION_SET_PUBLICATION",
               "ALTER_SUBSCRIPTION_ADD_PUBLICATION", "ALTER_SUBSCRIPTION_DROP_PUBLICATION"}


def _option(stmt: dict, name: str) -> dict | None:
    """The option `name` of the statement's WITH (...) list (a `{"DefElem": ...}`), if written."""
    for node in stmt.get("options") or ():
        if unwrap(node)[1].get("defname", "").lower() == name:
            return node
    return None


def _on(stmt: dict, name: str) -> bool:
    """A boolean option that defaults to true, as the statement leaves it."""
    opt = _option(stmt, name)
    return opt is None or option_is_on(opt)


def alter_database(b: Builder, stmt: dict) -> None:
    # SET TABLESPACE copies the database's files: refused in a transaction block.
    set_tablespace = _option(stmt, "tablespace") is not None
    b.transactional = not set_tablespace
    b.act("alter_database", database=stmt.get("dbname", ""), set_tablespace=set_tablespace)


def create_subscription(b: Builder, stmt: dict) -> None:
    # A slot is created on the publisher unless create_slot = false, which connect = false
    # implies; creating one is refused in a transaction block.
    creates_slot = _on(stmt, "connect") and _on(stmt, "create_slot")
    b.transactional = not creates_slot
    b.act("create_subscription", subscription=stmt.get("subname", ""), creates_slot=creates_slot)


def alter_subscription(b: Builder, stmt: dict) -> None:
    kind = stmt.get("kind", "")
    refresh = kind == "ALTER_SUBSCRIPTION_REFRESH" or (
        kind in _REFRESHING and _on(stmt, "refresh"))
    b.transactional = not refresh
    b.act("alter_subscription", subscription=stmt.get("subname", ""), refresh=refresh)


def drop_subscription(b: Builder, stmt: dict) -> None:
    # Dropping the subscription's replication slot is refused in a transaction block. A
    # subscription without one (slot_name = NONE) could be dropped in one, but the model does
    # not follow subscriptions' options, and nearly every subscription has a slot.
    b.transactional = False
    b.act("drop_subscription", subscription=stmt.get("subname", ""))
