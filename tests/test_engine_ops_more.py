"""The further ops: every scalar function of PyTorch's that the peers' test suites use.

The op test table (``tests/test_engine_ops.py``) already checks each new op's first and
second derivatives against central differences at a few points. Here:

* property tests: at random points of each op's domain, the value and the first and second
  derivatives agree with mpmath at 40 digits (an oracle that shares no code with the engine);
* the same points against PyTorch in float64 (values and first derivatives; skipped without
  torch);
* the numerical policy for each op (domain errors, poles, overflow, IEEE infinities);
* the conventions at the points where a derivative does not exist (``%`` at its jumps,
  ``clamp`` at its bounds, ties of ``maximum``/``minimum``, ``hypot``/``atan2`` at the
  origin), each checked against PyTorch;
* the compiled replay of every new op, on its float path and its array path, against eager.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_engine import (
    FrozenGraphError,
    Value,
    atan2,
    compile_graph,
    grad,
    jvp,
    maximum,
    minimum,
    topological_order,
    where,
)
from autograd_engine.guards import recording
from autograd_engine.ops import OPS, clamp_op
from autograd_engine.replay_kernels import RULES, OpStep
from autograd_engine.viz.format import node_names, rule_text

try:
    import torch
except ImportError:  # pragma: no cover - torch is installed where the suite runs
    torch = None
needs_torch = pytest.mark.skipif(torch is None, reason="PyTorch is not installed")

NAN, INF = math.nan, math.inf


# --- one table: each new unary op, its domain, mpmath's and PyTorch's version ---------------

# name -> (engine, mpmath, torch function name, (low, high) of the domain sampled)
UNARY: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any], str, tuple[float, float]]] = {
    "tan": (Value.tan, mpmath.tan, "tan", (-1.4, 1.4)),
    "sinh": (Value.sinh, mpmath.sinh, "sinh", (-5.0, 5.0)),
    "cosh": (Value.cosh, mpmath.cosh, "cosh", (-5.0, 5.0)),
    "log1p": (Value.log1p, mpmath.log1p, "log1p", (-0.95, 5.0)),
    "expm1": (Value.expm1, mpmath.expm1, "expm1", (-5.0, 5.0)),
    "log2": (Value.log2, lambda x: mpmath.log(x, 2), "log2", (0.05, 10.0)),
    "log10": (Value.log10, mpmath.log10, "log10", (0.05, 10.0)),
    "asin": (Value.asin, mpmath.asin, "asin", (-0.95, 0.95)),
    "acos": (Value.acos, mpmath.acos, "acos", (-0.95, 0.95)),
    "atan": (Value.atan, mpmath.atan, "atan", (-10.0, 10.0)),
    "asinh": (Value.asinh, mpmath.asinh, "asinh", (-10.0, 10.0)),
    "acosh": (Value.acosh, mpmath.acosh, "acosh", (1.05, 10.0)),
    "atanh": (Value.atanh, mpmath.atanh, "atanh", (-0.95, 0.95)),
}

# name -> (engine, mpmath, torch, domain of each input): smooth where sampled
BINARY: dict[str, tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any], Any]] = {
    "atan2": (
        lambda a, b: a.atan2(b),
        mpmath.atan2,
        lambda a, b: torch.atan2(a, b),
        ((-3.0, 3.0), (0.2, 3.0)),  # b > 0: away from the cut along the negative axis
    ),
    "hypot": (
        lambda a, b: a.hypot(b),
        lambda a, b: mpmath.sqrt(a * a + b * b),
        lambda a, b: torch.hypot(a, b),
        ((0.2, 3.0), (-3.0, 3.0)),
    ),
}


def test_every_new_fixed_op_is_in_the_op_table_and_has_a_rule_here() -> None:
    new = {*UNARY, *BINARY, "sign", "%", "min"}
    assert new <= set(OPS)


def mp_derivatives(f: Callable[..., Any], xs: list[float], index: int) -> tuple[float, float]:
    """The first and second derivative of ``f`` by input ``index``, at 40 digits."""
    with mpmath.workdps(40):
        point = [mpmath.mpf(x) for x in xs]
        orders = [0] * len(xs)
        orders[index] = 1
        first = mpmath.diff(lambda *a: f(*a), point, tuple(orders))
        orders[index] = 2
        second = mpmath.diff(lambda *a: f(*a), point, tuple(orders))
        return float(first), float(second)


def engine_derivatives(f: Callable[..., Any], xs: list[float], index: int) -> tuple[float, float]:
    values = [Value(x) for x in xs]
    first = grad(f(*values), values, create_graph=True)[index]
    second = grad(first, values)[index]
    return first.item(), second


def close(engine: float, exact: float, rel: float = 1e-9) -> bool:
    return abs(engine - exact) <= rel * max(1.0, abs(exact))


def points_in(domain: tuple[float, float]) -> st.SearchStrategy[float]:
    return st.floats(*domain, allow_nan=False)


@pytest.mark.parametrize("name", sorted(UNARY))
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_unary_values_and_two_derivatives_match_mpmath(name: str, data: st.DataObject) -> None:
    f, exact, _, domain = UNARY[name]
    x = data.draw(points_in(domain))
    assert close(f(Value(x)).data, float(exact(mpmath.mpf(x))), 1e-14)
    first, second = engine_derivatives(f, [x], 0)
    exact_first, exact_second = mp_derivatives(exact, [x], 0)
    assert close(first, exact_first), (x, first, exact_first)
    assert close(second, exact_second, 1e-8), (x, second, exact_second)


@pytest.mark.parametrize("name", sorted(BINARY))
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_binary_values_and_two_derivatives_match_mpmath(name: str, data: st.DataObject) -> None:
    f, exact, _, domains = BINARY[name]
    xs = [data.draw(points_in(domain)) for domain in domains]
    with mpmath.workdps(40):
        assert close(f(*map(Value, xs)).data, float(exact(*map(mpmath.mpf, xs))), 1e-14)
    for index in range(2):
        first, second = engine_derivatives(f, xs, index)
        exact_first, exact_second = mp_derivatives(exact, xs, index)
        assert close(first, exact_first), (xs, index, first, exact_first)
        assert close(second, exact_second, 1e-8), (xs, index, second, exact_second)


@settings(max_examples=60, deadline=None)
@given(a=st.floats(-20, 20), b=st.floats(0.3, 5.0) | st.floats(-5.0, -0.3))
def test_remainder_matches_python_and_its_derivatives_are_one_and_minus_floor(
    a: float, b: float
) -> None:
    x, y = Value(a), Value(b)
    r = x % y
    r.backward()
    assert r.data == a % b  # Python's float remainder, sign of the divisor, bit for bit
    assert (x.grad, y.grad) == (1.0, -(a // b))  # the exact floor, as the forward's


@pytest.mark.parametrize("width", [1, 64])  # the replay's float step, and its array step
def test_remainders_gradient_uses_the_forwards_exact_floor_in_every_path(width: int) -> None:
    # 0.25 / 0.001 rounds up to 250.0, but 0.001 goes into 0.25 only 249 times: the forward
    # gives 0.25 % 0.001 = 0.000999..., so d/db = -249 (PyTorch too), not -250.
    a, b = Value(0.25), Value(0.001)
    assert 0.0009 < (a % b).data < 0.001  # the remainder of 249 times, not 0 after 250
    (a % b).backward()
    assert b.grad == -249.0
    assert grad(a % b, [b], create_graph=True)[0].data == -249.0
    assert jvp(lambda a, b: a % b, [0.25, 0.001], [0.0, 1.0])[1] == -249.0
    divisors = [Value(0.001) for _ in range(width)]
    replay = compile_graph(sum(a % d for d in divisors))
    for d in divisors:
        d.grad = 0.0
    replay.run()
    assert [d.grad for d in divisors] == [-249.0] * width


@pytest.mark.parametrize(("name", "x"), [("asinh", 1e200), ("asinh", -1e300), ("acosh", 1e160)])
def test_asinh_and_acosh_derivatives_at_huge_x_are_one_over_x_in_every_path(
    name: str, x: float
) -> None:
    # 1/sqrt(x² ± 1) is 1/|x| to rounding: a float, though x² itself overflows. Every path
    # gives it: backward(), grad with and without create_graph, jvp, the replay's float
    # step and its array step (PyTorch 2.13 gives 0.0 here, from the overflowed x²).
    expected = 1 / abs(x)
    v = Value(x)
    getattr(v, name)().backward()
    assert v.grad == expected
    v = Value(x)
    assert grad(getattr(v, name)(), [v])[0] == expected
    assert grad(getattr(v, name)(), [v], create_graph=True)[0].data == expected
    assert jvp(lambda a: getattr(a, name)(), [x], [1.0])[1] == expected
    for width in (1, 64):
        leaves = [Value(x) for _ in range(width)]
        replay = compile_graph(sum(getattr(leaf, name)() for leaf in leaves))
        for leaf in leaves:
            leaf.grad = 0.0
        replay.run()
        assert [leaf.grad for leaf in leaves] == [expected] * width


@pytest.mark.parametrize(("x", "expected"), [(1e200, 0.0), (-1e300, 0.0), (1e140, 1e-280)])
def test_atans_derivative_at_huge_x_agrees_in_every_path(x: float, expected: float) -> None:
    # 1/(1 + x²): tiny or 0.0 (underflow), never an OverflowError from x² in one path only.
    v = Value(x)
    v.atan().backward()
    assert v.grad == expected
    assert grad(v.atan(), [v], create_graph=True)[0].data == expected
    assert jvp(lambda a: a.atan(), [x], [1.0])[1] == expected


# --- PyTorch float64 at random points ------------------------------------------------------


@needs_torch
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_values_and_derivatives_match_pytorch(name: str) -> None:
    f, _, torch_name, (low, high) = UNARY[name]
    rng = random.Random(name)
    for _ in range(20):
        x = rng.uniform(low, high)
        v = Value(x)
        y = f(v)
        y.backward()
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        ty = getattr(torch, torch_name)(t)
        ty.backward()
        assert y.data == pytest.approx(ty.item(), rel=1e-14, abs=1e-15), (name, x)
        assert v.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-14), (name, x)


TORCH_EXTRA: dict[str, tuple[Callable[..., Any], Callable[..., Any], int]] = {
    # name -> (engine, torch, number of inputs); inputs uniform in [-3, 3], off the kinks
    "atan2": (lambda a, b: a.atan2(b), lambda a, b: torch.atan2(a, b), 2),
    "hypot": (lambda a, b: a.hypot(b), lambda a, b: torch.hypot(a, b), 2),
    "remainder": (lambda a, b: a % b, lambda a, b: torch.remainder(a, b), 2),
    "sign": (Value.sign, lambda a: torch.sign(a), 1),
    "clamp": (lambda a: a.clamp(-1.0, 0.5), lambda a: torch.clamp(a, -1.0, 0.5), 1),
    "clamp max": (lambda a: a.clamp(max=0.5), lambda a: torch.clamp(a, max=0.5), 1),
    "maximum": (lambda a, b: a.maximum(b), lambda a, b: torch.maximum(a, b), 2),
    "minimum": (lambda a, b: a.minimum(b), lambda a, b: torch.minimum(a, b), 2),
    "where": (
        lambda a, b: where(a > b, a * b, b.sin()),
        lambda a, b: torch.where(a > b, a * b, b.sin()),
        2,
    ),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(TORCH_EXTRA))
def test_binary_and_piecewise_ops_match_pytorch(name: str) -> None:
    f, torch_f, arity = TORCH_EXTRA[name]
    rng = random.Random(name)
    for _ in range(30):
        xs = [rng.uniform(-3.0, 3.0) for _ in range(arity)]
        values = [Value(x) for x in xs]
        y = f(*values)
        y.backward()
        ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
        ty = torch_f(*ts)
        ty.backward()
        assert y.data == pytest.approx(ty.item(), rel=1e-14, abs=1e-15), (name, xs)
        for v, t in zip(values, ts, strict=True):
            expected = 0.0 if t.grad is None else t.grad.item()
            assert v.grad == pytest.approx(expected, rel=1e-12, abs=1e-14), (name, xs)


# --- the points where a derivative does not exist: PyTorch's conventions ---------------------

# (engine, torch, inputs): each at a jump, a bound, a tie or the origin
KINKS: dict[str, tuple[Callable[..., Any], Callable[..., Any], tuple[float, ...]]] = {
    "clamp at its min": (lambda a: a.clamp(1.0, 2.0), lambda a: torch.clamp(a, 1.0, 2.0), (1.0,)),
    "clamp at its max": (lambda a: a.clamp(1.0, 2.0), lambda a: torch.clamp(a, 1.0, 2.0), (2.0,)),
    "clamp, min > max": (lambda a: a.clamp(3.0, 1.0), lambda a: torch.clamp(a, 3.0, 1.0), (2.0,)),
    "maximum tie": (lambda a, b: a.maximum(b), lambda a, b: torch.maximum(a, b), (2.0, 2.0)),
    "minimum tie": (lambda a, b: a.minimum(b), lambda a, b: torch.minimum(a, b), (2.0, 2.0)),
    "remainder at a jump": (lambda a, b: a % b, lambda a, b: torch.remainder(a, b), (6.0, 2.0)),
    "remainder at 0": (lambda a, b: a % b, lambda a, b: torch.remainder(a, b), (0.0, -2.0)),
    "remainder, quotient rounds up": (
        lambda a, b: a % b,
        lambda a, b: torch.remainder(a, b),
        (0.25, 0.001),
    ),
    "sign at 0": (Value.sign, lambda a: torch.sign(a), (0.0,)),
    "atan2 at the origin": (lambda a, b: a.atan2(b), lambda a, b: torch.atan2(a, b), (0.0, 0.0)),
}


@needs_torch
@pytest.mark.parametrize("name", sorted(KINKS))
def test_derivatives_at_kinks_jumps_and_ties_follow_pytorch(name: str) -> None:
    f, torch_f, xs = KINKS[name]
    values = [Value(x) for x in xs]
    y = f(*values)
    y.backward()
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    ty = torch_f(*ts)
    ty.backward()
    assert y.data == ty.item()
    assert [v.grad for v in values] == [t.grad.item() for t in ts]


def test_hypot_at_the_origin_has_gradient_zero_like_abs() -> None:
    # PyTorch gives NaN here, which the numerical policy forbids; 0 is abs'(0)'s convention
    # (hypot(a, 0) = |a|), and what torch.linalg.vector_norm gives at the zero vector.
    a, b = Value(0.0), Value(0.0)
    y = a.hypot(b)
    y.backward()
    assert (y.data, a.grad, b.grad) == (0.0, 0.0, 0.0)
    x = Value(0.0)
    assert grad(x.hypot(0.0), [x]) == grad(abs(x), [x]) == [0.0]


def test_a_three_way_tie_gives_each_input_a_third() -> None:
    a, b, c = Value(1.0), Value(1.0), Value(1.0)
    minimum(a, b, c, 4.0).backward()
    assert [v.grad for v in (a, b, c)] == [1 / 3] * 3


def test_maximum_and_minimum_of_nan_give_nan_and_the_nan_input_the_gradient() -> None:
    a, b = Value(NAN), Value(1.0)
    for y in (a.maximum(b), a.minimum(b), minimum(b, a)):
        assert math.isnan(y.data)
        assert grad(y, [a, b]) == [1.0, 0.0]


def test_where_sends_the_gradient_to_the_chosen_branch_only() -> None:
    x, other = Value(2.0), Value(NAN)  # a NaN in the branch not taken never reaches x
    y = where(x > 0, x * x, other)
    y.backward()
    assert (y.data, x.grad, other.grad) == (4.0, 4.0, 0.0)
    y = where(False, x, x * 3.0)
    assert grad(y, [x]) == [3.0]


@pytest.mark.parametrize("cond", [Value(1.0), 1.0, 1, None, "yes"])
def test_where_wants_a_bool(cond: Any) -> None:
    with pytest.raises(TypeError, match="where: cond must be a bool, such as x > 0"):
        where(cond, Value(1.0), Value(2.0))


def test_where_takes_a_numpy_bool() -> None:
    np = pytest.importorskip("numpy")
    assert where(np.bool_(False), Value(1.0), 2.0).data == 2.0


def test_where_in_a_replay_is_guarded_by_the_comparison_that_chose() -> None:
    x = Value(2.0, label="x")
    with recording() as log:
        y = where(x > 0, x * x, x * -1.0)
    replay = compile_graph(y, guards=log)
    x.data = 3.0
    assert replay.run() == 9.0
    x.data = -1.0
    with pytest.raises(FrozenGraphError, match=r"x > 0 was True"):
        replay.run()


def test_sign_is_nan_for_nan_unlike_pytorch() -> None:
    # torch.sign(nan) is 0; the numerical policy says nothing turns a NaN into a number
    # (NumPy's sign(nan) is nan too).
    assert math.isnan(Value(NAN).sign().data)
    assert [Value(x).sign().data for x in (-3.0, -0.0, 0.0, 1e-300, INF)] == [
        -1.0,
        0.0,
        0.0,
        1.0,
        1.0,
    ]


def test_remainder_takes_the_sign_of_the_divisor_and_works_reflected() -> None:
    assert [(Value(a) % b).data for a, b in [(-1.0, 3.0), (1.0, -3.0), (7.5, 2.0)]] == [
        2.0,
        -2.0,
        1.5,
    ]
    b = Value(-3.1)
    r = 7.5 % b
    r.backward()
    assert (r.data, b.grad) == (7.5 % -3.1, -math.floor(7.5 / -3.1))


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: Value(1.0).clamp(), ValueError, "give min, max or both"),
        (lambda: Value(1.0).clamp(min=NAN), ValueError, "a bound is NaN"),
        (lambda: Value(1.0).clamp(min=INF), ValueError, "every output infinite"),
        (lambda: Value(1.0).clamp(max=-INF), ValueError, "every output infinite"),
        (lambda: Value(1.0).clamp(max="1"), TypeError, "real number"),
        (lambda: Value(1.0).clamp(min=Value(0.0)), TypeError, r"x\.maximum\(low\)"),
    ],
)
def test_clamp_refuses_bounds_that_cannot_give_a_number(
    call: Callable[[], Any], error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        call()


def test_clamp_keeps_nan_with_derivative_zero_and_shares_one_op_per_pair() -> None:
    x = Value(NAN)
    y = x.clamp(0.0, 1.0)
    y.backward()
    assert math.isnan(y.data)
    assert x.grad == 0.0
    assert Value(5.0).clamp(max=INF).data == 5.0
    assert clamp_op(0.0, 1.0) is clamp_op(0.0, 1.0)


def test_numpy_names_are_aliases_of_pytorchs() -> None:
    for numpy_name, torch_name in [
        ("arcsin", "asin"),
        ("arccos", "acos"),
        ("arctan", "atan"),
        ("arcsinh", "asinh"),
        ("arccosh", "acosh"),
        ("arctanh", "atanh"),
        ("arctan2", "atan2"),
    ]:
        assert getattr(Value, numpy_name) is getattr(Value, torch_name)


def test_atan2_function_and_method_agree_with_numbers_on_either_side() -> None:
    a = Value(1.0)
    assert atan2(a, -1.0).data == a.atan2(-1.0).data == math.atan2(1.0, -1.0)
    assert atan2(-1.0, a).data == math.atan2(-1.0, 1.0)
    assert atan2(2.0, 3.0).data == math.atan2(2.0, 3.0)  # numbers alone: still a node


# --- the numerical policy, op by op -----------------------------------------------------------

ERRORS: list[tuple[Callable[[], Any], type[Exception], str]] = [
    # Outside the domain: ValueError naming the op and the value.
    (lambda: Value(-1.0).log2(), ValueError, r"log2: log2\(-1\.0\) is undefined"),
    (lambda: Value(0.0).log10(), ValueError, r"log10: log10\(0\.0\) is undefined"),
    (lambda: Value(2.0).asin(), ValueError, r"asin: asin\(2\.0\) is undefined"),
    (lambda: Value(-1.5).acos(), ValueError, r"acos: acos\(-1\.5\) is undefined"),
    (lambda: Value(0.5).acosh(), ValueError, r"acosh: acosh\(0\.5\) is undefined"),
    (lambda: Value(-3.0).log1p(), ValueError, r"log1p: log1p\(-3\.0\)"),
    # Poles: ±inf from a finite input, a domain error as log(0) is (PyTorch gives ±inf).
    (lambda: Value(1.0).atanh(), ValueError, r"atanh: atanh\(1\.0\).*-1 < x < 1"),
    (lambda: Value(-1.0).atanh(), ValueError, r"atanh: atanh\(-1\.0\)"),
    (lambda: Value(-1.0).log1p(), ValueError, r"log1p: log1p\(-1\.0\).*x > -1"),
    (lambda: Value(0.0).log2(), ValueError, r"log2: log2\(0\.0\)"),
    # Overflow from a finite input.
    (lambda: Value(711.0).sinh(), OverflowError, r"sinh: sinh\(711\.0\) overflows"),
    (lambda: Value(-711.0).cosh(), OverflowError, r"cosh: cosh\(-711\.0\) overflows"),
    (lambda: Value(710.0).expm1(), OverflowError, r"expm1: expm1\(710\.0\) overflows"),
    (lambda: Value(1.5e308).hypot(1.5e308), OverflowError, r"hypot\(1\.5e\+308, 1\.5e\+308\)"),
    # A new NaN from non-NaN inputs.
    (lambda: Value(INF).tan(), ValueError, r"tan: invalid operation.*tan\(inf\)"),
    (lambda: Value(INF) % 2.0, ValueError, r"%: invalid operation.*inf % 2\.0"),
    # Division by zero.
    (lambda: Value(1.0) % 0.0, ZeroDivisionError, r"%: 1\.0 % 0\.0"),
    (lambda: 1.0 % Value(0.0), ZeroDivisionError, r"%: 1\.0 % 0\.0"),
]


@pytest.mark.parametrize(("call", "error", "pattern"), ERRORS)
def test_bad_inputs_raise_naming_the_op_and_the_value(
    call: Callable[[], Any], error: type[Exception], pattern: str
) -> None:
    with pytest.raises(error, match=pattern):
        call()


@pytest.mark.parametrize(
    ("f", "x", "expected"),
    [
        (Value.sinh, INF, INF),
        (Value.sinh, -INF, -INF),
        (Value.cosh, -INF, INF),
        (Value.log1p, INF, INF),
        (Value.expm1, -INF, -1.0),
        (Value.expm1, INF, INF),
        (Value.log2, INF, INF),
        (Value.log10, INF, INF),
        (Value.atan, INF, math.pi / 2),
        (Value.atan, -INF, -math.pi / 2),
        (Value.asinh, -INF, -INF),
        (Value.acosh, INF, INF),
        (Value.sign, -INF, -1.0),
        (lambda a: a.atan2(INF), 1.0, 0.0),
        (lambda a: a.atan2(1.0), INF, math.pi / 2),
        (lambda a: a.hypot(NAN), INF, INF),  # IEEE: hypot(inf, nan) = inf, as PyTorch
        (lambda a: a.clamp(0.0, 1.0), INF, 1.0),
        (lambda a: a % INF, 2.0, 2.0),
    ],
)
def test_inf_in_follows_ieee(f: Callable[[Value], Value], x: float, expected: float) -> None:
    assert f(Value(x)).data == expected


@pytest.mark.parametrize(
    ("f", "x", "pattern"),
    [
        (Value.asin, 1.0, r"asin: the derivative 1/√\(1 - x²\) at x = 1\.0 is infinite"),
        (Value.asin, -1.0, r"asin: the derivative .* at x = -1\.0 is infinite"),
        (Value.acos, 1.0, r"acos: the derivative -1/√\(1 - x²\) at x = 1\.0 is infinite"),
        (Value.acosh, 1.0, r"acosh: the derivative 1/√\(x² - 1\) at x = 1\.0 is infinite"),
    ],
)
def test_an_infinite_derivative_raises_in_backward_and_changes_no_grad(
    f: Callable[[Value], Value], x: float, pattern: str
) -> None:
    v = Value(x)
    v.grad = 0.25
    y = f(v) + v
    with pytest.raises(ZeroDivisionError, match=pattern):
        y.backward()
    assert v.grad == 0.25
    with pytest.raises(ZeroDivisionError, match=pattern):
        grad(f(v), [v], create_graph=True)


def test_derivatives_that_would_overflow_on_the_way_do_not() -> None:
    # atan2's gradient is (b, -a)/(a² + b²): computed as (b/r)/r with r = hypot(a, b), it is
    # right where a² + b² would overflow (or underflow to 0).
    for scale in (1e200, 1e-200):
        a, b = Value(3.0 * scale), Value(4.0 * scale)
        assert grad(a.atan2(b), [a, b]) == pytest.approx([0.16 / scale, -0.12 / scale], rel=1e-15)
    # expm1's derivative is e**x, not out + 1, which is 0 once out rounds to -1.
    x = Value(-40.0)
    assert grad(x.expm1(), [x]) == [math.exp(-40.0)]


# --- drawings: one derivative text per input, written with the graph's names ---------------


def test_the_drawings_write_the_new_rules_with_the_graphs_names() -> None:
    a, b = Value(1.0, "a"), Value(2.0, "b")
    cases = [
        (a.atan2(b), 0, "∂t/∂a = b/(a² + b²)"),
        (a.atan2(b), 1, "∂t/∂b = -a/(a² + b²)"),
        (a % b, 1, "∂t/∂b = -floor(a/b)"),
        (a.asin(), 0, "∂t/∂a = 1/√(1 - a²)"),
        (a.clamp(0.0, 1.0), 0, "∂t/∂a = 1 if 0 ≤ a ≤ 1 else 0"),
        (a.clamp(min=0.5), 0, "∂t/∂a = 1 if 0.5 ≤ a else 0"),
        (where(True, a, b), 1, "∂t/∂b = 0"),
        (minimum(a, b), 0, "∂t/∂a = 1 if a = t else 0 (k tied inputs get 1/k each)"),
    ]
    for node, index, expected in cases:
        node.label = "t"
        assert rule_text(node, index, node_names(topological_order(node))) == expected


# --- compiled replay: the array path and the float path, against eager ----------------------

# Each new op applied to an input kept inside its domain by what feeds it (x in [-2, 2]).
REPLAY: dict[str, Callable[[Value, Value], Value]] = {
    "tan": lambda x, y: x.tanh().tan(),
    "sinh": lambda x, y: x.sinh(),
    "cosh": lambda x, y: x.cosh(),
    "log1p": lambda x, y: (x * x).log1p(),
    "expm1": lambda x, y: x.expm1(),
    "log2": lambda x, y: (x * x + 0.1).log2(),
    "log10": lambda x, y: (x * x + 0.1).log10(),
    "asin": lambda x, y: (x * 0.4).asin(),
    "acos": lambda x, y: (x * 0.4).acos(),
    "atan": lambda x, y: x.atan(),
    "asinh": lambda x, y: x.asinh(),
    "acosh": lambda x, y: (x * x + 1.1).acosh(),
    "atanh": lambda x, y: (x * 0.4).atanh(),
    "sign": lambda x, y: (x - y).sign(),
    "atan2": lambda x, y: x.atan2(y),
    "hypot": lambda x, y: x.hypot(y),
    "mod": lambda x, y: x % (y * y + 0.5),
    "min": lambda x, y: minimum(x, y, 0.3),
    "max": lambda x, y: maximum(x, y),
    "clamp": lambda x, y: (x * y).clamp(-0.5, 0.5),
    "where": lambda x, y: where(True, x * y, y),
}


def build(name: str, width: int, xs: list[float]) -> tuple[list[Value], Value]:
    leaves = [Value(x) for x in xs]
    pairs = [(leaves[i], leaves[(i * 7 + 3) % len(leaves)]) for i in range(width)]
    return leaves, sum((REPLAY[name](x, y) for x, y in pairs), Value(0.0))


@pytest.mark.parametrize("width", [1, 40])  # the float path and the array path
@pytest.mark.parametrize("name", sorted(REPLAY))
def test_the_replay_of_each_new_op_equals_eager(name: str, width: int) -> None:
    rng = random.Random(f"{name}{width}")
    xs = [rng.uniform(-2.0, 2.0) for _ in range(41)]
    leaves, root = build(name, width, xs)
    replay = compile_graph(root)
    # 40 nodes of one op make one array step when the op has an array rule.
    op = topological_order(root)[-2]._op
    rules = [step.rule for step in replay._steps if isinstance(step, OpStep)]
    assert (RULES.get(op) in rules) == (width == 40 and op in RULES)
    for _ in range(3):
        new = [rng.uniform(-2.0, 2.0) for _ in range(41)]
        for leaf, x in zip(leaves, new, strict=True):
            leaf.data, leaf.grad = x, 0.0
        value = replay.run()
        fresh, fresh_root = build(name, width, new)
        fresh_root.backward()
        assert value == pytest.approx(fresh_root.data, rel=1e-12, abs=1e-12)
        assert [leaf.grad for leaf in leaves] == pytest.approx(
            [leaf.grad for leaf in fresh], rel=1e-12, abs=1e-12
        )


@pytest.mark.parametrize("width", [1, 40])
@pytest.mark.parametrize(
    ("f", "bad", "error", "pattern"),
    [
        (Value.asin, 2.0, ValueError, r"asin\(2\.0\) is undefined"),  # forward
        (Value.asin, 1.0, ZeroDivisionError, r"asin.*infinite"),  # backward
        (Value.atanh, -1.0, ValueError, r"atanh\(-1\.0\)"),
        (Value.sinh, 800.0, OverflowError, r"sinh\(800\.0\) overflows"),
        (lambda x: x % (x - 0.5), 0.5, ZeroDivisionError, r"%: 0\.5 % 0\.0"),
    ],
)
def test_the_replay_raises_what_eager_raises(
    f: Callable[[Value], Value], bad: float, error: type[Exception], pattern: str, width: int
) -> None:
    leaves = [Value(0.1 * (i % 5)) for i in range(width)]
    root = sum((f(x) for x in leaves), Value(0.0))
    replay = compile_graph(root)
    leaves[-1].data = bad
    with pytest.raises(error, match=pattern):
        replay.run()
    assert all(leaf.grad == 0.0 for leaf in leaves)


# --- forward mode: each new op's tangent rule is derived from its local-gradient rule -------

FORWARD: dict[str, tuple[Callable[..., Any], tuple[float, ...]]] = {
    **{name: (f, (sum(domain) / 2 + 0.1,)) for name, (f, _, _, domain) in UNARY.items()},
    "atan2": (lambda a, b: a.atan2(b), (0.4, -1.3)),
    "hypot": (lambda a, b: a.hypot(b), (0.4, -1.3)),
    "mod": (lambda a, b: a % b, (5.3, -2.0)),
    "sign": (lambda a: a.sign() + a, (0.7,)),
    "clamp": (lambda a, b: (a * b).clamp(-1.0, 0.5), (0.4, -1.3)),
    "minimum": (lambda a, b: minimum(a, b, 0.9), (0.4, -1.3)),
    "where": (lambda a, b: where(a > b, a * b, b), (0.4, -1.3)),
}


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_forward_mode_agrees_with_reverse_mode_on_each_new_op(name: str) -> None:
    f, xs = FORWARD[name]
    values = [Value(x) for x in xs]
    gradient = grad(f(*values), values)
    for i in range(len(xs)):
        direction = [1.0 if j == i else 0.0 for j in range(len(xs))]
        value, tangent = jvp(f, list(xs), direction)
        assert value == f(*map(Value, xs)).data
        assert tangent == pytest.approx(gradient[i], rel=1e-15, abs=0.0)
