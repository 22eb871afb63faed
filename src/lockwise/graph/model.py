"""What the graph says: migrations (nodes), why one depends on another (edges), conflicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lockwise.core.types import Migration, Safety, pickled_by_fields, place_text

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import PurePath

    from lockwise.parse.source import InputError
    from lockwise.rules.model import Rule

#: How serious each conflict kind is, on lint's scale, so `--fail-on` also applies to them.
#: A conflict that makes a deploy fail half-way or silently drop an object is as bad as a
#: statement that requires downtime; ordering and rollback problems need a reviewer's care.
CONFLICT_SAFETY: dict[str, Safety] = {
    # Two migrations claim one version: runners skip one of them or refuse to start.
    "duplicate-version": Safety.REQUIRES_DOWNTIME,
    # Tools that sort versions as text and tools that sort them as numbers disagree.
    "ambiguous-order": Safety.SAFE_WITH_CARE,
    # The migration fails at deploy time: the object it uses is gone, never there, or made
    # only by a later migration.
    "missing-object": Safety.REQUIRES_DOWNTIME,
    # A drop that fails (a view or FK still depends on it) or CASCADE-drops the dependent.
    "dependency-dropped": Safety.REQUIRES_DOWNTIME,
    # Two branches change the same object in ways whose result depends on the order.
    "non-commuting": Safety.REQUIRES_DOWNTIME,
    # A new migration sorts before one already applied: many runners skip or reject it.
    "out-of-order": Safety.SAFE_WITH_CARE,
    # Rolling back leaves the schema different from before the up migration.
    "down-mismatch": Safety.SAFE_WITH_CARE,
    # `--base`: an applied migration edited. Runners that verify checksums refuse to deploy;
    # the others never run the edit where it was applied: the schemas drift apart.
    "edited-applied": Safety.REQUIRES_DOWNTIME,
    # `--base`: an applied migration under a new version: it runs again, and fails.
    "renamed-applied": Safety.REQUIRES_DOWNTIME,
    # `--base`: an applied migration deleted. Deliberate when squashing a history into a
    # baseline, and lockwise apply only warns: a reviewer's call.
    "deleted-applied": Safety.SAFE_WITH_CARE,
}


# Not frozen, as the core types (see lockwise.core.types): one is built per statement.
@pickled_by_fields
@dataclass(slots=True, unsafe_hash=True)
class Location:
    """Where a conflict points: a migration and, when known, the statement's line/column."""

    migration: str
    path: str
    line: int | None = None
    column: int | None = None

    def text(self) -> str:
        return place_text(self.path, self.line, self.column)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.migration, "path": self.path, "line": self.line,
                "column": self.column}


@pickled_by_fields
@dataclass(frozen=True, slots=True)
class Conflict:
    """A conflict the graph found (a kind of CONFLICT_TITLES): where, on what, and why."""

    kind: str
    locations: tuple[Location, ...]
    #: lockwise's key of what it is about (`table:public.users`, `version:2`): for machines.
    object: str
    explanation: str
    #: What to do about this one, when its kind's step (CONFLICT_NEXT_STEPS) does not fit.
    step: str = ""
    #: `object` as the user writes it (`view public.v`, `function public.f(integer)`), when
    #: the graph knew more than the key says; else `object_key_sql` of it (`object_name`).
    shown: str = ""

    @property
    def safety(self) -> Safety:
        """Its kind's; a conflict of a rule's id (a down's statement PostgreSQL refuses,
        reported with the rule that reports it in an up) has the rule's."""
        found = CONFLICT_SAFETY.get(self.kind)
        return found if found is not None else _builtin_rule(self.kind).safety

    @property
    def title(self) -> str:
        """What its kind means, in one line (CONFLICT_TITLES; a rule's id: the rule's)."""
        found = CONFLICT_TITLES.get(self.kind)
        return found if found is not None else _builtin_rule(self.kind).title

    @property
    def migrations(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(loc.migration for loc in self.locations))

    @property
    def object_name(self) -> str:
        """What it is about, as the user writes it: `table public.users`, `view public.v`,
        `function public.f(integer)`, `column public.t.c`, `version 2`."""
        if self.shown:
            return self.shown
        from lockwise.parse.quoting import object_key_sql

        return object_key_sql(self.object)

    @property
    def next_step(self) -> str:
        """What to do about it, in one line: its own step, else its kind's
        (CONFLICT_NEXT_STEPS); "" for a kind without."""
        return self.step or CONFLICT_NEXT_STEPS.get(self.kind, "")

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "safety": self.safety.label,
                "migrations": [loc.to_dict() for loc in self.locations],
                "object": self.object, "object_name": self.object_name,
                "explanation": self.explanation,
                "next": self.next_step}


