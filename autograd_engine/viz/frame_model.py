"""What every frame of the stepper shows, as plain data, worked out once from the graph.

The stepper's page, its still pictures (``svg(k)``, ``static_frame(k)``), its captions, its
quiz and its side panel all *read* the frames built here; none of them works a frame's state
out for itself, so they cannot disagree. A frame holds:

* for every box (a node, or a whole neuron or layer when grouped) a :class:`BoxState`: its
  data (or not computed yet), its gradient (or nothing arrived yet) and how many of the
  terms it sums have arrived;
* the box that fires (forward: is computed; backward: sends its terms), the boxes it reads
  or sends to, and the :class:`Send` of every term it sent, with the local derivative, the
  product and the receiving node's running sum;
* on the update frame, each parameter's :class:`Move`; on the last frame, the loss before
  and after.

The phases, in page order (``Frame.index`` is the page's frame number, ``len(stepper)``
counts them all):

1. **forward** 0..m: the leaves hold their values, then the computed boxes one by one;
2. **backward** 0..n: frame 0 holds the seed ``dL/dL``; frame ``k`` shows the state *after*
   the ``k``-th box fired: the terms it sent have arrived. In a quiz (``ask_first``), each
   firing is preceded by a frame showing the state *before* it (``stage == "fires"``), where
   the learner computes the terms;
3. **update** (with ``lr``): ``p ← p - lr · ∂L/∂p`` for every parameter, nothing else;
4. **forward again**: the gradients are cleared and the boxes recomputed from the moved
   parameters, ending with the loss before and after the step.

Numbers are the engine's own: each term is :func:`~autograd_engine.backward_steps`'
``parent_grads``, summed in the order ``backward()`` sums them, so the last backward frame
holds exactly what ``backward()`` leaves in ``.grad``. Which terms have arrived is counted,
never guessed from a gradient being 0.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from ..graph import BackwardStep
from ..value import Value
from .stepper_group import Unit

__all__ = ["BoxState", "Frame", "Move", "Send", "build_frames", "restrict_frames"]


@dataclass(frozen=True, slots=True)
class BoxState:
    """One box at one frame.

    Attributes:
        data: the values of the box's outputs (one for a node), or None: not computed yet.
        grad: the gradients of its outputs so far, or None: no term has arrived yet (drawn
            ``–``, never 0). While terms are missing it is a running sum.
        arrived: how many of the terms its gradient sums have arrived (the seed counts as
            the root's one term).
        expected: how many terms it sums in all: one per edge out of it.
        moved: a parameter the update frame has just moved.
    """

    data: tuple[float, ...] | None
    grad: tuple[float, ...] | None
    arrived: int
    expected: int
    moved: bool = False

    @property
    def complete(self) -> bool:
        """True once every term of the gradient has arrived."""
        return self.grad is not None and self.arrived >= self.expected


@dataclass(frozen=True, slots=True)
class Send:
    """One chain-rule term sent by the firing box to one node of another box.

    Attributes:
        edge: the firing box's input position the term travels along (SVG id ``n<f>_e<edge>``).
        receiver: the receiving box.
        target: the name of the node receiving the term.
        incoming: the gradient of the firing node, complete (a group: None, many nodes).
        local: the local derivative ``∂(firing)/∂(target)`` (a group: None, a sum over paths).
        rule: the local derivative written with the graph's names (``w1``), or None.
        op: the firing node's op (``+``, ``*``), "" for a group.
        term: what was sent: ``incoming × local``, the engine's own number.
        paths: how many rules inside a group contributed to ``term`` (1 for a node).
        so_far: every term the target holds once this one has arrived, in arrival order.
        total: the target's gradient once this one has arrived: ``sum(so_far)``, and exactly
            ``backward()``'s value once complete.
        expected: how many terms the target sums in all.
        last: True for the last term sent to ``target`` in this frame (the box shows its sum).
    """

    edge: int
    receiver: int
    target: str
    incoming: float | None
    local: float | None
    rule: str | None
    op: str
    term: float
    paths: int
    so_far: tuple[float, ...]
    total: float
    expected: int
    last: bool

    @property
    def complete(self) -> bool:
        """True when this term completed the target's gradient."""
        return len(self.so_far) >= self.expected


@dataclass(frozen=True, slots=True)
class Move:
    """One parameter moved by the update: ``new = old - lr × grad``.

    Attributes:
        name: the parameter's name.
        box: the box showing it, or None (a parameter inside a group's box).
        old, grad, new: its value before, its gradient, its value after.
    """

    name: str
    box: int | None
    old: float
    grad: float
    new: float


@dataclass(frozen=True, slots=True)
class Frame:
    """Everything one frame of the page shows. Readers format it; nothing here is text
    except names.

    Attributes:
        index: the frame's number on the page (``stepper.frames[index]``).
        phase: ``"forward"``, ``"backward"``, ``"update"`` or ``"forward again"``.
        number: the frame's number within its phase; ``count`` is the phase's last number.
        stage: in a backward frame with a firing box, ``"fires"`` (the state before it sends,
            a quiz's question) or ``"sent"`` (the state after); "" otherwise.
        boxes: every box's :class:`BoxState`, in box order.
        firing: the box computed (forward) or firing (backward), or None.
        inputs: the boxes it reads (forward) or sends to (backward).
        edges: the firing box's input positions highlighted (edge ids ``n<f>_e<j>``).
        op: the firing node's op (``*``), or a group's level (``neuron``).
        operands: forward: the names of what the firing box is made from, in order;
            ``values`` their values (a group: its input boxes' names, no values); ``was``
            (forward again) the box's values in the first forward pass.
        incoming: backward: the firing box's outputs' gradients (complete), and
            ``incoming_terms`` the number of terms they summed.
        sends: backward: every term sent, in the order ``backward()`` sends them.
        params: backward, a group: the gradients of the parameters inside it, complete now.
        hidden: backward, a group: terms sent to parameters drawn in no box.
        moves: update: each parameter moved, and ``lr`` the learning rate.
        loss: the last forward-again frame: the root's value before and after the update.
        folded: backward steps of boxes outside a focused view that ran before this frame.
        ran: indices (into the backward steps) of the rules this frame runs.
    """

    index: int
    phase: str
    number: int
    count: int
    stage: str
    boxes: tuple[BoxState, ...]
    firing: int | None = None
    inputs: tuple[int, ...] = ()
    edges: tuple[int, ...] = ()
    op: str = ""
    operands: tuple[str, ...] = ()
    values: tuple[float, ...] = ()
    was: tuple[float, ...] = ()
    incoming: tuple[float, ...] = ()
    incoming_terms: int = 0
    sends: tuple[Send, ...] = ()
    params: tuple[tuple[str, float], ...] = ()
    hidden: int = 0
    moves: tuple[Move, ...] = ()
    lr: float | None = None
    loss: tuple[float, float] | None = None
    folded: int = 0
    ran: tuple[int, ...] = ()


def _single(unit: Unit) -> bool:
    return unit.kind != "group"


def build_frames(
    units: Sequence[Unit],
    steps: Sequence[BackwardStep],
    seed: float,
    names: Mapping[Value, str],
    rule: Callable[[Value, int], str | None],
    *,
    lr: float | None = None,
    params: Sequence[Value] = (),
    ask_first: bool = False,
    unit_order: bool = False,
) -> tuple[Frame, ...]:
    """Every frame of the page, for boxes ``units`` (one per node, or groups).

    Args:
        units: the boxes, each after the boxes it reads; the root's box last.
        steps: ``backward_steps(root, seed)``.
        seed: the root's gradient ``dL/dL``.
        names: node -> name (for targets, parameters and operands).
        rule: ``rule(node, i)``: the local derivative of ``node`` by its input ``i`` written
            with names (``w1``), or None.
        lr, params: with a learning rate, an update frame moving ``params`` and the frames of
            the forward pass again.
        ask_first: before each firing, a frame with the state before it (a quiz's question).
        unit_order: one box per node, firing in the reverse of ``units``' order rather than
            ``backward()``'s (a node-by-node view following a grouped view's order, where
            each group's nodes fire together; totals are still ``backward()``'s sums).
    """
    root = units[-1].outputs[-1]
    where = {node: u for u, unit in enumerate(units) for node in unit.members}
    shown = {node: u for u, unit in enumerate(units) for node in unit.outputs}
    step_of = {step.node: s for s, step in enumerate(steps)}
    # A box with one output names it: "layers.0.neurons.2#2" is the second call's, where the
    # node's own name (its scope path) is the same for every call.
    names = {**names, **{n: units[u].name for n, u in shown.items() if len(units[u].outputs) == 1}}

    # What each box sends when it fires: (edge, parent, step indices, term positions).
    def outgoing(u: int) -> list[tuple[int, Value, list[tuple[int, int]]]]:
        unit = units[u]
        if _single(unit):
            node = unit.outputs[0]
            s = step_of.get(node)
            if s is None:
                return []
            return [
                (e, parent, [(s, e)])
                for e, parent in enumerate(node.parents)
                if not parent.is_constant
            ]
        by_parent: dict[Value, list[tuple[int, int]]] = {}
        for s in sorted(step_of[node] for node in unit.members if node in step_of):
            for e, parent in enumerate(steps[s].node.parents):
                if parent.is_constant or where.get(parent) == u:
                    continue
                by_parent.setdefault(parent, []).append((s, e))
        position = {v: e for e, v in enumerate(unit.inputs)}
        return [
            (position.get(shown[p], -1) if p in shown else -1, p, paths)
            for p, paths in by_parent.items()
        ]

    sends_of = {u: outgoing(u) for u in range(len(units))}
    expected: dict[Value, int] = dict.fromkeys(shown, 0)
    for out in sends_of.values():
        for _, parent, _ in out:
            if parent in expected:
                expected[parent] += 1
    expected[root] = 1  # the seed
    final: dict[Value, float] = {root: float(seed)}
    for step in steps:  # backward()'s own order of summation
        for parent, term in zip(step.node.parents, step.parent_grads, strict=True):
            if not parent.is_constant:
                final[parent] = final.get(parent, 0.0) + float(term)

    data: dict[Value, float | None] = {}
    running: dict[Value, list[float]] = {}
    moved: set[Value] = set()

    def state(u: int) -> BoxState:
        outs = units[u].outputs
        values = [data.get(o) for o in outs]
        got = [running.get(o, []) for o in outs]
        arrived = sum(len(g) for g in got)
        want = sum(expected[o] for o in outs)
        grad = None
        if arrived:
            grad = tuple(
                final[o] if len(g) == expected[o] else sum(g, 0.0)
                for o, g in zip(outs, got, strict=True)
            )
        return BoxState(
            None if any(v is None for v in values) else tuple(float(v or 0.0) for v in values),
            grad,
            arrived,
            want,
            any(o in moved for o in outs),
        )

    frames: list[Frame] = []

    # Only boxes whose numbers changed get a new state; the others keep the very same object,
    # so readers compare states by identity and format only what changed.
    current = [state(u) for u in range(len(units))]
    dirty: set[int] = set()

    def touch(node: Value) -> None:
        if node in shown:
            dirty.add(shown[node])

    def add(phase: str, number: int, count: int, stage: str = "", **parts: object) -> None:
        for u in dirty:
            current[u] = state(u)
        dirty.clear()
        boxes = tuple(current)
        frames.append(Frame(len(frames), phase, number, count, stage, boxes, **parts))  # type: ignore[arg-type]

    computed = [u for u, unit in enumerate(units) if any(not n.is_leaf for n in unit.members)]

    def forward(phase: str, values: Mapping[Value, float]) -> None:
        m = len(computed)
        for unit in units:
            for node in unit.members:
                data[node] = values[node] if node.is_leaf else None
                touch(node)
        add(phase, 0, m)
        for j, u in enumerate(computed, start=1):
            unit = units[u]
            for node in unit.members:
                data[node] = values[node]
                touch(node)
            reads = tuple(v for v in dict.fromkeys(unit.inputs) if v is not None)
            if _single(unit):
                node = unit.outputs[0]
                op = node.op
                operands = tuple(names[p] for p in node.parents)
                operand_values = tuple(values.get(p, p.data) for p in node.parents)
            else:
                op, operands, operand_values = unit.op, tuple(units[v].name for v in reads), ()
            last = j == m and phase == "forward again"
            add(
                phase,
                j,
                m,
                firing=u,
                inputs=reads,
                edges=tuple(e for e, v in enumerate(unit.inputs) if v is not None),
                op=op,
                operands=operands,
                values=operand_values,
                was=tuple(o.data for o in unit.outputs) if phase == "forward again" else (),
                loss=(root.data, values[root]) if last else None,
            )

    forward("forward", {node: node.data for unit in units for node in unit.members})

    running[root] = [float(seed)]
    touch(root)
    if all(_single(unit) for unit in units) and not unit_order:
        order = [where[step.node] for step in steps]  # one box per node: backward()'s order
    else:
        order = list(reversed(computed))  # a group fires once every box reading it has
    n = len(order)
    add("backward", 0, n, incoming=(float(seed),))
    for k, u in enumerate(order, start=1):
        unit = units[u]
        outs = unit.outputs
        incoming = tuple(final.get(o, 0.0) for o in outs)
        incoming_terms = sum(expected[o] for o in outs)
        sends: list[Send] = []
        pending: dict[Value, list[float]] = {}
        hidden = 0
        for e, parent, paths in sends_of[u]:
            term = 0.0
            for s, position in paths:
                term += float(steps[s].parent_grads[position])
            if parent not in shown:
                hidden += 1
                continue
            so_far = pending.setdefault(parent, list(running.get(parent, [])))
            so_far.append(term)
            want = expected[parent]
            total = final[parent] if len(so_far) == want else sum(so_far, 0.0)
            local = incoming_grad = None
            rule_text = None
            op = ""
            if _single(unit):
                node = outs[0]
                assert node._op is not None
                local = float(node._op.backward(1.0, node.data, *(p.data for p in node.parents))[e])
                incoming_grad = float(steps[paths[0][0]].grad)
                rule_text = rule(node, e)
                op = node.op
            sends.append(
                Send(
                    e,
                    shown[parent],
                    names[parent],
                    incoming_grad,
                    local,
                    rule_text,
                    op,
                    term,
                    len(paths),
                    tuple(so_far),
                    total,
                    want,
                    False,
                )
            )
        last_of = {s.target: i for i, s in enumerate(sends)}
        sends = [replace(s, last=last_of[s.target] == i) for i, s in enumerate(sends)]
        own_params = tuple(
            (names[node], final.get(node, 0.0))
            for node in unit.members
            if node.is_leaf and not _single(unit) and node not in shown
        )
        ran = tuple(sorted(step_of[node] for node in unit.members if node in step_of))
        parts = {
            "firing": u,
            "op": outs[0].op if _single(unit) else unit.op,
            "operands": tuple(names[p] for p in outs[0].parents) if _single(unit) else (),
            "inputs": tuple(dict.fromkeys(s.receiver for s in sends)),
            "edges": tuple(dict.fromkeys(s.edge for s in sends if s.edge >= 0)),
            "incoming": incoming,
            "incoming_terms": incoming_terms,
            "sends": tuple(sends),
            "params": own_params,
            "hidden": hidden,
        }
        if ask_first and _single(unit):
            add("backward", k, n, "fires", **parts)
        for parent, so_far in pending.items():
            running[parent] = so_far
            touch(parent)
        for node in unit.members:  # parameters inside a group: complete once it has fired
            if node not in shown and node.is_leaf:
                running[node] = [final.get(node, 0.0)]
        add("backward", k, n, "sent", ran=ran, **parts)

    if lr is None:
        return tuple(frames)
    moves = []
    values = {node: node.data for unit in units for node in unit.members}
    for p in params:
        new = p.data - lr * final.get(p, 0.0)
        moves.append(Move(names[p], shown.get(p), p.data, final.get(p, 0.0), new))
        values[p] = new
        if p in shown:
            data[p] = new
            moved.add(p)
            touch(p)
    add("update", 0, 0, moves=tuple(moves), lr=lr)
    for node in [*moved, *running]:
        touch(node)
    moved.clear()
    running.clear()
    for unit in units:  # the forward pass again, each op on its inputs' new values
        for node in unit.members:
            if not node.is_leaf:
                assert node._op is not None
                values[node] = node._op.forward(*(values.get(p, p.data) for p in node.parents))
    forward("forward again", values)
    return tuple(frames)


def restrict_frames(frames: Sequence[Frame], kept: Sequence[int]) -> tuple[Frame, ...]:
    """Only the boxes ``kept`` (renumbered 0, 1, ...): a frame firing elsewhere is folded in.

    The next frame shown says how many steps ran outside the view before it; every number
    it shows is still the true one (states are whole, not differences).
    """
    new = {old: i for i, old in enumerate(kept)}
    out: list[Frame] = []
    folded = 0
    ran: tuple[int, ...] = ()
    for frame in frames:
        if frame.firing is not None and frame.firing not in new:
            folded += 1
            ran += frame.ran
            continue
        out.append(
            replace(
                frame,
                index=len(out),
                boxes=tuple(frame.boxes[u] for u in kept),
                firing=None if frame.firing is None else new[frame.firing],
                inputs=tuple(new[u] for u in frame.inputs if u in new),
                sends=tuple(
                    replace(s, receiver=new[s.receiver]) for s in frame.sends if s.receiver in new
                ),
                moves=tuple(
                    replace(m, box=None if m.box is None else new.get(m.box)) for m in frame.moves
                ),
                folded=folded,
                ran=ran + frame.ran,
            )
        )
        folded, ran = 0, ()
    return tuple(out)
