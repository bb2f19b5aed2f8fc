"""Training through ``compile_graph``: what ``fit`` runs for each step when compiled.

``fit(..., compiled=True)`` always runs :class:`CompiledStep`; ``fit``'s default
(``compiled=None``) runs it where that is safe and falls back to eager otherwise, saying
so (:class:`TrainingMode`); the history it returns is a :class:`History`, a dict whose
``.mode`` is the mode used.

Every training step builds the same graph: the model on a batch, the loss, the penalty.
Only numbers change: the parameters (updated in place by the optimizer) and the batch. So
:class:`CompiledStep` records the graph of the first batch of each size once
(:func:`autograd_engine.compile_graph`) and replays it afterwards, feeding each new batch
into the recording's *input leaves* by setting their ``.data``::

    inputs = [[Value(v) for v in x] for x in batch]   # leaves the recording keeps
    loss = loss_fn([model(x) for x in inputs], targets)
    replay = compile_graph(loss)
    # next step, next batch: set each input leaf's .data, then replay.run()

Targets are graph inputs too. The first recording of a batch size tries, in turn, to give
the loss its targets as leaves it can keep in its graph, fed like the inputs:

* numbers (``mse_loss``, ``hinge_loss``, ``binary_cross_entropy_with_logits``): one leaf
  per target, holding it;
* class indices for a model with k outputs (``cross_entropy``): one-hot rows of k leaves,
  which :func:`~nn.losses.cross_entropy` takes as class probabilities and turns into
  exactly the loss of the index, to the bit.

A form is used when the loss accepts it and every target leaf ends up in the loss's graph;
then one recording serves every batch of that size, shuffled or not (so two in an epoch
with a partial last batch: the loss's ``1/n`` is a per-batch-size constant). A form is
used only if the loss gives exactly the same number with it as with the targets as given.
A replay does not run the loss's Python, so it would not check new targets (a hinge label
outside ``-1, +1``): the first time a target value appears, the loss is also computed on
the step's outputs without a graph, and raises just as the eager step would (a class
index out of range does not fit a one-hot row: that batch is recorded anew, and the loss
raises there). A loss that accepts neither form
(it reads its targets as numbers, or picks nodes with them) bakes them into the graph: a
recording is then made per distinct batch of targets, which is correct but, for shuffled
mini-batches, slower than eager.

Frozen control flow: guards. Python in the model or the loss that looks at a Value's number
(``if h.item() > 0``, ``if w.data > 0``, ``max(a, b)``, ``round(v)``, ``f"{v:.0f}"``)
decided something once, at recording (see
:mod:`autograd_engine.guards`). The model and the loss are therefore recorded inside
``guards.recording()``, and every replay re-asks each of those questions on the new values.
When an answer changed, the step tries the other recordings kept for such batches (up to
``MAX_VARIANTS``, like ``torch.compile``'s cache of guarded graphs), and when none fits it
*re-records* the graph on this batch (the default; the count is
:attr:`CompiledStep.rerecords`, and each re-recording is logged on the ``nn.compiled``
logger) or, with ``CompiledStep(rerecord=False)``, raises
:class:`FrozenGraphError` naming the node and the branch. Either way no step is ever
replayed on a branch eager training would not take. A replay equals eager to rounding,
not always bit for bit (NumPy's ``tanh``, ``exp``... may differ from :mod:`math`'s in the
last bit, and a layer's sums run as one matrix product, adding in BLAS's order, except in a
graph with a ``v.item()`` guard), so a ``v.item()`` guard can fail even on the batch the
graph was just recorded on: that step is then taken eagerly (:attr:`CompiledStep.eager_steps`).

A read of ``.data`` (or ``item()``) holds only for the same number, bit for bit: a model
that reads a *parameter's* number is therefore recorded anew after every update, which is
exact but slower than eager, and ``fit``'s default switches to eager for it, logging the
read on the ``nn.train`` logger. Such branches belong in ops (``relu``, ``leaky_relu``,
``abs``, ``maximum``), which every replay re-decides itself.

What guards cannot see: numbers computed under ``no_grad()`` inside the model (leaves
without a history). As a last check, the first time a recording is replayed on a batch
other than its own, the step is also computed eagerly, and a :class:`FrozenGraphError` is
raised if the two disagree.
"""

