"""compile_graph: replaying a recorded graph gives what rebuilding it and backward() give.

The oracle is the eager engine itself: the same expression is rebuilt from the same leaf
values and differentiated with ``backward()``. Values and leaf gradients must agree to
1e-12 relative to the graph's scale (its largest value or gradient): NumPy's exp, log, tanh
and ``**`` may differ from :mod:`math` in the last bit, and a gradient that is a sum of
several terms may be added in another order.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_engine import (
    CompiledGraph,
    Op,
    Value,
    compile_graph,
    maximum,
    minimum,
    ops,
    topological_order,
)
from autograd_engine import compile as compile_module

# Every op of the op table, each made safe for any input in [-2, 2] by what feeds it, so a
# random graph never leaves an op's domain. Each entry adds the op as a primitive node.
UNARY: dict[str, Callable[[Value], Value]] = {
    "exp": lambda x: x.tanh().exp(),
    "log": lambda x: (x * x + 0.5).log(),
    "tanh": lambda x: x.tanh(),
    "sigmoid": lambda x: x.sigmoid(),
    "relu": lambda x: x.relu(),
    "leaky_relu": lambda x: x.leaky_relu(0.1),
    "softplus": lambda x: x.softplus(),
    "sin": lambda x: x.sin(),
    "cos": lambda x: x.cos(),
    "abs": lambda x: abs(x),
    "square": lambda x: x**2,
    "cube": lambda x: x**3,
    "recip": lambda x: (x * x + 0.5) ** -1,
    "sqrt": lambda x: (x * x + 0.25).sqrt(),
    "neg": lambda x: -x,
    "rsub": lambda x: 0.99 - x,
    "sub number": lambda x: x - 0.25,
    "rdiv": lambda x: 2.0 / (x * x + 0.5),
    "div number": lambda x: x / 4.0,
    "scale": lambda x: x * 0.7,
    "shift": lambda x: 0.3 + x,
    "tan": lambda x: x.tanh().tan(),
    "sinh": lambda x: x.tanh().sinh(),
    "cosh": lambda x: x.tanh().cosh(),
    "log1p": lambda x: x.sigmoid().log1p(),
    "expm1": lambda x: x.tanh().expm1(),
    "log2": lambda x: (x * x + 0.5).log2(),
    "log10": lambda x: (x * x + 0.5).log10(),
    "asin": lambda x: (x.tanh() * 0.9).asin(),
    "acos": lambda x: (x.tanh() * 0.9).acos(),
    "atan": lambda x: x.atan(),
    "asinh": lambda x: x.asinh(),
    "acosh": lambda x: (x * x + 1.5).acosh(),
    "atanh": lambda x: (x.tanh() * 0.9).atanh(),
    "sign": lambda x: x.sign(),
    "clamp": lambda x: x.clamp(-0.5, 0.5),
}
BINARY: dict[str, Callable[[Value, Value], Value]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 0.5),
    "pow": lambda a, b: (a.sigmoid() + 0.5) ** b.tanh(),
    # Chains of + with products in them: what the replay fuses into one sum.
    "dot": lambda a, b: sum((w * x for w, x in [(a, b), (b, b), (a, 0.5)]), a),
    "sum": lambda a, b: sum([a, b, a, 1.0, b * 2]),
    "max": lambda a, b: maximum(a, b.sin(), 0.25),  # n-ary; ties (a, a) share the gradient
    "min": lambda a, b: minimum(a, b.cos(), 0.1),
    "atan2": lambda a, b: a.atan2(b * b + 0.5),
    "hypot": lambda a, b: a.hypot(b),
    "mod": lambda a, b: a % (b * b + 0.5),
}


def test_the_random_graphs_use_every_op_of_the_op_table() -> None:
    x, y = Value(0.3), Value(0.7)
    names = {n.op for f in UNARY.values() for n in topological_order(f(x))}
    names |= {n.op for f in BINARY.values() for n in topological_order(f(x, y))}
    assert set(ops.OPS) <= names
    assert {"**2", "**3", "**-1", "**0.5", "leaky_relu"} <= names


Program = list[tuple[str, int, int]]

programs = st.lists(
    st.tuples(st.sampled_from(sorted(UNARY) + sorted(BINARY)), st.integers(0), st.integers(0)),
    min_size=1,
    max_size=25,
)
leaf_values = st.lists(st.floats(-2, 2), min_size=3, max_size=3)


def build(program: Program, leaves: Sequence[Value]) -> Value:
    """The graph a program describes: each step applies an op to earlier nodes."""
    nodes: list[Value] = list(leaves)
    for name, i, j in program:
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append(UNARY[name](a) if name in UNARY else BINARY[name](a, b))
    # The root uses every node, so nodes used several times are common.
    return sum(nodes[len(leaves) :], nodes[0]) * 0.5


def eager(program: Program, xs: Sequence[float]) -> tuple[float, list[float], float]:
    """Rebuild from scratch and backward(): the value, leaf grads, and the graph's scale."""
    leaves = [Value(x) for x in xs]
    root = build(program, leaves)
    root.backward()
    nodes = topological_order(root)
    scale = max(1.0, *(abs(n.data) for n in nodes), *(abs(n.grad) for n in nodes))
    return root.data, [leaf.grad for leaf in leaves], scale


