"""Writing a fix plan as files in the migration directory's own layout and naming."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from lockwise.core.types import Migration, MigrationReport
from lockwise.discover.layouts import HASURA_NO_TX_MARKER, KEYED_BY_NAME, LISTED_ORDER
from lockwise.discover.versions import (
    TEXT_ORDER_LAYOUTS,
    run_key,
    version_identity,
    version_sort_key,
)
from lockwise.fix.plan import FixPlan, Part, Unrewritable, touched
from lockwise.parse.source import InputError

NO_TX_MARKER = "-- lockwise: no-transaction"
#: sqlx's own, which counts only as the first line of the file.
SQLX_NO_TX_MARKER = "-- no-transaction"


@dataclass(frozen=True, slots=True)
class OutputFile:
    path: Path
    text: str
    #: The file's content before the fix ("" for a new file).
    before: str = ""


_UTF8_BOM = b"\xef\xbb\xbf"


def encoded_like(text: str, model: Path) -> bytes:
    """`text` (read with line endings folded to LF and no BOM) as the file `model` is
    written: CRLF line endings when its first line ends so, and its UTF-8 BOM. A rewrite then
    changes the lines it changes, not every line of a CRLF file; a new step of a migration
    is written as its migration is."""
    try:
        with model.open("rb") as f:
            head = f.read(64 * 1024)
    except OSError:  # a new migration's folder, a file gone meanwhile: plain LF
        head = b""
    end = head.find(b"\n")
    if end > 0 and head[end - 1:end] == b"\r":
        text = text.replace("\n", "\r\n")
    return (_UTF8_BOM if head.startswith(_UTF8_BOM) else b"") + text.encode("utf-8")


def _bump(version: str, step: int) -> str:
    """Add `step` to the last number in `version`, keeping its width (0009 -> 0010)."""
    match = list(re.finditer(r"\d+", version))
    if not match:
        raise InputError(f"cannot derive a version after {version!r}")
    last = match[-1]
    number = str(int(last.group()) + step).zfill(len(last.group()))
    return version[:last.start()] + number + version[last.end():]


#: The timestamp `diesel migration generate` begins a folder's name with (diesel_cli
#: src/main.rs, TIMESTAMP_FORMAT `%Y-%m-%d-%H%M%S`): `2024-01-02-030405`.
_DIESEL_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}-\d{6}")
_DIESEL_STAMP_FORMAT = "%Y-%m-%d-%H%M%S"


def _diesel_stamp_after(version: str, step: int) -> str | None:
    """`version` with the diesel timestamp it begins with `step` seconds later, in its form,
    the rest kept (`2024-01-02-235959` -> `2024-01-03-000000`; a folder named with dashes
    only keeps its words: `2024-01-02-030407-add-x`); None when it begins with none."""
    stamp = _DIESEL_STAMP.match(version)
    if stamp is None:
        return None
    try:
        when = datetime.strptime(stamp.group(), _DIESEL_STAMP_FORMAT) + timedelta(seconds=step)
    except (ValueError, OverflowError):  # no such time (a 13th month), or past year 9999
        return None
    return when.strftime(_DIESEL_STAMP_FORMAT) + version[stamp.end():]


def _counted_up(version: str, layout: str) -> list[Callable[[int], str]]:
    """The series of versions after `version` to try, each by its step from it: Flyway's
    1.2 -> 1.2.1, 1.2.2, or with 1.2.1 taken by the next one, 1.2.0.1, 1.2.0.2; a diesel
    timestamp's next seconds; else its last number counted up (`_bump`)."""
    if layout == "flyway":
        return [lambda step, zeros=zeros: f"{version}{'.0' * zeros}.{step}"
                for zeros in range(3)]
    if layout == "diesel" and _diesel_stamp_after(version, 0) is not None:
        return [lambda step: _diesel_stamp_after(version, step) or _bump(version, step)]
    return [lambda step: _bump(version, step)]


#: Layouts whose tools order versions as text, so that any suffix sorts right after a version
#: (sqlx's versions are integers).
_STRING_VERSIONS = frozenset({"diesel"})


