"""Regenerate the PostgreSQL facts lockwise ships as data, from a real server's catalogs.

Writes src/lockwise/effects/data/functions.json (volatility of built-in functions, by name,
those whose first argument is always a regclass, the aggregates and set-returning ones, those
not strict in some overload, what a call costs where it is not one operator, and
what is not immutable for some argument types only: overloads, operators, casts) and
casts.json: the casts PostgreSQL performs without touching the data (pg_cast.castmethod = 'b'),
and among them those whose two types have different default btree operator classes (an
ALTER COLUMN ... TYPE along such a cast keeps the rows but rebuilds the column's indexes); and
what an ALTER COLUMN ... TYPE without USING may convert (find_coercion_pathway in assignment
context): the built-in types it knows, the casts usable in assignment (castcontext 'i' or
'a'), and the string types, which any type converts to through its output function; and the
same for the types of the extensions in `EXTENSIONS` (read with them created, in a transaction
rolled back, so the built-in facts above stay PostgreSQL's own): judged only where the
migrations create the extension. And relations.json: the tables and views of pg_catalog, which
an unqualified name means before any schema of the search_path. And returns.json: the type
each immutable built-in function returns, by name (its overloads' argument types where they
return different types), which an index expression's type is read from, and each
operator's operand and result types. And signatures.json:
the argument types of every function of pg_catalog, by name, which hide a migration's
function of the same name and argument types in a schema the search_path puts after it.

Run: python scripts/gen_pg_catalog_data.py            (starts the embedded server)
     python scripts/gen_pg_catalog_data.py --dsn URL  (any server)
"""

from __future__ import annotations

import argparse
import contextlib
import json
from pathlib import Path

import psycopg

from lockwise.db.scratch import scratch_server

OUT = Path(__file__).resolve().parent.parent / "src" / "lockwise" / "effects" / "data"
#: Contrib extensions whose types' casts are read (their types judged when a migration
#: creates them): citext, a string type, and hstore.
EXTENSIONS = ("citext", "hstore")
#: Contrib extensions whose GIN and GiST operator classes are read too (pg_trgm's
#: gin_trgm_ops, for `%` and LIKE of text: no default one).
INDEX_EXTENSIONS = ("pg_trgm",)


