"""A rule's `instead` template written as SQL that names the statement's own objects.

Facts hold raw names (`public.User`, `displayName`): substituted as they are, a suggestion
for a Prisma table reads `ALTER TABLE User ...`, a syntax error (`user` is reserved) and, for
any other mixed-case name, another (lower-cased) object. `SQL_FACTS` is the one list of the
facts an `instead` template may name and how each is written; a fact not on it (types,
expressions, bounds, whole statements such as deparsed SQL, keywords, comment text) is
substituted unchanged, as `render` does for messages, so SQL text is never quoted twice.

A name a template builds by concatenation (`{table_name}_{column}_not_null`, `{column}_new`)
is one identifier: written quoted as a whole, and fit to 63 bytes as PostgreSQL fits the names
it makes (the facts shortened, the literal text kept).
"""

from __future__ import annotations

# `string.Formatter().parse` is this function: without importing `string`, whose
# Template compiles its pattern at import (0.6% of a one-file lint).
from _string import formatter_parser
from collections.abc import Callable, Mapping

from lockwise.core.lazy_re import lazy_compile
from lockwise.parse.quoting import (
    fit_name,
    quote_ident,
    quote_literal,
    quote_mysql_ident,
    quote_mysql_literal,
    quote_mysql_qualified,
    quote_qualified,
    truncate_identifier,
)
from lockwise.rules.engine import fields_of, render


class Quoting:
    """How one SQL dialect writes an identifier, a qualified name, a string constant, and
    joins a name it builds from facts and literal text (`_built`). (Not a dataclass: two
    constants, and making a dataclass costs every lint about 1 M instructions.)"""

    __slots__ = ("ident", "join", "literal", "qualified")

    def __init__(self, ident: Callable[[str], str], qualified: Callable[[str], str],
                 literal: Callable[[object], str],
                 join: Callable[[list[tuple[bool, str]]], str]) -> None:
        self.ident = ident
        self.qualified = qualified
        self.literal = literal
        self.join = join


POSTGRESQL = Quoting(quote_ident, quote_qualified, quote_literal,
                     lambda parts: truncate_identifier(fit_name(parts)))
#: MySQL's names are cut at 64 characters but never silently: the server refuses longer ones.
MYSQL = Quoting(quote_mysql_ident, quote_mysql_qualified, quote_mysql_literal,
                lambda parts: "".join(text for _, text in parts))
_QUOTING = {"postgresql": POSTGRESQL, "mysql": MYSQL, "mariadb": MYSQL}

#: Writes one fact of `facts` as SQL in a dialect's quoting; None when the facts lack it.
Writer = Callable[[Mapping[str, object], Quoting], str | None]

#: What lockwise writes in a name list where it knows no name (an index on an expression).
_UNNAMED = "(expression)"


def _each(key: str, write_value: Callable[[Quoting, str], str]) -> Writer:
    """A fact written by `write_value`; an empty or None value as nothing, as `render` does."""
    def write(facts: Mapping[str, object], q: Quoting) -> str | None:
        if key not in facts:
            return None
        value = facts[key]
        return write_value(q, str(value)) if value is not None and value != "" else ""
    return write


def _name(key: str) -> Writer:
    """One identifier: `displayName` -> `"displayName"`."""
    return _each(key, lambda q, value: q.ident(value))


def _qualified(key: str) -> Writer:
    """A schema-qualified name (`app.User` -> `app."User"`); a bare name as one identifier."""
    return _each(key, lambda q, value: q.qualified(value))


def _as_written(key: str, full: str) -> Writer:
    """A relation as the user wrote it: the `key` fact holds either the qualified `full` fact
    (written with its schema) or the bare name, which may itself hold a dot. Without `key`,
    the qualified name."""
    qualified = _qualified(full)

    def write(facts: Mapping[str, object], q: Quoting) -> str | None:
        value = facts.get(key)
        if key not in facts or value == facts.get(full):
            return qualified(facts, q)
        return q.ident(str(value)) if value else ""
    return write


def _names(key: str, items: str, qualified: bool = False) -> Writer:
    """A comma list fact (`columns_text`) written item by item from its tuple (`columns`);
    the text as it is when the tuple is empty or absent (a placeholder such as `<key>`)."""
    as_is = _raw(key)

    def write(facts: Mapping[str, object], q: Quoting) -> str | None:
        values = facts.get(items)
        if not values or not isinstance(values, (list, tuple)):
            return as_is(facts, q)
        quote = q.qualified if qualified else q.ident
        return ", ".join(v if v == _UNNAMED else quote(str(v)) for v in values)
    return write


