"""Derivatives as functions: ``grad``, ``vjp``, ``value_and_grad``, ``jacobian``, ``hessian``.

These never touch any ``.grad`` attribute: they return the derivatives instead, which is
what you want when derivatives are themselves part of a computation (a gradient penalty,
a Newton step, a Hessian). All of them are reverse mode; forward mode (``jvp``, ``hvp``)
is in :mod:`autograd_engine.forward`.

Like ``torch.func``, they work the same inside ``no_grad()``: they switch recording on for
the graphs they build themselves (``f``'s graph in ``jacobian``/``hessian``, the gradient's
graph under ``create_graph=True``), and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from numbers import Real
from typing import Any

from .grad_mode import GradMode
from .graph import accumulate_steps
from .ops import Op
from .value import Value

__all__ = ["grad", "hessian", "jacobian", "value_and_grad", "vjp"]


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


def vjp(
    f: Callable[..., Sequence[Value] | Value], primals: Sequence[float]
) -> tuple[Any, Callable[[Any], list[float]]]:
    """The value of ``f`` at ``primals`` and its vector-Jacobian product, as in ``jax.vjp``.

    For outputs y_1..y_m and cotangents c_1..c_m, the vector-Jacobian product is the row

        (c^T J)_j = sum_k c_k * dy_k/dx_j,

    the gradient of the weighted sum ``sum_k c_k * y_k``. That is exactly what one reverse
    pass computes when it starts with d(root)/dy_k = c_k at every output, so ``vjp_fn``
    costs one backward pass whatever m is (``jacobian`` needs m of them: one per row).

    Args:
        f: called as ``f(*values)`` with one Value per coordinate; returns a Value or a
            list of Values (numbers are taken as constants).
        primals: the point, as numbers.

    Returns:
        ``(value, vjp_fn)``: ``value`` is a float (a list of floats when ``f`` returned a
        list); ``vjp_fn(cotangents)`` takes a number (a sequence of numbers, one per
        output, when ``f`` returned a list) and returns one float per primal. It can be
        called any number of times: ``f``'s graph is kept inside it.

    >>> value, vjp_fn = vjp(lambda x, y: [x * y, x + y], [2.0, 3.0])
    >>> value, vjp_fn([1.0, 0.0]), vjp_fn([0.0, 1.0])
    ([6.0, 5.0], [3.0, 2.0], [1.0, 1.0])
    """
    values = [Value(x, label=f"x{i}") for i, x in enumerate(_numbers(primals, "vjp", "primals"))]
    with GradMode(True):  # f's graph is needed even inside no_grad()
        result = f(*values)
    outputs, single = outputs_of(result, "vjp")

    def vjp_fn(cotangents: Any) -> list[float]:
        if single:
            if not _is_number(cotangents):
                raise TypeError(
                    "vjp: f returned one Value, so the cotangent is one number, not "
                    f"{type(cotangents).__name__}"
                )
            weights = [float(cotangents)]
        else:
            weights = _numbers(cotangents, "vjp", "cotangents")
            if len(weights) != len(outputs):
                raise ValueError(
                    f"vjp: {len(weights)} cotangents for {len(outputs)} outputs of f; "
                    "give one per output"
                )
        if not outputs:  # f returned an empty list: the product is a sum of no rows
            return [0.0] * len(values)
        return [float(d) for d in grad(seeded_root(outputs, weights), values)]

    value = outputs[0].data if single else [y.data for y in outputs]
    return value, vjp_fn


def value_and_grad(
    f: Callable[..., Value], argnums: int | Sequence[int] | None = None
) -> Callable[..., tuple[float, Any]]:
    """``f`` made to return its value and its gradient, in one forward and one backward pass.

    As ``jax.value_and_grad``: ``value_and_grad(f)(*xs)`` is ``(f(*xs), gradient)``.

    Args:
        f: a function of numbers that returns one Value (a scalar, such as a loss). It is
            called with a Value in place of each number it is differentiated with respect to.
        argnums: which positional arguments to differentiate with respect to. ``None`` (the
            default) means all of them, and the gradient is a list with one float each; an
            int gives that argument's derivative alone, as a float; a sequence of ints, a list
            in that order. Arguments not in ``argnums`` are passed to ``f`` unchanged, so
            they can be anything (data, a flag). Negative numbers count from the end.

    >>> value_and_grad(lambda x, y: x * y + x**2)(3.0, 2.0)
    (15.0, [8.0, 3.0])
    >>> value_and_grad(lambda x, y: x * y + x**2, argnums=1)(3.0, 2.0)
    (15.0, 3.0)
    """
    if argnums is not None and not isinstance(argnums, int):
        argnums = list(argnums)
        if not all(isinstance(i, int) for i in argnums):
            raise TypeError(f"value_and_grad: argnums must be ints, not {argnums!r}")

    @wraps(f)
    def value_and_grad_f(*args: Any) -> tuple[float, Any]:
        if argnums is None:
            positions = list(range(len(args)))
        else:
            chosen = [argnums] if isinstance(argnums, int) else argnums
            positions = [_position(i, len(args)) for i in chosen]
            if len(set(positions)) != len(positions):
                raise ValueError(f"value_and_grad: argnums {argnums!r} names an argument twice")
        call = list(args)
        values = []
        for i in positions:
            if not _is_number(args[i]):
                raise TypeError(
                    f"value_and_grad: argument {i} must be a real number to differentiate "
                    f"with respect to, not {type(args[i]).__name__}"
                )
            call[i] = Value(args[i], label=f"x{i}")
            values.append(call[i])
        with GradMode(True):  # f's graph is needed even inside no_grad()
            result = f(*call)
        if isinstance(result, list | tuple):
            raise TypeError(
                "value_and_grad: f must return one Value (a scalar such as a loss), not a "
                f"{type(result).__name__}; for several outputs use jacobian or vjp"
            )
        y = _as_output(result, "value_and_grad")
        grads = grad(y, values)
        return y.data, grads[0] if isinstance(argnums, int) else grads

    return value_and_grad_f


def _position(i: int, count: int) -> int:
    if not -count <= i < count:
        raise IndexError(f"value_and_grad: argnums {i} is out of range for {count} arguments")
    return i % count


def jacobian(
    f: Callable[..., Sequence[Value] | Value],
    xs: Sequence[float | Value],
    create_graph: bool = False,
) -> list[list[Any]]:
    """The Jacobian matrix ``J[i][j]`` = d f_i / d x_j of ``f`` at the point ``xs``.

    Args:
        f: called as ``f(*values)`` with one Value per coordinate; returns a list of Values
            (or a single Value, giving a one-row Jacobian).
        xs: the point, as numbers; a Value in ``xs`` is used as it is, so that the result
            can be differentiated with respect to it.
        create_graph: if True, each entry is a Value whose graph leads back to the inputs,
            so it can be differentiated again (``grad(J[i][j], xs)``, or ``.backward()``).
            If False (the default), plain floats.

    Reverse mode gives one row per backward pass, so this runs ``len(outputs)`` passes.
    """
    values = _inputs(xs, "jacobian")
    with GradMode(True):  # f's graph is needed even inside no_grad()
        outputs = f(*values)
    rows = [outputs] if isinstance(outputs, Value) else list(outputs)
    return [
        _entries(grad(_as_output(y, "jacobian"), values, create_graph=create_graph), create_graph)
        for y in rows
    ]


def hessian(
    f: Callable[..., Value], xs: Sequence[float | Value], create_graph: bool = False
) -> list[list[Any]]:
    """The Hessian matrix ``H[i][j]`` = d²f / dx_i dx_j of a scalar ``f`` at the point ``xs``.

    The gradient is computed once with ``create_graph=True``, so each of its entries is a
    graph; differentiating entry i once more gives row i of the Hessian. With
    ``create_graph=True`` that second pass records its graph too, and the entries are Values
    that can be differentiated a third time (a Value in ``xs`` is used as it is, so
    ``grad(H[i][j], xs)`` gives d³f / dx_i dx_j dx_k).
    """
    values = _inputs(xs, "hessian")
    with GradMode(True):  # f's graph is needed even inside no_grad()
        y = _as_output(f(*values), "hessian")
    first = grad(y, values, create_graph=True)
    return [_entries(grad(g, values, create_graph=create_graph), create_graph) for g in first]


def _entries(derivatives: list[Any], create_graph: bool) -> list[Any]:
    return derivatives if create_graph else [float(d) for d in derivatives]


def _inputs(xs: Sequence[float | Value], name: str) -> list[Value]:
    """One Value per coordinate: a fresh leaf for a number, a Value as it was given."""
    values = []
    for i, x in enumerate(_sequence(xs, name, "xs")):
        if isinstance(x, Value):
            values.append(x)
        elif _is_number(x):
            values.append(Value(x, label=f"x{i}"))
        else:
            raise TypeError(f"{name}: xs[{i}] must be a real number or a Value, not {x!r}")
    return values


def _is_number(x: object) -> bool:
    return isinstance(x, Real) and not isinstance(x, Value)


def _sequence(xs: object, name: str, what: str) -> list[Any]:
    if isinstance(xs, str | bytes) or not isinstance(xs, Iterable):
        raise TypeError(
            f"{name}: {what} must be a sequence of numbers, one per input (like [1.0, 2.0]), "
            f"not {type(xs).__name__}"
        )
    return list(xs)


def _numbers(xs: object, name: str, what: str) -> list[float]:
    """``xs`` as a list of floats, or a TypeError naming the first entry that is not a number."""
    items = _sequence(xs, name, what)
    for i, x in enumerate(items):
        if not _is_number(x):
            hint = " (pass its number, v.data)" if isinstance(x, Value) else ""
            raise TypeError(
                f"{name}: {what}[{i}] must be a real number, not {type(x).__name__}{hint}"
            )
    return [float(x) for x in items]


def outputs_of(result: object, name: str) -> tuple[list[Value], bool]:
    """What ``f`` returned, as a list of Values, and whether it was a single one."""
    if isinstance(result, list | tuple):
        return [_as_output(y, name) for y in result], False
    return [_as_output(result, name)], True


def seeded_root(outputs: Sequence[Value], cotangents: Sequence[Any]) -> Value:
    """One node above all ``outputs``, whose rule sends cotangent c_k to output k.

    A backward pass from it starts with d(root)/dy_k = c_k at every output at once, which
    is the vector-Jacobian product in one pass. Its own value is never read (it is 0.0): it
    exists only for its rule, and to give the outputs one topological order.
    """
    weights = tuple(cotangents)

    def backward(g: Any, y: Any, *ys: Any) -> tuple[Any, ...]:
        return tuple(g * c for c in weights)

    root_op = Op("outputs", lambda *ys: 0.0, backward)
    with GradMode(True):
        return outputs[0].apply(root_op, *outputs[1:])


def _as_output(y: object, name: str) -> Value:
    if isinstance(y, Value):
        return y
    if isinstance(y, int | float):
        return Value(y)  # f ignored its inputs: a constant, whose derivatives are all 0
    raise TypeError(f"{name}: f must return Values, not {type(y).__name__}")
