"""fit's callback protocol: the order of the calls, stopping early, errors, the progress bar."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from nn import MLP
from nn.callbacks import Callback, EarlyStopping, ProgressBar
from nn.datasets import make_xor
from nn.losses import binary_cross_entropy_with_logits
from nn.module import Module
from nn.optim import SGD, Adam
from nn.train import fit


def tiny_problem() -> tuple[MLP, list[list[float]], list[int]]:
    X, y = make_xor(n_samples=12, noise=0.05, seed=0)
    return MLP(2, [6, 1], activation="tanh", seed=0), X, y


class Recorder(Callback):
    """Writes down every call, with the epoch/batch and the history's length at that moment."""

    def __init__(self, name: str = "r") -> None:
        self.name = name
        self.calls: list[tuple[Any, ...]] = []

    def on_train_begin(self, model: Module, history: Mapping[str, Sequence[float]]) -> None:
        self.calls.append((self.name, "train_begin", len(history["loss"])))

    def on_epoch_begin(
        self, model: Module, epoch: int, history: Mapping[str, Sequence[float]]
    ) -> None:
        self.calls.append((self.name, "epoch_begin", epoch, len(history["loss"])))

    def on_batch_end(
        self, model: Module, epoch: int, batch: int, logs: Mapping[str, float]
    ) -> None:
        self.calls.append((self.name, "batch_end", epoch, batch, logs["size"]))

    def on_epoch_end(
        self, model: Module, epoch: int, history: Mapping[str, Sequence[float]]
    ) -> None:
        self.calls.append((self.name, "epoch_end", epoch, len(history["loss"])))

    def on_train_end(
        self, model: Module, history: Mapping[str, Sequence[float]], error: BaseException | None
    ) -> None:
        self.calls.append((self.name, "train_end", len(history["loss"]), type(error).__name__))


def test_the_order_of_the_calls() -> None:
    model, X, y = tiny_problem()  # 12 examples in batches of 5: sizes 5, 5, 2
    recorder = Recorder()
    fit(
        model,
        X,
        y,
        binary_cross_entropy_with_logits,
        SGD(model.parameters(), 0.1),
        2,
        batch_size=5,
        seed=0,
        callbacks=[recorder],
    )
    expected: list[tuple[Any, ...]] = [("r", "train_begin", 0)]
    for epoch in range(2):
        expected.append(("r", "epoch_begin", epoch, epoch))
        for batch, size in enumerate([5.0, 5.0, 2.0]):
            expected.append(("r", "batch_end", epoch, batch, size))
        expected.append(("r", "epoch_end", epoch, epoch + 1))
    expected.append(("r", "train_end", 2, "NoneType"))
    assert recorder.calls == expected


def test_callbacks_run_in_the_order_given_then_the_old_callback() -> None:
    model, X, y = tiny_problem()
    log: list[tuple[Any, ...]] = []
    first, second = Recorder("a"), Recorder("b")
    first.calls = second.calls = log  # one shared log shows the interleaving
    fit(
        model,
        X,
        y,
        binary_cross_entropy_with_logits,
        Adam(model.parameters()),
        1,
        callbacks=[first, second],
        callback=lambda epoch, history: log.append(("old", epoch)),
    )
    names = [(entry[0], entry[1]) for entry in log]
    assert names == [
        ("a", "train_begin"),
        ("b", "train_begin"),
        ("a", "epoch_begin"),
        ("b", "epoch_begin"),
        ("a", "batch_end"),
        ("b", "batch_end"),
        ("a", "epoch_end"),
        ("b", "epoch_end"),
        ("old", 0),
        ("a", "train_end"),
        ("b", "train_end"),
    ]


def test_the_batch_logs_give_each_steps_loss() -> None:
    model, X, y = tiny_problem()

    class Losses(Callback):
        def __init__(self) -> None:
            self.losses: list[float] = []

        def on_batch_end(
            self, model: Module, epoch: int, batch: int, logs: Mapping[str, float]
        ) -> None:
            self.losses.append(logs["loss"])

    losses = Losses()
    history = fit(
        model, X, y, binary_cross_entropy_with_logits, SGD(model.parameters(), 0.1), 3,
        callbacks=[losses],
    )  # fmt: skip
    # Full batch: one step per epoch (history is total * n / n: the last bit may differ).
    assert losses.losses == pytest.approx(history["loss"], rel=1e-15)


