"""Callbacks: code that :func:`nn.train.fit` runs at fixed points of training.

A callback is an object with up to five methods, called in this order (Keras and PyTorch
Lightning use the same shape)::

    on_train_begin(model, history)                  once, before the first step
      on_epoch_begin(model, epoch, history)         for epoch = 0, 1, 2, ...
        on_batch_end(model, epoch, batch, logs)     after each step; logs = {"loss", "size"}
      on_epoch_end(model, epoch, history)           history now holds this epoch's numbers
    on_train_end(model, history, error)             always, last (error: None or what is raised)

Subclass :class:`Callback` and override the ones you need; the others do nothing. ``history``
is the dict ``fit`` returns, growing by one entry per list at each epoch end: read it, do not
change it. With several callbacks, each hook is called on every callback in the order given.

**Stopping early.** A callback that sets ``self.stop_training = True`` (in any hook) ends
training after the current epoch: the epoch finishes, ``on_epoch_end`` runs for it, then
``on_train_end``. So the history always holds whole epochs. :class:`EarlyStopping` does it
when the loss stops improving.

**Errors.** An exception raised by a callback propagates out of ``fit`` unchanged, after
``on_train_end`` has run with it as ``error`` (so a progress bar closes and a recorder can
save what it has). Callbacks run between steps, so the model is left exactly as the last
completed step made it. The same holds when a step diverges (``FloatingPointError``):
``on_train_end`` sees the error, which is how :func:`nn.watch.watch` shows a learning rate
that is too large.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from .module import Module

__all__ = ["Callback", "EarlyStopping", "EpochFunction", "ProgressBar"]

History = Mapping[str, Sequence[float]]


class Callback:
    """The protocol, with every hook doing nothing: subclass it and override what you need.

    Attributes:
        stop_training: set it to True to end training after the current epoch.
    """

    stop_training: bool = False

    def on_train_begin(self, model: Module, history: History) -> None:
        """Before the first step; ``history`` is still empty."""

    def on_epoch_begin(self, model: Module, epoch: int, history: History) -> None:
        """Before the first step of ``epoch`` (0, 1, 2, ...)."""

    def on_batch_end(
        self, model: Module, epoch: int, batch: int, logs: Mapping[str, float]
    ) -> None:
        """After the update made on batch ``batch`` of ``epoch``.

        ``logs["loss"]`` is that batch's loss (computed before the update) and
        ``logs["size"]`` its number of examples.
        """

    def on_epoch_end(self, model: Module, epoch: int, history: History) -> None:
        """After the last step of ``epoch``; ``history[name][-1]`` is this epoch's number."""

    def on_train_end(self, model: Module, history: History, error: BaseException | None) -> None:
        """Last, whatever happened: ``error`` is None, or the exception ``fit`` is raising."""


class EpochFunction(Callback):
    """A plain function ``f(epoch, history)`` called at each epoch end (fit's ``callback=``)."""

    def __init__(self, function: Callable[[int, dict[str, list[float]]], None]) -> None:
        self.function = function

    def on_epoch_end(self, model: Module, epoch: int, history: History) -> None:
        self.function(epoch, history)  # type: ignore[arg-type]  # fit's history is that dict


