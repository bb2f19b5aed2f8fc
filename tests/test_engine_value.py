"""The Value node: construction, attributes, operators with numbers, and clear errors."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction

import numpy as np
import pytest

from autograd_engine import Value


@pytest.mark.parametrize(
    "data", [3, 3.0, True, Fraction(3, 4), np.float64(2.5), np.float32(2.5), np.int64(7)]
)
def test_real_numbers_are_stored_as_float(data: object) -> None:
    v = Value(data)
    assert type(v.data) is float
    assert v.data == float(data)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("data", "type_name"),
    [("1.0", "str"), (None, "NoneType"), (1 + 2j, "complex"), ([1.0], "list")],
)
def test_anything_else_is_a_type_error_naming_the_type(data: object, type_name: str) -> None:
    with pytest.raises(TypeError, match=type_name):
        Value(data)


def test_a_new_value_is_a_leaf_with_zero_grad() -> None:
    v = Value(2.0, label="w")
    assert (v.data, v.grad, v.label, v.op, v.parents) == (2.0, 0.0, "w", "", ())
    assert v.is_leaf


def test_repr_shows_data_grad_and_label() -> None:
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(-1.5, label="b")) == "Value(data=-1.5, grad=0.0, label='b')"


def test_values_hash_and_compare_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b
    assert a == a
    assert len({a, b, a}) == 2
    assert {a: "a", b: "b"}[b] == "b"


def test_parents_are_in_argument_order() -> None:
    a, b = Value(1.0), Value(2.0)
    assert (a * b).parents == (a, b)
    assert (b * a).parents == (b, a)
    assert (a + b).op == "+"
    assert (a * b).op == "*"


@pytest.mark.parametrize(
    ("f", "expected"),
    [
        (lambda x: x + 2, 5.0),
        (lambda x: 2 + x, 5.0),
        (lambda x: x - 2, 1.0),
        (lambda x: 2 - x, -1.0),
        (lambda x: x * 2, 6.0),
        (lambda x: 2 * x, 6.0),
        (lambda x: x / 2, 1.5),
        (lambda x: 6 / x, 2.0),
        (lambda x: x**2, 9.0),
        (lambda x: 2**x, 8.0),
        (lambda x: x ** Value(2.0), 9.0),
        (lambda x: -x, -3.0),
        (lambda x: +x, 3.0),
        (lambda x: abs(-x), 3.0),
        (lambda x: np.float64(2.0) * x, 6.0),
        (lambda x: x * np.float32(2.0), 6.0),
        (lambda x: np.int64(2) + x, 5.0),
    ],
)
def test_operators_take_numbers_on_either_side(
    f: Callable[[Value], Value], expected: float
) -> None:
    y = f(Value(3.0))
    assert isinstance(y, Value)
    assert y.data == expected


@pytest.mark.parametrize(
    "f",
    [
        lambda x: x + "a",
        lambda x: "a" + x,
        lambda x: x * None,
        lambda x: [1] * x,
        lambda x: x / "2",
        lambda x: x ** [2],
        lambda x: "2" ** x,
        lambda x: x - 1j,
        lambda x: 1j - x,
    ],
)
def test_operators_reject_non_numbers_with_type_error(f: Callable[[Value], object]) -> None:
    with pytest.raises(TypeError):
        f(Value(3.0))


def test_item_and_detach() -> None:
    x = Value(3.0, label="x")
    y = x * 2
    assert y.item() == 6.0
    d = y.detach()
    assert d.data == 6.0
    assert d.is_leaf
    assert d.parents == ()
    assert d is not y


# --- bad math raises, naming the op and the offending value ----------------------------


@pytest.mark.parametrize(
    ("f", "x", "error", "pattern"),
    [
        (lambda a: a.log(), 0.0, ValueError, r"log.*0\.0"),
        (lambda a: a.log(), -2.0, ValueError, r"log.*-2\.0"),
        (lambda a: a.sqrt(), -4.0, ValueError, r"sqrt.*-4\.0"),
        (lambda a: 1 / a, 0.0, ZeroDivisionError, r"division by zero"),
        (lambda a: Value(3.0) / a, 0.0, ZeroDivisionError, r"division by zero: 3\.0 / 0\.0"),
        (lambda a: a**-1, 0.0, ZeroDivisionError, r"pow.*0\.0 \*\* -1\.0"),
        (lambda a: a**-2.5, 0.0, ZeroDivisionError, r"pow.*0\.0"),
        (lambda a: a ** Value(-1.0), 0.0, ZeroDivisionError, r"pow.*0\.0"),
        (lambda a: a**0.5, -1.0, ValueError, r"pow.*negative base -1\.0"),
        (lambda a: a ** Value(2.0), -2.0, ValueError, r"pow.*negative base -2\.0"),
        (lambda a: (-2.0) ** a, 2.0, ValueError, r"pow.*negative base -2\.0"),
        (lambda a: a.exp(), 710.0, OverflowError, r"exp.*710\.0"),
        (lambda a: a**3, 1e200, OverflowError, r"pow.*1e\+200"),
    ],
)
def test_bad_math_raises_a_clear_error(
    f: Callable[[Value], Value], x: float, error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        f(Value(x))


def test_negative_base_with_integer_exponent_is_fine() -> None:
    x = Value(-2.0)
    y = x**3
    y.backward()
    assert (y.data, x.grad) == (-8.0, 12.0)


def test_exp_just_below_the_overflow_limit_is_finite() -> None:
    assert math.isfinite(Value(709.0).exp().data)


def test_infinite_derivative_raises_instead_of_returning_inf() -> None:
    x = Value(0.0)
    y = x.sqrt()
    assert y.data == 0.0
    with pytest.raises(ZeroDivisionError, match=r"derivative of x \*\* 0\.5 at x = 0"):
        y.backward()


def test_zero_base_with_value_exponent_has_zero_exponent_gradient() -> None:
    base, exponent = Value(0.0), Value(2.0)
    y = base**exponent
    y.backward()
    assert (y.data, base.grad, exponent.grad) == (0.0, 0.0, 0.0)


def test_backward_rejects_a_non_number_gradient() -> None:
    with pytest.raises(TypeError, match="gradient must be a real number"):
        Value(1.0).backward("one")  # type: ignore[arg-type]


# --- -, / and negation: one node each, as on the board ---------------------------------


def test_subtracting_from_a_number_is_one_node_with_derivative_minus_one() -> None:
    out = Value(0.75136507, label="out")
    error = 0.99 - out  # Mazur's target - out
    assert error.op == "-"
    assert [p.data for p in error.parents] == [0.99, 0.75136507]
    assert error.parents[0].is_constant
    assert error.parents[1] is out
    error.backward()
    assert out.grad == -1.0


def test_division_is_one_node_with_both_partials() -> None:
    a, b = Value(3.0), Value(2.0)
    y = a / b
    assert y.op == "/"
    assert y.parents == (a, b)
    y.backward()
    assert (y.data, a.grad, b.grad) == (1.5, 0.5, -0.75)  # 1/b and -a/b²


@pytest.mark.parametrize(
    ("f", "op", "expected"),
    [
        (lambda a: a - 2, "-", (1.0, 1.0)),
        (lambda a: 2 - a, "-", (-1.0, -1.0)),
        (lambda a: a / 4, "/", (0.75, 0.25)),
        (lambda a: 3 / a, "/", (1.0, -1 / 3)),
        (lambda a: -a, "neg", (-3.0, -1.0)),
    ],
)
def test_numbers_on_either_side_make_one_node(
    f: Callable[[Value], Value], op: str, expected: tuple[float, float]
) -> None:
    a = Value(3.0)
    y = f(a)
    assert y.op == op
    assert all(p is a or p.is_constant for p in y.parents)
    y.backward()
    assert (y.data, a.grad) == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize(
    "f", [lambda a: a // 2, lambda a: 7 // a, lambda a: a // Value(2.0), lambda a: divmod(a, 2)]
)
def test_floor_division_is_a_type_error_that_says_what_to_use(f: Callable[[Value], Value]) -> None:
    with pytest.raises(
        TypeError, match=r"floor division has no useful gradient.*a\.data // b\.data"
    ):
        f(Value(7.0))


# --- == with a plain number is loud; == between Values is identity ------------------------


@pytest.mark.parametrize(
    ("compare", "shown"),
    [
        (lambda v: v == 2.0, r"v\.data == 2\.0"),
        (lambda v: 2.0 == v, r"v\.data == 2\.0"),  # noqa: SIM300 - the reflected form
        (lambda v: v in [2.0], r"v\.data == 2\.0"),
        (lambda v: v == 0, r"v\.data == 0"),
        (lambda v: v != 2, r"v\.data != 2"),
        (lambda v: np.float64(2.0) == v, r"v\.data == np\.float64\(2\.0\)"),
    ],
)
def test_equality_with_a_number_raises_naming_the_comparison_to_write(
    compare: Callable[[Value], object], shown: str
) -> None:
    # if loss == 0: would be silently never true; the error says to compare the number.
    with pytest.raises(TypeError, match=shown):
        compare(Value(2.0))


def test_equality_between_values_is_identity_for_dicts_sets_and_lists() -> None:
    a, b = Value(2.0), Value(2.0)
    assert a == a
    assert a != b
    assert {a: 1, b: 2}[b] == 2
    assert a in {a}
    assert b not in {a}
    assert [b, a].index(a) == 1
    assert a in [b, a]
    assert sorted([a, Value(1.0)])[1] is a
    assert (a == None) is False  # noqa: E711 - not a number: unequal, no error
    assert (a == "2.0") is False
    assert a.data == 2.0
