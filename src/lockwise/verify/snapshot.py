"""A normalized, comparable picture of a database's schema, read from pg_catalog.

Two snapshots are equal when a migration's down file undid exactly what its up file did. Every
object is keyed by kind and qualified name and described by a small dict of its properties as
PostgreSQL prints them (format_type, pg_get_constraintdef, pg_get_indexdef, ...), so a
difference reads like SQL. Object ids, column positions and sequence positions are left out:
they change on any drop and re-create without changing what the application sees by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

#: Schemas that belong to PostgreSQL itself.
_SYSTEM_SCHEMAS = "('pg_catalog', 'information_schema', 'pg_toast')"
_USER_NS = (f"n.nspname NOT IN {_SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg\\_temp\\_%' "
            "AND n.nspname NOT LIKE 'pg\\_toast\\_temp\\_%'")
#: Objects created by an extension are the extension's business, not the migration's.
_NOT_FROM_EXTENSION = ("NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = {cls}::regclass "
                       "AND d.objid = {oid} AND d.deptype = 'e')")

_RELKINDS = {"r": "table", "p": "partitioned table", "f": "foreign table", "v": "view",
             "m": "materialized view"}

# Each query returns (key, property, value) rows; properties are collected per key.
_QUERIES: tuple[tuple[str, str], ...] = (
    ("schema", f"""
        SELECT n.nspname, 'owner', '' FROM pg_namespace n
        WHERE {_USER_NS} AND n.nspname <> 'public'
          AND {_NOT_FROM_EXTENSION.format(cls="'pg_namespace'", oid='n.oid')}"""),
    ("extension", """
        SELECT e.extname, 'version', e.extversion FROM pg_extension e
        WHERE e.extname <> 'plpgsql'"""),
    ("relation", f"""
        SELECT n.nspname || '.' || c.relname, 'kind', c.relkind::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND {_USER_NS}
          AND {_NOT_FROM_EXTENSION.format(cls="'pg_class'", oid='c.oid')}
        UNION ALL
        SELECT n.nspname || '.' || c.relname, 'persistence', c.relpersistence::text
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND {_USER_NS}
          AND {_NOT_FROM_EXTENSION.format(cls="'pg_class'", oid='c.oid')}
        UNION ALL
        -- Row-level security switched on changes which rows every query returns; the
        -- replica identity what logical replication sends. Each only when not the default.
        SELECT n.nspname || '.' || c.relname, p.prop, p.val
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL (VALUES
            ('row security', CASE WHEN c.relrowsecurity THEN 'enabled' END),
            ('forced row security', CASE WHEN c.relforcerowsecurity THEN 'forced' END),
            ('replica identity', CASE WHEN c.relreplident <> 'd'
                                 THEN c.relreplident::text END)
        ) AS p(prop, val)
        WHERE c.relkind IN ('r', 'p') AND p.val IS NOT NULL AND {_USER_NS}
          AND {_NOT_FROM_EXTENSION.format(cls="'pg_class'", oid='c.oid')}
        UNION ALL
        SELECT n.nspname || '.' || c.relname, 'partition key', pg_get_partkeydef(c.oid)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind = 'p' AND {_USER_NS}
        UNION ALL
        SELECT n.nspname || '.' || c.relname, 'options', array_to_string(c.reloptions, ', ')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'm', 'v') AND c.reloptions IS NOT NULL AND {_USER_NS}
        UNION ALL
        SELECT n.nspname || '.' || c.relname, 'definition',
               regexp_replace(pg_get_viewdef(c.oid), '\\s+', ' ', 'g')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('v', 'm') AND {_USER_NS}
          AND {_NOT_FROM_EXTENSION.format(cls="'pg_class'", oid='c.oid')}"""),
    ("column", f"""
        SELECT n.nspname || '.' || c.relname || '.' || a.attname, p.prop, p.val
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        JOIN pg_type t ON t.oid = a.atttypid
        LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
        CROSS JOIN LATERAL (VALUES
            ('type', format_type(a.atttypid, a.atttypmod)),
            ('nullable', CASE WHEN a.attnotnull THEN 'NOT NULL' ELSE 'NULL' END),
            ('default', CASE WHEN a.attgenerated = '' THEN pg_get_expr(ad.adbin, ad.adrelid)
                        END),
            ('generated', CASE WHEN a.attgenerated <> ''
                          THEN pg_get_expr(ad.adbin, ad.adrelid) END),
            ('identity', NULLIF(a.attidentity::text, '')),
            ('collation', CASE WHEN a.attcollation <> 0 AND a.attcollation <> t.typcollation
                          THEN a.attcollation::regcollation::text END),
            -- SET STORAGE: only a storage other than the type's own
            ('storage', CASE WHEN a.attstorage <> t.typstorage THEN a.attstorage::text END)
        ) AS p(prop, val)
        WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f', 'v', 'm')
          AND {_USER_NS} AND {_NOT_FROM_EXTENSION.format(cls="'pg_class'", oid='c.oid')}
          AND p.val IS NOT NULL"""),
    # NOT NULL constraints (PostgreSQL 18 lists them in pg_constraint) are the columns'
    # nullability above; their generated names are not part of the schema anyone relies on.
    ("constraint", f"""
        SELECT n.nspname || '.' || coalesce(c.relname, t.typname) || '.' || con.conname,
               'definition', pg_get_constraintdef(con.oid)
        FROM pg_constraint con
        JOIN pg_namespace n ON n.oid = con.connamespace
        LEFT JOIN pg_class c ON c.oid = con.conrelid
        LEFT JOIN pg_type t ON t.oid = con.contypid
        WHERE con.contype <> 'n' AND {_USER_NS}
          AND {_NOT_FROM_EXTENSION.format(cls="'pg_constraint'", oid='con.oid')}"""),
    ("index", f"""
        SELECT n.nspname || '.' || ic.relname, p.prop, p.val
        FROM pg_index i
        JOIN pg_class ic ON ic.oid = i.indexrelid
        JOIN pg_namespace n ON n.oid = ic.relnamespace
        CROSS JOIN LATERAL (VALUES
            ('definition', pg_get_indexdef(i.indexrelid)),
            ('valid', CASE WHEN NOT i.indisvalid THEN 'INVALID' END)
        ) AS p(prop, val)
        WHERE {_USER_NS} AND p.val IS NOT NULL
          AND {_NOT_FROM_EXTENSION.format(cls="'pg_class'", oid='ic.oid')}"""),
    ("type", f"""
        SELECT n.nspname || '.' || t.typname, p.prop, p.val
        FROM pg_type t
        JOIN pg_namespace n ON n.oid = t.typnamespace
        CROSS JOIN LATERAL (VALUES
            ('kind', CASE t.typtype WHEN 'e' THEN 'enum' WHEN 'd' THEN 'domain'
                     WHEN 'c' THEN 'composite' WHEN 'r' THEN 'range' ELSE t.typtype::text END),
            ('labels', CASE WHEN t.typtype = 'e' THEN (
                SELECT string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder)
                FROM pg_enum e WHERE e.enumtypid = t.oid) END),
            ('base type', CASE WHEN t.typtype = 'd'
                          THEN format_type(t.typbasetype, t.typtypmod) END),
            ('nullable', CASE WHEN t.typtype = 'd' AND t.typnotnull THEN 'NOT NULL' END),
            ('default', t.typdefault),
            ('attributes', CASE WHEN t.typtype = 'c' THEN (
                SELECT string_agg(a.attname || ' ' || format_type(a.atttypid, a.atttypmod),
                                  ', ' ORDER BY a.attnum)
                FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0
                  AND NOT a.attisdropped) END)
        ) AS p(prop, val)
        WHERE t.typtype IN ('e', 'd', 'c', 'r') AND {_USER_NS} AND p.val IS NOT NULL
          AND (t.typtype <> 'c' OR (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c')
          AND {_NOT_FROM_EXTENSION.format(cls="'pg_type'", oid='t.oid')}"""),
    ("function", f"""
        SELECT n.nspname || '.' || p.proname || '(' ||
               pg_get_function_identity_arguments(p.oid) || ')',
               'definition',
               CASE WHEN p.prokind IN ('f', 'p') THEN pg_get_functiondef(p.oid)
                    ELSE p.prokind::text || ' returns ' || format_type(p.prorettype, NULL) END
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE {_USER_NS} AND {_NOT_FROM_EXTENSION.format(cls="'pg_proc'", oid='p.oid')}"""),
    ("sequence", f"""
        SELECT n.nspname || '.' || c.relname, p.prop, p.val
        FROM pg_sequence s
        JOIN pg_class c ON c.oid = s.seqrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN LATERAL (VALUES
            ('type', format_type(s.seqtypid, NULL)),
            ('start', s.seqstart::text),
            ('increment', s.seqincrement::text),
            ('range', s.seqmin::text || '..' || s.seqmax::text),
            ('cycle', CASE WHEN s.seqcycle THEN 'CYCLE' END),
            ('owned by', (
                SELECT dn.nspname || '.' || dc.relname || '.' || da.attname
                FROM pg_depend d
                JOIN pg_class dc ON dc.oid = d.refobjid
                JOIN pg_namespace dn ON dn.oid = dc.relnamespace
                JOIN pg_attribute da ON da.attrelid = d.refobjid AND da.attnum = d.refobjsubid
                WHERE d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                  AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                LIMIT 1))
        ) AS p(prop, val)
        WHERE {_USER_NS} AND p.val IS NOT NULL
          AND {_NOT_FROM_EXTENSION.format(cls="'pg_class'", oid='c.oid')}"""),
    ("trigger", f"""
        SELECT n.nspname || '.' || c.relname || '.' || tg.tgname, 'definition',
               pg_get_triggerdef(tg.oid) ||
               CASE tg.tgenabled WHEN 'D' THEN ' (disabled)' ELSE '' END
        FROM pg_trigger tg
        JOIN pg_class c ON c.oid = tg.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT tg.tgisinternal AND {_USER_NS}"""),
    ("policy", f"""
        SELECT n.nspname || '.' || c.relname || '.' || pol.polname, 'definition',
               pol.polcmd::text || ' ' || coalesce(pg_get_expr(pol.polqual, pol.polrelid), '')
               || ' ' || coalesce(pg_get_expr(pol.polwithcheck, pol.polrelid), '')
        FROM pg_policy pol
        JOIN pg_class c ON c.oid = pol.polrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_NS}"""),
)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Schema objects by `kind name` (e.g. `column public.users.email`) -> properties."""

    objects: dict[str, dict[str, str]]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Snapshot) and self.objects == other.objects

    def __hash__(self) -> int:  # pragma: no cover - snapshots are not used as keys
        return hash(tuple(sorted(self.objects)))

    def names(self, kind: str) -> set[str]:
        """Names of the objects of one kind, e.g. `names("relation")`."""
        prefix = kind + " "
        return {k[len(prefix):] for k in self.objects if k.startswith(prefix)}


