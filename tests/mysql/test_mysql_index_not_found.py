"""DROP INDEX / DROP KEY / DROP FOREIGN KEY of a name the table lacks (fix-mysql56, found in
ory/hydra's MySQL history, which drops the index `issuer` twice): both servers refuse the
ALTER TABLE with error 1091; lockwise said nothing. Checked on MariaDB 10.11 below; MySQL's
message (ER_CANT_DROP_FIELD_OR_KEY) is from its error list, not run here."""

from __future__ import annotations

import re

import pytest

SETUP = """CREATE TABLE clients (id INT PRIMARY KEY, k INT, UNIQUE (k));
CREATE TABLE issuers (id INT PRIMARY KEY, issuer VARCHAR(100), subject VARCHAR(100),
  client_id INT, key_id INT, UNIQUE (issuer, subject), KEY by_subject (subject),
  CONSTRAINT issuers_client_fk FOREIGN KEY (client_id) REFERENCES clients (id),
  FOREIGN KEY (key_id) REFERENCES clients (k));
"""
#: (statement, the server's message, the names the advice lists: the table's, less those the
#: statement dropped before).
REFUSED = [
    ("DROP INDEX issuer_idx ON issuers", "Can't DROP INDEX `issuer_idx`; check that it exists",
     "PRIMARY, by_subject, issuer, issuers_client_fk, key_id"),
    ("ALTER TABLE issuers DROP KEY nope, ADD COLUMN c INT",
     "Can't DROP INDEX `nope`; check that it exists",
     "PRIMARY, by_subject, issuer, issuers_client_fk, key_id"),
    ("ALTER TABLE issuers DROP INDEX by_subject, DROP INDEX by_subject",
     "Can't DROP INDEX `by_subject`; check that it exists",
     "PRIMARY, issuer, issuers_client_fk, key_id"),
    ("ALTER TABLE issuers DROP FOREIGN KEY issuers_client_id_fk",
     "Can't DROP FOREIGN KEY `issuers_client_id_fk`; check that it exists",
     "issuers_client_fk, and 1 the server numbered (issuers_ibfk_<n>: SHOW CREATE TABLE "
     "lists them)"),
    ("ALTER TABLE issuers DROP FOREIGN KEY by_subject",
     "Can't DROP FOREIGN KEY `by_subject`; check that it exists",
     "issuers_client_fk, and 1 the server numbered (issuers_ibfk_<n>: SHOW CREATE TABLE "
     "lists them)"),
]
#: What both servers run: the names the server gave (an unnamed UNIQUE: its first column's;
#: the index a named foreign key needed: the constraint's; an unnamed one's: its column's).
RUN = [
    "DROP INDEX issuer ON issuers",
    "ALTER TABLE issuers DROP INDEX `BY_SUBJECT`",
    "ALTER TABLE issuers DROP FOREIGN KEY issuers_client_fk, DROP INDEX issuers_client_fk",
    "ALTER TABLE issuers DROP FOREIGN KEY issuers_ibfk_1, DROP INDEX key_id",
    "ALTER TABLE issuers DROP INDEX IF EXISTS nope",
    "ALTER TABLE issuers DROP FOREIGN KEY IF EXISTS nope",
    "ALTER TABLE issuers DROP PRIMARY KEY",
]


def _found(report) -> list:
    return [f for f in report.all_findings if f.rule == "mysql-index-not-found"]


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize(("sql", "error", "names"), REFUSED)
def test_a_name_the_table_lacks_is_refused(lint_change, dialect: str, sql: str, error: str,
                                           names: str) -> None:
    if "IF EXISTS" in sql and dialect == "mysql":
        pytest.skip("MariaDB's")
    (found,) = _found(lint_change(f"{sql};", dialect))
    if dialect == "mariadb":
        assert f'(error 1091: "{error}")' in found.message, found.message
    else:
        name = re.search(r"`(\w+)`", error).group(1)
        assert f"Can't DROP '{name}'; check that column/key exists" in found.message
    assert f"names issuers has: {names}\n" in found.instead, found.instead


@pytest.mark.parametrize("dialect", ["mysql", "mariadb"])
@pytest.mark.parametrize("sql", RUN)
def test_the_names_the_server_gave_are_found(lint_change, dialect: str, sql: str) -> None:
    if "IF EXISTS" in sql and dialect == "mysql":
        pytest.skip("MariaDB's")
    assert _found(lint_change(f"{sql};", dialect)) == []


def test_a_table_the_migrations_did_not_create_is_not_judged(lint_change) -> None:
    assert _found(lint_change("DROP INDEX nope ON elsewhere;", "mariadb")) == []


def test_the_history_s_second_drop_is_refused(lint_change) -> None:
    """ory/hydra's: dropped by one migration, dropped again by a later one."""
    change = "ALTER TABLE issuers DROP INDEX issuer;\nDROP INDEX issuer ON issuers;"
    report = lint_change(change, "mariadb")
    (found,) = _found(report)
    assert found.span is not None and found.span.line == 2


# --- checked on MariaDB ----------------------------------------------------------------------

@pytest.mark.parametrize(("sql", "error", "names"), REFUSED)
def test_mariadb_refuses_a_name_the_table_lacks(mariadb, sql: str, error: str,
                                                names: str) -> None:
    mariadb.fresh("inf", SETUP)
    ran = mariadb.run(sql, "inf")
    assert f"ERROR 1091 (42000) at line 1: {error}" in ran.stderr, (sql, ran.stderr)


@pytest.mark.parametrize("sql", RUN)
def test_mariadb_runs_the_names_it_gave(mariadb, sql: str) -> None:
    mariadb.fresh("inf", SETUP)
    ran = mariadb.run(sql, "inf")
    assert ran.returncode == 0, (sql, ran.stderr)
