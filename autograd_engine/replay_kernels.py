"""The steps a compiled replay runs: each op's rules on NumPy arrays, and a float fallback.

:mod:`autograd_engine.compile` turns a graph into *instructions* on slots of one value array
and groups them by depth. This module turns each group into a *step* with a ``forward``
(compute the group's outputs from its inputs) and a ``backward`` (apply the local-gradient
rule and add each result into its input's gradient: one term of the chain rule's sum over
consumers per edge, ``np.add.at`` doing the sum):

* :class:`SumStep`: sums of products ``a0*b0 + a1*b1 + ...`` (fused chains of ``+`` and
  ``*``), as a gather, a multiply and a reduction down the columns of a terms-by-sums matrix;
* :class:`OpStep`: any other op of the op table, through its array rule in :data:`RULES`
  (the same formulas as :mod:`autograd_engine.ops`, written for arrays);
* :class:`FloatStep`: straight-line Python over floats through the op table's own rules,
  for groups too small for NumPy to pay off, for ops of your own, and as the fallback of
  the other two whenever an array result is not finite.

Only this module imports NumPy, and only ``compile_graph`` imports this module.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

from . import guards, ops
from .guards import FrozenGraphError, Guard
from .value import Value

_INF, _NEG_INF = math.inf, -math.inf

if TYPE_CHECKING:
    from .compile import Instruction

__all__ = [
    "RULES",
    "DenseLayer",
    "FloatStep",
    "GuardCheck",
    "OpStep",
    "Step",
    "SumStep",
    "run",
    "vector_rule",
    "vector_step",
]

Floats = NDArray[np.float64]
Slots = NDArray[np.intp]


class Step(Protocol):
    """One step of the replay: a group of nodes computed together."""

    #: True for an array step, False for the float step (shown by ``CompiledGraph.__repr__``).
    vectorized: bool
    #: The slots this step computes (consecutive).
    outputs: slice

    def forward(self, values: Floats) -> Any:
        """Compute this step's outputs into ``values``; return what ``backward`` needs."""

    def backward(self, values: Floats, grads: Floats, saved: Any) -> None:
        """Add d(root)/d(input) for each input edge into ``grads`` (outputs' grads complete)."""


def run(
    steps: Sequence[Step],
    leaves: Sequence[Value],
    num_slots: int,
    root_slot: int,
    seed: float,
    check: GuardCheck | None = None,
) -> tuple[Floats, Floats]:
    """One replay: forward through every step, re-check the guards, then backward in reverse.

    Returns:
        ``(grads, values)``: ``seed * d(root)/d(slot)`` and the value of every slot (the
        leaves' first, in order).

    Raises:
        FrozenGraphError: a guard's answer changed (raised before any gradient is computed;
            also when a step fails after a guard already changed, from that step's error).
    """
    values: Floats = np.empty(num_slots)
    num_leaves = len(leaves)
    values[:num_leaves] = _leaf_values(leaves)
    values[num_leaves] = 1.0  # the second factor of every plain term of a sum
    grads: Floats = np.zeros(num_slots)
    # Non-finite results are detected explicitly (and redone on floats), so NumPy's
    # warnings would only repeat what the fallback handles.
    with np.errstate(all="ignore"):
        saved = []
        try:
            for step in steps:
                saved.append(step.forward(values))
        except (ArithmeticError, ValueError) as error:
            if check is not None:
                # A branch that changed before this step explains the error: say so.
                computed = steps[len(saved)].outputs.start
                message = check.failure(values, computed)
                if message is not None:
                    raise FrozenGraphError(message) from error
                if check.pending(computed):
                    error.add_note(
                        "compiled replay: while the graph was recorded, Python also branched "
                        "on values computed after this op; those branches could not be "
                        "checked, so the eager code might not have run this op at all."
                    )
            raise
        if check is not None:
            message = check.failure(values)
            if message is not None:
                raise FrozenGraphError(message)
        grads[root_slot] = seed
        for step, state in zip(reversed(steps), reversed(saved), strict=True):
            step.backward(values, grads, state)
    return grads, values


def _leaf_values(leaves: Sequence[Value]) -> Floats:
    """Every leaf's ``.data`` as an array, or a TypeError naming the first that is no number.

    NumPy alone would turn ``None`` into NaN and ``"1.5"`` into 1.5: one check of the array's
    type (one pass, in C) catches both; only then is each leaf looked at.
    """
    data = [leaf._data for leaf in leaves]  # the slot itself, not the .data property
    try:
        array = np.array(data)
    except (TypeError, ValueError):  # a list in a leaf, say
        array = None
    if array is not None and array.dtype.kind in "fiub" and array.ndim == 1:
        return array
    if not all(isinstance(x, numbers.Real) for x in data):
        raise TypeError(_bad_leaf_message(leaves))
    return np.array([float(x) for x in data])


