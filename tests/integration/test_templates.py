"""SQL with template placeholders: substitute (spans stay true), skip (info finding), error."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lockwise.cli.app import app
from lockwise.discover import discover, migration_from_text
from lockwise.lint import LintOptions, lint_migrations
from lockwise.parse.source import InputError
from lockwise.parse.templates import (
    _token,
    canonical_stand_in,
    find_placeholders,
    parse_templated,
    substitute,
)

GO = 'CREATE TABLE {{ index .Options "Namespace" }}.notes (id bigint);\n' \
     'CREATE INDEX notes_id ON {{ index .Options "Namespace" }}.notes (id);\n' \
     "ALTER TABLE plain ADD COLUMN x int;\n"


def test_substitution_keeps_length_lines_and_columns() -> None:
    placeholders = find_placeholders(GO)
    assert [p.text for p in placeholders] == ['{{ index .Options "Namespace" }}'] * 2
    replaced = substitute(GO, placeholders)
    assert len(replaced) == len(GO)
    stand_in = replaced.splitlines()[0][len("CREATE TABLE "):-len(".notes (id bigint);")]
    assert len(stand_in) == 32 and stand_in.startswith("tpl") and stand_in.endswith("_")
    assert replaced.splitlines()[1] == f"CREATE INDEX notes_id ON {stand_in}.notes (id);"


def test_substitute_mode_parses_and_reports_original_text() -> None:
    parsed = parse_templated(GO, "substitute")
    assert not parsed.problems
    assert [s.sql.split(" (")[0] for s in parsed.statements] == [
        'CREATE TABLE {{ index .Options "Namespace" }}.notes',
        'CREATE INDEX notes_id ON {{ index .Options "Namespace" }}.notes',
        "ALTER TABLE plain ADD COLUMN x int"]
    assert parsed.statements[1].span.line == 2 and parsed.statements[1].span.column == 1


@pytest.mark.parametrize("text", [
    "SELECT '{{1,2},{3,4}}'::int[];",  # a 2-D array literal
    "SELECT '{{1,2}}'::int[];",
    "SELECT '{}'::int[];",
    "INSERT INTO notes (tags) VALUES ('{{happy}}');",  # a 2-D text array of one element
    "INSERT INTO notes (tags) VALUES ('{{happy,sad}}'), ('{{\"a b\",NULL}}');",
    "SELECT '{{x1,y2}}'::text[], E'{{a}}'::text[];",
])
def test_array_literals_are_not_placeholders(text: str) -> None:
    assert find_placeholders(text) == []


@pytest.mark.postgres
def test_the_array_literals_are_arrays_on_postgres(pg_db: str) -> None:
    import psycopg

    with psycopg.connect(pg_db, autocommit=True) as conn:
        for literal, dims in (("{{happy}}", "[1:1][1:1]"), ("{{happy,sad}}", "[1:1][1:2]"),
                              ('{{"a b",NULL}}', "[1:1][1:2]"), ("{{x1,y2}}", "[1:1][1:2]")):
            assert conn.execute("SELECT array_dims(%s::text[])",
                                (literal,)).fetchone() == (dims,)


@pytest.mark.parametrize(("text", "placeholder"), [
    # in a string, what no array literal is: spaces inside the braces, a Go field or
    # variable, a Jinja filter, call or attribute, a trim marker
    ("SELECT '{{ name }}';", "{{ name }}"),
    ("SELECT '{{.Name}}';", "{{.Name}}"),
    ("SELECT '{{$name}}';", "{{$name}}"),
    ("SELECT '{{name|upper}}';", "{{name|upper}}"),
    ("SELECT '{{ var(\"x\") }}';", '{{ var("x") }}'),
    ("SELECT '{{user.name}}';", "{{user.name}}"),
    ("SELECT '{{-name-}}';", "{{-name-}}"),
    # not the whole string: no array literal; a name's part, written tight
    ("SELECT nextval('{{schema}}.notes_id_seq');", "{{schema}}"),
    ("SELECT '{{prefix}}_notes'::regclass;", "{{prefix}}"),
    ("CREATE TABLE {{name}} (id int);", "{{name}}"),
    # a message's words padded, or a Go field, in a string of several words
    ("SELECT 'Dear {{ name }}, welcome';", "{{ name }}"),
    ("SELECT 'Dear {{.Name}}, welcome';", "{{.Name}}"),
    # in a dollar-quoted body: code, not a string of the file
    ("DO $$ BEGIN EXECUTE 'DROP TABLE {{name}} CASCADE'; END $$;", "{{name}}"),
])
def test_placeholders_in_strings_are_told_from_array_literals(text: str,
                                                              placeholder: str) -> None:
    assert [p.text for p in find_placeholders(text)] == [placeholder]


@pytest.mark.parametrize("text", [
    "SELECT '{{name}} and more';",
    "INSERT INTO message_templates (subject, body) VALUES "
    "('Important Update: {{program_name}}', 'Dear {{parent_name}},\n\n{{details}}\n');",
    "INSERT INTO t (body) VALUES (E'Hi {{first_name}}\\n'), ('It''s {{day}} today');",
])
def test_a_message_template_kept_as_data_is_no_placeholder(text: str) -> None:
    """A bare name in tight braces inside a string of several words is the variable of a
    message template (mustache, handlebars) that the migration inserts as data: no
    migration tool renders it, and the file runs as it is written."""
    from lockwise.parse.templates import unrunnable_placeholder

    assert find_placeholders(text) == []
    assert unrunnable_placeholder(text) is None


def test_jinja_and_shell_placeholders() -> None:
    text = ("{% if add_index %}\nCREATE INDEX ix ON ${schema}.t (a);\n{% endif %}\n"
            "{# a comment #}\nALTER TABLE {{ table }} ADD COLUMN b int;\n")
    kinds = [(p.text, p.control) for p in find_placeholders(text)]
    assert kinds == [("{% if add_index %}", True), ("${schema}", False), ("{% endif %}", True),
                     ("{# a comment #}", True), ("{{ table }}", False)]
    parsed = parse_templated(text, "substitute")
    assert not parsed.problems and len(parsed.statements) == 2
    assert parsed.statements[1].span.line == 5


def test_go_template_actions_are_control_not_values() -> None:
    """tern includes shared SQL with `{{ template "file" . }}` and branches with `{{ if }}`:
    blanked like Jinja's tags, where a stand-in name would be a syntax error."""
    text = ('CREATE TABLE {{.prefix}}config (id bigint);\n'
            '{{ template "shared/v1_001.sql" . }}\n'
            '{{- if .audit }}\nCREATE TABLE audit (id bigint);\n{{ end -}}\n'
            "SELECT '{{ literal }}';\n")
    kinds = [(p.text, p.control) for p in find_placeholders(text)]
    assert kinds == [("{{.prefix}}", False), ('{{ template "shared/v1_001.sql" . }}', True),
                     ("{{- if .audit }}", True), ("{{ end -}}", True),
                     ("{{ literal }}", False)]
    parsed = parse_templated(text, "substitute")
    assert not parsed.problems
    assert [s.span.line for s in parsed.statements] == [1, 4, 6]


