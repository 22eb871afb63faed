"""`--base REF`: what a branch adds compared with a git ref, read through git itself.

The migrations at REF and at the merge-base are read with `git archive` into a temporary
directory and discovered with the same layout as the working tree, so nothing is checked out
and the user's working tree and index are never touched.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from lockwise.core.types import Migration
from lockwise.discover import discover
from lockwise.graph.build import unique_keys
from lockwise.graph.model import Conflict, Location
from lockwise.options import named_in
from lockwise.parse.source import InputError, path_error

if TYPE_CHECKING:
    from collections.abc import Callable
    from tarfile import TarInfo


@dataclass(frozen=True, slots=True)
class BranchInfo:
    """Which migrations are new where, for `--base REF` (git) mode.

    `branch_new` and `base_new` are node keys of the merged history: migrations added on the
    branch, and migrations added on the base since the branch point. `applied_newest` is the
    newest migration already on the base (or applied), against which new ones must sort after;
    `applied_newest_at` the line and column of its entry in an `--applied` file.
    """

    ref: str
    branch_new: frozenset[str]
    base_new: frozenset[str] = frozenset()
    applied_newest: Migration | None = None
    applied_newest_at: tuple[int, int] | None = None


def _git(args: list[str], cwd: Path) -> str:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                              check=False)
    except FileNotFoundError:
        raise path_error("--base needs git, which is not installed", cwd) from None
    if done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["failed"])[-1]
        raise path_error(f"git {' '.join(args)}: {message}", cwd)
    return done.stdout


def _work_tree(folder: Path, ref: str) -> Path:
    """The top of the git work tree `folder` is in; an input error when it is in none (git's
    own message for any other failure, such as a repository of another owner)."""
    try:
        return Path(_git(["rev-parse", "--show-toplevel"], folder).strip())
    except InputError as exc:
        if "not a git repository" not in exc.message:
            raise
        raise path_error(f"--base {ref} compares with git history, and {folder} is not in a "
                         "git work tree", folder) from None


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
        raise path_error(f"--base {ref}: no common ancestor of {ref} and HEAD; {why}",
                         top) from None


def _tree_migrations(top: Path, rev: str, label: str, rel: Path,
                     layout: str | None) -> list[Migration]:
    """The migrations in directory `rel` at revision `rev`; paths shown as `label:rel/...`.
    Read with the files above `rel` that discovery takes the history's settings from at
    `rev` (flyway.conf, application.yml, ...), and with the other locations of a Flyway run
    those name, as the working tree's history is."""
    from lockwise.discover.flyway_config import tree_files
    from lockwise.discover.layouts import application_folders, settings_files, settings_folders

    spec = rel.as_posix() or "."
    # (with the files FLYWAY_CONFIG_FILES and lockwise's config name for Flyway's runs, and
    # every profile's application files: which are active, `rev`'s own files may say)
    settings = _existing(top, rev, [*settings_files(PurePosixPath(spec)), *tree_files(top)])
    settings += _profile_files(top, rev, application_folders(PurePosixPath(spec)))
    if spec != "." and not _existing(top, rev, [spec]):
        return []  # the directory did not exist yet at that revision
    archive = _archive(top, rev, [spec, *settings])
    # (made empty: discovery asks whether they exist, and Hasura's metadata may be thousands
    # of files)
    folders = _existing_folders(top, rev, settings_folders(PurePosixPath(spec)))

    asked: set[str] = set()

    def locations(tmp: Path) -> bytes | None:
        """git's tar of what the history needs from outside its folder, not asked for yet:
        the other locations the settings name, once they are unpacked, and the files a
        Liquibase changelog includes from elsewhere (asked again after each tar is
        unpacked: a changelog it brings may include more)."""
        wanted = [path for path in [*_location_folders(tmp, settings, tmp / rel),
                                    *_liquibase_paths(top, rev, tmp, rel)]
                  if path not in asked]
        asked.update(wanted)
        found = _existing(top, rev, wanted) if wanted else []
        return _archive(top, rev, found) if found else None

    folder = _in_memory_folder()
    if folder is not None:
        try:
            return _unpacked(archive, folder, rev, label, rel, layout, locations, folders,
                             top)
        except OSError:
            pass  # a small or full /dev/shm (a container's is 64 MB): the disk, as usual
    return _unpacked(archive, None, rev, label, rel, layout, locations, folders, top)


