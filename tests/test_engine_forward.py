"""Forward mode and the functional APIs built on both modes: jvp, vjp, value_and_grad, hvp,
and jacobian/hessian with create_graph=True.

The oracles: the reverse mode (``grad``, ``jacobian``, ``hessian``), derivatives by finite
differences at 40 digits (mpmath), a tiny dual-number class written here, and closed forms.
"""

from __future__ import annotations

import math
from typing import Any

import mpmath
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_engine import (
    AnomalyError,
    Value,
    detect_anomaly,
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
    maximum,
    no_grad,
    value_and_grad,
    vjp,
)
from autograd_engine.ops import Op, cos, sin
from tests.expressions import Tree, evaluate, trees, well_conditioned

try:  # PyTorch is one more oracle when it is installed, never a requirement
    import torch

    from tests.test_engine_torch_parity import has_pow_with_zero_exponent, torch_evaluate
except ImportError:
    torch = None

points = st.lists(st.floats(-2.5, 2.5), min_size=3, max_size=3)
directions = st.lists(st.floats(-2.0, 2.0), min_size=3, max_size=3)


def close(engine: float, exact: float, rel: float, abs_: float) -> bool:
    return abs(engine - exact) <= rel * abs(exact) + abs_


def dot(row: list[float], column: list[float]) -> float:
    return math.fsum(a * b for a, b in zip(row, column, strict=True))


def engine_function(tree: Tree) -> Any:
    return lambda *values: evaluate(tree, list(values), 0)


def mp_directional_derivative(tree: Tree, xs: list[float], t: list[float]) -> float:
    """d/dε tree(x + ε t) at ε = 0, by finite differences at 40 significant digits."""
    with mpmath.workdps(40):
        point = [mpmath.mpf(x) for x in xs]
        direction = [mpmath.mpf(d) for d in t]

        def along(eps: Any) -> Any:
            return evaluate(tree, [x + eps * d for x, d in zip(point, direction, strict=True)], 1)

        return float(mpmath.diff(along, 0))


# --- jvp against the reverse mode and against finite differences ------------------------------


@settings(max_examples=120, deadline=None)
@given(tree=trees(3), xs=points, t=directions)
def test_jvp_is_the_reverse_gradient_dotted_with_the_tangent(
    tree: Tree, xs: list[float], t: list[float]
) -> None:
    assume(well_conditioned(tree, xs))
    value, derivative = jvp(engine_function(tree), xs, t)
    values = [Value(x) for x in xs]
    y = evaluate(tree, values, 0)
    gradient = grad(y, values)
    assert value == y.data
    expected = dot(gradient, t)
    scale = math.fsum(abs(g * d) for g, d in zip(gradient, t, strict=True))
    assert abs(derivative - expected) <= 1e-12 * scale + 1e-13, (tree, xs, t, derivative, expected)


@settings(max_examples=100, deadline=None)
@given(tree=trees(3), xs=points, t=directions)
def test_jvp_matches_high_precision_central_differences(
    tree: Tree, xs: list[float], t: list[float]
) -> None:
    assume(well_conditioned(tree, xs))
    _, derivative = jvp(engine_function(tree), xs, t)
    exact = mp_directional_derivative(tree, xs, t)
    assert close(derivative, exact, 1e-6, 1e-7), (tree, xs, t, derivative, exact)


@settings(max_examples=60, deadline=None)
@given(forest=st.lists(trees(3, max_leaves=6), min_size=1, max_size=4), xs=points, t=directions)
def test_jvp_of_several_outputs_is_the_jacobian_times_the_tangent(
    forest: list[Tree], xs: list[float], t: list[float]
) -> None:
    assume(all(well_conditioned(tree, xs) for tree in forest))

    def f(*values: Value) -> list[Value]:
        return [evaluate(tree, list(values), 0) for tree in forest]

    value, derivative = jvp(f, xs, t)
    J = jacobian(f, xs)
    assert isinstance(value, list)
    assert len(value) == len(derivative) == len(forest)
    for k, row in enumerate(J):
        scale = math.fsum(abs(g * d) for g, d in zip(row, t, strict=True))
        assert abs(derivative[k] - dot(row, t)) <= 1e-12 * scale + 1e-13, (forest, k)


