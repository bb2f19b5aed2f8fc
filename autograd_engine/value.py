"""``Value``: one node of a computation graph, holding a number and its gradient.

Every arithmetic operation on Values creates a new Value that remembers

* ``data``: the number it computed (a float),
* ``parents``: the Values it was computed from, in argument order, and
* ``op``: which entry of the op table (:mod:`autograd_engine.ops`) computed it.

That is the whole graph. ``backward()`` walks it from the output back to the leaves and
fills each ``grad`` with d(output)/d(node) (see :mod:`autograd_engine.graph`).

Each operator is one primitive of the op table with its own derivative rule, so ``a - b``,
``a / b`` and ``-a`` are one node each, as written on the board (and as PyTorch records
SubBackward, DivBackward, NegBackward). A number on either side becomes a
:class:`Constant` leaf: ``0.99 - out`` is one ``-`` node. ``sqrt(x)`` is ``x ** 0.5``.
"""

from __future__ import annotations

import math
import numbers
import weakref
from typing import TYPE_CHECKING, Any

from . import graph as _graph
from . import guards, ops
from .grad_mode import grad_enabled, no_grad_anywhere

__all__ = ["Constant", "Value"]

_INF, _NEG_INF = math.inf, -math.inf
# The results ``+`` and ``*`` make on their fast path: those with ``x - x == _FINITE``.
# x - x is exactly 0.0 for every finite x and NaN for ±inf and NaN, so with _FINITE = 0.0
# that one subtraction and comparison passes the finite numbers; anything else goes
# through _node, where the policy decides. detect_anomaly() sets _FINITE to NaN, which no
# number equals, and so sends every + and * through _node too, which it has replaced by its
# checking version: the mode costs these two methods nothing while it is off (see
# autograd_engine.anomaly).
_FINITE = 0.0
# The ops of the hottest methods, bound once: a module global is one lookup, ``ops.ADD`` two.
_ADD, _MUL, _SUB, _NEG, _RELU = ops.ADD, ops.MUL, ops.SUB, ops.NEG, ops.RELU


def _to_float(data: object) -> float:
    """``data`` as a float, or a TypeError that names what it was given instead."""
    if type(data) is int or isinstance(data, numbers.Real):  # int first: the ABC check is slow
        return float(data)
    raise TypeError(
        "Value data must be a real number (int, float or NumPy scalar), "
        f"not {type(data).__name__}: {data!r}"
    )


def _node(data: float, op: ops.Op, left: Value, right: Value | tuple[Value, ...] | None) -> Value:
    """A new Value computed by ``op`` from its inputs: the one place graph edges are made.

    ``left`` is the first input; ``right`` the second, ``None`` for a one-input op, or a
    tuple of the rest for an op of three or more inputs: exactly what the node keeps in its
    slots (see :class:`Value`), so nothing is packed or unpacked on the way.

    Inside ``no_grad()`` the result is a leaf: it records neither op nor parents.

    It is also the one place every result meets the numerical policy: a result that is not
    finite goes to :func:`ops.check_nonfinite <autograd_engine.ops.check_nonfinite>`, which
    lets NaN/inf from NaN/inf inputs through and raises for a NaN or an overflow made from
    ordinary numbers. While :func:`~autograd_engine.detect_anomaly` is on, this function is
    replaced by a stricter one (see :mod:`autograd_engine.anomaly`).
    """
    # One chained comparison is the whole cost for finite data; NaN and ±inf both fail it.
    if not _NEG_INF < data < _INF:
        data = _nonfinite(data, op, _parents(left, right))
    out: Value = _new_value()
    out._data = data
    out.grad = 0.0
    # Recording is on unless a no_grad is in force here; while none is anywhere, the empty
    # set says so without reading the context variable (see grad_mode.no_grad_anywhere).
    if not no_grad_anywhere or grad_enabled():
        out._op = op
        out._left = left
        out._right = right
    else:
        out._op = out._left = out._right = None
    return out


def _parents(left: Value, right: Value | tuple[Value, ...] | None) -> tuple[Value, ...]:
    """The inputs of an op as one tuple, from the two slots' form (see :func:`_node`)."""
    if right is None:
        return (left,)
    if type(right) is tuple:
        return (left, *right)
    return (left, right)  # type: ignore[return-value]  # a Value: not a tuple


