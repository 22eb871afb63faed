"""Discovery: turn paths on disk into an ordered list of migrations, whatever the layout."""

from lockwise.discover.layouts import (
    LAYOUTS,
    discover,
    discover_histories,
    file_key,
    migration_from_text,
    not_a_migration,
    versions_folder,
)

__all__ = ["LAYOUTS", "discover", "discover_histories", "file_key", "migration_from_text",
           "not_a_migration", "versions_folder"]