class ProgressBar(Callback):
    """A tqdm bar over the epochs showing the training mode and the last epoch's loss and accuracy.

    Silent when tqdm is not installed or stderr is not a terminal (tqdm's ``disable=None``),
    so logs and tests stay clean. ``fit(progress=True)`` (the default) adds one.
    """

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs
        self.bar: Any = None
        self.shown_mode: str | None = None

    def on_train_begin(self, model: Module, history: History) -> None:
        try:
            from tqdm import tqdm
        except ImportError:  # tqdm is optional: train silently without it
            return
        self.bar = tqdm(total=self.epochs, unit="epoch", disable=None, dynamic_ncols=True)
        self.shown_mode = None
        self.show_mode(history)

    def show_mode(self, history: History) -> None:
        """Show how fit trains (``history.mode``: "compiled" or "eager") as the bar's
        description, again whenever it changes (fit's default mode may switch to eager)."""
        mode = getattr(history, "mode", None)
        if self.bar is not None and mode is not None and mode != self.shown_mode:
            self.bar.set_description(mode)
            self.shown_mode = mode

    def on_epoch_end(self, model: Module, epoch: int, history: History) -> None:
        if self.bar is None:
            return
        self.show_mode(history)
        postfix = {name: f"{values[-1]:.4f}" for name, values in history.items()}
        self.bar.set_postfix(postfix, refresh=False)
        self.bar.update(1)

    def on_train_end(self, model: Module, history: History, error: BaseException | None) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class EarlyStopping(Callback):
    """Stop when ``history[monitor]`` has not improved for ``patience`` epochs.

    An epoch *improves* when its number beats the best so far by more than ``min_delta``
    (lower is better for a loss, higher for an accuracy, as Keras's ``mode="auto"``). A NaN
    never improves.

    Which number to watch: ``"val_loss"`` (with ``fit(..., validation_data=(X_val,
    y_val))``) is the held-out loss of the parameters as the epoch left them, the ones
    ``restore_best`` keeps, so the restored model scores exactly :attr:`best` again.
    ``"loss"`` is the training loss averaged over the epoch, each batch scored before its
    own update: the parameters at the epoch's end are one update past it, so the restored
    model is the best epoch's, not one that scores that number.

    Args:
        monitor: the history entry to watch: ``"loss"`` (default), ``"accuracy"``,
            ``"val_loss"`` or ``"val_accuracy"``.
        patience: how many epochs in a row without improvement are allowed.
        min_delta: the smallest change that counts as an improvement.
        restore_best: at the end, put back the parameters of the best epoch (kept as a
            ``state_dict`` copy each time the number improves, at that epoch's end).

    Attributes:
        best, best_epoch: the best number seen and its epoch (None before training).
        stopped_epoch: the epoch after which training was stopped, or None.
    """

    def __init__(
        self,
        monitor: str = "loss",
        patience: int = 5,
        min_delta: float = 0.0,
        restore_best: bool = False,
    ) -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 1:
            raise ValueError(f"EarlyStopping: patience must be a positive int, got {patience!r}")
        if not (isinstance(min_delta, int | float) and min_delta >= 0):
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta!r}")
        if not isinstance(monitor, str):
            raise TypeError(f"EarlyStopping: monitor must be a history key (str), got {monitor!r}")
        self.monitor = monitor
        self.patience = patience
        self.min_delta = float(min_delta)
        self.restore_best = restore_best
        # Compare sign * number, lower wins: an accuracy is better higher.
        self.sign = -1.0 if monitor.endswith("accuracy") else 1.0
        self.best: float | None = None
        self.best_epoch: int | None = None
        self.stopped_epoch: int | None = None
        self.best_state: dict[str, float] | None = None
        self.waited = 0

    def on_train_begin(self, model: Module, history: History) -> None:
        self.stop_training = False
        self.best = self.best_epoch = self.stopped_epoch = self.best_state = None
        self.waited = 0

    def on_epoch_end(self, model: Module, epoch: int, history: History) -> None:
        if self.monitor not in history:
            raise KeyError(
                f"EarlyStopping: monitor={self.monitor!r} is not in the history, which has "
                f"{sorted(history)}; fit with accuracy_fn=None records no accuracy, and "
                "only fit(..., validation_data=(X_val, y_val)) records val_loss"
            )
        number = history[self.monitor][-1]
        if self._improves(number):
            self.best, self.best_epoch, self.waited = number, epoch, 0
            if self.restore_best:
                self.best_state = model.state_dict()
            return
        self.waited += 1
        if self.waited >= self.patience:
            self.stop_training = True
            self.stopped_epoch = epoch

    def _improves(self, number: float) -> bool:
        if math.isnan(number):
            return False
        if self.best is None:
            return True
        return self.sign * (self.best - number) > self.min_delta

    def on_train_end(self, model: Module, history: History, error: BaseException | None) -> None:
        if self.restore_best and self.best_state is not None and error is None:
            model.load_state_dict(self.best_state)