from __future__ import annotations

import logging
import math
import numbers
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from autograd_engine import (
    CompiledGraph,
    FrozenGraphError,
    Value,
    compile_graph,
    guards,
    no_grad,
    topological_order,
)
from autograd_engine.guards import GuardLog

from .finite import check_before_step
from .module import Module
from .optim import Optimizer

__all__ = ["CompiledStep", "FrozenGraphError", "History", "TrainingMode"]

#: Recordings kept at once (least recently used dropped first): enough for every batch of
#: an unshuffled epoch of a small data set, bounded when targets make each batch unique.
MAX_RECORDINGS = 64
#: Recordings kept per kind of batch, for branches taken differently (each tried in turn:
#: a failed try costs one forward pass, a new recording a full build).
MAX_VARIANTS = 4


_logger = logging.getLogger(__name__)


def _as_numbers(targets: Sequence[Any], _outputs: Sequence[Any]) -> list[list[float]] | None:
    """Each target as one number, or None unless all are real numbers (bools are not)."""
    if all(isinstance(t, numbers.Real) and not isinstance(t, bool) for t in targets):
        return [[float(t)] for t in targets]
    return None


def _as_one_hot(targets: Sequence[Any], outputs: Sequence[Any]) -> list[list[float]] | None:
    """Each class index as a one-hot row as long as the model's outputs, or None unless
    every target is an int index into every output list."""
    if not outputs or not all(isinstance(o, list | tuple) for o in outputs):
        return None
    classes = len(outputs[0])
    if any(len(o) != classes for o in outputs):
        return None
    if not all(
        isinstance(t, numbers.Integral) and not isinstance(t, bool) and 0 <= int(t) < classes
        for t in targets
    ):
        return None
    return [[1.0 if i == t else 0.0 for i in range(classes)] for t in targets]


class _TargetForm(NamedTuple):
    """How targets become leaves: ``encode(targets, outputs)`` gives each target's numbers
    (None: this form does not fit), ``scalar`` whether the loss gets one leaf per target
    (else a list of leaves per target)."""

    name: str
    encode: Callable[[Sequence[Any], Sequence[Any]], list[list[float]] | None]
    scalar: bool


#: The forms tried, in order, when a recording is made.
TARGET_FORMS = (
    _TargetForm("number", _as_numbers, scalar=True),
    _TargetForm("one-hot", _as_one_hot, scalar=False),
)


@dataclass
class _Recording:
    replay: CompiledGraph
    input_leaves: list[list[Value]]
    target_form: _TargetForm | None  # None: the targets are baked into the graph
    target_leaves: list[list[Value]]  # per target, its leaves ([] when baked)
    outputs: list[Any]  # the model's outputs, with each Value replaced by its watch index
    batch: tuple[Hashable, ...]  # the data it was recorded on
    verified: bool = False


def _fingerprint(inputs: Sequence[Sequence[float]], targets: Sequence[Any]) -> tuple[Hashable, ...]:
    return (*(tuple(row) for row in inputs), *map(_hashable, targets))


def _hashable(target: Any) -> Hashable:
    if isinstance(target, Value):
        return target.data
    if isinstance(target, Sequence) and not isinstance(target, str):
        return tuple(map(_hashable, target))
    return target  # type: ignore[no-any-return]


def _number(x: Any) -> float:
    """An input's number: a Value's ``.data`` (``float(v)`` refuses Values), a real number
    as a float; anything else (text above all: ``float("0.1")`` would read it, where the
    eager step fails) is a TypeError, as a Value of it would be."""
    if isinstance(x, Value):
        return x.data
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):
        return float(x)
    raise TypeError(f"an input must be a number, not {type(x).__name__}: {x!r}")


def _flatten(output: Any, watch: list[Value]) -> Any:
    """``output`` with each Value replaced by its index in ``watch`` (where it is added)."""
    if isinstance(output, Value):
        watch.append(output)
        return len(watch) - 1
    if isinstance(output, list | tuple):
        return [_flatten(item, watch) for item in output]
    return float(output)