def test_skip_mode_drops_statements_with_an_info_finding() -> None:
    migration = migration_from_text(GO, "0001_notes.sql")
    report = lint_migrations([migration], LintOptions(templates="skip"))[0]
    assert [s.statement.sql for s in report.statements] == ["ALTER TABLE plain ADD COLUMN x int"]
    skipped = [f for f in report.findings if f.rule == "template-placeholder"]
    assert [f.span.line for f in skipped] == [1, 2]
    assert all(f.safety.label == "safe" for f in skipped)


def test_substitute_mode_says_so_once_per_file() -> None:
    report = lint_migrations([migration_from_text(GO, "0001_notes.sql")], LintOptions())[0]
    notes = [f for f in report.findings if f.rule == "template-placeholder"]
    assert len(notes) == 1 and "2 placeholder(s)" in notes[0].message
    assert notes[0].span.line == 1 and notes[0].span.column == 14


def test_error_mode_names_file_line_and_column() -> None:
    with pytest.raises(InputError) as err:
        parse_templated("SELECT 1;\nDROP TABLE ${t};\n", "error", Path("m.sql"))
    assert str(err.value).startswith("m.sql:2:12: template placeholder '${t}'")


def test_cli_templates_option(tmp_path: Path) -> None:
    (tmp_path / "1_notes.up.sql").write_text(GO)
    runner = CliRunner()
    error = runner.invoke(app, ["lint", str(tmp_path), "--templates", "error"])
    assert error.exit_code == 2
    assert "1_notes.up.sql:1:14: template placeholder" in error.stderr
    skipped = runner.invoke(app, ["lint", str(tmp_path), "--templates", "skip", "-f", "json"])
    assert skipped.exit_code in (0, 1) and '"template-placeholder"' in skipped.stdout
    bad = runner.invoke(app, ["lint", str(tmp_path), "--templates", "render"])
    assert bad.exit_code == 2