class Dual:
    """A dual number a + ȧε (ε² = 0), the textbook forward mode, for + - * only."""

    def __init__(self, value: float, tangent: float = 0.0) -> None:
        self.value, self.tangent = value, tangent

    def __add__(self, other: Dual | float) -> Dual:
        o = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.value + o.value, self.tangent + o.tangent)

    __radd__ = __add__

    def __mul__(self, other: Dual | float) -> Dual:
        o = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.value * o.value, self.tangent * o.value + self.value * o.tangent)

    __rmul__ = __mul__

    def __neg__(self) -> Dual:
        return self * -1.0

    # Subtraction as Value does it: a - b = a + (-b), a - c = a + (-c), c - a = (-a) + c.
    def __sub__(self, other: Dual | float) -> Dual:
        return self + (-other)

    def __rsub__(self, other: float) -> Dual:
        return (-self) + other


polynomials = st.recursive(
    st.one_of(
        st.tuples(st.just("x"), st.integers(0, 2)),
        st.tuples(st.just("c"), st.sampled_from([0.5, 1.5, -1.0, 3.0])),
    ),
    lambda children: st.tuples(st.sampled_from(["add", "sub", "mul", "neg"]), children, children),
    max_leaves=12,
)


def evaluate_polynomial(tree: Tree, inputs: list[Any]) -> Any:
    kind = tree[0]
    if kind == "x":
        return inputs[tree[1]]
    if kind == "c":
        return tree[1]
    a, b = (evaluate_polynomial(child, inputs) for child in tree[1:])
    if kind == "neg":
        return -a
    if kind == "add":
        return a + b
    return a - b if kind == "sub" else a * b


@settings(max_examples=150, deadline=None)
@given(tree=polynomials, xs=points, t=directions)
def test_jvp_of_plus_minus_times_is_bit_for_bit_dual_number_arithmetic(
    tree: Tree, xs: list[float], t: list[float]
) -> None:
    duals = evaluate_polynomial(tree, [Dual(x, d) for x, d in zip(xs, t, strict=True)])
    assume(isinstance(duals, Dual))  # not a tree of constants alone
    value, derivative = jvp(lambda *v: evaluate_polynomial(tree, list(v)), xs, t)
    assert (value, derivative) == (duals.value, duals.tangent), tree


def test_jvp_of_one_input_many_outputs_is_one_column() -> None:
    # y_k = sin(k t): one sweep gives every dy_k/dt = k cos(k t).
    value, derivative = jvp(lambda t: [(t * k).sin() for k in range(1, 6)], [0.3], [1.0])
    assert value == [math.sin(0.3 * k) for k in range(1, 6)]
    assert derivative == pytest.approx([k * math.cos(0.3 * k) for k in range(1, 6)], rel=1e-15)


def test_a_users_op_works_in_forward_mode_with_no_extra_rule() -> None:
    sin2 = Op("sin2", lambda x: math.sin(x) ** 2, lambda g, y, x: (g * 2 * sin(x) * cos(x),))
    _, derivative = jvp(lambda x: x.apply(sin2), [0.4], [3.0])
    assert derivative == pytest.approx(3.0 * math.sin(0.8), rel=1e-15)


def test_piecewise_ops_take_the_same_one_sided_choices_as_the_reverse_mode() -> None:
    # relu'(0) = 0; abs'(0) = 0; inputs tied for a maximum share its derivative evenly.
    assert jvp(lambda a: a.relu() + abs(a), [0.0], [1.0]) == (0.0, 0.0)
    assert jvp(lambda a, b: maximum(a, b), [1.0, 1.0], [1.0, 0.0]) == (1.0, 0.5)
    a, b = Value(1.0), Value(1.0)
    assert grad(maximum(a, b), [a, b]) == [0.5, 0.5]


def test_values_made_or_captured_inside_f_are_constants() -> None:
    outside = Value(5.0)
    value, derivative = jvp(lambda x: x * outside + Value(2.0) * x * x, [3.0], [1.0])
    assert (value, derivative) == (33.0, 17.0)
    assert jvp(lambda x, y: 4.0, [1.0, 2.0], [1.0, 1.0]) == (4.0, 0.0)
    assert jvp(lambda x, y: [x, 4.0], [1.0, 2.0], [3.0, 1.0]) == ([1.0, 4.0], [3.0, 0.0])


def test_jvp_works_inside_no_grad() -> None:
    with no_grad():
        assert jvp(lambda x: x.exp() * x, [0.0], [2.0]) == (0.0, 2.0)


