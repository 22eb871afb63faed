"""MySQL's clauses in statements sqlglot keeps as commands that MariaDB refuses (error 1064 at
the word it stops at; checked on MariaDB 10.11):

* DROP INDEX i ON t ALGORITHM= | LOCK=: MySQL's (its manual, 15.1.27 "DROP INDEX Statement");
  MariaDB's DROP INDEX takes only WAIT n | NOWAIT (its knowledge base, "DROP INDEX");
* a partition operation (ADD, DROP, TRUNCATE, COALESCE, REORGANIZE, EXCHANGE, REBUILD,
  OPTIMIZE, ANALYZE, CHECK, REPAIR ... PARTITION) with another clause: MariaDB runs it as the
  ALTER TABLE's only clause, with no ALGORITHM= or LOCK= before or after it (MySQL takes them
  before it). After one, the server stops at the next word; after its list of partitions, a
  comma reads the next word as a partition's name unless MariaDB reserves it
  (`DROP PARTITION p0, LOCK=NONE` stops at LOCK, `DROP PARTITION p0, ALGORITHM=INPLACE` at
  `=`). EXCHANGE PARTITION p WITH TABLE t {WITH | WITHOUT} VALIDATION is MySQL 5.7's: MariaDB
  always checks the rows it moves;
* MariaDB 10.7's CONVERT PARTITION p TO TABLE t and CONVERT TABLE t TO PARTITION p ... run
  alone too (at the word after CONVERT when another clause comes first, at the word after
  them), and take no VALIDATION clause;
* MySQL's DISCARD | IMPORT PARTITION ... TABLESPACE, which MariaDB has not: at PARTITION (a
  lock wait, WAIT n | NOWAIT, before it too), or at DISCARD | IMPORT after another clause;
* DISCARD | IMPORT TABLESPACE run alone too, on both servers (MySQL 8's sql_yacc.yy,
  standalone_alter_commands; MariaDB's alter_commands): at DISCARD | IMPORT after another
  clause, at the word after them;
* ALGORITHM= / LOCK= before a partition operation with no comma between them: at the
  operation's first word (`LOCK=NONE DROP PARTITION p0` stops at DROP; fix-mysql50);
* REMOVE PARTITIONING: it ends the ALTER TABLE's clauses, with no comma before it
  (`ADD COLUMN x INT REMOVE PARTITIONING` runs; after `,` the server stops at REMOVE), and
  nothing comes after it.

MySQL runs its partition operations alone too, after ALGORITHM= / LOCK= / WITH | WITHOUT
VALIDATION alone (MySQL 8's grammar, sql/sql_yacc.yy: `standalone_alter_table_action:
standalone_alter_commands | alter_commands_modifier_list ',' standalone_alter_commands`),
and takes EXCHANGE PARTITION's VALIDATION clause: refused_partition_operation, with the
words MySQL reserves and its DISCARD | IMPORT PARTITION ... TABLESPACE too.

Imported for MariaDB's commands and MySQL's ALTER TABLEs with a partition operation or a
TABLESPACE only (parse/mysql.py's _refused_by_mysql and runs_alone)."""

from __future__ import annotations

#: The operations written `<word> PARTITION` that run alone.
_OPERATIONS = frozenset({"ADD", "DROP", "TRUNCATE", "COALESCE", "REORGANIZE", "EXCHANGE",
                         "REBUILD", "OPTIMIZE", "ANALYZE", "CHECK", "REPAIR", "CONVERT"})
#: MySQL's, which also has DISCARD | IMPORT PARTITION {names | ALL} TABLESPACE (MySQL 8's
#: sql_yacc.yy, standalone_alter_commands; MariaDB 10.11 has neither: error 1064 at
#: PARTITION, checked); it has no CONVERT PARTITION (refused before, parse/mysql.py).
_MYSQL_OPERATIONS = _OPERATIONS | {"DISCARD", "IMPORT"}
#: The words that end CONVERT TABLE t TO PARTITION p's partition definition (after it, a
#: comma or these: the server stops at them).
_AFTER_DEFINITION = frozenset({"ALGORITHM", "LOCK", "WITH", "WITHOUT"})
#: Those that take `ALL` or a list of partition names, what may come before the list, and what
#: CHECK and REPAIR take after it.
_LISTS = frozenset({"DROP", "TRUNCATE", "REBUILD", "OPTIMIZE", "ANALYZE", "CHECK", "REPAIR",
                    "DISCARD", "IMPORT"})