def _existing(top: Path, rev: str, paths: list[str]) -> list[str]:
    """Those of `paths` (relative to the repository's top) that are files or folders at
    `rev`."""
    listed = _git(["ls-tree", "-z", "--name-only", rev, "--", *paths], top)
    return [path for path in listed.split("\0") if path]


def _profile_files(top: Path, rev: str, folders: list[str]) -> list[str]:
    """The application files of profiles (`application-<profile>.yml`, ...) directly in
    `folders` (`/`-terminated, relative to the repository's top) at `rev`."""
    from lockwise.discover.spring_boot import is_profile_file

    asked = {folder.removeprefix("./") for folder in folders}
    listed = _git(["ls-tree", "-z", "--name-only", rev, "--", *folders], top)
    return [path for path in listed.split("\0") if path
            for parent, _, name in [path.rpartition("/")]
            if (f"{parent}/" if parent else "") in asked and is_profile_file(name)]


def _existing_folders(top: Path, rev: str, paths: list[str]) -> list[str]:
    """Those of `paths` (relative to the repository's top) that are folders at `rev`."""
    listed = _git(["ls-tree", "-z", rev, "--", *paths], top) if paths else ""
    # each entry: `<mode> <type> <object>\t<path>`
    return [path for entry in listed.split("\0") if entry
            for head, _, path in [entry.partition("\t")] if head.split(" ")[1:2] == ["tree"]]


def _archive(top: Path, rev: str, paths: list[str]) -> bytes:
    """git's tar of `paths` (each one that exists at `rev`) at `rev`."""
    done = subprocess.run(["git", "archive", "--format=tar", rev, "--", *paths],
                          cwd=top, capture_output=True, check=False)
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip()
        raise path_error(f"git archive {rev}: {message}", top)
    return done.stdout


def _location_folders(tmp: Path, settings: list[str], history: Path) -> list[str]:
    """The folders (relative to `tmp`, the unpacked tree) where the Flyway runs of the
    application files and Flyway config files among `settings` have their locations, outside
    the `history` folder unpacked already."""
    from lockwise.discover.flyway_config import CONFIG_FILES, configured_runs
    from lockwise.discover.spring_boot import (
        classpath_root_of,
        config_classpath_root,
        flyway_config_run,
        location_roots,
    )

    def roots(root: Path, config: bool) -> list[Path]:
        if not config:
            return location_roots(root)
        run = flyway_config_run(root)
        return [] if run is None else location_roots(config_classpath_root(root), [run])

    found = {(classpath_root_of(tmp / path), False) for path in settings
             if Path(path).name.startswith("application.")}
    found |= {((tmp / path).parent, True) for path in settings
              if Path(path).name in CONFIG_FILES}
    # the runs of the files named for them (read as their place in the tree: `in_tree`)
    found |= {(folder, True) for folder in configured_runs() if folder.is_relative_to(tmp)}
    out = []
    for root, config in sorted(found):
        try:
            folders = roots(root, config)
        except InputError:  # discovery says so, at the file's line
            continue
        for folder in folders:
            folder = Path(os.path.normpath(folder))
            if folder.is_relative_to(tmp) and not folder.is_relative_to(history) and \
                    folder != tmp:
                out.append(folder.relative_to(tmp).as_posix())
    return sorted(set(out))