def _builtin_rule(rule_id: str) -> Rule:
    """The built-in rule of a conflict whose kind is a rule's id."""
    from lockwise.rules.loader import load_rules

    return next(rule for rule in load_rules() if rule.id == rule_id)


#: What each kind of conflict means, in one line (CI reports list them beside the rules).
CONFLICT_TITLES: dict[str, str] = {
    "duplicate-version": "Two migrations have the same version",
    "ambiguous-order": "Versions that sort one way as numbers and another as text",
    "missing-object": "A migration uses an object that is gone or not there yet",
    "dependency-dropped": "A drop that fails, or CASCADE-drops a view or foreign key",
    "non-commuting": "Migrations from two branches change the same object, order matters",
    "out-of-order": "A new migration sorts before one already applied",
    "down-mismatch": "The down migration does not undo the up migration",
    "edited-applied": "A migration already applied was edited",
    "renamed-applied": "A migration already applied was moved to another version",
    "deleted-applied": "A migration already applied was deleted",
}


#: What to do about each kind of conflict, in one line: the text report's `next:`, the
#: JSON `next`, and the CI formats' (see lockwise.report.ci_common.next_step).
CONFLICT_NEXT_STEPS: dict[str, str] = {
    "duplicate-version": "renumber the later one: give it a version of its own, after the "
                         "newest (a Liquibase changeset: another id, a Flyway repeatable: "
                         "another description); if one was applied somewhere already, keep "
                         "it and renumber the other",
    "ambiguous-order": "pad the versions to one width (009, 010): text and number order then "
                       "agree",
    "missing-object": "write the later migration against the schema the earlier one leaves: "
                      "the new name after a rename, or create the object again first; or drop "
                      "the statement",
    "dependency-dropped": "drop what depends on it first (DROP VIEW, DROP CONSTRAINT), or "
                          "create it again in the same migration after the drop",
    "non-commuting": "merge or rebase onto the base, rewrite this branch's migration against "
                     "what the other one does, and give it a version after it",
    "out-of-order": "give the new migration a version after the newest one already applied",
    "down-mismatch": "make the down migration restore what the up one changes, or leave the "
                     "check out with --ignore down-mismatch if downs are never run",
    "edited-applied": "undo the edit and make the change in a new migration",
    "renamed-applied": "move it back to its version, and make any change in a new migration",
    "deleted-applied": "restore it, unless the history was squashed into a baseline on "
                       "purpose",
}


