"""Discovery: turn paths on disk into an ordered list of migrations, whatever the layout."""

from lockwise.discover.layouts import LAYOUTS, discover, file_key, migration_from_text

__all__ = ["LAYOUTS", "discover", "file_key", "migration_from_text"]
