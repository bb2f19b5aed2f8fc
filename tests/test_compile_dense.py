"""A dense layer's forward pass in the compiled replay: one matrix product per layer.

The sums of one layer of neurons over a batch are replayed as ``W.T @ X`` (see
:class:`autograd_engine.replay_kernels.DenseLayer`). BLAS adds in its own order, so values
and gradients equal eager's to rounding (1e-12 relative here), not bit for bit; errors stay
eager's: a sum that might overflow is added in eager's order and, if not finite, redone on
floats, raising what the chain of ``*`` and ``+`` raises.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from typing import Any

import pytest

from autograd_engine import CompiledGraph, Value, compile_graph, guards
from autograd_engine import replay_kernels as kernels
from autograd_engine.graph import topological_order
from nn import MLP
from nn.datasets import load_digits, make_moons
from nn.losses import cross_entropy, hinge_loss
from nn.optim import SGD
from nn.train import fit

TOLERANCE = {"rel": 1e-12, "abs": 1e-12}


def dense_forwards(replay: CompiledGraph) -> int:
    """How many steps of the replay compute their sums as one matrix product."""
    return sum(bool(getattr(step, "dense_forward", False)) for step in replay._steps)


def network(
    nin: int, widths: list[int], batch: int, activation: str, seed: int
) -> tuple[Value, list[Value], list[Value]]:
    """``sum over the batch of outputs * c`` of a stack of layers with ``activation``
    between them; returns the loss, its outputs (one per example and output neuron) and every
    leaf (weights, biases, inputs)."""
    rng = random.Random(seed)
    layers = []
    for n_in, n_out in zip([nin, *widths], widths, strict=False):
        layers.append(
            [
                ([Value(rng.uniform(-1, 1)) for _ in range(n_in)], Value(rng.uniform(-0.5, 0.5)))
                for _ in range(n_out)
            ]
        )
    xs = [[Value(rng.uniform(-2, 2)) for _ in range(nin)] for _ in range(batch)]
    outputs: list[Value] = []
    for x in xs:
        h: list[Value] = x
        for depth, layer in enumerate(layers):
            h = [sum((w * v for w, v in zip(ws, h, strict=True)), b) for ws, b in layer]
            if depth < len(layers) - 1:
                h = [v.relu() if activation == "relu" else v.tanh() for v in h]
        outputs.extend(h)
    loss = outputs[0] * rng.uniform(-1, 1)
    for out in outputs[1:]:
        loss = loss + out * rng.uniform(-1, 1)
    leaves = [p for layer in layers for ws, b in layer for p in (*ws, b)]
    return loss, outputs, leaves + [v for x in xs for v in x]


def configurations() -> list[tuple[int, list[int], int, str]]:
    """Layers of width 1 to 64 on batches of 1 to 100, the extremes first, then random
    ones (sized so that every graph builds in well under a second)."""
    fixed = [
        (3, [64, 1], 100, "relu"),
        (2, [1, 1], 1, "tanh"),
        (16, [64, 3], 1, "tanh"),
        (5, [2, 64, 2], 40, "relu"),
        (64, [64, 1], 4, "relu"),
        (4, [1, 64], 100, "tanh"),
    ]
    rng = random.Random(12)
    drawn = []
    while len(drawn) < 6:
        nin, batch = rng.randint(1, 16), rng.randint(1, 100)
        widths = [rng.randint(1, 64) for _ in range(rng.randint(1, 2))] + [rng.randint(1, 4)]
        work = batch * sum(a * b for a, b in zip([nin, *widths], widths, strict=False))
        if work <= 60_000:
            drawn.append((nin, widths, batch, rng.choice(["relu", "tanh"])))
    return fixed + drawn


def _rebuild(root: Value, leaves: dict[Value, Value]) -> Value:
    """The graph of ``root`` built anew, eagerly, on other leaves (constants kept)."""
    new: dict[Value, Value] = {}
    for node in topological_order(root):
        op = node._op
        parents = [new[p] for p in node.parents]
        if op is None:
            new[node] = leaves.get(node, node)
        elif op.name == "+":
            new[node] = parents[0] + parents[1]
        elif op.name == "*":
            new[node] = parents[0] * parents[1]
        else:
            new[node] = getattr(parents[0], op.name)()
    return new[root]


@pytest.mark.parametrize(("nin", "widths", "batch", "activation"), configurations())
def test_random_layers_replay_eagers_values_and_gradients_to_1e12(
    nin: int, widths: list[int], batch: int, activation: str
) -> None:
    loss, outputs, leaves = network(nin, widths, batch, activation, seed=nin * 1000 + batch)
    replay = compile_graph(loss, watch=outputs)
    loss.backward()
    eager_grads = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0
    assert replay.run() == pytest.approx(loss.data, **TOLERANCE)
    assert replay.watched_values() == pytest.approx([o.data for o in outputs], **TOLERANCE)
    assert [leaf.grad for leaf in leaves] == pytest.approx(eager_grads, **TOLERANCE)
    # New leaf values: the replay against the graph rebuilt on them.
    rng = random.Random(batch)
    for leaf in leaves:
        leaf.data = rng.uniform(-1, 1)
        leaf.grad = 0.0
    value = replay.run()
    fresh = [Value(leaf.data) for leaf in leaves]
    rebuilt = _rebuild(loss, dict(zip(leaves, fresh, strict=True)))
    rebuilt.backward()
    assert value == pytest.approx(rebuilt.data, **TOLERANCE)
    assert [leaf.grad for leaf in leaves] == pytest.approx([v.grad for v in fresh], **TOLERANCE)


def test_the_wide_configurations_do_use_the_dense_forward() -> None:
    """The test above would pass without any dense step: check that it has them."""
    loss, _, _ = network(3, [64, 1], 100, "relu", seed=1)
    assert dense_forwards(compile_graph(loss)) == 1  # 64 neurons x 100 examples
    loss, _, _ = network(5, [2, 64, 2], 40, "relu", seed=1)
    assert dense_forwards(compile_graph(loss)) == 2  # 64 x 40 (3 terms); 2 x 40 (65 terms)
    loss, _, _ = network(2, [1, 1], 1, "tanh", seed=1)
    assert dense_forwards(compile_graph(loss)) == 0  # too small to pay


def _one_layer() -> tuple[Callable[[], Value], list[Value], list[Value]]:
    """A 24-neuron relu layer on 40 examples (6 inputs) summed up: its builder, its leaves,
    and ``[neuron 0's bias, its first two weights, example 0's first two inputs]``."""
    rng = random.Random(3)
    ws = [[Value(rng.uniform(-1, 1)) for _ in range(6)] for _ in range(24)]
    bs = [Value(rng.uniform(-1, 1)) for _ in range(24)]
    xs = [[Value(rng.uniform(-1, 1)) for _ in range(6)] for _ in range(40)]

    def build() -> Value:
        sums = [
            sum((w * v for w, v in zip(wn, xe, strict=True)), b).relu()
            for xe in xs
            for wn, b in zip(ws, bs, strict=True)
        ]
        total = sums[0]
        for s in sums[1:]:
            total = total + s
        return total

    leaves = [p for row in ws for p in row] + bs + [v for row in xs for v in row]
    return build, leaves, [bs[0], ws[0][0], ws[0][1], xs[0][0], xs[0][1]]


def _error_of(call: Callable[[], Any]) -> BaseException:
    try:
        call()
    except (ArithmeticError, ValueError) as error:
        return error
    raise AssertionError("no error")


@pytest.mark.parametrize(
    ("bias", "weights", "inputs"),
    [
        # Sum (0, 0) is b - 1.5e308 + 2e308 + ...: eager's second product overflows
        # (OverflowError at the *), but a fused multiply-add of it onto the first,
        # -1.5e308 + 2e308, is a finite 5e307: a BLAS product alone would be quiet. No other
        # sum is large, so only the bound on the factors sends this step to eager's order.
        (0.5, (-1.5e154, 2e154), (1e154, 1e154)),
        # The bias and one product: the partial sum 1e308 + 1e308 overflows in eager's order.
        (1e308, (1e154, 0.5), (1e154, 0.5)),
    ],
)
def test_a_sum_that_might_overflow_raises_eagers_error(
    bias: float, weights: tuple[float, float], inputs: tuple[float, float]
) -> None:
    build, leaves, (b0, w00, w01, x00, x01) = _one_layer()
    replay = compile_graph(build())  # recorded on ordinary values
    assert dense_forwards(replay) == 1
    b0.data, (w00.data, w01.data), (x00.data, x01.data) = bias, weights, inputs
    eager = _error_of(build)
    grads = [leaf.grad for leaf in leaves]
    replayed = _error_of(replay.run)
    assert type(replayed) is type(eager)
    assert str(replayed) == str(eager)
    assert [leaf.grad for leaf in leaves] == grads  # nothing was changed


def test_the_product_is_declined_when_some_order_of_its_terms_could_overflow() -> None:
    """The rule itself: ``terms * max|w| * max|x|`` bounds every partial sum in any order
    (a BLAS may split a sum in blocks: this machine's adds in order, so the overflow tests
    above cannot see the ``terms`` factor). 65 terms of 1e299 each: every product is
    finite, their sum in some order is not safe."""
    import numpy as np

    slots = np.arange(65 * 64, dtype=np.intp).reshape(65, 64)
    a, b = np.repeat(slots[:, :8], 8, axis=1), np.tile(slots[:, 8:16], 8)
    layer = kernels.DenseLayer.recognise(a, b)
    assert layer is not None
    w, x = np.full((65, 8), 1e150), np.full((65, 8), 1e149)  # products 1e299
    assert layer.forward(w, x) is None  # 65 * 1e299 > 1e300
    assert layer.forward(w[:5], x[:5]) is not None  # 5 * 1e299 < 1e300
    x[3, 2] = math.nan
    assert layer.forward(w[:5], x[:5]) is None


def test_nan_and_inf_in_a_layer_propagate_as_in_eager() -> None:
    build, leaves, _ = _one_layer()
    replay = compile_graph(build())
    leaves[0].data = math.nan
    assert math.isnan(build().data)
    assert math.isnan(replay.run())
    leaves[0].data = 0.25
    leaves[-1].data = math.inf  # inf * w: +inf or -inf in the 24 sums of one example
    eager = build().data
    assert eager == math.inf  # relu keeps the +inf ones
    assert replay.run() == eager


def test_huge_but_safe_values_still_match_eager() -> None:
    """Values near 1e70: products near 1e140, far below the bound, so the matrix product
    is used, and agrees with eager to rounding."""
    build, leaves, _ = _one_layer()
    replay = compile_graph(build())
    for leaf in leaves:
        leaf.data *= 1e70
    assert replay.run() == pytest.approx(build().data, rel=1e-12)


def test_a_value_guard_keeps_eagers_order_of_addition() -> None:
    """``v.item()`` while recording holds the replay to eager's value bit for bit: no dense
    forward then (a comparison guard, which only a rounding-sized change near its threshold
    could flip, keeps it)."""
    build, _, _ = _one_layer()
    with guards.recording() as log:
        loss = build()
        loss.item()
    replay = compile_graph(loss, guards=log)
    assert dense_forwards(replay) == 0
    assert replay.run() == loss.data  # the guard holds: eager's bits
    with guards.recording() as log:
        loss = build()
        assert loss > -1e9
    assert dense_forwards(compile_graph(loss, guards=log)) == 1


def test_an_exact_step_adds_in_eagers_order() -> None:
    """The same graph replayed exact (eager's order) and dense: the first bit for bit equal
    to eager, the second to rounding."""
    build, _, _ = _one_layer()
    loss = build()
    exact = compile_graph(loss)
    for step in exact._steps:
        if getattr(step, "dense_forward", False):
            step.dense_forward = False  # type: ignore[attr-defined]
    assert exact.run() == loss.data
    assert compile_graph(loss).run() == pytest.approx(loss.data, rel=1e-12)


def test_relu_of_nan_is_nan_in_the_replay_as_in_eager() -> None:
    """The array relu took ``x > 0``, so NaN came out 0.0 (eager gives NaN): a finite
    wrong number. A small graph of 40 relus, one array step."""
    xs = [Value(0.5) for _ in range(40)]
    loss = xs[0].relu()
    for x in xs[1:]:
        loss = loss + x.relu()
    replay = compile_graph(loss)
    xs[3].data = math.nan
    assert math.isnan(xs[3].relu().data)
    assert math.isnan(replay.run())


# fit: eager and compiled histories, with dense forward passes, agree to 1e-12.


@pytest.fixture
def dense_calls(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """For each dense forward pass tried during the test: True if the product was used."""
    calls: list[bool] = []
    original = kernels.DenseLayer.forward

    def counting(self: kernels.DenseLayer, w: Any, x: Any) -> Any:
        result = original(self, w, x)
        calls.append(result is not None)
        return result

    monkeypatch.setattr(kernels.DenseLayer, "forward", counting)
    return calls


def _fit(
    make_model: Callable[[], MLP], X: Any, y: Any, loss_fn: Any, compiled: bool, epochs: int
) -> tuple[dict[str, list[float]], list[float]]:
    model = make_model()
    history = fit(
        model,
        X,
        y,
        loss_fn,
        SGD(model.parameters(), lr=0.05),
        epochs,
        batch_size=32,
        progress=False,
        seed=4,
        compiled=compiled,
    )
    return dict(history), [p.data for p in model.parameters()]


def test_moons_fit_compiled_equals_eager_to_1e12(dense_calls: list[bool]) -> None:
    X, labels = make_moons(80, noise=0.1, seed=2)  # batches of 32, 32 and 16
    y = [2.0 * label - 1.0 for label in labels]

    def make_model() -> MLP:
        return MLP(2, [16, 16, 1], seed=3)

    eager, eager_weights = _fit(make_model, X, y, hinge_loss, False, 4)
    compiled, compiled_weights = _fit(make_model, X, y, hinge_loss, True, 4)
    assert sum(dense_calls) >= 4  # the 16 x 32 layers of the full batches were dense
    assert compiled.keys() == eager.keys()
    for key in eager:
        assert compiled[key] == pytest.approx(eager[key], **TOLERANCE)
    assert compiled_weights == pytest.approx(eager_weights, **TOLERANCE)


def test_digits_fit_compiled_equals_eager_to_1e12(dense_calls: list[bool]) -> None:
    X, y = load_digits()
    X = [[p / 16 for p in x] for x in X[:64]]  # two batches of 32

    def make_model() -> MLP:
        return MLP(64, [32, 10], seed=5)

    eager, eager_weights = _fit(make_model, X, y[:64], cross_entropy, False, 3)
    compiled, compiled_weights = _fit(make_model, X, y[:64], cross_entropy, True, 3)
    assert sum(dense_calls) >= 6  # 32 x 32 (65 terms) and 10 x 32 (33 terms), each step
    for key in eager:
        assert compiled[key] == pytest.approx(eager[key], **TOLERANCE)
    assert compiled_weights == pytest.approx(eager_weights, **TOLERANCE)
