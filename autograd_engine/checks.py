"""Numerical checking: compare the engine's derivatives with finite differences.

The central difference

    f'(x) ≈ (f(x + eps) - f(x - eps)) / (2 * eps)

has an error of order eps², independent of the engine, which makes it the test oracle for
every derivative rule. ``gradcheck`` compares first derivatives; ``gradgradcheck`` applies
the same comparison to the first derivatives themselves, checking second derivatives (and
so the rules' behaviour under ``create_graph=True``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .functional import grad
from .value import Value

__all__ = ["GradcheckError", "central_difference", "gradcheck", "gradgradcheck"]


class GradcheckError(AssertionError):
    """An analytic derivative disagrees with its finite-difference estimate."""


def _outputs(result: object) -> list[Value]:
    items = list(result) if isinstance(result, list | tuple) else [result]
    out = []
    for item in items:
        if isinstance(item, Value):
            out.append(item)
        elif isinstance(item, int | float):
            out.append(Value(item))
        else:
            raise TypeError(f"gradcheck: f must return a Value or a list of Values, not {item!r}")
    return out


def _evaluate(f: Callable[..., Any], xs: Sequence[float]) -> list[float]:
    # Not under no_grad: f may itself differentiate (gradgradcheck's f calls grad()).
    return [y.data for y in _outputs(f(*(Value(x) for x in xs)))]


def central_difference(
    f: Callable[..., Any], xs: Sequence[float], index: int, eps: float = 1e-6
) -> list[float]:
    """(f(x + eps e_i) - f(x - eps e_i)) / (2 eps) for each output of ``f``, at input ``index``."""
    plus = list(xs)
    minus = list(xs)
    plus[index] += eps
    minus[index] -= eps
    upper = _evaluate(f, plus)
    lower = _evaluate(f, minus)
    return [(u - lo) / (2 * eps) for u, lo in zip(upper, lower, strict=True)]


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[float | Value],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check d(output)/d(input) from the engine against central differences.

    Args:
        f: called as ``f(*values)``; returns a Value or a list of Values.
        inputs: the point (numbers or Values; only their data is used).
        eps: the finite-difference step.
        atol, rtol: the pair passes if ``|analytic - numerical| <= atol + rtol * |numerical|``.
        raise_exception: raise :class:`GradcheckError` on the first mismatch (default), or
            return False.

    Returns:
        True when every output's derivative with respect to every input agrees.
    """
    xs = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    values = [Value(x) for x in xs]
    outputs = _outputs(f(*values))
    analytic = [grad(y, values) for y in outputs]
    for i in range(len(xs)):
        numerical = central_difference(f, xs, i, eps)
        for k, (a_row, n) in enumerate(zip(analytic, numerical, strict=True)):
            a = float(a_row[i])
            if not abs(a - n) <= atol + rtol * abs(n):
                if raise_exception:
                    raise GradcheckError(
                        f"gradcheck: derivative of output {k} with respect to input {i} "
                        f"(x{i} = {xs[i]!r}): analytic {a!r}, numerical {n!r}"
                    )
                return False
    return True


def gradgradcheck(
    f: Callable[..., Any],
    inputs: Sequence[float | Value],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: ``gradcheck`` applied to the gradient of ``f``.

    The gradient is built with ``create_graph=True``, so this also checks that every rule
    used by ``f`` differentiates correctly when it runs on Values.
    """

    def first_derivatives(*values: Value) -> list[Value]:
        derivatives: list[Value] = []
        for y in _outputs(f(*values)):
            derivatives.extend(grad(y, values, create_graph=True))
        return derivatives

    return gradcheck(
        first_derivatives, inputs, eps=eps, atol=atol, rtol=rtol, raise_exception=raise_exception
    )
