"""The numerical policy for a replay's gradients: each one held to the rule ``backward()`` uses.

``backward()`` checks every gradient it sends along an edge: a NaN or an infinity made from
ordinary numbers (finite incoming gradient, finite inputs and output) raises, naming the op,
while a NaN or an infinity that was already in the data propagates (IEEE). The compiled
replay (:class:`~autograd_engine.CompiledGraph`) computes its gradients on arrays, where
that check per edge would cost more than the rest of the pass. So it does what
``backward()`` itself does: run fast, and only when some gradient came out NaN or infinite
(one sum over the gradients says so) walk the pass again edge by edge with the op table's
float rules, here, and raise where ``backward()`` would have. A NaN elsewhere in the graph
never excuses an overflow: each edge is judged on its own numbers.

This path needs NumPy, as the replay does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import ops

if TYPE_CHECKING:
    from .replay_kernels import FloatStep, Step

__all__ = ["check_gradients"]

_INF = math.inf


def _finite(*xs: float) -> bool:
    return all(-_INF < x < _INF for x in xs)


def _program(step: Step) -> FloatStep:
    """The step as instructions on floats (an array step keeps that form as its fallback)."""
    fallback: FloatStep = getattr(step, "fallback", step)  # type: ignore[arg-type]
    return fallback


def check_gradients(
    steps: Sequence[Step], values: Any, seed: float, root_slot: int, skipped: set[int]
) -> None:
    """Redo a replay's backward pass edge by edge; raise where ``backward()`` would.

    Args:
        steps: the replay's steps, in forward order.
        values: every slot's value from the replay's forward pass (a NumPy array).
        seed: d(root)/d(root), the gradient ``run()`` started from.
        root_slot: the root's slot.
        skipped: slots that receive no gradient: constants and the slot holding 1.0.

    Raises:
        OverflowError: a gradient sent along an edge is ±inf although the op's inputs,
            output and incoming gradient are finite, or two finite contributions to one
            node's gradient add up to ±inf.
        ValueError: a gradient sent along an edge is NaN although all of those are finite.
    """
    data: list[float] = values.tolist()
    grads = [0.0] * len(data)
    grads[root_slot] = seed
    for step in reversed(steps):
        program = _program(step)
        start = program.outputs.start
        size = len(program.program)
        slot_of = [*range(start, start + size), *program.inputs.tolist()]
        for out in range(size - 1, -1, -1):
            op, args = program.program[out]
            g = grads[start + out]
            slots = [slot_of[register] for register in args]
            if op is None:  # a sum of products: each product a "*" node (b = 1.0: a term)
                for k in range(0, len(slots), 2):
                    a, b = slots[k], slots[k + 1]
                    x, w = data[a], data[b]
                    call = (x, w)
                    _send(grads, a, g * w, skipped, g, "*", call, x * w, 0)
                    _send(grads, b, g * x, skipped, g, "*", call, x * w, 1)
                continue
            inputs = tuple(data[slot] for slot in slots)
            own = () if op.arg is None else (op.arg,)
            parent_grads = op.backward(g, data[start + out], *inputs)
            for index, (slot, parent_grad) in enumerate(zip(slots, parent_grads, strict=True)):
                _send(
                    grads, slot, parent_grad, skipped, g, op.name, inputs, data[start + out],
                    index, own,
                )  # fmt: skip


def _send(
    grads: list[float],
    slot: int,
    parent_grad: float,
    skipped: set[int],
    g: float,
    name: str,
    inputs: tuple[float, ...],
    output: float,
    index: int,
    own: tuple[float, ...] = (),
) -> None:
    """Add one edge's gradient to ``slot``, checking it (and the sum) as ``backward()`` does."""
    if slot in skipped:
        return  # a constant gets no gradient: what its rule sent is dropped
    if not -_INF < parent_grad < _INF and _finite(g, output, *inputs, *own):
        where = (
            f"{name} at {ops.describe_call(name, inputs)} (output {output!r}, incoming "
            f"gradient {g!r}) sends {parent_grad!r} to its input {index}"
        )
        if parent_grad != parent_grad:
            raise ValueError(
                f"backward (compiled replay): invalid operation (IEEE would give nan): {where}"
            )
        raise OverflowError(f"backward (compiled replay): the gradient overflows a float: {where}")
    earlier = grads[slot]
    total = earlier + parent_grad
    if not -_INF < total < _INF and _finite(earlier, parent_grad):
        raise OverflowError(
            f"backward (compiled replay): a gradient overflows a float when its contributions "
            f"{earlier!r} and {parent_grad!r} are added"
        )
    grads[slot] = total
