"""Turning a Python function into an expression tree, by calling it on symbols.

``compare(lambda x, y: (x * y).tanh() + x, MyValue)`` needs the *expression*, so that it can
build the same graph in both engines and match their nodes one to one. :func:`trace` calls
the function with :class:`Symbol` arguments whose operators record :class:`~.expressions.Apply`
nodes instead of computing.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from .expressions import Apply, Expr, Leaf, Num

__all__ = ["Symbol", "trace"]


def _expr(x: Any) -> Expr:
    if isinstance(x, Symbol):
        return x.expr
    if isinstance(x, int | float) and not isinstance(x, bool):
        return Num(float(x))
    raise TypeError(f"compare: {x!r} in the expression is neither a leaf nor a plain number")


class Symbol:
    """A stand-in for a Value while the expression function runs: it records, not computes."""

    def __init__(self, expr: Expr) -> None:
        self.expr = expr

    def _op(self, op: str, *args: Any) -> Symbol:
        return Symbol(Apply(op, tuple(_expr(a) for a in args)))

    def __add__(self, other: Any) -> Symbol:
        return self._op("add", self, other)

    def __radd__(self, other: Any) -> Symbol:
        return self._op("add", other, self)

    def __mul__(self, other: Any) -> Symbol:
        return self._op("mul", self, other)

    def __rmul__(self, other: Any) -> Symbol:
        return self._op("mul", other, self)

    def __sub__(self, other: Any) -> Symbol:
        return self._op("sub", self, other)

    def __rsub__(self, other: Any) -> Symbol:
        return self._op("sub", other, self)

    def __truediv__(self, other: Any) -> Symbol:
        return self._op("div", self, other)

    def __rtruediv__(self, other: Any) -> Symbol:
        return self._op("div", other, self)

    def __neg__(self) -> Symbol:
        return self._op("neg", self)

    def __pow__(self, n: Any) -> Symbol:
        return self._op("pow", self, n)

    def exp(self) -> Symbol:
        return self._op("exp", self)

    def log(self) -> Symbol:
        return self._op("log", self)

    def tanh(self) -> Symbol:
        return self._op("tanh", self)

    def sigmoid(self) -> Symbol:
        return self._op("sigmoid", self)

    def relu(self) -> Symbol:
        return self._op("relu", self)


def trace(function: Callable[..., Any], values: dict[str, float]) -> Expr:
    """The expression ``function`` computes, its parameters becoming leaves.

    A leaf's number comes from ``values`` or else from the parameter's default
    (``lambda x=2.0, y=-3.0: x * y``); a parameter with neither raises ``TypeError``.
    """
    leaves = {}
    for name, parameter in inspect.signature(function).parameters.items():
        if name in values:
            number = values[name]
        elif parameter.default is not inspect.Parameter.empty:
            number = parameter.default
        else:
            raise TypeError(
                f"compare: give the leaf {name!r} a number, as a keyword (compare(f, MyValue, "
                f"{name}=2.0)) or as the parameter's default (lambda {name}=2.0: ...)"
            )
        leaves[name] = Symbol(Leaf(name, float(number)))
    unknown = set(values) - set(leaves)
    if unknown:
        raise TypeError(f"compare: {sorted(unknown)} are not parameters of the expression function")
    return _expr(function(**leaves))
