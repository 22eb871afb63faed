"""Which overload a call runs when the argument types are not all exact: as the server
resolves it (implicit casts, most exact matches, preferred types, an untyped string or NULL
taking the string category, a non-variadic overload over a variadic one of the same types),
for the types whose casts lockwise knows. Where the server's choice is not certain (an
argument whose type is not evident, the server's own ambiguity), no overload is judged.
Each case is checked on the server (18.6)."""

from __future__ import annotations

import pytest

from test_routine_calls import _lint

#: (overloads' parameters, call's arguments, the overload the server runs, the one lockwise
#: judges; None: none, the server refuses the call as ambiguous or lockwise is not sure)
CASES = [
    (("int8", "text"), "1", 0, 0),  # int4 casts to int8, not to text
    (("int8", "text"), "'1'", 1, 1),  # unknown: the string category
    (("int8", "text"), "NULL", 1, 1),
    (("int8", "text"), "1.5", None, None),  # numeric casts to neither
    (("int8", "numeric"), "1", None, None),  # neither is preferred: not unique
    (("int8", "numeric"), "1.5", 1, 1),
    (("int4", "int8"), "1", 0, 0),
    (("int4", "int8"), "3000000000", 1, 1),
    (("int4", "int8"), "1::int2", None, None),
    (("int4", "int8"), "NULL", None, None),
    (("int4", "float8"), "1::int8", 1, 1),
    (("int4", "float8"), "'1'", 1, 1),  # one category: its preferred type
    (("int4", "VARIADIC int4[]"), "1", 0, 0),  # the non-variadic one
    (("int4", "VARIADIC int4[]"), "1, 2", 1, 1),
    # an untyped '{1}' resolves as any unknown does, then is no integer's input: refused
    # ("invalid input syntax for type integer"), no overload runs
    (("int4", "VARIADIC int4[]"), "'{1}'", None, None),
    (("int4",), "'{1}'", None, None),
    (("text", "VARIADIC int4[]"), "'{1}'", 0, 0),
    (("int4, int4 DEFAULT 0", "text"), "NULL", 1, 1),
    (("int4, int4 DEFAULT 0", "text"), "1", 0, 0),
    (("int4, text", "int8, text"), "1, 'x'", 0, 0),
    (("int4, text", "text, int4"), "'1', '1'", None, None),
    (("varchar", "text"), "'x'", 1, 1),
    (("varchar", "text"), "'x'::bpchar", 1, 1),  # both casts: the preferred text
    (("bool", "int4"), "NULL", None, None),  # two categories, none a string one
    (("int8, int8", "numeric, int4"), "1, 1", 1, 1),  # the most exact matches
    # an expression's type: length('x') is length(text), by the untyped constant's category
    (("int4", "text"), "length('x')", 0, 0),
    (("int4", "text"), "length('x'::bytea)", 0, 0),
    (("int4", "text"), "upper('x')", 1, 1),
    (("int4", "date"), "'2020-01-01'", None, None),  # two categories
    (("int4", "date"), "'2020-01-01'::date", 1, 1),  # exact
    # VARIADIC written in the call: the array is passed as it is, to an array parameter
    # (a variadic one, or not), never to an element's (18.6)
    (("VARIADIC int4[]",), "1, 2, 3", 0, 0),
    (("VARIADIC int4[]",), "VARIADIC ARRAY[1]", 0, 0),
    (("int4[]",), "VARIADIC ARRAY[1]", 0, 0),
    (("int4", "VARIADIC int4[]"), "VARIADIC ARRAY[1]", 1, 1),
    (("int4", "VARIADIC int4[]"), "VARIADIC '{1}'::int4[]", 1, 1),
    (("int8", "VARIADIC int4[]"), "VARIADIC ARRAY[1]", 1, 1),
    # in named notation too, a constant is read as the type of the parameter it names
    (("a int4",), "a => '{1}'", None, None),
    (("a int4",), "a => '1'", 0, 0),
    (("a text",), "a => '{1}'", 0, 0),
    (("a int4, b int4 DEFAULT 0",), "1, b => '{2}'", None, None),
    (("a text, b int4 DEFAULT 0",), "b => '{1}', a => 'x'", None, None),
    (("a int4, b text DEFAULT ''",), "b => '{1}', a => 1", 0, 0),
    # named notation matches by the parameters' names (MatchNamedCall): a name the
    # overload lacks, one passed by place already, or a parameter without default left out
    # match none ("function o(zz => integer) does not exist")
    (("a int4",), "zz => 1", None, None),
    (("int4",), "a => 1", None, None),
    (("a int4", "b text"), "b => 'x'", 1, 1),
    (("a int4, b int4 DEFAULT 0",), "b => 1", None, None),
    (("a int4, b int4",), "1, a => 2", None, None),
    (("a int4, b int4 DEFAULT 0",), "b => 1, a => 2", 0, 0),
    (("a int4, b int4 DEFAULT 0", "b text"), "b => 'x'", 1, 1),
    # an untyped constant that is no number's or boolean's input at all
    (("int4",), "'x'", None, None),
    (("bool",), "'maybe'", None, None),
    (("numeric",), "'NaN'", 0, 0),
    (("bool",), "' Off '", 0, 0),
    # the preferred-type step counts a known argument's exact type too: a tie, not unique
    (("int4, varchar", "int8, text"), "1, 'a'::text", None, None),
    # the last tie-break (docs 10.3 step 4.f): an untyped constant taken as the one type of
    # the known arguments picks the only overload that takes it there
    (("int4, int8", "int8, int8"), "'1', 2::int8", 1, 1),
    (("float4, bool", "numeric, int8"), "1, '1'", 1, 1),  # (no category at the constant)
    (("int8, numeric", "numeric, int2"), "1, '1'", 0, 0),
    (("int8, int8", "numeric, numeric"), "'1', 1", None, None),  # both take int4: not unique
    (("int4, int4", "int8, int8"), "'1', 1::int2", None, None),
    # no overload has the string type at both constants: all stay for the last tie-break
    (("text, int8, int4", "int8, text, int4", "int8, int8, int4"), "'1', '1', 1", 2, 2),
]