def _shared(ours: set[str], theirs: set[str]) -> list[str]:
    """The objects both sets touch; a created or dropped table takes its columns and
    constraints along (`table:public.t` shares with `column:public.t.c`)."""
    out = ours & theirs
    for a, b in ((ours, theirs), (theirs, ours)):
        tables = tuple(o.split(":", 1)[1] + "." for o in a if o.startswith("table:"))
        if tables:
            out |= {o for o in b if o.split(":", 1)[1].startswith(tables)}
    return sorted(out)


class VersionAllocator:
    """Hands out versions for new migrations, never the same one twice in a run.

    `reports`: the lint reports of `migrations`, which say what each one touches; with them,
    steps are never numbered past a later migration that touches what they change."""

    def __init__(self, migrations: list[Migration],
                 reports: list[MigrationReport] | None = None):
        #: (where it runs, version, file name) of each file the runner runs that lockwise
        #: does not read (goose's Go migrations): its version is taken, and it runs where it
        #: does, so new migrations are numbered around it as around the others.
        self.unread = _unread_migrations(migrations)
        self.versions = [m.version for m in migrations if not m.repeatable] + \
            [version for _, version, _ in self.unread]
        #: The versions handed out so far, for new migrations.
        self.allocated: list[str] = []
        self.migrations = migrations
        self.touched: dict[int, set[str]] = {
            id(r.migration): set().union(*(touched(s.effect) for s in r.statements))
            for r in reports or ()}
        #: The tables each migration reads, writes or alters at all: `touched` leaves out a
        #: table that is only altered or used, which matters when the steps create, drop or
        #: rename that very table (a DELETE FROM t2 after a moved RENAME TO t2 fails).
        self.tables: dict[int, set[str]] = {
            id(r.migration): {o for s in r.statements
                              for o in s.effect.reads | s.effect.writes | s.effect.alters
                              if o.startswith("table:")}
            for r in reports or ()}

    def _check_passed(self, migration: Migration, moved: set[str]) -> None:
        """Raise Unrewritable when a migration after `migration` touches what its steps,
        numbered after the newest migration, would change: they would run after it, which
        breaks it or changes what the directory ends with."""
        for later in sorted((m for m in self.migrations
                             if run_key(m) > run_key(migration) and not m.repeatable),
                            key=run_key):
            shared = _shared(moved, self.touched.get(id(later), set())) or sorted(
                {o for o in moved if o.startswith("table:")} & self.tables.get(id(later), set()))
            if shared:
                raise Unrewritable(
                    f"no free version right after {migration.version}, and its later steps, "
                    f"numbered after the newest migration, would run after {later.id}, which "
                    f"touches the same objects ({', '.join(shared[:3])}): renumber the "
                    "migrations to leave room, or make the change safe by hand")

    def _newest(self, layout: str) -> tuple[tuple, str, str]:
        """(where it runs, version, file name) of the migration the layout's runner runs
        last, the versions handed out so far included."""
        return max([(run_key(m), m.version, m.path.name) for m in self.migrations
                    if not m.repeatable] + self.unread
                   + [(_runs_at(v, layout), v, f"version {v}") for v in self.allocated])

    def _fill(self, version: str, layout: str, count: int, after: tuple,
              bound: tuple | None, taken: set[str]) -> list[str]:
        """`count` free versions whose new files run after `after` and before `bound`, in
        order, numbered up from `version`; fewer when they do not fit."""
        for numbered in _counted_up(version, layout):
            out: list[str] = []
            step = 1
            while len(out) < count:
                candidate = numbered(step)
                at = _runs_at(candidate, layout)
                # Past the bound, or (as text: 9 -> 10) no longer after the original.
                if at <= after or (bound is not None and at >= bound):
                    break
                if version_identity(candidate, layout) not in taken:
                    out.append(candidate)
                step += 1
            if len(out) == count:
                return out
        return []

    def allocate(self, migration: Migration, count: int,
                 moved: set[str] | None = None) -> tuple[list[str], bool]:
        """Versions for `count` new migrations right after `migration`, in the order its
        layout's runner runs them (dbmate's: file names as text).

        They go in the gap before the next migration when there is one; otherwise after the
        newest migration of the directory (second value True), which changes the order and is
        reported. Flyway versions nearly always have a gap: 1.2 -> 1.2.1, 1.2.2. Raises
        Unrewritable when that would move the steps past a migration that touches `moved`,
        or when no free version runs after the newest (dbmate's 9_x.sql: 10, 11, ... sort
        before it as text).
        """
        if count == 0:
            return [], False
        layout = migration.layout
        if layout in KEYED_BY_NAME:
            # Known by name and run in name order: the same version, names that sort next.
            return [migration.version] * count, False
        taken = {version_identity(v, layout) for v in self.versions}
        after = run_key(migration)
        # The next migration that was there before this run: new ones must run before it.
        bound = min([run_key(m) for m in self.migrations
                     if run_key(m) > after and not m.repeatable]
                    + [at for at, _, _ in self.unread if at > after], default=None)
        candidates = self._fill(migration.version, layout, count, after, bound, taken)
        appended = not candidates
        if appended and layout in _STRING_VERSIONS:
            # diesel orders versions as text: `<version>-1` sorts right after it.
            candidates = [f"{migration.version}-{i:0{len(str(count))}d}"
                          for i in range(1, count + 1)]
            if not taken & set(candidates):
                self._hand_out(candidates)
                return candidates, False
        if appended:
            self._check_passed(migration, moved or set())
            last, newest, name = self._newest(layout)
            candidates = self._fill(newest, layout, count, last, None, taken)
            if not candidates:  # (file names as text: 10, 11, ... sort before 9_x.sql)
                raise Unrewritable(
                    f"no free version right after {migration.version}, and {layout} would "
                    f"run no new version after {name}, which it runs last (it orders file "
                    "names as text): pad the versions to one width, or make the change safe "
                    "by hand")
        self._hand_out(candidates)
        return candidates, appended

    def _hand_out(self, versions: list[str]) -> None:
        self.versions += versions
        self.allocated += versions


