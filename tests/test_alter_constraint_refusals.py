"""ALTER TABLE ... ALTER CONSTRAINT that PostgreSQL refuses whatever the rows
(`refused_constraint_change`, the server's message in `refused_constraint_change_text`): a
name the table has no constraint of ("does not exist"), DEFERRABLE / NOT DEFERRABLE of what is
no foreign key ("is not a foreign key constraint"), from 18 ENFORCED / NOT ENFORCED of what is
no foreign key ("cannot alter enforceability of constraint"). Before 18 a NOT NULL is no
constraint: its 18 name "does not exist" (said only with the version stated). The 18 messages
are compared with the embedded server; the 15 ones were checked by hand on 15.18, where
ENFORCED and [NO] INHERIT are syntax errors (`unavailable_syntax`)."""

from __future__ import annotations

import pytest

from lockwise.catalog.model import Catalog
from lockwise.discover import migration_from_text
from lockwise.effects.refused import statement_refusal
from lockwise.lint import LintOptions, lint_migrations
from server_helpers import server_message

SETUP = ("CREATE TABLE t (id int PRIMARY KEY, c int NOT NULL, d int CONSTRAINT t_d_check "
         "CHECK (d > 0), e int);\n"
         "CREATE TABLE r (id int PRIMARY KEY);\n"
         "ALTER TABLE t ADD CONSTRAINT t_fk FOREIGN KEY (e) REFERENCES r;\n")


def _lint(sql: str, pg_version: int = 18, stated: bool = True):
    catalog = Catalog()
    reports = lint_migrations([migration_from_text(SETUP, "0001_setup.sql"),
                               migration_from_text(sql + ";", "0002_change.sql")],
                              LintOptions(pg_version=pg_version, pg_version_stated=stated),
                              catalog)
    (stmt,) = reports[-1].statements
    return stmt, catalog


def _refusal_text(sql: str, pg_version: int = 18, stated: bool = True) -> str:
    stmt, _ = _lint(sql, pg_version, stated)
    if not statement_refusal(stmt.effect):
        return ""
    return next(str(a.facts.get("refused_constraint_change_text") or
                    a.facts.get("refused_not_null_text") or "") for a in stmt.effect.actions)


SERVER_CASES = [
    "ALTER TABLE t ALTER CONSTRAINT t_d_check DEFERRABLE",
    "ALTER TABLE t ALTER CONSTRAINT t_d_check NOT DEFERRABLE",
    "ALTER TABLE t ALTER CONSTRAINT t_c_not_null DEFERRABLE",
    "ALTER TABLE t ALTER CONSTRAINT t_pkey DEFERRABLE INITIALLY DEFERRED",
    "ALTER TABLE t ALTER CONSTRAINT t_fk DEFERRABLE INITIALLY DEFERRED",
    "ALTER TABLE t ALTER CONSTRAINT t_fk NOT ENFORCED",
    "ALTER TABLE t ALTER CONSTRAINT t_d_check NOT ENFORCED",
    "ALTER TABLE t ALTER CONSTRAINT t_c_not_null NOT ENFORCED",
    "ALTER TABLE t ALTER CONSTRAINT t_pkey ENFORCED",
    "ALTER TABLE t ALTER CONSTRAINT t_nope DEFERRABLE",
    "ALTER TABLE t ALTER CONSTRAINT t_nope NOT ENFORCED",
    "ALTER TABLE t ALTER CONSTRAINT t_nope NO INHERIT",
    "ALTER TABLE t ALTER CONSTRAINT t_fk NO INHERIT",
    "ALTER TABLE t ALTER CONSTRAINT t_c_not_null NO INHERIT",
]


@pytest.mark.postgres
@pytest.mark.parametrize("sql", SERVER_CASES)
def test_alter_constraint_refusals_match_the_server(pg_db: str, sql: str) -> None:
    assert _refusal_text(sql) == server_message(pg_db, SETUP, sql)


# What 15.18 said (by hand).
@pytest.mark.parametrize(("sql", "message"), [
    ("ALTER TABLE t ALTER CONSTRAINT t_d_check DEFERRABLE",
     'constraint "t_d_check" of relation "t" is not a foreign key constraint'),
    ("ALTER TABLE t ALTER CONSTRAINT t_pkey NOT DEFERRABLE",
     'constraint "t_pkey" of relation "t" is not a foreign key constraint'),
    ("ALTER TABLE t ALTER CONSTRAINT t_c_not_null DEFERRABLE",
     'constraint "t_c_not_null" of relation "t" does not exist'),
    ("ALTER TABLE t ALTER CONSTRAINT t_nope DEFERRABLE",
     'constraint "t_nope" of relation "t" does not exist'),
    ("ALTER TABLE t ALTER CONSTRAINT t_fk DEFERRABLE INITIALLY DEFERRED", ""),
])
def test_alter_constraint_refusals_before_18(sql: str, message: str) -> None:
    assert _refusal_text(sql, 15) == message


def test_a_not_null_name_on_a_guessed_version() -> None:
    """DEFERRABLE of it is refused on every version (a message of the version guessed); NO
    INHERIT, which runs on 18, is said refused only with a version before 18 stated."""
    assert _refusal_text("ALTER TABLE t ALTER CONSTRAINT t_c_not_null DEFERRABLE", 16,
                         stated=False) == 'constraint "t_c_not_null" of relation "t" does not ' \
        "exist"
    assert _refusal_text("ALTER TABLE t ALTER CONSTRAINT t_c_not_null NO INHERIT", 16,
                         stated=False) == ""
    assert _refusal_text("ALTER TABLE t ALTER CONSTRAINT t_nope DEFERRABLE", 16,
                         stated=False) == 'constraint "t_nope" of relation "t" does not exist'


def test_a_table_not_fully_known_is_not_said_to_lack_the_constraint() -> None:
    stmt, _ = _lint("ALTER TABLE elsewhere ALTER CONSTRAINT x DEFERRABLE")
    assert not statement_refusal(stmt.effect)


def test_the_refused_alter_constraint_is_reported_and_not_replayed() -> None:
    stmt, catalog = _lint("ALTER TABLE t ALTER CONSTRAINT t_fk NOT ENFORCED, "
                          "ALTER CONSTRAINT t_d_check NOT ENFORCED")
    assert "constraint-change-refused" in {f.rule for f in stmt.findings}
    assert catalog.tables["public.t"].constraints["t_fk"].enforced
