"""A column renamed by CHANGE or RENAME COLUMN in the primary key, UNIQUE constraints and
foreign keys that name it (fix-mysql56, found in ory/hydra's MySQL history, which renames
its primary key column `pk` to `pk_deprecated` and then fills a new `pk`): the replay kept
the old name in those constraints, and unbatched-backfill's batches walked `pk`, the column
being filled, all NULL (the loop ended at once, changing nothing). Checked on MariaDB 10.11
below (information_schema names the new columns; the batches change rows)."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.effects.mysql import MySQLSession, apply_mysql_statement, compute_mysql_effect
from lockwise.parse.mysql import parse_mysql

SETUP = """CREATE TABLE clients (pk INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(20), CONSTRAINT clients_name_key UNIQUE (name));
CREATE TABLE tokens (id INT PRIMARY KEY, client_pk INT UNSIGNED,
  CONSTRAINT tokens_client_fk FOREIGN KEY (client_pk) REFERENCES clients (pk));
"""
RENAMES = {
    "change": "ALTER TABLE clients CHANGE COLUMN pk pk_deprecated INT UNSIGNED;\n"
              "ALTER TABLE clients CHANGE name title VARCHAR(20);\n"
              "ALTER TABLE tokens CHANGE client_pk client_id INT UNSIGNED;",
    "rename": "ALTER TABLE clients RENAME COLUMN pk TO pk_deprecated, "
              "RENAME COLUMN name TO title;\n"
              "ALTER TABLE tokens RENAME COLUMN client_pk TO client_id;",
}
#: (constraint, table, column, referenced column) as the server lists them after the renames.
AFTER = {("PRIMARY", "clients", "pk_deprecated", None), ("clients_name_key", "clients", "title",
                                                         None),
         ("PRIMARY", "tokens", "id", None), ("tokens_client_fk", "tokens", "client_id",
                                             "pk_deprecated")}
BACKFILL = "ALTER TABLE clients CHANGE COLUMN pk pk_deprecated INT UNSIGNED;\n" \
    "ALTER TABLE clients ADD COLUMN pk CHAR(36);\nUPDATE clients SET pk = UUID();"


def _replayed(sql: str, flavour: str) -> Catalog:
    catalog, session = Catalog(), MySQLSession(flavour=flavour, version=(10, 11)
                                               if flavour == "mariadb" else (8, 0, 40))
    for statement in parse_mysql(sql, flavour).statements:
        compute_mysql_effect(statement.tree, catalog, session)
        apply_mysql_statement(catalog, statement.tree, "x", session)
        session.new_tables.clear()
    return catalog


@pytest.mark.parametrize("flavour", ["mysql", "mariadb"])
@pytest.mark.parametrize("renames", sorted(RENAMES))
def test_the_constraints_name_the_new_columns(flavour: str, renames: str) -> None:
    catalog = _replayed(SETUP + RENAMES[renames], flavour)
    found = {(name, table, column, c.ref_columns[i] if c.ref_columns else None)
             for table in ("clients", "tokens")
             for name, c in catalog.tables[table].constraints.items()
             for i, column in enumerate(c.columns)}
    unique = ("clients_name_key", "clients", "title", None)
    assert found == AFTER - {unique}  # (the catalog keeps a UNIQUE with the indexes)
    assert catalog.tables["clients"].keys["clients_name_key"] == (("title",), True)


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
def test_the_batches_walk_the_renamed_primary_key(lint_change, dialect: str) -> None:
    report = lint_change(BACKFILL, dialect)
    (found,) = [f for f in report.all_findings if f.rule == "unbatched-backfill"]
    assert "ORDER BY pk_deprecated LIMIT 5000" in found.instead, found.instead
    assert "pk_deprecated <= @lockwise_end_1;" in found.instead


# --- checked on MariaDB ----------------------------------------------------------------------

@pytest.mark.parametrize("renames", sorted(RENAMES))
def test_mariadb_renames_the_columns_in_its_constraints(mariadb, renames: str) -> None:
    mariadb.fresh("rkc", SETUP)
    ran = mariadb.run(RENAMES[renames] + "SELECT CONSTRAINT_NAME, TABLE_NAME, COLUMN_NAME, "
                      "REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE "
                      "TABLE_SCHEMA = 'rkc'", "rkc")
    assert ran.returncode == 0, ran.stderr
    rows = {tuple(None if v == "NULL" else v for v in line.split("\t"))
            for line in ran.stdout.splitlines()}
    assert rows == AFTER


def test_mariadb_runs_the_batches(mariadb, lint_change) -> None:
    """The advice's three statements, twice, fill the first two batches of 12000 rows."""
    (found,) = [f for f in lint_change(BACKFILL, "mariadb").all_findings
                if f.rule == "unbatched-backfill"]
    lines = found.instead.splitlines()
    once = next(line for line in lines if line.startswith("SET @lockwise_last_1 = NULL"))
    repeated = [line for line in lines if line.startswith(("SET @lockwise_end_1 =", "UPDATE",
                                                           "SET @lockwise_last_1 = @"))]
    assert len(repeated) == 3
    mariadb.fresh("rkc", SETUP + "INSERT INTO clients (name) SELECT seq FROM seq_1_to_12000;"
                  + BACKFILL.rsplit("\n", 1)[0])
    ran = mariadb.run(once + "\n".join(repeated * 2) + "SELECT COUNT(pk) FROM clients", "rkc")
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["10000"]
