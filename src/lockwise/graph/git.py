"""`--base REF`: what a branch adds compared with a git ref, read through git itself.

The migrations at REF and at the merge-base are read with `git archive` into a temporary
directory and discovered with the same layout as the working tree, so nothing is checked out
and the user's working tree and index are never touched.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from lockwise.core.types import Migration
from lockwise.discover import discover
from lockwise.graph.build import BranchInfo, unique_keys
from lockwise.parse.source import InputError

if TYPE_CHECKING:
    from tarfile import TarInfo


def _git(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              check=False)
    except FileNotFoundError:
        raise InputError("--base needs git, which is not installed", cwd) from None
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise InputError(f"git {' '.join(args)}: {message}", cwd)
    return done.stdout


def _merge_base(top: Path, ref: str) -> str:
    """Where the branch left REF; an input error saying why there is none (most often a
    shallow clone, as CI checkouts are by default)."""
    try:
        return _git(["merge-base", ref, "HEAD"], top).strip()
    except InputError:
        shallow = _git(["rev-parse", "--is-shallow-repository"], top).strip() == "true"
        why = ("this clone is shallow and lacks the history between them: fetch it (git "
               "fetch --unshallow, or actions/checkout with fetch-depth: 0)") if shallow else \
            "their histories do not meet"
        raise InputError(f"--base {ref}: no common ancestor of {ref} and HEAD; {why}",
                         top) from None


def _tree_migrations(top: Path, rev: str, label: str, rel: Path,
                     layout: str | None) -> list[Migration]:
    """The migrations in directory `rel` at revision `rev`; paths shown as `label:rel/...`."""
    done = subprocess.run(["git", "archive", "--format=tar", rev, "--", rel.as_posix() or "."],
                          cwd=top, capture_output=True, check=False)
    if done.returncode != 0:
        if b"did not match any files" in done.stderr:
            return []  # the directory did not exist yet at that revision
        message = done.stderr.decode(errors="replace").strip()
        raise InputError(f"git archive {rev}: {message}", top)
    folder = _in_memory_folder()
    if folder is not None:
        try:
            return _unpacked(done.stdout, folder, rev, label, rel, layout)
        except OSError:
            pass  # a small or full /dev/shm (a container's is 64 MB): the disk, as usual
    return _unpacked(done.stdout, None, rev, label, rel, layout)


def _tree_paths(top: Path, rev: str, rel: Path) -> set[str]:
    """The files in directory `rel` at revision `rev`, relative to the repository's top."""
    listed = _git(["ls-tree", "-r", "-z", "--full-name", "--name-only", rev, "--",
                   rel.as_posix() or "."], top)
    return {path for path in listed.split("\0") if path}


def _unpacked(archive: bytes, folder: str | None, rev: str, label: str, rel: Path,
              layout: str | None) -> list[Migration]:
    """The migrations of `archive` (git's tar of `rel` at `rev`), unpacked into a temporary
    folder in `folder` (None: the system's default), with their paths as `label:rel/...`."""
    # Imported here: every `lockwise lint` imports this module, only --base reads a tree.
    import io
    import tarfile
    import tempfile

    with tempfile.TemporaryDirectory(prefix="lockwise-base-", dir=folder) as tmp:

        def shown(p: Path | None) -> Path | None:
            """A path of the unpacked tree as the user knows it: `REF:dir/file`."""
            return None if p is None else Path(f"{label}:{p.relative_to(tmp).as_posix()}")

        with _contents_only().open(fileobj=io.BytesIO(archive)) as tar:
            try:
                tar.extractall(tmp, filter=_plain_or_data)
            except tarfile.FilterError as exc:  # a link out of the tree
                raise InputError(f"{exc}; --base reads no link that leads out of the "
                                 f"repository", shown(Path(tmp, exc.tarinfo.name))) from None
        root = Path(tmp) / rel
        if not root.is_dir():
            return []
        try:
            found = discover(root, layout)
        except InputError as exc:  # named as in REF, not in the temporary folder
            if exc.path is not None and exc.path.is_relative_to(tmp):
                exc.path = shown(exc.path)
            raise
        return [replace(m, path=shown(m.path), down_path=shown(m.down_path)) for m in found]


@cache
def _contents_only() -> type:
    """tarfile's TarFile, writing the files and folders without their owner, mode and times:
    discovery reads only what they hold. (As root, tarfile gave every file git's owner: a
    tenth of `lint --base` on lemmy.)"""
    import tarfile

    class ContentsOnly(tarfile.TarFile):
        def chown(self, tarinfo: TarInfo, targetpath: str, numeric_owner: bool) -> None:
            pass

        def chmod(self, tarinfo: TarInfo, targetpath: str) -> None:
            pass

        def utime(self, tarinfo: TarInfo, targetpath: str) -> None:
            pass

    return ContentsOnly


def _plain_or_data(member: TarInfo, dest: str) -> TarInfo | None:
    """tarfile's `data` filter, less its work on the files and folders of a git tree that are
    plain and relative: for those it resolves the destination's real path, to catch a
    symbolic link on the way out of `dest`. The links themselves go through it, so every link
    extracted points inside `dest`, and a git tree cannot put a file below a link."""
    import tarfile

    name = member.name
    if (member.isfile() or member.isdir()) and not name.startswith("/") and \
            ".." not in name.split("/"):
        return member
    return tarfile.data_filter(member, dest)


#: A folder in memory (tmpfs) where the system has one.
IN_MEMORY_FOLDER = "/dev/shm"


