"""Generate a deterministic corpus of realistic PostgreSQL migration files for benchmarking.

    python bench/gen_corpus.py OUT_DIR [--files 10000] [--seed 7]
    python bench/gen_corpus.py OUT_DIR --dump-tables 1000   # one pg_dump-style schema file

Writes OUT_DIR/00001_<name>.sql ... (a plain layout both lockwise and squawk read). The mix
follows the shared corpora (prisma/diesel style): comments before statements, CREATE TABLE with
a handful of columns and constraints, ADD/DROP/ALTER COLUMN, indexes (some CONCURRENTLY),
foreign keys, enums, backfill UPDATEs, views and plpgsql trigger functions in $$ bodies; later
files refer to tables created by earlier ones, so the catalog replay does real work. The same
seed and count always produce byte-identical files, and the first N files of a larger run equal
a run with --files N (so sub-corpora measure linear growth).
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

TYPES = ["INTEGER", "BIGINT", "TEXT", "VARCHAR(255)", "BOOLEAN", "TIMESTAMP(3)", "TIMESTAMPTZ",
         "JSONB", "UUID", "DOUBLE PRECISION", "NUMERIC(12,2)", "DATE"]
WORDS = ["user", "account", "team", "document", "recipient", "field", "webhook", "token",
         "session", "invoice", "payment", "comment", "post", "community", "image", "report",
         "folder", "template", "audit_log", "setting", "member", "invite", "envelope", "tag"]
COLUMN_WORDS = ["name", "email", "status", "created_at", "updated_at", "deleted", "score",
                "title", "url", "body", "owner_id", "team_id", "visibility", "expires_at",
                "metadata", "position", "locale", "secret", "kind", "counter"]


class Generator:
    def __init__(self, seed: int):
        self.rng = random.Random(seed)
        self.tables: dict[str, list[str]] = {}
        self.indexes: list[str] = []
        self.enums: list[str] = []
        self.serial = 0

    def name(self, words: list[str]) -> str:
        self.serial += 1
        return f"{self.rng.choice(words)}_{self.serial}"

    def column_def(self) -> str:
        col = self.name(COLUMN_WORDS)
        text = f'"{col}" {self.rng.choice(TYPES)}'
        roll = self.rng.random()
        if roll < 0.3:
            text += " NOT NULL"
        elif roll < 0.45:
            text += " NOT NULL DEFAULT CURRENT_TIMESTAMP" if "TIME" in text else " DEFAULT NULL"
        return text

    def create_table(self) -> str:
        table = self.name(WORDS)
        cols = [self.column_def() for _ in range(self.rng.randint(2, 9))]
        self.tables[table] = [c.split('"')[1] for c in cols]
        lines = ['    "id" SERIAL NOT NULL', *(f"    {c}" for c in cols),
                 f'    CONSTRAINT "{table}_pkey" PRIMARY KEY ("id")']
        return f'-- CreateTable\nCREATE TABLE "{table}" (\n' + ",\n".join(lines) + "\n);"

    def table(self) -> str:
        return self.rng.choice(list(self.tables))

    def column(self, table: str) -> str:
        return self.rng.choice(self.tables[table] or ["id"])

    def statement(self) -> str:
        if not self.tables or self.rng.random() < 0.12:
            return self.create_table()
        t = self.table()
        kind = self.rng.choices(
            ["add_column", "drop_column", "index", "index_conc", "drop_index", "fk", "not_null",
             "type", "default", "enum", "update", "view", "function", "rename", "unique"],
            weights=[18, 4, 14, 5, 4, 8, 5, 4, 5, 3, 5, 2, 2, 2, 3])[0]
        if kind == "add_column":
            col = self.column_def()
            self.tables[t].append(col.split('"')[1])
            return f'-- AlterTable\nALTER TABLE "{t}" ADD COLUMN     {col};'
        if kind == "drop_column" and len(self.tables[t]) > 1:
            col = self.tables[t].pop(self.rng.randrange(len(self.tables[t])))
            return f'-- AlterTable\nALTER TABLE "{t}" DROP COLUMN "{col}";'
        if kind in ("index", "index_conc", "unique"):
            c = self.column(t)
            ix = f"{t}_{c}_idx"[:60] + str(self.serial)
            self.serial += 1
            self.indexes.append(ix)
            conc = "CONCURRENTLY " if kind == "index_conc" else ""
            uniq = "UNIQUE " if kind == "unique" else ""
            return f'-- CreateIndex\nCREATE {uniq}INDEX {conc}"{ix}" ON "{t}"("{c}");'
        if kind == "drop_index" and self.indexes:
            return f'-- DropIndex\nDROP INDEX "{self.indexes.pop()}";'
        if kind == "fk":
            other = self.table()
            c = self.column(t)
            return (f'-- AddForeignKey\nALTER TABLE "{t}" ADD CONSTRAINT "{t}_{c}_fkey" '
                    f'FOREIGN KEY ("{c}") REFERENCES "{other}"("id") '
                    "ON DELETE CASCADE ON UPDATE CASCADE;")
        if kind == "not_null":
            return f'ALTER TABLE "{t}" ALTER COLUMN "{self.column(t)}" SET NOT NULL;'
        if kind == "type":
            return (f'ALTER TABLE "{t}" ALTER COLUMN "{self.column(t)}" '
                    f"SET DATA TYPE {self.rng.choice(TYPES)};")
        if kind == "default":
            return f'ALTER TABLE "{t}" ALTER COLUMN "{self.column(t)}" SET DEFAULT 0;'
        if kind == "enum":
            name = self.name(["Role", "Status", "Kind"])
            self.enums.append(name)
            values = ", ".join(f"'{v}'" for v in self.rng.sample(
                ["ADMIN", "MEMBER", "OWNER", "PENDING", "DONE", "DRAFT", "SENT"], 3))
            return f'-- CreateEnum\nCREATE TYPE "{name}" AS ENUM ({values});'
        if kind == "update":
            c = self.column(t)
            return (f"-- backfill\nUPDATE \"{t}\" SET \"{c}\" = DEFAULT "
                    f"WHERE \"id\" IN (SELECT \"id\" FROM \"{t}\" WHERE \"{c}\" IS NULL "
                    "LIMIT 1000);")
        if kind == "view":
            return (f'CREATE OR REPLACE VIEW "{t}_view" AS\n  SELECT "id", "{self.column(t)}" '
                    f'FROM "{t}" WHERE "id" > 0;')
        if kind == "function":
            c = self.column(t)
            fn = f"{t}_touch"
            return (f"CREATE OR REPLACE FUNCTION {fn}() RETURNS trigger\n"
                    "LANGUAGE plpgsql AS $$\nBEGIN\n"
                    f"  NEW.\"{c}\" := NEW.\"{c}\";\n  RETURN NEW;\nEND;\n$$;\n"
                    f'CREATE TRIGGER "{fn}_trg" BEFORE UPDATE ON "{t}"\n'
                    f"  FOR EACH ROW EXECUTE FUNCTION {fn}();")
        if kind == "rename":
            old = self.column(t)
            new = self.name(COLUMN_WORDS)
            self.tables[t][self.tables[t].index(old)] = new
            return f'ALTER TABLE "{t}" RENAME COLUMN "{old}" TO "{new}";'
        return self.create_table()

    def migration(self) -> str:
        count = self.rng.choice([1, 1, 2, 3, 4, 5, 6, 8, 10, 14])
        return "\n\n".join(self.statement() for _ in range(count)) + "\n"


def generate(out: Path, files: int, seed: int = 7) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    gen = Generator(seed)
    paths = []
    for i in range(1, files + 1):
        body = gen.migration()
        path = out / f"{i:05d}_{gen.rng.choice(WORDS)}_change.sql"
        if not path.exists() or path.read_text() != body:
            path.write_text(body)
        paths.append(path)
    return paths


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dump-tables", type=int, default=0, metavar="N",
                        help="write one pg_dump-style schema of N tables instead")
    args = parser.parse_args()
    if args.dump_tables:
        path = generate_schema_dump(args.out, args.dump_tables, args.seed)
        print(f"{path} ({path.stat().st_size:,} bytes)")
        return
    paths = generate(args.out, args.files, args.seed)
    print(f"{len(paths)} files in {args.out}")


if __name__ == "__main__":
    main()
