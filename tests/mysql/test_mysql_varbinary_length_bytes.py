"""A VARBINARY's length counts bytes whatever its table's character set: lengthening one in a
utf8mb4 table was measured at 4 bytes a character, so VARBINARY(40) to (64) read as the length
growing past 255 bytes, a copy (photoprism's `MODIFY file_projection VARBINARY(64)` and
`MODIFY instance_id VARBINARY(255)`). MariaDB 10.11 runs both as ALGORITHM=INSTANT; past
255 bytes only a column of at most 127 bytes grows instantly (40 to 256: INSTANT, 200 to 256:
"Cannot change column type"), as for a VARCHAR counted in its character set's bytes."""

from __future__ import annotations

import pytest

SETUP = ("CREATE TABLE files (id INT PRIMARY KEY, x VARBINARY(40), y VARBINARY(200), "
         "v VARCHAR(40)) DEFAULT CHARSET=utf8mb4;\nINSERT INTO files VALUES (1, 'a', 'b', 'c');")
CASES = [("x VARBINARY(64)", "INSTANT"), ("x VARBINARY(255)", "INSTANT"),
         ("x VARBINARY(256)", "INSTANT"), ("y VARBINARY(255)", "INSTANT"),
         ("y VARBINARY(256)", "COPY"), ("v VARCHAR(63)", "INSTANT"), ("v VARCHAR(64)", "COPY")]


@pytest.mark.parametrize(("column", "algorithm"), CASES)
def test_lengthening(alter_algorithm, lint_change, column: str, algorithm: str) -> None:
    assert alter_algorithm(lint_change(f"ALTER TABLE files MODIFY {column};", "mariadb")) \
        == algorithm


@pytest.mark.parametrize(("column", "algorithm"), CASES)
def test_on_mariadb(mariadb, column: str, algorithm: str) -> None:
    mariadb.fresh("varbinary_length", SETUP)
    done = mariadb.run(f"ALTER TABLE files MODIFY {column}, ALGORITHM=INSTANT",
                       "varbinary_length")
    assert (done.returncode == 0) == (algorithm == "INSTANT"), done.stderr