def _items(key: str, write_item: Callable[[Quoting, object], str]) -> Writer:
    """A fact written by `write_item`; a list fact item by item, as a comma list."""
    def write(facts: Mapping[str, object], q: Quoting) -> str | None:
        if key not in facts:
            return None
        value = facts[key]
        if isinstance(value, (list, tuple)):
            return ", ".join(write_item(q, item) for item in value)
        return "" if value is None else write_item(q, value)
    return write


def _literal(key: str) -> Writer:
    """A string constant (`it's` -> `'it''s'`); a list fact as a comma list of constants."""
    return _items(key, lambda q, value: q.literal(value))


def _raw(key: str) -> Writer:
    """A fact substituted unchanged, as `render` substitutes it."""
    return _items(key, lambda q, value: str(value))


#: Facts that name one object, written as one identifier. They may also be parts of a name a
#: template builds (`{table_name}_{column}_not_null`): raw values joined, quoted as one.
NAME_FACTS = ("column", "constraint", "deprecated_name", "index_name", "new_name",
              "not_null_check", "pk_not_null_check", "refused_sequence_name", "savepoint",
              "schema", "table_name", "tablespace", "using_index")

#: The facts `instead` templates name, and how each is written. A fact name means the same
#: kind of thing in every action that has it: `name` (a domain, a REINDEX target, a setting,
#: a renamed object) is always a possibly qualified name, `value` a constant.
SQL_FACTS: dict[str, Writer] = {
    **{key: _name(key) for key in NAME_FACTS},
    "generated_column": _name("generated_column"),
    # schema-qualified names, always qualified by the effect model
    "deprecated_table": _qualified("deprecated_table"),
    "index": _qualified("index"),
    "name": _qualified("name"),
    "parent": _qualified("parent"),
    "partition": _qualified("partition"),
    "table": _qualified("table"),
    "type": _qualified("type"),
    # relations as the statement wrote them, with or without a schema
    "index_sql": _as_written("index_sql", "index"),
    "new_table_sql": _as_written("new_table_sql", "new_table"),
    "parent_sql": _as_written("parent_sql", "parent"),
    "partition_sql": _as_written("partition_sql", "partition"),
    "ref_table_sql": _as_written("ref_table_sql", "ref_table"),
    "table_sql": _as_written("table_sql", "table"),
    # lists of names
    "columns_text": _names("columns_text", "columns"),
    "partition_key_text": _names("partition_key_text", "partition_key"),
    "pk_nullable_columns_text": _names("pk_nullable_columns_text", "pk_nullable_columns"),
    "ref_columns_text": _names("ref_columns_text", "ref_columns"),
    "tables": _names("tables", "tables", qualified=True),
    "holds_exclusive_from_earlier": _names("holds_exclusive_from_earlier",
                                           "holds_exclusive_from_earlier", qualified=True),
    "used_by_views_text": _names("used_by_views_text", "used_by_views", qualified=True),
    "used_by_generated_text": _names("used_by_generated_text", "used_by_generated"),
    "view_columns_text": _names("view_columns_text", "view_columns"),
    # string constants (templates write them without quotes)
    "new_value": _literal("new_value"),
    "old_value": _literal("old_value"),
    "uses_enum_value_added_in_transaction": _literal("uses_enum_value_added_in_transaction"),
    "value": _literal("value"),
}

