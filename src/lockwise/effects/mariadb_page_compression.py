"""MariaDB's page compression table options, PAGE_COMPRESSED and PAGE_COMPRESSION_LEVEL, and
the statements InnoDB refuses for them (checked on MariaDB 10.11, docs/mysql.md fix-mysql54).

A compression level means something only for a page-compressed table: InnoDB refuses a table
left with a PAGE_COMPRESSION_LEVEL and without PAGE_COMPRESSED=1, whether the statement writes
both or the table had one of them before (`ALTER TABLE t PAGE_COMPRESSED=0` of a table created
with a level). CREATE TABLE fails with error 1005 (errno 140, "Wrong create options"), ALTER
TABLE with error 1478 (1005 again with ALGORITHM=COPY, whose new table is refused). The level
alone on a page-compressed table is metadata: INSTANT, writes go on.
"""

from __future__ import annotations

import re

from lockwise.catalog.model import Table

#: A page compression option and its value (`=` and quotes optional, as in the server's own
#: SHOW CREATE TABLE: `PAGE_COMPRESSED`='1').
_OPTION = re.compile(r"(?<![\w$`])`?(PAGE_COMPRESSED|PAGE_COMPRESSION_LEVEL)`?\s*=?\s*'?(\w+)",
                     re.IGNORECASE)
#: The server's messages, by statement.
_ERRORS = {"CREATE": (1005, "Can't create table {table} (errno: 140 \"Wrong create options\")"),
           "ALTER": (1478, "Table storage engine 'InnoDB' does not support the create option "
                           "'PAGE_COMPRESSION_LEVEL'")}


def written_options(sql: str) -> dict[str, bool]:
    """The page compression options `sql` writes, upper case, each as whether it is set
    (a value other than 0; the last one written counts)."""
    return {name.upper(): value not in ("0", "DEFAULT", "default")
            for name, value in _OPTION.findall(sql)}


def apply_options(table: Table, sql: str) -> None:
    """Record on `table` the page compression options `sql` (its CREATE or ALTER) writes."""
    written = written_options(sql)
    table.page_compressed = written.get("PAGE_COMPRESSED", table.page_compressed)
    table.page_compression_level = written.get("PAGE_COMPRESSION_LEVEL",
                                               table.page_compression_level)


def refused(sql: str, table: Table | None, statement: str, table_text: str) -> dict | None:
    """The facts of MariaDB's refusal of `sql`, a CREATE or ALTER (`statement`) TABLE of
    `table` (None: unknown to the replay, or new), when it leaves the table with a
    compression level and no page compression; None otherwise, or when the options are not
    known (an ALTER of a table the replay does not know writing only PAGE_COMPRESSED=0)."""
    written = written_options(sql)
    if not written:
        return None
    before = table if statement == "ALTER" else None
    level = written.get("PAGE_COMPRESSION_LEVEL",
                        before.page_compression_level if before is not None else False)
    compressed = written.get("PAGE_COMPRESSED",
                             before.page_compressed if before is not None else False)
    if not level or compressed or statement == "ALTER" and table is None and \
            "PAGE_COMPRESSED" not in written:
        return None
    code, message = _ERRORS[statement]
    return {"error_code": code, "server_error": message.format(table=table_text),
            "statement_text": f"{statement} TABLE"}