def _liquibase_paths(top: Path, rev: str, tmp: Path, rel: Path) -> list[str]:
    """The paths (relative to `tmp`, the unpacked tree) a Liquibase history in `rel` may need
    from outside what is unpacked: the changelogs of the folders above it (a master that
    runs it: liquibase.master_above), and the places where the changelogs unpacked include
    files or folders from."""
    from lockwise.discover.layouts import _CHANGELOG_SUFFIXES
    from lockwise.discover.liquibase import LEVELS_ABOVE, include_places, may_be_liquibase

    root = tmp / rel
    if not root.is_dir() or not may_be_liquibase(root):
        return []
    above = [folder.relative_to(tmp).as_posix() for folder in root.parents[:LEVELS_ABOVE]
             if folder.is_relative_to(tmp)]
    listed = _git(["ls-tree", "-z", "--name-only", rev, "--",
                   *[f"{folder}/" if folder != "." else "." for folder in above]], top)
    out = [path for path in listed.split("\0") if path.lower().endswith(_CHANGELOG_SUFFIXES)]
    for folder, _, names in os.walk(tmp):
        for name in names:
            if name.lower().endswith(_CHANGELOG_SUFFIXES):
                out += [os.path.relpath(place, tmp)
                        for place in include_places(Path(folder, name))
                        if Path(os.path.normpath(place)).is_relative_to(tmp) and
                        os.path.normpath(place) != os.path.normpath(tmp) and
                        not os.path.lexists(place)]
    return [Path(os.path.normpath(path)).as_posix() for path in dict.fromkeys(out)]


def _tree_paths(top: Path, rev: str, rel: Path, others: list[str] | None = None) -> set[str]:
    """The files in directory `rel` (and the folders `others`) at revision `rev`, relative to
    the repository's top."""
    listed = _git(["ls-tree", "-r", "-z", "--full-name", "--name-only", rev, "--",
                   rel.as_posix() or ".", *(others or [])], top)
    return {path for path in listed.split("\0") if path}


def _unpacked(archive: bytes, folder: str | None, rev: str, label: str, rel: Path,
              layout: str | None,
              more: Callable[[Path], bytes | None] | None = None,
              empty: list[str] | None = None, top: Path | None = None) -> list[Migration]:
    """The migrations of `archive` (git's tar of `rel` at `rev`), unpacked into a temporary
    folder in `folder` (None: the system's default), with their paths as `label:rel/...`.
    `more`: the tar of further files, given the folder the first is unpacked in; `empty`:
    folders made there without their files (relative paths); `top`: the work tree the tar
    is of, whose Flyway config files named for a run are read at their place in the copy
    (`flyway_config.in_tree`)."""
    # Imported here: every `lockwise lint` imports this module, only --base reads a tree.
    import io
    import tarfile
    import tempfile
    from contextlib import nullcontext

    from lockwise.discover.flyway_config import in_tree

    with tempfile.TemporaryDirectory(prefix="lockwise-base-", dir=folder) as tmp:

        def shown(p: Path | None) -> Path | None:
            """A path of the unpacked tree as the user knows it: `REF:dir/file`."""
            return None if p is None else Path(f"{label}:{p.relative_to(tmp).as_posix()}")

        def extract(data: bytes) -> None:
            with _contents_only().open(fileobj=io.BytesIO(data)) as tar:
                if not hasattr(tarfile, "data_filter"):  # a Python before the filters came
                    for member in tar.getmembers():
                        _refuse_link_out(member, tmp, shown)
                    tar.extractall(tmp)
                else:
                    try:
                        tar.extractall(tmp, filter=_plain_or_data)
                    except tarfile.FilterError as exc:  # a link out of the tree
                        raise _link_out(str(exc),
                                        shown(Path(tmp, exc.tarinfo.name))) from None

        extract(archive)
        for made in empty or []:
            os.makedirs(os.path.join(tmp, made), exist_ok=True)
        # (once the named files are unpacked: one the revision lacks is not read)
        with nullcontext() if top is None else in_tree(top, Path(tmp)):
            while more is not None and (further := more(Path(tmp))) is not None:
                extract(further)
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


def _link_out(why: str, path: Path | None) -> InputError:
    return path_error(f"{why}; --base reads no link that leads out of the repository", path)


