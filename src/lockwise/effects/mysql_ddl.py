"""What MySQL 8 and MariaDB do for each online-DDL operation: algorithm, rebuild, lock.

One table, one place. Each entry says, per server flavour, the cheapest algorithm the server
accepts (INSTANT, then INPLACE, else COPY), whether INPLACE rebuilds the table, and whether
concurrent DML is allowed (LOCK=NONE). Sources:

* MySQL: the reference manual's "Online DDL Operations" tables (8.0 and 8.4); version gates
  such as INSTANT ADD COLUMN at any position and INSTANT DROP COLUMN from 8.0.29. These facts
  are documentation-based: no MySQL server is available to test them here.
* MariaDB: its "InnoDB Online DDL Operations" documentation, checked case by case against a
  real MariaDB server by tests/mysql/test_mariadb_truth.py (Debian's mariadb-server).
"""

from __future__ import annotations

from dataclasses import dataclass

Version = tuple[int, ...]

#: Algorithms from cheapest to most expensive. MariaDB's NOCOPY is INPLACE without a rebuild.
ALGORITHMS = ("INSTANT", "NOCOPY", "INPLACE", "COPY")
#: The algorithm of an operation that runs on none of them (DISCARD / IMPORT TABLESPACE: a
#: tablespace file deleted or attached, outside the ALTER TABLE paths).
NO_ALGORITHM = ""
LOCKS = ("NONE", "SHARED", "EXCLUSIVE")


@dataclass(frozen=True, slots=True)
class Capability:
    """How the server can run one operation."""

    #: Minimum server version for INSTANT; None: never instant.
    instant_from: Version | None
    #: Whether INPLACE is possible at all (False: COPY only).
    inplace: bool
    #: Whether the INPLACE path rebuilds the table (copies every row into a new file).
    rebuilds: bool
    #: Whether concurrent writes are allowed while it runs (LOCK=NONE).
    permits_dml: bool
    #: Where the fact comes from: "documentation" or "verified on MariaDB".
    source: str = "documentation"
    #: The server refuses LOCK=NONE and LOCK=SHARED even though the operation is instant
    #: (MariaDB's ALTER TABLE ... RENAME TO), or copies no row (DISCARD / IMPORT
    #: TABLESPACE, never instant, and not in place either: `inplace` False, NO_ALGORITHM):
    #: only LOCK=EXCLUSIVE or no LOCK clause runs.
    exclusive_only: bool = False


def _cap(instant_from: Version | None, inplace: bool, rebuilds: bool, dml: bool,
         source: str = "documentation", exclusive_only: bool = False) -> Capability:
    return Capability(instant_from, inplace, rebuilds, dml, source, exclusive_only)


_NEVER = None
#: MySQL 8.0.12 brought ALGORITHM=INSTANT: before it, the metadata-only operations the manual
#: lists as instant run in place (8.0.11 was the first 8.0 GA).
_INSTANT_ALGORITHM = (8, 0, 12)
_V = "verified on MariaDB"