#: Facts `instead` templates substitute unchanged: SQL text lockwise wrote already (types,
#: expressions, bounds, lock modes, keywords, whole statements such as deparsed SQL), MySQL
#: facts, and prose for comments. Every fact a PostgreSQL template names is here or in
#: `SQL_FACTS` (tests/test_instead_quoting.py checks it), so a new one is classified once.
SQL_TEXT_FACTS = frozenset({
    "add_partition_sql", "advisory_unlock_sql", "advisory_xact_lock_sql", "alter_type_sql",
    "execute_select_into_sql", "generation_expression_sql", "user_defined_uses_text",
    "attach_after_prebuilt_sql",
    "default_check_name", "default_exclusion_sql", "deprecated_names_sql",
    "default_partition_sql", "foreign_key_sql", "index_parts_sql", "partition_keys_sql",
    "per_table_checks_sql", "missing_object_describe_sql", "missing_object_owner_sql",
    "missing_object_rerun_sql",
    "prebuilt_indexes_sql", "prevalidated_keys_sql", "roles_sql", "new_role_sql",
    "alter_clause", "alter_clause_arg", "algorithm", "algorithm_instead_sql",
    "backfill_value_sql", "base_type", "bigint_type_sql", "widen_references_sql",
    "batch_how_text", "batches_sql",
    "bound_from_sql",
    "bound_to_sql", "callers_dropped_sql", "children_not_null_sql", "children_validate_sql",
    "refused_index_drop_sql", "refused_function_drop_sql", "refused_operator_drop_sql",
    "refused_routine_kind_drop_sql", "refused_member_drop_sql", "refused_array_type_sql",
    "refused_array_type_hint",
    "dropped_outside_sql",
    "column_type_note", "column_type_sql", "converted_value_sql",
    "table_name_arg",
    "command", "constraint_added_sql", "drop_partition_sql", "drop_views_sql", "check_sql",
    "child_not_null_sql", "dependents_text", "dropped_not_recreated_text",
    "dynamic_sql_text",
    "dropped_not_recreated_them",
    "enum_backfill_sql", "enum_values_added_sql", "expression_over_new_sql", "expression_sql",
    "identity_generated_sql", "identity_setval_sql", "identity_sql",
    "if_not_exists_sql",
    "indexes_built_after_sql", "indexes_dropped_first_sql", "indexes_swapped_in_sql",
    "checks_added_after_sql", "checks_dropped_first_sql",
    "instant_column_sql", "join_condition_sql", "length_sql", "lock_instead_sql",
    "long_identifier_truncated", "mode_sql", "name_literal_sql", "name_sql", "new_type_text",
    "not_valid_sql",
    "new_column_default_sql", "new_column_not_null_sql", "new_column_validated_sql",
    "new_column_renamed_sql",
    "not_yet_done_sql", "object_type", "returning_sql", "temporary_routine_sql",
    "not_unique_routine_sql",
    "partitioned_constraint_sql", "partitioned_index_sql", "partitioned_reindex_sql",
    "plain_type_text", "pk_not_null_predicate_sql", "pk_set_not_null_sql",
    "policies_dropped_sql", "policies_dropped_text", "drop_used_policies_sql",
    "drop_used_triggers_sql", "drop_used_routines_sql", "refresh_concurrently_sql",
    "grants_copied_sql", "held_exclusive_since", "regenerated_how", "regenerated_sql",
    "row_key_columns_sql",
    "row_key_sql", "rules",
    "stand_in_default_sql",
    "statement_head_sql", "syntax_instead", "syntax_needs_version", "target",
    "truncated_tables_sql", "type_change_sql", "type_text",
    "unindexed_foreign_keys_sql", "unique_index_sql", "view_aliases_sql", "view_query_sql",
    "view_dependents_note", "where_batch_how_text", "where_batch_sql",
})

#: A template is read as literal text (str) and fields ((key,)), and compiled into pieces:
#: literal text, or (writer, the template's text for when the statement lacks the fact).

_WORDS = lazy_compile(r"(\w+)")


def _built(parts: list) -> Writer:
    """One identifier joined from literal text (str) and facts ((key,)): `[("column",),
    "_new"]` -> `"displayName_new"`, fit to 63 bytes (`fit_name`: the facts
    shortened, the literal text kept; cut at the end, `{column}_new` of a 63-byte column
    would be the column itself)."""
    def write(facts: Mapping[str, object], q: Quoting) -> str | None:
        out: list[tuple[bool, str]] = []
        for part in parts:
            if isinstance(part, tuple):
                value = facts.get(part[0])
                if value is None:
                    return None
                out.append((True, str(value)))
            else:
                out.append((False, part))
        return q.ident(q.join(out))
    return write


def _tokens(template: str) -> list:
    """`template` as fields ((key,)) and literal text cut into words and the text between
    them; ValueError for a conversion or a format spec, which `instead` templates do not use."""
    out: list = []
    for literal, key, spec, conversion in formatter_parser(template):
        out += [chunk for chunk in _WORDS.split(literal) if chunk]
        if key is not None:
            if spec or conversion or not key.isidentifier():
                raise ValueError(f"unsupported field {{{key}}}")
            out.append((key,))
    return out


def _touching(token: object) -> bool:
    return isinstance(token, tuple) or bool(_WORDS.fullmatch(str(token)))


def runs(template: str) -> list[list]:
    """`template` cut into runs: the fields and words that touch each other (nothing between
    them, as in `{table_name}_{column}_not_null`), and the text between runs."""
    out: list[list] = []
    for token in _tokens(template):
        if out and _touching(token) and _touching(out[-1][-1]):
            out[-1].append(token)
        else:
            out.append([token])
    return out


def _text(run: list) -> str:
    return "".join(p if isinstance(p, str) else "{" + p[0] + "}" for p in run)


def _builds_a_name(run: list) -> bool:
    """A run of fields and words is one identifier if every field in it names one object."""
    keys = [part[0] for part in run if isinstance(part, tuple)]
    return bool(keys) and len(run) > 1 and all(key in NAME_FACTS for key in keys)


def built_names(template: str) -> list[list]:
    """The names `template` builds, each as its literal words (str) and fields ((key,))."""
    return [run for run in runs(template) if _builds_a_name(run)]


