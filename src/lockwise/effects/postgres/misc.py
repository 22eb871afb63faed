"""Statements whose effect is a lock on the tables they name, if that: COMMENT, GRANT /
REVOKE, ALTER SEQUENCE, CREATE / ALTER PUBLICATION, CREATE STATISTICS."""

from __future__ import annotations

from lockwise.effects.nodes import object_name, range_var, strings, unwrap
from lockwise.effects.postgres.builder import Builder, L


def comment(b: Builder, stmt: dict) -> None:
    objtype = stmt.get("objtype", "")
    if objtype in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW", "OBJECT_FOREIGN_TABLE",
                   "OBJECT_COLUMN"):
        names = strings(unwrap(stmt.get("object"))[1].get("items"))
        table = object_name(names[:-1] if objtype == "OBJECT_COLUMN" else names)
        b.lock(table, L.SHARE_UPDATE_EXCLUSIVE)
    elif objtype in ("OBJECT_TABCONSTRAINT", "OBJECT_POLICY", "OBJECT_TRIGGER", "OBJECT_RULE"):
        # The object is looked up through its table, which is opened ACCESS SHARE (checked on
        # the server for constraints).
        names = strings(unwrap(stmt.get("object"))[1].get("items"))
        b.lock(object_name(names[:-1]), L.ACCESS_SHARE)
    b.act("comment", object_type=objtype.replace("OBJECT_", "").lower())


def grant(b: Builder, stmt: dict) -> None:
    # GRANT / REVOKE on named tables opens each one with ACCESS SHARE (checked on the server).
    if stmt.get("objtype") == "OBJECT_TABLE" and stmt.get("targtype") == "ACL_TARGET_OBJECT":
        for rel in stmt.get("objects") or ():
            b.lock(range_var(rel)[0], L.ACCESS_SHARE)
    b.act("grant")


def create_publication(b: Builder, stmt: dict) -> None:
    _lock_published_tables(b, stmt)
    b.act("create_publication", name=stmt.get("pubname", ""))


def alter_publication(b: Builder, stmt: dict) -> None:
    _lock_published_tables(b, stmt)
    b.act("alter_publication", name=stmt.get("pubname", ""),
          change=stmt.get("action", "").replace("AP_", "").lower())


def _lock_published_tables(b: Builder, stmt: dict) -> None:
    """Each table a CREATE or ALTER PUBLICATION names (ADD, DROP or SET TABLE) is opened
    SHARE UPDATE EXCLUSIVE (checked on the server). SET TABLE also opens so the tables it
    takes out of the publication: not modelled, the catalog does not follow publications."""
    for obj in stmt.get("pubobjects") or ():
        relation = (unwrap(obj)[1].get("pubtable") or {}).get("relation")
        if relation:
            b.lock(range_var(relation)[0], L.SHARE_UPDATE_EXCLUSIVE)


def alter_sequence(b: Builder, stmt: dict) -> None:
    lock_sequence_owner(b, stmt)
    b.act("alter_sequence")


def lock_sequence_owner(b: Builder, stmt: dict) -> None:
    """OWNED BY, in CREATE or ALTER SEQUENCE, looks the column up through its table, opened
    ACCESS SHARE (checked on the server)."""
    for opt in stmt.get("options") or ():
        _, elem = unwrap(opt)
        if elem.get("defname") == "owned_by":
            names = strings(unwrap(elem.get("arg"))[1].get("items"))
            if len(names) > 1:  # OWNED BY NONE is one name
                b.lock(object_name(names[:-1]), L.ACCESS_SHARE)


def create_statistics(b: Builder, stmt: dict) -> None:
    for rel in stmt.get("relations") or ():
        b.lock(range_var(rel)[0], L.SHARE_UPDATE_EXCLUSIVE)
    b.act("create_statistics", name=".".join(strings(stmt.get("defnames"))))


def alter_statistics(b: Builder, stmt: dict) -> None:
    """ALTER STATISTICS ... SET STATISTICS changes the object's catalog row only: no lock on
    its table (checked on the server), no row written, so nothing lint knows of a table is
    lost, as it is behind a statement it cannot read (`other`)."""
    name = object_name(strings(stmt.get("defnames")))
    b.act("alter_statistics", name=name, table=b.ctx.catalog.statistics.get(name, ""),
          if_exists=bool(stmt.get("missing_ok")))