#: operation -> {"mysql": Capability, "mariadb": Capability}
OPERATIONS: dict[str, dict[str, Capability]] = {
    # columns
    "add_column_last": {"mysql": _cap((8, 0, 12), True, True, True),
                        "mariadb": _cap((10, 3), True, True, True, _V)},
    "add_column_positioned": {"mysql": _cap((8, 0, 29), True, True, True),
                              "mariadb": _cap((10, 4), True, True, True, _V)},
    "add_column_auto_increment": {"mysql": _cap(_NEVER, True, True, False),
                                  "mariadb": _cap(_NEVER, True, True, False, _V)},
    "add_column_stored_generated": {"mysql": _cap(_NEVER, False, True, False),
                                    "mariadb": _cap(_NEVER, False, True, False, _V)},
    "add_column_virtual_generated": {"mysql": _cap((8, 0, 12), True, False, True),
                                     "mariadb": _cap((10, 3), True, False, True, _V)},
    # ADD COLUMN with a DEFAULT computed for each row (reading another column, or UUID()):
    # MariaDB copies the table (checked on 10.11). MySQL: no expression DEFAULT is instant
    # (ALGORITHM=INSTANT is refused with error 1845, observed on MySQL 8.0 in
    # vitessio/vitess#16024; the manual's "Online DDL Operations" is silent), and InnoDB's
    # in-place path fills a new column with one value for every row: a value per row comes
    # from the server's row-by-row copy, where it evaluates the expression ("Data Type
    # Default Values", 13.6 in 8.0, the expression is evaluated for each row).
    "add_column_row_default": {"mysql": _cap(_NEVER, False, True, False),
                               "mariadb": _cap(_NEVER, False, True, False, _V)},
    # ADD COLUMN with any other expression DEFAULT, `(2 + 5)`, `(NOW())`, `('x')` (a TEXT /
    # JSON column's only form): MySQL only, never instant (above), the in-place rebuild.
    # MariaDB adds such a column as a literal default's (checked on 10.11: NOW(), RAND()), so
    # effects/mysql.py plans this one for MySQL only.
    "add_column_expression_default": {"mysql": _cap(_NEVER, True, True, True)},
    "drop_column": {"mysql": _cap((8, 0, 29), True, True, True),
                    "mariadb": _cap((10, 4), True, True, True, _V)},
    # A column some index has (effects/mysql_keys.py). When every such index goes with it,
    # MariaDB drops the column instantly and the indexes without a rebuild: NOCOPY ("DROP
    # COLUMN of an indexed column would imply DROP INDEX ... not allowed with
    # ALGORITHM=INSTANT, but ... with ALGORITHM=NOCOPY", its ALTER TABLE page). When an index
    # keeps other columns it is built again, and the table rebuilt. MySQL: an index change is
    # not instant, and an instant DROP COLUMN takes no such company ("Online DDL
    # Operations": "cannot be combined in the same statement with other ALTER TABLE actions
    # that do not support ALGORITHM=INSTANT"): its in-place path rebuilds.
    "drop_column_with_index": {"mysql": _cap(_NEVER, True, True, True),
                               "mariadb": _cap(_NEVER, True, False, True, _V)},
    "drop_column_indexed": {"mysql": _cap(_NEVER, True, True, True),
                            "mariadb": _cap(_NEVER, True, True, True, _V)},
    # A VIRTUAL generated column stores nothing: dropping it changes metadata only, instant
    # since MySQL 8.0.12 (the manual's "Generated Column Operations": "Dropping a VIRTUAL
    # column ... instantly or in place", no rebuild; the 8.0.12 release notes list "adding or
    # dropping a virtual column" as INSTANT).
    "drop_column_virtual_generated": {"mysql": _cap((8, 0, 12), True, False, True),
                                      "mariadb": _cap((10, 3), True, False, True, _V)},
    # On a partitioned table neither is in place: the table is copied, writes wait (the
    # manual's "ALTER TABLE and Generated Columns", 13.1.9.2 in 8.0, 15.1.9.2 in 8.4: "For
    # partitioned tables, ADD COLUMN and DROP COLUMN are not in-place operations for virtual
    # columns"; MariaDB 10.11 the same). MySQL runs them so too beside another operation
    # when the statement cannot be instant ("adding or dropping a virtual column cannot be
    # performed in place in combination with other ALTER TABLE operations"; effects/mysql.py).
    "add_column_virtual_generated_partitioned": {
        "mysql": _cap(_NEVER, False, True, False),
        "mariadb": _cap(_NEVER, False, True, False, _V)},
    "drop_column_virtual_generated_partitioned": {
        "mysql": _cap(_NEVER, False, True, False),
        "mariadb": _cap(_NEVER, False, True, False, _V)},
    # An index on a VIRTUAL column the same statement adds: built in place with writes
    # waiting. MariaDB checked on 10.11; MySQL's InnoDB the same code
    # (check_if_supported_inplace_alter in handler0alter.cc: a key part on an added virtual
    # column turns LOCK=NONE off, ER_UNSUPPORTED_ALTER_ONLINE_ON_VIRTUAL_COLUMN).
    "add_index_on_new_virtual_column": {"mysql": _cap(_NEVER, True, False, False),
                                        "mariadb": _cap(_NEVER, True, False, False, _V)},
    # An index with a functional key part, `((lower(email)))` (MySQL 8.0.13+): MySQL adds a
    # hidden VIRTUAL column and indexes it (8.4 manual, 15.1.15 "CREATE INDEX Statement",
    # "Functional Key Parts": "implemented as hidden virtual generated columns"). The manual's
    # "Online DDL Operations" has no row for it; InnoDB's check_if_supported_inplace_alter
    # (handler0alter.cc) runs ADD INDEX beside an added virtual column in place, no rebuild,
    # but a key part on that column turns LOCK=NONE off (ER_UNSUPPORTED_ALTER_ONLINE_ON_
    # VIRTUAL_COLUMN): writes wait. A UNIQUE one is not among the operations it runs beside
    # an added virtual column (ADD_UNIQUE_INDEX): the table is copied. MariaDB has none (a
    # syntax error there, parse/mysql.py): its entries only mirror MySQL's.
    "add_functional_index": {"mysql": _cap(_NEVER, True, False, False),
                             "mariadb": _cap(_NEVER, True, False, False)},
    "add_functional_unique_index": {"mysql": _cap(_NEVER, False, True, False),
                                    "mariadb": _cap(_NEVER, False, True, False)},
    # On a partitioned table InnoDB adds no virtual column in place (check_if_supported_
    # inplace_alter: partition_info_str), as for a VIRTUAL column there: a copy.
    "add_functional_index_partitioned": {"mysql": _cap(_NEVER, False, True, False),
                                         "mariadb": _cap(_NEVER, False, True, False)},
    # A multi-valued index, `(CAST(json AS type ARRAY))` (MySQL 8.0.17+): "Online creation of
    # a multi-valued index is not supported, which means the operation uses ALGORITHM=COPY"
    # (8.4 manual, 15.1.15 "CREATE INDEX Statement", "Multi-Valued Indexes").
    "add_multi_valued_index": {"mysql": _cap(_NEVER, False, True, False),
                               "mariadb": _cap(_NEVER, False, True, False)},
    "rename_column": {"mysql": _cap((8, 0, 28), True, False, True),
                      "mariadb": _cap((10, 3), True, False, True, _V)},
    "reorder_column": {"mysql": _cap(_NEVER, True, True, True),
                       "mariadb": _cap((10, 4), True, True, True, _V)},
    "set_default": {"mysql": _cap(_INSTANT_ALGORITHM, True, False, True),
                    "mariadb": _cap((10, 3), True, False, True, _V)},
    "drop_default": {"mysql": _cap(_INSTANT_ALGORITHM, True, False, True),
                     "mariadb": _cap((10, 3), True, False, True, _V)},
    "change_column_type": {"mysql": _cap(_NEVER, False, True, False),
                           "mariadb": _cap(_NEVER, False, True, False, _V)},
    # MODIFY / CHANGE giving an existing column AUTO_INCREMENT: "Cannot change column type"
    # for INPLACE, a copy (checked on MariaDB 10.11, fix-mysql53; MySQL answers alike in its
    # users' reports, not checked on a MySQL server). Taking it away changes metadata only.
    "make_column_auto_increment": {"mysql": _cap(_NEVER, False, True, False),
                                   "mariadb": _cap(_NEVER, False, True, False, _V)},
    "extend_varchar_same_length_bytes": {"mysql": _cap(_NEVER, True, False, True),
                                         "mariadb": _cap((10, 4), True, False, True, _V)},
    # Past 255 bytes a VARCHAR's length takes two bytes; InnoDB stores a length under 128 in
    # one byte either way, so MariaDB extends instantly a column of at most 127 bytes, and
    # copies one of 128 to 255 (checked on 10.11: utf8mb4 VARCHAR(31) -> (100) instant,
    # VARCHAR(32) -> (100) a copy). MySQL copies both ("Extending VARCHAR column size":
    # "the number of length bytes required by a VARCHAR column must remain the same").
    "extend_varchar_more_length_bytes": {"mysql": _cap(_NEVER, False, True, False),
                                         "mariadb": _cap((10, 4), True, False, True, _V)},
    # utf8mb3 -> utf8mb4 of a CHAR / VARCHAR / TEXT column (effects/mysql.py says when): no
    # byte changes. MariaDB 10.4 made it instant ("we support some instant conversions of
    # character encoding, most notably from ... utf8mb3 to ... utf8mb4", its ALTER TABLE
    # improvements in 10.4; checked on 10.11). MySQL copies: an index has the column, a
    # VARCHAR gains a length byte, or a CHAR (not read in MySQL's source: the manual's
    # "Changing the column data type" holds).
    "widen_utf8mb3_to_utf8mb4": {"mysql": _cap(_NEVER, False, True, False),
                                 "mariadb": _cap((10, 4), True, False, True, _V)},
    # The same, no index has the column and a VARCHAR keeps its length bytes (or a TEXT its
    # type): MySQL 8.0 changes metadata only, in place ("Alter table with character set
    # conversion as inplace operation, Step 1, NO INDEX", WL#11605; sql/field.cc,
    # charset_prevents_inplace: utf8mb3 -> utf8mb4 is "potentially acceptable if the field is
    # not indexed", length_prevents_inplace: no crossing of "the 256 byte row format
    # barrier"), as for a collation. The manual's "Online DDL Operations" (17.12.1 in 8.0)
    # lists only the general "Changing the column data type": COPY.
    "widen_utf8mb3_to_utf8mb4_unindexed": {"mysql": _cap(_NEVER, True, False, True),
                                           "mariadb": _cap((10, 4), True, False, True, _V)},
    # A CHAR / VARCHAR / TEXT column's collation, same character set (effects/mysql.py says
    # when): no byte changes. MySQL: in place, no rebuild (an equal pack length); with an
    # index on the column, a copy (MySQL 8.0's sql/field.cc, charset_prevents_inplace: "the
    # changes listed above are potentially acceptable if the field is not indexed").
    # MariaDB: instant; with an index, the index is built again without a rebuild (NOCOPY,
    # writes continue); both checked on 10.11.
    "change_collation": {"mysql": _cap(_NEVER, True, False, True),
                         "mariadb": _cap((10, 3), True, False, True, _V)},
    "change_collation_indexed": {"mysql": _cap(_NEVER, False, True, False),
                                 "mariadb": _cap(_NEVER, True, False, True, _V)},
    "extend_varchar_more_length_bytes_long": {"mysql": _cap(_NEVER, False, True, False),
                                              "mariadb": _cap(_NEVER, False, True, False, _V)},
    # A spatial subtype (POINT, POLYGON...) to GEOMETRY, same SRID: MariaDB 10.11 runs it
    # instantly; MySQL's manual lists no exception to "changing the column data type".
    "widen_spatial_type": {"mysql": _cap(_NEVER, False, True, False),
                           "mariadb": _cap((10, 3), True, False, True, _V)},
    "shrink_varchar": {"mysql": _cap(_NEVER, False, True, False),
                       "mariadb": _cap(_NEVER, False, True, False, _V)},
    # Instant in MariaDB only for ROW_FORMAT=REDUNDANT; the default DYNAMIC format rebuilds.
    "make_column_nullable": {"mysql": _cap(_NEVER, True, True, True),
                             "mariadb": _cap(_NEVER, True, True, True, _V)},
    "make_column_not_null": {"mysql": _cap(_NEVER, True, True, True),
                             "mariadb": _cap(_NEVER, True, True, True, _V)},
    # The same under a sql_mode with no strict mode (fix-mysql57). MySQL's InnoDB rebuilds in
    # place only in a strict mode ("Online DDL Operations": "STRICT_ALL_TABLES or
    # STRICT_TRANS_TABLES SQL_MODE is required for the operation to succeed"; its handler
    # refuses INPLACE otherwise): a copy. MariaDB 10.11 rebuilds in place either way, writes
    # going on, and without a strict mode turns the NULLs into the type's zero (warning 1265;
    # checked: the table_id changes, LOCK=NONE taken).
    "make_column_not_null_not_strict": {"mysql": _cap(_NEVER, False, True, False),
                                        "mariadb": _cap(_NEVER, True, True, True, _V)},
    "extend_enum": {"mysql": _cap(_INSTANT_ALGORITHM, True, False, True),
                    "mariadb": _cap((10, 3), True, False, True, _V)},
    # indexes and keys
    "add_index": {"mysql": _cap(_NEVER, True, False, True),
                  "mariadb": _cap(_NEVER, True, False, True, _V)},
    # The first FULLTEXT index adds the hidden FTS_DOC_ID column: the table is rebuilt.
    "add_fulltext_index": {"mysql": _cap(_NEVER, True, True, False),
                           "mariadb": _cap(_NEVER, True, True, False, _V)},
    # Once the hidden FTS_DOC_ID column is there (an earlier FULLTEXT index, even dropped since),
    # another FULLTEXT index is built without a rebuild; writes still wait (checked on MariaDB
    # 10.11; MySQL's manual: "additional FULLTEXT indexes may be added without rebuilding").
    "add_fulltext_index_beside_doc_id": {"mysql": _cap(_NEVER, True, False, False),
                                         "mariadb": _cap(_NEVER, True, False, False, _V)},
    # In place, InnoDB builds one FULLTEXT index per statement: two or more force a copy.
    "add_fulltext_indexes": {"mysql": _cap(_NEVER, False, True, False),
                             "mariadb": _cap(_NEVER, False, True, False, _V)},
    "add_spatial_index": {"mysql": _cap(_NEVER, True, False, False),
                          "mariadb": _cap(_NEVER, True, False, False, _V)},
    "drop_index": {"mysql": _cap(_NEVER, True, False, True),
                   "mariadb": _cap(_NEVER, True, False, True, _V)},
    # The manual's index table: renaming an index is in place (metadata only), not instant.
    "rename_index": {"mysql": _cap(_NEVER, True, False, True),
                     "mariadb": _cap((10, 3), True, False, True, _V)},
    # ALTER INDEX ... VISIBLE / INVISIBLE (MySQL), ... [NOT] IGNORED (MariaDB 10.6+): the
    # optimizer's flag only, the index is kept up to date either way. MySQL's manual ("Invisible
    # Indexes"): "fast, in-place operations"; InnoDB counts an index option change among the
    # changes it ignores, which run instantly from 8.0.12.
    "set_index_visibility": {"mysql": _cap(_INSTANT_ALGORITHM, True, False, True),
                             "mariadb": _cap((10, 6), True, False, True, _V)},
    # ALTER IGNORE TABLE adding a UNIQUE or PRIMARY KEY (MariaDB's; MySQL has no ALTER
    # IGNORE since 5.7.4): a copy that deletes the rows whose key repeats (1846 for INPLACE,
    # checked on MariaDB 10.11; effects/mysql.py's _ignoring_duplicates)
    "add_unique_key_ignoring_duplicates": {"mariadb": _cap(_NEVER, False, True, False, _V)},
    "add_primary_key": {"mysql": _cap(_NEVER, True, True, True),
                        "mariadb": _cap(_NEVER, True, True, True, _V)},
    # Dropping the primary key without adding another forces a copy; replacing it in the same
    # statement is "add_primary_key" (see effects/mysql.py).
    "drop_primary_key": {"mysql": _cap(_NEVER, False, True, False),
                         "mariadb": _cap(_NEVER, False, True, False, _V)},
    "add_foreign_key": {"mysql": _cap(_NEVER, False, True, False),
                        "mariadb": _cap(_NEVER, False, True, False, _V)},
    "add_foreign_key_checks_off": {"mysql": _cap(_NEVER, True, False, True),
                                   "mariadb": _cap(_NEVER, True, False, True, _V)},
    "drop_foreign_key": {"mysql": _cap(_NEVER, True, False, True),
                         "mariadb": _cap((10, 3), True, False, True, _V)},
    "add_check_constraint": {"mysql": _cap(_NEVER, False, True, False),
                             "mariadb": _cap(_NEVER, False, True, False, _V)},
    # Before MySQL 8.0.16 (MariaDB 10.2.1) a CHECK clause is parsed and ignored: nothing is
    # recorded, no row is read (see CHECK_ENFORCED_FROM).
    "add_check_constraint_ignored": {"mysql": _cap(_INSTANT_ALGORITHM, True, False, True),
                                     "mariadb": _cap((10, 3), True, False, True)},
    # CHECK (...) NOT ENFORCED (MySQL 8.0.16+): written to the data dictionary, no row read
    # (the manual's "CHECK Constraints", 15.1.20.6 in 8.4: a NOT ENFORCED constraint "is
    # created but not enforced"); sql_table.cc sends only enforced ones to the copy, and
    # InnoDB counts ADD_CHECK_CONSTRAINT among the changes it ignores, as a drop. MariaDB has
    # no NOT ENFORCED (a syntax error there, parse/mysql.py): its entry only mirrors MySQL's.
    "add_check_constraint_not_enforced": {"mysql": _cap((8, 0, 16), True, False, True),
                                          "mariadb": _cap((10, 3), True, False, True)},
    "drop_check_constraint": {"mysql": _cap((8, 0, 16), True, False, True),
                              "mariadb": _cap((10, 3), True, False, True, _V)},
    # MySQL 8.0.16+: ALTER CHECK / CONSTRAINT c ENFORCED validates every row, as adding an
    # enforced one does (8.4 manual, 15.1.9 "ALTER TABLE Statement": an error when existing
    # rows violate it; sql_table.cc's is_any_check_constraints_evaluation_required sends both
    # to the copy); NOT ENFORCED only marks it in the data dictionary (InnoDB ignores
    # SUSPEND_CHECK_CONSTRAINT, as DROP_CHECK_CONSTRAINT). MariaDB has neither (a syntax
    # error there, parse/mysql.py): its entries only mirror MySQL's.
    "enforce_check_constraint": {"mysql": _cap(_NEVER, False, True, False),
                                 "mariadb": _cap(_NEVER, False, True, False)},
    "suspend_check_constraint": {"mysql": _cap((8, 0, 16), True, False, True),
                                 "mariadb": _cap((10, 3), True, False, True)},
    # whole table
    "convert_character_set": {"mysql": _cap(_NEVER, False, True, False),
                              "mariadb": _cap(_NEVER, False, True, False, _V)},
    # A bare [DEFAULT] CHARACTER SET / COLLATE only names the default of columns added later:
    # stored rows and existing columns keep their encoding. MySQL's manual lists it in place,
    # not instant, with concurrent DML; MariaDB 10.11 runs it instantly.
    "set_default_charset": {"mysql": _cap(_NEVER, True, False, True),
                            "mariadb": _cap((10, 3), True, False, True, _V)},
    "rebuild_table": {"mysql": _cap(_NEVER, True, True, True),
                      "mariadb": _cap(_NEVER, True, True, True, _V)},
    # MariaDB's system-versioned tables (10.3.4 on; MySQL has none, a syntax error there):
    # ADD SYSTEM VERSIONING copies the table, DROP SYSTEM VERSIONING (which deletes the
    # history rows) rebuilds it in place; neither lets writes continue (checked on 10.11:
    # "Not implemented for system-versioned timestamp tables. Try ALGORITHM=COPY", and for
    # DROP, LOCK=NONE "Not implemented for system-versioned operations. Try LOCK=SHARED").
    "add_system_versioning": {"mariadb": _cap(_NEVER, False, True, False, _V)},
    # ORDER BY: the rows copied in that order (InnoDB keeps them in the clustered index's, and
    # warns "ORDER BY ignored as there is a user-defined clustered index", but copies all the
    # same). MariaDB 10.11: INPLACE refused ("Try ALGORITHM=COPY"), LOCK=NONE refused ("COPY
    # algorithm requires a lock"), and even ALGORITHM=INSTANT or NOCOPY gives the table a new
    # InnoDB table_id (fix-mysql54). MySQL: sql_table.cc's is_inplace_alter_impossible (not
    # checked on a server).
    "order_rows": {"mysql": _cap(_NEVER, False, True, False),
                   "mariadb": _cap(_NEVER, False, True, False, _V)},
    "drop_system_versioning": {"mariadb": _cap(_NEVER, True, True, False, _V)},
    "change_row_format": {"mysql": _cap(_NEVER, True, True, True),
                          "mariadb": _cap(_NEVER, True, True, True, _V)},
    "set_auto_increment": {"mysql": _cap(_NEVER, True, False, True),
                           "mariadb": _cap((10, 3), True, False, True, _V)},
    "rename_table": {"mysql": _cap(_INSTANT_ALGORITHM, True, False, True),
                     "mariadb": _cap((10, 3), True, False, True, _V, exclusive_only=True)},
    # An ALTER TABLE naming no operation (`ALTER TABLE t`, an ALGORITHM= or LOCK= clause
    # aside): nothing is altered, no row read. MySQL's mysql_alter_table sends a statement
    # without operations (unless ALGORITHM=COPY) down its path for RENAME and DISABLE /
    # ENABLE KEYS, which changes metadata only; MariaDB 10.11 keeps the table's InnoDB
    # table_id and accepts every ALGORITHM= and LOCK= (checked). `ALTER TABLE t FORCE` and
    # `ENGINE=InnoDB` are the rebuilds ("Online DDL Operations", 17.12.1 in 8.0: "Rebuilding
    # with the FORCE option", "Performing a null rebuild").
    "alter_nothing": {"mysql": _cap(_INSTANT_ALGORITHM, True, False, True),
                      "mariadb": _cap((10, 3), True, False, True, _V)},
    # DISABLE / ENABLE KEYS: InnoDB ignores it (mysqldump writes it around its data), but
    # MariaDB takes it only with LOCK=EXCLUSIVE or no LOCK clause, as RENAME TO.
    "toggle_keys": {"mysql": _cap(_INSTANT_ALGORITHM, True, False, True),
                    "mariadb": _cap((10, 3), True, False, True, _V, exclusive_only=True)},
    # partitions (MySQL's "Partitioning Operations" table; RANGE / LIST partitioning for ADD,
    # whose HASH / KEY form copies rows). MariaDB takes no ALGORITHM= / LOCK= clause on them
    # (a syntax error, checked on MariaDB 10.11), so their algorithm cannot be observed there.
    "add_partition": {"mysql": _cap(_NEVER, True, False, True),
                      "mariadb": _cap(_NEVER, True, False, True)},
    "drop_partition": {"mysql": _cap(_NEVER, True, False, True),
                       "mariadb": _cap(_NEVER, True, False, True)},
    "truncate_partition": {"mysql": _cap(_NEVER, True, False, True),
                           "mariadb": _cap(_NEVER, True, False, True)},
    "exchange_partition": {"mysql": _cap(_NEVER, True, False, True),
                           "mariadb": _cap(_NEVER, True, False, True)},
    # MariaDB 10.7's CONVERT PARTITION ... TO TABLE and CONVERT TABLE ... TO PARTITION move a
    # partition's file as EXCHANGE PARTITION does (MDEV-22166: no row copied; a table
    # converted to a partition has its rows checked against the partition's range). MySQL
    # has neither (a syntax error there, parse/mysql.py): its entry only mirrors MariaDB's.
    "convert_partition": {"mysql": _cap(_NEVER, True, False, True),
                          "mariadb": _cap(_NEVER, True, False, True)},
    "maintain_partition": {"mysql": _cap(_NEVER, True, False, True),  # ANALYZE/CHECK/REPAIR
                           "mariadb": _cap(_NEVER, True, False, True)},
    # ADD PARTITION on a HASH / KEY partitioned table spreads the rows again: in place, writes
    # wait ("Partitioning Operations": LOCK=SHARED for HASH and KEY partitions, "Does not copy
    # existing data for tables partitioned by RANGE or LIST").
    "add_partition_hash": {"mysql": _cap(_NEVER, True, True, False),
                           "mariadb": _cap(_NEVER, True, True, False)},
    # COALESCE / REORGANIZE / REBUILD PARTITION copy the rows of the partitions they touch.
    "reorganize_partition": {"mysql": _cap(_NEVER, True, True, False),
                             "mariadb": _cap(_NEVER, True, True, False)},
    # PARTITION BY, REMOVE PARTITIONING.
    "repartition": {"mysql": _cap(_NEVER, False, True, False),
                    "mariadb": _cap(_NEVER, False, True, False)},
    # OPTIMIZE PARTITION: InnoDB optimizes no single partition, and rebuilds the whole table.
    # On MariaDB 10.11 ("Table does not support optimize on partitions. All partitions will
    # be rebuilt and analyzed") every partition gets a new tablespace, the other partitions'
    # files are rewritten too, and writes to any partition go on while it runs: the in-place
    # rebuild of OPTIMIZE TABLE, not a copy (docs/mysql.md, fix-mysql50). MySQL's is the
    # manual's: "In Place: No", "Permits DML: No", "ALGORITHM and LOCK clauses are ignored.
    # Rebuilds the entire table" (8.0 / 8.4, "Online DDL Operations", partitioning table;
    # effects/mysql.py's _read_clauses), though its OPTIMIZE TABLE page says OPTIMIZE TABLE
    # rebuilds a partitioned InnoDB table online: not checked on a MySQL server (docs/mysql.md,
    # fix-mysql52).
    "optimize_partition": {"mysql": _cap(_NEVER, False, True, False),
                           "mariadb": _cap(_NEVER, True, True, True, _V)},
    # DISCARD / IMPORT [PARTITION {names | ALL}] TABLESPACE: a tablespace file deleted or
    # attached, no row copied, no rebuild; neither instant nor in place online, DML waits
    # (MySQL 8.0 / 8.4 manual, "Online DDL Operations", Partitioning Operations: DISCARD and
    # IMPORT PARTITION "Only permits ALGORITHM=DEFAULT, LOCK=DEFAULT"; "ALTER TABLE Partition
    # Operations"; MySQL's sql_table.cc takes an exclusive metadata lock for them, in
    # mysql_discard_or_import_tablespace, MariaDB's too: asked for from the start, checked on
    # 10.11). Neither instant, in place nor a copy: NO_ALGORITHM, under an exclusive lock.
    # MariaDB has the whole table's only (parse/mariadb_refusals.py).
    "transport_tablespace": {"mysql": _cap(_NEVER, False, False, False, exclusive_only=True),
                             "mariadb": _cap(_NEVER, False, False, False, _V,
                                             exclusive_only=True)},
    # A MODIFY that restates the column as it is, or changes only its comment.
    "metadata_only": {"mysql": _cap(_INSTANT_ALGORITHM, True, False, True),
                      "mariadb": _cap((10, 3), True, False, True, _V)},
    # COMMENT= is a table option as DEFAULT CHARSET= is: MySQL's CHANGE_CREATE_OPTION, which
    # is neither in INNOBASE_INSTANT_ALLOWED nor in INNOBASE_INPLACE_IGNORE (MySQL 8.4's
    # storage/innobase/handler/handler0alter.cc, innobase_support_instant: INSTANT_IMPOSSIBLE)
    # and, alone, needs no rebuild (innobase_need_rebuild): in place, metadata only.
    "set_table_comment": {"mysql": _cap(_NEVER, True, False, True),
                          "mariadb": _cap((10, 3), True, False, True, _V)},
}