#: The variadic cases of `CASES`, for PL/pgSQL overloads (an unnamed VARIADIC parameter).
VARIADIC_CASES = [case for case in CASES if any("VARIADIC" in p for p in case[0])]


def _setup(params: tuple[str, ...], language: str = "sql") -> str:
    """Tables o0, o1, ... and one overload of o per parameter list, the i-th locking oi (SQL
    functions, or PL/pgSQL ones)."""
    body = "  LOCK TABLE o{0};\n  SELECT {0};\n" if language == "sql" else \
        "BEGIN\n  LOCK TABLE o{0};\n  RETURN {0};\nEND\n"
    return "".join(f"CREATE TABLE o{i} (id int);\n"
                   f"CREATE FUNCTION o({p}) RETURNS int LANGUAGE {language} AS $$\n"
                   f"{body.format(i)}$$;\n"
                   for i, p in enumerate(params))


@pytest.mark.parametrize(("params", "args", "server", "judged"), CASES)
def test_a_call_runs_the_overload_the_server_resolves(params: tuple[str, ...], args: str,
                                                      server: int | None,
                                                      judged: int | None) -> None:
    reports, _ = _lint(_setup(params), f"SELECT o({args});")
    locks = reports[-1].statements[-1].effect.locks
    assert [i for i in range(len(params)) if f"public.o{i}" in locks] == \
        ([] if judged is None else [judged])


@pytest.mark.parametrize(("params", "args", "server", "judged"), VARIADIC_CASES)
def test_a_call_runs_the_plpgsql_overload_the_server_resolves(
        params: tuple[str, ...], args: str, server: int | None, judged: int | None) -> None:
    reports, _ = _lint(_setup(params, "plpgsql"), f"SELECT o({args});")
    assert not [f for r in reports for f in r.all_findings if f.rule == "parse-error"]
    locks = reports[-1].statements[-1].effect.locks
    assert [i for i in range(len(params)) if f"public.o{i}" in locks] == \
        ([] if judged is None else [judged])


@pytest.mark.postgres
def test_the_server_resolves_each_call_so(pg_db: str) -> None:
    """18.6: the overload each call of `CASES` runs (None: refused as not unique, as
    matching no overload, or for a constant that is no input of its parameter's type)."""
    import psycopg

    seen = []
    with psycopg.connect(pg_db, autocommit=True) as conn:
        for params, args, _, _ in CASES:
            conn.execute(_setup(params))
            try:
                seen.append(conn.execute(f"SELECT o({args})").fetchone()[0])
            except (psycopg.errors.AmbiguousFunction, psycopg.errors.UndefinedFunction,
                    psycopg.errors.InvalidTextRepresentation):
                seen.append(None)
            dropped = (f"o({p.split(' DEFAULT')[0]})" for p in params)
            conn.execute(f"DROP TABLE {', '.join(f'o{i}' for i in range(len(params)))};"
                         f"DROP FUNCTION {', '.join(dropped)}")
    assert seen == [server for _, _, server, _ in CASES]