# --- vjp and value_and_grad ---------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    forest=st.lists(trees(3, max_leaves=6), min_size=1, max_size=4),
    xs=points,
    c=st.lists(st.floats(-2.0, 2.0), min_size=4, max_size=4),
)
def test_vjp_is_the_cotangent_times_the_jacobian(
    forest: list[Tree], xs: list[float], c: list[float]
) -> None:
    assume(all(well_conditioned(tree, xs) for tree in forest))

    def f(*values: Value) -> list[Value]:
        return [evaluate(tree, list(values), 0) for tree in forest]

    value, vjp_fn = vjp(f, xs)
    J = jacobian(f, xs)
    weights = c[: len(forest)]
    product = vjp_fn(weights)
    assert value == [evaluate(tree, [Value(x) for x in xs], 0).data for tree in forest]
    for j in range(3):
        column = [row[j] for row in J]
        scale = math.fsum(abs(w * d) for w, d in zip(weights, column, strict=True))
        assert abs(product[j] - dot(weights, column)) <= 1e-12 * scale + 1e-13


def test_vjp_of_one_output_takes_one_number_and_can_be_called_again() -> None:
    value, vjp_fn = vjp(lambda x, y: x * y.exp(), [3.0, 0.0])
    assert value == 3.0
    assert vjp_fn(1.0) == [1.0, 3.0]
    assert vjp_fn(-2.0) == [-2.0, -6.0]


def test_vjp_of_an_output_listed_twice_adds_its_cotangents() -> None:
    _, vjp_fn = vjp(lambda x: [x * x, x * x, x], [3.0])
    assert vjp_fn([1.0, 2.0, 10.0]) == [6.0 * 3 + 10.0]


def test_value_and_grad_gives_the_value_and_the_reverse_gradient() -> None:
    def f(x: Value, y: Value) -> Value:
        return (x * y).tanh() + x**2

    value, gradient = value_and_grad(f)(0.5, -1.5)
    x, y = Value(0.5), Value(-1.5)
    out = f(x, y)
    assert value == out.data
    assert gradient == grad(out, [x, y])


def test_value_and_grad_argnums_picks_arguments_and_passes_the_rest_unchanged() -> None:
    def loss(w: Value, b: Value, data: list[tuple[float, float]]) -> Value:
        return sum(((w * x + b - y) ** 2 for x, y in data), Value(0.0))

    data = [(1.0, 2.0), (2.0, 3.0)]
    # d/dw = sum 2 (wx + b - y) x = 2(-1)(1) + 2(-1)(2) = -6 at w = 1, b = 0.
    assert value_and_grad(loss, argnums=0)(1.0, 0.0, data) == (2.0, -6.0)
    assert value_and_grad(loss, argnums=(1, 0))(1.0, 0.0, data) == (2.0, [-4.0, -6.0])
    assert value_and_grad(loss, argnums=-2)(1.0, 0.0, data) == (2.0, -4.0)
    with no_grad():
        assert value_and_grad(loss, argnums=[0, 1])(1.0, 0.0, data) == (2.0, [-6.0, -4.0])


def test_value_and_grad_errors_name_the_problem() -> None:
    with pytest.raises(TypeError, match=r"must return one Value.*use jacobian or vjp"):
        value_and_grad(lambda x: [x, x])(1.0)
    with pytest.raises(TypeError, match="argument 1 must be a real number"):
        value_and_grad(lambda x, d: x)(1.0, "data")
    with pytest.raises(IndexError, match="argnums 2 is out of range for 2 arguments"):
        value_and_grad(lambda x, y: x, argnums=2)(1.0, 2.0)
    with pytest.raises(ValueError, match="names an argument twice"):
        value_and_grad(lambda x, y: x, argnums=(0, -2))(1.0, 2.0)
    with pytest.raises(TypeError, match="argnums must be ints"):
        value_and_grad(lambda x: x, argnums=["0"])  # type: ignore[list-item]


def test_value_and_grad_keeps_the_functions_name() -> None:
    def loss(x: Value) -> Value:
        return x * x

    assert value_and_grad(loss).__name__ == "loss"


# --- hvp: forward over reverse --------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(tree=trees(3, max_leaves=6), xs=points, v=directions)
def test_hvp_is_the_hessian_times_the_vector(tree: Tree, xs: list[float], v: list[float]) -> None:
    assume(well_conditioned(tree, xs))
    product = hvp(engine_function(tree), xs, v)
    H = hessian(engine_function(tree), xs)
    for i, row in enumerate(H):
        scale = math.fsum(abs(h * d) for h, d in zip(row, v, strict=True))
        assert abs(product[i] - dot(row, v)) <= 1e-11 * scale + 1e-12, (tree, xs, v, i)


