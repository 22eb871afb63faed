"""An UPDATE or DELETE of every row, written as batches MySQL and MariaDB accept.

MySQL refuses `LIMIT` in an `IN (SELECT ...)` subquery and a subquery reading the table being
changed, but its single-table UPDATE and DELETE take `ORDER BY ... LIMIT` themselves:
- DELETE: the same statement with `ORDER BY key LIMIT 5000`, repeated until it deletes nothing
  (the rows left are all still to go);
- UPDATE setting values that do not read the row: with a condition true only for the rows it
  has not changed yet (`NOT (a <=> 1 AND b <=> 'x')`), repeated until it changes nothing;
- anything else (a SET value reading the row, now() or another value that differs between
  batches, a multi-table UPDATE or DELETE, which refuse ORDER BY and LIMIT): a walk over the
  primary key in ranges, remembered in user variables between batches.
"""

from __future__ import annotations

from lockwise.catalog.model import Catalog
from lockwise.parse.quoting import quote_mysql_ident, quote_mysql_qualified

BATCH_ROWS = 5000

#: Expression nodes whose value is the same in every batch and reads no column: literals,
#: operators and deterministic built-ins (sqlglot names them by class). A function sqlglot
#: does not know (`Anonymous`: NOW(), SYSDATE(), a stored function) or a user variable is not.
_STABLE_NODES = frozenset({
    "Literal", "Null", "Boolean", "Neg", "Not", "Paren", "Cast", "DataType", "DataTypeParam",
    "Add", "Sub", "Mul", "Div", "Mod", "IntDiv", "BitwiseAnd", "BitwiseOr", "BitwiseXor",
    "EQ", "NEQ", "GT", "GTE", "LT", "LTE", "And", "Or", "Case", "If", "Coalesce",
    "Concat", "ConcatWs", "Lower", "Upper", "Trim", "Substring", "Round", "Abs",
    "JSONObject", "JSONKeyValue",
})
#: Column types whose stored value can differ from the value assigned (rounding, JSON
#: normalisation): `col <=> value` may never hold after the UPDATE, and the batches would pick
#: the same rows for ever.
_INEXACT_TYPES = frozenset({"float", "double", "real", "decimal", "numeric", "dec", "fixed",
                            "json"})
#: Column types compared without a collation (bytes, or by member).
_BYTEWISE_TYPES = frozenset({"binary", "varbinary", "tinyblob", "blob", "mediumblob",
                             "longblob", "bit"})
_MEMBER_TYPES = frozenset({"enum", "set"})
_STRING_TYPES = frozenset({"char", "varchar", "tinytext", "text", "mediumtext", "longtext",
                           "nchar", "nvarchar"})


def batches_sql(expr, catalog: Catalog, table: str, written: dict[str, str]) -> str:
    """The batched form of `expr`, an UPDATE or DELETE without WHERE on `table`, as SQL lines
    (comments say how to repeat them). `written` holds names as the statement spells them."""
    from sqlglot import exp

    key = [quote_mysql_ident(written.get(c, c)) for c in catalog.primary_key(table)]
    known = catalog.defined_here(table) is not None
    head = _head_sql(expr)
    multi = _is_multi_table(expr)
    if isinstance(expr, exp.Delete) and not multi:
        # MariaDB's RETURNING ends the statement, after ORDER BY and LIMIT (before them it
        # is a syntax error; checked on 10.11): each batch returns the rows it deleted
        returning = expr.args.get("returning")
        if returning is not None:
            without = expr.copy()
            without.set("returning", None)
            head = _head_sql(without)
        return "\n".join(("-- repeat until it deletes no rows:", *_order_note(key, known),
                          _limited(head, "", key, "" if returning is None else
                                   f" {returning.sql(dialect='mysql')}")))
    condition, why = (None, "it names more than one table, and a multi-table UPDATE takes "
                      "no ORDER BY or LIMIT") if multi else _not_yet_updated(expr, catalog,
                                                                             table)
    if condition is not None:
        return "\n".join(("-- repeat until it changes no rows:", *_order_note(key, known),
                          _limited(head, f" WHERE {condition}", key)))
    if isinstance(expr, exp.Delete):
        why = "it names more than one table, and a multi-table DELETE takes no ORDER BY or LIMIT"
    # a multi-table statement's WHERE only joins (limits_rows): each batch joins the same way
    where = expr.args.get("where") if multi else None
    joined = f"({where.this.sql(dialect='mysql')}) AND " if where is not None else ""
    return _key_walk(expr, head, key, known, quote_mysql_qualified(
        ".".join(written.get(p, p) for p in table.split("."))), why, joined)


