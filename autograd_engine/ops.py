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
``leaky_relu'(0) = negative_slope``, ``clamp`` has derivative 1 at its bounds, ties of
``max``/``min`` split the gradient evenly, ``%`` uses ``-floor(a/b)`` at its jumps too,
``atan2`` has gradient 0 at the origin. One exception: ``hypot`` at the origin has gradient
0 (as ``abs`` at 0), where PyTorch gives NaN, which the policy below forbids.

Numbers that are not finite: the policy
---------------------------------------
Right or loud: a NaN or an infinity that arrives in an input follows IEEE arithmetic (as in
PyTorch), but the engine never *makes* one silently from ordinary numbers.

| op kind                   | NaN in  | ±inf in    | overflow, finite in | new NaN    | backward  |
|---------------------------|---------|------------|---------------------|------------|-----------|
| ``+ - * /``               | NaN out | IEEE       | OverflowError       | ValueError | IEEE, (1) |
| ``**`` ``exp``            | (5)     | IEEE, (5)  | OverflowError       | ValueError | IEEE, (1) |
| log tanh sigmoid softplus | NaN out | IEEE       | cannot happen       | never      | IEEE, (1) |
| sin cos tan               | NaN out | ValueError | cannot happen       | ValueError | IEEE, (1) |
| relu leaky_relu abs max   | NaN out | IEEE       | OverflowError       | ValueError | (2), (1)  |
| sinh cosh expm1 hypot     | NaN out | IEEE       | OverflowError       | never      | IEEE, (1) |
| log1p log2 log10 atan2    | NaN out | IEEE, (3)  | cannot happen       | never      | IEEE, (1) |
| asin acos atan asinh ...  | NaN out | IEEE, (3)  | cannot happen       | never      | (3), (1)  |
| min clamp sign where      | (4)     | IEEE       | cannot happen       | never      | (2), (1)  |
| %                         | NaN out | IEEE       | cannot happen       | ValueError | IEEE, (1) |

* *IEEE*: the IEEE 754 result, as PyTorch gives it: ``inf + 1 = inf``, ``exp(-inf) = 0``,
  ``tanh(inf) = 1``. *NaN out*: ``relu(nan) = nan``; nothing turns a NaN into a number.
* *overflow, finite in* (``1e308 + 1e308``, ``1e200 * 1e200``, ``exp(710)``, ``1e200 ** 2``)
  raises ``OverflowError``; *new NaN* from non-NaN inputs (``inf - inf``, ``0 * inf``,
  ``sin(inf)``) raises ``ValueError`` saying "invalid operation (IEEE would give nan)". Both
  messages name the op and its input values.
* Domain errors stay as they were: ``ValueError`` for ``log(x <= 0)``, ``sqrt(x < 0)`` and a
  negative finite base to a non-integer power; ``ZeroDivisionError`` for ``x / 0``, ``x % 0`` and
  ``0 ** negative``.
* (1) In ``backward()`` a gradient follows the same rule: NaN/inf already in the forward values
  or in the incoming gradient propagate by IEEE; a gradient that becomes ±inf/NaN from finite
  values raises ``OverflowError``/``ValueError`` naming the op, its inputs and the incoming
  gradient, and then no leaf ``.grad`` changes at all (all-or-nothing). A
  :class:`~autograd_engine.value.Constant` gets no gradient, so the infinite derivative of
  ``0.0 ** y`` with respect to its constant base is no error.
* (2) Local derivatives at a NaN input follow PyTorch 2.13: ``relu'(nan) = 1``,
  ``abs'(nan) = clamp'(nan) = sign'(nan) = 0``, ``leaky_relu'(nan) = negative_slope``; the
  NaN still reaches the gradients through the loss. One rule of this project's own: when
  ``max``/``min`` give NaN, the NaN inputs share the gradient evenly (``maximum(nan, 1)``
  sends ``(1, 0)``, ``maximum(inf, nan)`` ``(0, 1)``, ``maximum(nan, nan)`` ``(1/2, 1/2)``),
  as tied inputs do. PyTorch's binary ``maximum`` sends the whole gradient to *both*
  inputs there (NaN compares false, so neither is masked out): a sum of 2g, which for this
  engine's max of any number of inputs would hand g to every one of them. Here the shares
  always sum to g.
