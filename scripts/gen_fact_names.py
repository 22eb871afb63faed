"""Write src/lockwise/rules/fact_names.py: the names of the facts rules can match on and
print, and the action kinds, as the modules that state facts spell them.

A rule file is checked against them when it is loaded (lockwise.rules.loader): a `when` that
names a fact no statement has, or a message that prints one, is an input error rather than a
rule that never matches. The names are read from the source (dict keys, keyword arguments and
subscript assignments in the fact-stating modules): a few names that are no fact get in too,
which only makes the check more lenient. tests/test_rule_loader.py checks that every fact the
rule examples produce is listed, and that this file is fresh (`--check`).

    python scripts/gen_fact_names.py [--check]
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src" / "lockwise"
OUT = SRC / "rules" / "fact_names.py"
#: The modules that state facts: the effect model, the lint pipeline (statement, session and
#: migration facts) and the cost model's hook.
SOURCES = (*sorted((SRC / "effects").rglob("*.py")), SRC / "lint.py", SRC / "lint_mysql.py",
           SRC / "lint_mysql_programs.py", SRC / "cost" / "hook.py")
#: The modules that set text aside unparsed (`Skipped("psql-meta", ...)`): lint judges each
#: as an action of that kind, `-` made `_` (`psql_meta`).
SKIPPING = tuple(sorted((SRC / "parse").glob("*.py")))
_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _string(node: ast.AST | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
            _NAME.fullmatch(node.value):
        return node.value
    return None


def _kinds(node: ast.AST, tree: ast.Module) -> set[str]:
    """The action kinds an action's first argument can be: a name, either name of a
    conditional (`"set_logged" if logged else "set_unlogged"`), or `f"drop_{kind}"` with each
    string value of the module's dicts of names (drops.py's `_DROP_KINDS`)."""
    if isinstance(node, ast.IfExp):
        return _kinds(node.body, tree) | _kinds(node.orelse, tree)
    if isinstance(node, ast.JoinedStr) and node.values and _string(node.values[0]):
        prefix = _string(node.values[0]) or ""
        return {prefix + value for d in ast.walk(tree) if isinstance(d, ast.Dict)
                for v in d.values if (value := _string(v))}
    name = _string(node)
    return {name} if name else set()


def _skipped_kinds(paths: tuple[Path, ...]) -> set[str]:
    kinds: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                    node.func.id == "Skipped" and node.args and \
                    isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                kinds.add(node.args[0].value.replace("-", "_"))
    return kinds


def collect(paths: tuple[Path, ...] = SOURCES) -> tuple[set[str], set[str]]:
    """(fact names, action kinds) as `paths` write them, and the kinds of text the parsers
    set aside (`SKIPPING`)."""
    facts: set[str] = set()
    kinds: set[str] = _skipped_kinds(SKIPPING)
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Dict):
                for key, value in zip(node.keys, node.values, strict=True):
                    name = _string(key)
                    if name:
                        facts.add(name)
                        if name == "action" and _string(value):
                            kinds.add(_string(value) or "")
                    # A handler the effect model makes from a factory of a family when first
                    # needed: (family, factory, kind), as in `_FAMILIES`.
                    if isinstance(value, ast.Tuple) and len(value.elts) == 3 and \
                            all(map(_string, value.elts)):
                        kinds.add(_string(value.elts[2]) or "")
            elif isinstance(node, ast.Call):
                facts.update(k.arg for k in node.keywords if k.arg and _NAME.fullmatch(k.arg))
                # An action's kind is the first argument (b.act("add_column", ...), and the
                # factories of handlers: dml("merge"), _plain("grant"), ...); a family's
                # function looked up by name (`family_function("triggers", ...)`) makes none.
                if node.args and not (isinstance(node.func, ast.Name)
                                      and node.func.id == "family_function"):
                    kinds |= _kinds(node.args[0], tree)
            elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store):
                name = _string(node.slice)
                if name:
                    facts.add(name)
    return facts, kinds


def _frozenset(name: str, doc: str, items: set[str]) -> str:
    lines = [f"#: {doc}", f"{name} = frozenset({{"]
    line = "   "
    for item in sorted(items):
        piece = f" {item!r},"
        if len(line) + len(piece) > 99:
            lines.append(line)
            line = "   "
        line += piece
    lines += [line, "})"]
    return "\n".join(lines)


def render() -> str:
    facts, kinds = collect()
    return "\n\n".join([
        '"""Generated by scripts/gen_fact_names.py from the modules that state facts; do not '
        'edit.\n\nWhat a rule file may name (lockwise.rules.loader checks it on load)."""',
        "from __future__ import annotations",
        _frozenset("FACT_NAMES", "Facts a rule's `when` can match and its templates print.",
                   facts),
        _frozenset("ACTION_KINDS", "Values of the `action` fact.", kinds),
    ]) + "\n"


def main(argv: list[str]) -> int:
    text = render()
    if "--check" in argv:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run python scripts/gen_fact_names.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
