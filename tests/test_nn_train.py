"""Training: the fit loop's contract, and the classic examples actually learning."""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Sequence
from typing import Any

import pytest

from autograd_engine import Value
from nn import MLP, Module, Neuron, RNNCell
from nn.datasets import load_iris, make_moons, make_xor, train_test_split
from nn.losses import binary_cross_entropy_with_logits, cross_entropy, hinge_loss, mse_loss
from nn.optim import SGD, Adam
from nn.recipes import l2_penalty, make_recipe
from nn.train import accuracy, evaluate, fit, predict


def tiny_problem() -> tuple[MLP, list[list[float]], list[int]]:
    X, y = make_xor(n_samples=12, noise=0.05, seed=0)
    return MLP(2, [6, 1], activation="tanh", seed=0), X, y


# --- the loop's contract -----------------------------------------------------------------


def test_fit_returns_one_loss_and_accuracy_per_epoch() -> None:
    model, X, y = tiny_problem()
    history = fit(model, X, y, binary_cross_entropy_with_logits, Adam(model.parameters()), 5)
    assert set(history) == {"loss", "accuracy"}
    assert len(history["loss"]) == len(history["accuracy"]) == 5
    assert all(0.0 <= a <= 1.0 for a in history["accuracy"])


def test_full_batch_epoch_loss_is_the_loss_before_the_step() -> None:
    model, X, y = tiny_problem()
    expected = binary_cross_entropy_with_logits([model(x) for x in X], y).data
    history = fit(model, X, y, binary_cross_entropy_with_logits, SGD(model.parameters(), 0.1), 1)
    assert history["loss"] == [pytest.approx(expected, rel=1e-15)]


def test_mini_batches_step_once_per_batch_and_schedule_sees_each_step() -> None:
    model, X, y = tiny_problem()
    optimizer = SGD(model.parameters(), lr=0.1)
    seen: list[int] = []

    def schedule(step: int) -> float:
        seen.append(step)
        return 0.1 / (1 + step)

    fit(
        model,
        X,
        y,
        binary_cross_entropy_with_logits,
        optimizer,
        3,
        batch_size=5,
        lr_schedule=schedule,
        seed=0,
    )
    assert seen == list(range(9))  # 12 examples in batches of 5: 3 steps per epoch
    assert optimizer.steps == 9
    assert optimizer.lr == pytest.approx(0.1 / 9)


def test_seeded_shuffling_is_reproducible() -> None:
    runs = []
    for _ in range(2):
        model, X, y = tiny_problem()
        runs.append(
            fit(
                model,
                X,
                y,
                binary_cross_entropy_with_logits,
                SGD(model.parameters(), 0.5),
                3,
                batch_size=4,
                seed=7,
            )
        )
    assert runs[0] == runs[1]


def test_callback_runs_after_every_epoch() -> None:
    model, X, y = tiny_problem()
    calls: list[tuple[int, int]] = []
    fit(
        model,
        X,
        y,
        binary_cross_entropy_with_logits,
        Adam(model.parameters()),
        4,
        callback=lambda epoch, history: calls.append((epoch, len(history["loss"]))),
    )
    assert calls == [(0, 1), (1, 2), (2, 3), (3, 4)]


def test_regression_history_has_no_accuracy() -> None:
    model = MLP(1, [4, 1], activation="tanh", seed=0)
    history = fit(
        model, [[0.0], [1.0]], [0.5, -0.5], mse_loss, Adam(model.parameters()), 2, accuracy_fn=None
    )
    assert set(history) == {"loss"}