def _unread_migrations(migrations: list[Migration]) -> list[tuple[tuple, str, str]]:
    """(where it runs, version, file name) of each Go migration in the folders of goose
    `migrations`: goose runs them in version order with the SQL ones (lockwise reads SQL
    only), and refuses two files of one version. The version as its name writes it (00004),
    so a step numbered after it keeps the folder's width."""
    from lockwise.discover.tools import goose_go_files

    folders = dict.fromkeys(m.path.parent for m in migrations if m.layout == "goose")
    return [(version_sort_key(str(number), "goose"), path.name.partition("_")[0], path.name)
            for folder in folders for number, path in goose_go_files(folder)]


def _runs_at(version: str, layout: str) -> tuple:
    """Where a new migration of `version` runs among `layout`'s (version_sort_key): for the
    layouts that order file names as text, where its file `<version>_<name>` does, which
    `<version>_` decides against any file of another version (`11_` sorts after `110_x`)."""
    return version_sort_key(f"{version}_" if layout in TEXT_ORDER_LAYOUTS else version, layout)


#: Layouts that hold both directions in one file: (up marker, the same for a migration run
#: without a transaction, down marker).
_SECTION_MARKERS = {
    "dbmate": ("-- migrate:up", "-- migrate:up transaction:false", "-- migrate:down"),
    "goose": ("-- +goose Up", "-- +goose NO TRANSACTION\n-- +goose Up", "-- +goose Down"),
    "sql-migrate": ("-- +migrate Up", "-- +migrate Up notransaction", "-- +migrate Down"),
}
#: Tools that cut a file at each line ending in `;`, but for StatementBegin/End blocks.
_STATEMENT_BLOCKS = {"goose": "-- +goose", "sql-migrate": "-- +migrate"}
#: The tools' own annotation lines, which the rewritten file writes afresh.
_ANNOTATION = re.compile(
    r"^[ \t]*--[ \t]*(?:migrate:(?:up|down)|\+goose\b|\+migrate\b)[^\n]*\n?",
    re.IGNORECASE | re.MULTILINE)


def terminated(sql: str) -> str:
    """The statement with its semicolon: on a line of its own when the statement's last line
    ends in a `--` comment, which would swallow it."""
    return sql + ("\n;" if "--" in sql.rsplit("\n", 1)[-1] else ";")