def generate(uri: str) -> None:
    with psycopg.connect(uri) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        rows = conn.execute(
            """
            SELECT p.proname, array_agg(DISTINCT p.provolatile)
            FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'pg_catalog'
            GROUP BY p.proname ORDER BY p.proname
            """
        ).fetchall()
        # A name is only as safe as its most volatile overload.
        order = {"i": 0, "s": 1, "v": 2}
        names = {"immutable": "i", "stable": "s", "volatile": "v"}
        worst = {name: max(vols, key=order.__getitem__) for name, vols in rows}
        functions = {label: sorted(n for n, v in worst.items() if v == code)
                     for label, code in names.items()}
        # A string literal passed where every overload takes regclass first is read as a
        # regclass constant (`pg_relation_size('t')`): a stored expression depends on it.
        functions["regclass_argument"] = [r[0] for r in conn.execute(
            """
            SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'pg_catalog' GROUP BY p.proname
            HAVING bool_and(p.pronargs > 0 AND p.proargtypes[0] = 'regclass'::regtype)
            ORDER BY 1
            """).fetchall()]
        # A view whose target list returns an aggregate or a set-returning function cannot be
        # written through (view_query_is_auto_updatable): the names every overload of which is
        # one, so that a call by that name is one whatever its arguments.
        for label, test in (("aggregate", "p.prokind = 'a'"), ("set_returning", "p.proretset")):
            functions[label] = [r[0] for r in conn.execute(
                f"""
                SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                WHERE n.nspname = 'pg_catalog' GROUP BY p.proname HAVING bool_and({test})
                ORDER BY 1
                """).fetchall()]
        # The planner inlines a STRICT SQL function only when its body is strict
        # (contain_nonstrict_functions): the names some overload of which is not.
        functions["not_strict"] = [r[0] for r in conn.execute(
            """
            SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'pg_catalog' GROUP BY p.proname
            HAVING NOT bool_and(p.proisstrict) ORDER BY 1
            """).fetchall()]
        # What a call costs the planner, in operators (procost; 1 unless named here, at the
        # most of its overloads): it does not inline a SQL function reading a parameter
        # twice that is passed more than 10 operators' worth (inline_function).
        functions["costs"] = dict(conn.execute(
            """
            SELECT p.proname, max(p.procost)::int FROM pg_proc p
            JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'pg_catalog' GROUP BY p.proname HAVING max(p.procost) <> 1
            ORDER BY 1
            """).fetchall())
        casts = conn.execute(
            """
            SELECT s.typname, t.typname FROM pg_cast c
            JOIN pg_type s ON s.oid = c.castsource JOIN pg_type t ON t.oid = c.casttarget
            WHERE c.castmethod = 'b' ORDER BY 1, 2
            """
        ).fetchall()
        # The operator class an index gets by default (GetDefaultOpClass): the one for the type
        # itself, else one for a type it is binary coercible to.
        opclass_changes = conn.execute(
            """
            WITH d AS (
                SELECT c.castsource AS s, c.casttarget AS t FROM pg_cast c
                WHERE c.castmethod = 'b'
            ), opc AS (
                SELECT ty.oid AS typ, coalesce(
                    (SELECT o.oid FROM pg_opclass o JOIN pg_am a ON a.oid = o.opcmethod
                     WHERE a.amname = 'btree' AND o.opcdefault AND o.opcintype = ty.oid),
                    (SELECT min(o.oid) FROM pg_opclass o JOIN pg_am a ON a.oid = o.opcmethod
                     JOIN pg_cast c ON c.casttarget = o.opcintype AND c.castmethod = 'b'
                     WHERE a.amname = 'btree' AND o.opcdefault AND c.castsource = ty.oid)
                ) AS opclass FROM pg_type ty
            )
            SELECT s.typname, t.typname FROM d
            JOIN pg_type s ON s.oid = d.s JOIN pg_type t ON t.oid = d.t
            JOIN opc os ON os.typ = d.s JOIN opc ot ON ot.typ = d.t
            WHERE os.opclass IS DISTINCT FROM ot.opclass ORDER BY 1, 2
            """
        ).fetchall()
        # Base, range and multirange types of pg_catalog; not arrays (lockwise writes int4[]
        # as int4, array) nor int2vector / oidvector (category A), nor pseudo-types.
        types = [r[0] for r in conn.execute(
            """
            SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
            WHERE n.nspname = 'pg_catalog' AND t.typtype IN ('b', 'r', 'm')
              AND t.typcategory NOT IN ('A', 'P', 'X') ORDER BY 1
            """).fetchall()]
        assignment = conn.execute(
            """
            SELECT s.typname, t.typname FROM pg_cast c
            JOIN pg_type s ON s.oid = c.castsource JOIN pg_type t ON t.oid = c.casttarget
            WHERE c.castcontext IN ('i', 'a') AND s.typname = ANY(%(types)s)
              AND t.typname = ANY(%(types)s) AND s.oid <> t.oid ORDER BY 1, 2
            """, {"types": types}).fetchall()
        strings = [r[0] for r in conn.execute(
            "SELECT typname FROM pg_type WHERE typcategory = 'S' AND typname = ANY(%(types)s) "
            "ORDER BY 1", {"types": types}).fetchall()]
        # A comparison of a column with a value of another type keeps the column's index
        # only when the operator the parser picks is in the index's operator family: one
        # taking the two types as they are (a B-tree family's cross-type operators,
        # `int2_col = 5` of int2 and int4), or one of the column's type, the value converted
        # to it without a word (an implicit cast); else the parser converts the column.
        implicit = conn.execute(
            """
            SELECT s.typname, t.typname FROM pg_cast c
            JOIN pg_type s ON s.oid = c.castsource JOIN pg_type t ON t.oid = c.casttarget
            WHERE c.castcontext = 'i' AND s.typname = ANY(%(types)s)
              AND t.typname = ANY(%(types)s) AND s.oid <> t.oid ORDER BY 1, 2
            """, {"types": types}).fetchall()
        cross_type = conn.execute(
            """
            SELECT DISTINCT l.typname, r.typname FROM pg_amop o
            JOIN pg_am a ON a.oid = o.amopmethod
            JOIN pg_type l ON l.oid = o.amoplefttype JOIN pg_type r ON r.oid = o.amoprighttype
            WHERE a.amname = 'btree' AND l.oid <> r.oid ORDER BY 1, 2
            """).fetchall()
        # Where each of the two converts to the other unasked, the parser takes the operator
        # of the preferred type of their category (text, float8, timestamptz...).
        preferred = [r[0] for r in conn.execute(
            "SELECT typname FROM pg_type WHERE typispreferred AND typname = ANY(%(types)s) "
            "ORDER BY 1", {"types": types}).fetchall()]
        # Each type's category: a function's overload is chosen, among those the arguments
        # convert to unasked, by the preferred type of each argument's own category (a date
        # goes to timestamptz, not timestamp: func_select_candidate).
        categories = dict(conn.execute(
            "SELECT typname, typcategory FROM pg_type WHERE typname = ANY(%(types)s) "
            "ORDER BY 1", {"types": types}).fetchall())
        # Where each converts to the other, the parser first takes an operator of one of
        # the two types as it is (an exact match): a type with no B-tree operator of its
        # own (varchar, compared as text) loses to one that has (bpchar).
        btree_types = [r[0] for r in conn.execute(
            """
            SELECT DISTINCT t.typname FROM pg_amop o JOIN pg_am a ON a.oid = o.amopmethod
            JOIN pg_type t ON t.oid = o.amoplefttype
            WHERE a.amname = 'btree' AND o.amoplefttype = o.amoprighttype
              AND t.typname = ANY(%(types)s) ORDER BY 1
            """, {"types": types}).fetchall()]
        # A type's own collation, where it is not the database's default (name's is "C"):
        # a value of it compared with a column of the default collation makes the
        # comparison's (a non-default implicit collation wins over the default).
        collations = dict(conn.execute(
            """
            SELECT t.typname, c.collname FROM pg_type t
            JOIN pg_collation c ON c.oid = t.typcollation
            WHERE t.typname = ANY(%(types)s) AND c.collname <> 'default' ORDER BY 1
            """, {"types": types}).fetchall())
        extension_facts = _extension_casts(conn, types)
        returns = _returns(conn)
        operators = _operators(conn)
        signatures = _signatures(conn)
        functions.update(_not_immutable_by_types(conn))
        operator_classes = _gin_gist_operator_classes(conn)
        # The server searches pg_catalog before the search_path's schemas (unless the path
        # names it): an unqualified pg_class is always the system catalog.
        relations = [r[0] for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'pg_catalog'::regnamespace "
            "AND relkind IN ('r', 'v', 'm', 'p', 'f') ORDER BY 1").fetchall()]
        view_locks = _view_locks(conn)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "relations.json").write_text(
        json.dumps({"server_version": version, "pg_catalog": relations,
                    "view_locks": view_locks}, indent=0) + "\n")
    (OUT / "functions.json").write_text(
        json.dumps({"server_version": version, **functions}, indent=0) + "\n")
    (OUT / "returns.json").write_text(
        json.dumps({"server_version": version, "returns": returns,
                    "operators": operators}, indent=0) + "\n")
    (OUT / "signatures.json").write_text(
        json.dumps({"server_version": version, "signatures": signatures}, indent=0) + "\n")
    (OUT / "casts.json").write_text(
        json.dumps({"server_version": version, "casts": [list(c) for c in casts],
                    "opclass_changes": [list(c) for c in opclass_changes],
                    "types": types, "assignment_casts": [list(c) for c in assignment],
                    "string_types": strings, "implicit_casts": [list(c) for c in implicit],
                    "btree_cross_type": [list(c) for c in cross_type],
                    "preferred_types": preferred, "type_categories": categories,
                    "btree_types": btree_types,
                    "type_collations": collations,
                    "gin_gist_operator_classes": operator_classes, **extension_facts},
                   indent=0)
        + "\n")
    print(f"wrote {OUT} from PostgreSQL {version}")


