"""The graph as text (terminal), DOT (Graphviz), Mermaid (a PR comment) and JSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from lockwise.graph.model import EDGE_REASONS, Conflict, MigrationGraph

GRAPH_SCHEMA_VERSION = 1


def _object_edges(graph: MigrationGraph) -> list[tuple[str, str, dict[str, list[str]]]]:
    """Edges with an object-level reason, in replay order (plain version order left out)."""
    keys = _keys(graph)
    index = {k: i for i, k in enumerate(keys)}
    out = [(a, b, {r: objs for r, objs in reasons.items() if r != "order"})
           for (a, b), reasons in graph.edges.items()]
    out = [e for e in out if e[2]]
    out.sort(key=lambda e: (index.get(e[1], 0), index.get(e[0], 0)))
    return out


def _keys(graph: MigrationGraph) -> list[str]:
    return graph.keys or [m.id for m in graph.migrations]


def _reason_text(reasons: dict[str, list[str]]) -> str:
    ordered = sorted(reasons.items(), key=lambda kv: EDGE_REASONS.index(kv[0]))
    return "; ".join(f"{reason} {', '.join(objs)}" if objs else reason
                     for reason, objs in ordered)


def conflict_lines(conflicts: Sequence[Conflict]) -> list[str]:
    out = []
    for c in conflicts:
        out.append(f"conflict {c.kind} [{c.safety.label}] {c.object_name}")
        for loc in c.locations:
            out.append(f"  at {loc.text()}")
        out.append(f"  {c.explanation}")
        if c.next_step:
            out.append(f"  next: {c.next_step}")
    return out


def render_conflicts_text(conflicts: Sequence[Conflict], out: TextIO,
                          color: bool | None = None) -> None:
    """Conflicts after lint's text report (same console conventions as report/text.py:
    colour only on a terminal, and no rich to import for a file or a pipe)."""
    from lockwise.report.text import plain, rich_console, visible, writes_plain

    lines = conflict_lines(conflicts)
    summary = [f"{len(conflicts)} conflict(s) between migrations"] if conflicts else []
    if writes_plain(out, color):
        out.write("".join(plain(line) + "\n" for line in lines + summary))
        return
    from rich.text import Text

    console = rich_console(out, color)
    for line in lines:
        style = "bold red" if line.startswith("conflict") else ""
        console.print(Text(visible(line), style=style))
    for line in summary:
        console.print(Text(visible(line), style="bold"))


def render_text(graph: MigrationGraph) -> str:
    keys = _keys(graph)
    lines = [f"{len(keys)} migration(s), {graph.downs_checked} down migration(s) checked"]
    incoming: dict[str, list[str]] = {}
    for a, b, reasons in _object_edges(graph):
        incoming.setdefault(b, []).append(f"    <- {a}: {_reason_text(reasons)}")
    for key, m in zip(keys, graph.migrations, strict=True):
        lines.append(f"{key}  ({m.path})")
        lines.extend(incoming.get(key, []))
    lines.extend(conflict_lines(graph.conflicts))
    lines.append(f"{len(graph.conflicts)} conflict(s)")
    return "\n".join(lines) + "\n"


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot(graph: MigrationGraph) -> str:
    lines = ["digraph migrations {", "  rankdir=TB;", "  node [shape=box, fontsize=10];"]
    conflicted = {loc.migration for c in graph.conflicts for loc in c.locations}
    for key in _keys(graph):
        style = ", color=red" if key in conflicted else ""
        lines.append(f"  {_dot_id(key)} [label={_dot_id(key)}{style}];")
    for (a, b), reasons in graph.edges.items():
        if set(reasons) == {"order"}:
            lines.append(f"  {_dot_id(a)} -> {_dot_id(b)} [style=dotted, color=gray];")
    for a, b, reasons in _object_edges(graph):
        lines.append(f"  {_dot_id(a)} -> {_dot_id(b)} [label={_dot_id(_reason_text(reasons))}];")
    for c in graph.conflicts:
        migs = c.migrations
        if len(migs) >= 2:
            lines.append(f"  {_dot_id(migs[0])} -> {_dot_id(migs[1])} [color=red, "
                         f"style=dashed, dir=none, label={_dot_id(c.kind + ' ' + c.object_name)}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _mermaid_label(text: str) -> str:
    # Mermaid labels are quoted; it has no escape for quotes, so use its entity form.
    return text.replace('"', "#quot;").replace("|", "#124;")


#: Mermaid's defaults (`maxEdges`, `maxTextSize`): it draws no diagram beyond them, only an
#: error. (A GitHub comment holds 65,536 characters, the fence included.)
MERMAID_MAX_EDGES = 500
MERMAID_MAX_TEXT = 50_000


@dataclass(slots=True)
class _Link:
    """Lines of a Mermaid diagram that go together: an edge (or a conflict's edge and
    styles), how many edges they draw and the nodes they need declared."""

    lines: list[str]
    edges: int
    nodes: list[str]


def render_mermaid(graph: MigrationGraph, max_edges: int = MERMAID_MAX_EDGES,
                   max_text: int = MERMAID_MAX_TEXT) -> str:
    """The graph as a Mermaid flowchart, within Mermaid's limits: when the whole graph is
    beyond them, the conflicts are kept first, then the dependencies of the newest
    migrations, and the version order goes first; a node says how much was left out."""
    keys = _keys(graph)
    node = {k: f"m{i}" for i, k in enumerate(keys)}
    declared = {k: f'  {node[k]}["{_mermaid_label(k)}"]' for k in keys}
    dependencies, order, conflicts = _mermaid_links(graph, node)
    everything = [*dependencies, *order, *conflicts]
    whole = _mermaid_text(keys, declared, everything)
    if sum(link.edges for link in everything) <= max_edges and len(whole) <= max_text:
        return whole
    note_room = 300  # the note below, with room for its numbers
    kept: set[int] = set()
    needed: set[str] = set()
    edges, size = 0, len("graph TD\n") + note_room
    # The newest migrations' dependencies are what a pull request's reviewer looks at.
    ranked = [*conflicts, *reversed(dependencies), *reversed(order)]
    for link in ranked:
        new_nodes = [k for k in dict.fromkeys(link.nodes) if k not in needed]
        cost = sum(len(line) + 1 for line in link.lines) + \
            sum(len(declared[k]) + 1 for k in new_nodes)
        if edges + link.edges > max_edges or size + cost > max_text:
            continue
        kept.add(id(link))
        needed.update(new_nodes)
        edges, size = edges + link.edges, size + cost
    shown = [link for link in everything if id(link) in kept]
    left = sum(link.edges for link in everything) - edges
    note = (f'  omitted["{left} of {left + edges} edges and {len(keys) - len(needed)} of '
            f'{len(keys)} migrations left out: Mermaid draws up to {max_edges} edges and '
            f'{max_text} characters. Version order went first, then the oldest '
            f'dependencies; --format dot or json shows everything"]')
    return _mermaid_text([k for k in keys if k in needed], declared, shown) + note + "\n"


def _mermaid_links(graph: MigrationGraph, node: dict[str, str]
                   ) -> tuple[list[_Link], list[_Link], list[_Link]]:
    """The diagram's links: object-level dependencies and plain version order, each oldest
    first, and the conflicts."""
    dependencies, linked = [], set()
    for a, b, reasons in _object_edges(graph):
        linked.add((a, b))
        dependencies.append(_Link(
            [f'  {node[a]} -->|"{_mermaid_label(_reason_text(reasons))}"| {node[b]}'], 1,
            [a, b]))
    order = [_Link([f"  {node[a]} -.-> {node[b]}"], 1, [a, b])
             for (a, b), reasons in graph.edges.items()
             if set(reasons) == {"order"} and (a, b) not in linked]
    conflicts = []
    for c in graph.conflicts:
        migs = [m for m in c.migrations if m in node]
        lines = [f'  {node[migs[0]]} ==>|"conflict: {_mermaid_label(c.kind)}"| '
                 f'{node[migs[1]]}'] if len(migs) >= 2 else []
        lines += [f"  style {node[m]} stroke:#d00,stroke-width:2px" for m in migs]
        conflicts.append(_Link(lines, 1 if len(migs) >= 2 else 0, migs))
    return dependencies, order, conflicts


def _mermaid_text(keys: Sequence[str], declared: dict[str, str], links: Sequence[_Link]
                  ) -> str:
    lines = ["graph TD", *(declared[k] for k in keys),
             *(line for link in links for line in link.lines)]
    return "\n".join(dict.fromkeys(lines)) + "\n"


def graph_dict(graph: MigrationGraph) -> dict:
    keys = _keys(graph)
    return {
        "schema_version": GRAPH_SCHEMA_VERSION,
        "migrations": [{"id": k, "version": m.version, "name": m.name, "path": str(m.path),
                        "down_path": str(m.down_path) if m.down_path else None}
                       for k, m in zip(keys, graph.migrations, strict=True)],
        "edges": [{"from": a, "to": b,
                   "reasons": [{"reason": r, "objects": objs} for r, objs in reasons.items()]}
                  for (a, b), reasons in graph.edges.items()],
        "downs_checked": graph.downs_checked,
        "conflicts": [c.to_dict() for c in graph.conflicts],
    }


def render_json(graph: MigrationGraph) -> str:
    return json.dumps(graph_dict(graph), indent=2)


RENDERERS = {"text": render_text, "dot": render_dot, "mermaid": render_mermaid,
             "json": render_json}
