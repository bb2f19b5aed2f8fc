"""The stepper's boxes: one per node, or one per neuron (or layer) of a network.

A one-example loss of ``MLP(2, [16, 16, 1])`` takes about 500 backward steps, one per node;
grouped by neuron it takes about 40. A group is a scope of ``nn`` (see
:func:`~autograd_engine.viz.group.group_nodes`): its box shows its output's data and
gradient. :func:`build_units` orders the boxes so each comes after the boxes it reads, and
:mod:`.frame_model` says what each box shows at every frame: a group is computed in one
forward frame and runs all its rules in one backward frame, the gradient of its output
flowing through it to its inputs (one chain-rule term per input it reads, the sum of the
terms along every path inside) and to its own parameters.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..value import Value
from .group import group_outputs

__all__ = ["Unit", "build_units", "kept_units", "symbol", "unit_neighbourhood"]


@dataclass(frozen=True, slots=True)
class Unit:
    """One box of the stepper: a single node, or a whole group (a neuron, a layer).

    Attributes:
        name: what the box is called (``layers.0.neurons.3``, ``x0``, ``loss``).
        kind: ``leaf``, ``intermediate``, ``output`` (the root's box) or ``group``.
        op: the text of the oval in front of the box: the op for a node, the group's level
            (``neuron``) for a group, ``""`` for a leaf.
        members: the nodes it stands for, in topological order.
        outputs: the nodes whose data and gradient the box shows.
        inputs: the boxes it reads, by index, in the order first read (a single node's box:
            one per input of its op, None for a constant or an input left out of the view).
    """

    name: str
    kind: str
    op: str
    members: tuple[Value, ...]
    outputs: tuple[Value, ...]
    inputs: tuple[int | None, ...]


def kept_units(units: Sequence[Unit], kept: Sequence[int]) -> list[Unit]:
    """The boxes at positions ``kept``, their inputs renumbered to positions in ``kept``.

    An input whose box is not kept becomes None, as a constant's is: the view leaves it out.
    """
    new = {old: i for i, old in enumerate(kept)}
    return [
        replace(units[u], inputs=tuple(None if v is None else new.get(v) for v in units[u].inputs))
        for u in kept
    ]


def build_units(
    order: Sequence[Value],
    groups: Mapping[Value, str],
    names: Mapping[Value, str],
    level: str,
    op_text: Callable[[Value], str],
) -> list[Unit]:
    """The boxes of a grouped drawing, in an order where every box comes after its inputs.

    Args:
        order: the nodes to draw (no constants), in topological order; the root last.
        groups: node -> group name (:func:`~autograd_engine.viz.group.group_nodes`).
        names: node -> name, for the boxes of single nodes.
        level: the scope kind grouped by, written in each group's oval.
        op_text: a node's oval text (its op, constants written in).

    Raises:
        ValueError: the groups depend on each other in a circle (a scope that is not one
            piece of the graph), so no order of boxes can run them one after the other.
    """
    root = order[-1]
    outputs = group_outputs(list(order), dict(groups))
    key: dict[Value, object] = {node: groups.get(node, node) for node in order}
    first: dict[object, int] = {}
    members: dict[object, list[Value]] = {}
    for i, node in enumerate(order):
        first.setdefault(key[node], i)
        members.setdefault(key[node], []).append(node)
    readers: dict[object, dict[object, None]] = {k: {} for k in first}
    reads: dict[object, dict[object, None]] = {k: {} for k in first}
    for node in order:
        for parent in node.parents:
            if parent in key and key[parent] != key[node]:
                reads[key[node]][key[parent]] = None
                readers[key[parent]][key[node]] = None
    # Kahn's algorithm, always taking the waiting box that appears first in `order`.
    waiting = {k: len(v) for k, v in reads.items()}
    ready = sorted((k for k, n in waiting.items() if n == 0), key=first.__getitem__)
    ranked: list[object] = []
    while ready:
        k = ready.pop(0)
        ranked.append(k)
        for reader in readers[k]:
            waiting[reader] -= 1
            if waiting[reader] == 0:
                ready.append(reader)
                ready.sort(key=first.__getitem__)
    if len(ranked) != len(first):
        stuck = sorted(str(k) for k, n in waiting.items() if n and isinstance(k, str))[:3]
        raise ValueError(
            f"group={level!r}: the groups {stuck} read each other's results in a circle, "
            "so they cannot be stepped one box at a time; step without group= instead"
        )
    index = {k: i for i, k in enumerate(ranked)}
    units = []
    for k in ranked:
        nodes = tuple(members[k])
        inputs = tuple(index[parent] for parent in reads[k])
        if isinstance(k, str):
            kind = "group"
            units.append(Unit(k, kind, level, nodes, tuple(outputs[k]), inputs))
        else:
            assert isinstance(k, Value)
            kind = "output" if k is root else "leaf" if k.is_leaf else "intermediate"
            units.append(Unit(names[k], kind, op_text(k), nodes, (k,), inputs))
    return units


def symbol(name: str) -> str:
    """A name to write after ∂: in parentheses unless it is one word (∂(x1*w1), but ∂x1)."""
    return name if name.replace("_", "").replace(".", "").isalnum() else f"({name})"


def _reads(unit: Unit) -> list[int]:
    """The boxes ``unit`` reads (its inputs that are drawn)."""
    return [v for v in unit.inputs if v is not None]


def unit_neighbourhood(units: Sequence[Unit], centre: int, depth: int) -> list[int]:
    """The boxes at most ``depth`` edges from box ``centre`` (edges followed both ways)."""
    near: dict[int, list[int]] = {u: [] for u in range(len(units))}
    for u, unit in enumerate(units):
        for v in _reads(unit):
            near[u].append(v)
            near[v].append(u)
    seen = {centre}
    frontier = [centre]
    for _ in range(depth):
        reached = [w for v in frontier for w in near[v] if w not in seen]
        seen.update(reached)
        frontier = list(dict.fromkeys(reached))
    return sorted(seen)