def _nonfinite(data: float, op: ops.Op, parents: tuple[Value, ...]) -> float:
    """The slow path of :func:`_node`: the policy decides on a NaN or ±inf result."""
    inputs = tuple(p._data for p in parents)
    if op.arg is not None:  # the op's own constant (a pow exponent, a slope) is an input too
        inputs = (*inputs, op.arg)
    return ops.check_nonfinite(op.name, data, inputs)


class _ValueType(type):
    """Value's metaclass, there for one reason: making a node should cost one class call.

    An operation makes its result with ``_new_value()``, a plain call of the class with no
    arguments, which Python runs in C (allocate, then the default ``object.__init__``): about
    20 ns less per node than ``object.__new__(Value)``, and far less than calling a Python
    ``__init__``. For that the class may not define ``__init__``, so the public constructor
    ``Value(data, label="")`` lives here, in the metaclass's ``__call__``.
    """

    def __call__(cls, data: Any, label: str = "") -> Any:
        value = _construct(cls)
        value._data = data if type(data) is float else _to_float(data)
        value.grad = 0.0
        value._op = value._left = value._right = None
        if label:
            value.label = label
        return value


# ``type.__call__`` is the class call itself, in C, without the metaclass's Python above.
_construct = type.__call__
# Labels are few (inputs and parameters a user names), so they live here, not in a slot of
# every node: a slot would cost each of a graph's tens of thousands of nodes 8 bytes and a
# store. A weak dictionary: a label is dropped with its node.
_labels: weakref.WeakKeyDictionary[Value, str] = weakref.WeakKeyDictionary()


