"""``fit(validation_data=(X_val, y_val))``: held-out scores per epoch, and early stopping on
them that restores exactly the parameters that scored the best number (as Keras does)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pytest

from nn import MLP
from nn.callbacks import Callback, EarlyStopping
from nn.datasets import make_moons
from nn.losses import binary_cross_entropy_with_logits, mse_loss
from nn.module import Module
from nn.optim import SGD, Adam
from nn.train import evaluate, fit

X, y = make_moons(60, noise=0.2, seed=3)
X_TRAIN, Y_TRAIN, X_VAL, Y_VAL = X[:40], y[:40], X[40:], y[40:]


class Snapshots(Callback):
    """Each epoch's parameters, as the epoch left them."""

    def __init__(self) -> None:
        self.states: list[dict[str, float]] = []

    def on_epoch_end(
        self, model: Module, epoch: int, history: Mapping[str, Sequence[float]]
    ) -> None:
        self.states.append(model.state_dict())


@pytest.mark.parametrize("compiled", [False, True, None])
def test_validation_scores_are_the_epochs_parameters_scored_on_held_out_data(
    compiled: bool | None,
) -> None:
    model = MLP(2, [8, 1], seed=0)
    snapshots = Snapshots()
    history = fit(
        model, X_TRAIN, Y_TRAIN, binary_cross_entropy_with_logits,
        Adam(model.parameters(), 0.05), 6, batch_size=10, seed=0, progress=False,
        callbacks=[snapshots], compiled=compiled, validation_data=(X_VAL, Y_VAL),
    )  # fmt: skip
    assert list(history) == ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert all(len(values) == 6 for values in history.values())
    for epoch, state in enumerate(snapshots.states):
        scored = MLP(2, [8, 1], seed=1)
        scored.load_state_dict(state)
        scores = evaluate(scored, X_VAL, Y_VAL, binary_cross_entropy_with_logits)
        assert history["val_loss"][epoch] == scores["loss"]
        assert history["val_accuracy"][epoch] == scores["accuracy"]


@pytest.mark.parametrize("compiled", [False, True])
def test_early_stopping_on_val_loss_restores_the_weights_that_scored_the_best(
    compiled: bool,
) -> None:
    # A small model that overfits: the held-out loss falls, then rises.
    model = MLP(2, [16, 16, 1], seed=0)
    stopper = EarlyStopping(monitor="val_loss", patience=3, restore_best=True)
    history = fit(
        model, X_TRAIN[:12], Y_TRAIN[:12], binary_cross_entropy_with_logits,
        Adam(model.parameters(), 0.05), 200, progress=False, callbacks=[stopper],
        compiled=compiled, validation_data=(X_VAL, Y_VAL),
    )  # fmt: skip
    assert stopper.stopped_epoch is not None, "the test needs a run that stops early"
    assert stopper.best == min(history["val_loss"])
    assert stopper.best_epoch == history["val_loss"].index(stopper.best)
    assert stopper.best_epoch < len(history["val_loss"]) - 1  # the last epoch was worse
    # The restored model scores exactly the reported best number, to the bit.
    assert evaluate(model, X_VAL, Y_VAL, binary_cross_entropy_with_logits)["loss"] == stopper.best


def test_early_stopping_on_val_accuracy_wants_it_higher() -> None:
    stopper = EarlyStopping(monitor="val_accuracy", patience=1)
    model = MLP(1, [1], seed=0)
    history: dict[str, list[float]] = {"val_accuracy": [0.5]}
    stopper.on_epoch_end(model, 0, history)
    history["val_accuracy"].append(0.75)
    stopper.on_epoch_end(model, 1, history)
    assert (stopper.best, stopper.stop_training) == (0.75, False)


def test_regression_has_val_loss_only_and_monitoring_it_without_data_says_how() -> None:
    model = MLP(1, [1], seed=0)
    history = fit(
        model, [[0.0], [1.0]], [0.0, 2.0], mse_loss, SGD(model.parameters(), 0.1), 2,
        progress=False, accuracy_fn=None, validation_data=([[2.0]], [4.0]),
    )  # fmt: skip
    assert sorted(history) == ["loss", "val_loss"]
    with pytest.raises(KeyError, match=r"validation_data=\(X_val, y_val\)"):
        fit(
            model, [[0.0]], [0.0], mse_loss, SGD(model.parameters(), 0.1), 2,
            progress=False, accuracy_fn=None, callbacks=[EarlyStopping(monitor="val_loss")],
        )  # fmt: skip


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([[0.0]], r"a pair \(X_val, y_val\), got list of length 1"),
        ("data", "a pair"),
        (([[0.0]], [1.0, 2.0]), "validation_data: X has 1 examples but y has 2"),
        (([[float("nan")]], [1.0]), "validation_data: input row 0 is not finite"),
    ],
)
def test_bad_validation_data_is_refused_before_training(bad: object, message: str) -> None:
    model = MLP(1, [1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        fit(
            model, [[0.0]], [0.0], mse_loss, SGD(model.parameters(), 0.1), 2,
            progress=False, accuracy_fn=None, validation_data=bad,  # type: ignore[arg-type]
        )  # fmt: skip
    assert model.state_dict() == before
