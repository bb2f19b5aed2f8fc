"""The training loop: ``fit`` a model to data, then ``evaluate`` or ``predict`` with it.

Training is four lines repeated, and :func:`train_step` is exactly those lines::

    loss = loss_fn([model(x) for x in inputs], targets)   # forward: build the graph
    optimizer.zero_grad()                                 # leaves accumulate, so reset
    loss.backward()                                       # backward: every d(loss)/d(p)
    check_before_step(model, optimizer, loss.data)        # NaN/inf loss or gradient: raise
    optimizer.step()                                      # move each p against its gradient

:func:`fit` runs it over the data for a number of epochs (full batch by default, as in
micrograd's demo, or in shuffled mini-batches) and records the mean loss and the accuracy
of each epoch, measured on the predictions made during that epoch (before each update).

Training never destroys a model: data with a NaN or an infinity is refused before the first
step, and a step whose loss or gradients are not finite (or whose numbers overflow) raises
``FloatingPointError`` *before* the update, so the model is left as the last good step made
it (see :mod:`nn.finite`).
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from autograd_engine import Value, no_grad
from autograd_engine.gc_pause import collector_paused

from .callbacks import Callback, EpochFunction, ProgressBar
from .compiled import CompiledStep, History, TrainingMode
from .datasets import batches
from .finite import check_before_step, divergence_error
from .layers import is_array
from .module import Module
from .optim import Optimizer

__all__ = ["History", "StepResult", "accuracy", "evaluate", "fit", "predict", "train_step"]

#: ``loss_fn(outputs, targets) -> Value``: a batch of model outputs and targets to one loss.
LossFn = Callable[[list[Any], Sequence[Any]], Value]
#: ``accuracy_fn(outputs, targets) -> float``: outputs as numbers (or lists of numbers).
AccuracyFn = Callable[[list[Any], Sequence[Any]], float]
Rows = Sequence[Sequence[float]]


@dataclass(frozen=True)
class StepResult:
    """What one training step reports: the batch's loss, and the model's outputs as numbers
    (a float per example, or a list of floats for a model with several outputs)."""

    loss: float
    outputs: list[Any]


#: The signature of a training step, so another implementation can replace the eager one.
StepFn = Callable[[Module, LossFn, Optimizer, Rows, Sequence[Any]], StepResult]


def _numbers(output: Any) -> Any:
    """A model output with every Value replaced by its float."""
    if isinstance(output, Value):
        return output.data
    if isinstance(output, list | tuple):
        return [_numbers(item) for item in output]
    return float(output)


@collector_paused()
def train_step(
    model: Module, loss_fn: LossFn, optimizer: Optimizer, inputs: Rows, targets: Sequence[Any]
) -> StepResult:
    """One step of gradient descent on one batch: forward, loss, zero grads, backward, update.

    Python's cycle collector waits while the step runs
    (:func:`~autograd_engine.gc_pause.collector_paused`): the step's graph has no cycles and
    is freed when the step returns, so rescanning it meanwhile would find nothing. The model's
    ``forward`` and ``loss_fn`` run inside the pause too; any reference cycles they make are
    not leaked, only collected right after the step instead of during it.

    The update is made only when the loss and every gradient are finite
    (:func:`nn.finite.check_before_step`), so a failed step leaves the parameters and the
    optimizer's state (Adam's moments, ``steps``) exactly as they were; the parameters'
    ``.grad`` then hold the offending gradients, for inspection.

    Raises:
        FloatingPointError: the loss or a gradient is NaN or infinite (the message names the
            first such parameter), or the engine overflowed in the forward or backward pass
            (chained ``from`` the engine's ``OverflowError``/``ValueError``): the numbers
            diverged, try a smaller learning rate. Nothing was updated.
        TypeError: ``loss_fn`` did not return a Value.
    """
    try:
        outputs = [model(x) for x in inputs]
        loss = loss_fn(outputs, targets)
        if not isinstance(loss, Value):
            raise TypeError(f"loss_fn must return a Value, not {type(loss).__name__}")
        optimizer.zero_grad()
        loss.backward()
    except (OverflowError, ValueError) as error:
        failure = divergence_error(error, "")
        if failure is None:
            raise
        raise failure from error
    check_before_step(model, optimizer, loss.data)
    optimizer.step()
    return StepResult(loss.data, [_numbers(output) for output in outputs])


def accuracy(outputs: list[Any], targets: Sequence[Any]) -> float:
    """The fraction of examples classified correctly.

    * A list of class scores is correct when its largest score is at the target class.
    * A single score is correct when it is on the target's side of 0: ``score > 0`` means
      class 1 for 0/1 labels and +1 for ±1 labels (micrograd's rule), so it serves both
      ``binary_cross_entropy_with_logits`` and ``hinge_loss``.

    A NaN score is never correct: it is not on either side of 0, and a list holding one has
    no largest score (``max`` would answer by the order of the comparisons, not the numbers).

    >>> accuracy([0.5, float("nan")], [1, 0])
    0.5
    >>> accuracy([[float("nan"), 0.0], [2.0, 1.0]], [0, 0])
    0.5
    """
    if not outputs:
        raise ValueError("accuracy of an empty batch is undefined")
    correct = 0
    for output, target in zip(outputs, targets, strict=True):
        correct += _is_correct(_numbers(output), target)
    return correct / len(outputs)


def _is_correct(scores: Any, target: Any) -> bool:
    """One example's verdict for :func:`accuracy`; anything NaN is wrong."""
    if isinstance(scores, list):
        if any(math.isnan(score) for score in scores):
            return False
        return bool(max(range(len(scores)), key=scores.__getitem__) == target)
    label = target.data if isinstance(target, Value) else float(target)  # float(v) refuses
    if math.isnan(scores) or math.isnan(label):
        return False
    return bool((scores > 0) == (label > 0))


def _plain(data: Any) -> Any:
    """``data`` with a NumPy array, or NumPy rows in a list, made into lists of Python
    numbers (``tolist()``): what the losses and the engine read fastest."""
    if is_array(data):
        return data.tolist()
    if isinstance(data, list | tuple) and any(is_array(row) for row in data):
        return [row.tolist() if is_array(row) else row for row in data]
    return data


def _check_data(inputs: Sequence[Any], targets: Sequence[Any]) -> tuple[Rows, Sequence[Any]]:
    """Refuse data that cannot train: mismatched lengths, nothing at all, or a NaN/inf.

    A NaN in one input row spreads through the shared weights to every prediction (NaN in,
    NaN out), so it is refused up front, naming the row, rather than met mid-training.

    Returns ``(inputs, targets)``, with NumPy arrays (scikit-learn's ``X`` and ``y``, or a
    list of array rows) as lists, so everything after sees plain numbers.
    """
    inputs, targets = _plain(inputs), _plain(targets)
    if len(inputs) != len(targets):
        raise ValueError(f"X has {len(inputs)} examples but y has {len(targets)} targets")
    if len(inputs) == 0:
        raise ValueError("the data set is empty: X and y have no examples")
    for index, row in enumerate(inputs):
        _refuse_text(row, f"X[{index}]", index)
    for what, rows in (("X", inputs), ("y", targets)):
        for index, row in enumerate(rows):
            found = _non_finite(row, f"{what}[{index}]")
            if found is not None:
                where, number = found
                kind = "input row" if what == "X" else "target"
                raise ValueError(
                    f"{kind} {index} is not finite: {where} is {number}; training needs "
                    "finite numbers: drop or fix that example"
                )
    return inputs, targets


def _refuse_text(item: Any, where: str, row: int) -> None:
    """A TypeError naming the first string inside input row ``item`` (nested lists too).

    ``float("0.1")`` would read it, but no model does arithmetic on text, and ``"nan"``
    would slip past the check for NaN: features read from a file are converted first.
    """
    if isinstance(item, str | bytes):
        raise TypeError(
            f"input row {row} holds text: {where} is {item!r}; features must be numbers, "
            "so convert them first, e.g. X = [[float(v) for v in row] for row in X]"
        )
    if isinstance(item, list | tuple):
        for index, element in enumerate(item):
            _refuse_text(element, f"{where}[{index}]", row)


def _non_finite(item: Any, where: str) -> tuple[str, str] | None:
    """(where, the number as text) of the first NaN/inf number inside ``item``, which may be
    a number, a Value, or nested lists of them (a sequence for an RNN)."""
    if isinstance(item, Value):
        return None if math.isfinite(item.data) else (where, repr(item.data))
    if isinstance(item, numbers.Real) and not isinstance(item, bool):
        try:
            finite = math.isfinite(item)
        except OverflowError:  # an int too large for a float
            return where, "a number too large for a float"
        return None if finite else (where, repr(float(item)))  # nan, inf, -inf
    if is_array(item):  # deeper NumPy rows, e.g. the steps of a sequence
        item = item.tolist()
    if isinstance(item, list | tuple):
        for index, element in enumerate(item):
            found = _non_finite(element, f"{where}[{index}]")
            if found is not None:
                return found
    return None


def _epoch_batches(
    X: Rows,  # noqa: N803
    y: Sequence[Any],
    batch_size: int | None,
    shuffle: bool,
    rng: random.Random | None,
) -> Iterable[tuple[Rows, Sequence[Any]]]:
    if batch_size is None:
        return [(X, y)]
    seed = None if rng is None else rng.randrange(2**63)
    return batches(X, y, batch_size, shuffle=shuffle, seed=seed)


@collector_paused()  # covers a compiled step's recording too
def _guarded_step(
    step: StepFn,
    model: Module,
    loss_fn: LossFn,
    optimizer: Optimizer,
    inputs: Rows,
    targets: Sequence[Any],
    lr_schedule: Callable[[int], float] | None,
    epoch: int,
    batch: int,
) -> StepResult:
    """``step`` on one batch; a divergence is raised as ``FloatingPointError`` naming the
    epoch and the batch, with the optimizer's learning rate put back as it was."""
    lr = optimizer.lr
    where = f"epoch {epoch}, batch {batch}: "
    try:
        if lr_schedule is not None:
            optimizer.lr = lr_schedule(optimizer.steps)
        return step(model, loss_fn, optimizer, inputs, targets)
    except FloatingPointError as error:
        optimizer.lr = lr
        if type(error) is not FloatingPointError:  # a subclass (detect_anomaly's): keep it
            error.add_note(f"raised by the training step of {where.rstrip(': ')}")
            raise
        raise FloatingPointError(f"{where}{error}") from error
    except (OverflowError, ValueError) as error:  # the compiled replay's own errors
        optimizer.lr = lr
        failure = divergence_error(error, where)
        if failure is None:
            raise
        raise failure from error


def fit(
    model: Module,
    X: Rows,  # noqa: N803 (the usual name for the features)
    y: Sequence[Any],
    loss_fn: LossFn,
    optimizer: Optimizer,
    epochs: int,
    batch_size: int | None = None,
    progress: bool = True,
    *,
    shuffle: bool = True,
    seed: int | None = None,
    lr_schedule: Callable[[int], float] | None = None,
    accuracy_fn: AccuracyFn | None = accuracy,
    callbacks: Sequence[Callback] = (),
    callback: Callable[[int, dict[str, list[float]]], None] | None = None,
    compiled: bool | None = None,
    validation_data: tuple[Rows, Sequence[Any]] | None = None,
) -> History:
    """Train ``model`` on ``(X, y)``; returns the history ``{"loss": [...], "accuracy": [...]}``.

    Args:
        model: the network; ``model(x)`` is called on each row of ``X``.
        X, y: the inputs (lists of numbers) and targets, one per example.
        loss_fn: ``loss_fn(outputs, targets) -> Value`` for a batch, e.g. ``cross_entropy``.
            It may add a penalty on ``model.parameters()`` (micrograd's L2 term).
        optimizer: e.g. ``SGD(model.parameters(), lr=0.1)``.
        epochs: passes over the data.
        batch_size: examples per step; ``None`` (default) uses all of them (full batch).
        progress: show a tqdm progress bar (when tqdm is installed and stderr is a terminal):
            a :class:`~nn.callbacks.ProgressBar` put before ``callbacks``.
        shuffle: with ``batch_size``, visit the examples in a new random order each epoch.
        seed: the shuffling seed (``None``: the global ``random`` module).
        lr_schedule: ``lr_schedule(step) -> lr``, called before each step (0, 1, 2, ...);
            micrograd's demo uses ``lambda k: 1.0 - 0.9 * k / 100``.
        accuracy_fn: how to score a batch (default :func:`accuracy`); ``None`` for
            regression, and then the history has no ``"accuracy"``.
        callbacks: objects following :class:`nn.callbacks.Callback`'s protocol, called at
            the start and end of training, of each epoch, and after each step, in the order
            given; one that sets ``stop_training = True`` ends training after that epoch
            (e.g. :class:`~nn.callbacks.EarlyStopping`, :func:`nn.watch.watch`).
        callback: ``callback(epoch, history)``, called after each epoch (0, 1, 2, ...), after
            ``callbacks``; the shorthand for one :class:`~nn.callbacks.EpochFunction`.
        compiled: ``True``: record each batch size's graph once and replay it
            (``compile_graph``, needs NumPy) instead of rebuilding it every step: the same
            results to rounding, many times faster; the model and loss must not branch on
            ``.data`` (see :mod:`nn.compiled`). ``False``: build the graph every step
            (eager). ``None`` (default): compiled where it is safe, else eager
            (:class:`nn.compiled.TrainingMode` says when); the mode used is logged on the
            ``nn.train`` logger, shown by the progress bar, and is ``history.mode``.
        validation_data: ``(X_val, y_val)``, examples held out from training (as Keras's
            argument). After each epoch the model, as that epoch left it, is scored on them
            with :func:`evaluate` (same ``loss_fn`` and ``accuracy_fn``, no graph, no
            update), giving ``history["val_loss"]`` and ``history["val_accuracy"]``.
            Callbacks see them at ``on_epoch_end``, so
            ``EarlyStopping(monitor="val_loss", restore_best=True)`` stops on them and puts
            back exactly the parameters that scored the best ``val_loss``.

    Returns:
        Per epoch, the mean loss over the examples and (unless ``accuracy_fn`` is None) the
        accuracy of the predictions made during the epoch (each example scored before the
        update its batch made), plus ``val_loss`` and ``val_accuracy`` with
        ``validation_data``: a dict, whose ``.mode`` is ``"compiled"`` or ``"eager"`` (the
        mode of the last step). Stopped early by a callback, it holds the epochs that ran.

    Raises:
        ValueError: ``X`` and ``y`` differ in length, or are empty; bad ``epochs`` or
            ``batch_size``; an input row or a target holds a NaN or an infinity (the message
            names the row: checked before any training); the same for ``validation_data``,
            or it is not a pair ``(X_val, y_val)``.
        TypeError: an input row holds text (``"0.1"``, ``"nan"``): features must be
            numbers (checked before any training, in every mode).
        FloatingPointError: a step diverged: the loss or a gradient became NaN or infinite,
            or the engine overflowed in the forward or backward pass (then chained ``from``
            its ``OverflowError``/``ValueError``). The message names the epoch, the batch
            (its index within the epoch) and the first offending parameter with its
            gradient, and says to try a smaller learning rate. The failed step changed
            nothing: the parameters and the optimizer's state (moments, ``steps``, ``lr``)
            are exactly as they were after the last good step, so the model can be saved.
        Exception: whatever a callback raises, unchanged (after every ``on_train_end``).
    """
    X, y = _check_data(X, y)  # noqa: N806 (NumPy arrays become lists)
    validation = None if validation_data is None else _check_validation(validation_data)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got {epochs!r}")
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
    step = TrainingMode(compiled, CompiledStep)
    rng = None if seed is None else random.Random(seed)
    history = History({"loss": []}, mode=step.mode)
    if accuracy_fn is not None:
        history["accuracy"] = []
    if validation is not None:
        history["val_loss"] = []
        if accuracy_fn is not None:
            history["val_accuracy"] = []
    hooks = _hooks(epochs, progress, callbacks, callback)
    error: BaseException | None = None
    step.on_change = lambda mode: setattr(history, "mode", mode)
    try:
        for hook in hooks:
            hook.on_train_begin(model, history)
        for epoch in range(epochs):
            for hook in hooks:
                hook.on_epoch_begin(model, epoch, history)
            total_loss = 0.0
            total_correct = 0.0
            batches_of_epoch = _epoch_batches(X, y, batch_size, shuffle, rng)
            for batch, (inputs, targets) in enumerate(batches_of_epoch):
                result = _guarded_step(
                    step, model, loss_fn, optimizer, inputs, targets, lr_schedule, epoch, batch
                )
                total_loss += result.loss * len(inputs)
                if accuracy_fn is not None:
                    total_correct += accuracy_fn(result.outputs, targets) * len(inputs)
                logs = {"loss": result.loss, "size": float(len(inputs))}
                for hook in hooks:
                    hook.on_batch_end(model, epoch, batch, logs)
            history["loss"].append(total_loss / len(X))
            if accuracy_fn is not None:
                history["accuracy"].append(total_correct / len(X))
            if validation is not None:
                scores = evaluate(model, *validation, loss_fn, accuracy_fn)
                for name, score in scores.items():
                    history[f"val_{name}"].append(score)
            for hook in hooks:
                hook.on_epoch_end(model, epoch, history)
            if any(hook.stop_training for hook in hooks):
                break
    except BaseException as raised:
        error = raised
        raise
    finally:
        history.mode = step.mode
        _end_training(hooks, model, history, error)
    return history


def _check_validation(validation_data: Any) -> tuple[Rows, Sequence[Any]]:
    """``validation_data`` as checked ``(X_val, y_val)``, or an error saying what it lacks."""
    if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
        raise ValueError(
            "fit: validation_data must be a pair (X_val, y_val), got "
            f"{type(validation_data).__name__}"
            + (
                f" of length {len(validation_data)}"
                if isinstance(validation_data, tuple | list)
                else ""
            )
        )
    try:
        return _check_data(*validation_data)
    except ValueError as error:
        raise ValueError(f"fit: validation_data: {error}") from None


def _hooks(
    epochs: int,
    progress: bool,
    callbacks: Sequence[Callback],
    callback: Callable[[int, dict[str, list[float]]], None] | None,
) -> list[Callback]:
    """The callbacks of one ``fit``: the progress bar, the user's, then ``callback``."""
    if isinstance(callbacks, Callback):
        raise TypeError("fit: callbacks must be a list of callbacks, e.g. callbacks=[watcher]")
    hooks: list[Callback] = [ProgressBar(epochs)] if progress else []
    for hook in callbacks:
        if not isinstance(hook, Callback):
            raise TypeError(
                f"fit: {hook!r} is not a Callback; subclass nn.callbacks.Callback (a plain "
                "function f(epoch, history) goes in callback=)"
            )
        hook.stop_training = False
        hooks.append(hook)
    if callback is not None:
        hooks.append(EpochFunction(callback))
    return hooks


def _end_training(
    hooks: list[Callback],
    model: Module,
    history: dict[str, list[float]],
    error: BaseException | None,
) -> None:
    """Every hook's ``on_train_end``, even after one of them raised: the first error wins
    (a training error first of all), the others are attached to it as notes."""
    failure: BaseException | None = None
    for hook in hooks:
        try:
            hook.on_train_end(model, history, error)
        except Exception as raised:
            if error is not None or failure is not None:
                first = error if error is not None else failure
                assert first is not None
                first.add_note(f"{type(hook).__name__}.on_train_end also raised: {raised!r}")
            else:
                failure = raised
    if failure is not None:
        raise failure


@collector_paused()
def predict(model: Module, X: Rows) -> list[Any]:  # noqa: N803
    """The model's outputs for every row of ``X``, as numbers, computed without a graph.

    The cycle collector waits meanwhile, as in :func:`train_step`.

    Raises:
        TypeError: a row holds text (``"0.1"``): features must be numbers.
    """
    X = _plain(X)  # noqa: N806
    for index, row in enumerate(X):
        _refuse_text(row, f"X[{index}]", index)
    with no_grad():
        return [_numbers(model(x)) for x in X]


@collector_paused()
def evaluate(
    model: Module,
    X: Rows,  # noqa: N803
    y: Sequence[Any],
    loss_fn: LossFn,
    accuracy_fn: AccuracyFn | None = accuracy,
) -> dict[str, float]:
    """The loss (and accuracy) of ``model`` on ``(X, y)``, computed without a graph.

    The cycle collector waits meanwhile, as in :func:`train_step`.

    Raises:
        ValueError: ``X`` and ``y`` differ in length or are empty, or an input row or a
            target holds a NaN or an infinity (the message names the row).
        TypeError: an input row holds text (``"0.1"``): features must be numbers.
    """
    X, y = _check_data(X, y)  # noqa: N806
    with no_grad():
        outputs = [model(x) for x in X]
        result = {"loss": loss_fn(outputs, y).data}
    if accuracy_fn is not None:
        result["accuracy"] = accuracy_fn([_numbers(output) for output in outputs], y)
    return result