def _view_locks(conn: psycopg.Connection) -> dict[str, list[str]]:
    """For each view of pg_catalog that reads other relations, the relations of pg_catalog
    LOCK TABLE on it locks besides (in the same mode, recursively: pg_roles locks pg_authid
    and pg_db_role_setting), as the server takes them, each in a transaction rolled back."""
    views = [r[0] for r in conn.execute(  # (as a superuser: LOCK of a catalog needs it)
        "SELECT relname FROM pg_class WHERE relnamespace = 'pg_catalog'::regnamespace "
        "AND relkind = 'v' ORDER BY 1").fetchall()]
    locks = {}
    for view in views:
        with conn.transaction(force_rollback=True):
            # A mode no catalog lookup takes: the locks in it are the LOCK's alone.
            conn.execute(f"LOCK TABLE pg_catalog.{view} IN SHARE UPDATE EXCLUSIVE MODE")
            oids = [r[0] for r in conn.execute(
                "SELECT relation FROM pg_locks WHERE pid = pg_backend_pid() "
                "AND locktype = 'relation' AND mode = 'ShareUpdateExclusiveLock'")]
            locked = sorted(r[0] for r in conn.execute(
                "SELECT relname FROM pg_class WHERE oid = ANY(%(oids)s::oid[]) "
                "AND relnamespace = 'pg_catalog'::regnamespace AND relkind <> 'i' "
                "AND relname <> %(view)s", {"oids": oids, "view": view}))
        if locked:
            locks[view] = locked
    return locks


