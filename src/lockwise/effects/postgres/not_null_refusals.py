"""NOT NULL changes PostgreSQL refuses whatever the rows (`refused_not_null`, with the
server's message in `refused_not_null_text`), each checked on 15.18 and 18.6
(tests/test_not_null_refusals.py)."""

from __future__ import annotations

from lockwise.catalog.replay import not_null_column
from lockwise.effects.postgres.builder import Builder


def _refused(text: str) -> dict:
    return {"refused_not_null": True, "refused_not_null_text": text}


def key_column_refused(b: Builder, table: str, column: str, base: dict,
                       key_first: bool = False) -> dict:
    """DROP NOT NULL of a column of `table`'s primary key or of an identity column, or from
    PostgreSQL 18 DROP CONSTRAINT of its NOT NULL constraint: refused on every version, the
    key or the identity needing it. Of a column that is both, DROP NOT NULL names the
    identity, DROP CONSTRAINT (`key_first`) the key. Said of the table written (a partition
    the statement reaches has them too)."""
    catalog = b.ctx.catalog
    if not column or "recursed_from" in base or not catalog.sure_of(table):
        return {}
    known = catalog.column(table, column)
    identity = known is not None and known.identity
    key = column in catalog.primary_key(table)
    if key and (key_first or not identity):
        return _refused(f'column "{column}" is in a primary key')
    if identity:
        return _refused(f'column "{column}" of relation "{table.split(".", 1)[-1]}" is an '
                        "identity column")
    return {}


def no_such_constraint_before_18(b: Builder, table: str, name: str, cmd: dict) -> dict:
    """Before PostgreSQL 18 a NOT NULL is no constraint: DROP CONSTRAINT of the name 18 gives
    it finds none ("does not exist"; IF EXISTS only notices). Said only with the version
    stated, and of a table whose every constraint the catalog knows."""
    if b.ctx.pg_version >= 18 or not b.ctx.pg_version_stated or cmd.get("missing_ok"):
        return {}
    known = b.ctx.catalog.fully_known(table)
    if known is None or name in known.constraints or not_null_column(known, name) is None:
        return {}
    return _refused(f'constraint "{name}" of relation "{table.split(".", 1)[-1]}" '
                    "does not exist")


def not_a_not_null(b: Builder, table: str, name: str, alter: dict) -> dict:
    """PostgreSQL 18's ALTER CONSTRAINT ... [NO] INHERIT of a constraint that is no NOT NULL
    (a CHECK, a key, a foreign key): refused ("is not a not-null constraint")."""
    known = b.ctx.catalog.tables.get(table)
    if not alter.get("alterInheritability") or b.ctx.pg_version < 18 or known is None or \
            name not in known.constraints:
        return {}
    return _refused(f'constraint "{name}" of relation "{table.split(".", 1)[-1]}" '
                    "is not a not-null constraint")