def _parse_errors(directory: Path, mode: str) -> int:
    reports = lint_migrations(discover(directory), LintOptions(templates=mode))
    return sum(1 for r in reports for f in r.all_findings if f.rule == "parse-error")


def test_supabase_auth_corpus_lints_without_parse_errors(corpora: Path) -> None:
    """supabase/auth writes its schema as `{{ index .Options "Namespace" }}` everywhere."""
    directory = corpora / "supabase-auth"
    assert _parse_errors(directory, "substitute") == 0
    assert _parse_errors(directory, "skip") == 0
    with pytest.raises(InputError):
        lint_migrations(discover(directory), LintOptions(templates="error"))


def test_suggestions_write_the_users_placeholders_back() -> None:
    # Facts hold the stand-in identifiers; messages and alternatives show the placeholders
    # as written, the alternative rewritten from the statement with them in place.
    ns = '{{ index .Options "Namespace" }}'
    sql = (f"CREATE INDEX users_email_idx ON {ns}.users (email);\n"
           f"ALTER TABLE {ns}.users ADD CONSTRAINT users_email_key UNIQUE (email);\n")
    (report,) = lint_migrations([migration_from_text(sql, "0002_x.sql")],
                                LintOptions(assume_in_transaction=True))
    found = {f.rule: f for f in report.all_findings}
    index, unique = found["index-without-concurrently"], found["add-unique-constraint"]
    assert f"CREATE INDEX CONCURRENTLY IF NOT EXISTS users_email_idx ON {ns}.users (email)" \
        in index.instead
    assert f"ON {ns}.users" in unique.instead and f"{ns}.users" in unique.message
    assert _token(ns) not in index.instead + unique.instead + unique.message


def test_two_placeholders_of_one_length_are_two_names() -> None:
    # `{{ .a }}.t` and `{{ .b }}.t`: two texts of one length, each written back as it was.
    sql = "CREATE INDEX i ON {{ .a }}.t (x);\nCREATE INDEX j ON {{ .b }}.t (x);\n"
    assert _token("{{ .a }}") != _token("{{ .b }}")
    (report,) = lint_migrations([migration_from_text(sql, "0002_x.sql")], LintOptions())
    insteads = [f.instead for f in report.all_findings if f.rule == "index-without-concurrently"]
    assert len(insteads) == 2
    assert "ON {{ .a }}.t" in insteads[0] and "ON {{ .b }}.t" in insteads[1]


def test_short_placeholders_of_one_length_keep_their_shared_stand_in() -> None:
    # `${a}` and `${b}` are too short for two names: one stand-in, which cannot be told back.
    sql = "CREATE INDEX i ON ${a}.t (x);\nCREATE INDEX j ON ${b}.t (x);\n"
    assert _token("${a}") == _token("${b}") == "tpl_"
    (report,) = lint_migrations([migration_from_text(sql, "0002_x.sql")], LintOptions())
    insteads = [f.instead for f in report.all_findings if f.rule == "index-without-concurrently"]
    assert len(insteads) == 2 and all("ON tpl_.t" in text for text in insteads)


def test_a_placeholder_longer_than_an_identifier_is_written_back() -> None:
    # PostgreSQL keeps 63 characters of a name: the parse tree holds the truncated stand-in.
    ns = "{{ " + "x" * 70 + " }}"
    sql = f"CREATE INDEX i ON {ns}.t (x);\n"
    (report,) = lint_migrations([migration_from_text(sql, "0002_x.sql")], LintOptions())
    (index,) = [f for f in report.all_findings if f.rule == "index-without-concurrently"]
    assert f"ON {ns}.t" in index.instead and "tpl" not in index.instead


def test_locks_scans_and_rewrites_name_the_placeholders_as_written() -> None:
    # The report's relations read as the messages do; the objects the graph and the catalog
    # follow keep the stand-ins, so a templated table is still one table across statements.
    ns = '{{ index .Options "Namespace" }}'
    sql = (f"CREATE INDEX users_email_idx ON {ns}.users (email);\n"
           "ALTER TABLE ${table} ALTER COLUMN id TYPE bigint;\n"
           "ALTER TABLE plain ADD COLUMN x int;\n")
    (report,) = lint_migrations([migration_from_text(sql, "0002_x.sql")], LintOptions())
    index, retype, plain = (s.effect for s in report.statements)
    assert set(index.locks) == {f"{ns}.users"} and set(index.scans) == {f"{ns}.users"}
    assert set(retype.locks) == {"public.${table}"} and retype.rewrites == {"public.${table}"}
    assert set(plain.locks) == {"public.plain"}
    assert {a.facts.get("table") for a in report.statements[1].effect.actions} == \
        {f"public.{canonical_stand_in('${table}')}"}


