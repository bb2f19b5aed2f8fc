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

Bad math raises instead of returning NaN: each forward rule checks its domain and raises
``ValueError``, ``ZeroDivisionError`` or ``OverflowError`` with the op and the offending value.

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
    "cos",
    "exp",
    "leaky_relu_op",
    "log",
    "pow_op",
    "sigmoid",
    "sin",
]

# The largest x for which math.exp(x) is finite (log of the largest double).
_EXP_LIMIT = math.log(1.7976931348623157e308)


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


def _number(x: Any) -> float:
    """The float inside ``x``: derivatives of piecewise ops depend only on which piece x is in."""
    return x if isinstance(x, float) else float(x.data)


# ---------------------------------------------------------------------------------------
# Binary primitives
# ---------------------------------------------------------------------------------------


def _add_forward(a: float, b: float) -> float:
    return a + b


def _add_backward(g: Any, y: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d(a+b)/da = 1, d(a+b)/db = 1: addition routes the gradient unchanged to both inputs.
    return g, g


def _mul_forward(a: float, b: float) -> float:
    return a * b


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


def _pow_backward(g: Any, y: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d(a**b)/da = b * a**(b-1);  d(a**b)/db = a**b * log(a).
    # At a == 0 (with b >= 0) the exponent's derivative 0 * log(0) is taken as 0, like PyTorch.
    grad_exponent = g * 0.0 if _number(a) == 0 else g * y * log(a)
    return g * b * a ** (b - 1), grad_exponent


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
    if x > _EXP_LIMIT:
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
    # Two algebraically equal forms, each used where its exp cannot overflow.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d(sigmoid x)/dx = sigmoid(x) * (1 - sigmoid(x)) = y * (1 - y)
    return (g * y * (1 - y),)


def _relu_forward(x: float) -> float:
    return x if x > 0 else 0.0


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
        return x if x > 0 else slope * x

    def backward(g: Any, y: Any, x: Any) -> tuple[Any]:
        return (g * (1.0 if _number(x) > 0 else slope),)

    return Op(
        "leaky_relu", forward, backward, arg=slope, derivative_text=(f"1 if x > 0 else {slope:g}",)
    )


def _softplus_forward(x: float) -> float:
    # log(1 + e**x) = max(x, 0) + log(1 + e**-|x|): the exp never overflows.
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def _softplus_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d(softplus x)/dx = sigmoid(x)
    return (g * sigmoid(x),)


def _sin_forward(x: float) -> float:
    return math.sin(x)


def _sin_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    return (g * cos(x),)


def _cos_forward(x: float) -> float:
    return math.cos(x)


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
