"""The migration graph: which migration depends on which, at the object level, and where
migrations step on each other (conflicts). networkx is imported lazily, only when a graph is
built, so `lockwise lint` without conflicts stays fast to start."""

from lockwise.graph.model import CONFLICT_SAFETY, Conflict, Location, MigrationGraph

__all__ = ["CONFLICT_SAFETY", "Conflict", "Location", "MigrationGraph"]