def _in_block(sql: str, prefix: str | None) -> str:
    """The statement, terminated; for a tool that cuts a file at each line ending in `;`
    (`prefix` its annotation), one with a semicolon of its own (a function body, a DO block)
    goes between the tool's StatementBegin and StatementEnd."""
    if prefix is None or ";" not in sql:
        return terminated(sql)
    return f"{prefix} StatementBegin\n{terminated(sql)}\n{prefix} StatementEnd"


#: The first line fix writes in each step (after a layout's markers): which step of which
#: original migration's sequence it is.
_STEP_HEADER = re.compile(r"^-- lockwise fix: step (\d+) of (\d+) of (.+?): ", re.M)


def step_of(up_sql: str) -> tuple[int, int, str] | None:
    """(step, steps, original migration id) of a migration `fix` wrote, None for another."""
    # The header comes before any statement: only the first lines are searched.
    found = _STEP_HEADER.search(up_sql, 0, 1000)
    return None if found is None else (int(found[1]), int(found[2]), found[3])


def _body(plan: FixPlan, part: Part, index: int, layout: str, down: str | None = None) -> str:
    """One migration file of the plan; `down`: the down section it keeps (sectioned layouts)."""
    total = len(plan.parts)
    header = [f"-- lockwise fix: step {index + 1} of {total} of {plan.migration.id}: "
              f"{part.purpose}"]
    markers = _SECTION_MARKERS.get(layout)
    statements = [s.rstrip().rstrip(";") for s in part.statements]
    if markers:
        header.insert(0, markers[1] if part.no_transaction else markers[0])
        statements = [_ANNOTATION.sub("", s).strip() for s in statements]
    if part.no_transaction:
        if layout == "atlas":
            header.insert(0, "-- atlas:txmode none")
        if layout == "sqlx":  # sqlx reads its marker from the file's very first bytes
            header.insert(0, SQLX_NO_TX_MARKER)
        if layout == "hasura":  # the CLI reads its marker as the first line alone
            header.insert(0, HASURA_NO_TX_MARKER)
        header.append(NO_TX_MARKER)
    block = _STATEMENT_BLOCKS.get(layout)
    sql = "\n\n".join(_in_block(s, block) for s in statements) + "\n"
    text = "\n".join(header) + "\n" + sql
    if markers:
        text += f"\n{down.strip() if down else markers[2]}\n"
    return text


def _new_files(migration: Migration, version: str, name: str, text: str,
               no_transaction: bool) -> list[OutputFile]:
    layout = migration.layout
    directory = migration.path.parent
    if layout == "sqlx":  # as reversible as the migration it follows
        if not migration.path.name.endswith(".up.sql"):
            return [OutputFile(directory / f"{version}_{name}.sql", text)]
        return [OutputFile(directory / f"{version}_{name}.up.sql", text),
                OutputFile(directory / f"{version}_{name}.down.sql",
                           "-- written by lockwise fix: nothing to undo automatically\n")]
    if layout in ("diesel", "prisma", "hasura"):
        root = directory.parent
        # A folder named with dashes only (`2024-01-02-030406-add-x`): its steps too.
        folder = root / (f"{version}_{name}" if "_" in migration.path.parent.name else
                         f"{version}-{name.replace('_', '-')}")
        if layout == "prisma":
            return [OutputFile(folder / "migration.sql", text)]
        # (not empty: the Hasura CLI refuses an empty SQL file, cli/migrate/source/parse.go)
        files = [OutputFile(folder / "up.sql", text),
                 OutputFile(folder / "down.sql", "-- written by lockwise fix: nothing to undo "
                                                 "automatically\n")]
        if no_transaction and layout == "diesel":
            files.append(OutputFile(folder / "metadata.toml", "run_in_transaction = false\n"))
        return files
    if layout == "golang-migrate":
        return [OutputFile(directory / f"{version}_{name}.up.sql", text)]
    if layout == "flyway":
        path = directory / f"V{version}__{name}.sql"
        files = [OutputFile(path, text)]
        if no_transaction:
            files.append(OutputFile(path.with_name(path.name + ".conf"),
                                    "executeInTransaction=false\n"))
        return files
    if layout == "postgrator":  # [version].[action].[description].sql, no dot in the last
        return [OutputFile(directory / f"{version}.do.{name.replace('.', '_')}.sql", text)]
    if layout in ("plain", "file", "atlas", "supabase", *_SECTION_MARKERS):
        return [OutputFile(directory / f"{version}_{name}.sql", text)]
    # (sqitch: a new change needs its line in sqitch.plan and its revert and verify scripts;
    # a step rewritten in place needs none, so only a plan that adds migrations ends here.)
    raise Unrewritable(f"lockwise fix cannot write the {layout} layout yet: a new migration of "
                       "it would be needed; make the change safe by hand")