#: The storage engines that have no online DDL (by their name in lower case, as the catalog
#: keeps it): an ALTER of such a table copies it (ALGORITHM=COPY, LOCK=SHARED: reads go on,
#: writes wait) unless it changes metadata only (ENGINE_METADATA_ONLY). MariaDB 10.11 answers
#: ALGORITHM=INSTANT, NOCOPY or INPLACE and LOCK=NONE with error 1845 for ADD / DROP COLUMN,
#: FORCE, ADD / DROP INDEX, MODIFY, AUTO_INCREMENT=, ADD CHECK, DEFAULT CHARACTER SET on
#: MyISAM, Aria and MEMORY tables, and a second session's SELECT ran while its INSERT waited
#: for the copy (checked, docs/mysql.md fix-mysql58). MySQL 8: from its manual only ("ALTER
#: TABLE Statement", Performance and Space Requirements: INPLACE is for InnoDB's online DDL,
#: renaming a table and the operations that only modify table metadata).
#: CSV, ARCHIVE and BLACKHOLE too (fix-mysql59, MariaDB 10.11: 1845 for INPLACE and LOCK=NONE;
#: CSV changes metadata as MyISAM does, ARCHIVE and BLACKHOLE copy for everything but RENAME
#: TO: ENGINE_KEEPS).
COPYING_ENGINES = frozenset({"myisam", "aria", "memory", "heap", "csv", "archive",
                             "blackhole"})