def test_hvp_of_rosenbrock_against_its_closed_form_hessian() -> None:
    def rosenbrock(x: Value, y: Value) -> Value:
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    x, y, v = 1.2, 0.8, [0.5, -2.0]
    H = [[2 - 400 * (y - x**2) + 800 * x**2, -400 * x], [-400 * x, 200.0]]
    assert hvp(rosenbrock, [x, y], v) == pytest.approx([dot(row, v) for row in H], rel=1e-12)


def test_hvp_of_a_function_that_ignores_an_input_is_zero_there() -> None:
    assert hvp(lambda x, y: x**3, [2.0, 5.0], [1.0, 1.0]) == [12.0, 0.0]


# --- jacobian and hessian with create_graph=True ---------------------------------------------


def test_hessian_with_create_graph_differentiates_a_third_time() -> None:
    # f = x³ sin y: f_xx = 6x sin y, f_xy = 3x² cos y, f_yy = -x³ sin y.
    x, y = Value(1.2), Value(0.7)
    H = hessian(lambda a, b: a**3 * b.sin(), [x, y], create_graph=True)
    assert all(isinstance(entry, Value) for row in H for entry in row)
    s, c = math.sin(0.7), math.cos(0.7)
    assert grad(H[0][0], [x, y]) == pytest.approx([6 * s, 6 * 1.2 * c], rel=1e-14)
    assert grad(H[0][1], [x, y]) == pytest.approx([6 * 1.2 * c, -3 * 1.44 * s], rel=1e-14)
    assert grad(H[1][1], [x, y]) == pytest.approx([-3 * 1.44 * s, -(1.2**3) * c], rel=1e-14)
    # and a fourth: d⁴f/dx⁴ = 0, d⁴f/dy⁴ = x³ sin y
    (fourth_x, _) = grad(grad(H[0][0], [x, y], create_graph=True)[0], [x, y])
    (_, fourth_y) = grad(grad(H[1][1], [x, y], create_graph=True)[1], [x, y])
    assert fourth_x == 0.0
    assert fourth_y == pytest.approx(1.2**3 * s, rel=1e-14)


def test_jacobian_with_create_graph_entries_backpropagate() -> None:
    # J of (x y, e^x y) is [[y, x], [e^x y, e^x]]; d(e^x y)/dx = e^x y.
    x, y = Value(0.5), Value(2.0)
    J = jacobian(lambda a, b: [a * b, a.exp() * b], [x, y], create_graph=True)
    assert [e.data for row in J for e in row] == pytest.approx(
        [2.0, 0.5, math.exp(0.5) * 2.0, math.exp(0.5)], rel=1e-15
    )
    J[1][0].backward()
    assert (x.grad, y.grad) == pytest.approx((math.exp(0.5) * 2.0, math.exp(0.5)), rel=1e-15)


def test_create_graph_works_inside_no_grad_and_numbers_still_give_floats() -> None:
    with no_grad():
        H = hessian(lambda a: a**4, [2.0], create_graph=True)
        assert isinstance(H[0][0], Value)
        assert H[0][0].data == 48.0
        assert H[0][0].parents  # a graph, recorded although recording is off outside
        J = jacobian(lambda a: [a**4], [Value(2.0)])
    assert J == [[32.0]]
    assert type(J[0][0]) is float


# --- errors ------------------------------------------------------------------------------------


def test_jvp_input_errors_name_the_problem() -> None:
    with pytest.raises(ValueError, match="2 primals but 1 tangents"):
        jvp(lambda a, b: a * b, [1.0, 2.0], [1.0])
    with pytest.raises(TypeError, match=r"tangents\[1\] must be a real number, not str"):
        jvp(lambda a, b: a * b, [1.0, 2.0], [1.0, "x"])
    with pytest.raises(TypeError, match=r"primals\[0\] must be a real number, not Value"):
        jvp(lambda a: a, [Value(1.0)], [1.0])
    with pytest.raises(TypeError, match=r"primals must be a sequence of numbers.*not float"):
        jvp(lambda a: a, 1.0, [1.0])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="jvp: f must return Values, not str"):
        jvp(lambda a: "a", [1.0], [1.0])  # type: ignore[arg-type, return-value]
    with pytest.raises(TypeError, match=r"xs\[1\] must be a real number or a Value"):
        jacobian(lambda a, b: a, [1.0, None])  # type: ignore[list-item]