def _in_memory_folder() -> str | None:
    """Where to unpack REF's migrations: in memory when the system offers a folder there.
    Writing a few hundred small files to a disk file system costs about a millisecond each
    (1.1 s for lemmy's 684 files on the machine of docs/performance.md, 0.04 s in memory)."""
    folder = IN_MEMORY_FOLDER
    return folder if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK) else None


def _relative(m: Migration, root: Path) -> str:
    """`m`'s path relative to `root` (resolved already: this runs for every migration)."""
    path = str(m.path)
    if ":" in path and not m.path.is_absolute() and not m.path.exists():
        return path.split(":", 1)[1]  # a `REF:dir/file` path from _tree_migrations
    return m.path.resolve().relative_to(root).as_posix()


def applied_history(migrations: list[Migration], applied_file: Path) -> BranchInfo:
    """`--applied FILE`: the versions already applied (one per line, as exported from the
    runner's history table); the migrations not among them are the new ones."""
    from lockwise.discover.versions import version_key
    from lockwise.parse.source import read_sql_file

    text = read_sql_file(applied_file)
    applied = {line.strip() for line in text.splitlines()
               if line.strip() and not line.lstrip().startswith("#")}
    if not applied:
        raise InputError("no applied versions in the file", applied_file)
    newest = max(applied, key=version_key)
    keys = unique_keys(migrations)
    new = frozenset(k for k, m in zip(keys, migrations, strict=True)
                    if m.version not in applied and not m.repeatable)
    marker = Migration(version=newest, name="", path=applied_file, up_sql="",
                       sort_key=version_key(newest))
    return BranchInfo(ref=f"the applied history ({applied_file})", branch_new=new,
                      applied_newest=marker)


@dataclass(slots=True)
class BaseComparison:
    """The merged history (the branch's migrations plus those added on REF since the branch
    point, in version order), which of them are new where, and what changed since REF."""

    history: list[Migration]
    branch: BranchInfo
    #: The paths of the working-tree migrations added or changed since REF (what
    #: `lint --base` reports): paths, since two directories may hold the same id.
    changed: set[str]


@dataclass
class BaseRequest:
    """What `--base REF` compares one directory with, found before lint runs: the repository,
    the branch point and which working migrations changed since REF (what lint reports).
    Reading REF's and the branch point's trees, the slow part, is left to `read`, which lint
    runs in its second process."""

    directory: Path
    working: list[Migration]
    ref: str
    layout: str | None
    top: Path
    rel: Path
    ref_commit: str
    merge_base: str
    #: The paths of the working-tree migrations added or changed since REF.
    changed: set[str]

    def read(self) -> BaseComparison:
        """The merged history, with what is new on each side."""
        top, rel, layout, working = self.top, self.rel, self.layout, self.working
        real_top = top.resolve()
        base = _tree_migrations(top, self.ref, self.ref, rel, layout)
        # What was there at the branch point: the paths are enough (a migration on either
        # side is new when its file was not there). A branch up to date with REF branches
        # from REF itself, whose tree is read already.
        branch_point = {_relative(m, real_top) for m in base} if \
            self.merge_base == self.ref_commit else _tree_paths(top, self.merge_base, rel)
        working_rel = {id(m): _relative(m, real_top) for m in working}
        base_rel = {id(m): _relative(m, real_top) for m in base}
        in_working, in_base = set(working_rel.values()), set(base_rel.values())
        base_new = [m for m in base if base_rel[id(m)] not in branch_point
                    and base_rel[id(m)] not in in_working]
        history = sorted([*working, *base_new], key=lambda m: (m.sort_key, str(m.path)))
        keys = dict(zip(map(id, history), unique_keys(history), strict=True))
        # Added on the branch: neither at the branch point nor merged in from REF. (A
        # migration edited in place is reported by `lint --base` as changed, but it is not
        # new work whose order against REF's migrations is open.)
        branch_new = {keys[id(m)] for m in working if working_rel[id(m)] not in branch_point
                      and working_rel[id(m)] not in in_base}
        newest = max((m for m in base if not m.repeatable), key=lambda m: m.sort_key,
                     default=None)
        info = BranchInfo(ref=self.ref, branch_new=frozenset(branch_new),
                          base_new=frozenset(keys[id(m)] for m in base_new),
                          applied_newest=newest)
        return BaseComparison(history, info, self.changed)


def base_request(directory: Path, working: list[Migration], ref: str,
                 layout: str | None) -> BaseRequest:
    """`working` (the migrations of `directory`) to compare with the same directory at REF
    and at the branch point: an input error now if git cannot (no repository, an unknown
    REF, a shallow clone). A file named on the command line stands for its migration
    directory: the caller finds it (`cli/inputs.collect`)."""
    top = Path(_git(["rev-parse", "--show-toplevel"], directory).strip())
    rel = directory.resolve().relative_to(top.resolve())
    ref_commit = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top).strip()
    merge_base = _merge_base(top, ref)
    listed = _git(["diff", "--name-only", ref, "--", rel.as_posix() or "."], top).splitlines()
    listed += _git(["ls-files", "--others", "--exclude-standard", "--",
                    rel.as_posix() or "."], top).splitlines()
    touched = {(top / p).resolve() for p in listed}
    changed = {str(m.path) for m in working if m.path.resolve() in touched or
               (m.down_path is not None and m.down_path.resolve() in touched)}
    return BaseRequest(directory, working, ref, layout, top, rel, ref_commit, merge_base,
                       changed)


def compare_with_base(directory: Path, working: list[Migration], ref: str,
                      layout: str | None) -> BaseComparison:
    """`working` (the migrations of `directory`) against the same directory at REF and at
    the branch point, read at once."""
    return base_request(directory, working, ref, layout).read()