def _compile(template: str) -> list:
    """`template` as pieces: literal text (str), each stretch of it between two facts as one
    string (cut into words only to find the names it builds: joined again, a template's
    fifty pieces are seven), or (writer, the field's text)."""
    pieces: list = []
    for run in runs(template):
        if _builds_a_name(run):
            pieces.append((_built(run), _text(run)))
            continue
        for part in run:
            if not isinstance(part, str):
                pieces.append((SQL_FACTS.get(part[0]) or _raw(part[0]), _text([part])))
            elif pieces and isinstance(pieces[-1], str):
                pieces[-1] += part
            else:
                pieces.append(part)
    return pieces


_compiled: dict[str, list | None] = {}


def _pieces(template: str) -> list | None:
    """`template` compiled, once per template: None when it is not one `render_instead` reads."""
    try:
        return _compiled[template]
    except KeyError:
        pass
    try:
        pieces: list | None = _compile(template)
    except ValueError:
        pieces = None
    _compiled[template] = pieces
    return pieces


_lines_of: dict[str, tuple[tuple[str, str | None], ...] | None] = {}


def _fact_lines(template: str) -> tuple[tuple[str, str | None], ...] | None:
    """`template`'s lines, each with the fact it is made of alone (`{fact}`, or `-- {fact}`),
    else None; None for a template with no such line. Cut once per template: 387 findings a
    pass of lemmy and documenso split theirs, line by line, to look."""
    try:
        return _lines_of[template]
    except KeyError:
        pass
    found: tuple[tuple[str, str | None], ...] | None = None
    if "\n{" in template or "\n-- {" in template:
        found = tuple((line, bare[1:-1] if (bare := line.removeprefix("-- "))[:1] == "{"
                       and bare[-1:] == "}" else None) for line in template.split("\n"))
    _lines_of[template] = found
    return found


def render_instead(template: str, facts: dict) -> str:
    """`template` filled with `facts`, names written as the statement's dialect reads them
    back (see `SQL_FACTS`): double quotes for PostgreSQL, backticks for MySQL and MariaDB. A
    fact the statement lacks stays visible as {name}, as in `render`."""
    if "{" not in template:
        return template
    if (lines := _fact_lines(template)) is not None:
        # A line that is one fact of statements (or of commented statements: `-- {fact}`),
        # none here, leaves no blank line.
        kept = [line for line, key in lines if key is None or facts.get(key) != ""]
        if len(kept) < len(lines):
            template = "\n".join(kept)
    quoting = _QUOTING.get(str(facts.get("dialect", "postgresql")))
    pieces = _pieces(template) if quoting is not None else None
    if pieces is None or quoting is None:
        return render(template, facts)
    out = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
        else:
            text = piece[0](facts, quoting)
            out.append(piece[1] if text is None else text)
    return "".join(out)


#: The facts a message names an object by: an index, a constraint, a table, a schema, a
#: column, a type (one name or a list of them). A message writes them as SQL reads them back,
#: quoted where they need it: `"Booking.uid_unique"` (a Prisma name) is one name, where bare it
#: reads as a schema, a table and a column, and `public.Booking` names another table than
#: `public."Booking"`. Lower-case names that are not reserved stay bare. (Not `name`, which
#: some actions fill with prose: `index public.x`.)
MESSAGE_NAME_FACTS = (*NAME_FACTS, "deprecated_table", "index", "partition", "table", "type",
                      "columns_text", "holds_exclusive_from_earlier", "partition_key_text",
                      "pk_nullable_columns_text", "ref_columns_text", "tables",
                      "used_by_generated_text", "used_by_views_text", "view_columns_text")


def message_facts(facts: dict, template: str) -> dict:
    """`facts` as a PostgreSQL message `template` shows them: the `MESSAGE_NAME_FACTS` it
    shows quoted where needed (see `SQL_FACTS`); `facts` itself when none of them needs
    quotes."""
    if facts.get("dialect", "postgresql") != "postgresql" or "{" not in template:
        return facts
    shown = {}
    for key in _names_shown(template):
        value = facts.get(key)
        if value and isinstance(value, (str, tuple, list)) and \
                (text := SQL_FACTS[key](facts, POSTGRESQL)) is not None and text != value:
            shown[key] = text
    return {**facts, **shown} if shown else facts


_names_in_template: dict[str, tuple[str, ...]] = {}


def _names_shown(template: str) -> tuple[str, ...]:
    """The `MESSAGE_NAME_FACTS` that `template` shows, itself or as the fallback of its `_sql`
    form (all of them when its fields are not plain): a finding's message quotes those
    alone, not each name fact its statement has."""
    try:
        return _names_in_template[template]
    except KeyError:
        fields = fields_of(template)
        names = MESSAGE_NAME_FACTS if fields is None else \
            tuple(key for key in MESSAGE_NAME_FACTS if key in fields or f"{key}_sql" in fields)
        _names_in_template[template] = names
        return names
