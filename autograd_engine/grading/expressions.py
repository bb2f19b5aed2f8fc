"""Expressions as plain data, built the same way in any engine.

An expression is a small tree: :class:`Leaf` (a named input such as ``x = 0.5``),
:class:`Num` (a plain number mixed in, such as the ``2`` of ``x * 2``) and :class:`Apply` (an
op of the catalog on sub-expressions). Equal sub-trees are built *once* (``x * y`` written
twice is one node used twice), and a leaf name always means the same node, so ``x * x`` is a
node with fan-out, as in any engine.

:func:`build` evaluates a tree in an engine, given how to make a leaf there, and returns the
engine's object for every node; the grader builds the same tree in this project's engine
and in the learner's, and compares the two node by node.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Union

from .catalog import OPS

__all__ = ["Apply", "Built", "Expr", "Leaf", "Num", "build", "leaves", "nodes", "size", "text"]


@dataclass(frozen=True)
class Leaf:
    """An input of the expression: a node the learner's engine creates with ``Value(value)``."""

    name: str
    value: float


@dataclass(frozen=True)
class Num:
    """A plain Python number mixed into the expression (``x * 2``): no node, no gradient."""

    value: float


@dataclass(frozen=True)
class Apply:
    """The op named ``op`` (a key of :data:`~.catalog.OPS`) on its arguments."""

    op: str
    args: tuple[Expr, ...]


Expr = Union[Leaf, Num, Apply]  # noqa: UP007 (a runtime alias, read by isinstance checks)


def nodes(root: Expr) -> list[Expr]:
    """Every node of ``root`` that becomes an engine node (leaves and ops, not numbers), each
    once, arguments before the nodes that use them (a topological order)."""
    order: list[Expr] = []
    seen: set[Expr] = set()
    stack: list[tuple[Expr, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if isinstance(node, Num) or (node in seen and not expanded):
            continue
        if expanded or isinstance(node, Leaf):
            if node not in seen:
                seen.add(node)
                order.append(node)
            continue
        stack.append((node, True))
        stack.extend((arg, False) for arg in reversed(node.args))
    return order


def leaves(root: Expr) -> list[Leaf]:
    """The inputs of ``root``, in the order they first appear."""
    return [node for node in nodes(root) if isinstance(node, Leaf)]


def size(root: Expr) -> int:
    """How many ops and numbers the tree has, counting shared sub-trees once (smaller is
    simpler: the grader reports the smallest failing expression it finds)."""
    ops = [node for node in nodes(root) if isinstance(node, Apply)]
    numbers = {arg for node in ops for arg in node.args if isinstance(arg, Num)}
    return len(ops) + len(numbers)


def _number(value: float) -> str:
    return f"{value:g}"


_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_ATOM = 5


def _precedence(node: Expr) -> int:
    if isinstance(node, Num):
        return 3 if node.value < 0 else _ATOM
    if isinstance(node, Leaf):
        return _ATOM
    return _PRECEDENCE.get(node.op, _ATOM)


def text(root: Expr) -> str:
    """The expression as a learner writes it, with Python's precedence: ``tanh(x * y) + 2``."""
    if isinstance(root, Leaf):
        return root.name
    if isinstance(root, Num):
        return _number(root.value)
    spec = OPS[root.op]
    mine = _precedence(root)
    parts = []
    for index, arg in enumerate(root.args):
        theirs = _precedence(arg)
        if mine == _ATOM:  # a function call: its parentheses are enough
            needs = False
        elif root.op == "pow":
            needs = index == 0 and theirs <= mine
        elif index == 1 and root.op in ("sub", "div"):
            needs = theirs <= mine
        else:
            needs = theirs < mine
        parts.append(f"({text(arg)})" if needs else text(arg))
    return spec.text(*parts)


def names(root: Expr) -> dict[Expr, str]:
    """A short name for every node: the leaves' own, and ``t1``, ``t2``, ... for the ops in
    topological order (the output is the last ``t``)."""
    result: dict[Expr, str] = {}
    count = 0
    for node in nodes(root):
        if isinstance(node, Leaf):
            result[node] = node.name
        else:
            count += 1
            result[node] = f"t{count}"
    return result


def formula(node: Expr, name_of: dict[Expr, str]) -> str:
    """One node as an equation of its arguments' names: ``t2 = t1 * x``."""
    if isinstance(node, Leaf):
        return f"{node.name} = {_number(node.value)}"
    if isinstance(node, Num):
        return _number(node.value)
    args = [name_of[arg] if not isinstance(arg, Num) else _number(arg.value) for arg in node.args]
    return f"{name_of[node]} = {OPS[node.op].text(*args)}"


@dataclass
class Built:
    """One expression built in one engine: the engine's object for every node."""

    objects: dict[Expr, Any]
    root: Any


def build(
    root: Expr, make_leaf: Callable[[float], Any], values: dict[Leaf, float] | None = None
) -> Built:
    """Evaluate ``root`` in an engine whose leaves ``make_leaf(number)`` makes; ``values``
    replaces some leaves' numbers (finite differences nudge one leaf at a time).

    Raises whatever the engine raises (the caller runs this with a time limit).
    """
    objects: dict[Expr, Any] = {}
    for node in nodes(root):
        if isinstance(node, Leaf):
            objects[node] = make_leaf(
                node.value if values is None else values.get(node, node.value)
            )
        else:
            assert isinstance(node, Apply)
            args = [arg.value if isinstance(arg, Num) else objects[arg] for arg in node.args]
            objects[node] = OPS[node.op].apply(*args)
    return Built(objects, objects[root])