def _returns(conn: psycopg.Connection) -> dict:
    """The type each immutable built-in function returns (an index expression calls only
    immutable ones), by name: one type where every overload returns it and it is no
    polymorphic pseudo-type; else each overload as its return type then its argument types
    (an array as its element's name and `[]`, a pseudo-type by its name: anyelement, "any")."""
    rows = conn.execute(
        """
        WITH o AS (
            SELECT p.proname, p.oid, t.typname, t.typcategory, e.typname AS elem, a.i
            FROM pg_proc p
            CROSS JOIN LATERAL unnest(array_prepend(p.prorettype, p.proargtypes::oid[]))
                 WITH ORDINALITY AS a(typ, i)
            JOIN pg_type t ON t.oid = a.typ LEFT JOIN pg_type e ON e.oid = t.typelem
            WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.provolatile = 'i'
              AND p.prokind = 'f' AND NOT p.proretset
        )
        SELECT proname, array_agg(CASE WHEN typcategory = 'A' AND elem IS NOT NULL
                                       THEN elem || '[]' ELSE typname END ORDER BY i)
        FROM o GROUP BY proname, oid ORDER BY 1, 2
        """).fetchall()
    overloads: dict[str, list] = {}
    for name, types in rows:
        overloads.setdefault(name, []).append(list(types))
    return {name: found[0][0] if len({o[0] for o in found}) == 1 and
            not found[0][0].startswith("any") else found
            for name, found in overloads.items()}


def _operators(conn: psycopg.Connection) -> list[list[str]]:
    """Each operator of pg_catalog as its name, left and right operand types ("" for the
    left of a prefix one) and result type (named as `_TYPE_NAME` names them), which an
    operator expression's type is read from (`1 + 2` is an int4, `'a' || 'b'` a text)."""
    rows = conn.execute(
        f"""
        SELECT o.oprname, COALESCE({_TYPE_NAME.format(t="l", e="le")}, ''),
               {_TYPE_NAME.format(t="r", e="re")}, {_TYPE_NAME.format(t="t", e="e")}
        FROM pg_operator o
        LEFT JOIN pg_type l ON l.oid = o.oprleft LEFT JOIN pg_type le ON le.oid = l.typelem
        JOIN pg_type r ON r.oid = o.oprright LEFT JOIN pg_type re ON re.oid = r.typelem
        JOIN pg_type t ON t.oid = o.oprresult LEFT JOIN pg_type e ON e.oid = t.typelem
        WHERE o.oprnamespace = 'pg_catalog'::regnamespace ORDER BY 1, 2, 3
        """).fetchall()
    return [list(r) for r in rows]


#: A type as returns.json and the overload data name it: an array as its element's name and
#: `[]`.
_TYPE_NAME = ("CASE WHEN {t}.typcategory = 'A' AND {e}.typname IS NOT NULL "
              "THEN {e}.typname || '[]' ELSE {t}.typname END")


