"""Forward mode: ``jvp`` pushes a tangent from the inputs to the outputs, and ``hvp`` on top.

Reverse mode asks, for one output, "how does it change with each node?" and walks the
graph from the output back. Forward mode asks, for one direction ``t`` in input space,
"how does each node change when the inputs move along t?" and walks the graph the other
way, parents before children. The number carried by each node is its *tangent*,

    ṅ = d(node)/dε  of  node(x + ε t)  at ε = 0,

and the chain rule gives it from the parents' tangents:

    ṅ = sum over parents p of  d(node)/dp * ṗ.

One sweep gives the directional derivative J t of every output (a *Jacobian-vector
product*): one column of the Jacobian for t = e_j. A gradient of n inputs needs n sweeps
where reverse mode needs one backward pass; a function of one input with m outputs needs
one sweep where reverse mode needs m passes. ``notebooks/12-forward-or-reverse.ipynb``
counts both.

No second table of rules
------------------------
Every op in :mod:`autograd_engine.ops` is scalar-valued, so its Jacobian is a single row,
(dy/dx_1, ..., dy/dx_n). Its local-gradient rule computes ``g`` times that row; with
``g = 1.0`` it returns the row itself, exactly: a product with 1.0 is exact in floating
point, so each entry is the partial derivative just as the rule writes it, with no
approximation added (reverse mode evaluates the same expressions with its own ``g``). The
tangent is then that row times the parents' tangents. So each op's forward-mode rule is
*derived* from its one local-gradient rule, and an op added to the table (a user's op
too) works in both modes with nothing else to write.

This is dual-number arithmetic: evaluating f at x + t·ε with ε² = 0 gives
f(x) + (f'(x) t)·ε. For ``+`` and ``*`` the sweep does the very same float operations
((a + ȧε)(b + ḃε) = ab + (ȧb + aḃ)ε: the rule's partials are b and a, and the tangent
is b·ȧ + a·ḃ), so the tangents are bit for bit those of a dual-number implementation (up
to the sign of a zero: the sweep's sums start from +0.0). For
the other ops it is the same whenever the dual numbers use the same derivative formula
(tanh as 1 - y², exp as y, ...). Compared with reverse mode, the partials are the same
numbers; only the order in which products are summed differs, so forward and reverse agree
to rounding.

How it runs here: ``f`` is called once on Values, which records its graph as usual, and the
tangents are then pushed through that graph in topological order. A dual-number engine
would compute values and tangents in the same pass (and keep no graph); the rule
applications, one per node, are the same.

The numerical policy is the engine's: a tangent that is NaN or infinite although every
number it came from is finite raises (``ValueError`` / ``OverflowError``) naming the op and
its inputs; NaN/inf already in the inputs or tangents propagate by IEEE; inside
``detect_anomaly()`` any NaN/inf tangent raises ``AnomalyError``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from . import anomaly
from .functional import (
    _as_output,
    _numbers,
    call_transformed,
    fresh_input,
    grad,
    outputs_of,
    seeded_root,
    transforming,
)
from .grad_mode import GradMode
from .graph import topological_order
from .ops import Op, describe_call
from .value import Value

__all__ = ["hvp", "jvp", "push_tangents"]

_INF = math.inf


def jvp(
    f: Callable[..., Sequence[Value] | Value],
    primals: Sequence[float],
    tangents: Sequence[float],
) -> tuple[Any, Any]:
    """The value of ``f`` at ``primals`` and its derivative along ``tangents``, as ``jax.jvp``.

    For outputs y_k this is (y_k(x), sum_j dy_k/dx_j * t_j): the Jacobian times the tangent
    vector, computed in one forward sweep (see the module docstring).

    Args:
        f: called as ``f(*values)`` with one Value per coordinate; returns a Value or a list
            of Values. Values ``f`` makes itself (or captures from outside) are constants
            here: their tangent is 0.
        primals: the point x, as numbers.
        tangents: the direction t, one number per primal.

    Returns:
        ``(value, derivative)``: two floats, or two lists of floats (one per output) when
        ``f`` returned a list.

    Nested inside a function that a transform runs (``jvp``, ``value_and_grad``, ...),
    ``jvp`` composes as ``jax.jvp`` does: primals and tangents may be Values, and the value
    and derivative come back as Values whose graphs lead to the outer transform's inputs,
    so the outer transform differentiates them too (see :mod:`autograd_engine.functional`):

    >>> jvp(lambda x: jvp(lambda y: x * y, [3.0], [1.0])[1], [1.0], [2.0])  # d/dx x = 1
    (1.0, 2.0)

    >>> jvp(lambda x, y: x * y + x.sin(), [0.0, 3.0], [1.0, 0.0])  # d/dx: y + cos x
    (0.0, 4.0)
    >>> jvp(lambda r, t: [r * t.cos(), r * t.sin()], [2.0, 0.0], [0.0, 1.0])
    ([2.0, 0.0], [0.0, 2.0])
    """
    nested = transforming()
    xs = _numbers(primals, "jvp", "primals", nested)
    ts = _numbers(tangents, "jvp", "tangents", nested)
    if len(xs) != len(ts):
        raise ValueError(
            f"jvp: {len(xs)} primals but {len(ts)} tangents; give one tangent per primal"
        )
    values = [fresh_input(x, i) for i, x in enumerate(xs)]
    result = call_transformed(f, *values)  # recording on, even inside no_grad()
    outputs, single = outputs_of(result, "jvp")
    tangent = push_tangents(outputs, dict(zip(values, ts, strict=True)), create_graph=nested)
    derivatives = [tangent.get(y, 0.0) for y in outputs]
    if nested:  # Values both, for the outer transform to differentiate
        derivatives = [d if isinstance(d, Value) else Value(d) for d in derivatives]
        return (outputs[0], derivatives[0]) if single else (list(outputs), derivatives)
    if single:
        return outputs[0].data, derivatives[0]
    return [y.data for y in outputs], derivatives


def push_tangents(
    outputs: Sequence[Value], seeds: dict[Value, Any], create_graph: bool = False
) -> dict[Value, Any]:
    """The forward sweep: the tangent of every node of ``outputs``' graphs that has one.

    Args:
        outputs: the Values whose graphs to sweep.
        seeds: the tangent of each input (normally leaves). Every other leaf is a constant,
            and so is every node that depends on no seeded input: such nodes get no entry
            (a *structural* zero, as in JAX) and their rules are not run at all.
        create_graph: run the rules on the nodes themselves (as ``grad(...,
            create_graph=True)`` does), so each tangent is a Value whose graph can be
            differentiated again; seeds may then be Values too.

    Returns:
        node -> d(node)/dε along the seeded direction, for the seeded nodes and everything
        computed from them.
    """
    tangents = dict(seeds)
    if not outputs:
        return tangents
    order = topological_order(seeded_root(outputs, [0.0] * len(outputs)))[:-1]
    strict = anomaly.is_enabled()
    with GradMode(create_graph):  # the tangents' own graphs, exactly when asked for
        for node in order:  # parents before children
            op = node._op
            if op is None or node in seeds:
                continue
            parents = node.parents
            if not any(parent in tangents for parent in parents):
                continue
            try:
                # g = 1.0: the rule returns the row of partial derivatives d(node)/d(parent).
                if create_graph:
                    partials = op.backward(1.0, node, *parents)
                else:
                    partials = op.backward(1.0, node.data, *(parent.data for parent in parents))
            except (ArithmeticError, ValueError) as error:
                raise _rule_error(error, op, node) from error
            total: Any = 0.0
            used: list[tuple[Any, Any]] = []
            for parent, partial in zip(parents, partials, strict=True):
                parent_tangent = tangents.get(parent)
                if parent_tangent is not None:
                    term = partial * parent_tangent
                    # A graph starts at its first term (no node for 0.0 + term).
                    total = term if create_graph and not used else total + term
                    used.append((partial, parent_tangent))
            if not -_INF < _data(total) < _INF:
                _check_tangent(op, node, _data(total), used, strict)
            tangents[node] = total
    return tangents


def _data(x: Any) -> float:
    """The float in a tangent or partial, which is a float, or a Value under create_graph."""
    return x.data if isinstance(x, Value) else x


def hvp(f: Callable[..., Value], xs: Sequence[float], v: Sequence[float]) -> list[float]:
    """The Hessian of a scalar ``f`` at ``xs`` times the vector ``v``, without the Hessian.

    Forward-over-reverse: the gradient x -> ∇f(x) is a function with n outputs, built as a
    graph by ``grad(..., create_graph=True)`` (one reverse pass); one forward sweep of
    :func:`jvp` through that graph along ``v`` gives its directional derivative,
    d/dε ∇f(x + εv) = H v. That costs a few passes over the graph whatever n is, where
    :func:`~autograd_engine.hessian` runs n + 1 backward passes to build all of H.

    Args:
        f: called as ``f(*values)``; returns one Value.
        xs: the point, as numbers.
        v: the vector, one number per coordinate.

    Returns:
        H v, one float per coordinate.

    >>> hvp(lambda x, y: x**2 * y, [1.0, 2.0], [1.0, 0.0])  # H = [[2y, 2x], [2x, 0]]
    [4.0, 2.0]
    """

    def gradient(*values: Value) -> list[Any]:
        y = f(*values)
        if isinstance(y, list | tuple):
            raise TypeError(
                f"hvp: f must return one Value (a scalar), not a {type(y).__name__}; "
                "the Hessian-vector product is defined for a scalar function"
            )
        return grad(_as_output(y, "hvp"), values, create_graph=True)

    _, product = jvp(gradient, xs, v)
    return list(product)


def _where(op: Op, node: Value) -> str:
    inputs = tuple(parent.data for parent in node.parents)
    return f"{op.name} at {describe_call(op.name, inputs)} (output {node.data!r})"


def _rule_error(error: Exception, op: Op, node: Value) -> Exception:
    """An error raised by a rule, retold naming the op and its values."""
    text = f"jvp: the local derivative of {_where(op, node)}: {error}"
    if isinstance(error, OverflowError):
        text = f"jvp: the local derivative overflows a float: {_where(op, node)}"
    try:
        return type(error)(text)
    except TypeError:  # an exception class of a user's that takes other arguments
        return error


def _check_tangent(
    op: Op, node: Value, total: float, used: list[tuple[Any, float]], strict: bool
) -> None:
    """A tangent that is NaN or ±inf: raise unless IEEE propagation explains it."""
    terms = ", ".join(f"{_data(partial)!r} * {_data(tangent)!r}" for partial, tangent in used)
    text = f"{_where(op, node)} has tangent {total!r} = the sum of {terms}"
    if strict:
        raise anomaly.AnomalyError(f"detect_anomaly: in jvp, {text}")
    own = () if op.arg is None else (op.arg,)
    numbers = [node.data, *(parent.data for parent in node.parents), *own]
    numbers += [_data(tangent) for _, tangent in used]
    if not all(-_INF < x < _INF for x in numbers):
        return  # NaN/inf already in the values or the tangents: IEEE propagation
    if total != total:
        raise ValueError(f"jvp: invalid operation (IEEE would give nan): {text}")
    raise OverflowError(f"jvp: the tangent overflows a float: {text}")
