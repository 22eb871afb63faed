"""Statements whose effect is a lock on the tables they name, if that: COMMENT, GRANT /
REVOKE, ALTER SEQUENCE, ALTER ... DEPENDS ON EXTENSION, CREATE / ALTER PUBLICATION, CREATE
STATISTICS, ALTER EXTENSION ... ADD / DROP, REASSIGN OWNED (whose relations the migrations do
not name)."""

from __future__ import annotations

from lockwise.effects.nodes import (
    object_name,
    range_var,
    role_sql,
    sequence_owner,
    strings,
    unwrap,
)
from lockwise.effects.postgres.builder import Builder, L
from lockwise.effects.postgres.drops import owned_by_facts

#: COMMENT ON what -> the kind of object it names, as the effects name them (`table:s.t`).
_COMMENTED = {"OBJECT_TABLE": "table", "OBJECT_VIEW": "table", "OBJECT_MATVIEW": "table",
              "OBJECT_FOREIGN_TABLE": "table", "OBJECT_COLUMN": "column",
              "OBJECT_INDEX": "index", "OBJECT_TABCONSTRAINT": "constraint",
              "OBJECT_SEQUENCE": "sequence", "OBJECT_TYPE": "type", "OBJECT_DOMAIN": "type",
              "OBJECT_FUNCTION": "function", "OBJECT_PROCEDURE": "function",
              "OBJECT_ROUTINE": "function"}


def _named_object(kind: str, node: object) -> str | None:
    """`kind:s.name` of the object a COMMENT names by `node` (a List of names, a TypeName
    or an ObjectWithArgs); a column or constraint's name after its table's
    (`column:s.t.c`)."""
    what, body = unwrap(node)  # type: ignore[arg-type]
    names = strings(body.get("items") if what == "List" else body.get("names")
                    if what == "TypeName" else body.get("objname"))
    if not names:
        return None
    if kind in ("column", "constraint"):
        return f"{kind}:{object_name(names[:-1])}.{names[-1]}" if len(names) > 1 else None
    return f"{kind}:{object_name(names)}"


def comment(b: Builder, stmt: dict) -> None:
    objtype = stmt.get("objtype", "")
    # The object is looked up: a comment on one that is gone fails (the conflict graph).
    if (kind := _COMMENTED.get(objtype)) and (named := _named_object(kind, stmt.get("object"))):
        b.alters.add(named)
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
    elif objtype == "OBJECT_SEQUENCE":  # as a table's (checked on the server)
        b.lock(object_name(strings(unwrap(stmt.get("object"))[1].get("items"))),
               L.SHARE_UPDATE_EXCLUSIVE)
    b.act("comment", object_type=objtype.replace("OBJECT_", "").lower())


def grant(b: Builder, stmt: dict) -> None:
    """GRANT / REVOKE on named tables, views or sequences opens each one with ACCESS SHARE;
    on a schema or a routine, or ON ALL ... IN SCHEMA, it locks no relation (checked on 18.6:
    tests/test_grant_lock_pg.py). It changes each relation's pg_class row, so it also waits
    for another transaction that changed that row: on a materialized view, a REFRESH ...
    CONCURRENTLY running (`waits_for_refresh`); on a table only DDL does."""
    named: list[str] = []
    if stmt.get("objtype") in ("OBJECT_TABLE", "OBJECT_SEQUENCE") and \
            stmt.get("targtype") == "ACL_TARGET_OBJECT":
        kind = "table" if stmt["objtype"] == "OBJECT_TABLE" else "sequence"
        for rel in stmt.get("objects") or ():
            named.append(range_var(rel)[0])
            b.lock(named[-1], L.ACCESS_SHARE)
            # Looked up: a grant on one that is gone fails (the conflict graph).
            b.alters.add(f"{kind}:{named[-1]}")
    b.act("grant", waits_for_refresh=tuple(
        r for r in named if (t := b.ctx.catalog.tables.get(r)) and t.kind == "matview"))


