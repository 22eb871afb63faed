"""lockwise: a static safety analyzer for database migrations."""

__version__ = "0.1.0"
