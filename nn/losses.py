"""Loss functions: one number that says how wrong a batch of predictions is.

Each loss takes a whole batch (a list of predictions and a list of targets) and returns the
*mean* of the per-example losses as a single Value, the root that ``backward()`` starts from.
They match ``torch.nn.functional``'s losses with the default ``reduction="mean"``.

The classification losses take raw scores (logits), never probabilities, so they can be
computed stably: a sigmoid or softmax followed by a log loses everything to rounding once
the score is large (``log(sigmoid(-1000))`` is ``log(0)``), while the fused forms below stay
finite for scores of any size, and so do their gradients.

>>> from autograd_engine import Value
>>> scores = [Value(2.0), Value(0.5), Value(-1.0)]
>>> loss = hinge_loss(scores, [1, 1, 1])   # mean of relu(1 - s): (0 + 0.5 + 2) / 3
>>> loss.data
0.8333333333333333
>>> loss.backward()
>>> [s.grad for s in scores]               # -1/3 where the margin is violated, else 0
[0.0, -0.3333333333333333, -0.3333333333333333]
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

from autograd_engine import Value

from .functional import logsumexp

__all__ = ["binary_cross_entropy_with_logits", "cross_entropy", "hinge_loss", "mse_loss"]

Scalar = Value | float


def _check_batch(name: str, predictions: Sequence[object], targets: Sequence[object]) -> None:
    for what, batch in (("predictions", predictions), ("targets", targets)):
        if isinstance(batch, Value | str | bytes) or not isinstance(batch, Sequence):
            raise TypeError(f"{name}: {what} must be a list (a batch), got {type(batch).__name__}")
    if len(predictions) != len(targets):
        raise ValueError(f"{name}: got {len(predictions)} predictions but {len(targets)} targets")
    if len(predictions) == 0:
        raise ValueError(f"{name}: the batch is empty")


def _target_number(name: str, index: int, target: object) -> float:
    if isinstance(target, Value):
        # The slot, not .data: while a graph is recorded, a read of .data is a guard (the
        # code might branch on it), but this one only checks the target, which stays in
        # the graph as a leaf; nn.compiled checks each new target value itself.
        return target._data
    if isinstance(target, bool) or not isinstance(target, numbers.Real):
        raise TypeError(f"{name}: target {index} must be a number, not {type(target).__name__}")
    return float(target)


def _score(name: str, index: int, score: object) -> Scalar:
    if isinstance(score, Value):
        return score
    if isinstance(score, numbers.Real) and not isinstance(score, bool):
        return float(score)
    raise TypeError(
        f"{name}: prediction {index} must be one Value (a single score), not {type(score).__name__}"
    )


def _mean(terms: Sequence[Value]) -> Value:
    """(t_1 + ... + t_n) * (1/n), labelled ``loss`` so drawings and the stepper name it."""
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    loss = total * (1.0 / len(terms))
    loss.label = "loss"
    return loss


def _as_value(x: Scalar) -> Value:
    return x if isinstance(x, Value) else Value(x)


def _kept(target: object, number: float) -> Scalar:
    """A Value target itself (a graph input: ``nn.compiled`` feeds each batch's targets
    through such leaves), else its checked number. The loss's value is the same either way."""
    return target if isinstance(target, Value) else number


def _target_or_value(index: int, target: object) -> Scalar:
    # A Value target stays a Value, so a loss between two computed things backpropagates to both.
    return target if isinstance(target, Value) else _target_number("mse_loss", index, target)


def mse_loss(predictions: Sequence[object], targets: Sequence[object]) -> Value:
    """The mean squared error, mean over all elements of (prediction - target)².

    Each prediction is a Value (one output per example) or a list of Values (several
    outputs); each target has the same shape. Targets may be numbers or Values.
    """
    _check_batch("mse_loss", predictions, targets)
    squares = []
    for index, (prediction, target) in enumerate(zip(predictions, targets, strict=True)):
        if isinstance(prediction, Sequence) and not isinstance(prediction, str | bytes):
            if not isinstance(target, Sequence) or len(target) != len(prediction):
                raise ValueError(
                    f"mse_loss: prediction {index} has {len(prediction)} outputs but its "
                    f"target is {target!r}"
                )
            pairs = list(zip(prediction, target, strict=True))
        else:
            pairs = [(prediction, target)]
        for p, t in pairs:
            error = _as_value(_score("mse_loss", index, p)) - _target_or_value(index, t)
            squares.append(error**2)
    return _mean(squares)


def hinge_loss(scores: Sequence[Scalar], targets: Sequence[float]) -> Value:
    """micrograd's max-margin loss: the mean of relu(1 - y * s), for targets y = ±1.

    A score on the right side of 0 by a margin of at least 1 costs nothing; anything less
    costs linearly. (For 0/1 labels pass ``[2 * y - 1 for y in labels]``.) A target may
    be a Value holding ±1: it then stays in the graph, as an input.
    """
    _check_batch("hinge_loss", scores, targets)
    terms = []
    for index, (score, target) in enumerate(zip(scores, targets, strict=True)):
        y = _target_number("hinge_loss", index, target)
        if y not in (-1.0, 1.0):
            raise ValueError(
                f"hinge_loss: target {index} is {target!r}; targets must be -1 or +1 "
                "(for 0/1 labels pass 2 * y - 1)"
            )
        s = _as_value(_score("hinge_loss", index, score))
        terms.append((1.0 - s * _kept(target, y)).relu())
    return _mean(terms)