def assert_agree(actual: float, expected: float, scale: float) -> None:
    assert abs(actual - expected) <= 1e-12 * max(abs(expected), scale), (actual, expected)


@settings(max_examples=300, deadline=None)
@given(programs, leaf_values, leaf_values)
def test_replay_agrees_with_rebuild_and_backward(
    program: Program, xs: list[float], new_xs: list[float]
) -> None:
    leaves = [Value(x) for x in xs]
    replay = compile_graph(build(program, leaves))
    for values in (xs, new_xs):  # the recorded values, then new ones
        expected_value, expected_grads, scale = eager(program, values)
        assume(scale < 1e6)
        for leaf, x in zip(leaves, values, strict=True):
            leaf.data, leaf.grad = x, 0.0
        assert_agree(replay.run(), expected_value, scale)
        for leaf, expected in zip(leaves, expected_grads, strict=True):
            assert_agree(leaf.grad, expected, scale)


@settings(max_examples=50, deadline=None)
@given(programs, st.lists(st.lists(st.floats(-2, 2), min_size=3, max_size=3), min_size=40))
def test_wide_graphs_take_the_array_path_and_agree(
    program: Program, rows: list[list[float]]
) -> None:
    """The same program on many rows: each level's nodes are many, so they run as arrays."""
    rows_leaves = [[Value(x) for x in row] for row in rows]
    root = sum(build(program, leaves) for leaves in rows_leaves)
    assert isinstance(root, Value)
    replay = compile_graph(root)
    assert ", 0 array steps" not in repr(replay)
    replay.run()
    for row, leaves in zip(rows, rows_leaves, strict=True):
        _, expected_grads, scale = eager(program, row)
        assume(scale < 1e6)
        for leaf, expected in zip(leaves, expected_grads, strict=True):
            assert_agree(leaf.grad, expected, scale)


def test_every_op_on_the_array_path_matches_its_float_rule() -> None:
    """Sixty-four nodes per op, so every op of the table runs as one array step."""
    xs = [-2 + 4 * i / 63 for i in range(64)]
    for name, f in {
        **UNARY,
        **{k: (lambda x, g=g: g(x, x * 0.5)) for k, g in BINARY.items()},
    }.items():
        leaves = [Value(x) for x in xs]
        replay = compile_graph(sum(f(leaf) for leaf in leaves))
        value = replay.run()
        fresh = [Value(x) for x in xs]
        expected = sum(f(leaf) for leaf in fresh)
        expected.backward()
        assert value == pytest.approx(expected.data, rel=1e-12), name
        for leaf, reference in zip(leaves, fresh, strict=True):
            assert leaf.grad == pytest.approx(reference.grad, rel=1e-12, abs=1e-12), name


@pytest.mark.parametrize("num_sums", [1, 20])  # one column of terms, and many side by side
def test_a_fused_sum_rounds_exactly_like_its_chain_of_plus(num_sums: int) -> None:
    """Terms from 1e-8 to 1e8 make the order of addition visible in the result's bits."""

    def weighted_sum(offset: int) -> Value:
        terms = [Value(10.0 ** ((k + offset) % 17 - 8) * (-1) ** k) for k in range(300)]
        weights = [Value(1 + k / 7) for k in range(300)]
        return sum((w * t for w, t in zip(weights, terms, strict=True)), Value(0.25))

    # Each sum goes through a "* 1.0" so it stays a sum of its own.
    total = sum(weighted_sum(offset) * 1.0 for offset in range(num_sums))
    assert isinstance(total, Value)
    assert compile_graph(total).run() == total.data


