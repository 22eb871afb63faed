"""The in-memory catalog: the schema as replayed from earlier migrations."""

from lockwise.catalog.model import Catalog, Column, Constraint, Index, Table, Trigger

__all__ = ["Catalog", "Column", "Constraint", "Index", "Table", "Trigger"]