@pytest.mark.parametrize(
    ("X", "y", "epochs", "batch_size", "message"),
    [
        ([[0.0], [1.0]], [0], 1, None, "X has 2 examples but y has 1 targets"),
        ([], [], 1, None, "the data set is empty"),
        ([[0.0]], [0], 0, None, "epochs must be a positive int"),
        ([[0.0]], [0], 1, 0, "batch_size must be a positive int"),
    ],
)
def test_fit_rejects_bad_data(
    X: list[list[float]], y: list[int], epochs: int, batch_size: int | None, message: str
) -> None:
    model = MLP(1, [1], seed=0)
    with pytest.raises(ValueError, match=message):
        fit(model, X, y, mse_loss, SGD(model.parameters(), 0.1), epochs, batch_size=batch_size)


def test_a_diverging_loss_stops_training_with_a_clear_error() -> None:
    model = MLP(1, [1], activation="linear", seed=0)
    # Always FloatingPointError now (the engine's OverflowError is chained as its cause).
    with pytest.raises(FloatingPointError, match="try a smaller learning rate"):
        fit(model, [[1e100]], [0.0], mse_loss, SGD(model.parameters(), 1e100), 3)


def test_progress_bar_is_silent_when_not_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    model, X, y = tiny_problem()
    fit(model, X, y, binary_cross_entropy_with_logits, Adam(model.parameters()), 2, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""


def test_fit_works_without_tqdm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "tqdm", None)  # makes `import tqdm` raise ImportError
    model, X, y = tiny_problem()
    history = fit(model, X, y, binary_cross_entropy_with_logits, Adam(model.parameters()), 2)
    assert len(history["loss"]) == 2


def test_accuracy_rules() -> None:
    # One score: right side of 0 (works for 0/1 and ±1 labels); several: the argmax.
    assert accuracy([0.3, -0.2, 0.1], [1, 0, 0]) == pytest.approx(2 / 3)
    assert accuracy([0.3, -0.2], [1, -1]) == 1.0
    assert accuracy([[0.1, 0.9, 0.0], [2.0, 1.0, 3.0]], [1, 0]) == 0.5
    assert accuracy([Value(1.0)], [1]) == 1.0


def test_evaluate_and_predict_build_no_graph_and_leave_grads_alone() -> None:
    model, X, y = tiny_problem()
    before = [p.grad for p in model.parameters()]
    outputs = predict(model, X)
    assert all(isinstance(o, float) for o in outputs)
    result = evaluate(model, X, y, binary_cross_entropy_with_logits)
    expected = binary_cross_entropy_with_logits([model(x) for x in X], y).data
    assert result["loss"] == pytest.approx(expected, rel=1e-15)
    assert result["accuracy"] == accuracy(outputs, y)
    assert [p.grad for p in model.parameters()] == before


# --- the same numbers as micrograd --------------------------------------------------------