def _signatures(conn: psycopg.Connection) -> dict[str, list[list[str]]]:
    """The argument types (as `_TYPE_NAME` names them; OUT parameters not among them) of
    each overload of every function, aggregate and procedure of pg_catalog, by name: the
    server searches pg_catalog first unless the search_path names it, and a function found
    earlier hides one of the same name and argument types found later (checked on 18.6,
    fix-pg72)."""
    rows = conn.execute(
        f"""
        SELECT p.proname, array_agg({_TYPE_NAME.format(t="t", e="e")} ORDER BY a.i)
                   FILTER (WHERE a.i IS NOT NULL)
        FROM pg_proc p
        LEFT JOIN LATERAL unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(typ, i) ON true
        LEFT JOIN pg_type t ON t.oid = a.typ LEFT JOIN pg_type e ON e.oid = t.typelem
        WHERE p.pronamespace = 'pg_catalog'::regnamespace
        GROUP BY p.proname, p.oid ORDER BY 1, 2
        """).fetchall()
    signatures: dict[str, list[list[str]]] = {}
    for name, types in rows:
        signatures.setdefault(name, []).append(list(types or ()))
    return signatures


def _not_immutable_by_types(conn: psycopg.Connection) -> dict:
    """What is stable or volatile for some argument types only, which an index refuses
    ("functions in index expression must be marked IMMUTABLE"): `overloads`, each plain
    built-in function some overloads of which are immutable and some not, by name, each
    overload as its volatility then its argument types (`date_trunc(text, timestamptz)`
    stable, `date_trunc(text, timestamp)` immutable); `not_immutable_operators`, the binary
    operators (name, left and right type) whose function is not immutable (`timestamptz >=
    date`, `timestamptz + interval`); `not_immutable_casts`, the casts (source, target)
    that run a function that is not immutable: a cast function (`timestamptz` to `date`),
    or the output or input function of an I/O conversion, a cast of pg_cast's or one to or
    from a string type that the server makes of them (`timestamptz` to `text`)."""
    rows = conn.execute(
        f"""
        SELECT p.proname, p.oid, p.provolatile,
               array_agg({_TYPE_NAME.format(t="t", e="e")} ORDER BY a.i)
                   FILTER (WHERE a.i IS NOT NULL)
        FROM pg_proc p
        LEFT JOIN LATERAL unnest(p.proargtypes::oid[]) WITH ORDINALITY AS a(typ, i) ON true
        LEFT JOIN pg_type t ON t.oid = a.typ LEFT JOIN pg_type e ON e.oid = t.typelem
        WHERE p.pronamespace = 'pg_catalog'::regnamespace AND p.prokind = 'f'
          AND NOT p.proretset
          AND p.proname IN (SELECT proname FROM pg_proc
                            WHERE pronamespace = 'pg_catalog'::regnamespace
                              AND prokind = 'f' AND NOT proretset
                            GROUP BY proname HAVING count(DISTINCT provolatile) > 1
                              AND bool_or(provolatile = 'i'))
        GROUP BY p.proname, p.oid, p.provolatile ORDER BY 1, 2
        """).fetchall()
    overloads: dict[str, list] = {}
    for name, _, volatility, types in rows:
        overloads.setdefault(name, []).append([volatility, *(types or ())])
    operators = [list(r) for r in conn.execute(
        """
        SELECT DISTINCT o.oprname, l.typname, r.typname
        FROM pg_operator o JOIN pg_proc p ON p.oid = o.oprcode
        JOIN pg_type l ON l.oid = o.oprleft JOIN pg_type r ON r.oid = o.oprright
        WHERE o.oprnamespace = 'pg_catalog'::regnamespace AND o.oprkind = 'b'
          AND p.provolatile <> 'i' ORDER BY 1, 2, 3
        """).fetchall()]
    casts = [list(r) for r in conn.execute(
        """
        WITH io AS (
            SELECT t.oid, t.typname, o.provolatile <> 'i' AS output_moves,
                   i.provolatile <> 'i' AS input_moves, t.typcategory = 'S' AS string
            FROM pg_type t JOIN pg_proc o ON o.oid = t.typoutput
            JOIN pg_proc i ON i.oid = t.typinput
            WHERE t.typnamespace = 'pg_catalog'::regnamespace AND t.typtype IN ('b', 'r', 'm')
              AND t.typcategory NOT IN ('A', 'P')
        )
        SELECT s.typname, d.typname FROM pg_cast c
        JOIN io s ON s.oid = c.castsource JOIN io d ON d.oid = c.casttarget
        LEFT JOIN pg_proc f ON f.oid = c.castfunc
        WHERE c.castmethod = 'f' AND f.provolatile <> 'i'
           OR c.castmethod = 'i' AND (s.output_moves OR d.input_moves)
        UNION
        SELECT s.typname, d.typname FROM io s CROSS JOIN io d
        WHERE s.oid <> d.oid AND (d.string AND s.output_moves OR s.string AND d.input_moves)
          AND NOT EXISTS (SELECT FROM pg_cast c
                          WHERE c.castsource = s.oid AND c.casttarget = d.oid)
        ORDER BY 1, 2
        """).fetchall()]
    return {"overloads": overloads, "not_immutable_operators": operators,
            "not_immutable_casts": casts}