class Value(metaclass=_ValueType):
    """A scalar in a computation graph.

    Args:
        data: a real number (int, float, NumPy scalar); stored as a float.
        label: a name shown in ``repr`` and in graph drawings.

    Attributes:
        data: the value (float).
        grad: d(output)/d(this node) after ``output.backward()``; 0.0 at creation.
            ``None`` counts as zero (as in PyTorch): ``backward()`` then stores its
            gradient there, and optimizers skip the parameter.
        label: the name given at creation ("" by default); assignable.
        parents: the Values this one was computed from, in argument order (``()`` for a leaf).
        op: the name of the operation that made it (``""`` for a leaf).

    Values hash and compare (``==``) by identity, so they can be dict keys and set members
    (``v == 2.0`` raises TypeError: it would be False whatever v holds; write ``v.data == 2.0``);
    ``< <= > >=`` compare the numbers and return a plain bool (so ``max`` and ``sorted``
    work), and ``bool(v)`` is ``v.data != 0``. While a graph is being recorded, each such
    look at the number is logged as a guard (see :mod:`autograd_engine.guards`).

    How a node is stored: the parents live in the node's own slots, ``_left`` (the first
    input) and ``_right`` (the second; for an op of three or more inputs, a tuple of the
    rest), not in a tuple of their own. So a node is *one* object that Python's cycle
    collector tracks, not two; that collector rescans every tracked object now and then,
    and a training step makes tens of thousands of nodes. The number itself is the slot
    ``_data``: :attr:`data` reads it, and refuses at once to store anything but a number.
    That is all: the walk of ``backward()`` marks nodes in ``grad``, which the pass
    overwrites anyway (see ``graph._walk``), and a label is not a slot either, since the few
    nodes that have one keep it in a weak dictionary. Every slot costs each of a graph's
    tens of thousands of nodes 8 bytes, a store, and a visit each time the cycle collector
    traverses it.
    """

    __slots__ = ("__weakref__", "_data", "_left", "_op", "_right", "grad")

    # Let Python numbers and NumPy scalars on the left defer to our reflected operators.
    __array_ufunc__ = None

    _data: float
    grad: float  # None is also accepted and means zero (see Attributes)
    _op: ops.Op | None
    _left: Value | None
    _right: Value | tuple[Value, ...] | None

    if TYPE_CHECKING:  # the constructor's signature, for type checkers: see _ValueType

        def __init__(self, data: Any, label: str = "") -> None: ...

    @property
    def label(self) -> str:
        """The node's name in ``repr`` and drawings ("" when it has none)."""
        return _labels.get(self, "")

    @label.setter
    def label(self, name: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"a Value's label must be a str, not {type(name).__name__}: {name!r}")
        if name:
            _labels[self] = name
        else:
            _labels.pop(self, None)

    def __getstate__(self) -> dict[str, Any]:
        """What copy and pickle keep: the slots that are set, and the label."""
        state = {name: getattr(self, name) for name in Value.__slots__[1:] if hasattr(self, name)}
        label = self.label
        if label:
            state["label"] = label
        return state

    def __setstate__(self, state: dict[str, Any] | tuple[None, dict[str, Any]]) -> None:
        if isinstance(state, tuple):  # pickled by a version whose label was a slot
            state = state[1]
        for name, item in state.items():
            if name != "_mark":  # a slot of that version's walk, gone since
                setattr(self, name, item)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """A subclass may add methods, not an ``__init__``: nodes are made by a bare class
        call (see ``_ValueType``), which would call it with no arguments."""
        super().__init_subclass__(**kwargs)
        if "__init__" in vars(cls):
            raise TypeError(
                f"{cls.__name__} defines __init__, which a subclass of Value cannot: every "
                "operation makes its result by calling the class with no arguments. Give it "
                "a classmethod constructor instead (def make(cls, data, ...): "
                "value = cls(data); ...; return value)."
            )

    @property
    def data(self) -> float:
        """The number this node holds (a float).

        Assigning converts a real number to a float (``v.data = 3`` stores 3.0) and raises
        TypeError at once for anything else (``v.data = "x"``), before a wrong value can
        reach an operation.

        While a graph is being recorded, a read is logged as a guard, as ``item()`` is:
        the code may branch on the number or copy it (see :mod:`autograd_engine.guards`).
        When nothing is recorded, that costs one check of a module global.
        """
        if guards.log is not None:
            guards.log.append(guards.Guard(self, "data", None, self._data, self._data))
        return self._data

    @data.setter
    def data(self, number: Any) -> None:
        self._data = number if type(number) is float else _to_float(number)

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this one was computed from, in argument order (``()`` for a leaf)."""
        left, right = self._left, self._right
        if right is None:
            return () if left is None else (left,)
        if type(right) is tuple:
            return (left, *right)  # type: ignore[arg-type]  # left is set when right is
        return (left, right)  # type: ignore[return-value]

    @property
    def op(self) -> str:
        """The name of the operation that produced this Value ("" for a leaf)."""
        return "" if self._op is None else self._op.name

    @property
    def is_constant(self) -> bool:
        """True for a number mixed into an expression (the ``0.01`` of ``x * 0.01``).

        Such a number becomes a :class:`Constant` leaf: it is drawn inside its op and needs
        no gradient, since nothing can change it.
        """
        return type(self) is Constant

    @property
    def is_leaf(self) -> bool:
        """True for a Value that no operation produced: an input, a parameter, a constant."""
        return self._op is None

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # --- reading the number: each look is a guard while a graph is recorded -------------
    # Python code that looks at a Value's number decides something a recorded graph cannot
    # re-decide; autograd_engine.guards logs each look (and its answer) while recording.

    def __float__(self) -> float:
        """``float(v)`` raises TypeError: a plain float would cut the graph silently.

        ``math.exp(v)``, ``math.floor(v)``, ``np.float64(v)`` all go through ``float(v)``;
        whatever they computed would have no gradient, so ``x.grad`` would stay 0 with no
        sign of why. Use the Value's methods for a differentiable result, and
        :meth:`item` (or ``.data``) for the plain number.
        """
        raise TypeError(
            f"float() of {self!r}: a plain float would cut the graph, so anything computed "
            "from it (math.exp(v), math.floor(v), np.float64(v), ...) would silently get "
            "gradient 0. For a differentiable result use the Value's methods (v.exp(), "
            "v.log(), v.sin(), v.tanh(), ...); for the plain number use v.item() or v.data."
        )

    def item(self) -> float:
        """The number inside, as a plain float (``v.data``), as ``torch.Tensor.item()``.

        Not differentiable: the float has no graph. While a graph is being recorded, the
        look is logged as a guard, as ``round(v)`` and ``int(v)`` are.
        """
        if guards.log is not None:
            guards.log.append(guards.Guard(self, "item", None, self._data, self._data))
        return self._data

    def __format__(self, spec: str) -> str:
        """``f"{v:.3f}"`` formats the number (``format(v.data, spec)``); ``f"{v}"`` is
        ``str(v)``. Not differentiable (a string). While a graph is being recorded the text
        is logged as a guard, since code may decide with it (``if f"{v:.0f}" == "5"``)."""
        if not spec:
            return str(self)  # its read of .data is the guard
        text = format(self._data, spec)
        if guards.log is not None:
            guards.log.append(guards.Guard(self, "format", spec, text, self._data))
        return text

    def __int__(self) -> int:
        """``int(v)``: the number truncated toward zero, as ``int(v.data)``."""
        outcome = int(self._data)
        if guards.log is not None:
            guards.log.append(guards.Guard(self, "int", None, outcome, self._data))
        return outcome

    def __round__(self, ndigits: int | None = None) -> float | int:
        """``round(v)`` or ``round(v, ndigits)``: ``round(v.data, ...)``, a plain number."""
        outcome: float | int = round(self._data) if ndigits is None else round(self._data, ndigits)
        if guards.log is not None:
            guards.log.append(guards.Guard(self, "round", ndigits, outcome, self._data))
        return outcome

    def __bool__(self) -> bool:
        """``bool(v)`` (and ``if v:``) is ``v.data != 0``, as for a float (NaN is true)."""
        outcome = self._data != 0
        if guards.log is not None:
            guards.log.append(guards.Guard(self, "bool", None, outcome, self._data))
        return outcome

    # Ordering compares the numbers and returns a plain bool, so max(), min() and sorted()
    # work on Values. == and != stay identity: Values are dict keys and set members.

    __hash__ = object.__hash__  # by identity (defining __eq__ would otherwise remove it)

    def __eq__(self, other: object) -> bool:
        """``a == b`` for two Values is identity (``a is b``), so Values can be dict keys
        and set members; ``v == 2.0`` raises TypeError, since it would be False whatever v
        holds (write ``v.data == 2.0``). Anything else is not equal."""
        if isinstance(other, Value):
            return self is other
        if _is_number(other):
            raise _equality_error(self, "==", other)
        return NotImplemented  # Python then says False

    def __ne__(self, other: object) -> bool:
        """``a != b`` for two Values is ``a is not b``; ``v != 2.0`` raises TypeError."""
        if isinstance(other, Value):
            return self is not other
        if _is_number(other):
            raise _equality_error(self, "!=", other)
        return NotImplemented

    def __lt__(self, other: Value | float) -> bool:
        return _compare(self, "<", other)

    def __le__(self, other: Value | float) -> bool:
        return _compare(self, "<=", other)

    def __gt__(self, other: Value | float) -> bool:
        return _compare(self, ">", other)

    def __ge__(self, other: Value | float) -> bool:
        return _compare(self, ">=", other)

    # --- applying ops -------------------------------------------------------------------

    def apply(self, op: ops.Op, *others: Value | float) -> Value:
        """Apply ``op`` with this Value as its first input and ``others`` as the rest.

        This is how every built-in method below works, and how a user's own op is used
        (see the "Adding an op of your own" section of :mod:`autograd_engine.ops`).
        """
        inputs = (self, *(_as_value(x, op.name) for x in others))
        data = op.forward(*(x._data for x in inputs))
        if len(inputs) == 1:
            return _node(data, op, self, None)
        return _node(data, op, self, inputs[1] if len(inputs) == 2 else inputs[1:])

    # --- arithmetic: + - * / and negation, each one node of its own op -----------------

    def __add__(self, other: Value | float) -> Value:
        # A Value, the common case, goes straight to the node: one type check.
        right: Any = other
        if type(right) is not Value:
            right = _coerce(other)
            if right is None:
                return NotImplemented
        data = self._data + right._data
        if data - data != _FINITE:
            return _node(data, _ADD, self, right)  # NaN, ±inf or anomaly mode: the policy
        # What _node does, written out here and in __mul__: + and * make most nodes of a
        # network, and a Python call per node is a quarter of the cost of making one.
        out: Value = _new_value()
        out._data = data
        out.grad = 0.0
        if not no_grad_anywhere or grad_enabled():
            out._op = _ADD
            out._left = self
            out._right = right
        else:
            out._op = out._left = out._right = None
        return out

    def __radd__(self, other: float) -> Value:
        return self + other

    def __mul__(self, other: Value | float) -> Value:
        right: Any = other
        if type(right) is not Value:
            right = _coerce(other)
            if right is None:
                return NotImplemented
        data = self._data * right._data
        if data - data != _FINITE:
            return _node(data, _MUL, self, right)  # NaN, ±inf or anomaly mode: the policy
        out: Value = _new_value()  # _node written out (see __add__)
        out._data = data
        out.grad = 0.0
        if not no_grad_anywhere or grad_enabled():
            out._op = _MUL
            out._left = self
            out._right = right
        else:
            out._op = out._left = out._right = None
        return out

    def __rmul__(self, other: float) -> Value:
        return self * other

    def __neg__(self) -> Value:
        return _node(-self._data, _NEG, self, None)

    def __pos__(self) -> Value:
        return self

    def __sub__(self, other: Value | float) -> Value:
        right: Any = other
        if type(right) is not Value:
            right = _coerce(other)
            if right is None:
                return NotImplemented
        return _node(self._data - right._data, _SUB, self, right)

    def __rsub__(self, other: float) -> Value:
        left = _coerce(other)
        if left is None:
            return NotImplemented
        return _node(left._data - self._data, _SUB, left, self)

    def __truediv__(self, other: Value | float) -> Value:
        """``a / b``: one node, d/da = 1/b, d/db = -a/b². Raises ZeroDivisionError for b = 0."""
        right: Any = other
        if type(right) is not Value:
            right = _coerce(other)
            if right is None:
                return NotImplemented
        return _node(ops.DIV.forward(self._data, right._data), ops.DIV, self, right)

    def __rtruediv__(self, other: float) -> Value:
        left = _coerce(other)
        if left is None:
            return NotImplemented
        return _node(ops.DIV.forward(left._data, self._data), ops.DIV, left, self)

    def __floordiv__(self, other: object) -> Value:
        """``a // b`` raises TypeError: floor division has no useful gradient."""
        raise _floor_division_error("a // b", self, other)

    def __rfloordiv__(self, other: object) -> Value:
        raise _floor_division_error("a // b", other, self)

    def __divmod__(self, other: object) -> Value:
        raise _floor_division_error("divmod(a, b)", self, other)

    def __rdivmod__(self, other: object) -> Value:
        raise _floor_division_error("divmod(a, b)", other, self)

    def __pow__(self, exponent: Value | float) -> Value:
        """``x ** n`` for a constant n (one input), or ``a ** b`` for a Value b (two inputs)."""
        if type(exponent) is Value:
            return self.apply(ops.POW, exponent)
        if not isinstance(exponent, numbers.Real):
            return NotImplemented
        return self.apply(ops.pow_op(float(exponent)))

    def __rpow__(self, base: float) -> Value:
        value = _coerce(base)
        return NotImplemented if value is None else value**self

    def __abs__(self) -> Value:
        return self.apply(ops.ABS)

    def __mod__(self, other: Value | float) -> Value:
        """``a % b``: the remainder with the sign of b, as Python's and ``torch.remainder``.

        d/da = 1, d/db = -floor(a/b). At the jumps (a/b an integer) the rule uses
        floor(a/b) as it is, as PyTorch does. Raises ZeroDivisionError for b = 0.
        """
        right = _coerce(other)
        return NotImplemented if right is None else self.apply(ops.MOD, right)

    def __rmod__(self, other: float) -> Value:
        value = _coerce(other)
        return NotImplemented if value is None else value.apply(ops.MOD, self)

    # --- functions ----------------------------------------------------------------------

    def exp(self) -> Value:
        """e**x. Raises OverflowError for x > 709.78, where the result exceeds a float."""
        return _node(ops.EXP.forward(self._data), ops.EXP, self, None)

    def log(self) -> Value:
        """The natural logarithm. Raises ValueError for x <= 0."""
        return _node(ops.LOG.forward(self._data), ops.LOG, self, None)

    def sqrt(self) -> Value:
        """The square root, as ``x ** 0.5``. Raises ValueError for x < 0."""
        if self._data < 0:
            raise ValueError(f"sqrt: square root of {self._data!r} is undefined (needs x >= 0)")
        return self**0.5

    def tanh(self) -> Value:
        """The hyperbolic tangent."""
        return _node(ops.TANH.forward(self._data), ops.TANH, self, None)

    def sigmoid(self) -> Value:
        """The logistic function 1 / (1 + e**-x), computed without overflow for any x."""
        return _node(ops.SIGMOID.forward(self._data), ops.SIGMOID, self, None)

    def relu(self) -> Value:
        """max(x, 0). Its derivative at 0 is taken as 0, like PyTorch."""
        x = self._data
        # ops.RELU.forward written out (a call less on a hot path): NaN comes out as itself.
        return _node(0.0 if x <= 0 else x, _RELU, self, None)

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """x for x > 0, else negative_slope * x."""
        return self.apply(ops.leaky_relu_op(float(negative_slope)))

    def softplus(self) -> Value:
        """log(1 + e**x), a smooth relu, computed without overflow for any x."""
        return _node(ops.SOFTPLUS.forward(self._data), ops.SOFTPLUS, self, None)

    def sin(self) -> Value:
        """The sine (radians)."""
        return _node(ops.SIN.forward(self._data), ops.SIN, self, None)

    def cos(self) -> Value:
        """The cosine (radians)."""
        return _node(ops.COS.forward(self._data), ops.COS, self, None)

    def tan(self) -> Value:
        """The tangent (radians). Raises ValueError for ±inf, as sin and cos do."""
        return self.apply(ops.TAN)

    def sinh(self) -> Value:
        """The hyperbolic sine. Raises OverflowError for |x| > 710.47."""
        return self.apply(ops.SINH)

    def cosh(self) -> Value:
        """The hyperbolic cosine. Raises OverflowError for |x| > 710.47."""
        return self.apply(ops.COSH)

    def log1p(self) -> Value:
        """log(1 + x), accurate for tiny x. Raises ValueError for x <= -1."""
        return self.apply(ops.LOG1P)

    def expm1(self) -> Value:
        """e**x - 1, accurate for tiny x. Raises OverflowError for x > 709.78."""
        return self.apply(ops.EXPM1)

    def log2(self) -> Value:
        """The base-2 logarithm. Raises ValueError for x <= 0."""
        return self.apply(ops.LOG2)

    def log10(self) -> Value:
        """The base-10 logarithm. Raises ValueError for x <= 0."""
        return self.apply(ops.LOG10)

    def asin(self) -> Value:
        """The inverse sine, in [-pi/2, pi/2]. Raises ValueError outside [-1, 1]; its
        derivative is infinite at ±1, so backward() raises ZeroDivisionError there."""
        return self.apply(ops.ASIN)

    def acos(self) -> Value:
        """The inverse cosine, in [0, pi]. Raises ValueError outside [-1, 1]; its
        derivative is infinite at ±1, so backward() raises ZeroDivisionError there."""
        return self.apply(ops.ACOS)

    def atan(self) -> Value:
        """The inverse tangent, in (-pi/2, pi/2)."""
        return self.apply(ops.ATAN)

    def asinh(self) -> Value:
        """The inverse hyperbolic sine."""
        return self.apply(ops.ASINH)

    def acosh(self) -> Value:
        """The inverse hyperbolic cosine. Raises ValueError for x < 1; its derivative is
        infinite at 1, so backward() raises ZeroDivisionError there."""
        return self.apply(ops.ACOSH)

    def atanh(self) -> Value:
        """The inverse hyperbolic tangent. Raises ValueError unless -1 < x < 1 (at ±1 it is
        a pole, like log at 0)."""
        return self.apply(ops.ATANH)

    def atan2(self, other: Value | float) -> Value:
        """``atan2(self, other)``: the angle of the point (other, self), as ``torch.atan2``."""
        return self.apply(ops.ATAN2, other)

    def hypot(self, other: Value | float) -> Value:
        """sqrt(self² + other²), without overflow in the squares. Its gradient at the
        origin is 0 (as abs'(0) = 0)."""
        return self.apply(ops.HYPOT, other)

    def sign(self) -> Value:
        """-1, 0 or 1 by the sign of x (NaN for NaN); its derivative is 0 everywhere."""
        return self.apply(ops.SIGN)

    def clamp(self, min: float | None = None, max: float | None = None) -> Value:
        """x limited to [min, max] (either bound may be None), as ``torch.clamp``.

        The derivative is 1 inside [min, max], boundaries included, 0 outside.
        """
        if min is None and max is None:
            raise ValueError("clamp: give min, max or both")
        if isinstance(min, Value) or isinstance(max, Value):
            raise TypeError(
                "clamp: min and max are numbers (constants of the op); for a bound that is "
                "a Value, and gets a gradient, use x.maximum(low).minimum(high)"
            )
        low = -math.inf if min is None else _to_float(min)
        high = math.inf if max is None else _to_float(max)
        return self.apply(ops.clamp_op(low, high))

    def maximum(self, other: Value | float) -> Value:
        """The larger of self and other, as ``torch.maximum``: a tie splits the gradient
        evenly (1/2 each); NaN if either is NaN. See :func:`autograd_engine.maximum`."""
        return self.apply(ops.MAX, other)

    def minimum(self, other: Value | float) -> Value:
        """The smaller of self and other, as ``torch.minimum``: a tie splits the gradient
        evenly (1/2 each); NaN if either is NaN. See :func:`autograd_engine.minimum`."""
        return self.apply(ops.MIN, other)

    # NumPy's names for the same functions: plain aliases.
    arcsin = asin
    arccos = acos
    arctan = atan
    arcsinh = asinh
    arccosh = acosh
    arctanh = atanh
    arctan2 = atan2

    # --- gradients ----------------------------------------------------------------------

    def backward(self, gradient: float = 1.0) -> None:
        """Backpropagate from this Value: fill every ``.grad`` in its graph.

        See :func:`autograd_engine.graph.backward` for the exact semantics: non-leaf grads
        hold d(self)/d(node) for this call; leaf grads accumulate across calls; constants get
        none; if anything raises, no leaf grad has changed.
        """
        _graph.backward(self, gradient)

    def detach(self) -> Value:
        """A new leaf with the same data (and label), cut off from this graph."""
        return Value(self.data, self.label)