#: The storage engines' names as the servers write them, by the catalog's lower-case name.
ENGINE_NAMES = {"myisam": "MyISAM", "aria": "Aria", "memory": "MEMORY", "heap": "MEMORY",
                "archive": "ARCHIVE", "csv": "CSV", "blackhole": "BLACKHOLE"}
#: What those engines still change without a copy: the table's metadata only (MariaDB 10.11
#: took ALGORITHM=INSTANT and LOCK=NONE for each on a MyISAM table; RENAME TO and DISABLE
#: KEYS want LOCK=EXCLUSIVE there, as on InnoDB).
ENGINE_METADATA_ONLY = frozenset({
    "rename_column", "set_default", "drop_default", "metadata_only", "set_table_comment",
    "rename_table", "rename_index", "set_index_visibility", "extend_enum",
    "drop_check_constraint", "alter_nothing", "toggle_keys"})
#: The operations an engine of COPYING_ENGINES runs without a copy, where not
#: ENGINE_METADATA_ONLY: MariaDB 10.11 answers ALGORITHM=INSTANT with 1845 for RENAME COLUMN,
#: SET / DROP DEFAULT and COMMENT= on an ARCHIVE or BLACKHOLE table, and takes it for RENAME TO.
ENGINE_KEEPS = {"archive": frozenset({"rename_table"}),
                "blackhole": frozenset({"rename_table"})}


