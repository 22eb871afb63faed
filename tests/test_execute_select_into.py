"""An EXECUTE of a `SELECT ... INTO table` fails when it runs ("EXECUTE of SELECT ... INTO is
not implemented", 0A000): the DO block says so (`execute_select_into`, rule
execute-select-into-refused) with the CREATE TABLE ... AS its EXECUTE runs instead. Each
case checked on the embedded server (fix-pg78)."""

from __future__ import annotations

import pytest

from effect_helpers import effect_after

SETUP = "CREATE TABLE t (id int, v text);\nINSERT INTO t VALUES (1, 'a'), (2, 'b');\n"

#: (the DO block's body, whether the server refuses it for an EXECUTE of SELECT INTO)
CASES = [
    ("EXECUTE 'SELECT id INTO newtab FROM t';", True),
    ("EXECUTE format('SELECT id, v INTO %I FROM t WHERE id > 1', 'newtab');", True),
    ("EXECUTE 'SELECT id INTO TEMP newtab FROM t';", True),
    ("EXECUTE 'CREATE TABLE newtab AS SELECT id FROM t';", False),
    ("EXECUTE 'SELECT count(*) FROM t' INTO n;", False),
    ("SELECT count(*) INTO n FROM t;", False),
    # an EXCEPTION clause catches it: the block runs on
    ("BEGIN EXECUTE 'SELECT id INTO newtab FROM t'; EXCEPTION WHEN others THEN NULL; END;",
     False),
]


def _block(body: str) -> str:
    return f"DO $$ DECLARE n bigint; BEGIN {body} END $$"


@pytest.mark.parametrize(("body", "refused"), CASES)
def test_an_execute_of_select_into_is_said_to_fail(body: str, refused: bool) -> None:
    facts = effect_after(SETUP, _block(body) + ";").actions[0].facts
    assert facts["execute_select_into"] is refused


@pytest.mark.postgres
@pytest.mark.parametrize(("body", "refused"), CASES)
def test_the_server_refuses_it_and_runs_the_advice(pg_db: str, body: str,
                                                   refused: bool) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        conn.execute(SETUP)
        try:
            conn.execute(_block(body))
            failed = False
        except psycopg.errors.FeatureNotSupported as exc:
            assert "EXECUTE of SELECT ... INTO is not implemented" in str(exc)
            failed = True
        assert failed is refused
        if refused:
            advice = effect_after(SETUP, _block(body) + ";").actions[0].facts[
                "execute_select_into_sql"]
            conn.execute(advice)
            (rows,) = conn.execute("SELECT count(*) FROM newtab").fetchone() or (0,)
            assert rows == (1 if "id > 1" in body else 2)