* (3) Outside the domain, and at a pole (``log2(0)``, ``log1p(-1)``, ``atanh(±1)``, where
  PyTorch gives ±inf), ``ValueError``, as for ``log(0)``. Where the derivative is infinite
  (``asin`` and ``acos`` at ±1, ``acosh`` at 1) backward() raises ``ZeroDivisionError``, as
  for ``sqrt`` at 0.
* (4) NaN out (``sign(nan)`` is NaN too, where PyTorch says 0), except that ``where``
  passes on the chosen input as it is (a NaN in the other one is dropped, as in PyTorch).
* (5) ``exp``: NaN out. ``**`` with a number exponent follows IEEE (and PyTorch) for ±inf
  and NaN: ``(-inf) ** -1.5 = 0.0``, ``(-inf) ** 3 = -inf``, ``nan ** 0 = 1``. With a Value
  exponent (``a ** b``), NaN on either side gives IEEE's answer (``(-inf) ** nan`` is nan,
  ``1 ** nan`` is 1) and the derivatives IEEE arithmetic gives (NaN where the base is
  negative); otherwise a negative base, ``-inf`` included, raises ``ValueError``, since the
  derivative in the exponent needs ``log(base)``.
* ``asinh ...`` stands for asinh acosh atanh. ``hypot(±inf, nan)`` is inf, as IEEE and
  PyTorch define it.

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
from collections.abc import Callable, Sequence
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
    "written",
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
            ``leaky_relu``, 1.0 or 0.0 for the condition of ``where``), or ``None``. Kept so
            tools (drawing, the compiler) can read it.
        derivative_text: the local derivatives as text for people (drawings, the stepper's
            captions, ``print_graph``), one per input, in terms of the inputs (``x``, or ``a``
            and ``b``) and the output ``out``: ``("1 - out²",)`` for tanh, ``("b", "a")`` for
            ``a * b``. Empty when none is given.
        notation: how a person writes the op applied to its inputs, as a format string over
            them (``"{0} - {1}"`` for subtraction, ``"-{0}"`` for negation), or ``""`` for
            the function form ``name(x, ...)``. :func:`written` fills it in.
    """

    name: str
    forward: Callable[..., float]
    backward: Callable[..., tuple[Any, ...]]
    arg: float | None = None
    derivative_text: tuple[str, ...] = ()
    notation: str = ""


def written(op: Op, inputs: Sequence[str]) -> str:
    """``op`` applied to ``inputs`` (texts) as a person writes it on the board.

    >>> written(SUB, ["0.99", "out"]), written(NEG, ["a"]), written(TANH, ["x"])
    ('0.99 - out', '-a', 'tanh(x)')
    """
    if op.notation:
        return op.notation.format(*inputs)
    return f"{op.name}({', '.join(inputs)})"


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
    if len(inputs) == 2 and name in ("+", "-", "*", "/", "**", "%"):
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


def _sub_forward(a: float, b: float) -> float:
    y = a - b
    return y if -_INF < y < _INF else check_nonfinite("-", y, (a, b))


def _sub_backward(g: Any, y: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d(a-b)/da = 1, d(a-b)/db = -1: the gradient passes to a unchanged, to b negated.
    return g, -g


def _div_forward(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError(f"division by zero: {a!r} / {b!r}")
    y = a / b
    return y if -_INF < y < _INF else check_nonfinite("/", y, (a, b))


def _div_backward(g: Any, y: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d(a/b)/da = 1/b, d(a/b)/db = -a/b² = -(a/b)/b, written with the output y = a/b, as
    # PyTorch's DivBackward computes it: b² would overflow for |b| > 1e154.
    return g / b, -g * (y / b)


def _pow_forward(a: float, b: float) -> float:
    if b != b:  # NaN in: IEEE's answer (nan, or 1.0 for 1 ** nan), whatever the base's sign
        return math.pow(a, b)
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
    if _number(a) < 0:  # only with a NaN exponent (the forward refuses the rest): log(a) is
        return g * b * a ** (b - 1), g * b  # undefined, and both derivatives are NaN (g * b)
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
        # -inf to a non-integer power is IEEE's (and PyTorch's) 0.0 or inf: its sign is
        # lost either way, so no complex root is being taken.
        if x < 0 and not n.is_integer() and x != -_INF:
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

    return Op(
        f"**{n:g}",
        forward,
        backward,
        arg=n,
        derivative_text=(f"{n:g}·x^({n - 1:g})",),
        notation=f"{{0}} ** {n:g}",
    )


def _neg_forward(x: float) -> float:
    return -x  # exact: it flips the sign bit, so it cannot overflow, and -nan is nan


def _neg_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d(-x)/dx = -1
    return (-g,)


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
    # The step function: 0 for x <= 0, else 1 (relu'(0) = 0, as in PyTorch). Written as
    # PyTorch's threshold_backward tests it, so that relu'(nan) = 1 as there too.
    return (g * (0.0 if _number(x) <= 0 else 1.0),)


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


ADD = Op("+", _add_forward, _add_backward, derivative_text=("1", "1"), notation="{0} + {1}")
SUB = Op("-", _sub_forward, _sub_backward, derivative_text=("1", "-1"), notation="{0} - {1}")
MUL = Op("*", _mul_forward, _mul_backward, derivative_text=("b", "a"), notation="{0} * {1}")
DIV = Op("/", _div_forward, _div_backward, derivative_text=("1/b", "-a/b²"), notation="{0} / {1}")
NEG = Op("neg", _neg_forward, _neg_backward, derivative_text=("-1",), notation="-{0}")
POW = Op(
    "**",
    _pow_forward,
    _pow_backward,
    derivative_text=("b·a^(b-1)", "out·log(a)"),
    notation="{0} ** {1}",
)
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
#: ``-``, ``/`` and negation are primitives of their own (as PyTorch's SubBackward,
#: DivBackward, NegBackward), so ``0.99 - out`` is one node, as on the board; ``sqrt`` is
#: ``x ** 0.5`` in ``value.py``.
OPS: dict[str, Op] = {
    op.name: op
    for op in (ADD, SUB, MUL, DIV, NEG, POW, EXP, LOG, TANH, SIGMOID, RELU, SOFTPLUS, SIN, COS)
}
OPS[ABS.name] = ABS


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
    evenly (``torch.maximum`` gives 1/2 each for a tie of two; ``torch.max``/``torch.amax``
    split among all of them too), the NaN inputs when the result is NaN. Unlike Python's
    ``max()``, the choice is re-made by a compiled replay.

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


# ---------------------------------------------------------------------------------------
# More functions: every scalar function of PyTorch's (and NumPy's) that the peers test.
# Each is one forward rule on floats and one local-gradient rule, as above. Two kinds of
# points need a decision, and the decisions are the numerical policy's:
#
# * a pole of the function itself (log2(0), log1p(-1), atanh(±1)) is a domain error,
#   ``ValueError``, as log(0) already is: the input is outside where the function is finite;
# * a point where the *derivative* is infinite (asin and acos at ±1, acosh at 1) raises
#   ``ZeroDivisionError`` in backward(), as the derivative of sqrt at 0 already does.
# ---------------------------------------------------------------------------------------

_LN2 = math.log(2.0)
_LN10 = math.log(10.0)


def sinh(x: Any) -> Any:
    """sinh(x) for a float or a Value."""
    return math.sinh(x) if isinstance(x, float) else x.sinh()


def cosh(x: Any) -> Any:
    """cosh(x) for a float or a Value."""
    return math.cosh(x) if isinstance(x, float) else x.cosh()


def hypot(a: Any, b: Any) -> Any:
    """sqrt(a² + b²) for floats or Values, without overflow in the squares."""
    if isinstance(a, float) and isinstance(b, float):
        return math.hypot(a, b)
    from .value import _as_value

    return _as_value(a, "hypot").hypot(b)


def _infinite_derivative(name: str, formula: str, x: Any) -> ZeroDivisionError:
    """The error for a point where a derivative is infinite (as for sqrt at 0)."""
    return ZeroDivisionError(f"{name}: the derivative {formula} at x = {_number(x)!r} is infinite")


def _outside_domain(name: str, x: float, domain: str) -> ValueError:
    return ValueError(f"{name}: {name}({x!r}) is undefined ({name} needs {domain})")


def _tan_forward(x: float) -> float:
    if x == _INF or x == -_INF:  # math.tan would say only "math domain error"
        return check_nonfinite("tan", math.nan, (x,))
    return math.tan(x)


def _tan_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d(tan x)/dx = 1/cos²(x) = 1 + tan²(x), written with the output y = tan(x).
    return (g * (1 + y * y),)


def _sinh_forward(x: float) -> float:
    try:
        return math.sinh(x)
    except OverflowError:
        raise OverflowError(f"sinh: sinh({x!r}) overflows a float (|x| <= 710.47)") from None


def _sinh_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d(sinh x)/dx = cosh(x)
    return (g * cosh(x),)


def _cosh_forward(x: float) -> float:
    try:
        return math.cosh(x)
    except OverflowError:
        raise OverflowError(f"cosh: cosh({x!r}) overflows a float (|x| <= 710.47)") from None


def _cosh_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d(cosh x)/dx = sinh(x)
    return (g * sinh(x),)


def _log1p_forward(x: float) -> float:
    # log(1 + x), exact also for tiny x, where 1 + x would round to 1.
    if x <= -1:
        raise _outside_domain("log1p", x, "x > -1")
    return math.log1p(x)


def _log1p_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d log(1 + x)/dx = 1/(1 + x)
    return (g / (1 + x),)


def _expm1_forward(x: float) -> float:
    # e**x - 1, exact also for tiny x, where e**x - 1 would cancel to 0.
    if _EXP_LIMIT < x < _INF:
        raise OverflowError(f"expm1: expm1({x!r}) overflows a float (the limit is x <= 709.78)")
    return math.expm1(x)


def _expm1_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d(e**x - 1)/dx = e**x. Not ``out + 1``: for x < -37, out rounds to -1.0 and out + 1
    # would be 0 instead of the tiny e**x.
    return (g * exp(x),)


def _log2_forward(x: float) -> float:
    if x <= 0:
        raise _outside_domain("log2", x, "x > 0")
    return math.log2(x)


def _log2_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # log2(x) = log(x) / ln 2, so d/dx = 1/(x ln 2)
    return (g / (x * _LN2),)


def _log10_forward(x: float) -> float:
    if x <= 0:
        raise _outside_domain("log10", x, "x > 0")
    return math.log10(x)


def _log10_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # log10(x) = log(x) / ln 10, so d/dx = 1/(x ln 10)
    return (g / (x * _LN10),)


def _asin_forward(x: float) -> float:
    if x < -1 or x > 1:  # written so that a NaN passes through to math.asin(nan) = nan
        raise _outside_domain("asin", x, "-1 <= x <= 1")
    return math.asin(x)


def _asin_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d(asin x)/dx = 1/sqrt(1 - x²): infinite at x = ±1, where the curve stands vertical.
    if abs(_number(x)) == 1:
        raise _infinite_derivative("asin", "1/√(1 - x²)", x)
    return (g * (1 - x * x) ** -0.5,)


def _acos_forward(x: float) -> float:
    if x < -1 or x > 1:
        raise _outside_domain("acos", x, "-1 <= x <= 1")
    return math.acos(x)


def _acos_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # acos(x) = pi/2 - asin(x), so d/dx = -1/sqrt(1 - x²), infinite at x = ±1.
    if abs(_number(x)) == 1:
        raise _infinite_derivative("acos", "-1/√(1 - x²)", x)
    return (g * -((1 - x * x) ** -0.5),)


def _atan_forward(x: float) -> float:
    return math.atan(x)  # atan(±inf) = ±pi/2, as IEEE and PyTorch give it


def _atan_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # d(atan x)/dx = 1/(1 + x²). Past |x| = 1e150, x² would overflow (quietly to inf on
    # floats, loudly on Values under create_graph): there 1/hypot(1, x)² gives the same tiny
    # number in both.
    if abs(_number(x)) > 1e150:
        r = hypot(1.0, x)
        return (g / r / r,)
    return (g / (1 + x * x),)


def _asinh_forward(x: float) -> float:
    return math.asinh(x)


def _asinh_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # asinh(x) = log(x + sqrt(x² + 1)), so d/dx = 1/sqrt(x² + 1) = 1/hypot(x, 1): x² would
    # overflow for |x| > 1e154, where the derivative, about 1/|x|, is still a float.
    return (g / hypot(x, 1.0),)


def _acosh_forward(x: float) -> float:
    if x < 1:
        raise _outside_domain("acosh", x, "x >= 1")
    return math.acosh(x)


def _acosh_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # acosh(x) = log(x + sqrt(x² - 1)), so d/dx = 1/sqrt(x² - 1): infinite at x = 1.
    if _number(x) == 1:
        raise _infinite_derivative("acosh", "1/√(x² - 1)", x)
    # Written as 1/(sqrt(x - 1) sqrt(x + 1)): x² would overflow for x > 1e154, where the
    # derivative, about 1/x, is still a float (and x - 1 is exact near 1, where x² - 1 is not).
    return (g / ((x - 1) ** 0.5 * (x + 1) ** 0.5),)


def _atanh_forward(x: float) -> float:
    # atanh(±1) = ±inf is a pole, like log(0): a domain error, not an overflow.
    if x <= -1 or x >= 1:
        raise _outside_domain("atanh", x, "-1 < x < 1")
    return math.atanh(x)


def _atanh_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # atanh(x) = log((1 + x)/(1 - x)) / 2, so d/dx = 1/(1 - x²)
    return (g / (1 - x * x),)


def _sign_forward(x: float) -> float:
    # -1, 0 or 1, and NaN for NaN (as NumPy; PyTorch's sign(nan) is 0, which the numerical
    # policy forbids: nothing turns a NaN into a number).
    if x > 0:
        return 1.0
    if x < 0:
        return -1.0
    return 0.0 if x == 0 else x


def _sign_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    # A step function: flat everywhere, so 0 (at the jump x = 0 too, as in PyTorch).
    return (g * 0.0,)


def _atan2_forward(a: float, b: float) -> float:
    # The angle of the point (b, a): atan(a/b), placed in the right quadrant.
    return math.atan2(a, b)


def _atan2_backward(g: Any, y: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d atan2(a, b)/da = b/(a² + b²), d/db = -a/(a² + b²). Written with r = hypot(a, b) as
    # (b/r)/r: a² + b² would overflow for |a| > 1e154 and underflow to 0 for |a| < 1e-162.
    # At the origin, where the angle jumps, the gradient is 0, as in PyTorch.
    r = hypot(a, b)
    if _number(r) == 0:
        return g * 0.0, g * 0.0
    return g * (b / r) / r, g * (-a / r) / r


def _hypot_forward(a: float, b: float) -> float:
    return math.hypot(a, b)  # inf for a finite overflow: the policy check raises then


def _hypot_backward(g: Any, y: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # d sqrt(a² + b²)/da = a/out, d/db = b/out. At the origin hypot is a cone's tip, a kink
    # like abs at 0: the gradient is 0 there, as abs'(0) = 0 (PyTorch gives NaN, which the
    # numerical policy forbids; 0 is what torch.linalg.vector_norm gives at 0).
    if _number(y) == 0:
        return g * 0.0, g * 0.0
    return g * a / y, g * b / y


def _mod_forward(a: float, b: float) -> float:
    # Python's and PyTorch's remainder: a - floor(a/b) * b, with the sign of the divisor b
    # (-1 % 3 = 2, 1 % -3 = -2). C's fmod takes the sign of a instead.
    if b == 0:
        raise ZeroDivisionError(f"%: {a!r} % {b!r} (remainder of a division by zero)")
    return a % b


def _floor_quotient(a: float, b: float) -> float:
    """floor(a/b) exactly, as the forward's remainder uses it: Python's ``a // b``.

    Not ``math.floor(a / b)``: a / b is rounded first, and where the exact quotient lies just
    below an integer it rounds up to it (0.25 / 0.001 is 250.0, while 0.001 goes into 0.25
    only 249 times: ``0.25 % 0.001`` is 0.000999...). ``a // b`` is computed from the exact
    remainder, so ``a - (a // b) * b`` is the forward's ``a % b``, as in PyTorch.
    NaN and ±inf give what IEEE floor division gives (``nan``, or ``-1.0`` for ``-2 // inf``).
    """
    return a // b  # b != 0: the forward has refused a zero divisor


def _mod_backward(g: Any, y: Any, a: Any, b: Any) -> tuple[Any, Any]:
    # a % b = a - floor(a/b) * b, and floor is flat between its jumps: d/da = 1,
    # d/db = -floor(a/b). At a jump (a/b an integer k) the remainder drops from |b| to 0;
    # like PyTorch, the rule uses floor(a/b) = k there, the derivative on the side a/b >= k.
    # floor(a/b) is a constant of the rule, so second derivatives through it are 0.
    quotient = _floor_quotient(_number(a), _number(b))
    return g, g * -quotient


def _min_forward(*xs: float) -> float:
    # NaN in, NaN out (Python's min() would depend on where the NaN stands).
    for x in xs:
        if x != x:
            return x
    return min(xs)


TAN = Op("tan", _tan_forward, _tan_backward, derivative_text=("1 + out²",))
SINH = Op("sinh", _sinh_forward, _sinh_backward, derivative_text=("cosh(x)",))
COSH = Op("cosh", _cosh_forward, _cosh_backward, derivative_text=("sinh(x)",))
LOG1P = Op("log1p", _log1p_forward, _log1p_backward, derivative_text=("1/(1 + x)",))
EXPM1 = Op("expm1", _expm1_forward, _expm1_backward, derivative_text=("exp(x)",))
LOG2 = Op("log2", _log2_forward, _log2_backward, derivative_text=("1/(x·ln 2)",))
LOG10 = Op("log10", _log10_forward, _log10_backward, derivative_text=("1/(x·ln 10)",))
ASIN = Op("asin", _asin_forward, _asin_backward, derivative_text=("1/√(1 - x²)",))
ACOS = Op("acos", _acos_forward, _acos_backward, derivative_text=("-1/√(1 - x²)",))
ATAN = Op("atan", _atan_forward, _atan_backward, derivative_text=("1/(1 + x²)",))
ASINH = Op("asinh", _asinh_forward, _asinh_backward, derivative_text=("1/√(x² + 1)",))
ACOSH = Op("acosh", _acosh_forward, _acosh_backward, derivative_text=("1/√(x² - 1)",))
ATANH = Op("atanh", _atanh_forward, _atanh_backward, derivative_text=("1/(1 - x²)",))
SIGN = Op("sign", _sign_forward, _sign_backward, derivative_text=("0",))
ATAN2 = Op(
    "atan2", _atan2_forward, _atan2_backward, derivative_text=("b/(a² + b²)", "-a/(a² + b²)")
)
HYPOT = Op("hypot", _hypot_forward, _hypot_backward, derivative_text=("a/out", "b/out"))
MOD = Op(
    "%", _mod_forward, _mod_backward, derivative_text=("1", "-floor(a/b)"), notation="{0} % {1}"
)
MIN = Op(
    "min",
    _min_forward,
    _max_backward,  # the same rule as max: the gradient goes to the inputs equal to out
    derivative_text=("1 if x = out else 0 (k tied inputs get 1/k each)",),
)
OPS.update(
    (op.name, op)
    for op in (TAN, SINH, COSH, LOG1P, EXPM1, LOG2, LOG10, ASIN, ACOS, ATAN, ASINH, ACOSH)
)
OPS.update((op.name, op) for op in (ATANH, SIGN, ATAN2, HYPOT, MOD, MIN))


# ---------------------------------------------------------------------------------------
# clamp and where: op families, one Op per constant, like pow_op and leaky_relu_op.
# ---------------------------------------------------------------------------------------


def _bound_text(low: float, high: float) -> str:
    if low == -_INF:
        return f"x ≤ {high:g}"
    if high == _INF:
        return f"{low:g} ≤ x"
    return f"{low:g} ≤ x ≤ {high:g}"


@lru_cache(maxsize=256)
def clamp_op(low: float, high: float) -> Op:
    """The op ``clamp(x, low, high) = min(max(x, low), high)`` (one shared Op per pair).

    Its derivative is 1 inside ``[low, high]``, boundaries included, and 0 outside, as in
    PyTorch (also when ``low > high``, where every x gives ``high`` and the derivative is 0).
    A NaN stays NaN, with derivative 0 (PyTorch too). Use ``-inf``/``inf`` for no bound.
    """
    if low != low or high != high:
        raise ValueError(f"clamp: a bound is NaN (min={low!r}, max={high!r})")
    if low == _INF or high == -_INF:
        raise ValueError(f"clamp: min={low!r}, max={high!r} would make every output infinite")

    def forward(x: float) -> float:
        y = low if x < low else x  # a NaN fails both comparisons and comes out as itself
        return high if y > high else y

    def backward(g: Any, y: Any, x: Any) -> tuple[Any]:
        return (g * (1.0 if low <= _number(x) <= high else 0.0),)

    text = f"1 if {_bound_text(low, high)} else 0"
    return Op("clamp", forward, backward, derivative_text=(text,))


def _first(a: float, b: float) -> float:
    return a


def _second(a: float, b: float) -> float:
    return b


def _to_first(g: Any, y: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return g, g * 0.0


def _to_second(g: Any, y: Any, a: Any, b: Any) -> tuple[Any, Any]:
    return g * 0.0, g


#: ``where(cond, a, b)`` as two ops: one for a true condition (the output is a), one for a
#: false one (the output is b). The gradient goes to the chosen input only.
WHERE = {
    True: Op("where", _first, _to_first, arg=1.0, derivative_text=("1 (cond true)", "0")),
    False: Op("where", _second, _to_second, arg=0.0, derivative_text=("0", "1 (cond false)")),
}

__all__ += ["atan2", "clamp_op", "cosh", "hypot", "minimum", "sinh", "where"]


def minimum(*values: Any) -> Any:
    """The smallest of ``values`` (Values or numbers, at least one) as a node of the graph.

    The mirror of :func:`maximum`, like ``torch.minimum``: NaN if any input is NaN; the
    gradient goes to the smallest input, and inputs that tie share it evenly (1/k each
    for k of them, as ``torch.minimum`` gives 1/2 each for a tie of two). When the result
    is NaN the NaN inputs share the gradient (``torch.minimum(nan, 1.0)`` sends it whole
    to both inputs, a sum of 2).

    >>> from autograd_engine import Value
    >>> a, b = Value(1.0), Value(1.0)
    >>> m = minimum(a, b, 2.0)
    >>> m.backward()
    >>> m.data, a.grad, b.grad
    (1.0, 0.5, 0.5)
    """
    from .value import _as_value

    if not values:
        raise TypeError("minimum needs at least one input")
    first, *rest = (_as_value(x, "min") for x in values)
    return first.apply(MIN, *rest)


def atan2(a: Any, b: Any) -> Any:
    """The angle of the point ``(b, a)`` in radians, in ``[-pi, pi]``, as ``torch.atan2(a, b)``.

    ``atan2(a, b) = atan(a / b)`` for ``b > 0``, placed in the right quadrant otherwise. The
    gradient is ``(b, -a) / (a² + b²)``, and 0 at the origin (as in PyTorch).
    """
    from .value import _as_value

    return _as_value(a, "atan2").apply(ATAN2, b)


def where(cond: Any, a: Any, b: Any) -> Any:
    """``a`` if ``cond`` else ``b``, as a node: the gradient flows to the chosen one only.

    As ``torch.where``: ``cond`` is a bool (``x > 0``, say; a comparison of Values gives
    one). The choice is made when the graph is built, from that bool; a compiled replay
    re-checks it only as a guard of the comparison (see :mod:`autograd_engine.guards`).
    For a choice an op re-makes on every replay, use ``relu``, ``clamp``, ``maximum``.

    >>> from autograd_engine import Value
    >>> x = Value(-2.0)
    >>> y = where(x > 0, x * 3, x * x)
    >>> y.backward()
    >>> y.data, x.grad
    (4.0, -4.0)
    """
    from .value import _as_value

    if not _is_bool(cond):
        raise TypeError(
            f"where: cond must be a bool, such as x > 0, not {type(cond).__name__} {cond!r}"
        )
    return _as_value(a, "where").apply(WHERE[bool(cond)], b)


def _is_bool(cond: object) -> bool:
    """True for Python's bool and NumPy's (without importing NumPy)."""
    kind = type(cond)
    return kind is bool or (kind.__module__ == "numpy" and kind.__name__ in ("bool", "bool_"))
