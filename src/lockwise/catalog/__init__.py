"""The in-memory catalog: the schema as replayed from earlier migrations."""

from lockwise.catalog.model import Catalog, Column, Constraint, Index, Table

__all__ = ["Catalog", "Column", "Constraint", "Index", "Table", "Trigger"]


def __getattr__(name: str) -> object:
    """`Trigger`, from `catalog.objects`, loaded at its first use (see there)."""
    if name == "Trigger":
        from lockwise.catalog.objects import Trigger

        return Trigger
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