def test_demo_recipe_matches_micrograd_step_for_step() -> None:
    micrograd_nn = pytest.importorskip("micrograd.nn")
    micrograd_engine = pytest.importorskip("micrograd.engine")
    X, y = make_moons(n_samples=20, noise=0.1, seed=3)
    targets = [2 * label - 1 for label in y]

    random.seed(1337)
    ours = MLP(2, [16, 16, 1])
    params = ours.parameters()
    ours_history = fit(
        ours,
        X,
        targets,
        lambda s, t: hinge_loss(s, t) + l2_penalty(params, 1e-4),
        SGD(params, lr=1.0),
        3,
        progress=False,
        lr_schedule=lambda k: 1.0 - 0.9 * k / 100,
    )

    # micrograd's demo loop, verbatim in spirit: the same init, loss and update.
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    theirs_losses = []
    for k in range(3):
        inputs = [list(map(micrograd_engine.Value, row)) for row in X]
        scores = list(map(theirs, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(targets, scores, strict=True)]
        data_loss = sum(losses) * (1.0 / len(losses))
        total = data_loss + 1e-4 * sum(p * p for p in theirs.parameters())
        theirs.zero_grad()
        total.backward()
        for p in theirs.parameters():
            p.data -= (1.0 - 0.9 * k / 100) * p.grad
        theirs_losses.append(total.data)
    assert ours_history["loss"] == pytest.approx(theirs_losses, rel=1e-12)
    assert [p.data for p in params] == pytest.approx(
        [p.data for p in theirs.parameters()], rel=1e-9, abs=1e-12
    )


# --- the classic examples learn ------------------------------------------------------------


@pytest.mark.slow
def test_micrograd_demo_recipe_reaches_98_percent_in_100_steps() -> None:
    recipe = make_recipe("moons", seed=1337, steps=100)
    history = fit(
        recipe.model,
        recipe.X,
        recipe.targets,
        recipe.loss_fn,
        recipe.optimizer,
        100,
        progress=False,
        lr_schedule=recipe.lr_schedule,
    )
    final = evaluate(recipe.model, recipe.X, recipe.targets, recipe.loss_fn)
    assert history["accuracy"][-1] >= 0.98
    assert final["accuracy"] >= 0.98
    assert history["loss"][-1] < 0.1 * history["loss"][0]


@pytest.mark.slow
def test_iris_4_5_3_network_beats_chance_on_held_out_flowers() -> None:
    X, y = load_iris()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, seed=0)
    model = MLP(4, [5, 3], activation="tanh", seed=0)
    fit(
        model,
        X_train,
        y_train,
        cross_entropy,
        Adam(model.parameters(), lr=0.05),
        80,
        progress=False,
    )
    held_out = evaluate(model, X_test, y_test, cross_entropy)
    assert held_out["accuracy"] >= 0.85  # chance is 1/3
    assert held_out["loss"] < math.log(3) / 2  # chance (uniform softmax) is log 3


def test_xor_needs_and_gets_a_hidden_layer() -> None:
    X, y = make_xor(n_samples=4, noise=0.0, seed=0)
    model = MLP(2, [4, 1], activation="tanh", seed=1)
    history = fit(
        model,
        X,
        y,
        binary_cross_entropy_with_logits,
        Adam(model.parameters(), lr=0.1),
        150,
        progress=False,
    )
    assert history["accuracy"][-1] == 1.0
    # A single neuron is linear in its inputs: it can get at most 3 of the 4 right.
    single = Neuron(2, activation="linear", seed=0)
    fit(
        single,
        X,
        y,
        binary_cross_entropy_with_logits,
        Adam(single.parameters(), lr=0.1),
        150,
        progress=False,
    )
    assert accuracy(predict(single, X), y) <= 0.75


def test_fitting_sin_with_mse() -> None:
    X = [[-3 + 6 * i / 24] for i in range(25)]
    y = [math.sin(x[0]) for x in X]
    model = MLP(1, [8, 1], activation="tanh", seed=0)
    history = fit(
        model,
        X,
        y,
        mse_loss,
        Adam(model.parameters(), lr=0.05),
        300,
        progress=False,
        accuracy_fn=None,
    )
    assert history["loss"][-1] < 0.01 * history["loss"][0]
    assert predict(model, [[math.pi / 2]])[0] == pytest.approx(1.0, abs=0.1)


class Echo(Module):
    """Read a sequence with an RNN and report its *first* element at the end."""

    def __init__(self) -> None:
        self.cell = RNNCell(1, 4, init="xavier", seed=0)
        self.readout = Neuron(4, activation="linear", seed=1)

    def forward(self, sequence: Sequence[list[float]]) -> Value:
        return self.readout(self.cell.unroll(sequence)[-1])


def test_backpropagation_through_time_learns_to_remember() -> None:
    rng = random.Random(0)
    sequences: list[Any] = [[[rng.uniform(-1, 1)] for _ in range(3)] for _ in range(16)]
    first = [sequence[0][0] for sequence in sequences]
    model = Echo()
    history = fit(
        model,
        sequences,
        first,
        mse_loss,
        Adam(model.parameters(), lr=0.05),
        200,
        progress=False,
        accuracy_fn=None,
    )
    # Only gradients flowing back through two earlier steps can teach this.
    assert history["loss"][-1] < 0.01 * history["loss"][0]