def _as_values(outputs: Any) -> Any:
    """Model outputs as numbers (nested lists of floats) back to Values, for a loss."""
    if isinstance(outputs, list):
        return [_as_values(item) for item in outputs]
    return Value(outputs)


def _fill(template: Any, values: list[float]) -> Any:
    if isinstance(template, int):
        return values[template]
    if isinstance(template, list):
        return [_fill(item, values) for item in template]
    return template


class CompiledStep:
    """A drop-in for :func:`nn.train.train_step` that replays recorded graphs.

    Args:
        rerecord: when a guard's answer changed on a new batch (the Python in the model or
            the loss would take another branch), record the graph again on this batch
            (True, the default in ``fit``) or raise :class:`FrozenGraphError` (False).

    Attributes:
        rerecords: how many times a graph was recorded again because a guard failed.
        last_guard_failure: the latest failed guard's message (what the Python read, and
            how its answer changed), or None.
        eager_steps: how many steps were taken by :func:`nn.train.train_step` because a
            new recording failed its own guards (see :meth:`_replay`).
        recordings_made: how many graphs were recorded in all (first recordings of each
            batch size, baked targets and re-recordings alike).
    """

    def __init__(self, rerecord: bool = True) -> None:
        self._recordings: OrderedDict[Hashable, list[_Recording]] = OrderedDict()
        # Target values the loss accepted when a recording fed them through leaves.
        self._accepted: set[Hashable] = set()
        self._owner: tuple[Module, Any] | None = None  # the model and loss recorded
        self.rerecord = rerecord
        self.rerecords = 0
        self.eager_steps = 0
        self.recordings_made = 0
        self.last_guard_failure: str | None = None

    def __call__(
        self,
        model: Module,
        loss_fn: Any,
        optimizer: Optimizer,
        inputs: Sequence[Sequence[float]],
        targets: Sequence[Any],
    ) -> Any:
        from .train import StepResult, train_step

        if self._owner is None or self._owner[0] is not model or self._owner[1] is not loss_fn:
            self._recordings.clear()  # recordings of another model or loss never fit
            self._accepted.clear()
            self._owner = (model, loss_fn)
        batch = _fingerprint(inputs, targets)
        optimizer.zero_grad()
        replayed = self._replay(model, loss_fn, inputs, targets, batch)
        if replayed is None:  # no recording can replay this batch: the eager step is exact
            return train_step(model, loss_fn, optimizer, inputs, targets)
        recording, value = replayed
        outputs = _fill(recording.outputs, recording.replay.watched_values())
        if recording.target_form is not None:
            self._check_targets(loss_fn, outputs, targets)
        if not recording.verified and batch != recording.batch:
            self._verify(model, loss_fn, inputs, targets, value, outputs)
            recording.verified = True
        check_before_step(model, optimizer, value)
        optimizer.step()
        return StepResult(value, outputs)

    def _replay(
        self,
        model: Module,
        loss_fn: Any,
        inputs: Sequence[Sequence[float]],
        targets: Sequence[Any],
        batch: tuple[Hashable, ...],
    ) -> tuple[_Recording, float] | None:
        """Replay the first recording whose guards all hold on this batch; else record anew.

        A failed guard raises before any ``.grad`` changes, so trying the next recording
        is safe. Recordings of one kind of batch are tried most recently used first: a
        branch that flips back and forth (a parameter near 0) finds its graph again. A
        recording whose target form does not fit this batch's targets is not tried.

        None when even the new recording fails a guard on the batch it was recorded on:
        the replay computes a guarded number differently from eager, which is allowed in
        the last bit (NumPy's ``tanh``, ``exp``, ... are not :mod:`math`'s), while a
        ``v.item()`` guard holds only for the same bits. The caller then takes the eager
        step, and the recording, which could never be replayed, is dropped.
        """
        variants = self._lookup(inputs, batch)
        error: FrozenGraphError | None = None
        for recording in variants:
            if not self._feed(recording, inputs, targets):
                continue
            try:
                value = recording.replay.run()
            except FrozenGraphError as frozen:
                error = frozen
                continue
            variants.remove(recording)
            variants.insert(0, recording)
            return recording, value
        if error is not None and not self.rerecord:
            raise error
        recording = self._record(model, loss_fn, inputs, targets, batch)
        if error is not None:
            self.rerecords += 1
            self.last_guard_failure = str(error)
            _logger.info(
                "compiled step: graph recorded again (%d so far): %s", self.rerecords, error
            )
        self._feed(recording, inputs, targets)
        try:
            return recording, recording.replay.run()
        except FrozenGraphError as own:
            self._forget(recording, inputs, batch)
            self.eager_steps += 1
            self.last_guard_failure = str(own)
            _logger.info(
                "compiled step: the new recording fails its own guards (%s); this step is "
                "taken eagerly (%d so far)",
                own,
                self.eager_steps,
            )
            return None

    def _forget(
        self, recording: _Recording, inputs: Sequence[Sequence[float]], batch: tuple[Hashable, ...]
    ) -> None:
        for key in self._keys(inputs, batch):
            variants = self._recordings.get(key)
            if variants is not None:
                variants[:] = [kept for kept in variants if kept is not recording]
                if not variants:
                    del self._recordings[key]

    @staticmethod
    def _keys(inputs: Sequence[Sequence[float]], batch: tuple[Hashable, ...]) -> list[Hashable]:
        """Where a recording for this batch is kept: by batch shape when its targets are
        leaves, else by batch shape and targets."""
        shape = (len(inputs), len(inputs[0]) if inputs else 0)
        return [shape, (*shape, batch[len(inputs) :])]

    def _lookup(
        self, inputs: Sequence[Sequence[float]], batch: tuple[Hashable, ...]
    ) -> list[_Recording]:
        """The recordings that may fit this batch, most recently used first (may be [])."""
        for key in self._keys(inputs, batch):
            variants = self._recordings.get(key)
            if variants is not None:
                self._recordings.move_to_end(key)
                return variants
        return []

    def _record(
        self,
        model: Module,
        loss_fn: Any,
        inputs: Sequence[Sequence[float]],
        targets: Sequence[Any],
        batch: tuple[Hashable, ...],
    ) -> _Recording:
        self.recordings_made += 1
        input_leaves = [[Value(_number(v)) for v in row] for row in inputs]
        # Everything Python reads from Values while the graph is built becomes a guard.
        with guards.recording() as model_guards:
            outputs = [model(row) for row in input_leaves]
        # The loss on the targets as given: it checks them, and raises as eager would.
        with guards.recording() as loss_guards:
            loss = loss_fn(outputs, targets)
        if not isinstance(loss, Value):
            raise TypeError(f"loss_fn must return a Value, not {type(loss).__name__}")
        form: _TargetForm | None = None
        target_leaves: list[list[Value]] = []
        for candidate in TARGET_FORMS:
            tried = self._loss_on_leaves(candidate, loss_fn, outputs, targets, loss.data)
            if tried is not None:
                loss, loss_guards, target_leaves = tried
                form = candidate
                self._accepted.update(map(_hashable, targets))
                break
        watch: list[Value] = []
        template = _flatten(outputs, watch)
        replay = compile_graph(loss, watch=watch, guards=model_guards + loss_guards)
        recording = _Recording(replay, input_leaves, form, target_leaves, template, batch)
        shape_key, targets_key = self._keys(inputs, batch)
        key = shape_key if form is not None else targets_key
        variants = self._recordings.setdefault(key, [])
        variants.insert(0, recording)
        del variants[MAX_VARIANTS:]
        self._recordings.move_to_end(key)
        if len(self._recordings) > MAX_RECORDINGS:
            self._recordings.popitem(last=False)
        return recording

    @staticmethod
    def _loss_on_leaves(
        form: _TargetForm,
        loss_fn: Any,
        outputs: list[Any],
        targets: Sequence[Any],
        expected: float,
    ) -> tuple[Value, GuardLog, list[list[Value]]] | None:
        """The loss with the targets given as leaves of ``form``, its guards and the leaves;
        None unless the loss accepts them, keeps every leaf in its graph, and gives exactly
        ``expected``, the loss on the targets as given."""
        rows = form.encode(targets, outputs)
        if rows is None:
            return None
        leaves = [[Value(number) for number in row] for row in rows]
        given = [row[0] for row in leaves] if form.scalar else leaves
        try:
            with guards.recording() as loss_guards:
                loss = loss_fn(outputs, given)
        except (TypeError, ValueError):  # the loss wants numbers or indices
            return None
        if not isinstance(loss, Value) or loss.data != expected:
            return None
        in_graph = set(topological_order(loss))
        if not all(leaf in in_graph for row in leaves for leaf in row):
            return None  # the loss read them as numbers: they would be frozen
        return loss, loss_guards, leaves

    def _check_targets(self, loss_fn: Any, outputs: list[Any], targets: Sequence[Any]) -> None:
        """Let the loss check target values no recording has shown it yet (a hinge label
        outside ±1, a probability above 1), on this step's outputs, without a graph: it
        raises just as the eager step would. Each value is checked once."""
        if all(_hashable(t) in self._accepted for t in targets):
            return
        with no_grad():
            loss_fn(_as_values(outputs), targets)
        self._accepted.update(map(_hashable, targets))

    @staticmethod
    def _feed(
        recording: _Recording, inputs: Sequence[Sequence[float]], targets: Sequence[Any]
    ) -> bool:
        """Set the recording's input and target leaves to this batch; False (nothing set)
        when the targets do not fit its target form."""
        rows: list[list[float]] = []
        if recording.target_form is not None:
            encoded = recording.target_form.encode(targets, recording.outputs)
            if encoded is None:
                return False
            rows = encoded
        for leaves, row in zip(recording.input_leaves, inputs, strict=True):
            if len(row) != len(leaves):
                raise ValueError(
                    f"every example must have {len(leaves)} features, got {len(row)}: {row!r}"
                )
            for leaf, v in zip(leaves, row, strict=True):
                leaf.data = _number(v)
        for leaves, numbers_of_target in zip(recording.target_leaves, rows, strict=True):
            for leaf, number in zip(leaves, numbers_of_target, strict=True):
                leaf.data = number
        return True

    @staticmethod
    def _verify(
        model: Module,
        loss_fn: Any,
        inputs: Sequence[Sequence[float]],
        targets: Sequence[Any],
        value: float,
        outputs: list[Any],
    ) -> None:
        """Build this step's loss anew (values only) and compare it with the replay.

        Only a direct read of ``.data`` can make them differ (guards catch every other look
        at a number), so this runs once per recording, on its first new batch.
        """
        with no_grad():
            fresh_outputs = [model([Value(_number(v)) for v in row]) for row in inputs]
            fresh = loss_fn(fresh_outputs, targets).data
        watch: list[Value] = []
        template = _flatten(fresh_outputs, watch)
        expected = _fill(template, [node.data for node in watch])
        if not (
            math.isclose(value, fresh, rel_tol=1e-9, abs_tol=1e-12) and _close(outputs, expected)
        ):
            raise FrozenGraphError(
                f"compiled=True: on a new batch the recorded graph gives loss {value!r} but "
                f"building it anew gives {fresh!r}. The model or the loss computes a "
                "number the recording cannot see (under no_grad(), say), which a "
                "recording repeats as it was. Train with compiled=False, or compute the "
                "choice with ops (relu, abs, maximum), which every replay re-decides."
            )


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


