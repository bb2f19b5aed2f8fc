"""A text view of a computation graph, for terminals: an indented tree from the output down.

Each line is one node: its name, the op that made it, its data and its grad. A node's
inputs are indented beneath it. A node used more than once is written out in full the first
time only; later it appears as ``name (see above)``, which is exactly where the backward
pass adds up more than one term. Names are labels, or ``n<i>`` (the node's topological
position, the same ids the drawings use). The lecture's ``L = (a*b + c) * f`` after backward:

    L              *     data -8.0000  grad  1.0000
    ├── d          +     data  4.0000  grad -2.0000
    │   ├── e      *     data -6.0000  grad -2.0000
    │   │   ├── a  leaf  data  2.0000  grad  6.0000
    │   │   └── b  leaf  data -3.0000  grad -4.0000
    │   └── c      leaf  data  10.0000  grad -2.0000
    └── f          leaf  data -2.0000  grad  4.0000
"""

from __future__ import annotations

import sys
from typing import TextIO

from ..graph import topological_order
from ..value import Value

__all__ = ["graph_text", "print_graph"]


def graph_text(root: Value, show_grad: bool = True, precision: int = 4) -> str:
    """The tree that :func:`print_graph` prints, as a string (lines joined by newlines)."""
    if not isinstance(root, Value):
        raise TypeError(f"print_graph: root must be a Value, not {type(root).__name__}")
    if isinstance(precision, bool) or not isinstance(precision, int) or not 0 <= precision <= 17:
        raise ValueError(
            f"print_graph: precision must be an integer from 0 to 17, not {precision!r}"
        )
    position = {node: i for i, node in enumerate(topological_order(root))}

    rows: list[tuple[str, Value, bool]] = []  # (tree prefix + name, node, already shown)
    shown: set[Value] = set()
    # An explicit stack (no recursion, so deep graphs are fine): (node, prefix of its line,
    # prefix for its children's lines).
    stack: list[tuple[Value, str, str]] = [(root, "", "")]
    while stack:
        node, line_prefix, child_prefix = stack.pop()
        name = node.label or f"n{position[node]}"
        repeated = node in shown
        rows.append((line_prefix + name, node, repeated))
        if repeated:
            continue
        shown.add(node)
        parents = node.parents
        # Pushed in reverse so the first input is printed first.
        for index in reversed(range(len(parents))):
            last = index == len(parents) - 1
            stack.append(
                (
                    parents[index],
                    child_prefix + ("└── " if last else "├── "),
                    child_prefix + ("    " if last else "│   "),
                )
            )

    width = max(len(text) for text, _, _ in rows)
    op_width = max(len(node.op or "leaf") for _, node, _ in rows)
    lines = []
    for text, node, repeated in rows:
        if repeated:
            lines.append(f"{text} (see above)")
            continue
        line = f"{text:<{width}}  {node.op or 'leaf':<{op_width}}  data {node.data: .{precision}f}"
        if show_grad:
            line += f"  grad {node.grad: .{precision}f}"
        lines.append(line)
    return "\n".join(lines)


def print_graph(
    root: Value, show_grad: bool = True, precision: int = 4, file: TextIO | None = None
) -> None:
    """Print ``root``'s graph as an indented tree of name, op, data and grad.

    Args:
        root: the output; its inputs are indented beneath it, and theirs beneath them.
        show_grad: also print each node's ``.grad``.
        precision: digits after the decimal point.
        file: where to print (default ``sys.stdout``).
    """
    print(graph_text(root, show_grad, precision), file=sys.stdout if file is None else file)
