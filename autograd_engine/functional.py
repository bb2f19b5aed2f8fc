"""Derivatives as functions: ``grad``, ``vjp``, ``value_and_grad``, ``jacobian``, ``hessian``.

These never touch any ``.grad`` attribute: they return the derivatives instead, which is
what you want when derivatives are themselves part of a computation (a gradient penalty,
a Newton step, a Hessian). All of them are reverse mode; forward mode (``jvp``, ``hvp``)
is in :mod:`autograd_engine.forward`.

Like ``torch.func``, they work the same inside ``no_grad()``: they switch recording on for
the graphs they build themselves (``f``'s graph in ``jacobian``/``hessian``, the gradient's
graph under ``create_graph=True``), and nothing else.

Transforms compose, as JAX's do
-------------------------------
A transform (``jvp``, ``value_and_grad``, ``vjp``, ``jacobian``, ``hessian``) calls the
function it is given on Values. Inside that call, a derivative taken by another transform,
or by ``grad``, must stay differentiable: ``jvp(foo, [1.0], [2.0])`` with
``foo(x) = jvp(lambda y: x * y, [3.0], [1.0])[1]`` differentiates the inner derivative (which
is x) with respect to x. So while a transform runs a function (:func:`transforming` is
true), the transforms and ``grad`` inside it return Values with graphs (as
``create_graph=True``), not floats; outside any transform, plain floats as before. An input
given as a Value is used through a fresh node of its own (``x * 1.0``), so that the inner
derivative is taken with respect to the inner variable only, never with respect to an outer
one that ``f`` also reads (JAX's "perturbation confusion" avoided by the same trick).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from functools import wraps
from numbers import Real
from typing import Any

from .grad_mode import GradMode
from .graph import accumulate_steps
from .ops import Op
from .value import Value

__all__ = ["grad", "hessian", "jacobian", "transforming", "value_and_grad", "vjp"]

#: How many transforms are calling a user's function right now, in this thread or task.
_depth: ContextVar[int] = ContextVar("autograd_engine_transform_depth", default=0)


def transforming() -> bool:
    """True while a transform (``jvp``, ``value_and_grad``, ...) is running a function.

    Then derivatives are returned as Values with graphs, so the outer transform can
    differentiate them (see the module docstring).
    """
    return _depth.get() > 0


def call_transformed(f: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call ``f`` as a transform does: recording on (even inside ``no_grad()``, as
    ``torch.func``), and any transform inside told that it is nested."""
    token = _depth.set(_depth.get() + 1)
    try:
        with GradMode(True):
            return f(*args, **kwargs)
    finally:
        _depth.reset(token)


def fresh_input(x: Any, i: int) -> Value:
    """The Value a transform differentiates with respect to, for the number or Value ``x``.

    A number becomes a new leaf; a Value (from an outer transform) a new node ``x * 1.0``
    that depends on it, so the outer transform still sees the path through it.
    """
    if isinstance(x, Value):
        with GradMode(True):
            node = x * 1.0
        node.label = f"x{i}"
        return node
    return Value(x, label=f"x{i}")


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """d(output)/d(input) for each input, without touching any ``.grad``.

    Args:
        output: the Value to differentiate.
        inputs: the Values to differentiate with respect to (leaves or intermediate nodes).
        create_graph: if True, the gradients are returned as Values whose own graphs lead
            back to the inputs, so they can be differentiated again (second derivatives,
            Hessians, to any order). If False, they are plain floats, except inside a
            function that a transform is running (``jvp(lambda x: grad(x**3, [x])[0], ...)``):
            there they are Values, so that the transform can differentiate them.

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
    create_graph = create_graph or transforming()
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
        called any number of times: ``f``'s graph is kept inside it. Nested in another
        transform, Values instead of floats (see the module docstring).

    >>> value, vjp_fn = vjp(lambda x, y: [x * y, x + y], [2.0, 3.0])
    >>> value, vjp_fn([1.0, 0.0]), vjp_fn([0.0, 1.0])
    ([6.0, 5.0], [3.0, 2.0], [1.0, 1.0])
    """
    nested = transforming()
    values = [fresh_input(x, i) for i, x in enumerate(_numbers(primals, "vjp", "primals", nested))]
    result = call_transformed(f, *values)
    outputs, single = outputs_of(result, "vjp")

    def vjp_fn(cotangents: Any) -> list[Any]:
        if single:
            if not _is_number(cotangents, nested):
                raise TypeError(
                    "vjp: f returned one Value, so the cotangent is one number, not "
                    f"{type(cotangents).__name__}"
                )
            weights = [cotangents if isinstance(cotangents, Value) else float(cotangents)]
        else:
            weights = _numbers(cotangents, "vjp", "cotangents", nested)
            if len(weights) != len(outputs):
                raise ValueError(
                    f"vjp: {len(weights)} cotangents for {len(outputs)} outputs of f; "
                    "give one per output"
                )
        if not outputs:  # f returned an empty list: the product is a sum of no rows
            return [0.0] * len(values)
        return _entries(grad(seeded_root(outputs, weights), values), nested or transforming())

    value = _primal_result(outputs, single, nested)
    return value, vjp_fn


