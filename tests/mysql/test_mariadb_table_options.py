"""Table and column options lockwise could not read, or read wrong (fix-mysql54), each checked
on MariaDB 10.11: CHECKSUM and a column's COMPRESSED are instant (both were a rebuild), a
change of COMPRESSED copies the table, ALTER TABLE ... ORDER BY copies it (it was instant),
a PAGE_COMPRESSION_LEVEL without PAGE_COMPRESSED=1 and MySQL's WITH PARSER ngram are refused
(lockwise said nothing)."""

from __future__ import annotations

import re

import pytest
from test_mariadb_truth import DROPS, SETUP, _agrees, predicted

from lockwise.effects.mysql import parse_server_version

#: (ALTER TABLE, the algorithm, whether writes go on), on test_mariadb_truth's table `t`.
CASES = {
    "checksum": ("ALTER TABLE t CHECKSUM=1", "INSTANT", True),
    "checksum_without_equals": ("ALTER TABLE t CHECKSUM 0", "INSTANT", True),
    "table_checksum": ("ALTER TABLE t TABLE_CHECKSUM = 1", "INSTANT", True),
    "checksum_beside_a_column": ("ALTER TABLE t ADD COLUMN x INT, CHECKSUM=1", "INSTANT", True),
    "add_compressed_column": ("ALTER TABLE t ADD COLUMN z VARCHAR(10) COMPRESSED", "INSTANT",
                              True),
    "add_compressed_text_positioned": ("ALTER TABLE t ADD COLUMN z TEXT COMPRESSED AFTER id",
                                       "INSTANT", True),
    "add_compressed_zlib_not_null": ("ALTER TABLE t ADD COLUMN z BLOB COMPRESSED=zlib NOT "
                                     "NULL", "INSTANT", True),
    # the values stored anew: "Cannot change column type" for INPLACE
    "modify_to_compressed": ("ALTER TABLE t MODIFY COLUMN doc TEXT COMPRESSED", "COPY", False),
    "change_to_compressed": ("ALTER TABLE t CHANGE v v2 VARCHAR(20) COMPRESSED", "COPY", False),
}

COMPRESSED_DROPS = "DROP TABLE IF EXISTS cz;"
COMPRESSED_SETUP = COMPRESSED_DROPS + ("CREATE TABLE cz (id INT PRIMARY KEY, a TEXT, "
                                       "b TEXT COMPRESSED, v VARCHAR(10) COMPRESSED, n INT);")
