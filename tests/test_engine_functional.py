"""grad, higher derivatives, jacobian, hessian, gradcheck, and user-defined ops."""

from __future__ import annotations

import math
from typing import Any

import pytest

from autograd_engine import (
    GradcheckError,
    Op,
    Value,
    grad,
    gradcheck,
    gradgradcheck,
    hessian,
    jacobian,
)
from autograd_engine.ops import cos, sin


def test_grad_returns_derivatives_without_touching_dot_grad() -> None:
    x, y, unused = Value(2.0), Value(3.0), Value(7.0)
    z = x * y + x**2
    assert grad(z, [x, y, unused]) == [7.0, 2.0, 0.0]
    assert (x.grad, y.grad, unused.grad) == (0.0, 0.0, 0.0)


def test_grad_with_respect_to_an_intermediate_node() -> None:
    x = Value(2.0)
    h = x * 3
    z = h * h
    assert grad(z, [h, x]) == [12.0, 36.0]


def test_grad_create_graph_returns_values_that_differentiate_again() -> None:
    x = Value(2.0)
    y = x**4  # y' = 4x³, y'' = 12x², y''' = 24x, y'''' = 24
    derivatives = []
    current: Any = y
    for _ in range(4):
        (current,) = grad(current, [x], create_graph=True)
        assert isinstance(current, Value)
        derivatives.append(current.data)
    assert derivatives == [32.0, 48.0, 48.0, 24.0]


def test_create_graph_gives_value_zero_for_an_unrelated_input() -> None:
    x, unused = Value(1.0), Value(1.0)
    dx, du = grad(x.sin(), [x, unused], create_graph=True)
    assert isinstance(du, Value)
    assert du.data == 0.0
    assert dx.data == pytest.approx(math.cos(1.0))


def test_second_derivatives_of_every_function() -> None:
    x = Value(0.7)
    cases = {
        "exp": (x.exp(), math.exp(0.7)),
        "log": (x.log(), -1 / 0.49),
        "tanh": (x.tanh(), -2 * math.tanh(0.7) * (1 - math.tanh(0.7) ** 2)),
        "sin": (x.sin(), -math.sin(0.7)),
        "sqrt": (x.sqrt(), -0.25 * 0.7**-1.5),
    }
    for name, (y, expected) in cases.items():
        (first,) = grad(y, [x], create_graph=True)
        (second,) = grad(first, [x])
        assert second == pytest.approx(expected, rel=1e-12), name


def test_grad_rejects_non_values() -> None:
    with pytest.raises(TypeError, match="output must be a Value"):
        grad(1.0, [Value(1.0)])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a Value"):
        grad(Value(1.0), [Value(1.0), 2.0])  # type: ignore[list-item]


def test_jacobian_of_polar_to_cartesian() -> None:
    r, theta = 2.0, 0.5
    J = jacobian(lambda r, t: [r * t.cos(), r * t.sin()], [r, theta])
    expected = [
        [math.cos(theta), -r * math.sin(theta)],
        [math.sin(theta), r * math.cos(theta)],
    ]
    for row, expected_row in zip(J, expected, strict=True):
        assert row == pytest.approx(expected_row, rel=1e-15)


def test_jacobian_of_a_scalar_function_is_one_row() -> None:
    assert jacobian(lambda a, b: a * b, [2.0, 5.0]) == [[5.0, 2.0]]


def test_hessian_of_a_paraboloid() -> None:
    # f = 3x² + 2xy + y², H = [[6, 2], [2, 2]] everywhere.
    H = hessian(lambda x, y: 3 * x**2 + 2 * x * y + y**2, [1.5, -4.0])
    assert H == [[6.0, 2.0], [2.0, 2.0]]


def test_hessian_of_rosenbrock() -> None:
    def rosenbrock(x: Value, y: Value) -> Value:
        return (1 - x) ** 2 + 100 * (y - x**2) ** 2

    x, y = 1.2, 0.8
    H = hessian(rosenbrock, [x, y])
    expected = [[2 - 400 * (y - x**2) + 800 * x**2, -400 * x], [-400 * x, 200.0]]
    for row, expected_row in zip(H, expected, strict=True):
        assert row == pytest.approx(expected_row, rel=1e-12)


def test_hessian_of_a_function_that_ignores_an_input() -> None:
    assert hessian(lambda x, y: x**3, [2.0, 1.0]) == [[12.0, 0.0], [0.0, 0.0]]


# --- gradcheck catches wrong rules -------------------------------------------------------------


def _wrong_square_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
    return (g * 3 * x,)  # should be 2x


WRONG_SQUARE = Op("square", lambda x: x * x, _wrong_square_backward)


def test_gradcheck_names_the_input_and_both_numbers_on_a_wrong_rule() -> None:
    def f(a: Value, b: Value) -> Value:
        return a * b.apply(WRONG_SQUARE)

    with pytest.raises(
        GradcheckError, match=r"input 1 \(x1 = 3\.0\): analytic 9\.0, numerical 6\.0"
    ):
        gradcheck(f, [1.0, 3.0])
    assert gradcheck(f, [1.0, 3.0], raise_exception=False) is False


def test_gradgradcheck_catches_a_rule_that_is_right_only_on_floats() -> None:
    # First derivative right, but the rule drops its dependence on x when given Values.
    def backward(g: Any, y: Any, x: Any) -> tuple[Any]:
        return (g * 2 * (x if isinstance(x, float) else x.data),)

    square = Op("square", lambda x: x * x, backward)
    assert gradcheck(lambda a: a.apply(square), [1.5])
    assert gradgradcheck(lambda a: a.apply(square), [1.5], raise_exception=False) is False


def test_gradcheck_handles_several_outputs() -> None:
    assert gradcheck(lambda a, b: [a * b, (a + b).tanh()], [0.3, -0.8])


def test_the_documented_user_op_example_works() -> None:
    # The example in the docstring of autograd_engine.ops.
    def sin2_forward(x: float) -> float:
        return math.sin(x) ** 2

    def sin2_backward(g: Any, y: Any, x: Any) -> tuple[Any]:
        return (g * 2 * sin(x) * cos(x),)

    sin2 = Op("sin2", sin2_forward, sin2_backward)
    x = Value(0.3)
    y = x.apply(sin2)
    assert (y.op, y.parents) == ("sin2", (x,))
    assert gradcheck(lambda a: a.apply(sin2), [0.3])
    assert gradgradcheck(lambda a: a.apply(sin2), [0.3])


def test_apply_with_several_inputs_and_numbers() -> None:
    fma = Op("fma", lambda a, b, c: a * b + c, lambda g, y, a, b, c: (g * b, g * a, g))
    a, b = Value(2.0), Value(3.0)
    y = a.apply(fma, b, 4)
    assert y.data == 10.0
    y.backward()
    assert (a.grad, b.grad) == (3.0, 2.0)
    assert y.parents[2].is_constant
    assert y.parents[2].grad == 0.0  # the number 4 is a Constant: it gets no gradient
    assert gradcheck(lambda p, q, r: p.apply(fma, q, r), [2.0, 3.0, 4.0])
    with pytest.raises(TypeError, match="fma: inputs must be Values or real numbers"):
        a.apply(fma, b, "4")