class StopAt(Callback):
    def __init__(self, epoch: int, hook: str = "epoch_end") -> None:
        self.epoch, self.hook = epoch, hook

    def on_batch_end(
        self, model: Module, epoch: int, batch: int, logs: Mapping[str, float]
    ) -> None:
        if self.hook == "batch_end" and epoch == self.epoch and batch == 0:
            self.stop_training = True

    def on_epoch_end(
        self, model: Module, epoch: int, history: Mapping[str, Sequence[float]]
    ) -> None:
        if self.hook == "epoch_end" and epoch == self.epoch:
            self.stop_training = True


@pytest.mark.parametrize("hook", ["epoch_end", "batch_end"])
def test_stop_training_ends_after_that_epoch(hook: str) -> None:
    model, X, y = tiny_problem()
    recorder = Recorder()
    history = fit(
        model, X, y, binary_cross_entropy_with_logits, SGD(model.parameters(), 0.1), 10,
        batch_size=5, seed=0, callbacks=[StopAt(2, hook), recorder],
    )  # fmt: skip
    assert len(history["loss"]) == len(history["accuracy"]) == 3  # epochs 0, 1, 2: whole epochs
    assert recorder.calls[-2] == ("r", "epoch_end", 2, 3)
    assert recorder.calls[-1] == ("r", "train_end", 3, "NoneType")


def test_stop_training_is_reset_when_fit_starts_again() -> None:
    model, X, y = tiny_problem()
    stopper = StopAt(0)
    optimizer = SGD(model.parameters(), 0.1)
    loss = binary_cross_entropy_with_logits
    assert len(fit(model, X, y, loss, optimizer, 5, callbacks=[stopper])["loss"]) == 1
    stopper.epoch = 99  # never again
    assert len(fit(model, X, y, loss, optimizer, 3, callbacks=[stopper])["loss"]) == 3


class Boom(Callback):
    def on_epoch_end(
        self, model: Module, epoch: int, history: Mapping[str, Sequence[float]]
    ) -> None:
        if epoch == 1:
            raise RuntimeError("the callback failed")


def test_an_error_in_a_callback_propagates_with_the_model_intact() -> None:
    model, X, y = tiny_problem()
    twin, _, _ = tiny_problem()
    recorder = Recorder()
    with pytest.raises(RuntimeError, match="the callback failed"):
        fit(
            model, X, y, binary_cross_entropy_with_logits, SGD(model.parameters(), 0.1), 5,
            callbacks=[Boom(), recorder],
        )  # fmt: skip
    # The model is exactly what two steps make (the error came after epoch 1's step).
    fit(twin, X, y, binary_cross_entropy_with_logits, SGD(twin.parameters(), 0.1), 2)
    assert model.state_dict() == twin.state_dict()
    # on_train_end still ran, and was told about the error; Recorder's epoch_end for 1 did not.
    assert recorder.calls[-1] == ("r", "train_end", 2, "RuntimeError")
    assert ("r", "epoch_end", 1, 2) not in recorder.calls


def test_a_diverging_step_reaches_on_train_end() -> None:
    model = MLP(1, [1], activation="linear", seed=0)
    recorder = Recorder()
    from nn.losses import mse_loss

    with pytest.raises(FloatingPointError):
        fit(
            model, [[1e100]], [0.0], mse_loss, SGD(model.parameters(), 1e100), 3,
            callbacks=[recorder],
        )  # fmt: skip
    assert recorder.calls[-1][:2] == ("r", "train_end")
    assert recorder.calls[-1][-1] == "FloatingPointError"


def test_an_error_in_on_train_end_is_raised_after_every_hook_ran() -> None:
    model, X, y = tiny_problem()

    class EndBoom(Callback):
        def on_train_end(
            self, model: Module, history: Mapping[str, Sequence[float]], error: Any
        ) -> None:
            raise RuntimeError("end failed")

    recorder = Recorder()
    with pytest.raises(RuntimeError, match="end failed"):
        fit(
            model, X, y, binary_cross_entropy_with_logits, SGD(model.parameters(), 0.1), 1,
            callbacks=[EndBoom(), recorder],
        )  # fmt: skip
    assert recorder.calls[-1] == ("r", "train_end", 1, "NoneType")


def test_callbacks_must_be_callbacks() -> None:
    model, X, y = tiny_problem()
    optimizer = SGD(model.parameters(), 0.1)
    with pytest.raises(TypeError, match="not a Callback"):
        fit(model, X, y, binary_cross_entropy_with_logits, optimizer, 1, callbacks=[print])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="must be a list"):
        fit(model, X, y, binary_cross_entropy_with_logits, optimizer, 1, callbacks=Recorder())  # type: ignore[arg-type]