def _gin_gist_operator_classes(conn: psycopg.Connection) -> list:
    """Each operator class of GIN and GiST (with `INDEX_EXTENSIONS` created, in a transaction
    rolled back): its access method, name, whether it is its type's default, the type it
    indexes (anyarray, anyrange for any array or range), the extension that makes it ("" for
    a built-in one) and the operators whose left side is that type it serves, by name."""
    with conn.transaction(force_rollback=True):
        for name in INDEX_EXTENSIONS:
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
        rows = conn.execute(
            """
            SELECT am.amname, c.opcname, c.opcdefault, t.typname, coalesce(e.extname, ''),
                   array_agg(DISTINCT o.oprname ORDER BY o.oprname)
            FROM pg_opclass c JOIN pg_am am ON am.oid = c.opcmethod
            JOIN pg_type t ON t.oid = c.opcintype
            JOIN pg_amop a ON a.amopfamily = c.opcfamily AND a.amoplefttype = c.opcintype
                 AND a.amoppurpose = 's'
            JOIN pg_operator o ON o.oid = a.amopopr
            LEFT JOIN pg_depend d ON d.classid = 'pg_opclass'::regclass AND d.objid = c.oid
                 AND d.deptype = 'e'
            LEFT JOIN pg_extension e ON e.oid = d.refobjid
            WHERE am.amname IN ('gin', 'gist')
            GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 4, 2
            """).fetchall()
    return [[am, name, default, intype, ext, list(ops)]
            for am, name, default, intype, ext, ops in rows]


def _extension_casts(conn: psycopg.Connection, builtin: list[str]) -> dict:
    """The base types each of `EXTENSIONS` makes, the assignment casts between them and the
    built-in types (or each other), and which of them are string types: read with the
    extensions created in a transaction that is rolled back."""
    with conn.transaction(force_rollback=True):
        for name in EXTENSIONS:
            conn.execute(f"CREATE EXTENSION IF NOT EXISTS {name}")
        owned = conn.execute(
            """
            SELECT t.typname, e.extname, t.typcategory = 'S' FROM pg_type t
            JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid
                 AND d.deptype = 'e'
            JOIN pg_extension e ON e.oid = d.refobjid
            WHERE e.extname = ANY(%(names)s) AND t.typtype = 'b' AND t.typcategory <> 'A'
            ORDER BY 1
            """, {"names": list(EXTENSIONS)}).fetchall()
        types = {name: ext for name, ext, _ in owned}
        casts = conn.execute(
            """
            SELECT s.typname, t.typname FROM pg_cast c
            JOIN pg_type s ON s.oid = c.castsource JOIN pg_type t ON t.oid = c.casttarget
            WHERE c.castcontext IN ('i', 'a') AND s.oid <> t.oid
              AND (s.typname = ANY(%(ext)s) OR t.typname = ANY(%(ext)s))
              AND s.typname = ANY(%(all)s) AND t.typname = ANY(%(all)s) ORDER BY 1, 2
            """, {"ext": list(types), "all": [*builtin, *types]}).fetchall()
    return {"extension_types": types,
            "extension_assignment_casts": [list(c) for c in casts],
            "extension_string_types": [name for name, _, string in owned if string]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dsn", help="server to read (default: start the embedded one)")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        uri = args.dsn or stack.enter_context(scratch_server())
        generate(uri)


if __name__ == "__main__":
    main()