#: On a table with compressed columns: kept compressed, a column's change is what it was.
COMPRESSED_CASES = {
    "keep_compressed": ("ALTER TABLE cz MODIFY b TEXT COMPRESSED COMMENT 'x'", "INSTANT", True),
    "keep_compressed_longer": ("ALTER TABLE cz MODIFY v VARCHAR(20) COMPRESSED", "INSTANT",
                               True),
    "uncompress": ("ALTER TABLE cz MODIFY b TEXT", "COPY", False),
    "uncompress_renamed": ("ALTER TABLE cz CHANGE v v2 VARCHAR(10)", "COPY", False),
    "other_column": ("ALTER TABLE cz MODIFY n INT COMMENT 'n'", "INSTANT", True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_model_reads_the_option(case: str) -> None:
    statement, algorithm, dml = CASES[case]
    assert predicted(statement, (10, 11, 19)) == (algorithm, dml)


@pytest.mark.parametrize("case", sorted(COMPRESSED_CASES))
def test_the_model_follows_compressed_columns(case: str) -> None:
    statement, algorithm, dml = COMPRESSED_CASES[case]
    assert predicted(statement, (10, 11, 19), COMPRESSED_SETUP, COMPRESSED_DROPS) == \
        (algorithm, dml)


# --- ALTER TABLE ... ORDER BY -------------------------------------------------------------

ORDERED = {"table_with_primary_key": "ALTER TABLE t ORDER BY n",
           "several_columns": "ALTER TABLE t ORDER BY n DESC, id",
           "beside_a_column": "ALTER TABLE t ADD COLUMN x INT, ORDER BY n"}


@pytest.mark.parametrize("case", sorted(ORDERED))
def test_order_by_is_a_copy_that_blocks_writes(case: str) -> None:
    assert predicted(ORDERED[case], (10, 11, 19)) == ("COPY", False)


def test_order_by_is_reported_as_a_table_copy(lint_change) -> None:
    rules = {f.rule for f in lint_change("ALTER TABLE t ORDER BY n;", "mariadb",
                                         setup=SETUP.replace(DROPS, "")).all_findings}
    assert "mysql-table-copy" in rules, rules


#: fix-mysql55: ORDER BY's own advice. (setup, whether InnoDB clusters the rows on a key,
#: which MariaDB then names in warning 1105 and ignores ORDER BY for).
ORDER_TABLES = {
    "primary_key": ("CREATE TABLE o (id INT PRIMARY KEY, n INT, m INT)", "PRIMARY KEY (id)"),
    "unique_not_null": ("CREATE TABLE o (k INT NOT NULL, n INT, m INT, UNIQUE KEY o_k (k))",
                        "UNIQUE KEY o_k (k)"),
    "unique_nullable": ("CREATE TABLE o (k INT, n INT, m INT, UNIQUE KEY o_k (k))", ""),
    "no_key": ("CREATE TABLE o (n INT, m INT)", ""),
}


def _order_by_advice(lint_change, setup: str, statement: str) -> str:
    report = lint_change(statement, "mariadb", setup=setup + ";")
    (copy,) = [f for f in report.all_findings if f.rule == "mysql-table-copy"]
    return copy.instead


@pytest.mark.parametrize("case", sorted(ORDER_TABLES))
def test_order_by_advice_says_what_it_does(lint_change, case: str) -> None:
    setup, key = ORDER_TABLES[case]
    advice = _order_by_advice(lint_change, setup, "ALTER TABLE o ORDER BY n DESC, m;")
    assert "gh-ost" not in advice
    assert "rows written later do not follow it" in advice
    assert "SELECT * FROM o ORDER BY n DESC, m;" in advice
    assert ("InnoDB ignores ORDER BY" in advice) is bool(key)
    assert key in advice


def test_order_by_advice_keeps_the_other_operations(lint_change) -> None:
    advice = _order_by_advice(lint_change, ORDER_TABLES["no_key"][0],
                              "ALTER TABLE o ADD COLUMN x INT, ORDER BY n;")
    assert "ALTER TABLE o ADD COLUMN x INT;  -- the other operations, without ORDER BY" in advice


@pytest.mark.parametrize("case", sorted(ORDER_TABLES))
def test_mariadb_ignores_order_by_on_a_clustered_key(mariadb, case: str) -> None:
    setup, key = ORDER_TABLES[case]
    mariadb.fresh("ordering", setup)
    first = setup.split("(", 1)[1].split()[0]  # the key column, or n
    rows = "(3, 0), (1, 0), (2, 0)" if first == "n" else "(1, 3, 0), (2, 1, 0), (3, 2, 0)"
    columns = "n, m" if first == "n" else f"{first}, n, m"
    ran = mariadb.run(f"INSERT INTO o ({columns}) VALUES {rows}", "ordering")
    assert ran.returncode == 0, ran.stderr
    ran = mariadb.run("ALTER TABLE o ORDER BY n; SHOW WARNINGS; SELECT n FROM o", "ordering")
    assert ran.returncode == 0, ran.stderr
    assert ("ORDER BY ignored as there is a user-defined clustered index" in ran.stdout) is \
        bool(key)
    if not key:  # the rows copied in that order, and a row written later after them
        assert ran.stdout.split() == ["1", "2", "3"]
        assert mariadb.run("INSERT INTO o (n, m) VALUES (0, 0); SELECT n FROM o",
                           "ordering").stdout.split() == ["1", "2", "3", "0"]


# --- PAGE_COMPRESSION_LEVEL -----------------------------------------------------------------

#: (setup, statement, the server's error code or None when it runs).
PAGE_COMPRESSION = [
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSION_LEVEL=3", 1005),
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=0 PAGE_COMPRESSION_LEVEL=3", 1005),
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSION_LEVEL=3 PAGE_COMPRESSED=1", None),
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=1", None),
    ("CREATE TABLE pc (id INT PRIMARY KEY);", "ALTER TABLE pc PAGE_COMPRESSION_LEVEL=3", 1478),
    ("CREATE TABLE pc (id INT PRIMARY KEY);",
     "ALTER TABLE pc ADD COLUMN x INT, PAGE_COMPRESSION_LEVEL = 3", 1478),
    ("CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=1;",
     "ALTER TABLE pc PAGE_COMPRESSION_LEVEL=3", None),
    ("CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=1;",
     "ALTER TABLE pc PAGE_COMPRESSED=0, PAGE_COMPRESSION_LEVEL=3", 1478),
    ("CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=1 PAGE_COMPRESSION_LEVEL=3;",
     "ALTER TABLE pc PAGE_COMPRESSED=0", 1478),
    ("CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=1 PAGE_COMPRESSION_LEVEL=3;",
     "ALTER TABLE pc PAGE_COMPRESSION_LEVEL=5", None),
    ("CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=1;",
     "ALTER TABLE pc PAGE_COMPRESSION_LEVEL=2;\nALTER TABLE pc PAGE_COMPRESSED=0", 1478),
    ("CREATE TABLE pc (id INT PRIMARY KEY);", "ALTER TABLE pc PAGE_COMPRESSED=1", None),
    # fix-mysql55: the values the server takes, the engines that have the options, the
    # session's innodb_compression_default, and the words of a string or a comment
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=1 PAGE_COMPRESSION_LEVEL=10", 1912),
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=1 PAGE_COMPRESSION_LEVEL=0", 1912),
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=1 PAGE_COMPRESSION_LEVEL='9'",
     None),
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=2", 1912),
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSION_LEVEL=20", 1912),
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=OFF PAGE_COMPRESSION_LEVEL=3",
     1005),
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=YES PAGE_COMPRESSION_LEVEL=3",
     None),
    ("CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=1;",
     "ALTER TABLE pc PAGE_COMPRESSION_LEVEL=10", 1912),
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) ENGINE=MyISAM PAGE_COMPRESSED=1", 1911),
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) ENGINE=Aria PAGE_COMPRESSION_LEVEL=10", 1911),
    ("CREATE TABLE pc (id INT PRIMARY KEY) ENGINE=MyISAM;",
     "ALTER TABLE pc ADD COLUMN y INT, PAGE_COMPRESSED=0", 1911),
    ("CREATE TABLE pc (id INT PRIMARY KEY);", "ALTER TABLE pc ENGINE=MyISAM, PAGE_COMPRESSED=1",
     1911),
    ("CREATE TABLE pc (id INT PRIMARY KEY) ENGINE=MyISAM;",
     "ALTER TABLE pc ENGINE=InnoDB, PAGE_COMPRESSION_LEVEL=3", 1005),
    ("CREATE TABLE pc (id INT PRIMARY KEY) ENGINE=MyISAM;",
     "ALTER TABLE pc ENGINE=InnoDB, PAGE_COMPRESSED=1", None),
    ("", "SET SESSION innodb_compression_default=ON;\n"
         "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSION_LEVEL=3", None),
    ("", "SET innodb_compression_default=1;\n"
         "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=DEFAULT PAGE_COMPRESSION_LEVEL=3",
     None),
    ("", "SET innodb_compression_default=ON;\n"
         "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSED=0 PAGE_COMPRESSION_LEVEL=3", 1005),
    ("", "SET innodb_compression_default=ON;\nCREATE TABLE pc (id INT PRIMARY KEY);\n"
         "SET innodb_compression_default=OFF;\nALTER TABLE pc PAGE_COMPRESSION_LEVEL=3", None),
    ("CREATE TABLE pc (id INT PRIMARY KEY);", "SET innodb_compression_default=ON;\n"
     "ALTER TABLE pc PAGE_COMPRESSION_LEVEL=3", 1478),
    ("", "SET innodb_compression_default=ON;\nSET innodb_compression_default=OFF;\n"
         "CREATE TABLE pc (id INT PRIMARY KEY) PAGE_COMPRESSION_LEVEL=3", 1005),
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) COMMENT 'PAGE_COMPRESSION_LEVEL=3'", None),
    ("", "CREATE TABLE pc (id INT PRIMARY KEY) /* PAGE_COMPRESSED=1 */ PAGE_COMPRESSION_LEVEL=3",
     1005),
    ("CREATE TABLE pc (id INT PRIMARY KEY, v VARCHAR(40));",
     "ALTER TABLE pc MODIFY v VARCHAR(40) DEFAULT 'PAGE_COMPRESSION_LEVEL=3'", None),
]


