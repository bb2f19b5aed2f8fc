"""A text view of a computation graph, for terminals: a tree from the output down, or a table.

Each line is one node: its name, the op that made it, its data and its grad, and the local
derivative that links it to the node above (the term the backward pass multiplies by). A
node's inputs are indented beneath it. A node used more than once is written out in full
the first time only; later it appears as ``name (see above)``, which is exactly where the
backward pass adds up more than one term. Constants (the ``1`` of ``x + 1``) get no line:
they are written into their op (``+ 1``). Names and numbers are the drawings' own
(:mod:`autograd_engine.viz.format`). The lecture's ``L = (a*b + c) * f`` after backward:

    L              *     data -8  grad  1
    ├── d          +     data  4  grad -2  ∂L/∂d = f
    │   ├── e      *     data -6  grad -2  ∂d/∂e = 1
    │   │   ├── a  leaf  data  2  grad  6  ∂e/∂a = b
    │   │   └── b  leaf  data -3  grad -4  ∂e/∂b = a
    │   └── c      leaf  data 10  grad -2  ∂d/∂c = 1
    └── f          leaf  data -2  grad  4  ∂L/∂f = d

A deep graph would make a tree's indentation, and so its size, grow with the square of its
depth (an 8,000-node sum would print hundreds of megabytes), so past :data:`MAX_TREE_DEPTH`
levels the view is a flat table instead: one line per node, output first (the order the
backward pass visits them), each naming its inputs. Its size grows linearly with the graph.
"""

from __future__ import annotations

import sys
from typing import TextIO

from ..graph import topological_order
from ..value import Value
from .format import format_number, node_names, op_label, rule_text

__all__ = ["graph_text", "print_graph"]

#: Deeper trees than this are printed as a table (``form="auto"``).
MAX_TREE_DEPTH = 20
_FORMS = ("auto", "tree", "table")


def _check(root: object, precision: object, form: object) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"print_graph: root must be a Value, not {type(root).__name__}")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 17:
        raise ValueError(
            f"print_graph: precision must be an integer from 1 to 17, not {precision!r}"
        )
    if form not in _FORMS:
        raise ValueError(f"print_graph: form must be one of {_FORMS}, not {form!r}")


def _tree_depth(order: list[Value]) -> int:
    """The number of edges on the longest path from the root down to a leaf."""
    depth: dict[Value, int] = {}
    for node in order:  # parents before children: a node's depth is its deepest input's + 1
        inputs = [depth[p] for p in node.parents if not p.is_constant]
        depth[node] = 1 + max(inputs) if inputs else 0
    return depth[order[-1]]


def _columns(rows: list[list[str]]) -> list[str]:
    """Rows of cells joined into lines with aligned columns."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


def graph_text(root: Value, show_grad: bool = True, precision: int = 4, form: str = "auto") -> str:
    """The text that :func:`print_graph` prints, as a string (lines joined by newlines)."""
    _check(root, precision, form)
    order = topological_order(root)
    names = node_names(order)
    if form == "auto":
        form = "tree" if _tree_depth(order) <= MAX_TREE_DEPTH else "table"

    # Numbers right-aligned in their columns, so large values keep the columns straight.
    data = {node: format_number(node.data, precision) for node in order}
    grad = {node: format_number(node.grad, precision) for node in order}
    data_width = max(len(text) for text in data.values())
    grad_width = max(len(text) for text in grad.values())

    def numbers(node: Value, words: bool = True) -> list[str]:
        cells = [f"{'data ' if words else ''}{data[node]:>{data_width}}"]
        if show_grad:
            cells.append(f"{'grad ' if words else ''}{grad[node]:>{grad_width}}")
        return cells

    def kind(node: Value) -> str:
        return op_label(node, names) if node.op else "leaf"

    if form == "table":
        header = ["node", "op", "data", *(["grad"] if show_grad else [])]
        rows = [[*header, "inputs", "local derivatives"]]
        for node in reversed(order):
            if node.is_constant and node is not root:
                continue
            inputs = [names[p] for p in node.parents if not p.is_constant]
            rules = [rule_text(node, i, names) for i, p in enumerate(node.parents)]
            kept = [r for r, p in zip(rules, node.parents, strict=True) if r and not p.is_constant]
            rows.append(
                [names[node], kind(node), *numbers(node, False), ", ".join(inputs), "; ".join(kept)]
            )
        return "\n".join(_columns(rows))

    lines: list[tuple[str, Value, str, bool]] = []  # (prefix + name, node, rule, repeated)
    shown: set[Value] = set()
    # An explicit stack (no recursion, so deep graphs are fine): (node, prefix of its line,
    # prefix for its children's lines, the rule linking it to the node above).
    stack: list[tuple[Value, str, str, str]] = [(root, "", "", "")]
    while stack:
        node, line_prefix, child_prefix, rule = stack.pop()
        repeated = node in shown
        lines.append((line_prefix + names[node], node, rule, repeated))
        if repeated:
            continue
        shown.add(node)
        edges = [(i, p) for i, p in enumerate(node.parents) if not p.is_constant]
        # Pushed in reverse so the first input is printed first.
        for position in reversed(range(len(edges))):
            index, parent = edges[position]
            last = position == len(edges) - 1
            stack.append(
                (
                    parent,
                    child_prefix + ("└── " if last else "├── "),
                    child_prefix + ("    " if last else "│   "),
                    rule_text(node, index, names),
                )
            )
    rows = [
        [text, kind(node), *numbers(node), rule] for text, node, rule, again in lines if not again
    ]
    aligned = iter(_columns(rows))
    # A repeated node keeps its rule: it is the second term the backward pass adds up there.
    return "\n".join(
        f"{text} (see above)  {rule}".rstrip() if again else next(aligned)
        for text, _, rule, again in lines
    )


def print_graph(
    root: Value,
    show_grad: bool = True,
    precision: int = 4,
    file: TextIO | None = None,
    form: str = "auto",
) -> None:
    """Print ``root``'s graph as a tree (or, for deep graphs, a table) of names and numbers.

    Args:
        root: the output; its inputs are indented beneath it, and theirs beneath them.
        show_grad: also print each node's ``.grad``.
        precision: significant digits (see :func:`~autograd_engine.viz.format.format_number`).
        file: where to print (default ``sys.stdout``).
        form: ``"tree"``, ``"table"`` (one line per node, output first, naming its inputs),
            or ``"auto"``: a tree unless it is deeper than :data:`MAX_TREE_DEPTH` levels.
    """
    print(graph_text(root, show_grad, precision, form), file=sys.stdout if file is None else file)
