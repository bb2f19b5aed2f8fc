"""Names for the stepper's boxes as a person writes them on the board.

A node with a label, a module output (its scope path) and a constant keep the names
:func:`~autograd_engine.viz.format.node_names` gives them. Any other node is named by the
expression that made it, written as on a board, while that stays short: ``x1·w1``,
``0.99 − out_o2``, ``out_o1²``, ``tanh(n)``. Past :data:`LONGEST` characters, when two
nodes would get the same text, or when an input is itself only ``op#index``, it keeps its
op and index, ``+#3``.
"""

from __future__ import annotations

from ..value import Value
from .format import node_names

__all__ = ["LONGEST", "board_names"]

#: The longest expression used as a name; longer ones keep ``op#index``.
LONGEST = 20

_INFIX = {"+": " + ", "-": " − ", "*": "·", "/": "/", "%": " % "}
#: How tightly each way of writing binds: a sum inside a product needs brackets, not the
#: other way round (``w1·i1 + w2·i2``, ``x·(a + b)``).
_BINDS = {"+": 1, "-": 1, "*": 2, "/": 2, "%": 2, "neg": 3, "**": 4}
_ATOM = 5
_SUPERSCRIPT = {"2": "²", "3": "³"}


def _expression(node: Value, names: dict[Value, str], binds: dict[Value, int]) -> tuple[str, int]:
    """``node`` written from its inputs' names, and how tightly the result binds."""
    op = node.op
    parents = node.parents

    def operand(parent: Value, at_least: int) -> str:
        name = names[parent]
        return name if binds.get(parent, _ATOM) >= at_least else f"({name})"

    if op in _INFIX and len(parents) == 2:
        level = _BINDS[op]
        # a − (b − c) and a/(b·c) need brackets on the right; a + b + c does not.
        right = level + 1 if op in ("-", "/", "%") else level
        if parents[1].op == "neg":
            right = _ATOM  # a − (−c), never a − −c
        return f"{operand(parents[0], level)}{_INFIX[op]}{operand(parents[1], right)}", level
    if op == "neg" and len(parents) == 1:
        return f"−{operand(parents[0], _BINDS['neg'] + 1)}", _BINDS["neg"]
    if op.startswith("**") and len(parents) == 1:
        power = op[2:]
        base = operand(parents[0], _ATOM)
        return base + _SUPERSCRIPT.get(power, f"^{power}"), _BINDS["**"]
    return f"{op}({', '.join(names[p] for p in parents)})", _ATOM


def board_names(order: list[Value]) -> dict[Value, str]:
    """A name for every node of ``order`` (topological, inputs first): see the module."""
    base = node_names(order)
    names: dict[Value, str] = {}
    binds: dict[Value, int] = {}
    used: set[str] = set()
    for node in order:
        name = base[node]
        automatic = not node.label and not node.is_constant and name.startswith(f"{node.op}#")
        if automatic and not node.is_leaf:
            # "+#5 + b2" or "-#1²" would be puzzles: build only on names a reader can read.
            readable = all(names[p][:1] not in "+-*/%" for p in node.parents if not p.is_constant)
            text, level = _expression(node, names, binds)
            if readable and len(text) <= LONGEST and text not in used and text not in base.values():
                name, binds[node] = text, level
        names[node] = name
        used.add(name)
    return names