def engine_copies(plans: list[Plan], operations: list[str], flavour: str,
                  kept: frozenset[str] = ENGINE_METADATA_ONLY) -> list[Plan]:
    """The plans of an ALTER of a table whose engine has no online DDL (COPYING_ENGINES):
    each operation but the `kept` ones (those that change metadata only, or ENGINE_KEEPS's;
    none for an ALTER moving the table to another engine, engine_moved) is copied, writes
    waiting."""
    source = _V if flavour == "mariadb" else "documentation"
    return [p if op in kept else Plan("COPY", True, False, "SHARED", source)
            for op, p in zip(operations, plans, strict=True)]


def engine_moved(engine: str, altered: str) -> tuple[str, str] | None:
    """The storage engines (as the servers write them: from, to) of an ALTER whose ENGINE=
    `altered` (as written; "" for none) names another engine than the table's `engine`
    (lower case, "" for InnoDB, the default): the rows move to the new engine's files, a copy
    (ALGORITHM=COPY, LOCK=SHARED: reads go on, writes wait; MariaDB 10.11 for InnoDB, MyISAM,
    Aria and MEMORY both ways, checked; MySQL 8: its manual's "ALTER TABLE Statement"). None
    when it names the same engine, or none."""
    names = {**ENGINE_NAMES, "innodb": "InnoDB", "": "InnoDB"}
    old, new = names.get(engine, engine), names.get(altered.lower(), altered)
    return (old, new) if altered and old.lower() != new.lower() else None