_TIMESTAMP_LITERAL = re.compile(
    r"'(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d(?::\d\d)?)?'")
#: What a creation-time timestamp literal is replaced with.
CREATION_TIME = "'<time of creation>'"


def _mask_creation_times(value: str, since: datetime, until: datetime) -> str:
    """Replace timestamp literals that fall within the verify run by a placeholder.

    `'now'::timestamp` in a view or default is evaluated when the object is created and
    stored as a literal; re-creating the object by down and up gives another literal, which
    is not a difference anyone wrote.
    """
    def repl(match: re.Match[str]) -> str:
        try:
            stamp = datetime.fromisoformat(match.group(1))
        except ValueError:
            return match.group(0)
        return CREATION_TIME if since <= stamp <= until else match.group(0)

    return _TIMESTAMP_LITERAL.sub(repl, value) if "'" in value else value


def take_snapshot(conn: Any, since: datetime | None = None) -> Snapshot:
    """Read the schema visible to `conn` (a psycopg connection) into a Snapshot.

    With `since` (the server's `localtimestamp` when the run started), timestamp literals from
    the run's own time window are masked: see `_mask_creation_times`.
    """
    objects: dict[str, dict[str, str]] = {}
    until = None
    if since is not None:
        until = conn.execute("SELECT localtimestamp").fetchone()[0] + timedelta(seconds=1)
    for kind, query in _QUERIES:
        for name, prop, value in conn.execute(query).fetchall():
            if until is not None and value:
                value = _mask_creation_times(value, since, until)
            objects.setdefault(f"{kind} {name}", {})[prop] = value
    return Snapshot(objects)


