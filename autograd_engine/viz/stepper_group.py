"""The stepper's grouped view: one box per neuron (or layer), one frame per box.

A one-example loss of ``MLP(2, [16, 16, 1])`` takes about 500 backward steps, one per node;
grouped by neuron it takes about 40. A group is a scope of ``nn`` (see
:func:`~autograd_engine.viz.group.group_nodes`): its box shows its output's data and
gradient. Its frames say what flowed, at the level of the group:

* **forward**: the group is computed from its inputs; its outputs' data appear;
* **backward**: the group's rules run, every one of its nodes' steps in the order
  ``backward()`` runs them. The gradient of its output, complete by then, flows through the
  group to its inputs (one chain-rule term per input it reads, the sum of the terms along
  every path inside) and to its own parameters.

The numbers are :func:`~autograd_engine.backward_steps`' own terms. A box's gradient shows a
running sum while terms arrive and, once the last has arrived, the exact value
``backward()`` gives (summed in backward()'s order): right, never a reordered near-miss.

:func:`restrict` keeps only some boxes (the stepper's ``focus=``, ``depth=``): frames whose
box is left out are folded into the next frame shown, which says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..graph import BackwardStep
from ..value import Value
from .format import format_number
from .group import group_outputs

__all__ = ["Unit", "build_units", "grouped_frames", "restrict", "unit_neighbourhood"]

WAITING = "–"


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


def _numbers(word: str, values: Sequence[float]) -> str:
    """``data 0.5`` for one output; ``data 0.5, -1.2, … (16)`` for a layer's many."""
    shown = ", ".join(format_number(v) for v in values[:3])
    more = f", … ({len(values)})" if len(values) > 3 else ""
    return f"{word} {shown}{more}"


def _listing(items: Sequence[str], limit: int = 6) -> str:
    if len(items) <= limit:
        return ", ".join(items)
    return ", ".join(items[:limit]) + f" and {len(items) - limit} more"


#: A frame before its edges are given ids: ``(box, input position, label)`` per edge.
@dataclass(frozen=True, slots=True)
class RawFrame:
    """A frame of boxes, as :class:`~autograd_engine.viz.stepper.Frame` before ids."""

    phase: str
    number: int
    caption: str
    firing: int | None
    focus: tuple[int, ...]
    changes: tuple[tuple[int, str, str], ...]
    edges: tuple[tuple[int, str, str], ...]
    #: Indices (into the backward steps) of the rules this frame runs: a side panel's gradients.
    ran: tuple[int, ...] = ()


