"""The op table: every primitive operation with its forward rule and its local-gradient rule.

Reverse-mode differentiation needs exactly two things from each primitive ``y = f(x1, ..., xn)``:

* ``forward(x1, ..., xn) -> y`` on plain floats, and
* ``backward(g, y, x1, ..., xn) -> (g * dy/dx1, ..., g * dy/dxn)``: the *local-gradient rule*
  (a vector-Jacobian product). ``g`` is d(final output)/dy, the gradient arriving from above;
  the rule multiplies it by each local derivative. That multiplication *is* the chain rule.

Rules are small pure functions. They never capture the node they belong to (the node is
passed in as ``y`` when the rule runs), so a graph holds no reference cycles and is freed by
reference counting the moment it becomes unreachable.

Every rule is written with ordinary arithmetic, so it works on two kinds of arguments:

* floats, for a plain ``backward()`` (fast, builds nothing), and
* :class:`~autograd_engine.value.Value` nodes, for ``grad(..., create_graph=True)``: then the
  rule's own arithmetic is recorded as a new graph, which can be differentiated again. This
  is how second and higher derivatives come for free.

Non-differentiable points follow PyTorch: ``relu'(0) = 0``, ``abs'(0) = 0``,
``leaky_relu'(0) = negative_slope``.

Numbers that are not finite: the policy
---------------------------------------
Right or loud: a NaN or an infinity that arrives in an input follows IEEE arithmetic (as in
PyTorch), but the engine never *makes* one silently from ordinary numbers.

| op kind                   | NaN in  | ±inf in    | overflow, finite in | new NaN    | backward  |
|---------------------------|---------|------------|---------------------|------------|-----------|
| ``+ - * /``               | NaN out | IEEE       | OverflowError       | ValueError | IEEE, (1) |
| ``**`` ``exp``            | NaN out | IEEE       | OverflowError       | ValueError | IEEE, (1) |
| log tanh sigmoid softplus | NaN out | IEEE       | cannot happen       | never      | IEEE, (1) |
| sin cos                   | NaN out | ValueError | cannot happen       | ValueError | IEEE, (1) |
| relu leaky_relu abs       | NaN out | IEEE       | OverflowError       | ValueError | (2), (1)  |

* *IEEE*: the IEEE 754 result, as PyTorch gives it: ``inf + 1 = inf``, ``exp(-inf) = 0``,
  ``tanh(inf) = 1``. *NaN out*: ``relu(nan) = nan``; nothing turns a NaN into a number.
* *overflow, finite in* (``1e308 + 1e308``, ``1e200 * 1e200``, ``exp(710)``, ``1e200 ** 2``)
  raises ``OverflowError``; *new NaN* from non-NaN inputs (``inf - inf``, ``0 * inf``,
  ``sin(inf)``) raises ``ValueError`` saying "invalid operation (IEEE would give nan)". Both
  messages name the op and its input values.
* Domain errors stay as they were: ``ValueError`` for ``log(x <= 0)``, ``sqrt(x < 0)`` and a
  negative base to a non-integer power; ``ZeroDivisionError`` for ``x / 0`` and
  ``0 ** negative``.
* (1) In ``backward()`` a gradient follows the same rule: NaN/inf already in the forward values
  or in the incoming gradient propagate by IEEE; a gradient that becomes ±inf/NaN from finite
  values raises ``OverflowError``/``ValueError`` naming the op, its inputs and the incoming
  gradient, and then no leaf ``.grad`` changes at all (all-or-nothing). A
  :class:`~autograd_engine.value.Constant` gets no gradient, so the infinite derivative of
  ``0.0 ** y`` with respect to its constant base is no error.
* (2) Local derivatives at a NaN input follow PyTorch: ``relu'(nan) = abs'(nan) = 0``,
  ``leaky_relu'(nan) = negative_slope``; the NaN still reaches the gradients through ``g``.

:func:`check_nonfinite` is the policy as code: every op result that is not finite passes
through it (the only check on the fast path is ``-inf < y < inf``).
:func:`autograd_engine.detect_anomaly` adds a stricter mode on top: there the first NaN or inf
anywhere raises :class:`~autograd_engine.anomaly.AnomalyError`.

Adding an op of your own
------------------------
Write a forward rule on floats and a local-gradient rule with ordinary arithmetic (use the
helpers below, such as :func:`exp`, when a derivative needs a function), wrap them in an
:class:`Op`, and apply it with :meth:`Value.apply <autograd_engine.value.Value.apply>`::

    import math
    from autograd_engine import Value
    from autograd_engine.ops import Op, cos

    def _sin2_forward(x: float) -> float:          # y = sin(x)**2
        return math.sin(x) ** 2

    def _sin2_backward(g, y, x):                   # dy/dx = 2 sin(x) cos(x)
        return (g * 2 * sin(x) * cos(x),)

    SIN2 = Op("sin2", _sin2_forward, _sin2_backward)
    y = Value(0.3).apply(SIN2)                     # y.op == "sin2", y.parents == (x,)

Check the pair with :func:`autograd_engine.gradcheck` and :func:`autograd_engine.gradgradcheck`.
The built-in ops below are registered in :data:`OPS` and each one has a row in the op test table.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

__all__ = [
    "OPS",
    "Op",
    "check_nonfinite",
    "cos",
    "describe_call",
    "exp",
    "leaky_relu_op",
    "log",
    "pow_op",
    "sigmoid",
    "sin",
]

# The largest x for which math.exp(x) is finite (log of the largest double).
_EXP_LIMIT = math.log(1.7976931348623157e308)
_INF = math.inf


@dataclass(frozen=True, slots=True)
class Op:
    """A primitive operation: its name, forward rule on floats, and local-gradient rule.

    Attributes:
        name: what the op is called in ``Value.op`` and in drawings (``"+"``, ``"tanh"``).
        forward: ``forward(*input_floats) -> float``. Raises on inputs outside its domain.
        backward: ``backward(g, y, *inputs) -> tuple``: one gradient per input, each equal to
            ``g * d(y)/d(input)``. Works on floats and on ``Value`` nodes alike.
        arg: the constant an op was made with (the exponent of ``x ** 3``, the slope of
            ``leaky_relu``), or ``None``. Kept so tools (drawing, the compiler) can read it.
        derivative_text: the local derivatives as text for people (drawings, the stepper's
            captions, ``print_graph``), one per input, in terms of the inputs (``x``, or ``a``
            and ``b``) and the output ``out``: ``("1 - out²",)`` for tanh, ``("b", "a")`` for
            ``a * b``. Empty when none is given.
    """

    name: str
    forward: Callable[..., float]
    backward: Callable[..., tuple[Any, ...]]
    arg: float | None = None
    derivative_text: tuple[str, ...] = ()


# ---------------------------------------------------------------------------------------
# Functions that work on floats and on Values alike, for writing rules.
# ---------------------------------------------------------------------------------------


def exp(x: Any) -> Any:
    """e**x for a float or a Value."""
    return math.exp(x) if isinstance(x, float) else x.exp()


def log(x: Any) -> Any:
    """The natural logarithm of a float or a Value."""
    return math.log(x) if isinstance(x, float) else x.log()


def sin(x: Any) -> Any:
    """sin(x) for a float or a Value."""
    return math.sin(x) if isinstance(x, float) else x.sin()


def cos(x: Any) -> Any:
    """cos(x) for a float or a Value."""
    return math.cos(x) if isinstance(x, float) else x.cos()


def sigmoid(x: Any) -> Any:
    """The logistic function 1 / (1 + e**-x) for a float or a Value."""
    return _sigmoid_forward(x) if isinstance(x, float) else x.sigmoid()


def describe_call(name: str, inputs: tuple[float, ...]) -> str:
    """How a call looks in an error message: ``1e+308 + 1e+308``, ``x ** 2.0``, ``sin(inf)``."""
    if len(inputs) == 2 and name in ("+", "*", "**"):
        return f"{inputs[0]!r} {name} {inputs[1]!r}"
    if name.startswith("**") and name != "**":  # x ** n: the exponent is part of the op
        return f"{inputs[0]!r} ** {name[2:]}"
    return f"{name}({', '.join(repr(x) for x in inputs)})"


def check_nonfinite(name: str, y: float, inputs: tuple[float, ...]) -> float:
    """The numerical policy for a result ``y`` that is NaN or ±inf: return it or raise.

    Called only on the slow path, when ``-inf < y < inf`` failed. The policy (see the table
    above): a NaN in the inputs makes any result legitimate (NaN in, NaN out), and so does an
    infinity in the inputs giving an infinity (IEEE); otherwise the op made a non-finite
    number from ordinary ones, which is an error.

    Raises:
        ValueError: ``y`` is a NaN although no input is (``inf - inf``, ``0 * inf``).
        OverflowError: ``y`` is ±inf although every input is finite (``1e308 + 1e308``).
    """
    if any(x != x for x in inputs):
        return y
    if y != y:
        raise ValueError(
            f"{name}: invalid operation (IEEE would give nan): {describe_call(name, inputs)}"
        )
    if all(-_INF < x < _INF for x in inputs):
        raise OverflowError(f"{name}: {describe_call(name, inputs)} overflows a float")
    return y


def _number(x: Any) -> float:
    """The float inside ``x``: derivatives of piecewise ops depend only on which piece x is in."""
    return x if isinstance(x, float) else float(x.data)


# ---------------------------------------------------------------------------------------
# Binary primitives
# ---------------------------------------------------------------------------------------


def _add_forward(a: float, b: float) -> float:
    y = a + b
    return y if -_INF < y < _INF else check_nonfinite("+", y, (a, b))


def _add_backward(g: Any, y: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d(a+b)/da = 1, d(a+b)/db = 1: addition routes the gradient unchanged to both inputs.
    return g, g


def _mul_forward(a: float, b: float) -> float:
    y = a * b
    return y if -_INF < y < _INF else check_nonfinite("*", y, (a, b))


def _mul_backward(g: Any, y: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d(a*b)/da = b, d(a*b)/db = a: each input receives the gradient scaled by the other.
    return g * b, g * a


def _pow_forward(a: float, b: float) -> float:
    if a < 0:
        raise ValueError(
            f"pow: negative base {a!r} with a Value exponent {b!r} has no real derivative "
            "in the exponent (it needs log(base)); use a plain number as the exponent"
        )
    if a == 0 and b < 0:
        raise ZeroDivisionError(f"pow: 0.0 ** {b!r} (zero to a negative power) is undefined")
    try:
        return math.pow(a, b)
    except OverflowError:
        raise OverflowError(f"pow: {a!r} ** {b!r} overflows a float") from None


def _power_of_zero(exponent: float) -> float:
    """0.0 ** exponent as IEEE defines it: +inf for a negative exponent (no ZeroDivisionError)."""
    return _INF if exponent < 0 else math.pow(0.0, exponent)


def _pow_backward(g: Any, y: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d(a**b)/da = b * a**(b-1);  d(a**b)/db = a**b * log(a).
    if _number(a) != 0:
        return g * b * a ** (b - 1), g * y * log(a)
    # At a == 0 the exponent's derivative 0 * log(0) is taken as 0, like PyTorch, and so is
    # the base's at b == 0. For 0 < b < 1 the base's derivative is +inf (IEEE): a Constant
    # base (``0.0 ** y``) gets no gradient, so it is discarded; for a Value base backward()
    # reports the infinite derivative.
    exponent = _number(b)
    grad_base = g * 0.0 if exponent == 0 else g * b * _power_of_zero(exponent - 1)
    return grad_base, g * 0.0


# ---------------------------------------------------------------------------------------
# Unary primitives
# ---------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def pow_op(exponent: float) -> Op:
    """The op ``x ** exponent`` for a constant exponent (one shared Op per exponent).

    d(x**n)/dx = n * x**(n-1). The exponent is a constant of the op, not an input, so it
    gets no gradient and negative bases work with integer exponents.
    """
    n = float(exponent)

    def forward(x: float) -> float:
        if x == 0 and n < 0:
            raise ZeroDivisionError(f"pow: 0.0 ** {n!r} (zero to a negative power) is undefined")
        if x < 0 and not n.is_integer():
            raise ValueError(f"pow: negative base {x!r} to the non-integer power {n!r}")
        try:
            return math.pow(x, n)
        except OverflowError:
            raise OverflowError(f"pow: {x!r} ** {n!r} overflows a float") from None

    def backward(g: Any, y: Any, x: Any) -> tuple[Any]:
        if n == 0:
            return (g * 0.0,)
        if n < 1 and _number(x) == 0:
            raise ZeroDivisionError(
                f"pow: the derivative of x ** {n!r} at x = 0 is infinite (n * x**(n-1))"
            )
        return (g * n * x ** (n - 1),)

    return Op(f"**{n:g}", forward, backward, arg=n, derivative_text=(f"{n:g}·x^({n - 1:g})",))


def _exp_forward(x: float) -> float:
    if _EXP_LIMIT < x < _INF:  # exp(inf) = inf is IEEE; only a finite x can overflow
        raise OverflowError(f"exp: exp({x!r}) overflows a float (the limit is x <= 709.78)")
    return math.exp(x)


def _exp_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d(e**x)/dx = e**x, which is the output itself: reuse it instead of recomputing.
    return (g * y,)


def _log_forward(x: float) -> float:
    if x <= 0:
        raise ValueError(f"log: logarithm of {x!r} is undefined (log needs x > 0)")
    return math.log(x)


def _log_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d(log x)/dx = 1/x
    return (g / x,)


def _tanh_forward(x: float) -> float:
    return math.tanh(x)


def _tanh_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d(tanh x)/dx = 1 - tanh(x)**2, again written with the output y = tanh(x).
    return (g * (1 - y * y),)


def _sigmoid_forward(x: float) -> float:
    # Two algebraically equal forms, each used where its exp cannot overflow. A NaN takes
    # the second branch, where exp(nan) = nan carries it to the output.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d(sigmoid x)/dx = sigmoid(x) * (1 - sigmoid(x)) = y * (1 - y)
    return (g * y * (1 - y),)


def _relu_forward(x: float) -> float:
    # Written so that a NaN, for which every comparison is False, comes out as itself.
    return 0.0 if x <= 0 else x


def _relu_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # The step function: 1 for x > 0, else 0 (relu'(0) = 0, as in PyTorch).
    return (g * (1.0 if _number(x) > 0 else 0.0),)


@lru_cache(maxsize=64)
def leaky_relu_op(negative_slope: float) -> Op:
    """The op ``leaky_relu`` with a given slope for x <= 0 (one shared Op per slope).

    leaky_relu(x) = x for x > 0, negative_slope * x otherwise; its derivative is 1 or
    negative_slope (at x = 0 it is negative_slope, as in PyTorch).
    """
    slope = float(negative_slope)

    def forward(x: float) -> float:
        # A NaN goes to slope * nan = nan; the product can overflow for a huge slope.
        y = x if x > 0 else slope * x
        return y if -_INF < y < _INF else check_nonfinite("leaky_relu", y, (x, slope))

    def backward(g: Any, y: Any, x: Any) -> tuple[Any]:
        return (g * (1.0 if _number(x) > 0 else slope),)

    return Op(
        "leaky_relu", forward, backward, arg=slope, derivative_text=(f"1 if x > 0 else {slope:g}",)
    )


def _softplus_forward(x: float) -> float:
    # log(1 + e**x) = max(x, 0) + log(1 + e**-|x|): the exp never overflows, and a NaN
    # reaches the output through the log term.
    return (x if x > 0 else 0.0) + math.log1p(math.exp(-abs(x)))


def _softplus_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d(softplus x)/dx = sigmoid(x)
    return (g * sigmoid(x),)


def _sin_forward(x: float) -> float:
    if x == _INF or x == -_INF:  # math.sin would say only "math domain error"
        return check_nonfinite("sin", math.nan, (x,))
    return math.sin(x)


def _sin_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    return (g * cos(x),)


def _cos_forward(x: float) -> float:
    try:
        return math.cos(x)
    except ValueError:  # x is ±inf, as for sin
        return check_nonfinite("cos", math.nan, (x,))


def _cos_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    return (g * -sin(x),)


def _abs_forward(x: float) -> float:
    return abs(x)


def _abs_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # The sign of x, with abs'(0) = 0 as in PyTorch.
    x_number = _number(x)
    return (g * (1.0 if x_number > 0 else -1.0 if x_number < 0 else 0.0),)


ADD = Op("+", _add_forward, _add_backward, derivative_text=("1", "1"))
MUL = Op("*", _mul_forward, _mul_backward, derivative_text=("b", "a"))
POW = Op("**", _pow_forward, _pow_backward, derivative_text=("b·a^(b-1)", "out·log(a)"))
EXP = Op("exp", _exp_forward, _exp_backward, derivative_text=("out",))
LOG = Op("log", _log_forward, _log_backward, derivative_text=("1/x",))
TANH = Op("tanh", _tanh_forward, _tanh_backward, derivative_text=("1 - out²",))
SIGMOID = Op("sigmoid", _sigmoid_forward, _sigmoid_backward, derivative_text=("out·(1 - out)",))
RELU = Op("relu", _relu_forward, _relu_backward, derivative_text=("1 if x > 0 else 0",))
SOFTPLUS = Op("softplus", _softplus_forward, _softplus_backward, derivative_text=("sigmoid(x)",))
SIN = Op("sin", _sin_forward, _sin_backward, derivative_text=("cos(x)",))
COS = Op("cos", _cos_forward, _cos_backward, derivative_text=("-sin(x)",))
ABS = Op("abs", _abs_forward, _abs_backward, derivative_text=("sign(x)",))

#: Every fixed primitive by name. ``x ** n`` (constant n) and ``leaky_relu`` are families of
#: ops made by :func:`pow_op` and :func:`leaky_relu_op`, one per constant.
#: Derived ops (``-``, ``/``, ``sqrt``) are compositions of these in ``value.py``.
OPS: dict[str, Op] = {
    op.name: op for op in (ADD, MUL, POW, EXP, LOG, TANH, SIGMOID, RELU, SOFTPLUS, SIN, COS, ABS)
}


# ---------------------------------------------------------------------------------------
# max: the largest of its inputs, as a primitive, so that code never has to read .data to
# find it (a Python max() over numbers would be frozen into a recorded graph).
# ---------------------------------------------------------------------------------------


def _max_forward(*xs: float) -> float:
    # NaN in, NaN out (Python's max() would depend on where the NaN stands).
    for x in xs:
        if x != x:
            return x
    return max(xs)


def _max_winners(y: Any, xs: tuple[Any, ...]) -> list[bool]:
    """Which inputs the output came from: those equal to it (those that are NaN, for NaN)."""
    top = _number(y)
    numbers = [_number(x) for x in xs]
    if top != top:
        return [x != x for x in numbers]
    return [x == top for x in numbers]


def _max_backward(g: Any, y: Any, *xs: Any) -> tuple[Any, ...]:
    # d max/dx_i = 1 for the input that is the max, 0 for the others. When k inputs tie for
    # the max, each gets 1/k of the gradient, as PyTorch's max()/amax() do: the average of
    # the one-sided derivatives, and the sum over the inputs is still exactly g.
    winners = _max_winners(y, xs)
    share = 1.0 / sum(winners)
    return tuple(g * (share if won else 0.0) for won in winners)


MAX = Op(
    "max",
    _max_forward,
    _max_backward,
    # One rule for each input x (the op takes any number of them).
    derivative_text=("1 if x = out else 0 (k tied inputs get 1/k each)",),
)
OPS[MAX.name] = MAX
__all__ += ["maximum"]


def maximum(*values: Any) -> Any:
    """The largest of ``values`` (Values or numbers, at least one) as a node of the graph.

    Like ``torch.maximum``, extended to any number of inputs: NaN if any input is NaN, and
    the gradient goes to the largest input; inputs that tie for the largest share it
    evenly (``torch.max``/``torch.amax`` do the same), the NaN inputs when the result is
    NaN. Unlike Python's ``max()``, the choice is re-made by a compiled replay.

    >>> from autograd_engine import Value
    >>> a, b = Value(1.0), Value(3.0)
    >>> m = maximum(a, b, 2.0)
    >>> m.backward()
    >>> m.data, a.grad, b.grad
    (3.0, 0.0, 1.0)
    """
    from .value import _as_value

    if not values:
        raise TypeError("maximum needs at least one input")
    first, *rest = (_as_value(x, "max") for x in values)
    return first.apply(MAX, *rest)