def _bad_leaf_message(leaves: Sequence[Value]) -> str:
    for i, leaf in enumerate(leaves):
        if not isinstance(leaf.data, numbers.Real):
            name = f" (label {leaf.label!r})" if leaf.label else ""
            return (
                f"run: leaves[{i}]{name} holds {type(leaf.data).__name__} data "
                f"{leaf.data!r}; a leaf's .data must be a real number"
            )
    return "run: a leaf's .data is not a real number"  # pragma: no cover - found above


def vector_step(group: Sequence[Instruction], exact: bool = False) -> Step:
    """The array step for a group of same-kind instructions (see ``vector_rule``).

    ``exact``: sums of products keep eager's order of addition even where they form a
    dense layer (whose forward pass is otherwise one matrix product, equal to rounding).
    """
    op = group[0].op
    if op is None:
        return SumStep(group, exact)
    rule = vector_rule(op)
    if rule is None:
        raise ValueError(f"op {op.name!r} has no array rule")
    return OpStep(rule, group)


def _outputs(group: Sequence[Instruction]) -> slice:
    """The slots of a group's outputs, which compile_graph numbers consecutively."""
    start = group[0].out
    if [instruction.out for instruction in group] != list(range(start, start + len(group))):
        raise AssertionError("a group's outputs must be consecutive slots")
    return slice(start, start + len(group))


def _all_finite(*arrays: Floats) -> bool:
    # A sum is finite exactly when every element is (inf or nan anywhere makes it inf or
    # nan); a huge but finite sum only sends the step to the exact float fallback.
    return all(math.isfinite(array.sum()) for array in arrays)


class FloatStep:
    """Instructions run one by one on Python floats, through the op table's own rules.

    The step works on a list of *registers*: one per instruction, in order (its outputs,
    which are consecutive slots), then the values it reads from outside. This is the eager
    engine's arithmetic without building nodes.
    """

    vectorized = False

    def __init__(self, instructions: Sequence[Instruction]) -> None:
        self.outputs = _outputs(instructions)
        start, num_outputs = self.outputs.start, len(instructions)
        external: dict[int, int] = {}  # slot read from outside -> its register
        self.program: list[tuple[ops.Op | None, tuple[int, ...]]] = []
        for instruction in instructions:
            args = []
            for slot in instruction.inputs:
                if slot >= start:  # an earlier output of this step
                    args.append(slot - start)
                else:
                    register = external.get(slot)
                    if register is None:
                        register = external[slot] = num_outputs + len(external)
                    args.append(register)
            self.program.append((instruction.op, tuple(args)))
        self.inputs: Slots = np.array(list(external), dtype=np.intp)

    def forward(self, values: Floats) -> None:
        registers: list[float] = [0.0] * len(self.program) + values[self.inputs].tolist()
        for out, (op, args) in enumerate(self.program):
            if op is None:  # a sum of products, added left to right like the chain of +
                total = registers[args[0]] * registers[args[1]]
                for k in range(2, len(args), 2):
                    total += registers[args[k]] * registers[args[k + 1]]
                if not _NEG_INF < total < _INF:
                    total = _checked_sum(registers, args)
                registers[out] = total
            else:
                if len(args) == 1:  # the common case of a deep chain, without a list
                    y = op.forward(registers[args[0]])
                else:
                    y = op.forward(*[registers[i] for i in args])
                if not _NEG_INF < y < _INF:  # the numerical policy, as in the eager _node
                    y = _checked_result(op, y, [registers[i] for i in args])
                registers[out] = y
        values[self.outputs] = registers[: len(self.program)]

    def backward(self, values: Floats, grads: Floats, saved: Any = None) -> None:
        registers: list[float] = values[self.outputs].tolist() + values[self.inputs].tolist()
        # Outputs start with what later steps sent them; inputs collect this step's terms.
        register_grads: list[float] = grads[self.outputs].tolist() + [0.0] * len(self.inputs)
        for out in range(len(self.program) - 1, -1, -1):
            op, args = self.program[out]
            g = register_grads[out]
            if op is None:  # d(sum)/d(a_k) = b_k and d(sum)/d(b_k) = a_k
                for k in range(0, len(args), 2):
                    a, b = args[k], args[k + 1]
                    register_grads[a] += g * registers[b]
                    register_grads[b] += g * registers[a]
            elif len(args) == 1:  # the common case of a deep chain, without a list
                (arg,) = args
                try:
                    (arg_grad,) = op.backward(g, registers[out], registers[arg])
                except (ArithmeticError, ValueError) as error:
                    raise _rule_error(error, op, [registers[arg]], registers[out], g) from error
                register_grads[arg] += arg_grad
            else:
                inputs = [registers[i] for i in args]
                try:
                    arg_grads = op.backward(g, registers[out], *inputs)
                except (ArithmeticError, ValueError) as error:
                    raise _rule_error(error, op, inputs, registers[out], g) from error
                for arg, arg_grad in zip(args, arg_grads, strict=True):
                    register_grads[arg] += arg_grad
        np.add.at(grads, self.inputs, register_grads[len(self.program) :])