def grouped_frames(
    units: Sequence[Unit],
    steps: Sequence[BackwardStep],
    seed: float,
    lr: float | None,
    params: Sequence[Value],
    names: Mapping[Value, str],
    formula: Callable[[Value], str],
) -> list[RawFrame]:
    """Forward, backward and update frames at the level of boxes (see the module's text).

    ``steps`` are ``backward_steps(root, seed)``; ``formula(node)`` writes how a single
    node's box is made (``x1 * w1``); a box fires once all of its nodes' steps
    can run, which :func:`build_units`' order guarantees (its readers fired before it).
    """
    where = {node: u for u, unit in enumerate(units) for node in unit.members}
    shown = {node: u for u, unit in enumerate(units) for node in unit.outputs}
    # A box with one output names it: "layers.0.neurons.2#2" is the second call's, where the
    # node's own name (its scope path) is the same for every call.
    names = {**names, **{n: units[u].name for n, u in shown.items() if len(units[u].outputs) == 1}}
    root = units[-1].outputs[-1]
    root_name = symbol(names[root])
    # Exact final gradients, summed in backward()'s own order.
    final: dict[Value, float] = {root: float(seed)}
    step_of: dict[Value, int] = {}
    for s, step in enumerate(steps):
        step_of[step.node] = s
        for parent, term in zip(step.node.parents, step.parent_grads, strict=True):
            if not parent.is_constant:
                final[parent] = final.get(parent, 0.0) + term
    # A box's output receives one term from every other box that reads it.
    expected: dict[Value, int] = dict.fromkeys(shown, 0)
    for u, unit in enumerate(units):
        read = {p for node in unit.members for p in node.parents if p in shown and where[p] != u}
        for node in read:
            expected[node] += 1
    state: dict[tuple[int, str], str] = {}

    def put(changes: list[tuple[int, str, str]], u: int, field: str, text: str) -> None:
        if state.get((u, field)) != text:
            state[u, field] = text
            changes.append((u, field, text))

    frames: list[RawFrame] = []
    computed = [u for u, unit in enumerate(units) if unit.kind != "leaf"]
    m = len(computed)
    changes: list[tuple[int, str, str]] = []
    for u, unit in enumerate(units):
        leaf = unit.kind == "leaf"
        put(
            changes,
            u,
            "data",
            _numbers("data", [n.data for n in unit.outputs]) if leaf else "data ?",
        )
        put(changes, u, "grad", f"grad {WAITING}")
        put(changes, u, "state", "" if leaf else "pending")
        put(changes, u, "arrival", "waiting")
        put(changes, u, "terms", f"0 of {sum(expected[n] for n in unit.outputs)}")
    frames.append(
        RawFrame(
            "forward",
            0,
            f"forward 0/{m}: the inputs and parameters hold their values; "
            f"the {m} boxes computed from them have none yet.",
            None,
            (),
            tuple(changes),
            (),
        )
    )
    for j, u in enumerate(computed, start=1):
        unit = units[u]
        changes = []
        put(changes, u, "data", _numbers("data", [n.data for n in unit.outputs]))
        put(changes, u, "state", "")
        values = ", ".join(f"{names[n]} = {format_number(n.data)}" for n in unit.outputs[:4])
        more = f" and {len(unit.outputs) - 4} more" if len(unit.outputs) > 4 else ""
        ins = _listing([units[v].name for v in _reads(unit)]) or "its parameters"
        if unit.kind == "group":
            what = f"{unit.name} ({unit.op}, {len(unit.members)} nodes) is computed from {ins}"
        else:
            what = f"{unit.name} = {formula(unit.outputs[0])} is computed"
        frames.append(
            RawFrame(
                "forward",
                j,
                f"forward {j}/{m}: {what}: {values}{more}",
                u,
                (u, *_reads(unit)),
                tuple(changes),
                tuple((u, f"e{e}", "") for e in range(len(unit.inputs))),
            )
        )

    running: dict[Value, list[float]] = {root: [float(seed)]}
    changes = []
    r = shown[root]
    put(changes, r, "grad", f"grad {format_number(seed)}")
    put(changes, r, "arrival", "complete")
    put(changes, r, "terms", "seed")
    firing = list(reversed(computed))
    n = len(firing)
    for k, u in enumerate(firing):
        unit = units[u]
        own = sorted(step_of[node] for node in unit.members if node in step_of)
        sent: dict[Value, float] = {}
        edges_used: dict[Value, int] = {}
        for s in own:
            step = steps[s]
            for parent, term in zip(step.node.parents, step.parent_grads, strict=True):
                if parent.is_constant or where.get(parent) == u:
                    continue
                sent[parent] = sent.get(parent, 0.0) + term
                edges_used[parent] = edges_used.get(parent, 0) + 1
        frames.append(
            _backward_frame(
                k,
                n,
                u,
                unit,
                units,
                sent,
                edges_used,
                running,
                final,
                expected,
                names,
                root_name,
                shown,
                formula,
                tuple(changes),
            )
        )
        frames[-1] = replace(frames[-1], ran=tuple(own))  # the rules this box runs
        changes = []
        for parent, term in sent.items():
            if parent not in shown:
                continue  # a parameter shared by several calls, drawn in no box
            running.setdefault(parent, []).append(term)
            v = shown[parent]
            _show_grad(changes, put, v, units[v], running, final, expected)
    frames.append(
        RawFrame(
            "backward",
            n,
            f"backward {n}/{n}: done. Every box holds ∂{root_name}/∂(its output), "
            "exactly what backward() gives.",
            None,
            (),
            tuple(changes),
            (),
        )
    )
    if lr is not None:
        changes = []
        lines = [
            f"update: every parameter steps against its gradient, p.data -= lr × p.grad, "
            f"lr = {format_number(lr)}"
        ]
        for p in params[:8]:
            new = p.data - lr * final.get(p, 0.0)
            lines.append(
                f"  {names[p]}: {format_number(p.data)} - {format_number(lr)} × "
                f"{format_number(final.get(p, 0.0))} = {format_number(new)}"
            )
        if len(params) > 8:
            lines.append(f"  ... and {len(params) - 8} more")
        moved = {where[p] for p in params if p in where}
        for u in sorted(moved):
            unit = units[u]
            if unit.kind == "leaf":
                p = unit.outputs[0]
                put(changes, u, "data", f"data {format_number(p.data - lr * final.get(p, 0.0))}")
            put(changes, u, "state", "updated")
        frames.append(RawFrame("update", 0, "\n".join(lines), None, (), tuple(changes), ()))
    return frames


def _show_grad(
    changes: list[tuple[int, str, str]],
    put: Callable[[list[tuple[int, str, str]], int, str, str], None],
    v: int,
    unit: Unit,
    running: Mapping[Value, list[float]],
    final: Mapping[Value, float],
    expected: Mapping[Value, int],
) -> None:
    """Box ``v``'s gradient texts: running sums while terms arrive, exact once complete."""
    done = sum(len(running.get(node, ())) for node in unit.outputs)
    want = sum(expected[node] for node in unit.outputs)
    values = [
        final[node] if len(running.get(node, ())) == expected[node] else sum(running.get(node, ()))
        for node in unit.outputs
    ]
    text = _numbers("grad", values)
    put(changes, v, "grad", text if done == want else f"{text} ({done}/{want})")
    put(changes, v, "arrival", "complete" if done == want else "partial")
    put(changes, v, "terms", f"{done} of {want}")