#: A table whose columns calls pass: (overloads' parameters, the query, the overload the
#: server runs, the one lockwise judges). A column's type is the catalog's, found through the
#: query's own FROM list (one table having the name, or the qualifier; a subquery's, as its
#: select list types it); a column of an outer query is not followed: none judged.
COLUMNS = ("CREATE TABLE c (i2 int2, i4 int4, i8 int8, n numeric, t text, v varchar(10));\n"
           "CREATE TABLE c2 (i4 int8, w text);\n")
COLUMN_CASES = [
    (("int8", "text"), "SELECT o(i4) FROM c", 0, 0),
    (("int8", "text"), "SELECT o(c.t) FROM c", 1, 1),
    (("int8", "text"), "SELECT o(v) FROM c", 1, 1),
    (("int4", "int8"), "SELECT o(x.i8) FROM c AS x", 1, 1),
    (("int4", "int8"), "SELECT o(i2) FROM c", None, None),  # casts to both, neither preferred
    (("int4", "float8"), "SELECT o(n) FROM c", 1, 1),  # numeric to int4 is no implicit cast
    (("int4", "int8"), "SELECT o(c2.i4) FROM c, c2", 1, 1),
    (("int4", "int8"), "SELECT o(c.i4) FROM c JOIN c2 ON c.t = c2.w", 0, 0),
    (("int4", "text"), "SELECT o(w) FROM c, c2", 1, 1),  # only c2 has it
    (("int4", "int8"), "SELECT i4 FROM c WHERE o(i8) = 1", 1, 1),  # (a row when o1 runs)
    (("int4", "int8"), "SELECT (SELECT o(i8) FROM c2) FROM c", 1, None),  # an outer column
    (("int4", "int8"), "SELECT o(s.i8) FROM (SELECT i8 FROM c) s", 1, 1),  # a subquery's
    (("int4", "int8"), "SELECT o(s.k) FROM (SELECT i8 + 0 AS k FROM c) s", 1, None),
    # each arm its own FROM list (the server runs both; the rows differ)
    (("int4", "int8"), "SELECT o(i4) FROM c UNION ALL SELECT o(i4) FROM c2", None, (0, 1)),
    # a name a WITH around the subquery has is the CTE there, not the table (CTEs' columns
    # not followed: none judged)
    (("int4", "int8"), "WITH c AS (SELECT 1 AS i8) SELECT * FROM (SELECT o(i8) FROM c) s",
     0, None),
    (("int4", "int8"), "WITH c AS (SELECT 1 AS i8) SELECT (SELECT o(i8) FROM c)", 0, None),
]


@pytest.mark.parametrize(("params", "query", "server", "judged"), COLUMN_CASES)
def test_a_column_argument_has_its_columns_type(params: tuple[str, ...], query: str,
                                                server: int | None,
                                                judged: int | tuple | None) -> None:
    reports, _ = _lint(COLUMNS + _setup(params), f"{query};")
    locks = reports[-1].statements[-1].effect.locks
    assert [i for i in range(len(params)) if f"public.o{i}" in locks] == \
        ([] if judged is None else list(judged) if isinstance(judged, tuple) else [judged])


@pytest.mark.postgres
def test_the_server_resolves_each_column_call_so(pg_db: str) -> None:
    """18.6: the overload each call of `COLUMN_CASES` runs (as `CASES`; the UNION's arms two
    different ones)."""
    import psycopg

    seen = []
    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(COLUMNS + "INSERT INTO c VALUES (1, 1, 1, 1, 'x', 'x');"
                     "INSERT INTO c2 VALUES (1, 'x');")
        for params, query, _, _ in COLUMN_CASES:
            conn.execute(_setup(params))
            try:
                rows = conn.execute(f"SELECT * FROM ({query}) q").fetchall()
            except psycopg.errors.AmbiguousFunction:
                rows = []
            seen.append(rows[0][0] if len({r[0] for r in rows}) == 1 else None)
            dropped = (f"o({p})" for p in params)
            conn.execute(f"DROP TABLE {', '.join(f'o{i}' for i in range(len(params)))};"
                         f"DROP FUNCTION {', '.join(dropped)}")
    assert seen == [server for _, _, server, _ in COLUMN_CASES]
