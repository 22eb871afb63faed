"""temporal's manifest.json: the files of one version folder and the order its tool runs them.

A version folder (schema/postgresql/v12/temporal/versioned/v1.7/) holds its .sql files and a
manifest whose `SchemaUpdateCqlFiles` lists them in the order temporal-sql-tool runs them
(the key keeps its Cassandra name for SQL too). Name order is only a guess at that order, so
lockwise follows the manifest; when the manifest cannot say (not JSON, no list, a file left
out or one that is not there), it falls back to name order and says why.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

MANIFEST = "manifest.json"
_FILES_KEY = "SchemaUpdateCqlFiles"


class Warned(str):
    """A discovery note that is a warning: something lockwise had to guess."""


def manifest_order(folder: Path, names: list[str]) -> tuple[list[str], Warned | None]:
    """`names` (the .sql files of `folder`, in name order) in the order its manifest lists
    them; or in name order, with the warning saying why the manifest could not order them."""
    path = folder / MANIFEST
    listed, why = _listed_files(path)
    if listed is not None:
        left_out = [n for n in names if n not in listed]
        absent = [n for n in listed if n not in names]
        if left_out:
            why = f"does not list {', '.join(left_out)}"
        elif absent:
            why = f"lists {', '.join(absent)}, not a .sql file of the folder"
        elif len(set(listed)) != len(listed):
            why = "lists a file twice"
        else:
            return listed, None
    return names, Warned(f"{path}: {why}: the files of {folder.name} are read in name "
                         f"order ({', '.join(names)})")


def _listed_files(path: Path) -> tuple[list[str] | None, str]:
    """The manifest's list of files, or None and why there is none."""
    import json  # only for a folder that has a manifest

    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, f"cannot be read ({exc.strerror or exc})"
    try:
        doc = json.loads(raw)
    except ValueError as exc:  # JSONDecodeError, or bytes that are no UTF-8/16/32
        where = f" at line {exc.lineno} column {exc.colno}" if isinstance(
            exc, json.JSONDecodeError) else ""
        return None, f"not valid JSON{where}"
    except RecursionError:  # arrays or objects nested thousands deep
        return None, "nests too deeply to read"
    listed = doc.get(_FILES_KEY) if isinstance(doc, dict) else None
    if not isinstance(listed, list) or not all(isinstance(n, str) for n in listed):
        return None, f"no {_FILES_KEY} list of file names"
    return listed, ""
