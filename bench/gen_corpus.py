"""Generate a deterministic corpus of realistic PostgreSQL migration files for benchmarking.

    python bench/gen_corpus.py OUT_DIR [--files 10000] [--seed 7]
    python bench/gen_corpus.py OUT_DIR --dump-tables 1000   # one pg_dump-style schema file
    python bench/gen_corpus.py OUT_DIR --files 600 --savepoints  # every tenth rolled back to one
    python bench/gen_corpus.py OUT_DIR --wide-columns 1000  # a wide table, then ADD COLUMNs
    python bench/gen_corpus.py OUT_DIR --sequence-renames 1000  # sequences renamed and moved

Writes OUT_DIR/00001_<name>.sql ... (a plain layout both lockwise and squawk read). The mix
follows the shared corpora (prisma/diesel style): comments before statements, CREATE TABLE with
a handful of columns and constraints, ADD/DROP/ALTER COLUMN, indexes (some CONCURRENTLY),
foreign keys, enums, backfill UPDATEs, views and plpgsql trigger functions in $$ bodies; later
files refer to tables created by earlier ones, so the catalog replay does real work, and
PostgreSQL runs them all in order (`lockwise verify OUT_DIR` checks that). The same
seed and count always produce byte-identical files, and the first N files of a larger run equal
a run with --files N (so sub-corpora measure linear growth).
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

TYPES = ["INTEGER", "BIGINT", "TEXT", "VARCHAR(255)", "BOOLEAN", "TIMESTAMP(3)", "TIMESTAMPTZ",
         "JSONB", "UUID", "DOUBLE PRECISION", "NUMERIC(12,2)", "DATE"]
WORDS = ["user", "account", "team", "document", "recipient", "field", "webhook", "token",
         "session", "invoice", "payment", "comment", "post", "community", "image", "report",
         "folder", "template", "audit_log", "setting", "member", "invite", "envelope", "tag"]
COLUMN_WORDS = ["name", "email", "status", "created_at", "updated_at", "deleted", "score",
                "title", "url", "body", "owner_id", "team_id", "visibility", "expires_at",
                "metadata", "position", "locale", "secret", "kind", "counter"]


#: A literal each type accepts as a default.
DEFAULTS = {"INTEGER": "0", "BIGINT": "0", "TEXT": "''", "VARCHAR(255)": "''",
            "BOOLEAN": "false", "TIMESTAMP(3)": "CURRENT_TIMESTAMP",
            "TIMESTAMPTZ": "CURRENT_TIMESTAMP", "JSONB": "'{}'", "UUID": "gen_random_uuid()",
            "DOUBLE PRECISION": "0", "NUMERIC(12,2)": "0", "DATE": "CURRENT_DATE"}
#: The types each type converts to without USING (what a prisma migration would emit).
CONVERSIONS = {"INTEGER": ["BIGINT", "NUMERIC(12,2)", "DOUBLE PRECISION", "TEXT"],
               "BIGINT": ["INTEGER", "NUMERIC(12,2)", "TEXT"],
               "NUMERIC(12,2)": ["DOUBLE PRECISION", "BIGINT", "TEXT"],
               "DOUBLE PRECISION": ["NUMERIC(12,2)", "TEXT"],
               "TEXT": ["VARCHAR(255)"], "VARCHAR(255)": ["TEXT"],
               "TIMESTAMP(3)": ["TIMESTAMPTZ", "TEXT"], "TIMESTAMPTZ": ["TIMESTAMP(3)"],
               "DATE": ["TIMESTAMP(3)", "TEXT"], "BOOLEAN": ["TEXT"], "JSONB": ["TEXT"],
               "UUID": ["TEXT"]}


class Generator:
    """Migrations that PostgreSQL runs as written, one after the other (`lockwise verify`
    runs them): it tracks each table's columns and types, the indexes, views and foreign keys,
    so that a statement never uses what an earlier one dropped, retypes what a view or a key
    depends on, or gives a default of the wrong type."""

    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        #: table -> column -> (type, has a default)
        self.tables: dict[str, dict[str, tuple[str, bool]]] = {}
        #: index -> (table, column)
        self.indexes: dict[str, tuple[str, str]] = {}
        #: (table, column) pairs a view reads or a foreign key holds: not dropped or retyped
        self.pinned: set[tuple[str, str]] = set()
        self.serial = 0

    def name(self, words: list[str]) -> str:
        self.serial += 1
        return f"{self.rng.choice(words)}_{self.serial}"

    def column_def(self) -> tuple[str, str, str, bool]:
        """(column, type, its SQL, whether it has a default)."""
        col = self.name(COLUMN_WORDS)
        kind = self.rng.choice(TYPES)
        text = f'"{col}" {kind}'
        roll = self.rng.random()
        if roll < 0.3:
            text += " NOT NULL"
        elif roll < 0.45:
            text += " NOT NULL DEFAULT CURRENT_TIMESTAMP" if "TIME" in text else " DEFAULT NULL"
        return col, kind, text, "DEFAULT CURRENT" in text

    def create_table(self) -> str:
        table = self.name(WORDS)
        cols = [self.column_def() for _ in range(self.rng.randint(2, 9))]
        self.tables[table] = {col: (kind, default) for col, kind, _, default in cols}
        lines = ['    "id" SERIAL NOT NULL', *(f"    {c[2]}" for c in cols),
                 f'    CONSTRAINT "{table}_pkey" PRIMARY KEY ("id")']
        return f'-- CreateTable\nCREATE TABLE "{table}" (\n' + ",\n".join(lines) + "\n);"

    def table(self) -> str:
        return self.rng.choice(list(self.tables))

    def column(self, table: str, free: bool = False) -> str | None:
        """A column of `table` (with `free`, one no view or key depends on)."""
        cols = [c for c in self.tables[table] if not free or (table, c) not in self.pinned]
        return self.rng.choice(cols) if cols else None

    def statement(self) -> str:
        if not self.tables or self.rng.random() < 0.12:
            return self.create_table()
        t = self.table()
        kind = self.rng.choices(
            ["add_column", "drop_column", "index", "index_conc", "drop_index", "fk", "not_null",
             "type", "default", "enum", "update", "view", "function", "rename", "unique"],
            weights=[18, 4, 14, 5, 4, 8, 5, 4, 5, 3, 5, 2, 2, 2, 3])[0]
        cols = self.tables[t]
        if kind == "add_column":
            col, type_, text, default = self.column_def()
            cols[col] = (type_, default)
            return f'-- AlterTable\nALTER TABLE "{t}" ADD COLUMN     {text};'
        if kind == "drop_column" and len(cols) > 1 and (col := self.column(t, free=True)):
            del cols[col]
            # PostgreSQL drops the column's indexes with it.
            self.indexes = {i: tc for i, tc in self.indexes.items() if tc != (t, col)}
            return f'-- AlterTable\nALTER TABLE "{t}" DROP COLUMN "{col}";'
        if kind in ("index", "index_conc", "unique") and (c := self.column(t)):
            ix = f"{t}_{c}_idx"[:60] + str(self.serial)
            self.serial += 1
            self.indexes[ix] = (t, c)
            conc = "CONCURRENTLY " if kind == "index_conc" else ""
            uniq = "UNIQUE " if kind == "unique" else ""
            return f'-- CreateIndex\nCREATE {uniq}INDEX {conc}"{ix}" ON "{t}"("{c}");'
        if kind == "drop_index" and self.indexes:
            ix = next(reversed(self.indexes))
            del self.indexes[ix]
            return f'-- DropIndex\nDROP INDEX "{ix}";'
        if kind == "fk":
            other = self.table()
            keys = [c for c, (type_, _) in cols.items() if type_ in ("INTEGER", "BIGINT")]
            c = self.rng.choice(keys) if keys else None
            prefix = ""
            if c is None:  # no integer column to hold the key: add one, as prisma does
                c = self.name(["owner_id", "team_id", "parent_id"])
                cols[c] = ("INTEGER", False)
                prefix = f'-- AlterTable\nALTER TABLE "{t}" ADD COLUMN     "{c}" INTEGER;\n\n'
            self.pinned.add((t, c))
            return (f'{prefix}-- AddForeignKey\nALTER TABLE "{t}" ADD CONSTRAINT '
                    f'"{t}_{c}_fkey{self.serial}" FOREIGN KEY ("{c}") REFERENCES "{other}"("id") '
                    "ON DELETE CASCADE ON UPDATE CASCADE;")
        if kind == "not_null" and (c := self.column(t)):
            return f'ALTER TABLE "{t}" ALTER COLUMN "{c}" SET NOT NULL;'
        if kind == "type" and (c := self.column(t, free=True)) and not cols[c][1]:
            new = self.rng.choice(CONVERSIONS[cols[c][0]])
            cols[c] = (new, False)
            return f'ALTER TABLE "{t}" ALTER COLUMN "{c}" SET DATA TYPE {new};'
        if kind == "default" and (c := self.column(t)):
            cols[c] = (cols[c][0], True)
            return f'ALTER TABLE "{t}" ALTER COLUMN "{c}" SET DEFAULT {DEFAULTS[cols[c][0]]};'
        if kind == "enum":
            name = self.name(["Role", "Status", "Kind"])
            values = ", ".join(f"'{v}'" for v in self.rng.sample(
                ["ADMIN", "MEMBER", "OWNER", "PENDING", "DONE", "DRAFT", "SENT"], 3))
            return f'-- CreateEnum\nCREATE TYPE "{name}" AS ENUM ({values});'
        if kind == "update" and (c := self.column(t)):
            return (f"-- backfill\nUPDATE \"{t}\" SET \"{c}\" = DEFAULT "
                    f"WHERE \"id\" IN (SELECT \"id\" FROM \"{t}\" WHERE \"{c}\" IS NULL "
                    "LIMIT 1000);")
        if kind == "view" and (c := self.column(t)):
            self.pinned.add((t, c))
            return (f'CREATE OR REPLACE VIEW "{t}_view{self.serial}" AS\n  SELECT "id", "{c}" '
                    f'FROM "{t}" WHERE "id" > 0;')
        if kind == "function" and (c := self.column(t)):
            fn = f"{t}_touch"
            self.serial += 1
            return (f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger\n"
                    "LANGUAGE plpgsql AS $$\nBEGIN\n"
                    f"  NEW.\"{c}\" := NEW.\"{c}\";\n  RETURN NEW;\nEND;\n$$;\n"
                    f'CREATE TRIGGER "{fn}_trg{self.serial}" BEFORE UPDATE ON "{t}"\n'
                    f"  FOR EACH ROW EXECUTE FUNCTION {fn}();")
        if kind == "rename" and (old := self.column(t)):
            new = self.name(COLUMN_WORDS)
            cols[new] = cols.pop(old)  # views, keys and indexes follow a rename
            self.pinned = {(t, new) if tc == (t, old) else tc for tc in self.pinned}
            self.indexes = {i: (t, new) if tc == (t, old) else tc
                            for i, tc in self.indexes.items()}
            return f'ALTER TABLE "{t}" RENAME COLUMN "{old}" TO "{new}";'
        return self.create_table()

    def migration(self) -> str:
        count = self.rng.choice([1, 1, 2, 3, 4, 5, 6, 8, 10, 14])
        return "\n\n".join(self.statement() for _ in range(count)) + "\n"


def generate(out: Path, files: int, seed: int = 7, savepoints: bool = False) -> list[Path]:
    """`files` migrations in `out`. Files of an earlier run that this one did not write (a
    larger --files, another seed or generator) are removed: the folder holds this corpus
    only, or a benchmark would read both (a fifth-round run measured 19,608 files as 10,000).
    `savepoints`: every tenth file is `BEGIN; <its first half>; SAVEPOINT s; <the rest>;
    ROLLBACK TO SAVEPOINT s; COMMIT;` (what a ROLLBACK TO puts back is kept at each savepoint:
    the forty-sixth and forty-ninth rounds; the later files may use what was rolled back, which
    lint takes as made outside the migrations)."""
    out.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed)
    paths = []
    for i in range(1, files + 1):
        body = gen.migration()
        if savepoints and i % 10 == 0:
            stmts = body.rstrip("\n").split("\n\n")
            half = len(stmts) // 2
            body = "\n\n".join(["BEGIN;", *stmts[:half], "SAVEPOINT s;", *stmts[half:],
                                 "ROLLBACK TO SAVEPOINT s;", "COMMIT;"]) + "\n"
        path = out / f"{i:05d}_{gen.rng.choice(WORDS)}_change.sql"
        if not path.exists() or path.read_text() != body:
            path.write_text(body)
        paths.append(path)
    written = set(paths)
    for stale in out.glob("*_change.sql"):
        if stale not in written and _GENERATED.fullmatch(stale.name):
            stale.unlink()
    return paths


#: The names `generate` writes, the only files it removes.
_GENERATED = re.compile(r"\d{5}_[a-z_]+_change\.sql")


def generate_schema_dump(out: Path, tables: int, seed: int = 7) -> Path:
    """One migration shaped like `pg_dump --schema-only` output, as projects keep for their
    baseline: per table a CREATE TABLE, its owner, its id sequence and default, then every
    primary key, index and foreign key (to an earlier table) at the end, as pg_dump orders
    them. About 750 bytes and 7 statements per table."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    parts = ["SET statement_timeout = 0;", "SET lock_timeout = 0;",
             "SELECT pg_catalog.set_config('search_path', '', false);"]
    for i in range(tables):
        t = f"public.t{i}"
        parts += [f"--\n-- Name: t{i}; Type: TABLE; Schema: public; Owner: app\n--\n\n"
                  f"CREATE TABLE {t} (\n    id bigint NOT NULL,\n"
                  f"    name character varying(255),\n    parent_id bigint,\n"
                  f"    created_at timestamp with time zone DEFAULT now() NOT NULL\n);",
                  f"ALTER TABLE {t} OWNER TO app;",
                  f"CREATE SEQUENCE {t}_id_seq START WITH 1 INCREMENT BY 1 NO MINVALUE "
                  f"NO MAXVALUE CACHE 1;",
                  f"ALTER SEQUENCE {t}_id_seq OWNED BY {t}.id;",
                  f"ALTER TABLE ONLY {t} ALTER COLUMN id SET DEFAULT "
                  f"nextval('{t}_id_seq'::regclass);"]
    for i in range(tables):
        parts += [f"ALTER TABLE ONLY public.t{i} ADD CONSTRAINT t{i}_pkey PRIMARY KEY (id);",
                  f"CREATE INDEX t{i}_name_idx ON public.t{i} USING btree (name);"]
    for i in range(1, tables):
        parts.append(f"ALTER TABLE ONLY public.t{i} ADD CONSTRAINT t{i}_parent_fk FOREIGN KEY "
                     f"(parent_id) REFERENCES public.t{rng.randrange(i)}(id);")
    path = out / "00001_schema.sql"
    body = "\n\n".join(parts) + "\n"
    if not path.exists() or path.read_text() != body:
        path.write_text(body)
    return path