#: The first version that enforces CHECK constraints: older servers parse a CHECK clause (a
#: column's or the table's, in CREATE TABLE and ALTER TABLE) and ignore it. MySQL's manual,
#: "CHECK Constraints" (13.1.20.6 in the 8.0 manual); MariaDB's "CONSTRAINT" page.
CHECK_ENFORCED_FROM: dict[str, Version] = {"mysql": (8, 0, 16), "mariadb": (10, 2, 1)}


#: The operations InnoDB runs instantly by writing a new row version (MySQL 8.0.29+): each
#: statement that adds or drops columns so makes one.
ROW_VERSION_OPERATIONS = frozenset({"add_column_last", "add_column_positioned", "drop_column"})


def max_row_versions(version: Version) -> int | None:
    """How many row versions a MySQL table takes before INSTANT ADD / DROP COLUMN stops
    (None before 8.0.29, which brought them): 64, 255 from 9.1.0. Past it the statement takes
    its in-place path, and an ALGORITHM=INSTANT fails (error 4092, "Maximum row versions
    reached ... Please use COPY/INPLACE"). MySQL 8.0 / 8.4 manual, "Online DDL Operations",
    Column Operations; 8.0.29 release notes; the 9.5 manual says 255."""
    if version < (8, 0, 29):
        return None
    return 255 if version >= (9, 1, 0) else 64