_BEFORE_LIST = frozenset({"IF", "EXISTS", "NO_WRITE_TO_BINLOG", "LOCAL"})
_AFTER_LIST = {"CHECK": frozenset({"FOR", "UPGRADE", "QUICK", "FAST", "MEDIUM", "EXTENDED",
                                   "CHANGED"}),
               "REPAIR": frozenset({"QUICK", "EXTENDED", "USE_FRM"}),
               "DISCARD": frozenset({"TABLESPACE"}), "IMPORT": frozenset({"TABLESPACE"})}
#: The words that begin an ALTER TABLE clause that MariaDB 10.11 reserves (checked one by one
#: after `DROP PARTITION p0,`: the server stops at these, and reads the others as a name).
_RESERVED = frozenset({
    "ADD", "ALTER", "ANALYZE", "CHANGE", "CHARACTER", "CHECK", "COLLATE", "CONVERT", "DEFAULT",
    "DROP", "FORCE", "IF", "INDEX", "LOCK", "OPTIMIZE", "ORDER", "PAGE_CHECKSUM", "PARTITION",
    "RENAME", "STATS_AUTO_RECALC", "STATS_PERSISTENT", "STATS_SAMPLE_PAGES", "UNION", "WITH",
})
#: Those of them MySQL reserves too (its manual's "Keywords and Reserved Words", 11.3 in 8.4):
#: its table options are no reserved words.
_MYSQL_RESERVED = _RESERVED - {"PAGE_CHECKSUM", "STATS_AUTO_RECALC", "STATS_PERSISTENT",
                               "STATS_SAMPLE_PAGES"}
#: What MySQL takes before a partition operation (alter_commands_modifier).
_MODIFIERS = frozenset({"ALGORITHM", "LOCK", "WITH", "WITHOUT"})


def refused_command(tokens: list, words: list[str]) -> tuple[str, int, int] | None:
    """Where MariaDB stops in the command `tokens` (`words`: their upper-case text), as
    (message, offset, length); None when it reads it."""
    if words[:2] == ["DROP", "INDEX"]:
        return _drop_index_option(tokens, words)
    from lockwise.parse.mysql import runs_alone

    if words[:1] == ["ALTER"] and runs_alone(words) and \
            (refused := _partition_operation(tokens, words)) is not None:
        return refused
    if words[:1] == ["ALTER"]:
        return _repartitioning(tokens, words)
    return None


def _stop(tok, why: str) -> tuple[str, int, int]:
    return f'syntax error at or near "{tok.text}" ({why})', tok.start, len(tok.text)


def _drop_index_option(tokens: list, words: list[str]) -> tuple[str, int, int] | None:
    from sqlglot.tokens import TokenType

    if "ON" not in words:
        return None
    for i in range(words.index("ON") + 2, len(tokens)):
        if words[i] in ("ALGORITHM", "LOCK") and tokens[i].token_type != TokenType.IDENTIFIER \
                and words[i - 1] != ".":
            return _stop(tokens[i], f"MySQL's DROP INDEX ... {words[i]}=; MariaDB writes "
                                    f"ALTER TABLE ... DROP INDEX ..., {words[i]}=...")
    return None


def _is_operation(clause: list, mysql: bool = False) -> bool:
    """Whether `clause` is an operation that runs alone: `<word> PARTITION`, CONVERT TABLE,
    DISCARD | IMPORT TABLESPACE."""
    from sqlglot.tokens import TokenType

    if len(clause) < 2 or clause[0].token_type == TokenType.IDENTIFIER:
        return False
    word, second = clause[0].text.upper(), clause[1].text.upper()
    return word in (_MYSQL_OPERATIONS if mysql else _OPERATIONS) and (
        second == "PARTITION" or word == "CONVERT" and second == "TABLE") or \
        word in ("DISCARD", "IMPORT") and second == "TABLESPACE"


