"""Property tests: random expression graphs, differentiated by the engine and by two oracles.

* mpmath: derivatives by finite differences at 40 significant digits (no rounding trouble);
* SymPy: exact symbolic derivatives, for small smooth trees.

Neither shares code with the engine, so agreement checks every rule and the traversal.
"""

from __future__ import annotations

import mpmath
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from autograd_engine import Value, backward_steps, grad, hessian
from tests.conftest import Backprop
from tests.expressions import Tree, evaluate, trees, uses_kinked_ops, well_conditioned

points = st.lists(st.floats(-2.5, 2.5), min_size=2, max_size=2)


def close(engine: float, exact: float, rel: float, abs_: float) -> bool:
    return abs(engine - exact) <= rel * abs(exact) + abs_


def mp_derivative(tree: Tree, xs: list[float], orders: tuple[int, int]) -> float:
    with mpmath.workdps(40):
        point = [mpmath.mpf(x) for x in xs]
        value = mpmath.diff(lambda *a: evaluate(tree, list(a), 1), point, orders)
        return float(value)


@settings(max_examples=150, deadline=None)
@given(tree=trees(2), xs=points)
def test_first_derivatives_match_high_precision_differences(tree: Tree, xs: list[float]) -> None:
    assume(well_conditioned(tree, xs))
    values = [Value(x) for x in xs]
    engine = grad(evaluate(tree, values, 0), values)
    for i, orders in enumerate([(1, 0), (0, 1)]):
        exact = mp_derivative(tree, xs, orders)
        assert close(engine[i], exact, 1e-6, 1e-7), (tree, xs, i, engine[i], exact)


@settings(max_examples=80, deadline=None)
@given(tree=trees(2, max_leaves=6), xs=points)
def test_second_derivatives_match_high_precision_differences(tree: Tree, xs: list[float]) -> None:
    assume(well_conditioned(tree, xs))
    engine = hessian(lambda a, b: evaluate(tree, [a, b], 0), xs)
    for i in range(2):
        for j in range(2):
            orders = (int(i == 0) + int(j == 0), int(i == 1) + int(j == 1))
            exact = mp_derivative(tree, xs, orders)
            assert close(engine[i][j], exact, 1e-5, 1e-6), (tree, xs, i, j, engine[i][j], exact)


@settings(max_examples=60, deadline=None)
@given(tree=trees(2, max_leaves=4), xs=points)
def test_derivatives_match_sympy_on_small_smooth_trees(tree: Tree, xs: list[float]) -> None:
    assume(not uses_kinked_ops(tree) and well_conditioned(tree, xs))
    symbols = sympy.symbols("x0 x1", real=True)
    expression = evaluate(tree, list(symbols), 2)
    at = dict(zip(symbols, xs, strict=True))
    values = [Value(x) for x in xs]
    y = evaluate(tree, values, 0)
    first = grad(y, values, create_graph=True)
    for i, s in enumerate(symbols):
        d = sympy.diff(expression, s)
        assert close(first[i].item(), float(d.evalf(subs=at)), 1e-9, 1e-9)
        second = grad(first[i], values)
        for j, t in enumerate(symbols):
            exact = float(sympy.diff(d, t).evalf(subs=at))
            assert close(second[j], exact, 1e-7, 1e-7), (tree, xs, i, j)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(tree=trees(3), xs=st.lists(st.floats(-2.5, 2.5), min_size=3, max_size=3))
def test_backprop_grad_and_backward_steps_agree(
    backprop: Backprop, tree: Tree, xs: list[float]
) -> None:
    assume(well_conditioned(tree, xs))
    values = [Value(x) for x in xs]
    y = evaluate(tree, values, 0)
    expected = grad(y, values)
    stepped: dict[Value, float] = {y: 1.0}
    for step in backward_steps(y):
        for parent, g in zip(step.node.parents, step.parent_grads, strict=True):
            stepped[parent] = stepped.get(parent, 0.0) + g
    assert backprop(y) == y.data
    for value, g in zip(values, expected, strict=True):
        assert stepped.get(value, 0.0) == g  # the same accumulation, step by step
        assert value.grad == pytest.approx(g, rel=1e-12, abs=0.0)
