"""ALTER TABLE ... ALTER CONSTRAINT changes PostgreSQL refuses whatever the rows
(`refused_constraint_change`, with the server's message in `refused_constraint_change_text`),
each checked on 15.18 and 18.6 (tests/test_alter_constraint_refusals.py). ALTER CONSTRAINT
... [NO] INHERIT of what is no NOT NULL is `not_null_refusals.not_a_not_null`."""

from __future__ import annotations

from lockwise.catalog.replay import not_null_column
from lockwise.effects.postgres.builder import Builder


def alter_constraint_refused(b: Builder, table: str, alter: dict) -> dict:
    """The refusal of ALTER CONSTRAINT `alter` on `table`, as the server checks in order: a
    name `table` has no constraint of ("does not exist"; before 18 a NOT NULL's name too: it
    is no constraint there, said on a guessed version only where 18 refuses too), then from
    18 ENFORCED / NOT ENFORCED of what is no foreign key, then DEFERRABLE / NOT DEFERRABLE of
    what is no foreign key. Said of a table whose every constraint the catalog knows; {}
    when it runs."""
    known = b.ctx.catalog.fully_known(table)
    name = alter.get("conname", "")
    if known is None or not name:
        return {}
    relation = f'constraint "{name}" of relation "{table.split(".", 1)[-1]}"'
    con = known.constraints.get(name)
    not_null = con is None and not_null_column(known, name) is not None
    if con is None and not not_null:
        return _refused(f"{relation} does not exist")
    if not_null and b.ctx.pg_version < 18:
        # Before 18 no constraint has that name. DEFERRABLE is refused on 18 too (no foreign
        # key), so a guessed version says it; [NO] INHERIT runs on 18: said only when stated.
        stated = b.ctx.pg_version_stated or alter.get("alterDeferrability")
        return _refused(f"{relation} does not exist") if stated else {}
    foreign = con is not None and con.kind == "foreign"
    if alter.get("alterEnforceability") and not foreign and b.ctx.pg_version >= 18:
        return _refused(f"cannot alter enforceability of {relation}")
    if alter.get("alterDeferrability") and not foreign:
        return _refused(f"{relation} is not a foreign key constraint")
    return {}


def _refused(text: str) -> dict:
    return {"refused_constraint_change": True, "refused_constraint_change_text": text}
