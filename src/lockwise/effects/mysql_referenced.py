"""MySQL / MariaDB: DROP TABLE and TRUNCATE TABLE of a table another table's foreign key
references, which the server refuses while foreign_key_checks is on.

* TRUNCATE: error 1701 (ER_TRUNCATE_ILLEGAL_FK, "Cannot truncate a table referenced in a
  foreign key constraint (...)") on both servers; a key of the table on itself is no obstacle
  (the manual's "TRUNCATE TABLE Statement", 13.1.37 in 8.0, 15.1.37 in 8.4; checked on
  MariaDB 10.11).
* DROP TABLE: MariaDB answers error 1451 (ER_ROW_IS_REFERENCED_2, "Cannot delete or update a
  parent row: a foreign key constraint fails"), IF EXISTS or not, and works through its list in
  order: a referencing table listed before the referenced one is gone by then, one listed after
  it is not (checked on 10.11: `DROP TABLE c, p` drops both, `DROP TABLE p, c` keeps p, drops
  c and fails). MySQL 8 checks the whole list first, in any order, and then drops nothing:
  error 3730 (ER_FK_CANNOT_DROP_PARENT; MySQL's change for its bug #27821060, not checked on a
  MySQL server).
* With foreign_key_checks = 0 both statements run, and the referencing tables keep their keys
  (checked on 10.11).

Only InnoDB keeps foreign keys: a key of a table of another engine is parsed and forgotten.
"""

from __future__ import annotations

from collections.abc import Container, Sequence

from lockwise.catalog.model import Catalog, Constraint

_TRUNCATE = (1701, "Cannot truncate a table referenced in a foreign key constraint ({})")
#: The server's answer, by statement and flavour: (error code, message).
_ERRORS = {
    ("TRUNCATE TABLE", "mysql"): _TRUNCATE, ("TRUNCATE TABLE", "mariadb"): _TRUNCATE,
    ("DROP TABLE", "mysql"): (3730, "Cannot drop table '{table}' referenced by a foreign key "
                                    "constraint '{key}' on table '{referencing}'."),
    ("DROP TABLE", "mariadb"): (1451, "Cannot delete or update a parent row: a foreign key "
                                      "constraint fails"),
}
#: What to do instead, by statement.
_FIXES = {
    "DROP TABLE": "-- drop {referencing} first (or list it before {table} in this DROP "
                  "TABLE), or its foreign\n-- key if {table} is to go without it:\n"
                  "-- ALTER TABLE {referencing} DROP FOREIGN KEY {key};",
    "TRUNCATE TABLE": "-- delete {table}'s rows in batches (DELETE checks each against the "
                      "foreign key),\n-- or drop the foreign key first if it is to go:\n"
                      "-- ALTER TABLE {referencing} DROP FOREIGN KEY {key};",
}


def referenced_table_refusal(catalog: Catalog, table: str, statement: str, flavour: str,
                             gone: Container[str] = frozenset(),
                             keys: Sequence[tuple[str, Constraint]] | None = None
                             ) -> dict | None:
    """The refusal of `statement` (DROP TABLE or TRUNCATE TABLE) of `table` for a foreign key
    of another table that references it (the first by name), that table not among `gone`
    (dropped by the same DROP TABLE before the server reaches `table`): its facts, or None
    when no such key stops it. The caller asks only while foreign_key_checks is on. `keys`:
    `catalog.referencing(table)`, when the caller found it already (`referencing_each`)."""
    for referencing, key in catalog.referencing(table) if keys is None else keys:
        known = catalog.tables.get(referencing)
        if referencing == table or referencing in gone or (
                known is not None and (known.engine or "innodb") != "innodb"):
            continue
        code, error = _ERRORS[statement, flavour]
        names = {"table": table.split(".")[-1], "key": key.name,
                 "referencing": referencing.split(".")[-1]}
        return {"statement_text": statement, "referencing_table": referencing,
                "foreign_key": key.name, "error_code": code, "others_kept_text": "",
                "server_error": error.format(f"{names['referencing']}, CONSTRAINT {key.name}",
                                             **names),
                "fix_sql": _FIXES[statement].format(**names)}
    return None
