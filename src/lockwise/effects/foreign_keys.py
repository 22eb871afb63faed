"""Facts about foreign keys at the end of a migration: which ones lack a supporting index.

Judged when the migration is complete, not when the FOREIGN KEY is added, because the usual
order is "add the key, then index it" within the same migration.
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog, Constraint
from lockwise.parse.quoting import quote_ident, quote_qualified, truncate_identifier


def unindexed_fk_facts(catalog: Catalog, migration_id: str) -> dict:
    missing = catalog.unindexed_foreign_keys(migration_id)
    return {
        "unindexed_foreign_keys": tuple(
            f"{table}({', '.join(con.columns)}) -> {con.references}" for table, con in missing),
        "unindexed_foreign_keys_sql": "\n".join(_index_sql(table, con) for table, con in missing),
    }


def _index_sql(table: str, con: Constraint) -> str:
    """The index a foreign key's lookups need, with the name and quoting PostgreSQL reads."""
    name = truncate_identifier(f"{table.split('.', 1)[1]}_{'_'.join(con.columns)}_idx")
    columns = ", ".join(map(quote_ident, con.columns))
    return (f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {quote_ident(name)} "
            f"ON {quote_qualified(table)} ({columns});")