class Constant(Value):
    """A plain number that met a Value in an expression: a leaf that needs no gradient.

    ``x * 0.01`` records ``0.01`` as a Constant parent of the product. It behaves as any
    leaf Value; tools use :attr:`Value.is_constant` to draw it inside its op and to skip it.
    """

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Constant({self.data!r})"


# A node, and a constant, made by a bare class call (see _ValueType): the slots are set by
# whoever makes it.
_new_value = _construct.__get__(Value)
_new_constant = _construct.__get__(Constant)


def _compare(left: Value, test: str, other: object) -> bool:
    """``left.data test other`` as a plain bool (NotImplemented for a non-number)."""
    right: Any
    if isinstance(other, Value):
        right = other._data
    elif type(other) is float or type(other) is int or isinstance(other, numbers.Real):
        right = other
    else:
        return NotImplemented  # type: ignore[no-any-return]  # Python then tries the reflection
    outcome = guards.COMPARISONS[test](left._data, right)
    if guards.log is not None:
        guards.log.append(guards.Guard(left, test, other, outcome, left._data))
    return outcome


def _is_number(x: object) -> bool:
    return type(x) is float or type(x) is int or isinstance(x, numbers.Number)


def _equality_error(value: Value, test: str, number: object) -> TypeError:
    """The error for ``v == 2.0``: why it cannot be a plain answer, and what to write."""
    return TypeError(
        f"{value!r} {test} {number!r}: a Value compares equal only to itself (== is "
        "identity, so Values can be dict keys), never to a number, so this would be "
        f"{test == '!='} whatever the Value holds. Compare its number: "
        f"v.data {test} {number!r} (or v.item() {test} {number!r}, which a compiled replay "
        "re-checks)."
    )