def _head_sql(expr) -> str:
    """The statement without WHERE, ORDER BY and LIMIT, as MySQL reads it."""
    from sqlglot import exp

    head = expr.copy()
    for arg in ("where", "order", "limit"):
        head.set(arg, None)
    # sqlglot reads `SET a = DEFAULT` as a column named DEFAULT, and would write it quoted.
    for column in list(head.find_all(exp.Column)):
        if not column.table and not column.this.quoted and column.name.upper() == "DEFAULT":
            column.replace(exp.var("DEFAULT"))
    return head.sql(dialect="mysql")


def limits_rows(expr) -> bool:
    """Whether the conditions of an UPDATE or DELETE (its WHERE, and its joins' ON) may limit
    the rows it changes. Not when there are none, nor when each ANDed one is true by its
    literals alone (`WHERE true`, `1 = 1`, `WHERE 1`, as sqlglot's simplifier folds them) or equates
    columns of two different tables the statement names: a join, after which every row with a
    match changes, as for PostgreSQL's UPDATE ... FROM. A derived table beside it, or any
    other condition, may limit them (a filter, a key range)."""
    from sqlglot import exp
    from sqlglot.optimizer.simplify import simplify

    where = expr.args.get("where")
    conditions = [where.this] if where is not None else []
    names: set[str] = set()
    sources = [expr.this, *(expr.args.get("using") or ())]
    while sources:
        source = sources.pop()
        if not isinstance(source, exp.Table):
            return True
        names.add(source.alias_or_name.lower())
        for join in source.args.get("joins") or ():
            sources.append(join.this)
            conditions += [join.args["on"]] if join.args.get("on") is not None else []
    while conditions:
        condition = conditions.pop()
        if isinstance(condition, exp.Paren):
            conditions.append(condition.this)
        elif isinstance(condition, exp.And):
            conditions += [condition.this, condition.expression]
        elif not _joins(condition, names) and (
                # one that reads a column or a query is not true by its literals alone (and
                # is not simplified: a long IN list would take long)
                condition.find(exp.Column, exp.Query) is not None or
                not _always_true(simplify(condition.copy(), dialect="mysql"))):
            return True
    return False


def _always_true(folded) -> bool:
    """TRUE, or a number other than 0, which MySQL reads as true (`WHERE 1`)."""
    from sqlglot import exp

    if isinstance(folded, exp.Boolean):
        return folded == exp.true()
    try:
        return isinstance(folded, exp.Literal) and not folded.is_string and \
            float(folded.this) != 0
    except ValueError:
        return False


def _joins(condition, names: set[str]) -> bool:
    """`a.x = b.y`: an equality of columns of two different tables among `names`."""
    from sqlglot import exp

    if not isinstance(condition, exp.EQ):
        return False
    sides = (condition.this, condition.expression)
    tables = [side.table.lower() for side in sides if isinstance(side, exp.Column)]
    return len(tables) == 2 and set(tables) <= names and tables[0] != tables[1]


def _is_multi_table(expr) -> bool:
    from sqlglot import exp

    target = expr.this
    joins = target.args.get("joins") if isinstance(target, exp.Table) else None
    return bool(joins or (isinstance(expr, exp.Delete)
                          and (expr.args.get("tables") or expr.args.get("using"))))


def _limited(head: str, where: str, key: list[str], returning: str = "") -> str:
    order = f" ORDER BY {', '.join(key)}" if key else ""
    return f"{head}{where}{order} LIMIT {BATCH_ROWS}{returning};"


