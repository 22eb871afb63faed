"""Discovery: turn paths on disk into an ordered list of migrations, whatever the layout."""

from lockwise.discover.layouts import LAYOUTS, discover, migration_from_text

__all__ = ["LAYOUTS", "discover", "migration_from_text"]