def instant_column_layout(operation: str, flavour: str) -> bool:
    """Whether `operation` is a column change InnoDB makes instantly only on a plain table,
    its other path an in-place rebuild (ADD / DROP / reorder COLUMN): the hidden FTS_DOC_ID
    column, a compressed row format (checked on MariaDB 10.11) or MySQL's last row version
    send it there."""
    cap = OPERATIONS[operation][flavour]
    return cap.instant_from is not None and cap.inplace and cap.rebuilds


@dataclass(frozen=True, slots=True)
class Plan:
    """What the server will do for one operation on one version."""

    algorithm: str  # INSTANT | NOCOPY | INPLACE | COPY, or NO_ALGORITHM
    rebuilds: bool
    permits_dml: bool
    lock: str  # the weakest LOCK= clause the operation allows: NONE | SHARED | EXCLUSIVE
    source: str


def plan(operation: str, flavour: str, version: Version, instant: bool = True) -> Plan:
    """The cheapest way `flavour` (mysql | mariadb) at `version` runs `operation`.

    `instant=False`: the way it runs beside an operation that cannot be instant. The server
    runs the whole ALTER with one algorithm, so an instant ADD COLUMN next to an ADD INDEX
    takes its in-place path, and rebuilds the table."""
    cap = OPERATIONS[operation][flavour]
    if cap.exclusive_only:
        return Plan("INSTANT" if cap.instant_from is not None else
                    "INPLACE" if cap.inplace else NO_ALGORITHM, False, False, "EXCLUSIVE",
                    cap.source)
    if cap.instant_from is not None and version >= cap.instant_from and (
            instant or not cap.inplace):
        return Plan("INSTANT", False, True, "NONE", cap.source)
    if cap.inplace:
        algorithm = "INPLACE" if cap.rebuilds or flavour == "mysql" else "NOCOPY"
        return Plan(algorithm, cap.rebuilds, cap.permits_dml,
                    "NONE" if cap.permits_dml else "SHARED", cap.source)
    return Plan("COPY", True, False, "SHARED", cap.source)