def _page_compression_codes(lint_change, setup: str, statement: str) -> list[int]:
    report = lint_change(statement + ";", "mariadb", setup=setup or "SELECT 1;")
    return [int(re.search(r"error (\d+)", f.message).group(1)) for f in report.all_findings
            if f.rule in ("mariadb-page-compression-level", "mariadb-page-compression-option")]


@pytest.mark.parametrize(("setup", "statement", "code"), PAGE_COMPRESSION)
def test_a_level_without_page_compression_is_refused(lint_change, setup: str, statement: str,
                                                     code: int | None) -> None:
    assert _page_compression_codes(lint_change, setup, statement) == \
        ([code] if code is not None else [])


def test_a_table_lockwise_does_not_know_is_not_judged(lint_change) -> None:
    """Whether an unknown table is page compressed is not known: its level alone is left."""
    assert _page_compression_codes(lint_change, "SELECT 1;",
                                   "ALTER TABLE elsewhere PAGE_COMPRESSION_LEVEL=3") == []


# --- WITH PARSER ngram ------------------------------------------------------------------------

PARSERS = ["ALTER TABLE t ADD FULLTEXT INDEX t_ft (doc) WITH PARSER ngram",
           "CREATE FULLTEXT INDEX t_ft ON t (doc) WITH PARSER `ngram`",
           "CREATE TABLE ftn (id INT PRIMARY KEY, doc TEXT, FULLTEXT KEY (doc) WITH PARSER ngram)",
           "ALTER TABLE t ADD FULLTEXT INDEX t_ft (doc) WITH PARSER mecab"]


