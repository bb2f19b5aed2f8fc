"""Functions of a whole vector of scores: ``logsumexp``, ``log_softmax``, ``softmax``.

A classifier's last layer outputs one raw score (a *logit*) z_i per class. Softmax turns
them into probabilities::

    softmax(z)_i = exp(z_i) / sum_j exp(z_j)

Computed literally, ``exp(1000)`` overflows. The cure is the identity, true for any
constant m::

    logsumexp(z) = log(sum_j exp(z_j)) = m + log(sum_j exp(z_j - m))

With m = max(z) every exponent is <= 0, so nothing overflows, and the sum is at least 1
(the largest term is exp(0)), so the log never sees 0. The shift m is a node of the graph,
:func:`autograd_engine.maximum` of the logits, not a number read from ``.data``: a compiled
replay then re-picks the largest logit on every run (a number would be frozen at the value
it had when the graph was recorded, and exp(z - m) could overflow on new data). Its
gradient is exact: the identity holds for every m, so the paths through m cancel (m's
gradient, 1 - sum_j softmax_j = 0 up to rounding), and d logsumexp(z)/dz_i = softmax(z)_i.

>>> [round(p.data, 4) for p in softmax([1.0, 2.0, 3.0])]
[0.09, 0.2447, 0.6652]
>>> logsumexp([1000.0, 1000.0]).data       # 1000 + log 2, where exp(1000) would overflow
1000.6931471805599
"""

from __future__ import annotations

from collections.abc import Sequence

from autograd_engine import Value, maximum

__all__ = ["log_softmax", "logsumexp", "softmax"]

Logits = Sequence[Value | float]


def _as_values(name: str, logits: object) -> list[Value]:
    if isinstance(logits, Value | str | bytes) or not isinstance(logits, Sequence):
        raise TypeError(f"{name} expects a list of scores, got {type(logits).__name__}")
    if len(logits) == 0:
        raise ValueError(f"{name} of an empty list is undefined")
    return [z if isinstance(z, Value) else Value(z) for z in logits]


def _sum(values: Sequence[Value]) -> Value:
    total = values[0]
    for value in values[1:]:
        total = total + value
    return total


def logsumexp(logits: Logits) -> Value:
    """log(sum_i exp(z_i)), computed as m + log(sum_i exp(z_i - m)) with m = max(z)."""
    z = _as_values("logsumexp", logits)
    shift: Value = maximum(*z)
    minus_shift = -shift  # one node, shared by every term
    return _sum([(zi + minus_shift).exp() for zi in z]).log() + shift


def log_softmax(logits: Logits) -> list[Value]:
    """log(softmax(z))_i = z_i - logsumexp(z): the log-probability of each class."""
    z = _as_values("log_softmax", logits)
    total = logsumexp(z)
    return [zi - total for zi in z]


def softmax(logits: Logits) -> list[Value]:
    """exp(z_i - m) / sum_j exp(z_j - m) with m = max(z): probabilities that sum to 1."""
    z = _as_values("softmax", logits)
    shift: Value = maximum(*z)
    minus_shift = -shift
    exps = [(zi + minus_shift).exp() for zi in z]
    total = _sum(exps)
    return [e / total for e in exps]