#: What each tool does with two migrations of one version (a `duplicate-version`), as its
#: source reads them: a conflict's explanation says its layout's, the SARIF help lists all.
#: (Django and Rails know a migration by its app and name, or run Ruby: no lockwise layout;
#: prisma, sql-migrate and drizzle know one by its whole name, sqitch by its change name,
#: Liquibase by its author:id: the conflict says so itself.)
DUPLICATE_VERSION_BY_LAYOUT: dict[str, str] = {
    # Flyway's validate, over every folder of its locations.
    "flyway": "Flyway refuses to start (\"Found more than one migration with version\")",
    # pkg/dbmate/db.go FindMigrations and Migrate; postgres.go: schema_migrations' version is
    # its primary key.
    "dbmate": "dbmate runs {first} and records the version; the other one's insert into "
              "schema_migrations then fails on its primary key and the deploy stops there "
              "(with transaction:false its statements stay applied), and where the version "
              "is recorded already it counts as applied and never runs",
    # popx Migrator.UpTo: the version's row looked up before each migration (migrator.go),
    # after a sort.Sort by version (migration_info.go), which is not stable.
    "pop": "pop runs one of {all}, which one its sort does not fix, and records the version "
           "in schema_migration; the other then counts as applied and never runs",
    # Its source drivers: `if !ms.Append(m) { return source.ErrDuplicateMigration }`.
    "golang-migrate": "golang-migrate refuses the folder (source.ErrDuplicateMigration: "
                      "\"duplicate migration file\")",
    # migrate.go's Migrations.Less panics, provider_collect.go returns an error.
    "goose": "goose refuses to start (`goose up`: \"duplicate version N detected\"; "
             "goose.NewProvider: \"found duplicate migration version\")",
    # sqlx-core src/migrate/source.rs, resolve_blocking: read_dir, then a stable sort by the
    # version alone (a tie keeps the file system's order, which is no name order: ext4 lists
    # by hash); migrator.rs runs what _sqlx_migrations lacks; sqlx-postgres migrate.rs
    # inserts the row in the migration's transaction (version: its primary key); error.rs:
    # VersionMismatch.
    "sqlx": "sqlx runs {all} in the order its directory listing gives them, which is not "
            "fixed (it sorts by version alone, and a tie keeps the file system's order, not "
            "name order): the first listed runs and records the version; the other one's "
            "insert into _sqlx_migrations then fails on its primary key, rolling its "
            "statements back (not those of a `-- no-transaction` one), and `sqlx migrate run` "
            "stops there; every later run refuses (\"migration N was previously applied but "
            "has been modified\")",
    # diesel_migrations src/migration_harness.rs, pending_migrations: the migrations collected
    # into a HashMap by version, the last of a version replacing the others; migrations_macros
    # src/embed_migrations.rs sorts the folders by path first (`sort_by_key(DirEntry::path)`),
    # file_based_migrations.rs (`diesel migration run`) takes them in read_dir's order.
    "diesel": "diesel runs one of them and never runs the other, without a word "
              "(pending_migrations keeps the last of a version): `embed_migrations!`, which "
              "sorts the folders by "
              "path, keeps {kept} and never runs {dropped}; `diesel migration run` keeps the "
              "one its directory listing gives last, which is not fixed",
    # cli/migrate/source/migration.go, Migrations.Append: "reject duplicate versions"; the
    # file source's Scan returns its error, before any migration runs.
    "hasura": "the Hasura CLI refuses the folder (\"found duplicate migrations for version "
              "N\"): `hasura migrate apply` runs none of them",
    # tern migrate/migrate.go, FindMigrationsEx.
    "tern": "tern refuses the folder (\"Duplicate migration N\")",
    # postgrator.js, getMigrations.
    "postgrator": "postgrator refuses the folder (\"Two migrations found with version N and "
                  "action do\")",
    # sql/migrate/migrate.go: Executor.Execute finds the version's revision applied already
    # (HistoryChangedError); Executor.Pending then counts both as applied.
    "atlas": "Atlas runs {first} (its files in name order) and records the version; at the "
             "other one it finds that version applied already and `atlas migrate apply` stops "
             "(\"history changed: statement N from file ... changed\"); later runs count both "
             "as applied, and the other never runs",
    # pkg/migration/apply.go, file.go: ExecBatch sends the statements and the history row
    # as one implicit transaction; the version is the table's primary key.
    "supabase": "the Supabase CLI runs {first} (its files in name order) and records the "
                "version; the other one's batch then fails on the primary key of "
                "supabase_migrations.schema_migrations, its statements rolled back with it, "
                "and `supabase db push` stops there, on every push",
    # src/migration.ts, getAllMigrations: each committed migration names the hash of the one
    # before it.
    "graphile-migrate": "graphile-migrate refuses the folder (\"Previous migration with hash "
                        "... doesn't match ...'s expected previous hash\"): each committed "
                        "migration names the hash of the one before it",
}
#: The same, for the layouts not in DUPLICATE_VERSION_BY_LAYOUT.
DUPLICATE_VERSION_ANY = ("runners record applied migrations by version, so one of them is "
                         "skipped or the runner refuses to start")
