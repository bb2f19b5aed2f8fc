"""The numerical policy, op by op: NaN in NaN out, inf by IEEE, never a silent inf or NaN.

The policy (the table in ``autograd_engine/ops.py``), as tables of cases:

* a NaN input gives a NaN output, and backward() lets it propagate without an error;
* a ±inf input follows IEEE (``exp(-inf) = 0``, ``inf + 1 = inf``);
* ±inf from finite inputs raises ``OverflowError`` naming the op and the values;
* NaN from non-NaN inputs raises ``ValueError`` ("invalid operation (IEEE would give nan)");
* backward() holds gradients to the same rule and is all-or-nothing; Constants get no gradient;
* the functional APIs work inside ``no_grad()``, and ``no_grad``/``enable_grad`` decorate.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from typing import Any

import pytest

from autograd_engine import (
    Value,
    compile_graph,
    enable_grad,
    grad,
    hessian,
    is_grad_enabled,
    jacobian,
    jvp,
    maximum,
    minimum,
    no_grad,
)
from autograd_engine.ops import OPS

NAN, INF = math.nan, math.inf

# Every op of the table, plus members of the two op families, as a function of Values.
# name -> (op name recorded, function)
UNARY: dict[str, tuple[str, Callable[[Value], Value]]] = {
    "exp": ("exp", Value.exp),
    "log": ("log", Value.log),
    "tanh": ("tanh", Value.tanh),
    "sigmoid": ("sigmoid", Value.sigmoid),
    "relu": ("relu", Value.relu),
    "softplus": ("softplus", Value.softplus),
    "sin": ("sin", Value.sin),
    "cos": ("cos", Value.cos),
    "abs": ("abs", abs),
    "neg": ("neg", lambda a: -a),
    "square": ("**2", lambda a: a**2),
    "sqrt": ("**0.5", lambda a: a**0.5),
    "reciprocal": ("**-1", lambda a: a**-1),
    "pow zero": ("**0", lambda a: a**0),
    "leaky_relu 0.1": ("leaky_relu", lambda a: a.leaky_relu(0.1)),
    "leaky_relu 0": ("leaky_relu", lambda a: a.leaky_relu(0.0)),
    "tan": ("tan", Value.tan),
    "sinh": ("sinh", Value.sinh),
    "cosh": ("cosh", Value.cosh),
    "log1p": ("log1p", Value.log1p),
    "expm1": ("expm1", Value.expm1),
    "log2": ("log2", Value.log2),
    "log10": ("log10", Value.log10),
    "asin": ("asin", Value.asin),
    "acos": ("acos", Value.acos),
    "atan": ("atan", Value.atan),
    "asinh": ("asinh", Value.asinh),
    "acosh": ("acosh", Value.acosh),
    "atanh": ("atanh", Value.atanh),
    "sign": ("sign", Value.sign),
    "clamp": ("clamp", lambda a: a.clamp(-1.0, 1.0)),
}
BINARY: dict[str, tuple[str, Callable[[Value, Value], Value]]] = {
    "add": ("+", lambda a, b: a + b),
    "sub": ("-", lambda a, b: a - b),
    "mul": ("*", lambda a, b: a * b),
    "div": ("/", lambda a, b: a / b),
    "pow": ("**", lambda a, b: a**b),
    "max": ("max", lambda a, b: maximum(a, b)),
    "min": ("min", lambda a, b: a.minimum(b)),
    "atan2": ("atan2", lambda a, b: a.atan2(b)),
    "hypot": ("hypot", lambda a, b: a.hypot(b)),
    "mod": ("%", lambda a, b: a % b),
}


def test_every_op_of_the_table_has_rows_here() -> None:
    covered = {op for op, _ in UNARY.values()} | {op for op, _ in BINARY.values()}
    assert set(OPS) <= covered, f"ops without a row: {set(OPS) - covered}"


def same(actual: float, expected: float) -> bool:
    """Equal as IEEE values, with NaN equal to NaN and the sign of zero ignored."""
    return (math.isnan(actual) and math.isnan(expected)) or actual == expected


# --- NaN in, NaN out (and its derivative follows PyTorch) -----------------------------------

# name -> d(op)/dx at x = nan, as PyTorch gives it (NaN unless the op is piecewise).
NAN_DERIVATIVE = {
    "exp": NAN,
    "log": NAN,
    "tanh": NAN,
    "sigmoid": NAN,
    "relu": 1.0,  # PyTorch's threshold_backward: nan <= 0 is false, so the gradient passes
    "softplus": NAN,
    "sin": NAN,
    "cos": NAN,
    "abs": 0.0,
    "neg": -1.0,  # d(-x)/dx = -1 at every x, NaN too (PyTorch: -1)
    "square": NAN,
    "sqrt": NAN,
    "reciprocal": NAN,
    "pow zero": 0.0,
    "leaky_relu 0.1": 0.1,
    "leaky_relu 0": 0.0,
    **dict.fromkeys(["tan", "sinh", "cosh", "log1p", "expm1", "log2", "log10"], NAN),
    **dict.fromkeys(["asin", "acos", "atan", "asinh", "acosh", "atanh"], NAN),
    "sign": 0.0,  # flat everywhere (PyTorch: 0 too)
    "clamp": 0.0,  # NaN is inside no interval (PyTorch: 0 too)
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_nan_in_nan_out_for_every_unary_op(name: str) -> None:
    op_name, f = UNARY[name]
    x = Value(NAN)
    y = f(x)
    assert y.op == op_name
    expected = 1.0 if name == "pow zero" else NAN  # nan ** 0 = 1 in IEEE and PyTorch
    assert same(y.data, expected)
    y.backward()  # NaN in the forward values: gradients propagate it, nothing raises
    assert same(x.grad, NAN_DERIVATIVE[name])


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("nan_at", [0, 1])
def test_nan_in_nan_out_for_every_binary_op(name: str, nan_at: int) -> None:
    op_name, f = BINARY[name]
    inputs = [Value(2.0), Value(2.0)]
    inputs[nan_at] = Value(NAN)
    y = f(*inputs)
    assert y.op == op_name
    assert math.isnan(y.data)
    y.backward()
    if name in ("max", "min"):  # the NaN input is the max: it gets the whole gradient
        assert [x.grad for x in inputs] == [1.0 if k == nan_at else 0.0 for k in range(2)]
    else:
        assert any(math.isnan(x.grad) for x in inputs) or name in ("add", "sub")


@pytest.mark.parametrize("name", ["relu", "abs", "leaky_relu 0.1", "leaky_relu 0", "clamp"])
def test_derivatives_at_nan_equal_pytorchs(name: str) -> None:
    torch = pytest.importorskip("torch")
    functions = {
        "relu": torch.relu,
        "abs": torch.abs,
        "leaky_relu 0.1": lambda t: torch.nn.functional.leaky_relu(t, 0.1),
        "leaky_relu 0": lambda t: torch.nn.functional.leaky_relu(t, 0.0),
        "clamp": lambda t: torch.clamp(t, -1.0, 1.0),
    }
    t = torch.tensor(NAN, dtype=torch.float64, requires_grad=True)
    functions[name](t).backward()
    x = Value(NAN)
    UNARY[name][1](x).backward()
    assert same(x.grad, t.grad.item())


@pytest.mark.parametrize(
    ("inputs", "shares"),
    [
        ((NAN, 1.0), (1.0, 0.0)),
        ((1.0, NAN), (0.0, 1.0)),
        ((INF, NAN), (0.0, 1.0)),
        ((NAN, -INF), (1.0, 0.0)),
        ((NAN, NAN), (0.5, 0.5)),
        ((NAN, 2.0, NAN), (0.5, 0.0, 0.5)),
    ],
)
def test_a_nan_max_or_min_shares_the_gradient_among_its_nan_inputs(
    inputs: tuple[float, ...], shares: tuple[float, ...]
) -> None:
    # This project's rule, stated in the policy table: the shares sum to the gradient, as
    # for ties (PyTorch's binary maximum/minimum send the whole gradient to both inputs).
    for combine in (maximum, minimum):
        values = [Value(x) for x in inputs]
        y = combine(*values)
        assert math.isnan(y.data)
        y.backward()
        assert tuple(v.grad for v in values) == shares


@pytest.mark.parametrize(
    ("exponent", "value", "derivative"),
    [(-1.5, 0.0, 0.0), (1.5, INF, INF), (-2.0, 0.0, 0.0), (3.0, -INF, INF)],
)
def test_minus_inf_to_a_number_power_is_ieees(
    exponent: float, value: float, derivative: float
) -> None:
    # (-inf) ** -1.5 = 0.0, as IEEE's pow and PyTorch give it; d/dx = n * x**(n-1).
    x = Value(-INF)
    y = x**exponent
    y.backward()
    assert (y.data, x.grad) == (value, derivative)
    x = Value(-INF)
    assert grad(x**exponent, [x], create_graph=True)[0].data == derivative
    assert jvp(lambda a: a**exponent, [-INF], [1.0]) == (value, derivative)
    for width in (1, 64):  # the replay's float step and its array step
        leaves = [Value(-INF) for _ in range(width)]
        compile_graph(sum(leaf**exponent for leaf in leaves)).run()
        assert [leaf.grad for leaf in leaves] == [derivative] * width
    torch = pytest.importorskip("torch")
    assert value == torch.pow(torch.tensor(-INF, dtype=torch.float64), exponent).item()


@pytest.mark.parametrize(("base", "exponent", "value"), [(-INF, NAN, NAN), (-2.0, NAN, NAN)])
def test_a_nan_exponent_gives_nan_for_a_negative_base(
    base: float, exponent: float, value: float
) -> None:
    a, b = Value(base), Value(exponent)
    y = a**b
    assert same(y.data, value)
    y.backward()  # NaN in: NaN derivatives, no error about log of a negative base
    assert math.isnan(a.grad)
    assert math.isnan(b.grad)
    assert jvp(lambda a, b: a**b, [base, exponent], [1.0, 1.0])[1] != 0.0


def test_a_negative_base_with_a_value_exponent_still_raises() -> None:
    with pytest.raises(ValueError, match=r"negative base -inf with a Value exponent 2\.0"):
        Value(-INF) ** Value(2.0)


def test_a_nan_survives_a_long_chain_of_ops() -> None:
    # relu(nan) once gave 0.0, so a NaN in the data vanished from the loss without a trace.
    x = Value(NAN)
    h = (x * 0.5 + 1.0).relu().leaky_relu().sigmoid().softplus().tanh()
    loss = abs(h - 1.0) ** 2
    assert math.isnan(loss.data)


# --- inf in: IEEE ---------------------------------------------------------------------------

INF_CASES: list[tuple[str, float, float]] = [
    ("exp", INF, INF),
    ("exp", -INF, 0.0),
    ("log", INF, INF),
    ("tanh", INF, 1.0),
    ("tanh", -INF, -1.0),
    ("sigmoid", INF, 1.0),
    ("sigmoid", -INF, 0.0),
    ("relu", INF, INF),
    ("relu", -INF, 0.0),
    ("softplus", INF, INF),
    ("softplus", -INF, 0.0),
    ("abs", -INF, INF),
    ("square", -INF, INF),
    ("sqrt", INF, INF),
    ("reciprocal", INF, 0.0),
    ("reciprocal", -INF, -0.0),
    ("pow zero", INF, 1.0),
    ("leaky_relu 0.1", INF, INF),
    ("leaky_relu 0.1", -INF, -INF),
]


@pytest.mark.parametrize(("name", "x", "expected"), INF_CASES)
def test_inf_in_follows_ieee(name: str, x: float, expected: float) -> None:
    assert same(UNARY[name][1](Value(x)).data, expected)


@pytest.mark.parametrize(
    ("f", "expected"),
    [
        (lambda a: a + 1.0, INF),
        (lambda a: a - 1e308, INF),
        (lambda a: a * -2.0, -INF),
        (lambda a: a / 2.0, INF),
        (lambda a: 1.0 / a, 0.0),
        (lambda a: a ** Value(2.0), INF),
        (lambda a: Value(2.0) ** a, INF),
        (lambda a: Value(0.5) ** a, 0.0),
        (lambda a: Value(2.0) ** -a, 0.0),
    ],
)
def test_inf_through_arithmetic_follows_ieee(f: Callable[[Value], Value], expected: float) -> None:
    assert same(f(Value(INF)).data, expected)


def test_inf_in_the_forward_values_propagates_into_gradients() -> None:
    x = Value(INF)
    y = x.exp()
    y.backward()
    assert x.grad == INF


# --- never made silently: overflow and new NaN raise ------------------------------------------

OVERFLOWS: list[tuple[Callable[..., Value], tuple[float, ...], str]] = [
    (lambda a, b: a + b, (1e308, 1e308), r"\+: 1e\+308 \+ 1e\+308 overflows"),
    (lambda a, b: a - b, (-1e308, 1e308), r"-: -1e\+308 - 1e\+308 overflows"),
    (lambda a, b: a * b, (1e200, 1e200), r"\*: 1e\+200 \* 1e\+200 overflows"),
    (lambda a: a * a, (1e200,), r"\*: 1e\+200 \* 1e\+200 overflows"),  # x*x, the one input twice
    (lambda a: a**2, (1e200,), r"pow: 1e\+200 \*\* 2\.0 overflows"),
    (lambda a, b: a / b, (1e300, 1e-300), r"/: 1e\+300 / 1e-300 overflows"),
    (lambda a: a * 10.0, (1e308,), r"\*: 1e\+308 \* 10\.0 overflows"),
    (lambda a: 1e308 + a, (1e308,), r"\+: 1e\+308 \+ 1e\+308 overflows"),
    (lambda a: a.exp(), (710.0,), r"exp.*710\.0"),
    (lambda a, b: a**b, (10.0, 400.0), r"pow: 10\.0 \*\* 400\.0 overflows"),
    (lambda a: a.leaky_relu(1e10), (-1e300,), r"leaky_relu\(-1e\+300, 10000000000\.0\)"),
]


@pytest.mark.parametrize(("f", "xs", "pattern"), OVERFLOWS)
def test_overflow_from_finite_inputs_raises_naming_op_and_values(
    f: Callable[..., Value], xs: tuple[float, ...], pattern: str
) -> None:
    with pytest.raises(OverflowError, match=pattern):
        f(*(Value(x) for x in xs))


def test_overflow_raises_inside_no_grad_too() -> None:
    with no_grad(), pytest.raises(OverflowError):
        Value(1e200) * Value(1e200)


INVALID = r"invalid operation \(IEEE would give nan\)"
NEW_NANS: list[tuple[Callable[..., Value], tuple[float, ...], str]] = [
    (lambda a, b: a - b, (INF, INF), r"-: .*inf - inf"),
    (lambda a, b: a + b, (-INF, INF), r"\+: .*-inf \+ inf"),
    (lambda a, b: a * b, (0.0, INF), r"\*: .*0\.0 \* inf"),
    (lambda a, b: a * b, (-INF, 0.0), r"\*: .*-inf \* 0\.0"),
    (lambda a, b: a / b, (INF, INF), r"/: .*inf / inf"),
    (lambda a: a.sin(), (INF,), r"sin: .*sin\(inf\)"),
    (lambda a: a.cos(), (-INF,), r"cos: .*cos\(-inf\)"),
    (lambda a: a.leaky_relu(0.0), (-INF,), r"leaky_relu: .*leaky_relu\(-inf, 0\.0\)"),
    (lambda a: Value(1.0) ** a, (INF,), None),  # 1 ** inf = 1 in IEEE: no NaN, no error
]


@pytest.mark.parametrize(("f", "xs", "pattern"), NEW_NANS)
def test_a_new_nan_from_non_nan_inputs_raises_value_error(
    f: Callable[..., Value], xs: tuple[float, ...], pattern: str | None
) -> None:
    values = [Value(x) for x in xs]
    if pattern is None:
        assert f(*values).data == 1.0
        return
    with pytest.raises(ValueError, match=INVALID) as error:
        f(*values)
    assert error.match(pattern)
    assert "math domain error" not in str(error.value)


def test_domain_errors_stay_as_they_were() -> None:
    with pytest.raises(ValueError, match=r"log.*-1\.0"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match=r"sqrt.*-1\.0"):
        Value(-1.0).sqrt()
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        Value(1.0) / 0.0


# --- backward(): the same policy for gradients, all or nothing ---------------------------------


def grads_of(*values: Value) -> list[float]:
    return [v.grad for v in values]


def test_an_overflowing_gradient_raises_and_leaves_every_leaf_grad_as_it_was() -> None:
    # Forward values are all finite; d(loss)/dw = 1e200 * 1e200 is not.
    x, w, z = Value(1e200), Value(1e-200), Value(3.0)
    loss = (x * w) * 1e200 + z * 2.0
    x.grad, w.grad, z.grad = 0.25, -3.0, 7.0
    with pytest.raises(OverflowError) as error:
        loss.backward()
    assert error.match(r"\* at 1e\+200 \* 1e-200")
    assert error.match(r"incoming gradient 1e\+200")
    assert grads_of(x, w, z) == [0.25, -3.0, 7.0]  # z's gradient was ready, but not written
    assert "Numerical result" not in str(error.value)


def test_an_error_inside_a_rule_is_retold_naming_op_values_and_incoming_gradient() -> None:
    # Forward 1e-100 ** -3 = 1e300 is fine; its rule computes x ** -4 = 1e400: Python's bare
    # "(34, 'Numerical result out of range')" used to escape from inside backward().
    x = Value(1e-100)
    y = x**-3 * 2.0
    x.grad = 1.5
    with pytest.raises(OverflowError) as error:
        y.backward()
    assert error.match(r"\*\*-3 at 1e-100 \*\* -3")
    assert error.match(r"incoming gradient 2\.0")
    assert "Numerical result" not in str(error.value)
    assert x.grad == 1.5


def test_gradient_contributions_that_sum_to_inf_raise() -> None:
    x = Value(1e-10)
    y = x * 1.5e308 + x * 1.5e308  # each path is finite; the sum of the two is not
    with pytest.raises(OverflowError, match=r"contributions 1\.5e\+308 and 1\.5e\+308"):
        y.backward()
    assert x.grad == 0.0


def test_a_leaf_grad_that_would_overflow_when_accumulated_raises_and_stays() -> None:
    x = Value(1.0)
    x.grad = 1e308
    with pytest.raises(OverflowError, match="overflows"):
        (x * 1.7e308).backward()
    assert x.grad == 1e308


def test_a_failed_backward_then_a_good_one_gives_the_right_grads() -> None:
    x = Value(0.0)
    good = x * 3.0
    bad = x.sqrt()
    with pytest.raises(ZeroDivisionError, match=r"\*\*0\.5 at 0\.0 \*\* 0\.5"):
        bad.backward()
    good.backward()
    assert x.grad == 3.0


def test_nan_in_the_data_reaches_the_gradients_without_an_error() -> None:
    x, w = Value(NAN), Value(2.0)
    (x * w).backward()
    assert x.grad == 2.0
    assert math.isnan(w.grad)


def test_non_leaf_grads_hold_this_calls_gradient() -> None:
    x = Value(2.0)
    h = x * x
    y = h * 3.0
    y.backward()
    y.backward()
    assert (h.grad, y.grad, x.grad) == (3.0, 1.0, 24.0)


# --- constants get no gradient -----------------------------------------------------------------


@pytest.mark.parametrize("exponent", [0.0, 0.3, 0.5, 0.99, 1.0, 2.5])
def test_grad_of_zero_to_a_value_power_is_zero(exponent: float) -> None:
    # grad(0.0 ** y, [y]) once raised for 0 <= y < 1. The base is a constant, whose
    # infinite derivative is never needed; d(0 ** y)/dy = 0 ** y * log(0) is taken as 0.
    y = Value(exponent)
    assert grad(0.0**y, [y]) == [0.0]
    (dy,) = grad(0.0**y, [y], create_graph=True)
    assert dy.data == 0.0
    (0.0**y).backward()
    assert y.grad == 0.0


def test_a_value_base_at_zero_with_an_infinite_derivative_raises() -> None:
    base, exponent = Value(0.0), Value(0.5)
    y = base**exponent
    with pytest.raises(OverflowError, match=r"\*\* at 0\.0 \*\* 0\.5.*sends inf to its input 0"):
        y.backward()
    assert (base.grad, exponent.grad) == (0.0, 0.0)


def test_constants_receive_no_gradient() -> None:
    x = Value(2.0)
    y = x * 3.0 + 1.0
    y.backward()
    constants = [p for node in (y, y.parents[0]) for p in node.parents if p.is_constant]
    assert len(constants) == 2
    assert all(c.grad == 0.0 for c in constants)
    assert x.grad == 3.0


# --- functional APIs inside no_grad -------------------------------------------------------------


def test_hessian_inside_no_grad() -> None:
    with no_grad():
        assert hessian(lambda a: a**3, [2.0]) == [[12.0]]  # was [[0.0]]
        assert hessian(lambda a, b: a * b * b, [1.0, 3.0]) == [[0.0, 6.0], [6.0, 2.0]]
        assert not is_grad_enabled()


def test_jacobian_inside_no_grad() -> None:
    with no_grad():
        assert jacobian(lambda a, b: [a * b, a + b], [2.0, 5.0]) == [[5.0, 2.0], [1.0, 1.0]]


def test_grad_with_create_graph_inside_no_grad_builds_the_gradients_graph() -> None:
    x = Value(2.0)
    y = x**3  # built with recording on
    with no_grad():
        (dy,) = grad(y, [x], create_graph=True)  # was a constant
        assert dy.data == 12.0
        assert grad(dy, [x]) == [12.0]  # d(3x²)/dx = 6x
        plain = (x * 2.0).parents
    assert plain == ()


def test_grad_without_create_graph_records_nothing() -> None:
    x = Value(2.0)
    (dx,) = grad(x.sin(), [x])
    assert isinstance(dx, float)


# --- no_grad and enable_grad as decorators -------------------------------------------------------


def test_no_grad_without_parentheses_is_a_decorator() -> None:
    @no_grad
    def double(v: Value) -> Value:
        assert not is_grad_enabled()
        return v * 2

    out = double(Value(1.0))
    assert (out.data, out.parents) == (2.0, ())
    assert is_grad_enabled()
    assert double.__name__ == "double"


def test_enable_grad_decorates_with_and_without_parentheses() -> None:
    @enable_grad
    def plain(v: Value) -> Value:
        return v * 2

    @enable_grad()
    def called(v: Value) -> Value:
        return v * 3

    v = Value(1.0)
    with no_grad():
        assert plain(v).parents[0] is v
        assert called(v).parents[0] is v


@pytest.mark.parametrize("decorate", [no_grad, no_grad()], ids=["no_grad", "no_grad()"])
def test_no_grad_on_an_async_def_covers_the_whole_coroutine(decorate: Any) -> None:
    @decorate
    async def step(v: Value) -> tuple[Value, Value]:
        before = v * 2
        await asyncio.sleep(0.01)  # other tasks run here, with recording on
        return before, v * 3

    async def other(v: Value) -> Value:
        await asyncio.sleep(0.005)
        return v * 4

    async def main() -> list[Any]:
        v = Value(1.0)
        return list(await asyncio.gather(step(v), other(v)))

    (before, after), recorded = asyncio.run(main())
    assert (before.parents, after.parents) == ((), ())
    assert len(recorded.parents) == 2
    assert is_grad_enabled()


@pytest.mark.parametrize("decorate", [no_grad, no_grad()], ids=["no_grad", "no_grad()"])
def test_no_grad_on_a_generator_covers_its_body_and_not_the_caller(decorate: Any) -> None:
    @decorate
    def batches(v: Value) -> Any:
        for _ in range(2):
            scale = yield v * 2  # made inside the body: recording off
        return scale

    v = Value(1.0)
    items = batches(v)
    first = next(items)
    between = v * 3  # the caller's code between two items: recording on
    second = items.send(5.0)
    with pytest.raises(StopIteration) as stop:
        items.send(7.0)
    assert (first.parents, second.parents) == ((), ())
    assert between.parents[0] is v
    assert stop.value.value == 7.0  # send() and the return value pass through
    assert is_grad_enabled()


def test_enable_grad_on_a_generator_records_inside_no_grad() -> None:
    @enable_grad()
    def items(v: Value) -> Any:
        yield v * 2

    v = Value(1.0)
    with no_grad():
        (made,) = list(items(v))
        assert not is_grad_enabled()
    assert made.parents[0] is v


def test_no_grad_on_an_async_generator_covers_its_body() -> None:
    @no_grad()
    async def stream(v: Value) -> Any:
        for _ in range(2):
            await asyncio.sleep(0)
            yield v * 2

    async def main() -> list[tuple[Value, Value]]:
        v = Value(1.0)
        return [(item, v * 3) async for item in stream(v)]

    pairs = asyncio.run(main())
    assert [(item.parents, len(between.parents)) for item, between in pairs] == [((), 2)] * 2


def test_a_generator_under_no_grad_can_be_closed_and_thrown_into() -> None:
    closed = []

    @no_grad()
    def items() -> Any:
        try:
            while True:
                try:
                    yield is_grad_enabled()
                except ValueError:
                    yield "caught"
        finally:
            closed.append(is_grad_enabled())

    generator = items()
    assert next(generator) is False
    assert generator.throw(ValueError("x")) == "caught"
    generator.close()
    assert closed == [False]
    assert is_grad_enabled()


def test_one_no_grad_object_can_be_entered_twice() -> None:
    mode = no_grad()
    with mode:
        with mode:
            assert not is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


# --- a user's own op meets the same policy --------------------------------------------------


def _raising_rule(g: Any, y: Any, x: Any) -> tuple[Any]:
    raise RuntimeError("a bug in a user's rule")


def test_a_users_op_that_overflows_raises_naming_it() -> None:
    from autograd_engine import Op

    cube = Op("cube", lambda x: x * x * x, lambda g, y, x: (g * 3 * x * x,))
    assert Value(2.0).apply(cube).data == 8.0
    assert math.isnan(Value(NAN).apply(cube).data)
    with pytest.raises(OverflowError, match=r"cube: cube\(1e\+200\) overflows"):
        Value(1e200).apply(cube)


def test_any_error_in_a_rule_leaves_the_leaf_grads_as_they_were() -> None:
    from autograd_engine import Op

    broken = Op("broken", lambda x: 2 * x, _raising_rule)
    x, w = Value(1.0), Value(2.0)
    y = x.apply(broken) * w + w * 3.0
    x.grad, w.grad = 0.5, -0.5
    with pytest.raises(RuntimeError, match="a bug in a user's rule"):
        y.backward()
    assert (x.grad, w.grad) == (0.5, -0.5)