def _write(out: Path, name: str, body: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    path = out / name
    if not path.exists() or path.read_text() != body:
        path.write_text(body)
    return path


def generate_wide_table(out: Path, columns: int) -> list[Path]:
    """A table of `columns` columns (a serial first, every tenth an identity), then one
    ALTER TABLE adding `columns` more (every tenth a bigserial), then `columns` ALTER TABLEs
    adding one each: what a statement adds is new, with its sequences (`track_new_objects`)."""
    kinds = ["int", "text", "bigint NOT NULL DEFAULT 0", "timestamptz DEFAULT now()", "jsonb"]
    body = ",\n".join(["    id serial PRIMARY KEY"] + [
        f"    c{i} {'int GENERATED BY DEFAULT AS IDENTITY' if i % 10 == 9 else kinds[i % 5]}"
        for i in range(columns)])
    first = _write(out, "00001_wide.sql", f"CREATE TABLE wide (\n{body}\n);\n")
    adds = ",\n".join(f"    ADD COLUMN a{i} {'bigserial' if i % 10 == 9 else kinds[i % 5]}"
                       for i in range(columns))
    second = _write(out, "00002_add_columns.sql", f"ALTER TABLE wide\n{adds};\n")
    third = _write(out, "00003_add_each.sql", "".join(
        f"ALTER TABLE wide ADD COLUMN b{i} {kinds[i % 5]};\n" for i in range(columns)))
    return [first, second, third]


def generate_sequence_renames(out: Path, tables: int) -> list[Path]:
    """`tables` tables, each with a serial, an identity and a sequence of its own; then each
    table's three sequences renamed, and its own moved to another schema and back."""
    made = "".join(f"CREATE TABLE t{i} (id serial PRIMARY KEY, n int GENERATED ALWAYS AS "
                   f"IDENTITY, note text);\nCREATE SEQUENCE s{i};\n" for i in range(tables))
    first = _write(out, "00001_tables.sql", "CREATE SCHEMA archive;\n" + made)
    second = _write(out, "00002_renames.sql", "".join(
        f"ALTER SEQUENCE t{i}_id_seq RENAME TO t{i}_ids;\n"
        f"ALTER SEQUENCE t{i}_n_seq RENAME TO t{i}_ns;\n"
        f"ALTER SEQUENCE s{i} RENAME TO r{i};\nALTER SEQUENCE r{i} SET SCHEMA archive;\n"
        f"ALTER SEQUENCE archive.r{i} SET SCHEMA public;\n" for i in range(tables)))
    return [first, second]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dump-tables", type=int, default=0, metavar="N",
                        help="write one pg_dump-style schema of N tables instead")
    parser.add_argument("--savepoints", action="store_true",
                        help="every tenth file rolled back to a savepoint")
    parser.add_argument("--wide-columns", type=int, default=0, metavar="N",
                        help="write a table of N columns and N + N ADD COLUMNs instead")
    parser.add_argument("--sequence-renames", type=int, default=0, metavar="N",
                        help="write N tables and renames and moves of their sequences instead")
    args = parser.parse_args()
    if args.dump_tables:
        path = generate_schema_dump(args.out, args.dump_tables, args.seed)
        print(f"{path} ({path.stat().st_size:,} bytes)")
        return
    if args.wide_columns or args.sequence_renames:
        paths = generate_wide_table(args.out, args.wide_columns) if args.wide_columns else \
            generate_sequence_renames(args.out, args.sequence_renames)
        print(f"{len(paths)} files in {args.out}")
        return
    paths = generate(args.out, args.files, args.seed, args.savepoints)
    print(f"{len(paths)} files in {args.out}")


if __name__ == "__main__":
    main()
