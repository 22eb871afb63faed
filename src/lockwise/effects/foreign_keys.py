"""Facts about foreign keys at the end of a migration: which ones lack a supporting index.

Judged when the migration is complete, not when the FOREIGN KEY is added, because the usual
order is "add the key, then index it" within the same migration.
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog


def unindexed_fk_facts(catalog: Catalog, migration_id: str) -> dict:
    missing = catalog.unindexed_foreign_keys(migration_id)
    return {
        "unindexed_foreign_keys": tuple(
            f"{table}({', '.join(con.columns)}) -> {con.references}" for table, con in missing),
        "unindexed_foreign_keys_sql": "\n".join(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {table.split('.', 1)[1]}_"
            f"{'_'.join(con.columns)}_idx ON {table} ({', '.join(con.columns)});"
            for table, con in missing),
    }