def without_wait_tokens(clause: list) -> list:
    """The clause without MariaDB's lock wait before it (WAIT n | NOWAIT)."""
    if clause[:1] and clause[0].text.upper() in ("WAIT", "NOWAIT"):
        return clause[2 if clause[0].text.upper() == "WAIT" else 1:]
    return clause


def _without_modifiers(clause: list, mysql: bool = False) -> list:
    """The clause without the ALGORITHM [=] x and LOCK [=] x written before it with no comma
    (`LOCK=NONE DROP PARTITION p0`; on MySQL, {WITH | WITHOUT} VALIDATION too); `clause`
    itself when it has none."""
    i = 0
    while clause[i:i + 1]:
        word = clause[i].text.upper()
        if word in ("ALGORITHM", "LOCK"):
            i += 2 + (clause[i + 1:i + 2] != [] and clause[i + 1].text == "=")
        elif mysql and word in ("WITH", "WITHOUT") and \
                [tok.text.upper() for tok in clause[i + 1:i + 2]] == ["VALIDATION"]:
            i += 2
        else:
            break
    return clause[i:] if i and i < len(clause) else clause


def refused_partition_operation(tokens: list, words: list[str]) -> tuple[str, int, int] | None:
    """Where MySQL stops in the ALTER TABLE `tokens` (`words`: their upper-case text) whose
    partition operation comes with another clause, or whose PARTITION BY / REMOVE
    PARTITIONING comes after a comma, as (message, offset, length); None when it reads it."""
    from lockwise.parse.mysql import runs_alone

    if runs_alone(words) and \
            (refused := _partition_operation(tokens, words, mysql=True)) is not None:
        return refused
    return _repartitioning(tokens, words, "MySQL")


def _partition_operation(tokens: list, words: list[str], mysql: bool = False
                         ) -> tuple[str, int, int] | None:
    """The word the server stops at in an ALTER TABLE whose partition operation comes with
    another clause: the operation's own after the first clause (on MySQL, the first but
    ALGORITHM= / LOCK= / VALIDATION ones), else the first word after it."""
    from lockwise.parse.mysql import alter_table_clauses

    clauses = [clause for clause, _ in alter_table_clauses(tokens, words)]
    while mysql and len(clauses) > 1 and clauses[0][:1] and \
            clauses[0][0].text.upper() in _MODIFIERS:
        clauses = clauses[1:]
    if not clauses:
        return None
    if not mysql and (tablespace := _partition_tablespace(clauses)) is not None:
        return tablespace
    first = without_wait_tokens(clauses[0])
    for clause in [first, *clauses[1:]]:  # `[ALGORITHM=INPLACE,] LOCK=NONE DROP PARTITION`
        if clause is not (rest := _without_modifiers(clause, mysql)) and \
                _is_operation(rest, mysql):
            return _modifier_without_comma(rest, mysql)
    if _is_operation(first, mysql):
        return _after_operation(tokens, words, tokens.index(first[0]), mysql)
    server = "MySQL" if mysql else "MariaDB"
    for clause in clauses[1:]:
        if _is_operation(clause, mysql):
            word = clause[0].text.upper()
            # ADD, DROP and CONVERT begin other clauses too: the server stops at the word after
            at = clause[1] if word in ("ADD", "DROP", "CONVERT") else clause[0]
            return _stop(at, f"{server} runs {word} {clause[1].text.upper()} as its ALTER "
                             "TABLE's only clause: write the rest in an ALTER TABLE of its own")
    return None


def _modifier_without_comma(operation: list, mysql: bool) -> tuple[str, int, int]:
    """Where the server stops at the partition operation `operation` written right after
    ALGORITHM= / LOCK= (MySQL: or a VALIDATION clause) with no comma: at its first word."""
    word = f"{operation[0].text.upper()} {operation[1].text.upper()}"
    if mysql:  # (MySQL 8's sql_yacc.yy: alter_commands_modifier_list ',' ...)
        return _stop(operation[0], f"MySQL reads ALGORITHM=, LOCK= and VALIDATION clauses "
                                   f"before {word} only with a comma after them: LOCK=NONE, "
                                   f"{word} ...")
    return _stop(operation[0], f"MariaDB takes no ALGORITHM= or LOCK= clause with {word}: "
                               "leave it out")


