"""``compile_graph``: record a graph once, then replay it with new leaf values, fast.

Training rebuilds the same graph every step: the same ops on the same kinds of nodes, only
the numbers in the leaves (parameters, inputs) change. Building tens of thousands of Python
objects per step is what makes a scalar engine slow, so record the graph's *shape* once and
replay it on arrays::

    loss = model_loss(params, inputs)     # build the graph once, as usual
    replay = compile_graph(loss)          # record its shape
    for step in range(100):
        for p in params:
            p.grad = 0.0
        value = replay.run()              # = rebuild the same expression + loss.backward()
        for p in params:
            p.data -= 0.1 * p.grad

Semantics
---------
``run()`` reads every leaf's current ``.data``, evaluates the recorded graph, backpropagates
and *adds* d(root)/d(leaf) to each leaf's ``.grad``, exactly as rebuilding the same
expression and calling ``backward()`` would (leaf gradients accumulate across calls). It
returns the root's new value. The recorded non-leaf nodes are not updated: their ``.data``
and ``.grad`` keep what they held when the graph was built. The replay keeps no reference to
them, only to the leaves.

Frozen control flow, and guards. Like ``jax.jit``, the replay sees the operations, not the
Python that chose them: an ``if x > 0`` or a ``max()`` evaluated while the graph was built
picked one branch. Anything the ops themselves decide (``relu``, ``abs``, ``leaky_relu``
choosing their piece, :func:`~autograd_engine.maximum` its largest input) is re-decided on
every run. For the Python, build the graph inside :func:`autograd_engine.guards.recording`
and pass the log::

    with guards.recording() as log:
        loss = model_loss(params, inputs)     # every v.item(), v > 0, max(a, b)... is logged
    replay = compile_graph(loss, guards=log)

(``compile_graph`` called inside the block takes its log by itself.) Every ``run()`` then
re-asks each logged question on the new values and raises
:class:`~autograd_engine.guards.FrozenGraphError`, naming the node and the branch, when an
answer changed (before any ``.grad`` is touched): the replay is right or it is loud. A
read of ``.data`` (``if x.data > 0``, ``Value(x.data * 2)``) and a formatted number
(``f"{x:.0f}"``) are logged too. What no guard can see: numbers computed under
``no_grad()``, and, with a bare ``compile_graph(root)`` outside a ``recording()`` block,
anything at all: the Python that built ``root`` ran before the compiler was called, so such
a replay repeats every branch taken then, whatever the leaves now hold.

How it works
------------
1. *Fuse.* A chain of ``+`` (``sum(terms)``: ``((t0 + t1) + t2) + ...``) becomes one
   *sum of products* node, and a ``*`` whose only use is as a term of such a sum becomes a
   product inside it: ``b + w0*x0 + w1*x1`` is one node, a neuron. Only nodes used once are
   fused, so no value anyone else reads disappears. The terms are added in the original
   order, so a fused sum rounds exactly like the chain of ``+`` it replaces.
2. *Schedule by depth.* A node's level is one more than its deepest input's, so all nodes
   of a level are independent. Nodes of one level with the same op become one group.
3. *Run each group as a few array operations.* Forward: gather the inputs, apply the op's
   rule to whole arrays, store the outputs. Backward, level by level from the root: apply
   the local-gradient rule to whole arrays and scatter-add the results into the inputs'
   gradients (the chain rule's sum over consumers). Small groups (a deep narrow chain) run
   instead as straight-line Python on floats through the op table's own rules, which is
   still cheaper than building nodes.
4. *Dense layers.* The sums of one layer of neurons over a batch (every neuron's weights
   against every example's inputs, the bias a weight on the constant 1) are a matrix
   product in disguise: such a group runs forward as one ``W.T @ X`` and backward as two
   more products (:class:`~autograd_engine.replay_kernels.DenseLayer`), one BLAS call each
   instead of a multiply and a scatter-add per term. BLAS adds a sum's terms in its own
   order (blocked, with fused multiply-adds), so these sums equal eager's to rounding, not
   bit for bit; that is the replay's tolerance below. A graph recorded with a ``v.item()``
   or ``v.data`` guard (which holds the replay to eager's value bit for bit) keeps eager's
   order.

Whenever an array rule meets a value outside the easy case (a non-finite result, a negative
base in ``a ** b``), that group is recomputed with the op table's float rules, so errors are
the same exceptions ``backward()`` raises and results agree with the eager engine to about
1e-12 relative (NumPy's ``exp``, ``log``, ``tanh`` and ``**`` may differ from :mod:`math`
in the last bit, and a dense layer's sums and every gradient add in another order). A
dense layer's product is used only when no partial sum can overflow in any order (NaN or
inf among its factors included): otherwise it adds in eager's order, and so raises where
eager raises. Ops of your own (:class:`~autograd_engine.ops.Op`) are replayed through
their own rules, on floats.

This path needs NumPy (the ``compile`` extra); ``import autograd_engine`` does not.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence
from itertools import chain
from operator import attrgetter
from types import ModuleType
from typing import TYPE_CHECKING, NamedTuple

from . import guards as guard_module
from . import ops
from .gc_pause import collector_paused
from .graph import _one_pass_at_a_time as one_pass_at_a_time
from .graph import topological_order
from .guards import Guard, GuardLog
from .value import Value

if TYPE_CHECKING:
    from .replay_kernels import GuardCheck, Step

__all__ = ["CompiledGraph", "compile_graph"]

#: A group with fewer multiply-adds or elements than this runs as Python floats: NumPy costs
#: about a microsecond per call, the float path a tenth of that per node.
MIN_VECTOR_WORK = 16


class Instruction(NamedTuple):
    """One node of the replay, on slots of the value array.

    ``op`` is ``None`` for a *sum of products*: ``inputs = (a0, b0, a1, b1, ...)`` and the
    node's value is ``a0*b0 + a1*b1 + ...``, added left to right (a plain term ``t`` is
    ``t * 1``, with ``b`` the slot that always holds 1.0). Otherwise the node is
    ``op.forward(*inputs)``.
    """

    op: ops.Op | None
    out: int
    inputs: tuple[int, ...]


class _Unit(NamedTuple):
    """A node the replay computes (one not fused away), with its inputs as recorded nodes.

    For a sum of products (``op is None``) ``inputs`` alternates factors ``a0, b0, a1, ...``;
    ``None`` as a factor means 1. ``level`` is one more than the deepest input's.
    """

    node: Value
    op: ops.Op | None
    inputs: tuple[Value | None, ...]
    level: int


def compile_graph(
    root: Value, watch: Sequence[Value] = (), guards: GuardLog | None = None
) -> CompiledGraph:
    """Record the graph that ends at ``root`` for fast replay with new leaf values.

    Args:
        root: the output to differentiate (usually a scalar loss).
        watch: nodes of the graph whose values every run also reports (a model's outputs,
            say), read with :meth:`CompiledGraph.watched_values`. They are never fused away.
        guards: the log of :func:`autograd_engine.guards.recording` taken while ``root`` was
            built: every ``run()`` re-checks it. A guarded node outside ``root``'s graph is
            computed too (to be checked), but never differentiated. ``None`` (default):
            the log of the ``recording()`` block this call is made in, if any; outside
            one, nothing is checked (frozen control flow, see above).

    Returns:
        A :class:`CompiledGraph`; ``run()`` evaluates and backpropagates it.

    Raises:
        TypeError: if ``root`` or a watched node is not a Value.
        ValueError: if a watched node is not in ``root``'s graph.
        ImportError: if NumPy is not installed.
    """
    if not isinstance(root, Value):
        raise TypeError(f"compile_graph: root must be a Value, not {type(root).__name__}")
    watched = list(watch)
    for i, node in enumerate(watched):
        if not isinstance(node, Value):
            raise TypeError(f"compile_graph: watch[{i}] must be a Value, not {type(node).__name__}")
    if guards is None:
        guards = guard_module.current_log()  # inside a recording() block: its log so far
    guard_list = list(guards or ())
    for i, guard in enumerate(guard_list):
        if not (isinstance(guard, Guard) and isinstance(guard.node, Value)):
            raise TypeError(f"compile_graph: guards[{i}] is not a Guard: {guard!r}")
    try:
        from . import replay_kernels
    except ImportError as error:  # pragma: no cover - NumPy is in every test environment
        raise ImportError(
            "compile_graph needs NumPy: pip install 'autograd-engine[compile]'"
        ) from error
    # Compiling allocates a few small containers per node, all kept: without the pause each
    # burst of them would make the cycle collector rescan the whole recorded graph.
    with collector_paused():
        return _compile(root, watched, guard_list, replay_kernels)


def _guarded_nodes(guards: Sequence[Guard]) -> list[Value]:
    """Every node a guard reads: the node looked at, and a Value it was compared with."""
    nodes = [guard.node for guard in guards]
    nodes += [guard.other for guard in guards if isinstance(guard.other, Value)]
    return nodes


def _with_guarded_nodes(order: list[Value], guarded: Sequence[Value]) -> list[Value]:
    """``order`` followed by the graphs of guarded nodes outside it, still topological."""
    seen = set(order)
    order = list(order)
    for node in guarded:
        if node not in seen:
            for new in topological_order(node):
                if new not in seen:
                    seen.add(new)
                    order.append(new)
    return order


def _compile(
    root: Value, watched: list[Value], guards: list[Guard], replay_kernels: ModuleType
) -> CompiledGraph:
    order = topological_order(root)
    num_nodes = len(order)
    guarded = _guarded_nodes(guards)
    order = _with_guarded_nodes(order, guarded)
    leaves = [node for node in order if node._op is None]
    stages = _schedule(_fuse(order, leaves, {*watched, *guarded}))
    # Slots of the value array: the leaves, then 1.0, then each stage's outputs in a row.
    slot: dict[Value | None, int] = {leaf: i for i, leaf in enumerate(leaves)}
    slot[None] = len(leaves)
    slot_of = slot.__getitem__
    # A v.item() guard holds the replay to eager's value bit for bit: keep eager's order of
    # addition everywhere, rather than fail the guard on a rounding difference.
    exact = any(guard.test in guard_module.EXACT_TESTS for guard in guards)
    steps: list[Step] = []
    for vectorized, units in stages:
        for unit in units:
            slot[unit.node] = len(slot)
        group = [
            Instruction(unit.op, slot_of(unit.node), tuple(map(slot_of, unit.inputs)))
            for unit in units
        ]
        steps.append(
            replay_kernels.vector_step(group, exact)
            if vectorized
            else replay_kernels.FloatStep(group)
        )
    for i, node in enumerate(watched):
        if node not in slot:
            raise ValueError(f"compile_graph: watch[{i}] ({node!r}) is not in the graph of root")
    check = replay_kernels.GuardCheck(guards, slot, len(slot)) if guards else None
    return CompiledGraph(
        leaves, steps, len(slot), slot[root], num_nodes, [slot[node] for node in watched], check
    )


class CompiledGraph:
    """A recorded graph, replayed by :meth:`run` with the leaves' current values.

    Attributes:
        leaves: the leaves the replay reads (``.data``) and writes (``.grad``), in
            topological order.
        num_nodes: nodes in the recorded graph, leaves included.
        num_slots: values the replay computes per run (after fusing; plus one slot for 1.0).
        num_guards: the guards every run re-checks (0 without ``guards=``).
    """

    __slots__ = (
        "_guard_check",
        "_last_values",
        "_learnable",
        "_no_gradient",
        "_root_slot",
        "_steps",
        "_watch_slots",
        "leaves",
        "num_guards",
        "num_nodes",
        "num_slots",
    )

    def __init__(
        self,
        leaves: Sequence[Value],
        steps: Sequence[Step],
        num_slots: int,
        root_slot: int,
        num_nodes: int,
        watch_slots: Sequence[int],
        guard_check: GuardCheck | None = None,
    ) -> None:
        self.leaves: tuple[Value, ...] = tuple(leaves)
        # Constants (numbers mixed into the expression) get no gradient, as in backward().
        self._learnable = [(i, leaf) for i, leaf in enumerate(self.leaves) if not leaf.is_constant]
        # Slots no gradient is kept for: the constants, and the 1.0 of every plain term.
        self._no_gradient = {i for i, leaf in enumerate(self.leaves) if leaf.is_constant}
        self._no_gradient.add(len(self.leaves))
        self.num_nodes = num_nodes
        self.num_slots = num_slots
        self._steps = tuple(steps)
        self._root_slot = root_slot
        self._watch_slots = list(watch_slots)
        self._last_values: list[float] | None = None
        self._guard_check = guard_check
        self.num_guards = 0 if guard_check is None else guard_check.size

    def __repr__(self) -> str:
        vector = sum(1 for step in self._steps if step.vectorized)
        return (
            f"CompiledGraph({self.num_nodes} nodes, {len(self.leaves)} leaves, "
            f"{vector} array steps, {len(self._steps) - vector} float steps"
            f"{f', {self.num_guards} guards' if self.num_guards else ''})"
        )

    def run(self, gradient: float = 1.0) -> float:
        """Evaluate the graph on the leaves' current ``.data`` and backpropagate.

        Adds ``gradient * d(root)/d(leaf)`` to every leaf's ``.grad``, as ``backward()``
        does, and returns the root's value.

        Every guard is re-checked after the forward pass, before any gradient is computed.
        Several threads may run one graph at once, or run it while others call
        ``backward()``: the additions into ``.grad`` take turns, so each leaf gets exactly
        the sum of every call (the same lock as ``backward()``'s).

        Raises:
            TypeError: if ``gradient`` or a leaf's ``.data`` is not a real number (the
                message names the leaf).
            FrozenGraphError: if a guard's answer changed: the Python that built the graph
                would now take another branch. No ``.grad`` has been changed.
            ValueError, ZeroDivisionError, OverflowError: where ``backward()`` on the
                rebuilt expression would (a log of a negative number, ...).
        """
        import numpy

        from . import replay_kernels, replay_policy

        try:
            seed = float(gradient)
        except (TypeError, ValueError):
            raise TypeError(
                f"run: gradient must be a real number, not {type(gradient).__name__}"
            ) from None
        grads, values = replay_kernels.run(
            self._steps, self.leaves, self.num_slots, self._root_slot, seed, self._guard_check
        )
        # A sum is finite only if every term is: one call tells whether any gradient is NaN
        # or inf, and only then is each one judged, as backward() judges them.
        with numpy.errstate(all="ignore"):  # inf + -inf: NaN, as it should
            every_gradient_finite = math.isfinite(grads.sum())
        if not every_gradient_finite:
            replay_policy.check_gradients(
                self._steps, values, seed, self._root_slot, self._no_gradient
            )
        leaf_grads = grads[: len(self.leaves)].tolist()
        with one_pass_at_a_time():  # read, add and write every .grad without another thread
            # A leaf whose grad was set to None (PyTorch's habit) counts as 0.0, as in
            # backward().
            earlier: list[float | None] = [leaf.grad for _, leaf in self._learnable]
            totals = [
                (0.0 if before is None else before) + leaf_grads[i]
                for (i, _), before in zip(self._learnable, earlier, strict=True)
            ]
            if not -math.inf < sum(totals) < math.inf:
                self._check_sums(totals, earlier, leaf_grads)
            for (_, leaf), total in zip(self._learnable, totals, strict=True):
                leaf.grad = total
        self._last_values = values[self._watch_slots].tolist() if self._watch_slots else []
        return float(values[self._root_slot])

    def _check_sums(
        self, totals: list[float], earlier: list[float | None], leaf_grads: list[float]
    ) -> None:
        """A leaf's old ``.grad`` and this run's gradient, both finite, that add up to ±inf
        raise, as in ``backward()``, before any ``.grad`` changes."""
        for (i, leaf), total, before in zip(self._learnable, totals, earlier, strict=True):
            finite_parts = before is not None and math.isfinite(before + 0 * leaf_grads[i])
            if finite_parts and not math.isfinite(total):
                raise OverflowError(
                    f"backward (compiled replay): the gradient of {leaf!r} overflows a "
                    f"float when its contributions {before!r} and {leaf_grads[i]!r} are "
                    "added; no .grad was changed"
                )

    def watched_values(self) -> list[float]:
        """The values of the ``watch`` nodes computed by the latest :meth:`run`.

        Raises:
            RuntimeError: before the first run.
        """
        if self._last_values is None:
            raise RuntimeError("watched_values: run() has not been called yet")
        return list(self._last_values)


def _fuse(order: list[Value], leaves: list[Value], keep: set[Value]) -> list[_Unit]:
    """The nodes the replay computes, in topological order, with chains of ``+`` fused.

    A ``+`` used only by another ``+`` continues that one's sum; a ``*`` used only by a
    ``+`` becomes a product term of its sum. Every other non-leaf node, and every node in
    ``keep``, is computed as recorded. (The root has no consumer, so it is never fused.)
    """
    add, mul = ops.ADD, ops.MUL
    uses = Counter(chain.from_iterable(map(attrgetter("parents"), order)))
    for node in keep:
        uses[node] += 1  # a watched node has a reader outside the graph: never fuse it
    below: dict[Value, Value] = {}  # a "+" -> the "+" whose sum it continues
    fused: set[Value] = set()
    for node in order:
        if node._op is add:
            for operand in node.parents:
                if operand._op is add and uses[operand] == 1 and node not in below:
                    below[node] = operand
                    fused.add(operand)
                elif operand._op is mul and uses[operand] == 1:
                    fused.add(operand)

    def factors(top: Value) -> tuple[Value | None, ...]:
        """The terms of the sum ending at ``top``, first term first, as factor pairs."""
        later_terms: list[Value] = []
        node = top
        while node in below:
            a, b = node.parents
            # a + b == b + a exactly, so the chain may continue on either side.
            later_terms.append(b if a is below[node] else a)
            node = below[node]
        pairs: list[Value | None] = []
        for term in (*node.parents, *reversed(later_terms)):
            pairs.extend(term.parents if term in fused else (term, None))
        return tuple(pairs)

    level: dict[Value | None, int] = dict.fromkeys(leaves, 0)
    level[None] = 0  # the constant 1 of a plain term
    units: list[_Unit] = []
    for node in order:
        op = node._op
        if op is None or node in fused:
            continue
        if op is add:
            op, inputs = None, factors(node)
        elif op is mul:
            op, inputs = None, node.parents
        else:
            inputs = node.parents
        depth = 1 + max(map(level.__getitem__, inputs))
        level[node] = depth
        units.append(_Unit(node, op, inputs, depth))
    return units


def _schedule(units: list[_Unit]) -> list[tuple[bool, list[_Unit]]]:
    """The order the replay runs units in, as ``(vectorized, units)`` stages.

    Units of one level never read each other. Units of one level and one kind (the same op,
    or sums with the same number of terms) form a group; a group with an array rule and at
    least ``MIN_VECTOR_WORK`` elements or multiply-adds becomes an array stage. Every other
    unit runs on floats, in topological order, in the float stage just before the first
    array level at or above its own: after everything it reads, before everything that
    reads it. So a deep narrow chain is a single float stage.
    """
    from .replay_kernels import vector_rule

    # The kind: an op by identity (hashing an Op would hash its fields), a sum by its number
    # of terms, negated so that it never equals an id; then the number of inputs, since an
    # n-ary op (max) has one array per input position.
    keys = [
        (unit.level, -len(unit.inputs) if unit.op is None else id(unit.op), len(unit.inputs))
        for unit in units
    ]
    op_by_id = {id(unit.op): unit.op for unit in units if unit.op is not None}

    def worth_an_array(kind: int, size: int) -> bool:
        if kind < 0:
            return size * -kind // 2 >= MIN_VECTOR_WORK
        return size >= MIN_VECTOR_WORK and vector_rule(op_by_id[kind]) is not None

    groups: dict[tuple[int, int, int], list[_Unit]] = {
        key: [] for key, size in Counter(keys).items() if worth_an_array(key[1], size)
    }
    if not groups:
        return [(False, units)] if units else []
    array_levels = sorted({key[0] for key in groups})
    float_stages: list[list[_Unit]] = [[] for _ in range(len(array_levels) + 1)]
    for unit, key in zip(units, keys, strict=True):
        group = groups.get(key)
        if group is not None:
            group.append(unit)
        else:
            float_stages[bisect_left(array_levels, unit.level)].append(unit)
    stages: list[tuple[bool, list[_Unit]]] = []
    array_groups = sorted(groups.items(), key=lambda item: item[0][0])  # stable: by level
    position = 0
    for i, level in enumerate(array_levels):
        if float_stages[i]:
            stages.append((False, float_stages[i]))
        while position < len(array_groups) and array_groups[position][0][0] == level:
            stages.append((True, array_groups[position][1]))
            position += 1
    if float_stages[-1]:
        stages.append((False, float_stages[-1]))
    return stages