@pytest.mark.parametrize("statement", PARSERS)
def test_mysql_s_full_text_parsers_are_refused_on_mariadb(lint_change, statement: str) -> None:
    report = lint_change(statement + ";", "mariadb", setup=SETUP.replace(DROPS, ""))
    (error,) = [f for f in report.all_findings if f.rule == "parse-error"]
    name = "mecab" if "mecab" in statement else "ngram"
    assert f"error 1128: \"Function '{name}' is not defined\"" in error.message
    assert error.span is not None
    assert statement[error.span.column - 1:].strip("`").startswith(name)


def test_the_ngram_parser_is_mysql_s_full_text_index(lint_change) -> None:
    """MySQL 8 (manual, "ngram Full-Text Parser"; "Online DDL Operations": a FULLTEXT index is
    built in place, writes wait): the index as any other FULLTEXT one (not run: no MySQL)."""
    report = lint_change(PARSERS[0] + ";", "mysql", version="8.0.40",
                         setup=SETUP.replace(DROPS, ""))
    assert "parse-error" not in {f.rule for f in report.all_findings}
    (alter,) = [a for s in report.statements for a in s.effect.actions
                if a.kind == "mysql_alter_table"]
    assert alter.facts["operations"] == ("add_fulltext_index",)
    assert (alter.facts["algorithm"], alter.facts["permits_dml"]) == ("INPLACE", False)


# --- checked on MariaDB -----------------------------------------------------------------------

@pytest.mark.parametrize("case", sorted(CASES))
def test_mariadb_agrees(mariadb, case: str) -> None:
    statement, algorithm, dml = CASES[case]
    _agrees(mariadb, case, statement, SETUP, DROPS)


@pytest.mark.parametrize("case", sorted(COMPRESSED_CASES))
def test_mariadb_agrees_on_compressed_columns(mariadb, case: str) -> None:
    _agrees(mariadb, case, COMPRESSED_CASES[case][0], COMPRESSED_SETUP, COMPRESSED_DROPS)


def _table_id(mariadb, database: str, table: str) -> str:
    return mariadb.run("SELECT TABLE_ID FROM information_schema.INNODB_SYS_TABLES WHERE "
                       f"NAME = '{database}/{table}'", database).stdout.strip()


@pytest.mark.parametrize("case", sorted(ORDERED))
def test_mariadb_copies_for_order_by(mariadb, case: str) -> None:
    """Each algorithm MariaDB accepts gives the table a new InnoDB table_id (even INSTANT,
    which it takes and ignores); INPLACE and LOCK=NONE are refused. ORDER BY goes last:
    the clause is written before it."""
    statement = ORDERED[case]
    head, order = statement.split(" ORDER BY ")

    def with_clause(clause: str) -> str:
        return f"{head.replace('ALTER TABLE t', f'ALTER TABLE t {clause},')} ORDER BY {order}"

    for algorithm in ("INSTANT", "NOCOPY", "COPY"):
        mariadb.fresh("ordered", SETUP.replace(DROPS, ""))
        before = _table_id(mariadb, "ordered", "t")
        ran = mariadb.run(with_clause(f"ALGORITHM={algorithm}"), "ordered")
        assert ran.returncode == 0, ran.stderr
        assert _table_id(mariadb, "ordered", "t") != before, algorithm
    mariadb.fresh("ordered", SETUP.replace(DROPS, ""))
    assert "Try ALGORITHM=COPY" in mariadb.run(with_clause("ALGORITHM=INPLACE"),
                                               "ordered").stderr
    assert "Try LOCK=SHARED" in mariadb.run(with_clause("LOCK=NONE"), "ordered").stderr


@pytest.mark.parametrize(("setup", "statement", "code"), PAGE_COMPRESSION)
def test_mariadb_refuses_a_level_without_page_compression(mariadb, setup: str, statement: str,
                                                          code: int | None) -> None:
    mariadb.fresh("pagec", setup)
    ran = mariadb.run(statement, "pagec")
    found = re.search(r"ERROR (\d+)", ran.stderr)
    assert (int(found.group(1)) if found else None) == code, ran.stderr


@pytest.mark.parametrize("statement", PARSERS)
def test_mariadb_has_no_ngram_parser(mariadb, statement: str) -> None:
    mariadb.fresh("parsers", SETUP.replace(DROPS, ""))
    ran = mariadb.run(statement, "parsers")
    assert "ERROR 1128" in ran.stderr and "is not defined" in ran.stderr, ran.stderr


def test_the_version_is_the_one_checked(mariadb) -> None:
    assert parse_server_version(mariadb.version())[:2] >= (10, 6)