def binary_cross_entropy_with_logits(logits: Sequence[Scalar], targets: Sequence[float]) -> Value:
    """Binary cross-entropy of sigmoid(z) against targets y in [0, 1], from the logits z.

    The loss of one example is ``-(y log σ(z) + (1 - y) log(1 - σ(z)))``. Since
    ``log σ(z) = -softplus(-z)`` and ``log(1 - σ(z)) = -softplus(z)``, it simplifies to::

        softplus(z) - y * z

    and the engine's softplus never overflows. Its derivative is σ(z) - y, finite everywhere.
    A target may be a Value (in [0, 1]): it then stays in the graph, as an input.
    """
    _check_batch("binary_cross_entropy_with_logits", logits, targets)
    terms = []
    for index, (logit, target) in enumerate(zip(logits, targets, strict=True)):
        y = _target_number("binary_cross_entropy_with_logits", index, target)
        if not 0.0 <= y <= 1.0:
            raise ValueError(
                f"binary_cross_entropy_with_logits: target {index} is {target!r}; "
                "targets must lie in [0, 1]"
            )
        z = _as_value(_score("binary_cross_entropy_with_logits", index, logit))
        terms.append(z.softplus() - z * _kept(target, y))
    return _mean(terms)


def _class_index(index: int, label: object, classes: int) -> int:
    if isinstance(label, bool) or not isinstance(label, numbers.Integral):
        raise TypeError(
            f"cross_entropy: class label {index} must be an int class index, "
            f"not {type(label).__name__} {label!r}"
        )
    number = int(label)
    if not 0 <= number < classes:
        raise ValueError(
            f"cross_entropy: class label {number} (example {index}) is out of range for "
            f"{classes} classes; labels must be 0..{classes - 1}"
        )
    return number


def _class_probabilities(index: int, target: Sequence[object], classes: int) -> list[Scalar]:
    if len(target) != classes:
        raise ValueError(
            f"cross_entropy: target {index} has {len(target)} class probabilities for "
            f"{classes} classes"
        )
    row: list[Scalar] = []
    for p in target:
        number = _target_number("cross_entropy", index, p)
        if not 0.0 <= number <= 1.0:
            raise ValueError(
                f"cross_entropy: target {index} holds the probability {number!r}; class "
                "probabilities must lie in [0, 1]"
            )
        row.append(_kept(p, number))
    return row


def _soft_term(z: list[Value], probabilities: list[Scalar]) -> Value:
    """-sum_i p_i log softmax(z)_i, each log softmax(z)_i computed as z_i - logsumexp(z)."""
    lse = logsumexp(z)
    total = probabilities[0] * (z[0] - lse)
    for p, zi in zip(probabilities[1:], z[1:], strict=True):
        total = total + p * (zi - lse)
    return -total


def cross_entropy(
    batch_logits: Sequence[Sequence[Scalar]], class_indices: Sequence[int | Sequence[Scalar]]
) -> Value:
    """Softmax cross-entropy: the mean of -log softmax(z)[c] over the batch.

    ``batch_logits`` holds one list of k class scores per example, ``class_indices`` the
    correct class (0..k-1) of each. One example's loss is::

        -log softmax(z)_c = logsumexp(z) - z_c

    with the max-shifted :func:`~nn.functional.logsumexp`, so scores of ±1000 are fine. Its
    derivative with respect to z_i is softmax(z)_i - [i == c].

    A target may instead be a list of k class probabilities p (numbers or Values in [0, 1],
    PyTorch's other form of target): that example's loss is ``-sum_i p_i log softmax(z)_i``.
    A one-hot row gives exactly the loss of its class index (``0 * x`` adds nothing, and
    ``-(z_c - logsumexp(z))`` is ``logsumexp(z) - z_c`` to the bit); as Values it keeps the
    targets in the graph, which is how :mod:`nn.compiled` replays one recording for every
    batch.
    """
    _check_batch("cross_entropy", batch_logits, class_indices)
    classes = None
    terms = []
    for index, (logits, label) in enumerate(zip(batch_logits, class_indices, strict=True)):
        if isinstance(logits, Value | str | bytes) or not isinstance(logits, Sequence):
            raise TypeError(
                f"cross_entropy: example {index} must be a list of class scores, "
                f"not {type(logits).__name__} (cross_entropy expects a batch of score lists)"
            )
        if classes is None:
            classes = len(logits)
            if classes == 0:
                raise ValueError("cross_entropy: examples need at least one class score")
        elif len(logits) != classes:
            raise ValueError(
                f"cross_entropy: example {index} has {len(logits)} scores, example 0 has {classes}"
            )
        z = [_as_value(_score("cross_entropy", index, zi)) for zi in logits]
        if isinstance(label, Sequence) and not isinstance(label, str | bytes):
            terms.append(_soft_term(z, _class_probabilities(index, label, classes)))
            continue
        c = _class_index(index, label, classes)
        terms.append(logsumexp(z) - z[c])
    return _mean(terms)
