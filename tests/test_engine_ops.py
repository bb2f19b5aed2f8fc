"""The op test table: every op, first and second derivatives against central differences.

One row per op (primitive or derived): a function of Values and the points to check it at.
A new op in ``autograd_engine/ops.py`` needs one row here; ``test_every_primitive_has_a_row``
fails until it has one.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest

from autograd_engine import Value, atan2, gradcheck, gradgradcheck, maximum, minimum, where
from autograd_engine.ops import OPS

# name -> (op names it exercises, function, points). Points avoid the kinks of relu/abs.
OP_TABLE: dict[str, tuple[set[str], Callable[..., Any], list[tuple[float, ...]]]] = {
    "add": ({"+"}, lambda a, b: a + b, [(1.5, -2.0), (0.3, 0.7)]),
    "add number": ({"+"}, lambda a: 2.5 + a + 1, [(0.3,), (-4.0,)]),
    "mul": ({"*"}, lambda a, b: a * b, [(1.5, -2.0), (0.3, 0.7)]),
    "mul number": ({"*"}, lambda a: 3 * a * 0.5, [(0.3,), (-4.0,)]),
    "neg": ({"neg"}, lambda a: -a, [(1.5,), (-0.2,)]),
    "sub": ({"-"}, lambda a, b: a - b, [(1.5, -2.0), (0.3, 0.7)]),
    "sub number": ({"-"}, lambda a: a - 0.25, [(1.5,), (-0.2,)]),
    "rsub": ({"-"}, lambda a: 1 - a, [(1.5,), (-0.2,)]),
    "div": ({"/"}, lambda a, b: a / b, [(1.5, -2.0), (0.3, 0.7), (-1e-3, 3e-3)]),
    "div number": ({"/"}, lambda a: a / 4.0, [(1.5,), (-0.2,)]),
    "rdiv": ({"/"}, lambda a: 2 / a, [(1.5,), (-0.2,)]),
    "pow int": ({"**3"}, lambda a: a**3, [(1.5,), (-0.7,), (0.0,)]),
    "pow negative": ({"**-2"}, lambda a: a**-2, [(1.5,), (-0.7,)]),
    "pow fraction": ({"**1.5"}, lambda a: a**1.5, [(1.5,), (0.2,)]),
    "pow value": ({"**"}, lambda a, b: a**b, [(1.5, -2.0), (0.3, 0.7), (2.0, 3.0)]),
    "rpow": ({"**"}, lambda b: 2.0**b, [(1.5,), (-0.7,)]),
    "exp": ({"exp"}, lambda a: a.exp(), [(0.5,), (-3.0,), (4.0,)]),
    "log": ({"log"}, lambda a: a.log(), [(0.5,), (3.0,)]),
    "sqrt": ({"**0.5"}, lambda a: a.sqrt(), [(0.5,), (3.0,)]),
    "tanh": ({"tanh"}, lambda a: a.tanh(), [(0.5,), (-2.0,)]),
    "sigmoid": ({"sigmoid"}, lambda a: a.sigmoid(), [(0.5,), (-2.0,), (6.0,)]),
    "relu": ({"relu"}, lambda a: a.relu(), [(0.5,), (-2.0,)]),
    "leaky_relu": ({"leaky_relu"}, lambda a: a.leaky_relu(0.1), [(0.5,), (-2.0,)]),
    "softplus": ({"softplus"}, lambda a: a.softplus(), [(0.5,), (-2.0,), (8.0,)]),
    "sin": ({"sin"}, lambda a: a.sin(), [(0.5,), (-2.0,)]),
    "cos": ({"cos"}, lambda a: a.cos(), [(0.5,), (-2.0,)]),
    "abs": ({"abs"}, lambda a: abs(a), [(0.5,), (-2.0,)]),
    "max": ({"max"}, lambda a, b, c: maximum(a, b, c), [(0.5, -2.0, 0.1), (-1.0, 0.3, 2.0)]),
    # Every scalar function of PyTorch's that the peers' test suites use.
    "tan": ({"tan"}, lambda a: a.tan(), [(0.5,), (-1.2,), (2.0,)]),
    "sinh": ({"sinh"}, lambda a: a.sinh(), [(0.5,), (-2.0,), (4.0,)]),
    "cosh": ({"cosh"}, lambda a: a.cosh(), [(0.5,), (-2.0,), (4.0,)]),
    "log1p": ({"log1p"}, lambda a: a.log1p(), [(0.5,), (-0.7,), (1e-3,)]),
    "expm1": ({"expm1"}, lambda a: a.expm1(), [(0.5,), (-3.0,), (1e-3,)]),
    "log2": ({"log2"}, lambda a: a.log2(), [(0.5,), (3.0,), (8.0,)]),
    "log10": ({"log10"}, lambda a: a.log10(), [(0.5,), (3.0,), (100.0,)]),
    "asin": ({"asin"}, lambda a: a.asin(), [(0.5,), (-0.3,), (0.9,)]),
    "acos": ({"acos"}, lambda a: a.acos(), [(0.5,), (-0.3,), (0.9,)]),
    "atan": ({"atan"}, lambda a: a.atan(), [(0.5,), (-2.0,), (10.0,)]),
    "asinh": ({"asinh"}, lambda a: a.asinh(), [(0.5,), (-2.0,), (10.0,)]),
    "acosh": ({"acosh"}, lambda a: a.acosh(), [(1.5,), (3.0,), (10.0,)]),
    "atanh": ({"atanh"}, lambda a: a.atanh(), [(0.5,), (-0.3,), (0.9,)]),
    "sign": ({"sign"}, lambda a: a.sign(), [(0.5,), (-2.0,)]),
    "atan2": ({"atan2"}, lambda a, b: a.atan2(b), [(0.5, 2.0), (1.0, -0.3), (-0.7, -1.5)]),
    "atan2 function": ({"atan2"}, lambda a: atan2(1.5, a), [(0.4,), (-2.0,)]),
    "hypot": ({"hypot"}, lambda a, b: a.hypot(b), [(0.5, 2.0), (3.0, -4.0), (-1e-3, 1e-3)]),
    "mod": ({"%"}, lambda a, b: a % b, [(5.3, 2.0), (-5.3, 2.0), (5.3, -2.0), (0.3, 0.7)]),
    "rmod": ({"%"}, lambda b: 7.5 % b, [(2.0,), (-3.1,)]),
    "min": ({"min"}, lambda a, b, c: minimum(a, b, c), [(0.5, -2.0, 0.1), (-1.0, 0.3, 2.0)]),
    "minimum method": ({"min"}, lambda a, b: a.minimum(b), [(0.5, -2.0), (-1.0, 0.3)]),
    "maximum method": ({"max"}, lambda a, b: a.maximum(b), [(0.5, -2.0), (-1.0, 0.3)]),
    "clamp": ({"clamp"}, lambda a: (a * a).clamp(0.5, 2.0), [(1.1,), (-0.2,), (3.0,)]),
    "clamp min": ({"clamp"}, lambda a: (a * 3.0).clamp(min=0.0), [(0.5,), (-2.0,)]),
    "where": ({"where"}, lambda a, b: where(a > b, a * a, b.sin()), [(0.5, -2.0), (-1.0, 0.3)]),
}

CASES = [
    pytest.param(f, point, id=f"{name}{point}")
    for name, (_, f, points) in OP_TABLE.items()
    for point in points
]


def test_every_primitive_has_a_row() -> None:
    covered = set().union(*(names for names, _, _ in OP_TABLE.values()))
    assert set(OPS) <= covered, f"ops without a row in OP_TABLE: {set(OPS) - covered}"


@pytest.mark.parametrize(("f", "point"), CASES)
def test_first_derivative_matches_central_difference(f: Callable[..., Any], point: tuple) -> None:
    assert gradcheck(f, point)


@pytest.mark.parametrize(("f", "point"), CASES)
def test_second_derivative_matches_central_difference(f: Callable[..., Any], point: tuple) -> None:
    assert gradgradcheck(f, point)


@pytest.mark.parametrize("name", sorted(OP_TABLE))
def test_each_row_records_the_op_it_names(name: str) -> None:
    names, f, points = OP_TABLE[name]
    y = f(*(Value(x) for x in points[0]))
    assert y.op in names


@pytest.mark.parametrize(
    ("f", "x", "expected"),
    [
        (lambda a: a.exp(), 1.0, math.e),
        (lambda a: a.log(), math.e, 1.0),
        (lambda a: a.sqrt(), 2.0, math.sqrt(2.0)),
        (lambda a: a.tanh(), 0.5, math.tanh(0.5)),
        (lambda a: a.sigmoid(), 0.0, 0.5),
        (lambda a: a.softplus(), 0.0, math.log(2.0)),
        (lambda a: a.relu(), -3.0, 0.0),
        (lambda a: a.leaky_relu(), -3.0, -0.03),
        (lambda a: abs(a), -3.0, 3.0),
        (lambda a: a.sin(), 1.0, math.sin(1.0)),
        (lambda a: a.cos(), 1.0, math.cos(1.0)),
        (lambda a: a**3, -2.0, -8.0),
        (lambda a: Value(2.0) ** a, 3.0, 8.0),
        (lambda a: a / 4, 3.0, 0.75),
    ],
)
def test_forward_values(f: Callable[[Value], Value], x: float, expected: float) -> None:
    assert f(Value(x)).data == pytest.approx(expected, rel=1e-15, abs=1e-15)


@pytest.mark.parametrize(
    ("f", "x", "expected_grad"),
    [
        # PyTorch's conventions at points where the derivative does not exist.
        (lambda a: a.relu(), 0.0, 0.0),
        (lambda a: abs(a), 0.0, 0.0),
        (lambda a: a.leaky_relu(0.2), 0.0, 0.2),
        (lambda a: a.leaky_relu(), -1.0, 0.01),
    ],
)
def test_derivatives_at_kinks_follow_pytorch(
    f: Callable[[Value], Value], x: float, expected_grad: float
) -> None:
    a = Value(x)
    f(a).backward()
    assert a.grad == expected_grad


@pytest.mark.parametrize("x", [-1000.0, -745.0, -50.0, 0.0, 50.0, 745.0, 1000.0])
def test_sigmoid_and_softplus_are_stable_for_large_inputs(x: float) -> None:
    a = Value(x)
    s = a.sigmoid()
    p = a.softplus()
    (s + p).backward()
    assert 0.0 <= s.data <= 1.0
    assert math.isfinite(p.data)
    assert p.data == pytest.approx(max(x, 0.0) + math.log1p(math.exp(-abs(x))))
    assert math.isfinite(a.grad)
    # d(sigmoid)/dx + d(softplus)/dx = s(1 - s) + s
    assert a.grad == pytest.approx(s.data * (1 - s.data) + s.data)
