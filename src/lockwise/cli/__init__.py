"""The command line: thin wrappers that read options, call the pipeline and print reports."""

from __future__ import annotations

from lockwise.core.collector import collector_paused

__all__ = ["collector_paused"]