# --- EarlyStopping -------------------------------------------------------------------------


def run_early_stopping(losses: list[float], **options: Any) -> EarlyStopping:
    """Feed EarlyStopping a made-up history, epoch by epoch, as fit would."""
    model = MLP(1, [1], seed=0)
    stopper = EarlyStopping(**options)
    history: dict[str, list[float]] = {"loss": []}
    stopper.on_train_begin(model, history)
    for epoch, loss in enumerate(losses):
        history["loss"].append(loss)
        stopper.on_epoch_end(model, epoch, history)
        if stopper.stop_training:
            break
    return stopper


def test_early_stopping_waits_patience_epochs_without_improvement() -> None:
    stopper = run_early_stopping([5.0, 4.0, 4.0, 4.5, 3.9, 4.0, 4.0, 4.0, 1.0], patience=3)
    assert stopper.best == 3.9
    assert stopper.best_epoch == 4
    assert stopper.stopped_epoch == 7  # epochs 5, 6, 7 did not improve


def test_early_stopping_min_delta_and_nan() -> None:
    stopper = run_early_stopping([5.0, 4.95, 4.9, float("nan")], patience=2, min_delta=0.1)
    assert stopper.best == 5.0
    assert stopper.stopped_epoch == 2
    never = run_early_stopping([1.0, float("nan"), float("nan")], patience=2)
    assert never.stopped_epoch == 2
    # A NaN first epoch is not a best to beat: the finite losses after it improve.
    late = run_early_stopping([float("nan"), 1.0, 0.5, 0.4], patience=2)
    assert (late.best, late.best_epoch, late.stopped_epoch) == (0.4, 3, None)


def test_early_stopping_in_fit_restores_the_best_weights() -> None:
    model, X, y = tiny_problem()
    # A learning rate far too large: the loss jumps about and stops improving quickly.
    stopper = EarlyStopping(patience=2, restore_best=True)

    class Snapshots(Callback):
        def __init__(self) -> None:
            self.states: list[dict[str, float]] = []

        def on_epoch_end(
            self, model: Module, epoch: int, history: Mapping[str, Sequence[float]]
        ) -> None:
            self.states.append(model.state_dict())

    snapshots = Snapshots()
    history = fit(
        model, X, y, binary_cross_entropy_with_logits, SGD(model.parameters(), 30.0), 50,
        callbacks=[stopper, snapshots],
    )  # fmt: skip
    assert stopper.stopped_epoch is not None
    assert len(history["loss"]) == stopper.stopped_epoch + 1 < 50
    assert stopper.best_epoch is not None
    assert stopper.best == min(history["loss"])
    assert model.state_dict() == snapshots.states[stopper.best_epoch]


def test_early_stopping_on_accuracy_and_a_missing_entry() -> None:
    stopper = EarlyStopping(monitor="accuracy", patience=1)
    model = MLP(1, [1], seed=0)
    history: dict[str, list[float]] = {"loss": [1.0], "accuracy": [0.5]}
    stopper.on_epoch_end(model, 0, history)
    history["accuracy"].append(0.75)
    stopper.on_epoch_end(model, 1, history)
    assert (stopper.best, stopper.stop_training) == (0.75, False)
    history["accuracy"].append(0.6)
    stopper.on_epoch_end(model, 2, history)
    assert stopper.stop_training
    with pytest.raises(KeyError, match="accuracy_fn=None"):
        stopper.on_epoch_end(model, 0, {"loss": [1.0]})
    with pytest.raises(ValueError, match="patience"):
        EarlyStopping(patience=0)


# --- the progress bar ----------------------------------------------------------------------


def test_the_progress_bar_is_a_callback_that_counts_epochs() -> None:
    tqdm = pytest.importorskip("tqdm")
    model, X, y = tiny_problem()
    stream = io.StringIO()

    class Bar(ProgressBar):
        def on_train_begin(self, model: Module, history: Mapping[str, Sequence[float]]) -> None:
            self.bar = tqdm.tqdm(total=self.epochs, file=stream, disable=False)

    bar = Bar(3)
    fit(
        model, X, y, binary_cross_entropy_with_logits, SGD(model.parameters(), 0.1), 3,
        progress=False, callbacks=[bar],
    )  # fmt: skip
    assert bar.bar is None  # closed at the end
    text = stream.getvalue()
    assert "3/3" in text
    assert "loss=" in text
    assert "accuracy=" in text
