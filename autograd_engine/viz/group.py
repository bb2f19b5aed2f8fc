"""Grouping a big graph by scope: one box per neuron (or per layer) instead of one per node.

A one-example loss of ``MLP(2, [16, 16, 1])`` has about 1,400 nodes, far too many to read;
it has 33 neurons. ``nn`` modules record a scope for every call (see
:mod:`autograd_engine.scope`), so each node knows which neuron and which layer made it.
:func:`group_nodes` turns that into a mapping node -> group name, which
:func:`~autograd_engine.viz.draw_dot` (``group=``) and the stepper use to collapse each
group into one box showing its output's data and gradient.
"""

from __future__ import annotations

from ..scope import scope_members
from ..value import Value

__all__ = ["group_nodes", "group_outputs"]


def group_nodes(order: list[Value], level: str) -> dict[Value, str]:
    """For each node of ``order`` inside a scope of kind ``level``, that scope's name.

    Args:
        order: the graph's nodes in topological order (``topological_order(root)``).
        level: the kind of scope to collapse: ``"neuron"`` or ``"layer"`` for ``nn``'s
            modules (a module's kind is its class name in lower case: ``"mlp"``,
            ``"rnncell"``), or the ``kind`` given to :func:`~autograd_engine.scope.scope`.

    Returns:
        node -> group name: the scope's path (``"layers.0.neurons.3"``), or its kind when the
        path is empty (a module called on its own). A scope entered more than once (one
        neuron applied to several examples) gives one group per call, the second and later
        ones suffixed ``#2``, ``#3``... in the order the calls ran. Nodes outside every such scope
        (the network's inputs, the loss) are left out: they are drawn one by one.

    Raises:
        ValueError: ``level`` is not a non-empty string, or no node of the graph lies in a
            scope of that kind (the message lists the kinds that are there).
    """
    if not isinstance(level, str) or not level:
        raise ValueError(f"group: the level must be a scope kind such as 'neuron', not {level!r}")
    members = scope_members(order)
    chosen: dict[Value, tuple[str, str, int]] = {}
    for node in order:
        record = members.get(node)
        if record is not None:
            entry = next((e for e in reversed(record.levels) if e[1] == level), None)
            if entry is not None:
                chosen[node] = entry
    # Calls are numbered in the order they ran (the call number), so "#2" is the second call.
    names: dict[tuple[str, str, int], str] = {}
    taken: dict[str, int] = {}
    for entry in sorted(set(chosen.values()), key=lambda e: e[2]):
        path, kind, _ = entry
        base = path or kind
        taken[base] = taken.get(base, 0) + 1
        names[entry] = base if taken[base] == 1 else f"{base}#{taken[base]}"
    groups = {node: names[entry] for node, entry in chosen.items()}
    if not groups:
        kinds = sorted({kind for record in members.values() for _, kind, _ in record.levels})
        found = f"the kinds in it are {kinds}" if kinds else "it has no scopes at all"
        raise ValueError(
            f"group={level!r}: no node of this graph was made inside a {level!r} scope "
            f"({found}). Build the graph by calling nn modules (each call records a scope), "
            f"or with autograd_engine.scope.scope(name, kind={level!r}) and record_outputs."
        )
    return groups


def group_outputs(order: list[Value], groups: dict[Value, str]) -> dict[str, list[Value]]:
    """Each group's outputs: its nodes read by a node outside it, or the root itself.

    These are the numbers a collapsed box shows (a neuron has one output, a layer one per
    neuron), in topological order.
    """
    outputs: dict[str, list[Value]] = {}
    read_outside: set[Value] = {order[-1]} if order else set()
    for node in order:
        for parent in node.parents:
            if parent in groups and groups.get(node) != groups[parent]:
                read_outside.add(parent)
    for node in order:
        if node in groups and node in read_outside:
            outputs.setdefault(groups[node], []).append(node)
    return outputs