def _partition_tablespace(clauses: list) -> tuple[str, int, int] | None:
    """Where MariaDB stops at MySQL's DISCARD | IMPORT PARTITION ... TABLESPACE, which it has
    not: at PARTITION in its ALTER TABLE's first clause, at DISCARD | IMPORT after another
    (after a lock wait, WAIT n | NOWAIT, at PARTITION too; DISCARD / IMPORT TABLESPACE run
    alone; checked on 10.11). None without one."""
    for n, clause in enumerate(clauses):
        clause = without_wait_tokens(clause) if n == 0 else clause
        if _is_operation(clause, mysql=True) and clause[0].text.upper() in (
                "DISCARD", "IMPORT") and clause[1].text.upper() == "PARTITION":
            word = clause[0].text.upper()
            return _stop(clause[1] if n == 0 else clause[0],
                         f"MySQL's {word} PARTITION ... TABLESPACE; MariaDB {word.lower()}s a "
                         "whole table's tablespace only: move a partition's through a plain "
                         "table, with EXCHANGE PARTITION")
    return None


def _after_operation(tokens: list, words: list[str], at: int, mysql: bool = False
                     ) -> tuple[str, int, int] | None:
    """Where the server stops after the partition operation at token `at`: the first token
    after it (after a comma, the next one), or a reserved word in its list of partitions;
    None when the statement ends with it (or lockwise cannot tell where it ends)."""
    operation = words[at]
    only = (f"{'MySQL' if mysql else 'MariaDB'} runs {operation} {words[at + 1]} as its ALTER "
            "TABLE's only clause")
    listed = f"{only}, and reads the words after its commas as partitions"
    if words[at + 1] == "TABLESPACE":  # DISCARD | IMPORT TABLESPACE
        end = at + 2
    elif operation in _LISTS:
        end, reserved = _list_end(tokens, words, at + 2,
                                  _MYSQL_RESERVED if mysql else _RESERVED)
        if reserved is not None:
            return _stop(reserved, f"{listed}: write the rest in an ALTER TABLE of its own")
        if words[end - 2:end - 1] == [","]:  # `p0, ALGORITHM=`: ALGORITHM is a partition
            only = listed
        while words[end:end + 1] and words[end] in _AFTER_LIST.get(operation, ()):
            end += 1
    elif (found := _operation_end(tokens, words, at)) is None:
        return None
    else:
        end = found
    if mysql and operation == "EXCHANGE" and words[end:end + 2] in (
            ["WITH", "VALIDATION"], ["WITHOUT", "VALIDATION"]):
        end += 2  # MySQL's
    end += words[end:end + 1] == [","]
    if end >= len(tokens):
        return None
    if operation in ("EXCHANGE", "CONVERT") and words[end] in ("WITH", "WITHOUT") and \
            words[end + 1:end + 2] == ["VALIDATION"]:
        return _stop(tokens[end], "MySQL's EXCHANGE PARTITION ... VALIDATION; MariaDB always "
                                  "checks the rows: leave the clause out")
    return _stop(tokens[end], f"{only}: write the rest in an ALTER TABLE of its own")


def _list_end(tokens: list, words: list[str], i: int, reserved: frozenset[str] = _RESERVED
              ) -> tuple[int, object]:
    """The index of the first token after the `ALL` or list of partitions from `i` on (after
    IF EXISTS, NO_WRITE_TO_BINLOG or LOCAL), and the word MariaDB reserves that a comma in
    the list brings (None if none)."""
    from sqlglot.tokens import TokenType

    from lockwise.parse.mysql import first_word

    while words[i:i + 1] and words[i] in _BEFORE_LIST:
        i += 1
    if words[i:i + 1] == ["ALL"]:
        return i + 1, None
    first = i
    while i < len(tokens):
        if i > first and tokens[i].token_type != TokenType.IDENTIFIER and \
                first_word(words[i]) in reserved:
            return i, tokens[i]
        if words[i + 1:i + 2] != [","] or i + 2 >= len(tokens):
            return i + 1, None
        i += 2
    return i, None


