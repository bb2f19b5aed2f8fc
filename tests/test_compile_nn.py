"""fit(..., compiled=True) trains exactly like the eager loop, on the nn examples.

Each test trains the same model twice from the same seed, once eagerly and once through
recorded graphs, and compares the histories and the final parameters (to 1e-9: the replay
agrees with the eager engine to about 1e-12 per step, and training compounds it).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

import nn.compiled
from autograd_engine import CompiledGraph, Value, no_grad
from nn import MLP, Module
from nn.compiled import FrozenGraphError
from nn.datasets import make_moons
from nn.demo import _parser as demo_parser
from nn.demo import main as demo
from nn.losses import binary_cross_entropy_with_logits, cross_entropy, hinge_loss, mse_loss
from nn.optim import SGD, Adam
from nn.recipes import make_recipe
from nn.train import fit


def train_both(make: Callable[[], tuple[Module, Any]], **options: Any) -> list[Any]:
    """Train eagerly and compiled; return (history, parameters) of each."""
    results = []
    for compiled in (False, True):
        model, run = make()
        history = run(model, compiled=compiled, progress=False, **options)
        results.append((history, [p.data for p in model.parameters()]))
    return results


def assert_same_training(results: list[Any]) -> None:
    (eager_history, eager_params), (compiled_history, compiled_params) = results
    assert eager_history.keys() == compiled_history.keys()
    for name in eager_history:
        assert compiled_history[name] == pytest.approx(eager_history[name], rel=1e-9, abs=1e-12)
    assert compiled_params == pytest.approx(eager_params, rel=1e-9, abs=1e-12)


@pytest.fixture
def recordings(monkeypatch: pytest.MonkeyPatch) -> list[CompiledGraph]:
    """Every graph nn.compiled records during the test."""
    made: list[CompiledGraph] = []
    original = nn.compiled.compile_graph

    def counting(root: Value, watch: Sequence[Value] = (), **options: Any) -> CompiledGraph:
        made.append(original(root, watch, **options))
        return made[-1]

    monkeypatch.setattr(nn.compiled, "compile_graph", counting)
    return made


def recipe_run(dataset: str, epochs: int) -> Callable[[], tuple[Module, Any]]:
    def make() -> tuple[Module, Any]:
        recipe = make_recipe(dataset, seed=3, steps=epochs)

        def run(model: Module, **options: Any) -> Any:
            return fit(
                model,
                recipe.X,
                recipe.targets,
                recipe.loss_fn,
                recipe.optimizer,
                epochs=epochs,
                lr_schedule=recipe.lr_schedule,
                **options,
            )

        return recipe.model, run

    return make


def test_micrograds_demo_full_batch(recordings: list[CompiledGraph]) -> None:
    assert_same_training(train_both(recipe_run("moons", epochs=8)))
    assert len(recordings) == 1  # one graph, replayed for every step


def test_cross_entropy_with_class_indices_on_spirals(recordings: list[CompiledGraph]) -> None:
    """cross_entropy's class indices are fed as one-hot rows of leaves: one recording."""
    assert_same_training(train_both(recipe_run("spirals", epochs=4)))
    assert len(recordings) == 1


def small_mlp_run(
    loss_fn: Any, targets_of: Callable[[list[int]], list[Any]], nout: int = 1, **fit_options: Any
) -> Callable[[], tuple[Module, Any]]:
    X, labels = make_moons(60, noise=0.1, seed=5)
    targets = targets_of(labels)

    def make() -> tuple[Module, Any]:
        model = MLP(2, [8, nout], seed=11)

        def run(model: Module, **options: Any) -> Any:
            optimizer = Adam(model.parameters(), lr=0.02)
            return fit(model, X, targets, loss_fn, optimizer, epochs=3, **fit_options, **options)

        return model, run

    return make


@pytest.mark.parametrize(
    ("loss_fn", "targets_of", "nout"),
    [
        (hinge_loss, lambda labels: [2 * y - 1 for y in labels], 1),
        (binary_cross_entropy_with_logits, lambda labels: labels, 1),
        (mse_loss, lambda labels: [float(y) for y in labels], 1),
        (cross_entropy, lambda labels: labels, 2),
    ],
)
def test_shuffled_mini_batches(loss_fn: Any, targets_of: Any, nout: int) -> None:
    run = small_mlp_run(loss_fn, targets_of, nout, batch_size=16, seed=7)
    assert_same_training(train_both(run))