def _checked_result(op: ops.Op, y: float, inputs: list[float]) -> float:
    """The numerical policy for a result that is not finite (the slow path of a float step)."""
    if op.arg is not None:  # the op's own constant (a pow exponent, a slope) is an input too
        inputs.append(op.arg)
    return ops.check_nonfinite(op.name, y, tuple(inputs))


def _rule_error(
    error: Exception, op: ops.Op, inputs: list[float], out: float, g: float
) -> Exception:
    """An error of a local-gradient rule in the replay, told as ``backward()`` tells it."""
    call = ops.describe_call(op.name, tuple(inputs))
    where = f"{op.name} at {call} (output {out!r}, incoming gradient {g!r})"
    if isinstance(error, OverflowError):  # Python's own text, "(34, 'Numerical result ...')"
        text = f"backward (compiled replay): the local gradient overflows a float: {where}"
    else:
        text = f"backward (compiled replay): {where}: {error}"
    try:
        return type(error)(text + "; no .grad was changed")
    except TypeError:  # an exception class of a user's that takes other arguments
        return error


def _checked_sum(registers: list[float], args: tuple[int, ...]) -> float:
    """A fused sum of products redone as the eager chain of ``*`` and ``+`` would run it,
    each result held to the numerical policy, so a non-finite sum raises where eager does."""
    total = 0.0
    for k in range(0, len(args), 2):
        a, b = registers[args[k]], registers[args[k + 1]]
        product = a * b
        if not -_INF < product < _INF:
            product = ops.check_nonfinite("*", product, (a, b))
        term = product if k == 0 else total + product
        if k and not -_INF < term < _INF:
            term = ops.check_nonfinite("+", term, (total, product))
        total = term
    return total


#: A sum step is tried as a dense layer from this many multiply-adds: below it, the
#: ordered sums and scatter-adds cost less than the layer's matrix products do. (Measured
#: on synthetic layers of 3 to 65 terms: the dense forward pass wins from about 2,300 to
#: 4,200 multiply-adds, forward and backward together from about 2,100 to 3,000.)
MIN_DENSE_WORK = 4096

#: A dense layer's matrix product is used only while ``terms * max|w| * max|x|`` stays
#: below this: then no product and no partial sum, added in any order, can overflow, so
#: the product is finite exactly when eager's chain of ``+`` is. (Far below the largest
#: float, 1.8e308, so that the bound's own rounding does not matter.)
DENSE_SAFE_BOUND = 1e300