def _floor_division_error(call: str, a: object, b: object) -> TypeError:
    """The error for ``//`` and ``divmod``: what they would mean, and what to use instead."""
    a_text = f"{a.data!r}" if isinstance(a, Value) else repr(a)
    b_text = f"{b.data!r}" if isinstance(b, Value) else repr(b)
    return TypeError(
        f"{call} with a Value ({a_text} // {b_text}): floor division has no useful gradient "
        "(floor(a/b) is flat between its jumps, so d/da = d/db = 0 almost everywhere, as for "
        "torch.floor_divide), so it is not an op of the graph. For the plain number use "
        "a.data // b.data; for a differentiable quotient use a / b, and a % b for the "
        "remainder."
    )


def _coerce(x: object) -> Value | None:
    """``x`` as a Value (a real number becomes a :class:`Constant` leaf), or None if neither."""
    if isinstance(x, Value):
        return x
    # float and int first: the general numbers.Real check is an ABC lookup, several times
    # slower than the whole rest of an operation.
    if type(x) is float:  # the common case, made without a call to __init__
        constant: Constant = _new_constant()
        constant._data = x
        constant.grad = 0.0
        constant._op = constant._left = constant._right = None
        return constant
    if type(x) is int or isinstance(x, numbers.Real):
        return Constant(x)
    return None


def _as_value(x: object, op_name: str) -> Value:
    value = _coerce(x)
    if value is None:
        raise TypeError(f"{op_name}: inputs must be Values or real numbers, not {type(x).__name__}")
    return value