def _refuse_link_out(member: TarInfo, dest: str, shown: Callable[[Path], Path | None]) -> None:
    """Where tarfile has no `data` filter: an input error for a member of git's tar that
    would be written, or link to, outside `dest` (the filter's checks that a git tree can
    need: it holds only files, folders and links)."""
    name = member.name
    if name.startswith("/") or ".." in name.split("/"):
        raise _link_out(f"{name!r} is outside the tree", shown(Path(dest, name)))
    if not (member.issym() or member.islnk()):
        return
    if os.path.isabs(member.linkname):
        raise _link_out(f"{name!r} is a link to an absolute path", shown(Path(dest, name)))
    # (a symbolic link is read from its own folder, a hard link from the archive's top)
    start = os.path.dirname(os.path.join(dest, name)) if member.issym() else dest
    target = os.path.normpath(os.path.join(start, member.linkname))
    if os.path.commonpath([target, os.path.normpath(dest)]) != os.path.normpath(dest):
        raise _link_out(f"{name!r} would link to {member.linkname!r}, which is outside the "
                        f"tree", shown(Path(dest, name)))


#: A folder in memory (tmpfs) where the system has one.
IN_MEMORY_FOLDER = "/dev/shm"


def _in_memory_folder() -> str | None:
    """Where to unpack REF's migrations: in memory when the system offers a folder there.
    Writing a few hundred small files to a disk file system costs about a millisecond each
    (1.1 s for lemmy's 684 files on the machine of docs/performance.md, 0.04 s in memory)."""
    folder = IN_MEMORY_FOLDER
    return folder if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK) else None


def _folders_outside(working: list[Migration], real_top: Path, rel: Path) -> list[str]:
    """The folders (relative to the repository's top) of the migrations of `working` read
    from outside `rel`: the other locations of a Flyway run."""
    inside = real_top / rel
    return sorted({parent.relative_to(real_top).as_posix() for m in working
                   if (parent := m.path.resolve().parent).is_relative_to(real_top)
                   and not parent.is_relative_to(inside)})


def _relative(m: Migration, root: Path) -> str:
    """`m`'s path relative to `root` (resolved already: this runs for every migration)."""
    path = str(m.path)
    if ":" in path and not m.path.is_absolute() and not m.path.exists():
        return path.split(":", 1)[1]  # a `REF:dir/file` path from _tree_migrations
    return m.path.resolve().relative_to(root).as_posix()