class DenseLayer:
    """The sums of one layer of neurons over a batch: a matrix product in disguise.

    Sum j of a layer is neuron n's ``sum_k w[k, n] * x[k, e]`` on example e: its factors
    come from a (terms x neurons) matrix of weight slots and a (terms x examples) matrix
    of input slots (the bias is a weight whose input is the constant 1). So the forward
    pass of the whole layer is ``W.T @ X`` (neurons x examples, one BLAS call), of which
    sum j is entry ``(neuron[j], example[j])``. The backward pass needs, for every weight,
    the sum over examples of ``x * g``, and for every input the sum over neurons of
    ``w * g``: two more matrix products (``X @ G`` and ``W @ G.T``) instead of a
    scatter-add of every term of every sum.

    BLAS adds a sum's terms in its own order (in blocks, with fused multiply-adds), not
    left to right as eager's chain of ``+``: the layer's values, like its gradients, equal
    eager's to rounding (about 1e-15 relative per sum), not bit for bit. Right or loud
    still holds: the product is used only when no partial sum can overflow in any order
    (``DENSE_SAFE_BOUND``: NaN or inf among the factors fails the test too), otherwise the
    step adds in eager's order and, on a non-finite sum, redoes it on floats, raising the
    error eager raises.
    """

    def __init__(self, weights: Slots, inputs: Slots, neuron: Slots, example: Slots) -> None:
        self.weights = weights  # terms x neurons
        self.inputs = inputs  # terms x examples
        self.neuron = neuron  # per sum, its neuron (column of weights)
        self.example = example  # per sum, its example (column of inputs)

    @classmethod
    def recognise(cls, a: Slots, b: Slots) -> DenseLayer | None:
        """The layer behind sums with factor slots ``a`` and ``b`` (terms x sums), or None.

        It is one when the sums' columns of one factor take N distinct values (neurons),
        the other's E (examples), and every (neuron, example) pair occurs exactly once.
        """
        terms, sums = a.shape
        if terms * sums < MIN_DENSE_WORK or sums < 4:
            return None
        for weight_slots, input_slots in ((a, b), (b, a)):
            weights, neuron = np.unique(weight_slots.T, axis=0, return_inverse=True)
            inputs, example = np.unique(input_slots.T, axis=0, return_inverse=True)
            neuron, example = neuron.reshape(-1), example.reshape(-1)
            count_n, count_e = len(weights), len(inputs)
            if count_n < 2 or count_e < 2 or count_n * count_e != sums:
                continue
            if len(np.unique(neuron * count_e + example)) != sums:
                continue
            return cls(
                np.ascontiguousarray(weights.T),
                np.ascontiguousarray(inputs.T),
                neuron.astype(np.intp),
                example.astype(np.intp),
            )
        return None

    def factors(self, values: Floats) -> tuple[Floats, Floats]:
        """The layer's weights (terms x neurons) and inputs (terms x examples) as values."""
        return values[self.weights], values[self.inputs]

    def forward(self, w: Floats, x: Floats) -> Floats | None:
        """The layer's sums, in the step's order, as one matrix product; None when a sum
        might overflow (see ``DENSE_SAFE_BOUND``), for the caller's ordered sums."""
        largest = float(np.abs(w).max()) * float(np.abs(x).max())
        if not largest * len(w) < DENSE_SAFE_BOUND:  # NaN compares false: not taken
            return None
        grid: Floats = w.T @ x  # neurons x examples
        sums: Floats = grid[self.neuron, self.example]
        return sums

    def backward(self, w: Floats, x: Floats, grads: Floats, g: Floats) -> bool:
        """Add the layer's gradients into ``grads``; False (nothing added) if one is not
        finite, for the caller's exact float fallback."""
        per_pair = np.zeros((self.inputs.shape[1], self.weights.shape[1]))
        per_pair[self.example, self.neuron] = g  # examples x neurons
        grad_weights = x @ per_pair  # terms x neurons
        grad_inputs = w @ per_pair.T  # terms x examples
        if not _all_finite(grad_weights, grad_inputs):
            return False
        # A slot may recur (the constant 1 of every bias, an input used twice): add.at.
        np.add.at(grads, self.weights.ravel(), grad_weights.ravel())
        np.add.at(grads, self.inputs.ravel(), grad_inputs.ravel())
        return True


class SumStep:
    """Sums of products with the same number of terms: one column of a matrix per sum.

    ``a[k, j] * b[k, j]`` is term k of sum j. Reducing down the columns adds each sum's terms
    in order, exactly as the chain of ``+`` did (NumPy adds row after row along axis 0,
    starting from ``-0.0`` so that even the sign of a zero sum is eager's; a single column
    uses ``add.accumulate``, which is sequential by definition).

    When the sums form a :class:`DenseLayer` (and ``exact`` is False), the forward pass is
    instead that layer's matrix product: equal to the ordered sums to rounding.
    """

    vectorized = True

    def __init__(self, group: Sequence[Instruction], exact: bool = False) -> None:
        factors = np.array([instruction.inputs for instruction in group], dtype=np.intp)
        self.a: Slots = np.ascontiguousarray(factors[:, 0::2].T)
        self.b: Slots = np.ascontiguousarray(factors[:, 1::2].T)
        self.outputs = _outputs(group)
        self.fallback = FloatStep(group)
        self.layer = DenseLayer.recognise(self.a, self.b)
        self.dense_forward = self.layer is not None and not exact

    def forward(self, values: Floats) -> tuple[Floats, Floats] | None:
        """The sums into ``values``; saved: the layer's ``(w, x)`` if this step is a dense
        layer, else the factors ``(a, b)``; None after the float fallback."""
        if self.layer is not None:
            w, x = self.layer.factors(values)
            sums = self.layer.forward(w, x) if self.dense_forward else None
            if sums is None:  # exact, or a sum might overflow: in eager's order
                sums = self._ordered_sums(values[self.a], values[self.b])
            saved = w, x
        else:
            saved = values[self.a], values[self.b]
            sums = self._ordered_sums(*saved)
        if not _all_finite(sums):
            self.fallback.forward(values)
            return None
        values[self.outputs] = sums
        return saved

    @staticmethod
    def _ordered_sums(a: Floats, b: Floats) -> Floats:
        products = a * b
        num_terms, num_sums = products.shape
        if num_terms == 1:
            first: Floats = products[0]
            return first
        if num_sums == 1:
            last: Floats = np.add.accumulate(products[:, 0])[-1:]
            return last
        # initial=-0.0, the exact identity of +: without it NumPy starts from +0.0, and
        # a sum of negative zeros came out +0.0 where the chain of + gives -0.0.
        sums: Floats = np.add.reduce(products, axis=0, initial=-0.0)
        return sums

    def backward(self, values: Floats, grads: Floats, saved: tuple[Floats, Floats] | None) -> None:
        if saved is None:
            self.fallback.backward(values, grads)
            return
        if self.layer is not None:
            w, x = saved
            if not self.layer.backward(w, x, grads, grads[self.outputs]):
                self.fallback.backward(values, grads)
            return
        a, b = saved
        g = grads[self.outputs]
        grad_a, grad_b = b * g, a * g
        if not _all_finite(grad_a, grad_b):
            self.fallback.backward(values, grads)
            return
        # add.at on flat arrays: NumPy's fast path (several times faster than on 2-D ones).
        np.add.at(grads, self.a.ravel(), grad_a.ravel())
        np.add.at(grads, self.b.ravel(), grad_b.ravel())