def test_changed_leaves_are_read_on_every_run() -> None:
    x, w = Value(2.0), Value(3.0)
    replay = compile_graph((w * x + 1.0).tanh())
    w.data = -0.5
    value = replay.run()
    assert value == math.tanh(-0.5 * 2.0 + 1.0)
    assert w.grad == pytest.approx((1 - value**2) * 2.0, rel=1e-15)
    assert x.grad == pytest.approx((1 - value**2) * -0.5, rel=1e-15)


def test_relu_re_decides_its_piece_on_every_run() -> None:
    x = Value(1.0)
    replay = compile_graph((x * 3.0).relu())
    assert replay.run() == 3.0
    assert x.grad == 3.0
    x.data, x.grad = -1.0, 0.0
    assert replay.run() == 0.0
    assert x.grad == 0.0


def test_leaf_grads_accumulate_exactly_as_backward() -> None:
    def graph() -> tuple[Value, Value, Value]:
        a, b = Value(1.5), Value(-0.5)
        a.grad, b.grad = 10.0, -3.0  # whatever was there is added to
        return a, b, (a * b + a.exp()) * b

    a, b, y = graph()
    y.backward()
    y.backward(2.0)
    ra, rb, ry = graph()
    replay = compile_graph(ry)
    replay.run()
    replay.run(2.0)
    assert (ra.grad, rb.grad) == pytest.approx((a.grad, b.grad), rel=1e-15)


def test_a_leaf_as_root_gets_the_seed() -> None:
    x = Value(4.0)
    assert compile_graph(x).run(3.0) == 4.0
    assert x.grad == 3.0


def test_constants_get_no_gradient_as_in_backward() -> None:
    x = Value(2.0)
    y = x * 5.0
    (constant,) = (n for n in y.parents if n is not x)
    assert constant.is_constant
    compile_graph(y).run()
    assert (x.grad, constant.grad) == (5.0, 0.0)


def test_an_infinite_gradient_raises_as_in_backward_and_changes_no_grad() -> None:
    """A gradient that overflows from finite values is an error in both modes."""
    x, y = Value(1e-100), Value(1.0)
    replay = compile_graph(x**-3 * y)
    with pytest.raises(OverflowError):
        (Value(1e-100) ** -3 * Value(1.0)).backward()
    y.grad = 7.0
    with pytest.raises(OverflowError, match=r"no \.grad was changed"):
        replay.run(1e300)
    assert (x.grad, y.grad) == (0.0, 7.0)


def test_the_replay_keeps_only_the_leaves_alive() -> None:
    x = Value(2.0)
    replay = compile_graph((x * x).exp())
    assert replay.leaves == (x,)
    assert isinstance(replay, CompiledGraph)
    assert replay.num_nodes == 3


def test_a_deep_narrow_chain_is_one_float_step_and_agrees() -> None:
    x = Value(0.3)
    y = x
    for k in range(20_000):
        y = (y * 1.0001).sin() if k % 2 else y + 0.001
    replay = compile_graph(y)
    assert "0 array steps, 1 float steps" in repr(replay)
    value = replay.run()
    expected = x.grad
    x.grad = 0.0
    y.backward()
    assert value == y.data
    assert expected == pytest.approx(x.grad, rel=1e-12)


def test_an_op_of_your_own_is_replayed_through_its_rules() -> None:
    cube = Op("cube", lambda x: x**3, lambda g, y, x: (g * 3 * x**2,))
    leaves = [Value(0.1 * k) for k in range(40)]  # enough for an array step, had it a rule
    replay = compile_graph(sum(leaf.apply(cube) for leaf in leaves))
    assert replay.run() == pytest.approx(sum((0.1 * k) ** 3 for k in range(40)), rel=1e-14)
    assert [leaf.grad for leaf in leaves] == pytest.approx([3 * (0.1 * k) ** 2 for k in range(40)])


# --- what cannot be replayed, and errors --------------------------------------------------


def test_the_root_must_be_a_value() -> None:
    with pytest.raises(TypeError, match="root must be a Value, not float"):
        compile_graph(1.0)  # type: ignore[arg-type]


def test_a_leaf_that_holds_no_number_is_named() -> None:
    x, w = Value(1.0), Value(2.0, label="w")
    replay = compile_graph(w * x)
    # The assignment itself refuses a non-number, before any replay sees it.
    with pytest.raises(TypeError, match="not str: 'heavy'"):
        w.data = "heavy"  # type: ignore[assignment]
    assert replay.run() == 2.0