def test_text_and_json_reports_show_no_stand_ins(tmp_path: Path) -> None:
    path = tmp_path / "0001_x.sql"
    path.write_text("CREATE INDEX i ON {{ .schema }}.accounts (email);\n")
    for fmt in ("text", "json", "markdown"):
        result = CliRunner().invoke(app, ["lint", "--no-cache", "-f", fmt, str(path)])
        assert "{{ .schema }}.accounts" in result.output, fmt
        assert _token("{{ .schema }}") not in result.output, fmt


#: One placeholder spelled as Go templates allow: whitespace inside the braces, trim markers.
SPELLINGS = ("{{ .schema }}", "{{.schema}}", "{{ .schema -}}", "{{  .schema}}")


@pytest.mark.parametrize("other", SPELLINGS[1:])
def test_spellings_of_one_placeholder_are_one_name_in_the_catalog(other: str) -> None:
    # A table created as `{{ .schema }}.t` and altered as `{{.schema}}.t` is one table: the
    # index knows its columns, the type change its old type (no rewrite from int to int).
    first = "CREATE TABLE {{ .schema }}.t (id bigint PRIMARY KEY, a int, b varchar(10));\n"
    second = (f"ALTER TABLE {other}.t ALTER COLUMN b TYPE varchar(20);\n"
              f"ALTER TABLE {other}.t ADD CONSTRAINT t_a_key UNIQUE (a);\n")
    reports = lint_migrations([migration_from_text(first, "0001_a.sql"),
                               migration_from_text(second, "0002_b.sql")], LintOptions())
    retype, unique = (s.effect for s in reports[1].statements)
    assert not retype.rewrites  # varchar(10) -> varchar(20): the catalog knew the old type
    (action,) = [a for a in retype.actions if a.kind == "alter_column_type"]
    assert action.facts["old_type"] == "varchar(10)"
    assert action.facts["table_known"] and unique.actions[0].facts["table_known"]
    # the report writes each statement's own spelling back
    found = [f for f in reports[1].all_findings if f.rule == "add-unique-constraint"]
    assert found and f"{other}.t" in found[0].message


def test_different_placeholders_stay_different_tables() -> None:
    sql = ("CREATE TABLE {{ .schema }}.t (id bigint, b varchar(10));\n"
           "ALTER TABLE {{ .other }}.t ALTER COLUMN b TYPE varchar(20);\n")
    (report,) = lint_migrations([migration_from_text(sql, "0001_a.sql")], LintOptions())
    (action,) = [a for a in report.statements[1].effect.actions
                 if a.kind == "alter_column_type"]
    assert not action.facts["table_known"]


def test_a_finding_after_other_spellings_points_at_its_line_and_column() -> None:
    # The text keeps each spelling's own length: positions stay those of the file.
    sql = ("ALTER TABLE {{ .schema -}}.t ADD COLUMN b int;\n"
           "  CREATE INDEX t_a ON {{.schema}}.t (a);\n")
    reports = lint_migrations([migration_from_text("CREATE TABLE {{ .schema }}.t (a int);",
                                                   "0001_a.sql"),
                               migration_from_text(sql, "0002_b.sql")], LintOptions())
    (index,) = [f for f in reports[1].all_findings if f.rule == "index-without-concurrently"]
    assert (index.span.line, index.span.column) == (2, 3)
    assert index.span.end_column == len(sql.splitlines()[1]) - 1  # before the semicolon
    # each statement's own spelling, in its message, alternative and locks
    assert "ON {{.schema}}.t (a)" in index.instead and "{{.schema}}.t" in index.message
    assert set(reports[1].statements[0].effect.locks) == {"{{ .schema -}}.t"}
    assert set(reports[1].statements[1].effect.locks) == {"{{.schema}}.t"}


def test_the_graph_follows_one_table_across_spellings() -> None:
    from lockwise.graph.build import build_graph

    migrations = [migration_from_text("CREATE TABLE {{ .schema }}.t (a int);", "0001_a.sql"),
                  migration_from_text("ALTER TABLE {{.schema}}.t ADD COLUMN b int;",
                                      "0002_b.sql")]
    graph = build_graph(migrations)
    # written back as the first migration spells it (both spellings are one placeholder)
    assert graph.edges[("0001_a", "0002_b")].get("created-by") == ["table:{{ .schema }}.t"]