class VectorRule(NamedTuple):
    """An op's rules on arrays (the same formulas as its float rules in the op table).

    Attributes:
        forward: ``forward(*inputs) -> outputs``.
        backward: ``backward(g, y, *inputs) -> one gradient array per input``.
        valid: for an op whose float rule rejects inputs that NumPy would compute anyway,
            ``valid(*inputs)`` is False when any of them is rejected.
    """

    forward: Callable[..., Floats]
    backward: Callable[..., tuple[Floats, ...]]
    valid: Callable[..., bool] | None = None


class OpStep:
    """Nodes of one op (not ``+`` or ``*``), computed by the op's :class:`VectorRule`."""

    vectorized = True

    def __init__(self, rule: VectorRule, group: Sequence[Instruction]) -> None:
        self.rule = rule
        self.inputs: list[Slots] = [
            np.array(column, dtype=np.intp)
            for column in zip(*(instruction.inputs for instruction in group), strict=True)
        ]
        self.outputs = _outputs(group)
        self.fallback = FloatStep(group)

    def forward(self, values: Floats) -> tuple[Floats, list[Floats]] | None:
        inputs = [values[slots] for slots in self.inputs]
        valid = self.rule.valid is None or self.rule.valid(*inputs)
        outputs = self.rule.forward(*inputs) if valid else None
        if outputs is None or not _all_finite(outputs):
            self.fallback.forward(values)
            return None
        values[self.outputs] = outputs
        return outputs, inputs

    def backward(
        self, values: Floats, grads: Floats, saved: tuple[Floats, list[Floats]] | None
    ) -> None:
        if saved is None:
            self.fallback.backward(values, grads)
            return
        outputs, inputs = saved
        input_grads = self.rule.backward(grads[self.outputs], outputs, *inputs)
        if not _all_finite(*input_grads):
            self.fallback.backward(values, grads)
            return
        for slots, input_grad in zip(self.inputs, input_grads, strict=True):
            np.add.at(grads, slots, input_grad)


# ---------------------------------------------------------------------------------------
# The op table on arrays. Each entry mirrors the op's float rules in ops.py; where a float
# rule raises (log of x <= 0, overflow, ...) NumPy returns inf or nan instead, which sends
# the step to the float fallback, and so to the same exception.
# ---------------------------------------------------------------------------------------


def _sigmoid(x: Floats) -> Floats:
    # The two overflow-free forms of ops._sigmoid_forward, chosen per element.
    e = np.exp(-np.abs(x))
    result: Floats = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
    return result


def _relu(x: Floats) -> Floats:
    # As ops._relu_forward: NaN, for which every comparison is False, comes out as itself.
    result: Floats = np.where(x <= 0, 0.0, x)
    return result


def _step(x: Floats) -> Floats:
    # As ops._relu_backward: 0 for x <= 0, else 1 (NaN too).
    result: Floats = np.where(x <= 0, 0.0, 1.0)
    return result


def _softplus(x: Floats) -> Floats:
    result: Floats = np.maximum(x, 0.0) + np.log1p(np.exp(-np.abs(x)))
    return result


def _pow_valid(a: Floats, b: Floats) -> bool:
    # The float rule refuses any negative base with a Value exponent (its log is undefined).
    return not bool((a < 0).any())