def test_the_seed_gradient_must_be_a_number() -> None:
    replay = compile_graph(Value(1.0) * 2.0)
    with pytest.raises(TypeError, match="gradient must be a real number, not list"):
        replay.run([1.0])  # type: ignore[arg-type]


@pytest.mark.parametrize("width", [1, 64])  # the float path, and the array path's fallback
@pytest.mark.parametrize(
    ("make", "bad_value", "error", "message"),
    [
        (lambda x: x.log(), -1.0, ValueError, "log: logarithm of -1.0"),
        (lambda x: x.sqrt(), -4.0, ValueError, "negative base -4.0 to the non-integer power"),
        (lambda x: 1 / x, 0.0, ZeroDivisionError, r"division by zero: 1.0 / 0.0"),
        (lambda x: x.exp(), 800.0, OverflowError, r"exp\(800.0\) overflows"),
        (lambda x: x ** Value(0.5), -2.0, ValueError, "pow: negative base -2.0"),
        (lambda x: x**0.5, 0.0, ZeroDivisionError, r"derivative of x \*\* 0.5 at x = 0"),
    ],
)
def test_replaying_outside_an_ops_domain_raises_what_rebuilding_raises(
    width: int,
    make: Callable[[Value], Value],
    bad_value: float,
    error: type[Exception],
    message: str,
) -> None:
    """The same exception type as rebuilding + backward(), with the op table's message."""
    leaves = [Value(1.0) for _ in range(width)]
    replay = compile_graph(sum(make(leaf) for leaf in leaves))
    leaves[-1].data = bad_value
    with pytest.raises(error, match=message):
        replay.run()
    rebuilt = [Value(leaf.data) for leaf in leaves]
    with pytest.raises(error):
        sum(make(leaf) for leaf in rebuilt).backward()


@pytest.mark.parametrize("width", [1, 64])
def test_non_finite_values_follow_the_eager_engine(width: int) -> None:
    """The numerical policy holds in the replay as in eager: overflow from finite numbers
    raises OverflowError, and a NaN that arrives in the data comes out as NaN."""
    xs = [Value(1.0) for _ in range(width)]
    ys = [Value(1.0) for _ in range(width)]

    def build() -> Value:
        products = [x * y for x, y in zip(xs, ys, strict=True)]
        return sum((p - p * 1.0 for p in products), Value(0.0))

    replay = compile_graph(build())
    for x in xs:
        x.data = 1e200
    for y in ys:
        y.data = 1e200
    with pytest.raises(OverflowError, match="overflows a float"):
        build()
    with pytest.raises(OverflowError, match="overflows a float"):
        replay.run()
    xs[0].data = math.nan
    for y in ys:
        y.data = 1.0
    for x in xs[1:]:
        x.data = 1.0
    assert math.isnan(replay.run())
    assert math.isnan(build().data)


def test_frozen_control_flow_is_what_the_docs_say() -> None:
    """Python that read .data while recording picked a branch; every replay repeats it."""
    x = Value(2.0)
    y = x * 2 if x.data > 0 else x * -3  # the branch for x > 0 is recorded
    replay = compile_graph(y)
    x.data = -1.0
    assert replay.run() == -2.0  # still x * 2, although rebuilding would take x * -3
    assert "Frozen control flow" in (compile_module.__doc__ or "")


def test_importing_the_engine_does_not_import_numpy() -> None:
    import subprocess
    import sys

    code = "import sys, autograd_engine; print('numpy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr


def test_watched_nodes_report_their_values_and_are_never_fused() -> None:
    w, x = Value(2.0), Value(3.0)
    product = w * x  # used once, by a +: would be fused into the sum below
    partial = product + 1.0  # the same: a + used once by a +
    root = partial + x
    replay = compile_graph(root, watch=[product, partial, x])
    with pytest.raises(RuntimeError, match="run\\(\\) has not been called yet"):
        replay.watched_values()
    w.data = -1.0
    assert replay.run() == -3.0 + 1.0 + 3.0
    assert replay.watched_values() == [-3.0, -2.0, 3.0]


def test_watching_a_node_outside_the_graph_is_an_error() -> None:
    x, stranger = Value(1.0), Value(2.0)
    with pytest.raises(ValueError, match=r"watch\[0\] .* is not in the graph of root"):
        compile_graph(x * 2.0, watch=[stranger])
    with pytest.raises(TypeError, match=r"watch\[1\] must be a Value, not float"):
        compile_graph(x * 2.0, watch=[x, 2.0])  # type: ignore[list-item]