def test_targets_the_loss_keeps_as_values_are_leaves(recordings: list[CompiledGraph]) -> None:
    """mse_loss uses Value targets in its graph: one recording per batch size (16 and 12)."""
    run = small_mlp_run(mse_loss, lambda labels: [float(y) for y in labels], batch_size=16, seed=1)
    assert_same_training(train_both(run))
    assert len(recordings) == 2


def hinge_on_numbers(scores: list[Any], targets: Sequence[Any]) -> Value:
    """A loss of one's own that turns its targets into numbers before using them."""
    return hinge_loss(scores, [float(t) for t in targets])


def test_targets_read_as_numbers_get_a_recording_per_batch(
    recordings: list[CompiledGraph],
) -> None:
    """A loss that reads targets as numbers bakes them in: unshuffled, each of the 4 batches
    is recorded once. (nn.losses' own losses keep Value targets in the graph, see
    tests/test_compile_minibatch.py.)"""
    run = small_mlp_run(
        hinge_on_numbers, lambda labels: [2 * y - 1 for y in labels], batch_size=16, shuffle=False
    )
    assert_same_training(train_both(run))
    assert len(recordings) == 4


class Branchy(Module):
    """A Python ``if`` on the input's value picks the weight: a guard on ``x[0].data``."""

    def __init__(self) -> None:
        self.w = Value(0.5)
        self.v = Value(-0.25)

    def forward(self, x: list[Any]) -> Value:
        first = x[0] if isinstance(x[0], Value) else Value(x[0])  # a leaf, compiled
        return first * (self.w if first.data > 0 else self.v)


class CopiesItsInput(Module):
    """The input's number copied into a new leaf, cut off from the input: a guard too."""

    def __init__(self) -> None:
        self.w = Value(0.5)

    def forward(self, x: list[Any]) -> Value:
        first = x[0] if isinstance(x[0], Value) else Value(x[0])
        return self.w * Value(first.data)


class CopiesUnderNoGrad(Module):
    """A number computed under ``no_grad()``: a leaf with no history, which no guard (and
    no replay) can recompute."""

    def __init__(self) -> None:
        self.w = Value(0.5)

    def forward(self, x: list[Any]) -> Value:
        with no_grad():
            frozen = x[0] * 1.0
        return self.w * frozen


def data_fit(model: Module, compiled: bool) -> tuple[dict[str, list[float]], list[float]]:
    X = [[1.0], [2.0], [-1.0], [-3.0]]
    y = [1.0, 2.0, -1.0, -3.0]
    history = fit(
        model, X, y, mse_loss, SGD(model.parameters(), lr=0.01), epochs=3, batch_size=2,
        shuffle=False, progress=False, accuracy_fn=None, compiled=compiled,
    )  # fmt: skip
    return history, [p.data for p in model.parameters()]


@pytest.mark.parametrize("make_model", [Branchy, CopiesItsInput])
def test_reads_of_data_are_guards_and_compiled_fit_equals_eager(
    make_model: Callable[[], Module],
) -> None:
    """Each batch's inputs differ, so each batch gets a recording of its own (found again
    in the next epoch), and training is eager's."""
    compiled_history, compiled_params = data_fit(make_model(), compiled=True)
    eager_history, eager_params = data_fit(make_model(), compiled=False)
    assert compiled_history["loss"] == pytest.approx(eager_history["loss"], rel=1e-12)
    assert compiled_params == pytest.approx(eager_params, rel=1e-12)


def test_a_number_computed_under_no_grad_is_caught_on_the_first_new_batch() -> None:
    with pytest.raises(FrozenGraphError, match=r"computes a number the recording cannot see"):
        data_fit(CopiesUnderNoGrad(), compiled=True)


def test_full_batch_never_needs_the_check_and_never_builds_eagerly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls = []
    monkeypatch.setattr(nn.compiled.CompiledStep, "_verify", lambda *a: calls.append(a))
    model, run = recipe_run("moons", epochs=3)()
    run(model, compiled=True, progress=False)
    assert calls == []


@pytest.mark.slow
def test_the_demo_trains_compiled_by_default_and_prints_what_eager_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo_parser().parse_args([]).compiled
    lines = []
    for flag in ("--compiled", "--eager"):
        assert demo(["--steps", "5", "--output", str(tmp_path / flag), "--no-progress", flag]) == 0
        lines.append(capsys.readouterr().out.strip().splitlines()[-1])
    assert lines[0] == lines[1]
    assert re.match(r"moons: after 5 steps, loss \d\.\d{4}, accuracy", lines[0])