def applied_history(migrations: list[Migration], applied_file: Path) -> BranchInfo:
    """`--applied FILE`: the versions already applied (one per line, as exported from the
    runner's history table); the migrations not among them are the new ones."""
    from lockwise.discover.versions import (
        run_positions,
        runner_records,
        version_identity,
        version_sort_key,
    )
    from lockwise.parse.source import read_sql_file

    text = read_sql_file(applied_file)
    layout = migrations[0].layout if migrations else ""
    # Each version's first entry: a conflict with the newest points at its line and column.
    applied: dict[str, tuple[int, int]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        version = line.strip()
        if not version or version.startswith("#"):
            continue
        # A header or a stray column would sort after every number, and make each new
        # migration look out of order. (sqitch records change names, not the positions
        # lockwise numbers its changes by: no check can tell those apart.)
        if layout != "sqitch" and not runner_records(version, layout):
            raise InputError(f"{version!r} is not a version {layout} records (one version "
                             "per line, as its history table holds them)", applied_file, number)
        applied.setdefault(version, (number, len(line) - len(line.lstrip()) + 1))
    if not applied:
        raise InputError("no applied versions in the file", applied_file)
    # Ordered as the runner runs its migrations: a version where its file runs (dbmate runs
    # 10_b.sql before 1_a.sql), one without a file as its runner orders versions.
    positions = run_positions(migrations)

    def position(version: str) -> tuple:
        return version_sort_key(version, layout, positions)

    newest = max(applied, key=position)
    # As the runner that wrote them tells versions apart: golang-migrate records 1 for 0001.
    known = {version_identity(v, layout) for v in applied}
    keys = unique_keys(migrations)
    new = frozenset(k for k, m in zip(keys, migrations, strict=True)
                    if version_identity(m.version, m.layout) not in known and not m.repeatable)
    marker = Migration(version=newest, name="", path=applied_file, up_sql="",
                       sort_key=position(newest))
    return BranchInfo(ref=f"the applied history ({applied_file})", branch_new=new,
                      applied_newest=marker, applied_newest_at=applied[newest])


@dataclass(slots=True)
class BaseComparison:
    """The merged history (the branch's migrations plus those added on REF since the branch
    point, in version order), which of them are new where, and what changed since REF."""

    history: list[Migration]
    branch: BranchInfo
    #: The paths of the working-tree migrations added or changed since the branch point
    #: (what `lint --base` reports): paths, since two directories may hold the same id.
    changed: set[str]
    #: Migrations that were there at the branch point, so applied wherever REF was deployed,
    #: and that the branch edited, renamed or deleted (`edited-applied`, ...).
    applied_changes: list[Conflict] = field(default_factory=list)


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
    #: The paths of the working-tree migrations added or changed since the branch point (and
    #: named on the command line, when files were).
    changed: set[str]
    #: The files (relative to the repository's top) changed or deleted since the branch
    #: point: where an applied migration may have been edited, moved or removed.
    revised: frozenset[str] = frozenset()
    #: The whole directory was asked for (no file named): a deleted migration is reported.
    whole: bool = True

    def read(self) -> BaseComparison:
        """The merged history, with what is new on each side."""
        top, rel, layout, working = self.top, self.rel, self.layout, self.working
        real_top = top.resolve()
        try:
            base = _tree_migrations(top, self.ref, self.ref, rel, layout)
        except InputError as exc:
            if self.directory.is_dir():
                raise
            # A file read alone, its folder unreadable at REF too: what REF added cannot be
            # known, which the warning says rather than failing the file's lint.
            print(f"lockwise: warning: {self.directory}: no conflicts looked for with what "
                  f"{self.ref} added: {exc}", file=sys.stderr)
            base = []
            alone = True
        else:
            alone = False
        # What was there at the branch point. Its migrations themselves only when the branch
        # changed or deleted a file there, else the paths are enough (a migration on either
        # side is new when its file was not there). A branch up to date with REF branches
        # from REF itself, whose tree is read already.
        at_branch_point: list[Migration] | None = base \
            if self.merge_base == self.ref_commit else None
        if at_branch_point is None and self.revised and not alone:
            try:
                at_branch_point = _tree_migrations(top, self.merge_base, self.merge_base, rel,
                                                   layout)
            except InputError:
                if self.directory.is_dir():
                    raise
                # (a file read alone: the branch point's paths are enough to tell it new)
        branch_point = {_relative(m, real_top) for m in at_branch_point} \
            if at_branch_point is not None else \
            _tree_paths(top, self.merge_base, rel, _folders_outside(working, real_top, rel))
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
        changes = self._applied_changes(at_branch_point, real_top) \
            if self.revised and at_branch_point is not None else []
        return BaseComparison(history, info, self.changed, changes)

    def _applied_changes(self, applied: list[Migration], real_top: Path) -> list[Conflict]:
        """The migrations of the branch point (`applied`) that the branch edited, moved to
        another version or deleted. What runs is compared as `lockwise apply` compares an
        applied migration with its file (its checksum), so a comment or whitespace edit is
        no change, nor is an edit of the down migration alone, which no environment ran."""
        from lockwise.executor.checksum import checksum

        working_at = {_relative(m, real_top): m for m in self.working}
        applied_paths = {_relative(m, real_top) for m in applied}
        added = [m for path, m in working_at.items() if path not in applied_paths]
        out: list[Conflict] = []
        for old in applied:
            path = _relative(old, real_top)
            # A repeatable migration runs again whenever it changes: that is its use.
            if old.repeatable or path not in self.revised:
                continue
            shown = str(self.directory / Path(path).relative_to(self.rel))
            # Moved to another file under the same version: runners know it by its version.
            now = working_at.get(path) or next(
                (m for m in added if m.version == old.version), None)
            if now is not None:
                if checksum(now.up_sql) != checksum(old.up_sql) and \
                        named_in(now, self.changed):
                    out.append(_edited(old, now))
                continue
            moved = next((m for m in added if checksum(m.up_sql) == checksum(old.up_sql)),
                         None)
            if moved is not None:
                if named_in(moved, self.changed):
                    out.append(_renamed(old, shown, moved))
            elif self.whole:
                out.append(_deleted(old, shown, self.ref))
        return out


def _edited(old: Migration, now: Migration) -> Conflict:
    return Conflict("edited-applied", (Location(now.id, str(now.path)),), f"version:{old.version}",
                    f"{now.id} was already there at the branch point, so environments that "
                    f"deployed it ran it as it was then: they will never run this edit, and "
                    f"runners that verify checksums (lockwise apply, Flyway) refuse to start. "
                    f"Restore it and put the change in a new migration")


def _renamed(old: Migration, shown: str, moved: Migration) -> Conflict:
    return Conflict("renamed-applied", (Location(old.id, shown), Location(moved.id,
                                                                          str(moved.path))),
                    f"version:{old.version}",
                    f"{old.id} was already there at the branch point and is now {moved.id}: "
                    f"environments that applied version {old.version} will run the same "
                    f"statements again as version {moved.version} (and fail on what exists "
                    f"already). Keep the file under its version")


def _deleted(old: Migration, shown: str, ref: str) -> Conflict:
    return Conflict("deleted-applied", (Location(old.id, shown),), f"version:{old.version}",
                    f"{old.id} was there at the branch point and is deleted: environments "
                    f"that applied it keep what it made while a new database will lack it, "
                    f"and runners that verify their history (Flyway, golang-migrate when it "
                    f"is the current version) stop on a version they cannot find; lockwise "
                    f"apply reports it as missing. Intended when squashing migrations into a "
                    f"baseline; otherwise restore it from {ref}")


def base_request(directory: Path, working: list[Migration], ref: str,
                 layout: str | None, named: set[str] | None = None) -> BaseRequest:
    """`working` (the migrations of `directory`) to compare with the same directory at REF
    and at the branch point: an input error now if git cannot (no repository, an unknown
    REF, a shallow clone). A file named on the command line stands for its migration
    directory: the caller finds it (`cli/inputs.collect`) and passes the paths of the files
    named as `named` (None: the whole directory is asked for), which limits what is reported
    to them."""
    # A history may be one file, read alone when its folder could not be: git runs beside it,
    # and the file is compared with its folder at REF (what REF added there).
    folder = directory if directory.is_dir() else directory.parent
    top = _work_tree(folder, ref)
    rel = folder.resolve().relative_to(top.resolve())
    ref_commit = _ref_commit(top, ref)
    merge_base = _merge_base(top, ref)
    spec = rel.as_posix() or "."
    # Against the branch point, not REF's tip: a file REF changed since is not the branch's
    # doing. The working tree, not HEAD: uncommitted work counts.
    status = _git(["diff", "--name-status", "--no-renames", "-z", merge_base, "--", spec],
                  top).split("\0")
    listed = dict(zip(status[1::2], status[0::2], strict=False))
    revised = frozenset(path for path, how in listed.items() if how != "A")
    untracked = _git(["ls-files", "--others", "--exclude-standard", "--", spec], top)
    touched = {(top / p).resolve() for p in [*listed, *untracked.splitlines()]}
    changed = {str(m.path) for m in working if m.path.resolve() in touched or
               (m.down_path is not None and m.down_path.resolve() in touched)}
    if named is not None:
        changed &= named
    return BaseRequest(directory, working, ref, layout, top, rel, ref_commit, merge_base,
                       changed, revised, whole=named is None)


def _ref_commit(top: Path, ref: str) -> str:
    """The commit REF names; an input error saying it is unknown, with the remote-tracking
    branch of that name when there is one (CI checkouts have `origin/main`, no `main`), or
    for `origin/NAME` the local branch NAME."""
    try:
        return _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top).strip()
    except InputError:
        pass
    hint = ""
    # The other spelling: the remote-tracking branch, or the local branch of a clone without
    # that remote (the README's `--base origin/main` in a local repository).
    other = ref.removeprefix("origin/") if ref.startswith("origin/") else f"origin/{ref}"
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{other}^{{commit}}"], top)
        hint = f"; did you mean {other}?"
    except InputError:
        pass
    raise InputError(f"--base {ref}: unknown revision: no branch, tag or commit of that name "
                     f"in this repository{hint}") from None


def compare_with_base(directory: Path, working: list[Migration], ref: str,
                      layout: str | None) -> BaseComparison:
    """`working` (the migrations of `directory`) against the same directory at REF and at
    the branch point, read at once."""
    return base_request(directory, working, ref, layout).read()
