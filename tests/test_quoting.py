"""Identifiers written back into SQL (fix, verify's seed and pre-flight share this)."""

from lockwise.parse.quoting import quote_ident


def test_plain_names_stay_bare() -> None:
    assert quote_ident("accounts") == "accounts"
    assert quote_ident("col_1$") == "col_1$"


def test_reserved_words_mixed_case_and_quotes_are_quoted() -> None:
    assert quote_ident("user") == '"user"'
    assert quote_ident("order") == '"order"'
    assert quote_ident("Users") == '"Users"'
    assert quote_ident('a"b') == '"a""b"'