def test_an_empty_list_of_outputs_has_empty_derivatives() -> None:
    assert jvp(lambda a, b: [], [1.0, 2.0], [1.0, 1.0]) == ([], [])
    value, vjp_fn = vjp(lambda a, b: [], [1.0, 2.0])
    assert (value, vjp_fn([])) == ([], [0.0, 0.0])


def test_hvp_needs_a_scalar_function() -> None:
    with pytest.raises(TypeError, match="hvp: f must return one Value"):
        hvp(lambda a, b: [a, b], [1.0, 2.0], [1.0, 0.0])


def test_vjp_input_errors_name_the_problem() -> None:
    _, vjp_fn = vjp(lambda a: [a, a * 2], [1.0])
    with pytest.raises(ValueError, match="1 cotangents for 2 outputs"):
        vjp_fn([1.0])
    _, scalar_fn = vjp(lambda a: a * 2, [1.0])
    with pytest.raises(TypeError, match="the cotangent is one number, not list"):
        scalar_fn([1.0])


def test_a_rule_that_raises_is_retold_naming_the_op() -> None:
    # sqrt'(0) is infinite: the rule refuses, and the tangent cannot be formed.
    with pytest.raises(ZeroDivisionError, match=r"jvp: the local derivative of \*\*0.5 at 0.0"):
        jvp(lambda a: a.sqrt(), [0.0], [1.0])


def test_a_tangent_that_overflows_from_finite_numbers_raises() -> None:
    with pytest.raises(OverflowError, match=r"jvp: the tangent overflows a float: \* at 1.0"):
        jvp(lambda a: a * 1e300, [1.0], [1e10])


def test_an_infinite_partial_times_a_zero_tangent_is_invalid() -> None:
    # d(a**b)/da at a = 0, b = 0.5 is +inf; with tangent 0 along a the product is nan.
    with pytest.raises(ValueError, match=r"invalid operation \(IEEE would give nan\)"):
        jvp(lambda a, b: a**b, [0.0, 0.5], [0.0, 1.0])


def test_nan_and_inf_in_the_data_propagate_as_in_ieee() -> None:
    value, derivative = jvp(lambda a: a * 2, [math.nan], [1.0])
    assert math.isnan(value)
    assert derivative == 2.0
    assert jvp(lambda a: a * 2, [1.0], [math.inf]) == (2.0, math.inf)


def test_detect_anomaly_stops_at_the_first_infinite_tangent() -> None:
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"in jvp, \* at 1\.0 \* 2\.0"):
        jvp(lambda a: a * 2, [1.0], [math.inf])


def test_a_constants_infinite_partial_is_never_used() -> None:
    # d(0.0 ** b)/d(base) is +inf at b = 0.5, but the base is a constant: no tangent, no term.
    assert jvp(lambda b: 0.0**b, [0.5], [1.0]) == (0.0, 0.0)


def test_rules_run_only_at_nodes_that_depend_on_an_input() -> None:
    calls = []

    def counted_backward(g: Any, y: Any, a: Any, b: Any) -> tuple[Any, Any]:
        calls.append((a, b))
        return g * b, g * a

    times = Op("times", lambda a, b: a * b, counted_backward)

    def f(x: Value) -> Value:
        constant = Value(2.0).apply(times, 3.0).apply(times, 4.0)  # depends on no input
        return x.apply(times, constant)

    assert jvp(f, [0.5], [1.0]) == (12.0, 24.0)
    assert calls == [(0.5, 24.0)]  # one rule, at the one node that depends on x
    # A rule that would fail at a node that depends on no input is never run either.
    assert jvp(lambda x: x + Value(0.0).sqrt(), [1.0], [1.0]) == (1.0, 1.0)


# --- PyTorch as one more oracle (skipped when it is not installed) ----------------------------


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed")
@settings(max_examples=60, deadline=None)
@given(tree=trees(3, max_leaves=6), xs=points, t=directions)
def test_jvp_and_hvp_match_pytorch(tree: Tree, xs: list[float], t: list[float]) -> None:
    assume(well_conditioned(tree, xs) and not has_pow_with_zero_exponent(tree, xs))
    primals = tuple(torch.tensor(x, dtype=torch.float64) for x in xs)
    directions_ = tuple(torch.tensor(d, dtype=torch.float64) for d in t)

    def f(*inputs: Any) -> Any:
        out = torch_evaluate(tree, list(inputs))
        return out + 0.0 * inputs[0]  # a tensor that depends on the inputs, even for a constant

    _, torch_jvp = torch.autograd.functional.jvp(f, primals, directions_)
    _, torch_hvp = torch.autograd.functional.hvp(f, primals, directions_)
    _, derivative = jvp(engine_function(tree), xs, t)
    product = hvp(engine_function(tree), xs, t)
    assert derivative == pytest.approx(torch_jvp.item(), rel=1e-9, abs=1e-11), (tree, xs, t)
    for i in range(3):
        assert product[i] == pytest.approx(torch_hvp[i].item(), rel=1e-9, abs=1e-10), (tree, i)