def _pow_backward(g: Floats, y: Floats, a: Floats, b: Floats) -> tuple[Floats, Floats]:
    at_zero = a == 0
    grad_exponent = np.where(at_zero, g * 0.0, g * y * np.log(np.where(at_zero, 1.0, a)))
    return g * b * np.power(a, b - 1), grad_exponent


def _div_backward(g: Floats, y: Floats, a: Floats, b: Floats) -> tuple[Floats, Floats]:
    # As ops._div_backward: d/da = 1/b, d/db = -(a/b)/b. A division by zero gives inf or nan,
    # which sends the step to the float rule and its ZeroDivisionError.
    return g / b, -g * (y / b)


RULES: dict[ops.Op, VectorRule] = {
    ops.SUB: VectorRule(np.subtract, lambda g, y, a, b: (g, -g)),
    ops.DIV: VectorRule(np.divide, _div_backward),
    ops.NEG: VectorRule(np.negative, lambda g, y, x: (-g,)),
    ops.POW: VectorRule(np.power, _pow_backward, _pow_valid),
    ops.EXP: VectorRule(np.exp, lambda g, y, x: (g * y,)),
    ops.LOG: VectorRule(np.log, lambda g, y, x: (g / x,)),
    ops.TANH: VectorRule(np.tanh, lambda g, y, x: (g * (1 - y * y),)),
    ops.SIGMOID: VectorRule(_sigmoid, lambda g, y, x: (g * y * (1 - y),)),
    ops.RELU: VectorRule(_relu, lambda g, y, x: (g * _step(x),)),
    ops.SOFTPLUS: VectorRule(_softplus, lambda g, y, x: (g * _sigmoid(x),)),
    ops.SIN: VectorRule(np.sin, lambda g, y, x: (g * np.cos(x),)),
    ops.COS: VectorRule(np.cos, lambda g, y, x: (g * -np.sin(x),)),
    ops.ABS: VectorRule(np.abs, lambda g, y, x: (g * np.sign(x),)),
}
"""Array rules of the fixed primitives (``+`` and ``*`` are :class:`SumStep`; ``-``, ``/``
and negation are ops of their own, as in the eager engine)."""


def _pow_rule(n: float) -> VectorRule:
    def backward(g: Floats, y: Floats, x: Floats) -> tuple[Floats]:
        return (g * 0.0,) if n == 0 else (g * n * np.power(x, n - 1),)

    return VectorRule(lambda x: np.power(x, n), backward)


def _leaky_relu_rule(slope: float) -> VectorRule:
    def forward(x: Floats) -> Floats:
        result: Floats = np.where(x > 0, x, slope * x)
        return result

    def backward(g: Floats, y: Floats, x: Floats) -> tuple[Floats]:
        return (g * np.where(x > 0, 1.0, slope),)

    return VectorRule(forward, backward)


def vector_rule(op: ops.Op) -> VectorRule | None:
    """The array rule of ``op``, or None (an op of your own runs on floats)."""
    rule = RULES.get(op)
    if rule is not None or op.arg is None:
        return rule
    # The op families: one Op per constant, made (and cached) by ops.pow_op / leaky_relu_op.
    if op.name.startswith("**") and op is ops.pow_op(op.arg):
        return _pow_rule(op.arg)
    if op.name == "leaky_relu" and op is ops.leaky_relu_op(op.arg):
        return _leaky_relu_rule(op.arg)
    return None


# ---------------------------------------------------------------------------------------
# max: the largest input; its gradient goes to the inputs equal to it (shared evenly).
# ---------------------------------------------------------------------------------------


def _max_forward(*xs: Floats) -> Floats:
    result: Floats = np.max(np.stack(xs), axis=0)  # NaN if any input is NaN, as the float rule
    return result


def _max_backward(g: Floats, y: Floats, *xs: Floats) -> tuple[Floats, ...]:
    # Only reached for finite outputs (a NaN output is redone on floats), so "equal to the
    # output" is the whole rule; the share is computed as the float rule computes it.
    winners = [x == y for x in xs]
    share = 1.0 / np.sum(winners, axis=0)
    return tuple(g * np.where(won, share, 0.0) for won in winners)


RULES[ops.MAX] = VectorRule(_max_forward, _max_backward)


# ---------------------------------------------------------------------------------------
# The further functions (tan ... min), the same formulas as their float rules in ops.py.
# Where a float rule raises (asin(2), a remainder by 0, the infinite derivative of asin at
# 1) NumPy gives nan or inf instead, which sends the step to the float fallback, and so to
# the same error; the fallback also gives the rules' finite answers at the origin of
# atan2 and hypot (0).
# ---------------------------------------------------------------------------------------