def depends_on_extension(b: Builder, stmt: dict) -> None:
    """ALTER ... [NO] DEPENDS ON EXTENSION (checked on the server): a trigger is looked up
    through its table, opened ACCESS SHARE; a materialized view is held ACCESS EXCLUSIVE, an
    index too, which stops every query that plans with its table (`index_access_exclusive`,
    as ALTER INDEX ... SET TABLESPACE); a function or procedure locks nothing."""
    objtype = stmt.get("objectType", "")
    relation = range_var(stmt.get("relation"))[0] if stmt.get("relation") else ""
    index = relation if objtype == "OBJECT_INDEX" else ""
    if objtype == "OBJECT_TRIGGER":
        b.lock(relation, L.ACCESS_SHARE)
    elif objtype == "OBJECT_MATVIEW":
        b.lock(relation, L.ACCESS_EXCLUSIVE)
    idx = b.ctx.index(index) if index else None
    b.act("depends_on_extension", object_type=objtype.replace("OBJECT_", "").lower(),
          extension=(stmt.get("extname") or {}).get("sval", ""), remove=bool(stmt.get("remove")),
          index=index, table=idx.table if idx else relation if objtype == "OBJECT_TRIGGER" else "",
          index_access_exclusive=bool(index))


def create_publication(b: Builder, stmt: dict) -> None:
    _lock_published_tables(b, stmt)
    b.act("create_publication", name=stmt.get("pubname", ""))


def alter_publication(b: Builder, stmt: dict) -> None:
    _lock_published_tables(b, stmt)
    b.act("alter_publication", name=stmt.get("pubname", ""),
          change=stmt.get("action", "").replace("AP_", "").lower())


def _lock_published_tables(b: Builder, stmt: dict) -> None:
    """Each table a CREATE or ALTER PUBLICATION names (ADD, DROP or SET TABLE) is opened
    SHARE UPDATE EXCLUSIVE, and without ONLY its inheritance children, however deep, which
    are published (or taken out) with it; not a partitioned table's partitions, published
    through it (checked on the server). SET TABLE also opens so the tables it takes out of
    the publication: not modelled, the catalog does not follow publications."""
    for obj in stmt.get("pubobjects") or ():
        relation = (unwrap(obj)[1].get("pubtable") or {}).get("relation")
        if relation:
            table = range_var(relation)[0]
            b.lock(table, L.SHARE_UPDATE_EXCLUSIVE)
            for child in b.ctx.catalog.inheritance_children(table) if relation.get("inh") \
                    else ():
                b.lock(child, L.SHARE_UPDATE_EXCLUSIVE)


def alter_sequence(b: Builder, stmt: dict) -> None:
    # Its options (RESTART, AS, INCREMENT, OWNED BY ...) hold the sequence SHARE ROW
    # EXCLUSIVE: nextval(), so every INSERT drawing from it, waits until commit (checked on
    # the server).
    b.lock(range_var(stmt.get("sequence"))[0], L.SHARE_ROW_EXCLUSIVE)
    lock_sequence_owner(b, stmt)
    b.act("alter_sequence")


#: The relations ALTER EXTENSION ... ADD / DROP can name.
_EXTENSION_RELATIONS = frozenset({"OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW",
                                  "OBJECT_SEQUENCE", "OBJECT_FOREIGN_TABLE"})


def alter_extension_contents(b: Builder, stmt: dict) -> None:
    """ALTER EXTENSION e ADD / DROP <object>: the object is held SHARE UPDATE EXCLUSIVE while
    its membership is recorded, a relation too (checked on the server)."""
    if stmt.get("objtype") in _EXTENSION_RELATIONS:
        names = strings(unwrap(stmt.get("object"))[1].get("items"))
        b.lock(object_name(names), L.SHARE_UPDATE_EXCLUSIVE)
    b.act("alter_extension_contents", extension=stmt.get("extname", ""),
          add=stmt.get("action") == 1,
          object_type=str(stmt.get("objtype", "")).replace("OBJECT_", "").lower())


def reassign_owned(b: Builder, stmt: dict) -> None:
    """REASSIGN OWNED BY a TO b: every object `a` owns in this database changes owner, each
    relation (its indexes too) under ACCESS EXCLUSIVE held to the end of the transaction;
    transactional (checked on the server). The relations the migrations gave `a` (OWNER TO)
    are locked; the others it owns the migrations do not say: the action's facts say so."""
    b.act("reassign_owned", **owned_by_facts(b, stmt.get("roles") or ()),
          new_role_sql=role_sql(stmt.get("newrole") or {}))


def lock_sequence_owner(b: Builder, stmt: dict) -> None:
    """OWNED BY, in CREATE or ALTER SEQUENCE, looks the column up through its table, opened
    ACCESS SHARE (checked on the server)."""
    names = sequence_owner(stmt)
    if names:
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