def _order_note(key: list[str], known: bool) -> tuple[str, ...]:
    """Why a batch has no ORDER BY: any rows it takes are still to do, so the batches finish
    in any order; ORDER BY the key only makes each batch's rows the same on a replica that
    replays statements (binlog_format=STATEMENT warns of a LIMIT either way)."""
    if key:
        return ()
    reason = "the table has no primary key" if known else "the table's primary key is unknown"
    return (f"-- no ORDER BY: {reason}; with binlog_format=STATEMENT add one on a unique key "
            "so replicas change the same rows",)


def _not_yet_updated(expr, catalog: Catalog, table: str) -> tuple[str | None, str]:
    """`NOT (a <=> 1 AND b <=> 'x')` for `SET a = 1, b = 'x'`: true exactly for the rows the
    UPDATE has not changed yet; else None and why no such condition can be written."""
    from sqlglot import exp

    known = catalog.tables.get(table)
    tests, targets = [], set()
    for assignment in expr.expressions:
        column, value = assignment.this, assignment.expression
        name = column.name.lower()
        if not isinstance(column, exp.Column) or name in targets:
            return None, "it sets a column twice"
        targets.add(name)
        if reason := _unstable(value):
            return None, f"SET {column.sql(dialect='mysql')} = {reason}"
        type_name = known.columns[name].type_name if known and name in known.columns else ""
        if type_name in _INEXACT_TYPES:
            return None, (f"{column.sql(dialect='mysql')} is {type_name.upper()}: the value "
                          "stored can differ from the value set")
        tests.append(f"{column.sql(dialect='mysql')} <=> {_compared(value, type_name)}")
    if not tests:
        return None, "it sets nothing"
    return f"NOT ({' AND '.join(tests)})", ""


def _unstable(value) -> str:
    """Why `value` cannot be compared with what a batch stored ('' when it can): it reads the
    row (a column, which a later assignment may also see changed), it is DEFAULT (not known
    here), or it can differ from one batch to the next (a subquery of another table, NOW(),
    RAND(), a user variable)."""
    from sqlglot import exp

    columns = list(value.find_all(exp.Column))
    if isinstance(value, exp.Var) or any(c.name.upper() == "DEFAULT" and not c.table
                                         and not c.this.quoted for c in columns):
        return "DEFAULT, whose value is not known here"
    if any(column.find_ancestor(exp.Select) is None for column in columns):
        return f"{value.sql(dialect='mysql')} reads the row"
    if tables := sorted({t.name for t in value.find_all(exp.Table)}):
        # a subquery's columns are its tables' (or, correlated, the row's): it reads them
        # again in each batch
        return (f"{value.sql(dialect='mysql')} reads {', '.join(tables)} again in each batch, "
                "which can change between batches")
    if not all(type(node).__name__ in _STABLE_NODES for node in value.walk()):
        return f"{value.sql(dialect='mysql')} can differ from one batch to the next"
    return ""


def _compared(value, type_name: str) -> str:
    """`value` as compared with the column: strings byte for byte (the default collations
    ignore case and accents, so `'Free' <=> 'free'` holds though the UPDATE changes the row),
    converted to utf8mb4 first so that the collation applies whatever the connection's
    character set. ENUM / SET compare by member, bytes and numbers need no collation."""
    from sqlglot import exp

    sql = value.sql(dialect="mysql")
    string = type_name in _STRING_TYPES or (
        not type_name and isinstance(value, exp.Literal) and value.is_string)
    if not string or type_name in _MEMBER_TYPES | _BYTEWISE_TYPES:
        return sql
    return f"CONVERT({sql} USING utf8mb4) COLLATE utf8mb4_bin"