def _min_forward(*xs: Floats) -> Floats:
    result: Floats = np.min(np.stack(xs), axis=0)  # NaN if any input is NaN, as the float rule
    return result


def _atan2_backward(g: Floats, y: Floats, a: Floats, b: Floats) -> tuple[Floats, Floats]:
    r = np.hypot(a, b)  # (b/r)/r rather than b/(a² + b²), which overflows, as in ops.py
    return g * (b / r) / r, g * (-a / r) / r


def _mod_backward(g: Floats, y: Floats, a: Floats, b: Floats) -> tuple[Floats, Floats]:
    # floor(a/b) exactly, as the forward's remainder (and ops._floor_quotient) has it; a
    # rounded np.floor(a / b) is one too many where the quotient rounds up to an integer.
    return g, g * -np.floor_divide(a, b)


RULES.update(
    {
        ops.TAN: VectorRule(np.tan, lambda g, y, x: (g * (1 + y * y),)),
        ops.SINH: VectorRule(np.sinh, lambda g, y, x: (g * np.cosh(x),)),
        ops.COSH: VectorRule(np.cosh, lambda g, y, x: (g * np.sinh(x),)),
        ops.LOG1P: VectorRule(np.log1p, lambda g, y, x: (g / (1 + x),)),
        ops.EXPM1: VectorRule(np.expm1, lambda g, y, x: (g * np.exp(x),)),
        ops.LOG2: VectorRule(np.log2, lambda g, y, x: (g / (x * math.log(2.0)),)),
        ops.LOG10: VectorRule(np.log10, lambda g, y, x: (g / (x * math.log(10.0)),)),
        ops.ASIN: VectorRule(np.arcsin, lambda g, y, x: (g * (1 - x * x) ** -0.5,)),
        ops.ACOS: VectorRule(np.arccos, lambda g, y, x: (g * -((1 - x * x) ** -0.5),)),
        ops.ATAN: VectorRule(np.arctan, lambda g, y, x: (g / (1 + x * x),)),
        # As in ops.py, written so that x² cannot overflow for |x| > 1e154.
        ops.ASINH: VectorRule(np.arcsinh, lambda g, y, x: (g / np.hypot(x, 1.0),)),
        ops.ACOSH: VectorRule(np.arccosh, lambda g, y, x: (g / (np.sqrt(x - 1) * np.sqrt(x + 1)),)),
        ops.ATANH: VectorRule(np.arctanh, lambda g, y, x: (g / (1 - x * x),)),
        ops.SIGN: VectorRule(np.sign, lambda g, y, x: (g * 0.0,)),
        ops.ATAN2: VectorRule(np.arctan2, _atan2_backward),
        ops.HYPOT: VectorRule(np.hypot, lambda g, y, a, b: (g * a / y, g * b / y)),
        ops.MOD: VectorRule(np.remainder, _mod_backward),
        ops.MIN: VectorRule(_min_forward, _max_backward),
    }
)


# ---------------------------------------------------------------------------------------
# Guards: the answers Python got from the recorded values, asked again on each run's values.
# ---------------------------------------------------------------------------------------

_ARRAY_TESTS: dict[str, Callable[[Floats, Floats], NDArray[np.bool_]]] = {
    "<": np.less,
    "<=": np.less_equal,
    ">": np.greater,
    ">=": np.greater_equal,
    "bool": np.not_equal,  # bool(v) is v != 0 (and NaN is true), compared with 0.0
}


class _Described(NamedTuple):
    """What a FrozenGraphError message says about one guard."""

    test: str
    text: str  # the question as Python: "h > 0.5"
    name: str
    outcome: Any
    value: float
    left: int  # the slot of the node asked about
    right: int | None  # the slot of a Value it was compared with
    other: Any  # the number it was compared with (the Value's, when recorded), or ndigits