def _operation_end(tokens: list, words: list[str], at: int) -> int | None:
    """The index of the first token after the partition operation at `at` that takes no list
    of partitions; None when it does not end as its grammar says (a parse error found
    elsewhere, or a form not known here)."""
    from sqlglot.tokens import TokenType

    operation, i = words[at], at + 2
    if operation == "CONVERT" and words[at + 1] == "PARTITION":  # p TO TABLE [db.]t
        return _name_end(tokens, i + 3) if words[i + 1:i + 3] == ["TO", "TABLE"] else None
    if operation == "CONVERT":  # TABLE [db.]t TO PARTITION p <its definition>
        i = _name_end(tokens, at + 2)
        if words[i:i + 2] != ["TO", "PARTITION"]:
            return None
        depth = 0
        for j in range(i + 3, len(tokens)):
            kind = tokens[j].token_type
            depth += (kind == TokenType.L_PAREN) - (kind == TokenType.R_PAREN)
            if depth == 0 and (kind == TokenType.COMMA or words[j] in _AFTER_DEFINITION):
                return j
        return len(tokens)
    if operation == "COALESCE":
        return i + 1 + (words[i:i + 1] == ["NO_WRITE_TO_BINLOG"])
    if operation == "EXCHANGE":
        if words[i + 1:i + 3] != ["WITH", "TABLE"]:
            return None
        return _name_end(tokens, i + 3)
    if operation == "ADD" and words[i:i + 3] == ["IF", "NOT", "EXISTS"]:
        i += 3
    elif operation == "REORGANIZE":
        if "INTO" not in words[i:]:
            return i + (words[i:i + 1] == ["NO_WRITE_TO_BINLOG"])
        i = words.index("INTO", i) + 1
    if operation == "ADD" and words[i:i + 1] == ["PARTITIONS"]:
        return i + 2
    if i >= len(tokens) or tokens[i].token_type != TokenType.L_PAREN:
        return None
    return group_end(tokens, i)


def group_end(tokens: list, i: int) -> int | None:
    """The index after the parenthesised group that opens at `tokens[i]`; None when it is not
    closed."""
    from sqlglot.tokens import TokenType

    depth = 0
    for j in range(i, len(tokens)):
        kind = tokens[j].token_type
        depth += (kind == TokenType.L_PAREN) - (kind == TokenType.R_PAREN)
        if depth == 0:
            return j + 1
    return None


def _name_end(tokens: list, i: int) -> int:
    """The index of the first token after the (qualified) name at `i`."""
    from sqlglot.tokens import TokenType

    i += 1
    while i + 1 < len(tokens) and tokens[i].token_type == TokenType.DOT:
        i += 2
    return i


def _repartitioning(tokens: list, words: list[str], server: str = "MariaDB"
                    ) -> tuple[str, int, int] | None:
    """Where the server stops at the ALTER TABLE's PARTITION BY or REMOVE PARTITIONING: at its
    first word after a comma (both end the ALTER TABLE's clauses, with no comma before them:
    MySQL 8's sql_yacc.yy, `opt_alter_command_list alter_table_partition_options`; checked on
    MariaDB 10.11), else at the first word after REMOVE PARTITIONING (after a comma, the next
    one); None when it reads it."""
    from sqlglot.tokens import TokenType

    from lockwise.parse.mysql import alter_table_clauses

    for clause, comma in alter_table_clauses(tokens, words):
        # (sqlglot's tokenizer makes one token of `PARTITION BY`)
        first = " ".join(tok.text.upper() for tok in clause[:2]).split()[:2]
        if comma is not None and first in (["PARTITION", "BY"], ["REMOVE", "PARTITIONING"]) \
                and clause[0].token_type != TokenType.IDENTIFIER:
            return _stop(clause[0], f"{server} reads {' '.join(first)} after the ALTER TABLE's "
                                    "other clauses, with no comma before it")
    at = next((i for i in range(1, len(tokens) - 1) if words[i:i + 2] ==
               ["REMOVE", "PARTITIONING"] and tokens[i].token_type != TokenType.IDENTIFIER),
              None)
    if at is None:
        return None
    end = at + 2 + (words[at + 2:at + 3] == [","])
    if end >= len(tokens):
        return None
    return _stop(tokens[end], f"{server} reads REMOVE PARTITIONING as its ALTER TABLE's last "
                              "clause: write the others before it, without a comma")