def value_and_grad(
    f: Callable[..., Value], argnums: int | Sequence[int] | None = None
) -> Callable[..., tuple[Any, Any]]:
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
            Keyword arguments are passed to ``f`` unchanged and never differentiated (as
            in ``jax.value_and_grad``): ``value_and_grad(f)(3.0, scale=2.0)``.

    Nested in another transform (the derivative of a gradient, say), an argument may be a
    Value, and the value and gradient are Values (see the module docstring).

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
    def value_and_grad_f(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        if argnums is None:
            positions = list(range(len(args)))
        else:
            chosen = [argnums] if isinstance(argnums, int) else argnums
            positions = [_position(i, len(args)) for i in chosen]
            if len(set(positions)) != len(positions):
                raise ValueError(f"value_and_grad: argnums {argnums!r} names an argument twice")
        nested = transforming()
        call = list(args)
        values = []
        for i in positions:
            if not _is_number(args[i], nested):
                raise TypeError(
                    f"value_and_grad: argument {i} must be a real number to differentiate "
                    f"with respect to, not {type(args[i]).__name__}"
                )
            call[i] = fresh_input(args[i], i)
            values.append(call[i])
        result = call_transformed(f, *call, **kwargs)  # keyword arguments: never differentiated
        if isinstance(result, list | tuple):
            raise TypeError(
                "value_and_grad: f must return one Value (a scalar such as a loss), not a "
                f"{type(result).__name__}; for several outputs use jacobian or vjp"
            )
        y = _as_output(result, "value_and_grad")
        grads = _entries(grad(y, values, create_graph=nested), nested)
        value = y if nested else y.data
        return value, grads[0] if isinstance(argnums, int) else grads

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
    outputs = call_transformed(f, *values)
    rows = [outputs] if isinstance(outputs, Value) else list(outputs)
    create_graph = create_graph or transforming()
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
    y = _as_output(call_transformed(f, *values), "hessian")
    create_graph = create_graph or transforming()
    first = grad(y, values, create_graph=True)
    return [_entries(grad(g, values, create_graph=create_graph), create_graph) for g in first]


def _entries(derivatives: list[Any], create_graph: bool) -> list[Any]:
    return derivatives if create_graph else [_plain(d) for d in derivatives]


def _plain(d: Any) -> float:
    """A derivative as a float (``grad`` gives a Value where a transform encloses it)."""
    return d.data if isinstance(d, Value) else float(d)


def _primal_result(outputs: list[Value], single: bool, nested: bool) -> Any:
    """What a transform returns as f's value: floats, or the Values themselves if nested."""
    if nested:
        return outputs[0] if single else list(outputs)
    return outputs[0].data if single else [y.data for y in outputs]


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


def _is_number(x: object, value_allowed: bool = False) -> bool:
    """A real number; a Value too where ``value_allowed`` (inside an outer transform)."""
    if isinstance(x, Value):
        return value_allowed
    return isinstance(x, Real)


def _sequence(xs: object, name: str, what: str) -> list[Any]:
    if isinstance(xs, str | bytes) or not isinstance(xs, Iterable):
        raise TypeError(
            f"{name}: {what} must be a sequence of numbers, one per input (like [1.0, 2.0]), "
            f"not {type(xs).__name__}"
        )
    return list(xs)


def _numbers(xs: object, name: str, what: str, value_allowed: bool = False) -> list[Any]:
    """``xs`` as a list of floats, or a TypeError naming the first entry that is not a number.

    ``value_allowed``: inside an outer transform, a Value is kept as it is (it carries the
    outer transform's variable).
    """
    items = _sequence(xs, name, what)
    for i, x in enumerate(items):
        if not _is_number(x, value_allowed):
            hint = (
                " (pass its number, v.data; a Value is taken only inside a function that "
                "another transform runs)"
                if isinstance(x, Value)
                else ""
            )
            raise TypeError(
                f"{name}: {what}[{i}] must be a real number, not {type(x).__name__}{hint}"
            )
    return [x if isinstance(x, Value) else float(x) for x in items]


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
