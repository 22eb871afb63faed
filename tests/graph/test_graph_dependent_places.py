"""Where a refused drop's dependent was made (fix-pg82): a foreign key, index, policy,
default or trigger added by a later migration than its table's, or a view defined again by
CREATE OR REPLACE, is reported at the statement that made it (its migration, line and
column), not at the table's creation. Each drop is checked on the server too: refused while
the dependent made by the second migration is there."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockwise.discover import discover
from lockwise.graph.build import build_graph
from lockwise.graph.model import Conflict

F = "CREATE FUNCTION f(int) RETURNS int LANGUAGE sql IMMUTABLE AS 'SELECT $1';\n"
TF = "CREATE FUNCTION tf() RETURNS trigger LANGUAGE plpgsql AS 'BEGIN RETURN NEW; END';\n"
TABLES = "CREATE TABLE a (id int PRIMARY KEY);\nCREATE TABLE b (id int PRIMARY KEY, x int);\n"
T = F + "CREATE TABLE t (id int, a int);\n"
#: The second migration's statement comes after two lines, on its own third line, indented:
#: the conflict must point at line 3, column 3.
LEAD = "-- later\nSELECT 1;\n  "

#: (first migration, the second one's statement, the drop, what the conflict names)
CASES = {
    "fk_add_column": (TABLES, "ALTER TABLE b ADD COLUMN a_id int REFERENCES a (id);",
                      "DROP TABLE a;", "foreign key b_a_id_fkey on public.b"),
    "fk_add_constraint": (TABLES, "ALTER TABLE b ADD FOREIGN KEY (x) REFERENCES a (id);",
                          "DROP TABLE a;", "foreign key b_x_fkey on public.b"),
    "fk_on_column": (TABLES, "ALTER TABLE b ADD FOREIGN KEY (x) REFERENCES a (id);",
                     "ALTER TABLE a DROP COLUMN id;", "foreign key b_x_fkey on public.b"),
    "index": (T, "CREATE INDEX ON t (f(id));", "DROP FUNCTION f(int);", "index public.t_f_idx"),
    "policy": (T, "CREATE POLICY p ON t USING (f(id) > 0);", "DROP FUNCTION f(int);",
               "policy p on public.t"),
    "default": (T, "ALTER TABLE t ALTER COLUMN a SET DEFAULT f(1);", "DROP FUNCTION f(int);",
                "the default of column public.t.a"),
    "trigger": (T + TF, "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW "
                "WHEN (f(NEW.a) > 0) EXECUTE FUNCTION tf();", "DROP FUNCTION f(int);",
                "trigger tr on public.t"),
    "view_replaced": (T + "CREATE VIEW v AS SELECT 1 AS x;\n",
                      "CREATE OR REPLACE VIEW v AS SELECT f(1) AS x;", "DROP FUNCTION f(int);",
                      "view public.v"),
    "view_replaced_column": (T + "CREATE VIEW v AS SELECT id FROM t;\n",
                             "CREATE OR REPLACE VIEW v AS SELECT id, a FROM t;",
                             "ALTER TABLE t DROP COLUMN a;", "view public.v"),
}


def refused(tmp_path: Path, case: str) -> Conflict:
    first, later, drop, _named = CASES[case]
    (tmp_path / "1_a.sql").write_text(first)
    (tmp_path / "2_b.sql").write_text(LEAD + later + "\n")
    (tmp_path / "3_c.sql").write_text(drop + "\n")
    (found,) = [c for c in build_graph(discover(tmp_path)).conflicts
                if c.kind == "dependency-dropped"]
    return found


@pytest.mark.parametrize("case", CASES)
def test_the_dependent_is_where_it_was_made(tmp_path: Path, case: str) -> None:
    found = refused(tmp_path, case)
    made, dropped = found.locations
    assert (made.migration, made.line, made.column) == ("2_b", 3, 3)
    assert Path(made.path).name == "2_b.sql"
    assert (dropped.migration, dropped.line) == ("3_c", 1)
    assert f"{CASES[case][3]} (created in 2_b)" in found.explanation


def test_a_table_made_again_forgets_where_the_old_one_had_its_key(tmp_path: Path) -> None:
    (tmp_path / "1_a.sql").write_text(TABLES)
    (tmp_path / "2_b.sql").write_text("ALTER TABLE b ADD FOREIGN KEY (x) REFERENCES a (id);\n")
    (tmp_path / "3_c.sql").write_text(
        "DROP TABLE b;\nCREATE TABLE b (id int, x int, FOREIGN KEY (x) REFERENCES a (id));\n")
    (tmp_path / "4_d.sql").write_text("DROP TABLE a;\n")
    (found,) = [c for c in build_graph(discover(tmp_path)).conflicts
                if c.kind == "dependency-dropped"]
    assert [(loc.migration, loc.line) for loc in found.locations] == [("3_c", 2), ("4_d", 1)]


@pytest.mark.postgres
def test_the_server_refuses_each_drop(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for first, later, drop, _named in CASES.values():
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(first)
            conn.execute(drop)  # (runs: what depends on it is the second migration's)
            conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            conn.execute(first)
            conn.execute(LEAD + later)
            with pytest.raises(psycopg.errors.DependentObjectsStillExist):
                conn.execute(drop)
