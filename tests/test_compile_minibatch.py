"""Compiled mini-batches: targets are graph inputs, so one recording serves every batch of a size.

Eager and compiled training must agree to 1e-12 (history and weights) with shuffled batches
and a partial last batch, for every loss of :mod:`nn.losses`; each batch size is recorded
once; targets the loss would refuse are refused by the compiled step too.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Sequence
from typing import Any

import pytest

import nn.compiled
import nn.train
from autograd_engine import CompiledGraph, Value, compile_graph, no_grad
from nn import MLP, Module
from nn.callbacks import ProgressBar
from nn.compiled import FrozenGraphError, History
from nn.datasets import make_moons
from nn.losses import binary_cross_entropy_with_logits, cross_entropy, hinge_loss, mse_loss
from nn.optim import SGD, Adam
from nn.train import accuracy, fit

TOLERANCE = {"rel": 1e-12, "abs": 1e-12}


@pytest.fixture
def recordings(monkeypatch: pytest.MonkeyPatch) -> list[CompiledGraph]:
    """Every graph nn.compiled records during the test."""
    made: list[CompiledGraph] = []
    original = nn.compiled.compile_graph

    def counting(*args: Any, **kwargs: Any) -> CompiledGraph:
        made.append(original(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(nn.compiled, "compile_graph", counting)
    return made


LOSSES: list[Any] = [
    pytest.param(hinge_loss, lambda labels: [2.0 * y - 1.0 for y in labels], 1, id="hinge"),
    pytest.param(binary_cross_entropy_with_logits, lambda labels: labels, 1, id="bce-int"),
    pytest.param(
        binary_cross_entropy_with_logits, lambda labels: [float(y) for y in labels], 1, id="bce"
    ),
    pytest.param(mse_loss, lambda labels: [0.5 * y - 0.2 for y in labels], 1, id="mse"),
    pytest.param(cross_entropy, lambda labels: labels, 2, id="cross_entropy"),
]


def train(
    loss_fn: Any, targets: list[Any], nout: int, compiled: bool, epochs: int = 4
) -> tuple[dict[str, list[float]], list[float]]:
    X, _ = make_moons(70, noise=0.1, seed=5)  # 70 = 4 batches of 16 and one of 6
    model = MLP(2, [8, nout], seed=11)
    optimizer = Adam(model.parameters(), lr=0.02)
    accuracy_fn = None if loss_fn is mse_loss else accuracy
    history = fit(
        model,
        X,
        targets,
        loss_fn,
        optimizer,
        epochs,
        batch_size=16,
        progress=False,
        seed=7,
        accuracy_fn=accuracy_fn,
        compiled=compiled,
    )
    return dict(history), [p.data for p in model.parameters()]


@pytest.mark.parametrize(("loss_fn", "targets_of", "nout"), LOSSES)
def test_shuffled_batches_train_like_eager_with_one_recording_per_batch_size(
    loss_fn: Any,
    targets_of: Callable[[list[int]], list[Any]],
    nout: int,
    recordings: list[CompiledGraph],
) -> None:
    _, labels = make_moons(70, noise=0.1, seed=5)
    targets = targets_of(labels)
    eager_history, eager_weights = train(loss_fn, targets, nout, compiled=False)
    compiled_history, compiled_weights = train(loss_fn, targets, nout, compiled=True)
    assert compiled_history.keys() == eager_history.keys()
    for name, values in eager_history.items():
        assert compiled_history[name] == pytest.approx(values, **TOLERANCE)
    assert compiled_weights == pytest.approx(eager_weights, **TOLERANCE)
    assert compiled_weights != train(loss_fn, targets, nout, compiled=False, epochs=3)[1]
    # Batches of 16 and the last one of 6: two recordings for 20 steps.
    assert len(recordings) == 2


def test_one_hot_rows_give_cross_entropy_of_the_index_to_the_bit() -> None:
    import random

    rng = random.Random(3)
    for _ in range(200):
        logits = [[Value(rng.gauss(0, 6)) for _ in range(5)] for _ in range(3)]
        labels = [rng.randrange(5) for _ in range(3)]
        one_hot = [[Value(float(i == c)) for i in range(5)] for c in labels]
        by_index = cross_entropy(logits, labels)
        by_index.backward()
        index_grads = [z.grad for row in logits for z in row]
        for row in logits:
            for z in row:
                z.grad = 0.0
        by_rows = cross_entropy(logits, one_hot)
        by_rows.backward()
        assert by_rows.data == by_index.data
        assert [z.grad for row in logits for z in row] == pytest.approx(index_grads, abs=1e-15)


def test_cross_entropy_checks_class_probabilities() -> None:
    z = [[Value(0.0), Value(1.0)]]
    with pytest.raises(ValueError, match="2 class probabilities for 3 classes"):
        cross_entropy([[Value(0.0), Value(1.0), Value(2.0)]], [[0.5, 0.5]])
    with pytest.raises(ValueError, match=r"probability 1\.5"):
        cross_entropy(z, [[1.5, -0.5]])
    soft = cross_entropy(z, [[0.25, 0.75]])
    import math

    lse = math.log(1 + math.e)
    assert soft.data == pytest.approx(-(0.25 * (0 - lse) + 0.75 * (1 - lse)), rel=1e-15)


def bad_target_run(targets: list[Any], loss_fn: Any, nout: int, compiled: bool) -> None:
    X = [[0.1 * i, -0.05 * i] for i in range(12)]
    model = MLP(2, [3, nout], seed=2)
    fit(
        model,
        X,
        targets,
        loss_fn,
        SGD(model.parameters(), lr=0.01),
        2,
        batch_size=4,
        shuffle=False,
        progress=False,
        compiled=compiled,
    )


@pytest.mark.parametrize(
    ("targets", "loss_fn", "nout", "message"),
    [
        ([1, -1, 1, -1, -1, 1, 1, -1, 1, 0.5, -1, 1], hinge_loss, 1, r"target 1 is 0\.5"),
        ([0, 1, 0, 1, 1, 0, 0, 1, 1, 1.5, 0, 1], binary_cross_entropy_with_logits, 1, r"1 is 1\.5"),
        ([0, 1, 0, 1, 1, 0, 0, 1, 1, 3, 0, 1], cross_entropy, 2, "class label 3"),
    ],
)
def test_a_bad_target_in_a_later_batch_is_refused_as_eager_refuses_it(
    targets: list[Any], loss_fn: Any, nout: int, message: str
) -> None:
    """The first batch records the graph, the second is checked against an eager step
    (nn.compiled's one-time check), the third holds a target the loss refuses."""
    for compiled in (False, True):
        with pytest.raises(ValueError, match=message):
            bad_target_run(targets, loss_fn, nout, compiled)


def test_a_loss_whose_one_hot_form_means_something_else_bakes_its_targets() -> None:
    """A loss of one's own that takes class indices and also accepts lists, differently:
    the one-hot form gives another number, so it is not used."""

    def picky(outputs: list[Any], targets: Sequence[Any]) -> Value:
        total = Value(0.0)
        for scores, target in zip(outputs, targets, strict=True):
            if isinstance(target, list):
                total = total + scores[0] * target[0] + scores[1] * target[1]  # another loss
            else:
                c = int(target)
                total = total + (scores[c] - 1.0) ** 2 + scores[1 - c] ** 2
        return total

    X, labels = make_moons(12, noise=0.1, seed=1)
    results = []
    for compiled in (False, True):
        model = MLP(2, [4, 2], seed=4)
        history = fit(
            model,
            X,
            labels,
            picky,
            SGD(model.parameters(), lr=0.01),
            2,
            batch_size=4,
            seed=1,
            progress=False,
            compiled=compiled,
        )
        results.append((dict(history), [p.data for p in model.parameters()]))
    assert results[1][0]["loss"] == pytest.approx(results[0][0]["loss"], **TOLERANCE)
    assert results[1][1] == pytest.approx(results[0][1], **TOLERANCE)


# fit's default mode: compiled where it is safe, else eager, and it says which.


def moons_fit(model: Module, *, loss_fn: Any = hinge_loss, **options: Any) -> Any:
    X, labels = make_moons(40, noise=0.1, seed=2)
    return fit(
        model,
        X,
        [2 * y - 1 for y in labels],
        loss_fn,
        SGD(model.parameters(), lr=0.05),
        3,
        batch_size=8,
        seed=3,
        progress=False,
        **options,
    )


def test_fit_compiles_by_default_says_so_and_trains_like_eager(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO, logger="nn.train"):
        default = moons_fit(model := MLP(2, [6, 1], seed=1))
    assert default.mode == "compiled"
    assert "fit: compiled mode (the default" in caplog.text
    eager = moons_fit(eager_model := MLP(2, [6, 1], seed=1), compiled=False)
    assert eager.mode == "eager"
    assert type(default) is History
    assert isinstance(default, dict)
    assert default.keys() == eager.keys() == {"loss", "accuracy"}
    assert default["loss"] == pytest.approx(eager["loss"], **TOLERANCE)
    weights = [p.data for p in model.parameters()]
    assert weights == pytest.approx([p.data for p in eager_model.parameters()], **TOLERANCE)
    assert moons_fit(MLP(2, [6, 1], seed=1), compiled=True).mode == "compiled"


def test_without_numpy_the_default_is_eager(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(nn.compiled, "_numpy_installed", lambda: False)
    with caplog.at_level(logging.INFO, logger="nn.train"):
        history = moons_fit(MLP(2, [6, 1], seed=1))
    assert history.mode == "eager"
    assert "NumPy is not installed" in caplog.text


class ComputesUnderNoGrad(Module):
    """Branches on a number computed under no_grad(): no guard can recompute it, the
    one-time eager check sees the difference."""

    def __init__(self) -> None:
        self.w = Value(0.5)
        self.v = Value(-0.25)

    def forward(self, x: list[Any]) -> Value:
        first = x[0] if isinstance(x[0], Value) else Value(x[0])  # a leaf, compiled
        with no_grad():
            frozen = first * 1.0  # a leaf with no history: the replay keeps its number
        return first * (self.w if frozen.data > 0 else self.v)


class SumsASequence(Module):
    """Takes a sequence of pairs per example (like an RNN): not a row of numbers."""

    def __init__(self) -> None:
        self.w = Value(0.5)

    def forward(self, sequence: list[list[float]]) -> Value:
        total = Value(0.0)
        for a, b in sequence:
            total = total + self.w * a + b
        return total


def regression_fit(model: Module, X: list[Any], **options: Any) -> Any:
    y = [0.5, -1.0, 2.0, 1.5, -0.5, 0.25]
    return fit(
        model,
        X,
        y,
        mse_loss,
        SGD(model.parameters(), lr=0.01),
        3,
        batch_size=2,
        shuffle=False,
        progress=False,
        accuracy_fn=None,
        **options,
    )


@pytest.mark.parametrize(
    ("make_model", "X", "reason"),
    [
        (
            ComputesUnderNoGrad,
            [[1.0], [2.0], [-1.0], [-3.0], [0.5], [-0.5]],
            "a replay disagreed with the eager step",
        ),
        (SumsASequence, [[[0.1 * k, 1.0], [0.2, 0.3]] for k in range(6)], "cannot be graph"),
    ],
)
def test_the_default_falls_back_to_eager_where_compiling_is_not_safe(
    make_model: Callable[[], Module], X: list[Any], reason: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="nn.train"):
        fallback = regression_fit(model := make_model(), X)
    assert fallback.mode == "eager"
    assert reason in caplog.text
    assert "eager mode from now on" in caplog.text
    eager = regression_fit(eager_model := make_model(), X, compiled=False)
    assert fallback["loss"] == eager["loss"]  # every applied step was eager's, bit for bit
    assert [p.data for p in model.parameters()] == [p.data for p in eager_model.parameters()]
    with pytest.raises((FrozenGraphError, TypeError)):
        regression_fit(make_model(), X, compiled=True)  # forced: the error is raised


def test_the_default_goes_eager_when_every_batch_is_recorded_anew(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def hinge_on_numbers(scores: list[Any], targets: Sequence[Any]) -> Value:
        return hinge_loss(scores, [float(t) for t in targets])

    with caplog.at_level(logging.INFO, logger="nn.train"):
        history = moons_fit(MLP(2, [6, 1], seed=1), loss_fn=hinge_on_numbers)
    assert history.mode == "eager"
    assert "recording nearly every batch is slower than eager" in caplog.text


def test_the_progress_bar_shows_the_mode() -> None:
    shown: list[str] = []

    class Bar:
        def set_description(self, text: str) -> None:
            shown.append(text)

        def set_postfix(self, *args: Any, **kwargs: Any) -> None:
            pass

        def update(self, n: int) -> None:
            pass

        def close(self) -> None:
            pass

    class FakeProgressBar(ProgressBar):
        def on_train_begin(self, model: Any, history: Any) -> None:
            self.bar = Bar()
            self.shown_mode = None
            self.show_mode(history)

    moons_fit(MLP(2, [6, 1], seed=1), callbacks=[FakeProgressBar(1)])
    X = [[1.0], [2.0], [-1.0], [-3.0], [0.5], [-0.5]]
    regression_fit(ComputesUnderNoGrad(), X, callbacks=[FakeProgressBar(1)])
    assert shown == ["compiled", "compiled", "eager"]


# Wide layers: the backward pass of a layer's sums as two matrix products.


def layer_loss(
    weight: float, x: float, scale: float, examples: int = 40, neurons: int = 24, inputs: int = 6
) -> tuple[Value, list[Value]]:
    """sum over a batch of ``scale * sum_n (b_n + w_n . x_e)`` with a relu between, the
    sums shaped like a layer of neurons; returns the loss and the weights."""
    rng = random.Random(5)
    ws = [[Value(weight * rng.uniform(0.5, 1.5)) for _ in range(inputs)] for _ in range(neurons)]
    bs = [Value(rng.uniform(-0.1, 0.1)) for _ in range(neurons)]
    xs = [[Value(x * rng.uniform(-1, 1)) for _ in range(inputs)] for _ in range(examples)]
    outs = [
        sum((w * xi for w, xi in zip(wn, xe, strict=True)), b).relu() * rng.uniform(-1, 1)
        for xe in xs
        for wn, b in zip(ws, bs, strict=True)
    ]
    total = outs[0]
    for out in outs[1:]:
        total = total + out
    return total * scale, [p for row in ws for p in row] + bs + [v for row in xs for v in row]


def dense_layers(replay: CompiledGraph) -> int:
    return sum(getattr(step, "layer", None) is not None for step in replay._steps)


def test_a_layers_backward_is_dense_and_equals_eager_to_rounding() -> None:
    loss, leaves = layer_loss(0.3, 1.0, 1.0)
    loss.backward()
    eager = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0
    replay = compile_graph(loss)
    assert dense_layers(replay) == 1
    # The forward pass is one matrix product too: eager's value to rounding.
    assert replay.run() == pytest.approx(loss.data, rel=1e-12)
    assert [leaf.grad for leaf in leaves] == pytest.approx(eager, rel=1e-12, abs=1e-15)


def test_a_layers_gradient_overflow_is_loud_and_changes_no_grad() -> None:
    """Finite values, an incoming gradient of 1e300: weights' gradients overflow (eager:
    OverflowError). The dense product sees inf or NaN and hands the layer to the float
    rules; the replay then walks its gradients edge by edge, as eager does, and raises
    eager's error, naming the product that overflowed, before any ``.grad`` changes."""
    loss, _ = layer_loss(1e-20, 1e10, 1e300)
    with pytest.raises(OverflowError, match=r"sends -?inf to its input"):
        loss.backward()
    loss, leaves = layer_loss(1e-20, 1e10, 1e300)
    replay = compile_graph(loss)
    assert dense_layers(replay) == 1
    with pytest.raises(OverflowError, match=r"compiled replay.*\* at .* sends -?inf to its input"):
        replay.run()
    assert all(leaf.grad == 0.0 for leaf in leaves)


@pytest.mark.parametrize(
    ("a", "b", "is_layer"),
    [
        # 3 neurons x 2 examples, weights in a, inputs in b: a layer.
        ([[0, 1, 2, 0, 1, 2]] * 700, [[10, 10, 10, 11, 11, 11]] * 700, True),
        # The same with the factors swapped: still a layer.
        ([[10, 10, 10, 11, 11, 11]] * 700, [[0, 1, 2, 0, 1, 2]] * 700, True),
        # 2 neurons x 2 examples make 4 sums, but (neuron 0, example 10) twice: not a layer.
        ([[0, 1, 0, 1]] * 1100, [[10, 10, 10, 11]] * 1100, False),
        # 2 neurons x 2 examples in 6 sums: not a layer.
        ([[0, 1, 0, 1, 0, 1]] * 700, [[10, 10, 11, 11, 11, 11]] * 700, False),
        # Every sum its own weights: one "neuron" per sum, not a layer.
        ([[0, 1, 2, 3, 4, 5]] * 700, [[10, 10, 10, 11, 11, 11]] * 700, False),
        # Too small to be worth it.
        ([[0, 1, 2, 0, 1, 2]] * 3, [[10, 10, 10, 11, 11, 11]] * 3, False),
    ],
)
def test_which_sums_are_a_layer(a: list[list[int]], b: list[list[int]], is_layer: bool) -> None:
    import numpy as np

    from autograd_engine.replay_kernels import DenseLayer

    layer = DenseLayer.recognise(np.array(a, dtype=np.intp), np.array(b, dtype=np.intp))
    assert (layer is not None) == is_layer