def _backward_frame(
    k: int,
    n: int,
    u: int,
    unit: Unit,
    units: Sequence[Unit],
    sent: Mapping[Value, float],
    edges_used: Mapping[Value, int],
    running: Mapping[Value, list[float]],
    final: Mapping[Value, float],
    expected: Mapping[Value, int],
    names: Mapping[Value, str],
    root_name: str,
    where_shown: Mapping[Value, int],
    formula: Callable[[Value], str],
    changes: tuple[tuple[int, str, str], ...],
) -> RawFrame:
    """Box ``u`` about to fire: what flows from its output to its inputs and parameters."""
    outs = unit.outputs
    grads = ", ".join(
        f"∂{root_name}/∂{symbol(names[o])} = {format_number(final[o])}" for o in outs[:3]
    )
    if len(outs) > 3:
        grads += f" and {len(outs) - 3} more"
    rules = sum(1 for node in unit.members if not node.is_leaf)
    if unit.kind == "group":
        head = (
            f"backward {k}/{n}: {unit.name} ({unit.op}) runs its {rules} rules, "
            f"from its output back to its inputs. {grads}: complete."
        )
    else:
        head = f"backward {k}/{n}: {unit.name} = {formula(outs[0])} fires. {grads}: complete."
    lines = [head]
    # One edge per input box: it carries the term, or says how many (a layer's outputs).
    on_edge: dict[int, list[float]] = {}
    params = []
    input_position = {v: e for e, v in enumerate(unit.inputs)}
    receivers = []
    for parent, term in sent.items():
        if parent not in where_shown:
            continue
        v = where_shown[parent]
        so_far = [*running.get(parent, ()), term]
        want = expected[parent]
        total = final[parent] if len(so_far) == want else sum(so_far)
        through = f" (summed over {edges_used[parent]} paths)" if edges_used[parent] > 1 else ""
        sums = " + ".join(map(format_number, so_far)) if len(so_far) > 1 else ""
        running_text = f"{sums} = {format_number(total)}" if sums else format_number(total)
        status = "complete" if len(so_far) == want else f"{len(so_far)} of {want} terms arrived"
        if len(lines) <= 8:
            lines.append(
                f"  to {names[parent]}: += {format_number(term)}{through}; "
                f"∂{root_name}/∂{symbol(names[parent])} = {running_text}, {status}"
            )
        on_edge.setdefault(input_position[v], []).append(term)
        receivers.append(v)
    if len(sent) > 8 and len(lines) > 8:
        lines.append(f"  ... and {len([p for p in sent if p in where_shown]) - 8} more inputs")
    for node in unit.members:
        # A leaf read only inside this box: its gradient is complete once the box has fired.
        if node.is_leaf and unit.kind == "group" and node not in where_shown:
            short = names[node].removeprefix(unit.name + ".")
            params.append(f"{short} = {format_number(final.get(node, 0.0))}")
    if params:
        lines.append(f"  its {len(params)} parameters get their gradients: {_listing(params, 4)}")
    shared = [term for parent, term in sent.items() if parent not in where_shown]
    if shared:
        lines.append(
            f"  and {len(shared)} terms go to parameters shared with other calls of this "
            f"{unit.op} (not drawn: each sums one term per call)"
        )
    return RawFrame(
        "backward",
        k,
        "\n".join(lines),
        u,
        (u, *dict.fromkeys(receivers)),
        changes,
        tuple(
            (u, f"e{e}", format_number(terms[0]) if len(terms) == 1 else f"{len(terms)} terms")
            for e, terms in on_edge.items()
        ),
    )


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


_EDGE = re.compile(r"n(\d+)_(e\d+|out)$")


def restrict(frames: Sequence[RawFrame], kept: Sequence[int]) -> list[RawFrame]:
    """Only the boxes ``kept`` (renumbered 0, 1, ...): a frame firing elsewhere is folded in.

    Its changes to kept boxes join the next frame shown, whose caption says how many steps
    ran outside the view, so every number shown is still the true one.
    """
    new = {old: i for i, old in enumerate(kept)}
    out: list[RawFrame] = []
    carried: list[tuple[int, str, str]] = []
    carried_ran: tuple[int, ...] = ()
    skipped = 0
    for frame in frames:
        changes = [(new[u], f, t) for u, f, t in frame.changes if u in new]
        if frame.firing is not None and frame.firing not in new:
            carried += changes
            carried_ran += frame.ran
            skipped += 1
            continue
        caption = frame.caption
        if skipped:
            caption = f"({skipped} steps outside this view ran before this one)\n{caption}"
        out.append(
            replace(
                frame,
                caption=caption,
                firing=None if frame.firing is None else new[frame.firing],
                focus=tuple(new[u] for u in frame.focus if u in new),
                changes=tuple(carried + changes),
                edges=tuple((new[u], e, label) for u, e, label in frame.edges if u in new),
                ran=carried_ran + frame.ran,
            )
        )
        carried, carried_ran, skipped = [], (), 0
    return out
