"""The operations the grader knows, each written once with ordinary Python operators.

The same ``apply`` builds a node in *any* engine: this project's ``Value``, micrograd's, a
learner's. That is what lets the grader build one expression in two engines and compare them
node by node. A plain number as an argument (``x + 2``, ``2 * x``) is passed as it is, so
that numbers mixed in and reflected operators (``__radd__``, ``__rmul__``, ...) are graded by
the same entries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["OPS", "OpSpec"]


@dataclass(frozen=True)
class OpSpec:
    """One operation a learner's engine may have.

    Attributes:
        name: the name used in reports and in ``check_engine(..., only=[...])``.
        arity: 1 or 2.
        apply: builds the node from its arguments (engine objects or numbers).
        symbol: how the node reads in an expression: ``"{0} + {1}"``, ``"tanh({0})"``.
        method: what the learner writes to have it (``__add__``, ``tanh``).
        needs_positive: the inputs that must be > 0 (log's argument, a fractional power's base).
        exponent_is_number: ``**``: the second argument is a plain number (micrograd's rule).
    """

    name: str
    arity: int
    apply: Callable[..., Any]
    symbol: str
    method: str
    needs_positive: tuple[int, ...] = ()
    exponent_is_number: bool = False

    def text(self, *args: str) -> str:
        return self.symbol.format(*args)


OPS: dict[str, OpSpec] = {
    spec.name: spec
    for spec in [
        OpSpec("add", 2, lambda a, b: a + b, "{0} + {1}", "__add__"),
        OpSpec("mul", 2, lambda a, b: a * b, "{0} * {1}", "__mul__"),
        OpSpec("sub", 2, lambda a, b: a - b, "{0} - {1}", "__sub__"),
        OpSpec("div", 2, lambda a, b: a / b, "{0} / {1}", "__truediv__"),
        OpSpec("neg", 1, lambda a: -a, "-{0}", "__neg__"),
        OpSpec("pow", 2, lambda a, n: a**n, "{0}**{1}", "__pow__", exponent_is_number=True),
        OpSpec("exp", 1, lambda a: a.exp(), "exp({0})", "exp"),
        OpSpec("log", 1, lambda a: a.log(), "log({0})", "log", needs_positive=(0,)),
        OpSpec("tanh", 1, lambda a: a.tanh(), "tanh({0})", "tanh"),
        OpSpec("sigmoid", 1, lambda a: a.sigmoid(), "sigmoid({0})", "sigmoid"),
        OpSpec("relu", 1, lambda a: a.relu(), "relu({0})", "relu"),
    ]
}
"""Every op the grader can grade, by name, in the order reports list them."""

REFLECTED: dict[str, str] = {
    "add": "__radd__",
    "mul": "__rmul__",
    "sub": "__rsub__",
    "div": "__rtruediv__",
}
"""The reflected method each binary op needs when a plain number comes first (``2 + x``)."""
