"""Derivatives as functions: ``grad``, ``jacobian`` and ``hessian``.

These never touch any ``.grad`` attribute: they return the derivatives instead, which is
what you want when derivatives are themselves part of a computation (a gradient penalty,
a Newton step, a Hessian).

Like ``torch.func``, they work the same inside ``no_grad()``: they switch recording on for
the graphs they build themselves (``f``'s graph in ``jacobian``/``hessian``, the gradient's
graph under ``create_graph=True``), and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .grad_mode import GradMode
from .graph import accumulate_steps
from .value import Value

__all__ = ["grad", "hessian", "jacobian"]


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """d(output)/d(input) for each input, without touching any ``.grad``.

    Args:
        output: the Value to differentiate.
        inputs: the Values to differentiate with respect to (leaves or intermediate nodes).
        create_graph: if True, the gradients are returned as Values whose own graphs lead
            back to the inputs, so they can be differentiated again (second derivatives,
            Hessians, to any order). If False, they are plain floats.

    Returns:
        One gradient per input, in order. An input that ``output`` does not depend on gets
        0.0 (``Value(0.0)`` with ``create_graph``).
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, not {type(output).__name__}")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, not {type(x).__name__}")
    grads: dict[Value, Any] = {}
    seed: Any = Value(1.0) if create_graph else 1.0
    # The gradient's own graph is recorded exactly when asked for, whatever the mode outside.
    with GradMode(create_graph):
        for _ in accumulate_steps(output, seed, grads, create_graph=create_graph):
            pass
    zero: Callable[[], Any] = (lambda: Value(0.0)) if create_graph else (lambda: 0.0)
    return [grads[x] if x in grads else zero() for x in inputs]


def _leaves(xs: Sequence[float]) -> list[Value]:
    return [Value(x, label=f"x{i}") for i, x in enumerate(xs)]


def jacobian(f: Callable[..., Sequence[Value] | Value], xs: Sequence[float]) -> list[list[float]]:
    """The Jacobian matrix J[i][j] = d f_i / d x_j of ``f`` at the point ``xs``.

    Args:
        f: called as ``f(*values)`` with one Value per coordinate; returns a list of Values
            (or a single Value, giving a one-row Jacobian).
        xs: the point, as numbers.

    Reverse mode gives one row per backward pass, so this runs ``len(outputs)`` passes.
    """
    values = _leaves(xs)
    with GradMode(True):  # f's graph is needed even inside no_grad()
        outputs = f(*values)
    rows = [outputs] if isinstance(outputs, Value) else list(outputs)
    return [[float(d) for d in grad(_as_output(y, "jacobian"), values)] for y in rows]


def hessian(f: Callable[..., Value], xs: Sequence[float]) -> list[list[float]]:
    """The Hessian matrix H[i][j] = d²f / dx_i dx_j of a scalar ``f`` at the point ``xs``.

    The gradient is computed once with ``create_graph=True``, so each of its entries is a
    graph; differentiating entry i once more gives row i of the Hessian.
    """
    values = _leaves(xs)
    with GradMode(True):  # f's graph is needed even inside no_grad()
        y = _as_output(f(*values), "hessian")
    first = grad(y, values, create_graph=True)
    return [[float(d) for d in grad(g, values)] for g in first]


def _as_output(y: object, name: str) -> Value:
    if isinstance(y, Value):
        return y
    if isinstance(y, int | float):
        return Value(y)  # f ignored its inputs: a constant, whose derivatives are all 0
    raise TypeError(f"{name}: f must return Values, not {type(y).__name__}")