class GuardCheck:
    """Every guard of a recording, re-asked on a run's values.

    Comparisons and ``bool`` run as one array comparison per kind, ``float`` as one
    bit-for-bit equality of all the guarded values: a few NumPy calls per run whatever the
    number of guards. ``int`` and ``round`` (and comparisons with a number that is not a
    float, such as a huge int) are asked in Python, one by one, with the rule they were
    recorded with.
    """

    def __init__(self, guard_log: Sequence[Guard], slot: dict[Any, int], num_slots: int) -> None:
        self.size = len(guard_log)
        self.described: list[_Described] = []
        constants: list[float] = []
        columns: dict[str, tuple[list[int], list[int], list[int], list[bool]]] = {}
        float_guards: tuple[list[int], list[int], list[float]] = ([], [], [])
        self.python: list[int] = []
        self.last_slot: list[int] = []  # the latest slot each guard reads
        for index, guard in enumerate(guard_log):
            left = slot[guard.node]
            right = slot[guard.other] if isinstance(guard.other, Value) else None
            name = guards.node_name(guard.node)
            other_text = guards.node_name(guard.other) if right is not None else repr(guard.other)
            self.described.append(
                _Described(
                    guard.test,
                    guards.expression(guard.test, name, other_text),
                    name,
                    guard.outcome,
                    guard.value,
                    left,
                    right,
                    guard.other.data if right is not None else guard.other,
                )
            )
            self.last_slot.append(max(left, -1 if right is None else right))
            if guard.test in guards.EXACT_TESTS:
                float_guards[0].append(index)
                float_guards[1].append(left)
                float_guards[2].append(guard.value)
                continue
            if guard.test not in _ARRAY_TESTS or not _is_float_like(guard.other, right):
                self.python.append(index)
                continue
            if right is None:
                right = num_slots + len(constants)
                constants.append(0.0 if guard.test == "bool" else float(guard.other))
            column = columns.setdefault(guard.test, ([], [], [], []))
            column[0].append(index)
            column[1].append(left)
            column[2].append(right)
            column[3].append(bool(guard.outcome))
        self.constants: Floats = np.array(constants, dtype=np.float64)
        self.comparisons = [
            (
                _ARRAY_TESTS[test],
                np.array(indices, dtype=np.intp),
                np.array(lefts, dtype=np.intp),
                np.array(rights, dtype=np.intp),
                np.array(outcomes, dtype=bool),
            )
            for test, (indices, lefts, rights, outcomes) in columns.items()
        ]
        self.float_indices = np.array(float_guards[0], dtype=np.intp)
        self.float_slots = np.array(float_guards[1], dtype=np.intp)
        self.float_bits = np.array(float_guards[2], dtype=np.float64).view(np.int64)
        self.last_slot_array = np.array(self.last_slot, dtype=np.intp)

    def pending(self, computed: int) -> bool:
        """True if some guard reads a slot at or after ``computed`` (not yet computed)."""
        return bool(self.size) and bool((self.last_slot_array >= computed).any())

    def failure(self, values: Floats, computed: int | None = None) -> str | None:
        """The message for the first guard (in recording order) whose answer changed.

        ``computed``: only slots below it hold this run's values (after a failed step);
        guards reading later slots are skipped. None when every answer is as recorded.
        """
        wrong: list[int] = []
        if len(self.float_slots):
            changed = values[self.float_slots].view(np.int64) != self.float_bits
            wrong.extend(self._ready(self.float_indices[changed], computed))
        if self.comparisons:
            extended = np.concatenate((values, self.constants)) if len(self.constants) else values
            for test, indices, lefts, rights, outcomes in self.comparisons:
                changed = test(extended[lefts], extended[rights]) != outcomes
                if changed.any():
                    wrong.extend(self._ready(indices[changed], computed))
        for index in self.python:
            if computed is None or self.last_slot[index] < computed:
                described = self.described[index]
                now = self._answer(described, values)
                if not guards.same_answer(described.test, described.outcome, now):
                    wrong.append(index)
        return self._message(min(wrong), values) if wrong else None

    def _ready(self, indices: NDArray[np.intp], computed: int | None) -> list[int]:
        if computed is None:
            return indices.tolist()  # type: ignore[no-any-return]
        return [i for i in indices.tolist() if self.last_slot[i] < computed]

    @staticmethod
    def _answer(described: _Described, values: Floats) -> Any:
        other = described.other if described.right is None else float(values[described.right])
        try:
            return guards.evaluate(described.test, float(values[described.left]), other)
        except (ArithmeticError, ValueError) as error:  # int(nan), round(inf)
            return error

    def _message(self, index: int, values: Floats) -> str:
        described = self.described[index]
        message = guards.mismatch_message(
            described.text,
            described.outcome,
            self._answer(described, values),
            described.value,
            float(values[described.left]),
            described.name,
        )
        if described.right is not None:
            message += (
                f" ({described.text.split()[-1]} was {described.other!r} when recorded, "
                f"now {float(values[described.right])!r})"
            )
        return message


def _is_float_like(other: Any, right: int | None) -> bool:
    """True when comparing with ``other`` as a float64 gives Python's exact answer."""
    if right is not None or other is None:
        return True
    try:
        return bool(float(other) == other)
    except (OverflowError, TypeError, ValueError):
        return False