@dataclass(frozen=True, slots=True)
class Difference:
    """One object that differs between two snapshots; `before`/`after` are None when absent."""

    key: str
    before: dict[str, str] | None
    after: dict[str, str] | None

    def describe(self, before_label: str = "before up", after_label: str = "after down",
                 width: int = 100) -> str:
        """One line per difference, SQL-like: `column public.t.c: type integer -> bigint`."""
        if self.before is None:
            return f"+ {self.key}: only {after_label}{_summary(self.after, width)}"
        if self.after is None:
            return f"- {self.key}: missing {after_label}{_summary(self.before, width)}"
        parts = []
        for prop in sorted(set(self.before) | set(self.after)):
            old, new = self.before.get(prop), self.after.get(prop)
            if old != new:
                start = _first_difference(old, new, width)
                parts.append(f"{prop} {_short(old, width, start)} ({before_label}) -> "
                             f"{_short(new, width, start)} ({after_label})")
        return f"~ {self.key}: " + "; ".join(parts)


def _flat(value: str) -> str:
    return " ".join(value.split())


def _first_difference(old: str | None, new: str | None, width: int) -> int:
    """Where to start showing two long values so the first difference is in view."""
    if old is None or new is None:
        return 0
    a, b = _flat(old), _flat(new)
    if len(a) <= width and len(b) <= width:
        return 0
    i = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y),
             min(len(a), len(b)))
    return max(0, i - width // 4)


def _short(value: str | None, width: int, start: int = 0) -> str:
    if value is None:
        return "(none)"
    flat = _flat(value)
    head = "..." if start > 0 else ""
    flat = flat[start:]
    return head + (flat if len(flat) <= width else flat[: width - 3] + "...")


def _summary(props: dict[str, str] | None, width: int) -> str:
    if not props:
        return ""
    main = props.get("definition") or props.get("type") or props.get("labels") or \
        props.get("kind")
    if main is None:
        return ""
    text = _RELKINDS.get(main, main) if "kind" in props and main == props.get("kind") else main
    return f" ({_short(text, width)})"


def diff_snapshots(before: Snapshot, after: Snapshot) -> list[Difference]:
    """Objects added, removed or changed from `before` to `after`, sorted by key."""
    out = []
    for key in sorted(set(before.objects) | set(after.objects)):
        old, new = before.objects.get(key), after.objects.get(key)
        if old != new:
            out.append(Difference(key, old, new))
    return out
