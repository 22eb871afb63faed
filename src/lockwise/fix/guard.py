"""A fix is checked before it is written: the rewritten directory must not conflict where the
original did not (a step moved after a migration that drops what it uses, a contract step that
drops a column a view still reads). A rewrite that would is left out, with a note."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from lockwise.fix.plan import FixPlan
from lockwise.fix.write import OutputFile

#: Conflicts a rewrite brings by design: its new steps come with no down migration.
_EXPECTED = frozenset({"down-mismatch"})

Output = tuple[FixPlan, list[OutputFile], list[str]]


def _conflict_keys(directory: Path, layout: str | None, pg_version: int) -> dict:
    """The conflicts between the migrations of `directory`, by (kind, object)."""
    from lockwise.discover import discover
    from lockwise.graph.api import history_conflicts

    conflicts = history_conflicts([discover(directory, layout)], pg_version=pg_version)
    return {(c.kind, c.object): c for c in conflicts if c.kind not in _EXPECTED}


def _owner(path: str, folder: Path, copy: Path, outputs: Sequence[Output]) -> int | None:
    """The output that wrote `path` (a file of the rewritten copy of `folder`), if one did."""
    try:
        relative = Path(path).resolve().relative_to(copy.resolve())
    except ValueError:
        return None
    original = (folder / relative).resolve()
    for i, (_, files, _) in enumerate(outputs):
        if any(f.path.resolve() == original for f in files):
            return i
    return None


def without_new_conflicts(outputs: list[Output], directories: Sequence[Path],
                          layout: str | None, pg_version: int) -> tuple[list[Output], list[str]]:
    """The outputs whose rewrites, together, add no conflict between migrations, and a note
    for each one left out."""
    kept: list[Output] = list(outputs)
    notes: dict[Path, str] = {}  # a migration left out -> why (its first new conflict)
    before = {d: _conflict_keys(d, layout, pg_version) for d in directories}
    while kept:
        culprits: set[int] = set()
        with tempfile.TemporaryDirectory(prefix="lockwise-fix-") as tmp:
            for n, directory in enumerate(directories):
                # A history may be one file, read alone when its folder could not be (a
                # Liquibase changelog holds several migrations): its folder gets that file.
                folder = directory if directory.is_dir() else directory.parent
                copy = Path(tmp) / str(n)
                if folder is directory:
                    shutil.copytree(directory, copy, symlinks=True)
                else:
                    copy.mkdir()
                    shutil.copy2(directory, copy / directory.name)
                for _, files, _ in kept:
                    for f in files:
                        try:
                            target = copy / f.path.resolve().relative_to(folder.resolve())
                        except ValueError:
                            continue  # a file of another directory
                        target.parent.mkdir(parents=True, exist_ok=True)
                        target.write_text(f.text, encoding="utf-8")
                after = _conflict_keys(copy if folder is directory else copy / directory.name,
                                       layout, pg_version)
                for key, conflict in after.items():
                    if key in before[directory]:
                        continue
                    owners = {_owner(loc.path, folder, copy, kept)
                              for loc in conflict.locations} - {None}
                    # Not traced to a file a rewrite wrote: every rewrite is suspect.
                    culprits |= owners or set(range(len(kept)))  # type: ignore[arg-type]
                    for i in owners or range(len(kept)):
                        notes.setdefault(kept[i][0].migration.path,
                                         f"{kept[i][0].migration.path}: not rewritten: the "
                                         f"safe sequence would add a conflict "
                                         f"({conflict.explanation})")
        if not culprits:
            break
        kept = [output for i, output in enumerate(kept) if i not in culprits]
    return kept, list(notes.values())