#: The spelling of each layout of DUPLICATE_VERSION_BY_LAYOUT in a list of them.
_TOOL_NAMES = {"flyway": "Flyway", "atlas": "Atlas", "supabase": "Supabase CLI",
               "hasura": "Hasura CLI", "pop": "pop (Ory's popx)"}


def _listed(names: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return " and ".join(names) if len(names) < 3 else \
        f"{', '.join(names[:-1])} and {names[-1]}"


def duplicate_version_effect(layout: str, paths: Sequence[PurePath] = ()) -> str:
    """What `layout`'s tool does with two migrations of one version; `paths`: their files, in
    the order the tool runs them, which the text names (dbmate's first, the folder
    `embed_migrations!` keeps of diesel's, sqlx's all): the same text whatever order the file
    system lists them in. Without them, the text for any (the SARIF help)."""
    text = DUPLICATE_VERSION_BY_LAYOUT.get(layout, DUPLICATE_VERSION_ANY)
    if not paths:
        return text.replace("{first}", "the first by file name").replace(
            "{all}", "them").replace("{kept}", "the last by folder name").replace(
            "{dropped}", "the other")
    # A diesel migration is its folder, which embed_migrations! sorts by path (Rust compares
    # the names' bytes: the order of code points).
    names = [p.parent.name if layout == "diesel" else p.name for p in paths]
    kept = max(names)
    return text.replace("{first}", names[0]).replace("{all}", _listed(sorted(names))).replace(
        "{kept}", kept).replace("{dropped}", _listed(sorted(n for n in names if n != kept)))


def duplicate_version_effects() -> list[tuple[str, str]]:
    """(tool, what it does with two migrations of one version) of each layout that says, then
    of the others."""
    return [*((_TOOL_NAMES.get(layout, layout), duplicate_version_effect(layout))
              for layout in DUPLICATE_VERSION_BY_LAYOUT),
            ("other layouts", DUPLICATE_VERSION_ANY)]


#: What to do about two down (undo) files of one version (a `duplicate-version`): giving one
#: a version of its own would leave it without its up migration.
DUPLICATE_DOWN_STEP = ("keep one down (undo) file per version: merge the statements of the "
                       "others into it, or delete them")


#: Edge reasons, strongest dependency first (plain version order last).
EDGE_REASONS = ("created-by", "fk-target", "view-over", "dropped-after-use", "order")


@dataclass(slots=True)
class MigrationGraph:
    """Nodes are migration ids in replay order; `edges[(a, b)]` maps a reason to the objects
    behind it (a must run before b). `graph` is the same as a networkx DiGraph."""

    migrations: list[Migration]
    #: Node key of each migration: its id, with `#2`, `#3` added when ids repeat.
    keys: list[str] = field(default_factory=list)
    edges: dict[tuple[str, str], dict[str, list[str]]] = field(default_factory=dict)
    conflicts: list[Conflict] = field(default_factory=list)
    #: Migrations whose down migration was replayed against their up migration.
    downs_checked: int = 0
    #: What PostgreSQL's parser rejects in the up migrations it parsed itself (lint reports
    #: its own): input errors at their file:line:column, their statements left out.
    rejected: list[InputError] = field(default_factory=list)
    graph: Any = None

    def dependency_graph(self) -> Any:
        """The networkx DiGraph of object-level dependencies (version order left out)."""
        import networkx as nx

        g = nx.DiGraph()
        g.add_nodes_from(self.keys)
        g.add_edges_from(k for k, reasons in self.edges.items()
                         if any(r != "order" for r in reasons))
        return g

    def worst_conflict(self) -> Safety | None:
        return max((c.safety for c in self.conflicts), default=None)