def _key_walk(expr, head: str, key: list[str], known: bool, table_sql: str, why: str,
              joined: str = "") -> str:
    """Batches over ranges of the primary key: the end of the next 5000 keys is looked up,
    the statement runs on the keys up to it, and it becomes where the next batch starts."""
    from sqlglot import exp

    lines = [f"-- no condition tells a row this changed from one it did not: {why}; walk the "
             "primary key in ranges instead"]
    if not key:
        reason = "the table has no primary key" if known else "the table's primary key is unknown"
        lines.append(f"-- {reason}: replace the_key with a unique NOT NULL column")
        key = ["the_key"]
    qualifier = _target_name(expr)
    qualified = [f"{qualifier}.{k}" if qualifier else k for k in key]
    last = [f"@lockwise_last_{i}" for i in range(1, len(key) + 1)]
    end = [f"@lockwise_end_{i}" for i in range(1, len(key) + 1)]
    batch = (f"(SELECT {', '.join(key)} FROM {table_sql} WHERE {last[0]} IS NULL OR "
             f"{_after(key, last)} ORDER BY {', '.join(key)} LIMIT {BATCH_ROWS}) AS batch")
    newest = ", ".join(f"{k} DESC" for k in key)
    verb = "deletes" if isinstance(expr, exp.Delete) else "changes"
    lines += [
        "-- once:",
        f"SET {', '.join(f'{v} = NULL' for v in last + end)};",
        f"-- then repeat these three until the first leaves {end[0]} as it was (the second "
        f"then {verb} nothing):",
        f"SET {', '.join(f'{e} = COALESCE((SELECT {k} FROM {batch} ORDER BY {newest} LIMIT 1), {e})' for e, k in zip(end, key, strict=True))};",  # noqa: E501
        f"{head} WHERE {joined}({last[0]} IS NULL OR {_after(qualified, last)}) AND "
        f"{_up_to(qualified, end)};",
        f"SET {', '.join(f'{v} = {e}' for v, e in zip(last, end, strict=True))};",
    ]
    return "\n".join(lines)


def target_table(expr):
    """The table an UPDATE or DELETE changes, as a sqlglot Table: the one its first SET column
    or first deleted name refers to (resolving an alias), else the first table it names."""
    from sqlglot import exp

    first = expr.this if isinstance(expr.this, exp.Table) else None
    if isinstance(expr, exp.Delete):
        names = expr.args.get("tables") or []
        wanted = names[0].alias_or_name if names else ""
    else:
        column = expr.expressions[0].this if expr.expressions else None
        wanted = column.table if isinstance(column, exp.Column) else ""
    if not wanted or first is None:
        return first
    sources = [first, *(j.this for j in first.args.get("joins") or ())]
    for using in expr.args.get("using") or ():
        sources += [using, *(j.this for j in using.args.get("joins") or ())]
    for source in sources:
        if isinstance(source, exp.Table) and source.alias_or_name.lower() == wanted.lower():
            return source
    return first


def _target_name(expr) -> str:
    """How a multi-table statement names the table whose key is walked (its alias, or its
    name as written); '' for a single-table one, whose columns need no qualifier."""
    if not _is_multi_table(expr):
        return ""
    target = target_table(expr)
    return quote_mysql_ident(target.alias_or_name) if target is not None else ""


def _after(columns: list[str], values: list[str]) -> str:
    """`(c1, c2) > (v1, v2)` written as `c1 > v1 OR (c1 = v1 AND c2 > v2)`, which MySQL reads
    as ranges of the key's index (a row comparison it would scan for)."""
    return _lexicographic(columns, values, ">", ">")


def _up_to(columns: list[str], values: list[str]) -> str:
    """`(c1, c2) <= (v1, v2)`, as `_after` writes it."""
    return _lexicographic(columns, values, "<", "<=")


def _lexicographic(columns: list[str], values: list[str], before_last: str, last: str) -> str:
    terms = []
    for i, (column, value) in enumerate(zip(columns, values, strict=True)):
        op = last if i == len(columns) - 1 else before_last
        equal = [f"{c} = {v}" for c, v in zip(columns[:i], values[:i], strict=True)]
        terms.append(" AND ".join([*equal, f"{column} {op} {value}"]))
    if len(terms) == 1:
        return terms[0]
    return "(" + " OR ".join(f"({t})" if " AND " in t else t for t in terms) + ")"
