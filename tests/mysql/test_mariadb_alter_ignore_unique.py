"""MariaDB's ALTER IGNORE TABLE adding a UNIQUE or PRIMARY KEY: the server builds it by a copy
that deletes each row whose key another row holds (10.11 refuses ALGORITHM=INPLACE with 1846
"Creating unique indexes with IGNORE requires COPY algorithm to remove duplicate rows", and
LOCK=NONE with the copy). It was read as the in-place build of the same ALTER without IGNORE:
safe. Seen in photoprism's MariaDB history, which writes ALTER IGNORE TABLE for renames."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE u (id INT NOT NULL, e INT, f INT);\n"
         "INSERT INTO u VALUES (1, 1, 1), (2, 1, 1);")


@pytest.mark.parametrize(("operation", "algorithm"), [
    ("ADD UNIQUE KEY ue (e)", "COPY"), ("ADD PRIMARY KEY (id)", "COPY"),
    ("ADD CONSTRAINT ue UNIQUE (e)", "COPY"), ("ADD INDEX ie (e)", "NOCOPY"),
])
def test_ignore_copies_a_unique_key(alter_algorithm, lint_change, operation: str,
                                    algorithm: str) -> None:
    report = lint_change(f"ALTER IGNORE TABLE u {operation};", "mariadb")
    assert alter_algorithm(report) == algorithm
    copy = [f for f in report.all_findings if f.rule == "mysql-table-copy"]
    assert bool(copy) == (algorithm == "COPY")
    assert all("IGNORE deletes" in f.message for f in copy)


def test_without_ignore_the_build_is_in_place(alter_algorithm, lint_change) -> None:
    assert alter_algorithm(lint_change("ALTER TABLE u ADD UNIQUE KEY ue (e);", "mariadb")) \
        == "NOCOPY"


def test_on_mariadb(mariadb) -> None:
    mariadb.fresh("alter_ignore", SETUP)
    for operation in ("ADD UNIQUE KEY ue (e)", "ADD PRIMARY KEY (id)"):
        done = mariadb.run(f"ALTER IGNORE TABLE u {operation}, ALGORITHM=INPLACE",
                           "alter_ignore")
        assert "Creating unique indexes with IGNORE requires COPY" in done.stderr
    assert mariadb.run("ALTER IGNORE TABLE u ADD INDEX ie (e), ALGORITHM=NOCOPY, LOCK=NONE",
                       "alter_ignore").returncode == 0
    assert mariadb.run("ALTER IGNORE TABLE u ADD UNIQUE KEY uf (f), ALGORITHM=COPY, "
                       "LOCK=NONE", "alter_ignore").returncode != 0
    assert mariadb.run("ALTER IGNORE TABLE u ADD UNIQUE KEY uf (f)", "alter_ignore")\
        .returncode == 0
    assert mariadb.run("SELECT COUNT(*) FROM u", "alter_ignore").stdout.strip() == "1"