# --- transforms compose, as JAX's do ------------------------------------------------------


def test_nested_jvp_keeps_the_outer_derivative() -> None:
    # foo(x) = d/dy (x * y) = x, so d foo/dx along 2.0 is 2.0 (JAX: (1.0, 2.0)).
    def foo(x: Value) -> Any:
        return jvp(lambda y: x * y, [3.0], [1.0])[1]

    assert jvp(foo, [1.0], [2.0]) == (1.0, 2.0)


def test_three_nested_jvps_give_the_third_mixed_derivative() -> None:
    # d³(x y z²)/dx dy dz = 2z, and the innermost value 2xyz at (1, 1, 1).
    def inner(x: Value, y: Value) -> Any:
        return jvp(lambda z: x * y * z * z, [1.0], [1.0])[1]

    def middle(x: Value) -> Any:
        return jvp(lambda y: inner(x, y), [1.0], [1.0])[1]

    assert jvp(middle, [1.0], [1.0]) == (2.0, 2.0)


def test_an_inner_transform_of_an_outer_value_differentiates_its_own_variable_only() -> None:
    # jvp at the outer x itself: d/dy (x * y) at y = x is x (not 2x: the captured x is
    # not the inner variable), and d/dx of that is 1.
    assert jvp(lambda x: jvp(lambda y: x * y, [x], [1.0])[1], [3.0], [2.0]) == (3.0, 2.0)


def test_grad_of_jvp_and_jvp_of_grad() -> None:
    # d/dy (x y²) = 2xy; at y = 3 its derivative in x is 6.
    assert value_and_grad(lambda x: jvp(lambda y: x * y * y, [3.0], [1.0])[1])(2.0) == (
        12.0,
        [6.0],
    )
    # d/dx x³ = 3x² = 12 at 2, and its derivative 6x = 12.
    assert jvp(lambda x: grad(x**3, [x])[0], [2.0], [1.0]) == (12.0, 12.0)
    assert jvp(lambda x: value_and_grad(lambda y: y**3, argnums=0)(x)[1], [2.0], [1.0]) == (
        12.0,
        12.0,
    )


def test_grad_of_grad_through_value_and_grad() -> None:
    # d/dy (x y³) = 3x y², at y = x it is 3x³ = 24 at x = 2, whose derivative is 9x² = 36.
    def f(x: Value) -> Any:
        return value_and_grad(lambda y: x * y**3, argnums=0)(x)[1]

    assert value_and_grad(f, argnums=0)(2.0) == (24.0, 36.0)


def test_vjp_jacobian_and_hessian_compose_inside_jvp() -> None:
    assert jvp(lambda x: vjp(lambda y: x * y * y, [3.0])[1](1.0)[0], [2.0], [1.0]) == (12.0, 6.0)
    assert jvp(lambda x: jacobian(lambda y: [x * y * y], [3.0])[0][0], [2.0], [1.0]) == (
        12.0,
        6.0,
    )
    assert jvp(lambda x: hessian(lambda y: x * y**3, [3.0])[0][0], [2.0], [1.0]) == (36.0, 18.0)


def test_outside_any_transform_results_stay_floats_and_values_are_refused() -> None:
    assert jvp(lambda x: x * x, [3.0], [1.0]) == (9.0, 6.0)
    assert type(grad(Value(2.0) * 3.0, [Value(1.0)])[0]) is float
    with pytest.raises(TypeError, match=r"pass its number, v\.data"):
        jvp(lambda x: x, [Value(1.0)], [1.0])


def test_value_and_grad_passes_keyword_arguments_through_undifferentiated() -> None:
    def f(x: Value, scale: float = 1.0, *, offset: float = 0.0) -> Value:
        return x * x * scale + offset

    assert value_and_grad(f)(3.0, scale=2.0) == (18.0, [12.0])
    assert value_and_grad(f, argnums=0)(3.0, scale=2.0, offset=1.0) == (19.0, 12.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'shift'"):
        value_and_grad(f)(3.0, shift=2.0)