#: The partition operations, which MariaDB runs with no ALGORITHM= / LOCK= clause (error
#: 1064 before or after them). Not repartition: PARTITION BY and REMOVE PARTITIONING take
#: them when written before with no comma, `LOCK=SHARED REMOVE PARTITIONING`, and answer
#: LOCK=NONE with 1846 and ALGORITHM=INPLACE with 1845 (MariaDB 10.11, fix-mysql50).
PARTITION_OPERATIONS = frozenset(op for op in OPERATIONS
                                 if "partition" in op and op != "repartition")


def known_algorithms(flavour: str, version: Version) -> tuple[str, ...]:
    """The ALGORITHM= values the server knows, cheapest first: INSTANT arrived in MySQL 8.0.12,
    INSTANT and NOCOPY in MariaDB 10.3.7; MySQL never had NOCOPY."""
    if flavour == "mariadb":
        return ALGORITHMS if version >= (10, 3, 7) else ("INPLACE", "COPY")
    return ("INSTANT", "INPLACE", "COPY") if version >= (8, 0, 12) else ("INPLACE", "COPY")


def algorithm_allowed(requested: str, best: str, flavour: str,
                      version: Version = (99,)) -> bool:
    """Whether `ALGORITHM=requested` is accepted for an operation whose cheapest path is best.

    Asking for a cheaper algorithm than the server can do is an error, and so is a value the
    server does not know (NOCOPY on MySQL, INSTANT on MySQL 5.7); asking for a more expensive
    one is allowed (it is just slower). DEFAULT is always accepted.
    """
    if requested in ("", "DEFAULT"):
        return True
    order = known_algorithms(flavour, version)
    best_key = "INPLACE" if best not in order and best in ALGORITHMS else best
    if requested not in order:
        return False
    return order.index(requested) >= order.index(best_key)


def lock_allowed(requested: str, weakest: str, flavour: str = "mariadb",
                 requested_algorithm: str = "") -> bool:
    """Whether `LOCK=requested` is accepted when the operation needs at least `weakest`."""
    return not lock_refusal(requested, weakest, flavour, requested_algorithm)


def lock_refusal(requested: str, weakest: str, flavour: str = "mariadb",
                 requested_algorithm: str = "") -> str:
    """Why the server refuses `LOCK=requested` when the operation needs at least `weakest`;
    "" when it accepts it.

    MySQL takes no LOCK clause but DEFAULT beside ALGORITHM=INSTANT ("Incorrect usage of
    ALGORITHM=INSTANT and LOCK=NONE/SHARED/EXCLUSIVE"); MariaDB accepts it."""
    if requested in ("", "DEFAULT"):
        return ""
    if requested not in LOCKS:
        return f"the server knows no LOCK={requested}"
    if flavour == "mysql" and requested_algorithm == "INSTANT":
        return "MySQL takes no LOCK= clause but LOCK=DEFAULT beside ALGORITHM=INSTANT"
    if weakest in LOCKS and LOCKS.index(requested) < LOCKS.index(weakest):
        return f"it needs at least LOCK={weakest}"
    return ""
