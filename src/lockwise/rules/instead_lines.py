"""Which lines of a rule's `instead` are SQL, which are advice in words, which are shell.

Most of an `instead` is SQL to run; a few rules advise in words ("Delete the comment.",
"Move the statement into its own migration ...") and the online schema change tools that
MySQL's table copies suggest are shell command lines (`gh-ost ...`). Pages, `explain` and the
markdown report fence each kind as what it is, and the tests that parse every `instead` as
SQL skip what this module calls prose: one list, read by both.
"""

from __future__ import annotations

#: How a prose line of an `instead` starts (after its indent); an indented line after one
#: goes on with it.
PROSE = ("Move the statement", "Fix the syntax", "Run it in a maintenance", "Remove the inner",
         "Keep psql-only", "End the migration", "Delete the comment", "Nothing to fix",
         "`--templates", "pass", "only such statements", "dbmate:", "statement, which",
         "(diesel:", "very first line", "Write the statements out", "Liquibase:", "Drizzle:",
         "Put the directive", "mixed = true",
         "without one", "Spring Boot:")

#: How a shell line starts: an online schema change tool's command line, or a shell comment.
SHELL = ("gh-ost ", "pt-online-schema-change ", "# ")

#: A line's kind: fenced as ```sql, written as words, fenced as ```sh.
SQL, TEXT, SH = "sql", "text", "sh"


def line_kinds(text: str) -> list[tuple[str, str]]:
    """Each line of `text` with its kind: prose (with its indented continuation lines),
    shell, or SQL (everything else, comments and blank lines too)."""
    out: list[tuple[str, str]] = []
    kind = SQL
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(PROSE) or kind == TEXT and line.startswith(" "):
            kind = TEXT
        elif stripped.startswith(SHELL) or stripped == "#":
            kind = SH
        else:
            kind = SQL
        out.append((kind, line))
    return out


def instead_blocks(text: str) -> list[tuple[str, str]]:
    """`text` cut into runs of one kind, in order: (kind, the run's lines joined); blank
    lines stay with the run they sit in, and a run of only blank lines is left out."""
    blocks: list[tuple[str, list[str]]] = []
    for kind, line in line_kinds(text):
        if not line.strip() and blocks or blocks and blocks[-1][0] == kind:
            blocks[-1][1].append(line)
        elif line.strip():
            blocks.append((kind, [line]))
    return [(kind, "\n".join(lines).strip("\n")) for kind, lines in blocks]