class History(dict[str, list[float]]):
    """What :func:`nn.train.fit` returns: ``{"loss": [...], "accuracy": [...]}``, a plain dict
    in every way, plus :attr:`mode`, how the steps were taken: ``"compiled"`` or ``"eager"``.

    >>> history = History({"loss": [0.5]}, mode="compiled")
    >>> history["loss"], history.mode, history == {"loss": [0.5]}
    ([0.5], 'compiled', True)
    """

    def __init__(self, *args: Any, mode: str = "eager", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mode = mode


#: After this many compiled steps, fit's default mode checks that recordings are replayed.
MIN_STEPS_BEFORE_GIVING_UP = 8

_train_logger = logging.getLogger("nn.train")


def _numpy_installed() -> bool:
    try:
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


class TrainingMode:
    """The step :func:`nn.train.fit` runs, chosen by its ``compiled`` argument
    (``make_compiled()`` makes the compiled step: a :class:`CompiledStep`).

    * ``True``: :class:`CompiledStep`, always (its errors are raised).
    * ``False``: the eager :func:`nn.train.train_step`, always.
    * ``None`` (fit's default): compiled where that is safe, else eager. Compiled needs
      NumPy; it then starts compiled and switches to eager for the rest of training, with
      the reason logged on the ``nn.train`` logger, when the compiled step cannot serve:
      the inputs are not rows of numbers (an RNN's sequences), the one-time check against
      an eager step finds a number no guard sees (one computed under ``no_grad()``:
      :class:`FrozenGraphError`; that step is retaken eagerly, so nothing wrong is ever
      applied), or the recordings are not being reused (a loss of one's own that reads
      its targets as numbers, on shuffled batches, or a model that reads its parameters'
      ``.data``: a recording per step is slower than eager; the latest failed guard is
      logged with the reason).

    Attributes:
        mode: ``"compiled"`` or ``"eager"``: how the latest step was taken.
        reason: why, in words (also logged).
        on_change: called with the new mode when the default mode switches to eager.
    """

    def __init__(
        self, compiled: bool | None, make_compiled: Callable[[], CompiledStep] = CompiledStep
    ) -> None:
        self.requested = compiled
        self._compiled: CompiledStep | None = None
        if compiled is False:
            self.reason = "compiled=False"
        elif compiled is True:
            self.reason = "compiled=True"
            self._compiled = make_compiled()
        elif not _numpy_installed():
            self.reason = "the default, but NumPy is not installed (pip install numpy)"
        else:
            self.reason = "the default: each batch size is recorded once and replayed"
            self._compiled = make_compiled()
        self.on_change: Callable[[str], None] | None = None
        self._compiled_steps = 0
        _train_logger.info("fit: %s mode (%s)", self.mode, self.reason)

    @property
    def mode(self) -> str:
        return "eager" if self._compiled is None else "compiled"

    def __call__(
        self,
        model: Module,
        loss_fn: Any,
        optimizer: Optimizer,
        inputs: Sequence[Sequence[float]],
        targets: Sequence[Any],
    ) -> Any:
        from .train import train_step

        if self._compiled is None:
            return train_step(model, loss_fn, optimizer, inputs, targets)
        if self.requested:
            return self._compiled(model, loss_fn, optimizer, inputs, targets)
        try:
            result = self._compiled(model, loss_fn, optimizer, inputs, targets)
        except FrozenGraphError as error:
            self._switch_to_eager(f"a replay disagreed with the eager step: {error}")
            return train_step(model, loss_fn, optimizer, inputs, targets)
        except TypeError as error:
            if self._compiled_steps:
                raise
            self._switch_to_eager(f"the inputs cannot be graph leaves ({error})")
            return train_step(model, loss_fn, optimizer, inputs, targets)
        self._compiled_steps += 1
        made = self._compiled.recordings_made
        if self._compiled_steps >= MIN_STEPS_BEFORE_GIVING_UP and 2 * made > self._compiled_steps:
            failure = self._compiled.last_guard_failure
            self._switch_to_eager(
                f"{made} recordings for {self._compiled_steps} steps (a loss that reads its "
                "targets as numbers, or Python that reads numbers that change from batch to "
                "batch: a branch, x.data, x.item()): recording nearly every batch is slower "
                "than eager"
                + ("" if failure is None else f"; the latest guard that failed: {failure}")
            )
        return result

    def _switch_to_eager(self, why: str) -> None:
        self._compiled = None
        self.reason = f"switched from compiled: {why}"
        _train_logger.info("fit: eager mode from now on (%s)", self.reason)
        if self.on_change is not None:
            self.on_change(self.mode)