#: Layouts whose files lockwise fix does not write: tern numbers its migrations 1..N without
#: a gap (and keeps the down after a separator the rewrite would drop), and graphile-migrate
#: signs each committed migration with the hash of its text and of the one before.
_NOT_WRITTEN = frozenset({"tern", "graphile-migrate"})


def render_plan(plan: FixPlan, versions_from: VersionAllocator
                ) -> tuple[list[OutputFile], list[str]]:
    """The files that carry out `plan`: the original file rewritten, then new migrations.
    Raises Unrewritable when the new migrations cannot run right after the original."""
    migration = plan.migration
    if migration.layout in LISTED_ORDER or migration.layout in _NOT_WRITTEN:
        # New migrations need entries in the tool's list (drizzle's journal), and a
        # Liquibase changelog holds other changesets that rewriting the file would lose.
        raise Unrewritable(f"lockwise fix cannot write the {migration.layout} layout yet: "
                           "make the change safe by hand")
    versions, appended = versions_from.allocate(migration, len(plan.parts) - 1, plan.moved)
    notes = list(dict.fromkeys(plan.notes))
    if appended:
        notes.append(f"no free version right after {migration.version}: the follow-up "
                     f"migrations were numbered after the newest migration ({versions[0]}...)")
    if migration.layout == "atlas":
        notes.append("atlas.sum no longer matches the files: run `atlas migrate hash`")
    if migration.layout == "hasura" and any(p.no_transaction for p in plan.parts):
        notes.append(f"Hasura runs a migration whose first line is `{HASURA_NO_TX_MARKER}` "
                     "outside a transaction from server v2.45.3 on (older ones run it in one, "
                     "where CONCURRENTLY fails)")
    first = plan.parts[0]
    # The file's own down section stays (its text from its marker on), and so does its own
    # no-transaction marker (goose's NO TRANSACTION, dbmate's transaction:false, sqlx's
    # first line ...), which the body writes afresh: without it the tool would wrap the
    # rewritten file in a transaction (as settle.py lints it, the file keeps its setting).
    kept = replace(first, no_transaction=True) if migration.no_transaction else first
    text = _body(plan, kept, 0, migration.layout, migration.down_sql)
    before = migration.path.read_text(encoding="utf-8") if migration.path.is_file() else ""
    files = [OutputFile(migration.path, text, before)]
    if first.no_transaction and migration.layout == "diesel":
        files.append(OutputFile(migration.path.parent / "metadata.toml",
                                "run_in_transaction = false\n"))
    if first.no_transaction and migration.layout == "flyway":
        files.append(OutputFile(migration.path.with_name(migration.path.name + ".conf"),
                                "executeInTransaction=false\n"))
    # A diesel folder named with dashes only is all version: its steps' carry its words.
    base_name = migration.name or ("" if migration.layout == "diesel" else "migration")
    for i, (part, version) in enumerate(zip(plan.parts[1:], versions, strict=True), start=1):
        suffix = "contract" if part.contract else \
            "backfill" if part.statements[0].startswith("-- lockwise: batch") else \
            "concurrently" if part.no_transaction else "follow_up"
        if migration.layout in KEYED_BY_NAME:  # the step's number keeps them in order
            suffix = f"{i:0{len(str(len(plan.parts)))}d}_{suffix}"
        files += _new_files(migration, version, f"{base_name}_{suffix}" if base_name else suffix,
                            _body(plan, part, i, migration.layout), part.no_transaction)
    return files, notes
